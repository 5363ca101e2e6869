/* SPDX-License-Identifier: MIT */
/*
 * ds_workers: a drain reaches every worker on its own thread and comes
 * back as one DRAINING with the sum of their connections, a DONE each and
 * one STOPPED; configuration hand-over reports CONFIG once all use it and
 * RELEASED for the one no worker uses any more; join stops threads still
 * running; the threads start with the signals blocked, but for those a
 * fault raises.
 *
 * Worker callbacks run on other threads, where a cmocka assert cannot
 * jump: they only record, and the main thread asserts after the join.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dualstack/loop.h"
#include "dualstack/workers.h"

#define N_MAX 4

struct fake {
	struct ds_workers *ws;
	struct ds_loop *loop;
	unsigned n;
	pthread_t main;
	struct ds_timer *later[N_MAX]; /* on worker i's loop: done */
	/* Written by worker i on its thread, read after the join. */
	pthread_t drain_thread[N_MAX];
	bool sigterm_blocked[N_MAX];
	bool sigsegv_blocked[N_MAX];
	unsigned drains[N_MAX];
	uint64_t drain_us[N_MAX];
	const void *cfg[N_MAX];
	unsigned configs[N_MAX];
	/* The main thread's. */
	unsigned events[DS_WORKERS_EV_RELEASED + 1];
	size_t conns;
	unsigned round;
	uint64_t round_us;
	const void *configured[8];
	size_t n_configured;
	const void *released[8];
	size_t n_released;
	int stop_on; /* the event kind that stops the main loop */
	bool timed_out;
};

static void
on_later(struct ds_timer *t, void *userdata)
{
	struct fake *f = userdata;

	for (unsigned i = 0; i < f->n; i++)
		if (f->later[i] == t)
			ds_workers_done(f->ws, i);
}

/* Worker i has i + 1 connections; they last until the drain's deadline,
 * and end at once when the drain has no time. */
static size_t
fake_drain(struct ds_workers *ws, unsigned i, uint64_t drain_us, void *ud)
{
	struct fake *f = ud;
	sigset_t set;

	f->drain_thread[i] = pthread_self();
	pthread_sigmask(SIG_BLOCK, NULL, &set);
	f->sigterm_blocked[i] = sigismember(&set, SIGTERM) == 1;
	f->sigsegv_blocked[i] = sigismember(&set, SIGSEGV) == 1;
	f->drains[i]++;
	f->drain_us[i] = drain_us;
	if (drain_us == 0)
		ds_workers_done(ws, i);
	else
		ds_timer_start_in(f->later[i], drain_us);
	return i + 1;
}

static void
fake_config(struct ds_workers *ws, unsigned i, const void *cfg, void *ud)
{
	struct fake *f = ud;

	(void)ws;
	f->cfg[i] = cfg;
	f->configs[i]++;
}

static const struct ds_workers_ops fake_ops = {
    .drain = fake_drain,
    .config = fake_config,
};

static void
on_event(struct ds_workers *ws, const struct ds_workers_event *ev, void *ud)
{
	struct fake *f = ud;

	(void)ws;
	f->events[ev->kind]++;
	switch (ev->kind) {
	case DS_WORKERS_EV_DRAINING:
		f->conns = ev->conns;
		f->round = ev->round;
		f->round_us = ev->drain_us;
		break;
	case DS_WORKERS_EV_CONFIG:
		if (f->n_configured < 8)
			f->configured[f->n_configured++] = ev->cfg;
		break;
	case DS_WORKERS_EV_RELEASED:
		if (f->n_released < 8)
			f->released[f->n_released++] = ev->cfg;
		break;
	default:
		break;
	}
	if ((int)ev->kind == f->stop_on)
		ds_loop_stop(f->loop, 0);
}

static void
on_watchdog(struct ds_timer *t, void *userdata)
{
	struct fake *f = userdata;

	(void)t;
	f->timed_out = true;
	ds_loop_stop(f->loop, 0);
}

static void
setup(struct fake *f, unsigned n, const void *cfg)
{
	memset(f, 0, sizeof(*f));
	f->n = n;
	f->main = pthread_self();
	assert_int_equal(ds_loop_new(&f->loop), 0);
	assert_int_equal(
	    ds_workers_new(f->loop, n, &fake_ops, cfg, on_event, f, &f->ws), 0);
	assert_int_equal(ds_workers_count(f->ws), n);
	assert_ptr_equal(ds_workers_loop(f->ws, 0), f->loop);
	assert_null(ds_workers_loop(f->ws, n));
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(ds_timer_new(ds_workers_loop(f->ws, i),
		                     on_later, f, &f->later[i]),
		    0);
	assert_int_equal(ds_workers_start(f->ws), 0);
}

/* Run the main loop until the event f->stop_on, 10 s at most. */
static void
run_until(struct fake *f, enum ds_workers_event_kind kind)
{
	struct ds_timer *dog = NULL;

	f->stop_on = (int)kind;
	assert_int_equal(ds_timer_new(f->loop, on_watchdog, f, &dog), 0);
	ds_timer_start_in(dog, 10000000);
	assert_int_equal(ds_loop_run(f->loop), 0);
	ds_timer_free(dog);
	assert_false(f->timed_out);
}

static void
teardown(struct fake *f)
{
	assert_int_equal(ds_workers_join(f->ws), 0);
	for (unsigned i = 0; i < f->n; i++)
		ds_timer_free(f->later[i]);
	assert_null(ds_workers_free(f->ws));
	ds_loop_free(f->loop);
}

