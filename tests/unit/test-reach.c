/* SPDX-License-Identifier: MIT */
/*
 * The reach protocol (doc/reach-protocol.md): every line type parsed and
 * formatted back, a table of malformed lines with the offset each error
 * points at, the names both ways, the errno mapping, tokens, the address
 * fitness of each class of address, and the findings of reports. Their
 * words are tested in test-reach-words.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"
#include "dualstack/reach.h"
#include "reach-int.h"
#include "reach-report.h"

#define T1 "0123456789abcdef0123456789abcdef"
#define T2 "ffffffffffffffffffffffffffffffff"
#define T3 "00000000000000000000000000000000"

/* Parse a copy of exactly len bytes, so that ASan sees an over-read. */
static int
parse_exact(const char *s, size_t len, struct ds_reach_msg *ret, size_t *errpos)
{
	char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, s, len);
	r = ds_reach_msg_parse(copy, len, ret, errpos);
	/* The tokens and the text point into the copy: keep them valid
	 * for the caller by pointing them into s instead. */
	if (r == 0) {
		for (size_t i = 0; i < DS_REACH_COUNT_MAX; i++)
			if (ret->tokens[i])
				ret->tokens[i] = s + (ret->tokens[i] - copy);
		if (ret->text)
			ret->text = s + (ret->text - copy);
	}
	free(copy);
	return r;
}

static struct ds_addr
addr(const char *text)
{
	struct ds_addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(ds_addr_parse(text, strlen(text), 0, &a, NULL), 0);
	return a;
}

/* Two messages are the same: field by field, tokens and text by content. */
static void
assert_msg_equal(const struct ds_reach_msg *a, const struct ds_reach_msg *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->target.addr.family, b->target.addr.family);
	if (a->target.addr.family)
		assert_true(ds_addr_equal(&a->target.addr, &b->target.addr));
	assert_int_equal(a->target.port, b->target.port);
	assert_int_equal(a->prove_to.addr.family, b->prove_to.addr.family);
	if (a->prove_to.addr.family)
		assert_true(
		    ds_addr_equal(&a->prove_to.addr, &b->prove_to.addr));
	assert_int_equal(a->prove_to.port, b->prove_to.port);
	assert_int_equal(a->count, b->count);
	assert_int_equal(a->port_only, b->port_only);
	assert_int_equal(a->deadline_ms, b->deadline_ms);
	assert_int_equal(a->err, b->err);
	assert_int_equal(a->text_len, b->text_len);
	if (a->text_len)
		assert_memory_equal(a->text, b->text, a->text_len);
	for (size_t i = 0; i < DS_REACH_COUNT_MAX; i++) {
		assert_int_equal(a->tokens[i] != NULL, b->tokens[i] != NULL);
		if (a->tokens[i])
			assert_memory_equal(
			    a->tokens[i], b->tokens[i], DS_REACH_TOKEN_HEX);
	}
	assert_int_equal(a->verdict, b->verdict);
	assert_int_equal(a->delivered, b->delivered);
	assert_int_equal(a->attempt, b->attempt);
	assert_int_equal(a->outcome, b->outcome);
	assert_int_equal(a->errno_val, b->errno_val);
	assert_int_equal(a->ms, b->ms);
}

/* --- Valid lines ---------------------------------------------------------- */

struct valid_case {
	const char *line;
	const char *formatted; /* what format writes back, without LF;
	                        * NULL: the line itself */
	enum ds_reach_msg_type type;
};

static const struct valid_case valid_cases[] = {
    {"DSREACH 1", NULL, DS_REACH_MSG_HELLO},
    {"DSREACH 2", NULL, DS_REACH_MSG_HELLO},
    {"DSREACH 65535", NULL, DS_REACH_MSG_HELLO},
    {"CHECK 2001:db8::1 40123 5", NULL, DS_REACH_MSG_CHECK},
    {"CHECK 2001:DB8:0:0::1 40123 5", "CHECK 2001:db8::1 40123 5",
        DS_REACH_MSG_CHECK},
    {"CHECK 192.0.2.1 1 16", NULL, DS_REACH_MSG_CHECK},
    {"CHECK 2001:db8::1 65535 1 port-only", NULL, DS_REACH_MSG_CHECK},
    {"CHECK ::ffff:192.0.2.1 80 3", NULL, DS_REACH_MSG_CHECK},
    {"OK 5 5000", NULL, DS_REACH_MSG_OK},
    {"OK 16 4294967295", NULL, DS_REACH_MSG_OK},
    {"ERR target", NULL, DS_REACH_MSG_ERR},
    {"ERR target the checker only tests global addresses", NULL,
        DS_REACH_MSG_ERR},
    {"ERR syntax column 7:  two  spaces are text here ", NULL,
        DS_REACH_MSG_ERR},
    {"ERR internal x", NULL, DS_REACH_MSG_ERR},
    {"TOKENS END", NULL, DS_REACH_MSG_TOKENS},
    {"TOKENS " T1 " END", NULL, DS_REACH_MSG_TOKENS},
    {"TOKENS " T1 " " T2 " " T3 " END", NULL, DS_REACH_MSG_TOKENS},
    {"RESULT reachable 5/5", NULL, DS_REACH_MSG_RESULT},
    {"RESULT partial 1/16", NULL, DS_REACH_MSG_RESULT},
    {"RESULT unreachable 0/1", NULL, DS_REACH_MSG_RESULT},
    {"ATTEMPT 1 delivered 12 0", NULL, DS_REACH_MSG_ATTEMPT},
    {"ATTEMPT 16 refused 0 ECONNREFUSED", NULL, DS_REACH_MSG_ATTEMPT},
    {"ATTEMPT 2 timeout 4294967295 ETIMEDOUT", NULL, DS_REACH_MSG_ATTEMPT},
    {"ATTEMPT 3 prohibited 3 13", "ATTEMPT 3 prohibited 3 EACCES",
        DS_REACH_MSG_ATTEMPT},
    {"ATTEMPT 3 error 3 4095", NULL, DS_REACH_MSG_ATTEMPT},
    {"DONE", NULL, DS_REACH_MSG_DONE},
    {"PROVE " T1 " 2001:db8::2 4646", NULL, DS_REACH_MSG_PROVE},
    {"PROVE " T2 " 198.51.100.2 1", NULL, DS_REACH_MSG_PROVE},
    {"PROVE " T1 " 2001:DB8::0:2 65535", "PROVE " T1 " 2001:db8::2 65535",
        DS_REACH_MSG_PROVE},
    {"CLAIM " T3, NULL, DS_REACH_MSG_CLAIM},
    {T1, NULL, DS_REACH_MSG_TOKEN},
    {T2, NULL, DS_REACH_MSG_TOKEN},
    {"DONE\r", "DONE", DS_REACH_MSG_DONE},
    {"CHECK 2001:db8::1 443 2\r", "CHECK 2001:db8::1 443 2",
        DS_REACH_MSG_CHECK},
};

