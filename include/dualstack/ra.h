/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_RA_H
#define DUALSTACK_RA_H

/*
 * ds_ra: the content of one Router Advertisement (RFC 4861 section 4.2)
 * and the verdict "would a host accept it", with every reason.
 *
 * Input is a frame the packet module decoded (ds_packet_decode()): that
 * module walks the link layer and the whole IPv6 extension-header chain,
 * so an RA behind a Hop-by-Hop or Destination Options header is found
 * like any other. This module reads the ICMPv6 message from there: the
 * fixed part, every option (RFC 4861 4.6, RFC 4191, RFC 5175, RFC 8106,
 * RFC 8781, RFC 8910, others kept as type and length), and grades it as
 * RFC 4861 section 6.1.2, RFC 6980 and RFC 7112 tell a host to. Linux is
 * the reference where the RFCs leave room (tests/net/ra.sh compares the
 * verdict with what a Linux host did).
 *
 * A fragmented RA is reassembled by the bounded reassembler below
 * (struct ds_ra_reasm), so that it is still shown -- graded "ignored",
 * since hosts must drop fragmented Neighbor Discovery (RFC 6980 section
 * 5), and flagged as the evasion it is.
 *
 * Pure: no allocation, no I/O, no clock (time is passed in), no global
 * state. Everything is a value the caller owns; distinct values may be
 * used from any thread. Untrusted bytes are read through lib/cur.h only.
 * The two exceptions are at the end ("Sending", lib/ra-send.c): they send
 * a Router Solicitation and a counter-RA, and say so.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dualstack/addr.h"
#include "dualstack/export.h"
#include "dualstack/packet.h"

/* --- Caps ----------------------------------------------------------------- */

/*
 * Options stored per RA. A real router sends a handful (radvd: SLLA, MTU,
 * a few PIO/RIO, RDNSS, DNSSL); 64 options of the smallest size fill 512
 * octets, and the rest of a 1500-octet message is counted (opt_count) but
 * not stored, with DS_RA_F_CAPPED set.
 */
#define DS_RA_MAX_OPT 64

/* RDNSS servers stored, over all RDNSS options of one RA. */
#define DS_RA_MAX_ADDR 16

/*
 * Text kept from the message: DNSSL names (as ds_packet_dns_name() writes
 * them, printable) and the captive-portal URI (RFC 8910 section 2.3,
 * octets outside printable ASCII as '?'). Longer text is cut and the
 * option says so.
 */
#define DS_RA_TEXT_MAX 1024

/* --- Why a host ignores an RA ------------------------------------------- */

/*
 * Bits in ra.why: each is a reason a host drops the whole RA. 0 means a
 * host accepts it. Tokens: ds_ra_why_token().
 */
enum {
	/* RFC 4861 6.1.2: IP Hop Limit is not 255 (forwarded or forged
	 * off-link). */
	DS_RA_WHY_HOP_LIMIT = 1u << 0,
	/* 6.1.2: IP source is not link-local. */
	DS_RA_WHY_SRC_NOT_LL = 1u << 1,
	/* 6.1.2: ICMP Code is not 0. */
	DS_RA_WHY_CODE = 1u << 2,
	/* 6.1.2: the ICMP checksum is wrong. */
	DS_RA_WHY_CHECKSUM = 1u << 3,
	/* 6.1.2: ICMP length below 16 octets. */
	DS_RA_WHY_SHORT = 1u << 4,
	/* 6.1.2 and 4.6: an option with length 0. */
	DS_RA_WHY_OPT_ZERO = 1u << 5,
	/* An option runs past the end of the message (Linux's
	 * ndisc_parse_options() rejects the whole message). */
	DS_RA_WHY_OPT_TRUNC = 1u << 6,
	/* RFC 6980 section 5: a fragmented ND message (an atomic fragment,
	 * RFC 6946, counts: Linux marks it fragmented). */
	DS_RA_WHY_FRAGMENTED = 1u << 7,
	/* RFC 7112 section 5: the first fragment did not hold the whole
	 * header chain up to the ICMPv6 header. */
	DS_RA_WHY_CHAIN_SPLIT = 1u << 8,
	/* The IP destination is neither all-nodes (ff02::1) nor a unicast
	 * or link-local address: no host would receive it. Not checked for
	 * unicast destinations, which reach the one host they name. */
	DS_RA_WHY_DST = 1u << 9,
};
#define DS_RA_WHY_ALL ((1u << 10) - 1)

