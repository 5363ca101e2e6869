/* SPDX-License-Identifier: MIT */
/*
 * The PROXY protocol codec (haproxy's doc/proxy-protocol.txt): the spec's
 * examples, round trips of both versions and families, the family chosen
 * for IPv4-mapped and mixed addresses, -EAGAIN for every strict prefix of
 * a valid header, and tables of malformed v1 lines and v2 headers with
 * the offset each error points at.
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

#include "dualstack/addr.h"
#include "dualstack/proxyproto.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Parse a copy of exactly len bytes, so that ASan sees an over-read. */
static int
parse_exact(
    const void *s, size_t len, struct ds_proxyproto_hdr *ret, size_t *pos)
{
	void *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, s, len);
	r = ds_proxyproto_parse(copy, len, ret, pos);
	free(copy);
	return r;
}

static struct ds_endpoint
ep(const char *text)
{
	struct ds_endpoint e;

	memset(&e, 0, sizeof(e));
	assert_int_equal(ds_endpoint_parse(text, strlen(text), 0, &e, NULL), 0);
	return e;
}

static void
assert_ep_equal(const struct ds_endpoint *a, const struct ds_endpoint *b)
{
	assert_int_equal(a->addr.family, b->addr.family);
	assert_true(ds_addr_equal(&a->addr, &b->addr));
	assert_int_equal(a->port, b->port);
}

static struct ds_proxyproto_hdr
hdr(const char *src, const char *dst)
{
	struct ds_proxyproto_hdr h;

	memset(&h, 0, sizeof(h));
	h.src = ep(src);
	h.dst = ep(dst);
	return h;
}

/* Every strict prefix of a valid header asks for more; the whole parses. */
static void
assert_prefixes_eagain(const void *buf, size_t len)
{
	struct ds_proxyproto_hdr h;
	size_t pos;

	for (size_t k = 0; k < len; k++) {
		pos = (size_t)-1;
		if (parse_exact(buf, k, &h, &pos) != -EAGAIN)
			fail_msg(
			    "prefix of %zu of %zu bytes: not -EAGAIN", k, len);
		assert_int_equal(pos, k);
	}
	assert_int_equal(parse_exact(buf, len, &h, NULL), 0);
	assert_int_equal(h.len, len);
}

/* --- Version 1 ------------------------------------------------------------ */

#define FF6 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"

/* Section 2.1's examples, with the lengths it gives them. */
static void
test_v1_spec_examples(void **state)
{
	static const char tcp4[] =
	    "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n";
	static const char tcp6[] = "PROXY TCP6 " FF6 " " FF6 " 65535 65535\r\n";
	static const char unk_max[] =
	    "PROXY UNKNOWN " FF6 " " FF6 " 65535 65535\r\n";
	struct ds_proxyproto_hdr h;

	(void)state;
	assert_int_equal(strlen(tcp4), 56);
	assert_int_equal(strlen(tcp6), 104);
	assert_int_equal(strlen(unk_max), DS_PROXYPROTO_V1_MAX);

	assert_int_equal(parse_exact(tcp4, strlen(tcp4), &h, NULL), 0);
	assert_int_equal(h.version, 1);
	assert_false(h.local);
	assert_int_equal(h.len, 56);
	assert_int_equal(h.src.addr.family, AF_INET);
	assert_int_equal(ds_addr_v4(&h.src.addr), 0xffffffffu);
	assert_int_equal(h.src.port, 65535);
	assert_int_equal(h.dst.port, 65535);

	assert_int_equal(parse_exact(tcp6, strlen(tcp6), &h, NULL), 0);
	assert_int_equal(h.len, 104);
	assert_int_equal(h.dst.addr.family, AF_INET6);
	assert_int_equal(h.dst.addr.u.bytes[15], 0xff);

	assert_int_equal(parse_exact(unk_max, strlen(unk_max), &h, NULL), 0);
	assert_true(h.local);
	assert_int_equal(h.len, DS_PROXYPROTO_V1_MAX);
	assert_int_equal(h.src.addr.family, 0);

	assert_int_equal(parse_exact("PROXY UNKNOWN\r\n", 15, &h, NULL), 0);
	assert_true(h.local);
	assert_int_equal(h.len, 15);
}

