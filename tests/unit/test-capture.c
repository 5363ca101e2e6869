/* SPDX-License-Identifier: MIT */
/*
 * Capture files (lib/capture.c) read as libpcap reads them. Classic pcap
 * files are parsed by the library itself; every case here writes a file
 * and reads it twice, with ds_capture and with libpcap's own reader, and
 * the two must agree record for record: time stamps, lengths, bytes, the
 * place a damaged file stops, libpcap's words for the damage, and what a
 * BPF filter keeps. A gzip-compressed file must read record for record
 * as the plain one, and damage to the compressed data must be named.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>
#include <zlib.h>

#include "dualstack/capture.h"
#include "dualstack/error.h"

/* A file being written: its bytes and their order. */
struct file {
	uint8_t *b;
	size_t len, cap;
	bool le;
};

static void
put(struct file *f, const void *p, size_t n)
{
	if (f->len + n > f->cap) {
		f->cap = (f->len + n) * 2;
		f->b = realloc(f->b, f->cap);
		assert_non_null(f->b);
	}
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void
put32(struct file *f, uint32_t v)
{
	uint8_t b[4];

	for (int k = 0; k < 4; k++)
		b[f->le ? k : 3 - k] = (uint8_t)(v >> (8 * k));
	put(f, b, 4);
}

static void
put16(struct file *f, uint16_t v)
{
	uint8_t b[2];

	b[f->le ? 0 : 1] = (uint8_t)v;
	b[f->le ? 1 : 0] = (uint8_t)(v >> 8);
	put(f, b, 2);
}

static void
header(struct file *f, bool le, uint32_t magic, uint16_t minor,
    uint32_t snaplen, uint32_t linktype)
{
	f->le = le;
	put32(f, magic);
	put16(f, 2);
	put16(f, minor);
	put32(f, 0);
	put32(f, 0);
	put32(f, snaplen);
	put32(f, linktype);
}

/* A record of caplen bytes: an Ethernet header with ethertype, then a
 * pattern that depends on seed, so that records differ. */
static void
record(struct file *f, uint32_t sec, uint32_t frac, uint32_t caplen,
    uint32_t wirelen, uint16_t ethertype, unsigned seed)
{
	put32(f, sec);
	put32(f, frac);
	put32(f, caplen);
	put32(f, wirelen);
	for (uint32_t k = 0; k < caplen; k++) {
		uint8_t v = (uint8_t)(k * 7 + seed);

		if (k == 12)
			v = (uint8_t)(ethertype >> 8);
		else if (k == 13)
			v = (uint8_t)ethertype;
		put(f, &v, 1);
	}
}

static char tmpdir[] = "/tmp/test-capture-XXXXXX";

static char *
save(struct file *f, const char *name)
{
	char *path;
	FILE *out;

	assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
	out = fopen(path, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(f->b, 1, f->len, out), f->len);
	assert_int_equal(fclose(out), 0);
	free(f->b);
	memset(f, 0, sizeof(*f));
	return path;
}

/*
 * Read path with libpcap and with ds_capture, filtered by expr unless
 * NULL, and check that they agree. Returns the records both read.
 */
static unsigned
compare(const char *path, const char *expr)
{
	char perr[PCAP_ERRBUF_SIZE], err[DS_CAPTURE_ERRMAX];
	struct bpf_program prog;
	struct ds_capture *c;
	unsigned n = 0;
	pcap_t *p;
	int r;

	p = pcap_open_offline_with_tstamp_precision(
	    path, PCAP_TSTAMP_PRECISION_NANO, perr);
	r = ds_capture_new_file(path, err, sizeof(err), &c);
	if (!p) {
		assert_true(r < 0);
		return 0;
	}
	assert_int_equal(r, 0);
	assert_int_equal(ds_capture_linktype(c), pcap_datalink(p));
	assert_int_equal(ds_capture_snaplen(c), (unsigned)pcap_snapshot(p));
	if (expr) {
		assert_int_equal(
		    pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN), 0);
		assert_int_equal(
		    ds_capture_set_filter(c, expr, err, sizeof(err)), 0);
	}
	for (;;) {
		struct ds_capture_packet pkt;
		struct pcap_pkthdr *h;
		const u_char *data;
		int rc = pcap_next_ex(p, &h, &data);

		if (rc == 1 && expr && !pcap_offline_filter(&prog, h, data))
			continue;
		r = ds_capture_next(c, &pkt);
		if (rc == PCAP_ERROR_BREAK) {
			assert_int_equal(r, 0);
			break;
		}
		if (rc == PCAP_ERROR) {
			assert_int_equal(r, -EBADMSG);
			ds_capture_last_error(c, err, sizeof(err));
			assert_string_equal(err, pcap_geterr(p));
			break;
		}
		assert_int_equal(rc, 1);
		assert_int_equal(r, 1);
		assert_int_equal(pkt.sec, (int64_t)h->ts.tv_sec);
		assert_int_equal(pkt.nsec, (uint32_t)h->ts.tv_usec);
		assert_int_equal(pkt.caplen, h->caplen);
		assert_int_equal(pkt.wirelen, h->len);
		assert_memory_equal(pkt.data, data, h->caplen);
		n++;
	}
	if (expr)
		pcap_freecode(&prog);
	pcap_close(p);
	ds_capture_free(c);
	return n;
}

