/* SPDX-License-Identifier: MIT */
/*
 * FTP extended address forms, RFC 2428: the EPRT argument (section 2) and
 * the EPSV reply (section 3).
 */
#include <errno.h>
#include <stdio.h>

#include "addr-int.h"
#include "cur.h"

/* RFC 2428 section 2: address family numbers (RFC 1700) on the wire. */
#define NET_PRT_IP4 1
#define NET_PRT_IP6 2

/* RFC 2428 section 3: the reply code and text for EPSV. */
static const char epsv_text[] = "229 Entering Extended Passive Mode (";

/*
 * RFC 2428 section 2: the delimiter is one ASCII character in 33-126,
 * "|" recommended. It cannot occur inside a field: a sender must pick one
 * its address does not contain, so fields end at its first occurrence.
 */
static bool
delim_ok(char c)
{
	return c >= 33 && c <= 126;
}

/*
 * Remove one line ending: FTP commands and replies end in CRLF (RFC 959
 * sections 5.3 and 4.2); a bare LF is accepted too, as from a line already
 * split on LF. A lone CR is not a line ending and is left to fail as
 * trailing text.
 */
static void
strip_eol(struct ds_cur *c)
{
	if (c->end > c->off && c->p[c->end - 1] == '\n') {
		c->end--;
		if (c->end > c->off && c->p[c->end - 1] == '\r')
			c->end--;
	}
}

/* Consume the delimiter d at the cursor, or fail with the position. */
static int
expect_delim(struct ds_cur *c, char d, size_t *pos)
{
	uint8_t ch;

	if (ds_cur_peek(c, &ch) < 0 || ch != (uint8_t)d) {
		*pos = c->off;
		return -DS_E_EPRT_SYNTAX;
	}
	c->off++;
	return 0;
}

/*
 * A decimal TCP port 1-65535 ended by delimiter d, which is consumed.
 * Leading zeros are accepted: the field is plain decimal (RFC 2428
 * section 2), with no octal reading to make them ambiguous.
 */
static int
port_field(struct ds_cur *c, char d, uint16_t *ret, size_t *pos)
{
	size_t start = c->off;
	uint32_t v = 0;
	uint8_t ch;

	while (ds_cur_peek(c, &ch) == 0 && ch != (uint8_t)d) {
		if (ch < '0' || ch > '9') {
			*pos = c->off;
			return -DS_E_PORT_SYNTAX;
		}
		/* Saturate: anything past 65535 is out of range anyway. */
		if (v <= UINT16_MAX)
			v = v * 10 + (uint32_t)(ch - '0');
		c->off++;
	}
	if (c->off == start) {
		*pos = start;
		return -DS_E_PORT_SYNTAX;
	}
	if (v == 0 || v > UINT16_MAX) {
		*pos = start;
		return -DS_E_PORT_RANGE;
	}
	if (ds_cur_skip(c, 1) < 0) { /* the delimiter */
		*pos = c->off;
		return -DS_E_EPRT_SYNTAX;
	}
	*ret = (uint16_t)v;
	return 0;
}

/* Is s[0..len) the ASCII word w (upper case), in any case? */
static bool
word_eq(const char *s, size_t len, const char *w)
{
	size_t i;

	for (i = 0; i < len && w[i]; i++) {
		char ch = s[i];

		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (ch != w[i])
			return false;
	}
	return i == len && w[i] == '\0';
}

int
ds_eprt_parse(
    const char *s, size_t len, struct ds_endpoint *ret, size_t *errpos)
{
	struct ds_cur c = ds_cur_at(s, 0, len);
	struct ds_endpoint ep;
	size_t pos = 0, field, apos;
	unsigned proto;
	uint8_t ch;
	char d;
	int r;

	strip_eol(&c);
	/*
	 * "EPRT" and exactly one space (RFC 2428 section 2); commands are
	 * case-insensitive (RFC 959 section 5.3). A first field starting
	 * "EPRT" can be nothing else, since net-prt is a number.
	 */
	if (c.end >= 4 && word_eq(s, 4, "EPRT")) {
		if (c.end == 4 || s[4] != ' ') {
			pos = 4;
			r = -DS_E_EPRT_SYNTAX;
			goto fail;
		}
		c.off = 5;
	}
	if (ds_cur_u8(&c, &ch) < 0) {
		pos = c.off;
		r = -DS_E_EMPTY;
		goto fail;
	}
	d = (char)ch;
	if (!delim_ok(d)) {
		pos = c.off - 1;
		r = -DS_E_EPRT_DELIM;
		goto fail;
	}

	/* net-prt: 1 or 2 here; another number is a protocol we lack. */
	field = c.off;
	while (ds_cur_peek(&c, &ch) == 0 && ch != (uint8_t)d) {
		if (ch < '0' || ch > '9') {
			pos = c.off;
			r = -DS_E_EPRT_SYNTAX;
			goto fail;
		}
		c.off++;
	}
	if (c.off == field) {
		pos = field;
		r = -DS_E_EPRT_SYNTAX;
		goto fail;
	}
	if (word_eq(s + field, c.off - field, "1"))
		proto = NET_PRT_IP4;
	else if (word_eq(s + field, c.off - field, "2"))
		proto = NET_PRT_IP6;
	else {
		pos = field;
		r = -DS_E_EPRT_PROTO;
		goto fail;
	}
	r = expect_delim(&c, d, &pos);
	if (r < 0)
		goto fail;

	/*
	 * net-addr: no zone on the wire, a zone names a link of the sender
	 * only. The family is checked here so that the position is the
	 * field's start whatever the address parser reports.
	 */
	field = c.off;
	while (ds_cur_peek(&c, &ch) == 0 && ch != (uint8_t)d)
		c.off++;
	if (c.off == field) {
		pos = field;
		r = -DS_E_EMPTY;
		goto fail;
	}
	memset(&ep, 0, sizeof(ep));
	apos = 0;
	r = ds_addr_parse(
	    s + field, c.off - field, DS_PARSE_NO_ZONE, &ep.addr, &apos);
	if (r < 0) {
		pos = field + (apos <= c.off - field ? apos : 0);
		goto fail;
	}
	if (ep.addr.family != (proto == NET_PRT_IP4 ? AF_INET : AF_INET6)) {
		pos = field;
		r = -DS_E_FAMILY;
		goto fail;
	}
	r = expect_delim(&c, d, &pos);
	if (r < 0)
		goto fail;

	r = port_field(&c, d, &ep.port, &pos);
	if (r < 0)
		goto fail;
	if (ds_cur_left(&c) > 0) {
		pos = c.off;
		r = -DS_E_TRAILING;
		goto fail;
	}
	memcpy(ret, &ep, sizeof(*ret));
	return 0;

fail:
	if (errpos)
		*errpos = pos;
	return r;
}

