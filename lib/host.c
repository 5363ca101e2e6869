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
 * ds_host_facts_read() takes the snapshot "dualstack doctor" judges:
 * four rtnetlink dumps (links, addresses, routes and route exceptions,
 * neighbours) over one plain netlink socket, parsed by host-parse.c;
 * the IPv6 sysctls from /proc/sys; the resolver's files. Plain netlink,
 * not libmnl: the module already speaks it for ds_host_is_local(), a
 * dump is one request and a recv() loop, and the parsing that libmnl
 * would help with is done by our own bounds-checked walker anyway
 * (host-parse.c), which the fuzzer exercises without a socket.
 *
 * Netlink messages come from the kernel, not from the network; they are
 * still read only within the length the kernel gave (NLMSG_OK,
 * RTA_OK).
 */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "dualstack/error.h"
#include "dualstack/loop.h"
#include "dualstack/host.h"
#include "dualstack/resolve.h"

#include "connect-int.h"
#include "file-int.h"
#include "host-int.h"

/* A route reply is one rtmsg and a handful of attributes, well under a
 * page; a larger buffer costs nothing and leaves room for the kernel's
 * extended ack, which may quote our request back. */
#define NL_BUF 8192

int
ds_host_route_get(const struct ds_addr *a, struct ds_host_route *ret)
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
			/* An acknowledgement without a route is not what
			 * was asked for. */
			r = e->error == 0 ? -EBADMSG : e->error;
			break;
		}
		if (nh->nlmsg_type == RTM_NEWROUTE &&
		    nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct rtmsg))) {
			const struct rtmsg *rt = NLMSG_DATA(nh);
			size_t left = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*rt));
			struct ds_host_route route = {0};

			route.dst.addr = *a;
			route.dst.addr.zone[0] = '\0';
			route.dst.addr.scope_id = 0;
			route.dst.len = (unsigned)(8 * alen);
			route.table = rt->rtm_table;
			route.type = rt->rtm_type;
			route.cloned = (rt->rtm_flags & RTM_F_CLONED) != 0;
			for (rta = RTM_RTA(rt); RTA_OK(rta, left);
			     rta = RTA_NEXT(rta, left)) {
				size_t plen = RTA_PAYLOAD(rta);

				if (rta->rta_type == RTA_OIF && plen >= 4)
					memcpy(&route.oif, RTA_DATA(rta), 4);
				else if (rta->rta_type == RTA_TABLE &&
				    plen >= 4)
					memcpy(&route.table, RTA_DATA(rta), 4);
				else if (rta->rta_type == RTA_GATEWAY &&
				    plen == alen) {
					route.gateway.family = a->family;
					memcpy(a->family == AF_INET
					        ? (void *)&route.gateway.u.in
					        : (void *)&route.gateway.u.in6,
					    RTA_DATA(rta), alen);
				}
			}
			*ret = route;
			r = 0;
			break;
		}
	}
out:
	close(fd);
	return r;
}

