/* SPDX-License-Identifier: MIT */
/*
 * dualstack dissect: one line per packet, and the tokens the line shares
 * with the field tree, NDJSON and the summary. This is the hot path: a
 * line is built in the output buffer by hand, without printf.
 */
#include <stdio.h>
#include <string.h>

#include "cli-packet.h"
#include "cmd-dissect-int.h"

/* --- Tokens the outputs share --------------------------------------------- */

const char *
dissect_anom_token(unsigned bit, char buf[DISSECT_TOKEN_MAX])
{
	const char *s = bit < 32 ? ds_packet_anomaly_token(1u << bit) : NULL;

	if (s)
		return s;
	snprintf(buf, DISSECT_TOKEN_MAX, "anomaly-bit%u", bit);
	return buf;
}

const char *
dissect_layer_token(const struct ds_pkt_err *e, char buf[DISSECT_TOKEN_MAX])
{
	const char *s;

	switch (e->layer) {
	case DS_PKT_LAYER_EXT:
	case DS_PKT_LAYER_EXT_OPT:
		s = ds_packet_ext_token(e->proto);
		if (s)
			snprintf(buf, DISSECT_TOKEN_MAX, "%s%s", s,
			    e->layer == DS_PKT_LAYER_EXT_OPT ? "-opt" : "");
		else
			snprintf(buf, DISSECT_TOKEN_MAX, "proto%u%s", e->proto,
			    e->layer == DS_PKT_LAYER_EXT_OPT ? "-opt" : "");
		return buf;
	case DS_PKT_LAYER_NONE:
	case DS_PKT_LAYER_IP:
		return "packet";
	default:
		s = ds_packet_layer_token(e->layer);
		return s ? s : "packet";
	}
}

/* An extension header in a chain: "hbh", or "proto253". */
static void
out_ext_token(struct cli_out *o, unsigned proto)
{
	out_token(o, ds_packet_ext_token(proto), "proto", proto);
}

/* --- One line per packet -------------------------------------------------- */

/* The frame's bytes, for what the decoder leaves in place (DNSSL names). */
struct frame {
	const uint8_t *data;
	uint32_t caplen;
};

/* A Hop-by-Hop or Destination option in a line (padding is left out). */
static void
out_opt_short(struct cli_out *o, const struct ds_pkt_opt *op)
{
	switch (op->type) {
	case 0x05: /* Router Alert, RFC 2711: 0 is MLD */
		cli_out_str(o, "RA");
		if (op->value) {
			out_c(o, '=');
			cli_out_u64(o, op->value);
		}
		break;
	case 0xc2: /* Jumbo Payload, RFC 2675 */
		cli_out_str(o, "jumbo=");
		cli_out_u64(o, op->value);
		break;
	case 0x04: /* Tunnel Encapsulation Limit, RFC 2473 */
		cli_out_str(o, "tel=");
		cli_out_u64(o, op->value);
		break;
	case 0xc9: /* Home Address, RFC 6275 */
		cli_out_str(o, "hoa");
		break;
	default:
		cli_out_str(o, "opt=");
		out_hex(o, op->type, 2);
		break;
	}
}

static void
line_opts(
    struct cli_out *o, const struct ds_pkt *p, const struct ds_pkt_optlist *l)
{
	bool open = false;

	for (unsigned i = 0; i < l->n && l->first + i < DS_PKT_MAX_OPT; i++) {
		const struct ds_pkt_opt *op = &p->opt[l->first + i];

		if (op->type <= 1) /* Pad1, PadN */
			continue;
		out_c(o, open ? ',' : '(');
		open = true;
		out_opt_short(o, op);
	}
	if (l->count > l->n) {
		cli_out_str(o, open ? ",..." : "(...");
		open = true;
	}
	if (open)
		out_c(o, ')');
}

