/* SPDX-License-Identifier: MIT */
/*
 * ds_listen: dual-stack TCP listeners.
 *
 * A listener is one or two listening sockets (IPv6 first, then IPv4), each
 * watched level-triggered on the loop, plus one back-off timer used when
 * the process runs out of descriptors or memory. See
 * include/dualstack/listen.h for the contract.
 */
#include <errno.h>
#include <linux/filter.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dualstack/listen.h"

/*
 * Connections taken from the backlog per wakeup, at most. The watch is
 * level-triggered, so what is left is reported again on the next
 * iteration; the bound only keeps one busy listener from starving the
 * other descriptors and the timers of the same loop. 64 is a judgement
 * call: enough to amortise one epoll_wait() over a burst, small next to a
 * SOMAXCONN (4096) backlog.
 */
#define ACCEPT_BATCH 64

/*
 * Separate mode with port 0: the IPv6 socket picks an ephemeral port and
 * the IPv4 socket must get the same one, which another program may hold
 * on IPv4 only. Each retry draws a new ephemeral port; 16 misses in a row
 * mean the port range is nearly exhausted and more tries will not help.
 */
#define PORT_TRIES 16

/* The back-off after EMFILE and friends, as listen.h promises. */
#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 1000

struct ds_listener;

/* One listening socket. */
struct lsock {
	struct ds_listener *l;
	struct ds_io *io;
	int fd;
	bool any; /* bound to the unspecified address */
	struct ds_endpoint bound;
};

struct ds_listener {
	struct ds_loop *loop;
	ds_accept_fn *on_accept;
	ds_listen_event_fn *on_event;
	void *userdata;
	struct lsock sock[2];
	size_t nsock;
	struct ds_timer *backoff;
	unsigned backoff_ms;  /* the next back-off delay */
	bool paused;          /* by ds_listener_pause() */
	bool backing_off;     /* the watches are off until the timer fires */
	bool starved;         /* an episode is on: reported, not yet over */
	unsigned dispatching; /* user callbacks may be running (on_io) */
	bool freed;           /* ds_listener_free() ran inside a callback */
};

/* --- Names --------------------------------------------------------------- */

static const char *const mode_names[] = {
    [DS_LISTEN_DUAL] = "dual",
    [DS_LISTEN_SEPARATE] = "separate",
    [DS_LISTEN_V6ONLY] = "v6only",
    [DS_LISTEN_V4ONLY] = "v4only",
};

#define N_MODES (sizeof(mode_names) / sizeof(mode_names[0]))

const char *
ds_listen_mode_name(enum ds_listen_mode mode)
{
	if (mode == 0)
		mode = DS_LISTEN_DUAL; /* as in struct ds_listen_config */
	if ((unsigned)mode >= N_MODES || !mode_names[mode])
		return "unknown";
	return mode_names[mode];
}

int
ds_listen_mode_parse(const char *s, enum ds_listen_mode *ret)
{
	if (!s)
		return -EINVAL;
	for (unsigned m = 0; m < N_MODES; m++) {
		if (mode_names[m] && strcmp(s, mode_names[m]) == 0) {
			*ret = (enum ds_listen_mode)m;
			return 0;
		}
	}
	return -EINVAL;
}

/* --- Naming the ends of a connection ------------------------------------- */

/*
 * A zone the kernel gave as a number (sin6_scope_id) as the interface's
 * name, which is what people write and read ("fe80::1%eth0", not "%2");
 * scope_id keeps the number. Only scoped addresses carry a zone, so the
 * lookup (an ioctl) is not paid for global peers.
 */
static void
name_zone(struct ds_addr *a)
{
	char name[IF_NAMESIZE];

	if (a->zone[0] && a->scope_id && if_indextoname(a->scope_id, name) &&
	    strlen(name) < sizeof(a->zone))
		memcpy(a->zone, name, strlen(name) + 1);
}

/*
 * Turn IPv4-mapped ends (RFC 4291 section 2.5.5.2) into IPv4 and decide
 * which family the client used. An AF_INET6 socket sees every peer as
 * AF_INET6; a mapped peer there is an IPv4 client that came in through a
 * socket with IPV6_V6ONLY off.
 */
