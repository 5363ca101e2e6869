/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_TESTS_NET_TEST_H
#define DUALSTACK_TESTS_NET_TEST_H

/*
 * What the loopback tests (tests/net/test-*.c) share: whether ::1 can be
 * used here, and the count of open descriptors that every case compares
 * before and after to catch a leak.
 */

#include <dirent.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

/* Open descriptors of this process, or -1. */
static inline int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Whether a TCP socket can bind ::1 (IPv6 on, and on loopback). */
static inline bool
have_ipv6_loopback(void)
{
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd == -1)
		return false;
	sin6.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;
	close(fd);
	return ok;
}

#define NEED_IPV6_LOOPBACK()                                                   \
	do {                                                                   \
		if (!have_ipv6_loopback()) {                                   \
			print_message("# skip: ::1 is not available\n");       \
			skip();                                                \
		}                                                              \
	} while (0)

#endif
