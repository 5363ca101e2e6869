/* SPDX-License-Identifier: MIT */
/*
 * ds_ra_prefilter() against the full path it lets a monitor skip: for
 * every frame the prefilter drops, ds_packet_decode() followed by what
 * "dualstack ra watch" does with the result (ds_ra_reasm_add() for IPv6
 * with extension headers, ds_ra_parse() otherwise) must do nothing.
 *
 * Frames: hand-built ones for every way the decoder reaches IPv6 (VLAN
 * tags, cooked captures, raw IP, 6in4, IPIP, GRE, Teredo over IPv4 and
 * IPv6, 6in6, extension headers, fragments), each cut at every length and
 * with single octets changed to the values the rules turn on; and, given
 * on the command line, capture files (every record) and fuzz/corpus/ra
 * inputs (fuzz/ra.c's layout). tests/cli/ra-prefilter.sh passes the
 * bench's capture and the corpus.
 *
 * The checker is shown to catch a wrong prefilter: two planted ones, a
 * plain "icmp6" test and one that drops every IPv4 frame, must be caught
 * on the same frames, and the real one must still drop the ordinary
 * traffic (so that "keep everything" cannot pass either).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dualstack/capture.h"
#include "dualstack/packet.h"
#include "dualstack/ra.h"

typedef bool prefilter_fn(const uint8_t *data, size_t caplen, int linktype);

/* --- The full path ------------------------------------------------------- */

static struct ds_pkt P;
static struct ds_ra R;

/*
 * Would "ra watch" act on this frame (src/cmd-ra.c handle_frame())? The
 * innermost layer is IPv6 and the reassembler is given it (extension
 * headers), or ds_ra_parse() finds an RA. The bytes are a heap copy of
 * exactly caplen octets, so that ASan sees a read past the end.
 */
static bool
full_path_acts(const uint8_t *b, size_t caplen, int link)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	bool acts = false;

	assert_non_null(copy);
	memcpy(copy, b, caplen);
	if (ds_packet_decode(copy, caplen, 0, link, &P) == 0 &&
	    P.ip.version == 6)
		acts = P.ip.n_ext > 0 || ds_ra_parse(&P, copy, 0, &R) == 0;
	free(copy);
	return acts;
}

struct tally {
	unsigned long frames, dropped, acts;
	unsigned long missed[3]; /* per prefilter: dropped, yet acts */
};

/* The planted mistakes. The first is what a plain "icmp6 and ip6[40] ==
 * 134" filter does; the second is what ignoring tunnels does. */
static bool
pf_icmp6_only(const uint8_t *d, size_t caplen, int link)
{
	if (link != DS_LINK_EN10MB || caplen < 55)
		return ds_ra_prefilter(d, caplen, link);
	return d[12] == 0x86 && d[13] == 0xdd && d[20] == 58 && d[54] == 134;
}

static bool
pf_no_ipv4(const uint8_t *d, size_t caplen, int link)
{
	if (link == DS_LINK_EN10MB && caplen >= 14 && d[12] == 0x08 &&
	    d[13] == 0x00)
		return false;
	return ds_ra_prefilter(d, caplen, link);
}

static prefilter_fn *const filters[3] = {
    ds_ra_prefilter, pf_icmp6_only, pf_no_ipv4};

static void
check_frame(struct tally *t, const uint8_t *b, size_t caplen, int link)
{
	bool acts = full_path_acts(b, caplen, link);

	t->frames++;
	t->acts += acts;
	if (!ds_ra_prefilter(b, caplen, link))
		t->dropped++;
	for (unsigned i = 0; i < 3; i++)
		if (acts && !filters[i](b, caplen, link))
			t->missed[i]++;
}

/* --- Frame builder ------------------------------------------------------- */

struct fr {
	uint8_t b[512];
	size_t n;
	int link;
	size_t len_at[4]; /* where a length field waits for finish() */
	unsigned len_kind[4], n_len;
};

static void
u8(struct fr *f, unsigned v)
{
	assert_true(f->n < sizeof(f->b));
	f->b[f->n++] = (uint8_t)v;
}

static void
be16(struct fr *f, unsigned v)
{
	u8(f, v >> 8);
	u8(f, v);
}

static void
fill(struct fr *f, unsigned v, size_t n)
{
	while (n--)
		u8(f, v);
}

