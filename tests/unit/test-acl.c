/* SPDX-License-Identifier: MIT */
/*
 * ds_acl: every prefix notation the parser takes and the errors it gives
 * (with the offset each points at), longest-match precedence both ways,
 * /0 and host rules, the allow-list and block-list defaults, IPv4-mapped
 * addresses and rules, zones, duplicates, the file format (comments, CRLF,
 * tabs, NUL bytes, bad words, line and column of each error), and a large
 * random ACL checked against two independent longest-match references.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dualstack/acl.h"
#include "dualstack/addr.h"
#include "dualstack/error.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct ds_addr
addr(const char *text)
{
	struct ds_addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(ds_addr_parse(text, strlen(text), 0, &a, NULL), 0);
	return a;
}

static struct ds_prefix
prefix(const char *text)
{
	struct ds_prefix p;

	memset(&p, 0, sizeof(p));
	assert_int_equal(ds_prefix_parse(text, strlen(text), 0, &p, NULL), 0);
	return p;
}

static struct ds_acl *
acl_new(void)
{
	struct ds_acl *acl = NULL;

	assert_int_equal(ds_acl_new(&acl), 0);
	assert_non_null(acl);
	return acl;
}

/* Add "allow TEXT" or "deny TEXT" through the prefix parser. */
static int
add(struct ds_acl *acl, enum ds_acl_action action, const char *text)
{
	struct ds_prefix p;

	assert_int_equal(ds_acl_parse_prefix(text, strlen(text), &p, NULL), 0);
	return ds_acl_add(acl, &p, action);
}

/* Load text of exactly its length (a copy, so an over-read shows). */
static int
load(struct ds_acl *acl, const char *text, size_t len, unsigned *line,
    size_t *col)
{
	char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, text, len);
	r = ds_acl_load(acl, copy, len, line, col);
	free(copy);
	return r;
}

static int
load_str(struct ds_acl *acl, const char *text, unsigned *line, size_t *col)
{
	return load(acl, text, strlen(text), line, col);
}

static enum ds_acl_action
match(const struct ds_acl *acl, const char *text)
{
	struct ds_addr a = addr(text);

	return ds_acl_match(acl, &a, NULL);
}

static bool
check(const struct ds_acl *acl, const char *text)
{
	struct ds_addr a = addr(text);

	return ds_acl_check(acl, &a);
}

/* The rule that matched text, formatted; "" when none did. */
static const char *
matched(const struct ds_acl *acl, const char *text)
{
	static char buf[DS_PREFIX_STRLEN];
	struct ds_addr a = addr(text);
	struct ds_prefix p;

	memset(&p, 0x5a, sizeof(p));
	if (ds_acl_match(acl, &a, &p) == DS_ACL_NONE)
		return "";
	/* Stored as a clean value: no zone, unused bytes zero. */
	assert_string_equal(p.addr.zone, "");
	assert_int_equal(p.addr.scope_id, 0);
	if (p.addr.family == AF_INET) {
		static const uint8_t zero[12];

		assert_memory_equal(p.addr.u.bytes + 4, zero, 12);
	}
	assert_true(ds_prefix_format(&p, 0, buf, sizeof(buf)) > 0);
	return buf;
}

static void
assert_counts(const struct ds_acl *acl, size_t allow, size_t deny)
{
	size_t a = 99, d = 99;

	assert_int_equal(ds_acl_count(acl, &a, &d), allow + deny);
	assert_int_equal(a, allow);
	assert_int_equal(d, deny);
}

/* --- Basics --------------------------------------------------------------- */

static void
test_action_names(void **state)
{
	(void)state;
	assert_string_equal(ds_acl_action_name(DS_ACL_NONE), "none");
	assert_string_equal(ds_acl_action_name(DS_ACL_ALLOW), "allow");
	assert_string_equal(ds_acl_action_name(DS_ACL_DENY), "deny");
	assert_string_equal(
	    ds_acl_action_name((enum ds_acl_action)7), "unknown");
}

static void
test_new_free_count(void **state)
{
	struct ds_acl *acl = acl_new();
	struct ds_addr a = addr("192.0.2.1");
	size_t n = 5;

	(void)state;
	assert_int_equal(ds_acl_new(NULL), -EINVAL);
	assert_counts(acl, 0, 0);
	assert_int_equal(ds_acl_count(acl, NULL, NULL), 0);
	assert_int_equal(ds_acl_count(NULL, &n, NULL), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ds_acl_match(acl, &a, NULL), DS_ACL_NONE);
	assert_true(ds_acl_check(acl, &a));
	assert_null(ds_acl_free(acl));
	assert_null(ds_acl_free(NULL));
}

static void
test_null_acl_allows(void **state)
{
	struct ds_addr a = addr("192.0.2.1"), b = addr("2001:db8::1");
	struct ds_prefix p;

	(void)state;
	assert_true(ds_acl_check(NULL, &a));
	assert_true(ds_acl_check(NULL, &b));
	assert_int_equal(ds_acl_match(NULL, &a, &p), DS_ACL_NONE);
	assert_counts(NULL, 0, 0);
}

/* --- Prefix notation ------------------------------------------------------ */

struct parse_good {
	const char *in, *out;
};

static const struct parse_good parse_good[] = {
    {"2001:db8::/32", "2001:db8::/32"},
    {"[2001:db8::]/32", "2001:db8::/32"},
    {"[::1]/128", "::1/128"},
    {"[::1]", "::1/128"},
    {"[2001:db8::1]", "2001:db8::1/128"},
    {"192.0.2.0/24", "192.0.2.0/24"},
    {"::ffff:192.0.2.0/120", "::ffff:192.0.2.0/120"},
    {"2001:db8::1", "2001:db8::1/128"},
    {"192.0.2.7", "192.0.2.7/32"},
    /* Host bits: the network the operator named. */
    {"192.0.2.7/24", "192.0.2.0/24"},
    {"198.51.100.255/25", "198.51.100.128/25"},
    {"2001:db8:1:2:3:4:5:6/48", "2001:db8:1::/48"},
    {"2001:db8::1/0", "::/0"},
    {"203.0.113.9/0", "0.0.0.0/0"},
    {"::/0", "::/0"},
    {"0.0.0.0/0", "0.0.0.0/0"},
    {"2001:DB8::ABCD/127", "2001:db8::abcc/127"},
    {"[2001:db8::1]/64", "2001:db8::/64"},
    {"192.0.2.0/255.255.255.0", "192.0.2.0/24"},
    {"192.0.2.130/255.255.255.192", "192.0.2.128/26"},
    {"::ffff:192.0.2.5", "::ffff:192.0.2.5/128"},
    {"::", "::/128"},
};

