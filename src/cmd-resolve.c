/* SPDX-License-Identifier: MIT */
/*
 * dualstack resolve: the front end of the ds_resolve module, a diagnostic
 * for name resolution as a dual-stack client sees it.
 *
 * Both queries are made whatever the host's families (DS_RESOLVE_BOTH):
 * a diagnostic must show what DNS says for AAAA even on a host without
 * IPv6, and AI_ADDRCONFIG-style filtering would hide it. Each query's
 * outcome, source and time are shown on their own, then the addresses in
 * the order RFC 6724 makes a client try them, with the source address the
 * kernel would use and the rule that decided each place.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"
#include "dualstack/loop.h"
#include "dualstack/resolve.h"
#include "dualstack/sort.h"

#include "cli.h"

/* The longest --timeout accepted, per try. */
#define MAX_TIMEOUT_S 3600.0

/* c-ares's own cap on rounds is far above what anyone waits for. */
#define MAX_TRIES 100

/*
 * RFC 8305 section 3: a client that has its A answer waits this long for
 * the AAAA one (the Resolution Delay) before it connects over IPv4. A
 * query that answers later than the other by more than this changes what
 * clients do, so it is flagged.
 */
#define SLOW_MS 50

/* The CSV text handed to c-ares: "[v6]:port" is at most 54 bytes. */
#define SERVERS_MAX 4096

static int cmd_resolve(int argc, char **argv);

const struct cli_command cli_cmd_resolve = {
    "resolve",
    "resolve a name: AAAA and A side by side, timings, RFC 6724 order",
    cmd_resolve,
    "[-4|-6] [--server ADDR[,ADDR...]] [--timeout SECS] [--tries N]"
    " [--no-hosts] [--json] NAME [PORT]",
};

static const char help_text[] =
    "\n"
    "Look NAME up as two separate queries, AAAA and A, sent together, and\n"
    "show for each its outcome (answers, NXDOMAIN, NODATA, timed out...),\n"
    "where the answer came from (dns, hosts, numeric), how long it took,\n"
    "the canonical name and every address with its TTL. A query that came\n"
    "back more than 50 ms after the other is flagged as slow: that is\n"
    "when Happy Eyeballs clients stop waiting for it (RFC 8305).\n"
    "Then list the addresses in the order RFC 6724 makes a client try\n"
    "them (with /etc/gai.conf), each with the source address the kernel\n"
    "would use, its scope, label and precedence, and the rule that put it\n"
    "before the next one.\n"
    "\n"
    "Both queries are made even when the host lacks one family.\n"
    "\n"
    "  -4, -6               ask only A, or only AAAA\n"
    "      --server LIST    DNS servers to ask instead of resolv.conf's,\n"
    "                       comma-separated: 192.0.2.53, 2001:db8::53,\n"
    "                       192.0.2.53:5353, [2001:db8::53]:5353\n"
    "      --timeout SECS   per try (decimals allowed; c-ares doubles it\n"
    "                       on each round); default resolv.conf's\n"
    "      --tries N        rounds through the servers; default\n"
    "                       resolv.conf's attempts\n"
    "      --no-hosts       do not read /etc/hosts\n"
    "      --json           one JSON document\n"
    "  -h, --help           this help\n"
    "\n"
    "PORT, when given, is shown with each candidate (a destination is an\n"
    "address and a port).\n"
    "\n"
    "Exit status: 0 at least one address came, 1 none did (the reason is\n"
    "given per query), 2 usage error, 3 system error.\n";

/* --- Options ---------------------------------------------------------------
 */

/* --- Running ---------------------------------------------------------------
 */

struct run {
	struct ds_loop *loop;
	bool interrupted;
};

static void
on_query(struct ds_resolve *r, enum ds_resolve_type type,
    const struct ds_resolve_query *q, void *userdata)
{
	struct run *run = userdata;

	(void)type;
	(void)q;
	if (ds_resolve_is_done(r))
		ds_loop_stop(run->loop, 0);
}

