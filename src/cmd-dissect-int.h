/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CMD_DISSECT_INT_H
#define DUALSTACK_CMD_DISSECT_INT_H

/*
 * dualstack dissect, between its files: the driver (cmd-dissect.c: options,
 * reading), the one-line output (cmd-dissect-line.c), the field tree and
 * NDJSON (cmd-dissect-tree.c), the --stats summary (cmd-dissect-stats.c)
 * and the clock (cmd-dissect-time.c). The driver calls the others; none
 * calls back into it. The hot path formats into one struct cli_out with
 * the inline helpers below.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dualstack/addr.h"
#include "dualstack/capture.h"
#include "dualstack/packet.h"

#include "cli.h"

/* --- Output --------------------------------------------------------------- */

/*
 * The pieces of a line, written at p (room checked by the caller, see
 * cli_out_room()); each returns where the next piece goes. The out_*()
 * forms below reserve room and move the buffer's length themselves, for
 * the outputs that are not on the hot path.
 */
static inline char *
put_c(char *p, char c)
{
	*p = c;
	return p + 1;
}

/*
 * A string constant's length is known at compile time once inlined: a
 * copy of fixed size. Other strings here are the library's tokens, a few
 * octets each, which a loop copies for less than calls to strlen() and
 * memcpy() cost.
 */
static inline char *
put_str(char *p, const char *s)
{
	if (__builtin_constant_p(strlen(s))) {
		size_t n = strlen(s);

		memcpy(p, s, n);
		return p + n;
	}
	while (*s)
		*p++ = *s++;
	return p;
}

static inline char *
put_u64(char *p, uint64_t v)
{
	return p + cli_fmt_u64(p, v, 1);
}

/* "0x" and lower-case hex digits, at least 'width' of them (<= 16): at
 * most 18 octets. */
#define PUT_HEX_MAX 18
static inline char *
put_hex(char *p, uint64_t v, unsigned width)
{
	static const char digits[] = "0123456789abcdef";
	unsigned n = (unsigned)(67 - __builtin_clzll(v | 1)) / 4;

	if (n < width)
		n = width;
	p[0] = '0';
	p[1] = 'x';
	for (unsigned i = n; i > 0; i--) {
		p[1 + i] = digits[v & 0xf];
		v >>= 4;
	}
	return p + 2 + n;
}

/*
 * An address as ds_addr_format() writes it with no flags, into buf;
 * returns its length. IPv6 addresses come from a table of those written
 * lately when they are there (cmd-dissect-addr.c); buf is written up to
 * DS_ADDR_STRLEN octets, past the text.
 */
int dissect_addr_format(const struct ds_addr *a, char buf[DS_ADDR_STRLEN]);

/* An address, or "?": writes up to DS_ADDR_STRLEN octets at p. */
static inline char *
put_addr(char *p, const struct ds_addr *a)
{
	int n = dissect_addr_format(a, p);

	if (n > 0 && n < DS_ADDR_STRLEN)
		return p + n;
	*p = '?';
	return p + 1;
}

/* Writes up to DS_MAC_STRLEN octets at p; nothing when it cannot. */
static inline char *
put_mac(char *p, const struct ds_mac *m)
{
	int n = ds_mac_format(m, p, DS_MAC_STRLEN);

	return n > 0 && n < DS_MAC_STRLEN ? p + n : p;
}

/* A library token, or prefix and the number when the value has none:
 * "hbh", "proto253". */
static inline char *
put_token(char *p, const char *tok, const char *prefix, uint64_t v)
{
	if (tok)
		return put_str(p, tok);
	return put_u64(put_str(p, prefix), v);
}

static inline void
out_c(struct cli_out *o, char c)
{
	*cli_out_reserve(o, 1) = c;
	o->len++;
}

static inline void
out_hex(struct cli_out *o, uint64_t v, unsigned width)
{
	cli_out_done(o, put_hex(cli_out_reserve(o, PUT_HEX_MAX), v, width));
}

static inline void
out_addr(struct cli_out *o, const struct ds_addr *a)
{
	cli_out_done(o, put_addr(cli_out_reserve(o, DS_ADDR_STRLEN), a));
}

static inline void
out_mac(struct cli_out *o, const struct ds_mac *m)
{
	cli_out_done(o, put_mac(cli_out_reserve(o, DS_MAC_STRLEN), m));
}

static inline void
out_token(struct cli_out *o, const char *tok, const char *prefix, uint64_t v)
{
	if (tok) {
		cli_out_str(o, tok);
	} else {
		cli_out_str(o, prefix);
		cli_out_u64(o, v);
	}
}

/* The error kind as lines and JSON show it: "truncated", "short-packet",
 * "malformed". */
static inline const char *
err_kind_token(unsigned kind)
{
	const char *s = ds_packet_err_kind_token(kind);

	return kind != DS_PKT_ERR_NONE && s ? s : "error";
}

/* A word for a value the decoder never gives (the enum grew). */
static inline const char *
or_unknown(const char *s)
{
	return s ? s : "unknown";
}

/* --- State ---------------------------------------------------------------- */

enum time_format {
	TIME_CLOCK, /* 22:13:20.123456 */
	TIME_DATE,  /* 2023-11-14 22:13:20.123456 */
	TIME_EPOCH, /* 1700000000.123456 */
	TIME_RELATIVE,
	TIME_DELTA, /* since the packet before, as tcpdump -ttt */
};