static inline void
line_ext(struct cli_out *o, const struct ds_pkt *p, const struct ds_pkt_ext *e)
{
	out_c(o, ' ');
	out_ext_token(o, e->type);
	switch (e->type) {
	case 0:
	case 60:
		line_opts(o, p, &e->u.opts);
		break;
	case 43:
		cli_out_str(o, "(type=");
		cli_out_u64(o, e->u.rt.type);
		cli_out_str(o, ",segs=");
		cli_out_u64(o, e->u.rt.addr_count);
		cli_out_str(o, ",left=");
		cli_out_u64(o, e->u.rt.segleft);
		out_c(o, ')');
		break;
	case 44:
		cli_out_str(o, "(off=");
		cli_out_u64(o, e->u.frag.offset);
		if (e->u.frag.more)
			cli_out_str(o, ",M");
		cli_out_str(o, ",id=");
		out_hex(o, e->u.frag.id, 1);
		out_c(o, ')');
		break;
	case 50:
		cli_out_str(o, "(spi=");
		out_hex(o, e->u.esp.spi, 1);
		cli_out_str(o, ",seq=");
		cli_out_u64(o, e->u.esp.seq);
		out_c(o, ')');
		break;
	case 51:
		cli_out_str(o, "(spi=");
		out_hex(o, e->u.ah.spi, 1);
		cli_out_str(o, ",seq=");
		cli_out_u64(o, e->u.ah.seq);
		out_c(o, ')');
		break;
	case 135:
		cli_out_str(o, "(type=");
		cli_out_u64(o, e->u.mob.mh_type);
		out_c(o, ')');
		break;
	case 139:
		cli_out_str(o, "(type=");
		cli_out_u64(o, e->u.hip.packet_type);
		out_c(o, ')');
		break;
	default:
		break;
	}
}

static void
out_tcp_flags(struct cli_out *o, uint16_t f)
{
	char b[12];
	size_t n = 0;

	if (f & DS_TCP_FIN)
		b[n++] = 'F';
	if (f & DS_TCP_SYN)
		b[n++] = 'S';
	if (f & DS_TCP_RST)
		b[n++] = 'R';
	if (f & DS_TCP_PSH)
		b[n++] = 'P';
	if (f & DS_TCP_URG)
		b[n++] = 'U';
	if (f & DS_TCP_ECE)
		b[n++] = 'E';
	if (f & DS_TCP_CWR)
		b[n++] = 'W';
	if (f & DS_TCP_AE)
		b[n++] = 'A';
	if (f & DS_TCP_ACK)
		b[n++] = '.';
	if (n == 0) {
		cli_out_str(o, "[none]");
		return;
	}
	out_c(o, '[');
	cli_out_put(o, b, n);
	out_c(o, ']');
}

/* The upper-layer token, right after the chain: "udp", "icmp6". */
static void
line_l4_token(struct cli_out *o, const struct ds_pkt_ip *ip)
{
	switch (ip->l4) {
	case DS_PKT_L4_TCP:
	case DS_PKT_L4_UDP:
	case DS_PKT_L4_ICMP6:
	case DS_PKT_L4_ICMP4:
	case DS_PKT_L4_NO_NEXT:
		out_c(o, ' ');
		cli_out_str(o, ds_packet_l4_token(ip->l4));
		return;
	case DS_PKT_L4_FRAGMENT:
		/* The bytes continue a PDU whose header is in the first
		 * fragment: "data(udp)". */
		out_c(o, ' ');
		cli_out_str(o, ds_packet_l4_token(ip->l4));
		out_c(o, '(');
		out_token(
		    o, ds_packet_proto_token(ip->proto), "proto", ip->proto);
		out_c(o, ')');
		return;
	case DS_PKT_L4_OTHER:
		out_c(o, ' ');
		out_token(
		    o, ds_packet_proto_token(ip->proto), "proto", ip->proto);
		return;
	default: /* NONE (stopped by an error), ENCRYPTED (ESP) */
		return;
	}
}

static void
line_endpoint(struct cli_out *o, const struct ds_addr *a, bool port, uint16_t p)
{
	out_addr(o, a);
	if (port) {
		out_c(o, '.');
		cli_out_u64(o, p);
	}
}

static inline void
line_addresses(struct cli_out *o, const struct ds_pkt_ip *ip)
{
	bool ports = false;
	uint16_t sp = 0, dp = 0;

	if (ip->l4 == DS_PKT_L4_TCP) {
		ports = true;
		sp = ip->u.tcp.sport;
		dp = ip->u.tcp.dport;
	} else if (ip->l4 == DS_PKT_L4_UDP) {
		ports = true;
		sp = ip->u.udp.sport;
		dp = ip->u.udp.dport;
	}
	out_c(o, ' ');
	line_endpoint(o, &ip->src, ports, sp);
	cli_out_str(o, " > ");
	line_endpoint(o, &ip->dst, ports, dp);
}