int
ds_host_is_local(const struct ds_addr *a)
{
	struct ds_host_route route;
	int r = ds_host_route_get(a, &route);

	/* No route at all (ENETUNREACH, EHOSTUNREACH...): certainly not
	 * delivered here. Errors of the socket itself stay errors. */
	if (r == -ENETUNREACH || r == -EHOSTUNREACH || r == -EINVAL ||
	    r == -ENETDOWN || r == -ENODEV || r == -EACCES || r == -EPERM)
		return 0;
	if (r < 0)
		return r;
	return route.type == RTN_LOCAL;
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

/* --- The snapshot ----------------------------------------------------------
 */

/* A dump arrives in messages of up to a page each (NLMSG_GOODSIZE); a
 * buffer of 32 KiB takes several per recv() and never truncates one. */
#define DUMP_BUF 32768

/* The files of /etc are small; more than this is not a real one. */
#define ETC_FILE_MAX (64 * 1024)

/*
 * Ask for one dump (type, family) on fd and parse
 * what comes back into f. Returns 0 or -errno.
 */
static int
dump(int fd, unsigned short type, unsigned char family, unsigned seq,
    struct ds_host_facts *f)
{
	struct {
		struct nlmsghdr nh;
		union {
			struct ifinfomsg ifi;
			struct ifaddrmsg ifa;
			struct rtmsg rtm;
			struct ndmsg ndm;
		} u;
	} req;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	size_t body;
	int r;

	memset(&req, 0, sizeof(req));
	/* Each request carries the header its dump expects; a longer one
	 * would be read as attributes. */
	switch (type) {
	case RTM_GETLINK:
		body = sizeof(req.u.ifi);
		req.u.ifi.ifi_family = family;
		break;
	case RTM_GETADDR:
		body = sizeof(req.u.ifa);
		req.u.ifa.ifa_family = family;
		break;
	case RTM_GETROUTE:
		body = sizeof(req.u.rtm);
		req.u.rtm.rtm_family = family;
		break;
	default:
		body = sizeof(req.u.ndm);
		req.u.ndm.ndm_family = family;
		break;
	}
	req.nh.nlmsg_len = (unsigned)NLMSG_LENGTH(body);
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = seq;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
	        sizeof(kernel)) == -1)
		return -errno;
	for (;;) {
		char buf[DUMP_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -DS_E_HOST_NETLINK;
		r = ds__host_parse_dump(buf, (size_t)n, f);
		if (r != 0)
			return r < 0 ? r : 0;
	}
}

/* Read the integer sysctl at proc_sys/rel into *ret; 0 or -errno /
 * -DS_E_HOST_SYSCTL. */
static int
read_sysctl(const char *proc_sys, const char *rel, int *ret)
{
	char path[256], text[32];
	ssize_t n;
	int fd, r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", proc_sys, rel) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return -errno;
	n = read(fd, text, sizeof(text));
	r = n == -1 ? -errno : 0;
	(void)close(fd);
	if (r < 0)
		return r;
	return ds_host_sysctl_parse(text, (size_t)n, ret);
}

static void
read_link_sysctls(const char *proc_sys, struct ds_host_link *l)
{
	static const struct {
		const char *name;
		size_t off;
	} knobs[] = {
	    {"disable_ipv6", offsetof(struct ds_host_link, disable_ipv6)},
	    {"accept_ra", offsetof(struct ds_host_link, accept_ra)},
	    {"forwarding", offsetof(struct ds_host_link, forwarding)},
	    {"use_tempaddr", offsetof(struct ds_host_link, use_tempaddr)},
	    {"addr_gen_mode", offsetof(struct ds_host_link, addr_gen_mode)},
	    {"mtu", offsetof(struct ds_host_link, mtu6)},
	    {"accept_dad", offsetof(struct ds_host_link, accept_dad)},
	};
	char rel[128];

	/* A name with '/' or "..", impossible for a real interface, would
	 * leave net/ipv6/conf. */
	if (!l->name[0] || strchr(l->name, '/') || strcmp(l->name, ".") == 0 ||
	    strcmp(l->name, "..") == 0)
		return;
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		int v;

		snprintf(rel, sizeof(rel), "net/ipv6/conf/%s/%s", l->name,
		    knobs[i].name);
		if (read_sysctl(proc_sys, rel, &v) == 0)
			*(int *)((char *)l + knobs[i].off) = v;
	}
}

/* Read a file of /etc whole (following a link, as the C library does);
 * src records where from and how it went. */
static int
read_etc(
    const char *path, struct ds_host_file_err *src, char **ret, size_t *ret_len)
{
	src->path = path;
	src->err =
	    ds__file_read(path, ETC_FILE_MAX, DS__FILE_FOLLOW, ret, ret_len);
	return src->err;
}

