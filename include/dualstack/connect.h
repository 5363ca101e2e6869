/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CONNECT_H
#define DUALSTACK_CONNECT_H

/*
 * ds_connect: Happy Eyeballs version 2 (RFC 8305) on a ds_loop, with a
 * trace of the race and a memory of outcomes.
 *
 * One connect goes like this:
 *
 *  1. Resolution (section 3). The AAAA and A queries go out together
 *     (ds_resolve). When AAAA answers first, attempts start at once. When
 *     A answers first, the Resolution Delay (50 ms) is given to AAAA; when
 *     it expires, attempts start with what there is. Addresses that arrive
 *     later join the list of those not yet tried (re-sorted, re-
 *     interleaved). A numeric host needs no DNS.
 *  2. Sorting (section 4). Each candidate gets the source address the
 *     kernel would use (ds_sort_source(), or the --bind address), and the
 *     list is ordered by RFC 6724 (ds_sort()) with the system policy
 *     (/etc/gai.conf, else the RFC's default table). The list is then
 *     interleaved by family, starting with the family of the first
 *     address, which gets 'first_family_count' places before the other
 *     family's first (ds_he_interleave()).
 *  3. History. With a cache, the address that won last time for this
 *     host and port moves to the front, and addresses that recently
 *     failed or never answered move to the back (see struct ds_he_cache).
 *     The Resolution Delay of step 1 then goes to the query of the last
 *     winner's family instead of AAAA, and to the query still pending
 *     when every address in hand is known to be dead, so that a host
 *     whose IPv6 is broken starts with IPv4 and pays no attempt delay.
 *  4. Racing (section 5). An attempt starts; the next one starts when
 *     the Connection Attempt Delay (250 ms) has passed, or at once when
 *     the attempt in progress fails (refused, unreachable). Earlier
 *     attempts keep running. The first connection established wins; the
 *     others are closed at once. With a cache that knows the address's
 *     connect time, the delay after an attempt to it is twice that time,
 *     kept within 10 ms and 2 s (section 5 allows history to shape it).
 *  5. The overall timeout ends everything still pending.
 *
 * NAT64 (section 7.1): an IPv4 literal on a host without IPv4 (no usable
 * IPv4 address, ds_addrconfig()) is translated. The NAT64 prefix is
 * discovered per RFC 7050 -- an AAAA query for "ipv4only.arpa" through the
 * same resolver, the prefix found where 192.0.0.170 or 192.0.0.171 sits in
 * an answer (RFC 6052 section 2.2 lengths) -- and the address synthesised
 * per RFC 6052. No prefix: -DS_E_NO_NAT64.
 *
 * Link-local destinations need a zone ("fe80::1%eth0"); it is kept through
 * sorting and used as the socket's sin6_scope_id.
 *
 * Every step is written to the connect's trace (struct ds_he_event),
 * which the caller reads after the end, or while it runs.
 *
 * Threads: a ds_connect belongs to its loop's thread. A ds_he_cache is
 * not locked: share it between the connects of one thread only.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dualstack/addr.h"
#include "dualstack/export.h"
#include "dualstack/hecache.h"
#include "dualstack/loop.h"
#include "dualstack/resolve.h"
#include "dualstack/sort.h"

/* RFC 8305 values (sections 3 and 5, and 8 for the bounds), in
 * microseconds like every duration of the library. */
#define DS_HE_RESOLUTION_DELAY_US 50000u
#define DS_HE_ATTEMPT_DELAY_US 250000u
#define DS_HE_ATTEMPT_DELAY_MIN_US 10000u   /* hard floor, section 5 */
#define DS_HE_ATTEMPT_DELAY_MAX_US 2000000u /* section 5 */
/* Section 5, SHOULD. */
#define DS_HE_ATTEMPT_DELAY_RECOMMENDED_MIN_US 100000u
#define DS_HE_TIMEOUT_US 30000000u
/* Most candidates one connect tries; more are dropped from the end. */
#define DS_HE_MAX_CANDIDATES DS_SORT_MAX

/* --- Interleaving --------------------------------------------------------- */

