/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_ADDR_H
#define DUALSTACK_ADDR_H

/*
 * ds_addr: IPv4 and IPv6 addresses and prefixes as values.
 *
 * Parse, format (RFC 5952), classify (IANA special-purpose registries,
 * RFC 6890), take apart (embedded IPv4, Teredo, NAT64, multicast, EUI-64),
 * name in reverse DNS, and compute on prefixes.
 *
 * Everything here is pure: no I/O, no allocation, no global state. Every
 * function is safe to call from any thread on distinct objects. Text goes in
 * as (pointer, length) -- no NUL terminator needed -- and comes out into the
 * caller's buffer with snprintf semantics: the return value is the length the
 * full text needs (without the NUL); the output is truncated, and always
 * NUL-terminated when size > 0, if the buffer is too small. The *_STRLEN
 * constants below are sizes (with the NUL) that are always enough.
 *
 * Parsers return 0 on success or a negative error (see dualstack/error.h);
 * on failure they write the 0-based offset of the offending character to
 * *errpos when errpos is not NULL, and leave *ret untouched.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dualstack/export.h"

/*
 * Zone IDs (RFC 4007 section 11) are interface names or indexes. Linux
 * interface names are at most IFNAMSIZ - 1 = 15 bytes; an index is at most
 * 10 decimal digits. Either fits in 16 bytes with the NUL.
 */
#define DS_ZONE_MAX 16

/*
 * Longest texts, NUL included:
 *   address: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" (45) + "%" +
 *            15-byte zone = 61, rounded up;
 *   prefix:  address + "/128";
 *   endpoint: "[" address "]:65535";
 *   arpa:    32 nibbles * 2 + "ip6.arpa" = 72.
 */
#define DS_ADDR_STRLEN 64
#define DS_PREFIX_STRLEN 68
#define DS_ENDPOINT_STRLEN 72
#define DS_ARPA_STRLEN 80
#define DS_MAC_STRLEN 18

/*
 * An IPv4 or IPv6 address, with an optional zone.
 *
 * family is AF_INET or AF_INET6 (0 for a zeroed, empty value). For AF_INET
 * only u.bytes[0..3] are used (u.in, network order); the rest is zero.
 * zone is the zone as written ("eth0", "3"), empty for none; scope_id is its
 * number when it was written as one, else 0 (mapping a name to an index is
 * I/O, done by ds_addr_zone_index() when a socket address is made). Values
 * built by this library have all unused bytes zeroed, so memcmp() is a valid
 * equality test, but prefer ds_addr_equal().
 */
struct ds_addr {
	int family;
	uint32_t scope_id;
	union {
		struct in_addr in;
		struct in6_addr in6;
		uint8_t bytes[16];
	} u;
	char zone[DS_ZONE_MAX];
};

/* An address and a prefix length (0-32 for IPv4, 0-128 for IPv6). */
struct ds_prefix {
	struct ds_addr addr;
	unsigned len;
};

/* An address and a port, in host byte order. */
struct ds_endpoint {
	struct ds_addr addr;
	uint16_t port;
};

/* A 48-bit MAC address. */
struct ds_mac {
	uint8_t b[6];
};

/* An unsigned 128-bit integer, for counts and indexes over IPv6 space. */
struct ds_u128 {
	uint64_t hi, lo;
};

/* --- Construction and comparison ----------------------------------------- */

/* Set *ret to the IPv4 address whose 32 bits, in host order, are v4. */
DS_EXPORT void ds_addr_from_v4(uint32_t v4, struct ds_addr *ret);

/* Set *ret to the IPv6 address with these 16 bytes, no zone. */
DS_EXPORT void ds_addr_from_v6(const uint8_t bytes[16], struct ds_addr *ret);

/* The IPv4 address of an AF_INET value as a host-order integer; 0 for any
 * other family. */
DS_EXPORT uint32_t ds_addr_v4(const struct ds_addr *a);

/* Number of address bits: 32 for AF_INET, 128 for AF_INET6, 0 otherwise. */
DS_EXPORT unsigned ds_addr_bits(const struct ds_addr *a);

/* Same family, same bits, same zone text. */
DS_EXPORT bool ds_addr_equal(const struct ds_addr *a, const struct ds_addr *b);

