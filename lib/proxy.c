/* SPDX-License-Identifier: MIT */
/*
 * ds_proxy: accept on dual-stack listeners, check, connect a backend,
 * relay.
 *
 * Each connection is a struct conn on a doubly linked list, and goes
 * through three states: HEADER (accept_proxy: reading the PROXY header),
 * BACKEND (a backend being connected: a plain non-blocking connect, a
 * name being resolved, or a Happy Eyeballs race), RELAY (a ds_relay owns
 * both sockets). One timer serves the first two states (the header
 * timeout, then each backend's connect timeout) and is freed when the
 * relay starts, whose own timer keeps the idle timeout; so an idle
 * relayed connection costs this struct and the relay, nothing more.
 *
 * Every path out goes through conn_end(), which releases what the
 * connection holds, makes the one log call, and frees it. The log call
 * comes after the connection is off every list, so whatever the callback
 * does to the proxy (drain it, change the ACL) cannot meet it again.
 *
 * Client groups (the per-client limits) live in a hash table keyed by the
 * masked client address. A group is freed as soon as no connection of it
 * is open and its token bucket is full again, which a group without a
 * rate is at once; the others wait on an idle list that a sweep walks
 * once a second, and that is capped: beyond IDLE_GROUPS_MAX the group
 * idle the longest is forgotten (its client gets a full bucket back, the
 * price of bounded memory). So the table never holds more than the open
 * connections' groups plus IDLE_GROUPS_MAX.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dualstack/connect.h"
#include "dualstack/error.h"
#include "dualstack/proxy.h"
#include "dualstack/proxyproto.h"
#include "relay-int.h"
#include "sock-int.h"

/*
 * The header buffer: the longest header we accept whole (a v1 line is
 * at most DS_PROXYPROTO_V1_MAX, far less). Bytes read past the header in the
 * same read stay in it and go to the backend first.
 */
#define HDR_BUF DS_PROXYPROTO_V2_MAX

/* Re-resolution of a backend name, per its answer's TTL, clamped. */
#define TTL_MIN_S 1u
#define TTL_MAX_S 300u
/* After a failed resolution, wait this long before asking again. */
#define RESOLVE_RETRY_US 1000000u

/* The idle client groups are swept this often. */
#define SWEEP_US 1000000u
/* At most this many client groups without an open connection are kept
 * (for their rate buckets); 16384 groups are well under 2 MiB. */
#define IDLE_GROUPS_MAX 16384u
#define GROUPS_BUCKETS_MIN 64u

/* The log's detail text: a header error, or one phrase per backend. */
#define DETAIL_MAX 512

static const char *const close_names[] = {
    [DS_PROXY_CLIENT_EOF] = "client-eof",
    [DS_PROXY_BACKEND_EOF] = "backend-eof",
    [DS_PROXY_CLIENT_RESET] = "client-reset",
    [DS_PROXY_BACKEND_RESET] = "backend-reset",
    [DS_PROXY_IDLE_TIMEOUT] = "idle-timeout",
    [DS_PROXY_ACL] = "acl",
    [DS_PROXY_LIMIT] = "limit",
    [DS_PROXY_RATE] = "rate",
    [DS_PROXY_UNTRUSTED] = "untrusted",
    [DS_PROXY_BAD_HEADER] = "bad-header",
    [DS_PROXY_HEADER_TIMEOUT] = "header-timeout",
    [DS_PROXY_UNREACHABLE] = "backend-unreachable",
    [DS_PROXY_SHUTDOWN] = "shutdown",
    [DS_PROXY_ERROR] = "error",
    [DS_PROXY_BUSY] = "busy",
};

#define NCLOSE (sizeof(close_names) / sizeof(close_names[0]))

const char *
ds_proxy_close_name(enum ds_proxy_close c)
{
	if ((unsigned)c >= NCLOSE || !close_names[c])
		return NULL;
	return close_names[c];
}

/* --- Types ---------------------------------------------------------------- */

struct group {
	struct group *hnext;         /* hash chain */
	struct group *iprev, *inext; /* idle list */
	bool idle;
	int family;
	uint8_t key[16]; /* the masked address */
	uint32_t conns;
	double tokens;
	uint64_t refill_us;
};

struct conn;

struct backend {
	struct ds_proxy *p;
	size_t idx;
	char *host;
	char *label; /* "host:port", brackets around IPv6 literals */
	uint16_t port;

	bool numeric;
	struct ds_endpoint ep; /* numeric */
	int numeric_err;       /* numeric, filtered out by the family */

	/* A name: the addresses of the last good answer, when they expire,
	 * the lookup running, and the connections waiting for a first one. */
	struct ds_resolve *res;
	struct ds_endpoint *addrs;
	size_t n_addrs;
	uint64_t expires_us;
	int neg_err; /* the last lookup failed, with no addresses at all */
	uint64_t neg_until_us;
	struct conn *waiters;

	bool failed;
	uint64_t failed_us;
	uint64_t failed_seq; /* orders failures within one millisecond */
};

enum conn_state {
	CONN_HEADER = 1,
	CONN_BACKEND,
	CONN_RELAY,
};

struct conn {
	struct conn *prev, *next;
	struct ds_proxy *p;
	enum conn_state state;
	int fd;  /* the client, until the relay owns it */
	int bfd; /* a plain connect in progress */
	struct ds_io *io;
	struct ds_timer *timer;
	struct ds_connect *hc;
	struct ds_relay *relay;
	bool closing; /* ds_relay_close() was called */

	struct backend *be; /* the one being tried */
	struct conn *wprev, *wnext;
	bool waiting; /* on be->waiters */
	int last_err;

	struct group *grp;
	uint8_t *hbuf; /* the header, then the bytes after it */
	size_t hlen;
	size_t hdr_len; /* our header at the start of pre_b */
	struct ds_endpoint dst;
	uint64_t start_mono_us, attempt_us;

	struct ds_proxy_log log;
	char *detail;    /* DETAIL_MAX bytes, allocated when first needed */
	uint8_t tried[]; /* one per backend */
};

struct ds_proxy {
	struct ds_loop *loop;
	ds_proxy_log_fn *on_log;
	ds_proxy_event_fn *on_event;
	void *userdata;

	int send_proxy;
	bool accept_proxy;
	const struct ds_acl *trusted, *acl;
	uint32_t max_conns, max_per_client;
	uint32_t hard_max;
	bool busy;             /* a client was reset for hard_max */
	uint64_t busy_refused; /* since then */
	double rate;
	double burst;
	unsigned prefix6, prefix4;
	uint64_t connect_timeout_us, header_timeout_us, fail_hold_us;
	struct ds_resolve_opts ropts;
	const struct ds_resolve_opts *ropts_p; /* &ropts or NULL */
	char *servers;

	struct ds_listener **listeners;
	size_t n_listen;
	struct backend *backends;
	size_t n_backends;
	size_t rr;
	uint64_t fail_seq;

	struct ds_relay_ctx *rctx;
	struct ds_he_cache *hecache;

