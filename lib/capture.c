/* SPDX-License-Identifier: MIT */
/*
 * ds_capture: libpcap behind a small handle.
 *
 * Files are not handed to libpcap by name. We open them ourselves and give
 * libpcap a stdio stream (fopencookie) that first replays a few bytes we
 * read ahead. That look-ahead tells us the time stamp resolution the file
 * really has, which libpcap hides once it scales everything to the
 * precision we ask for (nanoseconds); it works on pipes too, where seeking
 * back is impossible. Owning the reads also keeps the errno of a failed
 * read, so that a disk error is told apart from a damaged file.
 *
 * Classic pcap files (pcap(5), version 2.4, the common link types) are
 * read here rather than by libpcap: libpcap still checks the 24-byte file
 * header, from a copy of it, and so gives the link type, the snapshot
 * length and its own words for a bad header, but the records are parsed
 * from a large buffer we fill with read(2), through the bounds-checked
 * cursor, and handed out in place. libpcap's reader copies every record
 * through two freads into its own buffer, and on a million small frames
 * that was most of the time a whole run took. pcapng, other versions and
 * link types whose records libpcap rewrites (USB, NFLOG) stay on libpcap.
 *
 * A filter on a file is evaluated here (pcap_offline_filter) rather than
 * inside libpcap, so that packet numbers count every record in the file,
 * as Wireshark numbers frames, and a filtered listing still names packets
 * by their place in the file.
 *
 * A file that starts with the gzip magic (1f 8b, whatever its name) is
 * read through an inflating byte source (capture-gz.c) under both
 * readers; everything above the bytes is the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture-int.h"
#include "cur.h"
#include "dualstack/capture.h"
#include "dualstack/error.h"

/*
 * How far we read ahead looking for the first pcapng Interface Description
 * Block. It normally follows the Section Header Block within a few hundred
 * bytes; a file that puts it later just gets microsecond display.
 */
#define PEEK_MAX 65536

/* Size of the stdio buffer between our reads and libpcap's freads. */
#define STREAM_BUF (256 * 1024)

/* File magic numbers: pcap(5) and pcapng (draft-ietf-opsawg-pcapng). */
#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_MAGIC_KUZNETZOV 0xa1b2cd34u /* "modified" pcap, microseconds */
#define PCAPNG_SHB 0x0a0d0d0au
#define PCAPNG_BOM 0x1a2b3c4du
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_OPT_END 0
#define PCAPNG_OPT_IF_TSRESOL 9

/* pcap(5): the file header and the record header of version 2.4. */
#define PCAP_FILE_HDR 24
#define PCAP_REC_HDR 16

/*
 * The largest record libpcap accepts for the link types we read
 * ourselves: MAXIMUM_SNAPLEN in libpcap's pcap-int.h (max_snaplen_for_dlt()
 * only raises it for D-Bus, USBPcap and EBHSCAN, which stay on libpcap).
 */
#define PCAP_MAX_CAPLEN 262144u

/*
 * Our read buffer: big enough that read(2) is called once per few
 * thousand small records, and always more than one whole record of the
 * largest size, so that every record can be handed out in place.
 */
#define FAST_BUF (1024 * 1024)

/* The byte source under the stdio stream. */
struct source {
	int fd;
	bool own_fd;
	uint8_t *peek; /* bytes read ahead, replayed first */
	size_t peek_len, peek_pos;
	bool eof;         /* the look-ahead met the end of the input */
	int err;          /* errno of the last failed read, 0 if none */
	atomic_int *stop; /* the capture's break flag */

	/* A gzip file: reads inflate through this. */
	struct ds__gz *gz;
};

struct ds_capture {
	pcap_t *p;
	struct source *src; /* files: owned by the stream libpcap closes */
	bool live;
	unsigned digits;
	uint32_t ns_scale; /* tv_usec times this is nanoseconds */
	int linktype;
	atomic_int stop;
	bool have_filter;
	struct bpf_program prog; /* files: evaluated in ds_capture_next() */
	uint64_t number;
	struct ds_capture_stats st;
	int other_linktype; /* DS_E_CAPTURE_LINKTYPES: the later one */
	char err[PCAP_ERRBUF_SIZE];
	/* Classic pcap read here: c->p then holds only the file header. */
	bool fast;
	bool fast_le;          /* records are little-endian */
	uint32_t fast_scale;   /* the file's fraction times this is ns */
	uint32_t fast_snaplen; /* longer records are cut to this */
	uint8_t *buf;          /* FAST_BUF bytes; [pos, len) are unread */
	size_t buf_pos, buf_len;
	uint8_t hdr[PCAP_FILE_HDR]; /* what libpcap reads at open */
};

