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

/*
 * The line is written through a local pointer p that each function takes
 * and returns, so that the buffer's length is loaded once and stored once
 * a line (cli_out_room()). Room is asked for per stretch, not per piece:
 * every function below asks for LINE_ROOM before it writes and asks again
 * in each turn of a loop, and none writes more than LINE_ROOM between two
 * asks. The largest stretch is a tunnel's facts (line_tun()): a token of
 * at most 62 octets, five numbers of at most 20 digits, three addresses
 * (DS_ADDR_STRLEN each, which ds_addr_format() may write in full) with
 * ports, and a few words, under 512 octets.
 */
#define LINE_ROOM 1024

/* The frame's bytes, for what the decoder leaves in place (DNSSL names). */
struct frame {
	const uint8_t *data;
	uint32_t caplen;
};

/* An extension header in a chain: "hbh", or "proto253". */
static inline char *
put_ext_token(char *p, unsigned proto)
{
	return put_token(p, ds_packet_ext_token(proto), "proto", proto);
}

/* A Hop-by-Hop or Destination option in a line (padding is left out). */
static char *
put_opt_short(char *p, const struct ds_pkt_opt *op)
{
	switch (op->type) {
	case 0x05: /* Router Alert, RFC 2711: 0 is MLD */
		p = put_str(p, "RA");
		if (op->value)
			p = put_u64(put_c(p, '='), op->value);
		return p;
	case 0xc2: /* Jumbo Payload, RFC 2675 */
		return put_u64(put_str(p, "jumbo="), op->value);
	case 0x04: /* Tunnel Encapsulation Limit, RFC 2473 */
		return put_u64(put_str(p, "tel="), op->value);
	case 0xc9: /* Home Address, RFC 6275 */
		return put_str(p, "hoa");
	default:
		return put_hex(put_str(p, "opt="), op->type, 2);
	}
}

static char *
line_opts(struct cli_out *o, char *p, const struct ds_pkt *pk,
    const struct ds_pkt_optlist *l)
{
	bool open = false;

	for (unsigned i = 0; i < l->n && l->first + i < DS_PKT_MAX_OPT; i++) {
		const struct ds_pkt_opt *op = &pk->opt[l->first + i];

		if (op->type <= 1) /* Pad1, PadN */
			continue;
		p = cli_out_room(o, p, LINE_ROOM);
		p = put_c(p, open ? ',' : '(');
		open = true;
		p = put_opt_short(p, op);
	}
	p = cli_out_room(o, p, LINE_ROOM);
	if (l->count > l->n) {
		p = put_str(p, open ? ",..." : "(...");
		open = true;
	}
	if (open)
		p = put_c(p, ')');
	return p;
}

static inline char *
line_ext(struct cli_out *o, char *p, const struct ds_pkt *pk,
    const struct ds_pkt_ext *e)
{
	p = cli_out_room(o, p, LINE_ROOM);
	p = put_c(p, ' ');
	p = put_ext_token(p, e->type);
	switch (e->type) {
	case 0:
	case 60:
		return line_opts(o, p, pk, &e->u.opts);
	case 43:
		p = put_u64(put_str(p, "(type="), e->u.rt.type);
		p = put_u64(put_str(p, ",segs="), e->u.rt.addr_count);
		p = put_u64(put_str(p, ",left="), e->u.rt.segleft);
		return put_c(p, ')');
	case 44:
		p = put_u64(put_str(p, "(off="), e->u.frag.offset);
		if (e->u.frag.more)
			p = put_str(p, ",M");
		p = put_hex(put_str(p, ",id="), e->u.frag.id, 1);
		return put_c(p, ')');
	case 50:
		p = put_hex(put_str(p, "(spi="), e->u.esp.spi, 1);
		p = put_u64(put_str(p, ",seq="), e->u.esp.seq);
		return put_c(p, ')');
	case 51:
		p = put_hex(put_str(p, "(spi="), e->u.ah.spi, 1);
		p = put_u64(put_str(p, ",seq="), e->u.ah.seq);
		return put_c(p, ')');
	case 135:
		p = put_u64(put_str(p, "(type="), e->u.mob.mh_type);
		return put_c(p, ')');
	case 139:
		p = put_u64(put_str(p, "(type="), e->u.hip.packet_type);
		return put_c(p, ')');
	default:
		return p;
	}
}

