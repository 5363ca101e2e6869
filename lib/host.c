/* SPDX-License-Identifier: MIT */
/*
 * ds_host: what the kernel knows about this host's addresses.
 *
 * ds_host_is_local() asks the routing table the question the kernel
 * itself answers for every packet (RTM_GETROUTE, as "ip route get"),
 * so that loopback ranges, AnyIP routes and addresses added a moment
 * ago all count, with no snapshot to keep fresh. ds_host_prefixes()
 * reads the assigned prefixes with getifaddrs(); ds_host_monitor_*()
 * tell a caller that keeps such a list when to read it again.
 *
 * Netlink messages come from the kernel, not from the network; they are
 * still read only within the length the kernel gave (NLMSG_OK,
 * RTA_OK).
 */
#include <errno.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dualstack/host.h"

/* A route reply is one rtmsg and a handful of attributes, well under a
 * page; a larger buffer costs nothing and leaves room for the kernel's
 * extended ack, which may quote our request back. */
#define NL_BUF 8192

int
ds_host_is_local(const struct ds_addr *a)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;
		char attr[RTA_SPACE(16)];
	} req;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	char buf[NL_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct rtattr *rta;
	size_t alen;
	ssize_t n;
	int fd, r = -EBADMSG;

	if (a->family == AF_INET)
		alen = 4;
	else if (a->family == AF_INET6)
		alen = 16;
	else
		return -EAFNOSUPPORT;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.rt) + RTA_SPACE(alen));
	req.nh.nlmsg_type = RTM_GETROUTE;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = 1;
	req.rt.rtm_family = (unsigned char)a->family;
	req.rt.rtm_dst_len = (unsigned char)(8 * alen);
	rta = (struct rtattr *)req.attr;
	rta->rta_type = RTA_DST;
	rta->rta_len = (unsigned short)RTA_LENGTH(alen);
	memcpy(RTA_DATA(rta),
	    a->family == AF_INET ? (const void *)&a->u.in
	                         : (const void *)&a->u.in6,
	    alen);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd == -1)
		return -errno;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
	        sizeof(kernel)) == -1) {
		r = -errno;
		goto out;
	}
	/* The kernel has queued its answer before sendto() returned
	 * (rtnetlink handles a request in the sender's context), so this
	 * does not wait; MSG_DONTWAIT makes sure of it. */
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == -1) {
		r = -errno;
		goto out;
	}
	for (struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	     NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
		if (nh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				break;
			/* No route at all (ENETUNREACH, EHOSTUNREACH...):
			 * certainly not delivered here. */
			r = e->error == 0 ? -EBADMSG : 0;
			break;
		}
		if (nh->nlmsg_type == RTM_NEWROUTE &&
		    nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct rtmsg))) {
			const struct rtmsg *rt = NLMSG_DATA(nh);

			r = rt->rtm_type == RTN_LOCAL;
			break;
		}
	}
out:
	close(fd);
	return r;
}

/* The prefix length of a netmask: its leading one bits. */
static unsigned
mask_len(const unsigned char *m, size_t len)
{
	unsigned n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char b = m[i];

		while (b & 0x80) {
			n++;
			b = (unsigned char)(b << 1);
		}
		if (m[i] != 0xff)
			break;
	}
	return n;
}

int
ds_host_prefixes(struct ds_prefix *ret, size_t max)
{
	struct ifaddrs *ifs, *i;
	size_t n = 0;

	if (getifaddrs(&ifs) == -1)
		return -errno;
	for (i = ifs; i; i = i->ifa_next) {
		struct ds_prefix p;
		const unsigned char *m;
		size_t mlen;

		if (!i->ifa_addr || !i->ifa_netmask)
			continue;
		memset(&p, 0, sizeof(p));
		if (i->ifa_addr->sa_family == AF_INET) {
			const struct sockaddr_in *sin =
			    (const struct sockaddr_in *)i->ifa_addr;

			p.addr.family = AF_INET;
			p.addr.u.in = sin->sin_addr;
			m = (const unsigned char *)&(
			    (const struct sockaddr_in *)i->ifa_netmask)
			        ->sin_addr;
			mlen = 4;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const struct sockaddr_in6 *sin6 =
			    (const struct sockaddr_in6 *)i->ifa_addr;

			p.addr.family = AF_INET6;
			p.addr.u.in6 = sin6->sin6_addr;
			m = (const unsigned char *)&(
			    (const struct sockaddr_in6 *)i->ifa_netmask)
			        ->sin6_addr;
			mlen = 16;
		} else
			continue;
		p.len = mask_len(m, mlen);
		ds_prefix_normalize(&p);
		if (n < max)
			ret[n] = p;
		n++;
	}
	freeifaddrs(ifs);
	return n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
}

int
ds_host_monitor_open(void)
{
	struct sockaddr_nl sa = {
	    .nl_family = AF_NETLINK,
	    .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
	};
	int fd, r;

	fd = socket(
	    AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd == -1)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int
ds_host_monitor_drain(int fd)
{
	char buf[NL_BUF];
	int changed = 0;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0) {
			changed = 1;
			continue;
		}
		if (n == 0)
			return changed;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return changed;
		/* The kernel dropped notifications for want of room: the
		 * list may be stale, which is what a change means. */
		if (errno == ENOBUFS) {
			changed = 1;
			continue;
		}
		return -errno;
	}
}
