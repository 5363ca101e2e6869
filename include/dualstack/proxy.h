/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_PROXY_H
#define DUALSTACK_PROXY_H

/*
 * ds_proxy: a TCP relay that accepts on dual-stack listeners and connects
 * to configured backends, keeping the client's address.
 *
 * One connection goes through these steps, in this order:
 *
 *  1. Accept, on a ds_listener of any mode. The client is the peer,
 *     normalised (an IPv4-mapped peer is the IPv4 client it is).
 *  2. With accept_proxy: only a peer that an allow rule of 'trusted'
 *     matches may speak (an empty or deny-only list trusts nobody);
 *     anyone else is closed (DS_PROXY_UNTRUSTED). The PROXY header (v1 or v2,
 *     ds_proxyproto_parse()) is read within header_timeout_us; a bad one is
 *     closed with DS_PROXY_BAD_HEADER and the parser's reason and byte
 *     offset in the log. From then on the client is the one the header
 *     names (normalised); a LOCAL or UNKNOWN header (a balancer's health
 *     check) keeps the connection's own peer. Bytes that came after the
 *     header are kept and sent on first.
 *  3. ACL: ds_acl_check() on the client (DS_PROXY_ACL).
 *  4. Limits, per client group (the client's address masked to
 *     client_prefix6 or client_prefix4: one IPv6 host owns a /64):
 *     connections open now (max_conns_per_client, DS_PROXY_LIMIT) and
 *     new connections per second, a token bucket of 'rate' tokens a
 *     second holding at most 'burst' (DS_PROXY_RATE). The global
 *     max_conns does not refuse anyone: at the limit the listeners pause
 *     and new clients wait in the kernel's backlog. hard_max_conns does,
 *     before anything else is done with the client (DS_PROXY_BUSY): it
 *     is a bound that must hold, such as what the descriptor limit
 *     allows, and a client left in the backlog behind peers that never
 *     leave would wait for nothing.
 *  5. Backend: the next one round-robin that is not marked failed; a
 *     backend whose connect was refused, unreachable or timed out is
 *     marked failed for fail_hold_us and the next is tried at once for
 *     the same client, until every backend has been tried once
 *     (DS_PROXY_UNREACHABLE). When all are marked failed they are all
 *     tried anyway, oldest failure first: a proxy that refuses everyone
 *     because of stale marks helps nobody. A backend given by name is
 *     resolved (AAAA and A) when first needed and again when the
 *     answer's TTL has run out (at least 1 s, at most 300 s apart), and
 *     its addresses are raced with Happy Eyeballs (ds_connect, given the
 *     addresses, no DNS per connection); a numeric backend is a plain
 *     non-blocking connect. connect_timeout_us bounds each backend.
 *  6. With send_proxy: a PROXY header (v1 or v2) naming the client and
 *     the address it connected to is written to the backend first.
 *  7. Relay (ds_relay) until both sides are done, a reset, the idle
 *     timeout, or the end of a drain.
 *
 * Refusals (busy, untrusted, ACL, limit, rate), and every other end before the
 * relay starts (a bad or late header, no backend, a drain), close the
 * client with an RST (SO_LINGER 0): nothing was relayed, and no
 * TIME_WAIT stays here. A client that closes before a whole header is
 * DS_PROXY_BAD_HEADER with err -ENODATA.
 *
 * Never an open relay: the destination is only ever a configured backend;
 * no byte from a client is ever read as a destination (a client's
 * "CONNECT host" or "GET http://host/" is relayed to the backend like any
 * other bytes).
 *
 * Every connection ends with exactly one call of the log callback, whether
 * it was relayed, refused or failed, with what a log line needs.
 *
 * Threads: a proxy belongs to its loop's thread. For several cores run one
 * proxy per thread, each on its own loop, with reuseport set (the kernel
 * spreads connections over the listeners); nothing is shared between
 * them, so limits are per proxy -- and exact per client when
 * ds_proxy_steer() sends each client group to one proxy.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dualstack/acl.h"
#include "dualstack/addr.h"
#include "dualstack/export.h"
#include "dualstack/listen.h"
#include "dualstack/loop.h"
#include "dualstack/relay.h"
#include "dualstack/resolve.h"

/* Defaults (used where the config has 0), in microseconds. */
#define DS_PROXY_CONNECT_TIMEOUT_US 5000000u
#define DS_PROXY_HEADER_TIMEOUT_US 5000000u
#define DS_PROXY_FAIL_HOLD_US 10000000u
#define DS_PROXY_CLIENT_PREFIX6 64u
#define DS_PROXY_CLIENT_PREFIX4 32u

