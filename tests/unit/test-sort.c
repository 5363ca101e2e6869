/* SPDX-License-Identifier: MIT */
/*
 * ds_policy_*, ds_sort_*: the RFC 6724 default table, every destination
 * selection example of RFC 6724 section 10.2 (in the RFC's order and
 * reversed), policy changes in the spirit of sections 10.3-10.7 written as
 * gai.conf lines, the gai.conf parser's glibc semantics and its errors, the
 * rules the examples do not reach (3, 4, 7, 10, rule 1 with several), and
 * the kernel's source address on loopback.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"
#include "dualstack/sort.h"

/* An address from text (either family, zone allowed). */
static struct ds_addr
addr(const char *text)
{
	struct ds_addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(ds_addr_parse(text, strlen(text), 0, &a, NULL), 0);
	return a;
}

/* A candidate: destination and source text; NULL source means none. */
static struct ds_sort_cand
cand(const char *dst, const char *src)
{
	struct ds_sort_cand c;

	memset(&c, 0, sizeof(c));
	c.dst = addr(dst);
	if (src)
		c.src = addr(src);
	return c;
}

static void
assert_addr(const struct ds_addr *a, const char *want)
{
	char buf[DS_ADDR_STRLEN];

	assert_true(ds_addr_format(a, 0, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, want);
}

/* --- Default table -------------------------------------------------------- */

struct lookup_case {
	const char *addr;
	unsigned precedence, label;
};

static const struct lookup_case default_cases[] = {
    {"::1", 50, 0},
    {"2001:db8::1", 40, 1}, /* ::/0: not Teredo, 2001:db8 != 2001:0 */
    {"192.0.2.1", 35, 4},   /* as ::ffff:192.0.2.1 */
    {"127.0.0.1", 35, 4},   /* RFC 6724, not ::1 (old glibc did that) */
    {"10.1.2.3", 35, 4},
    {"::ffff:198.51.100.1", 35, 4},
    {"2002::1", 30, 2},
    {"2002:c633:6401::1", 30, 2},
    {"2001:0::1", 5, 5}, /* Teredo */
    {"2001:0:ffff::1", 5, 5},
    {"2001:1::1", 40, 1}, /* just past Teredo's /32 */
    {"fd00::1", 3, 13},
    {"fc00::1", 3, 13},
    {"fe80::1", 40, 1},    /* link-local is not in the table */
    {"::192.0.2.1", 1, 3}, /* ::/96 IPv4-compatible */
    {"::", 1, 3},          /* :: is in ::/96 too */
    {"fec0::1", 1, 11},
    {"3ffe::1", 1, 12},
    {"ff02::1", 40, 1},
};

static void
test_default_lookup(void **state)
{
	struct ds_policy pol;

	(void)state;
	ds_policy_default(&pol);
	assert_int_equal(pol.n_precedence, 9);
	assert_int_equal(pol.n_label, 9);
	for (size_t i = 0; i < sizeof(default_cases) / sizeof(default_cases[0]);
	     i++) {
		const struct lookup_case *c = &default_cases[i];
		struct ds_addr a = addr(c->addr);
		unsigned p = 999, l = 999;

		print_message("lookup %s\n", c->addr);
		assert_int_equal(ds_policy_lookup(&pol, &a, &p, &l), 0);
		assert_int_equal(p, c->precedence);
		assert_int_equal(l, c->label);
	}
}

static void
test_lookup_errors(void **state)
{
	struct ds_policy pol;
	struct ds_addr none;
	unsigned p = 7, l = 7;

	(void)state;
	ds_policy_default(&pol);
	memset(&none, 0, sizeof(none));
	assert_int_equal(ds_policy_lookup(&pol, &none, &p, &l), -EAFNOSUPPORT);
	/* NULL out-pointers are allowed. */
	none = addr("::1");
	assert_int_equal(ds_policy_lookup(&pol, &none, NULL, &l), 0);
	assert_int_equal(l, 0);
	/* A hand-made table without ::/0: no match. */
	pol.n_label = 1; /* ::1/128 only */
	pol.n_precedence = 1;
	none = addr("2001:db8::1");
	assert_int_equal(ds_policy_lookup(&pol, &none, &p, &l), 0);
	assert_int_equal(p, 0);
	assert_int_equal(l, DS_POLICY_NO_LABEL);
}

/* --- Sorting helpers ------------------------------------------------------ */

#define MAXC 6

struct sort_case {
	const char *name;
	const char *dst[MAXC]; /* input order */
	const char *src[MAXC]; /* Source(dst[i]); NULL: none */
	size_t n;
	const char *want[MAXC]; /* output order */
	unsigned rules[MAXC];   /* rule between want[i] and want[i + 1] */
};

/* Sort c with pol, in the given order or reversed, and check all. */
static void
check_sort(const struct ds_policy *pol, const struct sort_case *c, bool rev)
{
	struct ds_sort_cand list[MAXC];

	print_message("%s%s\n", c->name, rev ? " (reversed input)" : "");
	for (size_t i = 0; i < c->n; i++) {
		size_t k = rev ? c->n - 1 - i : i;

		list[i] = cand(c->dst[k], c->src[k]);
	}
	assert_int_equal(ds_sort(pol, list, c->n), 0);
	for (size_t i = 0; i < c->n; i++) {
		assert_addr(&list[i].dst, c->want[i]);
		assert_int_equal(list[i].rule, c->rules[i]);
	}
}

/*
 * RFC 6724 section 10.2. The RFC lists the host's candidate source
 * addresses; Source(D) below is what section 5 picks among them for each
 * destination (e.g. in the first example 169.254.13.78 is the only IPv4
 * source, and 2001:db8:1::2 wins for 2001:db8:1::1 by scope).
 */
static const struct sort_case rfc_cases[] = {
    {"10.2 #1: IPv6 scope matches, IPv4 link-local source does not",
        {"2001:db8:1::1", "198.51.100.121"}, {"2001:db8:1::2", "169.254.13.78"},
        2, {"2001:db8:1::1", "198.51.100.121"}, {2, 0}},
    {"10.2 #2: only a link-local IPv6 source",
        {"2001:db8:1::1", "198.51.100.121"}, {"fe80::1", "198.51.100.117"}, 2,
        {"198.51.100.121", "2001:db8:1::1"}, {2, 0}},
    {"10.2 #3: private IPv4 is global scope; precedence decides",
        {"2001:db8:1::1", "10.1.2.3"}, {"2001:db8:1::2", "10.1.2.4"}, 2,
        {"2001:db8:1::1", "10.1.2.3"}, {6, 0}},
    {"10.2 #4: smaller scope", {"2001:db8:1::1", "fe80::1"},
        {"2001:db8:1::2", "fe80::2"}, 2, {"fe80::1", "2001:db8:1::1"}, {8, 0}},
    {"10.2 #5: longest matching prefix", {"2001:db8:1::1", "2001:db8:3ffe::1"},
        {"2001:db8:1::2", "2001:db8:3f44::2"}, 2,
        {"2001:db8:1::1", "2001:db8:3ffe::1"}, {9, 0}},
    {"10.2 #6: matching label (6to4 source)",
        {"2002:c633:6401::1", "2001:db8:1::1"},
        {"2002:c633:6401::2", "2002:c633:6401::2"}, 2,
        {"2002:c633:6401::1", "2001:db8:1::1"}, {5, 0}},
    {"10.2 #7: native beats 6to4 by precedence",
        {"2002:c633:6401::1", "2001:db8:1::1"},
        {"2002:c633:6401::2", "2001:db8:1::2"}, 2,
        {"2001:db8:1::1", "2002:c633:6401::1"}, {6, 0}},
};

static void
test_rfc_examples(void **state)
{
	struct ds_policy pol;

	(void)state;
	ds_policy_default(&pol);
	for (size_t i = 0; i < sizeof(rfc_cases) / sizeof(rfc_cases[0]); i++) {
		check_sort(&pol, &rfc_cases[i], false);
		check_sort(&pol, &rfc_cases[i], true);
	}
}

/* The annotations behind example 5 and example 1. */
static void
test_annotate(void **state)
{
	struct ds_policy pol;
	struct ds_sort_cand a = cand("2001:db8:1::1", "2001:db8:1::2");
	struct ds_sort_cand b = cand("2001:db8:3ffe::1", "2001:db8:3f44::2");
	struct ds_sort_cand v4 = cand("198.51.100.121", "169.254.13.78");
	struct ds_sort_cand none = cand("2001:db8::1", NULL);
	unsigned rule = 0;

	(void)state;
	ds_policy_default(&pol);
	assert_int_equal(ds_sort_annotate(&pol, &a), 0);
	assert_int_equal(ds_sort_annotate(&pol, &b), 0);
	/* 126 bits in common, capped at the /64 (RFC 6724 section 2.2). */
	assert_int_equal(a.common_prefix, 64);
	/* 2001:db8:3ffe vs 2001:db8:3f44: 32 + 8 bits. */
	assert_int_equal(b.common_prefix, 40);
	assert_int_equal(a.precedence, 40);
	assert_int_equal(a.dst_label, 1);
	assert_int_equal(a.src_label, 1);
	assert_int_equal(a.dst_scope, 14);
	assert_int_equal(a.src_scope, 14);
	assert_true(ds_sort_compare(&a, &b, &rule) < 0);
	assert_int_equal(rule, DS_SORT_RULE_PREFIX);
	assert_true(ds_sort_compare(&b, &a, &rule) > 0);
	assert_int_equal(rule, DS_SORT_RULE_PREFIX);

	/* An explicit source prefix length moves the cap. */
	a.src_plen = 48;
	assert_int_equal(ds_sort_annotate(&pol, &a), 0);
	assert_int_equal(a.common_prefix, 48);
	a.src_plen = 128;
	assert_int_equal(ds_sort_annotate(&pol, &a), 0);
	assert_int_equal(a.common_prefix, 126);

	assert_int_equal(ds_sort_annotate(&pol, &v4), 0);
	assert_int_equal(v4.precedence, 35);
	assert_int_equal(v4.dst_label, 4);
	assert_int_equal(v4.src_label, 4);
	assert_int_equal(v4.dst_scope, 14);
	assert_int_equal(v4.src_scope, 2);
	assert_int_equal(v4.common_prefix, 0); /* IPv4, no prefix length */

	assert_int_equal(ds_sort_annotate(&pol, &none), 0);
	assert_int_equal(none.src_label, DS_POLICY_NO_LABEL);
	assert_int_equal(none.src_scope, 0);
	assert_int_equal(none.common_prefix, 0);
}

/* --- Rules the RFC examples do not reach ---------------------------------- */

static void
test_rule1_unusable_last(void **state)
{
	static const struct sort_case c = {"rule 1 with several",
	    {"2001:db8::1", "192.0.2.1", "2001:db8::2", "198.51.100.1"},
	    {NULL, NULL, "2001:db8::99", "198.51.100.2"}, 4,
	    {"2001:db8::2", "198.51.100.1", "2001:db8::1", "192.0.2.1"},
	    {6, 1, 6, 0}};
	static const struct sort_case single = {"rule 1 alone",
	    {"::1", "192.0.2.1"}, {NULL, "192.0.2.2"}, 2, {"192.0.2.1", "::1"},
	    {1, 0}};
	struct ds_policy pol;

	(void)state;
	ds_policy_default(&pol);
	check_sort(&pol, &c, false);
	check_sort(&pol, &single, false);
	check_sort(&pol, &single, true);
}

static void
test_rule10_stable(void **state)
{
	/* Equal in every rule: the input order stays (DNS round-robin). */
	static const struct sort_case v6 = {"rule 10, IPv6",
	    {"2001:db8::3", "2001:db8::1", "2001:db8::2"},
	    {"2001:db8:ffff::1", "2001:db8:ffff::1", "2001:db8:ffff::1"}, 3,
	    {"2001:db8::3", "2001:db8::1", "2001:db8::2"}, {10, 10, 0}};
	/* IPv4 sources have no known prefix length: rule 9 stays out. */
	static const struct sort_case v4 = {"rule 10, IPv4",
	    {"192.0.2.3", "192.0.2.200", "192.0.2.2"},
	    {"192.0.2.100", "192.0.2.100", "192.0.2.100"}, 3,
	    {"192.0.2.3", "192.0.2.200", "192.0.2.2"}, {10, 10, 0}};
	/* Two unusable ones keep their order too. */
	static const struct sort_case dead = {"rule 10, no sources",
	    {"2001:db8::3", "2001:db8::1"}, {NULL, NULL}, 2,
	    {"2001:db8::3", "2001:db8::1"}, {10, 0}};
	struct ds_policy pol;

	(void)state;
	ds_policy_default(&pol);
	check_sort(&pol, &v6, false);
	check_sort(&pol, &v4, false);
	check_sort(&pol, &dead, false);
}

/* Rules 3, 4 and 7 depend on flags: two otherwise equal candidates. */
static void
test_rules_flags(void **state)
{
	struct ds_policy pol;
	struct ds_sort_cand l[2];

	(void)state;
	ds_policy_default(&pol);

	l[0] = cand("2001:db8::1", "2001:db8::a");
	l[1] = cand("2001:db8::2", "2001:db8::a");
	l[0].src_deprecated = true;
	assert_int_equal(ds_sort(&pol, l, 2), 0);
	assert_addr(&l[0].dst, "2001:db8::2");
	assert_int_equal(l[0].rule, DS_SORT_RULE_DEPRECATED);

	l[0] = cand("2001:db8::1", "2001:db8::a");
	l[1] = cand("2001:db8::2", "2001:db8::b");
	l[1].src_home = true;
	l[1].src_careof = true;
	assert_int_equal(ds_sort(&pol, l, 2), 0);
	assert_addr(&l[0].dst, "2001:db8::2");
	assert_int_equal(l[0].rule, DS_SORT_RULE_HOME);

	/* Home-only beats care-of-only. */
	l[0] = cand("2001:db8::1", "2001:db8::a");
	l[1] = cand("2001:db8::2", "2001:db8::b");
	l[0].src_careof = true;
	l[1].src_home = true;
	assert_int_equal(ds_sort(&pol, l, 2), 0);
	assert_addr(&l[0].dst, "2001:db8::2");
	assert_int_equal(l[0].rule, DS_SORT_RULE_HOME);

	l[0] = cand("2001:db8::1", "2001:db8::a");
	l[1] = cand("2001:db8::2", "2001:db8::a");
	l[0].dst_encapsulated = true;
	assert_int_equal(ds_sort(&pol, l, 2), 0);
	assert_addr(&l[0].dst, "2001:db8::2");
	assert_int_equal(l[0].rule, DS_SORT_RULE_NATIVE);
	assert_int_equal(l[1].rule, DS_SORT_RULE_NONE);
}

static void
test_sort_errors(void **state)
{
	struct ds_policy pol;
	struct ds_sort_cand l[DS_SORT_MAX + 1];
	struct ds_sort_cand a, b;
	unsigned rule = 0;

	(void)state;
	ds_policy_default(&pol);
	memset(l, 0, sizeof(l));
	for (size_t i = 0; i < DS_SORT_MAX + 1; i++)
		l[i] = cand("2001:db8::1", "2001:db8::2");
	assert_int_equal(ds_sort(&pol, l, DS_SORT_MAX + 1), -EINVAL);
	assert_int_equal(ds_sort(&pol, l, DS_SORT_MAX), 0);
	assert_int_equal(l[DS_SORT_MAX - 1].rule, 0);
	assert_int_equal(l[0].rule, DS_SORT_RULE_ORDER);
	assert_int_equal(ds_sort(&pol, l, 0), 0);

	memset(&l[1].dst, 0, sizeof(l[1].dst));
	assert_int_equal(ds_sort(&pol, l, 2), -EAFNOSUPPORT);

	a = cand("2001:db8::1", "2001:db8::2");
	b = a;
	assert_int_equal(ds_sort_annotate(&pol, &a), 0);
	assert_int_equal(ds_sort_annotate(&pol, &b), 0);
	assert_int_equal(ds_sort_compare(&a, &b, &rule), 0);
	assert_int_equal(rule, DS_SORT_RULE_ORDER);
	assert_int_equal(ds_sort_compare(&a, &b, NULL), 0);
}

static void
test_rule_names(void **state)
{
	(void)state;
	assert_string_equal(ds_sort_rule_name(0), "none");
	assert_string_equal(
	    ds_sort_rule_name(1), "avoid unusable destinations");
	assert_string_equal(ds_sort_rule_name(2), "prefer matching scope");
	assert_string_equal(ds_sort_rule_name(5), "prefer matching label");
	assert_string_equal(ds_sort_rule_name(6), "prefer higher precedence");
	assert_string_equal(ds_sort_rule_name(8), "prefer smaller scope");
	assert_string_equal(ds_sort_rule_name(10), "keep the original order");
	assert_string_equal(ds_sort_rule_name(11), "unknown");
	for (unsigned r = 0; r <= 10; r++)
		assert_string_not_equal(ds_sort_rule_name(r), "unknown");
	assert_string_equal(
	    ds_strerror(-DS_E_POLICY_KEYWORD), "unknown keyword");
	assert_string_equal(
	    ds_strerror(-DS_E_POLICY_TOO_MANY), "too many rows");
}

/* --- gai.conf ------------------------------------------------------------- */

static int
parse(const char *text, struct ds_policy *pol, struct ds_policy_diag *d)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1); /* exact size, for ASan */
	int r;

	assert_non_null(copy);
	memcpy(copy, text, len);
	memset(d, 0, sizeof(*d));
	r = ds_policy_parse_gai(copy, len, pol, d);
	free(copy);
	return r;
}

