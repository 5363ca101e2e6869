/* SPDX-License-Identifier: MIT */
/*
 * ds_reach_server: the checker of "dualstack reach". The protocol is
 * doc/reach-protocol.md; every line goes through ds_reach_msg_format()
 * and ds_reach_msg_parse() (lib/reach-proto.c), and out through the
 * line connection of lib/reach-line.c.
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
 *   and TOKENS has come; no TOKENS within idle_us after the deadline is
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
 * What happens is a struct ds_reach_event for the event callback; a
 * refusal is a struct ds_reach_refusal, its reason and numbers. The ERR
 * line's free text is the program's words (refusal_text), or else the
 * reason's name: no sentence is made here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dualstack/error.h"
#include "dualstack/host.h"
#include "dualstack/listen.h"
#include "dualstack/reach.h"
#include "dualstack/sort.h"
#include "reach-int.h"
#include "reach-line.h"
#include "sock-int.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The checker's defaults (struct ds_reach_server_config). */
#define DEADLINE_DEFAULT_US 5000000u
#define CHECKS_PER_MIN_DEFAULT 6u
#define TARGET_PER_MIN_DEFAULT 16u
#define MAX_AGENTS_DEFAULT 256u
#define MAX_PER_SOURCE_DEFAULT 4u
#define IDLE_DEFAULT_US 10000000u

/* After an ERR: how long to read what the agent still sends. */
#define LINGER_US 1000000u

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
	struct pending pending; /* CTL_PROVE */
	struct check *check;
	struct ds__reach_outq out;
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
	ds_reach_event_fn *event;
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

/* Report ev, of the agent on c, to the event callback. */
static void
emit(struct ctl *c, struct ds_reach_event *ev)
{
	struct ds_reach_server *s = c->s;

	if (!s->event)
		return;
	ev->agent = c->tuple.src;
	s->event(s, ev, s->userdata);
}

static void check_report(struct check *ck);
static void check_start(struct ctl *c, const struct ds_endpoint *target,
    unsigned count, bool port_only);
static void ctl_idle(struct ctl *c);
static void ctl_close(struct ctl *c);
static void ctl_refuse(struct ctl *c, struct ds_reach_refusal *rf);

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
	n = ds__reach_msg_line(&m, line);
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
		int err = ds__sock_error(fd);

		if (err != 0) {
			probe_fail(p, err);
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
		struct ds_reach_refusal rf = {.why = DS_REACH_WHY_TOKENS_LATE,
		    .limit = ck->ctl->s->cfg.idle_us / 1000};

		ctl_refuse(ck->ctl, &rf);
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
		ds_timer_start_in(ck->timer, ck->ctl->s->cfg.idle_us);
}

static void
ctl_update(struct ctl *c)
{
	unsigned ev = 0;

	if (c->state == CTL_DEAD)
		return;
	ev = DS_IO_IN;
	if (!ds__reach_outq_empty(&c->out))
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
	ds__reach_outq_reset(&c->out);
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
	if (c->check) {
		struct ds_reach_event ev = {
		    .kind = DS_REACH_EV_ABORTED, .target = c->check->target};

		emit(c, &ev);
	}
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
	int r = ds__reach_outq_send(&c->out, c->fd, data, len);

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
	int n = ds__reach_msg_line(m, line);

	if (n < 0) {
		ctl_kill(c);
		return n;
	}
	return ctl_write(c, line, (size_t)n);
}

/*
 * The ERR line's text for rf: the program's words (refusal_text), or the
 * reason's name. Only printable ASCII goes on the line (the protocol's
 * <text>), so anything else becomes '?'. Returns its length.
 */