static void
finish_tuple(int sock_family, struct ds_tuple *t)
{
	bool mapped = ds_addr_unmap(&t->src.addr, &t->src.addr);

	ds_addr_unmap(&t->dst.addr, &t->dst.addr);
	name_zone(&t->src.addr);
	name_zone(&t->dst.addr);
	if (sock_family == AF_INET)
		t->family = DS_FAMILY_V4;
	else if (mapped)
		t->family = DS_FAMILY_V4_MAPPED;
	else
		t->family = DS_FAMILY_V6;
}

int
ds_tuple_from_fd(int fd, struct ds_tuple *ret)
{
	struct ds_tuple t = {0};
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int protocol;
	socklen_t plen = sizeof(protocol);
	int r;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -errno;
	r = ds_endpoint_from_sockaddr((struct sockaddr *)&ss, len, &t.dst);
	if (r < 0)
		return r;
	len = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return -errno;
	r = ds_endpoint_from_sockaddr((struct sockaddr *)&ss, len, &t.src);
	if (r < 0)
		return r;
	/* SO_PROTOCOL: socket(7), Linux 2.6.32. */
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &plen) == -1)
		return -errno;
	t.protocol = (uint8_t)protocol;
	finish_tuple(t.dst.addr.family, &t);
	*ret = t;
	return 0;
}

/* --- Opening the sockets ------------------------------------------------- */

/* One socket the mode asks for. */
struct plan {
	struct ds_endpoint ep; /* what to bind; the port is set per try */
	int v6only;            /* IPV6_V6ONLY for AF_INET6 */
	bool any;              /* ep is the unspecified address */
};

/* What happened to one socket in one try. */
struct
try {
	int fd; /* -1 unless bound */
	int err;
	const char *step;
	bool missing; /* the host lacks the family: not fatal by itself */
	struct ds_endpoint bound;
};

static bool
addr_is_any(const struct ds_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->u.bytes, zero, sizeof(zero)) == 0;
}

static bool
zone_is_numeric(const char *zone)
{
	for (; *zone; zone++) {
		if (*zone < '0' || *zone > '9')
			return false;
	}
	return true;
}

/* The report entry for a family. */
#define REPORT_ENTRY(rep, family)                                              \
	((family) == AF_INET ? &(rep)->v4 : &(rep)->v6)

/*
 * Which sockets cfg asks for, IPv6 first: in separate mode with port 0
 * the IPv6 socket chooses the port. On a conflict between the mode and
 * the address family, the entry of the address's family says "mode".
 */