static void
lookup(const struct ds_policy *pol, const char *a, unsigned want_prec,
    unsigned want_label)
{
	struct ds_addr x = addr(a);
	unsigned p, l;

	print_message("lookup %s\n", a);
	assert_int_equal(ds_policy_lookup(pol, &x, &p, &l), 0);
	assert_int_equal(p, want_prec);
	assert_int_equal(l, want_label);
}

/* The RFC 6724 default table, as a gai.conf spells it. */
#define GAI_DEFAULT_LABELS                                                     \
	"label ::1/128       0\n"                                              \
	"label ::/0          1\n"                                              \
	"label 2002::/16     2\n"                                              \
	"label ::/96         3\n"                                              \
	"label ::ffff:0:0/96 4\n"                                              \
	"label fec0::/10     11\n"                                             \
	"label 3ffe::/16     12\n"                                             \
	"label 2001::/32     5\n"                                              \
	"label fc00::/7      13\n"

static void
test_gai_valid(void **state)
{
	struct ds_policy pol, def;
	struct ds_policy_diag d;

	(void)state;
	ds_policy_default(&def);

	/* Empty, blank and comment-only files: the defaults. */
	assert_int_equal(parse("", &pol, &d), 0);
	assert_memory_equal(&pol, &def, sizeof(pol));
	assert_int_equal(
	    parse("\n  \t\n# label ::/0 7\n   # x\n\r\n", &pol, &d), 0);
	assert_memory_equal(&pol, &def, sizeof(pol));

	/* Comments after values, tabs, CRLF, no final newline. */
	assert_int_equal(parse("#gai.conf\r\n"
	                       "precedence\t::1/128\t50 # loopback\r\n"
	                       "  precedence ::/0 40\n"
	                       "precedence ::ffff:0:0/96 100#v4 first\n"
	                       "reload no\n"
	                       "reload yes\n"
	                       "scopev4 ::ffff:169.254.0.0/112 2\n"
	                       "scopev4 127.0.0.0/8 2\n"
	                       "scopev4 0.0.0.0/0 14",
	                     &pol, &d),
	    0);
	assert_int_equal(d.reason, 0);
	assert_int_equal(pol.n_precedence, 3); /* has its own ::/0 */
	assert_int_equal(pol.n_label, 9);      /* labels untouched */
	lookup(&pol, "::1", 50, 0);
	lookup(&pol, "2001:db8::1", 40, 1);
	lookup(&pol, "192.0.2.1", 100, 4);
	/* Replaced: 2002::/16 no longer has its own precedence... */
	lookup(&pol, "2002::1", 40, 2);
	/* ...and fd00::/8 neither. */
	lookup(&pol, "fd00::1", 40, 13);

	/* A bare address is a /128. */
	assert_int_equal(parse("precedence 2001:db8::1 77\n", &pol, &d), 0);
	lookup(&pol, "2001:db8::1", 77, 1);
	lookup(&pol, "2001:db8::2", 40, 1);

	/* The whole default label table written out: same lookups. */
	assert_int_equal(parse(GAI_DEFAULT_LABELS, &pol, &d), 0);
	assert_int_equal(pol.n_label, 9);
	for (size_t i = 0; i < sizeof(default_cases) / sizeof(default_cases[0]);
	     i++)
		lookup(&pol, default_cases[i].addr, default_cases[i].precedence,
		    default_cases[i].label);
}

