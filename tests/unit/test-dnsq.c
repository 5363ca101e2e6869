/* SPDX-License-Identifier: MIT */
/*
 * ds_dnsq_parse(): answers built octet by octet, good and hostile side by
 * side -- truncated, compression loops, counts that lie, huge TTLs -- and
 * the names of rcodes, types and transports.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dualstack/dnsq.h"
#include "dualstack/error.h"

struct msg {
	uint8_t b[2048];
	size_t n;
};

static void
put(struct msg *m, const void *p, size_t n)
{
	assert_true(m->n + n <= sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void
put16(struct msg *m, unsigned v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	put(m, b, 2);
}

static void
put32(struct msg *m, uint32_t v)
{
	put16(m, v >> 16);
	put16(m, v & 0xffff);
}

/* Header: id 0x1234, QR, RD, RA, rcode; counts as given. */
static void
header(struct msg *m, unsigned flags_lo, unsigned qd, unsigned an, unsigned ns,
    unsigned ar)
{
	m->n = 0;
	put16(m, 0x1234);
	put16(m, 0x8180 | flags_lo);
	put16(m, qd);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
}

/* The question www.example.test, type t, class IN. */
static void
question(struct msg *m, unsigned t)
{
	static const uint8_t name[] = "\3www\7example\4test";

	put(m, name, sizeof(name));
	put16(m, t);
	put16(m, 1);
}

/* An answer record owned by the question's name (a pointer to 12). */
static void
rr(struct msg *m, unsigned t, uint32_t ttl, const void *rdata, size_t n)
{
	put16(m, 0xc00c);
	put16(m, t);
	put16(m, 1);
	put32(m, ttl);
	put16(m, (unsigned)n);
	put(m, rdata, n);
}

static const uint8_t v4a[4] = {198, 51, 100, 2};
static const uint8_t v4b[4] = {198, 51, 100, 3};
static const uint8_t v6a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(ds_dnsq_rcode_name(0), "NOERROR");
	assert_string_equal(ds_dnsq_rcode_name(2), "SERVFAIL");
	assert_string_equal(ds_dnsq_rcode_name(5), "REFUSED");
	assert_string_equal(ds_dnsq_rcode_name(15), "RCODE15");
	assert_null(ds_dnsq_rcode_name(16));
	assert_string_equal(ds_dnsq_type_name(DS_DNSQ_TYPE_A), "A");
	assert_string_equal(ds_dnsq_type_name(DS_DNSQ_TYPE_AAAA), "AAAA");
	assert_null(ds_dnsq_type_name(5));
	assert_string_equal(ds_dnsq_transport_name(DS_DNSQ_UDP), "udp");
	assert_string_equal(ds_dnsq_transport_name(DS_DNSQ_TCP), "tcp");
}

static void
test_a_answer(void **state)
{
	struct ds_dnsq_rr addrs[4];
	struct ds_dnsq_reply r;
	struct msg m;

	(void)state;
	header(&m, 0x0400, 1, 2, 0, 0);
	question(&m, 1);
	rr(&m, 1, 300, v4a, 4);
	rr(&m, 1, 60, v4b, 4);
	assert_int_equal(ds_dnsq_parse(m.b, m.n, 1, &r, addrs, 4), 0);
	assert_int_equal(r.id, 0x1234);
	assert_int_equal(r.rcode, 0);
	assert_true(r.aa);
	assert_false(r.tc);
	assert_true(r.rd && r.ra);
	assert_int_equal(r.ancount, 2);
	assert_int_equal(r.n_addrs, 2);
	assert_int_equal(r.min_ttl, 60);
	assert_int_equal(addrs[0].addr.family, AF_INET);
	assert_int_equal(ds_addr_v4(&addrs[0].addr), 0xc6336402u);
	assert_int_equal(ds_addr_v4(&addrs[1].addr), 0xc6336403u);
	/* Fewer kept than there are: the count is still the whole. */
	assert_int_equal(ds_dnsq_parse(m.b, m.n, 1, &r, addrs, 1), 0);
	assert_int_equal(r.n_addrs, 2);
	assert_int_equal(ds_dnsq_parse(m.b, m.n, 1, &r, NULL, 0), 0);
	/* Asked as AAAA, the A records are not addresses of it. */
	assert_int_equal(ds_dnsq_parse(m.b, m.n, 28, &r, addrs, 4), 0);
	assert_int_equal(r.n_addrs, 0);
}

