/* SPDX-License-Identifier: MIT */
/*
 * dualstack dissect: every field of a packet, as the -v tree (each line
 * with the field's offset) or as one NDJSON object, from one set of calls.
 */
#include <stdio.h>
#include <string.h>

#include "cli-packet.h"
#include "cmd-dissect-int.h"

/* --- JSON ------------------------------------------------------------------
 */

/*
 * NDJSON goes through cli.h's one JSON writer, writing straight into the
 * output buffer (json_init_out). A few helpers for the values of a packet:
 */

/* A word or a token, or null when the value has none. */
static void
json_kv_name(struct json *j, const char *key, const char *s)
{
	if (s) {
		json_kv_string(j, key, s);
	} else {
		json_key(j, key);
		json_null(j);
	}
}

/* An address as RFC 5952 text ("?" if it cannot be written); key NULL
 * for an element of an array. */
static void
json_kv_addr(struct json *j, const char *key, const struct ds_addr *a)
{
	char buf[DS_ADDR_STRLEN];
	int n = ds_addr_format(a, 0, buf, sizeof(buf));

	if (key)
		json_key(j, key);
	if (n > 0 && n < (int)sizeof(buf))
		json_string_len(j, buf, (size_t)n);
	else
		json_string(j, "?");
}

static void
json_kv_mac(struct json *j, const char *key, const struct ds_mac *m)
{
	char buf[DS_MAC_STRLEN];
	int n = ds_mac_format(m, buf, sizeof(buf));

	json_key(j, key);
	json_string_len(j, buf, n > 0 && n < (int)sizeof(buf) ? (size_t)n : 0);
}

/* --- Every field: the -v tree and JSON ------------------------------------ */

/*
 * One set of calls writes both the field tree and the JSON object, so the
 * two always hold the same fields. In the tree each line starts with the
 * field's offset from the start of the frame; in JSON the offset is a
 * member ("off") of each header, option and record, and fields at fixed
 * places follow from it.
 */
struct emit {
	struct cli_out *o;
	bool json;
	struct json j;
	unsigned level;
	const uint8_t *data; /* the frame, for DNSSL names */
	uint32_t caplen;
};

/* Levels of indentation the tree shows (deeper ones stay at this). */
#define TREE_DEPTH 16

/* "   54  " and two blanks per level: the offset column of the tree. */
static void
tree_start(struct emit *e, uint32_t off)
{
	char tmp[10], *q = tmp + sizeof(tmp);
	unsigned level = e->level < TREE_DEPTH ? e->level : TREE_DEPTH;
	char *p;

	do {
		*--q = (char)('0' + off % 10);
		off /= 10;
	} while (off);
	while (q > tmp + sizeof(tmp) - 5)
		*--q = ' ';
	p = cli_out_reserve(e->o, sizeof(tmp) + 2 + 2 * TREE_DEPTH);
	memcpy(p, q, (size_t)(tmp + sizeof(tmp) - q));
	p += tmp + sizeof(tmp) - q;
	memset(p, ' ', 2 + 2 * level);
	p += 2 + 2 * level;
	e->o->len = (size_t)(p - e->o->buf);
}

static void
tree_key(struct emit *e, uint32_t off, const char *key)
{
	tree_start(e, off);
	cli_out_str(e->o, key);
	cli_out_put(e->o, ": ", 2);
}

/* A header of the chain: {"header":"ipv6","off":14,"len":40, ...}. */
static void
e_hdr(struct emit *e, const char *name, uint32_t off, uint32_t len)
{
	if (e->json) {
		json_begin_object(&e->j);
		json_kv_string(&e->j, "header", name);
		json_kv_u64(&e->j, "off", off);
		json_kv_u64(&e->j, "len", len);
		return;
	}
	tree_start(e, off);
	cli_out_str(e->o, name);
	cli_out_str(e->o, " (");
	cli_out_u64(e->o, len);
	cli_out_str(e->o, len == 1 ? " byte)\n" : " bytes)\n");
	e->level++;
}

/* An element of a list (an option, a record): {"off":N, ...}. */
static void
e_item(struct emit *e, const char *what, uint32_t off)
{
	if (e->json) {
		json_begin_object(&e->j);
		json_kv_u64(&e->j, "off", off);
		return;
	}
	tree_start(e, off);
	cli_out_str(e->o, what);
	out_c(e->o, '\n');
	e->level++;
}

static void
e_end(struct emit *e)
{
	if (e->json)
		json_end(&e->j);
	else if (e->level)
		e->level--;
}

/* A named list ("options": [...]); the tree shows its items only. */
static void
e_list(struct emit *e, const char *key)
{
	if (e->json) {
		json_key(&e->j, key);
		json_begin_array(&e->j);
	}
}

static void
e_list_end(struct emit *e)
{
	if (e->json)
		json_end(&e->j);
}

/* A named object inside a header ("invoking": {...}). */
static void
e_obj(struct emit *e, const char *key, uint32_t off)
{
	if (e->json) {
		json_key(&e->j, key);
		json_begin_object(&e->j);
		return;
	}
	tree_start(e, off);
	cli_out_str(e->o, key);
	out_c(e->o, '\n');
	e->level++;
}

static void
e_u(struct emit *e, uint32_t off, const char *key, uint64_t v)
{
	if (e->json) {
		json_kv_u64(&e->j, key, v);
		return;
	}
	tree_key(e, off, key);
	cli_out_u64(e->o, v);
	out_c(e->o, '\n');
}

/* A number shown in hex in the tree (identifiers, checksums); JSON keeps
 * numbers as numbers. */
static void
e_x(struct emit *e, uint32_t off, const char *key, uint64_t v, unsigned w)
{
	if (e->json) {
		json_kv_u64(&e->j, key, v);
		return;
	}
	tree_key(e, off, key);
	out_hex(e->o, v, w);
	out_c(e->o, '\n');
}

/* A number with its name: the tree shows both, JSON the number and, when
 * there is a name, key_name. */
