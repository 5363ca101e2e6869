/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_PACKET_H
#define DUALSTACK_PACKET_H

/*
 * ds_packet: decode one captured frame, link layer to transport header.
 *
 * Link layers: Ethernet (with any number of 802.1Q / 802.1ad tags), Linux
 * cooked capture v1 and v2, raw IP, BSD loopback (null and loop). Network
 * layer: IPv4 (options, fragments) and IPv6 with its whole extension-header
 * chain (RFC 8200 section 4). Upper layer: TCP, UDP, ICMPv6 (errors with the
 * invoking packet decoded one level deep, echo, Neighbor Discovery, MLDv1
 * and MLDv2) and the fixed part of ICMPv4. Tunnels: IPv4 and IPv6 in
 * IPv4 and IPv6 (6in4, 6to4, ISATAP, 4in6 / DS-Lite, RFC 2473), GRE with
 * an IPv4, IPv6 or Ethernet payload, and Teredo, each followed to the
 * packet inside, DS_PKT_MAX_TUN deep.
 *
 * The decoder is pure: no allocation, no I/O, no global state. It writes
 * into a caller-provided struct ds_pkt and reads the input only through
 * bounds checks, so any bytes are safe to pass (it is a fuzz target).
 * Distinct ds_pkt objects may be decoded from any number of threads.
 *
 * Validity. To stay fast, ds_packet_decode() does not clear the whole
 * struct: it sets the counters, kinds and flags first and fills only what
 * the packet has. A field is valid only when the field that governs it says
 * so (each struct below says which): link fields per link.type, ip.* when
 * ip.version != 0, ip.ext[i] for i < ip.n_ext, ip.u.* per ip.l4, icmp6.*
 * per ip.u.icmp.type, the pools (opt[], addr[], nd_opt[], mld_rec[]) only at
 * the indexes the headers point to. Everything else holds stale data.
 *
 * Offsets. Every decoded element records its offset from the start of
 * 'data' (the first byte of the link-layer header) and its length in
 * octets, so that a caller can draw a field tree or a hex dump. The library
 * guarantees off + len <= caplen for everything it reports as decoded,
 * except that a header's len is the length its own fields state: a header
 * cut short is reported through ip.err and not as decoded.
 *
 * Errors in the packet are not errors of the call: a truncated or malformed
 * header is reported in ip.err (kind, layer, offset) and decoding stops
 * there, keeping everything decoded before it. Anomalies -- packets that
 * decode but that a careful receiver would question -- are bits in ip.anom.
 * Lists have fixed caps (DS_PKT_MAX_*): what is past a cap is counted but
 * not stored, and the DS_PKT_CAPPED_* bit in p->capped says which list.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dualstack/addr.h"
#include "dualstack/export.h"

/* --- Link types ---------------------------------------------------------- */

/*
 * Link-layer types: the pcap DLT_* / LINKTYPE_* numbers (tcpdump.org
 * linktypes registry), so pcap_datalink()'s value can be passed as is.
 */
enum {
	DS_LINK_NULL = 0,         /* BSD loopback, 4-byte family, host order */
	DS_LINK_EN10MB = 1,       /* Ethernet II, IEEE 802.1Q / 802.1ad tags */
	DS_LINK_RAW = 12,         /* raw IP, version from the first nibble */
	DS_LINK_RAW_OPENBSD = 14, /* DLT_RAW as OpenBSD numbers it */
	DS_LINK_RAW_LT = 101,     /* LINKTYPE_RAW, the pcap file value */
	DS_LINK_LOOP = 108,      /* OpenBSD loopback, family in network order */
	DS_LINK_LINUX_SLL = 113, /* Linux cooked capture v1, 16 bytes */
	DS_LINK_IPV4 = 228,      /* raw IPv4 only */
	DS_LINK_IPV6 = 229,      /* raw IPv6 only */
	DS_LINK_LINUX_SLL2 = 276, /* Linux cooked capture v2, 20 bytes */
};

/* --- Caps ---------------------------------------------------------------- */

/*
 * Extension headers stored per IPv6 chain. RFC 8200 section 4.1 allows at
 * most 8 distinct header types in a conforming chain (HbH, DestOpts twice,
 * Routing, Fragment, AH, ESP, plus Mobility/HIP/Shim6 in practice), so 16
 * leaves room for odd but real packets. Deeper chains are walked to the end
 * all the same (the walk is bounded by the bytes) but only the first 16 are
 * stored; ip.ext_count has the full count and DS_PKT_ANOM_CHAIN_TOO_DEEP is
 * set when it exceeds DS_PKT_MAX_EXT.
 */
#define DS_PKT_MAX_EXT 16

/* 802.1Q / 802.1ad tags stored; more are skipped and counted. */
#define DS_PKT_MAX_VLAN 4

/*
 * Options stored per header (HbH, DestOpts, IPv4, TCP): at most this many
 * from one header, and at most DS_PKT_MAX_OPT in the packet's shared pool
 * (the invoking packet of an ICMPv6 error uses the same pool).
 */
#define DS_PKT_MAX_OPT_PER_HDR 8
#define DS_PKT_MAX_OPT 32

/*
 * Addresses stored in the shared address pool: routing-header addresses
 * (type 0, 2, 3 expanded, SRH segments), RDNSS servers and MLDv2 sources.
 */
#define DS_PKT_MAX_ADDR 16

/* Neighbor Discovery options and MLDv2 address records stored. */
#define DS_PKT_MAX_NDOPT 16
#define DS_PKT_MAX_MLDREC 8

/* --- Errors inside the packet -------------------------------------------- */

/* What stopped the decoding (ip.err.kind). */
enum ds_pkt_err_kind {
	DS_PKT_ERR_NONE = 0,
	/* The capture ends inside this header (snaplen): the bytes exist on
	 * the wire but were not captured. */
	DS_PKT_ERR_TRUNC_CAPTURE,
	/* The packet itself ends inside this header: the length the enclosing
	 * header states (IPv4 total length, IPv6 payload length, the frame's
	 * wire length, the ICMPv6 message holding an invoking packet) is too
	 * short for it. In a first fragment this is what RFC 7112 forbids. */
	DS_PKT_ERR_TRUNC_PACKET,
	/* A field has a value the protocol does not allow (see ip.err.why). */
	DS_PKT_ERR_MALFORMED,
};

/* Which header an error is in (ip.err.layer). */
enum ds_pkt_layer {
	DS_PKT_LAYER_NONE = 0,
	DS_PKT_LAYER_LINK, /* link-layer header, VLAN tags included */
	DS_PKT_LAYER_IPV4, /* IPv4 fixed header */
	DS_PKT_LAYER_IPV4_OPT,
	DS_PKT_LAYER_IPV6,    /* IPv6 fixed header */
	DS_PKT_LAYER_EXT,     /* extension header ip.err.index, type .proto */
	DS_PKT_LAYER_EXT_OPT, /* option in extension header ip.err.index */
	DS_PKT_LAYER_TCP,
	DS_PKT_LAYER_TCP_OPT,
	DS_PKT_LAYER_UDP,
	DS_PKT_LAYER_ICMP6,
	DS_PKT_LAYER_ND_OPT, /* Neighbor Discovery option */
	DS_PKT_LAYER_MLD,    /* MLD body or MLDv2 address record */
	DS_PKT_LAYER_ICMP4,
	DS_PKT_LAYER_IP,     /* an IP header whose version is not yet known (raw
	                      * link types, invoking packets) */
	DS_PKT_LAYER_GRE,    /* GRE header, or the Ethernet header it carries */
	DS_PKT_LAYER_TEREDO, /* Teredo authentication / origin indication */
};

