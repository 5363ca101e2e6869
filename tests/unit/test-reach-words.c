/* SPDX-License-Identifier: MIT */
/*
 * The words of "dualstack reach" (src/cmd-reach-words.c), built into this
 * test on their own: every value the library names -- outcomes, ERR
 * codes, verdicts, refusal reasons, checker events, agent events, local
 * failures, address blocks, finding codes -- has a machine token in the
 * library and words here; and the words say what they should: the
 * refusals as the checker sends and logs them, the agent's flow and
 * failures, the phrases of unfit addresses, and the diagnosis made from
 * the findings of a report.
 *
 * The words file is compiled into this program from src/ (meson: the
 * same source list as the program), rather than the test linking the
 * whole CLI: it needs nothing but the library, and a test of it cannot
 * drift from what the program says.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"
#include "dualstack/finding.h"
#include "dualstack/reach.h"

#include "cmd-reach-words.h"
#include "reach-report.h"

static struct ds_addr
addr(const char *s)
{
	struct ds_addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(ds_addr_parse(s, strlen(s), 0, &a, NULL), 0);
	return a;
}

/* A phrase: there, not empty, no printf accident in it. */
static void
assert_phrase(const char *what, unsigned v, const char *p)
{
	if (!p || !*p || strstr(p, "(null)"))
		fail_msg("%s %u: no words (\"%s\")", what, v, p ? p : "NULL");
}

/* A token from the library: there, and not the out-of-range answer. */
static void
assert_token(const char *what, unsigned v, const char *t)
{
	if (!t || !*t || strcmp(t, "unknown") == 0)
		fail_msg("%s %u: no token", what, v);
}

/* --- Every value has a token and words ------------------------------------ */

static void
test_every_value(void **state)
{
	char buf[2048];

	(void)state;
	for (unsigned o = 1; o < DS_REACH__OUTCOME_END; o++) {
		assert_token("outcome", o, ds_reach_outcome_name(o));
		assert_phrase("outcome", o, reach_outcome_words(o));
		assert_phrase("outcome meaning", o, reach_outcome_meaning(o));
	}
	assert_null(reach_outcome_words(DS_REACH__OUTCOME_END));
	for (unsigned e = 1; e < DS_REACH__ERR_END; e++) {
		assert_token("err", e, ds_reach_err_name(e));
		assert_phrase("err", e, reach_err_explanation(e));
	}
	assert_null(reach_err_explanation(DS_REACH__ERR_END));
	for (unsigned v = 1; v < DS_REACH__VERDICT_END; v++) {
		assert_token("verdict", v, ds_reach_verdict_name(v));
		assert_phrase("verdict", v, reach_verdict_words(v));
	}
	assert_null(reach_verdict_words(DS_REACH__VERDICT_END));
	for (unsigned w = 1; w < DS_REACH__WHY_END; w++) {
		struct ds_reach_refusal rf = {.why = w,
		    .code = ds_reach_why_code(w),
		    .target = addr("2001:db8::1"),
		    .from = addr("2001:db8::2"),
		    .block = DS_KIND_DOCUMENTATION,
		    .family = AF_INET6,
		    .column = 7,
		    .count = 5,
		    .port = 80,
		    .limit = 4,
		    .err = -ENOMEM};

		assert_token("why", w, ds_reach_why_name(w));
		assert_true(reach_refusal_text(&rf, buf, sizeof(buf)) > 0);
		assert_phrase("why", w, buf);
	}
	assert_int_equal(
	    reach_refusal_text(
	        &(struct ds_reach_refusal){.why = DS_REACH__WHY_END}, buf,
	        sizeof(buf)),
	    0);
	for (unsigned k = 1; k < DS_REACH__EV_END; k++) {
		struct ds_reach_event ev = {.kind = k};

		ev.refusal.why = DS_REACH_WHY_NO_MEMORY;
		assert_token("event", k, ds_reach_event_name(k));
		assert_true(reach_event_text(&ev, buf, sizeof(buf)) > 0);
		assert_phrase("event", k, buf);
	}
	/* An address block's token is dualstack addr's; an unfit address
	 * of any block has words, on either family. */
	for (unsigned k = DS_KIND_UNSPECIFIED; k <= DS_KIND_OTHER; k++) {
		assert_non_null(ds_addr_kind_name(k));
		assert_phrase("block", k, reach_unfit_phrase(k, AF_INET6));
		assert_phrase("block", k, reach_unfit_phrase(k, AF_INET));
	}
	for (unsigned k = 1; k < DS_REACH__AG_END; k++) {
		struct ds_reach_fault fault = {.what = DS_REACH_FAIL_CLOSED};
		struct ds_reach_agent_event ev = {.kind = k,
		    .token = "0123456789abcdef0123456789abcdef",
		    .text = "words",
		    .fault = &fault};

		assert_token("agent event", k, ds_reach_agent_event_name(k));
		assert_true(reach_agent_event_text(
		                &ev, "server", buf, sizeof(buf)) > 0);
		assert_phrase("agent event", k, buf);
	}
	assert_int_equal(
	    reach_agent_event_text(
	        &(struct ds_reach_agent_event){.kind = DS_REACH__AG_END}, NULL,
	        buf, sizeof(buf)),
	    0);
	for (unsigned w = 1; w < DS_REACH__FAIL_END; w++) {
		struct ds_reach_fault f = {.what = w,
		    .err = -ECONNREFUSED,
		    .addr = addr("2001:db8::1"),
		    .family = AF_INET6,
		    .block = DS_KIND_LOOPBACK,
		    .n = 3,
		    .of = 5,
		    .step = "bind"};

		assert_token("failure", w, ds_reach_failure_name(w));
		assert_true(reach_fault_text(
		                &f, "server", "words", buf, sizeof(buf)) > 0);
		assert_phrase("failure", w, buf);
	}
	assert_int_equal(
	    reach_fault_text(
	        &(struct ds_reach_fault){.what = DS_REACH__FAIL_END}, NULL,
	        NULL, buf, sizeof(buf)),
	    0);
	/* A finding of any code, alone, says something. */
	for (unsigned c = DS_FIND_REACH_REACHABLE; c < DS_FIND__REACH_END;
	     c++) {
		struct ds_finding f;

		ds_finding_init(&f, c, DS_SEV_ERROR);
		assert_token("finding", c, ds_finding_token(c));
		assert_true(reach_diagnosis_text(
		                NULL, NULL, &f, 1, buf, sizeof(buf)) > 0);
		assert_phrase("finding", c, buf);
	}
}