static void
test_drain(void **state)
{
	struct fake f;

	(void)state;
	setup(&f, 3, NULL);
	assert_int_equal(ds_workers_drain(f.ws, 50000), 0);
	run_until(&f, DS_WORKERS_EV_STOPPED);
	assert_int_equal(f.events[DS_WORKERS_EV_DRAINING], 1);
	assert_int_equal(f.conns, 1 + 2 + 3);
	assert_int_equal(f.round, 1);
	assert_int_equal(f.round_us, 50000);
	assert_int_equal(f.events[DS_WORKERS_EV_DONE], 3);
	assert_int_equal(f.events[DS_WORKERS_EV_STOPPED], 1);
	teardown(&f);
	/* Each worker drained once, on its own thread; worker 0 on the
	 * main one; signals blocked in the others. */
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(f.drains[i], 1);
		assert_int_equal(f.drain_us[i], 50000);
	}
	assert_true(pthread_equal(f.drain_thread[0], f.main));
	assert_false(pthread_equal(f.drain_thread[1], f.main));
	assert_false(pthread_equal(f.drain_thread[2], f.main));
	assert_false(pthread_equal(f.drain_thread[1], f.drain_thread[2]));
	assert_true(f.sigterm_blocked[1]);
	assert_true(f.sigterm_blocked[2]);
	/* A fault in a worker still reaches its handler. */
	assert_false(f.sigsegv_blocked[1]);
}

/* A second drain while the first goes on: a new round that counts. */
static void
test_drain_twice(void **state)
{
	struct fake f;

	(void)state;
	setup(&f, 2, NULL);
	/* A long drain cut short by one with no time. */
	assert_int_equal(ds_workers_drain(f.ws, 5000000), 0);
	assert_int_equal(ds_workers_drain(f.ws, 0), 0);
	run_until(&f, DS_WORKERS_EV_STOPPED);
	assert_int_equal(f.round, 2);
	assert_int_equal(f.round_us, 0);
	assert_int_equal(f.events[DS_WORKERS_EV_DONE], 2);
	assert_int_equal(f.events[DS_WORKERS_EV_STOPPED], 1);
	teardown(&f);
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(f.drains[i], 2);
}

static void
test_config(void **state)
{
	static const int x = 0, a = 1, b = 2;
	struct fake f;

	(void)state;
	setup(&f, 3, &x);
	assert_int_equal(ds_workers_config(f.ws, &a), 0);
	run_until(&f, DS_WORKERS_EV_CONFIG);
	assert_int_equal(f.n_configured, 1);
	assert_ptr_equal(f.configured[0], &a);
	/* The first configuration is released by the same answer that
	 * completed the hand-over. */
	assert_int_equal(f.n_released, 1);
	assert_ptr_equal(f.released[0], &x);

	assert_int_equal(ds_workers_config(f.ws, &b), 0);
	run_until(&f, DS_WORKERS_EV_CONFIG);
	assert_int_equal(f.n_configured, 2);
	assert_ptr_equal(f.configured[1], &b);
	assert_int_equal(f.n_released, 2);
	assert_ptr_equal(f.released[1], &a);

	assert_int_equal(ds_workers_drain(f.ws, 0), 0);
	run_until(&f, DS_WORKERS_EV_STOPPED);
	teardown(&f);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(f.configs[i], 2);
		assert_ptr_equal(f.cfg[i], &b);
	}
}

/* Threads still running at the join are drained with no time. */
static void
test_join_running(void **state)
{
	struct fake f;

	(void)state;
	setup(&f, 3, NULL);
	teardown(&f);
	assert_int_equal(f.drains[0], 0); /* the main loop did not run */
	for (unsigned i = 1; i < 3; i++) {
		assert_int_equal(f.drains[i], 1);
		assert_int_equal(f.drain_us[i], 0);
	}
}

static void
test_invalid(void **state)
{
	struct ds_loop *loop = NULL;
	struct ds_workers *ws = NULL;
	struct ds_workers_ops none = {0};

	(void)state;
	assert_int_equal(ds_loop_new(&loop), 0);
	assert_int_equal(
	    ds_workers_new(loop, 0, &fake_ops, NULL, NULL, NULL, &ws), -EINVAL);
	assert_int_equal(ds_workers_new(loop, DS_WORKERS_MAX + 1, &fake_ops,
	                     NULL, NULL, NULL, &ws),
	    -EINVAL);
	assert_int_equal(
	    ds_workers_new(loop, 1, &none, NULL, NULL, NULL, &ws), -EINVAL);
	assert_int_equal(
	    ds_workers_new(NULL, 1, &fake_ops, NULL, NULL, NULL, &ws), -EINVAL);
	assert_null(ws);
	assert_int_equal(ds_workers_drain(NULL, 0), -EINVAL);
	assert_null(ds_workers_free(NULL));
	/* One worker: no thread, everything on the given loop. */
	assert_int_equal(
	    ds_workers_new(loop, 1, &fake_ops, NULL, NULL, NULL, &ws), 0);
	assert_int_equal(ds_workers_start(ws), 0);
	assert_null(ds_workers_free(ws));
	ds_loop_free(loop);
}

static void
test_names(void **state)
{
	(void)state;
	for (int k = DS_WORKERS_EV_DRAINING; k <= DS_WORKERS_EV_RELEASED; k++)
		assert_non_null(ds_workers_event_name(k));
	assert_string_equal(
	    ds_workers_event_name(DS_WORKERS_EV_STOPPED), "stopped");
	assert_null(ds_workers_event_name(0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_drain),
	    cmocka_unit_test(test_drain_twice),
	    cmocka_unit_test(test_config),
	    cmocka_unit_test(test_join_running),
	    cmocka_unit_test(test_invalid),
	    cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
