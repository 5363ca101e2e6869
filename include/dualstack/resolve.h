/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_RESOLVE_H
#define DUALSTACK_RESOLVE_H

/*
 * ds_resolve: asynchronous name resolution on a ds_loop, with c-ares.
 *
 * A name is looked up as two independent queries, AAAA and A, sent
 * together (AAAA first), so that each answer can be used the moment it
 * arrives -- what Happy Eyeballs (RFC 8305 section 3) needs, and what
 * getaddrinfo() cannot give. Each query reports its own answers, TTLs,
 * outcome and time taken, which is also what shows a slow or lost AAAA.
 *
 * The two queries leave from different sockets (different source ports),
 * always: a stateful firewall or NAT that keeps one entry per UDP
 * "session" loses the second of two queries sent back to back from one
 * socket, which is what glibc's "options single-request-reopen" works
 * around. Each (server, query type) pair has a c-ares channel of its own:
 * c-ares 1.18 (Debian 12) sends every query of a channel from one socket
 * per server, and has no per-query socket option (ARES_OPT_UDP_MAX_QUERIES
 * came with 1.20).
 *
 * Servers are raced, Happy Eyeballs style: a query goes to the first
 * server; when that has not answered within its delay (200 ms, or four
 * times its measured answer time within 100 to 300 ms), the next server is
 * asked too, and so on; one that fails (SERVFAIL, REFUSED, refused
 * connection, every try timed out) makes the next one asked at once. The
 * first answer (addresses, NXDOMAIN or NODATA) is taken and the others are
 * cancelled. With a history (ds_resolve_opts.history), servers that failed
 * or stayed silent recently are asked last, so the next lookup starts with
 * a live one; their answer times shape the delays.
 *
 * Configuration is read as glibc reads it. /etc/resolv.conf gives the
 * servers, search domains and options. The servers are read here, as
 * glibc reads them (ds_resolv_conf_nameservers(): at most three, a zone
 * not carried, so a link-local server with one is left out; none: the
 * local host). c-ares 1.18 reads the search domains but, of glibc's
 * options, only "ndots:" and "rotate"
 * (it takes BIND's "retrans:" and "retry:" instead of "timeout:" and
 * "attempts:"), so the options are parsed here (ds_resolv_conf_parse())
 * and handed to c-ares: "timeout:" (seconds per try, 5 by default, at
 * most 30; each later try of a server waits twice as long), "attempts:"
 * (tries per server, 2 by default, at most 5), "ndots:" (1, at most 15),
 * "rotate" (the first server asked rotates between lookups) and
 * "single-request" (A is sent only once AAAA is done).
 * "single-request-reopen" asks for what is always done (separate
 * sockets). $RES_OPTIONS amends the file's options and $LOCALDOMAIN
 * replaces its search domains, as in glibc. "retrans:" and "retry:" are
 * ignored, as glibc ignores them.
 *
 * /etc/hosts is read as the system's lookup order says (c-ares reads
 * nsswitch.conf): before DNS (the usual "files dns"), or after it. A name
 * in the hosts file is answered from there without DNS, per family (a
 * name the file has only as IPv4 is still asked of DNS for AAAA). The
 * hosts file may be named by $CARES_HOSTS, as c-ares allows. "localhost"
 * is never sent to DNS (RFC 6761 section 6.3): the hosts file answers it,
 * else the loopback address, source "hosts". A numeric host -- IPv4,
 * IPv6, an IPv6 literal with a zone ("fe80::1%eth0") -- is answered at
 * once, without DNS and without c-ares; the other family is not asked
 * (but with the address's family filtered out by DS_RESOLVE_ONLY_V4/V6,
 * the asked query ends with -DS_E_DNS_NODATA).
 *
 * Address-family filtering (DS_RESOLVE_ADDRCONFIG, the default), like
 * getaddrinfo()'s AI_ADDRCONFIG: a family is not asked for when the host
 * has no usable address of it (ds_addrconfig()). Loopback and IPv6
 * link-local addresses do not count as usable, since neither reaches
 * another host. The skipped family is still looked up in /etc/hosts, and
 * loopback answers from there are kept, so "localhost" resolves on any
 * host. A skipped query ends at once with -DS_E_DNS_SKIPPED. A host with
 * neither family usable (only loopback, as in a new network namespace)
 * asks for both, as glibc's getaddrinfo() does.
 *
 * Threads: a ds_resolve belongs to its loop's thread. Handles are
 * independent, but may share a history (in the same thread).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dualstack/addr.h"
#include "dualstack/export.h"
#include "dualstack/loop.h"
#include "dualstack/resolve-history.h"

/* The two queries of a lookup, in the order they are sent. */
enum ds_resolve_type {
	DS_RESOLVE_AAAA = 0,
	DS_RESOLVE_A = 1,
};
#define DS_RESOLVE_TYPES 2

