/* SPDX-License-Identifier: MIT */
/*
 * ds_reach: the checker (ds_reach_server) and the agent (ds_reach_agent)
 * of "dualstack reach". The protocol is doc/reach-protocol.md; every line
 * both roles send or read goes through ds_reach_msg_format() and
 * ds_reach_msg_parse() (lib/reach-proto.c).
 *
 * The checker keeps one struct ctl per control connection and, while a
 * check runs, one struct check holding its test connections ("probes").
 * A check goes:
 *
 *   CHECK accepted -> OK, 'count' probes connect at once
 *   each probe: connected -> token line, shutdown(SHUT_WR), read until
 *               the agent closes (port only: close at once)
 *               failed -> ds_reach_outcome_from_errno()
 *   the deadline: probes still connecting are TIMEOUT, the rest closed
 *   the report (RESULT, ATTEMPT..., DONE) when every probe is finished
 *   and TOKENS has come; no TOKENS within idle_ms after the deadline is
 *   ERR timeout (doc/reach-protocol.md, "Errors")
 *
 * Attributing the returned tokens: a returned token equal to one sent
 * makes its attempt DELIVERED; one returned twice counts once. Each
 * returned token that matches none sent (altered or invented) makes one
 * connected attempt whose token did not come back MISMATCH, in attempt
 * order: the checker cannot tell which connection an altered token came
 * from, but it can say how many came back wrong. The other connected
 * attempts without their token are RESET when the connection was reset,
 * else NOT_RETURNED.
 *
 * Closing: an ERR is sent, the sending side shut, and the connection
 * kept for LINGER_MS reading (and dropping) what the agent still sends,
 * so that the kernel does not answer unread data with a reset that could
 * destroy the ERR before the agent reads it (RFC 1122 section 4.2.2.13).
 * Connections are freed from a deferred callback only, so that no
 * function up the stack ever holds a freed one.
 *
 * The agent is one state machine: control connection (ds_connect), the
 * checker's greeting, the address to announce, the test listener, CHECK,
 * OK, the tokens the test connections bring, TOKENS, the report. The end
 * is reported from a deferred callback, so the done callback may free
 * the agent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dualstack/connect.h"
#include "dualstack/error.h"
#include "dualstack/host.h"
#include "dualstack/listen.h"
#include "dualstack/reach.h"
#include "dualstack/resolve.h"
#include "dualstack/sort.h"
#include "reach-int.h"

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The checker's defaults (struct ds_reach_server_config). */
#define DEADLINE_DEFAULT_MS 5000u
#define CHECKS_PER_MIN_DEFAULT 6u
#define TARGET_PER_MIN_DEFAULT 16u
#define MAX_AGENTS_DEFAULT 256u
#define MAX_PER_SOURCE_DEFAULT 4u
#define IDLE_DEFAULT_MS 10000u

/*
 * How long after the deadline (counted from when OK reached it) the agent
 * still waits for tokens before it returns what it has: a token written
 * just before the checker's deadline may still be on its way. The checker
 * waits idle_ms (10 s) past the deadline for TOKENS, far longer.
 */
#define AGENT_GRACE_MS 250u

/* After an ERR: how long to read what the agent still sends. */
#define LINGER_MS 1000u

/* The agent's defaults (struct ds_reach_agent_config). */
#define AGENT_TIMEOUT_DEFAULT_MS 30000u

/*
 * Most bytes waiting to go out on one control connection. A report is
 * DS_REACH_COUNT_MAX + 2 short lines, far below this; more means the
 * peer does not read.
 */
#define OUT_MAX (64u << 10)

/*
 * Budget buckets kept at once in each table (agent networks; target
 * networks), about 60 bytes each. A full table forgets a bucket that
 * has filled up again (the same as none), the one used longest ago; only
 * when every bucket is still in use does it forget the one used longest
 * ago all the same, which hands that network a fresh budget but never
 * refuses a newcomer. The agent networks' churn cannot evict a target's
 * bucket: they are apart.
 */
#define BUDGETS_MAX 4096u

/* The networks an address is counted in, narrowest first (below). */
#define LEVELS_MAX 3u

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

/* --- Shared helpers ------------------------------------------------------- */

/* Bytes not yet sent: buf[off..len). */
struct outq {
	char *buf;
	size_t len, off;
};

static bool
outq_empty(const struct outq *q)
{
	return q->off == q->len;
}

static void
outq_reset(struct outq *q)
{
	free(q->buf);
	q->buf = NULL;
	q->len = q->off = 0;
}

/* Send what is queued. 0 (all sent, or the kernel is full) or -errno. */
static int
outq_flush(struct outq *q, int fd)
{
	while (q->off < q->len) {
		ssize_t n =
		    send(fd, q->buf + q->off, q->len - q->off, MSG_NOSIGNAL);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		q->off += (size_t)n;
	}
	outq_reset(q);
	return 0;
}

/* Send data, queueing what the kernel does not take. 0 or -errno. */
static int
outq_send(struct outq *q, int fd, const char *data, size_t len)
{
	size_t left;
	char *p;

	if (outq_empty(q)) {
		while (len > 0) {
			ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

			if (n == -1) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				return -errno;
			}
			data += n;
			len -= (size_t)n;
		}
		if (len == 0)
			return 0;
	}
	left = q->len - q->off;
	if (left + len > OUT_MAX)
		return -ENOBUFS;
	if (q->off > 0) {
		memmove(q->buf, q->buf + q->off, left);
		q->len = left;
		q->off = 0;
	}
	p = realloc(q->buf, q->len + len);
	if (!p)
		return -ENOMEM;
	memcpy(p + q->len, data, len);
	q->buf = p;
	q->len += len;
	return 0;
}

/*
 * Take the first complete line out of buf[0..*len): copy it without its
 * newline to line (DS_REACH_LINE_MAX bytes, NUL-terminated) and return
 * its length plus one; 0 when no line is complete yet. buf never holds
 * more than DS_REACH_LINE_MAX bytes, so a line always fits.
 */
static size_t
take_line(char *buf, size_t *len, char *line)
{
	char *nl = memchr(buf, '\n', *len);
	size_t n;

	if (!nl)
		return 0;
	n = (size_t)(nl - buf);
	memcpy(line, buf, n);
	line[n] = '\0';
	memmove(buf, nl + 1, *len - n - 1);
	*len -= n + 1;
	return n + 1;
}

/* Format m into buf (DS_REACH_LINE_MAX bytes). Its length, or -EINVAL. */
static int
msg_line(const struct ds_reach_msg *m, char *buf)
{
	int n = ds_reach_msg_format(m, buf, DS_REACH_LINE_MAX);

	if (n <= 0 || n >= DS_REACH_LINE_MAX)
		return -EINVAL;
	return n;
}

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

/* Same family and bits; zones are not compared. */
static bool
addr_same(const struct ds_addr *a, const struct ds_addr *b)
{
	return a->family == b->family &&
	    memcmp(a->u.bytes, b->u.bytes, sizeof(a->u.bytes)) == 0;
}