static int
make_plans(const struct ds_listen_config *cfg, struct plan *plans,
    size_t *ret_n, struct ds_listen_report *rep)
{
	enum ds_listen_mode mode = cfg->mode ? cfg->mode : DS_LISTEN_DUAL;
	const struct ds_addr *a = &cfg->where.addr;
	struct plan v6 = {.ep.addr.family = AF_INET6, .v6only = 1};
	struct plan v4 = {.ep.addr.family = AF_INET};
	struct ds_addr unmapped;
	size_t n = 0;

	if (mode < DS_LISTEN_DUAL || mode > DS_LISTEN_V4ONLY)
		return -EINVAL;
	if (a->family != 0 && a->family != AF_INET && a->family != AF_INET6)
		return -EAFNOSUPPORT;

	if (a->family == 0 || addr_is_any(a)) {
		/* The any address, :: or 0.0.0.0: the mode decides. */
		v6.any = v4.any = true;
		if (a->family == AF_INET6)
			v6.ep.addr = *a; /* keeps a zone, which bind ignores */
		if (mode == DS_LISTEN_DUAL)
			v6.v6only = 0;
		if (mode != DS_LISTEN_V4ONLY)
			plans[n++] = v6;
		if (mode == DS_LISTEN_SEPARATE || mode == DS_LISTEN_V4ONLY)
			plans[n++] = v4;
	} else if (a->family == AF_INET) {
		if (mode == DS_LISTEN_V6ONLY)
			goto conflict;
		v4.ep.addr = *a;
		plans[n++] = v4;
	} else if (ds_addr_unmap(a, &unmapped)) {
		/*
		 * ::ffff:a.b.c.d is IPv4 in IPv6 clothing: only an AF_INET6
		 * socket with IPV6_V6ONLY off can bind it (the kernel says
		 * EINVAL otherwise), which is dual mode.
		 */
		if (mode != DS_LISTEN_DUAL)
			goto conflict;
		v6.ep.addr = *a;
		v6.v6only = 0;
		plans[n++] = v6;
	} else {
		if (mode == DS_LISTEN_V4ONLY)
			goto conflict;
		v6.ep.addr = *a;
		v6.v6only = mode == DS_LISTEN_DUAL ? 0 : 1;
		plans[n++] = v6;
	}

	for (size_t i = 0; i < n; i++) {
		struct ds_addr *pa = &plans[i].ep.addr;

		REPORT_ENTRY(rep, pa->family)->wanted = true;
		/*
		 * A zone (RFC 4007 section 11) written as a number is in
		 * scope_id already; a name becomes the interface index
		 * that sin6_scope_id wants (RFC 3493 section 4.1).
		 */
		if (pa->family == AF_INET6 && pa->zone[0] &&
		    !zone_is_numeric(pa->zone)) {
			uint32_t idx;
			int r = ds_addr_zone_index(pa, &idx);

			if (r < 0) {
				rep->v6.err = r;
				rep->v6.step = "zone";
				return r;
			}
			pa->scope_id = idx;
		}
	}
	*ret_n = n;
	return 0;

conflict:
	REPORT_ENTRY(rep, a->family)->wanted = true;
	REPORT_ENTRY(rep, a->family)->err = -EINVAL;
	REPORT_ENTRY(rep, a->family)->step = "mode";
	return -EINVAL;
}

/* Record a failed step, closing fd without losing errno (OpenBSD nc). */
static void
fail(struct try *t, int fd, const char *step)
{
	int err = errno;

	if (fd != -1)
		close(fd);
	t->fd = -1;
	t->err = -err;
	t->step = step;
}

static int
set_int(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof(value));
}

/* socket(), options, bind() and getsockname() for one plan. */
static void
open_bound(const struct plan *p, uint16_t port, bool reuseport, bool nodelay,
    struct try *t)
{
	struct ds_endpoint ep = p->ep;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	*t = (struct try){.fd = -1};
	fd = socket(p->ep.addr.family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd == -1) {
		/* A kernel without the family (ipv6.disable=1). */
		t->missing = errno == EAFNOSUPPORT;
		fail(t, -1, "socket");
		return;
	}
	/*
	 * IPV6_V6ONLY always, both ways. RFC 3493 section 5.3 describes
	 * IPv4 through AF_INET6 sockets as the normal case, but Linux takes
	 * the default from net.ipv6.bindv6only and other systems differ, so
	 * an unset option means whatever the host says. It must be set
	 * before bind().
	 */
	if (p->ep.addr.family == AF_INET6 &&
	    set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, p->v6only) == -1) {
		fail(t, fd, "setsockopt(IPV6_V6ONLY)");
		return;
	}
	/*
	 * SO_REUSEADDR lets a restarted server bind while connections of
	 * the old one sit in TIME_WAIT; on Linux it never lets two
	 * listeners share a port (socket(7)), SO_REUSEPORT does that.
	 */
	if (set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1) == -1) {
		fail(t, fd, "setsockopt(SO_REUSEADDR)");
		return;
	}
	if (reuseport && set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1) == -1) {
		fail(t, fd, "setsockopt(SO_REUSEPORT)");
		return;
	}
	/* Accepted sockets inherit it: one call per listener, not one per
	 * connection. */
	if (nodelay && set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1) == -1) {
		fail(t, fd, "setsockopt(TCP_NODELAY)");
		return;
	}
	ep.port = port;
	if (ds_endpoint_to_sockaddr(&ep, &ss, &len) < 0) {
		errno = EAFNOSUPPORT;
		fail(t, fd, "socket");
		return;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == -1) {
		/*
		 * The unspecified address is never "not available" unless
		 * the stack refuses the family altogether. (Linux 6.x with
		 * net.ipv6.conf.all.disable_ipv6=1 still binds ::; only
		 * specific addresses such as ::1 fail.)
		 */
		t->missing = errno == EADDRNOTAVAIL && p->any;
		fail(t, fd, "bind");
		return;
	}
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		fail(t, fd, "getsockname");
		return;
	}
	if (ds_endpoint_from_sockaddr((struct sockaddr *)&ss, len, &t->bound) <
	    0) {
		errno = EAFNOSUPPORT;
		fail(t, fd, "getsockname");
		return;
	}
	name_zone(&t->bound.addr);
	t->fd = fd;
}

