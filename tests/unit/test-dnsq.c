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

/* --- The diagnosis ------------------------------------------------------ */

/* A server that answers every check at once, with one address. */
static void
healthy(struct ds_dnsq_server_report *s, uint32_t v4)
{
	static struct ds_dnsq_rr nat64[1];

	memset(s, 0, sizeof(*s));
	ds_addr_from_v4(v4, &s->server.addr);
	s->server.port = 53;
	for (unsigned c = 0; c < DS_DNSQ_CHECKS; c++) {
		assert_int_equal(
		    ds_dnsq_check_query(c, &s->r[c].qtype, NULL, NULL), 0);
		s->asked[c] = true;
		s->r[c].elapsed_us = 2000;
		s->r[c].reply.n_addrs = 1;
		s->r[c].raw_len = 60;
	}
	/* ipv4only.arpa has no AAAA without DNS64. */
	s->r[DS_DNSQ_CHECK_DNS64].reply.rcode = DS_DNSQ_NXDOMAIN;
	s->r[DS_DNSQ_CHECK_DNS64].reply.n_addrs = 0;
	s->r[DS_DNSQ_CHECK_DNS64].addrs = nat64;
}

static const struct ds_dnsq_diag_opts dopts = {.timeout_s = 2, .attempts = 2};

/* The codes found, as tokens joined by spaces. */
static const char *
codes(const struct ds_dnsq_server_report *s, size_t n)
{
	static char out[256];
	struct ds_finding f[16];
	int k = ds_dnsq_diagnose(s, n, &dopts, f, 16);

	assert_true(k >= 0 && k <= 16);
	out[0] = '\0';
	for (int i = 0; i < k; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, ds_finding_token(f[i].code));
	}
	return out;
}

static void
test_diagnose(void **state)
{
	struct ds_dnsq_server_report s[2];
	struct ds_finding f[4];

	(void)state;
	healthy(&s[0], 0xc6336402u);
	healthy(&s[1], 0xc6336403u);
	assert_string_equal(codes(s, 2), "");
	assert_string_equal(
	    ds_dnsq_check_token(DS_DNSQ_CHECK_EDNS_1232), "edns-1232");
	assert_null(ds_dnsq_check_token(DS_DNSQ_CHECKS));

	/* Silent: one finding, with the stall glibc pays (2 s x 2). */
	for (unsigned c = 0; c < DS_DNSQ_CHECKS; c++)
		s[0].r[c].status = -ETIMEDOUT;
	assert_string_equal(codes(s, 2), "dns.silent");
	assert_int_equal(ds_dnsq_diagnose(s, 2, &dopts, f, 4), 1);
	assert_int_equal(ds_finding_uint(&f[0], DS_EVK_STALL, 0), 4000000);
	assert_int_equal(f[0].subject.type, DS_EV_ENDPOINT);

	/* AAAA lost over UDP and in the pair: the type, not the pair. */
	healthy(&s[0], 0xc6336402u);
	s[0].r[DS_DNSQ_CHECK_UDP_AAAA].status = -ETIMEDOUT;
	s[0].r[DS_DNSQ_CHECK_PAIR_AAAA].status = -ETIMEDOUT;
	s[0].r[DS_DNSQ_CHECK_DNS64].status = -ETIMEDOUT;
	assert_string_equal(codes(s, 1), "dns.type-lost");

	/* Only the pair's second lost: the pair. */
	healthy(&s[0], 0xc6336402u);
	s[0].r[DS_DNSQ_CHECK_PAIR_AAAA].status = -ETIMEDOUT;
	assert_string_equal(codes(s, 1), "dns.pair-lost");
	assert_int_equal(ds_dnsq_diagnose(s, 1, &dopts, f, 4), 1);
	assert_int_equal(f[0].severity, DS_SEV_ERROR);
	{
		struct ds_dnsq_diag_opts sr = dopts;

		sr.single_request = true;
		assert_int_equal(ds_dnsq_diagnose(s, 1, &sr, f, 4), 1);
		assert_int_equal(f[0].severity, DS_SEV_INFO);
		assert_true(ds_finding_bool(&f[0], DS_EVK_MITIGATED));
		assert_int_equal(
		    ds_finding_uint(&f[0], DS_EVK_STALL, 0), 2000000);
		/* Lost again one at a time from that socket: two
		 * timeouts, and single-request does not avoid it. */
		s[0].r[DS_DNSQ_CHECK_SEQ_AAAA].status = -ETIMEDOUT;
		assert_int_equal(ds_dnsq_diagnose(s, 1, &sr, f, 4), 1);
		assert_int_equal(f[0].severity, DS_SEV_ERROR);
		assert_int_equal(
		    ds_finding_uint(&f[0], DS_EVK_STALL, 0), 4000000);
		assert_int_equal(ds_finding_uint(&f[0], DS_EVK_COUNT, 0), 2);
		sr.single_request_reopen = true;
		assert_int_equal(ds_dnsq_diagnose(s, 1, &sr, f, 4), 1);
		assert_int_equal(f[0].severity, DS_SEV_INFO);
	}

	/* Slow by more than 50 ms; 50 ms exactly is not. */
	healthy(&s[0], 0xc6336402u);
	s[0].r[DS_DNSQ_CHECK_UDP_AAAA].elapsed_us = 52000;
	assert_string_equal(codes(s, 1), "");
	s[0].r[DS_DNSQ_CHECK_UDP_AAAA].elapsed_us = 1002001;
	/* Over UDP only, with TCP as fast for both: not the server. */
	assert_string_equal(codes(s, 1), "");
	s[0].r[DS_DNSQ_CHECK_TCP_AAAA].elapsed_us = 1003000;
	assert_string_equal(codes(s, 1), "dns.type-slow");

	/* Truncated, TCP dropped: one finding, not a TCP one as well. */
	healthy(&s[0], 0xc6336402u);
	s[0].r[DS_DNSQ_CHECK_UDP_A].reply.tc = true;
	s[0].r[DS_DNSQ_CHECK_TCP_A].status = -ETIMEDOUT;
	s[0].r[DS_DNSQ_CHECK_TCP_AAAA].status = -ETIMEDOUT;
	assert_string_equal(codes(s, 1), "dns.truncated-no-tcp");
	s[0].r[DS_DNSQ_CHECK_UDP_A].reply.tc = false;
	assert_string_equal(codes(s, 1), "dns.tcp-failed");

	/* EDNS0: FORMERR at every size; then only 4096 lost. */
	healthy(&s[0], 0xc6336402u);
	s[0].r[DS_DNSQ_CHECK_EDNS_512].reply.rcode = DS_DNSQ_FORMERR;
	s[0].r[DS_DNSQ_CHECK_EDNS_1232].reply.rcode = DS_DNSQ_FORMERR;
	s[0].r[DS_DNSQ_CHECK_EDNS_4096].reply.rcode = DS_DNSQ_FORMERR;
	assert_string_equal(codes(s, 1), "dns.edns-unsupported");
	healthy(&s[0], 0xc6336402u);
	s[0].r[DS_DNSQ_CHECK_EDNS_4096].status = -ETIMEDOUT;
	assert_string_equal(codes(s, 1), "dns.edns-large-lost");
	assert_int_equal(ds_dnsq_diagnose(s, 1, &dopts, f, 4), 1);
	assert_int_equal(ds_finding_uint(&f[0], DS_EVK_SIZE, 0), 4096);
	assert_int_equal(ds_finding_uint(&f[0], DS_EVK_WORKS_AT, 0), 1232);

	/* SERVFAIL at one server, the other answers. */
	healthy(&s[0], 0xc6336402u);
	for (unsigned c = 0; c < DS_DNSQ_CHECKS; c++)
		s[0].r[c].reply.rcode = DS_DNSQ_SERVFAIL;
	assert_string_equal(codes(s, 2), "dns.rcode");
	assert_int_equal(ds_dnsq_diagnose(s, 2, &dopts, f, 4), 1);
	assert_int_equal(ds_finding_uint(&f[0], DS_EVK_COUNT, 0), 2);
	assert_non_null(ds_finding_get(&f[0], DS_EVK_ANSWERED_BY));

	/* A malformed answer. */
	healthy(&s[0], 0xc6336402u);
	s[0].r[DS_DNSQ_CHECK_TCP_AAAA].status = -DS_E_DNSQ_BADRESP;
	assert_string_equal(codes(s, 1), "dns.bad-answer");

	/* Fewer places than findings: the count is still the whole. */
	for (unsigned c = 0; c < DS_DNSQ_CHECKS; c++)
		s[0].r[c].status = -ETIMEDOUT;
	for (unsigned c = 0; c < DS_DNSQ_CHECKS; c++)
		s[1].r[c].status = -ETIMEDOUT;
	assert_int_equal(ds_dnsq_diagnose(s, 2, &dopts, NULL, 0), 2);
	assert_int_equal(ds_dnsq_diagnose(s, 2, &dopts, f, 1), 2);
	assert_int_equal(ds_dnsq_diagnose(NULL, 1, &dopts, f, 1), -EINVAL);
}

