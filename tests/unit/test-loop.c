/* SPDX-License-Identifier: MIT */
/*
 * ds_loop: timers (order, restart, stop, free from callbacks), descriptors
 * (level, edge, disable, hang-up, freeing inside a batch), signals, defers,
 * stop, teardown with live handles, and embedding through poll().
 *
 * Timing is only ever asserted as an order or as a lower bound, so that a
 * loaded machine slows the tests down without failing them.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "dualstack/loop.h"

/* The tests think in milliseconds; the loop takes microseconds. */
#define MS(n) ((uint64_t)(n)*1000u)

static struct ds_loop *
new_loop(void)
{
	struct ds_loop *loop = NULL;

	assert_int_equal(ds_loop_new(&loop), 0);
	assert_non_null(loop);
	return loop;
}

static void
new_pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX,
	                     SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv),
	    0);
}

static void
put_byte(int fd)
{
	assert_int_equal(write(fd, "x", 1), 1);
}

/* A small deterministic generator: failures must be reproducible. */
static uint32_t
rnd(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 16;
}

/*
 * SIGUSR1 and SIGUSR2 get a handler that only counts: a signal that reaches
 * it escaped the loop (delivered the classic way, e.g. after the loop
 * unblocked it while still pending), and a failed assertion, whose longjmp
 * restores the signal mask, does not kill the whole run.
 */
static volatile sig_atomic_t stray;

static void
on_stray(int signo)
{
	stray++;
}

static bool
signal_blocked(int signo)
{
	sigset_t cur;

	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
	return sigismember(&cur, signo) == 1;
}

/* --- Loop basics ---------------------------------------------------------- */

static void
test_empty_loop(void **state)
{
	struct ds_loop *loop = new_loop();

	/* Nothing can wake it: run returns at once, with 0. */
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(ds_loop_run_once(loop, 0), 0);
	assert_int_equal(ds_loop_get_timeout_us(loop), -1);
	assert_true(ds_loop_get_fd(loop) >= 0);
	/* The epoll descriptor is close-on-exec. */
	assert_true(fcntl(ds_loop_get_fd(loop), F_GETFD) & FD_CLOEXEC);

	assert_null(ds_loop_free(loop));
	assert_null(ds_loop_free(NULL));
	assert_null(ds_io_free(NULL));
	assert_null(ds_timer_free(NULL));
	assert_null(ds_signal_free(NULL));
	assert_null(ds_defer_free(NULL));
}

static void
test_time(void **state)
{
	struct ds_loop *loop = new_loop();
	uint64_t a = ds_time_now_us(), b;

	b = ds_time_now_us();
	assert_true(b >= a);
	/* The loop's now is the same clock, in microseconds. */
	assert_true(ds_loop_now(loop) <= ds_time_now_us());
	assert_true(ds_loop_now(loop) + 1000000 >= a);
	ds_loop_free(loop);
}

/* --- Timers --------------------------------------------------------------- */

struct tlog {
	struct ds_loop *loop;
	unsigned n;
	unsigned order[10000];
	uint64_t now[10000];
};

struct tctx {
	struct ds_loop *loop;
	struct tlog *log;
	unsigned id;
	uint64_t due;
	struct ds_timer *t;
	struct ds_timer *other; /* stopped from the callback */
	struct tctx *victim;    /* freed from the callback */
	unsigned fired;
	uint64_t fired_us;
	unsigned repeat; /* restart itself this many more times */
	uint64_t repeat_delay;
};

static void
on_timer(struct ds_timer *t, void *userdata)
{
	struct tctx *c = userdata;
	struct tlog *log = c->log;

	assert_ptr_equal(t, c->t);
	assert_false(ds_timer_is_active(t));
	c->fired++;
	c->fired_us = ds_time_now_us();
	if (log) {
		log->order[log->n] = c->id;
		log->now[log->n] = ds_loop_now(log->loop);
		log->n++;
	}
	if (c->repeat) {
		c->repeat--;
		ds_timer_start_in(t, MS(c->repeat_delay));
		assert_true(ds_timer_is_active(t));
	}
}

static void
timer_new(struct ds_loop *loop, struct tctx *c, struct tlog *log, unsigned id)
{
	c->loop = loop;
	c->log = log;
	c->id = id;
	assert_int_equal(ds_timer_new(loop, on_timer, c, &c->t), 0);
	assert_false(ds_timer_is_active(c->t));
}

