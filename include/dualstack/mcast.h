/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_MCAST_H
#define DUALSTACK_MCAST_H

/*
 * ds_mcast: multicast for both families -- joins, sending and receiving.
 *
 * The pure part (lib/mcast-probe.c: no I/O, no allocation, safe from any
 * thread) says what a group is (scope, source-specific or not), checks a
 * group, a source and an interface against each other before anything
 * is joined, and encodes and decodes the probe payload that "dualstack
 * mcast send", "listen" and "ping" put in their datagrams.
 *
 * The socket part (lib/mcast.c) runs on a ds_loop: a UDP socket that
 * joins any-source (ASM) and source-specific (SSM) groups with the
 * protocol-independent API of RFC 3678 section 5.2 (MCAST_JOIN_GROUP,
 * MCAST_JOIN_SOURCE_GROUP), which names the interface by index for both
 * families; sends with the TTL or hop limit and the loopback chosen
 * explicitly (never inherited: both default to 1 and "on", RFC 1112
 * section 6.1 and RFC 3493 section 5.2); and hands every datagram to the
 * caller as a typed event with its source, the address it was sent to,
 * the interface it arrived on (IP_PKTINFO, IPV6_RECVPKTINFO) and the
 * TTL or hop limit it arrived with (IP_RECVTTL, IPV6_RECVHOPLIMIT).
 *
 * A ds_mcast_sock belongs to the thread of its loop. The library never
 * prints: every value has a machine token here, the words are the CLI's.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dualstack/addr.h"
#include "dualstack/export.h"
#include "dualstack/finding.h"

struct ds_loop;
struct ds_mcast_sock;

/* --- Groups (pure) ------------------------------------------------------- */

/* What a multicast group is, as far as joining and sending go. */
struct ds_mcast_group_info {
	/*
	 * The scope, as the 4-bit values of RFC 7346 (1 interface-local,
	 * 2 link-local, 4 admin-local, 5 site-local, 8 organization-local,
	 * 14 global). IPv6 takes it from the address; IPv4 from the blocks
	 * of RFC 5771 and RFC 2365: 224.0.0.0/24 (Local Network Control,
	 * never forwarded) is link-local, 239.255.0.0/16 site-local (the
	 * IPv4 Local Scope), the rest of 239.0.0.0/8 organization-local,
	 * the rest global.
	 */
	unsigned scope;
	bool ssm;         /* source-specific: 232.0.0.0/8 or ff3x::/32
	                   * (RFC 4607 section 1) */
	bool needs_iface; /* interface- or link-local: the group means
	                   * nothing without the interface it is on */
	bool node_local;  /* interface-local (ff01::/16 and its flag
	                   * variants): the kernel never puts it on a wire,
	                   * only loops it back (RFC 4291 section 2.7) */
};

/*
 * Fill *ret for group. Returns 0, -DS_E_NOT_MULTICAST for a unicast
 * address, -EAFNOSUPPORT for an address without a family.
 */
DS_EXPORT int ds_mcast_group_info(
    const struct ds_addr *group, struct ds_mcast_group_info *ret);

/* What is to be joined or sent to: a group, perhaps a source. */
struct ds_mcast_spec {
	struct ds_addr group;  /* a zone, if any, names the interface */
	struct ds_addr source; /* family 0: any source (ASM) */
	uint32_t ifindex;      /* 0: none given */
	bool send;             /* checked for sending, not joining: the
	                        * sender is an SSM group's source */
	bool no_loop;          /* sending with loopback off */
};

/*
 * Check spec before a socket is touched, so that a mistake is named
 * rather than left to a kernel errno or to silence. Returns 0 or:
 *   -DS_E_NOT_MULTICAST        the group is unicast;
 *   -DS_E_MCAST_SCOPE_RESERVED scope 0 or 15 (RFC 4291 section 2.7);
 *   -DS_E_MCAST_NEEDS_IFACE    a link- or interface-local group, and no
 *                              interface (ifindex 0 and no zone);
 *   -DS_E_MCAST_IFACE_CONFLICT the group's zone is a number that is not
 *                              ifindex;
 *   -DS_E_MCAST_SOURCE_FAMILY  the source is of the other family;
 *   -DS_E_MCAST_SOURCE_BAD     the source is not a unicast address;
 *   -DS_E_MCAST_SSM_NO_SOURCE  an SSM group without a source, to join
 *                              (not to send): RFC 4607 section 2 has no
 *                              any-source join there, and no router
 *                              forwards one;
 *   -DS_E_MCAST_NODE_NO_LOOP   an interface-local group with loopback
 *                              off: nothing could ever receive it.
 * A zone given as a name is checked against ifindex where the socket is
 * made (ds_mcast_resolve()), which is I/O.
 */
