/* SPDX-License-Identifier: MIT */
/*
 * Differential test of the address parser and formatter against glibc's
 * inet_pton() and inet_ntop().
 *
 * Random 16-byte and 4-byte values, from a fixed seed so that a failure can
 * be repeated, go through ds_addr_format() and ds_addr_parse() and through
 * glibc, and the results must agree. The generator is biased towards the
 * inputs where formatters go wrong: zero groups (each group is zero half of
 * the time, so runs of every length start at every position), and the
 * prefixes that carry IPv4 addresses (mapped, compatible, translated, 6to4,
 * NAT64, Teredo).
 *
 * glibc's text is RFC 5952 canonical text with one exception, documented in
 * glibc_differs() below; everything else must be byte for byte the same.
 *
 * Random text, valid and invalid, is fed to both parsers as well; they must
 * accept and reject the same strings and agree on the bytes.
 *
 * The seed is printed; set DS_TEST_SEED=<number> to run another one.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"

/* How many random values and strings each test tries. */
#define N_V6 1000000
#define N_V4 1000000
#define N_TEXT 300000

/* Stop printing details after this many failures of one kind. */
#define MAX_REPORTS 20

/* The default seed: any odd constant will do. */
#define DEFAULT_SEED UINT64_C(0x2545f4914f6cdd1d)

/* --- Random numbers ------------------------------------------------------ */

/*
 * xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift
 * generators, scrambled", 2016): tiny, fast and good enough to pick test
 * inputs. Not for anything secret.
 */
struct rng {
	uint64_t s;
};

static uint64_t seed;

static uint64_t
rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * UINT64_C(0x2545f4914f6cdd1d);
}

/* A number in [0, n), n > 0. The slight modulo bias does not matter here. */
static uint32_t
rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)((rng_next(r) >> 32) % n);
}

/* Each test starts from the same seed, so each can be run alone. */
static void
rng_init(struct rng *r, uint64_t salt)
{
	r->s = seed ^ salt;
	if (r->s == 0)
		r->s = 1;
}

/* --- Value generators ---------------------------------------------------- */

static void
put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void
put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

static uint16_t
get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/*
 * An IPv4 address with octets that are often 0 or 255, so that the halves
 * of the embedded address in IPv6 are often zero groups too.
 */
static uint32_t
gen_v4(struct rng *r)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		uint32_t o;

		switch (rng_below(r, 8)) {
		case 0:
		case 1:
			o = 0;
			break;
		case 2:
			o = 255;
			break;
		case 3:
			o = rng_below(r, 10);
			break;
		default:
			o = rng_below(r, 256);
			break;
		}
		v = v << 8 | o;
	}
	return v;
}

/*
 * One 16-bit group: zero half of the time, else 1 to 4 hex digits long
 * (the formatter strips leading zeros, RFC 5952 section 4.1) or all ones.
 */
static uint16_t
gen_group(struct rng *r)
{
	uint32_t v = (uint32_t)rng_next(r) & 0xffff;

	switch (rng_below(r, 16)) {
	case 0:
		return 0xffff;
	case 1:
		return (uint16_t)(v & 0xf);
	case 2:
		return (uint16_t)(v & 0xff);
	case 3:
		return (uint16_t)(v & 0xfff);
	case 4:
	case 5:
	case 6:
	case 7:
		return (uint16_t)v;
	default:
		return 0;
	}
}

static void
gen_groups(struct rng *r, uint8_t b[16], int from)
{
	for (int g = from; g < 8; g++)
		put16(b + 2 * g, gen_group(r));
}

/*
 * A random IPv6 address. Half are random groups; the rest come from blocks
 * whose formatting is special or that embed an IPv4 address.
 */