static void
e_un(
    struct emit *e, uint32_t off, const char *key, uint64_t v, const char *name)
{
	if (e->json) {
		json_kv_u64(&e->j, key, v);
		if (name) {
			/* "key_name": no printf on this path. */
			char k[40];
			size_t kl = strlen(key);

			if (kl > sizeof(k) - 6)
				kl = sizeof(k) - 6;
			memcpy(k, key, kl);
			memcpy(k + kl, "_name", 6);
			json_kv_string(&e->j, k, name);
		}
		return;
	}
	tree_key(e, off, key);
	cli_out_u64(e->o, v);
	if (name) {
		cli_out_str(e->o, " (");
		cli_out_str(e->o, name);
		out_c(e->o, ')');
	}
	out_c(e->o, '\n');
}

static void
e_s(struct emit *e, uint32_t off, const char *key, const char *s)
{
	if (e->json) {
		json_kv_name(&e->j, key, s);
		return;
	}
	tree_key(e, off, key);
	cli_out_str(e->o, s ? s : "-");
	out_c(e->o, '\n');
}

/* A value with a token and a word: JSON has the token, the tree the word. */
static void
e_word(struct emit *e, uint32_t off, const char *key, const char *tok,
    const char *word)
{
	e_s(e, off, key, e->json ? tok : word);
}

static void
e_b(struct emit *e, uint32_t off, const char *key, bool v)
{
	if (e->json) {
		json_kv_bool(&e->j, key, v);
		return;
	}
	tree_key(e, off, key);
	cli_out_str(e->o, v ? "yes\n" : "no\n");
}

static void
e_addr(struct emit *e, uint32_t off, const char *key, const struct ds_addr *a)
{
	if (e->json) {
		json_kv_addr(&e->j, key, a);
		return;
	}
	tree_key(e, off, key);
	out_addr(e->o, a);
	out_c(e->o, '\n');
}

/* An address in a list: a JSON string in an array, a line in the tree. */
static void
e_addr_item(
    struct emit *e, uint32_t off, const char *key, const struct ds_addr *a)
{
	if (e->json) {
		json_kv_addr(&e->j, NULL, a);
		return;
	}
	e_addr(e, off, key, a);
}

static void
e_mac(struct emit *e, uint32_t off, const char *key, const struct ds_mac *m)
{
	if (e->json) {
		json_kv_mac(&e->j, key, m);
		return;
	}
	tree_key(e, off, key);
	out_mac(e->o, m);
	out_c(e->o, '\n');
}

static void
e_prefix(struct emit *e, uint32_t off, const char *key, const struct ds_addr *a,
    unsigned len)
{
	struct ds_prefix pf = {*a, len};
	char buf[DS_PREFIX_STRLEN];

	if (ds_prefix_format(&pf, 0, buf, sizeof(buf)) < 0)
		strcpy(buf, "?");
	e_s(e, off, key, buf);
}

/* 2^32 - 1 is "infinity" for ND lifetimes (RFC 4861 section 4.6.2). */
static void
e_lifetime(struct emit *e, uint32_t off, const char *key, uint32_t v)
{
	if (!e->json && v == 0xffffffffu) {
		e_s(e, off, key, "infinity");
		return;
	}
	e_u(e, off, key, v);
}

/* Bytes as hex text: SLL link addresses. */
static void
e_hexbytes(
    struct emit *e, uint32_t off, const char *key, const uint8_t *b, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char buf[3 * 8 + 1];
	size_t k = 0;

	for (size_t i = 0; i < n && i < 8; i++) {
		if (i)
			buf[k++] = ':';
		buf[k++] = hex[b[i] >> 4];
		buf[k++] = hex[b[i] & 0xf];
	}
	buf[k] = '\0';
	e_s(e, off, key, buf);
}

static void
e_anomalies(struct emit *e, uint32_t off, uint32_t anom)
{
	char tok[DISSECT_TOKEN_MAX];

	if (e->json) {
		json_key(&e->j, "anomalies");
		json_begin_array(&e->j);
		for (unsigned b = 0; b < 32; b++) {
			if (!(anom & (1u << b)))
				continue;
			json_string(&e->j, dissect_anom_token(b, tok));
		}
		json_end(&e->j);
		return;
	}
	for (unsigned b = 0; b < 32; b++) {
		const char *s;

		if (!(anom & (1u << b)))
			continue;
		tree_key(e, off, "anomaly");
		cli_out_str(e->o, dissect_anom_token(b, tok));
		s = cli_packet_anomaly_name(1u << b);
		if (s) {
			cli_out_str(e->o, " (");
			cli_out_str(e->o, s);
			out_c(e->o, ')');
		}
		out_c(e->o, '\n');
	}
}

static void
e_error(struct emit *e, const struct ds_pkt_err *er)
{
	char tok[DISSECT_TOKEN_MAX];

	if (er->kind == DS_PKT_ERR_NONE)
		return;
	if (e->json) {
		json_key(&e->j, "error");
		json_begin_object(&e->j);
		json_kv_string(&e->j, "kind", err_kind_token(er->kind));
		json_kv_string(&e->j, "layer", dissect_layer_token(er, tok));
		if (er->why != DS_PKT_WHY_NONE)
			json_kv_string(&e->j, "why",
			    or_unknown(cli_packet_why_name(er->why)));
		if (er->layer == DS_PKT_LAYER_EXT ||
		    er->layer == DS_PKT_LAYER_EXT_OPT) {
			json_kv_u64(&e->j, "proto", er->proto);
			json_kv_u64(&e->j, "index", er->index);
		}
		json_kv_u64(&e->j, "off", er->off);
		json_kv_u64(&e->j, "end", er->end);
		json_end(&e->j);
		return;
	}
	tree_key(e, er->off, "error");
	cli_out_str(e->o, err_kind_token(er->kind));
	cli_out_str(e->o, " in ");
	cli_out_str(e->o, dissect_layer_token(er, tok));
	cli_out_str(e->o, " (");
	cli_out_str(e->o, or_unknown(cli_packet_err_kind_name(er->kind)));
	cli_out_str(e->o, ", ");
	cli_out_str(e->o, or_unknown(cli_packet_layer_name(er->layer)));
	if (er->why != DS_PKT_WHY_NONE) {
		cli_out_str(e->o, ", ");
		cli_out_str(e->o, or_unknown(cli_packet_why_name(er->why)));
	}
	cli_out_str(e->o, "), ");
	cli_out_str(e->o,
	    er->kind == DS_PKT_ERR_MALFORMED ? "field at " : "needed up to ");
	cli_out_u64(e->o, er->end);
	out_c(e->o, '\n');
}

