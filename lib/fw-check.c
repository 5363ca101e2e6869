/* SPDX-License-Identifier: MIT */
/*
 * ds_fw_check(): the classic IPv6 firewall mistakes, found by sending
 * representative packets through the model (fw.c) and reporting each as
 * a ds_finding with the rule that decides and the rule that mends it.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dualstack/addr.h"
#include "dualstack/finding.h"
#include "dualstack/fw.h"

#include "fw-int.h"

/* Ports any rule accepts, compared across the families: a host names a
 * few dozen. */
#define PORTS_MAX 256

/* UDP port of Teredo (RFC 4380 section 4) and IP protocol 41 (6in4,
 * RFC 4213 section 3.5). */
#define TEREDO_PORT 3544
#define PROTO_6IN4 41

struct out {
	struct ds_finding *f;
	size_t n, max;
	const struct ds_fw *fw;
	bool ipt;                /* the ruleset came from iptables-save */
	struct ds_finding spare; /* where findings past max are made */
};

static struct ds_finding *
add(struct out *o, enum ds_finding_code code, enum ds_severity sev)
{
	struct ds_finding *f = o->n < o->max ? &o->f[o->n] : &o->spare;

	o->n++;
	ds_finding_init(f, code, sev);
	return f;
}

static void
addr(const char *s, struct ds_addr *ret)
{
	ds_addr_parse(s, strlen(s), 0, ret, NULL);
}

void
ds_fw_result_evidence(const struct ds_fw *fw, const struct ds_fw_result *res,
    struct ds_finding *f)
{
	char buf[DS_EVIDENCE_TEXT_MAX];
	struct ds_fw_rule ru;
	struct ds_fw_chain c;

	if (res->chain != DS_FW_NONE && ds_fw_chain(fw, res->chain, &c) == 0) {
		snprintf(buf, sizeof(buf), "%s %s %s",
		    ds_fw_family_token(c.family), c.table, c.name);
		ds_finding_add_text(f, DS_EVK_CHAIN, buf, strlen(buf));
	}
	if (res->rule == DS_FW_NONE) {
		ds_finding_add_bool(f, DS_EVK_POLICY, true);
		return;
	}
	ds_fw_rule_format(fw, res->rule, buf, sizeof(buf));
	ds_finding_add_text(f, DS_EVK_RULE, buf, strlen(buf));
	if (ds_fw_rule(fw, res->rule, &ru) == 0) {
		if (ru.line)
			ds_finding_add_uint(f, DS_EVK_LINE, ru.line);
		else
			ds_finding_add_uint(f, DS_EVK_HANDLE, ru.handle);
	}
}

/* The rule or policy that decided res, as evidence. */
static void
decider(struct out *o, struct ds_finding *f, const struct ds_fw_result *res)
{
	ds_fw_result_evidence(o->fw, res, f);
}

static const char *
ipt_chain(enum ds_fw_hook h)
{
	return h == DS_FW_FORWARD ? "FORWARD" : "INPUT";
}

/* The rule that lets p through, in the ruleset's own syntax. */
static void
fix_icmp6(struct out *o, struct ds_finding *f, const struct ds_fw_packet *p,
    unsigned cond, bool any_code)
{
	char buf[DS_EVIDENCE_TEXT_MAX], code[24] = "";
	const char *name = ds_fw_icmp6_type_token((uint8_t)p->icmp_type);
	char num[8];
	int n;

	if (!name) {
		snprintf(num, sizeof(num), "%d", p->icmp_type);
		name = num;
	}
	if (o->ipt) {
		if (!any_code)
			snprintf(code, sizeof(code), "/%d", p->icmp_code);
		n = snprintf(buf, sizeof(buf),
		    "-I %s -p ipv6-icmp -m icmp6 --icmpv6-type %d%s%s%s%s -j "
		    "ACCEPT",
		    ipt_chain(p->hook), p->icmp_type, code,
		    cond & DS_FW_COND_LL_SRC ? " -s fe80::/10" : "",
		    cond & DS_FW_COND_HL255 ? " -m hl --hl-eq 255" : "",
		    cond & DS_FW_COND_HL1 ? " -m hl --hl-eq 1" : "");
	} else {
		if (!any_code)
			snprintf(code, sizeof(code), " icmpv6 code %d",
			    p->icmp_code);
		n = snprintf(buf, sizeof(buf), "icmpv6 type %s%s%s%s%s accept",
		    name, code,
		    cond & DS_FW_COND_LL_SRC ? " ip6 saddr fe80::/10" : "",
		    cond & DS_FW_COND_HL255 ? " ip6 hoplimit 255" : "",
		    cond & DS_FW_COND_HL1 ? " ip6 hoplimit 1" : "");
	}
	if (n > 0)
		ds_finding_add_text(f, DS_EVK_FIX, buf, (size_t)n);
}

