/* SPDX-License-Identifier: MIT */
/*
 * ds_server: the test server behind "dualstack serve".
 *
 * Each connection is a small struct on a doubly linked list: its
 * descriptor, one io watch (level-triggered), an optional timer, counters,
 * the tuple, and the little state its protocol needs. Reads go into one
 * buffer owned by the server (the loop runs one callback at a time, so one
 * buffer serves every connection) and are answered from there with one
 * send; only what the kernel would not take is copied into a buffer of the
 * connection's own, and the connection stops reading until that is sent.
 * An idle connection therefore holds no buffer at all.
 *
 * Idle timeouts: the timer is started once per connection and never moved
 * on traffic (a heap operation per read would cost more than the read's
 * bookkeeping). Traffic only stores the loop's clock in last_us; when the
 * timer fires it compares, and either closes the connection or starts
 * itself again for the time that is left.
 *
 * The PROXY header (accept_proxy): a connection starts in the HEADER
 * state, watched for input only, with its timer set to the header
 * timeout. Reads go into the shared buffer like any other; a header that
 * is whole in the first read, as a balancer sends it, costs no buffer of
 * the connection's own, and the bytes after it are served from there as
 * that read's protocol input. Only a header cut across reads is held in
 * a small buffer until the next. The connection's record for all this
 * (struct conn_px) exists only with accept_proxy, so a server without
 * it keeps its connections as small, and its system calls as few, as
 * before.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dualstack/proxyproto.h"
#include "dualstack/server.h"
#include "relay-int.h"

/*
 * One read: 64 KiB, the loopback MTU and the classic GSO/GRO super-packet
 * size on Linux, so one read takes a typical burst whole. The buffer is
 * the server's, shared by every connection, so its size costs nothing per
 * connection.
 */
#define READ_SIZE (64u << 10)

/*
 * The source pattern is the RFC 864 character generator's: lines of 72
 * printable ASCII characters (32-126, 95 of them) and CRLF, each line
 * starting one character further on. It repeats after 95 lines.
 */
#define CHARGEN_CHARS 95u
#define CHARGEN_LINE 72u
#define CHARGEN_PERIOD (CHARGEN_CHARS * (CHARGEN_LINE + 2))
/* One send of the pattern: 9 periods, 63270 bytes, close to READ_SIZE. */
#define SOURCE_SEND (9u * CHARGEN_PERIOD)
#define SOURCE_BUF (SOURCE_SEND + CHARGEN_PERIOD)

/*
 * The limits are kept in 32 bits in the connection; a line or an output
 * remainder must stay far below 4 GiB. 1 GiB is more than any test needs.
 */
#define MAX_LINE_LIMIT (1u << 30)

enum {
	CONN_TUPLE_SENT = 1u << 0,   /* tuple: the line is written */
	CONN_SHUT_AFTER = 1u << 1,   /* shutdown(SHUT_WR) once out is sent */
	CONN_WR_SHUT = 1u << 2,      /* the sending side is shut */
	CONN_CLOSE_AFTER = 1u << 3,  /* close (client EOF) once out is sent */
	CONN_TIMER_LINGER = 1u << 4, /* the timer waits for the client's EOF */
	CONN_HEADER = 1u << 5, /* reading the PROXY header; not open yet */
};

/* accept_proxy: what a connection knows of its PROXY header. */
struct conn_px {
	struct ds_endpoint via; /* the real peer, normalised */
	uint8_t *held;          /* an incomplete header, between reads */
	uint32_t held_len;
	int version; /* of the header read; 0 before */
};

struct conn {
	struct conn *prev, *next;
	struct ds_server *srv;
	struct ds_io *io;
	struct ds_timer *timer; /* only with an idle timeout, or for tuple */
	int fd;
	uint8_t flags;
	uint8_t hdr_got; /* len32: header bytes held back */
	uint8_t hdr[4];
	union {
		uint32_t remaining; /* len32: payload bytes still to come */
		uint32_t src_off;   /* source: where in the pattern */
	} u;
	/* What the kernel did not take yet: out[out_off..out_len). */
	char *out;
	uint32_t out_len, out_off;
	/* line: the incomplete line so far. */
	char *part;
	uint32_t part_len, part_cap;
	uint64_t id;
	uint64_t opened_us, last_us;
	uint64_t bytes_in, bytes_out;
	struct conn_px *px; /* accept_proxy only */
	struct ds_tuple tuple;
};

struct ds_server {
	struct ds_loop *loop;
	struct ds_server_config cfg;
	ds_server_event_fn *on_event;
	void *userdata;

	struct ds_listener **listeners;
	size_t nlisteners;

	struct conn *head, *tail;
	size_t nconns;
	uint64_t next_id;

	bool limit_paused;   /* listeners paused at max_conns */
	bool limit_reported; /* a LIMIT paused=true event is standing */
	bool draining;
	bool drained; /* DS_SERVER_EV_DRAINED was reported */
	bool stopped; /* ds_server_stop(): no connection is left */
	uint64_t drain_deadline;
	struct ds_timer *drain_timer;
	struct ds_defer *close_listeners;

	char *pattern; /* source: SOURCE_BUF bytes */
	uint8_t buf[READ_SIZE];
};

/* --- Names ---------------------------------------------------------------- */

static const char *const proto_names[] = {
    [DS_SERVER_ECHO] = "echo",
    [DS_SERVER_LINE] = "line",
    [DS_SERVER_LEN32] = "len32",
    [DS_SERVER_DISCARD] = "discard",
    [DS_SERVER_SOURCE] = "source",
    [DS_SERVER_TUPLE] = "tuple",
};

#define NPROTO (sizeof(proto_names) / sizeof(proto_names[0]))