/* Valid lines; the bytes after the CRLF are the application's. */
static void
test_v1_valid(void **state)
{
	static const struct {
		const char *text;
		const char *src, *dst; /* NULL: local */
		size_t len;
	} cases[] = {
	    {"PROXY TCP4 192.0.2.1 198.51.100.2 1234 80\r\nGET / HTTP/1.0",
	        "192.0.2.1:1234", "198.51.100.2:80", 43},
	    {"PROXY TCP4 192.0.2.1 198.51.100.2 0 0\r\n", "192.0.2.1:0",
	        "198.51.100.2:0", 39},
	    {"PROXY TCP6 2001:DB8::1 ::1 1 2\r\n", "[2001:db8::1]:1", "[::1]:2",
	        32},
	    /* Mapped addresses come back as the IPv4 they stand for. */
	    {"PROXY TCP6 ::ffff:192.0.2.1 ::ffff:c000:202 7 8\r\n",
	        "192.0.2.1:7", "192.0.2.2:8", 49},
	    {"PROXY TCP6 ::ffff:192.0.2.1 2001:db8::2 7 8\r\n", "192.0.2.1:7",
	        "[2001:db8::2]:8", 45},
	    {"PROXY UNKNOWN 192.0.2.1 whatever\r\n\x01", NULL, NULL, 34},
	};
	struct ds_proxyproto_hdr h;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t n = strlen(cases[i].text);

		if (parse_exact(cases[i].text, n, &h, NULL) != 0)
			fail_msg("case %zu: %s", i, cases[i].text);
		assert_int_equal(h.len, cases[i].len);
		assert_int_equal(h.version, 1);
		assert_int_equal(h.local, cases[i].src == NULL);
		if (cases[i].src) {
			struct ds_endpoint s = ep(cases[i].src);
			struct ds_endpoint d = ep(cases[i].dst);

			/* Mapped addresses stay AF_INET6, as given. */
			assert_ep_equal(&h.src, &s);
			assert_ep_equal(&h.dst, &d);
		}
	}
}

