/* SPDX-License-Identifier: MIT */
/*
 * ds_fw: the ruleset model, its names, and the packet evaluator. The
 * loaders are fw-nft.c and fw-ipt.c, the RFC 4890 table fw-rfc4890.c,
 * the generator fw-gen.c, the packet spec parser fw-spec.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dualstack/error.h"
#include "dualstack/fw.h"

#include "fw-int.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Jumps nest at most this deep: the kernel's NFT_JUMP_STACK_SIZE (16)
 * for nftables; iptables' limit is higher, and a ruleset deeper than 16
 * is unknown to the evaluator rather than followed.
 */
#define FW_JUMP_DEPTH 16

/* Rules visited in one walk at most: gotos cannot nest, but a loaded
 * iptables ruleset may go round in circles, which the kernel refuses to
 * load and the evaluator refuses to follow. */
#define FW_WALK_MAX 1000000

static const char *const verdict_tokens[] = {
    [DS_FW_ACCEPT] = "accept",
    [DS_FW_DROP] = "drop",
    [DS_FW_REJECT] = "reject",
    [DS_FW_UNKNOWN] = "unknown",
};

static const char *const hook_tokens[] = {
    [DS_FW_INPUT] = "input",
    [DS_FW_FORWARD] = "forward",
    [DS_FW_OUTPUT] = "output",
    [DS_FW_BRIDGE] = "bridge",
    [DS_FW_PREROUTING] = "prerouting",
    [DS_FW_POSTROUTING] = "postrouting",
};

static const char *const family_tokens[] = {
    [DS_FW_FAM_IP] = "ip",
    [DS_FW_FAM_IP6] = "ip6",
    [DS_FW_FAM_INET] = "inet",
    [DS_FW_FAM_BRIDGE] = "bridge",
    [DS_FW_FAM_OTHER] = "other",
};

static const char *const why_tokens[] = {
    [DS_FW_BY_RULE] = "rule",
    [DS_FW_BY_POLICY] = "policy",
    [DS_FW_BY_NOTHING] = "nothing",
    [DS_FW_BY_UNKNOWN] = "unknown",
    [DS_FW_BY_LOOP] = "loop",
};

const char *
ds_fw_why_token(enum ds_fw_why w)
{
	return (unsigned)w < ARRAY_SIZE(why_tokens) ? why_tokens[w] : NULL;
}

const char *
ds_fw_verdict_token(enum ds_fw_verdict v)
{
	return (unsigned)v < ARRAY_SIZE(verdict_tokens) ? verdict_tokens[v]
	                                                : NULL;
}

const char *
ds_fw_hook_token(enum ds_fw_hook h)
{
	return (unsigned)h < ARRAY_SIZE(hook_tokens) ? hook_tokens[h] : NULL;
}

const char *
ds_fw_family_token(enum ds_fw_family f)
{
	return (unsigned)f < ARRAY_SIZE(family_tokens) ? family_tokens[f]
	                                               : NULL;
}

/* --- Names ---------------------------------------------------------------- */

struct name {
	const char *s;
	int v;
};

static int
name_lookup(const struct name *t, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(t[i].s) == len && memcmp(t[i].s, s, len) == 0)
			return t[i].v;
	return -1;
}

static const char *
name_of(const struct name *t, size_t n, int v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].s;
	return NULL;
}

int
ds__fw_number(const char *s, size_t len, uint32_t max)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	return v <= max && v <= INT32_MAX ? (int)v : -1;
}

/* nftables' icmpv6_type names (src/proto.c, icmp6_type_tbl). */
static const struct name icmp6_types[] = {
    {"destination-unreachable", 1},
    {"packet-too-big", 2},
    {"time-exceeded", 3},
    {"parameter-problem", 4},
    {"echo-request", 128},
    {"echo-reply", 129},
    {"mld-listener-query", 130},
    {"mld-listener-report", 131},
    {"mld-listener-done", 132},
    {"mld-listener-reduction", 132},
    {"nd-router-solicit", 133},
    {"nd-router-advert", 134},
    {"nd-neighbor-solicit", 135},
    {"nd-neighbor-advert", 136},
    {"nd-redirect", 137},
    {"router-renumbering", 138},
    {"ind-neighbor-solicit", 141},
    {"ind-neighbor-advert", 142},
    {"mld2-listener-report", 143},
};

