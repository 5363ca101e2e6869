/* SPDX-License-Identifier: MIT */
/*
 * dualstack mcast ping: requests sent to a group, answered by every
 * "mcast ping --respond" that joined it, each answer twice -- by unicast
 * to the pinger and to the group -- so that one run measures the
 * multicast path both ways and the unicast path back, as ssmping and
 * asmping do (their wire format is theirs; this one is the probe of
 * include/dualstack/mcast.h). Loss, round-trip time and hop limit are
 * kept for each path; the answers carry the hop limit the request
 * arrived with, so the hop count is known in both directions.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dualstack/error.h"

#include "cli-finding.h"
#include "cli.h"
#include "cmd-mcast-int.h"

/* The most requests one run sends: a per-request record is kept. */
#define MAX_PING_COUNT 100000

static const char ping_help[] =
    "\n"
    "ping: send --count requests (default 5) to GROUP:PORT, one every\n"
    "--interval (default 1s), and wait --wait (default 1s) after the\n"
    "last. Every 'dualstack mcast ping --respond' that joined the group\n"
    "answers each request twice: by unicast to the pinger and to the\n"
    "group. A line per answer (path, responder, seq, time, hop limit of\n"
    "the answer and of the request as the responder saw it), then for\n"
    "each path the loss, the round-trip times and the hop limits, like\n"
    "ping(8). Exit 1 when no request was answered at all.\n"
    "\n"
    "ping --respond: join GROUP and answer requests until --count of\n"
    "them, --timeout or Ctrl-C. The multicast answer is sent with --hops.\n"
    "\n"
    "  -i, --interface IFACE  the interface (needed for link-local groups)\n"
    "      --source ADDR      join source-specific: the pinger names the\n"
    "                         responder, the responder the pinger (needed\n"
    "                         for 232.0.0.0/8 and ff3x::/32)\n"
    "      --count N          requests to send (1-100000), or to answer\n"
    "      --interval TIME    between requests (default 1s; 10ms, 0.2)\n"
    "      --wait TIME        for answers after the last request (1s)\n"
    "      --timeout TIME     --respond: stop after TIME\n"
    "      --hops N           TTL / hop limit of what goes to the group,\n"
    "                         0-255 (default 1: this link only)\n"
    "      --size BYTES       request size, 24-65507 (default 64)\n"
    "      --json             NDJSON: one object per event\n"
    "\n"
    "Both sides bind PORT: the pinger gets its unicast answers there too.\n";

/* Per path: unicast or multicast. */
enum { PATH_UNICAST, PATH_MULTICAST, N_PATHS };

static const char *const path_names[N_PATHS] = {"unicast", "multicast"};

struct path_stats {
	uint64_t received;
	uint64_t rtt_min, rtt_max, rtt_sum; /* µs */
	int hops_min, hops_max;             /* of the answers */
	int req_hops_min, req_hops_max;     /* of the requests */
};

struct ping {
	struct mcast_loop ml;
	struct mcast_target t;
	struct ds_mcast_sock *s;
	struct ds_timer *tick, *wait;
	struct json j;
	bool json, respond;
	uint64_t count, sent, interval_us, wait_us;
	uint32_t session;
	size_t size;
	uint64_t *sent_mono; /* [seq - 1]: send time, monotonic */
	uint8_t *answered;   /* [seq - 1]: 1u << path */
	struct path_stats st[N_PATHS];
	uint64_t answers; /* responder: requests answered */
	unsigned hops;
	uint8_t buf[MCAST_MAX_SIZE];
};

static void
json_hops(struct json *j, const char *key, int hops)
{
	json_key(j, key);
	if (hops < 0)
		json_null(j);
	else
		json_int(j, hops);
}

/* --- The pinger ------------------------------------------------------------
 */

static void
on_ping_tick(struct ds_timer *t, void *u)
{
	struct ping *pg = u;
	struct ds_mcast_probe p = {
	    .kind = DS_MCAST_PROBE_REQUEST,
	    .session = pg->session,
	    .seq = (uint32_t)(pg->sent + 1),
	    .sent_us = mcast_now_us(),
	};
	int r;

	ds_mcast_probe_encode(&p, pg->buf, pg->size);
	pg->sent_mono[pg->sent] = ds_time_now_us();
	r = ds_mcast_send(pg->s, &pg->t.ep, pg->buf, pg->size);
	pg->sent++;
	if (r < 0)
		mcast_fail("send to", &pg->t, r);
	if (pg->sent < pg->count)
		ds_timer_start_in(t, pg->interval_us);
	else
		ds_timer_start_in(pg->wait, pg->wait_us);
}

