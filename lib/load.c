/* SPDX-License-Identifier: MIT */
/*
 * ds_load: the load generator's engine and its latency histogram.
 *
 * Each slot is a small state machine driven by its socket's readiness:
 *
 *   IDLE --begin--> CONNECTING --writable, SO_ERROR 0--> OPEN
 *   OPEN: send the message (watching for writability only while a send
 *         was partial), read the reply into the slot's buffer as it comes,
 *         compare each chunk with what was sent, and at the last byte
 *         record the latency and send the next message at once.
 *   end of the connection (all messages, or an error): close, then queue
 *         the slot; a deferred callback begins the queued slots on the next
 *         iteration, so a target that refuses at once cannot recurse or
 *         spin inside one callback.
 *
 * Timeouts cost nothing per message: each slot notes the loop time of its
 * last progress, and one periodic timer for the whole run fails the slots
 * that have been quiet for longer than timeout_us.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dualstack/error.h"
#include "dualstack/load.h"
#include "sock-int.h"

/* --- Names ---------------------------------------------------------------- */

static const char *const proto_names[] = {
    [DS_LOAD_ECHO] = "echo",
    [DS_LOAD_LEN32] = "len32",
    [DS_LOAD_LINE] = "line",
};

const char *
ds_load_proto_name(enum ds_load_proto p)
{
	if ((unsigned)p < sizeof(proto_names) / sizeof(proto_names[0]) &&
	    proto_names[p])
		return proto_names[p];
	return "unknown";
}

int
ds_load_proto_parse(const char *s, enum ds_load_proto *ret)
{
	for (unsigned p = DS_LOAD_ECHO; p <= DS_LOAD_LINE; p++)
		if (strcmp(s, proto_names[p]) == 0) {
			*ret = (enum ds_load_proto)p;
			return 0;
		}
	return -EINVAL;
}

static const char *const err_names[DS_LOAD_ERR_KINDS] = {
    [DS_LOAD_ERR_REFUSED] = "refused",
    [DS_LOAD_ERR_RESET] = "reset",
    [DS_LOAD_ERR_TIMEOUT] = "timeout",
    [DS_LOAD_ERR_MISMATCH] = "mismatch",
    [DS_LOAD_ERR_CLOSED] = "closed",
    [DS_LOAD_ERR_OTHER] = "other",
};

const char *
ds_load_err_name(enum ds_load_err kind)
{
	if ((unsigned)kind < DS_LOAD_ERR_KINDS)
		return err_names[kind];
	return "unknown";
}

/* --- Engine --------------------------------------------------------------- */

enum slot_state {
	SLOT_IDLE = 0,   /* nothing more to do */
	SLOT_QUEUED,     /* waiting for the deferred callback to begin it */
	SLOT_PARKED,     /* a local resource ran out; retried at the tick */
	SLOT_CONNECTING, /* connect() in progress */
	SLOT_OPEN,       /* exchanging messages */
};

#define NO_SLOT UINT32_MAX

struct slot {
	struct ds_load *l;
	struct ds_io *io;
	int fd;
	enum slot_state state;
	uint32_t next;     /* in the begin queue */
	unsigned events;   /* what io watches now */
	uint64_t serial;   /* of the current connection, from 0 */
	uint64_t msgs;     /* finished on this connection */
	size_t sent, got;  /* of the current message */
	uint64_t start_us; /* of the connect or the message */
	uint64_t last_us;  /* loop time of the last progress */
	uint8_t *out, *in; /* one wire message each */
};

struct ds_load {
	struct ds_loop *loop;
	struct ds_load_config cfg;
	ds_load_fn *on_progress, *on_done;
	void *userdata;

	struct ds_timer *tick;     /* timeouts, parked slots */
	struct ds_timer *progress; /* on_progress */
	struct ds_timer *deadline; /* duration_us */
	struct ds_defer *kick;     /* begins queued slots; delivers on_done */
	uint64_t tick_us;