/* Bits in ra.flags: facts about how the RA arrived. */
enum {
	/* Reached only by walking extension headers: a monitor with a
	 * plain "icmp6" filter misses it, a host does not. */
	DS_RA_F_EXT = 1u << 0,
	/* Rebuilt from fragments by struct ds_ra_reasm. */
	DS_RA_F_REASSEMBLED = 1u << 1,
	/* Carried in an atomic fragment (RFC 6946). */
	DS_RA_F_ATOMIC = 1u << 2,
	/* The capture cut the message: the checksum was not verified and
	 * options past the cut are missing. */
	DS_RA_F_CUT = 1u << 3,
	/* More options than DS_RA_MAX_OPT, or servers than DS_RA_MAX_ADDR,
	 * or text than DS_RA_TEXT_MAX. */
	DS_RA_F_CAPPED = 1u << 4,
};

/* --- Options ------------------------------------------------------------- */

/* Option types this module decodes (RFC 4861 4.6 and the IANA "IPv6
 * Neighbor Discovery Option Formats" registry). */
enum {
	DS_RA_OPT_SLLA = 1,
	DS_RA_OPT_PIO = 3,
	DS_RA_OPT_MTU = 5,
	DS_RA_OPT_RIO = 24,     /* RFC 4191 section 2.3 */
	DS_RA_OPT_RDNSS = 25,   /* RFC 8106 section 5.1 */
	DS_RA_OPT_FLAGS = 26,   /* RFC 5175 section 4 */
	DS_RA_OPT_DNSSL = 31,   /* RFC 8106 section 5.2 */
	DS_RA_OPT_CAPTIVE = 37, /* RFC 8910 section 2.3 */
	DS_RA_OPT_PREF64 = 38,  /* RFC 8781 section 4 */
};

/*
 * Why a host ignores one option while it accepts the RA (opt.bad).
 * Tokens: ds_ra_optbad_token().
 */
enum ds_ra_optbad {
	DS_RA_OPT_OK = 0,
	DS_RA_OPT_BAD_LEN,       /* the wrong length for its type */
	DS_RA_OPT_BAD_PLEN,      /* a prefix length above 128, or one the
	                          * option's length cannot hold */
	DS_RA_OPT_LINK_LOCAL,    /* PIO of fe80::/10 (RFC 4862 5.5.3 b) */
	DS_RA_OPT_PREF_GT_VALID, /* PIO preferred > valid (5.5.3 c) */
	DS_RA_OPT_MULTICAST,     /* PIO or RIO of a multicast prefix */
	DS_RA_OPT_BAD_PLC,       /* PREF64 prefix length code above 5 */
};
#define DS_RA_OPT_BAD__END (DS_RA_OPT_BAD_PLC + 1)

struct ds_ra_opt {
	uint32_t off; /* offset of the type octet in the ICMPv6 message */
	uint8_t type;
	uint8_t len; /* the length field, in units of 8 octets (> 0) */
	uint8_t bad; /* enum ds_ra_optbad */
	union {
		/* 1: the link-layer address, when len is 1 (RFC 2464). */
		struct ds_mac lladdr;
		/* 3: Prefix Information (RFC 4861 4.6.2). */
		struct {
			struct ds_prefix prefix;
			uint8_t flags;      /* the raw flags octet */
			bool onlink;        /* L */
			bool autoconf;      /* A */
			bool router;        /* R, RFC 6275 section 7.2 */
			uint32_t valid;     /* seconds; 0xffffffff infinite */
			uint32_t preferred; /* seconds */
		} pio;
		/* 5: MTU (4.6.4). */
		uint32_t mtu;
		/* 24: Route Information (RFC 4191 section 2.3). */
		struct {
			struct ds_prefix prefix;
			uint8_t prf; /* DS_PKT_PRF_* */
			uint32_t lifetime;
		} rio;
		/* 25: RDNSS: servers ra.addr[first .. first + n - 1];
		 * count is how many the option had. */
		struct {
			uint32_t lifetime;
			uint16_t first;
			uint8_t n;
			uint8_t count;
		} rdnss;
		/* 31: DNSSL: the names as text, blank-separated, at
		 * ra.text[text_off] for text_len octets. */
		struct {
			uint32_t lifetime;
			uint16_t text_off, text_len;
			bool cut; /* a name did not fit, or was malformed */
		} dnssl;
		/* 38: PREF64 (RFC 8781 section 4). */
		struct {
			struct ds_prefix prefix;
			uint16_t lifetime; /* seconds (scaled lifetime * 8) */
			uint8_t plc;       /* prefix length code */
		} pref64;
		/* 37: Captive-Portal URI at ra.text[text_off]. */
		struct {
			uint16_t text_off, text_len;
			bool cut;
		} captive;
		/* 26: the 48 bits after the type and length (RFC 5175
		 * section 4), in the low bits. */
		uint64_t flags_ext;
	} u;
};