static void
test_v1_malformed(void **state)
{
	static const struct {
		const char *text;
		int err;
		size_t lo, hi; /* errpos in [lo, hi] */
	} cases[] = {
	    /* Not PROXY at all. */
	    {"proxy TCP4 192.0.2.1 198.51.100.2 1234 80\r\n", -EPROTO, 0, 0},
	    {"GET / HTTP/1.1\r\n", -EPROTO, 0, 0},
	    {"PROXYTCP4 1.2.3.4\r\n", -EPROTO, 5, 5},
	    /* The protocol. */
	    {"PROXY tcp4 192.0.2.1 198.51.100.2 1234 80\r\n", -EINVAL, 6, 6},
	    {"PROXY TCP5 192.0.2.1 198.51.100.2 1234 80\r\n", -EINVAL, 6, 6},
	    {"PROXY UNKNOWNX\r\n", -EINVAL, 6, 6},
	    {"PROXY \r\n", -EINVAL, 6, 6},
	    {"PROXY  TCP4 192.0.2.1 198.51.100.2 1234 80\r\n", -EINVAL, 6, 6},
	    /* Spaces and fields. */
	    {"PROXY TCP4  192.0.2.1 198.51.100.2 1234 80\r\n", -EINVAL, 11, 11},
	    {"PROXY TCP4 192.0.2.1  198.51.100.2 1234 80\r\n", -EINVAL, 21, 21},
	    {"PROXY TCP4 192.0.2.1 198.51.100.2 1234  80\r\n", -EINVAL, 39, 39},
	    {"PROXY TCP4 192.0.2.1 198.51.100.2 1234 80 9\r\n", -EINVAL, 41,
	        41},
	    {"PROXY TCP4 192.0.2.1 198.51.100.2 1234 80 \r\n", -EINVAL, 41, 41},
	    {"PROXY TCP4 192.0.2.1 198.51.100.2 1234\r\n", -EINVAL, 38, 38},
	    {"PROXY TCP4\r\n", -EINVAL, 10, 10},
	    {"PROXY TCP4 192.0.2.1\t198.51.100.2 1234 80\r\n", -EINVAL, 11, 20},
	    /* Ports. */
	    {"PROXY TCP4 192.0.2.1 198.51.100.2 01234 80\r\n", -EINVAL, 34, 34},
	    {"PROXY TCP4 192.0.2.1 198.51.100.2 1234 00\r\n", -EINVAL, 39, 39},
	    {"PROXY TCP4 192.0.2.1 198.51.100.2 65536 80\r\n", -EINVAL, 34, 34},
	    {"PROXY TCP4 192.0.2.1 198.51.100.2 123456 80\r\n", -EINVAL, 39,
	        39},
	    {"PROXY TCP4 192.0.2.1 198.51.100.2 12a4 80\r\n", -EINVAL, 36, 36},
	    {"PROXY TCP4 192.0.2.1 198.51.100.2 -1 80\r\n", -EINVAL, 34, 34},
	    {"PROXY TCP4 192.0.2.1 198.51.100.2 +1 80\r\n", -EINVAL, 34, 34},
	    /* Addresses: valid for the family, no zone, no leading zeros. */
	    {"PROXY TCP4 192.0.2.256 198.51.100.2 1234 80\r\n", -EINVAL, 11,
	        21},
	    {"PROXY TCP4 192.0.2.01 198.51.100.2 1234 80\r\n", -EINVAL, 11, 20},
	    {"PROXY TCP4 192.0.2 198.51.100.2 1234 80\r\n", -EINVAL, 11, 18},
	    {"PROXY TCP4 2001:db8::1 2001:db8::2 1234 80\r\n", -EINVAL, 11, 22},
	    {"PROXY TCP6 192.0.2.1 198.51.100.2 1234 80\r\n", -EINVAL, 11, 20},
	    {"PROXY TCP6 2001:db8::1 192.0.2.1 1234 80\r\n", -EINVAL, 23, 32},
	    {"PROXY TCP6 fe80::1%eth0 fe80::2 1234 80\r\n", -EINVAL, 11, 23},
	    {"PROXY TCP6 [2001:db8::1] ::1 1234 80\r\n", -EINVAL, 11, 24},
	    {"PROXY TCP6 2001:db8:::1 ::1 1234 80\r\n", -EINVAL, 11, 23},
	    /* The end of the line. */
	    {"PROXY TCP4 192.0.2.1 198.51.100.2 1234 80\n", -EINVAL, 41, 41},
	    {"PROXY TCP4 192.0.2.1 198.51.100.2 1234 80\rX", -EINVAL, 42, 42},
	    {"PROXY UNKNOWN\n", -EINVAL, 13, 13},
	    /* Rejected before the line is complete. */
	    {"PROXY TCP4 192.0.2.1 x", -EINVAL, 21, 21},
	    {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3", -EINVAL, 30, 30},
	    {"PROXY TCP4 1.2.3.4 5.6.7.8 1a", -EINVAL, 28, 28},
	    {"PROXY FOO", -EINVAL, 6, 6},
	    {"PROXY TCP4  ", -EINVAL, 11, 11},
	    {"PROXY TCP4 ::1", -EINVAL, 11, 11},
	};
	struct ds_proxyproto_hdr h, orig;
	size_t pos;
	int r;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&h, 0xa5, sizeof(h));
		orig = h;
		pos = (size_t)-1;
		r = parse_exact(cases[i].text, strlen(cases[i].text), &h, &pos);
		if (r != cases[i].err || pos < cases[i].lo || pos > cases[i].hi)
			fail_msg("case %zu \"%s\": got %d at %zu, want %d at "
			         "%zu-%zu",
			    i, cases[i].text, r, pos, cases[i].err, cases[i].lo,
			    cases[i].hi);
		assert_memory_equal(&h, &orig, sizeof(h));
	}
}

