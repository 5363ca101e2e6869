/* SPDX-License-Identifier: MIT */
/*
 * dualstack dissect: packets from a capture file or an interface, each with
 * its whole header chain.
 *
 *   one line per packet   TIME IPv6 hbh(RA) frag(...) udp SRC.P > DST.P ...
 *   -v                    a field tree with the offset of every field
 *   --json                NDJSON, one object per packet, every field
 *   --stats               a summary: chains, ICMP types, anomalies
 *
 * Reading is the capture module's (lib/capture.c), decoding the packet
 * module's (lib/packet.c); this file only formats. It is built for speed:
 * a capture of a million packets must print faster than tcpdump, so the
 * hot path writes into one large buffer flushed with write(2), formats
 * numbers and addresses by hand, allocates nothing per packet, and leaves
 * printf to the -v tree and the summary.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dualstack/addr.h"
#include "dualstack/capture.h"
#include "dualstack/packet.h"

#include "cli.h"

static int cmd_dissect(int argc, char **argv);

const struct cli_command cli_cmd_dissect = {
    "dissect",
    "show packets from a capture file or an interface, header chain first",
    cmd_dissect,
    "[-r FILE | -i INTERFACE] [-v] [--json] [--stats] [-c COUNT] "
    "[FILTER...]",
};

static const char help_text[] =
    "\n"
    "Read pcap or pcapng packets and show each with its whole IPv6\n"
    "extension-header chain (or IPv4 header), the upper-layer facts, the\n"
    "anomalies a careful receiver would question and where a packet was\n"
    "cut short. FILTER is a pcap-filter(7) expression, as tcpdump takes it.\n"
    "\n"
    "  -r FILE            read a pcap or pcapng file; '-' is standard input\n"
    "  -i INTERFACE       capture live ('any' for all; needs root or\n"
    "                     CAP_NET_RAW); Ctrl-C stops\n"
    "  --promisc          live: promiscuous mode (off by default)\n"
    "  -c COUNT           stop after COUNT packets that match FILTER\n"
    "  -v                 a field tree per packet, with offsets\n"
    "  --json             one JSON object per packet (NDJSON)\n"
    "  --stats            only a summary: chains, ICMP types, anomalies\n"
    "                     (with --json, one JSON document)\n"
    "  --time=FORMAT      clock (default, HH:MM:SS UTC), date (full UTC\n"
    "                     date), epoch (seconds), relative (since the first\n"
    "                     packet)\n"
    "  -n                 accepted for tcpdump habits (no name lookups)\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit status: 0 all read; 1 the file is damaged or cut short after\n"
    "some packets (they are shown); 2 usage error, bad filter, not a\n"
    "capture file; 3 system error, or no permission to capture.\n";

/* --- Output --------------------------------------------------------------- */

static inline void
out_c(struct cli_out *o, char c)
{
	*cli_out_reserve(o, 1) = c;
	o->len++;
}

static void
out_u64(struct cli_out *o, uint64_t v)
{
	char tmp[20], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	cli_out_put(o, p, (size_t)(tmp + sizeof(tmp) - p));
}

static void
out_i64(struct cli_out *o, int64_t v)
{
	if (v < 0) {
		out_c(o, '-');
		out_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		out_u64(o, (uint64_t)v);
	}
}

/* v with at least 'width' digits, zero-padded. */
static void
out_u64_pad(struct cli_out *o, uint64_t v, unsigned width)
{
	char tmp[20], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v || tmp + sizeof(tmp) - p < (ptrdiff_t)width);
	cli_out_put(o, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* "0x" and lower-case hex digits, at least 'width' of them. */
static void
out_hex(struct cli_out *o, uint64_t v, unsigned width)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[18], *p = tmp + sizeof(tmp);

	do {
		*--p = digits[v & 0xf];
		v >>= 4;
	} while (v || tmp + sizeof(tmp) - p < (ptrdiff_t)width);
	*--p = 'x';
	*--p = '0';
	cli_out_put(o, p, (size_t)(tmp + sizeof(tmp) - p));
}

static void
out_addr(struct cli_out *o, const struct ds_addr *a)
{
	char *p = cli_out_reserve(o, DS_ADDR_STRLEN);
	int n = ds_addr_format(a, 0, p, DS_ADDR_STRLEN);

	if (n > 0 && n < DS_ADDR_STRLEN)
		o->len += (size_t)n;
	else
		out_c(o, '?');
}

static void
out_mac(struct cli_out *o, const struct ds_mac *m)
{
	char *p = cli_out_reserve(o, DS_MAC_STRLEN);
	int n = ds_mac_format(m, p, DS_MAC_STRLEN);

	if (n > 0 && n < DS_MAC_STRLEN)
		o->len += (size_t)n;
}

