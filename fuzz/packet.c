/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the packet decoder, ds_packet_decode().
 *
 * Input layout: byte 0 picks the link type (an index into link_types[]),
 * byte 1 is how many octets the frame had on the wire beyond the capture
 * (0 means "all captured"), the rest is the captured frame. The seed
 * corpus in fuzz/corpus/packet/ uses that layout.
 *
 * Besides "no crash, no undefined behaviour, no read past the input", the
 * properties checked are the header's promises (include/dualstack/
 * packet.h):
 *
 * - the call returns 0 for any bytes;
 * - everything reported as decoded lies inside the capture: link header,
 *   IP header, each stored extension header, option, address list, ND
 *   option, MLD record, the upper-layer header;
 * - counts respect their caps, and pool indexes stay inside the pools;
 * - a truncation by the capture ends past caplen; offsets never go back;
 * - the result does not depend on what the struct held before (decoding
 *   into two differently poisoned structs gives the same answers), which
 *   catches reads of fields the decoder forgot to set;
 * - capturing less of a frame that decodes cleanly can only produce a
 *   truncation by the capture, never a malformation or a packet
 *   truncation;
 * - the 5-tuple exists exactly when an IP header was decoded;
 * - the chain signature fits DS_PKT_SIG_STRLEN and is made of token
 *   characters and blanks; the statistics count every frame, the chains
 *   stay within their cap and come out in order;
 * - every value of the module's own enums that the decoder gives has a
 *   token, every token function accepts every value it can be given, and
 *   the DNSSL name reader walks any option data to its end.
 *
 * A violation prints what went wrong and abort()s, which libFuzzer and
 * fuzz/replay.c report as a crash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dualstack/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int link_types[] = {
    DS_LINK_EN10MB,
    DS_LINK_RAW,
    DS_LINK_LINUX_SLL,
    DS_LINK_LINUX_SLL2,
    DS_LINK_NULL,
    DS_LINK_LOOP,
    DS_LINK_IPV4,
    DS_LINK_IPV6,
};
#define N_LINK (sizeof(link_types) / sizeof(link_types[0]))

static void
die(const char *what, int line)
{
	fprintf(stderr, "packet.c:%d: check failed: %s\n", line, what);
	abort();
}

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			die(#cond, __LINE__);                                  \
	} while (0)

/* [off, off + len) lies inside the capture. */
static bool
inside(const struct ds_pkt *p, uint64_t off, uint64_t len)
{
	return off <= p->caplen && len <= p->caplen - off;
}

/*
 * Every value of the module's own enums that the decoder gives has its
 * token (packet.h, "Tokens"); the registry lookups take any number.
 */
static void
check_tokens(const struct ds_pkt_ip *ip)
{
	volatile const char *s;

	if (ip->version != 0) {
		s = ds_packet_proto_token(ip->proto);
		s = ds_packet_proto_token(ip->next);
		s = ds_packet_dscp_token(ip->dscp);
		CHECK(ds_packet_ecn_token(ip->ecn) != NULL);
	}
	CHECK(ds_packet_l4_token(ip->l4) != NULL);
	CHECK(ds_packet_err_kind_token(ip->err.kind) != NULL);
	if (ip->err.kind != DS_PKT_ERR_NONE) {
		CHECK(ds_packet_layer_token(ip->err.layer) != NULL);
		CHECK(ds_packet_why_token(ip->err.why) != NULL);
	}
	for (unsigned b = 0; b < 32; b++)
		if (ip->anom & (1u << b))
			CHECK(ds_packet_anomaly_token(1u << b) != NULL);
	(void)s;
}

static void
check_optlist(const struct ds_pkt *p, const struct ds_pkt_optlist *l)
{
	CHECK(l->n <= DS_PKT_MAX_OPT_PER_HDR);
	CHECK(l->n <= l->count);
	CHECK((size_t)l->first + l->n <= p->n_opt);
	for (unsigned i = 0; i < l->n; i++) {
		const struct ds_pkt_opt *o = &p->opt[l->first + i];

		CHECK(inside(p, o->off, o->len == 0 ? 1 : o->len + 2u));
		if (i > 0)
			CHECK(o->off > p->opt[l->first + i - 1].off);
	}
}