static void
gen_v6(struct rng *r, uint8_t b[16])
{
	uint32_t v4 = gen_v4(r);

	memset(b, 0, 16);
	switch (rng_below(r, 20)) {
	case 0: /* IPv4-mapped ::ffff:0:0/96, RFC 4291 section 2.5.5.2 */
	case 1:
		b[10] = b[11] = 0xff;
		put32(b + 12, v4);
		break;
	case 2: /* IPv4-compatible ::/96, RFC 4291 section 2.5.5.1 */
	case 3:
		put32(b + 12, v4);
		break;
	case 4: /* IPv4-translated ::ffff:0:0:0/96, RFC 2765 section 2.1 */
		b[8] = b[9] = 0xff;
		put32(b + 12, v4);
		break;
	case 5: /* 6to4 2002:V4ADDR::/48, RFC 3056 section 2 */
		put16(b, 0x2002);
		put32(b + 2, v4);
		gen_groups(r, b, 3);
		break;
	case 6: /* NAT64 well-known prefix 64:ff9b::/96, RFC 6052 */
		put16(b, 0x64);
		put16(b + 2, 0xff9b);
		put32(b + 12, v4);
		break;
	case 7: /* Teredo 2001::/32, RFC 4380 section 4 */
		put16(b, 0x2001);
		put32(b + 4, v4);
		gen_groups(r, b, 4);
		break;
	case 8: /* link-local fe80::/64, RFC 4291 section 2.5.6 */
		put16(b, 0xfe80);
		gen_groups(r, b, 4);
		break;
	case 9: /* solicited-node multicast, RFC 4291 section 2.7.1 */
		put16(b, 0xff02);
		put16(b + 10, 0x0001);
		b[12] = 0xff;
		b[13] = (uint8_t)v4;
		put16(b + 14, (uint16_t)(v4 >> 8));
		break;
	default:
		gen_groups(r, b, 0);
		break;
	}
}

/* --- What glibc prints --------------------------------------------------- */

/*
 * Does glibc's inet_ntop() text for this IPv6 address differ from RFC 5952
 * canonical text? If so, write the canonical text to 'want' and return true.
 *
 * The one difference: glibc writes the low 32 bits in dotted decimal when
 * the longest zero run is exactly the first six groups ("::102:304" comes
 * out as "::1.2.3.4"), i.e. for the IPv4-compatible addresses of RFC 4291
 * section 2.5.5.1 other than :: and ::1 (and ::0:x, which ends in a longer
 * run). RFC 5952 section 5 recommends the mixed notation only where a
 * well-known prefix says an IPv4 address is embedded; the IPv4-compatible
 * form is deprecated (RFC 4291 section 2.5.5.1) and :: is the unspecified
 * address, not a prefix of IPv4 addresses, so dualstack keeps dotted
 * decimal for IPv4-mapped ::ffff:0:0/96 only (RFC 4291 section 2.5.5.2)
 * and prints these in hex: six zero groups give "::", then the two low
 * groups by section 4.1 and 4.2.2.
 *
 * glibc writes mapped addresses as "::ffff:a.b.c.d" like dualstack, and
 * otherwise follows RFC 5952: lower case (section 4.3), no leading zeros
 * (4.1), the first of the longest runs of two or more zero groups as "::"
 * (4.2.1-4.2.3), a lone zero group as "0" (4.2.2). The IPv4-translated
 * ::ffff:0:0:0/96 (RFC 2765) is printed in hex by both.
 */
static bool
glibc_differs(const uint8_t b[16], char *want, size_t size)
{
	for (int g = 0; g < 6; g++)
		if (get16(b + 2 * g) != 0)
			return false;
	if (get16(b + 12) == 0)
		return false;
	snprintf(want, size, "::%x:%x", get16(b + 12), get16(b + 14));
	return true;
}

/* --- Reporting ----------------------------------------------------------- */