/* No CRLF within 107 bytes (section 2.1): -E2BIG, not more waiting. */
static void
test_v1_too_long(void **state)
{
	char line[DS_PROXYPROTO_V1_MAX + 8];
	struct ds_proxyproto_hdr h;
	size_t pos;

	(void)state;
	memset(line, 'a', sizeof(line));
	memcpy(line, "PROXY UNKNOWN ", 14);
	/* 106 bytes without CRLF: still a possible line. */
	assert_int_equal(parse_exact(line, 106, &h, &pos), -EAGAIN);
	assert_int_equal(
	    parse_exact(line, DS_PROXYPROTO_V1_MAX, &h, &pos), -E2BIG);
	assert_int_equal(pos, DS_PROXYPROTO_V1_MAX);
	assert_int_equal(parse_exact(line, sizeof(line), &h, &pos), -E2BIG);
	/* The CR as byte 107 puts the LF at 108. */
	line[106] = '\r';
	assert_int_equal(
	    parse_exact(line, DS_PROXYPROTO_V1_MAX, &h, &pos), -E2BIG);
	line[105] = '\r';
	line[106] = '\n';
	assert_int_equal(parse_exact(line, DS_PROXYPROTO_V1_MAX, &h, &pos), 0);
	assert_int_equal(h.len, DS_PROXYPROTO_V1_MAX);
}

/* --- Version 2 ------------------------------------------------------------ */

#define SIG "\x0D\x0A\x0D\x0A\x00\x0D\x0A\x51\x55\x49\x54\x0A"

/* PROXY TCP4 192.0.2.1:1234 -> 198.51.100.2:80. */
static const uint8_t v2_tcp4[] = SIG "\x21\x11\x00\x0c"
                                     "\xc0\x00\x02\x01\xc6\x33\x64\x02"
                                     "\x04\xd2\x00\x50";

/* What haproxy sends (its output as captured before the payload):
 * 172.19.0.1:42578
 * -> 172.19.0.3:80, then "GET ". */
static void
test_v2_haproxy_capture(void **state)
{
	static const uint8_t b[] = SIG "\x21\x11\x00\x0c"
	                               "\xac\x13\x00\x01\xac\x13\x00\x03"
	                               "\xa6\x52\x00\x50GET ";
	struct ds_proxyproto_hdr h;
	struct ds_endpoint s = ep("172.19.0.1:42578"), d = ep("172.19.0.3:80");

	(void)state;
	assert_int_equal(parse_exact(b, sizeof(b) - 1, &h, NULL), 0);
	assert_int_equal(h.version, 2);
	assert_false(h.local);
	assert_int_equal(h.len, 28);
	assert_int_equal(h.v2_cmd, DS_PROXYPROTO_V2_PROXY);
	assert_int_equal(h.v2_fam, DS_PROXYPROTO_V2_TCP4);
	assert_int_equal(h.tlv_len, 0);
	assert_ep_equal(&h.src, &s);
	assert_ep_equal(&h.dst, &d);
}

static void
test_v2_tlvs(void **state)
{
	/* TCP4, then PP2_TYPE_NOOP (0x04) of 3 bytes and an empty
	 * PP2_TYPE_AUTHORITY (0x02): 12 + 6 + 3 = 21. */
	uint8_t b[64];
	struct ds_proxyproto_hdr h;
	size_t n = sizeof(v2_tcp4) - 1, pos;

	(void)state;
	memcpy(b, v2_tcp4, n);
	memcpy(b + n, "\x04\x00\x03xyz\x02\x00\x00", 9);
	b[15] = 21;
	assert_prefixes_eagain(b, n + 9);
	assert_int_equal(parse_exact(b, n + 9, &h, NULL), 0);
	assert_int_equal(h.tlv_off, 28);
	assert_int_equal(h.tlv_len, 9);
	assert_int_equal(h.src.port, 1234);

	/* The last TLV's value overruns the announced length by one. */
	b[n + 8] = 1;
	assert_int_equal(parse_exact(b, n + 9, &h, &pos), -EINVAL);
	assert_int_equal(pos, n + 7);
	/* Two bytes left over: not even a TLV header. */
	b[15] = 20;
	assert_int_equal(parse_exact(b, n + 8, &h, &pos), -EINVAL);
	assert_int_equal(pos, n + 6);
	/* A first TLV longer than everything. */
	b[15] = 21;
	b[n + 1] = 0xff;
	assert_int_equal(parse_exact(b, n + 9, &h, &pos), -EINVAL);
	assert_int_equal(pos, n + 1);
}

