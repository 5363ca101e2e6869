/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/addr-embed.c: embedded IPv4 (RFC 4291 section 2.5.5,
 * RFC 2765, RFC 3056, RFC 6052, RFC 8215), Teredo (RFC 4380), NAT64
 * synthesis (RFC 6052), multicast structure (RFC 4291 section 2.7, RFC
 * 3306, RFC 3956, RFC 4607) and solicited-node addresses.
 *
 * Addresses are built with inet_pton and results compared byte for byte,
 * so these tests depend on neither the library's parser nor its formatter.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "addr-int.h"

/* Outputs are pre-filled with this so "written only on success" shows. */
#define SENTINEL 0xa5

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* A zeroed ds_addr from text; the test fails on a typo in a table. */
static struct ds_addr
addr(const char *s)
{
	struct ds_addr a = {0};

	if (inet_pton(AF_INET6, s, a.u.bytes) == 1)
		a.family = AF_INET6;
	else if (inet_pton(AF_INET, s, a.u.bytes) == 1)
		a.family = AF_INET;
	else
		fail_msg("bad address in test table: \"%s\"", s);
	return a;
}

/* "ADDR/LEN" to a prefix, bits beyond LEN kept as written. */
static struct ds_prefix
prefix(const char *s)
{
	struct ds_prefix p = {0};
	const char *slash = strchr(s, '/');
	char tmp[INET6_ADDRSTRLEN];

	if (!slash || (size_t)(slash - s) >= sizeof(tmp))
		fail_msg("bad prefix in test table: \"%s\"", s);
	memcpy(tmp, s, (size_t)(slash - s));
	tmp[slash - s] = '\0';
	p.addr = addr(tmp);
	p.len = (unsigned)strtoul(slash + 1, NULL, 10);
	return p;
}

/* Text for failure messages only (inet_ntop, not the library). */
static const char *
show(const struct ds_addr *a, char *buf, size_t size)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		snprintf(buf, size, "(family %d)", a->family);
	else if (!inet_ntop(a->family, a->u.bytes, buf, (socklen_t)size))
		snprintf(buf, size, "(unprintable)");
	return buf;
}

/*
 * got must equal the address 'want' exactly: family, all 16 bytes (unused
 * ones zero), no scope ID and no zone.
 */
static void
assert_addr(const struct ds_addr *got, const char *want, const char *ctx)
{
	struct ds_addr w = addr(want);
	char g[INET6_ADDRSTRLEN + 16];

	if (memcmp(got, &w, sizeof(w)) != 0)
		fail_msg("%s: got %s (family %d), want %s", ctx,
		    show(got, g, sizeof(g)), got->family, want);
}

static void
assert_prefix(const struct ds_prefix *got, const char *want, const char *ctx)
{
	struct ds_prefix w = prefix(want);
	char g[INET6_ADDRSTRLEN + 16];

	if (memcmp(&got->addr, &w.addr, sizeof(w.addr)) != 0 ||
	    got->len != w.len)
		fail_msg("%s: got %s/%u, want %s", ctx,
		    show(&got->addr, g, sizeof(g)), got->len, want);
}

static void
assert_all_bytes(const void *p, size_t n, uint8_t v, const char *ctx)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i] != v)
			fail_msg("%s: byte %zu is 0x%02x, want 0x%02x", ctx, i,
			    b[i], v);
	}
}

/* --- ds_addr_embedded_v4 ------------------------------------------------ */

struct embed_case {
	const char *in;
	int ret;        /* DS_EMBED_* or a negative error */
	const char *v4; /* on success */
};

