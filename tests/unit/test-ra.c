/* SPDX-License-Identifier: MIT */
/*
 * ds_ra: hand-built Router Advertisements for every rule of the verdict
 * (RFC 4861 6.1.2, RFC 6980, RFC 7112), every option type with its
 * malformed forms, truncated and zero-length options, RAs behind
 * extension headers, the reassembler's bounds (overlap, too many
 * fragments, too big, timeout, eviction), the diff and the tokens.
 *
 * Frames are built octet by octet and decoded from a heap copy of exactly
 * their length, so ASan catches any read past the end. With
 * DS_RA_CORPUS=DIR in the environment every frame is also written to DIR
 * in fuzz/ra.c's input layout: that is how fuzz/corpus/ra/ was seeded.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dualstack/addr.h"
#include "dualstack/packet.h"
#include "dualstack/ra.h"

/* --- Frame builder ------------------------------------------------------- */

struct fr {
	uint8_t b[8192];
	size_t n;
	size_t ip;   /* offset of the IPv6 header */
	size_t icmp; /* offset of the ICMPv6 message */
};

static struct fr F;

static void
u8(struct fr *f, unsigned v)
{
	assert_true(f->n < sizeof(f->b));
	f->b[f->n++] = (uint8_t)v;
}

static void
be16(struct fr *f, unsigned v)
{
	u8(f, v >> 8);
	u8(f, v);
}

static void
be32(struct fr *f, uint32_t v)
{
	be16(f, v >> 16);
	be16(f, v & 0xffff);
}

static void
bytes(struct fr *f, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		u8(f, ((const uint8_t *)p)[i]);
}

static void
v6(struct fr *f, const char *s)
{
	struct ds_addr a;

	assert_int_equal(ds_addr_parse(s, strlen(s), 0, &a, NULL), 0);
	bytes(f, a.u.bytes, 16);
}

static void
eth(struct fr *f)
{
	static const uint8_t h[14] = {
	    0x33, 0x33, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 0x01, 0x86, 0xdd};

	f->n = 0;
	bytes(f, h, sizeof(h));
}

static void
ip6(struct fr *f, unsigned hop, const char *src, const char *dst, unsigned nh)
{
	f->ip = f->n;
	be32(f, 0x60000000);
	be16(f, 0); /* payload length, set by finish() */
	u8(f, nh);
	u8(f, hop);
	v6(f, src);
	v6(f, dst);
}

/* Hop-by-Hop or Destination Options of 8 octets: a PadN of 4. */
static void
ext_opts(struct fr *f, unsigned nh)
{
	u8(f, nh);
	u8(f, 0);
	u8(f, 1);
	u8(f, 4);
	be32(f, 0);
}

static void
ext_frag(struct fr *f, unsigned nh, unsigned off, bool more, uint32_t id)
{
	u8(f, nh);
	u8(f, 0);
	be16(f, off | (more ? 1 : 0));
	be32(f, id);
}

static void
ra_fixed(struct fr *f, unsigned code, unsigned flags, unsigned lifetime)
{
	f->icmp = f->n;
	u8(f, 134);
	u8(f, code);
	be16(f, 0); /* checksum, set by finish() */
	u8(f, 64);  /* Cur Hop Limit */
	u8(f, flags);
	be16(f, lifetime);
	be32(f, 30000); /* Reachable Time */
	be32(f, 1000);  /* Retrans Timer */
}

static void
opt_slla(struct fr *f)
{
	static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x01};

	u8(f, 1);
	u8(f, 1);
	bytes(f, mac, 6);
}

static void
opt_pio(struct fr *f, const char *prefix, unsigned plen, unsigned flags,
    uint32_t valid, uint32_t pref)
{
	u8(f, 3);
	u8(f, 4);
	u8(f, plen);
	u8(f, flags);
	be32(f, valid);
	be32(f, pref);
	be32(f, 0);
	v6(f, prefix);
}

static void
opt_mtu(struct fr *f, uint32_t mtu)
{
	u8(f, 5);
	u8(f, 1);
	be16(f, 0);
	be32(f, mtu);
}

static void
opt_rdnss(struct fr *f, const char *a, const char *b)
{
	u8(f, 25);
	u8(f, b ? 5 : 3);
	be16(f, 0);
	be32(f, 600);
	v6(f, a);
	if (b)
		v6(f, b);
}

static void
finish_len(struct fr *f, size_t payload)
{
	f->b[f->ip + 4] = (uint8_t)(payload >> 8);
	f->b[f->ip + 5] = (uint8_t)payload;
}

/* Set the payload length and the ICMPv6 checksum over the message. */
static void
finish(struct fr *f)
{
	struct ds_addr src, dst;
	uint16_t sum;

	finish_len(f, f->n - f->ip - 40);
	ds_addr_from_v6(f->b + f->ip + 8, &src);
	ds_addr_from_v6(f->b + f->ip + 24, &dst);
	f->b[f->icmp + 2] = f->b[f->icmp + 3] = 0;
	sum = ds_ra_icmp6_sum(&src, &dst, f->b + f->icmp, f->n - f->icmp);
	f->b[f->icmp + 2] = (uint8_t)(sum >> 8);
	f->b[f->icmp + 3] = (uint8_t)sum;
}

