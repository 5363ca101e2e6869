/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_FW_H
#define DUALSTACK_FW_H

/*
 * ds_fw: a model of a packet filter's ruleset that answers "what happens
 * to this packet", and the RFC 4890 table of the ICMPv6 a firewall must
 * let through, as data.
 *
 * A ruleset is loaded from nftables' JSON ("nft -j list ruleset") or from
 * iptables-save / ip6tables-save text, into one struct ds_fw: tables,
 * chains with their hook, priority and policy, rules (a list of matches
 * and one action) and named sets. ds_fw_eval() walks the base chains of
 * the packet's hook in priority order the way the kernel does: jumps,
 * gotos, returns, set lookups, policies; an accept ends one base chain
 * and the packet goes on to the next, a drop ends it all.
 *
 * Never a guess: a match the model cannot evaluate (fib lookups, marks,
 * verdict maps, an xt extension, an interface index, an address the
 * packet spec left open) makes the verdict DS_FW_UNKNOWN, with the rule
 * that stopped the walk, as soon as that rule could decide the verdict.
 * A rule with no verdict (a counter, a log) never stops it. A rate limit
 * is taken to be under its rate (one packet), and the result says so.
 *
 * Memory: ds_fw_new() allocates the handle, the loaders grow it; nothing
 * else allocates. A ruleset belongs to one thread while it is loaded and
 * may be read (evaluated) by many afterwards.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dualstack/addr.h"
#include "dualstack/export.h"
#include "dualstack/finding.h"

/* What happens to a packet. */
enum ds_fw_verdict {
	DS_FW_ACCEPT = 1,
	DS_FW_DROP,
	DS_FW_REJECT, /* dropped with an ICMP error or a TCP reset */
	DS_FW_UNKNOWN,
};

/* "accept", "drop", "reject", "unknown"; NULL out of range. */
DS_EXPORT const char *ds_fw_verdict_token(enum ds_fw_verdict v);

/* Where a packet meets the filter (netfilter's hooks). */
enum ds_fw_hook {
	DS_FW_INPUT = 1, /* to this host */
	DS_FW_FORWARD,   /* routed through it */
	DS_FW_OUTPUT,    /* sent by it */
	DS_FW_BRIDGE,    /* bridged through it (family bridge, hook forward) */
	DS_FW_PREROUTING,
	DS_FW_POSTROUTING,
};

/* "input", "forward", ...; NULL out of range. */
DS_EXPORT const char *ds_fw_hook_token(enum ds_fw_hook h);

/* Connection tracking states, one bit each (nftables' ct state values). */
enum {
	DS_FW_CT_INVALID = 1u << 0,
	DS_FW_CT_ESTABLISHED = 1u << 1,
	DS_FW_CT_RELATED = 1u << 2,
	DS_FW_CT_NEW = 1u << 3,
	DS_FW_CT_UNTRACKED = 1u << 6,
};

/* "new", "established", ...; NULL for a value not one bit of those. */
DS_EXPORT const char *ds_fw_ct_token(unsigned ct);

/* The longest interface name, with its NUL (IFNAMSIZ). */
#define DS_FW_IFNAME_MAX 16

/*
 * One packet. Fields the rules ask about and the packet leaves open
 * (family 0 addresses, an empty interface name) make matches on them
 * unknown, with one exception: an interface left open is "not lo" (a
 * rule "iifname lo" does not match it) unless an address is a loopback
 * one, when it is "lo".
 */
struct ds_fw_packet {
	int family; /* AF_INET or AF_INET6 */
	enum ds_fw_hook hook;
	char iif[DS_FW_IFNAME_MAX];
	char oif[DS_FW_IFNAME_MAX];
	uint8_t proto;      /* next header after the IP header chain */
	int nexthdr;        /* IPv6: the first next header when there
	                     * are extension headers (MLD comes after a
	                     * hop-by-hop header, 0); -1: none, proto */
	int icmp_type;      /* ICMP or ICMPv6 type; -1 when not ICMP */
	int icmp_code;      /* -1 when not ICMP */
	uint8_t hop_limit;  /* or IPv4 TTL */
	struct ds_addr src; /* family 0: not known */
	struct ds_addr dst;
	uint16_t sport, dport; /* TCP, UDP, SCTP, UDP-Lite; host order */
	unsigned ct;           /* one DS_FW_CT_* bit */
	/* The ports are not known (any sender's source port, any port a
	 * listener may use): matches on them are unknown. */
	bool sport_open, dport_open;
};

