/* SPDX-License-Identifier: MIT */
/*
 * ds_addr core: parsing and formatting of addresses, prefixes and endpoints,
 * and conversion to and from sockaddrs.
 *
 * The parsers are hand-written scanners rather than inet_pton wrappers for
 * three reasons: they must say which character is wrong and why; they take
 * (pointer, length) text, as it sits in a line buffer; and they sit in the
 * inner loop of the CLI's filter mode, where a table lookup per character
 * beats the strchr() glibc does per hex digit.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>

#include "addr-int.h"

const char ds__hexdigits[16] = "0123456789abcdef";

/* clang-format off */
const int8_t ds__hexval[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, -1, -1, -1, -1, -1, -1,
	-1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};
/* clang-format on */

int
ds__output(const char *tmp, size_t len, char *buf, size_t size)
{
	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(buf, tmp, n);
		buf[n] = '\0';
	}
	return (int)len;
}

unsigned
ds_addr_bits(const struct ds_addr *a)
{
	return a->family == AF_INET ? 32 : a->family == AF_INET6 ? 128 : 0;
}

/* Report error 'err' at offset 'pos' and return it negated. */
static int
fail(int err, size_t pos, size_t *errpos)
{
	if (errpos)
		*errpos = pos;
	return -err;
}

static inline bool
is_digit(char c)
{
	return (unsigned)(c - '0') < 10;
}

/* --- IPv4 ---------------------------------------------------------------- */

/*
 * Parse exactly four decimal octets from s[*pos] to s[len]. Leading zeros
 * are refused: inet_aton() and many URL parsers read "010" as octal 8, while
 * inet_pton() reads decimal 10 -- or refuses it, depending on the libc --
 * so such text means different things to different programs (CVE-2021-29921
 * is one outcome). Offsets in errors are relative to s.
 */
static int
parse_v4(const char *s, size_t len, size_t pos, uint8_t out[4], size_t *errpos)
{
	for (unsigned n = 0; n < 4; n++) {
		size_t start = pos;
		unsigned v = 0;

		if (n > 0) {
			if (pos == len)
				return fail(DS_E_V4_FEW_OCTETS, pos, errpos);
			if (s[pos] != '.')
				return fail(DS_E_BAD_CHAR, pos, errpos);
			start = ++pos;
		}
		while (pos < len && is_digit(s[pos])) {
			if (pos - start == 3)
				return fail(DS_E_V4_OCTET_RANGE, start, errpos);
			v = v * 10 + (unsigned)(s[pos] - '0');
			pos++;
		}
		if (pos == start) {
			if (pos == len || s[pos] == '.')
				return fail(DS_E_V4_EMPTY_OCTET, pos, errpos);
			return fail(DS_E_BAD_CHAR, pos, errpos);
		}
		if (v > 255)
			return fail(DS_E_V4_OCTET_RANGE, start, errpos);
		if (s[start] == '0' && pos - start > 1)
			return fail(DS_E_V4_LEADING_ZERO, start, errpos);
		out[n] = (uint8_t)v;
	}
	if (pos < len)
		return fail(s[pos] == '.' ? DS_E_V4_MANY_OCTETS : DS_E_BAD_CHAR,
		    pos, errpos);
	return 0;
}

/* --- IPv6 ---------------------------------------------------------------- */

/*
 * Parse every text form of RFC 4291 section 2.2 from s[0] to s[len]: eight
 * groups of 1-4 hex digits, one "::" standing for one or more zero groups,
 * and dotted IPv4 as the last 32 bits.
 */