static const struct embed_case embed_cases[] = {
    /* IPv4-mapped, RFC 4291 section 2.5.5.2. */
    {"::ffff:192.0.2.1", DS_EMBED_MAPPED, "192.0.2.1"},
    {"::ffff:0.0.0.0", DS_EMBED_MAPPED, "0.0.0.0"},
    {"::ffff:255.255.255.255", DS_EMBED_MAPPED, "255.255.255.255"},
    {"::fffe:192.0.2.1", -DS_E_NOT_EMBEDDED, NULL},
    {"1::ffff:192.0.2.1", -DS_E_NOT_EMBEDDED, NULL},
    /* IPv4-compatible, RFC 4291 section 2.5.5.1; not ::/104. */
    {"::192.0.2.1", DS_EMBED_COMPATIBLE, "192.0.2.1"},
    {"::1.0.0.0", DS_EMBED_COMPATIBLE, "1.0.0.0"},
    {"::255.255.255.255", DS_EMBED_COMPATIBLE, "255.255.255.255"},
    {"::", -DS_E_NOT_EMBEDDED, NULL},
    {"::1", -DS_E_NOT_EMBEDDED, NULL},
    {"::2", -DS_E_NOT_EMBEDDED, NULL},
    {"::0.255.255.255", -DS_E_NOT_EMBEDDED, NULL},
    {"0:0:0:0:0:1:192.0.2.1", -DS_E_NOT_EMBEDDED, NULL},
    /* IPv4-translated, RFC 2765 section 2.1. */
    {"::ffff:0:192.0.2.1", DS_EMBED_TRANSLATED, "192.0.2.1"},
    {"::ffff:0:0.0.0.0", DS_EMBED_TRANSLATED, "0.0.0.0"},
    {"::ffff:1:192.0.2.1", -DS_E_NOT_EMBEDDED, NULL},
    {"::1:ffff:0:192.0.2.1", -DS_E_NOT_EMBEDDED, NULL},
    /* 6to4, RFC 3056 section 2: bits 16-47. */
    {"2002:c000:221::1", DS_EMBED_6TO4, "192.0.2.33"},
    {"2002:cb00:7101:1:2:3:4:5", DS_EMBED_6TO4, "203.0.113.1"},
    {"2002::", DS_EMBED_6TO4, "0.0.0.0"},
    {"2003:c000:221::1", -DS_E_NOT_EMBEDDED, NULL},
    /* NAT64 well-known prefix, RFC 6052 section 2.1. */
    {"64:ff9b::192.0.2.33", DS_EMBED_NAT64_WKP, "192.0.2.33"},
    {"64:ff9b::1:192.0.2.33", -DS_E_NOT_EMBEDDED, NULL},
    {"64:ff9a::192.0.2.33", -DS_E_NOT_EMBEDDED, NULL},
    /* Local-use 64:ff9b:1::/48, RFC 8215, read as a /96. */
    {"64:ff9b:1::198.51.100.7", DS_EMBED_NAT64_WKP, "198.51.100.7"},
    {"64:ff9b:1:abcd:0:1:203.0.113.9", DS_EMBED_NAT64_WKP, "203.0.113.9"},
    {"64:ff9b:1:0:100::c000:221", -DS_E_NOT_EMBEDDED, NULL},
    {"64:ff9b:2::192.0.2.1", -DS_E_NOT_EMBEDDED, NULL},
    /* Teredo: the server, bits 32-63 (RFC 4380 section 4). */
    {"2001:0:4136:e378:8000:63bf:3fff:fdd2", DS_EMBED_TEREDO, "65.54.227.120"},
    {"2001:1::1", -DS_E_NOT_EMBEDDED, NULL},
    {"2001:db8::1", -DS_E_NOT_EMBEDDED, NULL},
    /* Others. */
    {"fe80::1", -DS_E_NOT_EMBEDDED, NULL},
    {"ff02::1", -DS_E_NOT_EMBEDDED, NULL},
    {"192.0.2.1", -DS_E_NOT_EMBEDDED, NULL},
    {"0.0.0.0", -DS_E_NOT_EMBEDDED, NULL},
};

static void
test_embedded_v4(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(embed_cases); i++) {
		const struct embed_case *c = &embed_cases[i];
		struct ds_addr in = addr(c->in), out;
		int r;

		memset(&out, SENTINEL, sizeof(out));
		r = ds_addr_embedded_v4(&in, &out);
		if (r != c->ret)
			fail_msg("%s: returned %d, want %d", c->in, r, c->ret);
		if (r > 0)
			assert_addr(&out, c->v4, c->in);
		else
			assert_all_bytes(&out, sizeof(out), SENTINEL, c->in);
	}
}

static void
test_embedded_v4_edges(void **state)
{
	struct ds_addr empty = {0}, in = addr("::ffff:192.0.2.1"), out;

	(void)state;
	/* A zeroed value has no family. */
	memset(&out, SENTINEL, sizeof(out));
	assert_int_equal(ds_addr_embedded_v4(&empty, &out), -DS_E_NOT_EMBEDDED);
	assert_all_bytes(&out, sizeof(out), SENTINEL, "empty");

	/* A zone on the input does not leak into the IPv4 result. */
	strcpy(in.zone, "eth0");
	in.scope_id = 0;
	assert_int_equal(ds_addr_embedded_v4(&in, &out), DS_EMBED_MAPPED);
	assert_addr(&out, "192.0.2.1", "zone");
}

