/* SPDX-License-Identifier: MIT */
/*
 * ds_connect: Happy Eyeballs version 2 (RFC 8305) on a ds_loop.
 *
 * One connect is a small state machine:
 *
 *   RESOLVING --AAAA done, or A done and AAAA done--> RACING
 *   RESOLVING --A first, AAAA pending--> RES_DELAY (section 3)
 *   RES_DELAY --AAAA done, or the delay expired--> RACING
 *   RACING --a connection established, everything failed, the overall
 *            timeout, ds_connect_cancel()--> DONE
 *
 * A numeric host or given addresses skip the resolver: the first loop
 * iteration (a deferred callback, so the user's callback never runs
 * inside ds_connect_new()) sorts them and starts racing. An IPv4 literal
 * on an IPv6-only host first asks for "ipv4only.arpa" (RFC 7050) and races
 * the synthesised addresses (RFC 8305 section 7.1).
 *
 * Racing is driven by the sockets' writability and one timer, the
 * Connection Attempt Delay: when it fires, or when the latest attempt
 * fails, the next candidate is tried (section 5). The end is always
 * reported from a deferred callback, after every socket but the winner's
 * has been closed, so the user's callback may free the connect.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "connect-int.h"
#include "sock-int.h"
#include "dualstack/error.h"

/*
 * The trace holds at most four events per candidate (attempt, its end,
 * the NAT64 or cache line that named it, a spare) plus the queries,
 * answers and the few one-off events.
 */
#define TRACE_MAX (4u * DS_HE_MAX_CANDIDATES + 16u)
#define TRACE_INITIAL 16u

/* Most NAT64 prefixes used from one "ipv4only.arpa" answer. */
#define NAT64_MAX_PREFIXES 8u

enum phase {
	PH_START,     /* waiting for the first iteration */
	PH_RESOLVING, /* queries out, nothing usable yet */
	PH_RES_DELAY, /* A answered, AAAA given the Resolution Delay */
	PH_RACING,
	PH_DONE,
};

enum att_state {
	ATT_PENDING,
	ATT_FAILED,
	ATT_CONNECTED,
	ATT_CANCELLED,
};

/* A candidate not tried yet: the destination and its source. */
struct cand {
	struct ds_addr addr;
	struct ds_addr src; /* family 0: no route (RFC 6724 rule 1) */
};

struct attempt {
	struct ds_connect *c;
	struct ds_endpoint ep;
	int fd;
	struct ds_io *io;
	uint64_t start_us; /* ds_time_now_us() */
	uint64_t elapsed_us;
	uint64_t delay_us;
	enum att_state state;
	int err;
	unsigned number;
};

struct ds_connect {
	struct ds_loop *loop;
	char *host;
	uint16_t port;
	struct ds_connect_opts opts;
	ds_connect_fn *cb;
	void *userdata;
	uint64_t t0;
	enum phase phase;

	/* Resolution. */
	struct ds_resolve *res;
	bool q_pending[DS_RESOLVE_TYPES];
	int q_status[DS_RESOLVE_TYPES];
	bool q_asked[DS_RESOLVE_TYPES];
	bool filtered; /* an address was dropped for its family */

	/* NAT64 for an IPv4 literal (RFC 8305 section 7.1). */
	bool v4_literal;
	struct ds_addr literal;
	bool nat64;
	bool ac_set;
	struct ds_addrconfig ac;

	/* RFC 6724 policy, loaded once. */
	struct ds_policy policy;
	const struct ds_policy *pol;

	/* Candidates not yet tried, in the order they will be. */
	struct cand untried[DS_HE_MAX_CANDIDATES];
	size_t n_untried;
	/* Attempts, in the order started. */
	struct attempt att[DS_HE_MAX_CANDIDATES];
	size_t n_att;
	int last_err;

	struct ds_timer *next_timer;
	struct ds_timer *res_timer;
	struct ds_timer *timeout_timer;
	struct ds_defer *start_defer;
	struct ds_defer *done_defer;

	struct ds_he_event *trace;
	size_t n_trace;
	size_t cap_trace;

	struct ds_connect_result result;
	bool reported; /* the callback has run: result.fd is the caller's */
};

static void start_next(struct ds_connect *c);
static void finish(struct ds_connect *c, int err, struct attempt *winner);

/* --- Names ---------------------------------------------------------------- */

const char *
ds_he_event_name(enum ds_he_event_type type)
{
	switch (type) {
	case DS_HE_EV_QUERY:
		return "query";
	case DS_HE_EV_ANSWER:
		return "answer";
	case DS_HE_EV_RES_DELAY:
		return "resolution-delay";
	case DS_HE_EV_RES_EXPIRED:
		return "resolution-delay-expired";
	case DS_HE_EV_NAT64:
		return "nat64";
	case DS_HE_EV_CACHE:
		return "cache";
	case DS_HE_EV_ATTEMPT:
		return "attempt";
	case DS_HE_EV_FAILED:
		return "failed";
	case DS_HE_EV_CONNECTED:
		return "connected";
	case DS_HE_EV_CANCELLED:
		return "cancelled";
	case DS_HE_EV_TIMEOUT:
		return "timeout";
	}
	return "unknown";
}

/* --- Interleaving (RFC 8305 section 4) ------------------------------------ */

/*
 * As interleave_order() below, but starting with family 'lead' (when the
 * list has one of it) rather than fam[0]'s.
 */
static void
interleave_from(const int *fam, size_t n, int lead, unsigned ffc, size_t *order)
{
	size_t first[DS_HE_MAX_CANDIDATES], other[DS_HE_MAX_CANDIDATES];
	size_t nf = 0, no = 0, i = 0, j = 0, k = 0;

	for (size_t x = 0; x < n; x++) {
		if (fam[x] == lead)
			first[nf++] = x;
		else
			other[no++] = x;
	}
	if (nf == 0) {
		/* No candidate of the lead family: the other leads. */
		memcpy(first, other, no * sizeof(other[0]));
		nf = no;
		no = 0;
	}
	for (unsigned m = 0; m < ffc && i < nf; m++)
		order[k++] = first[i++];
	while (i < nf || j < no) {
		if (j < no)
			order[k++] = other[j++];
		if (i < nf)
			order[k++] = first[i++];
	}
}