static int
parse_v6(const char *s, size_t len, uint8_t out[16], size_t *errpos)
{
	uint16_t g[8];
	unsigned ng = 0;
	int dc = -1; /* index in g[] where "::" stands */
	size_t dcpos = 0, i = 0;

	if (len >= 1 && s[0] == ':') {
		if (len < 2 || s[1] != ':')
			return fail(DS_E_V6_LONE_COLON, 0, errpos);
		dc = 0;
		i = 2;
		if (i == len)
			goto done;
	}
	for (;;) {
		size_t start = i;
		unsigned v = 0;
		int d;

		while (i < len && (d = ds__hexval[(unsigned char)s[i]]) >= 0) {
			if (i - start == 4)
				return fail(DS_E_V6_GROUP_LONG, start, errpos);
			v = v << 4 | (unsigned)d;
			i++;
		}
		if (i < len && s[i] == '.') {
			/* Dotted IPv4 fills the last two groups (section
			 * 2.2, form 3), so nothing may follow it. */
			uint8_t v4[4];
			int r;

			if (ng > 6 || (dc < 0 && ng != 6))
				return fail(DS_E_V6_V4_POSITION, start, errpos);
			r = parse_v4(s, len, start, v4, errpos);
			if (r < 0)
				return r;
			g[ng++] = (uint16_t)(v4[0] << 8 | v4[1]);
			g[ng++] = (uint16_t)(v4[2] << 8 | v4[3]);
			break;
		}
		if (i == start) {
			if (i == len)
				return fail(DS_E_V6_LONE_COLON, i - 1, errpos);
			if (s[i] == ':')
				return fail(DS_E_V6_EMPTY_GROUP, i, errpos);
			return fail(DS_E_BAD_CHAR, i, errpos);
		}
		if (ng == 8)
			return fail(DS_E_V6_MANY_GROUPS, start, errpos);
		g[ng++] = (uint16_t)v;
		if (i == len)
			break;
		if (s[i] != ':')
			return fail(DS_E_BAD_CHAR, i, errpos);
		i++;
		if (i < len && s[i] == ':') {
			if (dc >= 0)
				return fail(
				    DS_E_V6_DOUBLE_COLON, i - 1, errpos);
			dc = (int)ng;
			dcpos = i - 1;
			i++;
			if (i == len)
				break;
		} else if (i == len) {
			return fail(DS_E_V6_LONE_COLON, i - 1, errpos);
		}
	}
done:
	if (dc < 0) {
		if (ng != 8)
			return fail(DS_E_V6_FEW_GROUPS, len, errpos);
	} else if (ng > 7) {
		/* "::" must stand for at least one group (section 2.2). */
		return fail(DS_E_V6_MANY_GROUPS, dcpos, errpos);
	}

	/* Groups before "::" go first, those after it go last. */
	memset(out, 0, 16);
	unsigned head = dc < 0 ? ng : (unsigned)dc;
	unsigned tail = ng - head;

	for (unsigned k = 0; k < head; k++) {
		out[2 * k] = (uint8_t)(g[k] >> 8);
		out[2 * k + 1] = (uint8_t)g[k];
	}
	for (unsigned k = 0; k < tail; k++) {
		unsigned at = 8 - tail + k;

		out[2 * at] = (uint8_t)(g[head + k] >> 8);
		out[2 * at + 1] = (uint8_t)g[head + k];
	}
	return 0;
}

/*
 * Zone IDs: RFC 4007 section 11.2 leaves their syntax to the system. We take
 * the unreserved characters of RFC 3986 (as RFC 6874 does for URIs), which
 * covers Linux interface names in practice (eth0, enp3s0, br-lan, eth0.100,
 * veth_a) and excludes everything that would be ambiguous next to an
 * address, a port or a prefix length.
 */
static inline bool
is_zone_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int
parse_zone(
    const char *s, size_t len, size_t pos, struct ds_addr *a, size_t *errpos)
{
	size_t zlen = len - pos;
	uint64_t num = 0;
	bool numeric = true;

	if (zlen == 0)
		return fail(DS_E_ZONE_EMPTY, pos, errpos);
	if (zlen >= DS_ZONE_MAX)
		return fail(DS_E_ZONE_LONG, pos, errpos);
	for (size_t i = pos; i < len; i++) {
		if (!is_zone_char(s[i]))
			return fail(DS_E_ZONE_CHAR, i, errpos);
		if (is_digit(s[i]))
			num = num * 10 + (unsigned)(s[i] - '0');
		else
			numeric = false;
	}
	memcpy(a->zone, s + pos, zlen);
	a->zone[zlen] = '\0';
	/* A numeric zone is an interface index (RFC 4007 section 11.2). */
	if (numeric && num <= UINT32_MAX)
		a->scope_id = (uint32_t)num;
	return 0;
}