static uint32_t
us_to_ms(uint64_t us)
{
	uint64_t ms = us / 1000u;

	return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

/* --- The checker ---------------------------------------------------------- */

enum ctl_state {
	CTL_IDLE,    /* waiting for CHECK; the idle timer runs */
	CTL_PROVE,   /* PROVE sent: waiting for the target's CLAIM */
	CTL_CHECK,   /* a check runs */
	CTL_CLOSING, /* ERR sent: draining for LINGER_MS */
	CTL_DEAD,    /* to be freed by the deferred reaper */
};

struct check;

/* One test connection of a check. */
struct probe {
	struct check *ck;
	int fd;
	struct ds_io *io;
	bool connected;
	bool finished; /* closed; outcome known but for the tokens */
	bool reset;    /* reset after it was connected */
	enum ds_reach_outcome outcome; /* failures; port only CONNECTED */
	int err;
	uint32_t ms;
	uint64_t start_us;
	size_t line_len, line_off;
	char line[DS_REACH_TOKEN_HEX + 8]; /* the token line */
	char token[DS_REACH_TOKEN_HEX + 1];
};

struct check {
	struct ctl *ctl;
	struct ds_endpoint target;
	bool port_only;
	bool past_deadline;
	bool tokens_in;
	bool starting;
	unsigned count;
	unsigned n_open; /* probes not finished */
	struct ds_timer *timer;
	unsigned n_returned;
	char returned[DS_REACH_COUNT_MAX][DS_REACH_TOKEN_HEX + 1];
	struct probe probes[DS_REACH_COUNT_MAX];
};

/* One network an address belongs to, and its share of a budget. */
struct netkey {
	struct ds_addr net; /* host bits clear */
	uint8_t len;
	uint8_t mult; /* this network's budget: mult times the base */
};

/* A check accepted but for the proof that the agent holds the target. */
struct pending {
	struct ds_endpoint target;
	unsigned count;
	bool port_only;
	char nonce[DS_REACH_TOKEN_HEX + 1];
};

struct ctl {
	struct ctl *prev, *next;
	struct ds_reach_server *s;
	int fd;
	struct ds_io *io;
	struct ds_timer *timer; /* idle, the claim, then linger */
	struct ds_defer *reap;
	enum ctl_state state;
	struct ds_tuple tuple;
	/* The agent's networks: IPv6 /64, /56, /48; IPv4 /32, /24. keys[0]
	 * is the agent key of "busy". */
	struct netkey keys[LEVELS_MAX];
	size_t n_keys;
	char name[DS_ADDR_STRLEN];
	struct pending pending; /* CTL_PROVE */
	struct check *check;
	struct outq out;
	size_t in_len;
	char in[DS_REACH_LINE_MAX];
};

/*
 * A token bucket per network. The level counts in units of 1/60000 of a
 * check (or test connection), so that a budget of N a minute refills by
 * N units each millisecond.
 */
struct budget {
	struct ds_addr net;
	uint8_t len;
	uint32_t per_min; /* this network's budget */
	uint64_t level;
	uint64_t last_ms; /* when level was brought up to date */
	uint64_t used;    /* recency, for eviction: larger is newer */
};

/* Buckets by network, in no order; looked up by a linear scan (at most
 * BUDGETS_MAX, a few per check). */
struct budget_table {
	struct budget *v;
	size_t n, cap;
	uint64_t seq;
};

struct ds_reach_server {
	struct ds_loop *loop;
	struct ds_reach_server_config cfg;
	struct ds_prefix *allow;
	ds_reach_log_fn *log;
	void *userdata;
	struct ctl *head;
	size_t n_ctl;
	struct budget_table checks; /* agent networks */
	struct budget_table tests;  /* target networks */
	/* The checker's own networks (ds_host_prefixes()), read again when
	 * the address monitor says they changed, or on every check when
	 * there is no monitor. */
	struct ds_prefix *nets;
	size_t n_nets, cap_nets;
	bool nets_stale;
	int mon_fd;
	struct ds_io *mon_io;
};

static void slog(struct ds_reach_server *s, const char *fmt, ...)
    PRINTF_LIKE(2, 3);

static void
slog(struct ds_reach_server *s, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	if (!s->log)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	s->log(s, text, s->userdata);
}

static void check_report(struct check *ck);
static void check_start(struct ctl *c, const struct ds_endpoint *target,
    unsigned count, bool port_only);
static void ctl_idle(struct ctl *c);
static void ctl_close(struct ctl *c);
static void ctl_refuse(struct ctl *c, enum ds_reach_err code, const char *fmt,
    ...) PRINTF_LIKE(3, 4);

/* Close a probe's socket; the outcome stays as it is. */
static void
probe_close(struct probe *p)
{
	p->io = ds_io_free(p->io);
	if (p->fd != -1)
		close(p->fd);
	p->fd = -1;
}

static void
check_free(struct check *ck)
{
	unsigned i;

	if (!ck)
		return;
	for (i = 0; i < ck->count; i++)
		probe_close(&ck->probes[i]);
	ds_timer_free(ck->timer);
	free(ck);
}

/* Report once every probe is finished and the tokens are in. */
static void
check_maybe_report(struct check *ck)
{
	if (ck->n_open == 0 && ck->tokens_in && !ck->starting)
		check_report(ck);
}

/* The probe is over: close it; perhaps the check is. */
static void
probe_finish(struct probe *p)
{
	struct check *ck = p->ck;

	probe_close(p);
	if (p->finished)
		return;
	p->finished = true;
	ck->n_open--;
	check_maybe_report(ck);
}

static void
probe_fail(struct probe *p, int err)
{
	p->outcome = ds_reach_outcome_from_errno(err);
	p->err = err;
	p->ms = us_to_ms(ds_time_now_us() - p->start_us);
	probe_finish(p);
}

/* Connected: the token line, or for port only, the end. Returns false
 * when the probe is over (and the check may be freed). */
static bool
probe_connected(struct probe *p)
{
	struct ds_reach_msg m = {.type = DS_REACH_MSG_TOKEN};
	char line[DS_REACH_LINE_MAX];
	int n;

	p->connected = true;
	p->ms = us_to_ms(ds_time_now_us() - p->start_us);
	if (p->ck->port_only) {
		p->outcome = DS_REACH_CONNECTED;
		probe_finish(p);
		return false;
	}
	m.tokens[0] = p->token;
	n = msg_line(&m, line);
	if (n < 0 || (size_t)n >= sizeof(p->line)) {
		p->err = -EINVAL;
		p->outcome = DS_REACH_ERROR;
		p->connected = false;
		probe_finish(p);
		return false;
	}
	memcpy(p->line, line, (size_t)n);
	p->line_len = (size_t)n;
	p->line_off = 0;
	return true;
}

/* A reset (or any error) after the connection was made. */
static void
probe_reset(struct probe *p, int err)
{
	p->reset = true;
	p->err = err;
	probe_finish(p);
}

static void
probe_io(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct probe *p = userdata;
	char junk[512];
	ssize_t n;

	(void)events;
	if (!p->connected) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1)
			soerr = errno;
		if (soerr != 0) {
			probe_fail(p, -soerr);
			return;
		}
		if (!probe_connected(p))
			return;
	}
	if (p->line_off < p->line_len) {
		n = send(fd, p->line + p->line_off, p->line_len - p->line_off,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				probe_reset(p, -errno);
			return;
		}
		p->line_off += (size_t)n;
		if (p->line_off < p->line_len)
			return;
		/* The token and nothing else: the agent reads one line and
		 * closes, which is what ends the probe. */
		shutdown(fd, SHUT_WR);
		ds_io_set_events(io, DS_IO_IN);
		return;
	}
	n = recv(fd, junk, sizeof(junk), 0);
	if (n > 0)
		return;
	if (n == 0) {
		probe_finish(p);
		return;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		probe_reset(p, -errno);
}