static void
close_tries(struct try *tries, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (tries[i].fd != -1)
			close(tries[i].fd);
		tries[i].fd = -1;
	}
}

/*
 * Bind every plan, then listen on every bound socket, so that no socket
 * takes connections before its sibling has its port. Returns 0 when all
 * that could bind did and at least one did, else the first fatal error
 * (or, when nothing bound, the first error).
 */
static int
bind_all(const struct plan *plans, size_t n, const struct ds_listen_config *cfg,
    struct try *tries)
{
	int backlog = cfg->backlog ? cfg->backlog : SOMAXCONN;
	int first = 0, fatal = 0;
	size_t bound = 0;

	for (size_t i = 0; i < n; i++) {
		uint16_t port = cfg->where.port;

		/* Port 0 in separate mode: the IPv4 socket follows. */
		if (port == 0 && i > 0 && tries[0].fd != -1)
			port = tries[0].bound.port;
		open_bound(
		    &plans[i], port, cfg->reuseport, cfg->nodelay, &tries[i]);
		if (tries[i].fd != -1)
			continue;
		if (!first)
			first = tries[i].err;
		if (!tries[i].missing && !fatal)
			fatal = tries[i].err;
	}
	for (size_t i = 0; i < n && !fatal; i++) {
		if (tries[i].fd == -1)
			continue;
		/*
		 * Linux checks the port again here: sockets that all set
		 * SO_REUSEADDR may be bound to one port together, but only
		 * one may listen, so EADDRINUSE can come from listen() when
		 * another listened between our bind() and now.
		 */
		if (listen(tries[i].fd, backlog) == -1) {
			fail(&tries[i], tries[i].fd, "listen");
			fatal = tries[i].err;
		}
	}
	for (size_t i = 0; i < n; i++)
		bound += tries[i].fd != -1;
	if (fatal)
		return fatal;
	return bound ? 0 : first;
}

/* --- Accepting ----------------------------------------------------------- */

