/* SPDX-License-Identifier: MIT */
/*
 * ds_ra: a Router Advertisement's content and a host's verdict on it, the
 * diff between two RAs of one router, and the bounded reassembler that
 * lets a fragmented RA be seen (and graded "ignored") at all.
 *
 * The packet module has already walked the frame to the ICMPv6 header;
 * this file reads the message from there through the cursor of cur.h. It
 * parses the options itself rather than take the decoder's nd_opt[]:
 * the decoder stops at the first malformed option, while a host ignores
 * a bad PIO and keeps the rest of the RA, which is what must be shown.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "token-int.h"
#include "cur.h"
#include "dualstack/ra.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* --- Checksum ------------------------------------------------------------- */

static uint32_t
sum_bytes(uint32_t sum, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (i < len)
		sum += (uint32_t)b[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t
ds_ra_icmp6_sum(const struct ds_addr *src, const struct ds_addr *dst,
    const uint8_t *msg, size_t len)
{
	/* RFC 8200 section 8.1: the pseudo-header is source, destination,
	 * upper-layer length (32 bits) and Next Header 58. */
	uint8_t ph[8] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16),
	    (uint8_t)(len >> 8), (uint8_t)len, 0, 0, 0, 58};
	uint32_t sum = 0;

	sum = sum_bytes(sum, src->u.bytes, 16);
	sum = sum_bytes(sum, dst->u.bytes, 16);
	sum = sum_bytes(sum, ph, sizeof(ph));
	sum = sum_bytes(sum, msg, len);
	return (uint16_t)~sum;
}

/* --- Options ------------------------------------------------------------- */

static void
read_v6(struct ds_cur *c, size_t n, struct ds_addr *ret)
{
	uint8_t b[16] = {0};

	ds_cur_bytes(c, b, n);
	ds_addr_from_v6(b, ret);
}

/* Clear the bits past plen, so that equal prefixes compare equal. */
static void
mask_prefix(struct ds_prefix *p)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = p->len > 8 * i ? p->len - 8 * i : 0;

		if (keep < 8)
			p->addr.u.bytes[i] &= (uint8_t)(0xff00u >> keep);
	}
}

static bool
is_link_local(const struct ds_addr *a)
{
	return a->u.bytes[0] == 0xfe && (a->u.bytes[1] & 0xc0) == 0x80;
}

/* Append n octets of text to ra->text; false when they did not fit. */
static bool
text_put(struct ds_ra *ra, const char *s, size_t n)
{
	if (n > sizeof(ra->text) - 1 - ra->text_len) {
		ra->flags |= DS_RA_F_CAPPED;
		return false;
	}
	memcpy(ra->text + ra->text_len, s, n);
	ra->text_len = (uint16_t)(ra->text_len + n);
	ra->text[ra->text_len] = '\0';
	return true;
}

/* RFC 8106 section 5.2: names in DNS wire format up to zero padding. */
static void
opt_dnssl(
    struct ds_ra *ra, struct ds_ra_opt *o, const uint8_t *names, size_t len)
{
	char name[DS_PKT_NAME_STRLEN];
	size_t pos = 0;
	int n;

	o->u.dnssl.text_off = ra->text_len;
	o->u.dnssl.text_len = 0;
	o->u.dnssl.cut = false;
	while ((n = ds_packet_dns_name(names, len, &pos, name, sizeof(name))) >
	    0) {
		uint16_t start = ra->text_len;

		if ((ra->text_len > o->u.dnssl.text_off &&
		        !text_put(ra, " ", 1)) ||
		    !text_put(ra, name, (size_t)n)) {
			ra->text_len = start;
			ra->text[start] = '\0';
			o->u.dnssl.cut = true;
			break;
		}
	}
	if (n < 0)
		o->u.dnssl.cut = true;
	o->u.dnssl.text_len = (uint16_t)(ra->text_len - o->u.dnssl.text_off);
}

/* RFC 8910 section 2.3: a URI, padded with NULs to the option's end. */
static void
opt_captive(
    struct ds_ra *ra, struct ds_ra_opt *o, const uint8_t *uri, size_t len)
{
	char buf[DS_RA_TEXT_MAX];
	size_t n = 0;

	while (len > 0 && uri[len - 1] == 0)
		len--;
	o->u.captive.cut = false;
	if (len > sizeof(buf)) {
		len = sizeof(buf);
		o->u.captive.cut = true;
	}
	for (size_t i = 0; i < len; i++)
		buf[n++] = uri[i] > 0x20 && uri[i] < 0x7f ? (char)uri[i] : '?';
	o->u.captive.text_off = ra->text_len;
	if (!text_put(ra, buf, n))
		o->u.captive.cut = true;
	o->u.captive.text_len =
	    (uint16_t)(ra->text_len - o->u.captive.text_off);
}

/* RFC 8781 section 4: the Prefix Length Code. */
static const uint8_t pref64_len[] = {96, 64, 56, 48, 40, 32};

/*
 * One option of olen octets at pos of the message msg. Sets o->bad for
 * an option a host ignores; the RA stands.
 */