static int
cmp_due(const void *a, const void *b)
{
	const struct tctx *x = a, *y = b;

	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void
test_timer_order(void **state)
{
	static struct tlog log;
	struct ds_loop *loop = new_loop();
	struct tctx c[50], sorted[50];
	uint32_t seed = 42;

	memset(&log, 0, sizeof(log));
	log.loop = loop;
	memset(c, 0, sizeof(c));
	for (unsigned i = 0; i < 50; i++) {
		uint64_t delay = rnd(&seed) % 31;

		timer_new(loop, &c[i], &log, i);
		ds_timer_start_in(c[i].t, MS(delay));
		/* Started outside a callback: relative to a fresh now. */
		c[i].due = ds_loop_now(loop) + MS(delay);
	}
	/* Several timers share a delay, so FIFO among equals is exercised. */
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(log.n, 50);

	memcpy(sorted, c, sizeof(c));
	qsort(sorted, 50, sizeof(sorted[0]), cmp_due);
	for (unsigned i = 0; i < 50; i++) {
		assert_int_equal(log.order[i], sorted[i].id);
		assert_true(log.now[i] >= sorted[i].due);
		assert_int_equal(c[i].fired, 1);
	}
	for (unsigned i = 0; i < 50; i++)
		ds_timer_free(c[i].t);
	ds_loop_free(loop);
}

static void
on_defer_start_all(struct ds_defer *d, void *userdata)
{
	struct tctx *c = userdata;

	/* In reverse index order, all with one delay, and from one callback
	 * so that they share the loop's now: one due millisecond. */
	for (unsigned i = 20; i-- > 0;)
		ds_timer_start_in(c[i].t, MS(3));
}

static void
test_timer_same_ms_fifo(void **state)
{
	static struct tlog log;
	struct ds_loop *loop = new_loop();
	struct tctx c[20];
	struct ds_defer *d;

	memset(&log, 0, sizeof(log));
	log.loop = loop;
	memset(c, 0, sizeof(c));
	for (unsigned i = 0; i < 20; i++)
		timer_new(loop, &c[i], &log, i);
	assert_int_equal(ds_defer_new(loop, on_defer_start_all, c, &d), 0);
	ds_defer_schedule(d);
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(log.n, 20);
	for (unsigned i = 0; i < 20; i++)
		assert_int_equal(log.order[i], 19 - i);
	ds_loop_free(loop);
}

static void
test_timer_lower_bound(void **state)
{
	struct ds_loop *loop = new_loop();
	struct tctx c = {0};
	uint64_t t0, now0;

	timer_new(loop, &c, NULL, 0);
	/* Set-up code that takes a while before it starts the timer: the
	 * delay still counts from the start, not from the loop's last look
	 * at the clock. */
	usleep(30000);
	t0 = ds_time_now_us();
	ds_timer_start_in(c.t, MS(20));
	now0 = ds_loop_now(loop);
	assert_true(ds_timer_is_active(c.t));
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(c.fired, 1);
	/* Never early, neither by the real clock nor by the loop's. */
	assert_true(c.fired_us - t0 >= 20000);
	assert_true(ds_loop_now(loop) >= now0 + MS(20));

	/* Polled without waiting, as fast as possible: a whole-millisecond
	 * comparison would fire up to 1 ms early; the loop must not. Ten
	 * rounds, so a start that happens to fall on a millisecond boundary
	 * cannot hide it. */
	for (unsigned i = 0; i < 10; i++) {
		c.fired = 0;
		t0 = ds_time_now_us();
		ds_timer_start_in(c.t, MS(2));
		while (c.fired == 0)
			assert_true(ds_loop_run_once(loop, 0) >= 0);
		assert_true(c.fired_us - t0 >= 2000);
	}
	ds_loop_free(loop);
}

static void
test_timer_restart(void **state)
{
	static struct tlog log;
	struct ds_loop *loop = new_loop();
	struct tctx a = {0}, b = {0};

	memset(&log, 0, sizeof(log));
	log.loop = loop;
	timer_new(loop, &a, &log, 1);
	timer_new(loop, &b, &log, 2);

	/* Moved earlier. */
	ds_timer_start_in(a.t, MS(500));
	ds_timer_start_in(b.t, MS(10));
	ds_timer_start_in(a.t, MS(2));
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.order[0], 1);
	assert_int_equal(log.order[1], 2);

	/* Moved later. */
	log.n = 0;
	ds_timer_start_in(a.t, MS(2));
	ds_timer_start_in(b.t, MS(10));
	ds_timer_start_in(a.t, MS(25));
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.order[0], 2);
	assert_int_equal(log.order[1], 1);
	assert_true(log.now[1] >= log.now[0]);

	/* Restarted with the same delay: goes behind an equal one. */
	log.n = 0;
	ds_timer_start_in(a.t, MS(0));
	ds_timer_start_in(b.t, MS(0));
	ds_timer_start_in(a.t, MS(0));
	assert_int_equal(ds_loop_run_once(loop, 0), 2);
	assert_int_equal(log.order[0], 2);
	assert_int_equal(log.order[1], 1);

	/* Repeating by restarting from the callback. */
	log.n = 0;
	a.fired = 0;
	a.repeat = 3;
	a.repeat_delay = 1;
	ds_timer_start_in(a.t, MS(1));
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(a.fired, 4);
	assert_false(ds_timer_is_active(a.t));
	ds_loop_free(loop);
}

static void
test_timer_stop(void **state)
{
	struct ds_loop *loop = new_loop();
	struct tctx c = {0};

	timer_new(loop, &c, NULL, 0);
	ds_timer_stop(c.t); /* not armed: nothing happens */
	ds_timer_start_in(c.t, MS(0));
	assert_true(ds_timer_is_active(c.t));
	assert_int_equal(ds_loop_get_timeout_us(loop), 0);
	ds_timer_stop(c.t);
	assert_false(ds_timer_is_active(c.t));
	assert_int_equal(ds_loop_get_timeout_us(loop), -1);
	/* Nothing left: returns at once, and the timer never fires. */
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(ds_loop_run_once(loop, 0), 0);
	assert_int_equal(c.fired, 0);
	ds_timer_stop(c.t);

	ds_timer_start_in(c.t, MS(1000));
	assert_true(ds_loop_get_timeout_us(loop) > 0);
	assert_true(ds_loop_get_timeout_us(loop) <= (int64_t)MS(1000));
	ds_loop_free(loop); /* with the timer still armed */
}

/* Absolute deadlines, in microseconds on the loop's clock. */
static void
test_timer_deadline(void **state)
{
	struct ds_loop *loop = new_loop();
	struct tctx c = {0};
	uint64_t due;
	int64_t wait;

	timer_new(loop, &c, NULL, 0);
	due = ds_time_now_us() + 3000;
	ds_timer_start_at(c.t, due);
	assert_true(ds_timer_is_active(c.t));
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(c.fired, 1);
	assert_true(c.fired_us >= due);
	assert_true(ds_loop_now(loop) >= due);

	/* The wait is told in microseconds, not rounded to milliseconds. */
	ds_timer_start_in(c.t, 1500);
	wait = ds_loop_get_timeout_us(loop);
	assert_true(wait > 0);
	assert_true(wait <= 1500);
	ds_timer_start_at(c.t, ds_loop_now(loop) + 1500);
	assert_true(ds_loop_get_timeout_us(loop) <= 1500);

	/* Never: a deadline at the end of time, or a delay that would
	 * wrap, is still a running timer that does not fire. */
	ds_timer_start_in(c.t, UINT64_MAX);
	assert_true(ds_loop_get_timeout_us(loop) > (int64_t)MS(1000000));
	ds_timer_start_at(c.t, UINT64_MAX);
	assert_true(ds_timer_is_active(c.t));
	assert_int_equal(ds_loop_run_once(loop, 0), 0);
	assert_int_equal(c.fired, 1);
	ds_timer_free(c.t);
	ds_loop_free(loop);
}

/* Starts c->other with a deadline long past. */
static void
on_timer_start_past(struct ds_timer *t, void *userdata)
{
	struct tctx *c = userdata;

	c->fired++;
	ds_timer_start_at(c->other, 0);
}

