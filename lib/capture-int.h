/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CAPTURE_INT_H
#define DUALSTACK_CAPTURE_INT_H

/*
 * The capture module's byte sources other than a plain descriptor: a
 * gzip-compressed file (capture-gz.c) under the pcap and pcapng readers
 * of capture.c. Not installed.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The first two bytes of every gzip member (RFC 1952 section 2.3.1). */
#define DS__GZ_ID1 0x1f
#define DS__GZ_ID2 0x8b

/*
 * Where the compressed bytes come from: read up to n bytes into buf as
 * read(2) does (a count, 0 at the end, -1 with errno set).
 */
typedef ssize_t ds__gz_raw_fn(void *ctx, void *buf, size_t n);

struct ds__gz;

/*
 * Start inflating a gzip stream whose first head_len bytes the caller has
 * already read (they are copied; at most the size of the input buffer,
 * 64 KiB); raw gives the rest. Returns 0 and *ret (free with
 * ds__gz_free()), or -ENOMEM.
 */
int ds__gz_new(const uint8_t *head, size_t head_len, ds__gz_raw_fn *raw,
    void *ctx, struct ds__gz **ret);

/* Free g. NULL-safe; returns NULL. */
struct ds__gz *ds__gz_free(struct ds__gz *g);

/*
 * Read up to n decompressed bytes. Returns a count, 0 at the end of the
 * last gzip member, or -1 with errno: raw's errno for a failed read,
 * EBADMSG for a damaged or cut stream (ds__gz_error() says where), ENOMEM.
 * Concatenated members are read as one stream, as gzip -d does.
 */
ssize_t ds__gz_read(struct ds__gz *g, void *buf, size_t n);

/*
 * What was wrong with the stream, with the offset in the compressed file
 * where it was noticed: "gzip data damaged near byte 4: unknown
 * compression method". snprintf
 * semantics; 0 when nothing was wrong.
 */
int ds__gz_error(const struct ds__gz *g, char *buf, size_t size);

#endif
