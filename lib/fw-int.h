/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_FW_INT_H
#define DUALSTACK_FW_INT_H

/*
 * The ruleset model inside ds_fw, shared by the evaluator (fw.c) and the
 * loaders (fw-nft.c, fw-ipt.c). Everything lives in a few growing arrays
 * of the handle; rules and matches refer to each other by index.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dualstack/fw.h"

/*
 * Names of tables, chains and sets: nftables allows 256 bytes
 * (NFT_NAME_MAXLEN), iptables 29 (XT_EXTENSION_MAXNAMELEN).
 */
#define FW_NAME_MAX 256

/* What a match looks at. */
enum fw_key {
	K_IIF = 1,
	K_OIF,
	K_NFPROTO, /* the family: items hold AF_INET, AF_INET6 */
	K_L4PROTO,
	K_NEXTHDR,   /* ip6 nexthdr: the first next header; ip protocol */
	K_ICMP_TYPE, /* ICMP or ICMPv6 by the match's family */
	K_ICMP_CODE,
	K_HOPLIMIT, /* IPv6 hop limit or IPv4 TTL */
	K_SADDR,
	K_DADDR,
	K_SPORT,
	K_DPORT,
	K_CTSTATE,
	K_LIMIT,   /* always matches; the result is marked limited */
	K_UNKNOWN, /* never evaluated: the rule's outcome is unknown */
};

enum fw_op {
	OP_EQ = 0, /* the value is one of the items */
	OP_NE,
	OP_LT,
	OP_GT,
	OP_LE,
	OP_GE,
};

/* One value of a match or a set: a number range, a prefix or a name. */
struct fw_item {
	uint32_t lo, hi;
	struct ds_prefix p;          /* K_SADDR, K_DADDR */
	char name[DS_FW_IFNAME_MAX]; /* K_IIF, K_OIF; "eth*" a wildcard */
};

struct fw_match {
	enum fw_key key;
	enum fw_op op;
	int family;       /* the family it implies (ip saddr: AF_INET), or 0 */
	uint8_t proto;    /* the protocol it implies (tcp dport: 6), or 0 */
	bool any_ports;   /* "th dport": any protocol with ports */
	bool set_unknown; /* a named set whose elements are not known */
	size_t item, n_items;  /* into fw->items */
	char what[48];         /* K_UNKNOWN: what it is, for the text */
	char set[FW_NAME_MAX]; /* a named set's name, for the text; "" */
	uint32_t rate, per_s;  /* K_LIMIT: rate per per_s seconds */
};

struct fw_rule_int {
	size_t chain;
	size_t match, n_match; /* into fw->matches */
	enum ds_fw_action action;
	size_t target; /* chain of a jump or goto */
	uint64_t handle;
	unsigned line;
	char *text;    /* iptables-save line, owned */
	char *comment; /* owned */
	char *reject;  /* reject's kind ("icmpv6 admin-prohibited"), owned */
};

struct fw_chain_int {
	enum ds_fw_family family;
	char table[FW_NAME_MAX];
	char name[FW_NAME_MAX];
	bool base, nat;
	enum ds_fw_hook hook;
	int priority;
	enum ds_fw_verdict policy;
	size_t *rules, n_rules, cap_rules; /* indexes into fw->rules */
	size_t order; /* the order it was added, to keep sorts stable */
};

struct fw_set_int {
	enum ds_fw_family family;
	char table[FW_NAME_MAX];
	char name[FW_NAME_MAX];
	bool unknown; /* of a type the model cannot read */
	size_t item, n_items;
};

struct ds_fw {
	struct fw_chain_int *chains;
	size_t n_chains, cap_chains;
	struct fw_rule_int *rules;
	size_t n_rules, cap_rules;
	struct fw_match *matches;
	size_t n_matches, cap_matches;
	struct fw_item *items;
	size_t n_items, cap_items;
	struct fw_set_int *sets;
	size_t n_sets, cap_sets;
};

/* Grow an array of elements of size elem to hold one more; 0 or
 * -ENOMEM / DS_E_FW_TOO_BIG past max. */
int ds__fw_grow(void **arr, size_t *cap, size_t n, size_t elem, size_t max);

/* Add a chain (or find the one of that family, table and name);
 * returns its index or a negative error. */
int ds__fw_chain_add(struct ds_fw *fw, enum ds_fw_family family,
    const char *table, const char *name, size_t *ret);

/* The chain of that family, table and name, or DS_FW_NONE. */
size_t ds__fw_chain_find(const struct ds_fw *fw, enum ds_fw_family family,
    const char *table, const char *name);

/* A new rule at the end of chain c; *ret its index. */
int ds__fw_rule_add(struct ds_fw *fw, size_t c, size_t *ret);

/* A new match for the last rule (zeroed, key set); NULL on -ENOMEM. */
struct fw_match *ds__fw_match_add(struct ds_fw *fw, enum fw_key key, int *err);

/* A new item at the end of fw->items; NULL with *err on failure. */
struct fw_item *ds__fw_item_add(struct ds_fw *fw, int *err);

/* Copy s into an owned string; NULL on -ENOMEM. */
char *ds__fw_strdup(const char *s, size_t len);

/* Text into a caller's buffer, snprintf-style: len grows past size, so
 * that the length the whole text needs is known. */
struct fw_sbuf {
	char *buf;
	size_t size, len;
};

void ds__fw_put(struct fw_sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Name tables shared by the loaders and the spec parser: the value of
 * a name (or of decimal digits up to max), -1 when it is neither. */
int ds__fw_l4proto_parse(const char *s, size_t len);
int ds__fw_ct_parse(const char *s, size_t len);
int ds__fw_icmp6_code_parse(const char *s, size_t len);
int ds__fw_icmp_code_parse(const char *s, size_t len);
int ds__fw_number(const char *s, size_t len, uint32_t max);
const char *ds__fw_l4proto_token(uint8_t proto);

#endif
