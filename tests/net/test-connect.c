/* SPDX-License-Identifier: MIT */
/*
 * ds_connect on loopback: a listener wins at once; a refused address makes
 * the next attempt start at once; everything refused; a silent address (a
 * listener whose accept queue is full drops SYNs) is overtaken after the
 * attempt delay and ends in the overall timeout when alone; cancel; free
 * from the callback and before it; the blocking forms; the cache putting
 * the winner first and shaping the delay; "localhost" through the
 * resolver; and NAT64 for an IPv4 literal on a host made to look
 * IPv6-only, with a small DNS responder in a thread answering for
 * "ipv4only.arpa".
 *
 * Timing is asserted loosely, for slow machines: "at once" is under
 * 100 ms where the delay is 1000 ms.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "connect-int.h"
#include "dualstack/connect.h"
#include "dualstack/error.h"
#include "dualstack/loop.h"
#include "net-test.h"

/* --- Host probes and sockets ---------------------------------------------- */

static const char *
lo(int family)
{
	return family == AF_INET ? "127.0.0.1" : "::1";
}

static struct ds_endpoint
lo_ep(int family, uint16_t port)
{
	struct ds_endpoint e;

	memset(&e, 0, sizeof(e));
	assert_int_equal(
	    ds_addr_parse(lo(family), strlen(lo(family)), 0, &e.addr, NULL), 0);
	e.port = port;
	return e;
}

/*
 * A TCP socket bound to loopback of family at port (0: any), listening
 * with backlog when backlog >= 0, else only bound -- which refuses every
 * connection, and keeps the port from anyone else.
 */
static int
tcp_socket(int family, uint16_t *port, int backlog)
{
	struct ds_endpoint e = lo_ep(family, *port);
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	if (family == AF_INET6)
		assert_int_equal(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		                     sizeof(one)),
		    0);
	assert_int_equal(ds_endpoint_to_sockaddr(&e, &ss, &len), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
	if (backlog >= 0)
		assert_int_equal(listen(fd, backlog), 0);
	len = sizeof(ss);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	assert_int_equal(
	    ds_endpoint_from_sockaddr((struct sockaddr *)&ss, len, &e), 0);
	*port = e.port;
	return fd;
}

/*
 * A listener that answers nothing: backlog 0, its accept queue filled
 * with connections nobody accepts, so that Linux drops further SYNs
 * (tcp_conn_request() when sk_acceptq_is_full()). The filling
 * connections go to fill[]. Returns false when the queue would not fill.
 */
static bool
silent_listener(
    int family, uint16_t *port, int *ret_fd, int *fill, size_t n_fill)
{
	struct ds_endpoint e;
	struct sockaddr_storage ss;
	socklen_t len;
	size_t i;

	*ret_fd = tcp_socket(family, port, 0);
	e = lo_ep(family, *port);
	assert_int_equal(ds_endpoint_to_sockaddr(&e, &ss, &len), 0);
	for (i = 0; i < n_fill; i++)
		fill[i] = -1;
	for (i = 0; i < n_fill; i++) {
		struct pollfd p;
		int err = 0;
		socklen_t el = sizeof(err);

		fill[i] = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		assert_true(fill[i] >= 0);
		if (connect(fill[i], (struct sockaddr *)&ss, len) == 0)
			continue;
		assert_int_equal(errno, EINPROGRESS);
		p.fd = fill[i];
		p.events = POLLOUT;
		/* Not established within 300 ms: SYNs are being dropped. */
		if (poll(&p, 1, 300) == 0)
			return true;
		getsockopt(fill[i], SOL_SOCKET, SO_ERROR, &err, &el);
		if (err != 0)
			return false;
	}
	return false;
}

static void
close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* --- Running one connect -------------------------------------------------- */

struct run {
	struct ds_loop *loop;
	struct ds_connect *c;
	struct ds_connect_result r;
	int calls;
	bool free_in_cb;
	struct ds_he_event trace[4 * DS_HE_MAX_CANDIDATES + 16];
	size_t n;
};

static void
on_done(struct ds_connect *c, const struct ds_connect_result *r, void *ud)
{
	struct run *x = ud;
	const struct ds_he_event *t;

	x->calls++;
	x->r = *r;
	t = ds_connect_trace(c, &x->n);
	assert_true(x->n <= sizeof(x->trace) / sizeof(x->trace[0]));
	if (x->n > 0)
		memcpy(x->trace, t, x->n * sizeof(*t));
	if (x->free_in_cb)
		x->c = ds_connect_free(c);
	ds_loop_stop(x->loop, 0);
}

static void
print_trace(const struct run *x)
{
	for (size_t i = 0; i < x->n; i++) {
		char buf[256];

		ds_he_event_format(&x->trace[i], buf, sizeof(buf));
		print_message("#   %s\n", buf);
	}
}

/* Start and run to the end; returns the result's err. */
static int
run(struct run *x, const char *host, uint16_t port,
    const struct ds_connect_opts *o)
{
	memset(x, 0, sizeof(*x));
	x->r.fd = -1;
	assert_int_equal(ds_loop_new(&x->loop), 0);
	assert_int_equal(
	    ds_connect_new(x->loop, host, port, o, on_done, x, &x->c), 0);
	assert_int_equal(ds_loop_run(x->loop), 0);
	assert_int_equal(x->calls, 1);
	print_trace(x);
	return x->r.err;
}

