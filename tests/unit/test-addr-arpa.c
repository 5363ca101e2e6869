/* SPDX-License-Identifier: MIT */
/*
 * ds_addr_to_arpa, ds_prefix_to_arpa, ds_arpa_parse: the RFC 3596 and
 * RFC 1035 examples, partial names, RFC 2317 classless labels, every error
 * with its column, and format -> parse round trips.
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

#define RFC3596_NAME                                                           \
	"b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4."     \
	"ip6.arpa"

/* Parse from a heap copy of exactly len bytes, so ASan sees overreads. */
static int
parse_exact(const char *s, size_t len, struct ds_prefix *ret, size_t *errpos)
{
	char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, s, len);
	r = ds_arpa_parse(copy, len, ret, errpos);
	free(copy);
	return r;
}

/* An address from inet_pton text (either family), zeroed elsewhere. */
static struct ds_addr
addr(const char *text)
{
	struct ds_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, text, a.u.bytes) == 1) {
		a.family = AF_INET;
		return a;
	}
	a.family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, text, a.u.bytes), 1);
	return a;
}

static struct ds_prefix
prefix(const char *text, unsigned len)
{
	struct ds_prefix p;

	memset(&p, 0, sizeof(p));
	p.addr = addr(text);
	p.len = len;
	return p;
}

struct to_case {
	const char *addr;
	const char *want;
};

static const struct to_case to_cases[] = {
    /* RFC 3596 section 2.5. */
    {"4321:0:1:2:3:4:567:89ab", RFC3596_NAME},
    {"2001:db8::1",
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
        "ip6.arpa"},
    {"::",
        "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
        "ip6.arpa"},
    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f."
        "ip6.arpa"},
    {"::ffff:192.0.2.1",
        "1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
        "ip6.arpa"},
    /* RFC 1035 section 3.5. */
    {"192.0.2.1", "1.2.0.192.in-addr.arpa"},
    {"10.20.100.1", "1.100.20.10.in-addr.arpa"},
    {"0.0.0.0", "0.0.0.0.in-addr.arpa"},
    {"255.255.255.255", "255.255.255.255.in-addr.arpa"},
};

static void
test_addr_to_arpa(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(to_cases) / sizeof(to_cases[0]); i++) {
		struct ds_addr a = addr(to_cases[i].addr);
		char buf[DS_ARPA_STRLEN];
		int n;

		memset(buf, 'x', sizeof(buf));
		n = ds_addr_to_arpa(&a, buf, sizeof(buf));
		assert_string_equal(buf, to_cases[i].want);
		assert_int_equal(n, strlen(to_cases[i].want));
	}
}

