/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_RELAY_INT_H
#define DUALSTACK_RELAY_INT_H

/*
 * Internals of lib/relay.c, shared with the tests. Not installed.
 */

#include <stdint.h>

#include "dualstack/relay.h"

/*
 * Make the next 'reads' splice(2) calls from a socket into a pipe fail
 * with EINVAL, and the next 'writes' splice(2) calls from a pipe into a
 * socket fail with EINVAL after moving what they moved (so that bytes
 * are left in the pipe), on every relay of ctx: the paths a kernel that
 * refuses splice for a descriptor takes, which loopback TCP never does.
 */
void ds__relay_ctx_fail_splice(
    struct ds_relay_ctx *ctx, uint32_t reads, uint32_t writes);

/* How long a destination may leave a pipe untouched before it goes back
 * to the pool (0: the default, a second), so that tests need not wait. */
void ds__relay_ctx_stall_us(struct ds_relay_ctx *ctx, uint32_t us);

/* Pipes open on ctx, lent or spare, and of those (ret_spare, may be
 * NULL) the spare ones in its pool. */
uint32_t ds__relay_ctx_pipes(
    const struct ds_relay_ctx *ctx, uint32_t *ret_spare);

/* Close a socket with an RST (SO_LINGER {1, 0}): nothing queued is
 * sent, and no TIME_WAIT stays behind. */
void ds__close_rst(int fd);

/*
 * ds_relay_new() taking over io_b, the caller's watch on fd_b on the
 * context's loop (NULL: none), so that a socket just connected under a
 * watch costs one epoll_ctl MOD rather than a DEL and an ADD. On success
 * the relay owns io_b; on failure it is the caller's, unchanged.
 */
int ds__relay_new_io(struct ds_relay_ctx *ctx, int fd_a, int fd_b,
    struct ds_io *io_b, const void *pre_b, size_t pre_b_len,
    ds_relay_done_fn *cb, void *userdata, struct ds_relay **ret);

#endif
