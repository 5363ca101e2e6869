/* SPDX-License-Identifier: MIT */
/*
 * ds_resolve: A and AAAA lookups with c-ares, on a ds_loop.
 *
 * Every (server, query type) pair gets a c-ares channel of its own, with
 * that one server, opened when the server is asked for that type: so the
 * two types leave from different sockets (c-ares 1.18 sends all queries
 * of a channel to a server from one socket and has no option to change
 * that; ARES_OPT_UDP_MAX_QUERIES came with 1.20), and servers can be
 * raced and the losers cancelled. c-ares tells us which sockets to watch
 * through each channel's socket-state callback (ARES_OPT_SOCK_STATE_CB);
 * each becomes a ds_io, and one ds_timer per channel follows
 * ares_timeout(), re-armed after every step. Readiness and the timer both
 * end in ares_process_fd().
 *
 * The configuration is read once per lookup, by a template channel that
 * c-ares initialises from resolv.conf, nsswitch.conf and the environment:
 * its servers, search domains and lookup order are copied into the
 * per-server channels, with the resolv.conf options c-ares 1.18 does not
 * read (timeout:, attempts:, single-request) parsed by
 * ds_resolv_conf_parse() and handed over as ARES_OPT_TIMEOUTMS and
 * ARES_OPT_TRIES.
 *
 * Each query is one ares_getaddrinfo() per server asked, with ai_family
 * AF_INET6 or AF_INET so that it sends one DNS query type only; c-ares
 * applies the search domains and ndots and hands back TTLs and CNAMEs.
 * The hosts file is read on a channel of its own ("f" lookups) that
 * answers from inside ares_getaddrinfo(), before DNS or after it as the
 * system's lookup order says; the DNS channels have "b" lookups only, so
 * their answers always come from DNS.
 *
 * The race of servers for one query (RFC 8305 section 5 applied to
 * nameservers): the first server is asked; when it has not answered
 * within its delay, the next is asked too, and so on; a server that
 * fails makes the next one asked at once. The first answer that settles
 * the question (addresses, NXDOMAIN, NODATA) ends the query and the other
 * channels of that query are cancelled.
 *
 * Callbacks: c-ares's completion callback only records the result and
 * queues the query. The user's callback is called once c-ares has
 * returned -- after ares_process_fd(), or from a ds_defer for what
 * completed inside ds_resolve_new() -- so the user may free the handle
 * (and with it the channels) from the callback without pulling c-ares's
 * stack from under it.
 */
#include <ares.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "dualstack/error.h"
#include "dualstack/resolv-conf.h"
#include "dualstack/resolve.h"
#include "file-int.h"
#include "resolve-int.h"

/* RFC 1035 section 2.3.4: 255 octets on the wire, which is 253 characters
 * of text without the trailing dot (254 with it). */
#define NAME_MAX_TEXT 253

/* Sockets one channel uses at a time: one UDP and maybe one TCP socket
 * (its one server); the table grows when needed. */
#define WATCH_INIT 2

/* glibc reads three servers (MAXNS); c-ares any number. A lookup races
 * at most this many, the first ones in order. */
#define SERVERS_MAX 32

/* A resolv.conf larger than this is not one anyone wrote by hand; the
 * rest is ignored (glibc has no limit, but reads line by line). */
#define RESOLV_CONF_MAX (64u * 1024)

/*
 * How long a server is given before the next one is asked too. RFC 8305
 * section 5 gives connection attempts 250 ms by default, at least 100 ms
 * recommended, and lets the delay follow the measured round-trip time. A
 * DNS answer from a resolver's cache takes one round trip, one that needs
 * recursion a few more: with no measurement, 200 ms; with one, four
 * times the smoothed answer time, within 100 and 300 ms.
 */
#define NS_DELAY_MS 200u
#define NS_DELAY_MIN_MS 100u
#define NS_DELAY_MAX_MS 300u
#define NS_DELAY_RTTS 4u

struct watch {
	int fd;
	struct ds_io *io;
};

struct rq;

/* One c-ares channel: one server, one query type. */
struct chan {
	struct ds_resolve *r;
	struct rq *q;
	size_t ns; /* index in r->servers */
	ares_channel ch;
	struct watch *watches;
	size_t n_watches, cap_watches;
	struct ds_timer *timer;
	bool running; /* a lookup is out */
	bool closing; /* cancelled or destroyed: callbacks are ignored */
};

struct rq {
	struct ds_resolve *r;
	enum ds_resolve_type type;
	struct ds_resolve_query pub;
	bool ready;    /* result recorded, callback not yet made */
	bool finished; /* the result is recorded */
	struct ds_resolve_answer *answers;
	char *canonname;

	/* The race of servers. */
	bool racing;  /* started */
	bool waiting; /* single-request: starts when the other type ends */
	bool asking;  /* inside ask_next() */
	struct chan *chans; /* per server, channel opened when asked */
	size_t next;        /* servers asked so far, in order */
	size_t running;     /* channels with a lookup out */
	struct ds_timer *hedge;
	int err; /* what to report when no server answers */
	int err_rank;
};

/* What the history is told about a server at the end of each query: the
 * worst outcome of this lookup so far. */
struct ns_note {
	struct ares_addr_port_node node;
	bool noted;
	enum ds_resolve_ns_outcome worst;
};

struct ds_resolve {
	struct ds_loop *loop;
	ds_resolve_fn *cb;
	void *userdata;
	char *name;
	uint64_t t0_us;

	/* Configuration. */
	struct ds_resolve_server *servers; /* in the order they are asked */
	struct ns_note *notes;
	size_t n_servers;
	struct ds_resolve_history *history;
	char *resolv_conf;
	struct ares_options saved; /* the template's, for domains and flags */
	int saved_mask;
	bool have_saved;
	uint32_t timeout_ms;
	uint32_t tries;
	unsigned ndots;
	bool single_request;
	bool no_hosts;
	bool hosts_first; /* the hosts file before DNS ("files dns") */
	bool hosts_after; /* the hosts file after DNS ("dns files") */
	bool use_dns;

	struct ds_defer *defer;
	struct rq q[DS_RESOLVE_TYPES];
	enum ds_resolve_type pend[DS_RESOLVE_TYPES]; /* completion order */
	size_t n_pend;

	bool in_new;      /* inside ds_resolve_new() */
	bool dispatching; /* inside the user's callback */
	bool freed;       /* ds_resolve_free() called while dispatching */
	int sock_err;     /* a watch could not be set up */
};
/* --- Names ---------------------------------------------------------------- */