static void
parse_opt(struct ds_ra *ra, struct ds_ra_opt *o, const uint8_t *msg, size_t pos,
    size_t olen)
{
	struct ds_cur c = ds_cur_at(msg, pos + 2, pos + olen);
	uint8_t u8, fl;
	uint16_t u16;

	o->bad = DS_RA_OPT_OK;
	switch (o->type) {
	case DS_RA_OPT_SLLA:
		/* RFC 2464 section 6: Ethernet's option is 8 octets. */
		memset(&o->u.lladdr, 0, sizeof(o->u.lladdr));
		if (o->len != 1)
			o->bad = DS_RA_OPT_BAD_LEN;
		else
			ds_cur_bytes(&c, o->u.lladdr.b, 6);
		break;
	case DS_RA_OPT_PIO: /* RFC 4861 4.6.2: always 32 octets */
		memset(&o->u.pio, 0, sizeof(o->u.pio));
		if (o->len != 4) {
			o->bad = DS_RA_OPT_BAD_LEN;
			break;
		}
		ds_cur_u8(&c, &u8);
		ds_cur_u8(&c, &o->u.pio.flags);
		ds_cur_be32(&c, &o->u.pio.valid);
		ds_cur_be32(&c, &o->u.pio.preferred);
		ds_cur_skip(&c, 4);
		read_v6(&c, 16, &o->u.pio.prefix.addr);
		o->u.pio.onlink = (o->u.pio.flags & 0x80) != 0;
		o->u.pio.autoconf = (o->u.pio.flags & 0x40) != 0;
		o->u.pio.router = (o->u.pio.flags & 0x20) != 0;
		if (u8 > 128) {
			o->bad = DS_RA_OPT_BAD_PLEN;
			u8 = 128;
		}
		o->u.pio.prefix.len = u8;
		mask_prefix(&o->u.pio.prefix);
		/* RFC 4862 5.5.3 b and c; RFC 4861 6.3.4 for multicast. */
		if (o->bad)
			break;
		if (is_link_local(&o->u.pio.prefix.addr))
			o->bad = DS_RA_OPT_LINK_LOCAL;
		else if (o->u.pio.prefix.addr.u.bytes[0] == 0xff)
			o->bad = DS_RA_OPT_MULTICAST;
		else if (o->u.pio.preferred > o->u.pio.valid)
			o->bad = DS_RA_OPT_PREF_GT_VALID;
		break;
	case DS_RA_OPT_MTU: /* 4.6.4: 8 octets */
		o->u.mtu = 0;
		if (o->len != 1) {
			o->bad = DS_RA_OPT_BAD_LEN;
			break;
		}
		ds_cur_skip(&c, 2);
		ds_cur_be32(&c, &o->u.mtu);
		break;
	case DS_RA_OPT_RIO: /* RFC 4191 section 2.3: Length 1, 2 or 3 */
		memset(&o->u.rio, 0, sizeof(o->u.rio));
		if (o->len > 3) {
			o->bad = DS_RA_OPT_BAD_LEN;
			break;
		}
		ds_cur_u8(&c, &u8);
		ds_cur_u8(&c, &fl);
		ds_cur_be32(&c, &o->u.rio.lifetime);
		o->u.rio.prf = (fl >> 3) & 3;
		/* The Length must cover the prefix: 1 for ::/0, 2 up to
		 * /64, 3 beyond. */
		if (u8 > 128 || (u8 > 0 && o->len < 2) ||
		    (u8 > 64 && o->len < 3)) {
			o->bad = DS_RA_OPT_BAD_PLEN;
			u8 = 0;
		}
		read_v6(&c, (size_t)(o->len - 1) * 8, &o->u.rio.prefix.addr);
		o->u.rio.prefix.len = u8;
		mask_prefix(&o->u.rio.prefix);
		if (!o->bad && o->u.rio.prefix.addr.u.bytes[0] == 0xff)
			o->bad = DS_RA_OPT_MULTICAST;
		break;
	case DS_RA_OPT_RDNSS: /* RFC 8106 5.1: Length 1 + 2N, N >= 1 */
		memset(&o->u.rdnss, 0, sizeof(o->u.rdnss));
		o->u.rdnss.first = ra->n_addr;
		if (o->len < 3 || o->len % 2 == 0) {
			o->bad = DS_RA_OPT_BAD_LEN;
			break;
		}
		ds_cur_skip(&c, 2);
		ds_cur_be32(&c, &o->u.rdnss.lifetime);
		o->u.rdnss.count = (uint8_t)((o->len - 1) / 2);
		for (unsigned i = 0; i < o->u.rdnss.count; i++) {
			struct ds_addr a;

			read_v6(&c, 16, &a);
			if (ra->n_addr >= DS_RA_MAX_ADDR) {
				ra->flags |= DS_RA_F_CAPPED;
				continue;
			}
			ra->addr[ra->n_addr++] = a;
			o->u.rdnss.n++;
		}
		break;
	case DS_RA_OPT_FLAGS: /* RFC 5175 section 4: Length 1 */
		o->u.flags_ext = 0;
		if (o->len != 1) {
			o->bad = DS_RA_OPT_BAD_LEN;
			break;
		}
		for (unsigned i = 0; i < 6; i++) {
			ds_cur_u8(&c, &u8);
			o->u.flags_ext = o->u.flags_ext << 8 | u8;
		}
		ra->has_flags_ext = true;
		ra->flags_ext = o->u.flags_ext;
		break;
	case DS_RA_OPT_DNSSL: /* RFC 8106 5.2: Length >= 2 */
		memset(&o->u.dnssl, 0, sizeof(o->u.dnssl));
		o->u.dnssl.text_off = ra->text_len;
		if (o->len < 2) {
			o->bad = DS_RA_OPT_BAD_LEN;
			break;
		}
		ds_cur_skip(&c, 2);
		ds_cur_be32(&c, &o->u.dnssl.lifetime);
		opt_dnssl(ra, o, msg + pos + 8, olen - 8);
		break;
	case DS_RA_OPT_PREF64: /* RFC 8781 section 4: Length 2 */
		memset(&o->u.pref64, 0, sizeof(o->u.pref64));
		if (o->len != 2) {
			o->bad = DS_RA_OPT_BAD_LEN;
			break;
		}
		ds_cur_be16(&c, &u16);
		o->u.pref64.lifetime = (uint16_t)(u16 & 0xfff8);
		o->u.pref64.plc = u16 & 7;
		read_v6(&c, 12, &o->u.pref64.prefix.addr);
		if (o->u.pref64.plc >= ARRAY_SIZE(pref64_len)) {
			o->bad = DS_RA_OPT_BAD_PLC;
			break;
		}
		o->u.pref64.prefix.len = pref64_len[o->u.pref64.plc];
		mask_prefix(&o->u.pref64.prefix);
		break;
	case DS_RA_OPT_CAPTIVE:
		memset(&o->u.captive, 0, sizeof(o->u.captive));
		opt_captive(ra, o, msg + pos + 2, olen - 2);
		break;
	default: /* kept as type and length */
		break;
	}
}