	struct conn *head, *tail;
	struct ds_proxy_stats st;

	struct group **buckets;
	size_t nbuckets, ngroups;
	struct group *idle_head, *idle_tail;
	size_t nidle;
	uint64_t seed;
	struct ds_timer *sweep;

	bool paused;
	bool draining, done_called, freeing;
	uint64_t drain_deadline_us;
	ds_proxy_drained_fn *drained;
	struct ds_timer *drain_timer;
	struct ds_defer *done_defer;
};

static void next_backend(struct conn *c);
static void backend_failed(struct conn *c, int err);

/* --- Small helpers -------------------------------------------------------- */

static uint64_t
realtime_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/*
 * ds_strerror()'s phrase for err with its first letter in lower case, for
 * the middle of a line ("connection refused"), unless the second is a
 * capital too ("IPv4 literal ...").
 */
static void
phrase(char *buf, size_t size, int err)
{
	snprintf(buf, size, "%s", ds_strerror(err));
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
}

/* The detail buffer, allocated on first use: most connections never
 * need one, and an idle one should not carry it. NULL without memory
 * (the log then has no detail). */
static char *
detail_buf(struct conn *c)
{
	if (!c->detail)
		c->detail = calloc(1, DETAIL_MAX);
	return c->detail;
}

/* Append "label: phrase" to the connection's detail, "; " between. */
static void
detail_add(struct conn *c, const char *label, int err)
{
	char *d = detail_buf(c);
	size_t len;
	char msg[256];

	if (!d)
		return;
	len = strlen(d);
	phrase(msg, sizeof(msg), err);
	snprintf(d + len, DETAIL_MAX - len, "%s%s%s%s", len ? "; " : "",
	    label ? label : "", label ? ": " : "", msg);
}

/* An event about backend be (NULL: a listener's), text being the whole
 * line and detail the part after "LABEL: ". */
static void
emit(struct ds_proxy *p, const char *name, const struct backend *be,
    const char *text, const char *detail, uint64_t hold_us)
{
	struct ds_proxy_event ev = {
	    .name = name,
	    .backend = be ? be->label : NULL,
	    .detail = detail,
	    .text = text,
	    .hold_us = hold_us,
	};

	if (p->on_event)
		p->on_event(p, &ev, p->userdata);
}

/* "busy" or "busy-over" (see proxy.h). */
static void
emit_busy(struct ds_proxy *p, bool over)
{
	char text[256];
	struct ds_proxy_event ev = {
	    .name = over ? "busy-over" : "busy",
	    .text = text,
	    .detail = text,
	    .active = p->st.active,
	    .limit = p->hard_max,
	    .refused = p->busy_refused,
	};

	if (over)
		snprintf(text, sizeof(text),
		    "%zu connections open: accepting again (%llu clients "
		    "reset)",
		    p->st.active, (unsigned long long)p->busy_refused);
	else
		snprintf(text, sizeof(text),
		    "%zu connections open, the most allowed: new clients are "
		    "reset",
		    p->st.active);
	if (p->on_event)
		p->on_event(p, &ev, p->userdata);
}

static void
pause_all(struct ds_proxy *p)
{
	if (p->paused)
		return;
	p->paused = true;
	for (size_t i = 0; i < p->n_listen; i++)
		if (p->listeners[i])
			(void)ds_listener_pause(p->listeners[i]);
}

static void
resume_all(struct ds_proxy *p)
{
	if (!p->paused)
		return;
	p->paused = false;
	for (size_t i = 0; i < p->n_listen; i++)
		if (p->listeners[i])
			(void)ds_listener_resume(p->listeners[i]);
}

/* --- Client groups -------------------------------------------------------- */

/* splitmix64's finaliser: every input bit reaches every output bit. */
static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/*
 * Keyed by a per-proxy random seed, so that a client cannot choose
 * addresses that pile into one chain without knowing it.
 */
static size_t
group_slot(const struct ds_proxy *p, int family, const uint8_t key[16])
{
	uint64_t h = p->seed ^ (uint64_t)family, w;

	memcpy(&w, key, 8);
	h = mix64(h ^ w);
	memcpy(&w, key + 8, 8);
	h = mix64(h ^ w);
	return (size_t)(h & (p->nbuckets - 1));
}

static void
group_key(const struct ds_proxy *p, const struct ds_addr *a, int *ret_family,
    uint8_t key[16])
{
	struct ds_prefix pf;

	memset(&pf, 0, sizeof(pf));
	pf.addr.family = a->family;
	memcpy(pf.addr.u.bytes, a->u.bytes, sizeof(pf.addr.u.bytes));
	pf.len = a->family == AF_INET ? p->prefix4 : p->prefix6;
	ds_prefix_normalize(&pf);
	*ret_family = a->family;
	memcpy(key, pf.addr.u.bytes, 16);
}

static struct group *
group_find(
    const struct ds_proxy *p, int family, const uint8_t key[16], size_t *slot)
{
	struct group *g;

	*slot = group_slot(p, family, key);
	for (g = p->buckets[*slot]; g; g = g->hnext)
		if (g->family == family && memcmp(g->key, key, 16) == 0)
			return g;
	return NULL;
}

static void
group_grow(struct ds_proxy *p)
{
	size_t n = p->nbuckets * 2;
	struct group **nb = calloc(n, sizeof(*nb));
	struct group **old = p->buckets;
	size_t oldn = p->nbuckets;

	if (!nb)
		return; /* longer chains, still correct */
	p->buckets = nb;
	p->nbuckets = n;
	for (size_t i = 0; i < oldn; i++) {
		struct group *g = old[i], *next;

		for (; g; g = next) {
			size_t s = group_slot(p, g->family, g->key);

			next = g->hnext;
			g->hnext = nb[s];
			nb[s] = g;
		}
	}
	free(old);
}

static void
idle_remove(struct ds_proxy *p, struct group *g)
{
	if (!g->idle)
		return;
	if (g->iprev)
		g->iprev->inext = g->inext;
	else
		p->idle_head = g->inext;
	if (g->inext)
		g->inext->iprev = g->iprev;
	else
		p->idle_tail = g->iprev;
	g->iprev = g->inext = NULL;
	g->idle = false;
	p->nidle--;
}

static void
group_free(struct ds_proxy *p, struct group *g)
{
	size_t s = group_slot(p, g->family, g->key);
	struct group **pp;

	idle_remove(p, g);
	for (pp = &p->buckets[s]; *pp; pp = &(*pp)->hnext) {
		if (*pp == g) {
			*pp = g->hnext;
			break;
		}
	}
	p->ngroups--;
	free(g);
}

static void
refill(const struct ds_proxy *p, struct group *g, uint64_t now)
{
	if (now <= g->refill_us)
		return;
	if (p->rate > 0) {
		g->tokens += (double)(now - g->refill_us) * p->rate / 1e6;
		if (g->tokens > p->burst)
			g->tokens = p->burst;
	}
	g->refill_us = now;
}