static void
test_valid_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]);
	     i++) {
		const struct valid_case *c = &valid_cases[i];
		const char *want = c->formatted ? c->formatted : c->line;
		struct ds_reach_msg m, m2;
		char buf[DS_REACH_LINE_MAX + 1];
		size_t pos = 999;
		int n;

		memset(&m, 0, sizeof(m));
		if (parse_exact(c->line, strlen(c->line), &m, &pos) != 0)
			fail_msg(
			    "valid line refused at %zu: \"%s\"", pos, c->line);
		assert_int_equal(m.type, c->type);
		n = ds_reach_msg_format(&m, buf, sizeof(buf));
		assert_int_equal(n, (int)strlen(want) + 1);
		assert_int_equal(buf[n - 1], '\n');
		assert_memory_equal(buf, want, strlen(want));
		assert_int_equal(parse_exact(buf, (size_t)n - 1, &m2, NULL), 0);
		assert_msg_equal(&m, &m2);
	}
}

static void
test_valid_fields(void **state)
{
	struct ds_reach_msg m;
	struct ds_addr a = addr("2001:db8::1");
	const char *line;

	(void)state;
	line = "DSREACH 1";
	assert_int_equal(ds_reach_msg_parse(line, strlen(line), &m, NULL), 0);
	assert_int_equal(m.type, DS_REACH_MSG_HELLO);
	assert_int_equal(m.version, 1);

	line = "CHECK 2001:db8::1 40123 7 port-only";
	assert_int_equal(ds_reach_msg_parse(line, strlen(line), &m, NULL), 0);
	assert_int_equal(m.type, DS_REACH_MSG_CHECK);
	assert_true(ds_addr_equal(&m.target.addr, &a));
	assert_int_equal(m.target.port, 40123);
	assert_int_equal(m.count, 7);
	assert_true(m.port_only);

	line = "OK 3 2500";
	assert_int_equal(ds_reach_msg_parse(line, strlen(line), &m, NULL), 0);
	assert_int_equal(m.type, DS_REACH_MSG_OK);
	assert_int_equal(m.count, 3);
	assert_int_equal(m.deadline_ms, 2500);

	line = "ERR busy a check of 2001:db8::/64 is running";
	assert_int_equal(ds_reach_msg_parse(line, strlen(line), &m, NULL), 0);
	assert_int_equal(m.type, DS_REACH_MSG_ERR);
	assert_int_equal(m.err, DS_REACH_E_BUSY);
	assert_int_equal(m.text_len,
	    strlen("a check of 2001:db8::/64 is "
	           "running"));
	assert_ptr_equal(m.text, line + 9);

	line = "ERR rate";
	assert_int_equal(ds_reach_msg_parse(line, strlen(line), &m, NULL), 0);
	assert_int_equal(m.err, DS_REACH_E_RATE);
	assert_null(m.text);
	assert_int_equal(m.text_len, 0);

	line = "TOKENS " T1 " " T2 " END";
	assert_int_equal(ds_reach_msg_parse(line, strlen(line), &m, NULL), 0);
	assert_int_equal(m.type, DS_REACH_MSG_TOKENS);
	assert_int_equal(m.count, 2);
	assert_ptr_equal(m.tokens[0], line + 7);
	assert_ptr_equal(m.tokens[1], line + 7 + 33);
	assert_null(m.tokens[2]);

	line = "RESULT partial 3/5";
	assert_int_equal(ds_reach_msg_parse(line, strlen(line), &m, NULL), 0);
	assert_int_equal(m.verdict, DS_REACH_PARTIAL);
	assert_int_equal(m.delivered, 3);
	assert_int_equal(m.count, 5);

	line = "ATTEMPT 4 no-route 17 ENETUNREACH";
	assert_int_equal(ds_reach_msg_parse(line, strlen(line), &m, NULL), 0);
	assert_int_equal(m.attempt, 4);
	assert_int_equal(m.outcome, DS_REACH_NO_ROUTE);
	assert_int_equal(m.ms, 17);
	assert_int_equal(m.errno_val, ENETUNREACH);

	line = T2;
	assert_int_equal(ds_reach_msg_parse(line, strlen(line), &m, NULL), 0);
	assert_int_equal(m.type, DS_REACH_MSG_TOKEN);
	assert_ptr_equal(m.tokens[0], line);
	assert_int_equal(m.count, 0);

	/* The longest TOKENS line fits with room to spare. */
	char big[DS_REACH_LINE_MAX];
	size_t n = (size_t)snprintf(big, sizeof(big), "TOKENS");

	for (unsigned i = 0; i < DS_REACH_COUNT_MAX; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, " %s", T1);
	n += (size_t)snprintf(big + n, sizeof(big) - n, " END");
	assert_int_equal(parse_exact(big, n, &m, NULL), 0);
	assert_int_equal(m.count, DS_REACH_COUNT_MAX);
}

/* --- Malformed lines ------------------------------------------------------ */

struct bad_case {
	const char *line;
	size_t len; /* 0: strlen(line) */
	int err;
	size_t pos;
};

