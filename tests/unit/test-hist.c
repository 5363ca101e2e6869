/* SPDX-License-Identifier: MIT */
/*
 * ds_hist: the histogram against exactly known distributions -- empty,
 * one value, small exact sets, a uniform million, single values across
 * the whole uint64 range -- and merging, within the stated bound (never
 * below the true value, less than 1/64 above).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dualstack/hist.h"

/* xorshift64, for test data that is the same on every run. */
static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static struct ds_hist *
hist_new(void)
{
	struct ds_hist *h = malloc(sizeof(*h));

	assert_non_null(h);
	ds_hist_reset(h);
	return h;
}

static void
test_hist_empty(void **state)
{
	struct ds_hist *h = hist_new();

	assert_int_equal(h->count, 0);
	assert_true(h->min == UINT64_MAX);
	assert_int_equal(h->max, 0);
	assert_int_equal(ds_hist_percentile(h, 50), 0);
	assert_int_equal(ds_hist_percentile(h, 0), 0);
	assert_int_equal(ds_hist_percentile(h, 100), 0);
	assert_true(ds_hist_mean(h) == 0.0);
	free(h);
	(void)state;
}

/* All values equal: every percentile is that value, exactly. */
static void
test_hist_all_equal(void **state)
{
	static const uint64_t values[] = {0, 1, 63, 64, 127, 128, 12345,
	    1000003, UINT64_C(1) << 40, UINT64_MAX};

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct ds_hist *h = hist_new();

		for (int k = 0; k < 1000; k++)
			ds_hist_record(h, values[i]);
		assert_int_equal(h->count, 1000);
		assert_true(h->min == values[i]);
		assert_true(h->max == values[i]);
		assert_true(ds_hist_percentile(h, 0) == values[i]);
		assert_true(ds_hist_percentile(h, 50) == values[i]);
		assert_true(ds_hist_percentile(h, 99.9) == values[i]);
		assert_true(ds_hist_percentile(h, 100) == values[i]);
		if (values[i] < (UINT64_C(1) << 50))
			assert_true(ds_hist_mean(h) == (double)values[i]);
		free(h);
	}
	(void)state;
}

/*
 * 1..100 once each: below 128 every value has its own bucket, so nearest
 * rank is exact, including the rounding of pct / 100 * count.
 */
static void
test_hist_exact_small(void **state)
{
	static const struct {
		double pct;
		uint64_t want;
	} cases[] = {
	    {0, 1},
	    {1, 1},
	    {1.5, 2},
	    {10, 10},
	    {50, 50},
	    {90, 90},
	    {99, 99},
	    {99.9, 100},
	    {99.99, 100},
	    {100, 100},
	    {-5, 1},
	    {250, 100},
	};
	struct ds_hist *h = hist_new();

	for (uint64_t v = 1; v <= 100; v++)
		ds_hist_record(h, v);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t got = ds_hist_percentile(h, cases[i].pct);

		if (got != cases[i].want)
			fail_msg("p%g: got %llu, want %llu", cases[i].pct,
			    (unsigned long long)got,
			    (unsigned long long)cases[i].want);
	}
	assert_true(ds_hist_mean(h) == 50.5);
	assert_int_equal(h->sum, 5050);

	/* 1..1000: p99.9 is rank 999 although 99.9 / 100 * 1000 is not
	 * exactly 999 in binary floating point. 999 is the top of its
	 * bucket [992, 999], so it comes out exact. */
	ds_hist_reset(h);
	for (uint64_t v = 1; v <= 1000; v++)
		ds_hist_record(h, v);
	assert_int_equal(ds_hist_percentile(h, 99.9), 999);
	free(h);
	(void)state;
}