/* --- The checker's words ----------------------------------------------------
 */

static void
assert_refusal(const struct ds_reach_refusal *rf, const char *want)
{
	char buf[512];
	int n = reach_refusal_text(rf, buf, sizeof(buf));

	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
	/* snprintf semantics. */
	assert_int_equal(reach_refusal_text(rf, buf, 5), n);
	assert_int_equal(strlen(buf), 4);
}

static void
test_refusals(void **state)
{
	struct ds_reach_refusal rf;
	struct ds_prefix net = {.addr = addr("198.51.100.0"), .len = 24};

	(void)state;
	memset(&rf, 0, sizeof(rf));
	rf.why = DS_REACH_WHY_PORT_LOW;
	rf.port = 80;
	assert_refusal(
	    &rf, "port 80: this checker tests ports 1024 to 65535 only");
	rf.why = DS_REACH_WHY_BUSY_SOURCE;
	rf.limit = 16;
	rf.net = net;
	assert_refusal(&rf,
	    "16 control connections from 198.51.100.0/24 are open already");
	rf.why = DS_REACH_WHY_RATE_TARGET;
	assert_refusal(
	    &rf, "198.51.100.0/24 has had its 16 test connections this minute");
	rf.why = DS_REACH_WHY_SYNTAX_FIELD;
	rf.column = 14;
	rf.err = -DS_E_ZONE_NOT_ALLOWED;
	assert_refusal(&rf, "column 14: zone ID not allowed here");
	memset(&rf, 0, sizeof(rf));
	rf.why = DS_REACH_WHY_TARGET_UNFIT;
	rf.target = addr("fe80::1");
	rf.block = DS_KIND_LINK_LOCAL;
	assert_refusal(&rf,
	    "link-local (fe80::/10): it cannot be reached from another link");
	rf.why = DS_REACH_WHY_CLAIMED_ELSEWHERE;
	rf.target = addr("2001:db8::1");
	rf.from = addr("192.0.2.7");
	assert_refusal(&rf,
	    "the claim came from 192.0.2.7, not from the target 2001:db8::1: "
	    "send it from the target address");
	rf.why = DS_REACH_WHY_BUSY_CHECK;
	rf.family = AF_INET;
	assert_refusal(&rf, "an IPv4 check from 192.0.2.7 is running already");
}

