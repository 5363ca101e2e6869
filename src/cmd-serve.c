/* SPDX-License-Identifier: MIT */
/*
 * dualstack serve: the front end of the ds_server module. It parses the
 * options, opens the listeners, turns the server's events into log lines
 * (text or NDJSON on stdout) and maps signals to a drain. With -j N, N
 * servers run on the threads of ds_workers, each on SO_REUSEPORT
 * listeners of the same ports; a log line is written under stdout's lock,
 * so the lines of several workers never interleave.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dualstack/acl.h"
#include "dualstack/addr.h"
#include "dualstack/error.h"
#include "dualstack/listen.h"
#include "dualstack/loop.h"
#include "dualstack/server.h"
#include "dualstack/workers.h"

#include "cli.h"

static int cmd_serve(int argc, char **argv);

const struct cli_command cli_cmd_serve = {
    "serve",
    "a dual-stack test server: echo, line, len32, discard, source, tuple",
    cmd_serve,
    "[--listen ADDR:PORT]... [--mode MODE] [--proto PROTO] [OPTION]...",
};

static const char help_text[] =
    "\n"
    "Serve a small protocol on every connection, from one process and one\n"
    "event loop, and log each connection's open and close.\n"
    "\n"
    "  --listen ADDR:PORT  where to listen; repeatable. [::]:9000, :9000,\n"
    "                      192.0.2.1:9000, [fe80::1%eth0]:9000, or a bare\n"
    "                      port. Port 0 picks a free one (the log says\n"
    "                      which). Default [::]:9000\n"
    "  --mode MODE         dual (one IPv6 socket that also takes IPv4,\n"
    "                      default), separate (one socket per family),\n"
    "                      v6only, v4only; for every --listen\n"
    "  --proto PROTO       echo (default): bytes back\n"
    "                      line: complete lines back\n"
    "                      len32: 4-byte big-endian length + payload\n"
    "                      messages back\n"
    "                      discard: read and drop\n"
    "                      source: a chargen pattern as fast as read\n"
    "                      tuple: one line naming the connection as the\n"
    "                      server sees it, then close\n"
    "  --max-msg SIZE      len32: largest payload (default 16M); a larger\n"
    "                      length closes the connection\n"
    "  --max-line SIZE     line: longest line (default 64K)\n"
    "  --tuple-format F    tuple: text (default) or json\n"
    "  --accept-proxy      read a PROXY header (v1 or v2) from each client\n"
    "                      first and name the connection by the client it\n"
    "                      carries (proxied_by= the sender); needs\n"
    "                      --trusted\n"
    "  --trusted PREFIX[,PREFIX]...  who may send a header (repeatable);\n"
    "                      others are reset\n"
    "  --header-timeout SEC   --accept-proxy: the whole header within\n"
    "                      (default 5)\n"
    "  --max-conns N       at most N connections; more wait in the\n"
    "                      backlog (default 0: no limit)\n"
    "  --idle-timeout SEC  close a connection idle this long (0: never,\n"
    "                      the default; decimals allowed)\n"
    "  --drain SEC         on SIGTERM or SIGINT, stop accepting and give\n"
    "                      connections this long to finish (default 5);\n"
    "                      a second signal closes them at once\n"
    "  --reuseport         SO_REUSEPORT, to run several servers on a port\n"
    "  -j, --workers N     N worker threads, each a server on SO_REUSEPORT\n"
    "                      listeners of the same ports, the kernel spreading\n"
    "                      connections among them (default 1, at most 64);\n"
    "                      log lines then say which worker (worker=N)\n"
    "  --backlog N         listen(2) backlog (default SOMAXCONN)\n"
    "  --json              NDJSON log, one event per line\n"
    "  -q, --quiet         no per-connection log lines\n"
    "  -v, --verbose       as without -q: every connection is logged\n"
    "  -h, --help          this help\n"
    "\n"
    "SIZE takes a K, M or G suffix (powers of 1024). Exit status: 0 after a\n"
    "signal, 2 usage error, 3 a listener could not be opened (a port in\n"
    "use) or another system error.\n";

/* More --listen than anyone needs on one host; the array is fixed. */
#define MAX_LISTEN 16

/* A drain longer than a day is a mistake, not a plan. */
#define MAX_SECONDS 86400.0

