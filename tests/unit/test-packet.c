/* SPDX-License-Identifier: MIT */
/*
 * ds_packet_decode: hand-built frames for every link layer, header, option
 * and anomaly the decoder knows, with exact field values and offsets;
 * every truncation point of a long header chain, by the capture and by
 * the packet; hostile inputs (deep chains, lengths past the end, padding
 * loops); ICMPv6 errors with the invoking packet inside; the name tables.
 *
 * Frames are built byte by byte by the helpers below (never from structs
 * laid over memory) and decoded from a heap copy of exactly their length,
 * so ASan catches any read past the end.
 *
 * With DS_PKT_CORPUS=DIR in the environment, every frame decoded here is
 * also written to DIR in the fuzz target's input layout (fuzz/packet.c),
 * which is how fuzz/corpus/packet/ was seeded.
 */
#include <arpa/inet.h>
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

/* --- Frame builder ------------------------------------------------------- */

struct pk {
	uint8_t b[1 << 17];
	size_t n;
	int link;
};

static struct pk K;

static void
pk_reset(struct pk *k, int link)
{
	k->n = 0;
	k->link = link;
}

static void
u8(struct pk *k, unsigned v)
{
	assert_true(k->n < sizeof(k->b));
	k->b[k->n++] = (uint8_t)v;
}

static void
be16(struct pk *k, unsigned v)
{
	u8(k, v >> 8);
	u8(k, v);
}

static void
be32(struct pk *k, uint32_t v)
{
	be16(k, v >> 16);
	be16(k, v & 0xffff);
}

static void
zeros(struct pk *k, size_t n)
{
	while (n--)
		u8(k, 0);
}

static void
set16(struct pk *k, size_t off, unsigned v)
{
	k->b[off] = (uint8_t)(v >> 8);
	k->b[off + 1] = (uint8_t)v;
}

static void
addr6(struct pk *k, const char *s)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
	for (int i = 0; i < 16; i++)
		u8(k, a[i]);
}

static void
addr4(struct pk *k, const char *s)
{
	uint8_t a[4];

	assert_int_equal(inet_pton(AF_INET, s, a), 1);
	for (int i = 0; i < 4; i++)
		u8(k, a[i]);
}

static const uint8_t MAC_DST[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t MAC_SRC[6] = {0x02, 0, 0, 0, 0, 0x01};

/* Ethernet II header, 14 octets. */
static void
eth(struct pk *k, unsigned type)
{
	for (int i = 0; i < 6; i++)
		u8(k, MAC_DST[i]);
	for (int i = 0; i < 6; i++)
		u8(k, MAC_SRC[i]);
	be16(k, type);
}

#define SRC6 "2001:db8::1"
#define DST6 "2001:db8::2"

/* IPv6 header with traffic class tc and flow label fl; returns offset. */
static size_t
ip6x(struct pk *k, unsigned nxt, unsigned hlim, unsigned tc, uint32_t fl,
    const char *src, const char *dst)
{
	size_t off = k->n;

	be32(k, 6u << 28 | tc << 20 | fl);
	be16(k, 0); /* payload length: ip6_done() */
	u8(k, nxt);
	u8(k, hlim);
	addr6(k, src);
	addr6(k, dst);
	return off;
}

static size_t
ip6(struct pk *k, unsigned nxt)
{
	return ip6x(k, nxt, 64, 0, 0, SRC6, DST6);
}

static void
ip6_done(struct pk *k, size_t off)
{
	set16(k, off + 4, (unsigned)(k->n - off - 40));
}

/* IPv4 header, 20 octets plus 'optlen' option octets given in opts. */
static size_t
ip4x(struct pk *k, unsigned proto, unsigned fragword, const uint8_t *opts,
    size_t optlen)
{
	size_t off = k->n;

	assert_true(optlen % 4 == 0 && optlen <= 40);
	u8(k, 0x40 | (unsigned)(5 + optlen / 4));
	u8(k, 0x2e << 2 | 1); /* EF, ECT(1) */
	be16(k, 0);           /* total length: ip4_done() */
	be16(k, 0x1234);
	be16(k, fragword);
	u8(k, 63);
	u8(k, proto);
	be16(k, 0); /* checksum: ip4_done() */
	addr4(k, "192.0.2.1");
	addr4(k, "198.51.100.7");
	for (size_t i = 0; i < optlen; i++)
		u8(k, opts[i]);
	return off;
}

static void
ip4_done(struct pk *k, size_t off)
{
	size_t hl = (k->b[off] & 15u) * 4;
	uint32_t sum = 0;

	set16(k, off + 2, (unsigned)(k->n - off));
	set16(k, off + 10, 0);
	for (size_t i = 0; i < hl; i += 2)
		sum += (uint32_t)(k->b[off + i] << 8 | k->b[off + i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	set16(k, off + 10, ~sum & 0xffff);
}

/*
 * Start an extension header of 'len' octets (a multiple of 8) with next
 * header nh; the caller writes the remaining len - 2 octets.
 */
static size_t
ext(struct pk *k, unsigned nh, size_t len)
{
	size_t off = k->n;

	assert_true(len >= 8 && len % 8 == 0);
	u8(k, nh);
	u8(k, (unsigned)(len / 8 - 1));
	return off;
}

/* A whole Destination Options (or HbH) header of 8 octets: PadN 4. */
static size_t
ext_pad8(struct pk *k, unsigned type, unsigned nh)
{
	size_t off = ext(k, nh, 8);

	(void)type;
	u8(k, 1);
	u8(k, 4);
	zeros(k, 4);
	return off;
}

static size_t
frag(struct pk *k, unsigned nh, unsigned offset, bool more, uint32_t id)
{
	size_t off = k->n;

	u8(k, nh);
	u8(k, 0);
	be16(k, offset | (more ? 1u : 0u));
	be32(k, id);
	return off;
}

static size_t
udp(struct pk *k, unsigned sport, unsigned dport, size_t payload)
{
	size_t off = k->n;

	be16(k, sport);
	be16(k, dport);
	be16(k, (unsigned)(8 + payload));
	be16(k, 0xbeef);
	for (size_t i = 0; i < payload; i++)
		u8(k, 'a' + (unsigned)(i % 26));
	return off;
}

/* TCP with the given option octets (a multiple of 4). */
static size_t
tcp(struct pk *k, unsigned sport, unsigned dport, unsigned flags,
    const uint8_t *opts, size_t optlen)
{
	size_t off = k->n;

	assert_true(optlen % 4 == 0);
	be16(k, sport);
	be16(k, dport);
	be32(k, 0x01020304);
	be32(k, 0xa0b0c0d0);
	u8(k, (unsigned)((5 + optlen / 4) << 4 | (flags >> 8)));
	u8(k, flags & 0xff);
	be16(k, 65535);
	be16(k, 0x1111);
	be16(k, 7);
	for (size_t i = 0; i < optlen; i++)
		u8(k, opts[i]);
	return off;
}

static size_t
icmp6(struct pk *k, unsigned type, unsigned code, uint32_t word)
{
	size_t off = k->n;

	u8(k, type);
	u8(k, code);
	be16(k, 0xcafe);
	be32(k, word);
	return off;
}

/* --- Decoding ------------------------------------------------------------ */

/* The fuzz target's link index (fuzz/packet.c link_types[]). */
static int
fuzz_link_index(int link)
{
	static const int order[] = {DS_LINK_EN10MB, DS_LINK_RAW,
	    DS_LINK_LINUX_SLL, DS_LINK_LINUX_SLL2, DS_LINK_NULL, DS_LINK_LOOP,
	    DS_LINK_IPV4, DS_LINK_IPV6};

	for (int i = 0; i < 8; i++)
		if (order[i] == link)
			return i;
	return -1;
}

static void
emit_corpus(const uint8_t *b, size_t caplen, size_t wirelen, int link)
{
	static unsigned seq;
	const char *dir = getenv("DS_PKT_CORPUS");
	int li = fuzz_link_index(link);
	char path[512];
	FILE *f;

	if (!dir || li < 0 || caplen > 4096 || (wirelen && wirelen < caplen) ||
	    (wirelen && wirelen - caplen > 255))
		return;
	snprintf(path, sizeof(path), "%s/unit-%04u", dir, seq++);
	f = fopen(path, "wb");
	if (!f)
		return;
	fputc(li, f);
	fputc(wirelen ? (int)(wirelen - caplen) : 0, f);
	fwrite(b, 1, caplen, f);
	fclose(f);
}

static struct ds_pkt P;

/* Decode the first caplen octets of k, wirelen on the wire (0: same). */
static struct ds_pkt *
decode_part(const struct pk *k, size_t caplen, size_t wirelen)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);

	assert_non_null(copy);
	memcpy(copy, k->b, caplen);
	memset(&P, 0xa5, sizeof(P));
	assert_int_equal(
	    ds_packet_decode(copy, caplen, wirelen, k->link, &P), 0);
	emit_corpus(copy, caplen, wirelen, k->link);
	free(copy);
	return &P;
}

static struct ds_pkt *
decode(const struct pk *k)
{
	return decode_part(k, k->n, 0);
}

static void
assert_addr(const struct ds_addr *a, const char *text)
{
	char buf[DS_ADDR_STRLEN];

	assert_true(ds_addr_format(a, 0, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, text);
}

static void
assert_no_err(const struct ds_pkt_ip *ip)
{
	if (ip->err.kind != DS_PKT_ERR_NONE)
		fail_msg("unexpected error: %s in %s at %u (%s)",
		    ds_packet_err_kind_token(ip->err.kind),
		    ds_packet_layer_token(ip->err.layer), ip->err.off,
		    ds_packet_why_token(ip->err.why));
}

static void
assert_err(const struct ds_pkt_ip *ip, unsigned kind, unsigned layer,
    unsigned why, uint32_t off)
{
	if (ip->err.kind != kind || ip->err.layer != layer ||
	    ip->err.why != why || ip->err.off != off)
		fail_msg("expected %s in %s (%s) at %u, got %s in %s (%s) at "
		         "%u",
		    ds_packet_err_kind_token(kind),
		    ds_packet_layer_token(layer), ds_packet_why_token(why), off,
		    ds_packet_err_kind_token(ip->err.kind),
		    ds_packet_layer_token(ip->err.layer),
		    ds_packet_why_token(ip->err.why), ip->err.off);
}

static const struct ds_pkt_opt *
opt_of(const struct ds_pkt *p, const struct ds_pkt_optlist *l, unsigned i)
{
	assert_true(i < l->n);
	return &p->opt[l->first + i];
}

/* --- Link layers --------------------------------------------------------- */

/* IPv6 + UDP after whatever link header is in k; returns the IP offset. */
static size_t
v6_udp(struct pk *k)
{
	size_t ip = ip6(k, 17);

	udp(k, 5353, 53, 4);
	ip6_done(k, ip);
	return ip;
}

static void
check_v6_udp(const struct ds_pkt *p, uint32_t ipoff)
{
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.version, 6);
	assert_int_equal(p->ip.off, ipoff);
	assert_int_equal(p->link.len, ipoff);
	assert_int_equal(p->link.ethertype, 0x86dd);
	assert_int_equal(p->ip.l4, DS_PKT_L4_UDP);
	assert_int_equal(p->ip.l4_off, ipoff + 40);
	assert_int_equal(p->ip.u.udp.sport, 5353);
	assert_int_equal(p->ip.u.udp.dport, 53);
	assert_int_equal(p->ip.anom, 0);
}

static void
test_link_ethernet(void **state)
{
	struct ds_pkt *p;

	(void)state;
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 0x86dd);
	v6_udp(&K);
	p = decode(&K);
	check_v6_udp(p, 14);
	assert_int_equal(p->link.type, DS_LINK_EN10MB);
	assert_memory_equal(p->link.dst.b, MAC_DST, 6);
	assert_memory_equal(p->link.src.b, MAC_SRC, 6);
	assert_int_equal(p->link.n_vlan, 0);
	assert_int_equal(p->caplen, K.n);
	assert_int_equal(p->wirelen, K.n);
}

static void
test_link_vlan(void **state)
{
	struct ds_pkt *p;

	(void)state;
	/* 802.1ad outer tag (S-VLAN 100), 802.1Q inner (C-VLAN 42, PCP 5,
	 * DEI). */
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 0x88a8);
	be16(&K, 100);
	be16(&K, 0x8100);
	be16(&K, 5u << 13 | 1u << 12 | 42);
	be16(&K, 0x86dd);
	v6_udp(&K);
	p = decode(&K);
	check_v6_udp(p, 22);
	assert_int_equal(p->link.n_vlan, 2);
	assert_int_equal(p->link.vlan_count, 2);
	assert_int_equal(p->link.vlan[0].tpid, 0x88a8);
	assert_int_equal(p->link.vlan[0].off, 12);
	assert_int_equal(p->link.vlan[0].vid, 100);
	assert_int_equal(p->link.vlan[0].pcp, 0);
	assert_false(p->link.vlan[0].dei);
	assert_int_equal(p->link.vlan[1].tpid, 0x8100);
	assert_int_equal(p->link.vlan[1].off, 16);
	assert_int_equal(p->link.vlan[1].vid, 42);
	assert_int_equal(p->link.vlan[1].pcp, 5);
	assert_true(p->link.vlan[1].dei);
	assert_int_equal(p->capped, 0);

	/* Six tags: four stored, all counted, the cap noted. */
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 0x8100);
	for (int i = 0; i < 6; i++) {
		be16(&K, (unsigned)i + 1);
		be16(&K, i < 5 ? 0x8100 : 0x86dd);
	}
	v6_udp(&K);
	p = decode(&K);
	check_v6_udp(p, 14 + 24);
	assert_int_equal(p->link.n_vlan, DS_PKT_MAX_VLAN);
	assert_int_equal(p->link.vlan_count, 6);
	assert_int_equal(p->link.vlan[3].vid, 4);
	assert_true(p->capped & DS_PKT_CAPPED_VLAN);

	/* A tag cut by the capture. */
	p = decode_part(&K, 16, 100);
	assert_err(&p->ip, DS_PKT_ERR_TRUNC_CAPTURE, DS_PKT_LAYER_LINK,
	    DS_PKT_WHY_SHORT, 14);
	assert_int_equal(p->ip.version, 0);
}

static void
test_link_other(void **state)
{
	struct ds_pkt *p;

	(void)state;
	/* ARP: the link layer is all there is, no error. */
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 0x0806);
	zeros(&K, 28);
	p = decode(&K);
	assert_int_equal(p->link.ethertype, 0x0806);
	assert_int_equal(p->ip.version, 0);
	assert_no_err(&p->ip);
	assert_string_equal(ds_packet_ethertype_token(0x0806), "arp");

	/* 802.3 length field: not an EtherType. */
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 46);
	zeros(&K, 46);
	p = decode(&K);
	assert_int_equal(p->link.ethertype, 0);
	assert_int_equal(p->ip.version, 0);

	/* Short Ethernet header. */
	p = decode_part(&K, 13, 0);
	assert_err(&p->ip, DS_PKT_ERR_TRUNC_PACKET, DS_PKT_LAYER_LINK,
	    DS_PKT_WHY_SHORT, 0);
	assert_int_equal(p->ip.err.end, 14);
	p = decode_part(&K, 0, 60);
	assert_err(&p->ip, DS_PKT_ERR_TRUNC_CAPTURE, DS_PKT_LAYER_LINK,
	    DS_PKT_WHY_SHORT, 0);
}

static void
test_link_sll(void **state)
{
	struct ds_pkt *p;

	(void)state;
	pk_reset(&K, DS_LINK_LINUX_SLL);
	be16(&K, 4); /* outgoing */
	be16(&K, 1); /* ARPHRD_ETHER */
	be16(&K, 6); /* address length */
	for (int i = 0; i < 6; i++)
		u8(&K, MAC_SRC[i]);
	zeros(&K, 2);
	be16(&K, 0x86dd);
	v6_udp(&K);
	p = decode(&K);
	check_v6_udp(p, 16);
	assert_int_equal(p->link.sll_pkttype, 4);
	assert_int_equal(p->link.sll_hatype, 1);
	assert_int_equal(p->link.sll_halen, 6);
	assert_memory_equal(p->link.sll_addr, MAC_SRC, 6);

	pk_reset(&K, DS_LINK_LINUX_SLL2);
	be16(&K, 0x86dd);
	be16(&K, 0);
	be32(&K, 7); /* ifindex */
	be16(&K, 1);
	u8(&K, 0); /* to us */
	u8(&K, 6);
	for (int i = 0; i < 6; i++)
		u8(&K, MAC_SRC[i]);
	zeros(&K, 2);
	v6_udp(&K);
	p = decode(&K);
	check_v6_udp(p, 20);
	assert_int_equal(p->link.sll_ifindex, 7);
	assert_int_equal(p->link.sll_pkttype, 0);
	assert_int_equal(p->link.sll_hatype, 1);
	assert_int_equal(p->link.sll_halen, 6);

	p = decode_part(&K, 19, 0);
	assert_err(&p->ip, DS_PKT_ERR_TRUNC_PACKET, DS_PKT_LAYER_LINK,
	    DS_PKT_WHY_SHORT, 0);
}

