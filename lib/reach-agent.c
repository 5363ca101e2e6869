/* SPDX-License-Identifier: MIT */
/*
 * ds_reach_agent: the agent of "dualstack reach", one state machine:
 * control connection (ds_connect), the checker's greeting, the address
 * to announce, the test listener, CHECK, OK, the tokens the test
 * connections bring, TOKENS, the report. Every line goes through the
 * protocol codec (lib/reach-proto.c) and the line connection
 * (lib/reach-line.c), as the checker's do. The end is reported from a
 * deferred callback, so the done callback may free the agent.
 *
 * Each step is a struct ds_reach_agent_event for the trace callback, and
 * a failure a struct ds_reach_fault in the report: fields, no sentence.
 * The only text the agent keeps is the checker's own (err_text).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dualstack/connect.h"
#include "dualstack/error.h"
#include "dualstack/listen.h"
#include "dualstack/reach.h"
#include "dualstack/resolve.h"
#include "dualstack/sort.h"
#include "reach-line.h"
#include "sock-int.h"

/*
 * How long after the deadline (counted from when OK reached it) the agent
 * still waits for tokens before it returns what it has: a token written
 * just before the checker's deadline may still be on its way. The checker
 * waits idle_us (10 s) past the deadline for TOKENS, far longer.
 */
#define AGENT_GRACE_MS 250u

/* The agent's defaults (struct ds_reach_agent_config). */
#define AGENT_TIMEOUT_DEFAULT_US 30000000u

/* Test connections the agent keeps open at once; more are closed. */
#define TCONN_MAX (2u * DS_REACH_COUNT_MAX)

/*
 * Where the agent asks the kernel for a source address when it has
 * nothing better: documentation addresses (RFC 3849, RFC 5737), routed
 * like any global address by a default route. A UDP connect() sends
 * nothing.
 */
#define ROUTE_PROBE_V6 "2001:db8::1"
#define ROUTE_PROBE_V4 "192.0.2.1"

enum agent_phase {
	AG_CONNECTING, /* ds_connect runs */
	AG_HELLO,      /* waiting for the greeting */
	AG_RESOLVING,  /* the checker's name, for the test family */
	AG_CHECK_SENT, /* waiting for OK or ERR */
	AG_TESTING,    /* OK came: collecting tokens */
	AG_TOKENS_SENT,
	AG_DONE,
};

struct tconn {
	struct tconn *prev, *next;
	struct ds_reach_agent *a;
	int fd;
	struct ds_io *io;
	struct ds_endpoint from;
	unsigned number; /* in order of arrival, from 1 */
	int seen;        /* index in the report's seen[], or -1 */
	size_t len;
	char buf[DS_REACH_LINE_MAX];
};

/*
 * The claim: a second connection to the checker, on the test family and
 * from the announced address, that carries the PROVE token back, so the
 * checker knows this host holds the address before it connects there.
 */
struct claim {
	int fd;
	struct ds_io *io;
	bool connected, sent;
	struct ds_endpoint to;
	char token[DS_REACH_TOKEN_HEX + 1];
	struct ds__reach_outq out;
	size_t in_len;
	char in[DS_REACH_LINE_MAX];
};

struct ds_reach_agent {
	struct ds_loop *loop;
	struct ds_reach_agent_config cfg;
	char *server;
	struct ds_endpoint *dns; /* copy of cfg.dns_servers */
	ds_reach_trace_fn *trace;
	ds_reach_done_fn *done;
	void *userdata;
	uint64_t t0_us;
	enum agent_phase phase;
	int family; /* of the test */
	unsigned count;

	struct ds_connect *conn;
	struct ds_resolve *res;
	int fd;
	struct ds_io *io;
	struct ds__reach_outq out;
	size_t in_len;
	char in[DS_REACH_LINE_MAX];

	struct ds_timer *timeout; /* the whole check */
	struct ds_timer *wait;    /* the deadline for tokens */
	struct ds_defer *end;

	struct ds_addr adv; /* the address to announce */
	struct ds_listener *listener;
	struct tconn *tconns;
	unsigned n_tconns, n_accepted;
	unsigned n_tokens;
	char tokens[DS_REACH_COUNT_MAX][DS_REACH_TOKEN_HEX + 1];

	struct claim claim;
	bool proved; /* PROVE came (once per check) */

	bool result_in;
	unsigned n_attempts;
	struct ds_reach_report r;
};

/* Report ev to the trace callback, with the time since the start. */
static void
emit(struct ds_reach_agent *a, struct ds_reach_agent_event *ev)
{
	if (!a->trace)
		return;
	ev->t_us = ds_time_now_us() - a->t0_us;
	a->trace(a, ev, a->userdata);
}

/* An event with no fields but its kind. */
static void
emit_kind(struct ds_reach_agent *a, enum ds_reach_agent_event_kind kind)
{
	struct ds_reach_agent_event ev = {.kind = kind};

	emit(a, &ev);
}

