/* SPDX-License-Identifier: MIT */
/*
 * ds_packet: a bounds-checked decoder for captured frames.
 *
 * Every read of packet bytes goes through the library's cursor (cur.h)
 * whose end is the end of what may be read: the capture, the packet as its
 * header states it, or the header being decoded, whichever ends first. Before a
 * header is decoded, have() checks that all of it is there and, if not,
 * records a truncation with the header's offset; the reads that follow are
 * then known to succeed, and the cursor's sticky error is a second line of
 * defence that a fuzzer would trip over should a length check be wrong.
 *
 * Three ends matter for a packet (all absolute offsets into the capture):
 *   wire    -- end of the enclosing unit: the frame as it was on the wire,
 *              or the ICMPv6 message that quotes an invoking packet;
 *   pkt_end -- end of the packet as its IP header states it, but not past
 *              wire;
 *   end     -- what can be read: pkt_end, but not past the capture.
 * A header that needs bytes past 'end' is truncated: by the packet when it
 * also needs bytes past pkt_end, else by the capture (snaplen).
 *
 * Nothing is allocated and nothing global is written; the lists have fixed
 * caps (packet.h) and every loop advances by at least one octet of input,
 * so the work is linear in the captured length whatever the bytes say.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr-int.h"
#include "cur.h"
#include "dualstack/packet.h"

/* The Teredo server's UDP port, RFC 4380 section 2.9 (IANA "teredo"). */
#define TEREDO_PORT 3544

/* --- Decoder state ------------------------------------------------------- */

struct dec {
	const uint8_t *data;
	size_t cap;        /* caplen */
	size_t wire;       /* end of the enclosing unit */
	size_t stated_end; /* end of the packet as stated (may be > wire) */
	size_t pkt_end;    /* min(stated_end, wire) */
	size_t end;        /* min(pkt_end, cap) */
	struct ds_pkt *p;
	struct ds_pkt_ip *ip; /* p->ip or p->inner */
	int linktype;
	bool inner;      /* decoding the invoking packet of an error */
	bool store;      /* the current extension header is stored */
	bool jumbo;      /* a valid Jumbo Payload option set the length */
	bool jumbo_opt;  /* a Jumbo Payload option was seen */
	bool frag_seen;  /* a Fragment header was seen */
	bool more_frags; /* a first fragment: more follow */
	uint8_t proto;   /* for errors in extension headers */
	uint16_t index;
	/* A tunnel found as the upper layer: its protocol (4, 41, 47, or 17
	 * for Teredo) and the offset of its payload (of the UDP header for
	 * Teredo), followed once the packet carrying it is decoded. 0 when
	 * none. */
	uint8_t tun_proto;
	size_t tun_off;
};

/* The octet at off, which have() has checked. */
static uint8_t
byte_at(const struct dec *d, size_t off)
{
	struct ds_cur c = ds_cur_at(d->data, off, d->end);
	uint8_t v;

	ds_cur_u8(&c, &v);
	return v;
}