/*
 * Total order: IPv4 before IPv6, then by address bits, then by zone text.
 * Returns <0, 0 or >0 like memcmp. Usable with qsort through a wrapper.
 */
DS_EXPORT int ds_addr_compare(const struct ds_addr *a, const struct ds_addr *b);

/*
 * If a is IPv4-mapped IPv6 (::ffff:0:0/96, RFC 4291 section 2.5.5.2), set
 * *ret to the IPv4 address it carries and return true; otherwise copy a to
 * *ret and return false. This is the normalisation done where a peer is
 * named or checked against an ACL. a and ret may be the same object.
 */
DS_EXPORT bool ds_addr_unmap(const struct ds_addr *a, struct ds_addr *ret);

/* Set *ret to ::ffff:a.b.c.d for an IPv4 address a. -EAFNOSUPPORT else. */
DS_EXPORT int ds_addr_map(const struct ds_addr *a, struct ds_addr *ret);

/*
 * Convert from a sockaddr_in or sockaddr_in6 of 'len' bytes. The zone is
 * taken from sin6_scope_id as a number. No unmapping is done here: call
 * ds_addr_unmap() where a peer is named. Returns 0, -EAFNOSUPPORT or
 * -EINVAL (len too short).
 */
DS_EXPORT int ds_endpoint_from_sockaddr(
    const struct sockaddr *sa, socklen_t len, struct ds_endpoint *ret);

/*
 * The interface index a socket needs for a's zone (sin6_scope_id, RFC
 * 3493 section 4.1): scope_id when it is set (a zone written as a number
 * is), else the index of the interface the zone names (RFC 4007 section
 * 11), looked up now; 0 for an address without a zone. This is the one
 * place the library turns zone names into indexes. Returns 0 and sets
 * *ret_index, or -DS_E_ZONE_UNKNOWN when no interface has that name.
 * Thread-safe.
 */
DS_EXPORT int ds_addr_zone_index(const struct ds_addr *a, uint32_t *ret_index);

/*
 * The index of the interface called name, looked up now: a name is a
 * zone (RFC 4007 section 11), so it is parsed as one and turned into an
 * index by ds_addr_zone_index(); a decimal name is an index as it is.
 * Returns 0, -DS_E_ZONE_UNKNOWN (no such interface) or a zone syntax
 * error (DS_E_ZONE_*). Thread-safe.
 */
DS_EXPORT int ds_ifname_index(const char *name, uint32_t *ret_index);

/*
 * Fill a sockaddr_in or sockaddr_in6 in *ss from ep and set *ret_len. The
 * scope ID is ds_addr_zone_index()'s: a zone name is looked up here.
 * Returns 0, -EAFNOSUPPORT or -DS_E_ZONE_UNKNOWN.
 */
DS_EXPORT int ds_endpoint_to_sockaddr(const struct ds_endpoint *ep,
    struct sockaddr_storage *ss, socklen_t *ret_len);

/* --- Parsing ------------------------------------------------------------- */

/* Flags for the parsers. */
enum {
	DS_PARSE_V4_ONLY = 1u << 0, /* reject IPv6 (DS_E_FAMILY) */
	DS_PARSE_V6_ONLY = 1u << 1, /* reject IPv4 (DS_E_FAMILY) */
	DS_PARSE_NO_ZONE = 1u << 2, /* reject a zone (DS_E_ZONE_NOT_ALLOWED) */
	DS_PARSE_STRICT = 1u << 3,  /* prefixes: host bits must be zero */
	DS_PARSE_PORT_OPTIONAL = 1u << 4, /* endpoints: port 0 if absent */
	DS_PARSE_BRACKETS = 1u << 5,      /* addresses: accept "[v6]" */
};

/*
 * Parse an address: IPv4 dotted quad (exactly four decimal octets 0-255,
 * no leading zeros: "010" is octal to inet_aton and decimal to others) or
 * any RFC 4291 section 2.2 IPv6 form, hex digits in either case, with an
 * optional RFC 4007 zone ("fe80::1%eth0", "fe80::1%3"). With
 * DS_PARSE_BRACKETS, "[2001:db8::1]" is accepted too.
 */
DS_EXPORT int ds_addr_parse(const char *s, size_t len, unsigned flags,
    struct ds_addr *ret, size_t *errpos);