/* Options of HbH, DestOpts, IPv4 and TCP; names from the right table. */
enum opt_family { OPT_IP6, OPT_IP4, OPT_TCP };

static void
e_opts(struct emit *e, const struct ds_pkt *p, const struct ds_pkt_optlist *l,
    enum opt_family fam)
{
	e_list(e, "options");
	for (unsigned i = 0; i < l->n && l->first + i < DS_PKT_MAX_OPT; i++) {
		const struct ds_pkt_opt *op = &p->opt[l->first + i];
		const char *name = fam == OPT_IP6
		    ? cli_packet_opt_name(op->type)
		    : fam == OPT_IP4 ? cli_packet_ip4opt_name(op->type)
		                     : cli_packet_tcpopt_name(op->type);

		e_item(e, "option", op->off);
		e_un(e, op->off, "type", op->type, name);
		e_u(e, op->off + 1, "len", op->len);
		switch (fam == OPT_TCP ? op->type + 0x100 : op->type) {
		case 0x05:  /* Router Alert */
		case 0xc2:  /* Jumbo Payload */
		case 0x04:  /* Tunnel Encapsulation Limit */
		case 0x102: /* TCP MSS */
		case 0x103: /* TCP window scale */
		case 0x105: /* TCP SACK blocks */
			if (fam == OPT_IP4)
				break;
			e_u(e, op->off + 2, "value", op->value);
			break;
		case 0x108: /* TCP timestamps */
			e_u(e, op->off + 2, "ts_val", op->value);
			e_u(e, op->off + 6, "ts_ecr", op->value2);
			break;
		default:
			break;
		}
		e_end(e);
	}
	e_list_end(e);
	if (l->count > l->n)
		e_u(e, 0, "options_not_shown", (uint64_t)(l->count - l->n));
}

static void
e_addr_pool(struct emit *e, const struct ds_pkt *p, const char *key,
    uint32_t off, unsigned stride, unsigned first, unsigned n, unsigned count)
{
	e_list(e, key);
	for (unsigned i = 0; i < n && first + i < DS_PKT_MAX_ADDR; i++)
		e_addr_item(
		    e, off + stride * i, "address", &p->addr[first + i]);
	e_list_end(e);
	if (count > n)
		e_u(e, off, "addresses_not_shown", (uint64_t)(count - n));
}

static void
e_ext(struct emit *e, const struct ds_pkt *p, const struct ds_pkt_ext *x)
{
	const char *name = ds_packet_ext_token(x->type);
	char num[16];
	uint32_t o = x->off;

	if (!name) {
		snprintf(num, sizeof(num), "proto%u", x->type);
		name = num;
	}
	e_hdr(e, name, o, x->len);
	e_un(e, o, "proto", x->type, cli_packet_proto_name(x->type));
	if (x->type != 50) {
		e_un(e, o, "next_header", x->next,
		    cli_packet_proto_name(x->next));
		e_u(e, o + 1, "length_field", x->len_field);
	}
	switch (x->type) {
	case 0:
	case 60:
		e_opts(e, p, &x->u.opts, OPT_IP6);
		break;
	case 43: {
		const struct ds_pkt_ext_rt *r = &x->u.rt;

		e_un(e, o + 2, "routing_type", r->type,
		    cli_packet_rt_name(r->type));
		e_u(e, o + 3, "segments_left", r->segleft);
		if (r->type == 3) {
			e_u(e, o + 4, "cmpr_i", r->cmpr_i);
			e_u(e, o + 4, "cmpr_e", r->cmpr_e);
			e_u(e, o + 5, "pad", r->pad);
		}
		if (r->type == 4) {
			e_u(e, o + 4, "last_entry", r->last_entry);
			e_x(e, o + 5, "flags", r->flags, 2);
			e_x(e, o + 6, "tag", r->tag, 4);
		}
		e_addr_pool(e, p, "addresses", o + 8, r->type == 3 ? 0 : 16,
		    r->addr_first, r->n_addr, r->addr_count);
		e_u(e, o + 8, "address_count", r->addr_count);
		if (r->type == 4 && r->tlv_len) {
			e_u(e, r->tlv_off, "tlv_off", r->tlv_off);
			e_u(e, r->tlv_off, "tlv_len", r->tlv_len);
		}
		break;
	}
	case 44: {
		const struct ds_pkt_ext_frag *f = &x->u.frag;

		e_u(e, o + 2, "offset", f->offset);
		e_b(e, o + 3, "more", f->more);
		e_b(e, o + 2, "atomic", f->atomic);
		e_x(e, o + 4, "id", f->id, 8);
		e_u(e, o + 1, "reserved", f->res);
		e_u(e, o + 3, "reserved2", f->res2);
		break;
	}
	case 51: {
		const struct ds_pkt_ext_ah *a = &x->u.ah;

		e_x(e, o + 4, "spi", a->spi, 8);
		e_u(e, o + 8, "seq", a->seq);
		e_u(e, a->icv_off, "icv_off", a->icv_off);
		e_u(e, a->icv_off, "icv_len", a->icv_len);
		break;
	}
	case 50:
		e_x(e, o, "spi", x->u.esp.spi, 8);
		e_u(e, o + 4, "seq", x->u.esp.seq);
		break;
	case 135:
		e_u(e, o + 2, "mh_type", x->u.mob.mh_type);
		e_x(e, o + 4, "checksum", x->u.mob.checksum, 4);
		break;
	case 139:
		e_u(e, o + 2, "packet_type", x->u.hip.packet_type);
		e_u(e, o + 3, "version", x->u.hip.version);
		e_x(e, o + 4, "checksum", x->u.hip.checksum, 4);
		e_x(e, o + 6, "controls", x->u.hip.controls, 4);
		break;
	case 140:
		e_b(e, o + 2, "payload", x->u.shim6.payload);
		e_u(e, o + 2, "type", x->u.shim6.type);
		e_x(e, o + 4, "checksum", x->u.shim6.checksum, 4);
		break;
	default:
		break;
	}
	e_end(e);
}