/*
 * Did libpcap stop because a pcapng interface has another link type than
 * the first one? Its reader takes one link type per file and says so only
 * in words (sf-pcapng.c, "an interface has a type %u different from the
 * type of the first interface", since libpcap 1.1): the words are all
 * there is to go by. The type it names goes to *ret.
 */
static bool
mixed_linktypes(const char *msg, int *ret)
{
	static const char lead[] = "an interface has a type ";
	const char *p = strstr(msg, lead);
	unsigned v;

	if (!p || !strstr(p, "different from the type of the first interface"))
		return false;
	if (sscanf(p + sizeof(lead) - 1, "%u", &v) != 1 || v > INT32_MAX)
		return false;
	/* The number is the file's LINKTYPE_* value; the one that differs
	 * from its DLT_* value on Linux is raw IP (tcpdump.org linktypes). */
	*ret = v == 101 ? DLT_RAW : (int)v;
	return true;
}

static void
set_err(char *errbuf, size_t errsize, const char *msg)
{
	if (errbuf && errsize)
		snprintf(errbuf, errsize, "%s", msg);
}

/* --- The byte source ----------------------------------------------------- */

/*
 * read(2) that restarts after a signal, unless the signal asked for a
 * break: a pipe whose writer stalls must not keep Ctrl-C waiting. -1 with
 * s->err on failure.
 */
static ssize_t
raw_read(void *ctx, void *buf, size_t n)
{
	struct source *s = ctx;

	for (;;) {
		ssize_t r = read(s->fd, buf, n);

		if (r == -1 && errno == EINTR &&
		    !(s->stop && atomic_load(s->stop)))
			continue;
		if (r == -1)
			s->err = errno;
		return r;
	}
}

/* The bytes of the capture: as read, or inflated from a gzip file. */
static ssize_t
source_read(struct source *s, void *buf, size_t n)
{
	ssize_t r;

	if (!s->gz)
		return raw_read(s, buf, n);
	r = ds__gz_read(s->gz, buf, n);
	if (r == -1)
		s->err = errno;
	return r;
}

static void
source_free(struct source *s)
{
	if (s->own_fd)
		close(s->fd);
	ds__gz_free(s->gz);
	free(s->peek);
	free(s);
}

/*
 * Read ahead until 'want' bytes are held (want <= PEEK_MAX) or the input
 * ends. Returns 0, or -errno on a read error.
 */
static int
source_fill(struct source *s, size_t want)
{
	if (!s->peek) {
		s->peek = malloc(PEEK_MAX);
		if (!s->peek)
			return -ENOMEM;
	}
	while (s->peek_len < want && !s->eof) {
		ssize_t r = source_read(
		    s, s->peek + s->peek_len, PEEK_MAX - s->peek_len);

		if (r == -1)
			return -s->err;
		if (r == 0)
			s->eof = true;
		s->peek_len += (size_t)r;
	}
	return 0;
}

/*
 * A file starting with the gzip magic is read through the inflating
 * source from here on: the bytes already looked at become its first
 * input. Returns 0, or -errno.
 */
static int
source_gzip(struct source *s)
{
	int r = source_fill(s, 2);

	if (r < 0)
		return r;
	if (s->peek_len < 2 || s->peek[0] != DS__GZ_ID1 ||
	    s->peek[1] != DS__GZ_ID2)
		return 0;
	r = ds__gz_new(s->peek, s->peek_len, raw_read, s, &s->gz);
	if (r < 0)
		return r;
	s->peek_len = 0;
	s->eof = false;
	return 0;
}

/* Was the gzip data damaged? Its words then go to buf. */
static bool
source_gz_damage(const struct source *s, char *buf, size_t size)
{
	char msg[PCAP_ERRBUF_SIZE];

	if (!s->gz || s->err != EBADMSG ||
	    ds__gz_error(s->gz, msg, sizeof(msg)) <= 0)
		return false;
	if (buf && size)
		snprintf(buf, size, "%s", msg);
	return true;
}

static ssize_t
cookie_read(void *cookie, char *buf, size_t n)
{
	struct source *s = cookie;

	if (s->peek_pos < s->peek_len) {
		size_t k = s->peek_len - s->peek_pos;

		if (k > n)
			k = n;
		memcpy(buf, s->peek + s->peek_pos, k);
		s->peek_pos += k;
		return (ssize_t)k;
	}
	if (s->eof)
		return 0;
	return source_read(s, buf, n);
}

