/* SPDX-License-Identifier: MIT */
/*
 * ds_dnsq on loopback, against a small server on the same loop that
 * answers, drops the second query of a socket, lies, or answers over TCP
 * in reverse order: outcomes, timing, the pair's loss, no leak.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dualstack/dnsq.h"
#include "dualstack/error.h"
#include "dualstack/loop.h"

#include "net-test.h"

enum mode {
	ANSWER,      /* answer every query */
	DROP_SECOND, /* drop a query from the port the last one came from */
	DROP_AAAA,   /* never answer AAAA */
	LIE_FIRST, /* a wrong ID and a wrong question first, then the answer */
	GARBAGE,   /* the right ID, then a record count that lies */
	SERVFAIL,  /* rcode 2 */
	SILENT,    /* read, never answer */
};

struct server {
	struct ds_loop *loop;
	enum mode mode;
	int udp, lst, conn;
	struct ds_io *io_udp, *io_lst, *io_conn;
	uint16_t port;
	uint16_t last_port;
	unsigned queries;
	uint8_t tbuf[4096];
	size_t tlen;
};

struct run {
	bool called;
	unsigned calls;
	struct ds_loop *loop;
};

/* The end of the question of query m (n octets), or 0. */
static size_t
qend(const uint8_t *m, size_t n)
{
	size_t p = 12;

	while (p < n && m[p])
		p += (size_t)m[p] + 1;
	return p + 5 <= n ? p + 5 : 0;
}

/* The answer to query m into out: the question, one record (A or AAAA
 * of 198.51.100.2 or 2001:db8::2), no OPT. Returns its length. */
static size_t
answer(const struct server *s, const uint8_t *m, size_t n, uint8_t *out)
{
	static const uint8_t a4[4] = {198, 51, 100, 2};
	static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
	size_t e = qend(m, n), o;
	unsigned qtype;

	if (e == 0)
		return 0;
	memcpy(out, m, e);
	qtype = ((unsigned)m[e - 4] << 8) | m[e - 3];
	out[2] |= 0x80;
	out[3] = (uint8_t)(s->mode == SERVFAIL ? 0x82 : 0x80);
	out[6] = 0;
	out[7] = s->mode == SERVFAIL ? 0 : 1;
	out[10] = out[11] = 0;
	o = e;
	if (s->mode == SERVFAIL)
		return o;
	out[o++] = 0xc0;
	out[o++] = 12;
	out[o++] = 0;
	out[o++] = (uint8_t)qtype;
	out[o++] = 0;
	out[o++] = 1;
	out[o++] = 0;
	out[o++] = 0;
	out[o++] = 0;
	out[o++] = 60;
	out[o++] = 0;
	out[o++] = qtype == 1 ? 4 : 16;
	memcpy(out + o, qtype == 1 ? a4 : a6, qtype == 1 ? 4u : 16u);
	return o + (qtype == 1 ? 4u : 16u);
}

static void
on_udp(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct server *s = userdata;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	uint8_t m[1500], out[1600];
	ssize_t n;
	size_t e, len;
	uint16_t port;

	(void)io;
	(void)events;
	n = recvfrom(fd, m, sizeof(m), 0, (struct sockaddr *)&ss, &sl);
	if (n < 12)
		return;
	s->queries++;
	port = ss.ss_family == AF_INET
	    ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
	    : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	e = qend(m, (size_t)n);
	if (s->mode == SILENT || e == 0)
		return;
	if (s->mode == DROP_SECOND && port == s->last_port) {
		s->last_port = port;
		return;
	}
	s->last_port = port;
	if (s->mode == DROP_AAAA && m[e - 3] == 28)
		return;
	len = answer(s, m, (size_t)n, out);
	if (s->mode == LIE_FIRST) {
		/* Another ID; then the right ID with another question. */
		out[0] ^= 0xff;
		sendto(fd, out, len, 0, (struct sockaddr *)&ss, sl);
		out[0] ^= 0xff;
		out[13] ^= 0x20 ^ 0x01; /* "www" becomes "vww" */
		sendto(fd, out, len, 0, (struct sockaddr *)&ss, sl);
		out[13] ^= 0x20 ^ 0x01;
		/* Upper case is the same name (RFC 4343). */
		out[13] &= (uint8_t)~0x20;
	}
	if (s->mode == GARBAGE)
		out[7] = 9;
	sendto(fd, out, len, 0, (struct sockaddr *)&ss, sl);
}

/* TCP: read every frame; answer them in reverse order once two are in
 * (or one, when only one came). */
