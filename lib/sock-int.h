/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_SOCK_INT_H
#define DUALSTACK_SOCK_INT_H

/*
 * Small socket helpers the I/O modules share. Not installed.
 */

#include <errno.h>
#include <sys/socket.h>

#include "dualstack/addr.h"

/*
 * The socket's pending error (SO_ERROR, which reading also clears): 0
 * when there is none, else -errno; a connect(2) in progress ends this
 * way, and so does an EPOLLERR. When even getsockopt(2) fails, its
 * errno.
 */
static inline int
ds__sock_error(int fd)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		return -errno;
	return -e;
}

/*
 * The end of a socket the kernel named (getsockname(2), recvmsg(2)'s
 * source): the one conversion from its sockaddr, with an IPv4-mapped
 * address, which an AF_INET6 socket reports for IPv4, named as the IPv4
 * it is. The listener names its peers in its tuple the same way. Returns
 * 0 or what ds_endpoint_from_sockaddr() returns.
 */
static inline int
ds__endpoint_named(
    const struct sockaddr *sa, socklen_t len, struct ds_endpoint *ret)
{
	int r = ds_endpoint_from_sockaddr(sa, len, ret);

	if (r == 0)
		(void)ds_addr_unmap(&ret->addr, &ret->addr);
	return r;
}

#endif
