/* SPDX-License-Identifier: MIT */
/*
 * dualstack load: the front end of the ds_load module, a load generator
 * for 'dualstack serve' and other echo servers.
 *
 * The target is chosen here, once, by a Happy Eyeballs race (ds_connect,
 * RFC 8305): the address that wins it is the one the whole run loads.
 * Racing every connection of the run instead would measure the race, not
 * the server, and would spread the load over whichever family happened
 * to win each time; one race up front gives the address a real client
 * would use, with the race shown by -v.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "dualstack/addr.h"
#include "dualstack/connect.h"
#include "dualstack/error.h"
#include "dualstack/load.h"
#include "dualstack/loop.h"

#include "cli-chart.h"
#include "cli.h"

/* The longest -d or --timeout accepted: a year. */
#define MAX_SECONDS (365 * 86400ull)

static int cmd_load(int argc, char **argv);

const struct cli_command cli_cmd_load = {
    "load",
    "load generator for echo servers: rates, latency, errors",
    cmd_load,
    "[-c N] [-n N] [-d TIME] [-m N|inf] [-s BYTES] [--proto echo|len32|line]"
    " [--timeout TIME] [-4|-6] [-q|-v] [--json] [--chart] [--svg FILE]"
    " HOST:PORT | HOST PORT\n"
    "--by-family [options] HOST:PORT | HOST PORT | V4:PORT [V6]:PORT",
};

static const char help_text[] =
    "\n"
    "Open connections to HOST:PORT (or HOST PORT; [2001:db8::1]:7,\n"
    "[fe80::1%eth0]:7, a service name for the port: see ENDPOINTS in\n"
    "dualstack(1)), N at a time, and on each send messages\n"
    "one after the other, waiting for each to come back whole and checking\n"
    "every byte. Report connections/s, messages/s, MB/s, round-trip\n"
    "latency percentiles and errors by kind (refused, reset, timeout,\n"
    "mismatch, closed, other).\n"
    "\n"
    "  -c, --concurrency N  connections open at once (default 50)\n"
    "  -n, --connections N  connections to make in all (default 1000,\n"
    "                       none with -d alone)\n"
    "  -d, --duration TIME  run this long (10s, 1.5m, 500ms; plain:\n"
    "                       seconds); with -n, stop at whichever comes\n"
    "                       first\n"
    "  -m, --messages N|inf round trips per connection (default 10; with -d\n"
    "                       alone, inf: connections stay open to the end);\n"
    "                       0 connects and closes\n"
    "  -s, --size BYTES     payload bytes per message (default 100)\n"
    "      --proto P        echo (raw bytes, the default), len32 (4-byte\n"
    "                       big-endian length + payload), line (printable\n"
    "                       payload + newline)\n"
    "      --timeout TIME   a connection quiet this long fails (default\n"
    "                       5s; plain: seconds)\n"
    "      --seed N         message content seed (default 1)\n"
    "  -4, -6               only IPv4, only IPv6 addresses of HOST\n"
    "  -q, --quiet          no progress line, only the report\n"
    "  -v, --verbose        show the Happy Eyeballs race that chose the\n"
    "                       address, on stderr\n"
    "      --by-family      load IPv4 and IPv6 at once, half of -n and\n"
    "                       -c each: HOST's best address of each family,\n"
    "                       or two targets, one of each; the report,\n"
    "                       --chart, --svg and --json show each family's\n"
    "                       latencies side by side\n"
    "      --chart          after the report, the round-trip latencies\n"
    "                       as a text histogram (colour on a terminal,\n"
    "                       unless NO_COLOR)\n"
    "      --svg FILE       write the latency histogram as SVG to FILE\n"
    "      --json           one JSON object with the results\n"
    "  -h, --help           this help\n"
    "\n"
    "HOST is an address or a name ([2001:db8::1]:7, 192.0.2.1:7,\n"
    "localhost:7). For a name, one Happy Eyeballs race (as in 'dualstack\n"
    "connect') chooses the address first; every connection of the run\n"
    "then goes to the winner. A\n"
    "one-line progress display is shown when standard error is a\n"
    "terminal. Exit status: 0 every connection and message succeeded, 1\n"
    "errors occurred or nothing completed, 2 usage, 3 internal error,\n"
    "130 stopped by SIGINT (after the report and a one-line summary).\n";

/* --- Options -------------------------------------------------------------- */

/* --- Target --------------------------------------------------------------- */

/* How the target was chosen, for the report. */
struct race {
	unsigned attempts;
	uint64_t elapsed_us;
};

static void
print_trace(const struct ds_he_event *ev, size_t n)
{
	char line[256];

	for (size_t i = 0; i < n; i++)
		if (ds_he_event_format(&ev[i], line, sizeof(line)) >= 0)
			fprintf(stderr, "%s\n", line);
}

/*
 * HOST:PORT to the numeric endpoint the run loads: an address as it is (a
 * zone name turned into its index), a name through a Happy Eyeballs race,
 * whose winner it is. Returns an exit code.
 */
static int
resolve_target(const struct cli_endpoint *t, enum ds_resolve_family family,
    bool verbose, struct ds_endpoint *ret, struct race *race)
{
	const char *name = t->host;
	uint16_t port = t->ep.port;
	struct ds_connect_opts o;
	struct ds_connect_result res;
	struct ds_he_event *trace = NULL;
	size_t ntrace = 0;
	int r;

	/*
	 * An address needs no choosing: load it as given, so that a target
	 * that refuses or drops is counted by kind like any other failure.
	 */
	memset(ret, 0, sizeof(*ret));
	if (t->is_addr) {
		*ret = t->ep;
		/* The zone was checked when parsed: the interface exists. */
		if (ds_addr_zone_index(&ret->addr, &ret->addr.scope_id) < 0)
			return EXIT_USAGE;
		return EXIT_OK;
	}

	ds_connect_opts_init(&o);
	o.resolve.family = family;
	o.timeout_us = 10 * CLI_S;
	r = ds_connect_run(name, port, &o, &res, &trace, &ntrace);
	if (r < 0 && ntrace == 0) {
		/* No trace: the connect could not run at all. */
		free(trace);
		cli_error("'%s': %s", name, ds_strerror(r));
		return EXIT_INTERNAL;
	}
	if (verbose || r < 0)
		print_trace(trace, ntrace);
	free(trace);
	if (r < 0) {
		cli_error("'%s': cannot connect: %s", name, ds_strerror(r));
		return EXIT_FAILED;
	}
	close(res.fd);
	*ret = res.remote;
	race->attempts = res.attempts;
	race->elapsed_us = res.elapsed_us;
	return EXIT_OK;
}

