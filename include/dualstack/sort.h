/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_SORT_H
#define DUALSTACK_SORT_H

/*
 * ds_sort: RFC 6724 destination address selection.
 *
 * Given the addresses a name resolved to, each with the source address the
 * kernel would use to reach it, order them the way RFC 6724 section 6 says
 * a host should try them, and say for each neighbouring pair which rule
 * decided. The policy table (RFC 6724 section 2.1) is a value: the RFC's
 * default, or one read from /etc/gai.conf text with glibc's semantics.
 *
 * Everything here is pure -- no I/O, no allocation, no global state -- except
 * ds_sort_source(), which asks the kernel for a source address and is kept
 * apart so that the sort itself can be tested and fuzzed. Every function is
 * safe to call from any thread on distinct objects; a const policy may be
 * shared by any number of threads.
 */

#include <stdbool.h>
#include <stddef.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"
#include "dualstack/export.h"

/*
 * Rows per table. The RFC's default has 9; a gai.conf with more than 64
 * label (or precedence) lines is refused rather than silently cut, so the
 * table in use is always the one the file describes. One more row is kept
 * for the ::/0 row glibc adds when a file has none.
 */
#define DS_POLICY_MAX 64

/* Most candidates one ds_sort() call orders (a DNS answer rarely has 20). */
#define DS_SORT_MAX 64

/* A label returned for an address no row matches (only possible in a table
 * built by hand without a ::/0 row). Its precedence is then 0. */
#define DS_POLICY_NO_LABEL 0xffffffffu

/*
 * One policy table row: an IPv6 prefix (IPv4 is written as IPv4-mapped,
 * ::ffff:0:0/96, RFC 6724 section 2.1) and its value.
 */
struct ds_policy_row {
	struct ds_prefix prefix;
	unsigned value;
};

/*
 * The policy table, RFC 6724 section 2.1, kept as two lists because
 * gai.conf replaces labels and precedences independently. A lookup takes
 * the longest matching prefix of each list; of equal ones, the first row.
 * A value type of about 6 KiB; copy it freely.
 */
struct ds_policy {
	struct ds_policy_row precedence[DS_POLICY_MAX + 1];
	size_t n_precedence;
	struct ds_policy_row label[DS_POLICY_MAX + 1];
	size_t n_label;
};

/*
 * Fill *ret with the default policy table of RFC 6724 section 2.1:
 *
 *   ::1/128        50  0     2001::/32   5  5     fec0::/10  1 11
 *   ::/0           40  1     fc00::/7    3 13     3ffe::/16  1 12
 *   ::ffff:0:0/96  35  4     ::/96       1  3
 *   2002::/16      30  2
 */
DS_EXPORT void ds_policy_default(struct ds_policy *ret);

/*
 * Look up address a in pol: its precedence and label (either out-pointer
 * may be NULL). An IPv4 address is looked up as IPv4-mapped (RFC 6724
 * sections 2.1 and 6), so 127.0.0.1 is 35/4, not ::1's 50/0. The zone is
 * ignored. An address no row matches gets precedence 0 and label
 * DS_POLICY_NO_LABEL. Returns 0, or -EAFNOSUPPORT when a has no family.
 */
DS_EXPORT int ds_policy_lookup(const struct ds_policy *pol,
    const struct ds_addr *a, unsigned *ret_precedence, unsigned *ret_label);

/* Where and why: line and column count from 1, as editors show them. */
struct ds_policy_diag {
	size_t line;
	size_t column;
	int reason; /* a DS_E_POLICY_* code (error.h), positive */
	int detail; /* DS_E_POLICY_PREFIX: the DS_E_* code from the prefix
	             * parser (positive); 0 otherwise */
};

