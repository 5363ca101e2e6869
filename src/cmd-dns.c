/* SPDX-License-Identifier: MIT */
/*
 * dualstack dns: why name resolution stalls. Every nameserver (resolv.conf's
 * or --server's) is asked the same questions, each differing from another
 * in one thing -- A or AAAA, UDP or TCP, one socket per query or glibc's
 * pair from one socket, EDNS0 at 512, 1232 or 4096 -- with the library's
 * diagnostic queries (ds_dnsq), all at once on one loop, so that the run
 * takes one timeout at most. The library turns the outcomes into findings
 * (ds_dnsq_diagnose()); the words for them are here.
 *
 * Where dualstack resolve shows what the library's resolver does with a
 * name, this shows what each server and the path to it do with each
 * question, whatever a resolver would make of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dualstack/addr.h"
#include "dualstack/dnsq.h"
#include "dualstack/error.h"
#include "dualstack/finding.h"
#include "dualstack/loop.h"
#include "dualstack/resolv-conf.h"

#include "cli-finding.h"
#include "cli.h"

/* The longest --timeout accepted. */
#define MAX_TIMEOUT_S 60ull
/* resolv.conf is small; glibc reads it line by line, this whole. */
#define RESOLV_CONF_MAX (64u * 1024u)
/* More findings than any run gives: about six per server at most. */
#define FINDINGS_MAX 64
/* RFC 7050 section 2.2: the name whose AAAA reveals DNS64. */
#define DNS64_NAME "ipv4only.arpa"

static int cmd_dns(int argc, char **argv);

const struct cli_command cli_cmd_dns = {
    "dns",
    "ask every nameserver A and AAAA apart, over UDP and TCP: why lookups "
    "stall",
    cmd_dns,
    "[-4|-6] [--server ADDR]... [--timeout TIME] [--json] NAME",
};

static const char help_text[] =
    "\n"
    "Ask every nameserver in /etc/resolv.conf (or each --server) about\n"
    "NAME, each question on its own: A and AAAA over UDP, each from its\n"
    "own socket; A and AAAA over TCP; A then AAAA from one socket, back to\n"
    "back, as glibc sends them (pair), and once more with AAAA sent only\n"
    "after A is answered, as glibc retries (seq); A with EDNS0 offering\n"
    "512, 1232 and 4096 octets; and the AAAA of ipv4only.arpa (RFC 7050),\n"
    "which only DNS64 answers. Everything is asked at once, so a run takes\n"
    "about one timeout at most. For each: the response code, the answers,\n"
    "the smallest TTL, the size, whether it was truncated (TC) and how long\n"
    "it took.\n"
    "\n"
    "Then what the answers say, each finding with its evidence, cause and\n"
    "fix: a server that does not answer and the stall it costs (resolv.conf's\n"
    "timeout times attempts); AAAA (or A) unanswered or slow while the\n"
    "other type is fine; the second of two queries from one socket lost\n"
    "(the fix: options single-request-reopen); answers truncated over UDP\n"
    "while TCP fails; EDNS0 refused, or large EDNS0 answers lost; DNS64\n"
    "and its prefix; SERVFAIL or REFUSED from one server but not another.\n"
    "The first line sums it up.\n"
    "\n"
    "  -4, -6               ask only the IPv4, or only the IPv6, servers\n"
    "      --server ADDR    a server to ask instead of resolv.conf's\n"
    "                       (repeatable, or comma-separated): 192.0.2.53,\n"
    "                       2001:db8::53, [2001:db8::53]:5353\n"
    "      --timeout TIME   how long to wait for every answer: 2s, 500ms,\n"
    "                       or plain seconds (default 2s)\n"
    "      --json           one JSON document\n"
    "  -q, --quiet          the summary line alone\n"
    "  -v, --verbose        as without -q: every answer and finding\n"
    "  -h, --help           this help\n"
    "\n"
    "dualstack resolve shows what the library's resolver makes of a name;\n"
    "this shows what each server, and the path to it, does with each\n"
    "question.\n"
    "\n"
    "Exit status: 0 nothing wrong (DNS64 is only noted), 1 a problem found,\n"
    "2 usage error, 3 system error.\n";

/* --- Words ------------------------------------------------------------------
 */

/* The text of evidence k of f, or "?" when it has none. */
static const char *
ev(const struct ds_finding *f, enum ds_evidence_key k, char *buf, size_t size)
{
	const struct ds_evidence *e = ds_finding_get(f, k);

	if (!e) {
		snprintf(buf, size, "?");
		return buf;
	}
	return cli_evidence_text(e, buf, size);
}

