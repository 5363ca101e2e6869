/* SPDX-License-Identifier: MIT */
/*
 * dualstack mcast: the front end of ds_mcast. "listen" joins a group
 * (any source, or one source) and shows every datagram with its source,
 * group, interface and hop limit, and the sequence and send time of the
 * probes "send" and "ping" put in theirs; "send" sends a bounded run of
 * such probes with the hop limit and loopback chosen. "ping" is in
 * cmd-mcast-ping.c, "check" in cmd-mcast-check.c, and what they all
 * share (the group, the options, the loop) in cmd-mcast-common.c.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dualstack/error.h"

#include "cli-finding.h"
#include "cli.h"
#include "cmd-mcast-int.h"

static int cmd_mcast(int argc, char **argv);

const struct cli_command cli_cmd_mcast = {
    "mcast",
    "multicast for both families: listen, send, ping, check a group",
    cmd_mcast,
    "listen GROUP[:PORT] [-i IFACE] [--source ADDR] [--count N]"
    " [--timeout TIME] [--json]\n"
    "send GROUP:PORT [-i IFACE] [--hops N] [--rate R] [--count N]"
    " [--size BYTES] [--no-loop] [--json]\n"
    "ping GROUP:PORT [-i IFACE] [--source ADDR] [--count N]"
    " [--interval TIME] [--wait TIME] [--hops N] [--size BYTES] [--json]\n"
    "ping --respond GROUP:PORT [-i IFACE] [--source ADDR] [--count N]"
    " [--timeout TIME] [--hops N] [--json]\n"
    "check GROUP[:PORT] -i IFACE [--source ADDR] [--timeout TIME] [--json]",
};

static const char help_text[] =
    "\n"
    "Multicast as both families do it: IPv4 groups (224.0.0.0/4) and\n"
    "IPv6 groups (ff00::/8), joined by interface index with the\n"
    "protocol-independent socket options, any-source or source-specific.\n"
    "\n"
    "  listen  join GROUP on IFACE and print one line per datagram: time,\n"
    "          source, group, interface, hop limit, size, and for the\n"
    "          probes of 'send' and 'ping' the sequence and the one-way\n"
    "          delay; a summary per sender at the end (received, lost).\n"
    "          PORT defaults to 5001 (iperf's). Runs until --count\n"
    "          datagrams, --timeout or Ctrl-C; exit 1 if none came.\n"
    "  send    send --count probes (default 5, 0: until Ctrl-C) at --rate\n"
    "          per second (default 1) to GROUP:PORT.\n"
    "  ping    requests to a group, answered by every 'mcast ping\n"
    "          --respond' on it by unicast and by multicast: loss, RTT and\n"
    "          hop limit of both paths; see 'dualstack mcast ping --help'.\n"
    "  check   join, see the IGMP/MLD report on the wire, the membership\n"
    "          in /proc, and what would stop reception (the interface,\n"
    "          the route, a firewall rule, rp_filter); see 'dualstack\n"
    "          mcast check --help'.\n"
    "\n"
    "  -i, --interface IFACE  the interface: a name or an index. Needed\n"
    "                         for link-local groups (ff02::/16,\n"
    "                         224.0.0.0/24); else the routing table picks\n"
    "                         one. A zone on the group (ff02::1%eth0) is\n"
    "                         the same.\n"
    "      --source ADDR      listen: join source-specific (SSM), only\n"
    "                         ADDR's datagrams; needed for 232.0.0.0/8 and\n"
    "                         ff3x::/32 (RFC 4607)\n"
    "      --count N          listen: stop after N datagrams;\n"
    "                         send: send N (default 5, 0: no limit)\n"
    "      --timeout TIME     listen: stop after TIME (5s, 500ms)\n"
    "      --hops N           TTL / hop limit of what is sent, 0-255\n"
    "                         (default 1: the group stays on the link)\n"
    "      --rate R           datagrams per second (default 1; 0.5 is one\n"
    "                         every 2 s; at most 100000)\n"
    "      --size BYTES       payload size, 24-65507 (default 64)\n"
    "      --no-loop          do not loop what is sent back to listeners\n"
    "                         on this host\n"
    "      --json             NDJSON: one object per event\n"
    "  -q, --quiet, -v, --verbose\n"
    "                         taken as by every command; the output is the\n"
    "                         same either way\n"
    "  -h, --help             this help\n"
    "\n"
    "Exit status: 0 ok, 1 nothing received (listen) or a send failed,\n"
    "2 usage error (a group that is not multicast, a link-local group\n"
    "without -i), 3 system error.\n";

/* --- listen ----------------------------------------------------------------
 */