static bool
group_full(const struct ds_proxy *p, const struct group *g)
{
	return p->rate <= 0 || g->tokens >= p->burst;
}

/*
 * Count the connection in its client's group, or say why not: 0,
 * DS_PROXY_LIMIT, DS_PROXY_RATE, or -ENOMEM.
 */
static int
group_take(struct ds_proxy *p, struct conn *c)
{
	struct group *g;
	uint8_t key[16];
	int family;
	size_t slot;
	uint64_t now = ds_loop_now(p->loop);

	if (!p->max_per_client && p->rate <= 0)
		return 0;
	group_key(p, &c->log.client.addr, &family, key);
	g = group_find(p, family, key, &slot);
	if (g) {
		refill(p, g, now);
		if (p->max_per_client && g->conns >= p->max_per_client)
			return DS_PROXY_LIMIT;
		if (p->rate > 0 && g->tokens < 1.0)
			return DS_PROXY_RATE;
	} else {
		g = calloc(1, sizeof(*g));
		if (!g)
			return -ENOMEM;
		g->family = family;
		memcpy(g->key, key, 16);
		g->tokens = p->burst;
		g->refill_us = now;
		g->hnext = p->buckets[slot];
		p->buckets[slot] = g;
		if (++p->ngroups > 2 * p->nbuckets)
			group_grow(p);
	}
	if (p->rate > 0)
		g->tokens -= 1.0;
	idle_remove(p, g);
	g->conns++;
	c->grp = g;
	return 0;
}

static void
group_put(struct ds_proxy *p, struct conn *c)
{
	struct group *g = c->grp;

	if (!g)
		return;
	c->grp = NULL;
	if (--g->conns > 0)
		return;
	refill(p, g, ds_loop_now(p->loop));
	if (group_full(p, g) || p->freeing) {
		group_free(p, g);
		return;
	}
	g->idle = true;
	g->iprev = p->idle_tail;
	g->inext = NULL;
	if (p->idle_tail)
		p->idle_tail->inext = g;
	else
		p->idle_head = g;
	p->idle_tail = g;
	p->nidle++;
	if (p->nidle > IDLE_GROUPS_MAX)
		group_free(p, p->idle_head);
	if (!ds_timer_is_active(p->sweep))
		ds_timer_start_in(p->sweep, SWEEP_US);
}

static void
on_sweep(struct ds_timer *t, void *userdata)
{
	struct ds_proxy *p = userdata;
	uint64_t now = ds_loop_now(p->loop);
	struct group *g, *next;

	for (g = p->idle_head; g; g = next) {
		next = g->inext;
		refill(p, g, now);
		if (group_full(p, g))
			group_free(p, g);
	}
	if (p->nidle)
		ds_timer_start_in(t, SWEEP_US);
}

/* --- Ending a connection -------------------------------------------------- */

static void
waiter_remove(struct conn *c)
{
	struct backend *be = c->be;

	if (!c->waiting)
		return;
	if (c->wprev)
		c->wprev->wnext = c->wnext;
	else
		be->waiters = c->wnext;
	if (c->wnext)
		c->wnext->wprev = c->wprev;
	c->wprev = c->wnext = NULL;
	c->waiting = false;
}

/* Give up the backend attempt in progress, if any. */
static void
attempt_release(struct conn *c)
{
	if (c->state == CONN_BACKEND)
		c->io = ds_io_free(c->io);
	c->hc = ds_connect_free(c->hc);
	if (c->bfd >= 0)
		close(c->bfd);
	c->bfd = -1;
	waiter_remove(c);
	if (c->timer)
		ds_timer_stop(c->timer);
}

static void
relay_fill(struct conn *c, const struct ds_relay_stats *st)
{
	c->log.bytes_in = st->a_to_b;
	if (st->pre_b > c->hdr_len)
		c->log.bytes_in += st->pre_b - c->hdr_len;
	c->log.bytes_out = st->b_to_a;
	c->log.spliced = st->spliced;
}

static void
conn_unlink(struct ds_proxy *p, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		p->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		p->tail = c->prev;
	c->prev = c->next = NULL;
	p->st.active--;
}

/* Open connections at which "busy" is over: seven eighths of hard_max,
 * at least one fewer (see proxy.h). */
static size_t
busy_over_at(const struct ds_proxy *p)
{
	uint32_t step = p->hard_max / 8;

	return p->hard_max - (step ? step : 1);
}

/* After a connection is gone: max_conns, hard_max_conns, and the end of
 * a drain. */
static void
after_conn(struct ds_proxy *p)
{
	if (p->freeing)
		return;
	if (p->paused && !p->draining &&
	    (!p->max_conns || p->st.active < p->max_conns))
		resume_all(p);
	/* A drain closed the listeners: nobody is accepted again. */
	if (p->busy && (p->draining || p->st.active <= busy_over_at(p))) {
		p->busy = false;
		if (!p->draining)
			emit_busy(p, true);
	}
	if (p->draining && p->st.active == 0 && !p->done_called)
		ds_defer_schedule(p->done_defer);
}

/*
 * The one way out: release everything the connection holds (a client
 * socket still ours is reset), take it off the lists, log, free.
 */
static void
conn_end(
    struct conn *c, enum ds_proxy_close reason, int err, const char *detail)
{
	struct ds_proxy *p = c->p;
	struct ds_proxy_log *lg = &c->log;

	attempt_release(c);
	c->io = ds_io_free(c->io);
	c->timer = ds_timer_free(c->timer);
	if (c->relay) {
		relay_fill(c, ds_relay_stats(c->relay));
		c->relay = ds_relay_free(c->relay);
	}
	if (c->fd >= 0)
		ds__close_rst(c->fd);
	c->fd = -1;
	free(c->hbuf);
	c->hbuf = NULL;
	group_put(p, c);
	conn_unlink(p, c);

	lg->reason = reason;
	lg->err = err;
	lg->detail = detail && *detail ? detail : NULL;
	lg->duration_us = ds_time_now_us() - c->start_mono_us;
	switch (reason) {
	case DS_PROXY_ACL:
	case DS_PROXY_LIMIT:
	case DS_PROXY_RATE:
	case DS_PROXY_UNTRUSTED:
	case DS_PROXY_BAD_HEADER:
	case DS_PROXY_HEADER_TIMEOUT:
		p->st.refused++;
		break;
	case DS_PROXY_UNREACHABLE:
	case DS_PROXY_ERROR:
		p->st.failed++;
		break;
	default:
		break;
	}
	p->st.bytes_in += lg->bytes_in;
	p->st.bytes_out += lg->bytes_out;
	if (p->on_log)
		p->on_log(p, lg, p->userdata);
	free(c->detail);
	free(c);
	after_conn(p);
}

/* --- Relaying ------------------------------------------------------------- */

static void
on_relay_done(
    struct ds_relay *r, const struct ds_relay_stats *st, void *userdata)
{
	struct conn *c = userdata;
	enum ds_proxy_close reason;
	int err = 0;

