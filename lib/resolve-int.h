/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_RESOLVE_INT_H
#define DUALSTACK_RESOLVE_INT_H

/*
 * Internals of lib/resolve.c and lib/resolve-history.c, shared with the
 * tests. Not installed, not exported from the shared library.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/*
 * ds_resolve_history_load() on a file's text already in memory (len
 * bytes, changed in place; text may be NULL when len is 0): what the
 * fuzzer feeds without a file. Returns 0 or -EINVAL (not a history file).
 */
int ds__resolve_history_load_text(
    struct ds_resolve_history *h, char *text, size_t len);

/* Write what ds_resolve_history_save() puts in its file to f. */
void ds__resolve_history_write(FILE *f, const struct ds_resolve_history *h);

#endif
