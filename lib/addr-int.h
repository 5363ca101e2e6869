/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_ADDR_INT_H
#define DUALSTACK_ADDR_INT_H

/*
 * Internals shared by the lib/addr*.c files. Not installed.
 *
 * Addresses are handled as big-endian byte strings (u.bytes), bit 0 being
 * the most significant bit of byte 0, as RFC 4291 numbers them.
 */

#include <string.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"

/* Value of bit i (0 = most significant) of a 16-byte address. */
static inline unsigned
ds__bit(const uint8_t *b, unsigned i)
{
	return (b[i >> 3] >> (7 - (i & 7))) & 1u;
}

/*
 * Do the first 'len' bits of a and b agree? len may be anything from 0 to
 * 128; a whole-byte compare then one masked byte.
 */
static inline bool
ds__bits_equal(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned whole = len >> 3, rest = len & 7;

	if (whole && memcmp(a, b, whole) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff00u >> rest);

		return ((a[whole] ^ b[whole]) & mask) == 0;
	}
	return true;
}

/* Clear every bit from 'len' on, over 'nbytes' bytes. */
static inline void
ds__bits_clear_from(uint8_t *b, unsigned len, unsigned nbytes)
{
	unsigned whole = len >> 3, rest = len & 7;

	if (whole >= nbytes)
		return;
	if (rest) {
		b[whole] &= (uint8_t)(0xff00u >> rest);
		whole++;
	}
	memset(b + whole, 0, nbytes - whole);
}

/* Set every bit from 'len' on, over 'nbytes' bytes. */
static inline void
ds__bits_set_from(uint8_t *b, unsigned len, unsigned nbytes)
{
	unsigned whole = len >> 3, rest = len & 7;

	if (whole >= nbytes)
		return;
	if (rest) {
		b[whole] |= (uint8_t)(0xffu >> rest);
		whole++;
	}
	memset(b + whole, 0xff, nbytes - whole);
}

/* Lower-case hex digits, for the formatters. */
extern const char ds__hexdigits[16];

/*
 * The value of hex digit c, or -1. A table lookup: this sits in the inner
 * loop of the parsers.
 */
extern const int8_t ds__hexval[256];

/*
 * The classification table and its row count, for the unit tests (which
 * check its order) and for code in the library that lists it.
 */
const struct ds_addr_block *ds__addr_blocks(size_t *ret_n);

/*
 * Finish a snprintf-style output of 'len' bytes built in 'tmp': copy what
 * fits into buf, NUL-terminate, return len.
 */
int ds__output(const char *tmp, size_t len, char *buf, size_t size);

#endif
