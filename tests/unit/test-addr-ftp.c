/* SPDX-License-Identifier: MIT */
/*
 * ds_eprt_parse, ds_eprt_format, ds_epsv_parse, ds_epsv_format: the RFC
 * 2428 examples, delimiters, line endings, every error with its column,
 * and format -> parse round trips.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"

/* Parse from a heap copy of exactly len bytes, so ASan sees overreads. */
static int
eprt_exact(const char *s, size_t len, struct ds_endpoint *ret, size_t *errpos)
{
	char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, s, len);
	r = ds_eprt_parse(copy, len, ret, errpos);
	free(copy);
	return r;
}

static int
epsv_exact(const char *s, size_t len, uint16_t *ret, size_t *errpos)
{
	char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, s, len);
	r = ds_epsv_parse(copy, len, ret, errpos);
	free(copy);
	return r;
}

/* An endpoint from inet_pton text (either family), zeroed elsewhere. */
static struct ds_endpoint
endpoint(const char *text, uint16_t port)
{
	struct ds_endpoint ep;

	memset(&ep, 0, sizeof(ep));
	ep.port = port;
	if (inet_pton(AF_INET, text, ep.addr.u.bytes) == 1) {
		ep.addr.family = AF_INET;
		return ep;
	}
	ep.addr.family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, text, ep.addr.u.bytes), 1);
	return ep;
}

struct eprt_case {
	const char *in;
	int err;          /* 0 or the DS_E_* code */
	size_t pos;       /* the error column */
	const char *addr; /* the value when err is 0 */
	uint16_t port;
};