static void
test_timer_deadline_past(void **state)
{
	static struct tlog log;
	struct ds_loop *loop = new_loop();
	struct tctx a = {0}, b = {0}, p = {0};

	memset(&log, 0, sizeof(log));
	log.loop = loop;
	timer_new(loop, &b, &log, 2);
	timer_new(loop, &p, &log, 3);
	a.other = p.t;
	assert_int_equal(ds_timer_new(loop, on_timer_start_past, &a, &a.t), 0);

	/* A past deadline from outside a callback: the next iteration. */
	ds_timer_start_at(p.t, 1);
	assert_int_equal(ds_loop_get_timeout_us(loop), 0);
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(p.fired, 1);

	/* From a callback, with b due in the same iteration: p fires in
	 * the next iteration, and does not hold b back although its
	 * deadline is the earliest of all. */
	log.n = 0;
	ds_timer_start_in(a.t, 0);
	ds_timer_start_in(b.t, 0);
	assert_int_equal(ds_loop_run_once(loop, 0), 2);
	assert_int_equal(a.fired, 1);
	assert_int_equal(b.fired, 1);
	assert_int_equal(p.fired, 1);
	assert_true(ds_timer_is_active(p.t));
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(p.fired, 2);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.order[0], 2);
	assert_int_equal(log.order[1], 3);
	ds_loop_free(loop);
}

static void
on_timer_stop_other(struct ds_timer *t, void *userdata)
{
	struct tctx *c = userdata;

	c->fired++;
	ds_timer_stop(c->other);
	assert_false(ds_timer_is_active(c->other));
}

static void
test_timer_stop_from_callback(void **state)
{
	struct ds_loop *loop = new_loop();
	struct tctx a = {0}, b = {0}, d = {0};

	timer_new(loop, &b, NULL, 2);
	timer_new(loop, &d, NULL, 3);
	assert_int_equal(ds_timer_new(loop, on_timer_stop_other, &a, &a.t), 0);

	/* Due later than the stopper. */
	a.other = b.t;
	ds_timer_start_in(a.t, MS(1));
	ds_timer_start_in(b.t, MS(15));
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(a.fired, 1);
	assert_int_equal(b.fired, 0);

	/* Due in the same iteration, right behind the stopper. */
	a.other = d.t;
	ds_timer_start_in(a.t, MS(0));
	ds_timer_start_in(d.t, MS(0));
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(a.fired, 2);
	assert_int_equal(d.fired, 0);
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(d.fired, 0);
	ds_loop_free(loop);
}

static void
on_timer_free_self(struct ds_timer *t, void *userdata)
{
	struct tctx *c = userdata;

	c->fired++;
	c->t = ds_timer_free(t);
}

static void
on_timer_free_other(struct ds_timer *t, void *userdata)
{
	struct tctx *c = userdata;

	c->fired++;
	c->victim->t = ds_timer_free(c->victim->t);
}

static void
test_timer_free_in_callback(void **state)
{
	struct ds_loop *loop = new_loop();
	struct tctx a = {0}, b = {0}, v = {0};

	/* Itself. ASan reports any later touch of the freed timer. */
	assert_int_equal(ds_timer_new(loop, on_timer_free_self, &a, &a.t), 0);
	ds_timer_start_in(a.t, MS(0));
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(a.fired, 1);
	assert_null(a.t);

	/* Another timer, pending in the same iteration: it must not fire. */
	timer_new(loop, &v, NULL, 9);
	assert_int_equal(ds_timer_new(loop, on_timer_free_other, &b, &b.t), 0);
	b.victim = &v;
	ds_timer_start_in(b.t, MS(0));
	ds_timer_start_in(v.t, MS(0));
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(b.fired, 1);
	assert_int_equal(v.fired, 0);
	assert_null(v.t);
	ds_loop_free(loop);
}

static void
test_timer_many(void **state)
{
	enum { N = 10000 };
	static struct tlog log;
	static struct tctx c[N];
	struct ds_loop *loop = new_loop();
	uint32_t seed = 7;

	memset(&log, 0, sizeof(log));
	memset(c, 0, sizeof(c));
	log.loop = loop;
	for (unsigned i = 0; i < N; i++) {
		timer_new(loop, &c[i], &log, i);
		ds_timer_start_in(c[i].t, MS(rnd(&seed) % 20));
	}
	/* Shuffle the heap: restart a third at random delays, then stop
	 * every even one. */
	for (unsigned i = 0; i < N; i += 3)
		ds_timer_start_in(c[i].t, MS(rnd(&seed) % 20));
	for (unsigned i = 0; i < N; i += 2)
		ds_timer_stop(c[i].t);
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(log.n, N / 2);
	for (unsigned i = 0; i < N; i++)
		assert_int_equal(c[i].fired, i % 2);
	for (unsigned i = 1; i < log.n; i++)
		assert_true(log.now[i] >= log.now[i - 1]);
	ds_loop_free(loop); /* frees the 10,000 timers */
}

static void
test_timer_waits(void **state)
{
	struct ds_loop *loop = new_loop();
	struct tctx c = {0};
	unsigned rounds = 0;

	/* The wait is rounded up, never down: a 20 ms timer takes a couple
	 * of iterations at most, not a spin through its last millisecond. */
	timer_new(loop, &c, NULL, 0);
	ds_timer_start_in(c.t, MS(20));
	while (c.fired == 0) {
		assert_true(ds_loop_run_once(loop, -1) >= 0);
		rounds++;
	}
	assert_true(rounds <= 5);
	ds_loop_free(loop);
}

static void
test_timer_zero_delay(void **state)
{
	struct ds_loop *loop = new_loop();
	struct tctx c = {0};

	timer_new(loop, &c, NULL, 0);
	ds_timer_start_in(c.t, MS(0));
	/* Never from inside the call that armed it. */
	assert_int_equal(c.fired, 0);
	assert_int_equal(ds_loop_get_timeout_us(loop), 0);
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(c.fired, 1);

	/* Restarting itself with delay 0: once per iteration, not in a tight
	 * loop inside one. */
	c.repeat = 1000;
	c.repeat_delay = 0;
	ds_timer_start_in(c.t, MS(0));
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(ds_loop_run_once(loop, 0), 1);
		assert_int_equal(c.fired, 2 + i);
	}
	ds_loop_free(loop);
}

static void
test_timer_now_per_iteration(void **state)
{
	static struct tlog log;
	struct ds_loop *loop = new_loop();
	struct tctx a = {0}, b = {0};

	memset(&log, 0, sizeof(log));
	log.loop = loop;
	timer_new(loop, &a, &log, 1);
	timer_new(loop, &b, &log, 2);
	/* b's callback runs after a's, in the same iteration, however long
	 * a took: both see the same now. */
	a.repeat = 0;
	ds_timer_start_in(a.t, MS(0));
	ds_timer_start_in(b.t, MS(0));
	assert_int_equal(ds_loop_run_once(loop, 0), 2);
	assert_int_equal(log.now[0], log.now[1]);
	ds_loop_free(loop);
}

/* --- Descriptors ---------------------------------------------------------- */

