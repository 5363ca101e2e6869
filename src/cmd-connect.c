/* SPDX-License-Identifier: MIT */
/*
 * dualstack connect: a Happy Eyeballs (RFC 8305) connect from the command
 * line, then a netcat-style relay between standard input and output and
 * the socket that won.
 *
 * The race runs on ds_connect, one loop iteration at a time, so that -v
 * can print each event of the trace as it happens. The relay is ds_relay
 * on the same loop, between the socket and standard input and output:
 * one bounded buffer per direction, a side is read only while its buffer
 * has room, end of input becomes shutdown(SHUT_WR), and the peer's end of
 * output ends the run once all of it is written out (DS_RELAY_END_WITH_B).
 *
 * Standard input and output are not switched to non-blocking mode: they
 * may be shared with the shell or other processes, and the flag belongs
 * to the open file, not to us. DS_RELAY_SHARED makes the relay read them
 * once per readiness and write at most PIPE_BUF bytes per readiness,
 * which never blocks; regular files and /dev/null, which epoll cannot
 * watch, never block and are driven from a deferred callback.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dualstack/addr.h"
#include "dualstack/connect.h"
#include "dualstack/error.h"
#include "dualstack/loop.h"
#include "dualstack/relay.h"
#include "dualstack/resolve.h"

#include "cli-chart.h"
#include "cli.h"

static int cmd_connect(int argc, char **argv);

const struct cli_command cli_cmd_connect = {
    "connect",
    "Happy Eyeballs connect (RFC 8305), then relay stdin and stdout",
    cmd_connect,
    "[-46v] [--probe] [--tuple] [--json] [--delay TIME]"
    " [--resolution-delay TIME] [--first-family-count N] [--timeout TIME]"
    " [--bind ADDR] [--server ADDR[,ADDR...]] [--svg FILE]"
    " [--no-cache | --cache-file PATH] HOST PORT | HOST:PORT",
};

static const char help_text[] =
    "\n"
    "Connect to HOST (a name or an address) on PORT (a number or a TCP\n"
    "service name), given as two words or as one endpoint: HOST:PORT,\n"
    "[2001:db8::1]:80, [fe80::1%eth0]:80 (see ENDPOINTS in dualstack(1)),\n"
    "the Happy Eyeballs way: AAAA and A asked together,\n"
    "addresses sorted by RFC 6724 and interleaved by family, attempts\n"
    "started one Connection Attempt Delay apart, the first to connect\n"
    "wins. Then copy standard input to the connection and the connection\n"
    "to standard output; end of input half-closes the connection, and the\n"
    "run ends when the peer closes.\n"
    "\n"
    "  -4, -6                 IPv4 only, IPv6 only\n"
    "  -q, --quiet            only the data relayed (or --probe's\n"
    "                         outcome) and errors, as without -v\n"
    "  -v, --verbose          print the race as it happens on stderr,\n"
    "                         then as a picture: one row per attempt\n"
    "                         on one time axis, the winner marked '#'\n"
    "                         (colour on a terminal, unless NO_COLOR)\n"
    "      --svg FILE         write the race as an SVG picture to FILE\n"
    "      --probe            connect, print the outcome, close\n"
    "      --tuple            print the 5-tuple (stderr; stdout with\n"
    "                         --probe): tcp LOCAL:PORT -> REMOTE:PORT\n"
    "      --json             the outcome and the trace as one JSON\n"
    "                         object on stdout (needs --probe)\n"
    "      --delay TIME       Connection Attempt Delay, 10ms to 2s\n"
    "                         (default 250ms; RFC 8305 recommends >= 100ms)\n"
    "      --resolution-delay TIME\n"
    "                         wait for AAAA after A, 0 to 2s (default 50ms)\n"
    "      --first-family-count N\n"
    "                         addresses of the preferred family tried\n"
    "                         before the other's first (default 1)\n"
    "      --timeout TIME     give up connecting after this long\n"
    "                         (default 30s; 0: never)\n"
    "      --bind ADDR        connect from this local address\n"
    "      --server ADDR[,ADDR...]\n"
    "                         DNS servers instead of resolv.conf's\n"
    "                         (192.0.2.53, [2001:db8::53]:5353, ...)\n"
    "      --no-cache         neither read nor write the history of\n"
    "                         outcomes, nor that of nameservers\n"
    "      --cache-file PATH  where the history is kept (default\n"
    "                         $XDG_CACHE_HOME/dualstack/happy-eyeballs);\n"
    "                         the nameservers' in PATH.nameservers; used\n"
    "                         only if it is a regular file of yours in a\n"
    "                         directory of yours, and nobody else can\n"
    "                         write either (else a warning)\n"
    "  -h, --help             this help\n"
    "\n"
    "TIME is a number and a unit: 500us, 250ms, 1.5s, 2m. A plain number\n"
    "keeps its old unit: milliseconds for the delays, seconds for\n"
    "--timeout.\n"
    "\n"
    "Name resolution follows resolv.conf as glibc does (timeout, attempts,\n"
    "ndots, rotate, single-request); A and AAAA leave from separate\n"
    "sockets, and a nameserver that has not answered within about 200 ms\n"
    "gets the next one asked too (see dualstack-resolve(1)).\n"
    "\n"
    "Exit status: 0 connected (and the relay ended cleanly), 1 the\n"
    "connection failed or broke, 2 usage error, 3 internal error, 130\n"
    "stopped by SIGINT (after a line saying how far it got).\n";

/* The longest --timeout accepted: a day is more than any connect needs. */
#define MAX_TIMEOUT_S 86400ull

struct options {
	struct ds_connect_opts co;
	bool help, verbose, probe, tuple, json, no_cache;
	const char *cache_file;
	const char *svg;
	struct ds_addr bind;
	struct ds_endpoint servers[CLI_DNS_SERVERS_MAX];
};

/* --- Arguments ------------------------------------------------------------ */

/* --bind ADDR: an address, IPv6 in brackets or not, zone names looked up.
 */
