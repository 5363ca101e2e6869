/* SPDX-License-Identifier: MIT */
/*
 * What every subcommand of dualstack mcast shares (cmd-mcast-int.h): the
 * group and its options, the option parser, the loop with its signals,
 * the failure message. The subcommands call it; it calls none of them,
 * and is handed the command for its usage messages.
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

int
mcast_target_parse(const char *group, bool port_required, const char *ifname,
    const char *source, bool send, bool no_loop, struct mcast_target *t)
{
	struct cli_endpoint ep;
	size_t pos = 0;
	int r;

	memset(t, 0, sizeof(*t));
	/* The endpoint grammar of every command (no names: a group is an
	 * address; no port 0: it cannot be sent to). A scoped group may
	 * leave its zone to -i; ds_mcast_resolve() says when neither gave
	 * one, naming both ways, for IPv4's link-local groups too. */
	r = cli_parse_endpoint("", group,
	    CLI_EP_ZONE_ELSEWHERE | (port_required ? 0 : CLI_EP_PORT_OPTIONAL),
	    MCAST_DEFAULT_PORT, &ep);
	if (r != EXIT_OK)
		return r;
	t->ep = ep.ep;
	t->spec.group = t->ep.addr;
	t->spec.send = send;
	t->spec.no_loop = no_loop;
	if (ifname) {
		r = ds_ifname_index(ifname, &t->spec.ifindex);
		if (r < 0) {
			cli_error("-i '%s': %s", ifname, ds_strerror(r));
			return EXIT_USAGE;
		}
	}
	if (source) {
		r = ds_addr_parse(source, strlen(source), DS_PARSE_NO_ZONE,
		    &t->spec.source, &pos);
		if (r < 0) {
			cli_parse_error(
			    "--source: ", source, strlen(source), pos, r);
			return EXIT_USAGE;
		}
	}
	r = ds_mcast_resolve(&t->spec);
	if (r < 0) {
		cli_error("%s: %s", group, ds_strerror(r));
		return EXIT_USAGE;
	}
	t->ep.addr = t->spec.group;
	if (t->spec.ifindex != 0)
		mcast_ifname(t->spec.ifindex, t->ifname, sizeof(t->ifname));
	return EXIT_OK;
}

const char *
mcast_ifname(uint32_t ifindex, char *buf, size_t size)
{
	char name[IF_NAMESIZE];

	if (ifindex != 0 && if_indextoname(ifindex, name))
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "%u", ifindex);
	return buf;
}