/* Valid v2 headers that carry no TCP endpoints: treated as LOCAL. */
static void
test_v2_no_addresses(void **state)
{
	static const struct {
		uint8_t ver_cmd, fam;
		uint16_t len;
	} cases[] = {
	    {DS_PROXYPROTO_V2_LOCAL, DS_PROXYPROTO_V2_UNSPEC, 0},
	    /* LOCAL: the family and its block size are ignored. */
	    {DS_PROXYPROTO_V2_LOCAL, DS_PROXYPROTO_V2_TCP6, 0},
	    {DS_PROXYPROTO_V2_LOCAL, DS_PROXYPROTO_V2_TCP4, 12},
	    {DS_PROXYPROTO_V2_PROXY, DS_PROXYPROTO_V2_UNSPEC, 0},
	    {DS_PROXYPROTO_V2_PROXY, DS_PROXYPROTO_V2_UNSPEC, 3},
	    {DS_PROXYPROTO_V2_PROXY, DS_PROXYPROTO_V2_UDP4, 12},
	    {DS_PROXYPROTO_V2_PROXY, DS_PROXYPROTO_V2_UDP6, 36},
	    {DS_PROXYPROTO_V2_PROXY, DS_PROXYPROTO_V2_UNIX_STREAM, 216},
	    {DS_PROXYPROTO_V2_PROXY, DS_PROXYPROTO_V2_UNIX_DGRAM, 216},
	};
	uint8_t b[DS_PROXYPROTO_V2_HDR_LEN + 256];
	struct ds_proxyproto_hdr h;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(b, 0, sizeof(b));
		memcpy(b, SIG, 12);
		b[12] = cases[i].ver_cmd;
		b[13] = cases[i].fam;
		b[14] = 0;
		b[15] = (uint8_t)cases[i].len;
		if (cases[i].len == 3)
			b[16] = 0x04; /* an empty NOOP TLV */
		if (parse_exact(b, 16u + cases[i].len, &h, NULL) != 0)
			fail_msg("case %zu", i);
		assert_int_equal(h.version, 2);
		assert_true(h.local);
		assert_int_equal(h.len, 16u + cases[i].len);
		assert_int_equal(h.v2_cmd, cases[i].ver_cmd);
		assert_int_equal(h.v2_fam, cases[i].fam);
		assert_int_equal(h.src.addr.family, 0);
		assert_prefixes_eagain(b, 16u + cases[i].len);
	}
}

