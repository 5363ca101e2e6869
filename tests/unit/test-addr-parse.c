/* SPDX-License-Identifier: MIT */
/*
 * ds_addr_parse, ds_prefix_parse, ds_endpoint_parse, ds_hostport_split:
 * valid and invalid texts side by side, each with the exact bytes or the
 * exact error and column.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"

struct addr_case {
	const char *in;
	unsigned flags;
	int err;          /* 0 or the DS_E_* code expected */
	size_t pos;       /* expected error offset */
	const char *pton; /* expected value, as inet_pton text (no zone) */
	const char *zone;
	uint32_t scope_id;
};

static const struct addr_case addr_cases[] = {
    /* RFC 4291 section 2.2, form 1: all eight groups. */
    {"2001:db8:0:0:8:800:200c:417a", 0, 0, 0, "2001:db8::8:800:200c:417a", "",
        0},
    {"ABCD:EF01:2345:6789:ABCD:EF01:2345:6789", 0, 0, 0,
        "abcd:ef01:2345:6789:abcd:ef01:2345:6789", "", 0},
    {"2001:0db8:0000:0000:0000:0000:0000:0001", 0, 0, 0, "2001:db8::1", "", 0},
    /* Form 2: "::" for one or more zero groups. */
    {"::", 0, 0, 0, "::", "", 0},
    {"::1", 0, 0, 0, "::1", "", 0},
    {"1::", 0, 0, 0, "1::", "", 0},
    {"ff01::101", 0, 0, 0, "ff01::101", "", 0},
    {"1:2:3:4:5:6:7::", 0, 0, 0, "1:2:3:4:5:6:7:0", "", 0},
    {"::2:3:4:5:6:7:8", 0, 0, 0, "0:2:3:4:5:6:7:8", "", 0},
    {"1:2:3::6:7:8", 0, 0, 0, "1:2:3:0:0:6:7:8", "", 0},
    /* Form 3: dotted IPv4 in the last 32 bits. */
    {"0:0:0:0:0:0:13.1.68.3", 0, 0, 0, "::d01:4403", "", 0},
    {"::ffff:129.144.52.38", 0, 0, 0, "::ffff:8190:3426", "", 0},
    {"1:2:3:4:5:6:1.2.3.4", 0, 0, 0, "1:2:3:4:5:6:102:304", "", 0},
    {"1::1.2.3.4", 0, 0, 0, "1::102:304", "", 0},
    /* Zones, RFC 4007 section 11. */
    {"fe80::1%eth0", 0, 0, 0, "fe80::1", "eth0", 0},
    {"fe80::1%3", 0, 0, 0, "fe80::1", "3", 3},
    {"fe80::1%br-lan.100", 0, 0, 0, "fe80::1", "br-lan.100", 0},
    {"fe80::1%4294967295", 0, 0, 0, "fe80::1", "4294967295", 4294967295u},
    {"fe80::1%4294967296", 0, 0, 0, "fe80::1", "4294967296", 0},
    {"[2001:db8::1]", DS_PARSE_BRACKETS, 0, 0, "2001:db8::1", "", 0},
    {"[fe80::1%eth0]", DS_PARSE_BRACKETS, 0, 0, "fe80::1", "eth0", 0},
    /* IPv4. */
    {"192.0.2.1", 0, 0, 0, "192.0.2.1", "", 0},
    {"0.0.0.0", 0, 0, 0, "0.0.0.0", "", 0},
    {"255.255.255.255", 0, 0, 0, "255.255.255.255", "", 0},
    {"10.0.0.100", 0, 0, 0, "10.0.0.100", "", 0},

    /* Rejected, with the reason and the 0-based offset. */
    {"", 0, DS_E_EMPTY, 0, NULL, NULL, 0},
    {"1.2.3.04", 0, DS_E_V4_LEADING_ZERO, 6, NULL, NULL, 0},
    {"010.0.0.1", 0, DS_E_V4_LEADING_ZERO, 0, NULL, NULL, 0},
    {"1.2.3.256", 0, DS_E_V4_OCTET_RANGE, 6, NULL, NULL, 0},
    {"1.2.3.1000", 0, DS_E_V4_OCTET_RANGE, 6, NULL, NULL, 0},
    {"1.2.3", 0, DS_E_V4_FEW_OCTETS, 5, NULL, NULL, 0},
    {"1.2.3.4.5", 0, DS_E_V4_MANY_OCTETS, 7, NULL, NULL, 0},
    {"1..2.3", 0, DS_E_V4_EMPTY_OCTET, 2, NULL, NULL, 0},
    {"1.2.3.", 0, DS_E_V4_EMPTY_OCTET, 6, NULL, NULL, 0},
    {".1.2.3", 0, DS_E_V4_EMPTY_OCTET, 0, NULL, NULL, 0},
    {"1.2.3.4 ", 0, DS_E_BAD_CHAR, 7, NULL, NULL, 0},
    {" 1.2.3.4", 0, DS_E_BAD_CHAR, 0, NULL, NULL, 0},
    {"1.2.3.x", 0, DS_E_BAD_CHAR, 6, NULL, NULL, 0},
    {"1.2.3.4%eth0", 0, DS_E_ZONE_V4, 7, NULL, NULL, 0},
    {"abcd", 0, DS_E_V6_FEW_GROUPS, 4, NULL, NULL, 0},
    {"2001:db8:0:0:0:0:0:12345", 0, DS_E_V6_GROUP_LONG, 19, NULL, NULL, 0},
    {"12345::", 0, DS_E_V6_GROUP_LONG, 0, NULL, NULL, 0},
    {"1:2:3:4:5:6:7", 0, DS_E_V6_FEW_GROUPS, 13, NULL, NULL, 0},
    {"1:2:3:4:5:6:7:8:9", 0, DS_E_V6_MANY_GROUPS, 16, NULL, NULL, 0},
    {"1:2:3:4:5:6:7:8::", 0, DS_E_V6_MANY_GROUPS, 15, NULL, NULL, 0},
    {"::1:2:3:4:5:6:7:8", 0, DS_E_V6_MANY_GROUPS, 0, NULL, NULL, 0},
    {"1:2:3:4::5:6:7:8", 0, DS_E_V6_MANY_GROUPS, 7, NULL, NULL, 0},
    {"1::2::3", 0, DS_E_V6_DOUBLE_COLON, 4, NULL, NULL, 0},
    {":1::", 0, DS_E_V6_LONE_COLON, 0, NULL, NULL, 0},
    {"1::2:", 0, DS_E_V6_LONE_COLON, 4, NULL, NULL, 0},
    {":", 0, DS_E_V6_LONE_COLON, 0, NULL, NULL, 0},
    {":::", 0, DS_E_V6_EMPTY_GROUP, 2, NULL, NULL, 0},
    {"1:::2", 0, DS_E_V6_EMPTY_GROUP, 3, NULL, NULL, 0},
    {"g::", 0, DS_E_BAD_CHAR, 0, NULL, NULL, 0},
    {"2001:db8::1/64", 0, DS_E_BAD_CHAR, 11, NULL, NULL, 0},
    {"1:2:3:4:5:6:7:1.2.3.4", 0, DS_E_V6_V4_POSITION, 14, NULL, NULL, 0},
    {"1:2:3:4:5:1.2.3.4", 0, DS_E_V6_V4_POSITION, 10, NULL, NULL, 0},
    {"::1.2.3.4:1", 0, DS_E_BAD_CHAR, 9, NULL, NULL, 0},
    {"::1.2.3.04", 0, DS_E_V4_LEADING_ZERO, 8, NULL, NULL, 0},
    {"::ffff:1.2.3", 0, DS_E_V4_FEW_OCTETS, 12, NULL, NULL, 0},
    {"fe80::1%", 0, DS_E_ZONE_EMPTY, 8, NULL, NULL, 0},
    {"fe80::1%eth 0", 0, DS_E_ZONE_CHAR, 11, NULL, NULL, 0},
    {"fe80::1%a%b", 0, DS_E_ZONE_CHAR, 9, NULL, NULL, 0},
    {"fe80::1%0123456789abcdef", 0, DS_E_ZONE_LONG, 8, NULL, NULL, 0},
    {"fe80::1%eth0", DS_PARSE_NO_ZONE, DS_E_ZONE_NOT_ALLOWED, 7, NULL, NULL, 0},
    {"192.0.2.1", DS_PARSE_V6_ONLY, DS_E_FAMILY, 0, NULL, NULL, 0},
    {"::1", DS_PARSE_V4_ONLY, DS_E_FAMILY, 0, NULL, NULL, 0},
    {"[::1]", 0, DS_E_BAD_CHAR, 0, NULL, NULL, 0},
    {"[::1", DS_PARSE_BRACKETS, DS_E_BRACKET, 4, NULL, NULL, 0},
    {"[]", DS_PARSE_BRACKETS, DS_E_EMPTY, 1, NULL, NULL, 0},
    {"[192.0.2.1]", DS_PARSE_BRACKETS, DS_E_BRACKET_V4, 0, NULL, NULL, 0},
};

