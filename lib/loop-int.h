/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_LOOP_INT_H
#define DUALSTACK_LOOP_INT_H

/*
 * Internals of lib/loop.c for the other modules of the library: the sizes
 * of its private handle structures, so that a module can say what its
 * handles cost (ds_relay_sizeof()). Not installed.
 */

#include <stddef.h>

/* sizeof(struct ds_io) and sizeof(struct ds_timer), as ds_io_new() and
 * ds_timer_new() allocate them. */
size_t ds__io_sizeof(void);
size_t ds__timer_sizeof(void);

#endif