/* The options after the 16 octets of fixed part, up to end. */
static void
parse_opts(struct ds_ra *ra, const uint8_t *msg, size_t have, size_t end)
{
	size_t pos = 16;

	while (pos < end) {
		struct ds_ra_opt scratch, *o = &scratch;
		size_t olen;

		/* Linux's ndisc_parse_options(): fewer than 2 octets left,
		 * a zero length, or a length past the end rejects the
		 * message. */
		if (end - pos < 2) {
			ra->why |= DS_RA_WHY_OPT_TRUNC;
			return;
		}
		if (pos + 2 > have) {
			ra->flags |= DS_RA_F_CUT;
			return;
		}
		if (ra->n_opt < DS_RA_MAX_OPT)
			o = &ra->opt[ra->n_opt];
		memset(o, 0, sizeof(*o));
		o->off = (uint32_t)pos;
		o->type = msg[pos];
		o->len = msg[pos + 1];
		if (o->len == 0) {
			/* RFC 4861 4.6: "Nodes MUST silently discard an ND
			 * packet that contains an option with length
			 * zero." */
			ra->why |= DS_RA_WHY_OPT_ZERO;
			return;
		}
		olen = (size_t)o->len * 8;
		if (olen > end - pos) {
			ra->why |= DS_RA_WHY_OPT_TRUNC;
			return;
		}
		if (olen > have - pos) {
			ra->flags |= DS_RA_F_CUT;
			return;
		}
		parse_opt(ra, o, msg, pos, olen);
		if (ra->opt_count < UINT16_MAX)
			ra->opt_count++;
		if (o == &scratch)
			ra->flags |= DS_RA_F_CAPPED;
		else
			ra->n_opt++;
		pos += olen;
	}
}

/* --- The RA -------------------------------------------------------------- */

/* The Fragment header in the chain, or NULL. */
static const struct ds_pkt_ext *
frag_ext(const struct ds_pkt_ip *ip)
{
	for (unsigned i = 0; i < ip->n_ext; i++)
		if (ip->ext[i].type == 44)
			return &ip->ext[i];
	return NULL;
}

int
ds_ra_parse(const struct ds_pkt *p, const uint8_t *data, unsigned how,
    struct ds_ra *ret)
{
	const struct ds_pkt_ip *ip;
	const struct ds_pkt_ext *fx;
	const uint8_t *msg;
	size_t stated_end, have, len;
	struct ds_cur c;
	unsigned n = 0;

	if (!p || !data || !ret)
		return -EINVAL;
	ip = &p->ip;
	if (ip->version != 6 || ip->l4 != DS_PKT_L4_ICMP6 ||
	    ip->u.icmp.type != 134)
		return -ENOENT;
	/* A first fragment that is not atomic is only part of the RA: the
	 * reassembler has it. */
	fx = frag_ext(ip);
	if (fx && !fx->u.frag.atomic)
		return -ENOENT;

	stated_end = (size_t)ip->off + ip->total_len;
	if (stated_end < ip->l4_off + 8u)
		return -ENOENT;
	len = stated_end - ip->l4_off;
	have = p->caplen > ip->l4_off ? p->caplen - ip->l4_off : 0;
	if (have > len)
		have = len;
	msg = data + ip->l4_off;

	memset(ret, 0, offsetof(struct ds_ra, opt));
	ret->why = 0;
	ret->flags = 0;
	ret->n_opt = 0;
	ret->n_addr = 0;
	ret->text_len = 0;
	ret->text[0] = '\0';
	ret->src = ip->src;
	ret->dst = ip->dst;
	ret->hop_limit = ip->hop_limit;
	if (p->link.type == DS_LINK_EN10MB) {
		ret->has_mac = true;
		ret->src_mac = p->link.src;
	}
	if (how & DS_RA_IN_REASSEMBLED)
		ret->ext[n++] = 44;
	for (unsigned i = 0; i < ip->n_ext && n < DS_PKT_MAX_EXT; i++)
		ret->ext[n++] = ip->ext[i].type;
	ret->n_ext = (uint8_t)n;
	if (ip->n_ext > 0 || (how & DS_RA_IN_EXT))
		ret->flags |= DS_RA_F_EXT;
	if (how & DS_RA_IN_REASSEMBLED) {
		ret->flags |= DS_RA_F_REASSEMBLED;
		ret->why |= DS_RA_WHY_FRAGMENTED;
	}
	if (how & DS_RA_IN_CHAIN_SPLIT)
		ret->why |= DS_RA_WHY_CHAIN_SPLIT;
	if (fx || (how & DS_RA_IN_ATOMIC)) {
		/* RFC 6980 section 5; Linux marks an atomic fragment
		 * IP6SKB_FRAGMENTED and ndisc drops it. */
		if (!(how & DS_RA_IN_REASSEMBLED))
			ret->flags |= DS_RA_F_ATOMIC;
		ret->why |= DS_RA_WHY_FRAGMENTED;
	}