int
ds_addr_parse(const char *s, size_t len, unsigned flags, struct ds_addr *ret,
    size_t *errpos)
{
	struct ds_addr a = {0};
	size_t off = 0, end, pct;
	bool v6 = false;
	int r;

	if (len == 0)
		return fail(DS_E_EMPTY, 0, errpos);
	if ((flags & DS_PARSE_BRACKETS) && s[0] == '[') {
		if (s[len - 1] != ']')
			return fail(DS_E_BRACKET, len, errpos);
		off = 1;
		len--;
		if (len == off)
			return fail(DS_E_EMPTY, off, errpos);
	}
	/* The family shows in the first character that is not a hex
	 * digit: '.' for IPv4, anything else (':' normally) for IPv6. */
	for (pct = off; pct < len; pct++) {
		if (s[pct] == '%')
			break;
		if (s[pct] == ':')
			v6 = true;
	}
	end = pct;

	if (v6) {
		r = parse_v6(s + off, end - off, a.u.bytes, errpos);
		if (r < 0) {
			if (errpos)
				*errpos += off;
			return r;
		}
		a.family = AF_INET6;
	} else {
		/* No ':' at all: dotted IPv4 or nothing valid. */
		r = parse_v4(s, end, off, a.u.bytes, errpos);
		if (r < 0) {
			/* Hex letters and no dots: an IPv6 group without
			 * its colons, say so rather than blame octets. */
			if (r == -DS_E_BAD_CHAR && errpos &&
			    ds__hexval[(unsigned char)s[*errpos]] >= 0)
				return fail(DS_E_V6_FEW_GROUPS, end, errpos);
			return r;
		}
		a.family = AF_INET;
		if (off)
			return fail(DS_E_BRACKET_V4, 0, errpos);
	}

	if ((flags & DS_PARSE_V4_ONLY) && a.family != AF_INET)
		return fail(DS_E_FAMILY, off, errpos);
	if ((flags & DS_PARSE_V6_ONLY) && a.family != AF_INET6)
		return fail(DS_E_FAMILY, off, errpos);

	if (pct < len) {
		if (flags & DS_PARSE_NO_ZONE)
			return fail(DS_E_ZONE_NOT_ALLOWED, pct, errpos);
		if (a.family == AF_INET)
			return fail(DS_E_ZONE_V4, pct, errpos);
		r = parse_zone(s, len, pct + 1, &a, errpos);
		if (r < 0)
			return r;
	}
	*ret = a;
	return 0;
}

/* --- Prefixes ------------------------------------------------------------ */

/*
 * For text that starts with '[': set *ret_rb to the offset of the ']',
 * which must end the text or be followed by 'next' ('/' or ':').
 */
static int
close_bracket(
    const char *s, size_t len, char next, size_t *ret_rb, size_t *errpos)
{
	const char *rb = memchr(s, ']', len);
	size_t after;

	if (!rb)
		return fail(DS_E_BRACKET, len, errpos);
	after = (size_t)(rb - s) + 1;
	if (after < len && s[after] != next)
		return fail(DS_E_TRAILING, after, errpos);
	*ret_rb = after - 1;
	return 0;
}