static void
test_addr_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]);
	     i++) {
		const struct addr_case *c = &addr_cases[i];
		struct ds_addr a, untouched;
		size_t pos = 12345;
		int r;

		memset(&a, 0x5a, sizeof(a));
		untouched = a;
		r = ds_addr_parse(c->in, strlen(c->in), c->flags, &a, &pos);
		if (c->err) {
			if (r != -c->err || pos != c->pos)
				fail_msg("'%s': got %d at %zu, want %d at %zu",
				    c->in, r, pos, -c->err, c->pos);
			/* Nothing is written on failure. */
			assert_memory_equal(&a, &untouched, sizeof(a));
			continue;
		}
		if (r != 0)
			fail_msg("'%s': got %d (%s) at %zu", c->in, r,
			    ds_strerror(r), pos);

		struct ds_addr want = {0};

		if (inet_pton(AF_INET, c->pton, &want.u.in) == 1)
			want.family = AF_INET;
		else if (inet_pton(AF_INET6, c->pton, &want.u.in6) == 1)
			want.family = AF_INET6;
		else
			fail_msg("bad test value '%s'", c->pton);
		assert_int_equal(a.family, want.family);
		assert_memory_equal(a.u.bytes, want.u.bytes, 16);
		assert_string_equal(a.zone, c->zone);
		assert_int_equal(a.scope_id, c->scope_id);
	}
}