/* nftables' icmp_type names. */
static const struct name icmp_types[] = {
    {"echo-reply", 0},
    {"destination-unreachable", 3},
    {"source-quench", 4},
    {"redirect", 5},
    {"echo-request", 8},
    {"router-advertisement", 9},
    {"router-solicitation", 10},
    {"time-exceeded", 11},
    {"parameter-problem", 12},
    {"timestamp-request", 13},
    {"timestamp-reply", 14},
    {"info-request", 15},
    {"info-reply", 16},
    {"address-mask-request", 17},
    {"address-mask-reply", 18},
};

/* nftables' icmpv6_code and icmp_code names: it writes any code with
 * one of these values by the name, whatever the type. */
static const struct name icmp6_codes[] = {
    {"no-route", 0},
    {"admin-prohibited", 1},
    {"addr-unreachable", 3},
    {"port-unreachable", 4},
    {"policy-fail", 5},
    {"reject-route", 6},
};

static const struct name icmp_codes[] = {
    {"net-unreachable", 0},
    {"host-unreachable", 1},
    {"prot-unreachable", 2},
    {"port-unreachable", 3},
    {"frag-needed", 4},
    {"net-prohibited", 9},
    {"host-prohibited", 10},
    {"admin-prohibited", 13},
};

/* /etc/protocols names nftables and iptables write. */
static const struct name l4protos[] = {
    {"icmp", 1},
    {"igmp", 2},
    {"tcp", 6},
    {"udp", 17},
    {"ipv6", 41},
    {"gre", 47},
    {"esp", 50},
    {"ah", 51},
    {"ipv6-icmp", 58},
    {"icmpv6", 58},
    {"icmp6", 58},
    {"sctp", 132},
    {"udplite", 136},
    {"dccp", 33},
};

static const struct name ct_states[] = {
    {"invalid", DS_FW_CT_INVALID},
    {"established", DS_FW_CT_ESTABLISHED},
    {"related", DS_FW_CT_RELATED},
    {"new", DS_FW_CT_NEW},
    {"untracked", DS_FW_CT_UNTRACKED},
};

int
ds_fw_icmp6_type_parse(const char *s, size_t len)
{
	int v = name_lookup(icmp6_types, ARRAY_SIZE(icmp6_types), s, len);

	return v >= 0 ? v : ds__fw_number(s, len, 255);
}

int
ds_fw_icmp_type_parse(const char *s, size_t len)
{
	int v = name_lookup(icmp_types, ARRAY_SIZE(icmp_types), s, len);

	return v >= 0 ? v : ds__fw_number(s, len, 255);
}

const char *
ds_fw_icmp6_type_token(uint8_t type)
{
	return name_of(icmp6_types, ARRAY_SIZE(icmp6_types), type);
}

const char *
ds_fw_icmp_type_token(uint8_t type)
{
	return name_of(icmp_types, ARRAY_SIZE(icmp_types), type);
}

int
ds__fw_icmp6_code_parse(const char *s, size_t len)
{
	int v = name_lookup(icmp6_codes, ARRAY_SIZE(icmp6_codes), s, len);

	return v >= 0 ? v : ds__fw_number(s, len, 255);
}

int
ds__fw_icmp_code_parse(const char *s, size_t len)
{
	int v = name_lookup(icmp_codes, ARRAY_SIZE(icmp_codes), s, len);

	return v >= 0 ? v : ds__fw_number(s, len, 255);
}

int
ds__fw_l4proto_parse(const char *s, size_t len)
{
	int v = name_lookup(l4protos, ARRAY_SIZE(l4protos), s, len);

	return v >= 0 ? v : ds__fw_number(s, len, 255);
}

const char *
ds__fw_l4proto_token(uint8_t proto)
{
	return name_of(l4protos, ARRAY_SIZE(l4protos), proto);
}

int
ds__fw_ct_parse(const char *s, size_t len)
{
	return name_lookup(ct_states, ARRAY_SIZE(ct_states), s, len);
}

const char *
ds_fw_ct_token(unsigned ct)
{
	return name_of(ct_states, ARRAY_SIZE(ct_states), (int)ct);
}

/* --- Packets -------------------------------------------------------------- */

void
ds_fw_packet_init(struct ds_fw_packet *p, int family, enum ds_fw_hook hook)
{
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->hook = hook;
	p->icmp_type = -1;
	p->icmp_code = -1;
	p->nexthdr = -1;
	p->hop_limit = 64;
	p->ct = DS_FW_CT_NEW;
}