	struct sockaddr_storage sa;
	socklen_t salen;

	struct slot *slots;
	uint32_t nslots;
	uint32_t qhead, qtail; /* queued slots, a list through slot.next */
	uint32_t busy;         /* slots not IDLE */
	uint8_t *bufs;
	size_t wire; /* bytes of one message on the wire */

	uint64_t begun; /* connections begun */
	uint64_t t0_us; /* start of the run, 0 before it */
	bool over;      /* every slot closed, result final */
	bool done_told; /* on_done was called */

	struct ds_load_result res;
};

static void slot_io(struct ds_io *io, int fd, unsigned events, void *userdata);

static uint32_t
slot_id(const struct slot *s)
{
	return (uint32_t)(s - s->l->slots);
}

static void
queue_slot(struct slot *s)
{
	struct ds_load *l = s->l;
	uint32_t id = slot_id(s);

	s->state = SLOT_QUEUED;
	s->next = NO_SLOT;
	if (l->qtail == NO_SLOT)
		l->qhead = id;
	else
		l->slots[l->qtail].next = id;
	l->qtail = id;
	ds_defer_schedule(l->kick);
}

/* splitmix64's finaliser: spreads a counter over all 64 bits. */
static uint64_t
mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

/*
 * The wire bytes of message 'msg' of connection 'serial': a payload from
 * xorshift64 seeded by the three numbers, framed as the protocol says.
 */
static void
make_message(
    const struct ds_load *l, uint64_t serial, uint64_t msg, uint8_t *out)
{
	/* 64 printable characters, none of them '\r' or '\n'. */
	static const char printable[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                  "abcdefghijklmnopqrstuvwxyz"
	                                  "0123456789-_";
	uint64_t x = mix64(l->cfg.seed ^ mix64(serial * 2 + 1) ^
	    mix64(msg + UINT64_C(0x9e3779b97f4a7c15)));
	uint32_t size = l->cfg.size;
	uint8_t *p = out;
	size_t i = 0;

	if (x == 0)
		x = 1; /* xorshift's one fixed point */
	if (l->cfg.proto == DS_LOAD_LEN32) {
		p[0] = (uint8_t)(size >> 24);
		p[1] = (uint8_t)(size >> 16);
		p[2] = (uint8_t)(size >> 8);
		p[3] = (uint8_t)size;
		p += 4;
	}
	while (i < size) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		for (unsigned k = 0; k < 8 && i < size; k++, i++)
			p[i] = (uint8_t)(x >> (8 * k));
	}
	if (l->cfg.proto == DS_LOAD_LINE) {
		for (i = 0; i < size; i++)
			p[i] = (uint8_t)printable[p[i] & 63];
		p[size] = '\n';
	}
}

static bool
local_shortage(int err)
{
	/* Out of descriptors, memory or ephemeral ports: retrying at once
	 * would only spin. */
	return err == EMFILE || err == ENFILE || err == ENOBUFS ||
	    err == ENOMEM || err == EADDRNOTAVAIL;
}

static enum ds_load_err
err_kind(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return DS_LOAD_ERR_REFUSED;
	case ECONNRESET:
	case ECONNABORTED:
	case EPIPE:
		return DS_LOAD_ERR_RESET;
	case ETIMEDOUT:
		return DS_LOAD_ERR_TIMEOUT;
	default:
		return DS_LOAD_ERR_OTHER;
	}
}

static void
slot_close(struct slot *s)
{
	if (s->state == SLOT_OPEN)
		s->l->res.open--;
	s->io = ds_io_free(s->io);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->events = 0;
}

static void finish(struct ds_load *l, bool stopped);

/* The slot's connection is over; go on with the next one. */
static void
slot_next(struct slot *s, bool park)
{
	slot_close(s);
	if (park) {
		s->state = SLOT_PARKED;
		return;
	}
	queue_slot(s);
}

