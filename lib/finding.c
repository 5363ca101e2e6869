/* SPDX-License-Identifier: MIT */
/*
 * ds_finding: the tokens of codes, severities and evidence keys (one
 * table each, in the enum's order), and the evidence list.
 */
#include <errno.h>
#include <string.h>

#include "dualstack/finding.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const severity_tokens[] = {
    [DS_SEV_OK] = "ok",
    [DS_SEV_INFO] = "info",
    [DS_SEV_WARNING] = "warning",
    [DS_SEV_ERROR] = "error",
};

/* Indexed by code - 100 * (code / 100): one table per module. */
static const char *const reach_tokens[] = {
    [DS_FIND_REACH_REACHABLE - 100] = "reach.reachable",
    [DS_FIND_REACH_PARTIAL - 100] = "reach.partial",
    [DS_FIND_REACH_UNREACHABLE - 100] = "reach.unreachable",
    [DS_FIND_REACH_DROPPED - 100] = "reach.dropped",
    [DS_FIND_REACH_RETURN_PATH - 100] = "reach.return-path",
    [DS_FIND_REACH_PROHIBITED - 100] = "reach.prohibited",
    [DS_FIND_REACH_REFUSED - 100] = "reach.refused",
    [DS_FIND_REACH_NO_ROUTE - 100] = "reach.no-route",
    [DS_FIND_REACH_ADDR_UNREACH - 100] = "reach.addr-unreachable",
    [DS_FIND_REACH_RESET - 100] = "reach.reset",
    [DS_FIND_REACH_NOT_RETURNED - 100] = "reach.not-returned",
    [DS_FIND_REACH_ALTERED - 100] = "reach.altered",
    [DS_FIND_REACH_NOT_SEEN - 100] = "reach.not-seen",
    [DS_FIND_REACH_CHECKER_ERROR - 100] = "reach.checker-error",
    [DS_FIND_REACH_FLAPPING - 100] = "reach.flapping",
    [DS_FIND_REACH_PORT_ONLY - 100] = "reach.port-only",
    [DS_FIND_REACH_CHECKER_REFUSED - 100] = "reach.checker-refused",
    [DS_FIND_REACH_NOT_RUN - 100] = "reach.not-run",
};

static const char *const dns_tokens[] = {
    [DS_FIND_DNS_SILENT - 300] = "dns.silent",
    [DS_FIND_DNS_TYPE_LOST - 300] = "dns.type-lost",
    [DS_FIND_DNS_TYPE_SLOW - 300] = "dns.type-slow",
    [DS_FIND_DNS_PAIR_LOST - 300] = "dns.pair-lost",
    [DS_FIND_DNS_TRUNCATED_NO_TCP - 300] = "dns.truncated-no-tcp",
    [DS_FIND_DNS_TCP_FAILED - 300] = "dns.tcp-failed",
    [DS_FIND_DNS_EDNS_UNSUPPORTED - 300] = "dns.edns-unsupported",
    [DS_FIND_DNS_EDNS_LARGE_LOST - 300] = "dns.edns-large-lost",
    [DS_FIND_DNS_DNS64 - 300] = "dns.dns64",
    [DS_FIND_DNS_RCODE - 300] = "dns.rcode",
    [DS_FIND_DNS_BAD_ANSWER - 300] = "dns.bad-answer",
};

static const char *const mcast_tokens[] = {
    [DS_FIND_MCAST_REPORT_SEEN - 600] = "mcast.report-seen",
    [DS_FIND_MCAST_REPORT_MISSING - 600] = "mcast.report-missing",
    [DS_FIND_MCAST_NO_CAPTURE - 600] = "mcast.no-capture",
    [DS_FIND_MCAST_MEMBER - 600] = "mcast.member",
    [DS_FIND_MCAST_NOT_MEMBER - 600] = "mcast.not-member",
    [DS_FIND_MCAST_RP_FILTER - 600] = "mcast.rp-filter",
    [DS_FIND_MCAST_HOPS_ONE - 600] = "mcast.hops-one",
    [DS_FIND_MCAST_IFACE_DOWN - 600] = "mcast.iface-down",
    [DS_FIND_MCAST_NO_MULTICAST - 600] = "mcast.iface-no-multicast",
    [DS_FIND_MCAST_NO_ADDRESS - 600] = "mcast.iface-no-address",
    [DS_FIND_MCAST_ROUTE - 600] = "mcast.route",
    [DS_FIND_MCAST_ROUTE_OTHER - 600] = "mcast.route-other",
    [DS_FIND_MCAST_NO_ROUTE - 600] = "mcast.no-route",
    [DS_FIND_MCAST_OTHER_IFACE - 600] = "mcast.other-iface",
    [DS_FIND_MCAST_FW_PASS - 600] = "mcast.firewall-pass",
    [DS_FIND_MCAST_FW_DROP - 600] = "mcast.firewall-drop",
    [DS_FIND_MCAST_FW_REPORT_DROP - 600] = "mcast.firewall-report-drop",
    [DS_FIND_MCAST_FW_UNKNOWN - 600] = "mcast.firewall-unknown",
    [DS_FIND_MCAST_FW_NOT_READ - 600] = "mcast.firewall-not-evaluated",
};