static void
on_conn(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct server *s = userdata;
	uint8_t out[2][1600];
	size_t lens[2], k = 0, p = 0;
	ssize_t n;

	(void)io;
	(void)events;
	n = read(fd, s->tbuf + s->tlen, sizeof(s->tbuf) - s->tlen);
	if (n <= 0) {
		s->io_conn = ds_io_free(s->io_conn);
		close(s->conn);
		s->conn = -1;
		return;
	}
	s->tlen += (size_t)n;
	while (p + 2 <= s->tlen && k < 2) {
		size_t fl = ((size_t)s->tbuf[p] << 8) | s->tbuf[p + 1];

		if (p + 2 + fl > s->tlen)
			break;
		lens[k] = answer(s, s->tbuf + p + 2, fl, out[k] + 2);
		out[k][0] = (uint8_t)(lens[k] >> 8);
		out[k][1] = (uint8_t)lens[k];
		k++;
		p += 2 + fl;
	}
	if (s->mode == SILENT)
		return;
	while (k > 0) {
		k--;
		assert_int_equal(
		    write(fd, out[k], lens[k] + 2), (ssize_t)(lens[k] + 2));
	}
	memmove(s->tbuf, s->tbuf + p, s->tlen - p);
	s->tlen -= p;
}

static void
on_lst(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct server *s = userdata;
	int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)io;
	(void)events;
	if (c < 0)
		return;
	if (s->conn >= 0) {
		close(c);
		return;
	}
	s->conn = c;
	assert_int_equal(
	    ds_io_new(s->loop, c, DS_IO_IN, on_conn, s, &s->io_conn), 0);
}