/* Both byte orders, both time stamp resolutions. */
static void
test_orders(void **state)
{
	static const struct {
		bool le;
		uint32_t magic;
	} v[] = {
	    {true, 0xa1b2c3d4},
	    {false, 0xa1b2c3d4},
	    {true, 0xa1b23c4d},
	    {false, 0xa1b23c4d},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct file f = {0};
		char *path;

		header(&f, v[i].le, v[i].magic, 4, 65535, 1);
		record(&f, 1700000000, 999999, 60, 60, 0x86dd, 1);
		record(&f, 1700000001, 123456789, 1514, 1514, 0x0800, 2);
		/* Signed on-disk seconds, and a fraction out of range. */
		record(&f, 0xfffffff0u, 0xfffffffeu, 14, 14, 0x0806, 3);
		record(&f, 5, 0, 0, 0, 0, 4);
		path = save(&f, "orders.pcap");
		assert_int_equal(compare(path, NULL), 4);
		free(path);
	}
}

/* Records longer than the snapshot length, and a snaplen of 0. */
static void
test_snaplen(void **state)
{
	struct file f = {0};
	char *path;

	(void)state;
	header(&f, true, 0xa1b2c3d4, 4, 64, 1);
	record(&f, 1, 2, 100, 1500, 0x86dd, 1);
	record(&f, 1, 3, 64, 64, 0x86dd, 2);
	path = save(&f, "snap.pcap");
	assert_int_equal(compare(path, NULL), 2);
	free(path);

	header(&f, false, 0xa1b2c3d4, 4, 0, 101);
	record(&f, 1, 2, 40, 40, 0, 1);
	path = save(&f, "snap0.pcap");
	assert_int_equal(compare(path, NULL), 1);
	free(path);
}

/* Damaged files stop where libpcap stops, with its words. */
static void
test_damaged(void **state)
{
	static const uint32_t bad_caplen[] = {0x7fffffffu, 262145u, 300000u};
	struct file f = {0};
	char *path;

	(void)state;
	/* Cut in a record header. */
	header(&f, true, 0xa1b2c3d4, 4, 65535, 1);
	record(&f, 1, 2, 60, 60, 0x86dd, 1);
	put32(&f, 7);
	put32(&f, 8);
	path = save(&f, "cut-hdr.pcap");
	assert_int_equal(compare(path, NULL), 1);
	free(path);

	/* Cut in a record's data. */
	header(&f, false, 0xa1b23c4d, 4, 65535, 1);
	record(&f, 1, 2, 60, 60, 0x86dd, 1);
	record(&f, 1, 2, 60, 60, 0x86dd, 2);
	f.len -= 20;
	path = save(&f, "cut-data.pcap");
	assert_int_equal(compare(path, NULL), 1);
	free(path);

	/* Hostile capture lengths, with snaplens below and at the cap. */
	for (size_t i = 0; i < sizeof(bad_caplen) / sizeof(*bad_caplen); i++) {
		for (uint32_t snap = 0; snap <= 262144; snap += 262144) {
			header(&f, true, 0xa1b2c3d4, 4, snap, 1);
			record(&f, 1, 2, 60, 60, 0x86dd, 1);
			put32(&f, 1);
			put32(&f, 2);
			put32(&f, bad_caplen[i]);
			put32(&f, 60);
			put(&f, "0123456789", 10);
			path = save(&f, "hostile.pcap");
			assert_int_equal(compare(path, NULL), 1);
			free(path);
		}
	}

	/* A header and nothing else; a header cut short. */
	header(&f, true, 0xa1b2c3d4, 4, 65535, 1);
	path = save(&f, "empty.pcap");
	assert_int_equal(compare(path, NULL), 0);
	free(path);
	header(&f, true, 0xa1b2c3d4, 4, 65535, 1);
	f.len = 20;
	path = save(&f, "short.pcap");
	assert_int_equal(compare(path, NULL), 0);
	free(path);
}

