/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for prefix math (lib/addr-prefix.c): masks and bounds,
 * containment, counts, u128 text, subnets, n-th address, collapsing, and
 * the struct ds_addr constructors and comparisons.
 *
 * Test inputs are built with inet_pton() and results are compared as bytes,
 * so these tests depend on neither the library's parser nor its formatter.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dualstack/addr.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* 2^128 - 1 and 2^128 in decimal. */
#define U128_MAX_TEXT "340282366920938463463374607431768211455"
#define TWO_128_TEXT "340282366920938463463374607431768211456"

/* --- Helpers ------------------------------------------------------------- */

/* A clean address from text, through the C library, never the one tested. */
static struct ds_addr
addr(const char *s)
{
	struct ds_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.u.bytes) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, a.u.bytes) == 1)
		a.family = AF_INET6;
	else
		fail_msg("test bug: bad address \"%s\"", s);
	return a;
}

/* A prefix from "ADDR/LEN", host bits kept as written. */
static struct ds_prefix
pfx(const char *s)
{
	struct ds_prefix p;
	const char *slash = strchr(s, '/');
	char tmp[INET6_ADDRSTRLEN];
	size_t n;

	if (!slash)
		fail_msg("test bug: no length in \"%s\"", s);
	n = (size_t)(slash - s);
	if (n >= sizeof(tmp))
		fail_msg("test bug: \"%s\" too long", s);
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	memset(&p, 0, sizeof(p));
	p.addr = addr(tmp);
	p.len = (unsigned)strtoul(slash + 1, NULL, 10);
	return p;
}

/* Text of an address for failure messages, by inet_ntop(). */
static const char *
ntop(const struct ds_addr *a, char *buf, size_t size)
{
	if (a->family != AF_INET && a->family != AF_INET6) {
		snprintf(buf, size, "<family %d>", a->family);
		return buf;
	}
	return inet_ntop(a->family, a->u.bytes, buf, (socklen_t)size);
}

/*
 * got must equal want byte for byte: family, address, zeroed unused bytes,
 * empty zone, scope_id 0.
 */
static void
check_addr(const struct ds_addr *got, const struct ds_addr *want,
    const char *what, const char *input)
{
	char g[INET6_ADDRSTRLEN + 16], w[INET6_ADDRSTRLEN + 16];

	if (memcmp(got, want, sizeof(*got)) != 0)
		fail_msg("%s(%s): got %s (zone \"%.16s\", scope %" PRIu32
		         "), want %s",
		    what, input, ntop(got, g, sizeof(g)), got->zone,
		    got->scope_id, ntop(want, w, sizeof(w)));
}

static void
check_prefix(const struct ds_prefix *got, const struct ds_prefix *want,
    const char *what, const char *input)
{
	char g[INET6_ADDRSTRLEN + 16], w[INET6_ADDRSTRLEN + 16];

	if (memcmp(got, want, sizeof(*got)) != 0)
		fail_msg("%s(%s): got %s/%u, want %s/%u", what, input,
		    ntop(&got->addr, g, sizeof(g)), got->len,
		    ntop(&want->addr, w, sizeof(w)), want->len);
}

static struct ds_u128
u128(uint64_t hi, uint64_t lo)
{
	struct ds_u128 v = {hi, lo};

	return v;
}

/* --- Construction and comparison ----------------------------------------- */

static void
test_addr_construct(void **state)
{
	static const uint8_t b6[16] = {
	    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
	struct ds_addr a, want;

	memset(&a, 0xa5, sizeof(a));
	ds_addr_from_v4(0xc0000201u, &a);
	want = addr("192.0.2.1");
	check_addr(&a, &want, "ds_addr_from_v4", "0xc0000201");
	assert_int_equal(ds_addr_v4(&a), 0xc0000201u);

	ds_addr_from_v4(0, &a);
	want = addr("0.0.0.0");
	check_addr(&a, &want, "ds_addr_from_v4", "0");
	ds_addr_from_v4(0xffffffffu, &a);
	want = addr("255.255.255.255");
	check_addr(&a, &want, "ds_addr_from_v4", "0xffffffff");
	assert_int_equal(ds_addr_v4(&a), 0xffffffffu);

	want = addr("198.51.100.7");
	assert_int_equal(ds_addr_v4(&want), 0xc6336407u);
	/* Not IPv4: no IPv4 value. */
	want = addr("::ffff:192.0.2.1");
	assert_int_equal(ds_addr_v4(&want), 0);

	memset(&a, 0xa5, sizeof(a));
	ds_addr_from_v6(b6, &a);
	want = addr("2001:db8::1");
	check_addr(&a, &want, "ds_addr_from_v6", "2001:db8::1");
}

static void
test_addr_equal(void **state)
{
	struct ds_addr a = addr("192.0.2.1"), b = addr("192.0.2.1");
	struct ds_addr m = addr("::ffff:192.0.2.1");
	struct ds_addr l1 = addr("fe80::1"), l2 = addr("fe80::1");

	assert_true(ds_addr_equal(&a, &b));
	b.u.bytes[3] = 2;
	assert_false(ds_addr_equal(&a, &b));
	/* The mapped form is another family: not equal until unmapped. */
	assert_false(ds_addr_equal(&a, &m));

	/* Bytes an IPv4 address does not use are not looked at. */
	b = a;
	b.u.bytes[9] = 0x42;
	assert_true(ds_addr_equal(&a, &b));

	/* Zones are compared as text; scope_id is not compared. */
	assert_true(ds_addr_equal(&l1, &l2));
	strcpy(l1.zone, "eth0");
	assert_false(ds_addr_equal(&l1, &l2));
	strcpy(l2.zone, "eth0");
	l2.scope_id = 7;
	assert_true(ds_addr_equal(&l1, &l2));
	strcpy(l2.zone, "eth1");
	assert_false(ds_addr_equal(&l1, &l2));
}

/* Each row sorts strictly before the next. */
static void
test_addr_compare(void **state)
{
	static const struct {
		const char *a;
		const char *zone;
	} order[] = {
	    {"0.0.0.0", ""},
	    {"0.0.0.1", ""},
	    {"10.0.0.0", ""},
	    {"192.0.2.1", ""},
	    {"255.255.255.255", ""},
	    {"::", ""},
	    {"::1", ""},
	    {"::ffff:0.0.0.0", ""},
	    {"2001:db8::", ""},
	    {"fe80::1", ""},
	    {"fe80::1", "eth0"},
	    {"fe80::1", "eth1"},
	    {"fe80::2", ""},
	    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ""},
	};
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(order); i++) {
		for (j = 0; j < ARRAY_SIZE(order); j++) {
			struct ds_addr a = addr(order[i].a);
			struct ds_addr b = addr(order[j].a);
			int want = (i > j) - (i < j);
			int got;

			strcpy(a.zone, order[i].zone);
			strcpy(b.zone, order[j].zone);
			got = ds_addr_compare(&a, &b);
			got = (got > 0) - (got < 0);
			if (got != want)
				fail_msg("compare(%s%%%s, %s%%%s) = %d, "
				         "want %d",
				    order[i].a, order[i].zone, order[j].a,
				    order[j].zone, got, want);
			assert_int_equal(ds_addr_equal(&a, &b), i == j);
		}
	}
}

/* --- Masks and bounds ---------------------------------------------------- */