unsigned
ds_fw_icmp_ct(int family, uint8_t type)
{
	if (family == AF_INET6) {
		/* noct_valid_new[] in nf_conntrack_proto_icmpv6.c: MLD
		 * 130-132, ND 133-136 and MLDv2 reports 143. */
		if ((type >= 130 && type <= 136) || type == 143)
			return DS_FW_CT_UNTRACKED;
		/* valid_new[]: echo request and node information query. */
		if (type == 128 || type == 139)
			return DS_FW_CT_NEW;
		return type < 128 ? DS_FW_CT_RELATED : DS_FW_CT_INVALID;
	}
	/* nf_conntrack_proto_icmp.c: the four requests start one. */
	if (type == 8 || type == 13 || type == 15 || type == 17)
		return DS_FW_CT_NEW;
	if (type == 3 || type == 4 || type == 5 || type == 11 || type == 12)
		return DS_FW_CT_RELATED;
	return DS_FW_CT_INVALID;
}

/* --- The model ------------------------------------------------------------ */

int
ds__fw_grow(void **arr, size_t *cap, size_t n, size_t elem, size_t max)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	if (n >= max)
		return -DS_E_FW_TOO_BIG;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > max)
		ncap = max;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

char *
ds__fw_strdup(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

int
ds_fw_new(struct ds_fw **ret)
{
	struct ds_fw *fw = calloc(1, sizeof(*fw));

	if (!fw)
		return -ENOMEM;
	*ret = fw;
	return 0;
}

struct ds_fw *
ds_fw_free(struct ds_fw *fw)
{
	if (!fw)
		return NULL;
	for (size_t i = 0; i < fw->n_chains; i++)
		free(fw->chains[i].rules);
	for (size_t i = 0; i < fw->n_rules; i++) {
		free(fw->rules[i].text);
		free(fw->rules[i].comment);
		free(fw->rules[i].reject);
	}
	free(fw->chains);
	free(fw->rules);
	free(fw->matches);
	free(fw->items);
	free(fw->sets);
	free(fw);
	return NULL;
}

size_t
ds__fw_chain_find(const struct ds_fw *fw, enum ds_fw_family family,
    const char *table, const char *name)
{
	for (size_t i = 0; i < fw->n_chains; i++) {
		const struct fw_chain_int *c = &fw->chains[i];

		if (c->family == family && strcmp(c->table, table) == 0 &&
		    strcmp(c->name, name) == 0)
			return i;
	}
	return DS_FW_NONE;
}

int
ds__fw_chain_add(struct ds_fw *fw, enum ds_fw_family family, const char *table,
    const char *name, size_t *ret)
{
	struct fw_chain_int *c;
	size_t i = ds__fw_chain_find(fw, family, table, name);
	int r;

	if (i != DS_FW_NONE) {
		*ret = i;
		return 0;
	}
	if (strlen(table) >= FW_NAME_MAX || strlen(name) >= FW_NAME_MAX)
		return -DS_E_FW_VALUE;
	r = ds__fw_grow((void **)&fw->chains, &fw->cap_chains, fw->n_chains,
	    sizeof(*fw->chains), DS_FW_CHAINS_MAX);
	if (r < 0)
		return r;
	c = &fw->chains[fw->n_chains];
	memset(c, 0, sizeof(*c));
	c->family = family;
	strcpy(c->table, table);
	strcpy(c->name, name);
	c->policy = DS_FW_ACCEPT;
	c->order = fw->n_chains;
	*ret = fw->n_chains++;
	return 0;
}

int
ds__fw_rule_add(struct ds_fw *fw, size_t ci, size_t *ret)
{
	struct fw_chain_int *c = &fw->chains[ci];
	struct fw_rule_int *ru;
	int r;

	r = ds__fw_grow((void **)&fw->rules, &fw->cap_rules, fw->n_rules,
	    sizeof(*fw->rules), DS_FW_RULES_MAX);
	if (r < 0)
		return r;
	r = ds__fw_grow((void **)&c->rules, &c->cap_rules, c->n_rules,
	    sizeof(*c->rules), DS_FW_RULES_MAX);
	if (r < 0)
		return r;
	ru = &fw->rules[fw->n_rules];
	memset(ru, 0, sizeof(*ru));
	ru->chain = ci;
	ru->match = fw->n_matches;
	ru->target = DS_FW_NONE;
	c->rules[c->n_rules++] = fw->n_rules;
	*ret = fw->n_rules++;
	return 0;
}

struct fw_match *
ds__fw_match_add(struct ds_fw *fw, enum fw_key key, int *err)
{
	struct fw_match *m;
	int r;

	/* Matches are capped with the values: a rule holds few. */
	r = ds__fw_grow((void **)&fw->matches, &fw->cap_matches, fw->n_matches,
	    sizeof(*fw->matches), DS_FW_VALUES_MAX);
	if (r < 0) {
		*err = r;
		return NULL;
	}
	m = &fw->matches[fw->n_matches++];
	memset(m, 0, sizeof(*m));
	m->key = key;
	m->item = fw->n_items;
	fw->rules[fw->n_rules - 1].n_match++;
	return m;
}

struct fw_item *
ds__fw_item_add(struct ds_fw *fw, int *err)
{
	struct fw_item *it;
	int r;

	r = ds__fw_grow((void **)&fw->items, &fw->cap_items, fw->n_items,
	    sizeof(*fw->items), DS_FW_VALUES_MAX);
	if (r < 0) {
		*err = r;
		return NULL;
	}
	it = &fw->items[fw->n_items++];
	memset(it, 0, sizeof(*it));
	return it;
}

size_t
ds_fw_n_rules(const struct ds_fw *fw)
{
	return fw->n_rules;
}

size_t
ds_fw_n_chains(const struct ds_fw *fw)
{
	return fw->n_chains;
}

static bool
rule_unknown(const struct ds_fw *fw, const struct fw_rule_int *ru)
{
	for (size_t k = 0; k < ru->n_match; k++) {
		const struct fw_match *m = &fw->matches[ru->match + k];

		if (m->key == K_UNKNOWN || m->set_unknown)
			return true;
	}
	return false;
}

int
ds_fw_rule(const struct ds_fw *fw, size_t i, struct ds_fw_rule *ret)
{
	const struct fw_rule_int *ru;
	const struct fw_chain_int *c;

	if (i >= fw->n_rules)
		return -ENOENT;
	ru = &fw->rules[i];
	c = &fw->chains[ru->chain];
	memset(ret, 0, sizeof(*ret));
	ret->family = c->family;
	ret->table = c->table;
	ret->chain = c->name;
	ret->handle = ru->handle;
	ret->line = ru->line;
	ret->text = ru->text;
	ret->comment = ru->comment;
	ret->action = ru->action;
	if (ru->target != DS_FW_NONE)
		ret->target = fw->chains[ru->target].name;
	ret->unknown = rule_unknown(fw, ru) || ru->action == DS_FW_ACT_UNKNOWN;
	for (size_t k = 0; k < ru->n_match; k++) {
		const struct fw_match *m = &fw->matches[ru->match + k];

		if (m->key == K_LIMIT) {
			ret->limited = true;
			ret->limit_per_s = m->per_s ? m->rate / m->per_s : 0;
		}
	}
	return 0;
}

int
ds_fw_chain(const struct ds_fw *fw, size_t i, struct ds_fw_chain *ret)
{
	const struct fw_chain_int *c;

	if (i >= fw->n_chains)
		return -ENOENT;
	c = &fw->chains[i];
	memset(ret, 0, sizeof(*ret));
	ret->family = c->family;
	ret->table = c->table;
	ret->name = c->name;
	ret->base = c->base;
	ret->hook = c->hook;
	ret->priority = c->priority;
	ret->policy = c->policy;
	ret->n_rules = c->n_rules;
	return 0;
}

/* --- Evaluation ----------------------------------------------------------- */

enum tri { NO = 0, YES = 1, UNK = -1 };

static bool
ifname_match(const char *pattern, const char *name)
{
	size_t n = strlen(pattern);

	if (n > 0 && pattern[n - 1] == '*')
		return strncmp(pattern, name, n - 1) == 0;
	return strcmp(pattern, name) == 0;
}

static bool
is_loopback(const struct ds_addr *a)
{
	static const uint8_t lo6[16] = {[15] = 1};

	if (a->family == AF_INET)
		return (ds_addr_v4(a) >> 24) == 127;
	return a->family == AF_INET6 && memcmp(a->u.bytes, lo6, 16) == 0;
}

/* An interface the packet leaves open: "lo" when an address is a
 * loopback one, else "some interface that is not lo". */
static enum tri
ifname_eq(const struct ds_fw_packet *p, const char *name,
    const struct fw_item *items, size_t n)
{
	bool lo = is_loopback(&p->src) || is_loopback(&p->dst);
	enum tri r = NO;

	if (name[0] != '\0' || lo) {
		const char *have = name[0] != '\0' ? name : "lo";

		for (size_t i = 0; i < n; i++)
			if (ifname_match(items[i].name, have))
				return YES;
		return NO;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(items[i].name, "lo") == 0)
			continue;
		r = UNK;
	}
	return r;
}