/*
 * Build a policy from the text of an /etc/gai.conf file (text, len: no NUL
 * needed), the way glibc's getaddrinfo() reads it:
 *
 *   - '#' starts a comment anywhere on a line; blank lines are skipped;
 *     words are separated by any run of spaces and tabs.
 *   - "label PREFIX VALUE" and "precedence PREFIX VALUE": PREFIX is IPv6
 *     text (an IPv4 block as ::ffff:a.b.c.d/96+n), without "/LEN" a /128;
 *     VALUE is decimal, 0 to INT_MAX. Host bits are kept as written.
 *   - If the file has at least one valid label line, the label table is
 *     those lines alone and the defaults are dropped; the same holds,
 *     independently, for precedence. If such a table has no /0 row, a
 *     ::/0 row is added (label 1, precedence 40), as glibc does.
 *   - "reload yes|no" is accepted and has no effect here (it is about
 *     re-reading the file in a long-running process).
 *   - "scopev4 PREFIX VALUE" is checked but not used: scopes come from
 *     ds_addr_scope(), i.e. RFC 6724 section 3.2.
 *
 * glibc skips bad lines without a word. This function also skips them and
 * builds the table from the good lines -- the same table glibc would use --
 * but reports the first bad line: it then returns its -DS_E_POLICY_* code
 * and, when diag is not NULL, fills *diag. Unknown keywords and text after the
 * values count as bad here, though glibc ignores them silently.
 *
 * More than DS_POLICY_MAX label or precedence lines: -DS_E_POLICY_TOO_MANY,
 * *diag names the first line over the limit, and *ret is left untouched.
 *
 * Returns 0 (*ret written), -DS_E_POLICY_TOO_MANY (*ret untouched), or
 * another -DS_E_POLICY_* code (*ret written from the good lines, *diag
 * says where the first bad one is).
 */
DS_EXPORT int ds_policy_parse_gai(const char *text, size_t len,
    struct ds_policy *ret, struct ds_policy_diag *diag);

/*
 * The policy the system's getaddrinfo() uses: path (NULL: "/etc/gai.conf")
 * through ds_policy_parse_gai(), or the default table when the file does
 * not exist. A file with bad lines gives the table glibc would build from
 * the good ones (return 0 all the same; the diagnosis is for
 * ds_policy_parse_gai() callers). Returns 0, -DS_E_TOO_LONG (a file over
 * 64 KiB) or -DS_E_POLICY_TOO_MANY (more rows than the table holds), both
 * with the default table in *ret, or -errno when the file exists but
 * cannot be read (*ret is the default table).
 */
DS_EXPORT int ds_policy_load(const char *path, struct ds_policy *ret);

/* The rules of RFC 6724 section 6, numbered as there. */
enum ds_sort_rule {
	DS_SORT_RULE_NONE = 0,       /* the last candidate has no neighbour */
	DS_SORT_RULE_UNUSABLE = 1,   /* a destination without a source */
	DS_SORT_RULE_SCOPE = 2,      /* source scope matches destination's */
	DS_SORT_RULE_DEPRECATED = 3, /* deprecated source */
	DS_SORT_RULE_HOME = 4,       /* Mobile IPv6 home address */
	DS_SORT_RULE_LABEL = 5,      /* source label matches destination's */
	DS_SORT_RULE_PRECEDENCE = 6,
	DS_SORT_RULE_NATIVE = 7, /* native transport beats encapsulation */
	DS_SORT_RULE_SMALLER_SCOPE = 8,
	DS_SORT_RULE_PREFIX = 9, /* longest common prefix with the source */
	DS_SORT_RULE_ORDER = 10, /* tie: keep the original order */
};

/*
 * One destination to sort. The caller fills the inputs; ds_sort() (or
 * ds_sort_annotate()) fills the outputs. Zero the struct first: every
 * optional input is false/0 by default.
 */
struct ds_sort_cand {
	/* Inputs. */
	struct ds_addr dst;
	struct ds_addr src;    /* Source(dst); family 0: none (rule 1) */
	unsigned src_plen;     /* src's on-link prefix length if known, else
	                        * 0 (see common_prefix) */
	bool src_deprecated;   /* rule 3 */
	bool src_home;         /* rule 4: src is a Mobile IPv6 home address */
	bool src_careof;       /* rule 4: src is a care-of address */
	bool dst_encapsulated; /* rule 7: reached through a tunnel */