/*
 * RFC 8305 section 4: reorder list[0..n), already sorted by preference,
 * so that the families alternate, starting with the family of list[0],
 * which keeps first_family_count (at least 1) places before the other
 * family's first address; after that the families alternate one by one,
 * and when one family runs out the rest of the other follows. The order
 * within each family is kept. Returns 0, or -EINVAL for n >
 * DS_HE_MAX_CANDIDATES or first_family_count 0.
 */
DS_EXPORT int ds_he_interleave(
    struct ds_endpoint *list, size_t n, unsigned first_family_count);

/* --- The trace ------------------------------------------------------------ */

enum ds_he_event_type {
	DS_HE_EV_QUERY = 1,   /* a query sent: qtype */
	DS_HE_EV_ANSWER,      /* a query done: qtype, count, err */
	DS_HE_EV_RES_DELAY,   /* one answered first: waiting delay_us for
	                       * qtype (AAAA, or what history prefers) */
	DS_HE_EV_RES_EXPIRED, /* the Resolution Delay ran out */
	DS_HE_EV_NAT64,       /* prefix found (prefix) and ep synthesised, or
	                       * none found (err) */
	DS_HE_EV_CACHE,       /* history reordered the list: ep first */
	DS_HE_EV_ATTEMPT,     /* attempt started to ep; delay_us until the
	                       * next may start */
	DS_HE_EV_FAILED,      /* attempt failed: err */
	DS_HE_EV_CONNECTED,   /* attempt won */
	DS_HE_EV_CANCELLED,   /* attempt closed unfinished: another won, or
	                       * the timeout */
	DS_HE_EV_TIMEOUT,     /* the overall timeout */
};

/* "query", "answer", "resolution-delay", "resolution-delay-expired",
 * "nat64", "cache", "attempt", "failed", "connected", "cancelled",
 * "timeout". */
DS_EXPORT const char *ds_he_event_name(enum ds_he_event_type type);

struct ds_he_event {
	uint64_t t_us; /* since ds_connect_new() */
	enum ds_he_event_type type;
	enum ds_resolve_type qtype; /* QUERY, ANSWER, RES_DELAY */
	unsigned count;             /* ANSWER: addresses */
	/* ANSWER from DNS: the servers asked and the tries that timed out
	 * (ds_resolve_query); ep is then the server that answered (family 0
	 * when none did). */
	unsigned servers;
	unsigned timeouts;
	unsigned attempt;      /* ATTEMPT..CANCELLED: 1 for the first started */
	uint64_t delay_us;     /* RES_DELAY, ATTEMPT; TIMEOUT: the timeout */
	int err;               /* ANSWER, NAT64, FAILED: 0 or negative */
	struct ds_endpoint ep; /* ATTEMPT..CANCELLED, CACHE, NAT64, ANSWER */
	struct ds_prefix prefix; /* NAT64 */
	uint64_t elapsed_us;     /* FAILED, CONNECTED, CANCELLED: since its
	                          * attempt started */
};

/*
 * One line for an event, without newline, as "dualstack connect -v" shows
 * it: "   0.412 ms  attempt 1 [2001:db8::2]:80 started (next in 250 ms)".
 * Returns the length it needed (like snprintf), or -EINVAL for an unknown
 * event type.
 */
DS_EXPORT int ds_he_event_format(
    const struct ds_he_event *ev, char *buf, size_t size);

/* --- Connecting ----------------------------------------------------------- */

/* How to connect. Fill with ds_connect_opts_init(), then change. */
struct ds_connect_opts {
	/* Resolver options; resolve.family also filters numeric and given
	 * addresses (DS_RESOLVE_ONLY_V6 for -6, ONLY_V4 for -4). */
	struct ds_resolve_opts resolve;
	uint64_t resolution_delay_us; /* 0 to 2 s */
	uint64_t attempt_delay_us;    /* 10 ms to 2 s */
	uint32_t first_family_count;  /* 1 to DS_HE_MAX_CANDIDATES */
	uint64_t timeout_us;          /* overall; 0: none */
	/* Bind to this local address (port 0) first; only candidates of its
	 * family are tried, and it is the source for sorting. NULL: none. */
	const struct ds_addr *bind;
	/* History to use and to update; NULL: none. */
	struct ds_he_cache *cache;
	/* NULL: /etc/gai.conf when it exists and parses, else the default
	 * table of RFC 6724 section 2.1. */
	const struct ds_policy *policy;
	/* Candidates already resolved: no DNS; the host name is then only
	 * the cache key. The order given is sorted like DNS answers. Each
	 * port must be 0 or the connect's port (-EINVAL otherwise). */
	const struct ds_endpoint *addrs;
	size_t n_addrs;
	bool no_nat64; /* never synthesise for IPv4 literals */
};

