/* SPDX-License-Identifier: MIT */
/*
 * ds_reach_agent: the agent of "dualstack reach", one state machine:
 * control connection (ds_connect), the checker's greeting, the address
 * to announce, the test listener, CHECK, OK, the tokens the test
 * connections bring, TOKENS, the report. Every line goes through the
 * protocol codec (lib/reach-proto.c) and the line connection
 * (lib/reach-line.c), as the checker's do. The end is reported from a
 * deferred callback, so the done callback may free the agent.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
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
#include "reach-int.h"
#include "reach-line.h"

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/*
 * How long after the deadline (counted from when OK reached it) the agent
 * still waits for tokens before it returns what it has: a token written
 * just before the checker's deadline may still be on its way. The checker
 * waits idle_ms (10 s) past the deadline for TOKENS, far longer.
 */
#define AGENT_GRACE_MS 250u

/* The agent's defaults (struct ds_reach_agent_config). */
#define AGENT_TIMEOUT_DEFAULT_MS 30000u

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

static const char *
ep_str(const struct ds_endpoint *ep, char buf[DS_ENDPOINT_STRLEN])
{
	if (ds_endpoint_format(ep, 0, buf, DS_ENDPOINT_STRLEN) < 0)
		snprintf(buf, DS_ENDPOINT_STRLEN, "?");
	return buf;
}

static const char *
addr_str(const struct ds_addr *a, char buf[DS_ADDR_STRLEN])
{
	if (ds_addr_format(a, 0, buf, DS_ADDR_STRLEN) < 0)
		snprintf(buf, DS_ADDR_STRLEN, "?");
	return buf;
}

static const char *
family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

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
	char *dns;
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

static void atrace(struct ds_reach_agent *a, const char *fmt, ...)
    PRINTF_LIKE(2, 3);

static void
atrace(struct ds_reach_agent *a, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	if (!a->trace)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	a->trace(a, ds_time_now_us() - a->t0_us, text, a->userdata);
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

static void agent_fail(struct ds_reach_agent *a, int err, const char *fmt, ...)
    PRINTF_LIKE(3, 4);

static void
agent_fail(struct ds_reach_agent *a, int err, const char *fmt, ...)
{
	va_list ap;

	if (a->phase == AG_DONE)
		return;
	va_start(ap, fmt);
	vsnprintf(a->r.err_text, sizeof(a->r.err_text), fmt, ap);
	va_end(ap);
	a->r.err = err;
	atrace(a, "failed: %s", a->r.err_text);
	agent_finish(a);
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
		agent_fail(a, n, "cannot write a protocol line");
		return n;
	}
	n = ds__reach_outq_send(&a->out, a->fd, line, (size_t)n);
	if (n < 0) {
		agent_fail(a, n, "cannot write to the control connection: %s",
		    ds_strerror(n));
		return n;
	}
	agent_update(a);
	return 0;
}

static void
send_tokens(struct ds_reach_agent *a)
{
	struct ds_reach_msg m = {.type = DS_REACH_MSG_TOKENS};
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
	if (a->cfg.port_only)
		atrace(a, "port only: no tokens to return");
	else
		atrace(a, "returned %u token%s", a->n_tokens,
		    a->n_tokens == 1 ? "" : "s");
}

static void
maybe_send_tokens(struct ds_reach_agent *a)
{
	if (a->phase == AG_TESTING && a->n_tokens >= a->count)
		send_tokens(a);
}

