/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_HOST_H
#define DUALSTACK_HOST_H

/*
 * ds_host: facts about this host, as values. Each call asks the kernel
 * afresh (rtnetlink, getifaddrs()); none blocks: rtnetlink answers a
 * request from within the sendmsg() that carries it. Safe from any
 * thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dualstack/addr.h"
#include "dualstack/export.h"
#include "dualstack/finding.h"
#include "dualstack/resolv-conf.h"
#include "dualstack/sort.h"

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

struct ds_host_route;

/*
 * The route the kernel picks for sending to a with no interface or
 * source given (RTM_GETROUTE, as "ip route get"), into *ret: dst is a
 * itself (a host prefix, no zone), oif the interface it leaves by,
 * type RTN_UNICAST, RTN_LOCAL, RTN_MULTICAST..., the table it came
 * from. For a multicast group this is the interface a socket without
 * IP_MULTICAST_IF / IPV6_MULTICAST_IF sends by. Returns 0, the kernel's
 * -errno when it has no route (-ENETUNREACH, -EHOSTUNREACH...),
 * -EAFNOSUPPORT, or -errno from the netlink socket.
 */
DS_EXPORT int ds_host_route_get(
    const struct ds_addr *a, struct ds_host_route *ret);

/* --- Host facts as values -------------------------------------------------
 *
 * What "dualstack doctor" judges, read once into one value: interfaces,
 * addresses, routes and neighbours (rtnetlink dumps), the IPv6 sysctls
 * (/proc/sys/net/ipv6), and the files the resolver reads (resolv.conf,
 * gai.conf, nsswitch.conf, hosts). Reading is kept apart from parsing:
 * every parser below is pure (no I/O, no allocation) and is unit tested
 * and fuzzed on its own.
 */

/* Caps on what one snapshot keeps; more is counted in the n_* field but
 * not stored (a host with more than 64 interfaces is a router, not what
 * doctor is for). */
#define DS_HOST_LINK_MAX 64
#define DS_HOST_ADDR_MAX 256
#define DS_HOST_ROUTE_MAX 256
#define DS_HOST_NEIGH_MAX 128

/* IFNAMSIZ of <net/if.h>, with its NUL. */
#define DS_HOST_IFNAME_MAX 16

/* A sysctl that could not be read (absent: IPv6 off, or no such link). */
#define DS_HOST_SYSCTL_UNSET (-1)

/* One interface (RTM_NEWLINK) and its IPv6 sysctls. */
struct ds_host_link {
	unsigned index;
	char name[DS_HOST_IFNAME_MAX];
	unsigned flags; /* IFF_* of <net/if.h>: IFF_UP, IFF_RUNNING... */
	unsigned mtu;
	unsigned type; /* ARPHRD_* of <net/if_arp.h> */
	char kind[16]; /* IFLA_INFO_KIND ("veth", "sit", "wireguard"), or "" */
	/* net/ipv6/conf/NAME/<sysctl>, or DS_HOST_SYSCTL_UNSET. */
	int disable_ipv6;
	int accept_ra;
	int forwarding;
	int use_tempaddr;
	int addr_gen_mode;
	int mtu6; /* "mtu": the IPv6 MTU of the link */
	int accept_dad;
};

/* One address (RTM_NEWADDR). */
struct ds_host_address {
	unsigned index;       /* of its interface */
	struct ds_addr addr;  /* no zone */
	unsigned plen;        /* prefix length */
	unsigned scope;       /* RT_SCOPE_* of <linux/rtnetlink.h> */
	uint32_t flags;       /* IFA_F_* of <linux/if_addr.h>: TEMPORARY,
	                       * DADFAILED, DEPRECATED, TENTATIVE, PERMANENT */
	uint32_t preferred_s; /* lifetimes (IFA_CACHEINFO); UINT32_MAX: */
	uint32_t valid_s;     /* forever */
};

/* One route (RTM_NEWROUTE) of the main table, or a cached PMTU
 * exception (cloned). */
struct ds_host_route {
	struct ds_prefix dst;   /* ::/0 or 0.0.0.0/0 for a default route */
	struct ds_addr gateway; /* family 0 when on-link */
	unsigned oif;           /* output interface, 0 when none */
	unsigned table;         /* RT_TABLE_* */
	unsigned type;          /* RTN_* */
	unsigned mtu;           /* RTAX_MTU, 0 when none */
	bool cloned;            /* RTM_F_CLONED: an exception (PMTU) */
};

/* One neighbour cache entry (RTM_NEWNDA). */
struct ds_host_neighbor {
	struct ds_addr addr;
	unsigned index;
	unsigned state; /* NUD_* of <linux/neighbour.h> */
	bool router;    /* NTF_ROUTER: it said so in its advertisements */
};

/* The "hosts" line of nsswitch.conf(5). */
#define DS_HOST_NSS_MAX 8
struct ds_host_nsswitch {
	bool found; /* a "hosts:" line was there; else glibc's default,
	             * "dns [!UNAVAIL=return] files" */
	size_t n;   /* services, in order; at most DS_HOST_NSS_MAX kept */
	char service[DS_HOST_NSS_MAX][24];
	unsigned line; /* 1-based line of the "hosts:" line, 0 when none */
};