static void
on_signal(struct ds_signal *s, int signo, void *userdata)
{
	struct run *run = userdata;

	(void)s;
	(void)signo;
	run->interrupted = true;
	ds_loop_stop(run->loop, 0);
}

/* --- Reporting -------------------------------------------------------------
 */

/* A stable code for JSON. */
static const char *
status_code(const struct ds_resolve_query *q)
{
	if (!q->done)
		return "pending";
	switch (-q->status) {
	case 0:
		return "ok";
	case DS_E_DNS_NXDOMAIN:
		return "nxdomain";
	case DS_E_DNS_NODATA:
		return "nodata";
	case DS_E_DNS_SERVFAIL:
		return "servfail";
	case DS_E_DNS_REFUSED:
		return "refused";
	case DS_E_DNS_BADRESP:
		return "badresp";
	case DS_E_DNS_CONFIG:
		return "config";
	case DS_E_DNS_SKIPPED:
		return "skipped";
	case ETIMEDOUT:
		return "timeout";
	case ECONNREFUSED:
		return "connrefused";
	case ECANCELED:
		return "cancelled";
	case ENOMEM:
		return "nomem";
	default:
		return "error";
	}
}

/* A short word for the text table. */
static const char *
status_word(const struct ds_resolve_query *q)
{
	if (!q->done)
		return "no answer (interrupted)";
	switch (-q->status) {
	case DS_E_DNS_NXDOMAIN:
		return "NXDOMAIN";
	case DS_E_DNS_NODATA:
		return "NODATA";
	case DS_E_DNS_SERVFAIL:
		return "SERVFAIL";
	case DS_E_DNS_REFUSED:
		return "REFUSED";
	case DS_E_DNS_BADRESP:
		return "bad answer";
	case ETIMEDOUT:
		return "timed out";
	case ECONNREFUSED:
		return "connection refused";
	default:
		return ds_strerror(q->status);
	}
}

static double
query_ms(const struct ds_resolve_query *q)
{
	return (double)(q->end_us - q->start_us) / 1000.0;
}

/* The query that came back more than SLOW_MS after the other, or -1. */
static int
slow_type(const struct ds_resolve *r)
{
	const struct ds_resolve_query *q6 = ds_resolve_get(r, DS_RESOLVE_AAAA);
	const struct ds_resolve_query *q4 = ds_resolve_get(r, DS_RESOLVE_A);

	if (!q6->asked || !q4->asked || !q6->done || !q4->done)
		return -1;
	if (q6->end_us > q4->end_us + SLOW_MS * 1000u)
		return DS_RESOLVE_AAAA;
	if (q4->end_us > q6->end_us + SLOW_MS * 1000u)
		return DS_RESOLVE_A;
	return -1;
}

struct cand {
	struct ds_sort_cand c;
	int src_err; /* ds_sort_source()'s error, 0 with a source */
};

/* The answers of both queries, AAAA first (the order they are sent and
 * RFC 6724 rule 10's tie-break), each with its source, sorted. */
static size_t
candidates(const struct ds_resolve *r, const struct ds_policy *pol,
    struct cand *out, size_t *ret_total)
{
	struct ds_sort_cand list[DS_SORT_MAX];
	struct ds_addr dst[DS_SORT_MAX];
	int errs[DS_SORT_MAX];
	size_t n = 0, total = 0;