/* Why, for DS_PKT_ERR_MALFORMED (and DS_PKT_WHY_SHORT for truncations). */
enum ds_pkt_why {
	DS_PKT_WHY_NONE = 0,
	DS_PKT_WHY_SHORT,       /* truncated: the bytes end inside it */
	DS_PKT_WHY_VERSION,     /* IP version is not 4/6, or not the one the
	                         * link layer announced */
	DS_PKT_WHY_IHL,         /* IPv4 IHL below 5 (RFC 791) */
	DS_PKT_WHY_TOTAL_LEN,   /* IPv4 total length below the header length */
	DS_PKT_WHY_OPT_LEN,     /* an option's length is impossible or runs
	                         * past its header */
	DS_PKT_WHY_HDR_LEN,     /* a header's length field is impossible for
	                         * its type (SRH, RPL, AH, TCP data offset) */
	DS_PKT_WHY_UDP_LEN,     /* UDP length below 8 (RFC 768) */
	DS_PKT_WHY_ND_OPT_ZERO, /* ND option with length 0 (RFC 4861 4.6) */
	DS_PKT_WHY_LINK,        /* a link-layer field is impossible */
	DS_PKT_WHY_GRE_FLAGS,   /* GRE reserved bits set or a version other
	                         * than 0 and 1 (RFC 2784 section 2.3) */
};

/*
 * The first truncation or malformation met; decoding stopped there.
 * Valid when kind != DS_PKT_ERR_NONE.
 */
struct ds_pkt_err {
	uint8_t kind;   /* enum ds_pkt_err_kind */
	uint8_t layer;  /* enum ds_pkt_layer */
	uint8_t why;    /* enum ds_pkt_why */
	uint8_t proto;  /* LAYER_EXT*: the header's protocol number */
	uint16_t index; /* LAYER_EXT*: index in ip.ext[] (may be >= n_ext
	                 * when the chain was deeper than the cap) */
	uint32_t off;   /* offset of the header (or option, record) */
	uint32_t end;   /* truncations: offset one past the last octet the
	                 * header needed; else the offset of the bad field */
};

/* --- Anomalies ----------------------------------------------------------- */

/* Bits in ip.anom. Tokens: ds_packet_anomaly_token(). */
enum {
	/* Hop-by-Hop Options not right after the IPv6 header (RFC 8200
	 * section 4.1: "MUST immediately follow"). */
	DS_PKT_ANOM_HBH_NOT_FIRST = 1u << 0,
	/* A header repeated where RFC 8200 section 4.1 allows one (each
	 * once, Destination Options twice). */
	DS_PKT_ANOM_EXT_REPEATED = 1u << 1,
	/* First fragment without the whole chain up to and including the
	 * upper-layer header (RFC 7112 section 5). */
	DS_PKT_ANOM_FRAG_CHAIN = 1u << 2,
	/* A fragmented Neighbor Discovery message (RFC 6980 section 5). */
	DS_PKT_ANOM_FRAG_ND = 1u << 3,
	/* IPv6 payload length / IPv4 total length disagrees with the frame:
	 * longer than the wire, or shorter with extra bytes that are not
	 * Ethernet minimum-size padding (ip.trailer counts them). */
	DS_PKT_ANOM_LEN_MISMATCH = 1u << 4,
	/* More than DS_PKT_MAX_EXT extension headers. */
	DS_PKT_ANOM_CHAIN_TOO_DEEP = 1u << 5,
	/* Fragment header with offset 0 and M clear (RFC 6946); RFC 8021
	 * deprecates sending them. */
	DS_PKT_ANOM_ATOMIC_FRAG = 1u << 6,
	/* A non-last fragment whose payload is not a multiple of 8 octets
	 * (RFC 8200 section 4.5). */
	DS_PKT_ANOM_FRAG_LEN = 1u << 7,
	/* Routing header type 0, deprecated by RFC 5095. */
	DS_PKT_ANOM_RH0 = 1u << 8,
	/* Segments Left larger than the addresses in the routing header
	 * (RFC 8200 section 4.4: the receiver sends a Parameter Problem). */
	DS_PKT_ANOM_RH_SEGLEFT = 1u << 9,
	/* PadN with non-zero data, or padding longer than the 7 octets
	 * alignment can need (RFC 8200 section 4.2). */
	DS_PKT_ANOM_PADDING = 1u << 10,
	/* Jumbo Payload misused (RFC 2675 section 3): payload length not 0,
	 * value <= 65535, or with a Fragment header; or payload length 0
	 * without a Jumbo option. */
	DS_PKT_ANOM_JUMBO = 1u << 11,
	/* ND message with a hop limit other than 255 (RFC 4861 sections
	 * 6.1, 7.1, 8.1): it was forwarded or forged off-link. */
	DS_PKT_ANOM_ND_HOPLIMIT = 1u << 12,
	/* Multicast source address (RFC 4291 section 2.7; RFC 1112). */
	DS_PKT_ANOM_SRC_MULTICAST = 1u << 13,
	/* IPv4 header checksum wrong (RFC 791). */
	DS_PKT_ANOM_IP4_CHECKSUM = 1u << 14,
	/* An option that must appear once appears again (Jumbo, Router
	 * Alert in one header; TCP MSS, window scale, SACK-permitted,
	 * timestamps). */
	DS_PKT_ANOM_OPT_REPEATED = 1u << 15,
	/* A Neighbor Discovery message with hop limit 255 that arrived
	 * inside a tunnel: the 255 proves only that it was not forwarded
	 * after decapsulation, and anyone who can reach the tunnel endpoint
	 * can send one (RFC 6169). Router Solicitations and
	 * Advertisements inside Teredo are the qualification procedure
	 * (RFC 4380 section 5.2.1) and are not flagged. */
	DS_PKT_ANOM_TUN_ND = 1u << 16,
	/* A 6to4 source address whose embedded IPv4 address is not the
	 * outer source (RFC 3964 section 5.1: spoofed or relayed). */
	DS_PKT_ANOM_6TO4_MISMATCH = 1u << 17,
	/* More than DS_PKT_MAX_TUN nested encapsulations: a tunnel loop or
	 * a crafted packet; the rest is not decoded. */
	DS_PKT_ANOM_TUN_DEPTH = 1u << 18,
	/* A packet inside more encapsulations than its Tunnel Encapsulation
	 * Limit option allows (RFC 2473 section 4.1.1). */
	DS_PKT_ANOM_ENCAP_LIMIT = 1u << 19,
};