/* The parser reads (pointer, length): nothing past len matters. */
static void
test_addr_length_bound(void **state)
{
	struct ds_addr a;
	const char *s = "192.0.2.1999";

	(void)state;
	assert_int_equal(ds_addr_parse(s, 9, 0, &a, NULL), 0);
	assert_int_equal(ds_addr_v4(&a), 0xc0000201u);
	assert_int_equal(ds_addr_parse("2001:db8::1:2", 11, 0, &a, NULL), 0);
	assert_int_equal(a.u.bytes[15], 1);
	/* A NUL inside the length is a bad character, not an end. */
	assert_int_equal(
	    ds_addr_parse("::1\0", 4, 0, &a, NULL), -DS_E_BAD_CHAR);
}

/* Every byte value in every position: no crash, and only the documented
 * characters are ever accepted. */
static void
test_addr_every_byte(void **state)
{
	(void)state;
	for (unsigned c = 0; c < 256; c++) {
		char s[] = "2001:db8::1";
		struct ds_addr a;

		for (size_t i = 0; i < sizeof(s) - 1; i++) {
			char saved = s[i];
			int r;

			s[i] = (char)c;
			r = ds_addr_parse(s, sizeof(s) - 1, 0, &a, NULL);
			if (r == 0) {
				/* Only hex digits and ':' keep it valid. */
				assert_true((c >= '0' && c <= '9') ||
				    (c >= 'a' && c <= 'f') ||
				    (c >= 'A' && c <= 'F') || c == ':' ||
				    c == '%' || c == '.');
			}
			s[i] = saved;
		}
	}
}

