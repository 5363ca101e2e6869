/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_SERVER_H
#define DUALSTACK_SERVER_H

/*
 * ds_server: a dual-stack TCP test server on a ds_loop.
 *
 * One server speaks one small protocol (echo, line, len32, discard, source,
 * tuple) on any number of listeners, and serves thousands of connections
 * from one loop in one thread. It is the engine of "dualstack serve" and a
 * peer for "dualstack load"; it never prints: what happens (a connection
 * opens or closes, accept() fails, the connection limit is reached, a drain
 * ends) is reported to one event callback, and the caller decides what to
 * log.
 *
 * Contract:
 * - The server and its listeners and connections belong to the loop's
 *   thread. Free the server before the loop.
 * - Every accepted socket gets TCP_NODELAY: the protocols answer small
 *   requests with small replies, and Nagle's algorithm would hold a reply
 *   back until the previous segment is acknowledged, which with the
 *   client's delayed ACKs costs up to 40 ms per round trip (RFC 1122
 *   section 4.2.3.2 allows 500 ms).
 * - Writes never block and never raise SIGPIPE (MSG_NOSIGNAL). When a
 *   client does not read, the unsent remainder is kept in a per-connection
 *   buffer allocated for the stall only, and the server stops reading from
 *   that client until the remainder is gone (backpressure), so memory per
 *   connection stays bounded by one read (64 KiB) plus, for "line", one
 *   line.
 * - Bad input ends a connection with a reason; it never ends the server.
 *   Every descriptor the server accepts is closed by the server.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dualstack/export.h"
#include "dualstack/listen.h"
#include "dualstack/loop.h"

/* What the server speaks on every connection. */
enum ds_server_proto {
	/* Every byte read is written back. */
	DS_SERVER_ECHO = 1,
	/*
	 * Lines (ending in '\n', so "\r\n" too) are written back once
	 * complete; a line longer than max_line ends the connection. An
	 * unterminated last line is written back when the client shuts
	 * down its side.
	 */
	DS_SERVER_LINE,
	/*
	 * Messages framed as a 4-byte big-endian payload length and the
	 * payload are written back, framing included. A length over
	 * max_msg ends the connection. See DS_SERVER_MAX_MSG for how a
	 * message is echoed without being buffered.
	 */
	DS_SERVER_LEN32,
	/* Everything read is dropped. */
	DS_SERVER_DISCARD,
	/*
	 * A repeating pattern (the RFC 864 character generator's rotating
	 * 72-character lines) is written as fast as the client reads;
	 * what the client sends is dropped.
	 */
	DS_SERVER_SOURCE,
	/*
	 * One line naming the connection as the server sees it (see
	 * ds_server_tuple_format()), then the server shuts down its
	 * sending side and waits for the client's EOF before closing, so
	 * that unread client bytes never turn the close into a reset
	 * that could destroy the line in flight.
	 */
	DS_SERVER_TUPLE,
};

/* "echo", "line", "len32", "discard", "source", "tuple"; NULL if unknown. */
DS_EXPORT const char *ds_server_proto_name(enum ds_server_proto proto);

/* The reverse of ds_server_proto_name(). Returns 0 or -EINVAL. */
DS_EXPORT int ds_server_proto_parse(const char *s, enum ds_server_proto *ret);

/*
 * len32: the default largest payload, 16 MiB.
 *
 * A message is echoed as it streams: its 4-byte header is held back until
 * all four bytes are in and the length is checked, then the header and
 * every payload byte are written back as they arrive. The reply is thus
 * the request, byte for byte, and a client reading whole messages reads
 * exactly the messages it sent, however TCP cut them; the server never
 * holds more than one read of a message, so a 16 MiB message costs no
 * 16 MiB buffer. The one visible difference from store-and-forward is that
 * a message whose sender stops halfway has its first half echoed; such a
 * client is not waiting for a whole reply anyway. A header over the limit
 * is never echoed: what came before it is, then the connection is closed.
 */
#define DS_SERVER_MAX_MSG (16u << 20)

/* line: the default longest line, '\n' included: 64 KiB. */
#define DS_SERVER_MAX_LINE (64u << 10)