int
ds_eprt_format(const struct ds_endpoint *ep, char *buf, size_t size)
{
	char addr[DS_ADDR_STRLEN];
	char tmp[DS_ADDR_STRLEN + 32];
	unsigned proto;
	int n;

	if (ep->addr.family == AF_INET)
		proto = NET_PRT_IP4;
	else if (ep->addr.family == AF_INET6)
		proto = NET_PRT_IP6;
	else
		return -EAFNOSUPPORT;
	/* Port 0 cannot be connected to; ds_eprt_parse() rejects it. */
	if (ep->port == 0)
		return -EINVAL;
	n = ds_addr_format(&ep->addr, DS_FMT_NO_ZONE, addr, sizeof(addr));
	if (n < 0)
		return n;
	if ((size_t)n >= sizeof(addr))
		return -EINVAL;
	n = snprintf(tmp, sizeof(tmp), "EPRT |%u|%s|%u|", proto, addr,
	    (unsigned)ep->port);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -EINVAL;
	return ds__output(tmp, (size_t)n, buf, size);
}

/*
 * The EPSV argument "<d><d><d><port><d>" at the cursor: the first two
 * fields MUST be blank (RFC 2428 section 3).
 */
static int
epsv_fields(struct ds_cur *c, uint16_t *ret_port, size_t *pos)
{
	uint8_t ch;
	char d;
	int r;

	if (ds_cur_u8(c, &ch) < 0) {
		*pos = c->off;
		return -DS_E_EPRT_SYNTAX;
	}
	d = (char)ch;
	if (!delim_ok(d)) {
		*pos = c->off - 1;
		return -DS_E_EPRT_DELIM;
	}
	r = expect_delim(c, d, pos);
	if (r < 0)
		return r;
	r = expect_delim(c, d, pos);
	if (r < 0)
		return r;
	return port_field(c, d, ret_port, pos);
}

int
ds_epsv_parse(const char *s, size_t len, uint16_t *ret_port, size_t *errpos)
{
	struct ds_cur c = ds_cur_at(s, 0, len);
	size_t pos = 0, open;
	bool paren = false;
	uint16_t port = 0;
	uint8_t ch;
	int r;

	strip_eol(&c);
	if (ds_cur_left(&c) == 0) {
		r = -DS_E_EMPTY;
		goto fail;
	}
	/*
	 * The reply text before "(" is free (RFC 2428 section 3); take the
	 * first "(" as the start of the argument. Without one, the whole
	 * text must be the bare argument.
	 */
	for (open = 0; open < c.end; open++) {
		if (s[open] == '(') {
			paren = true;
			c.off = open + 1;
			break;
		}
	}
	r = epsv_fields(&c, &port, &pos);
	if (r < 0)
		goto fail;
	if (paren) {
		/* Text after ")" is free too, as some servers add a period. */
		if (ds_cur_peek(&c, &ch) < 0 || ch != ')') {
			pos = c.off;
			r = -DS_E_EPRT_SYNTAX;
			goto fail;
		}
	} else if (ds_cur_left(&c) > 0) {
		pos = c.off;
		r = -DS_E_TRAILING;
		goto fail;
	}
	*ret_port = port;
	return 0;

fail:
	if (errpos)
		*errpos = pos;
	return r;
}

int
ds_epsv_format(uint16_t port, char *buf, size_t size)
{
	char tmp[sizeof(epsv_text) + 16];
	int n;

	if (port == 0)
		return -EINVAL;
	n = snprintf(tmp, sizeof(tmp), "%s|||%u|)", epsv_text, (unsigned)port);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -EINVAL;
	return ds__output(tmp, (size_t)n, buf, size);
}