static void
line_tcp(struct cli_out *o, const struct ds_pkt_ip *ip)
{
	const struct ds_pkt_tcp *t = &ip->u.tcp;

	out_c(o, ' ');
	out_tcp_flags(o, t->flags);
	cli_out_str(o, " seq=");
	cli_out_u64(o, t->seq);
	if (t->flags & DS_TCP_ACK) {
		cli_out_str(o, " ack=");
		cli_out_u64(o, t->ack);
	}
	cli_out_str(o, " win=");
	cli_out_u64(o, t->window);
	if (t->has_mss) {
		cli_out_str(o, " mss=");
		cli_out_u64(o, t->mss);
	}
	if (t->has_wscale) {
		cli_out_str(o, " ws=");
		cli_out_u64(o, t->wscale);
	}
	if (t->sack_ok)
		cli_out_str(o, " sackok");
	if (t->has_ts) {
		cli_out_str(o, " ts=");
		cli_out_u64(o, t->ts_val);
		out_c(o, '/');
		cli_out_u64(o, t->ts_ecr);
	}
	cli_out_str(o, " len=");
	cli_out_u64(o, l4_payload(ip, t->doff));
}

static void
out_code_token(struct cli_out *o, uint8_t type, uint8_t code)
{
	out_c(o, '(');
	out_token(o, ds_packet_icmp6_code_token(type, code), "code=", code);
	out_c(o, ')');
}

/* The names of a DNSSL option, "example.com,example.net". */
static void
line_dnssl(
    struct cli_out *o, const struct ds_pkt_ndopt *n, const struct frame *f)
{
	uint32_t no = n->u.dnssl.names_off, nl = n->u.dnssl.names_len;
	char name[DS_PKT_NAME_STRLEN];
	size_t pos = 0;

	if (no > f->caplen || nl > f->caplen - no)
		return;
	for (unsigned k = 0; k < 64; k++) {
		int r = ds_packet_dns_name(
		    f->data + no, nl, &pos, name, sizeof(name));

		if (r <= 0)
			break;
		out_c(o, k ? ',' : ' ');
		cli_out_put(o, name,
		    (size_t)r < sizeof(name) ? (size_t)r : sizeof(name) - 1);
	}
}

/*
 * " prefix 2001:db8::/64", the option's token first; nothing at all when
 * the prefix cannot be written (a length over 128).
 */
static void
line_prefix(
    struct cli_out *o, const char *tok, const struct ds_addr *a, unsigned len)
{
	struct ds_prefix pf = {*a, len};
	size_t tl = strlen(tok);
	char *b = cli_out_reserve(o, tl + 2 + DS_PREFIX_STRLEN);
	int k;

	b[0] = ' ';
	memcpy(b + 1, tok, tl);
	b[tl + 1] = ' ';
	k = ds_prefix_format(&pf, 0, b + tl + 2, DS_PREFIX_STRLEN);
	if (k > 0 && k < DS_PREFIX_STRLEN)
		o->len += tl + 2 + (size_t)k;
}

/* The options the line shows, by token: "sll 02:00:00:00:00:01",
 * "prefix 2001:db8::/64", "rdnss 2001:db8::53"...; others by number. */
static void
line_ndopts(struct cli_out *o, const struct ds_pkt *p, const struct frame *f)
{
	const struct ds_pkt_icmp6 *m = &p->icmp6;

	for (unsigned i = 0; i < m->n_ndopt && i < DS_PKT_MAX_NDOPT; i++) {
		const struct ds_pkt_ndopt *n = &p->u.nd_opt[i];
		const char *tok = ds_packet_ndopt_token(n->type);

		switch (n->type) {
		case 1: /* Source Link-Layer Address */
		case 2: /* Target Link-Layer Address */
			out_c(o, ' ');
			cli_out_str(o, tok);
			out_c(o, ' ');
			if (n->len == 1)
				out_mac(o, &n->u.lladdr);
			else
				out_c(o, '?');
			break;
		case 3: /* Prefix Information */
			line_prefix(
			    o, tok, &n->u.prefix.prefix, n->u.prefix.plen);
			break;
		case 5: /* MTU */
			out_c(o, ' ');
			cli_out_str(o, tok);
			out_c(o, ' ');
			cli_out_u64(o, n->u.mtu);
			break;
		case 24: /* Route Information */
			line_prefix(
			    o, tok, &n->u.route.prefix, n->u.route.plen);
			cli_out_str(o, " pref=");
			cli_out_str(o, ds_packet_prf_token(n->u.route.prf & 3));
			break;
		case 25: /* RDNSS */
			out_c(o, ' ');
			cli_out_str(o, tok);
			for (unsigned k = 0; k < n->u.rdnss.n_addr; k++) {
				unsigned a = n->u.rdnss.addr_first + k;

				if (a >= DS_PKT_MAX_ADDR)
					break;
				out_c(o, k ? ',' : ' ');
				out_addr(o, &p->addr[a]);
			}
			if (n->u.rdnss.addr_count > n->u.rdnss.n_addr)
				cli_out_str(o, ",...");
			break;
		case 31: /* DNSSL */
			out_c(o, ' ');
			cli_out_str(o, tok);
			line_dnssl(o, n, f);
			break;
		case 4:  /* Redirected Header */
		case 14: /* Nonce */
			out_c(o, ' ');
			cli_out_str(o, tok);
			break;
		default:
			cli_out_str(o, " ndopt=");
			cli_out_u64(o, n->type);
			break;
		}
	}
	if (m->ndopt_count > m->n_ndopt)
		cli_out_str(o, " ...");
}