static void
slot_fail(struct slot *s, enum ds_load_err kind, int err)
{
	struct ds_load_result *r = &s->l->res;

	r->errors[kind]++;
	if (kind == DS_LOAD_ERR_OTHER && r->other_err == 0)
		r->other_err = -err;
	r->connections++;
	r->connections_failed++;
	slot_next(s, kind == DS_LOAD_ERR_OTHER && local_shortage(err));
}

static void
slot_fail_errno(struct slot *s, int err)
{
	slot_fail(s, err_kind(err), err);
}

static void
slot_ok(struct slot *s)
{
	s->l->res.connections++;
	s->l->res.connections_ok++;
	slot_next(s, false);
}

static int
slot_watch(struct slot *s, unsigned events)
{
	int r;

	if (events == s->events)
		return 0;
	r = ds_io_set_events(s->io, events);
	if (r < 0)
		return r;
	s->events = events;
	return 0;
}

/* Send what is left of the message. Returns false if the slot closed. */
static bool
slot_send(struct slot *s)
{
	struct ds_load *l = s->l;
	ssize_t n;
	int r;

	n = send(s->fd, s->out + s->sent, l->wire - s->sent, MSG_NOSIGNAL);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			slot_fail_errno(s, errno);
			return false;
		}
		n = 0;
	}
	if (n > 0) {
		s->sent += (size_t)n;
		l->res.bytes_sent += (uint64_t)n;
		s->last_us = ds_loop_now(l->loop);
	}
	r = slot_watch(s, s->sent < l->wire ? DS_IO_IN | DS_IO_OUT : DS_IO_IN);
	if (r < 0) {
		slot_fail(s, DS_LOAD_ERR_OTHER, -r);
		return false;
	}
	return true;
}

static void
slot_message(struct slot *s, uint64_t now_us)
{
	make_message(s->l, s->serial, s->msgs, s->out);
	s->sent = 0;
	s->got = 0;
	s->start_us = now_us;
	slot_send(s);
}

static void
slot_connected(struct slot *s)
{
	struct ds_load *l = s->l;
	uint64_t now = ds_time_now_us();

	ds_hist_record(&l->res.connect, now - s->start_us);
	s->state = SLOT_OPEN;
	l->res.open++;
	s->last_us = ds_loop_now(l->loop);
	s->msgs = 0;
	if (l->cfg.messages == 0) {
		slot_ok(s);
		return;
	}
	slot_message(s, now);
}

static void
slot_recv(struct slot *s)
{
	struct ds_load *l = s->l;
	ssize_t n;
	uint64_t now;

	n = recv(s->fd, s->in + s->got, l->wire - s->got, 0);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			slot_fail_errno(s, errno);
		return;
	}
	if (n == 0) {
		slot_fail(s, DS_LOAD_ERR_CLOSED, 0);
		return;
	}
	if (memcmp(s->in + s->got, s->out + s->got, (size_t)n) != 0) {
		slot_fail(s, DS_LOAD_ERR_MISMATCH, 0);
		return;
	}
	s->got += (size_t)n;
	l->res.bytes_received += (uint64_t)n;
	if (s->got > s->sent) {
		/* More than was sent so far cannot be an echo of it. */
		slot_fail(s, DS_LOAD_ERR_MISMATCH, 0);
		return;
	}
	s->last_us = ds_loop_now(l->loop);
	if (s->got < l->wire)
		return;

	now = ds_time_now_us();
	ds_hist_record(&l->res.latency, now - s->start_us);
	l->res.messages++;
	if (++s->msgs == l->cfg.messages) {
		slot_ok(s);
		return;
	}
	slot_message(s, now);
}