	for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++) {
		const struct ds_resolve_query *q =
		    ds_resolve_get(r, (enum ds_resolve_type)t);

		if (!q->done || q->status != 0)
			continue;
		for (size_t i = 0; i < q->n_answers; i++, total++) {
			if (n == DS_SORT_MAX)
				continue;
			memset(&list[n], 0, sizeof(list[n]));
			list[n].dst = dst[n] = q->answers[i].addr;
			errs[n] = ds_sort_source(&list[n].dst, &list[n].src);
			if (errs[n] < 0)
				memset(&list[n].src, 0, sizeof(list[n].src));
			n++;
		}
	}
	*ret_total = total;
	if (n == 0 || ds_sort(pol, list, n) < 0)
		return 0;
	/* The sort moved the candidates: find each one's source error by
	 * its destination (a repeated address has the same source). */
	for (size_t i = 0; i < n; i++) {
		out[i].c = list[i];
		out[i].src_err = 0;
		for (size_t k = 0; k < n && list[i].src.family == 0; k++)
			if (ds_addr_equal(&dst[k], &list[i].dst)) {
				out[i].src_err = errs[k];
				break;
			}
	}
	return n;
}

static void
format_dst(const struct ds_addr *a, uint16_t port, char *buf, size_t size)
{
	if (port) {
		struct ds_endpoint ep = {*a, port};

		ds_endpoint_format(&ep, 0, buf, size);
	} else {
		ds_addr_format(a, 0, buf, size);
	}
}

struct report {
	const char *name;
	uint16_t port;
	const struct ds_resolve *r;
	const struct cand *cands;
	size_t n_cands, total;
	bool interrupted;
	const char *why_not_asked;
	int aw; /* width of the answer column */
};

static void
text_query(const struct report *rep, enum ds_resolve_type t)
{
	const struct ds_resolve_query *q = ds_resolve_get(rep->r, t);
	const char *tn = ds_resolve_type_name(t);
	char buf[DS_ADDR_STRLEN];

	if (!q->asked) {
		printf("%-5s not asked (%s)\n", tn, rep->why_not_asked);
		return;
	}
	if (q->done && q->status == 0)
		printf("%-5s %zu answer%s", tn, q->n_answers,
		    q->n_answers == 1 ? " " : "s");
	else
		printf("%-5s %-10s", tn, status_word(q));
	if (q->done)
		printf("  %8.1f ms", query_ms(q));
	if (q->source != DS_RESOLVE_SRC_NONE)
		printf("  %s", ds_resolve_source_name(q->source));
	putchar('\n');
	if (q->canonname)
		printf("      canonical name %s\n", q->canonname);
	for (size_t i = 0; i < q->n_answers; i++) {
		ds_addr_format(&q->answers[i].addr, 0, buf, sizeof(buf));
		if (q->source == DS_RESOLVE_SRC_DNS)
			printf("      %-*s  ttl %u\n", rep->aw, buf,
			    (unsigned)q->answers[i].ttl);
		else
			printf("      %s\n", buf);
	}
}