static void
read_files(const struct ds_host_paths *p, struct ds_host_facts *f)
{
	char *text;
	size_t len;

	memset(&f->resolv, 0, sizeof(f->resolv));
	ds_resolv_options_init(&f->resolv.opts);
	if (read_etc(p->resolv_conf ? p->resolv_conf : "/etc/resolv.conf",
	        &f->resolv_src, &text, &len) == 0) {
		(void)ds_resolv_conf_parse_all(text, len, &f->resolv);
		free(text);
	}
	{
		/* $RES_OPTIONS amends the file's options (glibc's res_init
		 * order), so the doctor judges what programs will use. */
		const char *env = getenv("RES_OPTIONS");

		if (env)
			(void)ds_resolv_options_parse(
			    &f->resolv.opts, env, strlen(env));
	}

	ds_policy_default(&f->policy);
	if (read_etc(p->gai_conf ? p->gai_conf : "/etc/gai.conf", &f->gai_src,
	        &text, &len) == 0) {
		struct ds_policy pol;
		int r = ds_policy_parse_gai(text, len, &pol, NULL);

		/* The table glibc builds from the good lines; too many rows
		 * leaves pol untouched and the default in place. */
		if (r != -DS_E_POLICY_TOO_MANY)
			f->policy = pol;
		free(text);
	}

	memset(&f->nss, 0, sizeof(f->nss));
	if (read_etc(p->nsswitch ? p->nsswitch : "/etc/nsswitch.conf",
	        &f->nss_src, &text, &len) == 0) {
		(void)ds_host_nsswitch_parse(text, len, &f->nss);
		free(text);
	}

	memset(&f->localhost, 0, sizeof(f->localhost));
	if (read_etc(p->hosts ? p->hosts : "/etc/hosts", &f->hosts_src, &text,
	        &len) == 0) {
		(void)ds_host_localhost_parse(text, len, &f->localhost);
		free(text);
	}
}

/* Wait at most 1 s for fd to turn writable and return its SO_ERROR as
 * -errno; a loopback connect needs microseconds. */
static int
connect_wait(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	socklen_t sl;
	int err = 0, n;

	do
		n = poll(&pfd, 1, 1000);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	sl = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1)
		return -errno;
	return -err;
}

static int
connect_to(const struct sockaddr *sa, socklen_t len)
{
	int fd, r = 0;

	fd = socket(
	    sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -errno;
	if (connect(fd, sa, len) == -1)
		r = errno == EINPROGRESS ? connect_wait(fd) : -errno;
	(void)close(fd);
	return r;
}

static void
selftest(struct ds_host_selftest *t)
{
	struct sockaddr_in6 sa6 = {.sin6_family = AF_INET6};
	struct sockaddr_in sa4 = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa6);
	int fd, off = 0;

	memset(t, 0, sizeof(*t));
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		t->listen_err = -errno;
		t->v4_err = t->v6_err = t->listen_err;
		return;
	}
	/* Cleared explicitly: the test is of a dual listener, whatever
	 * net.ipv6.bindv6only says (which is judged on its own). */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ==
	        -1 ||
	    bind(fd, (struct sockaddr *)&sa6, sizeof(sa6)) == -1 ||
	    listen(fd, 4) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa6, &sl) == -1) {
		t->listen_err = -errno;
		t->v4_err = t->v6_err = t->listen_err;
		(void)close(fd);
		return;
	}
	sa4.sin_port = sa6.sin6_port;
	sa4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t->v4_err = connect_to((struct sockaddr *)&sa4, sizeof(sa4));
	sa6.sin6_addr = in6addr_loopback;
	t->v6_err = connect_to((struct sockaddr *)&sa6, sizeof(sa6));
	(void)close(fd);
}

/*
 * The rtnetlink dumps into f: links and addresses always, routes and
 * neighbours when all is set; then the links' IPv6 sysctls.
 */
