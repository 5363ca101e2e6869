/* SPDX-License-Identifier: MIT */
/*
 * ds_mcast sockets: joins by the protocol-independent API of RFC 3678
 * section 5.2, sending with the TTL or hop limit and loopback set, and
 * receiving with the packet's source, destination, interface and hop
 * limit, on a ds_loop.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dualstack/error.h"
#include "dualstack/loop.h"
#include "dualstack/mcast.h"

#include "sock-int.h"

/* linux/in.h and linux/in6.h (Linux 2.6.31 and 4.20); glibc's netinet/in.h
 * lacks them. */
#ifndef IP_MULTICAST_ALL
#define IP_MULTICAST_ALL 49
#endif
#ifndef IPV6_MULTICAST_ALL
#define IPV6_MULTICAST_ALL 29
#endif

/*
 * The largest UDP payload over IPv6 without jumbograms: 65535 - 8 (RFC
 * 8200 section 2 payload length less the UDP header). Over IPv4 the
 * limit is 20 bytes lower; one buffer holds both.
 */
#define RECV_MAX 65527

/* Datagrams read per readiness callback, so that a flood on one socket
 * cannot starve the rest of the loop. */
#define RECV_BATCH 64

struct ds_mcast_sock {
	struct ds_loop *loop;
	struct ds_io *io;
	int fd;
	int family;
	ds_mcast_fn *cb;
	void *userdata;
	/* Set while the callback runs, so that a free from inside it is
	 * deferred to its return (the loop re-validates nothing of ours). */
	bool in_cb, freed;
	uint8_t buf[RECV_MAX];
};

static const char *const event_tokens[] = {
    [DS_MCAST_EV_DATA] = "data",
    [DS_MCAST_EV_ERROR] = "error",
};

const char *
ds_mcast_event_token(enum ds_mcast_event_kind k)
{
	if ((unsigned)k >= sizeof(event_tokens) / sizeof(event_tokens[0]))
		return NULL;
	return event_tokens[k];
}

static int
set_int(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

/* Close fd keeping errno, and return -errno. */
static int
fail_close(int fd)
{
	int e = errno;

	close(fd);
	return -e;
}

/* The options of one family: the levels and names differ, not the
 * meaning. */
static int
set_options(int fd, const struct ds_mcast_opts *o)
{
	bool v6 = o->family == AF_INET6;
	int lvl = v6 ? IPPROTO_IPV6 : IPPROTO_IP;

	/* Explicitly, never from net.ipv6.bindv6only: an IPv4 group is
	 * joined on an IPv4 socket. */
	if (v6 && set_int(fd, lvl, IPV6_V6ONLY, 1) == -1)
		return -1;
	if (o->reuse && set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1) == -1)
		return -1;
	/*
	 * Only this socket's own memberships: Linux otherwise hands a
	 * socket bound to the wildcard every group any socket of the host
	 * joined on its port (IP_MULTICAST_ALL, ip(7)), which would let an
	 * SSM listener see sources it never asked for.
	 */
	if (set_int(fd, lvl, v6 ? IPV6_MULTICAST_ALL : IP_MULTICAST_ALL, 0) ==
	        -1 &&
	    errno != ENOPROTOOPT)
		return -1;
	/* Both default to 1 and on (RFC 1112 section 6.1, RFC 3493
	 * section 5.2); set them so that what is sent is what was asked. */
	if (set_int(fd, lvl, v6 ? IPV6_MULTICAST_HOPS : IP_MULTICAST_TTL,
	        (int)o->hops) == -1)
		return -1;
	if (set_int(fd, lvl, v6 ? IPV6_MULTICAST_LOOP : IP_MULTICAST_LOOP,
	        !o->no_loop) == -1)
		return -1;
	if (o->ifindex != 0) {
		if (v6) {
			if (set_int(fd, lvl, IPV6_MULTICAST_IF,
			        (int)o->ifindex) == -1)
				return -1;
		} else {
			/* By index: ip_mreqn, ip(7), Linux 2.2. */
			struct ip_mreqn m = {.imr_ifindex = (int)o->ifindex};

			if (setsockopt(
			        fd, lvl, IP_MULTICAST_IF, &m, sizeof(m)) == -1)
				return -1;
		}
	}
	/* What arrives: destination and interface, hop limit. */
	if (set_int(fd, lvl, v6 ? IPV6_RECVPKTINFO : IP_PKTINFO, 1) == -1)
		return -1;
	if (set_int(fd, lvl, v6 ? IPV6_RECVHOPLIMIT : IP_RECVTTL, 1) == -1)
		return -1;
	/* The kernel's receive time, not the time the loop got round to
	 * it: one-way delays are computed from it. */
	if (set_int(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1) == -1)
		return -1;
	return 0;
}

/* Fill ev from one datagram's message and control data. */
static void
read_control(
    struct ds_mcast_sock *s, struct msghdr *mh, struct ds_mcast_event *ev)
{
	struct timespec ts;
	bool have_ts = false;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			ev->ifindex = (uint32_t)pi.ipi_ifindex;
			ds_addr_from_v4(ntohl(pi.ipi_addr.s_addr), &ev->dest);
		} else if (c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_TTL) {
			int ttl;

			memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
			ev->hops = ttl;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			ev->ifindex = pi.ipi6_ifindex;
			ds_addr_from_v6(pi.ipi6_addr.s6_addr, &ev->dest);
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_HOPLIMIT) {
			int hl;

			memcpy(&hl, CMSG_DATA(c), sizeof(hl));
			ev->hops = hl;
		} else if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SO_TIMESTAMPNS) {
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			have_ts = true;
		}
	}
	if (!have_ts)
		clock_gettime(CLOCK_REALTIME, &ts);
	ev->time_us =
	    (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	(void)s;
}