static void
e_tcp(struct emit *e, const struct ds_pkt *p, const struct ds_pkt_ip *ip)
{
	const struct ds_pkt_tcp *t = &ip->u.tcp;
	uint32_t o = ip->l4_off;
	char flags[12];
	size_t n = 0;

	e_hdr(e, ds_packet_l4_token(ip->l4), o, t->doff);
	e_u(e, o, "sport", t->sport);
	e_u(e, o + 2, "dport", t->dport);
	e_u(e, o + 4, "seq", t->seq);
	e_u(e, o + 8, "ack", t->ack);
	e_u(e, o + 12, "data_offset", t->doff);
	static const struct {
		uint16_t bit;
		char c;
	} fl[] = {
	    {DS_TCP_FIN, 'F'},
	    {DS_TCP_SYN, 'S'},
	    {DS_TCP_RST, 'R'},
	    {DS_TCP_PSH, 'P'},
	    {DS_TCP_URG, 'U'},
	    {DS_TCP_ECE, 'E'},
	    {DS_TCP_CWR, 'W'},
	    {DS_TCP_AE, 'A'},
	    {DS_TCP_ACK, '.'},
	};
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if (t->flags & fl[i].bit)
			flags[n++] = fl[i].c;
	flags[n] = '\0';
	e_s(e, o + 13, "flags", flags);
	e_x(e, o + 12, "flag_bits", t->flags, 3);
	e_u(e, o + 14, "window", t->window);
	e_x(e, o + 16, "checksum", t->checksum, 4);
	e_u(e, o + 18, "urgent", t->urgent);
	e_u(e, o + t->doff, "payload_length", l4_payload(ip, t->doff));
	if (t->has_mss)
		e_u(e, o + 20, "mss", t->mss);
	if (t->has_wscale)
		e_u(e, o + 20, "wscale", t->wscale);
	if (t->sack_ok)
		e_b(e, o + 20, "sack_ok", true);
	if (t->has_ts) {
		e_u(e, o + 20, "ts_val", t->ts_val);
		e_u(e, o + 20, "ts_ecr", t->ts_ecr);
	}
	e_opts(e, p, &t->opts, OPT_TCP);
	e_end(e);
}

static void
e_ndopts(struct emit *e, const struct ds_pkt *p)
{
	const struct ds_pkt_icmp6 *m = &p->icmp6;

	e_list(e, "nd_options");
	for (unsigned i = 0; i < m->n_ndopt && i < DS_PKT_MAX_NDOPT; i++) {
		const struct ds_pkt_ndopt *n = &p->u.nd_opt[i];
		uint32_t o = n->off;

		e_item(e, "nd option", o);
		e_un(e, o, "type", n->type, cli_packet_ndopt_name(n->type));
		e_u(e, o + 1, "len", n->len);
		switch (n->type) {
		case 1:
		case 2:
			if (n->len == 1)
				e_mac(e, o + 2, "lladdr", &n->u.lladdr);
			break;
		case 3:
			e_u(e, o + 2, "prefix_len", n->u.prefix.plen);
			e_x(e, o + 3, "flags", n->u.prefix.flags, 2);
			e_b(e, o + 3, "onlink", n->u.prefix.onlink);
			e_b(e, o + 3, "autoconf", n->u.prefix.autoconf);
			e_b(e, o + 3, "router", n->u.prefix.router);
			e_lifetime(e, o + 4, "valid", n->u.prefix.valid);
			e_lifetime(
			    e, o + 8, "preferred", n->u.prefix.preferred);
			e_prefix(e, o + 16, "prefix", &n->u.prefix.prefix,
			    n->u.prefix.plen);
			break;
		case 5:
			e_u(e, o + 4, "mtu", n->u.mtu);
			break;
		case 24:
			e_u(e, o + 2, "prefix_len", n->u.route.plen);
			e_word(e, o + 3, "preference",
			    ds_packet_prf_token(n->u.route.prf & 3),
			    cli_packet_prf_name(n->u.route.prf & 3));
			e_lifetime(e, o + 4, "lifetime", n->u.route.lifetime);
			e_prefix(e, o + 8, "prefix", &n->u.route.prefix,
			    n->u.route.plen);
			break;
		case 25:
			e_lifetime(e, o + 4, "lifetime", n->u.rdnss.lifetime);
			e_addr_pool(e, p, "servers", o + 8, 16,
			    n->u.rdnss.addr_first, n->u.rdnss.n_addr,
			    n->u.rdnss.addr_count);
			break;
		case 31: {
			uint32_t no = n->u.dnssl.names_off;
			uint32_t nl = n->u.dnssl.names_len;

			e_lifetime(e, o + 4, "lifetime", n->u.dnssl.lifetime);
			e_list(e, "domains");
			/* Offsets within caplen, the decoder promises. */
			if (e->data && no <= e->caplen &&
			    nl <= e->caplen - no) {
				size_t pos = 0;
				char name[DS_PKT_NAME_STRLEN];

				for (unsigned k = 0; k < 64; k++) {
					size_t at = pos;
					int r = ds_packet_dns_name(e->data + no,
					    nl, &pos, name, sizeof(name));

					if (r <= 0)
						break;
					if (e->json)
						json_string(&e->j, name);
					else
						e_s(e, no + (uint32_t)at,
						    "domain", name);
				}
			}
			e_list_end(e);
			break;
		}
		default:
			if (n->type != 1 && n->type != 2)
				e_u(e, o + 2, "data_len", n->u.raw.data_len);
			break;
		}
		e_end(e);
	}
	e_list_end(e);
	if (m->ndopt_count > m->n_ndopt)
		e_u(e, 0, "nd_options_not_shown",
		    (uint64_t)(m->ndopt_count - m->n_ndopt));
}