static const struct bad_case bad_cases[] = {
    /* Empty, unknown, wrong case. */
    {"", 0, -DS_E_REACH_EMPTY, 0},
    {" DONE", 0, -DS_E_REACH_EMPTY_FIELD, 0},
    {"DONE ", 0, -DS_E_REACH_EXTRA, 4},
    {"DONE x", 0, -DS_E_REACH_EXTRA, 4},
    {"done", 0, -DS_E_REACH_KEYWORD, 0},
    {"check 2001:db8::1 80 5", 0, -DS_E_REACH_KEYWORD, 0},
    {"Check 2001:db8::1 80 5", 0, -DS_E_REACH_KEYWORD, 0},
    {"HELLO 1", 0, -DS_E_REACH_KEYWORD, 0},
    {"TOKEN " T1, 0, -DS_E_REACH_KEYWORD, 0},
    {"\r", 0, -DS_E_REACH_EMPTY, 0},
    {"DONE\r\r", 0, -DS_E_REACH_CHAR, 4},
    {"DO\rNE", 0, -DS_E_REACH_CHAR, 2},
    {"DONE\t", 0, -DS_E_REACH_CHAR, 4},
    {"DONE\n", 0, -DS_E_REACH_CHAR, 4},
    {"D\xc3\x96NE", 0, -DS_E_REACH_CHAR, 1},
    /* HELLO */
    {"DSREACH", 0, -DS_E_REACH_MISSING, 7},
    {"DSREACH ", 0, -DS_E_REACH_EMPTY_FIELD, 8},
    {"DSREACH  1", 0, -DS_E_REACH_EMPTY_FIELD, 8},
    {"DSREACH 0", 0, -DS_E_REACH_RANGE, 8},
    {"DSREACH 01", 0, -DS_E_REACH_NUMBER, 8},
    {"DSREACH +1", 0, -DS_E_REACH_NUMBER, 8},
    {"DSREACH -1", 0, -DS_E_REACH_NUMBER, 8},
    {"DSREACH 1 2", 0, -DS_E_REACH_EXTRA, 9},
    {"DSREACH 65536", 0, -DS_E_REACH_RANGE, 8},
    {"DSREACH 99999999999999999999", 0, -DS_E_REACH_RANGE, 8},
    {"DSREACH 1x", 0, -DS_E_REACH_NUMBER, 9},
    /* CHECK: fields missing, spaces, ranges. */
    {"CHECK", 0, -DS_E_REACH_MISSING, 5},
    {"CHECK 2001:db8::1", 0, -DS_E_REACH_MISSING, 17},
    {"CHECK 2001:db8::1 80", 0, -DS_E_REACH_MISSING, 20},
    {"CHECK 2001:db8::1 80 ", 0, -DS_E_REACH_EMPTY_FIELD, 21},
    {"CHECK  2001:db8::1 80 5", 0, -DS_E_REACH_EMPTY_FIELD, 6},
    {"CHECK 2001:db8::1  80 5", 0, -DS_E_REACH_EMPTY_FIELD, 18},
    {"CHECK 2001:db8::1 80 5 ", 0, -DS_E_REACH_EMPTY_FIELD, 23},
    {"CHECK 2001:db8::1 80 0", 0, -DS_E_REACH_RANGE, 21},
    {"CHECK 2001:db8::1 80 17", 0, -DS_E_REACH_RANGE, 21},
    {"CHECK 2001:db8::1 80 05", 0, -DS_E_REACH_NUMBER, 21},
    {"CHECK 2001:db8::1 0 5", 0, -DS_E_PORT_RANGE, 18},
    {"CHECK 2001:db8::1 65536 5", 0, -DS_E_PORT_RANGE, 18},
    {"CHECK 2001:db8::1 http 5", 0, -DS_E_REACH_NUMBER, 18},
    {"CHECK 2001:db8::1 80 5 port-only x", 0, -DS_E_REACH_EXTRA, 32},
    {"CHECK 2001:db8::1 80 5 PORT-ONLY", 0, -DS_E_REACH_WORD, 23},
    {"CHECK 2001:db8::1 80 5 portonly", 0, -DS_E_REACH_WORD, 23},
    {"CHECK fe80::1%eth0 80 5", 0, -DS_E_ZONE_NOT_ALLOWED, 13},
    /* PROVE and CLAIM: a token, an address without zone, a port. */
    {"PROVE", 0, -DS_E_REACH_MISSING, 5},
    {"PROVE " T1, 0, -DS_E_REACH_MISSING, 38},
    {"PROVE " T1 " 2001:db8::2", 0, -DS_E_REACH_MISSING, 50},
    {"PROVE " T1 " 2001:db8::2 0", 0, -DS_E_PORT_RANGE, 51},
    {"PROVE " T1 " 2001:db8::2 65536", 0, -DS_E_PORT_RANGE, 51},
    {"PROVE " T1 " 2001:db8::2 4646 x", 0, -DS_E_REACH_EXTRA, 55},
    {"PROVE " T1 " fe80::2%eth0 4646", 0, -DS_E_ZONE_NOT_ALLOWED, 46},
    {"PROVE 0123456789ABCDEF0123456789abcdef 2001:db8::2 4646", 0,
        -DS_E_REACH_TOKEN, 16},
    {"PROVE 0123 2001:db8::2 4646", 0, -DS_E_REACH_TOKEN, 10},
    {"CLAIM", 0, -DS_E_REACH_MISSING, 5},
    {"CLAIM 0123", 0, -DS_E_REACH_TOKEN, 10},
    {"CLAIM " T1 " " T2, 0, -DS_E_REACH_EXTRA, 38},
    {"CHECK [2001:db8::1] 80 5", 0, -DS_E_BAD_CHAR, 6},
    {"CHECK [2001:db8::1]:80 5", 0, -DS_E_BAD_CHAR, 6},
    {"CHECK 2001:db8:::1 80 5", 0, -DS_E_V6_EMPTY_GROUP, 16},
    {"CHECK 192.0.2.256 80 5", 0, -DS_E_V4_OCTET_RANGE, 14},
    {"CHECK example.com 80 5", 0, -DS_E_V6_FEW_GROUPS, 17},
    /* OK */
    {"OK", 0, -DS_E_REACH_MISSING, 2},
    {"OK 5", 0, -DS_E_REACH_MISSING, 4},
    {"OK 0 5000", 0, -DS_E_REACH_RANGE, 3},
    {"OK 17 5000", 0, -DS_E_REACH_RANGE, 3},
    {"OK 5 0", 0, -DS_E_REACH_RANGE, 5},
    {"OK 5 4294967296", 0, -DS_E_REACH_RANGE, 5},
    {"OK 5 5000 x", 0, -DS_E_REACH_EXTRA, 9},
    {"ok 5 5000", 0, -DS_E_REACH_KEYWORD, 0},
    /* ERR */
    {"ERR", 0, -DS_E_REACH_MISSING, 3},
    {"ERR ", 0, -DS_E_REACH_EMPTY_FIELD, 4},
    {"ERR nonsense text", 0, -DS_E_REACH_WORD, 4},
    {"ERR SYNTAX text", 0, -DS_E_REACH_WORD, 4},
    {"ERR syntax ", 0, -DS_E_REACH_EMPTY_FIELD, 10},
    {"ERR  syntax", 0, -DS_E_REACH_EMPTY_FIELD, 4},
    {"ERR syntax bad\x01 byte", 0, -DS_E_REACH_CHAR, 14},
    /* TOKENS */
    {"TOKENS", 0, -DS_E_REACH_MISSING, 6},
    {"TOKENS " T1, 0, -DS_E_REACH_MISSING, 39},
    {"TOKENS " T1 " ", 0, -DS_E_REACH_EMPTY_FIELD, 40},
    {"TOKENS  END", 0, -DS_E_REACH_EMPTY_FIELD, 7},
    {"TOKENS END ", 0, -DS_E_REACH_EXTRA, 10},
    {"TOKENS END x", 0, -DS_E_REACH_EXTRA, 10},
    {"TOKENS END " T1, 0, -DS_E_REACH_EXTRA, 10},
    {"TOKENS end", 0, -DS_E_REACH_TOKEN, 8},
    {"TOKENS 0123456789abcdef0123456789abcde END", 0, -DS_E_REACH_TOKEN, 38},
    {"TOKENS 0123456789abcdef0123456789abcdef0 END", 0, -DS_E_REACH_TOKEN, 39},
    {"TOKENS 0123456789ABCDEF0123456789abcdef END", 0, -DS_E_REACH_TOKEN, 17},
    {"TOKENS 0123456789abcdeg0123456789abcdef END", 0, -DS_E_REACH_TOKEN, 22},
    {"TOKENS " T1 "  " T2 " END", 0, -DS_E_REACH_EMPTY_FIELD, 40},
    /* RESULT */
    {"RESULT", 0, -DS_E_REACH_MISSING, 6},
    {"RESULT reachable", 0, -DS_E_REACH_MISSING, 16},
    {"RESULT reachable 5", 0, -DS_E_REACH_MISSING, 18},
    {"RESULT reachable 5/", 0, -DS_E_REACH_NUMBER, 19},
    {"RESULT reachable /5", 0, -DS_E_REACH_NUMBER, 17},
    {"RESULT reachable 6/5", 0, -DS_E_REACH_RANGE, 17},
    {"RESULT reachable 0/0", 0, -DS_E_REACH_RANGE, 19},
    {"RESULT reachable 17/17", 0, -DS_E_REACH_RANGE, 20},
    {"RESULT reachable 4/5", 0, -DS_E_REACH_VERDICT, 7},
    {"RESULT partial 5/5", 0, -DS_E_REACH_VERDICT, 7},
    {"RESULT partial 0/5", 0, -DS_E_REACH_VERDICT, 7},
    {"RESULT unreachable 1/5", 0, -DS_E_REACH_VERDICT, 7},
    {"RESULT REACHABLE 5/5", 0, -DS_E_REACH_WORD, 7},
    {"RESULT maybe 1/5", 0, -DS_E_REACH_WORD, 7},
    {"RESULT reachable 5 / 5", 0, -DS_E_REACH_MISSING, 18},
    {"RESULT reachable 5/5 x", 0, -DS_E_REACH_EXTRA, 20},
    /* ATTEMPT */
    {"ATTEMPT 1 delivered 12", 0, -DS_E_REACH_MISSING, 22},
    {"ATTEMPT 0 delivered 12 0", 0, -DS_E_REACH_RANGE, 8},
    {"ATTEMPT 17 delivered 12 0", 0, -DS_E_REACH_RANGE, 8},
    {"ATTEMPT 1 DELIVERED 12 0", 0, -DS_E_REACH_WORD, 10},
    {"ATTEMPT 1 lost 12 0", 0, -DS_E_REACH_WORD, 10},
    {"ATTEMPT 1 refused -1 0", 0, -DS_E_REACH_NUMBER, 18},
    {"ATTEMPT 1 refused 1 ENOTANERRNO", 0, -DS_E_REACH_WORD, 20},
    {"ATTEMPT 1 refused 1 econnrefused", 0, -DS_E_REACH_NUMBER, 20},
    {"ATTEMPT 1 refused 1 -111", 0, -DS_E_REACH_NUMBER, 20},
    {"ATTEMPT 1 refused 1 4096", 0, -DS_E_REACH_RANGE, 20},
    {"ATTEMPT 1 refused 1 00", 0, -DS_E_REACH_NUMBER, 20},
    {"ATTEMPT 1 refused 1 0 x", 0, -DS_E_REACH_EXTRA, 21},
    /* TOKEN lines. */
    {"0123456789abcdef0123456789abcde", 0, -DS_E_REACH_TOKEN, 31},
    {"0123456789abcdef0123456789abcdef0", 0, -DS_E_REACH_TOKEN, 32},
    {"0123456789abcdef0123456789ABCDEF", 0, -DS_E_REACH_TOKEN, 26},
    {"0123456789abcdef0123456789abcdeF", 0, -DS_E_REACH_TOKEN, 31},
    {T1 " ", 0, -DS_E_REACH_EXTRA, 32},
    {T1 " " T2, 0, -DS_E_REACH_EXTRA, 32},
    {"abc", 0, -DS_E_REACH_TOKEN, 3},
    {"xyz", 0, -DS_E_REACH_KEYWORD, 0},
    /* A NUL is a byte like any other, and refused where it stands. */
    {"DONE\0", 5, -DS_E_REACH_CHAR, 4},
    {"DSREACH \0", 9, -DS_E_REACH_CHAR, 8},
    {"0123456789abcdef\0"
     "123456789abcdef",
        32, -DS_E_REACH_CHAR, 16},
};