/* Whether a packet field v falls among the items. */
static bool
in_items(uint32_t v, const struct fw_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v >= items[i].lo && v <= items[i].hi)
			return true;
	return false;
}

static enum tri
addr_in(const struct ds_addr *a, const struct fw_item *items, size_t n)
{
	struct ds_addr u;

	if (a->family == 0)
		return UNK;
	u = *a;
	u.scope_id = 0;
	u.zone[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (items[i].p.addr.family == u.family &&
		    ds_prefix_contains(&items[i].p, &u))
			return YES;
	return NO;
}

static enum tri
negate(enum tri t, enum fw_op op)
{
	if (op != OP_NE || t == UNK)
		return t;
	return t == YES ? NO : YES;
}

static bool
has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	    proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE ||
	    proto == IPPROTO_DCCP;
}

/* The values a match compares against: its own items or its set's. */
static const struct fw_item *
match_items(const struct ds_fw *fw, const struct fw_match *m, size_t *ret_n)
{
	*ret_n = m->n_items;
	return fw->items + m->item;
}

static enum tri
compare(
    uint32_t v, const struct fw_match *m, const struct fw_item *it, size_t n)
{
	if (n == 0)
		return UNK;
	switch (m->op) {
	case OP_EQ:
		return in_items(v, it, n) ? YES : NO;
	case OP_NE:
		return in_items(v, it, n) ? NO : YES;
	case OP_LT:
		return v < it[0].lo ? YES : NO;
	case OP_GT:
		return v > it[0].lo ? YES : NO;
	case OP_LE:
		return v <= it[0].lo ? YES : NO;
	case OP_GE:
		return v >= it[0].lo ? YES : NO;
	}
	return UNK;
}

