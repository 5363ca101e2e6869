/* SPDX-License-Identifier: MIT */
/*
 * The CLI's one JSON writer (src/cli-json.c, linked into this test): the
 * stdio writer and the buffered one (json_init_out) give the same bytes
 * for the same calls, compact and pretty; every octet of a string value
 * is escaped as the writer promises, whatever its place in the string
 * (the writer checks 8 octets at a time, so a byte that needs escaping is
 * put at every offset of strings of every length across the word
 * boundaries); long strings are escaped in pieces; keys are written as
 * they are; numbers at their limits. And the text form of durations that
 * goes with json_kv_ms(), cli_duration_text().
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

/* The escape the writer promises, written the slow and obvious way. */
static size_t
reference(char *dst, const unsigned char *s, size_t len)
{
	size_t n = 0;

	dst[n++] = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			n += (size_t)sprintf(dst + n, "\\%c", c);
		else if (c == '\n')
			n += (size_t)sprintf(dst + n, "\\n");
		else if (c == '\r')
			n += (size_t)sprintf(dst + n, "\\r");
		else if (c == '\t')
			n += (size_t)sprintf(dst + n, "\\t");
		else if (c < 0x20 || c >= 0x7f)
			n += (size_t)sprintf(dst + n, "\\u%04x", c);
		else
			dst[n++] = (char)c;
	}
	dst[n++] = '"';
	dst[n] = '\0';
	return n;
}

static struct cli_out O;

/* What one writer made of a string value, as text. */
struct both {
	char *mem; /* stdio */
	size_t mem_len;
	const char *out; /* buffered: O.buf */
	size_t out_len;
};

/* Write the same document with both writers; compare and return it. */
typedef void (*doc_fn)(struct json *j, const void *arg);

static void
write_both(doc_fn fn, const void *arg, bool pretty, struct both *ret)
{
	struct json j;
	FILE *f;

	ret->mem = NULL;
	ret->mem_len = 0;
	f = open_memstream(&ret->mem, &ret->mem_len);
	assert_non_null(f);
	json_init(&j, f, pretty);
	fn(&j, arg);
	assert_int_equal(fclose(f), 0);

	O.len = 0;
	json_init_out(&j, &O, pretty);
	fn(&j, arg);
	ret->out = O.buf;
	ret->out_len = O.len;

	if (ret->mem_len != ret->out_len ||
	    memcmp(ret->mem, ret->out, ret->out_len) != 0)
		fail_msg("stdio and buffered writers differ:\n%.*s\n%.*s",
		    (int)ret->mem_len, ret->mem, (int)ret->out_len, ret->out);
}

struct str {
	const unsigned char *s;
	size_t len;
};

static void
doc_string(struct json *j, const void *arg)
{
	const struct str *x = arg;

	json_string_len(j, (const char *)x->s, x->len);
}

/* A long key (the program's own names need not be short) and a long
 * value, NUL-free by construction. */
static void
doc_kv_string(struct json *j, const void *arg)
{
	const struct str *x = arg;
	char key[300], val[300];

	assert_true(x->len < sizeof(key));
	memset(key, 'k', x->len);
	key[x->len] = '\0';
	memcpy(val, x->s, x->len);
	val[x->len] = '\0';
	json_begin_object(j);
	json_kv_string(j, key, val);
	json_kv_u64(j, key, 1);
	json_end(j);
}

/* One string, both writers, against the reference. */
static void
check_string(const unsigned char *s, size_t len)
{
	static char want[6 * 2048 + 3];
	struct str x = {s, len};
	struct both b;
	size_t n = reference(want, s, len);

	write_both(doc_string, &x, false, &b);
	if (b.out_len != n || memcmp(b.out, want, n) != 0)
		fail_msg("escaping %zu octets: want %s, got %.*s", len, want,
		    (int)b.out_len, b.out);
	free(b.mem);
}

static void
test_every_octet(void **state)
{
	unsigned char s[3];

	(void)state;
	for (unsigned c = 0; c < 256; c++) {
		s[0] = (unsigned char)c;
		check_string(s, 1);
		s[0] = 'a';
		s[1] = (unsigned char)c;
		s[2] = 'b';
		check_string(s, 3);
	}
}

