/* SPDX-License-Identifier: MIT */
/*
 * Access lists: prefixes allowed or denied, checked by longest match.
 *
 * One binary trie per family, path-compressed: a node holds a whole prefix
 * (its bits and length), and a node exists only where a rule ends or where
 * two rules part ways, so a rule costs at most two nodes whatever its
 * length (an IPv6 /128 among others would cost up to 128 nodes in a trie
 * of one node per bit). A lookup walks down from the root, each node's
 * length greater than its parent's: at most 33 or 129 nodes, each checked
 * with one masked compare of at most 16 bytes, and nothing allocated.
 *
 * The nodes of both tries live in one array, linked by 32-bit indexes: 28
 * bytes a node, one allocation to free, and a lookup that stays in one
 * block of memory. Adding a rule first makes room for the two nodes it may
 * need, so that a failed allocation leaves the ACL as it was.
 *
 * Keys are big-endian bit strings, bit 0 the most significant bit of byte
 * 0 (RFC 4291 numbering, as in addr-int.h); an IPv4 key uses bytes 0-3 and
 * leaves 4-15 zero. Bits past a node's length are always zero.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr-int.h"
#include "dualstack/acl.h"

/* No node: the end of a branch. */
#define NIL UINT32_MAX

/* Trie index of a family. */
enum { T_V4, T_V6 };

struct node {
	uint8_t key[16];
	uint32_t child[2]; /* by the bit at position len */
	uint8_t len;
	uint8_t action; /* enum ds_acl_action; DS_ACL_NONE for a fork */
};

struct ds_acl {
	struct node *nodes;
	uint32_t n_nodes, cap;
	uint32_t root[2];
	size_t n_allow, n_deny;
};

/* The 96-bit prefix of IPv4-mapped addresses, RFC 4291 section 2.5.5.2. */
static const uint8_t mapped_prefix[12] = {[10] = 0xff, [11] = 0xff};

const char *
ds_acl_action_name(enum ds_acl_action a)
{
	switch (a) {
	case DS_ACL_NONE:
		return "none";
	case DS_ACL_ALLOW:
		return "allow";
	case DS_ACL_DENY:
		return "deny";
	}
	return "unknown";
}

int
ds_acl_new(struct ds_acl **ret)
{
	struct ds_acl *acl;

	if (!ret)
		return -EINVAL;
	acl = calloc(1, sizeof(*acl));
	if (!acl)
		return -ENOMEM;
	acl->root[T_V4] = NIL;
	acl->root[T_V6] = NIL;
	*ret = acl;
	return 0;
}

struct ds_acl *
ds_acl_free(struct ds_acl *acl)
{
	if (acl) {
		free(acl->nodes);
		free(acl);
	}
	return NULL;
}

/* --- Building ------------------------------------------------------------ */