static void
test_aaaa_answer(void **state)
{
	struct ds_dnsq_rr addrs[2];
	struct ds_dnsq_reply r;
	struct msg m;

	(void)state;
	header(&m, 0, 1, 1, 0, 0);
	question(&m, 28);
	rr(&m, 28, 30, v6a, 16);
	assert_int_equal(ds_dnsq_parse(m.b, m.n, 28, &r, addrs, 2), 0);
	assert_int_equal(r.n_addrs, 1);
	assert_int_equal(addrs[0].addr.family, AF_INET6);
	assert_memory_equal(&addrs[0].addr.u.in6, v6a, 16);
	assert_int_equal(addrs[0].ttl, 30);
}

static void
test_rcodes_and_nodata(void **state)
{
	struct ds_dnsq_reply r;
	struct msg m;

	(void)state;
	/* SERVFAIL, NXDOMAIN, REFUSED: the header only. */
	for (unsigned rc = 1; rc <= 5; rc++) {
		header(&m, rc, 1, 0, 0, 0);
		question(&m, 1);
		assert_int_equal(ds_dnsq_parse(m.b, m.n, 1, &r, NULL, 0), 0);
		assert_int_equal(r.rcode, rc);
		assert_int_equal(r.n_addrs, 0);
	}
	/* A FORMERR may come without the question (RFC 6891 section 7). */
	header(&m, 1, 0, 0, 0, 0);
	assert_int_equal(ds_dnsq_parse(m.b, m.n, 1, &r, NULL, 0), 0);
	assert_int_equal(r.rcode, 1);
	/* NOERROR, no answer: NODATA, no error. */
	header(&m, 0, 1, 0, 0, 0);
	question(&m, 28);
	assert_int_equal(ds_dnsq_parse(m.b, m.n, 28, &r, NULL, 0), 0);
	assert_int_equal(r.n_addrs, 0);
	assert_int_equal(r.min_ttl, 0);
}

static void
test_huge_ttl(void **state)
{
	struct ds_dnsq_rr addrs[2];
	struct ds_dnsq_reply r;
	struct msg m;

	(void)state;
	/* RFC 2181 section 8: the high bit set reads as 0; the largest
	 * positive stays. */
	header(&m, 0, 1, 2, 0, 0);
	question(&m, 1);
	rr(&m, 1, 0xffffffffu, v4a, 4);
	rr(&m, 1, 0x7fffffffu, v4b, 4);
	assert_int_equal(ds_dnsq_parse(m.b, m.n, 1, &r, addrs, 2), 0);
	assert_int_equal(addrs[0].ttl, 0);
	assert_int_equal(addrs[1].ttl, 0x7fffffffu);
	assert_int_equal(r.min_ttl, 0);
}