static int
set_watch(struct ds_listener *l, unsigned events)
{
	int ret = 0;

	for (size_t i = 0; i < l->nsock; i++) {
		int r = ds_io_set_events(l->sock[i].io, events);

		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

/*
 * Out of descriptors or memory: the pending connection stays in the
 * backlog and the socket stays readable, so accepting again at once would
 * spin. Stop watching every socket of the listener (the limit is the
 * process's, not the socket's) and look again after a back-off. The
 * classic alternative, keeping a spare descriptor to accept-and-close the
 * connection, drops the client where waiting often serves it a moment
 * later; back-off is the chosen design.
 */
static void
start_backoff(struct ds_listener *l, int err)
{
	set_watch(l, 0);
	l->backing_off = true;
	ds_timer_start_in(l->backoff, l->backoff_ms * 1000ull);
	l->backoff_ms *= 2;
	if (l->backoff_ms > BACKOFF_MAX_MS)
		l->backoff_ms = BACKOFF_MAX_MS;
	if (!l->starved) {
		l->starved = true;
		if (l->on_event)
			l->on_event(l, err, l->userdata);
	}
}

static void
on_backoff(struct ds_timer *t, void *userdata)
{
	struct ds_listener *l = userdata;

	l->backing_off = false;
	if (!l->paused)
		set_watch(l, DS_IO_IN);
}

/*
 * accept(2), "Error handling": Linux hands pending network errors of the
 * new connection to accept(), and for TCP these are to be treated like
 * EAGAIN, i.e. the next connection is tried. So are a connection the
 * client reset before it was accepted (ECONNABORTED), a signal (EINTR)
 * and a firewall veto (EPERM).
 */
static bool
accept_error_is_transient(int err)
{
	switch (err) {
	case ECONNABORTED:
	case EPROTO:
	case EINTR:
	case EPERM:
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
		return true;
	}
	return false;
}

/*
 * Name a connection: the peer came with accept4(), and the local end is
 * the bound address unless the socket listens on the any address, so
 * getsockname() is needed only then.
 */
static int
name_accepted(const struct lsock *s, int fd, const struct sockaddr_storage *ss,
    socklen_t len, struct ds_tuple *ret)
{
	struct ds_tuple t = {.protocol = IPPROTO_TCP};
	int r;

	r = ds_endpoint_from_sockaddr((const struct sockaddr *)ss, len, &t.src);
	if (r < 0)
		return r;
	if (s->any) {
		struct sockaddr_storage local;
		socklen_t llen = sizeof(local);

		if (getsockname(fd, (struct sockaddr *)&local, &llen) == -1)
			return -errno;
		r = ds_endpoint_from_sockaddr(
		    (struct sockaddr *)&local, llen, &t.dst);
		if (r < 0)
			return r;
	} else {
		t.dst = s->bound;
	}
	finish_tuple(s->bound.addr.family, &t);
	*ret = t;
	return 0;
}

static void
on_io(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct lsock *s = userdata;
	struct ds_listener *l = s->l;

	l->dispatching++;
	for (unsigned n = 0; n < ACCEPT_BATCH; n++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct ds_tuple t;
		int cfd;

		if (l->freed || l->paused || l->backing_off)
			break;
		cfd = accept4(fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (accept_error_is_transient(errno))
				continue;
			/*
			 * EMFILE, ENFILE, ENOBUFS, ENOMEM, and anything
			 * unexpected: spinning would not help.
			 */
			start_backoff(l, -errno);
			break;
		}
		if (l->starved) {
			l->starved = false;
			l->backoff_ms = BACKOFF_MIN_MS;
			if (l->on_event)
				l->on_event(l, 0, l->userdata);
			if (l->freed) {
				close(cfd);
				break;
			}
		}
		if (name_accepted(s, cfd, &ss, len, &t) < 0) {
			/* The peer left already; nothing to hand over. */
			close(cfd);
			continue;
		}
		l->on_accept(l, cfd, &t, l->userdata);
	}
	if (--l->dispatching == 0 && l->freed)
		free(l);
}

/* --- The listener -------------------------------------------------------- */

static void
close_socks(struct ds_listener *l)
{
	for (size_t i = 0; i < l->nsock; i++) {
		l->sock[i].io = ds_io_free(l->sock[i].io);
		if (l->sock[i].fd != -1)
			close(l->sock[i].fd);
		l->sock[i].fd = -1;
	}
	l->nsock = 0;
}

static void
fill_report(struct ds_listen_report *rep, const struct plan *plans,
    const struct try *tries, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int family = plans[i].ep.addr.family;

		REPORT_ENTRY(rep, family)->err = tries[i].err;
		REPORT_ENTRY(rep, family)->step = tries[i].step;
		REPORT_ENTRY(rep, family)->bound = tries[i].bound;
	}
}

int
ds_listener_new(struct ds_loop *loop, const struct ds_listen_config *cfg,
    ds_accept_fn *on_accept, ds_listen_event_fn *on_event, void *userdata,
    struct ds_listen_report *report, struct ds_listener **ret)
{
	struct ds_listen_report rep = {0};
	struct plan plans[2];
	struct try tries[2];
	struct ds_listener *l = NULL;
	int held[PORT_TRIES];
	size_t n = 0, n_held = 0;
	int r;

	if (!loop || !cfg || !on_accept || !ret || cfg->backlog < 0) {
		r = -EINVAL;
		goto out;
	}
	r = make_plans(cfg, plans, &n, &rep);
	if (r < 0)
		goto out;

	for (unsigned attempt = 1;; attempt++) {
		r = bind_all(plans, n, cfg, tries);
		fill_report(&rep, plans, tries, n);
		if (r != -EADDRINUSE || cfg->where.port != 0 || n < 2 ||
		    attempt == PORT_TRIES)
			break;
		/*
		 * Keep the port the first socket drew bound until the end, so
		 * that the next draw cannot return it: the kernel's choice of
		 * an ephemeral port need not be random, and a bound
		 * SO_REUSEADDR socket that is not listening still keeps an
		 * ephemeral bind() off its port (inet_csk_find_open_port()
		 * tries without relaxing first).
		 */
		if (tries[0].fd != -1) {
			held[n_held++] = tries[0].fd;
			tries[0].fd = -1;
		}
		close_tries(tries, n);
	}
	while (n_held > 0)
		close(held[--n_held]);
	if (r < 0)
		goto fail;

	l = calloc(1, sizeof(*l));
	if (!l) {
		r = -ENOMEM;
		goto fail;
	}
	l->loop = loop;
	l->on_accept = on_accept;
	l->on_event = on_event;
	l->userdata = userdata;
	l->backoff_ms = BACKOFF_MIN_MS;
	r = ds_timer_new(loop, on_backoff, l, &l->backoff);
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		struct lsock *s;

		if (tries[i].fd == -1)
			continue; /* the family the host lacks */
		s = &l->sock[l->nsock++];
		s->l = l;
		s->fd = tries[i].fd;
		tries[i].fd = -1;
		s->any = plans[i].any;
		s->bound = tries[i].bound;
		r = ds_io_new(loop, s->fd, DS_IO_IN, on_io, s, &s->io);
		if (r < 0) {
			REPORT_ENTRY(&rep, s->bound.addr.family)->err = r;
			REPORT_ENTRY(&rep, s->bound.addr.family)->step =
			    "ds_io_new";
			goto fail;
		}
	}
	*ret = l;
	r = 0;
	goto out;

fail:
	close_tries(tries, n);
	if (l) {
		close_socks(l);
		ds_timer_free(l->backoff);
		free(l);
	}
out:
	if (report)
		*report = rep;
	return r;
}

