/* SPDX-License-Identifier: MIT */
/*
 * mcast check, the pure part: whether a captured frame is the report of
 * a join, and what the facts of a check amount to, as findings: the
 * report and the membership, then what would stop reception (the
 * interface, the route, where else the group is joined, the firewall,
 * rp_filter, the hop limit).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_addr.h>

#include "dualstack/error.h"
#include "dualstack/fw.h"
#include "dualstack/host.h"
#include "dualstack/mcast.h"
#include "dualstack/packet.h"

#include "cur.h"
#include "host-int.h"

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

/*
 * The address a report on the interface goes out from: IPv4, its first
 * address (inet_select_addr() takes the primary one); IPv6, its
 * link-local once Duplicate Address Detection is done (RFC 3810 section
 * 5: "a valid link-local address", ipv6_get_lladdr() skipping tentative
 * ones). 1 and *ret, or 0 when it has none.
 */
static int
report_source(const struct ds_host_facts *h, unsigned index, int family,
    struct ds_addr *ret)
{
	for (size_t i = 0; i < h->n_addrs && i < DS_HOST_ADDR_MAX; i++) {
		const struct ds_host_address *a = &h->addrs[i];

		if (a->index != index || a->addr.family != family)
			continue;
		if (family == AF_INET6 &&
		    (!IN6_IS_ADDR_LINKLOCAL(&a->addr.u.in6) ||
		        (a->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))))
			continue;
		*ret = a->addr;
		return 1;
	}
	return 0;
}

/* Whether the interface has a link-local address that is tentative
 * (not failed): one that will be usable once DAD is done. */
static bool
has_tentative_ll(const struct ds_host_facts *h, unsigned index)
{
	for (size_t i = 0; i < h->n_addrs && i < DS_HOST_ADDR_MAX; i++) {
		const struct ds_host_address *a = &h->addrs[i];

		if (a->index == index && a->addr.family == AF_INET6 &&
		    IN6_IS_ADDR_LINKLOCAL(&a->addr.u.in6) &&
		    (a->flags & IFA_F_TENTATIVE) &&
		    !(a->flags & IFA_F_DADFAILED))
			return true;
	}
	return false;
}

/* The name of interface index, from h or the memberships; the number
 * when neither knows it. */
static void
if_name(const struct ds_mcast_check_facts *f, unsigned index, char *buf,
    size_t size)
{
	const struct ds_host_link *l =
	    f->host ? ds__host_link_of(f->host, index) : NULL;

	if (l) {
		snprintf(buf, size, "%s", l->name);
		return;
	}
	for (size_t i = 0; i < f->n_members; i++)
		if (f->members[i].ifindex == index) {
			snprintf(buf, size, "%s", f->members[i].ifname);
			return;
		}
	snprintf(buf, size, "%u", index);
}