const char *
ds_resolve_type_name(enum ds_resolve_type type)
{
	switch (type) {
	case DS_RESOLVE_AAAA:
		return "AAAA";
	case DS_RESOLVE_A:
		return "A";
	}
	return "unknown";
}

const char *
ds_resolve_source_name(enum ds_resolve_source src)
{
	switch (src) {
	case DS_RESOLVE_SRC_NONE:
		return "none";
	case DS_RESOLVE_SRC_DNS:
		return "dns";
	case DS_RESOLVE_SRC_HOSTS:
		return "hosts";
	case DS_RESOLVE_SRC_NUMERIC:
		return "numeric";
	case DS_RESOLVE_SRC_LOCALHOST:
		return "localhost";
	}
	return "unknown";
}

const char *
ds_resolve_ns_state_name(enum ds_resolve_ns_state st)
{
	switch (st) {
	case DS_RESOLVE_NS_NOT_ASKED:
		return "not-asked";
	case DS_RESOLVE_NS_ASKING:
		return "asking";
	case DS_RESOLVE_NS_ANSWERED:
		return "answered";
	case DS_RESOLVE_NS_ERROR:
		return "error";
	case DS_RESOLVE_NS_TIMED_OUT:
		return "timed-out";
	case DS_RESOLVE_NS_GIVEN_UP:
		return "given-up";
	case DS_RESOLVE_NS_CANCELLED:
		return "cancelled";
	}
	return "unknown";
}

/* --- Which families the host can use -------------------------------------- */

int
ds_addrconfig(struct ds_addrconfig *ret)
{
	struct ifaddrs *ifa, *i;
	struct ds_addrconfig ac = {false, false};

	if (getifaddrs(&ifa) == -1)
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || !(i->ifa_flags & IFF_UP))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			const struct sockaddr_in *sin =
			    (const struct sockaddr_in *)(void *)i->ifa_addr;
			uint32_t v4 = ntohl(sin->sin_addr.s_addr);

			/* 127.0.0.0/8, RFC 1122 section 3.2.1.3 (g). */
			if ((v4 >> 24) != 127)
				ac.v4 = true;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const struct sockaddr_in6 *sin6 =
			    (const struct sockaddr_in6 *)(void *)i->ifa_addr;
			const struct in6_addr *a = &sin6->sin6_addr;

			/* ::1 and fe80::/10 (RFC 4291 sections 2.5.3 and
			 * 2.5.6) reach no other host. */
			if (!IN6_IS_ADDR_LOOPBACK(a) &&
			    !IN6_IS_ADDR_LINKLOCAL(a))
				ac.v6 = true;
		}
	}
	freeifaddrs(ifa);
	*ret = ac;
	return 0;
}

/* --- c-ares status to error code ------------------------------------------ */

static int
map_status(int status)
{
	switch (status) {
	case ARES_SUCCESS:
		return 0;
	case ARES_ENOTFOUND:
		return -DS_E_DNS_NXDOMAIN;
	case ARES_ENODATA:
		return -DS_E_DNS_NODATA;
	case ARES_ESERVFAIL:
		return -DS_E_DNS_SERVFAIL;
	case ARES_EREFUSED:
		return -DS_E_DNS_REFUSED;
	case ARES_EFORMERR:
	case ARES_EBADRESP:
		return -DS_E_DNS_BADRESP;
	case ARES_ETIMEOUT:
		return -ETIMEDOUT;
	case ARES_ECONNREFUSED:
		return -ECONNREFUSED;
	case ARES_ENOMEM:
		return -ENOMEM;
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		return -ECANCELED;
	case ARES_EFILE:
		return -DS_E_DNS_CONFIG;
	default:
		return -DS_E_DNS;
	}
}

/* --- Event plumbing, per channel ------------------------------------------ */

static void deliver(struct ds_resolve *r);

/* Set the channel's timer from what c-ares waits for next. */
static void
rearm(struct chan *c)
{
	struct timeval tv, *tvp;
	uint64_t us;

	if (!c->ch || c->closing)
		return;
	tvp = ares_timeout(c->ch, NULL, &tv);
	if (!tvp) {
		ds_timer_stop(c->timer);
		return;
	}
	/* c-ares's own microseconds: the loop never fires early, so it
	 * never has to ask for the rest again. */
	us = (uint64_t)tvp->tv_sec * 1000000u + (uint64_t)tvp->tv_usec;
	ds_timer_start_in(c->timer, us);
}

static void
on_io(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct chan *c = userdata;
	struct ds_resolve *r = c->r;
	ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;

	(void)io;
	if (events & (DS_IO_IN | DS_IO_HUP | DS_IO_ERR))
		rfd = fd;
	if (events & (DS_IO_OUT | DS_IO_ERR))
		wfd = fd;
	ares_process_fd(c->ch, rfd, wfd);
	rearm(c);
	deliver(r);
}

static void
on_timer(struct ds_timer *t, void *userdata)
{
	struct chan *c = userdata;
	struct ds_resolve *r = c->r;

	(void)t;
	ares_process_fd(c->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	rearm(c);
	deliver(r);
}

static void
on_defer(struct ds_defer *d, void *userdata)
{
	(void)d;
	deliver(userdata);
}

static struct watch *
watch_find(struct chan *c, int fd)
{
	for (size_t i = 0; i < c->n_watches; i++)
		if (c->watches[i].fd == fd)
			return &c->watches[i];
	return NULL;
}

/* c-ares opened, changed or is about to close one of its sockets. */
static void
sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct chan *c = data;
	struct ds_resolve *r = c->r;
	struct watch *w = watch_find(c, fd);
	unsigned events =
	    (readable ? DS_IO_IN : 0u) | (writable ? DS_IO_OUT : 0u);
	int err;

	if (!events) {
		if (w) {
			ds_io_free(w->io);
			*w = c->watches[--c->n_watches];
		}
		return;
	}
	if (w) {
		err = ds_io_set_events(w->io, events);
		if (err < 0 && !r->sock_err)
			r->sock_err = err;
		return;
	}
	if (c->n_watches == c->cap_watches) {
		size_t cap = c->cap_watches ? 2 * c->cap_watches : WATCH_INIT;
		struct watch *nw = realloc(c->watches, cap * sizeof(*nw));

		if (!nw) {
			/* The query on this socket then times out. */
			if (!r->sock_err)
				r->sock_err = -ENOMEM;
			return;
		}
		c->watches = nw;
		c->cap_watches = cap;
	}
	w = &c->watches[c->n_watches];
	w->fd = fd;
	err = ds_io_new(r->loop, fd, events, on_io, c, &w->io);
	if (err < 0) {
		if (!r->sock_err)
			r->sock_err = err;
		return;
	}
	c->n_watches++;
}

