/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_SOCK_INT_H
#define DUALSTACK_SOCK_INT_H

/*
 * Small socket helpers the I/O modules share. Not installed.
 */

#include <errno.h>
#include <sys/socket.h>

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

#endif