static void
test_malformed(void **state)
{
	unsigned failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		size_t len = c->len ? c->len : strlen(c->line);
		struct ds_reach_msg m, orig;
		size_t pos = 9999;
		int r;

		memset(&m, 0x5a, sizeof(m));
		orig = m;
		r = parse_exact(c->line, len, &m, &pos);
		if (r != c->err || pos != c->pos) {
			print_error("case %zu \"%s\": got %d at %zu, want %d "
			            "at %zu\n",
			    i, c->line, r, pos, c->err, c->pos);
			failed++;
		}
		/* *ret is written only on success. */
		assert_memory_equal(&m, &orig, sizeof(m));
	}
	assert_int_equal(failed, 0);
}

static void
test_too_long(void **state)
{
	char line[DS_REACH_LINE_MAX + 8];
	struct ds_reach_msg m;
	size_t pos = 0, n;

	(void)state;
	/* ERR with a text that makes the line exactly the limit: 1023 bytes
	 * and the newline. */
	n = (size_t)snprintf(line, sizeof(line), "ERR internal ");
	memset(line + n, 'x', DS_REACH_LINE_MAX - 1 - n);
	assert_int_equal(parse_exact(line, DS_REACH_LINE_MAX - 1, &m, &pos), 0);
	assert_int_equal(m.text_len, DS_REACH_LINE_MAX - 1 - n);
	/* ... and one more byte is too long, whatever it is. */
	line[DS_REACH_LINE_MAX - 1] = 'x';
	assert_int_equal(parse_exact(line, DS_REACH_LINE_MAX, &m, &pos),
	    -DS_E_REACH_TOO_LONG);
	assert_int_equal(pos, DS_REACH_LINE_MAX - 1);
	line[DS_REACH_LINE_MAX - 1] = '\r';
	assert_int_equal(parse_exact(line, DS_REACH_LINE_MAX, &m, &pos),
	    -DS_E_REACH_TOO_LONG);
	/* A 17th token. */
	n = (size_t)snprintf(line, sizeof(line), "TOKENS");
	for (unsigned i = 0; i < DS_REACH_COUNT_MAX + 1; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s", T1);
	n += (size_t)snprintf(line + n, sizeof(line) - n, " END");
	assert_int_equal(parse_exact(line, n, &m, &pos), -DS_E_REACH_RANGE);
	assert_int_equal(pos, 7 + 16 * 33);
	/* errpos may be NULL. */
	assert_int_equal(
	    ds_reach_msg_parse("x", 1, &m, NULL), -DS_E_REACH_KEYWORD);
}

/* --- Formatting ----------------------------------------------------------- */

static void
test_format(void **state)
{
	struct ds_reach_msg m;
	char buf[DS_REACH_LINE_MAX + 8], small[8];
	char text[DS_REACH_LINE_MAX];

	(void)state;
	memset(&m, 0, sizeof(m));
	m.type = DS_REACH_MSG_CHECK;
	m.target.addr = addr("2001:0db8:0000::0001");
	m.target.port = 40123;
	m.count = 5;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), 26);
	assert_string_equal(buf, "CHECK 2001:db8::1 40123 5\n");

	/* snprintf semantics: the length needed, truncated, terminated. */
	assert_int_equal(ds_reach_msg_format(&m, small, sizeof(small)), 26);
	assert_string_equal(small, "CHECK 2");
	assert_int_equal(ds_reach_msg_format(&m, NULL, 0), 26);

	/* What would not parse back is refused. */
	m.target.addr = addr("fe80::1%eth0");
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);
	m.target.addr = addr("2001:db8::1");
	m.target.port = 0;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);
	m.target.port = 1;
	m.count = 0;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);
	m.count = DS_REACH_COUNT_MAX + 1;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);
	memset(&m.target.addr, 0, sizeof(m.target.addr));
	m.count = 1;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);

	memset(&m, 0, sizeof(m));
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);
	m.type = DS_REACH_MSG_TOKEN + 1;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);
	m.type = DS_REACH_MSG_HELLO;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);
	m.version = DS_REACH_VERSION;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "DSREACH 2\n");

	memset(&m, 0, sizeof(m));
	m.type = DS_REACH_MSG_OK;
	m.count = 5;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);

	memset(&m, 0, sizeof(m));
	m.type = DS_REACH_MSG_TOKENS;
	m.count = 2;
	m.tokens[0] = T1;
	m.tokens[1] = "0123456789ABCDEF0123456789abcdef";
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);
	m.tokens[1] = NULL;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);
	m.tokens[1] = T2 "trailing bytes are not part of a token";
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), 77);
	assert_string_equal(buf, "TOKENS " T1 " " T2 " END\n");

	memset(&m, 0, sizeof(m));
	m.type = DS_REACH_MSG_TOKEN;
	m.tokens[0] = T3;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), 33);
	assert_string_equal(buf, T3 "\n");

	memset(&m, 0, sizeof(m));
	m.type = DS_REACH_MSG_ERR;
	m.err = DS_REACH_E_TARGET;
	m.text = "not global\r";
	m.text_len = strlen(m.text);
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);
	m.text_len--;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), 22);
	assert_string_equal(buf, "ERR target not global\n");
	m.err = 0;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);
	/* The text fills the line up to the limit and not beyond. */
	m.err = DS_REACH_E_INTERNAL;
	memset(text, 'y', sizeof(text));
	m.text = text;
	m.text_len = DS_REACH_LINE_MAX - 1 - strlen("ERR internal ");
	assert_int_equal(
	    ds_reach_msg_format(&m, buf, sizeof(buf)), DS_REACH_LINE_MAX);
	m.text_len++;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);

	memset(&m, 0, sizeof(m));
	m.type = DS_REACH_MSG_RESULT;
	m.verdict = DS_REACH_PARTIAL;
	m.delivered = 5;
	m.count = 5;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);
	m.verdict = DS_REACH_REACHABLE;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), 21);
	assert_string_equal(buf, "RESULT reachable 5/5\n");
	m.delivered = 6;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);

	memset(&m, 0, sizeof(m));
	m.type = DS_REACH_MSG_ATTEMPT;
	m.attempt = 2;
	m.outcome = DS_REACH_ERROR;
	m.ms = 9;
	m.errno_val = EXFULL; /* no name in the table: decimal */
	assert_true(ds_reach_msg_format(&m, buf, sizeof(buf)) > 0);
	snprintf(text, sizeof(text), "ATTEMPT 2 error 9 %d\n", EXFULL);
	assert_string_equal(buf, text);
	m.errno_val = -ECONNREFUSED;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);
	m.errno_val = 4096;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);
	m.errno_val = 0;
	m.outcome = 0;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);
	m.outcome = DS_REACH_ERROR + 1;
	assert_int_equal(ds_reach_msg_format(&m, buf, sizeof(buf)), -EINVAL);
}

