/* SPDX-License-Identifier: MIT */
/*
 * ds_addr_format, ds_prefix_format, ds_endpoint_format: every rule and
 * example of RFC 5952 sections 2, 4, 5 and 6, the expanded and URL forms,
 * and the snprintf-style truncation contract.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"

struct fmt_case {
	const char *in;
	unsigned flags;
	const char *out;
};

static const struct fmt_case fmt_cases[] = {
    /* Section 2.1: eight spellings of one address, one canonical text. */
    {"2001:db8:0:0:1:0:0:1", 0, "2001:db8::1:0:0:1"},
    {"2001:0db8:0:0:1:0:0:1", 0, "2001:db8::1:0:0:1"},
    {"2001:db8::1:0:0:1", 0, "2001:db8::1:0:0:1"},
    {"2001:db8::0:1:0:0:1", 0, "2001:db8::1:0:0:1"},
    {"2001:0db8::1:0:0:1", 0, "2001:db8::1:0:0:1"},
    {"2001:db8:0:0:1::1", 0, "2001:db8::1:0:0:1"},
    {"2001:db8:0000:0:1::1", 0, "2001:db8::1:0:0:1"},
    {"2001:DB8:0:0:1::1", 0, "2001:db8::1:0:0:1"},
    /* Section 2.2: leading zeros and case. */
    {"2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001", 0,
        "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"},
    {"2001:db8:aaaa:bbbb:cccc:dddd:eeee:001", 0,
        "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"},
    {"2001:db8:aaaa:bbbb:cccc:dddd:eeee:01", 0,
        "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"},
    {"2001:DB8:AAAA:BBBB:CCCC:DDDD:EEEE:AAAA", 0,
        "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa"},
    {"2001:db8:aaaa:bbbb:cccc:dddd:eeee:AaAa", 0,
        "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa"},
    /* Section 2.3: where "::" goes. */
    {"2001:db8:0:0:0::1", 0, "2001:db8::1"},
    {"2001:db8:0:0::1", 0, "2001:db8::1"},
    {"2001:db8:0::1", 0, "2001:db8::1"},
    {"2001:db8::aaaa:0:0:1", 0, "2001:db8::aaaa:0:0:1"},
    {"2001:db8:0:0:aaaa::1", 0, "2001:db8::aaaa:0:0:1"},
    /* Section 4.1: leading zeros suppressed; "0" stays. */
    {"2001:0db8::0001", 0, "2001:db8::1"},
    {"2001:db8::1:0", 0, "2001:db8::1:0"},
    /* Section 4.2.1: shorten as much as possible. */
    {"2001:db8:0:0:0:0:2:1", 0, "2001:db8::2:1"},
    {"2001:db8::0:1", 0, "2001:db8::1"},
    /* Section 4.2.2: a lone zero group is not "::". */
    {"2001:db8:0:1:1:1:1:1", 0, "2001:db8:0:1:1:1:1:1"},
    {"1:2:3:4:5:6:7::", 0, "1:2:3:4:5:6:7:0"},
    {"::2:3:4:5:6:7:8", 0, "0:2:3:4:5:6:7:8"},
    /* Section 4.2.3: longest run wins; the first of equal runs. */
    {"2001:0:0:1:0:0:0:1", 0, "2001:0:0:1::1"},
    {"2001:db8:0:0:1:0:0:1", 0, "2001:db8::1:0:0:1"},
    {"1:0:0:2:0:0:3:4", 0, "1::2:0:0:3:4"},
    {"1:0:0:0:2:0:0:0", 0, "1::2:0:0:0"},
    {"0:0:1:0:0:0:0:0", 0, "0:0:1::"},
    /* Section 4.3: lower case. */
    {"FE80::ABCD", 0, "fe80::abcd"},
    /* Edges. */
    {"::", 0, "::"},
    {"::1", 0, "::1"},
    {"1::", 0, "1::"},
    {"0:0:0:0:0:0:0:0", 0, "::"},
    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0,
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
    /* Section 5: IPv4-mapped in mixed notation, also when given in hex. */
    {"::ffff:192.0.2.1", 0, "::ffff:192.0.2.1"},
    {"::ffff:c000:201", 0, "::ffff:192.0.2.1"},
    {"0:0:0:0:0:FFFF:0.0.0.0", 0, "::ffff:0.0.0.0"},
    /* IPv4-compatible (deprecated) and IPv4-translated stay hex: RFC 5952
     * section 5 asks for mixed notation only where a well-known prefix
     * marks the embedded address; ::/96 also holds :: and ::1. */
    {"::192.0.2.1", 0, "::c000:201"},
    {"::ffff:0:192.0.2.1", 0, "::ffff:0:c000:201"},
    /* Zones follow the address. */
    {"fe80::1%eth0", 0, "fe80::1%eth0"},
    {"fe80::1%eth0", DS_FMT_NO_ZONE, "fe80::1"},
    {"FE80:0:0:0:0:0:0:1%3", 0, "fe80::1%3"},
    /* Expanded. */
    {"2001:db8::1", DS_FMT_EXPAND, "2001:0db8:0000:0000:0000:0000:0000:0001"},
    {"::ffff:192.0.2.1", DS_FMT_EXPAND,
        "0000:0000:0000:0000:0000:ffff:c000:0201"},
    {"fe80::1%eth0", DS_FMT_EXPAND,
        "fe80:0000:0000:0000:0000:0000:0000:0001%eth0"},
    /* URL host (RFC 3986 section 3.2.2; RFC 6874 for the zone). */
    {"2001:db8::1", DS_FMT_URL, "[2001:db8::1]"},
    {"fe80::1%eth0", DS_FMT_URL, "[fe80::1%25eth0]"},
    {"192.0.2.1", DS_FMT_URL, "192.0.2.1"},
    /* IPv4. */
    {"192.0.2.1", 0, "192.0.2.1"},
    {"0.0.0.0", 0, "0.0.0.0"},
    {"255.255.255.255", DS_FMT_EXPAND, "255.255.255.255"},
    {"10.100.9.200", 0, "10.100.9.200"},
};