static void
run_end(struct run *x)
{
	x->c = ds_connect_free(x->c);
	/* Nothing is left on the loop: one more round does nothing. */
	assert_int_equal(ds_loop_run_once(x->loop, 0), 0);
	ds_loop_free(x->loop);
	if (x->r.fd >= 0)
		close(x->r.fd);
}

static size_t
count(const struct run *x, enum ds_he_event_type type)
{
	size_t n = 0;

	for (size_t i = 0; i < x->n; i++)
		if (x->trace[i].type == type)
			n++;
	return n;
}

/* The first event of type for attempt (0: any). */
static const struct ds_he_event *
find(const struct run *x, enum ds_he_event_type type, unsigned attempt)
{
	for (size_t i = 0; i < x->n; i++)
		if (x->trace[i].type == type &&
		    (attempt == 0 || x->trace[i].attempt == attempt))
			return &x->trace[i];
	return NULL;
}

static void
assert_ep(const struct ds_endpoint *e, int family, uint16_t port)
{
	struct ds_endpoint want = lo_ep(family, port);

	assert_true(ds_addr_equal(&e->addr, &want.addr));
	assert_int_equal(e->port, port);
}

/* --- Tests ---------------------------------------------------------------- */

static void
one_listener(int family)
{
	struct ds_connect_opts o;
	const struct ds_he_event *ev;
	uint16_t port = 0;
	int l = tcp_socket(family, &port, 16);
	struct run x;
	int a;

	ds_connect_opts_init(&o);
	assert_int_equal(run(&x, lo(family), port, &o), 0);
	assert_true(x.r.fd >= 0);
	assert_true(fcntl(x.r.fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(x.r.fd, F_GETFD) & FD_CLOEXEC);
	assert_ep(&x.r.remote, family, port);
	assert_int_equal(x.r.local.addr.family, family);
	assert_true(x.r.local.port != 0);
	assert_int_equal(x.r.attempts, 1);
	assert_true(x.r.connect_us <= x.r.elapsed_us);
	assert_null(ds_connect_get_resolve(x.c));
	/* Numeric: no DNS in the trace. */
	assert_int_equal(count(&x, DS_HE_EV_QUERY), 0);
	assert_int_equal(count(&x, DS_HE_EV_ANSWER), 0);
	assert_int_equal(count(&x, DS_HE_EV_CANCELLED), 0);
	ev = find(&x, DS_HE_EV_ATTEMPT, 1);
	assert_non_null(ev);
	assert_int_equal(ev->delay_us, DS_HE_ATTEMPT_DELAY_US);
	assert_ep(&ev->ep, family, port);
	ev = find(&x, DS_HE_EV_CONNECTED, 1);
	assert_non_null(ev);
	assert_int_equal(ev->elapsed_us, x.r.connect_us);
	a = accept(l, NULL, NULL);
	assert_true(a >= 0);
	close(a);
	run_end(&x);
	close(l);
}

static void
test_listener_v4(void **state)
{
	one_listener(AF_INET);
	(void)state;
}

static void
test_listener_v6(void **state)
{
	NEED_IPV6_LOOPBACK();
	one_listener(AF_INET6);
	(void)state;
}

/*
 * ::1 refuses, 127.0.0.1 listens, same port. RFC 6724 puts ::1 first
 * (precedence 50 against 35); its refusal starts the IPv4 attempt at
 * once, long before the 1 s attempt delay.
 */
static void
test_refused_then_next(void **state)
{
	struct ds_policy pol;
	struct ds_connect_opts o;
	struct ds_endpoint addrs[2];
	const struct ds_he_event *a1, *a2, *f1;
	uint16_t port = 0;
	int l, r6;
	struct run x;

	NEED_IPV6_LOOPBACK();
	l = tcp_socket(AF_INET, &port, 16);
	r6 = tcp_socket(AF_INET6, &port, -1);
	ds_policy_default(&pol);
	ds_connect_opts_init(&o);
	o.policy = &pol;
	o.attempt_delay_us = 1000000;
	addrs[0] = lo_ep(AF_INET, 0);
	addrs[1] = lo_ep(AF_INET6, port);
	o.addrs = addrs;
	o.n_addrs = 2;
	assert_int_equal(run(&x, "both.test", port, &o), 0);
	assert_int_equal(x.r.attempts, 2);
	assert_ep(&x.r.remote, AF_INET, port);
	a1 = find(&x, DS_HE_EV_ATTEMPT, 1);
	f1 = find(&x, DS_HE_EV_FAILED, 1);
	a2 = find(&x, DS_HE_EV_ATTEMPT, 2);
	assert_non_null(a1);
	assert_non_null(f1);
	assert_non_null(a2);
	assert_ep(&a1->ep, AF_INET6, port);
	assert_int_equal(f1->err, -ECONNREFUSED);
	assert_ep(&a2->ep, AF_INET, port);
	assert_true(a2->t_us >= f1->t_us);
	assert_true(a2->t_us - a1->t_us < 100000);
	assert_non_null(find(&x, DS_HE_EV_CONNECTED, 2));
	assert_int_equal(count(&x, DS_HE_EV_CANCELLED), 0);
	assert_null(ds_connect_get_resolve(x.c));
	run_end(&x);
	close(r6);
	close(l);
	(void)state;
}

/* Everything refused: the last error, every attempt failed. */
static void
test_all_refused(void **state)
{
	struct ds_connect_opts o;
	struct ds_endpoint addrs[2];
	uint16_t port = 0;
	int r4, r6 = -1;
	size_t n = 1;
	struct run x;

	r4 = tcp_socket(AF_INET, &port, -1);
	addrs[0] = lo_ep(AF_INET, port);
	if (have_ipv6_loopback()) {
		r6 = tcp_socket(AF_INET6, &port, -1);
		addrs[1] = lo_ep(AF_INET6, port);
		n = 2;
	}
	ds_connect_opts_init(&o);
	o.attempt_delay_us = 2000000;
	o.addrs = addrs;
	o.n_addrs = n;
	assert_int_equal(run(&x, "none.test", port, &o), -ECONNREFUSED);
	assert_int_equal(x.r.fd, -1);
	assert_int_equal(x.r.attempts, n);
	assert_int_equal(count(&x, DS_HE_EV_ATTEMPT), n);
	assert_int_equal(count(&x, DS_HE_EV_FAILED), n);
	assert_int_equal(count(&x, DS_HE_EV_CONNECTED), 0);
	/* No waiting for the delay anywhere. */
	assert_true(x.r.elapsed_us < 1000000);
	run_end(&x);
	close(r4);
	if (r6 >= 0)
		close(r6);

	/* A numeric host alone, the same. */
	port = 0;
	r4 = tcp_socket(AF_INET, &port, -1);
	ds_connect_opts_init(&o);
	o.no_nat64 = true;
	assert_int_equal(run(&x, "127.0.0.1", port, &o), -ECONNREFUSED);
	run_end(&x);
	close(r4);
	(void)state;
}

/* The family filter and the bind family leave nothing. */
static void
test_no_usable_family(void **state)
{
	struct ds_connect_opts o;
	struct ds_addr bind6;
	struct run x;

	ds_connect_opts_init(&o);
	o.resolve.family = DS_RESOLVE_ONLY_V6;
	assert_int_equal(run(&x, "127.0.0.1", 9, &o), -DS_E_NO_ADDRESS);
	assert_int_equal(x.r.attempts, 0);
	run_end(&x);

	ds_connect_opts_init(&o);
	assert_int_equal(ds_addr_parse("::1", 3, 0, &bind6, NULL), 0);
	o.bind = &bind6;
	assert_int_equal(run(&x, "127.0.0.1", 9, &o), -DS_E_NO_ADDRESS);
	run_end(&x);
	(void)state;
}

/* A bind address is used as the local end. */
static void
test_bind(void **state)
{
	struct ds_connect_opts o;
	struct ds_addr b;
	uint16_t port = 0;
	int l = tcp_socket(AF_INET, &port, 4);
	struct run x;

	ds_connect_opts_init(&o);
	assert_int_equal(ds_addr_parse("127.0.0.2", 9, 0, &b, NULL), 0);
	o.bind = &b;
	assert_int_equal(run(&x, "127.0.0.1", port, &o), 0);
	assert_true(ds_addr_equal(&x.r.local.addr, &b));
	run_end(&x);
	close(l);
	(void)state;
}

#define N_FILL 64

/*
 * A silent ::1 first, a listening 127.0.0.1 second: the second starts
 * when the attempt delay has passed, wins, and the first is cancelled.
 */
static void
test_silent_then_next(void **state)
{
	struct ds_connect_opts o;
	struct ds_endpoint addrs[2];
	const struct ds_he_event *a1, *a2, *c1;
	struct ds_he_cache *cache;
	struct ds_he_history h;
	int fill[N_FILL], s6, l;
	uint16_t port = 0;
	struct ds_policy pol;
	struct run x;

	NEED_IPV6_LOOPBACK();
	if (!silent_listener(AF_INET6, &port, &s6, fill, N_FILL)) {
		close(s6);
		close_all(fill, N_FILL);
		print_message("# skip: the accept queue would not fill\n");
		skip();
	}
	l = tcp_socket(AF_INET, &port, 16);
	assert_int_equal(ds_he_cache_new(0, &cache), 0);
	ds_policy_default(&pol);
	ds_connect_opts_init(&o);
	o.policy = &pol;
	o.attempt_delay_us = 200000;
	o.cache = cache;
	addrs[0] = lo_ep(AF_INET, port);
	addrs[1] = lo_ep(AF_INET6, port);
	o.addrs = addrs;
	o.n_addrs = 2;
	assert_int_equal(run(&x, "slow.test", port, &o), 0);
	assert_ep(&x.r.remote, AF_INET, port);
	a1 = find(&x, DS_HE_EV_ATTEMPT, 1);
	a2 = find(&x, DS_HE_EV_ATTEMPT, 2);
	c1 = find(&x, DS_HE_EV_CANCELLED, 1);
	assert_non_null(a1);
	assert_non_null(a2);
	assert_non_null(c1);
	assert_ep(&a1->ep, AF_INET6, port);
	/* Not before the delay (the loop's clock has ms steps). */
	assert_true(a2->t_us - a1->t_us >= 195000);
	assert_true(a2->t_us - a1->t_us < 5000000);
	assert_true(c1->elapsed_us >= 195000);
	assert_int_equal(count(&x, DS_HE_EV_FAILED), 0);
	/* The cache: ::1 did not answer, 127.0.0.1 won. */
	assert_int_equal(ds_he_cache_lookup(cache, &addrs[1], &h), 0);
	assert_int_equal(h.outcome, DS_HE_NO_ANSWER);
	assert_int_equal(ds_he_cache_lookup(cache, &addrs[0], &h), 0);
	assert_int_equal(h.outcome, DS_HE_OK);
	assert_int_equal(h.connect_us, x.r.connect_us);
	run_end(&x);

	/* Next time the winner goes first, with a delay shaped by its
	 * connect time, and ::1 last. */
	assert_int_equal(run(&x, "slow.test", port, &o), 0);
	a1 = find(&x, DS_HE_EV_ATTEMPT, 1);
	assert_non_null(a1);
	assert_ep(&a1->ep, AF_INET, port);
	assert_non_null(find(&x, DS_HE_EV_CACHE, 0));
	assert_ep(&find(&x, DS_HE_EV_CACHE, 0)->ep, AF_INET, port);
	{
		uint64_t ms = (2 * h.connect_us + 999) / 1000;

		if (ms < 10)
			ms = 10;
		if (ms > 2000)
			ms = 2000;
		assert_int_equal(a1->delay_us, ms * 1000);
	}
	assert_int_equal(x.r.attempts, 1);
	run_end(&x);

	ds_he_cache_free(cache);
	close(l);
	close(s6);
	close_all(fill, N_FILL);
	(void)state;
}

/* A silent address alone: the overall timeout ends it. */
static void
test_timeout(void **state)
{
	struct ds_connect_opts o;
	const struct ds_he_event *c1, *t;
	int fill[N_FILL], s4;
	uint16_t port = 0;
	struct run x;

	if (!silent_listener(AF_INET, &port, &s4, fill, N_FILL)) {
		close(s4);
		close_all(fill, N_FILL);
		print_message("# skip: the accept queue would not fill\n");
		skip();
	}
	ds_connect_opts_init(&o);
	o.attempt_delay_us = 100000;
	o.timeout_us = 300000;
	o.no_nat64 = true;
	assert_int_equal(run(&x, "127.0.0.1", port, &o), -ETIMEDOUT);
	assert_int_equal(x.r.fd, -1);
	assert_true(x.r.elapsed_us >= 295000);
	assert_true(x.r.elapsed_us < 5000000);
	c1 = find(&x, DS_HE_EV_CANCELLED, 1);
	t = find(&x, DS_HE_EV_TIMEOUT, 0);
	assert_non_null(c1);
	assert_non_null(t);
	assert_int_equal(t->delay_us, 300000);
	assert_true(t >= c1);
	assert_true(t == &x.trace[x.n - 1]);
	run_end(&x);
	close(s4);
	close_all(fill, N_FILL);
	(void)state;
}

/* Cancel from a timer; and free before the end, and from the callback. */
struct cancel_ctx {
	struct run *x;
};

static void
cancel_timer(struct ds_timer *t, void *ud)
{
	struct run *x = ud;

	(void)t;
	ds_connect_cancel(x->c);
	/* Once over, again does nothing. */
	ds_connect_cancel(x->c);
}

static void
test_cancel(void **state)
{
	struct ds_connect_opts o;
	int fill[N_FILL], s4;
	struct ds_timer *t;
	uint16_t port = 0;
	struct run x;

	if (!silent_listener(AF_INET, &port, &s4, fill, N_FILL)) {
		close(s4);
		close_all(fill, N_FILL);
		print_message("# skip: the accept queue would not fill\n");
		skip();
	}
	ds_connect_opts_init(&o);
	o.no_nat64 = true;
	memset(&x, 0, sizeof(x));
	assert_int_equal(ds_loop_new(&x.loop), 0);
	assert_int_equal(ds_timer_new(x.loop, cancel_timer, &x, &t), 0);
	ds_timer_start_in(t, 50000);
	assert_int_equal(
	    ds_connect_new(x.loop, "127.0.0.1", port, &o, on_done, &x, &x.c),
	    0);
	assert_int_equal(ds_loop_run(x.loop), 0);
	assert_int_equal(x.calls, 1);
	assert_int_equal(x.r.err, -ECANCELED);
	assert_non_null(find(&x, DS_HE_EV_CANCELLED, 1));
	assert_int_equal(count(&x, DS_HE_EV_TIMEOUT), 0);
	ds_timer_free(t);
	run_end(&x);

	/* Freed while running: no callback, nothing left open. */
	memset(&x, 0, sizeof(x));
	assert_int_equal(ds_loop_new(&x.loop), 0);
	assert_int_equal(
	    ds_connect_new(x.loop, "127.0.0.1", port, &o, on_done, &x, &x.c),
	    0);
	assert_int_equal(ds_loop_run_once(x.loop, 20000), 1);
	x.c = ds_connect_free(x.c);
	assert_int_equal(ds_loop_run_once(x.loop, 0), 0);
	assert_int_equal(x.calls, 0);
	ds_loop_free(x.loop);

	/* Cancelled before the first iteration. */
	memset(&x, 0, sizeof(x));
	assert_int_equal(ds_loop_new(&x.loop), 0);
	assert_int_equal(
	    ds_connect_new(x.loop, "127.0.0.1", port, &o, on_done, &x, &x.c),
	    0);
	ds_connect_cancel(x.c);
	assert_int_equal(ds_loop_run(x.loop), 0);
	assert_int_equal(x.calls, 1);
	assert_int_equal(x.r.err, -ECANCELED);
	assert_int_equal(x.r.attempts, 0);
	run_end(&x);

	close(s4);
	close_all(fill, N_FILL);
	(void)state;
}

static void
test_free_in_callback(void **state)
{
	struct ds_connect_opts o;
	uint16_t port = 0;
	int l = tcp_socket(AF_INET, &port, 4);
	struct run x;

	ds_connect_opts_init(&o);
	memset(&x, 0, sizeof(x));
	x.free_in_cb = true;
	assert_int_equal(ds_loop_new(&x.loop), 0);
	assert_int_equal(
	    ds_connect_new(x.loop, "127.0.0.1", port, &o, on_done, &x, &x.c),
	    0);
	assert_int_equal(ds_loop_run(x.loop), 0);
	assert_int_equal(x.calls, 1);
	assert_null(x.c);
	assert_int_equal(x.r.err, 0);
	/* The socket handed over is still open. */
	assert_true(fcntl(x.r.fd, F_GETFD) != -1);
	close(x.r.fd);
	ds_loop_free(x.loop);
	close(l);
	(void)state;
}

/* Freed after the end but before the callback ran: the winner closed. */
static void
test_free_before_report(void **state)
{
	struct ds_connect *c = NULL;
	struct ds_loop *loop;
	uint16_t port = 0;
	int l = tcp_socket(AF_INET, &port, 4), i;
	struct run x;

	memset(&x, 0, sizeof(x));
	assert_int_equal(ds_loop_new(&loop), 0);
	x.loop = loop;
	assert_int_equal(
	    ds_connect_new(loop, "127.0.0.1", port, NULL, on_done, &x, &c), 0);
	/* Run until the connect has its winner (it reports one iteration
	 * later), then free it instead. */
	for (i = 0; i < 200; i++) {
		size_t n;
		const struct ds_he_event *t;

		ds_loop_run_once(loop, 10000);
		t = ds_connect_trace(c, &n);
		if (n > 0 && t[n - 1].type == DS_HE_EV_CONNECTED)
			break;
	}
	assert_true(i < 200);
	assert_int_equal(x.calls, 0);
	ds_connect_free(c);
	ds_loop_run_once(loop, 0);
	assert_int_equal(x.calls, 0);
	ds_loop_free(loop);
	close(l);
	(void)state;
}

static void
test_blocking(void **state)
{
	struct ds_connect_result r;
	struct ds_he_event *trace = NULL;
	struct ds_connect_opts o;
	uint16_t port = 0;
	int l = tcp_socket(AF_INET, &port, 4), fd, fl;
	size_t n = 0;

	ds_connect_opts_init(&o);
	assert_int_equal(
	    ds_connect_run("127.0.0.1", port, &o, &r, &trace, &n), 0);
	assert_int_equal(r.err, 0);
	assert_true(r.fd >= 0);
	assert_true(fcntl(r.fd, F_GETFL) & O_NONBLOCK);
	assert_non_null(trace);
	assert_true(n >= 2);
	assert_int_equal(trace[0].type, DS_HE_EV_ATTEMPT);
	assert_int_equal(trace[n - 1].type, DS_HE_EV_CONNECTED);
	free(trace);
	close(r.fd);

	/* Without a trace; and a run that fails. */
	assert_int_equal(
	    ds_connect_run("127.0.0.1", port, NULL, &r, NULL, NULL), 0);
	assert_int_equal(r.err, 0);
	close(r.fd);
	assert_int_equal(
	    ds_connect_run("127.0.0.1", 0, NULL, &r, &trace, &n), -EINVAL);
	assert_int_equal(r.err, -EINVAL);
	assert_int_equal(r.fd, -1);
	assert_null(trace);
	assert_int_equal(n, 0);

	fd = ds_connect_simple("127.0.0.1", port, 5000000);
	assert_true(fd >= 0);
	fl = fcntl(fd, F_GETFL);
	assert_false(fl & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	close(l);

	/* Refused: the error is returned, and is in the result, and the
	 * trace says the connect ran. */
	port = 0;
	l = tcp_socket(AF_INET, &port, -1);
	assert_int_equal(
	    ds_connect_simple("127.0.0.1", port, 5000000), -ECONNREFUSED);
	assert_int_equal(ds_connect_run("127.0.0.1", port, &o, &r, &trace, &n),
	    -ECONNREFUSED);
	assert_int_equal(r.err, -ECONNREFUSED);
	assert_int_equal(r.fd, -1);
	assert_non_null(trace);
	assert_true(n >= 1);
	free(trace);
	close(l);
	(void)state;
}

/* "localhost" through the resolver (/etc/hosts, or c-ares's own). */
static void
test_localhost(void **state)
{
	struct ds_connect_opts o;
	uint16_t port = 0;
	int l4 = tcp_socket(AF_INET, &port, 4), l6 = -1;
	struct run x;

	if (have_ipv6_loopback())
		l6 = tcp_socket(AF_INET6, &port, 4);
	ds_connect_opts_init(&o);
	o.resolve.family = DS_RESOLVE_BOTH;
	if (run(&x, "localhost", port, &o) != 0)
		fail_msg("localhost: %s", ds_strerror(x.r.err));
	assert_non_null(ds_connect_get_resolve(x.c));
	assert_int_equal(count(&x, DS_HE_EV_QUERY), 2);
	assert_true(count(&x, DS_HE_EV_ANSWER) >= 1);
	assert_int_equal(x.trace[0].type, DS_HE_EV_QUERY);
	assert_int_equal(x.trace[0].qtype, DS_RESOLVE_AAAA);
	assert_int_equal(x.trace[1].type, DS_HE_EV_QUERY);
	assert_int_equal(x.trace[1].qtype, DS_RESOLVE_A);
	assert_int_equal(x.r.remote.port, port);
	run_end(&x);
	close(l4);
	if (l6 >= 0)
		close(l6);
	(void)state;
}

/* --- NAT64 ---------------------------------------------------------------- */

/*
 * A small DNS responder on 127.0.0.1 (UDP), for any name: AAAA queries get
 * the address in 'aaaa' (NODATA when 'nodata'), 'aaaa_delay_ms' late; A
 * queries get 127.0.0.1 at once when 'answer_a', else NODATA. It stops
 * when 'stop' is set.
 */
struct dns {
	int fd;
	uint16_t port;
	uint8_t aaaa[16];
	bool nodata;
	bool answer_a;
	unsigned aaaa_delay_ms;
	volatile bool stop;
	pthread_t th;
};

/* One reply held back. */
struct held {
	uint8_t a[600];
	size_t len;
	struct sockaddr_storage to;
	socklen_t tolen;
	uint64_t due_us;
};

static void *
dns_main(void *arg)
{
	struct dns *d = arg;
	struct held h[8];
	size_t nh = 0;

	while (!d->stop) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		uint8_t q[512], a[600];
		struct pollfd p = {.fd = d->fd, .events = POLLIN};
		uint64_t now = ds_time_now_us();
		bool aaaa;
		ssize_t n;
		size_t qend, al;

		for (size_t i = 0; i < nh;) {
			if (h[i].due_us > now) {
				i++;
				continue;
			}
			(void)sendto(d->fd, h[i].a, h[i].len, 0,
			    (struct sockaddr *)&h[i].to, h[i].tolen);
			h[i] = h[--nh];
		}
		if (poll(&p, 1, 5) <= 0)
			continue;
		n = recvfrom(
		    d->fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		if (n < 12 + 5)
			continue;
		/* Header, then one question: labels, type, class. */
		qend = 12;
		while (qend < (size_t)n && q[qend] != 0)
			qend += q[qend] + 1u;
		qend += 5;
		if (qend > (size_t)n)
			continue;
		memcpy(a, q, qend);
		a[2] = 0x84 | (q[2] & 0x01); /* QR, AA, RD copied */
		a[3] = 0x00;                 /* NOERROR */
		a[6] = a[7] = a[8] = a[9] = a[10] = a[11] = 0;
		al = qend;
		aaaa = q[qend - 4] == 0 && q[qend - 3] == 28;
		if (aaaa && !d->nodata) {
			static const uint8_t rr[] = {
			    0xc0, 0x0c, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16};

			a[7] = 1;
			memcpy(a + al, rr, sizeof(rr));
			al += sizeof(rr);
			memcpy(a + al, d->aaaa, 16);
			al += 16;
		} else if (!aaaa && q[qend - 3] == 1 && d->answer_a) {
			static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0,
			    0, 0, 60, 0, 4, 127, 0, 0, 1};

			a[7] = 1;
			memcpy(a + al, rr, sizeof(rr));
			al += sizeof(rr);
		}
		if (aaaa && d->aaaa_delay_ms > 0 && nh < 8) {
			memcpy(h[nh].a, a, al);
			h[nh].len = al;
			memcpy(&h[nh].to, &from, fl);
			h[nh].tolen = fl;
			h[nh].due_us = now + d->aaaa_delay_ms * 1000ull;
			nh++;
			continue;
		}
		(void)sendto(d->fd, a, al, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

static void
dns_start_x(struct dns *d, const char *aaaa, bool answer_a, unsigned delay_ms)
{
	struct ds_addr a;

	memset(d, 0, sizeof(*d));
	d->answer_a = answer_a;
	d->aaaa_delay_ms = delay_ms;
	memset(&a, 0, sizeof(a));
	if (aaaa) {
		assert_int_equal(
		    ds_addr_parse(aaaa, strlen(aaaa), 0, &a, NULL), 0);
		memcpy(d->aaaa, a.u.bytes, 16);
	} else {
		d->nodata = true;
	}
	{
		struct ds_endpoint e = lo_ep(AF_INET, 0);
		struct sockaddr_storage ss;
		socklen_t len;

		d->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		assert_true(d->fd >= 0);
		assert_int_equal(ds_endpoint_to_sockaddr(&e, &ss, &len), 0);
		assert_int_equal(bind(d->fd, (struct sockaddr *)&ss, len), 0);
		len = sizeof(ss);
		assert_int_equal(
		    getsockname(d->fd, (struct sockaddr *)&ss, &len), 0);
		assert_int_equal(
		    ds_endpoint_from_sockaddr((struct sockaddr *)&ss, len, &e),
		    0);
		d->port = e.port;
	}
	d->stop = false;
	assert_int_equal(pthread_create(&d->th, NULL, dns_main, d), 0);
}

static void
dns_start(struct dns *d, const char *aaaa)
{
	dns_start_x(d, aaaa, false, 0);
}

static void
dns_stop(struct dns *d)
{
	d->stop = true;
	pthread_join(d->th, NULL);
	close(d->fd);
}

/* Start a connect that sees an IPv6-only host. */
static int
run_v6only(struct run *x, const char *host, uint16_t port,
    const struct ds_connect_opts *o)
{
	struct ds_addrconfig ac = {.v4 = false, .v6 = true};

	memset(x, 0, sizeof(*x));
	x->r.fd = -1;
	assert_int_equal(ds_loop_new(&x->loop), 0);
	assert_int_equal(
	    ds_connect_new(x->loop, host, port, o, on_done, x, &x->c), 0);
	ds__connect_set_addrconfig(x->c, &ac);
	assert_int_equal(ds_loop_run(x->loop), 0);
	assert_int_equal(x->calls, 1);
	print_trace(x);
	return x->r.err;
}

/*
 * The prefix ::/96 makes 0.0.0.1 into ::1, where a listener waits: the
 * whole of RFC 7050 discovery and RFC 6052 synthesis on loopback.
 */
static void
test_nat64(void **state)
{
	struct ds_connect_opts o;
	const struct ds_he_event *ev;
	char servers[64];
	uint16_t port = 0;
	struct dns d;
	struct run x;
	int l;

	NEED_IPV6_LOOPBACK();
	l = tcp_socket(AF_INET6, &port, 4);
	dns_start(&d, "::192.0.0.170");
	snprintf(servers, sizeof(servers), "127.0.0.1:%u", (unsigned)d.port);
	ds_connect_opts_init(&o);
	o.resolve.servers = servers;
	o.resolve.no_hosts = true;
	o.resolve.timeout_us = 500000;
	o.resolve.tries = 2;
	if (run_v6only(&x, "0.0.0.1", port, &o) != 0)
		fail_msg("nat64: %s", ds_strerror(x.r.err));
	assert_ep(&x.r.remote, AF_INET6, port);
	assert_non_null(ds_connect_get_resolve(x.c));
	ev = find(&x, DS_HE_EV_NAT64, 0);
	assert_non_null(ev);
	assert_int_equal(ev->err, 0);
	assert_int_equal(ev->prefix.len, 96);
	assert_ep(&ev->ep, AF_INET6, port);
	assert_int_equal(x.trace[0].type, DS_HE_EV_QUERY);
	assert_int_equal(x.trace[0].qtype, DS_RESOLVE_AAAA);
	assert_int_equal(count(&x, DS_HE_EV_QUERY), 1);
	run_end(&x);

	/* With no_nat64, or a host with IPv4, the literal is used as is. */
	o.no_nat64 = true;
	assert_int_equal(run_v6only(&x, "0.0.0.1", port, &o) != 0, 1);
	assert_int_equal(count(&x, DS_HE_EV_NAT64), 0);
	run_end(&x);
	dns_stop(&d);

	/* NODATA for ipv4only.arpa: no prefix. */
	dns_start(&d, NULL);
	snprintf(servers, sizeof(servers), "127.0.0.1:%u", (unsigned)d.port);
	o.no_nat64 = false;
	assert_int_equal(run_v6only(&x, "192.0.2.1", port, &o), -DS_E_NO_NAT64);
	ev = find(&x, DS_HE_EV_NAT64, 0);
	assert_non_null(ev);
	assert_true(ev->err < 0);
	assert_int_equal(count(&x, DS_HE_EV_ATTEMPT), 0);
	run_end(&x);
	dns_stop(&d);

	/* An answer without a well-known address: no prefix either. */
	dns_start(&d, "64:ff9b::c000:201");
	snprintf(servers, sizeof(servers), "127.0.0.1:%u", (unsigned)d.port);
	assert_int_equal(run_v6only(&x, "192.0.2.1", port, &o), -DS_E_NO_NAT64);
	ev = find(&x, DS_HE_EV_NAT64, 0);
	assert_non_null(ev);
	assert_int_equal(ev->err, -DS_E_NO_NAT64);
	run_end(&x);
	dns_stop(&d);
	close(l);
	(void)state;
}

/* --- The Resolution Delay (RFC 8305 section 3) ---------------------------- */

static void
dns_opts(
    struct ds_connect_opts *o, char *servers, size_t size, const struct dns *d)
{
	snprintf(servers, size, "127.0.0.1:%u", (unsigned)d->port);
	ds_connect_opts_init(o);
	o->resolve.servers = servers;
	o->resolve.no_hosts = true;
	o->resolve.family = DS_RESOLVE_BOTH;
	o->resolve.timeout_us = 2000000;
}

/* A answers at once, AAAA 400 ms late: the Resolution Delay (50 ms)
 * expires and IPv4 wins before AAAA arrives. */
static void
test_resolution_delay_expires(void **state)
{
	struct ds_connect_opts o;
	const struct ds_he_event *rd, *rx, *a1;
	char servers[64];
	uint16_t port = 0;
	int l = tcp_socket(AF_INET, &port, 4);
	struct dns d;
	struct run x;

	dns_start_x(&d, "::1", true, 400);
	dns_opts(&o, servers, sizeof(servers), &d);
	assert_int_equal(run(&x, "www.example.test", port, &o), 0);
	assert_ep(&x.r.remote, AF_INET, port);
	rd = find(&x, DS_HE_EV_RES_DELAY, 0);
	rx = find(&x, DS_HE_EV_RES_EXPIRED, 0);
	a1 = find(&x, DS_HE_EV_ATTEMPT, 1);
	assert_non_null(rd);
	assert_non_null(rx);
	assert_non_null(a1);
	assert_int_equal(rd->delay_us, DS_HE_RESOLUTION_DELAY_US);
	assert_true(rx->t_us - rd->t_us >= 45000);
	assert_true(rx->t_us - rd->t_us < 350000);
	assert_true(a1 > rx);
	assert_non_null(ds_connect_get_resolve(x.c));
	run_end(&x);
	dns_stop(&d);
	close(l);
	(void)state;
}

/* AAAA 20 ms after A, within a 1 s Resolution Delay: the race starts at
 * AAAA's answer, with ::1 first. */
static void
test_resolution_delay_met(void **state)
{
	struct ds_connect_opts o;
	const struct ds_he_event *a1;
	char servers[64];
	uint16_t port = 0;
	int l4, l6;
	struct dns d;
	struct run x;

	NEED_IPV6_LOOPBACK();
	l4 = tcp_socket(AF_INET, &port, 4);
	l6 = tcp_socket(AF_INET6, &port, 4);
	dns_start_x(&d, "::1", true, 20);
	dns_opts(&o, servers, sizeof(servers), &d);
	o.resolution_delay_us = 1000000;
	assert_int_equal(run(&x, "www.example.test", port, &o), 0);
	assert_non_null(find(&x, DS_HE_EV_RES_DELAY, 0));
	assert_null(find(&x, DS_HE_EV_RES_EXPIRED, 0));
	a1 = find(&x, DS_HE_EV_ATTEMPT, 1);
	assert_non_null(a1);
	assert_ep(&a1->ep, AF_INET6, port);
	assert_true(a1->t_us < 900000);
	assert_ep(&x.r.remote, AF_INET6, port);
	run_end(&x);
	dns_stop(&d);
	close(l4);
	close(l6);
	(void)state;
}

/* No address at all: the resolver's status. */
static void
test_nodata(void **state)
{
	struct ds_connect_opts o;
	char servers[64];
	struct dns d;
	struct run x;

	dns_start_x(&d, NULL, false, 0);
	dns_opts(&o, servers, sizeof(servers), &d);
	assert_int_equal(run(&x, "www.example.test", 80, &o), -DS_E_DNS_NODATA);
	assert_int_equal(count(&x, DS_HE_EV_ANSWER), 2);
	assert_int_equal(count(&x, DS_HE_EV_ATTEMPT), 0);
	run_end(&x);
	dns_stop(&d);
	(void)state;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_listener_v4),
	    cmocka_unit_test(test_listener_v6),
	    cmocka_unit_test(test_refused_then_next),
	    cmocka_unit_test(test_all_refused),
	    cmocka_unit_test(test_no_usable_family),
	    cmocka_unit_test(test_bind),
	    cmocka_unit_test(test_silent_then_next),
	    cmocka_unit_test(test_timeout),
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_free_in_callback),
	    cmocka_unit_test(test_free_before_report),
	    cmocka_unit_test(test_blocking),
	    cmocka_unit_test(test_localhost),
	    cmocka_unit_test(test_nat64),
	    cmocka_unit_test(test_resolution_delay_expires),
	    cmocka_unit_test(test_resolution_delay_met),
	    cmocka_unit_test(test_nodata),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