/* "AAAA", "A". */
DS_EXPORT const char *ds_resolve_type_name(enum ds_resolve_type type);

/* Where a query's answers came from. */
enum ds_resolve_source {
	DS_RESOLVE_SRC_NONE = 0,  /* not answered (yet, or failed) */
	DS_RESOLVE_SRC_DNS,       /* a DNS server */
	DS_RESOLVE_SRC_HOSTS,     /* /etc/hosts */
	DS_RESOLVE_SRC_NUMERIC,   /* the name was an address */
	DS_RESOLVE_SRC_LOCALHOST, /* "localhost" not in /etc/hosts: the
	                           * loopback address (RFC 6761 section 6.3) */
};

/* "none", "dns", "hosts", "numeric", "localhost". */
DS_EXPORT const char *ds_resolve_source_name(enum ds_resolve_source src);

/* One address of an answer. */
struct ds_resolve_answer {
	struct ds_addr addr; /* with the zone for a numeric link-local */
	uint32_t ttl;        /* seconds, from DNS; 0 for hosts or numeric */
};

/*
 * The state of one query. Times are microseconds since ds_resolve_new().
 * While the query runs, done is false and status 0.
 */
struct ds_resolve_query {
	bool asked; /* false: skipped (family filter) or not wanted */
	bool done;
	/*
	 * 0 with at least one answer (an empty NOERROR answer is
	 * -DS_E_DNS_NODATA); else -DS_E_DNS_NXDOMAIN,
	 * -DS_E_DNS_NODATA, -DS_E_DNS_SERVFAIL, -DS_E_DNS_REFUSED,
	 * -DS_E_DNS_BADRESP, -DS_E_DNS_CONFIG, -DS_E_DNS, -DS_E_DNS_SKIPPED,
	 * -ETIMEDOUT (no server answered in time), -ECONNREFUSED (every
	 * server refused the connection), -ECANCELED, -ENOMEM.
	 */
	int status;
	enum ds_resolve_source source;
	uint64_t start_us;
	uint64_t end_us; /* when done */
	/* The name the answers belong to, after CNAMEs and search domains;
	 * NULL when it is the name asked. */
	const char *canonname;
	const struct ds_resolve_answer *answers; /* in the server's order */
	size_t n_answers;
	/*
	 * DNS only (0 and -1 otherwise): the servers this query was sent to,
	 * the tries that timed out (on every server together), and the
	 * server whose answer ended it (an index for ds_resolve_servers()),
	 * -1 when none did. More than one server asked, or a timeout, means
	 * the query needed a retry: ds_resolve_servers() says where.
	 */
	unsigned servers_asked;
	unsigned timeouts;
	int server;
};

/* Which families to ask for. */
enum ds_resolve_family {
	DS_RESOLVE_ADDRCONFIG = 0, /* both, less any the host cannot use */
	DS_RESOLVE_BOTH,           /* both, whatever the host has */
	DS_RESOLVE_ONLY_V6,        /* AAAA only */
	DS_RESOLVE_ONLY_V4,        /* A only */
};

struct ds_resolve_history;

/* How to resolve. Zero-initialise, then set what you need. */
struct ds_resolve_opts {
	enum ds_resolve_family family;
	/*
	 * DNS servers to ask instead of resolv.conf's, in order: addresses
	 * and ports (port 0 is -EINVAL; no zones). n_servers 0:
	 * resolv.conf. Read by ds_resolve_new() only (a ds_connect copies
	 * its options, so for a connect the array must stay valid until
	 * the connect is freed). With servers given, /etc/hosts is still
	 * read and search domains still apply.
	 */
	const struct ds_endpoint *server_list;
	size_t n_servers;
	/*
	 * The same as text, as c-ares writes it ("[2001:db8::53]:5353,
	 * 192.0.2.53"), used only when n_servers is 0; NULL: resolv.conf.
	 * Kept for callers not yet moved to server_list; text c-ares
	 * rejects makes ds_resolve_new() fail with -DS_E_DNS_CONFIG.
	 */
	const char *servers;
	/* Per-try timeout (each later try of a server waits twice as long),
	 * whole milliseconds counted (c-ares's unit); 0 keeps resolv.conf's
	 * "options timeout:", else glibc's default, 5 s. */
	uint64_t timeout_us;
	/* Tries per server; 0 keeps resolv.conf's "options attempts:", else
	 * glibc's default, 2. */
	uint32_t tries;
	/* Skip /etc/hosts (ask DNS only). */
	bool no_hosts;
	/*
	 * The resolv.conf to read instead of /etc/resolv.conf (servers,
	 * search domains, options), for another root or a test; NULL:
	 * /etc/resolv.conf. A file that does not exist means defaults, as
	 * for glibc.
	 */
	const char *resolv_conf;
	/*
	 * What happened with each server before, used to order the servers
	 * and time the race, and updated as answers come; NULL: none. The
	 * caller owns it; it must outlive every handle that uses it.
	 */
	struct ds_resolve_history *history;
};