/* --- Names, errno, tokens ------------------------------------------------- */

static void
test_names(void **state)
{
	static const char *const outcomes[] = {"delivered", "connected",
	    "not-returned", "mismatch", "refused", "prohibited", "no-route",
	    "addr-unreachable", "timeout", "reset", "error"};
	static const char *const errs[] = {"syntax", "too-long", "version",
	    "count", "target", "port", "busy", "rate", "state", "timeout",
	    "internal"};
	static const char *const verdicts[] = {
	    "reachable", "partial", "unreachable"};
	enum ds_reach_outcome o;
	enum ds_reach_err e;
	enum ds_reach_verdict v;

	(void)state;
	for (unsigned i = 0; i < 11; i++) {
		assert_string_equal(ds_reach_outcome_name(i + 1), outcomes[i]);
		assert_int_equal(ds_reach_outcome_parse(
		                     outcomes[i], strlen(outcomes[i]), &o),
		    0);
		assert_int_equal(o, i + 1);
		assert_string_equal(ds_reach_err_name(i + 1), errs[i]);
		assert_int_equal(
		    ds_reach_err_parse(errs[i], strlen(errs[i]), &e), 0);
		assert_int_equal(e, i + 1);
	}
	for (unsigned i = 0; i < 3; i++) {
		assert_string_equal(ds_reach_verdict_name(i + 1), verdicts[i]);
		assert_int_equal(ds_reach_verdict_parse(
		                     verdicts[i], strlen(verdicts[i]), &v),
		    0);
		assert_int_equal(v, i + 1);
	}
	assert_string_equal(ds_reach_outcome_name(0), "unknown");
	assert_string_equal(ds_reach_outcome_name(12), "unknown");
	assert_string_equal(ds_reach_err_name(0), "unknown");
	assert_string_equal(ds_reach_err_name(99), "unknown");
	assert_string_equal(ds_reach_verdict_name(0), "unknown");
	assert_string_equal(ds_reach_verdict_name(4), "unknown");

	/* Exact: no prefix, no case folding, the length counts. */
	o = 0;
	assert_int_equal(ds_reach_outcome_parse("refuse", 6, &o), -EINVAL);
	assert_int_equal(ds_reach_outcome_parse("Refused", 7, &o), -EINVAL);
	assert_int_equal(ds_reach_outcome_parse("refusedx", 7, &o), 0);
	assert_int_equal(o, DS_REACH_REFUSED);
	assert_int_equal(ds_reach_outcome_parse("unknown", 7, &o), -EINVAL);
	assert_int_equal(ds_reach_outcome_parse("", 0, &o), -EINVAL);
	assert_int_equal(ds_reach_err_parse("busy ", 5, &e), -EINVAL);
	assert_int_equal(ds_reach_verdict_parse("PARTIAL", 7, &v), -EINVAL);
}

static void
test_from_errno(void **state)
{
	static const struct {
		int err;
		enum ds_reach_outcome o;
	} cases[] = {
	    {ECONNREFUSED, DS_REACH_REFUSED},
	    {EACCES, DS_REACH_PROHIBITED},
	    {EPERM, DS_REACH_PROHIBITED},
	    {ENETUNREACH, DS_REACH_NO_ROUTE},
	    {EHOSTUNREACH, DS_REACH_ADDR_UNREACH},
	    {ETIMEDOUT, DS_REACH_TIMEOUT},
	    {ECONNRESET, DS_REACH_RESET},
	    {EPIPE, DS_REACH_RESET},
	    {ENOMEM, DS_REACH_ERROR},
	    {EADDRNOTAVAIL, DS_REACH_ERROR},
	    {EMFILE, DS_REACH_ERROR},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    ds_reach_outcome_from_errno(-cases[i].err), cases[i].o);
		/* A positive errno means the same. */
		assert_int_equal(
		    ds_reach_outcome_from_errno(cases[i].err), cases[i].o);
	}
}

static void
test_token_new(void **state)
{
	char a[DS_REACH_TOKEN_HEX + 1], b[DS_REACH_TOKEN_HEX + 1];
	struct ds_reach_msg m;

	(void)state;
	memset(a, 'X', sizeof(a));
	assert_int_equal(ds_reach_token_new(a), 0);
	assert_int_equal(strlen(a), DS_REACH_TOKEN_HEX);
	assert_int_equal(ds_reach_msg_parse(a, strlen(a), &m, NULL), 0);
	assert_int_equal(m.type, DS_REACH_MSG_TOKEN);
	assert_int_equal(ds_reach_token_new(b), 0);
	/* 128 random bits: two equal ones mean the generator is broken. */
	assert_string_not_equal(a, b);
}

/*
 * The checker's refusal reasons: a name each, unique, lower case with
 * dashes, and a code; a name that says its code's family ("syntax-",
 * "target-", "busy-", "rate-") has that code. The event kinds too.
 */