static const struct {
	const char *prefix;
	const char *mask, *wildcard, *first, *last;
} bounds[] = {
    /* IPv4; last is the broadcast address. */
    {"192.0.2.77/0", "0.0.0.0", "255.255.255.255", "0.0.0.0",
        "255.255.255.255"},
    {"192.0.2.77/1", "128.0.0.0", "127.255.255.255", "128.0.0.0",
        "255.255.255.255"},
    {"10.1.2.3/1", "128.0.0.0", "127.255.255.255", "0.0.0.0",
        "127.255.255.255"},
    {"192.0.2.77/8", "255.0.0.0", "0.255.255.255", "192.0.0.0",
        "192.255.255.255"},
    {"192.0.2.77/23", "255.255.254.0", "0.0.1.255", "192.0.2.0", "192.0.3.255"},
    {"192.0.2.77/24", "255.255.255.0", "0.0.0.255", "192.0.2.0", "192.0.2.255"},
    {"192.0.2.77/25", "255.255.255.128", "0.0.0.127", "192.0.2.0",
        "192.0.2.127"},
    {"192.0.2.77/30", "255.255.255.252", "0.0.0.3", "192.0.2.76", "192.0.2.79"},
    {"192.0.2.77/31", "255.255.255.254", "0.0.0.1", "192.0.2.76", "192.0.2.77"},
    {"192.0.2.77/32", "255.255.255.255", "0.0.0.0", "192.0.2.77", "192.0.2.77"},
    {"255.255.255.255/32", "255.255.255.255", "0.0.0.0", "255.255.255.255",
        "255.255.255.255"},
    {"0.0.0.0/32", "255.255.255.255", "0.0.0.0", "0.0.0.0", "0.0.0.0"},
    /* IPv6. */
    {"2001:db8:1234:5678:9abc:def0:1357:9bdf/0",
        "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
    {"2001:db8:1234:5678:9abc:def0:1357:9bdf/1",
        "8000::", "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "::", "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
    {"fe80::1/1", "8000::", "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "8000::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
    {"2001:db8:1234:5678:9abc:def0:1357:9bdf/31",
        "ffff:fffe::", "::1:ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:db8::", "2001:db9:ffff:ffff:ffff:ffff:ffff:ffff"},
    {"2001:db8:1234:5678:9abc:def0:1357:9bdf/32",
        "ffff:ffff::", "::ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"},
    {"2001:db8:1234:5678:9abc:def0:1357:9bdf/63",
        "ffff:ffff:ffff:fffe::", "::1:ffff:ffff:ffff:ffff",
        "2001:db8:1234:5678::", "2001:db8:1234:5679:ffff:ffff:ffff:ffff"},
    {"2001:db8:1234:5678:9abc:def0:1357:9bdf/64",
        "ffff:ffff:ffff:ffff::", "::ffff:ffff:ffff:ffff",
        "2001:db8:1234:5678::", "2001:db8:1234:5678:ffff:ffff:ffff:ffff"},
    {"2001:db8:1234:5678:9abc:def0:1357:9bdf/65",
        "ffff:ffff:ffff:ffff:8000::", "::7fff:ffff:ffff:ffff",
        "2001:db8:1234:5678:8000::", "2001:db8:1234:5678:ffff:ffff:ffff:ffff"},
    {"2001:db8:1234:5678:9abc:def0:1357:9bdf/126",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffc", "::3",
        "2001:db8:1234:5678:9abc:def0:1357:9bdc",
        "2001:db8:1234:5678:9abc:def0:1357:9bdf"},
    {"2001:db8:1234:5678:9abc:def0:1357:9bdf/127",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "::1",
        "2001:db8:1234:5678:9abc:def0:1357:9bde",
        "2001:db8:1234:5678:9abc:def0:1357:9bdf"},
    {"2001:db8:1234:5678:9abc:def0:1357:9bdf/128",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "::", "2001:db8:1234:5678:9abc:def0:1357:9bdf",
        "2001:db8:1234:5678:9abc:def0:1357:9bdf"},
    {"::/128", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::", "::", "::"},
};

static void
test_prefix_bounds(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bounds); i++) {
		const char *in = bounds[i].prefix;
		struct ds_prefix p = pfx(in), n;
		struct ds_addr got, want;

		/*
		 * A zone and a scope_id on the input must not leak into the
		 * results, which are clean values.
		 */
		if (p.addr.family == AF_INET6) {
			strcpy(p.addr.zone, "eth0");
			p.addr.scope_id = 3;
		}

		memset(&got, 0xa5, sizeof(got));
		ds_prefix_mask(&p, &got);
		want = addr(bounds[i].mask);
		check_addr(&got, &want, "ds_prefix_mask", in);

		memset(&got, 0xa5, sizeof(got));
		ds_prefix_wildcard(&p, &got);
		want = addr(bounds[i].wildcard);
		check_addr(&got, &want, "ds_prefix_wildcard", in);

		memset(&got, 0xa5, sizeof(got));
		ds_prefix_first(&p, &got);
		want = addr(bounds[i].first);
		check_addr(&got, &want, "ds_prefix_first", in);

		memset(&got, 0xa5, sizeof(got));
		ds_prefix_last(&p, &got);
		want = addr(bounds[i].last);
		check_addr(&got, &want, "ds_prefix_last", in);

		/*
		 * normalize clears host bits in place and keeps the rest
		 * (length and zone).
		 */
		n = p;
		ds_prefix_normalize(&n);
		want = addr(bounds[i].first);
		assert_int_equal(n.len, p.len);
		assert_int_equal(n.addr.family, want.family);
		assert_memory_equal(n.addr.u.bytes, want.u.bytes, 16);
		assert_string_equal(n.addr.zone, p.addr.zone);
	}
}

/* Results may be written over the input. */
static void
test_prefix_bounds_alias(void **state)
{
	struct ds_prefix p = pfx("192.0.2.77/24");
	struct ds_addr want = addr("192.0.2.255");

	ds_prefix_last(&p, &p.addr);
	check_addr(&p.addr, &want, "ds_prefix_last", "aliased");
	ds_prefix_first(&p, &p.addr);
	want = addr("192.0.2.0");
	check_addr(&p.addr, &want, "ds_prefix_first", "aliased");
	ds_prefix_mask(&p, &p.addr);
	want = addr("255.255.255.0");
	check_addr(&p.addr, &want, "ds_prefix_mask", "aliased");
}

/* normalize zeroes the bytes IPv4 does not use. */
static void
test_prefix_normalize_v4_tail(void **state)
{
	struct ds_prefix p = pfx("198.51.100.200/26"), want = p;

	memset(p.addr.u.bytes + 4, 0x5a, 12);
	want.addr.u.bytes[3] = 192;
	ds_prefix_normalize(&p);
	check_prefix(&p, &want, "ds_prefix_normalize", "198.51.100.200/26");
}

/* --- Containment --------------------------------------------------------- */

static const struct {
	const char *prefix, *addr;
	bool want;
} contains[] = {
    {"192.0.2.0/24", "192.0.2.0", true},
    {"192.0.2.0/24", "192.0.2.1", true},
    {"192.0.2.0/24", "192.0.2.255", true},
    {"192.0.2.0/24", "192.0.3.0", false},
    {"192.0.2.0/24", "192.0.1.255", false},
    {"192.0.2.77/24", "192.0.2.1", true}, /* host bits of p ignored */
    {"192.0.2.0/31", "192.0.2.1", true},
    {"192.0.2.0/31", "192.0.2.2", false},
    {"192.0.2.77/32", "192.0.2.77", true},
    {"192.0.2.77/32", "192.0.2.76", false},
    {"192.0.2.77/32", "192.0.2.78", false},
    {"0.0.0.0/0", "0.0.0.0", true},
    {"0.0.0.0/0", "255.255.255.255", true},
    {"128.0.0.0/1", "127.255.255.255", false},
    {"128.0.0.0/1", "128.0.0.0", true},
    /* Families never mix; a mapped address is not unmapped here. */
    {"0.0.0.0/0", "::", false},
    {"0.0.0.0/0", "::ffff:192.0.2.1", false},
    {"192.0.2.0/24", "::ffff:192.0.2.1", false},
    {"::/0", "0.0.0.0", false},
    {"::/0", "192.0.2.1", false},
    {"::/0", "::", true},
    {"::/0", "::ffff:192.0.2.1", true},
    {"::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
    {"::ffff:0:0/96", "::ffff:192.0.2.1", true},
    {"2001:db8::/32", "2001:db8::", true},
    {"2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true},
    {"2001:db8::/32", "2001:db9::", false},
    {"2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", false},
    {"2001:db8::/63", "2001:db8:0:1:ffff::", true},
    {"2001:db8::/63", "2001:db8:0:2::", false},
    {"2001:db8::/64", "2001:db8::ffff:ffff:ffff:ffff", true},
    {"2001:db8::/64", "2001:db8:0:1::", false},
    {"2001:db8::/127", "2001:db8::1", true},
    {"2001:db8::/127", "2001:db8::2", false},
    {"2001:db8::1/128", "2001:db8::1", true},
    {"2001:db8::1/128", "2001:db8::", false},
    {"2001:db8::1/128", "2001:db8::2", false},
};

static void
test_prefix_contains(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(contains); i++) {
		struct ds_prefix p = pfx(contains[i].prefix);
		struct ds_addr a = addr(contains[i].addr);

		if (ds_prefix_contains(&p, &a) != contains[i].want)
			fail_msg("contains(%s, %s) should be %s",
			    contains[i].prefix, contains[i].addr,
			    contains[i].want ? "true" : "false");
	}
}

/* Zones are not compared by ds_prefix_contains(). */
static void
test_prefix_contains_zone(void **state)
{
	struct ds_prefix p = pfx("fe80::/64");
	struct ds_addr a = addr("fe80::1");

	strcpy(p.addr.zone, "eth0");
	strcpy(a.zone, "eth1");
	assert_true(ds_prefix_contains(&p, &a));
	a.zone[0] = '\0';
	assert_true(ds_prefix_contains(&p, &a));
}

static const struct {
	const char *outer, *inner;
	bool want;
} contains_prefix[] = {
    {"10.0.0.0/8", "10.1.0.0/16", true},
    {"10.0.0.0/8", "10.0.0.0/8", true},
    {"10.0.0.0/8", "10.255.255.255/32", true},
    {"10.1.0.0/16", "10.0.0.0/8", false},
    {"10.0.0.0/8", "11.0.0.0/16", false},
    {"10.0.0.0/8", "9.255.255.255/32", false},
    {"10.0.0.0/8", "10.0.0.0/7", false},
    {"10.9.9.9/8", "10.1.0.0/16", true}, /* host bits of outer ignored */
    {"192.0.2.0/24", "192.0.2.128/25", true},
    {"192.0.2.128/25", "192.0.2.0/24", false},
    {"192.0.2.0/25", "192.0.2.128/25", false},
    {"0.0.0.0/0", "0.0.0.0/0", true},
    {"0.0.0.0/0", "255.255.255.255/32", true},
    {"0.0.0.0/0", "::/0", false},
    {"0.0.0.0/0", "::ffff:0:0/96", false},
    {"::/0", "0.0.0.0/0", false},
    {"::/0", "::/0", true},
    {"::/0", "2001:db8::/32", true},
    {"2001:db8::/32", "2001:db8::/31", false},
    {"2001:db8::/32", "2001:db8:ffff::/48", true},
    {"2001:db8::/32", "2001:db8::1/128", true},
    {"2001:db8::/48", "2001:db8:1::/48", false},
    {"2001:db8::/64", "2001:db8::/64", true},
    {"2001:db8::1/128", "2001:db8::1/128", true},
    {"2001:db8::1/128", "2001:db8::/127", false},
};

static void
test_prefix_contains_prefix(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(contains_prefix); i++) {
		struct ds_prefix o = pfx(contains_prefix[i].outer);
		struct ds_prefix n = pfx(contains_prefix[i].inner);

		if (ds_prefix_contains_prefix(&o, &n) !=
		    contains_prefix[i].want)
			fail_msg("contains_prefix(%s, %s) should be %s",
			    contains_prefix[i].outer, contains_prefix[i].inner,
			    contains_prefix[i].want ? "true" : "false");
	}
}

/* --- Counts -------------------------------------------------------------- */

static const struct {
	const char *prefix;
	uint64_t hi, lo;
	bool overflow;
	const char *text;
} counts[] = {
    {"0.0.0.0/0", 0, 1ull << 32, false, "4294967296"},
    {"128.0.0.0/1", 0, 1ull << 31, false, "2147483648"},
    {"10.0.0.0/8", 0, 1ull << 24, false, "16777216"},
    {"192.0.2.0/24", 0, 256, false, "256"},
    {"192.0.2.0/31", 0, 2, false, "2"},
    {"192.0.2.1/32", 0, 1, false, "1"},
    /* The whole IPv6 space is one more than a u128 holds. */
    {"::/0", 0, 0, true, TWO_128_TEXT},
    {"::/1", 1ull << 63, 0, false, "170141183460469231731687303715884105728"},
    {"2001:db8::/32", 1ull << 32, 0, false, "79228162514264337593543950336"},
    {"2001:db8::/63", 2, 0, false, "36893488147419103232"},
    {"2001:db8::/64", 1, 0, false, "18446744073709551616"},
    {"2001:db8::/65", 0, 1ull << 63, false, "9223372036854775808"},
    {"2001:db8::/127", 0, 2, false, "2"},
    {"2001:db8::1/128", 0, 1, false, "1"},
};

static void
test_prefix_count(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		struct ds_prefix p = pfx(counts[i].prefix);
		struct ds_u128 c = u128(0xa5, 0xa5);
		bool over = !counts[i].overflow;
		char buf[64];
		int n;

		ds_prefix_count(&p, &c, &over);
		if (c.hi != counts[i].hi || c.lo != counts[i].lo ||
		    over != counts[i].overflow)
			fail_msg("count(%s) = {%#" PRIx64 ", %#" PRIx64
			         "} overflow %d",
			    counts[i].prefix, c.hi, c.lo, over);

		memset(buf, 'x', sizeof(buf));
		n = ds_prefix_count_format(&p, buf, sizeof(buf));
		assert_int_equal(n, strlen(counts[i].text));
		assert_string_equal(buf, counts[i].text);
	}
}

/* snprintf semantics: the full length back, a truncated NUL-ended text. */
static void
test_prefix_count_format_truncated(void **state)
{
	struct ds_prefix p = pfx("::/0");
	char buf[8];

	assert_int_equal(ds_prefix_count_format(&p, buf, sizeof(buf)), 39);
	assert_string_equal(buf, "3402823");
	assert_int_equal(ds_prefix_count_format(&p, NULL, 0), 39);
	p = pfx("0.0.0.0/0");
	assert_int_equal(ds_prefix_count_format(&p, buf, 1), 10);
	assert_string_equal(buf, "");
}

/* --- u128 text ----------------------------------------------------------- */

static const struct {
	uint64_t hi, lo;
	const char *text;
} u128_text[] = {
    {0, 0, "0"},
    {0, 1, "1"},
    {0, 9, "9"},
    {0, 10, "10"},
    {0, 4294967295u, "4294967295"},
    {0, UINT64_MAX, "18446744073709551615"},
    {1, 0, "18446744073709551616"},
    {0, 0x8ac7230489e80000u, "10000000000000000000"}, /* 10^19 */
    {0x4b3b4ca85a86c47au, 0x098a224000000000u,
        "100000000000000000000000000000000000000"}, /* 10^38 */
    {0x0123456789abcdefu, 0xfedcba9876543210u,
        "1512366075204170947332355369683137040"},
    {0x20010db800000000u, 1, "42540766411282592856903984951653826561"},
    {1ull << 63, 0, "170141183460469231731687303715884105728"},
    {UINT64_MAX, UINT64_MAX, U128_MAX_TEXT},
};

static void
test_u128_format(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(u128_text); i++) {
		char buf[48];
		int n;

		memset(buf, 'x', sizeof(buf));
		n = ds_u128_format(
		    u128(u128_text[i].hi, u128_text[i].lo), buf, sizeof(buf));
		assert_int_equal(n, strlen(u128_text[i].text));
		assert_string_equal(buf, u128_text[i].text);
	}
}