static void
test_addr_to_arpa_edges(void **state)
{
	struct ds_addr a = addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	char buf[DS_ARPA_STRLEN], small[7];

	(void)state;
	/* The longest name fits DS_ARPA_STRLEN. */
	assert_int_equal(ds_addr_to_arpa(&a, buf, sizeof(buf)), 72);
	assert_true(72 < DS_ARPA_STRLEN);
	/* snprintf semantics. */
	assert_int_equal(ds_addr_to_arpa(&a, small, sizeof(small)), 72);
	assert_string_equal(small, "f.f.f.");
	small[0] = 'x';
	assert_int_equal(ds_addr_to_arpa(&a, small, 0), 72);
	assert_int_equal(small[0], 'x');
	assert_int_equal(ds_addr_to_arpa(&a, NULL, 0), 72);
	/* The zone is not part of the name. */
	a = addr("fe80::1");
	strcpy(a.zone, "eth0");
	assert_int_equal(ds_addr_to_arpa(&a, buf, sizeof(buf)), 72);
	assert_string_equal(buf,
	    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.f.ip6.arpa");
	memset(&a, 0, sizeof(a));
	assert_int_equal(ds_addr_to_arpa(&a, buf, sizeof(buf)), -EAFNOSUPPORT);
	a.family = AF_UNIX;
	assert_int_equal(ds_addr_to_arpa(&a, buf, sizeof(buf)), -EAFNOSUPPORT);
}

struct pfx_case {
	const char *addr;
	unsigned len;
	int ret;          /* 0 or a negative error */
	const char *want; /* when ret is 0 */
};

static const struct pfx_case pfx_cases[] = {
    {"2001:db8::", 32, 0, "8.b.d.0.1.0.0.2.ip6.arpa"},
    /* Rounded down to whole nibbles: /30 is 7 nibbles. */
    {"2001:db8::", 30, 0, "b.d.0.1.0.0.2.ip6.arpa"},
    {"2001:db8::", 31, 0, "b.d.0.1.0.0.2.ip6.arpa"},
    {"2001:db8::", 28, 0, "b.d.0.1.0.0.2.ip6.arpa"},
    {"2001:db8::", 27, 0, "d.0.1.0.0.2.ip6.arpa"},
    {"2001:db8::", 4, 0, "2.ip6.arpa"},
    {"2001:db8::", 3, 0, "ip6.arpa"},
    {"::", 0, 0, "ip6.arpa"},
    {"2001:db8:1:2::", 64, 0, "2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"},
    /* Bits past the covered nibbles do not appear. */
    {"2001:db8:ffff::", 32, 0, "8.b.d.0.1.0.0.2.ip6.arpa"},
    {"4321:0:1:2:3:4:567:89ab", 128, 0, RFC3596_NAME},
    {"192.0.2.0", 24, 0, "2.0.192.in-addr.arpa"},
    {"10.0.0.0", 8, 0, "10.in-addr.arpa"},
    {"0.0.0.0", 0, 0, "in-addr.arpa"},
    {"192.0.2.0", 7, 0, "in-addr.arpa"},
    {"192.0.2.128", 25, 0, "2.0.192.in-addr.arpa"},
    {"192.0.2.1", 31, 0, "2.0.192.in-addr.arpa"},
    {"192.0.2.1", 32, 0, "1.2.0.192.in-addr.arpa"},
    {"172.16.0.0", 12, 0, "172.in-addr.arpa"},
    /* Lengths past the family's bits. */
    {"2001:db8::", 129, -EINVAL, NULL},
    {"192.0.2.0", 33, -EINVAL, NULL},
};

static void
test_prefix_to_arpa(void **state)
{
	struct ds_prefix p;
	char buf[DS_ARPA_STRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(pfx_cases) / sizeof(pfx_cases[0]); i++) {
		const struct pfx_case *c = &pfx_cases[i];
		int n;

		p = prefix(c->addr, c->len);
		n = ds_prefix_to_arpa(&p, buf, sizeof(buf));
		if (c->ret) {
			assert_int_equal(n, c->ret);
			continue;
		}
		assert_string_equal(buf, c->want);
		assert_int_equal(n, strlen(c->want));
	}
	memset(&p, 0, sizeof(p));
	assert_int_equal(
	    ds_prefix_to_arpa(&p, buf, sizeof(buf)), -EAFNOSUPPORT);
}

struct parse_case {
	const char *in;
	int err;          /* 0 or the DS_E_* code */
	size_t pos;       /* the error column */
	const char *addr; /* the value when err is 0 */
	unsigned len;
};

static const struct parse_case parse_cases[] = {
    /* Whole names: hosts. */
    {RFC3596_NAME, 0, 0, "4321:0:1:2:3:4:567:89ab", 128},
    {RFC3596_NAME ".", 0, 0, "4321:0:1:2:3:4:567:89ab", 128},
    {"B.A.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4."
     "IP6.ARPA",
        0, 0, "4321:0:1:2:3:4:567:89ab", 128},
    {"1.2.0.192.in-addr.arpa", 0, 0, "192.0.2.1", 32},
    {"1.2.0.192.in-addr.arpa.", 0, 0, "192.0.2.1", 32},
    {"1.2.0.192.IN-ADDR.ARPA", 0, 0, "192.0.2.1", 32},
    {"1.2.0.192.In-Addr.Arpa.", 0, 0, "192.0.2.1", 32},
    {"255.255.255.255.in-addr.arpa", 0, 0, "255.255.255.255", 32},
    {"0.0.0.0.in-addr.arpa", 0, 0, "0.0.0.0", 32},
    /* Partial names: zones, 4 bits per nibble, 8 per octet. */
    {"8.b.d.0.1.0.0.2.ip6.arpa", 0, 0, "2001:db8::", 32},
    {"8.B.D.0.1.0.0.2.ip6.arpa.", 0, 0, "2001:db8::", 32},
    {"b.d.0.1.0.0.2.ip6.arpa", 0, 0, "2001:db0::", 28},
    {"2.ip6.arpa", 0, 0, "2000::", 4},
    {"ip6.arpa", 0, 0, "::", 0},
    {"ip6.arpa.", 0, 0, "::", 0},
    {"IP6.ARPA", 0, 0, "::", 0},
    {"2.0.192.in-addr.arpa", 0, 0, "192.0.2.0", 24},
    {"10.in-addr.arpa", 0, 0, "10.0.0.0", 8},
    {"in-addr.arpa", 0, 0, "0.0.0.0", 0},
    {"in-addr.arpa.", 0, 0, "0.0.0.0", 0},
    /* RFC 2317 section 4: "<start>/<length>" zones and hosts in them. */
    {"0/25.2.0.192.in-addr.arpa", 0, 0, "192.0.2.0", 25},
    {"128/26.2.0.192.in-addr.arpa", 0, 0, "192.0.2.128", 26},
    {"192/26.2.0.192.in-addr.arpa.", 0, 0, "192.0.2.192", 26},
    {"7/32.2.0.192.in-addr.arpa", 0, 0, "192.0.2.7", 32},
    {"5.0/25.2.0.192.in-addr.arpa", 0, 0, "192.0.2.5", 32},
    {"130.128/26.2.0.192.in-addr.arpa", 0, 0, "192.0.2.130", 32},
    {"255.128/25.2.0.192.in-addr.arpa", 0, 0, "192.0.2.255", 32},

    /* Empty input. */
    {"", DS_E_EMPTY, 0, NULL, 0},
    /* No known suffix: at the last label, or the one before "arpa". */
    {".", DS_E_ARPA_SUFFIX, 0, NULL, 0},
    {"1.2.3.4", DS_E_ARPA_SUFFIX, 6, NULL, 0},
    {"arpa", DS_E_ARPA_SUFFIX, 0, NULL, 0},
    {"1.ip6.int", DS_E_ARPA_SUFFIX, 6, NULL, 0},
    {"1.ip7.arpa", DS_E_ARPA_SUFFIX, 2, NULL, 0},
    {"1.xip6.arpa", DS_E_ARPA_SUFFIX, 2, NULL, 0},
    {"xin-addr.arpa", DS_E_ARPA_SUFFIX, 0, NULL, 0},
    {"1.ip6.arpa.com", DS_E_ARPA_SUFFIX, 11, NULL, 0},
    {"1.ip6.arpa ", DS_E_ARPA_SUFFIX, 6, NULL, 0},
    {"ip6.arpa..", DS_E_ARPA_SUFFIX, 9, NULL, 0},
    {"1.in-addr.arp", DS_E_ARPA_SUFFIX, 10, NULL, 0},
    /* ip6.arpa labels: exactly one hex digit. */
    {"10.ip6.arpa", DS_E_ARPA_LABEL, 1, NULL, 0},
    {"g.ip6.arpa", DS_E_ARPA_LABEL, 0, NULL, 0},
    {"1.-.ip6.arpa", DS_E_ARPA_LABEL, 2, NULL, 0},
    {"1..ip6.arpa", DS_E_ARPA_LABEL, 2, NULL, 0},
    {".ip6.arpa", DS_E_ARPA_LABEL, 0, NULL, 0},
    {"..ip6.arpa", DS_E_ARPA_LABEL, 0, NULL, 0},
    {"0/4.ip6.arpa", DS_E_ARPA_LABEL, 1, NULL, 0},
    {"1.2.0.192.ip6.arpa", DS_E_ARPA_LABEL, 7, NULL, 0},
    /* in-addr.arpa labels: decimal 0-255, no leading zeros. */
    {"256.in-addr.arpa", DS_E_ARPA_LABEL, 0, NULL, 0},
    {"1000.in-addr.arpa", DS_E_ARPA_LABEL, 0, NULL, 0},
    {"01.in-addr.arpa", DS_E_ARPA_LABEL, 0, NULL, 0},
    {"00.in-addr.arpa", DS_E_ARPA_LABEL, 0, NULL, 0},
    {"1a.in-addr.arpa", DS_E_ARPA_LABEL, 1, NULL, 0},
    {"-1.in-addr.arpa", DS_E_ARPA_LABEL, 0, NULL, 0},
    {"1..in-addr.arpa", DS_E_ARPA_LABEL, 2, NULL, 0},
    {".in-addr.arpa", DS_E_ARPA_LABEL, 0, NULL, 0},
    {"1.2.0.c0.in-addr.arpa", DS_E_ARPA_LABEL, 6, NULL, 0},
    /* RFC 2317 labels: only the "<start>/<length>" form, 25-32, aligned. */
    {"0/24.2.0.192.in-addr.arpa", DS_E_ARPA_LABEL, 2, NULL, 0},
    {"0/33.2.0.192.in-addr.arpa", DS_E_ARPA_LABEL, 2, NULL, 0},
    {"1/25.2.0.192.in-addr.arpa", DS_E_ARPA_LABEL, 0, NULL, 0},
    {"64/25.2.0.192.in-addr.arpa", DS_E_ARPA_LABEL, 0, NULL, 0},
    {"0/.2.0.192.in-addr.arpa", DS_E_ARPA_LABEL, 2, NULL, 0},
    {"/25.2.0.192.in-addr.arpa", DS_E_ARPA_LABEL, 0, NULL, 0},
    {"0/025.2.0.192.in-addr.arpa", DS_E_ARPA_LABEL, 2, NULL, 0},
    {"0/2/5.2.0.192.in-addr.arpa", DS_E_ARPA_LABEL, 3, NULL, 0},
    {"0/25x.2.0.192.in-addr.arpa", DS_E_ARPA_LABEL, 4, NULL, 0},
    {"0-127.2.0.192.in-addr.arpa", DS_E_ARPA_LABEL, 1, NULL, 0},
    {"128-26.2.0.192.in-addr.arpa", DS_E_ARPA_LABEL, 3, NULL, 0},
    {"0/25.0.192.in-addr.arpa", DS_E_ARPA_LABEL, 1, NULL, 0},
    {"1.2.0/25.192.in-addr.arpa", DS_E_ARPA_LABEL, 5, NULL, 0},
    {"200.0/25.2.0.192.in-addr.arpa", DS_E_ARPA_LABEL, 0, NULL, 0},
    {"127.128/25.2.0.192.in-addr.arpa", DS_E_ARPA_LABEL, 0, NULL, 0},
    {"8.7/32.2.0.192.in-addr.arpa", DS_E_ARPA_LABEL, 0, NULL, 0},
    /* Too many labels: at the first one past the limit, from the root. */
    {"1.2.3.4.5.in-addr.arpa", DS_E_ARPA_LABELS, 0, NULL, 0},
    {"1.2.3.4.5.6.in-addr.arpa", DS_E_ARPA_LABELS, 2, NULL, 0},
    {"1.5.0/25.2.0.192.in-addr.arpa", DS_E_ARPA_LABELS, 0, NULL, 0},
};

static void
check_parse(const struct parse_case *c, size_t i)
{
	struct ds_prefix p, before;
	size_t pos = 999;
	int r;

	memset(&p, 0xaa, sizeof(p));
	before = p;
	r = parse_exact(c->in, strlen(c->in), &p, &pos);
	if (r != -c->err || (c->err && pos != c->pos))
		print_error(
		    "case %zu \"%s\": got %d at %zu\n", i, c->in, r, pos);
	assert_int_equal(r, -c->err);
	if (c->err) {
		assert_int_equal(pos, c->pos);
		assert_memory_equal(&p, &before, sizeof(p));
		assert_int_equal(
		    parse_exact(c->in, strlen(c->in), &p, NULL), r);
	} else {
		struct ds_prefix want = prefix(c->addr, c->len);

		assert_int_equal(pos, 999);
		/* Byte for byte: zero-filled, no zone. */
		assert_memory_equal(&p, &want, sizeof(p));
	}
}

static void
test_arpa_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]);
	     i++)
		check_parse(&parse_cases[i], i);
}