/* What failed on the agent's side, and its flow, in its words. */
static void
test_agent_words(void **state)
{
	struct ds_reach_fault f;
	struct ds_reach_agent_event ev;
	char buf[512];

	(void)state;
	memset(&f, 0, sizeof(f));
	f.what = DS_REACH_FAIL_LISTEN;
	f.err = -EADDRINUSE;
	assert_int_equal(
	    ds_endpoint_parse("[2001:db8::1]:8080", 18, 0, &f.ep, NULL), 0);
	f.step = "bind";
	reach_fault_text(&f, NULL, NULL, buf, sizeof(buf));
	assert_string_equal(buf,
	    "cannot listen on [2001:db8::1]:8080: bind: "
	    "Address already in use");
	f.step = NULL;
	reach_fault_text(&f, NULL, NULL, buf, sizeof(buf));
	assert_string_equal(buf,
	    "cannot listen on [2001:db8::1]:8080: "
	    "Address already in use");
	memset(&f, 0, sizeof(f));
	f.what = DS_REACH_FAIL_NOT_CHECKER;
	reach_fault_text(&f, "example.net", NULL, buf, sizeof(buf));
	assert_string_equal(
	    buf, "example.net did not greet like a reach checker");
	f.what = DS_REACH_FAIL_VERSION;
	f.n = 3;
	f.of = DS_REACH_VERSION;
	reach_fault_text(&f, NULL, NULL, buf, sizeof(buf));
	assert_string_equal(buf,
	    "the checker speaks reach protocol version 3, "
	    "this agent speaks 2");
	f.what = DS_REACH_FAIL_OUT_OF_TURN;
	reach_fault_text(&f, NULL, "RESULT reachable 1/1", buf, sizeof(buf));
	assert_string_equal(
	    buf, "the checker sent a line out of turn: RESULT reachable 1/1");

	memset(&ev, 0, sizeof(ev));
	ev.kind = DS_REACH_AG_CONTROL;
	assert_int_equal(
	    ds_endpoint_parse("192.0.2.1:4646", 14, 0, &ev.peer, NULL), 0);
	assert_int_equal(
	    ds_endpoint_parse("192.0.2.7:50000", 15, 0, &ev.local, NULL), 0);
	ev.connect_us = 1250;
	reach_agent_event_text(&ev, NULL, buf, sizeof(buf));
	assert_string_equal(buf,
	    "control connection to 192.0.2.1:4646 over "
	    "IPv4, from 192.0.2.7:50000, in 1.25ms");
	memset(&ev, 0, sizeof(ev));
	ev.kind = DS_REACH_AG_ATTEMPT;
	ev.number = 2;
	ev.outcome = DS_REACH_PROHIBITED;
	ev.ms = 1003;
	ev.err = -EACCES;
	reach_agent_event_text(&ev, NULL, buf, sizeof(buf));
	assert_string_equal(
	    buf, "attempt 2: prohibited after 1.00s (Permission denied)");
	ev.kind = DS_REACH_AG_RETURNED;
	ev.n = 1;
	reach_agent_event_text(&ev, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "returned 1 token");
	ev.port_only = true;
	reach_agent_event_text(&ev, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "port only: no tokens to return");
	memset(&ev, 0, sizeof(ev));
	ev.kind = DS_REACH_AG_UNRESOLVED;
	ev.family = AF_INET;
	reach_agent_event_text(&ev, "example.net", buf, sizeof(buf));
	assert_string_equal(
	    buf, "no usable IPv4 address for example.net (no route)");
	memset(&f, 0, sizeof(f));
	f.what = DS_REACH_FAIL_TIMEOUT;
	f.n = 30000;
	ev.kind = DS_REACH_AG_FAILED;
	ev.fault = &f;
	reach_agent_event_text(&ev, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "failed: no complete report within 30.0s");
}