static void
probe_start(struct check *ck, struct probe *p)
{
	struct ds_reach_server *s = ck->ctl->s;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, r;

	p->ck = ck;
	p->fd = -1;
	p->start_us = ds_time_now_us();
	r = ds_endpoint_to_sockaddr(&ck->target, &ss, &len);
	if (r < 0) {
		probe_fail(p, r);
		return;
	}
	fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		probe_fail(p, -errno);
		return;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) == -1 &&
	    errno != EINPROGRESS) {
		r = -errno;
		close(fd);
		probe_fail(p, r);
		return;
	}
	p->fd = fd;
	/* Writable (or an error) when the handshake is over, also when
	 * connect() already succeeded. */
	r = ds_io_new(s->loop, fd, DS_IO_OUT, probe_io, p, &p->io);
	if (r < 0) {
		close(fd);
		p->fd = -1;
		probe_fail(p, r);
	}
}

/* The check's timer: the deadline, then the wait for TOKENS. */
static void
check_timer(struct ds_timer *t, void *userdata)
{
	struct check *ck = userdata;
	unsigned i;

	(void)t;
	if (ck->past_deadline) {
		ctl_refuse(ck->ctl, DS_REACH_E_TIMEOUT,
		    "no TOKENS within %u ms after the deadline",
		    ck->ctl->s->cfg.idle_ms);
		return;
	}
	ck->past_deadline = true;
	for (i = 0; i < ck->count; i++) {
		struct probe *p = &ck->probes[i];

		if (p->finished)
			continue;
		if (!p->connected) {
			p->outcome = DS_REACH_TIMEOUT;
			p->err = -ETIMEDOUT;
			p->ms = us_to_ms(ds_time_now_us() - p->start_us);
		}
		probe_close(p);
		p->finished = true;
	}
	ck->n_open = 0;
	if (ck->tokens_in)
		check_report(ck);
	else
		ds_timer_start(ck->timer, ck->ctl->s->cfg.idle_ms);
}

static void
ctl_update(struct ctl *c)
{
	unsigned ev = 0;

	if (c->state == CTL_DEAD)
		return;
	ev = DS_IO_IN;
	if (!outq_empty(&c->out))
		ev |= DS_IO_OUT;
	ds_io_set_events(c->io, ev);
}

static void
ctl_free(struct ctl *c)
{
	struct ds_reach_server *s = c->s;

	if (c->prev)
		c->prev->next = c->next;
	else
		s->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_ctl--;
	check_free(c->check);
	ds_io_free(c->io);
	ds_timer_free(c->timer);
	ds_defer_free(c->reap);
	close(c->fd);
	outq_reset(&c->out);
	free(c);
}

static void
ctl_reap(struct ds_defer *d, void *userdata)
{
	(void)d;
	ctl_free(userdata);
}

/* Stop everything and free c from the next iteration. */
static void
ctl_kill(struct ctl *c)
{
	if (c->state == CTL_DEAD)
		return;
	if (c->check)
		slog(c->s, "check from %s ended: the control connection closed",
		    c->name);
	check_free(c->check);
	c->check = NULL;
	c->state = CTL_DEAD;
	ds_io_set_events(c->io, 0);
	ds_timer_stop(c->timer);
	ds_defer_schedule(c->reap);
}

/* Queue bytes; on failure the connection is killed. */
static int
ctl_write(struct ctl *c, const char *data, size_t len)
{
	int r = outq_send(&c->out, c->fd, data, len);

	if (r < 0) {
		ctl_kill(c);
		return r;
	}
	ctl_update(c);
	return 0;
}

static int
ctl_send(struct ctl *c, const struct ds_reach_msg *m)
{
	char line[DS_REACH_LINE_MAX];
	int n = msg_line(m, line);

	if (n < 0) {
		ctl_kill(c);
		return n;
	}
	return ctl_write(c, line, (size_t)n);
}

/* ERR code text, and close after a linger. Logged. */

static void
ctl_refuse(struct ctl *c, enum ds_reach_err code, const char *fmt, ...)
{
	struct ds_reach_msg m = {.type = DS_REACH_MSG_ERR, .err = code};
	char text[384];
	va_list ap;
	int n;

	if (c->state == CTL_DEAD || c->state == CTL_CLOSING)
		return;
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(text))
		n = (int)sizeof(text) - 1;
	slog(c->s, "agent %s refused (%s): %s", c->name,
	    ds_reach_err_name(code), text);
	check_free(c->check);
	c->check = NULL;
	m.text = text;
	m.text_len = (size_t)n;
	if (ctl_send(c, &m) < 0)
		return;
	ctl_close(c);
}

/* Close once what is queued is sent, reading for LINGER_MS meanwhile. */
static void
ctl_close(struct ctl *c)
{
	if (c->state == CTL_DEAD || c->state == CTL_CLOSING)
		return;
	check_free(c->check);
	c->check = NULL;
	c->state = CTL_CLOSING;
	if (outq_empty(&c->out))
		shutdown(c->fd, SHUT_WR);
	ds_timer_start(c->timer, LINGER_MS);
}

/*
 * The networks an address is counted in, narrowest first, with each
 * one's share of a budget. Agents: an IPv6 /64 is one subnet (RFC 4291
 * section 2.5.4), of which a host may use any address; /56 and /48 are
 * the common end-site assignments (RFC 6177), which is what one
 * subscriber, and so one attacker, holds; IPv4 /32 and /24 likewise.
 * Targets: the address itself and its /64 (IPv4 /24), so that the test
 * connections one host or subnet receives are bounded however many
 * agents ask.
 */
static const struct {
	uint8_t len, mult;
} agent_v6[] = {{64, 1}, {56, 2}, {48, 4}}, agent_v4[] = {{32, 1}, {24, 4}},
  target_v6[] = {{128, 1}, {64, 4}}, target_v4[] = {{32, 1}, {24, 4}};