static void
test_link_loopback(void **state)
{
	struct ds_pkt *p;
	struct {
		int link;
		uint8_t b[4];
		uint32_t family;
	} cases[] = {
	    {DS_LINK_NULL, {30, 0, 0, 0}, 30}, /* Darwin, little-endian */
	    {DS_LINK_NULL, {0, 0, 0, 24}, 24}, /* OpenBSD, big-endian */
	    {DS_LINK_NULL, {28, 0, 0, 0}, 28}, /* FreeBSD */
	    {DS_LINK_NULL, {10, 0, 0, 0}, 10}, /* Linux */
	    {DS_LINK_LOOP, {0, 0, 0, 24}, 24}, /* network order always */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pk_reset(&K, cases[i].link);
		for (int j = 0; j < 4; j++)
			u8(&K, cases[i].b[j]);
		v6_udp(&K);
		p = decode(&K);
		check_v6_udp(p, 4);
		assert_int_equal(p->link.family, cases[i].family);
	}

	/* AF_INET. */
	pk_reset(&K, DS_LINK_NULL);
	be32(&K, 0x02000000);
	{
		size_t ip = ip4x(&K, 17, 0, NULL, 0);

		udp(&K, 1, 2, 0);
		ip4_done(&K, ip);
	}
	p = decode(&K);
	assert_int_equal(p->link.family, 2);
	assert_int_equal(p->ip.version, 4);

	/* Unknown family: not IP, no error. */
	pk_reset(&K, DS_LINK_NULL);
	be32(&K, 0x07000000);
	zeros(&K, 40);
	p = decode(&K);
	assert_int_equal(p->link.ethertype, 0);
	assert_int_equal(p->ip.version, 0);
	assert_no_err(&p->ip);
}

static void
test_link_raw(void **state)
{
	static const int raws[] = {
	    DS_LINK_RAW, DS_LINK_RAW_LT, DS_LINK_RAW_OPENBSD, DS_LINK_IPV6};
	struct ds_pkt *p;

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		pk_reset(&K, raws[i]);
		v6_udp(&K);
		p = decode(&K);
		check_v6_udp(p, 0);
	}

	/* DS_LINK_IPV4 promises IPv4. */
	pk_reset(&K, DS_LINK_IPV4);
	v6_udp(&K);
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_IPV4,
	    DS_PKT_WHY_VERSION, 0);

	/* Raw with version 5. */
	pk_reset(&K, DS_LINK_RAW);
	u8(&K, 0x50);
	zeros(&K, 39);
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_IP,
	    DS_PKT_WHY_VERSION, 0);
	assert_int_equal(p->ip.version, 0);

	/* Empty raw frame. */
	p = decode_part(&K, 0, 0);
	assert_err(&p->ip, DS_PKT_ERR_TRUNC_PACKET, DS_PKT_LAYER_IP,
	    DS_PKT_WHY_SHORT, 0);
}

static void
test_args(void **state)
{
	uint8_t b[40] = {0x60};
	struct ds_pkt p;

	(void)state;
	memset(&p, 0x77, sizeof(p));
	assert_int_equal(
	    ds_packet_decode(b, 40, 0, DS_LINK_RAW, NULL), -EINVAL);
	assert_int_equal(
	    ds_packet_decode(NULL, 1, 0, DS_LINK_RAW, &p), -EINVAL);
	assert_int_equal(ds_packet_decode(b, 40, 39, DS_LINK_RAW, &p), -EINVAL);
	assert_int_equal(ds_packet_decode(b, 40, 0, 147, &p), -EPROTONOSUPPORT);
	assert_int_equal(ds_packet_decode(b, 40, 0, -1, &p), -EPROTONOSUPPORT);
	/* *ret untouched on failure. */
	assert_int_equal(p.caplen, 0x77777777);
	assert_int_equal(ds_packet_decode(NULL, 0, 0, DS_LINK_RAW, &p), 0);
	assert_int_equal(p.caplen, 0);
	assert_int_equal(p.ip.version, 0);
	assert_int_equal(p.ip.err.kind, DS_PKT_ERR_TRUNC_PACKET);
}

/* --- IPv6 fixed header --------------------------------------------------- */

static void
test_ip6_header(void **state)
{
	struct ds_pkt *p;
	struct ds_tuple t;
	size_t ip;

	(void)state;
	/* Traffic class 0xb9: DSCP 46 (EF), ECN 1 (ECT(1)). */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6x(&K, 17, 255, 0xb9, 0xabcde, "fe80::1", "ff02::fb");
	udp(&K, 5353, 5353, 12);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.version, 6);
	assert_int_equal(p->ip.dscp, 46);
	assert_int_equal(p->ip.ecn, 1);
	assert_string_equal(ds_packet_dscp_token(p->ip.dscp), "ef");
	assert_string_equal(ds_packet_ecn_token(p->ip.ecn), "ect1");
	assert_int_equal(p->ip.flow_label, 0xabcde);
	assert_int_equal(p->ip.payload_len, 20);
	assert_int_equal(p->ip.total_len, 60);
	assert_int_equal(p->ip.next, 17);
	assert_int_equal(p->ip.proto, 17);
	assert_int_equal(p->ip.hop_limit, 255);
	assert_int_equal(p->ip.hdr_len, 40);
	assert_int_equal(p->ip.n_ext, 0);
	assert_int_equal(p->ip.trailer, 0);
	assert_addr(&p->ip.src, "fe80::1");
	assert_addr(&p->ip.dst, "ff02::fb");
	/* Classified with ds_addr. */
	assert_int_equal(ds_addr_block(&p->ip.src)->kind, DS_KIND_LINK_LOCAL);
	assert_int_equal(ds_addr_block(&p->ip.dst)->kind, DS_KIND_MULTICAST);
	assert_int_equal(p->ip.u.udp.len, 20);
	assert_int_equal(p->ip.u.udp.checksum, 0xbeef);
	assert_int_equal(p->ip.l4_len, 20);

	assert_int_equal(ds_packet_tuple(p, &t), 0);
	assert_addr(&t.src.addr, "fe80::1");
	assert_addr(&t.dst.addr, "ff02::fb");
	assert_int_equal(t.src.port, 5353);
	assert_int_equal(t.dst.port, 5353);
	assert_int_equal(t.protocol, 17);

	/* Version 4 in an IPv6 frame (EtherType 0x86dd). */
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 0x86dd);
	ip = ip4x(&K, 17, 0, NULL, 0);
	udp(&K, 1, 2, 0);
	ip4_done(&K, ip);
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_IPV6,
	    DS_PKT_WHY_VERSION, 14);
	assert_int_equal(ds_packet_tuple(p, &t), -ENOENT);
}

/* --- IPv4 ---------------------------------------------------------------- */

static void
test_ip4(void **state)
{
	static const uint8_t opts[] = {
	    1,                   /* NOP */
	    148, 4, 0, 0,        /* Router Alert, value 0 */
	    7, 7, 4, 0, 0, 0, 0, /* Record Route, one slot, pointer 4 */
	    0, 0, 0, 0,          /* EOL + padding */
	};
	struct ds_pkt *p;
	struct ds_tuple t;
	size_t ip;

	(void)state;
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 0x0800);
	ip = ip4x(&K, 6, 0x4000, opts, sizeof(opts));
	tcp(&K, 44321, 443, DS_TCP_SYN, NULL, 0);
	ip4_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.version, 4);
	assert_int_equal(p->ip.hdr_len, 36);
	assert_int_equal(p->ip.total_len, 56);
	assert_int_equal(p->ip.dscp, 46);
	assert_int_equal(p->ip.ecn, 1);
	assert_int_equal(p->ip.id, 0x1234);
	assert_true(p->ip.df);
	assert_false(p->ip.mf);
	assert_false(p->ip.evil);
	assert_int_equal(p->ip.frag_off, 0);
	assert_int_equal(p->ip.hop_limit, 63);
	assert_int_equal(p->ip.next, 6);
	assert_addr(&p->ip.src, "192.0.2.1");
	assert_addr(&p->ip.dst, "198.51.100.7");
	assert_int_equal(p->ip.anom, 0);
	/* Options: NOP, RA, RR, EOL (the rest is padding). */
	assert_int_equal(p->ip.opts.count, 4);
	assert_int_equal(p->ip.opts.n, 4);
	assert_int_equal(opt_of(p, &p->ip.opts, 0)->type, 1);
	assert_int_equal(opt_of(p, &p->ip.opts, 0)->off, 34);
	assert_int_equal(opt_of(p, &p->ip.opts, 1)->type, 148);
	assert_int_equal(opt_of(p, &p->ip.opts, 1)->len, 2);
	assert_int_equal(opt_of(p, &p->ip.opts, 1)->off, 35);
	assert_int_equal(opt_of(p, &p->ip.opts, 2)->type, 7);
	assert_int_equal(opt_of(p, &p->ip.opts, 2)->len, 5);
	assert_int_equal(opt_of(p, &p->ip.opts, 3)->type, 0);
	assert_int_equal(opt_of(p, &p->ip.opts, 3)->off, 46);
	assert_string_equal(ds_packet_ip4opt_token(148), "ra");
	assert_int_equal(p->ip.l4, DS_PKT_L4_TCP);
	assert_int_equal(p->ip.l4_off, 50);
	assert_int_equal(ds_packet_tuple(p, &t), 0);
	assert_addr(&t.src.addr, "192.0.2.1");
	assert_int_equal(t.src.port, 44321);
	assert_int_equal(t.dst.port, 443);
	assert_int_equal(t.protocol, 6);

	/* A wrong checksum is an anomaly, not an error. */
	K.b[14 + 10] ^= 1;
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_IP4_CHECKSUM);
}

static void
test_ip4_fragments(void **state)
{
	struct ds_pkt *p;
	struct ds_tuple t;
	size_t ip;

	(void)state;
	/* First fragment: MF, offset 0: the UDP header is decoded. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip4x(&K, 17, 0x2000, NULL, 0);
	udp(&K, 1000, 2000, 24);
	ip4_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_true(p->ip.mf);
	assert_int_equal(p->ip.l4, DS_PKT_L4_UDP);

	/* Later fragment, offset 185 * 8 = 1480: the payload is opaque. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip4x(&K, 17, 185, NULL, 0);
	zeros(&K, 16);
	ip4_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_false(p->ip.mf);
	assert_int_equal(p->ip.frag_off, 1480);
	assert_int_equal(p->ip.l4, DS_PKT_L4_FRAGMENT);
	assert_int_equal(p->ip.proto, 17);
	assert_int_equal(p->ip.l4_off, 20);
	assert_int_equal(p->ip.l4_len, 16);
	assert_int_equal(ds_packet_tuple(p, &t), 0);
	assert_int_equal(t.src.port, 0);
	assert_int_equal(t.protocol, 17);

	/* Reserved ("evil") bit. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip4x(&K, 17, 0x8000, NULL, 0);
	udp(&K, 1, 2, 0);
	ip4_done(&K, ip);
	p = decode(&K);
	assert_true(p->ip.evil);
}

static void
test_ip4_malformed(void **state)
{
	static const uint8_t badopt[] = {1, 7, 40, 0}; /* RR runs past */
	static const uint8_t zerolen[] = {7, 0, 0, 0}; /* length 0 */
	struct ds_pkt *p;
	size_t ip;

	(void)state;
	/* IHL 4. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip4x(&K, 17, 0, NULL, 0);
	udp(&K, 1, 2, 0);
	ip4_done(&K, ip);
	K.b[0] = 0x44;
	p = decode(&K);
	assert_err(
	    &p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_IPV4, DS_PKT_WHY_IHL, 0);
	assert_int_equal(p->ip.version, 0);

	/* Total length below the header. */
	K.b[0] = 0x45;
	set16(&K, 2, 19);
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_IPV4,
	    DS_PKT_WHY_TOTAL_LEN, 0);
	assert_int_equal(p->ip.err.end, 2);

	/* IHL 15 (60 octets) in a 28-octet packet. */
	ip4_done(&K, 0);
	K.b[0] = 0x4f;
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_TRUNC_PACKET, DS_PKT_LAYER_IPV4,
	    DS_PKT_WHY_SHORT, 0);
	assert_int_equal(p->ip.err.end, 60);

	/* Option lengths. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip4x(&K, 17, 0, badopt, sizeof(badopt));
	udp(&K, 1, 2, 0);
	ip4_done(&K, ip);
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_IPV4_OPT,
	    DS_PKT_WHY_OPT_LEN, 21);
	pk_reset(&K, DS_LINK_RAW);
	ip = ip4x(&K, 17, 0, zerolen, sizeof(zerolen));
	udp(&K, 1, 2, 0);
	ip4_done(&K, ip);
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_IPV4_OPT,
	    DS_PKT_WHY_OPT_LEN, 20);
}

static void
test_icmp4(void **state)
{
	struct ds_pkt *p;
	size_t ip, inner;

	(void)state;
	pk_reset(&K, DS_LINK_RAW);
	ip = ip4x(&K, 1, 0, NULL, 0);
	u8(&K, 8);
	u8(&K, 0);
	be16(&K, 0);
	be16(&K, 0x4242);
	be16(&K, 7);
	ip4_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.l4, DS_PKT_L4_ICMP4);
	assert_int_equal(p->ip.u.icmp.type, 8);
	assert_int_equal(p->ip.u.icmp.id, 0x4242);
	assert_int_equal(p->ip.u.icmp.seq, 7);
	assert_false(p->has_inner);
	assert_string_equal(ds_packet_icmp4_type_token(8), "echo-request");

	/* Port unreachable quoting a UDP datagram. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip4x(&K, 1, 0, NULL, 0);
	u8(&K, 3);
	u8(&K, 3);
	be16(&K, 0);
	be32(&K, 0);
	inner = ip4x(&K, 17, 0, NULL, 0);
	udp(&K, 33434, 33435, 4);
	ip4_done(&K, inner);
	ip4_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_true(p->has_inner);
	assert_no_err(&p->inner);
	assert_int_equal(p->inner.version, 4);
	assert_int_equal(p->inner.off, 28);
	assert_int_equal(p->inner.l4, DS_PKT_L4_UDP);
	assert_int_equal(p->inner.u.udp.dport, 33435);
}

/* --- Extension headers --------------------------------------------------- */

static void
test_hbh_options(void **state)
{
	struct ds_pkt *p;
	const struct ds_pkt_ext *e;
	size_t ip, h;

	(void)state;
	/* HbH of 16: Router Alert (MLD, value 0), PadN of 4 octets, an
	 * unknown option 0x3e with 2 octets of data, Pad1 twice. */
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 0x86dd);
	ip = ip6(&K, 0);
	h = ext(&K, 60, 16);
	u8(&K, 5);
	u8(&K, 2);
	be16(&K, 0); /* Router Alert: MLD */
	u8(&K, 1);
	u8(&K, 2);
	zeros(&K, 2); /* PadN, 4 octets */
	u8(&K, 0x3e);
	u8(&K, 2);
	u8(&K, 0xaa);
	u8(&K, 0xbb); /* experiment, raw */
	u8(&K, 0);
	u8(&K, 0); /* Pad1 Pad1 */
	/* Destination Options: Tunnel Encapsulation Limit 4, PadN 3. */
	ext(&K, 17, 8);
	u8(&K, 4);
	u8(&K, 1);
	u8(&K, 4);
	u8(&K, 1);
	u8(&K, 1);
	u8(&K, 0);
	udp(&K, 7, 9, 0);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.anom, 0);
	assert_int_equal(p->ip.n_ext, 2);
	assert_int_equal(p->ip.ext_count, 2);
	e = &p->ip.ext[0];
	assert_int_equal(e->type, 0);
	assert_int_equal(e->next, 60);
	assert_int_equal(e->off, h);
	assert_int_equal(e->off, 54);
	assert_int_equal(e->len, 16);
	assert_int_equal(e->len_field, 1);
	assert_int_equal(e->u.opts.count, 5);
	assert_int_equal(e->u.opts.n, 5);
	assert_int_equal(opt_of(p, &e->u.opts, 0)->type, 5);
	assert_int_equal(opt_of(p, &e->u.opts, 0)->off, 56);
	assert_int_equal(opt_of(p, &e->u.opts, 0)->len, 2);
	assert_int_equal(opt_of(p, &e->u.opts, 0)->value, 0);
	assert_int_equal(opt_of(p, &e->u.opts, 1)->type, 1);
	assert_int_equal(opt_of(p, &e->u.opts, 1)->off, 60);
	assert_int_equal(opt_of(p, &e->u.opts, 1)->len, 2);
	assert_int_equal(opt_of(p, &e->u.opts, 2)->type, 0x3e);
	assert_int_equal(opt_of(p, &e->u.opts, 2)->off, 64);
	assert_int_equal(opt_of(p, &e->u.opts, 2)->len, 2);
	assert_int_equal(opt_of(p, &e->u.opts, 3)->type, 0);
	assert_int_equal(opt_of(p, &e->u.opts, 3)->off, 68);
	assert_int_equal(opt_of(p, &e->u.opts, 4)->off, 69);
	assert_string_equal(ds_packet_opt_token(5), "router-alert");
	assert_string_equal(ds_packet_opt_token(0x3e), "experiment");
	e = &p->ip.ext[1];
	assert_int_equal(e->type, 60);
	assert_int_equal(e->off, 70);
	assert_int_equal(e->u.opts.n, 2);
	assert_int_equal(opt_of(p, &e->u.opts, 0)->type, 4);
	assert_int_equal(opt_of(p, &e->u.opts, 0)->value, 4);
	assert_int_equal(p->ip.proto, 17);
	assert_int_equal(p->ip.l4_off, 78);

	/* Router Alert with the wrong length. */
	K.b[57] = 3;
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_EXT_OPT,
	    DS_PKT_WHY_OPT_LEN, 56);
	assert_int_equal(p->ip.err.proto, 0);
	assert_int_equal(p->ip.err.index, 0);

	/* An option running past its header. */
	K.b[57] = 2;
	K.b[65] = 5;
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_EXT_OPT,
	    DS_PKT_WHY_OPT_LEN, 64);
}