/*
 * Each slot holds a descriptor: raise the soft RLIMIT_NOFILE (often 1024)
 * toward the hard limit when the concurrency needs it, as servers do.
 */
static void
raise_nofile(uint64_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= need)
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		cli_error("warning: open file limit %llu is below the %llu "
		          "descriptors -c needs; expect 'other' errors "
		          "(EMFILE)",
		    (unsigned long long)rl.rlim_max, (unsigned long long)need);
		need = rl.rlim_max;
	}
	rl.rlim_cur = need;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

/* --- Running -------------------------------------------------------------- */

struct run {
	struct ds_loop *loop;
	bool tty;
	uint64_t last_us, last_conns, last_msgs;
	/* The runs on the loop: one, or with --by-family one per family
	 * ([0] IPv4, [1] IPv6), side by side. */
	struct ds_load *l[2];
	unsigned n, done;
};

/*
 * The counts of the runs together, as one run's: sums, the histograms
 * merged, the longest elapsed time. With one run, its own result.
 */
static const struct ds_load_result *
total_result(const struct run *run, struct ds_load_result *sum)
{
	if (run->n == 1)
		return ds_load_get_result(run->l[0]);
	memset(sum, 0, sizeof(*sum));
	ds_hist_reset(&sum->latency);
	ds_hist_reset(&sum->connect);
	sum->done = true;
	for (unsigned i = 0; i < run->n; i++) {
		const struct ds_load_result *r = ds_load_get_result(run->l[i]);

		if (r->elapsed_us > sum->elapsed_us)
			sum->elapsed_us = r->elapsed_us;
		sum->connections += r->connections;
		sum->connections_ok += r->connections_ok;
		sum->connections_failed += r->connections_failed;
		sum->connections_unfinished += r->connections_unfinished;
		sum->open += r->open;
		sum->messages += r->messages;
		sum->bytes_sent += r->bytes_sent;
		sum->bytes_received += r->bytes_received;
		for (unsigned k = 0; k < DS_LOAD_ERR_KINDS; k++)
			sum->errors[k] += r->errors[k];
		if (!sum->other_err)
			sum->other_err = r->other_err;
		sum->done = sum->done && r->done;
		sum->stopped = sum->stopped || r->stopped;
		ds_hist_merge(&sum->latency, &r->latency);
		ds_hist_merge(&sum->connect, &r->connect);
	}
	return sum;
}

static uint64_t
error_total(const struct ds_load_result *r)
{
	uint64_t n = 0;

	for (unsigned k = 0; k < DS_LOAD_ERR_KINDS; k++)
		n += r->errors[k];
	return n;
}

static double
per_s(uint64_t n, uint64_t us)
{
	return us ? (double)n * 1e6 / (double)us : 0.0;
}

/* One line, rewritten in place: rates over the last interval, of all
 * the runs together (the first one's timer draws it). */
static void
on_progress(struct ds_load *l, const struct ds_load_result *r, void *u)
{
	static struct ds_load_result sum;
	struct run *run = u;
	uint64_t dt;

	if (!run->tty || l != run->l[0])
		return;
	r = total_result(run, &sum);
	dt = r->elapsed_us - run->last_us;
	fprintf(stderr,
	    "\r%7.1fs  conns %llu (%.0f/s)  msgs %llu (%.0f/s)  "
	    "open %u  p99 %llu us  errors %llu\033[K",
	    (double)r->elapsed_us / 1e6, (unsigned long long)r->connections,
	    per_s(r->connections - run->last_conns, dt),
	    (unsigned long long)r->messages,
	    per_s(r->messages - run->last_msgs, dt), r->open,
	    (unsigned long long)ds_hist_percentile(&r->latency, 99),
	    (unsigned long long)error_total(r));
	fflush(stderr);
	run->last_us = r->elapsed_us;
	run->last_conns = r->connections;
	run->last_msgs = r->messages;
	(void)l;
}

static void
on_done(struct ds_load *l, const struct ds_load_result *r, void *u)
{
	struct run *run = u;

	if (++run->done == run->n)
		ds_loop_stop(run->loop, 0);
	(void)l;
	(void)r;
}

/* The signal that stopped the run, for the exit status; the CLI has
 * one thread. */
static int stop_signal;

static void
on_signal(struct ds_signal *s, int signo, void *u)
{
	struct run *run = u;

	stop_signal = signo;
	for (unsigned i = 0; i < run->n; i++)
		ds_load_stop(run->l[i]);
	(void)s;
}

/* --- Report --------------------------------------------------------------- */

static const double pcts[] = {50, 90, 99, 99.9};
static const char *const pct_keys[] = {"p50", "p90", "p99", "p999"};
static const char *const pct_labels[] = {"p50", "p90", "p99", "p99.9"};

static void
json_double(struct json *j, const char *key, double v, int decimals)
{
	char buf[64];

	json_key(j, key);
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	json_raw(j, buf);
}

static void
json_u64(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_uint(j, v);
}

static void
json_hist(struct json *j, const char *key, const struct ds_hist *h)
{
	json_key(j, key);
	json_begin_object(j);
	json_u64(j, "count", h->count);
	json_u64(j, "min", h->count ? h->min : 0);
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		json_u64(j, pct_keys[i], ds_hist_percentile(h, pcts[i]));
	json_u64(j, "max", h->max);
	json_double(j, "mean", ds_hist_mean(h), 1);
	json_end(j);
}

struct report {
	const char *host;
	const struct ds_endpoint *target;
	const struct ds_load_config *cfg;
	const struct ds_load_result *r;
	const struct race *race;
	bool interrupted;
	/* --by-family: each family's targets and results, [0] IPv4. */
	bool by_family;
	const struct ds_endpoint *targets;
	const struct ds_load_result *fr[2];
};

static const char *
errno_name(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "unknown";
}

/* The per-family parts of the report (By family, below). */
static void json_by_family(struct json *j, const struct ds_load_result *all,
    const struct ds_load_result *const r[2], const struct ds_endpoint *targets);