/*
 * The order of section 4 for a list whose families are fam[0..n): the
 * first family gets ffc places, then the families alternate one by one;
 * when one runs out, the rest of the other follows. order[k] is the index
 * of the k-th candidate to try. n <= DS_HE_MAX_CANDIDATES, ffc >= 1.
 */
static void
interleave_order(const int *fam, size_t n, unsigned ffc, size_t *order)
{
	interleave_from(fam, n, n ? fam[0] : 0, ffc, order);
}

int
ds_he_interleave(struct ds_endpoint *list, size_t n, unsigned ffc)
{
	struct ds_endpoint tmp[DS_HE_MAX_CANDIDATES];
	size_t order[DS_HE_MAX_CANDIDATES];
	int fam[DS_HE_MAX_CANDIDATES];

	if (n > DS_HE_MAX_CANDIDATES || ffc == 0 || (n > 0 && !list))
		return -EINVAL;
	if (n < 2)
		return 0;
	for (size_t i = 0; i < n; i++)
		fam[i] = list[i].addr.family;
	interleave_order(fam, n, ffc, order);
	for (size_t i = 0; i < n; i++)
		tmp[i] = list[order[i]];
	memcpy(list, tmp, n * sizeof(*list));
	return 0;
}

/* --- NAT64 prefix discovery (RFC 7050 section 3) ------------------------ */

int
ds__nat64_prefix_find(const struct ds_addr *v6, struct ds_prefix *ret)
{
	/* RFC 6052 section 2.2; /96 first, the length nearly every NAT64
	 * uses, so that a /96 prefix whose last bits happen to look like a
	 * well-known address at a shorter length is still read right. */
	static const unsigned lens[] = {96, 64, 56, 48, 40, 32};
	/* RFC 7050 section 2.2: 192.0.0.170 and 192.0.0.171. */
	const uint32_t wka1 = 0xc00000aau, wka2 = 0xc00000abu;

	if (v6->family != AF_INET6)
		return -ENOENT;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct ds_prefix p = {.addr = *v6, .len = lens[i]};
		struct ds_addr v4;
		uint32_t x;

		p.addr.zone[0] = '\0';
		p.addr.scope_id = 0;
		ds_prefix_normalize(&p);
		if (ds_nat64_extract(&p, v6, &v4) < 0)
			continue;
		x = ds_addr_v4(&v4);
		if (x == wka1 || x == wka2) {
			*ret = p;
			return 0;
		}
	}
	return -ENOENT;
}

/* --- The trace ------------------------------------------------------------ */

static struct ds_he_event *
ev_add(struct ds_connect *c, enum ds_he_event_type type)
{
	struct ds_he_event *ev;

	if (c->n_trace == c->cap_trace) {
		size_t cap = c->cap_trace ? 2 * c->cap_trace : TRACE_INITIAL;
		struct ds_he_event *t;

		if (cap > TRACE_MAX)
			cap = TRACE_MAX;
		if (cap <= c->cap_trace)
			return NULL;
		t = realloc(c->trace, cap * sizeof(*t));
		if (!t)
			return NULL;
		c->trace = t;
		c->cap_trace = cap;
	}
	ev = &c->trace[c->n_trace++];
	memset(ev, 0, sizeof(*ev));
	ev->t_us = ds_time_now_us() - c->t0;
	ev->type = type;
	return ev;
}

/* An event about attempt a. */
static void
ev_attempt(
    struct ds_connect *c, enum ds_he_event_type type, const struct attempt *a)
{
	struct ds_he_event *ev = ev_add(c, type);

	if (!ev)
		return;
	ev->attempt = a->number;
	ev->ep = a->ep;
	ev->err = a->err;
	ev->elapsed_us = a->elapsed_us;
	if (type == DS_HE_EV_ATTEMPT)
		ev->delay_us = a->delay_us;
}

static void
ev_ep(struct ds_connect *c, enum ds_he_event_type type,
    const struct ds_endpoint *ep)
{
	struct ds_he_event *ev = ev_add(c, type);

	if (ev)
		ev->ep = *ep;
}

static const char *
qtype_name(enum ds_resolve_type t)
{
	return t == DS_RESOLVE_AAAA ? "AAAA" : "A";
}

/* A delay for the trace line, in whole milliseconds, rounded. */
static unsigned
ms_of(uint64_t us)
{
	return (unsigned)((us + 500) / 1000);
}