static char *
put_tcp_flags(char *p, uint16_t f)
{
	char *start = p + 1;

	*p = '[';
	p = start;
	if (f & DS_TCP_FIN)
		*p++ = 'F';
	if (f & DS_TCP_SYN)
		*p++ = 'S';
	if (f & DS_TCP_RST)
		*p++ = 'R';
	if (f & DS_TCP_PSH)
		*p++ = 'P';
	if (f & DS_TCP_URG)
		*p++ = 'U';
	if (f & DS_TCP_ECE)
		*p++ = 'E';
	if (f & DS_TCP_CWR)
		*p++ = 'W';
	if (f & DS_TCP_AE)
		*p++ = 'A';
	if (f & DS_TCP_ACK)
		*p++ = '.';
	if (p == start)
		p = put_str(p, "none");
	return put_c(p, ']');
}

/* The upper-layer token, right after the chain: "udp", "icmp6". */
static char *
put_l4_token(char *p, const struct ds_pkt_ip *ip)
{
	switch (ip->l4) {
	case DS_PKT_L4_TCP:
	case DS_PKT_L4_UDP:
	case DS_PKT_L4_ICMP6:
	case DS_PKT_L4_ICMP4:
	case DS_PKT_L4_NO_NEXT:
		return put_str(put_c(p, ' '), ds_packet_l4_token(ip->l4));
	case DS_PKT_L4_FRAGMENT:
		/* The bytes continue a PDU whose header is in the first
		 * fragment: "data(udp)". */
		p = put_str(put_c(p, ' '), ds_packet_l4_token(ip->l4));
		p = put_c(p, '(');
		p = put_token(
		    p, ds_packet_proto_token(ip->proto), "proto", ip->proto);
		return put_c(p, ')');
	case DS_PKT_L4_OTHER:
		return put_token(put_c(p, ' '),
		    ds_packet_proto_token(ip->proto), "proto", ip->proto);
	default: /* NONE (stopped by an error), ENCRYPTED (ESP) */
		return p;
	}
}

static inline char *
put_endpoint(char *p, const struct ds_addr *a, bool port, uint16_t pn)
{
	p = put_addr(p, a);
	if (port)
		p = put_u64(put_c(p, '.'), pn);
	return p;
}

static inline char *
put_addresses(char *p, const struct ds_pkt_ip *ip)
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
	p = put_c(p, ' ');
	p = put_endpoint(p, &ip->src, ports, sp);
	p = put_str(p, " > ");
	return put_endpoint(p, &ip->dst, ports, dp);
}

static char *
put_tcp(char *p, const struct ds_pkt_ip *ip)
{
	const struct ds_pkt_tcp *t = &ip->u.tcp;

	p = put_tcp_flags(put_c(p, ' '), t->flags);
	p = put_u64(put_str(p, " seq="), t->seq);
	if (t->flags & DS_TCP_ACK)
		p = put_u64(put_str(p, " ack="), t->ack);
	p = put_u64(put_str(p, " win="), t->window);
	if (t->has_mss)
		p = put_u64(put_str(p, " mss="), t->mss);
	if (t->has_wscale)
		p = put_u64(put_str(p, " ws="), t->wscale);
	if (t->sack_ok)
		p = put_str(p, " sackok");
	if (t->has_ts) {
		p = put_u64(put_str(p, " ts="), t->ts_val);
		p = put_u64(put_c(p, '/'), t->ts_ecr);
	}
	return put_u64(put_str(p, " len="), l4_payload(ip, t->doff));
}

static char *
put_code_token(char *p, uint8_t type, uint8_t code)
{
	p = put_c(p, '(');
	p = put_token(p, ds_packet_icmp6_code_token(type, code), "code=", code);
	return put_c(p, ')');
}

