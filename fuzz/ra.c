/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the Router Advertisement grader and the ND
 * fragment reassembler (ds_ra_parse(), ds_ra_reasm_add()).
 *
 * Input layout: byte 0 picks the link type (even: Ethernet, odd: raw
 * IPv6), the rest is the captured frame. The seed corpus in
 * fuzz/corpus/ra/ uses that layout (tests/unit/test-ra.c writes it with
 * DS_RA_CORPUS=DIR).
 *
 * Besides "no crash, no undefined behaviour, no read past the input", the
 * properties checked are the header's promises (include/dualstack/ra.h):
 * counts within their caps, every stored option inside the message with
 * a non-zero length, RDNSS servers and text inside their pools, the text
 * NUL-terminated, a token for every verdict bit, flag and option state
 * given, an RA compared with itself has no change, one reassembler
 * kept across inputs never completes a datagram larger than its bound,
 * and ds_ra_prefilter() never drops a frame the rest would act on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dualstack/packet.h"
#include "dualstack/ra.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
die(const char *what, int line)
{
	fprintf(stderr, "ra.c:%d: check failed: %s\n", line, what);
	abort();
}

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			die(#cond, __LINE__);                                  \
	} while (0)

static void
check_ra(const struct ds_ra *ra)
{
	CHECK(ra->n_opt <= DS_RA_MAX_OPT && ra->n_opt <= ra->opt_count);
	CHECK(ra->n_addr <= DS_RA_MAX_ADDR);
	CHECK(ra->text_len < DS_RA_TEXT_MAX);
	CHECK(ra->text[ra->text_len] == '\0');
	CHECK(strlen(ra->text) == ra->text_len);
	CHECK(ra->n_ext <= DS_PKT_MAX_EXT);
	CHECK(ra->csum <= DS_RA_CSUM_UNKNOWN);
	CHECK(ds_ra_csum_token(ra->csum) != NULL);
	CHECK((ra->why & ~(uint32_t)DS_RA_WHY_ALL) == 0);
	for (unsigned b = 0; b < 32; b++) {
		if (ra->why & (1u << b))
			CHECK(ds_ra_why_token(1u << b) != NULL);
		if (ra->flags & (1u << b))
			CHECK(ds_ra_flag_token(1u << b) != NULL);
	}
	CHECK(ra->prf < 4);
	for (unsigned i = 0; i < ra->n_opt; i++) {
		const struct ds_ra_opt *o = &ra->opt[i];

		CHECK(o->len > 0);
		CHECK(o->off >= 16 && o->off + o->len * 8u <= ra->len);
		if (i > 0)
			CHECK(o->off > ra->opt[i - 1].off);
		CHECK(ds_ra_optbad_token(o->bad) != NULL);
		switch (o->type) {
		case DS_RA_OPT_PIO:
			CHECK(o->u.pio.prefix.len <= 128);
			(void)ds_ra_pfx_kind_token(
			    ds_ra_pfx_kind(&o->u.pio.prefix));
			break;
		case DS_RA_OPT_RIO:
			CHECK(o->u.rio.prefix.len <= 128 && o->u.rio.prf < 4);
			break;
		case DS_RA_OPT_RDNSS:
			CHECK(o->u.rdnss.n <= o->u.rdnss.count);
			CHECK(o->u.rdnss.first + o->u.rdnss.n <= ra->n_addr);
			break;
		case DS_RA_OPT_DNSSL:
			CHECK(o->u.dnssl.text_off + o->u.dnssl.text_len <=
			    ra->text_len);
			break;
		case DS_RA_OPT_CAPTIVE:
			CHECK(o->u.captive.text_off + o->u.captive.text_len <=
			    ra->text_len);
			break;
		case DS_RA_OPT_PREF64:
			CHECK(o->u.pref64.prefix.len <= 96);
			break;
		default:
			break;
		}
	}
	CHECK(ds_ra_diff(ra, ra) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ds_pkt p, q;
	static struct ds_ra ra;
	static struct ds_ra_reasm rs;
	static bool init;
	static uint64_t now;
	struct ds_ra_reasm_out out;
	int link, r;

	if (!init) {
		ds_ra_reasm_init(&rs);
		init = true;
	}
	if (size < 1)
		return 0;
	link = data[0] % 2 ? DS_LINK_IPV6 : DS_LINK_EN10MB;
	data++;
	size--;
	CHECK(ds_packet_decode(data, size, 0, link, &p) == 0);

	r = ds_ra_parse(&p, data, 0, &ra);
	CHECK(r == 0 || r == -ENOENT);
	if (r == 0)
		check_ra(&ra);
	/* What the prefilter drops, the full path has nothing to do with:
	 * no IPv6 innermost layer, or one with neither an extension header
	 * (for the reassembler) nor an RA. */
	if (!ds_ra_prefilter(data, size, link))
		CHECK(p.ip.version != 6 || (p.ip.n_ext == 0 && r == -ENOENT));

	now += 1000000;
	r = ds_ra_reasm_add(&rs, &p, data, now, &out);
	CHECK(r == 0 || r == 1 || r == -ENOENT);
	if (r == 1) {
		CHECK(out.len >= 40 && out.len <= 40 + DS_RA_REASM_MAX_LEN);
		CHECK(out.how & DS_RA_IN_REASSEMBLED);
		CHECK(ds_packet_decode(out.pkt, out.len, 0, DS_LINK_IPV6, &q) ==
		    0);
		r = ds_ra_parse(&q, out.pkt, out.how, &ra);
		CHECK(r == 0 || r == -ENOENT);
		if (r == 0) {
			check_ra(&ra);
			CHECK(ra.why & DS_RA_WHY_FRAGMENTED);
		}
	}
	return 0;
}
