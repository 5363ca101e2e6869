/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_HECACHE_INT_H
#define DUALSTACK_HECACHE_INT_H

/*
 * Internals of lib/hecache.c, shared with the tests. Not installed, not
 * exported from the shared library.
 */

#include <stdint.h>

#include "dualstack/hecache.h"

/*
 * The cache's clock: Unix time in seconds. The default reads
 * CLOCK_REALTIME; tests set their own to expire entries without waiting.
 * fn NULL restores the default.
 */
typedef int64_t ds__he_clock_fn(void *userdata);
void ds__he_cache_set_clock(
    struct ds_he_cache *c, ds__he_clock_fn *fn, void *userdata);

#endif
