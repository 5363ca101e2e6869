/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the address, prefix and endpoint parsers.
 *
 * For arbitrary bytes, every parser runs with several flag combinations.
 * Besides "no crash, no undefined behaviour", the properties checked are
 * the header's promises (include/dualstack/addr.h):
 *
 * - a failed parse returns a negative code, reports an offset within the
 *   input and leaves *ret untouched;
 * - a parsed value is well formed (family, zeroed unused bytes, the zone
 *   is a NUL-terminated string, a numeric zone sets scope_id);
 * - flags only restrict (V4_ONLY, V6_ONLY, NO_ZONE, STRICT) or extend
 *   (BRACKETS, PORT_OPTIONAL) what the flagless parse does, exactly as
 *   documented;
 * - a bare address is a host prefix and, with PORT_OPTIONAL, an endpoint
 *   with port 0;
 * - format, then parse: the same value; format that: the same text
 *   (canonical text is a fixed point), with and without DS_FMT_EXPAND;
 * - the formatters follow snprintf semantics and stay within *_STRLEN;
 * - where both can read the text (no zone, no brackets), ds_addr_parse()
 *   and glibc's inet_pton() accept the same strings and read the same
 *   bytes, and canonical text equals inet_ntop()'s but for the one
 *   documented difference (see glibc_differs(), also in
 *   tests/unit/test-addr-glibc.c).
 *
 * A violation prints what went wrong and the input, then abort()s, which
 * libFuzzer and fuzz/replay.c report as a crash.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Inputs longer than this are cut: every valid form is far shorter (the
 * longest is an endpoint, under DS_ENDPOINT_STRLEN), so longer inputs only
 * test the length check, which a few hundred bytes do as well as megabytes.
 */
#define MAX_INPUT 512

/* Byte pattern for "untouched" checks on failed parses. */
#define POISON 0xa5

/* The input being checked, for the report. */
static const uint8_t *cur_data;
static size_t cur_size;