static void
slot_io(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct slot *s = userdata;

	if (s->state == SLOT_CONNECTING) {
		int err = -ds__sock_error(fd);

		if (err == 0 && !(events & (DS_IO_OUT | DS_IO_ERR | DS_IO_HUP)))
			return;
		if (err) {
			slot_fail_errno(s, err);
			return;
		}
		slot_connected(s);
		return;
	}
	if (s->state != SLOT_OPEN)
		return;
	if ((events & DS_IO_OUT) && s->sent < s->l->wire) {
		if (!slot_send(s))
			return;
	}
	if (events & (DS_IO_IN | DS_IO_HUP | DS_IO_ERR))
		slot_recv(s);
}

/* Start the slot's next connection, or retire it. */
static void
slot_begin(struct slot *s)
{
	struct ds_load *l = s->l;
	int fd, r, one = 1;

	if (l->over || (l->cfg.connections && l->begun >= l->cfg.connections)) {
		s->state = SLOT_IDLE;
		if (--l->busy == 0)
			finish(l, false);
		return;
	}
	s->serial = l->begun++;
	s->start_us = ds_time_now_us();
	s->last_us = ds_loop_now(l->loop);
	s->state = SLOT_CONNECTING;

	fd = socket(
	    l->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		slot_fail_errno(s, errno);
		return;
	}
	s->fd = fd;
	/* One small message per round trip: Nagle would hold the next one
	 * back until the previous is acknowledged. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&l->sa, l->salen) == -1 &&
	    errno != EINPROGRESS) {
		slot_fail_errno(s, errno);
		return;
	}
	r = ds_io_new(l->loop, fd, DS_IO_OUT, slot_io, s, &s->io);
	if (r < 0) {
		slot_fail(s, DS_LOAD_ERR_OTHER, -r);
		return;
	}
	s->events = DS_IO_OUT;
	/* Even when connect() completed at once, wait for writability:
	 * the callback then reads SO_ERROR like for any other. */
}

static void
update_elapsed(struct ds_load *l)
{
	if (l->t0_us && !l->over)
		l->res.elapsed_us = ds_time_now_us() - l->t0_us;
}

/* Close every slot, make the result final, and have on_done called. */
static void
finish(struct ds_load *l, bool stopped)
{
	if (l->over)
		return;
	update_elapsed(l);
	l->over = true;
	for (uint32_t i = 0; i < l->nslots; i++) {
		struct slot *s = &l->slots[i];

		if (s->state == SLOT_OPEN &&
		    l->cfg.messages == DS_LOAD_FOREVER) {
			l->res.connections++;
			l->res.connections_ok++;
		} else if (s->state == SLOT_OPEN ||
		    s->state == SLOT_CONNECTING) {
			l->res.connections_unfinished++;
		}
		slot_close(s);
		s->state = SLOT_IDLE;
	}
	l->busy = 0;
	l->qhead = l->qtail = NO_SLOT;
	ds_timer_stop(l->tick);
	ds_timer_stop(l->progress);
	ds_timer_stop(l->deadline);
	l->res.done = true;
	l->res.stopped = stopped;
	ds_defer_schedule(l->kick);
}

static void
kick_cb(struct ds_defer *d, void *userdata)
{
	struct ds_load *l = userdata;
	uint32_t id;

	if (l->over) {
		if (!l->done_told) {
			l->done_told = true;
			/* The last thing: on_done may free l. */
			if (l->on_done)
				l->on_done(l, &l->res, l->userdata);
		}
		return;
	}
	if (l->t0_us == 0) {
		l->t0_us = ds_time_now_us();
		ds_timer_start_in(l->tick, l->tick_us);
		if (l->cfg.progress_us)
			ds_timer_start_in(l->progress, l->cfg.progress_us);
		if (l->cfg.duration_us)
			ds_timer_start_in(l->deadline, l->cfg.duration_us);
	}
	/* Take the queue as it is: slots queued again while it is worked
	 * through wait for the next iteration. */
	id = l->qhead;
	l->qhead = l->qtail = NO_SLOT;
	while (id != NO_SLOT && !l->over) {
		struct slot *s = &l->slots[id];

		id = s->next;
		slot_begin(s);
	}
	(void)d;
}