static enum tri
match_eval(const struct ds_fw *fw, const struct fw_match *m,
    const struct ds_fw_packet *p, bool *limited)
{
	const struct fw_item *it;
	size_t n;

	/* What the match implies comes first: "tcp dport 22" is false for
	 * UDP whatever else is unknown. */
	if (m->family && m->family != p->family)
		return NO;
	if (m->proto && m->proto != p->proto)
		return NO;
	if (m->any_ports && !has_ports(p->proto))
		return NO;
	if (m->key == K_UNKNOWN || m->set_unknown)
		return UNK;
	it = match_items(fw, m, &n);
	switch (m->key) {
	case K_IIF:
	case K_OIF:
		return negate(
		    ifname_eq(p, m->key == K_IIF ? p->iif : p->oif, it, n),
		    m->op);
	case K_NFPROTO:
		return compare((uint32_t)p->family, m, it, n);
	case K_L4PROTO:
		return compare(p->proto, m, it, n);
	case K_NEXTHDR:
		return compare(
		    p->nexthdr >= 0 ? (uint32_t)p->nexthdr : p->proto, m, it,
		    n);
	case K_ICMP_TYPE:
	case K_ICMP_CODE: {
		int v = m->key == K_ICMP_TYPE ? p->icmp_type : p->icmp_code;

		if (v < 0)
			return NO;
		return compare((uint32_t)v, m, it, n);
	}
	case K_HOPLIMIT:
		return compare(p->hop_limit, m, it, n);
	case K_SADDR:
	case K_DADDR:
		return negate(
		    addr_in(m->key == K_SADDR ? &p->src : &p->dst, it, n),
		    m->op);
	case K_SPORT:
		return p->sport_open ? UNK : compare(p->sport, m, it, n);
	case K_DPORT:
		return p->dport_open ? UNK : compare(p->dport, m, it, n);
	case K_CTSTATE:
		return compare(p->ct, m, it, n);
	case K_LIMIT:
		*limited = true;
		return YES;
	case K_UNKNOWN:
		break;
	}
	return UNK;
}

static enum tri
rule_eval(const struct ds_fw *fw, const struct fw_rule_int *ru,
    const struct ds_fw_packet *p, bool *limited, bool with_limit)
{
	enum tri r = YES;
	bool lim = false;

	for (size_t k = 0; k < ru->n_match; k++) {
		const struct fw_match *m = &fw->matches[ru->match + k];
		enum tri t;

		if (m->key == K_LIMIT && !with_limit)
			continue;
		t = match_eval(fw, m, p, &lim);
		if (t == NO)
			return NO;
		if (t == UNK)
			r = UNK;
	}
	if (r == YES && lim)
		*limited = true;
	return r;
}

