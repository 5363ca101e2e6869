/* SPDX-License-Identifier: MIT */
/*
 * A gzip byte source for the capture readers: capture.c reads a
 * compressed capture through this as it reads a plain one through
 * read(2), so that "tcpdump -w - | gzip > x.pcap.gz" and rotated,
 * compressed captures open as they are. libpcap reads no gzip itself.
 *
 * zlib's inflate() with gzip framing (RFC 1952) does the work. gzread()
 * would be shorter but reads its descriptor itself, which would lose the
 * look-ahead already taken to recognise the file, the restart-after-signal
 * rule of the capture's reads, and the offset of the damage.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "capture-int.h"

/*
 * Compressed bytes read at a time. zlib's own gzip reader uses a 128 KiB
 * window by default (GZBUFSIZE 8 KiB in and out, doubled by gzbuffer());
 * 64 KiB keeps read(2) calls rare without holding much.
 */
#define GZ_IN (64 * 1024)

/* inflateInit2(): a 32 KiB window (MAX_WBITS), plus 16 for gzip framing
 * only (zlib.h). */
#define GZ_WBITS (16 + MAX_WBITS)

struct ds__gz {
	z_stream z;
	ds__gz_raw_fn *raw;
	void *ctx;
	uint64_t raw_total; /* compressed bytes read so far */
	bool raw_eof;
	bool between; /* a member ended and no byte of the next was read */
	bool pending; /* inflate() filled the output: it may hold more */
	bool done;
	int fail; /* errno of a sticky failure: EBADMSG or ENOMEM */
	char msg[96];
	uint8_t in[GZ_IN];
};

int
ds__gz_new(const uint8_t *head, size_t head_len, ds__gz_raw_fn *raw, void *ctx,
    struct ds__gz **ret)
{
	struct ds__gz *g;

	if (head_len > GZ_IN)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	if (inflateInit2(&g->z, GZ_WBITS) != Z_OK) {
		free(g);
		return -ENOMEM;
	}
	memcpy(g->in, head, head_len);
	g->z.next_in = g->in;
	g->z.avail_in = (uInt)head_len;
	g->raw_total = head_len;
	g->raw = raw;
	g->ctx = ctx;
	*ret = g;
	return 0;
}

struct ds__gz *
ds__gz_free(struct ds__gz *g)
{
	if (!g)
		return NULL;
	inflateEnd(&g->z);
	free(g);
	return NULL;
}

/*
 * Stop for good: every later read fails the same way. The bytes this read
 * inflated before the failure (got) are handed out first, so that the
 * reader above sees every good byte before the damage.
 */
static ssize_t
gz_fail(struct ds__gz *g, int err, size_t got)
{
	g->fail = err;
	if (got > 0)
		return (ssize_t)got;
	errno = err;
	return -1;
}

ssize_t
ds__gz_read(struct ds__gz *g, void *buf, size_t n)
{
	size_t want = n > UINT32_MAX ? UINT32_MAX : n;

	if (g->fail) {
		errno = g->fail;
		return -1;
	}
	if (g->done || want == 0)
		return 0;
	g->z.next_out = buf;
	g->z.avail_out = (uInt)want;
	for (;;) {
		size_t got = want - g->z.avail_out;

		/* inflate() may hold output it had no room for even when
		 * all the input is taken: a full buffer means ask again. */
		if (g->z.avail_in > 0 || g->pending) {
			uInt in = g->z.avail_in, out = g->z.avail_out;
			int zr;

			if (in > 0)
				g->between = false;
			zr = inflate(&g->z, Z_NO_FLUSH);
			g->pending = g->z.avail_out == 0;
			/* No progress: with no input, nothing was held back;
			 * with input and room, inflate() always moves, so
			 * stop rather than spin should it not. */
			if (zr == Z_BUF_ERROR && in == g->z.avail_in &&
			    out == g->z.avail_out) {
				g->pending = false;
				if (in > 0)
					zr = Z_DATA_ERROR;
			}
			if (zr == Z_STREAM_END) {
				/* The next member, if any, starts with a
				 * fresh header (RFC 1952 section 2.2). */
				inflateReset(&g->z);
				g->between = true;
				g->pending = false;
			} else if (zr == Z_MEM_ERROR) {
				return gz_fail(
				    g, ENOMEM, want - g->z.avail_out);
			} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
				snprintf(g->msg, sizeof(g->msg),
				    "gzip data damaged near byte %llu: %s",
				    (unsigned long long)(g->raw_total -
				        g->z.avail_in),
				    g->z.msg ? g->z.msg : "bad data");
				return gz_fail(
				    g, EBADMSG, want - g->z.avail_out);
			}
			got = want - g->z.avail_out;
			if (g->z.avail_out == 0 ||
			    (got > 0 && g->z.avail_in == 0))
				return (ssize_t)got;
			if (g->z.avail_in > 0 || g->pending)
				continue;
		}
		if (got > 0)
			return (ssize_t)got;
		if (g->raw_eof) {
			if (g->between) {
				g->done = true;
				return 0;
			}
			snprintf(g->msg, sizeof(g->msg),
			    "gzip data cut short: the file ends at byte %llu "
			    "inside the compressed stream",
			    (unsigned long long)g->raw_total);
			return gz_fail(g, EBADMSG, 0);
		}
		ssize_t r = g->raw(g->ctx, g->in, sizeof(g->in));

		if (r == -1)
			return -1; /* not sticky: EINTR may be retried */
		if (r == 0)
			g->raw_eof = true;
		g->raw_total += (uint64_t)r;
		g->z.next_in = g->in;
		g->z.avail_in = (uInt)r;
	}
}

int
ds__gz_error(const struct ds__gz *g, char *buf, size_t size)
{
	return snprintf(buf, size, "%s", g->msg);
}
