/* SPDX-License-Identifier: MIT */
/*
 * dualstack dissect: the text of the IPv6 addresses it has written
 * lately. A capture repeats its flows, and an IPv6 address costs several
 * times more to format than to look up, so the text ds_addr_format() gave
 * for an address is kept in a small direct-mapped table and copied from
 * there the next time. The library's formatter stays the only one: a
 * slot holds nothing but its output.
 */
#include <string.h>
#include <sys/socket.h>

#include "cmd-dissect-int.h"

/*
 * 256 slots of 64 octets: 16 KiB, half a first-level data cache, for
 * the handful of hosts most flows in a capture run between. The text of
 * an IPv6 address without a zone is at most 39 characters (the mixed
 * notation of a mapped address, at most 22, is shorter), so 46 octets
 * hold it with room to spare.
 */
#define SLOT_BITS 8
#define SLOTS (1u << SLOT_BITS)
#define TEXT_MAX 46

struct slot {
	uint64_t k0, k1;
	uint8_t len; /* 0: empty (no address is written in 0 characters) */
	char text[TEXT_MAX];
};

_Static_assert(TEXT_MAX <= DS_ADDR_STRLEN, "a slot's text fits out_addr()");

/* One thread prints; the table is the command's, not the library's. */
static struct slot slots[SLOTS];

int
dissect_addr_format(const struct ds_addr *a, char buf[DS_ADDR_STRLEN])
{
	struct slot *s;
	uint64_t k0, k1;
	int n;

	if (a->family != AF_INET6 || a->zone[0])
		return ds_addr_format(a, 0, buf, DS_ADDR_STRLEN);
	memcpy(&k0, a->u.bytes, 8);
	memcpy(&k1, a->u.bytes + 8, 8);
	/* Multiplicative hashing (Knuth, TAOCP 6.4) of both halves: the
	 * bytes that differ between hosts are mostly in the last ones. */
	s = &slots[((k0 * 0x9e3779b97f4a7c15u) ^ (k1 * 0xc2b2ae3d27d4eb4fu)) >>
	    (64 - SLOT_BITS)];
	if (s->len && s->k0 == k0 && s->k1 == k1) {
		memcpy(buf, s->text, TEXT_MAX);
		return s->len;
	}
	n = ds_addr_format(a, 0, buf, DS_ADDR_STRLEN);
	if (n > 0 && n < TEXT_MAX) {
		s->k0 = k0;
		s->k1 = k1;
		s->len = (uint8_t)n;
		/* A fixed length is a few moves, not a call: buf has room
		 * for DS_ADDR_STRLEN, and what follows the NUL is never read
		 * back as text. */
		memcpy(s->text, buf, TEXT_MAX);
	}
	return n;
}