static const char *const fw_tokens[] = {
    [DS_FIND_FW_ICMPV6_MUST - 400] = "fw.icmpv6-must",
    [DS_FIND_FW_ICMPV6_SHOULD - 400] = "fw.icmpv6-should",
    [DS_FIND_FW_ICMPV6_UNKNOWN - 400] = "fw.icmpv6-unknown",
    [DS_FIND_FW_ICMPV6_OK - 400] = "fw.icmpv6-ok",
    [DS_FIND_FW_V6_OPEN - 400] = "fw.v6-open",
    [DS_FIND_FW_SERVICE_V4_ONLY - 400] = "fw.service-v4-only",
    [DS_FIND_FW_SERVICE_V6_ONLY - 400] = "fw.service-v6-only",
    [DS_FIND_FW_TUNNEL - 400] = "fw.tunnel",
    [DS_FIND_FW_ND_RATE - 400] = "fw.nd-rate",
};

static const char *const ra_tokens[] = {
    [DS_FIND_RA_NEW_ROUTER - 500] = "ra.new-router",
    [DS_FIND_RA_UNKNOWN_ROUTER - 500] = "ra.unknown-router",
    [DS_FIND_RA_CHANGED - 500] = "ra.changed",
    [DS_FIND_RA_LEAVING - 500] = "ra.leaving",
    [DS_FIND_RA_SPOOFED_LEAVING - 500] = "ra.spoofed-leaving",
    [DS_FIND_RA_ODD_PREFIX - 500] = "ra.odd-prefix",
    [DS_FIND_RA_BEHIND_EXT - 500] = "ra.behind-extension-headers",
    [DS_FIND_RA_IGNORED - 500] = "ra.ignored",
    [DS_FIND_RA_FLOOD - 500] = "ra.flood",
    [DS_FIND_RA_UNKNOWN_PREFIX - 500] = "ra.unknown-prefix",
    [DS_FIND_RA_CLEARED - 500] = "ra.cleared",
    [DS_FIND_RA_ROUTER - 500] = "ra.router",
};

static const char *const host_tokens[] = {
    [DS_FIND_HOST_CLASS - 200] = "host.class",
    [DS_FIND_HOST_TEREDO - 200] = "host.teredo",
    [DS_FIND_HOST_6TO4 - 200] = "host.6to4",
    [DS_FIND_HOST_DEPRECATED - 200] = "host.deprecated",
    [DS_FIND_HOST_DADFAILED - 200] = "host.dadfailed",
    [DS_FIND_HOST_TENTATIVE - 200] = "host.tentative",
    [DS_FIND_HOST_TEMPADDR - 200] = "host.tempaddr",
    [DS_FIND_HOST_NO_DEFAULT_ROUTE - 200] = "host.no-default-route",
    [DS_FIND_HOST_ROUTER_UNREACHABLE - 200] = "host.router-unreachable",
    [DS_FIND_HOST_RA_IGNORED - 200] = "host.ra-ignored",
    [DS_FIND_HOST_IPV6_DISABLED - 200] = "host.ipv6-disabled",
    [DS_FIND_HOST_MTU_TOO_SMALL - 200] = "host.mtu-too-small",
    [DS_FIND_HOST_TUNNEL - 200] = "host.tunnel",
    [DS_FIND_HOST_PMTU_EXCEPTION - 200] = "host.pmtu-exception",
    [DS_FIND_HOST_BINDV6ONLY - 200] = "host.bindv6only",
    [DS_FIND_HOST_LOOPBACK - 200] = "host.loopback",
    [DS_FIND_HOST_POLICY - 200] = "host.policy",
    [DS_FIND_HOST_RESOLV_SERVERS - 200] = "host.resolv-servers",
    [DS_FIND_HOST_RESOLV_STALL - 200] = "host.resolv-stall",
    [DS_FIND_HOST_SINGLE_REQUEST - 200] = "host.single-request",
    [DS_FIND_HOST_RESOLV_OPTIONS - 200] = "host.resolv-options",
    [DS_FIND_HOST_NDOTS_SEARCH - 200] = "host.ndots-search",
    [DS_FIND_HOST_NSSWITCH - 200] = "host.nsswitch",
    [DS_FIND_HOST_LOCALHOST - 200] = "host.localhost",
    [DS_FIND_HOST_UNREADABLE - 200] = "host.unreadable",
    [DS_FIND_HOST_PROBE - 200] = "host.probe",
    [DS_FIND_HOST_PROBE_V6_LOST - 200] = "host.probe-v6-lost",
    [DS_FIND_HOST_PROBE_FAILED - 200] = "host.probe-failed",
};

