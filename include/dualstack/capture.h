/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CAPTURE_H
#define DUALSTACK_CAPTURE_H

/*
 * ds_capture: packets from a capture file or a live interface.
 *
 * A thin layer over libpcap: it opens pcap and pcapng files (or standard
 * input) and live interfaces, applies a BPF filter as libpcap compiles it,
 * and hands out packets one at a time with their time stamp, link type and
 * lengths. Decoding the bytes is the packet module's job (packet.h).
 *
 * Contract:
 * - A capture is an opaque handle made by ds_capture_new_file() or
 *   ds_capture_new_live() and freed by ds_capture_free(), which is
 *   NULL-safe and returns NULL. It belongs to one thread; only
 *   ds_capture_break() may be called from elsewhere (a signal handler).
 * - Reading blocks: a file read waits for the disk or the pipe, a live
 *   read for a packet or the read timeout. Put a live capture in
 *   non-blocking mode (DS_CAPTURE_NONBLOCK) to drive it from a ds_loop
 *   through ds_capture_get_fd().
 * - The library never prints. Where libpcap explains a failure in words
 *   (a filter syntax error, a damaged file header, a device that cannot
 *   be opened), the functions that take errbuf copy that text there,
 *   NUL-terminated and cut to errsize; ds_capture_last_error() gives the
 *   text for a failure while reading. The returned code alone always
 *   says what kind of failure it was.
 * - Time stamps are seconds and nanoseconds since the Unix epoch (UTC).
 *   ds_capture_tstamp_digits() says how many fractional digits the source
 *   really has (6 or 9), so that a display does not invent precision.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dualstack/export.h"

struct ds_capture;

/*
 * Snapshot length for live captures: libpcap's and tcpdump's default,
 * MAXIMUM_SNAPLEN in libpcap's pcap-int.h. It holds a whole 64 KiB
 * jumbogram-free IP packet with any link header and GRO/TSO super-frames.
 */
#define DS_CAPTURE_SNAPLEN 262144

/*
 * Default read timeout of a live capture. Immediate mode already delivers
 * each packet as it arrives; the timeout only bounds how long a read
 * waits with nothing to deliver, so that a break request is noticed.
 */
#define DS_CAPTURE_TIMEOUT_US 100000

/* Enough for any libpcap message (PCAP_ERRBUF_SIZE is 256) and a prefix. */
#define DS_CAPTURE_ERRMAX 320

/* Flags for ds_capture_new_live(). */
enum {
	DS_CAPTURE_PROMISC = 1u << 0,  /* promiscuous mode (off by default) */
	DS_CAPTURE_NONBLOCK = 1u << 1, /* reads return -EAGAIN at once */
};

/* Options of a live capture; a zeroed struct (or NULL) means defaults. */
struct ds_capture_live_opts {
	unsigned flags;       /* DS_CAPTURE_* */
	unsigned snaplen;     /* bytes kept of each packet; 0: SNAPLEN */
	uint64_t timeout_us;  /* read timeout; 0: DS_CAPTURE_TIMEOUT_US */
	unsigned buffer_size; /* kernel ring size in bytes; 0: libpcap's */
};

/* One packet. data points into the capture's buffer (see ds_capture_next). */
struct ds_capture_packet {
	int64_t sec;         /* time stamp: seconds since the epoch, UTC */
	uint32_t nsec;       /* and nanoseconds, 0-999999999 */
	int linktype;        /* libpcap DLT_* value (DLT_EN10MB, DLT_RAW) */
	uint32_t caplen;     /* bytes present at data */
	uint32_t wirelen;    /* bytes the packet had on the wire */
	uint64_t number;     /* 1 for the first packet read, filter or not */
	const uint8_t *data; /* caplen bytes */
};

/* Counters. kernel_* are filled for live captures only. */
struct ds_capture_stats {
	uint64_t packets;         /* packets handed out by ds_capture_next() */
	uint64_t bytes;           /* their captured bytes (caplen) */
	bool have_kernel;         /* the kernel_* fields are valid */
	uint64_t kernel_received; /* seen by the kernel filter (ps_recv) */
	uint64_t kernel_dropped;  /* dropped: no room in the ring (ps_drop) */
	uint64_t if_dropped;      /* dropped by the interface (ps_ifdrop) */
};

