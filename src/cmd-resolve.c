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
 *
 * When a query needed a retry or another server, the servers are listed
 * with what each did, and a "slow:" line names the likely cause. The
 * nameserver history is read and written as dualstack connect does, so
 * that this shows what the library's next lookup would do.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"
#include "dualstack/loop.h"
#include "dualstack/resolve.h"
#include "dualstack/sort.h"

#include "cli-chart.h"
#include "cli.h"

/* The longest --timeout accepted, per try. */
#define MAX_TIMEOUT_S 3600ull

/* c-ares's own cap on rounds is far above what anyone waits for. */
#define MAX_TRIES 100

/*
 * RFC 8305 section 3: a client that has its A answer waits this long for
 * the AAAA one (the Resolution Delay) before it connects over IPv4. A
 * query that answers later than the other by more than this changes what
 * clients do, so it is flagged.
 */
#define SLOW_MS 50

static int cmd_resolve(int argc, char **argv);

const struct cli_command cli_cmd_resolve = {
    "resolve",
    "resolve a name: AAAA and A side by side, timings, RFC 6724 order",
    cmd_resolve,
    "[-4|-6] [--server ADDR[,ADDR...]] [--timeout TIME] [--tries N]"
    " [--no-hosts] [--no-cache] [--json] [--chart] NAME [PORT] | NAME:PORT",
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
    "Both queries are made even when the host lacks one family, each from\n"
    "its own socket. When a server has not answered within its delay\n"
    "(about 200 ms), the next one is asked too; when a query needed a retry\n"
    "or another server, the servers are listed with what each did and a\n"
    "'slow:' line names the likely cause. resolv.conf's timeout, attempts,\n"
    "ndots, rotate and single-request options are followed as glibc does.\n"
    "\n"
    "  -4, -6               ask only A, or only AAAA\n"
    "      --server LIST    DNS servers to ask instead of resolv.conf's,\n"
    "                       comma-separated: 192.0.2.53, 2001:db8::53,\n"
    "                       192.0.2.53:5353, [2001:db8::53]:5353\n"
    "      --timeout TIME   per try (each later try of a server waits\n"
    "                       twice as long): 2s, 500ms, or plain seconds\n"
    "                       (0.5); default resolv.conf's timeout, else 5s\n"
    "      --tries N        tries per server; default resolv.conf's\n"
    "                       attempts, else 2\n"
    "      --no-hosts       do not read /etc/hosts\n"
    "      --no-cache       neither read nor write the nameserver history\n"
    "                       ($XDG_CACHE_HOME/dualstack/nameservers)\n"
    "      --json           one JSON document\n"
    "      --chart          then the time each query took as bars on\n"
    "                       one time axis, with the server that\n"
    "                       answered, and each server's part when the\n"
    "                       servers are listed (colour on a terminal,\n"
    "                       unless NO_COLOR)\n"
    "  -q, --quiet, -v, --verbose\n"
    "                       taken as by every command; the output is the\n"
    "                       same either way\n"
    "  -h, --help           this help\n"
    "\n"
    "PORT, a number or a TCP service name, when given (NAME PORT or\n"
    "NAME:PORT, as every command takes endpoints: see ENDPOINTS in\n"
    "dualstack(1)), is shown with each candidate (a destination is an\n"
    "address and a port).\n"
    "\n"
    "Exit status: 0 at least one address came, 1 none did (the reason is\n"
    "given per query), 2 usage error, 3 system error, 130 stopped by\n"
    "SIGINT (after the report of what came).\n";

/* --- Options ---------------------------------------------------------------
 */

/* --- Running ---------------------------------------------------------------
 */

struct run {
	struct ds_loop *loop;
	bool interrupted;
	int signo;         /* the signal that interrupted the lookup */
	uint64_t start_us; /* CLOCK_MONOTONIC, when the queries left */
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
	run->interrupted = true;
	run->signo = signo;
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

/* A short word for an error, for the text tables. */
static const char *
err_word(int err)
{
	switch (-err) {
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
		return ds_strerror(err);
	}
}

static const char *
status_word(const struct ds_resolve_query *q)
{
	return q->done ? err_word(q->status) : "no answer (interrupted)";
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

/* --- Retries and servers ----------------------------------------------- */

static enum ds_resolve_type
other_type(enum ds_resolve_type t)
{
	return t == DS_RESOLVE_AAAA ? DS_RESOLVE_A : DS_RESOLVE_AAAA;
}

/* Why a query needed more than one try at one server. */
enum retry_cause {
	RETRY_NONE = 0,
	RETRY_SILENT,      /* a server answered neither type in time */
	RETRY_TYPE_SILENT, /* a server answered the other type, not this */
	RETRY_FAILED,      /* a server answered with an error, or refused */
	RETRY_LOST,        /* the server that answered needed another try */
};

/* Stable tokens for JSON. */
static const char *const retry_token[] = {
    [RETRY_NONE] = "none",
    [RETRY_SILENT] = "server-silent",
    [RETRY_TYPE_SILENT] = "type-dropped",
    [RETRY_FAILED] = "server-failed",
    [RETRY_LOST] = "lost",
};

struct retry {
	enum retry_cause cause;
	int server; /* the server it is about */
};

/*
 * What made query t need a retry, from what each server did: the first
 * server that did not deliver, in the order they were asked, else the
 * answering server's own timeouts.
 */
static struct retry
retry_of(const struct ds_resolve *r, enum ds_resolve_type t)
{
	const struct ds_resolve_query *q = ds_resolve_get(r, t);
	const struct ds_resolve_server *sv;
	struct retry none = {RETRY_NONE, -1};
	size_t n;

	sv = ds_resolve_servers(r, &n);
	if (!q->asked || !q->done || n == 0 ||
	    (q->servers_asked <= 1 && q->timeouts == 0))
		return none;
	for (size_t i = 0; i < n; i++) {
		const struct ds_resolve_ns_query *a = &sv[i].q[t];
		const struct ds_resolve_ns_query *b = &sv[i].q[other_type(t)];

		if (a->state == DS_RESOLVE_NS_ERROR)
			return (struct retry){RETRY_FAILED, (int)i};
		if (a->state != DS_RESOLVE_NS_GIVEN_UP &&
		    a->state != DS_RESOLVE_NS_TIMED_OUT)
			continue;
		if (b->state == DS_RESOLVE_NS_ANSWERED && b->timeouts == 0)
			return (struct retry){RETRY_TYPE_SILENT, (int)i};
		return (struct retry){RETRY_SILENT, (int)i};
	}
	if (q->server >= 0 && sv[q->server].q[t].timeouts > 0)
		return (struct retry){RETRY_LOST, q->server};
	return none;
}

/* A server as people write it: the address, with the port when not 53. */
static void
server_text(const struct ds_resolve_server *s, char *buf, size_t size)
{
	if (s->ep.port == 53)
		ds_addr_format(&s->ep.addr, 0, buf, size);
	else
		ds_endpoint_format(&s->ep, 0, buf, size);
}

static double
ns_ms(const struct ds_resolve_ns_query *nq)
{
	return (double)(nq->end_us - nq->start_us) / 1000.0;
}

/* What one server did for one query, for the servers table. */
static void
ns_cell(const struct ds_resolve_ns_query *nq, char *buf, size_t size)
{
	switch (nq->state) {
	case DS_RESOLVE_NS_NOT_ASKED:
		snprintf(buf, size, "not asked");
		break;
	case DS_RESOLVE_NS_ASKING:
		snprintf(buf, size, "no answer yet");
		break;
	case DS_RESOLVE_NS_ANSWERED:
		snprintf(buf, size, "answered in %.1f ms", ns_ms(nq));
		break;
	case DS_RESOLVE_NS_ERROR:
		snprintf(buf, size, "%s after %.1f ms", err_word(nq->status),
		    ns_ms(nq));
		break;
	case DS_RESOLVE_NS_TIMED_OUT:
		snprintf(buf, size, "timed out after %.0f ms", ns_ms(nq));
		break;
	case DS_RESOLVE_NS_GIVEN_UP:
		snprintf(buf, size, "given up after %.1f ms", ns_ms(nq));
		break;
	case DS_RESOLVE_NS_CANCELLED:
		snprintf(buf, size, "cancelled after %.1f ms", ns_ms(nq));
		break;
	}
	if (nq->timeouts > 0) {
		size_t used = strlen(buf);

		snprintf(buf + used, size - used, " (%u tr%s timed out)",
		    nq->timeouts, nq->timeouts == 1 ? "y" : "ies");
	}
}

/* Whether the servers are worth listing: a retry, another server, or
 * the history's order. */
static bool
servers_notable(const struct ds_resolve *r)
{
	const struct ds_resolve_server *sv;
	size_t n;

	sv = ds_resolve_servers(r, &n);
	for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++) {
		const struct ds_resolve_query *q =
		    ds_resolve_get(r, (enum ds_resolve_type)t);

		if (q->servers_asked > 1 || q->timeouts > 0)
			return true;
	}
	for (size_t i = 0; i < n; i++)
		if (sv[i].demoted)
			return true;
	return false;
}

static void
text_servers(const struct ds_resolve *r)
{
	const struct ds_resolve_server *sv;
	bool raced[DS_RESOLVE_TYPES] = {false, false};
	char name[DS_ENDPOINT_STRLEN];
	size_t n;
	int w = 0;

	sv = ds_resolve_servers(r, &n);
	for (size_t i = 0; i < n; i++) {
		server_text(&sv[i], name, sizeof(name));
		w = (int)strlen(name) > w ? (int)strlen(name) : w;
		for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++)
			if (sv[i].q[t].state != DS_RESOLVE_NS_NOT_ASKED)
				raced[t] = true;
	}
	printf("servers, in the order asked:\n");
	for (size_t i = 0; i < n; i++) {
		server_text(&sv[i], name, sizeof(name));
		printf("  %zu  %-*s", i + 1, w, name);
		for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++) {
			char cell[160];

			if (!raced[t])
				continue;
			ns_cell(&sv[i].q[t], cell, sizeof(cell));
			printf("  %s %s",
			    ds_resolve_type_name((enum ds_resolve_type)t),
			    cell);
		}
		if (sv[i].demoted)
			printf("  (asked last: it failed or did not answer "
			       "recently)");
		putchar('\n');
	}
}