/* Bits in p->capped: which lists reached their DS_PKT_MAX_* cap. */
enum {
	DS_PKT_CAPPED_EXT = 1u << 0,
	DS_PKT_CAPPED_VLAN = 1u << 1,
	DS_PKT_CAPPED_OPT = 1u << 2,
	DS_PKT_CAPPED_ADDR = 1u << 3,
	DS_PKT_CAPPED_NDOPT = 1u << 4,
	DS_PKT_CAPPED_MLDREC = 1u << 5,
};

/* --- Link layer ---------------------------------------------------------- */

/* One 802.1Q (TPID 0x8100) or 802.1ad (0x88a8, also 0x9100) tag. */
struct ds_pkt_vlan {
	uint32_t off; /* offset of the TPID */
	uint16_t tpid;
	uint16_t vid; /* 12 bits */
	uint8_t pcp;  /* priority code point, 3 bits */
	bool dei;     /* drop eligible indicator */
};

struct ds_pkt_link {
	int type;     /* DS_LINK_*, as passed */
	uint32_t len; /* octets of link-layer header, tags included; the
	               * network header starts at this offset */
	/*
	 * The protocol carried, as an EtherType: the one after the tags for
	 * Ethernet, the protocol field for SLL/SLL2, 0x0800 / 0x86dd for the
	 * raw and loopback types. 0 when unknown (an unknown loopback family,
	 * an 802.3 length field).
	 */
	uint16_t ethertype;
	/* DS_LINK_EN10MB. */
	struct ds_mac dst, src;
	uint8_t n_vlan;      /* tags stored in vlan[] */
	uint16_t vlan_count; /* tags in the frame (>= n_vlan) */
	struct ds_pkt_vlan vlan[DS_PKT_MAX_VLAN];
	/* DS_LINK_LINUX_SLL and _SLL2 (packet(7) sll_pkttype, sll_hatype). */
	uint16_t sll_pkttype; /* 0 host, 1 broadcast, 2 multicast, 3 other
	                       * host, 4 outgoing */
	uint16_t sll_hatype;  /* ARPHRD_* */
	uint8_t sll_halen;    /* link address length, as stated (may be > 8) */
	uint8_t sll_addr[8];  /* the first min(halen, 8) octets are valid */
	uint32_t sll_ifindex; /* SLL2 only */
	/* DS_LINK_NULL and DS_LINK_LOOP: the address family as read (NULL
	 * is in the capturing host's order; both orders are recognised). */
	uint32_t family;
};

/* --- Options ------------------------------------------------------------- */

/*
 * An option of an IPv6 Hop-by-Hop / Destination Options header (RFC 8200
 * section 4.2), of an IPv4 header (RFC 791) or of a TCP header (RFC 9293
 * section 3.1): type-length-value, or a single octet (Pad1, IPv4 EOL/NOP,
 * TCP EOL/NOP).
 */
struct ds_pkt_opt {
	uint32_t off; /* offset of the type octet */
	uint8_t type; /* IPv6: the two high bits are the action, the
	               * third the may-change bit (RFC 8200 4.2) */
	uint8_t len;  /* length of the option data (0 for single-octet
	               * options); the option spans len + 2 octets, or 1 */
	/*
	 * The decoded value of a few options, else 0:
	 *   IPv6 Router Alert (5, RFC 2711): the 16-bit value;
	 *   IPv6 Jumbo Payload (0xc2, RFC 2675): the 32-bit length;
	 *   IPv6 Tunnel Encapsulation Limit (4, RFC 2473): the limit;
	 *   TCP MSS (2): the MSS; TCP window scale (3): the shift;
	 *   TCP timestamps (8): TSval (TSecr in value2);
	 *   TCP SACK (5): the number of blocks.
	 */
	uint32_t value;
	uint32_t value2;
};

/* A run of options in p->opt[]: opt[first] .. opt[first + n - 1]. */
struct ds_pkt_optlist {
	uint16_t first; /* index in p->opt[] */
	uint8_t n;      /* stored */
	uint16_t count; /* in the header (>= n) */
};

/* --- IPv6 extension headers ---------------------------------------------- */

/* Routing header (RFC 8200 section 4.4). */
struct ds_pkt_ext_rt {
	uint8_t type;    /* routing type: 0, 2, 3 (RPL), 4 (SRH) ... */
	uint8_t segleft; /* Segments Left */
	/* Addresses in the header: type 0 and 2 (RFC 5095, RFC 6275 6.4),
	 * type 3 expanded with the destination (RFC 6554 section 3), type 4
	 * the Segment List (RFC 8754 section 2, [0] is the last segment).
	 * Stored in p->addr[addr_first ...], n_addr of them; addr_count is
	 * the number in the header. */
	uint16_t addr_first;
	uint8_t n_addr;
	uint16_t addr_count;
	/* Type 3 (RFC 6554): CmprI, CmprE, Pad. */
	uint8_t cmpr_i, cmpr_e, pad;
	/* Type 4 (RFC 8754): Last Entry, Flags, Tag; TLVs after the list. */
	uint8_t last_entry, flags;
	uint16_t tag;
	uint32_t tlv_off, tlv_len;
};

/* Fragment header (RFC 8200 section 4.5). */
struct ds_pkt_ext_frag {
	uint16_t offset;   /* in octets (the field times 8) */
	bool more;         /* M flag */
	bool atomic;       /* offset 0 and M clear (RFC 6946) */
	uint8_t res, res2; /* the reserved 8 bits and 2 bits, as sent */
	uint32_t id;
};

/* Authentication Header (RFC 4302 section 2). */
struct ds_pkt_ext_ah {
	uint8_t payload_len; /* the field: length in 4-octet units minus 2 */
	uint32_t spi, seq;
	uint32_t icv_off, icv_len;
};

/* Encapsulating Security Payload (RFC 4303 section 2): only SPI and
 * sequence number are clear text; the chain ends here. */
struct ds_pkt_ext_esp {
	uint32_t spi, seq;
};

/* Mobility header (135, RFC 6275 section 6.1.1). */
struct ds_pkt_ext_mob {
	uint8_t mh_type;
	uint16_t checksum;
};

/* HIP (139, RFC 7401 section 5.1). */
struct ds_pkt_ext_hip {
	uint8_t packet_type; /* 7 bits */
	uint8_t version;     /* 4 bits */
	uint16_t checksum, controls;
};

/* Shim6 (140, RFC 5533 section 5.1). */
struct ds_pkt_ext_shim6 {
	bool payload; /* P bit: 1 = payload extension header */
	uint8_t type; /* control messages: the 7-bit type */
	uint16_t checksum;
};

