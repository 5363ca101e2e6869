/* SPDX-License-Identifier: MIT */
/*
 * dualstack reach: the front end of the ds_reach module, in two roles.
 *
 *   reach serve  the checker: ds_listen accepts control connections and
 *                hands each one to ds_reach_server; each of its events
 *                becomes one time-stamped line on stdout (a JSON object
 *                with the event's fields with --json).
 *   reach check  the agent: one ds_reach_agent (two with --both, on the
 *                same loop at once) whose trace events print the flow as
 *                it happens; the report and its findings
 *                (ds_reach_findings()) make the verdict, the attempts,
 *                what the agent saw and why.
 *
 * No socket logic lives here: the engines do the protocol, the tests and
 * the abuse rules; this file parses options and decides what to print,
 * and cmd-reach-words.c what to say.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"
#include "dualstack/listen.h"
#include "dualstack/loop.h"
#include "dualstack/reach.h"
#include "dualstack/workers.h"

#include "cli-finding.h"
#include "cli.h"
#include "cmd-reach-words.h"

static int cmd_reach(int argc, char **argv);

const struct cli_command cli_cmd_reach = {
    "reach",
    "prove a service is reachable over IPv6 from outside, and say why not",
    cmd_reach,
    "serve [--listen ADDR:PORT]... [--mode MODE] [OPTION]...\n"
    "check [-46q] [--test-family 4|6 | --both] [OPTION]... SERVER[:PORT]",
};

/* The roles as commands of their own, for usage messages. */
static const struct cli_command cmd_serve_role = {
    "reach serve",
    "the checker",
    NULL,
    "[--listen ADDR:PORT]... [--mode dual|separate|v6only|v4only]"
    " [--allow-targets PREFIX]... [--allow-self] [--allow-low-ports]"
    " [--any-target] [--claim-address ADDR]... [--deadline SECS]"
    " [--rate N/min] [--target-rate N/min] [--max-agents N]"
    " [--max-agents-per-source N] [--json]",
};

static const struct cli_command cmd_check_role = {
    "reach check",
    "the agent",
    NULL,
    "[-46q] [--test-family 4|6] [--both] [--advertise ADDR]"
    " [--listen [ADDR:]PORT] [--port-only ADDR:PORT] [--count N]"
    " [--timeout TIME] [--server DNS[,DNS...]] [--allow-unfit] [--json]"
    " SERVER[:PORT]",
};

static const char help_text[] =
    "\n"
    "Prove from outside that a service is reachable over IPv6 (or IPv4),\n"
    "and say why when it is not. A checker on a host with working\n"
    "connectivity opens test connections back to an agent on the host\n"
    "under test, sends a random token on each, and compares the tokens\n"
    "the agent returns.\n"
    "\n"
    "  serve   run the checker (default [::]:4646, both families)\n"
    "  check   run the agent against a checker\n"
    "\n"
    "'dualstack reach serve --help' and 'dualstack reach check --help'\n"
    "list the options; 'man dualstack-reach' says more.\n"
    "\n"
    "Exit status: 0 reachable (serve: stopped by a signal), 1 not\n"
    "reachable, partly reachable or refused by the checker, 2 usage\n"
    "error, 3 the check could not run (the checker unresolvable or\n"
    "unreachable) or a system error (serve: a listener could not be\n"
    "opened).\n";

static const char serve_help_text[] =
    "\n"
    "Run the checker: accept control connections from agents and, for\n"
    "each check, connect back to the address and port the agent announced.\n"
    "One line per event (check started, refused, finished) on stdout.\n"
    "\n"
    "  --listen ADDR:PORT    where to listen; repeatable. [::]:4646, :4646,\n"
    "                        192.0.2.1:4646 or a bare port; port 0 picks\n"
    "                        one (the log says which). Default [::]:4646\n"
    "  --mode MODE           dual (default), separate, v6only, v4only\n"
    "  --allow-targets PREFIX\n"
    "                        also test addresses in PREFIX, beyond global\n"
    "                        unicast (loopback, documentation, ULA...),\n"
    "                        and on this checker's own networks;\n"
    "                        repeatable. Never this checker's own\n"
    "                        addresses: see --allow-self\n"
    "  --allow-self          also test this checker's own addresses (for\n"
    "                        tests and demos on one host)\n"
    "  --allow-low-ports     also test ports below 1024\n"
    "  --any-target          do not require the agent to hold the target:\n"
    "                        neither the control connection's own address\n"
    "                        (same family) nor a claim (other family)\n"
    "  --claim-address ADDR  this checker's address agents send claims to\n"
    "                        (default: its source address toward the\n"
    "                        target); for a checker behind a 1:1 NAT, one\n"
    "                        per family\n"
    "  --deadline SECS       time for the test connections of a check, and\n"
    "                        for a claim (default 5)\n"
    "  --rate N/min          checks per agent network and minute: IPv6 /64\n"
    "                        or IPv4 /32; a /56 gets twice, a /48 and an\n"
    "                        IPv4 /24 four times as many (default 6/min)\n"
    "  --target-rate N/min   test connections to one target address a\n"
    "                        minute, from all agents; its /64 (IPv4 /24)\n"
    "                        gets four times as many (default 16/min)\n"
    "  --max-agents N        control connections at once (default 256)\n"
    "  --max-agents-per-source N\n"
    "                        control connections at once from one /64 or\n"
    "                        IPv4 address; a /48 or IPv4 /24 may hold four\n"
    "                        times as many (default 4)\n"
    "  -j, --workers N       N worker threads, each a checker on\n"
    "                        SO_REUSEPORT listeners of the same ports;\n"
    "                        an agent network (/48, IPv4 /24) stays on\n"
    "                        one, so per-agent limits hold; --target-rate\n"
    "                        counts per worker (default 1, at most 64)\n"
    "  --json                log as JSON lines\n"
    "  -q, --quiet, -v, --verbose\n"
    "                        taken as by every command; the output is the\n"
    "                        same either way\n"
    "  -h, --help            this help\n"
    "\n"
    "Runs until SIGINT or SIGTERM, then exits with status 0. Exit status\n"
    "2 usage error, 3 no listener could be opened (a port in use) or\n"
    "another system error.\n";

static const char check_help_text[] =
    "\n"
    "Run the agent: connect to the checker SERVER (a name, an IPv4\n"
    "address or [IPv6]; port 4646 unless given), open a test listener,\n"
    "announce it, collect the tokens the checker's test connections bring\n"
    "and return them. Prints the flow as it happens, then the verdict,\n"
    "each attempt, what the agent saw, and a diagnosis.\n"
    "\n"
    "  -4, -6                the control connection over IPv4 or IPv6\n"
    "                        only (default: Happy Eyeballs)\n"
    "  --test-family 4|6     the family tested (default 6, or the family\n"
    "                        of --advertise or --port-only)\n"
    "  --both                test IPv6 and IPv4 at once, side by side\n"
    "  --advertise ADDR      the address to announce (default: the source\n"
    "                        address the kernel uses toward the checker);\n"
    "                        with --both, once per family\n"
    "  --listen-port N       the test listener's port (default: any)\n"
    "  --listen ADDR:PORT    the same as --advertise ADDR --listen-port\n"
    "                        PORT ([2001:db8::1]:8080); a bare PORT is\n"
    "                        --listen-port\n"
    "  --port-only ADDR:PORT check that an existing service accepts\n"
    "                        connections, e.g. sshd; no listener, no\n"
    "                        tokens\n"
    "  --count N             test connections, 1 to 16 (default 5)\n"
    "  --timeout TIME        give up on the whole check (default 30s;\n"
    "                        90s, 2m, plain seconds)\n"
    "  --server DNS[,DNS...] DNS servers for the checker's name\n"
    "  --allow-unfit         announce an address that cannot work from\n"
    "                        outside (link-local, loopback...) anyway\n"
    "  --json                one JSON document on stdout\n"
    "  -q, --quiet           only the verdict line\n"
    "  -v, --verbose         as without -q: the flow, the verdict and\n"
    "                        the diagnosis\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 reachable (--both: both), 1 unreachable, partly\n"
    "reachable, or refused by the checker, 2 usage error, 3 the check\n"
    "could not run: the checker's name did not resolve, the checker could\n"
    "not be reached or is no reach checker, or a system error.\n";

/* More --listen and --allow-targets than anyone needs; arrays are fixed. */
#define MAX_LISTEN 16
#define MAX_ALLOW 64

/* The longest --deadline and --timeout: a check is seconds, not hours. */
#define MAX_DEADLINE_S 600.0
#define MAX_TIMEOUT_S 3600ull

/* Room for a diagnosis: a summary and a few lines of causes. */
#define DIAG_MAX 4096

/* Flow lines kept per agent for --json; the flow of one check is a few
 * lines per test connection, and DS_REACH_COUNT_MAX bounds those. */
#define FLOW_MAX 128

/* --- Shared --------------------------------------------------------------- */

static const char *
family_name(int family)
{
	return reach_family_words(family);
}