static size_t
refusal_text(const struct ds_reach_server *s, const struct ds_reach_refusal *rf,
    char *buf, size_t size)
{
	size_t n;
	int r;

	if (s->cfg.refusal_text)
		r = s->cfg.refusal_text(rf, buf, size, s->userdata);
	else
		r = snprintf(buf, size, "%s", ds_reach_why_name(rf->why));
	if (r < 0) {
		buf[0] = '\0';
		return 0;
	}
	n = (size_t)r < size ? (size_t)r : size - 1;
	for (size_t i = 0; i < n; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			buf[i] = '?';
	return n;
}

/* ERR with rf's code and text, and close after a linger. An event. */
static void
ctl_refuse(struct ctl *c, struct ds_reach_refusal *rf)
{
	struct ds_reach_event ev = {.kind = DS_REACH_EV_REFUSED};
	struct ds_reach_msg m = {.type = DS_REACH_MSG_ERR};
	char text[384];

	if (c->state == CTL_DEAD || c->state == CTL_CLOSING)
		return;
	rf->code = ds_reach_why_code(rf->why);
	m.err = rf->code;
	m.text_len = refusal_text(c->s, rf, text, sizeof(text));
	m.text = m.text_len ? text : NULL;
	ev.refusal = *rf;
	emit(c, &ev);
	check_free(c->check);
	c->check = NULL;
	if (ctl_send(c, &m) < 0)
		return;
	ctl_close(c);
}

/* Refuse for a reason that has no numbers. */
static void
ctl_refuse_why(struct ctl *c, enum ds_reach_why why)
{
	struct ds_reach_refusal rf = {.why = why};

	ctl_refuse(c, &rf);
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
	if (ds__reach_outq_empty(&c->out))
		shutdown(c->fd, SHUT_WR);
	ds_timer_start_in(c->timer, LINGER_US);
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

static struct ds_prefix
net_prefix(const struct netkey *k)
{
	struct ds_prefix p = {.addr = k->net, .len = k->len};

	return p;
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
	uint64_t now = ds_loop_now(s->loop) / 1000, cost = 60000u * (uint64_t)n;
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
	if (ds_reach_address_fitness(t, NULL) < 0 || !ds_addr_is_global(t))
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
	struct ds_reach_event ev = {.kind = DS_REACH_EV_STARTED,
	    .target = *target,
	    .count = count,
	    .port_only = port_only};
	struct check *ck;
	unsigned i;
	int r;

	ck = calloc(1, sizeof(*ck));
	if (!ck) {
		ctl_refuse_why(c, DS_REACH_WHY_NO_MEMORY);
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
		struct ds_reach_refusal rf = {
		    .why = DS_REACH_WHY_INTERNAL, .err = r};

		check_free(ck);
		ctl_refuse(c, &rf);
		return;
	}
	ok.count = count;
	/* The line protocol speaks milliseconds. */
	ok.deadline_ms = (uint32_t)(s->cfg.deadline_us / 1000);
	if (ctl_send(c, &ok) < 0) {
		check_free(ck);
		return;
	}
	c->check = ck;
	c->state = CTL_CHECK;
	ds_timer_stop(c->timer);
	emit(c, &ev);
	ck->n_open = count;
	ck->starting = true;
	for (i = 0; i < count; i++)
		probe_start(ck, &ck->probes[i]);
	ck->starting = false;
	ds_timer_start_in(ck->timer, s->cfg.deadline_us);
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
		ret->port = c->tuple.dst.port;
	return r;
}

/* The target is settled: take its budget and start. */
static void
target_start(struct ctl *c, const struct ds_endpoint *target, unsigned count,
    bool port_only)
{
	struct ds_reach_server *s = c->s;
	struct netkey keys[LEVELS_MAX];
	size_t n = net_keys(&target->addr, true, keys);
	int i =
	    budget_take(s, &s->tests, keys, n, s->cfg.target_per_min, count);

	if (i == -2) {
		ctl_refuse_why(c, DS_REACH_WHY_NO_MEMORY);
		return;
	}
	if (i >= 0) {
		struct ds_reach_refusal rf = {.why = DS_REACH_WHY_RATE_TARGET,
		    .target = target->addr,
		    .net = net_prefix(&keys[i]),
		    .limit = s->cfg.target_per_min * keys[i].mult};

		ctl_refuse(c, &rf);
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
	struct ds_reach_event ev = {
	    .kind = DS_REACH_EV_CLAIM_ASKED, .target = *target};
	int r;

	memset(&c->pending, 0, sizeof(c->pending));
	c->pending.target = *target;
	c->pending.count = count;
	c->pending.port_only = port_only;
	r = claim_endpoint(c, &target->addr, &m.prove_to);
	if (r < 0) {
		struct ds_reach_refusal rf = {
		    .why = DS_REACH_WHY_NO_CLAIM_ADDRESS,
		    .target = target->addr,
		    .family = target->addr.family,
		    .err = r};

		ctl_refuse(c, &rf);
		return;
	}
	r = ds_reach_token_new(c->pending.nonce);
	if (r < 0) {
		struct ds_reach_refusal rf = {
		    .why = DS_REACH_WHY_INTERNAL, .err = r};

		ctl_refuse(c, &rf);
		return;
	}
	m.tokens[0] = c->pending.nonce;
	if (ctl_send(c, &m) < 0)
		return;
	c->state = CTL_PROVE;
	ds_timer_start_in(c->timer, c->s->cfg.deadline_us);
	ev.claim_to = m.prove_to;
	emit(c, &ev);
}

/* A CLAIM on c: the check waiting for it may start. */
static void
check_claim(struct ctl *c, const struct ds_reach_msg *m)
{
	struct ds_reach_server *s = c->s;
	struct ds_reach_event ev = {.kind = DS_REACH_EV_CLAIMED};
	struct ctl *w;

	for (w = s->head; w; w = w->next)
		if (w->state == CTL_PROVE &&
		    memcmp(w->pending.nonce, m->tokens[0],
		        DS_REACH_TOKEN_HEX) == 0)
			break;
	if (!w) {
		ctl_refuse_why(c, DS_REACH_WHY_CLAIM_UNKNOWN);
		return;
	}
	if (!addr_same(&c->tuple.src.addr, &w->pending.target.addr)) {
		struct ds_reach_refusal rf = {.why = DS_REACH_WHY_CLAIM_SOURCE,
		    .target = w->pending.target.addr,
		    .from = c->tuple.src.addr};

		ctl_refuse(c, &rf);
		rf.why = DS_REACH_WHY_CLAIMED_ELSEWHERE;
		ctl_refuse(w, &rf);
		return;
	}
	ev.target = w->pending.target;
	emit(w, &ev);
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
	struct ds_reach_refusal rf;
	size_t net = 0;
	int local, i;

	ds_addr_unmap(&t.addr, &t.addr);
	memset(&rf, 0, sizeof(rf));
	rf.target = t.addr;
	if (m->count == 0 || m->count > DS_REACH_COUNT_MAX ||
	    m->count > s->cfg.target_per_min) {
		rf.why = DS_REACH_WHY_COUNT;
		rf.count = m->count;
		rf.limit = s->cfg.target_per_min < DS_REACH_COUNT_MAX
		    ? s->cfg.target_per_min
		    : DS_REACH_COUNT_MAX;
		ctl_refuse(c, &rf);
		return;
	}
	local = ds_host_is_local(&t.addr);
	if (local < 0) {
		/* Unable to tell: refuse rather than risk testing ourselves. */
		rf.why = DS_REACH_WHY_SELF_UNKNOWN;
		rf.err = local;
		ctl_refuse(c, &rf);
		return;
	}
	nets_refresh(s);
	switch (
	    ds__reach_target_policy(&t.addr, s->allow, s->cfg.n_allow_targets,
	        s->cfg.allow_self, local == 1, s->nets, s->n_nets, &net)) {
	case DS__REACH_TARGET_OK:
		break;
	case DS__REACH_TARGET_ZONE:
		rf.why = DS_REACH_WHY_TARGET_ZONE;
		ctl_refuse(c, &rf);
		return;
	case DS__REACH_TARGET_SELF:
		rf.why = DS_REACH_WHY_TARGET_SELF;
		ctl_refuse(c, &rf);
		return;
	case DS__REACH_TARGET_OWN_NET:
		rf.why = DS_REACH_WHY_TARGET_OWN_NET;
		rf.net = s->nets[net];
		ctl_refuse(c, &rf);
		return;
	case DS__REACH_TARGET_UNFIT:
	default:
		rf.why = DS_REACH_WHY_TARGET_UNFIT;
		if (ds_reach_address_fitness(&t.addr, &rf.block) == 0)
			rf.block = DS_KIND_OTHER; /* allowed, yet not global */
		ctl_refuse(c, &rf);
		return;
	}
	if (t.port == 0 || (t.port < 1024 && !s->cfg.allow_low_ports)) {
		rf.why = DS_REACH_WHY_PORT_LOW;
		rf.port = t.port;
		ctl_refuse(c, &rf);
		return;
	}
	/* The same family as the control connection: the agent can only
	 * be testing itself, so anything else is someone else's host. */
	if (!s->cfg.any_target && t.addr.family == c->tuple.src.addr.family &&
	    !addr_same(&t.addr, &c->tuple.src.addr)) {
		rf.why = DS_REACH_WHY_TARGET_NOT_PEER;
		rf.from = c->tuple.src.addr;
		ctl_refuse(c, &rf);
		return;
	}
	if (key_busy(s, c, t.addr.family)) {
		rf.why = DS_REACH_WHY_BUSY_CHECK;
		rf.family = t.addr.family;
		rf.from = c->tuple.src.addr;
		ctl_refuse(c, &rf);
		return;
	}
	i = budget_take(
	    s, &s->checks, c->keys, c->n_keys, s->cfg.checks_per_min, 1);
	if (i == -2) {
		ctl_refuse_why(c, DS_REACH_WHY_NO_MEMORY);
		return;
	}
	if (i >= 0) {
		rf.why = DS_REACH_WHY_RATE_AGENT;
		rf.net = net_prefix(&c->keys[i]);
		rf.limit = s->cfg.checks_per_min * c->keys[i].mult;
		ctl_refuse(c, &rf);
		return;
	}
	if (!s->cfg.any_target && t.addr.family != c->tuple.src.addr.family)
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
	struct ds_reach_event ev = {.kind = DS_REACH_EV_ENDED};
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
		n = ds__reach_msg_line(&m, line);
		if (n < 0 || len + (size_t)n > sizeof(buf))
			r = -EINVAL;
		else {
			memcpy(buf + len, line, (size_t)n);
			len += (size_t)n;
		}
	}
	ev.target = ck->target;
	ev.verdict = v;
	ev.delivered = delivered;
	ev.count = ck->count;
	emit(c, &ev);
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
	ds_timer_start_in(c->timer, c->s->cfg.idle_us);
}

/* A line longer than the protocol allows. */
static void
ctl_refuse_long(struct ctl *c)
{
	struct ds_reach_refusal rf = {
	    .why = DS_REACH_WHY_LINE_TOO_LONG, .limit = DS_REACH_LINE_MAX};

	ctl_refuse(c, &rf);
}

/* A line that does not parse: the ERR that says best why. */
static void
ctl_parse_error(
    struct ctl *c, const char *line, size_t len, int err, size_t pos)
{
	bool check = len > 6 && memcmp(line, "CHECK ", 6) == 0;
	struct ds_reach_refusal rf = {.column = (unsigned)pos + 1};

	if (err == -DS_E_REACH_TOO_LONG) {
		ctl_refuse_long(c);
		return;
	}
	/* The parser refuses a count or port out of range (a range error is
	 * the count's, the only plain number of CHECK); they have codes of
	 * their own. */
	if (check && err == -DS_E_REACH_RANGE) {
		rf.why = DS_REACH_WHY_COUNT_RANGE;
		rf.limit = DS_REACH_COUNT_MAX;
	} else if (check && err == -DS_E_PORT_RANGE)
		rf.why = DS_REACH_WHY_PORT_RANGE;
	else if (len == 0)
		rf.why = DS_REACH_WHY_SYNTAX_EMPTY;
	else if (err == -DS_E_REACH_RANGE) {
		/* A number out of range in another line: said as before,
		 * in the system's words for ERANGE. */
		rf.why = DS_REACH_WHY_SYNTAX_FIELD;
		rf.err = -ERANGE;
	} else if (err > -DS_E_REACH_EMPTY || err < -DS_E_REACH_TOO_LONG) {
		/* Not the reach parser's own: the address parser's. */
		rf.why = DS_REACH_WHY_SYNTAX_FIELD;
		rf.err = err;
	} else if (pos < len &&
	    ((unsigned char)line[pos] < 0x20 ||
	        (unsigned char)line[pos] > 0x7e))
		rf.why = DS_REACH_WHY_SYNTAX_CHAR;
	else if (pos == 0)
		rf.why = DS_REACH_WHY_SYNTAX_KEYWORD;
	else if (pos >= len)
		rf.why = DS_REACH_WHY_SYNTAX_MISSING;
	else
		rf.why = DS_REACH_WHY_SYNTAX_EXTRA;
	ctl_refuse(c, &rf);
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
			ctl_refuse_why(c, DS_REACH_WHY_CHECK_RUNNING);
			return;
		}
		ds_timer_stop(c->timer);
		check_request(c, &m);
		return;
	case DS_REACH_MSG_CLAIM:
		if (c->state != CTL_IDLE) {
			ctl_refuse_why(c, DS_REACH_WHY_CLAIM_CONNECTION);
			return;
		}
		ds_timer_stop(c->timer);
		check_claim(c, &m);
		return;
	case DS_REACH_MSG_TOKENS:
		if (c->state != CTL_CHECK || c->check->tokens_in) {
			ctl_refuse_why(c, DS_REACH_WHY_TOKENS_UNEXPECTED);
			return;
		}
		check_tokens(c->check, &m);
		return;
	default:
		ctl_refuse_why(c, DS_REACH_WHY_AGENT_LINE);
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
		size_t took = ds__reach_take_line(c->in, &c->in_len, line);

		if (took == 0)
			break;
		ctl_line(c, line, took - 1);
	}
	if ((c->state == CTL_IDLE || c->state == CTL_PROVE ||
	        c->state == CTL_CHECK) &&
	    c->in_len == sizeof(c->in))
		ctl_refuse_long(c);
}