/* --trusted options kept until the ACL is built (each takes a list). */
#define MAX_TRUSTED 256

struct serve;

/* One worker's server; its fields but conns belong to its thread. */
struct serve_worker {
	struct serve *sv;
	unsigned id;
	struct ds_server *srv;
	/* Connections open, for the main thread's drain line. */
	_Atomic size_t conns;
};

struct serve {
	struct ds_loop *loop; /* the main loop, also worker 0's */
	struct ds_workers *ws;
	struct serve_worker w[DS_WORKERS_MAX];
	unsigned n;
	bool json;
	bool quiet;
	unsigned max_conns;
	uint64_t drain_us;
	unsigned signals; /* SIGTERM/SIGINT received */
	int code;
};

/* --- Log lines ------------------------------------------------------------ */

/* Start a text line with the time; returns stdout. */
static FILE *
text_begin(void)
{
	char now[40];

	cli_time_now(now, sizeof(now));
	printf("%s ", now);
	return stdout;
}

/* Start an NDJSON event: {"time":...,"event":NAME */
static void
json_event(struct json *j, const char *name)
{
	char now[40];

	cli_time_now(now, sizeof(now));
	json_init(j, stdout, false);
	json_begin_object(j);
	json_kv_string(j, "time", now);
	json_kv_string(j, "event", name);
}

static void
json_event_end(struct json *j)
{
	json_end(j);
	json_finish(j);
}

static void
json_kv_uint(struct json *j, const char *key, unsigned long long v)
{
	json_key(j, key);
	json_uint(j, v);
}

static void
json_endpoint(struct json *j, const char *key, const struct ds_endpoint *ep)
{
	char buf[DS_ENDPOINT_STRLEN];

	cli_endpoint_text(ep, buf, sizeof(buf));
	json_kv_string(j, key, buf);
}

/*
 * The connection's tuple; through a proxy (a PROXY header was read) with
 * the proxy and the header's version, in the words "dualstack proxy" logs
 * them with: "proxied_by" (the proxy's address and port) and "header".
 */
static void
json_tuple(struct json *j, const struct ds_server_event *ev)
{
	const struct ds_tuple *t = ev->tuple;

	json_kv_string(j, "protocol", "tcp");
	json_endpoint(j, "peer", &t->src);
	json_endpoint(j, "local", &t->dst);
	cli_json_family(j, t->family);
	if (ev->proxied_by) {
		json_endpoint(j, "proxied_by", ev->proxied_by);
		json_kv_uint(j, "header", (unsigned)ev->header_version);
	}
}

/* "tcp A:P -> B:P IPv4 (mapped)", then " proxied_by=C:P header=v1"
 * through a proxy, in the words of OUTPUT CONVENTIONS in dualstack(1). */
static void
text_tuple(const struct ds_server_event *ev, char *buf, size_t size)
{
	char tuple[CLI_TUPLE_STRLEN], via[DS_ENDPOINT_STRLEN + 16];
	const struct ds_tuple *t = ev->tuple;

	cli_tuple_text(&t->src, &t->dst, tuple, sizeof(tuple));
	if (!ev->proxied_by) {
		snprintf(
		    buf, size, "%s %s", tuple, cli_family_used_text(t->family));
		return;
	}
	cli_endpoint_text(ev->proxied_by, via, sizeof(via));
	snprintf(buf, size, "%s %s proxied_by=%s header=v%d", tuple,
	    cli_family_used_text(t->family), via, ev->header_version);
}

/*
 * A refused PROXY header, as "dualstack proxy" words it: "v1: malformed
 * at byte 19", "not a PROXY header", "closed after 3 bytes, before a
 * whole header".
 */
static void
format_bad_header(const struct ds_server_event *ev, char *buf, size_t size)
{
	const char *ver = ev->header_version == 1 ? "v1: "
	    : ev->header_version == 2             ? "v2: "
	                                          : "";

	switch (ev->err) {
	case -EPROTO:
		snprintf(buf, size, "not a PROXY header");
		break;
	case -ENODATA:
		snprintf(buf, size, "closed after %llu bytes, %s",
		    (unsigned long long)ev->size, "before a whole header");
		break;
	default:
		snprintf(buf, size, "%s%s at byte %llu", ver,
		    ev->err == -E2BIG ? "too long" : "malformed",
		    (unsigned long long)ev->offset);
		break;
	}
}