/* The likely cause of a retry, in words. */
static void
retry_text(const struct ds_resolve *r, enum ds_resolve_type t, struct retry rt,
    char *buf, size_t size)
{
	const struct ds_resolve_query *q = ds_resolve_get(r, t);
	const struct ds_resolve_server *sv;
	const struct ds_resolve_ns_query *nq, *oq;
	char who[DS_ENDPOINT_STRLEN], by[DS_ENDPOINT_STRLEN + 32];
	const char *tn = ds_resolve_type_name(t);
	const char *on = ds_resolve_type_name(other_type(t));
	size_t n;

	sv = ds_resolve_servers(r, &n);
	nq = &sv[rt.server].q[t];
	oq = &sv[rt.server].q[other_type(t)];
	server_text(&sv[rt.server], who, sizeof(who));
	/* ", 192.0.2.53 answered" or ", no other server answered". */
	by[0] = '\0';
	if (q->server >= 0 && q->server != rt.server) {
		char a[DS_ENDPOINT_STRLEN];

		server_text(&sv[q->server], a, sizeof(a));
		snprintf(by, sizeof(by), ", %s answered", a);
	} else if (q->server < 0 && n > 1) {
		snprintf(by, sizeof(by), ", no other server answered");
	}
	switch (rt.cause) {
	case RETRY_SILENT:
		if (nq->state == DS_RESOLVE_NS_GIVEN_UP)
			snprintf(buf, size,
			    "%s did not answer within %u ms and was given "
			    "up%s: a nameserver that is down or unreachable",
			    who, (unsigned)cli_us_to_ms(sv[rt.server].delay_us),
			    by);
		else
			snprintf(buf, size,
			    "%s did not answer (%u tr%s timed out)%s: a "
			    "nameserver that is down or unreachable",
			    who, nq->timeouts, nq->timeouts == 1 ? "y" : "ies",
			    by);
		break;
	case RETRY_TYPE_SILENT:
		snprintf(buf, size,
		    "%s answered %s but not %s%s: it, or a filter on the path, "
		    "drops %s queries",
		    who, on, tn, by, tn);
		break;
	case RETRY_FAILED:
		snprintf(buf, size, "%s: %s%s", who, err_word(nq->status), by);
		break;
	case RETRY_LOST:
		snprintf(buf, size,
		    "%u tr%s to %s timed out before it answered: the query or "
		    "its answer was lost on the way (a filter or middlebox "
		    "that drops it, or packet loss)%s",
		    nq->timeouts, nq->timeouts == 1 ? "y" : "ies", who,
		    oq->state == DS_RESOLVE_NS_ANSWERED && oq->timeouts == 0
		        ? "; the other query, from another socket, was not"
		        : "");
		break;
	case RETRY_NONE:
		buf[0] = '\0';
		break;
	}
}