static void
tconn_free(struct tconn *tc)
{
	struct ds_reach_agent *a = tc->a;

	if (tc->prev)
		tc->prev->next = tc->next;
	else
		a->tconns = tc->next;
	if (tc->next)
		tc->next->prev = tc->prev;
	a->n_tconns--;
	ds_io_free(tc->io);
	close(tc->fd);
	free(tc);
}

static void
claim_close(struct claim *cl)
{
	cl->io = ds_io_free(cl->io);
	if (cl->fd != -1)
		close(cl->fd);
	cl->fd = -1;
	ds__reach_outq_reset(&cl->out);
}

/* Close everything but the handles the agent keeps to the end. */
static void
agent_cleanup(struct ds_reach_agent *a)
{
	claim_close(&a->claim);
	a->conn = ds_connect_free(a->conn);
	a->res = ds_resolve_free(a->res);
	a->io = ds_io_free(a->io);
	if (a->fd != -1)
		close(a->fd);
	a->fd = -1;
	ds__reach_outq_reset(&a->out);
	a->listener = ds_listener_free(a->listener);
	while (a->tconns)
		tconn_free(a->tconns);
	ds_timer_stop(a->timeout);
	ds_timer_stop(a->wait);
}

static void
agent_end(struct ds_defer *d, void *userdata)
{
	struct ds_reach_agent *a = userdata;

	(void)d;
	if (a->done)
		a->done(a, &a->r, a->userdata);
}

/* The end, reported from the next iteration. */
static void
agent_finish(struct ds_reach_agent *a)
{
	if (a->phase == AG_DONE)
		return;
	a->phase = AG_DONE;
	agent_cleanup(a);
	a->r.elapsed_us = ds_time_now_us() - a->t0_us;
	ds_defer_schedule(a->end);
}

/* The check failed here: err in the report, f saying what. An event. */
static void
agent_fail(struct ds_reach_agent *a, int err, const struct ds_reach_fault *f)
{
	struct ds_reach_agent_event ev = {.kind = DS_REACH_AG_FAILED};

	if (a->phase == AG_DONE)
		return;
	a->r.err = err;
	a->r.fault = *f;
	ev.fault = &a->r.fault;
	ev.text = a->r.err_text;
	emit(a, &ev);
	agent_finish(a);
}

/* A failure with an errno and nothing else. */
static void
agent_fail_err(struct ds_reach_agent *a, enum ds_reach_failure what, int err)
{
	struct ds_reach_fault f = {.what = what, .err = err};

	agent_fail(a, err, &f);
}

/* The checker greets with another version than this agent's. */
static void
fail_version(struct ds_reach_agent *a, unsigned version)
{
	struct ds_reach_fault f = {.what = DS_REACH_FAIL_VERSION,
	    .err = -EPROTONOSUPPORT,
	    .n = version,
	    .of = DS_REACH_VERSION};

	agent_fail(a, f.err, &f);
}

/* The checker sent more than a line's worth without a newline. */
static void
fail_long_line(struct ds_reach_agent *a)
{
	struct ds_reach_fault f = {.what = DS_REACH_FAIL_LONG_LINE,
	    .err = -EBADMSG,
	    .n = DS_REACH_LINE_MAX};

	agent_fail(a, f.err, &f);
}

static void
agent_update(struct ds_reach_agent *a)
{
	unsigned ev = DS_IO_IN;

	if (!a->io)
		return;
	if (!ds__reach_outq_empty(&a->out))
		ev |= DS_IO_OUT;
	ds_io_set_events(a->io, ev);
}

static int
agent_send(struct ds_reach_agent *a, const struct ds_reach_msg *m)
{
	char line[DS_REACH_LINE_MAX];
	int n = ds__reach_msg_line(m, line);

	if (n < 0) {
		agent_fail_err(a, DS_REACH_FAIL_FORMAT, n);
		return n;
	}
	n = ds__reach_outq_send(&a->out, a->fd, line, (size_t)n);
	if (n < 0) {
		agent_fail_err(a, DS_REACH_FAIL_WRITE, n);
		return n;
	}
	agent_update(a);
	return 0;
}

static void
send_tokens(struct ds_reach_agent *a)
{
	struct ds_reach_msg m = {.type = DS_REACH_MSG_TOKENS};
	struct ds_reach_agent_event ev = {.kind = DS_REACH_AG_RETURNED};
	unsigned i;

	for (i = 0; i < a->n_tokens; i++)
		m.tokens[i] = a->tokens[i];
	m.count = a->n_tokens;
	/* Nothing more is expected on the test listener. */
	a->listener = ds_listener_free(a->listener);
	while (a->tconns)
		tconn_free(a->tconns);
	ds_timer_stop(a->wait);
	if (agent_send(a, &m) < 0)
		return;
	a->phase = AG_TOKENS_SENT;
	ev.n = a->n_tokens;
	ev.port_only = a->cfg.port_only;
	emit(a, &ev);
}

static void
maybe_send_tokens(struct ds_reach_agent *a)
{
	if (a->phase == AG_TESTING && a->n_tokens >= a->count)
		send_tokens(a);
}

/*
 * A test connection is over: close it. m is the token line it brought,
 * or NULL and kind (an event) says why not, with err.
 */