static int
parse_bind(const char *arg, struct ds_addr *ret)
{
	size_t len = strlen(arg), pos = 0;
	int r;

	r = ds_addr_parse(arg, len, DS_PARSE_BRACKETS, ret, &pos);
	if (r < 0) {
		cli_parse_error("--bind: ", arg, len, pos, r);
		return EXIT_USAGE;
	}
	if (cli_check_zone("--bind ", arg, arg[0] == '[',
	        len - (arg[0] == '[' ? 2 : 0), ret) != EXIT_OK)
		return EXIT_USAGE;
	if (ds_addr_zone_index(ret, &ret->scope_id) < 0)
		return EXIT_USAGE; /* checked above; an interface just gone */
	return EXIT_OK;
}

/* --- The history file ----------------------------------------------------- */

/* --- Output --------------------------------------------------------------- */

static double
ms(uint64_t us)
{
	return (double)us / 1000.0;
}

/* The number of the attempt that won, from the trace; 0 if none. */
static unsigned
winner_attempt(const struct ds_he_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ev[i].type == DS_HE_EV_CONNECTED)
			return ev[i].attempt;
	return 0;
}

/* "connected to [2001:db8::2]:80 from [2001:db8::1]:41234 in 1.23ms
 * (attempt 1 of 1)" */
static void
print_summary(FILE *f, const struct ds_connect_result *r, unsigned attempt)
{
	char rem[DS_ENDPOINT_STRLEN + IF_NAMESIZE];
	char loc[DS_ENDPOINT_STRLEN + IF_NAMESIZE];
	char dur[CLI_DURATION_STRLEN];

	cli_endpoint_text(&r->remote, rem, sizeof(rem));
	cli_endpoint_text(&r->local, loc, sizeof(loc));
	cli_duration_text(r->elapsed_us, dur, sizeof(dur));
	fprintf(f, "connected to %s from %s in %s (attempt %u of %u)\n", rem,
	    loc, dur, attempt, r->attempts);
}

/* "tcp [2001:db8::1]:41234 -> [2001:db8::2]:80": local, then remote. */
static void
tuple_text(const struct ds_connect_result *r, char *buf, size_t size)
{
	cli_tuple_text(&r->local, &r->remote, buf, size);
}

static void
print_events(const struct ds_he_event *ev, size_t from, size_t n)
{
	char line[256];

	for (size_t i = from; i < n; i++) {
		if (ds_he_event_format(&ev[i], line, sizeof(line)) < 0)
			snprintf(
			    line, sizeof(line), "(event %d)", (int)ev[i].type);
		fprintf(stderr, "%s\n", line);
	}
	fflush(stderr);
}

/* "error": the phrase, and "errno": the symbol for a system error. */
static void
json_error(struct json *j, int err)
{
	const char *sym = NULL;

	json_kv_string(j, "error", ds_strerror(err));
	if (err < 0 && -err < DS_E_BASE)
		sym = strerrorname_np(-err);
	if (sym)
		json_kv_string(j, "errno", sym);
}

static void
json_addr(struct json *j, const char *key, const struct ds_addr *a)
{
	char buf[DS_ADDR_STRLEN];

	cli_addr_text(a, buf, sizeof(buf));
	json_kv_string(j, key, buf);
}

/* {"address": "2001:db8::2", "port": 80, "family": "ipv6"} or null. */
static void
json_endpoint(struct json *j, const char *key, const struct ds_endpoint *ep)
{
	json_key(j, key);
	if (!ep) {
		json_null(j);
		return;
	}
	json_begin_object(j);
	json_addr(j, "address", &ep->addr);
	json_kv_int(j, "port", ep->port);
	json_kv_string(
	    j, "family", ep->addr.family == AF_INET6 ? "ipv6" : "ipv4");
	json_end(j);
}

/*
 * Which server answered query t, how many were asked, the tries that
 * timed out, and what each server did: "servers": [{"address",
 * "port", "state", "ms"}] in the order they were asked, "ms" from when it
 * was asked to its end (null while still asked).
 */
static void
json_dns_servers(
    struct json *j, const struct ds_resolve *res, enum ds_resolve_type t)
{
	const struct ds_resolve_query *q = ds_resolve_get(res, t);
	const struct ds_resolve_server *sv;
	char buf[DS_ADDR_STRLEN];
	size_t n;

	sv = ds_resolve_servers(res, &n);
	json_key(j, "server");
	if (q->server >= 0 && (size_t)q->server < n) {
		cli_addr_text(&sv[q->server].ep.addr, buf, sizeof(buf));
		json_string(j, buf);
	} else {
		json_null(j);
	}
	json_kv_int(j, "servers_asked", q->servers_asked);
	json_kv_int(j, "timeouts", q->timeouts);
	json_key(j, "servers");
	json_begin_array(j);
	for (size_t i = 0; i < n; i++) {
		const struct ds_resolve_ns_query *nq = &sv[i].q[t];

		json_begin_object(j);
		json_addr(j, "address", &sv[i].ep.addr);
		json_kv_int(j, "port", sv[i].ep.port);
		json_kv_string(j, "state", ds_resolve_ns_state_name(nq->state));
		json_key(j, "ms");
		if (nq->state == DS_RESOLVE_NS_NOT_ASKED ||
		    nq->state == DS_RESOLVE_NS_ASKING) {
			json_null(j);
		} else {
			snprintf(buf, sizeof(buf), "%.3f",
			    ms(nq->end_us - nq->start_us));
			json_raw(j, buf);
		}
		json_kv_int(j, "timeouts", nq->timeouts);
		json_end(j);
	}
	json_end(j);
}