static const char *
other_type(const char *qtype)
{
	return strcmp(qtype, "A") == 0 ? "AAAA" : "A";
}

/* The finding's one-line headline. */
static void
headline(const struct ds_finding *f, char *out, size_t size)
{
	char srv[DS_ENDPOINT_STRLEN], a[DS_ENDPOINT_STRLEN],
	    b[DS_ENDPOINT_STRLEN], c[DS_ENDPOINT_STRLEN];
	const char *qt;

	cli_evidence_text(&f->subject, srv, sizeof(srv));
	qt = ev(f, DS_EVK_QTYPE, a, sizeof(a));
	switch (f->code) {
	case DS_FIND_DNS_SILENT:
		if (ds_finding_get(f, DS_EVK_STALL))
			snprintf(out, size,
			    "%s does not answer: every lookup that asks it "
			    "first waits %s",
			    srv, ev(f, DS_EVK_STALL, b, sizeof(b)));
		else
			snprintf(out, size, "%s does not answer (%s)", srv,
			    ev(f, DS_EVK_ERRNO, b, sizeof(b)));
		break;
	case DS_FIND_DNS_TYPE_LOST:
		snprintf(out, size,
		    "%s queries to %s get no answer (%s answers in %s)", qt,
		    srv, other_type(qt),
		    ev(f, DS_EVK_OTHER_ELAPSED, b, sizeof(b)));
		break;
	case DS_FIND_DNS_TYPE_SLOW:
		snprintf(out, size, "%s answers from %s take %s (%s %s)", qt,
		    srv, ev(f, DS_EVK_ELAPSED, b, sizeof(b)), other_type(qt),
		    ev(f, DS_EVK_OTHER_ELAPSED, c, sizeof(c)));
		break;
	case DS_FIND_DNS_PAIR_LOST:
		snprintf(out, size,
		    "%s loses the second of two queries sent from one "
		    "socket: glibc lookups stall %s",
		    srv, ev(f, DS_EVK_STALL, b, sizeof(b)));
		break;
	case DS_FIND_DNS_TRUNCATED_NO_TCP:
		snprintf(out, size,
		    "%s truncates the %s answer over UDP (%s octets) and "
		    "TCP fails (%s)",
		    srv, qt, ev(f, DS_EVK_SIZE, b, sizeof(b)),
		    ev(f, DS_EVK_ERRNO, c, sizeof(c)));
		break;
	case DS_FIND_DNS_TCP_FAILED:
		snprintf(out, size, "%s does not answer over TCP (%s)", srv,
		    ev(f, DS_EVK_ERRNO, b, sizeof(b)));
		break;
	case DS_FIND_DNS_EDNS_UNSUPPORTED:
		if (ds_finding_get(f, DS_EVK_RCODE))
			snprintf(out, size,
			    "%s answers %s to queries with EDNS0", srv,
			    ev(f, DS_EVK_RCODE, b, sizeof(b)));
		else
			snprintf(out, size,
			    "queries with EDNS0 to %s get no answer (%s)", srv,
			    ev(f, DS_EVK_ERRNO, b, sizeof(b)));
		break;
	case DS_FIND_DNS_EDNS_LARGE_LOST:
		snprintf(out, size,
		    "answers from %s are lost when EDNS0 offers %s octets "
		    "(%s works)",
		    srv, ev(f, DS_EVK_SIZE, b, sizeof(b)),
		    ev(f, DS_EVK_WORKS_AT, c, sizeof(c)));
		break;
	case DS_FIND_DNS_DNS64:
		snprintf(out, size,
		    "%s synthesises AAAA records (DNS64) with %s, %s", srv,
		    ev(f, DS_EVK_PREFIX, b, sizeof(b)),
		    ds_finding_bool(f, DS_EVK_WELL_KNOWN)
		        ? "the well-known prefix"
		        : "a network-specific prefix");
		break;
	case DS_FIND_DNS_RCODE:
		if (ds_finding_get(f, DS_EVK_ANSWERED_BY))
			snprintf(out, size,
			    "%s answers %s to %s%s; %s answers it", srv,
			    ev(f, DS_EVK_RCODE, b, sizeof(b)), qt,
			    ds_finding_uint(f, DS_EVK_COUNT, 1) > 1
			        ? " and AAAA"
			        : "",
			    ev(f, DS_EVK_ANSWERED_BY, c, sizeof(c)));
		else
			snprintf(out, size, "%s answers %s to %s%s", srv,
			    ev(f, DS_EVK_RCODE, b, sizeof(b)), qt,
			    ds_finding_uint(f, DS_EVK_COUNT, 1) > 1
			        ? " and AAAA"
			        : "");
		break;
	case DS_FIND_DNS_BAD_ANSWER:
		snprintf(out, size,
		    "%s sends a %s answer that is no answer (%s, %s octets)",
		    srv, qt, ev(f, DS_EVK_CODE, b, sizeof(b)),
		    ev(f, DS_EVK_SIZE, c, sizeof(c)));
		break;
	default:
		snprintf(out, size, "%s: %s", srv, ds_finding_token(f->code));
		break;
	}
}

