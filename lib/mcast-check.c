/* SPDX-License-Identifier: MIT */
/*
 * mcast check, the pure part: whether a captured frame is the report of
 * a join, and what the facts of a check amount to, as findings.
 */
#include <errno.h>
#include <string.h>

#include "dualstack/mcast.h"
#include "dualstack/packet.h"

#include "cur.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const report_tokens[] = {
    [DS_MCAST_REPORT_IGMPV1] = "igmpv1-report",
    [DS_MCAST_REPORT_IGMPV2] = "igmpv2-report",
    [DS_MCAST_REPORT_IGMPV3] = "igmpv3-report",
    [DS_MCAST_REPORT_MLDV1] = "mldv1-report",
    [DS_MCAST_REPORT_MLDV2] = "mldv2-report",
};

const char *
ds_mcast_report_token(enum ds_mcast_report_kind k)
{
	if ((unsigned)k >= ARRAY_SIZE(report_tokens))
		return NULL;
	return report_tokens[k];
}

/*
 * Does a record of type rtype with these sources join spec? RFC 3810
 * section 5.2.12 and RFC 3376 section 4.2.12: any source is joined by
 * EXCLUDE with no sources (MODE_IS_EXCLUDE 2, CHANGE_TO_EXCLUDE 4); one
 * source by an INCLUDE or ALLOW record listing it (1, 3, 5).
 */
static bool
record_joins(const struct ds_mcast_spec *spec, uint8_t rtype, size_t nsrc,
    bool lists_source)
{
	if (spec->source.family == 0)
		return (rtype == 2 || rtype == 4) && nsrc == 0;
	return (rtype == 1 || rtype == 3 || rtype == 5) && lists_source;
}

/* IGMP at off in frame, RFC 3376 section 4.2 and RFC 2236 section 2. */
static int
igmp_match(const uint8_t *frame, size_t off, size_t end,
    const struct ds_mcast_spec *spec, enum ds_mcast_report_kind *ret)
{
	struct ds_cur c = ds_cur_at(frame, off, end);
	uint8_t type;
	uint16_t nrec;
	uint32_t group;

	if (ds_cur_u8(&c, &type) < 0 || ds_cur_skip(&c, 3) < 0)
		return 0;
	if (type == 0x12 || type == 0x16) {
		struct ds_addr g;

		if (ds_cur_be32(&c, &group) < 0 || spec->source.family)
			return 0;
		ds_addr_from_v4(group, &g);
		if (!ds_addr_equal(&g, &spec->group))
			return 0;
		*ret = type == 0x12 ? DS_MCAST_REPORT_IGMPV1
		                    : DS_MCAST_REPORT_IGMPV2;
		return 1;
	}
	if (type != 0x22 || ds_cur_skip(&c, 2) < 0 ||
	    ds_cur_be16(&c, &nrec) < 0)
		return 0;
	for (unsigned r = 0; r < nrec; r++) {
		/* A record's sources are checked against one at a time:
		 * only spec's source matters. */
		uint8_t rtype, aux;
		uint16_t nsrc;
		struct ds_addr g, s;
		bool found = false;

		if (ds_cur_u8(&c, &rtype) < 0 || ds_cur_u8(&c, &aux) < 0 ||
		    ds_cur_be16(&c, &nsrc) < 0 || ds_cur_be32(&c, &group) < 0)
			return 0;
		ds_addr_from_v4(group, &g);
		for (unsigned i = 0; i < nsrc; i++) {
			uint32_t v;

			if (ds_cur_be32(&c, &v) < 0)
				return 0;
			ds_addr_from_v4(v, &s);
			if (spec->source.family &&
			    ds_addr_equal(&s, &spec->source))
				found = true;
		}
		if (ds_cur_skip(&c, (size_t)aux * 4) < 0)
			return 0;
		if (!ds_addr_equal(&g, &spec->group))
			continue;
		if (record_joins(spec, rtype, nsrc, found)) {
			*ret = DS_MCAST_REPORT_IGMPV3;
			return 1;
		}
	}
	return 0;
}

int
ds_mcast_report_match(const uint8_t *frame, size_t caplen, int linktype,
    const struct ds_mcast_spec *spec, enum ds_mcast_report_kind *ret_kind)
{
	/* On the stack: a few kilobytes (the pools are bounded). */
	struct ds_pkt p;
	const struct ds_pkt_ip *ip = &p.ip;
	int r;

	r = ds_packet_decode(frame, caplen, 0, linktype, &p);
	if (r < 0)
		return r;
	if (ip->version == 4 && spec->group.family == AF_INET &&
	    ip->proto == IPPROTO_IGMP && ip->l4 == DS_PKT_L4_OTHER)
		return igmp_match(frame, ip->l4_off,
		    (size_t)ip->l4_off + ip->l4_len, spec, ret_kind);
	if (ip->version != 6 || spec->group.family != AF_INET6 ||
	    ip->l4 != DS_PKT_L4_ICMP6)
		return 0;
	if (ip->u.icmp.type == 131 && spec->source.family == 0 &&
	    ds_addr_equal(&p.icmp6.group, &spec->group)) {
		*ret_kind = DS_MCAST_REPORT_MLDV1;
		return 1;
	}
	if (ip->u.icmp.type != 143)
		return 0;
	for (size_t i = 0; i < p.icmp6.n_mldrec; i++) {
		const struct ds_pkt_mldrec *m = &p.u.mld_rec[i];
		bool found = false;

		if (!ds_addr_equal(&m->group, &spec->group))
			continue;
		/* The sources the decoder stored (it caps them). */
		for (size_t j = m->src_first;
		     j < (size_t)m->src_first + m->n_src && j < DS_PKT_MAX_ADDR;
		     j++)
			if (spec->source.family &&
			    ds_addr_equal(&p.addr[j], &spec->source))
				found = true;
		if (record_joins(spec, m->type, m->nsrc, found)) {
			*ret_kind = DS_MCAST_REPORT_MLDV2;
			return 1;
		}
	}
	return 0;
}