/* More than the read buffer holds, records across its edge, and the
 * largest record libpcap accepts. */
static void
test_large(void **state)
{
	struct file f = {0};
	char *path;

	(void)state;
	header(&f, true, 0xa1b2c3d4, 4, 262144, 1);
	for (unsigned k = 0; k < 9000; k++)
		record(&f, k, k, 60 + k % 1400, 60 + k % 1400,
		    k % 3 ? 0x86dd : 0x0800, k);
	record(&f, 1, 1, 262144, 262144, 0x86dd, 9);
	for (unsigned k = 0; k < 5; k++)
		record(&f, k, k, 200000, 200000, 0x86dd, k);
	path = save(&f, "large.pcap");
	assert_int_equal(compare(path, NULL), 9006);
	/* A filter keeps what libpcap's filter keeps, and counts every
	 * record of the file in the packet numbers. */
	assert_int_equal(compare(path, "ip6"), 6006);
	free(path);
}

/* Other versions and pcapng stay with libpcap and still read. */
static void
test_others(void **state)
{
	struct file f = {0};
	char *path;

	(void)state;
	header(&f, true, 0xa1b2c3d4, 3, 65535, 1);
	record(&f, 1, 2, 60, 60, 0x86dd, 1);
	path = save(&f, "v23.pcap");
	assert_int_equal(compare(path, NULL), 1);
	free(path);

	/* Linux "cooked" v2 and DLT_NULL. */
	header(&f, false, 0xa1b2c3d4, 4, 65535, 276);
	record(&f, 1, 2, 60, 60, 0x86dd, 1);
	path = save(&f, "sll2.pcap");
	assert_int_equal(compare(path, NULL), 1);
	free(path);
	header(&f, true, 0xa1b2c3d4, 4, 65535, 0);
	record(&f, 1, 2, 60, 60, 0x86dd, 1);
	path = save(&f, "null.pcap");
	assert_int_equal(compare(path, NULL), 1);
	free(path);
}

/* Packet numbers count every record, filtered or not. */
static void
test_numbers(void **state)
{
	char err[DS_CAPTURE_ERRMAX];
	struct ds_capture_packet pkt;
	struct ds_capture *c;
	struct file f = {0};
	char *path;

	(void)state;
	header(&f, true, 0xa1b2c3d4, 4, 65535, 1);
	record(&f, 1, 2, 60, 60, 0x0800, 1);
	record(&f, 1, 2, 60, 60, 0x86dd, 2);
	record(&f, 1, 2, 60, 60, 0x0800, 3);
	record(&f, 1, 2, 60, 60, 0x86dd, 4);
	path = save(&f, "numbers.pcap");
	assert_int_equal(ds_capture_new_file(path, err, sizeof(err), &c), 0);
	assert_int_equal(ds_capture_set_filter(c, "ip6", err, sizeof(err)), 0);
	assert_int_equal(ds_capture_next(c, &pkt), 1);
	assert_int_equal(pkt.number, 2);
	assert_int_equal(ds_capture_next(c, &pkt), 1);
	assert_int_equal(pkt.number, 4);
	assert_int_equal(ds_capture_next(c, &pkt), 0);
	ds_capture_free(c);
	unlink(path);
	free(path);
}