static void
check_addrs(const struct ds_pkt *p, unsigned first, unsigned n)
{
	CHECK(first + n <= p->n_addr);
	for (unsigned i = 0; i < n; i++)
		CHECK(p->addr[first + i].family == AF_INET6);
}

static void
check_ip(const struct ds_pkt *p, const struct ds_pkt_ip *ip)
{
	const struct ds_pkt_err *e = &ip->err;
	uint32_t prev = 0;

	CHECK(e->kind <= DS_PKT_ERR_MALFORMED);
	if (e->kind == DS_PKT_ERR_TRUNC_CAPTURE)
		CHECK(e->end > p->caplen);
	if (e->kind == DS_PKT_ERR_TRUNC_CAPTURE ||
	    e->kind == DS_PKT_ERR_TRUNC_PACKET)
		CHECK(e->why == DS_PKT_WHY_SHORT && e->end > e->off);
	check_tokens(ip);
	if (ip->version == 0) {
		CHECK(ip->n_ext == 0 && ip->l4 == DS_PKT_L4_NONE);
		return;
	}
	CHECK(ip->version == 4 || ip->version == 6);
	CHECK(inside(p, ip->off, ip->hdr_len));
	CHECK(ip->dscp < 64 && ip->ecn < 4);
	CHECK(ip->src.family == (ip->version == 4 ? AF_INET : AF_INET6));
	if (ip->version == 4) {
		CHECK(ip->hdr_len >= 20 && ip->hdr_len <= 60);
		CHECK(ip->n_ext == 0);
		if (e->kind != DS_PKT_ERR_MALFORMED ||
		    e->layer != DS_PKT_LAYER_IPV4)
			check_optlist(p, &ip->opts);
	} else {
		CHECK(ip->hdr_len == 40 && ip->flow_label < (1u << 20));
	}
	CHECK(ip->n_ext <= DS_PKT_MAX_EXT && ip->n_ext <= ip->ext_count);
	CHECK(ip->ext_count <= DS_PKT_MAX_EXT ? ip->n_ext == ip->ext_count
	                                      : ip->n_ext == DS_PKT_MAX_EXT);
	if (ip->ext_count > DS_PKT_MAX_EXT)
		CHECK(ip->anom & DS_PKT_ANOM_CHAIN_TOO_DEEP);
	prev = ip->off + ip->hdr_len;
	for (unsigned i = 0; i < ip->n_ext; i++) {
		const struct ds_pkt_ext *x = &ip->ext[i];

		CHECK(ds_packet_is_ext(x->type));
		CHECK(x->off == prev);
		CHECK(inside(p, x->off, x->len));
		CHECK(x->type == 50 || x->len >= 8);
		switch (x->type) {
		case 0:
		case 60:
			check_optlist(p, &x->u.opts);
			break;
		case 43:
			CHECK(x->u.rt.n_addr <= x->u.rt.addr_count);
			check_addrs(p, x->u.rt.addr_first, x->u.rt.n_addr);
			if (x->u.rt.type == 4)
				CHECK(x->u.rt.tlv_off + x->u.rt.tlv_len ==
				    x->off + x->len);
			break;
		case 44:
			CHECK(x->len == 8 && x->u.frag.offset % 8 == 0);
			CHECK(x->u.frag.atomic ==
			    (x->u.frag.offset == 0 && !x->u.frag.more));
			break;
		case 51:
			CHECK(x->len == (x->len_field + 2u) * 4);
			CHECK(x->u.ah.icv_off + x->u.ah.icv_len ==
			    x->off + x->len);
			break;
		default:
			break;
		}
		prev = x->off + x->len;
	}
	switch (ip->l4) {
	case DS_PKT_L4_NONE:
		break;
	case DS_PKT_L4_TCP:
		CHECK(ip->proto == 6);
		CHECK(inside(p, ip->l4_off, 20));
		if (ip->u.tcp.doff >= 20 &&
		    (e->kind == DS_PKT_ERR_NONE ||
		        e->layer == DS_PKT_LAYER_TCP_OPT))
			check_optlist(p, &ip->u.tcp.opts);
		break;
	case DS_PKT_L4_UDP:
		CHECK(ip->proto == 17 && inside(p, ip->l4_off, 8));
		break;
	case DS_PKT_L4_ICMP6:
		CHECK(ip->version == 6 && ip->proto == 58);
		CHECK(inside(p, ip->l4_off, 8));
		(void)ds_packet_icmp6_type_token(ip->u.icmp.type);
		(void)ds_packet_icmp6_code_token(
		    ip->u.icmp.type, ip->u.icmp.code);
		break;
	case DS_PKT_L4_ICMP4:
		CHECK(ip->version == 4 && ip->proto == 1);
		CHECK(inside(p, ip->l4_off, 8));
		(void)ds_packet_icmp4_type_token(ip->u.icmp.type);
		break;
	case DS_PKT_L4_ENCRYPTED:
		CHECK(ip->proto == 50);
		break;
	case DS_PKT_L4_NO_NEXT:
		CHECK(ip->proto == 59);
		break;
	case DS_PKT_L4_FRAGMENT:
	case DS_PKT_L4_OTHER:
		break;
	default:
		CHECK(!"unknown l4");
	}
	if (ip->l4 == DS_PKT_L4_ENCRYPTED) {
		/* ESP's len runs to the end; the ciphertext follows SPI
		 * and sequence number. */
		CHECK(ip->n_ext == 0 || ip->ext[ip->n_ext - 1].type != 50 ||
		    ip->l4_off == ip->ext[ip->n_ext - 1].off + 8);
		CHECK(inside(p, ip->l4_off, ip->l4_len));
	} else if (ip->l4 != DS_PKT_L4_NONE) {
		CHECK(ip->l4_off >= prev);
		CHECK(inside(p, ip->l4_off, ip->l4_len));
	}
}