	switch (st->end) {
	case DS_RELAY_EOF_A:
		reason = DS_PROXY_CLIENT_EOF;
		break;
	case DS_RELAY_EOF_B:
		reason = DS_PROXY_BACKEND_EOF;
		break;
	case DS_RELAY_RESET_A:
		reason = DS_PROXY_CLIENT_RESET;
		err = st->err;
		break;
	case DS_RELAY_RESET_B:
		reason = DS_PROXY_BACKEND_RESET;
		err = st->err;
		break;
	case DS_RELAY_TIMEOUT:
		reason = DS_PROXY_IDLE_TIMEOUT;
		break;
	case DS_RELAY_CLOSED:
		reason = DS_PROXY_SHUTDOWN;
		break;
	default:
		reason = DS_PROXY_ERROR;
		err = st->err;
		break;
	}
	relay_fill(c, st);
	c->relay = ds_relay_free(r);
	if (reason == DS_PROXY_ERROR && err)
		detail_add(c, NULL, err);
	conn_end(c, reason, err, c->detail);
}

/*
 * The backend is connected on bfd (ours now, with our watch bio on it or
 * NULL): write our header and the bytes that came after the client's,
 * and hand both sockets, and the watch, to a relay.
 */
static void
start_relay(struct conn *c, int bfd, struct ds_io *bio,
    const struct ds_endpoint *remote, const struct ds_endpoint *local,
    uint64_t connect_us)
{
	struct ds_proxy *p = c->p;
	struct backend *be = c->be;
	uint8_t pre[DS_PROXYPROTO_V1_STRLEN + HDR_BUF];
	size_t len = 0;
	int one = 1, r;

	c->timer = ds_timer_free(c->timer);
	/* The backend's side enters here, as the client's entered at the
	 * listener: a name may resolve to ::ffff:a.b.c.d, which an AF_INET6
	 * socket then reports; log it as the IPv4 it is. */
	c->log.backend = *remote;
	(void)ds_addr_unmap(&c->log.backend.addr, &c->log.backend.addr);
	c->log.backend_local = *local;
	(void)ds_addr_unmap(
	    &c->log.backend_local.addr, &c->log.backend_local.addr);
	c->log.connect_us = connect_us;
	if (be->failed) {
		char text[256];

		be->failed = false;
		snprintf(text, sizeof(text), "%s: connected again", be->label);
		emit(p, "backend-up", be, text, "connected again", 0);
	}

	/* Both ends carry a conversation, not a bulk stream of our own: no
	 * Nagle delay added on either (a failure costs only latency). The
	 * client's socket has it already, from the listener's. */
	(void)setsockopt(bfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	if (p->send_proxy) {
		struct ds_proxyproto_hdr h;

		memset(&h, 0, sizeof(h));
		h.src = c->log.client;
		h.dst = c->dst;
		if (p->send_proxy == 1)
			r = ds_proxyproto_format_v1(
			    &h, (char *)pre, sizeof(pre));
		else
			r = ds_proxyproto_format_v2(&h, pre, sizeof(pre));
		if (r < 0) {
			ds_io_free(bio);
			close(bfd);
			detail_add(c, "PROXY header", r);
			conn_end(c, DS_PROXY_ERROR, r, c->detail);
			return;
		}
		len = (size_t)r;
		c->hdr_len = len;
	}
	if (c->hlen) {
		memcpy(pre + len, c->hbuf, c->hlen);
		len += c->hlen;
	}
	r = ds__relay_new_io(p->rctx, c->fd, bfd, bio, len ? pre : NULL, len,
	    on_relay_done, c, &c->relay);
	if (r < 0) {
		ds_io_free(bio);
		close(bfd);
		detail_add(c, "relay", r);
		conn_end(c, DS_PROXY_ERROR, r, c->detail);
		return;
	}
	c->fd = -1;
	free(c->hbuf);
	c->hbuf = NULL;
	c->hlen = 0;
	c->state = CONN_RELAY;
	p->st.relayed++;
}

/* --- Backends ------------------------------------------------------------- */

/* Errors of our own host, not the backend's: trying another backend
 * would fail the same way, and marking this one helps nobody. */
static bool
local_error(int err)
{
	switch (-err) {
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case ENOBUFS:
	case EADDRNOTAVAIL:
		return true;
	default:
		return false;
	}
}

static void
mark_failed(struct ds_proxy *p, struct backend *be, int err)
{
	be->failed_us = ds_loop_now(p->loop);
	be->failed_seq = ++p->fail_seq;
	if (!be->failed) {
		char text[512], msg[256];

		phrase(msg, sizeof(msg), err);
		be->failed = true;
		snprintf(text, sizeof(text), "%s: %s; not used for %llu ms",
		    be->label, msg,
		    (unsigned long long)(p->fail_hold_us + 500) / 1000);
		emit(p, "backend-down", be, text, msg, p->fail_hold_us);
	}
}

/*
 * The next backend for c: round-robin from where the proxy's last
 * connection started (or after the one c just tried), skipping those c
 * tried and those marked failed within fail_hold_us; when only marked
 * ones are left, the one that failed longest ago.
 */
static struct backend *
pick(struct conn *c)
{
	struct ds_proxy *p = c->p;
	size_t n = p->n_backends;
	size_t start = c->log.backend_tries ? c->be->idx + 1 : p->rr;
	uint64_t now = ds_loop_now(p->loop);
	struct backend *oldest = NULL;

	for (size_t k = 0; k < n; k++) {
		size_t i = (start + k) % n;
		struct backend *b = &p->backends[i];

		if (c->tried[i])
			continue;
		if (b->failed && now - b->failed_us < p->fail_hold_us) {
			if (!oldest || b->failed_seq < oldest->failed_seq)
				oldest = b;
			continue;
		}
		if (!c->log.backend_tries)
			p->rr = (i + 1) % n;
		return b;
	}
	if (oldest && !c->log.backend_tries)
		p->rr = (oldest->idx + 1) % n;
	return oldest;
}

static void
on_connect_io(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct conn *c = userdata;
	struct sockaddr_storage ss;
	socklen_t len;
	struct ds_endpoint local;
	int err = ds__sock_error(fd);

	(void)events;
	if (err == -EINPROGRESS || err == -EALREADY)
		return;
	if (err) {
		backend_failed(c, err);
		return;
	}
	memset(&local, 0, sizeof(local));
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		(void)ds_endpoint_from_sockaddr(
		    (struct sockaddr *)&ss, len, &local);
	/* The watch goes to the relay with the socket. */
	c->io = NULL;
	c->bfd = -1;
	ds_timer_stop(c->timer);
	start_relay(
	    c, fd, io, &c->be->ep, &local, ds_time_now_us() - c->attempt_us);
}

/* A numeric backend: one non-blocking connect. */
static void
plain_connect(struct conn *c)
{
	struct backend *be = c->be;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, r;

	if (be->numeric_err) {
		backend_failed(c, be->numeric_err);
		return;
	}
	r = ds_endpoint_to_sockaddr(&be->ep, &ss, &len);
	if (r < 0) {
		backend_failed(c, r);
		return;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_TCP);
	if (fd == -1) {
		backend_failed(c, -errno);
		return;
	}
	c->bfd = fd;
	if (connect(fd, (struct sockaddr *)&ss, len) == -1 &&
	    errno != EINPROGRESS) {
		backend_failed(c, -errno);
		return;
	}
	/* Even a connect that completed at once is reported writable: one
	 * path for both. */
	r = ds_io_new(c->p->loop, fd, DS_IO_OUT, on_connect_io, c, &c->io);
	if (r < 0)
		backend_failed(c, r);
}

static void
on_he_done(
    struct ds_connect *hc, const struct ds_connect_result *r, void *userdata)
{
	struct conn *c = userdata;
	struct ds_endpoint remote = r->remote, local = r->local;
	uint64_t connect_us = r->connect_us;
	int err = r->err, fd = r->fd;

	(void)hc;
	c->hc = ds_connect_free(c->hc);
	if (err) {
		backend_failed(c, err);
		return;
	}
	ds_timer_stop(c->timer);
	start_relay(c, fd, NULL, &remote, &local, connect_us);
}

/* A name with addresses in hand: race them, no DNS. */
static void
he_start(struct conn *c)
{
	struct ds_proxy *p = c->p;
	struct backend *be = c->be;
	struct ds_connect_opts o;
	int r;

	ds_connect_opts_init(&o);
	if (p->ropts_p)
		o.resolve = *p->ropts_p;
	o.timeout_us = 0; /* our timer bounds the backend */
	o.cache = p->hecache;
	o.addrs = be->addrs;
	o.n_addrs = be->n_addrs;
	r = ds_connect_new(
	    p->loop, be->host, be->port, &o, on_he_done, c, &c->hc);
	if (r < 0)
		backend_failed(c, r);
}

static int start_resolve(struct backend *be);

static void
on_resolved(struct ds_resolve *res, enum ds_resolve_type type,
    const struct ds_resolve_query *q, void *userdata)
{
	struct backend *be = userdata;
	struct ds_proxy *p = be->p;
	struct ds_endpoint *addrs;
	size_t n = 0, total = 0;
	uint32_t ttl = TTL_MAX_S;
	uint64_t now = ds_loop_now(p->loop);
	int err = 0;
	char text[512], msg[256];
	struct conn *c;

	(void)type;
	(void)q;
	if (!ds_resolve_is_done(res))
		return;
	for (int t = 0; t < DS_RESOLVE_TYPES; t++) {
		const struct ds_resolve_query *qq = ds_resolve_get(res, t);

		if (qq->asked && qq->status == 0)
			total += qq->n_answers;
	}
	if (total > DS_HE_MAX_CANDIDATES)
		total = DS_HE_MAX_CANDIDATES;
	addrs = total ? calloc(total, sizeof(*addrs)) : NULL;
	for (int t = 0; t < DS_RESOLVE_TYPES && addrs; t++) {
		const struct ds_resolve_query *qq = ds_resolve_get(res, t);

		if (!qq->asked || qq->status != 0)
			continue;
		for (size_t i = 0; i < qq->n_answers && n < total; i++) {
			addrs[n].addr = qq->answers[i].addr;
			addrs[n].port = be->port;
			if (qq->answers[i].ttl < ttl)
				ttl = qq->answers[i].ttl;
			n++;
		}
	}
	/* Why nothing came: the A query's status, unless it was not asked
	 * or only says "no such record" where AAAA says more. */
	for (int t = DS_RESOLVE_TYPES - 1; t >= 0 && !n; t--) {
		const struct ds_resolve_query *qq = ds_resolve_get(res, t);

		if (qq->asked && qq->status &&
		    (!err || err == -DS_E_DNS_NODATA))
			err = qq->status;
	}
	if (!n && !err)
		err = total ? -ENOMEM : -DS_E_NO_ADDRESS;
	be->res = ds_resolve_free(res);

	if (n) {
		if (ttl < TTL_MIN_S)
			ttl = TTL_MIN_S;
		free(be->addrs);
		be->addrs = addrs;
		be->n_addrs = n;
		be->expires_us = now + (uint64_t)ttl * 1000000u;
		be->neg_err = 0;
		snprintf(text, sizeof(text), "%s: %zu address%s, again in %u s",
		    be->label, n, n == 1 ? "" : "es", ttl);
		emit(p, "resolved", be, text, text + strlen(be->label) + 2, 0);
	} else {
		free(addrs);
		if (be->n_addrs) {
			/* Keep what worked; ask again soon. */
			be->expires_us = now + RESOLVE_RETRY_US;
		} else {
			be->neg_err = err;
			be->neg_until_us = now + RESOLVE_RETRY_US;
		}
		phrase(msg, sizeof(msg), err);
		snprintf(text, sizeof(text), "%s: %s%s", be->label, msg,
		    be->n_addrs ? "; keeping the last addresses" : "");
		emit(p, "resolve-failed", be, text,
		    text + strlen(be->label) + 2, 0);
	}

	/* The waiters go on, one at a time: each may end, or move on to
	 * another backend, but never comes back to this one. */
	while ((c = be->waiters)) {
		waiter_remove(c);
		if (be->n_addrs)
			he_start(c);
		else
			backend_failed(c, err);
	}
}

static int
start_resolve(struct backend *be)
{
	struct ds_proxy *p = be->p;

	return ds_resolve_new(
	    p->loop, be->host, p->ropts_p, on_resolved, be, &be->res);
}

/* A backend given by name. */
static void
named_connect(struct conn *c)
{
	struct backend *be = c->be;
	uint64_t now = ds_loop_now(c->p->loop);
	int r;

	if (be->n_addrs) {
		/* Stale addresses still serve while the new answer comes. */
		if (now >= be->expires_us && !be->res && start_resolve(be) < 0)
			be->expires_us = now + RESOLVE_RETRY_US;
		he_start(c);
		return;
	}
	if (be->neg_err && now < be->neg_until_us) {
		backend_failed(c, be->neg_err);
		return;
	}
	if (!be->res) {
		r = start_resolve(be);
		if (r < 0) {
			backend_failed(c, r);
			return;
		}
	}
	c->wprev = NULL;
	c->wnext = be->waiters;
	if (be->waiters)
		be->waiters->wprev = c;
	be->waiters = c;
	c->waiting = true;
}

static void
next_backend(struct conn *c)
{
	struct ds_proxy *p = c->p;
	struct backend *be = pick(c);

	if (!be) {
		conn_end(c, DS_PROXY_UNREACHABLE, c->last_err, c->detail);
		return;
	}
	c->tried[be->idx] = 1;
	c->log.backend_tries++;
	c->be = be;
	c->log.backend_name = be->host;
	c->attempt_us = ds_time_now_us();
	ds_timer_start_in(c->timer, p->connect_timeout_us);
	if (be->numeric)
		plain_connect(c);
	else
		named_connect(c);
}

/* The backend being tried failed with err: note it, try the next. */
static void
backend_failed(struct conn *c, int err)
{
	attempt_release(c);
	c->last_err = err;
	detail_add(c, c->be->label, err);
	if (local_error(err)) {
		conn_end(c, DS_PROXY_ERROR, err, c->detail);
		return;
	}
	mark_failed(c->p, c->be, err);
	next_backend(c);
}

/* --- Admission ------------------------------------------------------------ */

/* The client is known (its own peer, or the header's): check, limit,
 * connect. */
static void
admit(struct conn *c)
{
	struct ds_proxy *p = c->p;
	int r;

	if (p->acl && !ds_acl_check(p->acl, &c->log.client.addr)) {
		conn_end(c, DS_PROXY_ACL, 0, NULL);
		return;
	}
	r = group_take(p, c);
	if (r < 0) {
		detail_add(c, NULL, r);
		conn_end(c, DS_PROXY_ERROR, r, c->detail);
		return;
	}
	if (r > 0) {
		conn_end(c, (enum ds_proxy_close)r, 0, NULL);
		return;
	}
	c->state = CONN_BACKEND;
	next_backend(c);
}

/* --- The PROXY header ----------------------------------------------------- */

static void
header_failed(struct conn *c, int r, size_t pos)
{
	const char *ver = "";
	const char *what;

	if (c->hlen && c->hbuf[0] == 'P')
		ver = "v1: ";
	else if (c->hlen && c->hbuf[0] == (uint8_t)DS_PROXYPROTO_V2_SIG[0])
		ver = "v2: ";
	switch (r) {
	case -EPROTO:
		ver = "";
		what = "not a PROXY header";
		break;
	case -E2BIG:
		what = "too long";
		break;
	default:
		what = "malformed";
		break;
	}
	if (detail_buf(c))
		snprintf(
		    c->detail, DETAIL_MAX, "%s%s at byte %zu", ver, what, pos);
	conn_end(c, DS_PROXY_BAD_HEADER, r, c->detail);
}

static void
on_header_io(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct conn *c = userdata;
	struct ds_proxyproto_hdr h;
	size_t pos = 0;
	ssize_t n;
	int r;

	(void)io;
	(void)events;
	n = recv(fd, c->hbuf + c->hlen, HDR_BUF - c->hlen, 0);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		r = -errno;
		if (r == -ECONNRESET) {
			conn_end(c, DS_PROXY_CLIENT_RESET, r, NULL);
			return;
		}
		detail_add(c, "recv", r);
		conn_end(c, DS_PROXY_ERROR, r, c->detail);
		return;
	}
	if (n == 0) {
		if (detail_buf(c))
			snprintf(c->detail, DETAIL_MAX,
			    "closed after %zu bytes, before a whole header",
			    c->hlen);
		conn_end(c, DS_PROXY_BAD_HEADER, -ENODATA, c->detail);
		return;
	}
	c->hlen += (size_t)n;
	r = ds_proxyproto_parse(c->hbuf, c->hlen, &h, &pos);
	if (r == -EAGAIN) {
		if (c->hlen < HDR_BUF)
			return;
		/* Cannot happen: the parser gives up on a header longer
		 * than the buffer before it is full. */
		r = -E2BIG;
		pos = c->hlen;
	}
	if (r < 0) {
		header_failed(c, r, pos);
		return;
	}

	c->log.header_version = h.version;
	if (!h.local) {
		/* Normalised by the parser: an IPv4 client is AF_INET
		 * whether the header was TCP4 or TCP6 with ::ffff:a.b.c.d. */
		c->log.client = h.src;
		c->dst = h.dst;
		c->log.proxied = true;
		c->log.family =
		    h.src.addr.family == AF_INET ? DS_FAMILY_V4 : DS_FAMILY_V6;
	}
	c->hlen -= h.len;
	memmove(c->hbuf, c->hbuf + h.len, c->hlen);
	c->io = ds_io_free(c->io);
	ds_timer_stop(c->timer);
	admit(c);
}