/* A valid RA from fe80::1 to ff02::1 with SLLA, PIO, MTU, RDNSS. */
static void
good_ra(struct fr *f, unsigned nh_chain)
{
	eth(f);
	ip6(f, 255, "fe80::1", "ff02::1", nh_chain ? nh_chain : 58);
	if (nh_chain)
		ext_opts(f, 58);
	ra_fixed(f, 0, 0xc8, 1800); /* M, O, Prf high */
	opt_slla(f);
	opt_pio(f, "2001:db8:1::", 64, 0xc0, 86400, 14400);
	opt_mtu(f, 1500);
	opt_rdnss(f, "2001:db8::53", "2001:db8::54");
	finish(f);
}

/* --- Decoding ------------------------------------------------------------ */

static struct ds_pkt P;
static struct ds_ra R;
static unsigned corpus_n;

static void
save_seed(const uint8_t *b, size_t n, int link)
{
	const char *dir = getenv("DS_RA_CORPUS");
	char path[512];
	FILE *out;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/unit-%03u", dir, corpus_n++);
	out = fopen(path, "wb");
	if (!out)
		return;
	fputc(link == DS_LINK_EN10MB ? 0 : 1, out);
	fwrite(b, 1, n, out);
	fclose(out);
}

/* Decode b[0..caplen) of a frame of wirelen octets and read the RA. */
static int
parse_cut(
    const uint8_t *b, size_t caplen, size_t wirelen, int link, unsigned how)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, b, caplen);
	save_seed(b, caplen, link);
	assert_int_equal(ds_packet_decode(copy, caplen, wirelen, link, &P), 0);
	memset(&R, 0x5a, sizeof(R));
	r = ds_ra_parse(&P, copy, how, &R);
	free(copy);
	return r;
}

static int
parse(const struct fr *f)
{
	return parse_cut(f->b, f->n, 0, DS_LINK_EN10MB, 0);
}

static const struct ds_ra_opt *
opt_of(const struct ds_ra *ra, unsigned type)
{
	for (unsigned i = 0; i < ra->n_opt; i++)
		if (ra->opt[i].type == type)
			return &ra->opt[i];
	return NULL;
}

static void
fmt_prefix(const struct ds_prefix *p, char *buf, size_t size)
{
	assert_true(ds_prefix_format(p, 0, buf, size) > 0);
}

/* --- Content ------------------------------------------------------------- */