static void text_by_family(
    const struct ds_load_result *const r[2], const struct ds_endpoint *targets);

static void
report_json(const struct report *rep)
{
	const struct ds_load_result *r = rep->r;
	const struct ds_load_config *cfg = rep->cfg;
	char target[DS_ENDPOINT_STRLEN];
	struct json j;

	ds_endpoint_format(rep->target, 0, target, sizeof(target));
	json_init(&j, stdout, true);
	json_begin_object(&j);
	if (rep->by_family) {
		/* Two targets: each is in by_family. */
		json_key(&j, "target");
		json_null(&j);
	} else {
		json_kv_string(&j, "target", target);
	}
	json_kv_string(&j, "target_given", rep->host);
	json_key(&j, "target_race");
	if (rep->race->attempts) {
		json_begin_object(&j);
		json_u64(&j, "attempts", rep->race->attempts);
		json_double(
		    &j, "elapsed_ms", (double)rep->race->elapsed_us / 1e3, 3);
		json_end(&j);
	} else {
		json_null(&j);
	}
	json_kv_string(&j, "protocol", ds_load_proto_name(cfg->proto));
	json_u64(&j, "concurrency", cfg->concurrency);
	json_u64(&j, "size", cfg->size);
	json_key(&j, "messages_per_connection");
	if (cfg->messages == DS_LOAD_FOREVER)
		json_null(&j);
	else
		json_uint(&j, cfg->messages);
	json_kv_ms(&j, "duration_ms", r->elapsed_us);
	json_kv_bool(&j, "interrupted", rep->interrupted);
	json_u64(&j, "connections", r->connections);
	json_u64(&j, "connections_ok", r->connections_ok);
	json_u64(&j, "connections_failed", r->connections_failed);
	json_u64(&j, "connections_unfinished", r->connections_unfinished);
	json_double(
	    &j, "connections_per_s", per_s(r->connections, r->elapsed_us), 1);
	json_u64(&j, "messages", r->messages);
	json_double(&j, "messages_per_s", per_s(r->messages, r->elapsed_us), 1);
	json_u64(&j, "bytes_sent", r->bytes_sent);
	json_u64(&j, "bytes_received", r->bytes_received);
	json_double(
	    &j, "mb_per_s", per_s(r->bytes_received, r->elapsed_us) / 1e6, 3);
	json_hist(&j, "latency_us", &r->latency);
	json_hist(&j, "connect_us", &r->connect);
	json_key(&j, "errors");
	json_begin_object(&j);
	for (unsigned k = 0; k < DS_LOAD_ERR_KINDS; k++)
		json_u64(&j, ds_load_err_name(k), r->errors[k]);
	json_end(&j);
	json_key(&j, "other_error");
	if (r->other_err)
		json_string(&j, errno_name(-r->other_err));
	else
		json_null(&j);
	if (rep->by_family)
		json_by_family(&j, r, rep->fr, rep->targets);
	json_end(&j);
	json_finish(&j);
}

static void
text_hist(const char *label, const struct ds_hist *h)
{
	printf("%-15s ", label);
	if (h->count == 0) {
		printf("none\n");
		return;
	}
	printf("min %llu", (unsigned long long)h->min);
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		printf("  %s %llu", pct_labels[i],
		    (unsigned long long)ds_hist_percentile(h, pcts[i]));
	printf("  max %llu  mean %.1f\n", (unsigned long long)h->max,
	    ds_hist_mean(h));
}

static void
report_text(const struct report *rep)
{
	const struct ds_load_result *r = rep->r;
	const struct ds_load_config *cfg = rep->cfg;
	char target[DS_ENDPOINT_STRLEN], per[32], dur[CLI_DURATION_STRLEN];
	uint64_t us = r->elapsed_us;
	uint64_t nerr = error_total(r);

	ds_endpoint_format(rep->target, 0, target, sizeof(target));
	if (cfg->messages == DS_LOAD_FOREVER)
		snprintf(per, sizeof(per), "no limit");
	else
		snprintf(per, sizeof(per), "%llu",
		    (unsigned long long)cfg->messages);
	if (rep->by_family) {
		char t6[DS_ENDPOINT_STRLEN];

		ds_endpoint_format(&rep->targets[1], 0, t6, sizeof(t6));
		printf("%-15s %s and %s", "targets", target, t6);
	} else {
		printf("%-15s %s", "target", target);
	}
	if (!rep->by_family && strcmp(target, rep->host) != 0)
		printf(" (%s)", rep->host);
	if (rep->race->attempts > 1) {
		cli_duration_text(rep->race->elapsed_us, dur, sizeof(dur));
		printf(" [Happy Eyeballs: attempt %u won after %s]",
		    rep->race->attempts, dur);
	}
	printf(", %s, %u-byte messages, %s per connection, %u at once\n",
	    ds_load_proto_name(cfg->proto), cfg->size, per, cfg->concurrency);
	cli_duration_text(us, dur, sizeof(dur));
	printf("%-15s %s%s\n", "duration", dur,
	    rep->interrupted ? " (interrupted)" : "");
	printf("%-15s %llu ok, %llu failed", "connections",
	    (unsigned long long)r->connections_ok,
	    (unsigned long long)r->connections_failed);
	if (r->connections_unfinished)
		printf(", %llu unfinished",
		    (unsigned long long)r->connections_unfinished);
	printf("   %.1f/s\n", per_s(r->connections, us));
	printf("%-15s %llu   %.1f/s\n", "messages",
	    (unsigned long long)r->messages, per_s(r->messages, us));
	printf("%-15s sent %llu, received %llu   %.3f MB/s each way\n", "bytes",
	    (unsigned long long)r->bytes_sent,
	    (unsigned long long)r->bytes_received,
	    per_s(r->bytes_received, us) / 1e6);
	text_hist("latency (us)", &r->latency);
	text_hist("connect (us)", &r->connect);
	if (rep->by_family)
		text_by_family(rep->fr, rep->targets);
	printf("%-15s ", "errors");
	if (nerr == 0) {
		printf("none\n");
		return;
	}
	for (unsigned k = 0, n = 0; k < DS_LOAD_ERR_KINDS; k++) {
		if (!r->errors[k])
			continue;
		printf("%s%s %llu", n++ ? ", " : "", ds_load_err_name(k),
		    (unsigned long long)r->errors[k]);
		if (k == DS_LOAD_ERR_OTHER && r->other_err)
			printf(" (first: %s, %s)", errno_name(-r->other_err),
			    strerror(-r->other_err));
	}
	printf("\n");
}