static void
tconn_end(struct tconn *tc, const struct ds_reach_msg *m,
    enum ds_reach_agent_event_kind kind, int err)
{
	struct ds_reach_agent *a = tc->a;
	struct ds_reach_agent_event ev = {
	    .kind = kind, .peer = tc->from, .number = tc->number, .err = err};

	if (m) {
		if (a->n_tokens < DS_REACH_COUNT_MAX) {
			memcpy(a->tokens[a->n_tokens], m->tokens[0],
			    DS_REACH_TOKEN_HEX);
			a->tokens[a->n_tokens][DS_REACH_TOKEN_HEX] = '\0';
			ev.kind = DS_REACH_AG_TOKEN;
			ev.token = a->tokens[a->n_tokens];
			emit(a, &ev);
			a->n_tokens++;
		}
		if (tc->seen >= 0)
			a->r.seen[tc->seen].token_ok = true;
	} else
		emit(a, &ev);
	tconn_free(tc);
	maybe_send_tokens(a);
}

static void
tconn_io(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct tconn *tc = userdata;
	struct ds_reach_msg m;
	char line[DS_REACH_LINE_MAX];
	size_t took;
	ssize_t n;

	(void)io;
	(void)events;
	n = read(fd, tc->buf + tc->len, sizeof(tc->buf) - tc->len);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		tconn_end(tc, NULL, DS_REACH_AG_TEST_ERROR, -errno);
		return;
	}
	if (n == 0) {
		tconn_end(tc, NULL, DS_REACH_AG_TEST_CLOSED, 0);
		return;
	}
	tc->len += (size_t)n;
	took = ds__reach_take_line(tc->buf, &tc->len, line);
	if (took == 0) {
		if (tc->len == sizeof(tc->buf))
			tconn_end(tc, NULL, DS_REACH_AG_TEST_LONG, 0);
		return;
	}
	if (ds_reach_msg_parse(line, took - 1, &m, NULL) == 0 &&
	    m.type == DS_REACH_MSG_TOKEN)
		tconn_end(tc, &m, DS_REACH_AG_TOKEN, 0);
	else
		tconn_end(tc, NULL, DS_REACH_AG_TEST_NOT_TOKEN, 0);
}

static void
on_test_accept(
    struct ds_listener *l, int fd, const struct ds_tuple *t, void *userdata)
{
	struct ds_reach_agent *a = userdata;
	struct tconn *tc;

	(void)l;
	if (a->phase >= AG_TOKENS_SENT || a->n_tconns >= TCONN_MAX) {
		close(fd);
		return;
	}
	tc = calloc(1, sizeof(*tc));
	if (!tc) {
		close(fd);
		return;
	}
	tc->a = a;
	tc->fd = fd;
	tc->from = t->src;
	if (ds_io_new(a->loop, fd, DS_IO_IN, tconn_io, tc, &tc->io) < 0) {
		close(fd);
		free(tc);
		return;
	}
	tc->number = ++a->n_accepted;
	tc->seen = -1;
	if (a->r.n_seen < DS_REACH_COUNT_MAX) {
		tc->seen = (int)a->r.n_seen++;
		a->r.seen[tc->seen].from = t->src;
	}
	tc->next = a->tconns;
	if (a->tconns)
		a->tconns->prev = tc;
	a->tconns = tc;
	a->n_tconns++;
}

static void
send_check(struct ds_reach_agent *a)
{
	struct ds_reach_msg m = {.type = DS_REACH_MSG_CHECK};
	struct ds_reach_agent_event ev = {.kind = DS_REACH_AG_ANNOUNCED,
	    .target = a->r.target,
	    .count = a->count,
	    .port_only = a->cfg.port_only};

	m.target = a->r.target;
	m.count = a->count;
	m.port_only = a->cfg.port_only;
	if (agent_send(a, &m) < 0)
		return;
	a->phase = AG_CHECK_SENT;
	emit(a, &ev);
}

/* The address is known: check it, listen on it, announce it. */
static void
use_address(struct ds_reach_agent *a)
{
	struct ds_listen_config lc;
	struct ds_listen_report rep;
	struct ds_endpoint ep;
	struct ds_reach_agent_event ev = {.kind = DS_REACH_AG_UNFIT};
	enum ds_addr_kind block = 0;
	int r;

	if (ds_reach_address_fitness(&a->adv, &block) < 0) {
		if (!a->cfg.allow_unfit) {
			struct ds_reach_fault f = {.what = DS_REACH_FAIL_UNFIT,
			    .err = -EADDRNOTAVAIL,
			    .addr = a->adv,
			    .block = block};

			agent_fail(a, -EADDRNOTAVAIL, &f);
			return;
		}
		ev.addr = a->adv;
		ev.block = block;
		emit(a, &ev);
	}
	a->r.target.addr = a->adv;
	if (a->cfg.port_only) {
		a->r.target.port = a->cfg.port_only_target.port;
		send_check(a);
		return;
	}
	memset(&lc, 0, sizeof(lc));
	memset(&rep, 0, sizeof(rep));
	lc.where.addr = a->adv;
	lc.where.port = a->cfg.listen_port;
	lc.mode = a->family == AF_INET ? DS_LISTEN_V4ONLY : DS_LISTEN_V6ONLY;
	r = ds_listener_new(
	    a->loop, &lc, on_test_accept, NULL, a, &rep, &a->listener);
	if (r < 0) {
		const char *step =
		    a->family == AF_INET ? rep.v4.step : rep.v6.step;

		struct ds_reach_fault f = {.what = DS_REACH_FAIL_LISTEN,
		    .err = r,
		    .ep = lc.where,
		    .step = step};

		agent_fail(a, r, &f);
		return;
	}
	if (ds_listener_endpoints(a->listener, &ep, 1) < 1) {
		agent_fail_err(a, DS_REACH_FAIL_LISTEN_ADDRESS, -EINVAL);
		return;
	}
	a->r.target.port = ep.port;
	ev.kind = DS_REACH_AG_LISTENING;
	ev.addr = (struct ds_addr){0};
	ev.block = 0;
	ev.local = ep;
	emit(a, &ev);
	send_check(a);
}