	/* RFC 4861 section 6.1.2. */
	if (ip->hop_limit != 255)
		ret->why |= DS_RA_WHY_HOP_LIMIT;
	if (!is_link_local(&ip->src))
		ret->why |= DS_RA_WHY_SRC_NOT_LL;
	if (ip->dst.u.bytes[0] == 0xff &&
	    !(ip->dst.u.bytes[1] == 0x02 &&
	        memcmp(ip->dst.u.bytes + 2, "\0\0\0\0\0\0\0\0\0\0\0\0\0\1",
	            14) == 0))
		ret->why |= DS_RA_WHY_DST;
	ret->len = (uint32_t)len;
	ret->code = ip->u.icmp.code;
	ret->checksum = ip->u.icmp.checksum;
	if (ret->code != 0)
		ret->why |= DS_RA_WHY_CODE;
	if (have < len) {
		ret->flags |= DS_RA_F_CUT;
		ret->csum = DS_RA_CSUM_UNKNOWN;
	} else if (ds_ra_icmp6_sum(&ip->src, &ip->dst, msg, len) != 0) {
		ret->csum = DS_RA_CSUM_BAD;
		ret->why |= DS_RA_WHY_CHECKSUM;
	}
	if (len < 16) {
		ret->why |= DS_RA_WHY_SHORT;
		return 0;
	}
	c = ds_cur_at(msg, 4, have);
	ds_cur_u8(&c, &ret->cur_hop_limit);
	ds_cur_u8(&c, &ret->flags_octet);
	ds_cur_be16(&c, &ret->router_lifetime);
	ds_cur_be32(&c, &ret->reachable);
	ds_cur_be32(&c, &ret->retrans);
	if (c.err) {
		ret->flags |= DS_RA_F_CUT;
		return 0;
	}
	/* RFC 4861 4.2, RFC 6275 7.1, RFC 4191 2.2, RFC 4389 4.1.3.3. */
	ret->managed = (ret->flags_octet & 0x80) != 0;
	ret->other = (ret->flags_octet & 0x40) != 0;
	ret->home_agent = (ret->flags_octet & 0x20) != 0;
	ret->prf = (ret->flags_octet >> 3) & 3;
	ret->proxy = (ret->flags_octet & 0x04) != 0;
	parse_opts(ret, msg, have, len);
	return 0;
}

/* --- Prefilter ----------------------------------------------------------- */

/*
 * The rules below are lib/packet.c's, read back to front: the only ways a
 * decoded frame's innermost IP layer is IPv6 are an IPv6 EtherType (after
 * any number of 802.1Q / 802.1ad / 0x9100 tags, decode_vlans()) and a
 * tunnel, which the decoder follows for IP protocols 4, 41 and 47
 * (l4_other_or_tunnel()) and for UDP to or from port 3544 (decode_udp(),
 * Teredo, RFC 4380 section 2.9), over IPv4 or IPv6. An ICMP error's
 * quoted packet goes to p->inner and never becomes p->ip. Every length
 * check that fails answers true: the decoder then says what the frame
 * is. Each read is of an octet that the check before it proved captured.
 */

/* The Teredo service port, RFC 4380 section 2.9. */
#define RA_TEREDO_PORT 3544

static inline uint16_t
pf_be16(const uint8_t *d, size_t off)
{
	return (uint16_t)(d[off] << 8 | d[off + 1]);
}

/* UDP at off: is it a Teredo tunnel the decoder would follow? */
static bool
pf_teredo(const uint8_t *d, size_t caplen, size_t off)
{
	if (caplen < off + 4)
		return true;
	return pf_be16(d, off) == RA_TEREDO_PORT ||
	    pf_be16(d, off + 2) == RA_TEREDO_PORT;
}

/* Upper-layer protocol numbers that are tunnels: IPv4 (RFC 2003), IPv6
 * (RFC 4213, RFC 2473) and GRE (RFC 2784). */
static bool
pf_tunnel(uint8_t proto)
{
	return proto == 4 || proto == 41 || proto == 47;
}

static bool
pf_ip6(const uint8_t *d, size_t caplen, size_t off)
{
	uint8_t nh;

	if (caplen < off + 40 || d[off] >> 4 != 6)
		return true;
	nh = d[off + 6];
	switch (nh) {
	case 6:  /* TCP */
	case 59: /* No Next Header */
		return false;
	case 17:
		return pf_teredo(d, caplen, off + 40);
	case 58:
		return caplen <= off + 40 || d[off + 40] == 134;
	default:
		/* An extension header goes to the reassembler, whatever it
		 * leads to; another upper layer ends the decoding. */
		return pf_tunnel(nh) || ds_packet_is_ext(nh);
	}
}

static bool
pf_ip4(const uint8_t *d, size_t caplen, size_t off)
{
	uint8_t proto;

	if (caplen < off + 20 || d[off] >> 4 != 4 || (d[off] & 15) < 5)
		return true;
	proto = d[off + 9];
	if (proto == 17)
		return pf_teredo(d, caplen, off + (size_t)(d[off] & 15) * 4);
	return pf_tunnel(proto);
}