static void
check_dnssl(const uint8_t *data, const struct ds_pkt_ndopt *o)
{
	char name[DS_PKT_NAME_STRLEN];
	size_t pos = 0, last = 0;
	int r;

	for (;;) {
		r = ds_packet_dns_name(data + o->u.dnssl.names_off,
		    o->u.dnssl.names_len, &pos, name, sizeof(name));
		if (r <= 0)
			break;
		CHECK((size_t)r < sizeof(name) && strlen(name) == (size_t)r);
		CHECK(pos > last && pos <= o->u.dnssl.names_len);
		last = pos;
	}
	CHECK(r == 0 || r == -EBADMSG);
}

static void
check_icmp6(const uint8_t *data, const struct ds_pkt *p)
{
	const struct ds_pkt_icmp6 *x = &p->icmp6;

	if (p->ip.l4 != DS_PKT_L4_ICMP6)
		return;
	switch (p->ip.u.icmp.type) {
	case 133:
	case 134:
	case 135:
	case 136:
	case 137:
		CHECK(x->n_ndopt <= DS_PKT_MAX_NDOPT);
		CHECK(x->n_ndopt <= x->ndopt_count);
		for (unsigned i = 0; i < x->n_ndopt; i++) {
			const struct ds_pkt_ndopt *o = &p->u.nd_opt[i];

			CHECK(o->len > 0 && inside(p, o->off, o->len * 8u));
			(void)ds_packet_ndopt_token(o->type);
			if (o->type == 25)
				check_addrs(p, o->u.rdnss.addr_first,
				    o->u.rdnss.n_addr);
			if (o->type == 31) {
				CHECK(inside(p, o->u.dnssl.names_off,
				    o->u.dnssl.names_len));
				check_dnssl(data, o);
			}
		}
		break;
	case 130:
		if (x->mldv2)
			check_addrs(p, x->src_first, x->n_src);
		break;
	case 143:
		CHECK(x->n_mldrec <= DS_PKT_MAX_MLDREC);
		for (unsigned i = 0; i < x->n_mldrec; i++) {
			const struct ds_pkt_mldrec *r = &p->u.mld_rec[i];

			CHECK(inside(
			    p, r->off, 20 + 16u * r->nsrc + 4u * r->aux_len));
			check_addrs(p, r->src_first, r->n_src);
			(void)ds_packet_mldrec_token(r->type);
		}
		break;
	default:
		break;
	}
}