struct ioctx {
	struct ds_loop *loop;
	struct ds_io *io;
	int fd;
	unsigned calls;
	unsigned events; /* the last reported */
	bool drain;
	bool stop;
	/* for the free-in-batch test */
	struct ioctx *peer;
	int spare_fd;
	struct ioctx *replacement;
};

static void
on_io(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct ioctx *c = userdata;

	assert_ptr_equal(io, c->io);
	assert_int_equal(fd, c->fd);
	c->calls++;
	c->events = events;
	if (c->drain) {
		char buf[64];

		while (read(fd, buf, sizeof(buf)) > 0)
			;
	}
	if (c->stop)
		ds_loop_stop(c->loop, 7);
}

static void
io_new(struct ds_loop *loop, struct ioctx *c, int fd, unsigned events)
{
	c->loop = loop;
	c->fd = fd;
	assert_int_equal(ds_io_new(loop, fd, events, on_io, c, &c->io), 0);
	assert_int_equal(ds_io_get_fd(c->io), fd);
	assert_int_equal(ds_io_get_events(c->io), events);
}

static void
test_io_in_out(void **state)
{
	struct ds_loop *loop = new_loop();
	struct ioctx r = {0}, w = {0};
	int sv[2];

	new_pair(sv);
	io_new(loop, &r, sv[0], DS_IO_IN);
	/* Not readable yet. */
	assert_int_equal(ds_loop_run_once(loop, 0), 0);
	assert_int_equal(r.calls, 0);

	put_byte(sv[1]);
	r.drain = true;
	r.stop = true;
	assert_int_equal(ds_loop_run(loop), 7);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.events, DS_IO_IN);
	/* Drained: level-triggered, nothing more. */
	assert_int_equal(ds_loop_run_once(loop, 0), 0);

	io_new(loop, &w, sv[1], DS_IO_OUT);
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.events, DS_IO_OUT);
	/* Level-triggered: still writable, reported again. */
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(w.calls, 2);

	/* Both directions on one watch. */
	put_byte(sv[1]);
	assert_int_equal(ds_io_set_events(w.io, 0), 0);
	assert_int_equal(ds_io_set_events(r.io, DS_IO_IN | DS_IO_OUT), 0);
	r.drain = false;
	r.stop = false;
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(r.events, DS_IO_IN | DS_IO_OUT);

	ds_io_free(r.io);
	ds_io_free(w.io);
	ds_loop_free(loop);
	close(sv[0]);
	close(sv[1]);
}

static void
test_io_edge(void **state)
{
	struct ds_loop *loop = new_loop();
	struct ioctx c = {0};
	int sv[2];

	new_pair(sv);
	io_new(loop, &c, sv[0], DS_IO_IN | DS_IO_EDGE);
	put_byte(sv[1]);
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(c.events, DS_IO_IN);
	/* The byte is still unread, but there is no new edge. */
	assert_int_equal(ds_loop_run_once(loop, 0), 0);
	assert_int_equal(ds_loop_run_once(loop, 0), 0);
	/* New data: one new report. */
	put_byte(sv[1]);
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(ds_loop_run_once(loop, 0), 0);
	assert_int_equal(c.calls, 2);

	/* Back to level-triggered: the unread bytes are reported each time. */
	assert_int_equal(ds_io_set_events(c.io, DS_IO_IN), 0);
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(c.calls, 4);
	ds_loop_free(loop);
	close(sv[0]);
	close(sv[1]);
}

static void
test_io_disable(void **state)
{
	struct ds_loop *loop = new_loop();
	struct ioctx c = {0}, d = {0};
	int sv[2], sv2[2];

	new_pair(sv);
	io_new(loop, &c, sv[0], DS_IO_IN);
	put_byte(sv[1]);
	assert_int_equal(ds_io_set_events(c.io, 0), 0);
	assert_int_equal(ds_io_get_events(c.io), 0);
	assert_int_equal(ds_loop_run_once(loop, 0), 0);
	/* A disabled watch does not keep the loop alive. */
	assert_int_equal(ds_loop_run(loop), 0);
	/* Nor does a hang-up wake it. */
	close(sv[1]);
	assert_int_equal(ds_loop_run_once(loop, 0), 0);
	assert_int_equal(c.calls, 0);
	/* Enabled again: the byte and the hang-up are there. */
	assert_int_equal(ds_io_set_events(c.io, DS_IO_IN), 0);
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_true(c.events & DS_IO_IN);
	assert_true(c.events & DS_IO_HUP);

	/* Added disabled. */
	new_pair(sv2);
	put_byte(sv2[1]);
	io_new(loop, &d, sv2[0], 0);
	assert_int_equal(ds_loop_run_once(loop, 0), 1); /* only c */
	assert_int_equal(d.calls, 0);
	assert_int_equal(ds_io_set_events(d.io, DS_IO_IN), 0);
	assert_int_equal(ds_loop_run_once(loop, 0), 2);
	assert_int_equal(d.calls, 1);
	ds_loop_free(loop);
	close(sv[0]);
	close(sv2[0]);
	close(sv2[1]);
}

static void
test_io_hup(void **state)
{
	struct ds_loop *loop = new_loop();
	struct ioctx c = {0}, p = {0}, w = {0};
	int sv[2], pfd[2], wfd[2];

	/* A stream socket whose peer closes. */
	new_pair(sv);
	io_new(loop, &c, sv[0], DS_IO_IN);
	close(sv[1]);
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_true(c.events & DS_IO_IN);
	assert_true(c.events & DS_IO_HUP);
	assert_int_equal(read(sv[0], &(char){0}, 1), 0);

	/* A pipe whose writer closes. */
	assert_int_equal(pipe2(pfd, O_NONBLOCK | O_CLOEXEC), 0);
	io_new(loop, &p, pfd[0], DS_IO_IN);
	close(pfd[1]);
	ds_io_free(c.io);
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(p.calls, 1);
	assert_true(p.events & DS_IO_HUP);

	/* A pipe whose reader closes: an error for the writer. */
	assert_int_equal(pipe2(wfd, O_NONBLOCK | O_CLOEXEC), 0);
	io_new(loop, &w, wfd[1], DS_IO_OUT);
	close(wfd[0]);
	ds_io_free(p.io);
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_true(w.events & DS_IO_ERR);
	ds_loop_free(loop);
	close(sv[0]);
	close(pfd[0]);
	close(wfd[1]);
}

