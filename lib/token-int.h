/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_TOKEN_INT_H
#define DUALSTACK_TOKEN_INT_H

#include <stddef.h>
#include <stdint.h>

/*
 * The token of one flag bit in a table indexed by bit number: NULL when
 * bit is not exactly one bit, or one past the table. Shared by the
 * modules that name bit sets (packet anomalies, RA verdict reasons).
 */
static inline const char *
ds__bit_token(const char *const *t, size_t n, uint32_t bit)
{
	if (bit == 0 || (bit & (bit - 1)) != 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (bit == 1u << i)
			return t[i];
	return NULL;
}

#endif