/*
 * The senders a listener keeps count of: more than one test or
 * conference needs, few enough to scan. Datagrams from further senders
 * are still shown, only not summed up.
 */
#define MAX_SENDERS 64

struct sender {
	struct ds_endpoint source;
	uint32_t session;
	uint64_t received;
	uint32_t max_seq;
	int hops;
};

struct listen {
	struct mcast_loop ml;
	struct mcast_target t;
	struct json j;
	bool json;
	uint64_t count, received, other;
	struct sender senders[MAX_SENDERS];
	size_t n_senders;
	struct ds_timer *deadline;
};

static struct sender *
find_sender(struct listen *l, const struct ds_endpoint *src, uint32_t session)
{
	for (size_t i = 0; i < l->n_senders; i++) {
		struct sender *s = &l->senders[i];

		if (s->session == session && s->source.port == src->port &&
		    ds_addr_equal(&s->source.addr, &src->addr))
			return s;
	}
	if (l->n_senders == MAX_SENDERS)
		return NULL;
	l->senders[l->n_senders] =
	    (struct sender){.source = *src, .session = session};
	return &l->senders[l->n_senders++];
}

static void
listen_print(struct listen *l, const struct ds_mcast_event *ev,
    const struct ds_mcast_probe *p)
{
	char when[40], sent[40], src[DS_ENDPOINT_STRLEN], dst[DS_ADDR_STRLEN];
	char ifn[IF_NAMESIZE + 12];
	int64_t delay = p ? (int64_t)(ev->time_us - p->sent_us) : 0;

	mcast_time(ev->time_us, when, sizeof(when));
	mcast_ifname(ev->ifindex, ifn, sizeof(ifn));
	if (l->json) {
		json_begin_object(&l->j);
		json_kv_string(&l->j, "event", ds_mcast_event_token(ev->kind));
		json_kv_string(&l->j, "time", when);
		json_kv_endpoint(&l->j, "source", &ev->source);
		json_kv_addr(&l->j, "group", &ev->dest);
		json_kv_string(&l->j, "interface", ifn);
		json_kv_u64(&l->j, "ifindex", ev->ifindex);
		json_key(&l->j, "hops");
		if (ev->hops < 0)
			json_null(&l->j);
		else
			json_int(&l->j, ev->hops);
		json_kv_u64(&l->j, "size", ev->len);
		json_kv_bool(&l->j, "truncated", ev->truncated);
		if (p) {
			mcast_time(p->sent_us, sent, sizeof(sent));
			json_key(&l->j, "probe");
			json_begin_object(&l->j);
			json_kv_string(
			    &l->j, "kind", ds_mcast_probe_kind_token(p->kind));
			json_kv_u64(&l->j, "session", p->session);
			json_kv_u64(&l->j, "seq", p->seq);
			json_kv_string(&l->j, "sent", sent);
			json_kv_int(&l->j, "delay_us", delay);
			json_end(&l->j);
		}
		json_end(&l->j);
		mcast_json_next(&l->j);
		return;
	}
	ds_endpoint_format(&ev->source, 0, src, sizeof(src));
	ds_addr_format(&ev->dest, 0, dst, sizeof(dst));
	printf("%s %s > %s on %s hops ", when, src, dst, ifn);
	if (ev->hops < 0)
		printf("?");
	else
		printf("%d", ev->hops);
	printf(" size %zu%s", ev->len, ev->truncated ? " (truncated)" : "");
	if (p)
		printf(" %s seq %u delay %s%lld.%03lld ms",
		    ds_mcast_probe_kind_token(p->kind), p->seq,
		    delay < 0 ? "-" : "", (long long)(llabs(delay) / 1000),
		    (long long)(llabs(delay) % 1000));
	printf("\n");
	fflush(stdout);
}