struct prefix_case {
	const char *in;
	unsigned flags;
	int err;
	size_t pos;
	const char *addr;
	unsigned len;
};

static const struct prefix_case prefix_cases[] = {
    {"2001:db8::/32", 0, 0, 0, "2001:db8::", 32},
    {"[2001:db8::]/32", 0, 0, 0, "2001:db8::", 32},
    {"[::1]/128", 0, 0, 0, "::1", 128},
    {"::/0", 0, 0, 0, "::", 0},
    {"2001:db8::1/64", 0, 0, 0, "2001:db8::1", 64},
    {"2001:db8::1", 0, 0, 0, "2001:db8::1", 128},
    {"192.0.2.0/24", 0, 0, 0, "192.0.2.0", 24},
    {"192.0.2.7", 0, 0, 0, "192.0.2.7", 32},
    {"0.0.0.0/0", 0, 0, 0, "0.0.0.0", 0},
    {"192.0.2.0/255.255.255.0", 0, 0, 0, "192.0.2.0", 24},
    {"192.0.2.0/255.255.255.255", 0, 0, 0, "192.0.2.0", 32},
    {"10.0.0.0/0.0.0.0", 0, 0, 0, "10.0.0.0", 0},
    {"10.0.0.0/8", DS_PARSE_STRICT, 0, 0, "10.0.0.0", 8},
    {"fe80::%eth0/64", 0, 0, 0, "fe80::", 64},

    {"", 0, DS_E_EMPTY, 0, NULL, 0},
    {"2001:db8::/", 0, DS_E_PREFIX_MISSING, 11, NULL, 0},
    {"2001:db8::/129", 0, DS_E_PREFIX_RANGE, 11, NULL, 0},
    {"192.0.2.0/33", 0, DS_E_PREFIX_RANGE, 10, NULL, 0},
    {"192.0.2.0/1000", 0, DS_E_PREFIX_RANGE, 10, NULL, 0},
    {"2001:db8::/032", 0, DS_E_PREFIX_SYNTAX, 11, NULL, 0},
    {"2001:db8::/3x", 0, DS_E_PREFIX_SYNTAX, 12, NULL, 0},
    {"2001:db8::/-1", 0, DS_E_PREFIX_SYNTAX, 11, NULL, 0},
    {"2001:db8::/32/", 0, DS_E_PREFIX_SYNTAX, 13, NULL, 0},
    {"192.0.2.0/255.0.255.0", 0, DS_E_PREFIX_MASK, 10, NULL, 0},
    {"192.0.2.0/255.255.255.1", 0, DS_E_PREFIX_MASK, 10, NULL, 0},
    {"192.0.2.1/24", DS_PARSE_STRICT, DS_E_PREFIX_HOST_BITS, 9, NULL, 0},
    {"2001:db8::1/127", DS_PARSE_STRICT, DS_E_PREFIX_HOST_BITS, 11, NULL, 0},
    {"[2001:db8::]32", 0, DS_E_TRAILING, 12, NULL, 0},
    {"[2001:db8::/32", 0, DS_E_BRACKET, 14, NULL, 0},
    {"2001:db8::x/32", 0, DS_E_BAD_CHAR, 10, NULL, 0},
};