int
ds_he_event_format(const struct ds_he_event *ev, char *buf, size_t size)
{
	char ep[DS_ENDPOINT_STRLEN] = "", pfx[DS_PREFIX_STRLEN] = "";
	double t, el;
	int r;

	if (!ev || (!buf && size > 0))
		return -EINVAL;
	t = (double)ev->t_us / 1000.0;
	el = (double)ev->elapsed_us / 1000.0;
	if (ev->ep.addr.family != 0 &&
	    ds_endpoint_format(&ev->ep, 0, ep, sizeof(ep)) < 0)
		ep[0] = '\0';

	switch (ev->type) {
	case DS_HE_EV_QUERY:
		r = snprintf(
		    buf, size, "%8.3f ms  query %s", t, qtype_name(ev->qtype));
		break;
	case DS_HE_EV_ANSWER: {
		char from[DS_ENDPOINT_STRLEN + 96] = "";
		int n = 0;

		/* Where it came from, and whether it needed a retry or
		 * another server (ds_resolve's race of servers). */
		if (ep[0])
			n = snprintf(from, sizeof(from), " from %s", ep);
		if (n >= 0 && (ev->servers > 1 || ev->timeouts > 0))
			snprintf(from + n, sizeof(from) - (size_t)n,
			    " (%u server%s asked, %u tr%s timed out)",
			    ev->servers, ev->servers == 1 ? "" : "s",
			    ev->timeouts, ev->timeouts == 1 ? "y" : "ies");
		if (ev->err < 0)
			r = snprintf(buf, size, "%8.3f ms  answer %s: %s%s", t,
			    qtype_name(ev->qtype), ds_strerror(ev->err), from);
		else
			r = snprintf(buf, size, "%8.3f ms  answer %s: %u %s%s",
			    t, qtype_name(ev->qtype), ev->count,
			    ev->count == 1 ? "address" : "addresses", from);
		break;
	}
	case DS_HE_EV_RES_DELAY:
		/* qtype is the query waited for: AAAA (RFC 8305 section 3),
		 * or A when history says IPv4 is the one that works. */
		r = snprintf(buf, size,
		    "%8.3f ms  %s answered first: waiting %u ms for %s "
		    "(resolution delay%s)",
		    t,
		    qtype_name(ev->qtype == DS_RESOLVE_A ? DS_RESOLVE_AAAA
		                                         : DS_RESOLVE_A),
		    ms_of(ev->delay_us), qtype_name(ev->qtype),
		    ev->qtype == DS_RESOLVE_A ? ", from history" : "");
		break;
	case DS_HE_EV_RES_EXPIRED:
		r = snprintf(
		    buf, size, "%8.3f ms  resolution delay expired", t);
		break;
	case DS_HE_EV_NAT64:
		if (ev->err < 0) {
			r = snprintf(buf, size,
			    "%8.3f ms  nat64: no prefix: %s", t,
			    ds_strerror(ev->err));
			break;
		}
		if (ds_prefix_format(&ev->prefix, 0, pfx, sizeof(pfx)) < 0)
			pfx[0] = '\0';
		r = snprintf(
		    buf, size, "%8.3f ms  nat64 prefix %s: %s", t, pfx, ep);
		break;
	case DS_HE_EV_CACHE:
		r = snprintf(buf, size, "%8.3f ms  history: %s first", t, ep);
		break;
	case DS_HE_EV_ATTEMPT:
		r = snprintf(buf, size,
		    "%8.3f ms  attempt %u %s started (next in %u ms)", t,
		    ev->attempt, ep, ms_of(ev->delay_us));
		break;
	case DS_HE_EV_FAILED:
		r = snprintf(buf, size,
		    "%8.3f ms  attempt %u %s failed after %.3f ms: %s", t,
		    ev->attempt, ep, el, ds_strerror(ev->err));
		break;
	case DS_HE_EV_CONNECTED:
		r = snprintf(buf, size,
		    "%8.3f ms  attempt %u %s connected in %.3f ms", t,
		    ev->attempt, ep, el);
		break;
	case DS_HE_EV_CANCELLED:
		r = snprintf(buf, size,
		    "%8.3f ms  attempt %u %s cancelled after %.3f ms", t,
		    ev->attempt, ep, el);
		break;
	case DS_HE_EV_TIMEOUT:
		r = snprintf(buf, size, "%8.3f ms  timed out after %u ms", t,
		    ms_of(ev->delay_us));
		break;
	default:
		return -EINVAL;
	}
	return r < 0 ? -EIO : r;
}

/* --- Candidates ----------------------------------------------------------- */

static bool
family_allowed(const struct ds_connect *c, int family)
{
	if (family != AF_INET && family != AF_INET6)
		return false;
	if (c->opts.bind && c->opts.bind->family != family)
		return false;
	if (c->opts.resolve.family == DS_RESOLVE_ONLY_V6)
		return family == AF_INET6;
	if (c->opts.resolve.family == DS_RESOLVE_ONLY_V4)
		return family == AF_INET;
	return true;
}

static bool
known(const struct ds_connect *c, const struct ds_addr *a)
{
	for (size_t i = 0; i < c->n_untried; i++)
		if (ds_addr_equal(&c->untried[i].addr, a))
			return true;
	for (size_t i = 0; i < c->n_att; i++)
		if (ds_addr_equal(&c->att[i].ep.addr, a))
			return true;
	return false;
}

/*
 * Add a destination to the untried list (at the end; the caller sorts).
 * Returns true when it was added. Duplicates, families that cannot be
 * used and candidates beyond DS_HE_MAX_CANDIDATES are dropped.
 */
static bool
cand_add(struct ds_connect *c, const struct ds_addr *a)
{
	struct cand *cd;

	if (!family_allowed(c, a->family)) {
		c->filtered = true;
		return false;
	}
	if (known(c, a) || c->n_untried + c->n_att >= DS_HE_MAX_CANDIDATES)
		return false;
	cd = &c->untried[c->n_untried++];
	memset(cd, 0, sizeof(*cd));
	/* A zone given by name becomes an index when the attempt's socket
	 * address is made; an unknown name makes that attempt fail with
	 * -DS_E_ZONE_UNKNOWN, where the trace shows it. */
	cd->addr = *a;
	if (c->opts.bind)
		cd->src = *c->opts.bind;
	else if (ds_sort_source(&cd->addr, &cd->src) < 0)
		memset(&cd->src, 0, sizeof(cd->src));
	return true;
}

/*
 * History: addresses that recently failed or never answered go to the
 * back, in their order; then the last winner for this host, if it is not
 * one of them, to the front. One CACHE event names the new first when
 * anything moved or the winner was found.
 */
static void
apply_history(struct ds_connect *c)
{
	struct cand tmp[DS_HE_MAX_CANDIDATES];
	bool bad[DS_HE_MAX_CANDIDATES];
	struct ds_endpoint w, first;
	size_t k = 0, wi = SIZE_MAX;
	bool moved = false;

	if (!c->opts.cache || c->n_untried == 0)
		return;
	for (size_t i = 0; i < c->n_untried; i++) {
		struct ds_endpoint ep = {
		    .addr = c->untried[i].addr, .port = c->port};
		struct ds_he_history h;

		bad[i] = ds_he_cache_lookup(c->opts.cache, &ep, &h) == 0 &&
		    (h.outcome == DS_HE_FAILED || h.outcome == DS_HE_NO_ANSWER);
	}
	for (size_t i = 0; i < c->n_untried; i++)
		if (!bad[i])
			tmp[k++] = c->untried[i];
	for (size_t i = 0; i < c->n_untried; i++) {
		if (bad[i]) {
			if (k != i)
				moved = true;
			tmp[k++] = c->untried[i];
		}
	}
	if (ds_he_cache_winner(c->opts.cache, c->host, c->port, &w) == 0) {
		for (size_t i = 0; i < c->n_untried; i++) {
			if (ds_addr_equal(&tmp[i].addr, &w.addr)) {
				wi = i;
				break;
			}
		}
	}
	if (wi != SIZE_MAX) {
		struct cand win = tmp[wi];
		bool is_bad = false;

		for (size_t i = 0; i < c->n_untried; i++)
			if (bad[i] &&
			    ds_addr_equal(&c->untried[i].addr, &win.addr))
				is_bad = true;
		if (is_bad) {
			wi = SIZE_MAX;
		} else if (wi > 0) {
			memmove(&tmp[1], &tmp[0], wi * sizeof(tmp[0]));
			tmp[0] = win;
			moved = true;
		}
	}
	memcpy(c->untried, tmp, c->n_untried * sizeof(tmp[0]));
	if (moved || wi != SIZE_MAX) {
		first.addr = c->untried[0].addr;
		first.port = c->port;
		ev_ep(c, DS_HE_EV_CACHE, &first);
	}
}

