/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_HIST_H
#define DUALSTACK_HIST_H

/*
 * ds_hist: a latency histogram, used by the load generator (load.h) and
 * open to any caller that counts durations.
 *
 * Threads: ds_hist values are plain memory; use one per thread and merge
 * them.
 */

#include <stdint.h>

#include "dualstack/export.h"

/*
 * A histogram of uint64 values (the load generator records microseconds)
 * with a fixed number of buckets and no allocation, in the manner of HDR
 * histograms: each power of two from 2^6 up is split into 64 linear
 * sub-buckets, and values below 64 get a bucket each. A bucket's width is
 * then at most 1/64 of its lowest value, so a percentile is reported with
 * a relative error under 1/64 (1.6 %), over the whole uint64 range.
 * Bucket index for v >= 64, with s = msb(v) - 6: s * 64 + (v >> s).
 *
 * count, sum, min and max are exact. min is UINT64_MAX and max 0 while
 * the histogram is empty. sum wraps past 2^64 (584 000 years of
 * microseconds). Read the fields; change them only through the functions.
 */
#define DS_HIST_SUB_BITS 6
#define DS_HIST_SUB (1u << DS_HIST_SUB_BITS)
#define DS_HIST_BUCKETS ((64 - DS_HIST_SUB_BITS + 1) * DS_HIST_SUB)

struct ds_hist {
	uint64_t count;
	uint64_t sum;
	uint64_t min;
	uint64_t max;
	uint64_t buckets[DS_HIST_BUCKETS];
};

/* Empty h (about 30 KiB to clear). */
DS_EXPORT void ds_hist_reset(struct ds_hist *h);

/* Count one value. O(1), no allocation. */
DS_EXPORT void ds_hist_record(struct ds_hist *h, uint64_t v);

/* Add every count of src to dst, as if dst had recorded src's values. */
DS_EXPORT void ds_hist_merge(struct ds_hist *dst, const struct ds_hist *src);

/*
 * The pct-th percentile (0 to 100; 99.9 for p99.9) by nearest rank: the
 * value at rank ceil(pct / 100 * count), counting from 1. It is reported as
 * the highest value of its bucket, never below the true value and less
 * than 1/64 above it, and clamped to [min, max]: percentile 0 is min and
 * 100 is max, exactly. Returns 0 for an empty histogram.
 */
DS_EXPORT uint64_t ds_hist_percentile(const struct ds_hist *h, double pct);

/* sum / count, or 0 for an empty histogram. */
DS_EXPORT double ds_hist_mean(const struct ds_hist *h);

#endif