static void
icmp6_packet(struct ds_fw_packet *p, enum ds_fw_hook hook, uint8_t type,
    uint8_t code, unsigned cond)
{
	ds_fw_packet_init(p, AF_INET6, hook);
	p->proto = IPPROTO_ICMPV6;
	p->icmp_type = type;
	p->icmp_code = code;
	p->ct = ds_fw_icmp_ct(AF_INET6, type);
	if ((type >= 130 && type <= 132) || type == 143)
		p->nexthdr = 0; /* after a hop-by-hop header */
	addr(cond & DS_FW_COND_LL_SRC ? "fe80::1" : "2001:db8::1", &p->src);
	addr(cond & DS_FW_COND_LL_SRC ? "fe80::2" : "2001:db8::2", &p->dst);
	p->hop_limit = cond & DS_FW_COND_HL255 ? 255
	    : cond & DS_FW_COND_HL1            ? 1
	                                       : 64;
	/* Link-local messages a bridge forwards keep their hop limit. */
	if (hook == DS_FW_FORWARD && type >= 133 && type <= 137)
		p->hop_limit = 255;
	if (hook == DS_FW_FORWARD &&
	    ((type >= 130 && type <= 132) || type == 143)) {
		p->hop_limit = 1;
		addr("fe80::1", &p->src);
		addr("ff02::1", &p->dst);
	}
}

/* Packet Too Big and Neighbor Discovery first: the two that break
 * everything. */
static bool
first_pass(const struct ds_fw_rfc4890 *r)
{
	return (r->type_lo <= 2 && r->type_hi >= 2) ||
	    (r->type_lo <= 136 && r->type_hi >= 133);
}

static void
check_icmp6(
    struct out *o, enum ds_fw_hook hook, enum ds_fw_scope scope, bool bridged)
{
	size_t n, before = o->n;
	const struct ds_fw_rfc4890 *t = ds_fw_rfc4890_table(scope, &n);
	bool must_failed = false;
	unsigned checked = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			const struct ds_fw_rfc4890 *r = &t[i];
			enum ds_fw_class cls = r->cls;
			bool any = r->code_lo == 0 && r->code_hi == 255;

			if (bridged && cls == DS_FW_LINK)
				cls = DS_FW_MUST;
			if (r->knob ||
			    (cls != DS_FW_MUST && cls != DS_FW_SHOULD))
				continue;
			if (first_pass(r) != (pass == 0))
				continue;
			for (unsigned ty = r->type_lo; ty <= r->type_hi; ty++) {
				for (unsigned c = r->code_lo;
				     c <= (any ? r->code_lo : r->code_hi);
				     c++) {
					struct ds_fw_packet p;
					struct ds_fw_result res;
					struct ds_finding *f;
					bool must = cls == DS_FW_MUST;

					icmp6_packet(&p, hook, (uint8_t)ty,
					    (uint8_t)c, bridged ? 0 : r->cond);
					ds_fw_eval(o->fw, &p, &res);
					checked++;
					if (res.verdict == DS_FW_ACCEPT)
						continue;
					if (res.verdict == DS_FW_UNKNOWN) {
						f = add(o,
						    DS_FIND_FW_ICMPV6_UNKNOWN,
						    DS_SEV_WARNING);
					} else {
						f = add(o,
						    must
						        ? DS_FIND_FW_ICMPV6_MUST
						        : DS_FIND_FW_ICMPV6_SHOULD,
						    must ? DS_SEV_ERROR
						         : DS_SEV_WARNING);
						must_failed |= must;
					}
					f->subject.key = DS_EVK_ICMP_TYPE;
					f->subject.type = DS_EV_UINT;
					f->subject.v.u = ty;
					ds_finding_add_uint(
					    f, DS_EVK_ICMP_TYPE, ty);
					if (!any)
						ds_finding_add_uint(
						    f, DS_EVK_ICMP_CODE, c);
					ds_finding_add_token(f, DS_EVK_HOOK,
					    ds_fw_hook_token(hook));
					ds_finding_add_token(
					    f, DS_EVK_SECTION, r->section);
					decider(o, f, &res);
					if (res.verdict != DS_FW_UNKNOWN)
						fix_icmp6(o, f, &p,
						    bridged ? 0 : r->cond, any);
				}
			}
		}
	}
	if (!must_failed && o->n == before) {
		struct ds_finding *f = add(o, DS_FIND_FW_ICMPV6_OK, DS_SEV_OK);

		ds_finding_add_token(f, DS_EVK_HOOK, ds_fw_hook_token(hook));
		ds_finding_add_uint(f, DS_EVK_COUNT, checked);
	}
}