/* A decimal number without leading zeros, at most 'max'. */
static int
parse_len(const char *s, size_t len, size_t pos, unsigned max, unsigned *ret,
    size_t *errpos)
{
	unsigned v = 0;

	if (pos == len)
		return fail(DS_E_PREFIX_MISSING, pos, errpos);
	for (size_t i = pos; i < len; i++) {
		if (!is_digit(s[i]))
			return fail(DS_E_PREFIX_SYNTAX, i, errpos);
		if (i - pos == 3)
			return fail(DS_E_PREFIX_RANGE, pos, errpos);
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (s[pos] == '0' && len - pos > 1)
		return fail(DS_E_PREFIX_SYNTAX, pos, errpos);
	if (v > max)
		return fail(DS_E_PREFIX_RANGE, pos, errpos);
	*ret = v;
	return 0;
}

/* An IPv4 netmask "255.255.255.0": contiguous ones, then zeros. */
static int
parse_netmask(
    const char *s, size_t len, size_t pos, unsigned *ret, size_t *errpos)
{
	uint8_t m[4];
	uint32_t v;
	unsigned n;
	int r;

	r = parse_v4(s, len, pos, m, errpos);
	if (r < 0)
		return r;
	v = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 |
	    m[3];
	/* n = the number of leading ones; all bits after them must be 0. */
	n = v == 0xffffffffu ? 32 : (unsigned)__builtin_clz(~v);
	if (n < 32 && (v << n) != 0)
		return fail(DS_E_PREFIX_MASK, pos, errpos);
	*ret = n;
	return 0;
}

/* Does the address have any bit set from 'len' on? */
static bool
has_host_bits(const struct ds_addr *a, unsigned len)
{
	unsigned bits = ds_addr_bits(a);

	for (unsigned i = len; i < bits; i++) {
		if ((i & 7) == 0 && i + 8 <= bits) {
			if (a->u.bytes[i >> 3])
				return true;
			i += 7;
			continue;
		}
		if (ds__bit(a->u.bytes, i))
			return true;
	}
	return false;
}

int
ds_prefix_parse(const char *s, size_t len, unsigned flags,
    struct ds_prefix *ret, size_t *errpos)
{
	struct ds_prefix p = {0};
	size_t slash, alen;
	int r;

	if (len == 0)
		return fail(DS_E_EMPTY, 0, errpos);
	/* "[2001:db8::]/32": operators write brackets here too. */
	if (s[0] == '[') {
		r = close_bracket(s, len, '/', &slash, errpos);
		if (r < 0)
			return r;
		slash++;
	} else {
		const char *sl = memchr(s, '/', len);

		slash = sl ? (size_t)(sl - s) : len;
	}
	alen = slash;
	r = ds_addr_parse(s, alen, flags | DS_PARSE_BRACKETS, &p.addr, errpos);
	if (r < 0)
		return r;

	if (slash == len) {
		p.len = ds_addr_bits(&p.addr);
	} else if (p.addr.family == AF_INET &&
	    memchr(s + slash + 1, '.', len - slash - 1)) {
		r = parse_netmask(s, len, slash + 1, &p.len, errpos);
	} else {
		r = parse_len(
		    s, len, slash + 1, ds_addr_bits(&p.addr), &p.len, errpos);
	}
	if (r < 0)
		return r;
	if ((flags & DS_PARSE_STRICT) && has_host_bits(&p.addr, p.len))
		return fail(DS_E_PREFIX_HOST_BITS, slash, errpos);
	*ret = p;
	return 0;
}

/* --- Endpoints ----------------------------------------------------------- */

static int
parse_port(const char *s, size_t len, size_t pos, uint16_t *ret, size_t *errpos)
{
	unsigned v = 0;

	if (pos == len)
		return fail(DS_E_PORT_MISSING, pos, errpos);
	for (size_t i = pos; i < len; i++) {
		if (!is_digit(s[i]))
			return fail(DS_E_PORT_SYNTAX, i, errpos);
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > 65535)
			return fail(DS_E_PORT_RANGE, pos, errpos);
	}
	*ret = (uint16_t)v;
	return 0;
}

/*
 * Split "HOST:PORT": the host ends at "]" for a bracketed IPv6 address,
 * else at the only ':'. Sets *hs and *he to the host text (without the
 * brackets) and *colon to the offset of the ':' before the port, or len if
 * there is no port. Returns 1 for an unbracketed IPv6 address (two colons or
 * more, so no port can be told apart), 0 otherwise, or a negative error.
 */
static int
split_hostport(const char *s, size_t len, size_t *hs, size_t *he, size_t *colon,
    size_t *errpos)
{
	if (len == 0)
		return fail(DS_E_EMPTY, 0, errpos);
	if (s[0] == '[') {
		int r = close_bracket(s, len, ':', he, errpos);

		if (r < 0)
			return r;
		*hs = 1;
		*colon = *he + 1;
		return 0;
	}
	const char *c = memchr(s, ':', len);
	size_t first = c ? (size_t)(c - s) : len;

	if (c && memchr(c + 1, ':', len - first - 1)) {
		/* Two or more colons and no brackets: an IPv6 address. */
		*hs = 0;
		*he = len;
		*colon = len;
		return 1;
	}
	if (memchr(s, ']', len))
		return fail(DS_E_BRACKET,
		    (size_t)((const char *)memchr(s, ']', len) - s), errpos);
	*hs = 0;
	*he = first;
	*colon = first;
	return 0;
}

int
ds_endpoint_parse(const char *s, size_t len, unsigned flags,
    struct ds_endpoint *ret, size_t *errpos)
{
	struct ds_endpoint ep = {0};
	size_t hs, he, colon;
	int r, bare6;