/* --- The latency histogram ------------------------------------------------ */

/*
 * The rows of the picture: ds_hist's 3712 buckets (hist.h) regrouped into
 * at most HIST_ROWS ranges between min and max, equal in ratio (each
 * ends a fixed factor above where it starts) when max is more than 4
 * times min, equal in width otherwise: latencies spread over decades,
 * and a tight run would otherwise fall in one row.
 */
#define HIST_ROWS 12

struct hist_row {
	uint64_t lo, hi; /* values lo to hi, both included */
	uint64_t count;
};

/* The lowest value ds_hist counts in bucket i (see hist.h: below 64 one
 * value each; then 64 sub-buckets per power of two). */
static uint64_t
hist_bucket_low(unsigned i)
{
	unsigned s;

	if (i < DS_HIST_SUB)
		return i;
	s = i / DS_HIST_SUB - 1;
	return (uint64_t)(i - s * DS_HIST_SUB) << s;
}

/* base to the power n, n small. */
static double
power(double base, size_t n)
{
	double r = 1.0;

	while (n--)
		r *= base;
	return r;
}

/* The factor f with f^n = ratio (ratio >= 1), by bisection: no libm
 * for one root per report. */
static double
nth_root(double ratio, size_t n)
{
	double a = 1.0, b = ratio;

	for (int i = 0; i < 100; i++) {
		double m = (a + b) / 2;

		if (power(m, n) > ratio)
			b = m;
		else
			a = m;
	}
	return a;
}

/* Count the values of h into the n rows (drawn for h, or for all the
 * families together, whose range holds h's). */
static void
hist_count(const struct ds_hist *h, struct hist_row *rows, size_t n)
{
	size_t k;
	uint64_t v;

	for (k = 0; k < n; k++)
		rows[k].count = 0;
	for (unsigned i = 0; i < DS_HIST_BUCKETS && n; i++) {
		if (!h->buckets[i])
			continue;
		v = hist_bucket_low(i);
		if (v < h->min)
			v = h->min;
		for (k = 0; k < n - 1 && v > rows[k].hi; k++)
			;
		rows[k].count += h->buckets[i];
	}
}

static size_t
hist_rows(const struct ds_hist *h, struct hist_row *rows)
{
	double lo = h->min ? (double)h->min : 1.0, hi = (double)h->max + 1.0;
	bool ratio = hi > 4 * lo;
	size_t n = HIST_ROWS, k;
	double f;

	if (h->count == 0)
		return 0;
	/* No more rows than distinct values. */
	if (h->max - h->min + 1 < n)
		n = (size_t)(h->max - h->min + 1);
	f = ratio ? nth_root(hi / lo, n) : 1.0;
	for (k = 0; k < n; k++) {
		/* Where row k ends (excluded). */
		double b = ratio ? lo * power(f, k + 1)
		                 : lo + (hi - lo) * (double)(k + 1) / (double)n;

		rows[k].lo = k ? rows[k - 1].hi + 1 : h->min;
		rows[k].hi = k == n - 1 ? h->max : (uint64_t)b - 1;
		if (rows[k].hi < rows[k].lo)
			rows[k].hi = rows[k].lo;
		rows[k].count = 0;
	}
	/* Rows pushed past max by rounding are dropped. */
	while (n > 1 && rows[n - 1].lo > h->max)
		n--;
	hist_count(h, rows, n);
	return n;
}

/* "80-99": the values a row holds; returns snprintf's length. */
static int
row_range(const struct hist_row *row, char *buf, size_t size)
{
	return snprintf(buf, size, "%llu-%llu", (unsigned long long)row->lo,
	    (unsigned long long)row->hi);
}

/* "1234  61.7%": a row's count and share of all. */
static void
hist_tail(
    const struct ds_hist *h, const struct hist_row *row, char *buf, size_t size)
{
	snprintf(buf, size, "%llu  %.1f%%", (unsigned long long)row->count,
	    100.0 * (double)row->count / (double)h->count);
}

/*
 *   latency (us)
 *      80-99    |##########              | 1234  61.7%
 *     100-149   |####                    |  500  25.0%
 */
static void
text_hist_picture(const char *label, const struct ds_hist *h)
{
	struct hist_row rows[HIST_ROWS];
	char range[64], tail[64];
	size_t n = hist_rows(h, rows), rangew = 0, tailw = 0;
	unsigned width = cli_chart_width(stdout), cols, len;
	bool color = cli_chart_color(stdout);
	uint64_t top = 0;

	printf("%s\n", label);
	if (n == 0) {
		printf("  none\n");
		return;
	}
	for (size_t k = 0; k < n; k++) {
		row_range(&rows[k], range, sizeof(range));
		if (strlen(range) > rangew)
			rangew = strlen(range);
		hist_tail(h, &rows[k], tail, sizeof(tail));
		if (strlen(tail) > tailw)
			tailw = strlen(tail);
		if (rows[k].count > top)
			top = rows[k].count;
	}
	/* "  RANGE |BARS| COUNT  PCT%": the bars get what the rest leaves,
	 * at least 10 columns. */
	cols = rangew + tailw + 6 < width
	    ? width - (unsigned)(rangew + tailw + 6)
	    : 10;
	if (cols < 10)
		cols = 10;
	for (size_t k = 0; k < n; k++) {
		row_range(&rows[k], range, sizeof(range));
		len = cli_chart_col((double)rows[k].count, (double)top, cols);
		/* A row that counted anything shows at least one mark. */
		if (rows[k].count && len == 0)
			len = 1;
		printf("  %*s |", (int)rangew, range);
		cli_chart_bar(stdout, cols, 0, len, '#', color, "36");
		hist_tail(h, &rows[k], tail, sizeof(tail));
		printf("| %s\n", tail);
	}
}

/* The histogram as an SVG file: one rect of class "bar" per row, its
 * width proportional to the row's count, the count in its title. */
#define SVG_W 700
#define SVG_RANGE_W 160
#define SVG_BARS_W 400
#define SVG_ROW_H 22
#define SVG_TOP 30