static void
die(const char *what, int line)
{
	fprintf(stderr, "addr_parse.c:%d: check failed: %s\n", line, what);
	fprintf(stderr, "input (%zu bytes): \"", cur_size);
	for (size_t i = 0; i < cur_size; i++) {
		uint8_t c = cur_data[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fputs("\"\n", stderr);
	abort();
}

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			die(#cond, __LINE__);                                  \
	} while (0)

/* --- Helpers ------------------------------------------------------------- */

static bool
all_bytes(const void *p, int byte, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != (uint8_t)byte)
			return false;
	return true;
}

/* An error code as the header describes them: -errno or -DS_E_*. */
static void
check_error(int r, size_t errpos, size_t len)
{
	CHECK(r < 0);
	/* EHWPOISON (133) is the largest Linux errno, error.h says. */
	CHECK((-r > 0 && -r <= 133) || (-r > DS_E_BASE && -r < DS_E_MAX));
	CHECK(errpos <= len);
	CHECK(ds_strerror(r) != NULL && ds_strerror(r)[0] != '\0');
}

/*
 * A value the library built: a known family, unused bytes zero, and the
 * zone a short NUL-terminated string with zero padding, its number in
 * scope_id when it is written as one (header, struct ds_addr).
 */
static void
check_addr_value(const struct ds_addr *a)
{
	size_t zl;

	CHECK(a->family == AF_INET || a->family == AF_INET6);
	zl = strnlen(a->zone, sizeof(a->zone));
	CHECK(zl < sizeof(a->zone));
	CHECK(all_bytes(a->zone + zl, 0, sizeof(a->zone) - zl));
	if (a->family == AF_INET) {
		CHECK(all_bytes(a->u.bytes + 4, 0, 12));
		/* RFC 4007 zones are for IPv6 only (DS_E_ZONE_V4). */
		CHECK(zl == 0 && a->scope_id == 0);
		return;
	}
	if (zl == 0) {
		CHECK(a->scope_id == 0);
	} else if (strspn(a->zone, "0123456789") != zl) {
		CHECK(a->scope_id == 0);
	} else if (a->zone[0] != '0' && zl <= 9) {
		/* Plain decimal that surely fits in 32 bits. */
		CHECK(a->scope_id == strtoul(a->zone, NULL, 10));
	}
}

static bool
same_addr(const struct ds_addr *a, const struct ds_addr *b)
{
	bool eq = ds_addr_equal(a, b);

	/* Both built by the library: memcmp() agrees (header). */
	CHECK(eq == (memcmp(a, b, sizeof(*a)) == 0));
	return eq;
}

static bool
has_host_bits(const struct ds_prefix *p)
{
	unsigned bits = ds_addr_bits(&p->addr);

	for (unsigned i = p->len; i < bits; i++)
		if (p->addr.u.bytes[i / 8] & (0x80u >> (i % 8)))
			return true;
	return false;
}

/* Does value a pass the restricting flags f? */
static bool
passes(const struct ds_addr *a, unsigned f)
{
	if ((f & DS_PARSE_V4_ONLY) && a->family != AF_INET)
		return false;
	if ((f & DS_PARSE_V6_ONLY) && a->family != AF_INET6)
		return false;
	if ((f & DS_PARSE_NO_ZONE) && a->zone[0] != '\0')
		return false;
	return true;
}

/* The three formatters behind one type, for check_truncation(). */
typedef int fmt_fn(const void *v, unsigned flags, char *buf, size_t size);

static int
fmt_addr(const void *v, unsigned flags, char *buf, size_t size)
{
	return ds_addr_format(v, flags, buf, size);
}

static int
fmt_prefix(const void *v, unsigned flags, char *buf, size_t size)
{
	return ds_prefix_format(v, flags, buf, size);
}

static int
fmt_endpoint(const void *v, unsigned flags, char *buf, size_t size)
{
	return ds_endpoint_format(v, flags, buf, size);
}

/*
 * snprintf semantics (header, top comment): with a buffer too small the
 * return value is still the full length n, and the buffer holds a
 * NUL-terminated prefix of the full text; nothing is written past 'size'
 * and nothing at all when size is 0.
 */
static void
check_truncation(
    fmt_fn *fn, const void *v, unsigned flags, const char *full, int n)
{
	size_t sizes[] = {0, 1, (size_t)n / 2, (size_t)n};
	char t[DS_ENDPOINT_STRLEN + 8];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t size = sizes[i];

		memset(t, '#', sizeof(t));
		CHECK(fn(v, flags, t, size) == n);
		CHECK(t[size] == '#');
		if (size > 0) {
			CHECK(t[size - 1] == '\0');
			CHECK(memcmp(t, full, size - 1) == 0);
		}
	}
}

/* --- glibc --------------------------------------------------------------- */

/*
 * Where glibc's inet_ntop() departs from RFC 5952 canonical text: it
 * writes IPv4-compatible addresses (first six groups zero, the seventh
 * not) in dotted decimal, "::1.2.3.4". dualstack keeps dotted decimal for
 * IPv4-mapped addresses only and prints these "::102:304" (RFC 5952
 * section 5; RFC 4291 section 2.5.5.1 deprecates the compatible form).
 * The same rule, with the full reasoning, is in test-addr-glibc.c.
 */
static bool
glibc_differs(const uint8_t *b)
{
	return all_bytes(b, 0, 12) && (b[12] | b[13]) != 0;
}

static void
check_glibc(const char *s, size_t len, int r, const struct ds_addr *a)
{
	char z[64], txt[DS_ADDR_STRLEN], g[INET6_ADDRSTRLEN];
	uint8_t b[16];
	int fam = 0;

	/* Texts glibc cannot read, or reads differently by design. */
	if (len >= sizeof(z) || memchr(s, '\0', len) || memchr(s, '%', len) ||
	    memchr(s, '[', len))
		return;
	memcpy(z, s, len);
	z[len] = '\0';
	if (inet_pton(AF_INET, z, b) == 1)
		fam = AF_INET;
	else if (inet_pton(AF_INET6, z, b) == 1)
		fam = AF_INET6;
	CHECK((r == 0) == (fam != 0));
	if (r != 0)
		return;
	CHECK(a->family == fam);
	CHECK(memcmp(a->u.bytes, b, fam == AF_INET ? 4 : 16) == 0);

	CHECK(inet_ntop(fam, b, g, sizeof(g)) != NULL);
	ds_addr_format(a, 0, txt, sizeof(txt));
	if (fam == AF_INET6 && glibc_differs(b))
		CHECK(strchr(txt, '.') == NULL && strchr(g, '.') != NULL);
	else
		CHECK(strcmp(txt, g) == 0);
}