static size_t
net_keys(const struct ds_addr *a, bool target, struct netkey ret[LEVELS_MAX])
{
	bool v6 = a->family == AF_INET6;
	size_t n, i;

	if (target)
		n = v6 ? ARRAY_SIZE(target_v6) : ARRAY_SIZE(target_v4);
	else
		n = v6 ? ARRAY_SIZE(agent_v6) : ARRAY_SIZE(agent_v4);
	for (i = 0; i < n; i++) {
		struct ds_prefix p = {.addr = *a};

		if (target) {
			p.len = v6 ? target_v6[i].len : target_v4[i].len;
			ret[i].mult =
			    v6 ? target_v6[i].mult : target_v4[i].mult;
		} else {
			p.len = v6 ? agent_v6[i].len : agent_v4[i].len;
			ret[i].mult = v6 ? agent_v6[i].mult : agent_v4[i].mult;
		}
		p.addr.scope_id = 0;
		memset(p.addr.zone, 0, sizeof(p.addr.zone));
		ds_prefix_normalize(&p);
		ret[i].net = p.addr;
		ret[i].len = (uint8_t)p.len;
	}
	return n;
}

static const char *
net_str(const struct netkey *k, char buf[DS_PREFIX_STRLEN])
{
	struct ds_prefix p = {.addr = k->net, .len = k->len};

	if (ds_prefix_format(&p, 0, buf, DS_PREFIX_STRLEN) < 0)
		snprintf(buf, DS_PREFIX_STRLEN, "?");
	return buf;
}

static struct budget *
budget_find(struct budget_table *t, const struct netkey *k)
{
	for (size_t i = 0; i < t->n; i++) {
		struct budget *b = &t->v[i];

		if (b->len == k->len && addr_same(&b->net, &k->net))
			return b;
	}
	return NULL;
}

/* The level of a bucket of per_min now: what it had plus the refill, at
 * most its capacity (per_min checks); a capacity for none. */
static uint64_t
budget_level(const struct budget *b, uint32_t per_min, uint64_t now)
{
	uint64_t cap = 60000u * (uint64_t)per_min, dt;

	if (!b)
		return cap;
	dt = now - b->last_ms;
	if (dt >= 60000u) /* full again (and no overflow below) */
		return cap;
	return b->level + dt * per_min > cap ? cap : b->level + dt * per_min;
}

/* A new bucket for k, full; when the table is full, in place of another
 * (BUDGETS_MAX). NULL only when there is no memory for the table. */
static struct budget *
budget_add(struct budget_table *t, const struct netkey *k, uint32_t per_min,
    uint64_t now)
{
	struct budget *b = NULL, *oldest = NULL, *full = NULL;

	if (t->n == t->cap && t->cap < BUDGETS_MAX) {
		size_t n = t->cap ? 2 * t->cap : 64;
		struct budget *nv;

		if (n > BUDGETS_MAX)
			n = BUDGETS_MAX;
		nv = realloc(t->v, n * sizeof(*nv));
		if (nv) {
			t->v = nv;
			t->cap = n;
		}
	}
	if (t->n < t->cap)
		b = &t->v[t->n++];
	for (size_t i = 0; !b && i < t->n; i++) {
		struct budget *o = &t->v[i];

		if (!oldest || o->used < oldest->used)
			oldest = o;
		if ((!full || o->used < full->used) &&
		    budget_level(o, o->per_min, now) ==
		        60000u * (uint64_t)o->per_min)
			full = o;
	}
	if (!b)
		b = full ? full : oldest;
	if (!b)
		return NULL;
	memset(b, 0, sizeof(*b));
	b->net = k->net;
	b->len = k->len;
	b->per_min = per_min;
	b->level = 60000u * (uint64_t)per_min;
	b->last_ms = now;
	return b;
}

/*
 * Take n from the budget of every network in keys (per_min a minute
 * times each one's mult), or from none. Broadest first, so that a
 * network out of budget adds no buckets for its smaller parts. Returns
 * -1 when taken, else the index in keys of the network out of budget;
 * -2 when no bucket could be had (out of memory: refuse).
 */
static int
budget_take(struct ds_reach_server *s, struct budget_table *t,
    const struct netkey *keys, size_t n_keys, uint32_t per_min, unsigned n)
{
	uint64_t now = ds_loop_now(s->loop), cost = 60000u * (uint64_t)n;
	size_t i;

	for (i = n_keys; i-- > 0;)
		if (budget_level(budget_find(t, &keys[i]),
		        per_min * keys[i].mult, now) < cost)
			return (int)i;
	for (i = n_keys; i-- > 0;) {
		uint32_t rate = per_min * keys[i].mult;
		struct budget *b = budget_find(t, &keys[i]);

		if (!b && !(b = budget_add(t, &keys[i], rate, now)))
			return -2;
		b->per_min = rate;
		b->level = budget_level(b, rate, now) - cost;
		b->last_ms = now;
		b->used = ++t->seq;
	}
	return -1;
}

/* The checker's own networks, as they are now. */
static void
nets_refresh(struct ds_reach_server *s)
{
	int n;

	if (!s->nets_stale)
		return;
	n = ds_host_prefixes(s->nets, s->cap_nets);
	if (n > 0 && (size_t)n > s->cap_nets) {
		struct ds_prefix *nn =
		    realloc(s->nets, (size_t)n * sizeof(*nn));

		if (nn) {
			s->nets = nn;
			s->cap_nets = (size_t)n;
			n = ds_host_prefixes(s->nets, s->cap_nets);
		}
	}
	if (n < 0)
		return; /* keep what we had, and try again next time */
	s->n_nets = (size_t)n < s->cap_nets ? (size_t)n : s->cap_nets;
	s->nets_stale = s->mon_fd < 0;
}

static void
on_host_change(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct ds_reach_server *s = userdata;

	(void)io;
	(void)events;
	if (ds_host_monitor_drain(fd) != 0)
		s->nets_stale = true;
}

enum ds__reach_target
ds__reach_target_policy(const struct ds_addr *t, const struct ds_prefix *allow,
    size_t n_allow, bool allow_self, bool is_local,
    const struct ds_prefix *nets, size_t n_nets, size_t *ret_net)
{
	const char *why;
	size_t i;

	if (t->zone[0] != '\0' || t->scope_id != 0)
		return DS__REACH_TARGET_ZONE;
	/* Before the allowed prefixes: they may name the checker's own
	 * networks for a test, never the checker itself. */
	if (is_local && !allow_self)
		return DS__REACH_TARGET_SELF;
	for (i = 0; i < n_allow; i++)
		if (ds_prefix_contains(&allow[i], t))
			return DS__REACH_TARGET_OK;
	if (ds_reach_address_fitness(t, &why) < 0 || !ds_addr_is_global(t))
		return DS__REACH_TARGET_UNFIT;
	for (i = 0; i < n_nets; i++)
		if (ds_prefix_contains(&nets[i], t)) {
			if (ret_net)
				*ret_net = i;
			return DS__REACH_TARGET_OWN_NET;
		}
	return DS__REACH_TARGET_OK;
}