static void
l4_packet(struct ds_fw_packet *p, int family, enum ds_fw_hook hook,
    uint8_t proto, uint16_t port)
{
	ds_fw_packet_init(p, family, hook);
	p->proto = proto;
	p->sport = 40000;
	p->dport = port;
	if (family == AF_INET6) {
		addr("2001:db8::1", &p->src);
		addr(hook == DS_FW_INPUT ? "2001:db8::2" : "2001:db8:1::2",
		    &p->dst);
	} else {
		addr("192.0.2.1", &p->src);
		addr(hook == DS_FW_INPUT ? "192.0.2.2" : "198.51.100.2",
		    &p->dst);
	}
}

static bool
stopped(enum ds_fw_verdict v)
{
	return v == DS_FW_DROP || v == DS_FW_REJECT;
}

/* A port no rule names, to stand for "anything not opened". */
static uint16_t
unnamed_port(const struct ds_fw *fw)
{
	uint16_t ports[PORTS_MAX];

	for (unsigned cand = 61000; cand < 62000; cand++) {
		bool named = false;

		for (size_t i = 0; i < ds_fw_n_rules(fw) && !named; i++)
			for (uint8_t proto = 6; proto <= 17; proto += 11) {
				size_t k = ds_fw_rule_dports(
				    fw, i, proto, ports, PORTS_MAX);

				for (size_t j = 0; j < k && j < PORTS_MAX; j++)
					named |= ports[j] == cand;
			}
		if (!named)
			return (uint16_t)cand;
	}
	return 61000;
}

static void
fix_port(struct out *o, struct ds_finding *f, enum ds_fw_hook hook,
    uint8_t proto, uint16_t port, bool drop)
{
	char buf[DS_EVIDENCE_TEXT_MAX];
	const char *p = proto == IPPROTO_TCP ? "tcp" : "udp";
	int n;

	if (o->ipt)
		n = snprintf(buf, sizeof(buf),
		    "-I %s -p %s -m %s --dport %u -j %s", ipt_chain(hook), p, p,
		    port, drop ? "DROP" : "ACCEPT");
	else
		n = snprintf(buf, sizeof(buf), "%s dport %u %s", p, port,
		    drop ? "drop" : "accept");
	if (n > 0)
		ds_finding_add_text(f, DS_EVK_FIX, buf, (size_t)n);
}

static void
check_families(struct out *o, enum ds_fw_hook hook)
{
	struct ds_fw_packet p4, p6;
	struct ds_fw_result r4, r6;
	uint16_t port = unnamed_port(o->fw), ports[PORTS_MAX];
	uint16_t seen[2][PORTS_MAX];
	size_t n_seen[2] = {0, 0};
	bool v6_filtered;

	/* IPv6 wide open. */
	l4_packet(&p4, AF_INET, hook, IPPROTO_TCP, port);
	l4_packet(&p6, AF_INET6, hook, IPPROTO_TCP, port);
	ds_fw_eval(o->fw, &p4, &r4);
	ds_fw_eval(o->fw, &p6, &r6);
	v6_filtered = stopped(r6.verdict);
	if (stopped(r4.verdict) && r6.verdict == DS_FW_ACCEPT) {
		struct ds_finding *f = add(o, DS_FIND_FW_V6_OPEN, DS_SEV_ERROR);

		ds_finding_add_token(f, DS_EVK_HOOK, ds_fw_hook_token(hook));
		ds_finding_add_uint(f, DS_EVK_PORT, port);
		decider(o, f, &r6);
	}

	/* Every port a rule accepts, on both families. */
	for (size_t i = 0; i < ds_fw_n_rules(o->fw); i++) {
		struct ds_fw_rule ru;

		if (ds_fw_rule(o->fw, i, &ru) < 0 ||
		    ru.action != DS_FW_ACT_ACCEPT)
			continue;
		for (int pi = 0; pi < 2; pi++) {
			uint8_t proto = pi ? IPPROTO_UDP : IPPROTO_TCP;
			size_t k = ds_fw_rule_dports(
			    o->fw, i, proto, ports, PORTS_MAX);

			for (size_t j = 0; j < k && j < PORTS_MAX; j++) {
				bool dup = false;

				for (size_t s = 0; s < n_seen[pi]; s++)
					dup |= seen[pi][s] == ports[j];
				if (!dup && n_seen[pi] < PORTS_MAX)
					seen[pi][n_seen[pi]++] = ports[j];
			}
		}
	}
	for (int pi = 0; pi < 2; pi++) {
		uint8_t proto = pi ? IPPROTO_UDP : IPPROTO_TCP;

		for (size_t s = 0; s < n_seen[pi]; s++) {
			struct ds_finding *f;
			bool v4_only;

			l4_packet(&p4, AF_INET, hook, proto, seen[pi][s]);
			l4_packet(&p6, AF_INET6, hook, proto, seen[pi][s]);
			ds_fw_eval(o->fw, &p4, &r4);
			ds_fw_eval(o->fw, &p6, &r6);
			if (r4.verdict == DS_FW_ACCEPT && stopped(r6.verdict))
				v4_only = true;
			else if (r6.verdict == DS_FW_ACCEPT &&
			    stopped(r4.verdict))
				v4_only = false;
			else
				continue;
			f = add(o,
			    v4_only ? DS_FIND_FW_SERVICE_V4_ONLY
			            : DS_FIND_FW_SERVICE_V6_ONLY,
			    DS_SEV_WARNING);
			f->subject.key = DS_EVK_PORT;
			f->subject.type = DS_EV_UINT;
			f->subject.v.u = seen[pi][s];
			ds_finding_add_uint(f, DS_EVK_PROTO, proto);
			ds_finding_add_uint(f, DS_EVK_PORT, seen[pi][s]);
			ds_finding_add_token(
			    f, DS_EVK_HOOK, ds_fw_hook_token(hook));
			decider(o, f, v4_only ? &r6 : &r4);
			fix_port(o, f, hook, proto, seen[pi][s], false);
		}
	}

	/* Tunnels past a filtered IPv6. */
	if (!v6_filtered)
		return;
	for (int k = 0; k < 2; k++) {
		struct ds_finding *f;

		if (k == 0) {
			l4_packet(&p4, AF_INET, hook, PROTO_6IN4, 0);
		} else {
			l4_packet(&p4, AF_INET, hook, IPPROTO_UDP, TEREDO_PORT);
		}
		ds_fw_eval(o->fw, &p4, &r4);
		if (r4.verdict != DS_FW_ACCEPT)
			continue;
		f = add(o, DS_FIND_FW_TUNNEL, DS_SEV_WARNING);
		ds_finding_add_uint(
		    f, DS_EVK_PROTO, k == 0 ? PROTO_6IN4 : IPPROTO_UDP);
		if (k == 1)
			ds_finding_add_uint(f, DS_EVK_PORT, TEREDO_PORT);
		ds_finding_add_token(f, DS_EVK_HOOK, ds_fw_hook_token(hook));
		decider(o, f, &r4);
		if (k == 1) {
			fix_port(o, f, hook, IPPROTO_UDP, TEREDO_PORT, true);
		} else {
			char buf[64];
			int n = o->ipt
			    ? snprintf(buf, sizeof(buf), "-I %s -p 41 -j DROP",
			          ipt_chain(hook))
			    : snprintf(buf, sizeof(buf), "ip protocol 41 drop");

			ds_finding_add_text(f, DS_EVK_FIX, buf, (size_t)n);
		}
	}
}