int
ds_fw_rule_matches(
    const struct ds_fw *fw, size_t i, const struct ds_fw_packet *p)
{
	bool lim = false;

	if (i >= fw->n_rules)
		return 0;
	return (int)rule_eval(fw, &fw->rules[i], p, &lim, false);
}

static bool
family_sees(enum ds_fw_family f, const struct ds_fw_packet *p)
{
	switch (f) {
	case DS_FW_FAM_IP:
		return p->family == AF_INET && p->hook != DS_FW_BRIDGE;
	case DS_FW_FAM_IP6:
		return p->family == AF_INET6 && p->hook != DS_FW_BRIDGE;
	case DS_FW_FAM_INET:
		return p->hook != DS_FW_BRIDGE;
	case DS_FW_FAM_BRIDGE:
		return p->hook == DS_FW_BRIDGE;
	default:
		return false;
	}
}

/* Walk one base chain. Returns the verdict of the walk, ACCEPT when it
 * ends in an accept (rule or policy). */
static void
walk(const struct ds_fw *fw, size_t base, const struct ds_fw_packet *p,
    struct ds_fw_result *res)
{
	struct {
		size_t chain, pos;
	} stack[FW_JUMP_DEPTH];
	size_t depth = 0, chain = base, pos = 0, steps = 0;

	for (;;) {
		const struct fw_chain_int *c = &fw->chains[chain];
		const struct fw_rule_int *ru;
		size_t ri;
		enum tri t;

		if (++steps > FW_WALK_MAX) {
			res->verdict = DS_FW_UNKNOWN;
			res->why = DS_FW_BY_LOOP;
			res->chain = chain;
			return;
		}
		if (pos >= c->n_rules) {
			/* The end of a chain: an implicit return, or the
			 * base chain's policy. */
			if (depth == 0)
				goto policy;
			depth--;
			chain = stack[depth].chain;
			pos = stack[depth].pos;
			continue;
		}
		ri = c->rules[pos++];
		ru = &fw->rules[ri];
		if (ru->action == DS_FW_ACT_NONE)
			continue;
		t = rule_eval(fw, ru, p, &res->limited, true);
		if (t == NO)
			continue;
		if (t == UNK || ru->action == DS_FW_ACT_UNKNOWN) {
			res->verdict = DS_FW_UNKNOWN;
			res->why = DS_FW_BY_UNKNOWN;
			res->rule = ri;
			res->chain = chain;
			return;
		}
		switch (ru->action) {
		case DS_FW_ACT_ACCEPT:
		case DS_FW_ACT_DROP:
		case DS_FW_ACT_REJECT:
			res->verdict = ru->action == DS_FW_ACT_ACCEPT
			    ? DS_FW_ACCEPT
			    : ru->action == DS_FW_ACT_DROP ? DS_FW_DROP
			                                   : DS_FW_REJECT;
			res->why = DS_FW_BY_RULE;
			res->rule = ri;
			res->chain = chain;
			return;
		case DS_FW_ACT_JUMP:
			if (depth == FW_JUMP_DEPTH) {
				res->verdict = DS_FW_UNKNOWN;
				res->why = DS_FW_BY_LOOP;
				res->rule = ri;
				res->chain = chain;
				return;
			}
			stack[depth].chain = chain;
			stack[depth].pos = pos;
			depth++;
			chain = ru->target;
			pos = 0;
			break;
		case DS_FW_ACT_GOTO:
			chain = ru->target;
			pos = 0;
			break;
		case DS_FW_ACT_RETURN:
			if (depth == 0)
				goto policy;
			depth--;
			chain = stack[depth].chain;
			pos = stack[depth].pos;
			break;
		default:
			break;
		}
	}
policy:
	res->verdict = fw->chains[base].policy;
	res->why = DS_FW_BY_POLICY;
	res->rule = DS_FW_NONE;
	res->chain = base;
}

/* The hooks a packet passes, in order. */
static size_t
hooks_of(enum ds_fw_hook h, enum ds_fw_hook out[3])
{
	switch (h) {
	case DS_FW_INPUT:
		out[0] = DS_FW_PREROUTING;
		out[1] = DS_FW_INPUT;
		return 2;
	case DS_FW_FORWARD:
		out[0] = DS_FW_PREROUTING;
		out[1] = DS_FW_FORWARD;
		out[2] = DS_FW_POSTROUTING;
		return 3;
	case DS_FW_OUTPUT:
		out[0] = DS_FW_OUTPUT;
		out[1] = DS_FW_POSTROUTING;
		return 2;
	case DS_FW_BRIDGE:
		out[0] = DS_FW_FORWARD;
		return 1;
	default:
		out[0] = h;
		return 1;
	}
}