/*
 * Parse a prefix "ADDR/LEN" (a zone may stand before the slash, RFC 4007
 * section 11.7); "[2001:db8::]/32" is accepted too, with or without
 * DS_PARSE_BRACKETS. For IPv4, "/255.255.255.0" netmask notation is accepted
 * too. A bare address is a host prefix (/32 or /128). Host bits beyond LEN
 * are kept as written unless DS_PARSE_STRICT, which rejects them
 * (DS_E_PREFIX_HOST_BITS); ds_prefix_normalize() clears them.
 */
DS_EXPORT int ds_prefix_parse(const char *s, size_t len, unsigned flags,
    struct ds_prefix *ret, size_t *errpos);

/*
 * Parse an endpoint: "[2001:db8::1]:443", "[fe80::1%eth0]:80",
 * "192.0.2.1:80" or ":80" (the any address: "::", or "0.0.0.0" with
 * DS_PARSE_V4_ONLY).
 * IPv6 needs brackets when a port follows (RFC 3986 section 3.2.2). With
 * DS_PARSE_PORT_OPTIONAL a bare address (bracketed or not) is accepted and
 * the port is 0.
 */
DS_EXPORT int ds_endpoint_parse(const char *s, size_t len, unsigned flags,
    struct ds_endpoint *ret, size_t *errpos);

/*
 * Split "HOST:PORT" without interpreting HOST, which may be a name, an IPv4
 * address or a bracketed IPv6 address (the brackets are removed). *ret_host
 * points into s. Used where names are allowed; the caller resolves them.
 * Returns 0, or a parse error with *errpos.
 */
DS_EXPORT int ds_hostport_split(const char *s, size_t len,
    const char **ret_host, size_t *ret_hostlen, uint16_t *ret_port,
    size_t *errpos);

/* --- Formatting ---------------------------------------------------------- */

/* Flags for the formatters. */
enum {
	DS_FMT_EXPAND = 1u << 0,  /* IPv6: all 8 groups of 4 digits, no "::" */
	DS_FMT_NO_ZONE = 1u << 1, /* leave out "%zone" */
	DS_FMT_URL = 1u << 2, /* IPv6 in brackets, zone as "%25" (RFC 6874) */
};

/*
 * Format an address. Default is RFC 5952 canonical text: lower case, leading
 * zeros removed, the longest run of two or more zero groups as "::" (the
 * first of equal runs, section 4.2.3; a lone zero group stays "0", section
 * 4.2.2), IPv4-mapped addresses as "::ffff:192.0.2.1" (section 5). The zone
 * follows as "%zone". Returns the text's length; -EAFNOSUPPORT if a has no
 * family.
 */
DS_EXPORT int ds_addr_format(
    const struct ds_addr *a, unsigned flags, char *buf, size_t size);

/* "ADDR/LEN", ADDR as ds_addr_format() with the same flags. */
DS_EXPORT int ds_prefix_format(
    const struct ds_prefix *p, unsigned flags, char *buf, size_t size);

/* "192.0.2.1:80" or "[2001:db8::1]:80" (RFC 5952 section 6). */
DS_EXPORT int ds_endpoint_format(
    const struct ds_endpoint *ep, unsigned flags, char *buf, size_t size);

/*
 * The text of ep for a log line or a message: ds_endpoint_format(ep, 0)
 * into buf, or none (a static text such as "-" or "?") when ep is NULL,
 * has no address (family 0) or does not fit in size bytes. Returns buf
 * or none, never NULL.
 */
DS_EXPORT const char *ds_endpoint_text(
    const struct ds_endpoint *ep, const char *none, char *buf, size_t size);

/*
 * The same in a buffer of its own that lives to the end of the enclosing
 * block, for use inside one expression:
 *   printf("peer %s\n", DS_ENDPOINT_STR(&ep, "-"));
 */
#define DS_ENDPOINT_STR(ep, none)                                              \
	ds_endpoint_text(                                                      \
	    (ep), (none), (char[DS_ENDPOINT_STRLEN]){0}, DS_ENDPOINT_STRLEN)

/* --- Tuples --------------------------------------------------------------- */