struct ds_listener *
ds_listener_free(struct ds_listener *l)
{
	if (!l || l->freed)
		return NULL;
	close_socks(l);
	l->backoff = ds_timer_free(l->backoff);
	if (l->dispatching) {
		/* Inside on_io: it frees l when the callback returns. */
		l->freed = true;
		return NULL;
	}
	free(l);
	return NULL;
}

int
ds_listener_pause(struct ds_listener *l)
{
	if (!l || l->freed)
		return -EINVAL;
	l->paused = true;
	return set_watch(l, 0);
}

int
ds_listener_resume(struct ds_listener *l)
{
	if (!l || l->freed)
		return -EINVAL;
	l->paused = false;
	if (l->backing_off)
		return 0; /* the back-off timer turns the watches on */
	return set_watch(l, DS_IO_IN);
}

size_t
ds_listener_endpoints(
    const struct ds_listener *l, struct ds_endpoint *ret, size_t n)
{
	if (!l)
		return 0;
	for (size_t i = 0; i < l->nsock && i < n; i++)
		ret[i] = l->sock[i].bound;
	return l->nsock;
}

/* --- Steering ------------------------------------------------------------ */

/*
 * The classic BPF program a reuseport group runs to pick a socket
 * (socket(7), SO_ATTACH_REUSEPORT_CBPF): it returns an index into the
 * group, in the order its sockets started listening. It runs before the
 * connection is accepted, with the packet's network header reachable at
 * SKF_NET_OFF whatever the socket's family -- an IPv4 SYN to a dual
 * AF_INET6 socket shows its IPv4 header -- so one program serves both.
 *
 * The key is the source address masked to the client prefix: the IPv4
 * source (header offset 12), or the words of the IPv6 source (offset 8)
 * the prefix covers, XORed together. A multiplicative hash (Knuth's
 * 2654435761) spreads neighbouring keys, and the high half modulo n is
 * the index. An index past the group's size makes the kernel fall back
 * to its own hash, so a group that lost a socket keeps working.
 */
