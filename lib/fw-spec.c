/* SPDX-License-Identifier: MIT */
/*
 * ds_fw_packet_parse(): the packet spec of "dualstack firewall test",
 * "icmpv6 type 2 from 2001:db8::1 to local", into a struct ds_fw_packet.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"
#include "dualstack/fw.h"

#include "fw-int.h"

struct word {
	const char *s;
	size_t len, off;
};

static bool
next(const char *s, size_t len, size_t *pos, struct word *w)
{
	while (*pos < len && (s[*pos] == ' ' || s[*pos] == '\t'))
		(*pos)++;
	if (*pos >= len)
		return false;
	w->s = s + *pos;
	w->off = *pos;
	while (*pos < len && s[*pos] != ' ' && s[*pos] != '\t')
		(*pos)++;
	w->len = (size_t)(s + *pos - w->s);
	return true;
}

static bool
eq(const struct word *w, const char *lit)
{
	return strlen(lit) == w->len && memcmp(w->s, lit, w->len) == 0;
}

static int
fail(size_t *errpos, size_t off, int err)
{
	if (errpos)
		*errpos = off;
	return err;
}

/* Merge a family learnt from a word into *fam. */
static bool
family_merge(int *fam, int f)
{
	if (*fam && *fam != f)
		return false;
	*fam = f;
	return true;
}

