/* SPDX-License-Identifier: MIT */
/*
 * ds_resolve: A and AAAA lookups with c-ares, on a ds_loop.
 *
 * Each handle owns one c-ares channel. c-ares tells us which sockets to
 * watch through its socket-state callback (ARES_OPT_SOCK_STATE_CB); each
 * becomes a ds_io, and one ds_timer follows ares_timeout(), re-armed after
 * every step. Readiness and the timer both end in ares_process_fd().
 *
 * The two queries are two ares_getaddrinfo() calls, AAAA first, with
 * ai_family AF_INET6 and AF_INET: each sends one DNS query type only, and
 * c-ares applies /etc/hosts, search domains, ndots and the resolv.conf
 * options, and hands back TTLs and CNAMEs.
 *
 * Where an answer came from: c-ares 1.18 has no cache, so an answer can
 * only arrive from inside ares_getaddrinfo() itself when it came from the
 * hosts file (or c-ares's built-in "localhost", RFC 6761 section 6.3); a
 * DNS answer always comes later, from ares_process_fd(). A success
 * reported synchronously is therefore "hosts", one reported later "dns".
 *
 * Callbacks: c-ares's completion callback only records the result and
 * queues the query. The user's callback is called once c-ares has
 * returned -- after ares_process_fd(), or from a ds_defer for what
 * completed inside ds_resolve_new() -- so the user may free the handle
 * (and with it the channel) from the callback without pulling c-ares's
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

#include "dualstack/error.h"
#include "dualstack/resolve.h"

/* RFC 1035 section 2.3.4: 255 octets on the wire, which is 253 characters
 * of text without the trailing dot (254 with it). */
#define NAME_MAX_TEXT 253

/* Sockets one channel uses at a time: one UDP and maybe one TCP socket
 * per server; ares_set_servers_csv() takes any number, so the table grows
 * when needed. */
#define WATCH_INIT 4

struct watch {
	int fd;
	struct ds_io *io;
};

struct rq {
	struct ds_resolve *r;
	enum ds_resolve_type type;
	struct ds_resolve_query pub;
	bool ready;    /* result recorded, callback not yet made */
	bool finished; /* c-ares has called back */
	struct ds_resolve_answer *answers;
	char *canonname;
};

struct ds_resolve {
	struct ds_loop *loop;
	ds_resolve_fn *cb;
	void *userdata;
	char *name;
	uint64_t t0_us;

	ares_channel channel;
	struct watch *watches;
	size_t n_watches, cap_watches;
	struct ds_timer *timer;
	struct ds_defer *defer;

	struct rq q[DS_RESOLVE_TYPES];
	enum ds_resolve_type pend[DS_RESOLVE_TYPES]; /* completion order */
	size_t n_pend;

	bool in_new;      /* inside ds_resolve_new() */
	bool destroying;  /* inside ares_destroy(): ignore callbacks */
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

/* --- Event plumbing ------------------------------------------------------- */

static void deliver(struct ds_resolve *r);

/* Set the timer from what c-ares waits for next. */
static void
rearm(struct ds_resolve *r)
{
	struct timeval tv, *tvp;
	uint64_t ms;

	if (!r->channel || r->destroying)
		return;
	tvp = ares_timeout(r->channel, NULL, &tv);
	if (!tvp) {
		ds_timer_stop(r->timer);
		return;
	}
	/* Round up: a timer that fires a little early would only make
	 * c-ares ask for the rest of the millisecond again. */
	ms = (uint64_t)tvp->tv_sec * 1000u +
	    ((uint64_t)tvp->tv_usec + 999) / 1000;
	ds_timer_start(r->timer, ms);
}

static void
on_io(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct ds_resolve *r = userdata;
	ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;

	(void)io;
	if (events & (DS_IO_IN | DS_IO_HUP | DS_IO_ERR))
		rfd = fd;
	if (events & (DS_IO_OUT | DS_IO_ERR))
		wfd = fd;
	ares_process_fd(r->channel, rfd, wfd);
	rearm(r);
	deliver(r);
}

static void
on_timer(struct ds_timer *t, void *userdata)
{
	struct ds_resolve *r = userdata;

	(void)t;
	ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	rearm(r);
	deliver(r);
}

static void
on_defer(struct ds_defer *d, void *userdata)
{
	(void)d;
	deliver(userdata);
}

static struct watch *
watch_find(struct ds_resolve *r, int fd)
{
	for (size_t i = 0; i < r->n_watches; i++)
		if (r->watches[i].fd == fd)
			return &r->watches[i];
	return NULL;
}

/* c-ares opened, changed or is about to close one of its sockets. */
static void
sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct ds_resolve *r = data;
	struct watch *w = watch_find(r, fd);
	unsigned events =
	    (readable ? DS_IO_IN : 0u) | (writable ? DS_IO_OUT : 0u);
	int err;