static const struct {
	unsigned base;
	const char *const *tokens;
	size_t n;
} modules[] = {
    {100, reach_tokens, ARRAY_SIZE(reach_tokens)},
    {300, dns_tokens, ARRAY_SIZE(dns_tokens)},
    {600, mcast_tokens, ARRAY_SIZE(mcast_tokens)},
    {400, fw_tokens, ARRAY_SIZE(fw_tokens)},
    {500, ra_tokens, ARRAY_SIZE(ra_tokens)},
    {200, host_tokens, ARRAY_SIZE(host_tokens)},
};

static const char *const key_tokens[] = {
    [DS_EVK_TARGET] = "target",
    [DS_EVK_FAMILY] = "family",
    [DS_EVK_PORT] = "port",
    [DS_EVK_COUNT] = "count",
    [DS_EVK_OF] = "of",
    [DS_EVK_SEEN] = "seen",
    [DS_EVK_TOKENS] = "tokens",
    [DS_EVK_ERRNO] = "errno",
    [DS_EVK_CODE] = "code",
    [DS_EVK_ELAPSED] = "elapsed",
    [DS_EVK_PEER] = "peer",
    [DS_EVK_PORT_ONLY] = "port-only",
    [DS_EVK_QTYPE] = "qtype",
    [DS_EVK_TRANSPORT] = "transport",
    [DS_EVK_RCODE] = "rcode",
    [DS_EVK_STALL] = "stall",
    [DS_EVK_OTHER_ELAPSED] = "other-elapsed",
    [DS_EVK_SIZE] = "size",
    [DS_EVK_WORKS_AT] = "works-at",
    [DS_EVK_PREFIX] = "prefix",
    [DS_EVK_WELL_KNOWN] = "well-known",
    [DS_EVK_ANSWERED_BY] = "answered-by",
    [DS_EVK_MITIGATED] = "mitigated",
    [DS_EVK_INTERFACE] = "interface",
    [DS_EVK_SOURCE] = "source",
    [DS_EVK_SETTING] = "setting",
    [DS_EVK_VALUE] = "value",
    [DS_EVK_RULE] = "rule",
    [DS_EVK_CHAIN] = "chain",
    [DS_EVK_HANDLE] = "handle",
    [DS_EVK_LINE] = "line",
    [DS_EVK_FIX] = "fix",
    [DS_EVK_ICMP_TYPE] = "icmp-type",
    [DS_EVK_ICMP_CODE] = "icmp-code",
    [DS_EVK_HOOK] = "hook",
    [DS_EVK_SECTION] = "section",
    [DS_EVK_PROTO] = "proto",
    [DS_EVK_RATE] = "rate",
    [DS_EVK_POLICY] = "policy",
    [DS_EVK_ROUTER] = "router",
    [DS_EVK_MAC] = "mac",
    [DS_EVK_IFACE] = "interface",
    [DS_EVK_REASON] = "reason",
    [DS_EVK_CHANGE] = "change",
    [DS_EVK_KIND] = "kind",
    [DS_EVK_LIFETIME] = "lifetime",
    [DS_EVK_VERDICT] = "verdict",
    [DS_EVK_ADDRESS] = "address",
    [DS_EVK_CLASS] = "class",
    [DS_EVK_MTU] = "mtu",
    [DS_EVK_GATEWAY] = "gateway",
    [DS_EVK_STATE] = "state",
    [DS_EVK_LIMIT] = "limit",
    [DS_EVK_IPV4] = "ipv4",
    [DS_EVK_IPV6] = "ipv6",
    [DS_EVK_TIMEOUT] = "timeout",
    [DS_EVK_ATTEMPTS] = "attempts",
    [DS_EVK_SERVERS] = "servers",
    [DS_EVK_RESOLVE] = "resolve",
    [DS_EVK_NAT64] = "nat64",
    [DS_EVK_OTHER_IFACE] = "other-interface",
};

const char *
ds_severity_token(enum ds_severity s)
{
	if ((unsigned)s >= ARRAY_SIZE(severity_tokens))
		return NULL;
	return severity_tokens[s];
}

const char *
ds_finding_token(enum ds_finding_code c)
{
	for (size_t i = 0; i < ARRAY_SIZE(modules); i++) {
		unsigned v = (unsigned)c;

		if (v >= modules[i].base && v - modules[i].base < modules[i].n)
			return modules[i].tokens[v - modules[i].base];
	}
	return NULL;
}

