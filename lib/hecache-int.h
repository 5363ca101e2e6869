/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_HECACHE_INT_H
#define DUALSTACK_HECACHE_INT_H

/*
 * Internals of lib/hecache.c, shared with the tests. Not installed, not
 * exported from the shared library.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dualstack/hecache.h"

/*
 * The cache's clock: Unix time in seconds. The default reads
 * CLOCK_REALTIME; tests set their own to expire entries without waiting.
 * fn NULL restores the default.
 */
typedef int64_t ds__he_clock_fn(void *userdata);
void ds__he_cache_set_clock(
    struct ds_he_cache *c, ds__he_clock_fn *fn, void *userdata);

/*
 * ds_he_cache_load() on a file's text already in memory (len bytes,
 * changed in place; text may be NULL when len is 0): what the fuzzer
 * feeds without a file. Returns 0 or -EINVAL (not a cache file).
 */
int ds__he_cache_load_text(struct ds_he_cache *c, char *text, size_t len);

/* Write what ds_he_cache_save() puts in its file to f. */
void ds__he_cache_write(FILE *f, const struct ds_he_cache *c);

#endif