/*
 * tuple: how long to wait for the client's EOF after the line is sent,
 * when no idle timeout is set: 2 s.
 */
#define DS_SERVER_TUPLE_LINGER_MS 2000u

/* Zero-initialise, then set what you need. */
struct ds_server_config {
	enum ds_server_proto proto; /* 0 means DS_SERVER_ECHO */
	uint32_t max_msg;  /* len32: largest payload; 0: DS_SERVER_MAX_MSG */
	uint32_t max_line; /* line: longest line; 0: DS_SERVER_MAX_LINE */
	/*
	 * Most connections open at once; 0 for no limit. At the limit the
	 * listeners are paused, so further clients wait in the kernel's
	 * backlog (they are not accepted and closed), and accepting resumes
	 * when a connection closes.
	 */
	unsigned max_conns;
	/*
	 * Close a connection after this long without a byte read or
	 * written; 0 for never. Checked with millisecond resolution.
	 */
	uint64_t idle_timeout_ms;
	/* tuple: wait this long for the client's EOF; 0: the idle timeout
	 * if set, else DS_SERVER_TUPLE_LINGER_MS. */
	uint64_t linger_ms;
	bool tuple_json; /* tuple: the line is a JSON object, not text */
};

/* What an event reports. */
enum ds_server_event_kind {
	/* A connection was accepted: conn_id, tuple. */
	DS_SERVER_EV_OPEN = 1,
	/*
	 * A connection closed: conn_id, tuple, reason (err for
	 * DS_SERVER_CLOSE_ERROR; size and limit for OVERSIZE and
	 * LINE_TOO_LONG), bytes_in, bytes_out, duration_ms.
	 */
	DS_SERVER_EV_CLOSE,
	/*
	 * A listener's accept() failed with err (-EMFILE, -ENFILE, ...) and
	 * it backs off, or, with err 0, accepts again; listener says which.
	 * Reported once per episode by ds_listen. When tuple is set
	 * instead, one accepted connection could not be set up (err is
	 * -ENOMEM or what epoll said) and was closed.
	 */
	DS_SERVER_EV_ACCEPT_ERROR,
	/*
	 * The max_conns limit: paused true when it was reached and the
	 * listeners paused; false when the server is down to half the limit
	 * again. Accepting resumes as soon as one connection closes; only
	 * the report waits for half, so that a server held at its limit
	 * reports once, not twice per connection.
	 */
	DS_SERVER_EV_LIMIT,
	/*
	 * After ds_server_drain() or ds_server_stop(): no connection is
	 * left. Reported once, from the loop (never from inside the call
	 * that started the drain). The usual reaction is ds_loop_stop().
	 */
	DS_SERVER_EV_DRAINED,
};

/* Why a connection was closed. */
enum ds_server_close_reason {
	DS_SERVER_CLOSE_EOF = 1,       /* the client shut down its side */
	DS_SERVER_CLOSE_RESET,         /* ECONNRESET or EPIPE */
	DS_SERVER_CLOSE_IDLE,          /* idle_timeout_ms, or tuple linger */
	DS_SERVER_CLOSE_OVERSIZE,      /* len32 length over max_msg */
	DS_SERVER_CLOSE_LINE_TOO_LONG, /* line longer than max_line */
	DS_SERVER_CLOSE_DRAIN,         /* still open at the drain deadline */
	DS_SERVER_CLOSE_SHUTDOWN,      /* ds_server_stop() */
	DS_SERVER_CLOSE_ERROR,         /* another error, in err */
	DS_SERVER_CLOSE_LIMIT, /* over max_conns: handed over by a listener
	                        * in the same batch that reached the limit */
};

/*
 * "client EOF", "reset", "idle timeout", "oversize message", "line too
 * long", "drain timeout", "server shutdown", "error", "max-conns". Static
 * text; NULL if unknown.
 */
DS_EXPORT const char *ds_server_close_reason_name(
    enum ds_server_close_reason reason);