/* One extension header. Which union member is valid follows from type. */
struct ds_pkt_ext {
	uint8_t type;      /* protocol number of this header: 0, 43, 44, 50,
	                    * 51, 60, 135, 139, 140, 253, 254 */
	uint8_t next;      /* its Next Header field (not valid for ESP) */
	uint8_t len_field; /* the raw length field (AH: Payload Len) */
	uint32_t off;      /* offset of the header */
	uint32_t len;      /* length in octets as the length field says; for
	                    * ESP, the rest of the captured packet (SPI
	                    * and sequence number included) */
	union {
		struct ds_pkt_optlist opts;    /* 0 Hop-by-Hop, 60 Dest Opts */
		struct ds_pkt_ext_rt rt;       /* 43 */
		struct ds_pkt_ext_frag frag;   /* 44 */
		struct ds_pkt_ext_ah ah;       /* 51 */
		struct ds_pkt_ext_esp esp;     /* 50 */
		struct ds_pkt_ext_mob mob;     /* 135 */
		struct ds_pkt_ext_hip hip;     /* 139 */
		struct ds_pkt_ext_shim6 shim6; /* 140 */
	} u; /* 253, 254: none, the header is shown raw */
};

/* --- Upper layers -------------------------------------------------------- */

/* TCP flags (RFC 9293 section 3.1; AE is RFC 3168's former NS bit). */
enum {
	DS_TCP_FIN = 1u << 0,
	DS_TCP_SYN = 1u << 1,
	DS_TCP_RST = 1u << 2,
	DS_TCP_PSH = 1u << 3,
	DS_TCP_ACK = 1u << 4,
	DS_TCP_URG = 1u << 5,
	DS_TCP_ECE = 1u << 6,
	DS_TCP_CWR = 1u << 7,
	DS_TCP_AE = 1u << 8,
};

struct ds_pkt_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t doff;   /* header length in octets (data offset * 4) */
	uint16_t flags; /* DS_TCP_*; bits 9-11 (reserved) as sent */
	uint16_t window, checksum, urgent;
	struct ds_pkt_optlist opts;
	/* Summary of the options (0 / false when absent). */
	uint16_t mss;
	bool has_mss, has_wscale, sack_ok, has_ts;
	uint8_t wscale;
	uint32_t ts_val, ts_ecr;
};

struct ds_pkt_udp {
	uint16_t sport, dport;
	uint16_t len; /* the length field, header included */
	uint16_t checksum;
};

/* The fixed part of ICMPv6 (RFC 4443 section 2.1) and ICMPv4 (RFC 792). */
struct ds_pkt_icmp {
	uint8_t type, code;
	uint16_t checksum;
	/* The 4 octets after the checksum, host order: MTU of Packet Too Big,
	 * Pointer of Parameter Problem, identifier << 16 | sequence of echo,
	 * flags of NA and RA... */
	uint32_t word;
	uint16_t id, seq; /* echo request / reply */
};

/* How far the upper layer was decoded (ip.l4). */
enum ds_pkt_l4 {
	DS_PKT_L4_NONE = 0,  /* not reached (an error stopped decoding) */
	DS_PKT_L4_TCP,       /* ip.u.tcp */
	DS_PKT_L4_UDP,       /* ip.u.udp */
	DS_PKT_L4_ICMP6,     /* ip.u.icmp (and p->icmp6 for the packet) */
	DS_PKT_L4_ICMP4,     /* ip.u.icmp */
	DS_PKT_L4_FRAGMENT,  /* a non-first fragment: the payload continues
	                      * an upper-layer PDU and is not a header */
	DS_PKT_L4_ENCRYPTED, /* the chain ended at ESP; l4_off is the
	                      * ciphertext after SPI and sequence number */
	DS_PKT_L4_NO_NEXT,   /* No Next Header (59) */
	DS_PKT_L4_OTHER,     /* another protocol (ip.proto), not decoded */
};

/*
 * One IP packet, network header to transport header: the captured packet
 * (p->ip) or the invoking packet inside an ICMPv6 error (p->inner).
 */
struct ds_pkt_ip {
	/* 4 or 6; 0 when no IP header was decoded: then only err and anom
	 * are valid. */
	uint8_t version;
	uint8_t dscp;      /* 6 bits (RFC 2474) */
	uint8_t ecn;       /* 2 bits (RFC 3168) */
	uint8_t hop_limit; /* IPv4 TTL */
	uint8_t next;      /* IPv4 Protocol; IPv6 Next Header of the fixed
	                    * header */
	uint8_t proto;     /* where the chain ended: the upper-layer protocol
	                    * number, 59, or 50 (ESP); 255 (IANA Reserved)
	                    * while the end was not reached (an error in
	                    * the chain) */
	uint32_t off;      /* offset of the IP header */
	uint32_t hdr_len;  /* 20-60 for IPv4 (IHL * 4); 40 for IPv6 */
	/* The packet's length as stated: IPv4 total length, IPv6 40 +
	 * payload length, or 40 + the Jumbo Payload length when that is
	 * used (saturated at UINT32_MAX). */
	uint32_t total_len;
	/* Bytes in the frame after the packet as stated (Ethernet padding,
	 * a trailer), 0 when none or when the frame is shorter. */
	uint32_t trailer;
	struct ds_addr src, dst;

	/* IPv6 only. */
	uint32_t flow_label;  /* 20 bits */
	uint16_t payload_len; /* the field as sent */
	uint8_t n_ext;        /* stored in ext[] */
	uint16_t ext_count;   /* in the chain (>= n_ext) */
	struct ds_pkt_ext ext[DS_PKT_MAX_EXT];

	/* IPv4 only. */
	uint16_t id;
	uint16_t frag_off; /* in octets (the field times 8) */
	bool df, mf, evil; /* flags; evil is the reserved bit (RFC 3514) */
	uint16_t checksum;
	struct ds_pkt_optlist opts;

	/* Upper layer: l4 says which member of u is valid. l4_off is the
	 * offset of the upper-layer header (valid unless l4 is NONE),
	 * l4_len the captured octets from there to the packet's end. l4 is
	 * set as soon as the fixed part of the upper-layer header is
	 * decoded: an error further in (TCP options, an ND option, an MLD
	 * record) leaves it set, with err saying where decoding stopped. */
	uint8_t l4; /* enum ds_pkt_l4 */
	uint32_t l4_off, l4_len;
	union {
		struct ds_pkt_tcp tcp;
		struct ds_pkt_udp udp;
		struct ds_pkt_icmp icmp;
	} u;

	uint32_t anom; /* DS_PKT_ANOM_* */
	struct ds_pkt_err err;
};

/* --- ICMPv6 details (the captured packet only) --------------------------- */

/* Router preference (RFC 4191 section 2.1), as the 2-bit field. */
enum {
	DS_PKT_PRF_MEDIUM = 0,
	DS_PKT_PRF_HIGH = 1,
	DS_PKT_PRF_RESERVED = 2, /* receivers treat it as medium */
	DS_PKT_PRF_LOW = 3,
};