static void
test_u128_format_truncated(void **state)
{
	char buf[5];

	assert_int_equal(ds_u128_format(u128(1, 0), buf, sizeof(buf)), 20);
	assert_string_equal(buf, "1844");
	assert_int_equal(ds_u128_format(u128(0, 0), NULL, 0), 1);
	assert_int_equal(ds_u128_format(u128(0, 7), buf, 1), 1);
	assert_string_equal(buf, "");
}

/* Valid texts: what they parse to. */
static const struct {
	const char *text;
	uint64_t hi, lo;
} u128_valid[] = {
    {"0", 0, 0},
    {"000", 0, 0},
    {"7", 0, 7},
    {"0042", 0, 42},
    /* Leading zeros beyond 39 digits are still only leading zeros. */
    {"00000000000000000000000000000000000000000000000001", 0, 1},
    {"00" U128_MAX_TEXT, UINT64_MAX, UINT64_MAX},
    {"18446744073709551615", 0, UINT64_MAX},
    {"18446744073709551616", 1, 0},
    {"340282366920938463463374607431768211450", UINT64_MAX, UINT64_MAX - 5},
    {U128_MAX_TEXT, UINT64_MAX, UINT64_MAX},
};

/* Invalid texts: the error. */
static const struct {
	const char *text;
	int err;
} u128_invalid[] = {
    {"", -EINVAL},
    {"12a", -EINVAL},
    {"a12", -EINVAL},
    {"+1", -EINVAL},
    {"-1", -EINVAL},
    {"-0", -EINVAL},
    {" 1", -EINVAL},
    {"1 ", -EINVAL},
    {"1_000", -EINVAL},
    {"0x10", -EINVAL},
    {"1.0", -EINVAL},
    /* Syntax is checked before range. */
    {"999999999999999999999999999999999999999999a", -EINVAL},
    {TWO_128_TEXT, -ERANGE},
    {"340282366920938463463374607431768211460", -ERANGE},
    {"340282366920938463463374607431768211500", -ERANGE},
    {"999999999999999999999999999999999999999", -ERANGE},
    {"1000000000000000000000000000000000000000", -ERANGE},
    {U128_MAX_TEXT "0", -ERANGE},
};