bool
ds_ra_prefilter(const uint8_t *data, size_t caplen, int linktype)
{
	size_t off;
	uint16_t type;

	if (!data)
		return true;
	/* The EtherType, and where the tags after it start. Ethernet,
	 * untagged, is most of what is captured: it goes first. */
	if (linktype == DS_LINK_EN10MB && caplen >= 14) {
		type = pf_be16(data, 12);
		off = 14;
		if (type == 0x86dd)
			return pf_ip6(data, caplen, off);
		if (type == 0x0800)
			return pf_ip4(data, caplen, off);
		goto tags;
	}
	switch (linktype) {
	case DS_LINK_EN10MB:
		return true; /* shorter than its header */
	case DS_LINK_LINUX_SLL:
		if (caplen < 16)
			return true;
		type = pf_be16(data, 14);
		off = 16;
		break;
	case DS_LINK_LINUX_SLL2:
		if (caplen < 20)
			return true;
		type = pf_be16(data, 0);
		off = 20;
		break;
	case DS_LINK_IPV6:
		type = 0x86dd;
		off = 0;
		goto ip;
	case DS_LINK_IPV4:
		type = 0x0800;
		off = 0;
		goto ip;
	case DS_LINK_RAW:
	case DS_LINK_RAW_OPENBSD:
	case DS_LINK_RAW_LT:
		/* The version nibble decides; pf_ip4() keeps a frame whose
		 * nibble is neither 4 nor 6, for the decoder to reject. */
		if (caplen < 1)
			return true;
		type = data[0] >> 4 == 6 ? 0x86dd : 0x0800;
		off = 0;
		goto ip;
	default: /* the loopback families, and what the decoder refuses */
		return true;
	}
tags:
	while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
		if (caplen < off + 4)
			return true;
		type = pf_be16(data, off + 2);
		off += 4;
	}
ip:
	if (type == 0x86dd)
		return pf_ip6(data, caplen, off);
	if (type == 0x0800)
		return pf_ip4(data, caplen, off);
	return false; /* not IP: the link layer is all the decoder reads */
}

/* --- Diff ---------------------------------------------------------------- */

static bool
prefix_eq(const struct ds_prefix *a, const struct ds_prefix *b)
{
	return a->len == b->len &&
	    memcmp(a->addr.u.bytes, b->addr.u.bytes, 16) == 0;
}

/* The option of a's type with the same prefix as o in ra, or NULL. */
static const struct ds_ra_opt *
find_prefix_opt(const struct ds_ra *ra, const struct ds_ra_opt *o)
{
	for (unsigned i = 0; i < ra->n_opt; i++) {
		const struct ds_ra_opt *x = &ra->opt[i];

		if (x->type != o->type || x->bad != o->bad)
			continue;
		if (o->type == DS_RA_OPT_PIO &&
		    prefix_eq(&x->u.pio.prefix, &o->u.pio.prefix))
			return x;
		if (o->type == DS_RA_OPT_RIO &&
		    prefix_eq(&x->u.rio.prefix, &o->u.rio.prefix))
			return x;
		if (o->type == DS_RA_OPT_PREF64 &&
		    prefix_eq(&x->u.pref64.prefix, &o->u.pref64.prefix))
			return x;
	}
	return NULL;
}

static uint32_t
mtu_of(const struct ds_ra *ra)
{
	for (unsigned i = 0; i < ra->n_opt; i++)
		if (ra->opt[i].type == DS_RA_OPT_MTU && !ra->opt[i].bad)
			return ra->opt[i].u.mtu;
	return 0;
}