/*
 * What the reason token alone does not say, or "" when it says all:
 * "70000 > 65536" (oversize, line-too-long), "Connection timed out"
 * (error), "v1: malformed at byte 19" (bad-header), "3 bytes in 5.00s,
 * no whole header" (header-timeout).
 */
static void
format_detail(const struct ds_server_event *ev, char *buf, size_t size)
{
	char limit[CLI_DURATION_STRLEN];

	buf[0] = '\0';
	if (ev->reason == DS_SERVER_CLOSE_OVERSIZE ||
	    ev->reason == DS_SERVER_CLOSE_LINE_TOO_LONG) {
		snprintf(buf, size, "%llu > %llu", (unsigned long long)ev->size,
		    (unsigned long long)ev->limit);
	} else if (ev->reason == DS_SERVER_CLOSE_BAD_HEADER) {
		format_bad_header(ev, buf, size);
	} else if (ev->reason == DS_SERVER_CLOSE_HEADER_TIMEOUT) {
		cli_duration_text(ev->limit, limit, sizeof(limit));
		snprintf(buf, size, "%llu bytes in %s, no whole header",
		    (unsigned long long)ev->size, limit);
	} else if (ev->reason == DS_SERVER_CLOSE_ERROR) {
		snprintf(buf, size, "%s", strerror(-ev->err));
	}
}

/* " worker=N" with several workers, "" with one. */
static const char *
worker_text(const struct serve_worker *sw, char *buf, size_t size)
{
	if (sw->sv->n < 2)
		return "";
	snprintf(buf, size, " worker=%u", sw->id);
	return buf;
}

static void
json_worker(struct json *j, const struct serve_worker *sw)
{
	if (sw->sv->n > 1)
		json_kv_uint(j, "worker", sw->id);
}

static void
log_conn(struct serve_worker *sw, const struct ds_server_event *ev)
{
	struct serve *sv = sw->sv;
	char tuple[DS_SERVER_TUPLE_STRLEN], detail[128], wk[24];
	char dur[CLI_DURATION_STRLEN];
	const char *reason = ds_server_close_reason_name(ev->reason);
	bool open = ev->kind == DS_SERVER_EV_OPEN;

	if (!reason)
		reason = "error";
	if (!open)
		format_detail(ev, detail, sizeof(detail));
	if (sv->json) {
		struct json j;

		json_event(&j, open ? "open" : "close");
		json_kv_uint(&j, "id", ev->conn_id);
		json_worker(&j, sw);
		json_tuple(&j, ev);
		if (!open) {
			json_kv_uint(&j, "bytes_in", ev->bytes_in);
			json_kv_uint(&j, "bytes_out", ev->bytes_out);
			json_kv_ms(&j, "duration_ms", ev->duration_us);
			json_kv_string(&j, "reason", reason);
			if (detail[0])
				json_kv_string(&j, "detail", detail);
			switch (ev->reason) {
			case DS_SERVER_CLOSE_OVERSIZE:
			case DS_SERVER_CLOSE_LINE_TOO_LONG:
				json_kv_uint(&j, "size", ev->size);
				json_kv_uint(&j, "limit", ev->limit);
				break;
			case DS_SERVER_CLOSE_HEADER_TIMEOUT:
				json_kv_uint(&j, "size", ev->size);
				json_kv_uint(
				    &j, "limit", cli_us_to_ms(ev->limit));
				break;
			case DS_SERVER_CLOSE_BAD_HEADER:
				json_kv_uint(&j, "size", ev->size);
				if (ev->err != -ENODATA)
					json_kv_uint(&j, "offset", ev->offset);
				break;
			default:
				break;
			}
		}
		json_event_end(&j);
		return;
	}
	text_tuple(ev, tuple, sizeof(tuple));
	if (open) {
		fprintf(text_begin(), "open  %s%s\n", tuple,
		    worker_text(sw, wk, sizeof(wk)));
		return;
	}
	cli_duration_text(ev->duration_us, dur, sizeof(dur));
	fprintf(text_begin(),
	    "close %s%s in=%llu out=%llu duration=%s reason=%s", tuple,
	    worker_text(sw, wk, sizeof(wk)), (unsigned long long)ev->bytes_in,
	    (unsigned long long)ev->bytes_out, dur, reason);
	if (detail[0])
		fprintf(stdout, " detail=\"%s\"", detail);
	fputc('\n', stdout);
}