/* Jumbo Payload, RFC 2675. */
static void
test_jumbo(void **state)
{
	struct ds_pkt *p;
	size_t ip;
	const uint32_t jlen = 70000;

	(void)state;
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 0);
	ext(&K, 17, 8);
	u8(&K, 0xc2);
	u8(&K, 4);
	be32(&K, jlen);
	udp(&K, 1, 2, 0);
	set16(&K, 48 + 4, 0); /* UDP length 0 in a jumbogram */
	zeros(&K, jlen - 16);
	(void)ip; /* payload length stays 0 */
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.anom, 0);
	assert_int_equal(p->ip.payload_len, 0);
	assert_int_equal(p->ip.total_len, 40 + jlen);
	assert_int_equal(opt_of(p, &p->ip.ext[0].u.opts, 0)->value, jlen);
	assert_string_equal(ds_packet_opt_token(0xc2), "jumbo-payload");
	assert_int_equal(p->ip.l4, DS_PKT_L4_UDP);
	assert_int_equal(p->ip.l4_len, jlen - 8);

	/* Jumbo with a payload length: misuse. */
	set16(&K, 4, 1000);
	p = decode_part(&K, 1040, 0);
	assert_true(p->ip.anom & DS_PKT_ANOM_JUMBO);
	/* UDP length 0 outside a jumbogram is malformed. */
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_UDP,
	    DS_PKT_WHY_UDP_LEN, 48);

	/* Payload length 0 and no Jumbo option. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 17);
	udp(&K, 1, 2, 0);
	p = decode(&K);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_JUMBO);
	assert_int_equal(p->ip.l4, DS_PKT_L4_UDP);

	/* A jumbo value of 65535 or less. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 0);
	ext(&K, 59, 8);
	u8(&K, 0xc2);
	u8(&K, 4);
	be32(&K, 1000);
	p = decode(&K);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_JUMBO);
	assert_int_equal(p->ip.l4, DS_PKT_L4_NO_NEXT);
}

static void
test_routing(void **state)
{
	struct ds_pkt *p;
	const struct ds_pkt_ext_rt *rt;
	size_t ip;

	(void)state;
	/* Type 0 with 2 addresses, Segments Left 2 (RFC 5095). */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 43);
	ext(&K, 59, 40);
	u8(&K, 0);
	u8(&K, 2);
	be32(&K, 0);
	addr6(&K, "2001:db8::a");
	addr6(&K, "2001:db8::b");
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_RH0);
	rt = &p->ip.ext[0].u.rt;
	assert_int_equal(rt->type, 0);
	assert_int_equal(rt->segleft, 2);
	assert_int_equal(rt->addr_count, 2);
	assert_int_equal(rt->n_addr, 2);
	assert_addr(&p->addr[rt->addr_first], "2001:db8::a");
	assert_addr(&p->addr[rt->addr_first + 1], "2001:db8::b");
	assert_int_equal(p->ip.l4, DS_PKT_L4_NO_NEXT);
	/* Segments Left 3 with 2 addresses. */
	K.b[43] = 3;
	p = decode(&K);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_RH0 | DS_PKT_ANOM_RH_SEGLEFT);

	/* Type 2: one home address (RFC 6275 6.4). */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 43);
	ext(&K, 59, 24);
	u8(&K, 2);
	u8(&K, 1);
	be32(&K, 0);
	addr6(&K, "2001:db8:1::99");
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.anom, 0);
	rt = &p->ip.ext[0].u.rt;
	assert_int_equal(rt->type, 2);
	assert_int_equal(rt->n_addr, 1);
	assert_addr(&p->addr[rt->addr_first], "2001:db8:1::99");
	assert_string_equal(ds_packet_rt_token(2), "type-2");

	/* Type 3 (RPL, RFC 6554): CmprI 14, CmprE 12, Pad 2: three
	 * addresses of 2 octets, the last of 4: 2 + 2 + 4 + 2 pad = 10 is
	 * not 8n, so: two of 2 octets and the last of 4 = 8, pad 0. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6x(&K, 43, 64, 0, 0, SRC6, "2001:db8::2");
	ext(&K, 59, 16);
	u8(&K, 3);
	u8(&K, 3);
	u8(&K, 14 << 4 | 12);
	u8(&K, 0 << 4);
	be16(&K, 0);
	be16(&K, 0x0011);     /* 2001:db8::11 */
	be16(&K, 0x0022);     /* 2001:db8::22 */
	be32(&K, 0x00330044); /* 2001:db8::33:44 */
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.anom, 0);
	rt = &p->ip.ext[0].u.rt;
	assert_int_equal(rt->cmpr_i, 14);
	assert_int_equal(rt->cmpr_e, 12);
	assert_int_equal(rt->pad, 0);
	assert_int_equal(rt->addr_count, 3);
	assert_addr(&p->addr[rt->addr_first], "2001:db8::11");
	assert_addr(&p->addr[rt->addr_first + 1], "2001:db8::22");
	assert_addr(&p->addr[rt->addr_first + 2], "2001:db8::33:44");
	/* Sizes that do not add up. */
	K.b[44] = 14 << 4 | 13;
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_EXT,
	    DS_PKT_WHY_HDR_LEN, 40);
	assert_int_equal(p->ip.err.proto, 43);
}

static void
test_srh(void **state)
{
	struct ds_pkt *p;
	const struct ds_pkt_ext_rt *rt;
	size_t ip;

	(void)state;
	/* SRH: 3 segments, Segments Left 2, tag 0x77, flags 0, one 8-octet
	 * PadN TLV (RFC 8754 section 2.1.1.2). */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 43);
	ext(&K, 41, 8 + 48 + 8);
	u8(&K, 4);
	u8(&K, 2);
	u8(&K, 2); /* Last Entry */
	u8(&K, 0);
	be16(&K, 0x77);
	addr6(&K, "2001:db8:c::3");
	addr6(&K, "2001:db8:b::2");
	addr6(&K, "2001:db8:a::1");
	u8(&K, 4); /* PadN TLV */
	u8(&K, 6);
	zeros(&K, 6);
	/* IPv6 in IPv6 (41), as SRv6 encapsulates (RFC 8986 section 5):
	 * the SRH is in the outer packet, the tunnel is followed. */
	set16(&K, ip6x(&K, 59, 64, 0, 0, SRC6, DST6) + 4, 0);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.anom, 0);
	assert_int_equal(p->n_tun, 1);
	assert_int_equal(p->tun[0].kind, DS_PKT_TUN_6IN6);
	assert_int_equal(p->ip.l4, DS_PKT_L4_NO_NEXT);
	rt = &p->outer[0].ext[0].u.rt;
	assert_int_equal(rt->type, 4);
	assert_int_equal(rt->segleft, 2);
	assert_int_equal(rt->last_entry, 2);
	assert_int_equal(rt->tag, 0x77);
	assert_int_equal(rt->n_addr, 3);
	assert_addr(&p->addr[rt->addr_first], "2001:db8:c::3");
	assert_addr(&p->addr[rt->addr_first + 2], "2001:db8:a::1");
	assert_int_equal(rt->tlv_off, 40 + 8 + 48);
	assert_int_equal(rt->tlv_len, 8);
	assert_int_equal(p->outer[0].proto, 41);
	assert_int_equal(p->outer[0].l4, DS_PKT_L4_OTHER);
	assert_int_equal(p->outer[0].l4_off, 104);
	assert_int_equal(p->outer[0].l4_len, 40);
	assert_int_equal(p->ip.off, 104);
	assert_string_equal(ds_packet_rt_token(4), "segment-routing");

	/* Segments Left 4 > Last Entry + 1. */
	K.b[43] = 4;
	p = decode(&K);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_RH_SEGLEFT);
	/* Last Entry beyond the header. */
	K.b[43] = 2;
	K.b[44] = 3;
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_EXT,
	    DS_PKT_WHY_HDR_LEN, 40);

	/* 20 segments: 16 stored in the pool, all counted. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 43);
	ext(&K, 59, 8 + 20 * 16);
	u8(&K, 4);
	u8(&K, 19);
	u8(&K, 19);
	u8(&K, 0);
	be16(&K, 0);
	for (int i = 0; i < 20; i++) {
		char a[40];

		snprintf(a, sizeof(a), "2001:db8::%x", i + 1);
		addr6(&K, a);
	}
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	rt = &p->ip.ext[0].u.rt;
	assert_int_equal(rt->addr_count, 20);
	assert_int_equal(rt->n_addr, DS_PKT_MAX_ADDR);
	assert_addr(&p->addr[rt->addr_first + 15], "2001:db8::10");
	assert_true(p->capped & DS_PKT_CAPPED_ADDR);
}

static void
test_fragment(void **state)
{
	struct ds_pkt *p;
	const struct ds_pkt_ext_frag *f;
	struct ds_tuple t;
	size_t ip;

	(void)state;
	/* First fragment: offset 0, M, carrying the UDP header. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 44);
	frag(&K, 17, 0, true, 0xdeadbeef);
	udp(&K, 4000, 53, 1224); /* 1232 octets: a multiple of 8 */
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.anom, 0);
	f = &p->ip.ext[0].u.frag;
	assert_int_equal(p->ip.ext[0].len, 8);
	assert_int_equal(f->offset, 0);
	assert_true(f->more);
	assert_false(f->atomic);
	assert_int_equal(f->id, 0xdeadbeef);
	assert_int_equal(p->ip.l4, DS_PKT_L4_UDP);
	assert_int_equal(p->ip.u.udp.sport, 4000);

	/* Not a multiple of 8 with M set. */
	K.n -= 3;
	ip6_done(&K, ip);
	p = decode(&K);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_FRAG_LEN);

	/* A later fragment: offset 1232, payload opaque. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 44);
	frag(&K, 17, 1232, false, 0xdeadbeef);
	zeros(&K, 100);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	f = &p->ip.ext[0].u.frag;
	assert_int_equal(f->offset, 1232);
	assert_false(f->more);
	assert_false(f->atomic); /* the last fragment, not an atomic one */
	assert_int_equal(p->ip.anom, 0);
	assert_int_equal(p->ip.l4, DS_PKT_L4_FRAGMENT);
	assert_int_equal(p->ip.proto, 17);
	assert_int_equal(p->ip.l4_off, 48);
	assert_int_equal(p->ip.l4_len, 100);
	assert_int_equal(ds_packet_tuple(p, &t), 0);
	assert_int_equal(t.src.port, 0);
	assert_int_equal(t.dst.port, 0);

	/* Atomic fragment (RFC 6946), reserved bits kept as sent. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 44);
	frag(&K, 17, 0, false, 7);
	K.b[41] = 0x5a;
	K.b[43] |= 0x06;
	udp(&K, 1, 2, 0);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	f = &p->ip.ext[0].u.frag;
	assert_true(f->atomic);
	assert_int_equal(f->res, 0x5a);
	assert_int_equal(f->res2, 3);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_ATOMIC_FRAG);
	assert_int_equal(p->ip.l4, DS_PKT_L4_UDP);
}

static void
test_ah_esp(void **state)
{
	struct ds_pkt *p;
	const struct ds_pkt_ext *e;
	size_t ip;

	(void)state;
	/* AH with a 12-octet ICV: 24 octets, Payload Len 4. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 51);
	u8(&K, 6);
	u8(&K, 4);
	be16(&K, 0);
	be32(&K, 0x1000);
	be32(&K, 42);
	for (int i = 0; i < 12; i++)
		u8(&K, 0xee);
	tcp(&K, 1, 2, DS_TCP_ACK, NULL, 0);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	e = &p->ip.ext[0];
	assert_int_equal(e->type, 51);
	assert_int_equal(e->len, 24);
	assert_int_equal(e->u.ah.payload_len, 4);
	assert_int_equal(e->u.ah.spi, 0x1000);
	assert_int_equal(e->u.ah.seq, 42);
	assert_int_equal(e->u.ah.icv_off, 52);
	assert_int_equal(e->u.ah.icv_len, 12);
	assert_int_equal(p->ip.l4, DS_PKT_L4_TCP);
	assert_int_equal(p->ip.l4_off, 64);
	/* Payload Len 3: 20 octets, not a multiple of 8 for IPv6. */
	K.b[41] = 3;
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_EXT,
	    DS_PKT_WHY_HDR_LEN, 40);
	/* Payload Len 0: 8 octets, shorter than the fixed fields. */
	K.b[41] = 0;
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_EXT,
	    DS_PKT_WHY_HDR_LEN, 40);

	/* ESP: the chain ends, the rest is opaque. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 60);
	ext_pad8(&K, 60, 50);
	be32(&K, 0xabcdef01);
	be32(&K, 9);
	zeros(&K, 32);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.n_ext, 2);
	e = &p->ip.ext[1];
	assert_int_equal(e->type, 50);
	assert_int_equal(e->off, 48);
	assert_int_equal(e->len, 40);
	assert_int_equal(e->u.esp.spi, 0xabcdef01);
	assert_int_equal(e->u.esp.seq, 9);
	assert_int_equal(p->ip.proto, 50);
	assert_int_equal(p->ip.l4, DS_PKT_L4_ENCRYPTED);
	assert_int_equal(p->ip.l4_off, 56);
	assert_int_equal(p->ip.l4_len, 32);
}

static void
test_other_ext(void **state)
{
	struct ds_pkt *p;
	const struct ds_pkt_ext *e;
	size_t ip, h;

	(void)state;
	/* Mobility (135): Binding Refresh Request, 8 octets. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 135);
	u8(&K, 59);
	u8(&K, 0);
	u8(&K, 0); /* MH type 0 */
	u8(&K, 0);
	be16(&K, 0x1234);
	be16(&K, 0);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	e = &p->ip.ext[0];
	assert_int_equal(e->type, 135);
	assert_int_equal(e->u.mob.mh_type, 0);
	assert_int_equal(e->u.mob.checksum, 0x1234);
	assert_int_equal(p->ip.l4, DS_PKT_L4_NO_NEXT);
	assert_string_equal(ds_packet_ext_token(135), "mh");

	/* HIP (139): I1, version 2, 40 octets with the HITs. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 139);
	h = ext(&K, 59, 40);
	u8(&K, 1);
	u8(&K, 2 << 4 | 1);
	be16(&K, 0xabcd);
	be16(&K, 0);
	zeros(&K, 32);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	e = &p->ip.ext[0];
	assert_int_equal(e->off, h);
	assert_int_equal(e->u.hip.packet_type, 1);
	assert_int_equal(e->u.hip.version, 2);
	assert_int_equal(e->u.hip.checksum, 0xabcd);
	/* HIP shorter than its fixed header. */
	K.b[41] = 0;
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_EXT,
	    DS_PKT_WHY_HDR_LEN, 40);

	/* Shim6 (140): payload extension header, then UDP. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 140);
	u8(&K, 17);
	u8(&K, 0);
	u8(&K, 0x80);
	zeros(&K, 5);
	udp(&K, 1, 2, 0);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_true(p->ip.ext[0].u.shim6.payload);
	assert_int_equal(p->ip.l4, DS_PKT_L4_UDP);
	/* Shim6 control message, type 1 (I1). */
	K.b[40] = 59;
	K.b[42] = 0x01;
	set16(&K, 44, 0x5555);
	p = decode(&K);
	assert_false(p->ip.ext[0].u.shim6.payload);
	assert_int_equal(p->ip.ext[0].u.shim6.type, 1);
	assert_int_equal(p->ip.ext[0].u.shim6.checksum, 0x5555);

	/* 253 and 254 (RFC 3692), raw. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 253);
	ext(&K, 254, 8);
	zeros(&K, 6);
	ext(&K, 59, 16);
	zeros(&K, 14);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.n_ext, 2);
	assert_int_equal(p->ip.ext[0].type, 253);
	assert_int_equal(p->ip.ext[1].type, 254);
	assert_int_equal(p->ip.ext[1].len, 16);
	assert_int_equal(p->ip.l4, DS_PKT_L4_NO_NEXT);
	assert_int_equal(p->ip.l4_off, 64);
	assert_string_equal(ds_packet_ext_token(253), "exp253");
	assert_true(ds_packet_is_ext(254));
	assert_false(ds_packet_is_ext(59));
	assert_false(ds_packet_is_ext(6));
}

/* --- Anomalies ----------------------------------------------------------- */