/* The defaults: RFC 8305's delays, first_family_count 1, timeout
 * DS_HE_TIMEOUT_US, everything else off. */
DS_EXPORT void ds_connect_opts_init(struct ds_connect_opts *opts);

struct ds_connect_result {
	/* The connected socket: non-blocking, close-on-exec, now owned by
	 * the caller. -1 when err is set. */
	int fd;
	/*
	 * 0, or: -ETIMEDOUT (the overall timeout); the -errno of the last
	 * attempt to fail when every candidate failed; the resolver's status
	 * (-DS_E_DNS_NXDOMAIN, ...) when no query gave an address;
	 * -DS_E_NO_ADDRESS when addresses came but none of a usable family;
	 * -DS_E_NO_NAT64; -ECANCELED (ds_connect_cancel()).
	 */
	int err;
	struct ds_endpoint remote; /* the winner */
	struct ds_endpoint local;  /* its local end */
	unsigned attempts;         /* started */
	uint64_t elapsed_us;       /* ds_connect_new() to the end */
	uint64_t connect_us;       /* the winner's own attempt */
};

struct ds_connect;

/*
 * Called once, from the loop, never from inside ds_connect_new(). r and the
 * trace stay valid until ds_connect_free(), which the callback may call.
 */
typedef void ds_connect_fn(
    struct ds_connect *c, const struct ds_connect_result *r, void *userdata);

/*
 * Start connecting to host (a name, or a numeric address with an optional
 * zone; no brackets) and port (not 0) over TCP. opts NULL: the defaults.
 * Returns 0, -EINVAL (empty host, port 0, an option out of range), or what
 * ds_resolve_new() returns. Everything after is reported through cb.
 */
DS_EXPORT int ds_connect_new(struct ds_loop *loop, const char *host,
    uint16_t port, const struct ds_connect_opts *opts, ds_connect_fn *cb,
    void *userdata, struct ds_connect **ret);

/* The trace so far (valid until the next loop iteration or the free). */
DS_EXPORT const struct ds_he_event *ds_connect_trace(
    const struct ds_connect *c, size_t *ret_n);

/* The lookup behind it: the host's, or for NAT64 the one for
 * "ipv4only.arpa"; NULL for other numeric hosts and given addresses. A
 * query may still be running after the end (a late AAAA); freeing the
 * connect stops it. */
DS_EXPORT const struct ds_resolve *ds_connect_get_resolve(
    const struct ds_connect *c);

/* End a connect in progress: the callback gets -ECANCELED on the next
 * iteration. Nothing happens once it is over. */
DS_EXPORT void ds_connect_cancel(struct ds_connect *c);

/* Close whatever is still open (not a socket handed over) and free.
 * NULL-safe; returns NULL. */
DS_EXPORT struct ds_connect *ds_connect_free(struct ds_connect *c);

/*
 * Blocking: run one connect on a private loop. *ret is filled in any case
 * (ret->fd is the caller's on success). When ret_trace is not NULL it gets
 * a malloc()ed copy of the trace (free() it) and *ret_n its length.
 * Returns 0 when connected; else the negative error, which is ret->err
 * too: why the connect failed (as in ds_connect_result.err), or -errno
 * when it could not run at all (-EINVAL, -ENOMEM, from the loop). A run
 * writes at least one trace event, so a caller that asked for the trace
 * tells the two apart by *ret_n: 0 when it could not run (or the copy of
 * the trace could not be allocated).
 */
DS_EXPORT int ds_connect_run(const char *host, uint16_t port,
    const struct ds_connect_opts *opts, struct ds_connect_result *ret,
    struct ds_he_event **ret_trace, size_t *ret_n);

/*
 * The simplest form, for programs that just want a socket: defaults,
 * timeout_us (0: DS_HE_TIMEOUT_US), no cache. Returns a connected
 * blocking socket, or a negative error as in ds_connect_result.err.
 */
DS_EXPORT int ds_connect_simple(
    const char *host, uint16_t port, uint64_t timeout_us);

#endif