/* What the interface itself says: down, no multicast, no address. */
static size_t
iface_findings(const struct ds_mcast_check_facts *f, struct ds_finding *out)
{
	const struct ds_host_link *l =
	    ds__host_link_of(f->host, f->spec.ifindex);
	struct ds_addr a;
	size_t n = 0;

	if (!l)
		return 0;
	/* Down, nothing arrives; up without a carrier (IFF_RUNNING off:
	 * a cable out, a veth whose peer is down), nothing arrives yet. */
	if (!(l->flags & IFF_UP)) {
		begin(&out[n], f, DS_FIND_MCAST_IFACE_DOWN, DS_SEV_ERROR);
		ds_finding_add_token(&out[n++], DS_EVK_STATE, "down");
	} else if (!(l->flags & IFF_RUNNING)) {
		begin(&out[n], f, DS_FIND_MCAST_IFACE_DOWN, DS_SEV_WARNING);
		ds_finding_add_token(&out[n++], DS_EVK_STATE, "no-carrier");
	}
	/* IFF_MULTICAST off ("ip link set DEV multicast off") tells the
	 * driver to take no multicast in: drivers clear it from their
	 * receive filter (r8169's rtl_set_rx_mode() drops AcceptMulticast),
	 * so the group's frames never reach the stack, joined or not.
	 * Loopback is made without it, and has no filter: it takes back
	 * all it sends, multicast included. */
	if (!(l->flags & IFF_MULTICAST) && !(l->flags & IFF_LOOPBACK)) {
		begin(&out[n], f, DS_FIND_MCAST_NO_MULTICAST, DS_SEV_ERROR);
		n++;
	}
	/* Loopback has no routers or switches to report to, and IPv6 gives
	 * it ::1 alone. */
	if (f->host->addrs_err == 0 && !(l->flags & IFF_LOOPBACK) &&
	    !report_source(
	        f->host, f->spec.ifindex, f->spec.group.family, &a)) {
		/* A link-local still in Duplicate Address Detection (about
		 * a second after the link comes up, RFC 4862 section 5.4)
		 * will do: said as a warning, and which. */
		bool tentative = has_tentative_ll(f->host, f->spec.ifindex) &&
		    f->spec.group.family == AF_INET6;

		begin(&out[n], f, DS_FIND_MCAST_NO_ADDRESS,
		    tentative ? DS_SEV_WARNING : DS_SEV_ERROR);
		if (tentative)
			ds_finding_add_token(
			    &out[n], DS_EVK_STATE, "tentative");
		ds_finding_add_uint(
		    &out[n++], DS_EVK_FAMILY, (uint64_t)f->spec.group.family);
	}
	return n;
}

/* Where sending to the group without -i would go. */
static size_t
route_findings(const struct ds_mcast_check_facts *f, struct ds_finding *out)
{
	struct ds_mcast_group_info gi = {0};
	char name[DS_EVIDENCE_TEXT_MAX];

	/*
	 * A link- or interface-local group means nothing without its link:
	 * the kernel would pick one of the links for it, and mcast send
	 * refuses it without -i. Only a routed group has a route worth
	 * naming.
	 */
	if (!f->route_asked || ds_mcast_group_info(&f->spec.group, &gi) < 0 ||
	    gi.needs_iface)
		return 0;
	if (f->route_err < 0) {
		begin(out, f, DS_FIND_MCAST_NO_ROUTE, DS_SEV_INFO);
		ds_finding_add_errno(out, DS_EVK_ERRNO, -f->route_err);
		return 1;
	}
	if (f->route_oif == f->spec.ifindex) {
		begin(out, f, DS_FIND_MCAST_ROUTE, DS_SEV_OK);
		return 1;
	}
	begin(out, f, DS_FIND_MCAST_ROUTE_OTHER, DS_SEV_INFO);
	if_name(f, f->route_oif, name, sizeof(name));
	ds_finding_add_text(out, DS_EVK_OTHER_IFACE, name, strlen(name));
	return 1;
}

/*
 * A datagram is delivered by the interface it arrives on: only when
 * that interface holds a membership of its group (ip_check_mc_rcu(),
 * ipv6_chk_mcast_addr()). When the only other sockets that joined the
 * group did so on another interface, a listener there misses what
 * comes in here. The check's own join is one user on its interface.
 */
static size_t
other_iface_findings(
    const struct ds_mcast_check_facts *f, struct ds_finding *out)
{
	const struct ds_mcast_membership *other = NULL;
	char name[DS_EVIDENCE_TEXT_MAX];
	uint32_t here = 0;

	for (size_t i = 0; i < f->n_members; i++) {
		const struct ds_mcast_membership *m = &f->members[i];

		if (!ds_addr_equal(&m->group, &f->spec.group))
			continue;
		if (m->ifindex == f->spec.ifindex)
			here += m->users;
		else if (!other)
			other = m;
	}
	if (!other || here > 1)
		return 0;
	begin(out, f, DS_FIND_MCAST_OTHER_IFACE, DS_SEV_WARNING);
	if_name(f, other->ifindex, name, sizeof(name));
	ds_finding_add_text(out, DS_EVK_OTHER_IFACE, name, strlen(name));
	ds_finding_add_uint(out, DS_EVK_COUNT, other->users);
	return 1;
}