/* What /etc/hosts says about "localhost". */
struct ds_host_localhost {
	bool v4;        /* 127.0.0.1 (any of 127/8) names localhost */
	bool v6;        /* ::1 names localhost */
	unsigned line4; /* 1-based line of the first of each; 0 when none */
	unsigned line6;
};

/* Files, each with where it was read from and how that went. */
struct ds_host_file_err {
	const char *path; /* static or the caller's, as given */
	int err;          /* 0, or -errno when it could not be read;
	                   * -ENOENT when absent */
};

/* What the loopback self-test saw: one socket on [::]:0 with IPV6_V6ONLY
 * cleared, a connect to it over 127.0.0.1 and over ::1. */
struct ds_host_selftest {
	int listen_err; /* 0 or -errno (socket, bind, listen) */
	int v4_err;     /* 0 or -errno of the connect over 127.0.0.1 */
	int v6_err;     /* 0 or -errno of the connect over ::1 */
};

struct ds_host_facts {
	size_t n_links, n_addrs, n_routes, n_neigh; /* may exceed the caps */
	struct ds_host_link links[DS_HOST_LINK_MAX];
	struct ds_host_address addrs[DS_HOST_ADDR_MAX];
	struct ds_host_route routes[DS_HOST_ROUTE_MAX];
	struct ds_host_neighbor neigh[DS_HOST_NEIGH_MAX];
	/* 0, or -errno of the dump that failed. */
	int links_err, addrs_err, routes_err, neigh_err;

	int bindv6only; /* net/ipv6/bindv6only, or DS_HOST_SYSCTL_UNSET */
	struct ds_host_file_err bindv6only_src;

	struct ds_resolv_conf resolv;
	struct ds_host_file_err resolv_src;
	struct ds_policy policy;         /* the table getaddrinfo() uses */
	struct ds_host_file_err gai_src; /* err -ENOENT: the built-in table */
	struct ds_host_nsswitch nss;
	struct ds_host_file_err nss_src;
	struct ds_host_localhost localhost;
	struct ds_host_file_err hosts_src;

	struct ds_host_selftest selftest;

	/* Filled only by ds_host_nat64_read(): 1 a prefix was found, 0 the
	 * network has none, -errno or a resolver error when the lookup
	 * failed; nat64_asked false when it was not asked. */
	bool nat64_asked;
	int nat64;
	struct ds_prefix nat64_prefix;
};

/* Where to read the files from; a NULL member means the system's file.
 * Tests and "dualstack doctor --root" point them elsewhere. */
struct ds_host_paths {
	const char *resolv_conf; /* /etc/resolv.conf */
	const char *gai_conf;    /* /etc/gai.conf */
	const char *nsswitch;    /* /etc/nsswitch.conf */
	const char *hosts;       /* /etc/hosts */
	const char *proc_sys;    /* /proc/sys */
};

/*
 * Read every fact into *ret (about 60 KiB: let the caller allocate it).
 * paths may be NULL. A fact that cannot be read is recorded in its *_err
 * member, not returned; the loopback self-test is run too (a few
 * loopback connects, no traffic leaves the host). Blocking, but nothing
 * waits on the network: rtnetlink answers dumps from the kernel's tables
 * and loopback connects complete at once. Returns 0 or -EINVAL.
 */
DS_EXPORT int ds_host_facts_read(
    const struct ds_host_paths *paths, struct ds_host_facts *ret);

/*
 * Only the interfaces and their addresses (two rtnetlink dumps, and the
 * links' IPv6 sysctls) into *ret, as ds_host_facts_read() reads them;
 * the rest of *ret is zero. For a caller that asks about one interface.
 * Returns 0 or -EINVAL; a dump that failed is in links_err, addrs_err.
 */
DS_EXPORT int ds_host_links_read(struct ds_host_facts *ret);

/*
 * RFC 7050 section 3: ask the host's resolver (resolv.conf) for the AAAA
 * of "ipv4only.arpa"; an answer other than 192.0.0.170/171 embedded in a
 * NAT64 prefix (RFC 6052) means the network translates. Sets
 * f->nat64_asked, f->nat64 and f->nat64_prefix. The only fact that is
 * not on this host: a DNS query to its nameservers, two tries of 1 s
 * per server. Blocking (a private loop). Returns f->nat64.
 */
DS_EXPORT int ds_host_nat64_read(struct ds_host_facts *f);

/* --- The pure parsers ---------------------------------------------------- */

/*
 * A sysctl file's text (len bytes): an optional '-', decimal digits, an
 * optional trailing newline, within INT_MIN..INT_MAX. Returns 0 and
 * *ret, or -DS_E_HOST_SYSCTL.
 */
DS_EXPORT int ds_host_sysctl_parse(const char *text, size_t len, int *ret);

/*
 * The "hosts:" line of an nsswitch.conf text (len bytes), as glibc's
 * nss_parse_file() reads it: '#' starts a comment, the database name is
 * matched without case up to ':', services are words, "[...]" actions
 * are skipped; the last "hosts:" line wins. Writes *ret. Returns 0 or
 * -EINVAL (NULL arguments).
 */