/* --- The RA -------------------------------------------------------------- */

/* ra.csum: what the checksum check found. */
enum {
	DS_RA_CSUM_OK = 0,
	DS_RA_CSUM_BAD,
	DS_RA_CSUM_UNKNOWN, /* the capture was cut: not verified */
};

struct ds_ra {
	/* IP and link layer. */
	struct ds_addr src, dst;
	uint8_t hop_limit; /* IP Hop Limit */
	bool has_mac;      /* src_mac is valid (an Ethernet frame) */
	struct ds_mac src_mac;
	/* The extension headers the RA came behind, as their protocol
	 * numbers (0 HbH, 60 DestOpts, 44 Fragment...); n_ext of them. */
	uint8_t n_ext;
	uint8_t ext[DS_PKT_MAX_EXT];

	/* ICMPv6 (RFC 4861 4.2). */
	uint32_t len; /* octets of ICMPv6 message (as the packet states) */
	uint8_t code;
	uint16_t checksum;
	uint8_t csum; /* DS_RA_CSUM_* */
	uint8_t cur_hop_limit;
	uint8_t flags_octet; /* M, O, H, Prf, P and the reserved bits */
	bool managed, other, home_agent, proxy;
	uint8_t prf;              /* DS_PKT_PRF_* (RFC 4191 2.2) */
	uint16_t router_lifetime; /* seconds */
	uint32_t reachable;       /* milliseconds */
	uint32_t retrans;         /* milliseconds */
	/* RFC 5175: the Flags Expansion option, when present. */
	bool has_flags_ext;
	uint64_t flags_ext;

	/* Options, in the order sent. */
	uint16_t n_opt;     /* stored */
	uint16_t opt_count; /* in the message */
	struct ds_ra_opt opt[DS_RA_MAX_OPT];
	uint16_t n_addr;
	struct ds_addr addr[DS_RA_MAX_ADDR];
	uint16_t text_len;
	char text[DS_RA_TEXT_MAX];

	/* The verdict. */
	uint32_t why;   /* DS_RA_WHY_*; 0: a host accepts it */
	uint32_t flags; /* DS_RA_F_* */
};

/* How the frame given to ds_ra_parse() was obtained (the "how" argument). */
enum {
	/* It is the synthetic packet ds_ra_reasm_add() rebuilt. */
	DS_RA_IN_REASSEMBLED = 1u << 0,
	/* ... whose first fragment did not hold the whole chain. */
	DS_RA_IN_CHAIN_SPLIT = 1u << 1,
	/* ... of which the first fragment was an atomic fragment. */
	DS_RA_IN_ATOMIC = 1u << 2,
	/* ... and had extension headers before its Fragment header. */
	DS_RA_IN_EXT = 1u << 3,
};

/*
 * Read the RA in a decoded frame.
 *
 * p:      the frame as ds_packet_decode() decoded data (it returned 0).
 * data:   the same bytes, p->caplen of them.
 * how:    DS_RA_IN_* for a frame rebuilt by ds_ra_reasm_add(), else 0.
 * ret:    the RA, its options and its verdict.
 *
 * Returns 0 for an RA (however invalid: see ret->why), -ENOENT when the
 * frame holds no ICMPv6 Router Advertisement (another message, a
 * non-first fragment, IPv4, a chain cut before the ICMPv6 header),
 * -EINVAL for NULL arguments. On failure *ret is untouched. An atomic
 * fragment (RFC 6946) is decoded here directly: it needs no
 * reassembly, and is graded DS_RA_WHY_FRAGMENTED all the same.
 */
DS_EXPORT int ds_ra_parse(const struct ds_pkt *p, const uint8_t *data,
    unsigned how, struct ds_ra *ret);