static void
start(struct fr *f, int link)
{
	memset(f, 0, sizeof(*f));
	f->link = link;
}

static void
eth(struct fr *f, unsigned type)
{
	fill(f, 0x33, 6);
	fill(f, 0x02, 6);
	be16(f, type);
}

/* Length fields: IPv6 payload length (0), IPv4 total length (1), UDP
 * length (2), each counted from its header's start to the frame's end. */
static void
want_len(struct fr *f, unsigned kind, size_t at)
{
	assert_true(f->n_len < 4);
	f->len_at[f->n_len] = at;
	f->len_kind[f->n_len++] = kind;
}

static void
ip6(struct fr *f, unsigned nh, const char *src)
{
	size_t at = f->n;

	be16(f, 0x6000);
	be16(f, 0);
	want_len(f, 0, at);
	be16(f, 0); /* payload length, in finish() */
	u8(f, nh);
	u8(f, 255);
	if (strcmp(src, "ll") == 0) {
		be16(f, 0xfe80);
		fill(f, 0, 13);
		u8(f, 1);
	} else {
		be16(f, 0x2001);
		be16(f, 0x0db8);
		fill(f, 0, 11);
		u8(f, 2);
	}
	be16(f, 0xff02); /* ff02::1 */
	fill(f, 0, 13);
	u8(f, 1);
}

static void
ip4(struct fr *f, unsigned proto, unsigned ihl)
{
	size_t at = f->n;

	u8(f, 0x40 | ihl);
	u8(f, 0);
	want_len(f, 1, at);
	be16(f, 0); /* total length, in finish() */
	be16(f, 1);
	be16(f, 0);
	u8(f, 64);
	u8(f, proto);
	be16(f, 0);
	u8(f, 192), u8(f, 0), u8(f, 2), u8(f, 1);
	u8(f, 198), u8(f, 51), u8(f, 100), u8(f, 1);
	fill(f, 1, (ihl - 5) * 4); /* NOP options */
}

static void
udp(struct fr *f, unsigned sport, unsigned dport)
{
	size_t at = f->n;

	be16(f, sport);
	be16(f, dport);
	want_len(f, 2, at);
	be16(f, 0);
	be16(f, 0);
}

/* An extension header of 8 octets: Hop-by-Hop or Destination Options
 * with PadN, or a Fragment header (offset in 8-octet units). */
static void
ext(struct fr *f, unsigned type, unsigned nh, unsigned frag_off, bool more)
{
	u8(f, nh);
	if (type == 44) {
		u8(f, 0);
		be16(f, frag_off << 3 | more);
		be16(f, 0), be16(f, 7);
		return;
	}
	u8(f, 0);
	u8(f, 1), u8(f, 4);
	fill(f, 0, 4);
}

/* An RA with an SLLA option (the checksum is not checked here: a bad
 * one is still an RA, graded). */
static void
ra_msg(struct fr *f)
{
	u8(f, 134), u8(f, 0), be16(f, 0);
	u8(f, 64), u8(f, 0), be16(f, 1800);
	fill(f, 0, 8);
	u8(f, 1), u8(f, 1);
	fill(f, 0x02, 6);
}

static void
finish(struct fr *f)
{
	for (unsigned i = 0; i < f->n_len; i++) {
		size_t at = f->len_at[i], v = f->n - at;

		switch (f->len_kind[i]) {
		case 0:
			v -= 40;
			at += 4;
			break;
		case 1:
			at += 2;
			break;
		default:
			at += 4;
			break;
		}
		f->b[at] = (uint8_t)(v >> 8);
		f->b[at + 1] = (uint8_t)v;
	}
}

/* --- The frames ---------------------------------------------------------- */

enum { KEEP, DROP };

struct sample {
	const char *name;
	void (*build)(struct fr *f);
	int want;  /* what ds_ra_prefilter() must say of the whole frame */
	bool acts; /* what the full path does with the whole frame */
};

static void
b_plain(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x86dd);
	ip6(f, 58, "ll");
	ra_msg(f);
}

static void
b_doh(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x86dd);
	ip6(f, 60, "ll");
	ext(f, 60, 58, 0, false);
	ra_msg(f);
}

static void
b_hbh(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x86dd);
	ip6(f, 0, "ll");
	ext(f, 0, 58, 0, false);
	ra_msg(f);
}

static void
b_frag_first(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x86dd);
	ip6(f, 44, "ll");
	ext(f, 44, 58, 0, true);
	ra_msg(f);
}