DS_EXPORT int ds_mcast_check(const struct ds_mcast_spec *spec);

/*
 * ds_mcast_check(), then the interface of spec fixed: a zone on the
 * group, named or numbered, becomes spec->ifindex when none was given,
 * and must agree with it when one was (-DS_E_MCAST_IFACE_CONFLICT). The
 * zone is then cleared. Returns 0 or the errors above and of
 * ds_addr_zone_index().
 */
DS_EXPORT int ds_mcast_resolve(struct ds_mcast_spec *spec);

/* --- The probe payload (pure) -------------------------------------------- */

/*
 * What "mcast send", "listen" and "ping" put in a datagram, so that a
 * receiver can count losses and delays and a pinger can match answers:
 *
 *   0  "dsmc"   magic
 *   4  version  1
 *   5  kind     enum ds_mcast_probe_kind
 *   6  hops     in an answer: the TTL or hop limit the request arrived
 *               with (0: unknown)
 *   7  0        reserved, sent as 0, ignored
 *   8  session  32 bits, the sender's random number for this run
 *  12  seq      32 bits, from 1
 *  16  sent     64 bits, the request's send time, microseconds since the
 *               Unix epoch (CLOCK_REALTIME); an answer echoes it
 *  24  padding to the size asked for, zeros
 *
 * All in network byte order. Anything longer is padding.
 */
#define DS_MCAST_PROBE_LEN 24

enum ds_mcast_probe_kind {
	DS_MCAST_PROBE_DATA = 1,  /* mcast send */
	DS_MCAST_PROBE_REQUEST,   /* mcast ping: a request */
	DS_MCAST_PROBE_UNICAST,   /* the answer sent by unicast */
	DS_MCAST_PROBE_MULTICAST, /* the answer sent to the group */
};

struct ds_mcast_probe {
	enum ds_mcast_probe_kind kind;
	uint8_t hops;
	uint32_t session;
	uint32_t seq;
	uint64_t sent_us;
};

/* "data", "request", "unicast", "multicast"; NULL out of range. */
DS_EXPORT const char *ds_mcast_probe_kind_token(enum ds_mcast_probe_kind k);

/*
 * Write p into buf, size bytes (>= DS_MCAST_PROBE_LEN), and zeros after
 * it up to size. Returns DS_MCAST_PROBE_LEN, -ENOBUFS when size is
 * shorter, -EINVAL for a kind out of range.
 */
DS_EXPORT int ds_mcast_probe_encode(
    const struct ds_mcast_probe *p, uint8_t *buf, size_t size);

/*
 * Read a probe from len bytes. Returns 0, or -EBADMSG when they are not
 * one (short, wrong magic, another version, an unknown kind): any other
 * datagram on the group.
 */
DS_EXPORT int ds_mcast_probe_decode(
    const uint8_t *buf, size_t len, struct ds_mcast_probe *ret);

/* --- The host's memberships, as /proc says (pure) ------------------------ */

/*
 * One group joined on one interface: a line of /proc/net/igmp (IPv4) or
 * /proc/net/igmp6 (IPv6), or with a source, of /proc/net/mcfilter or
 * /proc/net/mcfilter6 (the source filters of SSM joins and of
 * MCAST_BLOCK_SOURCE).
 */
struct ds_mcast_membership {
	uint32_t ifindex;
	char ifname[DS_ZONE_MAX]; /* as the file gives it: mcfilter cuts
	                           * names to 6 characters */
	struct ds_addr group;
	struct ds_addr source;     /* mcfilter: the source; else family 0 */
	uint32_t users;            /* igmp, igmp6: sockets that joined */
	uint32_t include, exclude; /* mcfilter: sockets that include or
	                            * exclude the source */
};

/* Which file a text came from. */
enum ds_mcast_proc {
	DS_MCAST_PROC_IGMP = 1,  /* /proc/net/igmp */
	DS_MCAST_PROC_IGMP6,     /* /proc/net/igmp6 */
	DS_MCAST_PROC_MCFILTER,  /* /proc/net/mcfilter */
	DS_MCAST_PROC_MCFILTER6, /* /proc/net/mcfilter6 */
};

/*
 * Parse len bytes of one of those files, as the kernel writes them
 * (net/ipv4/igmp.c, net/ipv6/mcast.c: igmp_mc_seq_show(),
 * igmp6_mc_seq_show(), igmp_mcf_seq_show(), igmp6_mcf_seq_show()), into
 * out[0..max). Returns how many entries the text holds (more than max
 * when out was too short; out may be NULL when max is 0), or -EBADMSG
 * with *errline (1-based, may be NULL) at the first line that is not
 * what the kernel writes; -EINVAL for an unknown kind. IPv4 groups in
 * /proc/net/igmp are the kernel's in-memory word in hexadecimal, read
 * here on the host that wrote them.
 */