/*
 * Order the untried list: RFC 6724 (section 4 of RFC 8305 defers to it),
 * then interleaved by family starting with the best one's, then history.
 */
static void
order_untried(struct ds_connect *c)
{
	struct ds_sort_cand sc[DS_HE_MAX_CANDIDATES];
	struct cand tmp[DS_HE_MAX_CANDIDATES];
	size_t order[DS_HE_MAX_CANDIDATES];
	int fam[DS_HE_MAX_CANDIDATES];
	size_t n = c->n_untried;

	if (n == 0)
		return;
	if (!c->pol) {
		if (c->opts.policy) {
			c->pol = c->opts.policy;
		} else {
			/* Any failure leaves the default table in place,
			 * which is what getaddrinfo() would use too. */
			(void)ds_policy_load(NULL, &c->policy);
			c->pol = &c->policy;
		}
	}
	memset(sc, 0, n * sizeof(sc[0]));
	for (size_t i = 0; i < n; i++) {
		sc[i].dst = c->untried[i].addr;
		sc[i].src = c->untried[i].src;
	}
	/* Only fails for n > DS_SORT_MAX or a missing family, both
	 * excluded by cand_add(); the order then stays as it is. */
	if (ds_sort(c->pol, sc, n) == 0) {
		for (size_t i = 0; i < n; i++) {
			c->untried[i].addr = sc[i].dst;
			c->untried[i].src = sc[i].src;
		}
	}
	for (size_t i = 0; i < n; i++)
		fam[i] = c->untried[i].addr.family;
	if (c->n_att == 0) {
		interleave_order(fam, n, c->opts.first_family_count, order);
	} else {
		/*
		 * Re-ordering during the race (late answers): the alternation
		 * goes on from the attempts already made. While the first
		 * family has not had its first_family_count places, it keeps
		 * them; after that the family not tried last comes next, or
		 * a host with broken IPv6 would pay an attempt delay for
		 * every AAAA record before trying IPv4 (section 4).
		 */
		int first = c->att[0].ep.addr.family;
		int last = c->att[c->n_att - 1].ep.addr.family;
		size_t run = 0;

		while (run < c->n_att && c->att[run].ep.addr.family == first)
			run++;
		if (run == c->n_att && run < c->opts.first_family_count)
			interleave_from(fam, n, first,
			    c->opts.first_family_count - (unsigned)run, order);
		else
			interleave_from(fam, n,
			    last == AF_INET6 ? AF_INET : AF_INET6, 1, order);
	}
	for (size_t i = 0; i < n; i++)
		tmp[i] = c->untried[order[i]];
	memcpy(c->untried, tmp, n * sizeof(tmp[0]));
	apply_history(c);
}

/* --- Attempts ------------------------------------------------------------- */

static bool
any_pending(const struct ds_connect *c)
{
	for (size_t i = 0; i < c->n_att; i++)
		if (c->att[i].state == ATT_PENDING)
			return true;
	return false;
}

static bool
queries_pending(const struct ds_connect *c)
{
	return c->q_pending[DS_RESOLVE_AAAA] || c->q_pending[DS_RESOLVE_A];
}

/*
 * The delay after an attempt to ep. RFC 8305 section 5 lets history
 * shape it: twice the connect time seen last, within the section's
 * 10 ms floor and 2 s ceiling.
 */
static uint64_t
attempt_delay(const struct ds_connect *c, const struct ds_endpoint *ep)
{
	struct ds_he_history h;
	uint64_t us;

	if (!c->opts.cache || ds_he_cache_lookup(c->opts.cache, ep, &h) < 0 ||
	    h.outcome != DS_HE_OK)
		return c->opts.attempt_delay_us;
	/* Whole milliseconds, rounded up, as RFC 8305 speaks of them: the
	 * microseconds of one measurement are noise, not precision. */
	us = (2 * h.connect_us + 999) / 1000 * 1000;
	if (us < DS_HE_ATTEMPT_DELAY_MIN_US)
		us = DS_HE_ATTEMPT_DELAY_MIN_US;
	if (us > DS_HE_ATTEMPT_DELAY_MAX_US)
		us = DS_HE_ATTEMPT_DELAY_MAX_US;
	return us;
}

static void
attempt_close(struct attempt *a)
{
	a->io = ds_io_free(a->io);
	if (a->fd >= 0) {
		(void)close(a->fd);
		a->fd = -1;
	}
}

static void
attempt_fail(struct ds_connect *c, struct attempt *a, int err)
{
	a->elapsed_us = ds_time_now_us() - a->start_us;
	a->state = ATT_FAILED;
	a->err = err;
	attempt_close(a);
	c->last_err = err;
	ev_attempt(c, DS_HE_EV_FAILED, a);
}

/* Nothing left to try or wait for: the end, with the last error. */
static void
check_end(struct ds_connect *c)
{
	if (c->phase != PH_RACING || c->n_untried > 0 || any_pending(c) ||
	    queries_pending(c))
		return;
	finish(c, c->last_err ? c->last_err : -DS_E_NO_ADDRESS, NULL);
}

static void
attempt_io(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct attempt *a = userdata;
	struct ds_connect *c = a->c;
	int err = ds__sock_error(fd);

	(void)io;
	if (err == 0 && !(events & DS_IO_OUT))
		return;
	if (err != 0) {
		bool latest = a == &c->att[c->n_att - 1];

		attempt_fail(c, a, err);
		/* RFC 8305 section 5: the next attempt starts when the delay
		 * has passed "or when the previous attempt fails"; the
		 * failure of an earlier one changes nothing. */
		if (latest) {
			ds_timer_stop(c->next_timer);
			start_next(c);
		} else {
			check_end(c);
		}
		return;
	}
	a->elapsed_us = ds_time_now_us() - a->start_us;
	a->state = ATT_CONNECTED;
	a->io = ds_io_free(a->io);
	ev_attempt(c, DS_HE_EV_CONNECTED, a);
	finish(c, 0, a);
}