static void
test_v2_malformed(void **state)
{
	static const struct {
		size_t at;
		uint8_t val;
		int err;
		size_t pos;
	} cases[] = {
	    {4, 0x01, -EPROTO, 4},   /* the signature */
	    {0, 0x0a, -EPROTO, 0},   /* the signature */
	    {11, 0x0d, -EPROTO, 11}, /* the signature */
	    {12, 0x11, -EINVAL, 12}, /* version 1 in binary */
	    {12, 0x31, -EINVAL, 12}, /* version 3 */
	    {12, 0x01, -EINVAL, 12}, /* version 0 */
	    {12, 0x22, -EINVAL, 12}, /* command 2 */
	    {12, 0x2f, -EINVAL, 12}, /* command 15 */
	    {13, 0x13, -EINVAL, 13}, /* transport 3 */
	    {13, 0x41, -EINVAL, 13}, /* family 4 */
	    {13, 0x01, -EINVAL, 13}, /* UNSPEC family, STREAM */
	    {13, 0x10, -EINVAL, 13}, /* INET, UNSPEC transport */
	    {15, 11, -EINVAL, 14},   /* shorter than the IPv4 block */
	    {13, 0x21, -EINVAL, 14}, /* TCP6 in 12 bytes */
	    {13, 0x31, -EINVAL, 14}, /* UNIX in 12 bytes */
	    {14, 0x10, -E2BIG, 14},  /* 4096 + 12 */
	    {14, 0xff, -E2BIG, 14},
	};
	uint8_t b[sizeof(v2_tcp4) - 1];
	struct ds_proxyproto_hdr h, orig;
	size_t pos;
	int r;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memcpy(b, v2_tcp4, sizeof(b));
		b[cases[i].at] = cases[i].val;
		memset(&h, 0x5a, sizeof(h));
		orig = h;
		pos = (size_t)-1;
		r = parse_exact(b, sizeof(b), &h, &pos);
		if (r != cases[i].err || pos != cases[i].pos)
			fail_msg("case %zu: got %d at %zu, want %d at %zu", i,
			    r, pos, cases[i].err, cases[i].pos);
		assert_memory_equal(&h, &orig, sizeof(h));
		/* Known as soon as the offending byte is in. */
		if (cases[i].err != -E2BIG || cases[i].at >= 14) {
			r = parse_exact(b,
			    cases[i].pos + 1 + (cases[i].pos == 14), &h, &pos);
			assert_int_equal(r, cases[i].err);
		}
	}
}

/* The largest length field we take, and one more. */
static void
test_v2_length_limit(void **state)
{
	uint8_t *b = calloc(1, DS_PROXYPROTO_V2_MAX + 1);
	struct ds_proxyproto_hdr h;
	size_t pos;

	(void)state;
	assert_non_null(b);
	memcpy(b, v2_tcp4, sizeof(v2_tcp4) - 1);
	/* One NOOP TLV filling 4096 - 12 - 3 bytes. */
	b[14] = DS_PROXYPROTO_V2_LEN_MAX >> 8;
	b[15] = DS_PROXYPROTO_V2_LEN_MAX & 0xff;
	b[28] = 0x04;
	b[29] = (DS_PROXYPROTO_V2_LEN_MAX - 15) >> 8;
	b[30] = (DS_PROXYPROTO_V2_LEN_MAX - 15) & 0xff;
	assert_int_equal(
	    parse_exact(b, DS_PROXYPROTO_V2_MAX - 1, &h, &pos), -EAGAIN);
	assert_int_equal(parse_exact(b, DS_PROXYPROTO_V2_MAX + 1, &h, &pos), 0);
	assert_int_equal(h.len, DS_PROXYPROTO_V2_MAX);
	b[15]++;
	assert_int_equal(parse_exact(b, 16, &h, &pos), -E2BIG);
	assert_int_equal(pos, 14);
	free(b);
}

/* --- Formatting and round trips ------------------------------------------ */

