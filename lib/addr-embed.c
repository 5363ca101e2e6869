/* SPDX-License-Identifier: MIT */
/*
 * Addresses inside addresses: IPv4 carried in IPv6 (RFC 4291 section
 * 2.5.5, RFC 2765, RFC 3056, RFC 4380, RFC 6052, RFC 8215) and the
 * structure of IPv6 multicast addresses (RFC 4291 section 2.7, RFC 3306,
 * RFC 3956, RFC 4607, RFC 7346).
 *
 * All of it is reading and writing fixed bit positions of u.bytes; every
 * result is built in a zeroed local and copied out only on success.
 */
#include <errno.h>

#include "addr-int.h"

/* 2002::/16, RFC 3056 section 2: the IPv4 address is bits 16-47. */
static const uint8_t pfx_6to4[2] = {0x20, 0x02};

/* 2001::/32, RFC 4380 section 2.6 (the global Teredo service prefix). */
static const uint8_t pfx_teredo[4] = {0x20, 0x01, 0x00, 0x00};

/* 64:ff9b::/96, the NAT64 well-known prefix, RFC 6052 section 2.1. */
static const uint8_t pfx_nat64_wkp[12] = {0x00, 0x64, 0xff, 0x9b};

/* 64:ff9b:1::/48, the local-use translation prefix, RFC 8215. */
static const uint8_t pfx_nat64_local[6] = {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01};

/*
 * RFC 6052 section 2.2: bits 64-71 (byte 8, the "u" octet) of an
 * IPv4-embedded IPv6 address are zero and never carry IPv4 bits.
 */
#define NAT64_U_BYTE 8

/* The Teredo flags (bits 64-79), RFC 4380 section 4: C is the top bit. */
#define TEREDO_CONE 0x8000u

/* The multicast flag nibble, RFC 4291 section 2.7 and RFC 3956 section 3. */
#define MCAST_FLAG_R 0x4u
#define MCAST_FLAG_P 0x2u
#define MCAST_FLAG_T 0x1u

/*
 * Length of the network prefix field of a unicast-prefix-based multicast
 * address, RFC 3306 section 4: plen may not exceed it.
 */
#define MCAST_PREFIX_FIELD_BITS 64

static bool
all_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (b[i])
			return false;
	}
	return true;
}

static uint16_t
get_be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t
get_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* A zeroed AF_INET value holding the 4 bytes at b (network order). */
static void
v4_from_bytes(const uint8_t *b, struct ds_addr *ret)
{
	struct ds_addr a = {0};

	a.family = AF_INET;
	memcpy(a.u.bytes, b, 4);
	*ret = a;
}

int
ds_addr_embedded_v4(const struct ds_addr *a, struct ds_addr *ret_v4)
{
	const uint8_t *b = a->u.bytes;
	const uint8_t *v4 = b + 12;
	int kind;

	if (a->family != AF_INET6)
		return -DS_E_NOT_EMBEDDED;

	if (all_zero(b, 10) && b[10] == 0xff && b[11] == 0xff) {
		/* ::ffff:0:0/96, RFC 4291 section 2.5.5.2. */
		kind = DS_EMBED_MAPPED;
	} else if (all_zero(b, 8) && b[8] == 0xff && b[9] == 0xff &&
	    b[10] == 0 && b[11] == 0) {
		/* ::ffff:0:0:0/96, RFC 2765 section 2.1. */
		kind = DS_EMBED_TRANSLATED;
	} else if (all_zero(b, 12) && b[12] != 0) {
		/*
		 * ::/96, RFC 4291 section 2.5.5.1 (deprecated). The IPv4
		 * address there must be a global unicast one, which 0.0.0.0/8
		 * ("this network", RFC 1122 section 3.2.1.3) never is. So
		 * ::/104 is not "compatible": that keeps out :: and ::1, which
		 * the section names, and also the small numbers people write by
		 * hand (::2, ::ff) that carry no IPv4 address at all.
		 */
		kind = DS_EMBED_COMPATIBLE;
	} else if (ds__bits_equal(b, pfx_6to4, 16)) {
		v4 = b + 2;
		kind = DS_EMBED_6TO4;
	} else if (ds__bits_equal(b, pfx_nat64_wkp, 96)) {
		kind = DS_EMBED_NAT64_WKP;
	} else if (ds__bits_equal(b, pfx_nat64_local, 48) &&
	    b[NAT64_U_BYTE] == 0) {
		/*
		 * RFC 8215 reserves 64:ff9b:1::/48 and lets the operator pick
		 * the translation prefix inside it, of any RFC 6052 length.
		 * From the address alone we cannot know which, so it is read
		 * as a /96 (IPv4 in the last 32 bits), as addr.h documents.
		 * Whatever the length, the u octet is zero (RFC 6052 section
		 * 2.2); an address where it is not was not synthesised.
		 * ds_nat64_extract() with the real prefix is exact.
		 */
		kind = DS_EMBED_NAT64_WKP;
	} else if (ds__bits_equal(b, pfx_teredo, 32)) {
		/* The server, bits 32-63, RFC 4380 section 4. */
		v4 = b + 4;
		kind = DS_EMBED_TEREDO;
	} else {
		return -DS_E_NOT_EMBEDDED;
	}

	v4_from_bytes(v4, ret_v4);
	return kind;
}