/* Which family a connection or packet used. */
enum ds_family_used {
	DS_FAMILY_V4 = 1,    /* IPv4: AF_INET socket, IPv4 header */
	DS_FAMILY_V4_MAPPED, /* IPv4 on an AF_INET6 socket, ::ffff:a.b.c.d */
	DS_FAMILY_V6,        /* IPv6 */
};

/* "v4", "v4-mapped", "v6"; "unknown" for any other value. */
DS_EXPORT const char *ds_family_used_name(enum ds_family_used f);

/*
 * The 5-tuple of a packet or a connection: upper-layer protocol number and
 * the two ends. For a packet, src sent it and dst receives it. For a
 * connection named by a listener or ds_tuple_from_fd(), src is the peer
 * and dst the local end, the way the peer's packets travel to a server.
 * Ports are 0 when the protocol has none. A listener normalises both ends
 * (IPv4-mapped to IPv4, a link-local zone as the interface's name) and
 * sets family to how the peer came in; a decoded packet has no mapped
 * form, so its family is DS_FAMILY_V4 or DS_FAMILY_V6.
 */
struct ds_tuple {
	struct ds_endpoint src;
	struct ds_endpoint dst;
	enum ds_family_used family;
	uint8_t protocol; /* IPPROTO_TCP, ... (RFC 8200's 8-bit Next Header) */
};

/*
 * "tcp [2001:db8::2]:51234 -> [2001:db8::1]:9000 v6": protocol, src, dst,
 * family. Returns the length (snprintf semantics), or -EAFNOSUPPORT (buf
 * set to "") when an end has no address. Needs at most DS_TUPLE_STRLEN
 * bytes.
 */
#define DS_TUPLE_STRLEN (2 * DS_ENDPOINT_STRLEN + 24)
DS_EXPORT int ds_tuple_format(const struct ds_tuple *t, char *buf, size_t size);

/* --- Classification ------------------------------------------------------ */

/*
 * What kind of block an address falls in. One address can be in several
 * (2001:db8::1 is in 2000::/3 global unicast and 2001:db8::/32
 * documentation); ds_addr_classify() reports all of them, most specific
 * first.
 */
enum ds_addr_kind {
	DS_KIND_UNSPECIFIED = 1,
	DS_KIND_LOOPBACK,
	DS_KIND_THIS_NETWORK, /* 0.0.0.0/8 */
	DS_KIND_PRIVATE,      /* RFC 1918 */
	DS_KIND_SHARED,       /* 100.64.0.0/10, RFC 6598 */
	DS_KIND_LINK_LOCAL,
	DS_KIND_SITE_LOCAL, /* fec0::/10, deprecated by RFC 3879 */
	DS_KIND_ULA,        /* fc00::/7, RFC 4193 */
	DS_KIND_DOCUMENTATION,
	DS_KIND_BENCHMARKING,
	DS_KIND_MAPPED,     /* ::ffff:0:0/96 */
	DS_KIND_COMPATIBLE, /* ::/96, deprecated by RFC 4291 */
	DS_KIND_TRANSLATED, /* ::ffff:0:0:0/96, RFC 2765 */
	DS_KIND_NAT64,      /* 64:ff9b::/96 and 64:ff9b:1::/48 */
	DS_KIND_6TO4,       /* 2002::/16 and 192.88.99.0/24 */
	DS_KIND_TEREDO,     /* 2001::/32 */
	DS_KIND_ORCHID,     /* 2001:20::/28 ORCHIDv2 (and v1) */
	DS_KIND_DISCARD,    /* 100::/64, RFC 6666 */
	DS_KIND_MULTICAST,
	DS_KIND_BROADCAST,      /* 255.255.255.255 */
	DS_KIND_RESERVED,       /* 240.0.0.0/4 and other reserved space */
	DS_KIND_PROTOCOL,       /* IETF protocol assignments, anycast etc. */
	DS_KIND_GLOBAL_UNICAST, /* 2000::/3, and IPv4 outside special blocks */
	DS_KIND_OTHER,
};