/* Socket, bind, connect, watch: 0, or a negative errno. */
static int
attempt_open(struct ds_connect *c, struct attempt *a)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int r;

	r = ds_endpoint_to_sockaddr(&a->ep, &ss, &sslen);
	if (r < 0)
		return r;
	a->fd = socket(
	    a->ep.addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd == -1)
		return -errno;
	if (c->opts.bind) {
		struct ds_endpoint b = {.addr = *c->opts.bind};
		struct sockaddr_storage bs;
		socklen_t bslen;

		r = ds_endpoint_to_sockaddr(&b, &bs, &bslen);
		if (r < 0)
			return r;
		if (bind(a->fd, (struct sockaddr *)&bs, bslen) == -1)
			return -errno;
	}
	if (connect(a->fd, (struct sockaddr *)&ss, sslen) == -1 &&
	    errno != EINPROGRESS)
		return -errno;
	/* Established at once or not, writability says when it is. */
	return ds_io_new(c->loop, a->fd, DS_IO_OUT, attempt_io, a, &a->io);
}

/* Start an attempt to cd: 0 when it is in progress, else its error. */
static int
attempt_start(struct ds_connect *c, const struct cand *cd)
{
	struct attempt *a = &c->att[c->n_att++];
	int r;

	memset(a, 0, sizeof(*a));
	a->c = c;
	a->fd = -1;
	a->number = (unsigned)c->n_att;
	a->ep.addr = cd->addr;
	a->ep.port = c->port;
	a->state = ATT_PENDING;
	a->delay_us = attempt_delay(c, &a->ep);
	a->start_us = ds_time_now_us();
	ev_attempt(c, DS_HE_EV_ATTEMPT, a);
	r = attempt_open(c, a);
	if (r < 0)
		attempt_fail(c, a, r);
	return r;
}

/*
 * Arm t to fire delay_us after since_us. since_us is ds_time_now_us(),
 * the loop's clock read when the attempt really started, which may be
 * later than the loop's "now" of this iteration: the deadline counts from
 * it, so that the next attempt never starts early.
 */
static void
arm(struct ds_timer *t, uint64_t since_us, uint64_t delay_us)
{
	ds_timer_start_at(t, since_us + delay_us);
}

/*
 * Start the next candidate; one whose connect() fails at once counts as
 * a failed attempt, and the one after starts at once (RFC 8305 section 5).
 */
static void
start_next(struct ds_connect *c)
{
	while (c->phase == PH_RACING && c->n_untried > 0) {
		struct cand cd = c->untried[0];

		c->n_untried--;
		memmove(&c->untried[0], &c->untried[1],
		    c->n_untried * sizeof(c->untried[0]));
		if (attempt_start(c, &cd) == 0) {
			const struct attempt *a = &c->att[c->n_att - 1];

			arm(c->next_timer, a->start_us, a->delay_us);
			return;
		}
	}
	check_end(c);
}

static void
next_timer_cb(struct ds_timer *t, void *userdata)
{
	(void)t;
	start_next(userdata);
}

/* --- The end -------------------------------------------------------------- */

static void
cache_update(struct ds_connect *c)
{
	struct ds_he_cache *hc = c->opts.cache;

	if (!hc)
		return;
	for (size_t i = 0; i < c->n_att; i++) {
		const struct attempt *a = &c->att[i];

		switch (a->state) {
		case ATT_CONNECTED:
			(void)ds_he_cache_note(
			    hc, &a->ep, DS_HE_OK, 0, a->elapsed_us);
			(void)ds_he_cache_note_winner(
			    hc, c->host, c->port, &a->ep);
			break;
		case ATT_FAILED:
			(void)ds_he_cache_note(
			    hc, &a->ep, DS_HE_FAILED, a->err, 0);
			break;
		case ATT_CANCELLED:
			/* Silent for its whole attempt delay: remember it
			 * as not answering. Cut short sooner, it says
			 * nothing. */
			if (a->elapsed_us >= a->delay_us)
				(void)ds_he_cache_note(
				    hc, &a->ep, DS_HE_NO_ANSWER, 0, 0);
			break;
		case ATT_PENDING:
			break;
		}
	}
}

static void
done_cb(struct ds_defer *d, void *userdata)
{
	struct ds_connect *c = userdata;

	(void)d;
	c->reported = true;
	/* The last thing done here: the callback may free c. */
	c->cb(c, &c->result, c->userdata);
}

/*
 * The end: close everything but the winner, fill the result, update the
 * cache, and report from the next iteration.
 */
static void
finish(struct ds_connect *c, int err, struct attempt *winner)
{
	struct ds_connect_result *r = &c->result;
	uint64_t now = ds_time_now_us();

	if (c->phase == PH_DONE)
		return;
	c->phase = PH_DONE;
	ds_timer_stop(c->next_timer);
	ds_timer_stop(c->res_timer);
	ds_timer_stop(c->timeout_timer);
	ds_defer_cancel(c->start_defer);
	for (size_t i = 0; i < c->n_att; i++) {
		struct attempt *a = &c->att[i];

		if (a->state != ATT_PENDING)
			continue;
		a->elapsed_us = now - a->start_us;
		a->state = ATT_CANCELLED;
		attempt_close(a);
		ev_attempt(c, DS_HE_EV_CANCELLED, a);
	}
	if (err == -ETIMEDOUT) {
		struct ds_he_event *ev = ev_add(c, DS_HE_EV_TIMEOUT);

		if (ev)
			ev->delay_us = c->opts.timeout_us;
	}

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->err = err;
	r->attempts = (unsigned)c->n_att;
	r->elapsed_us = now - c->t0;
	if (winner) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		r->fd = winner->fd;
		winner->fd = -1;
		r->remote = winner->ep;
		r->connect_us = winner->elapsed_us;
		if (getsockname(r->fd, (struct sockaddr *)&ss, &len) == 0)
			(void)ds__endpoint_named(
			    (struct sockaddr *)&ss, len, &r->local);
	}
	cache_update(c);
	ds_defer_schedule(c->done_defer);
}