static void
test_events(void **state)
{
	struct ds_reach_event ev;
	char buf[512];

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.agent.addr = addr("2001:db8::2");
	ev.agent.port = 51000;
	ev.kind = DS_REACH_EV_STARTED;
	assert_int_equal(
	    ds_endpoint_parse("[2001:db8::2]:40123", 19, 0, &ev.target, NULL),
	    0);
	ev.count = 1;
	ev.port_only = true;
	reach_event_text(&ev, buf, sizeof(buf));
	assert_string_equal(buf,
	    "check from 2001:db8::2 started: "
	    "[2001:db8::2]:40123, 1 connection, port only");
	ev.kind = DS_REACH_EV_ENDED;
	ev.verdict = DS_REACH_PARTIAL;
	ev.delivered = 2;
	ev.count = 5;
	reach_event_text(&ev, buf, sizeof(buf));
	assert_string_equal(buf,
	    "check from 2001:db8::2 ended: "
	    "[2001:db8::2]:40123 partial 2/5");
	ev.kind = DS_REACH_EV_REFUSED;
	ev.refusal.why = DS_REACH_WHY_IDLE;
	ev.refusal.code = ds_reach_why_code(DS_REACH_WHY_IDLE);
	ev.refusal.limit = 10000;
	reach_event_text(&ev, buf, sizeof(buf));
	assert_string_equal(buf,
	    "agent 2001:db8::2 refused (timeout): "
	    "no complete line in 10.0s");
}

/* --- Unfit addresses --------------------------------------------------------
 */