static const struct eprt_case eprt_cases[] = {
    /* RFC 2428 section 2, with and without the command word. */
    {"EPRT |1|132.235.1.2|6275|", 0, 0, "132.235.1.2", 6275},
    {"EPRT |2|1080::8:800:200C:417A|5282|", 0, 0, "1080::8:800:200c:417a",
        5282},
    {"|1|132.235.1.2|6275|", 0, 0, "132.235.1.2", 6275},
    {"|2|1080::8:800:200C:417A|5282|", 0, 0, "1080::8:800:200c:417a", 5282},
    /* The command word in any case (RFC 959 section 5.3). */
    {"eprt |1|192.0.2.1|21|", 0, 0, "192.0.2.1", 21},
    {"ePrT |2|2001:db8::1|21|", 0, 0, "2001:db8::1", 21},
    /* Any delimiter in ASCII 33-126, the same four times. */
    {"!1!192.0.2.1!80!", 0, 0, "192.0.2.1", 80},
    {"~2~2001:db8::1~80~", 0, 0, "2001:db8::1", 80},
    {":1:192.0.2.1:80:", 0, 0, "192.0.2.1", 80},
    {"x1x192.0.2.1x80x", 0, 0, "192.0.2.1", 80},
    {"%2%::1%443%", 0, 0, "::1", 443},
    /* One line ending, CRLF or LF. */
    {"EPRT |1|192.0.2.1|80|\r\n", 0, 0, "192.0.2.1", 80},
    {"EPRT |1|192.0.2.1|80|\n", 0, 0, "192.0.2.1", 80},
    /* Ports: the whole range, leading zeros read as decimal. */
    {"|1|192.0.2.1|1|", 0, 0, "192.0.2.1", 1},
    {"|1|192.0.2.1|65535|", 0, 0, "192.0.2.1", 65535},
    {"|1|192.0.2.1|00080|", 0, 0, "192.0.2.1", 80},
    {"|2|::ffff:192.0.2.1|80|", 0, 0, "::ffff:192.0.2.1", 80},

    {"", DS_E_EMPTY, 0, NULL, 0},
    {"\r\n", DS_E_EMPTY, 0, NULL, 0},
    {"EPRT ", DS_E_EMPTY, 5, NULL, 0},
    {"EPRT \r\n", DS_E_EMPTY, 5, NULL, 0},
    /* The command word takes exactly one space. */
    {"EPRT", DS_E_EPRT_SYNTAX, 4, NULL, 0},
    {"EPRT|1|192.0.2.1|80|", DS_E_EPRT_SYNTAX, 4, NULL, 0},
    {"EPRT\t|1|192.0.2.1|80|", DS_E_EPRT_SYNTAX, 4, NULL, 0},
    {"EPRT  |1|192.0.2.1|80|", DS_E_EPRT_DELIM, 5, NULL, 0},
    /* The delimiter must be printable ASCII. */
    {" |1|192.0.2.1|80|", DS_E_EPRT_DELIM, 0, NULL, 0},
    {"\x7f"
     "1\x7f"
     "192.0.2.1\x7f"
     "80\x7f",
        DS_E_EPRT_DELIM, 0, NULL, 0},
    {"\xc2|1|192.0.2.1|80|", DS_E_EPRT_DELIM, 0, NULL, 0},
    /* net-prt: 1 or 2. */
    {"|3|192.0.2.1|80|", DS_E_EPRT_PROTO, 1, NULL, 0},
    {"|02|192.0.2.1|80|", DS_E_EPRT_PROTO, 1, NULL, 0},
    {"|12|192.0.2.1|80|", DS_E_EPRT_PROTO, 1, NULL, 0},
    {"||192.0.2.1|80|", DS_E_EPRT_SYNTAX, 1, NULL, 0},
    {"|x|192.0.2.1|80|", DS_E_EPRT_SYNTAX, 1, NULL, 0},
    {"|1!192.0.2.1!80!", DS_E_EPRT_SYNTAX, 2, NULL, 0},
    {"|", DS_E_EPRT_SYNTAX, 1, NULL, 0},
    {"|1", DS_E_EPRT_SYNTAX, 2, NULL, 0},
    /* net-addr: present, and of the family net-prt names. */
    {"|1||80|", DS_E_EMPTY, 3, NULL, 0},
    {"|1|::1|80|", DS_E_FAMILY, 3, NULL, 0},
    {"|2|192.0.2.1|80|", DS_E_FAMILY, 3, NULL, 0},
    {"EPRT |2|192.0.2.1|80|", DS_E_FAMILY, 8, NULL, 0},
    {"|1|192.0.2.1", DS_E_EPRT_SYNTAX, 12, NULL, 0},
    /* tcp-port: decimal 1-65535. */
    {"|1|192.0.2.1||", DS_E_PORT_SYNTAX, 13, NULL, 0},
    {"|1|192.0.2.1|0|", DS_E_PORT_RANGE, 13, NULL, 0},
    {"|1|192.0.2.1|00000|", DS_E_PORT_RANGE, 13, NULL, 0},
    {"|1|192.0.2.1|65536|", DS_E_PORT_RANGE, 13, NULL, 0},
    {"|1|192.0.2.1|99999999999999999999999|", DS_E_PORT_RANGE, 13, NULL, 0},
    /* 2^32 + 80 and 2^64 + 80: 80 once wrapped around. */
    {"|1|192.0.2.1|4294967376|", DS_E_PORT_RANGE, 13, NULL, 0},
    {"|1|192.0.2.1|18446744073709551696|", DS_E_PORT_RANGE, 13, NULL, 0},
    {"|1|192.0.2.1|8a|", DS_E_PORT_SYNTAX, 14, NULL, 0},
    {"|1|192.0.2.1|-1|", DS_E_PORT_SYNTAX, 13, NULL, 0},
    {"|1|192.0.2.1| 80|", DS_E_PORT_SYNTAX, 13, NULL, 0},
    {"|1|192.0.2.1|80!", DS_E_PORT_SYNTAX, 15, NULL, 0},
    {"|1|192.0.2.1|80", DS_E_EPRT_SYNTAX, 15, NULL, 0},
    /* Nothing after the last delimiter but one line ending. */
    {"|1|192.0.2.1|80|x", DS_E_TRAILING, 16, NULL, 0},
    {"|1|192.0.2.1|80||", DS_E_TRAILING, 16, NULL, 0},
    {"|1|192.0.2.1|80| ", DS_E_TRAILING, 16, NULL, 0},
    {"|1|192.0.2.1|80|\r", DS_E_TRAILING, 16, NULL, 0},
    {"|1|192.0.2.1|80|\n\n", DS_E_TRAILING, 16, NULL, 0},
    {"|1|192.0.2.1|80|\r\n\r\n", DS_E_TRAILING, 16, NULL, 0},
};