/* --- Addresses ----------------------------------------------------------- */

/* Format a with 'flags', parse it back, and format again. */
static void
roundtrip_addr(const struct ds_addr *a, unsigned flags)
{
	char t1[DS_ADDR_STRLEN], t2[DS_ADDR_STRLEN];
	struct ds_addr b;
	int n, r;

	n = ds_addr_format(a, flags, t1, sizeof(t1));
	CHECK(n > 0 && (size_t)n < sizeof(t1) && strlen(t1) == (size_t)n);
	r = ds_addr_parse(t1, (size_t)n, 0, &b, NULL);
	CHECK(r == 0);
	if (flags & DS_FMT_NO_ZONE) {
		CHECK(b.zone[0] == '\0');
		CHECK(b.family == a->family);
		CHECK(memcmp(b.u.bytes, a->u.bytes, 16) == 0);
	} else {
		CHECK(same_addr(a, &b));
	}
	CHECK(ds_addr_format(&b, flags, t2, sizeof(t2)) == n);
	CHECK(strcmp(t1, t2) == 0);
	if (flags & DS_FMT_EXPAND && a->family == AF_INET6)
		CHECK(strstr(t1, "::") == NULL);
	check_truncation(fmt_addr, a, flags, t1, n);
}

static void
check_addr_text(const struct ds_addr *a)
{
	char t[DS_ADDR_STRLEN];
	struct ds_addr b;
	int n;

	roundtrip_addr(a, 0);
	roundtrip_addr(a, DS_FMT_EXPAND);
	roundtrip_addr(a, DS_FMT_NO_ZONE);

	/* RFC 6874: "[v6]" with the zone as "%25zone"; IPv4 unchanged. */
	n = ds_addr_format(a, DS_FMT_URL, t, sizeof(t));
	CHECK(n > 0 && (size_t)n < sizeof(t));
	if (a->family == AF_INET6) {
		CHECK(t[0] == '[' && t[n - 1] == ']');
		if (a->zone[0] == '\0') {
			CHECK(ds_addr_parse(t, (size_t)n, DS_PARSE_BRACKETS, &b,
			          NULL) == 0);
			CHECK(same_addr(a, &b));
		} else {
			CHECK(strstr(t, "%25") != NULL);
		}
	} else {
		CHECK(t[0] != '[');
	}
}

/* Parse with 'flags'; on failure check the error and that *ret is intact. */
static int
parse_addr(const char *s, size_t len, unsigned flags, struct ds_addr *ret)
{
	size_t pos = (size_t)-1;
	int r;

	memset(ret, POISON, sizeof(*ret));
	r = ds_addr_parse(s, len, flags, ret, &pos);
	if (r == 0) {
		check_addr_value(ret);
		CHECK(passes(ret, flags));
	} else {
		check_error(r, pos, len);
		CHECK(all_bytes(ret, POISON, sizeof(*ret)));
	}
	return r;
}

static const unsigned restrict_flags[] = {
    DS_PARSE_V4_ONLY,
    DS_PARSE_V6_ONLY,
    DS_PARSE_NO_ZONE,
    DS_PARSE_STRICT,
    DS_PARSE_V6_ONLY | DS_PARSE_NO_ZONE,
};
#define N_RESTRICT (sizeof(restrict_flags) / sizeof(restrict_flags[0]))