static void
json_resolution(struct json *j, const struct ds_resolve *res)
{
	json_key(j, "resolution");
	json_begin_array(j);
	for (int t = 0; res && t < DS_RESOLVE_TYPES; t++) {
		const struct ds_resolve_query *q = ds_resolve_get(res, t);

		json_begin_object(j);
		json_kv_string(j, "type", ds_resolve_type_name(t));
		json_kv_bool(j, "asked", q->asked);
		json_key(j, "status");
		if (!q->done)
			json_string(j, "pending");
		else if (q->status == 0)
			json_string(j, "ok");
		else
			json_string(j, ds_strerror(q->status));
		json_kv_string(j, "source", ds_resolve_source_name(q->source));
		json_key(j, "ms");
		if (q->done && q->asked) {
			char buf[32];

			snprintf(buf, sizeof(buf), "%.3f",
			    ms(q->end_us - q->start_us));
			json_raw(j, buf);
		} else {
			json_null(j);
		}
		if (q->canonname)
			json_kv_string(j, "canonname", q->canonname);
		json_dns_servers(j, res, (enum ds_resolve_type)t);
		json_key(j, "answers");
		json_begin_array(j);
		for (size_t i = 0; i < q->n_answers; i++) {
			char buf[DS_ADDR_STRLEN];

			cli_addr_text(&q->answers[i].addr, buf, sizeof(buf));
			json_string(j, buf);
		}
		json_end(j);
		json_end(j);
	}
	json_end(j);
}

static void
json_event(struct json *j, const struct ds_he_event *ev)
{
	char buf[DS_PREFIX_STRLEN];

	json_begin_object(j);
	json_kv_ms(j, "t_ms", ev->t_us);
	json_kv_string(j, "event", ds_he_event_name(ev->type));
	switch (ev->type) {
	case DS_HE_EV_QUERY:
		json_kv_string(j, "qtype", ds_resolve_type_name(ev->qtype));
		break;
	case DS_HE_EV_ANSWER:
		json_kv_string(j, "qtype", ds_resolve_type_name(ev->qtype));
		json_kv_int(j, "count", ev->count);
		if (ev->err)
			json_error(j, ev->err);
		if (ev->ep.addr.family)
			json_addr(j, "server", &ev->ep.addr);
		json_kv_int(j, "servers_asked", ev->servers);
		json_kv_int(j, "timeouts", ev->timeouts);
		break;
	case DS_HE_EV_RES_DELAY:
		json_kv_string(j, "qtype", ds_resolve_type_name(ev->qtype));
		json_kv_int(j, "delay_ms", cli_us_to_ms(ev->delay_us));
		break;
	case DS_HE_EV_TIMEOUT:
		json_kv_int(j, "timeout_ms", cli_us_to_ms(ev->delay_us));
		break;
	case DS_HE_EV_NAT64:
		if (ev->err) {
			json_error(j, ev->err);
			break;
		}
		if (ds_prefix_format(&ev->prefix, 0, buf, sizeof(buf)) >= 0)
			json_kv_string(j, "prefix", buf);
		json_addr(j, "address", &ev->ep.addr);
		json_kv_int(j, "port", ev->ep.port);
		break;
	case DS_HE_EV_CACHE:
		json_addr(j, "address", &ev->ep.addr);
		json_kv_int(j, "port", ev->ep.port);
		break;
	case DS_HE_EV_ATTEMPT:
	case DS_HE_EV_FAILED:
	case DS_HE_EV_CONNECTED:
	case DS_HE_EV_CANCELLED:
		json_kv_int(j, "attempt", ev->attempt);
		json_addr(j, "address", &ev->ep.addr);
		json_kv_int(j, "port", ev->ep.port);
		if (ev->type == DS_HE_EV_ATTEMPT)
			json_kv_int(j, "delay_ms", cli_us_to_ms(ev->delay_us));
		else
			json_kv_ms(j, "elapsed_ms", ev->elapsed_us);
		if (ev->type == DS_HE_EV_FAILED)
			json_error(j, ev->err);
		break;
	default:
		break;
	}
	json_end(j);
}

static void
report_json(const char *host, uint16_t port, struct ds_connect *c,
    const struct ds_connect_result *r)
{
	const struct ds_he_event *ev;
	size_t n;
	struct json j;

	ev = ds_connect_trace(c, &n);
	json_init(&j, stdout, true);
	json_begin_object(&j);
	json_kv_string(&j, "host", host);
	json_kv_int(&j, "port", port);
	json_kv_bool(&j, "connected", r->err == 0);
	json_key(&j, "error");
	if (r->err)
		json_string(&j, ds_strerror(r->err));
	else
		json_null(&j);
	json_endpoint(&j, "remote", r->err ? NULL : &r->remote);
	json_endpoint(&j, "local", r->err ? NULL : &r->local);
	json_key(&j, "tuple");
	if (r->err) {
		json_null(&j);
	} else {
		char buf[CLI_TUPLE_STRLEN];

		tuple_text(r, buf, sizeof(buf));
		json_string(&j, buf);
	}
	json_key(&j, "attempt");
	if (r->err)
		json_null(&j);
	else
		json_uint(&j, winner_attempt(ev, n));
	json_kv_int(&j, "attempts", r->attempts);
	json_kv_ms(&j, "elapsed_ms", r->elapsed_us);
	json_key(&j, "connect_ms");
	if (r->err) {
		json_null(&j);
	} else {
		char buf[32];

		snprintf(buf, sizeof(buf), "%.3f", ms(r->connect_us));
		json_raw(&j, buf);
	}
	json_resolution(&j, ds_connect_get_resolve(c));
	json_key(&j, "trace");
	json_begin_array(&j);
	for (size_t i = 0; i < n; i++)
		json_event(&j, &ev[i]);
	json_end(&j);
	json_end(&j);
	json_finish(&j);
}

/* --- The race ------------------------------------------------------------- */

struct race {
	bool done;
	struct ds_connect_result result;
};

static void
on_connect(struct ds_connect *c, const struct ds_connect_result *r, void *u)
{
	struct race *race = u;

	race->result = *r;
	race->done = true;
	(void)c;
}