static void
test_anom_order(void **state)
{
	struct ds_pkt *p;
	size_t ip;

	(void)state;
	/* DST, HBH: Hop-by-Hop not first. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 60);
	ext_pad8(&K, 60, 0);
	ext_pad8(&K, 0, 17);
	udp(&K, 1, 2, 0);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_HBH_NOT_FIRST);

	/* DST twice is allowed (RFC 8200 4.1). */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 60);
	ext_pad8(&K, 60, 43);
	ext(&K, 60, 8);
	u8(&K, 253); /* unknown routing type, Segments Left 0: raw */
	u8(&K, 0);
	zeros(&K, 4);
	ext_pad8(&K, 60, 17);
	udp(&K, 1, 2, 0);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.anom, 0);
	assert_int_equal(p->ip.n_ext, 3);
	assert_int_equal(p->ip.ext[1].u.rt.type, 253);

	/* A third DST. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 60);
	ext_pad8(&K, 60, 60);
	ext_pad8(&K, 60, 60);
	ext_pad8(&K, 60, 17);
	udp(&K, 1, 2, 0);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_EXT_REPEATED);

	/* Two Fragment headers. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 44);
	frag(&K, 44, 0, true, 1);
	frag(&K, 17, 0, true, 2);
	udp(&K, 1, 2, 0);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_true(p->ip.anom & DS_PKT_ANOM_EXT_REPEATED);
	assert_int_equal(p->ip.n_ext, 2);

	/* Two HbH: repeated and not first. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 0);
	ext_pad8(&K, 0, 0);
	ext_pad8(&K, 0, 59);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_int_equal(
	    p->ip.anom, DS_PKT_ANOM_EXT_REPEATED | DS_PKT_ANOM_HBH_NOT_FIRST);
}

static void
test_anom_padding(void **state)
{
	struct ds_pkt *p;
	size_t ip;

	(void)state;
	/* PadN with non-zero data. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 60);
	ext_pad8(&K, 60, 59);
	K.b[45] = 1;
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_PADDING);

	/* Pad1 runs: 7 octets are the most alignment can need, 8 are too
	 * many (RFC 8200 4.2). */
	for (unsigned run = 7; run <= 8; run++) {
		pk_reset(&K, DS_LINK_RAW);
		ip = ip6(&K, 60);
		ext(&K, 59, 16);
		zeros(&K, run);
		u8(&K, 0x1e); /* experiment, fills the rest */
		u8(&K, 14 - run - 2);
		zeros(&K, 14 - run - 2);
		ip6_done(&K, ip);
		p = decode(&K);
		assert_no_err(&p->ip);
		assert_int_equal(p->ip.ext[0].u.opts.count, run + 1);
		assert_int_equal(
		    p->ip.anom, run == 8 ? DS_PKT_ANOM_PADDING : 0);
	}

	/* 14 octets of padding in a row. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 60);
	ext(&K, 59, 16);
	u8(&K, 1);
	u8(&K, 12);
	zeros(&K, 12);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_PADDING);

	/* Router Alert twice in one header. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 0);
	ext(&K, 59, 16);
	u8(&K, 5);
	u8(&K, 2);
	be16(&K, 0);
	u8(&K, 5);
	u8(&K, 2);
	be16(&K, 0);
	u8(&K, 1);
	u8(&K, 4);
	zeros(&K, 4);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_OPT_REPEATED);
}

static void
test_anom_length(void **state)
{
	struct ds_pkt *p;
	size_t ip;

	(void)state;
	/* Ethernet padding after a short IPv4 packet is normal. */
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 0x0800);
	ip = ip4x(&K, 17, 0, NULL, 0);
	udp(&K, 1, 2, 0);
	ip4_done(&K, ip);
	zeros(&K, 18);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.anom, 0);
	assert_int_equal(p->ip.trailer, 18);
	/* Extra octets that are not padding. */
	zeros(&K, 20);
	p = decode(&K);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_LEN_MISMATCH);
	assert_int_equal(p->ip.trailer, 38);

	/* Payload length past the frame: the packet ends early. */
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 0x86dd);
	ip = ip6(&K, 17);
	udp(&K, 1, 2, 8);
	ip6_done(&K, ip);
	set16(&K, ip + 4, 100);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_LEN_MISMATCH);
	assert_int_equal(p->ip.total_len, 140);
	/* Same with the capture cut short but the wire complete: the frame
	 * on the wire is still shorter than the packet. */
	p = decode_part(&K, 62, K.n);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_LEN_MISMATCH);
	assert_no_err(&p->ip);

	/* Wire longer than the capture, packet length consistent. */
	ip6_done(&K, ip);
	p = decode_part(&K, 62, K.n);
	assert_int_equal(p->ip.anom, 0);
	assert_int_equal(p->ip.l4, DS_PKT_L4_UDP);
	assert_int_equal(p->ip.l4_len, 8);
	/* One octet less and the UDP header is cut by the capture. */
	p = decode_part(&K, 61, K.n);
	assert_err(&p->ip, DS_PKT_ERR_TRUNC_CAPTURE, DS_PKT_LAYER_UDP,
	    DS_PKT_WHY_SHORT, 54);
}

static void
test_anom_multicast_src(void **state)
{
	struct ds_pkt *p;
	size_t ip;

	(void)state;
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6x(&K, 59, 64, 0, 0, "ff02::1", DST6);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_SRC_MULTICAST);
	assert_int_equal(p->ip.l4, DS_PKT_L4_NO_NEXT);

	pk_reset(&K, DS_LINK_RAW);
	ip = ip4x(&K, 17, 0, NULL, 0);
	udp(&K, 1, 2, 0);
	K.b[12] = 224;
	ip4_done(&K, ip);
	p = decode(&K);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_SRC_MULTICAST);
}

/* --- Truncation at every point of a long chain --------------------------- */

struct hdr_span {
	uint32_t start, end;
	unsigned layer;
	unsigned proto, index;
};

/*
 * Ethernet | IPv6 | HbH (RA) | DST | SRH (2 segments) | Fragment (first)
 * | AH | DST | TCP with options | 10 octets of data.
 */
static size_t
build_long_chain(struct pk *k, struct hdr_span *spans, size_t *nspans)
{
	static const uint8_t topts[] = {
	    2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1};
	size_t ip, n = 0;

	pk_reset(k, DS_LINK_EN10MB);
	eth(k, 0x86dd);
	spans[n++] = (struct hdr_span){0, 14, DS_PKT_LAYER_LINK, 0, 0};
	ip = ip6(k, 0);
	spans[n++] = (struct hdr_span){14, 54, DS_PKT_LAYER_IPV6, 0, 0};
	ext(k, 60, 8);
	u8(k, 5);
	u8(k, 2);
	be16(k, 0);
	u8(k, 1);
	u8(k, 0);
	spans[n++] = (struct hdr_span){54, 62, DS_PKT_LAYER_EXT, 0, 0};
	ext(k, 43, 16);
	u8(k, 0x1e); /* an experimental option, 12 octets */
	u8(k, 12);
	zeros(k, 12);
	spans[n++] = (struct hdr_span){62, 78, DS_PKT_LAYER_EXT, 60, 1};
	ext(k, 44, 40);
	u8(k, 4);
	u8(k, 1);
	u8(k, 1);
	u8(k, 0);
	be16(k, 0);
	addr6(k, "2001:db8::b");
	addr6(k, "2001:db8::a");
	spans[n++] = (struct hdr_span){78, 118, DS_PKT_LAYER_EXT, 43, 2};
	frag(k, 51, 0, true, 0x55);
	spans[n++] = (struct hdr_span){118, 126, DS_PKT_LAYER_EXT, 44, 3};
	u8(k, 60);
	u8(k, 4);
	be16(k, 0);
	be32(k, 1);
	be32(k, 2);
	zeros(k, 12);
	spans[n++] = (struct hdr_span){126, 150, DS_PKT_LAYER_EXT, 51, 4};
	ext_pad8(k, 60, 6);
	spans[n++] = (struct hdr_span){150, 158, DS_PKT_LAYER_EXT, 60, 5};
	tcp(k, 5000, 80, DS_TCP_SYN, topts, sizeof(topts));
	spans[n++] = (struct hdr_span){158, 190, DS_PKT_LAYER_TCP, 0, 0};
	zeros(k, 10);
	ip6_done(k, ip);
	*nspans = n;
	return k->n;
}

static const struct hdr_span *
span_at(const struct hdr_span *s, size_t n, size_t cut)
{
	for (size_t i = 0; i < n; i++)
		if (cut < s[i].end)
			return &s[i];
	return NULL;
}

static void
check_cut(
    const struct ds_pkt *p, const struct hdr_span *s, unsigned kind, size_t cut)
{
	if (!s) {
		assert_no_err(&p->ip);
		assert_int_equal(p->ip.l4, DS_PKT_L4_TCP);
		return;
	}
	assert_err(&p->ip, kind, s->layer, DS_PKT_WHY_SHORT, s->start);
	assert_true(p->ip.err.end > cut && p->ip.err.end <= s->end);
	if (s->layer == DS_PKT_LAYER_EXT) {
		assert_int_equal(p->ip.err.proto, s->proto);
		assert_int_equal(p->ip.err.index, s->index);
		/* The headers before it are kept. */
		assert_int_equal(p->ip.n_ext, s->index);
		assert_int_equal(p->ip.l4, DS_PKT_L4_NONE);
		assert_int_equal(p->ip.proto, 255);
	}
	if (s->layer == DS_PKT_LAYER_TCP) {
		assert_int_equal(p->ip.n_ext, 6);
		assert_int_equal(p->ip.proto, 6);
	}
}

static void
test_truncation_every_point(void **state)
{
	struct hdr_span spans[16];
	size_t nspans, total;
	struct ds_pkt *p;

	(void)state;
	total = build_long_chain(&K, spans, &nspans);
	assert_int_equal(total, 200);

	/* The whole packet first. */
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.n_ext, 6);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_FRAG_LEN);
	assert_int_equal(p->ip.u.tcp.mss, 1460);
	assert_int_equal(p->ip.u.tcp.wscale, 7);
	assert_true(p->ip.u.tcp.sack_ok);

	/* Cut by the capture (snaplen) at every octet. */
	for (size_t cut = 0; cut <= total; cut++) {
		p = decode_part(&K, cut, total);
		check_cut(p, span_at(spans, nspans, cut),
		    DS_PKT_ERR_TRUNC_CAPTURE, cut);
		/* RFC 7112 is about the packet, not the capture. */
		assert_false(p->ip.anom & DS_PKT_ANOM_FRAG_CHAIN);
	}

	/* Cut by the packet itself: the payload length (and the frame)
	 * end at 'cut'. */
	for (size_t cut = 54; cut <= total; cut++) {
		const struct hdr_span *s = span_at(spans, nspans, cut);

		build_long_chain(&K, spans, &nspans);
		set16(&K, 18, (unsigned)(cut - 54));
		p = decode_part(&K, cut, 0);
		check_cut(p, s, DS_PKT_ERR_TRUNC_PACKET, cut);
		/* After the Fragment header, a first fragment that ends
		 * inside the chain breaks RFC 7112. */
		if (s && s->start >= 126)
			assert_true(p->ip.anom & DS_PKT_ANOM_FRAG_CHAIN);
		else
			assert_false(p->ip.anom & DS_PKT_ANOM_FRAG_CHAIN);
	}
}

/* --- Hostile inputs ------------------------------------------------------ */

static void
test_hostile_deep_chain(void **state)
{
	struct ds_pkt *p;
	size_t ip;

	(void)state;
	/* 500 Destination Options headers, then UDP. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 60);
	for (int i = 0; i < 500; i++)
		ext_pad8(&K, 60, i < 499 ? 60 : 17);
	udp(&K, 1, 2, 0);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.ext_count, 500);
	assert_int_equal(p->ip.n_ext, DS_PKT_MAX_EXT);
	assert_int_equal(
	    p->ip.anom, DS_PKT_ANOM_CHAIN_TOO_DEEP | DS_PKT_ANOM_EXT_REPEATED);
	assert_true(p->capped & DS_PKT_CAPPED_EXT);
	/* Only stored headers put options in the pool. */
	assert_int_equal(p->n_opt, DS_PKT_MAX_EXT);
	assert_int_equal(p->ip.ext[15].off, 40 + 15 * 8);
	/* The walk still reached the upper layer. */
	assert_int_equal(p->ip.l4, DS_PKT_L4_UDP);
	assert_int_equal(p->ip.l4_off, 40 + 4000);

	/* Cut in the middle of the uncounted part. */
	p = decode_part(&K, 40 + 300 * 8 + 3, K.n);
	assert_err(&p->ip, DS_PKT_ERR_TRUNC_CAPTURE, DS_PKT_LAYER_EXT,
	    DS_PKT_WHY_SHORT, 40 + 300 * 8);
	assert_int_equal(p->ip.err.index, 300);
	assert_int_equal(p->ip.ext_count, 300);
	assert_int_equal(p->ip.n_ext, DS_PKT_MAX_EXT);
}

static void
test_hostile_lengths(void **state)
{
	struct ds_pkt *p;
	size_t ip;

	(void)state;
	/* HbH claiming 2048 octets in a 64-octet packet. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 0);
	u8(&K, 17);
	u8(&K, 255);
	zeros(&K, 22);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_TRUNC_PACKET, DS_PKT_LAYER_EXT,
	    DS_PKT_WHY_SHORT, 40);
	assert_int_equal(p->ip.err.end, 40 + 2048);
	assert_int_equal(p->ip.n_ext, 0);
	/* The same seen through a short snaplen of a long wire packet. */
	p = decode_part(&K, 50, 40 + 4096);
	assert_int_equal(p->ip.err.kind, DS_PKT_ERR_TRUNC_PACKET);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_LEN_MISMATCH);

	/* TCP data offset 15 with only 20 octets. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 6);
	tcp(&K, 1, 2, DS_TCP_SYN, NULL, 0);
	K.b[40 + 12] = 0xf0;
	ip6_done(&K, ip);
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_TRUNC_PACKET, DS_PKT_LAYER_TCP,
	    DS_PKT_WHY_SHORT, 40);
	assert_int_equal(p->ip.err.end, 100);
	/* The fixed header is decoded: the 5-tuple has ports. */
	assert_int_equal(p->ip.l4, DS_PKT_L4_TCP);
	assert_int_equal(p->ip.u.tcp.sport, 1);

	/* Data offset 4. */
	K.b[40 + 12] = 0x40;
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_TCP,
	    DS_PKT_WHY_HDR_LEN, 40);
}

static void
test_hostile_padding_loops(void **state)
{
	struct ds_pkt *p;
	const struct ds_pkt_ext *e;
	size_t ip;

	(void)state;
	/* 2046 Pad1 octets. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 60);
	ext(&K, 59, 2048);
	zeros(&K, 2046);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	e = &p->ip.ext[0];
	assert_int_equal(e->u.opts.count, 2046);
	assert_int_equal(e->u.opts.n, DS_PKT_MAX_OPT_PER_HDR);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_PADDING);
	assert_true(p->capped & DS_PKT_CAPPED_OPT);

	/* 1023 zero-length PadN options. */
	for (size_t i = 42; i < K.n; i += 2)
		K.b[i] = 1;
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.ext[0].u.opts.count, 1023);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_PADDING);
}

/* --- TCP and UDP --------------------------------------------------------- */