/* No better way: ask the kernel which source it would use toward any
 * global address of the test family. */
static void
route_address(struct ds_reach_agent *a)
{
	const char *probe =
	    a->family == AF_INET ? ROUTE_PROBE_V4 : ROUTE_PROBE_V6;
	struct ds_reach_agent_event ev = {
	    .kind = DS_REACH_AG_ROUTE_SOURCE, .family = a->family};
	struct ds_addr dst;
	int r;

	r = ds_addr_parse(probe, strlen(probe), 0, &dst, NULL);
	if (r == 0)
		r = ds_sort_source(&dst, &a->adv);
	if (r < 0) {
		struct ds_reach_fault f = {.what = DS_REACH_FAIL_NO_ROUTE,
		    .err = r,
		    .family = a->family};

		agent_fail(a, r, &f);
		return;
	}
	ev.addr = a->adv;
	emit(a, &ev);
	use_address(a);
}

static void
on_resolve(struct ds_resolve *res, enum ds_resolve_type type,
    const struct ds_resolve_query *q, void *userdata)
{
	struct ds_reach_agent *a = userdata;
	struct ds_reach_agent_event ev = {
	    .kind = DS_REACH_AG_RESOLVED, .family = a->family};
	size_t i;

	(void)type;
	(void)res;
	for (i = 0; q->status == 0 && i < q->n_answers; i++) {
		if (ds_sort_source(&q->answers[i].addr, &a->adv) == 0) {
			ev.checker = q->answers[i].addr;
			ev.addr = a->adv;
			emit(a, &ev);
			a->res = ds_resolve_free(a->res);
			use_address(a);
			return;
		}
	}
	ev.kind = DS_REACH_AG_UNRESOLVED;
	ev.err = q->status < 0 ? q->status : 0;
	emit(a, &ev);
	a->res = ds_resolve_free(a->res);
	route_address(a);
}

/* After the greeting: which address to announce. */
static void
pick_address(struct ds_reach_agent *a)
{
	const struct ds_addr *peer = &a->r.control_peer.addr;
	struct ds_resolve_opts ro;
	struct ds_addr tmp;
	int r;

	if (a->adv.family != 0) {
		use_address(a);
		return;
	}
	if (peer->family == a->family) {
		struct ds_reach_agent_event ev = {.kind = DS_REACH_AG_SOURCE};

		r = ds_sort_source(peer, &a->adv);
		if (r < 0) {
			struct ds_reach_fault f = {
			    .what = DS_REACH_FAIL_NO_SOURCE,
			    .err = r,
			    .addr = *peer};

			agent_fail(a, r, &f);
			return;
		}
		ev.addr = a->adv;
		emit(a, &ev);
		use_address(a);
		return;
	}
	if (ds_addr_parse(a->server, strlen(a->server), 0, &tmp, NULL) == 0) {
		route_address(a);
		return;
	}
	memset(&ro, 0, sizeof(ro));
	ro.family =
	    a->family == AF_INET ? DS_RESOLVE_ONLY_V4 : DS_RESOLVE_ONLY_V6;
	ro.server_list = a->dns;
	ro.n_servers = a->cfg.n_dns_servers;
	r = ds_resolve_new(a->loop, a->server, &ro, on_resolve, a, &a->res);
	if (r < 0) {
		route_address(a);
		return;
	}
	a->phase = AG_RESOLVING;
}

/* What the checker said, kept as its words: at most what err_text
 * holds. */
static void
remote_text(struct ds_reach_agent *a, const char *text, size_t len)
{
	if (!text)
		len = 0;
	if (len >= sizeof(a->r.err_text))
		len = sizeof(a->r.err_text) - 1;
	if (len > 0)
		memcpy(a->r.err_text, text, len);
	a->r.err_text[len] = '\0';
}

static void
agent_refused(struct ds_reach_agent *a, const struct ds_reach_msg *m)
{
	struct ds_reach_agent_event ev = {
	    .kind = DS_REACH_AG_REFUSED, .code = m->err, .text = a->r.err_text};

	remote_text(a, m->text, m->text_len);
	a->r.err_code = m->err;
	a->r.err = -EREMOTEIO;
	emit(a, &ev);
	agent_finish(a);
}