DS_EXPORT int ds_host_nsswitch_parse(
    const char *text, size_t len, struct ds_host_nsswitch *ret);

/*
 * The localhost lines of a hosts(5) text (len bytes): an address then
 * names, '#' to the end of the line a comment. Writes *ret. Returns 0 or
 * -EINVAL.
 */
DS_EXPORT int ds_host_localhost_parse(
    const char *text, size_t len, struct ds_host_localhost *ret);

/*
 * The IFA_F_* flags of an address as the words of "ip address" (flags
 * "temporary", "dadfailed", "deprecated", "tentative", "permanent",
 * "optimistic", "noprefixroute", "mngtmpaddr", "stable-privacy",
 * "nodad", "homeaddress"): the token of the lowest set bit from bit
 * onwards, its bit in *ret_bit; NULL when none is left. Walk with
 * bit = *ret_bit + 1.
 */
DS_EXPORT const char *ds_host_addr_flag_token(
    uint32_t flags, unsigned bit, unsigned *ret_bit);

/* --- The checks -----------------------------------------------------------
 *
 * "dualstack doctor": facts in, ds_finding values out (codes 200-299 of
 * finding.h). Pure.
 */

/* Groups of checks, for --only and --list-checks. */
enum ds_host_check {
	DS_HOST_CHECK_CLASS = 0, /* the connectivity class */
	DS_HOST_CHECK_ADDRESSES,
	DS_HOST_CHECK_ROUTES,
	DS_HOST_CHECK_MTU,
	DS_HOST_CHECK_SOCKETS,
	DS_HOST_CHECK_POLICY,   /* gai.conf */
	DS_HOST_CHECK_RESOLVER, /* resolv.conf */
	DS_HOST_CHECK_NSSWITCH, /* nsswitch.conf, /etc/hosts */
	DS_HOST__CHECK_END,
};

#define DS_HOST_CHECK_ALL ((1u << DS_HOST__CHECK_END) - 1)

/* "class", "addresses", "routes", "mtu", "sockets", "policy", "resolver",
 * "nsswitch"; NULL out of range. */
DS_EXPORT const char *ds_host_check_token(enum ds_host_check c);

/* The check a token names: 0 or -EINVAL. */
DS_EXPORT int ds_host_check_parse(
    const char *s, size_t len, enum ds_host_check *ret);

/* The connectivity class of a host (the evidence "class" of host.class). */
enum ds_host_class {
	DS_HOST_CLASS_DUAL_STACK = 1,
	DS_HOST_CLASS_IPV4_ONLY,
	DS_HOST_CLASS_IPV6_ONLY,
	DS_HOST_CLASS_ULA_ONLY,        /* IPv6 only as ULA, fc00::/7 */
	DS_HOST_CLASS_LINK_LOCAL_ONLY, /* IPv6 only as fe80::/10, no IPv4 */
	DS_HOST_CLASS_NONE,            /* nothing but loopback */
};

/* "dual-stack", "ipv4-only", ...; NULL out of range. */
DS_EXPORT const char *ds_host_class_token(enum ds_host_class c);

/* The class of the host the facts describe. */
DS_EXPORT enum ds_host_class ds_host_class_of(const struct ds_host_facts *f);

/*
 * The worst wait, in seconds, of one lookup that no server answers, as
 * glibc's res_send() spends it: "attempts" rounds over the servers, the
 * try of server i (from 0) waiting timeout << i, divided by the number
 * of servers for i > 0, at least 1 s (glibc 2.36 send_dg()); twice that
 * with single-request (A waits for AAAA). servers 0 counts as 1 (glibc
 * then asks 127.0.0.1).
 */
DS_EXPORT unsigned ds_host_resolv_stall_s(const struct ds_resolv_conf *c);

/*
 * Run the checks of mask (1u << enum ds_host_check) on f. Writes at most
 * max findings into ret and returns how many there were (which may be
 * more than max). Findings of a fact that could not be read are
 * host.unreadable. Pure.
 */
DS_EXPORT size_t ds_host_check_run(const struct ds_host_facts *f, unsigned mask,
    struct ds_finding *ret, size_t max);

struct ds_connect_result;
struct ds_he_event;

/*
 * What one Happy Eyeballs race ("dualstack doctor --probe", a
 * ds_connect_run() to host) says, from its result r and its trace (n
 * events): host.probe (info: the winner, the time, the answers of each
 * family and the lookup's time), host.probe-v6-lost for each IPv6
 * attempt that IPv4 beat (warning when it was still waiting, state
 * "timeout": every connect there pays the attempt delay; info when it
 * failed at once, state "failed" with its errno), host.probe-failed
 * (error: nothing connected, with the reason). host is the name as
 * given (the subject), port its port. Writes at most max findings into ret and
 * returns how many there were. Pure.
 */
DS_EXPORT size_t ds_host_probe_findings(const char *host, uint16_t port,
    const struct ds_connect_result *r, const struct ds_he_event *trace,
    size_t n, struct ds_finding *ret, size_t max);

#endif