static void
log_accept_error(struct serve *sv, const struct ds_server_event *ev)
{
	char tuple[DS_SERVER_TUPLE_STRLEN];

	if (ev->tuple) {
		/* One accepted connection could not be set up. */
		if (sv->json) {
			struct json j;

			json_event(&j, "drop");
			json_tuple(&j, ev);
			json_kv_string(&j, "error", strerror(-ev->err));
			json_event_end(&j);
			return;
		}
		text_tuple(ev, tuple, sizeof(tuple));
		fprintf(
		    text_begin(), "drop  %s: %s\n", tuple, strerror(-ev->err));
		return;
	}
	if (sv->json) {
		struct json j;

		json_event(&j, ev->err ? "accept_error" : "accept_resumed");
		if (ev->err) {
			json_kv_string(&j, "error", strerror(-ev->err));
			json_kv_bool(&j, "backing_off", true);
		}
		json_event_end(&j);
		return;
	}
	if (ev->err)
		fprintf(text_begin(), "accept: %s; backing off\n",
		    strerror(-ev->err));
	else
		fprintf(text_begin(), "accept: accepting again\n");
}

static void
log_limit(struct serve *sv, const struct ds_server_event *ev)
{
	if (sv->json) {
		struct json j;

		json_event(&j, "limit");
		json_kv_uint(&j, "max_conns", ev->limit);
		json_kv_bool(&j, "paused", ev->paused);
		json_kv_uint(&j, "connections", ev->conns);
		json_event_end(&j);
		return;
	}
	if (ev->paused)
		fprintf(text_begin(),
		    "max-conns %llu reached; new clients wait in the backlog\n",
		    (unsigned long long)ev->limit);
	else
		fprintf(text_begin(), "below max-conns %llu again (%zu open)\n",
		    (unsigned long long)ev->limit, ev->conns);
}

/* On the worker's thread. */
static void
on_event(struct ds_server *s, const struct ds_server_event *ev, void *userdata)
{
	struct serve_worker *sw = userdata;
	struct serve *sv = sw->sv;

	atomic_store(&sw->conns, ds_server_conn_count(s));
	if (ev->kind == DS_SERVER_EV_DRAINED) {
		ds_workers_done(sv->ws, sw->id);
		return;
	}
	/* One line at a time across the workers (the lock is recursive:
	 * every write under it belongs to this line). */
	flockfile(stdout);
	switch (ev->kind) {
	case DS_SERVER_EV_OPEN:
	case DS_SERVER_EV_CLOSE:
		if (!sv->quiet)
			log_conn(sw, ev);
		break;
	case DS_SERVER_EV_ACCEPT_ERROR:
		log_accept_error(sv, ev);
		break;
	case DS_SERVER_EV_LIMIT:
		log_limit(sv, ev);
		break;
	case DS_SERVER_EV_DRAINED:
		break;
	}
	funlockfile(stdout);
}

/* On worker i's thread: stop accepting, and drain or close now. */
static size_t
worker_drain(
    struct ds_workers *ws, unsigned i, uint64_t drain_us, void *userdata)
{
	struct serve *sv = userdata;
	struct ds_server *srv = sv->w[i].srv;
	size_t n = ds_server_conn_count(srv);

	(void)ws;
	if (drain_us == 0)
		ds_server_stop(srv);
	else
		ds_server_drain(srv, drain_us);
	return n;
}

static const struct ds_workers_ops worker_ops = {.drain = worker_drain};

/* What the workers report, on the main loop. */
static void
on_workers(
    struct ds_workers *ws, const struct ds_workers_event *ev, void *userdata)
{
	struct serve *sv = userdata;

	(void)ws;
	if (ev->kind == DS_WORKERS_EV_DONE && ev->err < 0) {
		cli_error("worker %u: event loop: %s", ev->worker,
		    strerror(-ev->err));
		sv->code = EXIT_INTERNAL;
	}
	if (ev->kind != DS_WORKERS_EV_STOPPED)
		return;
	flockfile(stdout);
	if (sv->json) {
		struct json j;

		json_event(&j, "stopped");
		json_event_end(&j);
	} else {
		fprintf(text_begin(), "stopped\n");
	}
	funlockfile(stdout);
	ds_loop_stop(sv->loop, 0);
}