static void
test_prefix_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(prefix_cases) / sizeof(prefix_cases[0]);
	     i++) {
		const struct prefix_case *c = &prefix_cases[i];
		struct ds_prefix p;
		size_t pos = 12345;
		int r;

		r = ds_prefix_parse(c->in, strlen(c->in), c->flags, &p, &pos);
		if (c->err) {
			if (r != -c->err || pos != c->pos)
				fail_msg("'%s': got %d at %zu, want %d at %zu",
				    c->in, r, pos, -c->err, c->pos);
			continue;
		}
		if (r != 0)
			fail_msg("'%s': got %d (%s) at %zu", c->in, r,
			    ds_strerror(r), pos);

		uint8_t want[16] = {0};
		int fam = strchr(c->addr, ':') ? AF_INET6 : AF_INET;

		assert_int_equal(inet_pton(fam, c->addr, want), 1);
		assert_int_equal(p.addr.family, fam);
		assert_memory_equal(p.addr.u.bytes, want, 16);
		assert_int_equal(p.len, c->len);
	}
}

struct endpoint_case {
	const char *in;
	unsigned flags;
	int err;
	size_t pos;
	const char *addr;
	uint16_t port;
	const char *zone;
};

static const struct endpoint_case endpoint_cases[] = {
    {"[2001:db8::1]:443", 0, 0, 0, "2001:db8::1", 443, ""},
    {"[fe80::1%eth0]:80", 0, 0, 0, "fe80::1", 80, "eth0"},
    {"192.0.2.1:80", 0, 0, 0, "192.0.2.1", 80, ""},
    {":80", 0, 0, 0, "::", 80, ""},
    {":80", DS_PARSE_V4_ONLY, 0, 0, "0.0.0.0", 80, ""},
    {":80", DS_PARSE_V6_ONLY, 0, 0, "::", 80, ""},
    {"[::]:0", 0, 0, 0, "::", 0, ""},
    {"192.0.2.1:65535", 0, 0, 0, "192.0.2.1", 65535, ""},
    {"192.0.2.1", DS_PARSE_PORT_OPTIONAL, 0, 0, "192.0.2.1", 0, ""},
    {"2001:db8::1", DS_PARSE_PORT_OPTIONAL, 0, 0, "2001:db8::1", 0, ""},
    {"[2001:db8::1]", DS_PARSE_PORT_OPTIONAL, 0, 0, "2001:db8::1", 0, ""},

    {"", 0, DS_E_EMPTY, 0, NULL, 0, NULL},
    {"192.0.2.1", 0, DS_E_PORT_MISSING, 9, NULL, 0, NULL},
    {"192.0.2.1:", 0, DS_E_PORT_MISSING, 10, NULL, 0, NULL},
    {"192.0.2.1:65536", 0, DS_E_PORT_RANGE, 10, NULL, 0, NULL},
    {"192.0.2.1:99999999999", 0, DS_E_PORT_RANGE, 10, NULL, 0, NULL},
    {"192.0.2.1:8o", 0, DS_E_PORT_SYNTAX, 11, NULL, 0, NULL},
    {"2001:db8::1:80", 0, DS_E_V6_NEEDS_BRACKETS, 14, NULL, 0, NULL},
    {"[2001:db8::1]", 0, DS_E_PORT_MISSING, 13, NULL, 0, NULL},
    {"[2001:db8::1]80", 0, DS_E_TRAILING, 13, NULL, 0, NULL},
    {"[2001:db8::1:80", 0, DS_E_BRACKET, 15, NULL, 0, NULL},
    {"[192.0.2.1]:80", 0, DS_E_BRACKET_V4, 0, NULL, 0, NULL},
    {"[2001:db8::g]:80", 0, DS_E_BAD_CHAR, 11, NULL, 0, NULL},
    {"192.0.2.1]:80", 0, DS_E_BRACKET, 9, NULL, 0, NULL},
    {"[fe80::1%eth0]:80", DS_PARSE_NO_ZONE, DS_E_ZONE_NOT_ALLOWED, 8, NULL, 0,
        NULL},
};