/*
 * glibc semantics: one label line replaces the whole label table (with a
 * ::/0 row added when the file has none), and leaves precedence alone.
 */
static void
test_gai_replace(void **state)
{
	struct ds_policy pol;
	struct ds_policy_diag d;

	(void)state;
	assert_int_equal(parse("label 2001:db8::/32 7\n", &pol, &d), 0);
	assert_int_equal(pol.n_label, 2); /* the line + implicit ::/0 1 */
	assert_int_equal(pol.n_precedence, 9);
	lookup(&pol, "2001:db8::1", 40, 7);
	lookup(&pol, "::1", 50, 1);       /* label 0 is gone */
	lookup(&pol, "192.0.2.1", 35, 1); /* label 4 is gone */
	lookup(&pol, "2002::1", 30, 1);

	/* Precedence alone: labels keep their defaults; ::/0 gets 40. */
	assert_int_equal(parse("precedence ::ffff:0:0/96 100\n", &pol, &d), 0);
	assert_int_equal(pol.n_precedence, 2);
	assert_int_equal(pol.n_label, 9);
	lookup(&pol, "192.0.2.1", 100, 4);
	lookup(&pol, "::1", 40, 0); /* 50 is gone with the defaults */
	lookup(&pol, "2002::1", 40, 2);

	/* A file's own /0 row is used, no implicit one is added. */
	assert_int_equal(
	    parse("precedence ::/0 3\nlabel ::/0 9\n", &pol, &d), 0);
	assert_int_equal(pol.n_precedence, 1);
	assert_int_equal(pol.n_label, 1);
	lookup(&pol, "::1", 3, 9);
	lookup(&pol, "10.0.0.1", 3, 9);

	/* Longest match wins whatever the line order; equal: first line. */
	assert_int_equal(parse("label ::/0 1\nlabel 2001:db8::/32 2\n"
	                       "label 2001:db8:1::/48 3\n"
	                       "label 2001:db8:1::/48 4\n",
	                     &pol, &d),
	    0);
	lookup(&pol, "2001:db8:1::1", 40, 3);
	lookup(&pol, "2001:db8:2::1", 40, 2);

	/* Only bad label lines: the label table is not replaced. */
	assert_int_equal(
	    parse("label 10.0.0.0/8 5\n", &pol, &d), -DS_E_POLICY_PREFIX);
	assert_int_equal(pol.n_label, 9);
	lookup(&pol, "::1", 50, 0);
}