static void
start_header(struct conn *c)
{
	struct ds_proxy *p = c->p;
	int r;

	/* Only allow rules name who may speak: an empty list trusts
	 * nobody, and a peer no rule names is not trusted. */
	if (ds_acl_match(p->trusted, &c->log.via.addr, NULL) != DS_ACL_ALLOW) {
		conn_end(c, DS_PROXY_UNTRUSTED, 0, NULL);
		return;
	}
	c->hbuf = malloc(HDR_BUF);
	if (!c->hbuf) {
		conn_end(c, DS_PROXY_ERROR, -ENOMEM, NULL);
		return;
	}
	c->state = CONN_HEADER;
	r = ds_io_new(p->loop, c->fd, DS_IO_IN, on_header_io, c, &c->io);
	if (r < 0) {
		detail_add(c, NULL, r);
		conn_end(c, DS_PROXY_ERROR, r, c->detail);
		return;
	}
	ds_timer_start_in(c->timer, p->header_timeout_us);
}

static void
on_conn_timer(struct ds_timer *t, void *userdata)
{
	struct conn *c = userdata;

	(void)t;
	if (c->state == CONN_HEADER) {
		if (detail_buf(c))
			snprintf(c->detail, DETAIL_MAX,
			    "%zu bytes in %llu ms, no whole header", c->hlen,
			    (unsigned long long)(c->p->header_timeout_us +
			        500) /
			        1000);
		conn_end(c, DS_PROXY_HEADER_TIMEOUT, -ETIMEDOUT, c->detail);
	} else if (c->state == CONN_BACKEND) {
		backend_failed(c, -ETIMEDOUT);
	}
}