static void
on_listen(struct ds_mcast_sock *s, const struct ds_mcast_event *ev, void *u)
{
	struct listen *l = u;
	struct ds_mcast_probe p;
	bool probe;

	(void)s;
	if (ev->kind == DS_MCAST_EV_ERROR) {
		cli_error("receiving: %s", ds_strerror(ev->err));
		return;
	}
	probe = ds_mcast_probe_decode(ev->data, ev->len, &p) == 0;
	l->received++;
	if (probe) {
		struct sender *snd = find_sender(l, &ev->source, p.session);

		if (snd) {
			snd->received++;
			if (p.seq > snd->max_seq)
				snd->max_seq = p.seq;
			snd->hops = ev->hops;
		}
	} else {
		l->other++;
	}
	listen_print(l, ev, probe ? &p : NULL);
	if (l->count && l->received >= l->count)
		ds_loop_stop(l->ml.loop, 0);
}

static void
listen_summary(struct listen *l)
{
	char ep[DS_ENDPOINT_STRLEN], src[DS_ENDPOINT_STRLEN];

	ds_endpoint_format(&l->t.ep, 0, ep, sizeof(ep));
	if (l->json) {
		json_begin_object(&l->j);
		json_kv_string(&l->j, "event", "summary");
		json_kv_u64(&l->j, "received", l->received);
		json_kv_u64(&l->j, "other", l->other);
		json_key(&l->j, "senders");
		json_begin_array(&l->j);
	} else {
		printf("--- %s: %llu datagrams, %llu not probes ---\n", ep,
		    (unsigned long long)l->received,
		    (unsigned long long)l->other);
	}
	for (size_t i = 0; i < l->n_senders; i++) {
		const struct sender *s = &l->senders[i];
		uint64_t lost =
		    s->max_seq > s->received ? s->max_seq - s->received : 0;

		if (l->json) {
			json_begin_object(&l->j);
			json_kv_endpoint(&l->j, "source", &s->source);
			json_kv_u64(&l->j, "session", s->session);
			json_kv_u64(&l->j, "received", s->received);
			json_kv_u64(&l->j, "last_seq", s->max_seq);
			json_kv_u64(&l->j, "lost", lost);
			json_kv_int(&l->j, "hops", s->hops);
			json_end(&l->j);
			continue;
		}
		ds_endpoint_format(&s->source, 0, src, sizeof(src));
		printf("%s session %08x: %llu received, up to seq %u, %llu "
		       "lost, hops %d\n",
		    src, s->session, (unsigned long long)s->received,
		    s->max_seq, (unsigned long long)lost, s->hops);
	}
	if (l->json) {
		json_end(&l->j);
		json_end(&l->j);
		mcast_json_next(&l->j);
	}
}

static void
joined_line(struct listen *l)
{
	char ep[DS_ENDPOINT_STRLEN], src[DS_ADDR_STRLEN];
	const struct ds_mcast_spec *sp = &l->t.spec;

	ds_endpoint_format(&l->t.ep, 0, ep, sizeof(ep));
	if (l->json) {
		json_begin_object(&l->j);
		json_kv_string(&l->j, "event", "joined");
		json_kv_addr(&l->j, "group", &sp->group);
		json_kv_u64(&l->j, "port", l->t.ep.port);
		json_kv_addr(&l->j, "source", &sp->source);
		json_kv_string(
		    &l->j, "mode", sp->source.family ? "ssm" : "asm");
		if (sp->ifindex) {
			json_kv_string(&l->j, "interface", l->t.ifname);
			json_kv_u64(&l->j, "ifindex", sp->ifindex);
		}
		json_end(&l->j);
		mcast_json_next(&l->j);
		return;
	}
	if (sp->source.family)
		ds_addr_format(&sp->source, 0, src, sizeof(src));
	printf("joined %s on %s, %s%s\n", ep,
	    sp->ifindex ? l->t.ifname : "the routing table's interface",
	    sp->source.family ? "source " : "any source",
	    sp->source.family ? src : "");
	fflush(stdout);
}