/* --- ds_teredo_decode --------------------------------------------------- */

struct teredo_case {
	const char *in;
	int ret;
	const char *server, *client;
	uint16_t port, flags;
	bool cone;
};

static const struct teredo_case teredo_cases[] = {
    /* The example of RFC 4380 and of the Wikipedia article. */
    {"2001:0:4136:e378:8000:63bf:3fff:fdd2", 0, "65.54.227.120", "192.0.2.45",
        40000, 0x8000, true},
    /* 3544 = 0x0dd8 -> f227; 203.0.113.200 = cb0071c8 -> 34ff8e37. */
    {"2001:0:c633:6401:1234:f227:34ff:8e37", 0, "198.51.100.1", "203.0.113.200",
        3544, 0x1234, false},
    /* All bits set in the obfuscated fields mean port 0, 0.0.0.0. */
    {"2001:0:0:0:ffff:ffff:ffff:ffff", 0, "0.0.0.0", "0.0.0.0", 0, 0xffff,
        true},
    {"2001:0:0:0:0:0:0:0", 0, "0.0.0.0", "255.255.255.255", 65535, 0, false},
    {"2001:1::1", -DS_E_NOT_TEREDO, NULL, NULL, 0, 0, false},
    {"2001:db8::1", -DS_E_NOT_TEREDO, NULL, NULL, 0, 0, false},
    {"2002:4136:e378::1", -DS_E_NOT_TEREDO, NULL, NULL, 0, 0, false},
    {"::ffff:65.54.227.120", -DS_E_NOT_TEREDO, NULL, NULL, 0, 0, false},
    {"65.54.227.120", -DS_E_NOT_TEREDO, NULL, NULL, 0, 0, false},
};

static void
test_teredo(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(teredo_cases); i++) {
		const struct teredo_case *c = &teredo_cases[i];
		struct ds_addr in = addr(c->in);
		struct ds_teredo t;
		int r;

		memset(&t, SENTINEL, sizeof(t));
		r = ds_teredo_decode(&in, &t);
		if (r != c->ret)
			fail_msg("%s: returned %d, want %d", c->in, r, c->ret);
		if (r < 0) {
			assert_all_bytes(&t, sizeof(t), SENTINEL, c->in);
			continue;
		}
		assert_addr(&t.server, c->server, c->in);
		assert_addr(&t.client, c->client, c->in);
		assert_int_equal(t.port, c->port);
		assert_int_equal(t.flags, c->flags);
		assert_int_equal(t.cone, c->cone);
	}
}

static void
test_teredo_no_family(void **state)
{
	struct ds_addr empty = {0};
	struct ds_teredo t;

	(void)state;
	assert_int_equal(ds_teredo_decode(&empty, &t), -DS_E_NOT_TEREDO);
}

/* --- NAT64, RFC 6052 ---------------------------------------------------- */

struct nat64_case {
	const char *pfx, *v4, *v6;
};

/* Every row of the table in RFC 6052 section 2.4. */
static const struct nat64_case nat64_rfc6052[] = {
    {"2001:db8::/32", "192.0.2.33", "2001:db8:c000:221::"},
    {"2001:db8:100::/40", "192.0.2.33", "2001:db8:1c0:2:21::"},
    {"2001:db8:122::/48", "192.0.2.33", "2001:db8:122:c000:2:2100::"},
    {"2001:db8:122:300::/56", "192.0.2.33", "2001:db8:122:3c0:0:221::"},
    {"2001:db8:122:344::/64", "192.0.2.33", "2001:db8:122:344:c0:2:2100:0"},
    {"2001:db8:122:344::/96", "192.0.2.33", "2001:db8:122:344::192.0.2.33"},
    {"64:ff9b::/96", "192.0.2.33", "64:ff9b::192.0.2.33"},
};

static void
test_nat64_rfc6052_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(nat64_rfc6052); i++) {
		const struct nat64_case *c = &nat64_rfc6052[i];
		struct ds_prefix p = prefix(c->pfx);
		struct ds_addr v4 = addr(c->v4), v6 = addr(c->v6), out;

		assert_int_equal(ds_nat64_synthesize(&p, &v4, &out), 0);
		assert_addr(&out, c->v6, c->pfx);

		assert_int_equal(ds_nat64_extract(&p, &v6, &out), 0);
		assert_addr(&out, c->v4, c->pfx);
	}
}