static void
test_tcp(void **state)
{
	static const uint8_t topts[] = {
	    2, 4, 0x05, 0x8c,                /* MSS 1420 */
	    4, 2,                            /* SACK permitted */
	    8, 10, 0, 0, 0, 1, 0, 0, 0, 2,   /* TS 1, 2 */
	    1,                               /* NOP */
	    3, 3, 8,                         /* WS 8 */
	    1,                               /* NOP */
	    5, 10, 0, 0, 0, 10, 0, 0, 0, 20, /* SACK, one block */
	    0, 0, 0, 0, 0,                   /* EOL, padding */
	};
	struct ds_pkt *p;
	const struct ds_pkt_tcp *t;
	size_t ip;

	(void)state;
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 6);
	tcp(&K, 443, 51000, DS_TCP_SYN | DS_TCP_ACK | DS_TCP_ECE | DS_TCP_AE,
	    topts, sizeof(topts));
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.anom, 0);
	assert_int_equal(p->capped, 0);
	t = &p->ip.u.tcp;
	assert_int_equal(t->sport, 443);
	assert_int_equal(t->dport, 51000);
	assert_int_equal(t->seq, 0x01020304);
	assert_int_equal(t->ack, 0xa0b0c0d0);
	assert_int_equal(t->doff, 20 + sizeof(topts));
	assert_int_equal(
	    t->flags, DS_TCP_SYN | DS_TCP_ACK | DS_TCP_ECE | DS_TCP_AE);
	assert_int_equal(t->window, 65535);
	assert_int_equal(t->checksum, 0x1111);
	assert_int_equal(t->urgent, 7);
	assert_true(t->has_mss);
	assert_int_equal(t->mss, 1420);
	assert_true(t->sack_ok);
	assert_true(t->has_ts);
	assert_int_equal(t->ts_val, 1);
	assert_int_equal(t->ts_ecr, 2);
	assert_true(t->has_wscale);
	assert_int_equal(t->wscale, 8);
	assert_int_equal(t->opts.count, 8);
	assert_int_equal(t->opts.n, 8);
	assert_int_equal(opt_of(p, &t->opts, 0)->type, 2);
	assert_int_equal(opt_of(p, &t->opts, 0)->off, 60);
	assert_int_equal(opt_of(p, &t->opts, 0)->value, 1420);
	assert_int_equal(opt_of(p, &t->opts, 2)->type, 8);
	assert_int_equal(opt_of(p, &t->opts, 2)->value2, 2);
	assert_int_equal(opt_of(p, &t->opts, 6)->type, 5);
	assert_int_equal(opt_of(p, &t->opts, 6)->value, 1);
	assert_int_equal(opt_of(p, &t->opts, 6)->off, 81);
	assert_int_equal(opt_of(p, &t->opts, 7)->type, 0);
	assert_int_equal(opt_of(p, &t->opts, 7)->off, 91);
	assert_string_equal(ds_packet_tcpopt_token(8), "ts");

	/* MSS of the wrong length. */
	K.b[61] = 3;
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_TCP_OPT,
	    DS_PKT_WHY_OPT_LEN, 60);
	assert_int_equal(p->ip.l4, DS_PKT_L4_TCP);
	/* Option length 1. */
	K.b[61] = 1;
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_TCP_OPT,
	    DS_PKT_WHY_OPT_LEN, 60);
	/* MSS twice. */
	K.b[61] = 4;
	K.b[64] = 2;
	K.b[65] = 4;
	K.b[66] = 0;
	K.b[67] = 0;
	K.b[68] = 0;
	K.b[69] = 0;
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_OPT_REPEATED);
}

static void
test_udp(void **state)
{
	struct ds_pkt *p;
	size_t ip;

	(void)state;
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 17);
	udp(&K, 546, 547, 30);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.u.udp.sport, 546);
	assert_int_equal(p->ip.u.udp.dport, 547);
	assert_int_equal(p->ip.u.udp.len, 38);
	assert_int_equal(p->ip.l4_len, 38);
	set16(&K, 44, 7);
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_UDP,
	    DS_PKT_WHY_UDP_LEN, 40);
	p = decode_part(&K, 47, K.n);
	assert_err(&p->ip, DS_PKT_ERR_TRUNC_CAPTURE, DS_PKT_LAYER_UDP,
	    DS_PKT_WHY_SHORT, 40);

	/* A header that ends exactly where the packet ends, cut by the
	 * capture: the capture's doing. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 17);
	udp(&K, 1, 2, 0);
	ip6_done(&K, ip);
	p = decode_part(&K, 45, K.n);
	assert_err(&p->ip, DS_PKT_ERR_TRUNC_CAPTURE, DS_PKT_LAYER_UDP,
	    DS_PKT_WHY_SHORT, 40);
	assert_int_equal(p->ip.err.end, 48);
	p = decode_part(&K, 45, 0);
	assert_err(&p->ip, DS_PKT_ERR_TRUNC_PACKET, DS_PKT_LAYER_UDP,
	    DS_PKT_WHY_SHORT, 40);
	assert_int_equal(p->ip.l4, DS_PKT_L4_NONE);
	assert_int_equal(p->ip.proto, 17);
}

/* --- ICMPv6 -------------------------------------------------------------- */

static void
test_icmp6_echo(void **state)
{
	struct ds_pkt *p;
	struct ds_tuple t;
	size_t ip;

	(void)state;
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 58);
	icmp6(&K, 128, 0, 0x12340005);
	zeros(&K, 56);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.l4, DS_PKT_L4_ICMP6);
	assert_int_equal(p->ip.u.icmp.type, 128);
	assert_int_equal(p->ip.u.icmp.code, 0);
	assert_int_equal(p->ip.u.icmp.checksum, 0xcafe);
	assert_int_equal(p->ip.u.icmp.id, 0x1234);
	assert_int_equal(p->ip.u.icmp.seq, 5);
	assert_false(p->has_inner);
	assert_int_equal(ds_packet_tuple(p, &t), 0);
	assert_int_equal(t.protocol, 58);
	assert_int_equal(t.src.port, 0);
	assert_string_equal(ds_packet_icmp6_type_token(129), "echo-reply");
	assert_false(ds_packet_icmp6_is_error(128));
	assert_true(ds_packet_icmp6_is_error(4));

	/* Shorter than the 8-octet minimum. */
	p = decode_part(&K, 46, K.n);
	assert_err(&p->ip, DS_PKT_ERR_TRUNC_CAPTURE, DS_PKT_LAYER_ICMP6,
	    DS_PKT_WHY_SHORT, 40);
}

/* An ICMPv6 error of 'type' quoting an IPv6 + DST + UDP packet. */
static void
build_error(
    struct pk *k, unsigned type, unsigned code, uint32_t word, size_t quote)
{
	size_t ip, in;

	pk_reset(k, DS_LINK_EN10MB);
	eth(k, 0x86dd);
	ip = ip6x(k, 58, 64, 0, 0, "2001:db8::fe", SRC6);
	icmp6(k, type, code, word);
	in = ip6(k, 60);
	ext_pad8(k, 60, 17);
	udp(k, 33434, 33435, 200);
	ip6_done(k, in);
	k->n = in + quote; /* the error quotes only so much */
	ip6_done(k, ip);
}

static void
test_icmp6_errors(void **state)
{
	struct ds_pkt *p;

	(void)state;
	/* Destination Unreachable, port unreachable, quoting all. */
	build_error(&K, 1, 4, 0, 40 + 8 + 208);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.u.icmp.type, 1);
	assert_int_equal(p->ip.u.icmp.code, 4);
	assert_string_equal(
	    ds_packet_icmp6_code_token(1, 4), "port-unreachable");
	assert_true(p->has_inner);
	assert_no_err(&p->inner);
	assert_int_equal(p->inner.version, 6);
	assert_int_equal(p->inner.off, 14 + 40 + 8);
	assert_addr(&p->inner.src, SRC6);
	assert_addr(&p->inner.dst, DST6);
	assert_int_equal(p->inner.n_ext, 1);
	assert_int_equal(p->inner.ext[0].type, 60);
	assert_int_equal(p->inner.ext[0].off, 102);
	assert_int_equal(p->inner.l4, DS_PKT_L4_UDP);
	assert_int_equal(p->inner.u.udp.sport, 33434);
	assert_int_equal(p->inner.u.udp.dport, 33435);
	assert_int_equal(p->inner.anom, 0);
	/* The outer packet's pool holds the inner options too. */
	assert_int_equal(p->inner.ext[0].u.opts.n, 1);

	/* Packet Too Big, MTU 1280, quoting only up to the UDP ports. */
	build_error(&K, 2, 0, 1280, 40 + 8 + 4);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.u.icmp.word, 1280);
	assert_true(p->has_inner);
	assert_err(&p->inner, DS_PKT_ERR_TRUNC_PACKET, DS_PKT_LAYER_UDP,
	    DS_PKT_WHY_SHORT, 110);
	assert_int_equal(p->inner.n_ext, 1);
	/* The inner length disagreeing is expected, not an anomaly. */
	assert_int_equal(p->inner.anom, 0);
	assert_int_equal(p->inner.total_len, 40 + 8 + 208);

	/* Time Exceeded, quoting the IPv6 header only. */
	build_error(&K, 3, 0, 0, 40);
	p = decode(&K);
	assert_string_equal(
	    ds_packet_icmp6_code_token(3, 0), "hop-limit-exceeded-in-transit");
	assert_int_equal(p->inner.version, 6);
	assert_err(&p->inner, DS_PKT_ERR_TRUNC_PACKET, DS_PKT_LAYER_EXT,
	    DS_PKT_WHY_SHORT, 102);

	/* Parameter Problem, pointer 40 (the DST header), code 1; the
	 * capture ends in the inner IPv6 header. */
	build_error(&K, 4, 1, 40, 40 + 8 + 208);
	p = decode_part(&K, 14 + 40 + 8 + 20, K.n);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.u.icmp.word, 40);
	assert_true(p->has_inner);
	assert_err(&p->inner, DS_PKT_ERR_TRUNC_CAPTURE, DS_PKT_LAYER_IPV6,
	    DS_PKT_WHY_SHORT, 62);
	assert_int_equal(p->inner.version, 0);
	assert_string_equal(ds_packet_icmp6_code_token(4, 3),
	    "ipv6-first-fragment-has-incomplete-ipv6-header-chain");
	assert_string_equal(
	    ds_packet_icmp6_code_token(4, 10), "option-too-big");
	assert_null(ds_packet_icmp6_code_token(4, 11));

	/* No quoted bytes at all. */
	build_error(&K, 1, 0, 0, 0);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_false(p->has_inner);
}

static void
test_icmp6_error_in_error(void **state)
{
	struct ds_pkt *p;
	size_t ip, in;

	(void)state;
	/* An error quoting an error: the inner one is shown raw. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 58);
	icmp6(&K, 1, 3, 0);
	in = ip6(&K, 58);
	icmp6(&K, 2, 0, 1400);
	ip6(&K, 17); /* the packet the inner error quoted */
	udp(&K, 1, 2, 0);
	ip6_done(&K, in);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_true(p->has_inner);
	assert_no_err(&p->inner);
	assert_int_equal(p->inner.l4, DS_PKT_L4_ICMP6);
	assert_int_equal(p->inner.u.icmp.type, 2);
	assert_int_equal(p->inner.u.icmp.word, 1400);
	assert_int_equal(p->inner.l4_len, 8 + 48);
}

static void
test_nd_ra(void **state)
{
	struct ds_pkt *p;
	const struct ds_pkt_icmp6 *x;
	const struct ds_pkt_ndopt *o;
	size_t ip, dnssl;
	char name[DS_PKT_NAME_STRLEN];
	size_t pos;

	(void)state;
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 0x86dd);
	ip = ip6x(&K, 58, 255, 0, 0, "fe80::1", "ff02::1");
	u8(&K, 134);
	u8(&K, 0);
	be16(&K, 0);
	u8(&K, 64);                 /* cur hop limit */
	u8(&K, 0x80 | 0x40 | 0x08); /* M, O, prf high */
	be16(&K, 1800);             /* router lifetime */
	be32(&K, 30000);            /* reachable */
	be32(&K, 1000);             /* retrans */
	/* SLLA */
	u8(&K, 1);
	u8(&K, 1);
	for (int i = 0; i < 6; i++)
		u8(&K, MAC_SRC[i]);
	/* MTU 1500 */
	u8(&K, 5);
	u8(&K, 1);
	be16(&K, 0);
	be32(&K, 1500);
	/* Prefix 2001:db8:1::/64, L A, 86400/14400 */
	u8(&K, 3);
	u8(&K, 4);
	u8(&K, 64);
	u8(&K, 0xc0);
	be32(&K, 86400);
	be32(&K, 14400);
	be32(&K, 0);
	addr6(&K, "2001:db8:1::");
	/* Route Information 2001:db8:ff::/48, prf low, 3600 s, length 2 */
	u8(&K, 24);
	u8(&K, 2);
	u8(&K, 48);
	u8(&K, 3 << 3);
	be32(&K, 3600);
	be32(&K, 0x20010db8);
	be32(&K, 0x00ff0000);
	/* RDNSS: two servers, 600 s */
	u8(&K, 25);
	u8(&K, 5);
	be16(&K, 0);
	be32(&K, 600);
	addr6(&K, "2001:db8::53");
	addr6(&K, "2001:db8::5353");
	/* DNSSL: example.com, lab.example, padding */
	dnssl = K.n;
	u8(&K, 31);
	u8(&K, 5);
	be16(&K, 0);
	be32(&K, 600);
	{
		static const uint8_t names[] = {7, 'e', 'x', 'a', 'm', 'p', 'l',
		    'e', 3, 'c', 'o', 'm', 0, 3, 'l', 'a', 'b', 7, 'e', 'x',
		    'a', 'm', 'p', 'l', 'e', 0};

		for (size_t i = 0; i < sizeof(names); i++)
			u8(&K, names[i]);
		zeros(&K, 32 - sizeof(names));
	}
	/* An unknown option (PREF64, 38), shown raw. */
	u8(&K, 38);
	u8(&K, 2);
	zeros(&K, 14);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.anom, 0);
	assert_int_equal(p->ip.u.icmp.type, 134);
	x = &p->icmp6;
	assert_int_equal(x->cur_hop_limit, 64);
	assert_true(x->managed);
	assert_true(x->other);
	assert_false(x->home_agent);
	assert_false(x->proxy);
	assert_int_equal(x->prf, DS_PKT_PRF_HIGH);
	assert_string_equal(ds_packet_prf_token(x->prf), "high");
	assert_int_equal(x->router_lifetime, 1800);
	assert_int_equal(x->reachable, 30000);
	assert_int_equal(x->retrans, 1000);
	assert_int_equal(x->n_ndopt, 7);
	assert_int_equal(x->ndopt_count, 7);

	o = &p->u.nd_opt[0];
	assert_int_equal(o->type, 1);
	assert_int_equal(o->off, 14 + 40 + 16);
	assert_memory_equal(o->u.lladdr.b, MAC_SRC, 6);
	o = &p->u.nd_opt[1];
	assert_int_equal(o->type, 5);
	assert_int_equal(o->u.mtu, 1500);
	o = &p->u.nd_opt[2];
	assert_int_equal(o->type, 3);
	assert_int_equal(o->u.prefix.plen, 64);
	assert_true(o->u.prefix.onlink);
	assert_true(o->u.prefix.autoconf);
	assert_false(o->u.prefix.router);
	assert_int_equal(o->u.prefix.valid, 86400);
	assert_int_equal(o->u.prefix.preferred, 14400);
	assert_addr(&o->u.prefix.prefix, "2001:db8:1::");
	o = &p->u.nd_opt[3];
	assert_int_equal(o->type, 24);
	assert_int_equal(o->u.route.plen, 48);
	assert_int_equal(o->u.route.prf, DS_PKT_PRF_LOW);
	assert_int_equal(o->u.route.lifetime, 3600);
	assert_addr(&o->u.route.prefix, "2001:db8:ff::");
	o = &p->u.nd_opt[4];
	assert_int_equal(o->type, 25);
	assert_int_equal(o->u.rdnss.lifetime, 600);
	assert_int_equal(o->u.rdnss.n_addr, 2);
	assert_int_equal(o->u.rdnss.addr_count, 2);
	assert_addr(&p->addr[o->u.rdnss.addr_first], "2001:db8::53");
	assert_addr(&p->addr[o->u.rdnss.addr_first + 1], "2001:db8::5353");
	o = &p->u.nd_opt[5];
	assert_int_equal(o->type, 31);
	assert_int_equal(o->off, dnssl);
	assert_int_equal(o->u.dnssl.lifetime, 600);
	assert_int_equal(o->u.dnssl.names_off, dnssl + 8);
	assert_int_equal(o->u.dnssl.names_len, 32);
	pos = 0;
	assert_int_equal(ds_packet_dns_name(K.b + o->u.dnssl.names_off,
	                     o->u.dnssl.names_len, &pos, name, sizeof(name)),
	    11);
	assert_string_equal(name, "example.com");
	assert_int_equal(ds_packet_dns_name(K.b + o->u.dnssl.names_off,
	                     o->u.dnssl.names_len, &pos, name, sizeof(name)),
	    11);
	assert_string_equal(name, "lab.example");
	assert_int_equal(ds_packet_dns_name(K.b + o->u.dnssl.names_off,
	                     o->u.dnssl.names_len, &pos, name, sizeof(name)),
	    0);
	o = &p->u.nd_opt[6];
	assert_int_equal(o->type, 38);
	assert_int_equal(o->u.raw.data_off, o->off + 2);
	assert_int_equal(o->u.raw.data_len, 14);
	assert_string_equal(ds_packet_ndopt_token(38), "pref64");
	assert_string_equal(ds_packet_ndopt_token(25), "rdnss");

	/* Forwarded (hop limit 64): the RA is not from this link. */
	K.b[14 + 7] = 64;
	p = decode(&K);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_ND_HOPLIMIT);

	/* Router preference 10 (reserved), RFC 4191 2.2. */
	K.b[14 + 7] = 255;
	K.b[14 + 40 + 5] = 0x10;
	p = decode(&K);
	assert_int_equal(p->icmp6.prf, DS_PKT_PRF_RESERVED);
	assert_false(p->icmp6.managed);

	/* RDNSS with an even length (RFC 8106 5.1: 1 + 2N). */
	K.b[14 + 40 + 16 + 8 + 8 + 32 + 16 + 1] = 4;
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_ND_OPT,
	    DS_PKT_WHY_OPT_LEN, 14 + 40 + 80);
	K.b[14 + 40 + 16 + 8 + 8 + 32 + 16 + 1] = 5;

	/* Option malformations: MTU length 2, RDNSS length 2, route
	 * information /96 with length 2, zero length. */
	K.b[14 + 40 + 16 + 8 + 1] = 2;
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_ND_OPT,
	    DS_PKT_WHY_OPT_LEN, 14 + 40 + 24);
	assert_int_equal(p->icmp6.n_ndopt, 1);
	K.b[14 + 40 + 16 + 8 + 1] = 0;
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_ND_OPT,
	    DS_PKT_WHY_ND_OPT_ZERO, 14 + 40 + 24);
	K.b[14 + 40 + 16 + 8 + 1] = 1;
	K.b[14 + 40 + 16 + 8 + 8 + 32 + 2] = 96;
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_ND_OPT,
	    DS_PKT_WHY_OPT_LEN, 14 + 40 + 64);
	K.b[14 + 40 + 16 + 8 + 8 + 32 + 2] = 48;
	K.b[14 + 40 + 16 + 8 + 8 + 32 + 16 + 1] = 2;
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_ND_OPT,
	    DS_PKT_WHY_OPT_LEN, 14 + 40 + 80);
	/* An option length past the end of the packet. */
	K.b[14 + 40 + 16 + 8 + 8 + 32 + 16 + 1] = 60;
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_TRUNC_PACKET, DS_PKT_LAYER_ND_OPT,
	    DS_PKT_WHY_SHORT, 14 + 40 + 80);
}