/* The packet any rule sees first: proto, ports, ICMP unset (-1), hop
 * limit 64, ct state new, no addresses. */
DS_EXPORT void ds_fw_packet_init(
    struct ds_fw_packet *p, int family, enum ds_fw_hook hook);

/*
 * The connection tracking state the kernel gives an ICMP or ICMPv6
 * message of this type arriving on its own (nf_conntrack_proto_icmpv6.c):
 * Neighbor Discovery and MLD are untracked; echo request and node
 * information query start a connection (new); an error is taken to be
 * about a connection of this host (related; a stray one is invalid);
 * any other informational message can start none (invalid).
 */
DS_EXPORT unsigned ds_fw_icmp_ct(int family, uint8_t type);

/* Why a walk ended. */
enum ds_fw_why {
	DS_FW_BY_RULE = 1, /* a rule's verdict */
	DS_FW_BY_POLICY,   /* the end of a base chain: its policy */
	DS_FW_BY_NOTHING,  /* no base chain at this hook: accepted */
	DS_FW_BY_UNKNOWN,  /* a rule the model cannot evaluate */
	DS_FW_BY_LOOP,     /* jumps nested deeper than the kernel allows */
};

/* "rule", "policy", "nothing", "unknown", "loop"; NULL out of range. */
DS_EXPORT const char *ds_fw_why_token(enum ds_fw_why w);

#define DS_FW_NONE ((size_t)-1)

struct ds_fw_result {
	enum ds_fw_verdict verdict;
	enum ds_fw_why why;
	size_t rule;  /* the deciding rule (ds_fw_rule()), or DS_FW_NONE */
	size_t chain; /* the chain it ended in, or DS_FW_NONE */
	bool limited; /* it passed a rate limit, taken as not exceeded */
};

/* --- Rulesets ------------------------------------------------------------ */

struct ds_fw;
struct ds_finding;

/*
 * What decided res, as evidence of f: DS_EVK_CHAIN ("inet filter
 * input"), and DS_EVK_RULE (the rule as ds_fw_rule_format() writes it)
 * with DS_EVK_HANDLE (nftables) or DS_EVK_LINE (iptables-save), or
 * DS_EVK_POLICY true when no rule decided (a chain's policy). Pure.
 */
DS_EXPORT void ds_fw_result_evidence(const struct ds_fw *fw,
    const struct ds_fw_result *res, struct ds_finding *f);

struct ds_fw;

/*
 * Cap on rules, chains, sets and values in one ruleset, so that hostile
 * input cannot take all memory: a large router's ruleset has thousands of
 * rules, a set of addresses some ten thousand elements.
 */
#define DS_FW_RULES_MAX 100000
#define DS_FW_CHAINS_MAX 10000
#define DS_FW_VALUES_MAX 1000000

/* An empty ruleset into *ret. Returns 0 or -ENOMEM. */
DS_EXPORT int ds_fw_new(struct ds_fw **ret);

/* Free fw (NULL is fine); returns NULL. */
DS_EXPORT struct ds_fw *ds_fw_free(struct ds_fw *fw);

/*
 * Where a loader found a problem. Text input has a line and a column
 * (1-based); nftables JSON gives line and column for a syntax error, and
 * for a value that is valid JSON but not a ruleset the 1-based index of
 * the object in the "nftables" array and of the expression in its rule
 * (0: not applicable).
 */
struct ds_fw_pos {
	unsigned line, column;
	unsigned item, expr;
};

/*
 * Add the ruleset of "nft -j list ruleset" (len bytes, need not end in
 * NUL) to fw. Returns the number of rules added, or a negative error
 * with *errpos (may be NULL) saying where: DS_E_FW_JSON, DS_E_FW_SCHEMA,
 * DS_E_FW_CHAIN (a rule or a jump names no chain), DS_E_FW_SET,
 * DS_E_FW_TOO_BIG, -ENOMEM. On error fw keeps what came before the
 * problem. Expressions it does not know become unknown matches, not
 * errors.
 */
