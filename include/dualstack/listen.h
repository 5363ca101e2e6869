/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_LISTEN_H
#define DUALSTACK_LISTEN_H

/*
 * ds_listen: dual-stack TCP listeners on a ds_loop, accepting, and naming
 * the two ends of a connection.
 *
 * Whether an AF_INET6 socket also accepts IPv4 (as ::ffff:a.b.c.d) depends
 * on IPV6_V6ONLY, whose default comes from the net.ipv6.bindv6only sysctl
 * and differs between systems. Here the choice is always explicit: every
 * AF_INET6 socket gets IPV6_V6ONLY set to what the mode says, whatever the
 * sysctl is (RFC 3493 section 5.3).
 *
 * Peers and local ends are named with IPv4-mapped addresses turned into
 * IPv4 (ds_addr_unmap()), and the family the client really used is kept
 * beside them, so a log says "192.0.2.7 (v4-mapped)" and an ACL for
 * 192.0.2.0/24 matches it.
 */

#include <stdbool.h>
#include <stddef.h>

#include "dualstack/addr.h"
#include "dualstack/export.h"
#include "dualstack/loop.h"

/* How to listen. */
enum ds_listen_mode {
	DS_LISTEN_DUAL = 1, /* one AF_INET6 socket, IPV6_V6ONLY=0: both */
	DS_LISTEN_SEPARATE, /* AF_INET + AF_INET6 with IPV6_V6ONLY=1 (sshd) */
	DS_LISTEN_V6ONLY,   /* AF_INET6, IPV6_V6ONLY=1 */
	DS_LISTEN_V4ONLY,   /* AF_INET */
};

/* "dual", "separate", "v6only", "v4only" both ways. */
DS_EXPORT const char *ds_listen_mode_name(enum ds_listen_mode mode);
DS_EXPORT int ds_listen_mode_parse(const char *s, enum ds_listen_mode *ret);

/* What a listener is asked for. Zero-initialise, then set what you need. */
struct ds_listen_config {
	/*
	 * Where: the any address (":: or 0.0.0.0, as ":9000" parses) lets the
	 * mode choose the sockets; a specific address binds that address
	 * only, and its family must fit the mode (an IPv4 address with
	 * v4only, dual or separate; an IPv6 one with v6only, dual or
	 * separate -- dual then means the one IPv6 socket, as a specific
	 * IPv6 address cannot receive IPv4; an IPv4-mapped address works in
	 * dual mode only, as the kernel refuses it with IPV6_V6ONLY set). A
	 * link-local address needs its
	 * zone; a zone name is resolved with ds_addr_zone_index(). Port 0 picks
	 * a free port; in separate mode both sockets get the same one.
	 */
	struct ds_endpoint where;
	enum ds_listen_mode mode; /* 0 means DS_LISTEN_DUAL */
	int backlog;              /* 0 means SOMAXCONN */
	bool reuseport;           /* SO_REUSEPORT, for -j N workers */
	/* TCP_NODELAY on the listening sockets, which accepted sockets
	 * inherit (Linux copies the option on accept): no Nagle delay on
	 * any connection, without a system call per connection. */
	bool nodelay;
};

/*
 * What happened to the socket of each family when a listener was opened
 * (dual mode on the any address has one socket, reported as v6, with
 * v4.wanted false): 'err' is 0 (bound) or -errno, and 'step' names what
 * failed: "mode" (the address does not fit the mode; reported on the
 * address's family), "zone" (no interface has
 * the zone's name: -DS_E_ZONE_UNKNOWN), "socket", "setsockopt(IPV6_V6ONLY)",
 * "setsockopt(SO_REUSEADDR)", "setsockopt(SO_REUSEPORT)",
 * "setsockopt(TCP_NODELAY)", "bind",
 * "getsockname", "listen" or "ds_io_new". The CLI turns this into "IPv4:
 * bind 0.0.0.0:9000: Address already in use".
 *
 * Linux with net.ipv6.conf.all.disable_ipv6=1 still binds and listens on
 * "::" (only ::1 and real addresses fail, with EADDRNOTAVAIL), so such a
 * host shows IPv6 as bound here; ask the host module whether IPv6 is on.
 */