static int
mcast_listen(int argc, char **argv)
{
	static struct listen l;
	struct mcast_args a = {.count_max = UINT32_MAX};
	struct ds_mcast_sock *s = NULL;
	struct ds_mcast_opts mo = {.hops = 1, .reuse = true};
	uint64_t timeout_us;
	int r, code;

	memset(&l, 0, sizeof(l));
	code = mcast_args_parse(&cli_cmd_mcast, argc, argv,
	    MO_IFACE | MO_SOURCE | MO_COUNT | MO_TIMEOUT | MO_JSON, help_text,
	    &a);
	if (code != -1)
		return code;
	l.count = a.count;
	l.json = a.json;
	timeout_us = a.timeout_us;
	code = mcast_target_parse(
	    a.target, false, a.ifname, a.source, false, false, &l.t);
	if (code != EXIT_OK)
		return code;
	json_init(&l.j, stdout, false);
	if (mcast_loop_open(&l.ml) < 0) {
		cli_error("cannot make an event loop");
		return EXIT_INTERNAL;
	}
	mo.family = l.t.ep.addr.family;
	mo.port = l.t.ep.port;
	mo.ifindex = l.t.spec.ifindex;
	r = ds_mcast_sock_new(l.ml.loop, &mo, on_listen, &l, &s);
	if (r == 0) {
		r = ds_mcast_join(s, &l.t.spec);
		if (r < 0)
			code = mcast_fail("join", &l.t, r);
	} else {
		code = mcast_fail("socket for", &l.t, r);
	}
	if (r == 0 && timeout_us) {
		r = ds_timer_new(
		    l.ml.loop, mcast_timer_stop, &l.ml, &l.deadline);
		if (r == 0)
			ds_timer_start_in(l.deadline, timeout_us);
		else
			code = EXIT_INTERNAL;
	}
	if (r == 0) {
		joined_line(&l);
		ds_loop_run(l.ml.loop);
		listen_summary(&l);
		code = l.received ? EXIT_OK : EXIT_FAILED;
	}
	ds_timer_free(l.deadline);
	ds_mcast_sock_free(s);
	mcast_loop_close(&l.ml);
	return cli_finish_stdout(code);
}

/* --- send ------------------------------------------------------------------
 */

struct send {
	struct mcast_loop ml;
	struct mcast_target t;
	struct ds_mcast_sock *s;
	struct ds_timer *tick;
	struct json j;
	bool json;
	uint64_t count, sent, failed, interval_us;
	uint32_t session;
	size_t size;
	int last_err;
	uint8_t buf[MCAST_MAX_SIZE];
};

static void
on_tick(struct ds_timer *t, void *u)
{
	struct send *sd = u;
	struct ds_mcast_probe p = {
	    .kind = DS_MCAST_PROBE_DATA,
	    .session = sd->session,
	    .seq = (uint32_t)(sd->sent + sd->failed + 1),
	    .sent_us = mcast_now_us(),
	};
	char when[40];
	int r;

	ds_mcast_probe_encode(&p, sd->buf, sd->size);
	r = ds_mcast_send(sd->s, &sd->t.ep, sd->buf, sd->size);
	if (r < 0) {
		sd->failed++;
		if (r != sd->last_err)
			mcast_fail("send to", &sd->t, r);
		sd->last_err = r;
	} else {
		sd->sent++;
	}
	mcast_time(p.sent_us, when, sizeof(when));
	if (sd->json) {
		json_begin_object(&sd->j);
		json_kv_string(&sd->j, "event", r < 0 ? "failed" : "sent");
		json_kv_string(&sd->j, "time", when);
		json_kv_u64(&sd->j, "seq", p.seq);
		json_kv_u64(&sd->j, "size", sd->size);
		if (r < 0)
			json_kv_errno(&sd->j, "errno", r);
		json_end(&sd->j);
		mcast_json_next(&sd->j);
	} else if (r >= 0) {
		printf("%s sent seq %u size %zu\n", when, p.seq, sd->size);
		fflush(stdout);
	}
	if (sd->count && sd->sent + sd->failed >= sd->count) {
		ds_loop_stop(sd->ml.loop, 0);
		return;
	}
	ds_timer_start_in(t, sd->interval_us);
}

