/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CONNECT_INT_H
#define DUALSTACK_CONNECT_INT_H

/*
 * Internals of lib/connect.c, shared with the tests.
 * Not installed, not exported from the shared library.
 */

#include <stdint.h>

#include "dualstack/connect.h"
#include "hecache-int.h"
#include "dualstack/resolve.h"

/*
 * Make c see *ac instead of asking ds_addrconfig() when it decides whether
 * an IPv4 literal needs NAT64 (RFC 8305 section 7.1). Call it right after
 * ds_connect_new(), before the loop runs: the decision is taken on the
 * loop's next iteration.
 */
void ds__connect_set_addrconfig(
    struct ds_connect *c, const struct ds_addrconfig *ac);

/*
 * RFC 7050 section 3: find the NAT64 prefix in v6, an answer for
 * "ipv4only.arpa", by looking for one of the well-known IPv4 addresses
 * 192.0.0.170 and 192.0.0.171 at each position RFC 6052 section 2.2
 * allows (prefix lengths 96, 64, 56, 48, 40 and 32, tried in that order).
 * *ret gets the prefix with its host bits cleared. Returns 0, or -ENOENT
 * when neither address is embedded in v6.
 */
int ds__nat64_prefix_find(const struct ds_addr *v6, struct ds_prefix *ret);

#endif