/* -X, -x, -A: the bytes under each packet (cmd-dissect-dump.c). */
enum dump_mode {
	DUMP_NONE,
	DUMP_HEX_ASCII, /* -X */
	DUMP_HEX,       /* -x */
	DUMP_ASCII,     /* -A */
};

/* --inner (cmd-dissect-inner.c): words on the innermost 5-tuple, all of
 * which must hold. */
#define DISSECT_INNER_MAX 16
struct dissect_inner_term {
	int kind;
	unsigned value;       /* family, protocol or port */
	struct ds_prefix pfx; /* host, src, dst */
};
struct dissect_inner {
	unsigned n;
	struct dissect_inner_term t[DISSECT_INNER_MAX];
};
/* Parse s into *ret; -EINVAL with a message for people in err. */
int dissect_inner_parse(
    const char *s, struct dissect_inner *ret, char *err, size_t errlen);
/* Does the innermost 5-tuple of p (its own when not tunnelled) match? */
bool dissect_inner_match(const struct dissect_inner *f, const struct ds_pkt *p);

struct dissect {
	bool verbose, json, stats, live;
	enum time_format tfmt;
	unsigned digits; /* 6 or 9 */
	const char *source;

	/* The broken-down time of the last second printed. */
	bool have_tc;
	int64_t tc_sec;
	char tc_clock[16];    /* "22:13:20" */
	char tc_date[40];     /* "2023-11-14" */
	uint64_t last_number; /* of the last packet read */
	bool have_first;
	int64_t first_sec;
	uint32_t first_nsec;

	struct ds_capture_writer *w; /* -w: the packets go there, not lines */

	bool have_inner; /* --inner given */
	struct dissect_inner inner;

	enum dump_mode dump; /* -X, -x, -A */
	bool dump_link;      /* -XX, -xx: from the link header */
	bool link_hdr;       /* -e */
	int last_rc;         /* ds_packet_decode() of the packet shown */

	/* Last: cmd_dissect() clears what lies before o.buf, and pkt; st
	 * is cleared by ds_packet_stats_init() when --stats asks for it. */
	struct cli_out o;
	struct ds_pkt pkt;
	struct ds_packet_stats st;
};

/* The upper layer was decoded past its fixed header: its fields can be
 * shown. When the error is in that very header, only the type is sure. */
static inline bool
l4_body_ok(const struct ds_pkt_ip *ip, unsigned layer)
{
	return !(ip->err.kind != DS_PKT_ERR_NONE && ip->err.layer == layer);
}

/* Octets of upper-layer payload after a header of hlen octets at l4_off,
 * as the IP header states the packet's length. */
static inline uint32_t
l4_payload(const struct ds_pkt_ip *ip, uint32_t hlen)
{
	uint64_t end = (uint64_t)ip->off + ip->total_len;
	uint64_t start = (uint64_t)ip->l4_off + hlen;

	return end > start ? (uint32_t)(end - start) : 0;
}

/* --- Between the files ---------------------------------------------------- */

/* The clock (cmd-dissect-time.c). dissect_out_time() writes what a line
 * starts with: the time and, with -e, the link header. */
void dissect_time_cache(struct dissect *d, int64_t sec);
void dissect_out_frac(struct dissect *d, uint32_t nsec);
void dissect_out_time(struct dissect *d, const struct ds_capture_packet *cp);
/* RFC 3339 in UTC, "2023-11-14T22:13:20.123456Z", into buf; returns its
 * length. */
#define DISSECT_TIME_MAX 80
size_t dissect_rfc3339(struct dissect *d, const struct ds_capture_packet *cp,
    char buf[DISSECT_TIME_MAX]);

/* Tokens shared by the line, the tree and the summary
 * (cmd-dissect-line.c): an anomaly by its bit number, the header an error
 * is in. */
#define DISSECT_TOKEN_MAX 32
const char *dissect_anom_token(unsigned bit, char buf[DISSECT_TOKEN_MAX]);
const char *dissect_layer_token(
    const struct ds_pkt_err *e, char buf[DISSECT_TOKEN_MAX]);

/* One packet, as each output shows it; rc is ds_packet_decode()'s. */
void dissect_line(
    struct dissect *d, const struct ds_capture_packet *cp, int rc);
void dissect_tree(
    struct dissect *d, const struct ds_capture_packet *cp, int rc);
void dissect_json(
    struct dissect *d, const struct ds_capture_packet *cp, int rc);

/* tcpdump's habits (cmd-dissect-dump.c): the bytes after a packet's line
 * or tree (-X, -x, -A), as a "hex" member of its JSON object, and the
 * link header at the start of the line (-e, after the time). */
void dissect_dump(
    struct dissect *d, const struct ds_capture_packet *cp, int rc);
void dissect_dump_json(struct json *j, struct dissect *d,
    const struct ds_capture_packet *cp, int rc);
void dissect_link_header(struct dissect *d, const struct ds_capture_packet *cp);

/* The summary of d->st (cmd-dissect-stats.c). */
void dissect_stats_text(struct dissect *d, const struct ds_capture_stats *cs);
void dissect_stats_json(
    struct dissect *d, const struct ds_capture_stats *cs, bool damaged);

#endif