/* f's bytes compressed as 'members' gzip members one after the other
 * (gzip -c a b > ab.gz makes such a file). f is left as it was. */
static void
gzip_file(const struct file *f, unsigned members, struct file *ret)
{
	size_t part = f->len / members + 1;

	memset(ret, 0, sizeof(*ret));
	for (size_t off = 0; off < f->len; off += part) {
		size_t n = f->len - off < part ? f->len - off : part;
		uint8_t out[16384];
		z_stream z = {0};
		int zr;

		assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS,
		                     8, Z_DEFAULT_STRATEGY),
		    Z_OK);
		z.next_in = f->b + off;
		z.avail_in = (uInt)n;
		do {
			z.next_out = out;
			z.avail_out = sizeof(out);
			zr = deflate(&z, Z_FINISH);
			assert_true(zr == Z_OK || zr == Z_STREAM_END);
			put(ret, out, sizeof(out) - z.avail_out);
		} while (zr != Z_STREAM_END);
		deflateEnd(&z);
	}
}

/*
 * Read a and b with ds_capture: the same records, the same end (its code
 * and, unless the end is gzip damage, its words). Returns the records.
 */
static unsigned
same_records(const char *a, const char *b, int *ret_end, char *ret_err)
{
	char err_a[DS_CAPTURE_ERRMAX], err_b[DS_CAPTURE_ERRMAX];
	struct ds_capture *ca, *cb;
	unsigned n = 0;

	assert_int_equal(ds_capture_new_file(a, err_a, sizeof(err_a), &ca), 0);
	assert_int_equal(ds_capture_new_file(b, err_b, sizeof(err_b), &cb), 0);
	assert_int_equal(ds_capture_linktype(ca), ds_capture_linktype(cb));
	assert_int_equal(ds_capture_snaplen(ca), ds_capture_snaplen(cb));
	assert_int_equal(
	    ds_capture_tstamp_digits(ca), ds_capture_tstamp_digits(cb));
	for (;;) {
		struct ds_capture_packet pa, pb;
		int ra = ds_capture_next(ca, &pa);
		int rb = ds_capture_next(cb, &pb);

		if (ra != 1 || rb != 1) {
			*ret_end = rb;
			ds_capture_last_error(cb, ret_err, DS_CAPTURE_ERRMAX);
			if (rb == ra)
				break;
			/* Only damage to b's gzip data may end it sooner. */
			assert_int_equal(rb, -EBADMSG);
			break;
		}
		assert_int_equal(pa.sec, pb.sec);
		assert_int_equal(pa.nsec, pb.nsec);
		assert_int_equal(pa.caplen, pb.caplen);
		assert_int_equal(pa.wirelen, pb.wirelen);
		assert_int_equal(pa.number, pb.number);
		assert_memory_equal(pa.data, pb.data, pa.caplen);
		n++;
	}
	ds_capture_free(ca);
	ds_capture_free(cb);
	return n;
}

/*
 * A one-record pcap gzip'd, cut to cut_len octets (0: not cut) and with
 * octet bad (-1: none) set to 7, must be refused at open with
 * -DS_E_CAPTURE_GZIP; the words go to err.
 */
static void
refused_at_open(size_t cut_len, int bad, char err[DS_CAPTURE_ERRMAX])
{
	struct file f = {0}, z;
	struct ds_capture *c;
	char *gz;

	header(&f, true, 0xa1b2c3d4, 4, 65535, 1);
	record(&f, 1, 2, 60, 60, 0x86dd, 1);
	gzip_file(&f, 1, &z);
	free(f.b);
	if (cut_len)
		z.len = cut_len;
	if (bad >= 0)
		z.b[bad] = 7;
	gz = save(&z, "refused.pcap.gz");
	err[0] = '\0';
	assert_int_equal(ds_capture_new_file(gz, err, DS_CAPTURE_ERRMAX, &c),
	    -DS_E_CAPTURE_GZIP);
	free(gz);
}