static void
on_io_free_peer(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct ioctx *c = userdata;
	struct ioctx *peer = c->peer;

	c->calls++;
	if (!peer->io)
		return;
	/* Free the other watch, then put a new one on the same descriptor
	 * number, now a different, idle socket: neither may see the old
	 * event. */
	peer->io = ds_io_free(peer->io);
	assert_int_equal(dup2(c->spare_fd, peer->fd), peer->fd);
	assert_int_equal(ds_io_new(c->loop, peer->fd, DS_IO_IN, on_io,
	                     c->replacement, &c->replacement->io),
	    0);
	c->replacement->fd = peer->fd;
	c->replacement->loop = c->loop;
}

static void
test_io_free_in_batch(void **state)
{
	struct ds_loop *loop = new_loop();
	struct ioctx a = {0}, b = {0}, repl = {0};
	int sa[2], sb[2], sc[2];

	new_pair(sa);
	new_pair(sb);
	new_pair(sc);
	a.loop = b.loop = loop;
	a.fd = sa[0];
	b.fd = sb[0];
	a.peer = &b;
	b.peer = &a;
	a.spare_fd = b.spare_fd = sc[0];
	a.replacement = b.replacement = &repl;
	assert_int_equal(
	    ds_io_new(loop, sa[0], DS_IO_IN, on_io_free_peer, &a, &a.io), 0);
	assert_int_equal(
	    ds_io_new(loop, sb[0], DS_IO_IN, on_io_free_peer, &b, &b.io), 0);
	/* Both ready, so both are in the same epoll batch. */
	put_byte(sa[1]);
	put_byte(sb[1]);
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(a.calls + b.calls, 1);
	assert_int_equal(repl.calls, 0);
	/* The new watch works, for its own events. */
	put_byte(sc[1]);
	assert_int_equal(ds_loop_run_once(loop, 0), 2); /* survivor + repl */
	assert_int_equal(repl.calls, 1);

	ds_loop_free(loop);
	close(sa[0]);
	close(sa[1]);
	close(sb[0]);
	close(sb[1]);
	close(sc[0]);
	close(sc[1]);
}

static void
on_io_disable_peer(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct ioctx *c = userdata;

	c->calls++;
	assert_int_equal(ds_io_set_events(c->peer->io, 0), 0);
}

static void
test_io_disable_in_batch(void **state)
{
	struct ds_loop *loop = new_loop();
	struct ioctx a = {0}, b = {0};
	int sa[2], sb[2];

	new_pair(sa);
	new_pair(sb);
	a.peer = &b;
	b.peer = &a;
	assert_int_equal(
	    ds_io_new(loop, sa[0], DS_IO_IN, on_io_disable_peer, &a, &a.io), 0);
	assert_int_equal(
	    ds_io_new(loop, sb[0], DS_IO_IN, on_io_disable_peer, &b, &b.io), 0);
	/* Hang-ups, which epoll reports even without being asked. */
	close(sa[1]);
	close(sb[1]);
	/* Whichever runs first disables the other, whose event is already in
	 * the batch: it is not reported. */
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(a.calls + b.calls, 1);
	ds_loop_free(loop);
	close(sa[0]);
	close(sb[0]);
}

static void
test_io_half_close(void **state)
{
	struct ds_loop *loop = new_loop();
	struct ioctx r = {0}, w = {0};
	int sa[2], sb[2];

	/* The peer shuts down its sending side only (EPOLLRDHUP). */
	new_pair(sa);
	io_new(loop, &r, sa[0], DS_IO_IN);
	assert_int_equal(shutdown(sa[1], SHUT_WR), 0);
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(r.events, DS_IO_IN | DS_IO_HUP);

	/* A writer is not woken by the peer's half-close: it can still
	 * write, and a level-triggered hang-up would wake it for ever. */
	new_pair(sb);
	io_new(loop, &w, sb[0], DS_IO_OUT);
	assert_int_equal(shutdown(sb[1], SHUT_WR), 0);
	r.io = ds_io_free(r.io);
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(w.events, DS_IO_OUT);
	ds_loop_free(loop);
	close(sa[0]);
	close(sa[1]);
	close(sb[0]);
	close(sb[1]);
}

static void
on_io_free_self(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct ioctx *c = userdata;

	c->calls++;
	c->io = ds_io_free(io);
}

static void
test_io_free_self(void **state)
{
	struct ds_loop *loop = new_loop();
	struct ioctx c = {0}, other = {0};
	int sv[2], sv2[2];

	new_pair(sv);
	new_pair(sv2);
	io_new(loop, &other, sv2[0], DS_IO_IN);
	assert_int_equal(
	    ds_io_new(loop, sv[0], DS_IO_IN, on_io_free_self, &c, &c.io), 0);
	put_byte(sv[1]);
	put_byte(sv2[1]);
	assert_int_equal(ds_loop_run_once(loop, 0), 2);
	assert_int_equal(c.calls, 1);
	assert_null(c.io);
	/* The descriptor is the caller's: still open, and free to watch. */
	assert_int_equal(fcntl(sv[0], F_GETFD) != -1, 1);
	io_new(loop, &c, sv[0], DS_IO_IN);
	ds_loop_free(loop);
	close(sv[0]);
	close(sv[1]);
	close(sv2[0]);
	close(sv2[1]);
}

static void
test_io_errors(void **state)
{
	struct ds_loop *loop = new_loop();
	struct ds_io *io = NULL, *io2 = NULL;
	int sv[2], file;

	new_pair(sv);
	assert_int_equal(ds_io_new(loop, sv[0], 0, on_io, NULL, &io), 0);
	/* Already watched, even while disabled. */
	assert_int_equal(
	    ds_io_new(loop, sv[0], DS_IO_IN, on_io, NULL, &io2), -EEXIST);
	assert_int_equal(ds_io_set_events(io, DS_IO_IN), 0);
	assert_int_equal(
	    ds_io_new(loop, sv[0], DS_IO_IN, on_io, NULL, &io2), -EEXIST);
	assert_null(io2);
	assert_int_equal(ds_io_set_events(io, DS_IO_HUP), -EINVAL);
	assert_int_equal(ds_io_get_events(io), DS_IO_IN);
	ds_io_free(io);

	assert_int_equal(
	    ds_io_new(loop, -1, DS_IO_IN, on_io, NULL, &io), -EBADF);
	assert_int_equal(
	    ds_io_new(loop, 4000, DS_IO_IN, on_io, NULL, &io), -EBADF);
	assert_int_equal(ds_io_new(loop, 4000, 0, on_io, NULL, &io), -EBADF);
	assert_int_equal(
	    ds_io_new(loop, sv[0], 1u << 10, on_io, NULL, &io), -EINVAL);
	/* epoll cannot watch a directory (nor a regular file). */
	file = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(file >= 0);
	assert_int_equal(
	    ds_io_new(loop, file, DS_IO_IN, on_io, NULL, &io), -EPERM);
	close(file);
	ds_loop_free(loop);
	close(sv[0]);
	close(sv[1]);
}