/*
 * Could this frame matter to a Router Advertisement monitor? A test on the
 * raw bytes, made before ds_packet_decode(), that lets a monitor skip the
 * bulk of a capture (TCP, UDP, IPv4, other ICMPv6, other EtherTypes) for
 * the price of a few octets read.
 *
 * data, caplen: the captured bytes; linktype: DS_LINK_* as for
 * ds_packet_decode().
 *
 * Returns false only when decoding the frame provably gives neither an
 * RA to ds_ra_parse() nor anything to ds_ra_reasm_add(): the innermost
 * IP layer ds_packet_decode() would reach is not IPv6, or is IPv6 with no
 * extension header and no ICMPv6 Router Advertisement. It follows the
 * decoder's rules: VLAN tags, IPv6 inside IPv4 or IPv6 (protocols 4, 41,
 * 47 and Teredo's UDP port 3544) and every extension header keep a frame.
 * True means "decode it": whatever the prefilter cannot settle from the
 * first octets (a cut frame, a link type it does not know) is true.
 * Pure; reads at most the link header, one IP header and four octets.
 */
DS_EXPORT bool ds_ra_prefilter(
    const uint8_t *data, size_t caplen, int linktype);

/* Does a host accept it? (ra->why == 0.) */
static inline bool
ds_ra_accepted(const struct ds_ra *ra)
{
	return ra->why == 0;
}

/*
 * The RFC 4861 6.1.2 checksum of an ICMPv6 message of len octets from src
 * to dst: 0 when msg (checksum field included) sums correctly. Exposed
 * for the tests and for building RAs.
 */
DS_EXPORT uint16_t ds_ra_icmp6_sum(const struct ds_addr *src,
    const struct ds_addr *dst, const uint8_t *msg, size_t len);

/* --- What changed between two RAs of one router ------------------------- */

/* Bits returned by ds_ra_diff(). Tokens: ds_ra_change_token(). */
enum {
	DS_RA_CHG_PREFIX_ADDED = 1u << 0,
	DS_RA_CHG_PREFIX_REMOVED = 1u << 1,
	DS_RA_CHG_LIFETIME = 1u << 2, /* router lifetime */
	DS_RA_CHG_FLAGS = 1u << 3,    /* M, O, H, P, extended flags */
	DS_RA_CHG_PRF = 1u << 4,      /* router preference */
	DS_RA_CHG_MTU = 1u << 5,
	DS_RA_CHG_RDNSS = 1u << 6, /* servers added or removed */
	DS_RA_CHG_PREF64 = 1u << 7,
	DS_RA_CHG_ROUTE = 1u << 8,      /* RIO added or removed */
	DS_RA_CHG_HOP_LIMIT = 1u << 9,  /* Cur Hop Limit */
	DS_RA_CHG_PIO_FLAGS = 1u << 10, /* a prefix's L/A/R flags */
	DS_RA_CHG_DNSSL = 1u << 11,
};
#define DS_RA_CHG_ALL ((1u << 12) - 1)

/*
 * What a router changed from 'old' to 'new': DS_RA_CHG_* bits, 0 when the
 * content is the same. Prefix, RDNSS and PREF64 lifetimes count down from
 * RA to RA and are not changes; router lifetime is compared as sent (a
 * router that stops routing sends 0, which the caller reports on its
 * own). Prefixes compare as sets (order does not matter).
 */
DS_EXPORT uint32_t ds_ra_diff(const struct ds_ra *old, const struct ds_ra *new);

/* --- Prefixes a router should not hand out ------------------------------ */

/*
 * What is odd about a prefix advertised in a PIO or RIO, to be reported:
 * Tokens: ds_ra_pfx_kind_token().
 */
enum ds_ra_pfx_kind {
	DS_RA_PFX_NORMAL = 0,
	DS_RA_PFX_6TO4, /* 2002::/16, RFC 3056 (deprecated relays, RFC 7526) */
	DS_RA_PFX_TEREDO, /* 2001::/32, RFC 4380 */
	DS_RA_PFX_ULA,    /* fc00::/7, RFC 4193 */
	DS_RA_PFX_DOC,    /* 2001:db8::/32, RFC 3849; 3fff::/20, RFC 9637 */
};
#define DS_RA_PFX__END (DS_RA_PFX_DOC + 1)