/* Attributes of a block, RFC 6890 section 2.2.2 (as updated by RFC 8190). */
enum {
	DS_ATTR_SOURCE = 1u << 0,      /* valid as a source address */
	DS_ATTR_DESTINATION = 1u << 1, /* valid as a destination address */
	DS_ATTR_FORWARDABLE = 1u << 2, /* routers may forward it */
	DS_ATTR_GLOBAL = 1u << 3,      /* globally reachable */
	DS_ATTR_RESERVED = 1u << 4,    /* reserved by protocol */
	DS_ATTR_REGISTRY = 1u << 5,    /* listed in the IANA special-purpose
	                                * registry; without it the other bits
	                                * are this library's reading */
	DS_ATTR_DEPRECATED = 1u << 6,  /* the block's use is deprecated */
};

/* One block of address space: the registries' row. Static data. */
struct ds_addr_block {
	struct ds_prefix prefix;
	enum ds_addr_kind kind;
	unsigned attrs;   /* DS_ATTR_* */
	const char *name; /* "Documentation (IPv6)" */
	const char *rfc;  /* "RFC 3849"; several as "RFC 6052, RFC 8215" */
};

/*
 * Find the blocks that contain a, most specific first, and store up to n
 * pointers to static entries in ret. Returns how many blocks contain a
 * (which may be more than n; ret may be NULL when n is 0). Every address
 * is in at least one block: the last is a catch-all, ::/0 "unassigned IPv6
 * space" or 0.0.0.0/0 "IPv4 unicast". The zone is ignored. Returns
 * -EAFNOSUPPORT when a has no family.
 */
DS_EXPORT int ds_addr_classify(
    const struct ds_addr *a, const struct ds_addr_block **ret, size_t n);

/* The most specific block containing a; NULL only when a has no family. */
DS_EXPORT const struct ds_addr_block *ds_addr_block(const struct ds_addr *a);

/* Short lower-case name of a kind: "link-local", "ula", "teredo"... */
DS_EXPORT const char *ds_addr_kind_name(enum ds_addr_kind kind);

/*
 * Scope of an address as the 4-bit values of RFC 4291 section 2.7 / RFC 7346
 * (1 interface-local, 2 link-local, 3 realm-local, 4 admin-local, 5
 * site-local, 8 organization-local, 14 global). IPv4 follows RFC 6724
 * section 3.2: loopback and 169.254/16 are link-local (2), all else global.
 * IPv6 unicast follows RFC 6724 section 3.1: ::1 and fe80::/10 are
 * link-local (2), fec0::/10 site-local (5), all else (ULA included) global;
 * IPv6 multicast has its scope field; IPv4-mapped addresses take the scope
 * of the IPv4 address they carry (RFC 6724 section 3.2). IPv4 multicast is
 * reported as global. 0 when a has no family.
 */
DS_EXPORT unsigned ds_addr_scope(const struct ds_addr *a);

/* RFC 7346 name of a 4-bit scope value: "link-local", "global", ... */
DS_EXPORT const char *ds_scope_name(unsigned scope);

/*
 * True when the most specific block is globally reachable (DS_ATTR_GLOBAL).
 * Multicast blocks are never marked so: whether a group leaves the domain
 * depends on its scope (ds_addr_scope()), not on a registry row.
 */
DS_EXPORT bool ds_addr_is_global(const struct ds_addr *a);

/* --- Taking addresses apart ---------------------------------------------- */

/* A ULA, RFC 4193 section 3.1. */
struct ds_ula {
	bool local;         /* the L bit: 1 = locally assigned */
	uint64_t global_id; /* 40 bits */
	uint16_t subnet_id;
	uint64_t iid; /* interface ID, 64 bits */
};

/* Decode a ULA (fc00::/7). Returns 0 or -EINVAL if a is not in fc00::/7. */
DS_EXPORT int ds_ula_decode(const struct ds_addr *a, struct ds_ula *ret);

/* Where an embedded IPv4 address came from. */
enum ds_embed {
	DS_EMBED_MAPPED = 1, /* ::ffff:a.b.c.d */
	DS_EMBED_COMPATIBLE, /* ::a.b.c.d, deprecated; not ::/104, which
	                      * would carry 0.0.0.0/8 and holds :: and ::1 */
	DS_EMBED_TRANSLATED, /* ::ffff:0:a.b.c.d, RFC 2765 */
	DS_EMBED_6TO4,       /* 2002:AABB:CCDD::/48, RFC 3056 */
	DS_EMBED_NAT64_WKP,  /* 64:ff9b::/96 and 64:ff9b:1::/48 (as /96) */
	DS_EMBED_TEREDO,     /* the Teredo server (use ds_teredo_decode) */
};