static int
cookie_close(void *cookie)
{
	source_free(cookie);
	return 0;
}

static uint32_t
get32(const uint8_t *p, bool le)
{
	if (le)
		return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[0] << 24;
}

static uint16_t
get16(const uint8_t *p, bool le)
{
	return le ? (uint16_t)(p[0] | p[1] << 8) : (uint16_t)(p[1] | p[0] << 8);
}

/*
 * The fractional digits an if_tsresol value gives (pcapng section 4.2):
 * the high bit clear means 10^-v seconds, set means 2^-v. A resolution
 * finer than a microsecond is shown with nanoseconds.
 */
static unsigned
tsresol_digits(uint8_t v)
{
	if (v & 0x80)
		return (v & 0x7f) > 20 ? 9 : 6; /* 2^-20 s is about 1 us */
	return v > 6 ? 9 : 6;
}

/*
 * Walk pcapng blocks from the Section Header Block to the first Interface
 * Description Block and read its if_tsresol option. Every length is
 * checked against the bytes we hold; anything odd means "microseconds",
 * and libpcap then says what is wrong with the file.
 */
static int
pcapng_digits(struct source *s)
{
	size_t off = 0;
	bool le;
	int r;

	r = source_fill(s, 12);
	if (r < 0 || s->peek_len < 12)
		return r < 0 ? r : 6;
	if (get32(s->peek + 8, true) == PCAPNG_BOM)
		le = true;
	else if (get32(s->peek + 8, false) == PCAPNG_BOM)
		le = false;
	else
		return 6;
	for (unsigned blocks = 0; blocks < 64; blocks++) {
		uint32_t type, len;

		r = source_fill(s, off + 8 <= PEEK_MAX ? off + 8 : PEEK_MAX);
		if (r < 0)
			return r;
		if (off + 8 > s->peek_len)
			return 6;
		type = get32(s->peek + off, le);
		len = get32(s->peek + off + 4, le);
		if (len < 12 || len % 4 != 0 || len > PEEK_MAX - off)
			return 6;
		if (type != PCAPNG_IDB) {
			/* Only an SHB or a block that carries no packet may
			 * come before the first IDB. */
			off += len;
			continue;
		}
		r = source_fill(s, off + len);
		if (r < 0)
			return r;
		if (off + len > s->peek_len || len < 20)
			return 6;
		/* IDB: type, length, linktype(2), reserved(2), snaplen(4),
		 * then options up to the trailing length. */
		size_t o = off + 16, end = off + len - 4;

		while (o + 4 <= end) {
			uint16_t code = get16(s->peek + o, le);
			uint16_t olen = get16(s->peek + o + 2, le);

			if (code == PCAPNG_OPT_END)
				break;
			if (olen > end - o - 4)
				break;
			if (code == PCAPNG_OPT_IF_TSRESOL && olen >= 1)
				return (int)tsresol_digits(s->peek[o + 4]);
			o += 4 + ((olen + 3u) & ~3u);
		}
		return 6; /* no if_tsresol: the default 10^-6 */
	}
	return 6;
}

/* The time stamp digits of the file starting in s: 6 or 9, or -errno. */
static int
file_digits(struct source *s)
{
	uint32_t m;
	int r = source_fill(s, 4);

	if (r < 0)
		return r;
	if (s->peek_len < 4)
		return 6;
	m = get32(s->peek, false);
	if (m == PCAP_MAGIC_NS || get32(s->peek, true) == PCAP_MAGIC_NS)
		return 9;
	if (m == PCAPNG_SHB)
		return pcapng_digits(s);
	return 6;
}

/* --- The classic pcap reader --------------------------------------------- */

/*
 * Link types whose records libpcap hands out as they are in the file
 * (pcap_post_process() leaves them alone): only those are read here.
 */
static bool
fast_linktype(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
		return true;
	default:
		return false;
	}
}

/*
 * Take over the reading of a classic pcap file whose first bytes s holds.
 * Returns 1 when the records are ours to read (c->p then holds libpcap's
 * view of the file header only), 0 when the file is for libpcap to read
 * whole (pcapng, a header libpcap must judge, another version or link
 * type), or -errno.
 */