static void
b_frag_later(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x86dd);
	ip6(f, 44, "ll");
	ext(f, 44, 58, 3, false);
	fill(f, 0, 16);
}

static void
b_dst_tcp(struct fr *f)
{
	/* Destination Options before TCP: no RA, but the reassembler is
	 * given it, as for every chain. */
	start(f, DS_LINK_EN10MB);
	eth(f, 0x86dd);
	ip6(f, 60, "g");
	ext(f, 60, 6, 0, false);
	fill(f, 0, 20);
}

static void
b_vlan(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x8100);
	be16(f, 7), be16(f, 0x86dd);
	ip6(f, 58, "ll");
	ra_msg(f);
}

static void
b_qinq(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x88a8);
	be16(f, 7), be16(f, 0x8100);
	be16(f, 8), be16(f, 0x9100);
	be16(f, 9), be16(f, 0x86dd);
	ip6(f, 58, "ll");
	ra_msg(f);
}

static void
b_sll(struct fr *f)
{
	start(f, DS_LINK_LINUX_SLL);
	be16(f, 0), be16(f, 1), be16(f, 6);
	fill(f, 0x02, 8);
	be16(f, 0x86dd);
	ip6(f, 58, "ll");
	ra_msg(f);
}

static void
b_sll_vlan(struct fr *f)
{
	start(f, DS_LINK_LINUX_SLL);
	be16(f, 0), be16(f, 1), be16(f, 6);
	fill(f, 0x02, 8);
	be16(f, 0x8100);
	be16(f, 5), be16(f, 0x86dd);
	ip6(f, 58, "ll");
	ra_msg(f);
}

static void
b_sll2(struct fr *f)
{
	start(f, DS_LINK_LINUX_SLL2);
	be16(f, 0x86dd), be16(f, 0);
	be16(f, 0), be16(f, 2);
	be16(f, 1), u8(f, 0), u8(f, 6);
	fill(f, 0x02, 8);
	ip6(f, 58, "ll");
	ra_msg(f);
}

static void
b_raw6(struct fr *f)
{
	start(f, DS_LINK_RAW_LT);
	ip6(f, 58, "ll");
	ra_msg(f);
}

static void
b_ipv6_link(struct fr *f)
{
	start(f, DS_LINK_IPV6);
	ip6(f, 60, "ll");
	ext(f, 60, 58, 0, false);
	ra_msg(f);
}

static void
b_6in4(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x0800);
	ip4(f, 41, 5);
	ip6(f, 58, "ll");
	ra_msg(f);
}

static void
b_6in4_ipv4_link(struct fr *f)
{
	start(f, DS_LINK_IPV4);
	ip4(f, 41, 5);
	ip6(f, 58, "ll");
	ra_msg(f);
}

static void
b_ipip_6in4(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x0800);
	ip4(f, 4, 5);
	ip4(f, 41, 5);
	ip6(f, 58, "ll");
	ra_msg(f);
}

static void
b_gre(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x0800);
	ip4(f, 47, 5);
	be16(f, 0), be16(f, 0x86dd);
	ip6(f, 58, "ll");
	ra_msg(f);
}

static void
b_teredo4(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x0800);
	ip4(f, 17, 6); /* with an option: the UDP header moves */
	udp(f, 3544, 40000);
	ip6(f, 58, "ll");
	ra_msg(f);
}

static void
b_teredo6(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x86dd);
	ip6(f, 17, "g");
	udp(f, 40000, 3544);
	ip6(f, 58, "ll");
	ra_msg(f);
}

static void
b_6in6(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x86dd);
	ip6(f, 41, "g");
	ip6(f, 58, "ll");
	ra_msg(f);
}

/* The ordinary traffic, which must be dropped. */
static void
b_tcp6(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x86dd);
	ip6(f, 6, "g");
	fill(f, 0, 20);
}

static void
b_udp6(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x86dd);
	ip6(f, 17, "g");
	udp(f, 5353, 53);
	fill(f, 0, 12);
}

static void
b_echo6(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x86dd);
	ip6(f, 58, "g");
	u8(f, 128), u8(f, 0), be16(f, 0), be16(f, 1), be16(f, 1);
}

static void
b_ns(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x86dd);
	ip6(f, 58, "ll");
	u8(f, 135), u8(f, 0), be16(f, 0);
	fill(f, 0, 20);
}