/* A Neighbor Discovery option (RFC 4861 section 4.6). */
struct ds_pkt_ndopt {
	uint32_t off; /* offset of the type octet */
	uint8_t type;
	uint8_t len; /* the length field, in units of 8 octets */
	union {
		/* 1 Source / 2 Target Link-layer Address: the first 6
		 * octets as a MAC when len is 1 (Ethernet, RFC 2464). */
		struct ds_mac lladdr;
		/* 3 Prefix Information (RFC 4861 section 4.6.2). */
		struct {
			uint8_t plen;
			uint8_t flags; /* the raw flags octet */
			bool onlink;   /* L */
			bool autoconf; /* A */
			bool router;   /* R, RFC 6275 section 7.2 */
			uint32_t valid, preferred;
			struct ds_addr prefix;
		} prefix;
		/* 5 MTU (4.6.4). */
		uint32_t mtu;
		/* 24 Route Information (RFC 4191 section 2.3). */
		struct {
			uint8_t plen;
			uint8_t prf; /* DS_PKT_PRF_* */
			uint32_t lifetime;
			struct ds_addr prefix; /* the octets present, rest 0 */
		} route;
		/* 25 RDNSS (RFC 8106 section 5.1): servers in p->addr[]. */
		struct {
			uint32_t lifetime;
			uint16_t addr_first;
			uint8_t n_addr;
			uint16_t addr_count;
		} rdnss;
		/* 31 DNSSL (RFC 8106 section 5.2): the names, in DNS wire
		 * format, at names_off (see ds_packet_dns_name()). */
		struct {
			uint32_t lifetime;
			uint32_t names_off, names_len;
		} dnssl;
		/* 14 Nonce (RFC 3971 section 5.3.2), 4 Redirected Header
		 * (its IP packet decoded into p->inner), others: the data
		 * is at data_off for data_len octets. */
		struct {
			uint32_t data_off, data_len;
		} raw;
	} u;
};

/* An MLDv2 Multicast Address Record (RFC 3810 section 5.2.4). */
struct ds_pkt_mldrec {
	uint32_t off;
	uint8_t type;    /* 1-6: MODE_IS_INCLUDE ... BLOCK_OLD_SOURCES */
	uint8_t aux_len; /* in 4-octet units */
	uint16_t nsrc;   /* Number of Sources, as stated */
	struct ds_addr group;
	uint16_t src_first; /* sources in p->addr[], n_src of them */
	uint8_t n_src;
};

/*
 * Body of ICMPv6 messages beyond the fixed part, for the captured packet
 * (not for an invoking packet). Which fields are valid follows from
 * ip.u.icmp.type; the struct is zeroed before an ICMPv6 message is
 * decoded, so fields past a truncation read as 0.
 */
struct ds_pkt_icmp6 {
	/* 134 Router Advertisement (RFC 4861 4.2, RFC 4191 2.2). */
	uint8_t cur_hop_limit;
	uint8_t ra_flags;            /* the raw flags octet */
	bool managed, other;         /* M, O */
	bool home_agent;             /* H, RFC 6275 section 7.1 */
	bool proxy;                  /* P, RFC 4389 section 4.1.3.3 */
	uint8_t prf;                 /* DS_PKT_PRF_* */
	uint16_t router_lifetime;    /* seconds */
	uint32_t reachable, retrans; /* milliseconds */
	/* 135 NS, 136 NA, 137 Redirect: target; 137: destination too. */
	bool router, solicited, override; /* NA: R, S, O */
	struct ds_addr target, dest;
	/* 133-137: options in nd_opt[]. */
	uint8_t n_ndopt;
	uint16_t ndopt_count;

	/* 130 query, 131 report, 132 done (RFC 2710 section 3); 130 is an
	 * MLDv2 query (RFC 3810 section 5.1) when the message is >= 28
	 * octets long. */
	bool mldv2;
	uint16_t max_resp; /* Maximum Response Delay / Code */
	struct ds_addr group;
	bool s_flag; /* MLDv2 query: Suppress router side */
	uint8_t qrv, qqic;
	uint16_t nsrc;      /* MLDv2 query: sources, as stated */
	uint16_t src_first; /* in p->addr[] */
	uint8_t n_src;
	/* 143 MLDv2 report (RFC 3810 section 5.2): records in mld_rec[]. */
	uint16_t nrec;    /* Number of Records, as stated */
	uint8_t n_mldrec; /* stored */
};

/* --- Tunnels ------------------------------------------------------------- */

/*
 * Encapsulations followed to the packet inside (p->n_tun of them): the
 * default Tunnel Encapsulation Limit of RFC 2473 section 6.6 (Linux:
 * IP6_DEFAULT_MAX_TNL_ENCAP_LIMIT). It covers real nesting (a GRE tunnel
 * inside a 6in4 tunnel inside DS-Lite is three) and stops a tunnel loop
 * or a crafted packet; each level stores a whole struct ds_pkt_ip, so the
 * limit is also what keeps struct ds_pkt small. A packet nested deeper is
 * left as the upper layer of the last one decoded, with
 * DS_PKT_ANOM_TUN_DEPTH.
 */
#define DS_PKT_MAX_TUN 4

/* What an encapsulation is (tun[i].kind). Tokens: ds_packet_tun_token(). */
enum ds_pkt_tun_kind {
	DS_PKT_TUN_NONE = 0,
	DS_PKT_TUN_IPIP,   /* IPv4 in IPv4, protocol 4 (RFC 2003) */
	DS_PKT_TUN_6IN4,   /* IPv6 in IPv4, protocol 41 (RFC 4213) */
	DS_PKT_TUN_6TO4,   /* 6in4 with an address in 2002::/16 (RFC 3056) */
	DS_PKT_TUN_ISATAP, /* 6in4 with an ISATAP interface identifier
	                    * (RFC 5214 section 6.1) */
	DS_PKT_TUN_4IN6,   /* IPv4 in IPv6, protocol 4 (RFC 2473; DS-Lite,
	                    * RFC 6333) */
	DS_PKT_TUN_6IN6,   /* IPv6 in IPv6, protocol 41 (RFC 2473) */
	DS_PKT_TUN_GRE,    /* GRE, protocol 47 (RFC 2784, RFC 2890) */
	DS_PKT_TUN_TEREDO, /* IPv6 in UDP, port 3544 (RFC 4380) */
};
#define DS_PKT_TUN_KINDS 9

/* Facts about one encapsulation (tun[i].flags). */
enum {
	/* The inner source (destination) address embeds an IPv4 address,
	 * and a port for Teredo: a 6to4 address (RFC 3056 section 2), an
	 * ISATAP interface identifier (RFC 5214 section 6.1) or a Teredo
	 * client's mapped address (RFC 4380 section 4). It is in v4_src
	 * (v4_dst), the port in port_src (port_dst). */
	DS_PKT_TUNF_SRC_EMBEDS = 1u << 0,
	DS_PKT_TUNF_DST_EMBEDS = 1u << 1,
	/* ... and it equals the outer source (destination) address, and for
	 * Teredo the outer UDP port too: the NAT mapping in use. */
	DS_PKT_TUNF_SRC_MATCH = 1u << 2,
	DS_PKT_TUNF_DST_MATCH = 1u << 3,
	/* GRE (RFC 2784 section 2.1, RFC 2890 section 2): the optional
	 * fields present. */
	DS_PKT_TUNF_GRE_CSUM = 1u << 4,
	DS_PKT_TUNF_GRE_KEY = 1u << 5,
	DS_PKT_TUNF_GRE_SEQ = 1u << 6,
	/* GRE carries Ethernet (0x6558): eth_* are valid. */
	DS_PKT_TUNF_ETH = 1u << 7,
	/* Teredo (RFC 4380 section 5.1.1): an authentication header, an
	 * origin indication; the inner packet is a bubble (an IPv6 header
	 * with No Next Header and no payload, section 2.8). */
	DS_PKT_TUNF_TEREDO_AUTH = 1u << 8,
	DS_PKT_TUNF_TEREDO_ORIGIN = 1u << 9,
	DS_PKT_TUNF_TEREDO_BUBBLE = 1u << 10,
};