/*
 * The checker's report against what this agent saw: an attempt the
 * checker calls delivered needs a token that came to this agent's
 * listener. Tokens seen are counted once each; delivered attempts
 * beyond them become MISMATCH (the later ones: which token was whose
 * cannot be known), and the verdict follows the attempts, not the
 * checker's RESULT line. Port-only checks have no listener to compare.
 */
static void
cross_check(struct ds_reach_agent *a)
{
	struct ds_reach_report *r = &a->r;
	unsigned seen = 0, delivered = 0, i, j;

	if (r->port_only) {
		for (i = 0; i < a->count; i++)
			if (r->attempts[i].outcome == DS_REACH_CONNECTED)
				delivered++;
	} else {
		for (i = 0; i < a->n_tokens; i++) {
			for (j = 0; j < i; j++)
				if (memcmp(a->tokens[i], a->tokens[j],
				        DS_REACH_TOKEN_HEX) == 0)
					break;
			if (j == i)
				seen++;
		}
		for (i = 0; i < a->count; i++) {
			struct ds_reach_attempt *at = &r->attempts[i];

			if (at->outcome == DS_REACH_CONNECTED) {
				/* Port only, in a check that was not. */
				at->outcome = DS_REACH_MISMATCH;
				r->not_seen++;
			} else if (at->outcome != DS_REACH_DELIVERED)
				continue;
			else if (delivered < seen)
				delivered++;
			else {
				at->outcome = DS_REACH_MISMATCH;
				r->not_seen++;
			}
		}
	}
	if (r->not_seen > 0) {
		struct ds_reach_agent_event ev = {
		    .kind = DS_REACH_AG_NOT_SEEN, .n = r->not_seen};

		emit(a, &ev);
	}
	if (delivered != r->delivered)
		r->disagrees = true;
	r->delivered = delivered;
	r->verdict = delivered == a->count ? DS_REACH_REACHABLE
	    : delivered == 0               ? DS_REACH_UNREACHABLE
	                                   : DS_REACH_PARTIAL;
}

static void
claim_update(struct claim *cl)
{
	ds_io_set_events(cl->io,
	    ds__reach_outq_empty(&cl->out) ? DS_IO_IN : DS_IO_IN | DS_IO_OUT);
}