/* The signal (SIGINT, SIGTERM) that stopped the run: the CLI has one
 * thread, and the handler runs on the loop, not in signal context. */
static int stop_signal;

static void
on_stop_signal(struct ds_signal *s, int signo, void *u)
{
	(void)s;
	stop_signal = signo;
	ds_loop_stop(u, 0);
}

/*
 * Run the connect to its end, one loop iteration at a time, printing new
 * trace events after each when verbose. Returns 0 or -errno from the loop.
 */
static int
race_run(
    struct ds_loop *loop, struct ds_connect *c, struct race *race, bool verbose)
{
	const struct ds_he_event *ev;
	size_t printed = 0, n;
	int r;

	while (!race->done && !stop_signal) {
		r = ds_loop_run_once(loop, -1);
		if (r < 0)
			return r;
		if (verbose) {
			ev = ds_connect_trace(c, &n);
			print_events(ev, printed, n);
			printed = n;
		}
	}
	return 0;
}

/* --- The race as a picture ------------------------------------------------ */

/* One attempt of the race: when it started and ended (since
 * ds_connect_new()), and how; type 0 while still open at the end. */
struct lane {
	unsigned attempt;
	struct ds_endpoint ep;
	uint64_t start_us, end_us;
	enum ds_he_event_type type;
	int err;
};

/* The attempts of the trace, in the order they started, at most max;
 * *end_us is where the time axis ends: the last event or the result. */
static size_t
race_lanes(const struct ds_he_event *ev, size_t n,
    const struct ds_connect_result *res, struct lane *lanes, size_t max,
    uint64_t *end_us)
{
	size_t k = 0;

	*end_us = res->elapsed_us;
	for (size_t i = 0; i < n; i++) {
		if (ev[i].t_us > *end_us)
			*end_us = ev[i].t_us;
		if (ev[i].type == DS_HE_EV_ATTEMPT && k < max) {
			memset(&lanes[k], 0, sizeof(lanes[k]));
			lanes[k].attempt = ev[i].attempt;
			lanes[k].ep = ev[i].ep;
			lanes[k].start_us = ev[i].t_us;
			k++;
			continue;
		}
		if (ev[i].type != DS_HE_EV_FAILED &&
		    ev[i].type != DS_HE_EV_CONNECTED &&
		    ev[i].type != DS_HE_EV_CANCELLED)
			continue;
		for (size_t l = 0; l < k; l++) {
			if (lanes[l].attempt != ev[i].attempt)
				continue;
			lanes[l].type = ev[i].type;
			lanes[l].err = ev[i].err;
			lanes[l].end_us = lanes[l].start_us + ev[i].elapsed_us;
		}
	}
	/* An attempt still open when the race ended (the overall timeout)
	 * runs to the end of the axis. */
	for (size_t l = 0; l < k; l++)
		if (!lanes[l].type)
			lanes[l].end_us = *end_us;
	return k;
}

/* "won", "refused" (the error), "cancelled", "open". */
static void
lane_outcome(const struct lane *l, char *buf, size_t size)
{
	switch (l->type) {
	case DS_HE_EV_CONNECTED:
		snprintf(
		    buf, size, "won in %.3f ms", ms(l->end_us - l->start_us));
		break;
	case DS_HE_EV_FAILED:
		snprintf(buf, size, "failed: %s", ds_strerror(l->err));
		break;
	case DS_HE_EV_CANCELLED:
		snprintf(buf, size, "cancelled");
		break;
	default:
		snprintf(buf, size, "still open");
	}
}

/* "1 IPv6 [2001:db8::2]:80" */
static void
lane_label(const struct lane *l, char *buf, size_t size)
{
	char ep[DS_ENDPOINT_STRLEN + IF_NAMESIZE];

	cli_endpoint_text(&l->ep, ep, sizeof(ep));
	snprintf(buf, size, "%u %s %s", l->attempt,
	    l->ep.addr.family == AF_INET6 ? "IPv6" : "IPv4", ep);
}

/* The bar character and colour of an outcome: '#' green for the
 * winner, 'x' red for a failure, '-' for the cancelled and the open. */
static char
lane_char(const struct lane *l, const char **sgr)
{
	switch (l->type) {
	case DS_HE_EV_CONNECTED:
		*sgr = "32";
		return '#';
	case DS_HE_EV_FAILED:
		*sgr = "31";
		return 'x';
	default:
		*sgr = "33";
		return '-';
	}
}

#define LABEL_MAX (DS_ENDPOINT_STRLEN + IF_NAMESIZE + 16)
#define OUTCOME_MAX 128

/*
 * The race on stderr, one row per attempt on one time axis that spans
 * the terminal:
 *
 *   race: 0 to 1.234 ms
 *   1 IPv6 [::1]:80      |xx                  | failed: Connection refused
 *   2 IPv4 127.0.0.1:80  |  ##########        | won in 0.5 ms
 */
static void
print_race_picture(
    const struct ds_he_event *ev, size_t n, const struct ds_connect_result *res)
{
	struct lane lanes[DS_HE_MAX_CANDIDATES];
	char label[LABEL_MAX], out[OUTCOME_MAX];
	size_t k, labelw = 0, outw = 0;
	unsigned width = cli_chart_width(stderr), cols, from, to;
	bool color = cli_chart_color(stderr);
	uint64_t end_us;
	const char *sgr;
	char ch;

	k = race_lanes(ev, n, res, lanes, DS_HE_MAX_CANDIDATES, &end_us);
	if (k == 0)
		return;
	for (size_t l = 0; l < k; l++) {
		lane_label(&lanes[l], label, sizeof(label));
		lane_outcome(&lanes[l], out, sizeof(out));
		if (strlen(label) > labelw)
			labelw = strlen(label);
		if (strlen(out) > outw)
			outw = strlen(out);
	}
	/* Label, " |", bars, "| ", outcome; the bars get what is left,
	 * but never fewer than 10 columns, whatever it costs the width. */
	cols = labelw + outw + 4 < width ? width - (unsigned)(labelw + outw + 4)
	                                 : 0;
	if (cols < 10)
		cols = 10;
	fprintf(stderr, "race: 0 to %.3f ms, one column %.3f ms\n", ms(end_us),
	    ms(end_us) / cols);
	for (size_t l = 0; l < k; l++) {
		lane_label(&lanes[l], label, sizeof(label));
		lane_outcome(&lanes[l], out, sizeof(out));
		from = cli_chart_col(
		    (double)lanes[l].start_us, (double)end_us, cols);
		to = cli_chart_col(
		    (double)lanes[l].end_us, (double)end_us, cols);
		if (from == cols)
			from = cols - 1;
		ch = lane_char(&lanes[l], &sgr);
		fprintf(stderr, "%-*s |", (int)labelw, label);
		cli_chart_bar(stderr, cols, from, to > from ? to - from : 1, ch,
		    color, sgr);
		fprintf(stderr, "| %s\n", out);
	}
	fflush(stderr);
}

