/* SPDX-License-Identifier: MIT */
/*
 * dualstack dissect --stats: chain signatures and the summary of a
 * capture, as text or one JSON document.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-packet.h"
#include "cmd-dissect.h"

static void out_printf(struct cli_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* For the -v tree and the summary only: not on the hot path. */
static void
out_printf(struct cli_out *o, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		cli_out_put(o, tmp,
		    (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* --- Chain signatures and the summary ------------------------------------- */

struct sigbuf {
	char *p;
	size_t len, size;
};

static void
sig_put(struct sigbuf *b, const char *s)
{
	for (; *s && b->len + 1 < b->size; s++) {
		char c = *s;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (c == ' ')
			c = '-';
		b->p[b->len++] = c;
	}
	b->p[b->len] = '\0';
}

/* A token after a blank: " hbh". */
static void
sig_tok(struct sigbuf *b, const char *s)
{
	if (b->len + 1 < b->size) {
		b->p[b->len++] = ' ';
		b->p[b->len] = '\0';
	}
	sig_put(b, s);
}

static void
sig_num(struct sigbuf *b, const char *prefix, unsigned v)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "%s%u", prefix, v);
	sig_put(b, tmp);
}

/*
 * The chain as tokens, lower case, facts left out: the words of the line
 * before the addresses. "ipv6 hbh frag udp", "ipv4 tcp", "arp".
 */
size_t
dissect_chain_signature(const struct ds_pkt *p, char *buf, size_t size)
{
	struct sigbuf b = {buf, 0, size};
	const struct ds_pkt_ip *ip = &p->ip;

	buf[0] = '\0';
	if (!ip->version) {
		const char *s = p->link.ethertype
		    ? ds_packet_ethertype_token(p->link.ethertype)
		    : NULL;

		if (s)
			sig_put(&b, s);
		else if (p->link.ethertype)
			sig_num(&b, "ethertype-", p->link.ethertype);
		else
			sig_put(&b, "link");
		return b.len;
	}
	sig_put(&b, ip->version == 6 ? "ipv6" : "ipv4");
	if (ip->version == 4 && (ip->mf || ip->frag_off))
		sig_tok(&b, "frag");
	for (unsigned i = 0; i < ip->n_ext && i < DS_PKT_MAX_EXT; i++) {
		const char *s = ds_packet_ext_token(ip->ext[i].type);

		if (s) {
			sig_tok(&b, s);
		} else {
			sig_tok(&b, "");
			sig_num(&b, "proto", ip->ext[i].type);
		}
	}
	if (ip->ext_count > ip->n_ext)
		sig_tok(&b, "...");
	switch (ip->l4) {
	case DS_PKT_L4_TCP:
	case DS_PKT_L4_UDP:
	case DS_PKT_L4_ICMP6:
	case DS_PKT_L4_ICMP4:
	case DS_PKT_L4_FRAGMENT:
	case DS_PKT_L4_NO_NEXT:
		sig_tok(&b, ds_packet_l4_token(ip->l4));
		break;
	case DS_PKT_L4_OTHER: {
		const char *s = ds_packet_proto_token(ip->proto);

		if (s) {
			sig_tok(&b, s);
		} else {
			sig_tok(&b, "");
			sig_num(&b, "proto", ip->proto);
		}
		break;
	}
	default:
		break;
	}
	return b.len;
}

/* FNV-1a: a few dozen bytes per packet, distribution is all we need. */
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

static void
stats_chain(struct stats *st, const char *sig, size_t n)
{
	uint32_t h = sig_hash(sig, n);

	for (uint32_t i = 0; i < STATS_SLOTS; i++) {
		struct chain_slot *s = &st->chain[(h + i) % STATS_SLOTS];

		if (s->n == 0) {
			if (st->n_chain >= STATS_MAX_CHAINS) {
				st->chain_other++;
				return;
			}
			st->n_chain++;
			s->hash = h;
			memcpy(s->sig, sig, n + 1);
			s->n = 1;
			return;
		}
		if (s->hash == h && strcmp(s->sig, sig) == 0) {
			s->n++;
			return;
		}
	}
	st->chain_other++;
}

void
dissect_stats_add(struct dissect *d, const struct ds_capture_packet *cp, int rc)
{
	struct stats *st = &d->st;
	const struct ds_pkt *p = &d->pkt;
	const struct ds_pkt_ip *ip = &p->ip;
	char sig[SIG_MAX];
	unsigned i;

	st->packets++;
	st->bytes += cp->caplen;
	st->wire_bytes += cp->wirelen;
	for (i = 0; i < st->n_link; i++)
		if (st->link[i].dlt == cp->linktype)
			break;
	if (i == st->n_link && i < STATS_MAX_LINKS) {
		st->link[i].dlt = cp->linktype;
		st->n_link++;
	}
	if (i < st->n_link)
		st->link[i].n++;
	if (rc < 0) {
		st->undecoded++;
		return;
	}
	stats_chain(st, sig, dissect_chain_signature(p, sig, sizeof(sig)));
	if (!ip->version)
		st->non_ip++;
	if (ip->l4 == DS_PKT_L4_ICMP6)
		st->icmp6[ip->u.icmp.type][ip->u.icmp.code]++;
	else if (ip->l4 == DS_PKT_L4_ICMP4)
		st->icmp4[ip->u.icmp.type][ip->u.icmp.code]++;
	for (uint32_t a = ip->anom; a; a &= a - 1)
		st->anom[__builtin_ctz(a)]++;
	if (ip->anom)
		st->anom_any = true;
	switch (ip->err.kind) {
	case DS_PKT_ERR_TRUNC_CAPTURE:
		st->trunc_capture++;
		break;
	case DS_PKT_ERR_TRUNC_PACKET:
		st->trunc_packet++;
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

static int
cmp_slot(const void *a, const void *b)
{
	const struct chain_slot *x = *(const struct chain_slot *const *)a;
	const struct chain_slot *y = *(const struct chain_slot *const *)b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->sig, y->sig);
}

/* The chains in order: most packets first, then by name. */
static size_t
sorted_chains(struct stats *st, const struct chain_slot **v)
{
	size_t n = 0;

	for (size_t i = 0; i < STATS_SLOTS; i++)
		if (st->chain[i].n)
			v[n++] = &st->chain[i];
	qsort(v, n, sizeof(*v), cmp_slot);
	return n;
}

void
dissect_stats_text(struct dissect *d, const struct ds_capture_stats *cs)
{
	struct stats *st = &d->st;
	struct cli_out *o = &d->o;
	static const struct chain_slot *v[STATS_SLOTS];
	size_t n = sorted_chains(st, v);

	out_printf(o, "packets: %llu (%llu bytes captured, %llu on the wire)\n",
	    (unsigned long long)st->packets, (unsigned long long)st->bytes,
	    (unsigned long long)st->wire_bytes);
	cli_out_str(o, "link types:\n");
	for (unsigned i = 0; i < st->n_link; i++) {
		const char *s = ds_capture_linktype_name(st->link[i].dlt);

		if (s)
			out_printf(o, "%10llu  %s\n",
			    (unsigned long long)st->link[i].n, s);
		else
			out_printf(o, "%10llu  %d\n",
			    (unsigned long long)st->link[i].n, st->link[i].dlt);
	}
	cli_out_str(o, "chains:\n");
	for (size_t i = 0; i < n; i++)
		out_printf(
		    o, "%10llu  %s\n", (unsigned long long)v[i]->n, v[i]->sig);
	if (st->chain_other)
		out_printf(o, "%10llu  (other)\n",
		    (unsigned long long)st->chain_other);
	for (int v6 = 1; v6 >= 0; v6--) {
		bool head = false;

		for (unsigned t = 0; t < 256; t++) {
			for (unsigned c = 0; c < 256; c++) {
				uint64_t k =
				    v6 ? st->icmp6[t][c] : st->icmp4[t][c];
				const char *tn, *cn;

				if (!k)
					continue;
				if (!head)
					cli_out_str(
					    o, v6 ? "icmpv6:\n" : "icmp:\n");
				head = true;
				tn = v6
				    ? cli_packet_icmp6_type_name((uint8_t)t)
				    : cli_packet_icmp4_type_name((uint8_t)t);
				cn = v6 ? cli_packet_icmp6_code_name(
				              (uint8_t)t, (uint8_t)c)
				        : NULL;
				out_printf(o, "%10llu  %u/%u %s%s%s%s\n",
				    (unsigned long long)k, t, c,
				    tn ? tn : "unknown", cn ? " (" : "",
				    cn ? cn : "", cn ? ")" : "");
			}
		}
	}
	cli_out_str(o, "anomalies:");
	cli_out_str(o, st->anom_any ? "\n" : " none\n");
	for (unsigned b = 0; b < 32; b++) {
		if (!st->anom[b])
			continue;
		out_printf(o, "%10llu  ", (unsigned long long)st->anom[b]);
		dissect_out_anom_token(o, b);
		out_c(o, '\n');
	}
	out_printf(o,
	    "truncated by the capture: %llu\n"
	    "cut short (length fields): %llu\n"
	    "malformed: %llu\n"
	    "not IP: %llu\n",
	    (unsigned long long)st->trunc_capture,
	    (unsigned long long)st->trunc_packet,
	    (unsigned long long)st->malformed, (unsigned long long)st->non_ip);
	if (st->undecoded)
		out_printf(o, "link type not decoded: %llu\n",
		    (unsigned long long)st->undecoded);
	if (st->capped)
		out_printf(o, "lists cut at a cap: %llu\n",
		    (unsigned long long)st->capped);
	if (cs && cs->have_kernel)
		out_printf(o,
		    "kernel: %llu received, %llu dropped, %llu dropped by "
		    "the interface\n",
		    (unsigned long long)cs->kernel_received,
		    (unsigned long long)cs->kernel_dropped,
		    (unsigned long long)cs->if_dropped);
}

void
dissect_stats_json(
    struct dissect *d, const struct ds_capture_stats *cs, bool damaged)
{
	struct stats *st = &d->st;
	static const struct chain_slot *v[STATS_SLOTS];
	size_t n = sorted_chains(st, v);
	struct json j;
	char name[40];

	cli_out_flush(&d->o);
	json_init(&j, stdout, true);
	json_begin_object(&j);
	json_key(&j, "packets");
	json_uint(&j, st->packets);
	json_key(&j, "bytes");
	json_uint(&j, st->bytes);
	json_key(&j, "wire_bytes");
	json_uint(&j, st->wire_bytes);
	json_key(&j, "link_types");
	json_begin_object(&j);
	for (unsigned i = 0; i < st->n_link; i++) {
		const char *s = ds_capture_linktype_name(st->link[i].dlt);

		if (!s) {
			snprintf(name, sizeof(name), "%d", st->link[i].dlt);
			s = name;
		}
		json_key(&j, s);
		json_uint(&j, st->link[i].n);
	}
	json_end(&j);
	json_key(&j, "chains");
	json_begin_array(&j);
	for (size_t i = 0; i < n; i++) {
		json_begin_object(&j);
		json_kv_string(&j, "chain", v[i]->sig);
		json_key(&j, "packets");
		json_uint(&j, v[i]->n);
		json_end(&j);
	}
	if (st->chain_other) {
		json_begin_object(&j);
		json_kv_string(&j, "chain", "(other)");
		json_key(&j, "packets");
		json_uint(&j, st->chain_other);
		json_end(&j);
	}
	json_end(&j);
	for (int v6 = 1; v6 >= 0; v6--) {
		json_key(&j, v6 ? "icmp6" : "icmp");
		json_begin_array(&j);
		for (unsigned t = 0; t < 256; t++) {
			for (unsigned c = 0; c < 256; c++) {
				uint64_t k =
				    v6 ? st->icmp6[t][c] : st->icmp4[t][c];
				const char *tn;

				if (!k)
					continue;
				tn = v6
				    ? cli_packet_icmp6_type_name((uint8_t)t)
				    : cli_packet_icmp4_type_name((uint8_t)t);
				json_begin_object(&j);
				json_kv_int(&j, "type", t);
				json_kv_int(&j, "code", c);
				if (tn)
					json_kv_string(&j, "name", tn);
				json_key(&j, "packets");
				json_uint(&j, k);
				json_end(&j);
			}
		}
		json_end(&j);
	}
	json_key(&j, "anomalies");
	json_begin_object(&j);
	for (unsigned b = 0; b < 32; b++) {
		if (!st->anom[b])
			continue;
		if (ds_packet_anomaly_token(1u << b))
			json_key(&j, ds_packet_anomaly_token(1u << b));
		else {
			snprintf(name, sizeof(name), "anomaly-bit%u", b);
			json_key(&j, name);
		}
		json_uint(&j, st->anom[b]);
	}
	json_end(&j);
	json_key(&j, "truncated");
	json_uint(&j, st->trunc_capture);
	json_key(&j, "short_packet");
	json_uint(&j, st->trunc_packet);
	json_key(&j, "malformed");
	json_uint(&j, st->malformed);
	json_key(&j, "non_ip");
	json_uint(&j, st->non_ip);
	json_key(&j, "undecoded");
	json_uint(&j, st->undecoded);
	json_key(&j, "capped");
	json_uint(&j, st->capped);
	json_kv_bool(&j, "file_damaged", damaged);
	if (cs && cs->have_kernel) {
		json_key(&j, "kernel");
		json_begin_object(&j);
		json_key(&j, "received");
		json_uint(&j, cs->kernel_received);
		json_key(&j, "dropped");
		json_uint(&j, cs->kernel_dropped);
		json_key(&j, "if_dropped");
		json_uint(&j, cs->if_dropped);
		json_end(&j);
	}
	json_end(&j);
	json_finish(&j);
}