/* --- Signals -------------------------------------------------------------- */

struct sigctx {
	struct ds_loop *loop;
	struct ds_signal *s;
	unsigned calls;
	int signo;
};

static void
on_signal(struct ds_signal *s, int signo, void *userdata)
{
	struct sigctx *c = userdata;

	assert_ptr_equal(s, c->s);
	c->calls++;
	c->signo = signo;
	ds_loop_stop(c->loop, 3);
}

static void
test_signal(void **state)
{
	struct ds_loop *loop = new_loop();
	struct sigctx c = {.loop = loop};
	struct ds_signal *dup = NULL;

	assert_false(signal_blocked(SIGUSR1));
	assert_int_equal(ds_signal_new(loop, SIGUSR1, on_signal, &c, &c.s), 0);
	assert_true(signal_blocked(SIGUSR1));
	assert_int_equal(
	    ds_signal_new(loop, SIGUSR1, on_signal, &c, &dup), -EEXIST);
	assert_int_equal(
	    ds_signal_new(loop, SIGKILL, on_signal, &c, &dup), -EINVAL);
	assert_int_equal(ds_signal_new(loop, 0, on_signal, &c, &dup), -EINVAL);
	assert_int_equal(ds_signal_new(loop, 65, on_signal, &c, &dup), -EINVAL);
	assert_null(dup);

	/* Not delivered from inside raise(): it waits for the loop. */
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(c.calls, 0);
	assert_int_equal(ds_loop_run(loop), 3);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.signo, SIGUSR1);

	/* Two arrivals between iterations merge, as the kernel merges them. */
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(ds_loop_run(loop), 3);
	assert_int_equal(ds_loop_run_once(loop, 0), 0);
	assert_int_equal(c.calls, 2);

	c.s = ds_signal_free(c.s);
	assert_false(signal_blocked(SIGUSR1));
	/* No handle left: the loop has nothing to wait for. */
	assert_int_equal(ds_loop_run(loop), 0);
	ds_loop_free(loop);
	assert_int_equal(stray, 0);
}

static void
test_signal_stop_keeps_rest(void **state)
{
	struct ds_loop *loop = new_loop();
	struct sigctx c1 = {.loop = loop}, c2 = {.loop = loop};
	struct sigctx c3 = {.loop = loop};

	assert_int_equal(
	    ds_signal_new(loop, SIGUSR1, on_signal, &c1, &c1.s), 0);
	assert_int_equal(
	    ds_signal_new(loop, SIGUSR2, on_signal, &c2, &c2.s), 0);
	/* Both are read in one go; the first callback stops the loop. */
	assert_int_equal(raise(SIGUSR2), 0);
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(ds_loop_run(loop), 3);
	assert_int_equal(c1.calls + c2.calls, 1);
	/* The other one was kept, and comes first in the next iteration. */
	assert_int_equal(ds_loop_get_timeout_us(loop), 0);
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(c1.calls, 1);
	assert_int_equal(c2.calls, 1);

	/* Kept, but its handle freed and replaced: the new handle only gets
	 * signals that arrive after it was made. */
	assert_int_equal(raise(SIGUSR2), 0);
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(ds_loop_run(loop), 3);
	assert_int_equal(c1.calls + c2.calls, 3);
	if (c1.calls == 2) {
		c2.s = ds_signal_free(c2.s);
		assert_int_equal(
		    ds_signal_new(loop, SIGUSR2, on_signal, &c3, &c3.s), 0);
	} else {
		c1.s = ds_signal_free(c1.s);
		assert_int_equal(
		    ds_signal_new(loop, SIGUSR1, on_signal, &c3, &c3.s), 0);
	}
	assert_int_equal(ds_loop_run_once(loop, 0), 0);
	assert_int_equal(c3.calls, 0);
	ds_loop_free(loop);
	assert_false(signal_blocked(SIGUSR1));
	assert_false(signal_blocked(SIGUSR2));
	assert_int_equal(stray, 0);
}

static void
test_signal_keeps_prior_mask(void **state)
{
	struct ds_loop *loop = new_loop();
	struct sigctx c = {.loop = loop};
	sigset_t set;

	/* The application had blocked it already: freeing leaves it so. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	assert_int_equal(sigprocmask(SIG_BLOCK, &set, NULL), 0);
	assert_int_equal(ds_signal_new(loop, SIGUSR2, on_signal, &c, &c.s), 0);
	ds_signal_free(c.s);
	assert_true(signal_blocked(SIGUSR2));
	assert_int_equal(sigprocmask(SIG_UNBLOCK, &set, NULL), 0);
	ds_loop_free(loop);
}

/* --- Defers --------------------------------------------------------------- */

struct dctx {
	struct ds_loop *loop;
	struct ds_defer *d;
	struct ds_defer *other; /* cancelled from the callback */
	unsigned calls;
	bool again;
	unsigned stop_after;
	unsigned *clock; /* shared: stamps the order of calls */
	unsigned stamp;
};

static void
on_defer(struct ds_defer *d, void *userdata)
{
	struct dctx *c = userdata;

	assert_ptr_equal(d, c->d);
	c->calls++;
	if (c->clock)
		c->stamp = ++*c->clock;
	if (c->other)
		ds_defer_cancel(c->other);
	if (c->again)
		ds_defer_schedule(d);
	if (c->stop_after && c->calls == c->stop_after)
		ds_loop_stop(c->loop, 5);
}

static void
defer_new(struct ds_loop *loop, struct dctx *c)
{
	c->loop = loop;
	assert_int_equal(ds_defer_new(loop, on_defer, c, &c->d), 0);
}

static void
test_defer(void **state)
{
	struct ds_loop *loop = new_loop();
	struct dctx a = {0}, b = {0};
	unsigned clock = 0;

	defer_new(loop, &a);
	defer_new(loop, &b);
	/* Idle: nothing happens. */
	assert_int_equal(ds_loop_run(loop), 0);

	/* Scheduled twice, runs once, not from inside schedule. */
	ds_defer_schedule(a.d);
	ds_defer_schedule(a.d);
	assert_int_equal(a.calls, 0);
	assert_int_equal(ds_loop_get_timeout_us(loop), 0);
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(a.calls, 1);

	/* Cancelled. */
	ds_defer_schedule(a.d);
	ds_defer_cancel(a.d);
	ds_defer_cancel(a.d);
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(a.calls, 1);

	/* Cancelled by another defer of the same iteration. */
	a.other = b.d;
	ds_defer_schedule(a.d);
	ds_defer_schedule(b.d);
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(a.calls, 2);
	assert_int_equal(b.calls, 0);
	a.other = NULL;

	/* Rescheduling itself: once per iteration. */
	a.again = true;
	ds_defer_schedule(a.d);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(ds_loop_run_once(loop, -1), 1);
	assert_int_equal(a.calls, 6);

	/* ... and ds_loop_run keeps going until stopped. */
	a.stop_after = 10;
	assert_int_equal(ds_loop_run(loop), 5);
	assert_int_equal(a.calls, 10);
	a.again = false;

	/* Stopped by the first of two defers: the second keeps its turn,
	 * ahead of one scheduled after the stop. */
	ds_defer_schedule(a.d); /* still scheduled by its last run */
	a.calls = b.calls = 0;
	a.stop_after = 1;
	a.clock = b.clock = &clock;
	ds_defer_schedule(b.d);
	assert_int_equal(ds_loop_run(loop), 5);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 0);
	assert_true(ds_loop_get_timeout_us(loop) == 0);
	a.stop_after = 0;
	ds_defer_schedule(a.d);
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(b.calls, 1);
	assert_int_equal(a.calls, 2);
	assert_true(b.stamp < a.stamp);

	ds_defer_schedule(a.d);
	ds_loop_free(loop); /* with a still scheduled */
}