static void e_ip(struct emit *e, const struct ds_pkt *p,
    const struct ds_pkt_ip *ip, bool inner);

static void
e_icmp6(struct emit *e, const struct ds_pkt *p, const struct ds_pkt_ip *ip,
    bool inner)
{
	const struct ds_pkt_icmp *ic = &ip->u.icmp;
	const struct ds_pkt_icmp6 *m = &p->icmp6;
	uint32_t o = ip->l4_off;
	bool body = !inner && l4_body_ok(ip, DS_PKT_LAYER_ICMP6);

	e_hdr(e, ds_packet_l4_token(ip->l4), o, ip->l4_len);
	e_un(e, o, "type", ic->type, cli_packet_icmp6_type_name(ic->type));
	e_un(e, o + 1, "code", ic->code,
	    cli_packet_icmp6_code_name(ic->type, ic->code));
	e_x(e, o + 2, "checksum", ic->checksum, 4);
	switch (ic->type) {
	case 1:
	case 3:
		e_x(e, o + 4, "unused", ic->word, 8);
		break;
	case 2:
		e_u(e, o + 4, "mtu", ic->word);
		break;
	case 4:
		e_u(e, o + 4, "pointer", ic->word);
		break;
	case 128:
	case 129:
		e_u(e, o + 4, "id", ic->id);
		e_u(e, o + 6, "seq", ic->seq);
		break;
	case 130:
	case 131:
	case 132:
		if (!body)
			break;
		e_u(e, o + 4, "max_resp", m->max_resp);
		e_addr(e, o + 8, "group", &m->group);
		if (ic->type == 130) {
			e_b(e, o + 24, "mldv2", m->mldv2);
			if (m->mldv2) {
				e_b(e, o + 24, "s_flag", m->s_flag);
				e_u(e, o + 24, "qrv", m->qrv);
				e_u(e, o + 25, "qqic", m->qqic);
				e_u(e, o + 26, "nsrc", m->nsrc);
				e_addr_pool(e, p, "sources", o + 28, 16,
				    m->src_first, m->n_src, m->nsrc);
			}
		}
		break;
	case 143:
		if (!body)
			break;
		e_u(e, o + 6, "nrec", m->nrec);
		e_list(e, "records");
		for (unsigned i = 0; i < m->n_mldrec && i < DS_PKT_MAX_MLDREC;
		     i++) {
			const struct ds_pkt_mldrec *r = &p->u.mld_rec[i];

			e_item(e, "record", r->off);
			e_un(e, r->off, "type", r->type,
			    cli_packet_mldrec_name(r->type));
			e_u(e, r->off + 1, "aux_len", r->aux_len);
			e_u(e, r->off + 2, "nsrc", r->nsrc);
			e_addr(e, r->off + 4, "group", &r->group);
			e_addr_pool(e, p, "sources", r->off + 20, 16,
			    r->src_first, r->n_src, r->nsrc);
			e_end(e);
		}
		e_list_end(e);
		break;
	case 134:
		if (!body)
			break;
		e_u(e, o + 4, "cur_hop_limit", m->cur_hop_limit);
		e_x(e, o + 5, "flags", m->ra_flags, 2);
		e_b(e, o + 5, "managed", m->managed);
		e_b(e, o + 5, "other", m->other);
		e_b(e, o + 5, "home_agent", m->home_agent);
		e_b(e, o + 5, "proxy", m->proxy);
		e_word(e, o + 5, "preference", ds_packet_prf_token(m->prf & 3),
		    cli_packet_prf_name(m->prf & 3));
		e_u(e, o + 6, "router_lifetime", m->router_lifetime);
		e_u(e, o + 8, "reachable_time", m->reachable);
		e_u(e, o + 12, "retrans_timer", m->retrans);
		break;
	case 136:
		if (!body)
			break;
		e_b(e, o + 4, "router", m->router);
		e_b(e, o + 4, "solicited", m->solicited);
		e_b(e, o + 4, "override", m->override);
		e_addr(e, o + 8, "target", &m->target);
		break;
	case 135:
	case 137:
		if (!body)
			break;
		e_addr(e, o + 8, "target", &m->target);
		if (ic->type == 137)
			e_addr(e, o + 24, "destination", &m->dest);
		break;
	default:
		e_x(e, o + 4, "word", ic->word, 8);
		break;
	}
	if (body && ic->type >= 133 && ic->type <= 137)
		e_ndopts(e, p);
	if (!inner && p->has_inner) {
		e_obj(e, "invoking", p->inner.off);
		e_ip(e, p, &p->inner, true);
		e_end(e);
	}
	e_end(e);
}

static void
e_icmp4(struct emit *e, const struct ds_pkt *p, const struct ds_pkt_ip *ip,
    bool inner)
{
	const struct ds_pkt_icmp *ic = &ip->u.icmp;
	uint32_t o = ip->l4_off;

	e_hdr(e, ds_packet_l4_token(ip->l4), o, ip->l4_len);
	e_un(e, o, "type", ic->type, cli_packet_icmp4_type_name(ic->type));
	e_u(e, o + 1, "code", ic->code);
	e_x(e, o + 2, "checksum", ic->checksum, 4);
	if (ic->type == 0 || ic->type == 8) {
		e_u(e, o + 4, "id", ic->id);
		e_u(e, o + 6, "seq", ic->seq);
	} else {
		e_x(e, o + 4, "word", ic->word, 8);
	}
	if (!inner && p->has_inner) {
		e_obj(e, "invoking", p->inner.off);
		e_ip(e, p, &p->inner, true);
		e_end(e);
	}
	e_end(e);
}