struct words {
	enum ds_finding_code code;
	const char *cause;
	const char *fix;
};

static const struct words words[] = {
    {DS_FIND_DNS_SILENT,
        "nothing answers at this address: the server is down, the address "
        "is wrong, or a firewall drops DNS to it. glibc asks it, in "
        "resolv.conf's order, and waits its timeout for every try",
        "remove it from resolv.conf (or from what writes it: DHCP, "
        "NetworkManager, systemd-resolved), or make it answer; a dead "
        "server must not be listed first"},
    {DS_FIND_DNS_TYPE_LOST,
        "a filter or a broken server drops queries of this type while it "
        "answers the other; a client waits its whole timeout for it",
        "let the type through (firewalls that drop AAAA queries, old "
        "load balancers), or fix the server"},
    {DS_FIND_DNS_TYPE_SLOW,
        "the server (or a forwarder behind it) answers this type late; "
        "Happy Eyeballs clients stop waiting after 50 ms (RFC 8305), "
        "others wait for it",
        "find what delays it: a forwarder upstream that times out on this "
        "type, a rate limit, a filter"},
    {DS_FIND_DNS_PAIR_LOST,
        "a stateful firewall or NAT keeps one entry per UDP source port and "
        "drops the second query glibc sends from the same socket right "
        "after the first (A and AAAA); glibc waits a timeout, then asks "
        "again one at a time from that socket, and when the second is lost "
        "again (seq AAAA), waits another and opens a new socket",
        "add 'options single-request-reopen' to /etc/resolv.conf (each "
        "query from its own socket; single-request, which keeps one, is "
        "not enough here), or fix the middlebox"},
    {DS_FIND_DNS_TRUNCATED_NO_TCP,
        "the answer does not fit in a UDP message, so the client must ask "
        "again over TCP (RFC 7766), and TCP port 53 to this server is "
        "blocked or not served",
        "allow TCP port 53 to the server (RFC 7766 makes TCP mandatory), "
        "or serve smaller answers"},
    {DS_FIND_DNS_TCP_FAILED,
        "TCP port 53 is blocked or not served; any answer too large for "
        "UDP will fail",
        "allow TCP port 53 to the server (RFC 7766)"},
    {DS_FIND_DNS_EDNS_UNSUPPORTED,
        "the server or a middlebox rejects or drops queries with an OPT "
        "record (RFC 6891); resolvers that send EDNS0 ('options edns0', "
        "most stub resolvers but glibc's) fail or fall back slowly",
        "update the server, or remove the middlebox's DNS inspection"},
    {DS_FIND_DNS_EDNS_LARGE_LOST,
        "answers larger than the path MTU are fragmented, and the "
        "fragments are dropped on the way",
        "let IP fragments through, or have the server cap its EDNS0 "
        "buffer at 1232 octets (DNS Flag Day 2020)"},
    {DS_FIND_DNS_DNS64,
        "the server synthesises AAAA records from A records (RFC 6147): "
        "IPv6-only clients reach IPv4 servers through NAT64",
        "nothing, if intended; a dual-stack host behind it may prefer the "
        "synthesised IPv6 path over native IPv4"},
    {DS_FIND_DNS_RCODE,
        "the server cannot (SERVFAIL: an upstream or DNSSEC failure) or "
        "will not (REFUSED: not allowed to recurse for this client) answer",
        "fix the server's upstream or its access list, or remove it from "
        "resolv.conf; glibc moves on to the next server, after a try"},
    {DS_FIND_DNS_BAD_ANSWER,
        "the answer does not parse: a broken server or a middlebox that "
        "rewrites DNS",
        "capture the answer (dualstack dissect) and fix what sends it"},
};