/* The kind of prefix p; DS_RA_PFX_NORMAL for anything else. */
DS_EXPORT enum ds_ra_pfx_kind ds_ra_pfx_kind(const struct ds_prefix *p);

/* --- Reassembly ---------------------------------------------------------- */

/*
 * Datagrams reassembled at once. An attacker can fill them; a new one
 * then evicts the oldest (counted in drop_evicted), so state stays fixed.
 */
#define DS_RA_REASM_SLOTS 8
/* Fragments per datagram. Linux bounds reassembly by memory
 * (net.ipv6.ip6frag_high_thresh), not by count; an RA fits the 1280-octet
 * minimum MTU (RFC 8200 section 5), so more than 64 pieces is an attack
 * (drop_many). */
#define DS_RA_REASM_MAX_FRAGS 64
/* Reassembled payload: an RA larger than a 9000-octet jumbo frame (the
 * largest link MTU in common use) is dropped (drop_big). */
#define DS_RA_REASM_MAX_LEN 9216
/* RFC 8200 section 4.5: give up on a datagram 60 s after its first
 * fragment arrived. */
#define DS_RA_REASM_TIMEOUT_US (60ull * 1000000)

struct ds_ra_reasm_slot {
	bool used;
	struct ds_addr src, dst;
	uint32_t id;
	uint64_t first_us; /* when its first fragment arrived */
	uint8_t hop_limit;
	bool has_mac;
	struct ds_mac src_mac;
	bool have_first, have_last, ext_before, chain_split;
	uint8_t next;   /* Next Header of the first fragment's Fragment
	                 * header */
	uint32_t total; /* payload length, known once the last arrived */
	uint8_t n_frag;
	struct {
		uint32_t off, len;
	} frag[DS_RA_REASM_MAX_FRAGS];
	uint8_t buf[DS_RA_REASM_MAX_LEN];
};

/*
 * The reassembler: caller-owned, about 75 KiB (static storage or the
 * heap). Start it with ds_ra_reasm_init(). Keyed by source, destination
 * and Identification (RFC 8200 section 4.5); only fragments of ICMPv6
 * (Next Header 58 in the Fragment header) are kept.
 */
struct ds_ra_reasm {
	struct ds_ra_reasm_slot slot[DS_RA_REASM_SLOTS];
	/* Counters. */
	uint64_t completed;
	uint64_t drop_overlap; /* RFC 5722: overlapping fragments drop the
	                        * whole datagram */
	uint64_t drop_many;    /* more than DS_RA_REASM_MAX_FRAGS */
	uint64_t drop_big;     /* beyond DS_RA_REASM_MAX_LEN */
	uint64_t drop_timeout; /* not complete within the timeout */
	uint64_t drop_evicted; /* pushed out by a newer datagram */
	uint64_t drop_bad;     /* inconsistent: a second last fragment,
	                        * a fragment past the last */
	/* The rebuilt packet of the last completed datagram. */
	uint8_t out[40 + DS_RA_REASM_MAX_LEN];
};

DS_EXPORT void ds_ra_reasm_init(struct ds_ra_reasm *r);

/* What ds_ra_reasm_add() hands back for a completed datagram. */
struct ds_ra_reasm_out {
	const uint8_t *pkt; /* an IPv6 packet: the fixed header (source,
	                     * destination and hop limit of the first
	                     * fragment) and the payload after the
	                     * Fragment header; in r->out, valid until the
	                     * next call on r */
	size_t len;
	unsigned how; /* DS_RA_IN_* to pass to ds_ra_parse() */
	bool has_mac;
	struct ds_mac src_mac; /* of the first fragment */
	uint8_t n_frag;
};

/*
 * Offer one decoded frame, arrived at now_us (any monotonic clock, or the
 * capture's time stamps). Expired datagrams are dropped first.
 *
 * Returns 1 when the frame completed a datagram: *ret describes the
 * rebuilt packet (decode it with ds_packet_decode(..., DS_LINK_IPV6, ...)
 * and pass it to ds_ra_parse() with ret->how, then copy ret->src_mac);
 * 0 when the fragment was kept (or dropped, see the counters);
 * -ENOENT when the frame is no fragment of an ICMPv6 message, or an
 * atomic fragment (which ds_ra_parse() takes as it is); -EINVAL for NULL
 * arguments.
 */