struct gai_bad {
	const char *text;
	size_t line, column;
	int reason;
};

static const struct gai_bad gai_bad_cases[] = {
    {"foo ::/0 1\n", 1, 1, DS_E_POLICY_KEYWORD},
    {"Label ::/0 1\n", 1, 1, DS_E_POLICY_KEYWORD},
    {"label\n", 1, 6, DS_E_POLICY_MISSING},
    {"label ::1/128\n", 1, 14, DS_E_POLICY_MISSING},
    {"precedence ::1/128 # 50\n", 1, 19, DS_E_POLICY_MISSING},
    {"reload\n", 1, 7, DS_E_POLICY_MISSING},
    {"scopev4 ::ffff:0:0/96\n", 1, 22, DS_E_POLICY_MISSING},
    {"label 10.0.0.0/8 3\n", 1, 7, DS_E_POLICY_PREFIX},
    {"label fe80::/10%eth0 3\n", 1, 16, DS_E_POLICY_PREFIX},
    {"label ::1/129 3\n", 1, 11, DS_E_POLICY_PREFIX},
    {"label  xyz 3\n", 1, 8, DS_E_POLICY_PREFIX},
    {"scopev4 2001:db8::/32 2\n", 1, 9, DS_E_POLICY_PREFIX},
    {"scopev4 ::ffff:0:0/80 2\n", 1, 9, DS_E_POLICY_PREFIX},
    {"precedence ::/0 -1\n", 1, 17, DS_E_POLICY_VALUE},
    {"precedence ::/0 +1\n", 1, 17, DS_E_POLICY_VALUE},
    {"precedence ::/0 2147483648\n", 1, 17, DS_E_POLICY_VALUE},
    {"precedence ::/0 99999999999\n", 1, 17, DS_E_POLICY_VALUE},
    {"precedence ::/0 4x\n", 1, 17, DS_E_POLICY_VALUE},
    {"reload maybe\n", 1, 8, DS_E_POLICY_VALUE},
    {"scopev4 127.0.0.0/8 x\n", 1, 21, DS_E_POLICY_VALUE},
    {"precedence ::/0 40 extra\n", 1, 20, DS_E_POLICY_TRAILING},
    {"reload yes no\n", 1, 12, DS_E_POLICY_TRAILING},
    /* The first bad line is reported, counted from 1, blanks included. */
    {"\n# c\nlabel ::1 0\nbogus\nlabel x 1\n", 4, 1, DS_E_POLICY_KEYWORD},
    {"label ::1 0\r\n\r\n  label ::/0\n", 3, 13, DS_E_POLICY_MISSING},
};