static void
test_parse_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(parse_good); i++) {
		const struct parse_good *c = &parse_good[i];
		char buf[DS_PREFIX_STRLEN];
		struct ds_prefix p;
		size_t pos = 77;
		int r;

		memset(&p, 0x5a, sizeof(p));
		r = ds_acl_parse_prefix(c->in, strlen(c->in), &p, &pos);
		if (r != 0)
			fail_msg("\"%s\": %d (%s) at %zu", c->in, r,
			    ds_strerror(r), pos);
		assert_int_equal(pos, 77);
		assert_true(ds_prefix_format(&p, 0, buf, sizeof(buf)) > 0);
		if (strcmp(buf, c->out) != 0)
			fail_msg("\"%s\": got %s, want %s", c->in, buf, c->out);
		assert_string_equal(p.addr.zone, "");
		assert_int_equal(p.addr.scope_id, 0);
		if (p.addr.family == AF_INET) {
			static const uint8_t zero[12];

			assert_memory_equal(p.addr.u.bytes + 4, zero, 12);
		}
	}
}

struct parse_bad {
	const char *in;
	int err;
	size_t pos;
};

static const struct parse_bad parse_bad[] = {
    {"", DS_E_EMPTY, 0},
    /* Ports. One colon after IPv4 can only be a port. */
    {"192.0.2.1:80", DS_E_TRAILING, 9},
    {"192.0.2.0/24:80", DS_E_TRAILING, 12},
    {"[2001:db8::1]:443", DS_E_TRAILING, 13},
    {"[::1]:80", DS_E_TRAILING, 5},
    {"[2001:db8::]:80/32", DS_E_TRAILING, 12},
    /* Zones, in every place one can be written. */
    {"fe80::1%eth0", DS_E_ZONE_NOT_ALLOWED, 7},
    {"fe80::%eth0/64", DS_E_ZONE_NOT_ALLOWED, 6},
    {"[fe80::1%eth0]/64", DS_E_ZONE_NOT_ALLOWED, 8},
    {"[fe80::1%2]", DS_E_ZONE_NOT_ALLOWED, 8},
    {"192.0.2.1%3", DS_E_ZONE_NOT_ALLOWED, 9},
    /* Brackets. */
    {"[192.0.2.1]", DS_E_BRACKET_V4, 0},
    {"[192.0.2.0]/24", DS_E_BRACKET_V4, 0},
    {"[2001:db8::", DS_E_BRACKET, 11},
    {"[2001:db8::]32", DS_E_TRAILING, 12},
    {"2001:db8::]", DS_E_BAD_CHAR, 10},
    {"[]", DS_E_EMPTY, 1},
    /* Lengths. */
    {"2001:db8::/129", DS_E_PREFIX_RANGE, 11},
    {"192.0.2.0/33", DS_E_PREFIX_RANGE, 10},
    {"192.0.2.0/", DS_E_PREFIX_MISSING, 10},
    {"2001:db8::/032", DS_E_PREFIX_SYNTAX, 11},
    {"2001:db8::/-1", DS_E_PREFIX_SYNTAX, 11},
    {"192.0.2.0/24/8", DS_E_PREFIX_SYNTAX, 12},
    {"192.0.2.0/255.0.255.0", DS_E_PREFIX_MASK, 10},
    {"/24", DS_E_EMPTY, 0},
    /* Addresses. */
    {"192.0.2.256", DS_E_V4_OCTET_RANGE, 8},
    {"192.0.2", DS_E_V4_FEW_OCTETS, 7},
    {"192.0.02.1", DS_E_V4_LEADING_ZERO, 6},
    {"192.0.2.1 ", DS_E_BAD_CHAR, 9},
    {"2001:db8::1::/64", DS_E_V6_DOUBLE_COLON, 11},
    {"2001:db8:::/48", DS_E_V6_EMPTY_GROUP, 10},
    {"1.2.3.4:5:6", DS_E_V6_V4_POSITION, 0},
};

static void
test_parse_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(parse_bad); i++) {
		const struct parse_bad *c = &parse_bad[i];
		struct ds_prefix p, orig;
		size_t pos = 999;
		int r;

		memset(&p, 0x5a, sizeof(p));
		orig = p;
		r = ds_acl_parse_prefix(c->in, strlen(c->in), &p, &pos);
		if (r != -c->err || pos != c->pos)
			fail_msg("\"%s\": got %d (%s) at %zu, want %d at %zu",
			    c->in, r, ds_strerror(r), pos, -c->err, c->pos);
		assert_memory_equal(&p, &orig, sizeof(p));
		/* errpos may be NULL. */
		assert_int_equal(
		    ds_acl_parse_prefix(c->in, strlen(c->in), &p, NULL),
		    -c->err);
	}
}