/*
 * If a carries an IPv4 address at a position known from its prefix alone,
 * store it in *ret_v4 and return the DS_EMBED_* kind (> 0). Returns
 * -DS_E_NOT_EMBEDDED otherwise. Network-specific NAT64 prefixes cannot be
 * recognised from the address alone: use ds_nat64_extract().
 */
DS_EXPORT int ds_addr_embedded_v4(
    const struct ds_addr *a, struct ds_addr *ret_v4);

/* A Teredo address, RFC 4380 section 4. */
struct ds_teredo {
	struct ds_addr server; /* bits 32-63 */
	struct ds_addr client; /* the client's public IPv4, de-obfuscated */
	uint16_t port;         /* the client's public UDP port, de-obfuscated */
	uint16_t flags;        /* bits 64-79 as they are */
	bool cone;             /* the C flag (0x8000), RFC 4380 */
};

/* Decode a Teredo address (2001::/32). -DS_E_NOT_TEREDO otherwise. */
DS_EXPORT int ds_teredo_decode(const struct ds_addr *a, struct ds_teredo *ret);

/*
 * RFC 6052 section 2.2: embed IPv4 address v4 in an IPv6 prefix of length
 * 32, 40, 48, 56, 64 or 96 (bits 64-71, the "u" octet, are skipped and
 * zero). The prefix's bits beyond its length are ignored. Returns 0,
 * -EAFNOSUPPORT for wrong families, -DS_E_NAT64_PREFIX for another length,
 * -EINVAL for a /96 prefix whose u octet is not zero.
 */
DS_EXPORT int ds_nat64_synthesize(
    const struct ds_prefix *pfx, const struct ds_addr *v4, struct ds_addr *ret);

/*
 * The reverse of ds_nat64_synthesize(): the IPv4 address inside v6. Errors
 * as there, and -EINVAL when v6 is not inside pfx or its u octet is not
 * zero. The suffix bits are ignored (RFC 6052 section 2.2).
 */
DS_EXPORT int ds_nat64_extract(const struct ds_prefix *pfx,
    const struct ds_addr *v6, struct ds_addr *ret_v4);

/* A decoded IPv6 multicast address, RFC 4291 section 2.7. */
enum ds_mcast_form {
	DS_MCAST_PLAIN = 1,
	DS_MCAST_PREFIX,      /* RFC 3306 unicast-prefix-based (P=1, T=1) */
	DS_MCAST_EMBEDDED_RP, /* RFC 3956 (R=1, P=1, T=1) */
	DS_MCAST_SSM,         /* RFC 4607: ff3x::/96 (prefix length 0) */
};

struct ds_mcast {
	unsigned flags; /* the 4 flag bits: 0RPT, 8 = reserved bit */
	bool r, p, t;   /* the R, P and T flags */
	unsigned scope; /* 4 bits */
	enum ds_mcast_form form;
	struct ds_prefix
	    prefix;        /* PREFIX and EMBEDDED_RP: the unicast prefix */
	struct ds_addr rp; /* EMBEDDED_RP: the rendezvous point address */
	uint32_t group_id; /* PREFIX, EMBEDDED_RP, SSM: the 32-bit group ID */
	uint8_t group[14]; /* PLAIN: the 112-bit group ID, bytes 2-15 */
};

/*
 * Decode an IPv6 multicast address. -DS_E_NOT_MULTICAST otherwise. An
 * address whose flags promise a structure it lacks (P without T, a prefix
 * length over 64, RFC 4489's 255) is PLAIN. In PREFIX and EMBEDDED_RP the
 * prefix is cleared past its length; group[] is filled for PLAIN only,
 * group_id for the other forms.
 */
DS_EXPORT int ds_mcast_decode(const struct ds_addr *a, struct ds_mcast *ret);

/*
 * The solicited-node multicast address of an IPv6 unicast address,
 * ff02::1:ffXX:XXXX with the low 24 bits of u (RFC 4291 section 2.7.1).
 * -EAFNOSUPPORT for IPv4, -EINVAL for a multicast u.
 */
DS_EXPORT int ds_addr_solicited_node(
    const struct ds_addr *u, struct ds_addr *ret);