	bare6 = split_hostport(s, len, &hs, &he, &colon, errpos);
	if (bare6 < 0)
		return bare6;
	if (hs == 0 && he == 0) {
		/* ":80" -- any address: "::", so that a dual-stack listener
		 * can take both families, or 0.0.0.0 where only IPv4 is. */
		ep.addr.family =
		    (flags & DS_PARSE_V4_ONLY) ? AF_INET : AF_INET6;
	} else {
		r = ds_addr_parse(s + hs, he - hs, flags & ~DS_PARSE_BRACKETS,
		    &ep.addr, errpos);
		if (r < 0) {
			if (errpos)
				*errpos += hs;
			return r;
		}
		if (hs == 1 && ep.addr.family == AF_INET)
			return fail(DS_E_BRACKET_V4, 0, errpos);
	}
	if (bare6 || colon == len) {
		if (!(flags & DS_PARSE_PORT_OPTIONAL))
			return fail(
			    bare6 ? DS_E_V6_NEEDS_BRACKETS : DS_E_PORT_MISSING,
			    len, errpos);
	} else {
		r = parse_port(s, len, colon + 1, &ep.port, errpos);
		if (r < 0)
			return r;
	}
	*ret = ep;
	return 0;
}

int
ds_hostport_split(const char *s, size_t len, const char **ret_host,
    size_t *ret_hostlen, uint16_t *ret_port, size_t *errpos)
{
	size_t hs, he, colon;
	uint16_t port;
	int r;

	r = split_hostport(s, len, &hs, &he, &colon, errpos);
	if (r < 0)
		return r;
	if (r > 0)
		return fail(DS_E_V6_NEEDS_BRACKETS, len, errpos);
	if (colon == len)
		return fail(DS_E_PORT_MISSING, len, errpos);
	r = parse_port(s, len, colon + 1, &port, errpos);
	if (r < 0)
		return r;
	*ret_host = s + hs;
	*ret_hostlen = he - hs;
	*ret_port = port;
	return 0;
}

/* --- Formatting ---------------------------------------------------------- */

/*
 * The formatters below write every address of every packet dissect shows,
 * so they work from tables rather than divisions and digit loops: each
 * octet's decimal and each octet's hex digits are copied, not computed.
 * tests/unit/test-addr-glibc.c holds them to glibc's inet_ntop() on a
 * million random addresses biased towards zero runs and embedded IPv4.
 */

/*
 * 0 to 255 in decimal, four octets each: the digits, spaces up to three,
 * and how many digits there are ("7  1", "42 2", "255 3").
 */
static const char dec4[] =
    "0  11  12  13  14  15  16  17  18  19  110 211 212 213 214 215 2"
    "16 217 218 219 220 221 222 223 224 225 226 227 228 229 230 231 2"
    "32 233 234 235 236 237 238 239 240 241 242 243 244 245 246 247 2"
    "48 249 250 251 252 253 254 255 256 257 258 259 260 261 262 263 2"
    "64 265 266 267 268 269 270 271 272 273 274 275 276 277 278 279 2"
    "80 281 282 283 284 285 286 287 288 289 290 291 292 293 294 295 2"
    "96 297 298 299 2100310131023103310431053106310731083109311031113"
    "1123113311431153116311731183119312031213122312331243125312631273"
    "1283129313031313132313331343135313631373138313931403141314231433"
    "1443145314631473148314931503151315231533154315531563157315831593"
    "1603161316231633164316531663167316831693170317131723173317431753"
    "1763177317831793180318131823183318431853186318731883189319031913"
    "1923193319431953196319731983199320032013202320332043205320632073"
    "2083209321032113212321332143215321632173218321932203221322232233"
    "2243225322632273228322932303231323232333234323532363237323832393"
    "2403241324232433244324532463247324832493250325132523253325432553";

