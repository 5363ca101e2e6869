/* SPDX-License-Identifier: MIT */
/*
 * The words of "dualstack mcast check" (cmd-mcast-words.h), made from a
 * finding's subject (the group) and evidence (interface, source, the
 * report's token, the time waited, the setting).
 */
#include <stdio.h>
#include <string.h>

#include "dualstack/error.h"

#include "cli-finding.h"
#include "cmd-mcast-words.h"

const char *
mcast_report_words(const char *token)
{
	static const struct {
		const char *token, *words;
	} w[] = {
	    {"igmpv1-report", "IGMPv1 report"},
	    {"igmpv2-report", "IGMPv2 report"},
	    {"igmpv3-report", "IGMPv3 report"},
	    {"mldv1-report", "MLDv1 report"},
	    {"mldv2-report", "MLDv2 report"},
	};

	for (size_t i = 0; token && i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(token, w[i].token) == 0)
			return w[i].words;
	return NULL;
}

int
mcast_finding_text(const struct ds_finding *f, char *buf, size_t size)
{
	const struct ds_evidence *e;
	char g[DS_ADDR_STRLEN] = "?", src[DS_ADDR_STRLEN] = "", v[64];
	const char *ifn = "?", *rw;
	bool v4 = f->subject.type == DS_EV_ADDR &&
	    f->subject.v.addr.family == AF_INET;
	bool ssm;

	if (f->subject.type == DS_EV_ADDR)
		ds_addr_format(&f->subject.v.addr, 0, g, sizeof(g));
	e = ds_finding_get(f, DS_EVK_INTERFACE);
	if (e && e->type == DS_EV_TEXT)
		ifn = e->v.text;
	e = ds_finding_get(f, DS_EVK_SOURCE);
	ssm = e && e->type == DS_EV_ADDR;
	if (ssm)
		ds_addr_format(&e->v.addr, 0, src, sizeof(src));
	switch (f->code) {
	case DS_FIND_MCAST_REPORT_SEEN:
		e = ds_finding_get(f, DS_EVK_CODE);
		rw = mcast_report_words(e ? e->v.token : NULL);
		return snprintf(buf, size,
		    "the kernel sent an %s for %s%s%s on %s",
		    rw ? rw : "report", g, ssm ? " from " : "", src, ifn);
	case DS_FIND_MCAST_REPORT_MISSING:
		e = ds_finding_get(f, DS_EVK_ELAPSED);
		if (ds_finding_get(f, DS_EVK_COUNT)) {
			unsigned long long k =
			    ds_finding_uint(f, DS_EVK_COUNT, 0);

			return snprintf(buf, size,
			    "no %s report for %s on %s within %s, as "
			    "expected: %llu other membership%s held the "
			    "group there already, so this join changed "
			    "nothing to report",
			    v4 ? "IGMP" : "MLD", g, ifn,
			    e ? cli_evidence_text(e, v, sizeof(v)) : "the wait",
			    k, k == 1 ? "" : "s");
		}
		return snprintf(buf, size,
		    "no %s report for %s%s%s on %s within %s: routers and "
		    "snooping switches will not forward the group here",
		    v4 ? "IGMP" : "MLD", g, ssm ? " from " : "", src, ifn,
		    e ? cli_evidence_text(e, v, sizeof(v)) : "the wait");
	case DS_FIND_MCAST_NO_CAPTURE:
		e = ds_finding_get(f, DS_EVK_ERRNO);
		return snprintf(buf, size,
		    "could not watch %s for the report (%s); run as root to "
		    "see it",
		    ifn, e ? ds_strerror(-e->v.err) : "?");
	case DS_FIND_MCAST_MEMBER: {
		unsigned long long n = ds_finding_uint(f, DS_EVK_COUNT, 0);

		return snprintf(buf, size,
		    "%s is joined on %s%s%s (%llu socket%s), as %s says", g,
		    ifn, ssm ? " for source " : "", src, n, n == 1 ? "" : "s",
		    v4 ? "/proc/net/igmp" : "/proc/net/igmp6");
	}
	case DS_FIND_MCAST_NOT_MEMBER:
		return snprintf(buf, size,
		    "%s%s%s is not among %s's memberships in %s", g,
		    ssm ? " for source " : "", src, ifn,
		    v4 ? (ssm ? "/proc/net/mcfilter" : "/proc/net/igmp")
		       : (ssm ? "/proc/net/mcfilter6" : "/proc/net/igmp6"));
	case DS_FIND_MCAST_RP_FILTER:
		return snprintf(buf, size,
		    "rp_filter is strict (1) on %s: a datagram whose source "
		    "is not routed back out of %s is dropped before any "
		    "socket sees it; 2 (loose) accepts any routed source",
		    ifn, ifn);
	case DS_FIND_MCAST_HOPS_ONE:
		return snprintf(buf, size,
		    "%s is routable, but senders keep a hop limit of 1 "
		    "unless told otherwise: to cross a router they need more "
		    "(mcast send --hops N)",
		    g);
	case DS_FIND_MCAST_IFACE_DOWN:
		e = ds_finding_get(f, DS_EVK_STATE);
		if (e && e->type == DS_EV_TOKEN &&
		    strcmp(e->v.token, "no-carrier") == 0)
			return snprintf(buf, size,
			    "%s is up but has no carrier: nothing arrives on "
			    "it until its link comes up",
			    ifn);
		return snprintf(buf, size,
		    "%s is down: nothing arrives on it and no report leaves "
		    "it (ip link set dev %s up)",
		    ifn, ifn);
	case DS_FIND_MCAST_NO_MULTICAST:
		return snprintf(buf, size,
		    "%s has multicast off (no IFF_MULTICAST): its driver may "
		    "take no multicast in (ip link set dev %s multicast on)",
		    ifn, ifn);
	case DS_FIND_MCAST_NO_ADDRESS:
		if (v4)
			return snprintf(buf, size,
			    "%s has no IPv4 address: programs that join by "
			    "address (IP_ADD_MEMBERSHIP) cannot name it, and "
			    "its IGMP reports go out from 0.0.0.0",
			    ifn);
		e = ds_finding_get(f, DS_EVK_STATE);
		if (e && e->type == DS_EV_TOKEN &&
		    strcmp(e->v.token, "tentative") == 0)
			return snprintf(buf, size,
			    "%s's link-local address is still tentative "
			    "(Duplicate Address Detection): until it is "
			    "done, MLD reports go out from :: (RFC 3810 "
			    "section 5.2.13)",
			    ifn);
		return snprintf(buf, size,
		    "%s has no usable link-local address: its MLD reports go "
		    "out from :: (RFC 3810 section 5.2.13), which routers and "
		    "snooping switches may not count",
		    ifn);
	case DS_FIND_MCAST_ROUTE:
		return snprintf(buf, size,
		    "sending to %s without -i leaves by %s too, as the "
		    "routing table says",
		    g, ifn);
	case DS_FIND_MCAST_ROUTE_OTHER:
		e = ds_finding_get(f, DS_EVK_OTHER_IFACE);
		return snprintf(buf, size,
		    "sending to %s without -i would leave by %s, not %s: the "
		    "routing table's choice for the group (ip route get %s); "
		    "senders on this host must name %s",
		    g, e ? e->v.text : "?", ifn, g, ifn);
	case DS_FIND_MCAST_NO_ROUTE:
		e = ds_finding_get(f, DS_EVK_ERRNO);
		return snprintf(buf, size,
		    "sending to %s without -i fails: no route for the group "
		    "(%s); senders on this host must name %s",
		    g, e ? ds_strerror(-e->v.err) : "?", ifn);
	case DS_FIND_MCAST_OTHER_IFACE: {
		unsigned long long n = ds_finding_uint(f, DS_EVK_COUNT, 0);

		e = ds_finding_get(f, DS_EVK_OTHER_IFACE);
		return snprintf(buf, size,
		    "besides this check, %s is joined only on %s (%llu "
		    "socket%s), not on %s: datagrams arriving on %s do not "
		    "reach a listener that joined there",
		    g, e ? e->v.text : "?", n, n == 1 ? "" : "s", ifn, ifn);
	}
	case DS_FIND_MCAST_FW_PASS: {
		unsigned long long n = ds_finding_uint(f, DS_EVK_COUNT, 0);
		unsigned long long port = ds_finding_uint(f, DS_EVK_PORT, 0);

		if (port)
			snprintf(v, sizeof(v), " port %llu", port);
		else
			snprintf(v, sizeof(v), " (any port)");
		return snprintf(buf, size,
		    "the firewall (%llu rule%s) lets UDP to %s%s in on %s and "
		    "the %s report out",
		    n, n == 1 ? "" : "s", g, v, ifn, v4 ? "IGMP" : "MLD");
	}
	case DS_FIND_MCAST_FW_DROP:
	case DS_FIND_MCAST_FW_REPORT_DROP: {
		const struct ds_evidence *h = ds_finding_get(f, DS_EVK_HOOK);
		const struct ds_evidence *vd =
		    ds_finding_get(f, DS_EVK_VERDICT);
		unsigned long long port = ds_finding_uint(f, DS_EVK_PORT, 0);
		const char *how = vd && vd->type == DS_EV_TOKEN &&
		        strcmp(vd->v.token, "reject") == 0
		    ? "rejects"
		    : "drops";
		const char *by = ds_finding_bool(f, DS_EVK_POLICY)
		    ? "the policy of a chain"
		    : "a rule";

		if (f->code == DS_FIND_MCAST_FW_REPORT_DROP) {
			e = ds_finding_get(f, DS_EVK_CODE);
			rw = mcast_report_words(e ? e->v.token : NULL);
			return snprintf(buf, size,
			    "the firewall %s the %s for %s leaving %s (%s "
			    "hook, %s): routers and snooping switches never "
			    "learn of the join",
			    how, rw ? rw : "report", g, ifn,
			    h ? h->v.token : "?", by);
		}
		if (port)
			snprintf(v, sizeof(v), " port %llu", port);
		else
			v[0] = '\0';
		return snprintf(buf, size,
		    "the firewall %s UDP to %s%s%s%s arriving on %s (%s "
		    "hook, %s)",
		    how, g, v, ssm ? " from " : "", src, ifn,
		    h ? h->v.token : "?", by);
	}
	case DS_FIND_MCAST_FW_UNKNOWN: {
		const struct ds_evidence *h = ds_finding_get(f, DS_EVK_HOOK);
		unsigned long long proto = ds_finding_uint(f, DS_EVK_PROTO, 0);

		return snprintf(buf, size,
		    "whether the firewall passes %s (%s hook) depends on a "
		    "rule it cannot evaluate%s",
		    proto == 17 ? "UDP to the group"
		        : v4    ? "the IGMP report"
		                : "the MLD report",
		    h ? h->v.token : "?",
		    proto == 17 && !ds_finding_get(f, DS_EVK_PORT)
		        ? " (give GROUP:PORT: it may be the port)"
		        : "");
	}
	case DS_FIND_MCAST_FW_NOT_READ:
		e = ds_finding_get(f, DS_EVK_CODE);
		if (e && strcmp(e->v.token, "nft-failed") == 0)
			return snprintf(buf, size,
			    "the firewall was not evaluated: nft -j list "
			    "ruleset failed (exit %llu; listing needs root, "
			    "CAP_NET_ADMIN)",
			    (unsigned long long)ds_finding_uint(
			        f, DS_EVK_VALUE, 0));
		if (e && strcmp(e->v.token, "no-nft") == 0)
			return snprintf(buf, size,
			    "the firewall was not evaluated: nft is not "
			    "installed (nftables)");
		e = ds_finding_get(f, DS_EVK_ERRNO);
		return snprintf(buf, size,
		    "the firewall was not evaluated: the ruleset could not "
		    "be read (%s)",
		    e ? ds_strerror(-e->v.err) : "not as nft writes it");
	default:
		return -1;
	}
}