static int
fast_open(struct ds_capture *c, struct source *s)
{
	char pcap_err[PCAP_ERRBUF_SIZE];
	uint32_t m;
	pcap_t *p;
	FILE *f;
	bool le;
	int r;

	if (s->peek_len < 4)
		return 0;
	m = get32(s->peek, false);
	if (m == PCAP_MAGIC_US || m == PCAP_MAGIC_NS)
		le = false;
	else if (get32(s->peek, true) == PCAP_MAGIC_US ||
	    get32(s->peek, true) == PCAP_MAGIC_NS)
		le = true;
	else
		return 0;
	r = source_fill(s, PCAP_FILE_HDR);
	if (r < 0)
		return r;
	if (s->peek_len < PCAP_FILE_HDR)
		return 0; /* cut short: libpcap says how */
	memcpy(c->hdr, s->peek, PCAP_FILE_HDR);
	f = fmemopen(c->hdr, PCAP_FILE_HDR, "r");
	if (!f)
		return -ENOMEM;
	p = pcap_fopen_offline_with_tstamp_precision(
	    f, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
	if (!p) {
		fclose(f);
		return 0;
	}
	if (pcap_major_version(p) != 2 || pcap_minor_version(p) != 4 ||
	    !fast_linktype(pcap_datalink(p)) || pcap_snapshot(p) <= 0) {
		pcap_close(p);
		return 0;
	}
	c->buf = malloc(FAST_BUF);
	if (!c->buf) {
		pcap_close(p);
		return -ENOMEM;
	}
	c->buf_len = s->peek_len - PCAP_FILE_HDR;
	memcpy(c->buf, s->peek + PCAP_FILE_HDR, c->buf_len);
	c->buf_pos = 0;
	c->p = p;
	c->fast = true;
	c->fast_le = le;
	c->fast_scale =
	    (le ? get32(s->peek, true) : m) == PCAP_MAGIC_NS ? 1 : 1000;
	c->fast_snaplen = (uint32_t)pcap_snapshot(p);
	return 1;
}

/*
 * Make want bytes of the buffer readable from buf_pos, or as many as the
 * file still has. Returns 0, or -errno on a read error.
 */
static int
fast_fill(struct ds_capture *c, size_t want)
{
	struct source *s = c->src;

	if (c->buf_len - c->buf_pos >= want)
		return 0;
	if (c->buf_pos > 0) {
		memmove(c->buf, c->buf + c->buf_pos, c->buf_len - c->buf_pos);
		c->buf_len -= c->buf_pos;
		c->buf_pos = 0;
	}
	while (c->buf_len < want && !s->eof) {
		ssize_t r =
		    source_read(s, c->buf + c->buf_len, FAST_BUF - c->buf_len);

		if (r == -1)
			return -s->err;
		if (r == 0)
			s->eof = true;
		c->buf_len += (size_t)r;
	}
	return 0;
}

/*
 * The next record of a classic pcap file, checked as libpcap's
 * pcap_next_packet() (sf-pcap.c) checks it, with its words for a damaged
 * file. Returns 1, 0 at the end of the file, -EBADMSG, or -errno.
 */
static int
fast_next(struct ds_capture *c, struct pcap_pkthdr *h, const uint8_t **data)
{
	uint8_t rec[PCAP_REC_HDR];
	uint32_t sec, frac, caplen, len;
	struct ds_cur cur;
	size_t have;
	int r;

	/* The common case costs two comparisons: the record header and
	 * the record are already in the buffer. fast_fill() only when one
	 * is not. */
	have = c->buf_len - c->buf_pos;
	if (have < PCAP_REC_HDR) {
		r = fast_fill(c, PCAP_REC_HDR);
		if (r < 0)
			return r;
		have = c->buf_len - c->buf_pos;
		if (have == 0)
			return 0;
		if (have < PCAP_REC_HDR) {
			snprintf(c->err, sizeof(c->err),
			    "truncated dump file; tried to read %d header "
			    "bytes, only got %zu",
			    PCAP_REC_HDR, have);
			return -EBADMSG;
		}
	}
	/* One bounds check for the whole record header, then its four
	 * words from the copy. */
	cur = ds_cur_at(c->buf, c->buf_pos, c->buf_len);
	ds_cur_bytes(&cur, rec, PCAP_REC_HDR);
	sec = get32(rec, c->fast_le);
	frac = get32(rec + 4, c->fast_le);
	caplen = get32(rec + 8, c->fast_le);
	len = get32(rec + 12, c->fast_le);
	if (caplen > PCAP_MAX_CAPLEN) {
		if (caplen > c->fast_snaplen)
			snprintf(c->err, sizeof(c->err),
			    "invalid packet capture length %u, bigger than "
			    "snaplen of %u",
			    caplen, c->fast_snaplen);
		else
			snprintf(c->err, sizeof(c->err),
			    "invalid packet capture length %u, bigger than "
			    "maximum of %u",
			    caplen, PCAP_MAX_CAPLEN);
		return -EBADMSG;
	}
	if (have - PCAP_REC_HDR < caplen) {
		r = fast_fill(c, PCAP_REC_HDR + (size_t)caplen);
		if (r < 0)
			return r;
		have = c->buf_len - c->buf_pos;
		if (have - PCAP_REC_HDR < caplen) {
			snprintf(c->err, sizeof(c->err),
			    "truncated dump file; tried to read %u captured "
			    "bytes, only got %zu",
			    caplen, have - PCAP_REC_HDR);
			return -EBADMSG;
		}
	}
	*data = c->buf + c->buf_pos + PCAP_REC_HDR;
	c->buf_pos += PCAP_REC_HDR + (size_t)caplen;
	/* libpcap (1.10, sf-pcap.c) keeps the seconds of a file in the
	 * host's byte order as signed 32-bit (struct pcap_sf_pkthdr) and
	 * those it swaps as unsigned (SWAPLONG): the same values here, so
	 * that no reader shows another time. It keeps only the first
	 * snaplen bytes of a longer record. */
	if (c->fast_le == (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__))
		h->ts.tv_sec = (int32_t)sec;
	else
		h->ts.tv_sec = (time_t)sec;
	h->ts.tv_usec = (suseconds_t)(uint32_t)(frac * c->fast_scale);
	h->caplen = caplen > c->fast_snaplen ? c->fast_snaplen : caplen;
	h->len = len;
	return 1;
}

/* --- Opening and closing ------------------------------------------------- */

int
ds_capture_new_file(
    const char *path, char *errbuf, size_t errsize, struct ds_capture **ret)
{
	static const cookie_io_functions_t io = {
	    .read = cookie_read,
	    .close = cookie_close,
	};
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	struct ds_capture *c;
	struct source *s;
	struct stat sb;
	FILE *f;
	int r, digits;

	c = calloc(1, sizeof(*c));
	s = calloc(1, sizeof(*s));
	if (!c || !s) {
		free(c);
		free(s);
		return -ENOMEM;
	}
	s->stop = &c->stop;
	if (strcmp(path, "-") == 0) {
		s->fd = STDIN_FILENO;
	} else {
		s->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s->fd == -1) {
			r = -errno;
			goto fail_source;
		}
		s->own_fd = true;
	}
	if (fstat(s->fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		r = -EISDIR;
		goto fail_source;
	}
	r = source_gzip(s);
	if (r < 0)
		goto fail_source;
	digits = file_digits(s);
	if (digits < 0) {
		r = digits;
		goto fail_source;
	}
	if (s->peek_len == 0 && s->eof) {
		r = -ENODATA;
		goto fail_source;
	}
	r = fast_open(c, s);
	if (r < 0)
		goto fail_source;
	if (r > 0) {
		c->src = s;
		c->digits = (unsigned)digits;
		c->ns_scale = 1;
		c->linktype = pcap_datalink(c->p);
		*ret = c;
		return 0;
	}
	f = fopencookie(s, "r", io);
	if (!f) {
		r = -ENOMEM;
		goto fail_source;
	}
	/* From here the stream owns s: fclose() frees it. */
	setvbuf(f, NULL, _IOFBF, STREAM_BUF);
	c->p = pcap_fopen_offline_with_tstamp_precision(
	    f, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
	if (!c->p) {
		r = s->err ? -s->err : -EBADMSG;
		set_err(errbuf, errsize, pcap_err);
		if (source_gz_damage(s, errbuf, errsize))
			r = -DS_E_CAPTURE_GZIP;
		fclose(f);
		free(c);
		return r;
	}
	c->src = s;
	c->digits = (unsigned)digits;
	c->ns_scale = 1; /* opened at nanosecond precision */
	c->linktype = pcap_datalink(c->p);
	*ret = c;
	return 0;

fail_source:
	if (source_gz_damage(s, errbuf, errsize))
		r = -DS_E_CAPTURE_GZIP;
	source_free(s);
	free(c);
	return r;
}

/* Map a pcap_activate() or setter failure to an errno. */
static int
activate_errno(int status)
{
	switch (status) {
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		return -EPERM;
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return -ENODEV;
	case PCAP_ERROR_IFACE_NOT_UP:
		return -ENETDOWN;
	case PCAP_ERROR_RFMON_NOTSUP:
	case PCAP_ERROR_ACTIVATED:
		return -EINVAL;
	default:
		return -EIO;
	}
}

int
ds_capture_new_live(const char *ifname, const struct ds_capture_live_opts *opts,
    char *errbuf, size_t errsize, struct ds_capture **ret)
{
	struct ds_capture_live_opts o = {0};
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	struct ds_capture *c;
	int status;

	if (opts)
		o = *opts;
	if (o.snaplen == 0)
		o.snaplen = DS_CAPTURE_SNAPLEN;
	if (o.timeout_us == 0)
		o.timeout_us = DS_CAPTURE_TIMEOUT_US;
	/* libpcap counts in whole milliseconds, in an int: rounded up, so
	 * a short timeout does not become 0 (wait for ever). */
	if (o.timeout_us > (uint64_t)INT32_MAX * 1000 ||
	    o.snaplen > INT32_MAX || o.buffer_size > INT32_MAX) {
		set_err(errbuf, errsize, "invalid capture option");
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->live = true;
	c->p = pcap_create(ifname, pcap_err);
	if (!c->p) {
		set_err(errbuf, errsize, pcap_err);
		free(c);
		return -EIO;
	}
	pcap_set_snaplen(c->p, (int)o.snaplen);
	pcap_set_promisc(c->p, (o.flags & DS_CAPTURE_PROMISC) != 0);
	pcap_set_timeout(c->p, (int)((o.timeout_us + 999) / 1000));
	pcap_set_immediate_mode(c->p, 1);
	if (o.buffer_size)
		pcap_set_buffer_size(c->p, (int)o.buffer_size);
	/* Nanoseconds where the kernel offers them; else microseconds. */
	pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_NANO);

	status = pcap_activate(c->p);
	if (status < 0) {
		int r = activate_errno(status);

		set_err(errbuf, errsize, pcap_geterr(c->p));
		pcap_close(c->p);
		free(c);
		return r;
	}
	/* A warning (status > 0, such as promiscuous mode unsupported)
	 * leaves a working capture. */
	if (o.flags & DS_CAPTURE_NONBLOCK &&
	    pcap_setnonblock(c->p, 1, pcap_err) == PCAP_ERROR) {
		set_err(errbuf, errsize, pcap_err);
		pcap_close(c->p);
		free(c);
		return -EIO;
	}
	if (pcap_get_tstamp_precision(c->p) == PCAP_TSTAMP_PRECISION_NANO) {
		c->digits = 9;
		c->ns_scale = 1;
	} else {
		c->digits = 6;
		c->ns_scale = 1000;
	}
	c->linktype = pcap_datalink(c->p);
	*ret = c;
	return 0;
}

struct ds_capture *
ds_capture_free(struct ds_capture *c)
{
	if (!c)
		return NULL;
	if (c->have_filter)
		pcap_freecode(&c->prog);
	pcap_close(c->p); /* closes the stream, which frees the source */
	if (c->fast) {
		/* The stream was only the header: the source is ours. */
		cookie_close(c->src);
		free(c->buf);
	}
	free(c);
	return NULL;
}

/* --- Filter -------------------------------------------------------------- */

int
ds_capture_set_filter(
    struct ds_capture *c, const char *expr, char *errbuf, size_t errsize)
{
	struct bpf_program prog;

	/* The netmask only matters to "ip broadcast", which then fails with
	 * libpcap's own message: unknown for files and for "any". */
	if (pcap_compile(c->p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) ==
	    PCAP_ERROR) {
		set_err(errbuf, errsize, pcap_geterr(c->p));
		return -EINVAL;
	}
	if (c->live) {
		int r = pcap_setfilter(c->p, &prog);

		pcap_freecode(&prog);
		if (r == PCAP_ERROR) {
			set_err(errbuf, errsize, pcap_geterr(c->p));
			return -EINVAL;
		}
		return 0;
	}
	if (c->have_filter)
		pcap_freecode(&c->prog);
	c->prog = prog;
	c->have_filter = true;
	return 0;
}

/* --- Reading ------------------------------------------------------------- */

/*
 * Every case of ds_capture_next() but the common one, out of line so that
 * the common one saves no registers (noinline: a GCC and Clang attribute).
 */
static int __attribute__((noinline))
next_general(struct ds_capture *c, struct ds_capture_packet *ret)
{
	struct pcap_pkthdr *h, fh;
	const u_char *data;

	for (;;) {
		int rc;

		/* A file read never waits long: the flag is enough. A live
		 * read learns of a break from libpcap (below). */
		if (!c->live &&
		    atomic_load_explicit(&c->stop, memory_order_relaxed) &&
		    atomic_exchange(&c->stop, 0))
			return -EINTR;
		if (c->fast) {
			rc = fast_next(c, &fh, &data);
			if (rc < 0 && c->src->err == EINTR) {
				atomic_store(&c->stop, 0);
				return -EINTR;
			}
			if (rc < 0 && rc != -EBADMSG)
				snprintf(c->err, sizeof(c->err),
				    "error reading dump file: %s",
				    strerror(-rc));
			if (rc == -EBADMSG)
				source_gz_damage(
				    c->src, c->err, sizeof(c->err));
			if (rc <= 0)
				return rc;
			if (!c->have_filter) {
				/* The common case, straight from the
				 * record: a file read has no filter to
				 * pass and counts every record. */
				c->number++;
				ret->sec = (int64_t)fh.ts.tv_sec;
				ret->nsec =
				    (uint32_t)fh.ts.tv_usec * c->ns_scale;
				ret->linktype = c->linktype;
				ret->caplen = fh.caplen;
				ret->wirelen = fh.len;
				ret->number = c->number;
				ret->data = data;
				c->st.packets++;
				c->st.bytes += fh.caplen;
				return 1;
			}
			h = &fh;
		} else {
			rc = pcap_next_ex(c->p, &h, &data);
		}
		if (rc == 1) {
			if (!c->live)
				c->number++;
			if (c->have_filter &&
			    !pcap_offline_filter(&c->prog, h, data))
				continue;
			if (c->live)
				c->number++;
			ret->sec = (int64_t)h->ts.tv_sec;
			/* At nanosecond precision libpcap keeps
			 * nanoseconds in tv_usec. */
			ret->nsec = (uint32_t)h->ts.tv_usec * c->ns_scale;
			ret->linktype = c->linktype;
			ret->caplen = h->caplen;
			ret->wirelen = h->len;
			ret->number = c->number;
			ret->data = data;
			c->st.packets++;
			c->st.bytes += h->caplen;
			return 1;
		}
		if (rc == 0)
			return -EAGAIN;
		if (rc == PCAP_ERROR_BREAK) {
			if (!c->live)
				return 0; /* the end of the file */
			atomic_store(&c->stop, 0);
			return -EINTR;
		}
		snprintf(c->err, sizeof(c->err), "%s", pcap_geterr(c->p));
		if (!c->live && mixed_linktypes(c->err, &c->other_linktype))
			return -DS_E_CAPTURE_LINKTYPES;
		if (!c->live && c->src->err == EINTR) {
			atomic_store(&c->stop, 0);
			return -EINTR;
		}
		if (!c->live)
			source_gz_damage(c->src, c->err, sizeof(c->err));
		if (!c->live)
			return c->src->err ? -c->src->err : -EBADMSG;
		return -EIO;
	}
}

int
ds_capture_next(struct ds_capture *c, struct ds_capture_packet *ret)
{
	/* A classic pcap file read without a filter, whose next record is
	 * whole in the buffer: most calls, taken here with the fewest
	 * tests. Anything else (a break, a short buffer, a bad length)
	 * takes the general path below, which says what is wrong. */
	if (c->fast && !c->have_filter &&
	    !atomic_load_explicit(&c->stop, memory_order_relaxed) &&
	    c->buf_len - c->buf_pos >= PCAP_REC_HDR) {
		uint8_t rec[PCAP_REC_HDR];
		struct ds_cur cur = ds_cur_at(c->buf, c->buf_pos, c->buf_len);
		uint32_t caplen, frac;

		ds_cur_bytes(&cur, rec, PCAP_REC_HDR);
		caplen = get32(rec + 8, c->fast_le);
		if (caplen <= PCAP_MAX_CAPLEN && ds_cur_left(&cur) >= caplen) {
			uint32_t sec = get32(rec, c->fast_le);

			frac = get32(rec + 4, c->fast_le);
			/* As fast_next() says, after libpcap. */
			if (c->fast_le ==
			    (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__))
				ret->sec = (int32_t)sec;
			else
				ret->sec = (int64_t)sec;
			ret->nsec = frac * c->fast_scale * c->ns_scale;
			ret->linktype = c->linktype;
			ret->caplen =
			    caplen > c->fast_snaplen ? c->fast_snaplen : caplen;
			ret->wirelen = get32(rec + 12, c->fast_le);
			ret->number = ++c->number;
			ret->data = c->buf + cur.off;
			c->buf_pos = cur.off + caplen;
			c->st.packets++;
			c->st.bytes += ret->caplen;
			return 1;
		}
	}
	return next_general(c, ret);
}

int
ds_capture_loop(
    struct ds_capture *c, uint64_t count, ds_capture_fn *fn, void *userdata)
{
	struct ds_capture_packet pkt;
	uint64_t n = 0;

	while (count == 0 || n < count) {
		int r = ds_capture_next(c, &pkt);

		if (r == -EAGAIN)
			continue;
		if (r <= 0)
			return r;
		n++;
		r = fn(&pkt, userdata);
		if (r != 0)
			return r;
	}
	return 0;
}

void
ds_capture_break(struct ds_capture *c)
{
	atomic_store(&c->stop, 1);
	if (c->live)
		pcap_breakloop(c->p);
}

int
ds_capture_last_error(const struct ds_capture *c, char *buf, size_t size)
{
	return snprintf(buf, size, "%s", c->err);
}

/* --- Facts --------------------------------------------------------------- */

int
ds_capture_linktype(const struct ds_capture *c)
{
	return c->linktype;
}

int
ds_capture_other_linktype(const struct ds_capture *c)
{
	return c->other_linktype;
}

const char *
ds_capture_linktype_name(int linktype)
{
	return pcap_datalink_val_to_name(linktype);
}

unsigned
ds_capture_snaplen(const struct ds_capture *c)
{
	int n = pcap_snapshot(c->p);

	return n > 0 ? (unsigned)n : 0;
}

unsigned
ds_capture_tstamp_digits(const struct ds_capture *c)
{
	return c->digits;
}

bool
ds_capture_is_live(const struct ds_capture *c)
{
	return c->live;
}

int
ds_capture_get_fd(const struct ds_capture *c)
{
	int fd;

	if (!c->live)
		return -EOPNOTSUPP;
	fd = pcap_get_selectable_fd(c->p);
	return fd >= 0 ? fd : -EOPNOTSUPP;
}

int
ds_capture_stats(struct ds_capture *c, struct ds_capture_stats *ret)
{
	struct pcap_stat ps;

	*ret = c->st;
	ret->have_kernel = false;
	if (!c->live)
		return 0;
	if (pcap_stats(c->p, &ps) == PCAP_ERROR) {
		snprintf(c->err, sizeof(c->err), "%s", pcap_geterr(c->p));
		return -EIO;
	}
	ret->have_kernel = true;
	ret->kernel_received = ps.ps_recv;
	ret->kernel_dropped = ps.ps_drop;
	ret->if_dropped = ps.ps_ifdrop;
	return 0;
}

/* --- Writing ------------------------------------------------------------- */

struct ds_capture_writer {
	pcap_dumper_t *d;
	uint32_t ns_scale; /* the capture's: nanoseconds per tv_usec unit */
};

int
ds_capture_writer_new(struct ds_capture *c, const char *path, char *errbuf,
    size_t errsize, struct ds_capture_writer **ret)
{
	struct ds_capture_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	if (strcmp(path, "-") == 0) {
		/* A stream of its own on a copy of standard output: closing
		 * the dump must not close the stdout the program still
		 * flushes at exit. */
		int fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		FILE *f = fd == -1 ? NULL : fdopen(fd, "w");

		if (!f) {
			int e = errno;

			if (fd != -1)
				close(fd);
			set_err(errbuf, errsize, strerror(e));
			free(w);
			return e == ENOMEM ? -ENOMEM : -EIO;
		}
		w->d = pcap_dump_fopen(c->p, f);
		if (!w->d)
			fclose(f);
	} else {
		w->d = pcap_dump_open(c->p, path);
	}
	if (!w->d) {
		set_err(errbuf, errsize, pcap_geterr(c->p));
		free(w);
		return -EIO;
	}
	w->ns_scale = c->ns_scale;
	*ret = w;
	return 0;
}

void
ds_capture_write(
    struct ds_capture_writer *w, const struct ds_capture_packet *pkt)
{
	struct pcap_pkthdr h = {0};

	h.ts.tv_sec = (time_t)pkt->sec;
	/* The dumper writes at the capture's precision (nanoseconds for
	 * files, opened so), in the unit its tv_usec holds. */
	h.ts.tv_usec = (suseconds_t)(pkt->nsec / w->ns_scale);
	h.caplen = pkt->caplen;
	h.len = pkt->wirelen;
	pcap_dump((u_char *)w->d, &h, pkt->data);
}

int
ds_capture_writer_close(struct ds_capture_writer *w)
{
	FILE *f;
	int r = 0;

	if (!w)
		return 0;
	/* pcap_dump() and pcap_dump_close() say nothing of failures: the
	 * stream's flush and error flag do. */
	f = pcap_dump_file(w->d);
	errno = 0;
	if (pcap_dump_flush(w->d) == -1 || ferror(f))
		r = errno ? -errno : -EIO;
	pcap_dump_close(w->d);
	free(w);
	return r;
}