void
ds_fw_eval(const struct ds_fw *fw, const struct ds_fw_packet *p,
    struct ds_fw_result *ret)
{
	enum ds_fw_hook hooks[3];
	size_t nh = hooks_of(p->hook, hooks);
	struct ds_fw_result res = {
	    .verdict = DS_FW_ACCEPT,
	    .why = DS_FW_BY_NOTHING,
	    .rule = DS_FW_NONE,
	    .chain = DS_FW_NONE,
	};
	bool limited = false;

	for (size_t h = 0; h < nh; h++) {
		size_t done = 0;
		int last_prio = 0;
		size_t last_order = 0;

		/* Base chains of this hook in priority order (then in the
		 * order they were loaded): a selection sort, since a hook
		 * has a handful. */
		for (;;) {
			size_t best = DS_FW_NONE;

			for (size_t i = 0; i < fw->n_chains; i++) {
				const struct fw_chain_int *c = &fw->chains[i];
				bool after;

				if (!c->base || c->nat || c->hook != hooks[h] ||
				    !family_sees(c->family, p))
					continue;
				after = done == 0 || c->priority > last_prio ||
				    (c->priority == last_prio &&
				        c->order > last_order);
				if (!after)
					continue;
				if (best == DS_FW_NONE ||
				    c->priority < fw->chains[best].priority ||
				    (c->priority == fw->chains[best].priority &&
				        c->order < fw->chains[best].order))
					best = i;
			}
			if (best == DS_FW_NONE)
				break;
			done++;
			last_prio = fw->chains[best].priority;
			last_order = fw->chains[best].order;
			res.limited = false;
			walk(fw, best, p, &res);
			limited |= res.limited;
			if (res.verdict != DS_FW_ACCEPT) {
				res.limited = limited;
				*ret = res;
				return;
			}
		}
	}
	res.limited = limited;
	*ret = res;
}

/* --- Rules as text -------------------------------------------------------- */