static void
test_nd_rs_ns_na(void **state)
{
	struct ds_pkt *p;
	size_t ip;

	(void)state;
	/* RS with SLLA. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6x(&K, 58, 255, 0, 0, "fe80::2", "ff02::2");
	icmp6(&K, 133, 0, 0);
	u8(&K, 1);
	u8(&K, 1);
	for (int i = 0; i < 6; i++)
		u8(&K, MAC_SRC[i]);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->icmp6.n_ndopt, 1);
	assert_int_equal(p->u.nd_opt[0].off, 48);

	/* NS for DAD: from ::, a nonce (RFC 7527). */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6x(&K, 58, 255, 0, 0, "::", "ff02::1:ff00:2");
	icmp6(&K, 135, 0, 0);
	addr6(&K, "2001:db8::2");
	u8(&K, 14);
	u8(&K, 1);
	for (int i = 0; i < 6; i++)
		u8(&K, 0x10 + (unsigned)i);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_addr(&p->icmp6.target, "2001:db8::2");
	assert_int_equal(p->icmp6.n_ndopt, 1);
	assert_int_equal(p->u.nd_opt[0].type, 14);
	assert_int_equal(p->u.nd_opt[0].u.raw.data_off, 66);
	assert_int_equal(p->u.nd_opt[0].u.raw.data_len, 6);
	assert_string_equal(ds_packet_ndopt_token(14), "nonce");

	/* NA: R, S, O with TLLA. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6x(&K, 58, 255, 0, 0, "fe80::1", "fe80::2");
	icmp6(&K, 136, 0, 0xe0000000);
	addr6(&K, "fe80::1");
	u8(&K, 2);
	u8(&K, 1);
	for (int i = 0; i < 6; i++)
		u8(&K, MAC_DST[i]);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_true(p->icmp6.router);
	assert_true(p->icmp6.solicited);
	assert_true(p->icmp6.override);
	assert_addr(&p->icmp6.target, "fe80::1");
	assert_memory_equal(p->u.nd_opt[0].u.lladdr.b, MAC_DST, 6);
	K.b[44] = 0x20;
	p = decode(&K);
	assert_false(p->icmp6.router);
	assert_false(p->icmp6.solicited);
	assert_true(p->icmp6.override);

	/* NA cut inside the target. */
	p = decode_part(&K, 60, 0);
	assert_err(&p->ip, DS_PKT_ERR_TRUNC_PACKET, DS_PKT_LAYER_ICMP6,
	    DS_PKT_WHY_SHORT, 40);
}

static void
test_nd_redirect(void **state)
{
	struct ds_pkt *p;
	size_t ip, rh, in;

	(void)state;
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6x(&K, 58, 255, 0, 0, "fe80::1", "fe80::2");
	icmp6(&K, 137, 0, 0);
	addr6(&K, "fe80::3");
	addr6(&K, "2001:db8:9::9");
	/* Redirected Header with the start of the original packet. */
	rh = K.n;
	u8(&K, 4);
	u8(&K, 1 + 8);
	zeros(&K, 6);
	in = ip6x(&K, 6, 63, 0, 0, "2001:db8::2", "2001:db8:9::9");
	tcp(&K, 40000, 22, DS_TCP_SYN, NULL, 0);
	ip6_done(&K, in);
	zeros(&K, 4);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_addr(&p->icmp6.target, "fe80::3");
	assert_addr(&p->icmp6.dest, "2001:db8:9::9");
	assert_int_equal(p->icmp6.n_ndopt, 1);
	assert_int_equal(p->u.nd_opt[0].type, 4);
	assert_int_equal(p->u.nd_opt[0].off, rh);
	assert_int_equal(p->u.nd_opt[0].u.raw.data_off, rh + 8);
	assert_int_equal(p->u.nd_opt[0].u.raw.data_len, 64);
	assert_true(p->has_inner);
	assert_no_err(&p->inner);
	assert_int_equal(p->inner.off, rh + 8);
	assert_int_equal(p->inner.l4, DS_PKT_L4_TCP);
	assert_int_equal(p->inner.u.tcp.dport, 22);
}

static void
test_nd_caps_and_frag(void **state)
{
	struct ds_pkt *p;
	size_t ip;

	(void)state;
	/* 20 nonce options: 16 stored. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6x(&K, 58, 255, 0, 0, "fe80::2", "ff02::2");
	icmp6(&K, 133, 0, 0);
	for (int i = 0; i < 20; i++) {
		u8(&K, 14);
		u8(&K, 1);
		zeros(&K, 6);
	}
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->icmp6.n_ndopt, DS_PKT_MAX_NDOPT);
	assert_int_equal(p->icmp6.ndopt_count, 20);
	assert_true(p->capped & DS_PKT_CAPPED_NDOPT);

	/* An NS in an atomic fragment (RFC 6980). */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6x(&K, 44, 255, 0, 0, "fe80::2", "ff02::1:ff00:1");
	frag(&K, 58, 0, false, 9);
	icmp6(&K, 135, 0, 0);
	addr6(&K, "fe80::1");
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(
	    p->ip.anom, DS_PKT_ANOM_FRAG_ND | DS_PKT_ANOM_ATOMIC_FRAG);
}

static void
test_mld(void **state)
{
	struct ds_pkt *p;
	const struct ds_pkt_icmp6 *x;
	const struct ds_pkt_mldrec *r;
	size_t ip;

	(void)state;
	/* MLDv1 report for ff02::1:3, with HbH Router Alert. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6x(&K, 0, 1, 0, 0, "fe80::2", "ff02::1:3");
	ext(&K, 58, 8);
	u8(&K, 5);
	u8(&K, 2);
	be16(&K, 0);
	u8(&K, 1);
	u8(&K, 0);
	icmp6(&K, 131, 0, 0);
	addr6(&K, "ff02::1:3");
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	x = &p->icmp6;
	assert_false(x->mldv2);
	assert_addr(&x->group, "ff02::1:3");

	/* MLDv1 query: 24 octets, max delay 10000. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6x(&K, 58, 1, 0, 0, "fe80::1", "ff02::1");
	icmp6(&K, 130, 0, 10000u << 16);
	addr6(&K, "::");
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_false(p->icmp6.mldv2);
	assert_int_equal(p->icmp6.max_resp, 10000);

	/* MLDv2 query with two sources, S, QRV 2, QQIC 125. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6x(&K, 58, 1, 0, 0, "fe80::1", "ff02::1");
	icmp6(&K, 130, 0, 1000u << 16);
	addr6(&K, "ff3e::1234");
	u8(&K, 0x08 | 2);
	u8(&K, 125);
	be16(&K, 2);
	addr6(&K, "2001:db8::1");
	addr6(&K, "2001:db8::2");
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	x = &p->icmp6;
	assert_true(x->mldv2);
	assert_int_equal(x->max_resp, 1000);
	assert_addr(&x->group, "ff3e::1234");
	assert_true(x->s_flag);
	assert_int_equal(x->qrv, 2);
	assert_int_equal(x->qqic, 125);
	assert_int_equal(x->nsrc, 2);
	assert_int_equal(x->n_src, 2);
	assert_addr(&p->addr[x->src_first + 1], "2001:db8::2");
	/* Number of Sources past the end. */
	set16(&K, 40 + 26, 3);
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_TRUNC_PACKET, DS_PKT_LAYER_MLD,
	    DS_PKT_WHY_SHORT, 40);

	/* MLDv2 report: two records, the second with a source and 4 octets
	 * of auxiliary data. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6x(&K, 58, 1, 0, 0, "fe80::2", "ff02::16");
	icmp6(&K, 143, 0, 2);
	u8(&K, 4); /* CHANGE_TO_EXCLUDE */
	u8(&K, 0);
	be16(&K, 0);
	addr6(&K, "ff02::fb");
	u8(&K, 5); /* ALLOW_NEW_SOURCES */
	u8(&K, 1);
	be16(&K, 1);
	addr6(&K, "ff3e::8000:1");
	addr6(&K, "2001:db8::77");
	be32(&K, 0x11223344);
	ip6_done(&K, ip);
	p = decode(&K);
	assert_no_err(&p->ip);
	x = &p->icmp6;
	assert_int_equal(x->nrec, 2);
	assert_int_equal(x->n_mldrec, 2);
	r = &p->u.mld_rec[0];
	assert_int_equal(r->off, 48);
	assert_int_equal(r->type, 4);
	assert_string_equal(ds_packet_mldrec_token(r->type), "to_ex");
	assert_addr(&r->group, "ff02::fb");
	assert_int_equal(r->n_src, 0);
	r = &p->u.mld_rec[1];
	assert_int_equal(r->off, 68);
	assert_int_equal(r->type, 5);
	assert_int_equal(r->aux_len, 1);
	assert_int_equal(r->nsrc, 1);
	assert_int_equal(r->n_src, 1);
	assert_addr(&r->group, "ff3e::8000:1");
	assert_addr(&p->addr[r->src_first], "2001:db8::77");
	/* A third record announced but missing. */
	set16(&K, 46, 3);
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_TRUNC_PACKET, DS_PKT_LAYER_MLD,
	    DS_PKT_WHY_SHORT, 108);
	assert_int_equal(p->icmp6.n_mldrec, 2);
}

/* --- Signatures and statistics ----------------------------------------- */

/* The signature of the frame in K. */
static const char *
sig_of(const struct pk *k)
{
	static char buf[DS_PKT_SIG_STRLEN];
	struct ds_pkt *p = decode(k);
	int n = ds_packet_signature(p, buf, sizeof(buf));

	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_int_equal(strlen(buf), n);
	return buf;
}

/* IPv6 with nd Destination Options headers, then protocol proto (with 8
 * octets of it). */
static void
build_chain(struct pk *k, unsigned nd, unsigned proto)
{
	size_t ip;

	pk_reset(k, DS_LINK_RAW);
	ip = ip6(k, nd ? 60 : proto);
	for (unsigned i = 0; i < nd; i++)
		ext_pad8(k, 60, i + 1 < nd ? 60 : proto);
	if (proto == 17)
		udp(k, 1, 2, 0);
	else
		zeros(k, 8);
	ip6_done(k, ip);
}

static void
test_signature(void **state)
{
	char small[8];
	size_t ip;
	int n;

	(void)state;
	/* The chain, as the line shows it before the addresses. */
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 0x86dd);
	ip = ip6(&K, 0);
	ext_pad8(&K, 0, 44);
	frag(&K, 17, 0, true, 0x1234);
	udp(&K, 546, 547, 16);
	ip6_done(&K, ip);
	assert_string_equal(sig_of(&K), "ipv6 hbh frag udp");

	/* A later fragment: its bytes are data, whatever the protocol. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 44);
	frag(&K, 17, 1232, false, 0x1234);
	zeros(&K, 16);
	ip6_done(&K, ip);
	assert_string_equal(sig_of(&K), "ipv6 frag data");

	/* IPv4: a first fragment. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip4x(&K, 6, 0x2000, NULL, 0);
	tcp(&K, 1, 2, DS_TCP_SYN, NULL, 0);
	ip4_done(&K, ip);
	assert_string_equal(sig_of(&K), "ipv4 frag tcp");

	/* Another protocol: its IANA keyword, or its number. */
	build_chain(&K, 0, 47);
	assert_string_equal(sig_of(&K), "ipv6 gre");
	build_chain(&K, 0, 107);
	assert_string_equal(sig_of(&K), "ipv6 a-n");
	build_chain(&K, 1, 200);
	assert_string_equal(sig_of(&K), "ipv6 dst proto200");
	build_chain(&K, 1, 59);
	assert_string_equal(sig_of(&K), "ipv6 dst none");

	/* More headers than are stored: "...". */
	build_chain(&K, 20, 17);
	assert_string_equal(sig_of(&K),
	    "ipv6 dst dst dst dst dst dst dst dst dst dst dst dst dst dst dst "
	    "dst ... udp");

	/* ESP ends the chain; an error stops it where it is. */
	pk_reset(&K, DS_LINK_RAW);
	ip = ip6(&K, 50);
	be32(&K, 0x1000);
	be32(&K, 1);
	zeros(&K, 16);
	ip6_done(&K, ip);
	assert_string_equal(sig_of(&K), "ipv6 esp");
	build_chain(&K, 2, 17);
	decode_part(&K, 40 + 8 + 4, K.n);
	{
		char buf[DS_PKT_SIG_STRLEN];

		assert_int_equal(ds_packet_signature(&P, buf, sizeof(buf)), 8);
		assert_string_equal(buf, "ipv6 dst");
	}

	/* Frames without IP. */
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 0x0806);
	zeros(&K, 28);
	assert_string_equal(sig_of(&K), "arp");
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 0x88b5);
	zeros(&K, 28);
	assert_string_equal(sig_of(&K), "ethertype-34997");
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 46); /* an 802.3 length: no protocol named */
	zeros(&K, 46);
	assert_string_equal(sig_of(&K), "link");

	/* snprintf semantics. */
	build_chain(&K, 0, 17);
	decode(&K);
	n = ds_packet_signature(&P, small, sizeof(small));
	assert_int_equal(n, 8);
	assert_string_equal(small, "ipv6 ud");
	assert_int_equal(ds_packet_signature(&P, NULL, 0), 8);
	assert_int_equal(
	    ds_packet_signature(NULL, small, sizeof(small)), -EINVAL);
	assert_int_equal(ds_packet_signature(&P, NULL, 4), -EINVAL);
}

static struct ds_packet_stats ST;