static void
tick_cb(struct ds_timer *t, void *userdata)
{
	struct ds_load *l = userdata;
	uint64_t now = ds_loop_now(l->loop);

	for (uint32_t i = 0; i < l->nslots && !l->over; i++) {
		struct slot *s = &l->slots[i];

		if (s->state == SLOT_PARKED) {
			queue_slot(s);
		} else if ((s->state == SLOT_CONNECTING ||
		               s->state == SLOT_OPEN) &&
		    now >= s->last_us + l->cfg.timeout_us) {
			slot_fail(s, DS_LOAD_ERR_TIMEOUT, ETIMEDOUT);
		}
	}
	if (!l->over)
		ds_timer_start_in(t, l->tick_us);
}

static void
progress_cb(struct ds_timer *t, void *userdata)
{
	struct ds_load *l = userdata;

	ds_timer_start_in(t, l->cfg.progress_us);
	update_elapsed(l);
	if (l->on_progress)
		l->on_progress(l, &l->res, l->userdata);
}

static void
deadline_cb(struct ds_timer *t, void *userdata)
{
	finish(userdata, false);
	(void)t;
}

static size_t
wire_size(const struct ds_load_config *cfg)
{
	switch (cfg->proto) {
	case DS_LOAD_LEN32:
		return (size_t)cfg->size + 4;
	case DS_LOAD_LINE:
		return (size_t)cfg->size + 1;
	default:
		return cfg->size;
	}
}

static int
check_config(struct ds_load_config *cfg)
{
	if (cfg->proto == 0)
		cfg->proto = DS_LOAD_ECHO;
	if (cfg->proto < DS_LOAD_ECHO || cfg->proto > DS_LOAD_LINE)
		return -EINVAL;
	if (cfg->concurrency == 0)
		cfg->concurrency = 1;
	if (cfg->concurrency > DS_LOAD_MAX_CONCURRENCY)
		return -DS_E_LOAD_CONCURRENCY;
	if (cfg->size > DS_LOAD_MAX_SIZE)
		return -DS_E_LOAD_SIZE;
	if (cfg->proto == DS_LOAD_ECHO && cfg->size == 0 && cfg->messages)
		return -DS_E_LOAD_EMPTY_ECHO;
	/* Every run must end by itself. */
	if (cfg->connections == 0 && cfg->duration_us == 0)
		return -DS_E_LOAD_ENDLESS;
	if (cfg->messages == DS_LOAD_FOREVER && cfg->duration_us == 0)
		return -DS_E_LOAD_ENDLESS;
	if (cfg->timeout_us == 0)
		cfg->timeout_us = 5000000;
	if (cfg->target.port == 0)
		return -DS_E_PORT_MISSING;
	/* A zone that no interface's index stands for. */
	if (cfg->target.addr.zone[0] && cfg->target.addr.scope_id == 0)
		return -DS_E_ZONE_UNKNOWN;
	return 0;
}

int
ds_load_new(struct ds_loop *loop, const struct ds_load_config *cfg,
    ds_load_fn *on_progress, ds_load_fn *on_done, void *userdata,
    struct ds_load **ret)
{
	struct ds_load *l;
	struct ds_load_config c = *cfg;
	uint32_t nslots;
	size_t wire;
	int r;

	r = check_config(&c);
	if (r < 0)
		return r;
	nslots = c.concurrency;
	if (c.connections && c.connections < nslots)
		nslots = (uint32_t)c.connections;
	wire = wire_size(&c);
	/* Both factors are capped, so the product cannot overflow. */
	if ((size_t)nslots * 2 * wire > DS_LOAD_MAX_MEMORY)
		return -DS_E_LOAD_MEMORY;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->loop = loop;
	l->cfg = c;
	l->on_progress = on_progress;
	l->on_done = on_done;
	l->userdata = userdata;
	l->wire = wire;
	l->nslots = nslots;
	l->qhead = l->qtail = NO_SLOT;
	ds_hist_reset(&l->res.latency);
	ds_hist_reset(&l->res.connect);
	/* A quarter of the timeout, between 10 and 100 ms: a timeout is
	 * seen at most 25 % late, and a thousand slots cost a thousand
	 * comparisons ten times a second. */
	l->tick_us = c.timeout_us / 4;
	if (l->tick_us < 10000)
		l->tick_us = 10000;
	if (l->tick_us > 100000)
		l->tick_us = 100000;