static int
write_hist_svg(const char *path, const struct ds_hist *h)
{
	struct hist_row rows[HIST_ROWS];
	char range[64], tip[128], txt[64];
	size_t n = hist_rows(h, rows);
	uint64_t top = 0;
	double y, w;
	FILE *f;

	for (size_t k = 0; k < n; k++)
		if (rows[k].count > top)
			top = rows[k].count;
	f = cli_svg_open(path, SVG_W, SVG_TOP + (unsigned)n * SVG_ROW_H + 10,
	    "Round-trip latency");
	if (!f)
		return EXIT_INTERNAL;
	snprintf(txt, sizeof(txt), "latency (us), %llu round trips",
	    (unsigned long long)h->count);
	cli_svg_text(f, 10, 18, "start", txt);
	for (size_t k = 0; k < n; k++) {
		snprintf(range, sizeof(range), "%llu-%llu us",
		    (unsigned long long)rows[k].lo,
		    (unsigned long long)rows[k].hi);
		snprintf(tip, sizeof(tip), "%s: %llu", range,
		    (unsigned long long)rows[k].count);
		snprintf(txt, sizeof(txt), "%llu",
		    (unsigned long long)rows[k].count);
		y = SVG_TOP + (double)k * SVG_ROW_H;
		w = top ? (double)rows[k].count / (double)top * SVG_BARS_W : 0;
		cli_svg_text(f, SVG_RANGE_W - 10, y + 15, "end", range);
		cli_svg_rect(f, SVG_RANGE_W, y + 3, w, SVG_ROW_H - 6, "#2a7fb0",
		    "bar", tip);
		cli_svg_text(
		    f, SVG_RANGE_W + SVG_BARS_W + 10, y + 15, "start", txt);
	}
	return cli_svg_close(f, path);
}

/* --- By family ------------------------------------------------------------ */

/*
 * --by-family: one run per family on the same loop, their latencies side
 * by side on the same rows (drawn for both together, so that a row means
 * the same range in each column).
 */
static const char *const family_label[2] = {"IPv4", "IPv6"};
static const char *const family_token[2] = {"ipv4", "ipv6"};

/*
 *   latency (us)   IPv4                      IPv6
 *      80-99    |######      |  734   |##########  | 1234
 */
static void
text_hist_pair(const struct ds_hist *all, const struct ds_hist *const h[2])
{
	struct hist_row rows[HIST_ROWS], fam[2][HIST_ROWS];
	char range[64];
	size_t n = hist_rows(all, rows), rangew = 0, countw = 1;
	unsigned width = cli_chart_width(stdout), cols, len;
	bool color = cli_chart_color(stdout);
	uint64_t top = 0;

	for (int f = 0; f < 2; f++) {
		memcpy(fam[f], rows, sizeof(rows));
		hist_count(h[f], fam[f], n);
	}
	for (size_t k = 0; k < n; k++) {
		int w = row_range(&rows[k], range, sizeof(range));

		if ((size_t)w > rangew)
			rangew = (size_t)w;
		for (int f = 0; f < 2; f++) {
			w = snprintf(range, sizeof(range), "%llu",
			    (unsigned long long)fam[f][k].count);
			if ((size_t)w > countw)
				countw = (size_t)w;
			if (fam[f][k].count > top)
				top = fam[f][k].count;
		}
	}
	/* The title over the ranges, each family's name over its bars. */
	if (rangew < strlen("latency (us)") - 2)
		rangew = strlen("latency (us)") - 2;
	/* "  RANGE |BARS| COUNT  |BARS| COUNT": 11 columns and the
	 * numbers around the bars, which share the rest on one scale, at
	 * least 8 columns each. */
	cols = (unsigned)(rangew + 2 * countw + 11) < width
	    ? (width - (unsigned)(rangew + 2 * countw + 11)) / 2
	    : 8;
	if (cols < 8)
		cols = 8;
	printf("%-*s  %-*s  %s\n", (int)rangew + 2, "latency (us)",
	    (int)(cols + countw + 3), family_label[0], family_label[1]);
	if (n == 0) {
		printf("  none\n");
		return;
	}
	for (size_t k = 0; k < n; k++) {
		row_range(&rows[k], range, sizeof(range));
		printf("  %*s ", (int)rangew, range);
		for (int f = 0; f < 2; f++) {
			len = cli_chart_col(
			    (double)fam[f][k].count, (double)top, cols);
			if (fam[f][k].count && len == 0)
				len = 1;
			printf("|");
			cli_chart_bar(
			    stdout, cols, 0, len, '#', color, f ? "35" : "36");
			printf("| %*llu%s", (int)countw,
			    (unsigned long long)fam[f][k].count,
			    f ? "\n" : "  ");
		}
	}
}

/* The same as SVG: per row a rect of class "bar-ipv4" and one of class
 * "bar-ipv6", each titled with its range and count. */
#define SVG_PAIR_W 900
#define SVG_PAIR_BARS_W 300

static int
write_hist_pair_svg(const char *path, const struct ds_hist *all,
    const struct ds_hist *const h[2])
{
	static const char *const fill[2] = {"#2a7fb0", "#b0482a"};
	static const char *const cls[2] = {"bar-ipv4", "bar-ipv6"};
	struct hist_row rows[HIST_ROWS], fam[2][HIST_ROWS];
	char range[64], tip[128], txt[96];
	size_t n = hist_rows(all, rows);
	uint64_t top = 0;
	double y, x, w;
	FILE *f;

	for (int i = 0; i < 2; i++) {
		memcpy(fam[i], rows, sizeof(rows));
		hist_count(h[i], fam[i], n);
		for (size_t k = 0; k < n; k++)
			if (fam[i][k].count > top)
				top = fam[i][k].count;
	}
	f = cli_svg_open(path, SVG_PAIR_W,
	    SVG_TOP + 20 + (unsigned)n * SVG_ROW_H + 10,
	    "Round-trip latency by family");
	if (!f)
		return EXIT_INTERNAL;
	snprintf(txt, sizeof(txt), "latency (us), %llu round trips",
	    (unsigned long long)all->count);
	cli_svg_text(f, 10, 18, "start", txt);
	for (int i = 0; i < 2; i++) {
		snprintf(txt, sizeof(txt), "%s, %llu", family_label[i],
		    (unsigned long long)h[i]->count);
		cli_svg_text(f, SVG_RANGE_W + i * (SVG_PAIR_BARS_W + 60),
		    SVG_TOP + 12, "start", txt);
	}
	for (size_t k = 0; k < n; k++) {
		snprintf(range, sizeof(range), "%llu-%llu us",
		    (unsigned long long)rows[k].lo,
		    (unsigned long long)rows[k].hi);
		y = SVG_TOP + 20 + (double)k * SVG_ROW_H;
		cli_svg_text(f, SVG_RANGE_W - 10, y + 15, "end", range);
		for (int i = 0; i < 2; i++) {
			x = SVG_RANGE_W + i * (SVG_PAIR_BARS_W + 60);
			w = top ? (double)fam[i][k].count / (double)top *
			        SVG_PAIR_BARS_W
			        : 0;
			snprintf(tip, sizeof(tip), "%s %s: %llu",
			    family_label[i], range,
			    (unsigned long long)fam[i][k].count);
			cli_svg_rect(f, x, y + 3, w, SVG_ROW_H - 6, fill[i],
			    cls[i], tip);
			snprintf(txt, sizeof(txt), "%llu",
			    (unsigned long long)fam[i][k].count);
			cli_svg_text(
			    f, x + SVG_PAIR_BARS_W + 5, y + 15, "start", txt);
		}
	}
	return cli_svg_close(f, path);
}