/*
 * SIGTERM and SIGINT: the first drains, the second closes everything now.
 * Both end with exit status 0: stopping was asked for, nothing failed.
 */
static void
on_signal(struct ds_signal *sig, int signo, void *userdata)
{
	struct serve *sv = userdata;
	const char *name = signo == SIGINT ? "SIGINT" : "SIGTERM";
	/* Worker 0 runs on this thread: its count is exact; the others'
	 * are what they last said. */
	size_t n = ds_server_conn_count(sv->w[0].srv);
	bool now = sv->signals++ > 0 || sv->drain_us == 0;
	char d[CLI_DURATION_STRLEN];
	int r;

	(void)sig;
	for (unsigned i = 1; i < sv->n; i++)
		n += atomic_load(&sv->w[i].conns);
	flockfile(stdout);
	if (sv->json) {
		struct json j;

		json_event(&j, now ? "stop" : "drain");
		json_kv_string(&j, "signal", name);
		json_kv_uint(&j, "connections", n);
		if (!now)
			json_kv_uint(
			    &j, "drain_ms", cli_us_to_ms(sv->drain_us));
		json_event_end(&j);
	} else if (now) {
		fprintf(
		    text_begin(), "%s: closing %zu connections now\n", name, n);
	} else {
		fprintf(text_begin(),
		    "%s: not accepting; draining %zu connections for up to "
		    "%s\n",
		    name, n,
		    cli_duration_ms_text(
		        cli_us_to_ms(sv->drain_us), d, sizeof(d)));
	}
	funlockfile(stdout);
	r = ds_workers_drain(sv->ws, now ? 0 : sv->drain_us);
	if (r < 0)
		cli_error("workers: %s", strerror(-r));
}

/* --- Options -------------------------------------------------------------- */

/*
 * One --trusted value, "PREFIX[,PREFIX]...", as "dualstack proxy" takes
 * it: every prefix is checked, and with acl added to it as an allow rule
 * (the rules that name who may send a PROXY header). Returns EXIT_OK, or
 * says what is wrong and returns the exit code.
 */
static int
trusted_prefixes(const char *arg, struct ds_acl *acl)
{
	const char *p = arg;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		struct ds_prefix prefix;
		size_t errpos = 0;
		int r;

		if (len == 0)
			return cli_usage_error(&cli_cmd_serve,
			    "--trusted '%s': an empty prefix", arg);
		r = ds_acl_parse_prefix(p, len, &prefix, &errpos);
		if (r < 0) {
			cli_parse_error("--trusted ", arg, strlen(arg),
			    (size_t)(p - arg) + errpos, r);
			return EXIT_USAGE;
		}
		if (acl && (r = ds_acl_add(acl, &prefix, DS_ACL_ALLOW)) < 0) {
			cli_error("--trusted: %s", ds_strerror(r));
			return r == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
		}
		if (!comma)
			return EXIT_OK;
		p = comma + 1;
	}
}

/* The --trusted ACL from the values checked while parsing. */
static int
build_trusted(const char *const *args, size_t n, struct ds_acl **ret)
{
	struct ds_acl *acl = NULL;
	int r = ds_acl_new(&acl), code = EXIT_OK;

	if (r < 0) {
		cli_error("--trusted: %s", ds_strerror(r));
		return EXIT_INTERNAL;
	}
	for (size_t i = 0; code == EXIT_OK && i < n; i++)
		code = trusted_prefixes(args[i], acl);
	if (code != EXIT_OK) {
		ds_acl_free(acl);
		return code;
	}
	*ret = acl;
	return EXIT_OK;
}

/* --- Listeners ------------------------------------------------------------ */

/*
 * Worker wi's listener for cfg. Worker 0's are logged, and with port 0
 * the others take the port it got (*port0, set by worker 0).
 */