static void
test_hostile(void **state)
{
	struct ds_dnsq_reply r = {.id = 7};
	struct msg m;
	size_t full;

	(void)state;
	/* Shorter than a header; not a response; another opcode. */
	header(&m, 0, 1, 0, 0, 0);
	assert_int_equal(
	    ds_dnsq_parse(m.b, 11, 1, &r, NULL, 0), -DS_E_DNSQ_SHORT);
	assert_int_equal(
	    ds_dnsq_parse(m.b, 0, 1, &r, NULL, 0), -DS_E_DNSQ_SHORT);
	m.b[2] &= 0x7f;
	assert_int_equal(
	    ds_dnsq_parse(m.b, m.n, 1, &r, NULL, 0), -DS_E_DNSQ_NOT_RESPONSE);
	header(&m, 0, 1, 0, 0, 0);
	m.b[2] |= 2 << 3;
	assert_int_equal(
	    ds_dnsq_parse(m.b, m.n, 1, &r, NULL, 0), -DS_E_DNSQ_NOT_RESPONSE);
	assert_int_equal(r.id, 7); /* untouched on failure */

	/* ANCOUNT says three, two are there. */
	header(&m, 0, 1, 3, 0, 0);
	question(&m, 1);
	rr(&m, 1, 60, v4a, 4);
	rr(&m, 1, 60, v4b, 4);
	assert_int_equal(
	    ds_dnsq_parse(m.b, m.n, 1, &r, NULL, 0), -DS_E_DNSQ_BADRESP);
	/* A record cut in its data, no TC: an error. */
	header(&m, 0, 1, 1, 0, 0);
	question(&m, 1);
	rr(&m, 1, 60, v4a, 4);
	full = m.n;
	for (size_t cut = 12; cut < full; cut++)
		assert_int_equal(ds_dnsq_parse(m.b, cut, 1, &r, NULL, 0),
		    -DS_E_DNSQ_BADRESP);
	/* The same with TC: what it has is all there is. */
	m.b[2] |= 0x02;
	assert_int_equal(ds_dnsq_parse(m.b, full - 2, 1, &r, NULL, 0), 0);
	assert_true(r.tc);
	assert_int_equal(r.n_addrs, 0);

	/* RDLENGTH past the end. */
	header(&m, 0, 1, 1, 0, 0);
	question(&m, 1);
	rr(&m, 1, 60, v4a, 4);
	m.b[m.n - 5] = 0xff;
	assert_int_equal(
	    ds_dnsq_parse(m.b, m.n, 1, &r, NULL, 0), -DS_E_DNSQ_BADRESP);

	/* A compression loop: the answer's owner points at itself. */
	header(&m, 0, 1, 1, 0, 0);
	question(&m, 1);
	{
		size_t at = m.n;

		put16(&m, 0xc000 | (unsigned)at);
		put16(&m, 1);
		put16(&m, 1);
		put32(&m, 60);
		put16(&m, 4);
		put(&m, v4a, 4);
	}
	assert_int_equal(
	    ds_dnsq_parse(m.b, m.n, 1, &r, NULL, 0), -DS_E_DNSQ_BADRESP);
	/* A loop in the question itself. */
	header(&m, 0, 1, 0, 0, 0);
	put16(&m, 0xc00c);
	put16(&m, 1);
	put16(&m, 1);
	assert_int_equal(
	    ds_dnsq_parse(m.b, m.n, 1, &r, NULL, 0), -DS_E_DNSQ_BADRESP);
	/* No question at all in a NOERROR answer. */
	header(&m, 0, 0, 0, 0, 0);
	assert_int_equal(
	    ds_dnsq_parse(m.b, m.n, 1, &r, NULL, 0), -DS_E_DNSQ_BADRESP);
	/* An A record of the wrong length is no address (c-ares skips
	 * it): the answer holds none. */
	header(&m, 0, 1, 1, 0, 0);
	question(&m, 1);
	rr(&m, 1, 60, v6a, 16);
	assert_int_equal(ds_dnsq_parse(m.b, m.n, 1, &r, NULL, 0), 0);
	assert_int_equal(r.n_addrs, 0);
}

static void
test_bad_arguments(void **state)
{
	struct ds_dnsq_reply r;
	struct msg m;

	(void)state;
	header(&m, 0, 1, 0, 0, 0);
	question(&m, 1);
	assert_int_equal(ds_dnsq_parse(m.b, m.n, 5, &r, NULL, 0), -EINVAL);
	assert_int_equal(ds_dnsq_parse(NULL, 0, 1, &r, NULL, 0), -EINVAL);
	assert_int_equal(ds_dnsq_parse(m.b, m.n, 1, NULL, NULL, 0), -EINVAL);
	assert_int_equal(ds_dnsq_parse(m.b, m.n, 1, &r, NULL, 1), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_a_answer),
	    cmocka_unit_test(test_aaaa_answer),
	    cmocka_unit_test(test_rcodes_and_nodata),
	    cmocka_unit_test(test_huge_ttl),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