/* The same picture as an SVG file: one rect of class "bar" per attempt,
 * x and width proportional to its start and duration on the axis. */
#define SVG_W 900
#define SVG_LABEL_W 260
#define SVG_BARS_W 380
#define SVG_ROW_H 24
#define SVG_TOP 30

static int
write_race_svg(const char *path, const struct ds_he_event *ev, size_t n,
    const struct ds_connect_result *res)
{
	struct lane lanes[DS_HE_MAX_CANDIDATES];
	char label[LABEL_MAX], out[OUTCOME_MAX];
	char tip[LABEL_MAX + OUTCOME_MAX + 128];
	double x, w, y;
	uint64_t end_us;
	const char *sgr, *fill;
	size_t k;
	FILE *f;

	k = race_lanes(ev, n, res, lanes, DS_HE_MAX_CANDIDATES, &end_us);
	f = cli_svg_open(path, SVG_W, SVG_TOP + (unsigned)k * SVG_ROW_H + 30,
	    "Happy Eyeballs race");
	if (!f)
		return EXIT_INTERNAL;
	snprintf(label, sizeof(label), "race: 0 to %.3f ms", ms(end_us));
	cli_svg_text(f, 10, 18, "start", label);
	for (size_t l = 0; l < k; l++) {
		lane_label(&lanes[l], label, sizeof(label));
		lane_outcome(&lanes[l], out, sizeof(out));
		lane_char(&lanes[l], &sgr);
		fill = lanes[l].type == DS_HE_EV_CONNECTED ? "#2a9d38"
		    : lanes[l].type == DS_HE_EV_FAILED     ? "#d03030"
		                                           : "#c8a020";
		y = SVG_TOP + (double)l * SVG_ROW_H;
		x = SVG_LABEL_W;
		w = 0;
		if (end_us) {
			x += (double)lanes[l].start_us / (double)end_us *
			    SVG_BARS_W;
			w = (double)(lanes[l].end_us - lanes[l].start_us) /
			    (double)end_us * SVG_BARS_W;
		}
		snprintf(tip, sizeof(tip), "%s: %.3f to %.3f ms, %s", label,
		    ms(lanes[l].start_us), ms(lanes[l].end_us), out);
		cli_svg_text(f, 10, y + 16, "start", label);
		cli_svg_rect(f, x, y + 4, w, SVG_ROW_H - 8, fill, "bar", tip);
		cli_svg_text(
		    f, SVG_LABEL_W + SVG_BARS_W + 10, y + 16, "start", out);
	}
	y = SVG_TOP + (double)k * SVG_ROW_H;
	cli_svg_rect(
	    f, SVG_LABEL_W, y + 2, SVG_BARS_W, 1, "black", "axis", NULL);
	cli_svg_text(f, SVG_LABEL_W, y + 18, "start", "0");
	snprintf(label, sizeof(label), "%.3f ms", ms(end_us));
	cli_svg_text(f, SVG_LABEL_W + SVG_BARS_W, y + 18, "end", label);
	return cli_svg_close(f, path);
}

/* --- The relay ------------------------------------------------------------ */

struct relay_end {
	struct ds_loop *loop;
	bool done;
	int code;
};

/* The relay's end as an exit code, with the message netcat users expect
 * for what failed. */
static void
on_relay_done(struct ds_relay *r, const struct ds_relay_stats *st, void *u)
{
	struct relay_end *e = u;
	const char *what;
	int err = st->err;

	(void)r;
	e->done = true;
	e->code = EXIT_OK;
	ds_loop_stop(e->loop, 0);
	switch (st->end) {
	case DS_RELAY_EOF_A:
	case DS_RELAY_EOF_B:
	case DS_RELAY_CLOSED:
	case DS_RELAY_TIMEOUT:
		return;
	default:
		break;
	}
	if (st->err_side == 0 && st->err_write && err == -EPIPE) {
		/* The reader went away (head): not our failure. */
		return;
	}
	if (st->err_side == 1)
		what = st->err_write ? "writing to the connection"
		                     : "reading from the connection";
	else if (st->err_side == 0)
		what = st->err_write ? "writing standard output"
		                     : "reading standard input";
	else
		what = "relay";
	cli_error("%s: %s", what, ds_strerror(err ? err : -EIO));
	e->code = st->err_side == 1 ? EXIT_FAILED : EXIT_INTERNAL;
}

/*
 * Relay between standard input and output (A) and the socket (B) until
 * the peer closes and all it sent is written out; returns an exit code.
 * The socket is the relay's from here on. Standard input and output are
 * shared with the shell: DS_RELAY_SHARED keeps them blocking and open
 * (see the top). A closed standard input is end of input at once.
 */