/* Bits of the prefix beyond its length are ignored when synthesising. */
static const struct nat64_case nat64_dirty_prefix[] = {
    {"2001:db8:ffff:ffff::/32", "192.0.2.33", "2001:db8:c000:221::"},
    {"2001:db8:1ff::/40", "192.0.2.33", "2001:db8:1c0:2:21::"},
    {"2001:db8:122:ffff:ffff:ffff:ffff:ffff/48", "192.0.2.33",
        "2001:db8:122:c000:2:2100::"},
    {"2001:db8:122:3ff::/56", "192.0.2.33", "2001:db8:122:3c0:0:221::"},
    {"2001:db8:122:344:ff00::1/64", "192.0.2.33",
        "2001:db8:122:344:c0:2:2100:0"},
    {"2001:db8:122:344::1.2.3.4/96", "192.0.2.33",
        "2001:db8:122:344::192.0.2.33"},
};

static void
test_nat64_dirty_prefix(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(nat64_dirty_prefix); i++) {
		const struct nat64_case *c = &nat64_dirty_prefix[i];
		struct ds_prefix p = prefix(c->pfx);
		struct ds_addr v4 = addr(c->v4), v6 = addr(c->v6), out;

		assert_int_equal(ds_nat64_synthesize(&p, &v4, &out), 0);
		assert_addr(&out, c->v6, c->pfx);
		/* Extraction compares only the first len bits too. */
		assert_int_equal(ds_nat64_extract(&p, &v6, &out), 0);
		assert_addr(&out, c->v4, c->pfx);
	}
}

/* Synthesise then extract, for every length and assorted IPv4 values. */
static void
test_nat64_round_trip(void **state)
{
	static const char *const pfxs[] = {
	    "2001:db8::/32",
	    "2001:db8:aa00::/40",
	    "2001:db8:aabb::/48",
	    "2001:db8:aabb:cc00::/56",
	    "2001:db8:aabb:ccdd::/64",
	    "2001:db8:aabb:ccdd::/96",
	    "64:ff9b::/96",
	};
	static const char *const v4s[] = {
	    "0.0.0.0",
	    "255.255.255.255",
	    "192.0.2.1",
	    "198.51.100.254",
	    "1.2.3.4",
	    "128.0.0.1",
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(pfxs); i++) {
		for (size_t j = 0; j < N_ELEMS(v4s); j++) {
			struct ds_prefix p = prefix(pfxs[i]);
			struct ds_addr v4 = addr(v4s[j]), v6, back;

			assert_int_equal(ds_nat64_synthesize(&p, &v4, &v6), 0);
			assert_int_equal(v6.family, AF_INET6);
			/* The u octet stays zero. */
			assert_int_equal(v6.u.bytes[8], 0);
			assert_true(
			    ds__bits_equal(v6.u.bytes, p.addr.u.bytes, p.len));
			assert_int_equal(ds_nat64_extract(&p, &v6, &back), 0);
			assert_addr(&back, v4s[j], pfxs[i]);
		}
	}
}

/* The well-known prefix is also found by ds_addr_embedded_v4(). */
static void
test_nat64_wkp_agrees(void **state)
{
	struct ds_prefix p = prefix("64:ff9b::/96");
	struct ds_addr v4 = addr("203.0.113.77"), v6, out;

	(void)state;
	assert_int_equal(ds_nat64_synthesize(&p, &v4, &v6), 0);
	assert_int_equal(ds_addr_embedded_v4(&v6, &out), DS_EMBED_NAT64_WKP);
	assert_addr(&out, "203.0.113.77", "wkp");
}

struct nat64_err {
	const char *pfx, *v4; /* synthesize */
	int ret;
};

static const struct nat64_err nat64_synth_errors[] = {
    {"2001:db8::/33", "192.0.2.33", -DS_E_NAT64_PREFIX},
    {"2001:db8::/24", "192.0.2.33", -DS_E_NAT64_PREFIX},
    {"::/0", "192.0.2.33", -DS_E_NAT64_PREFIX},
    {"2001:db8::/72", "192.0.2.33", -DS_E_NAT64_PREFIX},
    {"2001:db8::/128", "192.0.2.33", -DS_E_NAT64_PREFIX},
    {"2001:db8::/200", "192.0.2.33", -DS_E_NAT64_PREFIX},
    /* A /96 whose u octet is not zero, RFC 6052 section 2.2. */
    {"2001:db8:122:344:100::/96", "192.0.2.33", -EINVAL},
    /* Families. */
    {"192.0.2.0/24", "192.0.2.33", -EAFNOSUPPORT},
    {"192.0.2.0/32", "192.0.2.33", -EAFNOSUPPORT},
    {"2001:db8::/32", "2001:db8::1", -EAFNOSUPPORT},
    {"2001:db8::/32", "::ffff:192.0.2.33", -EAFNOSUPPORT},
};

