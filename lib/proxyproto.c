/* SPDX-License-Identifier: MIT */
/*
 * The HAProxy PROXY protocol, versions 1 and 2 (haproxy's
 * doc/proxy-protocol.txt): a strict parser that also tells a reader on a
 * stream when to wait for more bytes, and the two formatters.
 *
 * Pure: no I/O, no allocation. Every read of the input is checked against
 * len first, the binary header's through the library's cursor (cur.h);
 * nothing is laid over the wire bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cur.h"
#include "dualstack/addr.h"
#include "dualstack/proxyproto.h"

#define V1_SIG "PROXY "
#define V1_SIG_LEN 6

/* The v1 fields after "PROXY TCPx ": src, dst, sport, dport. */
#define V1_FIELDS 4

/* Decimal digits of the largest port, 65535. */
#define PORT_DIGITS 5

static int
fail(size_t *errpos, size_t pos, int err)
{
	if (errpos)
		*errpos = pos;
	return err;
}

static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static bool
is_hex(uint8_t c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* --- Version 1 ------------------------------------------------------------ */

/* The protocol names of section 2.1. */
enum v1_proto { V1_TCP4, V1_TCP6, V1_UNKNOWN };

static const char *const v1_protos[] = {
    [V1_TCP4] = "TCP4",
    [V1_TCP6] = "TCP6",
    [V1_UNKNOWN] = "UNKNOWN",
};

/*
 * The protocol token at b[start..end): its index when it is one of the
 * names exactly, else -1. With partial, a token that is a prefix of a
 * name (it may still grow) gives that name's index too.
 */
static int
v1_proto_find(const uint8_t *b, size_t start, size_t end, bool partial)
{
	size_t n = end - start;

	for (int i = 0; i < 3; i++) {
		size_t l = strlen(v1_protos[i]);

		if ((n == l || (partial && n < l)) &&
		    memcmp(b + start, v1_protos[i], n) == 0)
			return i;
	}
	return -1;
}

/*
 * A port (section 2.1): decimal 0-65535, no leading zero ("0" alone is
 * port 0). -EINVAL with *pos at the offending digit.
 */
static int
v1_port(const uint8_t *b, size_t start, size_t end, uint16_t *ret, size_t *pos)
{
	uint32_t v = 0;

	if (end - start > 1 && b[start] == '0')
		return fail(pos, start, -EINVAL);
	for (size_t i = start; i < end; i++) {
		if (!is_digit(b[i]) || i - start >= PORT_DIGITS)
			return fail(pos, i, -EINVAL);
		v = v * 10 + (uint32_t)(b[i] - '0');
	}
	if (v > UINT16_MAX)
		return fail(pos, start, -EINVAL);
	*ret = (uint16_t)v;
	return 0;
}

/*
 * One whole line b[0..n), without its CRLF, starting with "PROXY ".
 * Fields are separated by exactly one space (section 2.1); the addresses
 * are of the protocol's family; UNKNOWN takes anything after it.
 */
static int
v1_line(const uint8_t *b, size_t n, struct ds_proxyproto_hdr *h, size_t *pos)
{
	size_t start[V1_FIELDS], end[V1_FIELDS], i = V1_SIG_LEN, ep;
	unsigned flags = DS_PARSE_NO_ZONE;
	int proto, r;

	while (i < n && b[i] != ' ')
		i++;
	proto = v1_proto_find(b, V1_SIG_LEN, i, false);
	if (proto < 0)
		return fail(pos, V1_SIG_LEN, -EINVAL);
	memset(h, 0, sizeof(*h));
	h->version = 1;
	h->len = n + 2;
	if (proto == V1_UNKNOWN) {
		/* "the receiver must ignore anything presented before the
		 * CRLF is found" (section 2.1). */
		h->local = true;
		return 0;
	}
	for (size_t f = 0; f < V1_FIELDS; f++) {
		if (i >= n)
			return fail(pos, n, -EINVAL); /* a field missing */
		i++;                                  /* the space */
		start[f] = i;
		while (i < n && b[i] != ' ') {
			/* Printable ASCII only: a tab or a NUL is not a
			 * separator, and no field may hold one. */
			if (b[i] < 0x21 || b[i] > 0x7e)
				return fail(pos, i, -EINVAL);
			i++;
		}
		end[f] = i;
		if (end[f] == start[f])
			return fail(pos, i, -EINVAL); /* two spaces, or none */
	}
	if (i < n)
		return fail(pos, i, -EINVAL); /* more fields */

	flags |= proto == V1_TCP4 ? DS_PARSE_V4_ONLY : DS_PARSE_V6_ONLY;
	r = ds_addr_parse((const char *)b + start[0], end[0] - start[0], flags,
	    &h->src.addr, &ep);
	if (r < 0)
		return fail(pos, start[0] + ep, -EINVAL);
	r = ds_addr_parse((const char *)b + start[1], end[1] - start[1], flags,
	    &h->dst.addr, &ep);
	if (r < 0)
		return fail(pos, start[1] + ep, -EINVAL);
	r = v1_port(b, start[2], end[2], &h->src.port, pos);
	if (r < 0)
		return r;
	return v1_port(b, start[3], end[3], &h->dst.port, pos);
}

/*
 * b[0..n) is all there is of a line so far, no CR or LF in it: -EAGAIN
 * when it can still become a valid line, -EINVAL where it cannot. A
 * cheap check -- the protocol name, single spaces, the field count and
 * the characters each field may hold -- not a full parse: the addresses
 * are checked once the line is whole (section 2.1 wants the CRLF before
 * the addresses are decoded anyway).
 */
static int
v1_partial(const uint8_t *b, size_t n, size_t *pos)
{
	size_t i = V1_SIG_LEN, f = 0;
	int proto;

	while (i < n && b[i] != ' ')
		i++;
	proto = v1_proto_find(b, V1_SIG_LEN, i, i == n);
	if (proto < 0)
		return fail(pos, V1_SIG_LEN, -EINVAL);
	if (i == n || proto == V1_UNKNOWN)
		return fail(pos, n, -EAGAIN);
	/* b[i] is the space after TCP4 or TCP6. */
	for (i++; i < n; i++) {
		uint8_t c = b[i];

		if (c == ' ') {
			if (b[i - 1] == ' ' || ++f >= V1_FIELDS)
				return fail(pos, i, -EINVAL);
		} else if (f >= 2 ? !is_digit(c)
		        : proto == V1_TCP4
		        ? !is_digit(c) && c != '.'
		        : !is_hex(c) && c != ':' && c != '.') {
			return fail(pos, i, -EINVAL);
		}
	}
	return fail(pos, n, -EAGAIN);
}

static int
parse_v1(
    const uint8_t *b, size_t len, struct ds_proxyproto_hdr *ret, size_t *pos)
{
	size_t n = len < DS_PROXYPROTO_V1_MAX ? len : DS_PROXYPROTO_V1_MAX;
	struct ds_proxyproto_hdr h;
	size_t eol = 0;
	int r;

	while (eol < n && b[eol] != '\r' && b[eol] != '\n')
		eol++;
	if (eol == n) {
		if (len >= DS_PROXYPROTO_V1_MAX)
			return fail(pos, DS_PROXYPROTO_V1_MAX, -E2BIG);
		return v1_partial(b, len, pos);
	}
	if (b[eol] == '\n')
		return fail(pos, eol, -EINVAL); /* LF without CR */
	/* The CR is in, its LF would be byte 108. */
	if (eol + 2 > DS_PROXYPROTO_V1_MAX)
		return fail(pos, DS_PROXYPROTO_V1_MAX, -E2BIG);
	if (eol + 1 == len) {
		r = v1_partial(b, eol, pos);
		return r == -EAGAIN ? fail(pos, len, -EAGAIN) : r;
	}
	if (b[eol + 1] != '\n')
		return fail(pos, eol + 1, -EINVAL);
	r = v1_line(b, eol, &h, pos);
	if (r < 0)
		return r;
	*ret = h;
	return 0;
}

/* --- Version 2 ------------------------------------------------------------ */

/*
 * The address block a fam byte announces (section 2.2), or -1 for an
 * unassigned value, which "must be rejected as invalid by receivers".
 */
static int
v2_block_len(uint8_t fam)
{
	switch (fam) {
	case DS_PROXYPROTO_V2_UNSPEC:
		return 0;
	case DS_PROXYPROTO_V2_TCP4:
	case DS_PROXYPROTO_V2_UDP4:
		return DS_PROXYPROTO_V2_ADDR_INET;
	case DS_PROXYPROTO_V2_TCP6:
	case DS_PROXYPROTO_V2_UDP6:
		return DS_PROXYPROTO_V2_ADDR_INET6;
	case DS_PROXYPROTO_V2_UNIX_STREAM:
	case DS_PROXYPROTO_V2_UNIX_DGRAM:
		return DS_PROXYPROTO_V2_ADDR_UNIX;
	default:
		return -1;
	}
}

/*
 * The signature is there as far as len goes. Check ver_cmd (version 2,
 * LOCAL or PROXY: "receivers must drop connections presenting unexpected
 * values"), fam and the length, then wait for the whole header.
 */
static int
parse_v2(
    const uint8_t *b, size_t len, struct ds_proxyproto_hdr *ret, size_t *pos)
{
	struct ds_proxyproto_hdr h;
	struct ds_cur c;
	size_t end;
	uint16_t plen;
	int block;
	uint8_t fam;

	if (len > 12 &&
	    (b[12] != DS_PROXYPROTO_V2_LOCAL &&
	        b[12] != DS_PROXYPROTO_V2_PROXY))
		return fail(pos, 12, -EINVAL);
	if (len > 13 && v2_block_len(b[13]) < 0)
		return fail(pos, 13, -EINVAL);
	if (len < DS_PROXYPROTO_V2_HDR_LEN)
		return fail(pos, len, -EAGAIN);
	fam = b[13];
	block = v2_block_len(fam);
	c = ds_cur_at(b, 14, len);
	ds_cur_be16(&c, &plen);
	if (plen > DS_PROXYPROTO_V2_LEN_MAX)
		return fail(pos, 14, -E2BIG);
	/* A LOCAL header's family is ignored (section 2.2), so is its
	 * block's size. */
	if (b[12] == DS_PROXYPROTO_V2_PROXY && plen < (size_t)block)
		return fail(pos, 14, -EINVAL);
	end = DS_PROXYPROTO_V2_HDR_LEN + plen;
	if (len < end)
		return fail(pos, len, -EAGAIN);

	memset(&h, 0, sizeof(h));
	h.version = 2;
	h.len = end;
	h.v2_cmd = b[12];
	h.v2_fam = fam;
	if (b[12] == DS_PROXYPROTO_V2_LOCAL) {
		h.local = true;
		*ret = h;
		return 0;
	}

	/* TLVs fill the rest: type, 16-bit length, value; each must fit in
	 * what the length field announced (section 2.2; haproxy checks its
	 * TLVs the same way). */
	c = ds_cur_at(b, DS_PROXYPROTO_V2_HDR_LEN + (size_t)block, end);
	h.tlv_off = c.off;
	h.tlv_len = end - c.off;
	while (ds_cur_left(&c) > 0) {
		size_t t = c.off;
		uint16_t vlen;

		if (ds_cur_skip(&c, 1) < 0 || ds_cur_be16(&c, &vlen) < 0)
			return fail(pos, t, -EINVAL);
		if (ds_cur_skip(&c, vlen) < 0)
			return fail(pos, t + 1, -EINVAL);
	}

	/* The address block is there: plen covers it (checked above). */
	c = ds_cur_at(b, DS_PROXYPROTO_V2_HDR_LEN, end);
	if (fam == DS_PROXYPROTO_V2_TCP4) {
		uint32_t src, dst;

		ds_cur_be32(&c, &src);
		ds_cur_be32(&c, &dst);
		ds_addr_from_v4(src, &h.src.addr);
		ds_addr_from_v4(dst, &h.dst.addr);
		ds_cur_be16(&c, &h.src.port);
		ds_cur_be16(&c, &h.dst.port);
	} else if (fam == DS_PROXYPROTO_V2_TCP6) {
		uint8_t a[16];

		/* IPv4-mapped addresses are kept as they came. */
		ds_cur_bytes(&c, a, 16);
		ds_addr_from_v6(a, &h.src.addr);
		ds_cur_bytes(&c, a, 16);
		ds_addr_from_v6(a, &h.dst.addr);
		ds_cur_be16(&c, &h.src.port);
		ds_cur_be16(&c, &h.dst.port);
	} else {
		/* UNSPEC, UDP, UNIX: valid, but no TCP endpoints to take;
		 * section 2.2 lets the receiver use the real ones. */
		h.local = true;
	}
	*ret = h;
	return 0;
}

int
ds_proxyproto_parse(
    const void *buf, size_t len, struct ds_proxyproto_hdr *ret, size_t *errpos)
{
	const uint8_t *b = buf;
	const char *sig;
	size_t siglen;
	int r;

	if (len == 0)
		return fail(errpos, 0, -EAGAIN);
	if (!b || !ret)
		return fail(errpos, 0, -EINVAL);
	if (b[0] == V1_SIG[0]) {
		sig = V1_SIG;
		siglen = V1_SIG_LEN;
	} else {
		sig = DS_PROXYPROTO_V2_SIG;
		siglen = DS_PROXYPROTO_V2_SIG_LEN;
	}
	for (size_t i = 0; i < siglen; i++) {
		if (i == len)
			return fail(errpos, len, -EAGAIN);
		if (b[i] != (uint8_t)sig[i])
			return fail(errpos, i, -EPROTO);
	}
	r = siglen == V1_SIG_LEN ? parse_v1(b, len, ret, errpos)
	                         : parse_v2(b, len, ret, errpos);
	/*
	 * The header is where a proxied client enters, as the listener is
	 * for a direct one: its addresses are normalised here, once, so
	 * that nothing downstream (the ACL, per-client limits, logs) sees
	 * an IPv4 client as ::ffff:a.b.c.d.
	 */
	if (r == 0 && !ret->local) {
		(void)ds_addr_unmap(&ret->src.addr, &ret->src.addr);
		(void)ds_addr_unmap(&ret->dst.addr, &ret->dst.addr);
	}
	return r;
}

/* --- Formatting ----------------------------------------------------------- */

/*
 * The addresses to send and their family: both IPv4 when both are IPv4
 * or IPv4-mapped, else both IPv6 with any IPv4 one mapped. No zones: the
 * wire has no room for them. -EINVAL for an address of no family.
 */
static int
pick(const struct ds_proxyproto_hdr *h, struct ds_addr *s, struct ds_addr *d)
{
	int fs = h->src.addr.family, fd = h->dst.addr.family;

	if ((fs != AF_INET && fs != AF_INET6) ||
	    (fd != AF_INET && fd != AF_INET6))
		return -EINVAL;
	ds_addr_unmap(&h->src.addr, s);
	ds_addr_unmap(&h->dst.addr, d);
	if (s->family == AF_INET && d->family == AF_INET)
		return AF_INET;
	if (s->family == AF_INET)
		ds_addr_map(s, s);
	if (d->family == AF_INET)
		ds_addr_map(d, d);
	s->scope_id = d->scope_id = 0;
	memset(s->zone, 0, sizeof(s->zone));
	memset(d->zone, 0, sizeof(d->zone));
	return AF_INET6;
}

/*
 * IPv6 text for a v1 line. Section 2.1 describes IPv6 as hexadecimal
 * groups only, so a mapped address is written "::ffff:c000:201" rather
 * than RFC 5952's "::ffff:192.0.2.1", which a strict peer may refuse.
 */
static void
v1_addr6(const struct ds_addr *a, char *buf, size_t size)
{
	struct ds_addr v4;

	if (ds_addr_unmap(a, &v4)) {
		uint32_t v = ds_addr_v4(&v4);

		snprintf(buf, size, "::ffff:%x:%x", (unsigned)(v >> 16),
		    (unsigned)(v & 0xffff));
		return;
	}
	ds_addr_format(a, DS_FMT_NO_ZONE, buf, size);
}

int
ds_proxyproto_format_v1(
    const struct ds_proxyproto_hdr *h, char *buf, size_t size)
{
	char s[DS_ADDR_STRLEN], d[DS_ADDR_STRLEN];
	struct ds_addr sa, da;
	int fam;

	if (!h)
		return -EINVAL;
	if (h->local)
		return snprintf(buf, size, "PROXY UNKNOWN\r\n");
	fam = pick(h, &sa, &da);
	if (fam < 0)
		return fam;
	if (fam == AF_INET) {
		ds_addr_format(&sa, 0, s, sizeof(s));
		ds_addr_format(&da, 0, d, sizeof(d));
	} else {
		v1_addr6(&sa, s, sizeof(s));
		v1_addr6(&da, d, sizeof(d));
	}
	return snprintf(buf, size, "PROXY %s %s %s %u %u\r\n",
	    fam == AF_INET ? "TCP4" : "TCP6", s, d, (unsigned)h->src.port,
	    (unsigned)h->dst.port);
}

int
ds_proxyproto_format_v2(
    const struct ds_proxyproto_hdr *h, void *buf, size_t size)
{
	uint8_t out[DS_PROXYPROTO_V2_FORMAT_MAX];
	struct ds_addr sa, da;
	size_t n = DS_PROXYPROTO_V2_HDR_LEN, alen;
	int fam;

	if (!h)
		return -EINVAL;
	memcpy(out, DS_PROXYPROTO_V2_SIG, DS_PROXYPROTO_V2_SIG_LEN);
	if (h->local) {
		out[12] = DS_PROXYPROTO_V2_LOCAL;
		out[13] = DS_PROXYPROTO_V2_UNSPEC;
		put_be16(out + 14, 0);
	} else {
		fam = pick(h, &sa, &da);
		if (fam < 0)
			return fam;
		alen = fam == AF_INET ? 4 : 16;
		out[12] = DS_PROXYPROTO_V2_PROXY;
		out[13] = fam == AF_INET ? DS_PROXYPROTO_V2_TCP4
		                         : DS_PROXYPROTO_V2_TCP6;
		memcpy(out + n, sa.u.bytes, alen);
		memcpy(out + n + alen, da.u.bytes, alen);
		put_be16(out + n + 2 * alen, h->src.port);
		put_be16(out + n + 2 * alen + 2, h->dst.port);
		n += 2 * alen + 4;
		put_be16(out + 14, (uint16_t)(n - DS_PROXYPROTO_V2_HDR_LEN));
	}
	if (buf && size >= n)
		memcpy(buf, out, n);
	return (int)n;
}