/*
 * One check at a time per agent key and test family: an agent may test
 * IPv6 and IPv4 side by side (reach check --both), never two of one
 * family at once.
 */
static bool
key_busy(const struct ds_reach_server *s, const struct ctl *self, int family)
{
	const struct ctl *c;
	int fam;

	for (c = s->head; c; c = c->next) {
		if (c == self || c->n_keys == 0 || self->n_keys == 0 ||
		    !addr_same(&c->keys[0].net, &self->keys[0].net))
			continue;
		if (c->check)
			fam = c->check->target.addr.family;
		else if (c->state == CTL_PROVE)
			fam = c->pending.target.addr.family;
		else
			continue;
		if (fam == family)
			return true;
	}
	return false;
}

/*
 * Control connections from self's networks beyond their share: the
 * index in self->keys of the first network that is full, or -1.
 */
static int
source_full(const struct ds_reach_server *s, const struct ctl *self)
{
	for (size_t i = 0; i < self->n_keys; i++) {
		uint64_t max =
		    (uint64_t)s->cfg.max_agents_per_source * self->keys[i].mult;
		uint64_t n = 0;

		for (const struct ctl *c = s->head; c; c = c->next)
			if (c != self && c->state != CTL_DEAD &&
			    c->n_keys > i &&
			    c->keys[i].len == self->keys[i].len &&
			    addr_same(&c->keys[i].net, &self->keys[i].net))
				n++;
		if (n >= max)
			return (int)i;
	}
	return -1;
}

static void
check_start(struct ctl *c, const struct ds_endpoint *target, unsigned count,
    bool port_only)
{
	struct ds_reach_server *s = c->s;
	struct ds_reach_msg ok = {.type = DS_REACH_MSG_OK};
	char ts[DS_ENDPOINT_STRLEN];
	struct check *ck;
	unsigned i;
	int r;

	ck = calloc(1, sizeof(*ck));
	if (!ck) {
		ctl_refuse(c, DS_REACH_E_INTERNAL, "out of memory");
		return;
	}
	ck->ctl = c;
	ck->target = *target;
	ck->count = count;
	ck->port_only = port_only;
	r = ds_timer_new(s->loop, check_timer, ck, &ck->timer);
	for (i = 0; r == 0 && !port_only && i < count; i++)
		r = ds_reach_token_new(ck->probes[i].token);
	if (r < 0) {
		check_free(ck);
		ctl_refuse(c, DS_REACH_E_INTERNAL, "%s", ds_strerror(r));
		return;
	}
	ok.count = count;
	ok.deadline_ms = s->cfg.deadline_ms;
	if (ctl_send(c, &ok) < 0) {
		check_free(ck);
		return;
	}
	c->check = ck;
	c->state = CTL_CHECK;
	ds_timer_stop(c->timer);
	slog(s, "check from %s started: %s, %u connection%s%s", c->name,
	    ep_str(target, ts), count, count == 1 ? "" : "s",
	    port_only ? ", port only" : "");
	ck->n_open = count;
	ck->starting = true;
	for (i = 0; i < count; i++)
		probe_start(ck, &ck->probes[i]);
	ck->starting = false;
	ds_timer_start(ck->timer, s->cfg.deadline_ms);
}

/*
 * Where the agent sends its CLAIM: the checker's address on the target's
 * family (the operator's, or the source this host uses toward the
 * target, which is the address the test connections come from), and
 * the port this control connection reached.
 */
static int
claim_endpoint(
    const struct ctl *c, const struct ds_addr *target, struct ds_endpoint *ret)
{
	const struct ds_endpoint *set = target->family == AF_INET
	    ? &c->s->cfg.claim_v4
	    : &c->s->cfg.claim_v6;
	int r = 0;

	*ret = *set;
	if (set->addr.family != target->family)
		r = ds_sort_source(target, &ret->addr);
	if (ret->port == 0)
		ret->port = c->tuple.local.port;
	return r;
}

/* The target is settled: take its budget and start. */
static void
target_start(struct ctl *c, const struct ds_endpoint *target, unsigned count,
    bool port_only)
{
	struct ds_reach_server *s = c->s;
	struct netkey keys[LEVELS_MAX];
	char ns[DS_PREFIX_STRLEN];
	size_t n = net_keys(&target->addr, true, keys);
	int i =
	    budget_take(s, &s->tests, keys, n, s->cfg.target_per_min, count);

	if (i == -2) {
		ctl_refuse(c, DS_REACH_E_INTERNAL, "out of memory");
		return;
	}
	if (i >= 0) {
		ctl_refuse(c, DS_REACH_E_RATE,
		    "%s has had its %u test connections this minute",
		    net_str(&keys[i], ns),
		    s->cfg.target_per_min * keys[i].mult);
		return;
	}
	check_start(c, target, count, port_only);
}

/* A target on the other family than the control connection: ask the
 * agent to prove that it holds it before anything is sent there. */
static void
check_prove(struct ctl *c, const struct ds_endpoint *target, unsigned count,
    bool port_only)
{
	struct ds_reach_msg m = {.type = DS_REACH_MSG_PROVE};
	char ts[DS_ENDPOINT_STRLEN], cs[DS_ENDPOINT_STRLEN];
	int r;

	memset(&c->pending, 0, sizeof(c->pending));
	c->pending.target = *target;
	c->pending.count = count;
	c->pending.port_only = port_only;
	r = claim_endpoint(c, &target->addr, &m.prove_to);
	if (r < 0) {
		ctl_refuse(c, DS_REACH_E_TARGET,
		    "this checker has no %s address to take a claim on (%s)",
		    family_name(target->addr.family), ds_strerror(r));
		return;
	}
	r = ds_reach_token_new(c->pending.nonce);
	if (r < 0) {
		ctl_refuse(c, DS_REACH_E_INTERNAL, "%s", ds_strerror(r));
		return;
	}
	m.tokens[0] = c->pending.nonce;
	if (ctl_send(c, &m) < 0)
		return;
	c->state = CTL_PROVE;
	ds_timer_start(c->timer, c->s->cfg.deadline_ms);
	slog(c->s, "check from %s: %s must be claimed, from it, at %s", c->name,
	    ep_str(target, ts), ep_str(&m.prove_to, cs));
}