static void
test_diagnose_dns64(void **state)
{
	struct ds_dnsq_server_report s;
	struct ds_finding f[2];
	struct ds_dnsq_rr rr[1];
	char buf[DS_PREFIX_STRLEN];
	/* 192.0.0.170 under 64:ff9b::/96, then under 2001:db8:64::/96. */
	static const uint8_t wkp[16] = {
	    0, 0x64, 0xff, 0x9b, [12] = 192, 0, 0, 170};
	static const uint8_t nsp[16] = {
	    0x20, 0x01, 0x0d, 0xb8, 0, 0x64, [12] = 192, 0, 0, 171};

	(void)state;
	healthy(&s, 0xc6336402u);
	s.r[DS_DNSQ_CHECK_DNS64].reply.rcode = DS_DNSQ_NOERROR;
	s.r[DS_DNSQ_CHECK_DNS64].reply.n_addrs = 1;
	s.r[DS_DNSQ_CHECK_DNS64].addrs = rr;
	memset(rr, 0, sizeof(rr));
	ds_addr_from_v6(wkp, &rr[0].addr);
	assert_int_equal(ds_dnsq_diagnose(&s, 1, &dopts, f, 2), 1);
	assert_int_equal(f[0].code, DS_FIND_DNS_DNS64);
	assert_int_equal(f[0].severity, DS_SEV_INFO);
	assert_true(ds_finding_bool(&f[0], DS_EVK_WELL_KNOWN));
	assert_true(
	    ds_prefix_format(&ds_finding_get(&f[0], DS_EVK_PREFIX)->v.prefix, 0,
	        buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "64:ff9b::/96");
	ds_addr_from_v6(nsp, &rr[0].addr);
	assert_int_equal(ds_dnsq_diagnose(&s, 1, &dopts, f, 2), 1);
	assert_false(ds_finding_bool(&f[0], DS_EVK_WELL_KNOWN));
	/* An AAAA that embeds no well-known address is no DNS64. */
	rr[0].addr.u.bytes[15] = 1;
	assert_int_equal(ds_dnsq_diagnose(&s, 1, &dopts, f, 2), 0);
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
	    cmocka_unit_test(test_diagnose),
	    cmocka_unit_test(test_diagnose_dns64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
