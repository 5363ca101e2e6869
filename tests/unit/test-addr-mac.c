/* SPDX-License-Identifier: MIT */
/*
 * ds_mac_parse, ds_mac_format, ds_addr_from_mac, ds_addr_to_mac: every
 * written form of a MAC, valid and invalid side by side with the exact
 * error column, and the modified EUI-64 of RFC 4291 appendix A.
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

/*
 * Parse from a heap copy of exactly len bytes, no NUL after it, so that
 * a read past the end is caught by ASan.
 */
static int
parse_exact(const char *s, size_t len, struct ds_mac *ret, size_t *errpos)
{
	char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, s, len);
	r = ds_mac_parse(copy, len, ret, errpos);
	free(copy);
	return r;
}

/* An address from inet_pton text, zeroed as the library builds it. */
static struct ds_addr
addr6(const char *text)
{
	struct ds_addr a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, text, a.u.bytes), 1);
	return a;
}

static struct ds_addr
addr4(const char *text)
{
	struct ds_addr a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, text, a.u.bytes), 1);
	return a;
}

static struct ds_prefix
prefix6(const char *text, unsigned len)
{
	struct ds_prefix p;

	memset(&p, 0, sizeof(p));
	p.addr = addr6(text);
	p.len = len;
	return p;
}

struct mac_case {
	const char *in;
	int err;      /* 0 or the DS_E_* code */
	size_t pos;   /* the error column */
	uint8_t b[6]; /* the value when err is 0 */
};

#define DOC_MAC                                                                \
	{                                                                      \
		0x6c, 0x62, 0x6d, 0xa9, 0x7e, 0xd0                             \
	}

static const struct mac_case mac_cases[] = {
    /* The four forms, in any case. */
    {"6c:62:6d:a9:7e:d0", 0, 0, DOC_MAC},
    {"6C:62:6D:A9:7E:D0", 0, 0, DOC_MAC},
    {"6C-62-6D-A9-7E-D0", 0, 0, DOC_MAC},
    {"6c-62-6d-a9-7e-d0", 0, 0, DOC_MAC},
    {"6c62.6da9.7ed0", 0, 0, DOC_MAC},
    {"6C62.6Da9.7ED0", 0, 0, DOC_MAC},
    {"6c626da97ed0", 0, 0, DOC_MAC},
    {"6C626DA97ED0", 0, 0, DOC_MAC},
    /* One-digit octets in the colon and dash forms. */
    {"0:1:2:3:4:5", 0, 0, {0, 1, 2, 3, 4, 5}},
    {"0-1-2-3-4-5", 0, 0, {0, 1, 2, 3, 4, 5}},
    {"a:b:c:d:e:f", 0, 0, {0xa, 0xb, 0xc, 0xd, 0xe, 0xf}},
    {"6c:2:6d:a9:7e:0", 0, 0, {0x6c, 0x02, 0x6d, 0xa9, 0x7e, 0x00}},
    {"00:00:5e:00:53:01", 0, 0, {0x00, 0x00, 0x5e, 0x00, 0x53, 0x01}},
    {"ff:ff:ff:ff:ff:ff", 0, 0, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
    {"0000.0000.0000", 0, 0, {0}},
    {"000000000000", 0, 0, {0}},

    /* Rejected, at the first character that does not fit. */
    {"", DS_E_MAC_SYNTAX, 0, {0}},
    {"g", DS_E_MAC_SYNTAX, 0, {0}},
    {":", DS_E_MAC_SYNTAX, 0, {0}},
    {":6c:62:6d:a9:7e", DS_E_MAC_SYNTAX, 0, {0}},
    {" 6c:62:6d:a9:7e:d0", DS_E_MAC_SYNTAX, 0, {0}},
    {"6c:62:6d:a9:7e", DS_E_MAC_SYNTAX, 14, {0}},
    {"6c:62:6d:a9:7e:", DS_E_MAC_SYNTAX, 15, {0}},
    {"6c:62:6d:a9:7e:d0:", DS_E_MAC_SYNTAX, 17, {0}},
    {"6c:62:6d:a9:7e:d0:11", DS_E_MAC_SYNTAX, 17, {0}},
    {"6c:62:6d:a9:7e:d0 ", DS_E_MAC_SYNTAX, 17, {0}},
    {"6c:62:6d:a9:7e:g0", DS_E_MAC_SYNTAX, 15, {0}},
    {"6c6:62:6d:a9:7e:d0", DS_E_MAC_SYNTAX, 2, {0}},
    {"6c::62:6d:a9:7e", DS_E_MAC_SYNTAX, 3, {0}},
    {"6c 62 6d a9 7e d0", DS_E_MAC_SYNTAX, 2, {0}},
    /* Mixed separators: reported where the other one stands. */
    {"6c:62-6d:a9:7e:d0", DS_E_MAC_SYNTAX, 5, {0}},
    {"6c-62:6d-a9-7e-d0", DS_E_MAC_SYNTAX, 5, {0}},
    {"6c:62:6d.a9:7e:d0", DS_E_MAC_SYNTAX, 8, {0}},
    {"6c62.6da9:7ed0", DS_E_MAC_SYNTAX, 9, {0}},
    {"6c62.6da9-7ed0", DS_E_MAC_SYNTAX, 9, {0}},
    /* Cisco form: exactly 4 digits per group. */
    {"6c62.6da9.7ed", DS_E_MAC_SYNTAX, 13, {0}},
    {"6c62.6da9.7ed00", DS_E_MAC_SYNTAX, 14, {0}},
    {"6c62.6da.97ed0", DS_E_MAC_SYNTAX, 8, {0}},
    {"6c6.26da9.7ed0", DS_E_MAC_SYNTAX, 3, {0}},
    {"6c.62.6d.a9.7e.d0", DS_E_MAC_SYNTAX, 2, {0}},
    {"6c62.6da9.7ed0.", DS_E_MAC_SYNTAX, 14, {0}},
    /* Bare form: exactly 12 digits. */
    {"6c626da97ed", DS_E_MAC_SYNTAX, 11, {0}},
    {"6c626da97ed0f", DS_E_MAC_SYNTAX, 12, {0}},
    {"6c626da97ed0x", DS_E_MAC_SYNTAX, 12, {0}},
    {"6c626dxa97ed", DS_E_MAC_SYNTAX, 6, {0}},
    {"0x6c626da97ed0", DS_E_MAC_SYNTAX, 1, {0}},
};

static void
test_mac_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(mac_cases) / sizeof(mac_cases[0]); i++) {
		const struct mac_case *c = &mac_cases[i];
		struct ds_mac m;
		size_t pos = 999;
		int r;

		memset(&m, 0xaa, sizeof(m));
		r = parse_exact(c->in, strlen(c->in), &m, &pos);
		if (r != -c->err || (c->err && pos != c->pos))
			print_error("case %zu \"%s\": got %d at %zu\n", i,
			    c->in, r, pos);
		assert_int_equal(r, -c->err);
		if (c->err) {
			uint8_t untouched[6];

			assert_int_equal(pos, c->pos);
			memset(untouched, 0xaa, sizeof(untouched));
			assert_memory_equal(m.b, untouched, 6);
			/* errpos may be NULL. */
			assert_int_equal(
			    parse_exact(c->in, strlen(c->in), &m, NULL), r);
		} else {
			assert_int_equal(pos, 999);
			assert_memory_equal(m.b, c->b, 6);
		}
	}
}