void
mcast_time(uint64_t us, char *buf, size_t size)
{
	time_t sec = (time_t)(us / 1000000u);
	struct tm tm;
	char date[24];

	gmtime_r(&sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%06uZ", date, (unsigned)(us % 1000000u));
}

void
mcast_json_next(struct json *j)
{
	json_finish(j);
	json_init(j, stdout, false);
	/* A stream: each event is out when it happens, also into a pipe or
	 * a file, where stdout is fully buffered. */
	fflush(stdout);
}

uint64_t
mcast_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
on_signal(struct ds_signal *s, int signo, void *userdata)
{
	struct mcast_loop *ml = userdata;

	(void)s;
	ml->interrupted = true;
	ml->signo = signo;
	ds_loop_stop(ml->loop, 0);
}

void
mcast_timer_stop(struct ds_timer *t, void *userdata)
{
	struct mcast_loop *ml = userdata;

	(void)t;
	ds_loop_stop(ml->loop, 0);
}

int
mcast_loop_open(struct mcast_loop *ml)
{
	int r;

	memset(ml, 0, sizeof(*ml));
	r = ds_loop_new(&ml->loop);
	if (r < 0)
		return r;
	r = ds_signal_new(ml->loop, SIGINT, on_signal, ml, &ml->sigint);
	if (r == 0)
		r = ds_signal_new(
		    ml->loop, SIGTERM, on_signal, ml, &ml->sigterm);
	if (r < 0)
		mcast_loop_close(ml);
	return r;
}

void
mcast_loop_close(struct mcast_loop *ml)
{
	ml->sigint = ds_signal_free(ml->sigint);
	ml->sigterm = ds_signal_free(ml->sigterm);
	ml->loop = ds_loop_free(ml->loop);
}

int
mcast_fail(const char *what, const struct mcast_target *t, int err)
{
	char ep[DS_ENDPOINT_STRLEN];

	ds_endpoint_format(&t->ep, 0, ep, sizeof(ep));
	cli_error("%s %s%s%s: %s", what, ep, t->ifname[0] ? " on " : "",
	    t->ifname, ds_strerror(err));
	if (err == -ENOMEM)
		return EXIT_INTERNAL;
	if (-err > DS_E_BASE || err == -ENODEV)
		return EXIT_USAGE;
	return EXIT_FAILED;
}

uint32_t
mcast_session(void)
{
	uint32_t v = 0;

	/* Only to tell runs apart: a failure leaves the time's bits. */
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = (uint32_t)mcast_now_us();
	return v;
}

int
mcast_parse_rate(const char *s, double max, uint64_t *ret_interval_us)
{
	char *end;
	double v;

	if (!*s || strspn(s, "0123456789.") != strlen(s))
		return -EINVAL;
	v = strtod(s, &end);
	if (*end || !(v > 0) || v > max)
		return -EINVAL;
	*ret_interval_us = (uint64_t)(1e6 / v + 0.5);
	if (*ret_interval_us == 0)
		*ret_interval_us = 1;
	return 0;
}

/* Option values past the single letters. */
enum {
	O_SOURCE = 256,
	O_COUNT,
	O_TIMEOUT,
	O_HOPS,
	O_RATE,
	O_SIZE,
	O_NO_LOOP,
	O_JSON,
	O_INTERVAL,
	O_WAIT,
	O_RESPOND,
};

/* Each option, the bit that allows it. */
static const struct {
	struct option opt;
	unsigned bit;
} options[] = {
    {{"interface", required_argument, NULL, 'i'}, MO_IFACE},
    {{"source", required_argument, NULL, O_SOURCE}, MO_SOURCE},
    {{"count", required_argument, NULL, O_COUNT}, MO_COUNT},
    {{"timeout", required_argument, NULL, O_TIMEOUT}, MO_TIMEOUT},
    {{"hops", required_argument, NULL, O_HOPS}, MO_HOPS},
    {{"rate", required_argument, NULL, O_RATE}, MO_RATE},
    {{"size", required_argument, NULL, O_SIZE}, MO_SIZE},
    {{"no-loop", no_argument, NULL, O_NO_LOOP}, MO_NO_LOOP},
    {{"json", no_argument, NULL, O_JSON}, MO_JSON},
    {{"interval", required_argument, NULL, O_INTERVAL}, MO_INTERVAL},
    {{"wait", required_argument, NULL, O_WAIT}, MO_WAIT},
    {{"respond", no_argument, NULL, O_RESPOND}, MO_RESPOND},
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

/* A duration option: above 0 unless zero_ok, at most max_us. */
static int
parse_time(const struct cli_command *cmd, const char *name, const char *arg,
    uint64_t max_us, bool zero_ok, uint64_t *ret)
{
	if (cli_parse_duration(arg, CLI_S, max_us, ret) < 0 ||
	    (*ret == 0 && !zero_ok))
		return cli_usage_error(cmd,
		    "%s takes a duration%s (5s, 500ms; plain: seconds), not "
		    "'%s'",
		    name, zero_ok ? "" : " above 0", arg);
	return -1;
}

int
mcast_args_parse(const struct cli_command *cmd, int argc, char **argv,
    unsigned allowed, const char *help, struct mcast_args *a)
{
	struct option opts[N_OPTIONS + 2];
	size_t n = 0;
	uint64_t v;
	int c, r = -1;

	for (size_t i = 0; i < N_OPTIONS; i++)
		if (allowed & options[i].bit)
			opts[n++] = options[i].opt;
	opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
	opts[n] = (struct option){NULL, 0, NULL, 0};
	while (r == -1 &&
	    (c = cli_getopt(cmd, argc, argv, allowed & MO_IFACE ? "hi:" : "h",
	         opts)) != -1) {
		switch (c) {
		case 'h':
			cli_usage(stdout, cmd);
			fputs(help, stdout);
			return cli_finish_stdout(EXIT_OK);
		case 'i':
			a->ifname = optarg;
			break;
		case O_SOURCE:
			a->source = optarg;
			break;
		case O_COUNT:
			if (cli_parse_u64(optarg, a->count_max, &a->count) < 0)
				return cli_usage_error(cmd,
				    "--count takes 0 to %llu, not '%s'",
				    (unsigned long long)a->count_max, optarg);
			a->count_given = true;
			break;
		case O_TIMEOUT:
			r = parse_time(cmd, "--timeout", optarg, 86400 * CLI_S,
			    false, &a->timeout_us);
			break;
		case O_INTERVAL:
			r = parse_time(cmd, "--interval", optarg, 3600 * CLI_S,
			    false, &a->interval_us);
			break;
		case O_WAIT:
			r = parse_time(cmd, "--wait", optarg, 3600 * CLI_S,
			    true, &a->wait_us);
			break;
		case O_HOPS:
			if (cli_parse_u64(optarg, MCAST_MAX_HOPS, &v) < 0)
				return cli_usage_error(cmd,
				    "--hops takes 0 to 255, not '%s'", optarg);
			a->hops = (unsigned)v;
			break;
		case O_RATE:
			if (mcast_parse_rate(optarg, 100000, &a->interval_us) <
			    0)
				return cli_usage_error(cmd,
				    "--rate takes datagrams per second above "
				    "0, at most 100000, not '%s'",
				    optarg);
			break;
		case O_SIZE:
			if (cli_parse_size(optarg, MCAST_MAX_SIZE, &v) < 0 ||
			    v < DS_MCAST_PROBE_LEN)
				return cli_usage_error(cmd,
				    "--size takes 24 to 65507 bytes, not '%s'",
				    optarg);
			a->size = (size_t)v;
			break;
		case O_NO_LOOP:
			a->no_loop = true;
			break;
		case O_JSON:
			a->json = true;
			break;
		case O_RESPOND:
			a->respond = true;
			break;
		default:
			return cli_usage_error(cmd,
			    "%s: an unknown option, or one without its value",
			    argv[0]);
		}
	}
	if (r != -1)
		return r;
	if (optind != argc - 1)
		return cli_usage_error(
		    cmd, "'%s' takes one group (and port)", argv[0]);
	a->target = argv[optind];
	return -1;
}
