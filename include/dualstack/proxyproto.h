/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_PROXYPROTO_H
#define DUALSTACK_PROXYPROTO_H

/*
 * The HAProxy PROXY protocol, versions 1 (text) and 2 (binary), as
 * specified in haproxy's doc/proxy-protocol.txt: a header a proxy sends
 * first on a connection to tell the server who the client really is.
 *
 * Everything here is pure: no I/O, no allocation, no global state; safe
 * from any thread on distinct objects. The parser reads through bounds
 * checks that never look past len, so the buffer need not be terminated.
 * A reader on a stream calls ds_proxyproto_parse() on what it has so far, reads
 * more on -EAGAIN, and on success hands the bytes after ret->len to the
 * application.
 *
 * Addresses come back normalised, as a listener's ds_tuple does: an
 * IPv4-mapped address (::ffff:a.b.c.d) in a TCP6 header is returned as the
 * AF_INET address it stands for, so a proxied IPv4 client is the same
 * value whichever way the sender wrote it, and the caller hands it to the
 * ACL, limits and logs as it is. Addresses never carry a zone.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dualstack/addr.h"
#include "dualstack/export.h"

/*
 * Version 1 (section 2.1): the longest line, CRLF included, is
 * "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n" = 107
 * bytes; a receiver that finds no CRLF in the first 107 bytes rejects
 * the line. DS_PROXYPROTO_V1_STRLEN is a buffer size with room for the NUL.
 */
#define DS_PROXYPROTO_V1_MAX 107
#define DS_PROXYPROTO_V1_STRLEN (DS_PROXYPROTO_V1_MAX + 1)

/* Version 2 (section 2.2): the 12-byte signature, then ver_cmd, fam and
 * a 16-bit length in network order: a 16-byte fixed part. */
#define DS_PROXYPROTO_V2_SIG "\x0D\x0A\x0D\x0A\x00\x0D\x0A\x51\x55\x49\x54\x0A"
#define DS_PROXYPROTO_V2_SIG_LEN 12
#define DS_PROXYPROTO_V2_HDR_LEN 16

/* ver_cmd: version 2 in the high nibble, the command in the low one. */
#define DS_PROXYPROTO_V2_LOCAL 0x20
#define DS_PROXYPROTO_V2_PROXY 0x21

/* fam: address family in the high nibble, transport in the low one. */
#define DS_PROXYPROTO_V2_UNSPEC 0x00
#define DS_PROXYPROTO_V2_TCP4 0x11
#define DS_PROXYPROTO_V2_UDP4 0x12
#define DS_PROXYPROTO_V2_TCP6 0x21
#define DS_PROXYPROTO_V2_UDP6 0x22
#define DS_PROXYPROTO_V2_UNIX_STREAM 0x31
#define DS_PROXYPROTO_V2_UNIX_DGRAM 0x32

/* Address block sizes per family (section 2.2). */
#define DS_PROXYPROTO_V2_ADDR_INET 12
#define DS_PROXYPROTO_V2_ADDR_INET6 36
#define DS_PROXYPROTO_V2_ADDR_UNIX 216

/*
 * Our limit on the v2 length field (the bytes after the fixed 16): the
 * field allows 65535, but the whole header must be buffered before the
 * stream can be read, so a peer must not make us hold 64 KiB per
 * connection. 4096 is far above what the address block and the TLVs that
 * real senders attach (ALPN, authority, SSL, cloud IDs) take, and what
 * most implementations accept (haproxy: one buffer, dnsdist 512 by
 * default). The longest whole v2 header is DS_PROXYPROTO_V2_MAX.
 */
#define DS_PROXYPROTO_V2_LEN_MAX 4096
#define DS_PROXYPROTO_V2_MAX                                                   \
	(DS_PROXYPROTO_V2_HDR_LEN + DS_PROXYPROTO_V2_LEN_MAX)

/* What a header we format takes at most: v2 TCP6, no TLVs. */
#define DS_PROXYPROTO_V2_FORMAT_MAX                                            \
	(DS_PROXYPROTO_V2_HDR_LEN + DS_PROXYPROTO_V2_ADDR_INET6)

