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
 * - With accept_proxy, a connection starts by reading a PROXY protocol
 *   header (v1 or v2, ds_proxyproto_parse()), as "dualstack proxy
 *   --accept-proxy" does: only a peer that an allow rule of 'trusted'
 *   matches may send one, the whole header must come within
 *   header_timeout_us, and a connection that fails any of this is reset
 *   (SO_LINGER 0) with DS_SERVER_CLOSE_UNTRUSTED, _BAD_HEADER or
 *   _HEADER_TIMEOUT before its protocol starts. Once a header is read,
 *   the tuple names the client the header carries (IPv4-mapped
 *   normalised to IPv4, the family the header's: v4 or v6) and the
 *   connection's real peer, the proxy, is reported as proxied_by; a v2
 *   LOCAL or v1 UNKNOWN header (a balancer's health check) keeps the
 *   real peer. Bytes that came after the header in the same read are the
 *   protocol's, served as if read then. Without accept_proxy none of
 *   this costs a system call, and a header is just data.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dualstack/acl.h"
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
#define DS_SERVER_TUPLE_LINGER_US 2000000u

/*
 * accept_proxy: the default time for the whole PROXY header, 5 s, as
 * DS_PROXY_HEADER_TIMEOUT_US: a balancer sends its header with the first
 * bytes of the connection, so a peer that takes seconds is not one.
 */
#define DS_SERVER_HEADER_TIMEOUT_US 5000000u

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
	 * written; 0 for never.
	 */
	uint64_t idle_timeout_us;
	/* tuple: wait this long for the client's EOF; 0: the idle timeout
	 * if set, else DS_SERVER_TUPLE_LINGER_US. */
	uint64_t linger_us;
	bool tuple_json; /* tuple: the line is a JSON object, not text */
	/*
	 * Read a PROXY header first on every connection (see the top of
	 * this file). trusted, required then, says who may send one: only
	 * its allow rules count, so an empty or deny-only list trusts
	 * nobody. The server keeps the pointer: the ACL must outlive it
	 * and not change while it runs.
	 */
	bool accept_proxy;
	const struct ds_acl *trusted;
	uint64_t header_timeout_us; /* 0: DS_SERVER_HEADER_TIMEOUT_US */
};

/* What an event reports. */
enum ds_server_event_kind {
	/*
	 * A connection was accepted: conn_id, tuple. With accept_proxy it
	 * is reported once its header is read, with the header's client,
	 * proxied_by and header_version; a connection refused before that
	 * (untrusted, a bad or late header, a drain) gets its OPEN, with
	 * the real peer, just before its CLOSE, so every OPEN has a CLOSE.
	 */
	DS_SERVER_EV_OPEN = 1,
	/*
	 * A connection closed: conn_id, tuple, reason (err for
	 * DS_SERVER_CLOSE_ERROR and BAD_HEADER; size and limit for
	 * OVERSIZE, LINE_TOO_LONG and HEADER_TIMEOUT; size and offset for
	 * BAD_HEADER), bytes_in, bytes_out, duration_us, and proxied_by and
	 * header_version as on OPEN.
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
	DS_SERVER_CLOSE_IDLE,          /* idle_timeout_us, or tuple linger */
	DS_SERVER_CLOSE_OVERSIZE,      /* len32 length over max_msg */
	DS_SERVER_CLOSE_LINE_TOO_LONG, /* line longer than max_line */
	DS_SERVER_CLOSE_DRAIN,         /* still open at the drain deadline */
	DS_SERVER_CLOSE_SHUTDOWN,      /* ds_server_stop() */
	DS_SERVER_CLOSE_ERROR,         /* another error, in err */
	DS_SERVER_CLOSE_LIMIT,     /* over max_conns: handed over by a listener
	                            * in the same batch that reached the limit */
	DS_SERVER_CLOSE_UNTRUSTED, /* accept_proxy: peer not in 'trusted' */
	/*
	 * accept_proxy: not a valid PROXY header. err is what
	 * ds_proxyproto_parse() said (-EPROTO no PROXY header at all, -EINVAL
	 * malformed, -E2BIG too long), offset where, size how many bytes
	 * came; or -ENODATA when the client shut down its side before a
	 * whole header (size: the bytes that came). header_version is the
	 * version the first bytes announce, 0 for -EPROTO.
	 */
	DS_SERVER_CLOSE_BAD_HEADER,
	/* accept_proxy: no whole header within header_timeout_us (limit);
	 * size: the bytes that came. */
	DS_SERVER_CLOSE_HEADER_TIMEOUT,
};

/*
 * A stable lower-case token, the same words ds_proxy_close_name() uses
 * where the two mean the same: "client-eof", "client-reset",
 * "idle-timeout", "oversize", "line-too-long", "drain-timeout",
 * "shutdown", "error", "max-conns", and for the PROXY header
 * "untrusted", "bad-header", "header-timeout". Static text; NULL if
 * unknown.
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
	uint64_t bytes_in;  /* CLOSE: bytes read, a PROXY header not counted */
	uint64_t bytes_out; /* CLOSE: bytes written */
	uint64_t duration_us; /* CLOSE: since accept, loop clock */
	/* OVERSIZE, LINE_TOO_LONG: what came; BAD_HEADER, HEADER_TIMEOUT:
	 * the header bytes that came. */
	uint64_t size;
	/* OVERSIZE, LINE_TOO_LONG: max; LIMIT: max_conns; HEADER_TIMEOUT:
	 * header_timeout_us. */
	uint64_t limit;
	bool paused;     /* LIMIT */
	size_t conns;    /* connections open after the event */
	uint64_t offset; /* BAD_HEADER: where the header went wrong */
	/*
	 * accept_proxy, OPEN and CLOSE: once a whole header was read,
	 * proxied_by is the connection's real peer (the proxy that sent
	 * it, normalised) and header_version its version, 1 or 2; NULL and
	 * 0 otherwise (for BAD_HEADER see there).
	 */
	const struct ds_endpoint *proxied_by;
	int header_version;
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
 * connections go on until they close or until drain_us has passed, then
 * close those left with DS_SERVER_CLOSE_DRAIN and report
 * DS_SERVER_EV_DRAINED. A second call only moves the deadline earlier.
 * Returns 0.
 */
DS_EXPORT int ds_server_drain(struct ds_server *s, uint64_t drain_us);

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
 * The line a DS_SERVER_TUPLE server sends, '\n' included, in the words
 * of every dualstack output (doc/dualstack.1, OUTPUT CONVENTIONS):
 *   text: "tcp 192.0.2.7:51234 -> 192.0.2.1:9000 IPv4 (mapped)\n", peer
 *         first, then "IPv4", "IPv4 (mapped)" (IPv4 through a dual IPv6
 *         socket) or "IPv6";
 *   json: {"protocol":"tcp","peer":{"address":"192.0.2.7","port":51234},
 *         "local":{"address":"192.0.2.1","port":9000},
 *         "family":"ipv4","mapped":true} and a newline ("mapped" only
 *         when true; "family" is "ipv4" or "ipv6").
 * Returns the length (snprintf semantics); DS_SERVER_TUPLE_STRLEN is
 * always enough for either.
 */
#define DS_SERVER_TUPLE_STRLEN (3 * DS_ENDPOINT_STRLEN + 192)
DS_EXPORT int ds_server_tuple_format(
    const struct ds_tuple *t, bool json, char *buf, size_t size);

/*
 * The same line for a connection that came through a proxy (a PROXY
 * header was read): t names the header's client, proxied_by the proxy
 * and header_version (1 or 2) the header's version, written after the
 * family in the words "dualstack proxy" logs them with:
 *   text: "tcp [2001:db8::7]:40000 -> 127.0.0.1:9000 IPv6
 *         proxied_by=127.0.0.1:51234 header=v1\n";
 *   json: the object above with "proxied_by":{"address":"127.0.0.1",
 *         "port":51234},"header":1 after "family".
 * With proxied_by NULL this is ds_server_tuple_format(). Returns the
 * length (snprintf semantics), within DS_SERVER_TUPLE_STRLEN.
 */
DS_EXPORT int ds_server_tuple_format_proxied(const struct ds_tuple *t,
    const struct ds_endpoint *proxied_by, int header_version, bool json,
    char *buf, size_t size);

#endif
