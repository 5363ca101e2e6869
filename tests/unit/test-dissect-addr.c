/* SPDX-License-Identifier: MIT */
/*
 * dissect's table of recently written IPv6 addresses
 * (src/cmd-dissect-addr.c) against the library's formatter: whatever the
 * table holds, dissect_addr_format() must write what ds_addr_format()
 * writes, on a miss, on a hit, and after a slot changed hands.
 *
 * A pool of addresses a few times the table's size is drawn from at
 * random, so that every address is looked up while absent, present and
 * evicted. The pool is biased to where a stale or mixed-up slot would
 * show: zero groups at every position (so "::" moves), IPv4-mapped and
 * other embedded-IPv4 prefixes, ::, ::1, neighbours that differ in one
 * octet only, and addresses with a zone, which the table must not hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "cmd-dissect-int.h"

#define POOL 2048
#define LOOKUPS 400000

/* xorshift64* from a fixed seed: a failure repeats. */
static uint64_t rs = UINT64_C(0x9e3779b97f4a7c15);

static uint32_t
rnd(uint32_t n)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return (uint32_t)((rs * UINT64_C(0x2545f4914f6cdd1d)) >> 32) % n;
}

/* A group that is zero half of the time, else 1 to 4 hex digits. */
static uint16_t
group(void)
{
	static const uint16_t mask[4] = {0xf, 0xff, 0xfff, 0xffff};

	if (rnd(2))
		return 0;
	return (uint16_t)(rnd(65536) & mask[rnd(4)]) | 1;
}

static void
gen(struct ds_addr *a, unsigned i)
{
	uint8_t b[16];

	for (int k = 0; k < 8; k++) {
		uint16_t g = group();

		b[2 * k] = (uint8_t)(g >> 8);
		b[2 * k + 1] = (uint8_t)g;
	}
	switch (rnd(12)) {
	case 0: /* IPv4-mapped, RFC 4291 section 2.5.5.2: mixed notation */
		memset(b, 0, 10);
		b[10] = b[11] = 0xff;
		break;
	case 1: /* almost mapped: group 5 is not ffff */
		memset(b, 0, 10);
		b[10] = 0xff;
		break;
	case 2: /* IPv4-compatible (deprecated): hex, not mixed */
		memset(b, 0, 12);
		break;
	case 3: /* NAT64 well-known prefix, RFC 6052 */
		memcpy(b, "\x00\x64\xff\x9b\0\0\0\0\0\0\0\0", 12);
		break;
	case 4: /* 6to4 and Teredo prefixes, as tunnels carry them */
		b[0] = 0x20;
		b[1] = rnd(2) ? 0x02 : 0x01;
		if (b[1] == 0x01)
			b[2] = b[3] = 0;
		break;
	case 5: /* ::, ::1, 1::, ::ffff:0.0.0.0 */
		memset(b, 0, 16);
		if (i % 4 == 1)
			b[15] = 1;
		else if (i % 4 == 2)
			b[1] = 1;
		else if (i % 4 == 3)
			b[10] = b[11] = 0xff;
		break;
	case 6: /* no zero group at all */
		for (int k = 0; k < 16; k += 2)
			b[k] |= 0x10;
		break;
	default:
		break;
	}
	ds_addr_from_v6(b, a);
}

static void
check(const struct ds_addr *a)
{
	char want[DS_ADDR_STRLEN], got[DS_ADDR_STRLEN];
	int nw = ds_addr_format(a, 0, want, sizeof(want));
	int ng;

	memset(got, 'x', sizeof(got));
	ng = dissect_addr_format(a, got);
	assert_int_equal(ng, nw);
	assert_memory_equal(got, want, (size_t)nw + 1);
}

static void
test_pool(void **state)
{
	static struct ds_addr pool[POOL];

	(void)state;
	for (unsigned i = 0; i < POOL; i++)
		gen(&pool[i], i);
	/* Neighbours: the last octet, the first octet, the middle one. */
	for (unsigned i = 0; i + 3 < POOL; i += 64) {
		pool[i + 1] = pool[i];
		pool[i + 1].u.bytes[15] ^= 1;
		pool[i + 2] = pool[i];
		pool[i + 2].u.bytes[0] ^= 0x80;
		pool[i + 3] = pool[i];
		pool[i + 3].u.bytes[7] ^= 4;
	}
	for (unsigned i = 0; i < POOL; i++)
		check(&pool[i]);
	/* Mostly a small working set, as flows are, now and then any. */
	for (unsigned n = 0; n < LOOKUPS; n++)
		check(&pool[rnd(8) ? rnd(64) : rnd(POOL)]);
	for (unsigned i = POOL; i-- > 0;)
		check(&pool[i]);
}

/* IPv4 and addresses with a zone bypass the table and stay right. */
static void
test_bypass(void **state)
{
	struct ds_addr a, z;
	uint8_t b[16] = {0xfe, 0x80, [15] = 1};
	char got[DS_ADDR_STRLEN];

	(void)state;
	for (unsigned i = 0; i < 100000; i++) {
		ds_addr_from_v4(rnd(UINT32_MAX), &a);
		check(&a);
	}
	ds_addr_from_v6(b, &a);
	check(&a);
	z = a;
	strcpy(z.zone, "eth0");
	check(&z);
	assert_int_equal(dissect_addr_format(&z, got), 12);
	assert_string_equal(got, "fe80::1%eth0");
	check(&a);
	assert_int_equal(dissect_addr_format(&a, got), 7);
	assert_string_equal(got, "fe80::1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pool),
	    cmocka_unit_test(test_bypass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
