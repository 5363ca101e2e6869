/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the gzip byte source under the capture readers
 * (lib/capture-gz.c): every "dissect -r FILE" and "ra watch -r FILE"
 * whose first two bytes are 1f 8b goes through it, whatever else follows.
 *
 * Input: byte 0 and byte 1 pick the sizes of the raw reads and of the
 * caller's reads (1 to 256 octets; 0 means 64 KiB), the rest is the
 * compressed file. Besides "no crash, no undefined behaviour":
 *
 * - a read never returns more than was asked;
 * - the bytes and the end are the same whatever the sizes of the raw
 *   reads and of the caller's reads: the same input read a second time
 *   in whole 64 KiB pieces gives the same output, then the same end
 *   (0, or -1 with the same errno);
 * - an end is final: the next read gives it again;
 * - EBADMSG comes with words (ds__gz_error() > 0), and only then.
 *
 * Output is capped (a small input can inflate to gigabytes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/capture-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stop comparing after this much output: enough for many gzip blocks. */
#define OUT_CAP (1u << 20)

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "capture_gz.c:%d: check failed: %s\n", \
			    __LINE__, #cond);                                  \
			abort();                                               \
		}                                                              \
	} while (0)

struct raw {
	const uint8_t *p;
	size_t len, off, piece;
};

static ssize_t
raw_read(void *ctx, void *buf, size_t n)
{
	struct raw *r = ctx;
	size_t k = r->len - r->off;

	if (k > n)
		k = n;
	if (k > r->piece)
		k = r->piece;
	memcpy(buf, r->p + r->off, k);
	r->off += k;
	return (ssize_t)k;
}

/* Read the stream to its end or to OUT_CAP; the output goes to out (at
 * least OUT_CAP + 65536 octets), its length to *ret_len; returns the end:
 * 0, or the errno, or -1 when the cap was reached first. */
static int
read_all(const uint8_t *p, size_t len, size_t raw_piece, size_t piece,
    uint8_t *out, size_t *ret_len)
{
	struct raw r = {.p = p, .len = len, .piece = raw_piece};
	struct ds__gz *g;
	size_t n = 0;
	int end;

	/* The first two octets are the look-ahead, as capture.c hands it. */
	CHECK(ds__gz_new(p, len < 2 ? len : 2, raw_read, &r, &g) == 0);
	r.off = len < 2 ? len : 2;
	for (;;) {
		ssize_t k;

		if (n >= OUT_CAP) {
			end = -1;
			break;
		}
		k = ds__gz_read(g, out + n, piece);
		CHECK(k >= -1 && k <= (ssize_t)piece);
		if (k > 0) {
			n += (size_t)k;
			continue;
		}
		end = k == 0 ? 0 : errno;
		CHECK(end != EINTR && end != EAGAIN);
		/* The end is final. */
		k = ds__gz_read(g, out + n, piece);
		CHECK(k == (end == 0 ? 0 : -1));
		if (end)
			CHECK(errno == end);
		break;
	}
	{
		char msg[128];
		int m = ds__gz_error(g, msg, sizeof(msg));

		CHECK((m > 0) == (end == EBADMSG));
	}
	ds__gz_free(g);
	*ret_len = n;
	return end;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t a[OUT_CAP + 65536], b[OUT_CAP + 65536];
	size_t raw_piece, piece, la, lb;
	int ea, eb;

	if (size < 2)
		return 0;
	raw_piece = data[0] ? data[0] : 65536;
	piece = data[1] ? data[1] : 65536;
	ea = read_all(data + 2, size - 2, raw_piece, piece, a, &la);
	eb = read_all(data + 2, size - 2, 65536, 65536, b, &lb);
	if (ea == -1 || eb == -1) {
		/* Capped: only the common part can be compared. */
		size_t n = la < lb ? la : lb;

		CHECK(memcmp(a, b, n) == 0);
		return 0;
	}
	CHECK(ea == eb);
	CHECK(la == lb);
	CHECK(memcmp(a, b, la) == 0);
	return 0;
}