static void
test_eprt_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(eprt_cases) / sizeof(eprt_cases[0]);
	     i++) {
		const struct eprt_case *c = &eprt_cases[i];
		struct ds_endpoint ep, before;
		size_t pos = 999;
		int r;

		memset(&ep, 0xaa, sizeof(ep));
		before = ep;
		r = eprt_exact(c->in, strlen(c->in), &ep, &pos);
		if (r != -c->err || (c->err && pos != c->pos))
			print_error("case %zu \"%s\": got %d at %zu\n", i,
			    c->in, r, pos);
		assert_int_equal(r, -c->err);
		if (c->err) {
			assert_int_equal(pos, c->pos);
			assert_memory_equal(&ep, &before, sizeof(ep));
			assert_int_equal(
			    eprt_exact(c->in, strlen(c->in), &ep, NULL), r);
		} else {
			struct ds_endpoint want = endpoint(c->addr, c->port);

			assert_int_equal(pos, 999);
			assert_int_equal(ep.addr.family, want.addr.family);
			assert_memory_equal(
			    ep.addr.u.bytes, want.addr.u.bytes, 16);
			assert_string_equal(ep.addr.zone, "");
			assert_int_equal(ep.addr.scope_id, 0);
			assert_int_equal(ep.port, want.port);
		}
	}
}

/*
 * Bad addresses: the error is the address parser's, its column moved
 * into the whole text. Zones are refused (DS_PARSE_NO_ZONE) and so are
 * brackets.
 */
static void
test_eprt_parse_address_errors(void **state)
{
	static const char *const fields[] = {
	    "fe80::1%eth0",
	    "192.0.2.1%1",
	    "1.2.3.256",
	    "1.2.3",
	    "1::2::3",
	    "[2001:db8::1]",
	    "2001:db8::g",
	    "192.0.2.1 ",
	    "example.org",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *f = fields[i];
		char text[64];
		struct ds_addr a;
		struct ds_endpoint ep;
		size_t want_pos = 0, pos = 999;
		int want, r, n;

		want = ds_addr_parse(
		    f, strlen(f), DS_PARSE_NO_ZONE, &a, &want_pos);
		assert_true(want < 0);
		n = snprintf(text, sizeof(text), "EPRT |%c|%s|21|",
		    strchr(f, ':') ? '2' : '1', f);
		r = eprt_exact(text, (size_t)n, &ep, &pos);
		assert_int_equal(r, want);
		assert_true(pos >= 8 && pos <= 8 + strlen(f));
		if (want_pos <= strlen(f))
			assert_int_equal(pos, 8 + want_pos);
	}
}

/* The length bounds the text; a NUL inside is a character. */
static void
test_eprt_parse_length(void **state)
{
	const char *s = "|1|192.0.2.1|80|ZZZ";
	const char nul[] = "|1|192.0.2.1|80|\0";
	struct ds_endpoint ep, want = endpoint("192.0.2.1", 80);
	size_t pos;

	(void)state;
	assert_int_equal(eprt_exact(s, 16, &ep, NULL), 0);
	assert_memory_equal(&ep, &want, sizeof(ep));
	assert_int_equal(eprt_exact(s, 15, &ep, &pos), -DS_E_EPRT_SYNTAX);
	assert_int_equal(pos, 15);
	assert_int_equal(eprt_exact(nul, 17, &ep, &pos), -DS_E_TRAILING);
	assert_int_equal(pos, 16);
	assert_int_equal(
	    eprt_exact("EPRT |1|", 4, &ep, &pos), -DS_E_EPRT_SYNTAX);
	assert_int_equal(pos, 4);
}