/* The stated bound: never below the true value, less than 1/64 above. */
static void
assert_within(uint64_t got, uint64_t want, const char *what)
{
	/* got - want < want / 64, in integers: no rounding near 2^64. */
	if (got < want || (want > 0 && got - want > (want - 1) / 64) ||
	    (want == 0 && got != 0))
		fail_msg("%s: got %llu, true value %llu", what,
		    (unsigned long long)got, (unsigned long long)want);
}

/* Uniform 1..1e6 (a permutation of it, so the order does not matter). */
static void
test_hist_uniform(void **state)
{
	static const double pcts[] = {
	    0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 99.999};
	const uint64_t n = 1000000;
	struct ds_hist *h = hist_new();

	/* 1 + (k * 7919 mod n) visits every value once: 7919 is prime and
	 * does not divide 10^6. */
	for (uint64_t k = 0; k < n; k++)
		ds_hist_record(h, 1 + (k * 7919) % n);
	assert_int_equal(h->count, n);
	assert_int_equal(h->min, 1);
	assert_int_equal(h->max, n);
	assert_true(ds_hist_mean(h) == 500000.5);
	assert_int_equal(ds_hist_percentile(h, 0), 1);
	assert_int_equal(ds_hist_percentile(h, 100), n);
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		char what[32];
		/* The value at nearest rank ceil(p / 100 * n) is that rank;
		 * these products are exact integers in decimal. */
		uint64_t rank = (uint64_t)(pcts[i] * (double)n / 100.0 + 0.5);

		snprintf(what, sizeof(what), "p%g", pcts[i]);
		assert_within(ds_hist_percentile(h, pcts[i]), rank, what);
	}
	free(h);
	(void)state;
}

/*
 * Any single value, across the whole range: framed by 0 and UINT64_MAX so
 * that the clamping to min and max does not hide the bucket's width, the
 * median is v's bucket, reported within the bound.
 */
static void
test_hist_bucket_error(void **state)
{
	struct ds_hist *h = malloc(sizeof(*h));
	uint64_t x = 88172645463325252u;

	assert_non_null(h);
	for (int i = 0; i < 20000; i++) {
		uint64_t v;

		if (i < 64 * 3) {
			/* Powers of two and their neighbours. */
			v = (UINT64_C(1) << (i / 3)) + (uint64_t)(i % 3) - 1;
		} else {
			/* Random values with a random number of bits. */
			v = rnd(&x) >> (rnd(&x) % 64);
		}
		if (v == 0 || v == UINT64_MAX)
			continue;
		ds_hist_reset(h);
		ds_hist_record(h, 0);
		ds_hist_record(h, v);
		ds_hist_record(h, UINT64_MAX);
		assert_within(ds_hist_percentile(h, 50), v, "median");
	}
	free(h);
	(void)state;
}

/* Two halves merged are the same histogram as one fed everything. */
static void
test_hist_merge(void **state)
{
	struct ds_hist *all = hist_new(), *a = hist_new(), *b = hist_new();
	struct ds_hist *empty = hist_new();
	uint64_t x = 42;

	for (int i = 0; i < 200000; i++) {
		uint64_t v = rnd(&x) % 5000000;

		ds_hist_record(all, v);
		ds_hist_record(i % 3 ? a : b, v);
	}
	ds_hist_merge(a, b);
	assert_memory_equal(a, all, sizeof(*all));

	/* Empty into full and full into empty. */
	ds_hist_merge(a, empty);
	assert_memory_equal(a, all, sizeof(*all));
	ds_hist_merge(empty, all);
	assert_memory_equal(empty, all, sizeof(*all));
	assert_true(
	    ds_hist_percentile(empty, 99) == ds_hist_percentile(all, 99));
	free(all);
	free(a);
	free(b);
	free(empty);
	(void)state;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hist_empty),
	    cmocka_unit_test(test_hist_all_equal),
	    cmocka_unit_test(test_hist_exact_small),
	    cmocka_unit_test(test_hist_uniform),
	    cmocka_unit_test(test_hist_bucket_error),
	    cmocka_unit_test(test_hist_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
