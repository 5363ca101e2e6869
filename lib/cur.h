/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CUR_H
#define DUALSTACK_CUR_H

/*
 * The one bounds-checked read cursor of the library: every parser of
 * untrusted bytes reads through it (packet decoder, PROXY protocol, the
 * FTP address forms), so that no read goes past what may be read, however
 * wrong a length field is.
 *
 * A cursor is a position and an end over a buffer, both absolute offsets
 * from its start, so that positions can be recorded and reported as they
 * are ("the option at offset 54"). A read past the end fails with
 * -EBADMSG, leaves the position where it was, and makes the error sticky
 * in err, so that a run of reads can be checked once at its end. A failed
 * read stores zeros in its output rather than leaving it indeterminate:
 * the values of such a run are never used, but they are never garbage
 * either.
 *
 * Everything is static inline: the cursor is on every parser's hot path.
 * Private to lib/.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ds_cur {
	const uint8_t *p; /* the buffer; offsets count from p */
	size_t end;       /* reads stop here */
	size_t off;       /* the next octet to read */
	int err;          /* 0, or -EBADMSG once a read failed */
};

/* A cursor at off over p[0 .. end - 1]. */
static inline struct ds_cur
ds_cur_at(const void *p, size_t off, size_t end)
{
	struct ds_cur c = {(const uint8_t *)p, end, off, 0};

	return c;
}

/* Octets left to read (0 when the position is at or past the end). */
static inline size_t
ds_cur_left(const struct ds_cur *c)
{
	return c->off < c->end ? c->end - c->off : 0;
}

static inline int
ds_cur_fail(struct ds_cur *c)
{
	c->err = -EBADMSG;
	return -EBADMSG;
}

static inline int
ds_cur_u8(struct ds_cur *c, uint8_t *ret)
{
	if (ds_cur_left(c) < 1) {
		*ret = 0;
		return ds_cur_fail(c);
	}
	*ret = c->p[c->off++];
	return 0;
}

/* The next octet without moving past it. */
static inline int
ds_cur_peek(const struct ds_cur *c, uint8_t *ret)
{
	if (ds_cur_left(c) < 1) {
		*ret = 0;
		return -EBADMSG;
	}
	*ret = c->p[c->off];
	return 0;
}

/* 16 and 32 bits in network byte order, returned in host order. */
static inline int
ds_cur_be16(struct ds_cur *c, uint16_t *ret)
{
	if (ds_cur_left(c) < 2) {
		*ret = 0;
		return ds_cur_fail(c);
	}
	*ret = (uint16_t)(c->p[c->off] << 8 | c->p[c->off + 1]);
	c->off += 2;
	return 0;
}

static inline int
ds_cur_be32(struct ds_cur *c, uint32_t *ret)
{
	const uint8_t *b;

	if (ds_cur_left(c) < 4) {
		*ret = 0;
		return ds_cur_fail(c);
	}
	b = c->p + c->off;
	*ret = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
	c->off += 4;
	return 0;
}

/*
 * A 32-bit little-endian value: capture file records are in the byte
 * order of the host that wrote them (pcap(5)), most often little-endian.
 */
static inline int
ds_cur_le32(struct ds_cur *c, uint32_t *ret)
{
	const uint8_t *b;

	if (ds_cur_left(c) < 4) {
		*ret = 0;
		return ds_cur_fail(c);
	}
	b = c->p + c->off;
	*ret = (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[1] << 8 | b[0];
	c->off += 4;
	return 0;
}

/* n octets, copied to ret. */
static inline int
ds_cur_bytes(struct ds_cur *c, void *ret, size_t n)
{
	if (ds_cur_left(c) < n) {
		memset(ret, 0, n);
		return ds_cur_fail(c);
	}
	memcpy(ret, c->p + c->off, n);
	c->off += n;
	return 0;
}

/*
 * A fixed-size header of n octets: one check that all of it is there, and
 * where it starts, or NULL (and the sticky error) when it is not. The
 * ds_get_*() readers below then read inside it without a check of their
 * own, so a header of ten fields costs one comparison, not ten; they may
 * only be given offsets below the n checked here.
 */
static inline const uint8_t *
ds_cur_fixed(struct ds_cur *c, size_t n)
{
	const uint8_t *b;

	if (ds_cur_left(c) < n) {
		ds_cur_fail(c);
		return NULL;
	}
	b = c->p + c->off;
	c->off += n;
	return b;
}

/* 16 and 32 bits in network byte order at b, which ds_cur_fixed() gave. */
static inline uint16_t
ds_get_be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t
ds_get_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

static inline int
ds_cur_skip(struct ds_cur *c, size_t n)
{
	if (ds_cur_left(c) < n)
		return ds_cur_fail(c);
	c->off += n;
	return 0;
}

#endif
