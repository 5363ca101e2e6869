/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the reach protocol's line parser,
 * ds_reach_msg_parse(): a checker reads every line an agent on the
 * Internet sends it, and an agent reads what the checker and the test
 * connections send.
 *
 * Besides "no crash, no undefined behaviour, no read past the input" (the
 * input is copied into a buffer of exactly its size, so ASan sees any
 * over-read), the parser and the formatter must keep the header's
 * promises:
 *
 * - a failed parse returns a negative code, reports an offset within the
 *   input (errpos <= len) and leaves *ret untouched;
 * - a parsed line formats (with its newline, within DS_REACH_LINE_MAX),
 *   and the text parses back to the same message, field by field, tokens
 *   and text by content;
 * - formatting that message again gives the same text (the formatter's
 *   output is a fixed point of the parser);
 * - tokens and text point inside the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dualstack/addr.h"
#include "dualstack/reach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A little past the line limit, so that the -E2BIG path runs too. */
#define MAX_INPUT (DS_REACH_LINE_MAX + 16)
#define POISON 0xa5

static const uint8_t *cur_data;
static size_t cur_size;

static void
die(const char *what, int line)
{
	fprintf(stderr, "reach_proto.c:%d: check failed: %s\ninput: \"", line,
	    what);
	for (size_t i = 0; i < cur_size; i++) {
		uint8_t c = cur_data[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fprintf(stderr, "\"\n");
	abort();
}

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			die(#cond, __LINE__);                                  \
	} while (0)

static bool
inside(const char *p, size_t n, const char *s, size_t len)
{
	return p >= s && p + n <= s + len;
}

static void
check_same(const struct ds_reach_msg *a, const struct ds_reach_msg *b)
{
	CHECK(a->type == b->type);
	CHECK(a->version == b->version);
	CHECK(a->target.addr.family == b->target.addr.family);
	CHECK(ds_addr_equal(&a->target.addr, &b->target.addr));
	CHECK(a->target.port == b->target.port);
	CHECK(a->prove_to.addr.family == b->prove_to.addr.family);
	CHECK(ds_addr_equal(&a->prove_to.addr, &b->prove_to.addr));
	CHECK(a->prove_to.port == b->prove_to.port);
	CHECK(a->count == b->count);
	CHECK(a->port_only == b->port_only);
	CHECK(a->deadline_ms == b->deadline_ms);
	CHECK(a->err == b->err);
	CHECK(a->text_len == b->text_len);
	CHECK((a->text == NULL) == (b->text == NULL));
	if (a->text_len)
		CHECK(memcmp(a->text, b->text, a->text_len) == 0);
	for (size_t i = 0; i < DS_REACH_COUNT_MAX; i++) {
		CHECK((a->tokens[i] == NULL) == (b->tokens[i] == NULL));
		if (a->tokens[i])
			CHECK(memcmp(a->tokens[i], b->tokens[i],
			          DS_REACH_TOKEN_HEX) == 0);
	}
	CHECK(a->verdict == b->verdict);
	CHECK(a->delivered == b->delivered);
	CHECK(a->attempt == b->attempt);
	CHECK(a->outcome == b->outcome);
	CHECK(a->errno_val == b->errno_val);
	CHECK(a->ms == b->ms);
}

static void
fuzz_line(const char *s, size_t len)
{
	static char txt[DS_REACH_LINE_MAX + 1], txt2[DS_REACH_LINE_MAX + 1];
	struct ds_reach_msg m, m2, orig;
	size_t pos = (size_t)-1;
	int r, n, n2;

	memset(&m, POISON, sizeof(m));
	orig = m;
	r = ds_reach_msg_parse(s, len, &m, &pos);
	if (r != 0) {
		CHECK(r < 0);
		CHECK(pos <= len);
		CHECK(memcmp(&m, &orig, sizeof(m)) == 0);
		return;
	}
	CHECK(len < DS_REACH_LINE_MAX);
	CHECK(m.type >= DS_REACH_MSG_HELLO && m.type <= DS_REACH_MSG_CLAIM);
	CHECK(m.count <= DS_REACH_COUNT_MAX);
	for (size_t i = 0; i < DS_REACH_COUNT_MAX; i++)
		if (m.tokens[i])
			CHECK(inside(m.tokens[i], DS_REACH_TOKEN_HEX, s, len));
	if (m.text)
		CHECK(m.text_len > 0 && inside(m.text, m.text_len, s, len));

	n = ds_reach_msg_format(&m, txt, sizeof(txt));
	CHECK(n > 0 && n <= DS_REACH_LINE_MAX);
	CHECK(txt[n - 1] == '\n' && strlen(txt) == (size_t)n);
	/* The same length in a buffer too small for it. */
	CHECK(ds_reach_msg_format(&m, NULL, 0) == n);

	CHECK(ds_reach_msg_parse(txt, (size_t)n - 1, &m2, NULL) == 0);
	check_same(&m, &m2);
	n2 = ds_reach_msg_format(&m2, txt2, sizeof(txt2));
	CHECK(n2 == n && memcmp(txt, txt2, (size_t)n) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > MAX_INPUT)
		size = MAX_INPUT;
	cur_data = data;
	cur_size = size;
	/* Exactly 'size' bytes, no NUL after them: an over-read is caught. */
	s = malloc(size ? size : 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	fuzz_line(s, size);
	/* A line arrives with its newline: the reader strips it first. */
	if (size > 0 && s[size - 1] == '\n')
		fuzz_line(s, size - 1);
	free(s);
	return 0;
}
