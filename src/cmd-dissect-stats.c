/* SPDX-License-Identifier: MIT */
/*
 * dualstack dissect --stats: the summary of a capture, as text or one JSON
 * document. The library counts (struct ds_packet_stats, filled by the
 * driver); this file only renders.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli-packet.h"
#include "cmd-dissect-int.h"

static void out_printf(struct cli_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The summary is printed once: printf is fine here. */
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

/* The inner packet's family by the index of ds_packet_stats.tunnel[][]. */
static const char *const inner_family[3] = {"none", "ipv4", "ipv6"};

/* "         3  6in4 -> ipv6 (IPv6 in IPv4)": encapsulations by kind and
 * inner family. */
static void
dissect_stats_tunnels_text(struct cli_out *o, const struct ds_packet_stats *st)
{
	for (unsigned k = 0; k < DS_PKT_TUN_KINDS; k++)
		for (unsigned f = 0; f < 3; f++)
			if (st->tunnel[k][f])
				out_printf(o, "%10llu  %s -> %s (%s)\n",
				    (unsigned long long)st->tunnel[k][f],
				    ds_packet_tun_token(k), inner_family[f],
				    cli_packet_tun_name(k));
}

void
dissect_stats_text(struct dissect *d, const struct ds_capture_stats *cs)
{
	const struct ds_packet_stats *st = &d->st;
	struct cli_out *o = &d->o;
	static const struct ds_packet_stats_chain *v[DS_PKT_STATS_MAX_CHAINS];
	size_t n = ds_packet_stats_chains(st, v, DS_PKT_STATS_MAX_CHAINS);
	char name[DISSECT_TOKEN_MAX];

	out_printf(o, "packets: %llu (%llu bytes captured, %llu on the wire)\n",
	    (unsigned long long)st->packets, (unsigned long long)st->bytes,
	    (unsigned long long)st->wire_bytes);
	cli_out_str(o, "link types:\n");
	for (unsigned i = 0; i < st->n_link; i++) {
		const char *s = ds_capture_linktype_name(st->link[i].linktype);

		if (s)
			out_printf(o, "%10llu  %s\n",
			    (unsigned long long)st->link[i].packets, s);
		else
			out_printf(o, "%10llu  %d\n",
			    (unsigned long long)st->link[i].packets,
			    st->link[i].linktype);
	}
	cli_out_str(o, "chains:\n");
	for (size_t i = 0; i < n; i++)
		out_printf(o, "%10llu  %s\n", (unsigned long long)v[i]->packets,
		    v[i]->sig);
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
	if (st->tunnelled) {
		out_printf(
		    o, "tunnelled: %llu\n", (unsigned long long)st->tunnelled);
		dissect_stats_tunnels_text(o, st);
	}
	cli_out_str(o, "anomalies:");
	cli_out_str(o, st->anomalous ? "\n" : " none\n");
	for (unsigned b = 0; b < 32; b++) {
		if (!st->anomaly[b])
			continue;
		out_printf(o, "%10llu  ", (unsigned long long)st->anomaly[b]);
		cli_out_str(o, dissect_anom_token(b, name));
		out_c(o, '\n');
	}
	out_printf(o,
	    "truncated by the capture: %llu\n"
	    "cut short (length fields): %llu\n"
	    "malformed: %llu\n"
	    "not IP: %llu\n",
	    (unsigned long long)st->truncated,
	    (unsigned long long)st->short_packet,
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
	const struct ds_packet_stats *st = &d->st;
	static const struct ds_packet_stats_chain *v[DS_PKT_STATS_MAX_CHAINS];
	size_t n = ds_packet_stats_chains(st, v, DS_PKT_STATS_MAX_CHAINS);
	struct json j;
	char name[DISSECT_TOKEN_MAX];

	json_init_out(&j, &d->o, true);
	json_begin_object(&j);
	json_kv_u64(&j, "packets", st->packets);
	json_kv_u64(&j, "bytes", st->bytes);
	json_kv_u64(&j, "wire_bytes", st->wire_bytes);
	json_key(&j, "link_types");
	json_begin_object(&j);
	for (unsigned i = 0; i < st->n_link; i++) {
		const char *s = ds_capture_linktype_name(st->link[i].linktype);

		if (!s) {
			snprintf(
			    name, sizeof(name), "%d", st->link[i].linktype);
			s = name;
		}
		json_key(&j, s);
		json_uint(&j, st->link[i].packets);
	}
	json_end(&j);
	json_key(&j, "chains");
	json_begin_array(&j);
	for (size_t i = 0; i < n; i++) {
		json_begin_object(&j);
		json_kv_string(&j, "chain", v[i]->sig);
		json_kv_u64(&j, "packets", v[i]->packets);
		json_end(&j);
	}
	if (st->chain_other) {
		json_begin_object(&j);
		json_kv_string(&j, "chain", "(other)");
		json_kv_u64(&j, "packets", st->chain_other);
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
				json_kv_u64(&j, "packets", k);
				json_end(&j);
			}
		}
		json_end(&j);
	}
	json_kv_u64(&j, "tunnelled", st->tunnelled);
	json_key(&j, "tunnels");
	json_begin_array(&j);
	for (unsigned k = 0; k < DS_PKT_TUN_KINDS; k++) {
		for (unsigned f = 0; f < 3; f++) {
			if (!st->tunnel[k][f])
				continue;
			json_begin_object(&j);
			json_kv_string(&j, "kind", ds_packet_tun_token(k));
			json_kv_string(&j, "inner", inner_family[f]);
			json_kv_u64(&j, "encapsulations", st->tunnel[k][f]);
			json_end(&j);
		}
	}
	json_end(&j);
	json_key(&j, "anomalies");
	json_begin_object(&j);
	for (unsigned b = 0; b < 32; b++) {
		if (!st->anomaly[b])
			continue;
		json_kv_u64(&j, dissect_anom_token(b, name), st->anomaly[b]);
	}
	json_end(&j);
	json_kv_u64(&j, "truncated", st->truncated);
	json_kv_u64(&j, "short_packet", st->short_packet);
	json_kv_u64(&j, "malformed", st->malformed);
	json_kv_u64(&j, "non_ip", st->non_ip);
	json_kv_u64(&j, "undecoded", st->undecoded);
	json_kv_u64(&j, "capped", st->capped);
	json_kv_bool(&j, "file_damaged", damaged);
	if (cs && cs->have_kernel) {
		json_key(&j, "kernel");
		json_begin_object(&j);
		json_kv_u64(&j, "received", cs->kernel_received);
		json_kv_u64(&j, "dropped", cs->kernel_dropped);
		json_kv_u64(&j, "if_dropped", cs->if_dropped);
		json_end(&j);
	}
	json_end(&j);
	json_finish(&j);
}