static void
test_nat64_synthesize_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(nat64_synth_errors); i++) {
		const struct nat64_err *c = &nat64_synth_errors[i];
		struct ds_prefix p = prefix(c->pfx);
		struct ds_addr v4 = addr(c->v4), out;
		int r;

		memset(&out, SENTINEL, sizeof(out));
		r = ds_nat64_synthesize(&p, &v4, &out);
		if (r != c->ret)
			fail_msg("%s + %s: returned %d, want %d", c->pfx, c->v4,
			    r, c->ret);
		assert_all_bytes(&out, sizeof(out), SENTINEL, c->pfx);
	}
}

struct nat64_xcase {
	const char *pfx, *v6;
	int ret;
	const char *v4; /* on success */
};

static const struct nat64_xcase nat64_extract_cases[] = {
    /* The suffix SHOULD be zero; receivers ignore it (section 2.2). */
    {"2001:db8::/32", "2001:db8:c000:221:0:ffff:ffff:ffff", 0, "192.0.2.33"},
    {"2001:db8:122:344::/64", "2001:db8:122:344:c0:2:2100:ffff", 0,
        "192.0.2.33"},
    /* The u octet MUST be zero. */
    {"2001:db8::/32", "2001:db8:c000:221:100::", -EINVAL, NULL},
    {"2001:db8:122::/48", "2001:db8:122:c000:ff02:2100::", -EINVAL, NULL},
    /* The address is not under the prefix. */
    {"2001:db8::/32", "2001:db9:c000:221::", -EINVAL, NULL},
    {"2001:db8:100::/40", "2001:db8:2c0:2:21::", -EINVAL, NULL},
    {"64:ff9b::/96", "64:ff9b:1::192.0.2.33", -EINVAL, NULL},
    {"64:ff9b::/96", "64:ff9b::1:192.0.2.33", -EINVAL, NULL},
    /* Prefix length and u octet of a /96. */
    {"2001:db8::/31", "2001:db8:c000:221::", -DS_E_NAT64_PREFIX, NULL},
    {"2001:db8::/128", "2001:db8::", -DS_E_NAT64_PREFIX, NULL},
    {"2001:db8:0:0:100::/96", "2001:db8::100:0:c000:221", -EINVAL, NULL},
    /* Families. */
    {"2001:db8::/32", "192.0.2.33", -EAFNOSUPPORT, NULL},
    {"192.0.2.0/32", "2001:db8:c000:221::", -EAFNOSUPPORT, NULL},
};

static void
test_nat64_extract(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(nat64_extract_cases); i++) {
		const struct nat64_xcase *c = &nat64_extract_cases[i];
		struct ds_prefix p = prefix(c->pfx);
		struct ds_addr v6 = addr(c->v6), out;
		int r;

		memset(&out, SENTINEL, sizeof(out));
		r = ds_nat64_extract(&p, &v6, &out);
		if (r != c->ret)
			fail_msg("%s in %s: returned %d, want %d", c->v6,
			    c->pfx, r, c->ret);
		if (r == 0)
			assert_addr(&out, c->v4, c->v6);
		else
			assert_all_bytes(&out, sizeof(out), SENTINEL, c->v6);
	}
}

/* --- ds_mcast_decode ---------------------------------------------------- */

struct mcast_case {
	const char *in;
	int ret;
	unsigned flags, scope;
	enum ds_mcast_form form;
	const char *prefix; /* PREFIX, EMBEDDED_RP */
	const char *rp;     /* EMBEDDED_RP */
	uint32_t group_id;  /* PREFIX, EMBEDDED_RP, SSM */
};

