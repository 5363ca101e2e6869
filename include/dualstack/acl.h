/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_ACL_H
#define DUALSTACK_ACL_H

/*
 * ds_acl: an access list of address prefixes, each allowed or denied,
 * checked by longest match.
 *
 * IPv4 and IPv6 live side by side. An IPv4-mapped address (::ffff:a.b.c.d,
 * how a dual-stack socket names an IPv4 client) is checked as the IPv4
 * address it is, and a rule written as a mapped prefix (::ffff:0:0/96 or
 * longer) is stored as the IPv4 prefix it covers; so "deny 192.0.2.0/24"
 * cannot be bypassed by connecting to a dual listener, and the two
 * notations of one rule are one rule. Zones are ignored: a rule has none
 * and an address's zone plays no part in the match.
 *
 * That unmapping is the ACL's own contract, kept on purpose although the
 * library's producers of client addresses (a listener's ds_tuple, a parsed
 * PROXY header) hand out normalised addresses already: ds_acl_check() and
 * ds_acl_match() are a boundary of their own, public and reached with
 * addresses from anywhere (getpeername() on a dual socket, a caller's own
 * parser), and an ACL that trusted its caller to normalise would let an
 * IPv4 client past a deny rule as soon as one caller forgot. The check is
 * a 12-byte compare.
 *
 * Decision when nothing matches: an ACL with at least one allow rule
 * denies what no rule names (an allow list); an ACL of deny rules only, or
 * an empty one, allows it (a block list). ds_acl_check() applies this.
 *
 * A lookup walks one path-compressed binary trie per family: at most 33
 * or 129 nodes, whatever the number of rules, and no allocation. A node
 * exists only where a rule ends or two rules part, so a rule costs at
 * most two nodes; building allocates (a failed allocation leaves the ACL
 * as it was).
 *
 * Note what checking mapped clients as IPv4 implies: an IPv6 rule shorter
 * than /96 ("deny ::/0") never matches an IPv4 client, mapped or not. To
 * deny everything, deny ::/0 and 0.0.0.0/0.
 *
 * Threads: an ACL is not locked. Build it in one thread; once built, any
 * number of threads may check against it as long as nobody changes it
 * (a reload builds a new ACL and swaps pointers).
 */

#include <stdbool.h>
#include <stddef.h>

#include "dualstack/addr.h"
#include "dualstack/export.h"

enum ds_acl_action {
	DS_ACL_NONE = 0, /* no rule matched */
	DS_ACL_ALLOW,
	DS_ACL_DENY,
};

/* "none", "allow", "deny". */
DS_EXPORT const char *ds_acl_action_name(enum ds_acl_action a);

struct ds_acl;

/* An empty ACL (which allows everything). Returns 0, -EINVAL (ret NULL)
 * or -ENOMEM. */
DS_EXPORT int ds_acl_new(struct ds_acl **ret);

/* NULL-safe; returns NULL. */
DS_EXPORT struct ds_acl *ds_acl_free(struct ds_acl *acl);

/*
 * Add a rule. The prefix is normalised first (host bits cleared, a mapped
 * prefix of length 96 or more turned into IPv4 with length - 96). The same
 * prefix added again with the same action is accepted and changes nothing;
 * with the other action it is -DS_E_ACL_CONFLICT, since which one was meant
 * cannot be guessed. Returns 0, -DS_E_ACL_CONFLICT, -EINVAL (no family, a
 * length past the family's bits: no parser makes such a prefix), or
 * -ENOMEM.
 */
DS_EXPORT int ds_acl_add(
    struct ds_acl *acl, const struct ds_prefix *p, enum ds_acl_action action);

/*
 * Parse one prefix as operators write them in other tools' configs:
 * "2001:db8::/32", "[2001:db8::]/32", "[::1]/128", "[::1]", "192.0.2.0/24",
 * "::ffff:192.0.2.0/120", "192.0.2.0/255.255.255.0", and bare addresses
 * ("2001:db8::1", "192.0.2.7"), which mean a host (/128, /32). A mapped
 * prefix comes back in its IPv6 form; ds_acl_add() turns it into IPv4.
 * Host bits may be set
 * ("192.0.2.7/24" is 192.0.2.0/24) -- the rule is about the network the
 * operator named. No zones, no ports. Returns 0 or a parse error (as
 * ds_prefix_parse()) with *errpos the offset of the problem.
 */
DS_EXPORT int ds_acl_parse_prefix(
    const char *s, size_t len, struct ds_prefix *ret, size_t *errpos);

/*
 * Add the rules of an ACL file's text, buf[0..len), no terminator needed:
 * one rule per line, "allow PREFIX" or "deny PREFIX" (PREFIX as
 * ds_acl_parse_prefix() takes it), blanks and tabs around words, '#'
 * to the end of the line a comment, empty lines ignored, LF or CRLF line
 * ends. Stops at the first bad line: returns its error (a parse error,
 * -DS_E_ACL_SYNTAX for an unknown keyword or a missing or extra word,
 * -DS_E_ACL_CONFLICT for a prefix both allowed and denied; ds_strerror()
 * has a text for each) with *ret_line (1-based) and *ret_col
 * (0-based byte offset in that line) saying where; rules before it stay
 * added, so parse into a new ACL and swap only on success. A NUL byte is
 * -DS_E_BAD_CHAR, even in a comment. *ret_line and *ret_col (either may
 * be NULL) are written on failure only. Returns the number of rules on
 * success.
 */
DS_EXPORT int ds_acl_load(struct ds_acl *acl, const char *buf, size_t len,
    unsigned *ret_line, size_t *ret_col);

/*
 * Longest match for a (IPv4-mapped is checked as IPv4): the action of the
 * longest rule covering it, DS_ACL_NONE when none does. When matched is
 * not NULL and a rule matched, it gets that rule's prefix (as stored:
 * normalised, IPv4 for mapped rules).
 */
DS_EXPORT enum ds_acl_action ds_acl_match(const struct ds_acl *acl,
    const struct ds_addr *a, struct ds_prefix *matched);

/* Longest match plus the default above: true when a may pass. A NULL acl
 * allows everything. */
DS_EXPORT bool ds_acl_check(const struct ds_acl *acl, const struct ds_addr *a);

/* Rules in the ACL, per action (either pointer may be NULL). */
DS_EXPORT size_t ds_acl_count(
    const struct ds_acl *acl, size_t *ret_allow, size_t *ret_deny);

#endif