static void
timeout_cb(struct ds_timer *t, void *userdata)
{
	(void)t;
	finish(userdata, -ETIMEDOUT, NULL);
}

/* --- Resolution ----------------------------------------------------------- */

static void
begin_race(struct ds_connect *c)
{
	ds_timer_stop(c->res_timer);
	c->phase = PH_RACING;
	order_untried(c);
	start_next(c);
}

/* Why nothing could be tried, when no attempt was made. */
static int
no_candidate_err(const struct ds_connect *c)
{
	int nodata = 0;

	if (c->filtered)
		return -DS_E_NO_ADDRESS;
	for (int t = 0; t < DS_RESOLVE_TYPES; t++) {
		int s = c->q_status[t];

		if (!c->q_asked[t] || s == 0)
			continue;
		if (s == -DS_E_DNS_NODATA || s == -DS_E_DNS_SKIPPED) {
			if (!nodata || s == -DS_E_DNS_NODATA)
				nodata = s;
			continue;
		}
		return s;
	}
	return nodata ? nodata : -DS_E_NO_ADDRESS;
}

static void
res_timer_cb(struct ds_timer *t, void *userdata)
{
	struct ds_connect *c = userdata;

	(void)t;
	if (c->phase != PH_RES_DELAY)
		return;
	(void)ev_add(c, DS_HE_EV_RES_EXPIRED);
	begin_race(c);
}

/* A fresh history entry says ep failed or stayed silent. */
static bool
known_bad(const struct ds_connect *c, const struct ds_addr *a)
{
	struct ds_endpoint ep = {.addr = *a, .port = c->port};
	struct ds_he_history h;

	return ds_he_cache_lookup(c->opts.cache, &ep, &h) == 0 &&
	    (h.outcome == DS_HE_FAILED || h.outcome == DS_HE_NO_ANSWER);
}

/*
 * The query to give the Resolution Delay to before the race starts. RFC
 * 8305 section 3 names AAAA. With history the family that won last time
 * for this host and port takes its place, and so does the family still
 * pending when every address in hand is known to have failed or stayed
 * silent: leading with such an address pays a whole attempt delay for
 * nothing, which section 5's use of history is there to avoid.
 */
static enum ds_resolve_type
awaited_query(const struct ds_connect *c)
{
	struct ds_endpoint w;
	bool all_bad = true;

	if (!c->opts.cache)
		return DS_RESOLVE_AAAA;
	if (ds_he_cache_winner(c->opts.cache, c->host, c->port, &w) == 0 &&
	    !known_bad(c, &w.addr))
		return w.addr.family == AF_INET ? DS_RESOLVE_A
		                                : DS_RESOLVE_AAAA;
	for (size_t i = 0; i < c->n_untried && all_bad; i++)
		all_bad = known_bad(c, &c->untried[i].addr);
	if (all_bad && c->q_pending[DS_RESOLVE_A])
		return DS_RESOLVE_A;
	return DS_RESOLVE_AAAA;
}

/* RFC 8305 section 3: what to do once a query has ended. */
static void
after_answer(struct ds_connect *c, size_t added)
{
	enum ds_resolve_type awaited;

	if (c->phase == PH_RACING) {
		if (added == 0) {
			check_end(c);
			return;
		}
		/* Section 3: late addresses join the untried ones, sorted
		 * again. With the attempt delay since the last start already
		 * over (or everything failed), the next starts now. */
		order_untried(c);
		if (!ds_timer_is_active(c->next_timer))
			start_next(c);
		return;
	}
	if (c->n_untried > 0) {
		awaited = awaited_query(c);
		if (!c->q_pending[awaited]) {
			/* The awaited query answered (either way) or was not
			 * asked: nothing to wait for. */
			begin_race(c);
		} else if (c->phase == PH_RESOLVING) {
			struct ds_he_event *ev;

			/* A first: give AAAA the Resolution Delay. */
			if (c->opts.resolution_delay_us == 0) {
				begin_race(c);
				return;
			}
			ev = ev_add(c, DS_HE_EV_RES_DELAY);
			if (ev) {
				ev->qtype = awaited;
				ev->delay_us = c->opts.resolution_delay_us;
			}
			c->phase = PH_RES_DELAY;
			ds_timer_start_in(
			    c->res_timer, c->opts.resolution_delay_us);
		}
		return;
	}
	if (!queries_pending(c))
		finish(c, no_candidate_err(c), NULL);
}

/* A query has ended: no longer pending, and an ANSWER event. */
static void
note_answer(struct ds_connect *c, enum ds_resolve_type type,
    const struct ds_resolve_query *q)
{
	struct ds_he_event *ev;

	c->q_pending[type] = false;
	c->q_status[type] = q->status;
	ev = ev_add(c, DS_HE_EV_ANSWER);
	if (ev) {
		ev->qtype = type;
		ev->count = (unsigned)q->n_answers;
		ev->err = q->status;
		ev->servers = q->servers_asked;
		ev->timeouts = q->timeouts;
		if (q->server >= 0) {
			const struct ds_resolve_server *sv;
			size_t n;

			sv = ds_resolve_servers(c->res, &n);
			if ((size_t)q->server < n)
				ev->ep = sv[q->server].ep;
		}
	}
}

static void
resolve_cb(struct ds_resolve *r, enum ds_resolve_type type,
    const struct ds_resolve_query *q, void *userdata)
{
	struct ds_connect *c = userdata;
	size_t added = 0;

	(void)r;
	if (c->phase == PH_DONE || (unsigned)type >= DS_RESOLVE_TYPES)
		return;
	note_answer(c, type, q);
	for (size_t i = 0; i < q->n_answers; i++)
		if (cand_add(c, &q->answers[i].addr))
			added++;
	after_answer(c, added);
}