struct ds_listen_report {
	struct {
		bool wanted;
		int err;
		const char *step;         /* static text, NULL when err is 0 */
		struct ds_endpoint bound; /* the real address and port */
	} v4, v6;
};

/*
 * Name the two ends of a connected socket (getsockname, getpeername),
 * normalised as a listener names them (src the peer, dst the local end;
 * see struct ds_tuple in addr.h). Returns 0 or -errno (-ENOTCONN once the
 * peer is gone).
 */
DS_EXPORT int ds_tuple_from_fd(int fd, struct ds_tuple *ret);

struct ds_listener;

/*
 * A new connection: fd is non-blocking and close-on-exec, and now the
 * callback's to own and close. t names both ends.
 */
typedef void ds_accept_fn(
    struct ds_listener *l, int fd, const struct ds_tuple *t, void *userdata);

/*
 * Something the caller may want to log, reported once per episode: for
 * now, accept() failing for lack of resources (-EMFILE, -ENFILE, -ENOBUFS,
 * -ENOMEM) or unexpectedly, after which the listener pauses accepting for a
 * back-off (starting at 50 ms, doubling up to 1 s) instead of spinning, and
 * resumes by itself; err 0 reports the next successful accept, which ends
 * the episode.
 */
typedef void ds_listen_event_fn(struct ds_listener *l, int err, void *userdata);

/*
 * Open the sockets cfg asks for and start accepting on loop. Each family
 * the mode asks for is tried; one the host lacks (-EAFNOSUPPORT, IPv6
 * disabled) is reported in *report and is not fatal, unless nothing could
 * be bound. Any other failure is fatal. Returns 0, or -errno of the first
 * fatal failure with *report saying which family and which call; report
 * may be NULL. on_event may be NULL.
 */
DS_EXPORT int ds_listener_new(struct ds_loop *loop,
    const struct ds_listen_config *cfg, ds_accept_fn *on_accept,
    ds_listen_event_fn *on_event, void *userdata,
    struct ds_listen_report *report, struct ds_listener **ret);

/*
 * Stop accepting, close the sockets and free. NULL-safe; returns NULL. May
 * be called from on_accept or on_event; must be called before the loop is
 * freed.
 */
DS_EXPORT struct ds_listener *ds_listener_free(struct ds_listener *l);

/*
 * Stop or resume accepting (connections wait in the kernel's backlog),
 * e.g. at --max-conns or while draining. Returns 0 or -errno.
 */
DS_EXPORT int ds_listener_pause(struct ds_listener *l);
DS_EXPORT int ds_listener_resume(struct ds_listener *l);

/*
 * The bound endpoints (the real port when 0 was asked): up to n in ret,
 * returns how many sockets there are (1 or 2).
 */
DS_EXPORT size_t ds_listener_endpoints(
    const struct ds_listener *l, struct ds_endpoint *ret, size_t n);

/*
 * Steer connections by client: attach to the reuseport groups of l's
 * sockets (l opened with reuseport; any one listener of each group will
 * do, it acts for the whole group) a classic BPF program that sends every
 * connection from one client prefix -- the source masked to prefix6 bits
 * (IPv6) or prefix4 bits (IPv4, also when it arrives at a dual socket) --
 * to the same listener: the one at index ds_listen_steer_index() in the
 * group, in the order the group's sockets started listening. n is the
 * number of listeners in the group. Per-client state kept per listener
 * (limits, rates) is then exact with one listener per worker. Returns 0,
 * -EINVAL (n 0, a length out of range), or -errno from setsockopt
 * (SO_ATTACH_REUSEPORT_CBPF, Linux 4.5).
 */
DS_EXPORT int ds_listener_steer(
    struct ds_listener *l, unsigned n, unsigned prefix6, unsigned prefix4);

/* Which of n listeners ds_listener_steer() sends client to (IPv4-mapped
 * taken as IPv4). For tests and logs. */
DS_EXPORT unsigned ds_listen_steer_index(const struct ds_addr *client,
    unsigned n, unsigned prefix6, unsigned prefix4);

#endif