/*
 * The ICMPv6 messages the line describes by their fields; the others show
 * their type's token and the code.
 */
static bool
icmp6_in_line(uint8_t type)
{
	return (type >= 1 && type <= 4) || (type >= 128 && type <= 137) ||
	    type == 143;
}

static void line_ip(struct cli_out *o, const struct ds_pkt *p,
    const struct ds_pkt_ip *ip, bool inner, const struct frame *f);

static void
line_icmp6(struct cli_out *o, const struct ds_pkt *p,
    const struct ds_pkt_ip *ip, bool inner, const struct frame *f)
{
	const struct ds_pkt_icmp *ic = &ip->u.icmp;
	const struct ds_pkt_icmp6 *m = &p->icmp6;
	bool body = !inner && l4_body_ok(ip, DS_PKT_LAYER_ICMP6);

	out_c(o, ' ');
	out_token(o, ds_packet_icmp6_type_token(ic->type), "type=", ic->type);
	if (!icmp6_in_line(ic->type)) {
		cli_out_str(o, " code=");
		cli_out_u64(o, ic->code);
	}
	switch (ic->type) {
	case 1:
	case 3:
	case 4:
		out_code_token(o, ic->type, ic->code);
		if (ic->type == 4) {
			cli_out_str(o, " ptr=");
			cli_out_u64(o, ic->word);
		}
		break;
	case 2:
		cli_out_str(o, " mtu=");
		cli_out_u64(o, ic->word);
		break;
	case 128:
	case 129:
		cli_out_str(o, " id=");
		cli_out_u64(o, ic->id);
		cli_out_str(o, " seq=");
		cli_out_u64(o, ic->seq);
		break;
	case 130:
	case 131:
	case 132:
		if (!body)
			break;
		if (ic->type == 130 && m->mldv2)
			cli_out_str(o, " v2");
		cli_out_str(o, " group ");
		out_addr(o, &m->group);
		break;
	case 143:
		if (!body)
			break;
		cli_out_str(o, " records=");
		cli_out_u64(o, m->nrec);
		for (unsigned i = 0; i < m->n_mldrec && i < DS_PKT_MAX_MLDREC;
		     i++) {
			const struct ds_pkt_mldrec *r = &p->u.mld_rec[i];

			out_c(o, ' ');
			out_token(
			    o, ds_packet_mldrec_token(r->type), "rec", r->type);
			out_c(o, '(');
			out_addr(o, &r->group);
			out_c(o, ')');
		}
		break;
	case 134:
		if (!body)
			break;
		cli_out_str(o, " hop=");
		cli_out_u64(o, m->cur_hop_limit);
		if (m->managed)
			cli_out_str(o, " M");
		if (m->other)
			cli_out_str(o, " O");
		if (m->home_agent)
			cli_out_str(o, " H");
		if (m->proxy)
			cli_out_str(o, " P");
		cli_out_str(o, " pref=");
		cli_out_str(o, ds_packet_prf_token(m->prf & 3));
		cli_out_str(o, " life=");
		cli_out_u64(o, m->router_lifetime);
		break;
	case 135:
	case 136:
	case 137:
		if (!body)
			break;
		cli_out_str(o, " tgt=");
		out_addr(o, &m->target);
		if (ic->type == 136) {
			if (m->router)
				cli_out_str(o, " R");
			if (m->solicited)
				cli_out_str(o, " S");
			if (m->override)
				cli_out_str(o, " O");
		}
		if (ic->type == 137) {
			cli_out_str(o, " dst=");
			out_addr(o, &m->dest);
		}
		break;
	default:
		break;
	}
	if (body && ic->type >= 133 && ic->type <= 137)
		line_ndopts(o, p, f);
	if (!inner && p->has_inner && p->inner.version) {
		cli_out_str(o, " {");
		line_ip(o, p, &p->inner, true, f);
		out_c(o, '}');
	}
}