static void
stats_add(struct path_stats *st, uint64_t rtt, int hops, int req_hops)
{
	if (st->received == 0 || rtt < st->rtt_min)
		st->rtt_min = rtt;
	if (rtt > st->rtt_max)
		st->rtt_max = rtt;
	st->rtt_sum += rtt;
	if (st->received == 0 || hops < st->hops_min)
		st->hops_min = hops;
	if (st->received == 0 || hops > st->hops_max)
		st->hops_max = hops;
	if (st->received == 0 || req_hops < st->req_hops_min)
		st->req_hops_min = req_hops;
	if (st->received == 0 || req_hops > st->req_hops_max)
		st->req_hops_max = req_hops;
	st->received++;
}

/* "1.234" for µs, milliseconds with three decimals. */
static const char *
ms_text(uint64_t us, char *buf, size_t size)
{
	snprintf(buf, size, "%llu.%03llu", (unsigned long long)(us / 1000),
	    (unsigned long long)(us % 1000));
	return buf;
}

static void
on_ping_event(struct ds_mcast_sock *s, const struct ds_mcast_event *ev, void *u)
{
	struct ping *pg = u;
	struct ds_mcast_probe p;
	char src[DS_ADDR_STRLEN], rtt_s[32];
	int path, req_hops;
	uint64_t rtt;

	(void)s;
	if (ev->kind == DS_MCAST_EV_ERROR) {
		/* A port unreachable for a request: nobody listens there. */
		cli_error("receiving: %s", ds_strerror(ev->err));
		return;
	}
	if (ds_mcast_probe_decode(ev->data, ev->len, &p) < 0 ||
	    p.session != pg->session || p.seq == 0 || p.seq > pg->sent)
		return; /* our own requests looped back, others' traffic */
	if (p.kind == DS_MCAST_PROBE_UNICAST)
		path = PATH_UNICAST;
	else if (p.kind == DS_MCAST_PROBE_MULTICAST)
		path = PATH_MULTICAST;
	else
		return;
	rtt = ds_time_now_us() - pg->sent_mono[p.seq - 1];
	req_hops = p.hops ? p.hops : -1;
	if (pg->answered[p.seq - 1] & (1u << path))
		return; /* a duplicate, or a second responder */
	pg->answered[p.seq - 1] |= (uint8_t)(1u << path);
	stats_add(&pg->st[path], rtt, ev->hops, req_hops);
	ds_addr_format(&ev->source.addr, 0, src, sizeof(src));
	if (pg->json) {
		json_begin_object(&pg->j);
		json_kv_string(&pg->j, "event", "answer");
		json_kv_string(&pg->j, "path", path_names[path]);
		json_kv_addr(&pg->j, "from", &ev->source.addr);
		json_kv_u64(&pg->j, "seq", p.seq);
		json_kv_ms(&pg->j, "rtt_ms", rtt);
		json_hops(&pg->j, "hops", ev->hops);
		json_hops(&pg->j, "request_hops", req_hops);
		json_end(&pg->j);
		mcast_json_next(&pg->j);
	} else {
		printf("%9s from %s: seq=%u time=%s ms hops=%d request "
		       "hops=%d\n",
		    path_names[path], src, p.seq,
		    ms_text(rtt, rtt_s, sizeof(rtt_s)), ev->hops, req_hops);
		fflush(stdout);
	}
	/* Everything answered on both paths: no need to wait longer. */
	if (pg->sent == pg->count &&
	    pg->st[PATH_UNICAST].received == pg->count &&
	    pg->st[PATH_MULTICAST].received == pg->count)
		ds_loop_stop(pg->ml.loop, 0);
}