/* --- Accepting ------------------------------------------------------------ */

/*
 * A client turned away before it has a struct conn: reset, counted and
 * logged with what the accept told (DS_PROXY_BUSY, or DS_PROXY_ERROR
 * with -ENOMEM).
 */
static void
turn_away(struct ds_proxy *p, int fd, const struct ds_tuple *t,
    enum ds_proxy_close reason, int err)
{
	struct ds_proxy_log lg;

	memset(&lg, 0, sizeof(lg));
	lg.start_us = realtime_us();
	lg.client = t->src;
	lg.family = t->family;
	lg.listener = t->dst;
	lg.reason = reason;
	lg.err = err;
	ds__close_rst(fd);
	if (reason == DS_PROXY_BUSY)
		p->st.refused++;
	else
		p->st.failed++;
	if (p->on_log)
		p->on_log(p, &lg, p->userdata);
}

static void
on_accept(
    struct ds_listener *l, int fd, const struct ds_tuple *t, void *userdata)
{
	struct ds_proxy *p = userdata;
	struct conn *c;
	int r;

	(void)l;
	p->st.accepted++;
	/* Before anything is allocated for it: the cheapest refusal, for a
	 * crowd. The accept itself took the one descriptor that
	 * DS_PROXY_FD_SPARE keeps for it, given back at once. */
	if (p->hard_max && p->st.active >= p->hard_max) {
		if (!p->busy) {
			p->busy = true;
			p->busy_refused = 0;
			emit_busy(p, false);
		}
		p->busy_refused++;
		turn_away(p, fd, t, DS_PROXY_BUSY, 0);
		return;
	}
	c = calloc(1, sizeof(*c) + p->n_backends);
	if (!c) {
		turn_away(p, fd, t, DS_PROXY_ERROR, -ENOMEM);
		return;
	}
	c->p = p;
	c->fd = fd;
	c->bfd = -1;
	c->log.start_us = realtime_us();
	c->start_mono_us = ds_time_now_us();
	/* The listener normalised both ends (ds_tuple). */
	c->log.client = t->src;
	c->log.family = t->family;
	c->log.listener = t->dst;
	c->dst = c->log.listener;