/* --- MAC addresses and EUI-64 (RFC 4291 appendix A) ---------------------- */

/*
 * Parse a MAC: "6c:62:6d:a9:7e:d0", "6C-62-6D-A9-7E-D0", "6c62.6da9.7ed0"
 * (Cisco) or "6c626da97ed0". Octets in colon and dash forms may have one
 * digit ("0:1:2:3:4:5"). Returns 0 or -DS_E_MAC_SYNTAX with *errpos.
 */
DS_EXPORT int ds_mac_parse(
    const char *s, size_t len, struct ds_mac *ret, size_t *errpos);

/* "6c:62:6d:a9:7e:d0". Returns the length, 17. */
DS_EXPORT int ds_mac_format(const struct ds_mac *m, char *buf, size_t size);

/*
 * The address made of prefix pfx (its first 64 bits; NULL means fe80::/64)
 * and the modified EUI-64 interface ID of m: ff:fe inserted in the middle,
 * the universal/local bit inverted. MAC 6c:62:6d:a9:7e:d0 gives
 * fe80::6e62:6dff:fea9:7ed0. The prefix's first 64 bits are used as
 * written and its zone is kept (a link-local result needs it). Returns 0,
 * or -EINVAL when pfx is not IPv6 or longer than /64.
 */
DS_EXPORT int ds_addr_from_mac(
    const struct ds_prefix *pfx, const struct ds_mac *m, struct ds_addr *ret);

/*
 * The MAC inside a modified EUI-64 interface ID (bytes 11-12 are ff:fe).
 * Returns 0, -DS_E_MAC_NOT_EUI64, or -EAFNOSUPPORT for IPv4.
 */
DS_EXPORT int ds_addr_to_mac(const struct ds_addr *a, struct ds_mac *ret);

/* --- Reverse DNS --------------------------------------------------------- */

/*
 * The PTR name of an address: "1.0.0.0....8.b.d.0.1.0.0.2.ip6.arpa" (RFC
 * 3596 section 2.5) or "1.2.0.192.in-addr.arpa" (RFC 1035 section 3.5),
 * without a trailing dot. -EAFNOSUPPORT when a has no family.
 */
DS_EXPORT int ds_addr_to_arpa(const struct ds_addr *a, char *buf, size_t size);

/*
 * The reverse zone of a prefix: its nibbles (IPv6) or octets (IPv4) that
 * the prefix covers whole, i.e. the length rounded down to a multiple of 4
 * or 8. "2001:db8::/32" gives "8.b.d.0.1.0.0.2.ip6.arpa". -EAFNOSUPPORT
 * when p has no family, -EINVAL when its length is past the family's bits.
 */
DS_EXPORT int ds_prefix_to_arpa(
    const struct ds_prefix *p, char *buf, size_t size);

/*
 * Parse a PTR name, whole or partial, with or without the trailing dot, in
 * any case: 32 nibble labels give a /128 host, fewer give a prefix of 4
 * bits per label; "in-addr.arpa" names give /8 per label. RFC 2317
 * classless names are read in their "<start>/<len>" form:
 * "0/25.2.0.192.in-addr.arpa" is 192.0.2.0/25, and one host label before
 * it names an address in that block. Returns 0 or a DS_E_ARPA_* error with
 * *errpos.
 */
DS_EXPORT int ds_arpa_parse(
    const char *s, size_t len, struct ds_prefix *ret, size_t *errpos);

/* --- Prefix math --------------------------------------------------------- */

/* Clear the host bits of p in place. */
DS_EXPORT void ds_prefix_normalize(struct ds_prefix *p);

/* The netmask of p: "255.255.255.0", "ffff:ffff::". */
DS_EXPORT void ds_prefix_mask(const struct ds_prefix *p, struct ds_addr *ret);

/* The IPv4 wildcard (inverted) mask, "0.0.0.255"; also defined for IPv6. */
DS_EXPORT void ds_prefix_wildcard(
    const struct ds_prefix *p, struct ds_addr *ret);

/*
 * First and last address of p (for IPv4, last is the broadcast address).
 * Results of the prefix functions carry no zone. A length past the
 * family's bits is read as the full length.
 */