static void
line_icmp4(struct cli_out *o, const struct ds_pkt *p,
    const struct ds_pkt_ip *ip, bool inner, const struct frame *f)
{
	const struct ds_pkt_icmp *ic = &ip->u.icmp;

	out_c(o, ' ');
	out_token(o, ds_packet_icmp4_type_token(ic->type), "type=", ic->type);
	switch (ic->type) {
	case 0:
	case 8:
		cli_out_str(o, " id=");
		cli_out_u64(o, ic->id);
		cli_out_str(o, " seq=");
		cli_out_u64(o, ic->seq);
		break;
	case 3:
		cli_out_str(o, " code=");
		cli_out_u64(o, ic->code);
		/* Fragmentation needed carries the next-hop MTU (RFC 1191). */
		if (ic->code == 4) {
			cli_out_str(o, " mtu=");
			cli_out_u64(o, ic->word & 0xffff);
		}
		break;
	default:
		if (ic->code) {
			cli_out_str(o, " code=");
			cli_out_u64(o, ic->code);
		}
		break;
	}
	if (!inner && p->has_inner && p->inner.version) {
		cli_out_str(o, " {");
		line_ip(o, p, &p->inner, true, f);
		out_c(o, '}');
	}
}

/* IPv4 options for the line: their short names, NOP and EOL left out. */
static void
line_ip4opts(
    struct cli_out *o, const struct ds_pkt *p, const struct ds_pkt_ip *ip)
{
	const struct ds_pkt_optlist *l = &ip->opts;
	bool open = false;

	if (l->count == 0)
		return;
	for (unsigned i = 0; i < l->n && l->first + i < DS_PKT_MAX_OPT; i++) {
		const struct ds_pkt_opt *op = &p->opt[l->first + i];
		const char *s;

		if (op->type <= 1)
			continue;
		cli_out_str(o, open ? "," : " ipopt(");
		open = true;
		s = cli_packet_ip4opt_name(op->type);
		if (s) {
			cli_out_str(o, s);
		} else {
			cli_out_str(o, "opt=");
			cli_out_u64(o, op->type);
		}
	}
	if (open)
		out_c(o, ')');
}

/*
 * "IPv6 hbh(RA) frag(off=0,M,id=0x1234) udp 2001:db8::1.546 >
 * ff02::1:2.547 len=16": the chain, the addresses, the upper-layer facts.
 * An invoking packet (inner) gets the same, without ICMPv6 details.
 */
static void
line_ip(struct cli_out *o, const struct ds_pkt *p, const struct ds_pkt_ip *ip,
    bool inner, const struct frame *f)
{
	if (ip->version == 6) {
		cli_out_str(o, "IPv6");
		for (unsigned i = 0; i < ip->n_ext && i < DS_PKT_MAX_EXT; i++)
			line_ext(o, p, &ip->ext[i]);
		if (ip->ext_count > ip->n_ext) {
			cli_out_str(o, " ...+");
			cli_out_u64(o, (uint64_t)(ip->ext_count - ip->n_ext));
		}
	} else {
		cli_out_str(o, "IPv4");
		if (ip->mf || ip->frag_off) {
			cli_out_str(o, " frag(off=");
			cli_out_u64(o, ip->frag_off);
			if (ip->mf)
				cli_out_str(o, ",M");
			cli_out_str(o, ",id=");
			out_hex(o, ip->id, 1);
			out_c(o, ')');
		}
		line_ip4opts(o, p, ip);
	}
	line_l4_token(o, ip);
	line_addresses(o, ip);
	switch (ip->l4) {
	case DS_PKT_L4_TCP:
		/* l4 is TCP once the fixed 20 octets are read. */
		if (!inner)
			line_tcp(o, ip);
		break;
	case DS_PKT_L4_UDP:
		if (!inner) {
			cli_out_str(o, " len=");
			cli_out_u64(
			    o, ip->u.udp.len >= 8 ? ip->u.udp.len - 8 : 0);
		}
		break;
	case DS_PKT_L4_ICMP6:
		line_icmp6(o, p, ip, inner, f);
		break;
	case DS_PKT_L4_ICMP4:
		line_icmp4(o, p, ip, inner, f);
		break;
	case DS_PKT_L4_FRAGMENT:
		if (!inner) {
			cli_out_str(o, " len=");
			cli_out_u64(o, l4_payload(ip, 0));
		}
		break;
	default:
		break;
	}
}