const char *
ds_server_proto_name(enum ds_server_proto proto)
{
	if ((unsigned)proto >= NPROTO)
		return NULL;
	return proto_names[proto];
}

int
ds_server_proto_parse(const char *s, enum ds_server_proto *ret)
{
	for (unsigned i = 1; i < NPROTO; i++) {
		if (strcmp(s, proto_names[i]) == 0) {
			*ret = (enum ds_server_proto)i;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *const reason_names[] = {
    [DS_SERVER_CLOSE_EOF] = "client-eof",
    [DS_SERVER_CLOSE_RESET] = "client-reset",
    [DS_SERVER_CLOSE_IDLE] = "idle-timeout",
    [DS_SERVER_CLOSE_OVERSIZE] = "oversize",
    [DS_SERVER_CLOSE_LINE_TOO_LONG] = "line-too-long",
    [DS_SERVER_CLOSE_DRAIN] = "drain-timeout",
    [DS_SERVER_CLOSE_SHUTDOWN] = "shutdown",
    [DS_SERVER_CLOSE_ERROR] = "error",
    [DS_SERVER_CLOSE_LIMIT] = "max-conns",
    [DS_SERVER_CLOSE_UNTRUSTED] = "untrusted",
    [DS_SERVER_CLOSE_BAD_HEADER] = "bad-header",
    [DS_SERVER_CLOSE_HEADER_TIMEOUT] = "header-timeout",
};

const char *
ds_server_close_reason_name(enum ds_server_close_reason reason)
{
	if ((unsigned)reason >= sizeof(reason_names) / sizeof(reason_names[0]))
		return NULL;
	return reason_names[reason];
}

int
ds_server_tuple_format(
    const struct ds_tuple *t, bool json, char *buf, size_t size)
{
	return ds_server_tuple_format_proxied(t, NULL, 0, json, buf, size);
}

/*
 * The family as the tuple line names it, in the words every output of
 * dualstack uses (doc/dualstack.1, OUTPUT CONVENTIONS): an IPv4 client
 * that came through a dual IPv6 socket is IPv4, and the line says it was
 * mapped, which is what a person asking "which way did I come in" wants.
 */
static const char *
tuple_family_text(enum ds_family_used f)
{
	switch (f) {
	case DS_FAMILY_V4:
		return "IPv4";
	case DS_FAMILY_V4_MAPPED:
		return "IPv4 (mapped)";
	case DS_FAMILY_V6:
		return "IPv6";
	}
	return "unknown";
}

/* The same as JSON members: "family" and, when mapped, "mapped". */
static const char *
tuple_family_json(enum ds_family_used f)
{
	switch (f) {
	case DS_FAMILY_V4:
		return "\"family\":\"ipv4\"";
	case DS_FAMILY_V4_MAPPED:
		return "\"family\":\"ipv4\",\"mapped\":true";
	case DS_FAMILY_V6:
		return "\"family\":\"ipv6\"";
	}
	return "\"family\":null";
}

int
ds_server_tuple_format_proxied(const struct ds_tuple *t,
    const struct ds_endpoint *proxied_by, int header_version, bool json,
    char *buf, size_t size)
{
	char peer[DS_ADDR_STRLEN], local[DS_ADDR_STRLEN];
	char pe[DS_ENDPOINT_STRLEN], le[DS_ENDPOINT_STRLEN];
	char via[DS_ENDPOINT_STRLEN];
	/* " proxied_by=...", or its JSON member; empty without a proxy. */
	char px[DS_ENDPOINT_STRLEN + 64] = "";
	const char *proto = t->protocol == IPPROTO_UDP ? "udp" : "tcp";

	if (!json) {
		if (proxied_by) {
			if (ds_endpoint_format(
			        proxied_by, 0, via, sizeof(via)) < 0)
				via[0] = '\0';
			snprintf(px, sizeof(px), " proxied_by=%s header=v%d",
			    via, header_version);
		}
		if (ds_endpoint_format(&t->src, 0, pe, sizeof(pe)) < 0)
			pe[0] = '\0';
		if (ds_endpoint_format(&t->dst, 0, le, sizeof(le)) < 0)
			le[0] = '\0';
		return snprintf(buf, size, "%s %s -> %s %s%s\n", proto, pe, le,
		    tuple_family_text(t->family), px);
	}
	/* Address text is hex digits, dots, colons and a numeric or
	 * interface-name zone: nothing JSON needs to escape. */
	if (proxied_by) {
		if (ds_addr_format(&proxied_by->addr, 0, via, sizeof(via)) < 0)
			via[0] = '\0';
		snprintf(px, sizeof(px),
		    ",\"proxied_by\":{\"address\":\"%s\",\"port\":%u},"
		    "\"header\":%d",
		    via, (unsigned)proxied_by->port, header_version);
	}
	if (ds_addr_format(&t->src.addr, 0, peer, sizeof(peer)) < 0)
		peer[0] = '\0';
	if (ds_addr_format(&t->dst.addr, 0, local, sizeof(local)) < 0)
		local[0] = '\0';
	return snprintf(buf, size,
	    "{\"protocol\":\"%s\",\"peer\":{\"address\":\"%s\",\"port\":%u},"
	    "\"local\":{\"address\":\"%s\",\"port\":%u},%s%s}"
	    "\n",
	    proto, peer, (unsigned)t->src.port, local, (unsigned)t->dst.port,
	    tuple_family_json(t->family), px);
}

/* --- Events --------------------------------------------------------------- */

static void
emit(struct ds_server *s, struct ds_server_event *ev)
{
	ev->conns = s->nconns;
	if (s->on_event)
		s->on_event(s, ev, s->userdata);
}

static void
pause_listeners(struct ds_server *s)
{
	for (size_t i = 0; i < s->nlisteners; i++)
		(void)ds_listener_pause(s->listeners[i]);
}

static void
resume_listeners(struct ds_server *s)
{
	for (size_t i = 0; i < s->nlisteners; i++)
		(void)ds_listener_resume(s->listeners[i]);
}

/* --- Connections: the life cycle ------------------------------------------ */

static void
conn_unlink(struct ds_server *s, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		s->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		s->tail = c->prev;
	c->prev = c->next = NULL;
	s->nconns--;
}

/*
 * Give back what a connection holds, the descriptor included: with an
 * RST when its protocol never started (a refused PROXY header, or a
 * drain before it), as "dualstack proxy" ends a connection it refuses:
 * nothing was served, so nothing queued matters, and no TIME_WAIT stays.
 */
static void
conn_release(struct conn *c)
{
	c->io = ds_io_free(c->io);
	c->timer = ds_timer_free(c->timer);
	if (c->fd >= 0) {
		if (c->flags & CONN_HEADER)
			ds__close_rst(c->fd);
		else
			close(c->fd);
	}
	c->fd = -1;
	if (c->px) {
		free(c->px->held);
		c->px->held = NULL;
		c->px->held_len = 0;
	}
	free(c->out);
	c->out = NULL;
	free(c->part);
	c->part = NULL;
}

/* After a connection is gone: the limit, and the end of a drain. */
static void
after_close(struct ds_server *s)
{
	unsigned max = s->cfg.max_conns;

	if (s->draining) {
		if (s->nconns == 0 && !s->drained)
			ds_timer_start_in(s->drain_timer, 0);
		return;
	}
	if (s->limit_paused && s->nconns < max) {
		resume_listeners(s);
		s->limit_paused = false;
	}
	if (s->limit_reported && s->nconns <= max / 2) {
		struct ds_server_event ev = {
		    .kind = DS_SERVER_EV_LIMIT,
		    .limit = max,
		    .paused = false,
		};

		s->limit_reported = false;
		emit(s, &ev);
	}
}

static void
conn_free(struct conn *c)
{
	free(c->px);
	free(c);
}

/* The proxy and the header's version, for a connection open through one. */
static void
conn_proxied(const struct conn *c, struct ds_server_event *ev)
{
	if (c->px && !(c->flags & CONN_HEADER)) {
		ev->proxied_by = &c->px->via;
		ev->header_version = c->px->version;
	}
}

/*
 * Close c, report why (ev has the reason and what goes with it), free
 * it. c is unlinked before the events, so the callback may stop or drain
 * the server without meeting c again. A connection whose OPEN was not
 * reported yet (its PROXY header never came whole) gets it now, just
 * before its CLOSE, with the peer it really has.
 */
static void
conn_close_ev(struct conn *c, struct ds_server_event *ev)
{
	struct ds_server *s = c->srv;
	bool opened = !(c->flags & CONN_HEADER);

	ev->kind = DS_SERVER_EV_CLOSE;
	ev->conn_id = c->id;
	ev->tuple = &c->tuple;
	ev->bytes_in = c->bytes_in;
	ev->bytes_out = c->bytes_out;
	ev->duration_us = ds_loop_now(s->loop) - c->opened_us;
	conn_proxied(c, ev);

	conn_unlink(s, c);
	conn_release(c);
	if (!opened) {
		struct ds_server_event open = {
		    .kind = DS_SERVER_EV_OPEN,
		    .conn_id = c->id,
		    .tuple = &c->tuple,
		};

		emit(s, &open);
	}
	emit(s, ev);
	conn_free(c);
	after_close(s);
}

static void
conn_close_ex(struct conn *c, enum ds_server_close_reason reason, int err,
    uint64_t size, uint64_t limit)
{
	struct ds_server_event ev = {
	    .err = err,
	    .reason = reason,
	    .size = size,
	    .limit = limit,
	};

	conn_close_ev(c, &ev);
}

static void
conn_close(struct conn *c, enum ds_server_close_reason reason)
{
	conn_close_ex(c, reason, 0, 0, 0);
}

/* Close after a failed call whose errno is e. */
static void
conn_close_errno(struct conn *c, int e)
{
	if (e == ECONNRESET || e == EPIPE)
		conn_close(c, DS_SERVER_CLOSE_RESET);
	else
		conn_close_ex(c, DS_SERVER_CLOSE_ERROR, -e, 0, 0);
}

/* What c should be watched for, given its state. */
static unsigned
conn_want(const struct conn *c)
{
	enum ds_server_proto proto = c->srv->cfg.proto;

	if (c->flags & CONN_HEADER)
		return DS_IO_IN;
	if (c->out)
		return DS_IO_OUT;
	if (proto == DS_SERVER_TUPLE && !(c->flags & CONN_TUPLE_SENT))
		return DS_IO_OUT;
	if (proto == DS_SERVER_SOURCE && !(c->flags & CONN_WR_SHUT))
		return DS_IO_IN | DS_IO_OUT;
	return DS_IO_IN;
}

/* Watch what conn_want() says. Returns 0, or -1 when c was closed. */
static int
conn_update(struct conn *c)
{
	unsigned want = conn_want(c);
	int r;

	if (want == ds_io_get_events(c->io))
		return 0;
	r = ds_io_set_events(c->io, want);
	if (r < 0) {
		conn_close_ex(c, DS_SERVER_CLOSE_ERROR, r, 0, 0);
		return -1;
	}
	return 0;
}

static void
conn_touch(struct conn *c)
{
	c->last_us = ds_loop_now(c->srv->loop);
}

/* The sending side is done: FIN to the client, then read until its EOF. */
static int
conn_shutdown(struct conn *c)
{
	c->flags &= (uint8_t)~CONN_SHUT_AFTER;
	c->flags |= CONN_WR_SHUT;
	if (shutdown(c->fd, SHUT_WR) == -1 && errno != ENOTCONN) {
		conn_close_errno(c, errno);
		return -1;
	}
	return conn_update(c);
}

/*
 * Send the iovecs; what the kernel does not take is copied into c->out
 * and c stops reading until it is gone. c->out must be empty. Returns 0,
 * or -1 when c was closed.
 */
static int
conn_write(struct conn *c, const struct iovec *iov, int cnt)
{
	size_t total = 0, done, rest;
	ssize_t w;
	char *p;

	for (int i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	if (total == 0)
		return 0;
	if (cnt == 1) {
		w = send(c->fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL);
	} else {
		struct msghdr m = {
		    .msg_iov = (struct iovec *)iov,
		    .msg_iovlen = (size_t)cnt,
		};

		w = sendmsg(c->fd, &m, MSG_NOSIGNAL);
	}
	if (w == -1) {
		if (errno != EAGAIN && errno != EINTR) {
			conn_close_errno(c, errno);
			return -1;
		}
		w = 0;
	}
	c->bytes_out += (uint64_t)w;
	if ((size_t)w == total)
		return 0;

	rest = total - (size_t)w;
	p = malloc(rest);
	if (!p) {
		conn_close_ex(c, DS_SERVER_CLOSE_ERROR, -ENOMEM, 0, 0);
		return -1;
	}
	done = (size_t)w;
	c->out = p;
	c->out_len = (uint32_t)rest;
	c->out_off = 0;
	for (int i = 0; i < cnt; i++) {
		size_t len = iov[i].iov_len;

		if (done >= len) {
			done -= len;
			continue;
		}
		memcpy(p, (const char *)iov[i].iov_base + done, len - done);
		p += len - done;
		done = 0;
	}
	return conn_update(c);
}

static int
conn_write1(struct conn *c, const void *data, size_t len)
{
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};

	return conn_write(c, &iov, 1);
}

/*
 * Send what may go without waiting, then close: for an abort, where the
 * client gets what came before the bad input and nothing is kept.
 */
static void
conn_abort(struct conn *c, const struct iovec *iov, int cnt,
    enum ds_server_close_reason reason, uint64_t size, uint64_t limit)
{
	struct msghdr m = {
	    .msg_iov = (struct iovec *)iov,
	    .msg_iovlen = (size_t)cnt,
	};
	ssize_t w = cnt > 0 ? sendmsg(c->fd, &m, MSG_NOSIGNAL) : 0;

	if (w > 0)
		c->bytes_out += (uint64_t)w;
	conn_close_ex(c, reason, 0, size, limit);
}

/* --- Protocols ------------------------------------------------------------ */

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/*
 * len32: walk the framing over what was read and echo it, holding back
 * only an incomplete header at the end (the header is checked before any
 * of it is echoed). The echo of one read is the bytes held back from the
 * read before and this read, minus the new incomplete header: at most two
 * pieces, one sendmsg.
 */
static int
len32_input(struct conn *c, const uint8_t *p, size_t n)
{
	uint32_t max = c->srv->cfg.max_msg;
	uint8_t old[4];
	size_t held_old = c->hdr_got, i = 0, out_end;
	struct iovec iov[2];
	int cnt = 0;
	uint32_t bad = 0;
	bool oversize = false;

	memcpy(old, c->hdr, sizeof(old));
	while (i < n) {
		uint32_t len;

		if (c->u.remaining > 0) {
			size_t take = n - i;

			if (take > c->u.remaining)
				take = c->u.remaining;
			i += take;
			c->u.remaining -= (uint32_t)take;
			continue;
		}
		c->hdr[c->hdr_got++] = p[i++];
		if (c->hdr_got < 4)
			continue;
		c->hdr_got = 0;
		len = be32(c->hdr);
		if (len > max) {
			oversize = true;
			bad = len;
			break;
		}
		c->u.remaining = len;
	}

	/* Offsets into old[0..held_old) followed by p[0..n). */
	if (oversize)
		out_end = held_old + i - 4;
	else
		out_end = held_old + n - c->hdr_got;
	if (out_end > 0 && held_old > 0) {
		iov[cnt].iov_base = old;
		iov[cnt].iov_len = held_old < out_end ? held_old : out_end;
		cnt++;
	}
	if (out_end > held_old) {
		iov[cnt].iov_base = (void *)p;
		iov[cnt].iov_len = out_end - held_old;
		cnt++;
	}
	if (oversize) {
		conn_abort(c, iov, cnt, DS_SERVER_CLOSE_OVERSIZE, bad, max);
		return -1;
	}
	return cnt ? conn_write(c, iov, cnt) : 0;
}

/* line: keep the incomplete line (n bytes at p) in c->part. */
static int
part_set(struct conn *c, const char *p, size_t n, bool append)
{
	size_t need = (append ? c->part_len : 0) + n;

	if (need == 0) {
		free(c->part);
		c->part = NULL;
		c->part_len = c->part_cap = 0;
		return 0;
	}
	if (need > c->part_cap) {
		size_t cap = c->part_cap ? 2 * (size_t)c->part_cap : 256;
		char *np;

		while (cap < need)
			cap *= 2;
		if (cap > c->srv->cfg.max_line)
			cap = c->srv->cfg.max_line;
		np = realloc(c->part, cap);
		if (!np) {
			conn_close_ex(c, DS_SERVER_CLOSE_ERROR, -ENOMEM, 0, 0);
			return -1;
		}
		c->part = np;
		c->part_cap = (uint32_t)cap;
	}
	if (append) {
		memcpy(c->part + c->part_len, p, n);
		c->part_len += (uint32_t)n;
	} else {
		memmove(c->part, p, n);
		c->part_len = (uint32_t)n;
	}
	return 0;
}

/*
 * line: echo every complete line, the one begun in an earlier read
 * included, with one sendmsg; keep the incomplete rest. Every line is
 * measured, not only the last, so a limit below the read size holds.
 */
static int
line_input(struct conn *c, const char *p, size_t n)
{
	uint32_t max = c->srv->cfg.max_line;
	size_t start_len = c->part_len; /* of the line q starts */
	const char *q = p, *end = p + n, *nl;
	struct iovec iov[2];
	int cnt = 0;
	size_t tail;

	while ((nl = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		size_t len = start_len + (size_t)(nl - q) + 1;

		if (len > max) {
			conn_abort(c, NULL, 0, DS_SERVER_CLOSE_LINE_TOO_LONG,
			    len, max);
			return -1;
		}
		start_len = 0;
		q = nl + 1;
	}
	tail = (size_t)(end - q);
	if (start_len + tail > max) {
		conn_abort(c, NULL, 0, DS_SERVER_CLOSE_LINE_TOO_LONG,
		    start_len + tail, max);
		return -1;
	}
	if (q == p) /* no line ends here */
		return part_set(c, p, n, true);

	if (c->part_len) {
		iov[cnt].iov_base = c->part;
		iov[cnt].iov_len = c->part_len;
		cnt++;
	}
	iov[cnt].iov_base = (void *)p;
	iov[cnt].iov_len = (size_t)(q - p);
	cnt++;
	if (conn_write(c, iov, cnt) < 0)
		return -1;
	return part_set(c, q, tail, false);
}

/* The client shut down its side. */
static void
conn_eof(struct conn *c)
{
	if (c->part_len > 0 && !(c->flags & CONN_WR_SHUT)) {
		/* line: the unterminated last line goes back too. */
		struct iovec iov = {
		    .iov_base = c->part, .iov_len = c->part_len};

		if (conn_write(c, &iov, 1) < 0)
			return;
		c->part_len = 0;
		if (c->out) {
			/* The reply is on its way: close when it is out. */
			c->flags |= CONN_CLOSE_AFTER;
			return;
		}
	}
	conn_close(c, DS_SERVER_CLOSE_EOF);
}

/* n bytes the client sent, at p: what the protocol does with them. */
static void
conn_input(struct conn *c, const uint8_t *p, size_t n)
{
	c->bytes_in += (uint64_t)n;
	conn_touch(c);
	if (c->flags & CONN_WR_SHUT)
		return; /* tuple, after its line: waiting for EOF */
	switch (c->srv->cfg.proto) {
	case DS_SERVER_ECHO:
		(void)conn_write1(c, p, n);
		break;
	case DS_SERVER_LINE:
		(void)line_input(c, (const char *)p, n);
		break;
	case DS_SERVER_LEN32:
		(void)len32_input(c, p, n);
		break;
	case DS_SERVER_DISCARD:
	case DS_SERVER_SOURCE:
	case DS_SERVER_TUPLE:
		break;
	}
}

static void
conn_readable(struct conn *c)
{
	struct ds_server *s = c->srv;
	ssize_t n = recv(c->fd, s->buf, sizeof(s->buf), 0);

	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			conn_close_errno(c, errno);
		return;
	}
	if (n == 0) {
		conn_eof(c);
		return;
	}
	conn_input(c, s->buf, (size_t)n);
}

/* Send what is left in c->out. Returns 0, or -1 when c was closed. */
static int
conn_flush(struct conn *c)
{
	ssize_t w = send(
	    c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

	if (w == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		conn_close_errno(c, errno);
		return -1;
	}
	c->bytes_out += (uint64_t)w;
	c->out_off += (uint32_t)w;
	conn_touch(c);
	if (c->out_off < c->out_len)
		return 0;
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	if (c->flags & CONN_CLOSE_AFTER) {
		conn_close(c, DS_SERVER_CLOSE_EOF);
		return -1;
	}
	if (c->flags & CONN_SHUT_AFTER)
		return conn_shutdown(c);
	return conn_update(c);
}

static int
source_write(struct conn *c)
{
	ssize_t w = send(
	    c->fd, c->srv->pattern + c->u.src_off, SOURCE_SEND, MSG_NOSIGNAL);

	if (w == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		conn_close_errno(c, errno);
		return -1;
	}
	c->bytes_out += (uint64_t)w;
	c->u.src_off = (uint32_t)((c->u.src_off + (size_t)w) % CHARGEN_PERIOD);
	conn_touch(c);
	return 0;
}

static int
tuple_write(struct conn *c)
{
	char line[DS_SERVER_TUPLE_STRLEN];
	const struct conn_px *px = c->px; /* the header is in by now */
	int n;

	n = ds_server_tuple_format_proxied(&c->tuple, px ? &px->via : NULL,
	    px ? px->version : 0, c->srv->cfg.tuple_json, line, sizeof(line));

	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	c->flags |= CONN_TUPLE_SENT | CONN_SHUT_AFTER | CONN_TIMER_LINGER;
	if (conn_write1(c, line, (size_t)n) < 0)
		return -1;
	conn_touch(c);
	if (c->out)
		return 0;
	return conn_shutdown(c);
}

/* Returns 0, or -1 when c was closed. */
static int
conn_writable(struct conn *c)
{
	if (c->out)
		return conn_flush(c);
	if (c->srv->cfg.proto == DS_SERVER_TUPLE &&
	    !(c->flags & CONN_TUPLE_SENT))
		return tuple_write(c);
	if (c->srv->cfg.proto == DS_SERVER_SOURCE)
		return source_write(c);
	return 0;
}

/* --- The PROXY header ----------------------------------------------------- */

static void on_timer(struct ds_timer *t, void *userdata);

/*
 * The timer a connection's protocol needs from now on: the idle timeout,
 * or tuple's linger, started at accept or once the PROXY header is in.
 */
static int
conn_timer_start(struct conn *c)
{
	const struct ds_server_config *cfg = &c->srv->cfg;

	if (!cfg->idle_timeout_us && cfg->proto != DS_SERVER_TUPLE) {
		c->timer = ds_timer_free(c->timer);
		return 0;
	}
	if (!c->timer) {
		int r = ds_timer_new(c->srv->loop, on_timer, c, &c->timer);

		if (r < 0)
			return r;
	}
	ds_timer_start_in(c->timer,
	    cfg->idle_timeout_us ? cfg->idle_timeout_us : cfg->linger_us);
	return 0;
}

/*
 * The header is refused: reset, and say why. 'have' bytes of it came;
 * the version is the one its first byte announces (the v1 "PROXY" or the
 * v2 signature), so the log can say which the peer meant to send.
 */
static void
header_failed(
    struct conn *c, const uint8_t *p, size_t have, int err, size_t pos)
{
	struct ds_server_event ev = {
	    .reason = DS_SERVER_CLOSE_BAD_HEADER,
	    .err = err,
	    .size = have,
	    .offset = pos,
	};

	if (err != -EPROTO && have > 0 && p[0] == 'P')
		ev.header_version = 1;
	else if (err != -EPROTO && have > 0 &&
	    p[0] == (uint8_t)DS_PROXYPROTO_V2_SIG[0])
		ev.header_version = 2;
	conn_close_ev(c, &ev);
}

/* Keep the start of a header, have bytes at p, for the next read. */
static int
header_hold(struct conn *c, const uint8_t *p, size_t have)
{
	uint8_t *np = realloc(c->px->held, have);

	if (!np) {
		conn_close_ex(c, DS_SERVER_CLOSE_ERROR, -ENOMEM, 0, 0);
		return -1;
	}
	memcpy(np, p, have);
	c->px->held = np;
	c->px->held_len = (uint32_t)have;
	return 0;
}

/*
 * Read the PROXY header. The bytes held from earlier reads go first into
 * the shared buffer and the read appends to them, so the parser always
 * sees the header from its first byte. Once it is whole the connection
 * opens: the tuple takes the header's client, the protocol's events and
 * timer replace the header's, OPEN is reported, and what came after the
 * header in this read is the protocol's first input.
 */
static void
header_readable(struct conn *c)
{
	struct ds_server *s = c->srv;
	struct conn_px *px = c->px;
	size_t held = px->held_len, have, pos = 0;
	struct ds_proxyproto_hdr h;
	struct ds_server_event ev = {.kind = DS_SERVER_EV_OPEN};
	ssize_t n;
	int r;

	if (held)
		memcpy(s->buf, px->held, held);
	n = recv(c->fd, s->buf + held, sizeof(s->buf) - held, 0);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			conn_close_errno(c, errno);
		return;
	}
	if (n == 0) {
		header_failed(c, s->buf, held, -ENODATA, held);
		return;
	}
	have = held + (size_t)n;
	r = ds_proxyproto_parse(s->buf, have, &h, &pos);
	if (r == -EAGAIN && have >= DS_PROXYPROTO_V2_MAX) {
		/* Cannot happen: the parser gives up on a header longer
		 * than DS_PROXYPROTO_V2_MAX before that many bytes are in. */
		r = -E2BIG;
		pos = have;
	}
	if (r == -EAGAIN) {
		(void)header_hold(c, s->buf, have);
		return;
	}
	if (r < 0) {
		header_failed(c, s->buf, have, r, pos);
		return;
	}

	free(px->held);
	px->held = NULL;
	px->held_len = 0;
	px->version = h.version;
	if (!h.local) {
		/* As the proxy names a client: the parser has already
		 * turned an IPv4 client written mapped in a TCP6 header
		 * into the IPv4 client it is, so the family follows it. */
		c->tuple.src = h.src;
		c->tuple.family = c->tuple.src.addr.family == AF_INET
		    ? DS_FAMILY_V4
		    : DS_FAMILY_V6;
	}
	c->flags &= (uint8_t)~CONN_HEADER;
	conn_touch(c);
	r = conn_timer_start(c);
	if (r < 0) {
		conn_close_ex(c, DS_SERVER_CLOSE_ERROR, r, 0, 0);
		return;
	}
	if (conn_update(c) < 0)
		return;

	ev.conn_id = c->id;
	ev.tuple = &c->tuple;
	conn_proxied(c, &ev);
	emit(s, &ev);
	if (s->stopped)
		return; /* the callback stopped the server: c is gone */
	if (have > h.len)
		conn_input(c, s->buf + h.len, have - h.len);
}

/*
 * Level-triggered: one read and at most one write per event, then back to
 * the loop, so a fast client cannot starve the others. Hang-ups and
 * errors are found by the read or write they make fail.
 */
static void
on_io(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct conn *c = userdata;

	(void)fd;
	if (c->flags & CONN_HEADER) {
		header_readable(c);
		return;
	}
	if ((ds_io_get_events(io) & DS_IO_OUT) &&
	    (events & (DS_IO_OUT | DS_IO_HUP | DS_IO_ERR))) {
		if (conn_writable(c) < 0)
			return;
	}
	if ((ds_io_get_events(io) & DS_IO_IN) &&
	    (events & (DS_IO_IN | DS_IO_HUP | DS_IO_ERR)))
		conn_readable(c);
}

static void
on_timer(struct ds_timer *t, void *userdata)
{
	struct conn *c = userdata;
	const struct ds_server_config *cfg = &c->srv->cfg;
	uint64_t now = ds_loop_now(c->srv->loop);
	uint64_t limit = (c->flags & CONN_TIMER_LINGER) ? cfg->linger_us
	                                                : cfg->idle_timeout_us;
	uint64_t idle = now - c->last_us;

	if (c->flags & CONN_HEADER) {
		conn_close_ex(c, DS_SERVER_CLOSE_HEADER_TIMEOUT, -ETIMEDOUT,
		    c->px->held_len, cfg->header_timeout_us);
		return;
	}
	if (limit == 0)
		return; /* tuple before its line: nothing to time yet */
	if (idle >= limit) {
		conn_close(c, DS_SERVER_CLOSE_IDLE);
		return;
	}
	ds_timer_start_at(t, c->last_us + limit);
}

/* --- Accepting ------------------------------------------------------------ */

static void
on_accept(
    struct ds_listener *l, int fd, const struct ds_tuple *t, void *userdata)
{
	struct ds_server *s = userdata;
	struct conn *c;
	int one = 1, r;
	uint64_t now = ds_loop_now(s->loop);
	unsigned max = s->cfg.max_conns;

	(void)l;
	if (max && s->nconns >= max) {
		/*
		 * The listener handed over a connection after it was
		 * paused (from the same batch of accepts). It is not
		 * served; it is reported like any other, so every open
		 * has its close.
		 */
		struct ds_server_event ev = {
		    .kind = DS_SERVER_EV_OPEN,
		    .conn_id = ++s->next_id,
		    .tuple = t,
		};

		emit(s, &ev);
		close(fd);
		ev.kind = DS_SERVER_EV_CLOSE;
		ev.reason = DS_SERVER_CLOSE_LIMIT;
		ev.limit = max;
		emit(s, &ev);
		return;
	}

	if (s->cfg.accept_proxy &&
	    ds_acl_match(s->cfg.trusted, &t->src.addr, NULL) != DS_ACL_ALLOW) {
		/*
		 * Only allow rules name who may send a header: an empty
		 * list trusts nobody, and a peer no rule names is not
		 * trusted. Refused as the proxy refuses it, with a reset,
		 * and reported like any other connection.
		 */
		struct ds_server_event ev = {
		    .kind = DS_SERVER_EV_OPEN,
		    .conn_id = ++s->next_id,
		    .tuple = t,
		};

		emit(s, &ev);
		ds__close_rst(fd);
		ev.kind = DS_SERVER_EV_CLOSE;
		ev.reason = DS_SERVER_CLOSE_UNTRUSTED;
		emit(s, &ev);
		return;
	}

	/* Small request, small reply: see the header on Nagle. A failure
	 * here only costs latency. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	c = calloc(1, sizeof(*c));
	if (!c) {
		r = -ENOMEM;
		goto fail;
	}
	c->srv = s;
	c->fd = fd;
	c->tuple = *t;
	c->opened_us = c->last_us = now;
	if (s->cfg.accept_proxy) {
		c->px = calloc(1, sizeof(*c->px));
		if (!c->px) {
			r = -ENOMEM;
			goto fail;
		}
		c->px->via = t->src;
		c->flags |= CONN_HEADER;
		r = ds_io_new(s->loop, fd, DS_IO_IN, on_io, c, &c->io);
		if (r < 0)
			goto fail;
		r = ds_timer_new(s->loop, on_timer, c, &c->timer);
		if (r < 0)
			goto fail;
		ds_timer_start_in(c->timer, s->cfg.header_timeout_us);
	} else {
		r = ds_io_new(s->loop, fd,
		    s->cfg.proto == DS_SERVER_TUPLE ? DS_IO_OUT
		        : s->cfg.proto == DS_SERVER_SOURCE
		        ? DS_IO_IN | DS_IO_OUT
		        : DS_IO_IN,
		    on_io, c, &c->io);
		if (r < 0)
			goto fail;
		r = conn_timer_start(c);
		if (r < 0)
			goto fail;
	}

	c->id = ++s->next_id;
	c->prev = s->tail;
	if (s->tail)
		s->tail->next = c;
	else
		s->head = c;
	s->tail = c;
	s->nconns++;

	if (max && s->nconns >= max && !s->draining) {
		pause_listeners(s);
		s->limit_paused = true;
	}
	if (!(c->flags & CONN_HEADER)) {
		/* With a PROXY header, the connection opens once it is in. */
		struct ds_server_event ev = {
		    .kind = DS_SERVER_EV_OPEN,
		    .conn_id = c->id,
		    .tuple = &c->tuple,
		};

		emit(s, &ev);
	}
	if (s->limit_paused && !s->limit_reported && !s->draining) {
		struct ds_server_event ev = {
		    .kind = DS_SERVER_EV_LIMIT,
		    .limit = max,
		    .paused = true,
		};

		s->limit_reported = true;
		emit(s, &ev);
	}
	return;

fail:
	if (c) {
		c->fd = -1;
		conn_release(c);
		conn_free(c);
	}
	close(fd);
	{
		struct ds_server_event ev = {
		    .kind = DS_SERVER_EV_ACCEPT_ERROR,
		    .tuple = t,
		    .err = r,
		};

		emit(s, &ev);
	}
}

static void
on_listen_event(struct ds_listener *l, int err, void *userdata)
{
	struct ds_server *s = userdata;
	struct ds_server_event ev = {
	    .kind = DS_SERVER_EV_ACCEPT_ERROR,
	    .listener = l,
	    .err = err,
	};

	emit(s, &ev);
}

/* --- Draining ------------------------------------------------------------- */

static void
close_all(struct ds_server *s, enum ds_server_close_reason reason)
{
	while (s->head)
		conn_close(s->head, reason);
}

static void
on_drain_timer(struct ds_timer *t, void *userdata)
{
	struct ds_server *s = userdata;
	struct ds_server_event ev = {.kind = DS_SERVER_EV_DRAINED};

	(void)t;
	if (s->drained)
		return;
	close_all(s, DS_SERVER_CLOSE_DRAIN);
	if (s->drained)
		return; /* a close event's callback stopped the server */
	s->drained = true;
	/* Last: the callback may free the server. */
	emit(s, &ev);
}

static void
on_close_listeners(struct ds_defer *d, void *userdata)
{
	struct ds_server *s = userdata;

	(void)d;
	for (size_t i = 0; i < s->nlisteners; i++)
		ds_listener_free(s->listeners[i]);
	s->nlisteners = 0;
}

static void
start_drain(struct ds_server *s)
{
	if (s->draining)
		return;
	s->draining = true;
	pause_listeners(s);
	/* Not here: this may run inside a listener's own accept callback. */
	ds_defer_schedule(s->close_listeners);
}

int
ds_server_drain(struct ds_server *s, uint64_t drain_us)
{
	uint64_t deadline = ds_loop_now(s->loop) + drain_us;

	if (s->drained)
		return 0;
	if (s->draining && deadline >= s->drain_deadline)
		return 0;
	start_drain(s);
	s->drain_deadline = deadline;
	ds_timer_start_at(s->drain_timer, s->nconns ? deadline : 0);
	return 0;
}

void
ds_server_stop(struct ds_server *s)
{
	s->stopped = true;
	start_drain(s);
	close_all(s, DS_SERVER_CLOSE_SHUTDOWN);
	if (!s->drained) {
		s->drain_deadline = ds_loop_now(s->loop);
		ds_timer_start_in(s->drain_timer, 0);
	}
}

/* --- The server ----------------------------------------------------------- */

static void
fill_pattern(char *p)
{
	size_t k = 0;

	for (size_t line = 0; k < SOURCE_BUF; line++) {
		for (size_t i = 0; i < CHARGEN_LINE && k < SOURCE_BUF; i++)
			p[k++] = (char)(' ' + (line + i) % CHARGEN_CHARS);
		if (k < SOURCE_BUF)
			p[k++] = '\r';
		if (k < SOURCE_BUF)
			p[k++] = '\n';
	}
}

int
ds_server_new(struct ds_loop *loop, const struct ds_server_config *cfg,
    ds_server_event_fn *on_event, void *userdata, struct ds_server **ret)
{
	struct ds_server *s;
	int r;

	if (cfg->proto && !ds_server_proto_name(cfg->proto))
		return -EINVAL;
	if (cfg->max_line > MAX_LINE_LIMIT)
		return -EINVAL;
	if (cfg->accept_proxy && !cfg->trusted)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->cfg = *cfg;
	if (!s->cfg.proto)
		s->cfg.proto = DS_SERVER_ECHO;
	if (!s->cfg.max_msg)
		s->cfg.max_msg = DS_SERVER_MAX_MSG;
	if (!s->cfg.max_line)
		s->cfg.max_line = DS_SERVER_MAX_LINE;
	if (!s->cfg.linger_us)
		s->cfg.linger_us = s->cfg.idle_timeout_us
		    ? s->cfg.idle_timeout_us
		    : DS_SERVER_TUPLE_LINGER_US;
	if (!s->cfg.header_timeout_us)
		s->cfg.header_timeout_us = DS_SERVER_HEADER_TIMEOUT_US;
	s->on_event = on_event;
	s->userdata = userdata;

	r = ds_timer_new(loop, on_drain_timer, s, &s->drain_timer);
	if (r < 0)
		goto fail;
	r = ds_defer_new(loop, on_close_listeners, s, &s->close_listeners);
	if (r < 0)
		goto fail;
	if (s->cfg.proto == DS_SERVER_SOURCE) {
		s->pattern = malloc(SOURCE_BUF);
		if (!s->pattern) {
			r = -ENOMEM;
			goto fail;
		}
		fill_pattern(s->pattern);
	}
	*ret = s;
	return 0;
fail:
	ds_server_free(s);
	return r;
}

struct ds_server *
ds_server_free(struct ds_server *s)
{
	if (!s)
		return NULL;
	while (s->head) {
		struct conn *c = s->head;

		conn_unlink(s, c);
		conn_release(c);
		conn_free(c);
	}
	for (size_t i = 0; i < s->nlisteners; i++)
		ds_listener_free(s->listeners[i]);
	free(s->listeners);
	ds_timer_free(s->drain_timer);
	ds_defer_free(s->close_listeners);
	free(s->pattern);
	free(s);
	return NULL;
}

int
ds_server_listen(struct ds_server *s, const struct ds_listen_config *cfg,
    struct ds_listen_report *report, struct ds_listener **ret_listener)
{
	struct ds_listener **nl, *l;
	int r;

	if (s->draining)
		return -EBUSY;
	nl = realloc(s->listeners, (s->nlisteners + 1) * sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	s->listeners = nl;
	r = ds_listener_new(
	    s->loop, cfg, on_accept, on_listen_event, s, report, &l);
	if (r < 0)
		return r;
	if (s->limit_paused)
		(void)ds_listener_pause(l);
	s->listeners[s->nlisteners++] = l;
	if (ret_listener)
		*ret_listener = l;
	return 0;
}

size_t
ds_server_conn_count(const struct ds_server *s)
{
	return s->nconns;
}

size_t
ds_server_listeners(
    const struct ds_server *s, struct ds_listener **ret, size_t n)
{
	for (size_t i = 0; i < n && i < s->nlisteners; i++)
		ret[i] = s->listeners[i];
	return s->nlisteners;
}
