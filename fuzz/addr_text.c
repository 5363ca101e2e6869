/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the other text parsers of the address module: MAC
 * addresses, reverse DNS names, and the RFC 2428 EPRT and EPSV forms.
 *
 * Besides "no crash, no undefined behaviour, no read past the input" (the
 * input is copied into a buffer of exactly its size, so ASan sees any
 * over-read), each parser must keep the header's promises:
 *
 * - a failed parse returns a negative code, reports an offset within the
 *   input and leaves *ret untouched;
 * - format, then parse: the same value, and formatting that gives the same
 *   text (the formatters' output is a fixed point of the parsers);
 * - a reverse name covering whole nibbles or octets comes back as the same
 *   prefix (an RFC 2317 "<start>/<len>" name names a block its zone does
 *   not: only its covering zone must round-trip).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every valid form is shorter: a full ip6.arpa name with its dot is 73. */
#define MAX_INPUT 256
#define POISON 0xa5

static const uint8_t *cur_data;
static size_t cur_size;

static void
die(const char *what, int line)
{
	fprintf(
	    stderr, "addr_text.c:%d: check failed: %s\ninput: \"", line, what);
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

/* Each failed parse: negative, an offset inside the input, *ret intact. */
static void
check_failure(int r, size_t pos, size_t len, const void *ret, size_t n)
{
	const uint8_t *b = ret;

	CHECK(r < 0);
	CHECK(pos <= len);
	for (size_t i = 0; i < n; i++)
		CHECK(b[i] == POISON);
}

static void
fuzz_mac(const char *s, size_t len)
{
	struct ds_mac m, m2;
	char txt[DS_MAC_STRLEN], txt2[DS_MAC_STRLEN];
	size_t pos = (size_t)-1;
	int r;

	memset(&m, POISON, sizeof(m));
	r = ds_mac_parse(s, len, &m, &pos);
	if (r != 0) {
		check_failure(r, pos, len, &m, sizeof(m));
		return;
	}
	CHECK(ds_mac_format(&m, txt, sizeof(txt)) == 17);
	CHECK(ds_mac_parse(txt, 17, &m2, NULL) == 0);
	CHECK(memcmp(&m, &m2, sizeof(m)) == 0);
	CHECK(ds_mac_format(&m2, txt2, sizeof(txt2)) == 17);
	CHECK(strcmp(txt, txt2) == 0);

	/* Through an EUI-64 address and back. */
	struct ds_addr a;

	CHECK(ds_addr_from_mac(NULL, &m, &a) == 0);
	CHECK(ds_addr_to_mac(&a, &m2) == 0);
	CHECK(memcmp(&m, &m2, sizeof(m)) == 0);
}

static void
fuzz_arpa(const char *s, size_t len)
{
	struct ds_prefix p, p2;
	char txt[DS_ARPA_STRLEN], txt2[DS_ARPA_STRLEN];
	size_t pos = (size_t)-1;
	unsigned step;
	int r, n;

	memset(&p, POISON, sizeof(p));
	r = ds_arpa_parse(s, len, &p, &pos);
	if (r != 0) {
		check_failure(r, pos, len, &p, sizeof(p));
		return;
	}
	CHECK(p.addr.family == AF_INET || p.addr.family == AF_INET6);
	CHECK(p.len <= ds_addr_bits(&p.addr));
	step = p.addr.family == AF_INET ? 8 : 4;

	n = ds_prefix_to_arpa(&p, txt, sizeof(txt));
	CHECK(n > 0 && (size_t)n < sizeof(txt));
	CHECK(ds_arpa_parse(txt, (size_t)n, &p2, NULL) == 0);
	/* The zone text covers the prefix rounded down to whole labels. */
	CHECK(p2.len == p.len / step * step);
	CHECK(ds_prefix_contains_prefix(&p2, &p));
	if (p.len % step == 0)
		CHECK(ds_prefix_compare(&p, &p2) == 0);
	CHECK(ds_prefix_to_arpa(&p2, txt2, sizeof(txt2)) == n);
	CHECK(strcmp(txt, txt2) == 0);
}

static void
fuzz_eprt(const char *s, size_t len)
{
	struct ds_endpoint ep, ep2;
	char txt[DS_ENDPOINT_STRLEN], txt2[DS_ENDPOINT_STRLEN];
	size_t pos = (size_t)-1;
	int r, n;

	memset(&ep, POISON, sizeof(ep));
	r = ds_eprt_parse(s, len, &ep, &pos);
	if (r != 0) {
		check_failure(r, pos, len, &ep, sizeof(ep));
		return;
	}
	CHECK(ep.port != 0);
	CHECK(ep.addr.zone[0] == '\0');
	n = ds_eprt_format(&ep, txt, sizeof(txt));
	CHECK(n > 0 && (size_t)n < sizeof(txt));
	CHECK(ds_eprt_parse(txt, (size_t)n, &ep2, NULL) == 0);
	CHECK(ds_addr_equal(&ep.addr, &ep2.addr) && ep.port == ep2.port);
	CHECK(ds_eprt_format(&ep2, txt2, sizeof(txt2)) == n);
	CHECK(strcmp(txt, txt2) == 0);
}

static void
fuzz_epsv(const char *s, size_t len)
{
	uint16_t port, port2;
	char txt[64];
	size_t pos = (size_t)-1;
	int r, n;

	memset(&port, POISON, sizeof(port));
	r = ds_epsv_parse(s, len, &port, &pos);
	if (r != 0) {
		check_failure(r, pos, len, &port, sizeof(port));
		return;
	}
	CHECK(port != 0);
	n = ds_epsv_format(port, txt, sizeof(txt));
	CHECK(n > 0 && (size_t)n < sizeof(txt));
	CHECK(ds_epsv_parse(txt, (size_t)n, &port2, NULL) == 0);
	CHECK(port == port2);
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
	fuzz_mac(s, size);
	fuzz_arpa(s, size);
	fuzz_eprt(s, size);
	fuzz_epsv(s, size);
	free(s);
	return 0;
}
