/* SPDX-License-Identifier: MIT */
/*
 * Reverse DNS names: ip6.arpa (RFC 3596 section 2.5) and in-addr.arpa
 * (RFC 1035 section 3.5), plus the RFC 2317 classless delegation label.
 */
#include <errno.h>

#include "addr-int.h"

/*
 * An IPv6 address has 32 nibbles, an IPv4 address 4 octets; one label
 * each (RFC 3596 section 2.5, RFC 1035 section 3.5).
 */
#define NIBBLES_MAX 32
#define OCTETS_MAX 4

static const char suffix6[] = "ip6.arpa";
static const char suffix4[] = "in-addr.arpa";

#define SUFFIX6_LEN (sizeof(suffix6) - 1)
#define SUFFIX4_LEN (sizeof(suffix4) - 1)

/* Append the decimal text of v (0-255) at p; return the new end. */
static char *
put_octet(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/*
 * The first 'n' nibbles (IPv6) or octets (IPv4) of a, least significant
 * first, then the suffix. n is at most 32 or 4.
 */
static int
arpa_format(const struct ds_addr *a, unsigned n, char *buf, size_t size)
{
	/* 32 * "x." + "ip6.arpa" = 72, or 4 * "255." + "in-addr.arpa" = 28 */
	char tmp[DS_ARPA_STRLEN];
	char *p = tmp;

	if (a->family == AF_INET6) {
		for (unsigned i = n; i-- > 0;) {
			uint8_t byte = a->u.bytes[i / 2];

			*p++ = ds__hexdigits[i % 2 ? byte & 0xf : byte >> 4];
			*p++ = '.';
		}
		memcpy(p, suffix6, SUFFIX6_LEN);
		p += SUFFIX6_LEN;
	} else {
		for (unsigned i = n; i-- > 0;) {
			p = put_octet(p, a->u.bytes[i]);
			*p++ = '.';
		}
		memcpy(p, suffix4, SUFFIX4_LEN);
		p += SUFFIX4_LEN;
	}
	return ds__output(tmp, (size_t)(p - tmp), buf, size);
}

int
ds_addr_to_arpa(const struct ds_addr *a, char *buf, size_t size)
{
	if (a->family == AF_INET6)
		return arpa_format(a, NIBBLES_MAX, buf, size);
	if (a->family == AF_INET)
		return arpa_format(a, OCTETS_MAX, buf, size);
	return -EAFNOSUPPORT;
}

int
ds_prefix_to_arpa(const struct ds_prefix *p, char *buf, size_t size)
{
	const struct ds_addr *a = &p->addr;

	if (a->family != AF_INET6 && a->family != AF_INET)
		return -EAFNOSUPPORT;
	if (p->len > ds_addr_bits(a))
		return -EINVAL;
	/*
	 * Only whole labels: a /30 covers 7 nibbles and part of the 8th,
	 * whose name would stand for more than the prefix. IPv4 prefixes
	 * longer than /24 name their /24 here, not an RFC 2317 zone, whose
	 * label is a local convention rather than a fixed name.
	 */
	if (a->family == AF_INET6)
		return arpa_format(a, p->len / 4, buf, size);
	return arpa_format(a, p->len / 8, buf, size);
}

/* Case-insensitive compare of n bytes with lower-case ASCII text t. */
static bool
eq_lower(const char *s, const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)t[i])
			return false;
	}
	return true;
}

/* Does s[0..len) end in label sequence t, as whole labels? */
static bool
ends_with_labels(const char *s, size_t len, const char *t, size_t tlen)
{
	if (len < tlen || !eq_lower(s + len - tlen, t, tlen))
		return false;
	return len == tlen || s[len - tlen - 1] == '.';
}

/*
 * Where to point when the name has no known suffix: the last label if it
 * is not "arpa", else the label before it.
 */
static size_t
suffix_errpos(const char *s, size_t len)
{
	size_t last = len, prev;

	while (last > 0 && s[last - 1] != '.')
		last--;
	if (len - last != 4 || !eq_lower(s + last, "arpa", 4) || last == 0)
		return last;
	prev = last - 1;
	while (prev > 0 && s[prev - 1] != '.')
		prev--;
	return prev;
}