static const struct words *
words_of(enum ds_finding_code code)
{
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (words[i].code == code)
			return &words[i];
	return NULL;
}

/* --- Running ---------------------------------------------------------------
 */

struct server {
	struct ds_endpoint ep;
	struct ds_dnsq *q[DS_DNSQ_CHECKS]; /* the pair shares one */
	struct ds_dnsq_server_report rep;
};

struct run {
	struct ds_loop *loop;
	unsigned pending;
	struct server *srv;
	size_t n_srv;
	const char *name;
	uint64_t timeout_us;
	bool started_all; /* the second phase is under way */
	int err;          /* why a start failed */
	unsigned started; /* queries started, for the summary */
	int signo;        /* SIGINT or SIGTERM stopped the run */
};

/*
 * The sequential replay (seq-a, seq-aaaa) goes first, alone: glibc sends
 * its second query right after the first answer, on a quiet socket, and a
 * middlebox that drops a second query within a few milliseconds must see
 * it as soon as glibc's would come, not behind a burst of the other
 * questions. The rest start this long after.
 */
#define SEQ_HEAD_START_MS 100

static void
on_done(struct ds_dnsq *q, void *userdata)
{
	struct run *run = userdata;

	(void)q;
	if (--run->pending == 0 && run->started_all)
		ds_loop_stop(run->loop, 0);
}

/* Start the checks at s of one phase (0: the sequential replay; 1: the
 * others); returns 0 or -errno. */
static int
start(struct run *run, struct server *s, const char *name, uint64_t timeout_us,
    int phase)
{
	for (unsigned c = 0; c < DS_DNSQ_CHECKS; c++) {
		struct ds_dnsq_opts o = {
		    .server = s->ep, .timeout_us = timeout_us};
		int err;

		if (c == DS_DNSQ_CHECK_PAIR_AAAA || c == DS_DNSQ_CHECK_SEQ_AAAA)
			continue; /* asked with PAIR_A, SEQ_A */
		if ((c == DS_DNSQ_CHECK_SEQ_A) != (phase == 0))
			continue;
		(void)ds_dnsq_check_query(
		    c, &o.qtypes[0], &o.transport, &o.edns_size);
		o.n_qtypes = 1;
		o.name = c == DS_DNSQ_CHECK_DNS64 ? DNS64_NAME : name;
		if (c == DS_DNSQ_CHECK_PAIR_A || c == DS_DNSQ_CHECK_SEQ_A) {
			/* glibc's order: A first, then AAAA
			 * (res_send.c). */
			o.qtypes[1] = DS_DNSQ_TYPE_AAAA;
			o.n_qtypes = 2;
			o.sequential = c == DS_DNSQ_CHECK_SEQ_A;
		}
		err = ds_dnsq_new(run->loop, &o, on_done, run, &s->q[c]);
		if (err < 0)
			return err;
		run->pending++;
		run->started++;
	}
	s->q[DS_DNSQ_CHECK_PAIR_AAAA] = NULL;
	s->q[DS_DNSQ_CHECK_SEQ_AAAA] = NULL;
	return 0;
}

static void
on_phase(struct ds_timer *t, void *userdata)
{
	struct run *run = userdata;

	(void)t;
	run->started_all = true;
	for (size_t i = 0; i < run->n_srv && run->err == 0; i++)
		run->err =
		    start(run, &run->srv[i], run->name, run->timeout_us, 1);
	if (run->err < 0 || run->pending == 0)
		ds_loop_stop(run->loop, 0);
}

/* A one-shot client stopped by SIGINT or SIGTERM: 128 + the signal, after
 * a summary (dualstack(1), EXIT STATUS). */
static void
on_signal(struct ds_signal *sig, int signo, void *userdata)
{
	struct run *run = userdata;

	(void)sig;
	run->signo = signo;
	ds_loop_stop(run->loop, 0);
}

/* Copy the outcomes into the report. */
static void
collect(struct server *s)
{
	s->rep.server = s->ep;
	for (unsigned c = 0; c < DS_DNSQ_CHECKS; c++) {
		const struct ds_dnsq_result *r = NULL;

		if (c == DS_DNSQ_CHECK_PAIR_AAAA)
			r = ds_dnsq_get(s->q[DS_DNSQ_CHECK_PAIR_A], 1);
		else if (c == DS_DNSQ_CHECK_SEQ_AAAA)
			r = ds_dnsq_get(s->q[DS_DNSQ_CHECK_SEQ_A], 1);
		else
			r = ds_dnsq_get(s->q[c], 0);
		if (!r)
			continue;
		s->rep.asked[c] = true;
		s->rep.r[c] = *r;
	}
}