static void
b_tcp4(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x0800);
	ip4(f, 6, 5);
	fill(f, 0, 20);
}

static void
b_udp4(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x0800);
	ip4(f, 17, 5);
	udp(f, 5354, 53);
	fill(f, 0, 12);
}

static void
b_vlan_tcp4(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x8100);
	be16(f, 7), be16(f, 0x0800);
	ip4(f, 6, 5);
	fill(f, 0, 20);
}

static void
b_sll2_tcp6(struct fr *f)
{
	start(f, DS_LINK_LINUX_SLL2);
	be16(f, 0x86dd), be16(f, 0);
	be16(f, 0), be16(f, 2);
	be16(f, 1), u8(f, 0), u8(f, 6);
	fill(f, 0x02, 8);
	ip6(f, 6, "g");
	fill(f, 0, 20);
}

static void
b_arp(struct fr *f)
{
	start(f, DS_LINK_EN10MB);
	eth(f, 0x0806);
	fill(f, 0, 28);
}

static const struct sample samples[] = {
    {"plain RA", b_plain, KEEP, true},
    {"RA behind Destination Options", b_doh, KEEP, true},
    {"RA behind Hop-by-Hop", b_hbh, KEEP, true},
    {"first fragment of an RA", b_frag_first, KEEP, true},
    {"later fragment", b_frag_later, KEEP, true},
    {"Destination Options before TCP", b_dst_tcp, KEEP, true},
    {"RA in 802.1Q", b_vlan, KEEP, true},
    {"RA in three tags", b_qinq, KEEP, true},
    {"RA, Linux cooked v1", b_sll, KEEP, true},
    {"RA, Linux cooked v1, tagged", b_sll_vlan, KEEP, true},
    {"RA, Linux cooked v2", b_sll2, KEEP, true},
    {"RA, raw IP", b_raw6, KEEP, true},
    {"RA behind DOH, raw IPv6 link", b_ipv6_link, KEEP, true},
    {"RA in 6in4", b_6in4, KEEP, true},
    {"RA in 6in4, raw IPv4 link", b_6in4_ipv4_link, KEEP, true},
    {"RA in 6in4 in IPIP", b_ipip_6in4, KEEP, true},
    {"RA in GRE", b_gre, KEEP, true},
    {"RA in Teredo over IPv4 with options", b_teredo4, KEEP, true},
    {"RA in UDP to 3544 over IPv6", b_teredo6, KEEP, true},
    {"RA in 6in6", b_6in6, KEEP, true},
    {"IPv6 TCP", b_tcp6, DROP, false},
    {"IPv6 UDP", b_udp6, DROP, false},
    {"ICMPv6 echo", b_echo6, DROP, false},
    {"Neighbor Solicitation", b_ns, DROP, false},
    {"IPv4 TCP", b_tcp4, DROP, false},
    {"IPv4 UDP", b_udp4, DROP, false},
    {"IPv4 TCP in 802.1Q", b_vlan_tcp4, DROP, false},
    {"IPv6 TCP, Linux cooked v2", b_sll2_tcp6, DROP, false},
    {"ARP", b_arp, DROP, false},
};

/* Values the rules turn on, for the one-octet changes. */
static const uint8_t pokes[] = {0x00, 0x04, 0x06, 0x08, 0x0d, 0x11, 0x29, 0x2b,
    0x2c, 0x2f, 0x32, 0x3a, 0x3b, 0x3c, 0x45, 0x46, 0x60, 0x81, 0x86, 0x88,
    0x91, 0xa8, 0xd8, 0xdd, 0xff};

/* Every sample whole, cut at every length, and with one octet of its
 * first 96 changed to each of pokes[]. */
static void
run_samples(struct tally *t)
{
	static struct fr f;

	for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
		samples[s].build(&f);
		finish(&f);
		for (size_t n = 0; n <= f.n; n++)
			check_frame(t, f.b, n, f.link);
		for (size_t i = 0; i < f.n && i < 96; i++) {
			uint8_t was = f.b[i];

			for (size_t k = 0; k < sizeof(pokes); k++) {
				f.b[i] = pokes[k];
				check_frame(t, f.b, f.n, f.link);
			}
			f.b[i] = was;
		}
	}
}