static void
ctl_io(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct ctl *c = userdata;

	(void)io;
	if (c->state == CTL_DEAD)
		return;
	if (events & DS_IO_OUT) {
		if (ds__reach_outq_flush(&c->out, fd) < 0) {
			ctl_kill(c);
			return;
		}
		if (c->state == CTL_CLOSING && ds__reach_outq_empty(&c->out))
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
	struct ds_reach_refusal rf = {
	    .why = DS_REACH_WHY_IDLE, .limit = c->s->cfg.idle_us / 1000};

	(void)t;
	if (c->state == CTL_IDLE)
		ctl_refuse(c, &rf);
	else if (c->state == CTL_PROVE) {
		rf.why = DS_REACH_WHY_NO_CLAIM;
		rf.target = c->pending.target.addr;
		rf.limit = c->s->cfg.deadline_us / 1000;
		ctl_refuse(c, &rf);
	} else if (c->state == CTL_CLOSING)
		ctl_kill(c);
}

int
ds_reach_server_new(struct ds_loop *loop,
    const struct ds_reach_server_config *cfg, ds_reach_event_fn *event,
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
	if (s->cfg.deadline_us == 0)
		s->cfg.deadline_us = DEADLINE_DEFAULT_US;
	if (s->cfg.checks_per_min == 0)
		s->cfg.checks_per_min = CHECKS_PER_MIN_DEFAULT;
	if (s->cfg.target_per_min == 0)
		s->cfg.target_per_min = TARGET_PER_MIN_DEFAULT;
	if (s->cfg.max_agents == 0)
		s->cfg.max_agents = MAX_AGENTS_DEFAULT;
	if (s->cfg.max_agents_per_source == 0)
		s->cfg.max_agents_per_source = MAX_PER_SOURCE_DEFAULT;
	if (s->cfg.idle_us == 0)
		s->cfg.idle_us = IDLE_DEFAULT_US;
	s->loop = loop;
	s->event = event;
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
	c->n_keys = net_keys(&c->tuple.src.addr, false, c->keys);
	c->next = s->head;
	if (s->head)
		s->head->prev = c;
	s->head = c;
	s->n_ctl++;
	if (s->n_ctl > s->cfg.max_agents) {
		struct ds_reach_refusal rf = {.why = DS_REACH_WHY_BUSY_AGENTS,
		    .limit = s->cfg.max_agents};

		ctl_refuse(c, &rf);
		return 0;
	}
	i = source_full(s, c);
	if (i >= 0) {
		struct ds_reach_refusal rf = {.why = DS_REACH_WHY_BUSY_SOURCE,
		    .net = net_prefix(&c->keys[i]),
		    .limit = s->cfg.max_agents_per_source * c->keys[i].mult};

		ctl_refuse(c, &rf);
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