/* One line from the checker on the claim connection. */
static void
claim_line(struct ds_reach_agent *a, const char *line, size_t len)
{
	struct claim *cl = &a->claim;
	struct ds_reach_msg m;
	char buf[DS_REACH_LINE_MAX];
	int n;

	if (ds_reach_msg_parse(line, len, &m, NULL) < 0) {
		agent_fail_err(a, DS_REACH_FAIL_CLAIM_BAD_LINE, -EBADMSG);
		return;
	}
	if (m.type == DS_REACH_MSG_ERR) {
		agent_refused(a, &m);
		return;
	}
	if (m.type != DS_REACH_MSG_HELLO || cl->sent) {
		agent_fail_err(a, DS_REACH_FAIL_CLAIM_OUT_OF_TURN, -EPROTO);
		return;
	}
	if (m.version != DS_REACH_VERSION) {
		fail_version(a, m.version);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.type = DS_REACH_MSG_CLAIM;
	m.tokens[0] = cl->token;
	n = ds__reach_msg_line(&m, buf);
	if (n < 0 ||
	    (n = ds__reach_outq_send(&cl->out, cl->fd, buf, (size_t)n)) < 0) {
		agent_fail_err(a, DS_REACH_FAIL_CLAIM_SEND, n);
		return;
	}
	cl->sent = true;
	claim_update(cl);
	emit_kind(a, DS_REACH_AG_CLAIM_SENT);
}

static void
claim_io(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct ds_reach_agent *a = userdata;
	struct claim *cl = &a->claim;
	char line[DS_REACH_LINE_MAX];
	ssize_t n;
	int r;

	(void)io;
	if (!cl->connected) {
		int err = ds__sock_error(fd);

		if (err != 0) {
			struct ds_reach_fault f = {
			    .what = DS_REACH_FAIL_CLAIM_CONNECT,
			    .err = err,
			    .addr = a->r.target.addr,
			    .ep = cl->to};

			agent_fail(a, err, &f);
			return;
		}
		cl->connected = true;
		claim_update(cl);
		return;
	}
	if (events & DS_IO_OUT) {
		r = ds__reach_outq_flush(&cl->out, fd);
		if (r < 0) {
			agent_fail_err(a, DS_REACH_FAIL_CLAIM_SEND, r);
			return;
		}
		claim_update(cl);
	}
	if (!(events & (DS_IO_IN | DS_IO_HUP | DS_IO_ERR)))
		return;
	n = read(fd, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		n = 0; /* a reset: the control connection says the rest */
	}
	if (n == 0) {
		/* The checker closes the claim connection once it has the
		 * claim; the control connection carries the answer. */
		claim_close(cl);
		return;
	}
	cl->in_len += (size_t)n;
	while (a->phase != AG_DONE && cl->fd != -1) {
		size_t took = ds__reach_take_line(cl->in, &cl->in_len, line);

		if (took == 0)
			break;
		claim_line(a, line, took - 1);
	}
	if (a->phase != AG_DONE && cl->fd != -1 && cl->in_len == sizeof(cl->in))
		fail_long_line(a);
}

/*
 * PROVE: connect from the target address to where the checker says and
 * hand back its token. The checker names itself on the test family,
 * which this agent may not know (the control connection uses the
 * other); it is trusted no further than the control connection: one
 * connection, one CLAIM line, nothing else.
 */
static void
claim_start(struct ds_reach_agent *a, const struct ds_reach_msg *m)
{
	struct claim *cl = &a->claim;
	struct ds_endpoint from = {.addr = a->r.target.addr};
	struct ds_reach_fault f = {.addr = a->r.target.addr, .ep = m->prove_to};
	struct ds_reach_agent_event ev = {.kind = DS_REACH_AG_PROVE,
	    .addr = a->r.target.addr,
	    .peer = m->prove_to};
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, r;

	if (m->prove_to.addr.family != a->r.target.addr.family) {
		f.what = DS_REACH_FAIL_CLAIM_FAMILY;
		f.err = -EPROTO;
		agent_fail(a, -EPROTO, &f);
		return;
	}
	memcpy(cl->token, m->tokens[0], DS_REACH_TOKEN_HEX);
	cl->token[DS_REACH_TOKEN_HEX] = '\0';
	cl->to = m->prove_to;
	emit(a, &ev);
	fd = socket(
	    from.addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		f.what = DS_REACH_FAIL_CLAIM_SOCKET;
		f.err = -errno;
		agent_fail(a, f.err, &f);
		return;
	}
	r = ds_endpoint_to_sockaddr(&from, &ss, &len);
	if (r == 0 && bind(fd, (struct sockaddr *)&ss, len) == -1)
		r = -errno;
	if (r < 0) {
		close(fd);
		f.what = DS_REACH_FAIL_CLAIM_BIND;
		f.err = r;
		agent_fail(a, r, &f);
		return;
	}
	r = ds_endpoint_to_sockaddr(&cl->to, &ss, &len);
	if (r == 0 && connect(fd, (struct sockaddr *)&ss, len) == -1 &&
	    errno != EINPROGRESS)
		r = -errno;
	if (r == 0)
		r = ds_io_new(a->loop, fd, DS_IO_OUT, claim_io, a, &cl->io);
	if (r < 0) {
		close(fd);
		f.what = DS_REACH_FAIL_CLAIM_CONNECT;
		f.err = r;
		agent_fail(a, r, &f);
		return;
	}
	cl->fd = fd;
}

static void
agent_line(struct ds_reach_agent *a, const char *line, size_t len)
{
	struct ds_reach_agent_event ev = {0};
	struct ds_reach_fault f = {0};
	struct ds_reach_msg m;
	size_t pos = 0;
	int r;

	r = ds_reach_msg_parse(line, len, &m, &pos);
	if (r < 0) {
		f.what = DS_REACH_FAIL_BAD_LINE;
		f.err = r;
		f.n = (unsigned)pos + 1;
		agent_fail(a, -EBADMSG, &f);
		return;
	}
	if (m.type == DS_REACH_MSG_ERR) {
		agent_refused(a, &m);
		return;
	}
	switch (a->phase) {
	case AG_HELLO:
		if (m.type != DS_REACH_MSG_HELLO) {
			agent_fail_err(a, DS_REACH_FAIL_NOT_CHECKER, -EPROTO);
			return;
		}
		if (m.version != DS_REACH_VERSION) {
			fail_version(a, m.version);
			return;
		}
		ev.kind = DS_REACH_AG_GREETING;
		ev.version = m.version;
		emit(a, &ev);
		pick_address(a);
		return;
	case AG_CHECK_SENT:
		if (m.type == DS_REACH_MSG_PROVE && !a->proved) {
			a->proved = true;
			claim_start(a, &m);
			return;
		}
		if (m.type != DS_REACH_MSG_OK)
			break;
		/* The claim has done its work. */
		claim_close(&a->claim);
		if (m.count != a->count) {
			f.what = DS_REACH_FAIL_COUNT;
			f.err = -EPROTO;
			f.n = m.count;
			f.of = a->count;
			agent_fail(a, -EPROTO, &f);
			return;
		}
		a->r.count = m.count;
		ev.kind = DS_REACH_AG_ACCEPTED;
		ev.count = m.count;
		ev.ms = m.deadline_ms;
		emit(a, &ev);
		a->phase = AG_TESTING;
		if (a->cfg.port_only) {
			send_tokens(a);
			return;
		}
		ds_timer_start_in(
		    a->wait, ((uint64_t)m.deadline_ms + AGENT_GRACE_MS) * 1000);
		maybe_send_tokens(a);
		return;
	case AG_TESTING:
	case AG_TOKENS_SENT:
		if (m.type == DS_REACH_MSG_RESULT && !a->result_in) {
			a->result_in = true;
			a->r.verdict = m.verdict;
			a->r.delivered = m.delivered;
			return;
		}
		if (m.type == DS_REACH_MSG_ATTEMPT && a->result_in &&
		    m.attempt >= 1 && m.attempt <= a->count) {
			struct ds_reach_attempt *at =
			    &a->r.attempts[m.attempt - 1];

			if (at->outcome != 0) {
				f.what = DS_REACH_FAIL_ATTEMPT_TWICE;
				f.err = -EPROTO;
				f.n = m.attempt;
				agent_fail(a, -EPROTO, &f);
				return;
			}
			at->outcome = m.outcome;
			at->err = -m.errno_val;
			at->ms = m.ms;
			a->n_attempts++;
			ev.kind = DS_REACH_AG_ATTEMPT;
			ev.number = m.attempt;
			ev.outcome = m.outcome;
			ev.ms = m.ms;
			ev.err = -m.errno_val;
			emit(a, &ev);
			return;
		}
		if (m.type == DS_REACH_MSG_DONE && a->result_in) {
			ev.kind = DS_REACH_AG_RESULT;
			ev.verdict = a->r.verdict;
			ev.n = a->r.delivered;
			ev.count = a->r.count;
			emit(a, &ev);
			if (a->n_attempts != a->count) {
				f.what = DS_REACH_FAIL_ATTEMPTS_MISSING;
				f.err = -EPROTO;
				f.n = a->n_attempts;
				f.of = a->count;
				agent_fail(a, -EPROTO, &f);
				return;
			}
			cross_check(a);
			agent_finish(a);
			return;
		}
		break;
	default:
		break;
	}
	/* The line itself is the checker's words: its start says which. */
	remote_text(a, line, len > 64 ? 64 : len);
	agent_fail_err(a, DS_REACH_FAIL_OUT_OF_TURN, -EPROTO);
}

static void
agent_read(struct ds_reach_agent *a)
{
	char line[DS_REACH_LINE_MAX];
	ssize_t n;

	n = read(a->fd, a->in + a->in_len, sizeof(a->in) - a->in_len);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		agent_fail_err(a, DS_REACH_FAIL_READ, -errno);
		return;
	}
	if (n == 0) {
		agent_fail_err(a, DS_REACH_FAIL_CLOSED, -ECONNRESET);
		return;
	}
	a->in_len += (size_t)n;
	while (a->phase != AG_DONE) {
		size_t took = ds__reach_take_line(a->in, &a->in_len, line);

		if (took == 0)
			break;
		agent_line(a, line, took - 1);
	}
	if (a->phase != AG_DONE && a->in_len == sizeof(a->in))
		fail_long_line(a);
}