/* gzip-compressed files read as the plain ones, on both readers (the
 * classic pcap one here and libpcap's, which reads version 2.3). */
static void
test_gzip(void **state)
{
	static const uint16_t minors[] = {4, 3};
	char err[DS_CAPTURE_ERRMAX];
	struct file f = {0}, z;
	struct ds_capture *c;
	char *plain, *gz;
	int end;

	(void)state;
	for (size_t i = 0; i < sizeof(minors) / sizeof(*minors); i++) {
		header(&f, true, 0xa1b2c3d4, minors[i], 262144, 1);
		for (unsigned k = 0; k < 3000; k++)
			record(&f, k, k, 60 + k % 1400, 60 + k % 1400,
			    k % 3 ? 0x86dd : 0x0800, k);
		record(&f, 1, 1, 200000, 200000, 0x86dd, 9);
		for (unsigned members = 1; members <= 3; members += 2) {
			gzip_file(&f, members, &z);
			struct file copy = {.b = malloc(f.len), .len = f.len};

			assert_non_null(copy.b);
			memcpy(copy.b, f.b, f.len);
			gz = save(&z, "a.pcap.gz");
			plain = save(&copy, "a.pcap");
			assert_int_equal(
			    same_records(plain, gz, &end, err), 3001);
			assert_int_equal(end, 0);
			free(plain);
			free(gz);
		}
		free(f.b);
		memset(&f, 0, sizeof(f));
	}

	/* Cut in the middle: the records before the cut, then the damage
	 * named with where the compressed data ends. */
	header(&f, false, 0xa1b23c4d, 4, 65535, 1);
	for (unsigned k = 0; k < 2000; k++)
		record(&f, k, k, 1000, 1000, 0x86dd, k);
	gzip_file(&f, 1, &z);
	plain = save(&f, "b.pcap");
	z.len /= 2;
	{
		char want[64];

		snprintf(want, sizeof(want), "ends at byte %zu ", z.len);
		gz = save(&z, "b.pcap.gz");
		assert_true(same_records(plain, gz, &end, err) > 100);
		assert_int_equal(end, -EBADMSG);
		assert_non_null(strstr(err, "gzip data cut short"));
		assert_non_null(strstr(err, want));
	}
	free(gz);

	/* A damaged check value (RFC 1952 section 2.3.1, CRC32 then ISIZE
	 * at the end): every record, then the damage. */
	header(&f, true, 0xa1b2c3d4, 4, 65535, 1);
	for (unsigned k = 0; k < 2000; k++)
		record(&f, k, k, 1000, 1000, 0x86dd, k);
	gzip_file(&f, 1, &z);
	z.b[z.len - 8] ^= 0xff;
	gz = save(&z, "c.pcap.gz");
	free(f.b);
	memset(&f, 0, sizeof(f));
	assert_int_equal(ds_capture_new_file(gz, err, sizeof(err), &c), 0);
	{
		struct ds_capture_packet pkt;
		int r;

		unsigned n = 0;

		while ((r = ds_capture_next(c, &pkt)) == 1)
			n++;
		assert_int_equal(n, 2000);
		assert_int_equal(r, -EBADMSG);
		ds_capture_last_error(c, err, sizeof(err));
		assert_non_null(strstr(err, "gzip data damaged near byte "));
		assert_non_null(strstr(err, "incorrect data check"));
	}
	ds_capture_free(c);
	free(gz);

	/* Cut before the capture's own header is whole: refused at open,
	 * with the words in errbuf. */
	refused_at_open(12, -1, err);
	assert_non_null(strstr(err, "gzip data cut short"));

	/* A compression method other than deflate (RFC 1952 2.3.1, CM). */
	refused_at_open(0, 2, err);
	/* zlib reads the magic, method and flags before it judges them. */
	assert_string_equal(
	    err, "gzip data damaged near byte 4: unknown compression method");
	free(plain);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_orders),
	    cmocka_unit_test(test_snaplen),
	    cmocka_unit_test(test_damaged),
	    cmocka_unit_test(test_large),
	    cmocka_unit_test(test_others),
	    cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_gzip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