/*
 * One encapsulation: the packet p->outer[i] carries it, and the packet it
 * carries is p->outer[i + 1], or p->ip for the last one.
 */
struct ds_pkt_tun {
	uint8_t kind;    /* enum ds_pkt_tun_kind */
	uint8_t version; /* of the inner packet: 4, 6, or 0 when the
	                  * payload is not IP (GRE with another protocol,
	                  * Ethernet carrying ARP...) */
	uint16_t flags;  /* DS_PKT_TUNF_* */
	uint32_t off;    /* offset of the tunnel's own header (GRE, the
	                  * Teredo indicators) or of the inner packet */
	uint32_t len;    /* octets from off to the inner packet: 0 for IP
	                  * in IP, the GRE header and inner Ethernet header,
	                  * the Teredo indicators */
	struct ds_addr v4_src, v4_dst;
	uint16_t port_src, port_dst;
	/* GRE. */
	uint16_t gre_flags;    /* the first 16 bits: C, K, S, version */
	uint16_t gre_proto;    /* Protocol Type, an EtherType */
	uint16_t gre_checksum; /* DS_PKT_TUNF_GRE_CSUM */
	uint32_t gre_key;      /* DS_PKT_TUNF_GRE_KEY */
	uint32_t gre_seq;      /* DS_PKT_TUNF_GRE_SEQ */
	/* DS_PKT_TUNF_ETH: the inner Ethernet header (tags are skipped). */
	struct ds_mac eth_dst, eth_src;
	uint16_t ethertype;
	/* Teredo authentication (DS_PKT_TUNF_TEREDO_AUTH): client
	 * identifier and authentication value lengths, where the value
	 * is, the nonce and the confirmation octet. */
	uint8_t auth_id_len, auth_len;
	uint32_t auth_off;
	uint8_t nonce[8];
	uint8_t confirm;
	/* Teredo origin indication (DS_PKT_TUNF_TEREDO_ORIGIN), the
	 * obfuscation undone. */
	struct ds_addr origin;
	uint16_t origin_port;
};

/* --- The decoded frame --------------------------------------------------- */

struct ds_pkt {
	uint32_t caplen, wirelen;
	struct ds_pkt_link link;
	/* The packet: ip.version != 0 when an IP header was decoded. Errors
	 * and anomalies of the whole frame, link layer included, are in
	 * ip.err and ip.anom. */
	struct ds_pkt_ip ip;
	/* Valid when ip.l4 == DS_PKT_L4_ICMP6. */
	struct ds_pkt_icmp6 icmp6;
	/*
	 * The invoking packet of an ICMPv6 error (types 1-4, RFC 4443 2.4
	 * (c)), of a Redirected Header option, or of an ICMPv4 error (types
	 * 3, 4, 5, 11, 12; RFC 792), decoded one level deep: an ICMP
	 * message inside it gets its fixed part only. Valid when
	 * has_inner, which is set when at least one octet is quoted. Its err
	 * says where the quoted bytes ended (usually DS_PKT_ERR_TRUNC_PACKET:
	 * errors quote only the start of a packet); its anom never has
	 * DS_PKT_ANOM_LEN_MISMATCH for that reason.
	 */
	bool has_inner;
	struct ds_pkt_ip inner;

	/*
	 * Encapsulations, outermost first: tun[i] is carried by outer[i]
	 * (IP-in-IP, GRE, Teredo; see "Tunnels"). When n_tun > 0, ip above
	 * is the innermost packet, the one the 5-tuple, the signature's end
	 * and the upper layer describe, and outer[0] is the packet that was
	 * on the link. Each outer[i] is complete, its upper layer being the
	 * tunnel (l4 OTHER, or UDP for Teredo); its anom holds its own
	 * anomalies, while ip.anom collects those of every layer and
	 * ip.err the error that stopped decoding. ip.version is 0 when the
	 * innermost packet could not be decoded (a tunnel header cut short,
	 * a GRE payload that is not IP).
	 */
	uint8_t n_tun;
	struct ds_pkt_tun tun[DS_PKT_MAX_TUN];
	struct ds_pkt_ip outer[DS_PKT_MAX_TUN];

	uint32_t capped; /* DS_PKT_CAPPED_* */
	/* Shared pools; headers point into them by index. */
	uint16_t n_opt, n_addr;
	struct ds_pkt_opt opt[DS_PKT_MAX_OPT];
	struct ds_addr addr[DS_PKT_MAX_ADDR];
	union {
		struct ds_pkt_ndopt nd_opt[DS_PKT_MAX_NDOPT];    /* 133-137 */
		struct ds_pkt_mldrec mld_rec[DS_PKT_MAX_MLDREC]; /* 143 */
	} u;
};

/* --- Decoding ------------------------------------------------------------ */

/*
 * Decode one frame.
 *
 * data:     the captured bytes, starting at the link-layer header; only
 *           data[0 .. caplen-1] is read. May be NULL when caplen is 0.
 * caplen:   octets captured (pcap caplen); at most UINT32_MAX.
 * wirelen:  octets the frame had on the wire (pcap len), >= caplen and
 *           at most UINT32_MAX; 0 means "the same as caplen".
 * linktype: DS_LINK_* (the pcap link type).
 * ret:      filled as described at the top of this file. Pointers into
 *           data are never kept: ret holds offsets only.
 *
 * Returns 0 when the frame was decoded, however malformed it is (see
 * ret->ip.err and ret->ip.anom); -EINVAL when ret is NULL, data is NULL
 * with caplen > 0, a length above UINT32_MAX, or 0 < wirelen < caplen;
 * -EPROTONOSUPPORT for a link type not listed above. On failure *ret is
 * untouched. Thread-safe on distinct ret.
 */
DS_EXPORT int ds_packet_decode(const uint8_t *data, size_t caplen,
    size_t wirelen, int linktype, struct ds_pkt *ret);

/*
 * The 5-tuple of a decoded packet (p->ip): for a tunnelled packet the
 * innermost one decoded (the outer packet's when the inner one could not
 * be). Ports are those of TCP and UDP, 0 for other protocols and for
 * non-first fragments; protocol is ip.proto, family DS_FAMILY_V4 or
 * DS_FAMILY_V6 from ip.version. Returns 0, -ENOENT when no IP
 * header was decoded, or -EINVAL when p or ret is NULL; on failure *ret is
 * untouched.
 */
DS_EXPORT int ds_packet_tuple(const struct ds_pkt *p, struct ds_tuple *ret);

/*
 * The 5-tuple of the outermost packet of a tunnelled frame (p->outer[0]):
 * the tunnel's endpoints, with the UDP ports for Teredo. Returns 0,
 * -ENOENT when the frame is not tunnelled (p->n_tun is 0), -EINVAL when p
 * or ret is NULL; on failure *ret is untouched.
 */