/*
 * A parsed header, or one to send.
 *
 * version is 1 or 2. local is true when the header carries no addresses
 * to use, and the receiver uses the connection's own endpoints: v1
 * "UNKNOWN", v2 LOCAL, or v2 PROXY over a family or transport this
 * library does not take addresses from (UNSPEC, UDP, UNIX; section 2.2
 * leaves accepting those to the receiver). src and dst are zero then;
 * otherwise they are the client and the address it connected to, AF_INET
 * or AF_INET6 (IPv4-mapped ones unmapped), ports in host order. len is the
 * number of bytes the whole header took (v2: 16 + the length field, TLVs
 * included).
 *
 * v2 only (zero for v1): v2_cmd and v2_fam are the ver_cmd and fam
 * bytes as received; the TLVs, validated but not interpreted, are at
 * [tlv_off, tlv_off + tlv_len) of the parsed buffer.
 */
struct ds_proxyproto_hdr {
	int version;
	bool local;
	struct ds_endpoint src, dst;
	size_t len;
	uint8_t v2_cmd, v2_fam;
	size_t tlv_off, tlv_len;
};

/*
 * Parse a PROXY header at the start of buf[0..len): version 1 or 2, told
 * apart by the first bytes. Returns:
 *   0        a whole header is there; *ret is filled, ret->len <= len.
 *   -EAGAIN  what is there is the start of a header that may still turn
 *            out valid: read more and call again with the whole buffer
 *            (every strict prefix of a valid header gives -EAGAIN; some
 *            prefixes that can no longer become valid are rejected early).
 *   -EPROTO  not a PROXY header at all: the bytes match neither "PROXY "
 *            nor the v2 signature (a client that does not speak it).
 *   -EINVAL  a PROXY header, malformed: v1 not exactly "PROXY" SP proto
 *            SP src SP dst SP sport SP dport CRLF with single spaces,
 *            addresses of the protocol's family (no zone), ports decimal
 *            0-65535 without leading zeros, a CR not followed by LF;
 *            v2 a version other than 2, a command other than LOCAL or
 *            PROXY, an unassigned fam, a length shorter than the
 *            family's address block, TLVs that overrun the length.
 *   -E2BIG   v1: no CRLF within DS_PROXYPROTO_V1_MAX bytes; v2: a length
 *            field above DS_PROXYPROTO_V2_LEN_MAX (reported as soon as the
 *            fixed part is in).
 * On failure *ret is untouched and *errpos (may be NULL) gets the offset
 * of the problem, at most len (len itself for -EAGAIN).
 *
 * v1 "UNKNOWN" ignores whatever follows it up to the CRLF (section 2.1).
 * A v2 LOCAL header's block is skipped unread: the family is ignored
 * (section 2.2), its TLVs are not validated and tlv_len is 0.
 */
DS_EXPORT int ds_proxyproto_parse(
    const void *buf, size_t len, struct ds_proxyproto_hdr *ret, size_t *errpos);

/*
 * Write h as a v1 line with its CRLF into buf (snprintf semantics: returns
 * the length needed, at most DS_PROXYPROTO_V1_MAX; the text is truncated and
 * NUL-terminated when size > 0 and too small). h->version, len and the v2
 * fields are ignored.
 *
 * h->local gives "PROXY UNKNOWN\r\n". Otherwise when both addresses are
 * IPv4 or IPv4-mapped, the line is TCP4 with the IPv4 addresses (a client
 * that reached a dual-stack listener as ::ffff:a.b.c.d is sent as the
 * IPv4 client it is); when one is IPv6 proper, TCP6, any IPv4 address
 * written mapped (::ffff:a.b.c.d), since a header has one family. Zones
 * are left out. -EINVAL when an address has no family.
 */
DS_EXPORT int ds_proxyproto_format_v1(
    const struct ds_proxyproto_hdr *h, char *buf, size_t size);

/*
 * Write h as a v2 header into buf: LOCAL (fam UNSPEC, no block) when
 * h->local, else PROXY TCP4 or TCP6 chosen as for ds_proxyproto_format_v1(),
 * no TLVs. Returns the length needed (16, 28 or 52; at most
 * DS_PROXYPROTO_V2_FORMAT_MAX); a partial binary header is of no use, so
 * nothing is written when size is smaller. -EINVAL as for v1.
 */
DS_EXPORT int ds_proxyproto_format_v2(
    const struct ds_proxyproto_hdr *h, void *buf, size_t size);

#endif