static void
test_round_trips(void **state)
{
	static const struct {
		const char *src, *dst;
		const char *v1;
		int v2_len;
	} cases[] = {
	    {"192.0.2.1:1234", "198.51.100.2:80",
	        "PROXY TCP4 192.0.2.1 198.51.100.2 1234 80\r\n", 28},
	    {"0.0.0.0:0", "255.255.255.255:65535",
	        "PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n", 28},
	    {"[2001:db8::1]:0", "[2001:db8::2]:65535",
	        "PROXY TCP6 2001:db8::1 2001:db8::2 0 65535\r\n", 52},
	    {"[::]:1", "[" FF6 "]:2", "PROXY TCP6 :: " FF6 " 1 2\r\n", 52},
	    /* The zone cannot travel. */
	    {"[fe80::1%eth0]:5", "[fe80::2%3]:6",
	        "PROXY TCP6 fe80::1 fe80::2 5 6\r\n", 52},
	};
	char text[DS_PROXYPROTO_V1_STRLEN];
	uint8_t bin[DS_PROXYPROTO_V2_FORMAT_MAX];
	struct ds_proxyproto_hdr h, back;
	int n;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		h = hdr(cases[i].src, cases[i].dst);
		n = ds_proxyproto_format_v1(&h, text, sizeof(text));
		assert_int_equal(n, strlen(cases[i].v1));
		assert_string_equal(text, cases[i].v1);
		assert_int_equal(ds_proxyproto_format_v1(&h, NULL, 0), n);
		assert_prefixes_eagain(text, (size_t)n);
		assert_int_equal(parse_exact(text, (size_t)n, &back, NULL), 0);
		assert_int_equal(back.version, 1);
		assert_false(back.local);
		h.src.addr.zone[0] = h.dst.addr.zone[0] = '\0';
		h.src.addr.scope_id = h.dst.addr.scope_id = 0;
		assert_ep_equal(&back.src, &h.src);
		assert_ep_equal(&back.dst, &h.dst);

		n = ds_proxyproto_format_v2(&h, bin, sizeof(bin));
		assert_int_equal(n, cases[i].v2_len);
		assert_int_equal(ds_proxyproto_format_v2(&h, NULL, 0), n);
		assert_prefixes_eagain(bin, (size_t)n);
		assert_int_equal(parse_exact(bin, (size_t)n, &back, NULL), 0);
		assert_int_equal(back.version, 2);
		assert_false(back.local);
		assert_ep_equal(&back.src, &h.src);
		assert_ep_equal(&back.dst, &h.dst);
	}
	assert_int_equal(sizeof(v2_tcp4) - 1, 28);
	h = hdr("192.0.2.1:1234", "198.51.100.2:80");
	assert_int_equal(ds_proxyproto_format_v2(&h, bin, sizeof(bin)), 28);
	assert_memory_equal(bin, v2_tcp4, 28);
}

/* IPv4-mapped clients go out as IPv4; a mixed pair as TCP6, and parses
 * back normalised (the IPv4 end as AF_INET). */
static void
test_family_choice(void **state)
{
	static const struct {
		const char *src, *dst, *v1;
		uint8_t fam;
		const char *back_src, *back_dst;
	} cases[] = {
	    {"[::ffff:192.0.2.1]:5555", "[::ffff:198.51.100.7]:80",
	        "PROXY TCP4 192.0.2.1 198.51.100.7 5555 80\r\n",
	        DS_PROXYPROTO_V2_TCP4, "192.0.2.1:5555", "198.51.100.7:80"},
	    {"192.0.2.1:5555", "[::ffff:198.51.100.7]:80",
	        "PROXY TCP4 192.0.2.1 198.51.100.7 5555 80\r\n",
	        DS_PROXYPROTO_V2_TCP4, "192.0.2.1:5555", "198.51.100.7:80"},
	    {"[::ffff:192.0.2.1]:5555", "[2001:db8::1]:80",
	        "PROXY TCP6 ::ffff:c000:201 2001:db8::1 5555 80\r\n",
	        DS_PROXYPROTO_V2_TCP6, "192.0.2.1:5555", "[2001:db8::1]:80"},
	    {"[2001:db8::1]:5555", "198.51.100.7:80",
	        "PROXY TCP6 2001:db8::1 ::ffff:c633:6407 5555 80\r\n",
	        DS_PROXYPROTO_V2_TCP6, "[2001:db8::1]:5555", "198.51.100.7:80"},
	};
	char text[DS_PROXYPROTO_V1_STRLEN];
	uint8_t bin[DS_PROXYPROTO_V2_FORMAT_MAX];
	struct ds_proxyproto_hdr h, back;
	int n;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ds_endpoint s = ep(cases[i].back_src);
		struct ds_endpoint d = ep(cases[i].back_dst);

		h = hdr(cases[i].src, cases[i].dst);
		n = ds_proxyproto_format_v1(&h, text, sizeof(text));
		assert_int_equal(n, strlen(cases[i].v1));
		assert_string_equal(text, cases[i].v1);
		assert_int_equal(parse_exact(text, (size_t)n, &back, NULL), 0);
		assert_ep_equal(&back.src, &s);
		assert_ep_equal(&back.dst, &d);

		n = ds_proxyproto_format_v2(&h, bin, sizeof(bin));
		assert_int_equal(bin[13], cases[i].fam);
		assert_int_equal(parse_exact(bin, (size_t)n, &back, NULL), 0);
		assert_ep_equal(&back.src, &s);
		assert_ep_equal(&back.dst, &d);
	}
}

