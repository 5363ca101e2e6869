/* SPDX-License-Identifier: MIT */
/*
 * MAC addresses and modified EUI-64 interface IDs (RFC 4291 section 2.5.1
 * and appendix A).
 */
#include <errno.h>

#include "addr-int.h"

/*
 * The universal/local bit of an IEEE 802 MAC is bit 1 of the first octet
 * (0x02). A modified EUI-64 carries it inverted, so that hand-made local
 * interface IDs such as ::1 need no bit set (RFC 4291 appendix A).
 */
#define MAC_UL_BIT 0x02

/*
 * The shape of one written form: 'ngroups' groups of 'mindig' to 'maxdig'
 * hex digits joined by 'sep' (0 for none). 48 bits divide evenly among
 * the groups: 8 bits each in the colon and dash forms, 16 in the Cisco dot
 * form, all 48 in the bare form.
 */
struct mac_form {
	char sep;
	unsigned ngroups, mindig, maxdig;
};

static const struct mac_form form_colon = {':', 6, 1, 2};
static const struct mac_form form_dash = {'-', 6, 1, 2};
static const struct mac_form form_dot = {'.', 3, 4, 4};
static const struct mac_form form_bare = {0, 1, 12, 12};

static int
hexval(char c)
{
	return ds__hexval[(unsigned char)c];
}

/*
 * Read s[0..len) as form f. On failure store the offset of the first
 * character that does not fit (len when the text ends too early).
 */
static int
parse_form(const char *s, size_t len, const struct mac_form *f,
    struct ds_mac *ret, size_t *errpos)
{
	unsigned bits = 48 / f->ngroups;
	uint64_t v = 0;
	size_t i = 0;

	for (unsigned g = 0; g < f->ngroups; g++) {
		uint64_t gv = 0;
		unsigned nd = 0;
		int h;

		if (g > 0) {
			if (i >= len || s[i] != f->sep) {
				*errpos = i;
				return -DS_E_MAC_SYNTAX;
			}
			i++;
		}
		while (i < len && nd < f->maxdig && (h = hexval(s[i])) >= 0) {
			gv = gv << 4 | (unsigned)h;
			nd++;
			i++;
		}
		if (nd < f->mindig) {
			*errpos = i;
			return -DS_E_MAC_SYNTAX;
		}
		v = v << bits | gv;
	}
	if (i != len) {
		*errpos = i;
		return -DS_E_MAC_SYNTAX;
	}
	for (unsigned k = 0; k < 6; k++)
		ret->b[k] = (uint8_t)(v >> (40 - 8 * k));
	return 0;
}

int
ds_mac_parse(const char *s, size_t len, struct ds_mac *ret, size_t *errpos)
{
	const struct mac_form *f;
	struct ds_mac m = {{0}};
	size_t i = 0, pos = 0;
	int r;

	/*
	 * The first character after the leading run of hex digits tells the
	 * form apart; the form's own rules then decide, so that a mixed
	 * separator is reported where it stands.
	 */
	while (i < len && hexval(s[i]) >= 0)
		i++;
	if (i == len)
		f = &form_bare;
	else if (s[i] == ':')
		f = &form_colon;
	else if (s[i] == '-')
		f = &form_dash;
	else if (s[i] == '.')
		f = &form_dot;
	else {
		if (errpos)
			*errpos = i;
		return -DS_E_MAC_SYNTAX;
	}
	r = parse_form(s, len, f, &m, &pos);
	if (r < 0) {
		if (errpos)
			*errpos = pos;
		return r;
	}
	*ret = m;
	return 0;
}

int
ds_mac_format(const struct ds_mac *m, char *buf, size_t size)
{
	char tmp[DS_MAC_STRLEN];
	size_t n = 0;

	for (unsigned k = 0; k < 6; k++) {
		if (k > 0)
			tmp[n++] = ':';
		tmp[n++] = ds__hexdigits[m->b[k] >> 4];
		tmp[n++] = ds__hexdigits[m->b[k] & 0xf];
	}
	return ds__output(tmp, n, buf, size);
}

int
ds_addr_from_mac(
    const struct ds_prefix *pfx, const struct ds_mac *m, struct ds_addr *ret)
{
	struct ds_addr a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET6;
	if (pfx == NULL) {
		/* fe80::/64, RFC 4291 section 2.5.6. */
		a.u.bytes[0] = 0xfe;
		a.u.bytes[1] = 0x80;
	} else {
		if (pfx->addr.family != AF_INET6 || pfx->len > 64)
			return -EINVAL;
		/*
		 * The first 64 bits as they are, even past a shorter prefix
		 * length: "2001:db8:0:7::/48" is taken to mean subnet 7. The
		 * zone stays, since a link-local result needs it.
		 */
		memcpy(a.u.bytes, pfx->addr.u.bytes, 8);
		a.scope_id = pfx->addr.scope_id;
		memcpy(a.zone, pfx->addr.zone, sizeof(a.zone));
		a.zone[sizeof(a.zone) - 1] = '\0';
	}
	/* RFC 4291 appendix A: OUI, then ff:fe, then the other 24 bits. */
	a.u.bytes[8] = m->b[0] ^ MAC_UL_BIT;
	a.u.bytes[9] = m->b[1];
	a.u.bytes[10] = m->b[2];
	a.u.bytes[11] = 0xff;
	a.u.bytes[12] = 0xfe;
	a.u.bytes[13] = m->b[3];
	a.u.bytes[14] = m->b[4];
	a.u.bytes[15] = m->b[5];
	memcpy(ret, &a, sizeof(*ret));
	return 0;
}

int
ds_addr_to_mac(const struct ds_addr *a, struct ds_mac *ret)
{
	const uint8_t *b = a->u.bytes;
	struct ds_mac m;

	if (a->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (b[11] != 0xff || b[12] != 0xfe)
		return -DS_E_MAC_NOT_EUI64;
	m.b[0] = b[8] ^ MAC_UL_BIT;
	m.b[1] = b[9];
	m.b[2] = b[10];
	m.b[3] = b[13];
	m.b[4] = b[14];
	m.b[5] = b[15];
	*ret = m;
	return 0;
}