static void
fuzz_addr(const char *s, size_t len)
{
	struct ds_addr a0, ab, x;
	int r0, rb;

	r0 = parse_addr(s, len, 0, &a0);
	if (r0 == 0)
		check_addr_text(&a0);
	check_glibc(s, len, r0, &a0);

	/* BRACKETS adds "[v6]" and changes nothing else. */
	rb = parse_addr(s, len, DS_PARSE_BRACKETS, &ab);
	if (len == 0 || s[0] != '[') {
		CHECK((rb == 0) == (r0 == 0));
		if (r0 == 0)
			CHECK(same_addr(&a0, &ab));
	} else {
		CHECK(r0 != 0);
		if (rb == 0) {
			CHECK(ab.family == AF_INET6);
			CHECK(len >= 2 && s[len - 1] == ']');
			CHECK(parse_addr(s + 1, len - 2, 0, &x) == 0);
			CHECK(same_addr(&ab, &x));
		} else if (len >= 2 && s[len - 1] == ']' &&
		    parse_addr(s + 1, len - 2, 0, &x) == 0) {
			/* "[192.0.2.1]" is refused (DS_E_BRACKET_V4). */
			CHECK(x.family == AF_INET);
		}
	}

	/* The restricting flags accept what passes them, nothing else. */
	for (size_t i = 0; i < N_RESTRICT; i++) {
		unsigned f = restrict_flags[i];

		for (int br = 0; br < 2; br++) {
			const struct ds_addr *base = br ? &ab : &a0;
			int rbase = br ? rb : r0;
			int r = parse_addr(
			    s, len, f | (br ? DS_PARSE_BRACKETS : 0), &x);

			CHECK((r == 0) == (rbase == 0 && passes(base, f)));
			if (r == 0)
				CHECK(same_addr(&x, base));
		}
	}
}

/* --- Prefixes ------------------------------------------------------------ */

static int
parse_prefix(const char *s, size_t len, unsigned flags, struct ds_prefix *ret)
{
	size_t pos = (size_t)-1;
	int r;

	memset(ret, POISON, sizeof(*ret));
	r = ds_prefix_parse(s, len, flags, ret, &pos);
	if (r == 0) {
		check_addr_value(&ret->addr);
		CHECK(ret->len <= ds_addr_bits(&ret->addr));
		CHECK(passes(&ret->addr, flags));
		if (flags & DS_PARSE_STRICT)
			CHECK(!has_host_bits(ret));
	} else {
		check_error(r, pos, len);
		CHECK(all_bytes(ret, POISON, sizeof(*ret)));
	}
	return r;
}

static void
roundtrip_prefix(const struct ds_prefix *p, unsigned flags)
{
	char t1[DS_PREFIX_STRLEN], t2[DS_PREFIX_STRLEN];
	struct ds_prefix q;
	int n;

	n = ds_prefix_format(p, flags, t1, sizeof(t1));
	CHECK(n > 0 && (size_t)n < sizeof(t1) && strlen(t1) == (size_t)n);
	CHECK(parse_prefix(t1, (size_t)n, 0, &q) == 0);
	CHECK(same_addr(&p->addr, &q.addr) && p->len == q.len);
	CHECK(ds_prefix_format(&q, flags, t2, sizeof(t2)) == n);
	CHECK(strcmp(t1, t2) == 0);
	check_truncation(fmt_prefix, p, flags, t1, n);
}

static void
fuzz_prefix(const char *s, size_t len)
{
	struct ds_prefix p0, x;
	struct ds_addr a;
	int r0;

	r0 = parse_prefix(s, len, 0, &p0);
	if (r0 == 0) {
		roundtrip_prefix(&p0, 0);
		roundtrip_prefix(&p0, DS_FMT_EXPAND);
	}

	/*
	 * "A bare address is a host prefix (/32 or /128)." The prefix
	 * parser takes "[2001:db8::]/32" as operators write it, so the bare
	 * address may be in brackets too.
	 */
	if (memchr(s, '/', len) == NULL) {
		int ra = parse_addr(s, len, DS_PARSE_BRACKETS, &a);

		CHECK((r0 == 0) == (ra == 0));
		if (r0 == 0) {
			CHECK(same_addr(&a, &p0.addr));
			CHECK(p0.len == ds_addr_bits(&a));
		}
	}

	/* Restricting flags; STRICT refuses host bits beyond the length. */
	for (size_t i = 0; i < N_RESTRICT; i++) {
		unsigned f = restrict_flags[i];
		int r = parse_prefix(s, len, f, &x);
		bool ok = r0 == 0 && passes(&p0.addr, f) &&
		    !((f & DS_PARSE_STRICT) && has_host_bits(&p0));

		CHECK((r == 0) == ok);
		if (r == 0)
			CHECK(same_addr(&x.addr, &p0.addr) && x.len == p0.len);
	}
}

/* --- Endpoints ----------------------------------------------------------- */