DS_EXPORT int ds_fw_load_nft(
    struct ds_fw *fw, const char *json, size_t len, struct ds_fw_pos *errpos);

/*
 * Add the tables of iptables-save (family AF_INET) or ip6tables-save
 * (AF_INET6) text to fw. Returns the number of rules added, or
 * DS_E_FW_IPT_LINE, DS_E_FW_IPT_OPTION, DS_E_FW_IPT_QUOTE,
 * DS_E_FW_IPT_COMMIT, DS_E_FW_CHAIN, DS_E_FW_VALUE, DS_E_FW_TOO_BIG or
 * -ENOMEM with *errpos (line and column). Options it does not know make
 * the rule's match unknown.
 */
DS_EXPORT int ds_fw_load_ipt(struct ds_fw *fw, int family, const char *text,
    size_t len, struct ds_fw_pos *errpos);

/*
 * Add the ruleset read from fd to its end: nftables JSON (family 0, as
 * ds_fw_load_nft()) or iptables-save text (AF_INET, AF_INET6, as
 * ds_fw_load_ipt()). fd stays open and the caller's. Blocking. Returns
 * the loader's result, -EINVAL, -EFBIG for more than 64 MiB, -ENOMEM,
 * or -errno of read().
 */
DS_EXPORT int ds_fw_load_fd(
    struct ds_fw *fw, int fd, int family, struct ds_fw_pos *errpos);

/*
 * Add the ruleset running now: "nft -j list ruleset" is run (found on
 * PATH) and its output loaded as by ds_fw_load_nft(). nft's stderr goes
 * to errfd, or nowhere when errfd is -1. Blocking: it waits for nft,
 * which answers from the kernel's tables at once. Returns the number of
 * rules added, or: -ENOENT (or another errno of execvp()) when nft
 * could not be run; -DS_E_FW_NFT when it ran and failed (not permitted
 * without CAP_NET_ADMIN, no nf_tables in the kernel), with its exit
 * status in *ret_status (may be NULL; -1 for a signal); -EFBIG for an
 * output over 64 MiB; the errors of ds_fw_load_nft() with *errpos;
 * -errno of pipe2() or fork(). Forks: the caller must not hold a lock
 * another thread of it would wait for in a child.
 */
DS_EXPORT int ds_fw_load_live(
    struct ds_fw *fw, int errfd, int *ret_status, struct ds_fw_pos *errpos);

/* Evaluate p against fw. Never fails; the result is written to *ret. */
DS_EXPORT void ds_fw_eval(const struct ds_fw *fw, const struct ds_fw_packet *p,
    struct ds_fw_result *ret);

/* Table families, as nftables names them. */
enum ds_fw_family {
	DS_FW_FAM_IP = 1,
	DS_FW_FAM_IP6,
	DS_FW_FAM_INET,
	DS_FW_FAM_BRIDGE,
	DS_FW_FAM_OTHER, /* arp, netdev: never on the paths evaluated */
};

/* "ip", "ip6", "inet", "bridge", "other"; NULL out of range. */
DS_EXPORT const char *ds_fw_family_token(enum ds_fw_family f);

/* What a rule does when it matches. */
enum ds_fw_action {
	DS_FW_ACT_NONE = 0, /* nothing: a counter, a log */
	DS_FW_ACT_ACCEPT,
	DS_FW_ACT_DROP,
	DS_FW_ACT_REJECT,
	DS_FW_ACT_JUMP,
	DS_FW_ACT_GOTO,
	DS_FW_ACT_RETURN,
	DS_FW_ACT_UNKNOWN, /* a verdict map, a queue: depends on more */
};

/* One rule as the loaders read it; pointers into fw, valid until it is
 * freed. */