/* Close a channel: its lookup (if any) is dropped without a word, its
 * sockets leave the loop. */
static void
chan_close(struct chan *c)
{
	if (c->ch) {
		/* Pending lookups are called back with ARES_EDESTRUCTION,
		 * which on_dns() drops; each closed socket passes through
		 * sock_state(), which frees its watch. */
		c->closing = true;
		ares_destroy(c->ch);
		c->ch = NULL;
	}
	for (size_t i = 0; i < c->n_watches; i++)
		ds_io_free(c->watches[i].io);
	free(c->watches);
	c->watches = NULL;
	c->n_watches = c->cap_watches = 0;
	c->timer = ds_timer_free(c->timer);
}

/* --- Results -------------------------------------------------------------- */

static void
queue(struct rq *q, uint64_t now_us)
{
	struct ds_resolve *r = q->r;

	q->ready = true;
	q->pub.end_us = now_us - r->t0_us;
	r->pend[r->n_pend++] = q->type;
	if (r->in_new)
		ds_defer_schedule(r->defer);
}

/* Whether name and other are one DNS name (case and a final dot aside). */
static bool
same_name(const char *name, const char *other)
{
	size_t n = strlen(name), m = strlen(other);

	if (n && name[n - 1] == '.')
		n--;
	if (m && other[m - 1] == '.')
		m--;
	return n == m && strncasecmp(name, other, n) == 0;
}

/* Copy the addresses of ai for family into q (answers in c-ares's order,
 * which is the server's: ARES_AI_NOSORT). */
static int
take_answers(struct rq *q, const struct ares_addrinfo *ai, int family)
{
	const struct ares_addrinfo_node *n;
	size_t count = 0;

	for (n = ai->nodes; n; n = n->ai_next)
		count++;
	if (count == 0)
		return 0;
	q->answers = calloc(count, sizeof(*q->answers));
	if (!q->answers)
		return -ENOMEM;
	count = 0;
	for (n = ai->nodes; n; n = n->ai_next) {
		struct ds_resolve_answer *a = &q->answers[count];

		if (n->ai_family != family || !n->ai_addr)
			continue;
		if (family == AF_INET6) {
			const struct sockaddr_in6 *sin6 =
			    (const struct sockaddr_in6 *)(void *)n->ai_addr;

			ds_addr_from_v6(sin6->sin6_addr.s6_addr, &a->addr);
		} else {
			const struct sockaddr_in *sin =
			    (const struct sockaddr_in *)(void *)n->ai_addr;
			ds_addr_from_v4(ntohl(sin->sin_addr.s_addr), &a->addr);
		}
		a->ttl = n->ai_ttl > 0 ? (uint32_t)n->ai_ttl : 0;
		count++;
	}
	q->pub.n_answers = count;
	q->pub.answers = q->answers;
	return 0;
}

/*
 * The name the answers belong to: the target of the last CNAME, else the
 * name that was answered (a search domain may have been added). NULL when
 * that is the name asked.
 */
static int
take_canonname(struct rq *q, const struct ares_addrinfo *ai)
{
	const struct ares_addrinfo_cname *c;
	const char *canon = ai->name;

	for (c = ai->cnames; c; c = c->next)
		if (c->name)
			canon = c->name;
	if (!canon || same_name(q->r->name, canon))
		return 0;
	q->canonname = strdup(canon);
	if (!q->canonname)
		return -ENOMEM;
	q->pub.canonname = q->canonname;
	return 0;
}

/* Record a c-ares result in q. */
static void
record(struct rq *q, int status, const struct ares_addrinfo *ai,
    enum ds_resolve_source src)
{
	int family = q->type == DS_RESOLVE_AAAA ? AF_INET6 : AF_INET;
	int err = map_status(status);

	if (err == 0 && ai) {
		err = take_answers(q, ai, family);
		if (err == 0)
			err = take_canonname(q, ai);
	}
	/* An empty answer is no answer: RFC 2308 section 2.2 calls a
	 * NOERROR without records of the type NODATA. */
	if (err == 0 && q->pub.n_answers == 0)
		err = -DS_E_DNS_NODATA;
	if (err < 0) {
		free(q->answers);
		free(q->canonname);
		q->answers = NULL;
		q->canonname = NULL;
		q->pub.answers = NULL;
		q->pub.n_answers = 0;
		q->pub.canonname = NULL;
		src = DS_RESOLVE_SRC_NONE;
	}
	q->pub.status = err;
	q->pub.source = src;
}

/* A hosts file lookup, answered from inside ares_getaddrinfo(). */
static void
on_hosts(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct rq *q = arg;

	(void)timeouts;
	if (q->finished) {
		ares_freeaddrinfo(ai);
		return;
	}
	q->finished = true;
	record(q, status, ai, DS_RESOLVE_SRC_HOSTS);
	ares_freeaddrinfo(ai);
	queue(q, ds_time_now_us());
}

/* Call the user back for each query that finished, in the order they did. */
static void
deliver(struct ds_resolve *r)
{
	if (r->dispatching)
		return;
	r->dispatching = true;
	while (r->n_pend > 0 && !r->freed) {
		struct rq *q = &r->q[r->pend[0]];

		memmove(
		    &r->pend[0], &r->pend[1], --r->n_pend * sizeof(r->pend[0]));
		q->ready = false;
		q->pub.done = true;
		r->cb(r, q->type, &q->pub, r->userdata);
	}
	r->dispatching = false;
	if (r->freed) {
		r->freed = false;
		ds_resolve_free(r);
	}
}

/* --- The race of servers -------------------------------------------------- */

static uint64_t
since_start(const struct ds_resolve *r)
{
	return ds_time_now_us() - r->t0_us;
}

/*
 * A failure to report when no server answers: an answer with an error
 * (SERVFAIL, REFUSED, malformed) says more than a refused connection,
 * which says more than silence. The first of the best kind is kept.
 */
static void
keep_error(struct rq *q, int err)
{
	int rank = err == -ETIMEDOUT ? 1 : err == -ECONNREFUSED ? 2 : 3;

	if (rank > q->err_rank) {
		q->err = err;
		q->err_rank = rank;
	}
}

/* Tell the history what became of each server this query asked (the
 * worst of this lookup so far, since a server that answered AAAA but
 * stayed silent for A would cost the next lookup the same wait). */