struct ds_server_event {
	enum ds_server_event_kind kind;
	uint64_t conn_id;             /* 1, 2, ... in accept order; 0 if none */
	const struct ds_tuple *tuple; /* valid during the callback; or NULL */
	struct ds_listener *listener; /* ACCEPT_ERROR from a listener */
	int err;                      /* -errno, or 0 */
	enum ds_server_close_reason reason; /* CLOSE */
	uint64_t bytes_in;                  /* CLOSE: bytes read */
	uint64_t bytes_out;                 /* CLOSE: bytes written */
	uint64_t duration_ms; /* CLOSE: since accept, loop clock */
	uint64_t size;        /* OVERSIZE, LINE_TOO_LONG: what came */
	uint64_t limit;       /* OVERSIZE, LINE_TOO_LONG: max; LIMIT */
	bool paused;          /* LIMIT */
	size_t conns;         /* connections open after the event */
};

struct ds_server;

/*
 * Called for every event, from the loop. It may call ds_loop_stop(),
 * ds_server_drain() and ds_server_stop(), and for DS_SERVER_EV_DRAINED
 * also ds_server_free(); it must not free the server otherwise.
 */
typedef void ds_server_event_fn(
    struct ds_server *s, const struct ds_server_event *ev, void *userdata);

/*
 * Create a server on loop with the settings in cfg (copied). It has no
 * listener yet: add them with ds_server_listen(). on_event may be NULL.
 * Returns 0, -EINVAL for an unknown protocol, or -ENOMEM.
 */
DS_EXPORT int ds_server_new(struct ds_loop *loop,
    const struct ds_server_config *cfg, ds_server_event_fn *on_event,
    void *userdata, struct ds_server **ret);

/*
 * Close every connection (without events), free the listeners and the
 * server. NULL-safe; returns NULL. The loop must still exist.
 */
DS_EXPORT struct ds_server *ds_server_free(struct ds_server *s);

/*
 * Open a listener as ds_listener_new() does and serve on it. report, when
 * not NULL, says per family what happened (see struct ds_listen_report).
 * *ret_listener, when ret_listener is not NULL, is the listener, owned by
 * the server (for ds_listener_endpoints()). Returns 0 or -errno; -EBUSY
 * once draining.
 */
DS_EXPORT int ds_server_listen(struct ds_server *s,
    const struct ds_listen_config *cfg, struct ds_listen_report *report,
    struct ds_listener **ret_listener);

/*
 * Graceful stop: stop accepting at once (the listeners are paused now and
 * closed at the next iteration, so new clients are refused), let open
 * connections go on until they close or until drain_ms has passed, then
 * close those left with DS_SERVER_CLOSE_DRAIN and report
 * DS_SERVER_EV_DRAINED. A second call only moves the deadline earlier.
 * Returns 0.
 */
DS_EXPORT int ds_server_drain(struct ds_server *s, uint64_t drain_ms);

/*
 * Immediate stop: stop accepting and close every connection now with
 * DS_SERVER_CLOSE_SHUTDOWN (their close events are reported before this
 * returns), then report DS_SERVER_EV_DRAINED from the loop.
 */
DS_EXPORT void ds_server_stop(struct ds_server *s);

/* Connections open now. */
DS_EXPORT size_t ds_server_conn_count(const struct ds_server *s);

/*
 * The listeners: up to n in ret (owned by the server); returns how many
 * there are. None after a drain has closed them.
 */
DS_EXPORT size_t ds_server_listeners(
    const struct ds_server *s, struct ds_listener **ret, size_t n);

/*
 * The line a DS_SERVER_TUPLE server sends, '\n' included:
 *   text: "tcp 192.0.2.7:51234 -> 192.0.2.1:9000 v4-mapped\n" (as
 *         ds_tuple_format(), peer first);
 *   json: {"protocol":"tcp","peer":{"address":"192.0.2.7","port":51234},
 *         "local":{"address":"192.0.2.1","port":9000},
 *         "family":"v4-mapped"} and a newline.
 * Returns the length (snprintf semantics); DS_SERVER_TUPLE_STRLEN is
 * always enough for either.
 */
#define DS_SERVER_TUPLE_STRLEN (2 * DS_ENDPOINT_STRLEN + 128)
DS_EXPORT int ds_server_tuple_format(
    const struct ds_tuple *t, bool json, char *buf, size_t size);

#endif