static void
test_stats(void **state)
{
	const struct ds_packet_stats_chain *v[DS_PKT_STATS_MAX_CHAINS];
	uint64_t bytes = 0, added = 0;
	unsigned distinct = 0;
	size_t ip, n;

	(void)state;
	memset(&ST, 0x5a, sizeof(ST));
	ds_packet_stats_init(&ST);
	assert_int_equal(ST.packets, 0);
	assert_int_equal(ds_packet_stats_chains(&ST, v, 4), 0);

	/* Three UDP, two GRE: most frames first. */
	for (int i = 0; i < 3; i++) {
		build_chain(&K, 0, 17);
		ds_packet_stats_add(&ST, decode(&K));
		bytes += K.n;
	}
	for (int i = 0; i < 2; i++) {
		build_chain(&K, 0, 47);
		ds_packet_stats_add(&ST, decode(&K));
		bytes += K.n;
	}
	/* An echo request with Hop-by-Hop after Destination Options. */
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 0x86dd);
	ip = ip6(&K, 60);
	ext_pad8(&K, 60, 0);
	ext_pad8(&K, 0, 58);
	icmp6(&K, 128, 0, 0x00010002);
	ip6_done(&K, ip);
	ds_packet_stats_add(&ST, decode(&K));
	bytes += K.n;
	/* ARP, and the same frame cut by the capture and cut short. */
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 0x0806);
	zeros(&K, 28);
	ds_packet_stats_add(&ST, decode(&K));
	bytes += K.n;
	build_chain(&K, 0, 17);
	ds_packet_stats_add(&ST, decode_part(&K, 44, K.n));
	bytes += 44;
	ds_packet_stats_add(&ST, decode_part(&K, 44, 0));
	bytes += 44;
	/* A link type the decoder does not know. */
	ds_packet_stats_add_undecoded(&ST, 147, 60, 1500);
	bytes += 60;
	ds_packet_stats_add(NULL, &P);
	ds_packet_stats_add(&ST, NULL);
	ds_packet_stats_add_undecoded(NULL, 147, 60, 1500);

	assert_int_equal(ST.packets, 10);
	assert_int_equal(ST.bytes, bytes);
	assert_int_equal(ST.wire_bytes, bytes - 44 + K.n - 60 + 1500);
	assert_int_equal(ST.n_link, 3);
	assert_int_equal(ST.link[0].linktype, DS_LINK_RAW);
	assert_int_equal(ST.link[0].packets, 7);
	assert_int_equal(ST.link[1].linktype, DS_LINK_EN10MB);
	assert_int_equal(ST.link[1].packets, 2);
	assert_int_equal(ST.link[2].linktype, 147);
	assert_int_equal(ST.link[2].packets, 1);
	assert_int_equal(ST.icmp6[128][0], 1);
	assert_int_equal(ST.anomaly[0], 1); /* hbh-not-first */
	assert_int_equal(ST.anomaly[4], 1); /* len-mismatch: cut short */
	assert_int_equal(ST.anomalous, 2);
	assert_int_equal(ST.truncated, 1);
	assert_int_equal(ST.short_packet, 1);
	assert_int_equal(ST.malformed, 0);
	assert_int_equal(ST.non_ip, 1);
	assert_int_equal(ST.undecoded, 1);

	n = ds_packet_stats_chains(&ST, v, DS_PKT_STATS_MAX_CHAINS);
	assert_int_equal(n, 5);
	assert_string_equal(v[0]->sig, "ipv6 udp");
	assert_int_equal(v[0]->packets, 3);
	/* Ties by signature; the two cut frames stopped after IPv6. */
	assert_string_equal(v[1]->sig, "ipv6");
	assert_int_equal(v[1]->packets, 2);
	assert_string_equal(v[2]->sig, "ipv6 gre");
	assert_int_equal(v[2]->packets, 2);
	assert_string_equal(v[3]->sig, "arp");
	assert_string_equal(v[4]->sig, "ipv6 dst hbh icmp6");
	/* Fewer slots than chains: the first ones, the count all. */
	v[1] = NULL;
	assert_int_equal(ds_packet_stats_chains(&ST, v, 1), 5);
	assert_null(v[1]);

	/* Past the cap, chains are counted together. */
	ds_packet_stats_init(&ST);
	for (unsigned nd = 0; nd < 8 && distinct < 1100; nd++) {
		for (unsigned proto = 0; proto < 256; proto++) {
			/* Tunnels (4, 41, 47) sign as their kind, with
			 * the outer chain left out. */
			if (ds_packet_is_ext(proto) || proto == 6 ||
			    proto == 17 || proto == 58 || proto == 59 ||
			    proto == 4 || proto == 41 || proto == 47)
				continue;
			build_chain(&K, nd, proto);
			ds_packet_stats_add(&ST, decode(&K));
			added++;
			distinct++;
		}
	}
	assert_true(distinct > DS_PKT_STATS_MAX_CHAINS);
	assert_int_equal(ST.n_chain, DS_PKT_STATS_MAX_CHAINS);
	assert_int_equal(ST.chain_other, added - DS_PKT_STATS_MAX_CHAINS);
	assert_int_equal(
	    ds_packet_stats_chains(&ST, v, DS_PKT_STATS_MAX_CHAINS),
	    DS_PKT_STATS_MAX_CHAINS);
	for (size_t i = 1; i < DS_PKT_STATS_MAX_CHAINS; i++)
		assert_true(strcmp(v[i - 1]->sig, v[i]->sig) < 0);
	/* A chain already counted still counts after the cap. */
	build_chain(&K, 0, 46);
	ds_packet_stats_add(&ST, decode(&K));
	assert_int_equal(ST.chain_other, added - DS_PKT_STATS_MAX_CHAINS);
}

/* --- Helpers ----------------------------------------------------------- */

static void
test_dns_name(void **state)
{
	static const uint8_t ok[] = {3, 'a', '.', 'b', 1, 0x07, 0};
	static const uint8_t ptr[] = {0xc0, 0x0c};
	static const uint8_t past[] = {5, 'a', 'b'};
	static const uint8_t noend[] = {1, 'a'};
	uint8_t big[300];
	char buf[DS_PKT_NAME_STRLEN];
	size_t pos;

	(void)state;
	pos = 0;
	assert_int_equal(
	    ds_packet_dns_name(ok, sizeof(ok), &pos, buf, sizeof(buf)), 11);
	assert_string_equal(buf, "a\\046b.\\007");
	assert_int_equal(pos, sizeof(ok));
	/* At the end: 0. */
	assert_int_equal(
	    ds_packet_dns_name(ok, sizeof(ok), &pos, buf, sizeof(buf)), 0);
	/* snprintf semantics. */
	pos = 0;
	assert_int_equal(ds_packet_dns_name(ok, sizeof(ok), &pos, buf, 4), 11);
	assert_string_equal(buf, "a\\0");
	pos = 0;
	assert_int_equal(
	    ds_packet_dns_name(ptr, sizeof(ptr), &pos, buf, sizeof(buf)),
	    -EBADMSG);
	assert_int_equal(pos, 0);
	assert_int_equal(
	    ds_packet_dns_name(past, sizeof(past), &pos, buf, sizeof(buf)),
	    -EBADMSG);
	assert_int_equal(
	    ds_packet_dns_name(noend, sizeof(noend), &pos, buf, sizeof(buf)),
	    -EBADMSG);
	/* RFC 1035 2.3.4: 255 octets in all. Three labels of 63 and one
	 * of 61 make exactly 255 with the root; one more octet is too
	 * many. */
	memset(big, 'x', sizeof(big));
	for (int i = 0; i < 3; i++)
		big[i * 64] = 63;
	big[192] = 61;
	big[254] = 0;
	pos = 0;
	assert_int_equal(
	    ds_packet_dns_name(big, 255, &pos, buf, sizeof(buf)), 3 * 64 + 61);
	assert_int_equal(pos, 255);
	big[192] = 62;
	big[254] = 'x';
	big[255] = 0;
	pos = 0;
	assert_int_equal(
	    ds_packet_dns_name(big, 256, &pos, buf, sizeof(buf)), -EBADMSG);
	assert_int_equal(pos, 0);
	assert_int_equal(
	    ds_packet_dns_name(NULL, 0, NULL, buf, sizeof(buf)), -EINVAL);
}

/* --- Tunnels ------------------------------------------------------------- */

static void
set_a4(struct pk *k, size_t off, const char *s)
{
	assert_int_equal(inet_pton(AF_INET, s, k->b + off), 1);
}

/* IPv4 header from src to dst carrying proto; returns its offset. */
static size_t
ip4a(struct pk *k, unsigned proto, const char *src, const char *dst)
{
	size_t off = ip4x(k, proto, 0, NULL, 0);

	set_a4(k, off + 12, src);
	set_a4(k, off + 16, dst);
	return off;
}

/* A TCP SYN from 2001:db8::1.40000 to 2001:db8::2.80. */
static void
v6_syn(struct pk *k, const char *src, const char *dst)
{
	size_t ip = ip6x(k, 6, 64, 0, 0, src, dst);

	tcp(k, 40000, 80, 0x02, NULL, 0);
	ip6_done(k, ip);
}

static void
test_tunnel_6in4(void **state)
{
	struct ds_tuple t;
	char sig[DS_PKT_SIG_STRLEN];
	const struct ds_pkt *p;
	size_t o;

	(void)state;
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 0x0800);
	o = ip4a(&K, 41, "198.51.100.1", "198.51.100.2");
	v6_syn(&K, SRC6, DST6);
	ip4_done(&K, o);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->n_tun, 1);
	assert_int_equal(p->tun[0].kind, DS_PKT_TUN_6IN4);
	assert_int_equal(p->tun[0].version, 6);
	assert_int_equal(p->tun[0].off, 34);
	assert_int_equal(p->tun[0].len, 0);
	assert_int_equal(p->tun[0].flags, 0);
	assert_int_equal(p->outer[0].version, 4);
	assert_int_equal(p->outer[0].proto, 41);
	assert_int_equal(p->outer[0].l4, DS_PKT_L4_OTHER);
	assert_addr(&p->outer[0].src, "198.51.100.1");
	assert_int_equal(p->ip.version, 6);
	assert_int_equal(p->ip.off, 34);
	assert_int_equal(p->ip.l4, DS_PKT_L4_TCP);
	assert_int_equal(p->ip.l4_off, 74);
	assert_int_equal(p->ip.anom, 0);
	assert_int_equal(ds_packet_tuple(p, &t), 0);
	assert_addr(&t.src.addr, SRC6);
	assert_int_equal(t.src.port, 40000);
	assert_int_equal(t.dst.port, 80);
	assert_int_equal(t.protocol, 6);
	assert_int_equal(ds_packet_outer_tuple(p, &t), 0);
	assert_addr(&t.src.addr, "198.51.100.1");
	assert_addr(&t.dst.addr, "198.51.100.2");
	assert_int_equal(t.protocol, 41);
	assert_int_equal(ds_packet_signature(p, sig, sizeof(sig)), 18);
	assert_string_equal(sig, "ipv4 6in4 ipv6 tcp");

	/* Not tunnelled: no outer tuple. */
	pk_reset(&K, DS_LINK_RAW);
	v6_syn(&K, SRC6, DST6);
	p = decode(&K);
	assert_int_equal(p->n_tun, 0);
	assert_int_equal(ds_packet_outer_tuple(p, &t), -ENOENT);

	/* A first fragment is not followed: its inner packet goes on in the
	 * next fragment. */
	pk_reset(&K, DS_LINK_RAW);
	o = ip4x(&K, 41, 0x2000, NULL, 0);
	v6_syn(&K, SRC6, DST6);
	ip4_done(&K, o);
	p = decode(&K);
	assert_int_equal(p->n_tun, 0);
	assert_int_equal(p->ip.l4, DS_PKT_L4_OTHER);
}

static void
test_tunnel_6to4_isatap(void **state)
{
	const struct ds_pkt *p;
	size_t o;

	(void)state;
	/* 2002:c633:6401::/48 is 6to4 for 198.51.100.1, the outer source. */
	pk_reset(&K, DS_LINK_RAW);
	o = ip4a(&K, 41, "198.51.100.1", "192.0.2.9");
	v6_syn(&K, "2002:c633:6401::1", "2002:c000:209::1");
	ip4_done(&K, o);
	p = decode(&K);
	assert_int_equal(p->n_tun, 1);
	assert_int_equal(p->tun[0].kind, DS_PKT_TUN_6TO4);
	assert_int_equal(p->tun[0].flags,
	    DS_PKT_TUNF_SRC_EMBEDS | DS_PKT_TUNF_SRC_MATCH |
	        DS_PKT_TUNF_DST_EMBEDS | DS_PKT_TUNF_DST_MATCH);
	assert_addr(&p->tun[0].v4_src, "198.51.100.1");
	assert_addr(&p->tun[0].v4_dst, "192.0.2.9");
	assert_int_equal(p->ip.anom, 0);

	/* The source embeds 203.0.113.1, the packet came from elsewhere. */
	pk_reset(&K, DS_LINK_RAW);
	o = ip4a(&K, 41, "198.51.100.1", "192.0.2.9");
	v6_syn(&K, "2002:cb00:7101::1", DST6);
	ip4_done(&K, o);
	p = decode(&K);
	assert_int_equal(p->tun[0].kind, DS_PKT_TUN_6TO4);
	assert_int_equal(p->tun[0].flags, DS_PKT_TUNF_SRC_EMBEDS);
	assert_addr(&p->tun[0].v4_src, "203.0.113.1");
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_6TO4_MISMATCH);

	/* A relay to a 6to4 host: only the destination, no anomaly. */
	pk_reset(&K, DS_LINK_RAW);
	o = ip4a(&K, 41, "203.0.113.9", "192.0.2.9");
	v6_syn(&K, SRC6, "2002:c000:209::1");
	ip4_done(&K, o);
	p = decode(&K);
	assert_int_equal(p->tun[0].kind, DS_PKT_TUN_6TO4);
	assert_int_equal(
	    p->tun[0].flags, DS_PKT_TUNF_DST_EMBEDS | DS_PKT_TUNF_DST_MATCH);
	assert_int_equal(p->ip.anom, 0);

	/* ISATAP: fe80::5efe:c633:6401 and the universal form 0200:5efe. */
	pk_reset(&K, DS_LINK_RAW);
	o = ip4a(&K, 41, "198.51.100.1", "198.51.100.2");
	v6_syn(&K, "fe80::5efe:c633:6401", "fe80::200:5efe:c000:201");
	ip4_done(&K, o);
	p = decode(&K);
	assert_int_equal(p->tun[0].kind, DS_PKT_TUN_ISATAP);
	assert_int_equal(p->tun[0].flags,
	    DS_PKT_TUNF_SRC_EMBEDS | DS_PKT_TUNF_SRC_MATCH |
	        DS_PKT_TUNF_DST_EMBEDS);
	assert_addr(&p->tun[0].v4_dst, "192.0.2.1");
}

/* Destination Options with a Tunnel Encapsulation Limit of 'limit'. */
static void
tel_opt(struct pk *k, unsigned nh, unsigned limit)
{
	ext(k, nh, 8);
	u8(k, 4); /* RFC 2473 section 5.1 */
	u8(k, 1);
	u8(k, limit);
	u8(k, 1); /* PadN 1 */
	u8(k, 1);
	u8(k, 0);
}

static void
test_tunnel_ip6(void **state)
{
	char sig[DS_PKT_SIG_STRLEN];
	const struct ds_pkt *p;
	size_t o, o2, i4;

	(void)state;
	/* DS-Lite: IPv4 in IPv6 behind a Tunnel Encapsulation Limit. */
	pk_reset(&K, DS_LINK_RAW);
	o = ip6x(&K, 60, 64, 0, 0, "2001:db8:1::1", "2001:db8:2::1");
	tel_opt(&K, 4, 4);
	i4 = ip4x(&K, 17, 0, NULL, 0);
	udp(&K, 5353, 53, 4);
	ip4_done(&K, i4);
	ip6_done(&K, o);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->n_tun, 1);
	assert_int_equal(p->tun[0].kind, DS_PKT_TUN_4IN6);
	assert_int_equal(p->tun[0].off, 48);
	assert_int_equal(p->outer[0].n_ext, 1);
	assert_int_equal(p->ip.version, 4);
	assert_int_equal(p->ip.u.udp.dport, 53);
	assert_int_equal(p->ip.anom, 0);
	assert_int_equal(ds_packet_signature(p, sig, sizeof(sig)), 18);
	assert_string_equal(sig, "ipv6 4in6 ipv4 udp");

	/* IPv6 in IPv6 whose inner packet said "encapsulate no more". */
	pk_reset(&K, DS_LINK_RAW);
	o = ip6x(&K, 41, 64, 0, 0, "2001:db8:1::1", "2001:db8:2::1");
	o2 = ip6x(&K, 60, 64, 0, 0, SRC6, DST6);
	tel_opt(&K, 6, 0);
	tcp(&K, 40000, 80, 0x02, NULL, 0);
	ip6_done(&K, o2);
	ip6_done(&K, o);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->tun[0].kind, DS_PKT_TUN_6IN6);
	assert_int_equal(p->ip.l4, DS_PKT_L4_TCP);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_ENCAP_LIMIT);
	assert_int_equal(p->outer[0].anom, 0);
	/* With a limit of 1 the one encapsulation is allowed. */
	K.b[o2 + 40 + 4] = 1;
	p = decode(&K);
	assert_int_equal(p->ip.anom, 0);

	/* IPv4 in IPv4. */
	pk_reset(&K, DS_LINK_RAW);
	o = ip4a(&K, 4, "198.51.100.1", "198.51.100.2");
	i4 = ip4x(&K, 6, 0, NULL, 0);
	tcp(&K, 40000, 80, 0x02, NULL, 0);
	ip4_done(&K, i4);
	ip4_done(&K, o);
	p = decode(&K);
	assert_int_equal(p->tun[0].kind, DS_PKT_TUN_IPIP);
	assert_int_equal(p->ip.version, 4);
	assert_int_equal(p->ip.u.tcp.sport, 40000);
}

/* GRE header with the optional fields the flags ask for. */
static size_t
gre(struct pk *k, unsigned flags, unsigned proto)
{
	size_t off = k->n;

	be16(k, flags);
	be16(k, proto);
	if (flags & 0x8000) {
		be16(k, 0x1234);
		be16(k, 0);
	}
	if (flags & 0x2000)
		be32(k, 0xdeadbeef);
	if (flags & 0x1000)
		be32(k, 7);
	return off;
}