/* "00" to "ff": an octet's two hex digits. */
static const char hex2[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

/*
 * Decimal octet, 1-3 digits. Returns the new end. Writes four octets
 * whatever the length, so p needs room for four.
 */
static inline char *
put_dec8(char *p, unsigned v)
{
	memcpy(p, dec4 + 4 * v, 4);
	return p + (dec4[4 * v + 3] - '0');
}

static char *
put_v4(char *p, const uint8_t *b)
{
	p = put_dec8(p, b[0]);
	*p++ = '.';
	p = put_dec8(p, b[1]);
	*p++ = '.';
	p = put_dec8(p, b[2]);
	*p++ = '.';
	return put_dec8(p, b[3]);
}

/*
 * Internal: no mixed notation. A prefix such as ::ffff:0:0/96 names the
 * block, not an IPv4 address, and is written in hex as the registries
 * write it; mixed notation is kept for prefixes longer than /96, which
 * reach into the embedded IPv4 bits.
 */
#define FMT_NO_MIXED (1u << 15)

/* A group, octets hi and lo, in hex without leading zeros (RFC 5952
 * section 4.1). */
static inline char *
put_hex16(char *p, unsigned hi, unsigned lo)
{
	if (hi) {
		if (hi >= 0x10) {
			memcpy(p, hex2 + 2 * hi, 2);
			p += 2;
		} else {
			*p++ = ds__hexdigits[hi];
		}
		memcpy(p, hex2 + 2 * lo, 2);
		return p + 2;
	}
	if (lo >= 0x10) {
		memcpy(p, hex2 + 2 * lo, 2);
		return p + 2;
	}
	*p++ = ds__hexdigits[lo];
	return p;
}

static char *
put_v6(char *p, const uint8_t *b, unsigned flags)
{
	unsigned zero = 0, run, starts, best, k;

	/* Group k is octets 2k and 2k+1; bit k of 'zero' says it is 0. A
	 * group is read as one 16-bit word, in whichever byte order: only
	 * its being 0 counts. */
	for (k = 0; k < 8; k++) {
		uint16_t w;

		memcpy(&w, b + 2 * k, 2);
		zero |= (unsigned)(w == 0) << k;
	}

	if (flags & DS_FMT_EXPAND) {
		for (k = 0; k < 8; k++) {
			if (k)
				*p++ = ':';
			memcpy(p, hex2 + 2 * b[2 * k], 2);
			memcpy(p + 2, hex2 + 2 * b[2 * k + 1], 2);
			p += 4;
		}
		return p;
	}

	/* RFC 5952 section 5: IPv4-mapped addresses in mixed notation:
	 * groups 0-4 zero, group 5 ffff. */
	if (!(flags & FMT_NO_MIXED) && (zero & 0x3f) == 0x1f && b[10] == 0xff &&
	    b[11] == 0xff) {
		memcpy(p, "::ffff:", 7);
		return put_v4(p + 7, b + 12);
	}

	/*
	 * Section 4.2: the longest run of zero groups becomes "::"; the
	 * first one when runs tie (4.2.3); never a single group (4.2.2).
	 * Bit k of 'zero' is group k; each "starts &= starts >> 1" keeps the
	 * groups that begin a run one longer, so the last non-empty set
	 * holds the starts of the longest runs and the lowest is the first.
	 */
	if (!(zero & zero >> 1)) {
		for (k = 0; k < 8; k++) {
			p = put_hex16(p, b[2 * k], b[2 * k + 1]);
			*p++ = ':';
		}
		return p - 1;
	}
	run = 0;
	best = starts = zero;
	while (starts) {
		best = starts;
		run++;
		starts &= starts >> 1;
	}
	best = (unsigned)__builtin_ctz(best);

	/* "a:b:" then ":" makes "a:b::"; no group before it makes "::". */
	for (k = 0; k < best; k++) {
		p = put_hex16(p, b[2 * k], b[2 * k + 1]);
		*p++ = ':';
	}
	if (best == 0)
		*p++ = ':';
	*p++ = ':';
	if (best + run == 8)
		return p;
	for (k = best + run; k < 8; k++) {
		p = put_hex16(p, b[2 * k], b[2 * k + 1]);
		*p++ = ':';
	}
	return p - 1;
}

/* Write the address (with zone, per flags) to p; return the new end. */
static char *
put_addr(char *p, const struct ds_addr *a, unsigned flags)
{
	if (a->family == AF_INET)
		return put_v4(p, a->u.bytes);
	p = put_v6(p, a->u.bytes, flags);
	if (a->zone[0] && !(flags & DS_FMT_NO_ZONE)) {
		size_t zl = strnlen(a->zone, DS_ZONE_MAX - 1);

		/* In a URI the '%' itself is percent-encoded (RFC 6874). */
		if (flags & DS_FMT_URL) {
			memcpy(p, "%25", 3);
			p += 3;
		} else {
			*p++ = '%';
		}
		memcpy(p, a->zone, zl);
		p += zl;
	}
	return p;
}

/* ds_addr_format() into a buffer that may be short, or in brackets; out
 * of line, so that the common case needs no stack frame for tmp. */
static __attribute__((noinline)) int
addr_format_slow(
    const struct ds_addr *a, unsigned flags, char *buf, size_t size)
{
	char tmp[DS_ENDPOINT_STRLEN], *p = tmp;

	if ((flags & DS_FMT_URL) && a->family == AF_INET6)
		*p++ = '[';
	p = put_addr(p, a, flags);
	if ((flags & DS_FMT_URL) && a->family == AF_INET6)
		*p++ = ']';
	return ds__output(tmp, (size_t)(p - tmp), buf, size);
}

int
ds_addr_format(const struct ds_addr *a, unsigned flags, char *buf, size_t size)
{
	char *p;

	if (a->family != AF_INET && a->family != AF_INET6)
		return -EAFNOSUPPORT;
	/* A buffer that holds the longest form (addr.h) is written in place:
	 * dissect formats every address of every packet, and the copy
	 * through a local was a fifth of the formatting (and the local's
	 * stack guard a tenth of the rest). */
	if (!(flags & DS_FMT_URL) && size >= DS_ADDR_STRLEN) {
		p = put_addr(buf, a, flags);
		*p = '\0';
		return (int)(p - buf);
	}
	return addr_format_slow(a, flags, buf, size);
}

int
ds_prefix_format(
    const struct ds_prefix *pf, unsigned flags, char *buf, size_t size)
{
	char tmp[DS_ENDPOINT_STRLEN], *p = tmp;

	if (pf->addr.family != AF_INET && pf->addr.family != AF_INET6)
		return -EAFNOSUPPORT;
	flags &= ~DS_FMT_URL;
	if (pf->len <= 96)
		flags |= FMT_NO_MIXED;
	p = put_addr(p, &pf->addr, flags);
	*p++ = '/';
	p = put_dec8(p, pf->len > 128 ? 128 : pf->len);
	return ds__output(tmp, (size_t)(p - tmp), buf, size);
}

int
ds_endpoint_format(
    const struct ds_endpoint *ep, unsigned flags, char *buf, size_t size)
{
	char tmp[DS_ENDPOINT_STRLEN], *p = tmp;
	bool v6 = ep->addr.family == AF_INET6;

	if (!v6 && ep->addr.family != AF_INET)
		return -EAFNOSUPPORT;
	/* RFC 5952 section 6: "[2001:db8::1]:80". The zone keeps its plain
	 * '%' here, as ssh and nc print it; "%25" is for URIs only. */
	if (v6)
		*p++ = '[';
	p = put_addr(p, &ep->addr, flags & ~DS_FMT_URL);
	if (v6)
		*p++ = ']';
	*p++ = ':';
	p += snprintf(p, 6, "%u", (unsigned)ep->port);
	return ds__output(tmp, (size_t)(p - tmp), buf, size);
}

const char *
ds_endpoint_text(
    const struct ds_endpoint *ep, const char *none, char *buf, size_t size)
{
	int n;

	if (!ep || ep->addr.family == 0 || !buf || size == 0)
		return none;
	n = ds_endpoint_format(ep, 0, buf, size);
	if (n < 0 || (size_t)n >= size)
		return none;
	return buf;
}

/* --- Mapping and sockaddrs ----------------------------------------------- */

static const uint8_t mapped_prefix[12] = {
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0xff,
    0xff,
};

bool
ds_addr_unmap(const struct ds_addr *a, struct ds_addr *ret)
{
	if (a->family == AF_INET6 &&
	    memcmp(a->u.bytes, mapped_prefix, 12) == 0) {
		struct ds_addr v4 = {.family = AF_INET};

		memcpy(v4.u.bytes, a->u.bytes + 12, 4);
		*ret = v4;
		return true;
	}
	if (ret != a)
		*ret = *a;
	return false;
}

int
ds_addr_map(const struct ds_addr *a, struct ds_addr *ret)
{
	struct ds_addr m = {.family = AF_INET6};

	if (a->family != AF_INET)
		return -EAFNOSUPPORT;
	memcpy(m.u.bytes, mapped_prefix, 12);
	memcpy(m.u.bytes + 12, a->u.bytes, 4);
	*ret = m;
	return 0;
}

int
ds_endpoint_from_sockaddr(
    const struct sockaddr *sa, socklen_t len, struct ds_endpoint *ret)
{
	struct ds_endpoint ep = {0};

	if (len < (socklen_t)sizeof(sa_family_t))
		return -EINVAL;
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in sin;

		if (len < (socklen_t)sizeof(sin))
			return -EINVAL;
		memcpy(&sin, sa, sizeof(sin));
		ep.addr.family = AF_INET;
		ep.addr.u.in = sin.sin_addr;
		ep.port = ntohs(sin.sin_port);
	} else if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 sin6;

		if (len < (socklen_t)sizeof(sin6))
			return -EINVAL;
		memcpy(&sin6, sa, sizeof(sin6));
		ep.addr.family = AF_INET6;
		ep.addr.u.in6 = sin6.sin6_addr;
		ep.port = ntohs(sin6.sin6_port);
		ep.addr.scope_id = sin6.sin6_scope_id;
		if (sin6.sin6_scope_id)
			snprintf(ep.addr.zone, sizeof(ep.addr.zone), "%u",
			    (unsigned)sin6.sin6_scope_id);
	} else {
		return -EAFNOSUPPORT;
	}
	*ret = ep;
	return 0;
}