/* Make room for 'n' more nodes. */
static int
reserve(struct ds_acl *acl, uint32_t n)
{
	struct node *nodes;
	size_t cap;

	if (acl->cap - acl->n_nodes >= n)
		return 0;
	/* Indexes are 32-bit and NIL is the largest: stop below it. */
	if (acl->n_nodes > NIL - 1 - n)
		return -ENOMEM;
	cap = acl->cap ? (size_t)acl->cap * 2 : 64;
	if (cap > NIL - 1)
		cap = NIL - 1;
	if (cap > SIZE_MAX / sizeof(*nodes))
		return -ENOMEM;
	nodes = realloc(acl->nodes, cap * sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	acl->nodes = nodes;
	acl->cap = (uint32_t)cap;
	return 0;
}

/* A new node (room was reserved). */
static uint32_t
node_add(struct ds_acl *acl, const uint8_t *key, unsigned len,
    enum ds_acl_action action)
{
	uint32_t i = acl->n_nodes++;
	struct node *n = &acl->nodes[i];

	memcpy(n->key, key, sizeof(n->key));
	ds__bits_clear_from(n->key, len, sizeof(n->key));
	n->len = (uint8_t)len;
	n->action = (uint8_t)action;
	n->child[0] = NIL;
	n->child[1] = NIL;
	return i;
}

/* The first bit, below 'max', where a and b differ; max if none. */
static unsigned
first_diff(const uint8_t *a, const uint8_t *b, unsigned max)
{
	for (unsigned i = 0; i < 16 && i * 8 < max; i++) {
		unsigned x = a[i] ^ b[i];

		if (x) {
			/* x is one byte: its leading zeros past bit 24. */
			unsigned bit = i * 8 + (unsigned)__builtin_clz(x) - 24;

			return bit < max ? bit : max;
		}
	}
	return max;
}

static void
count(struct ds_acl *acl, enum ds_acl_action action)
{
	if (action == DS_ACL_ALLOW)
		acl->n_allow++;
	else
		acl->n_deny++;
}

/* Insert key/len (bits past len zero) into trie t. */
static int
insert(struct ds_acl *acl, int t, const uint8_t *key, unsigned len,
    enum ds_acl_action action)
{
	uint32_t *link = &acl->root[t];
	uint32_t at, fresh, fork;
	unsigned common;
	int r;

	/* At most two nodes are made: the rule's, and a fork above it. The
	 * array may move here, so links are taken only after this. */
	r = reserve(acl, 2);
	if (r < 0)
		return r;

	for (;;) {
		struct node *n;

		at = *link;
		if (at == NIL) {
			*link = node_add(acl, key, len, action);
			count(acl, action);
			return 0;
		}
		n = &acl->nodes[at];
		common = first_diff(n->key, key, n->len < len ? n->len : len);
		if (common == n->len && n->len == len) {
			/* The same prefix: a fork becomes the rule; a rule
			 * stays if the action agrees. */
			if (n->action == DS_ACL_NONE) {
				n->action = (uint8_t)action;
				count(acl, action);
				return 0;
			}
			return n->action == action ? 0 : -DS_E_ACL_CONFLICT;
		}
		if (common == n->len) {
			/* n covers the new prefix: go down. */
			link = &n->child[ds__bit(key, n->len)];
			continue;
		}
		break;
	}

	/* The new prefix parts from n's at bit 'common' < n->len. */
	fresh = node_add(acl, key, len, action);
	count(acl, action);
	if (common == len) {
		/* It covers n: it goes above. */
		acl->nodes[fresh].child[ds__bit(acl->nodes[at].key, len)] = at;
		*link = fresh;
		return 0;
	}
	/* Neither covers the other: a fork at their common bits. */
	fork = node_add(acl, key, common, DS_ACL_NONE);
	acl->nodes[fork].child[ds__bit(key, common)] = fresh;
	acl->nodes[fork].child[ds__bit(acl->nodes[at].key, common)] = at;
	*link = fork;
	return 0;
}

/*
 * The key, length and trie of a prefix as an ACL stores it: host bits
 * cleared, and an IPv4-mapped prefix of /96 or longer as the IPv4 prefix
 * it covers (the rule is about IPv4 clients, which a dual-stack socket
 * names as ::ffff:a.b.c.d). Returns the trie or -EINVAL.
 */
static int
rule_key(const struct ds_prefix *p, uint8_t key[16], unsigned *ret_len)
{
	unsigned len = p->len;

	memset(key, 0, 16);
	switch (p->addr.family) {
	case AF_INET:
		if (len > 32)
			return -EINVAL;
		memcpy(key, p->addr.u.bytes, 4);
		ds__bits_clear_from(key, len, 4);
		*ret_len = len;
		return T_V4;
	case AF_INET6:
		if (len > 128)
			return -EINVAL;
		memcpy(key, p->addr.u.bytes, 16);
		ds__bits_clear_from(key, len, 16);
		if (len >= 96 && memcmp(key, mapped_prefix, 12) == 0) {
			memmove(key, key + 12, 4);
			memset(key + 4, 0, 12);
			*ret_len = len - 96;
			return T_V4;
		}
		*ret_len = len;
		return T_V6;
	}
	return -EINVAL;
}

int
ds_acl_add(
    struct ds_acl *acl, const struct ds_prefix *p, enum ds_acl_action action)
{
	uint8_t key[16];
	unsigned len;
	int t;

	if (!acl || !p || (action != DS_ACL_ALLOW && action != DS_ACL_DENY))
		return -EINVAL;
	t = rule_key(p, key, &len);
	if (t < 0)
		return t;
	return insert(acl, t, key, len, action);
}

/* --- Lookup -------------------------------------------------------------- */

enum ds_acl_action
ds_acl_match(const struct ds_acl *acl, const struct ds_addr *a,
    struct ds_prefix *matched)
{
	const struct node *best = NULL;
	struct ds_addr u;
	unsigned bits;
	uint32_t at;

	if (!acl || !a)
		return DS_ACL_NONE;
	/* A dual-stack socket names an IPv4 client ::ffff:a.b.c.d; it is
	 * checked as the IPv4 address it is, whoever the caller (the ACL's
	 * public entry is a boundary: see acl.h). The zone plays no part. */
	ds_addr_unmap(a, &u);
	if (u.family == AF_INET) {
		/* Only bytes 0-3 count, whatever the rest hold. */
		memset(u.u.bytes + 4, 0, 12);
		at = acl->root[T_V4];
		bits = 32;
	} else if (u.family == AF_INET6) {
		at = acl->root[T_V6];
		bits = 128;
	} else {
		return DS_ACL_NONE;
	}

	while (at != NIL) {
		const struct node *n = &acl->nodes[at];

		if (!ds__bits_equal(n->key, u.u.bytes, n->len))
			break;
		if (n->action != DS_ACL_NONE)
			best = n;
		if (n->len >= bits)
			break;
		at = n->child[ds__bit(u.u.bytes, n->len)];
	}
	if (!best)
		return DS_ACL_NONE;
	if (matched) {
		struct ds_prefix p;

		memset(&p, 0, sizeof(p));
		p.addr.family = u.family;
		memcpy(p.addr.u.bytes, best->key, sizeof(best->key));
		p.len = best->len;
		*matched = p;
	}
	return (enum ds_acl_action)best->action;
}

bool
ds_acl_check(const struct ds_acl *acl, const struct ds_addr *a)
{
	if (!acl)
		return true;
	switch (ds_acl_match(acl, a, NULL)) {
	case DS_ACL_ALLOW:
		return true;
	case DS_ACL_DENY:
		return false;
	case DS_ACL_NONE:
		break;
	}
	/* Nothing matched: an allow list denies, a block list allows. */
	return acl->n_allow == 0;
}

size_t
ds_acl_count(const struct ds_acl *acl, size_t *ret_allow, size_t *ret_deny)
{
	size_t allow = acl ? acl->n_allow : 0, deny = acl ? acl->n_deny : 0;

	if (ret_allow)
		*ret_allow = allow;
	if (ret_deny)
		*ret_deny = deny;
	return allow + deny;
}

/* --- Text ---------------------------------------------------------------- */

static int
fail(size_t *errpos, size_t pos, int err)
{
	if (errpos)
		*errpos = pos;
	return err;
}

int
ds_acl_parse_prefix(
    const char *s, size_t len, struct ds_prefix *ret, size_t *errpos)
{
	struct ds_prefix p;
	const char *colon;
	size_t pos = 0;
	int r;

	if (!ret || (!s && len))
		return -EINVAL;
	/* Zones are refused: a rule is about addresses, whatever link a
	 * packet came in on. */
	r = ds_prefix_parse(s, len, DS_PARSE_NO_ZONE, &p, &pos);
	if (r == 0) {
		/* "192.0.2.7/24" is the network the operator named. */
		ds_prefix_normalize(&p);
		*ret = p;
		return 0;
	}
	/*
	 * "192.0.2.1:80" reads as bad IPv6 to the address parser (it has a
	 * colon). One colon is never IPv6 (even "::" has two, RFC 4291
	 * section 2.2), so when what stands before it is IPv4, the colon
	 * starts a port: point at it. "[2001:db8::1]:80" is caught by the
	 * prefix parser already (text after the ']').
	 */
	colon = len ? memchr(s, ':', len) : NULL;
	if (colon && s[0] != '[') {
		size_t c = (size_t)(colon - s);
		struct ds_prefix v4;

		if (!memchr(colon + 1, ':', len - c - 1) &&
		    ds_prefix_parse(s, c, DS_PARSE_NO_ZONE, &v4, NULL) == 0 &&
		    v4.addr.family == AF_INET)
			return fail(errpos, c, -DS_E_TRAILING);
	}
	return fail(errpos, pos, r);
}

/* Blanks between words: space and tab. */
static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Skip blanks from *i; then the word at *i up to the next blank. */
static bool
next_word(
    const char *s, size_t len, size_t *i, size_t *ret_start, size_t *ret_len)
{
	size_t start;

	while (*i < len && is_blank(s[*i]))
		(*i)++;
	if (*i == len)
		return false;
	start = *i;
	while (*i < len && !is_blank(s[*i]))
		(*i)++;
	*ret_start = start;
	*ret_len = *i - start;
	return true;
}

static bool
word_is(const char *w, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(w, lit, n) == 0;
}

/*
 * One line, s[0..len) without its line end. Returns 1 for a rule added
 * (or already there), 0 for an empty or comment line, or an error with
 * *col set.
 */
static int
load_line(struct ds_acl *acl, const char *s, size_t len, size_t *col)
{
	enum ds_acl_action action;
	struct ds_prefix p;
	const char *hash, *nul;
	size_t i = 0, ks, kn, ps, pn, xs, xn, pos = 0;
	int r;

	/* A NUL is refused even in a comment: text with NULs is not text,
	 * and a C reader of the same file would stop short at it. */
	nul = memchr(s, '\0', len);
	if (nul) {
		*col = (size_t)(nul - s);
		return -DS_E_BAD_CHAR;
	}
	hash = memchr(s, '#', len);
	if (hash)
		len = (size_t)(hash - s);

	if (!next_word(s, len, &i, &ks, &kn))
		return 0;
	if (word_is(s + ks, kn, "allow")) {
		action = DS_ACL_ALLOW;
	} else if (word_is(s + ks, kn, "deny")) {
		action = DS_ACL_DENY;
	} else {
		*col = ks;
		return -DS_E_ACL_SYNTAX;
	}
	if (!next_word(s, len, &i, &ps, &pn)) {
		/* Where the prefix should have been. */
		*col = ks + kn;
		return -DS_E_ACL_SYNTAX;
	}
	r = ds_acl_parse_prefix(s + ps, pn, &p, &pos);
	if (r < 0) {
		*col = ps + pos;
		return r;
	}
	if (next_word(s, len, &i, &xs, &xn)) {
		*col = xs;
		return -DS_E_ACL_SYNTAX;
	}
	r = ds_acl_add(acl, &p, action);
	if (r < 0) {
		*col = ps;
		return r;
	}
	return 1;
}

int
ds_acl_load(struct ds_acl *acl, const char *buf, size_t len, unsigned *ret_line,
    size_t *ret_col)
{
	size_t pos = 0, col = 0;
	unsigned line = 0;
	int n = 0, r = 0;

	if (!acl || (!buf && len))
		return -EINVAL;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t llen = end - pos;

		/* A line number or a count that would not fit: no ACL
		 * file is that long (the last line that fits is named). */
		if (line < UINT_MAX)
			line++;
		if (line == UINT_MAX || n == INT_MAX) {
			r = -E2BIG;
			col = 0;
			break;
		}
		/* CRLF: the CR belongs to the line end. */
		if (llen > 0 && buf[end - 1] == '\r')
			llen--;
		r = load_line(acl, buf + pos, llen, &col);
		if (r < 0)
			break;
		n += r;
		pos = end + 1;
	}
	if (r < 0) {
		if (ret_line)
			*ret_line = line;
		if (ret_col)
			*ret_col = col;
		return r;
	}
	return n;
}