/* The answer for "ipv4only.arpa": prefixes, synthesis, then the race. */
static void
nat64_cb(struct ds_resolve *r, enum ds_resolve_type type,
    const struct ds_resolve_query *q, void *userdata)
{
	struct ds_prefix seen[NAT64_MAX_PREFIXES];
	struct ds_connect *c = userdata;
	struct ds_he_event *ev;
	size_t n_seen = 0;

	(void)r;
	if (c->phase == PH_DONE || type != DS_RESOLVE_AAAA)
		return;
	note_answer(c, type, q);
	/* RFC 7050 section 3: every answer may carry a prefix; use each
	 * distinct one, in the server's order. */
	for (size_t i = 0; i < q->n_answers && n_seen < NAT64_MAX_PREFIXES;
	     i++) {
		struct ds_prefix p;
		struct ds_addr v6;
		bool dup = false;

		if (ds__nat64_prefix_find(&q->answers[i].addr, &p) < 0)
			continue;
		for (size_t k = 0; k < n_seen; k++)
			if (ds_prefix_compare(&seen[k], &p) == 0)
				dup = true;
		if (dup || ds_nat64_synthesize(&p, &c->literal, &v6) < 0)
			continue;
		seen[n_seen++] = p;
		ev = ev_add(c, DS_HE_EV_NAT64);
		if (ev) {
			ev->prefix = p;
			ev->ep.addr = v6;
			ev->ep.port = c->port;
		}
		(void)cand_add(c, &v6);
	}
	if (n_seen == 0) {
		ev = ev_add(c, DS_HE_EV_NAT64);
		if (ev)
			ev->err = q->status < 0 ? q->status : -DS_E_NO_NAT64;
		finish(c, -DS_E_NO_NAT64, NULL);
		return;
	}
	begin_race(c);
}

/* RFC 8305 section 7.1: does this IPv4 literal need NAT64? */
static bool
need_nat64(struct ds_connect *c)
{
	struct ds_addrconfig ac;

	if (!c->v4_literal || c->opts.no_nat64 ||
	    c->opts.resolve.family == DS_RESOLVE_ONLY_V4 ||
	    (c->opts.bind && c->opts.bind->family != AF_INET6))
		return false;
	if (c->ac_set)
		ac = c->ac;
	else if (ds_addrconfig(&ac) < 0)
		return false;
	return !ac.v4 && ac.v6;
}

/* First iteration of a numeric host or given addresses. */
static void
start_cb(struct ds_defer *d, void *userdata)
{
	struct ds_connect *c = userdata;
	struct ds_resolve_opts ro;
	struct ds_he_event *ev;
	int r;

	(void)d;
	if (c->phase == PH_RESOLVING && !c->nat64) {
		/* Both families skipped by the filter: no query to wait for. */
		if (!queries_pending(c))
			finish(c, no_candidate_err(c), NULL);
		return;
	}
	if (c->phase != PH_START)
		return;
	if (!need_nat64(c)) {
		if (c->v4_literal)
			(void)cand_add(c, &c->literal);
		c->phase = PH_RACING;
		if (c->n_untried == 0) {
			finish(c, -DS_E_NO_ADDRESS, NULL);
			return;
		}
		begin_race(c);
		return;
	}

	/* RFC 7050 section 3: ask for the AAAA of "ipv4only.arpa" through
	 * the same resolver settings. */
	c->nat64 = true;
	c->phase = PH_RESOLVING;
	ro = c->opts.resolve;
	ro.family = DS_RESOLVE_ONLY_V6;
	r = ds_resolve_new(c->loop, "ipv4only.arpa", &ro, nat64_cb, c, &c->res);
	if (r < 0) {
		ev = ev_add(c, DS_HE_EV_NAT64);
		if (ev)
			ev->err = r;
		finish(c, -DS_E_NO_NAT64, NULL);
		return;
	}
	c->q_asked[DS_RESOLVE_AAAA] = true;
	c->q_pending[DS_RESOLVE_AAAA] = true;
	ev = ev_add(c, DS_HE_EV_QUERY);
	if (ev)
		ev->qtype = DS_RESOLVE_AAAA;
}

/* --- The handle ----------------------------------------------------------- */

void
ds_connect_opts_init(struct ds_connect_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->resolution_delay_us = DS_HE_RESOLUTION_DELAY_US;
	opts->attempt_delay_us = DS_HE_ATTEMPT_DELAY_US;
	opts->first_family_count = 1;
	opts->timeout_us = DS_HE_TIMEOUT_US;
}

static int
opts_check(const struct ds_connect_opts *o, uint16_t port)
{
	/* RFC 8305 section 8: the Resolution Delay's recommended bounds end
	 * at 2 s like the attempt delay's; a longer one defeats the point. */
	if (o->resolution_delay_us > DS_HE_ATTEMPT_DELAY_MAX_US)
		return -EINVAL;
	if (o->attempt_delay_us < DS_HE_ATTEMPT_DELAY_MIN_US ||
	    o->attempt_delay_us > DS_HE_ATTEMPT_DELAY_MAX_US)
		return -EINVAL;
	if (o->first_family_count < 1 ||
	    o->first_family_count > DS_HE_MAX_CANDIDATES)
		return -EINVAL;
	if ((unsigned)o->resolve.family > DS_RESOLVE_ONLY_V4)
		return -EINVAL;
	if (o->bind && o->bind->family != AF_INET &&
	    o->bind->family != AF_INET6)
		return -EINVAL;
	if (o->n_addrs > 0 && !o->addrs)
		return -EINVAL;
	for (size_t i = 0; i < o->n_addrs; i++)
		if (o->addrs[i].port != 0 && o->addrs[i].port != port)
			return -EINVAL;
	return 0;
}

int
ds_connect_new(struct ds_loop *loop, const char *host, uint16_t port,
    const struct ds_connect_opts *opts, ds_connect_fn *cb, void *userdata,
    struct ds_connect **ret)
{
	struct ds_connect_opts defaults;
	struct ds_connect *c;
	struct ds_addr lit;
	int r;

	if (!opts) {
		ds_connect_opts_init(&defaults);
		opts = &defaults;
	}
	if (!loop || !host || host[0] == '\0' || port == 0 || !cb || !ret)
		return -EINVAL;
	r = opts_check(opts, port);
	if (r < 0)
		return r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->t0 = ds_time_now_us();
	c->loop = loop;
	c->port = port;
	c->opts = *opts;
	c->opts.addrs = NULL; /* copied below; the caller's may go */
	c->cb = cb;
	c->userdata = userdata;
	c->phase = PH_START;
	c->host = strdup(host);
	if (!c->host) {
		r = -ENOMEM;
		goto fail;
	}
	if ((r = ds_timer_new(loop, next_timer_cb, c, &c->next_timer)) < 0 ||
	    (r = ds_timer_new(loop, res_timer_cb, c, &c->res_timer)) < 0 ||
	    (r = ds_timer_new(loop, timeout_cb, c, &c->timeout_timer)) < 0 ||
	    (r = ds_defer_new(loop, start_cb, c, &c->start_defer)) < 0 ||
	    (r = ds_defer_new(loop, done_cb, c, &c->done_defer)) < 0)
		goto fail;