/* A CLAIM on c: the check waiting for it may start. */
static void
check_claim(struct ctl *c, const struct ds_reach_msg *m)
{
	struct ds_reach_server *s = c->s;
	char as[DS_ADDR_STRLEN], ts[DS_ADDR_STRLEN];
	struct ctl *w;

	for (w = s->head; w; w = w->next)
		if (w->state == CTL_PROVE &&
		    memcmp(w->pending.nonce, m->tokens[0],
		        DS_REACH_TOKEN_HEX) == 0)
			break;
	if (!w) {
		ctl_refuse(
		    c, DS_REACH_E_STATE, "no check waits for this claim");
		return;
	}
	addr_str(&c->tuple.peer.addr, as);
	addr_str(&w->pending.target.addr, ts);
	if (!addr_same(&c->tuple.peer.addr, &w->pending.target.addr)) {
		ctl_refuse(c, DS_REACH_E_TARGET,
		    "this claim comes from %s, not from the target %s", as, ts);
		ctl_refuse(w, DS_REACH_E_TARGET,
		    "the claim came from %s, not from the target %s: send it "
		    "from the target address",
		    as, ts);
		return;
	}
	slog(s, "check from %s: %s claimed", w->name, ts);
	ctl_close(c);
	ds_timer_stop(w->timer);
	w->state = CTL_IDLE;
	target_start(
	    w, &w->pending.target, w->pending.count, w->pending.port_only);
}

static void
check_request(struct ctl *c, const struct ds_reach_msg *m)
{
	struct ds_reach_server *s = c->s;
	struct ds_endpoint t = m->target;
	char as[DS_ADDR_STRLEN], ps[DS_ADDR_STRLEN], ns[DS_PREFIX_STRLEN];
	const struct ds_addr_block *b;
	const char *why = NULL;
	size_t net = 0;
	int local, i;

	ds_addr_unmap(&t.addr, &t.addr);
	addr_str(&t.addr, as);
	if (m->count == 0 || m->count > DS_REACH_COUNT_MAX ||
	    m->count > s->cfg.target_per_min) {
		unsigned max = s->cfg.target_per_min < DS_REACH_COUNT_MAX
		    ? s->cfg.target_per_min
		    : DS_REACH_COUNT_MAX;

		ctl_refuse(c, DS_REACH_E_COUNT,
		    "%u test connections: this checker makes 1 to %u", m->count,
		    max);
		return;
	}
	local = ds_host_is_local(&t.addr);
	if (local < 0) {
		/* Unable to tell: refuse rather than risk testing ourselves. */
		ctl_refuse(c, DS_REACH_E_INTERNAL,
		    "cannot tell whether %s is this checker's: %s", as,
		    ds_strerror(local));
		return;
	}
	nets_refresh(s);
	switch (
	    ds__reach_target_policy(&t.addr, s->allow, s->cfg.n_allow_targets,
	        s->cfg.allow_self, local == 1, s->nets, s->n_nets, &net)) {
	case DS__REACH_TARGET_OK:
		break;
	case DS__REACH_TARGET_ZONE:
		ctl_refuse(c, DS_REACH_E_TARGET,
		    "%s has a zone: it means nothing on this host", as);
		return;
	case DS__REACH_TARGET_SELF:
		ctl_refuse(c, DS_REACH_E_TARGET,
		    "%s is an address of this checker", as);
		return;
	case DS__REACH_TARGET_OWN_NET:
		ds_prefix_format(&s->nets[net], 0, ns, sizeof(ns));
		ctl_refuse(c, DS_REACH_E_TARGET,
		    "%s is on a network of this checker (%s)", as, ns);
		return;
	case DS__REACH_TARGET_UNFIT:
	default:
		b = ds_addr_block(&t.addr);
		if (ds_reach_address_fitness(&t.addr, &why) < 0 && why)
			ctl_refuse(c, DS_REACH_E_TARGET, "%s", why);
		else
			ctl_refuse(c, DS_REACH_E_TARGET,
			    "%s is not a global unicast address (%s)", as,
			    b ? b->name : "unknown space");
		return;
	}
	if (t.port == 0 || (t.port < 1024 && !s->cfg.allow_low_ports)) {
		ctl_refuse(c, DS_REACH_E_PORT,
		    "port %u: this checker tests ports 1024 to 65535 only",
		    t.port);
		return;
	}
	/* The same family as the control connection: the agent can only
	 * be testing itself, so anything else is someone else's host. */
	if (!s->cfg.any_target && t.addr.family == c->tuple.peer.addr.family &&
	    !addr_same(&t.addr, &c->tuple.peer.addr)) {
		ctl_refuse(c, DS_REACH_E_TARGET,
		    "%s is not the address this control connection comes "
		    "from (%s)",
		    as, addr_str(&c->tuple.peer.addr, ps));
		return;
	}
	if (key_busy(s, c, t.addr.family)) {
		ctl_refuse(c, DS_REACH_E_BUSY,
		    "an %s check from %s is running already",
		    family_name(t.addr.family), c->name);
		return;
	}
	i = budget_take(
	    s, &s->checks, c->keys, c->n_keys, s->cfg.checks_per_min, 1);
	if (i == -2) {
		ctl_refuse(c, DS_REACH_E_INTERNAL, "out of memory");
		return;
	}
	if (i >= 0) {
		ctl_refuse(c, DS_REACH_E_RATE,
		    "more than %u checks a minute from %s",
		    s->cfg.checks_per_min * c->keys[i].mult,
		    net_str(&c->keys[i], ns));
		return;
	}
	if (!s->cfg.any_target && t.addr.family != c->tuple.peer.addr.family)
		check_prove(c, &t, m->count, m->port_only);
	else
		target_start(c, &t, m->count, m->port_only);
}

/* The returned tokens, each once: a token returned twice counts once
 * (doc/reach-protocol.md), an unknown one too. */
static void
check_tokens(struct check *ck, const struct ds_reach_msg *m)
{
	unsigned i, j, n = 0;

	for (i = 0; i < m->count && i < DS_REACH_COUNT_MAX; i++) {
		for (j = 0; j < n; j++)
			if (memcmp(ck->returned[j], m->tokens[i],
			        DS_REACH_TOKEN_HEX) == 0)
				break;
		if (j < n)
			continue;
		memcpy(ck->returned[n], m->tokens[i], DS_REACH_TOKEN_HEX);
		ck->returned[n][DS_REACH_TOKEN_HEX] = '\0';
		n++;
	}
	ck->n_returned = n;
	ck->tokens_in = true;
	check_maybe_report(ck);
}

/* The outcomes, after the tokens (the rule at the top of this file). */
static unsigned
check_settle(struct check *ck)
{
	bool matched[DS_REACH_COUNT_MAX] = {false};
	unsigned unknown = 0, delivered = 0, i, j;

	for (i = 0; i < ck->n_returned && !ck->port_only; i++) {
		for (j = 0; j < ck->count; j++) {
			struct probe *p = &ck->probes[j];

			if (p->connected &&
			    memcmp(p->token, ck->returned[i],
			        DS_REACH_TOKEN_HEX) == 0)
				break;
		}
		if (j < ck->count)
			matched[j] = true;
		else
			unknown++;
	}
	for (i = 0; i < ck->count; i++) {
		struct probe *p = &ck->probes[i];

		if (!ck->port_only && p->connected) {
			if (matched[i])
				p->outcome = DS_REACH_DELIVERED;
			else if (unknown > 0) {
				p->outcome = DS_REACH_MISMATCH;
				unknown--;
			} else if (p->reset)
				p->outcome = DS_REACH_RESET;
			else
				p->outcome = DS_REACH_NOT_RETURNED;
		}
		if (p->outcome == DS_REACH_DELIVERED ||
		    p->outcome == DS_REACH_CONNECTED)
			delivered++;
	}
	return delivered;
}