/* Every server of a is in b. */
static bool
servers_in(const struct ds_ra *a, const struct ds_ra *b)
{
	for (unsigned i = 0; i < a->n_addr; i++) {
		bool found = false;

		for (unsigned j = 0; j < b->n_addr && !found; j++)
			found = memcmp(a->addr[i].u.bytes, b->addr[j].u.bytes,
			            16) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* Does ra have a PIO of o's prefix with o's flags? (One RA may repeat a
 * prefix with other flags; any copy that matches is the same content.) */
static bool
pio_with_flags(const struct ds_ra *ra, const struct ds_ra_opt *o)
{
	for (unsigned i = 0; i < ra->n_opt; i++) {
		const struct ds_ra_opt *x = &ra->opt[i];

		if (x->type == DS_RA_OPT_PIO && x->bad == o->bad &&
		    x->u.pio.flags == o->u.pio.flags &&
		    prefix_eq(&x->u.pio.prefix, &o->u.pio.prefix))
			return true;
	}
	return false;
}

/* Options of one prefix type in 'from' missing in 'in'. */
static bool
prefixes_missing(const struct ds_ra *from, const struct ds_ra *in, uint8_t type,
    uint32_t *pio_flags)
{
	bool missing = false;

	for (unsigned i = 0; i < from->n_opt; i++) {
		const struct ds_ra_opt *o = &from->opt[i], *x;

		if (o->type != type)
			continue;
		x = find_prefix_opt(in, o);
		if (!x)
			missing = true;
		else if (pio_flags && !pio_with_flags(in, o))
			*pio_flags |= DS_RA_CHG_PIO_FLAGS;
	}
	return missing;
}

uint32_t
ds_ra_diff(const struct ds_ra *old, const struct ds_ra *new)
{
	uint32_t chg = 0;

	if (!old || !new)
		return 0;
	if (old->cur_hop_limit != new->cur_hop_limit)
		chg |= DS_RA_CHG_HOP_LIMIT;
	/* The preference bits (0x18) are compared on their own. */
	if ((old->flags_octet & ~0x18u) != (new->flags_octet & ~0x18u) ||
	    old->has_flags_ext != new->has_flags_ext ||
	    old->flags_ext != new->flags_ext)
		chg |= DS_RA_CHG_FLAGS;
	if (old->prf != new->prf)
		chg |= DS_RA_CHG_PRF;
	if (old->router_lifetime != new->router_lifetime)
		chg |= DS_RA_CHG_LIFETIME;
	if (mtu_of(old) != mtu_of(new))
		chg |= DS_RA_CHG_MTU;
	if (prefixes_missing(new, old, DS_RA_OPT_PIO, &chg))
		chg |= DS_RA_CHG_PREFIX_ADDED;
	if (prefixes_missing(old, new, DS_RA_OPT_PIO, NULL))
		chg |= DS_RA_CHG_PREFIX_REMOVED;
	if (prefixes_missing(new, old, DS_RA_OPT_RIO, NULL) ||
	    prefixes_missing(old, new, DS_RA_OPT_RIO, NULL))
		chg |= DS_RA_CHG_ROUTE;
	if (prefixes_missing(new, old, DS_RA_OPT_PREF64, NULL) ||
	    prefixes_missing(old, new, DS_RA_OPT_PREF64, NULL))
		chg |= DS_RA_CHG_PREF64;
	if (!servers_in(old, new) || !servers_in(new, old))
		chg |= DS_RA_CHG_RDNSS;
	{
		/* DNSSL text: the names of every DNSSL option in order. */
		const struct ds_ra *a = old, *b = new;
		char ta[DS_RA_TEXT_MAX], tb[DS_RA_TEXT_MAX];
		size_t la = 0, lb = 0;

		for (unsigned i = 0; i < a->n_opt; i++)
			if (a->opt[i].type == DS_RA_OPT_DNSSL) {
				memcpy(ta + la,
				    a->text + a->opt[i].u.dnssl.text_off,
				    a->opt[i].u.dnssl.text_len);
				la += a->opt[i].u.dnssl.text_len;
			}
		for (unsigned i = 0; i < b->n_opt; i++)
			if (b->opt[i].type == DS_RA_OPT_DNSSL) {
				memcpy(tb + lb,
				    b->text + b->opt[i].u.dnssl.text_off,
				    b->opt[i].u.dnssl.text_len);
				lb += b->opt[i].u.dnssl.text_len;
			}
		if (la != lb || memcmp(ta, tb, la) != 0)
			chg |= DS_RA_CHG_DNSSL;
	}
	return chg;
}

/* --- Prefix kinds -------------------------------------------------------- */

enum ds_ra_pfx_kind
ds_ra_pfx_kind(const struct ds_prefix *p)
{
	const uint8_t *b;

	if (!p || p->addr.family != AF_INET6)
		return DS_RA_PFX_NORMAL;
	b = p->addr.u.bytes;
	if (b[0] == 0x20 && b[1] == 0x02 && p->len >= 16)
		return DS_RA_PFX_6TO4;
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0 &&
	    p->len >= 32)
		return DS_RA_PFX_TEREDO;
	if ((b[0] & 0xfe) == 0xfc && p->len >= 7)
		return DS_RA_PFX_ULA;
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 &&
	    p->len >= 32)
		return DS_RA_PFX_DOC;
	if (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0 && p->len >= 20)
		return DS_RA_PFX_DOC;
	return DS_RA_PFX_NORMAL;
}

/* --- Reassembly ---------------------------------------------------------- */

void
ds_ra_reasm_init(struct ds_ra_reasm *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < DS_RA_REASM_SLOTS; i++)
		r->slot[i].used = false;
	r->completed = 0;
	r->drop_overlap = r->drop_many = r->drop_big = 0;
	r->drop_timeout = r->drop_evicted = r->drop_bad = 0;
}

/* A Next Header that can lead to an ICMPv6 message: 58 itself, or an
 * extension header that may stand before it. */
static bool
may_lead_to_icmp6(uint8_t nh)
{
	return nh == 58 || (ds_packet_is_ext(nh) && nh != 44 && nh != 50);
}

static struct ds_ra_reasm_slot *
slot_for(struct ds_ra_reasm *r, const struct ds_pkt_ip *ip, uint32_t id,
    uint64_t now_us)
{
	struct ds_ra_reasm_slot *s, *oldest = NULL;

	for (unsigned i = 0; i < DS_RA_REASM_SLOTS; i++) {
		s = &r->slot[i];
		if (s->used && s->id == id &&
		    memcmp(s->src.u.bytes, ip->src.u.bytes, 16) == 0 &&
		    memcmp(s->dst.u.bytes, ip->dst.u.bytes, 16) == 0)
			return s;
	}
	for (unsigned i = 0; i < DS_RA_REASM_SLOTS; i++) {
		s = &r->slot[i];
		if (!s->used)
			goto init;
		if (!oldest || s->first_us < oldest->first_us)
			oldest = s;
	}
	s = oldest;
	r->drop_evicted++;
init:
	s->used = true;
	s->src = ip->src;
	s->dst = ip->dst;
	s->id = id;
	s->first_us = now_us;
	s->have_first = s->have_last = false;
	s->ext_before = s->chain_split = false;
	s->has_mac = false;
	s->total = 0;
	s->n_frag = 0;
	return s;
}