DS_EXPORT int ds_mcast_proc_parse(enum ds_mcast_proc kind, const char *text,
    size_t len, struct ds_mcast_membership *out, size_t max, size_t *errline);

/* --- Checking a join (pure) ---------------------------------------------- */

/* The membership report a frame carries, as far as spec is concerned. */
enum ds_mcast_report_kind {
	DS_MCAST_REPORT_IGMPV1 = 1, /* RFC 1112, type 0x12 */
	DS_MCAST_REPORT_IGMPV2,     /* RFC 2236, type 0x16 */
	DS_MCAST_REPORT_IGMPV3,     /* RFC 3376, type 0x22 */
	DS_MCAST_REPORT_MLDV1,      /* RFC 2710, type 131 */
	DS_MCAST_REPORT_MLDV2,      /* RFC 3810, type 143 */
};

/* "igmpv1-report", ..., "mldv2-report"; NULL out of range. */
DS_EXPORT const char *ds_mcast_report_token(enum ds_mcast_report_kind k);

/*
 * Does the frame (caplen bytes of pcap link type linktype) carry a
 * report that joins spec's group -- with spec's source, for SSM (an
 * IGMPv3 or MLDv2 record that includes or allows it)? The frame is
 * decoded with ds_packet_decode(); IGMP, which it leaves undecoded, is
 * read here (RFC 3376 section 4.2). Returns 1 and sets *ret_kind, 0 for
 * any other frame, or the errors of ds_packet_decode().
 */
DS_EXPORT int ds_mcast_report_match(const uint8_t *frame, size_t caplen,
    int linktype, const struct ds_mcast_spec *spec,
    enum ds_mcast_report_kind *ret_kind);

struct ds_host_facts;
struct ds_fw;

/* What mcast check found out, as facts. */
struct ds_mcast_check_facts {
	struct ds_mcast_spec spec; /* resolved: ifindex set */
	char ifname[DS_ZONE_MAX];
	int capture_err; /* 0, or why the wire was not watched */
	enum ds_mcast_report_kind report; /* 0: none seen */
	uint64_t waited_us;               /* how long the capture looked */
	const struct ds_mcast_membership *members; /* igmp or igmp6 */
	size_t n_members;
	const struct ds_mcast_membership *filters; /* mcfilter(6) */
	size_t n_filters;
	int rp_filter; /* IPv4: max(all, the interface's); -1 unknown */
	/* The interfaces and their addresses (ds_host_links_read());
	 * NULL: not read, nothing is said about the interface. */
	const struct ds_host_facts *host;
	/* The route sending to the group without an interface takes
	 * (ds_host_route_get()), when route_asked: its interface, or the
	 * kernel's error. */
	bool route_asked;
	unsigned route_oif;
	int route_err;
	uint16_t port; /* the UDP port datagrams come to; 0: any */
	/* The ruleset (ds_fw_load_live()): NULL when not loaded, and then
	 * fw_err says why (0: not asked); fw_status is nft's exit status
	 * for -DS_E_FW_NFT. */
	const struct ds_fw *fw;
	int fw_err;
	int fw_status;
};

/* The most findings ds_mcast_check_findings() makes. */
#define DS_MCAST_CHECK_FINDINGS_MAX 16

/*
 * The findings of a check from its facts, into out[0..max), in the
 * order: the report, the membership, the interface (state, multicast,
 * an address of the family), the route sending would take, other
 * interfaces' memberships, the firewall, rp_filter, the hop limit.
 *
 * With a ruleset, two packets are evaluated (ds_fw_eval()), each over
 * both of its hooks: a UDP datagram to the group and port (any port
 * when 0; from the SSM source, else any) arriving on the interface
 * (prerouting, input; ct state new, TTL 1 as senders send by default),
 * and the report the join sends (output, postrouting; IGMPv3 to
 * 224.0.0.22 or MLDv2 to ff02::16, RFC 3376 section 4.2.14, RFC 3810
 * section 5.2.14, or the version the capture saw, from the
 * interface's address). A drop or reject names the rule; an unknown
 * verdict names the rule that stopped the walk. Pure. Returns how many
 * findings there are (at most DS_MCAST_CHECK_FINDINGS_MAX).
 */
DS_EXPORT size_t ds_mcast_check_findings(
    const struct ds_mcast_check_facts *facts, struct ds_finding *out,
    size_t max);

/* --- Sockets (on a ds_loop) ---------------------------------------------- */