struct ds_resolve;

/*
 * Called once per asked query, when it is done (so at most twice per
 * lookup, never for a skipped one), and never from inside ds_resolve_new().
 * q stays valid until ds_resolve_free(). The callback may free r (the
 * other query is then cancelled without a call).
 */
typedef void ds_resolve_fn(struct ds_resolve *r, enum ds_resolve_type type,
    const struct ds_resolve_query *q, void *userdata);

/*
 * Start looking up name (a host name or a numeric address; no port) on
 * loop. opts may be NULL for the defaults. Returns 0, -EINVAL (empty name,
 * a name longer than 253 octets, bad opts), -DS_E_DNS_CONFIG (resolv.conf
 * or servers unusable), -ENOMEM. Numeric answers and skipped queries are
 * reported from the loop, like any other.
 */
DS_EXPORT int ds_resolve_new(struct ds_loop *loop, const char *name,
    const struct ds_resolve_opts *opts, ds_resolve_fn *cb, void *userdata,
    struct ds_resolve **ret);

/* The state of one query (never NULL for a valid type). */
DS_EXPORT const struct ds_resolve_query *ds_resolve_get(
    const struct ds_resolve *r, enum ds_resolve_type type);

/* --- The servers of a lookup ---------------------------------------------- */

/* What became of one query at one server. */
enum ds_resolve_ns_state {
	DS_RESOLVE_NS_NOT_ASKED = 0,
	DS_RESOLVE_NS_ASKING,    /* sent, nothing back yet */
	DS_RESOLVE_NS_ANSWERED,  /* its answer ended the query */
	DS_RESOLVE_NS_ERROR,     /* it answered SERVFAIL, REFUSED or a bad
	                          * answer, or refused the connection */
	DS_RESOLVE_NS_TIMED_OUT, /* every try to it timed out */
	DS_RESOLVE_NS_GIVEN_UP,  /* still silent past its delay when a server
	                          * asked after it answered: cancelled */
	DS_RESOLVE_NS_CANCELLED, /* asked, but another answered within its
	                          * delay, or the handle was freed */
};

/* "not-asked", "asking", "answered", "error", "timed-out", "given-up",
 * "cancelled". */
DS_EXPORT const char *ds_resolve_ns_state_name(enum ds_resolve_ns_state s);

struct ds_resolve_ns_query {
	enum ds_resolve_ns_state state;
	/* ANSWERED: the answer's (0, NXDOMAIN, NODATA); ERROR and
	 * TIMED_OUT: why; else 0. */
	int status;
	unsigned timeouts; /* tries to it that timed out */
	/* Microseconds since ds_resolve_new(): when it was asked, and when
	 * it ended (any state past ASKING); 0 before. */
	uint64_t start_us;
	uint64_t end_us;
};

/* One server of a lookup. */
struct ds_resolve_server {
	struct ds_endpoint ep;
	/* The history says it failed or stayed silent recently: asked only
	 * after the others. */
	bool demoted;
	/* How long it is given before the next server is asked too. */
	uint64_t delay_us;
	struct ds_resolve_ns_query q[DS_RESOLVE_TYPES];
};

/*
 * The servers of this lookup, in the order they are asked (resolv.conf's
 * or opts.servers', rotated with "options rotate", demoted ones last).
 * *ret_n is 0 (and the result NULL) when DNS is not used: a numeric name,
 * "localhost". Valid until ds_resolve_free().
 */
DS_EXPORT const struct ds_resolve_server *ds_resolve_servers(
    const struct ds_resolve *r, size_t *ret_n);

/* True once every asked query is done. */
DS_EXPORT bool ds_resolve_is_done(const struct ds_resolve *r);

/* Cancel what is still running (no callbacks) and free. Safe inside the
 * callback. NULL-safe; returns NULL. */
DS_EXPORT struct ds_resolve *ds_resolve_free(struct ds_resolve *r);

/* Which families this host can use (see the top of this file). */
struct ds_addrconfig {
	bool v4; /* an IPv4 address other than 127.0.0.0/8 */
	bool v6; /* an IPv6 address other than ::1 and fe80::/10 */
};

/* Fill *ret from getifaddrs(). Returns 0 or -errno. */
DS_EXPORT int ds_addrconfig(struct ds_addrconfig *ret);

#endif