/* The length given is the length read: nothing past it is looked at. */
static void
test_parse_length_bounded(void **state)
{
	struct ds_prefix p;
	size_t pos;

	(void)state;
	assert_int_equal(ds_acl_parse_prefix("192.0.2.0/24", 9, &p, NULL), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(ds_acl_parse_prefix("192.0.2.1:80 junk", 12, &p, &pos),
	    -DS_E_TRAILING);
	assert_int_equal(pos, 9);
	assert_int_equal(ds_acl_parse_prefix(NULL, 0, &p, &pos), -DS_E_EMPTY);
	assert_int_equal(ds_acl_parse_prefix("::1", 3, NULL, NULL), -EINVAL);
}

/* --- Longest match ---------------------------------------------------------*/

static void
test_allow_inside_deny(void **state)
{
	struct ds_acl *acl = acl_new();

	(void)state;
	assert_int_equal(add(acl, DS_ACL_DENY, "198.51.0.0/16"), 0);
	assert_int_equal(add(acl, DS_ACL_ALLOW, "198.51.100.7/32"), 0);
	assert_int_equal(match(acl, "198.51.100.7"), DS_ACL_ALLOW);
	assert_string_equal(matched(acl, "198.51.100.7"), "198.51.100.7/32");
	assert_int_equal(match(acl, "198.51.100.6"), DS_ACL_DENY);
	assert_int_equal(match(acl, "198.51.100.8"), DS_ACL_DENY);
	assert_string_equal(matched(acl, "198.51.100.8"), "198.51.0.0/16");
	assert_int_equal(match(acl, "198.51.255.255"), DS_ACL_DENY);
	assert_int_equal(match(acl, "198.52.0.0"), DS_ACL_NONE);
	assert_string_equal(matched(acl, "198.52.0.0"), "");
	/* One allow rule: the rest is denied. */
	assert_true(check(acl, "198.51.100.7"));
	assert_false(check(acl, "198.51.100.6"));
	assert_false(check(acl, "203.0.113.1"));
	assert_false(check(acl, "2001:db8::1"));
	assert_counts(acl, 1, 1);
	ds_acl_free(acl);

	/* The same rules added the other way round. */
	acl = acl_new();
	assert_int_equal(add(acl, DS_ACL_ALLOW, "198.51.100.7/32"), 0);
	assert_int_equal(add(acl, DS_ACL_DENY, "198.51.0.0/16"), 0);
	assert_int_equal(match(acl, "198.51.100.7"), DS_ACL_ALLOW);
	assert_int_equal(match(acl, "198.51.100.6"), DS_ACL_DENY);
	assert_int_equal(match(acl, "198.51.0.0"), DS_ACL_DENY);
	ds_acl_free(acl);
}

static void
test_deny_inside_allow(void **state)
{
	struct ds_acl *acl = acl_new();

	(void)state;
	assert_int_equal(add(acl, DS_ACL_ALLOW, "2001:db8::/32"), 0);
	assert_int_equal(add(acl, DS_ACL_DENY, "2001:db8:bad::/48"), 0);
	assert_int_equal(add(acl, DS_ACL_ALLOW, "2001:db8:bad:1::/64"), 0);
	assert_int_equal(add(acl, DS_ACL_DENY, "2001:db8:bad:1::66"), 0);
	assert_int_equal(match(acl, "2001:db8::1"), DS_ACL_ALLOW);
	assert_int_equal(match(acl, "2001:db8:bad::1"), DS_ACL_DENY);
	assert_string_equal(
	    matched(acl, "2001:db8:bad::1"), "2001:db8:bad::/48");
	assert_int_equal(match(acl, "2001:db8:bad:1::1"), DS_ACL_ALLOW);
	assert_string_equal(
	    matched(acl, "2001:db8:bad:1::1"), "2001:db8:bad:1::/64");
	assert_int_equal(match(acl, "2001:db8:bad:1::66"), DS_ACL_DENY);
	assert_string_equal(
	    matched(acl, "2001:db8:bad:1::66"), "2001:db8:bad:1::66/128");
	assert_int_equal(match(acl, "2001:db8:bad:1::67"), DS_ACL_ALLOW);
	assert_int_equal(match(acl, "2001:db8:bad:2::1"), DS_ACL_DENY);
	assert_int_equal(match(acl, "2001:db9::1"), DS_ACL_NONE);
	assert_int_equal(match(acl, "192.0.2.1"), DS_ACL_NONE);
	assert_false(check(acl, "2001:db9::1"));
	assert_false(check(acl, "192.0.2.1"));
	assert_counts(acl, 2, 2);
	ds_acl_free(acl);
}

static void
test_zero_length_rules(void **state)
{
	struct ds_acl *acl = acl_new();

	(void)state;
	assert_int_equal(add(acl, DS_ACL_DENY, "0.0.0.0/0"), 0);
	assert_int_equal(add(acl, DS_ACL_ALLOW, "192.0.2.0/24"), 0);
	assert_int_equal(match(acl, "192.0.2.200"), DS_ACL_ALLOW);
	assert_int_equal(match(acl, "203.0.113.1"), DS_ACL_DENY);
	assert_int_equal(match(acl, "0.0.0.0"), DS_ACL_DENY);
	assert_int_equal(match(acl, "255.255.255.255"), DS_ACL_DENY);
	assert_string_equal(matched(acl, "203.0.113.1"), "0.0.0.0/0");
	/* The IPv4 /0 says nothing of IPv6; the ACL has an allow rule. */
	assert_int_equal(match(acl, "2001:db8::1"), DS_ACL_NONE);
	assert_false(check(acl, "2001:db8::1"));

	assert_int_equal(add(acl, DS_ACL_ALLOW, "::/0"), 0);
	assert_int_equal(add(acl, DS_ACL_DENY, "2001:db8::/32"), 0);
	assert_int_equal(match(acl, "2001:db8::1"), DS_ACL_DENY);
	assert_int_equal(match(acl, "2001:db9::1"), DS_ACL_ALLOW);
	assert_int_equal(match(acl, "::"), DS_ACL_ALLOW);
	assert_int_equal(match(acl, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
	    DS_ACL_ALLOW);
	assert_string_equal(matched(acl, "::"), "::/0");
	/* The IPv6 /0 does not cover IPv4 clients, mapped or not. */
	assert_int_equal(match(acl, "203.0.113.1"), DS_ACL_DENY);
	assert_int_equal(match(acl, "::ffff:203.0.113.1"), DS_ACL_DENY);
	assert_counts(acl, 2, 2);
	ds_acl_free(acl);
}

static void
test_host_rules(void **state)
{
	struct ds_acl *acl = acl_new();

	(void)state;
	assert_int_equal(add(acl, DS_ACL_DENY, "192.0.2.7"), 0);
	assert_int_equal(add(acl, DS_ACL_DENY, "2001:db8::7"), 0);
	assert_int_equal(add(acl, DS_ACL_DENY, "[2001:db8::8]"), 0);
	assert_int_equal(match(acl, "192.0.2.7"), DS_ACL_DENY);
	assert_string_equal(matched(acl, "192.0.2.7"), "192.0.2.7/32");
	assert_int_equal(match(acl, "192.0.2.6"), DS_ACL_NONE);
	assert_int_equal(match(acl, "192.0.2.8"), DS_ACL_NONE);
	assert_int_equal(match(acl, "2001:db8::7"), DS_ACL_DENY);
	assert_int_equal(match(acl, "2001:db8::8"), DS_ACL_DENY);
	assert_int_equal(match(acl, "2001:db8::6"), DS_ACL_NONE);
	assert_int_equal(match(acl, "2001:db8::9"), DS_ACL_NONE);
	/* Deny rules only: a block list. */
	assert_false(check(acl, "192.0.2.7"));
	assert_true(check(acl, "192.0.2.6"));
	assert_true(check(acl, "2001:db8::9"));
	/* Two hosts that differ in the last bit only. */
	assert_int_equal(add(acl, DS_ACL_ALLOW, "192.0.2.6"), 0);
	assert_int_equal(match(acl, "192.0.2.6"), DS_ACL_ALLOW);
	assert_int_equal(match(acl, "192.0.2.7"), DS_ACL_DENY);
	assert_counts(acl, 1, 3);
	ds_acl_free(acl);
}

/* Siblings, a shorter prefix above them, and a rule on a branch point. */
static void
test_tree_shapes(void **state)
{
	struct ds_acl *acl = acl_new();

	(void)state;
	assert_int_equal(add(acl, DS_ACL_DENY, "10.0.0.0/16"), 0);
	assert_int_equal(add(acl, DS_ACL_ALLOW, "10.1.0.0/16"), 0);
	assert_int_equal(match(acl, "10.0.9.9"), DS_ACL_DENY);
	assert_int_equal(match(acl, "10.1.9.9"), DS_ACL_ALLOW);
	assert_int_equal(match(acl, "10.2.0.0"), DS_ACL_NONE);
	/* 10.0.0.0/15 is exactly where the two part. */
	assert_int_equal(add(acl, DS_ACL_DENY, "10.0.0.0/15"), 0);
	assert_counts(acl, 1, 2);
	assert_int_equal(match(acl, "10.0.9.9"), DS_ACL_DENY);
	assert_string_equal(matched(acl, "10.0.9.9"), "10.0.0.0/16");
	assert_int_equal(match(acl, "10.1.9.9"), DS_ACL_ALLOW);
	assert_int_equal(match(acl, "10.2.0.0"), DS_ACL_NONE);
	/* And that rule is a rule now: the other action conflicts. */
	assert_int_equal(
	    add(acl, DS_ACL_ALLOW, "10.0.0.0/15"), -DS_E_ACL_CONFLICT);
	/* Above everything. */
	assert_int_equal(add(acl, DS_ACL_ALLOW, "8.0.0.0/6"), 0);
	assert_int_equal(match(acl, "10.2.0.0"), DS_ACL_ALLOW);
	assert_string_equal(matched(acl, "10.2.0.0"), "8.0.0.0/6");
	assert_int_equal(match(acl, "11.0.0.0"), DS_ACL_ALLOW);
	assert_int_equal(match(acl, "12.0.0.0"), DS_ACL_NONE);
	/* A sibling that parts from 10.0.0.0/15 higher up. */
	assert_int_equal(add(acl, DS_ACL_DENY, "10.128.0.0/9"), 0);
	assert_int_equal(match(acl, "10.200.0.1"), DS_ACL_DENY);
	assert_int_equal(match(acl, "10.64.0.1"), DS_ACL_ALLOW);
	assert_int_equal(match(acl, "10.1.0.1"), DS_ACL_ALLOW);
	assert_counts(acl, 2, 3);
	ds_acl_free(acl);
}

/* --- Defaults ------------------------------------------------------------- */

static void
test_defaults(void **state)
{
	struct ds_acl *acl = acl_new();

	(void)state;
	/* Empty: everything passes. */
	assert_true(check(acl, "192.0.2.1"));
	assert_true(check(acl, "2001:db8::1"));
	/* Deny rules only: a block list, the rest passes. */
	assert_int_equal(add(acl, DS_ACL_DENY, "192.0.2.0/24"), 0);
	assert_false(check(acl, "192.0.2.1"));
	assert_true(check(acl, "198.51.100.1"));
	assert_true(check(acl, "2001:db8::1"));
	/* One allow rule, anywhere: an allow list, the rest is denied. */
	assert_int_equal(add(acl, DS_ACL_ALLOW, "2001:db8::/32"), 0);
	assert_false(check(acl, "192.0.2.1"));
	assert_false(check(acl, "198.51.100.1"));
	assert_true(check(acl, "2001:db8::1"));
	assert_false(check(acl, "2001:db9::1"));
	ds_acl_free(acl);

	/* Allow rules only. */
	acl = acl_new();
	assert_int_equal(add(acl, DS_ACL_ALLOW, "203.0.113.0/24"), 0);
	assert_true(check(acl, "203.0.113.9"));
	assert_true(check(acl, "::ffff:203.0.113.9"));
	assert_false(check(acl, "203.0.114.9"));
	assert_false(check(acl, "2001:db8::1"));
	ds_acl_free(acl);
}

/* An address of no family matches nothing; the default decides. */
static void
test_no_family_address(void **state)
{
	struct ds_acl *acl = acl_new();
	struct ds_addr none;
	struct ds_prefix p;

	(void)state;
	memset(&none, 0, sizeof(none));
	assert_int_equal(ds_acl_match(acl, &none, &p), DS_ACL_NONE);
	assert_int_equal(ds_acl_match(acl, NULL, &p), DS_ACL_NONE);
	assert_true(ds_acl_check(acl, &none));
	assert_int_equal(add(acl, DS_ACL_ALLOW, "::/0"), 0);
	assert_int_equal(add(acl, DS_ACL_ALLOW, "0.0.0.0/0"), 0);
	assert_int_equal(ds_acl_match(acl, &none, &p), DS_ACL_NONE);
	assert_false(ds_acl_check(acl, &none));
	ds_acl_free(acl);
}

/* --- IPv4-mapped ---------------------------------------------------------- */

static void
test_mapped(void **state)
{
	struct ds_acl *acl = acl_new();

	(void)state;
	/* A mapped rule is stored as the IPv4 rule it is. */
	assert_int_equal(add(acl, DS_ACL_DENY, "::ffff:192.0.2.0/120"), 0);
	assert_counts(acl, 0, 1);
	assert_int_equal(match(acl, "192.0.2.5"), DS_ACL_DENY);
	assert_int_equal(match(acl, "::ffff:192.0.2.5"), DS_ACL_DENY);
	assert_int_equal(match(acl, "::FFFF:C000:0205"), DS_ACL_DENY);
	assert_string_equal(matched(acl, "192.0.2.5"), "192.0.2.0/24");
	assert_string_equal(matched(acl, "::ffff:192.0.2.5"), "192.0.2.0/24");
	assert_false(check(acl, "::ffff:192.0.2.5"));
	assert_true(check(acl, "::ffff:192.0.3.5"));
	/* Not mapped: other IPv6 forms of the same bits are IPv6. */
	assert_int_equal(match(acl, "::192.0.2.5"), DS_ACL_NONE);
	assert_int_equal(match(acl, "::ffff:0:192.0.2.5"), DS_ACL_NONE);
	assert_int_equal(match(acl, "64:ff9b::192.0.2.5"), DS_ACL_NONE);
	/* The two notations of one rule are one rule. */
	assert_int_equal(add(acl, DS_ACL_DENY, "192.0.2.0/24"), 0);
	assert_int_equal(add(acl, DS_ACL_DENY, "::ffff:192.0.2.77/120"), 0);
	assert_counts(acl, 0, 1);
	assert_int_equal(
	    add(acl, DS_ACL_ALLOW, "192.0.2.0/24"), -DS_E_ACL_CONFLICT);
	assert_int_equal(add(acl, DS_ACL_ALLOW, "[::ffff:192.0.2.0]/120"),
	    -DS_E_ACL_CONFLICT);
	assert_counts(acl, 0, 1);

	/* An IPv4 rule catches mapped clients; a mapped host rule too. */
	assert_int_equal(add(acl, DS_ACL_ALLOW, "::ffff:192.0.2.9"), 0);
	assert_int_equal(match(acl, "192.0.2.9"), DS_ACL_ALLOW);
	assert_string_equal(matched(acl, "::ffff:192.0.2.9"), "192.0.2.9/32");
	assert_int_equal(add(acl, DS_ACL_ALLOW, "198.51.100.0/24"), 0);
	assert_int_equal(match(acl, "::ffff:198.51.100.1"), DS_ACL_ALLOW);

	/* ::ffff:0:0/96 is all of IPv4. */
	assert_int_equal(add(acl, DS_ACL_DENY, "::ffff:0:0/96"), 0);
	assert_int_equal(match(acl, "203.0.113.1"), DS_ACL_DENY);
	assert_string_equal(matched(acl, "203.0.113.1"), "0.0.0.0/0");
	assert_int_equal(
	    add(acl, DS_ACL_ALLOW, "0.0.0.0/0"), -DS_E_ACL_CONFLICT);
	/* Shorter than /96 it is not a mapped prefix: an IPv6 rule, which
	 * mapped clients (checked as IPv4) never meet. */
	assert_int_equal(add(acl, DS_ACL_ALLOW, "::ffff:0:0/95"), 0);
	assert_string_equal(matched(acl, "::fffe:0:1"), "::fffe:0:0/95");
	assert_int_equal(match(acl, "::ffff:203.0.113.1"), DS_ACL_DENY);
	assert_counts(acl, 3, 2);
	ds_acl_free(acl);
}

/* Mapped prefixes built by hand reach ds_acl_add directly too. */
static void
test_mapped_add_direct(void **state)
{
	struct ds_acl *acl = acl_new();
	struct ds_prefix p = prefix("::ffff:198.51.100.77/118");

	(void)state;
	/* Host bits set: cleared before the mapping is seen. */
	assert_int_equal(ds_acl_add(acl, &p, DS_ACL_DENY), 0);
	assert_string_equal(matched(acl, "198.51.100.1"), "198.51.100.0/22");
	assert_string_equal(matched(acl, "198.51.103.255"), "198.51.100.0/22");
	assert_int_equal(match(acl, "198.51.104.0"), DS_ACL_NONE);
	p = prefix("198.51.101.0/22");
	assert_int_equal(ds_acl_add(acl, &p, DS_ACL_DENY), 0);
	assert_int_equal(ds_acl_add(acl, &p, DS_ACL_ALLOW), -DS_E_ACL_CONFLICT);
	assert_counts(acl, 0, 1);
	ds_acl_free(acl);
}

/* --- Zones ---------------------------------------------------------------- */

static void
test_zones_ignored(void **state)
{
	struct ds_acl *acl = acl_new();
	struct ds_prefix p = prefix("fe80::%eth0/10");

	(void)state;
	/* A zone on a rule is dropped. */
	assert_int_equal(ds_acl_add(acl, &p, DS_ACL_DENY), 0);
	p = prefix("fe80::%eth1/10");
	assert_int_equal(ds_acl_add(acl, &p, DS_ACL_DENY), 0);
	assert_int_equal(ds_acl_add(acl, &p, DS_ACL_ALLOW), -DS_E_ACL_CONFLICT);
	assert_counts(acl, 0, 1);
	/* The address's zone plays no part. */
	assert_int_equal(match(acl, "fe80::1%eth0"), DS_ACL_DENY);
	assert_int_equal(match(acl, "fe80::1%7"), DS_ACL_DENY);
	assert_int_equal(match(acl, "fe80::1"), DS_ACL_DENY);
	assert_string_equal(matched(acl, "fe80::1%eth9"), "fe80::/10");
	assert_int_equal(add(acl, DS_ACL_ALLOW, "fe80::1"), 0);
	assert_int_equal(match(acl, "fe80::1%eth0"), DS_ACL_ALLOW);
	assert_int_equal(match(acl, "fe80::2%eth0"), DS_ACL_DENY);
	ds_acl_free(acl);
}

/* --- Adding ----------------------------------------------------------------
 */

static void
test_duplicates(void **state)
{
	struct ds_acl *acl = acl_new();

	(void)state;
	assert_int_equal(add(acl, DS_ACL_ALLOW, "2001:db8::/32"), 0);
	assert_int_equal(add(acl, DS_ACL_ALLOW, "2001:db8::/32"), 0);
	assert_int_equal(add(acl, DS_ACL_ALLOW, "[2001:db8:ffff::1]/32"), 0);
	assert_counts(acl, 1, 0);
	assert_int_equal(
	    add(acl, DS_ACL_DENY, "2001:db8::/32"), -DS_E_ACL_CONFLICT);
	assert_int_equal(
	    add(acl, DS_ACL_DENY, "2001:db8::1/32"), -DS_E_ACL_CONFLICT);
	/* The refused rule left nothing behind. */
	assert_counts(acl, 1, 0);
	assert_int_equal(match(acl, "2001:db8::1"), DS_ACL_ALLOW);
	/* Same bits, other length: another rule. */
	assert_int_equal(add(acl, DS_ACL_DENY, "2001:db8::/33"), 0);
	assert_int_equal(add(acl, DS_ACL_DENY, "2001:db8::/31"), 0);
	/* Same bits, other family: another rule. */
	assert_int_equal(add(acl, DS_ACL_DENY, "32.1.13.184/32"), 0);
	assert_counts(acl, 1, 3);
	assert_int_equal(match(acl, "2001:db8::1"), DS_ACL_DENY);
	assert_int_equal(match(acl, "2001:db8:8000::1"), DS_ACL_ALLOW);
	ds_acl_free(acl);
}

static void
test_add_errors(void **state)
{
	struct ds_acl *acl = acl_new();
	struct ds_prefix p = prefix("192.0.2.0/24"), bad;

	(void)state;
	assert_int_equal(ds_acl_add(NULL, &p, DS_ACL_DENY), -EINVAL);
	assert_int_equal(ds_acl_add(acl, NULL, DS_ACL_DENY), -EINVAL);
	assert_int_equal(ds_acl_add(acl, &p, DS_ACL_NONE), -EINVAL);
	assert_int_equal(ds_acl_add(acl, &p, (enum ds_acl_action)3), -EINVAL);
	memset(&bad, 0, sizeof(bad));
	assert_int_equal(ds_acl_add(acl, &bad, DS_ACL_DENY), -EINVAL);
	bad.addr.family = AF_UNIX;
	assert_int_equal(ds_acl_add(acl, &bad, DS_ACL_DENY), -EINVAL);
	bad = p;
	bad.len = 33;
	assert_int_equal(ds_acl_add(acl, &bad, DS_ACL_DENY), -EINVAL);
	bad = prefix("2001:db8::/32");
	bad.len = 129;
	assert_int_equal(ds_acl_add(acl, &bad, DS_ACL_DENY), -EINVAL);
	assert_counts(acl, 0, 0);
	/* Bytes past an IPv4 address are not part of it. */
	bad = p;
	bad.addr.u.bytes[9] = 0x42;
	assert_int_equal(ds_acl_add(acl, &bad, DS_ACL_DENY), 0);
	assert_string_equal(matched(acl, "192.0.2.1"), "192.0.2.0/24");
	assert_counts(acl, 0, 1);
	ds_acl_free(acl);
}

/* --- Files ---------------------------------------------------------------- */

static void
test_load_basic(void **state)
{
	static const char text[] =
	    "# Clients of the service\n"
	    "\n"
	    "allow 2001:db8::/32\n"
	    "  deny\t2001:db8:bad::/48   # a comment after a rule\n"
	    "\tallow [2001:db8:bad::1]\n"
	    "allow 192.0.2.0/24\n"
	    "deny 192.0.2.128/25#no blank before it\n"
	    "   \t  \n"
	    "    # indented comment\n"
	    "allow ::ffff:198.51.100.0/120\n"
	    "deny 198.51.100.0/24\t\t";
	struct ds_acl *acl = acl_new();
	unsigned line = 99;
	size_t col = 99;
	int r;

	(void)state;
	r = load_str(acl, text, &line, &col);
	/* Eight rule lines; the mapped rule and the last are one rule...
	 * with two actions: the last line conflicts. */
	assert_int_equal(r, -DS_E_ACL_CONFLICT);
	assert_int_equal(line, 11);
	assert_int_equal(col, 5);
	/* Rules before the bad line stay. */
	assert_counts(acl, 4, 2);
	ds_acl_free(acl);

	/* Without the conflict. */
	acl = acl_new();
	line = 99;
	col = 99;
	r = load(acl, text,
	    sizeof(text) - 1 - strlen("deny 198.51.100.0/24\t\t"), &line, &col);
	assert_int_equal(r, 6);
	/* Nothing written on success. */
	assert_int_equal(line, 99);
	assert_int_equal(col, 99);
	assert_counts(acl, 4, 2);
	assert_int_equal(match(acl, "2001:db8::1"), DS_ACL_ALLOW);
	assert_int_equal(match(acl, "2001:db8:bad::2"), DS_ACL_DENY);
	assert_int_equal(match(acl, "2001:db8:bad::1"), DS_ACL_ALLOW);
	assert_int_equal(match(acl, "192.0.2.1"), DS_ACL_ALLOW);
	assert_int_equal(match(acl, "192.0.2.129"), DS_ACL_DENY);
	assert_int_equal(match(acl, "198.51.100.1"), DS_ACL_ALLOW);
	assert_int_equal(match(acl, "::ffff:198.51.100.1"), DS_ACL_ALLOW);
	assert_false(check(acl, "203.0.113.1"));
	ds_acl_free(acl);
}

static void
test_load_counts(void **state)
{
	struct ds_acl *acl = acl_new();

	(void)state;
	assert_int_equal(load_str(acl, "", NULL, NULL), 0);
	assert_int_equal(ds_acl_load(acl, NULL, 0, NULL, NULL), 0);
	assert_int_equal(load_str(acl, "\n\n# x\n  \n", NULL, NULL), 0);
	assert_int_equal(load_str(acl, "deny 192.0.2.1", NULL, NULL), 1);
	/* Identical duplicates are rule lines too, though one rule. */
	assert_int_equal(load_str(acl,
	                     "deny 192.0.2.1\ndeny 192.0.2.1/32\n"
	                     "deny ::ffff:192.0.2.1\n",
	                     NULL, NULL),
	    3);
	assert_counts(acl, 0, 1);
	/* Loading adds to what is there. */
	assert_int_equal(load_str(acl, "allow ::1\n", NULL, NULL), 1);
	assert_counts(acl, 1, 1);
	assert_int_equal(
	    ds_acl_load(NULL, "allow ::1", 9, NULL, NULL), -EINVAL);
	assert_int_equal(ds_acl_load(acl, NULL, 3, NULL, NULL), -EINVAL);
	ds_acl_free(acl);
}

static void
test_load_crlf(void **state)
{
	static const char text[] = "# rules\r\n"
	                           "allow 192.0.2.0/24\r\n"
	                           "\r\n"
	                           "deny 192.0.2.7 # host\r\n"
	                           "deny 2001:db8::/32\r";
	struct ds_acl *acl = acl_new();
	unsigned line;
	size_t col;

	(void)state;
	assert_int_equal(load_str(acl, text, &line, &col), 3);
	assert_int_equal(match(acl, "192.0.2.7"), DS_ACL_DENY);
	assert_int_equal(match(acl, "2001:db8::1"), DS_ACL_DENY);
	ds_acl_free(acl);

	/* A CR that does not end a line is part of a word. */
	acl = acl_new();
	assert_int_equal(load_str(acl, "allow 192.0.2.0/24\r \n", &line, &col),
	    -DS_E_PREFIX_SYNTAX);
	assert_int_equal(line, 1);
	assert_int_equal(col, 18);
	assert_int_equal(load_str(acl, "allow\r192.0.2.0/24\n", &line, &col),
	    -DS_E_ACL_SYNTAX);
	assert_int_equal(line, 1);
	assert_int_equal(col, 0);
	/* A bare CR is not a line end. */
	assert_int_equal(
	    load_str(acl, "deny ::1\rdeny ::2\n", &line, &col), -DS_E_BAD_CHAR);
	assert_int_equal(line, 1);
	assert_int_equal(col, 8);
	ds_acl_free(acl);
}

static void
test_load_nul(void **state)
{
	static const char text[] = "allow ::1\n"
	                           "deny 192.0.2.1\0\n"
	                           "deny 192.0.2.2\n";
	static const char in_comment[] = "deny ::1 # a\0b\n";
	struct ds_acl *acl = acl_new();
	unsigned line;
	size_t col;

	(void)state;
	assert_int_equal(
	    load(acl, text, sizeof(text) - 1, &line, &col), -DS_E_BAD_CHAR);
	assert_int_equal(line, 2);
	assert_int_equal(col, 14);
	assert_counts(acl, 1, 0);
	ds_acl_free(acl);

	acl = acl_new();
	assert_int_equal(
	    load(acl, in_comment, sizeof(in_comment) - 1, &line, &col),
	    -DS_E_BAD_CHAR);
	assert_int_equal(line, 1);
	assert_int_equal(col, 12);
	assert_counts(acl, 0, 0);
	assert_int_equal(load(acl, "\0", 1, &line, &col), -DS_E_BAD_CHAR);
	assert_int_equal(line, 1);
	assert_int_equal(col, 0);
	ds_acl_free(acl);
}

struct load_bad {
	const char *text;
	int err;
	unsigned line;
	size_t col;
};

static const struct load_bad load_bad[] = {
    /* Keywords: exact and lower case. */
    {"permit 192.0.2.0/24\n", -DS_E_ACL_SYNTAX, 1, 0},
    {"Allow 192.0.2.0/24\n", -DS_E_ACL_SYNTAX, 1, 0},
    {"allowed 192.0.2.0/24\n", -DS_E_ACL_SYNTAX, 1, 0},
    {"allo 192.0.2.0/24\n", -DS_E_ACL_SYNTAX, 1, 0},
    {"192.0.2.0/24\n", -DS_E_ACL_SYNTAX, 1, 0},
    {"allow 192.0.2.0/24\n\t  deny-all ::/0\n", -DS_E_ACL_SYNTAX, 2, 3},
    {"allow,192.0.2.0/24\n", -DS_E_ACL_SYNTAX, 1, 0},
    /* Missing word: where the prefix should be. */
    {"allow\n", -DS_E_ACL_SYNTAX, 1, 5},
    {"deny   \n", -DS_E_ACL_SYNTAX, 1, 4},
    {"  deny # 192.0.2.0/24\n", -DS_E_ACL_SYNTAX, 1, 6},
    {"\n\ndeny", -DS_E_ACL_SYNTAX, 3, 4},
    /* Extra word. */
    {"allow 192.0.2.0/24 198.51.100.0/24\n", -DS_E_ACL_SYNTAX, 1, 19},
    {"deny ::1\tnow\n", -DS_E_ACL_SYNTAX, 1, 9},
    {"deny 192.0.2.0 /24\n", -DS_E_ACL_SYNTAX, 1, 15},
    /* Prefix errors, at the column of the bad character. */
    {"allow 192.0.2.0/33\n", -DS_E_PREFIX_RANGE, 1, 16},
    {"# x\n  deny  192.0.2.1:80\n", -DS_E_TRAILING, 2, 17},
    {"deny [2001:db8::1]:443\n", -DS_E_TRAILING, 1, 18},
    {"deny fe80::1%eth0\n", -DS_E_ZONE_NOT_ALLOWED, 1, 12},
    {"deny\t[fe80::1%2]/64\n", -DS_E_ZONE_NOT_ALLOWED, 1, 13},
    {"deny [192.0.2.1]\n", -DS_E_BRACKET_V4, 1, 5},
    {"deny 192.0.2.256\n", -DS_E_V4_OCTET_RANGE, 1, 13},
    {"deny 2001:db8::/\n", -DS_E_PREFIX_MISSING, 1, 16},
    {"deny [2001:db8::/32\n", -DS_E_BRACKET, 1, 19},
    {"deny 2001:db8::/32\r\r\n", -DS_E_PREFIX_SYNTAX, 1, 18},
    /* Conflicts, at the prefix. */
    {"allow 192.0.2.0/24\ndeny  192.0.2.9/24\n", -DS_E_ACL_CONFLICT, 2, 6},
    {"allow 192.0.2.0/24\ndeny ::ffff:192.0.2.0/120\n", -DS_E_ACL_CONFLICT, 2,
        5},
};

static void
test_load_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(load_bad); i++) {
		const struct load_bad *c = &load_bad[i];
		struct ds_acl *acl = acl_new();
		unsigned line = 0;
		size_t col = 999;
		int r;

		r = load_str(acl, c->text, &line, &col);
		if (r != c->err || line != c->line || col != c->col)
			fail_msg("case %zu: got %d (%s) at %u:%zu, want %d at "
			         "%u:%zu",
			    i, r, ds_strerror(r), line, col, c->err, c->line,
			    c->col);
		/* NULL position pointers are fine. */
		ds_acl_free(acl);
		acl = acl_new();
		assert_int_equal(load_str(acl, c->text, NULL, NULL), c->err);
		ds_acl_free(acl);
	}
}