static void
test_eprt_format(void **state)
{
	struct ds_endpoint ep = endpoint("1080::8:800:200c:417a", 5282);
	char buf[DS_ENDPOINT_STRLEN + 16], small[8];

	(void)state;
	assert_int_equal(ds_eprt_format(&ep, buf, sizeof(buf)), 35);
	assert_string_equal(buf, "EPRT |2|1080::8:800:200c:417a|5282|");
	ep = endpoint("132.235.1.2", 6275);
	assert_int_equal(ds_eprt_format(&ep, buf, sizeof(buf)), 25);
	assert_string_equal(buf, "EPRT |1|132.235.1.2|6275|");
	ep = endpoint("::", 65535);
	assert_int_equal(ds_eprt_format(&ep, buf, sizeof(buf)), 17);
	assert_string_equal(buf, "EPRT |2|::|65535|");
	/* No zone on the wire. */
	ep = endpoint("fe80::1", 21);
	strcpy(ep.addr.zone, "eth0");
	assert_int_equal(ds_eprt_format(&ep, buf, sizeof(buf)), 19);
	assert_string_equal(buf, "EPRT |2|fe80::1|21|");
	/* snprintf semantics. */
	ep = endpoint("192.0.2.1", 80);
	assert_int_equal(ds_eprt_format(&ep, small, sizeof(small)), 21);
	assert_string_equal(small, "EPRT |1");
	small[0] = 'x';
	assert_int_equal(ds_eprt_format(&ep, small, 0), 21);
	assert_int_equal(small[0], 'x');
	/* Port 0 cannot be sent; a value without a family neither. */
	ep.port = 0;
	assert_int_equal(ds_eprt_format(&ep, buf, sizeof(buf)), -EINVAL);
	memset(&ep, 0, sizeof(ep));
	ep.port = 21;
	assert_int_equal(ds_eprt_format(&ep, buf, sizeof(buf)), -EAFNOSUPPORT);
}

struct epsv_case {
	const char *in;
	int err;
	size_t pos;
	uint16_t port;
};

static const struct epsv_case epsv_cases[] = {
    /* RFC 2428 section 3. */
    {"229 Entering Extended Passive Mode (|||6446|)", 0, 0, 6446},
    {"229 Entering Extended Passive Mode (|||6446|)\r\n", 0, 0, 6446},
    {"229 Entering Extended Passive Mode (|||6446|)\n", 0, 0, 6446},
    {"Entering Extended Passive Mode (|||6446|)", 0, 0, 6446},
    {"229 Extended Passive mode OK (|||30000|)", 0, 0, 30000},
    {"229 Entering Extended Passive Mode (|||6446|).", 0, 0, 6446},
    {"(|||6446|)", 0, 0, 6446},
    {"|||6446|", 0, 0, 6446},
    {"(!!!6446!)", 0, 0, 6446},
    {"(|||1|)", 0, 0, 1},
    {"(|||65535|)", 0, 0, 65535},

    {"", DS_E_EMPTY, 0, 0},
    {"\r\n", DS_E_EMPTY, 0, 0},
    {"229 Entering Extended Passive Mode", DS_E_EPRT_SYNTAX, 2, 0},
    {"229 Entering Extended Passive Mode ()", DS_E_EPRT_SYNTAX, 37, 0},
    {"229 Entering Extended Passive Mode (", DS_E_EPRT_SYNTAX, 36, 0},
    {"( |||6446|)", DS_E_EPRT_DELIM, 1, 0},
    /* The first two fields MUST be blank. */
    {"(||6446|)", DS_E_EPRT_SYNTAX, 3, 0},
    {"(|2|::1|6446|)", DS_E_EPRT_SYNTAX, 2, 0},
    {"(||!6446|)", DS_E_EPRT_SYNTAX, 3, 0},
    {"(|!|6446|)", DS_E_EPRT_SYNTAX, 2, 0},
    {"(|||6446|", DS_E_EPRT_SYNTAX, 9, 0},
    {"(|||6446|x", DS_E_EPRT_SYNTAX, 9, 0},
    {"(|||6446)", DS_E_PORT_SYNTAX, 8, 0},
    {"(|||6446!)", DS_E_PORT_SYNTAX, 8, 0},
    {"(|||64a6|)", DS_E_PORT_SYNTAX, 6, 0},
    {"(||||)", DS_E_PORT_SYNTAX, 4, 0},
    {"(|||0|)", DS_E_PORT_RANGE, 4, 0},
    {"(|||65536|)", DS_E_PORT_RANGE, 4, 0},
    {"(|||4294967376|)", DS_E_PORT_RANGE, 4, 0},
    {"|||6446|x", DS_E_TRAILING, 8, 0},
    {"|||6446|)", DS_E_TRAILING, 8, 0},
    {"|||6446", DS_E_EPRT_SYNTAX, 7, 0},
};