/* The length bounds the text: nothing past it is read or matters. */
static void
test_mac_parse_length(void **state)
{
	static const uint8_t doc[6] = DOC_MAC;
	const char *s = "6c:62:6d:a9:7e:d0ZZZ";
	const char nul[] = "6c:62:6d:a9:7e:d0\0";
	struct ds_mac m;
	size_t pos;

	(void)state;
	assert_int_equal(parse_exact(s, 17, &m, NULL), 0);
	assert_memory_equal(m.b, doc, 6);
	/* Cut short, the last octet has one digit: still a MAC. */
	assert_int_equal(parse_exact(s, 16, &m, NULL), 0);
	assert_int_equal(m.b[5], 0x0d);
	assert_int_equal(parse_exact(s, 15, &m, &pos), -DS_E_MAC_SYNTAX);
	assert_int_equal(pos, 15);
	/* An embedded NUL is a character like any other. */
	assert_int_equal(parse_exact(nul, 18, &m, &pos), -DS_E_MAC_SYNTAX);
	assert_int_equal(pos, 17);
	assert_int_equal(parse_exact("6c626da97ed0", 12, &m, NULL), 0);
	assert_int_equal(
	    parse_exact("6c626da97ed0", 6, &m, &pos), -DS_E_MAC_SYNTAX);
	assert_int_equal(pos, 6);
}

static void
test_mac_format(void **state)
{
	struct ds_mac m = {DOC_MAC};
	struct ds_mac z = {{0}};
	char buf[DS_MAC_STRLEN];
	char small[5];

	(void)state;
	assert_int_equal(ds_mac_format(&m, buf, sizeof(buf)), 17);
	assert_string_equal(buf, "6c:62:6d:a9:7e:d0");
	assert_int_equal(ds_mac_format(&z, buf, sizeof(buf)), 17);
	assert_string_equal(buf, "00:00:00:00:00:00");
	/* snprintf semantics: truncated, NUL-terminated, full length. */
	assert_int_equal(ds_mac_format(&m, small, sizeof(small)), 17);
	assert_string_equal(small, "6c:6");
	memset(small, 'x', sizeof(small));
	assert_int_equal(ds_mac_format(&m, small, 0), 17);
	assert_int_equal(small[0], 'x');
	assert_int_equal(ds_mac_format(&m, NULL, 0), 17);
	assert_int_equal(ds_mac_format(&m, small, 1), 17);
	assert_int_equal(small[0], '\0');
}