static void
note_servers(struct rq *q)
{
	struct ds_resolve *r = q->r;

	if (!r->history)
		return;
	for (size_t i = 0; i < r->n_servers; i++) {
		const struct ds_resolve_ns_query *nq =
		    &r->servers[i].q[q->type];
		struct ns_note *n = &r->notes[i];
		enum ds_resolve_ns_outcome o;
		uint32_t rtt = 0;

		switch (nq->state) {
		case DS_RESOLVE_NS_ANSWERED:
			o = DS_RESOLVE_NS_OK;
			rtt = (uint32_t)(nq->end_us - nq->start_us);
			/* 0 means "not measured". */
			rtt = rtt ? rtt : 1;
			break;
		case DS_RESOLVE_NS_ERROR:
			o = DS_RESOLVE_NS_FAILED;
			break;
		case DS_RESOLVE_NS_TIMED_OUT:
		case DS_RESOLVE_NS_GIVEN_UP:
			o = DS_RESOLVE_NS_NO_ANSWER;
			break;
		default:
			continue;
		}
		if (!n->noted || o > n->worst)
			n->worst = o;
		n->noted = true;
		(void)ds_resolve_history_note(
		    r->history, &r->servers[i].ep, n->worst, rtt);
	}
}

static int hosts_lookup(struct ds_resolve *r, struct rq *q, ares_channel *hch,
    const char *name, bool loopback_only);
static void start_race(struct rq *q);

/* The query has its result: count, tell the history, report. */
static void
query_end(struct rq *q)
{
	struct ds_resolve *r = q->r;
	struct rq *other =
	    &r->q[q->type == DS_RESOLVE_AAAA ? DS_RESOLVE_A : DS_RESOLVE_AAAA];

	ds_timer_stop(q->hedge);
	q->finished = true;
	q->pub.servers_asked = 0;
	q->pub.timeouts = 0;
	for (size_t i = 0; i < r->n_servers; i++) {
		const struct ds_resolve_ns_query *nq =
		    &r->servers[i].q[q->type];

		if (nq->state != DS_RESOLVE_NS_NOT_ASKED)
			q->pub.servers_asked++;
		q->pub.timeouts += nq->timeouts;
	}
	note_servers(q);
	/* The hosts file, asked after DNS, may have queued it already. */
	if (!q->ready)
		queue(q, ds_time_now_us());
	/* single-request: the other type was waiting for this one. */
	if (other->waiting) {
		other->waiting = false;
		start_race(other);
	}
}

/* No server answered: the best error, or the hosts file when the lookup
 * order puts it after DNS. */
static void
query_failed(struct rq *q)
{
	struct ds_resolve *r = q->r;
	ares_channel hch = NULL;
	int n = 0;

	if (r->hosts_after && !r->no_hosts)
		n = hosts_lookup(r, q, &hch, r->name, false);
	if (hch)
		ares_destroy(hch);
	if (n == 1) {
		/* hosts_lookup() recorded and queued it. */
		query_end(q);
		return;
	}
	q->pub.status = q->err ? q->err : -DS_E_DNS;
	q->pub.source = DS_RESOLVE_SRC_NONE;
	query_end(q);
}

static void ask_next(struct rq *q);

/* c-ares has finished a lookup on one channel. */
static void
on_dns(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct chan *c = arg;
	struct rq *q = c->q;
	struct ds_resolve *r = c->r;
	struct ds_resolve_ns_query *nq = &r->servers[c->ns].q[q->type];
	int err = map_status(status);

	nq->timeouts = timeouts > 0 ? (unsigned)timeouts : 0;
	if (c->closing || !c->running) {
		ares_freeaddrinfo(ai);
		return;
	}
	c->running = false;
	q->running--;
	nq->end_us = since_start(r);
	if (q->finished) {
		/* Cannot happen: the others are cancelled when one wins. */
		ares_freeaddrinfo(ai);
		return;
	}
	if (err == 0 || err == -DS_E_DNS_NXDOMAIN || err == -DS_E_DNS_NODATA) {
		/* An answer that settles the question. */
		record(q, status, ai, DS_RESOLVE_SRC_DNS);
		ares_freeaddrinfo(ai);
		nq->state = DS_RESOLVE_NS_ANSWERED;
		nq->status = q->pub.status;
		q->pub.server = (int)c->ns;
		for (size_t i = 0; i < r->n_servers; i++) {
			struct chan *o = &q->chans[i];
			struct ds_resolve_ns_query *oq =
			    &r->servers[i].q[q->type];

			if (!o->running)
				continue;
			/*
			 * Asked before the winner: its delay ran out, it is
			 * given up. Asked after: cancelled within its delay.
			 * ares_cancel() calls on_dns() with ARES_ECANCELLED,
			 * which only takes its count of timeouts.
			 */
			oq->state = i < c->ns ? DS_RESOLVE_NS_GIVEN_UP
			                      : DS_RESOLVE_NS_CANCELLED;
			oq->end_us = nq->end_us;
			o->running = false;
			q->running--;
			o->closing = true;
			ares_cancel(o->ch);
			ds_timer_stop(o->timer);
		}
		query_end(q);
		return;
	}
	ares_freeaddrinfo(ai);
	nq->state =
	    err == -ETIMEDOUT ? DS_RESOLVE_NS_TIMED_OUT : DS_RESOLVE_NS_ERROR;
	nq->status = err;
	keep_error(q, err);
	/* As a failed connection attempt does (RFC 8305 section 5): the
	 * next server now, without waiting for the delay. */
	if (!q->asking)
		ask_next(q);
}

/* Open server k's channel for q and send the query. Returns 0 when sent
 * (it may have ended already), or -errno. */