static void
test_local(void **state)
{
	char text[DS_PROXYPROTO_V1_STRLEN];
	uint8_t bin[DS_PROXYPROTO_V2_FORMAT_MAX];
	struct ds_proxyproto_hdr h, back;

	(void)state;
	/* The addresses are not looked at. */
	memset(&h, 0, sizeof(h));
	h.local = true;
	assert_int_equal(ds_proxyproto_format_v1(&h, text, sizeof(text)), 15);
	assert_string_equal(text, "PROXY UNKNOWN\r\n");
	assert_prefixes_eagain(text, 15);
	assert_int_equal(ds_proxyproto_format_v2(&h, bin, sizeof(bin)), 16);
	assert_memory_equal(bin, SIG "\x20\x00\x00\x00", 16);
	assert_prefixes_eagain(bin, 16);
	assert_int_equal(parse_exact(bin, 16, &back, NULL), 0);
	assert_true(back.local);
	assert_int_equal(back.v2_cmd, DS_PROXYPROTO_V2_LOCAL);
}

static void
test_format_errors(void **state)
{
	char text[DS_PROXYPROTO_V1_STRLEN];
	uint8_t bin[DS_PROXYPROTO_V2_FORMAT_MAX];
	struct ds_proxyproto_hdr h;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_int_equal(
	    ds_proxyproto_format_v1(&h, text, sizeof(text)), -EINVAL);
	assert_int_equal(
	    ds_proxyproto_format_v2(&h, bin, sizeof(bin)), -EINVAL);
	h = hdr("192.0.2.1:1", "198.51.100.2:2");
	h.dst.addr.family = AF_UNIX;
	assert_int_equal(
	    ds_proxyproto_format_v1(&h, text, sizeof(text)), -EINVAL);

	/* Too small: v1 truncates and terminates, v2 writes nothing. */
	h = hdr("192.0.2.1:1", "198.51.100.2:2");
	assert_int_equal(ds_proxyproto_format_v1(&h, text, 6), 39);
	assert_string_equal(text, "PROXY");
	memset(bin, 0x77, sizeof(bin));
	assert_int_equal(ds_proxyproto_format_v2(&h, bin, 27), 28);
	assert_int_equal(bin[0], 0x77);
}

/* Empty input, and the first bytes of either signature, wait for more. */
static void
test_detection(void **state)
{
	struct ds_proxyproto_hdr h;
	size_t pos;

	(void)state;
	assert_int_equal(parse_exact("", 0, &h, &pos), -EAGAIN);
	assert_int_equal(pos, 0);
	assert_int_equal(parse_exact("PROX", 4, &h, &pos), -EAGAIN);
	assert_int_equal(parse_exact(SIG, 7, &h, &pos), -EAGAIN);
	assert_int_equal(parse_exact("\r\n\r\nX", 5, &h, &pos), -EPROTO);
	assert_int_equal(pos, 4);
	assert_int_equal(parse_exact("\x16\x03\x01", 3, &h, &pos), -EPROTO);
	assert_int_equal(pos, 0);
	assert_int_equal(ds_proxyproto_parse(NULL, 1, &h, &pos), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v1_spec_examples),
	    cmocka_unit_test(test_v1_valid),
	    cmocka_unit_test(test_v1_malformed),
	    cmocka_unit_test(test_v1_too_long),
	    cmocka_unit_test(test_v2_haproxy_capture),
	    cmocka_unit_test(test_v2_tlvs),
	    cmocka_unit_test(test_v2_no_addresses),
	    cmocka_unit_test(test_v2_malformed),
	    cmocka_unit_test(test_v2_length_limit),
	    cmocka_unit_test(test_round_trips),
	    cmocka_unit_test(test_family_choice),
	    cmocka_unit_test(test_local),
	    cmocka_unit_test(test_format_errors),
	    cmocka_unit_test(test_detection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