/* Evaluate p at hook a, then at hook b when a accepts; *ret_hook is
 * where it ended. */
static void
eval2(const struct ds_fw *fw, struct ds_fw_packet *p, enum ds_fw_hook a,
    enum ds_fw_hook b, struct ds_fw_result *res, enum ds_fw_hook *ret_hook)
{
	p->hook = a;
	ds_fw_eval(fw, p, res);
	*ret_hook = a;
	if (res->verdict != DS_FW_ACCEPT)
		return;
	p->hook = b;
	ds_fw_eval(fw, p, res);
	*ret_hook = b;
}

/* The finding of one packet's walk; 0 when it passed. */
static size_t
fw_verdict(const struct ds_mcast_check_facts *f, const struct ds_fw_result *res,
    enum ds_fw_hook hook, bool report, uint8_t proto, struct ds_finding *out)
{
	if (res->verdict == DS_FW_ACCEPT)
		return 0;
	if (res->verdict == DS_FW_UNKNOWN) {
		begin(out, f, DS_FIND_MCAST_FW_UNKNOWN, DS_SEV_WARNING);
		ds_finding_add_uint(out, DS_EVK_PROTO, proto);
	} else {
		begin(out, f,
		    report ? DS_FIND_MCAST_FW_REPORT_DROP
		           : DS_FIND_MCAST_FW_DROP,
		    DS_SEV_ERROR);
		ds_finding_add_token(
		    out, DS_EVK_VERDICT, ds_fw_verdict_token(res->verdict));
	}
	ds_finding_add_token(out, DS_EVK_HOOK, ds_fw_hook_token(hook));
	if (!report && f->port)
		ds_finding_add_uint(out, DS_EVK_PORT, f->port);
	ds_fw_result_evidence(f->fw, res, out);
	return 1;
}