static void
on_readable(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct ds_mcast_sock *s = userdata;

	(void)io;
	(void)events;
	for (int i = 0; i < RECV_BATCH; i++) {
		/* pktinfo, a hop limit and a timespec, with room. */
		union {
			struct cmsghdr align;
			uint8_t b[256];
		} control;
		struct sockaddr_storage ss;
		struct iovec iov = {s->buf, sizeof(s->buf)};
		struct msghdr mh = {
		    .msg_name = &ss,
		    .msg_namelen = sizeof(ss),
		    .msg_iov = &iov,
		    .msg_iovlen = 1,
		    .msg_control = control.b,
		    .msg_controllen = sizeof(control.b),
		};
		struct ds_mcast_event ev = {
		    .kind = DS_MCAST_EV_DATA, .hops = -1};
		ssize_t n;

		n = recvmsg(fd, &mh, MSG_TRUNC);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			/*
			 * An ICMP error queued by an earlier send (port
			 * unreachable for a unicast answer) is reported
			 * once and consumed by this read; the socket goes
			 * on.
			 */
			ev = (struct ds_mcast_event){
			    .kind = DS_MCAST_EV_ERROR, .err = -errno};
		} else {
			ds__endpoint_named(
			    (struct sockaddr *)&ss, mh.msg_namelen, &ev.source);
			read_control(s, &mh, &ev);
			ev.data = s->buf;
			ev.truncated = (size_t)n > sizeof(s->buf);
			ev.len = ev.truncated ? sizeof(s->buf) : (size_t)n;
		}
		if (!s->cb)
			continue;
		s->in_cb = true;
		s->cb(s, &ev, s->userdata);
		s->in_cb = false;
		if (s->freed) {
			ds_mcast_sock_free(s);
			return;
		}
	}
}

int
ds_mcast_sock_new(struct ds_loop *loop, const struct ds_mcast_opts *o,
    ds_mcast_fn *cb, void *userdata, struct ds_mcast_sock **ret)
{
	struct ds_mcast_sock *s;
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int fd, r;

	if (o->family != AF_INET && o->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (o->hops > 255)
		return -ERANGE;
	fd = socket(
	    o->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd == -1)
		return -errno;
	if (set_options(fd, o) == -1)
		return fail_close(fd);
	if (o->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(o->port);
		len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(o->port);
		len = sizeof(*sin);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == -1)
		return fail_close(fd);
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	s->loop = loop;
	s->fd = fd;
	s->family = o->family;
	s->cb = cb;
	s->userdata = userdata;
	r = ds_io_new(loop, fd, DS_IO_IN, on_readable, s, &s->io);
	if (r < 0) {
		close(fd);
		free(s);
		return r;
	}
	*ret = s;
	return 0;
}

struct ds_mcast_sock *
ds_mcast_sock_free(struct ds_mcast_sock *s)
{
	if (!s)
		return NULL;
	if (s->in_cb) {
		s->freed = true;
		return NULL;
	}
	ds_io_free(s->io);
	close(s->fd);
	free(s);
	return NULL;
}

/* A sockaddr for an address of spec, port 0, for group_req and
 * group_source_req. */
static void
addr_to_ss(const struct ds_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = a->u.in;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a->u.in6;
	}
}

/* Join or leave: the one place the four socket options are chosen. */
static int
membership(struct ds_mcast_sock *s, const struct ds_mcast_spec *spec, bool join)
{
	struct ds_mcast_spec sp = *spec;
	int lvl = s->family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int r;

	r = ds_mcast_resolve(&sp);
	if (r < 0)
		return r;
	if (sp.group.family != s->family)
		return -DS_E_FAMILY;
	if (sp.source.family == 0) {
		struct group_req gr = {.gr_interface = sp.ifindex};

		addr_to_ss(&sp.group, &gr.gr_group);
		r = setsockopt(s->fd, lvl,
		    join ? MCAST_JOIN_GROUP : MCAST_LEAVE_GROUP, &gr,
		    sizeof(gr));
	} else {
		struct group_source_req gsr = {.gsr_interface = sp.ifindex};

		addr_to_ss(&sp.group, &gsr.gsr_group);
		addr_to_ss(&sp.source, &gsr.gsr_source);
		r = setsockopt(s->fd, lvl,
		    join ? MCAST_JOIN_SOURCE_GROUP : MCAST_LEAVE_SOURCE_GROUP,
		    &gsr, sizeof(gsr));
	}
	return r == -1 ? -errno : 0;
}

int
ds_mcast_join(struct ds_mcast_sock *s, const struct ds_mcast_spec *spec)
{
	return membership(s, spec, true);
}

int
ds_mcast_leave(struct ds_mcast_sock *s, const struct ds_mcast_spec *spec)
{
	return membership(s, spec, false);
}

int
ds_mcast_send(struct ds_mcast_sock *s, const struct ds_endpoint *to,
    const void *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	ssize_t n;
	int r;

	r = ds_endpoint_to_sockaddr(to, &ss, &sl);
	if (r < 0)
		return r;
	if (to->addr.family != s->family)
		return -DS_E_FAMILY;
	n = sendto(s->fd, buf, len, 0, (struct sockaddr *)&ss, sl);
	if (n == -1)
		return -errno;
	return (int)n;
}

int
ds_mcast_local(const struct ds_mcast_sock *s, struct ds_endpoint *ret)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(s->fd, (struct sockaddr *)&ss, &len) == -1)
		return -errno;
	return ds_endpoint_from_sockaddr((struct sockaddr *)&ss, len, ret);
}

int
ds_mcast_fd(const struct ds_mcast_sock *s)
{
	return s->fd;
}