DS_EXPORT int ds_packet_outer_tuple(
    const struct ds_pkt *p, struct ds_tuple *ret);

/*
 * Read one domain name from DNS wire-format text without compression
 * (RFC 1035 section 3.1; the form DNSSL uses, RFC 8106 section 5.2):
 * names[*pos ..] up to names[len - 1]. Writes the name as dotted text
 * without the final dot ("example.com") into buf with snprintf semantics
 * and advances *pos past it. Returns the text length, 0 when the name at
 * *pos is empty (the zero padding that ends a DNSSL option: stop there),
 * or -EBADMSG when a label runs past len, a compression pointer or a
 * reserved label type appears, or the name exceeds 255 octets (then *pos
 * is unchanged). Label octets outside printable ASCII, and '.' and '\' in
 * a label, are written as \DDD (RFC 4343 section 2.1), so the text is
 * printable. A buffer of DS_PKT_NAME_STRLEN is always enough.
 */
#define DS_PKT_NAME_STRLEN 1024
DS_EXPORT int ds_packet_dns_name(
    const uint8_t *names, size_t len, size_t *pos, char *buf, size_t size);

/* Is this protocol number an IPv6 extension header (RFC 8200 section 4,
 * RFC 7045 section 4's list; 59 No Next Header is not)? */
DS_EXPORT bool ds_packet_is_ext(unsigned proto);

/* Is this ICMPv6 type an error message (RFC 4443 section 2.1: high bit
 * clear)? */
DS_EXPORT bool ds_packet_icmp6_is_error(uint8_t type);

/* --- Signatures and statistics ------------------------------------------- */

/*
 * The signature of a frame's header chain: the tokens of its headers
 * (packet.h, "Tokens") joined by blanks, facts left out -- what dissect's
 * line shows before the addresses. "ipv6 hbh frag udp", "ipv4 frag tcp",
 * "ipv4 6in4 ipv6 tcp" and "ipv4 udp teredo ipv6 none" through tunnels
 * (each outer packet as its version and the tunnel's kind),
 * "ipv6 dst ... udp" when more extension headers than DS_PKT_MAX_EXT were
 * stored, "ipv6 proto253"... for a number without a token, "arp" and
 * "ethertype-34887" for frames without IP, "link" when the link layer
 * named no protocol.
 *
 * Written into buf with snprintf semantics; returns the length of the
 * whole signature (DS_PKT_SIG_STRLEN always holds it: DS_PKT_MAX_TUN outer
 * packets of at most 16 octets ("ipv6 udp teredo "), then "ipv6", 16
 * headers of at most 9 octets with their blanks, " ..." and an upper layer
 * of at most 16), or -EINVAL when p is NULL or buf is NULL with size > 0.
 * Thread-safe on distinct buffers.
 */
#define DS_PKT_SIG_STRLEN 256
DS_EXPORT int ds_packet_signature(
    const struct ds_pkt *p, char *buf, size_t size);

/* Distinct chain signatures counted by struct ds_packet_stats. Chains are
 * few in real traffic; a hostile capture can make many, and past this cap
 * they are counted together in chain_other, so the struct has a fixed
 * size. */
#define DS_PKT_STATS_MAX_CHAINS 1024

/* Link types counted one by one (a capture has one, a few at most); frames
 * of further link types count only in packets and bytes. */
#define DS_PKT_STATS_MAX_LINKS 8

/* One chain signature and the frames that had it. */
struct ds_packet_stats_chain {
	uint64_t packets; /* 0: an empty slot */
	uint32_t hash;
	char sig[DS_PKT_SIG_STRLEN];
};

/*
 * What a run of frames held: counts by link type, chain signature, ICMP
 * type and code, anomaly and error. The caller owns it and adds frames
 * with ds_packet_stats_add(); it allocates nothing and is about 1.5 MiB
 * (static storage or the heap, not a thread's stack). Start from
 * ds_packet_stats_init(). Read the fields directly, the chains through
 * ds_packet_stats_chains().
 */
struct ds_packet_stats {
	uint64_t packets;    /* frames added, decoded or not */
	uint64_t bytes;      /* octets captured */
	uint64_t wire_bytes; /* octets the frames had on the wire */
	struct {
		int linktype; /* DS_LINK_*, or another pcap link type */
		uint64_t packets;
	} link[DS_PKT_STATS_MAX_LINKS];
	unsigned n_link;
	/* Decoded frames by chain signature: a hash table (open
	 * addressing, never more than half full). */
	unsigned n_chain;
	uint64_t chain_other; /* frames whose chain came past the cap */
	struct ds_packet_stats_chain chain[2 * DS_PKT_STATS_MAX_CHAINS];
	/* ICMPv6 and ICMPv4 messages by [type][code]. */
	uint64_t icmp6[256][256];
	uint64_t icmp4[256][256];
	uint64_t anomaly[32];  /* by bit number of DS_PKT_ANOM_* */
	uint64_t anomalous;    /* frames with any anomaly */
	uint64_t truncated;    /* DS_PKT_ERR_TRUNC_CAPTURE */
	uint64_t short_packet; /* DS_PKT_ERR_TRUNC_PACKET */
	uint64_t malformed;    /* DS_PKT_ERR_MALFORMED */
	uint64_t non_ip;       /* decoded, without an IP header */
	uint64_t undecoded;    /* a link type the decoder does not know */
	uint64_t capped;       /* frames with a list cut at its cap */
	/* Encapsulations by kind (DS_PKT_TUN_*) and the inner packet's
	 * family: [0] not IP, [1] IPv4, [2] IPv6; and frames with any. */
	uint64_t tunnel[DS_PKT_TUN_KINDS][3];
	uint64_t tunnelled;
};

/* Clear st: no frames. */
DS_EXPORT void ds_packet_stats_init(struct ds_packet_stats *st);

/*
 * Count one frame that ds_packet_decode() decoded into p (it returned 0):
 * its lengths and link type as p holds them, and what it contained.
 * Nothing happens when st or p is NULL.
 */
DS_EXPORT void ds_packet_stats_add(
    struct ds_packet_stats *st, const struct ds_pkt *p);

/*
 * Count one frame that was not decoded (ds_packet_decode() refused it: a
 * link type it does not know): its lengths and link type only.
 */
DS_EXPORT void ds_packet_stats_add_undecoded(struct ds_packet_stats *st,
    int linktype, uint64_t caplen, uint64_t wirelen);

/*
 * The chains counted in st, most frames first and then by signature:
 * pointers into st, at most n of them written to ret (n =
 * DS_PKT_STATS_MAX_CHAINS is always enough). Returns the number of chains
 * (which may exceed n; then only the first n are written).
 */
DS_EXPORT size_t ds_packet_stats_chains(const struct ds_packet_stats *st,
    const struct ds_packet_stats_chain **ret, size_t n);

/* --- Tokens --------------------------------------------------------------- */