/* Stops at the first bad line; what came before stays, nothing after. */
static void
test_load_stops(void **state)
{
	static const char text[] = "allow 192.0.2.1\n"
	                           "deny 192.0.2.2\n"
	                           "deny 192.0.2.x\n"
	                           "allow 192.0.2.3\n";
	struct ds_acl *acl = acl_new();
	unsigned line;
	size_t col;

	(void)state;
	assert_int_equal(load_str(acl, text, &line, &col), -DS_E_BAD_CHAR);
	assert_int_equal(line, 3);
	assert_int_equal(col, 13);
	assert_counts(acl, 1, 1);
	assert_int_equal(match(acl, "192.0.2.2"), DS_ACL_DENY);
	assert_int_equal(match(acl, "192.0.2.3"), DS_ACL_NONE);
	ds_acl_free(acl);
}

/* --- A large ACL against references ---------------------------------------*/

/* xorshift64*: a fixed sequence, so a failure can be replayed. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

struct ref_rule {
	struct ds_prefix p; /* as stored: normalised, mapped as IPv4 */
	enum ds_acl_action action;
};

static int
ref_cmp(const void *a, const void *b)
{
	const struct ref_rule *x = a, *y = b;

	return ds_prefix_compare(&x->p, &y->p);
}

/*
 * A random address, clustered so that rules nest and overlap: IPv4 in a
 * few /8s, IPv6 in a few /32s, sometimes with the bits after that all
 * random, sometimes only a few low bits.
 */