static void
report_text(const struct report *rep)
{
	int slow = slow_type(rep->r);

	printf("%s\n", rep->name);
	text_query(rep, DS_RESOLVE_AAAA);
	text_query(rep, DS_RESOLVE_A);
	if (slow >= 0) {
		const struct ds_resolve_query *s =
		    ds_resolve_get(rep->r, (enum ds_resolve_type)slow);
		const struct ds_resolve_query *f = ds_resolve_get(rep->r,
		    slow == DS_RESOLVE_AAAA ? DS_RESOLVE_A : DS_RESOLVE_AAAA);

		printf("slow: %s took %.0f ms, %s %.0f ms (%s %.0f ms later; "
		       "Happy Eyeballs waits %d ms, RFC 8305 section 3)\n",
		    ds_resolve_type_name((enum ds_resolve_type)slow),
		    query_ms(s),
		    ds_resolve_type_name(slow == DS_RESOLVE_AAAA
		            ? DS_RESOLVE_A
		            : DS_RESOLVE_AAAA),
		    query_ms(f), s->status == 0 ? "answered" : "ended",
		    (double)(s->end_us - f->end_us) / 1000.0, SLOW_MS);
	}
	if (rep->interrupted)
		printf("interrupted\n");
	if (rep->n_cands == 0)
		return;
	printf("\ncandidates in RFC 6724 order");
	if (rep->total > rep->n_cands)
		printf(" (the first %zu of %zu)", rep->n_cands, rep->total);
	printf(":\n");
	/* Columns as wide as their longest text. */
	int wd = (int)strlen("destination"), ws = (int)strlen("source");
	char dst[DS_SORT_MAX][DS_ENDPOINT_STRLEN];
	char src[DS_SORT_MAX][DS_ADDR_STRLEN + 64];

	for (size_t i = 0; i < rep->n_cands; i++) {
		const struct cand *c = &rep->cands[i];
		int n;

		format_dst(&c->c.dst, rep->port, dst[i], sizeof(dst[i]));
		if (c->c.src.family)
			ds_addr_format(&c->c.src, 0, src[i], sizeof(src[i]));
		else
			snprintf(src[i], sizeof(src[i]), "none (%s)",
			    ds_strerror(c->src_err));
		n = (int)strlen(dst[i]);
		wd = n > wd ? n : wd;
		n = (int)strlen(src[i]);
		ws = n > ws ? n : ws;
	}
	printf("  #  %-*s  %-*s  %-10s  %5s  %4s  %s\n", wd, "destination", ws,
	    "source", "scope", "label", "prec", "before the next");
	for (size_t i = 0; i < rep->n_cands; i++) {
		const struct cand *c = &rep->cands[i];
		char rule[80];

		if (c->c.rule)
			snprintf(rule, sizeof(rule), "rule %u: %s", c->c.rule,
			    ds_sort_rule_name(c->c.rule));
		else
			snprintf(rule, sizeof(rule), "-");
		printf("%3zu  %-*s  %-*s  %-10s  %5u  %4u  %s\n", i + 1, wd,
		    dst[i], ws, src[i], ds_scope_name(c->c.dst_scope),
		    c->c.dst_label, c->c.precedence, rule);
	}
}

static void
json_ms(struct json *j, double ms)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.3f", ms);
	json_raw(j, buf);
}

static void
report_json(const struct report *rep)
{
	struct json j;
	int slow = slow_type(rep->r);
	char buf[DS_ENDPOINT_STRLEN];

	json_init(&j, stdout, true);
	json_begin_object(&j);
	json_kv_string(&j, "name", rep->name);
	if (rep->port)
		json_kv_int(&j, "port", rep->port);
	json_kv_bool(&j, "interrupted", rep->interrupted);
	json_key(&j, "queries");
	json_begin_array(&j);
	for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++) {
		const struct ds_resolve_query *q =
		    ds_resolve_get(rep->r, (enum ds_resolve_type)t);

		json_begin_object(&j);
		json_kv_string(
		    &j, "type", ds_resolve_type_name((enum ds_resolve_type)t));
		json_kv_bool(&j, "asked", q->asked);
		json_kv_string(&j, "status", status_code(q));
		json_key(&j, "error");
		if (q->done && q->status < 0)
			json_string(&j, ds_strerror(q->status));
		else
			json_null(&j);
		json_kv_string(&j, "source", ds_resolve_source_name(q->source));
		json_key(&j, "ms");
		if (q->asked && q->done)
			json_ms(&j, query_ms(q));
		else
			json_null(&j);
		json_key(&j, "canonname");
		if (q->canonname)
			json_string(&j, q->canonname);
		else
			json_null(&j);
		json_key(&j, "answers");
		json_begin_array(&j);
		for (size_t i = 0; i < q->n_answers; i++) {
			ds_addr_format(
			    &q->answers[i].addr, 0, buf, sizeof(buf));
			json_begin_object(&j);
			json_kv_string(&j, "address", buf);
			json_kv_int(&j, "ttl", q->answers[i].ttl);
			json_end(&j);
		}
		json_end(&j);
		json_end(&j);
	}
	json_end(&j);
	json_key(&j, "slow");
	if (slow >= 0)
		json_string(
		    &j, ds_resolve_type_name((enum ds_resolve_type)slow));
	else
		json_null(&j);
	json_key(&j, "candidates");
	json_begin_array(&j);
	for (size_t i = 0; i < rep->n_cands; i++) {
		const struct cand *c = &rep->cands[i];

		json_begin_object(&j);
		ds_addr_format(&c->c.dst, 0, buf, sizeof(buf));
		json_kv_string(&j, "address", buf);
		if (rep->port) {
			format_dst(&c->c.dst, rep->port, buf, sizeof(buf));
			json_kv_string(&j, "endpoint", buf);
		}
		json_key(&j, "source");
		if (c->c.src.family) {
			ds_addr_format(&c->c.src, 0, buf, sizeof(buf));
			json_string(&j, buf);
		} else {
			json_null(&j);
		}
		json_key(&j, "source_error");
		if (c->c.src.family)
			json_null(&j);
		else
			json_string(&j, ds_strerror(c->src_err));
		json_kv_string(&j, "scope", ds_scope_name(c->c.dst_scope));
		json_kv_int(&j, "label", c->c.dst_label);
		json_kv_int(&j, "precedence", c->c.precedence);
		json_kv_int(&j, "rule", c->c.rule);
		json_kv_string(&j, "rule_name", ds_sort_rule_name(c->c.rule));
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
	json_finish(&j);
}