/*
 * A decimal number 0-255 without leading zeros in s[0..len) (RFC 1035
 * section 3.5 writes octets as plain decimal). Returns the value, or -1
 * with *bad set to the offset of the offending character: a non-digit
 * where it stands, an empty, zero-led or too large number at its start.
 */
static int
dec_octet(const char *s, size_t len, size_t *bad)
{
	unsigned v = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			*bad = i;
			return -1;
		}
	}
	/* Four or more digits are past 255 and would only overflow v. */
	if (len == 0 || len > 3 || (len > 1 && s[0] == '0')) {
		*bad = 0;
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	if (v > 255) {
		*bad = 0;
		return -1;
	}
	return (int)v;
}

/*
 * An RFC 2317 section 4 label "<start>/<length>" for a block inside a /24,
 * such as "128/25". The length must be 25-32 (the RFC's method is for
 * blocks of fewer than 256 addresses) and start must be the block's first
 * address. Returns 0 or -1 with *bad.
 */
static int
classless_label(const char *s, size_t len, unsigned *ret_start,
    unsigned *ret_len, size_t *bad)
{
	size_t slash = 0;
	int start, plen;

	while (s[slash] != '/')
		slash++;
	start = dec_octet(s, slash, bad);
	if (start < 0)
		return -1;
	plen = dec_octet(s + slash + 1, len - slash - 1, bad);
	if (plen < 0) {
		*bad += slash + 1;
		return -1;
	}
	if (plen <= 24 || plen > 32) {
		*bad = slash + 1;
		return -1;
	}
	if (((unsigned)start & (0xffu >> (plen - 24))) != 0) {
		*bad = 0;
		return -1;
	}
	*ret_start = (unsigned)start;
	*ret_len = (unsigned)plen;
	return 0;
}

/* Does s[0..len) contain c? */
static bool
has_char(const char *s, size_t len, char c)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == c)
			return true;
	return false;
}

/*
 * The offset of label k, counted from the right from 0, in the labels
 * s[0..len) (without the dot before the suffix). The label must exist.
 */
static size_t
label_start(const char *s, size_t len, unsigned k)
{
	size_t i = len;

	for (;;) {
		while (i > 0 && s[i - 1] != '.')
			i--;
		if (k-- == 0 || i == 0)
			return i;
		i--;
	}
}

/*
 * The labels of an ip6.arpa name, s[0..len), n of them: each exactly one
 * hex digit, the last one the most significant nibble.
 */
static int
parse_nibbles(
    const char *s, size_t len, unsigned n, struct ds_prefix *p, size_t *errpos)
{
	size_t i = 0;

	for (unsigned k = n; k-- > 0;) {
		size_t start = i;
		int h;

		while (i < len && s[i] != '.')
			i++;
		if (i == start) {
			*errpos = start;
			return -DS_E_ARPA_LABEL;
		}
		h = ds__hexval[(unsigned char)s[start]];
		if (h < 0) {
			*errpos = start;
			return -DS_E_ARPA_LABEL;
		}
		if (i - start > 1) {
			*errpos = start + 1;
			return -DS_E_ARPA_LABEL;
		}
		p->addr.u.bytes[k / 2] |=
		    (uint8_t)(k % 2 ? (unsigned)h : (unsigned)h << 4);
		i++;
	}
	p->len = 4 * n;
	return 0;
}

/*
 * The labels of an in-addr.arpa name, s[0..len), n of them. Plain names
 * have up to 4 octet labels. An RFC 2317 name has a "<start>/<length>"
 * label in the fourth place from the suffix, optionally preceded by one
 * host label: "0/25.2.0.192" is 192.0.2.0/25 and "5.0/25.2.0.192" is the
 * host 192.0.2.5/32, which must lie in the block.
 */
