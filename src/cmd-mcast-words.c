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
	default:
		return -1;
	}
}