static void
test_why_names(void **state)
{
	static const struct {
		const char *prefix;
		enum ds_reach_err code;
	} families[] = {
	    {"syntax-", DS_REACH_E_SYNTAX},
	    {"target-", DS_REACH_E_TARGET},
	    {"busy-", DS_REACH_E_BUSY},
	    {"rate-", DS_REACH_E_RATE},
	    {"claim", DS_REACH_E_TARGET},
	};
	const char *seen[DS_REACH__WHY_END] = {NULL};

	(void)state;
	for (unsigned w = 1; w < DS_REACH__WHY_END; w++) {
		const char *name = ds_reach_why_name(w);
		enum ds_reach_err code = ds_reach_why_code(w);

		assert_string_not_equal(name, "unknown");
		assert_int_equal(
		    strspn(name, "abcdefghijklmnopqrstuvwxyz-"), strlen(name));
		assert_true(code >= 1 && code < DS_REACH__ERR_END);
		for (unsigned k = 1; k < w; k++)
			assert_string_not_equal(seen[k], name);
		seen[w] = name;
		for (size_t f = 0; f < sizeof(families) / sizeof(families[0]);
		     f++)
			if (strncmp(name, families[f].prefix,
			        strlen(families[f].prefix)) == 0 &&
			    code != families[f].code &&
			    code != DS_REACH_E_STATE)
				fail_msg("%s: code %s", name,
				    ds_reach_err_name(code));
	}
	assert_int_equal(
	    ds_reach_why_code(DS_REACH_WHY_CLAIM_UNKNOWN), DS_REACH_E_STATE);
	assert_int_equal(
	    ds_reach_why_code(DS_REACH_WHY_LINE_TOO_LONG), DS_REACH_E_TOO_LONG);
	assert_string_equal(ds_reach_why_name(0), "unknown");
	assert_string_equal(ds_reach_why_name(DS_REACH__WHY_END), "unknown");
	assert_int_equal(ds_reach_why_code(0), 0);
	assert_int_equal(ds_reach_why_code(DS_REACH__WHY_END), 0);

	for (unsigned k = 1; k < DS_REACH__EV_END; k++) {
		assert_string_not_equal(ds_reach_event_name(k), "unknown");
		for (unsigned j = 1; j < k; j++)
			assert_string_not_equal(
			    ds_reach_event_name(j), ds_reach_event_name(k));
	}
	assert_string_equal(ds_reach_event_name(DS_REACH__EV_END), "unknown");
}

/* --- Fitness -------------------------------------------------------------- */

static void
test_fitness(void **state)
{
	static const struct {
		const char *addr;
		enum ds_addr_kind kind; /* 0: fit */
	} cases[] = {
	    {"2a00:1450:4001:80b::200e", 0},
	    {"2600::1", 0},
	    {"8.8.8.8", 0},
	    {"192.0.0.9", 0}, /* PCP anycast: global by the registry */
	    {"::", DS_KIND_UNSPECIFIED},
	    {"0.0.0.0", DS_KIND_UNSPECIFIED},
	    {"::1", DS_KIND_LOOPBACK},
	    {"127.0.0.1", DS_KIND_LOOPBACK},
	    {"fe80::1", DS_KIND_LINK_LOCAL},
	    {"169.254.1.1", DS_KIND_LINK_LOCAL},
	    {"fd00::1", DS_KIND_ULA},
	    {"fc12::1", DS_KIND_ULA},
	    {"fec0::1", DS_KIND_SITE_LOCAL},
	    {"2001::1", DS_KIND_TEREDO},
	    {"2002:c000:0201::1", DS_KIND_6TO4},
	    {"192.88.99.1", DS_KIND_6TO4},
	    {"::ffff:192.0.2.1", DS_KIND_MAPPED},
	    {"::192.0.2.1", DS_KIND_COMPATIBLE},
	    {"64:ff9b::192.0.2.1", DS_KIND_NAT64},
	    {"2001:db8::1", DS_KIND_DOCUMENTATION},
	    {"3fff::1", DS_KIND_DOCUMENTATION},
	    {"192.0.2.1", DS_KIND_DOCUMENTATION},
	    {"203.0.113.7", DS_KIND_DOCUMENTATION},
	    {"ff02::1", DS_KIND_MULTICAST},
	    {"ff0e::1", DS_KIND_MULTICAST},
	    {"224.0.0.1", DS_KIND_MULTICAST},
	    {"10.1.2.3", DS_KIND_PRIVATE},
	    {"192.168.1.1", DS_KIND_PRIVATE},
	    {"172.16.0.1", DS_KIND_PRIVATE},
	    {"100.64.0.1", DS_KIND_SHARED},
	    {"0.1.2.3", DS_KIND_THIS_NETWORK},
	    {"255.255.255.255", DS_KIND_BROADCAST},
	    {"240.0.0.1", DS_KIND_RESERVED},
	    {"100::1", DS_KIND_DISCARD},
	    {"2001:2::1", DS_KIND_BENCHMARKING},
	    {"198.18.0.1", DS_KIND_BENCHMARKING},
	    {"2001:20::1", DS_KIND_ORCHID},
	    {"4000::1", DS_KIND_OTHER},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ds_addr a = addr(cases[i].addr);
		enum ds_addr_kind kind = 0;
		int r = ds_reach_address_fitness(&a, &kind);

		if (cases[i].kind == 0) {
			if (r != 0)
				fail_msg("%s: unfit: %s", cases[i].addr,
				    ds_addr_kind_name(kind));
			assert_int_equal(kind, 0);
			continue;
		}
		if (r != -EADDRNOTAVAIL || kind != cases[i].kind)
			fail_msg("%s: got %d %s, want %s", cases[i].addr, r,
			    ds_addr_kind_name(kind),
			    ds_addr_kind_name(cases[i].kind));
	}

	/* A zone does not change the verdict; no family is an error; the
	 * kind may be left out. */
	struct ds_addr a = addr("fe80::1%eth0");
	struct ds_addr none;
	enum ds_addr_kind kind = 0;

	assert_int_equal(ds_reach_address_fitness(&a, &kind), -EADDRNOTAVAIL);
	assert_int_equal(kind, DS_KIND_LINK_LOCAL);
	assert_int_equal(ds_reach_address_fitness(&a, NULL), -EADDRNOTAVAIL);
	memset(&none, 0, sizeof(none));
	kind = 0;
	assert_int_equal(ds_reach_address_fitness(&none, &kind), -EAFNOSUPPORT);
	assert_int_equal(kind, 0);
}

/* --- Findings ------------------------------------------------------------- */

/*
 * The findings of r have exactly these codes, in this order (a list
 * ending in 0); each has tokens for its code and severity and r's target
 * as its subject. Returns how many; they are in f.
 */
static int
assert_codes(const struct ds_reach_report *r, struct ds_finding *f, ...)
{
	enum ds_finding_code want[DS_REACH_FINDINGS_MAX + 1];
	size_t n_want = 0;
	va_list ap;
	int n;

	va_start(ap, f);
	while ((want[n_want] = va_arg(ap, enum ds_finding_code)) != 0)
		n_want++;
	va_end(ap);
	n = ds_reach_findings(r, f, DS_REACH_FINDINGS_MAX);
	for (int i = 0; i < n; i++)
		if ((size_t)i >= n_want || f[i].code != want[i])
			fail_msg("finding %d: %s, want %s", i,
			    ds_finding_token(f[i].code),
			    (size_t)i < n_want ? ds_finding_token(want[i])
			                       : "none");
	assert_int_equal(n, n_want);
	for (int i = 0; i < n; i++) {
		assert_non_null(ds_finding_token(f[i].code));
		assert_non_null(ds_severity_token(f[i].severity));
		if (r->target.addr.family == 0) {
			assert_int_equal(f[i].subject.type, 0);
			continue;
		}
		assert_int_equal(f[i].subject.key, DS_EVK_TARGET);
		assert_int_equal(f[i].subject.type, DS_EV_ENDPOINT);
		assert_true(
		    ds_addr_equal(&f[i].subject.v.ep.addr, &r->target.addr));
		assert_int_equal(f[i].subject.v.ep.port, r->target.port);
	}
	return n;
}