/* ",src=192.0.2.1,src-match": an IPv4 address an inner address embeds,
 * with the port for Teredo, and whether the outer header agrees. */
static void
line_embed(struct cli_out *o, const char *key, const struct ds_addr *a,
    uint16_t port, bool match, bool *first)
{
	out_c(o, *first ? '(' : ',');
	*first = false;
	cli_out_str(o, key);
	out_c(o, '=');
	line_endpoint(o, a, port != 0, port);
	out_c(o, ',');
	cli_out_str(o, key);
	cli_out_str(o, match ? "-match" : "-mismatch");
}

static void
line_flag(struct cli_out *o, const char *s, bool *first)
{
	out_c(o, *first ? '(' : ',');
	*first = false;
	cli_out_str(o, s);
}

/* "gre(key=0x2a,seq=7)", "teredo(origin=192.0.2.1.3544,dst=...)": the
 * tunnel's kind and its facts. */
static void
line_tun(struct cli_out *o, const struct ds_pkt_tun *t)
{
	bool first = true;

	out_c(o, ' ');
	out_token(o, ds_packet_tun_token(t->kind), "tunnel", t->kind);
	if (t->kind == DS_PKT_TUN_GRE) {
		if ((t->gre_flags & 7) != 0) {
			line_flag(o, "ver=", &first);
			cli_out_u64(o, t->gre_flags & 7);
		}
		if (t->flags & DS_PKT_TUNF_GRE_KEY) {
			line_flag(o, "key=", &first);
			out_hex(o, t->gre_key, 1);
		}
		if (t->flags & DS_PKT_TUNF_GRE_SEQ) {
			line_flag(o, "seq=", &first);
			cli_out_u64(o, t->gre_seq);
		}
		if (t->flags & DS_PKT_TUNF_GRE_CSUM)
			line_flag(o, "csum", &first);
		if (t->flags & DS_PKT_TUNF_ETH)
			line_flag(o, "eth", &first);
		if (t->version == 0) {
			line_flag(o, "proto=", &first);
			out_hex(o,
			    t->flags & DS_PKT_TUNF_ETH ? t->ethertype
			                               : t->gre_proto,
			    4);
		}
	}
	if (t->flags & DS_PKT_TUNF_TEREDO_AUTH)
		line_flag(o, "auth", &first);
	if (t->flags & DS_PKT_TUNF_TEREDO_ORIGIN) {
		line_flag(o, "origin=", &first);
		line_endpoint(o, &t->origin, true, t->origin_port);
	}
	if (t->flags & DS_PKT_TUNF_SRC_EMBEDS)
		line_embed(o, "src", &t->v4_src, t->port_src,
		    t->flags & DS_PKT_TUNF_SRC_MATCH, &first);
	if (t->flags & DS_PKT_TUNF_DST_EMBEDS)
		line_embed(o, "dst", &t->v4_dst, t->port_dst,
		    t->flags & DS_PKT_TUNF_DST_MATCH, &first);
	if (t->flags & DS_PKT_TUNF_TEREDO_BUBBLE)
		line_flag(o, "bubble", &first);
	if (!first)
		out_c(o, ')');
}

/*
 * The packets around a tunnelled one, outermost first: "IPv4
 * 198.51.100.1 > 198.51.100.2 6in4 | ", the version, the extension
 * headers, the addresses (with the UDP ports of Teredo) and the tunnel.
 */
static void
line_outer(struct cli_out *o, const struct ds_pkt *p)
{
	for (unsigned i = 0; i < p->n_tun && i < DS_PKT_MAX_TUN; i++) {
		const struct ds_pkt_ip *ip = &p->outer[i];

		if (ip->version == 6) {
			cli_out_str(o, "IPv6");
			for (unsigned k = 0;
			     k < ip->n_ext && k < DS_PKT_MAX_EXT; k++)
				line_ext(o, p, &ip->ext[k]);
		} else {
			cli_out_str(o, "IPv4");
		}
		if (ip->l4 == DS_PKT_L4_UDP)
			cli_out_str(o, " udp");
		line_addresses(o, ip);
		line_tun(o, &p->tun[i]);
		if (i + 1 < p->n_tun || p->ip.version)
			cli_out_str(o, " | ");
	}
}