static void
test_tunnel_gre(void **state)
{
	struct ds_tuple t;
	char sig[DS_PKT_SIG_STRLEN];
	const struct ds_pkt *p;
	const struct ds_pkt_tun *tn;
	size_t o, i4;

	(void)state;
	pk_reset(&K, DS_LINK_RAW);
	o = ip4a(&K, 47, "198.51.100.1", "198.51.100.2");
	gre(&K, 0xb000, 0x86dd);
	v6_syn(&K, SRC6, DST6);
	ip4_done(&K, o);
	p = decode(&K);
	assert_no_err(&p->ip);
	tn = &p->tun[0];
	assert_int_equal(tn->kind, DS_PKT_TUN_GRE);
	assert_int_equal(tn->version, 6);
	assert_int_equal(tn->off, 20);
	assert_int_equal(tn->len, 16);
	assert_int_equal(tn->flags,
	    DS_PKT_TUNF_GRE_CSUM | DS_PKT_TUNF_GRE_KEY | DS_PKT_TUNF_GRE_SEQ);
	assert_int_equal(tn->gre_checksum, 0x1234);
	assert_int_equal(tn->gre_key, 0xdeadbeef);
	assert_int_equal(tn->gre_seq, 7);
	assert_int_equal(tn->gre_proto, 0x86dd);
	assert_int_equal(p->ip.off, 36);
	assert_int_equal(p->ip.u.tcp.dport, 80);
	ds_packet_signature(p, sig, sizeof(sig));
	assert_string_equal(sig, "ipv4 gre ipv6 tcp");

	/* Ethernet over GRE, padded to 60 octets as Ethernet is. */
	pk_reset(&K, DS_LINK_RAW);
	o = ip6x(&K, 47, 64, 0, 0, "2001:db8:1::1", "2001:db8:2::1");
	gre(&K, 0x2000, 0x6558);
	eth(&K, 0x0800);
	i4 = ip4x(&K, 17, 0, NULL, 0);
	udp(&K, 5353, 53, 0);
	ip4_done(&K, i4);
	zeros(&K, 18);
	ip6_done(&K, o);
	p = decode(&K);
	assert_no_err(&p->ip);
	tn = &p->tun[0];
	assert_int_equal(tn->flags, DS_PKT_TUNF_GRE_KEY | DS_PKT_TUNF_ETH);
	assert_int_equal(tn->ethertype, 0x0800);
	assert_memory_equal(tn->eth_src.b, MAC_SRC, 6);
	assert_int_equal(tn->len, 8 + 14);
	assert_int_equal(p->ip.version, 4);
	assert_int_equal(p->ip.trailer, 18);
	assert_int_equal(p->ip.anom, 0);

	/* A payload that is not IP: shown, not followed; the tuple is the
	 * outer packet's. */
	pk_reset(&K, DS_LINK_RAW);
	o = ip4a(&K, 47, "198.51.100.1", "198.51.100.2");
	gre(&K, 0, 0x880b);
	zeros(&K, 8);
	ip4_done(&K, o);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->n_tun, 1);
	assert_int_equal(p->tun[0].version, 0);
	assert_int_equal(p->ip.version, 0);
	assert_int_equal(ds_packet_tuple(p, &t), 0);
	assert_int_equal(t.protocol, 47);
	ds_packet_signature(p, sig, sizeof(sig));
	assert_string_equal(sig, "ipv4 gre");

	/* RFC 1701 routing bit: RFC 2784 section 2.3 discards it. */
	pk_reset(&K, DS_LINK_RAW);
	o = ip4a(&K, 47, "198.51.100.1", "198.51.100.2");
	gre(&K, 0x4000, 0x0800);
	zeros(&K, 20);
	ip4_done(&K, o);
	p = decode(&K);
	assert_err(&p->ip, DS_PKT_ERR_MALFORMED, DS_PKT_LAYER_GRE,
	    DS_PKT_WHY_GRE_FLAGS, 20);
}

/* 2001:0:c000:22d:8000:63bf:34ff:8efa: server 192.0.2.45, cone, client
 * mapped to 203.0.113.5 port 40000 (RFC 4380 section 4). */
#define TEREDO_CLIENT "2001:0:c000:22d:8000:63bf:34ff:8efa"

static void
test_tunnel_teredo(void **state)
{
	const struct ds_pkt *p;
	const struct ds_pkt_tun *tn;
	char sig[DS_PKT_SIG_STRLEN];
	size_t o, u, i6;

	(void)state;
	/* A bubble from the server with an origin indication, to the client
	 * behind its NAT mapping. */
	pk_reset(&K, DS_LINK_RAW);
	o = ip4a(&K, 17, "192.0.2.45", "203.0.113.5");
	u = udp(&K, 3544, 40000, 0);
	be16(&K, 0);
	be16(&K, 12345 ^ 0xffff);
	be32(&K, 0xc0000263 ^ 0xffffffffu); /* 192.0.2.99 */
	i6 = ip6x(&K, 59, 255, 0, 0, "fe80::1", TEREDO_CLIENT);
	ip6_done(&K, i6);
	set16(&K, u + 4, (unsigned)(K.n - u));
	ip4_done(&K, o);
	p = decode(&K);
	assert_no_err(&p->ip);
	tn = &p->tun[0];
	assert_int_equal(tn->kind, DS_PKT_TUN_TEREDO);
	assert_int_equal(tn->off, 28);
	assert_int_equal(tn->len, 8);
	assert_int_equal(tn->flags,
	    DS_PKT_TUNF_TEREDO_ORIGIN | DS_PKT_TUNF_TEREDO_BUBBLE |
	        DS_PKT_TUNF_DST_EMBEDS | DS_PKT_TUNF_DST_MATCH);
	assert_int_equal(tn->origin_port, 12345);
	assert_addr(&tn->origin, "192.0.2.99");
	assert_addr(&tn->v4_dst, "203.0.113.5");
	assert_int_equal(tn->port_dst, 40000);
	assert_int_equal(p->ip.l4, DS_PKT_L4_NO_NEXT);
	ds_packet_signature(p, sig, sizeof(sig));
	assert_string_equal(sig, "ipv4 udp teredo ipv6 none");
	/* Another NAT mapping than the address says. */
	set16(&K, u + 2, 40001);
	p = decode(&K);
	assert_int_equal(p->tun[0].flags & DS_PKT_TUNF_DST_MATCH, 0);

	/* Authentication, then origin indication, then a Router
	 * Advertisement: the qualification procedure, no anomaly. */
	pk_reset(&K, DS_LINK_RAW);
	o = ip4a(&K, 17, "192.0.2.45", "203.0.113.5");
	u = udp(&K, 3544, 40000, 0);
	be16(&K, 1);
	u8(&K, 2); /* ID-len */
	u8(&K, 3); /* AU-len */
	zeros(&K, 5);
	be32(&K, 0x01020304); /* nonce */
	be32(&K, 0x05060708);
	u8(&K, 0); /* confirmation */
	be16(&K, 0);
	be16(&K, 3544 ^ 0xffff);
	be32(&K, 0xc000022d ^ 0xffffffffu);
	i6 =
	    ip6x(&K, 58, 255, 0, 0, "fe80::8000:ffff:ffff:fffe", TEREDO_CLIENT);
	icmp6(&K, 134, 0, 0);
	zeros(&K, 8);
	ip6_done(&K, i6);
	set16(&K, u + 4, (unsigned)(K.n - u));
	ip4_done(&K, o);
	p = decode(&K);
	assert_no_err(&p->ip);
	tn = &p->tun[0];
	assert_int_equal(
	    tn->flags & (DS_PKT_TUNF_TEREDO_AUTH | DS_PKT_TUNF_TEREDO_ORIGIN),
	    DS_PKT_TUNF_TEREDO_AUTH | DS_PKT_TUNF_TEREDO_ORIGIN);
	assert_int_equal(tn->auth_id_len, 2);
	assert_int_equal(tn->auth_len, 3);
	assert_int_equal(tn->auth_off, 28 + 4 + 2);
	assert_int_equal(tn->nonce[7], 8);
	assert_int_equal(tn->len, 4 + 5 + 9 + 8);
	assert_int_equal(p->ip.u.icmp.type, 134);
	assert_int_equal(p->ip.anom, 0);

	/* Other traffic on port 3544 stays UDP. */
	pk_reset(&K, DS_LINK_RAW);
	o = ip4a(&K, 17, "192.0.2.45", "203.0.113.5");
	u = udp(&K, 3544, 40000, 0);
	be32(&K, 0x17fe0001);
	set16(&K, u + 4, 12);
	ip4_done(&K, o);
	p = decode(&K);
	assert_int_equal(p->n_tun, 0);
	assert_int_equal(p->ip.l4, DS_PKT_L4_UDP);
}

static void
test_tunnel_nd(void **state)
{
	const struct ds_pkt *p;
	size_t o, i6;

	(void)state;
	/* A Neighbor Solicitation with hop limit 255 inside 6in4. */
	pk_reset(&K, DS_LINK_RAW);
	o = ip4a(&K, 41, "203.0.113.9", "198.51.100.2");
	i6 = ip6x(&K, 58, 255, 0, 0, "fe80::1", "ff02::1:ff00:2");
	icmp6(&K, 135, 0, 0);
	addr6(&K, "fe80::2");
	ip6_done(&K, i6);
	ip4_done(&K, o);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->ip.u.icmp.type, 135);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_TUN_ND);
	/* The same message on the link is what ND expects. */
	pk_reset(&K, DS_LINK_RAW);
	i6 = ip6x(&K, 58, 255, 0, 0, "fe80::1", "ff02::1:ff00:2");
	icmp6(&K, 135, 0, 0);
	addr6(&K, "fe80::2");
	ip6_done(&K, i6);
	p = decode(&K);
	assert_int_equal(p->ip.anom, 0);
}

/* 'depth' IPv6-in-IPv6 headers around a TCP SYN, in raw IP. */
static void
nested(struct pk *k, unsigned depth)
{
	size_t o[32];

	assert_true(depth < 32);
	pk_reset(k, DS_LINK_RAW);
	for (unsigned i = 0; i < depth; i++)
		o[i] = ip6x(k, 41, 64, 0, 0, "2001:db8:1::1", "2001:db8:2::1");
	v6_syn(k, SRC6, DST6);
	for (unsigned i = depth; i-- > 0;)
		ip6_done(k, o[i]);
}

static void
test_tunnel_depth(void **state)
{
	const struct ds_pkt *p;

	(void)state;
	nested(&K, DS_PKT_MAX_TUN);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->n_tun, DS_PKT_MAX_TUN);
	assert_int_equal(p->ip.l4, DS_PKT_L4_TCP);
	assert_int_equal(p->ip.anom, 0);

	/* 20 nested encapsulations: the decoder stops at its limit with an
	 * anomaly, the last packet decoded ends in protocol 41. */
	nested(&K, 20);
	p = decode(&K);
	assert_no_err(&p->ip);
	assert_int_equal(p->n_tun, DS_PKT_MAX_TUN);
	assert_int_equal(p->ip.l4, DS_PKT_L4_OTHER);
	assert_int_equal(p->ip.proto, 41);
	assert_int_equal(p->ip.off, 40 * DS_PKT_MAX_TUN);
	assert_int_equal(p->ip.anom, DS_PKT_ANOM_TUN_DEPTH);
}

/* Every cut of a frame, by the capture and by the packet: decoding never
 * reads past the end (ASan) and always says where it stopped. */
static void
cut_everywhere(const struct pk *k)
{
	for (size_t cut = 0; cut < k->n; cut++) {
		const struct ds_pkt *p = decode_part(k, cut, k->n);

		assert_true(p->ip.err.kind != DS_PKT_ERR_NONE ||
		    p->ip.l4 != DS_PKT_L4_NONE || p->n_tun > 0 ||
		    p->ip.version == 0);
		assert_true(p->n_tun <= DS_PKT_MAX_TUN);
		decode_part(k, cut, 0);
	}
}

static void
test_tunnel_cuts(void **state)
{
	size_t o, o2, u, i6;

	(void)state;
	/* GRE (all fields) with Ethernet inside an IPv6 tunnel inside
	 * 6in4... enough layers to cut through every header kind. */
	pk_reset(&K, DS_LINK_EN10MB);
	eth(&K, 0x0800);
	o = ip4a(&K, 41, "198.51.100.1", "198.51.100.2");
	o2 = ip6x(&K, 47, 64, 0, 0, "2001:db8:1::1", "2001:db8:2::1");
	gre(&K, 0xb000, 0x6558);
	eth(&K, 0x86dd);
	v6_syn(&K, SRC6, DST6);
	ip6_done(&K, o2);
	ip4_done(&K, o);
	cut_everywhere(&K);

	pk_reset(&K, DS_LINK_RAW);
	o = ip4a(&K, 17, "192.0.2.45", "203.0.113.5");
	u = udp(&K, 40000, 3544, 0);
	be16(&K, 1);
	u8(&K, 1);
	u8(&K, 1);
	zeros(&K, 2 + 9);
	be16(&K, 0);
	zeros(&K, 6);
	i6 = ip6x(&K, 58, 255, 0, 0, "fe80::1", "ff02::2");
	icmp6(&K, 133, 0, 0);
	ip6_done(&K, i6);
	set16(&K, u + 4, (unsigned)(K.n - u));
	ip4_done(&K, o);
	cut_everywhere(&K);
}

static void
test_tunnel_stats(void **state)
{
	static struct ds_packet_stats st;
	size_t o;

	(void)state;
	ds_packet_stats_init(&st);
	pk_reset(&K, DS_LINK_RAW);
	o = ip4a(&K, 41, "198.51.100.1", "198.51.100.2");
	v6_syn(&K, SRC6, DST6);
	ip4_done(&K, o);
	ds_packet_stats_add(&st, decode(&K));
	ds_packet_stats_add(&st, decode(&K));
	nested(&K, 2);
	ds_packet_stats_add(&st, decode(&K));
	pk_reset(&K, DS_LINK_RAW);
	v6_syn(&K, SRC6, DST6);
	ds_packet_stats_add(&st, decode(&K));
	assert_int_equal(st.packets, 4);
	assert_int_equal(st.tunnelled, 3);
	assert_int_equal(st.tunnel[DS_PKT_TUN_6IN4][2], 2);
	assert_int_equal(st.tunnel[DS_PKT_TUN_6IN6][2], 2);
	assert_int_equal(st.tunnel[DS_PKT_TUN_6IN4][1], 0);
	assert_int_equal(st.non_ip, 0);
}

static void
test_struct_size(void **state)
{
	(void)state;
	/* The decoder is meant to be cheap per packet: keep it small. It
	 * writes only what a packet has, so the tunnel levels (a struct
	 * ds_pkt_ip each, DS_PKT_MAX_TUN of them) cost plain packets
	 * nothing but room. */
	assert_true(sizeof(struct ds_pkt) <= 8192);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_link_ethernet),
	    cmocka_unit_test(test_link_vlan),
	    cmocka_unit_test(test_link_other),
	    cmocka_unit_test(test_link_sll),
	    cmocka_unit_test(test_link_loopback),
	    cmocka_unit_test(test_link_raw),
	    cmocka_unit_test(test_args),
	    cmocka_unit_test(test_ip6_header),
	    cmocka_unit_test(test_ip4),
	    cmocka_unit_test(test_ip4_fragments),
	    cmocka_unit_test(test_ip4_malformed),
	    cmocka_unit_test(test_icmp4),
	    cmocka_unit_test(test_hbh_options),
	    cmocka_unit_test(test_jumbo),
	    cmocka_unit_test(test_routing),
	    cmocka_unit_test(test_srh),
	    cmocka_unit_test(test_fragment),
	    cmocka_unit_test(test_ah_esp),
	    cmocka_unit_test(test_other_ext),
	    cmocka_unit_test(test_anom_order),
	    cmocka_unit_test(test_anom_padding),
	    cmocka_unit_test(test_anom_length),
	    cmocka_unit_test(test_anom_multicast_src),
	    cmocka_unit_test(test_truncation_every_point),
	    cmocka_unit_test(test_hostile_deep_chain),
	    cmocka_unit_test(test_hostile_lengths),
	    cmocka_unit_test(test_hostile_padding_loops),
	    cmocka_unit_test(test_tcp),
	    cmocka_unit_test(test_udp),
	    cmocka_unit_test(test_icmp6_echo),
	    cmocka_unit_test(test_icmp6_errors),
	    cmocka_unit_test(test_icmp6_error_in_error),
	    cmocka_unit_test(test_nd_ra),
	    cmocka_unit_test(test_nd_rs_ns_na),
	    cmocka_unit_test(test_nd_redirect),
	    cmocka_unit_test(test_nd_caps_and_frag),
	    cmocka_unit_test(test_mld),
	    cmocka_unit_test(test_signature),
	    cmocka_unit_test(test_stats),
	    cmocka_unit_test(test_dns_name),
	    cmocka_unit_test(test_tunnel_6in4),
	    cmocka_unit_test(test_tunnel_6to4_isatap),
	    cmocka_unit_test(test_tunnel_ip6),
	    cmocka_unit_test(test_tunnel_gre),
	    cmocka_unit_test(test_tunnel_teredo),
	    cmocka_unit_test(test_tunnel_nd),
	    cmocka_unit_test(test_tunnel_depth),
	    cmocka_unit_test(test_tunnel_cuts),
	    cmocka_unit_test(test_tunnel_stats),
	    cmocka_unit_test(test_struct_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