/* The names of a DNSSL option, "example.com,example.net". */
static char *
line_dnssl(struct cli_out *o, char *p, const struct ds_pkt_ndopt *n,
    const struct frame *f)
{
	uint32_t no = n->u.dnssl.names_off, nl = n->u.dnssl.names_len;
	char name[DS_PKT_NAME_STRLEN];
	size_t pos = 0;

	if (no > f->caplen || nl > f->caplen - no)
		return p;
	for (unsigned k = 0; k < 64; k++) {
		int r = ds_packet_dns_name(
		    f->data + no, nl, &pos, name, sizeof(name));
		size_t len;

		if (r <= 0)
			break;
		len = (size_t)r < sizeof(name) ? (size_t)r : sizeof(name) - 1;
		p = cli_out_room(o, p, len + 1);
		p = put_c(p, k ? ',' : ' ');
		memcpy(p, name, len);
		p += len;
	}
	return p;
}

/*
 * " prefix 2001:db8::/64", the option's token first; nothing at all when
 * the prefix cannot be written (a length over 128).
 */
static char *
put_prefix(char *p, const char *tok, const struct ds_addr *a, unsigned len)
{
	struct ds_prefix pf = {*a, len};
	char *b = put_c(put_str(put_c(p, ' '), tok), ' ');
	int k = ds_prefix_format(&pf, 0, b, DS_PREFIX_STRLEN);

	return k > 0 && k < DS_PREFIX_STRLEN ? b + k : p;
}

/* The options the line shows, by token: "sll 02:00:00:00:00:01",
 * "prefix 2001:db8::/64", "rdnss 2001:db8::53"...; others by number. */
static char *
line_ndopts(
    struct cli_out *o, char *p, const struct ds_pkt *pk, const struct frame *f)
{
	const struct ds_pkt_icmp6 *m = &pk->icmp6;