static void
endpoint_text(const struct ds_endpoint *ep, char *buf, size_t size)
{
	snprintf(buf, size, "%s", DS_ENDPOINT_STR(ep, "?"));
}

/* --- serve ---------------------------------------------------------------- */

struct checker;

/* One worker's checker and listeners; they belong to its thread. */
struct checker_worker {
	struct checker *ck;
	unsigned id;
	struct ds_reach_server *srv;
	struct ds_listener *listeners[MAX_LISTEN];
	size_t n_listeners;
};

struct checker {
	struct ds_loop *loop; /* the main loop, also worker 0's */
	struct ds_workers *ws;
	struct checker_worker w[DS_WORKERS_MAX];
	unsigned n;
	bool json;
	int code;
};

/* One log line on stdout: "TIME text" or {"time":..,"event":..,...}. */
static void
log_line(struct checker *ck, const char *event, const char *text)
{
	char now[40];

	cli_time_now(now, sizeof(now));
	/* One line at a time across the workers. */
	flockfile(stdout);
	if (ck->json) {
		struct json j;

		json_init(&j, stdout, false);
		json_begin_object(&j);
		json_kv_string(&j, "time", now);
		json_kv_string(&j, "event", event);
		json_kv_string(&j, "text", text);
		json_end(&j);
		json_finish(&j);
	} else {
		fprintf(stdout, "%s %s\n", now, text);
	}
	fflush(stdout);
	funlockfile(stdout);
}

/* A refusal's reason and the numbers it has (the fields it sets). */
static void
json_refusal(struct json *j, const struct ds_reach_refusal *rf)
{
	char buf[DS_PREFIX_STRLEN];

	json_kv_string(j, "code", ds_reach_err_name(rf->code));
	json_kv_string(j, "reason", ds_reach_why_name(rf->why));
	json_kv_addr(j, "target", &rf->target);
	json_kv_addr(j, "from", &rf->from);
	if (rf->net.addr.family != 0 &&
	    ds_prefix_format(&rf->net, 0, buf, sizeof(buf)) >= 0)
		json_kv_string(j, "network", buf);
	if (rf->block != 0)
		json_kv_string(j, "block", ds_addr_kind_name(rf->block));
	if (rf->family != 0)
		json_kv_string(
		    j, "family", rf->family == AF_INET ? "ipv4" : "ipv6");
	if (rf->column != 0)
		json_kv_int(j, "column", rf->column);
	if (rf->count != 0)
		json_kv_int(j, "count", rf->count);
	if (rf->port != 0)
		json_kv_int(j, "port", rf->port);
	if (rf->limit != 0)
		json_kv_int(j, "limit", rf->limit);
	json_kv_errno(j, "errno", rf->err);
}

/*
 * One checker event on stdout: "TIME text", or with --json the event's
 * fields and the same text: {"time":..,"event":"started","agent":..,
 * "target":..,"count":..,...,"text":..}.
 */
static void
on_server_event(
    struct ds_reach_server *s, const struct ds_reach_event *ev, void *userdata)
{
	struct checker *ck = ((struct checker_worker *)userdata)->ck;
	char text[512], now[40];
	struct json j;

	(void)s;
	reach_event_text(ev, text, sizeof(text));
	if (!ck->json) {
		log_line(ck, ds_reach_event_name(ev->kind), text);
		return;
	}
	cli_time_now(now, sizeof(now));
	flockfile(stdout);
	json_init(&j, stdout, false);
	json_begin_object(&j);
	json_kv_string(&j, "time", now);
	json_kv_string(&j, "event", ds_reach_event_name(ev->kind));
	json_kv_addr(&j, "agent", &ev->agent.addr);
	switch (ev->kind) {
	case DS_REACH_EV_STARTED:
		json_kv_endpoint(&j, "target", &ev->target);
		json_kv_int(&j, "count", ev->count);
		json_kv_bool(&j, "port_only", ev->port_only);
		break;
	case DS_REACH_EV_CLAIM_ASKED:
		json_kv_endpoint(&j, "target", &ev->target);
		json_kv_endpoint(&j, "claim_to", &ev->claim_to);
		break;
	case DS_REACH_EV_CLAIMED:
	case DS_REACH_EV_ABORTED:
		json_kv_endpoint(&j, "target", &ev->target);
		break;
	case DS_REACH_EV_REFUSED:
		json_refusal(&j, &ev->refusal);
		break;
	case DS_REACH_EV_ENDED:
		json_kv_endpoint(&j, "target", &ev->target);
		json_kv_string(
		    &j, "verdict", ds_reach_verdict_name(ev->verdict));
		json_kv_int(&j, "delivered", ev->delivered);
		json_kv_int(&j, "count", ev->count);
		break;
	default:
		break;
	}
	json_kv_string(&j, "text", text);
	json_end(&j);
	json_finish(&j);
	fflush(stdout);
	funlockfile(stdout);
}

/* The checker's ERR text, in the words of its log. */
static int
on_refusal_text(
    const struct ds_reach_refusal *rf, char *buf, size_t size, void *userdata)
{
	(void)userdata;
	return reach_refusal_text(rf, buf, size);
}

static void
on_control_accept(
    struct ds_listener *l, int fd, const struct ds_tuple *t, void *userdata)
{
	struct checker_worker *cw = userdata;
	int r;

	(void)l;
	r = ds_reach_server_adopt(cw->srv, fd);
	if (r < 0) {
		char tuple[CLI_TUPLE_STRLEN], line[CLI_TUPLE_STRLEN + 128];

		cli_tuple_text(&t->src, &t->dst, tuple, sizeof(tuple));
		snprintf(line, sizeof(line), "drop %s %s: %s", tuple,
		    cli_family_used_text(t->family), ds_strerror(r));
		log_line(cw->ck, "drop", line);
	}
}

static void
on_listen_event(struct ds_listener *l, int err, void *userdata)
{
	char line[128];

	(void)l;
	if (err)
		snprintf(line, sizeof(line), "accept: %s; backing off",
		    ds_strerror(err));
	else
		snprintf(line, sizeof(line), "accept: accepting again");
	log_line(((struct checker_worker *)userdata)->ck, "accept", line);
}

/* On worker i's thread: no new agent; the checks in progress end with
 * the checker, freed once every thread is joined. */
static size_t
worker_stop(
    struct ds_workers *ws, unsigned i, uint64_t drain_us, void *userdata)
{
	struct checker_worker *cw = &((struct checker *)userdata)->w[i];

	(void)drain_us;
	for (size_t k = 0; k < cw->n_listeners; k++)
		cw->listeners[k] = ds_listener_free(cw->listeners[k]);
	ds_workers_done(ws, i);
	return 0;
}

static const struct ds_workers_ops checker_ops = {.drain = worker_stop};

static void
on_workers(
    struct ds_workers *ws, const struct ds_workers_event *ev, void *userdata)
{
	struct checker *ck = userdata;

	(void)ws;
	if (ev->kind == DS_WORKERS_EV_DONE && ev->err < 0) {
		cli_error("worker %u: event loop: %s", ev->worker,
		    ds_strerror(ev->err));
		ck->code = EXIT_INTERNAL;
	}
	if (ev->kind == DS_WORKERS_EV_STOPPED)
		ds_loop_stop(ck->loop, 0);
}

static void
on_stop_signal(struct ds_signal *sig, int signo, void *userdata)
{
	struct checker *ck = userdata;
	int r;

	(void)sig;
	log_line(ck, "stop",
	    signo == SIGINT ? "SIGINT: stopping" : "SIGTERM: stopping");
	r = ds_workers_drain(ck->ws, 0);
	if (r < 0) {
		cli_error("workers: %s", ds_strerror(r));
		ck->code = EXIT_INTERNAL;
		ds_loop_stop(ck->loop, 0);
	}
}