static void
test_content(void **state)
{
	const struct ds_ra_opt *o;
	char buf[DS_PREFIX_STRLEN];

	(void)state;
	good_ra(&F, 0);
	assert_int_equal(parse(&F), 0);
	assert_int_equal(R.why, 0);
	assert_true(ds_ra_accepted(&R));
	assert_int_equal(R.flags, 0);
	assert_int_equal(R.csum, DS_RA_CSUM_OK);
	assert_int_equal(R.hop_limit, 255);
	assert_true(R.has_mac);
	assert_int_equal(R.src_mac.b[5], 1);
	assert_int_equal(R.cur_hop_limit, 64);
	assert_true(R.managed && R.other);
	assert_false(R.home_agent || R.proxy);
	assert_int_equal(R.prf, DS_PKT_PRF_HIGH);
	assert_int_equal(R.router_lifetime, 1800);
	assert_int_equal(R.reachable, 30000);
	assert_int_equal(R.retrans, 1000);
	assert_int_equal(R.n_opt, 4);
	assert_int_equal(R.opt_count, 4);
	assert_int_equal(R.n_ext, 0);

	o = opt_of(&R, DS_RA_OPT_SLLA);
	assert_non_null(o);
	assert_int_equal(o->u.lladdr.b[0], 0x02);
	o = opt_of(&R, DS_RA_OPT_PIO);
	assert_non_null(o);
	assert_int_equal(o->bad, DS_RA_OPT_OK);
	fmt_prefix(&o->u.pio.prefix, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8:1::/64");
	assert_true(o->u.pio.onlink && o->u.pio.autoconf);
	assert_false(o->u.pio.router);
	assert_int_equal(o->u.pio.valid, 86400);
	assert_int_equal(o->u.pio.preferred, 14400);
	o = opt_of(&R, DS_RA_OPT_MTU);
	assert_int_equal(o->u.mtu, 1500);
	o = opt_of(&R, DS_RA_OPT_RDNSS);
	assert_int_equal(o->u.rdnss.n, 2);
	assert_int_equal(o->u.rdnss.lifetime, 600);
	assert_int_equal(R.n_addr, 2);
	assert_int_equal(R.addr[o->u.rdnss.first + 1].u.bytes[15], 0x54);
}

/* RIO, DNSSL, PREF64, captive portal, flags expansion, unknown. */
static void
test_more_options(void **state)
{
	static const uint8_t names[] = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3,
	    'c', 'o', 'm', 0, 3, 'l', 'a', 'n', 0, 0, 0, 0, 0, 0, 0};
	static const char uri[] = "https://portal.example/x";
	const struct ds_ra_opt *o;
	char buf[DS_PREFIX_STRLEN];
	size_t l;

	(void)state;
	eth(&F);
	ip6(&F, 255, "fe80::1", "ff02::1", 58);
	ra_fixed(&F, 0, 0x18, 0); /* Prf low (11) */
	/* RIO 2001:db8:5::/48, Prf high, lifetime 900, Length 2. */
	u8(&F, 24);
	u8(&F, 2);
	u8(&F, 48);
	u8(&F, 0x08);
	be32(&F, 900);
	v6(&F, "2001:db8:5::");
	F.n -= 8;
	/* DNSSL: two names. */
	u8(&F, 31);
	u8(&F, 1 + sizeof(names) / 8);
	be16(&F, 0);
	be32(&F, 300);
	bytes(&F, names, sizeof(names));
	/* PREF64 64:ff9b::/96, lifetime 600 (scaled 75), PLC 0. */
	u8(&F, 38);
	u8(&F, 2);
	be16(&F, 600);
	v6(&F, "64:ff9b::");
	F.n -= 4;
	/* Captive portal, padded with NULs to 32 octets. */
	u8(&F, 37);
	u8(&F, 4);
	bytes(&F, uri, sizeof(uri) - 1);
	for (l = sizeof(uri) - 1 + 2; l < 32; l++)
		u8(&F, 0);
	/* Flags expansion (RFC 5175), the first extended bit set. */
	u8(&F, 26);
	u8(&F, 1);
	u8(&F, 0x80);
	for (l = 0; l < 5; l++)
		u8(&F, 0);
	/* An unknown option, type 200, 16 octets. */
	u8(&F, 200);
	u8(&F, 2);
	for (l = 0; l < 14; l++)
		u8(&F, 0xee);
	finish(&F);

	assert_int_equal(parse(&F), 0);
	assert_int_equal(R.why, 0);
	assert_int_equal(R.prf, DS_PKT_PRF_LOW);
	assert_int_equal(R.router_lifetime, 0);
	assert_int_equal(R.n_opt, 6);
	o = opt_of(&R, DS_RA_OPT_RIO);
	assert_int_equal(o->bad, 0);
	fmt_prefix(&o->u.rio.prefix, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8:5::/48");
	assert_int_equal(o->u.rio.prf, DS_PKT_PRF_HIGH);
	assert_int_equal(o->u.rio.lifetime, 900);
	o = opt_of(&R, DS_RA_OPT_DNSSL);
	assert_int_equal(o->u.dnssl.lifetime, 300);
	assert_false(o->u.dnssl.cut);
	assert_int_equal(o->u.dnssl.text_len, strlen("example.com lan"));
	assert_memory_equal(R.text + o->u.dnssl.text_off, "example.com lan",
	    o->u.dnssl.text_len);
	o = opt_of(&R, DS_RA_OPT_PREF64);
	assert_int_equal(o->bad, 0);
	assert_int_equal(o->u.pref64.lifetime, 600);
	fmt_prefix(&o->u.pref64.prefix, buf, sizeof(buf));
	assert_string_equal(buf, "64:ff9b::/96");
	o = opt_of(&R, DS_RA_OPT_CAPTIVE);
	assert_int_equal(o->u.captive.text_len, strlen(uri));
	assert_memory_equal(R.text + o->u.captive.text_off, uri, strlen(uri));
	assert_true(R.has_flags_ext);
	assert_int_equal(R.flags_ext, 0x800000000000ull);
	o = opt_of(&R, 200);
	assert_non_null(o);
	assert_int_equal(o->len, 2);
	assert_int_equal(o->off, 16 + 16 + 32 + 16 + 32 + 8);
}

/* Options a host ignores one by one, the RA standing. */
static void
test_bad_options(void **state)
{
	const struct ds_ra *ra = &R;

	(void)state;
	eth(&F);
	ip6(&F, 255, "fe80::1", "ff02::1", 58);
	ra_fixed(&F, 0, 0, 1800);
	opt_pio(&F, "fe80::", 64, 0xc0, 100, 100);        /* link-local */
	opt_pio(&F, "2001:db8:2::", 64, 0xc0, 100, 200);  /* pref > valid */
	opt_pio(&F, "2001:db8:3::", 129, 0xc0, 100, 100); /* plen */
	opt_pio(&F, "ff02::", 64, 0xc0, 100, 100);        /* multicast */
	/* PIO of Length 3. */
	u8(&F, 3);
	u8(&F, 3);
	for (int i = 0; i < 22; i++)
		u8(&F, 0);
	/* RIO /65 in Length 2. */
	u8(&F, 24);
	u8(&F, 2);
	u8(&F, 65);
	u8(&F, 0);
	be32(&F, 1);
	be32(&F, 0);
	be32(&F, 0);
	/* RDNSS of even Length. */
	u8(&F, 25);
	u8(&F, 2);
	for (int i = 0; i < 14; i++)
		u8(&F, 0);
	/* PREF64 with PLC 7. */
	u8(&F, 38);
	u8(&F, 2);
	be16(&F, 7);
	for (int i = 0; i < 12; i++)
		u8(&F, 0);
	/* MTU of Length 2. */
	u8(&F, 5);
	u8(&F, 2);
	for (int i = 0; i < 14; i++)
		u8(&F, 0);
	finish(&F);

	assert_int_equal(parse(&F), 0);
	assert_int_equal(ra->why, 0);
	assert_int_equal(ra->n_opt, 9);
	assert_int_equal(ra->opt[0].bad, DS_RA_OPT_LINK_LOCAL);
	assert_int_equal(ra->opt[1].bad, DS_RA_OPT_PREF_GT_VALID);
	assert_int_equal(ra->opt[2].bad, DS_RA_OPT_BAD_PLEN);
	assert_int_equal(ra->opt[3].bad, DS_RA_OPT_MULTICAST);
	assert_int_equal(ra->opt[4].bad, DS_RA_OPT_BAD_LEN);
	assert_int_equal(ra->opt[5].bad, DS_RA_OPT_BAD_PLEN);
	assert_int_equal(ra->opt[6].bad, DS_RA_OPT_BAD_LEN);
	assert_int_equal(ra->opt[7].bad, DS_RA_OPT_BAD_PLC);
	assert_int_equal(ra->opt[8].bad, DS_RA_OPT_BAD_LEN);
	assert_int_equal(ra->n_addr, 0);
}

/* --- The verdict, rule by rule ------------------------------------------- */

static void
test_hop_limit(void **state)
{
	(void)state;
	good_ra(&F, 0);
	F.b[F.ip + 7] = 64;
	assert_int_equal(parse(&F), 0);
	assert_int_equal(R.why, DS_RA_WHY_HOP_LIMIT);
	assert_false(ds_ra_accepted(&R));
}

static void
test_global_source(void **state)
{
	(void)state;
	eth(&F);
	ip6(&F, 255, "2001:db8::1", "ff02::1", 58);
	ra_fixed(&F, 0, 0, 1800);
	finish(&F);
	assert_int_equal(parse(&F), 0);
	assert_int_equal(R.why, DS_RA_WHY_SRC_NOT_LL);
}

static void
test_code(void **state)
{
	(void)state;
	eth(&F);
	ip6(&F, 255, "fe80::1", "ff02::1", 58);
	ra_fixed(&F, 1, 0, 1800);
	finish(&F);
	assert_int_equal(parse(&F), 0);
	assert_int_equal(R.why, DS_RA_WHY_CODE);
	assert_int_equal(R.code, 1);
}

static void
test_checksum(void **state)
{
	(void)state;
	good_ra(&F, 0);
	F.b[F.icmp + 3] ^= 1;
	assert_int_equal(parse(&F), 0);
	assert_int_equal(R.why, DS_RA_WHY_CHECKSUM);
	assert_int_equal(R.csum, DS_RA_CSUM_BAD);
}

/* ICMP length below 16: an 8-octet "RA". */
static void
test_short(void **state)
{
	(void)state;
	eth(&F);
	ip6(&F, 255, "fe80::1", "ff02::1", 58);
	F.icmp = F.n;
	u8(&F, 134);
	u8(&F, 0);
	be16(&F, 0);
	be32(&F, 0);
	finish(&F);
	assert_int_equal(parse(&F), 0);
	assert_int_equal(R.why, DS_RA_WHY_SHORT);
	assert_int_equal(R.len, 8);
	assert_int_equal(R.n_opt, 0);
}

static void
test_option_zero(void **state)
{
	(void)state;
	eth(&F);
	ip6(&F, 255, "fe80::1", "ff02::1", 58);
	ra_fixed(&F, 0, 0, 1800);
	opt_mtu(&F, 1500);
	u8(&F, 3);
	u8(&F, 0); /* length 0 */
	be16(&F, 0);
	be32(&F, 0);
	finish(&F);
	assert_int_equal(parse(&F), 0);
	assert_int_equal(R.why, DS_RA_WHY_OPT_ZERO);
	assert_int_equal(R.n_opt, 1); /* the MTU before it */
}

/* An option longer than what is left, and a lone trailing octet. */
static void
test_option_truncated(void **state)
{
	(void)state;
	eth(&F);
	ip6(&F, 255, "fe80::1", "ff02::1", 58);
	ra_fixed(&F, 0, 0, 1800);
	u8(&F, 3);
	u8(&F, 4); /* claims 32 octets, 8 follow */
	be16(&F, 0);
	be32(&F, 0);
	finish(&F);
	assert_int_equal(parse(&F), 0);
	assert_int_equal(R.why, DS_RA_WHY_OPT_TRUNC);
	assert_int_equal(R.n_opt, 0);

	eth(&F);
	ip6(&F, 255, "fe80::1", "ff02::1", 58);
	ra_fixed(&F, 0, 0, 1800);
	opt_mtu(&F, 1400);
	u8(&F, 1);
	finish(&F);
	assert_int_equal(parse(&F), 0);
	assert_int_equal(R.why, DS_RA_WHY_OPT_TRUNC);
	assert_int_equal(R.n_opt, 1);
}

static void
test_destination(void **state)
{
	(void)state;
	eth(&F);
	ip6(&F, 255, "fe80::1", "ff02::2", 58);
	ra_fixed(&F, 0, 0, 1800);
	finish(&F);
	assert_int_equal(parse(&F), 0);
	assert_int_equal(R.why, DS_RA_WHY_DST);
	/* Unicast to one host is fine. */
	eth(&F);
	ip6(&F, 255, "fe80::1", "fe80::2", 58);
	ra_fixed(&F, 0, 0, 1800);
	finish(&F);
	assert_int_equal(parse(&F), 0);
	assert_int_equal(R.why, 0);
}

/* Several reasons at once are all given. */
static void
test_many_reasons(void **state)
{
	(void)state;
	eth(&F);
	ip6(&F, 64, "2001:db8::1", "ff02::1", 58);
	ra_fixed(&F, 3, 0, 1800);
	finish(&F);
	F.b[F.icmp + 2] ^= 0x10;
	assert_int_equal(parse(&F), 0);
	assert_int_equal(R.why,
	    DS_RA_WHY_HOP_LIMIT | DS_RA_WHY_SRC_NOT_LL | DS_RA_WHY_CODE |
	        DS_RA_WHY_CHECKSUM);
}

/* Behind Destination Options and Hop-by-Hop: accepted, and flagged. */
static void
test_behind_ext(void **state)
{
	(void)state;
	good_ra(&F, 60);
	assert_int_equal(parse(&F), 0);
	assert_int_equal(R.why, 0);
	assert_int_equal(R.flags, DS_RA_F_EXT);
	assert_int_equal(R.n_ext, 1);
	assert_int_equal(R.ext[0], 60);
	assert_int_equal(R.n_opt, 4);

	eth(&F);
	ip6(&F, 255, "fe80::1", "ff02::1", 0);
	ext_opts(&F, 60);
	ext_opts(&F, 58);
	ra_fixed(&F, 0, 0, 1800);
	finish(&F);
	assert_int_equal(parse(&F), 0);
	assert_int_equal(R.why, 0);
	assert_int_equal(R.flags, DS_RA_F_EXT);
	assert_int_equal(R.n_ext, 2);
	assert_int_equal(R.ext[0], 0);
	assert_int_equal(R.ext[1], 60);
}

static void
test_atomic_fragment(void **state)
{
	(void)state;
	eth(&F);
	ip6(&F, 255, "fe80::1", "ff02::1", 44);
	ext_frag(&F, 58, 0, false, 0x1234);
	ra_fixed(&F, 0, 0, 1800);
	opt_mtu(&F, 1500);
	finish(&F);
	assert_int_equal(parse(&F), 0);
	assert_int_equal(R.why, DS_RA_WHY_FRAGMENTED);
	assert_true(R.flags & DS_RA_F_ATOMIC);
	assert_true(R.flags & DS_RA_F_EXT);
	assert_int_equal(R.n_opt, 1);
}

/* A capture cut inside an option: no checksum verdict, what is there. */
static void
test_capture_cut(void **state)
{
	(void)state;
	good_ra(&F, 0);
	assert_int_equal(parse_cut(F.b, F.n - 20, F.n, DS_LINK_EN10MB, 0), 0);
	assert_int_equal(R.why, 0);
	assert_true(R.flags & DS_RA_F_CUT);
	assert_int_equal(R.csum, DS_RA_CSUM_UNKNOWN);
	assert_int_equal(R.n_opt, 3); /* RDNSS was cut */
	/* Cut inside the fixed part. */
	assert_int_equal(
	    parse_cut(F.b, F.icmp + 10, F.n, DS_LINK_EN10MB, 0), 0);
	assert_true(R.flags & DS_RA_F_CUT);
	assert_int_equal(R.n_opt, 0);
}

static void
test_not_ra(void **state)
{
	(void)state;
	good_ra(&F, 0);
	F.b[F.icmp] = 135;
	finish(&F);
	assert_int_equal(parse(&F), -ENOENT);
	/* The first fragment of a real fragmented RA: the reassembler's. */
	eth(&F);
	ip6(&F, 255, "fe80::1", "ff02::1", 44);
	ext_frag(&F, 58, 0, true, 1);
	ra_fixed(&F, 0, 0, 1800);
	finish(&F);
	assert_int_equal(parse(&F), -ENOENT);
	assert_int_equal(ds_ra_parse(NULL, F.b, 0, &R), -EINVAL);
}

/* More options than the cap: counted, not stored. */
static void
test_capped(void **state)
{
	(void)state;
	eth(&F);
	ip6(&F, 255, "fe80::1", "ff02::1", 58);
	ra_fixed(&F, 0, 0, 1800);
	for (int i = 0; i < DS_RA_MAX_OPT + 10; i++)
		opt_mtu(&F, 1280 + (uint32_t)i);
	for (int i = 0; i < 10; i++)
		opt_rdnss(&F, "2001:db8::1", "2001:db8::2");
	finish(&F);
	assert_int_equal(parse(&F), 0);
	assert_int_equal(R.n_opt, DS_RA_MAX_OPT);
	assert_int_equal(R.opt_count, DS_RA_MAX_OPT + 20);
	assert_true(R.flags & DS_RA_F_CAPPED);
	assert_int_equal(R.why, 0);
}

/* --- Reassembly ---------------------------------------------------------- */

static struct ds_ra_reasm RS;

/* The RA of good_ra() behind Destination Options, its payload after the
 * IPv6 header in pay[], as if unfragmented. */
static size_t
ra_payload(uint8_t *pay)
{
	good_ra(&F, 60);
	memcpy(pay, F.b + F.ip + 40, F.n - F.ip - 40);
	return F.n - F.ip - 40;
}

/* One fragment of pay: octets [off, off + len). */
static void
fragment(struct fr *f, const uint8_t *pay, size_t off, size_t len, bool more,
    uint32_t id, unsigned hop)
{
	eth(f);
	ip6(f, hop, "fe80::1", "ff02::1", 44);
	ext_frag(f, 60, (unsigned)off, more, id);
	bytes(f, pay + off, len);
	finish_len(f, f->n - f->ip - 40);
}

static int
offer(const struct fr *f, uint64_t now, struct ds_ra_reasm_out *out)
{
	save_seed(f->b, f->n, DS_LINK_EN10MB);
	assert_int_equal(
	    ds_packet_decode(f->b, f->n, 0, DS_LINK_EN10MB, &P), 0);
	return ds_ra_reasm_add(&RS, &P, f->b, now, out);
}

static void
test_reasm(void **state)
{
	uint8_t pay[512];
	struct ds_ra_reasm_out out;
	size_t n = ra_payload(pay);

	(void)state;
	ds_ra_reasm_init(&RS);
	/* Second half first: order does not matter. */
	fragment(&F, pay, 32, n - 32, false, 7, 255);
	assert_int_equal(offer(&F, 1000, &out), 0);
	fragment(&F, pay, 0, 32, true, 7, 255);
	assert_int_equal(offer(&F, 2000, &out), 1);
	assert_int_equal(RS.completed, 1);
	assert_int_equal(out.n_frag, 2);
	assert_true(out.has_mac);
	assert_int_equal(out.how & DS_RA_IN_CHAIN_SPLIT, 0);
	assert_int_equal(
	    parse_cut(out.pkt, out.len, 0, DS_LINK_IPV6, out.how), 0);
	assert_int_equal(R.why, DS_RA_WHY_FRAGMENTED);
	assert_true(R.flags & DS_RA_F_REASSEMBLED);
	assert_true(R.flags & DS_RA_F_EXT);
	assert_int_equal(R.csum, DS_RA_CSUM_OK);
	assert_int_equal(R.n_opt, 4);
	assert_int_equal(R.ext[0], 44);
	assert_int_equal(R.ext[1], 60);

	/* Not a fragment: not the reassembler's. */
	good_ra(&F, 0);
	assert_int_equal(offer(&F, 3000, &out), -ENOENT);
}

/* RFC 7112: the first fragment ends inside the Destination Options. */
static void
test_reasm_chain_split(void **state)
{
	uint8_t pay[512];
	struct ds_ra_reasm_out out;
	size_t n = ra_payload(pay);

	(void)state;
	ds_ra_reasm_init(&RS);
	/* Make the Destination Options 16 octets so that 8 cut it. */
	memmove(pay + 16, pay + 8, n - 8);
	pay[1] = 1;
	memset(pay + 4, 0, 12);
	pay[2] = 1;
	pay[3] = 12;
	n += 8;
	fragment(&F, pay, 0, 8, true, 9, 255);
	assert_int_equal(offer(&F, 1, &out), 0);
	assert_true(P.ip.anom & DS_PKT_ANOM_FRAG_CHAIN);
	fragment(&F, pay, 8, n - 8, false, 9, 255);
	assert_int_equal(offer(&F, 2, &out), 1);
	assert_true(out.how & DS_RA_IN_CHAIN_SPLIT);
	assert_int_equal(
	    parse_cut(out.pkt, out.len, 0, DS_LINK_IPV6, out.how), 0);
	assert_int_equal(R.why, DS_RA_WHY_FRAGMENTED | DS_RA_WHY_CHAIN_SPLIT);
}

static void
test_reasm_bounds(void **state)
{
	uint8_t pay[DS_RA_REASM_MAX_LEN + 64];
	struct ds_ra_reasm_out out;

	(void)state;
	memset(pay, 0, sizeof(pay));
	ds_ra_reasm_init(&RS);

	/* Overlap (RFC 5722): the datagram is dropped. */
	fragment(&F, pay, 0, 16, true, 1, 255);
	assert_int_equal(offer(&F, 1, &out), 0);
	fragment(&F, pay, 8, 16, false, 1, 255);
	assert_int_equal(offer(&F, 2, &out), 0);
	assert_int_equal(RS.drop_overlap, 1);
	/* ... and a later piece starts a new one, which never completes. */
	fragment(&F, pay, 16, 8, false, 1, 255);
	assert_int_equal(offer(&F, 3, &out), 0);
	assert_int_equal(RS.completed, 0);

	/* Too many fragments. */
	for (unsigned i = 0; i <= DS_RA_REASM_MAX_FRAGS; i++) {
		fragment(&F, pay, 8 * i, 8, true, 2, 255);
		assert_int_equal(offer(&F, 4, &out), 0);
	}
	assert_int_equal(RS.drop_many, 1);

	/* Too big. */
	fragment(&F, pay, DS_RA_REASM_MAX_LEN - 8, 16, false, 3, 255);
	assert_int_equal(offer(&F, 5, &out), 0);
	assert_int_equal(RS.drop_big, 1);

	/* Timeout: the first half expires before the second comes. */
	ds_ra_reasm_init(&RS);
	fragment(&F, pay, 0, 8, true, 4, 255);
	assert_int_equal(offer(&F, 10, &out), 0);
	fragment(&F, pay, 8, 8, false, 4, 255);
	assert_int_equal(offer(&F, 10 + DS_RA_REASM_TIMEOUT_US + 1, &out), 0);
	assert_int_equal(RS.drop_timeout, 1);
	assert_int_equal(RS.completed, 0);

	/* Eviction: more datagrams than slots. */
	ds_ra_reasm_init(&RS);
	for (unsigned i = 0; i < DS_RA_REASM_SLOTS + 3; i++) {
		fragment(&F, pay, 0, 8, true, 100 + i, 255);
		assert_int_equal(offer(&F, 20 + i, &out), 0);
	}
	assert_int_equal(RS.drop_evicted, 3);

	/* Two different last fragments. */
	ds_ra_reasm_init(&RS);
	fragment(&F, pay, 8, 8, false, 5, 255);
	assert_int_equal(offer(&F, 1, &out), 0);
	fragment(&F, pay, 24, 8, false, 5, 255);
	assert_int_equal(offer(&F, 2, &out), 0);
	assert_int_equal(RS.drop_bad, 1);
	assert_int_equal(ds_ra_reasm_add(NULL, &P, F.b, 0, &out), -EINVAL);
}

/* --- Diff, prefix kinds, tokens ------------------------------------------ */

static struct ds_ra A, B;

static void
build_ra(struct ds_ra *ret, unsigned lifetime, const char *p1, const char *p2,
    const char *dns)
{
	eth(&F);
	ip6(&F, 255, "fe80::1", "ff02::1", 58);
	ra_fixed(&F, 0, 0, lifetime);
	if (p1)
		opt_pio(&F, p1, 64, 0xc0, 86400, 14400);
	if (p2)
		opt_pio(&F, p2, 64, 0xc0, 86400, 14400);
	opt_rdnss(&F, dns, NULL);
	finish(&F);
	assert_int_equal(parse(&F), 0);
	*ret = R;
}

static void
test_diff(void **state)
{
	(void)state;
	build_ra(&A, 1800, "2001:db8:1::", "2001:db8:2::", "2001:db8::53");
	build_ra(&B, 1800, "2001:db8:2::", "2001:db8:1::", "2001:db8::53");
	assert_int_equal(ds_ra_diff(&A, &B), 0);
	build_ra(&B, 600, "2001:db8:1::", "2001:db8:2::", "2001:db8::53");
	assert_int_equal(ds_ra_diff(&A, &B), DS_RA_CHG_LIFETIME);
	build_ra(&B, 1800, "2001:db8:1::", "2001:db8:3::", "2001:db8::53");
	assert_int_equal(ds_ra_diff(&A, &B),
	    DS_RA_CHG_PREFIX_ADDED | DS_RA_CHG_PREFIX_REMOVED);
	build_ra(&B, 1800, "2001:db8:1::", NULL, "2001:db8::53");
	assert_int_equal(ds_ra_diff(&A, &B), DS_RA_CHG_PREFIX_REMOVED);
	build_ra(&B, 1800, "2001:db8:1::", "2001:db8:2::", "2001:db8::54");
	assert_int_equal(ds_ra_diff(&A, &B), DS_RA_CHG_RDNSS);
	B = A;
	B.flags_octet |= 0x80;
	assert_int_equal(ds_ra_diff(&A, &B), DS_RA_CHG_FLAGS);
	B = A;
	B.prf = DS_PKT_PRF_HIGH;
	assert_int_equal(ds_ra_diff(&A, &B), DS_RA_CHG_PRF);
	/* Prefix lifetimes count down: not a change. */
	B = A;
	B.opt[0].u.pio.valid -= 10;
	assert_int_equal(ds_ra_diff(&A, &B), 0);
}

static void
test_pfx_kind(void **state)
{
	static const struct {
		const char *p;
		enum ds_ra_pfx_kind kind;
	} cases[] = {
	    {"2002:c000:204::/48", DS_RA_PFX_6TO4},
	    {"2001:0:4136:e378::/64", DS_RA_PFX_TEREDO},
	    {"fd00:1::/64", DS_RA_PFX_ULA},
	    {"2001:db8:1::/64", DS_RA_PFX_DOC},
	    {"3fff:1::/64", DS_RA_PFX_DOC},
	    {"2a01:4f8::/64", DS_RA_PFX_NORMAL},
	    {"2001:1::/64", DS_RA_PFX_NORMAL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ds_prefix p;

		assert_int_equal(ds_prefix_parse(cases[i].p, strlen(cases[i].p),
		                     0, &p, NULL),
		    0);
		assert_int_equal(ds_ra_pfx_kind(&p), cases[i].kind);
	}
}

/* The counter-RA: what a host needs to drop the rogue, nothing more. */
static void
test_build_clear(void **state)
{
	static const struct ds_mac me = {{0x02, 0, 0, 0, 0, 0x99}};
	uint8_t buf[DS_RA_FRAME_MAX];
	const struct ds_ra_opt *o;
	char pfx[DS_PREFIX_STRLEN];
	int n;

	(void)state;
	good_ra(&F, 0);
	assert_int_equal(parse(&F), 0);
	A = R;
	n = ds_ra_build_clear(&A, &me, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(parse_cut(buf, (size_t)n, 0, DS_LINK_EN10MB, 0), 0);
	assert_int_equal(R.why, 0);
	assert_int_equal(R.csum, DS_RA_CSUM_OK);
	assert_true(ds_addr_equal(&R.src, &A.src));
	assert_int_equal(R.src_mac.b[5], 0x99);
	assert_int_equal(R.router_lifetime, 0);
	assert_null(opt_of(&R, DS_RA_OPT_SLLA));
	o = opt_of(&R, DS_RA_OPT_PIO);
	assert_non_null(o);
	fmt_prefix(&o->u.pio.prefix, pfx, sizeof(pfx));
	assert_string_equal(pfx, "2001:db8:1::/64");
	assert_int_equal(o->u.pio.valid, 0);
	assert_int_equal(o->u.pio.preferred, 0);
	assert_int_equal(o->u.pio.flags, 0xc0);
	o = opt_of(&R, DS_RA_OPT_RDNSS);
	assert_non_null(o);
	assert_int_equal(o->u.rdnss.lifetime, 0);
	assert_int_equal(o->u.rdnss.n, 2);
	assert_int_equal(ds_ra_build_clear(&A, &me, buf, 60), -ENOSPC);
	assert_int_equal(ds_ra_build_clear(NULL, &me, buf, 60), -EINVAL);
}

static void
check_token(const char *t)
{
	assert_non_null(t);
	assert_true(strlen(t) > 0);
	assert_int_equal(
	    strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789-"), strlen(t));
}

static void
test_tokens(void **state)
{
	(void)state;
	for (unsigned b = 0; b < 32; b++) {
		uint32_t bit = 1u << b;

		if (bit & DS_RA_WHY_ALL)
			check_token(ds_ra_why_token(bit));
		else
			assert_null(ds_ra_why_token(bit));
		if (bit & DS_RA_CHG_ALL)
			check_token(ds_ra_change_token(bit));
		else
			assert_null(ds_ra_change_token(bit));
		if (bit <= DS_RA_F_CAPPED)
			check_token(ds_ra_flag_token(bit));
	}
	assert_null(ds_ra_why_token(3));
	for (unsigned i = 0; i < DS_RA_OPT_BAD__END; i++)
		check_token(ds_ra_optbad_token(i));
	assert_null(ds_ra_optbad_token(DS_RA_OPT_BAD__END));
	for (unsigned i = 0; i < DS_RA_PFX__END; i++)
		check_token(ds_ra_pfx_kind_token(i));
	for (unsigned i = 0; i <= DS_RA_CSUM_UNKNOWN; i++)
		check_token(ds_ra_csum_token(i));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_content),
	    cmocka_unit_test(test_more_options),
	    cmocka_unit_test(test_bad_options),
	    cmocka_unit_test(test_hop_limit),
	    cmocka_unit_test(test_global_source),
	    cmocka_unit_test(test_code),
	    cmocka_unit_test(test_checksum),
	    cmocka_unit_test(test_short),
	    cmocka_unit_test(test_option_zero),
	    cmocka_unit_test(test_option_truncated),
	    cmocka_unit_test(test_destination),
	    cmocka_unit_test(test_many_reasons),
	    cmocka_unit_test(test_behind_ext),
	    cmocka_unit_test(test_atomic_fragment),
	    cmocka_unit_test(test_capture_cut),
	    cmocka_unit_test(test_not_ra),
	    cmocka_unit_test(test_capped),
	    cmocka_unit_test(test_reasm),
	    cmocka_unit_test(test_reasm_chain_split),
	    cmocka_unit_test(test_reasm_bounds),
	    cmocka_unit_test(test_diff),
	    cmocka_unit_test(test_pfx_kind),
	    cmocka_unit_test(test_build_clear),
	    cmocka_unit_test(test_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