static int
open_listener(struct serve *sv, unsigned wi,
    const struct ds_listen_config *lcfg, uint16_t *port0)
{
	struct ds_listen_config cfg = *lcfg;
	struct ds_listen_report rep;
	struct ds_listener *l;
	struct ds_endpoint eps[2];
	size_t n;
	int r;

	if (sv->n > 1) {
		cfg.reuseport = true;
		if (wi > 0 && cfg.where.port == 0)
			cfg.where.port = *port0;
	}
	memset(&rep, 0, sizeof(rep));
	r = ds_server_listen(sv->w[wi].srv, &cfg, &rep, &l);
	if (r < 0)
		return cli_listen_failed(&cfg, &rep, r, true);
	n = ds_listener_endpoints(l, eps, 2);
	if (wi > 0)
		return EXIT_OK;
	if (n > 0)
		*port0 = eps[0].port;
	cli_listen_failed(&cfg, &rep, 0, false);

	for (size_t i = 0; i < n && i < 2; i++) {
		char ep[DS_ENDPOINT_STRLEN];
		const char *mode = ds_listen_mode_name(cfg.mode);

		cli_endpoint_text(&eps[i], ep, sizeof(ep));
		if (sv->json) {
			struct json j;

			json_event(&j, "listening");
			json_kv_string(&j, "address", ep);
			json_kv_uint(&j, "port", eps[i].port);
			json_kv_string(&j, "mode", mode);
			cli_json_listener(&j, &eps[i], cfg.mode);
			json_event_end(&j);
		} else {
			fprintf(text_begin(), "listening on %s (%s)\n", ep,
			    cli_listener_text(&eps[i], cfg.mode));
		}
	}
	return EXIT_OK;
}

/* --- The command ---------------------------------------------------------- */

static int
run(struct serve *sv, const struct ds_server_config *scfg,
    const struct ds_listen_config *lcfg, size_t nlisten)
{
	struct ds_signal *sigint = NULL, *sigterm = NULL;
	uint16_t port0[MAX_LISTEN];
	int r, code = EXIT_INTERNAL;

	r = ds_loop_new(&sv->loop);
	if (r < 0) {
		cli_error("event loop: %s", strerror(-r));
		return EXIT_INTERNAL;
	}
	r = ds_workers_new(
	    sv->loop, sv->n, &worker_ops, NULL, on_workers, sv, &sv->ws);
	if (r < 0) {
		cli_error("workers: %s", strerror(-r));
		goto out;
	}
	for (unsigned i = 0; i < sv->n; i++) {
		sv->w[i].sv = sv;
		sv->w[i].id = i;
		r = ds_server_new(ds_workers_loop(sv->ws, i), scfg, on_event,
		    &sv->w[i], &sv->w[i].srv);
		if (r < 0) {
			cli_error("server: %s", strerror(-r));
			goto out;
		}
	}
	if ((r = ds_signal_new(sv->loop, SIGINT, on_signal, sv, &sigint)) < 0 ||
	    (r = ds_signal_new(sv->loop, SIGTERM, on_signal, sv, &sigterm)) <
	        0) {
		cli_error("signals: %s", strerror(-r));
		goto out;
	}
	/* Worker by worker, so that worker 0's ports are known to the
	 * others when port 0 was asked for. */
	for (unsigned i = 0; i < sv->n; i++) {
		for (size_t k = 0; k < nlisten; k++) {
			code = open_listener(sv, i, &lcfg[k], &port0[k]);
			if (code != EXIT_OK)
				goto out;
		}
	}
	fflush(stdout);
	code = EXIT_INTERNAL;
	if ((r = ds_workers_start(sv->ws)) < 0) {
		cli_error("workers: %s", strerror(-r));
		goto out;
	}

	sv->code = EXIT_OK;
	r = ds_loop_run(sv->loop);
	if (r < 0) {
		cli_error("event loop: %s", strerror(-r));
		sv->code = EXIT_INTERNAL;
	}
	code = sv->code;
out:
	/* Threads still running (after a failure) are stopped at once; then
	 * every server is this thread's to free. */
	ds_workers_join(sv->ws);
	for (unsigned i = 0; i < sv->n; i++)
		sv->w[i].srv = ds_server_free(sv->w[i].srv);
	sv->ws = ds_workers_free(sv->ws);
	ds_signal_free(sigint);
	ds_signal_free(sigterm);
	sv->loop = ds_loop_free(sv->loop);
	return code;
}

/* A duration option: a plain number is seconds, as it always was;
 * "250ms" and "1.5s" work too. */
static int
parse_seconds(const char *arg, uint64_t *ret_us)
{
	return cli_parse_duration(
	    arg, CLI_S, (uint64_t)MAX_SECONDS * CLI_S, ret_us);
}