int
ds_addr_zone_index(const struct ds_addr *a, uint32_t *ret_index)
{
	unsigned idx;

	if (a->family != AF_INET6 || a->scope_id != 0 || a->zone[0] == '\0') {
		*ret_index = a->family == AF_INET6 ? a->scope_id : 0;
		return 0;
	}
	idx = if_nametoindex(a->zone);
	if (idx == 0)
		return -DS_E_ZONE_UNKNOWN;
	*ret_index = idx;
	return 0;
}

int
ds_ifname_index(const char *name, uint32_t *ret_index)
{
	char text[4 + DS_ZONE_MAX];
	struct ds_addr a;
	int n, r;

	/*
	 * An interface name is a zone (RFC 4007 section 11): parse it as
	 * one, so that one parser says which names are valid and one
	 * function, ds_addr_zone_index(), turns them into indexes.
	 */
	n = snprintf(text, sizeof(text), "::%%%s", name);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -DS_E_ZONE_LONG;
	r = ds_addr_parse(text, (size_t)n, 0, &a, NULL);
	if (r < 0)
		return r;
	return ds_addr_zone_index(&a, ret_index);
}

int
ds_endpoint_to_sockaddr(const struct ds_endpoint *ep,
    struct sockaddr_storage *ss, socklen_t *ret_len)
{
	uint32_t scope;
	int r;