/* --- Opening and closing ------------------------------------------------- */

/*
 * Open a pcap or pcapng capture file; path "-" is standard input, which is
 * read but never closed. Time stamps are read at nanosecond precision
 * when the file has it (the pcap nanosecond magic, or a pcapng interface
 * with if_tsresol finer than a microsecond). A file (or input) that
 * starts with the gzip magic (RFC 1952) is inflated as it is read;
 * damage in its compressed data met later is -EBADMSG from
 * ds_capture_next(), with the offset in ds_capture_last_error().
 *
 * Returns 0 and sets *ret, or:
 *   -errno    the file could not be opened or read (-ENOENT, -EACCES,
 *             -EISDIR, -EIO...);
 *   -ENODATA  the file is empty;
 *   -DS_E_CAPTURE_GZIP  gzip data damaged or cut short before the
 *             capture's header was read; the words, with the offset in
 *             the compressed file, in errbuf;
 *   -EBADMSG  the file is not a pcap or pcapng file, or its header is
 *             damaged or cut short; libpcap's text in errbuf;
 *   -ENOMEM.
 * errbuf (may be NULL when errsize is 0) is written only on failure.
 */
DS_EXPORT int ds_capture_new_file(
    const char *path, char *errbuf, size_t errsize, struct ds_capture **ret);

/*
 * Open live capture on interface ifname ("any" for all interfaces):
 * immediate mode, nanosecond time stamps where the kernel offers them,
 * promiscuous mode only with DS_CAPTURE_PROMISC. opts may be NULL.
 *
 * Returns 0 and sets *ret, or:
 *   -EPERM    not allowed to capture (needs root or CAP_NET_RAW);
 *   -ENODEV   no such interface;
 *   -ENETDOWN the interface is down;
 *   -EINVAL   a bad option;
 *   -EIO      another libpcap failure (its text in errbuf);
 *   -ENOMEM.
 */
DS_EXPORT int ds_capture_new_live(const char *ifname,
    const struct ds_capture_live_opts *opts, char *errbuf, size_t errsize,
    struct ds_capture **ret);

/* Close the capture and free it. NULL-safe; returns NULL. */
DS_EXPORT struct ds_capture *ds_capture_free(struct ds_capture *c);

/* --- Filter -------------------------------------------------------------- */

/*
 * Compile a BPF filter expression, pcap-filter(7) syntax, for the
 * capture's link type and apply it: from then on only matching packets
 * are handed out (for a live capture the kernel filters; for a file,
 * libpcap does). An empty expression matches everything.
 *
 * Returns 0, -EINVAL for an expression libpcap rejects (its message, such
 * as "syntax error", in errbuf), or -ENOMEM.
 */
DS_EXPORT int ds_capture_set_filter(
    struct ds_capture *c, const char *expr, char *errbuf, size_t errsize);

/* --- Reading ------------------------------------------------------------- */

/*
 * Read the next packet into *ret. ret->data stays valid until the next
 * call on c or ds_capture_free(); copy what must live longer.
 *
 * Returns 1 with a packet, or:
 *   0        the end of the file;
 *   -EINTR   ds_capture_break() was called (the break is then cleared);
 *            if it interrupted a file read waiting on a pipe, that read is
 *            lost and the file cannot be read further;
 *   -EAGAIN  live capture: the read timeout passed, or nothing is ready
 *            in non-blocking mode; call again;
 *   -EBADMSG the file is damaged from here on, for instance cut short in
 *            the middle of a record; the packets before it were good;
 *   -DS_E_CAPTURE_LINKTYPES  a pcapng interface has another link type
 *            than the first (ds_capture_other_linktype() says which):
 *            libpcap reads one link type per file; the packets before
 *            it were good;
 *   -errno   a read error (-EIO), or the interface went away (-ENETDOWN).
 * Text for the last two: ds_capture_last_error().
 */
DS_EXPORT int ds_capture_next(
    struct ds_capture *c, struct ds_capture_packet *ret);