static void
test_unfit(void **state)
{
	static const struct {
		const char *addr;
		const char *phrase;
	} cases[] = {
	    {"::", "unspecified"},
	    {"0.0.0.0", "unspecified"},
	    {"::1", "loopback"},
	    {"127.0.0.1", "loopback"},
	    {"fe80::1", "link-local (fe80::/10)"},
	    {"169.254.1.1", "link-local (169.254.0.0/16"},
	    {"fd00::1", "unique local (fc00::/7"},
	    {"fc12::1", "not routed on the Internet"},
	    {"fec0::1", "site-local"},
	    {"2001::1", "Teredo (2001::/32"},
	    {"2002:c000:0201::1", "6to4 (2002::/16)"},
	    {"192.88.99.1", "6to4 relay"},
	    {"::ffff:192.0.2.1", "IPv4-mapped"},
	    {"::192.0.2.1", "IPv4-compatible"},
	    {"64:ff9b::192.0.2.1", "NAT64"},
	    {"2001:db8::1", "documentation prefix"},
	    {"3fff::1", "documentation prefix"},
	    {"192.0.2.1", "documentation prefix"},
	    {"203.0.113.7", "not routed"},
	    {"ff02::1", "multicast"},
	    {"224.0.0.1", "multicast"},
	    {"10.1.2.3", "private IPv4 address"},
	    {"192.168.1.1",
	        "behind NAT the checker reaches the NAT, not "
	        "this host"},
	    {"172.16.0.1", "RFC 1918"},
	    {"100.64.0.1", "shared address space (100.64.0.0/10"},
	    {"0.1.2.3", "this network"},
	    {"255.255.255.255", "broadcast"},
	    {"240.0.0.1", "reserved"},
	    {"100::1", "discard-only"},
	    {"2001:2::1", "benchmarking"},
	    {"198.18.0.1", "benchmarking"},
	    {"2001:20::1", "ORCHID"},
	    {"4000::1", "outside global unicast (2000::/3"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ds_addr a = addr(cases[i].addr);
		enum ds_addr_kind kind = 0;
		const char *p;

		assert_int_equal(
		    ds_reach_address_fitness(&a, &kind), -EADDRNOTAVAIL);
		p = reach_unfit_phrase(kind, a.family);
		if (!strstr(p, cases[i].phrase))
			fail_msg("%s: \"%s\", want \"%s\"", cases[i].addr, p,
			    cases[i].phrase);
	}
	assert_string_equal(reach_unfit_phrase(0, 0), "no address");
}

/* --- The diagnosis ----------------------------------------------------------
 */

/* The report's findings in words, as the program says them. */
static int
diagnose(const struct ds_reach_report *r, char *buf, size_t size)
{
	struct ds_finding f[DS_REACH_FINDINGS_MAX];
	int n = ds_reach_findings(r, f, DS_REACH_FINDINGS_MAX);

	assert_true(n > 0 && n <= DS_REACH_FINDINGS_MAX);
	return reach_diagnosis_text(
	    r, "checker.example", f, (size_t)n, buf, size);
}

/* The diagnosis contains every phrase (NULL-terminated list), and not the
 * phrase after the first NULL when there is one. */
static void
assert_diag(const struct ds_reach_report *r, ...)
{
	char buf[8192];
	const char *p;
	va_list ap;
	int n;

	n = diagnose(r, buf, sizeof(buf));
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_int_equal((size_t)n, strlen(buf));
	assert_true(buf[n - 1] != '\n');
	va_start(ap, r);
	while ((p = va_arg(ap, const char *)))
		if (!strstr(buf, p))
			fail_msg("no \"%s\" in:\n%s", p, buf);
	p = va_arg(ap, const char *);
	if (p && strstr(buf, p))
		fail_msg("unexpected \"%s\" in:\n%s", p, buf);
	va_end(ap);
	/* snprintf semantics: the same length in any buffer, and the
	 * truncated text is the start of the whole. */
	char small[16];

	assert_int_equal(diagnose(r, small, sizeof(small)), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, buf, sizeof(small) - 1);
	assert_int_equal(diagnose(r, NULL, 0), n);
}

static void
test_diagnose_ok(void **state)
{
	struct ds_reach_report r;

	(void)state;
	r = report("[2001:db8::1]:40123", false, 3, DS_REACH_DELIVERED, 0,
	    DS_REACH_DELIVERED, 0, DS_REACH_DELIVERED, 0);
	assert_diag(&r, "IPv6 to [2001:db8::1]:40123 is reachable",
	    "every token came back", NULL, "firewall");

	r = report("192.0.2.1:443", true, 2, DS_REACH_CONNECTED, 0,
	    DS_REACH_CONNECTED, 0);
	assert_diag(&r, "IPv4 to 192.0.2.1:443 is reachable", "Port-only check",
	    "not that it is this host", NULL, NULL);
}

static void
test_diagnose_failures(void **state)
{
	struct ds_reach_report r;

	(void)state;
	/* Dropped: the header's example. */
	r = report("[2001:db8::1]:40123", false, 2, DS_REACH_TIMEOUT,
	    -ETIMEDOUT, DS_REACH_TIMEOUT, -ETIMEDOUT);
	assert_diag(&r, "IPv6 to [2001:db8::1]:40123 is silently dropped",
	    "control connection", "DROP", "ip6tables/nftables",
	    "security group", "IPv6 (::/0) rule",
	    "IPv6 rules are separate from IPv4 ones", NULL, "on the way back");
	/* ... and the agent saw the SYNs arrive: the way back is broken. */
	r.n_seen = 2;
	assert_diag(&r, "silently dropped", "on the way back", NULL, NULL);
	/* The IPv4 words for IPv4. */
	r = report("198.51.100.7:8080", false, 1, DS_REACH_TIMEOUT, 0);
	assert_diag(&r, "IPv4 to 198.51.100.7:8080 is silently dropped",
	    "iptables/nftables", "(0.0.0.0/0)", NULL, "ip6tables");

	r = report(
	    "[2001:db8::1]:40123", false, 1, DS_REACH_PROHIBITED, -EACCES);
	assert_diag(&r, "rejected by a firewall", "REJECT",
	    "administratively prohibited", "ICMPv6", "code 1", NULL, NULL);

	r = report("[2001:db8::1]:8080", true, 2, DS_REACH_REFUSED,
	    -ECONNREFUSED, DS_REACH_REFUSED, -ECONNREFUSED);
	assert_diag(&r, "IPv6 to [2001:db8::1]:8080 is refused",
	    "nothing listens on port 8080", "IPv4 (0.0.0.0)", "ss -ltn",
	    "IPV6_V6ONLY", "tcp-reset", NULL, NULL);
	r.port_only = false;
	assert_diag(&r, "own listener", "tcp-reset", NULL, NULL);

	r = report(
	    "[2001:db8::1]:40123", false, 1, DS_REACH_NO_ROUTE, -ENETUNREACH);
	assert_diag(&r, "has no route", "code 0", "no route to destination",
	    "traceroute", NULL, NULL);

	r = report("[2001:db8::1]:40123", false, 1, DS_REACH_ADDR_UNREACH,
	    -EHOSTUNREACH);
	assert_diag(
	    &r, "address unreachable", "code 3", "neighbour", NULL, NULL);

	r = report(
	    "[2001:db8::1]:40123", false, 1, DS_REACH_RESET, -ECONNRESET);
	assert_diag(&r, "reset", "middlebox", NULL, NULL);

	r = report("[2001:db8::1]:40123", false, 2, DS_REACH_NOT_RETURNED, 0,
	    DS_REACH_NOT_RETURNED, 0);
	assert_diag(&r, "not this agent", "did not arrive at this agent",
	    "saw no connection", "NAT", "port forwarding", "proxy", NULL, NULL);
	r.n_seen = 1;
	assert_diag(&r, "saw 1 connection,", NULL, "saw no connection");

	r = report("[2001:db8::1]:40123", false, 1, DS_REACH_MISMATCH, 0);
	assert_diag(&r, "something in the path rewrote the data", NULL, NULL);

	r = report("[2001:db8::1]:40123", false, 1, DS_REACH_ERROR, -EMFILE);
	assert_diag(
	    &r, "checker could not make the attempt", "open files", NULL, NULL);
}

static void
test_diagnose_partial(void **state)
{
	struct ds_reach_report r;

	(void)state;
	r = report("[2001:db8::1]:40123", false, 4, DS_REACH_DELIVERED, 0,
	    DS_REACH_TIMEOUT, -ETIMEDOUT, DS_REACH_DELIVERED, 0,
	    DS_REACH_REFUSED, -ECONNREFUSED);
	assert_diag(&r, "works only partly", "2 of 4", "load balancer",
	    "rate limit", "Timed out (1 of 4)", "Refused (1 of 4)", NULL,
	    "Port-only");

	/* Unreachable, several reasons: no single word in the summary. */
	r = report("[2001:db8::1]:40123", true, 2, DS_REACH_TIMEOUT, 0,
	    DS_REACH_PROHIBITED, -EACCES);
	assert_diag(&r, "is unreachable: none of 2", "Timed out (1 of 2)",
	    "Prohibited (1 of 2)", NULL, "works only partly");
}

static void
test_diagnose_refusals(void **state)
{
	static const struct {
		enum ds_reach_err code;
		const char *phrase;
	} cases[] = {
	    {DS_REACH_E_TARGET, "only tests global addresses"},
	    {DS_REACH_E_PORT, "below 1024"},
	    {DS_REACH_E_BUSY, "already running"},
	    {DS_REACH_E_RATE, "wait a minute"},
	    {DS_REACH_E_COUNT, "1 to 16"},
	    {DS_REACH_E_VERSION, "another version"},
	    {DS_REACH_E_SYNTAX, "did not understand"},
	    {DS_REACH_E_TIMEOUT, "waited too long"},
	    {DS_REACH_E_INTERNAL, "on its side"},
	};
	struct ds_reach_report r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = report("[fd00::1]:40123", false, 0);
		r.err = -EPERM;
		r.err_code = cases[i].code;
		snprintf(r.err_text, sizeof(r.err_text), "because %zu", i);
		assert_diag(&r, "refused to test IPv6 [fd00::1]:40123",
		    ds_reach_err_name(cases[i].code), cases[i].phrase,
		    "The checker said: because", NULL, NULL);
	}

	/* A local failure: the control connection. */
	r = report("[2001:db8::1]:40123", false, 0);
	r.err = -ECONNREFUSED;
	assert_diag(&r, "could not run", ds_strerror(r.err),
	    "control connection to the checker", "4646", NULL, NULL);

	/* ... with what failed: the server as the user named it. */
	r.fault.what = DS_REACH_FAIL_CONNECT;
	r.fault.err = -ECONNREFUSED;
	r.fault.n = 4646;
	assert_diag(&r,
	    "could not run: Connection refused.\nNothing was tested: the "
	    "checker itself could not be reached, which says nothing of the "
	    "IPv6 path to this host.\ncontrol connection to "
	    "checker.example port 4646: Connection refused\nThe control",
	    NULL, NULL);

	/* An unfit address, refused before testing: the agent's reason is
	 * the diagnosis, with no talk of a listener (port-only has none). */
	r = report("[fe80::1]:22", true, 0);
	r.err = -EADDRNOTAVAIL;
	r.fault.what = DS_REACH_FAIL_UNFIT;
	r.fault.err = -EADDRNOTAVAIL;
	r.fault.addr = r.target.addr;
	r.fault.block = DS_KIND_LINK_LOCAL;
	assert_diag(
	    &r, "could not run", "link-local (fe80::/10)", NULL, "listener");
	r.port_only = false;
	assert_diag(
	    &r, "it cannot be reached from another link", NULL, "listener");

	/* A listener that could not bind: said so. */
	r = report("[2001:db8::1]:40123", false, 0);
	r.err = -EADDRINUSE;
	assert_diag(
	    &r, "test listener could not be set up", "ss -ltn", NULL, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_value),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_events),
	    cmocka_unit_test(test_agent_words),
	    cmocka_unit_test(test_unfit),
	    cmocka_unit_test(test_diagnose_ok),
	    cmocka_unit_test(test_diagnose_failures),
	    cmocka_unit_test(test_diagnose_partial),
	    cmocka_unit_test(test_diagnose_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