/* How the "slow:" line puts what the query went through. */
static const char *
retry_head(const struct ds_resolve *r, enum ds_resolve_type t, struct retry rt)
{
	if (ds_resolve_get(r, t)->server < 0)
		return "got no answer";
	return rt.cause == RETRY_LOST ? "needed a retry"
	                              : "needed another server";
}

/* "slow:" lines for the retries: one per type, or one for both when the
 * cause, the server and the outcome are the same. */
static void
text_retries(const struct ds_resolve *r)
{
	struct retry rt[DS_RESOLVE_TYPES];
	char why[512];

	for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++)
		rt[t] = retry_of(r, (enum ds_resolve_type)t);
	if (rt[0].cause != RETRY_NONE && rt[0].cause == rt[1].cause &&
	    rt[0].server == rt[1].server &&
	    strcmp(retry_head(r, DS_RESOLVE_AAAA, rt[0]),
	        retry_head(r, DS_RESOLVE_A, rt[1])) == 0) {
		retry_text(r, DS_RESOLVE_AAAA, rt[0], why, sizeof(why));
		printf("slow: AAAA and A %s: %s\n",
		    retry_head(r, DS_RESOLVE_AAAA, rt[0]), why);
		return;
	}
	for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++) {
		if (rt[t].cause == RETRY_NONE)
			continue;
		retry_text(r, (enum ds_resolve_type)t, rt[t], why, sizeof(why));
		printf("slow: %s %s: %s\n",
		    ds_resolve_type_name((enum ds_resolve_type)t),
		    retry_head(r, (enum ds_resolve_type)t, rt[t]), why);
	}
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
	char buf[DS_ENDPOINT_STRLEN];

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
	if (q->server >= 0) {
		const struct ds_resolve_server *sv;
		size_t n;

		sv = ds_resolve_servers(rep->r, &n);
		server_text(&sv[q->server], buf, sizeof(buf));
		printf(" from %s", buf);
	}
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