/* --- Reporting -------------------------------------------------------------
 */

/* A short, stable word for an outcome. */
static const char *
status_word(int status, char *buf, size_t size)
{
	switch (-status) {
	case 0:
		return "ok";
	case ETIMEDOUT:
		return "timeout";
	case DS_E_DNSQ_SHORT:
		return "short";
	case DS_E_DNSQ_NOT_RESPONSE:
		return "not-response";
	case DS_E_DNSQ_BADRESP:
		return "malformed";
	case DS_E_DNSQ_MISMATCH:
		return "mismatch";
	case DS_E_DNSQ_CLOSED:
		return "closed";
	default:
		return cli_errno_name(status, buf, size);
	}
}

static const char *
check_label(unsigned c)
{
	static const char *const labels[DS_DNSQ_CHECKS] = {
	    [DS_DNSQ_CHECK_UDP_A] = "udp A",
	    [DS_DNSQ_CHECK_UDP_AAAA] = "udp AAAA",
	    [DS_DNSQ_CHECK_TCP_A] = "tcp A",
	    [DS_DNSQ_CHECK_TCP_AAAA] = "tcp AAAA",
	    [DS_DNSQ_CHECK_PAIR_A] = "pair A",
	    [DS_DNSQ_CHECK_PAIR_AAAA] = "pair AAAA",
	    [DS_DNSQ_CHECK_EDNS_512] = "edns 512 A",
	    [DS_DNSQ_CHECK_EDNS_1232] = "edns 1232 A",
	    [DS_DNSQ_CHECK_EDNS_4096] = "edns 4096 A",
	    [DS_DNSQ_CHECK_DNS64] = "dns64 AAAA",
	    [DS_DNSQ_CHECK_SEQ_A] = "seq A",
	    [DS_DNSQ_CHECK_SEQ_AAAA] = "seq AAAA",
	};

	return labels[c];
}

static void
print_check(const struct ds_dnsq_server_report *rep, unsigned c)
{
	const struct ds_dnsq_result *r = &rep->r[c];
	char num[32];

	printf("  %-12s", check_label(c));
	if (r->status != 0) {
		printf("%-9s %-30s %9.1f ms\n",
		    status_word(r->status, num, sizeof(num)), "",
		    (double)r->elapsed_us / 1e3);
		return;
	}
	snprintf(num, sizeof(num), "%zu answer%s ttl %u", r->reply.n_addrs,
	    r->reply.n_addrs == 1 ? "" : "s", r->reply.min_ttl);
	printf("%-9s %-19s %5zu oct%s %6.1f ms\n",
	    ds_dnsq_rcode_name(r->reply.rcode), r->reply.rcode == 0 ? num : "",
	    r->raw_len, r->reply.tc ? " TC" : "   ",
	    (double)r->elapsed_us / 1e3);
}

/* "  label: text", words wrapped at 78 columns, later lines indented
 * under the text. */