static void
test_endpoint_cases(void **state)
{
	(void)state;
	for (size_t i = 0;
	     i < sizeof(endpoint_cases) / sizeof(endpoint_cases[0]); i++) {
		const struct endpoint_case *c = &endpoint_cases[i];
		struct ds_endpoint ep;
		size_t pos = 12345;
		int r;

		r = ds_endpoint_parse(
		    c->in, strlen(c->in), c->flags, &ep, &pos);
		if (c->err) {
			if (r != -c->err || pos != c->pos)
				fail_msg("'%s': got %d at %zu, want %d at %zu",
				    c->in, r, pos, -c->err, c->pos);
			continue;
		}
		if (r != 0)
			fail_msg("'%s': got %d (%s) at %zu", c->in, r,
			    ds_strerror(r), pos);

		uint8_t want[16] = {0};
		int fam = strchr(c->addr, ':') ? AF_INET6 : AF_INET;

		assert_int_equal(inet_pton(fam, c->addr, want), 1);
		assert_int_equal(ep.addr.family, fam);
		assert_memory_equal(ep.addr.u.bytes, want, 16);
		assert_int_equal(ep.port, c->port);
		assert_string_equal(ep.addr.zone, c->zone);
	}
}

static void
test_hostport_split(void **state)
{
	const char *h;
	size_t hl, pos;
	uint16_t port;

	(void)state;
	assert_int_equal(
	    ds_hostport_split("example.org:443", 15, &h, &hl, &port, NULL), 0);
	assert_int_equal(hl, 11);
	assert_memory_equal(h, "example.org", 11);
	assert_int_equal(port, 443);

	assert_int_equal(
	    ds_hostport_split("[2001:db8::1]:22", 16, &h, &hl, &port, NULL), 0);
	assert_int_equal(hl, 11);
	assert_memory_equal(h, "2001:db8::1", 11);
	assert_int_equal(port, 22);

	assert_int_equal(
	    ds_hostport_split("example.org", 11, &h, &hl, &port, &pos),
	    -DS_E_PORT_MISSING);
	assert_int_equal(pos, 11);
	assert_int_equal(
	    ds_hostport_split("2001:db8::1:22", 14, &h, &hl, &port, &pos),
	    -DS_E_V6_NEEDS_BRACKETS);
	assert_int_equal(ds_hostport_split("host:x", 6, &h, &hl, &port, &pos),
	    -DS_E_PORT_SYNTAX);
	assert_int_equal(pos, 5);
}

static void
test_sockaddr_round_trip(void **state)
{
	struct ds_endpoint ep, back;
	struct sockaddr_storage ss;
	socklen_t sl;

	(void)state;
	assert_int_equal(
	    ds_endpoint_parse("[fe80::1%7]:9000", 16, 0, &ep, NULL), 0);
	assert_int_equal(ds_endpoint_to_sockaddr(&ep, &ss, &sl), 0);
	assert_int_equal(sl, sizeof(struct sockaddr_in6));
	assert_int_equal(((struct sockaddr_in6 *)&ss)->sin6_scope_id, 7);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 9000);
	assert_int_equal(
	    ds_endpoint_from_sockaddr((struct sockaddr *)&ss, sl, &back), 0);
	assert_memory_equal(&back, &ep, sizeof(ep));

	assert_int_equal(
	    ds_endpoint_parse("192.0.2.1:53", 12, 0, &ep, NULL), 0);
	assert_int_equal(ds_endpoint_to_sockaddr(&ep, &ss, &sl), 0);
	assert_int_equal(sl, sizeof(struct sockaddr_in));
	assert_int_equal(
	    ds_endpoint_from_sockaddr((struct sockaddr *)&ss, sl, &back), 0);
	assert_memory_equal(&back, &ep, sizeof(ep));

	/* Too short a length is refused, not over-read. */
	assert_int_equal(ds_endpoint_from_sockaddr((struct sockaddr *)&ss,
	                     sizeof(struct sockaddr_in) - 1, &back),
	    -EINVAL);
	ss.ss_family = AF_UNIX;
	assert_int_equal(ds_endpoint_from_sockaddr(
	                     (struct sockaddr *)&ss, sizeof(ss), &back),
	    -EAFNOSUPPORT);
}