static void
test_u128_parse(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(u128_valid); i++) {
		const char *s = u128_valid[i].text;
		struct ds_u128 v = u128(0xa5, 0xa5);
		int r = ds_u128_parse(s, strlen(s), &v);

		if (r != 0 || v.hi != u128_valid[i].hi ||
		    v.lo != u128_valid[i].lo)
			fail_msg("parse(\"%s\") = %d {%#" PRIx64 ", %#" PRIx64
			         "}",
			    s, r, v.hi, v.lo);
	}
	for (i = 0; i < ARRAY_SIZE(u128_invalid); i++) {
		const char *s = u128_invalid[i].text;
		struct ds_u128 v = u128(0xa5, 0x5a);
		int r = ds_u128_parse(s, strlen(s), &v);

		if (r != u128_invalid[i].err)
			fail_msg("parse(\"%s\") = %d, want %d", s, r,
			    u128_invalid[i].err);
		/* Written only on success. */
		assert_true(v.hi == 0xa5 && v.lo == 0x5a);
	}
}

/* The input is (pointer, length): nothing past len is read. */
static void
test_u128_parse_length(void **state)
{
	struct ds_u128 v;
	const char digits[3] = {'1', '2', '3'}; /* no NUL */

	assert_int_equal(ds_u128_parse("123456", 3, &v), 0);
	assert_true(v.hi == 0 && v.lo == 123);
	assert_int_equal(ds_u128_parse(digits, sizeof(digits), &v), 0);
	assert_true(v.hi == 0 && v.lo == 123);
	assert_int_equal(ds_u128_parse("12x", 2, &v), 0);
	assert_true(v.hi == 0 && v.lo == 12);
	assert_int_equal(ds_u128_parse(NULL, 0, &v), -EINVAL);
}

/* A small deterministic generator (splitmix64) for the randomized tests. */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* format and parse are each other's inverse on random values. */
static void
test_u128_round_trip(void **state)
{
	uint64_t seed = 12345;
	int i;

	for (i = 0; i < 20000; i++) {
		/* Random magnitudes, so short numbers get tested too. */
		unsigned bits = (unsigned)(rnd(&seed) % 129);
		uint64_t hi = rnd(&seed), lo = rnd(&seed);
		struct ds_u128 v, back;
		char buf[48];
		int n;

		if (bits <= 64) {
			hi = 0;
			lo = bits == 0 ? 0 : lo >> (64 - bits);
		} else {
			hi >>= 128 - bits;
		}
		v = u128(hi, lo);
		n = ds_u128_format(v, buf, sizeof(buf));
		assert_true(n >= 1 && n <= 39);
		assert_int_equal(n, strlen(buf));
		assert_true(n == 1 || buf[0] != '0');
		assert_int_equal(ds_u128_parse(buf, (size_t)n, &back), 0);
		if (back.hi != hi || back.lo != lo)
			fail_msg("round trip of {%#" PRIx64 ", %#" PRIx64
			         "} via \"%s\"",
			    hi, lo, buf);
	}
}

/* --- Subnets and the n-th address ---------------------------------------- */