static void
test_epsv_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(epsv_cases) / sizeof(epsv_cases[0]);
	     i++) {
		const struct epsv_case *c = &epsv_cases[i];
		uint16_t port = 4242;
		size_t pos = 999;
		int r;

		r = epsv_exact(c->in, strlen(c->in), &port, &pos);
		if (r != -c->err || (c->err && pos != c->pos))
			print_error("case %zu \"%s\": got %d at %zu\n", i,
			    c->in, r, pos);
		assert_int_equal(r, -c->err);
		if (c->err) {
			assert_int_equal(pos, c->pos);
			assert_int_equal(port, 4242);
			assert_int_equal(
			    epsv_exact(c->in, strlen(c->in), &port, NULL), r);
		} else {
			assert_int_equal(pos, 999);
			assert_int_equal(port, c->port);
		}
	}
}

static void
test_epsv_format(void **state)
{
	char buf[64], small[6];

	(void)state;
	assert_int_equal(ds_epsv_format(6446, buf, sizeof(buf)), 45);
	assert_string_equal(
	    buf, "229 Entering Extended Passive Mode (|||6446|)");
	assert_int_equal(ds_epsv_format(1, buf, sizeof(buf)), 42);
	assert_string_equal(buf, "229 Entering Extended Passive Mode (|||1|)");
	assert_int_equal(ds_epsv_format(6446, small, sizeof(small)), 45);
	assert_string_equal(small, "229 E");
	assert_int_equal(ds_epsv_format(6446, NULL, 0), 45);
	assert_int_equal(ds_epsv_format(0, buf, sizeof(buf)), -EINVAL);
}

/* Every port through EPSV, and its argument alone. */
static void
test_epsv_round_trip(void **state)
{
	(void)state;
	for (unsigned p = 1; p <= 65535; p++) {
		char buf[64];
		uint16_t got = 0;
		int n = ds_epsv_format((uint16_t)p, buf, sizeof(buf));

		assert_true(n > 0 && (size_t)n < sizeof(buf));
		assert_int_equal(epsv_exact(buf, (size_t)n, &got, NULL), 0);
		assert_int_equal(got, p);
		/* "229 Entering Extended Passive Mode " is 35 bytes. */
		got = 0;
		assert_int_equal(
		    epsv_exact(buf + 35, (size_t)n - 35, &got, NULL), 0);
		assert_int_equal(got, p);
	}
}

/* splitmix64: a fixed, reproducible sequence. */
static uint64_t
next_rand(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static void
test_eprt_round_trip(void **state)
{
	uint64_t seed = 0x1080000800000800u;

	(void)state;
	for (int i = 0; i < 10000; i++) {
		struct ds_endpoint ep, got;
		uint64_t hi = next_rand(&seed), lo = next_rand(&seed);
		char buf[DS_ENDPOINT_STRLEN + 16];
		int n;

		memset(&ep, 0, sizeof(ep));
		ep.addr.family = i % 2 ? AF_INET : AF_INET6;
		for (int k = 0; k < 8; k++) {
			ep.addr.u.bytes[k] = (uint8_t)(hi >> (8 * k));
			ep.addr.u.bytes[8 + k] = (uint8_t)(lo >> (8 * k));
		}
		/* Runs of zero groups, so that "::" gets exercised. */
		if (i % 4 == 0)
			memset(ep.addr.u.bytes + (hi % 8) * 2, 0, (lo % 5) * 2);
		if (ep.addr.family == AF_INET)
			memset(ep.addr.u.bytes + 4, 0, 12);
		ep.port = (uint16_t)(hi % 65535 + 1);
		n = ds_eprt_format(&ep, buf, sizeof(buf));
		assert_true(n > 0 && (size_t)n < sizeof(buf));
		memset(&got, 0xaa, sizeof(got));
		assert_int_equal(eprt_exact(buf, (size_t)n, &got, NULL), 0);
		assert_int_equal(got.addr.family, ep.addr.family);
		assert_memory_equal(got.addr.u.bytes, ep.addr.u.bytes, 16);
		assert_int_equal(got.port, ep.port);
		/* Without "EPRT ", the same. */
		assert_int_equal(
		    eprt_exact(buf + 5, (size_t)n - 5, &got, NULL), 0);
		assert_int_equal(got.port, ep.port);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_eprt_parse_table),
	    cmocka_unit_test(test_eprt_parse_address_errors),
	    cmocka_unit_test(test_eprt_parse_length),
	    cmocka_unit_test(test_eprt_format),
	    cmocka_unit_test(test_epsv_parse_table),
	    cmocka_unit_test(test_epsv_format),
	    cmocka_unit_test(test_epsv_round_trip),
	    cmocka_unit_test(test_eprt_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