static void
agent_io(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct ds_reach_agent *a = userdata;
	int r;

	(void)io;
	if (events & DS_IO_OUT) {
		r = ds__reach_outq_flush(&a->out, fd);
		if (r < 0) {
			agent_fail_err(a, DS_REACH_FAIL_WRITE, r);
			return;
		}
		agent_update(a);
	}
	if (events & (DS_IO_IN | DS_IO_HUP | DS_IO_ERR))
		agent_read(a);
}

static void
on_control(
    struct ds_connect *c, const struct ds_connect_result *res, void *userdata)
{
	struct ds_reach_agent *a = userdata;
	struct ds_reach_agent_event ev = {.kind = DS_REACH_AG_CONTROL};
	struct ds_reach_fault f = {
	    .what = DS_REACH_FAIL_CONNECT, .n = a->cfg.port};
	struct ds_tuple t;
	int r;

	(void)c;
	if (res->err < 0) {
		f.err = res->err;
		agent_fail(a, res->err, &f);
		return;
	}
	a->fd = res->fd;
	ev.connect_us = res->connect_us;
	/* res belongs to the connect: not used past here. */
	a->conn = ds_connect_free(a->conn);
	r = ds_tuple_from_fd(a->fd, &t);
	if (r < 0) {
		f.err = r;
		agent_fail(a, r, &f);
		return;
	}
	a->r.control_peer = t.src;
	a->r.control_local = t.dst;
	r = ds_io_new(a->loop, a->fd, DS_IO_IN, agent_io, a, &a->io);
	if (r < 0) {
		agent_fail_err(a, DS_REACH_FAIL_WATCH, r);
		return;
	}
	a->phase = AG_HELLO;
	ev.peer = t.src;
	ev.local = t.dst;
	emit(a, &ev);
}

static void
agent_timeout(struct ds_timer *t, void *userdata)
{
	struct ds_reach_agent *a = userdata;

	struct ds_reach_fault f = {.what = DS_REACH_FAIL_TIMEOUT,
	    .err = -ETIMEDOUT,
	    .n = a->cfg.timeout_us / 1000};

	(void)t;
	agent_fail(a, -ETIMEDOUT, &f);
}

static void
agent_wait(struct ds_timer *t, void *userdata)
{
	struct ds_reach_agent *a = userdata;

	(void)t;
	if (a->phase == AG_TESTING) {
		struct ds_reach_agent_event ev = {.kind = DS_REACH_AG_DEADLINE,
		    .n = a->n_tokens,
		    .count = a->count};

		emit(a, &ev);
		send_tokens(a);
	}
}