/* A UDP and a TCP socket on one port of 127.0.0.1 or ::1. */
static void
server_start(struct server *s, struct ds_loop *loop, int family, enum mode m)
{
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->mode = m;
	s->conn = -1;
	for (int attempt = 0; attempt < 20; attempt++) {
		s->udp = socket(
		    family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		s->lst = socket(
		    family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		assert_true(s->udp >= 0 && s->lst >= 0);
		memset(&ss, 0, sizeof(ss));
		if (family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

			sin->sin_family = AF_INET;
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			sl = sizeof(*sin);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

			sin6->sin6_family = AF_INET6;
			sin6->sin6_addr = in6addr_loopback;
			sl = sizeof(*sin6);
		}
		assert_int_equal(bind(s->udp, (struct sockaddr *)&ss, sl), 0);
		assert_int_equal(
		    getsockname(s->udp, (struct sockaddr *)&ss, &sl), 0);
		setsockopt(s->lst, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s->lst, (struct sockaddr *)&ss, sl) == 0)
			break;
		close(s->udp);
		close(s->lst);
	}
	assert_int_equal(listen(s->lst, 4), 0);
	s->port = family == AF_INET
	    ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
	    : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	assert_int_equal(
	    ds_io_new(loop, s->udp, DS_IO_IN, on_udp, s, &s->io_udp), 0);
	assert_int_equal(
	    ds_io_new(loop, s->lst, DS_IO_IN, on_lst, s, &s->io_lst), 0);
}

static void
server_stop(struct server *s)
{
	s->io_udp = ds_io_free(s->io_udp);
	s->io_lst = ds_io_free(s->io_lst);
	s->io_conn = ds_io_free(s->io_conn);
	close(s->udp);
	close(s->lst);
	if (s->conn >= 0)
		close(s->conn);
}

static void
on_done(struct ds_dnsq *q, void *userdata)
{
	struct run *r = userdata;

	assert_true(ds_dnsq_is_done(q));
	r->called = true;
	r->calls++;
	ds_loop_stop(r->loop, 0);
}

static bool sequential;

/* One handle against a server in mode m; the handle stays for checks. */
static struct ds_dnsq *
ask(struct ds_loop *loop, struct server *s, int family,
    enum ds_dnsq_transport t, size_t nq, uint32_t timeout_ms, struct run *r)
{
	struct ds_dnsq_opts o = {
	    .sequential = sequential,
	    .transport = t,
	    .name = "www.example.test",
	    .qtypes = {DS_DNSQ_TYPE_A, DS_DNSQ_TYPE_AAAA},
	    .n_qtypes = nq,
	    .timeout_us = timeout_ms * 1000ull,
	};
	struct ds_dnsq *q = NULL;

	o.server.port = s->port;
	if (family == AF_INET)
		ds_addr_from_v4(INADDR_LOOPBACK, &o.server.addr);
	else
		ds_addr_from_v6(in6addr_loopback.s6_addr, &o.server.addr);
	memset(r, 0, sizeof(*r));
	r->loop = loop;
	assert_int_equal(ds_dnsq_new(loop, &o, on_done, r, &q), 0);
	assert_false(r->called); /* never from inside _new() */
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(r->calls, 1);
	return q;
}

static void
each_family(void (*fn)(int family))
{
	fn(AF_INET);
	if (have_ipv6_loopback())
		fn(AF_INET6);
}

static void
answered(int family)
{
	struct ds_loop *loop;
	struct server s;
	struct ds_dnsq *q;
	struct run r;
	int fds = count_fds();

	assert_int_equal(ds_loop_new(&loop), 0);
	server_start(&s, loop, family, ANSWER);
	for (int t = 0; t < 2; t++) {
		const struct ds_dnsq_result *a, *b;

		q = ask(
		    loop, &s, family, (enum ds_dnsq_transport)t, 2, 2000, &r);
		a = ds_dnsq_get(q, 0);
		b = ds_dnsq_get(q, 1);
		assert_non_null(a);
		assert_non_null(b);
		assert_null(ds_dnsq_get(q, 2));
		assert_int_equal(a->status, 0);
		assert_int_equal(b->status, 0);
		assert_int_equal(a->qtype, DS_DNSQ_TYPE_A);
		assert_int_equal(a->reply.n_addrs, 1);
		assert_int_equal(a->addrs[0].addr.family, AF_INET);
		assert_int_equal(b->addrs[0].addr.family, AF_INET6);
		assert_int_equal(a->addrs[0].ttl, 60);
		assert_non_null(a->raw);
		assert_true(a->raw_len > 12);
		assert_true(a->elapsed_us < 1000000);
		assert_false(ds_dnsq_second_lost(q));
		assert_true(ds_dnsq_local_port(q) != 0);
		assert_int_equal(ds_dnsq_ignored(q), 0);
		q = ds_dnsq_free(q);
	}
	server_stop(&s);
	ds_loop_free(loop);
	assert_int_equal(count_fds(), fds);
}

static void
test_answered(void **state)
{
	(void)state;
	each_family(answered);
}

static void
second_lost(int family)
{
	struct ds_loop *loop;
	struct server s;
	struct ds_dnsq *q;
	struct run r;

	assert_int_equal(ds_loop_new(&loop), 0);
	server_start(&s, loop, family, DROP_SECOND);
	q = ask(loop, &s, family, DS_DNSQ_UDP, 2, 300, &r);
	assert_int_equal(s.queries, 2);
	assert_int_equal(ds_dnsq_get(q, 0)->status, 0);
	assert_int_equal(ds_dnsq_get(q, 1)->status, -ETIMEDOUT);
	assert_true(ds_dnsq_get(q, 1)->elapsed_us >= 300000);
	assert_null(ds_dnsq_get(q, 1)->raw);
	assert_true(ds_dnsq_second_lost(q));
	q = ds_dnsq_free(q);
	/* One at a time from that socket (glibc's single-request): the
	 * second still leaves the same port, and is lost; against a
	 * server that answers, it leaves once the first is answered. */
	sequential = true;
	q = ask(loop, &s, family, DS_DNSQ_UDP, 2, 300, &r);
	assert_int_equal(s.queries, 4);
	assert_int_equal(ds_dnsq_get(q, 0)->status, 0);
	assert_int_equal(ds_dnsq_get(q, 1)->status, -ETIMEDOUT);
	assert_true(ds_dnsq_second_lost(q));
	q = ds_dnsq_free(q);
	s.mode = ANSWER;
	s.last_port = 0;
	q = ask(loop, &s, family, DS_DNSQ_UDP, 2, 300, &r);
	assert_int_equal(ds_dnsq_get(q, 0)->status, 0);
	assert_int_equal(ds_dnsq_get(q, 1)->status, 0);
	q = ds_dnsq_free(q);
	/* No first answer, no second query. */
	s.mode = SILENT;
	s.queries = 0;
	q = ask(loop, &s, family, DS_DNSQ_UDP, 2, 100, &r);
	assert_int_equal(s.queries, 1);
	assert_int_equal(ds_dnsq_get(q, 1)->status, -ETIMEDOUT);
	q = ds_dnsq_free(q);
	sequential = false;
	s.mode = DROP_SECOND;
	/* One question per socket: nothing is lost. */
	q = ask(loop, &s, family, DS_DNSQ_UDP, 1, 300, &r);
	assert_int_equal(ds_dnsq_get(q, 0)->status, 0);
	assert_false(ds_dnsq_second_lost(q));
	q = ds_dnsq_free(q);
	/* A lost AAAA is no pair loss when A was lost too. */
	s.mode = SILENT;
	q = ask(loop, &s, family, DS_DNSQ_UDP, 2, 100, &r);
	assert_int_equal(ds_dnsq_get(q, 0)->status, -ETIMEDOUT);
	assert_false(ds_dnsq_second_lost(q));
	q = ds_dnsq_free(q);
	server_stop(&s);
	ds_loop_free(loop);
}

static void
test_second_lost(void **state)
{
	(void)state;
	each_family(second_lost);
}

static void
test_lies_and_errors(void **state)
{
	struct ds_loop *loop;
	struct server s;
	struct ds_dnsq *q;
	struct run r;

	(void)state;
	assert_int_equal(ds_loop_new(&loop), 0);
	server_start(&s, loop, AF_INET, LIE_FIRST);
	q = ask(loop, &s, AF_INET, DS_DNSQ_UDP, 1, 1000, &r);
	assert_int_equal(ds_dnsq_get(q, 0)->status, 0);
	assert_int_equal(ds_dnsq_ignored(q), 2);
	q = ds_dnsq_free(q);

	s.mode = GARBAGE;
	q = ask(loop, &s, AF_INET, DS_DNSQ_UDP, 1, 1000, &r);
	assert_int_equal(ds_dnsq_get(q, 0)->status, -DS_E_DNSQ_BADRESP);
	assert_non_null(ds_dnsq_get(q, 0)->raw);
	q = ds_dnsq_free(q);

	s.mode = SERVFAIL;
	q = ask(loop, &s, AF_INET, DS_DNSQ_TCP, 2, 1000, &r);
	assert_int_equal(ds_dnsq_get(q, 0)->status, 0);
	assert_int_equal(ds_dnsq_get(q, 0)->reply.rcode, DS_DNSQ_SERVFAIL);
	assert_int_equal(ds_dnsq_get(q, 1)->reply.rcode, DS_DNSQ_SERVFAIL);
	q = ds_dnsq_free(q);

	s.mode = DROP_AAAA;
	q = ask(loop, &s, AF_INET, DS_DNSQ_UDP, 2, 200, &r);
	assert_int_equal(ds_dnsq_get(q, 0)->status, 0);
	assert_int_equal(ds_dnsq_get(q, 1)->status, -ETIMEDOUT);
	q = ds_dnsq_free(q);

	/* TCP to a silent server times out too. */
	s.mode = SILENT;
	q = ask(loop, &s, AF_INET, DS_DNSQ_TCP, 1, 200, &r);
	assert_int_equal(ds_dnsq_get(q, 0)->status, -ETIMEDOUT);
	q = ds_dnsq_free(q);
	server_stop(&s);

	/* Nothing listens: UDP hears the port unreachable, TCP a reset. */
	for (int t = 0; t < 2; t++) {
		q = ask(
		    loop, &s, AF_INET, (enum ds_dnsq_transport)t, 1, 1000, &r);
		assert_int_equal(ds_dnsq_get(q, 0)->status, -ECONNREFUSED);
		q = ds_dnsq_free(q);
	}
	ds_loop_free(loop);
}

static void
on_free(struct ds_dnsq *q, void *userdata)
{
	struct run *r = userdata;

	r->calls++;
	ds_dnsq_free(q);
	ds_loop_stop(r->loop, 0);
}

static void
test_arguments_and_free(void **state)
{
	struct ds_dnsq_opts o = {
	    .name = "www.example.test",
	    .qtypes = {DS_DNSQ_TYPE_A},
	    .n_qtypes = 1,
	};
	struct ds_loop *loop;
	struct ds_dnsq *q = NULL;
	struct server s;
	struct run r = {0};
	char longname[300];

	(void)state;
	assert_int_equal(ds_loop_new(&loop), 0);
	ds_addr_from_v4(INADDR_LOOPBACK, &o.server.addr);
	assert_int_equal(ds_dnsq_new(loop, &o, on_done, &r, &q), -EINVAL);
	o.server.port = 53;
	o.edns_size = 100;
	assert_int_equal(ds_dnsq_new(loop, &o, on_done, &r, &q), -EINVAL);
	o.edns_size = 0;
	o.qtypes[0] = 5;
	assert_int_equal(ds_dnsq_new(loop, &o, on_done, &r, &q), -EINVAL);
	o.qtypes[0] = 1;
	o.n_qtypes = 3;
	assert_int_equal(ds_dnsq_new(loop, &o, on_done, &r, &q), -EINVAL);
	o.n_qtypes = 1;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	o.name = longname;
	assert_int_equal(
	    ds_dnsq_new(loop, &o, on_done, &r, &q), -DS_E_DNSQ_NAME);
	assert_null(q);

	/* Freed from its own callback, and freed before any answer. */
	server_start(&s, loop, AF_INET, ANSWER);
	o.name = "www.example.test";
	o.server.port = s.port;
	o.edns_size = 1232;
	r.loop = loop;
	assert_int_equal(ds_dnsq_new(loop, &o, on_free, &r, &q), 0);
	assert_int_equal(ds_loop_run(loop), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(ds_dnsq_new(loop, &o, on_free, &r, &q), 0);
	q = ds_dnsq_free(q);
	assert_int_equal(ds_loop_run_once(loop, 50000) >= 0, 1);
	assert_int_equal(r.calls, 1);
	server_stop(&s);
	ds_loop_free(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_answered),
	    cmocka_unit_test(test_second_lost),
	    cmocka_unit_test(test_lies_and_errors),
	    cmocka_unit_test(test_arguments_and_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