int
ds_fw_packet_parse(
    const char *s, size_t len, struct ds_fw_packet *ret, size_t *errpos)
{
	struct ds_fw_packet p;
	struct word w, v;
	size_t pos = 0;
	int fam = 0, type = -1, code = -1, proto = -1, hop = -1, ct = -1;
	bool from_local = false, to_local = false, have_hook = false;
	uint16_t *port_of = NULL;
	enum ds_fw_hook hook = DS_FW_FORWARD;

	ds_fw_packet_init(&p, 0, DS_FW_FORWARD);
	if (!next(s, len, &pos, &w))
		return fail(errpos, 0, -DS_E_EMPTY);
	do {
		int n;

		if (eq(&w, "ip") || eq(&w, "ip6")) {
			if (!family_merge(
			        &fam, w.len == 2 ? AF_INET : AF_INET6))
				return fail(
				    errpos, w.off, -DS_E_FW_SPEC_FAMILY);
			continue;
		}
		if (eq(&w, "tcp") || eq(&w, "udp")) {
			proto = w.s[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP;
			continue;
		}
		if (eq(&w, "icmp") || eq(&w, "icmpv6")) {
			int f = w.len == 4 ? AF_INET : AF_INET6;

			if (!family_merge(&fam, f))
				return fail(
				    errpos, w.off, -DS_E_FW_SPEC_FAMILY);
			proto = f == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
			continue;
		}
		if (eq(&w, "local")) {
			/* "from local" and "to local" are handled below;
			 * alone it is a word out of place. */
			return fail(errpos, w.off, -DS_E_FW_SPEC_WORD);
		}
		if (!next(s, len, &pos, &v))
			return fail(errpos, w.off, -DS_E_FW_SPEC_MISSING);
		if (eq(&w, "proto")) {
			n = ds__fw_l4proto_parse(v.s, v.len);
			if (n < 0)
				return fail(errpos, v.off, -DS_E_FW_SPEC_VALUE);
			proto = n;
			if (proto == IPPROTO_ICMPV6 &&
			    !family_merge(&fam, AF_INET6))
				return fail(
				    errpos, v.off, -DS_E_FW_SPEC_FAMILY);
		} else if (eq(&w, "type") || eq(&w, "code")) {
			bool t = w.s[0] == 't';

			if (proto != IPPROTO_ICMP && proto != IPPROTO_ICMPV6)
				return fail(errpos, w.off, -DS_E_FW_SPEC_WORD);
			if (t)
				n = proto == IPPROTO_ICMP
				    ? ds_fw_icmp_type_parse(v.s, v.len)
				    : ds_fw_icmp6_type_parse(v.s, v.len);
			else
				n = proto == IPPROTO_ICMP
				    ? ds__fw_icmp_code_parse(v.s, v.len)
				    : ds__fw_icmp6_code_parse(v.s, v.len);
			if (n < 0)
				return fail(errpos, v.off, -DS_E_FW_SPEC_VALUE);
			if (t)
				type = n;
			else
				code = n;
		} else if (eq(&w, "from") || eq(&w, "to")) {
			bool from = w.s[0] == 'f';
			struct ds_addr *a = from ? &p.src : &p.dst;
			struct word peek;
			size_t save;

			if (eq(&v, "local")) {
				if (from)
					from_local = true;
				else
					to_local = true;
				/* An address may follow: "to local ADDR". */
				save = pos;
				if (!next(s, len, &pos, &peek) ||
				    ds_addr_parse(peek.s, peek.len,
				        DS_PARSE_NO_ZONE, a, NULL) < 0) {
					pos = save;
				} else if (!family_merge(&fam, a->family)) {
					return fail(errpos, peek.off,
					    -DS_E_FW_SPEC_FAMILY);
				}
			} else if (ds_addr_parse(v.s, v.len, DS_PARSE_NO_ZONE,
			               a, NULL) < 0) {
				return fail(errpos, v.off, -DS_E_FW_SPEC_VALUE);
			} else if (!family_merge(&fam, a->family)) {
				return fail(
				    errpos, v.off, -DS_E_FW_SPEC_FAMILY);
			}
			port_of = from ? &p.sport : &p.dport;
		} else if (eq(&w, "port") || eq(&w, "sport") ||
		    eq(&w, "dport")) {
			uint16_t *dst = eq(&w, "sport") ? &p.sport
			    : eq(&w, "dport")           ? &p.dport
			    : port_of                   ? port_of
			                                : &p.dport;

			n = ds__fw_number(v.s, v.len, 65535);
			if (n < 0)
				return fail(errpos, v.off, -DS_E_FW_SPEC_VALUE);
			*dst = (uint16_t)n;
		} else if (eq(&w, "in") || eq(&w, "out")) {
			char *d = w.s[0] == 'i' ? p.iif : p.oif;

			if (v.len >= DS_FW_IFNAME_MAX)
				return fail(errpos, v.off, -DS_E_FW_SPEC_VALUE);
			memcpy(d, v.s, v.len);
			d[v.len] = '\0';
		} else if (eq(&w, "hop-limit") || eq(&w, "ttl") ||
		    eq(&w, "hoplimit")) {
			hop = ds__fw_number(v.s, v.len, 255);
			if (hop < 0)
				return fail(errpos, v.off, -DS_E_FW_SPEC_VALUE);
		} else if (eq(&w, "state")) {
			ct = ds__fw_ct_parse(v.s, v.len);
			if (ct < 0)
				return fail(errpos, v.off, -DS_E_FW_SPEC_VALUE);
		} else if (eq(&w, "hook")) {
			static const char *const hooks[] = {
			    [DS_FW_INPUT] = "input",
			    [DS_FW_FORWARD] = "forward",
			    [DS_FW_OUTPUT] = "output",
			    [DS_FW_BRIDGE] = "bridge",
			};

			have_hook = false;
			for (unsigned h = DS_FW_INPUT; h <= DS_FW_BRIDGE; h++)
				if (eq(&v, hooks[h])) {
					hook = (enum ds_fw_hook)h;
					have_hook = true;
				}
			if (!have_hook)
				return fail(errpos, v.off, -DS_E_FW_SPEC_VALUE);
		} else {
			return fail(errpos, w.off, -DS_E_FW_SPEC_WORD);
		}
	} while (next(s, len, &pos, &w));

	if (proto < 0)
		return fail(errpos, 0, -DS_E_FW_SPEC_MISSING);
	if (fam == 0)
		return fail(errpos, 0, -DS_E_FW_SPEC_FAMILY);
	if (proto == IPPROTO_ICMPV6 && fam != AF_INET6)
		return fail(errpos, 0, -DS_E_FW_SPEC_FAMILY);
	if ((proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) && type < 0)
		return fail(errpos, len, -DS_E_FW_SPEC_MISSING);
	if (!have_hook)
		hook = to_local  ? DS_FW_INPUT
		    : from_local ? DS_FW_OUTPUT
		                 : DS_FW_FORWARD;
	p.family = fam;
	p.hook = hook;
	p.proto = (uint8_t)proto;
	if (type >= 0) {
		p.icmp_type = type;
		p.icmp_code = code >= 0 ? code : 0;
		p.ct = ds_fw_icmp_ct(fam, (uint8_t)type);
		/* MLD goes after a hop-by-hop header with a router alert
		 * (RFC 2710 section 3, RFC 3810 section 5). */
		if (fam == AF_INET6 &&
		    ((type >= 130 && type <= 132) || type == 143))
			p.nexthdr = 0;
		/* Neighbor Discovery is sent with hop limit 255 (RFC 4861
		 * section 6.1), MLD and MRD with 1. */
		if (fam == AF_INET6 &&
		    ((type >= 133 && type <= 137) || type == 141 ||
		        type == 142 || type == 148 || type == 149))
			p.hop_limit = 255;
		else if (fam == AF_INET6 &&
		    ((type >= 130 && type <= 132) || type == 143 ||
		        (type >= 151 && type <= 153)))
			p.hop_limit = 1;
	}
	if (hop >= 0)
		p.hop_limit = (uint8_t)hop;
	if (ct >= 0)
		p.ct = (unsigned)ct;
	*ret = p;
	return 0;
}