struct eui_case {
	const char *mac;
	const char *pfx; /* NULL for the default fe80::/64 */
	unsigned len;
	const char *want;
};

static const struct eui_case eui_cases[] = {
    /* The example of the header. */
    {"6C:62:6D:A9:7E:D0", NULL, 0, "fe80::6e62:6dff:fea9:7ed0"},
    /* RFC 7042 documentation MAC: U/L 0 becomes 1 (0x00 -> 0x02). */
    {"00:00:5e:00:53:01", NULL, 0, "fe80::200:5eff:fe00:5301"},
    {"00:00:5e:00:53:01", "2001:db8:1:2::", 64,
        "2001:db8:1:2:200:5eff:fe00:5301"},
    /* A locally administered MAC: U/L 1 becomes 0. */
    {"02:00:5e:00:53:01", NULL, 0, "fe80::5eff:fe00:5301"},
    {"ff:ff:ff:ff:ff:ff", NULL, 0, "fe80::fdff:ffff:feff:ffff"},
    {"00:00:00:00:00:00", NULL, 0, "fe80::200:ff:fe00:0"},
    /* The first 64 bits of the prefix as they are, whatever its length. */
    {"6c:62:6d:a9:7e:d0", "2001:db8:0:7::", 48,
        "2001:db8:0:7:6e62:6dff:fea9:7ed0"},
    {"6c:62:6d:a9:7e:d0", "::", 0, "::6e62:6dff:fea9:7ed0"},
    {"6c:62:6d:a9:7e:d0", "2001:db8::ffff:ffff:ffff:ffff", 64,
        "2001:db8::6e62:6dff:fea9:7ed0"},
};

static struct ds_mac
mac(const char *text)
{
	struct ds_mac m;

	assert_int_equal(ds_mac_parse(text, strlen(text), &m, NULL), 0);
	return m;
}

static void
test_eui64(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(eui_cases) / sizeof(eui_cases[0]); i++) {
		const struct eui_case *c = &eui_cases[i];
		struct ds_mac m = mac(c->mac), back;
		struct ds_prefix p;
		struct ds_addr got, want = addr6(c->want);

		memset(&p, 0, sizeof(p));
		if (c->pfx)
			p = prefix6(c->pfx, c->len);
		memset(&got, 0xaa, sizeof(got));
		assert_int_equal(
		    ds_addr_from_mac(c->pfx ? &p : NULL, &m, &got), 0);
		/* Byte for byte, unused bytes zero. */
		assert_memory_equal(&got, &want, sizeof(got));
		memset(&back, 0, sizeof(back));
		assert_int_equal(ds_addr_to_mac(&got, &back), 0);
		assert_memory_equal(back.b, m.b, 6);
	}
}

static void
test_eui64_zone(void **state)
{
	struct ds_prefix p = prefix6("fe80::", 64);
	struct ds_mac m = {DOC_MAC};
	struct ds_addr got, want = addr6("fe80::6e62:6dff:fea9:7ed0");

	(void)state;
	/* A link-local result keeps its link. */
	strcpy(p.addr.zone, "eth0");
	assert_int_equal(ds_addr_from_mac(&p, &m, &got), 0);
	strcpy(want.zone, "eth0");
	assert_memory_equal(&got, &want, sizeof(got));
	strcpy(p.addr.zone, "3");
	p.addr.scope_id = 3;
	assert_int_equal(ds_addr_from_mac(&p, &m, &got), 0);
	assert_string_equal(got.zone, "3");
	assert_int_equal(got.scope_id, 3);
}