static const struct mcast_case mcast_cases[] = {
    /* Well-known, RFC 4291 section 2.7.1. */
    {"ff02::1", 0, 0, 2, DS_MCAST_PLAIN, NULL, NULL, 0},
    {"ff02::1:ff00:1", 0, 0, 2, DS_MCAST_PLAIN, NULL, NULL, 0},
    {"ff05::1:3", 0, 0, 5, DS_MCAST_PLAIN, NULL, NULL, 0},
    {"ff0e::1", 0, 0, 14, DS_MCAST_PLAIN, NULL, NULL, 0},
    {"ff01::1", 0, 0, 1, DS_MCAST_PLAIN, NULL, NULL, 0},
    /* Scopes 0 and f are reserved (RFC 7346) but still reported. */
    {"ff00::1", 0, 0, 0, DS_MCAST_PLAIN, NULL, NULL, 0},
    {"ff0f::1", 0, 0, 15, DS_MCAST_PLAIN, NULL, NULL, 0},
    {"ff03::fc", 0, 0, 3, DS_MCAST_PLAIN, NULL, NULL, 0},
    /* T flag: transient. */
    {"ff1e::", 0, 1, 14, DS_MCAST_PLAIN, NULL, NULL, 0},
    {"ff18::1234", 0, 1, 8, DS_MCAST_PLAIN, NULL, NULL, 0},
    /* Unicast-prefix-based, RFC 3306 sections 4-5. */
    {"ff3e:30:2001:db8:1234::", 0, 3, 14, DS_MCAST_PREFIX, "2001:db8:1234::/48",
        NULL, 0},
    {"ff3e:30:2001:db8:1234::abcd", 0, 3, 14, DS_MCAST_PREFIX,
        "2001:db8:1234::/48", NULL, 0xabcd},
    {"ff35:40:2001:db8:aa:bb:8000:1", 0, 3, 5, DS_MCAST_PREFIX,
        "2001:db8:aa:bb::/64", NULL, 0x80000001},
    {"ff3e:1:8000::1", 0, 3, 14, DS_MCAST_PREFIX, "8000::/1", NULL, 1},
    /* Bits of the prefix field beyond plen are not part of it. */
    {"ff3e:20:2001:db8:ffff:ffff::2", 0, 3, 14, DS_MCAST_PREFIX,
        "2001:db8::/32", NULL, 2},
    /* The reserved flag bit does not change the form. */
    {"ffbe:30:2001:db8:1234::1", 0, 0xb, 14, DS_MCAST_PREFIX,
        "2001:db8:1234::/48", NULL, 1},
    /* SSM, RFC 4607 section 1 and RFC 3306 section 6: ff3x::/96. */
    {"ff3e::1234", 0, 3, 14, DS_MCAST_SSM, NULL, NULL, 0x1234},
    {"ff33::8000:1", 0, 3, 3, DS_MCAST_SSM, NULL, NULL, 0x80000001},
    {"ff3e::", 0, 3, 14, DS_MCAST_SSM, NULL, NULL, 0},
    /* Embedded RP, RFC 3956: the example of section 5. */
    {"ff7e:140:2001:db8:beef:feed::1234", 0, 7, 14, DS_MCAST_EMBEDDED_RP,
        "2001:db8:beef:feed::/64", "2001:db8:beef:feed::1", 0x1234},
    {"ff7e:320:2001:db8:dead:beef:0:1", 0, 7, 14, DS_MCAST_EMBEDDED_RP,
        "2001:db8::/32", "2001:db8::3", 1},
    /* plen 28: 2001:0db8 cut to 2001:0db0. */
    {"ff75:c1c:2001:db8::5", 0, 7, 5, DS_MCAST_EMBEDDED_RP, "2001:db0::/28",
        "2001:db0::c", 5},
    {"ff7e:f40:2001:db8:beef:feed::1", 0, 7, 14, DS_MCAST_EMBEDDED_RP,
        "2001:db8:beef:feed::/64", "2001:db8:beef:feed::f", 1},
    /* RIID 0 is reserved (RFC 3956) but decoded as written. */
    {"ff7e:40:2001:db8:beef:feed::1", 0, 7, 14, DS_MCAST_EMBEDDED_RP,
        "2001:db8:beef:feed::/64", "2001:db8:beef:feed::", 1},
    /* The rsvd nibble above the RIID is ignored. */
    {"ff7e:a140:2001:db8:beef:feed::1", 0, 7, 14, DS_MCAST_EMBEDDED_RP,
        "2001:db8:beef:feed::/64", "2001:db8:beef:feed::1", 1},
    {"fffe:140:2001:db8:beef:feed::1", 0, 0xf, 14, DS_MCAST_EMBEDDED_RP,
        "2001:db8:beef:feed::/64", "2001:db8:beef:feed::1", 1},
    /* Flags promising a structure the address lacks: PLAIN. */
    {"ff3e:41:2001:db8::1", 0, 3, 14, DS_MCAST_PLAIN, NULL, NULL, 0},
    {"ff3e:ff:2001:db8::1", 0, 3, 14, DS_MCAST_PLAIN, NULL, NULL, 0},
    /* RFC 4489 link-scoped, plen 255 followed by an interface ID. */
    {"ff32:ff:211:22ff:fe33:4455:0:1", 0, 3, 2, DS_MCAST_PLAIN, NULL, NULL, 0},
    /* plen 0 but a network prefix: outside ff3x::/96. */
    {"ff3e:0:2001:db8::1", 0, 3, 14, DS_MCAST_PLAIN, NULL, NULL, 0},
    {"ff3e:100::1", 0, 3, 14, DS_MCAST_PLAIN, NULL, NULL, 0},
    /* Embedded RP with plen 0 or above 64 (RFC 3956 section 3). */
    {"ff7e:100:2001:db8::1", 0, 7, 14, DS_MCAST_PLAIN, NULL, NULL, 0},
    {"ff7e::1234", 0, 7, 14, DS_MCAST_PLAIN, NULL, NULL, 0},
    {"ff7e:150:2001:db8:beef:feed::1", 0, 7, 14, DS_MCAST_PLAIN, NULL, NULL, 0},
    /* P without T, R without P or T. */
    {"ff2e:30:2001:db8:1234::1", 0, 2, 14, DS_MCAST_PLAIN, NULL, NULL, 0},
    {"ff5e:140:2001:db8:beef:feed::1", 0, 5, 14, DS_MCAST_PLAIN, NULL, NULL, 0},
    {"ff6e:140:2001:db8:beef:feed::1", 0, 6, 14, DS_MCAST_PLAIN, NULL, NULL, 0},
    {"ff4e:140:2001:db8:beef:feed::1", 0, 4, 14, DS_MCAST_PLAIN, NULL, NULL, 0},
    /* Not multicast. */
    {"2001:db8::1", -DS_E_NOT_MULTICAST, 0, 0, 0, NULL, NULL, 0},
    {"fe80::1", -DS_E_NOT_MULTICAST, 0, 0, 0, NULL, NULL, 0},
    {"feff::1", -DS_E_NOT_MULTICAST, 0, 0, 0, NULL, NULL, 0},
    {"::", -DS_E_NOT_MULTICAST, 0, 0, 0, NULL, NULL, 0},
    {"::ffff:224.0.0.1", -DS_E_NOT_MULTICAST, 0, 0, 0, NULL, NULL, 0},
    {"224.0.0.1", -DS_E_NOT_MULTICAST, 0, 0, 0, NULL, NULL, 0},
    {"255.255.255.255", -DS_E_NOT_MULTICAST, 0, 0, 0, NULL, NULL, 0},
};