static void
test_gai_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(gai_bad_cases) / sizeof(gai_bad_cases[0]);
	     i++) {
		const struct gai_bad *c = &gai_bad_cases[i];
		struct ds_policy pol;
		struct ds_policy_diag d;

		print_message("bad case %zu\n", i);
		assert_int_equal(parse(c->text, &pol, &d), -c->reason);
		assert_int_equal(d.reason, c->reason);
		assert_int_equal(d.line, c->line);
		assert_int_equal(d.column, c->column);
		if (c->reason == DS_E_POLICY_PREFIX)
			assert_true(d.detail > DS_E_BASE);
		else
			assert_int_equal(d.detail, 0);
	}
}

/* Bad lines are skipped; the good ones still make the table. */
static void
test_gai_bad_keeps_good(void **state)
{
	struct ds_policy pol;
	struct ds_policy_diag d;

	(void)state;
	assert_int_equal(parse("label 2001:db8::/32 7\n"
	                       "label 10.0.0.0/8 5\n"
	                       "precedence ::/0 40 trailing\n"
	                       "precedence ::ffff:0:0/96 x\n"
	                       "label fd00::/8 8\n",
	                     &pol, &d),
	    -DS_E_POLICY_PREFIX);
	assert_int_equal(d.line, 2);
	assert_int_equal(d.reason, DS_E_POLICY_PREFIX);
	assert_int_equal(d.detail, DS_E_FAMILY);
	assert_int_equal(pol.n_label, 3);      /* two lines + implicit ::/0 */
	assert_int_equal(pol.n_precedence, 1); /* the trailing-text row */
	lookup(&pol, "2001:db8::1", 40, 7);
	lookup(&pol, "fd00::1", 40, 8);
	lookup(&pol, "10.0.0.1", 40, 1);

	/* diag may be NULL. */
	assert_int_equal(
	    ds_policy_parse_gai("x\n", 2, &pol, NULL), -DS_E_POLICY_KEYWORD);
}

