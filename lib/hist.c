/* SPDX-License-Identifier: MIT */
/*
 * ds_hist: an HDR-style histogram with a fixed set of buckets (see
 * include/dualstack/hist.h for the layout and its error bound).
 */

#include <stdint.h>
#include <string.h>

#include "dualstack/hist.h"

static unsigned
hist_index(uint64_t v)
{
	unsigned msb, shift;

	if (v < DS_HIST_SUB)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	shift = msb - DS_HIST_SUB_BITS;
	return shift * DS_HIST_SUB + (unsigned)(v >> shift);
}

/* The highest value that falls in bucket i. */
static uint64_t
hist_bucket_high(unsigned i)
{
	unsigned shift;
	uint64_t sub;

	if (i < 2 * DS_HIST_SUB)
		return i;
	shift = i / DS_HIST_SUB - 1;
	sub = i - shift * DS_HIST_SUB;
	/* For the top bucket, sub = 127 and shift = 57: 2^64 - 1 exactly. */
	return (sub << shift) + ((UINT64_C(1) << shift) - 1);
}

void
ds_hist_reset(struct ds_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void
ds_hist_record(struct ds_hist *h, uint64_t v)
{
	h->buckets[hist_index(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void
ds_hist_merge(struct ds_hist *dst, const struct ds_hist *src)
{
	if (src->count == 0)
		return;
	for (unsigned i = 0; i < DS_HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t
ds_hist_percentile(const struct ds_hist *h, double pct)
{
	uint64_t rank, seen = 0;
	double r;

	if (h->count == 0)
		return 0;
	if (!(pct > 0)) /* also NaN */
		return h->min;
	if (pct >= 100)
		return h->max;
	/*
	 * Nearest rank, ceil(pct / 100 * count). The small slack keeps
	 * 99.9 % of 1000 at rank 999 when the product rounds up to
	 * 999.0000000000001 in binary.
	 */
	r = pct / 100.0 * (double)h->count;
	rank = (uint64_t)r;
	if ((double)rank < r * (1 - 1e-12))
		rank++;
	if (rank <= 1)
		return h->min;
	if (rank >= h->count)
		return h->max;
	for (unsigned i = 0; i < DS_HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t v = hist_bucket_high(i);

			if (v > h->max)
				v = h->max;
			if (v < h->min)
				v = h->min;
			return v;
		}
	}
	return h->max; /* not reached while the counts add up */
}

double
ds_hist_mean(const struct ds_hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}