struct ds_fw_rule {
	enum ds_fw_family family;
	const char *table, *chain;
	uint64_t handle;     /* nftables' handle; 0 for iptables */
	unsigned line;       /* iptables-save: the line; 0 for nftables */
	const char *text;    /* iptables-save: the rule as written; else NULL */
	const char *comment; /* NULL when it has none */
	enum ds_fw_action action;
	const char *target;   /* the chain of a jump or goto, else NULL */
	bool unknown;         /* it holds a match the model cannot evaluate */
	uint32_t limit_per_s; /* a rate limit in packets per second,
	                       * rounded down; 0 when none */
	bool limited;         /* it has a rate limit (which may be < 1/s) */
};

/* The number of rules and chains (indexes are 0 .. n-1). */
DS_EXPORT size_t ds_fw_n_rules(const struct ds_fw *fw);
DS_EXPORT size_t ds_fw_n_chains(const struct ds_fw *fw);

/* Rule i into *ret: 0, or -ENOENT out of range. */
DS_EXPORT int ds_fw_rule(
    const struct ds_fw *fw, size_t i, struct ds_fw_rule *ret);

struct ds_fw_chain {
	enum ds_fw_family family;
	const char *table, *name;
	bool base;            /* attached to a hook */
	enum ds_fw_hook hook; /* when base */
	int priority;
	enum ds_fw_verdict policy; /* when base: accept or drop */
	size_t n_rules;
};

/* Chain i into *ret: 0, or -ENOENT. */
DS_EXPORT int ds_fw_chain(
    const struct ds_fw *fw, size_t i, struct ds_fw_chain *ret);

/*
 * Rule i as one line of nftables syntax ("icmpv6 type packet-too-big
 * drop"; the iptables-save line itself for a rule loaded from there),
 * snprintf-style: returns the length the whole text needs. A match the
 * model keeps as unknown is written "<unknown KEY>".
 */
DS_EXPORT int ds_fw_rule_format(
    const struct ds_fw *fw, size_t i, char *buf, size_t size);

/*
 * Whether rule i's own matches (ignoring its action and rate limit)
 * match p: 1, 0, or -1 when unknown. For checks that ask which rule
 * would see a packet, such as a rate limit on Neighbor Discovery.
 */
DS_EXPORT int ds_fw_rule_matches(
    const struct ds_fw *fw, size_t i, const struct ds_fw_packet *p);

/*
 * The destination ports rule i accepts for protocol proto (6, 17) and
 * family (a rule of an inet table counts for both), up to max of them
 * into out; returns how many it names (which may be more than max).
 * Ranges count each port up to max. For "which services are open".
 */
DS_EXPORT size_t ds_fw_rule_dports(
    const struct ds_fw *fw, size_t i, uint8_t proto, uint16_t *out, size_t max);

/* --- Packet specs -------------------------------------------------------- */

/*
 * Parse a packet spec, the words of "dualstack firewall test":
 *
 *   [ip|ip6] PROTO [type T [code C]] [from ADDR|local [port N]]
 *       [to ADDR|local [port N]] [in IFNAME] [out IFNAME]
 *       [hop-limit N | ttl N] [state STATE] [hook HOOK]
 *
 * PROTO is tcp, udp, icmp, icmpv6 or "proto N"; T and C a number or an
 * nftables name ("packet-too-big", "nd-neighbor-solicit"); "local"
 * is this host ("to local ADDR" gives its address as well). The hook is
 * input for "to local", output for "from local", forward otherwise; the
 * family follows from the addresses or the protocol. Defaults: hop limit
 * 255 for Neighbor Discovery, 1 for MLD and router discovery, 64 else, the
 * state ds_fw_icmp_ct() gives or new. Returns 0, or DS_E_FW_SPEC_WORD,
 * DS_E_FW_SPEC_VALUE, DS_E_FW_SPEC_MISSING, DS_E_FW_SPEC_FAMILY with *errpos
 * (the offset of the word at fault).
 */
DS_EXPORT int ds_fw_packet_parse(
    const char *s, size_t len, struct ds_fw_packet *ret, size_t *errpos);

/* ICMPv6 and ICMP type names as nftables writes them: the number of a
 * name (or decimal digits), -1 when it is neither. */
