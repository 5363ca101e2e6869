/* SPDX-License-Identifier: MIT */
/*
 * The library's read cursor (lib/cur.h): reads in network byte order at
 * absolute offsets, never past the end, a failed read leaves the position
 * and stores zeros, and the error is sticky.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cur.h"

static const uint8_t B[] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0xfe, 0xff};

static void
test_reads(void **state)
{
	struct ds_cur c = ds_cur_at(B, 0, sizeof(B));
	uint8_t u8, buf[3];
	uint16_t u16;
	uint32_t u32;

	(void)state;
	assert_int_equal(ds_cur_left(&c), sizeof(B));
	assert_int_equal(ds_cur_peek(&c, &u8), 0);
	assert_int_equal(u8, 0x01);
	assert_int_equal(c.off, 0);
	assert_int_equal(ds_cur_u8(&c, &u8), 0);
	assert_int_equal(u8, 0x01);
	assert_int_equal(ds_cur_be16(&c, &u16), 0);
	assert_int_equal(u16, 0x0203);
	assert_int_equal(ds_cur_be32(&c, &u32), 0);
	assert_int_equal(u32, 0x04050607u);
	assert_int_equal(ds_cur_skip(&c, 1), 0);
	assert_int_equal(ds_cur_bytes(&c, buf, 3), 0);
	assert_int_equal(buf[0], 0x09);
	assert_int_equal(buf[2], 0xff);
	assert_int_equal(c.off, sizeof(B));
	assert_int_equal(ds_cur_left(&c), 0);
	assert_int_equal(c.err, 0);
}

/* Each read one octet short of what it needs. */
static void
test_short(void **state)
{
	struct ds_cur c;
	uint8_t u8 = 0xaa, buf[4] = {0xaa, 0xaa, 0xaa, 0xaa};
	uint16_t u16 = 0xaaaa;
	uint32_t u32 = 0xaaaaaaaa;

	(void)state;
	c = ds_cur_at(B, 5, 6);
	assert_int_equal(ds_cur_be16(&c, &u16), -EBADMSG);
	assert_int_equal(u16, 0);
	assert_int_equal(c.off, 5);
	assert_int_equal(c.err, -EBADMSG);
	/* Sticky: a later read that fits does not clear it. */
	assert_int_equal(ds_cur_u8(&c, &u8), 0);
	assert_int_equal(u8, 0x06);
	assert_int_equal(c.err, -EBADMSG);

	c = ds_cur_at(B, 8, 11);
	assert_int_equal(ds_cur_be32(&c, &u32), -EBADMSG);
	assert_int_equal(u32, 0);
	assert_int_equal(ds_cur_bytes(&c, buf, 4), -EBADMSG);
	assert_int_equal(buf[0] | buf[1] | buf[2] | buf[3], 0);
	assert_int_equal(ds_cur_skip(&c, 4), -EBADMSG);
	assert_int_equal(c.off, 8);
	assert_int_equal(ds_cur_skip(&c, 3), 0);
	assert_int_equal(ds_cur_u8(&c, &u8), -EBADMSG);
	assert_int_equal(u8, 0);
	/* peek does not set the error. */
	c = ds_cur_at(B, 11, 11);
	assert_int_equal(ds_cur_peek(&c, &u8), -EBADMSG);
	assert_int_equal(c.err, 0);
}

/* A position past the end (an offset from a lying length field) reads
 * nothing and has nothing left. */
static void
test_past_end(void **state)
{
	struct ds_cur c = ds_cur_at(B, 20, 11);
	uint8_t u8;

	(void)state;
	assert_int_equal(ds_cur_left(&c), 0);
	assert_int_equal(ds_cur_u8(&c, &u8), -EBADMSG);
	assert_int_equal(ds_cur_skip(&c, 0), 0);
	assert_int_equal(ds_cur_skip(&c, SIZE_MAX), -EBADMSG);
	c = ds_cur_at(B, 0, 0);
	assert_int_equal(ds_cur_skip(&c, 1), -EBADMSG);
}

/* A fixed-size header: one check for all of it, then reads inside it. */
static void
test_fixed(void **state)
{
	struct ds_cur c = ds_cur_at(B, 1, sizeof(B));
	const uint8_t *b;

	(void)state;
	b = ds_cur_fixed(&c, 8);
	assert_ptr_equal(b, B + 1);
	assert_int_equal(c.off, 9);
	assert_int_equal(ds_get_be16(b), 0x0203);
	assert_int_equal(ds_get_be32(b + 4), 0x06070809u);
	assert_int_equal(c.err, 0);
	/* Two octets are left: a header of three is not there, and the
	 * position stays. */
	assert_null(ds_cur_fixed(&c, 3));
	assert_int_equal(c.off, 9);
	assert_int_equal(c.err, -EBADMSG);
	/* The whole of what is left, with the high bits set. */
	c = ds_cur_at(B, 7, sizeof(B));
	b = ds_cur_fixed(&c, 4);
	assert_non_null(b);
	assert_int_equal(ds_get_be32(b), 0x0809feffu);
	assert_int_equal(ds_get_be16(b + 2), 0xfeff);
	assert_int_equal(ds_cur_left(&c), 0);
	/* A position past the end has no header at all. */
	c = ds_cur_at(B, 20, sizeof(B));
	assert_null(ds_cur_fixed(&c, 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reads),
	    cmocka_unit_test(test_short),
	    cmocka_unit_test(test_past_end),
	    cmocka_unit_test(test_fixed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
