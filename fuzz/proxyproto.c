/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the PROXY protocol parser, ds_proxyproto_parse(): a
 * server with --accept-proxy reads the first bytes of every connection
 * through it, before it knows whether the peer is the trusted proxy.
 *
 * Besides "no crash, no undefined behaviour, no read past the input" (the
 * input is copied into a buffer of exactly its size, so ASan sees any
 * over-read), the parser and the formatters must keep the header's
 * promises:
 *
 * - a failed parse returns a negative code among those documented,
 *   reports an offset within the input (errpos <= len) and leaves *ret
 *   untouched;
 * - a parsed header's addresses are normalised: AF_INET or AF_INET6,
 *   never IPv4-mapped (the two may differ: a TCP6 header can carry one
 *   mapped address), no zone;
 * - a parsed header took at most the input (ret->len <= len), and at
 *   most DS_PROXYPROTO_V1_MAX or DS_PROXYPROTO_V2_MAX bytes;
 * - formatted again in the same version, it parses back to the same
 *   src, dst and local, consuming exactly what the formatter wrote;
 * - the input cut at ret->len parses the same, and cut one byte earlier
 *   asks for more (-EAGAIN).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dualstack/addr.h"
#include "dualstack/proxyproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define POISON 0xa5

static const uint8_t *cur_data;
static size_t cur_size;

static void
die(const char *what, int line)
{
	fprintf(
	    stderr, "proxyproto.c:%d: check failed: %s\ninput: \"", line, what);
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

static void
check_same(const struct ds_proxyproto_hdr *a, const struct ds_proxyproto_hdr *b)
{
	CHECK(a->local == b->local);
	CHECK(a->version == b->version);
	if (a->local)
		return;
	CHECK(ds_addr_equal(&a->src.addr, &b->src.addr));
	CHECK(ds_addr_equal(&a->dst.addr, &b->dst.addr));
	CHECK(a->src.port == b->src.port);
	CHECK(a->dst.port == b->dst.port);
}

/* Parse; on failure check the promises and return the code. */
static int
parse(const uint8_t *buf, size_t len, struct ds_proxyproto_hdr *ret)
{
	struct ds_proxyproto_hdr orig;
	size_t pos = (size_t)-1;
	int r;

	memset(ret, POISON, sizeof(*ret));
	orig = *ret;
	r = ds_proxyproto_parse(buf, len, ret, &pos);
	if (r != 0) {
		CHECK(r == -EAGAIN || r == -EINVAL || r == -EPROTO ||
		    r == -E2BIG);
		CHECK(pos <= len);
		CHECK(r != -EAGAIN || pos == len);
		CHECK(memcmp(ret, &orig, sizeof(*ret)) == 0);
	}
	return r;
}

static void
fuzz_one(const uint8_t *s, size_t len)
{
	static char txt[DS_PROXYPROTO_V1_STRLEN];
	static uint8_t bin[DS_PROXYPROTO_V2_FORMAT_MAX];
	struct ds_proxyproto_hdr h, h2;
	int n;

	if (parse(s, len, &h) != 0)
		return;
	CHECK(h.len > 0 && h.len <= len);
	CHECK(h.version == 1 || h.version == 2);
	CHECK(h.len <=
	    (h.version == 1 ? DS_PROXYPROTO_V1_MAX : DS_PROXYPROTO_V2_MAX));
	if (!h.local) {
		struct ds_addr u;

		CHECK(h.src.addr.family == AF_INET ||
		    h.src.addr.family == AF_INET6);
		CHECK(h.dst.addr.family == AF_INET ||
		    h.dst.addr.family == AF_INET6);
		CHECK(!ds_addr_unmap(&h.src.addr, &u));
		CHECK(!ds_addr_unmap(&h.dst.addr, &u));
		CHECK(h.src.addr.zone[0] == '\0' && h.dst.addr.zone[0] == '\0');
	}
	if (h.version == 2)
		CHECK(h.tlv_len == 0 || h.tlv_off + h.tlv_len == h.len);

	/* The header alone parses the same; one byte less is a prefix. */
	CHECK(parse(s, h.len, &h2) == 0);
	CHECK(memcmp(&h, &h2, sizeof(h)) == 0);
	CHECK(parse(s, h.len - 1, &h2) == -EAGAIN);

	if (h.version == 1) {
		n = ds_proxyproto_format_v1(&h, txt, sizeof(txt));
		CHECK(n > 0 && n <= DS_PROXYPROTO_V1_MAX);
		CHECK(strlen(txt) == (size_t)n);
		CHECK(ds_proxyproto_format_v1(&h, NULL, 0) == n);
		CHECK(parse((const uint8_t *)txt, (size_t)n, &h2) == 0);
	} else {
		n = ds_proxyproto_format_v2(&h, bin, sizeof(bin));
		CHECK(n >= DS_PROXYPROTO_V2_HDR_LEN &&
		    n <= DS_PROXYPROTO_V2_FORMAT_MAX);
		CHECK(ds_proxyproto_format_v2(&h, NULL, 0) == n);
		CHECK(parse(bin, (size_t)n, &h2) == 0);
	}
	CHECK(h2.len == (size_t)n);
	/* Normalised on both sides: a TCP6 header of two mapped addresses
	 * goes out as TCP4 and still parses back to the same values. */
	check_same(&h, &h2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *s;

	if (size > DS_PROXYPROTO_V2_MAX + 16)
		size = DS_PROXYPROTO_V2_MAX + 16;
	cur_data = data;
	cur_size = size;
	/* Exactly 'size' bytes: an over-read is caught. */
	s = malloc(size ? size : 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	fuzz_one(s, size);
	free(s);
	return 0;
}