static void
test_format_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fmt_cases) / sizeof(fmt_cases[0]); i++) {
		const struct fmt_case *c = &fmt_cases[i];
		struct ds_addr a;
		char buf[DS_ADDR_STRLEN];
		int n;

		if (ds_addr_parse(c->in, strlen(c->in), 0, &a, NULL) != 0)
			fail_msg("'%s' does not parse", c->in);
		n = ds_addr_format(&a, c->flags, buf, sizeof(buf));
		if (n != (int)strlen(c->out) || strcmp(buf, c->out) != 0)
			fail_msg("'%s' flags %#x: got '%s' (%d), want '%s'",
			    c->in, c->flags, buf, n, c->out);
	}
}

static void
test_longest(void **state)
{
	struct ds_addr a;
	char buf[DS_ADDR_STRLEN];
	const char *in = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255%"
	                 "abcdefghijklmno";

	(void)state;
	/* Longest canonical IPv6 text with the longest zone: fits. */
	assert_int_equal(ds_addr_parse("::ffff:255.255.255.255%abcdefghijklmno",
	                     38, 0, &a, NULL),
	    0);
	assert_int_equal(ds_addr_format(&a, 0, buf, sizeof(buf)), 38);
	assert_int_equal(ds_addr_parse(in, strlen(in), 0, &a, NULL), 0);
	assert_int_equal(
	    ds_addr_format(&a, DS_FMT_EXPAND, buf, sizeof(buf)), 39 + 16);
	assert_true(strlen(buf) < DS_ADDR_STRLEN);
}

/* snprintf semantics: the full length is returned, output truncated and
 * NUL-terminated, nothing written with size 0. */
static void
test_truncation(void **state)
{
	struct ds_addr a;
	char buf[8];

	(void)state;
	assert_int_equal(ds_addr_parse("2001:db8::1", 11, 0, &a, NULL), 0);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(ds_addr_format(&a, 0, buf, 5), 11);
	assert_string_equal(buf, "2001");
	assert_int_equal(buf[5], 'x');
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(ds_addr_format(&a, 0, buf, 0), 11);
	assert_int_equal(buf[0], 'x');
	assert_int_equal(ds_addr_format(&a, 0, NULL, 0), 11);
}

static void
test_bad_family(void **state)
{
	struct ds_addr a = {0};
	struct ds_prefix p = {0};
	struct ds_endpoint ep = {0};
	char buf[DS_ENDPOINT_STRLEN];

	(void)state;
	assert_int_equal(
	    ds_addr_format(&a, 0, buf, sizeof(buf)), -EAFNOSUPPORT);
	assert_int_equal(
	    ds_prefix_format(&p, 0, buf, sizeof(buf)), -EAFNOSUPPORT);
	assert_int_equal(
	    ds_endpoint_format(&ep, 0, buf, sizeof(buf)), -EAFNOSUPPORT);
}