/* The upper layer, last in the chain. */
static void
e_l4(struct emit *e, const struct ds_pkt *p, const struct ds_pkt_ip *ip,
    bool inner)
{
	switch (ip->l4) {
	case DS_PKT_L4_TCP:
		e_tcp(e, p, ip);
		break;
	case DS_PKT_L4_UDP: {
		const struct ds_pkt_udp *u = &ip->u.udp;
		uint32_t o = ip->l4_off;

		e_hdr(e, ds_packet_l4_token(ip->l4), o, 8);
		e_u(e, o, "sport", u->sport);
		e_u(e, o + 2, "dport", u->dport);
		if (l4_body_ok(ip, DS_PKT_LAYER_UDP)) {
			e_u(e, o + 4, "length", u->len);
			e_x(e, o + 6, "checksum", u->checksum, 4);
			e_u(e, o + 8, "payload_length",
			    u->len >= 8 ? u->len - 8u : 0);
		}
		e_end(e);
		break;
	}
	case DS_PKT_L4_ICMP6:
		e_icmp6(e, p, ip, inner);
		break;
	case DS_PKT_L4_ICMP4:
		e_icmp4(e, p, ip, inner);
		break;
	case DS_PKT_L4_FRAGMENT:
		e_hdr(e, ds_packet_l4_token(ip->l4), ip->l4_off,
		    l4_payload(ip, 0));
		e_un(e, ip->l4_off, "proto", ip->proto,
		    cli_packet_proto_name(ip->proto));
		e_end(e);
		break;
	case DS_PKT_L4_NO_NEXT:
		e_hdr(e, ds_packet_l4_token(ip->l4), ip->l4_off,
		    l4_payload(ip, 0));
		e_end(e);
		break;
	case DS_PKT_L4_OTHER:
		e_hdr(e, ds_packet_l4_token(ip->l4), ip->l4_off,
		    l4_payload(ip, 0));
		e_un(e, ip->l4_off, "proto", ip->proto,
		    cli_packet_proto_name(ip->proto));
		e_end(e);
		break;
	default:
		break;
	}
}

/* An IP header and its extension headers (or IPv4 options), as items of
 * the chain. */
static void
e_ip_hdr(struct emit *e, const struct ds_pkt *p, const struct ds_pkt_ip *ip)
{
	uint32_t o = ip->off;

	if (ip->version == 6) {
		e_hdr(e, "ipv6", o, ip->hdr_len);
		e_u(e, o, "version", 6);
		e_un(e, o, "dscp", ip->dscp, cli_packet_dscp_name(ip->dscp));
		e_un(e, o + 1, "ecn", ip->ecn, cli_packet_ecn_name(ip->ecn));
		e_x(e, o + 1, "flow_label", ip->flow_label, 5);
		e_u(e, o + 4, "payload_length", ip->payload_len);
		e_un(e, o + 6, "next_header", ip->next,
		    cli_packet_proto_name(ip->next));
		e_u(e, o + 7, "hop_limit", ip->hop_limit);
		e_addr(e, o + 8, "src", &ip->src);
		e_addr(e, o + 24, "dst", &ip->dst);
		e_u(e, o, "total_length", ip->total_len);
		if (ip->trailer)
			e_u(e, o + ip->total_len, "trailer", ip->trailer);
		e_u(e, o + 6, "ext_count", ip->ext_count);
		e_end(e);
		for (unsigned i = 0; i < ip->n_ext && i < DS_PKT_MAX_EXT; i++)
			e_ext(e, p, &ip->ext[i]);
	} else if (ip->version == 4) {
		e_hdr(e, "ipv4", o, ip->hdr_len);
		e_u(e, o, "version", 4);
		e_u(e, o, "ihl", ip->hdr_len / 4);
		e_un(
		    e, o + 1, "dscp", ip->dscp, cli_packet_dscp_name(ip->dscp));
		e_un(e, o + 1, "ecn", ip->ecn, cli_packet_ecn_name(ip->ecn));
		e_u(e, o + 2, "total_length", ip->total_len);
		e_x(e, o + 4, "id", ip->id, 4);
		e_b(e, o + 6, "evil", ip->evil);
		e_b(e, o + 6, "df", ip->df);
		e_b(e, o + 6, "mf", ip->mf);
		e_u(e, o + 6, "frag_offset", ip->frag_off);
		e_u(e, o + 8, "ttl", ip->hop_limit);
		e_un(e, o + 9, "protocol", ip->next,
		    cli_packet_proto_name(ip->next));
		e_x(e, o + 10, "checksum", ip->checksum, 4);
		e_addr(e, o + 12, "src", &ip->src);
		e_addr(e, o + 16, "dst", &ip->dst);
		if (ip->trailer)
			e_u(e, o + ip->total_len, "trailer", ip->trailer);
		if (ip->opts.count)
			e_opts(e, p, &ip->opts, OPT_IP4);
		e_end(e);
	}
}

/* One side's embedded IPv4 address (and Teredo port) and whether the
 * outer header agrees. */
static void
e_embed(struct emit *e, uint32_t off, bool dst, const struct ds_addr *a,
    uint16_t port, bool match)
{
	e_addr(e, off, dst ? "dst_embedded" : "src_embedded", a);
	if (port)
		e_u(e, off, dst ? "dst_embedded_port" : "src_embedded_port",
		    port);
	e_b(e, off, dst ? "dst_matches_outer" : "src_matches_outer", match);
}