int
ds_teredo_decode(const struct ds_addr *a, struct ds_teredo *ret)
{
	const uint8_t *b = a->u.bytes;
	struct ds_teredo t = {0};
	uint8_t client[4];

	if (a->family != AF_INET6 || !ds__bits_equal(b, pfx_teredo, 32))
		return -DS_E_NOT_TEREDO;

	/*
	 * RFC 4380 section 4: prefix (32 bits), server IPv4 (32), flags
	 * (16), then the client's mapped port (16) and public IPv4 (32),
	 * both sent with every bit inverted so that NATs rewriting
	 * addresses in payloads leave them alone.
	 */
	v4_from_bytes(b + 4, &t.server);
	t.flags = get_be16(b + 8);
	t.cone = (t.flags & TEREDO_CONE) != 0;
	t.port = (uint16_t)(get_be16(b + 10) ^ 0xffffu);
	for (size_t i = 0; i < 4; i++)
		client[i] = (uint8_t)(b[12 + i] ^ 0xffu);
	v4_from_bytes(client, &t.client);

	*ret = t;
	return 0;
}

/*
 * Check a translation prefix, RFC 6052 section 2.2: IPv6, one of the six
 * lengths, and for /96 (the only length that covers them) bits 64-71
 * zero, which the section requires administrators to ensure.
 */
static int
nat64_check_prefix(const struct ds_prefix *pfx)
{
	switch (pfx->len) {
	case 32:
	case 40:
	case 48:
	case 56:
	case 64:
	case 96:
		break;
	default:
		return -DS_E_NAT64_PREFIX;
	}
	if (pfx->len == 96 && pfx->addr.u.bytes[NAT64_U_BYTE] != 0)
		return -EINVAL;
	return 0;
}

int
ds_nat64_synthesize(
    const struct ds_prefix *pfx, const struct ds_addr *v4, struct ds_addr *ret)
{
	struct ds_addr a = {0};
	unsigned pos;
	int r;

	if (pfx->addr.family != AF_INET6 || v4->family != AF_INET)
		return -EAFNOSUPPORT;
	r = nat64_check_prefix(pfx);
	if (r < 0)
		return r;

	/*
	 * The IPv4 bytes follow the prefix, stepping over the u octet; the
	 * suffix stays zero (RFC 6052 section 2.2). Every valid length is a
	 * whole number of bytes, and the prefix's own bits beyond its
	 * length are never copied.
	 */
	a.family = AF_INET6;
	pos = pfx->len / 8;
	memcpy(a.u.bytes, pfx->addr.u.bytes, pos);
	for (size_t i = 0; i < 4; i++) {
		if (pos == NAT64_U_BYTE)
			pos++;
		a.u.bytes[pos++] = v4->u.bytes[i];
	}

	*ret = a;
	return 0;
}

int
ds_nat64_extract(const struct ds_prefix *pfx, const struct ds_addr *v6,
    struct ds_addr *ret_v4)
{
	const uint8_t *b = v6->u.bytes;
	uint8_t v4[4];
	unsigned pos;
	int r;

	if (pfx->addr.family != AF_INET6 || v6->family != AF_INET6)
		return -EAFNOSUPPORT;
	r = nat64_check_prefix(pfx);
	if (r < 0)
		return r;
	if (!ds__bits_equal(b, pfx->addr.u.bytes, pfx->len))
		return -EINVAL;

	/*
	 * RFC 6052 section 2.2: the u octet MUST be zero, so an address with
	 * anything there was not made from this prefix. The suffix is only
	 * SHOULD be zero, and receivers are told to ignore it: we do.
	 */
	if (b[NAT64_U_BYTE] != 0)
		return -EINVAL;

	pos = pfx->len / 8;
	for (size_t i = 0; i < 4; i++) {
		if (pos == NAT64_U_BYTE)
			pos++;
		v4[i] = b[pos++];
	}

	v4_from_bytes(v4, ret_v4);
	return 0;
}