	if (opts->n_addrs > 0) {
		/* Given addresses: no DNS; the order given counts as the
		 * resolver's and is sorted like it. */
		for (size_t i = 0; i < opts->n_addrs; i++)
			(void)cand_add(c, &opts->addrs[i].addr);
		ds_defer_schedule(c->start_defer);
	} else if (ds_addr_parse(host, strlen(host), 0, &lit, NULL) == 0) {
		/* A numeric host needs no resolver. An IPv4 literal waits
		 * for the first iteration, which decides about NAT64. */
		if (lit.family == AF_INET) {
			c->v4_literal = true;
			c->literal = lit;
		} else {
			(void)cand_add(c, &lit);
		}
		ds_defer_schedule(c->start_defer);
	} else {
		c->phase = PH_RESOLVING;
		r = ds_resolve_new(
		    loop, host, &opts->resolve, resolve_cb, c, &c->res);
		if (r < 0)
			goto fail;
		for (int t = 0; t < DS_RESOLVE_TYPES; t++) {
			const struct ds_resolve_query *q =
			    ds_resolve_get(c->res, t);
			struct ds_he_event *ev;

			c->q_asked[t] = q->asked;
			/* Every asked query calls back, even one done
			 * already (hosts, numeric): wait for that. */
			c->q_pending[t] = q->asked;
			if (!q->asked)
				c->q_status[t] = -DS_E_DNS_SKIPPED;
			if (!q->asked)
				continue;
			ev = ev_add(c, DS_HE_EV_QUERY);
			if (ev)
				ev->qtype = t;
		}
		if (!queries_pending(c)) {
			/* Both families skipped: nothing will call back. */
			ds_defer_schedule(c->start_defer);
		}
	}
	if (opts->timeout_us > 0)
		ds_timer_start_in(c->timeout_timer, opts->timeout_us);
	*ret = c;
	return 0;

fail:
	ds_connect_free(c);
	return r;
}

const struct ds_he_event *
ds_connect_trace(const struct ds_connect *c, size_t *ret_n)
{
	if (ret_n)
		*ret_n = c ? c->n_trace : 0;
	return c ? c->trace : NULL;
}

const struct ds_resolve *
ds_connect_get_resolve(const struct ds_connect *c)
{
	return c ? c->res : NULL;
}

void
ds_connect_cancel(struct ds_connect *c)
{
	if (c && c->phase != PH_DONE)
		finish(c, -ECANCELED, NULL);
}

void
ds__connect_set_addrconfig(struct ds_connect *c, const struct ds_addrconfig *ac)
{
	c->ac = *ac;
	c->ac_set = true;
}

struct ds_connect *
ds_connect_free(struct ds_connect *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->n_att; i++)
		attempt_close(&c->att[i]);
	if (!c->reported && c->result.fd >= 0)
		(void)close(c->result.fd);
	c->res = ds_resolve_free(c->res);
	ds_timer_free(c->next_timer);
	ds_timer_free(c->res_timer);
	ds_timer_free(c->timeout_timer);
	ds_defer_free(c->start_defer);
	ds_defer_free(c->done_defer);
	free(c->trace);
	free(c->host);
	free(c);
	return NULL;
}

/* --- Blocking forms ------------------------------------------------------- */

struct run_state {
	struct ds_loop *loop;
	struct ds_connect_result *ret;
	bool done;
};

static void
run_cb(struct ds_connect *c, const struct ds_connect_result *r, void *userdata)
{
	struct run_state *s = userdata;

	(void)c;
	*s->ret = *r;
	s->done = true;
	ds_loop_stop(s->loop, 0);
}

int
ds_connect_run(const char *host, uint16_t port,
    const struct ds_connect_opts *opts, struct ds_connect_result *ret,
    struct ds_he_event **ret_trace, size_t *ret_n)
{
	struct run_state s = {.ret = ret};
	struct ds_connect *c = NULL;
	const struct ds_he_event *t;
	size_t n;
	int r;

	if (!ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	ret->fd = -1;
	if (ret_trace)
		*ret_trace = NULL;
	if (ret_n)
		*ret_n = 0;
	r = ds_loop_new(&s.loop);
	if (r < 0) {
		ret->err = r;
		return r;
	}
	r = ds_connect_new(s.loop, host, port, opts, run_cb, &s, &c);
	if (r < 0) {
		ret->err = r;
		ds_loop_free(s.loop);
		return r;
	}
	r = ds_loop_run(s.loop);
	if (!s.done) {
		/* The loop failed, or ran dry (which the connect's timers
		 * should make impossible): nothing was handed over. */
		ds_connect_free(c);
		ds_loop_free(s.loop);
		ret->err = r < 0 ? r : -EIO;
		return ret->err;
	}
	t = ds_connect_trace(c, &n);
	if (ret_trace && n > 0) {
		*ret_trace = malloc(n * sizeof(*t));
		if (*ret_trace) {
			memcpy(*ret_trace, t, n * sizeof(*t));
			if (ret_n)
				*ret_n = n;
		}
	}
	ds_connect_free(c);
	ds_loop_free(s.loop);
	/* Like every other call here: the error is the return value (and
	 * stays in the result, with the rest of what happened). */
	return ret->err;
}

int
ds_connect_simple(const char *host, uint16_t port, uint64_t timeout_us)
{
	struct ds_connect_opts opts;
	struct ds_connect_result res;
	int r, fl;

	ds_connect_opts_init(&opts);
	opts.timeout_us = timeout_us ? timeout_us : DS_HE_TIMEOUT_US;
	r = ds_connect_run(host, port, &opts, &res, NULL, NULL);
	if (r < 0)
		return r;
	fl = fcntl(res.fd, F_GETFL);
	if (fl == -1 || fcntl(res.fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		r = -errno;
		(void)close(res.fd);
		return r;
	}
	return res.fd;
}