/* A tunnel between two packets of the chain: {"header":"gre", ...}. */
static void
e_tun(struct emit *e, const struct ds_pkt_tun *t)
{
	uint32_t o = t->off;
	const char *tok = ds_packet_tun_token(t->kind);

	e_hdr(e, tok ? tok : "tunnel", o, t->len);
	e_word(e, o, "kind", tok, cli_packet_tun_name(t->kind));
	e_u(e, o, "inner_version", t->version);
	if (t->kind == DS_PKT_TUN_GRE) {
		uint32_t f = o + 4;

		e_x(e, o, "flags", t->gre_flags, 4);
		e_u(e, o + 1, "version", t->gre_flags & 7);
		e_un(e, o + 2, "protocol", t->gre_proto,
		    cli_packet_ethertype_name(t->gre_proto));
		if (t->flags & DS_PKT_TUNF_GRE_CSUM) {
			e_x(e, f, "checksum", t->gre_checksum, 4);
			f += 4;
		}
		if (t->flags & DS_PKT_TUNF_GRE_KEY) {
			e_x(e, f, "key", t->gre_key, 8);
			f += 4;
		}
		if (t->flags & DS_PKT_TUNF_GRE_SEQ) {
			e_u(e, f, "sequence", t->gre_seq);
			f += 4;
		}
		if (t->flags & DS_PKT_TUNF_ETH) {
			e_mac(e, f, "eth_dst", &t->eth_dst);
			e_mac(e, f + 6, "eth_src", &t->eth_src);
			e_un(e, f + 12, "ethertype", t->ethertype,
			    cli_packet_ethertype_name(t->ethertype));
		}
	}
	if (t->flags & DS_PKT_TUNF_TEREDO_AUTH) {
		e_u(e, o + 2, "auth_id_len", t->auth_id_len);
		e_u(e, o + 3, "auth_len", t->auth_len);
		e_hexbytes(e, t->auth_off + t->auth_len, "nonce", t->nonce, 8);
		e_u(e, t->auth_off + t->auth_len + 8u, "confirmation",
		    t->confirm);
	}
	if (t->flags & DS_PKT_TUNF_TEREDO_ORIGIN) {
		uint32_t oi = o + t->len - 8;

		e_addr(e, oi + 4, "origin", &t->origin);
		e_u(e, oi + 2, "origin_port", t->origin_port);
	}
	if (t->kind == DS_PKT_TUN_TEREDO)
		e_b(e, o + t->len, "bubble",
		    (t->flags & DS_PKT_TUNF_TEREDO_BUBBLE) != 0);
	if (t->flags & DS_PKT_TUNF_SRC_EMBEDS)
		e_embed(e, o + t->len, false, &t->v4_src, t->port_src,
		    (t->flags & DS_PKT_TUNF_SRC_MATCH) != 0);
	if (t->flags & DS_PKT_TUNF_DST_EMBEDS)
		e_embed(e, o + t->len, true, &t->v4_dst, t->port_dst,
		    (t->flags & DS_PKT_TUNF_DST_MATCH) != 0);
	e_end(e);
}

/* An IP packet: its header, extension headers and upper layer, then its
 * anomalies and error; a tunnelled packet has the packets around it and
 * the tunnels between them first, in the order of the frame. For JSON:
 * "signature", "chain": [...], ... */
static void
e_ip(struct emit *e, const struct ds_pkt *p, const struct ds_pkt_ip *ip,
    bool inner)
{
	uint32_t o = ip->off;

	if (e->json && !inner) {
		char sig[DS_PKT_SIG_STRLEN];

		ds_packet_signature(p, sig, sizeof(sig));
		json_kv_string(&e->j, "signature", sig);
	}
	e_list(e, "chain");
	for (unsigned i = 0; !inner && i < p->n_tun && i < DS_PKT_MAX_TUN;
	     i++) {
		e_ip_hdr(e, p, &p->outer[i]);
		/* Teredo's UDP header. */
		if (p->outer[i].l4 == DS_PKT_L4_UDP)
			e_l4(e, p, &p->outer[i], true);
		e_tun(e, &p->tun[i]);
	}
	if (ip->version)
		e_ip_hdr(e, p, ip);
	/* Version 0: not even the IP header was there (an invoking packet
	 * quoted too short, a tunnel's payload cut short); the chain ends
	 * and the error says why. */
	if (ip->version)
		e_l4(e, p, ip, inner);
	e_list_end(e);
	if (ip->anom || e->json)
		e_anomalies(e, o, ip->anom);
	e_error(e, &ip->err);
}

static void
e_link(struct emit *e, const struct ds_pkt *p, int dlt)
{
	const struct ds_pkt_link *l = &p->link;
	const char *name = ds_capture_linktype_name(dlt);

	if (e->json) {
		json_key(&e->j, "link");
		json_begin_object(&e->j);
		json_kv_name(&e->j, "type", name);
		json_kv_int(&e->j, "dlt", dlt);
		json_kv_u64(&e->j, "len", l->len);
	} else {
		tree_start(e, 0);
		cli_out_str(e->o, "link ");
		cli_out_str(e->o, name ? name : "?");
		cli_out_str(e->o, " (");
		cli_out_u64(e->o, l->len);
		cli_out_str(e->o, " bytes)\n");
		e->level++;
	}
	switch (l->type) {
	case DS_LINK_EN10MB:
		if (l->len < 14)
			break;
		e_mac(e, 0, "dst", &l->dst);
		e_mac(e, 6, "src", &l->src);
		if (e->json) {
			json_key(&e->j, "vlan");
			json_begin_array(&e->j);
		}
		for (unsigned i = 0; i < l->n_vlan && i < DS_PKT_MAX_VLAN;
		     i++) {
			const struct ds_pkt_vlan *v = &l->vlan[i];

			e_item(e, "vlan", v->off);
			e_x(e, v->off, "tpid", v->tpid, 4);
			e_u(e, v->off + 2, "vid", v->vid);
			e_u(e, v->off + 2, "pcp", v->pcp);
			e_b(e, v->off + 2, "dei", v->dei);
			e_end(e);
		}
		if (e->json)
			json_end(&e->j);
		if (l->vlan_count > l->n_vlan)
			e_u(e, 12, "vlan_count", l->vlan_count);
		break;
	case DS_LINK_LINUX_SLL:
		/* packet(7) cooked header v1: type, hatype, halen, address,
		 * protocol. */
		e_u(e, 0, "pkttype", l->sll_pkttype);
		e_u(e, 2, "hatype", l->sll_hatype);
		e_u(e, 4, "halen", l->sll_halen);
		e_hexbytes(e, 6, "addr", l->sll_addr,
		    l->sll_halen < 8 ? l->sll_halen : 8);
		break;
	case DS_LINK_LINUX_SLL2:
		/* v2: protocol, reserved, ifindex, hatype, type, halen,
		 * address. */
		e_u(e, 4, "ifindex", l->sll_ifindex);
		e_u(e, 8, "hatype", l->sll_hatype);
		e_u(e, 10, "pkttype", l->sll_pkttype);
		e_u(e, 11, "halen", l->sll_halen);
		e_hexbytes(e, 12, "addr", l->sll_addr,
		    l->sll_halen < 8 ? l->sll_halen : 8);
		break;
	case DS_LINK_NULL:
	case DS_LINK_LOOP:
		e_u(e, 0, "family", l->family);
		break;
	default:
		break;
	}
	/* The tree shows the EtherType where the header has one; JSON
	 * always (for raw and loopback links it is implied). */
	bool has_type = l->type == DS_LINK_EN10MB ||
	    l->type == DS_LINK_LINUX_SLL || l->type == DS_LINK_LINUX_SLL2;

	if (e->json || (has_type && l->len >= 2)) {
		const char *s = l->ethertype
		    ? cli_packet_ethertype_name(l->ethertype)
		    : NULL;
		uint32_t off = l->type == DS_LINK_LINUX_SLL2 ? 0 : l->len - 2;

		if (e->json) {
			e_un(e, off, "ethertype", l->ethertype, s);
		} else {
			tree_key(e, off, "ethertype");
			out_hex(e->o, l->ethertype, 4);
			if (s) {
				cli_out_str(e->o, " (");
				cli_out_str(e->o, s);
				out_c(e->o, ')');
			}
			out_c(e->o, '\n');
		}
	}
	e_end(e);
}