static void
test_defer_does_not_wait(void **state)
{
	struct ds_loop *loop = new_loop();
	struct dctx a = {0};
	struct ioctx c = {0};
	struct tctx guard = {0};
	int sv[2];

	/* An io that never becomes ready and a far timer: with a defer
	 * rescheduled, run_once(-1) must not sleep until the timer. */
	new_pair(sv);
	io_new(loop, &c, sv[0], DS_IO_IN);
	timer_new(loop, &guard, NULL, 0);
	ds_timer_start_in(guard.t, MS(2000));
	defer_new(loop, &a);
	a.again = true;
	ds_defer_schedule(a.d);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(ds_loop_run_once(loop, -1), 1);
	assert_int_equal(guard.fired, 0);
	assert_int_equal(a.calls, 3);
	ds_loop_free(loop);
	close(sv[0]);
	close(sv[1]);
}

/* --- Stop, re-entry, teardown --------------------------------------------- */

static void
on_timer_stop_loop(struct ds_timer *t, void *userdata)
{
	struct tctx *c = userdata;

	c->fired++;
	ds_loop_stop(c->loop, 42);
}

static void
test_stop(void **state)
{
	struct ds_loop *loop = new_loop();
	struct tctx a = {.loop = loop}, b = {0};

	assert_int_equal(ds_timer_new(loop, on_timer_stop_loop, &a, &a.t), 0);
	timer_new(loop, &b, NULL, 2);
	/* Both due in the same iteration; stop takes effect after a. */
	ds_timer_start_in(a.t, MS(1));
	ds_timer_start_in(b.t, MS(1));
	assert_int_equal(ds_loop_run(loop), 42);
	assert_int_equal(a.fired, 1);
	assert_int_equal(b.fired, 0);
	assert_true(ds_timer_is_active(b.t));
	/* Run again: b is still due, then nothing is left. */
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(b.fired, 1);

	/* A stop inside ds_loop_run_once() ends that iteration only; it does
	 * not make a later ds_loop_run() return at once. */
	ds_timer_start_in(a.t, MS(0));
	ds_timer_start_in(b.t, MS(0));
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(a.fired, 2);
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(b.fired, 2);

	/* Stopped before running: returns at once. */
	ds_timer_start_in(b.t, MS(0));
	ds_loop_stop(loop, 9);
	assert_int_equal(ds_loop_run(loop), 9);
	assert_int_equal(b.fired, 2);
	ds_loop_free(loop);
}

static void
test_stop_keeps_edge_events(void **state)
{
	struct ds_loop *loop = new_loop();
	struct ioctx a = {0}, b = {0};
	int sa[2], sb[2];

	new_pair(sa);
	new_pair(sb);
	io_new(loop, &a, sa[0], DS_IO_IN | DS_IO_EDGE);
	io_new(loop, &b, sb[0], DS_IO_IN | DS_IO_EDGE);
	a.stop = b.stop = true;
	put_byte(sa[1]);
	put_byte(sb[1]);
	/* Both edges are in one batch; the first callback stops the loop. */
	assert_int_equal(ds_loop_run(loop), 7);
	assert_int_equal(a.calls + b.calls, 1);
	/* The other edge was kept, not lost with the batch. */
	a.stop = b.stop = false;
	assert_int_equal(ds_loop_get_timeout_us(loop), 0);
	assert_int_equal(ds_loop_run_once(loop, 0), 1);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	assert_int_equal(ds_loop_run_once(loop, 0), 0);
	ds_loop_free(loop);
	close(sa[0]);
	close(sa[1]);
	close(sb[0]);
	close(sb[1]);
}

static void
test_free_after_stop(void **state)
{
	struct ds_loop *loop = new_loop();
	struct ioctx a = {0}, b = {0};
	int sa[2], sb[2];

	new_pair(sa);
	new_pair(sb);
	io_new(loop, &a, sa[0], DS_IO_IN);
	io_new(loop, &b, sb[0], DS_IO_IN);
	a.stop = b.stop = true;
	put_byte(sa[1]);
	put_byte(sb[1]);
	assert_int_equal(ds_loop_run(loop), 7);
	assert_int_equal(a.calls + b.calls, 1);
	/* Freed between iterations, while the stopped batch still names it;
	 * then the loop itself goes: nothing may leak or be touched. */
	if (a.calls)
		b.io = ds_io_free(b.io);
	else
		a.io = ds_io_free(a.io);
	ds_loop_free(loop);
	close(sa[0]);
	close(sa[1]);
	close(sb[0]);
	close(sb[1]);
}

