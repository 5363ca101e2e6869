/* SPDX-License-Identifier: MIT */
/*
 * The words of "dualstack firewall check": one sentence per finding,
 * made from its code and evidence (lib/fw-check.c makes them).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "dualstack/finding.h"
#include "dualstack/fw.h"

#include "cmd-firewall-int.h"

static unsigned
ev_uint(const struct ds_finding *f, enum ds_evidence_key k)
{
	return (unsigned)ds_finding_uint(f, k, 0);
}

static const char *
ev_token(const struct ds_finding *f, enum ds_evidence_key k)
{
	const struct ds_evidence *e = ds_finding_get(f, k);

	return e && e->type == DS_EV_TOKEN ? e->v.token : "";
}

/* "to this host", "through this router". */
static const char *
where(const struct ds_finding *f)
{
	const char *h = ev_token(f, DS_EVK_HOOK);

	if (strcmp(h, "forward") == 0)
		return "through this host (forwarded)";
	return "to this host";
}

/* "packet-too-big (type 2)", "parameter-problem (type 4, code 1)". */
static void
icmp_name(const struct ds_finding *f, char *buf, size_t size)
{
	unsigned t = ev_uint(f, DS_EVK_ICMP_TYPE);
	const char *name = ds_fw_icmp6_type_token((uint8_t)t);

	if (ds_finding_get(f, DS_EVK_ICMP_CODE))
		snprintf(buf, size, "%s%s(type %u, code %u)", name ? name : "",
		    name ? " " : "", t, ev_uint(f, DS_EVK_ICMP_CODE));
	else
		snprintf(buf, size, "%s%s(type %u)", name ? name : "",
		    name ? " " : "", t);
}

static const char *
proto_name(unsigned p)
{
	return p == IPPROTO_TCP ? "TCP" : p == IPPROTO_UDP ? "UDP" : "IP";
}

int
fw_finding_text(const struct ds_finding *f, char *buf, size_t size)
{
	char icmp[64];

	icmp_name(f, icmp, sizeof(icmp));
	switch (f->code) {
	case DS_FIND_FW_ICMPV6_MUST:
		return snprintf(buf, size,
		    "ICMPv6 %s %s is dropped; RFC 4890 section %s says it must "
		    "not be",
		    icmp, where(f), ev_token(f, DS_EVK_SECTION));
	case DS_FIND_FW_ICMPV6_SHOULD:
		return snprintf(buf, size,
		    "ICMPv6 %s %s is dropped; RFC 4890 section %s says it "
		    "should not be",
		    icmp, where(f), ev_token(f, DS_EVK_SECTION));
	case DS_FIND_FW_ICMPV6_UNKNOWN:
		return snprintf(buf, size,
		    "ICMPv6 %s %s meets a rule this model cannot evaluate "
		    "(RFC 4890 section %s wants it through): check it by hand",
		    icmp, where(f), ev_token(f, DS_EVK_SECTION));
	case DS_FIND_FW_ICMPV6_OK:
		return snprintf(buf, size,
		    "the ICMPv6 RFC 4890 says must and should pass %s passes "
		    "(%u messages checked)",
		    where(f), ev_uint(f, DS_EVK_COUNT));
	case DS_FIND_FW_V6_OPEN:
		return snprintf(buf, size,
		    "IPv6 is wide open %s: TCP port %u, which no rule opens, "
		    "is "
		    "dropped on IPv4 and accepted on IPv6 (an IPv6 policy of "
		    "accept, or rules written for IPv4 only)",
		    where(f), ev_uint(f, DS_EVK_PORT));
	case DS_FIND_FW_SERVICE_V4_ONLY:
	case DS_FIND_FW_SERVICE_V6_ONLY: {
		bool v4 = f->code == DS_FIND_FW_SERVICE_V4_ONLY;

		return snprintf(buf, size,
		    "%s port %u %s is open on %s and dropped on %s",
		    proto_name(ev_uint(f, DS_EVK_PROTO)),
		    ev_uint(f, DS_EVK_PORT), where(f), v4 ? "IPv4" : "IPv6",
		    v4 ? "IPv6" : "IPv4");
	}
	case DS_FIND_FW_TUNNEL:
		if (ev_uint(f, DS_EVK_PROTO) == IPPROTO_UDP)
			return snprintf(buf, size,
			    "Teredo (UDP port %u) passes %s while native IPv6 "
			    "is "
			    "filtered: IPv6 inside it gets past the IPv6 rules",
			    ev_uint(f, DS_EVK_PORT), where(f));
		return snprintf(buf, size,
		    "6in4 (IP protocol 41) passes %s while native IPv6 is "
		    "filtered: IPv6 inside it gets past the IPv6 rules",
		    where(f));
	case DS_FIND_FW_ND_RATE:
		return snprintf(buf, size,
		    "Neighbor Solicitations pass a rate limit of %u a second: "
		    "below %u, solicitations are lost in bursts and neighbors "
		    "become unreachable",
		    ev_uint(f, DS_EVK_RATE), DS_FW_ND_RATE_MIN);
	default:
		if (size)
			buf[0] = '\0';
		return 0;
	}
}