static inline uint32_t
u32(size_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Record the first error of the packet being decoded. */
static void
set_err(struct dec *d, uint8_t kind, uint8_t layer, uint8_t why, size_t off,
    size_t end)
{
	struct ds_pkt_err *e = &d->ip->err;
	bool ext = layer == DS_PKT_LAYER_EXT || layer == DS_PKT_LAYER_EXT_OPT;

	if (e->kind != DS_PKT_ERR_NONE)
		return;
	e->kind = kind;
	e->layer = layer;
	e->why = why;
	e->proto = ext ? d->proto : 0;
	e->index = ext ? d->index : 0;
	e->off = u32(off);
	e->end = u32(end);
}

/*
 * Can the header at 'off' that needs octets up to 'end' be read? If not,
 * record the truncation and say no.
 */
static bool
have(struct dec *d, uint8_t layer, size_t off, size_t end)
{
	if (end <= d->end)
		return true;
	set_err(d,
	    end > d->pkt_end ? DS_PKT_ERR_TRUNC_PACKET
	                     : DS_PKT_ERR_TRUNC_CAPTURE,
	    layer, DS_PKT_WHY_SHORT, off, end);
	return false;
}

/* Record a malformed field at 'at' in the header at 'off'; returns false. */
static bool
malformed(struct dec *d, uint8_t layer, uint8_t why, size_t off, size_t at)
{
	set_err(d, DS_PKT_ERR_MALFORMED, layer, why, off, at);
	return false;
}

/*
 * A reader that is run after have() succeeded cannot fail; if it did, a
 * length check above it is wrong. Report that as a malformation of the
 * header rather than trusting what was read.
 */
static bool
cur_ok(struct dec *d, const struct ds_cur *c, uint8_t layer, size_t off)
{
	if (c->err == 0)
		return true;
	return malformed(d, layer, DS_PKT_WHY_SHORT, off, c->off);
}

/* Start a list of options in the shared pool. */
static void
optlist_init(struct dec *d, struct ds_pkt_optlist *l)
{
	l->first = d->p->n_opt;
	l->n = 0;
	l->count = 0;
}

/* Count an option in list l and store it when the caps allow. */
static void
opt_add(struct dec *d, struct ds_pkt_optlist *l, size_t off, uint8_t type,
    uint8_t len, uint32_t value, uint32_t value2)
{
	struct ds_pkt *p = d->p;
	struct ds_pkt_opt *o;

	if (l->count < UINT16_MAX)
		l->count++;
	if (!d->store)
		return;
	if (l->n >= DS_PKT_MAX_OPT_PER_HDR || p->n_opt >= DS_PKT_MAX_OPT) {
		p->capped |= DS_PKT_CAPPED_OPT;
		return;
	}
	o = &p->opt[p->n_opt++];
	l->n++;
	o->off = u32(off);
	o->type = type;
	o->len = len;
	o->value = value;
	o->value2 = value2;
}

/*
 * Count an IPv6 address in a list (n stored, count seen) and store it in
 * the shared pool when the cap allows. The caller set the list's first
 * index to p->n_addr before the first call: a list's addresses are
 * contiguous in the pool.
 */
static void
addr_add(struct dec *d, uint8_t *n, uint16_t *count, const uint8_t b[16])
{
	struct ds_pkt *p = d->p;

	if (*count < UINT16_MAX)
		(*count)++;
	if (!d->store)
		return;
	if (p->n_addr >= DS_PKT_MAX_ADDR || *n == UINT8_MAX) {
		p->capped |= DS_PKT_CAPPED_ADDR;
		return;
	}
	ds_addr_from_v6(b, &p->addr[p->n_addr++]);
	(*n)++;
}

static void
ip_init(struct ds_pkt_ip *ip)
{
	ip->version = 0;
	ip->proto = 255;
	ip->n_ext = 0;
	ip->ext_count = 0;
	ip->l4 = DS_PKT_L4_NONE;
	ip->trailer = 0;
	ip->anom = 0;
	ip->err.kind = DS_PKT_ERR_NONE;
}

/* Is the link layer one where short frames are padded (Ethernet)? */
static bool
link_pads(int linktype)
{
	return linktype == DS_LINK_EN10MB || linktype == DS_LINK_LINUX_SLL ||
	    linktype == DS_LINK_LINUX_SLL2;
}

/*
 * Set the packet's bounds from its stated length and check the length
 * against the frame (DS_PKT_ANOM_LEN_MISMATCH). An invoking packet is
 * quoted truncated on purpose (RFC 4443 section 2.4 (c)), so it is not
 * checked.
 */
static void
set_bounds(struct dec *d, size_t off, uint64_t stated_len)
{
	struct ds_pkt_ip *ip = d->ip;
	uint64_t stated_end = (uint64_t)off + stated_len;

	d->stated_end = stated_end > SIZE_MAX ? SIZE_MAX : (size_t)stated_end;
	d->pkt_end = d->stated_end < d->wire ? d->stated_end : d->wire;
	d->end = d->pkt_end < d->cap ? d->pkt_end : d->cap;
	ip->trailer = 0;
	if (d->inner)
		return;
	if (d->stated_end > d->wire) {
		ip->anom |= DS_PKT_ANOM_LEN_MISMATCH;
	} else if (d->stated_end < d->wire) {
		ip->trailer = u32(d->wire - d->stated_end);
		/*
		 * Ethernet pads frames to 60 octets before the FCS (IEEE
		 * 802.3 clause 4.2.3.3), which leaves at least 46 octets
		 * after a 14-octet header: a shorter packet arrives with
		 * zeros after it. Anything else left over is a mismatch.
		 */
		if (!(link_pads(d->linktype) && d->wire - off <= 46))
			ip->anom |= DS_PKT_ANOM_LEN_MISMATCH;
	}
}

static void decode_ip(struct dec *d, size_t off, unsigned version);

/* Is this layer part of the header chain RFC 7112 wants whole in a first
 * fragment: the extension headers and the upper-layer header itself? */
static bool
chain_layer(unsigned layer)
{
	switch (layer) {
	case DS_PKT_LAYER_EXT:
	case DS_PKT_LAYER_EXT_OPT:
	case DS_PKT_LAYER_TCP:
	case DS_PKT_LAYER_TCP_OPT:
	case DS_PKT_LAYER_UDP:
	case DS_PKT_LAYER_ICMP6:
		return true;
	default:
		return false;
	}
}

/*
 * Decode the invoking packet quoted in an ICMP error (or a Redirected
 * Header option) at [off, end). One level only: d->inner stops recursion.
 */
static void
decode_inner(struct dec *d, size_t off, size_t end)
{
	struct dec in = *d;
	struct ds_pkt *p = d->p;

	if (d->inner || p->has_inner || off >= end)
		return;
	p->has_inner = true;
	ip_init(&p->inner);
	in.ip = &p->inner;
	in.inner = true;
	in.store = true;
	in.jumbo = in.jumbo_opt = in.frag_seen = false;
	in.proto = 0;
	in.index = 0;
	in.wire = end;
	in.stated_end = end;
	in.pkt_end = end;
	in.end = end < d->cap ? end : d->cap;
	decode_ip(&in, off, 0);
}

/* --- Transport layers ---------------------------------------------------- */

/* An upper layer that is not decoded: only where it is. */
static void
l4_other(struct dec *d, size_t off)
{
	struct ds_pkt_ip *ip = d->ip;

	ip->l4 = DS_PKT_L4_OTHER;
	ip->l4_off = u32(off);
	ip->l4_len = u32(off < d->end ? d->end - off : 0);
}

/* TCP, RFC 9293 section 3.1; options in section 3.2. */
static void
decode_tcp(struct dec *d, size_t off)
{
	struct ds_pkt_ip *ip = d->ip;
	struct ds_pkt_tcp *t = &ip->u.tcp;
	struct ds_cur c;
	const uint8_t *b;
	uint8_t b12, b13;
	size_t end;

	if (!have(d, DS_PKT_LAYER_TCP, off, off + 20))
		return;
	/* The fixed 20 octets, checked once (have() above). */
	c = ds_cur_at(d->data, off, off + 20);
	b = ds_cur_fixed(&c, 20);
	if (!cur_ok(d, &c, DS_PKT_LAYER_TCP, off))
		return;
	t->sport = ds_get_be16(b);
	t->dport = ds_get_be16(b + 2);
	t->seq = ds_get_be32(b + 4);
	t->ack = ds_get_be32(b + 8);
	b12 = b[12];
	b13 = b[13];
	t->window = ds_get_be16(b + 14);
	t->checksum = ds_get_be16(b + 16);
	t->urgent = ds_get_be16(b + 18);
	t->doff = (uint8_t)((b12 >> 4) * 4);
	t->flags = (uint16_t)((b12 & 0x0f) << 8 | b13);
	t->mss = 0;
	t->wscale = 0;
	t->has_mss = t->has_wscale = t->sack_ok = t->has_ts = false;
	t->ts_val = t->ts_ecr = 0;
	optlist_init(d, &t->opts);
	ip->l4 = DS_PKT_L4_TCP;
	ip->l4_off = u32(off);
	ip->l4_len = u32(d->end - off);

	if (t->doff < 20) {
		malformed(
		    d, DS_PKT_LAYER_TCP, DS_PKT_WHY_HDR_LEN, off, off + 12);
		return;
	}
	end = off + t->doff;
	if (!have(d, DS_PKT_LAYER_TCP, off, end))
		return;
	c = ds_cur_at(d->data, off + 20, end);
	while (ds_cur_left(&c) > 0) {
		size_t o = c.off;
		uint8_t kind, len = 0;
		uint32_t v = 0, v2 = 0;
		bool again = false, bad = false;

		ds_cur_u8(&c, &kind);
		if (kind == 0) { /* End of Option List: the rest is padding */
			opt_add(d, &t->opts, o, kind, 0, 0, 0);
			break;
		}
		if (kind == 1) { /* No-Operation */
			opt_add(d, &t->opts, o, kind, 0, 0, 0);
			continue;
		}
		if (ds_cur_u8(&c, &len) < 0 || len < 2 ||
		    len - 2u > ds_cur_left(&c)) {
			malformed(d, DS_PKT_LAYER_TCP_OPT, DS_PKT_WHY_OPT_LEN,
			    o, o + 1);
			return;
		}
		switch (kind) {
		case 2: /* MSS, RFC 9293 section 3.2 */
			bad = len != 4;
			again = t->has_mss;
			if (!bad) {
				ds_cur_be16(&c, &t->mss);
				v = t->mss;
				t->has_mss = true;
			}
			break;
		case 3: /* window scale, RFC 7323 section 2.2 */
			bad = len != 3;
			again = t->has_wscale;
			if (!bad) {
				ds_cur_u8(&c, &t->wscale);
				v = t->wscale;
				t->has_wscale = true;
			}
			break;
		case 4: /* SACK permitted, RFC 2018 section 2 */
			bad = len != 2;
			again = t->sack_ok;
			t->sack_ok = true;
			break;
		case 5: /* SACK, RFC 2018 section 3: 1 or more 8-octet blocks */
			bad = len < 10 || (len - 2) % 8 != 0;
			v = (uint32_t)(len - 2) / 8;
			break;
		case 8: /* timestamps, RFC 7323 section 3.2 */
			bad = len != 10;
			again = t->has_ts;
			if (!bad) {
				ds_cur_be32(&c, &t->ts_val);
				ds_cur_be32(&c, &t->ts_ecr);
				v = t->ts_val;
				v2 = t->ts_ecr;
				t->has_ts = true;
			}
			break;
		default:
			break;
		}
		if (bad) {
			malformed(d, DS_PKT_LAYER_TCP_OPT, DS_PKT_WHY_OPT_LEN,
			    o, o + 1);
			return;
		}
		if (again)
			ip->anom |= DS_PKT_ANOM_OPT_REPEATED;
		/* Skip what the kind did not read. */
		ds_cur_skip(&c, (o + len) - c.off);
		opt_add(d, &t->opts, o, kind, (uint8_t)(len - 2), v, v2);
	}
	cur_ok(d, &c, DS_PKT_LAYER_TCP_OPT, off);
}

/* UDP, RFC 768. */
static void
decode_udp(struct dec *d, size_t off)
{
	struct ds_pkt_ip *ip = d->ip;
	struct ds_pkt_udp *u = &ip->u.udp;
	struct ds_cur c;
	const uint8_t *b;

	if (!have(d, DS_PKT_LAYER_UDP, off, off + 8))
		return;
	/* The fixed 8 octets, checked once (have() above). */
	c = ds_cur_at(d->data, off, off + 8);
	b = ds_cur_fixed(&c, 8);
	if (!cur_ok(d, &c, DS_PKT_LAYER_UDP, off))
		return;
	u->sport = ds_get_be16(b);
	u->dport = ds_get_be16(b + 2);
	u->len = ds_get_be16(b + 4);
	u->checksum = ds_get_be16(b + 6);
	ip->l4 = DS_PKT_L4_UDP;
	ip->l4_off = u32(off);
	ip->l4_len = u32(d->end - off);
	/* A jumbogram carries UDP length 0 (RFC 2675 section 4). */
	if (u->len < 8 && !(u->len == 0 && d->jumbo)) {
		malformed(
		    d, DS_PKT_LAYER_UDP, DS_PKT_WHY_UDP_LEN, off, off + 4);
		return;
	}
	/* Teredo: the service port, either way (RFC 4380 section 2.9). */
	if ((u->sport == TEREDO_PORT || u->dport == TEREDO_PORT) && !d->inner &&
	    !d->more_frags) {
		d->tun_proto = IPPROTO_UDP;
		d->tun_off = off;
	}
}

/* --- ICMPv6 -------------------------------------------------------------- */

static void
read_addr(struct ds_cur *c, struct ds_addr *ret)
{
	uint8_t b[16];

	ds_cur_bytes(c, b, 16);
	ds_addr_from_v6(b, ret);
}

/* MLDv1 (RFC 2710 section 3) and MLDv2 (RFC 3810 sections 5.1, 5.2). */
static void
decode_mld(struct dec *d, size_t off, uint8_t type)
{
	struct ds_pkt *p = d->p;
	struct ds_pkt_icmp6 *x = &p->icmp6;
	size_t msglen = d->pkt_end - off;
	struct ds_cur c;

	if (type == 143) {
		size_t pos = off + 8;

		c = ds_cur_at(d->data, off + 6, off + 8);
		ds_cur_be16(&c, &x->nrec);
		for (unsigned i = 0; i < x->nrec; i++) {
			struct ds_pkt_mldrec scratch, *r = &scratch;
			uint8_t b[16];
			size_t rlen;

			if (!have(d, DS_PKT_LAYER_MLD, pos, pos + 20))
				return;
			if (x->n_mldrec < DS_PKT_MAX_MLDREC)
				r = &p->u.mld_rec[x->n_mldrec];
			else
				p->capped |= DS_PKT_CAPPED_MLDREC;
			c = ds_cur_at(d->data, pos, pos + 20);
			r->off = u32(pos);
			ds_cur_u8(&c, &r->type);
			ds_cur_u8(&c, &r->aux_len);
			ds_cur_be16(&c, &r->nsrc);
			read_addr(&c, &r->group);
			if (!cur_ok(d, &c, DS_PKT_LAYER_MLD, pos))
				return;
			rlen =
			    20 + 16 * (size_t)r->nsrc + 4 * (size_t)r->aux_len;
			if (!have(d, DS_PKT_LAYER_MLD, pos, pos + rlen))
				return;
			r->src_first = p->n_addr;
			r->n_src = 0;
			d->store = r != &scratch;
			c = ds_cur_at(d->data, pos + 20, pos + rlen);
			for (unsigned s = 0; s < r->nsrc; s++) {
				uint16_t count = 0;

				ds_cur_bytes(&c, b, 16);
				addr_add(d, &r->n_src, &count, b);
			}
			d->store = true;
			if (r != &scratch)
				x->n_mldrec++;
			pos += rlen;
		}
		return;
	}

	if (type == 130 && msglen >= 28) {
		/* RFC 3810 section 8.1: a query of 28 octets or more is
		 * MLDv2; 24 is MLDv1. */
		uint8_t b24;
		uint16_t count = 0;

		if (!have(d, DS_PKT_LAYER_MLD, off, off + 28))
			return;
		c = ds_cur_at(d->data, off + 4, off + 28);
		ds_cur_be16(&c, &x->max_resp);
		ds_cur_skip(&c, 2);
		read_addr(&c, &x->group);
		ds_cur_u8(&c, &b24);
		ds_cur_u8(&c, &x->qqic);
		ds_cur_be16(&c, &x->nsrc);
		if (!cur_ok(d, &c, DS_PKT_LAYER_MLD, off))
			return;
		x->mldv2 = true;
		x->s_flag = (b24 & 0x08) != 0;
		x->qrv = b24 & 0x07;
		x->src_first = p->n_addr;
		if (!have(d, DS_PKT_LAYER_MLD, off,
		        off + 28 + 16 * (size_t)x->nsrc))
			return;
		c = ds_cur_at(
		    d->data, off + 28, off + 28 + 16 * (size_t)x->nsrc);
		for (unsigned s = 0; s < x->nsrc; s++) {
			uint8_t b[16];

			ds_cur_bytes(&c, b, 16);
			addr_add(d, &x->n_src, &count, b);
		}
		return;
	}

	if (!have(d, DS_PKT_LAYER_MLD, off, off + 24))
		return;
	c = ds_cur_at(d->data, off + 4, off + 24);
	ds_cur_be16(&c, &x->max_resp);
	ds_cur_skip(&c, 2);
	read_addr(&c, &x->group);
	cur_ok(d, &c, DS_PKT_LAYER_MLD, off);
}

/* One Neighbor Discovery option of 'olen' octets at pos (RFC 4861 4.6). */
static bool
decode_ndopt(struct dec *d, struct ds_pkt_ndopt *o, size_t pos, size_t olen,
    uint8_t msgtype)
{
	struct ds_cur c = ds_cur_at(d->data, pos + 2, pos + olen);
	uint8_t b[16];

	switch (o->type) {
	case 1: /* Source Link-Layer Address */
	case 2: /* Target Link-Layer Address */
		if (o->len == 1)
			ds_cur_bytes(&c, o->u.lladdr.b, 6);
		else
			memset(&o->u.lladdr, 0, sizeof(o->u.lladdr));
		break;
	case 3: /* Prefix Information, 4.6.2: always 32 octets */
		if (o->len != 4)
			return malformed(d, DS_PKT_LAYER_ND_OPT,
			    DS_PKT_WHY_OPT_LEN, pos, pos + 1);
		ds_cur_u8(&c, &o->u.prefix.plen);
		ds_cur_u8(&c, &o->u.prefix.flags);
		ds_cur_be32(&c, &o->u.prefix.valid);
		ds_cur_be32(&c, &o->u.prefix.preferred);
		ds_cur_skip(&c, 4);
		read_addr(&c, &o->u.prefix.prefix);
		o->u.prefix.onlink = (o->u.prefix.flags & 0x80) != 0;
		o->u.prefix.autoconf = (o->u.prefix.flags & 0x40) != 0;
		o->u.prefix.router = (o->u.prefix.flags & 0x20) != 0;
		break;
	case 5: /* MTU, 4.6.4: always 8 octets */
		if (o->len != 1)
			return malformed(d, DS_PKT_LAYER_ND_OPT,
			    DS_PKT_WHY_OPT_LEN, pos, pos + 1);
		ds_cur_skip(&c, 2);
		ds_cur_be32(&c, &o->u.mtu);
		break;
	case 24: { /* Route Information, RFC 4191 section 2.3 */
		uint8_t fl;
		size_t n = (size_t)(o->len - 1) * 8;

		if (o->len > 3)
			return malformed(d, DS_PKT_LAYER_ND_OPT,
			    DS_PKT_WHY_OPT_LEN, pos, pos + 1);
		ds_cur_u8(&c, &o->u.route.plen);
		ds_cur_u8(&c, &fl);
		ds_cur_be32(&c, &o->u.route.lifetime);
		/* The Length must cover the prefix: 1 for ::/0, 2 up to
		 * /64, 3 beyond; the prefix length is at most 128. */
		if (o->u.route.plen > 128 ||
		    (o->u.route.plen > 0 && o->len < 2) ||
		    (o->u.route.plen > 64 && o->len < 3))
			return malformed(d, DS_PKT_LAYER_ND_OPT,
			    DS_PKT_WHY_OPT_LEN, pos, pos + 2);
		o->u.route.prf = (fl >> 3) & 3;
		memset(b, 0, sizeof(b));
		ds_cur_bytes(&c, b, n);
		ds_addr_from_v6(b, &o->u.route.prefix);
		break;
	}
	case 25: { /* RDNSS, RFC 8106 section 5.1: Length 1 + 2N, N >= 1 */
		size_t n;

		if (o->len < 3 || o->len % 2 == 0)
			return malformed(d, DS_PKT_LAYER_ND_OPT,
			    DS_PKT_WHY_OPT_LEN, pos, pos + 1);
		ds_cur_skip(&c, 2);
		ds_cur_be32(&c, &o->u.rdnss.lifetime);
		o->u.rdnss.n_addr = 0;
		o->u.rdnss.addr_count = 0;
		o->u.rdnss.addr_first = d->p->n_addr;
		n = (size_t)(o->len - 1) / 2;
		for (size_t i = 0; i < n; i++) {
			ds_cur_bytes(&c, b, 16);
			addr_add(
			    d, &o->u.rdnss.n_addr, &o->u.rdnss.addr_count, b);
		}
		break;
	}
	case 31: /* DNSSL, RFC 8106 section 5.2: Length >= 2 */
		if (o->len < 2)
			return malformed(d, DS_PKT_LAYER_ND_OPT,
			    DS_PKT_WHY_OPT_LEN, pos, pos + 1);
		ds_cur_skip(&c, 2);
		ds_cur_be32(&c, &o->u.dnssl.lifetime);
		o->u.dnssl.names_off = u32(pos + 8);
		o->u.dnssl.names_len = u32(olen - 8);
		break;
	case 4: /* Redirected Header, 4.6.3: 6 reserved octets, packet */
		o->u.raw.data_off = u32(pos + 8);
		o->u.raw.data_len = u32(olen - 8);
		if (msgtype == 137)
			decode_inner(d, pos + 8, pos + olen);
		break;
	default: /* Nonce (RFC 3971 section 5.3.2) and the rest */
		o->u.raw.data_off = u32(pos + 2);
		o->u.raw.data_len = u32(olen - 2);
		break;
	}
	return cur_ok(d, &c, DS_PKT_LAYER_ND_OPT, pos);
}

/* RS, RA, NS, NA, Redirect: RFC 4861 section 4. */
static void
decode_nd(struct dec *d, size_t off, uint8_t type, uint32_t word)
{
	struct ds_pkt *p = d->p;
	struct ds_pkt_icmp6 *x = &p->icmp6;
	struct ds_cur c;
	size_t fixed, pos;

	switch (type) {
	case 133: /* Router Solicitation, 4.1 */
		fixed = 8;
		break;
	case 134: /* Router Advertisement, 4.2 */
		fixed = 16;
		break;
	case 135: /* Neighbor Solicitation, 4.3 */
	case 136: /* Neighbor Advertisement, 4.4 */
		fixed = 24;
		break;
	default: /* Redirect, 4.5 */
		fixed = 40;
		break;
	}
	/* RFC 4861 sections 6.1.1, 6.1.2, 7.1.1, 7.1.2, 8.1: hop limit
	 * 255 proves the sender is on the link. */
	if (d->ip->hop_limit != 255)
		d->ip->anom |= DS_PKT_ANOM_ND_HOPLIMIT;
	if (!have(d, DS_PKT_LAYER_ICMP6, off, off + fixed))
		return;
	c = ds_cur_at(d->data, off + 4, off + fixed);
	switch (type) {
	case 134:
		ds_cur_u8(&c, &x->cur_hop_limit);
		ds_cur_u8(&c, &x->ra_flags);
		ds_cur_be16(&c, &x->router_lifetime);
		ds_cur_be32(&c, &x->reachable);
		ds_cur_be32(&c, &x->retrans);
		x->managed = (x->ra_flags & 0x80) != 0;
		x->other = (x->ra_flags & 0x40) != 0;
		x->home_agent = (x->ra_flags & 0x20) != 0;
		x->prf = (x->ra_flags >> 3) & 3; /* RFC 4191 section 2.2 */
		x->proxy = (x->ra_flags & 0x04) != 0;
		break;
	case 135:
	case 136:
		ds_cur_skip(&c, 4);
		read_addr(&c, &x->target);
		x->router = type == 136 && (word & 0x80000000u) != 0;
		x->solicited = type == 136 && (word & 0x40000000u) != 0;
		x->override = type == 136 && (word & 0x20000000u) != 0;
		break;
	case 137:
		ds_cur_skip(&c, 4);
		read_addr(&c, &x->target);
		read_addr(&c, &x->dest);
		break;
	default:
		break;
	}
	if (!cur_ok(d, &c, DS_PKT_LAYER_ICMP6, off))
		return;

	/* The options fill the rest of the message (4.6). */
	pos = off + fixed;
	while (pos < d->pkt_end) {
		struct ds_pkt_ndopt scratch, *o = &scratch;
		size_t olen;
		bool stored;

		if (!have(d, DS_PKT_LAYER_ND_OPT, pos, pos + 2))
			return;
		stored = x->n_ndopt < DS_PKT_MAX_NDOPT;
		if (stored)
			o = &p->u.nd_opt[x->n_ndopt];
		else
			p->capped |= DS_PKT_CAPPED_NDOPT;
		c = ds_cur_at(d->data, pos, pos + 2);
		ds_cur_u8(&c, &o->type);
		ds_cur_u8(&c, &o->len);
		o->off = u32(pos);
		if (o->len == 0) {
			/* 4.6: "Nodes MUST silently discard an ND packet
			 * that contains an option with length zero." */
			malformed(d, DS_PKT_LAYER_ND_OPT,
			    DS_PKT_WHY_ND_OPT_ZERO, pos, pos + 1);
			return;
		}
		olen = (size_t)o->len * 8;
		if (!have(d, DS_PKT_LAYER_ND_OPT, pos, pos + olen))
			return;
		d->store = stored;
		if (!decode_ndopt(d, o, pos, olen, type)) {
			d->store = true;
			return;
		}
		d->store = true;
		if (x->ndopt_count < UINT16_MAX)
			x->ndopt_count++;
		if (stored)
			x->n_ndopt++;
		pos += olen;
	}
}

/*
 * The 8 octets ICMPv6 (RFC 4443 section 2.1) and ICMPv4 (RFC 792) share:
 * type, code, checksum, and a word that is the identifier and sequence
 * number of an echo, the MTU of a Packet Too Big, a pointer, or unused.
 * Returns false when they are not all there (the error is recorded).
 */
static bool
decode_icmp_fixed(struct dec *d, size_t off, unsigned layer, unsigned l4)
{
	struct ds_pkt_ip *ip = d->ip;
	struct ds_pkt_icmp *ic = &ip->u.icmp;
	struct ds_cur c;

	if (!have(d, layer, off, off + 8))
		return false;
	c = ds_cur_at(d->data, off, off + 8);
	ds_cur_u8(&c, &ic->type);
	ds_cur_u8(&c, &ic->code);
	ds_cur_be16(&c, &ic->checksum);
	ds_cur_be32(&c, &ic->word);
	if (!cur_ok(d, &c, layer, off))
		return false;
	ic->id = (uint16_t)(ic->word >> 16);
	ic->seq = (uint16_t)ic->word;
	ip->l4 = l4;
	ip->l4_off = u32(off);
	ip->l4_len = u32(d->end - off);
	return true;
}

/* ICMPv6, RFC 4443 section 2.1 and the message bodies. */
static void
decode_icmp6(struct dec *d, size_t off)
{
	struct ds_pkt_icmp *ic = &d->ip->u.icmp;

	if (!decode_icmp_fixed(d, off, DS_PKT_LAYER_ICMP6, DS_PKT_L4_ICMP6))
		return;
	/* An error inside an error is shown raw (RFC 4443 2.4 (e) forbids
	 * sending one anyway); only the packet itself gets a body. */
	if (d->inner)
		return;
	memset(&d->p->icmp6, 0, sizeof(d->p->icmp6));
	switch (ic->type) {
	case 1: /* Destination Unreachable, 3.1 */
	case 2: /* Packet Too Big, 3.2 */
	case 3: /* Time Exceeded, 3.3 */
	case 4: /* Parameter Problem, 3.4 */
		decode_inner(d, off + 8, d->pkt_end);
		break;
	case 130:
	case 131:
	case 132:
	case 143:
		decode_mld(d, off, ic->type);
		break;
	case 133:
	case 134:
	case 135:
	case 136:
	case 137:
		decode_nd(d, off, ic->type, ic->word);
		break;
	default:
		break;
	}
}

/* ICMPv4, RFC 792: the fixed part; errors quote the invoking packet. */
static void
decode_icmp4(struct dec *d, size_t off)
{
	struct ds_pkt_icmp *ic = &d->ip->u.icmp;

	if (!decode_icmp_fixed(d, off, DS_PKT_LAYER_ICMP4, DS_PKT_L4_ICMP4))
		return;
	switch (ic->type) {
	case 3:  /* Destination Unreachable */
	case 4:  /* Source Quench */
	case 5:  /* Redirect */
	case 11: /* Time Exceeded */
	case 12: /* Parameter Problem */
		decode_inner(d, off + 8, d->pkt_end);
		break;
	default:
		break;
	}
}

/*
 * An upper layer that is not decoded here: IP in IP (RFC 2003, RFC 4213,
 * RFC 2473) and GRE are followed once this packet is done. Not in an
 * invoking packet (one level only) nor in a first fragment, whose inner
 * packet continues elsewhere.
 */
static void
l4_other_or_tunnel(struct dec *d, uint8_t proto, size_t off)
{
	l4_other(d, off);
	if ((proto == IPPROTO_IPIP || proto == IPPROTO_IPV6 ||
	        proto == IPPROTO_GRE) &&
	    !d->inner && !d->more_frags) {
		d->tun_proto = proto;
		d->tun_off = off;
	}
}

/* The upper-layer header 'proto' at off. */
static void
decode_l4(struct dec *d, uint8_t proto, size_t off)
{
	struct ds_pkt_ip *ip = d->ip;

	ip->proto = proto;
	if (proto == IPPROTO_TCP)
		decode_tcp(d, off);
	else if (proto == IPPROTO_UDP)
		decode_udp(d, off);
	else if (proto == IPPROTO_ICMPV6 && ip->version == 6)
		decode_icmp6(d, off);
	else if (proto == IPPROTO_ICMP && ip->version == 4)
		decode_icmp4(d, off);
	else
		l4_other_or_tunnel(d, proto, off);
}

/* --- IPv6 extension headers ---------------------------------------------- */

bool
ds_packet_is_ext(unsigned proto)
{
	switch (proto) {
	case 0:   /* Hop-by-Hop Options, RFC 8200 4.3 */
	case 43:  /* Routing, 4.4 */
	case 44:  /* Fragment, 4.5 */
	case 50:  /* ESP, RFC 4303 */
	case 51:  /* AH, RFC 4302 */
	case 60:  /* Destination Options, 4.6 */
	case 135: /* Mobility, RFC 6275 */
	case 139: /* HIP, RFC 7401 */
	case 140: /* Shim6, RFC 5533 */
	case 253: /* experiments, RFC 3692 and RFC 4727 */
	case 254:
		return true;
	default:
		return false;
	}
}

bool
ds_packet_icmp6_is_error(uint8_t type)
{
	return type < 128; /* RFC 4443 section 2.1 */
}

/*
 * The options of a Hop-by-Hop or Destination Options header, [off, end):
 * RFC 8200 section 4.2.
 */
static bool
decode_tlv_opts(
    struct dec *d, struct ds_pkt_ext *e, size_t off, size_t end, bool hbh)
{
	struct ds_pkt_ip *ip = d->ip;
	struct ds_pkt_optlist *l = &e->u.opts;
	struct ds_cur c = ds_cur_at(d->data, off, end);
	size_t padrun = 0;
	bool seen_ra = false, seen_jumbo = false;

	optlist_init(d, l);
	while (ds_cur_left(&c) > 0) {
		size_t o = c.off, dstart;
		uint8_t type, len;
		uint32_t v = 0;

		ds_cur_u8(&c, &type);
		if (type == 0) { /* Pad1 */
			padrun++;
			/* 4.2: padding exists to align the next option to
			 * at most 8n; a run over 7 octets serves nothing. */
			if (padrun > 7)
				ip->anom |= DS_PKT_ANOM_PADDING;
			opt_add(d, l, o, 0, 0, 0, 0);
			continue;
		}
		if (ds_cur_u8(&c, &len) < 0 || len > ds_cur_left(&c))
			return malformed(d, DS_PKT_LAYER_EXT_OPT,
			    DS_PKT_WHY_OPT_LEN, o, o + 1);
		dstart = c.off;
		switch (type) {
		case 1: /* PadN: N-2 zero octets */
			padrun += (size_t)len + 2;
			if (padrun > 7)
				ip->anom |= DS_PKT_ANOM_PADDING;
			for (unsigned i = 0; i < len; i++) {
				uint8_t z;

				ds_cur_u8(&c, &z);
				if (z != 0)
					ip->anom |= DS_PKT_ANOM_PADDING;
			}
			break;
		case 0xc2: /* Jumbo Payload, RFC 2675 section 2 */
			padrun = 0;
			if (len != 4)
				return malformed(d, DS_PKT_LAYER_EXT_OPT,
				    DS_PKT_WHY_OPT_LEN, o, o + 1);
			ds_cur_be32(&c, &v);
			if (seen_jumbo || d->jumbo_opt)
				ip->anom |= DS_PKT_ANOM_OPT_REPEATED;
			seen_jumbo = true;
			/* Section 3: only in Hop-by-Hop, with Payload
			 * Length 0, for more than 65535 octets. */
			if (!hbh || ip->payload_len != 0 || v <= 65535 ||
			    d->frag_seen) {
				ip->anom |= DS_PKT_ANOM_JUMBO;
			} else if (!d->jumbo_opt) {
				uint64_t total = 40 + (uint64_t)v;

				ip->total_len = total > UINT32_MAX
				    ? UINT32_MAX
				    : (uint32_t)total;
				set_bounds(d, ip->off, total);
				d->jumbo = true;
			}
			d->jumbo_opt = true;
			break;
		case 5: { /* Router Alert, RFC 2711 section 2.1 */
			uint16_t ra;

			padrun = 0;
			if (len != 2)
				return malformed(d, DS_PKT_LAYER_EXT_OPT,
				    DS_PKT_WHY_OPT_LEN, o, o + 1);
			ds_cur_be16(&c, &ra);
			v = ra;
			if (seen_ra)
				ip->anom |= DS_PKT_ANOM_OPT_REPEATED;
			seen_ra = true;
			break;
		}
		case 4: { /* Tunnel Encapsulation Limit, RFC 2473 4.1.1 */
			uint8_t lim;

			padrun = 0;
			if (len != 1)
				return malformed(d, DS_PKT_LAYER_EXT_OPT,
				    DS_PKT_WHY_OPT_LEN, o, o + 1);
			ds_cur_u8(&c, &lim);
			v = lim;
			break;
		}
		default: /* shown raw: type, length, offset */
			padrun = 0;
			break;
		}
		ds_cur_skip(&c, dstart + len - c.off);
		opt_add(d, l, o, type, len, v, 0);
	}
	return cur_ok(d, &c, DS_PKT_LAYER_EXT_OPT, off);
}

/* Routing header, RFC 8200 section 4.4, with the types it carries. */
static bool
decode_rt(struct dec *d, struct ds_pkt_ext *e, size_t off, size_t len)
{
	struct ds_pkt_ip *ip = d->ip;
	struct ds_pkt_ext_rt *rt = &e->u.rt;
	struct ds_cur c = ds_cur_at(d->data, off + 2, off + len);
	size_t naddr = 0;
	uint8_t b[16];

	ds_cur_u8(&c, &rt->type);
	ds_cur_u8(&c, &rt->segleft);
	rt->addr_first = d->p->n_addr;
	rt->n_addr = 0;
	rt->addr_count = 0;
	rt->cmpr_i = rt->cmpr_e = rt->pad = 0;
	rt->last_entry = rt->flags = 0;
	rt->tag = 0;
	rt->tlv_off = rt->tlv_len = 0;

	if (rt->type == 0)
		ip->anom |= DS_PKT_ANOM_RH0;
	switch (rt->type) {
	case 0: /* RFC 2460 section 4.4, deprecated by RFC 5095 */
	case 2: /* RFC 6275 section 6.4: one Home Address */
		ds_cur_skip(&c, 4);
		naddr = (len - 8) / 16;
		for (size_t i = 0; i < naddr; i++) {
			ds_cur_bytes(&c, b, 16);
			addr_add(d, &rt->n_addr, &rt->addr_count, b);
		}
		break;
	case 3: { /* RPL Source Route, RFC 6554 section 3 */
		uint8_t ce, pr;
		size_t avail = len - 8, last, each, rest;

		ds_cur_u8(&c, &ce);
		ds_cur_u8(&c, &pr);
		ds_cur_skip(&c, 2);
		rt->cmpr_i = ce >> 4;
		rt->cmpr_e = ce & 15;
		rt->pad = pr >> 4;
		/* n = ((HdrExtLen * 8 - Pad - (16 - CmprE)) / (16 - CmprI))
		 * + 1, and the sizes must add up exactly. */
		last = 16u - rt->cmpr_e;
		each = 16u - rt->cmpr_i;
		if (avail < rt->pad + last ||
		    (avail - rt->pad - last) % each != 0)
			return malformed(d, DS_PKT_LAYER_EXT,
			    DS_PKT_WHY_HDR_LEN, off, off + 4);
		rest = (avail - rt->pad - last) / each;
		naddr = rest + 1;
		/* Elided leading octets come from the IPv6 destination. */
		for (size_t i = 0; i < naddr; i++) {
			unsigned elide = i < rest ? rt->cmpr_i : rt->cmpr_e;

			memcpy(b, ip->dst.u.bytes, elide);
			ds_cur_bytes(&c, b + elide, 16u - elide);
			addr_add(d, &rt->n_addr, &rt->addr_count, b);
		}
		break;
	}
	case 4: { /* Segment Routing Header, RFC 8754 section 2 */
		size_t nseg;

		ds_cur_u8(&c, &rt->last_entry);
		ds_cur_u8(&c, &rt->flags);
		ds_cur_be16(&c, &rt->tag);
		nseg = (size_t)rt->last_entry + 1;
		/* 4.3.1.1: Last Entry beyond Hdr Ext Len / 2 - 1 is an
		 * error. */
		if (8 + 16 * nseg > len)
			return malformed(d, DS_PKT_LAYER_EXT,
			    DS_PKT_WHY_HDR_LEN, off, off + 4);
		for (size_t i = 0; i < nseg; i++) {
			ds_cur_bytes(&c, b, 16);
			addr_add(d, &rt->n_addr, &rt->addr_count, b);
		}
		rt->tlv_off = u32(off + 8 + 16 * nseg);
		rt->tlv_len = u32(len - 8 - 16 * nseg);
		/* 4.3.1.1: Segments Left greater than Last Entry + 1. */
		if (rt->segleft > nseg)
			ip->anom |= DS_PKT_ANOM_RH_SEGLEFT;
		break;
	}
	default: /* shown raw */
		break;
	}
	/* 4.4: Segments Left beyond the addresses listed is an error. */
	if ((rt->type == 0 || rt->type == 2 || rt->type == 3) &&
	    rt->segleft > naddr)
		ip->anom |= DS_PKT_ANOM_RH_SEGLEFT;
	return cur_ok(d, &c, DS_PKT_LAYER_EXT, off);
}

/*
 * Decode one extension header of type 'type' at off into e and set
 * *ret_len. False when decoding must stop (the error is recorded).
 */
static bool
decode_ext(struct dec *d, struct ds_pkt_ext *e, uint8_t type, size_t off,
    size_t *ret_len)
{
	struct ds_cur c;
	uint8_t nh, lf;
	size_t len;

	e->type = type;
	e->off = u32(off);
	if (type == 50) {
		/* ESP, RFC 4303 section 2: SPI and sequence number, then
		 * ciphertext up to the end of the packet. */
		if (!have(d, DS_PKT_LAYER_EXT, off, off + 8))
			return false;
		c = ds_cur_at(d->data, off, off + 8);
		ds_cur_be32(&c, &e->u.esp.spi);
		ds_cur_be32(&c, &e->u.esp.seq);
		e->next = 0;
		e->len_field = 0;
		e->len = u32(d->end - off);
		*ret_len = d->end - off;
		return cur_ok(d, &c, DS_PKT_LAYER_EXT, off);
	}
	if (!have(d, DS_PKT_LAYER_EXT, off, off + 2))
		return false;
	c = ds_cur_at(d->data, off, off + 2);
	ds_cur_u8(&c, &nh);
	ds_cur_u8(&c, &lf);
	switch (type) {
	case 44: /* Fragment: fixed 8 octets, the second is reserved */
		len = 8;
		break;
	case 51: /* AH, RFC 4302 section 2.2: 4-octet units minus 2 */
		len = ((size_t)lf + 2) * 4;
		break;
	default: /* 8-octet units not counting the first 8 (RFC 8200) */
		len = ((size_t)lf + 1) * 8;
		break;
	}
	if (!have(d, DS_PKT_LAYER_EXT, off, off + len))
		return false;
	e->next = nh;
	e->len_field = lf;
	e->len = u32(len);
	*ret_len = len;
	c = ds_cur_at(d->data, off + 2, off + len);

	switch (type) {
	case 0:
	case 60:
		return decode_tlv_opts(d, e, off + 2, off + len, type == 0);
	case 43:
		return decode_rt(d, e, off, len);
	case 44: { /* RFC 8200 section 4.5 */
		struct ds_pkt_ext_frag *f = &e->u.frag;
		uint16_t w;

		f->res = lf;
		ds_cur_be16(&c, &w);
		ds_cur_be32(&c, &f->id);
		f->offset = (uint16_t)(w & 0xfff8);
		f->res2 = (w >> 1) & 3;
		f->more = (w & 1) != 0;
		/* RFC 6946: offset 0 and M clear is an atomic fragment. */
		f->atomic = f->offset == 0 && !f->more;
		break;
	}
	case 51: { /* RFC 4302 section 2 */
		struct ds_pkt_ext_ah *ah = &e->u.ah;

		ah->payload_len = lf;
		/* 12 octets of fixed fields; IPv6 wants a multiple of 8
		 * (RFC 4302 section 3.3.3.2.1). */
		if (len < 12 || len % 8 != 0)
			return malformed(d, DS_PKT_LAYER_EXT,
			    DS_PKT_WHY_HDR_LEN, off, off + 1);
		ds_cur_skip(&c, 2);
		ds_cur_be32(&c, &ah->spi);
		ds_cur_be32(&c, &ah->seq);
		ah->icv_off = u32(off + 12);
		ah->icv_len = u32(len - 12);
		break;
	}
	case 135: /* Mobility, RFC 6275 section 6.1.1 */
		ds_cur_u8(&c, &e->u.mob.mh_type);
		ds_cur_skip(&c, 1);
		ds_cur_be16(&c, &e->u.mob.checksum);
		break;
	case 139: { /* HIP, RFC 7401 section 5.1: 40 octets with HITs */
		uint8_t pt, ver;

		if (len < 40)
			return malformed(d, DS_PKT_LAYER_EXT,
			    DS_PKT_WHY_HDR_LEN, off, off + 1);
		ds_cur_u8(&c, &pt);
		ds_cur_u8(&c, &ver);
		ds_cur_be16(&c, &e->u.hip.checksum);
		ds_cur_be16(&c, &e->u.hip.controls);
		e->u.hip.packet_type = pt & 0x7f;
		e->u.hip.version = ver >> 4;
		break;
	}
	case 140: { /* Shim6, RFC 5533 section 5.1 */
		uint8_t b2;

		ds_cur_u8(&c, &b2);
		e->u.shim6.payload = (b2 & 0x80) != 0;
		e->u.shim6.type = b2 & 0x7f;
		e->u.shim6.checksum = 0;
		if (!e->u.shim6.payload) {
			ds_cur_skip(&c, 1);
			ds_cur_be16(&c, &e->u.shim6.checksum);
		}
		break;
	}
	default: /* 253, 254: experiments, shown raw */
		break;
	}
	return cur_ok(d, &c, DS_PKT_LAYER_EXT, off);
}

/* Index of a header type for the RFC 8200 section 4.1 repeat count. */
static unsigned
ext_slot(uint8_t type)
{
	switch (type) {
	case 0:
		return 0;
	case 43:
		return 1;
	case 44:
		return 2;
	case 50:
		return 3;
	case 51:
		return 4;
	case 60:
		return 5;
	case 135:
		return 6;
	case 139:
		return 7;
	case 140:
		return 8;
	case 253:
		return 9;
	default:
		return 10;
	}
}

/* Neighbor Discovery message types, RFC 4861 section 4. */
static bool
is_nd(uint8_t type)
{
	return type >= 133 && type <= 137;
}

/*
 * Walk the extension-header chain from 'off', whose first header is 'nh',
 * to the upper-layer header (RFC 8200 section 4).
 */
static void
decode_chain(struct dec *d, size_t off, uint8_t nh)
{
	struct ds_pkt_ip *ip = d->ip;
	uint16_t seen[11] = {0};
	bool first_frag = false;
	unsigned idx = 0;

	while (ds_packet_is_ext(nh)) {
		struct ds_pkt_ext scratch, *e = &scratch;
		unsigned slot = ext_slot(nh);
		size_t len = 0;
		bool stored, ok;

		d->proto = nh;
		d->index = idx > UINT16_MAX ? UINT16_MAX : (uint16_t)idx;
		d->store = idx < DS_PKT_MAX_EXT;
		if (d->store) {
			e = &ip->ext[idx];
		} else {
			ip->anom |= DS_PKT_ANOM_CHAIN_TOO_DEEP;
			d->p->capped |= DS_PKT_CAPPED_EXT;
		}
		/* 4.1: Hop-by-Hop only right after the IPv6 header; each
		 * header once, Destination Options at most twice. */
		if (nh == 0 && idx != 0)
			ip->anom |= DS_PKT_ANOM_HBH_NOT_FIRST;
		if (seen[slot] < UINT16_MAX)
			seen[slot]++;
		if (seen[slot] > (nh == 60 ? 2 : 1))
			ip->anom |= DS_PKT_ANOM_EXT_REPEATED;

		stored = d->store;
		ok = decode_ext(d, e, nh, off, &len);
		d->store = true;
		if (!ok)
			break;
		idx++;
		if (stored)
			ip->n_ext = (uint8_t)idx;
		ip->ext_count = idx > UINT16_MAX ? UINT16_MAX : (uint16_t)idx;

		if (nh == 50) {
			/* What follows SPI and sequence number is ciphertext
			 * (RFC 4303 section 2): the chain ends. */
			ip->proto = 50;
			ip->l4 = DS_PKT_L4_ENCRYPTED;
			ip->l4_off = u32(off + 8);
			ip->l4_len = u32(d->end - off - 8);
			return;
		}
		if (nh == 44) {
			const struct ds_pkt_ext_frag *f = &e->u.frag;

			d->frag_seen = true;
			if (d->jumbo) /* RFC 2675 section 3 */
				ip->anom |= DS_PKT_ANOM_JUMBO;
			if (f->atomic)
				ip->anom |= DS_PKT_ANOM_ATOMIC_FRAG;
			/* 4.5: all fragments but the last carry a multiple
			 * of 8 octets. */
			if (f->more && d->stated_end >= off + 8 &&
			    (d->stated_end - off - 8) % 8 != 0)
				ip->anom |= DS_PKT_ANOM_FRAG_LEN;
			if (f->offset != 0) {
				ip->proto = e->next;
				ip->l4 = DS_PKT_L4_FRAGMENT;
				ip->l4_off = u32(off + 8);
				ip->l4_len = u32(
				    d->end > off + 8 ? d->end - off - 8 : 0);
				return;
			}
			if (f->more)
				first_frag = d->more_frags = true;
		}
		nh = e->next;
		off += len;
	}

	if (ip->err.kind == DS_PKT_ERR_NONE) {
		if (nh == 59) { /* No Next Header, RFC 8200 section 4.7 */
			ip->proto = 59;
			ip->l4 = DS_PKT_L4_NO_NEXT;
			ip->l4_off = u32(off);
			ip->l4_len = u32(off < d->end ? d->end - off : 0);
		} else {
			decode_l4(d, nh, off);
		}
	}

	/*
	 * RFC 7112 section 5: a first fragment holds the whole chain, the
	 * upper-layer header included. Only the chain counts: an ND option
	 * or MLD record continued in the next fragment is message body
	 * (section 2), and that is RFC 6980's business, below. Nor does a
	 * fragment whose own bytes end before its payload length says: that
	 * packet was damaged, not split (DS_PKT_ANOM_LEN_MISMATCH says so).
	 * A quoted invoking packet is cut short on purpose.
	 */
	if (first_frag && !d->inner && d->stated_end <= d->wire &&
	    ip->err.kind == DS_PKT_ERR_TRUNC_PACKET &&
	    chain_layer(ip->err.layer))
		ip->anom |= DS_PKT_ANOM_FRAG_CHAIN;
	/* RFC 6980 section 5: no fragmentation for Neighbor Discovery. */
	if (d->frag_seen && ip->l4 == DS_PKT_L4_ICMP6 && is_nd(ip->u.icmp.type))
		ip->anom |= DS_PKT_ANOM_FRAG_ND;
}

/* --- IP ------------------------------------------------------------------ */

/*
 * RFC 791 section 3.1: one's complement sum of the header, whose len
 * (the IHL times 4, 20 to 60) have() has checked. It is summed a 32-bit
 * word at a time and folded at the end: the carries out of each 16-bit
 * half come back in the fold (RFC 1071 section 2 (C), deferred carries).
 */
static bool
ip4_checksum_ok(const struct dec *d, size_t off, size_t len)
{
	struct ds_cur c = ds_cur_at(d->data, off, off + len);
	const uint8_t *b = ds_cur_fixed(&c, len);
	uint64_t sum = 0;

	if (!b)
		return false;
	for (size_t i = 0; i + 4 <= len; i += 4)
		sum += ds_get_be32(b + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* IPv4 options, RFC 791 section 3.1, in [off, end). */
static bool
decode_ip4_opts(struct dec *d, size_t off, size_t end)
{
	struct ds_pkt_ip *ip = d->ip;
	struct ds_cur c = ds_cur_at(d->data, off, end);

	while (ds_cur_left(&c) > 0) {
		size_t o = c.off;
		uint8_t type, len;
		uint32_t v = 0;

		ds_cur_u8(&c, &type);
		if (type == 0) { /* End of Option List: padding follows */
			opt_add(d, &ip->opts, o, 0, 0, 0, 0);
			break;
		}
		if (type == 1) { /* No Operation */
			opt_add(d, &ip->opts, o, 1, 0, 0, 0);
			continue;
		}
		/* The length counts the type and length octets. */
		if (ds_cur_u8(&c, &len) < 0 || len < 2 ||
		    len - 2u > ds_cur_left(&c))
			return malformed(d, DS_PKT_LAYER_IPV4_OPT,
			    DS_PKT_WHY_OPT_LEN, o, o + 1);
		if (type == 148 && len == 4) { /* Router Alert, RFC 2113 */
			uint16_t ra;

			ds_cur_be16(&c, &ra);
			v = ra;
		}
		ds_cur_skip(&c, o + len - c.off);
		opt_add(d, &ip->opts, o, type, (uint8_t)(len - 2), v, 0);
	}
	return cur_ok(d, &c, DS_PKT_LAYER_IPV4_OPT, off);
}

/* IPv4, RFC 791 section 3.1. */
static void
decode_ip4(struct dec *d, size_t off)
{
	struct ds_pkt_ip *ip = d->ip;
	struct ds_cur c;
	const uint8_t *b;
	uint8_t vihl, tos, ttl, proto;
	uint16_t tot, id, fo, sum;
	uint32_t src, dst;
	size_t hlen;

	if (!have(d, DS_PKT_LAYER_IPV4, off, off + 1))
		return;
	vihl = byte_at(d, off);
	if (vihl >> 4 != 4) {
		malformed(d, DS_PKT_LAYER_IPV4, DS_PKT_WHY_VERSION, off, off);
		return;
	}
	hlen = (size_t)(vihl & 15) * 4;
	if (hlen < 20) {
		malformed(d, DS_PKT_LAYER_IPV4, DS_PKT_WHY_IHL, off, off);
		return;
	}
	if (!have(d, DS_PKT_LAYER_IPV4, off, off + hlen))
		return;
	/* The fixed 20 octets, checked once (have() above). */
	c = ds_cur_at(d->data, off, off + 20);
	b = ds_cur_fixed(&c, 20);
	if (!cur_ok(d, &c, DS_PKT_LAYER_IPV4, off))
		return;
	tos = b[1];
	tot = ds_get_be16(b + 2);
	id = ds_get_be16(b + 4);
	fo = ds_get_be16(b + 6);
	ttl = b[8];
	proto = b[9];
	sum = ds_get_be16(b + 10);
	src = ds_get_be32(b + 12);
	dst = ds_get_be32(b + 16);

	ip->version = 4;
	ip->off = u32(off);
	ip->hdr_len = u32(hlen);
	ip->dscp = tos >> 2; /* RFC 2474 section 3 */
	ip->ecn = tos & 3;   /* RFC 3168 section 5 */
	ip->total_len = tot;
	ip->id = id;
	ip->evil = (fo & 0x8000) != 0;
	ip->df = (fo & 0x4000) != 0;
	ip->mf = (fo & 0x2000) != 0;
	ip->frag_off = (uint16_t)((fo & 0x1fff) * 8);
	ip->hop_limit = ttl;
	ip->next = proto;
	ip->checksum = sum;
	ds_addr_from_v4(src, &ip->src);
	ds_addr_from_v4(dst, &ip->dst);
	optlist_init(d, &ip->opts);
	ip->l4_off = u32(off + hlen);

	if ((src >> 28) == 0xe) /* 224.0.0.0/4 */
		ip->anom |= DS_PKT_ANOM_SRC_MULTICAST;
	if (!ip4_checksum_ok(d, off, hlen))
		ip->anom |= DS_PKT_ANOM_IP4_CHECKSUM;
	if (tot < hlen) {
		malformed(
		    d, DS_PKT_LAYER_IPV4, DS_PKT_WHY_TOTAL_LEN, off, off + 2);
		return;
	}
	set_bounds(d, off, tot);
	d->more_frags = ip->mf;
	if (hlen > 20 && !decode_ip4_opts(d, off + 20, off + hlen))
		return;
	if (ip->frag_off != 0) {
		ip->proto = proto;
		ip->l4 = DS_PKT_L4_FRAGMENT;
		ip->l4_len = u32(d->end > off + hlen ? d->end - off - hlen : 0);
		return;
	}
	decode_l4(d, proto, off + hlen);
}

/* IPv6 fixed header, RFC 8200 section 3. */
static void
decode_ip6(struct dec *d, size_t off)
{
	struct ds_pkt_ip *ip = d->ip;
	struct ds_cur c;
	uint32_t vtf;
	const uint8_t *b;

	if (!have(d, DS_PKT_LAYER_IPV6, off, off + 1))
		return;
	if (byte_at(d, off) >> 4 != 6) {
		malformed(d, DS_PKT_LAYER_IPV6, DS_PKT_WHY_VERSION, off, off);
		return;
	}
	if (!have(d, DS_PKT_LAYER_IPV6, off, off + 40))
		return;
	/* The fixed 40 octets, checked once (have() above). */
	c = ds_cur_at(d->data, off, off + 40);
	b = ds_cur_fixed(&c, 40);
	if (!cur_ok(d, &c, DS_PKT_LAYER_IPV6, off))
		return;
	vtf = ds_get_be32(b);
	ip->payload_len = ds_get_be16(b + 4);
	ip->next = b[6];
	ip->hop_limit = b[7];
	ds_addr_from_v6(b + 8, &ip->src);
	ds_addr_from_v6(b + 24, &ip->dst);

	ip->version = 6;
	ip->off = u32(off);
	ip->hdr_len = 40;
	/* Traffic Class: DSCP in the upper six bits (RFC 2474 section 3),
	 * ECN in the lower two (RFC 3168 section 5). */
	ip->dscp = (uint8_t)(vtf >> 22) & 0x3f;
	ip->ecn = (uint8_t)(vtf >> 20) & 3;
	ip->flow_label = vtf & 0xfffff;
	ip->total_len = 40u + ip->payload_len;
	ip->l4_off = u32(off + 40);
	if (ip->src.u.bytes[0] == 0xff)
		ip->anom |= DS_PKT_ANOM_SRC_MULTICAST;

	/*
	 * Payload Length 0 announces a jumbogram (RFC 2675 section 2) whose
	 * length is in the Hop-by-Hop options; until it is found the frame
	 * bounds the packet. Without payload there is nothing to find.
	 */
	if (ip->payload_len == 0 && ip->next != 59)
		set_bounds(d, off, d->wire > off ? d->wire - off : 40);
	else
		set_bounds(d, off, ip->total_len);
	decode_chain(d, off + 40, ip->next);
	if (ip->payload_len == 0 && ip->next != 59 && !d->jumbo)
		ip->anom |= DS_PKT_ANOM_JUMBO;
}

/* An IP packet at off: version 4 or 6, or 0 for "see the first nibble". */
static void
decode_ip(struct dec *d, size_t off, unsigned version)
{
	if (version == 0) {
		if (!have(d, DS_PKT_LAYER_IP, off, off + 1))
			return;
		version = byte_at(d, off) >> 4;
		if (version != 4 && version != 6) {
			malformed(
			    d, DS_PKT_LAYER_IP, DS_PKT_WHY_VERSION, off, off);
			return;
		}
	}
	if (version == 4)
		decode_ip4(d, off);
	else
		decode_ip6(d, off);
}

/* --- Tunnels ------------------------------------------------------------- */

/* The first 16 bits of a GRE header: C, K and S (RFC 2784 section 2.1,
 * RFC 2890 section 2), bits 1-5 less K and S, which RFC 2784 section 2.3
 * makes a receiver discard the packet for (RFC 1701's routing, strict
 * source route and first recursion bit; bits 6-12 are ignored), and the
 * version. */
#define GRE_C 0x8000u
#define GRE_K 0x2000u
#define GRE_S 0x1000u
#define GRE_RESERVED 0x4c00u
#define GRE_VERSION 0x0007u

/* EtherTypes a GRE tunnel carries that are followed. */
#define ETH_IPV4 0x0800u
#define ETH_IPV6 0x86ddu
#define ETH_TEB 0x6558u /* Transparent Ethernet Bridging, RFC 1701 */

/*
 * The Ethernet frame inside GRE at off: its header, tags skipped; returns
 * the offset of its payload, or 0 when it is cut short.
 */
static size_t
decode_tun_eth(struct dec *d, struct ds_pkt_tun *t, size_t off)
{
	struct ds_cur c;
	uint16_t type;

	if (!have(d, DS_PKT_LAYER_GRE, off, off + 14))
		return 0;
	c = ds_cur_at(d->data, off, off + 14);
	ds_cur_bytes(&c, t->eth_dst.b, 6);
	ds_cur_bytes(&c, t->eth_src.b, 6);
	ds_cur_be16(&c, &type);
	off += 14;
	/* Tags as on the outer link (decode_vlans()); each is 4 octets, so
	 * the walk is bounded by the bytes. */
	while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
		if (!have(d, DS_PKT_LAYER_GRE, off, off + 4))
			return 0;
		c = ds_cur_at(d->data, off + 2, off + 4);
		ds_cur_be16(&c, &type);
		off += 4;
	}
	t->ethertype = type;
	t->flags |= DS_PKT_TUNF_ETH;
	return off;
}

/*
 * GRE at off (RFC 2784 section 2, RFC 2890 section 2). Returns the offset
 * of the payload with *version the IP version it holds (0 when it is not
 * IP), or 0 when the header is cut short or malformed (recorded).
 */
static size_t
decode_gre(struct dec *d, struct ds_pkt_tun *t, size_t off, unsigned *version)
{
	struct ds_cur c;
	uint16_t fl, pt;
	size_t hlen = 4;

	*version = 0;
	if (!have(d, DS_PKT_LAYER_GRE, off, off + 4))
		return 0;
	c = ds_cur_at(d->data, off, off + 4);
	ds_cur_be16(&c, &fl);
	ds_cur_be16(&c, &pt);
	t->gre_flags = fl;
	t->gre_proto = pt;
	/* Version 1 is PPTP's enhanced GRE (RFC 2637 section 4.1), another
	 * layout with PPP inside: shown, not followed. */
	if ((fl & GRE_VERSION) == 1)
		return off + 4;
	if ((fl & GRE_RESERVED) || (fl & GRE_VERSION) != 0) {
		malformed(d, DS_PKT_LAYER_GRE, DS_PKT_WHY_GRE_FLAGS, off, off);
		return 0;
	}
	hlen += fl & GRE_C ? 4 : 0;
	hlen += fl & GRE_K ? 4 : 0;
	hlen += fl & GRE_S ? 4 : 0;
	if (!have(d, DS_PKT_LAYER_GRE, off, off + hlen))
		return 0;
	c = ds_cur_at(d->data, off + 4, off + hlen);
	if (fl & GRE_C) {
		/* Checksum, then Reserved1. */
		ds_cur_be16(&c, &t->gre_checksum);
		ds_cur_skip(&c, 2);
		t->flags |= DS_PKT_TUNF_GRE_CSUM;
	}
	if (fl & GRE_K) {
		ds_cur_be32(&c, &t->gre_key);
		t->flags |= DS_PKT_TUNF_GRE_KEY;
	}
	if (fl & GRE_S) {
		ds_cur_be32(&c, &t->gre_seq);
		t->flags |= DS_PKT_TUNF_GRE_SEQ;
	}
	if (!cur_ok(d, &c, DS_PKT_LAYER_GRE, off))
		return 0;
	off += hlen;
	if (pt == ETH_TEB) {
		off = decode_tun_eth(d, t, off);
		if (off == 0)
			return 0;
		pt = t->ethertype;
		/* An Ethernet frame may carry padding. */
		d->linktype = DS_LINK_EN10MB;
	}
	if (pt == ETH_IPV4)
		*version = 4;
	else if (pt == ETH_IPV6)
		*version = 6;
	return off;
}

/*
 * Does the UDP payload at [off, end) look like Teredo: an authentication
 * header (0x0001), an origin indication (0x0000) or an IPv6 packet (RFC
 * 4380 section 5.1.1)? Other traffic to port 3544 stays UDP.
 */
static bool
teredo_like(const struct dec *d, size_t off, size_t end)
{
	struct ds_cur c = ds_cur_at(d->data, off, end < d->end ? end : d->end);
	uint8_t b0, b1;

	if (ds_cur_u8(&c, &b0) < 0 || ds_cur_u8(&c, &b1) < 0)
		return false;
	return (b0 == 0 && b1 <= 1) || b0 >> 4 == 6;
}

/*
 * The Teredo indicators at off (RFC 4380 section 5.1.1): authentication,
 * then origin indication, each optional. Returns the offset of the IPv6
 * packet, or 0 when an indicator is cut short (recorded).
 */
static size_t
decode_teredo(struct dec *d, struct ds_pkt_tun *t, size_t off)
{
	struct ds_cur c;
	uint8_t b0, b1;

	/* teredo_like() saw the first two octets. */
	b0 = byte_at(d, off);
	b1 = byte_at(d, off + 1);
	if (b0 == 0 && b1 == 1) {
		/* Indicator, ID-len, AU-len, client identifier,
		 * authentication value, nonce (8), confirmation (1). */
		uint8_t idl, aul;
		size_t end;

		if (!have(d, DS_PKT_LAYER_TEREDO, off, off + 4))
			return 0;
		idl = byte_at(d, off + 2);
		aul = byte_at(d, off + 3);
		end = off + 4 + (size_t)idl + aul + 9;
		if (!have(d, DS_PKT_LAYER_TEREDO, off, end))
			return 0;
		c = ds_cur_at(d->data, off + 4 + (size_t)idl + aul, end);
		ds_cur_bytes(&c, t->nonce, 8);
		ds_cur_u8(&c, &t->confirm);
		if (!cur_ok(d, &c, DS_PKT_LAYER_TEREDO, off))
			return 0;
		t->auth_id_len = idl;
		t->auth_len = aul;
		t->auth_off = u32(off + 4 + idl);
		t->flags |= DS_PKT_TUNF_TEREDO_AUTH;
		off = end;
		b0 = b1 = 0xff;
		if (off + 2 <= d->end) {
			b0 = byte_at(d, off);
			b1 = byte_at(d, off + 1);
		}
	}
	if (b0 == 0 && b1 == 0) {
		/* Indicator, port and IPv4 address, every bit inverted. */
		uint16_t port;
		uint32_t a;

		if (!have(d, DS_PKT_LAYER_TEREDO, off, off + 8))
			return 0;
		c = ds_cur_at(d->data, off + 2, off + 8);
		ds_cur_be16(&c, &port);
		ds_cur_be32(&c, &a);
		if (!cur_ok(d, &c, DS_PKT_LAYER_TEREDO, off))
			return 0;
		t->origin_port = (uint16_t)(port ^ 0xffffu);
		ds_addr_from_v4(a ^ 0xffffffffu, &t->origin);
		t->flags |= DS_PKT_TUNF_TEREDO_ORIGIN;
		off += 8;
	}
	return off;
}

/* An ISATAP interface identifier, RFC 5214 section 6.1: 0000:5efe or
 * 0200:5efe (the universal bit), then the IPv4 address. */
static bool
isatap_iid(const struct ds_addr *a, struct ds_addr *ret_v4)
{
	const uint8_t *b = a->u.bytes;
	uint32_t v4;

	if (a->family != AF_INET6 || (b[8] & ~0x02u) != 0 || b[9] != 0 ||
	    b[10] != 0x5e || b[11] != 0xfe)
		return false;
	v4 = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
	    (uint32_t)b[14] << 8 | b[15];
	ds_addr_from_v4(v4, ret_v4);
	return true;
}

/* Record an address embedded in the inner source (or destination) and
 * whether it is the outer one. */
static void
tun_embed(struct ds_pkt_tun *t, bool dst, const struct ds_addr *v4,
    uint16_t port, const struct ds_addr *outer, uint16_t outer_port)
{
	bool match = ds_addr_equal(v4, outer) && port == outer_port;

	if (dst) {
		t->v4_dst = *v4;
		t->port_dst = port;
		t->flags |= DS_PKT_TUNF_DST_EMBEDS;
		t->flags |= match ? DS_PKT_TUNF_DST_MATCH : 0;
	} else {
		t->v4_src = *v4;
		t->port_src = port;
		t->flags |= DS_PKT_TUNF_SRC_EMBEDS;
		t->flags |= match ? DS_PKT_TUNF_SRC_MATCH : 0;
	}
}

/* What the inner packet's addresses say about the tunnel: 6to4, ISATAP,
 * the Teredo client's mapping, a bubble; and the tunnel anomalies. */
static void
tun_facts(struct dec *d, struct ds_pkt_tun *t, const struct ds_pkt_ip *out)
{
	struct ds_pkt_ip *ip = d->ip;
	const struct ds_addr *a[2] = {&ip->src, &ip->dst};
	const struct ds_addr *o[2] = {&out->src, &out->dst};
	struct ds_addr v4;

	if (ip->version == 0)
		return;
	if (t->kind == DS_PKT_TUN_6IN4) {
		for (int i = 0; i < 2; i++)
			if (ds_addr_embedded_v4(a[i], &v4) == DS_EMBED_6TO4) {
				t->kind = DS_PKT_TUN_6TO4;
				tun_embed(t, i, &v4, 0, o[i], 0);
			}
		if (t->kind == DS_PKT_TUN_6IN4)
			for (int i = 0; i < 2; i++)
				if (isatap_iid(a[i], &v4)) {
					t->kind = DS_PKT_TUN_ISATAP;
					tun_embed(t, i, &v4, 0, o[i], 0);
				}
		if (t->kind == DS_PKT_TUN_6TO4 &&
		    (t->flags & DS_PKT_TUNF_SRC_EMBEDS) &&
		    !(t->flags & DS_PKT_TUNF_SRC_MATCH))
			ip->anom |= DS_PKT_ANOM_6TO4_MISMATCH;
	} else if (t->kind == DS_PKT_TUN_TEREDO) {
		uint16_t port[2] = {out->u.udp.sport, out->u.udp.dport};
		struct ds_teredo td;

		for (int i = 0; i < 2; i++)
			if (ds_teredo_decode(a[i], &td) == 0)
				tun_embed(
				    t, i, &td.client, td.port, o[i], port[i]);
		if (ip->version == 6 && ip->next == 59 && ip->payload_len == 0)
			t->flags |= DS_PKT_TUNF_TEREDO_BUBBLE;
	}
	if (ip->l4 == DS_PKT_L4_ICMP6 && is_nd(ip->u.icmp.type) &&
	    ip->hop_limit == 255 &&
	    !(t->kind == DS_PKT_TUN_TEREDO &&
	        (ip->u.icmp.type == 133 || ip->u.icmp.type == 134)))
		ip->anom |= DS_PKT_ANOM_TUN_ND;
}

/*
 * Copy a decoded packet to an outer slot: what ip.n_ext says is there, not
 * the whole ext[] array (most of the struct, mostly unused), so that a
 * tunnel costs a few hundred octets of copying rather than the struct.
 */
_Static_assert(offsetof(struct ds_pkt_ip, id) ==
        offsetof(struct ds_pkt_ip, ext) + sizeof(((struct ds_pkt_ip *)0)->ext),
    "ip_move() copies what is before ext[] and from id on");

static void
ip_move(struct ds_pkt_ip *to, const struct ds_pkt_ip *from)
{
	size_t n = from->n_ext < DS_PKT_MAX_EXT ? from->n_ext : DS_PKT_MAX_EXT;

	memcpy(to, from, offsetof(struct ds_pkt_ip, ext));
	memcpy(to->ext, from->ext, n * sizeof(from->ext[0]));
	memcpy(
	    &to->id, &from->id, sizeof(*to) - offsetof(struct ds_pkt_ip, id));
}

/*
 * Follow the tunnel d->tun_proto found at d->tun_off as the upper layer
 * of p->ip: move p->ip to p->outer[], decode the tunnel's header and the
 * packet inside into p->ip. Returns false when the payload is not a
 * tunnel after all (UDP to port 3544 that is not Teredo).
 */
static bool
tun_push(struct dec *d, uint8_t proto, size_t off)
{
	struct ds_pkt *p = d->p;
	struct ds_pkt_tun *t;
	const struct ds_pkt_ip *out;
	size_t end = d->pkt_end, in_off = off;
	unsigned version = 0;

	if (proto == IPPROTO_UDP) {
		/* The UDP length bounds the payload (RFC 768). */
		size_t ulen = p->ip.u.udp.len;

		if (off + ulen < end)
			end = off + ulen;
		off += 8;
		if (!teredo_like(d, off, end))
			return false;
	}
	if (p->n_tun >= DS_PKT_MAX_TUN) {
		p->ip.anom |= DS_PKT_ANOM_TUN_DEPTH;
		return false;
	}
	t = &p->tun[p->n_tun];
	out = &p->outer[p->n_tun];
	ip_move(&p->outer[p->n_tun], &p->ip);
	p->n_tun++;
	t->flags = 0;
	t->version = 0;
	t->off = u32(off);
	t->len = 0;
	t->port_src = t->port_dst = 0;
	ip_init(&p->ip);
	/* ip.anom is the frame's: every layer's anomalies. */
	p->ip.anom = out->anom;
	d->linktype = DS_LINK_RAW;
	d->wire = d->stated_end = d->pkt_end = end;
	d->end = end < d->cap ? end : d->cap;

	switch (proto) {
	case IPPROTO_IPIP:
		t->kind = out->version == 4 ? DS_PKT_TUN_IPIP : DS_PKT_TUN_4IN6;
		version = 4;
		break;
	case IPPROTO_IPV6:
		t->kind = out->version == 4 ? DS_PKT_TUN_6IN4 : DS_PKT_TUN_6IN6;
		version = 6;
		break;
	case IPPROTO_GRE:
		t->kind = DS_PKT_TUN_GRE;
		in_off = decode_gre(d, t, off, &version);
		break;
	default:
		t->kind = DS_PKT_TUN_TEREDO;
		in_off = decode_teredo(d, t, off);
		version = 6;
		break;
	}
	if (in_off == 0 || version == 0)
		return true;
	t->version = (uint8_t)version;
	t->len = u32(in_off - off);
	d->jumbo = d->jumbo_opt = d->frag_seen = d->more_frags = false;
	d->store = true;
	d->proto = 0;
	d->index = 0;
	decode_ip(d, in_off, version);
	tun_facts(d, t, out);
	return true;
}

/* Does the packet at 'depth' encapsulations carry a Tunnel Encapsulation
 * Limit below it (RFC 2473 section 4.1.1: each entry point decrements
 * it, and one that finds 0 does not encapsulate)? */
static bool
encap_limit_exceeded(
    const struct ds_pkt *p, const struct ds_pkt_ip *ip, unsigned depth)
{
	if (ip->version != 6)
		return false;
	for (unsigned i = 0; i < ip->n_ext && i < DS_PKT_MAX_EXT; i++) {
		const struct ds_pkt_optlist *l = &ip->ext[i].u.opts;

		if (ip->ext[i].type != 60)
			continue;
		for (unsigned k = 0; k < l->n && l->first + k < DS_PKT_MAX_OPT;
		     k++) {
			const struct ds_pkt_opt *o = &p->opt[l->first + k];

			if (o->type == 4 && o->value < depth)
				return true;
		}
	}
	return false;
}

/* Follow tunnels from the packet just decoded, DS_PKT_MAX_TUN deep. */
static void
decode_tunnels(struct dec *d)
{
	struct ds_pkt *p = d->p;

	while (d->tun_proto != 0 && p->ip.err.kind == DS_PKT_ERR_NONE) {
		uint8_t proto = d->tun_proto;

		d->tun_proto = 0;
		if (!tun_push(d, proto, d->tun_off))
			break;
	}
	for (unsigned i = 0; i <= p->n_tun; i++) {
		const struct ds_pkt_ip *ip =
		    i < p->n_tun ? &p->outer[i] : &p->ip;

		if (encap_limit_exceeded(p, ip, i)) {
			p->ip.anom |= DS_PKT_ANOM_ENCAP_LIMIT;
			break;
		}
	}
}

/* --- Link layers --------------------------------------------------------- */

/*
 * 802.1Q / 802.1ad tags from off while 'type' is a tag TPID; returns the
 * offset past them with *type the EtherType after them, or 0 on error.
 */
static size_t
decode_vlans(struct dec *d, size_t off, uint16_t *type)
{
	struct ds_pkt_link *l = &d->p->link;

	/* 0x9100 is the pre-standard QinQ TPID still seen in the field. */
	while (*type == 0x8100 || *type == 0x88a8 || *type == 0x9100) {
		struct ds_cur c;
		uint16_t tci;

		if (!have(d, DS_PKT_LAYER_LINK, off, off + 4))
			return 0;
		c = ds_cur_at(d->data, off, off + 4);
		ds_cur_be16(&c, &tci);
		if (l->n_vlan < DS_PKT_MAX_VLAN) {
			struct ds_pkt_vlan *v = &l->vlan[l->n_vlan++];

			v->off = u32(off - 2);
			v->tpid = *type;
			v->pcp = (uint8_t)(tci >> 13);
			v->dei = (tci & 0x1000) != 0;
			v->vid = tci & 0xfff;
		} else {
			d->p->capped |= DS_PKT_CAPPED_VLAN;
		}
		if (l->vlan_count < UINT16_MAX)
			l->vlan_count++;
		ds_cur_be16(&c, type);
		off += 4;
	}
	return off;
}

/* The loopback family field: AF_INET, or one of the AF_INET6 values. */
static uint16_t
family_ethertype(uint32_t fam)
{
	switch (fam) {
	case 2: /* AF_INET everywhere */
		return 0x0800;
	case 10: /* AF_INET6: Linux */
	case 24: /* NetBSD, OpenBSD, BSD/OS */
	case 28: /* FreeBSD, DragonFly */
	case 30: /* Darwin */
		return 0x86dd;
	default:
		return 0;
	}
}

/*
 * Decode the link-layer header; returns false when decoding stops. On
 * success link.len and link.ethertype are set.
 */
static bool
decode_link(struct dec *d, int linktype)
{
	struct ds_pkt_link *l = &d->p->link;
	struct ds_cur c = ds_cur_at(d->data, 0, 0);
	size_t off = 0;
	uint16_t type = 0;

	l->type = linktype;
	l->len = 0;
	l->ethertype = 0;
	l->n_vlan = 0;
	l->vlan_count = 0;
	l->family = 0;
	switch (linktype) {
	case DS_LINK_EN10MB: /* IEEE 802.3 / Ethernet II */
		if (!have(d, DS_PKT_LAYER_LINK, 0, 14))
			return false;
		c = ds_cur_at(d->data, 0, 14);
		ds_cur_bytes(&c, l->dst.b, 6);
		ds_cur_bytes(&c, l->src.b, 6);
		ds_cur_be16(&c, &type);
		off = decode_vlans(d, 14, &type);
		if (off == 0)
			return false;
		/* Below 0x0600 it is an 802.3 length, not an EtherType. */
		if (type < 0x0600)
			type = 0;
		break;
	case DS_LINK_LINUX_SLL: /* 16 octets, pcap-linktype(7) */
		if (!have(d, DS_PKT_LAYER_LINK, 0, 16))
			return false;
		c = ds_cur_at(d->data, 0, 16);
		ds_cur_be16(&c, &l->sll_pkttype);
		ds_cur_be16(&c, &l->sll_hatype);
		{
			uint16_t halen;

			ds_cur_be16(&c, &halen);
			l->sll_halen = halen > 255 ? 255 : (uint8_t)halen;
		}
		ds_cur_bytes(&c, l->sll_addr, 8);
		ds_cur_be16(&c, &type);
		l->sll_ifindex = 0;
		off = decode_vlans(d, 16, &type);
		if (off == 0)
			return false;
		break;
	case DS_LINK_LINUX_SLL2: /* 20 octets */
		if (!have(d, DS_PKT_LAYER_LINK, 0, 20))
			return false;
		c = ds_cur_at(d->data, 0, 20);
		ds_cur_be16(&c, &type);
		ds_cur_skip(&c, 2);
		ds_cur_be32(&c, &l->sll_ifindex);
		ds_cur_be16(&c, &l->sll_hatype);
		{
			uint8_t pt;

			ds_cur_u8(&c, &pt);
			l->sll_pkttype = pt;
		}
		ds_cur_u8(&c, &l->sll_halen);
		ds_cur_bytes(&c, l->sll_addr, 8);
		off = decode_vlans(d, 20, &type);
		if (off == 0)
			return false;
		break;
	case DS_LINK_NULL:
	case DS_LINK_LOOP: {
		uint8_t b[4];
		uint32_t be, le;

		if (!have(d, DS_PKT_LAYER_LINK, 0, 4))
			return false;
		c = ds_cur_at(d->data, 0, 4);
		ds_cur_bytes(&c, b, 4);
		be = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		    (uint32_t)b[2] << 8 | b[3];
		le = (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 |
		    (uint32_t)b[1] << 8 | b[0];
		/* NULL is in the capturing host's order: a family is a
		 * small number, so the order that gives one is right. */
		if (linktype == DS_LINK_LOOP || (be & 0xffff0000u) == 0)
			l->family = be;
		else
			l->family = le;
		type = family_ethertype(l->family);
		off = 4;
		break;
	}
	case DS_LINK_IPV4:
		type = 0x0800;
		break;
	case DS_LINK_IPV6:
		type = 0x86dd;
		break;
	default: /* raw: the version nibble decides */
		if (!have(d, DS_PKT_LAYER_IP, 0, 1))
			return false;
		switch (byte_at(d, 0) >> 4) {
		case 4:
			type = 0x0800;
			break;
		case 6:
			type = 0x86dd;
			break;
		default:
			return malformed(
			    d, DS_PKT_LAYER_IP, DS_PKT_WHY_VERSION, 0, 0);
		}
		break;
	}
	if (!cur_ok(d, &c, DS_PKT_LAYER_LINK, 0))
		return false;
	l->len = u32(off);
	l->ethertype = type;
	return true;
}

static bool
link_known(int linktype)
{
	switch (linktype) {
	case DS_LINK_NULL:
	case DS_LINK_EN10MB:
	case DS_LINK_RAW:
	case DS_LINK_RAW_OPENBSD:
	case DS_LINK_RAW_LT:
	case DS_LINK_LOOP:
	case DS_LINK_LINUX_SLL:
	case DS_LINK_IPV4:
	case DS_LINK_IPV6:
	case DS_LINK_LINUX_SLL2:
		return true;
	default:
		return false;
	}
}

int
ds_packet_decode(const uint8_t *data, size_t caplen, size_t wirelen,
    int linktype, struct ds_pkt *ret)
{
	struct dec d;

	if (!ret || (!data && caplen > 0) || caplen > UINT32_MAX ||
	    (wirelen != 0 && wirelen < caplen) || wirelen > UINT32_MAX)
		return -EINVAL;
	if (!link_known(linktype))
		return -EPROTONOSUPPORT;
	if (wirelen == 0)
		wirelen = caplen;

	memset(&d, 0, sizeof(d));
	d.data = data;
	d.cap = caplen;
	d.wire = wirelen;
	d.stated_end = wirelen;
	d.pkt_end = wirelen;
	d.end = caplen;
	d.p = ret;
	d.ip = &ret->ip;
	d.linktype = linktype;
	d.store = true;

	ret->caplen = (uint32_t)caplen;
	ret->wirelen = (uint32_t)wirelen;
	ret->has_inner = false;
	ret->capped = 0;
	ret->n_opt = 0;
	ret->n_addr = 0;
	ret->n_tun = 0;
	ip_init(&ret->ip);

	if (!decode_link(&d, linktype))
		return 0;
	switch (ret->link.ethertype) {
	case 0x0800:
		decode_ip(&d, ret->link.len, 4);
		break;
	case 0x86dd:
		decode_ip(&d, ret->link.len, 6);
		break;
	default: /* not IP: the link layer is all there is */
		break;
	}
	if (d.tun_proto != 0)
		decode_tunnels(&d);
	return 0;
}

static void
ip_tuple(const struct ds_pkt_ip *ip, struct ds_tuple *ret)
{
	ret->src.addr = ip->src;
	ret->dst.addr = ip->dst;
	ret->src.port = ret->dst.port = 0;
	if (ip->l4 == DS_PKT_L4_TCP) {
		ret->src.port = ip->u.tcp.sport;
		ret->dst.port = ip->u.tcp.dport;
	} else if (ip->l4 == DS_PKT_L4_UDP) {
		ret->src.port = ip->u.udp.sport;
		ret->dst.port = ip->u.udp.dport;
	}
	ret->protocol = ip->proto;
	ret->family = ip->version == 6 ? DS_FAMILY_V6 : DS_FAMILY_V4;
}

int
ds_packet_tuple(const struct ds_pkt *p, struct ds_tuple *ret)
{
	const struct ds_pkt_ip *ip;

	if (!p || !ret)
		return -EINVAL;
	ip = &p->ip;
	/* A tunnel whose inner packet could not be decoded: its carrier. */
	if (ip->version == 0 && p->n_tun > 0 && p->n_tun <= DS_PKT_MAX_TUN)
		ip = &p->outer[p->n_tun - 1];
	if (ip->version == 0)
		return -ENOENT;
	ip_tuple(ip, ret);
	return 0;
}

int
ds_packet_outer_tuple(const struct ds_pkt *p, struct ds_tuple *ret)
{
	if (!p || !ret)
		return -EINVAL;
	if (p->n_tun == 0)
		return -ENOENT;
	ip_tuple(&p->outer[0], ret);
	return 0;
}

int
ds_packet_dns_name(
    const uint8_t *names, size_t len, size_t *pos, char *buf, size_t size)
{
	char tmp[DS_PKT_NAME_STRLEN];
	struct ds_cur c;
	size_t n = 0, wire = 0;

	if (!pos || (!names && len > 0) || (!buf && size > 0))
		return -EINVAL;
	if (*pos >= len) /* nothing left: as good as the padding */
		return ds__output("", 0, buf, size);
	c = ds_cur_at(names, *pos, len);
	for (;;) {
		uint8_t l;

		/* A name ends with a zero octet. */
		if (ds_cur_u8(&c, &l) < 0)
			return -EBADMSG;
		wire += 1u + l;
		/* RFC 1035 section 2.3.4: 255 octets at most. */
		if (wire > 255)
			return -EBADMSG;
		if (l == 0)
			break;
		/* RFC 1035 section 4.1.4: 11 is a pointer, RFC 6891 made
		 * 01 extended; neither has a place in DNSSL. */
		if (l & 0xc0 || l > ds_cur_left(&c))
			return -EBADMSG;
		if (n > 0)
			tmp[n++] = '.';
		for (unsigned k = 0; k < l; k++) {
			uint8_t ch;

			ds_cur_u8(&c, &ch);
			if (ch > 0x20 && ch < 0x7f && ch != '.' && ch != '\\') {
				tmp[n++] = (char)ch;
			} else {
				/* RFC 4343 section 2.1: \DDD */
				tmp[n++] = '\\';
				tmp[n++] = (char)('0' + ch / 100);
				tmp[n++] = (char)('0' + ch / 10 % 10);
				tmp[n++] = (char)('0' + ch % 10);
			}
		}
	}
	*pos = c.off;
	return ds__output(tmp, n, buf, size);
}

/* --- Signatures and statistics ------------------------------------------- */

/*
 * A signature being written into DS_PKT_SIG_STRLEN octets at p: the
 * caller's buffer when it is that large (statistics, dissect's NDJSON),
 * else tmp, copied out at the end. The tokens are short enough that it
 * never fills (packet.h says why); sig_put() cuts all the same.
 */
struct sig {
	char *p;
	size_t len;
	char tmp[DS_PKT_SIG_STRLEN];
};

static void
sig_put(struct sig *b, const char *s, size_t n)
{
	if (n > DS_PKT_SIG_STRLEN - 1 - b->len)
		n = DS_PKT_SIG_STRLEN - 1 - b->len;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* The end: the signature's length, with buf written as snprintf would. */
static int
sig_end(struct sig *b, char *buf, size_t size)
{
	if (b->p == buf) {
		buf[b->len] = '\0';
		return (int)b->len;
	}
	return ds__output(b->tmp, b->len, buf, size);
}

/* A NUL-terminated string: tokens are a few octets, so a loop is cheaper
 * than strlen() and memcpy(). */
static void
sig_str(struct sig *b, const char *s)
{
	while (*s && b->len < DS_PKT_SIG_STRLEN - 1)
		b->p[b->len++] = *s++;
}

/* A token after a blank, or prefix and the number when there is none. */
static void
sig_tok(
    struct sig *b, bool blank, const char *tok, const char *prefix, unsigned v)
{
	char num[12], *q = num + sizeof(num);

	if (blank)
		sig_put(b, " ", 1);
	if (tok) {
		sig_str(b, tok);
		return;
	}
	sig_str(b, prefix);
	do {
		*--q = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sig_put(b, q, (size_t)(num + sizeof(num) - q));
}

int
ds_packet_signature(const struct ds_pkt *p, char *buf, size_t size)
{
	const struct ds_pkt_ip *ip;
	struct sig b;

	if (!p || (!buf && size > 0))
		return -EINVAL;
	ip = &p->ip;
	b.p = size >= DS_PKT_SIG_STRLEN ? buf : b.tmp;
	b.len = 0;
	/* Each outer packet as its version and the tunnel's kind. */
	for (unsigned i = 0; i < p->n_tun && i < DS_PKT_MAX_TUN; i++) {
		if (i > 0)
			sig_put(&b, " ", 1);
		sig_put(&b, p->outer[i].version == 6 ? "ipv6" : "ipv4", 4);
		if (p->tun[i].kind == DS_PKT_TUN_TEREDO)
			sig_put(&b, " udp", 4);
		sig_tok(&b, true, ds_packet_tun_token(p->tun[i].kind), "tun",
		    p->tun[i].kind);
	}
	if (p->n_tun > 0) {
		if (!ip->version)
			return sig_end(&b, buf, size);
		sig_put(&b, " ", 1);
	}
	if (!ip->version) {
		if (p->link.ethertype)
			sig_tok(&b, false,
			    ds_packet_ethertype_token(p->link.ethertype),
			    "ethertype-", p->link.ethertype);
		else
			sig_put(&b, "link", 4);
		return sig_end(&b, buf, size);
	}
	sig_put(&b, ip->version == 6 ? "ipv6" : "ipv4", 4);
	if (ip->version == 4 && (ip->mf || ip->frag_off))
		sig_put(&b, " frag", 5);
	for (unsigned i = 0; i < ip->n_ext && i < DS_PKT_MAX_EXT; i++)
		sig_tok(&b, true, ds_packet_ext_token(ip->ext[i].type), "proto",
		    ip->ext[i].type);
	if (ip->ext_count > ip->n_ext)
		sig_put(&b, " ...", 4);
	switch (ip->l4) {
	case DS_PKT_L4_TCP:
	case DS_PKT_L4_UDP:
	case DS_PKT_L4_ICMP6:
	case DS_PKT_L4_ICMP4:
	case DS_PKT_L4_FRAGMENT:
	case DS_PKT_L4_NO_NEXT:
		sig_tok(&b, true, ds_packet_l4_token(ip->l4), "", 0);
		break;
	case DS_PKT_L4_OTHER:
		sig_tok(&b, true, ds_packet_proto_token(ip->proto), "proto",
		    ip->proto);
		break;
	default: /* NONE: an error stopped it; ENCRYPTED: ESP said it */
		break;
	}
	return sig_end(&b, buf, size);
}

void
ds_packet_stats_init(struct ds_packet_stats *st)
{
	if (st)
		memset(st, 0, sizeof(*st));
}

/* Count a frame in its link type's row, while there are rows. */
static void
stats_frame(
    struct ds_packet_stats *st, int linktype, uint64_t caplen, uint64_t wire)
{
	unsigned i;

	st->packets++;
	st->bytes += caplen;
	st->wire_bytes += wire;
	for (i = 0; i < st->n_link; i++)
		if (st->link[i].linktype == linktype)
			break;
	if (i == st->n_link && i < DS_PKT_STATS_MAX_LINKS) {
		st->link[i].linktype = linktype;
		st->link[i].packets = 0;
		st->n_link++;
	}
	if (i < st->n_link)
		st->link[i].packets++;
}

/* FNV-1a: a few dozen octets per frame; distribution is all that counts. */
static uint32_t
sig_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

#define N_SLOTS (2 * DS_PKT_STATS_MAX_CHAINS)

static void
stats_chain(struct ds_packet_stats *st, const char *sig, size_t n)
{
	uint32_t h = sig_hash(sig, n);

	for (uint32_t i = 0; i < N_SLOTS; i++) {
		struct ds_packet_stats_chain *s = &st->chain[(h + i) % N_SLOTS];

		if (s->packets == 0) {
			if (st->n_chain >= DS_PKT_STATS_MAX_CHAINS) {
				st->chain_other++;
				return;
			}
			st->n_chain++;
			s->hash = h;
			memcpy(s->sig, sig, n + 1);
			s->packets = 1;
			return;
		}
		if (s->hash == h && strcmp(s->sig, sig) == 0) {
			s->packets++;
			return;
		}
	}
	st->chain_other++;
}

void
ds_packet_stats_add(struct ds_packet_stats *st, const struct ds_pkt *p)
{
	const struct ds_pkt_ip *ip;
	char sig[DS_PKT_SIG_STRLEN];
	int n;

	if (!st || !p)
		return;
	ip = &p->ip;
	stats_frame(st, p->link.type, p->caplen, p->wirelen);
	n = ds_packet_signature(p, sig, sizeof(sig));
	if (n >= 0 && (size_t)n < sizeof(sig))
		stats_chain(st, sig, (size_t)n);
	if (!ip->version && p->n_tun == 0)
		st->non_ip++;
	for (unsigned i = 0; i < p->n_tun && i < DS_PKT_MAX_TUN; i++) {
		const struct ds_pkt_tun *t = &p->tun[i];

		if (t->kind < DS_PKT_TUN_KINDS)
			st->tunnel[t->kind][t->version == 4 ? 1
			        : t->version == 6           ? 2
			                                    : 0]++;
	}
	if (p->n_tun > 0)
		st->tunnelled++;
	if (ip->l4 == DS_PKT_L4_ICMP6)
		st->icmp6[ip->u.icmp.type][ip->u.icmp.code]++;
	else if (ip->l4 == DS_PKT_L4_ICMP4)
		st->icmp4[ip->u.icmp.type][ip->u.icmp.code]++;
	for (uint32_t a = ip->anom; a; a &= a - 1)
		st->anomaly[__builtin_ctz(a)]++;
	if (ip->anom)
		st->anomalous++;
	switch (ip->err.kind) {
	case DS_PKT_ERR_TRUNC_CAPTURE:
		st->truncated++;
		break;
	case DS_PKT_ERR_TRUNC_PACKET:
		st->short_packet++;
		break;
	case DS_PKT_ERR_MALFORMED:
		st->malformed++;
		break;
	default:
		break;
	}
	if (p->capped)
		st->capped++;
}

void
ds_packet_stats_add_undecoded(
    struct ds_packet_stats *st, int linktype, uint64_t caplen, uint64_t wirelen)
{
	if (!st)
		return;
	stats_frame(st, linktype, caplen, wirelen);
	st->undecoded++;
}

static int
cmp_chain(const void *a, const void *b)
{
	const struct ds_packet_stats_chain *x =
	    *(const struct ds_packet_stats_chain *const *)a;
	const struct ds_packet_stats_chain *y =
	    *(const struct ds_packet_stats_chain *const *)b;

	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	return strcmp(x->sig, y->sig);
}

size_t
ds_packet_stats_chains(const struct ds_packet_stats *st,
    const struct ds_packet_stats_chain **ret, size_t n)
{
	const struct ds_packet_stats_chain *all[DS_PKT_STATS_MAX_CHAINS];
	size_t k = 0;

	if (!st)
		return 0;
	for (size_t i = 0; i < N_SLOTS && k < DS_PKT_STATS_MAX_CHAINS; i++)
		if (st->chain[i].packets)
			all[k++] = &st->chain[i];
	qsort(all, k, sizeof(all[0]), cmp_chain);
	for (size_t i = 0; i < k && i < n && ret; i++)
		ret[i] = all[i];
	return k;
}