static void
print_wrapped(const char *label, const char *text)
{
	size_t indent = strlen(label) + 4, col = 0;
	const char *p = text;

	printf("  %s: ", label);
	col = indent;
	while (*p) {
		size_t w = strcspn(p, " ");

		if (col > indent && col + 1 + w > 78) {
			printf("\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			putchar(' ');
			col++;
		}
		printf("%.*s", (int)w, p);
		col += w;
		p += w;
		while (*p == ' ')
			p++;
	}
	putchar('\n');
}

static void
report_text(const char *summary, const struct server *srv, size_t n,
    const struct ds_finding *f, size_t nf)
{
	char ep[DS_ENDPOINT_STRLEN], line[512];

	printf("%s\n", summary);
	if (cli_quiet())
		return;
	for (size_t i = 0; i < n; i++) {
		ds_endpoint_format(&srv[i].ep, 0, ep, sizeof(ep));
		printf("\nserver %s\n", ep);
		for (unsigned c = 0; c < DS_DNSQ_CHECKS; c++)
			if (srv[i].rep.asked[c])
				print_check(&srv[i].rep, c);
	}
	if (nf)
		printf("\n");
	for (size_t i = 0; i < nf; i++) {
		const struct words *w = words_of(f[i].code);

		headline(&f[i], line, sizeof(line));
		printf("%s %s: %s\n", ds_severity_token(f[i].severity),
		    ds_finding_token(f[i].code), line);
		if (w) {
			print_wrapped("cause", w->cause);
			if (f[i].code == DS_FIND_DNS_PAIR_LOST &&
			    ds_finding_bool(&f[i], DS_EVK_MITIGATED))
				print_wrapped("fix",
				    "in place (resolv.conf's "
				    "options avoid it)");
			else if (f[i].code == DS_FIND_DNS_PAIR_LOST &&
			    ds_finding_uint(&f[i], DS_EVK_COUNT, 1) < 2)
				print_wrapped("fix",
				    "add 'options single-request' or "
				    "'single-request-reopen' to "
				    "/etc/resolv.conf, or fix the middlebox");
			else
				print_wrapped("fix", w->fix);
		}
	}
}

static void
report_json(const char *name, const char *summary, uint64_t timeout_us,
    const struct ds_resolv_options *ro, const struct server *srv, size_t n,
    const struct ds_finding *f, size_t nf)
{
	struct json j;

	json_init(&j, stdout, true);
	json_begin_object(&j);
	json_kv_string(&j, "name", name);
	json_kv_string(&j, "summary", summary);
	json_kv_u64(&j, "timeout_ms", cli_us_to_ms(timeout_us));
	json_key(&j, "resolv_conf");
	json_begin_object(&j);
	json_kv_u64(&j, "timeout_s", ro->timeout_s);
	json_kv_u64(&j, "attempts", ro->attempts);
	json_kv_bool(&j, "single_request",
	    ro->single_request || ro->single_request_reopen);
	json_end(&j);
	json_key(&j, "servers");
	json_begin_array(&j);
	for (size_t i = 0; i < n; i++) {
		json_begin_object(&j);
		json_kv_endpoint(&j, "server", &srv[i].ep);
		json_key(&j, "checks");
		json_begin_array(&j);
		for (unsigned c = 0; c < DS_DNSQ_CHECKS; c++) {
			const struct ds_dnsq_result *r = &srv[i].rep.r[c];
			enum ds_dnsq_transport t;
			uint16_t edns;
			char num[32];

			if (!srv[i].rep.asked[c])
				continue;
			(void)ds_dnsq_check_query(c, NULL, &t, &edns);
			json_begin_object(&j);
			json_kv_string(&j, "check", ds_dnsq_check_token(c));
			json_kv_string(
			    &j, "transport", ds_dnsq_transport_name(t));
			json_kv_string(
			    &j, "qtype", ds_dnsq_type_name(r->qtype));
			json_kv_u64(&j, "edns", edns);
			json_kv_string(&j, "status",
			    status_word(r->status, num, sizeof(num)));
			json_kv_ms(&j, "elapsed_ms", r->elapsed_us);
			if (r->status == 0) {
				size_t k = r->reply.n_addrs;

				json_kv_string(&j, "rcode",
				    ds_dnsq_rcode_name(r->reply.rcode));
				json_kv_bool(&j, "tc", r->reply.tc);
				json_kv_u64(&j, "size", r->raw_len);
				json_kv_u64(&j, "count", r->reply.n_addrs);
				json_kv_u64(&j, "ttl", r->reply.min_ttl);
				json_key(&j, "answers");
				json_begin_array(&j);
				if (k > DS_DNSQ_ADDRS_MAX)
					k = DS_DNSQ_ADDRS_MAX;
				for (size_t a = 0; a < k; a++) {
					json_begin_object(&j);
					json_kv_addr(
					    &j, "address", &r->addrs[a].addr);
					json_kv_u64(&j, "ttl", r->addrs[a].ttl);
					json_end(&j);
				}
				json_end(&j);
			}
			json_end(&j);
		}
		json_end(&j);
		json_end(&j);
	}
	json_end(&j);
	json_key(&j, "findings");
	json_begin_array(&j);
	for (size_t i = 0; i < nf; i++)
		json_finding(&j, &f[i]);
	json_end(&j);
	json_end(&j);
	json_finish(&j);
}

/* resolv.conf into *ret_text (NULL when it cannot be read: glibc then
 * uses its defaults). */
static void
read_resolv_conf(const char *path, char **ret_text, size_t *ret_len)
{
	char *buf = malloc(RESOLV_CONF_MAX);
	size_t len = 0;
	int fd;

	*ret_text = NULL;
	*ret_len = 0;
	if (!buf)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		free(buf);
		return;
	}
	while (len < RESOLV_CONF_MAX) {
		ssize_t n = read(fd, buf + len, RESOLV_CONF_MAX - len);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	*ret_text = buf;
	*ret_len = len;
}

static int
cmd_dns(int argc, char **argv)
{
	enum { O_SERVER = 256, O_TIMEOUT, O_JSON };
	static const struct option opts[] = {
	    {"server", required_argument, NULL, O_SERVER},
	    {"timeout", required_argument, NULL, O_TIMEOUT},
	    {"json", no_argument, NULL, O_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static struct ds_endpoint given[CLI_DNS_SERVERS_MAX];
	static struct server srv[CLI_DNS_SERVERS_MAX];
	static struct ds_finding findings[FINDINGS_MAX];
	static struct ds_dnsq_server_report reps[CLI_DNS_SERVERS_MAX];
	struct ds_endpoint conf[DS_RESOLV_MAXNS];
	struct ds_resolv_options ro;
	struct ds_dnsq_diag_opts dopts;
	struct ds_loop *loop = NULL;
	struct ds_timer *phase = NULL;
	struct ds_signal *sigint = NULL, *sigterm = NULL;
	struct run run = {0};
	uint64_t start_us = ds_time_now_us();
	size_t n_given = 0, n_srv = 0, nf = 0, len;
	uint64_t timeout_us = DS_DNSQ_TIMEOUT_DEFAULT_US;
	int family = 0, c, err, code = EXIT_OK, n;
	bool json = false, problem = false;
	char summary[512], *text;
	uint64_t us;

	optind = 1;
	opterr = 0;
	while ((c = cli_getopt(&cli_cmd_dns, argc, argv, "h46", opts)) != -1) {
		switch (c) {
		case 'h':
			cli_usage(stdout, &cli_cmd_dns);
			fputs(help_text, stdout);
			return cli_finish_stdout(EXIT_OK);
		case '4':
			family = AF_INET;
			break;
		case '6':
			family = AF_INET6;
			break;
		case O_SERVER: {
			size_t got = 0;

			code = cli_parse_dns_servers(&cli_cmd_dns, optarg,
			    given + n_given, CLI_DNS_SERVERS_MAX - n_given,
			    &got);
			if (code != 0)
				return code;
			n_given += got;
			break;
		}
		case O_TIMEOUT:
			if (cli_parse_duration(optarg, CLI_S,
			        MAX_TIMEOUT_S * CLI_S, &us) < 0 ||
			    us < 1000)
				return cli_usage_error(&cli_cmd_dns,
				    "--timeout takes a duration from 1ms to "
				    "60s (2s, 500ms; plain: seconds), not "
				    "'%s'",
				    optarg);
			timeout_us = us;
			break;
		case O_JSON:
			json = true;
			break;
		default:
			return cli_usage_error(&cli_cmd_dns,
			    "unknown option or missing value: '%s'",
			    argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		return cli_usage_error(&cli_cmd_dns,
		    argc ? "too many arguments" : "give a name to ask about");
	if (argv[0][0] == '\0' || strlen(argv[0]) > 253)
		return cli_usage_error(&cli_cmd_dns,
		    "'%s': not a name (empty, or over 253 characters)",
		    argv[0]);

	/* resolv.conf gives the servers (unless --server does) and what a
	 * silent one costs: its timeout and attempts, as glibc reads them. */
	ds_resolv_options_init(&ro);
	read_resolv_conf("/etc/resolv.conf", &text, &len);
	n = 0;
	if (text) {
		(void)ds_resolv_conf_parse(&ro, text, len);
		n = ds_resolv_conf_nameservers(
		    text, len, conf, DS_RESOLV_MAXNS);
		free(text);
	}
	if (n_given == 0) {
		if (n <= 0) {
			/* glibc's default when resolv.conf names none
			 * (res_init.c): the local host. */
			ds_addr_from_v4(0x7f000001u, &conf[0].addr);
			conf[0].port = 53;
			n = 1;
		}
		memcpy(given, conf, (size_t)n * sizeof(conf[0]));
		n_given = (size_t)n;
	}
	for (size_t i = 0; i < n_given; i++)
		if (family == 0 || given[i].addr.family == family)
			srv[n_srv++].ep = given[i];
	if (n_srv == 0) {
		cli_error(
		    "no %s server to ask", family == AF_INET ? "IPv4" : "IPv6");
		return EXIT_FAILED;
	}

	err = ds_loop_new(&loop);
	if (err < 0) {
		cli_error("event loop: %s", ds_strerror(err));
		return EXIT_INTERNAL;
	}
	run.loop = loop;
	run.srv = srv;
	run.n_srv = n_srv;
	run.name = argv[0];
	run.timeout_us = timeout_us;
	err = ds_timer_new(loop, on_phase, &run, &phase);
	if (err < 0) {
		cli_error("timer: %s", ds_strerror(err));
		code = EXIT_INTERNAL;
		goto out;
	}
	ds_timer_start_in(phase, SEQ_HEAD_START_MS * 1000);
	if (ds_signal_new(loop, SIGINT, on_signal, &run, &sigint) < 0 ||
	    ds_signal_new(loop, SIGTERM, on_signal, &run, &sigterm) < 0) {
		cli_error("cannot watch SIGINT/SIGTERM");
		code = EXIT_INTERNAL;
		goto out;
	}
	for (size_t i = 0; i < n_srv; i++) {
		err = start(&run, &srv[i], argv[0], timeout_us, 0);
		if (err == -DS_E_DNSQ_NAME || err == -EINVAL) {
			code = cli_usage_error(&cli_cmd_dns,
			    "'%s': not a name a DNS query can carry", argv[0]);
			goto out;
		}
		if (err < 0) {
			char ep[DS_ENDPOINT_STRLEN];

			ds_endpoint_format(&srv[i].ep, 0, ep, sizeof(ep));
			cli_error("cannot ask %s: %s", ep, ds_strerror(err));
			code = EXIT_INTERNAL;
			goto out;
		}
	}
	err = ds_loop_run(loop);
	if (run.signo) {
		code = cli_interrupted(run.signo, ds_time_now_us() - start_us,
		    "%u of %u queries answered or timed out",
		    run.started - run.pending, run.started);
		goto out;
	}
	if (err == 0)
		err = run.err;
	if (err == -DS_E_DNSQ_NAME || err == -EINVAL) {
		code = cli_usage_error(&cli_cmd_dns,
		    "'%s': not a name a DNS query can carry", argv[0]);
		goto out;
	}
	if (err < 0) {
		cli_error("cannot ask: %s", ds_strerror(err));
		code = EXIT_INTERNAL;
		goto out;
	}
	for (size_t i = 0; i < n_srv; i++) {
		collect(&srv[i]);
		reps[i] = srv[i].rep;
	}
	memset(&dopts, 0, sizeof(dopts));
	dopts.timeout_s = ro.timeout_s;
	dopts.attempts = ro.attempts;
	dopts.single_request = ro.single_request;
	dopts.single_request_reopen = ro.single_request_reopen;
	n = ds_dnsq_diagnose(reps, n_srv, &dopts, findings, FINDINGS_MAX);
	nf = n < 0 ? 0 : (size_t)n > FINDINGS_MAX ? FINDINGS_MAX : (size_t)n;

	/* The summary: the worst finding's headline, else all is well. */
	{
		const struct ds_finding *worst = NULL;

		for (size_t i = 0; i < nf; i++) {
			if (findings[i].severity >= DS_SEV_WARNING)
				problem = true;
			if (!worst || findings[i].severity > worst->severity)
				worst = &findings[i];
		}
		if (worst && worst->severity >= DS_SEV_WARNING)
			headline(worst, summary, sizeof(summary));
		else
			snprintf(summary, sizeof(summary),
			    "%zu server%s answer%s A and AAAA for %s over UDP "
			    "and TCP: no problem found",
			    n_srv, n_srv == 1 ? "" : "s", n_srv == 1 ? "s" : "",
			    argv[0]);
	}
	if (json)
		report_json(argv[0], summary, timeout_us, &ro, srv, n_srv,
		    findings, nf);
	else
		report_text(summary, srv, n_srv, findings, nf);
	code = problem ? EXIT_FAILED : EXIT_OK;
out:
	for (size_t i = 0; i < n_srv; i++)
		for (unsigned k = 0; k < DS_DNSQ_CHECKS; k++)
			srv[i].q[k] = ds_dnsq_free(srv[i].q[k]);
	ds_timer_free(phase);
	ds_signal_free(sigint);
	ds_signal_free(sigterm);
	ds_loop_free(loop);
	return cli_finish_stdout(code);
}