/* What a socket's events are. */
enum ds_mcast_event_kind {
	DS_MCAST_EV_DATA = 1, /* a datagram arrived */
	DS_MCAST_EV_ERROR,    /* receiving failed: err */
};

/* "data", "error"; NULL out of range. */
DS_EXPORT const char *ds_mcast_event_token(enum ds_mcast_event_kind k);

/* One event. Valid during the callback only. */
struct ds_mcast_event {
	enum ds_mcast_event_kind kind;
	int err; /* ERROR: a negative errno */
	/* DATA: */
	struct ds_endpoint source; /* who sent it (IPv4-mapped unmapped) */
	struct ds_addr dest;       /* where it was sent: the group, or this
	                            * host's address for unicast (pktinfo) */
	uint32_t ifindex;          /* the interface it came in on; 0 unknown */
	int hops;                  /* TTL or hop limit it arrived with; -1
	                            * unknown */
	uint64_t time_us;          /* when it was read, CLOCK_REALTIME in
	                            * microseconds since the epoch */
	const uint8_t *data;
	size_t len;     /* bytes in data */
	bool truncated; /* longer than the buffer (MSG_TRUNC) */
};

typedef void ds_mcast_fn(
    struct ds_mcast_sock *s, const struct ds_mcast_event *ev, void *userdata);

/* How a socket is made. */
struct ds_mcast_opts {
	int family;          /* AF_INET or AF_INET6 */
	uint16_t port;       /* the local port; 0: any (a sender) */
	struct ds_addr bind; /* family 0: the wildcard. Binding the group
	                      * keeps out datagrams to other groups on the
	                      * port (Linux delivers by port otherwise) */
	uint32_t ifindex;    /* the interface multicast is sent on (IP_
	                      * MULTICAST_IF, IPV6_MULTICAST_IF); 0: routing's */
	unsigned hops;       /* TTL or hop limit of multicast sent, 0-255 */
	bool no_loop;        /* do not loop sent multicast back to this host */
	bool reuse;          /* SO_REUSEADDR, so that several listeners on one
	                      * host can share group and port */
};

/*
 * Make a socket on loop: UDP of o->family (IPv6 with IPV6_V6ONLY set:
 * an IPv4 group is joined on an IPv4 socket), bound as o says, the
 * hop limit and loopback set explicitly, the receive options on. cb
 * (may be NULL for a sender) gets every datagram. Returns 0 and sets
 * *ret, or -errno (-EAFNOSUPPORT when the host lacks the family,
 * -EADDRINUSE, -ERANGE for hops over 255, -ENOMEM).
 */
DS_EXPORT int ds_mcast_sock_new(struct ds_loop *loop,
    const struct ds_mcast_opts *o, ds_mcast_fn *cb, void *userdata,
    struct ds_mcast_sock **ret);

/* Close and free. NULL-safe, returns NULL; safe inside its callback. */
DS_EXPORT struct ds_mcast_sock *ds_mcast_sock_free(struct ds_mcast_sock *s);

/*
 * Join spec's group on spec's interface (ds_mcast_resolve() first: the
 * checks and the zone), any-source with MCAST_JOIN_GROUP or
 * source-specific with MCAST_JOIN_SOURCE_GROUP. The kernel then sends
 * the IGMP or MLD report. Returns 0, the errors of ds_mcast_resolve(),
 * or -errno from the kernel (-ENODEV: no such interface; -EADDRINUSE:
 * already joined; -ENOBUFS: the per-socket limit, net.ipv4.
 * igmp_max_memberships).
 */
DS_EXPORT int ds_mcast_join(
    struct ds_mcast_sock *s, const struct ds_mcast_spec *spec);

/* Leave what ds_mcast_join() joined. Returns 0 or -errno
 * (-EADDRNOTAVAIL: not joined). */
DS_EXPORT int ds_mcast_leave(
    struct ds_mcast_sock *s, const struct ds_mcast_spec *spec);

/*
 * Send len bytes to 'to' (a group, or a unicast address for an
 * answer) without blocking. Returns the bytes sent, -EAGAIN when the
 * socket buffer is full, or -errno (-ENETUNREACH: no route for the
 * group, and no interface given).
 */
DS_EXPORT int ds_mcast_send(struct ds_mcast_sock *s,
    const struct ds_endpoint *to, const void *buf, size_t len);

/* The local address and port (the port the kernel chose for port 0). */
DS_EXPORT int ds_mcast_local(
    const struct ds_mcast_sock *s, struct ds_endpoint *ret);

/* The socket's descriptor; owned by s. */
DS_EXPORT int ds_mcast_fd(const struct ds_mcast_sock *s);

#endif