/* A zone name becomes its interface's index in the socket address; a name
 * no interface has is refused with its own code. */
static void
test_sockaddr_zone_name(void **state)
{
	struct sockaddr_storage ss;
	struct ds_endpoint ep;
	socklen_t sl;
	uint32_t idx = 99;

	(void)state;
	assert_int_equal(
	    ds_endpoint_parse("[fe80::1%lo]:80", 15, 0, &ep, NULL), 0);
	assert_int_equal(ep.addr.scope_id, 0);
	assert_int_equal(ds_addr_zone_index(&ep.addr, &idx), 0);
	assert_int_equal(idx, if_nametoindex("lo"));
	assert_int_not_equal(idx, 0);
	assert_int_equal(ds_endpoint_to_sockaddr(&ep, &ss, &sl), 0);
	assert_int_equal(((struct sockaddr_in6 *)&ss)->sin6_scope_id, idx);

	assert_int_equal(
	    ds_endpoint_parse("[fe80::1%ds-no-such-if]:80", 26, 0, &ep, NULL),
	    0);
	idx = 99;
	assert_int_equal(
	    ds_addr_zone_index(&ep.addr, &idx), -DS_E_ZONE_UNKNOWN);
	assert_int_equal(idx, 99);
	assert_int_equal(
	    ds_endpoint_to_sockaddr(&ep, &ss, &sl), -DS_E_ZONE_UNKNOWN);

	/* No zone, or IPv4: index 0. */
	assert_int_equal(
	    ds_endpoint_parse("[2001:db8::1]:80", 16, 0, &ep, NULL), 0);
	assert_int_equal(ds_addr_zone_index(&ep.addr, &idx), 0);
	assert_int_equal(idx, 0);
	assert_int_equal(
	    ds_endpoint_parse("192.0.2.1:80", 12, 0, &ep, NULL), 0);
	idx = 99;
	assert_int_equal(ds_addr_zone_index(&ep.addr, &idx), 0);
	assert_int_equal(idx, 0);
}

static void
test_unmap(void **state)
{
	struct ds_addr a, v4, m;

	(void)state;
	assert_int_equal(ds_addr_parse("::ffff:192.0.2.1", 16, 0, &a, NULL), 0);
	assert_true(ds_addr_unmap(&a, &v4));
	assert_int_equal(v4.family, AF_INET);
	assert_int_equal(ds_addr_v4(&v4), 0xc0000201u);
	assert_int_equal(ds_addr_map(&v4, &m), 0);
	assert_memory_equal(&m, &a, sizeof(a));
	/* In place. */
	assert_true(ds_addr_unmap(&a, &a));
	assert_memory_equal(&a, &v4, sizeof(a));

	/* Not mapped: copied as is. ::192.0.2.1 is compatible, not mapped. */
	assert_int_equal(ds_addr_parse("::192.0.2.1", 11, 0, &a, NULL), 0);
	assert_false(ds_addr_unmap(&a, &m));
	assert_memory_equal(&m, &a, sizeof(a));
	assert_int_equal(ds_addr_map(&a, &m), -EAFNOSUPPORT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addr_cases),
	    cmocka_unit_test(test_addr_length_bound),
	    cmocka_unit_test(test_addr_every_byte),
	    cmocka_unit_test(test_prefix_cases),
	    cmocka_unit_test(test_endpoint_cases),
	    cmocka_unit_test(test_hostport_split),
	    cmocka_unit_test(test_sockaddr_round_trip),
	    cmocka_unit_test(test_sockaddr_zone_name),
	    cmocka_unit_test(test_unmap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
