/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for ACL files, ds_acl_load(): the text an operator (or
 * whoever can write the file) hands to a server's --acl option.
 *
 * The input is loaded into a new ACL. Besides "no crash, no undefined
 * behaviour, no read past the input", the promises of the header:
 *
 * - a failed load returns a documented code, names a line that exists
 *   (1-based) and a column within it; the rules before that line stay
 *   added: the text up to the bad line loads alone, with the same counts;
 * - a successful load returns the number of rule lines, counted here
 *   with a reader of our own;
 * - every rule's prefix matches itself with its action (or a longer rule
 *   inside it), and longest match agrees with a linear search over the
 *   rules for addresses made from the input's bytes, IPv4 ones also in
 *   their mapped form;
 * - ds_acl_check() follows from the match and the allow/deny counts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dualstack/acl.h"
#include "dualstack/addr.h"
#include "dualstack/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs past this are cut: a long file is only more lines. */
#define MAX_INPUT 4096

/* Rules kept for the reference; a 4 KiB input holds fewer. */
#define MAX_RULES 1024

static const uint8_t *cur_data;
static size_t cur_size;

static void
die(const char *what, int line)
{
	fprintf(stderr, "acl.c:%d: check failed: %s\ninput: \"", line, what);
	for (size_t i = 0; i < cur_size; i++) {
		uint8_t c = cur_data[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fprintf(stderr, "\"\n");
	abort();
}

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			die(#cond, __LINE__);                                  \
	} while (0)

struct rule {
	struct ds_prefix p; /* as stored: normalised, mapped as IPv4 */
	enum ds_acl_action action;
};

static struct rule rules[MAX_RULES];
static size_t n_rules;

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The words of a line, without its comment: at most 3 are kept. */
static size_t
words(const char *s, size_t len, const char **w, size_t *wl)
{
	size_t n = 0, i = 0;

	for (size_t k = 0; k < len; k++) {
		if (s[k] == '#') {
			len = k;
			break;
		}
	}
	while (i < len) {
		size_t start;

		if (is_blank(s[i])) {
			i++;
			continue;
		}
		start = i;
		while (i < len && !is_blank(s[i]))
			i++;
		if (n < 3) {
			w[n] = s + start;
			wl[n] = i - start;
		}
		n++;
	}
	return n;
}

/* The rule as an ACL stores it: mapped /96 and longer as IPv4. */
static void
as_stored(struct ds_prefix *p)
{
	if (p->addr.family == AF_INET6 && p->len >= 96 &&
	    ds_addr_unmap(&p->addr, &p->addr))
		p->len -= 96;
}

/*
 * After a successful load, read the text again: every line with a word
 * is a rule line "KEYWORD PREFIX". Returns the number of rule lines and
 * keeps the distinct rules.
 */
static int
reread(const char *buf, size_t len)
{
	size_t pos = 0;
	int n = 0;

	n_rules = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len, llen = end - pos;
		const char *w[3];
		size_t wl[3], nw;
		struct ds_prefix p;
		enum ds_acl_action action;
		bool seen = false;

		if (llen && buf[end - 1] == '\r')
			llen--;
		nw = words(buf + pos, llen, w, wl);
		pos = end + 1;
		if (nw == 0)
			continue;
		CHECK(nw == 2);
		n++;
		CHECK(wl[0] == 4 || wl[0] == 5);
		action = wl[0] == 5 ? DS_ACL_ALLOW : DS_ACL_DENY;
		CHECK(memcmp(w[0], action == DS_ACL_ALLOW ? "allow" : "deny",
		          wl[0]) == 0);
		CHECK(ds_acl_parse_prefix(w[1], wl[1], &p, NULL) == 0);
		as_stored(&p);
		for (size_t i = 0; i < n_rules; i++) {
			if (ds_prefix_compare(&rules[i].p, &p) == 0) {
				CHECK(rules[i].action == action);
				seen = true;
			}
		}
		if (!seen && n_rules < MAX_RULES) {
			rules[n_rules].p = p;
			rules[n_rules].action = action;
			n_rules++;
		}
	}
	return n;
}

/* Longest match by looking at every rule. */
static enum ds_acl_action
linear_match(const struct ds_addr *a, struct ds_prefix *ret)
{
	const struct rule *best = NULL;
	struct ds_addr u;

	ds_addr_unmap(a, &u);
	for (size_t i = 0; i < n_rules; i++) {
		if (ds_prefix_contains(&rules[i].p, &u) &&
		    (!best || rules[i].p.len > best->p.len))
			best = &rules[i];
	}
	if (!best)
		return DS_ACL_NONE;
	*ret = best->p;
	return best->action;
}

static void
check_addr(const struct ds_acl *acl, const struct ds_addr *a, bool exact,
    size_t n_allow)
{
	struct ds_prefix got, want;
	enum ds_acl_action g, w;

	memset(&got, 0, sizeof(got));
	memset(&want, 0, sizeof(want));
	g = ds_acl_match(acl, a, &got);
	CHECK(g == DS_ACL_NONE || g == DS_ACL_ALLOW || g == DS_ACL_DENY);
	CHECK(ds_acl_check(acl, a) ==
	    (g == DS_ACL_ALLOW || (g == DS_ACL_NONE && n_allow == 0)));
	if (g != DS_ACL_NONE) {
		struct ds_addr u;

		ds_addr_unmap(a, &u);
		CHECK(ds_prefix_contains(&got, &u));
		CHECK(got.addr.zone[0] == '\0');
	}
	if (!exact)
		return;
	w = linear_match(a, &want);
	CHECK(g == w);
	CHECK(memcmp(&got, &want, sizeof(got)) == 0);
}

/* Addresses from the input's bytes: IPv4, its mapped form, IPv6, and
 * each rule's first address. */
static void
check_addrs(const struct ds_acl *acl, const uint8_t *s, size_t len, bool exact,
    size_t n_allow)
{
	for (size_t i = 0; i + 4 <= len && i < 256; i += 4) {
		struct ds_addr a, m;
		uint32_t v;

		memcpy(&v, s + i, 4);
		ds_addr_from_v4(v, &a);
		check_addr(acl, &a, exact, n_allow);
		CHECK(ds_addr_map(&a, &m) == 0);
		CHECK(
		    ds_acl_match(acl, &a, NULL) == ds_acl_match(acl, &m, NULL));
		check_addr(acl, &m, exact, n_allow);
	}
	for (size_t i = 0; i + 16 <= len && i < 512; i += 16) {
		struct ds_addr a;

		ds_addr_from_v6(s + i, &a);
		check_addr(acl, &a, exact, n_allow);
	}
	if (!exact)
		return;
	for (size_t i = 0; i < n_rules; i++) {
		struct ds_prefix got;
		enum ds_acl_action g;
		struct ds_addr last;

		g = ds_acl_match(acl, &rules[i].p.addr, &got);
		CHECK(g != DS_ACL_NONE);
		CHECK(ds_prefix_contains_prefix(&rules[i].p, &got));
		if (got.len == rules[i].p.len)
			CHECK(g == rules[i].action);
		check_addr(acl, &rules[i].p.addr, true, n_allow);
		ds_prefix_last(&rules[i].p, &last);
		check_addr(acl, &last, true, n_allow);
	}
}

static bool
documented(int r)
{
	return r == -ENOMEM || r == -E2BIG ||
	    (r <= -DS_E_EMPTY && r > -DS_E_MAX);
}

static void
fuzz_one(const char *s, size_t len)
{
	struct ds_acl *acl = NULL, *before = NULL;
	size_t n_allow, n_deny, lines = 1, start = 0, llen;
	unsigned line = 0;
	size_t col = (size_t)-1;
	int r;

	if (ds_acl_new(&acl) < 0)
		return;
	r = ds_acl_load(acl, s, len, &line, &col);
	ds_acl_count(acl, &n_allow, &n_deny);
	if (r >= 0) {
		CHECK(r == reread(s, len));
		CHECK(n_allow + n_deny == n_rules);
		check_addrs(acl, (const uint8_t *)s, len, true, n_allow);
		ds_acl_free(acl);
		return;
	}

	CHECK(documented(r));
	CHECK(r != -ENOMEM && r != -E2BIG);
	CHECK(line >= 1);
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\n')
			continue;
		if (lines == line)
			break;
		lines++;
		start = i + 1;
	}
	CHECK(lines == line);
	llen = 0;
	while (start + llen < len && s[start + llen] != '\n')
		llen++;
	CHECK(col <= llen);

	/* What came before the bad line is a good file of the same rules. */
	CHECK(ds_acl_new(&before) == 0);
	r = ds_acl_load(before, s, start, NULL, NULL);
	CHECK(r >= 0);
	{
		size_t a2, d2;

		ds_acl_count(before, &a2, &d2);
		CHECK(a2 == n_allow && d2 == n_deny);
	}
	check_addrs(acl, (const uint8_t *)s, len, false, n_allow);
	ds_acl_free(before);
	ds_acl_free(acl);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > MAX_INPUT)
		size = MAX_INPUT;
	cur_data = data;
	cur_size = size;
	/* Exactly 'size' bytes: an over-read is caught. */
	s = malloc(size ? size : 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	fuzz_one(s, size);
	free(s);
	return 0;
}