static void
random_addr(struct ds_addr *a)
{
	static const uint8_t v4_first[] = {10, 192, 198, 203};
	static const uint8_t v6_first[][4] = {
	    {0x20, 0x01, 0x0d, 0xb8},
	    {0x20, 0x01, 0x0d, 0xb9},
	    {0xfe, 0x80, 0x00, 0x00},
	};
	uint64_t r = rng(), s = rng();

	memset(a, 0, sizeof(*a));
	if (r & 1) {
		a->family = AF_INET;
		memcpy(a->u.bytes, &s, 4);
		a->u.bytes[0] = v4_first[(r >> 1) % sizeof(v4_first)];
		if ((r >> 8) & 1)
			a->u.bytes[1] = a->u.bytes[2] = 0;
	} else {
		a->family = AF_INET6;
		memcpy(a->u.bytes, &s, 8);
		s = rng();
		memcpy(a->u.bytes + 8, &s, 8);
		memcpy(a->u.bytes, v6_first[(r >> 1) % 3], 4);
		if ((r >> 8) & 1)
			memset(a->u.bytes + 4, 0, 10);
	}
}

/* Lengths clustered where operators write them, but every one occurs. */
static unsigned
random_len(unsigned bits)
{
	uint64_t r = rng();

	switch (r % 4) {
	case 0:
		return (unsigned)((r >> 2) % (bits + 1));
	case 1:
		return bits;
	default:
		return bits == 32 ? 8 + (unsigned)((r >> 2) % 25)
		                  : 32 + (unsigned)((r >> 2) % 97);
	}
}