static void
test_gai_too_many(void **state)
{
	char *text = malloc(64 * (DS_POLICY_MAX + 2));
	struct ds_policy pol, sentinel;
	struct ds_policy_diag d;
	size_t len = 0;

	(void)state;
	assert_non_null(text);
	/* Exactly DS_POLICY_MAX label lines, none /0: fits, plus ::/0. */
	for (unsigned i = 0; i < DS_POLICY_MAX; i++)
		len += (size_t)sprintf(
		    text + len, "label 2001:db8:%x::/48 %u\n", i, i + 100);
	memset(&d, 0, sizeof(d));
	assert_int_equal(ds_policy_parse_gai(text, len, &pol, &d), 0);
	assert_int_equal(pol.n_label, DS_POLICY_MAX + 1);
	lookup(&pol, "2001:db8:3f::1", 40, 163);
	lookup(&pol, "2001:db8:40::1", 40, 1);

	/* One more (after a bad line): DS_E_POLICY_TOO_MANY wins, at that line;
	 * *ret is not touched. */
	len += (size_t)sprintf(text + len, "precedence ::/0 z\n");
	len += (size_t)sprintf(text + len, "label ::/0 1\n");
	len += (size_t)sprintf(text + len, "label ::/0 2\n");
	memset(&pol, 0xa5, sizeof(pol));
	memset(&sentinel, 0xa5, sizeof(sentinel));
	assert_int_equal(
	    ds_policy_parse_gai(text, len, &pol, &d), -DS_E_POLICY_TOO_MANY);
	assert_int_equal(d.reason, DS_E_POLICY_TOO_MANY);
	assert_int_equal(d.line, DS_POLICY_MAX + 2);
	assert_int_equal(d.column, 1);
	assert_memory_equal(&pol, &sentinel, sizeof(pol));
	free(text);
}