/* A backend: a name or a numeric address (no brackets), and a port. */
struct ds_proxy_backend {
	const char *host;
	uint16_t port;
};

/* What a proxy is asked to do. Zero-initialise, then set what you need. */
struct ds_proxy_config {
	const struct ds_listen_config *listen; /* n_listen listeners */
	size_t n_listen;
	const struct ds_proxy_backend *backends; /* at least one */
	size_t n_backends;

	int send_proxy; /* 0: none, 1: v1 text, 2: v2 binary */
	bool accept_proxy;
	/* With accept_proxy: who may send a header (allow rules; a peer not
	 * allowed by it is refused). Required with accept_proxy. */
	const struct ds_acl *trusted;
	/* Who may connect (NULL: everyone); see also ds_proxy_set_acl(). */
	const struct ds_acl *acl;

	uint32_t max_conns; /* 0: no limit */
	/* Connections open at once beyond which a new client is reset as
	 * soon as it is accepted (DS_PROXY_BUSY), without pausing the
	 * listeners: what the descriptor limit allows (see
	 * ds_proxy_fd_budget()). 0: no limit. */
	uint32_t hard_max_conns;
	uint32_t max_conns_per_client; /* 0: no limit */
	double rate;                   /* per client, per second; 0: none */
	uint32_t burst;                /* bucket size; 0: max(1, ceil(rate)) */
	unsigned client_prefix6;       /* 1-128; 0: 64 */
	unsigned client_prefix4;       /* 1-32; 0: 32 */

	uint64_t connect_timeout_us; /* 0: DS_PROXY_CONNECT_TIMEOUT_US */
	uint64_t header_timeout_us;  /* 0: DS_PROXY_HEADER_TIMEOUT_US */
	uint64_t fail_hold_us;       /* 0: DS_PROXY_FAIL_HOLD_US */

	/* Relay options (the idle timeout is here). NULL: the defaults. */
	const struct ds_relay_opts *relay;
	/* Resolver for backend names (servers, family filter). NULL: the
	 * system's. Its family also filters numeric backends' addresses. */
	const struct ds_resolve_opts *resolve;
};

/* Why a connection ended. */
enum ds_proxy_close {
	DS_PROXY_CLIENT_EOF = 1, /* relayed; the client finished first */
	DS_PROXY_BACKEND_EOF,    /* relayed; the backend finished first */
	DS_PROXY_CLIENT_RESET,   /* the client reset: RST passed on */
	DS_PROXY_BACKEND_RESET,  /* the backend reset: RST passed on */
	DS_PROXY_IDLE_TIMEOUT,   /* nothing either way for idle_timeout_us */
	DS_PROXY_ACL,            /* refused by the ACL */
	DS_PROXY_LIMIT,          /* max_conns_per_client reached */
	DS_PROXY_RATE,           /* the client's rate bucket was empty */
	DS_PROXY_UNTRUSTED,      /* accept_proxy: peer not in 'trusted' */
	DS_PROXY_BAD_HEADER,     /* accept_proxy: not a valid PROXY header */
	DS_PROXY_HEADER_TIMEOUT, /* accept_proxy: no whole header in time */
	DS_PROXY_UNREACHABLE,    /* no backend could be connected */
	DS_PROXY_SHUTDOWN,       /* closed at the end of a drain, or freed */
	DS_PROXY_ERROR,          /* something else; see err */
	DS_PROXY_BUSY,           /* hard_max_conns open already */
};

/* "client-eof", "backend-eof", "client-reset", "backend-reset",
 * "idle-timeout", "acl", "limit", "rate", "untrusted", "bad-header",
 * "header-timeout", "backend-unreachable", "shutdown", "error", "busy". */
DS_EXPORT const char *ds_proxy_close_name(enum ds_proxy_close c);