/* Evidence k of f is the uint v. */
static void
assert_uint(const struct ds_finding *f, enum ds_evidence_key k, uint64_t v)
{
	const struct ds_evidence *e = ds_finding_get(f, k);

	if (!e)
		fail_msg("%s: no %s", ds_finding_token(f->code),
		    ds_evidence_key_token(k));
	assert_int_equal(e->type, DS_EV_UINT);
	assert_int_equal(e->v.u, v);
}

static void
test_findings_verdict(void **state)
{
	struct ds_finding f[DS_REACH_FINDINGS_MAX];
	struct ds_reach_report r;

	(void)state;
	r = report("[2001:db8::1]:40123", false, 3, DS_REACH_DELIVERED, 0,
	    DS_REACH_DELIVERED, 0, DS_REACH_DELIVERED, 0);
	assert_codes(&r, f, DS_FIND_REACH_REACHABLE, 0);
	assert_int_equal(f[0].severity, DS_SEV_OK);
	assert_uint(&f[0], DS_EVK_COUNT, 3);
	assert_uint(&f[0], DS_EVK_OF, 3);
	assert_false(ds_finding_bool(&f[0], DS_EVK_PORT_ONLY));
	assert_null(ds_finding_get(&f[0], DS_EVK_CODE));

	/* Port only: it got through, and proves less. */
	r = report("192.0.2.1:443", true, 2, DS_REACH_CONNECTED, 0,
	    DS_REACH_CONNECTED, 0);
	assert_codes(
	    &r, f, DS_FIND_REACH_REACHABLE, DS_FIND_REACH_PORT_ONLY, 0);
	assert_true(ds_finding_bool(&f[0], DS_EVK_PORT_ONLY));
	assert_int_equal(f[1].severity, DS_SEV_INFO);

	/* Some through, some not: each reason once, then the flapping. */
	r = report("[2001:db8::1]:40123", false, 4, DS_REACH_DELIVERED, 0,
	    DS_REACH_TIMEOUT, -ETIMEDOUT, DS_REACH_DELIVERED, 0,
	    DS_REACH_REFUSED, -ECONNREFUSED);
	r.n_seen = 0;
	assert_codes(&r, f, DS_FIND_REACH_PARTIAL, DS_FIND_REACH_DROPPED,
	    DS_FIND_REACH_REFUSED, DS_FIND_REACH_FLAPPING, 0);
	assert_int_equal(f[0].severity, DS_SEV_WARNING);
	assert_uint(&f[0], DS_EVK_COUNT, 2);
	assert_uint(&f[0], DS_EVK_OF, 4);
	assert_uint(&f[1], DS_EVK_COUNT, 1);
	assert_uint(&f[2], DS_EVK_COUNT, 1);
	assert_false(ds_finding_bool(&f[2], DS_EVK_PORT_ONLY));
	assert_int_equal(f[3].severity, DS_SEV_WARNING);
	assert_uint(&f[3], DS_EVK_COUNT, 2);

	/* None through, one reason: the summary names it. */
	r = report("[2001:db8::1]:40123", false, 2, DS_REACH_TIMEOUT,
	    -ETIMEDOUT, DS_REACH_TIMEOUT, -ETIMEDOUT);
	assert_codes(
	    &r, f, DS_FIND_REACH_UNREACHABLE, DS_FIND_REACH_DROPPED, 0);
	assert_int_equal(f[0].severity, DS_SEV_ERROR);
	assert_string_equal(ds_finding_get(&f[0], DS_EVK_CODE)->v.token,
	    ds_reach_outcome_name(DS_REACH_TIMEOUT));
	assert_uint(&f[1], DS_EVK_COUNT, 2);
	assert_uint(&f[1], DS_EVK_OF, 2);
	/* ... several reasons: it names none. */
	r = report("[2001:db8::1]:40123", true, 2, DS_REACH_TIMEOUT, 0,
	    DS_REACH_PROHIBITED, -EACCES);
	assert_codes(&r, f, DS_FIND_REACH_UNREACHABLE, DS_FIND_REACH_DROPPED,
	    DS_FIND_REACH_PROHIBITED, 0);
	assert_null(ds_finding_get(&f[0], DS_EVK_CODE));
}

static void
test_findings_causes(void **state)
{
	struct ds_finding f[DS_REACH_FINDINGS_MAX];
	struct ds_reach_report r;

	(void)state;
	/* Timed out although the agent saw them: the way back. */
	r = report("[2001:db8::1]:40123", false, 2, DS_REACH_TIMEOUT,
	    -ETIMEDOUT, DS_REACH_TIMEOUT, -ETIMEDOUT);
	r.n_seen = 2;
	assert_codes(
	    &r, f, DS_FIND_REACH_UNREACHABLE, DS_FIND_REACH_RETURN_PATH, 0);
	assert_uint(&f[1], DS_EVK_SEEN, 2);
	/* Port only has no listener to see them: dropped. */
	r.port_only = true;
	assert_codes(
	    &r, f, DS_FIND_REACH_UNREACHABLE, DS_FIND_REACH_DROPPED, 0);

	r = report(
	    "[2001:db8::1]:8080", true, 1, DS_REACH_REFUSED, -ECONNREFUSED);
	assert_codes(
	    &r, f, DS_FIND_REACH_UNREACHABLE, DS_FIND_REACH_REFUSED, 0);
	assert_true(ds_finding_bool(&f[1], DS_EVK_PORT_ONLY));

	r = report("[2001:db8::1]:1", false, 4, DS_REACH_NO_ROUTE, -ENETUNREACH,
	    DS_REACH_ADDR_UNREACH, -EHOSTUNREACH, DS_REACH_RESET, -ECONNRESET,
	    DS_REACH_NOT_RETURNED, 0);
	r.n_seen = 3;
	r.seen[1].token_ok = true;
	assert_codes(&r, f, DS_FIND_REACH_UNREACHABLE, DS_FIND_REACH_NO_ROUTE,
	    DS_FIND_REACH_ADDR_UNREACH, DS_FIND_REACH_RESET,
	    DS_FIND_REACH_NOT_RETURNED, 0);
	assert_uint(&f[4], DS_EVK_SEEN, 3);
	assert_uint(&f[4], DS_EVK_TOKENS, 1);

	/* Mismatches: the checker's word alone, then altered tokens. */
	r = report("[2001:db8::1]:1", false, 3, DS_REACH_MISMATCH, 0,
	    DS_REACH_MISMATCH, 0, DS_REACH_MISMATCH, 0);
	r.not_seen = 2;
	assert_codes(&r, f, DS_FIND_REACH_UNREACHABLE, DS_FIND_REACH_NOT_SEEN,
	    DS_FIND_REACH_ALTERED, 0);
	assert_uint(&f[1], DS_EVK_COUNT, 2);
	assert_uint(&f[2], DS_EVK_COUNT, 1);
	assert_uint(&f[2], DS_EVK_OF, 3);
	r.not_seen = 5; /* never more than the mismatches */
	assert_codes(
	    &r, f, DS_FIND_REACH_UNREACHABLE, DS_FIND_REACH_NOT_SEEN, 0);
	assert_uint(&f[1], DS_EVK_COUNT, 3);

	/* The checker's own error: the first errno. */
	r = report("[2001:db8::1]:1", false, 2, DS_REACH_ERROR, -EMFILE,
	    DS_REACH_ERROR, -ENFILE);
	assert_codes(
	    &r, f, DS_FIND_REACH_UNREACHABLE, DS_FIND_REACH_CHECKER_ERROR, 0);
	assert_int_equal(ds_finding_get(&f[1], DS_EVK_ERRNO)->v.err, EMFILE);
	r.attempts[0].err = r.attempts[1].err = 0;
	assert_codes(
	    &r, f, DS_FIND_REACH_UNREACHABLE, DS_FIND_REACH_CHECKER_ERROR, 0);
	assert_null(ds_finding_get(&f[1], DS_EVK_ERRNO));
}