static void
test_prefix_and_endpoint(void **state)
{
	struct ds_prefix p;
	struct ds_endpoint ep;
	char buf[DS_ENDPOINT_STRLEN];

	(void)state;
	assert_int_equal(
	    ds_prefix_parse("2001:DB8:0::/32", 15, 0, &p, NULL), 0);
	assert_int_equal(ds_prefix_format(&p, 0, buf, sizeof(buf)), 13);
	assert_string_equal(buf, "2001:db8::/32");
	assert_int_equal(
	    ds_prefix_parse("192.0.2.0/255.255.255.128", 25, 0, &p, NULL), 0);
	ds_prefix_format(&p, 0, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.0/25");
	assert_int_equal(ds_prefix_parse("fe80::%eth0/64", 14, 0, &p, NULL), 0);
	ds_prefix_format(&p, 0, buf, sizeof(buf));
	assert_string_equal(buf, "fe80::%eth0/64");
	/* A mapped prefix names the block: hex up to /96, mixed beyond. */
	assert_int_equal(ds_prefix_parse("::ffff:0:0/96", 13, 0, &p, NULL), 0);
	ds_prefix_format(&p, 0, buf, sizeof(buf));
	assert_string_equal(buf, "::ffff:0:0/96");
	assert_int_equal(
	    ds_prefix_parse("::ffff:192.0.2.0/120", 20, 0, &p, NULL), 0);
	ds_prefix_format(&p, 0, buf, sizeof(buf));
	assert_string_equal(buf, "::ffff:192.0.2.0/120");
	assert_int_equal(ds_prefix_parse("::/0", 4, 0, &p, NULL), 0);
	ds_prefix_format(&p, DS_FMT_EXPAND, buf, sizeof(buf));
	assert_string_equal(buf, "0000:0000:0000:0000:0000:0000:0000:0000/0");

	/* Section 6: brackets when a port follows. */
	assert_int_equal(
	    ds_endpoint_parse("[2001:DB8::1]:80", 16, 0, &ep, NULL), 0);
	assert_int_equal(ds_endpoint_format(&ep, 0, buf, sizeof(buf)), 16);
	assert_string_equal(buf, "[2001:db8::1]:80");
	assert_int_equal(
	    ds_endpoint_parse("192.0.2.1:65535", 15, 0, &ep, NULL), 0);
	ds_endpoint_format(&ep, 0, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.1:65535");
	assert_int_equal(
	    ds_endpoint_parse("[fe80::1%eth0]:0", 16, 0, &ep, NULL), 0);
	ds_endpoint_format(&ep, 0, buf, sizeof(buf));
	assert_string_equal(buf, "[fe80::1%eth0]:0");
}

/* ds_endpoint_text() and DS_ENDPOINT_STR(): the text, or the caller's
 * word for an endpoint that is not there or does not fit. */
static void
test_endpoint_text(void **state)
{
	struct ds_endpoint ep, none;
	char buf[DS_ENDPOINT_STRLEN], small[8];

	(void)state;
	memset(&none, 0, sizeof(none));
	assert_int_equal(
	    ds_endpoint_parse("[2001:DB8::1]:80", 16, 0, &ep, NULL), 0);
	assert_ptr_equal(ds_endpoint_text(&ep, "-", buf, sizeof(buf)), buf);
	assert_string_equal(buf, "[2001:db8::1]:80");
	assert_string_equal(DS_ENDPOINT_STR(&ep, "-"), "[2001:db8::1]:80");
	/* Two in one expression: each has a buffer of its own. */
	assert_int_equal(
	    ds_endpoint_parse("192.0.2.1:443", 13, 0, &none, NULL), 0);
	assert_string_not_equal(
	    DS_ENDPOINT_STR(&ep, "-"), DS_ENDPOINT_STR(&none, "-"));
	memset(&none, 0, sizeof(none));
	assert_string_equal(DS_ENDPOINT_STR(&none, "-"), "-");
	assert_string_equal(DS_ENDPOINT_STR(NULL, "?"), "?");
	/* Cut short is no text to log: the caller's word instead. */
	memcpy(small, "unused", 7);
	assert_string_equal(
	    ds_endpoint_text(&ep, "?", small, sizeof(small)), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_cases),
	    cmocka_unit_test(test_longest),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_bad_family),
	    cmocka_unit_test(test_prefix_and_endpoint),
	    cmocka_unit_test(test_endpoint_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