/* --- Timing bars ---------------------------------------------------------- */

/* One row of the timing picture: a label, a span since ds_resolve_new()
 * and what it was. */
struct bar_row {
	char label[DS_ENDPOINT_STRLEN + 8];
	uint64_t start_us, end_us;
	char what[160];
};

/* The rows: each query asked, then, when the servers are listed, what
 * each server did for each type. Returns how many. */
static size_t
bar_rows(const struct ds_resolve *r, struct bar_row *rows, size_t max)
{
	static const enum ds_resolve_type order[] = {
	    DS_RESOLVE_AAAA, DS_RESOLVE_A};
	const struct ds_resolve_server *sv;
	char who[DS_ENDPOINT_STRLEN];
	size_t k = 0, n;

	for (size_t i = 0; i < 2 && k < max; i++) {
		const struct ds_resolve_query *q = ds_resolve_get(r, order[i]);
		char how[32];

		if (!q->asked || !q->done)
			continue;
		if (q->status == 0)
			snprintf(how, sizeof(how), "%zu answer%s", q->n_answers,
			    q->n_answers == 1 ? "" : "s");
		else
			snprintf(how, sizeof(how), "%s", status_word(q));
		snprintf(rows[k].label, sizeof(rows[k].label), "%s",
		    ds_resolve_type_name(order[i]));
		rows[k].start_us = q->start_us;
		rows[k].end_us = q->end_us;
		if (q->server >= 0) {
			sv = ds_resolve_servers(r, &n);
			server_text(&sv[q->server], who, sizeof(who));
			snprintf(rows[k].what, sizeof(rows[k].what),
			    "%.1f ms, %s from %s", query_ms(q), how, who);
		} else {
			snprintf(rows[k].what, sizeof(rows[k].what),
			    "%.1f ms, %s (%s)", query_ms(q), how,
			    ds_resolve_source_name(q->source));
		}
		k++;
	}
	if (!servers_notable(r))
		return k;
	sv = ds_resolve_servers(r, &n);
	for (size_t i = 0; i < n; i++) {
		server_text(&sv[i], who, sizeof(who));
		for (size_t t = 0; t < 2 && k < max; t++) {
			const struct ds_resolve_ns_query *nq =
			    &sv[i].q[order[t]];

			if (nq->state == DS_RESOLVE_NS_NOT_ASKED ||
			    nq->state == DS_RESOLVE_NS_ASKING)
				continue;
			snprintf(rows[k].label, sizeof(rows[k].label), "%s %s",
			    ds_resolve_type_name(order[t]), who);
			rows[k].start_us = nq->start_us;
			rows[k].end_us = nq->end_us;
			ns_cell(nq, rows[k].what, sizeof(rows[k].what));
			k++;
		}
	}
	return k;
}