/* --- One packet ----------------------------------------------------------- */

static void
json_tuple(struct json *j, const char *key, const struct ds_tuple *t)
{
	json_key(j, key);
	json_begin_object(j);
	json_kv_u64(j, "proto", t->protocol);
	json_kv_addr(j, "src", &t->src.addr);
	json_kv_u64(j, "sport", t->src.port);
	json_kv_addr(j, "dst", &t->dst.addr);
	json_kv_u64(j, "dport", t->dst.port);
	json_end(j);
}

void
dissect_json(struct dissect *d, const struct ds_capture_packet *cp, int rc)
{
	struct emit e = {
	    .o = &d->o, .json = true, .data = cp->data, .caplen = cp->caplen};
	const struct ds_pkt *p = &d->pkt;
	char time[DISSECT_TIME_MAX];

	json_init_out(&e.j, &d->o, false);
	json_begin_object(&e.j);
	json_kv_u64(&e.j, "frame", cp->number);
	json_key(&e.j, "time");
	json_string_len(&e.j, time, dissect_rfc3339(d, cp, time));
	json_kv_int(&e.j, "ts_sec", cp->sec);
	json_kv_u64(&e.j, "ts_nsec", cp->nsec);
	json_kv_u64(&e.j, "caplen", cp->caplen);
	json_kv_u64(&e.j, "wirelen", cp->wirelen);
	if (rc < 0) {
		json_key(&e.j, "link");
		json_begin_object(&e.j);
		json_kv_name(
		    &e.j, "type", ds_capture_linktype_name(cp->linktype));
		json_kv_int(&e.j, "dlt", cp->linktype);
		json_end(&e.j);
		json_key(&e.j, "error");
		json_begin_object(&e.j);
		json_kv_string(&e.j, "kind", "unsupported-link");
		json_end(&e.j);
		if (d->dump)
			dissect_dump_json(&e.j, d, cp, rc);
		json_end(&e.j);
		out_c(&d->o, '\n');
		return;
	}
	e_link(&e, p, cp->linktype);
	if (p->ip.version || p->n_tun) {
		struct ds_tuple t;

		e_ip(&e, p, &p->ip, false);
		/* The 5-tuple, for joining packets to connection logs: the
		 * inner one, and the tunnel's endpoints beside it. */
		if (ds_packet_tuple(p, &t) == 0)
			json_tuple(&e.j, "tuple", &t);
		if (ds_packet_outer_tuple(p, &t) == 0)
			json_tuple(&e.j, "outer_tuple", &t);
	} else {
		char sig[DS_PKT_SIG_STRLEN];

		ds_packet_signature(p, sig, sizeof(sig));
		json_kv_string(&e.j, "signature", sig);
		json_key(&e.j, "chain");
		json_begin_array(&e.j);
		json_end(&e.j);
		e_anomalies(&e, 0, p->ip.anom);
		e_error(&e, &p->ip.err);
	}
	if (p->capped) {
		json_key(&e.j, "capped");
		json_begin_array(&e.j);
		for (unsigned b = 0; b < 32; b++) {
			const char *tok = ds_packet_capped_token(1u << b);

			if ((p->capped & (1u << b)) && tok)
				json_string(&e.j, tok);
		}
		json_end(&e.j);
	}
	if (d->dump)
		dissect_dump_json(&e.j, d, cp, rc);
	json_end(&e.j);
	out_c(&d->o, '\n');
}

void
dissect_tree(struct dissect *d, const struct ds_capture_packet *cp, int rc)
{
	struct emit e = {.o = &d->o,
	    .json = false,
	    .level = 0,
	    .data = cp->data,
	    .caplen = cp->caplen};
	const struct ds_pkt *p = &d->pkt;
	struct cli_out *o = &d->o;

	cli_out_str(o, "frame ");
	cli_out_u64(o, cp->number);
	out_c(o, ' ');
	dissect_time_cache(d, cp->sec);
	cli_out_str(o, d->tc_date);
	out_c(o, ' ');
	cli_out_str(o, d->tc_clock);
	dissect_out_frac(d, cp->nsec);
	cli_out_str(o, " UTC caplen ");
	cli_out_u64(o, cp->caplen);
	cli_out_str(o, " wirelen ");
	cli_out_u64(o, cp->wirelen);
	out_c(o, '\n');
	if (rc < 0) {
		cli_out_str(o, "    0  link type not decoded\n\n");
		return;
	}
	e.level = 0;
	e_link(&e, p, cp->linktype);
	if (p->ip.version || p->n_tun) {
		e_ip(&e, p, &p->ip, false);
	} else {
		e_anomalies(&e, 0, p->ip.anom);
		e_error(&e, &p->ip.err);
	}
	out_c(o, '\n');
}