/* A byte that needs escaping at every offset of every length up to 40,
 * and the same strings without it. */
static void
test_every_place(void **state)
{
	static const unsigned char bad[] = {
	    '"', '\\', 0x00, 0x01, 0x1f, 0x7f, 0x80, 0xff, '\n'};
	unsigned char s[40];

	(void)state;
	memset(s, 'a', sizeof(s));
	for (size_t len = 0; len <= sizeof(s); len++) {
		for (size_t i = 0; i < len; i++)
			s[i] = (unsigned char)('a' + i % 26);
		check_string(s, len);
		for (size_t at = 0; at < len; at++) {
			for (size_t k = 0; k < sizeof(bad); k++) {
				unsigned char keep = s[at];

				s[at] = bad[k];
				check_string(s, len);
				s[at] = keep;
			}
		}
	}
}

/* Plain octets next to the ones that are not: ' ' (0x20), '~' (0x7e),
 * '!' and '#' around '"', '[' and ']' around '\\'. */
static void
test_neighbours(void **state)
{
	static const unsigned char edge[] = {0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b,
	    0x5c, 0x5d, 0x7e, 0x7f, 0x80, 0xfe, 0xff};
	unsigned char s[24];

	(void)state;
	for (size_t a = 0; a < sizeof(edge); a++) {
		for (size_t b = 0; b < sizeof(edge); b++) {
			for (size_t len = 2; len <= sizeof(s); len += 7) {
				memset(s, 'x', sizeof(s));
				s[0] = edge[a];
				s[len - 1] = edge[b];
				check_string(s, len);
			}
		}
	}
}

/* Longer than the writer escapes in one piece. */
static void
test_long(void **state)
{
	static unsigned char s[2000];
	struct str x;
	struct both b;

	(void)state;
	for (size_t i = 0; i < sizeof(s); i++)
		s[i] = (unsigned char)(i % 7 == 3 ? '"' : 'a' + i % 26);
	check_string(s, sizeof(s));
	memset(s, 'q', sizeof(s));
	check_string(s, sizeof(s));
	/* A long key and a long value to escape, in one object. */
	x.s = s;
	x.len = 290 - 1;
	s[100] = '\\';
	write_both(doc_kv_string, &x, false, &b);
	/* {"k...":"q...\\q...","k...":1} */
	assert_int_equal(
	    b.out_len, 1 + (289 + 3) + (290 + 2) + 1 + (289 + 3) + 1 + 1);
	free(b.mem);
}

static void
doc_mixed(struct json *j, const void *arg)
{
	(void)arg;
	json_begin_object(j);
	json_kv_u64(j, "zero", 0);
	json_kv_u64(j, "max", UINT64_MAX);
	json_kv_u64(j, "ten", 10);
	json_kv_int(j, "min", LLONG_MIN);
	json_kv_int(j, "minus_one", -1);
	json_key(j, "uint");
	json_uint(j, 1000000000000000000ull);
	json_kv_bool(j, "t", true);
	json_kv_bool(j, "f", false);
	json_key(j, "nothing");
	json_null(j);
	json_kv_string(j, "key", "v\\a\"l");
	json_key(j, "list");
	json_begin_array(j);
	json_string(j, "a");
	json_uint(j, 7);
	json_begin_object(j);
	json_end(j);
	json_begin_array(j);
	json_end(j);
	json_begin_object(j);
	json_kv_ms(j, "elapsed_ms", 253903);
	json_end(j);
	json_end(j);
	json_key(j, "raw");
	json_raw(j, "1.5");
	json_end(j);
	json_finish(j);
}