static void
ping_summary(struct ping *pg)
{
	char ep[DS_ENDPOINT_STRLEN], a[32], b[32], c[32];

	ds_endpoint_format(&pg->t.ep, 0, ep, sizeof(ep));
	if (pg->json) {
		json_begin_object(&pg->j);
		json_kv_string(&pg->j, "event", "summary");
		json_kv_endpoint(&pg->j, "group", &pg->t.ep);
		json_kv_u64(&pg->j, "sent", pg->sent);
	} else {
		printf("--- %s mcast ping statistics ---\n%llu requests sent\n",
		    ep, (unsigned long long)pg->sent);
	}
	for (int i = 0; i < N_PATHS; i++) {
		const struct path_stats *st = &pg->st[i];
		uint64_t lost = pg->sent - st->received;
		double loss =
		    pg->sent ? 100.0 * (double)lost / (double)pg->sent : 0;

		if (pg->json) {
			json_key(&pg->j, path_names[i]);
			json_begin_object(&pg->j);
			json_kv_u64(&pg->j, "received", st->received);
			json_kv_u64(&pg->j, "lost", lost);
			if (st->received) {
				json_kv_ms(&pg->j, "rtt_min_ms", st->rtt_min);
				json_kv_ms(&pg->j, "rtt_avg_ms",
				    st->rtt_sum / st->received);
				json_kv_ms(&pg->j, "rtt_max_ms", st->rtt_max);
				json_hops(&pg->j, "hops_min", st->hops_min);
				json_hops(&pg->j, "hops_max", st->hops_max);
				json_hops(&pg->j, "request_hops_min",
				    st->req_hops_min);
				json_hops(&pg->j, "request_hops_max",
				    st->req_hops_max);
			}
			json_end(&pg->j);
			continue;
		}
		printf("%9s: %llu received, %llu lost (%g%% loss)",
		    path_names[i], (unsigned long long)st->received,
		    (unsigned long long)lost, loss);
		if (st->received)
			printf(", rtt min/avg/max = %s/%s/%s ms, hops %d-%d, "
			       "request hops %d-%d",
			    ms_text(st->rtt_min, a, sizeof(a)),
			    ms_text(st->rtt_sum / st->received, b, sizeof(b)),
			    ms_text(st->rtt_max, c, sizeof(c)), st->hops_min,
			    st->hops_max, st->req_hops_min, st->req_hops_max);
		printf("\n");
	}
	if (pg->json) {
		json_end(&pg->j);
		mcast_json_next(&pg->j);
	}
}

/* --- The responder ---------------------------------------------------------
 */

static void
on_respond_event(
    struct ds_mcast_sock *s, const struct ds_mcast_event *ev, void *u)
{
	struct ping *pg = u;
	struct ds_mcast_probe p;
	char src[DS_ENDPOINT_STRLEN];
	int ru, rm;

	if (ev->kind == DS_MCAST_EV_ERROR) {
		cli_error("receiving: %s", ds_strerror(ev->err));
		return;
	}
	if (ds_mcast_probe_decode(ev->data, ev->len, &p) < 0 ||
	    p.kind != DS_MCAST_PROBE_REQUEST)
		return; /* our own answers looped back, others' traffic */
	p.hops = ev->hops > 0 && ev->hops <= 255 ? (uint8_t)ev->hops : 0;
	p.kind = DS_MCAST_PROBE_UNICAST;
	ds_mcast_probe_encode(&p, pg->buf, DS_MCAST_PROBE_LEN);
	ru = ds_mcast_send(s, &ev->source, pg->buf, DS_MCAST_PROBE_LEN);
	p.kind = DS_MCAST_PROBE_MULTICAST;
	ds_mcast_probe_encode(&p, pg->buf, DS_MCAST_PROBE_LEN);
	rm = ds_mcast_send(s, &pg->t.ep, pg->buf, DS_MCAST_PROBE_LEN);
	pg->answers++;
	ds_endpoint_format(&ev->source, 0, src, sizeof(src));
	if (pg->json) {
		json_begin_object(&pg->j);
		json_kv_string(&pg->j, "event", "request");
		json_kv_endpoint(&pg->j, "from", &ev->source);
		json_kv_addr(&pg->j, "to", &ev->dest);
		json_kv_u64(&pg->j, "seq", p.seq);
		json_kv_u64(&pg->j, "session", p.session);
		json_hops(&pg->j, "hops", ev->hops);
		json_kv_errno(&pg->j, "unicast_errno", ru < 0 ? ru : 0);
		json_kv_errno(&pg->j, "multicast_errno", rm < 0 ? rm : 0);
		json_end(&pg->j);
		mcast_json_next(&pg->j);
	} else {
		printf("request from %s: seq=%u hops=%d, answered%s%s\n", src,
		    p.seq, ev->hops, ru < 0 ? " (unicast failed)" : "",
		    rm < 0 ? " (multicast failed)" : "");
		fflush(stdout);
	}
	if (pg->count && pg->answers >= pg->count)
		ds_loop_stop(pg->ml.loop, 0);
}

/* --- The command -----------------------------------------------------------
 */

