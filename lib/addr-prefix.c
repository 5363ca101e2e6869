/* SPDX-License-Identifier: MIT */
/*
 * Prefix math -- masks, bounds, containment, counts, subnets, collapsing --
 * and the small constructors and comparisons of struct ds_addr.
 *
 * Addresses are big-endian byte strings (see addr-int.h). The arithmetic
 * (counts, n-th subnet, n-th address, decimal text) loads an address into an
 * unsigned 128-bit integer, a GCC/clang extension present on every 64-bit
 * Linux target; the public type stays struct ds_u128 { hi, lo }.
 *
 * Every value returned here is built from zero: unused bytes (4-15 for
 * IPv4) are zero, the zone is empty and scope_id is 0, so callers may
 * memcmp() results.
 *
 * A prefix length greater than the family's bit count is out of contract.
 * The functions that cannot report an error read it as the full length
 * (/32, /128); ds_prefix_subnet() and ds_prefix_nth() return -EINVAL.
 */
#include <errno.h>
#include <stdlib.h>

#include "addr-int.h"

/* __extension__ keeps -Wpedantic quiet about the non-ISO type. */
__extension__ typedef unsigned __int128 u128;

#define U128_MAX (~(u128)0)

/*
 * 2^128 in decimal: the size of the whole IPv6 space, one more than a u128
 * can hold, so ds_prefix_count_format() spells it out.
 */
static const char two_pow_128[] = "340282366920938463463374607431768211456";