static void
check_pkt(const uint8_t *data, const struct ds_pkt *p)
{
	const struct ds_pkt_link *l = &p->link;
	struct ds_tuple t;

	CHECK(p->n_opt <= DS_PKT_MAX_OPT && p->n_addr <= DS_PKT_MAX_ADDR);
	CHECK(inside(p, 0, l->len));
	CHECK(l->n_vlan <= DS_PKT_MAX_VLAN && l->n_vlan <= l->vlan_count);
	CHECK(ds_packet_link_token(l->type) != NULL);
	(void)ds_packet_ethertype_token(l->ethertype);
	for (unsigned b = 0; b < 32; b++)
		if (p->capped & (1u << b))
			CHECK(ds_packet_capped_token(1u << b) != NULL);
	CHECK(p->n_tun <= DS_PKT_MAX_TUN);
	for (unsigned i = 0; i < p->n_tun; i++) {
		const struct ds_pkt_tun *tn = &p->tun[i];
		const struct ds_pkt_ip *o = &p->outer[i];
		const struct ds_pkt_ip *in =
		    i + 1 < p->n_tun ? &p->outer[i + 1] : &p->ip;

		check_ip(p, o);
		CHECK(o->version != 0 && o->err.kind == DS_PKT_ERR_NONE);
		CHECK(o->off ==
		    (i == 0 ? l->len : p->tun[i - 1].off + p->tun[i - 1].len));
		CHECK(ds_packet_tun_token(tn->kind) != NULL);
		CHECK(tn->kind != DS_PKT_TUN_NONE);
		CHECK(tn->off >= o->l4_off);
		if (tn->version != 0 && in->version != 0) {
			CHECK(in->version == tn->version);
			CHECK(in->off == tn->off + tn->len);
		}
		/* Every layer's anomalies are the frame's. */
		CHECK((p->ip.anom & o->anom) == o->anom);
	}
	if (p->ip.version != 0 && p->n_tun == 0)
		CHECK(p->ip.off == l->len);
	check_ip(p, &p->ip);
	check_icmp6(data, p);
	if (p->has_inner) {
		CHECK(
		    p->ip.l4 == DS_PKT_L4_ICMP6 || p->ip.l4 == DS_PKT_L4_ICMP4);
		CHECK(!(p->inner.anom & DS_PKT_ANOM_LEN_MISMATCH));
		check_ip(p, &p->inner);
		if (p->inner.version != 0)
			CHECK(p->inner.off > p->ip.l4_off);
	}
	CHECK((ds_packet_tuple(p, &t) == 0) ==
	    (p->ip.version != 0 || p->n_tun > 0));
	CHECK((ds_packet_outer_tuple(p, &t) == 0) == (p->n_tun > 0));
}

/* The signature, and the frame counted in statistics kept across runs
 * (so that the chain cap is reached as the fuzzer goes). */
static void
check_summary(const struct ds_pkt *p)
{
	static struct ds_packet_stats st;
	static const struct ds_packet_stats_chain *v[DS_PKT_STATS_MAX_CHAINS];
	char sig[DS_PKT_SIG_STRLEN];
	uint64_t before = st.packets;
	size_t n;
	int len;

	len = ds_packet_signature(p, sig, sizeof(sig));
	CHECK(len > 0 && (size_t)len < sizeof(sig));
	CHECK(strlen(sig) == (size_t)len);
	CHECK(strspn(sig, "abcdefghijklmnopqrstuvwxyz0123456789-._+ ") ==
	    (size_t)len);
	CHECK(ds_packet_signature(p, NULL, 0) == len);

	ds_packet_stats_add(&st, p);
	CHECK(st.packets == before + 1);
	CHECK(st.n_chain <= DS_PKT_STATS_MAX_CHAINS);
	CHECK(st.n_link <= DS_PKT_STATS_MAX_LINKS);
	if (st.packets % 4096 == 0) {
		n = ds_packet_stats_chains(&st, v, DS_PKT_STATS_MAX_CHAINS);
		CHECK(n == st.n_chain);
		for (size_t i = 1; i < n; i++)
			CHECK(v[i - 1]->packets >= v[i]->packets);
	}
}