/*
 * The time each query took, as bars on one axis from the start of the
 * lookup, then each server's part when the servers are listed:
 *
 *   timing, 0 to 23.4 ms:
 *     AAAA  |#########           | 12.3 ms, 1 answer from 192.0.2.53
 *     A     |  ################# | 23.4 ms, 2 answers from 192.0.2.53
 */
#define BAR_ROWS_MAX (2 + 2 * 2 * 8)

static void
text_bars(const struct ds_resolve *r)
{
	struct bar_row rows[BAR_ROWS_MAX];
	size_t n = bar_rows(r, rows, BAR_ROWS_MAX), lw = 0, ww = 0;
	unsigned width = cli_chart_width(stdout), cols, from, to;
	bool color = cli_chart_color(stdout);
	uint64_t end = 0;

	if (n == 0)
		return;
	for (size_t k = 0; k < n; k++) {
		if (strlen(rows[k].label) > lw)
			lw = strlen(rows[k].label);
		if (strlen(rows[k].what) > ww)
			ww = strlen(rows[k].what);
		if (rows[k].end_us > end)
			end = rows[k].end_us;
	}
	cols = lw + ww + 6 < width ? width - (unsigned)(lw + ww + 6) : 10;
	if (cols < 10)
		cols = 10;
	printf("\ntiming, 0 to %.1f ms:\n", (double)end / 1000.0);
	for (size_t k = 0; k < n; k++) {
		from =
		    cli_chart_col((double)rows[k].start_us, (double)end, cols);
		to = cli_chart_col((double)rows[k].end_us, (double)end, cols);
		if (from == cols)
			from = cols - 1;
		printf("  %-*s |", (int)lw, rows[k].label);
		cli_chart_bar(stdout, cols, from, to > from ? to - from : 1,
		    '#', color, k < 2 ? "36" : "2");
		printf("| %s\n", rows[k].what);
	}
}