/* Linear longest match over every rule. */
static enum ds_acl_action
ref_linear(const struct ref_rule *rules, size_t n, const struct ds_addr *a,
    struct ds_prefix *ret)
{
	const struct ref_rule *best = NULL;
	struct ds_addr u;

	ds_addr_unmap(a, &u);
	for (size_t i = 0; i < n; i++) {
		if (ds_prefix_contains(&rules[i].p, &u) &&
		    (!best || rules[i].p.len > best->p.len))
			best = &rules[i];
	}
	if (!best)
		return DS_ACL_NONE;
	*ret = best->p;
	return best->action;
}

/* Longest match by trying every length from the longest, with a binary
 * search of the sorted rules for each. */
static enum ds_acl_action
ref_lengths(const struct ref_rule *sorted, size_t n, const struct ds_addr *a,
    struct ds_prefix *ret)
{
	struct ref_rule key;
	struct ds_addr u;

	ds_addr_unmap(a, &u);
	memset(u.zone, 0, sizeof(u.zone));
	u.scope_id = 0;
	for (int len = (int)ds_addr_bits(&u); len >= 0; len--) {
		const struct ref_rule *hit;

		memset(&key, 0, sizeof(key));
		key.p.addr = u;
		key.p.len = (unsigned)len;
		ds_prefix_normalize(&key.p);
		hit = bsearch(&key, sorted, n, sizeof(*sorted), ref_cmp);
		if (hit) {
			*ret = hit->p;
			return hit->action;
		}
	}
	return DS_ACL_NONE;
}