	c->prev = p->tail;
	if (p->tail)
		p->tail->next = c;
	else
		p->head = c;
	p->tail = c;
	p->st.active++;
	if (p->max_conns && p->st.active >= p->max_conns && !p->draining)
		pause_all(p);

	r = ds_timer_new(p->loop, on_conn_timer, c, &c->timer);
	if (r < 0) {
		conn_end(c, DS_PROXY_ERROR, r, NULL);
		return;
	}
	if (p->accept_proxy) {
		c->log.via = c->log.client;
		start_header(c);
		return;
	}
	admit(c);
}

static void
on_listen_event(struct ds_listener *l, int err, void *userdata)
{
	struct ds_proxy *p = userdata;
	size_t i;
	char text[512], msg[256];

	for (i = 0; i < p->n_listen; i++)
		if (p->listeners[i] == l)
			break;
	if (err) {
		phrase(msg, sizeof(msg), err);
		snprintf(text, sizeof(text),
		    "listener %zu: accept: %s; pausing before trying again", i,
		    msg);
		emit(p, "accept-error", NULL, text, text, 0);
	} else {
		snprintf(
		    text, sizeof(text), "listener %zu: accepting again", i);
		emit(p, "accept-ok", NULL, text, text, 0);
	}
}

/* --- Draining ------------------------------------------------------------- */

static void
on_done_defer(struct ds_defer *d, void *userdata)
{
	struct ds_proxy *p = userdata;

	(void)d;
	if (!p->draining || p->st.active || p->done_called)
		return;
	p->done_called = true;
	ds_timer_stop(p->drain_timer);
	/* Last: the callback may free the proxy. */
	if (p->drained)
		p->drained(p, p->userdata);
}

static void
on_drain_timer(struct ds_timer *t, void *userdata)
{
	struct ds_proxy *p = userdata;
	struct conn *c, *next;

	(void)t;
	/* A log callback may drain again (which only moves this timer) or
	 * change the ACL; nothing it can do frees another connection, so
	 * the next one stays valid. */
	for (c = p->head; c; c = next) {
		next = c->next;
		if (c->state == CONN_RELAY) {
			if (!c->closing) {
				c->closing = true;
				ds_relay_close(c->relay, false);
			}
		} else {
			conn_end(c, DS_PROXY_SHUTDOWN, 0, NULL);
		}
	}
}

void
ds_proxy_drain(
    struct ds_proxy *p, uint64_t deadline_us, ds_proxy_drained_fn *done)
{
	uint64_t deadline = ds_time_now_us() + deadline_us;

	if (!p)
		return;
	if (done)
		p->drained = done;
	if (!p->draining) {
		p->draining = true;
		p->drain_deadline_us = deadline;
		for (size_t i = 0; i < p->n_listen; i++)
			p->listeners[i] = ds_listener_free(p->listeners[i]);
	} else {
		if (p->done_called || deadline >= p->drain_deadline_us)
			return;
		p->drain_deadline_us = deadline;
	}
	if (p->st.active == 0) {
		ds_defer_schedule(p->done_defer);
		return;
	}
	ds_timer_start_at(p->drain_timer, deadline);
}

/* --- The proxy ------------------------------------------------------------ */

static int
check_config(const struct ds_proxy_config *cfg)
{
	if (!cfg || !cfg->listen || !cfg->n_listen || !cfg->backends ||
	    !cfg->n_backends)
		return -EINVAL;
	for (size_t i = 0; i < cfg->n_backends; i++)
		if (!cfg->backends[i].host || !cfg->backends[i].host[0] ||
		    !cfg->backends[i].port)
			return -EINVAL;
	if (cfg->send_proxy < 0 || cfg->send_proxy > 2)
		return -EINVAL;
	if (cfg->accept_proxy && !cfg->trusted)
		return -EINVAL;
	if (cfg->client_prefix6 > 128 || cfg->client_prefix4 > 32)
		return -EINVAL;
	if (!(cfg->rate >= 0)) /* negative or NaN */
		return -EINVAL;
	return 0;
}

static int
backend_init(struct ds_proxy *p, struct backend *be, size_t idx,
    const struct ds_proxy_backend *cb)
{
	size_t hl = strlen(cb->host);
	char buf[DS_ENDPOINT_STRLEN];
	struct ds_addr a;

	be->p = p;
	be->idx = idx;
	be->port = cb->port;
	be->host = strdup(cb->host);
	if (!be->host)
		return -ENOMEM;
	memset(&a, 0, sizeof(a));
	if (ds_addr_parse(cb->host, hl, 0, &a, NULL) == 0) {
		be->numeric = true;
		(void)ds_addr_unmap(&a, &a);
		be->ep.addr = a;
		be->ep.port = cb->port;
		if (p->ropts_p &&
		    ((p->ropts.family == DS_RESOLVE_ONLY_V4 &&
		         a.family != AF_INET) ||
		        (p->ropts.family == DS_RESOLVE_ONLY_V6 &&
		            a.family != AF_INET6)))
			be->numeric_err = -DS_E_NO_ADDRESS;
		(void)ds_endpoint_format(&be->ep, 0, buf, sizeof(buf));
		be->label = strdup(buf);
	} else {
		size_t n = hl + 8;

		be->label = malloc(n);
		if (be->label)
			snprintf(be->label, n, "%s:%u", cb->host, cb->port);
	}
	return be->label ? 0 : -ENOMEM;
}

int
ds_proxy_new(struct ds_loop *loop, const struct ds_proxy_config *cfg,
    ds_proxy_log_fn *on_log, ds_proxy_event_fn *on_event, void *userdata,
    struct ds_proxy_report *report, struct ds_proxy **ret)
{
	struct ds_proxy *p;
	struct ds_relay_opts ro;
	int r;