static void
report_text(const struct report *rep)
{
	int slow = slow_type(rep->r);

	printf("%s\n", rep->name);
	text_query(rep, DS_RESOLVE_AAAA);
	text_query(rep, DS_RESOLVE_A);
	if (servers_notable(rep->r))
		text_servers(rep->r);
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
	text_retries(rep->r);
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

/* A server as JSON: its address, or the endpoint when the port is not 53
 * (as in the text). */
static void
json_server(struct json *j, const struct ds_resolve_server *s)
{
	char buf[DS_ENDPOINT_STRLEN];

	server_text(s, buf, sizeof(buf));
	json_string(j, buf);
}

static void
json_servers(struct json *j, const struct ds_resolve *r)
{
	const struct ds_resolve_server *sv;
	char buf[DS_ADDR_STRLEN];
	size_t n;

	sv = ds_resolve_servers(r, &n);
	json_key(j, "servers");
	json_begin_array(j);
	for (size_t i = 0; i < n; i++) {
		json_begin_object(j);
		ds_addr_format(&sv[i].ep.addr, 0, buf, sizeof(buf));
		json_kv_string(j, "address", buf);
		json_kv_int(j, "port", sv[i].ep.port);
		json_kv_bool(j, "demoted", sv[i].demoted);
		json_kv_int(j, "delay_ms", cli_us_to_ms(sv[i].delay_us));
		json_key(j, "queries");
		json_begin_array(j);
		for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++) {
			const struct ds_resolve_ns_query *nq = &sv[i].q[t];
			bool asked = nq->state != DS_RESOLVE_NS_NOT_ASKED;

			json_begin_object(j);
			json_kv_string(j, "type",
			    ds_resolve_type_name((enum ds_resolve_type)t));
			json_kv_string(
			    j, "state", ds_resolve_ns_state_name(nq->state));
			json_key(j, "asked_ms");
			if (asked)
				json_ms(j, (double)nq->start_us / 1000.0);
			else
				json_null(j);
			json_key(j, "ms");
			if (asked && nq->state != DS_RESOLVE_NS_ASKING)
				json_ms(j, ns_ms(nq));
			else
				json_null(j);
			json_kv_int(j, "timeouts", nq->timeouts);
			json_key(j, "error");
			if (nq->status < 0)
				json_string(j, ds_strerror(nq->status));
			else
				json_null(j);
			json_end(j);
		}
		json_end(j);
		json_end(j);
	}
	json_end(j);
}

/* The retries, as the "slow:" lines give them. */
static void
json_retries(struct json *j, const struct ds_resolve *r)
{
	const struct ds_resolve_server *sv;
	size_t n;

	sv = ds_resolve_servers(r, &n);
	json_key(j, "retries");
	json_begin_array(j);
	for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++) {
		const struct ds_resolve_query *q =
		    ds_resolve_get(r, (enum ds_resolve_type)t);
		struct retry rt = retry_of(r, (enum ds_resolve_type)t);

		if (rt.cause == RETRY_NONE)
			continue;
		json_begin_object(j);
		json_kv_string(
		    j, "type", ds_resolve_type_name((enum ds_resolve_type)t));
		json_kv_string(j, "cause", retry_token[rt.cause]);
		json_key(j, "server");
		json_server(j, &sv[rt.server]);
		json_key(j, "answered_by");
		if (q->server >= 0)
			json_server(j, &sv[q->server]);
		else
			json_null(j);
		json_end(j);
	}
	json_end(j);
}