/* The fields a caller reads first must not depend on stale contents. */
static void
check_same(const struct ds_pkt *a, const struct ds_pkt *b)
{
	const struct ds_pkt_ip *x = &a->ip, *y = &b->ip;

	CHECK(a->link.len == b->link.len);
	CHECK(a->link.ethertype == b->link.ethertype);
	CHECK(x->version == y->version);
	CHECK(x->err.kind == y->err.kind);
	if (x->err.kind != DS_PKT_ERR_NONE)
		CHECK(x->err.layer == y->err.layer &&
		    x->err.why == y->err.why && x->err.proto == y->err.proto &&
		    x->err.index == y->err.index && x->err.off == y->err.off &&
		    x->err.end == y->err.end);
	CHECK(x->anom == y->anom);
	CHECK(x->n_ext == y->n_ext && x->ext_count == y->ext_count);
	CHECK(x->l4 == y->l4 && x->proto == y->proto);
	CHECK(a->has_inner == b->has_inner);
	CHECK(a->n_opt == b->n_opt && a->n_addr == b->n_addr);
	CHECK(a->capped == b->capped);
	CHECK(a->n_tun == b->n_tun);
	for (unsigned i = 0; i < a->n_tun; i++)
		CHECK(a->tun[i].kind == b->tun[i].kind &&
		    a->tun[i].flags == b->tun[i].flags &&
		    a->tun[i].off == b->tun[i].off &&
		    a->tun[i].len == b->tun[i].len &&
		    a->outer[i].anom == b->outer[i].anom);
	if (a->n_addr)
		CHECK(memcmp(a->addr, b->addr,
		          a->n_addr * sizeof(a->addr[0])) == 0);
	if (x->l4 == DS_PKT_L4_TCP)
		CHECK(x->u.tcp.sport == y->u.tcp.sport &&
		    x->u.tcp.opts.n == y->u.tcp.opts.n &&
		    x->u.tcp.mss == y->u.tcp.mss);
	if (a->has_inner) {
		CHECK(a->inner.version == b->inner.version);
		CHECK(a->inner.err.kind == b->inner.err.kind);
		CHECK(a->inner.anom == b->inner.anom);
		CHECK(a->inner.l4 == b->inner.l4);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ds_pkt a, b, c;
	const uint8_t *frame;
	size_t caplen, wirelen;
	int linktype;

	if (size < 2)
		return 0;
	linktype = link_types[data[0] % N_LINK];
	frame = data + 2;
	caplen = size - 2;
	wirelen = data[1] ? caplen + data[1] : 0;

	memset(&a, 0xa5, sizeof(a));
	memset(&b, 0x5a, sizeof(b));
	CHECK(ds_packet_decode(frame, caplen, wirelen, linktype, &a) == 0);
	CHECK(ds_packet_decode(frame, caplen, wirelen, linktype, &b) == 0);
	check_pkt(frame, &a);
	check_same(&a, &b);
	check_summary(&a);

	/* Capture only half of a frame that decodes without error. */
	if (a.ip.err.kind == DS_PKT_ERR_NONE && caplen > 0) {
		size_t half = caplen / 2;

		memset(&c, 0x3c, sizeof(c));
		CHECK(ds_packet_decode(frame, half, a.wirelen, linktype, &c) ==
		    0);
		check_pkt(frame, &c);
		CHECK(c.ip.err.kind == DS_PKT_ERR_NONE ||
		    c.ip.err.kind == DS_PKT_ERR_TRUNC_CAPTURE);
	}

	/* The argument checks. */
	CHECK(ds_packet_decode(frame, caplen, wirelen, linktype, NULL) ==
	    -EINVAL);
	if (caplen > 1)
		CHECK(ds_packet_decode(
		          frame, caplen, caplen - 1, linktype, &c) == -EINVAL);
	CHECK(ds_packet_decode(frame, caplen, wirelen, 9999, &c) ==
	    -EPROTONOSUPPORT);
	return 0;
}