int
ds_ra_reasm_add(struct ds_ra_reasm *r, const struct ds_pkt *p,
    const uint8_t *data, uint64_t now_us, struct ds_ra_reasm_out *ret)
{
	const struct ds_pkt_ip *ip;
	const struct ds_pkt_ext *fx = NULL;
	struct ds_ra_reasm_slot *s;
	size_t start, end, fidx = 0;
	uint32_t off, len, sum = 0;

	if (!r || !p || !data || !ret)
		return -EINVAL;
	for (unsigned i = 0; i < DS_RA_REASM_SLOTS; i++) {
		s = &r->slot[i];
		if (s->used && now_us - s->first_us > DS_RA_REASM_TIMEOUT_US &&
		    now_us > s->first_us) {
			s->used = false;
			r->drop_timeout++;
		}
	}
	ip = &p->ip;
	if (ip->version != 6)
		return -ENOENT;
	for (unsigned i = 0; i < ip->n_ext; i++)
		if (ip->ext[i].type == 44) {
			fx = &ip->ext[i];
			fidx = i;
			break;
		}
	if (!fx || fx->u.frag.atomic || !may_lead_to_icmp6(fx->next))
		return -ENOENT;
	start = (size_t)fx->off + 8;
	end = (size_t)ip->off + ip->total_len;
	if (end < start)
		return -ENOENT;
	if (end > p->caplen) {
		r->drop_bad++; /* cut by the capture: nothing to rebuild */
		return 0;
	}
	off = fx->u.frag.offset;
	len = (uint32_t)(end - start);

	s = slot_for(r, ip, fx->u.frag.id, now_us);
	if ((uint64_t)off + len > DS_RA_REASM_MAX_LEN) {
		s->used = false;
		r->drop_big++;
		return 0;
	}
	if (s->n_frag >= DS_RA_REASM_MAX_FRAGS) {
		s->used = false;
		r->drop_many++;
		return 0;
	}
	/* RFC 5722 section 4: any overlap discards the datagram. */
	for (unsigned i = 0; i < s->n_frag; i++) {
		uint32_t a = s->frag[i].off, b = a + s->frag[i].len;

		if (off < b && a < off + len) {
			s->used = false;
			r->drop_overlap++;
			return 0;
		}
	}
	if (!fx->u.frag.more) {
		if (s->have_last && s->total != off + len) {
			s->used = false;
			r->drop_bad++;
			return 0;
		}
		s->have_last = true;
		s->total = off + len;
	}
	if (s->have_last && off + len > s->total) {
		s->used = false;
		r->drop_bad++;
		return 0;
	}
	if (off == 0) {
		s->have_first = true;
		s->next = fx->next;
		s->hop_limit = ip->hop_limit;
		s->ext_before = fidx > 0;
		s->chain_split = (ip->anom & DS_PKT_ANOM_FRAG_CHAIN) != 0;
		s->has_mac = p->link.type == DS_LINK_EN10MB;
		if (s->has_mac)
			s->src_mac = p->link.src;
	}
	memcpy(s->buf + off, data + start, len);
	s->frag[s->n_frag].off = off;
	s->frag[s->n_frag].len = len;
	s->n_frag++;
	if (!s->have_first || !s->have_last)
		return 0;
	for (unsigned i = 0; i < s->n_frag; i++)
		sum += s->frag[i].len;
	if (sum != s->total)
		return 0;

	/* Rebuild: the IPv6 header of the first fragment, then the
	 * payload that followed the Fragment header. */
	memset(r->out, 0, 40);
	r->out[0] = 0x60;
	r->out[4] = (uint8_t)(s->total >> 8);
	r->out[5] = (uint8_t)s->total;
	r->out[6] = s->next;
	r->out[7] = s->hop_limit;
	memcpy(r->out + 8, s->src.u.bytes, 16);
	memcpy(r->out + 24, s->dst.u.bytes, 16);
	memcpy(r->out + 40, s->buf, s->total);
	ret->pkt = r->out;
	ret->len = 40 + (size_t)s->total;
	ret->how = DS_RA_IN_REASSEMBLED |
	    (s->chain_split ? DS_RA_IN_CHAIN_SPLIT : 0) |
	    (s->ext_before ? DS_RA_IN_EXT : 0);
	ret->has_mac = s->has_mac;
	ret->src_mac = s->src_mac;
	ret->n_frag = s->n_frag;
	s->used = false;
	r->completed++;
	return 1;
}

/* --- Building ----------------------------------------------------------- */

struct wbuf {
	uint8_t *b;
	size_t n, size;
	bool full;
};

static void
w8(struct wbuf *w, unsigned v)
{
	if (w->n >= w->size) {
		w->full = true;
		return;
	}
	w->b[w->n++] = (uint8_t)v;
}

static void
w16(struct wbuf *w, unsigned v)
{
	w8(w, v >> 8);
	w8(w, v & 0xff);
}

static void
w32(struct wbuf *w, uint32_t v)
{
	w16(w, v >> 16);
	w16(w, v & 0xffff);
}

static void
wbytes(struct wbuf *w, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		w8(w, p[i]);
}