#define BIG_RULES 100000
#define BIG_ADDRS 100000
#define LINEAR_ADDRS 1500

static void
test_big_random(void **state)
{
	struct ref_rule *rules = calloc(BIG_RULES, sizeof(*rules));
	struct ds_acl *acl = acl_new();
	size_t n = 0, n_allow = 0, n_deny = 0, conflicts = 0, dups = 0;
	size_t hits = 0;

	(void)state;
	assert_non_null(rules);
	for (size_t i = 0; i < BIG_RULES; i++) {
		struct ds_prefix p;
		enum ds_acl_action action =
		    (rng() & 1) ? DS_ACL_ALLOW : DS_ACL_DENY;
		size_t before = ds_acl_count(acl, NULL, NULL);
		int r;

		memset(&p, 0, sizeof(p));
		random_addr(&p.addr);
		p.len = random_len(ds_addr_bits(&p.addr));
		/* Some IPv4 rules written as mapped prefixes. */
		if (p.addr.family == AF_INET && (rng() % 8) == 0) {
			assert_int_equal(ds_addr_map(&p.addr, &p.addr), 0);
			p.len += 96;
		}
		r = ds_acl_add(acl, &p, action);
		if (r == -DS_E_ACL_CONFLICT) {
			conflicts++;
			continue;
		}
		assert_int_equal(r, 0);
		if (ds_acl_count(acl, NULL, NULL) == before) {
			dups++;
			continue;
		}
		assert_int_equal(ds_acl_count(acl, NULL, NULL), before + 1);
		/* As the ACL stores it. */
		ds_prefix_normalize(&p);
		if (p.len >= 96 && ds_addr_unmap(&p.addr, &p.addr))
			p.len -= 96;
		rules[n].p = p;
		rules[n].action = action;
		n++;
		if (action == DS_ACL_ALLOW)
			n_allow++;
		else
			n_deny++;
	}
	assert_counts(acl, n_allow, n_deny);
	/* The generator must exercise conflicts and duplicates. */
	assert_true(conflicts > 100);
	assert_true(dups > 100);

	/* A rule counted as new is new: no two are the same prefix, and
	 * each conflict or duplicate was one of them. */
	qsort(rules, n, sizeof(*rules), ref_cmp);
	for (size_t i = 1; i < n; i++)
		assert_int_not_equal(ref_cmp(&rules[i - 1], &rules[i]), 0);

	/* Every rule finds itself at its first address, or a longer rule
	 * inside it. */
	for (size_t i = 0; i < n; i++) {
		struct ds_prefix got;
		enum ds_acl_action act =
		    ds_acl_match(acl, &rules[i].p.addr, &got);

		assert_true(ds_prefix_contains_prefix(&rules[i].p, &got));
		if (got.len == rules[i].p.len)
			assert_int_equal(act, rules[i].action);
	}

	for (size_t i = 0; i < BIG_ADDRS; i++) {
		struct ds_prefix want, got, got_mapped;
		enum ds_acl_action w, g;
		struct ds_addr a;

		random_addr(&a);
		memset(&want, 0, sizeof(want));
		memset(&got, 0, sizeof(got));
		w = ref_lengths(rules, n, &a, &want);
		g = ds_acl_match(acl, &a, &got);
		if (g != w ||
		    (w != DS_ACL_NONE &&
		        memcmp(&got, &want, sizeof(got)) != 0)) {
			char as[DS_ADDR_STRLEN], ws[DS_PREFIX_STRLEN],
			    gs[DS_PREFIX_STRLEN];

			ds_addr_format(&a, 0, as, sizeof(as));
			ds_prefix_format(&want, 0, ws, sizeof(ws));
			ds_prefix_format(&got, 0, gs, sizeof(gs));
			fail_msg("%s: got %s %s, want %s %s", as,
			    ds_acl_action_name(g), gs, ds_acl_action_name(w),
			    ws);
		}
		hits += w != DS_ACL_NONE;
		/* The mapped form of an IPv4 address: the same answer. */
		if (a.family == AF_INET) {
			struct ds_addr m;

			assert_int_equal(ds_addr_map(&a, &m), 0);
			memset(&got_mapped, 0, sizeof(got_mapped));
			assert_int_equal(ds_acl_match(acl, &m, &got_mapped), g);
			assert_memory_equal(&got_mapped, &got, sizeof(got));
		}
		assert_int_equal(ds_acl_check(acl, &a),
		    w == DS_ACL_ALLOW || (w == DS_ACL_NONE && n_allow == 0));
	}
	/* Most addresses must meet a rule, or the test proves little. */
	assert_true(hits > BIG_ADDRS / 2);

	/* And the plainest reference of all, on fewer addresses. */
	for (size_t i = 0; i < LINEAR_ADDRS; i++) {
		struct ds_prefix want, got;
		struct ds_addr a;

		random_addr(&a);
		memset(&want, 0, sizeof(want));
		memset(&got, 0, sizeof(got));
		assert_int_equal(ds_acl_match(acl, &a, &got),
		    ref_linear(rules, n, &a, &want));
		assert_memory_equal(&got, &want, sizeof(got));
	}
	ds_acl_free(acl);
	free(rules);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_action_names),
	    cmocka_unit_test(test_new_free_count),
	    cmocka_unit_test(test_null_acl_allows),
	    cmocka_unit_test(test_parse_good),
	    cmocka_unit_test(test_parse_bad),
	    cmocka_unit_test(test_parse_length_bounded),
	    cmocka_unit_test(test_allow_inside_deny),
	    cmocka_unit_test(test_deny_inside_allow),
	    cmocka_unit_test(test_zero_length_rules),
	    cmocka_unit_test(test_host_rules),
	    cmocka_unit_test(test_tree_shapes),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_no_family_address),
	    cmocka_unit_test(test_mapped),
	    cmocka_unit_test(test_mapped_add_direct),
	    cmocka_unit_test(test_zones_ignored),
	    cmocka_unit_test(test_duplicates),
	    cmocka_unit_test(test_add_errors),
	    cmocka_unit_test(test_load_basic),
	    cmocka_unit_test(test_load_counts),
	    cmocka_unit_test(test_load_crlf),
	    cmocka_unit_test(test_load_nul),
	    cmocka_unit_test(test_load_bad),
	    cmocka_unit_test(test_load_stops),
	    cmocka_unit_test(test_big_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