DS_EXPORT int ds_fw_icmp6_type_parse(const char *s, size_t len);
DS_EXPORT int ds_fw_icmp_type_parse(const char *s, size_t len);
/* The name of a type, or NULL when nftables has none. */
DS_EXPORT const char *ds_fw_icmp6_type_token(uint8_t type);
DS_EXPORT const char *ds_fw_icmp_type_token(uint8_t type);

/* --- RFC 4890 ------------------------------------------------------------ */

/*
 * RFC 4890's classes: section 4.3 for traffic through a firewall, 4.4
 * for traffic to it.
 */
enum ds_fw_class {
	DS_FW_MUST = 1, /* 4.3.1, 4.4.1: must not be dropped */
	DS_FW_SHOULD,   /* 4.3.2, 4.4.2: normally should not be dropped */
	DS_FW_LINK,     /* 4.3.3: link-local, a router drops it anyway */
	DS_FW_POLICY,   /* 4.3.4, 4.4.3: a policy should be defined */
	DS_FW_DISCARD,  /* 4.3.5, 4.4.4: drop unless there is a case */
};

/* "must", "should", "link", "policy", "discard"; NULL out of range. */
DS_EXPORT const char *ds_fw_class_token(enum ds_fw_class c);

/* The table a role's hook takes. */
enum ds_fw_scope {
	DS_FW_TRANSIT = 1, /* section 4.3: forwarded */
	DS_FW_LOCAL,       /* section 4.4: to the firewall itself */
};

/* Conditions RFC 4890 puts on a type, as bits. */
enum {
	DS_FW_COND_HL255 = 1u << 0,  /* hop limit 255 (RFC 4861 section 6.1) */
	DS_FW_COND_LL_SRC = 1u << 1, /* link-local source (RFC 3810 5) */
	DS_FW_COND_HL1 = 1u << 2,    /* hop limit 1 (RFC 4286 section 4) */
};

/*
 * Named knobs for what was allocated after RFC 4890 (2007): these fall in
 * its "unallocated" ranges, which want a policy; the generator lets
 * through the ones a caller turns on.
 */
enum {
	DS_FW_KNOB_PARAM_PROBLEM_NEW = 1u << 0, /* 4 codes 3-10: RFC 7112,
	                                         * 8754, 8883 */
	DS_FW_KNOB_EXTENDED_ECHO = 1u << 1,     /* 160, 161: RFC 8335 */
	DS_FW_KNOB_RPL = 1u << 2,               /* 155: RFC 6550 */
	DS_FW_KNOB_MPL = 1u << 3,               /* 159: RFC 7731 */
	DS_FW_KNOB_FMIPV6 = 1u << 4,            /* 154: RFC 5568 */
	DS_FW_KNOB_ILNP = 1u << 5,              /* 156: RFC 6743 */
	DS_FW_KNOB_6LOWPAN_DAD = 1u << 6,       /* 157, 158: RFC 6775 */
	DS_FW_KNOB_ALL = (1u << 7) - 1,
	/* On unless said otherwise: errors about the header chain tell a
	 * sender why its packets die, and cost nothing to let through. */
	DS_FW_KNOB_DEFAULT = DS_FW_KNOB_PARAM_PROBLEM_NEW,
};

/* "param-problem-new", "extended-echo", ...; NULL for a value that is
 * not one knob bit. */
DS_EXPORT const char *ds_fw_knob_token(unsigned knob);
/* The bit a token names, or 0. */
DS_EXPORT unsigned ds_fw_knob_parse(const char *s, size_t len);

/* One row of the table: ICMPv6 types type_lo..type_hi with codes
 * code_lo..code_hi. */
struct ds_fw_rfc4890 {
	uint8_t type_lo, type_hi;
	uint8_t code_lo, code_hi;
	enum ds_fw_class cls;
	unsigned cond;       /* DS_FW_COND_* */
	const char *section; /* "4.4.1" */
	unsigned knob;       /* DS_FW_KNOB_* for a later allocation, else 0 */
	const char *ref;     /* the RFC that allocated it when not RFC 4443
	                      * or 4861, else NULL */
	bool echo;           /* echo request or reply: --echo decides */
};

/* The rows for scope, in the RFC's order, most specific first; *ret_n
 * gets their number. Static storage. */