static int
relay_run(struct ds_loop *loop, int sock)
{
	struct ds_relay_end_fds a = {
	    .rfd = STDIN_FILENO,
	    .wfd = STDOUT_FILENO,
	    .flags = DS_RELAY_SHARED,
	};
	struct ds_relay_end_fds b = {.rfd = sock, .wfd = sock};
	struct ds_relay_ctx *ctx = NULL;
	struct ds_relay *rl = NULL;
	struct relay_end end = {.loop = loop};
	int r, code;

	if (fcntl(STDIN_FILENO, F_GETFL) == -1)
		a.rfd = -1;
	r = ds_relay_ctx_new(loop, NULL, &ctx);
	if (r == 0)
		r = ds_relay_new_ends(
		    ctx, &a, &b, DS_RELAY_END_WITH_B, on_relay_done, &end, &rl);
	if (r < 0) {
		cli_error("relay: %s", ds_strerror(r));
		close(sock);
		ds_relay_ctx_free(ctx);
		return EXIT_INTERNAL;
	}
	r = ds_loop_run(loop);
	if (r < 0) {
		cli_error("event loop: %s", ds_strerror(r));
		code = EXIT_INTERNAL;
	} else if (stop_signal && !end.done) {
		const struct ds_relay_stats *st = ds_relay_stats(rl);

		code = cli_interrupted(stop_signal,
		    ds_loop_now(loop) - st->start_us,
		    "%llu bytes sent, %llu received",
		    (unsigned long long)st->a_to_b,
		    (unsigned long long)st->b_to_a);
	} else if (!end.done) {
		/* Nothing left to wake the loop: cannot happen while the
		 * socket is watched, but never report success for it. */
		cli_error("relay stalled");
		code = EXIT_INTERNAL;
	} else {
		code = end.code;
	}
	ds_relay_free(rl);
	ds_relay_ctx_free(ctx);
	return code;
}

/* --- Command -------------------------------------------------------------- */

static int
parse_ms_option(const char *name, const char *arg, uint64_t min, uint64_t max,
    uint64_t *ret_us)
{
	uint64_t us;

	if (cli_parse_duration(arg, CLI_MS, UINT32_MAX * CLI_MS, &us) < 0)
		return cli_usage_error(&cli_cmd_connect,
		    "%s takes a duration (250ms, 1.5s; plain: "
		    "milliseconds), not '%s'",
		    name, arg);
	if (us < min * CLI_MS || us > max * CLI_MS)
		return cli_usage_error(&cli_cmd_connect,
		    "%s %s: out of range, %llu to %llu ms", name, arg,
		    (unsigned long long)min, (unsigned long long)max);
	*ret_us = us;
	return EXIT_OK;
}