void
ds__fw_put(struct fw_sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->len < b->size ? b->buf + b->len : NULL,
	    b->len < b->size ? b->size - b->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

static const char *
key_text(const struct fw_match *m)
{
	bool v6 = m->family == AF_INET6;

	switch (m->key) {
	case K_IIF:
		return "iifname";
	case K_OIF:
		return "oifname";
	case K_NFPROTO:
		return "meta nfproto";
	case K_L4PROTO:
		return "meta l4proto";
	case K_NEXTHDR:
		return v6 ? "ip6 nexthdr" : "ip protocol";
	case K_ICMP_TYPE:
		return v6 ? "icmpv6 type" : "icmp type";
	case K_ICMP_CODE:
		return v6 ? "icmpv6 code" : "icmp code";
	case K_HOPLIMIT:
		return v6 ? "ip6 hoplimit" : "ip ttl";
	case K_SADDR:
		return v6 ? "ip6 saddr" : "ip saddr";
	case K_DADDR:
		return v6 ? "ip6 daddr" : "ip daddr";
	case K_SPORT:
	case K_DPORT:
		return NULL; /* with the protocol */
	case K_CTSTATE:
		return "ct state";
	default:
		return "";
	}
}

static void
item_text(struct fw_sbuf *b, const struct fw_match *m, const struct fw_item *it)
{
	char a[DS_PREFIX_STRLEN];
	const char *name = NULL;

	switch (m->key) {
	case K_IIF:
	case K_OIF:
		ds__fw_put(b, "\"%s\"", it->name);
		return;
	case K_SADDR:
	case K_DADDR:
		if (ds_prefix_format(&it->p, 0, a, sizeof(a)) < 0)
			strcpy(a, "?");
		ds__fw_put(b, "%s", a);
		return;
	case K_NFPROTO:
		name = it->lo == AF_INET ? "ipv4" : "ipv6";
		break;
	case K_L4PROTO:
	case K_NEXTHDR:
		name = ds__fw_l4proto_token((uint8_t)it->lo);
		break;
	case K_ICMP_TYPE:
		name = m->family == AF_INET6
		    ? ds_fw_icmp6_type_token((uint8_t)it->lo)
		    : ds_fw_icmp_type_token((uint8_t)it->lo);
		break;
	case K_CTSTATE:
		name = ds_fw_ct_token(it->lo);
		break;
	default:
		break;
	}
	if (name && it->lo == it->hi)
		ds__fw_put(b, "%s", name);
	else if (it->lo == it->hi)
		ds__fw_put(b, "%u", it->lo);
	else
		ds__fw_put(b, "%u-%u", it->lo, it->hi);
}

static void
match_text(struct fw_sbuf *b, const struct ds_fw *fw, const struct fw_match *m)
{
	static const char *const ops[] = {"", "!= ", "< ", "> ", "<= ", ">= "};
	const char *k = key_text(m);

	if (m->key == K_UNKNOWN) {
		ds__fw_put(b, "<unknown %s>", m->what);
		return;
	}
	if (m->key == K_LIMIT) {
		ds__fw_put(b, "limit rate %u/%s", m->rate,
		    m->per_s == 1           ? "second"
		        : m->per_s == 60    ? "minute"
		        : m->per_s == 3600  ? "hour"
		        : m->per_s == 86400 ? "day"
		                            : "?");
		return;
	}
	if (!k) {
		const char *proto = m->any_ports ? "th"
		    : m->proto ? ds__fw_l4proto_token(m->proto)
		               : "th";

		ds__fw_put(b, "%s %s", proto ? proto : "th",
		    m->key == K_SPORT ? "sport" : "dport");
	} else {
		ds__fw_put(b, "%s", k);
	}
	ds__fw_put(b, " %s", ops[m->op]);
	if (m->set[0] != '\0') {
		ds__fw_put(b, "@%s", m->set);
		return;
	}
	if (m->n_items == 1) {
		item_text(b, m, &fw->items[m->item]);
		return;
	}
	ds__fw_put(b, "{ ");
	for (size_t i = 0; i < m->n_items; i++) {
		if (i)
			ds__fw_put(b, ", ");
		item_text(b, m, &fw->items[m->item + i]);
	}
	ds__fw_put(b, " }");
}

int
ds_fw_rule_format(const struct ds_fw *fw, size_t i, char *buf, size_t size)
{
	struct fw_sbuf b = {.buf = buf, .size = size};
	const struct fw_rule_int *ru;
	static const char *const acts[] = {
	    [DS_FW_ACT_ACCEPT] = "accept",
	    [DS_FW_ACT_DROP] = "drop",
	    [DS_FW_ACT_REJECT] = "reject",
	    [DS_FW_ACT_JUMP] = "jump",
	    [DS_FW_ACT_GOTO] = "goto",
	    [DS_FW_ACT_RETURN] = "return",
	    [DS_FW_ACT_UNKNOWN] = "<unknown verdict>",
	};

	if (size)
		buf[0] = '\0';
	if (i >= fw->n_rules)
		return 0;
	ru = &fw->rules[i];
	if (ru->text) {
		ds__fw_put(&b, "%s", ru->text);
		return (int)b.len;
	}
	for (size_t k = 0; k < ru->n_match; k++) {
		if (k)
			ds__fw_put(&b, " ");
		match_text(&b, fw, &fw->matches[ru->match + k]);
	}
	if (ru->action != DS_FW_ACT_NONE) {
		ds__fw_put(
		    &b, "%s%s", ru->n_match ? " " : "", acts[ru->action]);
		if (ru->reject)
			ds__fw_put(&b, " with %s", ru->reject);
		if (ru->target != DS_FW_NONE)
			ds__fw_put(&b, " %s", fw->chains[ru->target].name);
	}
	return (int)b.len;
}

size_t
ds_fw_rule_dports(
    const struct ds_fw *fw, size_t i, uint8_t proto, uint16_t *out, size_t max)
{
	const struct fw_rule_int *ru;
	size_t n = 0;

	if (i >= fw->n_rules)
		return 0;
	ru = &fw->rules[i];
	for (size_t k = 0; k < ru->n_match; k++) {
		const struct fw_match *m = &fw->matches[ru->match + k];

		if (m->key != K_DPORT || m->op != OP_EQ || m->set_unknown)
			continue;
		if (!m->any_ports && m->proto != proto)
			continue;
		for (size_t j = 0; j < m->n_items; j++) {
			const struct fw_item *it = &fw->items[m->item + j];

			for (uint32_t v = it->lo; v <= it->hi && v <= 65535;
			     v++) {
				if (n < max)
					out[n] = (uint16_t)v;
				n++;
				if (n >= max)
					return n;
			}
		}
		return n;
	}
	return 0;
}