DS_EXPORT int ds_ra_reasm_add(struct ds_ra_reasm *r, const struct ds_pkt *p,
    const uint8_t *data, uint64_t now_us, struct ds_ra_reasm_out *ret);

/* --- Building ----------------------------------------------------------- */

/*
 * The counter-RA that makes a host drop a rogue router (RFC 4861 6.3.4,
 * RFC 4862 5.5.3): from the rogue's link-local address to all-nodes, hop
 * limit 255, Router Lifetime 0, and each of its Prefix Information
 * options again with valid and preferred lifetime 0, each Route
 * Information option with lifetime 0, its RDNSS servers with lifetime 0.
 * An Ethernet frame from src_mac (the sender's own MAC: spoofing the
 * rogue's would teach the switch to send its traffic here) to
 * 33:33:00:00:00:01, without a Source Link-Layer Address option, so that
 * no host's neighbor cache is changed.
 *
 * What it does not undo: RFC 4862 5.5.3 e lets a host lower an
 * address's remaining valid lifetime to no less than two hours from an
 * unauthenticated RA, so addresses formed from the rogue's prefix stay
 * (deprecated: preferred lifetime 0, not chosen for new connections) for
 * up to two hours.
 *
 * Writes at most size octets to buf; returns the frame's length,
 * -ENOSPC when size is too small (DS_RA_FRAME_MAX always suffices), or
 * -EINVAL for NULL arguments or a rogue whose source is not IPv6.
 */
#define DS_RA_FRAME_MAX 1514
DS_EXPORT int ds_ra_build_clear(const struct ds_ra *rogue,
    const struct ds_mac *src_mac, uint8_t *buf, size_t size);

/* --- Sending (I/O) -------------------------------------------------------- */

/*
 * Send one Router Solicitation (RFC 4861 4.1) to all-routers (ff02::2) on
 * interface ifindex, hop limit 255, from the address the kernel picks,
 * through a raw ICMPv6 socket opened and closed here. Returns 0, or
 * -errno (-EPERM without CAP_NET_RAW). Blocking, but a send on a raw
 * socket does not wait.
 */
DS_EXPORT int ds_ra_send_rs(unsigned ifindex);

/*
 * Send one Ethernet frame (as ds_ra_build_clear() makes) on interface
 * ifindex through an AF_PACKET socket opened and closed here; *ret_mac,
 * when not NULL, is set to the interface's MAC first (call with frame
 * NULL and len 0 to learn only that). Returns 0, or -errno (-EPERM
 * without CAP_NET_RAW, -ENODEV).
 */
DS_EXPORT int ds_ra_send_frame(
    unsigned ifindex, const uint8_t *frame, size_t len, struct ds_mac *ret_mac);

/* --- Tokens --------------------------------------------------------------- */

/*
 * Stable machine names (lower-case letters, digits, '-'), as packet.h
 * describes them. The words are dualstack's (src/cmd-ra-words.c). NULL for
 * a value without a token.
 */

/* One DS_RA_WHY_* bit: "hop-limit", "source-not-link-local", "code",
 * "checksum", "too-short", "option-length-0", "option-truncated",
 * "fragmented", "chain-split", "destination". */
DS_EXPORT const char *ds_ra_why_token(uint32_t bit);

/* One DS_RA_F_* bit: "extension-headers", "reassembled", "atomic-fragment",
 * "cut", "capped". */
DS_EXPORT const char *ds_ra_flag_token(uint32_t bit);

/* enum ds_ra_optbad: "ok", "bad-length", "bad-prefix-length",
 * "link-local-prefix", "preferred-above-valid", "multicast-prefix",
 * "bad-plc". */
DS_EXPORT const char *ds_ra_optbad_token(unsigned bad);

/* One DS_RA_CHG_* bit: "prefix-added", "prefix-removed", "lifetime",
 * "flags", "preference", "mtu", "rdnss", "pref64", "route", "hop-limit",
 * "prefix-flags", "dnssl". */
DS_EXPORT const char *ds_ra_change_token(uint32_t bit);

/* enum ds_ra_pfx_kind: "normal", "6to4", "teredo", "ula",
 * "documentation". */
DS_EXPORT const char *ds_ra_pfx_kind_token(unsigned kind);

/* DS_RA_CSUM_*: "ok", "bad", "unverified". */
DS_EXPORT const char *ds_ra_csum_token(unsigned csum);

#endif