/* "by_family": [{"family": "ipv4", "target": ..., counts, "latency_us",
 * "histogram": [{"lo_us", "hi_us", "count"}...]}, ...], the rows those
 * of the text picture. */
static void
json_by_family(struct json *j, const struct ds_load_result *all,
    const struct ds_load_result *const r[2], const struct ds_endpoint *targets)
{
	struct hist_row rows[HIST_ROWS];
	size_t n = hist_rows(&all->latency, rows);
	char target[DS_ENDPOINT_STRLEN];

	json_key(j, "by_family");
	json_begin_array(j);
	for (int i = 0; i < 2; i++) {
		hist_count(&r[i]->latency, rows, n);
		ds_endpoint_format(&targets[i], 0, target, sizeof(target));
		json_begin_object(j);
		json_kv_string(j, "family", family_token[i]);
		json_kv_string(j, "target", target);
		json_u64(j, "connections", r[i]->connections);
		json_u64(j, "connections_ok", r[i]->connections_ok);
		json_u64(j, "connections_failed", r[i]->connections_failed);
		json_u64(
		    j, "connections_unfinished", r[i]->connections_unfinished);
		json_u64(j, "messages", r[i]->messages);
		json_u64(j, "errors", error_total(r[i]));
		json_hist(j, "latency_us", &r[i]->latency);
		json_key(j, "histogram");
		json_begin_array(j);
		for (size_t k = 0; k < n; k++) {
			json_begin_object(j);
			json_u64(j, "lo_us", rows[k].lo);
			json_u64(j, "hi_us", rows[k].hi);
			json_u64(j, "count", rows[k].count);
			json_end(j);
		}
		json_end(j);
		json_end(j);
	}
	json_end(j);
}

/* The text report's lines for each family, after the totals. */
static void
text_by_family(
    const struct ds_load_result *const r[2], const struct ds_endpoint *targets)
{
	char target[DS_ENDPOINT_STRLEN], label[32];

	for (int i = 0; i < 2; i++) {
		ds_endpoint_format(&targets[i], 0, target, sizeof(target));
		printf("%-15s %s: %llu ok, %llu failed", family_label[i],
		    target, (unsigned long long)r[i]->connections_ok,
		    (unsigned long long)r[i]->connections_failed);
		if (r[i]->connections_unfinished)
			printf(", %llu unfinished",
			    (unsigned long long)r[i]->connections_unfinished);
		printf(", %llu round trips, %llu errors\n",
		    (unsigned long long)r[i]->messages,
		    (unsigned long long)error_total(r[i]));
		snprintf(label, sizeof(label), "  latency (us)");
		text_hist(label, &r[i]->latency);
	}
}

/*
 * The two targets of --by-family, [0] IPv4 and [1] IPv6: from one name,
 * its best address of each family (a Happy Eyeballs race restricted to
 * the family, as a client of that family would connect), or from two
 * endpoints, one of each. Returns an exit code.
 */
static int
by_family_targets(int argc, char **argv, bool verbose,
    struct ds_endpoint *targets, struct race *races)
{
	struct cli_endpoint ep[2];
	int code;

	if (argc == 2 && (strchr(argv[1], ':') || strchr(argv[1], '['))) {
		for (int i = 0; i < 2; i++) {
			struct ds_endpoint t;
			struct race rc = {0, 0};
			int f;

			code = cli_parse_endpoint("", argv[i],
			    CLI_EP_NAME | CLI_EP_SERVICE, 0, &ep[i]);
			if (code == EXIT_OK)
				code = resolve_target(&ep[i],
				    DS_RESOLVE_ADDRCONFIG, verbose, &t, &rc);
			if (code != EXIT_OK)
				return code;
			f = t.addr.family == AF_INET6;
			if (targets[f].addr.family)
				return cli_usage_error(&cli_cmd_load,
				    "--by-family: '%s' and '%s' are both %s: "
				    "give one IPv4 and one IPv6 target",
				    argv[0], argv[1], family_label[f]);
			targets[f] = t;
			races[f] = rc;
		}
		return EXIT_OK;
	}
	code = cli_parse_endpoint_args(
	    "", argc, argv, CLI_EP_NAME | CLI_EP_SERVICE, 0, &ep[0]);
	if (code != EXIT_OK)
		return code;
	if (ep[0].is_addr)
		return cli_usage_error(&cli_cmd_load,
		    "--by-family loads both families: give a name with "
		    "IPv4 and IPv6 addresses, or two targets, as in "
		    "127.0.0.1:7 [::1]:7");
	for (int i = 0; i < 2; i++) {
		code = resolve_target(&ep[0],
		    i ? DS_RESOLVE_ONLY_V6 : DS_RESOLVE_ONLY_V4, verbose,
		    &targets[i], &races[i]);
		if (code != EXIT_OK) {
			cli_error("--by-family: no %s address of '%s' to load",
			    family_label[i], ep[0].host);
			return code;
		}
	}
	return EXIT_OK;
}

/* --- Command -------------------------------------------------------------- */