	/* Outputs. */
	unsigned precedence; /* Precedence(dst) */
	unsigned dst_label;  /* Label(dst) */
	unsigned src_label;  /* Label(src); DS_POLICY_NO_LABEL without src */
	unsigned dst_scope;  /* ds_addr_scope(dst) */
	unsigned src_scope;  /* ds_addr_scope(src); 0 without src */
	/*
	 * CommonPrefixLen(src, dst) for rule 9 (RFC 6724 section 2.2): the
	 * leading bits the two share, but no more than src's prefix length.
	 * The kernel's answer does not carry that length, so when src_plen
	 * is 0 it is taken as 64 for IPv6 (the interface identifier length
	 * of RFC 4291 section 2.5.1) and 0 for IPv4, where rule 9 is then
	 * inert: counting host bits would undo DNS round-robin, which is
	 * why RFC 6724 introduced the cap (its appendix B). 0 when src is
	 * missing or of another family.
	 */
	unsigned common_prefix;
	/* After ds_sort(): the rule that put this candidate before the next
	 * one (DS_SORT_RULE_*); 0 for the last. */
	unsigned rule;
};

/*
 * Fill the output fields of c (except rule) from its inputs and pol.
 * Returns 0, or -EAFNOSUPPORT when c->dst has no family.
 */
DS_EXPORT int ds_sort_annotate(
    const struct ds_policy *pol, struct ds_sort_cand *c);

/*
 * Compare two annotated candidates by RFC 6724 section 6, a being the one
 * that came first. Returns < 0 when a goes first, > 0 when b does, and 0
 * when only rule 10 is left (keep them as they are). *ret_rule (may be
 * NULL) gets the deciding rule, 1 to 10. Both must have been through
 * ds_sort_annotate() with the same policy.
 */
DS_EXPORT int ds_sort_compare(const struct ds_sort_cand *a,
    const struct ds_sort_cand *b, unsigned *ret_rule);

/*
 * Annotate list[0..n) with pol and sort it in place by RFC 6724 section 6.
 * The sort is stable (rule 10), allocates nothing and costs O(n^2)
 * comparisons at most. Afterwards list[i].rule says which rule ordered
 * list[i] before list[i + 1] (the last gets 0). Returns 0, -EINVAL when
 * n > DS_SORT_MAX, or -EAFNOSUPPORT when a destination has no family (the
 * list is then unchanged, apart from outputs of earlier candidates).
 */
DS_EXPORT int ds_sort(
    const struct ds_policy *pol, struct ds_sort_cand *list, size_t n);

/*
 * Short text for a rule number: "avoid unusable destinations" for 1 ...
 * "keep the original order" for 10, "none" for 0, "unknown" otherwise.
 * Static strings; thread-safe.
 */
DS_EXPORT const char *ds_sort_rule_name(unsigned rule);

/*
 * The source address the kernel would pick for dst: connect() a UDP
 * socket to dst, port 9 (connecting a UDP socket sends nothing), and read
 * getsockname(). This is the one function here that does I/O; it does not
 * block. A link-local dst needs its zone: scope_id, or the zone name
 * (resolved with ds_addr_zone_index(); -DS_E_ZONE_UNKNOWN
 * when no interface has it). An IPv4-mapped result is unmapped.
 *
 * Returns 0 and fills *ret_src, or a negative errno meaning "no source"
 * (rule 1): -ENETUNREACH, -EHOSTUNREACH, -EADDRNOTAVAIL, -EAFNOSUPPORT (no
 * IPv6 on this host), -ENODEV (an unknown zone name), -EINVAL (dst has no
 * family), or what socket() may fail with (-EMFILE...). The socket is
 * always closed before returning. Thread-safe.
 */
DS_EXPORT int ds_sort_source(
    const struct ds_addr *dst, struct ds_addr *ret_src);

#endif