static void
line_anomalies(struct cli_out *o, uint32_t anom)
{
	char tok[DISSECT_TOKEN_MAX];
	bool first = true;

	if (!anom)
		return;
	cli_out_str(o, " [anomaly: ");
	/* The bits set, lowest first, without a look at the others. */
	for (; anom; anom &= anom - 1) {
		if (!first)
			cli_out_str(o, ", ");
		first = false;
		cli_out_str(
		    o, dissect_anom_token((unsigned)__builtin_ctz(anom), tok));
	}
	out_c(o, ']');
}

/* "[truncated in frag at 62]", "[malformed tcp at 54: header-length]". */
static void
line_error(struct cli_out *o, const struct ds_pkt_err *e)
{
	char tok[DISSECT_TOKEN_MAX];

	if (e->kind == DS_PKT_ERR_NONE)
		return;
	cli_out_str(o, " [");
	switch (e->kind) {
	case DS_PKT_ERR_TRUNC_CAPTURE:
		cli_out_str(o, "truncated in ");
		break;
	case DS_PKT_ERR_TRUNC_PACKET:
		cli_out_str(o, "packet ends in ");
		break;
	default:
		cli_out_str(o, "malformed ");
		break;
	}
	cli_out_str(o, dissect_layer_token(e, tok));
	cli_out_str(o, " at ");
	cli_out_u64(o, e->off);
	if (e->kind == DS_PKT_ERR_MALFORMED && e->why != DS_PKT_WHY_NONE) {
		cli_out_str(o, ": ");
		out_token(o, ds_packet_why_token(e->why), "why", e->why);
	}
	out_c(o, ']');
}

/* A frame without an IP packet: "ARP 02:00:00:00:00:01 > ff:...". */
static void
line_non_ip(struct cli_out *o, const struct ds_pkt *p)
{
	const struct ds_pkt_link *l = &p->link;
	const char *s =
	    l->ethertype ? cli_packet_ethertype_name(l->ethertype) : NULL;

	out_c(o, ' ');
	if (s) {
		cli_out_str(o, s);
	} else if (l->ethertype) {
		cli_out_str(o, "ethertype=");
		out_hex(o, l->ethertype, 4);
	} else {
		cli_out_str(o, "link");
	}
	if (l->type == DS_LINK_EN10MB && l->len >= 14) {
		out_c(o, ' ');
		out_mac(o, &l->src);
		cli_out_str(o, " > ");
		out_mac(o, &l->dst);
	}
	cli_out_str(o, " len=");
	cli_out_u64(o, p->wirelen);
}

void
dissect_line(struct dissect *d, const struct ds_capture_packet *cp, int rc)
{
	struct cli_out *o = &d->o;
	const struct ds_pkt *p = &d->pkt;

	dissect_out_time(d, cp);
	if (rc < 0) {
		const char *s = ds_capture_linktype_name(cp->linktype);

		cli_out_str(o, " link=");
		if (s)
			cli_out_str(o, s);
		else
			cli_out_u64(o, (uint64_t)(unsigned)cp->linktype);
		cli_out_str(o, " len=");
		cli_out_u64(o, cp->wirelen);
		cli_out_str(o, " [not decoded: link type]\n");
		return;
	}
	if (p->link.n_vlan) {
		cli_out_str(o, " vlan(");
		for (unsigned i = 0; i < p->link.n_vlan && i < DS_PKT_MAX_VLAN;
		     i++) {
			if (i)
				out_c(o, ',');
			cli_out_u64(o, p->link.vlan[i].vid);
		}
		out_c(o, ')');
	}
	if (p->n_tun) {
		out_c(o, ' ');
		line_outer(o, p);
	}
	if (p->ip.version) {
		struct frame f = {cp->data, cp->caplen};

		if (!p->n_tun)
			out_c(o, ' ');
		line_ip(o, p, &p->ip, false, &f);
	} else if (!p->n_tun) {
		line_non_ip(o, p);
	}
	line_anomalies(o, p->ip.anom);
	line_error(o, &p->ip.err);
	out_c(o, '\n');
}