int
ds_reach_agent_new(struct ds_loop *loop,
    const struct ds_reach_agent_config *cfg, ds_reach_trace_fn *trace,
    ds_reach_done_fn *done, void *userdata, struct ds_reach_agent **ret)
{
	struct ds_reach_agent *a;
	struct ds_connect_opts opts;
	int family, r;

	if (!loop || !cfg || !ret || !cfg->server || !cfg->server[0])
		return -EINVAL;
	if (cfg->count > DS_REACH_COUNT_MAX)
		return -EINVAL;
	if (cfg->control_family != AF_UNSPEC &&
	    cfg->control_family != AF_INET && cfg->control_family != AF_INET6)
		return -EINVAL;
	family = cfg->test_family;
	if (family == 0)
		family = cfg->advertise.family;
	if (family == 0 && cfg->port_only)
		family = cfg->port_only_target.addr.family;
	if (family == 0)
		family = AF_INET6;
	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	if (cfg->advertise.family != 0 && cfg->advertise.family != family)
		return -EINVAL;
	if (cfg->port_only &&
	    (cfg->port_only_target.port == 0 ||
	        (cfg->port_only_target.addr.family != 0 &&
	            cfg->port_only_target.addr.family != family)))
		return -EINVAL;

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->loop = loop;
	a->cfg = *cfg;
	a->trace = trace;
	a->done = done;
	a->userdata = userdata;
	a->fd = -1;
	a->claim.fd = -1;
	a->family = family;
	a->count = cfg->count ? cfg->count : DS_REACH_COUNT_DEFAULT;
	a->t0_us = ds_time_now_us();
	if (a->cfg.port == 0)
		a->cfg.port = DS_REACH_PORT;
	if (a->cfg.timeout_us == 0)
		a->cfg.timeout_us = AGENT_TIMEOUT_DEFAULT_US;
	a->server = strdup(cfg->server);
	if (cfg->n_dns_servers && cfg->dns_servers) {
		a->dns = calloc(cfg->n_dns_servers, sizeof(*a->dns));
		if (a->dns)
			memcpy(a->dns, cfg->dns_servers,
			    cfg->n_dns_servers * sizeof(*a->dns));
	} else {
		a->cfg.n_dns_servers = 0;
	}
	a->cfg.server = a->server;
	a->cfg.dns_servers = a->dns;
	a->r.count = a->count;
	a->r.port_only = cfg->port_only;
	if (cfg->advertise.family != 0)
		a->adv = cfg->advertise;
	else if (cfg->port_only)
		a->adv = cfg->port_only_target.addr;
	ds_addr_unmap(&a->adv, &a->adv);
	r = (!a->server || (a->cfg.n_dns_servers && !a->dns)) ? -ENOMEM : 0;
	if (r == 0)
		r = ds_timer_new(loop, agent_timeout, a, &a->timeout);
	if (r == 0)
		r = ds_timer_new(loop, agent_wait, a, &a->wait);
	if (r == 0)
		r = ds_defer_new(loop, agent_end, a, &a->end);
	if (r < 0) {
		ds_reach_agent_free(a);
		return r;
	}

	/* A given address that cannot work fails before anything is sent. */
	if (a->adv.family != 0 && !cfg->allow_unfit) {
		struct ds_reach_fault f = {.what = DS_REACH_FAIL_UNFIT,
		    .err = -EADDRNOTAVAIL,
		    .addr = a->adv};

		if (ds_reach_address_fitness(&a->adv, &f.block) < 0) {
			/* Reported from the loop like any other end, and
			 * without a trace line: no callback runs from inside
			 * this call. */
			a->r.target.addr = a->adv;
			a->r.err = -EADDRNOTAVAIL;
			a->r.fault = f;
			agent_finish(a);
			*ret = a;
			return 0;
		}
	}

	ds_connect_opts_init(&opts);
	if (cfg->control_family == AF_INET)
		opts.resolve.family = DS_RESOLVE_ONLY_V4;
	else if (cfg->control_family == AF_INET6)
		opts.resolve.family = DS_RESOLVE_ONLY_V6;
	opts.resolve.server_list = a->dns;
	opts.resolve.n_servers = a->cfg.n_dns_servers;
	opts.timeout_us = a->cfg.timeout_us;
	r = ds_connect_new(
	    loop, a->server, a->cfg.port, &opts, on_control, a, &a->conn);
	if (r < 0) {
		ds_reach_agent_free(a);
		return r;
	}
	ds_timer_start_in(a->timeout, a->cfg.timeout_us);
	*ret = a;
	return 0;
}

struct ds_reach_agent *
ds_reach_agent_free(struct ds_reach_agent *a)
{
	if (!a)
		return NULL;
	agent_cleanup(a);
	ds_timer_free(a->timeout);
	ds_timer_free(a->wait);
	ds_defer_free(a->end);
	free(a->server);
	free(a->dns);
	free(a);
	return NULL;
}