static void
check_report(struct check *ck)
{
	struct ctl *c = ck->ctl;
	struct ds_reach_msg m;
	char buf[(DS_REACH_COUNT_MAX + 2) * 128];
	char line[DS_REACH_LINE_MAX];
	char ts[DS_ENDPOINT_STRLEN];
	enum ds_reach_verdict v;
	unsigned delivered, i;
	size_t len = 0;
	int n, r = 0;

	delivered = check_settle(ck);
	v = delivered == ck->count ? DS_REACH_REACHABLE
	    : delivered == 0       ? DS_REACH_UNREACHABLE
	                           : DS_REACH_PARTIAL;
	memset(&m, 0, sizeof(m));
	m.type = DS_REACH_MSG_RESULT;
	m.verdict = v;
	m.delivered = delivered;
	m.count = ck->count;
	for (i = 0; i <= ck->count + 1 && r == 0; i++) {
		if (i > 0 && i <= ck->count) {
			const struct probe *p = &ck->probes[i - 1];

			memset(&m, 0, sizeof(m));
			m.type = DS_REACH_MSG_ATTEMPT;
			m.attempt = i;
			m.outcome = p->outcome;
			m.errno_val = p->err < 0 ? -p->err : 0;
			m.ms = p->ms;
		} else if (i > 0) {
			memset(&m, 0, sizeof(m));
			m.type = DS_REACH_MSG_DONE;
		}
		n = msg_line(&m, line);
		if (n < 0 || len + (size_t)n > sizeof(buf))
			r = -EINVAL;
		else {
			memcpy(buf + len, line, (size_t)n);
			len += (size_t)n;
		}
	}
	slog(c->s, "check from %s ended: %s %s %u/%u", c->name,
	    ep_str(&ck->target, ts), ds_reach_verdict_name(v), delivered,
	    ck->count);
	c->check = NULL;
	check_free(ck);
	if (r < 0) {
		ctl_kill(c);
		return;
	}
	if (ctl_write(c, buf, len) < 0)
		return;
	ctl_idle(c);
}

/* Back to waiting for a command. */
static void
ctl_idle(struct ctl *c)
{
	c->state = CTL_IDLE;
	ds_timer_start(c->timer, c->s->cfg.idle_ms);
}

/* A line that does not parse: the ERR that says best why. */
static void
ctl_parse_error(
    struct ctl *c, const char *line, size_t len, int err, size_t pos)
{
	bool check = len > 6 && memcmp(line, "CHECK ", 6) == 0;
	const char *why;

	if (err == -E2BIG) {
		ctl_refuse(c, DS_REACH_E_TOO_LONG, "a line over %u bytes",
		    DS_REACH_LINE_MAX);
		return;
	}
	/* The parser refuses a count or port out of range (-ERANGE is the
	 * count's, the only plain number of CHECK); they have codes of
	 * their own. */
	if (check && err == -ERANGE) {
		ctl_refuse(c, DS_REACH_E_COUNT,
		    "column %zu: this checker makes 1 to %u test connections",
		    pos + 1, DS_REACH_COUNT_MAX);
		return;
	}
	if (check && err == -DS_E_PORT_RANGE) {
		ctl_refuse(c, DS_REACH_E_PORT,
		    "column %zu: the port must be 1 to 65535", pos + 1);
		return;
	}
	if (len == 0)
		why = "empty line";
	else if (err != -EINVAL)
		why = ds_strerror(err);
	else if (pos < len &&
	    ((unsigned char)line[pos] < 0x20 ||
	        (unsigned char)line[pos] > 0x7e))
		why = "not printable ASCII";
	else if (pos == 0)
		why = "unknown keyword";
	else if (pos >= len)
		why = "a field is missing";
	else
		why = "unexpected text";
	ctl_refuse(c, DS_REACH_E_SYNTAX, "column %zu: %s", pos + 1, why);
}

static void
ctl_line(struct ctl *c, const char *line, size_t len)
{
	struct ds_reach_msg m;
	size_t pos = 0;
	int r;

	r = ds_reach_msg_parse(line, len, &m, &pos);
	if (r < 0) {
		ctl_parse_error(c, line, len, r, pos);
		return;
	}
	switch (m.type) {
	case DS_REACH_MSG_CHECK:
		if (c->state != CTL_IDLE) {
			ctl_refuse(c, DS_REACH_E_STATE,
			    "a check is running on this connection");
			return;
		}
		ds_timer_stop(c->timer);
		check_request(c, &m);
		return;
	case DS_REACH_MSG_CLAIM:
		if (c->state != CTL_IDLE) {
			ctl_refuse(c, DS_REACH_E_STATE,
			    "a claim comes on a connection of its own");
			return;
		}
		ds_timer_stop(c->timer);
		check_claim(c, &m);
		return;
	case DS_REACH_MSG_TOKENS:
		if (c->state != CTL_CHECK || c->check->tokens_in) {
			ctl_refuse(c, DS_REACH_E_STATE,
			    "TOKENS without a check waiting for them");
			return;
		}
		check_tokens(c->check, &m);
		return;
	default:
		ctl_refuse(c, DS_REACH_E_STATE,
		    "an agent sends CHECK, CLAIM and TOKENS only");
		return;
	}
}

static void
ctl_read(struct ctl *c)
{
	char line[DS_REACH_LINE_MAX];
	ssize_t n;

	if (c->state == CTL_CLOSING) {
		n = read(c->fd, line, sizeof(line));
		if (n == 0 ||
		    (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
		        errno != EINTR))
			ctl_kill(c);
		return;
	}
	n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			ctl_kill(c);
		return;
	}
	if (n == 0) {
		ctl_kill(c);
		return;
	}
	c->in_len += (size_t)n;
	while (c->state == CTL_IDLE || c->state == CTL_PROVE ||
	    c->state == CTL_CHECK) {
		size_t took = take_line(c->in, &c->in_len, line);

		if (took == 0)
			break;
		ctl_line(c, line, took - 1);
	}
	if ((c->state == CTL_IDLE || c->state == CTL_PROVE ||
	        c->state == CTL_CHECK) &&
	    c->in_len == sizeof(c->in))
		ctl_refuse(c, DS_REACH_E_TOO_LONG, "a line over %u bytes",
		    DS_REACH_LINE_MAX);
}

static void
ctl_io(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct ctl *c = userdata;

	(void)io;
	if (c->state == CTL_DEAD)
		return;
	if (events & DS_IO_OUT) {
		if (outq_flush(&c->out, fd) < 0) {
			ctl_kill(c);
			return;
		}
		if (c->state == CTL_CLOSING && outq_empty(&c->out))
			shutdown(fd, SHUT_WR);
		ctl_update(c);
	}
	if (events & (DS_IO_IN | DS_IO_HUP | DS_IO_ERR))
		ctl_read(c);
}