static int
mcast_send_cmd(int argc, char **argv)
{
	static struct send sd;
	struct mcast_args a = {.count = 5,
	    .count_max = UINT32_MAX,
	    .interval_us = CLI_S,
	    .hops = 1,
	    .size = 64};
	struct ds_mcast_opts mo = {0};
	struct ds_endpoint local;
	char ep[DS_ENDPOINT_STRLEN];
	int r, code;

	memset(&sd, 0, sizeof(sd));
	code = mcast_args_parse(&cli_cmd_mcast, argc, argv,
	    MO_IFACE | MO_COUNT | MO_HOPS | MO_RATE | MO_SIZE | MO_NO_LOOP |
	        MO_JSON,
	    help_text, &a);
	if (code != -1)
		return code;
	sd.count = a.count;
	sd.size = a.size;
	sd.interval_us = a.interval_us;
	sd.json = a.json;
	mo.hops = a.hops;
	mo.no_loop = a.no_loop;
	code = mcast_target_parse(
	    a.target, true, a.ifname, NULL, true, a.no_loop, &sd.t);
	if (code != EXIT_OK)
		return code;
	json_init(&sd.j, stdout, false);
	if (mcast_loop_open(&sd.ml) < 0) {
		cli_error("cannot make an event loop");
		return EXIT_INTERNAL;
	}
	sd.session = mcast_session();
	mo.family = sd.t.ep.addr.family;
	mo.ifindex = sd.t.spec.ifindex;
	r = ds_mcast_sock_new(sd.ml.loop, &mo, NULL, NULL, &sd.s);
	if (r < 0)
		code = mcast_fail("socket for", &sd.t, r);
	else if ((r = ds_timer_new(sd.ml.loop, on_tick, &sd, &sd.tick)) < 0)
		code = EXIT_INTERNAL;
	if (r == 0) {
		ds_mcast_local(sd.s, &local);
		ds_endpoint_format(&sd.t.ep, 0, ep, sizeof(ep));
		if (sd.json) {
			json_begin_object(&sd.j);
			json_kv_string(&sd.j, "event", "start");
			json_kv_endpoint(&sd.j, "group", &sd.t.ep);
			if (sd.t.spec.ifindex) {
				json_kv_string(&sd.j, "interface", sd.t.ifname);
				json_kv_u64(
				    &sd.j, "ifindex", sd.t.spec.ifindex);
			}
			json_kv_u64(&sd.j, "source_port", local.port);
			json_kv_u64(&sd.j, "hops", mo.hops);
			json_kv_bool(&sd.j, "loop", !mo.no_loop);
			json_kv_u64(&sd.j, "session", sd.session);
			json_kv_u64(&sd.j, "count", sd.count);
			json_kv_ms(&sd.j, "interval_ms", sd.interval_us);
			json_end(&sd.j);
			mcast_json_next(&sd.j);
		} else {
			printf("sending to %s on %s from port %u, hops %u, "
			       "loop %s, session %08x\n",
			    ep,
			    sd.t.spec.ifindex ? sd.t.ifname
			                      : "the routing table's interface",
			    local.port, mo.hops, mo.no_loop ? "off" : "on",
			    sd.session);
			fflush(stdout);
		}
		ds_timer_start_in(sd.tick, 0);
		ds_loop_run(sd.ml.loop);
		if (sd.json) {
			json_begin_object(&sd.j);
			json_kv_string(&sd.j, "event", "summary");
			json_kv_u64(&sd.j, "sent", sd.sent);
			json_kv_u64(&sd.j, "failed", sd.failed);
			json_end(&sd.j);
			mcast_json_next(&sd.j);
		} else {
			printf("--- %s: %llu sent, %llu failed ---\n", ep,
			    (unsigned long long)sd.sent,
			    (unsigned long long)sd.failed);
		}
		code = sd.failed ? EXIT_FAILED : EXIT_OK;
	}
	ds_timer_free(sd.tick);
	ds_mcast_sock_free(sd.s);
	mcast_loop_close(&sd.ml);
	return cli_finish_stdout(code);
}

static int
cmd_mcast(int argc, char **argv)
{
	if (argc < 2) {
		cli_usage(stderr, &cli_cmd_mcast);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_usage(stdout, &cli_cmd_mcast);
		fputs(help_text, stdout);
		return cli_finish_stdout(EXIT_OK);
	}
	if (strcmp(argv[1], "listen") == 0)
		return mcast_listen(argc - 1, argv + 1);
	if (strcmp(argv[1], "send") == 0)
		return mcast_send_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "ping") == 0)
		return mcast_ping(&cli_cmd_mcast, argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return mcast_check(&cli_cmd_mcast, argc - 1, argv + 1);
	{
		static const char *const subs[] = {
		    "listen", "send", "ping", "check"};
		const char *hint = cli_suggest(argv[1], subs, 4);

		if (hint)
			return cli_usage_error(&cli_cmd_mcast,
			    "unknown subcommand '%s'; did you mean '%s'?",
			    argv[1], hint);
	}
	return cli_usage_error(&cli_cmd_mcast,
	    "unknown subcommand '%s': listen, send, ping or check", argv[1]);
}