static void out_printf(struct cli_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* For the -v tree and the summary only: not on the hot path. */
static void
out_printf(struct cli_out *o, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		cli_out_put(o, tmp,
		    (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/*
 * A library name as a token: lower case, blanks and slashes as '-'
 * ("Packet Too Big" -> "packet-too-big"), so that a line splits on
 * blanks.
 */
static void
out_token(struct cli_out *o, const char *s)
{
	for (; *s; s++) {
		char c = *s;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (c == ' ' || c == '/' || c == ',')
			c = '-';
		else if (c == '(' || c == ')')
			continue;
		out_c(o, c);
	}
}

/* --- JSON onto the buffer ------------------------------------------------- */

/*
 * The NDJSON path writes straight into the output buffer: cli.c's writer
 * goes through stdio a character at a time, which would cost more than
 * the decoding. Keys are identifiers of this file and need no escaping;
 * every string value is escaped (the summary document uses cli.c's
 * writer, with the same rules).
 */
#define JW_DEPTH 16

struct jw {
	struct cli_out *o;
	unsigned depth;
	bool first[JW_DEPTH];
};

/* The comma, and "key": -- one reservation, one length update. */
static void
jw_key(struct jw *j, const char *key)
{
	size_t kl = key ? strlen(key) : 0;
	struct cli_out *o = j->o;
	char *p = cli_out_reserve(o, kl + 4);

	if (!j->first[j->depth])
		*p++ = ',';
	j->first[j->depth] = false;
	if (key) {
		*p++ = '"';
		memcpy(p, key, kl);
		p += kl;
		*p++ = '"';
		*p++ = ':';
	}
	o->len = (size_t)(p - o->buf);
}

static void
jw_open(struct jw *j, const char *key, char c)
{
	jw_key(j, key);
	out_c(j->o, c);
	if (j->depth + 1 < JW_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void
jw_close(struct jw *j, char c)
{
	out_c(j->o, c);
	if (j->depth)
		j->depth--;
}

static void
jw_u64(struct jw *j, const char *key, uint64_t v)
{
	jw_key(j, key);
	out_u64(j->o, v);
}

static void
jw_i64(struct jw *j, const char *key, int64_t v)
{
	jw_key(j, key);
	out_i64(j->o, v);
}

static void
jw_bool(struct jw *j, const char *key, bool v)
{
	jw_key(j, key);
	cli_out_str(j->o, v ? "true" : "false");
}

/* A JSON string: control characters, quotes, backslashes and every byte
 * above 0x7e escaped, so any input gives valid (ASCII) JSON. */
static void
jw_strn(struct jw *j, const char *key, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char *p;

	jw_key(j, key);
	p = cli_out_reserve(j->o, len * 6 + 2);
	*p++ = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			*p++ = '\\';
			*p++ = 'u';
			*p++ = '0';
			*p++ = '0';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 0xf];
		} else {
			*p++ = (char)c;
		}
	}
	*p++ = '"';
	j->o->len = (size_t)(p - j->o->buf);
}

static void
jw_str(struct jw *j, const char *key, const char *s)
{
	jw_strn(j, key, s, strlen(s));
}

/* A library name, or null when it has none. */
static void
jw_name(struct jw *j, const char *key, const char *s)
{
	if (s) {
		jw_str(j, key, s);
	} else {
		jw_key(j, key);
		cli_out_str(j->o, "null");
	}
}

static void
jw_addr(struct jw *j, const char *key, const struct ds_addr *a)
{
	jw_key(j, key);
	out_c(j->o, '"');
	out_addr(j->o, a);
	out_c(j->o, '"');
}

static void
jw_mac(struct jw *j, const char *key, const struct ds_mac *m)
{
	jw_key(j, key);
	out_c(j->o, '"');
	out_mac(j->o, m);
	out_c(j->o, '"');
}

/* --- State ---------------------------------------------------------------- */

enum time_format {
	TIME_CLOCK, /* 22:13:20.123456 */
	TIME_DATE,  /* 2023-11-14 22:13:20.123456 */
	TIME_EPOCH, /* 1700000000.123456 */
	TIME_RELATIVE,
};

/*
 * Distinct chain signatures kept by --stats. Chains are short and few in
 * real traffic; a hostile capture can make many, and past this cap they
 * are counted together as "(other)", so memory stays fixed.
 */
#define STATS_MAX_CHAINS 1024
#define STATS_SLOTS 2048 /* open addressing, at most half full */
#define SIG_MAX 192      /* 16 headers of up to 8 characters, and more */

struct chain_slot {
	uint64_t n;
	uint32_t hash;
	char sig[SIG_MAX];
};

/* One row of the link type count: a capture has one, a few at most. */
#define STATS_MAX_LINKS 8

struct stats {
	uint64_t packets, bytes, wire_bytes;
	struct {
		int dlt;
		uint64_t n;
	} link[STATS_MAX_LINKS];
	unsigned n_link;
	unsigned n_chain;
	uint64_t chain_other;
	struct chain_slot chain[STATS_SLOTS];
	uint64_t icmp6[256][256];
	uint64_t icmp4[256][256];
	uint64_t anom[32];
	bool anom_any;
	uint64_t trunc_capture, trunc_packet, malformed;
	uint64_t non_ip, undecoded, capped;
};

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

	struct cli_out o;
	struct ds_pkt pkt;
	struct stats st;
};

/* --- Names used in lines and keys ----------------------------------------- */

/*
 * Short, stable names of the anomaly bits: tokens for the line, keys for
 * JSON and the summary. The library's ds_packet_anom_name() phrases are
 * for people (the -v tree shows them).
 */
static const char *const anom_token[32] = {
    "hbh-not-first",
    "ext-repeated",
    "frag-chain-split",
    "frag-nd",
    "len-mismatch",
    "chain-too-deep",
    "atomic-frag",
    "frag-len",
    "rh0",
    "rh-segleft",
    "padding",
    "jumbo",
    "nd-hoplimit",
    "src-multicast",
    "ip4-checksum",
    "opt-repeated",
};

static void
out_anom_token(struct cli_out *o, unsigned bit)
{
	if (bit < 32 && anom_token[bit]) {
		cli_out_str(o, anom_token[bit]);
	} else {
		cli_out_str(o, "anomaly-bit");
		out_u64(o, bit);
	}
}

/* An extension header's short name in a chain, lower case: "hbh". */
static void
out_ext_token(struct cli_out *o, unsigned proto)
{
	const char *s = ds_packet_ext_abbrev(proto);

	if (s) {
		out_token(o, s);
	} else {
		cli_out_str(o, "proto");
		out_u64(o, proto);
	}
}

/* Short names of ICMPv6 types for the line; others use the library's. */
static const char *
icmp6_token(uint8_t type)
{
	switch (type) {
	case 1:
		return "unreach";
	case 2:
		return "ptb";
	case 3:
		return "time-exceeded";
	case 4:
		return "param-problem";
	case 128:
		return "echo-request";
	case 129:
		return "echo-reply";
	case 130:
		return "mld-query";
	case 131:
		return "mld-report";
	case 132:
		return "mld-done";
	case 133:
		return "rs";
	case 134:
		return "ra";
	case 135:
		return "ns";
	case 136:
		return "na";
	case 137:
		return "redirect";
	case 143:
		return "mld2-report";
	default:
		return NULL;
	}
}

static const char *
icmp4_token(uint8_t type)
{
	switch (type) {
	case 0:
		return "echo-reply";
	case 3:
		return "unreach";
	case 5:
		return "redirect";
	case 8:
		return "echo-request";
	case 11:
		return "time-exceeded";
	case 12:
		return "param-problem";
	default:
		return NULL;
	}
}

/* The header an error is in, as a token: "frag", "tcp-opt", "ipv6". */
static void
out_layer_token(struct cli_out *o, const struct ds_pkt_err *e)
{
	switch (e->layer) {
	case DS_PKT_LAYER_LINK:
		cli_out_str(o, "link");
		break;
	case DS_PKT_LAYER_IPV4:
		cli_out_str(o, "ipv4");
		break;
	case DS_PKT_LAYER_IPV4_OPT:
		cli_out_str(o, "ipv4-opt");
		break;
	case DS_PKT_LAYER_IPV6:
		cli_out_str(o, "ipv6");
		break;
	case DS_PKT_LAYER_EXT:
		out_ext_token(o, e->proto);
		break;
	case DS_PKT_LAYER_EXT_OPT:
		out_ext_token(o, e->proto);
		cli_out_str(o, "-opt");
		break;
	case DS_PKT_LAYER_TCP:
		cli_out_str(o, "tcp");
		break;
	case DS_PKT_LAYER_TCP_OPT:
		cli_out_str(o, "tcp-opt");
		break;
	case DS_PKT_LAYER_UDP:
		cli_out_str(o, "udp");
		break;
	case DS_PKT_LAYER_ICMP6:
		cli_out_str(o, "icmp6");
		break;
	case DS_PKT_LAYER_ND_OPT:
		cli_out_str(o, "nd-opt");
		break;
	case DS_PKT_LAYER_MLD:
		cli_out_str(o, "mld");
		break;
	case DS_PKT_LAYER_ICMP4:
		cli_out_str(o, "icmp");
		break;
	default:
		cli_out_str(o, "packet");
		break;
	}
}

static const char *
err_kind_token(unsigned kind)
{
	switch (kind) {
	case DS_PKT_ERR_TRUNC_CAPTURE:
		return "truncated";
	case DS_PKT_ERR_TRUNC_PACKET:
		return "short-packet";
	case DS_PKT_ERR_MALFORMED:
		return "malformed";
	default:
		return "error";
	}
}

/* The upper layer was decoded past its fixed header: its fields can be
 * shown. When the error is in that very header, only the type is sure. */
static bool
l4_body_ok(const struct ds_pkt_ip *ip, unsigned layer)
{
	return !(ip->err.kind != DS_PKT_ERR_NONE && ip->err.layer == layer);
}

/* Octets of upper-layer payload after a header of hlen octets at l4_off,
 * as the IP header states the packet's length. */
static uint32_t
l4_payload(const struct ds_pkt_ip *ip, uint32_t hlen)
{
	uint64_t end = (uint64_t)ip->off + ip->total_len;
	uint64_t start = (uint64_t)ip->l4_off + hlen;

	return end > start ? (uint32_t)(end - start) : 0;
}

/* --- Time ----------------------------------------------------------------- */

static void
time_cache(struct dissect *d, int64_t sec)
{
	struct tm tm;
	time_t t = (time_t)sec;

	if (d->have_tc && d->tc_sec == sec)
		return;
	d->have_tc = true;
	d->tc_sec = sec;
	if (!gmtime_r(&t, &tm)) {
		strcpy(d->tc_clock, "xx:xx:xx");
		strcpy(d->tc_date, "xxxx-xx-xx");
		return;
	}
	snprintf(d->tc_clock, sizeof(d->tc_clock), "%02d:%02d:%02d", tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	snprintf(d->tc_date, sizeof(d->tc_date), "%04lld-%02d-%02d",
	    (long long)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* ".123456" or ".123456789": the digits the source really has. */
static void
out_frac(struct dissect *d, uint32_t nsec)
{
	out_c(&d->o, '.');
	if (d->digits == 9)
		out_u64_pad(&d->o, nsec, 9);
	else
		out_u64_pad(&d->o, nsec / 1000, 6);
}

/* The time of a line, as --time says. */
static void
out_time(struct dissect *d, const struct ds_capture_packet *cp)
{
	int64_t sec = cp->sec;
	uint32_t nsec = cp->nsec;

	switch (d->tfmt) {
	case TIME_EPOCH:
		out_i64(&d->o, sec);
		out_frac(d, nsec);
		return;
	case TIME_RELATIVE:
		if (!d->have_first) {
			d->have_first = true;
			d->first_sec = cp->sec;
			d->first_nsec = cp->nsec;
		}
		sec -= d->first_sec;
		if (nsec < d->first_nsec) {
			nsec += 1000000000u;
			sec--;
		}
		nsec -= d->first_nsec;
		out_i64(&d->o, sec);
		out_frac(d, nsec);
		return;
	case TIME_DATE:
		time_cache(d, sec);
		cli_out_str(&d->o, d->tc_date);
		out_c(&d->o, ' ');
		cli_out_str(&d->o, d->tc_clock);
		out_frac(d, nsec);
		return;
	case TIME_CLOCK:
		time_cache(d, sec);
		cli_out_str(&d->o, d->tc_clock);
		out_frac(d, nsec);
		return;
	}
}

/* RFC 3339, UTC: "2023-11-14T22:13:20.123456Z". */
static void
out_rfc3339(struct dissect *d, const struct ds_capture_packet *cp)
{
	time_cache(d, cp->sec);
	cli_out_str(&d->o, d->tc_date);
	out_c(&d->o, 'T');
	cli_out_str(&d->o, d->tc_clock);
	out_frac(d, cp->nsec);
	out_c(&d->o, 'Z');
}

/* --- One line per packet -------------------------------------------------- */

/* The frame's bytes, for what the decoder leaves in place (DNSSL names). */
struct frame {
	const uint8_t *data;
	uint32_t caplen;
};

/* A Hop-by-Hop or Destination option in a line (padding is left out). */
static void
out_opt_short(struct cli_out *o, const struct ds_pkt_opt *op)
{
	switch (op->type) {
	case 0x05: /* Router Alert, RFC 2711: 0 is MLD */
		cli_out_str(o, "RA");
		if (op->value) {
			out_c(o, '=');
			out_u64(o, op->value);
		}
		break;
	case 0xc2: /* Jumbo Payload, RFC 2675 */
		cli_out_str(o, "jumbo=");
		out_u64(o, op->value);
		break;
	case 0x04: /* Tunnel Encapsulation Limit, RFC 2473 */
		cli_out_str(o, "tel=");
		out_u64(o, op->value);
		break;
	case 0xc9: /* Home Address, RFC 6275 */
		cli_out_str(o, "hoa");
		break;
	default:
		cli_out_str(o, "opt=");
		out_hex(o, op->type, 2);
		break;
	}
}

static void
line_opts(
    struct cli_out *o, const struct ds_pkt *p, const struct ds_pkt_optlist *l)
{
	bool open = false;

	for (unsigned i = 0; i < l->n && l->first + i < DS_PKT_MAX_OPT; i++) {
		const struct ds_pkt_opt *op = &p->opt[l->first + i];

		if (op->type <= 1) /* Pad1, PadN */
			continue;
		out_c(o, open ? ',' : '(');
		open = true;
		out_opt_short(o, op);
	}
	if (l->count > l->n) {
		cli_out_str(o, open ? ",..." : "(...");
		open = true;
	}
	if (open)
		out_c(o, ')');
}

static void
line_ext(struct cli_out *o, const struct ds_pkt *p, const struct ds_pkt_ext *e)
{
	out_c(o, ' ');
	out_ext_token(o, e->type);
	switch (e->type) {
	case 0:
	case 60:
		line_opts(o, p, &e->u.opts);
		break;
	case 43:
		cli_out_str(o, "(type=");
		out_u64(o, e->u.rt.type);
		cli_out_str(o, ",segs=");
		out_u64(o, e->u.rt.addr_count);
		cli_out_str(o, ",left=");
		out_u64(o, e->u.rt.segleft);
		out_c(o, ')');
		break;
	case 44:
		cli_out_str(o, "(off=");
		out_u64(o, e->u.frag.offset);
		if (e->u.frag.more)
			cli_out_str(o, ",M");
		cli_out_str(o, ",id=");
		out_hex(o, e->u.frag.id, 1);
		out_c(o, ')');
		break;
	case 50:
		cli_out_str(o, "(spi=");
		out_hex(o, e->u.esp.spi, 1);
		cli_out_str(o, ",seq=");
		out_u64(o, e->u.esp.seq);
		out_c(o, ')');
		break;
	case 51:
		cli_out_str(o, "(spi=");
		out_hex(o, e->u.ah.spi, 1);
		cli_out_str(o, ",seq=");
		out_u64(o, e->u.ah.seq);
		out_c(o, ')');
		break;
	case 135:
		cli_out_str(o, "(type=");
		out_u64(o, e->u.mob.mh_type);
		out_c(o, ')');
		break;
	case 139:
		cli_out_str(o, "(type=");
		out_u64(o, e->u.hip.packet_type);
		out_c(o, ')');
		break;
	default:
		break;
	}
}

static void
out_tcp_flags(struct cli_out *o, uint16_t f)
{
	char b[12];
	size_t n = 0;

	if (f & DS_TCP_FIN)
		b[n++] = 'F';
	if (f & DS_TCP_SYN)
		b[n++] = 'S';
	if (f & DS_TCP_RST)
		b[n++] = 'R';
	if (f & DS_TCP_PSH)
		b[n++] = 'P';
	if (f & DS_TCP_URG)
		b[n++] = 'U';
	if (f & DS_TCP_ECE)
		b[n++] = 'E';
	if (f & DS_TCP_CWR)
		b[n++] = 'W';
	if (f & DS_TCP_AE)
		b[n++] = 'A';
	if (f & DS_TCP_ACK)
		b[n++] = '.';
	if (n == 0) {
		cli_out_str(o, "[none]");
		return;
	}
	out_c(o, '[');
	cli_out_put(o, b, n);
	out_c(o, ']');
}

/* The upper-layer token, right after the chain: "udp", "icmp6". */
static void
line_l4_token(struct cli_out *o, const struct ds_pkt_ip *ip)
{
	const char *s;

	switch (ip->l4) {
	case DS_PKT_L4_TCP:
		cli_out_str(o, " tcp");
		return;
	case DS_PKT_L4_UDP:
		cli_out_str(o, " udp");
		return;
	case DS_PKT_L4_ICMP6:
		cli_out_str(o, " icmp6");
		return;
	case DS_PKT_L4_ICMP4:
		cli_out_str(o, " icmp");
		return;
	case DS_PKT_L4_FRAGMENT:
		/* The bytes continue a PDU whose header is in the first
		 * fragment: "data(udp)". */
		cli_out_str(o, " data(");
		s = ds_packet_proto_name(ip->proto);
		if (s && !strchr(s, ' ')) {
			out_token(o, s);
		} else {
			cli_out_str(o, "proto");
			out_u64(o, ip->proto);
		}
		out_c(o, ')');
		return;
	case DS_PKT_L4_NO_NEXT:
		cli_out_str(o, " none");
		return;
	case DS_PKT_L4_OTHER:
		out_c(o, ' ');
		s = ds_packet_proto_name(ip->proto);
		if (s && !strchr(s, ' ')) {
			out_token(o, s);
		} else {
			cli_out_str(o, "proto");
			out_u64(o, ip->proto);
		}
		return;
	default: /* NONE (stopped by an error), ENCRYPTED (ESP) */
		return;
	}
}

static void
line_endpoint(struct cli_out *o, const struct ds_addr *a, bool port, uint16_t p)
{
	out_addr(o, a);
	if (port) {
		out_c(o, '.');
		out_u64(o, p);
	}
}

static void
line_addresses(struct cli_out *o, const struct ds_pkt_ip *ip)
{
	bool ports = false;
	uint16_t sp = 0, dp = 0;

	if (ip->l4 == DS_PKT_L4_TCP) {
		ports = true;
		sp = ip->u.tcp.sport;
		dp = ip->u.tcp.dport;
	} else if (ip->l4 == DS_PKT_L4_UDP) {
		ports = true;
		sp = ip->u.udp.sport;
		dp = ip->u.udp.dport;
	}
	out_c(o, ' ');
	line_endpoint(o, &ip->src, ports, sp);
	cli_out_str(o, " > ");
	line_endpoint(o, &ip->dst, ports, dp);
}

static void
line_tcp(struct cli_out *o, const struct ds_pkt_ip *ip)
{
	const struct ds_pkt_tcp *t = &ip->u.tcp;

	out_c(o, ' ');
	out_tcp_flags(o, t->flags);
	cli_out_str(o, " seq=");
	out_u64(o, t->seq);
	if (t->flags & DS_TCP_ACK) {
		cli_out_str(o, " ack=");
		out_u64(o, t->ack);
	}
	cli_out_str(o, " win=");
	out_u64(o, t->window);
	if (t->has_mss) {
		cli_out_str(o, " mss=");
		out_u64(o, t->mss);
	}
	if (t->has_wscale) {
		cli_out_str(o, " ws=");
		out_u64(o, t->wscale);
	}
	if (t->sack_ok)
		cli_out_str(o, " sackok");
	if (t->has_ts) {
		cli_out_str(o, " ts=");
		out_u64(o, t->ts_val);
		out_c(o, '/');
		out_u64(o, t->ts_ecr);
	}
	cli_out_str(o, " len=");
	out_u64(o, l4_payload(ip, t->doff));
}

static void
out_code_token(struct cli_out *o, uint8_t type, uint8_t code)
{
	const char *s = ds_packet_icmp6_code_name(type, code);

	out_c(o, '(');
	if (s) {
		out_token(o, s);
	} else {
		cli_out_str(o, "code=");
		out_u64(o, code);
	}
	out_c(o, ')');
}

/* The names of a DNSSL option, "example.com,example.net". */
static void
line_dnssl(
    struct cli_out *o, const struct ds_pkt_ndopt *n, const struct frame *f)
{
	uint32_t no = n->u.dnssl.names_off, nl = n->u.dnssl.names_len;
	char name[DS_PKT_NAME_STRLEN];
	size_t pos = 0;

	if (no > f->caplen || nl > f->caplen - no)
		return;
	for (unsigned k = 0; k < 64; k++) {
		int r = ds_packet_dns_name(
		    f->data + no, nl, &pos, name, sizeof(name));

		if (r <= 0)
			break;
		out_c(o, k ? ',' : ' ');
		cli_out_put(o, name,
		    (size_t)r < sizeof(name) ? (size_t)r : sizeof(name) - 1);
	}
}

static void
line_ndopts(struct cli_out *o, const struct ds_pkt *p, const struct frame *f)
{
	const struct ds_pkt_icmp6 *m = &p->icmp6;

	for (unsigned i = 0; i < m->n_ndopt && i < DS_PKT_MAX_NDOPT; i++) {
		const struct ds_pkt_ndopt *n = &p->u.nd_opt[i];

		switch (n->type) {
		case 1:
		case 2:
			cli_out_str(o, n->type == 1 ? " sll " : " tll ");
			if (n->len == 1)
				out_mac(o, &n->u.lladdr);
			else
				out_c(o, '?');
			break;
		case 3: {
			struct ds_prefix pf = {
			    n->u.prefix.prefix, n->u.prefix.plen};
			char *b = cli_out_reserve(o, DS_PREFIX_STRLEN + 8);
			int k;

			memcpy(b, " prefix ", 8);
			k = ds_prefix_format(&pf, 0, b + 8, DS_PREFIX_STRLEN);
			if (k > 0 && k < DS_PREFIX_STRLEN)
				o->len += 8 + (size_t)k;
			break;
		}
		case 5:
			cli_out_str(o, " mtu ");
			out_u64(o, n->u.mtu);
			break;
		case 24: {
			struct ds_prefix pf = {
			    n->u.route.prefix, n->u.route.plen};
			char *b = cli_out_reserve(o, DS_PREFIX_STRLEN + 7);
			int k;

			memcpy(b, " route ", 7);
			k = ds_prefix_format(&pf, 0, b + 7, DS_PREFIX_STRLEN);
			if (k > 0 && k < DS_PREFIX_STRLEN)
				o->len += 7 + (size_t)k;
			cli_out_str(o, " pref=");
			cli_out_str(o, ds_packet_prf_name(n->u.route.prf & 3));
			break;
		}
		case 25:
			cli_out_str(o, " rdnss");
			for (unsigned k = 0; k < n->u.rdnss.n_addr; k++) {
				unsigned a = n->u.rdnss.addr_first + k;

				if (a >= DS_PKT_MAX_ADDR)
					break;
				out_c(o, k ? ',' : ' ');
				out_addr(o, &p->addr[a]);
			}
			if (n->u.rdnss.addr_count > n->u.rdnss.n_addr)
				cli_out_str(o, ",...");
			break;
		case 31:
			cli_out_str(o, " dnssl");
			line_dnssl(o, n, f);
			break;
		case 14:
			cli_out_str(o, " nonce");
			break;
		case 4:
			cli_out_str(o, " redirected");
			break;
		default:
			cli_out_str(o, " ndopt=");
			out_u64(o, n->type);
			break;
		}
	}
	if (m->ndopt_count > m->n_ndopt)
		cli_out_str(o, " ...");
}

static const char *const mldrec_token[7] = {
    NULL,
    "is_in",
    "is_ex",
    "to_in",
    "to_ex",
    "allow",
    "block",
};

static void line_ip(struct cli_out *o, const struct ds_pkt *p,
    const struct ds_pkt_ip *ip, bool inner, const struct frame *f);

static void
line_icmp6(struct cli_out *o, const struct ds_pkt *p,
    const struct ds_pkt_ip *ip, bool inner, const struct frame *f)
{
	const struct ds_pkt_icmp *ic = &ip->u.icmp;
	const struct ds_pkt_icmp6 *m = &p->icmp6;
	const char *tok = icmp6_token(ic->type);
	bool body = !inner && l4_body_ok(ip, DS_PKT_LAYER_ICMP6);

	out_c(o, ' ');
	if (tok) {
		cli_out_str(o, tok);
	} else {
		const char *s = ds_packet_icmp6_type_name(ic->type);

		if (s)
			out_token(o, s);
		else
			cli_out_str(o, "type=");
		if (!s)
			out_u64(o, ic->type);
		cli_out_str(o, " code=");
		out_u64(o, ic->code);
	}
	switch (ic->type) {
	case 1:
	case 3:
	case 4:
		out_code_token(o, ic->type, ic->code);
		if (ic->type == 4) {
			cli_out_str(o, " ptr=");
			out_u64(o, ic->word);
		}
		break;
	case 2:
		cli_out_str(o, " mtu=");
		out_u64(o, ic->word);
		break;
	case 128:
	case 129:
		cli_out_str(o, " id=");
		out_u64(o, ic->id);
		cli_out_str(o, " seq=");
		out_u64(o, ic->seq);
		break;
	case 130:
	case 131:
	case 132:
		if (!body)
			break;
		if (ic->type == 130 && m->mldv2)
			cli_out_str(o, " v2");
		cli_out_str(o, " group ");
		out_addr(o, &m->group);
		break;
	case 143:
		if (!body)
			break;
		cli_out_str(o, " records=");
		out_u64(o, m->nrec);
		for (unsigned i = 0; i < m->n_mldrec && i < DS_PKT_MAX_MLDREC;
		     i++) {
			const struct ds_pkt_mldrec *r = &p->u.mld_rec[i];

			out_c(o, ' ');
			if (r->type >= 1 && r->type <= 6) {
				cli_out_str(o, mldrec_token[r->type]);
			} else {
				cli_out_str(o, "rec");
				out_u64(o, r->type);
			}
			out_c(o, '(');
			out_addr(o, &r->group);
			out_c(o, ')');
		}
		break;
	case 134:
		if (!body)
			break;
		cli_out_str(o, " hop=");
		out_u64(o, m->cur_hop_limit);
		if (m->managed)
			cli_out_str(o, " M");
		if (m->other)
			cli_out_str(o, " O");
		if (m->home_agent)
			cli_out_str(o, " H");
		if (m->proxy)
			cli_out_str(o, " P");
		cli_out_str(o, " pref=");
		cli_out_str(o, ds_packet_prf_name(m->prf & 3));
		cli_out_str(o, " life=");
		out_u64(o, m->router_lifetime);
		break;
	case 135:
	case 136:
	case 137:
		if (!body)
			break;
		cli_out_str(o, " tgt=");
		out_addr(o, &m->target);
		if (ic->type == 136) {
			if (m->router)
				cli_out_str(o, " R");
			if (m->solicited)
				cli_out_str(o, " S");
			if (m->override)
				cli_out_str(o, " O");
		}
		if (ic->type == 137) {
			cli_out_str(o, " dst=");
			out_addr(o, &m->dest);
		}
		break;
	default:
		break;
	}
	if (body && ic->type >= 133 && ic->type <= 137)
		line_ndopts(o, p, f);
	if (!inner && p->has_inner && p->inner.version) {
		cli_out_str(o, " {");
		line_ip(o, p, &p->inner, true, f);
		out_c(o, '}');
	}
}

static void
line_icmp4(struct cli_out *o, const struct ds_pkt *p,
    const struct ds_pkt_ip *ip, bool inner, const struct frame *f)
{
	const struct ds_pkt_icmp *ic = &ip->u.icmp;
	const char *tok = icmp4_token(ic->type);

	out_c(o, ' ');
	if (tok) {
		cli_out_str(o, tok);
	} else {
		const char *s = ds_packet_icmp4_type_name(ic->type);

		if (s) {
			out_token(o, s);
		} else {
			cli_out_str(o, "type=");
			out_u64(o, ic->type);
		}
	}
	switch (ic->type) {
	case 0:
	case 8:
		cli_out_str(o, " id=");
		out_u64(o, ic->id);
		cli_out_str(o, " seq=");
		out_u64(o, ic->seq);
		break;
	case 3:
		cli_out_str(o, " code=");
		out_u64(o, ic->code);
		/* Fragmentation needed carries the next-hop MTU (RFC 1191). */
		if (ic->code == 4) {
			cli_out_str(o, " mtu=");
			out_u64(o, ic->word & 0xffff);
		}
		break;
	default:
		if (ic->code) {
			cli_out_str(o, " code=");
			out_u64(o, ic->code);
		}
		break;
	}
	if (!inner && p->has_inner && p->inner.version) {
		cli_out_str(o, " {");
		line_ip(o, p, &p->inner, true, f);
		out_c(o, '}');
	}
}

/* IPv4 options for the line: their short names, NOP and EOL left out. */
static void
line_ip4opts(
    struct cli_out *o, const struct ds_pkt *p, const struct ds_pkt_ip *ip)
{
	const struct ds_pkt_optlist *l = &ip->opts;
	bool open = false;

	if (l->count == 0)
		return;
	for (unsigned i = 0; i < l->n && l->first + i < DS_PKT_MAX_OPT; i++) {
		const struct ds_pkt_opt *op = &p->opt[l->first + i];
		const char *s;

		if (op->type <= 1)
			continue;
		cli_out_str(o, open ? "," : " ipopt(");
		open = true;
		s = ds_packet_ip4opt_name(op->type);
		if (s) {
			cli_out_str(o, s);
		} else {
			cli_out_str(o, "opt=");
			out_u64(o, op->type);
		}
	}
	if (open)
		out_c(o, ')');
}

/*
 * "IPv6 hbh(RA) frag(off=0,M,id=0x1234) udp 2001:db8::1.546 >
 * ff02::1:2.547 len=16": the chain, the addresses, the upper-layer facts.
 * An invoking packet (inner) gets the same, without ICMPv6 details.
 */
static void
line_ip(struct cli_out *o, const struct ds_pkt *p, const struct ds_pkt_ip *ip,
    bool inner, const struct frame *f)
{
	if (ip->version == 6) {
		cli_out_str(o, "IPv6");
		for (unsigned i = 0; i < ip->n_ext && i < DS_PKT_MAX_EXT; i++)
			line_ext(o, p, &ip->ext[i]);
		if (ip->ext_count > ip->n_ext) {
			cli_out_str(o, " ...+");
			out_u64(o, (uint64_t)(ip->ext_count - ip->n_ext));
		}
	} else {
		cli_out_str(o, "IPv4");
		if (ip->mf || ip->frag_off) {
			cli_out_str(o, " frag(off=");
			out_u64(o, ip->frag_off);
			if (ip->mf)
				cli_out_str(o, ",M");
			cli_out_str(o, ",id=");
			out_hex(o, ip->id, 1);
			out_c(o, ')');
		}
		line_ip4opts(o, p, ip);
	}
	line_l4_token(o, ip);
	line_addresses(o, ip);
	switch (ip->l4) {
	case DS_PKT_L4_TCP:
		/* l4 is TCP once the fixed 20 octets are read. */
		if (!inner)
			line_tcp(o, ip);
		break;
	case DS_PKT_L4_UDP:
		if (!inner) {
			cli_out_str(o, " len=");
			out_u64(o, ip->u.udp.len >= 8 ? ip->u.udp.len - 8 : 0);
		}
		break;
	case DS_PKT_L4_ICMP6:
		line_icmp6(o, p, ip, inner, f);
		break;
	case DS_PKT_L4_ICMP4:
		line_icmp4(o, p, ip, inner, f);
		break;
	case DS_PKT_L4_FRAGMENT:
		if (!inner) {
			cli_out_str(o, " len=");
			out_u64(o, l4_payload(ip, 0));
		}
		break;
	default:
		break;
	}
}

static void
line_anomalies(struct cli_out *o, uint32_t anom)
{
	bool first = true;

	if (!anom)
		return;
	cli_out_str(o, " [anomaly: ");
	for (unsigned b = 0; b < 32; b++) {
		if (!(anom & (1u << b)))
			continue;
		if (!first)
			cli_out_str(o, ", ");
		first = false;
		out_anom_token(o, b);
	}
	out_c(o, ']');
}

/* "[truncated in frag at 62]", "[malformed tcp at 54: header-length]". */
static void
line_error(struct cli_out *o, const struct ds_pkt_err *e)
{
	if (e->kind == DS_PKT_ERR_NONE)
		return;
	cli_out_str(o, " [");
	switch (e->kind) {
	case DS_PKT_ERR_TRUNC_CAPTURE:
		cli_out_str(o, "truncated in ");
		break;
	case DS_PKT_ERR_TRUNC_PACKET:
		cli_out_str(o, "packet ends in ");
		break;
	default:
		cli_out_str(o, "malformed ");
		break;
	}
	out_layer_token(o, e);
	cli_out_str(o, " at ");
	out_u64(o, e->off);
	if (e->kind == DS_PKT_ERR_MALFORMED && e->why != DS_PKT_WHY_NONE) {
		cli_out_str(o, ": ");
		out_token(o, ds_packet_why_name(e->why));
	}
	out_c(o, ']');
}

/* A frame without an IP packet: "ARP 02:00:00:00:00:01 > ff:...". */
static void
line_non_ip(struct cli_out *o, const struct ds_pkt *p)
{
	const struct ds_pkt_link *l = &p->link;
	const char *s =
	    l->ethertype ? ds_packet_ethertype_name(l->ethertype) : NULL;

	out_c(o, ' ');
	if (s) {
		cli_out_str(o, s);
	} else if (l->ethertype) {
		cli_out_str(o, "ethertype=");
		out_hex(o, l->ethertype, 4);
	} else {
		cli_out_str(o, "link");
	}
	if (l->type == DS_LINK_EN10MB && l->len >= 14) {
		out_c(o, ' ');
		out_mac(o, &l->src);
		cli_out_str(o, " > ");
		out_mac(o, &l->dst);
	}
	cli_out_str(o, " len=");
	out_u64(o, p->wirelen);
}

static void
line_packet(struct dissect *d, const struct ds_capture_packet *cp, int rc)
{
	struct cli_out *o = &d->o;
	const struct ds_pkt *p = &d->pkt;

	out_time(d, cp);
	if (rc < 0) {
		const char *s = ds_capture_linktype_name(cp->linktype);

		cli_out_str(o, " link=");
		if (s)
			cli_out_str(o, s);
		else
			out_u64(o, (uint64_t)(unsigned)cp->linktype);
		cli_out_str(o, " len=");
		out_u64(o, cp->wirelen);
		cli_out_str(o, " [not decoded: link type]\n");
		return;
	}
	if (p->link.n_vlan) {
		cli_out_str(o, " vlan(");
		for (unsigned i = 0; i < p->link.n_vlan && i < DS_PKT_MAX_VLAN;
		     i++) {
			if (i)
				out_c(o, ',');
			out_u64(o, p->link.vlan[i].vid);
		}
		out_c(o, ')');
	}
	if (p->ip.version) {
		struct frame f = {cp->data, cp->caplen};

		out_c(o, ' ');
		line_ip(o, p, &p->ip, false, &f);
	} else {
		line_non_ip(o, p);
	}
	line_anomalies(o, p->ip.anom);
	line_error(o, &p->ip.err);
	out_c(o, '\n');
}

/* --- Every field: the -v tree and JSON ------------------------------------ */

/*
 * One set of calls writes both the field tree and the JSON object, so the
 * two always hold the same fields. In the tree each line starts with the
 * field's offset from the start of the frame; in JSON the offset is a
 * member ("off") of each header, option and record, and fields at fixed
 * places follow from it.
 */
struct emit {
	struct cli_out *o;
	bool json;
	struct jw j;
	unsigned level;
	const uint8_t *data; /* the frame, for DNSSL names */
	uint32_t caplen;
};

/* "   54  " and two blanks per level: the offset column of the tree. */
static void
tree_start(struct emit *e, uint32_t off)
{
	char tmp[10], *q = tmp + sizeof(tmp);
	unsigned level = e->level < JW_DEPTH ? e->level : JW_DEPTH;
	char *p;

	do {
		*--q = (char)('0' + off % 10);
		off /= 10;
	} while (off);
	while (q > tmp + sizeof(tmp) - 5)
		*--q = ' ';
	p = cli_out_reserve(e->o, sizeof(tmp) + 2 + 2 * JW_DEPTH);
	memcpy(p, q, (size_t)(tmp + sizeof(tmp) - q));
	p += tmp + sizeof(tmp) - q;
	memset(p, ' ', 2 + 2 * level);
	p += 2 + 2 * level;
	e->o->len = (size_t)(p - e->o->buf);
}

static void
tree_key(struct emit *e, uint32_t off, const char *key)
{
	tree_start(e, off);
	cli_out_str(e->o, key);
	cli_out_put(e->o, ": ", 2);
}

/* A header of the chain: {"header":"ipv6","off":14,"len":40, ...}. */
static void
e_hdr(struct emit *e, const char *name, uint32_t off, uint32_t len)
{
	if (e->json) {
		jw_open(&e->j, NULL, '{');
		jw_str(&e->j, "header", name);
		jw_u64(&e->j, "off", off);
		jw_u64(&e->j, "len", len);
		return;
	}
	tree_start(e, off);
	cli_out_str(e->o, name);
	cli_out_str(e->o, " (");
	out_u64(e->o, len);
	cli_out_str(e->o, len == 1 ? " byte)\n" : " bytes)\n");
	e->level++;
}

/* An element of a list (an option, a record): {"off":N, ...}. */
static void
e_item(struct emit *e, const char *what, uint32_t off)
{
	if (e->json) {
		jw_open(&e->j, NULL, '{');
		jw_u64(&e->j, "off", off);
		return;
	}
	tree_start(e, off);
	cli_out_str(e->o, what);
	out_c(e->o, '\n');
	e->level++;
}

static void
e_end(struct emit *e)
{
	if (e->json)
		jw_close(&e->j, '}');
	else if (e->level)
		e->level--;
}

/* A named list ("options": [...]); the tree shows its items only. */
static void
e_list(struct emit *e, const char *key)
{
	if (e->json)
		jw_open(&e->j, key, '[');
}

static void
e_list_end(struct emit *e)
{
	if (e->json)
		jw_close(&e->j, ']');
}

/* A named object inside a header ("invoking": {...}). */
static void
e_obj(struct emit *e, const char *key, uint32_t off)
{
	if (e->json) {
		jw_open(&e->j, key, '{');
		return;
	}
	tree_start(e, off);
	cli_out_str(e->o, key);
	out_c(e->o, '\n');
	e->level++;
}

static void
e_u(struct emit *e, uint32_t off, const char *key, uint64_t v)
{
	if (e->json) {
		jw_u64(&e->j, key, v);
		return;
	}
	tree_key(e, off, key);
	out_u64(e->o, v);
	out_c(e->o, '\n');
}

/* A number shown in hex in the tree (identifiers, checksums); JSON keeps
 * numbers as numbers. */
static void
e_x(struct emit *e, uint32_t off, const char *key, uint64_t v, unsigned w)
{
	if (e->json) {
		jw_u64(&e->j, key, v);
		return;
	}
	tree_key(e, off, key);
	out_hex(e->o, v, w);
	out_c(e->o, '\n');
}

/* A number with its name: the tree shows both, JSON the number and, when
 * there is a name, key_name. */
static void
e_un(
    struct emit *e, uint32_t off, const char *key, uint64_t v, const char *name)
{
	if (e->json) {
		jw_u64(&e->j, key, v);
		if (name) {
			/* "key_name": no printf on this path. */
			char k[40];
			size_t kl = strlen(key);

			if (kl > sizeof(k) - 6)
				kl = sizeof(k) - 6;
			memcpy(k, key, kl);
			memcpy(k + kl, "_name", 6);
			jw_str(&e->j, k, name);
		}
		return;
	}
	tree_key(e, off, key);
	out_u64(e->o, v);
	if (name) {
		cli_out_str(e->o, " (");
		cli_out_str(e->o, name);
		out_c(e->o, ')');
	}
	out_c(e->o, '\n');
}

static void
e_s(struct emit *e, uint32_t off, const char *key, const char *s)
{
	if (e->json) {
		jw_name(&e->j, key, s);
		return;
	}
	tree_key(e, off, key);
	cli_out_str(e->o, s ? s : "-");
	out_c(e->o, '\n');
}

static void
e_b(struct emit *e, uint32_t off, const char *key, bool v)
{
	if (e->json) {
		jw_bool(&e->j, key, v);
		return;
	}
	tree_key(e, off, key);
	cli_out_str(e->o, v ? "yes\n" : "no\n");
}

static void
e_addr(struct emit *e, uint32_t off, const char *key, const struct ds_addr *a)
{
	if (e->json) {
		jw_addr(&e->j, key, a);
		return;
	}
	tree_key(e, off, key);
	out_addr(e->o, a);
	out_c(e->o, '\n');
}

/* An address in a list: a JSON string in an array, a line in the tree. */
static void
e_addr_item(
    struct emit *e, uint32_t off, const char *key, const struct ds_addr *a)
{
	if (e->json) {
		jw_addr(&e->j, NULL, a);
		return;
	}
	e_addr(e, off, key, a);
}

static void
e_mac(struct emit *e, uint32_t off, const char *key, const struct ds_mac *m)
{
	if (e->json) {
		jw_mac(&e->j, key, m);
		return;
	}
	tree_key(e, off, key);
	out_mac(e->o, m);
	out_c(e->o, '\n');
}

static void
e_prefix(struct emit *e, uint32_t off, const char *key, const struct ds_addr *a,
    unsigned len)
{
	struct ds_prefix pf = {*a, len};
	char buf[DS_PREFIX_STRLEN];

	if (ds_prefix_format(&pf, 0, buf, sizeof(buf)) < 0)
		strcpy(buf, "?");
	e_s(e, off, key, buf);
}

/* 2^32 - 1 is "infinity" for ND lifetimes (RFC 4861 section 4.6.2). */
static void
e_lifetime(struct emit *e, uint32_t off, const char *key, uint32_t v)
{
	if (!e->json && v == 0xffffffffu) {
		e_s(e, off, key, "infinity");
		return;
	}
	e_u(e, off, key, v);
}

/* Bytes as hex text: SLL link addresses. */
static void
e_hexbytes(
    struct emit *e, uint32_t off, const char *key, const uint8_t *b, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char buf[3 * 8 + 1];
	size_t k = 0;

	for (size_t i = 0; i < n && i < 8; i++) {
		if (i)
			buf[k++] = ':';
		buf[k++] = hex[b[i] >> 4];
		buf[k++] = hex[b[i] & 0xf];
	}
	buf[k] = '\0';
	e_s(e, off, key, buf);
}

static void
e_anomalies(struct emit *e, uint32_t off, uint32_t anom)
{
	if (e->json) {
		jw_open(&e->j, "anomalies", '[');
		for (unsigned b = 0; b < 32; b++) {
			if (!(anom & (1u << b)))
				continue;
			jw_key(&e->j, NULL);
			out_c(e->o, '"');
			out_anom_token(e->o, b);
			out_c(e->o, '"');
		}
		jw_close(&e->j, ']');
		return;
	}
	for (unsigned b = 0; b < 32; b++) {
		const char *s;

		if (!(anom & (1u << b)))
			continue;
		tree_key(e, off, "anomaly");
		out_anom_token(e->o, b);
		s = ds_packet_anom_name(1u << b);
		if (s) {
			cli_out_str(e->o, " (");
			cli_out_str(e->o, s);
			out_c(e->o, ')');
		}
		out_c(e->o, '\n');
	}
}

static void
e_error(struct emit *e, const struct ds_pkt_err *er)
{
	if (er->kind == DS_PKT_ERR_NONE)
		return;
	if (e->json) {
		jw_open(&e->j, "error", '{');
		jw_str(&e->j, "kind", err_kind_token(er->kind));
		jw_key(&e->j, "layer");
		out_c(e->o, '"');
		out_layer_token(e->o, er);
		out_c(e->o, '"');
		if (er->why != DS_PKT_WHY_NONE)
			jw_str(&e->j, "why", ds_packet_why_name(er->why));
		if (er->layer == DS_PKT_LAYER_EXT ||
		    er->layer == DS_PKT_LAYER_EXT_OPT) {
			jw_u64(&e->j, "proto", er->proto);
			jw_u64(&e->j, "index", er->index);
		}
		jw_u64(&e->j, "off", er->off);
		jw_u64(&e->j, "end", er->end);
		jw_close(&e->j, '}');
		return;
	}
	tree_key(e, er->off, "error");
	cli_out_str(e->o, err_kind_token(er->kind));
	cli_out_str(e->o, " in ");
	out_layer_token(e->o, er);
	cli_out_str(e->o, " (");
	cli_out_str(e->o, ds_packet_err_kind_name(er->kind));
	cli_out_str(e->o, ", ");
	cli_out_str(e->o, ds_packet_layer_name(er->layer));
	if (er->why != DS_PKT_WHY_NONE) {
		cli_out_str(e->o, ", ");
		cli_out_str(e->o, ds_packet_why_name(er->why));
	}
	cli_out_str(e->o, "), ");
	cli_out_str(e->o,
	    er->kind == DS_PKT_ERR_MALFORMED ? "field at " : "needed up to ");
	out_u64(e->o, er->end);
	out_c(e->o, '\n');
}

/* Options of HbH, DestOpts, IPv4 and TCP; names from the right table. */
enum opt_family { OPT_IP6, OPT_IP4, OPT_TCP };

static void
e_opts(struct emit *e, const struct ds_pkt *p, const struct ds_pkt_optlist *l,
    enum opt_family fam)
{
	e_list(e, "options");
	for (unsigned i = 0; i < l->n && l->first + i < DS_PKT_MAX_OPT; i++) {
		const struct ds_pkt_opt *op = &p->opt[l->first + i];
		const char *name = fam == OPT_IP6 ? ds_packet_opt_name(op->type)
		    : fam == OPT_IP4 ? ds_packet_ip4opt_name(op->type)
		                     : ds_packet_tcpopt_name(op->type);

		e_item(e, "option", op->off);
		e_un(e, op->off, "type", op->type, name);
		e_u(e, op->off + 1, "len", op->len);
		switch (fam == OPT_TCP ? op->type + 0x100 : op->type) {
		case 0x05:  /* Router Alert */
		case 0xc2:  /* Jumbo Payload */
		case 0x04:  /* Tunnel Encapsulation Limit */
		case 0x102: /* TCP MSS */
		case 0x103: /* TCP window scale */
		case 0x105: /* TCP SACK blocks */
			if (fam == OPT_IP4)
				break;
			e_u(e, op->off + 2, "value", op->value);
			break;
		case 0x108: /* TCP timestamps */
			e_u(e, op->off + 2, "ts_val", op->value);
			e_u(e, op->off + 6, "ts_ecr", op->value2);
			break;
		default:
			break;
		}
		e_end(e);
	}
	e_list_end(e);
	if (l->count > l->n)
		e_u(e, 0, "options_not_shown", (uint64_t)(l->count - l->n));
}

static void
e_addr_pool(struct emit *e, const struct ds_pkt *p, const char *key,
    uint32_t off, unsigned stride, unsigned first, unsigned n, unsigned count)
{
	e_list(e, key);
	for (unsigned i = 0; i < n && first + i < DS_PKT_MAX_ADDR; i++)
		e_addr_item(
		    e, off + stride * i, "address", &p->addr[first + i]);
	e_list_end(e);
	if (count > n)
		e_u(e, off, "addresses_not_shown", (uint64_t)(count - n));
}

static void
e_ext(struct emit *e, const struct ds_pkt *p, const struct ds_pkt_ext *x)
{
	const char *ab = ds_packet_ext_abbrev(x->type);
	char name[16];
	uint32_t o = x->off;

	if (ab) {
		size_t i;

		for (i = 0; ab[i] && i < sizeof(name) - 1; i++)
			name[i] = (char)(ab[i] >= 'A' && ab[i] <= 'Z'
			        ? ab[i] - 'A' + 'a'
			        : ab[i]);
		name[i] = '\0';
	} else {
		snprintf(name, sizeof(name), "proto%u", x->type);
	}
	e_hdr(e, name, o, x->len);
	e_un(e, o, "proto", x->type, ds_packet_proto_name(x->type));
	if (x->type != 50) {
		e_un(e, o, "next_header", x->next,
		    ds_packet_proto_name(x->next));
		e_u(e, o + 1, "length_field", x->len_field);
	}
	switch (x->type) {
	case 0:
	case 60:
		e_opts(e, p, &x->u.opts, OPT_IP6);
		break;
	case 43: {
		const struct ds_pkt_ext_rt *r = &x->u.rt;

		e_un(e, o + 2, "routing_type", r->type,
		    ds_packet_rt_name(r->type));
		e_u(e, o + 3, "segments_left", r->segleft);
		if (r->type == 3) {
			e_u(e, o + 4, "cmpr_i", r->cmpr_i);
			e_u(e, o + 4, "cmpr_e", r->cmpr_e);
			e_u(e, o + 5, "pad", r->pad);
		}
		if (r->type == 4) {
			e_u(e, o + 4, "last_entry", r->last_entry);
			e_x(e, o + 5, "flags", r->flags, 2);
			e_x(e, o + 6, "tag", r->tag, 4);
		}
		e_addr_pool(e, p, "addresses", o + 8, r->type == 3 ? 0 : 16,
		    r->addr_first, r->n_addr, r->addr_count);
		e_u(e, o + 8, "address_count", r->addr_count);
		if (r->type == 4 && r->tlv_len) {
			e_u(e, r->tlv_off, "tlv_off", r->tlv_off);
			e_u(e, r->tlv_off, "tlv_len", r->tlv_len);
		}
		break;
	}
	case 44: {
		const struct ds_pkt_ext_frag *f = &x->u.frag;

		e_u(e, o + 2, "offset", f->offset);
		e_b(e, o + 3, "more", f->more);
		e_b(e, o + 2, "atomic", f->atomic);
		e_x(e, o + 4, "id", f->id, 8);
		e_u(e, o + 1, "reserved", f->res);
		e_u(e, o + 3, "reserved2", f->res2);
		break;
	}
	case 51: {
		const struct ds_pkt_ext_ah *a = &x->u.ah;

		e_x(e, o + 4, "spi", a->spi, 8);
		e_u(e, o + 8, "seq", a->seq);
		e_u(e, a->icv_off, "icv_off", a->icv_off);
		e_u(e, a->icv_off, "icv_len", a->icv_len);
		break;
	}
	case 50:
		e_x(e, o, "spi", x->u.esp.spi, 8);
		e_u(e, o + 4, "seq", x->u.esp.seq);
		break;
	case 135:
		e_u(e, o + 2, "mh_type", x->u.mob.mh_type);
		e_x(e, o + 4, "checksum", x->u.mob.checksum, 4);
		break;
	case 139:
		e_u(e, o + 2, "packet_type", x->u.hip.packet_type);
		e_u(e, o + 3, "version", x->u.hip.version);
		e_x(e, o + 4, "checksum", x->u.hip.checksum, 4);
		e_x(e, o + 6, "controls", x->u.hip.controls, 4);
		break;
	case 140:
		e_b(e, o + 2, "payload", x->u.shim6.payload);
		e_u(e, o + 2, "type", x->u.shim6.type);
		e_x(e, o + 4, "checksum", x->u.shim6.checksum, 4);
		break;
	default:
		break;
	}
	e_end(e);
}

static void
e_tcp(struct emit *e, const struct ds_pkt *p, const struct ds_pkt_ip *ip)
{
	const struct ds_pkt_tcp *t = &ip->u.tcp;
	uint32_t o = ip->l4_off;
	char flags[12];
	size_t n = 0;

	e_hdr(e, "tcp", o, t->doff);
	e_u(e, o, "sport", t->sport);
	e_u(e, o + 2, "dport", t->dport);
	e_u(e, o + 4, "seq", t->seq);
	e_u(e, o + 8, "ack", t->ack);
	e_u(e, o + 12, "data_offset", t->doff);
	static const struct {
		uint16_t bit;
		char c;
	} fl[] = {
	    {DS_TCP_FIN, 'F'},
	    {DS_TCP_SYN, 'S'},
	    {DS_TCP_RST, 'R'},
	    {DS_TCP_PSH, 'P'},
	    {DS_TCP_URG, 'U'},
	    {DS_TCP_ECE, 'E'},
	    {DS_TCP_CWR, 'W'},
	    {DS_TCP_AE, 'A'},
	    {DS_TCP_ACK, '.'},
	};
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if (t->flags & fl[i].bit)
			flags[n++] = fl[i].c;
	flags[n] = '\0';
	e_s(e, o + 13, "flags", flags);
	e_x(e, o + 12, "flag_bits", t->flags, 3);
	e_u(e, o + 14, "window", t->window);
	e_x(e, o + 16, "checksum", t->checksum, 4);
	e_u(e, o + 18, "urgent", t->urgent);
	e_u(e, o + t->doff, "payload_length", l4_payload(ip, t->doff));
	if (t->has_mss)
		e_u(e, o + 20, "mss", t->mss);
	if (t->has_wscale)
		e_u(e, o + 20, "wscale", t->wscale);
	if (t->sack_ok)
		e_b(e, o + 20, "sack_ok", true);
	if (t->has_ts) {
		e_u(e, o + 20, "ts_val", t->ts_val);
		e_u(e, o + 20, "ts_ecr", t->ts_ecr);
	}
	e_opts(e, p, &t->opts, OPT_TCP);
	e_end(e);
}

static void
e_ndopts(struct emit *e, const struct ds_pkt *p)
{
	const struct ds_pkt_icmp6 *m = &p->icmp6;

	e_list(e, "nd_options");
	for (unsigned i = 0; i < m->n_ndopt && i < DS_PKT_MAX_NDOPT; i++) {
		const struct ds_pkt_ndopt *n = &p->u.nd_opt[i];
		uint32_t o = n->off;

		e_item(e, "nd option", o);
		e_un(e, o, "type", n->type, ds_packet_ndopt_name(n->type));
		e_u(e, o + 1, "len", n->len);
		switch (n->type) {
		case 1:
		case 2:
			if (n->len == 1)
				e_mac(e, o + 2, "lladdr", &n->u.lladdr);
			break;
		case 3:
			e_u(e, o + 2, "prefix_len", n->u.prefix.plen);
			e_x(e, o + 3, "flags", n->u.prefix.flags, 2);
			e_b(e, o + 3, "onlink", n->u.prefix.onlink);
			e_b(e, o + 3, "autoconf", n->u.prefix.autoconf);
			e_b(e, o + 3, "router", n->u.prefix.router);
			e_lifetime(e, o + 4, "valid", n->u.prefix.valid);
			e_lifetime(
			    e, o + 8, "preferred", n->u.prefix.preferred);
			e_prefix(e, o + 16, "prefix", &n->u.prefix.prefix,
			    n->u.prefix.plen);
			break;
		case 5:
			e_u(e, o + 4, "mtu", n->u.mtu);
			break;
		case 24:
			e_u(e, o + 2, "prefix_len", n->u.route.plen);
			e_s(e, o + 3, "preference",
			    ds_packet_prf_name(n->u.route.prf & 3));
			e_lifetime(e, o + 4, "lifetime", n->u.route.lifetime);
			e_prefix(e, o + 8, "prefix", &n->u.route.prefix,
			    n->u.route.plen);
			break;
		case 25:
			e_lifetime(e, o + 4, "lifetime", n->u.rdnss.lifetime);
			e_addr_pool(e, p, "servers", o + 8, 16,
			    n->u.rdnss.addr_first, n->u.rdnss.n_addr,
			    n->u.rdnss.addr_count);
			break;
		case 31: {
			uint32_t no = n->u.dnssl.names_off;
			uint32_t nl = n->u.dnssl.names_len;

			e_lifetime(e, o + 4, "lifetime", n->u.dnssl.lifetime);
			e_list(e, "domains");
			/* Offsets within caplen, the decoder promises. */
			if (e->data && no <= e->caplen &&
			    nl <= e->caplen - no) {
				size_t pos = 0;
				char name[DS_PKT_NAME_STRLEN];

				for (unsigned k = 0; k < 64; k++) {
					size_t at = pos;
					int r = ds_packet_dns_name(e->data + no,
					    nl, &pos, name, sizeof(name));

					if (r <= 0)
						break;
					if (e->json)
						jw_str(&e->j, NULL, name);
					else
						e_s(e, no + (uint32_t)at,
						    "domain", name);
				}
			}
			e_list_end(e);
			break;
		}
		default:
			if (n->type != 1 && n->type != 2)
				e_u(e, o + 2, "data_len", n->u.raw.data_len);
			break;
		}
		e_end(e);
	}
	e_list_end(e);
	if (m->ndopt_count > m->n_ndopt)
		e_u(e, 0, "nd_options_not_shown",
		    (uint64_t)(m->ndopt_count - m->n_ndopt));
}

static void e_ip(struct emit *e, const struct ds_pkt *p,
    const struct ds_pkt_ip *ip, bool inner);

static void
e_icmp6(struct emit *e, const struct ds_pkt *p, const struct ds_pkt_ip *ip,
    bool inner)
{
	const struct ds_pkt_icmp *ic = &ip->u.icmp;
	const struct ds_pkt_icmp6 *m = &p->icmp6;
	uint32_t o = ip->l4_off;
	bool body = !inner && l4_body_ok(ip, DS_PKT_LAYER_ICMP6);

	e_hdr(e, "icmp6", o, ip->l4_len);
	e_un(e, o, "type", ic->type, ds_packet_icmp6_type_name(ic->type));
	e_un(e, o + 1, "code", ic->code,
	    ds_packet_icmp6_code_name(ic->type, ic->code));
	e_x(e, o + 2, "checksum", ic->checksum, 4);
	switch (ic->type) {
	case 1:
	case 3:
		e_x(e, o + 4, "unused", ic->word, 8);
		break;
	case 2:
		e_u(e, o + 4, "mtu", ic->word);
		break;
	case 4:
		e_u(e, o + 4, "pointer", ic->word);
		break;
	case 128:
	case 129:
		e_u(e, o + 4, "id", ic->id);
		e_u(e, o + 6, "seq", ic->seq);
		break;
	case 130:
	case 131:
	case 132:
		if (!body)
			break;
		e_u(e, o + 4, "max_resp", m->max_resp);
		e_addr(e, o + 8, "group", &m->group);
		if (ic->type == 130) {
			e_b(e, o + 24, "mldv2", m->mldv2);
			if (m->mldv2) {
				e_b(e, o + 24, "s_flag", m->s_flag);
				e_u(e, o + 24, "qrv", m->qrv);
				e_u(e, o + 25, "qqic", m->qqic);
				e_u(e, o + 26, "nsrc", m->nsrc);
				e_addr_pool(e, p, "sources", o + 28, 16,
				    m->src_first, m->n_src, m->nsrc);
			}
		}
		break;
	case 143:
		if (!body)
			break;
		e_u(e, o + 6, "nrec", m->nrec);
		e_list(e, "records");
		for (unsigned i = 0; i < m->n_mldrec && i < DS_PKT_MAX_MLDREC;
		     i++) {
			const struct ds_pkt_mldrec *r = &p->u.mld_rec[i];

			e_item(e, "record", r->off);
			e_un(e, r->off, "type", r->type,
			    ds_packet_mldrec_name(r->type));
			e_u(e, r->off + 1, "aux_len", r->aux_len);
			e_u(e, r->off + 2, "nsrc", r->nsrc);
			e_addr(e, r->off + 4, "group", &r->group);
			e_addr_pool(e, p, "sources", r->off + 20, 16,
			    r->src_first, r->n_src, r->nsrc);
			e_end(e);
		}
		e_list_end(e);
		break;
	case 134:
		if (!body)
			break;
		e_u(e, o + 4, "cur_hop_limit", m->cur_hop_limit);
		e_x(e, o + 5, "flags", m->ra_flags, 2);
		e_b(e, o + 5, "managed", m->managed);
		e_b(e, o + 5, "other", m->other);
		e_b(e, o + 5, "home_agent", m->home_agent);
		e_b(e, o + 5, "proxy", m->proxy);
		e_s(e, o + 5, "preference", ds_packet_prf_name(m->prf & 3));
		e_u(e, o + 6, "router_lifetime", m->router_lifetime);
		e_u(e, o + 8, "reachable_time", m->reachable);
		e_u(e, o + 12, "retrans_timer", m->retrans);
		break;
	case 136:
		if (!body)
			break;
		e_b(e, o + 4, "router", m->router);
		e_b(e, o + 4, "solicited", m->solicited);
		e_b(e, o + 4, "override", m->override);
		e_addr(e, o + 8, "target", &m->target);
		break;
	case 135:
	case 137:
		if (!body)
			break;
		e_addr(e, o + 8, "target", &m->target);
		if (ic->type == 137)
			e_addr(e, o + 24, "destination", &m->dest);
		break;
	default:
		e_x(e, o + 4, "word", ic->word, 8);
		break;
	}
	if (body && ic->type >= 133 && ic->type <= 137)
		e_ndopts(e, p);
	if (!inner && p->has_inner) {
		e_obj(e, "invoking", p->inner.off);
		e_ip(e, p, &p->inner, true);
		e_end(e);
	}
	e_end(e);
}

static void
e_icmp4(struct emit *e, const struct ds_pkt *p, const struct ds_pkt_ip *ip,
    bool inner)
{
	const struct ds_pkt_icmp *ic = &ip->u.icmp;
	uint32_t o = ip->l4_off;

	e_hdr(e, "icmp", o, ip->l4_len);
	e_un(e, o, "type", ic->type, ds_packet_icmp4_type_name(ic->type));
	e_u(e, o + 1, "code", ic->code);
	e_x(e, o + 2, "checksum", ic->checksum, 4);
	if (ic->type == 0 || ic->type == 8) {
		e_u(e, o + 4, "id", ic->id);
		e_u(e, o + 6, "seq", ic->seq);
	} else {
		e_x(e, o + 4, "word", ic->word, 8);
	}
	if (!inner && p->has_inner) {
		e_obj(e, "invoking", p->inner.off);
		e_ip(e, p, &p->inner, true);
		e_end(e);
	}
	e_end(e);
}

/* The upper layer, last in the chain. */
static void
e_l4(struct emit *e, const struct ds_pkt *p, const struct ds_pkt_ip *ip,
    bool inner)
{
	switch (ip->l4) {
	case DS_PKT_L4_TCP:
		e_tcp(e, p, ip);
		break;
	case DS_PKT_L4_UDP: {
		const struct ds_pkt_udp *u = &ip->u.udp;
		uint32_t o = ip->l4_off;

		e_hdr(e, "udp", o, 8);
		e_u(e, o, "sport", u->sport);
		e_u(e, o + 2, "dport", u->dport);
		if (l4_body_ok(ip, DS_PKT_LAYER_UDP)) {
			e_u(e, o + 4, "length", u->len);
			e_x(e, o + 6, "checksum", u->checksum, 4);
			e_u(e, o + 8, "payload_length",
			    u->len >= 8 ? u->len - 8u : 0);
		}
		e_end(e);
		break;
	}
	case DS_PKT_L4_ICMP6:
		e_icmp6(e, p, ip, inner);
		break;
	case DS_PKT_L4_ICMP4:
		e_icmp4(e, p, ip, inner);
		break;
	case DS_PKT_L4_FRAGMENT:
		e_hdr(e, "data", ip->l4_off, l4_payload(ip, 0));
		e_un(e, ip->l4_off, "proto", ip->proto,
		    ds_packet_proto_name(ip->proto));
		e_end(e);
		break;
	case DS_PKT_L4_NO_NEXT:
		e_hdr(e, "none", ip->l4_off, l4_payload(ip, 0));
		e_end(e);
		break;
	case DS_PKT_L4_OTHER:
		e_hdr(e, "other", ip->l4_off, l4_payload(ip, 0));
		e_un(e, ip->l4_off, "proto", ip->proto,
		    ds_packet_proto_name(ip->proto));
		e_end(e);
		break;
	default:
		break;
	}
}

/* The signature of a chain, for JSON and --stats: "ipv6 hbh frag udp". */
static size_t chain_signature(const struct ds_pkt *p, char *buf, size_t size);

/* An IP packet: its header, extension headers and upper layer, then its
 * anomalies and error. For JSON: "signature", "chain": [...], ... */
static void
e_ip(struct emit *e, const struct ds_pkt *p, const struct ds_pkt_ip *ip,
    bool inner)
{
	uint32_t o = ip->off;

	if (e->json && !inner) {
		char sig[SIG_MAX];
		size_t n = chain_signature(p, sig, sizeof(sig));

		jw_strn(&e->j, "signature", sig, n);
	}
	e_list(e, "chain");
	if (ip->version == 6) {
		e_hdr(e, "ipv6", o, ip->hdr_len);
		e_u(e, o, "version", 6);
		e_un(e, o, "dscp", ip->dscp, ds_packet_dscp_name(ip->dscp));
		e_un(e, o + 1, "ecn", ip->ecn, ds_packet_ecn_name(ip->ecn));
		e_x(e, o + 1, "flow_label", ip->flow_label, 5);
		e_u(e, o + 4, "payload_length", ip->payload_len);
		e_un(e, o + 6, "next_header", ip->next,
		    ds_packet_proto_name(ip->next));
		e_u(e, o + 7, "hop_limit", ip->hop_limit);
		e_addr(e, o + 8, "src", &ip->src);
		e_addr(e, o + 24, "dst", &ip->dst);
		e_u(e, o, "total_length", ip->total_len);
		if (ip->trailer)
			e_u(e, o + ip->total_len, "trailer", ip->trailer);
		e_u(e, o + 6, "ext_count", ip->ext_count);
		e_end(e);
		for (unsigned i = 0; i < ip->n_ext && i < DS_PKT_MAX_EXT; i++)
			e_ext(e, p, &ip->ext[i]);
	} else if (ip->version == 4) {
		e_hdr(e, "ipv4", o, ip->hdr_len);
		e_u(e, o, "version", 4);
		e_u(e, o, "ihl", ip->hdr_len / 4);
		e_un(e, o + 1, "dscp", ip->dscp, ds_packet_dscp_name(ip->dscp));
		e_un(e, o + 1, "ecn", ip->ecn, ds_packet_ecn_name(ip->ecn));
		e_u(e, o + 2, "total_length", ip->total_len);
		e_x(e, o + 4, "id", ip->id, 4);
		e_b(e, o + 6, "evil", ip->evil);
		e_b(e, o + 6, "df", ip->df);
		e_b(e, o + 6, "mf", ip->mf);
		e_u(e, o + 6, "frag_offset", ip->frag_off);
		e_u(e, o + 8, "ttl", ip->hop_limit);
		e_un(e, o + 9, "protocol", ip->next,
		    ds_packet_proto_name(ip->next));
		e_x(e, o + 10, "checksum", ip->checksum, 4);
		e_addr(e, o + 12, "src", &ip->src);
		e_addr(e, o + 16, "dst", &ip->dst);
		if (ip->trailer)
			e_u(e, o + ip->total_len, "trailer", ip->trailer);
		if (ip->opts.count)
			e_opts(e, p, &ip->opts, OPT_IP4);
		e_end(e);
	}
	/* Version 0: not even the IP header was there (an invoking packet
	 * quoted too short); the chain is empty and the error says why. */
	if (ip->version)
		e_l4(e, p, ip, inner);
	e_list_end(e);
	if (ip->anom || e->json)
		e_anomalies(e, o, ip->anom);
	e_error(e, &ip->err);
}

static void
e_link(struct emit *e, const struct ds_pkt *p, int dlt)
{
	const struct ds_pkt_link *l = &p->link;
	const char *name = ds_capture_linktype_name(dlt);

	if (e->json) {
		jw_open(&e->j, "link", '{');
		jw_name(&e->j, "type", name);
		jw_i64(&e->j, "dlt", dlt);
		jw_u64(&e->j, "len", l->len);
	} else {
		tree_start(e, 0);
		cli_out_str(e->o, "link ");
		cli_out_str(e->o, name ? name : "?");
		cli_out_str(e->o, " (");
		out_u64(e->o, l->len);
		cli_out_str(e->o, " bytes)\n");
		e->level++;
	}
	switch (l->type) {
	case DS_LINK_EN10MB:
		if (l->len < 14)
			break;
		e_mac(e, 0, "dst", &l->dst);
		e_mac(e, 6, "src", &l->src);
		if (e->json) {
			jw_open(&e->j, "vlan", '[');
		}
		for (unsigned i = 0; i < l->n_vlan && i < DS_PKT_MAX_VLAN;
		     i++) {
			const struct ds_pkt_vlan *v = &l->vlan[i];

			e_item(e, "vlan", v->off);
			e_x(e, v->off, "tpid", v->tpid, 4);
			e_u(e, v->off + 2, "vid", v->vid);
			e_u(e, v->off + 2, "pcp", v->pcp);
			e_b(e, v->off + 2, "dei", v->dei);
			e_end(e);
		}
		if (e->json)
			jw_close(&e->j, ']');
		if (l->vlan_count > l->n_vlan)
			e_u(e, 12, "vlan_count", l->vlan_count);
		break;
	case DS_LINK_LINUX_SLL:
		/* packet(7) cooked header v1: type, hatype, halen, address,
		 * protocol. */
		e_u(e, 0, "pkttype", l->sll_pkttype);
		e_u(e, 2, "hatype", l->sll_hatype);
		e_u(e, 4, "halen", l->sll_halen);
		e_hexbytes(e, 6, "addr", l->sll_addr,
		    l->sll_halen < 8 ? l->sll_halen : 8);
		break;
	case DS_LINK_LINUX_SLL2:
		/* v2: protocol, reserved, ifindex, hatype, type, halen,
		 * address. */
		e_u(e, 4, "ifindex", l->sll_ifindex);
		e_u(e, 8, "hatype", l->sll_hatype);
		e_u(e, 10, "pkttype", l->sll_pkttype);
		e_u(e, 11, "halen", l->sll_halen);
		e_hexbytes(e, 12, "addr", l->sll_addr,
		    l->sll_halen < 8 ? l->sll_halen : 8);
		break;
	case DS_LINK_NULL:
	case DS_LINK_LOOP:
		e_u(e, 0, "family", l->family);
		break;
	default:
		break;
	}
	/* The tree shows the EtherType where the header has one; JSON
	 * always (for raw and loopback links it is implied). */
	bool has_type = l->type == DS_LINK_EN10MB ||
	    l->type == DS_LINK_LINUX_SLL || l->type == DS_LINK_LINUX_SLL2;

	if (e->json || (has_type && l->len >= 2)) {
		const char *s = l->ethertype
		    ? ds_packet_ethertype_name(l->ethertype)
		    : NULL;
		uint32_t off = l->type == DS_LINK_LINUX_SLL2 ? 0 : l->len - 2;

		if (e->json) {
			e_un(e, off, "ethertype", l->ethertype, s);
		} else {
			tree_key(e, off, "ethertype");
			out_hex(e->o, l->ethertype, 4);
			if (s) {
				cli_out_str(e->o, " (");
				cli_out_str(e->o, s);
				out_c(e->o, ')');
			}
			out_c(e->o, '\n');
		}
	}
	e_end(e);
}

/* --- Chain signatures and the summary ------------------------------------- */

struct sigbuf {
	char *p;
	size_t len, size;
};

static void
sig_put(struct sigbuf *b, const char *s)
{
	for (; *s && b->len + 1 < b->size; s++) {
		char c = *s;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (c == ' ')
			c = '-';
		b->p[b->len++] = c;
	}
	b->p[b->len] = '\0';
}

/* A token after a blank: " hbh". */
static void
sig_tok(struct sigbuf *b, const char *s)
{
	if (b->len + 1 < b->size) {
		b->p[b->len++] = ' ';
		b->p[b->len] = '\0';
	}
	sig_put(b, s);
}

static void
sig_num(struct sigbuf *b, const char *prefix, unsigned v)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "%s%u", prefix, v);
	sig_put(b, tmp);
}

/*
 * The chain as tokens, lower case, facts left out: the words of the line
 * before the addresses. "ipv6 hbh frag udp", "ipv4 tcp", "arp".
 */
static size_t
chain_signature(const struct ds_pkt *p, char *buf, size_t size)
{
	struct sigbuf b = {buf, 0, size};
	const struct ds_pkt_ip *ip = &p->ip;

	buf[0] = '\0';
	if (!ip->version) {
		const char *s = p->link.ethertype
		    ? ds_packet_ethertype_name(p->link.ethertype)
		    : NULL;

		if (s)
			sig_put(&b, s);
		else if (p->link.ethertype)
			sig_num(&b, "ethertype-", p->link.ethertype);
		else
			sig_put(&b, "link");
		return b.len;
	}
	sig_put(&b, ip->version == 6 ? "ipv6" : "ipv4");
	if (ip->version == 4 && (ip->mf || ip->frag_off))
		sig_tok(&b, "frag");
	for (unsigned i = 0; i < ip->n_ext && i < DS_PKT_MAX_EXT; i++) {
		const char *s = ds_packet_ext_abbrev(ip->ext[i].type);

		if (s) {
			sig_tok(&b, s);
		} else {
			sig_tok(&b, "");
			sig_num(&b, "proto", ip->ext[i].type);
		}
	}
	if (ip->ext_count > ip->n_ext)
		sig_tok(&b, "...");
	switch (ip->l4) {
	case DS_PKT_L4_TCP:
		sig_tok(&b, "tcp");
		break;
	case DS_PKT_L4_UDP:
		sig_tok(&b, "udp");
		break;
	case DS_PKT_L4_ICMP6:
		sig_tok(&b, "icmp6");
		break;
	case DS_PKT_L4_ICMP4:
		sig_tok(&b, "icmp");
		break;
	case DS_PKT_L4_FRAGMENT:
		sig_tok(&b, "data");
		break;
	case DS_PKT_L4_NO_NEXT:
		sig_tok(&b, "none");
		break;
	case DS_PKT_L4_OTHER: {
		const char *s = ds_packet_proto_name(ip->proto);

		if (s && !strchr(s, ' ')) {
			sig_tok(&b, s);
		} else {
			sig_tok(&b, "");
			sig_num(&b, "proto", ip->proto);
		}
		break;
	}
	default:
		break;
	}
	return b.len;
}

/* FNV-1a: a few dozen bytes per packet, distribution is all we need. */
static uint32_t
sig_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static void
stats_chain(struct stats *st, const char *sig, size_t n)
{
	uint32_t h = sig_hash(sig, n);

	for (uint32_t i = 0; i < STATS_SLOTS; i++) {
		struct chain_slot *s = &st->chain[(h + i) % STATS_SLOTS];

		if (s->n == 0) {
			if (st->n_chain >= STATS_MAX_CHAINS) {
				st->chain_other++;
				return;
			}
			st->n_chain++;
			s->hash = h;
			memcpy(s->sig, sig, n + 1);
			s->n = 1;
			return;
		}
		if (s->hash == h && strcmp(s->sig, sig) == 0) {
			s->n++;
			return;
		}
	}
	st->chain_other++;
}

static void
stats_packet(struct dissect *d, const struct ds_capture_packet *cp, int rc)
{
	struct stats *st = &d->st;
	const struct ds_pkt *p = &d->pkt;
	const struct ds_pkt_ip *ip = &p->ip;
	char sig[SIG_MAX];
	unsigned i;

	st->packets++;
	st->bytes += cp->caplen;
	st->wire_bytes += cp->wirelen;
	for (i = 0; i < st->n_link; i++)
		if (st->link[i].dlt == cp->linktype)
			break;
	if (i == st->n_link && i < STATS_MAX_LINKS) {
		st->link[i].dlt = cp->linktype;
		st->n_link++;
	}
	if (i < st->n_link)
		st->link[i].n++;
	if (rc < 0) {
		st->undecoded++;
		return;
	}
	stats_chain(st, sig, chain_signature(p, sig, sizeof(sig)));
	if (!ip->version)
		st->non_ip++;
	if (ip->l4 == DS_PKT_L4_ICMP6)
		st->icmp6[ip->u.icmp.type][ip->u.icmp.code]++;
	else if (ip->l4 == DS_PKT_L4_ICMP4)
		st->icmp4[ip->u.icmp.type][ip->u.icmp.code]++;
	for (uint32_t a = ip->anom; a; a &= a - 1)
		st->anom[__builtin_ctz(a)]++;
	if (ip->anom)
		st->anom_any = true;
	switch (ip->err.kind) {
	case DS_PKT_ERR_TRUNC_CAPTURE:
		st->trunc_capture++;
		break;
	case DS_PKT_ERR_TRUNC_PACKET:
		st->trunc_packet++;
		break;
	case DS_PKT_ERR_MALFORMED:
		st->malformed++;
		break;
	default:
		break;
	}
	if (p->capped)
		st->capped++;
}

static int
cmp_slot(const void *a, const void *b)
{
	const struct chain_slot *x = *(const struct chain_slot *const *)a;
	const struct chain_slot *y = *(const struct chain_slot *const *)b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->sig, y->sig);
}

/* The chains in order: most packets first, then by name. */
static size_t
sorted_chains(struct stats *st, const struct chain_slot **v)
{
	size_t n = 0;

	for (size_t i = 0; i < STATS_SLOTS; i++)
		if (st->chain[i].n)
			v[n++] = &st->chain[i];
	qsort(v, n, sizeof(*v), cmp_slot);
	return n;
}

static void
print_stats_text(struct dissect *d, const struct ds_capture_stats *cs)
{
	struct stats *st = &d->st;
	struct cli_out *o = &d->o;
	static const struct chain_slot *v[STATS_SLOTS];
	size_t n = sorted_chains(st, v);

	out_printf(o, "packets: %llu (%llu bytes captured, %llu on the wire)\n",
	    (unsigned long long)st->packets, (unsigned long long)st->bytes,
	    (unsigned long long)st->wire_bytes);
	cli_out_str(o, "link types:\n");
	for (unsigned i = 0; i < st->n_link; i++) {
		const char *s = ds_capture_linktype_name(st->link[i].dlt);

		if (s)
			out_printf(o, "%10llu  %s\n",
			    (unsigned long long)st->link[i].n, s);
		else
			out_printf(o, "%10llu  %d\n",
			    (unsigned long long)st->link[i].n, st->link[i].dlt);
	}
	cli_out_str(o, "chains:\n");
	for (size_t i = 0; i < n; i++)
		out_printf(
		    o, "%10llu  %s\n", (unsigned long long)v[i]->n, v[i]->sig);
	if (st->chain_other)
		out_printf(o, "%10llu  (other)\n",
		    (unsigned long long)st->chain_other);
	for (int v6 = 1; v6 >= 0; v6--) {
		bool head = false;

		for (unsigned t = 0; t < 256; t++) {
			for (unsigned c = 0; c < 256; c++) {
				uint64_t k =
				    v6 ? st->icmp6[t][c] : st->icmp4[t][c];
				const char *tn, *cn;

				if (!k)
					continue;
				if (!head)
					cli_out_str(
					    o, v6 ? "icmpv6:\n" : "icmp:\n");
				head = true;
				tn = v6 ? ds_packet_icmp6_type_name((uint8_t)t)
				        : ds_packet_icmp4_type_name((uint8_t)t);
				cn = v6 ? ds_packet_icmp6_code_name(
				              (uint8_t)t, (uint8_t)c)
				        : NULL;
				out_printf(o, "%10llu  %u/%u %s%s%s%s\n",
				    (unsigned long long)k, t, c,
				    tn ? tn : "unknown", cn ? " (" : "",
				    cn ? cn : "", cn ? ")" : "");
			}
		}
	}
	cli_out_str(o, "anomalies:");
	cli_out_str(o, st->anom_any ? "\n" : " none\n");
	for (unsigned b = 0; b < 32; b++) {
		if (!st->anom[b])
			continue;
		out_printf(o, "%10llu  ", (unsigned long long)st->anom[b]);
		out_anom_token(o, b);
		out_c(o, '\n');
	}
	out_printf(o,
	    "truncated by the capture: %llu\n"
	    "cut short (length fields): %llu\n"
	    "malformed: %llu\n"
	    "not IP: %llu\n",
	    (unsigned long long)st->trunc_capture,
	    (unsigned long long)st->trunc_packet,
	    (unsigned long long)st->malformed, (unsigned long long)st->non_ip);
	if (st->undecoded)
		out_printf(o, "link type not decoded: %llu\n",
		    (unsigned long long)st->undecoded);
	if (st->capped)
		out_printf(o, "lists cut at a cap: %llu\n",
		    (unsigned long long)st->capped);
	if (cs && cs->have_kernel)
		out_printf(o,
		    "kernel: %llu received, %llu dropped, %llu dropped by "
		    "the interface\n",
		    (unsigned long long)cs->kernel_received,
		    (unsigned long long)cs->kernel_dropped,
		    (unsigned long long)cs->if_dropped);
}

static void
print_stats_json(
    struct dissect *d, const struct ds_capture_stats *cs, bool damaged)
{
	struct stats *st = &d->st;
	static const struct chain_slot *v[STATS_SLOTS];
	size_t n = sorted_chains(st, v);
	struct json j;
	char name[40];

	cli_out_flush(&d->o);
	json_init(&j, stdout, true);
	json_begin_object(&j);
	json_key(&j, "packets");
	json_uint(&j, st->packets);
	json_key(&j, "bytes");
	json_uint(&j, st->bytes);
	json_key(&j, "wire_bytes");
	json_uint(&j, st->wire_bytes);
	json_key(&j, "link_types");
	json_begin_object(&j);
	for (unsigned i = 0; i < st->n_link; i++) {
		const char *s = ds_capture_linktype_name(st->link[i].dlt);

		if (!s) {
			snprintf(name, sizeof(name), "%d", st->link[i].dlt);
			s = name;
		}
		json_key(&j, s);
		json_uint(&j, st->link[i].n);
	}
	json_end(&j);
	json_key(&j, "chains");
	json_begin_array(&j);
	for (size_t i = 0; i < n; i++) {
		json_begin_object(&j);
		json_kv_string(&j, "chain", v[i]->sig);
		json_key(&j, "packets");
		json_uint(&j, v[i]->n);
		json_end(&j);
	}
	if (st->chain_other) {
		json_begin_object(&j);
		json_kv_string(&j, "chain", "(other)");
		json_key(&j, "packets");
		json_uint(&j, st->chain_other);
		json_end(&j);
	}
	json_end(&j);
	for (int v6 = 1; v6 >= 0; v6--) {
		json_key(&j, v6 ? "icmp6" : "icmp");
		json_begin_array(&j);
		for (unsigned t = 0; t < 256; t++) {
			for (unsigned c = 0; c < 256; c++) {
				uint64_t k =
				    v6 ? st->icmp6[t][c] : st->icmp4[t][c];
				const char *tn;

				if (!k)
					continue;
				tn = v6 ? ds_packet_icmp6_type_name((uint8_t)t)
				        : ds_packet_icmp4_type_name((uint8_t)t);
				json_begin_object(&j);
				json_kv_int(&j, "type", t);
				json_kv_int(&j, "code", c);
				if (tn)
					json_kv_string(&j, "name", tn);
				json_key(&j, "packets");
				json_uint(&j, k);
				json_end(&j);
			}
		}
		json_end(&j);
	}
	json_key(&j, "anomalies");
	json_begin_object(&j);
	for (unsigned b = 0; b < 32; b++) {
		if (!st->anom[b])
			continue;
		if (b < 32 && anom_token[b])
			json_key(&j, anom_token[b]);
		else {
			snprintf(name, sizeof(name), "anomaly-bit%u", b);
			json_key(&j, name);
		}
		json_uint(&j, st->anom[b]);
	}
	json_end(&j);
	json_key(&j, "truncated");
	json_uint(&j, st->trunc_capture);
	json_key(&j, "short_packet");
	json_uint(&j, st->trunc_packet);
	json_key(&j, "malformed");
	json_uint(&j, st->malformed);
	json_key(&j, "non_ip");
	json_uint(&j, st->non_ip);
	json_key(&j, "undecoded");
	json_uint(&j, st->undecoded);
	json_key(&j, "capped");
	json_uint(&j, st->capped);
	json_kv_bool(&j, "file_damaged", damaged);
	if (cs && cs->have_kernel) {
		json_key(&j, "kernel");
		json_begin_object(&j);
		json_key(&j, "received");
		json_uint(&j, cs->kernel_received);
		json_key(&j, "dropped");
		json_uint(&j, cs->kernel_dropped);
		json_key(&j, "if_dropped");
		json_uint(&j, cs->if_dropped);
		json_end(&j);
	}
	json_end(&j);
	json_finish(&j);
}

/* --- One packet ----------------------------------------------------------- */

static void
json_packet(struct dissect *d, const struct ds_capture_packet *cp, int rc)
{
	struct emit e = {
	    .o = &d->o, .json = true, .data = cp->data, .caplen = cp->caplen};
	const struct ds_pkt *p = &d->pkt;

	e.j.o = &d->o;
	e.j.first[0] = true;
	jw_open(&e.j, NULL, '{');
	jw_u64(&e.j, "frame", cp->number);
	jw_key(&e.j, "time");
	out_c(&d->o, '"');
	out_rfc3339(d, cp);
	out_c(&d->o, '"');
	jw_i64(&e.j, "ts_sec", cp->sec);
	jw_u64(&e.j, "ts_nsec", cp->nsec);
	jw_u64(&e.j, "caplen", cp->caplen);
	jw_u64(&e.j, "wirelen", cp->wirelen);
	if (rc < 0) {
		jw_open(&e.j, "link", '{');
		jw_name(&e.j, "type", ds_capture_linktype_name(cp->linktype));
		jw_i64(&e.j, "dlt", cp->linktype);
		jw_close(&e.j, '}');
		jw_open(&e.j, "error", '{');
		jw_str(&e.j, "kind", "unsupported-link");
		jw_close(&e.j, '}');
		jw_close(&e.j, '}');
		out_c(&d->o, '\n');
		return;
	}
	e_link(&e, p, cp->linktype);
	if (p->ip.version) {
		struct ds_5tuple t;

		e_ip(&e, p, &p->ip, false);
		/* The 5-tuple, for joining packets to connection logs. */
		if (ds_packet_5tuple(p, &t) == 0) {
			jw_open(&e.j, "tuple", '{');
			jw_u64(&e.j, "proto", t.proto);
			jw_addr(&e.j, "src", &t.src.addr);
			jw_u64(&e.j, "sport", t.src.port);
			jw_addr(&e.j, "dst", &t.dst.addr);
			jw_u64(&e.j, "dport", t.dst.port);
			jw_close(&e.j, '}');
		}
	} else {
		char sig[SIG_MAX];
		size_t n = chain_signature(p, sig, sizeof(sig));

		jw_strn(&e.j, "signature", sig, n);
		jw_open(&e.j, "chain", '[');
		jw_close(&e.j, ']');
		e_anomalies(&e, 0, p->ip.anom);
		e_error(&e, &p->ip.err);
	}
	if (p->capped) {
		static const char *const capped[] = {
		    "ext", "vlan", "opt", "addr", "ndopt", "mldrec"};

		jw_open(&e.j, "capped", '[');
		for (unsigned b = 0; b < 6; b++)
			if (p->capped & (1u << b))
				jw_str(&e.j, NULL, capped[b]);
		jw_close(&e.j, ']');
	}
	jw_close(&e.j, '}');
	out_c(&d->o, '\n');
}

static void
tree_packet(struct dissect *d, const struct ds_capture_packet *cp, int rc)
{
	struct emit e = {.o = &d->o,
	    .json = false,
	    .level = 0,
	    .data = cp->data,
	    .caplen = cp->caplen};
	const struct ds_pkt *p = &d->pkt;
	struct cli_out *o = &d->o;

	cli_out_str(o, "frame ");
	out_u64(o, cp->number);
	out_c(o, ' ');
	time_cache(d, cp->sec);
	cli_out_str(o, d->tc_date);
	out_c(o, ' ');
	cli_out_str(o, d->tc_clock);
	out_frac(d, cp->nsec);
	cli_out_str(o, " UTC caplen ");
	out_u64(o, cp->caplen);
	cli_out_str(o, " wirelen ");
	out_u64(o, cp->wirelen);
	out_c(o, '\n');
	if (rc < 0) {
		cli_out_str(o, "    0  link type not decoded\n\n");
		return;
	}
	e.level = 0;
	e_link(&e, p, cp->linktype);
	if (p->ip.version) {
		e_ip(&e, p, &p->ip, false);
	} else {
		e_anomalies(&e, 0, p->ip.anom);
		e_error(&e, &p->ip.err);
	}
	out_c(o, '\n');
}

/* --- Reading -------------------------------------------------------------- */

static struct ds_capture *volatile g_capture;

static void
on_signal(int sig)
{
	struct ds_capture *c = g_capture;

	(void)sig;
	if (c)
		ds_capture_break(c);
}

/* The remaining arguments, joined with blanks as tcpdump does. */
static char *
join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* Report a failure to open the source; returns the exit status. */
static int
open_error(const char *file, const char *iface, int r, const char *err)
{
	if (file) {
		const char *name =
		    strcmp(file, "-") == 0 ? "standard input" : file;

		if (r == -EBADMSG) {
			cli_error("%s: not a pcap or pcapng file (%s)", name,
			    err[0] ? err : "bad header");
			return EXIT_USAGE;
		}
		if (r == -ENODATA) {
			cli_error("%s: empty, not a pcap or pcapng file", name);
			return EXIT_USAGE;
		}
		cli_error("%s: %s", name, strerror(-r));
		return r == -ENOMEM || r == -EIO ? EXIT_INTERNAL : EXIT_USAGE;
	}
	switch (r) {
	case -EPERM:
		cli_error("capturing on %s needs root or CAP_NET_RAW (%s)",
		    iface, err[0] ? err : "permission denied");
		return EXIT_INTERNAL;
	case -ENODEV:
		cli_error("%s: no such interface", iface);
		return EXIT_USAGE;
	case -ENETDOWN:
		cli_error("%s: the interface is down", iface);
		return EXIT_INTERNAL;
	default:
		cli_error("%s: %s", iface, err[0] ? err : strerror(-r));
		return EXIT_INTERNAL;
	}
}

static int
run(struct dissect *d, struct ds_capture *c, uint64_t count)
{
	struct ds_capture_packet cp;
	uint64_t shown = 0;

	while (count == 0 || shown < count) {
		int r = ds_capture_next(c, &cp);
		int rc;

		if (r == -EAGAIN) {
			if (d->live)
				cli_out_flush(&d->o);
			continue;
		}
		if (r <= 0)
			return r;
		shown++;
		d->last_number = cp.number;
		rc = ds_packet_decode(
		    cp.data, cp.caplen, cp.wirelen, cp.linktype, &d->pkt);
		if (d->stats)
			stats_packet(d, &cp, rc);
		else if (d->json)
			json_packet(d, &cp, rc);
		else if (d->verbose)
			tree_packet(d, &cp, rc);
		else
			line_packet(d, &cp, rc);
		if (d->live && !d->stats)
			cli_out_flush(&d->o);
		if (d->o.failed)
			return 0;
	}
	return 0;
}

static int
cmd_dissect(int argc, char **argv)
{
	enum {
		O_JSON = 256,
		O_STATS,
		O_PROMISC,
		O_TIME,
	};
	static const struct option opts[] = {
	    {"json", no_argument, NULL, O_JSON},
	    {"stats", no_argument, NULL, O_STATS},
	    {"promisc", no_argument, NULL, O_PROMISC},
	    {"time", required_argument, NULL, O_TIME},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static struct dissect d;
	const char *file = NULL, *iface = NULL;
	struct ds_capture_live_opts lo = {0};
	struct ds_capture *cap = NULL;
	struct ds_capture_stats cs;
	char errbuf[DS_CAPTURE_ERRMAX] = "";
	char *filter = NULL;
	uint64_t count = 0;
	int c, r, code = EXIT_OK;
	bool damaged = false;

	memset(&d, 0, sizeof(d));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:i:c:vnh", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			cli_usage(stdout, &cli_cmd_dissect);
			fputs(help_text, stdout);
			return cli_finish_stdout(EXIT_OK);
		case 'r':
			file = optarg;
			break;
		case 'i':
			iface = optarg;
			break;
		case 'c':
			if (cli_parse_u64(optarg, UINT64_MAX, &count) < 0 ||
			    count == 0)
				return cli_usage_error(&cli_cmd_dissect,
				    "-c takes a count from 1, not '%s'",
				    optarg);
			break;
		case 'v':
			d.verbose = true;
			break;
		case 'n':
			break;
		case O_JSON:
			d.json = true;
			break;
		case O_STATS:
			d.stats = true;
			break;
		case O_PROMISC:
			lo.flags |= DS_CAPTURE_PROMISC;
			break;
		case O_TIME:
			if (strcmp(optarg, "clock") == 0)
				d.tfmt = TIME_CLOCK;
			else if (strcmp(optarg, "date") == 0)
				d.tfmt = TIME_DATE;
			else if (strcmp(optarg, "epoch") == 0)
				d.tfmt = TIME_EPOCH;
			else if (strcmp(optarg, "relative") == 0)
				d.tfmt = TIME_RELATIVE;
			else
				return cli_usage_error(&cli_cmd_dissect,
				    "--time takes clock, date, epoch or "
				    "relative, not '%s'",
				    optarg);
			break;
		case ':':
			return cli_usage_error(&cli_cmd_dissect,
			    "option '%s' needs an argument", argv[optind - 1]);
		default:
			return cli_usage_error(&cli_cmd_dissect,
			    "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!file == !iface)
		return cli_usage_error(&cli_cmd_dissect,
		    file ? "give -r FILE or -i INTERFACE, not both"
		         : "give -r FILE or -i INTERFACE");
	if (d.verbose && d.json)
		return cli_usage_error(&cli_cmd_dissect,
		    "-v and --json do not go together: JSON has every field");

	if (file)
		r = ds_capture_new_file(file, errbuf, sizeof(errbuf), &cap);
	else
		r = ds_capture_new_live(
		    iface, &lo, errbuf, sizeof(errbuf), &cap);
	if (r < 0)
		return open_error(file, iface, r, errbuf);
	d.live = ds_capture_is_live(cap);
	d.digits = ds_capture_tstamp_digits(cap);
	d.source =
	    file ? (strcmp(file, "-") == 0 ? "standard input" : file) : iface;

	if (optind < argc) {
		filter = join_args(argc - optind, argv + optind);
		if (!filter) {
			cli_error("out of memory");
			ds_capture_free(cap);
			return EXIT_INTERNAL;
		}
		errbuf[0] = '\0';
		r = ds_capture_set_filter(cap, filter, errbuf, sizeof(errbuf));
		if (r < 0) {
			cli_error("bad filter '%s': %s", filter,
			    errbuf[0] ? errbuf : strerror(-r));
			free(filter);
			ds_capture_free(cap);
			return EXIT_USAGE;
		}
	}

	/* Ctrl-C ends a live capture (and a long file) cleanly: the summary
	 * and counters are still printed. No SA_RESTART: a blocked read
	 * returns at once. */
	struct sigaction sa = {0}, old_int, old_term;

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	g_capture = cap;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	if (d.live)
		fprintf(stderr, "%s: capturing on %s, link type %s\n", cli_prog,
		    iface,
		    ds_capture_linktype_name(ds_capture_linktype(cap))
		        ? ds_capture_linktype_name(ds_capture_linktype(cap))
		        : "?");

	r = run(&d, cap, count);

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	g_capture = NULL;

	if (r < 0 && r != -EINTR) {
		char msg[DS_CAPTURE_ERRMAX];

		ds_capture_last_error(cap, msg, sizeof(msg));
		cli_out_flush(&d.o);
		if (r == -EBADMSG) {
			cli_error("%s: damaged or cut short after packet %llu: "
			          "%s",
			    d.source, (unsigned long long)d.last_number,
			    msg[0] ? msg : "bad record");
			damaged = true;
			code = EXIT_FAILED;
		} else {
			cli_error("%s: read error: %s", d.source,
			    msg[0] ? msg : strerror(-r));
			code = EXIT_INTERNAL;
		}
	}
	ds_capture_stats(cap, &cs);
	if (d.stats) {
		if (d.json)
			print_stats_json(&d, &cs, damaged);
		else
			print_stats_text(&d, &cs);
	}
	cli_out_flush(&d.o);
	if (d.live && cs.have_kernel)
		fprintf(stderr,
		    "%llu packets captured\n%llu packets received by the "
		    "kernel\n%llu packets dropped by the kernel\n",
		    (unsigned long long)cs.packets,
		    (unsigned long long)cs.kernel_received,
		    (unsigned long long)cs.kernel_dropped);
	ds_capture_free(cap);
	free(filter);
	if (d.o.failed && !d.o.epipe)
		return EXIT_INTERNAL;
	return cli_finish_stdout(code);
}