static void
test_mcast(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(mcast_cases); i++) {
		const struct mcast_case *c = &mcast_cases[i];
		struct ds_addr in = addr(c->in);
		struct ds_mcast m;
		struct ds_prefix zero_pfx = {0};
		struct ds_addr zero_addr = {0};
		uint8_t zero_group[14] = {0};
		int r;

		memset(&m, SENTINEL, sizeof(m));
		r = ds_mcast_decode(&in, &m);
		if (r != c->ret)
			fail_msg("%s: returned %d, want %d", c->in, r, c->ret);
		if (r < 0) {
			assert_all_bytes(&m, sizeof(m), SENTINEL, c->in);
			continue;
		}
		if (m.flags != c->flags || m.scope != c->scope ||
		    m.form != c->form)
			fail_msg("%s: flags %x scope %u form %d, want %x %u %d",
			    c->in, m.flags, m.scope, (int)m.form, c->flags,
			    c->scope, (int)c->form);
		assert_int_equal(m.r, (c->flags & 4) != 0);
		assert_int_equal(m.p, (c->flags & 2) != 0);
		assert_int_equal(m.t, (c->flags & 1) != 0);
		if (m.group_id != c->group_id)
			fail_msg("%s: group_id %#x, want %#x", c->in,
			    m.group_id, c->group_id);

		if (c->prefix)
			assert_prefix(&m.prefix, c->prefix, c->in);
		else
			assert_memory_equal(
			    &m.prefix, &zero_pfx, sizeof(zero_pfx));
		if (c->rp)
			assert_addr(&m.rp, c->rp, c->in);
		else
			assert_memory_equal(
			    &m.rp, &zero_addr, sizeof(zero_addr));
		/* group[] holds bytes 2-15 for PLAIN and is zero otherwise. */
		if (c->form == DS_MCAST_PLAIN)
			assert_memory_equal(m.group, in.u.bytes + 2, 14);
		else
			assert_memory_equal(m.group, zero_group, 14);
	}
}