	r = ds_endpoint_to_sockaddr(&c.target, &l->sa, &l->salen);
	if (r < 0)
		goto fail;
	r = -ENOMEM;
	l->slots = calloc(nslots, sizeof(*l->slots));
	/* wire may be 0 only for a connect-only run. */
	l->bufs = malloc(wire ? (size_t)nslots * 2 * wire : 1);
	if (!l->slots || !l->bufs)
		goto fail;
	for (uint32_t i = 0; i < nslots; i++) {
		struct slot *s = &l->slots[i];

		s->l = l;
		s->fd = -1;
		s->out = l->bufs + (size_t)i * 2 * wire;
		s->in = s->out + wire;
	}
	r = ds_timer_new(loop, tick_cb, l, &l->tick);
	if (r < 0)
		goto fail;
	r = ds_timer_new(loop, progress_cb, l, &l->progress);
	if (r < 0)
		goto fail;
	r = ds_timer_new(loop, deadline_cb, l, &l->deadline);
	if (r < 0)
		goto fail;
	r = ds_defer_new(loop, kick_cb, l, &l->kick);
	if (r < 0)
		goto fail;
	for (uint32_t i = 0; i < nslots; i++)
		queue_slot(&l->slots[i]);
	l->busy = nslots;
	*ret = l;
	return 0;
fail:
	ds_load_free(l);
	return r;
}

void
ds_load_stop(struct ds_load *l)
{
	finish(l, true);
}

const struct ds_load_result *
ds_load_get_result(struct ds_load *l)
{
	update_elapsed(l);
	return &l->res;
}

struct ds_load *
ds_load_free(struct ds_load *l)
{
	if (!l)
		return NULL;
	if (l->slots)
		for (uint32_t i = 0; i < l->nslots; i++)
			slot_close(&l->slots[i]);
	ds_timer_free(l->tick);
	ds_timer_free(l->progress);
	ds_timer_free(l->deadline);
	ds_defer_free(l->kick);
	free(l->slots);
	free(l->bufs);
	free(l);
	return NULL;
}

/* --- Blocking wrapper ----------------------------------------------------- */

struct run_ctx {
	struct ds_loop *loop;
	ds_load_fn *on_progress;
	void *userdata;
};

static void
run_progress(struct ds_load *l, const struct ds_load_result *r, void *u)
{
	struct run_ctx *ctx = u;

	ctx->on_progress(l, r, ctx->userdata);
}

static void
run_done(struct ds_load *l, const struct ds_load_result *r, void *u)
{
	struct run_ctx *ctx = u;

	ds_loop_stop(ctx->loop, 0);
	(void)l;
	(void)r;
}

int
ds_load_run(const struct ds_load_config *cfg, ds_load_fn *on_progress,
    void *userdata, struct ds_load_result *ret)
{
	struct run_ctx ctx = {NULL, on_progress, userdata};
	struct ds_load *l = NULL;
	int r;

	r = ds_loop_new(&ctx.loop);
	if (r < 0)
		return r;
	r = ds_load_new(ctx.loop, cfg, on_progress ? run_progress : NULL,
	    run_done, &ctx, &l);
	if (r < 0)
		goto out;
	r = ds_loop_run(ctx.loop);
	if (r >= 0) {
		memcpy(ret, &l->res, sizeof(*ret));
		r = 0;
	}
out:
	ds_load_free(l);
	ds_loop_free(ctx.loop);
	return r;
}