/*
 * One connection, at its end. Fields that do not apply are zero (no
 * family) -- e.g. no backend for a refused client.
 */
struct ds_proxy_log {
	uint64_t start_us;    /* CLOCK_REALTIME at accept, microseconds */
	uint64_t duration_us; /* accept to end */
	/* The client, normalised: the header's when one was accepted. */
	struct ds_endpoint client;
	enum ds_family_used family;  /* how the client reached the listener
	                              * (the header's family when proxied:
	                              * V4 or V6) */
	struct ds_endpoint listener; /* the local end the connection hit */
	/* accept_proxy: the balancer that sent the header, and whether a
	 * header with addresses was used (false for LOCAL/UNKNOWN). */
	struct ds_endpoint via;
	bool proxied;
	int header_version; /* 1 or 2 when a header was read, else 0 */

	struct ds_endpoint backend;       /* the address connected to */
	struct ds_endpoint backend_local; /* our end toward it: the port that
	                                   * matches the backend's log */
	const char *backend_name; /* as configured ("app.example:80" host) */
	unsigned backend_tries;   /* backends tried for this client */
	uint64_t connect_us;      /* time to connect the backend */

	uint64_t bytes_in;  /* client to backend (our header not counted) */
	uint64_t bytes_out; /* backend to client */
	bool spliced;       /* the relay used splice(2) */

	enum ds_proxy_close reason;
	int err; /* -errno behind reason, where there is one */
	/* A human detail, e.g. "v1: malformed at byte 19" for a bad header
	 * or "connection refused" for a backend; NULL if none. Valid during
	 * the callback only. */
	const char *detail;
};

struct ds_proxy;

typedef void ds_proxy_log_fn(
    struct ds_proxy *p, const struct ds_proxy_log *log, void *userdata);

/*
 * Events worth a line that are not one connection: a listener's accept
 * failing and recovering (as ds_listen_event_fn), a backend marked failed
 * or usable again, a name resolved, hard_max_conns reached and left.
 * Strings are valid during the callback only.
 *
 * "busy" comes with the first client reset for hard_max_conns, once, and
 * "busy-over" once the open connections are down to seven eighths of it
 * (at least one fewer), so that a steady crowd at the limit, where each
 * connection that ends lets one more in, gives two lines, not two per
 * client.
 */
struct ds_proxy_event {
	/* "backend-down", "backend-up", "resolved", "resolve-failed",
	 * "accept-error", "accept-ok", "busy", "busy-over". */
	const char *name;
	/* The backend it is about, as configured ("app.example:80"); NULL
	 * for a listener's events. */
	const char *backend;
	/* What happened, without the backend: "connection refused",
	 * "connected again", "2 addresses, again in 300 s". */
	const char *detail;
	/* All of it as one line without newline ("listener 0: accept: ...",
	 * "BACKEND: connection refused; not used for 10000 ms"). */
	const char *text;
	uint64_t hold_us; /* backend-down: how long it is skipped */
	size_t active;    /* busy, busy-over: connections open */
	uint32_t limit;   /* busy, busy-over: hard_max_conns */
	uint64_t refused; /* busy-over: clients reset since busy */
};

typedef void ds_proxy_event_fn(
    struct ds_proxy *p, const struct ds_proxy_event *ev, void *userdata);

/*
 * Descriptors a process keeps spare beyond those it holds at start: the
 * resolver's sockets, a file read on reload, a backend connect under way,
 * a client accepted only to be reset.
 */
#define DS_PROXY_FD_SPARE 16u

struct ds_proxy_fd_budget {
	uint32_t conns; /* hard_max_conns of each proxy */
	uint32_t pipes; /* ds_relay_opts.pipe_max of each proxy */
};

/*
 * Share the descriptor limit among the n proxies of one process (their
 * descriptors come from one table). limit is the soft RLIMIT_NOFILE,
 * in_use the descriptors the process holds besides connections (what is
 * open at start, and what the proxies' loops and listeners will take).
 * With B = limit - in_use - DS_PROXY_FD_SPARE, each connection two
 * descriptors and each pipe two: C = 2B/5 connections and P = C/4 pipes
 * (HAProxy's maxpipes default is maxconn/4 too), 2C + 2P <= B; each
 * proxy gets C/n and P/n. Pure. Returns 0, -EINVAL for n 0, or -EMFILE
 * when a proxy would get no connection at all (*ret is written anyway,
 * so that the caller can say what there was).
 */