static int
chan_start(struct rq *q, size_t k)
{
	struct ds_resolve *r = q->r;
	struct chan *c = &q->chans[k];
	struct ds_resolve_ns_query *nq = &r->servers[k].q[q->type];
	struct ares_addrinfo_hints hints;
	struct ares_options ao;
	struct ares_addr_port_node node = r->notes[k].node;
	char lookups[] = "b";
	int mask, st, err;

	memset(&ao, 0, sizeof(ao));
	c->r = r;
	c->q = q;
	c->ns = k;
	nq->state = DS_RESOLVE_NS_ASKING;
	nq->start_us = since_start(r);
	err = ds_timer_new(r->loop, on_timer, c, &c->timer);
	if (err < 0)
		goto fail;
	ao.sock_state_cb = sock_state;
	ao.sock_state_cb_data = c;
	ao.timeout = (int)r->timeout_ms;
	ao.tries = (int)r->tries;
	ao.ndots = (int)r->ndots;
	ao.lookups = lookups;
	ao.flags = r->have_saved ? r->saved.flags : 0;
	ao.domains = r->have_saved ? r->saved.domains : NULL;
	ao.ndomains = r->have_saved ? r->saved.ndomains : 0;
	mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_NDOTS | ARES_OPT_LOOKUPS | ARES_OPT_FLAGS |
	    ARES_OPT_DOMAINS | ARES_OPT_NOROTATE;
	if (r->resolv_conf) {
		ao.resolvconf_path = r->resolv_conf;
		mask |= ARES_OPT_RESOLVCONF;
	}
	st = ares_init_options(&c->ch, &ao, mask);
	if (st != ARES_SUCCESS) {
		c->ch = NULL;
		err = st == ARES_ENOMEM ? -ENOMEM : -DS_E_DNS_CONFIG;
		goto fail;
	}
	node.next = NULL;
	st = ares_set_servers_ports(c->ch, &node);
	if (st != ARES_SUCCESS) {
		err = st == ARES_ENOMEM ? -ENOMEM : -DS_E_DNS_CONFIG;
		goto fail;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = q->type == DS_RESOLVE_AAAA ? AF_INET6 : AF_INET;
	/* NOSORT: keep the server's order (c-ares would otherwise apply
	 * its own RFC 6724 sort per family). */
	hints.ai_flags = ARES_AI_NOSORT;
	c->running = true;
	q->running++;
	ares_getaddrinfo(c->ch, r->name, NULL, &hints, on_dns, c);
	rearm(c);
	return 0;

fail:
	nq->state = DS_RESOLVE_NS_ERROR;
	nq->status = err;
	nq->end_us = since_start(r);
	keep_error(q, err);
	return err;
}

/*
 * Ask the next server (and the one after, when it cannot even be asked),
 * then wait for its delay before the one after; with every server asked
 * and none left running, the query has failed.
 */
static void
ask_next(struct rq *q)
{
	struct ds_resolve *r = q->r;

	q->asking = true;
	ds_timer_stop(q->hedge);
	while (!q->finished && q->next < r->n_servers) {
		size_t k = q->next++;

		if (chan_start(q, k) < 0 || !q->chans[k].running)
			continue; /* could not be asked, or failed at once */
		if (q->next < r->n_servers)
			ds_timer_start_in(q->hedge, r->servers[k].delay_us);
		break;
	}
	q->asking = false;
	if (!q->finished && q->running == 0 && q->next >= r->n_servers)
		query_failed(q);
}

static void
on_hedge(struct ds_timer *t, void *userdata)
{
	struct rq *q = userdata;
	struct ds_resolve *r = q->r;

	(void)t;
	if (!q->finished)
		ask_next(q);
	deliver(r);
}

static void
start_race(struct rq *q)
{
	struct ds_resolve *r = q->r;

	q->racing = true;
	q->pub.asked = true;
	q->pub.start_us = since_start(r);
	ask_next(q);
}

/* --- Setting up ----------------------------------------------------------- */

static pthread_once_t library_once = PTHREAD_ONCE_INIT;
static int library_status;

static void
library_init(void)
{
	/* Only Windows needs it in c-ares 1.18, but it is the documented
	 * first step; pthread_once makes it thread-safe. */
	library_status = ares_library_init(ARES_LIB_INIT_ALL);
}

static int
cares_err(int st)
{
	return st == ARES_ENOMEM ? -ENOMEM : -DS_E_DNS_CONFIG;
}

/* A channel without sockets for the configuration or the hosts file:
 * lookups as given (NULL: the system's), r's resolv.conf. */
static int
plain_channel(struct ds_resolve *r, const char *lookups, ares_channel *ret)
{
	struct ares_options ao;
	int mask = 0, st;
	char lk[4];

	memset(&ao, 0, sizeof(ao));
	if (lookups) {
		/* c-ares keeps its own copy (ares_init_options strdup's). */
		strcpy(lk, lookups);
		ao.lookups = lk;
		mask |= ARES_OPT_LOOKUPS;
	}
	if (r->resolv_conf) {
		ao.resolvconf_path = r->resolv_conf;
		mask |= ARES_OPT_RESOLVCONF;
	}
	st = ares_init_options(ret, &ao, mask);
	if (st != ARES_SUCCESS) {
		*ret = NULL;
		return cares_err(st);
	}
	return 0;
}

static void
skip(struct rq *q)
{
	q->pub.asked = false;
	q->pub.done = true;
	q->pub.status = -DS_E_DNS_SKIPPED;
}

/*
 * The answer to a numeric name, without DNS: the query of its family
 * answers it, the other is not asked. When only the other family is
 * wanted, that query is made and finds no address of its family, which is
 * what NODATA means.
 */
static int
numeric(struct ds_resolve *r, const struct ds_addr *a, const bool want[])
{
	enum ds_resolve_type t =
	    a->family == AF_INET6 ? DS_RESOLVE_AAAA : DS_RESOLVE_A;
	enum ds_resolve_type other =
	    t == DS_RESOLVE_AAAA ? DS_RESOLVE_A : DS_RESOLVE_AAAA;
	struct rq *q;

	if (want[t]) {
		q = &r->q[t];
		q->answers = calloc(1, sizeof(*q->answers));
		if (!q->answers)
			return -ENOMEM;
		q->answers[0].addr = *a;
		q->pub.answers = q->answers;
		q->pub.n_answers = 1;
		q->pub.asked = true;
		q->pub.source = DS_RESOLVE_SRC_NUMERIC;
		queue(q, ds_time_now_us());
		skip(&r->q[other]);
		return 0;
	}
	q = &r->q[other];
	q->pub.asked = true;
	q->pub.status = -DS_E_DNS_NODATA;
	q->pub.source = DS_RESOLVE_SRC_NUMERIC;
	queue(q, ds_time_now_us());
	skip(&r->q[t]);
	return 0;
}

/*
 * Look name up in the hosts file alone, for q, on a channel that reads
 * files only (created on first use in *hch), so that c-ares answers from
 * inside ares_getaddrinfo(). With loopback_only, other answers are
 * dropped. Returns 1 when answers were kept (q is queued), 0 when there
 * were none (q is as before), or -errno.
 */
static int
hosts_lookup(struct ds_resolve *r, struct rq *q, ares_channel *hch,
    const char *name, bool loopback_only)
{
	struct ares_addrinfo_hints hints;
	size_t k = 0;
	int err;

	if (!*hch) {
		err = plain_channel(r, "f", hch);
		if (err < 0)
			return err;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = q->type == DS_RESOLVE_AAAA ? AF_INET6 : AF_INET;
	/* ENVHOSTS: the hosts file may be named by $CARES_HOSTS, as c-ares
	 * documents; /etc/hosts otherwise. */
	hints.ai_flags = ARES_AI_NOSORT | ARES_AI_ENVHOSTS;
	q->finished = false;
	ares_getaddrinfo(*hch, name, NULL, &hints, on_hosts, q);
	if (!q->finished)
		return 0; /* cannot happen with lookups "f" */
	for (size_t i = 0; i < q->pub.n_answers; i++) {
		const struct ds_addr *a = &q->answers[i].addr;
		bool lo = a->family == AF_INET6
		    ? IN6_IS_ADDR_LOOPBACK(&a->u.in6)
		    : (ds_addr_v4(a) >> 24) == 127;

		if (lo || !loopback_only)
			q->answers[k++] = q->answers[i];
	}
	q->pub.n_answers = k;
	if (q->pub.status == 0 && k > 0) {
		q->pub.asked = true;
		return 1;
	}
	/* Nothing kept: forget the result, which was queued last. */
	if (q->ready) {
		r->n_pend--;
		q->ready = false;
	}
	free(q->answers);
	free(q->canonname);
	q->answers = NULL;
	q->canonname = NULL;
	q->finished = false;
	q->pub.status = 0;
	q->pub.source = DS_RESOLVE_SRC_NONE;
	q->pub.answers = NULL;
	q->pub.n_answers = 0;
	q->pub.canonname = NULL;
	return 0;
}

static bool
is_localhost(const char *name)
{
	return strcasecmp(name, "localhost") == 0 ||
	    strcasecmp(name, "localhost.") == 0;
}

/*
 * "localhost" is answered here and never sent to DNS (RFC 6761 section
 * 6.3): from the hosts file if it has the name for this family, else the
 * loopback address. c-ares 1.18 does the same, but leaks a string on its
 * fallback path; asking the hosts file for "Localhost" (its hosts lookup
 * ignores case, its special case does not) keeps c-ares off that path.
 */
static int
localhost(struct ds_resolve *r, struct rq *q, ares_channel *hch, bool usable)
{
	static const uint8_t lo6[16] = {[15] = 1};
	int n = 0;

	q->pub.asked = true;
	if (!r->no_hosts) {
		n = hosts_lookup(r, q, hch, "Localhost", !usable);
		if (n != 0)
			return n < 0 ? n : 0;
	}
	q->answers = calloc(1, sizeof(*q->answers));
	if (!q->answers)
		return -ENOMEM;
	if (q->type == DS_RESOLVE_AAAA)
		ds_addr_from_v6(lo6, &q->answers[0].addr);
	else
		ds_addr_from_v4(INADDR_LOOPBACK, &q->answers[0].addr);
	q->pub.answers = q->answers;
	q->pub.n_answers = 1;
	q->pub.status = 0;
	q->pub.source = DS_RESOLVE_SRC_LOCALHOST;
	queue(q, ds_time_now_us());
	return 0;
}

/* --- Configuration -------------------------------------------------------- */

/* The resolv.conf options glibc would use: the file's (text, len; text
 * NULL when it could not be read), then $RES_OPTIONS over them (glibc's
 * res_init order). */
static void
read_options(const char *text, size_t len, struct ds_resolv_options *ret)
{
	const char *env = getenv("RES_OPTIONS");

	ds_resolv_options_init(ret);
	if (text)
		(void)ds_resolv_conf_parse(ret, text, len);
	if (env)
		(void)ds_resolv_options_parse(ret, env, strlen(env));
}

/* A server's delay before the next is asked (NS_DELAY_MS above). */
static uint64_t
ns_delay(const struct ds_resolve_ns_record *rec)
{
	uint64_t ms;

	if (!rec || rec->srtt_us == 0)
		return NS_DELAY_MS * 1000ull;
	/* Whole milliseconds, rounded up: the history's microseconds are
	 * one path's noise, not precision. */
	ms = ((uint64_t)rec->srtt_us * NS_DELAY_RTTS + 999) / 1000;
	if (ms < NS_DELAY_MIN_MS)
		ms = NS_DELAY_MIN_MS;
	if (ms > NS_DELAY_MAX_MS)
		ms = NS_DELAY_MAX_MS;
	return ms * 1000;
}

/*
 * The servers of the template channel, in the order they are asked: the
 * configured order, started one further each lookup with "options
 * rotate" (glibc's round robin), then those the history says failed or
 * stayed silent recently moved to the end, keeping that order.
 */
static int
take_servers(struct ds_resolve *r, ares_channel tmpl, bool rotate)
{
	struct ares_addr_port_node *list = NULL, *p;
	struct ds_resolve_server *all, *sv;
	struct ns_note *nn;
	size_t n = 0, start = 0, k = 0;
	int st;

	st = ares_get_servers_ports(tmpl, &list);
	if (st != ARES_SUCCESS)
		return cares_err(st);
	for (p = list; p && n < SERVERS_MAX; p = p->next)
		if (p->family == AF_INET || p->family == AF_INET6)
			n++;
	if (n == 0) {
		ares_free_data(list);
		return 0;
	}
	all = calloc(n, sizeof(*all));
	sv = calloc(n, sizeof(*sv));
	nn = calloc(n, sizeof(*nn));
	if (!all || !sv || !nn) {
		free(all);
		free(sv);
		free(nn);
		ares_free_data(list);
		return -ENOMEM;
	}
	/* The configured order, each with what the history says. */
	for (p = list; p && k < n; p = p->next) {
		struct ds_resolve_server *s = &all[k];
		struct ds_resolve_ns_record rec;
		bool known;

		if (p->family == AF_INET6)
			ds_addr_from_v6(
			    (const uint8_t *)&p->addr.addr6, &s->ep.addr);
		else if (p->family == AF_INET)
			ds_addr_from_v4(
			    ntohl(p->addr.addr4.s_addr), &s->ep.addr);
		else
			continue;
		/* 0: the channel's default, port 53 (RFC 1035 section
		 * 4.2). */
		s->ep.port = p->udp_port ? (uint16_t)p->udp_port : 53;
		known =
		    ds_resolve_history_lookup(r->history, &s->ep, &rec) == 0;
		s->demoted = known && rec.outcome != DS_RESOLVE_NS_OK;
		s->delay_us = ns_delay(known ? &rec : NULL);
		/* Where the node goes is decided below; keep it with the
		 * server meanwhile. */
		nn[k].node = *p;
		nn[k].node.next = NULL;
		k++;
	}
	ares_free_data(list);
	if (rotate) {
		unsigned v;

		if (r->history)
			v = ds__resolve_history_rotation(r->history);
		else if (getrandom(&v, sizeof(v), GRND_NONBLOCK) !=
		    (ssize_t)sizeof(v))
			v = 0;
		start = v % n;
	}
	r->notes = calloc(n, sizeof(*r->notes));
	if (!r->notes) {
		free(all);
		free(sv);
		free(nn);
		return -ENOMEM;
	}
	/* The live ones in rotated order, then the demoted. */
	k = 0;
	for (int demoted = 0; demoted < 2; demoted++)
		for (size_t i = 0; i < n; i++) {
			size_t j = (start + i) % n;

			if (all[j].demoted != (demoted == 1))
				continue;
			sv[k] = all[j];
			r->notes[k].node = nn[j].node;
			k++;
		}
	free(all);
	free(nn);
	r->servers = sv;
	r->n_servers = n;
	return 0;
}

/*
 * The caller's servers into c-ares's own list: the one place they change
 * form, with no text in between.
 */
static int
set_server_list(ares_channel ch, const struct ds_endpoint *list, size_t n)
{
	struct ares_addr_port_node *nodes;
	int st;

	if (!list)
		return -EINVAL;
	nodes = calloc(n, sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct ds_endpoint *ep = &list[i];

		if (ep->port == 0 || ep->addr.zone[0] != '\0' ||
		    (ep->addr.family != AF_INET &&
		        ep->addr.family != AF_INET6)) {
			free(nodes);
			return -EINVAL;
		}
		nodes[i].next = i + 1 < n ? &nodes[i + 1] : NULL;
		nodes[i].family = ep->addr.family;
		if (ep->addr.family == AF_INET)
			nodes[i].addr.addr4 = ep->addr.u.in;
		else
			memcpy(&nodes[i].addr.addr6, ep->addr.u.bytes, 16);
		nodes[i].udp_port = ep->port;
		nodes[i].tcp_port = ep->port;
	}
	st = ares_set_servers_ports(ch, nodes);
	free(nodes);
	return st == ARES_SUCCESS ? 0 : cares_err(st);
}

/*
 * resolv.conf's servers (text, len) as glibc reads them, with the reader
 * "dualstack dns" and "doctor" use (ds_resolv_conf_nameservers()), not as
 * c-ares 1.18 does: c-ares takes every address on every nameserver line,
 * past MAXNS and into a comment after the address. c-ares 1.18 cannot
 * carry a zone to a server (struct ares_addr_port_node has none), so a
 * link-local server with one is left out, as c-ares leaves it out. With
 * none left, the local host, port 53: glibc's default (res_init.c), as
 * "dualstack dns" asks.
 */
static int
conf_servers(ares_channel tmpl, const char *text, size_t len)
{
	struct ds_endpoint eps[DS_RESOLV_MAXNS];
	size_t k = 0;
	int n = ds_resolv_conf_nameservers(text, len, eps, DS_RESOLV_MAXNS);

	for (int i = 0; i < n; i++)
		if (eps[i].addr.zone[0] == '\0')
			eps[k++] = eps[i];
	if (k == 0) {
		ds_addr_from_v4(INADDR_LOOPBACK, &eps[0].addr);
		eps[0].port = 53;
		k = 1;
	}
	return set_server_list(tmpl, eps, k);
}

/*
 * Read the configuration as c-ares and glibc would: a template channel
 * for the servers (resolv.conf, or opts->servers), search domains and
 * lookup order; read_options() for what c-ares 1.18 leaves out.
 */
static int
configure(struct ds_resolve *r, const struct ds_resolve_opts *o)
{
	struct ds_resolv_options ro;
	ares_channel tmpl;
	const char *lk, *f, *b;
	char *text = NULL;
	size_t len = 0;
	int err, st;
	uint64_t ms;

	err = plain_channel(r, o->no_hosts ? "b" : NULL, &tmpl);
	if (err < 0)
		return err;
	if (ds__file_read(r->resolv_conf ? r->resolv_conf : "/etc/resolv.conf",
	        RESOLV_CONF_MAX, 0, &text, &len) < 0)
		text = NULL;
	if (o->n_servers) {
		err = set_server_list(tmpl, o->server_list, o->n_servers);
		if (err < 0) {
			ares_destroy(tmpl);
			free(text);
			return err;
		}
	} else if (o->servers) {
		st = ares_set_servers_ports_csv(tmpl, o->servers);
		if (st != ARES_SUCCESS) {
			ares_destroy(tmpl);
			free(text);
			return cares_err(st);
		}
	} else if (text) {
		/* A file that cannot be read leaves c-ares's defaults, which
		 * are glibc's: the local host. */
		err = conf_servers(tmpl, text, len);
		if (err < 0) {
			ares_destroy(tmpl);
			free(text);
			return err;
		}
	}
	read_options(text, len, &ro);
	free(text);
	st = ares_save_options(tmpl, &r->saved, &r->saved_mask);
	if (st != ARES_SUCCESS) {
		ares_destroy(tmpl);
		return cares_err(st);
	}
	r->have_saved = true;
	err = take_servers(r, tmpl, ro.rotate);
	ares_destroy(tmpl);
	if (err < 0)
		return err;

	/* A wait of 0 s is 1 s in glibc's send_dg(); 0 attempts would send
	 * nothing at all, which helps no one: one try. */
	/* c-ares counts in milliseconds: round up, so that a positive
	 * timeout never becomes 0. */
	ms = o->timeout_us ? (o->timeout_us + 999) / 1000
	                   : (ro.timeout_s ? ro.timeout_s : 1) * 1000ull;
	r->timeout_ms = ms > INT32_MAX ? INT32_MAX : (uint32_t)ms;
	r->tries = o->tries ? o->tries : ro.attempts ? ro.attempts : 1;
	/* c-ares's own cap is far above anything useful. */
	if (r->tries > 100)
		r->tries = 100;
	r->ndots = ro.ndots;
	r->single_request = ro.single_request;

	/* The lookup order: "fb" is nsswitch.conf's "files dns". */
	lk = r->saved.lookups ? r->saved.lookups : "fb";
	f = strchr(lk, 'f');
	b = strchr(lk, 'b');
	r->hosts_first = f && (!b || f < b);
	r->hosts_after = f && b && f > b;
	r->use_dns = b || o->servers || o->n_servers;
	return 0;
}

int
ds_resolve_new(struct ds_loop *loop, const char *name,
    const struct ds_resolve_opts *opts, ds_resolve_fn *cb, void *userdata,
    struct ds_resolve **ret)
{
	static const struct ds_resolve_opts defaults;
	const struct ds_resolve_opts *o = opts ? opts : &defaults;
	struct ds_resolve *r;
	struct ds_addr num;
	ares_channel hch = NULL;
	bool want[DS_RESOLVE_TYPES], usable[DS_RESOLVE_TYPES];
	size_t len;
	int err;

	if (!loop || !name || !cb || !ret)
		return -EINVAL;
	len = strlen(name);
	if (len == 0 || len > NAME_MAX_TEXT + (name[len - 1] == '.'))
		return -EINVAL;
	if ((unsigned)o->family > DS_RESOLVE_ONLY_V4)
		return -EINVAL;

	want[DS_RESOLVE_AAAA] = o->family != DS_RESOLVE_ONLY_V4;
	want[DS_RESOLVE_A] = o->family != DS_RESOLVE_ONLY_V6;
	usable[DS_RESOLVE_AAAA] = usable[DS_RESOLVE_A] = true;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->loop = loop;
	r->cb = cb;
	r->userdata = userdata;
	r->t0_us = ds_time_now_us();
	r->history = o->history;
	r->no_hosts = o->no_hosts;
	r->name = strdup(name);
	err = r->name ? 0 : -ENOMEM;
	if (err == 0 && o->resolv_conf &&
	    !(r->resolv_conf = strdup(o->resolv_conf)))
		err = -ENOMEM;
	if (err == 0)
		err = ds_defer_new(loop, on_defer, r, &r->defer);
	if (err < 0)
		goto fail;
	for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++) {
		r->q[t].r = r;
		r->q[t].type = (enum ds_resolve_type)t;
		r->q[t].pub.server = -1;
	}
	r->in_new = true;

	if (ds_addr_parse(name, len, 0, &num, NULL) == 0) {
		err = numeric(r, &num, want);
		if (err < 0)
			goto fail;
		r->in_new = false;
		*ret = r;
		return 0;
	}

	if (o->family == DS_RESOLVE_ADDRCONFIG) {
		struct ds_addrconfig ac;

		/*
		 * A host with neither family usable (only loopback, as in a
		 * fresh network namespace) asks for both, as glibc's
		 * getaddrinfo() does with AI_ADDRCONFIG: filtering
		 * everything away would help no one.
		 */
		if (ds_addrconfig(&ac) == 0 && (ac.v4 || ac.v6)) {
			usable[DS_RESOLVE_AAAA] = ac.v6;
			usable[DS_RESOLVE_A] = ac.v4;
		}
	}

	pthread_once(&library_once, library_init);
	if (library_status != ARES_SUCCESS) {
		err = cares_err(library_status);
		goto fail;
	}
	if (!is_localhost(name)) {
		err = configure(r, o);
		if (err < 0)
			goto fail;
		for (unsigned t = 0; t < DS_RESOLVE_TYPES && r->n_servers;
		     t++) {
			struct rq *q = &r->q[t];

			q->chans = calloc(r->n_servers, sizeof(*q->chans));
			if (!q->chans) {
				err = -ENOMEM;
				goto fail;
			}
			err = ds_timer_new(loop, on_hedge, q, &q->hedge);
			if (err < 0)
				goto fail;
		}
	}

	/* AAAA first (RFC 8305 section 3). */
	for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++) {
		struct rq *q = &r->q[t];

		q->pub.start_us = since_start(r);
		if (!want[t]) {
			skip(q);
			continue;
		}
		if (is_localhost(name)) {
			err = localhost(r, q, &hch, usable[t]);
			if (err < 0)
				goto fail;
			continue;
		}
		if (!usable[t]) {
			/*
			 * Not asked of DNS, but loopback answers from the
			 * hosts file are kept (the top of resolve.h).
			 */
			err = r->no_hosts
			    ? 0
			    : hosts_lookup(r, q, &hch, r->name, true);
			if (err < 0)
				goto fail;
			if (err == 0)
				skip(q);
			continue;
		}
		q->pub.asked = true;
		if (r->hosts_first && !r->no_hosts) {
			err = hosts_lookup(r, q, &hch, r->name, false);
			if (err < 0)
				goto fail;
			if (err == 1)
				continue;
		}
		if (!r->use_dns || r->n_servers == 0) {
			/* What c-ares says when no lookup method is left. */
			q->pub.status =
			    r->use_dns ? -DS_E_DNS_CONFIG : -DS_E_DNS_NXDOMAIN;
			q->finished = true;
			queue(q, ds_time_now_us());
			continue;
		}
		/* single-request: A waits for AAAA to end (resolv.conf(5)),
		 * though from another socket all the same. */
		if (r->single_request && t == DS_RESOLVE_A &&
		    r->q[DS_RESOLVE_AAAA].racing &&
		    !r->q[DS_RESOLVE_AAAA].finished) {
			q->waiting = true;
			continue;
		}
		start_race(q);
	}
	if (hch)
		ares_destroy(hch);
	hch = NULL;
	if (r->sock_err < 0) {
		/* A socket c-ares opened could not be watched. */
		err = r->sock_err;
		goto fail;
	}
	r->in_new = false;
	*ret = r;
	return 0;

fail:
	if (hch)
		ares_destroy(hch);
	r->in_new = false;
	r->n_pend = 0;
	ds_resolve_free(r);
	return err;
}