	if (!events) {
		if (w) {
			ds_io_free(w->io);
			*w = r->watches[--r->n_watches];
		}
		return;
	}
	if (w) {
		err = ds_io_set_events(w->io, events);
		if (err < 0 && !r->sock_err)
			r->sock_err = err;
		return;
	}
	if (r->n_watches == r->cap_watches) {
		size_t cap = r->cap_watches ? 2 * r->cap_watches : WATCH_INIT;
		struct watch *nw = realloc(r->watches, cap * sizeof(*nw));

		if (!nw) {
			/* The query on this socket then times out. */
			if (!r->sock_err)
				r->sock_err = -ENOMEM;
			return;
		}
		r->watches = nw;
		r->cap_watches = cap;
	}
	w = &r->watches[r->n_watches];
	w->fd = fd;
	err = ds_io_new(r->loop, fd, events, on_io, r, &w->io);
	if (err < 0) {
		if (!r->sock_err)
			r->sock_err = err;
		return;
	}
	r->n_watches++;
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

static void
on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct rq *q = arg;
	struct ds_resolve *r = q->r;

	(void)timeouts;
	if (r->destroying || q->finished) {
		ares_freeaddrinfo(ai);
		return;
	}
	q->finished = true;
	record(q, status, ai,
	    r->in_new ? DS_RESOLVE_SRC_HOSTS : DS_RESOLVE_SRC_DNS);
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
channel_new(struct ds_resolve *r, const struct ds_resolve_opts *o,
    const char *lookups, bool watch, ares_channel *ret)
{
	struct ares_options ao;
	int mask = 0, st;
	char lk[4];

	memset(&ao, 0, sizeof(ao));
	if (watch) {
		ao.sock_state_cb = sock_state;
		ao.sock_state_cb_data = r;
		mask |= ARES_OPT_SOCK_STATE_CB;
	}
	if (o->timeout_ms) {
		ao.timeout = (int)(o->timeout_ms > INT32_MAX ? INT32_MAX
		                                             : o->timeout_ms);
		mask |= ARES_OPT_TIMEOUTMS;
	}
	if (o->tries) {
		ao.tries = (int)(o->tries > 100 ? 100 : o->tries);
		mask |= ARES_OPT_TRIES;
	}
	if (lookups) {
		/* c-ares keeps its own copy (ares_init_options strdup's). */
		strcpy(lk, lookups);
		ao.lookups = lk;
		mask |= ARES_OPT_LOOKUPS;
	}
	st = ares_init_options(ret, &ao, mask);
	if (st != ARES_SUCCESS)
		return st == ARES_ENOMEM ? -ENOMEM : -DS_E_DNS_CONFIG;
	if (o->servers) {
		st = ares_set_servers_ports_csv(*ret, o->servers);
		if (st != ARES_SUCCESS) {
			ares_destroy(*ret);
			*ret = NULL;
			return st == ARES_ENOMEM ? -ENOMEM : -DS_E_DNS_CONFIG;
		}
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
hosts_lookup(struct ds_resolve *r, const struct ds_resolve_opts *o,
    struct rq *q, ares_channel *hch, const char *name, bool loopback_only)
{
	struct ares_addrinfo_hints hints;
	size_t k = 0;
	int err;

	if (!*hch) {
		struct ds_resolve_opts fo = *o;

		fo.servers = NULL;
		err = channel_new(r, &fo, "f", false, hch);
		if (err < 0)
			return err;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = q->type == DS_RESOLVE_AAAA ? AF_INET6 : AF_INET;
	hints.ai_flags = ARES_AI_NOSORT | ARES_AI_ENVHOSTS;
	q->finished = false;
	ares_getaddrinfo(*hch, name, NULL, &hints, on_addrinfo, q);
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
localhost(struct ds_resolve *r, const struct ds_resolve_opts *o, struct rq *q,
    ares_channel *hch, bool usable)
{
	static const uint8_t lo6[16] = {[15] = 1};
	int n = 0;

	q->pub.asked = true;
	if (!o->no_hosts) {
		n = hosts_lookup(r, o, q, hch, "Localhost", !usable);
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
	r->name = strdup(name);
	err = r->name ? 0 : -ENOMEM;
	if (err == 0)
		err = ds_defer_new(loop, on_defer, r, &r->defer);
	if (err < 0)
		goto fail;
	for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++) {
		r->q[t].r = r;
		r->q[t].type = (enum ds_resolve_type)t;
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
		err =
		    library_status == ARES_ENOMEM ? -ENOMEM : -DS_E_DNS_CONFIG;
		goto fail;
	}
	err = ds_timer_new(loop, on_timer, r, &r->timer);
	if (err < 0)
		goto fail;
	if (!is_localhost(name)) {
		err = channel_new(
		    r, o, o->no_hosts ? "b" : NULL, true, &r->channel);
		if (err < 0)
			goto fail;
	}

	/* AAAA first (RFC 8305 section 3). */
	for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++) {
		struct rq *q = &r->q[t];
		struct ares_addrinfo_hints hints;

		q->pub.start_us = ds_time_now_us() - r->t0_us;
		if (!want[t]) {
			skip(q);
			continue;
		}
		if (!r->channel) {
			err = localhost(r, o, q, &hch, usable[t]);
			if (err < 0)
				goto fail;
			continue;
		}
		if (!usable[t]) {
			/*
			 * Not asked of DNS, but loopback answers from the
			 * hosts file are kept (the top of resolve.h).
			 */
			err = o->no_hosts
			    ? 0
			    : hosts_lookup(r, o, q, &hch, r->name, true);
			if (err < 0)
				goto fail;
			if (err == 0)
				skip(q);
			continue;
		}
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = t == DS_RESOLVE_AAAA ? AF_INET6 : AF_INET;
		/*
		 * NOSORT: keep the server's order (c-ares would otherwise
		 * apply its own RFC 6724 sort per family). ENVHOSTS: the
		 * hosts file may be named by $CARES_HOSTS, as c-ares
		 * documents; /etc/hosts otherwise.
		 */
		hints.ai_flags = ARES_AI_NOSORT | ARES_AI_ENVHOSTS;
		q->pub.asked = true;
		ares_getaddrinfo(
		    r->channel, r->name, NULL, &hints, on_addrinfo, q);
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
	rearm(r);
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
	if (r->channel) {
		/* Pending queries are called back with ARES_EDESTRUCTION,
		 * which on_addrinfo() drops; each closed socket passes
		 * through sock_state(), which frees its watch. */
		r->destroying = true;
		ares_destroy(r->channel);
		r->channel = NULL;
	}
	for (size_t i = 0; i < r->n_watches; i++)
		ds_io_free(r->watches[i].io);
	free(r->watches);
	ds_timer_free(r->timer);
	ds_defer_free(r->defer);
	for (unsigned t = 0; t < DS_RESOLVE_TYPES; t++) {
		free(r->q[t].answers);
		free(r->q[t].canonname);
	}
	free(r->name);
	free(r);
	return NULL;
}