/* The firewall: datagrams in, the report out. */
static size_t
fw_findings(const struct ds_mcast_check_facts *f, struct ds_finding *out)
{
	const int fam = f->spec.group.family;
	struct ds_fw_packet p;
	struct ds_fw_result res;
	enum ds_fw_hook hook;
	enum ds_mcast_report_kind k = f->report;
	size_t n = 0;

	if (!f->fw) {
		if (f->fw_err == 0)
			return 0;
		begin(out, f, DS_FIND_MCAST_FW_NOT_READ, DS_SEV_INFO);
		if (f->fw_err == -DS_E_FW_NFT)
			ds_finding_add_uint(out, DS_EVK_VALUE,
			    (uint64_t)(unsigned)f->fw_status);
		else if (f->fw_err > -DS_E_BASE)
			ds_finding_add_errno(out, DS_EVK_ERRNO, -f->fw_err);
		ds_finding_add_token(out, DS_EVK_CODE,
		    f->fw_err == -DS_E_FW_NFT  ? "nft-failed"
		        : f->fw_err == -ENOENT ? "no-nft"
		                               : "unreadable");
		return 1;
	}

	/* A datagram to the group, as any sender sends it. */
	ds_fw_packet_init(&p, fam, DS_FW_PREROUTING);
	memcpy(p.iif, f->ifname, sizeof(p.iif) - 1);
	p.proto = IPPROTO_UDP;
	p.hop_limit = 1;
	p.src = f->spec.source;
	p.dst = f->spec.group;
	p.dst.zone[0] = '\0';
	p.dst.scope_id = 0;
	p.dport = f->port;
	p.dport_open = f->port == 0;
	p.sport_open = true;
	eval2(f->fw, &p, DS_FW_PREROUTING, DS_FW_INPUT, &res, &hook);
	n += fw_verdict(f, &res, hook, false, IPPROTO_UDP, &out[n]);

	/* The report the join sends: the version seen, else the kernel's
	 * default (force_igmp_version, force_mld_version 0). */
	if (!k)
		k = fam == AF_INET ? DS_MCAST_REPORT_IGMPV3
		                   : DS_MCAST_REPORT_MLDV2;
	ds_fw_packet_init(&p, fam, DS_FW_OUTPUT);
	memcpy(p.oif, f->ifname, sizeof(p.oif) - 1);
	p.hop_limit = 1; /* RFC 3376 section 4, RFC 3810 section 5 */
	if (fam == AF_INET) {
		p.proto = IPPROTO_IGMP;
		if (k == DS_MCAST_REPORT_IGMPV3)
			ds_addr_from_v4(0xe0000016, &p.dst); /* 224.0.0.22 */
		else
			p.dst = f->spec.group;
	} else {
		p.proto = IPPROTO_ICMPV6;
		p.nexthdr = 0; /* behind a Hop-by-Hop Router Alert */
		p.icmp_type = k == DS_MCAST_REPORT_MLDV2 ? 143 : 131;
		p.icmp_code = 0;
		p.ct = ds_fw_icmp_ct(AF_INET6, (uint8_t)p.icmp_type);
		if (k == DS_MCAST_REPORT_MLDV2)
			ds_addr_parse("ff02::16", 8, 0, &p.dst, NULL);
		else
			p.dst = f->spec.group;
	}
	p.dst.zone[0] = '\0';
	p.dst.scope_id = 0;
	/* From the interface's address; from 0.0.0.0 or :: when it has
	 * none (RFC 3810 section 5: the unspecified address). */
	if (f->host && f->host->addrs_err == 0 &&
	    !report_source(f->host, f->spec.ifindex, fam, &p.src)) {
		memset(&p.src, 0, sizeof(p.src));
		p.src.family = fam;
	} else if (!f->host) {
		memset(&p.src, 0, sizeof(p.src));
	}
	eval2(f->fw, &p, DS_FW_OUTPUT, DS_FW_POSTROUTING, &res, &hook);
	if (fw_verdict(f, &res, hook, true, p.proto, &out[n])) {
		if (out[n].code == DS_FIND_MCAST_FW_REPORT_DROP)
			ds_finding_add_token(
			    &out[n], DS_EVK_CODE, ds_mcast_report_token(k));
		n++;
	}
	if (n == 0) {
		begin(out, f, DS_FIND_MCAST_FW_PASS, DS_SEV_OK);
		ds_finding_add_uint(out, DS_EVK_COUNT, ds_fw_n_rules(f->fw));
		if (f->port)
			ds_finding_add_uint(out, DS_EVK_PORT, f->port);
		n = 1;
	}
	return n;
}

size_t
ds_mcast_check_findings(
    const struct ds_mcast_check_facts *f, struct ds_finding *out, size_t max)
{
	struct ds_finding all[DS_MCAST_CHECK_FINDINGS_MAX];
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
		/*
		 * Reports are sent when the interface's state for the group
		 * changes (RFC 3376 section 5.1, RFC 3810 section 6.1): an
		 * any-source join of a group other sockets (or the kernel
		 * itself, for all-hosts) already hold there changes
		 * nothing, and its silence is no fault.
		 */
		bool before;

		m = find_member(f);
		before = m && f->spec.source.family == 0 && m->users > 1;
		begin(&all[n], f, DS_FIND_MCAST_REPORT_MISSING,
		    before ? DS_SEV_INFO : DS_SEV_ERROR);
		if (before)
			ds_finding_add_uint(
			    &all[n], DS_EVK_COUNT, m->users - 1);
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
	if (f->host)
		n += iface_findings(f, &all[n]);
	n += route_findings(f, &all[n]);
	n += other_iface_findings(f, &all[n]);
	n += fw_findings(f, &all[n]);
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