/* Write text to a new temporary file; returns its path (static). */
static const char *
temp_file(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/ds-gai-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* ds_policy_load(): the file's table, or the default one. */
static void
test_policy_load(void **state)
{
	struct ds_policy pol, def;
	const char *path;
	char *big;

	(void)state;
	ds_policy_default(&def);

	/* No file: the RFC's table. */
	memset(&pol, 0xa5, sizeof(pol));
	assert_int_equal(ds_policy_load("/nonexistent/gai.conf", &pol), 0);
	assert_memory_equal(&pol, &def, sizeof(pol));

	/* A file replaces the precedences; labels stay the RFC's. The
	 * common "prefer IPv4" line of Debian's gai.conf. */
	path = temp_file("# prefer IPv4\nprecedence ::ffff:0:0/96 100\n");
	assert_int_equal(ds_policy_load(path, &pol), 0);
	lookup(&pol, "192.0.2.1", 100, 4);
	lookup(&pol, "2001:db8::1", 40, 1);
	unlink(path);

	/* Bad lines: glibc's table from the good ones, and success. */
	path = temp_file("label 2001:db8::/32 7\nbogus line\n");
	assert_int_equal(ds_policy_load(path, &pol), 0);
	lookup(&pol, "2001:db8::1", 40, 7);
	unlink(path);

	/* Too many rows: DS_E_POLICY_TOO_MANY and the default table. */
	big = malloc(64 * (DS_POLICY_MAX + 2));
	assert_non_null(big);
	big[0] = '\0';
	for (unsigned i = 0; i <= DS_POLICY_MAX; i++)
		sprintf(big + strlen(big), "label 2001:db8:%x::/48 %u\n", i, i);
	path = temp_file(big);
	free(big);
	assert_int_equal(ds_policy_load(path, &pol), -DS_E_POLICY_TOO_MANY);
	assert_memory_equal(&pol, &def, sizeof(pol));
	unlink(path);

	/* A file of 64 KiB or more is no gai.conf: DS_E_TOO_LONG and the
	 * default table, though every line of it is a comment. */
	big = malloc(64 * 1024 + 1);
	assert_non_null(big);
	memset(big, '#', 64 * 1024);
	big[64 * 1024] = '\0';
	path = temp_file(big);
	free(big);
	assert_int_equal(ds_policy_load(path, &pol), -DS_E_TOO_LONG);
	assert_memory_equal(&pol, &def, sizeof(pol));
	unlink(path);

	/* A directory cannot be read as a file: -EISDIR, default table. */
	assert_int_equal(ds_policy_load("/tmp", &pol), -EISDIR);
	assert_memory_equal(&pol, &def, sizeof(pol));
}

/*
 * Policy changes in the spirit of RFC 6724 sections 10.3-10.7, written as
 * gai.conf lines, sorting the same candidates before and after.
 */
static void
test_gai_config_examples(void **state)
{
	/* Prefer IPv4 over IPv6 (section 10.3): raise ::ffff:0:0/96. */
	static const struct sort_case v6first = {"default: IPv6 first",
	    {"198.51.100.121", "2001:db8:1::1"},
	    {"198.51.100.117", "2001:db8:1::2"}, 2,
	    {"2001:db8:1::1", "198.51.100.121"}, {6, 0}};
	static const struct sort_case v4first = {"gai.conf: IPv4 first",
	    {"2001:db8:1::1", "198.51.100.121"},
	    {"2001:db8:1::2", "198.51.100.117"}, 2,
	    {"198.51.100.121", "2001:db8:1::1"}, {6, 0}};
	/* A site's own ULA prefix above global IPv6 (sections 10.5, 10.6). */
	static const struct sort_case global_first = {"default: global first",
	    {"fd11:1111:1111:1::1", "2001:db8:1::1"},
	    {"fd11:1111:1111:2::2", "2001:db8:1::2"}, 2,
	    {"2001:db8:1::1", "fd11:1111:1111:1::1"}, {6, 0}};
	static const struct sort_case ula_first = {"gai.conf: own ULA first",
	    {"2001:db8:1::1", "fd11:1111:1111:1::1"},
	    {"2001:db8:1::2", "fd11:1111:1111:2::2"}, 2,
	    {"fd11:1111:1111:1::1", "2001:db8:1::1"}, {6, 0}};
	/* Multihoming (section 10.7): a label ties ISP A's prefix to ISP
	 * A's sources, so a destination there is avoided from ISP B's. */
	static const struct sort_case by_prefix = {"default: rule 9",
	    {"2001:db8:5::1", "2001:db8:1::10"},
	    {"2001:db8:2::2", "2001:db8:2::2"}, 2,
	    {"2001:db8:1::10", "2001:db8:5::1"}, {9, 0}};
	static const struct sort_case by_label = {"gai.conf: rule 5",
	    {"2001:db8:1::10", "2001:db8:5::1"},
	    {"2001:db8:2::2", "2001:db8:2::2"}, 2,
	    {"2001:db8:5::1", "2001:db8:1::10"}, {5, 0}};
	struct ds_policy def, pol;
	struct ds_policy_diag d;

	(void)state;
	ds_policy_default(&def);

	check_sort(&def, &v6first, false);
	assert_int_equal(parse("precedence ::ffff:0:0/96 100\n", &pol, &d), 0);
	check_sort(&pol, &v4first, false);
	check_sort(&pol, &v4first, true);
	/* The glibc way, keeping the rest of the defaults. */
	assert_int_equal(parse("precedence ::1/128 50\n"
	                       "precedence ::/0 40\n"
	                       "precedence 2002::/16 30\n"
	                       "precedence ::/96 20\n"
	                       "precedence ::ffff:0:0/96 100\n",
	                     &pol, &d),
	    0);
	check_sort(&pol, &v4first, false);
	lookup(&pol, "::1", 50, 0);

	check_sort(&def, &global_first, false);
	assert_int_equal(
	    parse("precedence ::1/128 50\n"
	          "precedence ::/0 40\n"
	          "precedence ::ffff:0:0/96 35\n"
	          "precedence 2002::/16 30\n"
	          "precedence 2001::/32 5\n"
	          "precedence fc00::/7 3\n"
	          "precedence ::/96 1\n"
	          "precedence fec0::/10 1\n"
	          "precedence 3ffe::/16 1\n"
	          "precedence fd11:1111:1111::/48 45\n"
	          "label fd11:1111:1111::/48 14\n" GAI_DEFAULT_LABELS,
	        &pol, &d),
	    0);
	lookup(&pol, "fd11:1111:1111:1::1", 45, 14);
	lookup(&pol, "fd22::1", 3, 13);
	check_sort(&pol, &ula_first, false);
	check_sort(&pol, &ula_first, true);

	check_sort(&def, &by_prefix, false);
	assert_int_equal(
	    parse(GAI_DEFAULT_LABELS "label 2001:db8:1::/48 20\n", &pol, &d),
	    0);
	check_sort(&pol, &by_label, false);
	check_sort(&pol, &by_label, true);
}

/* --- Source lookup -------------------------------------------------------- */

static void
test_source_v4(void **state)
{
	struct ds_addr dst = addr("127.0.0.1"), src;

	(void)state;
	memset(&src, 0, sizeof(src));
	assert_int_equal(ds_sort_source(&dst, &src), 0);
	assert_int_equal(src.family, AF_INET);
	assert_addr(&src, "127.0.0.1");

	/* The rest of 127/8 is reached through lo's local route, whose
	 * preferred source is 127.0.0.1. */
	dst = addr("127.0.0.53");
	assert_int_equal(ds_sort_source(&dst, &src), 0);
	assert_addr(&src, "127.0.0.1");
}

static void
test_source_v6(void **state)
{
	struct ds_addr dst = addr("::1"), src;
	int r;

	(void)state;
	memset(&src, 0, sizeof(src));
	r = ds_sort_source(&dst, &src);
	if (r == -EAFNOSUPPORT || r == -EADDRNOTAVAIL || r == -ENETUNREACH) {
		print_message("::1 unavailable: %s\n", strerror(-r));
		skip();
	}
	assert_int_equal(r, 0);
	assert_int_equal(src.family, AF_INET6);
	assert_addr(&src, "::1");

	/* IPv4-mapped destination: the kernel answers in kind; the result
	 * comes back as plain IPv4. */
	dst = addr("::ffff:127.0.0.1");
	r = ds_sort_source(&dst, &src);
	if (r == 0) {
		assert_int_equal(src.family, AF_INET);
		assert_addr(&src, "127.0.0.1");
	} else {
		/* Hosts with net.ipv6.bindv6only style restrictions. */
		assert_true(r < 0);
	}
}

static void
test_source_errors(void **state)
{
	struct ds_addr dst, src;

	(void)state;
	memset(&dst, 0, sizeof(dst));
	memset(&src, 0x5a, sizeof(src));
	assert_int_equal(ds_sort_source(&dst, &src), -EINVAL);
	/* A zone name no interface has. */
	dst = addr("fe80::1%nosuchif0");
	assert_int_equal(ds_sort_source(&dst, &src), -DS_E_ZONE_UNKNOWN);
	/* Nothing written on failure. */
	for (size_t i = 0; i < sizeof(src); i++)
		assert_int_equal(((unsigned char *)&src)[i], 0x5a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_lookup),
	    cmocka_unit_test(test_lookup_errors),
	    cmocka_unit_test(test_rfc_examples),
	    cmocka_unit_test(test_annotate),
	    cmocka_unit_test(test_rule1_unusable_last),
	    cmocka_unit_test(test_rule10_stable),
	    cmocka_unit_test(test_rules_flags),
	    cmocka_unit_test(test_sort_errors),
	    cmocka_unit_test(test_rule_names),
	    cmocka_unit_test(test_gai_valid),
	    cmocka_unit_test(test_gai_replace),
	    cmocka_unit_test(test_gai_bad),
	    cmocka_unit_test(test_gai_bad_keeps_good),
	    cmocka_unit_test(test_gai_too_many),
	    cmocka_unit_test(test_gai_config_examples),
	    cmocka_unit_test(test_policy_load),
	    cmocka_unit_test(test_source_v4),
	    cmocka_unit_test(test_source_v6),
	    cmocka_unit_test(test_source_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