static size_t
steer_program(
    unsigned n, unsigned prefix6, unsigned prefix4, struct sock_filter *p)
{
	size_t k = 0, v4_at, v6_at, mix_at;
	uint32_t mask4 = prefix4 == 0 ? 0 : UINT32_MAX << (32 - prefix4);

	p[k++] =
	    (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF);
	p[k++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 4);
	v4_at = k++; /* jeq #4: filled in below */

	/* IPv6: X = XOR of the covered words. */
	v6_at = k;
	p[k++] = (struct sock_filter)BPF_STMT(BPF_LDX | BPF_IMM, 0);
	for (unsigned w = 0; w < 4 && w * 32 < prefix6; w++) {
		unsigned bits = prefix6 - w * 32 >= 32 ? 32 : prefix6 - w * 32;
		uint32_t m = UINT32_MAX << (32 - bits);

		p[k++] = (struct sock_filter)BPF_STMT(
		    BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 8 + 4 * w);
		p[k++] =
		    (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, m);
		p[k++] =
		    (struct sock_filter)BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0);
		p[k++] = (struct sock_filter)BPF_STMT(BPF_MISC | BPF_TAX, 0);
	}
	p[k++] = (struct sock_filter)BPF_STMT(BPF_MISC | BPF_TXA, 0);
	mix_at = k + 3; /* past the jump and the two IPv4 loads */
	p[k] = (struct sock_filter)BPF_JUMP(
	    BPF_JMP | BPF_JA, (uint32_t)(mix_at - (k + 1)), 0, 0);
	k++;

	/* IPv4: A = source & mask4. */
	p[v4_at] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4,
	    (uint8_t)(k - (v4_at + 1)), (uint8_t)(v6_at - (v4_at + 1)));
	p[k++] = (struct sock_filter)BPF_STMT(
	    BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 12);
	p[k++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, mask4);

	/* A = ((A * 2654435761) >> 16) % n */
	p[k++] = (struct sock_filter)BPF_STMT(
	    BPF_ALU | BPF_MUL | BPF_K, 2654435761u);
	p[k++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16);
	p[k++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, n);
	p[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_A, 0);
	return k;
}

unsigned
ds_listen_steer_index(const struct ds_addr *client, unsigned n,
    unsigned prefix6, unsigned prefix4)
{
	struct ds_addr a;
	uint32_t key = 0;

	if (n == 0)
		return 0;
	ds_addr_unmap(client, &a);
	if (a.family == AF_INET) {
		uint32_t mask4 =
		    prefix4 == 0 ? 0 : UINT32_MAX << (32 - prefix4);

		key = ds_addr_v4(&a) & mask4;
	} else {
		for (unsigned w = 0; w < 4 && w * 32 < prefix6; w++) {
			unsigned bits =
			    prefix6 - w * 32 >= 32 ? 32 : prefix6 - w * 32;
			const uint8_t *b = a.u.bytes + 4 * w;
			uint32_t v = (uint32_t)b[0] << 24 |
			    (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];

			key ^= v & (UINT32_MAX << (32 - bits));
		}
	}
	return (unsigned)(((uint32_t)(key * 2654435761u) >> 16) % n);
}

int
ds_listener_steer(
    struct ds_listener *l, unsigned n, unsigned prefix6, unsigned prefix4)
{
	/* 3 + 1 + 4 * 4 + 2 + 2 + 4 instructions at most. */
	struct sock_filter prog[32];
	struct sock_fprog fprog;

	if (!l || n == 0 || prefix6 > 128 || prefix4 > 32)
		return -EINVAL;
	fprog.len = (unsigned short)steer_program(n, prefix6, prefix4, prog);
	fprog.filter = prog;
	for (size_t i = 0; i < l->nsock; i++) {
		if (setsockopt(l->sock[i].fd, SOL_SOCKET,
		        SO_ATTACH_REUSEPORT_CBPF, &fprog, sizeof(fprog)) == -1)
			return -errno;
	}
	return 0;
}