static int
cmd_load(int argc, char **argv)
{
	enum {
		O_PROTO = 256,
		O_TIMEOUT,
		O_SEED,
		O_JSON,
		O_CHART,
		O_SVG,
		O_BY_FAMILY,
	};
	enum ds_resolve_family family = DS_RESOLVE_ADDRCONFIG;
	bool verbose = false, chart = false, by_family = false;
	const char *svg = NULL;
	struct cli_endpoint given;
	char given_text[2 * CLI_HOST_MAX];
	struct race race = {0, 0}, races[2] = {{0, 0}, {0, 0}};
	struct ds_endpoint targets[2];
	static struct ds_load_result sum;
	static const struct option opts[] = {
	    {"concurrency", required_argument, NULL, 'c'},
	    {"connections", required_argument, NULL, 'n'},
	    {"duration", required_argument, NULL, 'd'},
	    {"messages", required_argument, NULL, 'm'},
	    {"size", required_argument, NULL, 's'},
	    {"proto", required_argument, NULL, O_PROTO},
	    {"timeout", required_argument, NULL, O_TIMEOUT},
	    {"seed", required_argument, NULL, O_SEED},
	    {"json", no_argument, NULL, O_JSON},
	    {"chart", no_argument, NULL, O_CHART},
	    {"svg", required_argument, NULL, O_SVG},
	    {"by-family", no_argument, NULL, O_BY_FAMILY},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct ds_load_config cfg;
	struct ds_endpoint target;
	bool json = false, have_n = false, have_m = false;
	uint64_t v, ms;
	struct run run;
	struct ds_loop *loop = NULL;
	const struct ds_hist *fh[2] = {NULL, NULL};
	struct ds_signal *sigint = NULL, *sigterm = NULL;
	const struct ds_load_result *r;
	struct report rep;
	int c, code;

	memset(&cfg, 0, sizeof(cfg));
	memset(&run, 0, sizeof(run));
	cfg.proto = DS_LOAD_ECHO;
	cfg.concurrency = 50;
	cfg.connections = 1000;
	cfg.messages = 10;
	cfg.size = 100;
	cfg.timeout_us = 5 * CLI_S;
	cfg.seed = 1;

	optind = 1;
	opterr = 0;
	while ((c = cli_getopt(
	            &cli_cmd_load, argc, argv, "hc:n:d:m:s:46", opts)) != -1) {
		switch (c) {
		case 'h':
			cli_usage(stdout, &cli_cmd_load);
			fputs(help_text, stdout);
			return cli_finish_stdout(EXIT_OK);
		case 'c':
			if (cli_parse_u64(optarg, DS_LOAD_MAX_CONCURRENCY, &v) <
			        0 ||
			    v == 0)
				return cli_usage_error(&cli_cmd_load,
				    "-c takes a number from 1 to %u, not '%s'",
				    DS_LOAD_MAX_CONCURRENCY, optarg);
			cfg.concurrency = (uint32_t)v;
			break;
		case 'n':
			if (cli_parse_u64(optarg, UINT64_MAX - 1, &v) < 0 ||
			    v == 0)
				return cli_usage_error(&cli_cmd_load,
				    "-n takes a number above 0, not '%s'",
				    optarg);
			cfg.connections = v;
			have_n = true;
			break;
		case 'd':
			if (cli_parse_duration(
			        optarg, CLI_S, MAX_SECONDS * CLI_S, &ms) < 0 ||
			    ms == 0)
				return cli_usage_error(&cli_cmd_load,
				    "-d takes a duration above 0 (10s, 500ms; "
				    "plain: seconds), not '%s'",
				    optarg);
			cfg.duration_us = ms;
			break;
		case 'm':
			if (strcmp(optarg, "inf") == 0)
				cfg.messages = DS_LOAD_FOREVER;
			else if (cli_parse_u64(optarg, UINT64_MAX - 1, &v) == 0)
				cfg.messages = v;
			else
				return cli_usage_error(&cli_cmd_load,
				    "-m takes a number or 'inf', not '%s'",
				    optarg);
			have_m = true;
			break;
		case 's':
			if (cli_parse_u64(optarg, DS_LOAD_MAX_SIZE, &v) < 0)
				return cli_usage_error(&cli_cmd_load,
				    "-s takes bytes from 0 to %u, not '%s'",
				    DS_LOAD_MAX_SIZE, optarg);
			cfg.size = (uint32_t)v;
			break;
		case O_PROTO:
			if (ds_load_proto_parse(optarg, &cfg.proto) < 0)
				return cli_usage_error(&cli_cmd_load,
				    "--proto takes echo, len32 or line, not "
				    "'%s'",
				    optarg);
			break;
		case O_TIMEOUT:
			if (cli_parse_duration(
			        optarg, CLI_S, MAX_SECONDS * CLI_S, &ms) < 0 ||
			    ms == 0)
				return cli_usage_error(&cli_cmd_load,
				    "--timeout takes a duration above 0 (5s, "
				    "500ms; plain: seconds), not '%s'",
				    optarg);
			cfg.timeout_us = ms;
			break;
		case O_SEED:
			if (cli_parse_u64(optarg, UINT64_MAX, &v) < 0)
				return cli_usage_error(&cli_cmd_load,
				    "--seed takes a number, not '%s'", optarg);
			cfg.seed = v;
			break;
		case O_JSON:
			json = true;
			break;
		case '4':
			family = DS_RESOLVE_ONLY_V4;
			break;
		case '6':
			family = DS_RESOLVE_ONLY_V6;
			break;
		case O_CHART:
			chart = true;
			break;
		case O_SVG:
			svg = optarg;
			break;
		case O_BY_FAMILY:
			by_family = true;
			break;
		default:
			return cli_usage_error(&cli_cmd_load,
			    "unknown option or missing value: '%s'",
			    argv[optind - 1]);
		}
	}
	verbose = cli_verbose();
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2)
		return cli_usage_error(&cli_cmd_load,
		    argc ? "one target only: HOST:PORT or HOST PORT"
		         : "give a target, HOST:PORT or HOST PORT");
	if (by_family && family != DS_RESOLVE_ADDRCONFIG)
		return cli_usage_error(&cli_cmd_load,
		    "--by-family loads both families: it does not go with "
		    "-4 or -6");
	/* Each family gets its half of -n, which must leave both some. */
	if (by_family && cfg.connections == 1 && have_n)
		return cli_usage_error(&cli_cmd_load,
		    "--by-family splits -n between the families: give at "
		    "least 2");
	memset(targets, 0, sizeof(targets));
	if (by_family)
		code = by_family_targets(argc, argv, verbose, targets, races);
	else
		code = cli_parse_endpoint_args("", argc, argv,
		    CLI_EP_NAME | CLI_EP_SERVICE |
		        (family == DS_RESOLVE_ONLY_V4 ? CLI_EP_FAMILY_V4
		                : family == DS_RESOLVE_ONLY_V6
		                ? CLI_EP_FAMILY_V6
		                : 0),
		    0, &given);
	if (code != EXIT_OK)
		return code;
	snprintf(given_text, sizeof(given_text), "%s%s%s", argv[0],
	    argc == 2 ? " " : "", argc == 2 ? argv[1] : "");

	/* -d alone runs for the time given, connections kept open. */
	if (cfg.duration_us && !have_n) {
		cfg.connections = 0;
		if (!have_m)
			cfg.messages = DS_LOAD_FOREVER;
	}
	if (cfg.messages == DS_LOAD_FOREVER && !cfg.duration_us)
		return cli_usage_error(
		    &cli_cmd_load, "-m inf needs -d: the run must end");
	if (cfg.proto == DS_LOAD_ECHO && cfg.size == 0 && cfg.messages)
		return cli_usage_error(&cli_cmd_load,
		    "-s 0 with --proto echo: an empty message has no echo");

	if (by_family) {
		target = targets[0];
	} else {
		code = resolve_target(&given, family, verbose, &target, &race);
		if (code != EXIT_OK)
			return code;
	}
	cfg.target = target;
	/* No more slots than connections: report what really runs. */
	if (cfg.connections && cfg.connections < cfg.concurrency)
		cfg.concurrency = (uint32_t)cfg.connections;
	raise_nofile((uint64_t)cfg.concurrency + 64 + by_family);

	/* Progress is not a result: it goes where diagnostics go, so that
	 * "load ... > report.txt" still shows it (OUTPUT CONVENTIONS). */
	run.tty = isatty(STDERR_FILENO) && !cli_quiet();
	if (run.tty)
		cfg.progress_us = 200 * CLI_MS;

	code = ds_loop_new(&loop);
	if (code < 0) {
		cli_error("event loop: %s", ds_strerror(code));
		return EXIT_INTERNAL;
	}
	run.loop = loop;
	run.n = by_family ? 2 : 1;
	for (unsigned i = 0; i < run.n; i++) {
		struct ds_load_config fc = cfg;

		/* --by-family: the connections and slots split in two, the
		 * odd one to IPv4; each family at least one slot. */
		if (by_family) {
			fc.target = targets[i];
			fc.connections = i
			    ? cfg.connections / 2
			    : cfg.connections - cfg.connections / 2;
			fc.concurrency = i
			    ? cfg.concurrency / 2
			    : cfg.concurrency - cfg.concurrency / 2;
			if (fc.concurrency == 0)
				fc.concurrency = 1;
		}
		code = ds_load_new(
		    loop, &fc, on_progress, on_done, &run, &run.l[i]);
		if (code < 0)
			break;
	}
	if (code < 0)
		run.l[0] = ds_load_free(run.l[0]);
	if (code == -DS_E_LOAD_MEMORY) {
		ds_loop_free(loop);
		return cli_usage_error(&cli_cmd_load,
		    "-c times -s needs more than %zu MiB of buffers",
		    DS_LOAD_MAX_MEMORY >> 20);
	}
	if (code < 0) {
		cli_error("cannot set up the run: %s", ds_strerror(code));
		ds_loop_free(loop);
		/* A library code is always about the input. */
		return code == -EINVAL || code <= -DS_E_BASE ? EXIT_USAGE
		                                             : EXIT_INTERNAL;
	}
	/* Ctrl-C ends the run early, with a report of what was done. */
	if (ds_signal_new(loop, SIGINT, on_signal, &run, &sigint) < 0 ||
	    ds_signal_new(loop, SIGTERM, on_signal, &run, &sigterm) < 0) {
		cli_error("cannot watch SIGINT/SIGTERM");
		code = EXIT_INTERNAL;
		goto out;
	}
	code = ds_loop_run(loop);
	if (code < 0) {
		cli_error("event loop: %s", ds_strerror(code));
		code = EXIT_INTERNAL;
		goto out;
	}
	r = total_result(&run, &sum);
	if (run.tty)
		fprintf(stderr, "\r\033[K");

	rep.host = given_text;
	rep.target = &target;
	rep.race = &race;
	rep.cfg = &cfg;
	rep.r = r;
	rep.interrupted = r->stopped;
	rep.by_family = by_family;
	rep.targets = targets;
	for (unsigned i = 0; by_family && i < 2; i++) {
		rep.fr[i] = ds_load_get_result(run.l[i]);
		fh[i] = &rep.fr[i]->latency;
	}
	if (json)
		report_json(&rep);
	else
		report_text(&rep);
	if (chart && !json && by_family)
		text_hist_pair(&r->latency, fh);
	else if (chart && !json)
		text_hist_picture("latency (us)", &r->latency);
	if (svg &&
	    (by_family ? write_hist_pair_svg(svg, &r->latency, fh)
	               : write_hist_svg(svg, &r->latency)) != EXIT_OK) {
		code = EXIT_INTERNAL;
		goto out;
	}

	/* Success is every connection and every message right, and at
	 * least one of them done. */
	code = EXIT_OK;
	if (error_total(r) || r->connections_ok == 0 ||
	    (cfg.messages && r->messages == 0))
		code = EXIT_FAILED;
	if (r->stopped && stop_signal)
		code = cli_interrupted(stop_signal, r->elapsed_us,
		    "%llu connections, %llu round trips, %llu bytes sent, "
		    "%llu received",
		    (unsigned long long)r->connections_ok,
		    (unsigned long long)r->messages,
		    (unsigned long long)r->bytes_sent,
		    (unsigned long long)r->bytes_received);
out:
	sigint = ds_signal_free(sigint);
	sigterm = ds_signal_free(sigterm);
	for (unsigned i = 0; i < 2; i++)
		run.l[i] = ds_load_free(run.l[i]);
	ds_loop_free(loop);
	return cli_finish_stdout(code);
}