static void
test_findings_not_run(void **state)
{
	struct ds_finding f[DS_REACH_FINDINGS_MAX];
	struct ds_reach_report r;

	(void)state;
	/* Refused by the checker: its code, nothing about attempts. */
	r = report("[fd00::1]:40123", false, 0);
	r.err = -EREMOTEIO;
	r.err_code = DS_REACH_E_RATE;
	assert_codes(&r, f, DS_FIND_REACH_CHECKER_REFUSED, 0);
	assert_string_equal(
	    ds_finding_get(&f[0], DS_EVK_CODE)->v.token, "rate");
	assert_int_equal(f[0].severity, DS_SEV_ERROR);

	/* A local failure before any address was chosen: no subject. */
	r = report(NULL, false, 0);
	r.err = -ECONNREFUSED;
	assert_codes(&r, f, DS_FIND_REACH_NOT_RUN, 0);
	assert_int_equal(
	    ds_finding_get(&f[0], DS_EVK_ERRNO)->v.err, ECONNREFUSED);
	assert_false(ds_finding_bool(&f[0], DS_EVK_PORT_ONLY));
	assert_null(ds_finding_get(&f[0], DS_EVK_CODE));
	/* ... with what failed, by its name. */
	r.fault.what = DS_REACH_FAIL_CONNECT;
	assert_codes(&r, f, DS_FIND_REACH_NOT_RUN, 0);
	assert_string_equal(
	    ds_finding_get(&f[0], DS_EVK_CODE)->v.token, "connect");

	/* The count is all there is: ret may be short, or NULL. */
	r = report("[2001:db8::1]:40123", false, 4, DS_REACH_DELIVERED, 0,
	    DS_REACH_TIMEOUT, -ETIMEDOUT, DS_REACH_DELIVERED, 0,
	    DS_REACH_REFUSED, -ECONNREFUSED);
	memset(f, 0xa5, sizeof(f));
	assert_int_equal(ds_reach_findings(&r, f, 1), 4);
	assert_int_equal(f[0].code, DS_FIND_REACH_PARTIAL);
	assert_int_equal(f[1].code, (enum ds_finding_code)0xa5a5a5a5);
	assert_int_equal(ds_reach_findings(&r, NULL, 0), 4);
}

/* --- The checker's target rules (pure; no packet is sent) --------------- */

static struct ds_prefix
pfx(const char *text)
{
	struct ds_prefix p;

	assert_int_equal(ds_prefix_parse(text, strlen(text), 0, &p, NULL), 0);
	ds_prefix_normalize(&p);
	return p;
}

static void
test_target_policy(void **state)
{
	/* The checker's own networks, as ds_host_prefixes() gives them. */
	const struct ds_prefix nets[] = {
	    pfx("127.0.0.0/8"),
	    pfx("2a00:1450:4001:80b::/64"),
	    pfx("203.0.113.0/24"),
	    pfx("8.8.8.0/24"),
	};
	const struct ds_prefix allow[] = {
	    pfx("2001:db8::/32"),
	    pfx("8.8.8.128/25"),
	};
	static const struct {
		const char *target;
		bool allow_self, is_local, with_allow;
		enum ds__reach_target want;
	} cases[] = {
	    /* A global address elsewhere: fine. */
	    {"2600::1", false, false, false, DS__REACH_TARGET_OK},
	    {"9.9.9.9", false, false, false, DS__REACH_TARGET_OK},
	    /* The checker itself: never, not even when allowed... */
	    {"2a00:1450:4001:80b::7", false, true, true, DS__REACH_TARGET_SELF},
	    {"8.8.8.200", false, true, true, DS__REACH_TARGET_SELF},
	    {"2001:db8::2", false, true, true, DS__REACH_TARGET_SELF},
	    /* ...unless allow_self, and then by the other rules. */
	    {"2001:db8::2", true, true, true, DS__REACH_TARGET_OK},
	    {"::1", true, true, false, DS__REACH_TARGET_UNFIT},
	    {"2a00:1450:4001:80b::7", true, true, false,
	        DS__REACH_TARGET_OWN_NET},
	    /* On its networks: refused unless an allowed prefix holds it. */
	    {"2a00:1450:4001:80b::8", false, false, false,
	        DS__REACH_TARGET_OWN_NET},
	    {"8.8.8.7", false, false, false, DS__REACH_TARGET_OWN_NET},
	    {"8.8.8.7", false, false, true, DS__REACH_TARGET_OWN_NET},
	    {"8.8.8.200", false, false, true, DS__REACH_TARGET_OK},
	    /* Not global: refused unless allowed. */
	    {"2001:db8::5", false, false, false, DS__REACH_TARGET_UNFIT},
	    {"2001:db8::5", false, false, true, DS__REACH_TARGET_OK},
	    {"203.0.113.9", false, false, false, DS__REACH_TARGET_UNFIT},
	    {"fd00::1", false, false, true, DS__REACH_TARGET_UNFIT},
	    {"fe80::1%eth0", false, false, true, DS__REACH_TARGET_ZONE},
	};
	size_t net;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ds_addr a = addr(cases[i].target);
		enum ds__reach_target got = ds__reach_target_policy(&a,
		    cases[i].with_allow ? allow : NULL,
		    cases[i].with_allow ? 2 : 0, cases[i].allow_self,
		    cases[i].is_local, nets, 4, &net);

		if (got != cases[i].want)
			print_error("%s: got %d, want %d\n", cases[i].target,
			    got, cases[i].want);
		assert_int_equal(got, cases[i].want);
		if (got == DS__REACH_TARGET_OWN_NET)
			assert_true(ds_prefix_contains(&nets[net], &a));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_round_trip),
	    cmocka_unit_test(test_valid_fields),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_too_long),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_why_names),
	    cmocka_unit_test(test_from_errno),
	    cmocka_unit_test(test_token_new),
	    cmocka_unit_test(test_fitness),
	    cmocka_unit_test(test_findings_verdict),
	    cmocka_unit_test(test_findings_causes),
	    cmocka_unit_test(test_findings_not_run),
	    cmocka_unit_test(test_target_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