int
mcast_ping(const struct cli_command *cmd, int argc, char **argv)
{
	static struct ping pg;
	struct mcast_args a = {.count = 5,
	    .count_max = MAX_PING_COUNT,
	    .interval_us = CLI_S,
	    .wait_us = CLI_S,
	    .hops = 1,
	    .size = 64};
	struct ds_mcast_opts mo = {.reuse = true};
	char ep[DS_ENDPOINT_STRLEN];
	int r, code;

	memset(&pg, 0, sizeof(pg));
	code = mcast_args_parse(cmd, argc, argv,
	    MO_IFACE | MO_SOURCE | MO_COUNT | MO_INTERVAL | MO_WAIT |
	        MO_TIMEOUT | MO_HOPS | MO_SIZE | MO_RESPOND | MO_JSON,
	    ping_help, &a);
	if (code != -1)
		return code;
	if (a.count_given && a.count == 0)
		return cli_usage_error(cmd, "--count takes 1 to 100000, not 0");
	if (a.interval_us < CLI_MS)
		return cli_usage_error(cmd, "--interval is at least 1ms");
	pg.count = a.count;
	pg.interval_us = a.interval_us;
	pg.wait_us = a.wait_us;
	pg.hops = a.hops;
	pg.size = a.size;
	pg.respond = a.respond;
	pg.json = a.json;
	if (pg.respond && !a.count_given)
		pg.count = 0;
	code = mcast_target_parse(
	    a.target, true, a.ifname, a.source, false, false, &pg.t);
	if (code != EXIT_OK)
		return code;
	if (!pg.respond) {
		pg.sent_mono = calloc(pg.count, sizeof(*pg.sent_mono));
		pg.answered = calloc(pg.count, 1);
		if (!pg.sent_mono || !pg.answered) {
			cli_error("out of memory");
			code = EXIT_INTERNAL;
			goto out;
		}
	}
	json_init(&pg.j, stdout, false);
	if (mcast_loop_open(&pg.ml) < 0) {
		cli_error("cannot make an event loop");
		code = EXIT_INTERNAL;
		goto out;
	}
	pg.session = mcast_session();
	mo.family = pg.t.ep.addr.family;
	mo.port = pg.t.ep.port;
	mo.ifindex = pg.t.spec.ifindex;
	mo.hops = pg.hops;
	r = ds_mcast_sock_new(pg.ml.loop, &mo,
	    pg.respond ? on_respond_event : on_ping_event, &pg, &pg.s);
	if (r < 0) {
		code = mcast_fail("socket for", &pg.t, r);
		goto out;
	}
	r = ds_mcast_join(pg.s, &pg.t.spec);
	if (r < 0) {
		code = mcast_fail("join", &pg.t, r);
		goto out;
	}
	if (ds_timer_new(pg.ml.loop,
	        pg.respond ? mcast_timer_stop : on_ping_tick,
	        pg.respond ? (void *)&pg.ml : (void *)&pg, &pg.tick) < 0 ||
	    ds_timer_new(pg.ml.loop, mcast_timer_stop, &pg.ml, &pg.wait) < 0) {
		code = EXIT_INTERNAL;
		goto out;
	}
	ds_endpoint_format(&pg.t.ep, 0, ep, sizeof(ep));
	if (pg.json) {
		json_begin_object(&pg.j);
		json_kv_string(
		    &pg.j, "event", pg.respond ? "respond" : "start");
		json_kv_endpoint(&pg.j, "group", &pg.t.ep);
		json_kv_addr(&pg.j, "source", &pg.t.spec.source);
		if (pg.t.spec.ifindex)
			json_kv_string(&pg.j, "interface", pg.t.ifname);
		json_kv_u64(&pg.j, "hops", pg.hops);
		json_kv_u64(&pg.j, "count", pg.count);
		json_end(&pg.j);
		mcast_json_next(&pg.j);
	} else {
		printf("%s %s on %s, hops %u%s\n",
		    pg.respond ? "answering requests to" : "MCAST PING", ep,
		    pg.t.spec.ifindex ? pg.t.ifname
		                      : "the routing table's interface",
		    pg.hops,
		    pg.t.spec.source.family ? ", source-specific" : "");
		fflush(stdout);
	}
	if (pg.respond) {
		if (a.timeout_us)
			ds_timer_start_in(pg.tick, a.timeout_us);
	} else {
		ds_timer_start_in(pg.tick, 0);
	}
	ds_loop_run(pg.ml.loop);
	if (pg.respond) {
		if (pg.json) {
			json_begin_object(&pg.j);
			json_kv_string(&pg.j, "event", "summary");
			json_kv_u64(&pg.j, "answered", pg.answers);
			json_end(&pg.j);
			mcast_json_next(&pg.j);
		} else {
			printf("--- %s: %llu requests answered ---\n", ep,
			    (unsigned long long)pg.answers);
		}
		code = EXIT_OK;
	} else {
		ping_summary(&pg);
		code = pg.st[PATH_UNICAST].received ||
		        pg.st[PATH_MULTICAST].received
		    ? EXIT_OK
		    : EXIT_FAILED;
	}
out:
	ds_timer_free(pg.tick);
	ds_timer_free(pg.wait);
	ds_mcast_sock_free(pg.s);
	mcast_loop_close(&pg.ml);
	free(pg.sent_mono);
	free(pg.answered);
	return cli_finish_stdout(code);
}