/*
 * The stable machine name of each value this module decodes, for logs,
 * JSON and scripts: lower-case ASCII letters, digits and "-._+" -- no
 * blank, nothing that a line must quote or JSON escape -- and never
 * changed once released. Words for people (the "Router Advertisement" of
 * a field tree) are the application's, keyed by the same values: the
 * library holds no text for people (dualstack's are in src/cli-packet.c).
 *
 * Each function returns a static string, or NULL when the value has no
 * token: a value outside the enum, or an unassigned number (show the
 * number). All are thread-safe. tests/unit/test-packet-names.c checks the
 * tables: characters, one token per meaning, and a word for every token
 * the CLI shows to people.
 */

/* The module's own values: every one has a token. */

/* ip.err.kind: "none", "truncated" (by the capture), "short-packet"
 * (the packet's own lengths), "malformed". */
DS_EXPORT const char *ds_packet_err_kind_token(unsigned kind);

/* ip.err.layer: "none", "link", "ipv4", "ipv4-opt", "ipv6", "ext",
 * "ext-opt", "tcp", "tcp-opt", "udp", "icmp6", "nd-opt", "mld", "icmp",
 * "ip", "gre", "teredo". */
DS_EXPORT const char *ds_packet_layer_token(unsigned layer);

/* ip.err.why: "none", "too-short", "wrong-ip-version", ...,
 * "bad-option-length", "bad-header-length", "option-with-length-0". */
DS_EXPORT const char *ds_packet_why_token(unsigned why);

/* One anomaly bit (a single DS_PKT_ANOM_* value, not a set):
 * "hbh-not-first", "ext-repeated", "frag-chain-split", "frag-nd",
 * "len-mismatch", "chain-too-deep", "atomic-frag", "frag-len", "rh0",
 * "rh-segleft", "padding", "jumbo", "nd-hoplimit", "src-multicast",
 * "ip4-checksum", "opt-repeated", "nd-tunnelled", "6to4-mismatch",
 * "tunnel-depth", "encap-limit". */
DS_EXPORT const char *ds_packet_anomaly_token(uint32_t bit);

/* DS_PKT_TUN_*: "none", "ipip", "6in4", "6to4", "isatap", "4in6",
 * "6in6", "gre", "teredo". */
DS_EXPORT const char *ds_packet_tun_token(unsigned kind);

/* One DS_PKT_CAPPED_* bit: "ext", "vlan", "opt", "addr", "ndopt",
 * "mldrec". */
DS_EXPORT const char *ds_packet_capped_token(uint32_t bit);

/* ip.l4: "stopped" (NONE), "tcp", "udp", "icmp6", "icmp", "data" (a
 * non-first fragment), "encrypted", "none" (No Next Header), "other". */
DS_EXPORT const char *ds_packet_l4_token(unsigned l4);

/* Router preference, DS_PKT_PRF_*: "medium", "high", "reserved", "low". */
DS_EXPORT const char *ds_packet_prf_token(uint8_t prf);

/* DS_LINK_*: the pcap DLT name in lower case, "en10mb", "linux_sll2"...;
 * the three raw IP numbers are all "raw". */
DS_EXPORT const char *ds_packet_link_token(int linktype);

/*
 * Numbers from protocol registries: a token for each assigned number,
 * the registry's name in lower case with '-' for blanks and slashes and
 * without parentheses, or a shorter name where one is in common use
 * ("ra", "sll"). Numbers the registry gives one name share its token.
 */

/* A few EtherTypes: "ipv4", "ipv6", "arp", "802.1q", "802.1ad", "lldp"... */
DS_EXPORT const char *ds_packet_ethertype_token(uint16_t ethertype);

/* IANA Assigned Internet Protocol Numbers keyword in lower case: "tcp",
 * "udp", "ipv6-icmp", "hopopt", "ipv6-frag", "esp", "gre", "sctp"; 253 and
 * 254 are "experimental" (RFC 3692). The two keywords with blanks (124,
 * 135) have none. */
DS_EXPORT const char *ds_packet_proto_token(unsigned proto);

/* An IPv6 extension header in a chain: "hbh", "rt", "frag", "dst", "ah",
 * "esp", "mh", "hip", "shim6", "exp253", "exp254", and "none" (59); NULL
 * for protocols that are not one. */
DS_EXPORT const char *ds_packet_ext_token(unsigned proto);

/* Hop-by-Hop / Destination option type: "pad1", "padn", "jumbo-payload",
 * "router-alert", "tunnel-encapsulation-limit", "home-address"... */
DS_EXPORT const char *ds_packet_opt_token(uint8_t type);

/* Routing type: "source-route-deprecated" (0), "type-2" (2),
 * "rpl-source-route" (3), "segment-routing" (4), "crh-16"... */
DS_EXPORT const char *ds_packet_rt_token(uint8_t type);

/* ICMPv6 type: "unreach", "ptb", "time-exceeded", "param-problem",
 * "echo-request", "echo-reply", "mld-query", "mld-report", "mld-done",
 * "rs", "ra", "ns", "na", "redirect", "mld2-report", "router-renumbering",
 * ... */
DS_EXPORT const char *ds_packet_icmp6_type_token(uint8_t type);

/* ICMPv6 code of a type (every code of RFC 4443 and its updates):
 * "no-route-to-destination", "port-unreachable",
 * "hop-limit-exceeded-in-transit", "erroneous-header-field-encountered"... */
DS_EXPORT const char *ds_packet_icmp6_code_token(uint8_t type, uint8_t code);

/* ICMPv4 type: "echo-reply", "unreach", "redirect", "echo-request",
 * "time-exceeded", "param-problem", "timestamp"... */
DS_EXPORT const char *ds_packet_icmp4_type_token(uint8_t type);

/* Neighbor Discovery option type: "sll", "tll", "prefix", "redirected",
 * "mtu", "nonce", "route", "rdnss", "dnssl", "pref64"... */
DS_EXPORT const char *ds_packet_ndopt_token(uint8_t type);

/* MLDv2 record type (RFC 3810 section 5.2.12) as tcpdump abbreviates it:
 * "is_in", "is_ex", "to_in", "to_ex", "allow", "block". */
DS_EXPORT const char *ds_packet_mldrec_token(uint8_t type);

/* DSCP (6 bits): "cs0".."cs7", "af11".."af43", "ef", "va" (RFC 5865),
 * "le" (RFC 8622). */
DS_EXPORT const char *ds_packet_dscp_token(uint8_t dscp);

/* ECN codepoint (2 bits, RFC 3168 section 5): "not-ect", "ect1", "ect0",
 * "ce". */
DS_EXPORT const char *ds_packet_ecn_token(uint8_t ecn);

/* TCP option kind: "eol", "nop", "mss", "ws", "sack-permitted", "sack",
 * "ts", "md5", "uto", "tcp-ao", "mptcp", "tfo"... */
DS_EXPORT const char *ds_packet_tcpopt_token(uint8_t kind);

/* IPv4 option type: "eol", "nop", "rr", "ts", "lsrr", "ssrr", "ra",
 * "security"... */
DS_EXPORT const char *ds_packet_ip4opt_token(uint8_t type);

#endif