static void
report_json(const struct report *rep)
{
	struct json j;
	int slow = slow_type(rep->r);
	char buf[DS_ENDPOINT_STRLEN];
	const struct ds_resolve_server *sv;
	size_t n_sv;

	sv = ds_resolve_servers(rep->r, &n_sv);
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
		json_key(&j, "server");
		if (q->server >= 0)
			json_server(&j, &sv[q->server]);
		else
			json_null(&j);
		json_kv_int(&j, "servers_asked", q->servers_asked);
		json_kv_int(&j, "timeouts", q->timeouts);
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
	json_retries(&j, rep->r);
	json_servers(&j, rep->r);
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
		O_NO_CACHE,
		O_JSON,
		O_CHART,
	};
	static const struct option opts[] = {
	    {"server", required_argument, NULL, O_SERVER},
	    {"timeout", required_argument, NULL, O_TIMEOUT},
	    {"tries", required_argument, NULL, O_TRIES},
	    {"no-hosts", no_argument, NULL, O_NO_HOSTS},
	    {"no-cache", no_argument, NULL, O_NO_CACHE},
	    {"json", no_argument, NULL, O_JSON},
	    {"chart", no_argument, NULL, O_CHART},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static struct ds_endpoint servers[CLI_DNS_SERVERS_MAX];
	static struct cand cands[DS_SORT_MAX];
	struct ds_resolve_opts ro;
	struct ds_policy pol;
	struct ds_loop *loop = NULL;
	struct ds_resolve *r = NULL;
	struct ds_signal *sigint = NULL, *sigterm = NULL;
	struct ds_resolve_history *hist = NULL;
	struct run run = {NULL, false, 0, 0};
	struct report rep;
	char hist_path[PATH_MAX];
	const char *hist_file = NULL;
	bool json = false, any = false, no_cache = false, chart = false;
	uint64_t v, ms;
	uint16_t port = 0;
	struct cli_endpoint target;
	int c, err, code;

	memset(&ro, 0, sizeof(ro));
	ro.family = DS_RESOLVE_BOTH;
	optind = 1;
	opterr = 0;
	while (
	    (c = cli_getopt(&cli_cmd_resolve, argc, argv, "h46", opts)) != -1) {
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
			code = cli_parse_dns_servers(&cli_cmd_resolve, optarg,
			    servers, CLI_DNS_SERVERS_MAX, &ro.n_servers);
			if (code != 0)
				return code;
			ro.server_list = servers;
			break;
		case O_TIMEOUT:
			if (cli_parse_duration(optarg, CLI_S,
			        MAX_TIMEOUT_S * CLI_S, &ms) < 0 ||
			    ms == 0)
				return cli_usage_error(&cli_cmd_resolve,
				    "--timeout takes a duration above 0 (2s, "
				    "500ms; plain: seconds), not '%s'",
				    optarg);
			ro.timeout_us = ms;
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
		case O_NO_CACHE:
			no_cache = true;
			break;
		case O_JSON:
			json = true;
			break;
		case O_CHART:
			chart = true;
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
	/* NAME [PORT], NAME:PORT, [V6]:PORT: the one endpoint grammar, the
	 * port optional and a service name allowed, as connect takes it. */
	if (cli_parse_endpoint_args("", argc, argv,
	        CLI_EP_NAME | CLI_EP_SERVICE | CLI_EP_PORT_OPTIONAL, 0,
	        &target) != EXIT_OK)
		return EXIT_USAGE;
	port = target.ep.port;

	/* The nameserver history, as dualstack connect keeps it: what the
	 * library's next lookup would do is what this shows. */
	if (!no_cache) {
		err = cli_cache_file(
		    CLI_NS_HISTORY_FILE, hist_path, sizeof(hist_path));
		if (err == 0)
			hist_file = hist_path;
		else if (err != -ENOENT)
			cli_error("warning: cache directory: %s; no history "
			          "kept",
			    ds_strerror(err));
		code = cli_ns_history_open(hist_file, &hist);
		if (code == EXIT_INTERNAL)
			return code;
		if (code != EXIT_OK)
			hist_file = NULL;
		ro.history = hist;
	}

	err = ds_loop_new(&loop);
	if (err < 0) {
		cli_error("event loop: %s", ds_strerror(err));
		ds_resolve_history_free(hist);
		return EXIT_INTERNAL;
	}
	run.loop = loop;
	run.start_us = ds_time_now_us();
	err = ds_resolve_new(loop, target.host, &ro, on_query, &run, &r);
	if (err == -EINVAL) {
		ds_loop_free(loop);
		ds_resolve_history_free(hist);
		return cli_usage_error(&cli_cmd_resolve,
		    "'%s': not a name (empty, or over 253 characters)",
		    argv[0]);
	}
	if (err < 0) {
		cli_error("cannot start the lookup: %s", ds_strerror(err));
		ds_loop_free(loop);
		ds_resolve_history_free(hist);
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
	rep.name = target.host;
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
	if (chart && !json)
		text_bars(rep.r);
	code = any ? EXIT_OK : EXIT_FAILED;
	if (!any && !run.interrupted)
		report_failure(&rep);
	if (run.interrupted)
		code =
		    cli_interrupted(run.signo, ds_time_now_us() - run.start_us,
		        "%s", any ? "some answers came" : "no answer came");
out:
	sigint = ds_signal_free(sigint);
	sigterm = ds_signal_free(sigterm);
	r = ds_resolve_free(r);
	ds_loop_free(loop);
	cli_ns_history_save(hist, hist_file);
	ds_resolve_history_free(hist);
	return cli_finish_stdout(code);
}