DS_EXPORT int ds_proxy_fd_budget(uint64_t limit, uint64_t in_use, unsigned n,
    struct ds_proxy_fd_budget *ret);

/*
 * How opening the listeners went, so that the caller can say which
 * listener and family failed: the proxy's counterpart of the one
 * ds_listen_report that ds_listener_new() fills. listen (set by the
 * caller; may be NULL) has n_listen entries, each filled as
 * ds_listener_new() fills its report; failed is set to the index of the
 * listener that could not be opened, n_listen when none failed.
 */
struct ds_proxy_report {
	struct ds_listen_report *listen;
	size_t failed;
};

/*
 * Open the listeners and start, with the settings in cfg (copied; the
 * ACLs are kept by pointer), calling on_log and on_event (either may be
 * NULL) with userdata. 'reuseport' in each listen config is honoured;
 * report may be NULL. Returns 0, -EINVAL for a config that cannot work (no
 * backend, no listener, a port 0 backend, send_proxy not 0-2,
 * accept_proxy without trusted, a prefix length out of range, a negative
 * or NaN rate), or the first listener's error (report->failed its index).
 */
DS_EXPORT int ds_proxy_new(struct ds_loop *loop,
    const struct ds_proxy_config *cfg, ds_proxy_log_fn *on_log,
    ds_proxy_event_fn *on_event, void *userdata, struct ds_proxy_report *report,
    struct ds_proxy **ret);

/*
 * Replace the ACL for connections accepted from now on; connections
 * already relaying are not checked again and keep running. The proxy
 * keeps the pointer: the caller frees the old ACL after this returns and
 * the new one after the proxy. NULL: everyone.
 */
DS_EXPORT void ds_proxy_set_acl(struct ds_proxy *p, const struct ds_acl *acl);

/*
 * Drain: close the listeners now, let connections finish, and after
 * deadline_us close those still open (reason DS_PROXY_SHUTDOWN; 0: close
 * them at once). done is called once, from the loop, when no connection
 * is left. Calling it again shortens the deadline (to 0: now).
 */
typedef void ds_proxy_drained_fn(struct ds_proxy *p, void *userdata);
DS_EXPORT void ds_proxy_drain(
    struct ds_proxy *p, uint64_t deadline_us, ds_proxy_drained_fn *done);

struct ds_proxy_stats {
	uint64_t accepted; /* connections accepted */
	uint64_t relayed;  /* of which reached a backend */
	uint64_t refused;  /* untrusted, acl, limit, rate, header problems */
	uint64_t failed;   /* no backend, errors */
	size_t active;     /* open now (any step) */
	size_t clients;    /* client groups tracked now */
	uint64_t bytes_in, bytes_out; /* of connections ended so far */
};

DS_EXPORT void ds_proxy_get_stats(
    const struct ds_proxy *p, struct ds_proxy_stats *ret);

/*
 * With n proxies on one port in n threads (reuseport), each one's
 * listeners joined to the groups in the same order: steer every client
 * group (client_prefix6/4) to one proxy, with ds_listener_steer() on this
 * proxy's listeners, so that per-client limits and rates hold across all
 * of them. Call once, on any one of the proxies, after all have opened
 * their listeners. Returns 0 or what ds_listener_steer() returns.
 */
DS_EXPORT int ds_proxy_steer(struct ds_proxy *p, unsigned n);

/* The bound endpoints of listener i (as ds_listener_endpoints()). */
DS_EXPORT size_t ds_proxy_endpoints(
    const struct ds_proxy *p, size_t i, struct ds_endpoint *ret, size_t n);

/*
 * Close everything (connections get their log line with
 * DS_PROXY_SHUTDOWN) and free. NULL-safe; returns NULL. Not from the
 * proxy's own callbacks.
 */
DS_EXPORT struct ds_proxy *ds_proxy_free(struct ds_proxy *p);

#endif