int
ds_finding_code_parse(const char *s, size_t len, enum ds_finding_code *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(modules); i++)
		for (size_t j = 0; j < modules[i].n; j++) {
			const char *t = modules[i].tokens[j];

			if (t && strlen(t) == len && memcmp(t, s, len) == 0) {
				*ret =
				    (enum ds_finding_code)(modules[i].base + j);
				return 0;
			}
		}
	return -EINVAL;
}

const char *
ds_evidence_key_token(enum ds_evidence_key k)
{
	if ((unsigned)k >= ARRAY_SIZE(key_tokens))
		return NULL;
	return key_tokens[k];
}

void
ds_finding_init(
    struct ds_finding *f, enum ds_finding_code code, enum ds_severity severity)
{
	memset(f, 0, sizeof(*f));
	f->code = code;
	f->severity = severity;
}

/* Put e in f, in place of an earlier one of its key. */
static int
put(struct ds_finding *f, const struct ds_evidence *e)
{
	size_t i;

	if (!ds_evidence_key_token(e->key))
		return -EINVAL;
	for (i = 0; i < f->n_evidence; i++)
		if (f->evidence[i].key == e->key)
			break;
	if (i == DS_FINDING_EVIDENCE_MAX)
		return -ENOSPC;
	f->evidence[i] = *e;
	if (i == f->n_evidence)
		f->n_evidence++;
	return 0;
}

int
ds_finding_add_uint(struct ds_finding *f, enum ds_evidence_key k, uint64_t v)
{
	struct ds_evidence e = {.key = k, .type = DS_EV_UINT, .v.u = v};

	return put(f, &e);
}

int
ds_finding_add_duration(
    struct ds_finding *f, enum ds_evidence_key k, uint64_t us)
{
	struct ds_evidence e = {.key = k, .type = DS_EV_DURATION_US, .v.u = us};

	return put(f, &e);
}

int
ds_finding_add_errno(struct ds_finding *f, enum ds_evidence_key k, int err)
{
	struct ds_evidence e = {
	    .key = k, .type = DS_EV_ERRNO, .v.err = err < 0 ? -err : err};

	return put(f, &e);
}

int
ds_finding_add_token(
    struct ds_finding *f, enum ds_evidence_key k, const char *token)
{
	struct ds_evidence e = {
	    .key = k, .type = DS_EV_TOKEN, .v.token = token};

	return token ? put(f, &e) : -EINVAL;
}

int
ds_finding_add_addr(
    struct ds_finding *f, enum ds_evidence_key k, const struct ds_addr *a)
{
	struct ds_evidence e = {.key = k, .type = DS_EV_ADDR, .v.addr = *a};

	return put(f, &e);
}

int
ds_finding_add_endpoint(
    struct ds_finding *f, enum ds_evidence_key k, const struct ds_endpoint *ep)
{
	struct ds_evidence e = {.key = k, .type = DS_EV_ENDPOINT, .v.ep = *ep};

	return put(f, &e);
}

int
ds_finding_add_bool(struct ds_finding *f, enum ds_evidence_key k, bool v)
{
	struct ds_evidence e = {.key = k, .type = DS_EV_BOOL, .v.b = v};

	return put(f, &e);
}

int
ds_finding_add_prefix(
    struct ds_finding *f, enum ds_evidence_key k, const struct ds_prefix *p)
{
	struct ds_evidence e = {.key = k, .type = DS_EV_PREFIX, .v.prefix = *p};

	return put(f, &e);
}

int
ds_finding_add_text(
    struct ds_finding *f, enum ds_evidence_key k, const char *text, size_t len)
{
	struct ds_evidence e = {.key = k, .type = DS_EV_TEXT};
	const char *nul;
	bool cut = false;
	int r;

	if (!text)
		return -EINVAL;
	nul = memchr(text, '\0', len);
	if (nul)
		len = (size_t)(nul - text);
	if (len > DS_EVIDENCE_TEXT_MAX - 1) {
		len = DS_EVIDENCE_TEXT_MAX - 1;
		cut = true;
	}
	memcpy(e.v.text, text, len);
	r = put(f, &e);
	return r < 0 ? r : cut;
}

const struct ds_evidence *
ds_finding_get(const struct ds_finding *f, enum ds_evidence_key k)
{
	for (size_t i = 0; i < f->n_evidence; i++)
		if (f->evidence[i].key == k)
			return &f->evidence[i];
	return NULL;
}

uint64_t
ds_finding_uint(
    const struct ds_finding *f, enum ds_evidence_key k, uint64_t dflt)
{
	const struct ds_evidence *e = ds_finding_get(f, k);

	if (!e || (e->type != DS_EV_UINT && e->type != DS_EV_DURATION_US))
		return dflt;
	return e->v.u;
}

bool
ds_finding_bool(const struct ds_finding *f, enum ds_evidence_key k)
{
	const struct ds_evidence *e = ds_finding_get(f, k);

	return e && e->type == DS_EV_BOOL && e->v.b;
}