/* A test connection is over: close it. */
static void
tconn_end(struct tconn *tc, const struct ds_reach_msg *m, const char *why)
{
	struct ds_reach_agent *a = tc->a;
	char fs[DS_ENDPOINT_STRLEN];

	ep_str(&tc->from, fs);
	if (m) {
		if (a->n_tokens < DS_REACH_COUNT_MAX) {
			memcpy(a->tokens[a->n_tokens], m->tokens[0],
			    DS_REACH_TOKEN_HEX);
			a->tokens[a->n_tokens][DS_REACH_TOKEN_HEX] = '\0';
			atrace(a, "test connection %u from %s: token %s",
			    tc->number, fs, a->tokens[a->n_tokens]);
			a->n_tokens++;
		}
		if (tc->seen >= 0)
			a->r.seen[tc->seen].token_ok = true;
	} else
		atrace(
		    a, "test connection %u from %s: %s", tc->number, fs, why);
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
		tconn_end(tc, NULL, ds_strerror(-errno));
		return;
	}
	if (n == 0) {
		tconn_end(tc, NULL, "closed without a token");
		return;
	}
	tc->len += (size_t)n;
	took = ds__reach_take_line(tc->buf, &tc->len, line);
	if (took == 0) {
		if (tc->len == sizeof(tc->buf))
			tconn_end(tc, NULL, "a line too long to be a token");
		return;
	}
	if (ds_reach_msg_parse(line, took - 1, &m, NULL) == 0 &&
	    m.type == DS_REACH_MSG_TOKEN)
		tconn_end(tc, &m, NULL);
	else
		tconn_end(tc, NULL, "a line that is not a token");
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
	tc->from = t->peer;
	if (ds_io_new(a->loop, fd, DS_IO_IN, tconn_io, tc, &tc->io) < 0) {
		close(fd);
		free(tc);
		return;
	}
	tc->number = ++a->n_accepted;
	tc->seen = -1;
	if (a->r.n_seen < DS_REACH_COUNT_MAX) {
		tc->seen = (int)a->r.n_seen++;
		a->r.seen[tc->seen].from = t->peer;
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
	char ts[DS_ENDPOINT_STRLEN];

	m.target = a->r.target;
	m.count = a->count;
	m.port_only = a->cfg.port_only;
	if (agent_send(a, &m) < 0)
		return;
	a->phase = AG_CHECK_SENT;
	atrace(a, "announced %s, %u test connection%s%s",
	    ep_str(&a->r.target, ts), a->count, a->count == 1 ? "" : "s",
	    a->cfg.port_only ? ", port only" : "");
}

/* The address is known: check it, listen on it, announce it. */
static void
use_address(struct ds_reach_agent *a)
{
	struct ds_listen_config lc;
	struct ds_listen_report rep;
	struct ds_endpoint ep;
	char es[DS_ENDPOINT_STRLEN];
	enum ds_addr_kind kind = 0;
	const char *why;
	int r;

	if (ds_reach_address_fitness(&a->adv, &kind) < 0) {
		why = ds__reach_unfit_phrase(kind, a->adv.family);
		if (!a->cfg.allow_unfit) {
			agent_fail(a, -EADDRNOTAVAIL, "%s",
			    why ? why : "the address cannot be reached");
			return;
		}
		atrace(a, "testing anyway: %s",
		    why ? why : "the address cannot be reached");
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

		ep = lc.where;
		agent_fail(a, r, "cannot listen on %s: %s%s%s", ep_str(&ep, es),
		    step ? step : "", step ? ": " : "", ds_strerror(r));
		return;
	}
	if (ds_listener_endpoints(a->listener, &ep, 1) < 1) {
		agent_fail(a, -EINVAL, "the test listener has no address");
		return;
	}
	a->r.target.port = ep.port;
	atrace(a, "listening on %s", ep_str(&ep, es));
	send_check(a);
}

/* No better way: ask the kernel which source it would use toward any
 * global address of the test family. */
static void
route_address(struct ds_reach_agent *a)
{
	const char *probe =
	    a->family == AF_INET ? ROUTE_PROBE_V4 : ROUTE_PROBE_V6;
	struct ds_addr dst;
	char as[DS_ADDR_STRLEN];
	int r;

	r = ds_addr_parse(probe, strlen(probe), 0, &dst, NULL);
	if (r == 0)
		r = ds_sort_source(&dst, &a->adv);
	if (r < 0) {
		agent_fail(a, r,
		    "no %s address to announce: this host has no %s route "
		    "(%s)",
		    family_name(a->family), family_name(a->family),
		    ds_strerror(r));
		return;
	}
	atrace(a, "the %s source address for global destinations is %s",
	    family_name(a->family), addr_str(&a->adv, as));
	use_address(a);
}