	memset(ss, 0, sizeof(*ss));
	if (ep->addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(ep->port);
		sin->sin_addr = ep->addr.u.in;
		*ret_len = sizeof(*sin);
	} else if (ep->addr.family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(ep->port);
		sin6->sin6_addr = ep->addr.u.in6;
		r = ds_addr_zone_index(&ep->addr, &scope);
		if (r < 0)
			return r;
		sin6->sin6_scope_id = scope;
		*ret_len = sizeof(*sin6);
	} else {
		return -EAFNOSUPPORT;
	}
	return 0;
}

/* --- Tuples -------------------------------------------------------------- */

const char *
ds_family_used_name(enum ds_family_used f)
{
	switch (f) {
	case DS_FAMILY_V4:
		return "v4";
	case DS_FAMILY_V4_MAPPED:
		return "v4-mapped";
	case DS_FAMILY_V6:
		return "v6";
	}
	return "unknown";
}

static const char *
protocol_name(unsigned protocol)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_UDPLITE:
		return "udplite";
	}
	/* A number could outgrow DS_TUPLE_STRLEN; these are all we open. */
	return "ip";
}

int
ds_tuple_format(const struct ds_tuple *t, char *buf, size_t size)
{
	char src[DS_ENDPOINT_STRLEN], dst[DS_ENDPOINT_STRLEN];

	if (ds_endpoint_format(&t->src, 0, src, sizeof(src)) < 0 ||
	    ds_endpoint_format(&t->dst, 0, dst, sizeof(dst)) < 0) {
		if (size > 0)
			buf[0] = '\0';
		return -EAFNOSUPPORT;
	}
	return snprintf(buf, size, "%s %s -> %s %s", protocol_name(t->protocol),
	    src, dst, ds_family_used_name(t->family));
}