/* Names of n nibble labels, "0.1.2...": 32 fit, 33 and 34 do not. */
static void
test_arpa_parse_count(void **state)
{
	char name[128];
	struct ds_prefix p;
	size_t pos = 999, n;

	(void)state;
	for (unsigned labels = 0; labels <= 34; labels++) {
		n = 0;
		for (unsigned k = 0; k < labels; k++) {
			name[n++] = "0123456789abcdef"[k % 16];
			name[n++] = '.';
		}
		memcpy(name + n, "ip6.arpa", 8);
		n += 8;
		pos = 999;
		if (labels <= 32) {
			assert_int_equal(parse_exact(name, n, &p, &pos), 0);
			assert_int_equal(p.len, 4 * labels);
		} else {
			assert_int_equal(
			    parse_exact(name, n, &p, &pos), -DS_E_ARPA_LABELS);
			/* The 33rd label from the root. */
			assert_int_equal(pos, 2 * (labels - 33));
		}
	}
}

/* The length bounds the text; a NUL inside is a character. */
static void
test_arpa_parse_length(void **state)
{
	const char *s = "1.2.0.192.in-addr.arpa.example";
	const char nul[] = "1.2.0.192.in-addr.arpa\0";
	struct ds_prefix p, want = prefix("192.0.2.1", 32);
	size_t pos;

	(void)state;
	assert_int_equal(parse_exact(s, 22, &p, NULL), 0);
	assert_memory_equal(&p, &want, sizeof(p));
	assert_int_equal(parse_exact(s, 23, &p, NULL), 0);
	assert_int_equal(parse_exact(s, 21, &p, &pos), -DS_E_ARPA_SUFFIX);
	assert_int_equal(pos, 18);
	assert_int_equal(parse_exact(nul, 23, &p, &pos), -DS_E_ARPA_SUFFIX);
	assert_int_equal(pos, 18);
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

static struct ds_addr
random_addr(uint64_t *seed, int family)
{
	struct ds_addr a;
	uint64_t hi = next_rand(seed), lo = next_rand(seed);

	memset(&a, 0, sizeof(a));
	a.family = family;
	for (int k = 0; k < 8; k++) {
		a.u.bytes[k] = (uint8_t)(hi >> (8 * k));
		a.u.bytes[8 + k] = (uint8_t)(lo >> (8 * k));
	}
	if (family == AF_INET)
		memset(a.u.bytes + 4, 0, 12);
	return a;
}

/* Clear the bits of a from len on, over the family's bytes. */
static void
clear_from(struct ds_addr *a, unsigned len)
{
	unsigned nbytes = a->family == AF_INET ? 4 : 16;

	for (unsigned i = len; i < 8 * nbytes; i++)
		a->u.bytes[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
}

static void
test_arpa_round_trip(void **state)
{
	uint64_t seed = 0x4321000100020003u;

	(void)state;
	for (int i = 0; i < 10000; i++) {
		int family = i % 2 ? AF_INET : AF_INET6;
		unsigned bits = family == AF_INET ? 32 : 128;
		unsigned step = family == AF_INET ? 8 : 4;
		struct ds_prefix p, got, want;
		char name[DS_ARPA_STRLEN];
		int n;

		/* A host: its name gives it back as /32 or /128. */
		memset(&p, 0, sizeof(p));
		p.addr = random_addr(&seed, family);
		p.len = bits;
		n = ds_addr_to_arpa(&p.addr, name, sizeof(name));
		assert_true(n > 0 && n < DS_ARPA_STRLEN);
		memset(&got, 0, sizeof(got));
		assert_int_equal(parse_exact(name, (size_t)n, &got, NULL), 0);
		assert_memory_equal(&got, &p, sizeof(p));

		/* Upper case, with the root dot: the same. */
		for (int k = 0; k < n; k++)
			if (name[k] >= 'a' && name[k] <= 'z')
				name[k] = (char)(name[k] - 'a' + 'A');
		name[n] = '.';
		assert_int_equal(
		    parse_exact(name, (size_t)n + 1, &got, NULL), 0);
		assert_memory_equal(&got, &p, sizeof(p));

		/* A prefix: whole labels only, the rest cleared. */
		p.len = (unsigned)(next_rand(&seed) % (bits + 1));
		n = ds_prefix_to_arpa(&p, name, sizeof(name));
		assert_true(n > 0 && n < DS_ARPA_STRLEN);
		assert_int_equal(parse_exact(name, (size_t)n, &got, NULL), 0);
		want = p;
		want.len = p.len / step * step;
		clear_from(&want.addr, want.len);
		assert_memory_equal(&got, &want, sizeof(want));
	}
}

/* Every RFC 2317 block inside 192.0.2.0/24 and every host in it. */
static void
test_arpa_classless_all(void **state)
{
	(void)state;
	for (unsigned len = 25; len <= 32; len++) {
		unsigned size = 1u << (32 - len);

		for (unsigned start = 0; start < 256; start += size) {
			char name[64];
			struct ds_prefix got, want;
			int n;

			n = snprintf(name, sizeof(name),
			    "%u/%u.2.0.192.in-addr.arpa", start, len);
			assert_int_equal(
			    parse_exact(name, (size_t)n, &got, NULL), 0);
			want = prefix("192.0.2.0", len);
			want.addr.u.bytes[3] = (uint8_t)start;
			assert_memory_equal(&got, &want, sizeof(want));
			for (unsigned h = 0; h < 256; h++) {
				bool in = h >= start && h < start + size;
				size_t pos;
				int r;

				n = snprintf(name, sizeof(name),
				    "%u.%u/%u.2.0.192.in-addr.arpa", h, start,
				    len);
				r = parse_exact(name, (size_t)n, &got, &pos);
				if (!in) {
					assert_int_equal(r, -DS_E_ARPA_LABEL);
					assert_int_equal(pos, 0);
					continue;
				}
				assert_int_equal(r, 0);
				want = prefix("192.0.2.0", 32);
				want.addr.u.bytes[3] = (uint8_t)h;
				assert_memory_equal(&got, &want, sizeof(want));
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addr_to_arpa),
	    cmocka_unit_test(test_addr_to_arpa_edges),
	    cmocka_unit_test(test_prefix_to_arpa),
	    cmocka_unit_test(test_arpa_parse_table),
	    cmocka_unit_test(test_arpa_parse_count),
	    cmocka_unit_test(test_arpa_parse_length),
	    cmocka_unit_test(test_arpa_round_trip),
	    cmocka_unit_test(test_arpa_classless_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