/*
 * Called by ds_capture_loop() for each packet. Return 0 to go on, any
 * other value to stop the loop, which then returns that value.
 */
typedef int ds_capture_fn(const struct ds_capture_packet *pkt, void *userdata);

/*
 * Read packets and call fn for each until the end of the file, count
 * packets (count 0: no limit), a break, an error or a non-zero return
 * from fn. Live read timeouts are waited through. Returns 0 at the end
 * of the file or after count packets, -EINTR after ds_capture_break(),
 * fn's non-zero value, or an error of ds_capture_next().
 */
DS_EXPORT int ds_capture_loop(
    struct ds_capture *c, uint64_t count, ds_capture_fn *fn, void *userdata);

/*
 * Ask a read in progress (or the next one) to return -EINTR. Safe to call
 * from a signal handler or another thread: it only sets a flag and wakes
 * libpcap's poll (pcap_breakloop(3)).
 */
DS_EXPORT void ds_capture_break(struct ds_capture *c);

/*
 * Copy the text of the last failure of ds_capture_next() (libpcap's
 * words, "truncated dump file; tried to read 92 captured bytes, only got
 * 40") to buf with snprintf semantics. Returns its length; 0 when there
 * was none.
 */
DS_EXPORT int ds_capture_last_error(
    const struct ds_capture *c, char *buf, size_t size);

/* --- Facts --------------------------------------------------------------- */

/* The capture's link type, a libpcap DLT_* value. */
DS_EXPORT int ds_capture_linktype(const struct ds_capture *c);

/* After ds_capture_next() returned -DS_E_CAPTURE_LINKTYPES: the link type
 * of the pcapng interface that differs from the first; 0 before. */
DS_EXPORT int ds_capture_other_linktype(const struct ds_capture *c);

/*
 * The name of a DLT_* value without the prefix, "EN10MB", "RAW",
 * "LINUX_SLL2", as libpcap names it; NULL when unknown. Static text.
 */
DS_EXPORT const char *ds_capture_linktype_name(int linktype);

/* The snapshot length: the most bytes a packet can have captured. */
DS_EXPORT unsigned ds_capture_snaplen(const struct ds_capture *c);

/* 6 or 9: the fractional digits of the source's time stamps. */
DS_EXPORT unsigned ds_capture_tstamp_digits(const struct ds_capture *c);

/* True for a live capture, false for a file. */
DS_EXPORT bool ds_capture_is_live(const struct ds_capture *c);

/*
 * Live capture in non-blocking mode: a descriptor that is readable when
 * packets may be waiting (pcap_get_selectable_fd(3)); the capture owns
 * it. -EOPNOTSUPP for a file.
 */
DS_EXPORT int ds_capture_get_fd(const struct ds_capture *c);

/*
 * Fill *ret with the counters; for a live capture the kernel's too
 * (pcap_stats(3)), which are then valid in *ret. Returns 0, or -EIO when
 * the kernel's counters could not be read (the others are still filled).
 */
DS_EXPORT int ds_capture_stats(
    struct ds_capture *c, struct ds_capture_stats *ret);

/* --- Writing ------------------------------------------------------------- */

struct ds_capture_writer;

/*
 * Open path ("-" is standard output) for writing packets read from c, as
 * a pcap file with c's link type and snapshot length (pcap_dump_open(3)).
 * The file is written at the precision c reads at, so nanosecond time
 * stamps survive. Returns 0 with *ret, or:
 *   -EIO     libpcap could not open it (its text, with the errno's, in
 *            errbuf);
 *   -ENOMEM.
 */
DS_EXPORT int ds_capture_writer_new(struct ds_capture *c, const char *path,
    char *errbuf, size_t errsize, struct ds_capture_writer **ret);

/* Append one packet, as ds_capture_next() gave it. Errors show at close. */
DS_EXPORT void ds_capture_write(
    struct ds_capture_writer *w, const struct ds_capture_packet *pkt);

/*
 * Flush and close the file, and free w. NULL-safe. Returns 0, or -errno
 * when a write failed (a full disk: -ENOSPC; a closed pipe: -EPIPE).
 */
DS_EXPORT int ds_capture_writer_close(struct ds_capture_writer *w);

#endif