static int
parse_args(int argc, char **argv, struct options *o, int *ret_optind)
{
	enum {
		O_PROBE = 256,
		O_TUPLE,
		O_JSON,
		O_DELAY,
		O_RES_DELAY,
		O_FFC,
		O_TIMEOUT,
		O_BIND,
		O_SERVER,
		O_NO_CACHE,
		O_CACHE_FILE,
		O_SVG,
	};
	static const struct option lopts[] = {
	    {"probe", no_argument, NULL, O_PROBE},
	    {"tuple", no_argument, NULL, O_TUPLE},
	    {"json", no_argument, NULL, O_JSON},
	    {"delay", required_argument, NULL, O_DELAY},
	    {"resolution-delay", required_argument, NULL, O_RES_DELAY},
	    {"first-family-count", required_argument, NULL, O_FFC},
	    {"timeout", required_argument, NULL, O_TIMEOUT},
	    {"bind", required_argument, NULL, O_BIND},
	    {"server", required_argument, NULL, O_SERVER},
	    {"no-cache", no_argument, NULL, O_NO_CACHE},
	    {"cache-file", required_argument, NULL, O_CACHE_FILE},
	    {"svg", required_argument, NULL, O_SVG},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool v4 = false, v6 = false;
	uint64_t v;
	int c, code;

	optind = 1;
	opterr = 0;
	while ((c = cli_getopt(&cli_cmd_connect, argc, argv, "46h", lopts)) !=
	    -1) {
		code = EXIT_OK;
		switch (c) {
		case 'h':
			o->help = true;
			return EXIT_OK;
		case '4':
			v4 = true;
			break;
		case '6':
			v6 = true;
			break;
		case O_PROBE:
			o->probe = true;
			break;
		case O_SVG:
			o->svg = optarg;
			break;
		case O_TUPLE:
			o->tuple = true;
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_DELAY:
			if (cli_parse_duration(
			        optarg, CLI_MS, UINT32_MAX * CLI_MS, &v) < 0)
				return cli_usage_error(&cli_cmd_connect,
				    "--delay takes a duration (250ms, 0.5s; "
				    "plain: milliseconds), not '%s'",
				    optarg);
			if (v < DS_HE_ATTEMPT_DELAY_MIN_US ||
			    v > DS_HE_ATTEMPT_DELAY_MAX_US)
				return cli_usage_error(&cli_cmd_connect,
				    "--delay %s: RFC 8305 bounds the "
				    "Connection Attempt Delay to %u-%u ms",
				    optarg,
				    DS_HE_ATTEMPT_DELAY_MIN_US /
				        (unsigned)CLI_MS,
				    DS_HE_ATTEMPT_DELAY_MAX_US /
				        (unsigned)CLI_MS);
			o->co.attempt_delay_us = v;
			break;
		case O_RES_DELAY:
			code = parse_ms_option("--resolution-delay", optarg, 0,
			    2000, &o->co.resolution_delay_us);
			break;
		case O_FFC:
			if (cli_parse_u64(optarg, DS_HE_MAX_CANDIDATES, &v) <
			        0 ||
			    v == 0)
				return cli_usage_error(&cli_cmd_connect,
				    "--first-family-count takes a number from "
				    "1 to %u, not '%s'",
				    (unsigned)DS_HE_MAX_CANDIDATES, optarg);
			o->co.first_family_count = (uint32_t)v;
			break;
		case O_TIMEOUT:
			if (cli_parse_duration(
			        optarg, CLI_S, MAX_TIMEOUT_S * CLI_S, &v) < 0)
				return cli_usage_error(&cli_cmd_connect,
				    "--timeout takes a duration (30s, 2m; "
				    "plain: seconds), not '%s'",
				    optarg);
			o->co.timeout_us = v;
			break;
		case O_BIND:
			code = parse_bind(optarg, &o->bind);
			o->co.bind = &o->bind;
			break;
		case O_SERVER:
			code = cli_parse_dns_servers(&cli_cmd_connect, optarg,
			    o->servers, CLI_DNS_SERVERS_MAX,
			    &o->co.resolve.n_servers);
			o->co.resolve.server_list = o->servers;
			break;
		case O_NO_CACHE:
			o->no_cache = true;
			break;
		case O_CACHE_FILE:
			if (*optarg == '\0')
				return cli_usage_error(&cli_cmd_connect,
				    "--cache-file needs a path");
			o->cache_file = optarg;
			break;
		default:
			return cli_usage_error(&cli_cmd_connect,
			    "unknown option or missing value: '%s'",
			    argv[optind - 1]);
		}
		if (code != EXIT_OK)
			return code;
	}
	o->verbose = cli_verbose();
	if (v4 && v6)
		return cli_usage_error(&cli_cmd_connect,
		    "-4 and -6 exclude each other; give neither for both");
	if (v4)
		o->co.resolve.family = DS_RESOLVE_ONLY_V4;
	if (v6)
		o->co.resolve.family = DS_RESOLVE_ONLY_V6;
	if (o->json && !o->probe)
		return cli_usage_error(&cli_cmd_connect,
		    "--json needs --probe: without it, standard output "
		    "carries the peer's data");
	if (o->no_cache && o->cache_file)
		return cli_usage_error(&cli_cmd_connect,
		    "--no-cache and --cache-file exclude each other");
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage_error(&cli_cmd_connect,
		    argc - optind < 1 ? "give HOST PORT or HOST:PORT"
		                      : "too many arguments");
	*ret_optind = optind;
	return EXIT_OK;
}

/*
 * Open the history: the file's entries, or an empty one when it cannot be
 * read (a warning). *ret_path is where to save it, NULL for nowhere: a
 * directory others could write to, or a file that is not the user's own
 * regular file, is neither read nor written.
 */
static int
cache_open(const struct options *o, char *path, size_t size,
    struct ds_he_cache **ret, const char **ret_path)
{
	struct ds_he_cache *cache = NULL;
	int r;

	*ret = NULL;
	*ret_path = NULL;
	if (o->no_cache)
		return EXIT_OK;
	r = ds_he_cache_new(0, &cache);
	if (r < 0) {
		cli_error("history: %s", ds_strerror(r));
		return EXIT_INTERNAL;
	}
	*ret = cache;
	if (o->cache_file) {
		if (strlen(o->cache_file) >= size) {
			cli_error("warning: --cache-file: path too long; "
			          "no history kept");
			return EXIT_OK;
		}
		strcpy(path, o->cache_file);
	} else {
		r = cli_cache_file(CLI_HE_HISTORY_FILE, path, size);
		if (r == -ENOENT)
			return EXIT_OK; /* no home: no history */
		if (r < 0) {
			cli_error("warning: cache directory: %s; no history "
			          "kept",
			    ds_strerror(r));
			return EXIT_OK;
		}
	}
	if (cli_cache_dir_ok(path, "history") < 0)
		return EXIT_OK;
	r = ds_he_cache_load(cache, path);
	if (r < 0) {
		/* Neither used nor rewritten: it may hold what another
		 * version wrote, or be unreadable for a reason to fix. */
		cli_error(
		    "warning: cache %s: %s; not used", path, ds_strerror(r));
		return EXIT_OK;
	}
	*ret_path = path;
	return EXIT_OK;
}

/*
 * The nameserver history (lib/resolve-history.c), kept beside the
 * connection history but in a file of its own: $XDG_CACHE_HOME/dualstack/
 * nameservers, or PATH.nameservers with --cache-file PATH. *ret_path is
 * where to save it, NULL for nowhere.
 */
static int
ns_history_open(const struct options *o, char *path, size_t size,
    struct ds_resolve_history **ret, const char **ret_path)
{
	const char *file = path;
	int r;

	*ret = NULL;
	*ret_path = NULL;
	if (o->no_cache)
		return EXIT_OK;
	if (o->cache_file) {
		r = snprintf(
		    path, size, "%s.%s", o->cache_file, CLI_NS_HISTORY_FILE);
		if (r < 0 || (size_t)r >= size)
			file = NULL;
	} else if ((r = cli_cache_file(CLI_NS_HISTORY_FILE, path, size)) < 0) {
		if (r != -ENOENT)
			cli_error("warning: nameserver history: %s; not kept",
			    ds_strerror(r));
		file = NULL;
	}
	/* It sits beside the connection history, whose directory was
	 * judged (and warned about) already: not a second warning. */
	if (file) {
		char dir[PATH_MAX];

		cli_dir_of(file, dir, sizeof(dir));
		if (ds_he_cache_check_dir(dir) < 0)
			file = NULL;
	}
	r = cli_ns_history_open(file, ret);
	if (r == EXIT_INTERNAL)
		return r;
	if (r == EXIT_OK)
		*ret_path = file;
	return EXIT_OK;
}

static int
cmd_connect(int argc, char **argv)
{
	struct options o;
	const char *host = NULL, *cache_path, *ns_path;
	char path[PATH_MAX], ns_buf[PATH_MAX];
	struct cli_endpoint target;
	struct ds_signal *sigint = NULL, *sigterm = NULL;
	uint64_t race_start_us = 0;
	struct ds_resolve_history *ns_hist = NULL;
	uint16_t port;
	struct ds_loop *loop = NULL;
	struct ds_connect *c = NULL;
	struct ds_he_cache *cache = NULL;
	struct race race;
	const struct ds_connect_result *res = &race.result;
	const struct ds_he_event *ev;
	size_t n;
	int code, r, first = 0;

	memset(&o, 0, sizeof(o));
	memset(&race, 0, sizeof(race));
	ds_connect_opts_init(&o.co);
	code = parse_args(argc, argv, &o, &first);
	if (code != EXIT_OK)
		return code;
	if (o.help) {
		cli_usage(stdout, &cli_cmd_connect);
		fputs(help_text, stdout);
		return cli_finish_stdout(EXIT_OK);
	}
	code = cli_parse_endpoint_args("", argc - first, argv + first,
	    CLI_EP_NAME | CLI_EP_SERVICE |
	        (o.co.resolve.family == DS_RESOLVE_ONLY_V4 ? CLI_EP_FAMILY_V4
	                : o.co.resolve.family == DS_RESOLVE_ONLY_V6
	                ? CLI_EP_FAMILY_V6
	                : 0),
	    0, &target);
	if (code != EXIT_OK)
		return code;
	host = target.host;
	port = target.ep.port;
	if (o.co.attempt_delay_us < DS_HE_ATTEMPT_DELAY_RECOMMENDED_MIN_US)
		cli_error("warning: --delay %u ms: RFC 8305 section 5 "
		          "recommends at least %u ms",
		    (unsigned)cli_us_to_ms(o.co.attempt_delay_us),
		    DS_HE_ATTEMPT_DELAY_RECOMMENDED_MIN_US / (unsigned)CLI_MS);

	/* A peer gone while we write is an error from send(), not a
	 * signal that ends the program. */
	signal(SIGPIPE, SIG_IGN);

	code = cache_open(&o, path, sizeof(path), &cache, &cache_path);
	if (code != EXIT_OK)
		return code;
	o.co.cache = cache;
	code = ns_history_open(&o, ns_buf, sizeof(ns_buf), &ns_hist, &ns_path);
	if (code != EXIT_OK)
		goto out;
	o.co.resolve.history = ns_hist;

	r = ds_loop_new(&loop);
	if (r < 0) {
		cli_error("event loop: %s", ds_strerror(r));
		code = EXIT_INTERNAL;
		goto out;
	}
	/* Ctrl-C: a line saying how far it got, then 128 + the signal. */
	if (ds_signal_new(loop, SIGINT, on_stop_signal, loop, &sigint) < 0 ||
	    ds_signal_new(loop, SIGTERM, on_stop_signal, loop, &sigterm) < 0) {
		cli_error("cannot watch SIGINT/SIGTERM");
		code = EXIT_INTERNAL;
		goto out;
	}
	race_start_us = ds_time_now_us();
	r = ds_connect_new(loop, host, port, &o.co, on_connect, &race, &c);
	if (r < 0) {
		cli_error("%s port %u: %s", host, port, ds_strerror(r));
		code = r == -EINVAL || r == -DS_E_DNS_CONFIG ? EXIT_USAGE
		                                             : EXIT_INTERNAL;
		goto out;
	}
	r = race_run(loop, c, &race, o.verbose);
	if (r < 0) {
		cli_error("event loop: %s", ds_strerror(r));
		code = EXIT_INTERNAL;
		goto out;
	}
	if (stop_signal && !race.done) {
		code = cli_interrupted(stop_signal,
		    ds_time_now_us() - race_start_us,
		    "not connected yet to %s port %u", host, port);
		goto out;
	}
	if (cache && cache_path) {
		r = ds_he_cache_save(cache, cache_path);
		if (r < 0)
			cli_error("warning: cache %s: %s; not saved",
			    cache_path, ds_strerror(r));
	}
	cli_ns_history_save(ns_hist, ns_path);

	ev = ds_connect_trace(c, &n);
	if (o.verbose)
		print_race_picture(ev, n, res);
	if (o.svg && write_race_svg(o.svg, ev, n, res) != EXIT_OK) {
		if (!res->err)
			close(res->fd);
		code = EXIT_INTERNAL;
		goto out;
	}
	if (res->err == 0 && o.verbose && !o.probe)
		print_summary(stderr, res, winner_attempt(ev, n));
	if (o.json)
		report_json(host, port, c, res);
	if (res->err) {
		/* No attempt and a lookup behind it: the error is the
		 * resolver's, which must not read like the peer's. */
		bool dns = res->attempts == 0 && ds_connect_get_resolve(c) &&
		    res->err != -DS_E_NO_ADDRESS && res->err != -DS_E_NO_NAT64;

		cli_error("cannot connect to %s port %u: %s%s (%u attempt%s, "
		          "%.3f ms)",
		    host, port, dns ? "name resolution failed: " : "",
		    ds_strerror(res->err), res->attempts,
		    res->attempts == 1 ? "" : "s", ms(res->elapsed_us));
		code = res->err == -ENOMEM || res->err == -EMFILE ||
		        res->err == -ENFILE
		    ? EXIT_INTERNAL
		    : EXIT_FAILED;
		goto out;
	}
	if (o.probe && !o.json)
		print_summary(stdout, res, winner_attempt(ev, n));
	/* With --json the tuple is in the document. */
	if (o.tuple && !o.json) {
		char buf[CLI_TUPLE_STRLEN];

		tuple_text(res, buf, sizeof(buf));
		fprintf(o.probe ? stdout : stderr, "%s\n", buf);
	}
	fflush(stderr);
	c = ds_connect_free(c);
	if (o.probe) {
		close(res->fd);
		code = EXIT_OK;
		goto out;
	}
	/* Nothing else goes to stdout through stdio from here on. */
	if (fflush(stdout) != 0) {
		close(res->fd);
		code = cli_finish_stdout(EXIT_OK);
		goto out;
	}
	code = relay_run(loop, res->fd);
out:
	ds_signal_free(sigint);
	ds_signal_free(sigterm);
	ds_connect_free(c);
	ds_he_cache_free(cache);
	ds_resolve_history_free(ns_hist);
	ds_loop_free(loop);
	return cli_finish_stdout(code);
}