/* "N/min", "N/m" or "N": checks per agent and minute, 1 to 10000. */
static int
parse_rate(const char *s, uint32_t *ret)
{
	char num[16];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	uint64_t v;

	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	if (slash && strcmp(slash, "/min") != 0 && strcmp(slash, "/m") != 0)
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	if (cli_parse_u64(num, 10000, &v) < 0 || v == 0)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

/*
 * Where agents claim targets of each family: the first listener that
 * takes that family, by its port, and by its address when it is bound to
 * one (a --claim-address set already stays).
 */
static void
claim_from_listener(struct ds_reach_server_config *cfg,
    const struct ds_endpoint *ep, enum ds_listen_mode mode)
{
	static const uint8_t zero[16];
	bool any = memcmp(ep->addr.u.bytes, zero, sizeof(zero)) == 0;
	struct ds_addr a;
	bool mapped = ds_addr_unmap(&ep->addr, &a);
	bool v4 = a.family == AF_INET || (any && mode == DS_LISTEN_DUAL);
	bool v6 = ep->addr.family == AF_INET6 && !mapped;

	if (v4 && cfg->claim_v4.port == 0) {
		cfg->claim_v4.port = ep->port;
		if (!any && a.family == AF_INET &&
		    cfg->claim_v4.addr.family == 0)
			cfg->claim_v4.addr = a;
	}
	if (v6 && cfg->claim_v6.port == 0) {
		cfg->claim_v6.port = ep->port;
		if (!any && cfg->claim_v6.addr.family == 0)
			cfg->claim_v6.addr = ep->addr;
	}
}

/*
 * Worker wi's listener for cfg (worker 0's logged, and with port 0 the
 * others take its port). Worker 0's say where agents claim.
 */
static int
open_listener(struct checker *ck, unsigned wi,
    const struct ds_listen_config *lcfg, struct ds_reach_server_config *sc)
{
	struct checker_worker *cw = &ck->w[wi];
	struct ds_listen_config c = *lcfg, *cfg = &c;
	struct ds_listener **ret = &cw->listeners[cw->n_listeners];
	struct ds_listen_report rep;
	struct ds_endpoint eps[2];
	char ep[DS_ENDPOINT_STRLEN], line[DS_ENDPOINT_STRLEN + 64];
	const char *mode = ds_listen_mode_name(cfg->mode);
	size_t n;
	int r;

	if (ck->n > 1) {
		c.reuseport = true;
		if (wi > 0 && c.where.port == 0 && ck->w[0].listeners[0] &&
		    ds_listener_endpoints(
		        ck->w[0].listeners[cw->n_listeners], eps, 2) > 0)
			c.where.port = eps[0].port;
	}
	memset(&rep, 0, sizeof(rep));
	r = ds_listener_new(ds_workers_loop(ck->ws, wi), cfg, on_control_accept,
	    on_listen_event, cw, &rep, ret);
	if (r < 0)
		return cli_listen_failed(cfg, &rep, r, true);
	cw->n_listeners++;
	if (wi > 0)
		return EXIT_OK;
	cli_listen_failed(cfg, &rep, 0, false);
	n = ds_listener_endpoints(*ret, eps, 2);
	for (size_t i = 0; i < n && i < 2; i++) {
		claim_from_listener(sc, &eps[i], cfg->mode);
		cli_endpoint_text(&eps[i], ep, sizeof(ep));
		if (ck->json) {
			struct json j;
			char now[40];

			cli_time_now(now, sizeof(now));
			json_init(&j, stdout, false);
			json_begin_object(&j);
			json_kv_string(&j, "time", now);
			json_kv_string(&j, "event", "listening");
			json_kv_string(&j, "address", ep);
			json_kv_int(&j, "port", eps[i].port);
			json_kv_string(&j, "mode", mode);
			cli_json_listener(&j, &eps[i], cfg->mode);
			json_end(&j);
			json_finish(&j);
			fflush(stdout);
		} else {
			snprintf(line, sizeof(line), "listening on %s (%s)", ep,
			    cli_listener_text(&eps[i], cfg->mode));
			log_line(ck, "listening", line);
		}
	}
	return EXIT_OK;
}

static int
reach_serve(int argc, char **argv)
{
	enum {
		O_LISTEN = 256,
		O_MODE,
		O_ALLOW,
		O_LOW_PORTS,
		O_ANY_TARGET,
		O_DEADLINE,
		O_RATE,
		O_MAX_AGENTS,
		O_JSON,
		O_ALLOW_SELF,
		O_CLAIM_ADDR,
		O_TARGET_RATE,
		O_MAX_PER_SOURCE,
	};
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, O_LISTEN},
	    {"mode", required_argument, NULL, O_MODE},
	    {"allow-targets", required_argument, NULL, O_ALLOW},
	    {"allow-low-ports", no_argument, NULL, O_LOW_PORTS},
	    {"any-target", no_argument, NULL, O_ANY_TARGET},
	    {"deadline", required_argument, NULL, O_DEADLINE},
	    {"rate", required_argument, NULL, O_RATE},
	    {"max-agents", required_argument, NULL, O_MAX_AGENTS},
	    {"allow-self", no_argument, NULL, O_ALLOW_SELF},
	    {"claim-address", required_argument, NULL, O_CLAIM_ADDR},
	    {"target-rate", required_argument, NULL, O_TARGET_RATE},
	    {"max-agents-per-source", required_argument, NULL,
	        O_MAX_PER_SOURCE},
	    {"json", no_argument, NULL, O_JSON},
	    {"workers", required_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct ds_endpoint where[MAX_LISTEN];
	struct ds_prefix allow[MAX_ALLOW];
	struct ds_reach_server_config cfg;
	static struct checker ck;
	struct ds_signal *sigint = NULL, *sigterm = NULL;
	enum ds_listen_mode mode = DS_LISTEN_DUAL;
	size_t nlisten = 0, nallow = 0, pos;
	uint64_t v;
	int c, r, code;

	memset(&cfg, 0, sizeof(cfg));
	memset(&ck, 0, sizeof(ck));
	ck.n = 1;
	optind = 1;
	opterr = 0;
	while (
	    (c = cli_getopt(&cmd_serve_role, argc, argv, "hj:", opts)) != -1) {
		switch (c) {
		case 'h':
			cli_usage(stdout, &cmd_serve_role);
			fputs(serve_help_text, stdout);
			return cli_finish_stdout(EXIT_OK);
		case O_LISTEN:
			code = cli_add_listen(&cmd_serve_role, optarg, where,
			    &nlisten, MAX_LISTEN);
			if (code != EXIT_OK)
				return code;
			break;
		case O_MODE:
			code = cli_parse_mode(&cmd_serve_role, optarg, &mode);
			if (code != EXIT_OK)
				return code;
			break;
		case O_ALLOW:
			if (nallow == MAX_ALLOW)
				return cli_usage_error(&cmd_serve_role,
				    "at most %d --allow-targets", MAX_ALLOW);
			pos = 0;
			r = ds_prefix_parse(optarg, strlen(optarg),
			    DS_PARSE_NO_ZONE, &allow[nallow], &pos);
			if (r < 0) {
				cli_parse_error("--allow-targets ", optarg,
				    strlen(optarg), pos, r);
				return EXIT_USAGE;
			}
			ds_prefix_normalize(&allow[nallow]);
			nallow++;
			break;
		case O_LOW_PORTS:
			cfg.allow_low_ports = true;
			break;
		case O_ANY_TARGET:
			cfg.any_target = true;
			break;
		case O_DEADLINE:
			if (cli_parse_duration(optarg, CLI_S,
			        (uint64_t)MAX_DEADLINE_S * CLI_S, &v) < 0 ||
			    v == 0)
				return cli_usage_error(&cmd_serve_role,
				    "--deadline takes seconds, more than 0 "
				    "and at most %.0f, not '%s'",
				    MAX_DEADLINE_S, optarg);
			cfg.deadline_us = v;
			break;
		case O_RATE:
			if (parse_rate(optarg, &cfg.checks_per_min) < 0)
				return cli_usage_error(&cmd_serve_role,
				    "--rate takes checks per minute, 1/min to "
				    "10000/min, not '%s'",
				    optarg);
			break;
		case O_MAX_AGENTS:
			if (cli_parse_u64(optarg, 100000, &v) < 0 || v == 0)
				return cli_usage_error(&cmd_serve_role,
				    "--max-agents takes a number from 1 to "
				    "100000, not '%s'",
				    optarg);
			cfg.max_agents = (uint32_t)v;
			break;
		case O_MAX_PER_SOURCE:
			if (cli_parse_u64(optarg, 100000, &v) < 0 || v == 0)
				return cli_usage_error(&cmd_serve_role,
				    "--max-agents-per-source takes a number "
				    "from 1 to 100000, not '%s'",
				    optarg);
			cfg.max_agents_per_source = (uint32_t)v;
			break;
		case O_ALLOW_SELF:
			cfg.allow_self = true;
			break;
		case O_TARGET_RATE:
			if (parse_rate(optarg, &cfg.target_per_min) < 0)
				return cli_usage_error(&cmd_serve_role,
				    "--target-rate takes test connections per "
				    "minute, 1/min to 10000/min, not '%s'",
				    optarg);
			break;
		case O_CLAIM_ADDR: {
			struct ds_addr ca;

			pos = 0;
			r = ds_addr_parse(optarg, strlen(optarg),
			    DS_PARSE_NO_ZONE, &ca, &pos);
			if (r < 0) {
				cli_parse_error("--claim-address ", optarg,
				    strlen(optarg), pos, r);
				return EXIT_USAGE;
			}
			ds_addr_unmap(&ca, &ca);
			if ((ca.family == AF_INET ? cfg.claim_v4 : cfg.claim_v6)
			        .addr.family != 0)
				return cli_usage_error(&cmd_serve_role,
				    "one --claim-address per family");
			if (ca.family == AF_INET)
				cfg.claim_v4.addr = ca;
			else
				cfg.claim_v6.addr = ca;
			break;
		}
		case O_JSON:
			ck.json = true;
			break;
		case 'j':
			code =
			    cli_parse_workers(&cmd_serve_role, optarg, &ck.n);
			if (code != EXIT_OK)
				return code;
			break;
		default:
			return cli_usage_error(&cmd_serve_role,
			    "unknown option or missing value: '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(
		    &cmd_serve_role, "unexpected argument '%s'", argv[optind]);
	if (nlisten == 0) {
		memset(&where[0], 0, sizeof(where[0]));
		where[0].addr.family = AF_INET6;
		where[0].port = DS_REACH_PORT;
		nlisten = 1;
	}
	cfg.allow_targets = nallow ? allow : NULL;
	cfg.n_allow_targets = nallow;

	/* A peer gone while we write is an error from send(), not a signal
	 * that ends the checker; a closed terminal should not end it
	 * either. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);

	code = EXIT_INTERNAL;
	r = ds_loop_new(&ck.loop);
	if (r < 0) {
		cli_error("event loop: %s", ds_strerror(r));
		return EXIT_INTERNAL;
	}
	if ((r = ds_signal_new(ck.loop, SIGINT, on_stop_signal, &ck, &sigint)) <
	        0 ||
	    (r = ds_signal_new(
	         ck.loop, SIGTERM, on_stop_signal, &ck, &sigterm)) < 0) {
		cli_error("signals: %s", ds_strerror(r));
		goto out;
	}
	r = ds_workers_new(
	    ck.loop, ck.n, &checker_ops, NULL, on_workers, &ck, &ck.ws);
	if (r < 0) {
		cli_error("workers: %s", ds_strerror(r));
		goto out;
	}
	/* The listeners first: where worker 0's are is where agents claim.
	 * No connection is accepted before the loops run, by then the
	 * checkers are there. */
	for (unsigned w = 0; w < ck.n; w++) {
		ck.w[w].ck = &ck;
		ck.w[w].id = w;
		for (size_t i = 0; i < nlisten; i++) {
			struct ds_listen_config lc;

			memset(&lc, 0, sizeof(lc));
			lc.where = where[i];
			lc.mode = mode;
			code = open_listener(&ck, w, &lc, &cfg);
			if (code != EXIT_OK)
				goto out;
		}
	}
	/*
	 * Every agent network to one worker: the per-agent limits and
	 * rates count by /64, /56 and /48 (IPv4 /32 and /24), so steering
	 * by /48 and /24 keeps them exact across workers. Without it (a
	 * kernel that refuses the BPF program) they count per worker.
	 */
	for (size_t i = 0; ck.n > 1 && i < ck.w[0].n_listeners; i++) {
		r = ds_listener_steer(ck.w[0].listeners[i], ck.n, 48, 24);
		if (r < 0) {
			cli_error("-j %u: agents cannot be steered to one "
			          "worker each (%s); limits count per worker",
			    ck.n, ds_strerror(r));
			break;
		}
	}
	cfg.refusal_text = on_refusal_text;
	code = EXIT_INTERNAL;
	for (unsigned w = 0; w < ck.n; w++) {
		r = ds_reach_server_new(ds_workers_loop(ck.ws, w), &cfg,
		    on_server_event, &ck.w[w], &ck.w[w].srv);
		if (r < 0) {
			cli_error("checker: %s", ds_strerror(r));
			code = r == -EINVAL ? EXIT_USAGE : EXIT_INTERNAL;
			goto out;
		}
	}
	if ((r = ds_workers_start(ck.ws)) < 0) {
		cli_error("workers: %s", ds_strerror(r));
		goto out;
	}
	ck.code = EXIT_OK;
	r = ds_loop_run(ck.loop);
	if (r < 0) {
		cli_error("event loop: %s", ds_strerror(r));
		ck.code = EXIT_INTERNAL;
	}
	code = ck.code;
out:
	/* Threads still running (after a failure) stop now; then every
	 * checker and listener is this thread's to free. */
	ds_workers_join(ck.ws);
	for (unsigned w = 0; w < ck.n; w++) {
		for (size_t i = 0; i < ck.w[w].n_listeners; i++)
			ck.w[w].listeners[i] =
			    ds_listener_free(ck.w[w].listeners[i]);
		ck.w[w].srv = ds_reach_server_free(ck.w[w].srv);
	}
	ck.ws = ds_workers_free(ck.ws);
	ds_signal_free(sigint);
	ds_signal_free(sigterm);
	ds_loop_free(ck.loop);
	return cli_finish_stdout(code);
}

/* --- check ---------------------------------------------------------------- */

/*
 * One line of the flow: the agent's event (kind 0 for the program's own
 * line, a retry), with copies of what it pointed to, and its words.
 */
struct flow_line {
	uint64_t t_us;
	char *text;
	struct ds_reach_agent_event ev;
	char token[DS_REACH_TOKEN_HEX + 1];
	struct ds_reach_fault fault;
	char *remote; /* the checker's words (REFUSED, FAILED) */
};

/* One agent and what it reported. */
struct run {
	struct ds_reach_agent_config cfg;
	struct ds_reach_agent *agent;
	struct ds_loop *loop;
	const struct ds_reach_report *report;
	struct ds_reach_report copy; /* the report, kept across a retry */
	bool done, retried, want_restart;
	uint64_t start_us;  /* when the first agent started */
	uint64_t offset_us; /* added to a restarted agent's times */
	const char *tag;    /* "v6 ", "v4 " with --both, else "" */
	bool print_flow;
	struct flow_line flow[FLOW_MAX];
	size_t n_flow;
	unsigned *pending; /* agents still running, shared */
};

struct check_opts {
	int control_family, test_family;
	bool both, port_only, allow_unfit, json, quiet;
	struct ds_addr advertise[2]; /* [0] IPv6, [1] IPv4; family 0: none */
	struct ds_endpoint port_only_target;
	uint16_t listen_port;
	unsigned count;
	uint64_t timeout_us;
	char server[DS_ADDR_STRLEN + 256];
	uint16_t port;
	struct ds_endpoint servers[CLI_DNS_SERVERS_MAX];
	size_t n_servers;
};

/* A flow line: kept for --json, printed as it happens otherwise. ev is
 * NULL for the program's own line. */
static void
flow_add(struct run *rn, uint64_t t_us, const struct ds_reach_agent_event *ev,
    const char *text)
{
	if (rn->n_flow < FLOW_MAX) {
		struct flow_line *fl = &rn->flow[rn->n_flow++];

		fl->t_us = t_us;
		fl->text = strdup(text);
		if (ev) {
			fl->ev = *ev;
			if (ev->token)
				snprintf(fl->token, sizeof(fl->token), "%s",
				    ev->token);
			if (ev->fault)
				fl->fault = *ev->fault;
			if (ev->text)
				fl->remote = strdup(ev->text);
			fl->ev.token = ev->token ? fl->token : NULL;
			fl->ev.fault = ev->fault ? &fl->fault : NULL;
			fl->ev.text = fl->remote;
		}
	}
	if (rn->print_flow) {
		printf(
		    "%9.3f ms  %s%s\n", (double)t_us / 1000.0, rn->tag, text);
		fflush(stdout);
	}
}

static void
on_trace(struct ds_reach_agent *a, const struct ds_reach_agent_event *ev,
    void *userdata)
{
	struct run *rn = userdata;
	char text[768];

	(void)a;
	reach_agent_event_text(ev, rn->cfg.server, text, sizeof(text));
	flow_add(rn, ev->t_us + rn->offset_us, ev, text);
}

static void
on_done(
    struct ds_reach_agent *a, const struct ds_reach_report *r, void *userdata)
{
	struct run *rn = userdata;

	(void)a;
	/*
	 * --both runs two checks from one host at once; a checker may take
	 * only one check per agent at a time (ERR busy). Then this one runs
	 * again once the other has finished.
	 */
	rn->copy = *r;
	rn->report = &rn->copy;
	if (r->err_code == DS_REACH_E_BUSY && !rn->retried &&
	    *rn->pending > 1) {
		rn->retried = true;
		rn->want_restart = true; /* once the loop stops */
		rn->done = true;
		(*rn->pending)--;
		return;
	}
	rn->done = true;
	(*rn->pending)--;
	if (*rn->pending == 0)
		ds_loop_stop(rn->loop, 0);
}

static int
start_agent(struct run *rn)
{
	int r;

	rn->done = false;
	rn->report = NULL;
	if (rn->start_us == 0)
		rn->start_us = ds_time_now_us();
	else
		rn->offset_us = ds_time_now_us() - rn->start_us;
	r = ds_reach_agent_new(
	    rn->loop, &rn->cfg, on_trace, on_done, rn, &rn->agent);
	if (r < 0)
		return r;
	(*rn->pending)++;
	return 0;
}

/* An outcome's words, never NULL. */
static const char *
outcome_words(enum ds_reach_outcome o)
{
	const char *w = reach_outcome_words(o);

	return w ? w : "unknown";
}

static const char *
outcome_meaning(enum ds_reach_outcome o)
{
	const char *w = reach_outcome_meaning(o);

	return w ? w : "";
}

static bool
reachable(const struct ds_reach_report *r)
{
	return r && r->err == 0 && r->err_code == 0 &&
	    r->verdict == DS_REACH_REACHABLE;
}

static int
test_family_of(const struct run *rn)
{
	const struct ds_reach_report *r = rn->report;

	if (r && r->target.addr.family)
		return r->target.addr.family;
	if (rn->cfg.port_only)
		return rn->cfg.port_only_target.addr.family;
	return rn->cfg.test_family;
}

/*
 * The check could not run because the checker could not be resolved,
 * reached, or was no reach checker: nothing about the tested path is
 * known, and a script must be able to tell that from a broken path.
 */
static bool
checker_unreachable(const struct ds_reach_report *r)
{
	return r && r->err_code == 0 && r->err < 0 &&
	    (r->fault.what == DS_REACH_FAIL_CONNECT ||
	        r->fault.what == DS_REACH_FAIL_NOT_CHECKER ||
	        r->fault.what == DS_REACH_FAIL_VERSION);
}

/*
 * "reachable 5/5", "unreachable (5 timed out)", "partial 3/5 (2 refused)",
 * "refused by the checker: target: ...", "failed: ...".
 */
static void
summary_text(
    const struct ds_reach_report *r, const char *server, char *buf, size_t size)
{
	size_t used = 0;
	unsigned counts[DS_REACH_ERROR + 1] = {0};
	bool first = true;

	if (!r) {
		snprintf(buf, size, "did not finish");
		return;
	}
	if (r->err_code) {
		snprintf(buf, size, "refused by the checker: %s%s%s",
		    ds_reach_err_name(r->err_code)
		        ? ds_reach_err_name(r->err_code)
		        : "error",
		    r->err_text[0] ? ": " : "", r->err_text);
		return;
	}
	if (r->err < 0 || r->verdict == 0) {
		int n = snprintf(buf, size,
		    checker_unreachable(r) ? "not checked: " : "failed: ");

		if (n < 0 || (size_t)n >= size)
			return;
		if (r->fault.what != 0)
			reach_fault_text(&r->fault, server, r->err_text,
			    buf + n, size - (size_t)n);
		else
			snprintf(buf + n, size - (size_t)n, "%s",
			    ds_strerror(r->err < 0 ? r->err : -EPROTO));
		return;
	}
	if (r->verdict == DS_REACH_UNREACHABLE)
		used = (size_t)snprintf(buf, size, "unreachable");
	else
		used = (size_t)snprintf(buf, size, "%s %u/%u",
		    reach_verdict_words(r->verdict)
		        ? reach_verdict_words(r->verdict)
		        : "unknown",
		    r->delivered, r->count);
	for (unsigned i = 0; i < r->count && i < DS_REACH_COUNT_MAX; i++) {
		enum ds_reach_outcome o = r->attempts[i].outcome;

		if (o >= DS_REACH_DELIVERED && o <= DS_REACH_ERROR)
			counts[o]++;
	}
	for (int o = DS_REACH_NOT_RETURNED; o <= DS_REACH_ERROR; o++) {
		int n;

		if (!counts[o] || used >= size)
			continue;
		n = snprintf(buf + used, size - used, "%s%u %s",
		    first ? " (" : ", ", counts[o],
		    outcome_words((enum ds_reach_outcome)o));
		first = false;
		if (n > 0)
			used += (size_t)n;
	}
	if (!first && used < size)
		snprintf(buf + used, size - used, ")");
}

/* The report's findings in words (the diagnosis); its length. */
static int
diagnosis_text(
    const struct ds_reach_report *r, const char *server, char *buf, size_t size)
{
	struct ds_finding f[DS_REACH_FINDINGS_MAX];
	int n = ds_reach_findings(r, f, DS_REACH_FINDINGS_MAX);

	return reach_diagnosis_text(r, server, f, (size_t)n, buf, size);
}

static void
print_indented(const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		printf("  %.*s\n", (int)n, p);
		p += n + (nl ? 1 : 0);
	}
}

static void
print_report(const struct run *rn, bool both)
{
	const struct ds_reach_report *r = rn->report;
	char sum[512], tgt[DS_ENDPOINT_STRLEN], peer[DS_ENDPOINT_STRLEN];
	char diag[DIAG_MAX], num[16], dur[CLI_DURATION_STRLEN];
	const char *fam = family_name(test_family_of(rn));

	summary_text(r, rn->cfg.server, sum, sizeof(sum));
	if (!r) {
		printf("%s: %s\n", fam, sum);
		return;
	}
	endpoint_text(&r->target, tgt, sizeof(tgt));
	endpoint_text(&r->control_peer, peer, sizeof(peer));
	if (both)
		printf("\n%s:\n", fam);
	if (r->target.addr.family)
		printf("%s %s%s: %s\n", fam, tgt,
		    r->port_only ? " (port only)" : "", sum);
	else
		printf("%s: %s\n", fam, sum);
	if (r->control_peer.addr.family) {
		char local[DS_ENDPOINT_STRLEN];

		endpoint_text(&r->control_local, local, sizeof(local));
		cli_duration_text(r->elapsed_us, dur, sizeof(dur));
		printf("checker %s, control from %s, %s\n", peer, local, dur);
	}
	if (r->err == 0 && r->err_code == 0 && r->verdict) {
		for (unsigned i = 0; i < r->count && i < DS_REACH_COUNT_MAX;
		     i++) {
			const struct ds_reach_attempt *at = &r->attempts[i];

			printf("  attempt %u: %s after %s", i + 1,
			    outcome_words(at->outcome),
			    cli_duration_ms_text(at->ms, dur, sizeof(dur)));
			if (at->err)
				printf(" (%s)",
				    cli_errno_name(at->err, num, sizeof(num)));
			printf(": %s\n", outcome_meaning(at->outcome));
		}
		if (r->not_seen > 0)
			printf("  %u attempt%s the checker called delivered "
			       "brought no token to this agent: counted as "
			       "mismatch\n",
			    r->not_seen, r->not_seen == 1 ? "" : "s");
	}
	if (!r->port_only && r->err_code == 0 && r->target.addr.family) {
		unsigned ok = 0;

		for (unsigned i = 0; i < r->n_seen && i < DS_REACH_COUNT_MAX;
		     i++)
			ok += r->seen[i].token_ok;
		printf("the agent saw %u test connection%s, %u with a "
		       "well-formed token\n",
		    r->n_seen, r->n_seen == 1 ? "" : "s", ok);
		for (unsigned i = 0; i < r->n_seen && i < DS_REACH_COUNT_MAX;
		     i++) {
			char from[DS_ENDPOINT_STRLEN];

			endpoint_text(&r->seen[i].from, from, sizeof(from));
			printf("  from %s: %s\n", from,
			    r->seen[i].token_ok ? "token ok" : "no token");
		}
	}
	if (diagnosis_text(r, rn->cfg.server, diag, sizeof(diag)) > 0) {
		printf("diagnosis:\n");
		print_indented(diag);
	}
}

static void
json_endpoint(struct json *j, const char *key, const struct ds_endpoint *ep)
{
	char buf[DS_ENDPOINT_STRLEN];

	json_key(j, key);
	if (ep->addr.family == 0) {
		json_null(j);
		return;
	}
	ds_endpoint_format(ep, 0, buf, sizeof(buf));
	json_string(j, buf);
}

/* A local failure, its name and numbers: "failure":{"code":"connect",
 * "errno":"ECONNREFUSED","port":4646}. */
static void
json_fault(struct json *j, const struct ds_reach_fault *f)
{
	json_key(j, "failure");
	json_begin_object(j);
	json_kv_string(j, "code", ds_reach_failure_name(f->what));
	json_kv_errno(j, "errno", f->err);
	json_kv_addr(j, "address", &f->addr);
	json_kv_endpoint(j, "endpoint", &f->ep);
	if (f->family != 0)
		json_kv_string(
		    j, "family", f->family == AF_INET ? "ipv4" : "ipv6");
	if (f->block != 0)
		json_kv_string(j, "block", ds_addr_kind_name(f->block));
	if (f->step)
		json_kv_string(j, "step", f->step);
	switch (f->what) {
	case DS_REACH_FAIL_CONNECT:
		json_kv_int(j, "port", f->n);
		break;
	case DS_REACH_FAIL_TIMEOUT:
		json_kv_int(j, "timeout_ms", f->n);
		break;
	case DS_REACH_FAIL_VERSION:
		json_kv_int(j, "version", f->n);
		json_kv_int(j, "our_version", f->of);
		break;
	case DS_REACH_FAIL_BAD_LINE:
		json_kv_int(j, "column", f->n);
		break;
	case DS_REACH_FAIL_LONG_LINE:
		json_kv_int(j, "limit", f->n);
		break;
	case DS_REACH_FAIL_COUNT:
		json_kv_int(j, "accepted", f->n);
		json_kv_int(j, "asked", f->of);
		break;
	case DS_REACH_FAIL_ATTEMPT_TWICE:
		json_kv_int(j, "attempt", f->n);
		break;
	case DS_REACH_FAIL_ATTEMPTS_MISSING:
		json_kv_int(j, "reported", f->n);
		json_kv_int(j, "of", f->of);
		break;
	default:
		break;
	}
	json_end(j);
}

/* An agent event's fields, by its kind. */
static void
json_agent_event(struct json *j, const struct ds_reach_agent_event *ev)
{
	if (ev->family != 0)
		json_kv_string(
		    j, "family", ev->family == AF_INET ? "ipv4" : "ipv6");
	switch (ev->kind) {
	case DS_REACH_AG_CONTROL:
		json_kv_endpoint(j, "checker", &ev->peer);
		json_kv_endpoint(j, "local", &ev->local);
		json_kv_ms(j, "connect_ms", ev->connect_us);
		break;
	case DS_REACH_AG_GREETING:
		json_kv_int(j, "version", ev->version);
		break;
	case DS_REACH_AG_RESOLVED:
		json_kv_addr(j, "checker", &ev->checker);
		json_kv_addr(j, "address", &ev->addr);
		break;
	case DS_REACH_AG_UNRESOLVED:
		json_kv_errno(j, "errno", ev->err);
		break;
	case DS_REACH_AG_SOURCE:
	case DS_REACH_AG_ROUTE_SOURCE:
		json_kv_addr(j, "address", &ev->addr);
		break;
	case DS_REACH_AG_UNFIT:
		json_kv_addr(j, "address", &ev->addr);
		json_kv_string(j, "block", ds_addr_kind_name(ev->block));
		break;
	case DS_REACH_AG_LISTENING:
		json_kv_endpoint(j, "listener", &ev->local);
		break;
	case DS_REACH_AG_ANNOUNCED:
		json_kv_endpoint(j, "target", &ev->target);
		json_kv_int(j, "count", ev->count);
		json_kv_bool(j, "port_only", ev->port_only);
		break;
	case DS_REACH_AG_PROVE:
		json_kv_addr(j, "address", &ev->addr);
		json_kv_endpoint(j, "claim_to", &ev->peer);
		break;
	case DS_REACH_AG_ACCEPTED:
		json_kv_int(j, "count", ev->count);
		json_kv_int(j, "deadline_ms", ev->ms);
		break;
	case DS_REACH_AG_TOKEN:
	case DS_REACH_AG_TEST_ERROR:
	case DS_REACH_AG_TEST_CLOSED:
	case DS_REACH_AG_TEST_LONG:
	case DS_REACH_AG_TEST_NOT_TOKEN:
		json_kv_int(j, "connection", ev->number);
		json_kv_endpoint(j, "from", &ev->peer);
		if (ev->token)
			json_kv_string(j, "token", ev->token);
		json_kv_errno(j, "errno", ev->err);
		break;
	case DS_REACH_AG_DEADLINE:
		json_kv_int(j, "tokens", ev->n);
		json_kv_int(j, "count", ev->count);
		break;
	case DS_REACH_AG_RETURNED:
		json_kv_int(j, "tokens", ev->n);
		json_kv_bool(j, "port_only", ev->port_only);
		break;
	case DS_REACH_AG_ATTEMPT:
		json_kv_int(j, "attempt", ev->number);
		json_kv_string(
		    j, "outcome", ds_reach_outcome_name(ev->outcome));
		json_kv_int(j, "ms", ev->ms);
		json_kv_errno(j, "errno", ev->err);
		break;
	case DS_REACH_AG_RESULT:
		json_kv_string(
		    j, "verdict", ds_reach_verdict_name(ev->verdict));
		json_kv_int(j, "delivered", ev->n);
		json_kv_int(j, "count", ev->count);
		break;
	case DS_REACH_AG_NOT_SEEN:
		json_kv_int(j, "count", ev->n);
		break;
	case DS_REACH_AG_REFUSED:
		json_kv_string(j, "code", ds_reach_err_name(ev->code));
		json_kv_string(j, "checker_text", ev->text ? ev->text : "");
		break;
	case DS_REACH_AG_FAILED:
		if (ev->fault)
			json_fault(j, ev->fault);
		break;
	default:
		break;
	}
}

/*
 * The findings, as data: [{"code":"reach.dropped","severity":"error",
 * "subject":{"target":"[2001:db8::1]:40123"},"evidence":{"count":5,
 * "of":5}}, ...], the same findings the diagnosis puts in words.
 */
static void
json_findings(struct json *j, const struct ds_reach_report *r)
{
	struct ds_finding f[DS_REACH_FINDINGS_MAX];
	int n = ds_reach_findings(r, f, DS_REACH_FINDINGS_MAX);

	for (int i = 0; i < n; i++)
		json_finding(j, &f[i]);
}

static void
json_run(struct json *j, const struct run *rn)
{
	const struct ds_reach_report *r = rn->report;
	char sum[512], diag[DIAG_MAX], num[16];
	int fam = test_family_of(rn);

	summary_text(r, rn->cfg.server, sum, sizeof(sum));
	json_begin_object(j);
	json_kv_string(j, "family", fam == AF_INET ? "ipv4" : "ipv6");
	json_kv_bool(j, "reachable", reachable(r));
	json_kv_string(j, "summary", sum);
	json_key(j, "report");
	if (!r) {
		json_null(j);
	} else {
		json_begin_object(j);
		json_endpoint(j, "checker", &r->control_peer);
		json_endpoint(j, "control_local", &r->control_local);
		json_endpoint(j, "target", &r->target);
		json_kv_bool(j, "port_only", r->port_only);
		json_kv_int(j, "count", r->count);
		json_key(j, "verdict");
		if (r->verdict && !r->err && !r->err_code)
			json_string(j, ds_reach_verdict_name(r->verdict));
		else
			json_null(j);
		json_kv_int(j, "delivered", r->delivered);
		json_kv_int(j, "not_seen", r->not_seen);
		json_kv_bool(j, "checker_disagrees", r->disagrees);
		json_key(j, "error");
		if (r->err_code) {
			json_begin_object(j);
			json_kv_string(j, "by", "checker");
			json_kv_string(j, "code",
			    ds_reach_err_name(r->err_code)
			        ? ds_reach_err_name(r->err_code)
			        : "unknown");
			json_kv_string(j, "text", r->err_text);
			json_end(j);
		} else if (r->err < 0) {
			json_begin_object(j);
			json_kv_string(j, "by", "agent");
			json_kv_string(j, "text", ds_strerror(r->err));
			json_kv_string(j, "errno",
			    cli_errno_name(r->err, num, sizeof(num)));
			if (r->fault.what != 0)
				json_fault(j, &r->fault);
			json_end(j);
		} else {
			json_null(j);
		}
		json_kv_ms(j, "elapsed_ms", r->elapsed_us);
		json_end(j);
	}
	json_key(j, "attempts");
	json_begin_array(j);
	for (unsigned i = 0; r && !r->err && !r->err_code && r->verdict &&
	     i < r->count && i < DS_REACH_COUNT_MAX;
	     i++) {
		const struct ds_reach_attempt *at = &r->attempts[i];

		json_begin_object(j);
		json_kv_int(j, "attempt", i + 1);
		json_kv_string(j, "outcome",
		    ds_reach_outcome_name(at->outcome)
		        ? ds_reach_outcome_name(at->outcome)
		        : "unknown");
		json_kv_int(j, "ms", at->ms);
		json_key(j, "errno");
		if (at->err)
			json_string(
			    j, cli_errno_name(at->err, num, sizeof(num)));
		else
			json_null(j);
		json_end(j);
	}
	json_end(j);
	json_key(j, "seen");
	json_begin_array(j);
	for (unsigned i = 0; r && i < r->n_seen && i < DS_REACH_COUNT_MAX;
	     i++) {
		json_begin_object(j);
		json_endpoint(j, "from", &r->seen[i].from);
		json_kv_bool(j, "token_ok", r->seen[i].token_ok);
		json_end(j);
	}
	json_end(j);
	json_key(j, "flow");
	json_begin_array(j);
	for (size_t i = 0; i < rn->n_flow; i++) {
		const struct flow_line *fl = &rn->flow[i];

		json_begin_object(j);
		json_kv_ms(j, "t_ms", fl->t_us);
		json_kv_string(j, "event",
		    fl->ev.kind ? ds_reach_agent_event_name(fl->ev.kind)
		                : "retry");
		json_agent_event(j, &fl->ev);
		json_kv_string(j, "text", fl->text ? fl->text : "");
		json_end(j);
	}
	json_end(j);
	json_key(j, "findings");
	json_begin_array(j);
	if (r)
		json_findings(j, r);
	json_end(j);
	json_key(j, "diagnosis");
	if (r && diagnosis_text(r, rn->cfg.server, diag, sizeof(diag)) > 0)
		json_string(j, diag);
	else
		json_null(j);
	json_end(j);
}

/* Exit status of one agent's check: 3 when the checker could not be
 * used (checker_unreachable()), as for any failure to run. */
static int
run_code(const struct ds_reach_report *r)
{
	if (!r || checker_unreachable(r))
		return EXIT_INTERNAL;
	if (r->err_code)
		return r->err_code == DS_REACH_E_INTERNAL ? EXIT_INTERNAL
		                                          : EXIT_FAILED;
	if (r->err == -ENOMEM || r->err == -EMFILE || r->err == -ENFILE)
		return EXIT_INTERNAL;
	if (r->err < 0)
		return EXIT_FAILED;
	return r->verdict == DS_REACH_REACHABLE ? EXIT_OK : EXIT_FAILED;
}

/*
 * SERVER[:PORT]: a name or an address, with an optional ":PORT" (IPv6 in
 * brackets then), as every command takes endpoints (cli_parse_endpoint()).
 */
static int
parse_server(const char *s, struct check_opts *o)
{
	struct cli_endpoint ep;

	if (cli_parse_endpoint("", s,
	        CLI_EP_NAME | CLI_EP_SERVICE | CLI_EP_PORT_OPTIONAL,
	        DS_REACH_PORT, &ep) != EXIT_OK)
		return EXIT_USAGE;
	if (strlen(ep.host) >= sizeof(o->server))
		return cli_usage_error(
		    &cmd_check_role, "'%s': the server name is too long", s);
	strcpy(o->server, ep.host);
	o->port = ep.ep.port;
	return EXIT_OK;
}

/*
 * An explicitly announced address is the user's choice, tested as given,
 * unless it can never work from another host whatever the network: a
 * link-local address (the protocol carries no zone, and the checker is
 * not on the link), multicast, broadcast or an unspecified address.
 * Returns 0, or prints why and returns EXIT_FAILED.
 */
static int
check_fitness(const struct ds_addr *a, const char *what)
{
	enum ds_addr_kind kind = 0;
	char text[DS_ADDR_STRLEN];

	if (ds_reach_address_fitness(a, &kind) != -EADDRNOTAVAIL)
		return 0;
	switch (kind) {
	case DS_KIND_LINK_LOCAL:
	case DS_KIND_MULTICAST:
	case DS_KIND_BROADCAST:
	case DS_KIND_UNSPECIFIED:
	case DS_KIND_THIS_NETWORK:
		break;
	default:
		return 0;
	}
	ds_addr_format(a, 0, text, sizeof(text));
	cli_error("%s %s: %s; not tested (--allow-unfit to try anyway)", what,
	    text, reach_unfit_phrase(kind, a->family));
	return EXIT_FAILED;
}

static int
parse_check_args(int argc, char **argv, struct check_opts *o, bool *help)
{
	enum {
		O_TEST_FAMILY = 256,
		O_BOTH,
		O_ADVERTISE,
		O_LISTEN_PORT,
		O_LISTEN,
		O_PORT_ONLY,
		O_COUNT,
		O_TIMEOUT,
		O_SERVER,
		O_ALLOW_UNFIT,
		O_JSON,
	};
	static const struct option opts[] = {
	    {"test-family", required_argument, NULL, O_TEST_FAMILY},
	    {"both", no_argument, NULL, O_BOTH},
	    {"advertise", required_argument, NULL, O_ADVERTISE},
	    {"listen-port", required_argument, NULL, O_LISTEN_PORT},
	    {"listen", required_argument, NULL, O_LISTEN},
	    {"port-only", required_argument, NULL, O_PORT_ONLY},
	    {"count", required_argument, NULL, O_COUNT},
	    {"timeout", required_argument, NULL, O_TIMEOUT},
	    {"server", required_argument, NULL, O_SERVER},
	    {"allow-unfit", no_argument, NULL, O_ALLOW_UNFIT},
	    {"json", no_argument, NULL, O_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool v4 = false, v6 = false;
	size_t pos, len;
	uint64_t v;
	int c, r, code;

	optind = 1;
	opterr = 0;
	while (
	    (c = cli_getopt(&cmd_check_role, argc, argv, "46h", opts)) != -1) {
		switch (c) {
		case 'h':
			*help = true;
			return EXIT_OK;
		case '4':
			v4 = true;
			break;
		case '6':
			v6 = true;
			break;
		case O_TEST_FAMILY:
			if (strcmp(optarg, "4") == 0)
				o->test_family = AF_INET;
			else if (strcmp(optarg, "6") == 0)
				o->test_family = AF_INET6;
			else
				return cli_usage_error(&cmd_check_role,
				    "--test-family is 4 or 6, not '%s'",
				    optarg);
			break;
		case O_BOTH:
			o->both = true;
			break;
		case O_ADVERTISE: {
			struct ds_addr a;

			len = strlen(optarg);
			pos = 0;
			r = ds_addr_parse(
			    optarg, len, DS_PARSE_BRACKETS, &a, &pos);
			if (r < 0) {
				cli_parse_error(
				    "--advertise ", optarg, len, pos, r);
				return EXIT_USAGE;
			}
			if (o->advertise[a.family == AF_INET].family)
				return cli_usage_error(&cmd_check_role,
				    "--advertise: one address per family");
			o->advertise[a.family == AF_INET] = a;
			break;
		}
		case O_LISTEN_PORT:
			if (cli_parse_u64(optarg, 65535, &v) < 0)
				return cli_usage_error(&cmd_check_role,
				    "--listen-port takes a port, 0 to 65535, "
				    "not '%s'",
				    optarg);
			o->listen_port = (uint16_t)v;
			break;
		case O_LISTEN: {
			/* PORT, or ADDR:PORT: --advertise ADDR --listen-port
			 * PORT in one. */
			struct ds_endpoint ep;
			struct cli_endpoint cep;

			if (cli_parse_u64(optarg, 65535, &v) == 0) {
				o->listen_port = (uint16_t)v;
				break;
			}
			if (cli_parse_endpoint(
			        "--listen ", optarg, 0, 0, &cep) != EXIT_OK)
				return EXIT_USAGE;
			ep = cep.ep;
			if (o->advertise[ep.addr.family == AF_INET].family)
				return cli_usage_error(&cmd_check_role,
				    "--listen: one address per family");
			o->advertise[ep.addr.family == AF_INET] = ep.addr;
			o->listen_port = ep.port;
			break;
		}
		case O_PORT_ONLY: {
			struct cli_endpoint cep;

			if (cli_parse_endpoint(
			        "--port-only ", optarg, 0, 0, &cep) != EXIT_OK)
				return EXIT_USAGE;
			o->port_only_target = cep.ep;
			if (o->port_only_target.port == 0)
				return cli_usage_error(&cmd_check_role,
				    "--port-only %s: port 0 is not a service",
				    optarg);
			o->port_only = true;
			break;
		}
		case O_COUNT:
			if (cli_parse_u64(optarg, DS_REACH_COUNT_MAX, &v) < 0 ||
			    v == 0)
				return cli_usage_error(&cmd_check_role,
				    "--count takes a number from 1 to %u, not "
				    "'%s'",
				    DS_REACH_COUNT_MAX, optarg);
			o->count = (unsigned)v;
			break;
		case O_TIMEOUT:
			if (cli_parse_duration(
			        optarg, CLI_S, MAX_TIMEOUT_S * CLI_S, &v) < 0 ||
			    v == 0)
				return cli_usage_error(&cmd_check_role,
				    "--timeout takes a duration above 0 (30s, "
				    "2m; plain: seconds), not '%s'",
				    optarg);
			o->timeout_us = v;
			break;
		case O_SERVER:
			code = cli_parse_dns_servers(&cmd_check_role, optarg,
			    o->servers, CLI_DNS_SERVERS_MAX, &o->n_servers);
			if (code != EXIT_OK)
				return code;
			break;
		case O_ALLOW_UNFIT:
			o->allow_unfit = true;
			break;
		case O_JSON:
			o->json = true;
			break;
		default:
			return cli_usage_error(&cmd_check_role,
			    "unknown option or missing value: '%s'",
			    argv[optind - 1]);
		}
	}
	if (v4 && v6)
		return cli_usage_error(&cmd_check_role,
		    "-4 and -6 exclude each other; give neither for both");
	o->control_family = v4 ? AF_INET : v6 ? AF_INET6 : AF_UNSPEC;
	if (o->both && (o->test_family || o->port_only))
		return cli_usage_error(&cmd_check_role,
		    "--both tests both families; it excludes --test-family "
		    "and --port-only");
	if (o->port_only) {
		int pf = o->port_only_target.addr.family;

		if (o->test_family && o->test_family != pf)
			return cli_usage_error(&cmd_check_role,
			    "--port-only names an %s service, --test-family "
			    "says %s",
			    family_name(pf), family_name(o->test_family));
		if (o->advertise[0].family || o->advertise[1].family ||
		    o->listen_port)
			return cli_usage_error(&cmd_check_role,
			    "--port-only announces that service itself; it "
			    "excludes --advertise and --listen-port");
		o->test_family = pf;
	}
	if (!o->both && !o->port_only) {
		bool a6 = o->advertise[0].family != 0;
		bool a4 = o->advertise[1].family != 0;

		if (a6 && a4)
			return cli_usage_error(&cmd_check_role,
			    "two --advertise addresses need --both");
		if (!o->test_family)
			o->test_family = a4 ? AF_INET : AF_INET6;
		if ((o->test_family == AF_INET && a6) ||
		    (o->test_family == AF_INET6 && a4))
			return cli_usage_error(&cmd_check_role,
			    "--advertise is not of the --test-family");
	}
	o->quiet = cli_quiet();
	if (argc - optind != 1)
		return cli_usage_error(&cmd_check_role,
		    argc - optind < 1 ? "give the checker, SERVER[:PORT]"
		                      : "too many arguments");
	return parse_server(argv[optind], o);
}

static void
setup_run(struct run *rn, const struct check_opts *o, int family,
    struct ds_loop *loop, unsigned *pending, bool both)
{
	const struct ds_addr *adv = &o->advertise[family == AF_INET];

	memset(rn, 0, sizeof(*rn));
	rn->loop = loop;
	rn->pending = pending;
	rn->tag = both ? (family == AF_INET ? "[v4] " : "[v6] ") : "";
	rn->print_flow = !o->json && !o->quiet;
	rn->cfg.server = o->server;
	rn->cfg.port = o->port;
	rn->cfg.control_family = o->control_family;
	rn->cfg.test_family = family;
	if (adv->family) {
		rn->cfg.advertise = *adv;
		/* Checked here already (check_fitness): the user chose it. */
		rn->cfg.allow_unfit = true;
	}
	/* The same for the service --port-only names. */
	if (o->allow_unfit || o->port_only)
		rn->cfg.allow_unfit = true;
	rn->cfg.listen_port = o->listen_port;
	rn->cfg.port_only = o->port_only;
	rn->cfg.port_only_target = o->port_only_target;
	rn->cfg.count = o->count;
	rn->cfg.timeout_us = o->timeout_us;
	rn->cfg.dns_servers = o->servers;
	rn->cfg.n_dns_servers = o->n_servers;
}

/* SIGINT or SIGTERM: the check is a client, stopped before its verdict. */
struct check_stop {
	struct ds_loop *loop;
	int signo;
};

static void
on_check_signal(struct ds_signal *sig, int signo, void *userdata)
{
	struct check_stop *stop = userdata;

	(void)sig;
	stop->signo = signo;
	ds_loop_stop(stop->loop, 0);
}

/* The one line a stopped check leaves on stderr (dualstack(1), EXIT
 * STATUS): how far each check got, by its last step of the flow. Returns
 * 128 + signo. */
static int
check_interrupted(const struct run *runs, unsigned nrun, int signo)
{
	char detail[768];
	size_t used = 0;
	uint64_t start_us = runs[0].start_us;

	detail[0] = '\0';
	for (unsigned i = 0; i < nrun && used < sizeof(detail); i++) {
		const struct run *rn = &runs[i];
		int n;

		if (rn->start_us && rn->start_us < start_us)
			start_us = rn->start_us;
		n = snprintf(detail + used, sizeof(detail) - used,
		    "%s%s check %s after %zu step%s%s%s%s", i ? "; " : "",
		    family_name(test_family_of(rn)),
		    rn->done ? "done" : "unfinished", rn->n_flow,
		    rn->n_flow == 1 ? "" : "s", rn->n_flow ? " (last: " : "",
		    rn->n_flow ? rn->flow[rn->n_flow - 1].text : "",
		    rn->n_flow ? ")" : "");
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return cli_interrupted(
	    signo, start_us ? ds_time_now_us() - start_us : 0, "%s", detail);
}

static int
reach_check(int argc, char **argv)
{
	struct check_opts o;
	struct run *runs = NULL;
	struct ds_loop *loop = NULL;
	struct ds_signal *sigint = NULL, *sigterm = NULL;
	unsigned pending = 0, nrun;
	bool help = false;
	struct check_stop stop = {0};
	int code, r;

	memset(&o, 0, sizeof(o));
	code = parse_check_args(argc, argv, &o, &help);
	if (code != EXIT_OK)
		return code;
	if (help) {
		cli_usage(stdout, &cmd_check_role);
		fputs(check_help_text, stdout);
		return cli_finish_stdout(EXIT_OK);
	}
	if (!o.allow_unfit) {
		for (int i = 0; i < 2; i++)
			if (o.advertise[i].family &&
			    check_fitness(&o.advertise[i], "--advertise"))
				return EXIT_FAILED;
		if (o.port_only &&
		    check_fitness(&o.port_only_target.addr, "--port-only"))
			return EXIT_FAILED;
	}
	signal(SIGPIPE, SIG_IGN);

	nrun = o.both ? 2 : 1;
	runs = calloc(nrun, sizeof(*runs));
	if (!runs) {
		cli_error("out of memory");
		return EXIT_INTERNAL;
	}
	r = ds_loop_new(&loop);
	if (r < 0) {
		cli_error("event loop: %s", ds_strerror(r));
		code = EXIT_INTERNAL;
		goto out;
	}
	if (o.both) {
		setup_run(&runs[0], &o, AF_INET6, loop, &pending, true);
		setup_run(&runs[1], &o, AF_INET, loop, &pending, true);
	} else {
		setup_run(&runs[0], &o, o.test_family, loop, &pending, false);
	}
	stop.loop = loop;
	if (ds_signal_new(loop, SIGINT, on_check_signal, &stop, &sigint) < 0 ||
	    ds_signal_new(loop, SIGTERM, on_check_signal, &stop, &sigterm) <
	        0) {
		cli_error("cannot watch SIGINT/SIGTERM");
		code = EXIT_INTERNAL;
		goto out;
	}
	for (unsigned i = 0; i < nrun; i++) {
		r = start_agent(&runs[i]);
		if (r < 0) {
			cli_error("%s: %s", o.server, ds_strerror(r));
			code = r == -EINVAL || r == -DS_E_DNS_CONFIG
			    ? EXIT_USAGE
			    : r == -EADDRNOTAVAIL ? EXIT_FAILED
			                          : EXIT_INTERNAL;
			goto out;
		}
	}
	for (;;) {
		r = ds_loop_run(loop);
		if (r < 0) {
			cli_error("event loop: %s", ds_strerror(r));
			code = EXIT_INTERNAL;
			goto out;
		}
		if (stop.signo) {
			code = check_interrupted(runs, nrun, stop.signo);
			goto out;
		}
		/* A check the checker was too busy for runs again now
		 * that the other one is over. */
		bool again = false;

		for (unsigned i = 0; i < nrun; i++) {
			struct run *rn = &runs[i];

			if (!rn->want_restart || pending != 0)
				continue;
			rn->want_restart = false;
			rn->agent = ds_reach_agent_free(rn->agent);
			flow_add(rn, ds_time_now_us() - rn->start_us, NULL,
			    "the checker takes one check of this host at a "
			    "time: asking again");
			if (start_agent(rn) == 0)
				again = true;
		}
		if (!again)
			break;
	}
	for (unsigned i = 0; i < nrun; i++)
		if (!runs[i].done) {
			cli_error("the check stalled");
			code = EXIT_INTERNAL;
			goto out;
		}

	if (o.json) {
		struct json j;

		json_init(&j, stdout, true);
		if (o.both) {
			json_begin_object(&j);
			json_kv_bool(&j, "reachable",
			    reachable(runs[0].report) &&
			        reachable(runs[1].report));
			json_key(&j, "v6");
			json_run(&j, &runs[0]);
			json_key(&j, "v4");
			json_run(&j, &runs[1]);
			json_end(&j);
		} else {
			json_run(&j, &runs[0]);
		}
		json_finish(&j);
	} else if (o.both) {
		char s6[512], s4[512];

		summary_text(runs[0].report, o.server, s6, sizeof(s6));
		summary_text(runs[1].report, o.server, s4, sizeof(s4));
		if (!o.quiet) {
			print_report(&runs[0], true);
			print_report(&runs[1], true);
			printf("\n");
		}
		printf("IPv6: %s | IPv4: %s\n", s6, s4);
	} else if (o.quiet) {
		char s[512];

		summary_text(runs[0].report, o.server, s, sizeof(s));
		printf("%s: %s\n", family_name(test_family_of(&runs[0])), s);
	} else {
		print_report(&runs[0], false);
	}
	code = run_code(runs[0].report);
	if (o.both) {
		int c2 = run_code(runs[1].report);

		if (c2 > code)
			code = c2;
	}
out:
	for (unsigned i = 0; runs && i < nrun; i++) {
		ds_reach_agent_free(runs[i].agent);
		for (size_t k = 0; k < runs[i].n_flow; k++) {
			free(runs[i].flow[k].text);
			free(runs[i].flow[k].remote);
		}
	}
	free(runs);
	ds_signal_free(sigint);
	ds_signal_free(sigterm);
	ds_loop_free(loop);
	return cli_finish_stdout(code);
}

/* --- reach ---------------------------------------------------------------- */

static int
cmd_reach(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(
		    &cli_cmd_reach, "give a role: serve or check");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		cli_usage(stdout, &cli_cmd_reach);
		fputs(help_text, stdout);
		return cli_finish_stdout(EXIT_OK);
	}
	if (strcmp(argv[1], "serve") == 0)
		return reach_serve(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return reach_check(argc - 1, argv + 1);
	return cli_usage_error(
	    &cli_cmd_reach, "unknown role '%s'; it is serve or check", argv[1]);
}