DS_EXPORT const struct ds_fw_rfc4890 *ds_fw_rfc4890_table(
    enum ds_fw_scope scope, size_t *ret_n);

/* The first row of scope's table that holds type and code, or NULL. */
DS_EXPORT const struct ds_fw_rfc4890 *ds_fw_rfc4890_find(
    enum ds_fw_scope scope, uint8_t type, uint8_t code);

/* --- Generator ----------------------------------------------------------- */

enum ds_fw_role {
	DS_FW_ROLE_HOST = 1, /* input: 4.4 */
	DS_FW_ROLE_ROUTER,   /* input: 4.4; forward: 4.3 */
	DS_FW_ROLE_BRIDGE,   /* input: 4.4; bridged (forward, with
	                      * br_netfilter): 4.3 and the link's own ND
	                      * and MLD, which a bridge must pass */
};

/* "host", "router", "bridge"; NULL out of range. */
DS_EXPORT const char *ds_fw_role_token(enum ds_fw_role r);

enum ds_fw_echo {
	DS_FW_ECHO_ALLOW = 1,
	DS_FW_ECHO_LIMIT, /* echo requests at DS_FW_ECHO_RATE */
	DS_FW_ECHO_DENY,
};

/* Echo requests per second under --echo limit, and the burst. */
#define DS_FW_ECHO_RATE 10
#define DS_FW_ECHO_BURST 20

enum ds_fw_format {
	DS_FW_FMT_NFT = 1,   /* one "nft -f" file, both families */
	DS_FW_FMT_IPTABLES,  /* iptables-restore: IPv4 */
	DS_FW_FMT_IP6TABLES, /* ip6tables-restore: IPv6 */
};

struct ds_fw_service {
	uint8_t proto; /* 6 or 17 */
	uint16_t port;
};

struct ds_fw_gen {
	enum ds_fw_role role;
	enum ds_fw_echo echo;
	unsigned knobs; /* DS_FW_KNOB_* to let through */
	const struct ds_fw_service *services;
	size_t n_services;
};

/*
 * A complete ruleset for g: established and related, loopback, the RFC
 * 4890 rows of the role (each with a comment naming its section), the
 * services for both families, rate-limited logging of what is dropped,
 * and a default drop. snprintf-style into buf; returns the length the
 * whole text needs, or -EINVAL for a role, echo or format out of range
 * or a service not TCP or UDP.
 */
DS_EXPORT int ds_fw_generate(const struct ds_fw_gen *g,
    enum ds_fw_format format, char *buf, size_t size);

/* --- Checks ------------------------------------------------------------ */

/*
 * Neighbor Discovery rate limits below this many packets a second are
 * reported: a router's /64 with a few hundred hosts sees a Neighbor
 * Solicitation per host and REACHABLE_TIME (30 s, RFC 4861 section 10)
 * plus Duplicate Address Detection, bursts of them on every boot.
 */
#define DS_FW_ND_RATE_MIN 10

/*
 * Check fw as a firewall of role: the RFC 4890 rows must and should pass
 * for each hook the role has (input; forward for a router or bridge),
 * Packet Too Big and Neighbor Discovery first; the two families against
 * each other (IPv6 open where IPv4 drops; each port a rule accepts, on
 * both families); Teredo (UDP 3544) and 6in4 (protocol 41) passing
 * while native IPv6 is filtered; rate limits on Neighbor Discovery below
 * DS_FW_ND_RATE_MIN. Representative packets go from 2001:db8::1 (fe80::1
 * where the RFC wants link-local) or 192.0.2.1 to 2001:db8::2 or
 * 192.0.2.2. Each finding names the deciding rule (DS_EVK_RULE, _CHAIN,
 * _HANDLE or _LINE, or DS_EVK_POLICY) and, where a rule mends it, that
 * rule (DS_EVK_FIX, in the syntax the ruleset came in). Writes at most
 * max findings to out and returns how many there are.
 */
DS_EXPORT size_t ds_fw_check(const struct ds_fw *fw, enum ds_fw_role role,
    struct ds_finding *out, size_t max);

#endif