static void
test_documents(void **state)
{
	struct both b;

	(void)state;
	write_both(doc_mixed, NULL, false, &b);
	assert_int_equal(b.out_len,
	    strlen("{\"zero\":0,\"max\":18446744073709551615,\"ten\":10,"
	           "\"min\":-9223372036854775808,\"minus_one\":-1,"
	           "\"uint\":1000000000000000000,\"t\":true,\"f\":false,"
	           "\"nothing\":null,\"key\":\"v\\\\a\\\"l\","
	           "\"list\":[\"a\",7,{},[],{\"elapsed_ms\":253.903}],"
	           "\"raw\":1.5}\n"));
	assert_memory_equal(b.out,
	    "{\"zero\":0,\"max\":18446744073709551615,\"ten\":10,"
	    "\"min\":-9223372036854775808,\"minus_one\":-1,"
	    "\"uint\":1000000000000000000,\"t\":true,\"f\":false,"
	    "\"nothing\":null,\"key\":\"v\\\\a\\\"l\","
	    "\"list\":[\"a\",7,{},[],{\"elapsed_ms\":253.903}],"
	    "\"raw\":1.5}\n",
	    b.out_len);
	free(b.mem);

	write_both(doc_mixed, NULL, true, &b);
	assert_non_null(strstr(b.mem, "{\n  \"zero\": 0,\n  \"max\": "));
	assert_non_null(strstr(b.mem,
	    "\"list\": [\n    \"a\",\n    7,\n    "
	    "{},\n    [],\n    {\n      "
	    "\"elapsed_ms\": 253.903\n    }\n  ],"));
	free(b.mem);
}

/* cli_fmt_u64(v, width) writes what printf's "%0*llu" does. */
static void
check_u64(uint64_t v, unsigned width)
{
	char buf[32], want[32];
	size_t n = cli_fmt_u64(buf, v, width);

	snprintf(
	    want, sizeof(want), "%0*llu", (int)width, (unsigned long long)v);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
}

/* The digits of cli_fmt_u64 around every power of ten, with padding. */
static void
test_numbers(void **state)
{
	char buf[32];
	uint64_t p = 1;

	(void)state;
	for (int e = 0; e < 20; e++) {
		uint64_t vs[3] = {p - 1, p, p + 1};

		for (int i = 0; i < 3; i++) {
			check_u64(vs[i], 1);
			check_u64(vs[i], 9);
		}
		if (e < 19)
			p *= 10;
	}
	/* Around 2^32, where the digits go from 64-bit to 32-bit division. */
	for (uint64_t v = (uint64_t)UINT32_MAX - 101;
	     v < (uint64_t)UINT32_MAX + 101; v++) {
		check_u64(v, 1);
		check_u64(v * 100 + 99, 1);
	}
	assert_int_equal(cli_fmt_u64(buf, UINT64_MAX, 1), 20);
	assert_memory_equal(buf, "18446744073709551615", 20);
	assert_int_equal(cli_fmt_u64(buf, 0, 6), 6);
	assert_memory_equal(buf, "000000", 6);
}

/*
 * The one text form of a duration (OUTPUT CONVENTIONS in dualstack(1)):
 * three significant digits, the unit by size, and no value that rounds
 * up into a fourth digit ("10.0ms", never "10.00ms"). Valid and edge
 * values side by side.
 */
static void
test_duration_text(void **state)
{
	static const struct {
		uint64_t us;
		const char *want;
	} cases[] = {
	    {0, "0us"},
	    {1, "1us"},
	    {850, "850us"},
	    {999, "999us"},
	    {1000, "1.00ms"},
	    {1234, "1.23ms"},
	    {9994, "9.99ms"},
	    {9995, "10.0ms"},
	    {12345, "12.3ms"},
	    {99949, "99.9ms"},
	    {99950, "100ms"},
	    {253903, "254ms"},
	    {999499, "999ms"},
	    {999500, "1.00s"},
	    {1500000, "1.50s"},
	    {9994999, "9.99s"},
	    {9995000, "10.0s"},
	    {99950000, "100s"},
	    {3600000000ull, "3600s"},
	};
	char buf[CLI_DURATION_STRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cli_duration_text(cases[i].us, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].want);
	}
	/* Counted in whole milliseconds: nothing below 1 ms to show. */
	assert_string_equal(cli_duration_ms_text(0, buf, sizeof(buf)), "<1ms");
	assert_string_equal(
	    cli_duration_ms_text(3, buf, sizeof(buf)), "3.00ms");
	assert_string_equal(
	    cli_duration_ms_text(3000, buf, sizeof(buf)), "3.00s");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_octet),
	    cmocka_unit_test(test_every_place),
	    cmocka_unit_test(test_neighbours),
	    cmocka_unit_test(test_long),
	    cmocka_unit_test(test_documents),
	    cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_duration_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