static void
print_tally(const char *what, const struct tally *t)
{
	printf("# %s: %lu frames, %lu dropped by the prefilter, %lu acted on "
	       "by the full path; missed: prefilter %lu, planted icmp6-only "
	       "%lu, planted no-IPv4 %lu\n",
	    what, t->frames, t->dropped, t->acts, t->missed[0], t->missed[1],
	    t->missed[2]);
}

/* --- Tests --------------------------------------------------------------- */

static void
test_samples(void **state)
{
	static struct fr f;

	(void)state;
	for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
		samples[s].build(&f);
		finish(&f);
		if (ds_ra_prefilter(f.b, f.n, f.link) !=
		        (samples[s].want == KEEP) ||
		    full_path_acts(f.b, f.n, f.link) != samples[s].acts)
			fail_msg("%s: prefilter %d, full path %d",
			    samples[s].name, ds_ra_prefilter(f.b, f.n, f.link),
			    full_path_acts(f.b, f.n, f.link));
	}
}

static void
test_conservative(void **state)
{
	struct tally t = {0};

	(void)state;
	run_samples(&t);
	print_tally("hand-built frames, cut and changed", &t);
	assert_int_equal(t.missed[0], 0);
	/* The checker sees a wrong prefilter. */
	assert_true(t.missed[1] > 0);
	assert_true(t.missed[2] > 0);
	/* The prefilter drops something: not "keep everything". */
	assert_true(t.dropped > t.frames / 4);
}

static void
test_edges(void **state)
{
	(void)state;
	assert_true(ds_ra_prefilter(NULL, 0, DS_LINK_EN10MB));
	/* A link type the prefilter does not know is for the decoder. */
	assert_true(
	    ds_ra_prefilter((const uint8_t *)"\0\0\0\2", 4, DS_LINK_NULL));
	assert_true(ds_ra_prefilter((const uint8_t *)"", 0, 9999));
}

/* --- Files from the command line ----------------------------------------- */

static char **g_files;
static int g_nfiles;

static bool
read_corpus(const char *path, struct tally *t)
{
	static uint8_t buf[65536 + 1];
	FILE *in = fopen(path, "rb");
	size_t n;

	if (!in)
		return false;
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	if (n < 1)
		return true;
	check_frame(
	    t, buf + 1, n - 1, buf[0] % 2 ? DS_LINK_IPV6 : DS_LINK_EN10MB);
	return true;
}

static void
test_files(void **state)
{
	struct tally pcap = {0}, corpus = {0};

	(void)state;
	for (int i = 0; i < g_nfiles; i++) {
		char err[256] = "";
		struct ds_capture *c;
		struct ds_capture_packet cp;
		int r;

		if (ds_capture_new_file(g_files[i], err, sizeof(err), &c) < 0) {
			if (!read_corpus(g_files[i], &corpus))
				fail_msg("%s: cannot read", g_files[i]);
			continue;
		}
		while ((r = ds_capture_next(c, &cp)) == 1)
			check_frame(&pcap, cp.data, cp.caplen, cp.linktype);
		ds_capture_free(c);
		if (r != 0)
			fail_msg("%s: read error %d", g_files[i], r);
	}
	if (pcap.frames)
		print_tally("capture files", &pcap);
	if (corpus.frames)
		print_tally("fuzz inputs", &corpus);
	assert_int_equal(pcap.missed[0] + corpus.missed[0], 0);
	if (pcap.frames) {
		/* The bench capture has RAs behind extension headers: the
		 * plain icmp6 test misses them, and the checker says so. */
		assert_true(pcap.missed[1] > 0);
		assert_true(pcap.dropped > 0 && pcap.acts > 0);
	}
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_samples),
	    cmocka_unit_test(test_conservative),
	    cmocka_unit_test(test_edges),
	};
	const struct CMUnitTest with_files[] = {
	    cmocka_unit_test(test_samples),
	    cmocka_unit_test(test_conservative),
	    cmocka_unit_test(test_edges),
	    cmocka_unit_test(test_files),
	};

	g_files = argv + 1;
	g_nfiles = argc - 1;
	/* Without files (the unit suite) the file test is left out rather
	 * than skipped: cmocka writes a skip as "not ok ... # SKIP", which
	 * meson's TAP reader counts as a failure. */
	if (g_nfiles == 0)
		return cmocka_run_group_tests(tests, NULL, NULL);
	return cmocka_run_group_tests(with_files, NULL, NULL);
}