	for (unsigned i = 0; i < m->n_ndopt && i < DS_PKT_MAX_NDOPT; i++) {
		const struct ds_pkt_ndopt *n = &pk->u.nd_opt[i];
		const char *tok = ds_packet_ndopt_token(n->type);

		p = cli_out_room(o, p, LINE_ROOM);
		switch (n->type) {
		case 1: /* Source Link-Layer Address */
		case 2: /* Target Link-Layer Address */
			p = put_c(put_str(put_c(p, ' '), tok), ' ');
			if (n->len == 1)
				p = put_mac(p, &n->u.lladdr);
			else
				p = put_c(p, '?');
			break;
		case 3: /* Prefix Information */
			p = put_prefix(
			    p, tok, &n->u.prefix.prefix, n->u.prefix.plen);
			break;
		case 5: /* MTU */
			p = put_c(put_str(put_c(p, ' '), tok), ' ');
			p = put_u64(p, n->u.mtu);
			break;
		case 24: /* Route Information */
			p = put_prefix(
			    p, tok, &n->u.route.prefix, n->u.route.plen);
			p = put_str(p, " pref=");
			p = put_str(p, ds_packet_prf_token(n->u.route.prf & 3));
			break;
		case 25: /* RDNSS */
			p = put_str(put_c(p, ' '), tok);
			for (unsigned k = 0; k < n->u.rdnss.n_addr; k++) {
				unsigned a = n->u.rdnss.addr_first + k;

				if (a >= DS_PKT_MAX_ADDR)
					break;
				p = cli_out_room(o, p, LINE_ROOM);
				p = put_c(p, k ? ',' : ' ');
				p = put_addr(p, &pk->addr[a]);
			}
			if (n->u.rdnss.addr_count > n->u.rdnss.n_addr)
				p = put_str(p, ",...");
			break;
		case 31: /* DNSSL */
			p = put_str(put_c(p, ' '), tok);
			p = line_dnssl(o, p, n, f);
			break;
		case 4:  /* Redirected Header */
		case 14: /* Nonce */
			p = put_str(put_c(p, ' '), tok);
			break;
		default:
			p = put_u64(put_str(p, " ndopt="), n->type);
			break;
		}
	}
	p = cli_out_room(o, p, LINE_ROOM);
	if (m->ndopt_count > m->n_ndopt)
		p = put_str(p, " ...");
	return p;
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

static char *line_ip(struct cli_out *o, char *p, const struct ds_pkt *pk,
    const struct ds_pkt_ip *ip, bool inner, const struct frame *f);

/* " {IPv6 ...}": the packet an ICMP error quotes. */
static char *
line_quoted(
    struct cli_out *o, char *p, const struct ds_pkt *pk, const struct frame *f)
{
	p = cli_out_room(o, p, LINE_ROOM);
	p = line_ip(o, put_str(p, " {"), pk, &pk->inner, true, f);
	p = cli_out_room(o, p, LINE_ROOM);
	return put_c(p, '}');
}

static char *
line_icmp6(struct cli_out *o, char *p, const struct ds_pkt *pk,
    const struct ds_pkt_ip *ip, bool inner, const struct frame *f)
{
	const struct ds_pkt_icmp *ic = &ip->u.icmp;
	const struct ds_pkt_icmp6 *m = &pk->icmp6;
	bool body = !inner && l4_body_ok(ip, DS_PKT_LAYER_ICMP6);

	p = cli_out_room(o, p, LINE_ROOM);
	p = put_c(p, ' ');
	p = put_token(
	    p, ds_packet_icmp6_type_token(ic->type), "type=", ic->type);
	if (!icmp6_in_line(ic->type))
		p = put_u64(put_str(p, " code="), ic->code);
	switch (ic->type) {
	case 1:
	case 3:
	case 4:
		p = put_code_token(p, ic->type, ic->code);
		if (ic->type == 4)
			p = put_u64(put_str(p, " ptr="), ic->word);
		break;
	case 2:
		p = put_u64(put_str(p, " mtu="), ic->word);
		break;
	case 128:
	case 129:
		p = put_u64(put_str(p, " id="), ic->id);
		p = put_u64(put_str(p, " seq="), ic->seq);
		break;
	case 130:
	case 131:
	case 132:
		if (!body)
			break;
		if (ic->type == 130 && m->mldv2)
			p = put_str(p, " v2");
		p = put_addr(put_str(p, " group "), &m->group);
		break;
	case 143:
		if (!body)
			break;
		p = put_u64(put_str(p, " records="), m->nrec);
		for (unsigned i = 0; i < m->n_mldrec && i < DS_PKT_MAX_MLDREC;
		     i++) {
			const struct ds_pkt_mldrec *r = &pk->u.mld_rec[i];

			p = cli_out_room(o, p, LINE_ROOM);
			p = put_c(p, ' ');
			p = put_token(
			    p, ds_packet_mldrec_token(r->type), "rec", r->type);
			p = put_c(p, '(');
			p = put_addr(p, &r->group);
			p = put_c(p, ')');
		}
		break;
	case 134:
		if (!body)
			break;
		p = put_u64(put_str(p, " hop="), m->cur_hop_limit);
		if (m->managed)
			p = put_str(p, " M");
		if (m->other)
			p = put_str(p, " O");
		if (m->home_agent)
			p = put_str(p, " H");
		if (m->proxy)
			p = put_str(p, " P");
		p = put_str(p, " pref=");
		p = put_str(p, ds_packet_prf_token(m->prf & 3));
		p = put_u64(put_str(p, " life="), m->router_lifetime);
		break;
	case 135:
	case 136:
	case 137:
		if (!body)
			break;
		p = put_addr(put_str(p, " tgt="), &m->target);
		if (ic->type == 136) {
			if (m->router)
				p = put_str(p, " R");
			if (m->solicited)
				p = put_str(p, " S");
			if (m->override)
				p = put_str(p, " O");
		}
		if (ic->type == 137) {
			p = cli_out_room(o, p, LINE_ROOM);
			p = put_addr(put_str(p, " dst="), &m->dest);
		}
		break;
	default:
		break;
	}
	if (body && ic->type >= 133 && ic->type <= 137)
		p = line_ndopts(o, p, pk, f);
	if (!inner && pk->has_inner && pk->inner.version)
		p = line_quoted(o, p, pk, f);
	return p;
}

static char *
line_icmp4(struct cli_out *o, char *p, const struct ds_pkt *pk,
    const struct ds_pkt_ip *ip, bool inner, const struct frame *f)
{
	const struct ds_pkt_icmp *ic = &ip->u.icmp;

	p = cli_out_room(o, p, LINE_ROOM);
	p = put_c(p, ' ');
	p = put_token(
	    p, ds_packet_icmp4_type_token(ic->type), "type=", ic->type);
	switch (ic->type) {
	case 0:
	case 8:
		p = put_u64(put_str(p, " id="), ic->id);
		p = put_u64(put_str(p, " seq="), ic->seq);
		break;
	case 3:
		p = put_u64(put_str(p, " code="), ic->code);
		/* Fragmentation needed carries the next-hop MTU (RFC 1191). */
		if (ic->code == 4)
			p = put_u64(put_str(p, " mtu="), ic->word & 0xffff);
		break;
	default:
		if (ic->code)
			p = put_u64(put_str(p, " code="), ic->code);
		break;
	}
	if (!inner && pk->has_inner && pk->inner.version)
		p = line_quoted(o, p, pk, f);
	return p;
}

/* IPv4 options for the line: their short names, NOP and EOL left out. */
static char *
line_ip4opts(struct cli_out *o, char *p, const struct ds_pkt *pk,
    const struct ds_pkt_ip *ip)
{
	const struct ds_pkt_optlist *l = &ip->opts;
	bool open = false;

	if (l->count == 0)
		return p;
	for (unsigned i = 0; i < l->n && l->first + i < DS_PKT_MAX_OPT; i++) {
		const struct ds_pkt_opt *op = &pk->opt[l->first + i];
		const char *s;

		if (op->type <= 1)
			continue;
		p = cli_out_room(o, p, LINE_ROOM);
		p = put_str(p, open ? "," : " ipopt(");
		open = true;
		s = cli_packet_ip4opt_name(op->type);
		if (s)
			p = put_str(p, s);
		else
			p = put_u64(put_str(p, "opt="), op->type);
	}
	if (open)
		p = put_c(cli_out_room(o, p, 1), ')');
	return p;
}

/* "IPv6 hbh dstopts(tel=4)": the version and the extension headers. */
static char *
line_chain6(struct cli_out *o, char *p, const struct ds_pkt *pk,
    const struct ds_pkt_ip *ip)
{
	p = put_str(p, "IPv6");
	for (unsigned i = 0; i < ip->n_ext && i < DS_PKT_MAX_EXT; i++)
		p = line_ext(o, p, pk, &ip->ext[i]);
	return cli_out_room(o, p, LINE_ROOM);
}

/*
 * "IPv6 hbh(RA) frag(off=0,M,id=0x1234) udp 2001:db8::1.546 >
 * ff02::1:2.547 len=16": the chain, the addresses, the upper-layer facts.
 * An invoking packet (inner) gets the same, without ICMPv6 details.
 */
static char *
line_ip(struct cli_out *o, char *p, const struct ds_pkt *pk,
    const struct ds_pkt_ip *ip, bool inner, const struct frame *f)
{
	p = cli_out_room(o, p, LINE_ROOM);
	if (ip->version == 6) {
		p = line_chain6(o, p, pk, ip);
		if (ip->ext_count > ip->n_ext)
			p = put_u64(put_str(p, " ...+"),
			    (uint64_t)(ip->ext_count - ip->n_ext));
	} else {
		p = put_str(p, "IPv4");
		if (ip->mf || ip->frag_off) {
			p = put_u64(put_str(p, " frag(off="), ip->frag_off);
			if (ip->mf)
				p = put_str(p, ",M");
			p = put_hex(put_str(p, ",id="), ip->id, 1);
			p = put_c(p, ')');
		}
		p = line_ip4opts(o, p, pk, ip);
		p = cli_out_room(o, p, LINE_ROOM);
	}
	p = put_l4_token(p, ip);
	p = put_addresses(p, ip);
	p = cli_out_room(o, p, LINE_ROOM);
	switch (ip->l4) {
	case DS_PKT_L4_TCP:
		/* l4 is TCP once the fixed 20 octets are read. */
		if (!inner)
			p = put_tcp(p, ip);
		return p;
	case DS_PKT_L4_UDP:
		if (!inner)
			p = put_u64(put_str(p, " len="),
			    ip->u.udp.len >= 8 ? ip->u.udp.len - 8 : 0);
		return p;
	case DS_PKT_L4_ICMP6:
		return line_icmp6(o, p, pk, ip, inner, f);
	case DS_PKT_L4_ICMP4:
		return line_icmp4(o, p, pk, ip, inner, f);
	case DS_PKT_L4_FRAGMENT:
		if (!inner)
			p = put_u64(put_str(p, " len="), l4_payload(ip, 0));
		return p;
	default:
		return p;
	}
}

/* ",src=192.0.2.1,src-match": an IPv4 address an inner address embeds,
 * with the port for Teredo, and whether the outer header agrees. */
static char *
put_embed(char *p, const char *key, const struct ds_addr *a, uint16_t port,
    bool match, bool *first)
{
	p = put_c(p, *first ? '(' : ',');
	*first = false;
	p = put_c(put_str(p, key), '=');
	p = put_endpoint(p, a, port != 0, port);
	p = put_str(put_c(p, ','), key);
	return put_str(p, match ? "-match" : "-mismatch");
}

static inline char *
put_flag(char *p, const char *s, bool *first)
{
	p = put_c(p, *first ? '(' : ',');
	*first = false;
	return put_str(p, s);
}

/* "gre(key=0x2a,seq=7)", "teredo(origin=192.0.2.1.3544,dst=...)": the
 * tunnel's kind and its facts, at most about 400 octets (LINE_ROOM). */
static char *
put_tun(char *p, const struct ds_pkt_tun *t)
{
	bool first = true;

	p = put_c(p, ' ');
	p = put_token(p, ds_packet_tun_token(t->kind), "tunnel", t->kind);
	if (t->kind == DS_PKT_TUN_GRE) {
		if ((t->gre_flags & 7) != 0)
			p = put_u64(
			    put_flag(p, "ver=", &first), t->gre_flags & 7);
		if (t->flags & DS_PKT_TUNF_GRE_KEY)
			p = put_hex(put_flag(p, "key=", &first), t->gre_key, 1);
		if (t->flags & DS_PKT_TUNF_GRE_SEQ)
			p = put_u64(put_flag(p, "seq=", &first), t->gre_seq);
		if (t->flags & DS_PKT_TUNF_GRE_CSUM)
			p = put_flag(p, "csum", &first);
		if (t->flags & DS_PKT_TUNF_ETH)
			p = put_flag(p, "eth", &first);
		if (t->version == 0)
			p = put_hex(put_flag(p, "proto=", &first),
			    t->flags & DS_PKT_TUNF_ETH ? t->ethertype
			                               : t->gre_proto,
			    4);
	}
	if (t->flags & DS_PKT_TUNF_TEREDO_AUTH)
		p = put_flag(p, "auth", &first);
	if (t->flags & DS_PKT_TUNF_TEREDO_ORIGIN)
		p = put_endpoint(put_flag(p, "origin=", &first), &t->origin,
		    true, t->origin_port);
	if (t->flags & DS_PKT_TUNF_SRC_EMBEDS)
		p = put_embed(p, "src", &t->v4_src, t->port_src,
		    t->flags & DS_PKT_TUNF_SRC_MATCH, &first);
	if (t->flags & DS_PKT_TUNF_DST_EMBEDS)
		p = put_embed(p, "dst", &t->v4_dst, t->port_dst,
		    t->flags & DS_PKT_TUNF_DST_MATCH, &first);
	if (t->flags & DS_PKT_TUNF_TEREDO_BUBBLE)
		p = put_flag(p, "bubble", &first);
	if (!first)
		p = put_c(p, ')');
	return p;
}

/*
 * The packets around a tunnelled one, outermost first: "IPv4
 * 198.51.100.1 > 198.51.100.2 6in4 | ", the version, the extension
 * headers, the addresses (with the UDP ports of Teredo) and the tunnel.
 */
static char *
line_outer(struct cli_out *o, char *p, const struct ds_pkt *pk)
{
	for (unsigned i = 0; i < pk->n_tun && i < DS_PKT_MAX_TUN; i++) {
		const struct ds_pkt_ip *ip = &pk->outer[i];

		p = cli_out_room(o, p, LINE_ROOM);
		if (ip->version == 6)
			p = line_chain6(o, p, pk, ip);
		else
			p = put_str(p, "IPv4");
		if (ip->l4 == DS_PKT_L4_UDP)
			p = put_str(p, " udp");
		p = put_addresses(p, ip);
		p = cli_out_room(o, p, LINE_ROOM);
		p = put_tun(p, &pk->tun[i]);
		if (i + 1 < pk->n_tun || pk->ip.version)
			p = put_str(p, " | ");
	}
	return p;
}

static char *
line_anomalies(struct cli_out *o, char *p, uint32_t anom)
{
	char tok[DISSECT_TOKEN_MAX];
	bool first = true;

	if (!anom)
		return p;
	p = put_str(cli_out_room(o, p, LINE_ROOM), " [anomaly: ");
	/* The bits set, lowest first, without a look at the others. */
	for (; anom; anom &= anom - 1) {
		p = cli_out_room(o, p, LINE_ROOM);
		if (!first)
			p = put_str(p, ", ");
		first = false;
		p = put_str(
		    p, dissect_anom_token((unsigned)__builtin_ctz(anom), tok));
	}
	return put_c(cli_out_room(o, p, 1), ']');
}

/* "[truncated in frag at 62]", "[malformed tcp at 54: header-length]". */
static char *
put_error(char *p, const struct ds_pkt_err *e)
{
	char tok[DISSECT_TOKEN_MAX];

	if (e->kind == DS_PKT_ERR_NONE)
		return p;
	p = put_str(p, " [");
	switch (e->kind) {
	case DS_PKT_ERR_TRUNC_CAPTURE:
		p = put_str(p, "truncated in ");
		break;
	case DS_PKT_ERR_TRUNC_PACKET:
		p = put_str(p, "packet ends in ");
		break;
	default:
		p = put_str(p, "malformed ");
		break;
	}
	p = put_str(p, dissect_layer_token(e, tok));
	p = put_u64(put_str(p, " at "), e->off);
	if (e->kind == DS_PKT_ERR_MALFORMED && e->why != DS_PKT_WHY_NONE)
		p = put_token(put_str(p, ": "), ds_packet_why_token(e->why),
		    "why", e->why);
	return put_c(p, ']');
}

/* A frame without an IP packet: "ARP 02:00:00:00:00:01 > ff:...". */
static char *
put_non_ip(char *p, const struct ds_pkt *pk)
{
	const struct ds_pkt_link *l = &pk->link;
	const char *s =
	    l->ethertype ? cli_packet_ethertype_name(l->ethertype) : NULL;

	p = put_c(p, ' ');
	if (s)
		p = put_str(p, s);
	else if (l->ethertype)
		p = put_hex(put_str(p, "ethertype="), l->ethertype, 4);
	else
		p = put_str(p, "link");
	if (l->type == DS_LINK_EN10MB && l->len >= 14) {
		p = put_mac(put_c(p, ' '), &l->src);
		p = put_mac(put_str(p, " > "), &l->dst);
	}
	return put_u64(put_str(p, " len="), pk->wirelen);
}

void
dissect_line(struct dissect *d, const struct ds_capture_packet *cp, int rc)
{
	struct cli_out *o = &d->o;
	const struct ds_pkt *pk = &d->pkt;
	char *p;

	dissect_out_time(d, cp);
	p = cli_out_room(o, o->buf + o->len, LINE_ROOM);
	if (rc < 0) {
		const char *s = ds_capture_linktype_name(cp->linktype);

		p = put_str(p, " link=");
		if (s)
			p = put_str(p, s);
		else
			p = put_u64(p, (uint64_t)(unsigned)cp->linktype);
		p = put_u64(put_str(p, " len="), cp->wirelen);
		p = put_str(p, " [not decoded: link type]\n");
		cli_out_done(o, p);
		return;
	}
	if (pk->link.n_vlan) {
		p = put_str(p, " vlan(");
		for (unsigned i = 0; i < pk->link.n_vlan && i < DS_PKT_MAX_VLAN;
		     i++) {
			if (i)
				p = put_c(p, ',');
			p = put_u64(p, pk->link.vlan[i].vid);
		}
		p = put_c(p, ')');
	}
	if (pk->n_tun)
		p = line_outer(o, put_c(p, ' '), pk);
	if (pk->ip.version) {
		struct frame f = {cp->data, cp->caplen};

		if (!pk->n_tun)
			p = put_c(p, ' ');
		p = line_ip(o, p, pk, &pk->ip, false, &f);
	} else if (!pk->n_tun) {
		p = put_non_ip(p, pk);
	}
	p = line_anomalies(o, p, pk->ip.anom);
	p = cli_out_room(o, p, LINE_ROOM);
	p = put_error(p, &pk->ip.err);
	p = put_c(p, '\n');
	cli_out_done(o, p);
}