/* The PLAIN group bytes, spelled out rather than copied from the input. */
static void
test_mcast_plain_group(void **state)
{
	static const uint8_t solicited[14] = {
	    [9] = 0x01, [10] = 0xff, [13] = 0x01};
	static const uint8_t all_nodes[14] = {[13] = 0x01};
	struct ds_addr a = addr("ff02::1:ff00:1");
	struct ds_mcast m;

	(void)state;
	assert_int_equal(ds_mcast_decode(&a, &m), 0);
	assert_memory_equal(m.group, solicited, sizeof(solicited));
	a = addr("ff02::1");
	assert_int_equal(ds_mcast_decode(&a, &m), 0);
	assert_memory_equal(m.group, all_nodes, sizeof(all_nodes));
}

static void
test_mcast_no_family(void **state)
{
	struct ds_addr empty = {0};
	struct ds_mcast m;

	(void)state;
	/* Even with ff in byte 0, no family is not multicast. */
	empty.u.bytes[0] = 0xff;
	assert_int_equal(ds_mcast_decode(&empty, &m), -DS_E_NOT_MULTICAST);
}

/* --- ds_addr_solicited_node --------------------------------------------- */

struct sn_case {
	const char *in;
	int ret;
	const char *out;
};

static const struct sn_case sn_cases[] = {
    {"2001:db8::1:2:3", 0, "ff02::1:ff02:3"},
    {"fe80::6e62:6dff:fea9:7ed0", 0, "ff02::1:ffa9:7ed0"},
    {"2001:db8::ffff:ffff", 0, "ff02::1:ffff:ffff"},
    {"2001:db8::abcd:ef01:2345", 0, "ff02::1:ff01:2345"},
    {"::1", 0, "ff02::1:ff00:1"},
    {"::", 0, "ff02::1:ff00:0"},
    {"::ffff:192.0.2.1", 0, "ff02::1:ff00:201"},
    {"ff02::1", -EINVAL, NULL},
    {"ff02::1:ff00:1", -EINVAL, NULL},
    {"ff3e::1234", -EINVAL, NULL},
    {"192.0.2.1", -EAFNOSUPPORT, NULL},
    {"224.0.0.1", -EAFNOSUPPORT, NULL},
};

static void
test_solicited_node(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(sn_cases); i++) {
		const struct sn_case *c = &sn_cases[i];
		struct ds_addr in = addr(c->in), out;
		int r;

		memset(&out, SENTINEL, sizeof(out));
		r = ds_addr_solicited_node(&in, &out);
		if (r != c->ret)
			fail_msg("%s: returned %d, want %d", c->in, r, c->ret);
		if (r == 0)
			assert_addr(&out, c->out, c->in);
		else
			assert_all_bytes(&out, sizeof(out), SENTINEL, c->in);
	}
}

static void
test_solicited_node_zone(void **state)
{
	struct ds_addr in = addr("fe80::1"), empty = {0}, out;

	(void)state;
	/* The input's zone does not carry over: assert_addr wants none. */
	strcpy(in.zone, "3");
	in.scope_id = 3;
	assert_int_equal(ds_addr_solicited_node(&in, &out), 0);
	assert_addr(&out, "ff02::1:ff00:1", "zone");

	assert_int_equal(ds_addr_solicited_node(&empty, &out), -EAFNOSUPPORT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_embedded_v4),
	    cmocka_unit_test(test_embedded_v4_edges),
	    cmocka_unit_test(test_teredo),
	    cmocka_unit_test(test_teredo_no_family),
	    cmocka_unit_test(test_nat64_rfc6052_table),
	    cmocka_unit_test(test_nat64_dirty_prefix),
	    cmocka_unit_test(test_nat64_round_trip),
	    cmocka_unit_test(test_nat64_wkp_agrees),
	    cmocka_unit_test(test_nat64_synthesize_errors),
	    cmocka_unit_test(test_nat64_extract),
	    cmocka_unit_test(test_mcast),
	    cmocka_unit_test(test_mcast_plain_group),
	    cmocka_unit_test(test_mcast_no_family),
	    cmocka_unit_test(test_solicited_node),
	    cmocka_unit_test(test_solicited_node_zone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