DS_EXPORT void ds_prefix_first(const struct ds_prefix *p, struct ds_addr *ret);
DS_EXPORT void ds_prefix_last(const struct ds_prefix *p, struct ds_addr *ret);

/*
 * Does p contain a (same family, first p->len bits equal)? Zones are not
 * compared. An IPv4-mapped a is not unmapped here: call ds_addr_unmap().
 */
DS_EXPORT bool ds_prefix_contains(
    const struct ds_prefix *p, const struct ds_addr *a);

/* Does outer contain the whole of inner? */
DS_EXPORT bool ds_prefix_contains_prefix(
    const struct ds_prefix *outer, const struct ds_prefix *inner);

/*
 * Number of addresses in p: 2^(bits - len). For an IPv6 /0 that is 2^128,
 * one more than a u128 holds: then *ret is 0 and *ret_overflow is true
 * (ret_overflow may be NULL).
 * Prefer ds_prefix_count_format() for display.
 */
DS_EXPORT void ds_prefix_count(
    const struct ds_prefix *p, struct ds_u128 *ret, bool *ret_overflow);

/* The count in decimal: "256", "18446744073709551616". Full 2^128 too. */
DS_EXPORT int ds_prefix_count_format(
    const struct ds_prefix *p, char *buf, size_t size);

/* A u128 in decimal. */
DS_EXPORT int ds_u128_format(struct ds_u128 v, char *buf, size_t size);

/* Parse a decimal u128. Returns 0, -EINVAL (syntax) or -ERANGE. */
DS_EXPORT int ds_u128_parse(const char *s, size_t len, struct ds_u128 *ret);

/*
 * The n-th (from 0) subnet of length newlen inside p. Returns 0, -EINVAL
 * when newlen < p->len or either length is past the family's bits, -ERANGE
 * when n is past the last subnet, -EAFNOSUPPORT when p has no family.
 */
DS_EXPORT int ds_prefix_subnet(const struct ds_prefix *p, unsigned newlen,
    struct ds_u128 n, struct ds_prefix *ret);

/*
 * The n-th (from 0) address inside p. -ERANGE when n is past the last;
 * -EINVAL and -EAFNOSUPPORT as for ds_prefix_subnet().
 */
DS_EXPORT int ds_prefix_nth(
    const struct ds_prefix *p, struct ds_u128 n, struct ds_addr *ret);

/*
 * Sort and collapse a list of prefixes in place, like Python's
 * ipaddress.collapse_addresses but for both families at once: host bits are
 * cleared, duplicates and prefixes contained in others removed, and adjacent
 * siblings merged into their parent as far as possible. IPv4 sorts before
 * IPv6; zones are dropped. Returns the new count. O(n log n).
 */
DS_EXPORT size_t ds_prefix_collapse(struct ds_prefix *list, size_t n);

/* Order for sorting prefixes: family, address, length, then zone text. */
DS_EXPORT int ds_prefix_compare(
    const struct ds_prefix *a, const struct ds_prefix *b);

/* --- FTP extended address forms, RFC 2428 -------------------------------- */

/*
 * Parse an EPRT argument "|2|1080::8:800:200C:417A|5282|" (RFC 2428 section
 * 2), with or without the leading "EPRT ". Any delimiter in ASCII 33-126
 * is accepted as the RFC allows; net-prt 1 is IPv4, 2 is IPv6.
 */
DS_EXPORT int ds_eprt_parse(
    const char *s, size_t len, struct ds_endpoint *ret, size_t *errpos);

/* "EPRT |2|1080::8:800:200c:417a|5282|"; -EINVAL for port 0. */
DS_EXPORT int ds_eprt_format(
    const struct ds_endpoint *ep, char *buf, size_t size);

/*
 * Parse an EPSV reply "229 Entering Extended Passive Mode (|||6446|)" (RFC
 * 2428 section 3): the port is found between the delimiters inside the
 * parentheses; the text before them is free. Also accepts the bare
 * "(|||6446|)" or "|||6446|".
 */
DS_EXPORT int ds_epsv_parse(
    const char *s, size_t len, uint16_t *ret_port, size_t *errpos);

/* "229 Entering Extended Passive Mode (|||6446|)"; -EINVAL for port 0. */
DS_EXPORT int ds_epsv_format(uint16_t port, char *buf, size_t size);

#endif