static void
read_netlink(const char *proc_sys, bool all, struct ds_host_facts *f)
{
	struct timeval tv = {.tv_sec = 2};
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd == -1) {
		f->links_err = f->addrs_err = -errno;
		if (all)
			f->routes_err = f->neigh_err = f->links_err;
	} else {
		/* The kernel answers a dump at once; the bound is against a
		 * kernel that never sends NLMSG_DONE. */
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		f->links_err = dump(fd, RTM_GETLINK, AF_UNSPEC, 1, f);
		f->addrs_err = dump(fd, RTM_GETADDR, AF_UNSPEC, 2, f);
		/* Without NETLINK_GET_STRICT_CHK a route dump carries the
		 * exceptions too (PMTU, redirects), flagged RTM_F_CLONED:
		 * inet_dump_fib() and inet6_dump_fib() set dump_exceptions
		 * unless a strict request says otherwise. */
		if (all) {
			f->routes_err = dump(fd, RTM_GETROUTE, AF_UNSPEC, 3, f);
			f->neigh_err = dump(fd, RTM_GETNEIGH, AF_UNSPEC, 4, f);
		}
		(void)close(fd);
	}
	for (size_t i = 0; i < f->n_links && i < DS_HOST_LINK_MAX; i++)
		read_link_sysctls(proc_sys, &f->links[i]);
}

int
ds_host_links_read(struct ds_host_facts *ret)
{
	if (!ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	read_netlink("/proc/sys", false, ret);
	return 0;
}

int
ds_host_facts_read(const struct ds_host_paths *paths, struct ds_host_facts *ret)
{
	static const struct ds_host_paths none;
	const struct ds_host_paths *p = paths ? paths : &none;
	const char *proc_sys = p->proc_sys ? p->proc_sys : "/proc/sys";

	if (!ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	read_netlink(proc_sys, true, ret);

	ret->bindv6only = DS_HOST_SYSCTL_UNSET;
	ret->bindv6only_src.path = "net.ipv6.bindv6only";
	ret->bindv6only_src.err =
	    read_sysctl(proc_sys, "net/ipv6/bindv6only", &ret->bindv6only);

	read_files(p, ret);
	selftest(&ret->selftest);
	return 0;
}

static void
nat64_done(struct ds_resolve *r, enum ds_resolve_type type,
    const struct ds_resolve_query *q, void *userdata)
{
	(void)r;
	(void)type;
	(void)q;
	ds_loop_stop(userdata, 0);
}

int
ds_host_nat64_read(struct ds_host_facts *f)
{
	struct ds_resolve_opts ro = {
	    .family = DS_RESOLVE_ONLY_V6,
	    /* A diagnosis should not wait glibc's 5 s twice per server;
	     * a second try of 1 s covers one lost answer. */
	    .timeout_us = 1000000,
	    .tries = 2,
	    .no_hosts = true,
	};
	struct ds_loop *loop = NULL;
	struct ds_resolve *r = NULL;
	const struct ds_resolve_query *q;
	int err;

	f->nat64_asked = true;
	memset(&f->nat64_prefix, 0, sizeof(f->nat64_prefix));
	err = ds_loop_new(&loop);
	if (err == 0)
		err = ds_resolve_new(
		    loop, "ipv4only.arpa", &ro, nat64_done, loop, &r);
	if (err == 0)
		err = ds_loop_run(loop);
	if (err == 0) {
		q = ds_resolve_get(r, DS_RESOLVE_AAAA);
		err = q->status;
		if (err == -DS_E_DNS_NODATA || err == -DS_E_DNS_NXDOMAIN)
			err = 0;
		for (size_t i = 0; err == 0 && i < q->n_answers; i++)
			if (ds__nat64_prefix_find(
			        &q->answers[i].addr, &f->nat64_prefix) == 0) {
				err = 1;
				break;
			}
	}
	ds_resolve_free(r);
	ds_loop_free(loop);
	f->nat64 = err;
	return err;
}