	if (!loop || !ret)
		return -EINVAL;
	if (report && cfg)
		report->failed = cfg->n_listen;
	r = check_config(cfg);
	if (r < 0)
		return r;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->loop = loop;
	p->on_log = on_log;
	p->on_event = on_event;
	p->userdata = userdata;
	p->send_proxy = cfg->send_proxy;
	p->accept_proxy = cfg->accept_proxy;
	p->trusted = cfg->trusted;
	p->acl = cfg->acl;
	p->max_conns = cfg->max_conns;
	p->hard_max = cfg->hard_max_conns;
	p->max_per_client = cfg->max_conns_per_client;
	p->rate = cfg->rate;
	if (cfg->burst)
		p->burst = cfg->burst;
	else if (cfg->rate > 4e9)
		p->burst = 4e9;
	else {
		uint32_t b = (uint32_t)cfg->rate;

		if ((double)b < cfg->rate)
			b++;
		p->burst = b ? b : 1;
	}
	p->prefix6 =
	    cfg->client_prefix6 ? cfg->client_prefix6 : DS_PROXY_CLIENT_PREFIX6;
	p->prefix4 =
	    cfg->client_prefix4 ? cfg->client_prefix4 : DS_PROXY_CLIENT_PREFIX4;
	p->connect_timeout_us = cfg->connect_timeout_us
	    ? cfg->connect_timeout_us
	    : DS_PROXY_CONNECT_TIMEOUT_US;
	p->header_timeout_us = cfg->header_timeout_us
	    ? cfg->header_timeout_us
	    : DS_PROXY_HEADER_TIMEOUT_US;
	p->fail_hold_us =
	    cfg->fail_hold_us ? cfg->fail_hold_us : DS_PROXY_FAIL_HOLD_US;
	if (cfg->resolve) {
		p->ropts = *cfg->resolve;
		if (cfg->resolve->servers) {
			p->servers = strdup(cfg->resolve->servers);
			if (!p->servers) {
				r = -ENOMEM;
				goto fail;
			}
			p->ropts.servers = p->servers;
		}
		p->ropts_p = &p->ropts;
	}
	if (getrandom(&p->seed, sizeof(p->seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(p->seed))
		p->seed = mix64(ds_time_now_us() ^ (uint64_t)(uintptr_t)p);

	p->nbuckets = GROUPS_BUCKETS_MIN;
	p->buckets = calloc(p->nbuckets, sizeof(*p->buckets));
	p->backends = calloc(cfg->n_backends, sizeof(*p->backends));
	p->listeners = calloc(cfg->n_listen, sizeof(*p->listeners));
	if (!p->buckets || !p->backends || !p->listeners) {
		r = -ENOMEM;
		goto fail;
	}
	p->n_backends = cfg->n_backends;
	for (size_t i = 0; i < cfg->n_backends; i++) {
		r = backend_init(p, &p->backends[i], i, &cfg->backends[i]);
		if (r < 0)
			goto fail;
	}
	if (cfg->relay)
		ro = *cfg->relay;
	else
		memset(&ro, 0, sizeof(ro));
	r = ds_relay_ctx_new(loop, &ro, &p->rctx);
	if (r < 0)
		goto fail;
	r = ds_he_cache_new(0, &p->hecache);
	if (r < 0)
		goto fail;
	r = ds_timer_new(loop, on_sweep, p, &p->sweep);
	if (r < 0)
		goto fail;
	r = ds_timer_new(loop, on_drain_timer, p, &p->drain_timer);
	if (r < 0)
		goto fail;
	r = ds_defer_new(loop, on_done_defer, p, &p->done_defer);
	if (r < 0)
		goto fail;

	/* Listeners last: nothing is accepted before the rest is ready. */
	p->n_listen = cfg->n_listen;
	for (size_t i = 0; i < cfg->n_listen; i++) {
		struct ds_listen_config lc = cfg->listen[i];

		lc.nodelay = true; /* see start_relay() */
		r = ds_listener_new(loop, &lc, on_accept, on_listen_event, p,
		    report && report->listen ? &report->listen[i] : NULL,
		    &p->listeners[i]);
		if (r < 0) {
			if (report)
				report->failed = i;
			goto fail;
		}
	}
	*ret = p;
	return 0;
fail:
	ds_proxy_free(p);
	return r;
}

int
ds_proxy_fd_budget(
    uint64_t limit, uint64_t in_use, unsigned n, struct ds_proxy_fd_budget *ret)
{
	uint64_t b, c, pipes;

	memset(ret, 0, sizeof(*ret));
	if (n == 0)
		return -EINVAL;
	if (limit <= in_use || limit - in_use <= DS_PROXY_FD_SPARE)
		return -EMFILE;
	b = limit - in_use - DS_PROXY_FD_SPARE;
	/* RLIM_INFINITY and its like: more than a uint32_t per proxy means
	 * nothing. */
	if (b > (uint64_t)UINT32_MAX * 4)
		b = (uint64_t)UINT32_MAX * 4;
	c = b * 2 / 5;
	pipes = c / 4;
	c /= n;
	pipes /= n;
	ret->conns = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
	ret->pipes = pipes > UINT32_MAX ? UINT32_MAX : (uint32_t)pipes;
	return ret->conns ? 0 : -EMFILE;
}

void
ds_proxy_set_acl(struct ds_proxy *p, const struct ds_acl *acl)
{
	if (p)
		p->acl = acl;
}

void
ds_proxy_get_stats(const struct ds_proxy *p, struct ds_proxy_stats *ret)
{
	*ret = p->st;
	ret->clients = p->ngroups;
}

size_t
ds_proxy_endpoints(
    const struct ds_proxy *p, size_t i, struct ds_endpoint *ret, size_t n)
{
	if (!p || i >= p->n_listen || !p->listeners[i])
		return 0;
	return ds_listener_endpoints(p->listeners[i], ret, n);
}

int
ds_proxy_steer(struct ds_proxy *p, unsigned n)
{
	int r;

	if (!p || n == 0)
		return -EINVAL;
	for (size_t i = 0; i < p->n_listen; i++) {
		if (!p->listeners[i])
			continue;
		r = ds_listener_steer(
		    p->listeners[i], n, p->prefix6, p->prefix4);
		if (r < 0)
			return r;
	}
	return 0;
}

struct ds_proxy *
ds_proxy_free(struct ds_proxy *p)
{
	if (!p)
		return NULL;
	p->freeing = true;
	for (size_t i = 0; i < p->n_listen; i++)
		p->listeners[i] = ds_listener_free(p->listeners[i]);
	while (p->head)
		conn_end(p->head, DS_PROXY_SHUTDOWN, 0, NULL);
	for (size_t i = 0; p->backends && i < p->n_backends; i++) {
		struct backend *be = &p->backends[i];

		ds_resolve_free(be->res);
		free(be->addrs);
		free(be->host);
		free(be->label);
	}
	free(p->backends);
	while (p->idle_head)
		group_free(p, p->idle_head);
	for (size_t i = 0; p->buckets && i < p->nbuckets; i++) {
		while (p->buckets[i])
			group_free(p, p->buckets[i]);
	}
	free(p->buckets);
	free(p->listeners);
	ds_relay_ctx_free(p->rctx);
	ds_he_cache_free(p->hecache);
	ds_timer_free(p->sweep);
	ds_timer_free(p->drain_timer);
	ds_defer_free(p->done_defer);
	free(p->servers);
	free(p);
	return NULL;
}
