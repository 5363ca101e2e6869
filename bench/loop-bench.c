/* SPDX-License-Identifier: MIT */
/*
 * loop-bench: the cost of ds_loop timers, and how late they fire.
 *
 *   loop-bench [--timers N] [--rounds R] [--tsv]
 *
 * With N timers (default 10000) on one loop, each of R rounds (default
 * 20; the best round counts, the least disturbed by other work):
 *
 *   start+stop  arm every timer at a pseudo-random deadline within one
 *               second, then disarm them all: a heap insert and a heap
 *               removal, the cost of a timeout that is cancelled;
 *   restart     move every armed timer to a later deadline, as an idle
 *               timeout pushed on by traffic;
 *   fire        arm every timer already due and run the loop until all
 *               have fired: the dispatch cost per timer callback.
 *
 * Then lateness: one timer, 2 ms ahead, 200 times in a row on an
 * otherwise idle loop, with 0.3 ms of work between the start and the
 * wait; how long after its deadline the callback ran (median and 90th
 * percentile, in microseconds). This is where a wait in whole
 * milliseconds shows.
 *
 * Prints nanoseconds per operation; --tsv prints "name<TAB>value" lines.
 * Not a test: nothing here fails because the machine is slow or busy.
 * Run it under valgrind --tool=callgrind for instruction counts, which a
 * loaded machine does not disturb.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dualstack/loop.h"

#define DEFAULT_TIMERS 10000
#define DEFAULT_ROUNDS 20
#define LATE_RUNS 200
#define LATE_DELAY_US 2000
#define LATE_WORK_US 300

struct bench {
	struct ds_loop *loop;
	struct ds_timer **t;
	size_t n;
	size_t fired;
	uint64_t late_us[LATE_RUNS];
	size_t late_n;
	uint64_t due_us;
};

static uint32_t
rnd(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

static void
on_fire(struct ds_timer *t, void *userdata)
{
	struct bench *b = userdata;

	(void)t;
	b->fired++;
}

static void
on_late(struct ds_timer *t, void *userdata)
{
	struct bench *b = userdata;

	(void)t;
	b->late_us[b->late_n++] = ds_time_now_us() - b->due_us;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
report(bool tsv, const char *name, double v, const char *unit)
{
	if (tsv)
		printf("%s\t%.1f\n", name, v);
	else
		printf("%-12s %10.1f %s\n", name, v, unit);
}

int
main(int argc, char **argv)
{
	struct bench b = {0};
	size_t rounds = DEFAULT_ROUNDS;
	double best_ss = 1e30, best_rs = 1e30, best_fire = 1e30;
	uint32_t seed = 1;
	struct ds_timer *late;
	bool tsv = false;

	b.n = DEFAULT_TIMERS;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--timers") == 0 && i + 1 < argc)
			b.n = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--tsv") == 0)
			tsv = true;
		else {
			fprintf(stderr,
			    "usage: loop-bench [--timers N] [--rounds R] "
			    "[--tsv]\n");
			return 2;
		}
	}
	if (b.n == 0 || rounds == 0 || ds_loop_new(&b.loop) < 0)
		return 1;
	b.t = calloc(b.n, sizeof(*b.t));
	if (!b.t)
		return 1;
	for (size_t i = 0; i < b.n; i++)
		if (ds_timer_new(b.loop, on_fire, &b, &b.t[i]) < 0)
			return 1;

	for (size_t r = 0; r < rounds; r++) {
		uint64_t t0, t1, t2, t3;
		double v;

		t0 = ds_time_now_us();
		for (size_t i = 0; i < b.n; i++)
			ds_timer_start_in(b.t[i], rnd(&seed) % 1000000);
		for (size_t i = 0; i < b.n; i++)
			ds_timer_stop(b.t[i]);
		t1 = ds_time_now_us();
		for (size_t i = 0; i < b.n; i++)
			ds_timer_start_in(b.t[i], rnd(&seed) % 1000000);
		for (size_t i = 0; i < b.n; i++)
			ds_timer_start_in(b.t[i], 1000000 + i * 1000);
		t2 = ds_time_now_us();
		b.fired = 0;
		for (size_t i = 0; i < b.n; i++)
			ds_timer_start_in(b.t[i], 0);
		while (b.fired < b.n)
			if (ds_loop_run_once(b.loop, -1) < 0)
				return 1;
		t3 = ds_time_now_us();
		if ((v = (t1 - t0) * 1000.0 / b.n) < best_ss)
			best_ss = v;
		/* The restart pass also paid for the arming before it. */
		if ((v = (t2 - t1) * 1000.0 / b.n / 2) < best_rs)
			best_rs = v;
		if ((v = (t3 - t2) * 1000.0 / b.n) < best_fire)
			best_fire = v;
	}

	if (ds_timer_new(b.loop, on_late, &b, &late) < 0)
		return 1;
	for (size_t i = 0; i < LATE_RUNS; i++) {
		size_t before = b.late_n;

		uint64_t t0 = ds_time_now_us();

		b.due_us = t0 + LATE_DELAY_US;
		ds_timer_start_in(late, LATE_DELAY_US);
		/* Work before the loop waits, as there always is some: the
		 * wait then no longer ends on a whole millisecond. */
		while (ds_time_now_us() - t0 < LATE_WORK_US)
			;
		while (b.late_n == before)
			if (ds_loop_run_once(b.loop, -1) < 0)
				return 1;
	}
	qsort(b.late_us, b.late_n, sizeof(b.late_us[0]), cmp_u64);

	report(tsv, "start+stop", best_ss, "ns/timer");
	report(tsv, "restart", best_rs, "ns/timer");
	report(tsv, "fire", best_fire, "ns/timer");
	report(tsv, "late-median", (double)b.late_us[b.late_n / 2], "us");
	report(tsv, "late-p90", (double)b.late_us[b.late_n * 9 / 10], "us");

	ds_timer_free(late);
	for (size_t i = 0; i < b.n; i++)
		ds_timer_free(b.t[i]);
	free(b.t);
	ds_loop_free(b.loop);
	return 0;
}