/* The membership of spec among members (and, for SSM, filters). */
static const struct ds_mcast_membership *
find_member(const struct ds_mcast_check_facts *f)
{
	const struct ds_mcast_spec *sp = &f->spec;

	for (size_t i = 0; i < f->n_members; i++) {
		const struct ds_mcast_membership *m = &f->members[i];

		if (m->ifindex != sp->ifindex ||
		    !ds_addr_equal(&m->group, &sp->group))
			continue;
		if (sp->source.family == 0)
			return m;
		for (size_t j = 0; j < f->n_filters; j++) {
			const struct ds_mcast_membership *x = &f->filters[j];

			if (x->ifindex == sp->ifindex && x->include > 0 &&
			    ds_addr_equal(&x->group, &sp->group) &&
			    ds_addr_equal(&x->source, &sp->source))
				return m;
		}
	}
	return NULL;
}

/* Subject and the common evidence: the group, the interface, the
 * source. */
static void
begin(struct ds_finding *out, const struct ds_mcast_check_facts *f,
    enum ds_finding_code code, enum ds_severity sev)
{
	ds_finding_init(out, code, sev);
	out->subject.key = DS_EVK_TARGET;
	out->subject.type = DS_EV_ADDR;
	out->subject.v.addr = f->spec.group;
	ds_finding_add_text(
	    out, DS_EVK_INTERFACE, f->ifname, strnlen(f->ifname, DS_ZONE_MAX));
	if (f->spec.source.family)
		ds_finding_add_addr(out, DS_EVK_SOURCE, &f->spec.source);
}

size_t
ds_mcast_check_findings(
    const struct ds_mcast_check_facts *f, struct ds_finding *out, size_t max)
{
	struct ds_finding all[4];
	const struct ds_mcast_membership *m;
	struct ds_mcast_group_info gi = {0};
	size_t n = 0;

	if (f->capture_err) {
		begin(&all[n], f, DS_FIND_MCAST_NO_CAPTURE, DS_SEV_WARNING);
		ds_finding_add_errno(&all[n++], DS_EVK_ERRNO, f->capture_err);
	} else if (f->report) {
		begin(&all[n], f, DS_FIND_MCAST_REPORT_SEEN, DS_SEV_OK);
		ds_finding_add_token(
		    &all[n++], DS_EVK_CODE, ds_mcast_report_token(f->report));
	} else {
		begin(&all[n], f, DS_FIND_MCAST_REPORT_MISSING, DS_SEV_ERROR);
		ds_finding_add_duration(
		    &all[n++], DS_EVK_ELAPSED, f->waited_us);
	}
	m = find_member(f);
	if (m) {
		begin(&all[n], f, DS_FIND_MCAST_MEMBER, DS_SEV_OK);
		ds_finding_add_uint(&all[n++], DS_EVK_COUNT, m->users);
	} else {
		begin(&all[n], f, DS_FIND_MCAST_NOT_MEMBER, DS_SEV_ERROR);
		n++;
	}
	/*
	 * Strict reverse-path filtering (rp_filter 1, RFC 3704 section 2.2)
	 * drops a datagram whose source is not routed back out of the
	 * interface it came in on: a multicast source on another path than
	 * the unicast route is dropped before any socket sees it. Loose
	 * mode (2) only needs some route.
	 */
	if (f->spec.group.family == AF_INET && f->rp_filter == 1) {
		begin(&all[n], f, DS_FIND_MCAST_RP_FILTER, DS_SEV_WARNING);
		ds_finding_add_text(
		    &all[n], DS_EVK_SETTING, "net.ipv4.conf.*.rp_filter", 25);
		ds_finding_add_uint(&all[n++], DS_EVK_VALUE, 1);
	}
	/*
	 * A routed group (wider than link scope) whose senders keep the
	 * default TTL or hop limit of 1 (RFC 1112 section 6.1, RFC 3493
	 * section 5.2) never passes a router: said as information, since
	 * only the senders can change it.
	 */
	if (ds_mcast_group_info(&f->spec.group, &gi) == 0 && !gi.needs_iface) {
		begin(&all[n], f, DS_FIND_MCAST_HOPS_ONE, DS_SEV_INFO);
		ds_finding_add_uint(&all[n++], DS_EVK_VALUE, 1);
	}
	for (size_t i = 0; i < n && i < max; i++)
		out[i] = all[i];
	return n;
}