/* --- Queries -------------------------------------------------------------- */

const struct ds_resolve_query *
ds_resolve_get(const struct ds_resolve *r, enum ds_resolve_type type)
{
	if (!r || (unsigned)type >= DS_RESOLVE_TYPES)
		return NULL;
	return &r->q[type].pub;
}

const struct ds_resolve_server *
ds_resolve_servers(const struct ds_resolve *r, size_t *ret_n)
{
	if (ret_n)
		*ret_n = r ? r->n_servers : 0;
	return r && r->n_servers ? r->servers : NULL;
}

bool
ds_resolve_is_done(const struct ds_resolve *r)
{
	for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++)
		if (!r->q[t].pub.done)
			return false;
	return true;
}

struct ds_resolve *
ds_resolve_free(struct ds_resolve *r)
{
	if (!r)
		return NULL;
	if (r->dispatching) {
		/* Inside the user's callback: finish after it returns. */
		r->freed = true;
		return NULL;
	}
	for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++) {
		struct rq *q = &r->q[t];

		for (size_t i = 0; q->chans && i < r->n_servers; i++) {
			struct ds_resolve_ns_query *nq = &r->servers[i].q[t];

			if (q->chans[i].running)
				nq->state = DS_RESOLVE_NS_CANCELLED;
			q->chans[i].running = false;
			chan_close(&q->chans[i]);
		}
		free(q->chans);
		ds_timer_free(q->hedge);
		free(q->answers);
		free(q->canonname);
	}
	ds_defer_free(r->defer);
	if (r->have_saved)
		ares_destroy_options(&r->saved);
	free(r->servers);
	free(r->notes);
	free(r->resolv_conf);
	free(r->name);
	free(r);
	return NULL;
}