static void
hex16(const uint8_t b[16], char out[33])
{
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static unsigned long failures;

static void report(const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(1, 2);

/* Print one failure (the first MAX_REPORTS of a test) and count it. */
static void
report(const char *fmt, ...)
{
	va_list ap;

	if (failures++ >= MAX_REPORTS)
		return;
	va_start(ap, fmt);
	fputs("# ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
}

static void
finish(const char *what, unsigned long n)
{
	printf("# %s: %lu checked, %lu failed (seed %#" PRIx64 ")\n", what, n,
	    failures, seed);
	fflush(stdout);
	if (failures)
		fail_msg(
		    "%lu %s failures, seed %#" PRIx64, failures, what, seed);
}

/*
 * Parse 'len' bytes of s as ds_addr_parse() sees them in a line buffer:
 * followed by more text and no NUL. The bytes after 'len' would extend or
 * spoil a valid address, so a parser that reads past 'len' gets a wrong
 * answer here.
 */
static int
parse_n(const char *s, size_t len, unsigned flags, struct ds_addr *ret)
{
	char buf[256];
	size_t pos = (size_t)-1;
	int r;

	assert_true(len + 4 <= sizeof(buf));
	memcpy(buf, s, len);
	memcpy(buf + len, "1:f.", 4);
	r = ds_addr_parse(buf, len, flags, ret, &pos);
	if (r < 0 && pos > len)
		report("parse '%.*s': errpos %zu beyond length %zu", (int)len,
		    s, pos, len);
	return r;
}

/*
 * snprintf semantics (header, "Formatting"): the return value is the full
 * length whatever the size, the output is a NUL-terminated prefix of the
 * full text, and nothing is written when size is 0.
 */
static void
check_truncation(
    const struct ds_addr *a, unsigned flags, const char *full, int n)
{
	size_t sizes[] = {0, 1, 2, (size_t)n / 2, (size_t)n, (size_t)n + 1};
	char buf[DS_ADDR_STRLEN + 8];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t size = sizes[i], keep;
		int r;

		memset(buf, '#', sizeof(buf));
		r = ds_addr_format(a, flags, buf, size);
		keep = size ? (size - 1 < (size_t)n ? size - 1 : (size_t)n) : 0;
		if (r != n || (size == 0 && buf[0] != '#') ||
		    (size > 0 &&
		        (buf[keep] != '\0' || memcmp(buf, full, keep) != 0)) ||
		    buf[size] != '#')
			report("format '%s' into %zu bytes: returned %d, "
			       "wrote '%.*s'",
			    full, size, r, (int)size, buf);
	}
}

/* --- IPv6 ---------------------------------------------------------------- */

/* Everything the differential test checks for one IPv6 value. */
static void
check_v6(const uint8_t bytes[16], bool truncation)
{
	char txt[DS_ADDR_STRLEN], exp[DS_ADDR_STRLEN], want[DS_ADDR_STRLEN];
	char glibc[INET6_ADDRSTRLEN], ref[64], hex[33], upper[64];
	struct ds_addr a, b;
	uint8_t back[16];
	int n, r;

	hex16(bytes, hex);
	ds_addr_from_v6(bytes, &a);
	if (a.family != AF_INET6 || memcmp(a.u.bytes, bytes, 16) != 0 ||
	    a.zone[0] != '\0' || a.scope_id != 0) {
		report("%s: ds_addr_from_v6 built a different value", hex);
		return;
	}

	/* Canonical text, then back: the same value (identity). */
	n = ds_addr_format(&a, 0, txt, sizeof(txt));
	if (n <= 0 || (size_t)n >= sizeof(txt) || strlen(txt) != (size_t)n) {
		report("%s: ds_addr_format returned %d", hex, n);
		return;
	}
	memset(&b, 0x5a, sizeof(b));
	r = parse_n(txt, (size_t)n, 0, &b);
	if (r != 0)
		report("%s: canonical '%s' does not parse back: %d (%s)", hex,
		    txt, r, ds_strerror(r));
	else if (!ds_addr_equal(&a, &b) || memcmp(&a, &b, sizeof(a)) != 0)
		report("%s: '%s' parses back as a different value", hex, txt);

	/* The canonical text is glibc's, but for the documented case. */
	if (inet_ntop(AF_INET6, bytes, glibc, sizeof(glibc)) == NULL) {
		report("%s: inet_ntop failed", hex);
		return;
	}
	if (!glibc_differs(bytes, want, sizeof(want)))
		snprintf(want, sizeof(want), "%s", glibc);
	if (strcmp(txt, want) != 0)
		report("%s: dualstack '%s', glibc '%s', expected '%s'", hex,
		    txt, glibc, want);

	/* glibc reads dualstack's text as the same bytes. */
	if (inet_pton(AF_INET6, txt, back) != 1)
		report("%s: inet_pton rejects dualstack's '%s'", hex, txt);
	else if (memcmp(back, bytes, 16) != 0)
		report("%s: inet_pton reads '%s' differently", hex, txt);

	/* dualstack reads glibc's text (dotted or not) as the same value. */
	r = parse_n(glibc, strlen(glibc), 0, &b);
	if (r != 0)
		report("%s: glibc's '%s' rejected: %d (%s)", hex, glibc, r,
		    ds_strerror(r));
	else if (!ds_addr_equal(&a, &b) || memcmp(&a, &b, sizeof(a)) != 0)
		report(
		    "%s: glibc's '%s' parsed as a different value", hex, glibc);

	/* Hex digits in either case (RFC 4291 section 2.2, item 1). */
	for (size_t i = 0; glibc[i] != '\0'; i++)
		upper[i] = (char)toupper((unsigned char)glibc[i]);
	upper[strlen(glibc)] = '\0';
	r = parse_n(upper, strlen(upper), 0, &b);
	if (r != 0 || !ds_addr_equal(&a, &b))
		report("%s: upper-case '%s' not read back: %d", hex, upper, r);

	/* Expanded: all eight groups of four digits, no "::". */
	snprintf(ref, sizeof(ref), "%04x:%04x:%04x:%04x:%04x:%04x:%04x:%04x",
	    get16(bytes), get16(bytes + 2), get16(bytes + 4), get16(bytes + 6),
	    get16(bytes + 8), get16(bytes + 10), get16(bytes + 12),
	    get16(bytes + 14));
	n = ds_addr_format(&a, DS_FMT_EXPAND, exp, sizeof(exp));
	if (n != 39 || strcmp(exp, ref) != 0)
		report(
		    "%s: expanded '%s' (%d), expected '%s'", hex, exp, n, ref);
	r = parse_n(exp, strlen(exp), 0, &b);
	if (r != 0 || !ds_addr_equal(&a, &b))
		report("%s: expanded '%s' not read back: %d", hex, exp, r);
	if (inet_pton(AF_INET6, exp, back) != 1 || memcmp(back, bytes, 16))
		report("%s: inet_pton does not read expanded '%s'", hex, exp);

	if (truncation) {
		check_truncation(&a, 0, txt, (int)strlen(txt));
		check_truncation(&a, DS_FMT_EXPAND, exp, (int)strlen(exp));
	}
}

/*
 * Every pattern of zero and non-zero groups (2^8), with the non-zero
 * groups 1, ffff or random: every zero run at every position, ties
 * between equal runs (RFC 5952 section 4.2.3), lone zero groups (4.2.2).
 */
static void
test_v6_zero_patterns(void **state)
{
	static const uint16_t fill[] = {0x1, 0xffff, 0xabc, 0x0f00};
	unsigned long n = 0;
	struct rng r;
	uint8_t b[16];

	(void)state;
	failures = 0;
	rng_init(&r, 1);
	for (unsigned mask = 0; mask < 256; mask++) {
		for (size_t f = 0; f <= sizeof(fill) / sizeof(fill[0]); f++) {
			for (int g = 0; g < 8; g++) {
				uint16_t v = f < sizeof(fill) / sizeof(fill[0])
				    ? fill[f]
				    : (uint16_t)(1 + rng_below(&r, 0xffff));

				put16(b + 2 * g, mask & (1u << g) ? v : 0);
			}
			check_v6(b, true);
			n++;
			/* The same with the mapped prefix laid over it. */
			memset(b, 0, 10);
			b[10] = b[11] = 0xff;
			check_v6(b, false);
			n++;
		}
	}
	finish("IPv6 zero patterns", n);
}

static void
test_v6_random(void **state)
{
	struct rng r;
	uint8_t b[16];

	(void)state;
	failures = 0;
	rng_init(&r, 2);
	for (unsigned long i = 0; i < N_V6; i++) {
		gen_v6(&r, b);
		check_v6(b, i % 97 == 0);
	}
	finish("random IPv6", N_V6);
}

/* --- IPv4 ---------------------------------------------------------------- */

static void
test_v4_random(void **state)
{
	static const uint32_t special[4] = {
	    0, 0xffffffff, 0x7f000001, 0x01020304};
	char txt[DS_ADDR_STRLEN], glibc[INET_ADDRSTRLEN];
	struct ds_addr a, b;
	struct in_addr back;
	struct rng r;
	int n, rc;

	(void)state;
	failures = 0;
	rng_init(&r, 3);
	for (unsigned long i = 0; i < N_V4; i++) {
		uint32_t v4 = i < 4 ? special[i] : gen_v4(&r);

		ds_addr_from_v4(v4, &a);
		if (a.family != AF_INET || ds_addr_v4(&a) != v4 ||
		    a.u.in.s_addr != htonl(v4)) {
			report("%08" PRIx32 ": ds_addr_from_v4 is wrong", v4);
			continue;
		}
		n = ds_addr_format(&a, 0, txt, sizeof(txt));
		inet_ntop(AF_INET, &a.u.in, glibc, sizeof(glibc));
		if (n <= 0 || strlen(txt) != (size_t)n ||
		    strcmp(txt, glibc) != 0) {
			report("%08" PRIx32 ": dualstack '%s' (%d), glibc '%s'",
			    v4, txt, n, glibc);
			continue;
		}
		memset(&b, 0x5a, sizeof(b));
		rc = parse_n(txt, (size_t)n, 0, &b);
		if (rc != 0 || !ds_addr_equal(&a, &b) ||
		    memcmp(&a, &b, sizeof(a)) != 0)
			report("%08" PRIx32 ": '%s' not read back: %d", v4, txt,
			    rc);
		if (inet_pton(AF_INET, txt, &back) != 1 ||
		    back.s_addr != a.u.in.s_addr)
			report(
			    "%08" PRIx32 ": inet_pton rejects '%s'", v4, txt);
		/* DS_FMT_EXPAND is about IPv6 groups; IPv4 stays as it is. */
		n = ds_addr_format(&a, DS_FMT_EXPAND, txt, sizeof(txt));
		if (strcmp(txt, glibc) != 0)
			report("%08" PRIx32 ": expanded IPv4 '%s' (%d)", v4,
			    txt, n);
		if (i % 97 == 0)
			check_truncation(&a, 0, glibc, (int)strlen(glibc));
	}
	finish("random IPv4", N_V4);
}

/* --- Random text --------------------------------------------------------- */

static void
append(char *buf, size_t *len, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (*len + n < size) {
		memcpy(buf + *len, s, n);
		*len += n;
		buf[*len] = '\0';
	}
}

/*
 * A decimal octet: usually 0-255 written properly; sometimes with a
 * leading zero, too big, too long or empty, which both parsers reject.
 */
static void
gen_octet(struct rng *r, char *buf, size_t *len, size_t size)
{
	char o[8];

	switch (rng_below(r, 24)) {
	case 0:
		snprintf(o, sizeof(o), "0%u", rng_below(r, 100));
		break;
	case 1:
		snprintf(o, sizeof(o), "%u", 256 + rng_below(r, 800));
		break;
	case 2:
		snprintf(o, sizeof(o), "%u", 1000 + rng_below(r, 9000));
		break;
	case 3:
		o[0] = '\0';
		break;
	case 4:
		snprintf(o, sizeof(o), "%x", 10 + rng_below(r, 6));
		break;
	default:
		snprintf(o, sizeof(o), "%u", rng_below(r, 256));
		break;
	}
	append(buf, len, size, o);
}

static void
gen_dotted(struct rng *r, char *buf, size_t *len, size_t size)
{
	unsigned n = rng_below(r, 8) == 0 ? 1 + rng_below(r, 6) : 4;

	for (unsigned i = 0; i < n; i++) {
		if (i > 0)
			append(buf, len, size, ".");
		gen_octet(r, buf, len, size);
	}
}

/* A hex group of 0 to 5 digits in random case; mostly 1 to 4. */
static void
gen_hex_group(struct rng *r, char *buf, size_t *len, size_t size)
{
	static const char digits[] = "0123456789abcdefABCDEF";
	unsigned n = rng_below(r, 16);
	char g[8];

	n = n == 0 ? 0 : n == 1 ? 5 : 1 + n % 4;
	for (unsigned i = 0; i < n; i++)
		g[i] = digits[rng_below(r, sizeof(digits) - 1)];
	g[n] = '\0';
	append(buf, len, size, g);
}

/*
 * A string that looks like an address: groups and separators in counts
 * around the valid ones, so that about a third parse. Only characters
 * both parsers give the same meaning to: no '%' (zones) and no brackets,
 * which glibc does not know.
 */
static size_t
gen_text(struct rng *r, char *buf, size_t size)
{
	static const char *const junk[] = {":", ".", "g", " ", "-", "::"};
	size_t len = 0;

	buf[0] = '\0';
	if (rng_below(r, 4) == 0) {
		gen_dotted(r, buf, &len, size);
	} else {
		unsigned groups = 1 + rng_below(r, 9);
		unsigned dc = rng_below(r, groups + 2); /* where "::" goes */
		bool dotted = rng_below(r, 5) == 0;

		if (rng_below(r, 24) == 0)
			dc = groups + 2; /* none */
		for (unsigned i = 0; i <= groups; i++) {
			if (i == dc)
				append(buf, &len, size, "::");
			else if (i > 0 && i < groups)
				append(buf, &len, size,
				    rng_below(r, 40) == 0 ? ":::" : ":");
			if (i == groups)
				break;
			if (dotted && i == groups - 1)
				gen_dotted(r, buf, &len, size);
			else
				gen_hex_group(r, buf, &len, size);
		}
		if (rng_below(r, 32) == 0 && dc != 0)
			append(buf, &len, size, "::");
	}
	if (rng_below(r, 40) == 0) {
		/* A stray character somewhere. */
		const char *j = junk[rng_below(r, 6)];
		size_t at = len ? rng_below(r, (uint32_t)len + 1) : 0;
		size_t jl = strlen(j);

		if (len + jl < size) {
			memmove(buf + at + jl, buf + at, len - at + 1);
			memcpy(buf + at, j, jl);
			len += jl;
		}
	}
	return len;
}

/*
 * Both parsers accept exactly the same strings and read the same bytes.
 * glibc's inet_pton() is strict in the same ways RFC 4291 section 2.2 is:
 * 1-4 hex digits per group, one "::" standing for at least one group,
 * dotted quad only as the last 32 bits, exactly four decimal octets
 * without leading zeros. (It is inet_aton() that reads "010" as octal.)
 */
static void
test_text_differential(void **state)
{
	unsigned long valid = 0;
	char s[128];
	struct rng r;

	(void)state;
	failures = 0;
	rng_init(&r, 4);
	for (unsigned long i = 0; i < N_TEXT; i++) {
		uint8_t g[16];
		struct ds_addr a;
		int gfam = 0, rc;
		size_t len = gen_text(&r, s, sizeof(s));

		if (inet_pton(AF_INET, s, g) == 1)
			gfam = AF_INET;
		else if (inet_pton(AF_INET6, s, g) == 1)
			gfam = AF_INET6;
		memset(&a, 0x5a, sizeof(a));
		rc = parse_n(s, len, 0, &a);
		if (rc < 0 && gfam != 0) {
			report("text '%s': glibc accepts, dualstack: %d (%s)",
			    s, rc, ds_strerror(rc));
		} else if (rc < 0) {
			/* Parsers leave *ret untouched on failure (header). */
			for (size_t k = 0; k < sizeof(a); k++)
				if (((unsigned char *)&a)[k] != 0x5a) {
					report("text '%s': *ret written", s);
					break;
				}
		} else if (rc > 0) {
			report("text '%s': positive return %d", s, rc);
		} else if (gfam == 0) {
			report(
			    "text '%s': glibc rejects, dualstack accepts", s);
		} else {
			size_t blen = gfam == AF_INET ? 4 : 16;

			valid++;
			if (a.family != gfam || a.zone[0] != '\0' ||
			    memcmp(a.u.bytes, g, blen) != 0)
				report("text '%s': read differently", s);
		}
	}
	printf("# random text: %lu of %d valid\n", valid, N_TEXT);
	finish("random text", N_TEXT);
}

/* --- Main ---------------------------------------------------------------- */

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v6_zero_patterns),
	    cmocka_unit_test(test_v6_random),
	    cmocka_unit_test(test_v4_random),
	    cmocka_unit_test(test_text_differential),
	};
	const char *env = getenv("DS_TEST_SEED");

	seed = env && *env ? strtoull(env, NULL, 0) : DEFAULT_SEED;
	printf("# seed %#" PRIx64 " (set DS_TEST_SEED to change)\n", seed);
	fflush(stdout);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