static void
check_nd_rate(struct out *o)
{
	struct ds_fw_packet ns;

	icmp6_packet(&ns, DS_FW_INPUT, 135, 0, DS_FW_COND_HL255);
	for (size_t i = 0; i < ds_fw_n_rules(o->fw); i++) {
		struct ds_fw_result res = {.rule = i, .chain = DS_FW_NONE};
		struct ds_fw_rule ru;
		struct ds_finding *f;

		if (ds_fw_rule(o->fw, i, &ru) < 0 || !ru.limited ||
		    ru.action != DS_FW_ACT_ACCEPT ||
		    ru.limit_per_s >= DS_FW_ND_RATE_MIN)
			continue;
		if (ds_fw_rule_matches(o->fw, i, &ns) != 1)
			continue;
		f = add(o, DS_FIND_FW_ND_RATE, DS_SEV_WARNING);
		ds_finding_add_uint(f, DS_EVK_RATE, ru.limit_per_s);
		ds_finding_add_uint(f, DS_EVK_ICMP_TYPE, 135);
		res.chain =
		    ds__fw_chain_find(o->fw, ru.family, ru.table, ru.chain);
		decider(o, f, &res);
	}
}

size_t
ds_fw_check(const struct ds_fw *fw, enum ds_fw_role role,
    struct ds_finding *out, size_t max)
{
	struct out o = {.f = out, .max = max, .fw = fw};
	struct ds_fw_rule ru;

	o.ipt = ds_fw_n_rules(fw) > 0 && ds_fw_rule(fw, 0, &ru) == 0 &&
	    ru.text != NULL;
	check_icmp6(&o, DS_FW_INPUT, DS_FW_LOCAL, false);
	if (role == DS_FW_ROLE_ROUTER || role == DS_FW_ROLE_BRIDGE)
		check_icmp6(&o, DS_FW_FORWARD, DS_FW_TRANSIT,
		    role == DS_FW_ROLE_BRIDGE);
	check_families(&o, DS_FW_INPUT);
	if (role == DS_FW_ROLE_ROUTER || role == DS_FW_ROLE_BRIDGE)
		check_families(&o, DS_FW_FORWARD);
	check_nd_rate(&o);
	return o.n;
}
