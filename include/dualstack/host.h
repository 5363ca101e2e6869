/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_HOST_H
#define DUALSTACK_HOST_H

/*
 * ds_host: facts about this host, as values. Each call asks the kernel
 * afresh (rtnetlink, getifaddrs()); none blocks: rtnetlink answers a
 * request from within the sendmsg() that carries it. Safe from any
 * thread.
 */

#include <stddef.h>

#include "dualstack/addr.h"
#include "dualstack/export.h"

/*
 * Whether the kernel delivers packets for a to this host: its routing
 * decision for a is of type local (RTN_LOCAL), as for an address of any
 * interface, anything in 127.0.0.0/8, ::1, or an "AnyIP" local route
 * (ip route add local PREFIX dev lo). The zone of a is ignored. Returns
 * 1 (local), 0 (not local, or no route at all), -EAFNOSUPPORT (a is
 * neither IPv4 nor IPv6), or -errno from the netlink socket.
 */
DS_EXPORT int ds_host_is_local(const struct ds_addr *a);

/*
 * The networks of this host: for each IPv4 and IPv6 address of every
 * interface, the prefix it was assigned with (2001:db8:1::7/64 gives
 * 2001:db8:1::/64; the host bits are cleared, no zone is kept, so the
 * fe80::/64 of every interface is the same value). Writes at most max into ret
 * (ret may be NULL when max is 0) and returns how many there are, which may be
 * more than max, or -errno from getifaddrs().
 */
DS_EXPORT int ds_host_prefixes(struct ds_prefix *ret, size_t max);

/*
 * A netlink socket that turns readable when an address of this host is
 * added or removed (RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR): a way to
 * learn when ds_host_prefixes() would answer differently without asking
 * it on every use. Non-blocking and close-on-exec; the caller owns it
 * and closes it. Returns the descriptor or -errno.
 */
DS_EXPORT int ds_host_monitor_open(void);

/*
 * Read everything pending on a ds_host_monitor_open() socket. Returns 1
 * when an address changed (or the kernel dropped notifications because
 * the socket was full, ENOBUFS: something may have changed), 0 when
 * nothing was pending, or -errno.
 */
DS_EXPORT int ds_host_monitor_drain(int fd);

#endif