static void
test_freed_between_iterations(void **state)
{
	struct ds_loop *loop = new_loop();
	struct ioctx a = {0}, b = {0};
	int sa[2], sb[2];

	new_pair(sa);
	new_pair(sb);
	io_new(loop, &a, sa[0], DS_IO_IN | DS_IO_EDGE);
	io_new(loop, &b, sb[0], DS_IO_IN | DS_IO_EDGE);
	a.stop = b.stop = true;
	put_byte(sa[1]);
	put_byte(sb[1]);
	assert_int_equal(ds_loop_run(loop), 7);
	/* The one not yet called is freed before the loop runs again: its
	 * kept event must be dropped. */
	if (a.calls)
		b.io = ds_io_free(b.io);
	else
		a.io = ds_io_free(a.io);
	assert_int_equal(ds_loop_run_once(loop, 0), 0);
	assert_int_equal(a.calls + b.calls, 1);
	ds_loop_free(loop);
	close(sa[0]);
	close(sa[1]);
	close(sb[0]);
	close(sb[1]);
}

static void
on_timer_reenter(struct ds_timer *t, void *userdata)
{
	struct tctx *c = userdata;
	struct ds_loop *loop = c->loop;

	c->fired++;
	assert_int_equal(ds_loop_run_once(loop, 0), -EBUSY);
	assert_int_equal(ds_loop_run(loop), -EBUSY);
	/* Refused: the loop is still in use by this very iteration. */
	assert_ptr_equal(ds_loop_free(loop), loop);
}

static void
test_reentry(void **state)
{
	struct ds_loop *loop = new_loop();
	struct tctx c = {.loop = loop};

	assert_int_equal(ds_timer_new(loop, on_timer_reenter, &c, &c.t), 0);
	ds_timer_start_in(c.t, MS(0));
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(c.fired, 1);
	ds_loop_free(loop);
}

static void
test_free_with_live_handles(void **state)
{
	struct ds_loop *loop = new_loop();
	struct ds_io *io1, *io2;
	struct ds_timer *t1, *t2;
	struct ds_defer *d1, *d2;
	struct ds_signal *s;
	int sv[2];

	new_pair(sv);
	assert_int_equal(
	    ds_io_new(loop, sv[0], DS_IO_IN, on_io, NULL, &io1), 0);
	assert_int_equal(ds_io_new(loop, sv[1], 0, on_io, NULL, &io2), 0);
	assert_int_equal(ds_timer_new(loop, on_timer, NULL, &t1), 0);
	assert_int_equal(ds_timer_new(loop, on_timer, NULL, &t2), 0);
	ds_timer_start_in(t1, MS(100000));
	assert_int_equal(ds_defer_new(loop, on_defer, NULL, &d1), 0);
	assert_int_equal(ds_defer_new(loop, on_defer, NULL, &d2), 0);
	ds_defer_schedule(d1);
	assert_int_equal(ds_signal_new(loop, SIGUSR2, on_signal, NULL, &s), 0);
	assert_true(signal_blocked(SIGUSR2));

	/* Everything goes; LeakSanitizer checks at exit. */
	assert_null(ds_loop_free(loop));
	assert_false(signal_blocked(SIGUSR2));
	/* The descriptors were the caller's and stay open. */
	assert_int_equal(write(sv[1], "x", 1), 1);
	close(sv[0]);
	close(sv[1]);
}

/* --- Embedding ------------------------------------------------------------ */

struct embed {
	int writer;
	unsigned ticks;
};

static void
on_embed_timer(struct ds_timer *t, void *userdata)
{
	struct embed *e = userdata;

	/* Ten ticks, then data for the io. */
	if (++e->ticks < 10) {
		ds_timer_start_in(t, MS(1));
		return;
	}
	put_byte(e->writer);
}

static void
test_embed(void **state)
{
	struct ds_loop *loop = new_loop();
	struct ioctx c = {0};
	struct embed e = {0};
	struct ds_timer *t;
	int sv[2], rounds = 0;

	new_pair(sv);
	e.writer = sv[1];
	io_new(loop, &c, sv[0], DS_IO_IN);
	c.drain = true;
	assert_int_equal(ds_timer_new(loop, on_embed_timer, &e, &t), 0);
	ds_timer_start_in(t, MS(1));

	/* The outer loop: poll() on the loop's descriptor and timeout only. */
	while (c.calls == 0) {
		struct pollfd pfd = {
		    .fd = ds_loop_get_fd(loop), .events = POLLIN};
		int64_t us = ds_loop_get_timeout_us(loop);
		/* poll() takes milliseconds: round up, never wake early. */
		int timeout = us < 0 ? -1 : (int)((us + 999) / 1000);

		assert_true(us >= -1);
		/* With the timer armed and nothing else, it is never -1. */
		assert_true(us != -1 || e.ticks == 10);
		assert_true(poll(&pfd, 1, timeout) >= 0);
		assert_true(ds_loop_run_once(loop, 0) >= 0);
		assert_true(++rounds < 10000);
	}
	assert_int_equal(e.ticks, 10);
	assert_int_equal(c.calls, 1);
	assert_int_equal(ds_loop_get_timeout_us(loop), -1);
	ds_loop_free(loop);
	close(sv[0]);
	close(sv[1]);
}

/*
 * A watchdog per test: a loop that sleeps when it should not would hang
 * the test; SIGALRM's default action ends it instead, with a clear failure.
 */
static int
watchdog_on(void **state)
{
	alarm(10);
	return 0;
}

static int
watchdog_off(void **state)
{
	alarm(0);
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, watchdog_on, watchdog_off)

int
main(void)
{
	struct sigaction sa = {.sa_handler = on_stray};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);

	const struct CMUnitTest tests[] = {
	    T(test_empty_loop),
	    T(test_time),
	    T(test_timer_order),
	    T(test_timer_same_ms_fifo),
	    T(test_timer_lower_bound),
	    T(test_timer_restart),
	    T(test_timer_deadline),
	    T(test_timer_deadline_past),
	    T(test_timer_stop),
	    T(test_timer_stop_from_callback),
	    T(test_timer_free_in_callback),
	    T(test_timer_many),
	    T(test_timer_waits),
	    T(test_timer_zero_delay),
	    T(test_timer_now_per_iteration),
	    T(test_io_in_out),
	    T(test_io_edge),
	    T(test_io_disable),
	    T(test_io_hup),
	    T(test_io_free_in_batch),
	    T(test_io_disable_in_batch),
	    T(test_io_half_close),
	    T(test_io_free_self),
	    T(test_io_errors),
	    T(test_signal),
	    T(test_signal_stop_keeps_rest),
	    T(test_signal_keeps_prior_mask),
	    T(test_defer),
	    T(test_defer_does_not_wait),
	    T(test_stop),
	    T(test_stop_keeps_edge_events),
	    T(test_free_after_stop),
	    T(test_freed_between_iterations),
	    T(test_reentry),
	    T(test_free_with_live_handles),
	    T(test_embed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