static int
cmd_serve(int argc, char **argv)
{
	enum {
		O_LISTEN = 256,
		O_MODE,
		O_PROTO,
		O_MAX_MSG,
		O_MAX_LINE,
		O_MAX_CONNS,
		O_IDLE,
		O_DRAIN,
		O_REUSEPORT,
		O_BACKLOG,
		O_JSON,
		O_TUPLE_FORMAT,
		O_ACCEPT_PROXY,
		O_TRUSTED,
		O_HEADER_TIMEOUT,
	};
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, O_LISTEN},
	    {"mode", required_argument, NULL, O_MODE},
	    {"proto", required_argument, NULL, O_PROTO},
	    {"max-msg", required_argument, NULL, O_MAX_MSG},
	    {"max-line", required_argument, NULL, O_MAX_LINE},
	    {"max-conns", required_argument, NULL, O_MAX_CONNS},
	    {"idle-timeout", required_argument, NULL, O_IDLE},
	    {"drain", required_argument, NULL, O_DRAIN},
	    {"reuseport", no_argument, NULL, O_REUSEPORT},
	    {"backlog", required_argument, NULL, O_BACKLOG},
	    {"workers", required_argument, NULL, 'j'},
	    {"json", no_argument, NULL, O_JSON},
	    {"tuple-format", required_argument, NULL, O_TUPLE_FORMAT},
	    {"accept-proxy", no_argument, NULL, O_ACCEPT_PROXY},
	    {"trusted", required_argument, NULL, O_TRUSTED},
	    {"header-timeout", required_argument, NULL, O_HEADER_TIMEOUT},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct ds_endpoint where[MAX_LISTEN];
	struct ds_listen_config lcfg[MAX_LISTEN];
	struct ds_server_config scfg = {.proto = DS_SERVER_ECHO};
	struct serve sv = {.drain_us = 5 * CLI_S, .n = 1};
	enum ds_listen_mode mode = DS_LISTEN_DUAL;
	const char *trusted[MAX_TRUSTED];
	struct ds_acl *acl = NULL;
	uint64_t v;
	size_t nlisten = 0, ntrusted = 0;
	bool reuseport = false;
	int backlog = 0, c, code;

	optind = 1;
	opterr = 0;
	while (
	    (c = cli_getopt(&cli_cmd_serve, argc, argv, "hj:", opts)) != -1) {
		switch (c) {
		case 'h':
			cli_usage(stdout, &cli_cmd_serve);
			fputs(help_text, stdout);
			return cli_finish_stdout(EXIT_OK);
		case O_LISTEN:
			code = cli_add_listen(&cli_cmd_serve, optarg, where,
			    &nlisten, MAX_LISTEN);
			if (code != EXIT_OK)
				return code;
			break;
		case O_MODE:
			code = cli_parse_mode(&cli_cmd_serve, optarg, &mode);
			if (code != EXIT_OK)
				return code;
			break;
		case O_PROTO:
			if (ds_server_proto_parse(optarg, &scfg.proto) < 0)
				return cli_usage_error(&cli_cmd_serve,
				    "--proto is echo, line, len32, discard, "
				    "source or tuple, not '%s'",
				    optarg);
			break;
		case O_MAX_MSG:
			/* The length field is 32 bits. */
			if (cli_parse_size(optarg, UINT32_MAX, &v) < 0 ||
			    v == 0)
				return cli_usage_error(&cli_cmd_serve,
				    "--max-msg takes a size from 1 to 4G-1, "
				    "not '%s'",
				    optarg);
			scfg.max_msg = (uint32_t)v;
			break;
		case O_MAX_LINE:
			if (cli_parse_size(optarg, 1u << 30, &v) < 0 || v == 0)
				return cli_usage_error(&cli_cmd_serve,
				    "--max-line takes a size from 1 to 1G, "
				    "not '%s'",
				    optarg);
			scfg.max_line = (uint32_t)v;
			break;
		case O_MAX_CONNS:
			if (cli_parse_u64(optarg, UINT32_MAX, &v) < 0)
				return cli_usage_error(&cli_cmd_serve,
				    "--max-conns takes a number, not '%s'",
				    optarg);
			scfg.max_conns = (unsigned)v;
			sv.max_conns = (unsigned)v;
			break;
		case O_IDLE:
			if (parse_seconds(optarg, &scfg.idle_timeout_us) < 0)
				return cli_usage_error(&cli_cmd_serve,
				    "--idle-timeout takes seconds, not '%s'",
				    optarg);
			break;
		case O_DRAIN:
			if (parse_seconds(optarg, &sv.drain_us) < 0)
				return cli_usage_error(&cli_cmd_serve,
				    "--drain takes seconds, not '%s'", optarg);
			break;
		case O_REUSEPORT:
			reuseport = true;
			break;
		case 'j':
			code = cli_parse_workers(&cli_cmd_serve, optarg, &sv.n);
			if (code != EXIT_OK)
				return code;
			break;
		case O_BACKLOG:
			if (cli_parse_u64(optarg, 65535, &v) < 0 || v == 0)
				return cli_usage_error(&cli_cmd_serve,
				    "--backlog takes a number from 1 to "
				    "65535, not '%s'",
				    optarg);
			backlog = (int)v;
			break;
		case O_JSON:
			sv.json = true;
			break;
		case O_TUPLE_FORMAT:
			if (strcmp(optarg, "text") == 0)
				scfg.tuple_json = false;
			else if (strcmp(optarg, "json") == 0)
				scfg.tuple_json = true;
			else
				return cli_usage_error(&cli_cmd_serve,
				    "--tuple-format is text or json, not '%s'",
				    optarg);
			break;
		case O_ACCEPT_PROXY:
			scfg.accept_proxy = true;
			break;
		case O_TRUSTED:
			/* Checked now, built into the ACL once all options
			 * are known to be good, so no error path holds it. */
			if (ntrusted == MAX_TRUSTED)
				return cli_usage_error(&cli_cmd_serve,
				    "at most %d --trusted (each takes a list: "
				    "PREFIX,PREFIX...)",
				    MAX_TRUSTED);
			code = trusted_prefixes(optarg, NULL);
			if (code != EXIT_OK)
				return code;
			trusted[ntrusted++] = optarg;
			break;
		case O_HEADER_TIMEOUT:
			if (parse_seconds(optarg, &v) < 0 || v == 0)
				return cli_usage_error(&cli_cmd_serve,
				    "--header-timeout takes seconds from 0.001 "
				    "to %.0f, not '%s'",
				    MAX_SECONDS, optarg);
			scfg.header_timeout_us = v;
			break;
		default:
			return cli_usage_error(&cli_cmd_serve,
			    "unknown option or missing value '%s'",
			    argv[optind - 1]);
		}
	}
	sv.quiet = cli_quiet();
	if (optind < argc)
		return cli_usage_error(
		    &cli_cmd_serve, "unexpected argument '%s'", argv[optind]);
	if (scfg.accept_proxy && ntrusted == 0)
		return cli_usage_error(&cli_cmd_serve,
		    "--accept-proxy needs --trusted: who may send a header");
	if (!scfg.accept_proxy && ntrusted > 0)
		return cli_usage_error(
		    &cli_cmd_serve, "--trusted needs --accept-proxy");

	if (nlisten == 0) {
		/* [::]:9000 */
		memset(&where[0], 0, sizeof(where[0]));
		where[0].addr.family = AF_INET6;
		where[0].port = 9000;
		nlisten = 1;
	}
	for (size_t i = 0; i < nlisten; i++) {
		memset(&lcfg[i], 0, sizeof(lcfg[i]));
		lcfg[i].where = where[i];
		lcfg[i].mode = mode;
		lcfg[i].backlog = backlog;
		lcfg[i].reuseport = reuseport;
	}

	/*
	 * The log is read line by line by people and scripts, often
	 * through a pipe or a file: one write per line, not per 4 KiB.
	 * Writes never raise SIGPIPE (the library sends with MSG_NOSIGNAL;
	 * a closed log pipe gives EPIPE). SIGHUP is ignored: there is no
	 * configuration or log file to reopen, and a closed terminal should
	 * not cut the connections of a test in progress.
	 */
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);

	if (scfg.accept_proxy) {
		code = build_trusted(trusted, ntrusted, &acl);
		if (code != EXIT_OK)
			return code;
		scfg.trusted = acl;
	}
	code = run(&sv, &scfg, lcfg, nlisten);
	ds_acl_free(acl);
	return cli_finish_stdout(code);
}
