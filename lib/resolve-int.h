/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_RESOLVE_INT_H
#define DUALSTACK_RESOLVE_INT_H

/*
 * Internals of lib/resolve.c and lib/resolve-history.c, shared with the
 * tests. Not installed, not exported from the shared library.
 */

#include <stdint.h>

#include "dualstack/resolve-history.h"

/*
 * The history's clock: Unix time in seconds. The default reads
 * CLOCK_REALTIME; tests set their own to expire entries without waiting.
 * fn NULL restores the default.
 */
typedef int64_t ds__ns_clock_fn(void *userdata);
void ds__resolve_history_set_clock(
    struct ds_resolve_history *h, ds__ns_clock_fn *fn, void *userdata);

/*
 * The next value of the history's rotation counter ("options rotate"):
 * each lookup that rotates starts one server further. It starts at a
 * random value, as glibc's does.
 */
unsigned ds__resolve_history_rotation(struct ds_resolve_history *h);

#endif