/* Bytes used by an address of this family: 4, 16, or 0 for none. */
static unsigned
family_bytes(int family)
{
	switch (family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

/*
 * Sort rank of a family: IPv4 before IPv6. Values with no (or an unknown)
 * family sort first, so that the order stays total on any input.
 */
static int
family_rank(int family)
{
	switch (family) {
	case AF_INET:
		return 1;
	case AF_INET6:
		return 2;
	default:
		return 0;
	}
}

static int
cmp_int(long a, long b)
{
	return (a > b) - (a < b);
}

/* memcmp()/strncmp() result folded to -1, 0 or 1. */
static int
sign(int r)
{
	return (r > 0) - (r < 0);
}

/* p->len, read as the full length when it is out of range. */
static unsigned
prefix_len(const struct ds_prefix *p)
{
	unsigned bits = ds_addr_bits(&p->addr);

	return p->len < bits ? p->len : bits;
}

/* Shifts that give 0 instead of undefined behaviour at 128 bits or more. */
static u128
shl(u128 v, unsigned s)
{
	return s >= 128 ? 0 : v << s;
}

static u128
shr(u128 v, unsigned s)
{
	return s >= 128 ? 0 : v >> s;
}

/*
 * The low h bits set: the host part of a value with h host bits. For
 * h == 128, shl() gives 0 and 0 - 1 wraps to all ones, which is right.
 */
static u128
low_mask(unsigned h)
{
	return shl(1, h) - 1;
}

static u128
u128_from(struct ds_u128 x)
{
	return (u128)x.hi << 64 | x.lo;
}

static struct ds_u128
u128_to(u128 v)
{
	struct ds_u128 r = {(uint64_t)(v >> 64), (uint64_t)v};

	return r;
}

/* The address bits of a as an integer (IPv4 in the low 32 bits). */
static u128
addr_load(const struct ds_addr *a)
{
	unsigned i, nbytes = family_bytes(a->family);
	u128 v = 0;

	for (i = 0; i < nbytes; i++)
		v = v << 8 | a->u.bytes[i];
	return v;
}

/* A clean address of this family whose bits are the low bits of v. */
static void
addr_store(int family, u128 v, struct ds_addr *ret)
{
	struct ds_addr r = {0};
	unsigned i = family_bytes(family);

	r.family = family;
	while (i-- > 0) {
		r.u.bytes[i] = (uint8_t)v;
		v >>= 8;
	}
	*ret = r;
}

/* A copy of a's family and address bits only: no zone, no scope_id. */
static void
addr_clean(const struct ds_addr *a, struct ds_addr *ret)
{
	struct ds_addr r = {0};

	r.family = a->family;
	memcpy(r.u.bytes, a->u.bytes, family_bytes(a->family));
	*ret = r;
}

/* --- Construction and comparison ----------------------------------------- */

void
ds_addr_from_v4(uint32_t v4, struct ds_addr *ret)
{
	uint8_t b[4] = {(uint8_t)(v4 >> 24), (uint8_t)(v4 >> 16),
	    (uint8_t)(v4 >> 8), (uint8_t)v4};

	/*
	 * In place, not through a local copied out as addr_store() does:
	 * the packet decoder makes two of these per IP header, and the
	 * copy's wide loads over the local's narrow stores cannot be
	 * forwarded from the store buffer, which made these two functions
	 * a seventh of the time dissect spent on a tunnelled capture.
	 */
	memset(ret, 0, sizeof(*ret));
	ret->family = AF_INET;
	memcpy(ret->u.bytes, b, 4);
}

void
ds_addr_from_v6(const uint8_t bytes[16], struct ds_addr *ret)
{
	/* In place, as ds_addr_from_v4() says why. */
	memset(ret, 0, sizeof(*ret));
	ret->family = AF_INET6;
	memcpy(ret->u.bytes, bytes, 16);
}

uint32_t
ds_addr_v4(const struct ds_addr *a)
{
	/* Anything but IPv4 has no IPv4 value; 0 rather than garbage. */
	if (a->family != AF_INET)
		return 0;
	return (uint32_t)addr_load(a);
}

bool
ds_addr_equal(const struct ds_addr *a, const struct ds_addr *b)
{
	/*
	 * Only the bytes the family uses are compared, so a value someone
	 * built by hand with junk in bytes 4-15 of an IPv4 address still
	 * compares equal. The zone is compared as text: "3" and "eth0" may
	 * name the same interface, but telling is I/O.
	 */
	return a->family == b->family &&
	    memcmp(a->u.bytes, b->u.bytes, family_bytes(a->family)) == 0 &&
	    strncmp(a->zone, b->zone, DS_ZONE_MAX) == 0;
}

int
ds_addr_compare(const struct ds_addr *a, const struct ds_addr *b)
{
	int r;

	r = cmp_int(family_rank(a->family), family_rank(b->family));
	if (r == 0)
		r = cmp_int(a->family, b->family);
	if (r == 0)
		r = sign(
		    memcmp(a->u.bytes, b->u.bytes, family_bytes(a->family)));
	if (r == 0)
		r = sign(strncmp(a->zone, b->zone, DS_ZONE_MAX));
	return r;
}

/* --- Prefix math --------------------------------------------------------- */

void
ds_prefix_normalize(struct ds_prefix *p)
{
	unsigned nbytes = family_bytes(p->addr.family);

	ds__bits_clear_from(p->addr.u.bytes, prefix_len(p), nbytes);
	/* Bytes the family does not use stay zero, so memcmp() works. */
	memset(p->addr.u.bytes + nbytes, 0, sizeof(p->addr.u.bytes) - nbytes);
}

void
ds_prefix_mask(const struct ds_prefix *p, struct ds_addr *ret)
{
	unsigned nbytes = family_bytes(p->addr.family);
	struct ds_addr r = {0};

	r.family = p->addr.family;
	memset(r.u.bytes, 0xff, nbytes);
	ds__bits_clear_from(r.u.bytes, prefix_len(p), nbytes);
	*ret = r;
}

void
ds_prefix_wildcard(const struct ds_prefix *p, struct ds_addr *ret)
{
	unsigned nbytes = family_bytes(p->addr.family);
	struct ds_addr r = {0};

	r.family = p->addr.family;
	ds__bits_set_from(r.u.bytes, prefix_len(p), nbytes);
	*ret = r;
}

void
ds_prefix_first(const struct ds_prefix *p, struct ds_addr *ret)
{
	unsigned nbytes = family_bytes(p->addr.family);
	struct ds_addr r;

	addr_clean(&p->addr, &r);
	ds__bits_clear_from(r.u.bytes, prefix_len(p), nbytes);
	*ret = r;
}

void
ds_prefix_last(const struct ds_prefix *p, struct ds_addr *ret)
{
	unsigned nbytes = family_bytes(p->addr.family);
	struct ds_addr r;

	addr_clean(&p->addr, &r);
	ds__bits_set_from(r.u.bytes, prefix_len(p), nbytes);
	*ret = r;
}

bool
ds_prefix_contains(const struct ds_prefix *p, const struct ds_addr *a)
{
	/* A value with no family holds no addresses, not even its own. */
	if (family_bytes(p->addr.family) == 0 || a->family != p->addr.family)
		return false;
	return ds__bits_equal(p->addr.u.bytes, a->u.bytes, prefix_len(p));
}

bool
ds_prefix_contains_prefix(
    const struct ds_prefix *outer, const struct ds_prefix *inner)
{
	unsigned olen = prefix_len(outer);

	if (family_bytes(outer->addr.family) == 0 ||
	    inner->addr.family != outer->addr.family ||
	    prefix_len(inner) < olen)
		return false;
	return ds__bits_equal(outer->addr.u.bytes, inner->addr.u.bytes, olen);
}

void
ds_prefix_count(
    const struct ds_prefix *p, struct ds_u128 *ret, bool *ret_overflow)
{
	unsigned bits = ds_addr_bits(&p->addr);
	unsigned host = bits - prefix_len(p);

	/*
	 * 2^host. A value with no family holds nothing: 0. For host == 128
	 * (::/0) shl() gives 0, which is what the header promises together
	 * with the overflow flag. ret_overflow may be NULL for callers who
	 * know they never pass an IPv6 /0.
	 */
	*ret = u128_to(bits ? shl(1, host) : 0);
	if (ret_overflow)
		*ret_overflow = host == 128;
}

int
ds_prefix_count_format(const struct ds_prefix *p, char *buf, size_t size)
{
	struct ds_u128 c;
	bool over;

	ds_prefix_count(p, &c, &over);
	if (over)
		return ds__output(
		    two_pow_128, sizeof(two_pow_128) - 1, buf, size);
	return ds_u128_format(c, buf, size);
}

int
ds_u128_format(struct ds_u128 v, char *buf, size_t size)
{
	/* 2^128 - 1 has 39 digits. */
	char tmp[40], *end = tmp + sizeof(tmp), *q = end;
	u128 x = u128_from(v);

	do {
		*--q = (char)('0' + (unsigned)(x % 10));
		x /= 10;
	} while (x);
	return ds__output(q, (size_t)(end - q), buf, size);
}

int
ds_u128_parse(const char *s, size_t len, struct ds_u128 *ret)
{
	u128 v = 0;
	size_t i;

	/*
	 * Syntax first, so that a bad character is -EINVAL even when the
	 * digits before it already overflow.
	 */
	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;

	for (i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > U128_MAX / 10 ||
		    (v == U128_MAX / 10 && d > U128_MAX % 10))
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = u128_to(v);
	return 0;
}

int
ds_prefix_subnet(const struct ds_prefix *p, unsigned newlen, struct ds_u128 n,
    struct ds_prefix *ret)
{
	unsigned bits = ds_addr_bits(&p->addr);
	struct ds_prefix r = {0};
	u128 v, idx = u128_from(n);

	if (bits == 0)
		return -EAFNOSUPPORT;
	if (p->len > bits || newlen < p->len || newlen > bits)
		return -EINVAL;
	/* There are 2^(newlen - p->len) subnets: n must fit in that. */
	if (shr(idx, newlen - p->len) != 0)
		return -ERANGE;

	/*
	 * p's network bits (its host bits ignored), then n in the bits
	 * between the two lengths: [p->len, newlen).
	 */
	v = addr_load(&p->addr) & ~low_mask(bits - p->len);
	v |= shl(idx, bits - newlen);
	addr_store(p->addr.family, v, &r.addr);
	r.len = newlen;
	*ret = r;
	return 0;
}

int
ds_prefix_nth(const struct ds_prefix *p, struct ds_u128 n, struct ds_addr *ret)
{
	unsigned bits = ds_addr_bits(&p->addr);
	u128 v, idx = u128_from(n);

	if (bits == 0)
		return -EAFNOSUPPORT;
	if (p->len > bits)
		return -EINVAL;
	if (shr(idx, bits - p->len) != 0)
		return -ERANGE;

	/* idx fits in the host bits, which are cleared: OR is addition. */
	v = (addr_load(&p->addr) & ~low_mask(bits - p->len)) | idx;
	addr_store(p->addr.family, v, ret);
	return 0;
}

int
ds_prefix_compare(const struct ds_prefix *a, const struct ds_prefix *b)
{
	int r;

	r = cmp_int(family_rank(a->addr.family), family_rank(b->addr.family));
	if (r == 0)
		r = cmp_int(a->addr.family, b->addr.family);
	if (r == 0)
		r = sign(memcmp(a->addr.u.bytes, b->addr.u.bytes,
		    family_bytes(a->addr.family)));
	if (r == 0)
		r = cmp_int(a->len, b->len);
	/* Last, the zone, so that 0 means equal in everything compared. */
	if (r == 0)
		r = sign(strncmp(a->addr.zone, b->addr.zone, DS_ZONE_MAX));
	return r;
}

static int
prefix_qsort_cmp(const void *a, const void *b)
{
	return ds_prefix_compare(a, b);
}

/*
 * If lo and hi are the two halves of one parent -- same family, same
 * length, equal up to the last bit, lo's last bit 0 and hi's 1 -- turn lo
 * into the parent and return true.
 */
static bool
merge_siblings(struct ds_prefix *lo, const struct ds_prefix *hi)
{
	unsigned len = lo->len;

	if (lo->addr.family != hi->addr.family || hi->len != len || len == 0)
		return false;
	if (!ds__bits_equal(lo->addr.u.bytes, hi->addr.u.bytes, len - 1) ||
	    ds__bit(lo->addr.u.bytes, len - 1) != 0 ||
	    ds__bit(hi->addr.u.bytes, len - 1) != 1)
		return false;
	lo->len = len - 1;
	return true;
}

size_t
ds_prefix_collapse(struct ds_prefix *list, size_t n)
{
	size_t i, m = 0, top;

	/*
	 * Normalise into clean values: host bits cleared, zone and scope_id
	 * dropped, an out-of-range length read as the full length. Values
	 * with no address family hold no addresses and are dropped.
	 */
	for (i = 0; i < n; i++) {
		unsigned nbytes = family_bytes(list[i].addr.family);
		struct ds_prefix q = {0};

		if (nbytes == 0)
			continue;
		addr_clean(&list[i].addr, &q.addr);
		q.len = prefix_len(&list[i]);
		ds__bits_clear_from(q.addr.u.bytes, q.len, nbytes);
		list[m++] = q;
	}
	if (m == 0)
		return 0;

	/*
	 * Sorted by family, address, then length, a prefix comes before
	 * everything it contains (same address, shorter length first; or a
	 * smaller address).
	 */
	qsort(list, m, sizeof(*list), prefix_qsort_cmp);

	/*
	 * One pass, with list[0..top] used as a stack that always holds the
	 * result so far: sorted, pairwise disjoint, and with no two
	 * neighbours being siblings.
	 *
	 * The next prefix starts at or after the top's first address. Either
	 * the top contains it and it is dropped, or it is disjoint from the
	 * whole stack: it cannot contain the top (it would then have the
	 * top's address and a length no longer, and the sort put it first),
	 * and everything below the top ends before the top begins. Pushed,
	 * it may complete a pair with the entry below; the merged parent
	 * covers exactly the two halves, so it is still disjoint from what
	 * lies below it, and may in turn pair with that -- hence the loop.
	 * [10.0.0.0/24, 10.0.1.0/24, 10.0.2.0/23] becomes 10.0.0.0/23 after
	 * the second push and 10.0.0.0/22 after the third.
	 *
	 * Siblings can only be neighbours (anything between them would
	 * overlap one), and each neighbour pair is checked when its upper
	 * member arrives, so nothing mergeable is left. Each prefix is
	 * pushed once and each merge pops one, so the pass is O(n); qsort()
	 * dominates. The stack never passes the read index: no extra memory.
	 */
	top = 0;
	for (i = 1; i < m; i++) {
		if (ds_prefix_contains_prefix(&list[top], &list[i]))
			continue;
		list[++top] = list[i];
		while (top > 0 && merge_siblings(&list[top - 1], &list[top]))
			top--;
	}
	return top + 1;
}