/* Why nothing came, one query after the other, on stderr. */
static void
report_failure(const struct report *rep)
{
	char msg[512];
	size_t used = 0;

	for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++) {
		const struct ds_resolve_query *q =
		    ds_resolve_get(rep->r, (enum ds_resolve_type)t);
		int n;

		if (!q->asked)
			continue;
		n = snprintf(msg + used, sizeof(msg) - used, "%s%s: %s",
		    used ? "; " : "",
		    ds_resolve_type_name((enum ds_resolve_type)t),
		    q->done ? ds_strerror(q->status) : "interrupted");
		if (n < 0 || (size_t)n >= sizeof(msg) - used)
			break;
		used += (size_t)n;
	}
	cli_error("%s: no address (%s)", rep->name, msg);
}

static int
cmd_resolve(int argc, char **argv)
{
	enum {
		O_SERVER = 256,
		O_TIMEOUT,
		O_TRIES,
		O_NO_HOSTS,
		O_JSON,
	};
	static const struct option opts[] = {
	    {"server", required_argument, NULL, O_SERVER},
	    {"timeout", required_argument, NULL, O_TIMEOUT},
	    {"tries", required_argument, NULL, O_TRIES},
	    {"no-hosts", no_argument, NULL, O_NO_HOSTS},
	    {"json", no_argument, NULL, O_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static char servers[SERVERS_MAX];
	static struct cand cands[DS_SORT_MAX];
	struct ds_resolve_opts ro;
	struct ds_policy pol;
	struct ds_loop *loop = NULL;
	struct ds_resolve *r = NULL;
	struct ds_signal *sigint = NULL, *sigterm = NULL;
	struct run run = {NULL, false};
	struct report rep;
	bool json = false, any = false;
	uint64_t v, ms;
	uint16_t port = 0;
	int c, err, code;

	memset(&ro, 0, sizeof(ro));
	ro.family = DS_RESOLVE_BOTH;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h46", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			cli_usage(stdout, &cli_cmd_resolve);
			fputs(help_text, stdout);
			return cli_finish_stdout(EXIT_OK);
		case '4':
			ro.family = DS_RESOLVE_ONLY_V4;
			break;
		case '6':
			ro.family = DS_RESOLVE_ONLY_V6;
			break;
		case O_SERVER:
			code = cli_dns_servers(
			    &cli_cmd_resolve, optarg, servers, sizeof(servers));
			if (code != 0)
				return code;
			ro.servers = servers;
			break;
		case O_TIMEOUT:
			if (cli_parse_seconds(optarg, MAX_TIMEOUT_S, &ms) < 0 ||
			    ms == 0)
				return cli_usage_error(&cli_cmd_resolve,
				    "--timeout takes seconds above 0, not '%s'",
				    optarg);
			ro.timeout_ms = (uint32_t)ms;
			break;
		case O_TRIES:
			if (cli_parse_u64(optarg, MAX_TRIES, &v) < 0 || v == 0)
				return cli_usage_error(&cli_cmd_resolve,
				    "--tries takes a number from 1 to %d, not "
				    "'%s'",
				    MAX_TRIES, optarg);
			ro.tries = (uint32_t)v;
			break;
		case O_NO_HOSTS:
			ro.no_hosts = true;
			break;
		case O_JSON:
			json = true;
			break;
		default:
			return cli_usage_error(&cli_cmd_resolve,
			    "unknown option or missing value: '%s'",
			    argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2)
		return cli_usage_error(&cli_cmd_resolve,
		    argc ? "too many arguments" : "give a name to resolve");
	if (argc == 2) {
		if (cli_parse_u64(argv[1], 65535, &v) < 0 || v == 0)
			return cli_usage_error(&cli_cmd_resolve,
			    "PORT is a number from 1 to 65535, not '%s'",
			    argv[1]);
		port = (uint16_t)v;
	}

	err = ds_loop_new(&loop);
	if (err < 0) {
		cli_error("event loop: %s", ds_strerror(err));
		return EXIT_INTERNAL;
	}
	run.loop = loop;
	err = ds_resolve_new(loop, argv[0], &ro, on_query, &run, &r);
	if (err == -EINVAL) {
		ds_loop_free(loop);
		return cli_usage_error(&cli_cmd_resolve,
		    "'%s': not a name (empty, or over 253 characters)",
		    argv[0]);
	}
	if (err < 0) {
		cli_error("cannot start the lookup: %s", ds_strerror(err));
		ds_loop_free(loop);
		return EXIT_INTERNAL;
	}
	/* Ctrl-C ends the wait, with a report of what came so far. */
	if (ds_signal_new(loop, SIGINT, on_signal, &run, &sigint) < 0 ||
	    ds_signal_new(loop, SIGTERM, on_signal, &run, &sigterm) < 0) {
		cli_error("cannot watch SIGINT/SIGTERM");
		code = EXIT_INTERNAL;
		goto out;
	}
	err = ds_loop_run(loop);
	if (err < 0) {
		cli_error("event loop: %s", ds_strerror(err));
		code = EXIT_INTERNAL;
		goto out;
	}

	/* A bad gai.conf still gives the table glibc would use. */
	(void)ds_policy_load(NULL, &pol);
	memset(&rep, 0, sizeof(rep));
	rep.name = argv[0];
	rep.port = port;
	rep.r = r;
	rep.interrupted = run.interrupted;
	rep.cands = cands;
	rep.why_not_asked = ro.family == DS_RESOLVE_ONLY_V4 ? "-4"
	    : ro.family == DS_RESOLVE_ONLY_V6               ? "-6"
	                                                    : "numeric name";
	for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++) {
		const struct ds_resolve_query *q =
		    ds_resolve_get(r, (enum ds_resolve_type)t);
		char buf[DS_ADDR_STRLEN];

		for (size_t i = 0; i < q->n_answers; i++) {
			int n = ds_addr_format(
			    &q->answers[i].addr, 0, buf, sizeof(buf));

			rep.aw = n > rep.aw ? n : rep.aw;
		}
	}
	rep.n_cands = candidates(r, &pol, cands, &rep.total);
	for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++) {
		const struct ds_resolve_query *q =
		    ds_resolve_get(r, (enum ds_resolve_type)t);

		if (q->done && q->status == 0)
			any = true;
	}
	if (json)
		report_json(&rep);
	else
		report_text(&rep);
	code = any ? EXIT_OK : EXIT_FAILED;
	if (!any)
		report_failure(&rep);
out:
	sigint = ds_signal_free(sigint);
	sigterm = ds_signal_free(sigterm);
	r = ds_resolve_free(r);
	ds_loop_free(loop);
	return cli_finish_stdout(code);
}
