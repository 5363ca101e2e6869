/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_LOOP_INT_H
#define DUALSTACK_LOOP_INT_H

/*
 * Internals of lib/loop.c for the other modules of the library: the sizes
 * of its private handle structures, so that a module can say what its
 * handles cost (ds_relay_sizeof()), and a way to hand a watch over to
 * another owner. Not installed.
 */

#include <stddef.h>

#include "dualstack/loop.h"

/* sizeof(struct ds_io) and sizeof(struct ds_timer), as ds_io_new() and
 * ds_timer_new() allocate them. */
size_t ds__io_sizeof(void);
size_t ds__timer_sizeof(void);

/* Give io another callback and userdata, keeping its registration: a
 * module that takes over a watched descriptor (the relay taking a
 * just-connected socket) then changes its events with one epoll_ctl
 * MOD instead of a DEL and an ADD. */
void ds__io_set_callback(struct ds_io *io, ds_io_fn *cb, void *userdata);

#endif
