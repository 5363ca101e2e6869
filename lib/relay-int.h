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

#endif