static int
parse_octets(
    const char *s, size_t len, unsigned n, struct ds_prefix *p, size_t *errpos)
{
	unsigned cl_start = 0, cl_len = 0;
	size_t i = 0, host_at = 0, bad;
	int host = -1;

	for (unsigned k = n; k-- > 0;) {
		size_t start = i;
		int v;

		while (i < len && s[i] != '.')
			i++;
		if (k == 3 && has_char(s + start, i - start, '/')) {
			if (classless_label(s + start, i - start, &cl_start,
			        &cl_len, &bad) < 0) {
				*errpos = start + bad;
				return -DS_E_ARPA_LABEL;
			}
			p->addr.u.bytes[3] = (uint8_t)cl_start;
			i++;
			continue;
		}
		v = dec_octet(s + start, i - start, &bad);
		if (v < 0) {
			*errpos = start + bad;
			return -DS_E_ARPA_LABEL;
		}
		if (k == 4) {
			host = v;
			host_at = start;
		} else {
			p->addr.u.bytes[k] = (uint8_t)v;
		}
		i++;
	}
	if (host >= 0) {
		/* ds_arpa_parse() allows a fifth label only before a '/'. */
		if (((unsigned)host & (0xff00u >> (cl_len - 24))) != cl_start) {
			*errpos = host_at;
			return -DS_E_ARPA_LABEL;
		}
		p->addr.u.bytes[3] = (uint8_t)host;
		p->len = 32;
	} else {
		p->len = cl_len ? cl_len : 8 * n;
	}
	return 0;
}

/*
 * Choices where the RFCs leave room:
 *  - only ip6.arpa and in-addr.arpa; ip6.int is gone (RFC 4159);
 *  - RFC 2317 labels only in the "<start>/<length>" form of its section 4
 *    example; the "0-127" style and other local names are rejected with
 *    DS_E_ARPA_LABEL, as nothing in them says which bits they cover;
 *  - errors point at the first bad character of a label, or its start
 *    when the label as a whole is wrong (empty, zero-led, out of range);
 *    too many labels points at the first one past the limit counted from
 *    the root, the end a resolver reads first.
 */
int
ds_arpa_parse(const char *s, size_t len, struct ds_prefix *ret, size_t *errpos)
{
	struct ds_prefix p;
	size_t nlen, pos = 0, llen;
	unsigned n = 0, max;
	bool v6;
	int r;

	if (len == 0) {
		r = -DS_E_EMPTY;
		goto fail;
	}
	/* The root label: "ip6.arpa." and "ip6.arpa" name the same zone. */
	nlen = len;
	if (s[nlen - 1] == '.')
		nlen--;
	if (ends_with_labels(s, nlen, suffix6, SUFFIX6_LEN)) {
		v6 = true;
		llen = nlen - SUFFIX6_LEN;
	} else if (ends_with_labels(s, nlen, suffix4, SUFFIX4_LEN)) {
		v6 = false;
		llen = nlen - SUFFIX4_LEN;
	} else {
		pos = suffix_errpos(s, nlen);
		r = -DS_E_ARPA_SUFFIX;
		goto fail;
	}

	/*
	 * s[0..llen) holds the labels and the dot before the suffix, if
	 * any: "1.2.ip6.arpa" has llen 4 and two labels. Count them first,
	 * since a label's place from the right gives its bits.
	 */
	if (llen > 0) {
		llen--;
		n = 1;
		for (size_t i = 0; i < llen; i++)
			if (s[i] == '.')
				n++;
	}
	max = v6 ? NIBBLES_MAX : OCTETS_MAX;
	if (!v6 && n > OCTETS_MAX) {
		/* Room for a host label before an RFC 2317 label. */
		size_t cl = label_start(s, llen, OCTETS_MAX - 1);
		size_t next = label_start(s, llen, OCTETS_MAX - 2);

		if (has_char(s + cl, next - 1 - cl, '/'))
			max = OCTETS_MAX + 1;
	}
	if (n > max) {
		/* The first label past the limit, counted from the root. */
		pos = label_start(s, llen, max);
		r = -DS_E_ARPA_LABELS;
		goto fail;
	}

	memset(&p, 0, sizeof(p));
	p.addr.family = v6 ? AF_INET6 : AF_INET;
	if (v6)
		r = parse_nibbles(s, llen, n, &p, &pos);
	else
		r = parse_octets(s, llen, n, &p, &pos);
	if (r < 0)
		goto fail;
	memcpy(ret, &p, sizeof(*ret));
	return 0;

fail:
	if (errpos)
		*errpos = pos;
	return r;
}