static int
parse_endpoint(
    const char *s, size_t len, unsigned flags, struct ds_endpoint *ret)
{
	size_t pos = (size_t)-1;
	int r;

	memset(ret, POISON, sizeof(*ret));
	r = ds_endpoint_parse(s, len, flags, ret, &pos);
	if (r == 0) {
		check_addr_value(&ret->addr);
		CHECK(passes(&ret->addr, flags));
	} else {
		check_error(r, pos, len);
		CHECK(all_bytes(ret, POISON, sizeof(*ret)));
	}
	return r;
}

static bool
same_endpoint(const struct ds_endpoint *a, const struct ds_endpoint *b)
{
	return same_addr(&a->addr, &b->addr) && a->port == b->port;
}

static void
roundtrip_endpoint(const struct ds_endpoint *ep, unsigned flags)
{
	char t1[DS_ENDPOINT_STRLEN], t2[DS_ENDPOINT_STRLEN];
	struct ds_endpoint e;
	int n;

	n = ds_endpoint_format(ep, flags, t1, sizeof(t1));
	CHECK(n > 0 && (size_t)n < sizeof(t1) && strlen(t1) == (size_t)n);
	/* RFC 5952 section 6: IPv6 in brackets, then the port. */
	CHECK((ep->addr.family == AF_INET6) == (t1[0] == '['));
	CHECK(parse_endpoint(t1, (size_t)n, 0, &e) == 0);
	CHECK(same_endpoint(ep, &e));
	CHECK(ds_endpoint_format(&e, flags, t2, sizeof(t2)) == n);
	CHECK(strcmp(t1, t2) == 0);
	check_truncation(fmt_endpoint, ep, flags, t1, n);
}

/*
 * Is this ":PORT", the any-address form? The header makes it "::"; with
 * DS_PARSE_V4_ONLY, 0.0.0.0 is as good an answer as a refusal.
 */
static bool
is_any_form(const char *s, size_t len)
{
	return len >= 1 && s[0] == ':' && (len == 1 || s[1] != ':');
}

/*
 * The restricting flags accept exactly the endpoints of the flagless
 * parse (r0, e0) that pass them.
 */
static void
check_restricted(
    const char *s, size_t len, unsigned f, int r0, const struct ds_endpoint *e0)
{
	struct ds_endpoint x;
	int r = parse_endpoint(s, len, f, &x);

	if (r == 0 && r0 == 0 && (f & DS_PARSE_V4_ONLY) &&
	    is_any_form(s, len)) {
		CHECK(all_bytes(x.addr.u.bytes, 0, 16) && x.port == e0->port);
		return;
	}
	CHECK((r == 0) == (r0 == 0 && passes(&e0->addr, f)));
	if (r == 0)
		CHECK(same_endpoint(&x, e0));
}

static void
fuzz_endpoint(const char *s, size_t len)
{
	struct ds_endpoint e0, eo;
	struct ds_addr a;
	int r0, ro, ra;

	r0 = parse_endpoint(s, len, 0, &e0);
	if (r0 == 0) {
		roundtrip_endpoint(&e0, 0);
		roundtrip_endpoint(&e0, DS_FMT_EXPAND);
	}

	/*
	 * PORT_OPTIONAL keeps every endpoint as it is and adds bare
	 * addresses, bracketed or not, with port 0.
	 */
	ro = parse_endpoint(s, len, DS_PARSE_PORT_OPTIONAL, &eo);
	ra = parse_addr(s, len, DS_PARSE_BRACKETS, &a);
	if (r0 == 0) {
		CHECK(ro == 0 && same_endpoint(&e0, &eo));
		/* Text cannot be both an address and address:port. */
		CHECK(ra != 0);
	} else {
		CHECK((ro == 0) == (ra == 0));
		if (ro == 0)
			CHECK(same_addr(&eo.addr, &a) && eo.port == 0);
	}
	if (ro == 0)
		roundtrip_endpoint(&eo, 0);

	for (size_t i = 0; i < N_RESTRICT; i++) {
		unsigned f = restrict_flags[i];

		check_restricted(s, len, f, r0, &e0);
		check_restricted(s, len, f | DS_PARSE_PORT_OPTIONAL, ro, &eo);
	}
}

/* --- Entry point --------------------------------------------------------- */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t len = size < MAX_INPUT ? size : MAX_INPUT;

	cur_data = data;
	cur_size = len;
	fuzz_addr(s, len);
	fuzz_prefix(s, len);
	fuzz_endpoint(s, len);
	return 0;
}