int
ds_ra_build_clear(const struct ds_ra *rogue, const struct ds_mac *src_mac,
    uint8_t *buf, size_t size)
{
	static const uint8_t all_nodes[16] = {
	    0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
	struct wbuf w = {buf, 0, size, false};
	struct ds_addr dst;
	size_t ip, icmp;
	uint16_t sum;

	if (!rogue || !src_mac || !buf || rogue->src.family != AF_INET6)
		return -EINVAL;
	wbytes(&w, all_nodes_mac, 6);
	wbytes(&w, src_mac->b, 6);
	w16(&w, 0x86dd);
	ip = w.n;
	w32(&w, 0x60000000);
	w16(&w, 0); /* payload length, below */
	w8(&w, 58);
	w8(&w, 255); /* RFC 4861 6.1.2 */
	wbytes(&w, rogue->src.u.bytes, 16);
	wbytes(&w, all_nodes, 16);
	icmp = w.n;
	w8(&w, 134);
	w8(&w, 0);
	w16(&w, 0); /* checksum, below */
	w8(&w, rogue->cur_hop_limit);
	w8(&w, rogue->flags_octet);
	w16(&w, 0); /* Router Lifetime 0: not a default router (6.3.4) */
	w32(&w, 0);
	w32(&w, 0);
	for (unsigned i = 0; i < rogue->n_opt; i++) {
		const struct ds_ra_opt *o = &rogue->opt[i];

		if (o->bad)
			continue;
		if (o->type == DS_RA_OPT_PIO) {
			w8(&w, 3);
			w8(&w, 4);
			w8(&w, o->u.pio.prefix.len);
			w8(&w, o->u.pio.flags);
			w32(&w, 0); /* valid: see the two-hour rule above */
			w32(&w, 0); /* preferred: deprecated at once */
			w32(&w, 0);
			wbytes(&w, o->u.pio.prefix.addr.u.bytes, 16);
		} else if (o->type == DS_RA_OPT_RIO) {
			w8(&w, 24);
			w8(&w, 3);
			w8(&w, o->u.rio.prefix.len);
			w8(&w, (unsigned)o->u.rio.prf << 3);
			w32(&w, 0);
			wbytes(&w, o->u.rio.prefix.addr.u.bytes, 16);
		} else if (o->type == DS_RA_OPT_RDNSS && o->u.rdnss.n > 0) {
			/* RFC 8106 5.1: lifetime 0 removes the servers. */
			w8(&w, 25);
			w8(&w, 1 + 2 * o->u.rdnss.n);
			w16(&w, 0);
			w32(&w, 0);
			for (unsigned k = 0; k < o->u.rdnss.n; k++)
				wbytes(&w,
				    rogue->addr[o->u.rdnss.first + k].u.bytes,
				    16);
		}
	}
	if (w.full || w.n - ip - 40 > UINT16_MAX)
		return -ENOSPC;
	buf[ip + 4] = (uint8_t)((w.n - ip - 40) >> 8);
	buf[ip + 5] = (uint8_t)(w.n - ip - 40);
	ds_addr_from_v6(all_nodes, &dst);
	sum = ds_ra_icmp6_sum(&rogue->src, &dst, buf + icmp, w.n - icmp);
	buf[icmp + 2] = (uint8_t)(sum >> 8);
	buf[icmp + 3] = (uint8_t)sum;
	return (int)w.n;
}

/* --- Tokens --------------------------------------------------------------- */

static const char *const why_tokens[] = {
    "hop-limit",
    "source-not-link-local",
    "code",
    "checksum",
    "too-short",
    "option-length-0",
    "option-truncated",
    "fragmented",
    "chain-split",
    "destination",
};

const char *
ds_ra_why_token(uint32_t bit)
{
	return ds__bit_token(why_tokens, ARRAY_SIZE(why_tokens), bit);
}

static const char *const flag_tokens[] = {
    "extension-headers",
    "reassembled",
    "atomic-fragment",
    "cut",
    "capped",
};

const char *
ds_ra_flag_token(uint32_t bit)
{
	return ds__bit_token(flag_tokens, ARRAY_SIZE(flag_tokens), bit);
}

static const char *const optbad_tokens[] = {
    [DS_RA_OPT_OK] = "ok",
    [DS_RA_OPT_BAD_LEN] = "bad-length",
    [DS_RA_OPT_BAD_PLEN] = "bad-prefix-length",
    [DS_RA_OPT_LINK_LOCAL] = "link-local-prefix",
    [DS_RA_OPT_PREF_GT_VALID] = "preferred-above-valid",
    [DS_RA_OPT_MULTICAST] = "multicast-prefix",
    [DS_RA_OPT_BAD_PLC] = "bad-plc",
};

const char *
ds_ra_optbad_token(unsigned bad)
{
	return bad < ARRAY_SIZE(optbad_tokens) ? optbad_tokens[bad] : NULL;
}

static const char *const change_tokens[] = {
    "prefix-added",
    "prefix-removed",
    "lifetime",
    "flags",
    "preference",
    "mtu",
    "rdnss",
    "pref64",
    "route",
    "hop-limit",
    "prefix-flags",
    "dnssl",
};

const char *
ds_ra_change_token(uint32_t bit)
{
	return ds__bit_token(change_tokens, ARRAY_SIZE(change_tokens), bit);
}

static const char *const pfx_tokens[] = {
    [DS_RA_PFX_NORMAL] = "normal",
    [DS_RA_PFX_6TO4] = "6to4",
    [DS_RA_PFX_TEREDO] = "teredo",
    [DS_RA_PFX_ULA] = "ula",
    [DS_RA_PFX_DOC] = "documentation",
};

const char *
ds_ra_pfx_kind_token(unsigned kind)
{
	return kind < ARRAY_SIZE(pfx_tokens) ? pfx_tokens[kind] : NULL;
}

static const char *const csum_tokens[] = {
    [DS_RA_CSUM_OK] = "ok",
    [DS_RA_CSUM_BAD] = "bad",
    [DS_RA_CSUM_UNKNOWN] = "unverified",
};

const char *
ds_ra_csum_token(unsigned csum)
{
	return csum < ARRAY_SIZE(csum_tokens) ? csum_tokens[csum] : NULL;
}