/*
 * The unicast prefix of an RFC 3306 or RFC 3956 address: the first plen
 * bits of the 64-bit network prefix field (bytes 4-11), the rest zero.
 * RFC 3306 section 4 says only the first plen bits identify the subnet,
 * and RFC 3956 section 4 copies only those into the RP address, so any
 * other bits in the field are not part of it.
 */
static void
mcast_unicast_prefix(const uint8_t *b, unsigned plen, struct ds_prefix *ret)
{
	struct ds_prefix p = {0};

	p.addr.family = AF_INET6;
	memcpy(p.addr.u.bytes, b + 4, 8);
	ds__bits_clear_from(p.addr.u.bytes, plen, 16);
	p.len = plen;
	*ret = p;
}

int
ds_mcast_decode(const struct ds_addr *a, struct ds_mcast *ret)
{
	const uint8_t *b = a->u.bytes;
	struct ds_mcast m = {0};
	unsigned plen = b[3];

	if (a->family != AF_INET6 || b[0] != 0xff)
		return -DS_E_NOT_MULTICAST;

	/*
	 * RFC 4291 section 2.7: ff, a flag nibble 0RPT, a scope nibble (the
	 * values are listed in RFC 7346 section 2; all 16 are reported as
	 * they are), then 112 bits of group ID. The reserved flag is
	 * reported in flags but does not change how the rest is read.
	 */
	m.flags = b[1] >> 4;
	m.r = (m.flags & MCAST_FLAG_R) != 0;
	m.p = (m.flags & MCAST_FLAG_P) != 0;
	m.t = (m.flags & MCAST_FLAG_T) != 0;
	m.scope = b[1] & 0x0fu;

	if (m.p && m.t && !m.r && all_zero(b + 2, 10)) {
		/*
		 * plen 0 and an all-zero prefix: source-specific multicast,
		 * RFC 3306 section 6. RFC 4607 section 1 sets aside ff3x::/32
		 * for SSM but allows only ff3x::/96 for now, so a plen of 0
		 * with a non-zero network prefix field is left PLAIN below.
		 */
		m.form = DS_MCAST_SSM;
		m.group_id = get_be32(b + 12);
	} else if (m.p && m.t && plen >= 1 && plen <= MCAST_PREFIX_FIELD_BITS) {
		/*
		 * RFC 3306 section 4: P=1 needs T=1; byte 2 is reserved
		 * (RFC 7371 later made its high nibble more flag bits), byte
		 * 3 is plen, bytes 4-11 the network prefix, bytes 12-15 the
		 * group ID. Reserved bits are not checked: they do not change
		 * the layout, and a receiver has no use for refusing them.
		 */
		m.form = m.r ? DS_MCAST_EMBEDDED_RP : DS_MCAST_PREFIX;
		mcast_unicast_prefix(b, plen, &m.prefix);
		m.group_id = get_be32(b + 12);
		if (m.r) {
			/*
			 * RFC 3956 sections 3 and 4: R=1 (only with P=1 and
			 * T=1) and the low nibble of byte 2 is the RIID. The
			 * RP is the prefix, zeros, and the RIID as the last 4
			 * bits; plen <= 64 keeps those bits clear. RIID 0 is
			 * reserved (section 6.3) but still decoded here, so
			 * the caller sees what the address says.
			 */
			m.rp = m.prefix.addr;
			m.rp.u.bytes[15] |= b[2] & 0x0fu;
		}
	} else {
		/*
		 * Everything else, including addresses whose flags promise a
		 * structure they do not have: P without T, R without P and T,
		 * plen 0 in an R address (RFC 3956 section 3 forbids it) and
		 * plen above 64 (RFC 3306 section 4). The last is not an
		 * error: RFC 4489 link-scoped addresses (ff32:ff::/32) use
		 * plen 255 to say an interface ID follows, so the address is
		 * valid multicast, just not of a form this decoder splits.
		 */
		m.form = DS_MCAST_PLAIN;
		memcpy(m.group, b + 2, sizeof(m.group));
	}

	*ret = m;
	return 0;
}

int
ds_addr_solicited_node(const struct ds_addr *u, struct ds_addr *ret)
{
	struct ds_addr a = {0};

	if (u->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (u->u.bytes[0] == 0xff)
		return -EINVAL;

	/*
	 * ff02::1:ff00:0/104 followed by the low 24 bits of u, RFC 4291
	 * section 2.7.1. The result is link-scoped multicast but carries no
	 * zone: the caller knows which link it is for.
	 */
	a.family = AF_INET6;
	a.u.bytes[0] = 0xff;
	a.u.bytes[1] = 0x02;
	a.u.bytes[11] = 0x01;
	a.u.bytes[12] = 0xff;
	memcpy(a.u.bytes + 13, u->u.bytes + 13, 3);

	*ret = a;
	return 0;
}