static void
test_eui64_errors(void **state)
{
	struct ds_mac m = {DOC_MAC}, back;
	struct ds_prefix p = prefix6("2001:db8::", 65);
	struct ds_addr got, before, a;

	(void)state;
	memset(&got, 0xaa, sizeof(got));
	before = got;
	assert_int_equal(ds_addr_from_mac(&p, &m, &got), -EINVAL);
	p.len = 128;
	assert_int_equal(ds_addr_from_mac(&p, &m, &got), -EINVAL);
	p.len = 64;
	assert_int_equal(ds_addr_from_mac(&p, &m, &got), 0);
	memset(&got, 0xaa, sizeof(got));
	memset(&p, 0, sizeof(p));
	p.addr = addr4("192.0.2.0");
	p.len = 24;
	assert_int_equal(ds_addr_from_mac(&p, &m, &got), -EINVAL);
	memset(&p, 0, sizeof(p));
	assert_int_equal(ds_addr_from_mac(&p, &m, &got), -EINVAL);
	assert_memory_equal(&got, &before, sizeof(got));

	/* Not a modified EUI-64: no ff:fe in bytes 11-12. */
	memset(&back, 0x55, sizeof(back));
	a = addr6("2001:db8::1");
	assert_int_equal(ds_addr_to_mac(&a, &back), -DS_E_MAC_NOT_EUI64);
	a = addr6("fe80::6e62:6dfe:ffa9:7ed0");
	assert_int_equal(ds_addr_to_mac(&a, &back), -DS_E_MAC_NOT_EUI64);
	a = addr6("fe80::6e62:6dff:fda9:7ed0");
	assert_int_equal(ds_addr_to_mac(&a, &back), -DS_E_MAC_NOT_EUI64);
	a = addr6("fe80::6e62:6dff:fea9:7ed0");
	a.u.bytes[11] = 0xfe;
	assert_int_equal(ds_addr_to_mac(&a, &back), -DS_E_MAC_NOT_EUI64);
	a = addr4("192.0.2.1");
	assert_int_equal(ds_addr_to_mac(&a, &back), -EAFNOSUPPORT);
	memset(&a, 0, sizeof(a));
	assert_int_equal(ds_addr_to_mac(&a, &back), -EAFNOSUPPORT);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(back.b[i], 0x55);

	/* Any prefix works for the reverse direction. */
	a = addr6("2001:db8::6e62:6dff:fea9:7ed0");
	assert_int_equal(ds_addr_to_mac(&a, &back), 0);
	assert_memory_equal(back.b, m.b, 6);
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
test_mac_round_trip(void **state)
{
	uint64_t seed = 0x6c626da97ed0u;

	(void)state;
	for (int i = 0; i < 10000; i++) {
		uint64_t v = next_rand(&seed);
		struct ds_mac m, got;
		struct ds_addr a;
		char text[DS_MAC_STRLEN], alt[32];
		const uint8_t *b;

		for (int k = 0; k < 6; k++)
			m.b[k] = (uint8_t)(v >> (8 * k));
		b = m.b;
		assert_int_equal(ds_mac_format(&m, text, sizeof(text)), 17);
		memset(&got, 0, sizeof(got));
		assert_int_equal(parse_exact(text, 17, &got, NULL), 0);
		assert_memory_equal(got.b, m.b, 6);

		/* The other forms, upper case, give the same value. */
		snprintf(alt, sizeof(alt), "%02X-%02X-%02X-%02X-%02X-%02X",
		    b[0], b[1], b[2], b[3], b[4], b[5]);
		assert_int_equal(parse_exact(alt, strlen(alt), &got, NULL), 0);
		assert_memory_equal(got.b, m.b, 6);
		snprintf(alt, sizeof(alt), "%02x%02X.%02x%02X.%02x%02X", b[0],
		    b[1], b[2], b[3], b[4], b[5]);
		assert_int_equal(parse_exact(alt, strlen(alt), &got, NULL), 0);
		assert_memory_equal(got.b, m.b, 6);
		snprintf(alt, sizeof(alt), "%02x%02x%02x%02x%02x%02x", b[0],
		    b[1], b[2], b[3], b[4], b[5]);
		assert_int_equal(parse_exact(alt, strlen(alt), &got, NULL), 0);
		assert_memory_equal(got.b, m.b, 6);
		snprintf(alt, sizeof(alt), "%x:%x:%x:%x:%x:%x", b[0], b[1],
		    b[2], b[3], b[4], b[5]);
		assert_int_equal(parse_exact(alt, strlen(alt), &got, NULL), 0);
		assert_memory_equal(got.b, m.b, 6);

		/* MAC -> EUI-64 -> MAC. */
		assert_int_equal(ds_addr_from_mac(NULL, &m, &a), 0);
		assert_int_equal(a.u.bytes[0], 0xfe);
		assert_int_equal(a.u.bytes[8], m.b[0] ^ 0x02);
		assert_int_equal(ds_addr_to_mac(&a, &got), 0);
		assert_memory_equal(got.b, m.b, 6);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mac_parse_table),
	    cmocka_unit_test(test_mac_parse_length),
	    cmocka_unit_test(test_mac_format),
	    cmocka_unit_test(test_eui64),
	    cmocka_unit_test(test_eui64_zone),
	    cmocka_unit_test(test_eui64_errors),
	    cmocka_unit_test(test_mac_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