static const struct {
	const char *prefix;
	unsigned newlen;
	uint64_t hi, lo;
	int err;
	const char *want; /* when err == 0 */
} subnets[] = {
    {"2001:db8::/32", 48, 0, 0, 0, "2001:db8::/48"},
    {"2001:db8::/32", 48, 0, 1, 0, "2001:db8:1::/48"},
    {"2001:db8::/32", 48, 0, 65535, 0, "2001:db8:ffff::/48"},
    {"2001:db8::/32", 48, 0, 65536, -ERANGE, NULL},
    {"2001:db8::/32", 48, 1, 0, -ERANGE, NULL},
    {"2001:db8::/32", 48, UINT64_MAX, UINT64_MAX, -ERANGE, NULL},
    {"2001:db8::/32", 32, 0, 0, 0, "2001:db8::/32"},
    {"2001:db8::/32", 32, 0, 1, -ERANGE, NULL},
    {"2001:db8::/32", 64, 0, 0xffffffffu, 0, "2001:db8:ffff:ffff::/64"},
    {"2001:db8::/32", 64, 0, 0x100000000u, -ERANGE, NULL},
    {"2001:db8::/32", 128, 0, 1, 0, "2001:db8::1/128"},
    {"2001:db8::/32", 128, 0xffffffffu, UINT64_MAX, 0,
        "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/128"},
    {"2001:db8::/32", 128, 0x100000000u, 0, -ERANGE, NULL},
    {"2001:db8::/32", 31, 0, 0, -EINVAL, NULL},
    {"2001:db8::/32", 129, 0, 0, -EINVAL, NULL},
    {"2001:db8:1:2::99/32", 48, 0, 2, 0, "2001:db8:2::/48"}, /* host bits */
    {"2001:db8::/127", 128, 0, 1, 0, "2001:db8::1/128"},
    {"2001:db8::/127", 128, 0, 2, -ERANGE, NULL},
    {"2001:db8::/128", 128, 0, 0, 0, "2001:db8::/128"},
    {"2001:db8::/128", 128, 0, 1, -ERANGE, NULL},
    {"::/0", 0, 0, 0, 0, "::/0"},
    {"::/0", 0, 0, 1, -ERANGE, NULL},
    {"::/0", 1, 0, 1, 0, "8000::/1"},
    {"::/0", 1, 0, 2, -ERANGE, NULL},
    {"::/0", 64, 0, 0x20010db800000001u, 0, "2001:db8:0:1::/64"},
    {"::/0", 64, 1, 0, -ERANGE, NULL},
    /* /0 into /128: every u128 is a valid index. */
    {"::/0", 128, 0, 0, 0, "::/128"},
    {"::/0", 128, 0x20010db800000000u, 1, 0, "2001:db8::1/128"},
    {"::/0", 128, UINT64_MAX, UINT64_MAX, 0,
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"},
    {"::/0", 127, UINT64_MAX, UINT64_MAX, -ERANGE, NULL},
    {"::/0", 127, UINT64_MAX >> 1, UINT64_MAX, 0,
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"},
    {"192.0.2.0/24", 26, 0, 0, 0, "192.0.2.0/26"},
    {"192.0.2.0/24", 26, 0, 1, 0, "192.0.2.64/26"},
    {"192.0.2.0/24", 26, 0, 2, 0, "192.0.2.128/26"},
    {"192.0.2.0/24", 26, 0, 3, 0, "192.0.2.192/26"},
    {"192.0.2.0/24", 26, 0, 4, -ERANGE, NULL},
    {"192.0.2.0/24", 26, 1, 0, -ERANGE, NULL},
    {"192.0.2.77/24", 26, 0, 1, 0, "192.0.2.64/26"}, /* host bits */
    {"192.0.2.0/24", 24, 0, 0, 0, "192.0.2.0/24"},
    {"192.0.2.0/24", 24, 0, 1, -ERANGE, NULL},
    {"192.0.2.0/24", 32, 0, 255, 0, "192.0.2.255/32"},
    {"192.0.2.0/24", 32, 0, 256, -ERANGE, NULL},
    {"192.0.2.0/24", 23, 0, 0, -EINVAL, NULL},
    {"192.0.2.0/24", 33, 0, 0, -EINVAL, NULL},
    {"192.0.2.0/24", 128, 0, 0, -EINVAL, NULL},
    {"0.0.0.0/0", 0, 0, 0, 0, "0.0.0.0/0"},
    {"0.0.0.0/0", 1, 0, 1, 0, "128.0.0.0/1"},
    {"0.0.0.0/0", 8, 0, 10, 0, "10.0.0.0/8"},
    {"0.0.0.0/0", 32, 0, 0xffffffffu, 0, "255.255.255.255/32"},
    {"0.0.0.0/0", 32, 0, 0x100000000u, -ERANGE, NULL},
    {"10.0.0.0/31", 32, 0, 1, 0, "10.0.0.1/32"},
    {"10.0.0.1/32", 32, 0, 0, 0, "10.0.0.1/32"},
    /* A prefix whose own length is out of range. */
    {"10.0.0.0/33", 33, 0, 0, -EINVAL, NULL},
    {"2001:db8::/129", 129, 0, 0, -EINVAL, NULL},
};

static void
test_prefix_subnet(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(subnets); i++) {
		struct ds_prefix p = pfx(subnets[i].prefix), got, sentinel;
		char what[96];
		int r;

		snprintf(what, sizeof(what),
		    "%s, /%u, {%#" PRIx64 ", %#" PRIx64 "}", subnets[i].prefix,
		    subnets[i].newlen, subnets[i].hi, subnets[i].lo);
		memset(&got, 0xa5, sizeof(got));
		sentinel = got;
		r = ds_prefix_subnet(&p, subnets[i].newlen,
		    u128(subnets[i].hi, subnets[i].lo), &got);
		if (r != subnets[i].err)
			fail_msg("subnet(%s) = %d, want %d", what, r,
			    subnets[i].err);
		if (r == 0) {
			struct ds_prefix want = pfx(subnets[i].want);

			check_prefix(&got, &want, "ds_prefix_subnet", what);
		} else {
			assert_memory_equal(&got, &sentinel, sizeof(got));
		}
	}
}

static const struct {
	const char *prefix;
	uint64_t hi, lo;
	int err;
	const char *want;
} nths[] = {
    {"192.0.2.0/24", 0, 0, 0, "192.0.2.0"},
    {"192.0.2.0/24", 0, 1, 0, "192.0.2.1"},
    {"192.0.2.0/24", 0, 255, 0, "192.0.2.255"},
    {"192.0.2.0/24", 0, 256, -ERANGE, NULL},
    {"192.0.2.0/24", 1, 0, -ERANGE, NULL},
    {"192.0.2.77/24", 0, 5, 0, "192.0.2.5"}, /* host bits ignored */
    {"192.0.2.77/32", 0, 0, 0, "192.0.2.77"},
    {"192.0.2.77/32", 0, 1, -ERANGE, NULL},
    {"10.0.0.0/31", 0, 1, 0, "10.0.0.1"},
    {"10.0.0.0/31", 0, 2, -ERANGE, NULL},
    {"10.0.0.0/8", 0, 0x10203, 0, "10.1.2.3"},
    {"0.0.0.0/0", 0, 0, 0, "0.0.0.0"},
    {"0.0.0.0/0", 0, 0xffffffffu, 0, "255.255.255.255"},
    {"0.0.0.0/0", 0, 0x100000000u, -ERANGE, NULL},
    {"128.0.0.0/1", 0, 0x7fffffffu, 0, "255.255.255.255"},
    {"128.0.0.0/1", 0, 0x80000000u, -ERANGE, NULL},
    {"::/0", 0, 0, 0, "::"},
    {"::/0", UINT64_MAX, UINT64_MAX, 0,
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
    {"::/0", 0x20010db800000000u, 1, 0, "2001:db8::1"},
    {"::/1", UINT64_MAX >> 1, UINT64_MAX, 0,
        "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
    {"::/1", 1ull << 63, 0, -ERANGE, NULL},
    {"2001:db8::/32", 0, 1, 0, "2001:db8::1"},
    {"2001:db8::/32", 0xffffffffu, UINT64_MAX, 0,
        "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"},
    {"2001:db8::/32", 0x100000000u, 0, -ERANGE, NULL},
    {"2001:db8::/64", 0, 0x123456789abcdef0u, 0,
        "2001:db8::1234:5678:9abc:def0"},
    {"2001:db8::/64", 0, UINT64_MAX, 0, "2001:db8::ffff:ffff:ffff:ffff"},
    {"2001:db8::/64", 1, 0, -ERANGE, NULL},
    {"2001:db8::/127", 0, 1, 0, "2001:db8::1"},
    {"2001:db8::/127", 0, 2, -ERANGE, NULL},
    {"2001:db8::1/128", 0, 0, 0, "2001:db8::1"},
    {"2001:db8::1/128", 0, 1, -ERANGE, NULL},
    {"10.0.0.0/33", 0, 0, -EINVAL, NULL},
    {"2001:db8::/129", 0, 0, -EINVAL, NULL},
};

static void
test_prefix_nth(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(nths); i++) {
		struct ds_prefix p = pfx(nths[i].prefix);
		struct ds_addr got, sentinel;
		char what[96];
		int r;

		/* The zone of p does not carry over to the result. */
		if (p.addr.family == AF_INET6) {
			strcpy(p.addr.zone, "3");
			p.addr.scope_id = 3;
		}
		snprintf(what, sizeof(what), "%s, {%#" PRIx64 ", %#" PRIx64 "}",
		    nths[i].prefix, nths[i].hi, nths[i].lo);
		memset(&got, 0xa5, sizeof(got));
		sentinel = got;
		r = ds_prefix_nth(&p, u128(nths[i].hi, nths[i].lo), &got);
		if (r != nths[i].err)
			fail_msg("nth(%s) = %d, want %d", what, r, nths[i].err);
		if (r == 0) {
			struct ds_addr want = addr(nths[i].want);

			check_addr(&got, &want, "ds_prefix_nth", what);
		} else {
			assert_memory_equal(&got, &sentinel, sizeof(got));
		}
	}
}

/*
 * Values out of contract -- no family, a length too long -- give defined
 * results.
 */
static void
test_prefix_odd_values(void **state)
{
	struct ds_prefix p, q;
	struct ds_addr a;
	struct ds_u128 c;
	bool over = true;
	char buf[8];

	memset(&p, 0, sizeof(p));
	memset(&a, 0, sizeof(a));
	assert_int_equal(
	    ds_prefix_subnet(&p, 0, u128(0, 0), &q), -EAFNOSUPPORT);
	assert_int_equal(ds_prefix_nth(&p, u128(0, 0), &a), -EAFNOSUPPORT);
	assert_false(ds_prefix_contains(&p, &a));
	assert_false(ds_prefix_contains_prefix(&p, &p));
	ds_prefix_count(&p, &c, &over);
	assert_true(c.hi == 0 && c.lo == 0 && !over);
	assert_int_equal(ds_prefix_count_format(&p, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "0");
	/*
	 * A length past the family's bits reads as the full length, and
	 * never makes the library look at bytes the family does not use.
	 */
	p = pfx("192.0.2.1/40");
	p.addr.u.bytes[4] = 0x11;
	a = addr("192.0.2.1");
	assert_true(ds_prefix_contains(&p, &a));
	q = pfx("192.0.2.1/32");
	assert_true(ds_prefix_contains_prefix(&p, &q));
	assert_true(ds_prefix_contains_prefix(&q, &p));
	ds_prefix_count(&p, &c, &over);
	assert_true(c.hi == 0 && c.lo == 1 && !over);
	ds_prefix_mask(&p, &a);
	q.addr = addr("255.255.255.255");
	check_addr(&a, &q.addr, "ds_prefix_mask", "192.0.2.1/40");

	/* The overflow flag is optional. */
	p = pfx("::/0");
	ds_prefix_count(&p, &c, NULL);
	assert_true(c.hi == 0 && c.lo == 0);
}

/* --- Order of prefixes --------------------------------------------------- */

/* Each row sorts strictly before the next. */
static void
test_prefix_compare(void **state)
{
	static const char *const order[] = {
	    "0.0.0.0/0",
	    "0.0.0.0/1",
	    "0.0.0.0/32",
	    "10.0.0.0/8",
	    "10.0.0.0/24",
	    "10.0.0.1/32",
	    "10.0.1.0/24",
	    "255.255.255.255/32",
	    "::/0",
	    "::/128",
	    "::ffff:10.0.0.0/104",
	    "2001:db8::/32",
	    "2001:db8::/48",
	    "2001:db8::1/128",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
	};
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(order); i++) {
		for (j = 0; j < ARRAY_SIZE(order); j++) {
			struct ds_prefix a = pfx(order[i]), b = pfx(order[j]);
			int want = (i > j) - (i < j);
			int got = ds_prefix_compare(&a, &b);

			got = (got > 0) - (got < 0);
			if (got != want)
				fail_msg("compare(%s, %s) = %d, want %d",
				    order[i], order[j], got, want);
		}
	}
}

/* --- Collapse ------------------------------------------------------------ */

#define MAX_LIST 12

/* Lists are NULL-terminated. */
static const struct {
	const char *in[MAX_LIST];
	const char *out[MAX_LIST];
} collapses[] = {
    /* The example in Python's ipaddress documentation. */
    {{"192.0.2.0/25", "192.0.2.128/25"}, {"192.0.2.0/24"}},
    {{"192.0.2.128/25", "192.0.2.0/25"}, {"192.0.2.0/24"}},
    /* A merge that enables another one with an earlier entry. */
    {{"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/23"}, {"10.0.0.0/22"}},
    {{"10.0.2.0/23", "10.0.1.0/24", "10.0.0.0/24"}, {"10.0.0.0/22"}},
    {{"10.0.0.0/23", "10.0.2.0/24", "10.0.3.0/24"}, {"10.0.0.0/22"}},
    {{"10.0.0.3/32", "10.0.0.0/32", "10.0.0.2/32", "10.0.0.1/32"},
        {"10.0.0.0/30"}},
    {{"10.0.0.0/32", "10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/30", "10.0.0.8/29",
         "10.0.0.16/28", "10.0.0.32/27", "10.0.0.64/26", "10.0.0.128/25"},
        {"10.0.0.0/24"}},
    /* Up to the whole space. */
    {{"0.0.0.0/1", "128.0.0.0/1"}, {"0.0.0.0/0"}},
    {{"::/1", "8000::/1"}, {"::/0"}},
    {{"128.0.0.0/2", "0.0.0.0/1", "192.0.0.0/2"}, {"0.0.0.0/0"}},
    /* Edges of the space. */
    {{"255.255.255.255/32", "255.255.255.254/32"}, {"255.255.255.254/31"}},
    {{"0.0.0.1/32", "0.0.0.0/32"}, {"0.0.0.0/31"}},
    {{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
         "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/128"},
        {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"}},
    /* Adjacent but not siblings: two different parents. */
    {{"192.0.2.128/25", "192.0.3.0/25"}, {"192.0.2.128/25", "192.0.3.0/25"}},
    {{"192.0.2.0/26", "192.0.2.64/26", "192.0.2.128/26"},
        {"192.0.2.0/25", "192.0.2.128/26"}},
    {{"2001:db8:1::/48", "2001:db8:2::/48"},
        {"2001:db8:1::/48", "2001:db8:2::/48"}},
    /* Duplicates and contained prefixes. */
    {{"192.0.2.0/24", "192.0.2.0/24", "192.0.2.0/24"}, {"192.0.2.0/24"}},
    {{"192.0.2.1/32", "192.0.2.64/26", "192.0.2.0/24"}, {"192.0.2.0/24"}},
    {{"192.0.2.0/24", "192.0.2.64/26", "192.0.2.1/32"}, {"192.0.2.0/24"}},
    {{"10.0.0.0/8", "10.0.0.0/9", "10.128.0.0/9", "10.0.0.0/8"},
        {"10.0.0.0/8"}},
    {{"2001:db8::/32", "2001:db8::1/128", "2001:db8::/32", "2001:db8::/64"},
        {"2001:db8::/32"}},
    /* Host bits are cleared first. */
    {{"192.0.2.77/24"}, {"192.0.2.0/24"}},
    {{"192.0.2.77/24", "192.0.3.1/24"}, {"192.0.2.0/23"}},
    {{"2001:db8::1/127", "2001:db8::3/127"}, {"2001:db8::/126"}},
    /* Both families at once, IPv4 first; they never merge together. */
    {{"2001:db8:1::/48", "10.0.0.0/9", "2001:db8::/48", "10.128.0.0/9",
         "192.0.2.1/32", "2001:db8::1/128"},
        {"10.0.0.0/8", "192.0.2.1/32", "2001:db8::/47"}},
    {{"::/0", "2001:db8::/32", "10.0.0.0/8", "0.0.0.0/0"},
        {"0.0.0.0/0", "::/0"}},
    {{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
        {"10.0.0.0/8", "::ffff:10.0.0.0/104"}},
    {{"::/1", "128.0.0.0/1"}, {"128.0.0.0/1", "::/1"}},
    /*
     * The last IPv4 and the first IPv6 entry can agree bit for bit like
     * two halves of a parent; they still never merge.
     */
    {{"8000::/1", "0.0.0.0/1"}, {"0.0.0.0/1", "8000::/1"}},
    {{"c000:201::/32", "192.0.2.0/32"}, {"192.0.2.0/32", "c000:201::/32"}},
    /* Short lists. */
    {{NULL}, {NULL}},
    {{"2001:db8::/32"}, {"2001:db8::/32"}},
};

static size_t
list_len(const char *const *l)
{
	size_t n = 0;

	while (n < MAX_LIST && l[n])
		n++;
	return n;
}

static void
test_prefix_collapse(void **state)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(collapses); i++) {
		struct ds_prefix list[MAX_LIST];
		size_t n = list_len(collapses[i].in);
		size_t nwant = list_len(collapses[i].out), got;

		for (j = 0; j < n; j++)
			list[j] = pfx(collapses[i].in[j]);
		got = ds_prefix_collapse(list, n);
		if (got != nwant)
			fail_msg(
			    "case %zu: %zu prefixes, want %zu", i, got, nwant);
		for (j = 0; j < got; j++) {
			struct ds_prefix want = pfx(collapses[i].out[j]);
			char what[32];

			snprintf(what, sizeof(what), "case %zu, #%zu", i, j);
			check_prefix(
			    &list[j], &want, "ds_prefix_collapse", what);
		}
	}
}

/* Zones and scope IDs are dropped, so zoned prefixes merge. */
static void
test_prefix_collapse_zones(void **state)
{
	struct ds_prefix list[3], want;

	list[0] = pfx("fe80::1/65");
	strcpy(list[0].addr.zone, "eth0");
	list[1] = pfx("fe80::8000:0:0:1/65");
	strcpy(list[1].addr.zone, "3");
	list[1].addr.scope_id = 3;
	list[2] = pfx("fe80::1/128");
	strcpy(list[2].addr.zone, "eth1");
	assert_int_equal(ds_prefix_collapse(list, 3), 1);
	want = pfx("fe80::/64");
	check_prefix(&list[0], &want, "ds_prefix_collapse", "zones");
}

/*
 * Values with no family are dropped, the out-of-range length of an IPv4
 * value is read as /32, and junk in unused IPv4 bytes is cleared.
 */
static void
test_prefix_collapse_odd_input(void **state)
{
	struct ds_prefix list[4], want;

	memset(&list[0], 0, sizeof(list[0]));
	list[1] = pfx("192.0.2.1/40");
	list[2] = pfx("192.0.2.0/32");
	memset(list[2].addr.u.bytes + 4, 0x77, 12);
	memset(&list[3], 0, sizeof(list[3]));
	list[3].len = 7;
	assert_int_equal(ds_prefix_collapse(list, 4), 1);
	want = pfx("192.0.2.0/31");
	check_prefix(&list[0], &want, "ds_prefix_collapse", "odd input");
}

/*
 * Randomized comparison against a model. Prefixes are drawn inside two
 * 16-bit spaces, 10.0.0.0/16 and 2001:db8::/112, so that the addresses they
 * cover fit in a bitmap of 65536 entries per family. From that bitmap the
 * model builds the unique minimal list directly: a block is in it when all
 * of its addresses are covered and its parent's are not. That list, IPv4
 * then IPv6, in address order, is what ds_prefix_collapse() must return,
 * entry for entry.
 */
#define SPACE 65536u

struct model {
	int32_t diff[SPACE + 1]; /* coverage as +1 at start, -1 at end */
	uint32_t sum[SPACE + 1]; /* sum[i]: covered addresses below i */
};

static struct ds_prefix
space_prefix(int family, uint32_t off, unsigned sublen)
{
	struct ds_prefix p;

	memset(&p, 0, sizeof(p));
	if (family == AF_INET) {
		p.addr = addr("10.0.0.0");
		p.addr.u.bytes[2] = (uint8_t)(off >> 8);
		p.addr.u.bytes[3] = (uint8_t)off;
		p.len = 16 + sublen;
	} else {
		p.addr = addr("2001:db8::");
		p.addr.u.bytes[14] = (uint8_t)(off >> 8);
		p.addr.u.bytes[15] = (uint8_t)off;
		p.len = 112 + sublen;
	}
	return p;
}

static void
model_add(struct model *m, uint32_t off, unsigned sublen)
{
	uint32_t size = SPACE >> sublen, start = off & ~(size - 1);

	m->diff[start]++;
	m->diff[start + size]--;
}

static void
model_finish(struct model *m)
{
	int32_t depth = 0;
	uint32_t i;

	m->sum[0] = 0;
	for (i = 0; i < SPACE; i++) {
		depth += m->diff[i];
		m->sum[i + 1] = m->sum[i] + (depth > 0);
	}
}

/* Append the minimal blocks of [start, start + 2^(16 - sublen)). */
static void
model_emit(const struct model *m, int family, uint32_t start, unsigned sublen,
    struct ds_prefix *out, size_t *n)
{
	uint32_t size = SPACE >> sublen;
	uint32_t covered = m->sum[start + size] - m->sum[start];

	if (covered == size) {
		out[(*n)++] = space_prefix(family, start, sublen);
	} else if (covered > 0) {
		model_emit(m, family, start, sublen + 1, out, n);
		model_emit(m, family, start + size / 2, sublen + 1, out, n);
	}
}

/*
 * Properties of any collapsed list, independent of the model: strictly
 * sorted, clean values, and no neighbour that contains or is a sibling of
 * the next.
 */
static void
check_minimal(const struct ds_prefix *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct ds_prefix c = l[i];

		ds_prefix_normalize(&c);
		assert_memory_equal(&c, &l[i], sizeof(c));
		assert_string_equal(l[i].addr.zone, "");
		assert_int_equal(l[i].addr.scope_id, 0);
		if (i == 0)
			continue;
		assert_true(ds_prefix_compare(&l[i - 1], &l[i]) < 0);
		assert_false(ds_prefix_contains_prefix(&l[i - 1], &l[i]));
		assert_false(ds_prefix_contains_prefix(&l[i], &l[i - 1]));
		if (l[i].addr.family == l[i - 1].addr.family &&
		    l[i].len == l[i - 1].len && l[i].len > 0) {
			struct ds_prefix a = l[i - 1], b = l[i];

			a.len--;
			b.len--;
			ds_prefix_normalize(&a);
			ds_prefix_normalize(&b);
			if (memcmp(&a, &b, sizeof(a)) == 0)
				fail_msg("entries %zu and %zu are siblings",
				    i - 1, i);
		}
	}
}

struct rand_case {
	size_t n;
	unsigned minsub, maxsub; /* lengths inside the 16-bit space */
	unsigned v6_percent;
	bool exhaustive; /* every /32 of 10.0.0.0/16, shuffled */
};

static void
run_random(const struct rand_case *rc, uint64_t seed)
{
	struct model *m4 = calloc(1, sizeof(*m4));
	struct model *m6 = calloc(1, sizeof(*m6));
	struct ds_prefix *list = calloc(rc->n ? rc->n : 1, sizeof(*list));
	/*
	 * The minimal list is never longer than the input: every input block
	 * lies inside one of its blocks, and each of them holds at least one.
	 */
	struct ds_prefix *want = calloc(rc->n ? rc->n : 1, sizeof(*want));
	size_t i, nwant = 0, got;

	assert_non_null(m4);
	assert_non_null(m6);
	assert_non_null(list);
	assert_non_null(want);

	for (i = 0; i < rc->n; i++) {
		int family =
		    rnd(&seed) % 100 < rc->v6_percent ? AF_INET6 : AF_INET;
		unsigned sublen = rc->minsub +
		    (unsigned)(rnd(&seed) % (rc->maxsub - rc->minsub + 1));
		uint32_t off = (uint32_t)(rnd(&seed) % SPACE);

		if (rc->exhaustive) {
			family = AF_INET;
			sublen = 16;
			off = (uint32_t)i;
		}
		model_add(family == AF_INET ? m4 : m6, off, sublen);
		/* Host bits stay set, as the caller wrote them. */
		list[i] = space_prefix(family, off, 16);
		list[i].len = (family == AF_INET ? 16 : 112) + sublen;
		if (family == AF_INET6 && rnd(&seed) % 4 == 0)
			strcpy(list[i].addr.zone, "eth0");
	}
	if (rc->exhaustive) {
		/* Fisher-Yates shuffle. */
		for (i = rc->n; i > 1; i--) {
			size_t j = (size_t)(rnd(&seed) % i);
			struct ds_prefix t = list[i - 1];

			list[i - 1] = list[j];
			list[j] = t;
		}
	}

	model_finish(m4);
	model_finish(m6);
	model_emit(m4, AF_INET, 0, 0, want, &nwant);
	model_emit(m6, AF_INET6, 0, 0, want, &nwant);

	got = ds_prefix_collapse(list, rc->n);
	check_minimal(list, got);
	if (got != nwant)
		fail_msg("n=%zu seed=%" PRIu64 ": %zu prefixes, model %zu",
		    rc->n, seed, got, nwant);
	for (i = 0; i < got; i++) {
		char what[64];

		snprintf(what, sizeof(what), "n=%zu, #%zu", rc->n, i);
		check_prefix(&list[i], &want[i], "ds_prefix_collapse", what);
	}

	free(m4);
	free(m6);
	free(list);
	free(want);
}

static void
test_prefix_collapse_random(void **state)
{
	static const struct rand_case cases[] = {
	    /* /16-/24 in 10.0.0.0/16: merges up to the whole /16. */
	    {100000, 0, 8, 0, false},
	    /* /28-/32 and /124-/128: about 99% covered, many holes. */
	    {100000, 12, 16, 50, false},
	    /* Sparse: about a third covered, many small merges. */
	    {20000, 14, 16, 50, false},
	    {1000, 6, 16, 50, false},
	    {65536, 16, 16, 0, true},
	};
	uint64_t seed = 0x5eed;
	size_t i;
	int round;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		run_random(&cases[i], seed + i);

	/* Many short lists, where edge cases are more likely to show. */
	for (round = 0; round < 1000; round++) {
		struct rand_case rc = {0, 4, 16, 50, false};

		rc.n = (size_t)round % 24;
		if (round % 3 == 0)
			rc.minsub = 14;
		run_random(&rc, seed + 1000 + (uint64_t)round);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addr_construct),
	    cmocka_unit_test(test_addr_equal),
	    cmocka_unit_test(test_addr_compare),
	    cmocka_unit_test(test_prefix_bounds),
	    cmocka_unit_test(test_prefix_bounds_alias),
	    cmocka_unit_test(test_prefix_normalize_v4_tail),
	    cmocka_unit_test(test_prefix_contains),
	    cmocka_unit_test(test_prefix_contains_zone),
	    cmocka_unit_test(test_prefix_contains_prefix),
	    cmocka_unit_test(test_prefix_count),
	    cmocka_unit_test(test_prefix_count_format_truncated),
	    cmocka_unit_test(test_u128_format),
	    cmocka_unit_test(test_u128_format_truncated),
	    cmocka_unit_test(test_u128_parse),
	    cmocka_unit_test(test_u128_parse_length),
	    cmocka_unit_test(test_u128_round_trip),
	    cmocka_unit_test(test_prefix_subnet),
	    cmocka_unit_test(test_prefix_nth),
	    cmocka_unit_test(test_prefix_odd_values),
	    cmocka_unit_test(test_prefix_compare),
	    cmocka_unit_test(test_prefix_collapse),
	    cmocka_unit_test(test_prefix_collapse_zones),
	    cmocka_unit_test(test_prefix_collapse_odd_input),
	    cmocka_unit_test(test_prefix_collapse_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