static void
ctl_timer(struct ds_timer *t, void *userdata)
{
	struct ctl *c = userdata;

	(void)t;
	if (c->state == CTL_IDLE)
		ctl_refuse(c, DS_REACH_E_TIMEOUT, "no complete line in %u ms",
		    c->s->cfg.idle_ms);
	else if (c->state == CTL_PROVE) {
		char ts[DS_ADDR_STRLEN];

		ctl_refuse(c, DS_REACH_E_TARGET,
		    "no claim from %s within %u ms: the target must connect "
		    "to this checker and send CLAIM with the PROVE token",
		    addr_str(&c->pending.target.addr, ts),
		    c->s->cfg.deadline_ms);
	} else if (c->state == CTL_CLOSING)
		ctl_kill(c);
}

int
ds_reach_server_new(struct ds_loop *loop,
    const struct ds_reach_server_config *cfg, ds_reach_log_fn *log,
    void *userdata, struct ds_reach_server **ret)
{
	struct ds_reach_server *s;

	if (!loop || !ret)
		return -EINVAL;
	if (cfg && cfg->n_allow_targets > 0 && !cfg->allow_targets)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (cfg)
		s->cfg = *cfg;
	if (s->cfg.n_allow_targets > 0) {
		s->allow = calloc(s->cfg.n_allow_targets, sizeof(*s->allow));
		if (!s->allow) {
			free(s);
			return -ENOMEM;
		}
		memcpy(s->allow, cfg->allow_targets,
		    s->cfg.n_allow_targets * sizeof(*s->allow));
	}
	s->cfg.allow_targets = s->allow;
	if (s->cfg.deadline_ms == 0)
		s->cfg.deadline_ms = DEADLINE_DEFAULT_MS;
	if (s->cfg.checks_per_min == 0)
		s->cfg.checks_per_min = CHECKS_PER_MIN_DEFAULT;
	if (s->cfg.target_per_min == 0)
		s->cfg.target_per_min = TARGET_PER_MIN_DEFAULT;
	if (s->cfg.max_agents == 0)
		s->cfg.max_agents = MAX_AGENTS_DEFAULT;
	if (s->cfg.max_agents_per_source == 0)
		s->cfg.max_agents_per_source = MAX_PER_SOURCE_DEFAULT;
	if (s->cfg.idle_ms == 0)
		s->cfg.idle_ms = IDLE_DEFAULT_MS;
	s->loop = loop;
	s->log = log;
	s->userdata = userdata;
	s->nets_stale = true;
	/* Without the monitor (no netlink here) the networks are read for
	 * every check instead: slower, never stale. */
	s->mon_fd = ds_host_monitor_open();
	if (s->mon_fd >= 0 &&
	    ds_io_new(
	        loop, s->mon_fd, DS_IO_IN, on_host_change, s, &s->mon_io) < 0) {
		close(s->mon_fd);
		s->mon_fd = -1;
	}
	*ret = s;
	return 0;
}

int
ds_reach_server_adopt(struct ds_reach_server *s, int fd)
{
	struct ds_reach_msg hello = {
	    .type = DS_REACH_MSG_HELLO, .version = DS_REACH_VERSION};
	struct ctl *c;
	int r, fl, i;

	if (!s || fd < 0) {
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		r = -errno;
		close(fd);
		return r;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->s = s;
	c->fd = fd;
	r = ds_tuple_from_fd(fd, &c->tuple);
	if (r == 0)
		r = ds_io_new(s->loop, fd, DS_IO_IN, ctl_io, c, &c->io);
	if (r == 0)
		r = ds_timer_new(s->loop, ctl_timer, c, &c->timer);
	if (r == 0)
		r = ds_defer_new(s->loop, ctl_reap, c, &c->reap);
	if (r < 0) {
		ds_io_free(c->io);
		ds_timer_free(c->timer);
		close(fd);
		free(c);
		return r;
	}
	c->n_keys = net_keys(&c->tuple.peer.addr, false, c->keys);
	addr_str(&c->tuple.peer.addr, c->name);
	c->next = s->head;
	if (s->head)
		s->head->prev = c;
	s->head = c;
	s->n_ctl++;
	if (s->n_ctl > s->cfg.max_agents) {
		ctl_refuse(c, DS_REACH_E_BUSY,
		    "%u agents are connected already", s->cfg.max_agents);
		return 0;
	}
	i = source_full(s, c);
	if (i >= 0) {
		char ns[DS_PREFIX_STRLEN];

		ctl_refuse(c, DS_REACH_E_BUSY,
		    "%u control connections from %s are open already",
		    s->cfg.max_agents_per_source * c->keys[i].mult,
		    net_str(&c->keys[i], ns));
		return 0;
	}
	if (ctl_send(c, &hello) == 0)
		ctl_idle(c);
	return 0;
}

struct ds_reach_server *
ds_reach_server_free(struct ds_reach_server *s)
{
	if (!s)
		return NULL;
	while (s->head)
		ctl_free(s->head);
	ds_io_free(s->mon_io);
	if (s->mon_fd >= 0)
		close(s->mon_fd);
	free(s->checks.v);
	free(s->tests.v);
	free(s->nets);
	free(s->allow);
	free(s);
	return NULL;
}

/* --- The agent ------------------------------------------------------------ */

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
	struct outq out;
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
	struct outq out;
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
	outq_reset(&cl->out);
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
	outq_reset(&a->out);
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
	if (!outq_empty(&a->out))
		ev |= DS_IO_OUT;
	ds_io_set_events(a->io, ev);
}

static int
agent_send(struct ds_reach_agent *a, const struct ds_reach_msg *m)
{
	char line[DS_REACH_LINE_MAX];
	int n = msg_line(m, line);

	if (n < 0) {
		agent_fail(a, n, "cannot write a protocol line");
		return n;
	}
	n = outq_send(&a->out, a->fd, line, (size_t)n);
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
	took = take_line(tc->buf, &tc->len, line);
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
	const char *why = NULL;
	int r;

	if (ds_reach_address_fitness(&a->adv, &why) < 0) {
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
	ds_io_set_events(
	    cl->io, outq_empty(&cl->out) ? DS_IO_IN : DS_IO_IN | DS_IO_OUT);
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
	n = msg_line(&m, buf);
	if (n < 0 || (n = outq_send(&cl->out, cl->fd, buf, (size_t)n)) < 0) {
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
		r = outq_flush(&cl->out, fd);
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
		size_t took = take_line(cl->in, &cl->in_len, line);

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
		size_t took = take_line(a->in, &a->in_len, line);

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
		r = outq_flush(&a->out, fd);
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
		const char *why = NULL;

		if (ds_reach_address_fitness(&a->adv, &why) < 0) {
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