static void
on_resolve(struct ds_resolve *res, enum ds_resolve_type type,
    const struct ds_resolve_query *q, void *userdata)
{
	struct ds_reach_agent *a = userdata;
	char as[DS_ADDR_STRLEN], ss[DS_ADDR_STRLEN];
	size_t i;

	(void)type;
	(void)res;
	for (i = 0; q->status == 0 && i < q->n_answers; i++) {
		if (ds_sort_source(&q->answers[i].addr, &a->adv) == 0) {
			atrace(a, "the checker's %s address is %s; source %s",
			    family_name(a->family),
			    addr_str(&q->answers[i].addr, as),
			    addr_str(&a->adv, ss));
			a->res = ds_resolve_free(a->res);
			use_address(a);
			return;
		}
	}
	atrace(a, "no usable %s address for %s (%s)", family_name(a->family),
	    a->server, q->status < 0 ? ds_strerror(q->status) : "no route");
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
	char as[DS_ADDR_STRLEN];
	int r;

	if (a->adv.family != 0) {
		use_address(a);
		return;
	}
	if (peer->family == a->family) {
		r = ds_sort_source(peer, &a->adv);
		if (r < 0) {
			agent_fail(a, r, "no source address toward %s: %s",
			    addr_str(peer, as), ds_strerror(r));
			return;
		}
		atrace(a, "source address toward the checker: %s",
		    addr_str(&a->adv, as));
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
	ro.servers = a->dns;
	r = ds_resolve_new(a->loop, a->server, &ro, on_resolve, a, &a->res);
	if (r < 0) {
		route_address(a);
		return;
	}
	a->phase = AG_RESOLVING;
}

static void
agent_refused(struct ds_reach_agent *a, const struct ds_reach_msg *m)
{
	size_t n = m->text_len;

	if (n >= sizeof(a->r.err_text))
		n = sizeof(a->r.err_text) - 1;
	a->r.err_code = m->err;
	memcpy(a->r.err_text, m->text ? m->text : "", m->text ? n : 0);
	a->r.err_text[m->text ? n : 0] = '\0';
	a->r.err = -EREMOTEIO;
	atrace(a, "checker refused (%s): %s", ds_reach_err_name(m->err),
	    a->r.err_text);
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
	if (r->not_seen > 0)
		atrace(a,
		    "the checker reported %u delivered attempt%s whose token "
		    "never came here",
		    r->not_seen, r->not_seen == 1 ? "" : "s");
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
		agent_fail(a, -EBADMSG,
		    "the checker sent a line that does not parse on the "
		    "claim connection");
		return;
	}
	if (m.type == DS_REACH_MSG_ERR) {
		agent_refused(a, &m);
		return;
	}
	if (m.type != DS_REACH_MSG_HELLO || cl->sent) {
		agent_fail(a, -EPROTO,
		    "the checker sent a line out of turn on the claim "
		    "connection");
		return;
	}
	if (m.version != DS_REACH_VERSION) {
		agent_fail(a, -EPROTONOSUPPORT,
		    "the checker speaks reach protocol version %u, this agent "
		    "speaks %u",
		    m.version, DS_REACH_VERSION);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.type = DS_REACH_MSG_CLAIM;
	m.tokens[0] = cl->token;
	n = ds__reach_msg_line(&m, buf);
	if (n < 0 ||
	    (n = ds__reach_outq_send(&cl->out, cl->fd, buf, (size_t)n)) < 0) {
		agent_fail(a, n, "cannot send the claim: %s", ds_strerror(n));
		return;
	}
	cl->sent = true;
	claim_update(cl);
	atrace(a, "claim sent");
}

static void
claim_io(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct ds_reach_agent *a = userdata;
	struct claim *cl = &a->claim;
	char line[DS_REACH_LINE_MAX], as[DS_ADDR_STRLEN],
	    ts[DS_ENDPOINT_STRLEN];
	ssize_t n;
	int r;

	(void)io;
	if (!cl->connected) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1)
			soerr = errno;
		if (soerr != 0) {
			agent_fail(a, -soerr,
			    "cannot claim %s: no connection from it to the "
			    "checker at %s: %s",
			    addr_str(&a->r.target.addr, as),
			    ep_str(&cl->to, ts), ds_strerror(-soerr));
			return;
		}
		cl->connected = true;
		claim_update(cl);
		return;
	}
	if (events & DS_IO_OUT) {
		r = ds__reach_outq_flush(&cl->out, fd);
		if (r < 0) {
			agent_fail(
			    a, r, "cannot send the claim: %s", ds_strerror(r));
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
		agent_fail(a, -EBADMSG, "the checker sent a line over %u bytes",
		    DS_REACH_LINE_MAX);
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
	struct sockaddr_storage ss;
	socklen_t len;
	char as[DS_ADDR_STRLEN], ts[DS_ENDPOINT_STRLEN];
	int fd, r;

	addr_str(&a->r.target.addr, as);
	ep_str(&m->prove_to, ts);
	if (m->prove_to.addr.family != a->r.target.addr.family) {
		agent_fail(a, -EPROTO,
		    "the checker wants the claim of %s sent to %s, another "
		    "family",
		    as, ts);
		return;
	}
	memcpy(cl->token, m->tokens[0], DS_REACH_TOKEN_HEX);
	cl->token[DS_REACH_TOKEN_HEX] = '\0';
	cl->to = m->prove_to;
	atrace(a,
	    "the checker asks this host to prove it holds %s: "
	    "connecting from it to %s",
	    as, ts);
	fd = socket(
	    from.addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		agent_fail(
		    a, -errno, "cannot claim %s: %s", as, ds_strerror(-errno));
		return;
	}
	r = ds_endpoint_to_sockaddr(&from, &ss, &len);
	if (r == 0 && bind(fd, (struct sockaddr *)&ss, len) == -1)
		r = -errno;
	if (r < 0) {
		close(fd);
		agent_fail(a, r,
		    "cannot claim %s: this host cannot send from it (%s)", as,
		    ds_strerror(r));
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
		agent_fail(a, r,
		    "cannot claim %s: no connection from it to the checker "
		    "at %s: %s",
		    as, ts, ds_strerror(r));
		return;
	}
	cl->fd = fd;
}

static void
agent_line(struct ds_reach_agent *a, const char *line, size_t len)
{
	struct ds_reach_msg m;
	size_t pos = 0;
	int r;

	r = ds_reach_msg_parse(line, len, &m, &pos);
	if (r < 0) {
		agent_fail(a, -EBADMSG,
		    "the checker sent a line that does not parse (column "
		    "%zu: %s)",
		    pos + 1, ds_strerror(r));
		return;
	}
	if (m.type == DS_REACH_MSG_ERR) {
		agent_refused(a, &m);
		return;
	}
	switch (a->phase) {
	case AG_HELLO:
		if (m.type != DS_REACH_MSG_HELLO) {
			agent_fail(a, -EPROTO,
			    "%s did not greet like a reach checker", a->server);
			return;
		}
		if (m.version != DS_REACH_VERSION) {
			agent_fail(a, -EPROTONOSUPPORT,
			    "the checker speaks reach protocol version %u, "
			    "this agent speaks %u",
			    m.version, DS_REACH_VERSION);
			return;
		}
		atrace(a, "checker speaks version %u", m.version);
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
			agent_fail(a, -EPROTO,
			    "the checker accepted %u test connections, not %u",
			    m.count, a->count);
			return;
		}
		a->r.count = m.count;
		atrace(a, "checker accepted: %u test connection%s within %u ms",
		    m.count, m.count == 1 ? "" : "s", m.deadline_ms);
		a->phase = AG_TESTING;
		if (a->cfg.port_only) {
			send_tokens(a);
			return;
		}
		ds_timer_start(
		    a->wait, (uint64_t)m.deadline_ms + AGENT_GRACE_MS);
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
				agent_fail(a, -EPROTO,
				    "the checker reported attempt %u twice",
				    m.attempt);
				return;
			}
			at->outcome = m.outcome;
			at->err = -m.errno_val;
			at->ms = m.ms;
			a->n_attempts++;
			if (m.errno_val != 0)
				atrace(a, "attempt %u: %s after %u ms (%s)",
				    m.attempt, ds_reach_outcome_name(m.outcome),
				    m.ms, ds_strerror(-m.errno_val));
			else
				atrace(a, "attempt %u: %s after %u ms",
				    m.attempt, ds_reach_outcome_name(m.outcome),
				    m.ms);
			return;
		}
		if (m.type == DS_REACH_MSG_DONE && a->result_in) {
			atrace(a, "checker: %s %u/%u",
			    ds_reach_verdict_name(a->r.verdict), a->r.delivered,
			    a->r.count);
			if (a->n_attempts != a->count) {
				agent_fail(a, -EPROTO,
				    "the checker reported %u of %u attempts",
				    a->n_attempts, a->count);
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
	agent_fail(a, -EPROTO, "the checker sent a line out of turn: %.*s",
	    (int)(len > 64 ? 64 : len), line);
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
		agent_fail(a, -errno, "the control connection failed: %s",
		    ds_strerror(-errno));
		return;
	}
	if (n == 0) {
		agent_fail(a, -ECONNRESET,
		    "the checker closed the control connection");
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
		agent_fail(a, -EBADMSG, "the checker sent a line over %u bytes",
		    DS_REACH_LINE_MAX);
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
			agent_fail(a, r,
			    "cannot write to the control connection: %s",
			    ds_strerror(r));
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
	struct ds_tuple t;
	char ps[DS_ENDPOINT_STRLEN], ls[DS_ENDPOINT_STRLEN];
	uint64_t connect_us;
	int r;

	(void)c;
	if (res->err < 0) {
		agent_fail(a, res->err, "control connection to %s port %u: %s",
		    a->server, a->cfg.port, ds_strerror(res->err));
		return;
	}
	a->fd = res->fd;
	connect_us = res->connect_us;
	/* res belongs to the connect: not used past here. */
	a->conn = ds_connect_free(a->conn);
	r = ds_tuple_from_fd(a->fd, &t);
	if (r < 0) {
		agent_fail(a, r, "control connection to %s port %u: %s",
		    a->server, a->cfg.port, ds_strerror(r));
		return;
	}
	a->r.control_peer = t.peer;
	a->r.control_local = t.local;
	r = ds_io_new(a->loop, a->fd, DS_IO_IN, agent_io, a, &a->io);
	if (r < 0) {
		agent_fail(a, r, "cannot watch the control connection: %s",
		    ds_strerror(r));
		return;
	}
	a->phase = AG_HELLO;
	atrace(a, "control connection to %s over %s, from %s, in %.1f ms",
	    ep_str(&t.peer, ps), family_name(t.peer.addr.family),
	    ep_str(&t.local, ls), (double)connect_us / 1000.0);
}

static void
agent_timeout(struct ds_timer *t, void *userdata)
{
	struct ds_reach_agent *a = userdata;

	(void)t;
	agent_fail(a, -ETIMEDOUT, "no complete report within %u ms",
	    a->cfg.timeout_ms);
}

static void
agent_wait(struct ds_timer *t, void *userdata)
{
	struct ds_reach_agent *a = userdata;

	(void)t;
	if (a->phase == AG_TESTING) {
		atrace(
		    a, "deadline: %u of %u tokens came", a->n_tokens, a->count);
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
	if (a->cfg.timeout_ms == 0)
		a->cfg.timeout_ms = AGENT_TIMEOUT_DEFAULT_MS;
	a->server = strdup(cfg->server);
	a->dns = cfg->dns_servers ? strdup(cfg->dns_servers) : NULL;
	a->cfg.server = a->server;
	a->cfg.dns_servers = a->dns;
	a->r.count = a->count;
	a->r.port_only = cfg->port_only;
	if (cfg->advertise.family != 0)
		a->adv = cfg->advertise;
	else if (cfg->port_only)
		a->adv = cfg->port_only_target.addr;
	ds_addr_unmap(&a->adv, &a->adv);
	r = (!a->server || (cfg->dns_servers && !a->dns)) ? -ENOMEM : 0;
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
		enum ds_addr_kind kind = 0;
		const char *why;

		if (ds_reach_address_fitness(&a->adv, &kind) < 0) {
			why = ds__reach_unfit_phrase(kind, a->adv.family);
			/* Reported from the loop like any other end, and
			 * without a trace line: no callback runs from inside
			 * this call. */
			a->r.target.addr = a->adv;
			a->r.err = -EADDRNOTAVAIL;
			snprintf(a->r.err_text, sizeof(a->r.err_text), "%s",
			    why ? why : "the address cannot be reached");
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
	opts.resolve.servers = a->dns;
	opts.timeout_ms = a->cfg.timeout_ms;
	r = ds_connect_new(
	    loop, a->server, a->cfg.port, &opts, on_control, a, &a->conn);
	if (r < 0) {
		ds_reach_agent_free(a);
		return r;
	}
	ds_timer_start(a->timeout, a->cfg.timeout_ms);
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
