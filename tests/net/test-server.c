/* SPDX-License-Identifier: MIT */
/*
 * ds_server on loopback: every protocol, the limits, idle timeout, drain,
 * max-conns, descriptor accounting, hostile input, and the PROXY header
 * (accept_proxy): v1 and v2, whole or in pieces, LOCAL and UNKNOWN, the
 * trusted list, every way a header is refused, and the header off.
 *
 * The server runs in this process on its own loop; the clients are plain
 * non-blocking sockets, and every wait pumps the loop with
 * ds_loop_run_once() until a condition holds or a deadline (a few
 * seconds at most) passes, so nothing sleeps longer than it must.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "dualstack/acl.h"
#include "dualstack/addr.h"
#include "dualstack/listen.h"
#include "dualstack/loop.h"
#include "dualstack/proxyproto.h"
#include "dualstack/server.h"

/* --- Harness -------------------------------------------------------------- */

#define MAX_EVENTS 8192

struct rec {
	enum ds_server_event_kind kind;
	enum ds_server_close_reason reason;
	uint64_t conn_id;
	int err;
	uint64_t bytes_in, bytes_out, size, limit, duration_ms, offset;
	bool paused, has_tuple, from_listener, proxied;
	struct ds_tuple tuple;
	struct ds_endpoint proxied_by;
	int header_version;
};

static struct {
	struct ds_loop *loop;
	struct ds_server *srv;
	uint16_t port;
	struct rec ev[MAX_EVENTS];
	size_t nev;
	bool drained;
	bool free_on_drained; /* free the server from the DRAINED event */
	bool stop_on_open;    /* ds_server_stop() from the first OPEN */
	struct ds_acl *trusted;
} T;

static void
on_event(struct ds_server *s, const struct ds_server_event *ev, void *ud)
{
	struct rec *r;

	(void)s;
	(void)ud;
	if (ev->kind == DS_SERVER_EV_DRAINED) {
		T.drained = true;
		if (T.free_on_drained) {
			T.srv = ds_server_free(T.srv);
			return;
		}
	}
	if (T.nev == MAX_EVENTS)
		return;
	r = &T.ev[T.nev++];
	memset(r, 0, sizeof(*r));
	r->kind = ev->kind;
	r->reason = ev->reason;
	r->conn_id = ev->conn_id;
	r->err = ev->err;
	r->bytes_in = ev->bytes_in;
	r->bytes_out = ev->bytes_out;
	r->size = ev->size;
	r->limit = ev->limit;
	r->duration_ms = ev->duration_us / 1000;
	r->paused = ev->paused;
	r->from_listener = ev->listener != NULL;
	r->offset = ev->offset;
	r->header_version = ev->header_version;
	if (ev->proxied_by) {
		r->proxied = true;
		r->proxied_by = *ev->proxied_by;
	}
	if (ev->tuple) {
		r->has_tuple = true;
		r->tuple = *ev->tuple;
	}
	/* Last: the event's pointers die with the connection. */
	if (ev->kind == DS_SERVER_EV_OPEN && T.stop_on_open) {
		T.stop_on_open = false;
		ds_server_stop(T.srv);
	}
}

static size_t
count_events(enum ds_server_event_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < T.nev; i++)
		n += T.ev[i].kind == kind;
	return n;
}

static size_t
count_closes(enum ds_server_close_reason reason)
{
	size_t n = 0;

	for (size_t i = 0; i < T.nev; i++)
		n += T.ev[i].kind == DS_SERVER_EV_CLOSE &&
		    T.ev[i].reason == reason;
	return n;
}

static const struct rec *
last_close(void)
{
	for (size_t i = T.nev; i-- > 0;)
		if (T.ev[i].kind == DS_SERVER_EV_CLOSE)
			return &T.ev[i];
	return NULL;
}

/* Pump the loop until cond holds or ms milliseconds have passed. */
#define WAIT_FOR(cond, ms)                                                     \
	do {                                                                   \
		uint64_t end_ = ds_time_now_us() + (uint64_t)(ms)*1000u;       \
		while (!(cond) && ds_time_now_us() < end_)                     \
			ds_loop_run_once(T.loop, 5000);                        \
	} while (0)

/* Pump for ms milliseconds. */
static void
pump(unsigned ms)
{
	uint64_t end = ds_time_now_us() + (uint64_t)ms * 1000u;

	while (ds_time_now_us() < end)
		ds_loop_run_once(T.loop, 5000);
}

static int
setup(void **state)
{
	(void)state;
	memset(&T, 0, sizeof(T));
	assert_int_equal(ds_loop_new(&T.loop), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	T.srv = ds_server_free(T.srv);
	T.loop = ds_loop_free(T.loop);
	T.trusted = ds_acl_free(T.trusted);
	return 0;
}

/* Start a server on addr (":" for the any address) port 0, mode. */
static void
start_mode(const struct ds_server_config *cfg, const char *addr,
    enum ds_listen_mode mode)
{
	struct ds_listen_config lc = {.mode = mode};
	struct ds_listener *l;
	struct ds_endpoint ep[2];
	size_t pos;

	assert_int_equal(ds_server_new(T.loop, cfg, on_event, NULL, &T.srv), 0);
	assert_int_equal(
	    ds_addr_parse(addr, strlen(addr), 0, &lc.where.addr, &pos), 0);
	assert_int_equal(ds_server_listen(T.srv, &lc, NULL, &l), 0);
	assert_true(ds_listener_endpoints(l, ep, 2) >= 1);
	T.port = ep[0].port;
	assert_true(T.port != 0);
}

static void
start(const struct ds_server_config *cfg, const char *addr)
{
	start_mode(
	    cfg, addr, strchr(addr, ':') ? DS_LISTEN_V6ONLY : DS_LISTEN_V4ONLY);
}

static bool
have_ipv6_loopback(void)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd == -1)
		return false;
	sa.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* A connected non-blocking client. */
static int
client(const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct ds_endpoint ep = {.port = T.port};
	size_t pos;
	int fd;

	assert_int_equal(
	    ds_addr_parse(addr, strlen(addr), 0, &ep.addr, &pos), 0);
	assert_int_equal(ds_endpoint_to_sockaddr(&ep, &ss, &len), 0);
	fd = socket(ep.addr.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	/* Loopback: the kernel completes the handshake from the backlog,
	 * whether or not the server has accepted yet. */
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

/*
 * Send out[0..outlen) and read until inlen bytes came back (or EOF, an
 * error, or timeout_ms), reading at most chunk bytes per recv() and
 * pumping the server in between. Returns the bytes read; *ret_reads the
 * number of recv() calls that returned data, *ret_eof 1 for EOF and
 * -errno for an error.
 */
static size_t
xfer(int fd, const void *out, size_t outlen, void *in, size_t inlen,
    size_t chunk, unsigned timeout_ms, unsigned *ret_reads, int *ret_eof)
{
	uint64_t end = ds_time_now_us() + (uint64_t)timeout_ms * 1000u;
	size_t sent = 0, got = 0;
	unsigned reads = 0;
	int eof = 0;

	while (ds_time_now_us() < end && (got < inlen || sent < outlen)) {
		ssize_t n;

		if (sent < outlen) {
			n = send(fd, (const char *)out + sent, outlen - sent,
			    MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
		}
		ds_loop_run_once(T.loop, 1000);
		while (got < inlen) {
			size_t want = inlen - got;

			if (want > chunk)
				want = chunk;
			n = recv(fd, (char *)in + got, want, 0);
			if (n > 0) {
				got += (size_t)n;
				reads++;
				continue;
			}
			if (n == 0)
				eof = 1;
			else if (errno != EAGAIN)
				eof = -errno;
			break;
		}
		if (eof)
			break;
	}
	if (ret_reads)
		*ret_reads = reads;
	if (ret_eof)
		*ret_eof = eof;
	return got;
}

/* Wait for EOF or an error on fd: 1 for EOF, -errno, 0 on timeout.
 * Data that arrives first is counted in *ret_extra if not NULL. */
static int
wait_eof(int fd, unsigned timeout_ms, size_t *ret_extra)
{
	char buf[4096];
	uint64_t end = ds_time_now_us() + (uint64_t)timeout_ms * 1000u;
	size_t extra = 0;
	int r = 0;

	while (ds_time_now_us() < end) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n > 0) {
			extra += (size_t)n;
			continue;
		}
		if (n == 0) {
			r = 1;
			break;
		}
		if (errno != EAGAIN) {
			r = -errno;
			break;
		}
		ds_loop_run_once(T.loop, 5000);
	}
	if (ret_extra)
		*ret_extra = extra;
	return r;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A deterministic pseudo-random fill (xorshift32). */
static void
fill_random(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed ? seed : 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own descriptor */
}

/* --- echo ----------------------------------------------------------------- */

static void
echo_round_trip(const char *addr)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_ECHO};
	char in[64];
	int fd, eof;
	const struct rec *r;

	start(&cfg, addr);
	fd = client(addr);
	assert_int_equal(
	    xfer(fd, "ping\r\n", 6, in, 6, 64, 2000, NULL, &eof), 6);
	assert_memory_equal(in, "ping\r\n", 6);
	assert_int_equal(xfer(fd, "x", 1, in, 1, 64, 2000, NULL, &eof), 1);
	assert_int_equal(in[0], 'x');
	close(fd);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 1, 2000);
	assert_int_equal(count_events(DS_SERVER_EV_OPEN), 1);
	r = last_close();
	assert_non_null(r);
	assert_int_equal(r->reason, DS_SERVER_CLOSE_EOF);
	assert_int_equal(r->bytes_in, 7);
	assert_int_equal(r->bytes_out, 7);
	assert_int_equal(ds_server_conn_count(T.srv), 0);
}

static void
test_echo_v4(void **state)
{
	(void)state;
	echo_round_trip("127.0.0.1");
	assert_int_equal(T.ev[0].tuple.family, DS_FAMILY_V4);
}

static void
test_echo_v6(void **state)
{
	(void)state;
	if (!have_ipv6_loopback())
		skip();
	echo_round_trip("::1");
	assert_int_equal(T.ev[0].tuple.family, DS_FAMILY_V6);
}

/*
 * Backpressure: the client sends without reading, with small socket
 * buffers of its own. The server must stop reading once its replies back
 * up, so the client stalls long before 64 MiB, far more than the kernel
 * buffers on both sides can hold (tcp_rmem allows 32 MiB); then every
 * byte must come back in order once the client reads. The stream is a
 * pattern with a period that is no power of two, so that a lost or
 * repeated block shows.
 */
#define BP_PERIOD 100003u

static void
test_echo_backpressure(void **state)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_ECHO};
	uint64_t len = 64u << 20, sent = 0, got = 0, stalled_at;
	uint8_t *pat = malloc(2 * BP_PERIOD), in[65536];
	int small = 65536, fd;
	uint64_t end;

	(void)state;
	assert_non_null(pat);
	fill_random(pat, BP_PERIOD, 7);
	memcpy(pat + BP_PERIOD, pat, BP_PERIOD);
	start(&cfg, "127.0.0.1");
	fd = client("127.0.0.1");
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));

	/* Send until nothing moves for 100 ms. */
	end = ds_time_now_us() + 100000;
	while (ds_time_now_us() < end && sent < len) {
		ssize_t n =
		    send(fd, pat + sent % BP_PERIOD, BP_PERIOD, MSG_NOSIGNAL);

		if (n > 0) {
			sent += (uint64_t)n;
			end = ds_time_now_us() + 100000;
		}
		ds_loop_run_once(T.loop, 1000);
	}
	stalled_at = sent;
	assert_true(stalled_at < len);

	/* Now read everything back while sending the rest. */
	end = ds_time_now_us() + 30000000;
	while (got < len && ds_time_now_us() < end) {
		ssize_t n;

		if (sent < len) {
			size_t want = BP_PERIOD;

			if (want > len - sent)
				want = (size_t)(len - sent);
			n = send(
			    fd, pat + sent % BP_PERIOD, want, MSG_NOSIGNAL);
			if (n > 0)
				sent += (uint64_t)n;
		}
		ds_loop_run_once(T.loop, 0);
		while ((n = recv(fd, in, sizeof(in), 0)) > 0) {
			if (memcmp(in, pat + got % BP_PERIOD, (size_t)n) != 0)
				fail_msg("echo differs near byte %llu",
				    (unsigned long long)got);
			got += (uint64_t)n;
		}
	}
	assert_int_equal(got, len);
	close(fd);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 1, 2000);
	assert_int_equal(last_close()->bytes_out, len);
	assert_int_equal(last_close()->reason, DS_SERVER_CLOSE_EOF);
	free(pat);
}

/* --- len32 ---------------------------------------------------------------- */

static void
test_len32_big(void **state)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_LEN32};
	size_t plen = 64u << 10, len = plen + 4;
	uint8_t *msg = malloc(len), *in = malloc(len);
	unsigned reads;
	int fd, eof;

	(void)state;
	put_be32(msg, (uint32_t)plen);
	fill_random(msg + 4, plen, 42);
	start(&cfg, "127.0.0.1");
	fd = client("127.0.0.1");
	/* One write of the whole message, read back 4 KiB at a time. */
	assert_int_equal(send(fd, msg, len, MSG_NOSIGNAL), (ssize_t)len);
	assert_int_equal(
	    xfer(fd, NULL, 0, in, len, 4096, 5000, &reads, &eof), len);
	assert_true(reads > 1);
	assert_memory_equal(in, msg, len);
	close(fd);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 1, 2000);
	assert_int_equal(last_close()->reason, DS_SERVER_CLOSE_EOF);
	free(msg);
	free(in);
}

static void
test_len32_several_in_one_write(void **state)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_LEN32};
	uint8_t buf[4 + 5 + 4 + 0 + 4 + 300], in[sizeof(buf)];
	size_t k = 0;
	int fd, eof;

	(void)state;
	put_be32(buf + k, 5);
	memcpy(buf + k + 4, "hello", 5);
	k += 9;
	put_be32(buf + k, 0); /* an empty message is a message */
	k += 4;
	put_be32(buf + k, 300);
	fill_random(buf + k + 4, 300, 3);
	k += 304;
	assert_int_equal(k, sizeof(buf));
	start(&cfg, "127.0.0.1");
	fd = client("127.0.0.1");
	assert_int_equal(
	    xfer(fd, buf, k, in, k, sizeof(in), 2000, NULL, &eof), k);
	assert_memory_equal(in, buf, k);
	close(fd);
}

static void
test_len32_bytewise(void **state)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_LEN32};
	uint8_t msg[4 + 40], in[2 * sizeof(msg)];
	size_t got = 0;
	int fd, eof;

	(void)state;
	put_be32(msg, 40);
	fill_random(msg + 4, 40, 9);
	start(&cfg, "127.0.0.1");
	fd = client("127.0.0.1");
	/* Two messages, one byte per write, the loop run between them:
	 * every header and payload is cut everywhere it can be. */
	for (int m = 0; m < 2; m++) {
		for (size_t i = 0; i < sizeof(msg); i++) {
			assert_int_equal(send(fd, msg + i, 1, MSG_NOSIGNAL), 1);
			got +=
			    xfer(fd, NULL, 0, in + got, 1, 1, 20, NULL, &eof);
		}
		/* The header is held until it is complete. */
	}
	got +=
	    xfer(fd, NULL, 0, in + got, sizeof(in) - got, 64, 2000, NULL, &eof);
	assert_int_equal(got, sizeof(in));
	assert_memory_equal(in, msg, sizeof(msg));
	assert_memory_equal(in + sizeof(msg), msg, sizeof(msg));
	close(fd);
}

static void
test_len32_header_held(void **state)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_LEN32};
	uint8_t hdr[4], in[8];
	int fd, eof;

	(void)state;
	put_be32(hdr, 2);
	start(&cfg, "127.0.0.1");
	fd = client("127.0.0.1");
	/* Three header bytes: nothing may come back yet. */
	assert_int_equal(xfer(fd, hdr, 3, in, 1, 8, 100, NULL, &eof), 0);
	assert_int_equal(xfer(fd, hdr + 3, 1, in, 4, 8, 2000, NULL, &eof), 4);
	assert_memory_equal(in, hdr, 4);
	assert_int_equal(xfer(fd, "ok", 2, in, 2, 8, 2000, NULL, &eof), 2);
	assert_memory_equal(in, "ok", 2);
	close(fd);
}

static void
test_len32_oversize(void **state)
{
	struct ds_server_config cfg = {
	    .proto = DS_SERVER_LEN32, .max_msg = 1000};
	uint8_t buf[4 + 1000 + 4 + 16], in[sizeof(buf)];
	size_t extra = 0;
	int fd, eof, r;
	const struct rec *c;

	(void)state;
	/* A message of exactly the limit, then one over it. */
	put_be32(buf, 1000);
	fill_random(buf + 4, 1000, 5);
	put_be32(buf + 1004, 1001);
	memset(buf + 1008, 'z', 16);
	start(&cfg, "127.0.0.1");
	fd = client("127.0.0.1");
	assert_int_equal(
	    xfer(fd, buf, sizeof(buf), in, 1004, 4096, 2000, NULL, &eof), 1004);
	assert_memory_equal(in, buf, 1004);
	/* Nothing of the bad header comes back; the connection ends. */
	r = wait_eof(fd, 2000, &extra);
	assert_true(r == 1 || r == -ECONNRESET);
	assert_int_equal(extra, 0);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 1, 2000);
	c = last_close();
	assert_non_null(c);
	assert_int_equal(c->reason, DS_SERVER_CLOSE_OVERSIZE);
	assert_int_equal(c->size, 1001);
	assert_int_equal(c->limit, 1000);
	assert_string_equal(ds_server_close_reason_name(c->reason), "oversize");
	close(fd);
}

static void
test_len32_default_limit(void **state)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_LEN32};
	uint8_t hdr[4];
	int fd;

	(void)state;
	put_be32(hdr, DS_SERVER_MAX_MSG + 1);
	start(&cfg, "127.0.0.1");
	fd = client("127.0.0.1");
	assert_int_equal(send(fd, hdr, 4, MSG_NOSIGNAL), 4);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 1, 2000);
	assert_int_equal(last_close()->reason, DS_SERVER_CLOSE_OVERSIZE);
	assert_int_equal(last_close()->limit, 16u << 20);
	close(fd);
}

/* --- line ----------------------------------------------------------------- */

static void
test_line(void **state)
{
	struct ds_server_config cfg = {
	    .proto = DS_SERVER_LINE, .max_line = 100};
	char in[256], big[150];
	int fd, eof;

	(void)state;
	start(&cfg, "127.0.0.1");
	fd = client("127.0.0.1");
	/* A partial line is held back... */
	assert_int_equal(
	    xfer(fd, "abc\nde", 6, in, 6, 256, 200, NULL, &eof), 4);
	assert_memory_equal(in, "abc\n", 4);
	/* ...and echoed whole once it ends. */
	assert_int_equal(
	    xfer(fd, "f\r\ng\nh", 6, in, 7, 256, 200, NULL, &eof), 7);
	assert_memory_equal(in, "def\r\ng\n", 7);
	/* The unterminated last line comes back at EOF. */
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	assert_int_equal(xfer(fd, NULL, 0, in, 2, 256, 2000, NULL, &eof), 1);
	assert_int_equal(in[0], 'h');
	assert_int_equal(wait_eof(fd, 2000, NULL), 1);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 1, 2000);
	assert_int_equal(last_close()->reason, DS_SERVER_CLOSE_EOF);
	assert_int_equal(last_close()->bytes_in, 12);
	assert_int_equal(last_close()->bytes_out, 12);
	close(fd);

	/* A line over the limit, even inside one read, closes. */
	fd = client("127.0.0.1");
	memset(big, 'y', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	assert_int_equal(xfer(fd, "ok\n", 3, in, 3, 256, 2000, NULL, &eof), 3);
	assert_int_equal(
	    send(fd, big, sizeof(big), MSG_NOSIGNAL), (ssize_t)sizeof(big));
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 2, 2000);
	assert_int_equal(last_close()->reason, DS_SERVER_CLOSE_LINE_TOO_LONG);
	assert_int_equal(last_close()->size, 150);
	assert_int_equal(last_close()->limit, 100);
	close(fd);

	/* A line over the limit in pieces, never ending, closes too. */
	fd = client("127.0.0.1");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(send(fd, big, 40, MSG_NOSIGNAL), 40);
		pump(20);
	}
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 3, 2000);
	assert_int_equal(last_close()->reason, DS_SERVER_CLOSE_LINE_TOO_LONG);
	assert_int_equal(last_close()->size, 120);
	close(fd);
}

/* --- tuple ---------------------------------------------------------------- */

static void
test_tuple_v4_mapped(void **state)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_TUPLE};
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	char in[256], want[256];
	size_t got;
	int fd, eof;

	(void)state;
	if (!have_ipv6_loopback())
		skip();
	start_mode(&cfg, "::", DS_LISTEN_DUAL);
	fd = client("127.0.0.1");
	assert_int_equal(getsockname(fd, (struct sockaddr *)&me, &len), 0);
	got =
	    xfer(fd, NULL, 0, in, sizeof(in) - 1, sizeof(in), 2000, NULL, &eof);
	in[got] = '\0';
	snprintf(want, sizeof(want),
	    "tcp 127.0.0.1:%u -> 127.0.0.1:%u "
	    "IPv4 (mapped)\n",
	    ntohs(me.sin_port), T.port);
	assert_string_equal(in, want);
	/* The server shut down its side after the line. */
	assert_int_equal(eof, 1);
	close(fd);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 1, 2000);
	assert_int_equal(last_close()->reason, DS_SERVER_CLOSE_EOF);
	assert_int_equal(last_close()->tuple.family, DS_FAMILY_V4_MAPPED);
}

static void
test_tuple_json_v6(void **state)
{
	struct ds_server_config cfg = {
	    .proto = DS_SERVER_TUPLE, .tuple_json = true};
	struct sockaddr_in6 me;
	socklen_t len = sizeof(me);
	char in[512], want[512];
	size_t got;
	int fd, eof;

	(void)state;
	if (!have_ipv6_loopback())
		skip();
	start_mode(&cfg, "::", DS_LISTEN_DUAL);
	fd = client("::1");
	assert_int_equal(getsockname(fd, (struct sockaddr *)&me, &len), 0);
	got =
	    xfer(fd, NULL, 0, in, sizeof(in) - 1, sizeof(in), 2000, NULL, &eof);
	in[got] = '\0';
	snprintf(want, sizeof(want),
	    "{\"protocol\":\"tcp\",\"peer\":{\"address\":\"::1\",\"port\":%u},"
	    "\"local\":{\"address\":\"::1\",\"port\":%u},\"family\":\"ipv6\"}"
	    "\n",
	    ntohs(me.sin6_port), T.port);
	assert_string_equal(in, want);
	close(fd);
}

/* A client that never closes: the server closes after the linger. */
static void
test_tuple_linger(void **state)
{
	struct ds_server_config cfg = {
	    .proto = DS_SERVER_TUPLE, .linger_us = 100000};
	char in[256];
	int fd, eof;

	(void)state;
	start(&cfg, "127.0.0.1");
	fd = client("127.0.0.1");
	assert_true(xfer(fd, NULL, 0, in, sizeof(in), sizeof(in), 2000, NULL,
	                &eof) > 0);
	assert_int_equal(eof, 1);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 1, 2000);
	assert_int_equal(last_close()->reason, DS_SERVER_CLOSE_IDLE);
	assert_true(last_close()->duration_ms >= 90);
	close(fd);
}

/* --- discard and source --------------------------------------------------- */

static void
test_discard(void **state)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_DISCARD};
	static uint8_t buf[1u << 20];
	char in[16];
	int fd, eof;

	(void)state;
	start(&cfg, "127.0.0.1");
	fd = client("127.0.0.1");
	assert_int_equal(
	    xfer(fd, buf, sizeof(buf), in, 0, 16, 5000, NULL, &eof), 0);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	assert_int_equal(wait_eof(fd, 2000, NULL), 1);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 1, 2000);
	assert_int_equal(last_close()->bytes_in, sizeof(buf));
	assert_int_equal(last_close()->bytes_out, 0);
	close(fd);
}

static void
test_source(void **state)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_SOURCE};
	size_t len = 300000;
	char *in = malloc(len);
	int fd, eof;

	(void)state;
	start(&cfg, "127.0.0.1");
	fd = client("127.0.0.1");
	assert_int_equal(
	    xfer(fd, "ignored", 7, in, len, 8192, 5000, NULL, &eof), len);
	/* RFC 864: 72 characters from ' ' on, rotating by one per line. */
	for (size_t i = 0; i < len; i++) {
		size_t line = i / 74, col = i % 74;
		char want = col == 72 ? '\r'
		    : col == 73       ? '\n'
		                      : (char)(' ' + (line + col) % 95);

		if (in[i] != want)
			fail_msg("byte %zu: %d, want %d", i, in[i], want);
	}
	close(fd);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 1, 2000);
	assert_true(last_close()->bytes_out >= len);
	assert_int_equal(last_close()->bytes_in, 7);
	free(in);
}

/* --- idle timeout --------------------------------------------------------- */

static void
test_idle_timeout(void **state)
{
	struct ds_server_config cfg = {
	    .proto = DS_SERVER_ECHO, .idle_timeout_us = 200000};
	uint64_t t0;
	char in[8];
	int idle, busy, eof;

	(void)state;
	start(&cfg, "127.0.0.1");
	idle = client("127.0.0.1");
	busy = client("127.0.0.1");
	t0 = ds_time_now_us();
	/* busy talks every 50 ms for 500 ms: more than twice the timeout. */
	for (int i = 0; i < 10; i++) {
		assert_int_equal(
		    xfer(busy, "b", 1, in, 1, 8, 1000, NULL, &eof), 1);
		pump(50);
	}
	assert_int_equal(count_events(DS_SERVER_EV_CLOSE), 1);
	assert_int_equal(last_close()->reason, DS_SERVER_CLOSE_IDLE);
	assert_true(last_close()->duration_ms >= 195);
	assert_true(last_close()->duration_ms < 400);
	assert_int_equal(wait_eof(idle, 1000, NULL), 1);
	assert_true(ds_time_now_us() - t0 >= 195000);
	/* busy goes quiet: it is closed a timeout after its last byte. */
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 2, 1000);
	assert_int_equal(count_closes(DS_SERVER_CLOSE_IDLE), 2);
	assert_int_equal(wait_eof(busy, 1000, NULL), 1);
	close(idle);
	close(busy);
}

/* --- drain ---------------------------------------------------------------- */

static void
test_drain(void **state)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_ECHO};
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char in[8];
	int idle, busy, late, eof;
	uint64_t t0;

	(void)state;
	start(&cfg, "127.0.0.1");
	idle = client("127.0.0.1");
	busy = client("127.0.0.1");
	WAIT_FOR(count_events(DS_SERVER_EV_OPEN) == 2, 2000);

	t0 = ds_time_now_us();
	assert_int_equal(ds_server_drain(T.srv, 300000), 0);
	/* DRAINED is never reported from inside the call. */
	assert_false(T.drained);
	pump(20);
	/* The listener is closed: a new client is refused. */
	sa.sin_port = htons(T.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	late = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(late, (struct sockaddr *)&sa, sizeof(sa)), -1);
	assert_int_equal(errno, ECONNREFUSED);
	close(late);
	{
		struct ds_listener *l;

		assert_int_equal(ds_server_listeners(T.srv, &l, 1), 0);
	}

	/* The busy one still works, and finishes on its own. */
	assert_int_equal(xfer(busy, "q", 1, in, 1, 8, 1000, NULL, &eof), 1);
	close(busy);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 1, 1000);
	assert_int_equal(last_close()->reason, DS_SERVER_CLOSE_EOF);
	assert_false(T.drained);

	/* The idle one is closed at the deadline, then DRAINED. */
	WAIT_FOR(T.drained, 2000);
	assert_true(T.drained);
	assert_true(ds_time_now_us() - t0 >= 295000);
	assert_int_equal(count_closes(DS_SERVER_CLOSE_DRAIN), 1);
	assert_int_equal(wait_eof(idle, 1000, NULL), 1);
	assert_int_equal(count_events(DS_SERVER_EV_DRAINED), 1);
	close(idle);
	/* Nothing more is reported. */
	pump(50);
	assert_int_equal(count_events(DS_SERVER_EV_DRAINED), 1);
	assert_int_equal(
	    ds_server_listen(T.srv, &(struct ds_listen_config){0}, NULL, NULL),
	    -EBUSY);
}

/* Everyone leaves before the deadline: DRAINED comes early. */
static void
test_drain_early(void **state)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_ECHO};
	int fd;
	uint64_t t0;

	(void)state;
	start(&cfg, "127.0.0.1");
	fd = client("127.0.0.1");
	WAIT_FOR(count_events(DS_SERVER_EV_OPEN) == 1, 2000);
	t0 = ds_time_now_us();
	ds_server_drain(T.srv, 5000000);
	pump(20);
	close(fd);
	WAIT_FOR(T.drained, 2000);
	assert_true(T.drained);
	assert_true(ds_time_now_us() - t0 < 1000000);
	assert_int_equal(count_closes(DS_SERVER_CLOSE_EOF), 1);
}

static void
test_stop(void **state)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_ECHO};
	int a, b;

	(void)state;
	start(&cfg, "127.0.0.1");
	a = client("127.0.0.1");
	b = client("127.0.0.1");
	WAIT_FOR(count_events(DS_SERVER_EV_OPEN) == 2, 2000);
	ds_server_drain(T.srv, 10000000);
	ds_server_stop(T.srv);
	/* Closed before ds_server_stop() returned; DRAINED from the loop. */
	assert_int_equal(count_closes(DS_SERVER_CLOSE_SHUTDOWN), 2);
	assert_false(T.drained);
	WAIT_FOR(T.drained, 1000);
	assert_true(T.drained);
	assert_int_equal(wait_eof(a, 1000, NULL), 1);
	assert_int_equal(wait_eof(b, 1000, NULL), 1);
	close(a);
	close(b);
}

/* The header allows freeing the server from its DRAINED event. */
static void
test_free_when_drained(void **state)
{
	struct ds_server_config cfg = {
	    .proto = DS_SERVER_ECHO, .idle_timeout_us = 5000000};
	int fd;

	(void)state;
	start(&cfg, "127.0.0.1");
	fd = client("127.0.0.1");
	WAIT_FOR(count_events(DS_SERVER_EV_OPEN) == 1, 2000);
	T.free_on_drained = true;
	ds_server_drain(T.srv, 50000);
	WAIT_FOR(T.drained, 2000);
	assert_true(T.drained);
	assert_null(T.srv);
	assert_int_equal(wait_eof(fd, 1000, NULL), 1);
	pump(20);
	close(fd);
}

/* --- max-conns ------------------------------------------------------------ */

static void
test_max_conns(void **state)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_ECHO, .max_conns = 4};
	int fd[5], eof;
	char in[8];

	(void)state;
	start(&cfg, "127.0.0.1");
	for (int i = 0; i < 5; i++)
		fd[i] = client("127.0.0.1");
	WAIT_FOR(count_events(DS_SERVER_EV_OPEN) == 4, 2000);
	pump(100);
	assert_int_equal(count_events(DS_SERVER_EV_OPEN), 4);
	assert_int_equal(ds_server_conn_count(T.srv), 4);
	assert_int_equal(count_events(DS_SERVER_EV_CLOSE), 0);
	assert_int_equal(count_events(DS_SERVER_EV_LIMIT), 1);
	assert_true(T.ev[T.nev - 1].paused);
	assert_int_equal(T.ev[T.nev - 1].limit, 4);
	/* The fifth waits in the backlog: no echo. */
	assert_int_equal(xfer(fd[4], "5", 1, in, 1, 8, 150, NULL, &eof), 0);
	assert_int_equal(eof, 0);
	/* One leaves; the fifth is served. */
	close(fd[0]);
	assert_int_equal(xfer(fd[4], NULL, 0, in, 1, 8, 2000, NULL, &eof), 1);
	assert_int_equal(in[0], '5');
	assert_int_equal(count_events(DS_SERVER_EV_OPEN), 5);
	assert_int_equal(ds_server_conn_count(T.srv), 4);
	/* Held at the limit: still one report. */
	assert_int_equal(count_events(DS_SERVER_EV_LIMIT), 1);
	/* Down to half the limit: the episode is reported over, once. */
	for (int i = 1; i < 5; i++)
		close(fd[i]);
	WAIT_FOR(ds_server_conn_count(T.srv) == 0, 2000);
	assert_int_equal(count_events(DS_SERVER_EV_LIMIT), 2);
	for (size_t i = 0, k = 0; i < T.nev; i++)
		if (T.ev[i].kind == DS_SERVER_EV_LIMIT)
			assert_int_equal(T.ev[i].paused, k++ == 0);
}

/* --- Descriptors and hostile input ---------------------------------------- */

/* 200 clients in every way of leaving: no descriptor is left behind. */
static void
test_no_fd_leak(void **state)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_LINE,
	    .max_line = 64,
	    .idle_timeout_us = 2000000};
	enum { N = 200 };
	int before, fd[N];
	char in[16];
	int eof;

	(void)state;
	/* Counted without the loop's descriptors, as it is freed too. */
	T.loop = ds_loop_free(T.loop);
	before = count_fds();
	assert_int_equal(ds_loop_new(&T.loop), 0);
	start(&cfg, "127.0.0.1");
	for (int i = 0; i < N; i++)
		fd[i] = client("127.0.0.1");
	WAIT_FOR(count_events(DS_SERVER_EV_OPEN) == N, 5000);
	assert_int_equal(count_events(DS_SERVER_EV_OPEN), N);
	for (int i = 0; i < N; i++) {
		struct linger lg = {.l_onoff = 1, .l_linger = 0};

		switch (i % 4) {
		case 0: /* a round trip, then close */
			assert_int_equal(
			    xfer(fd[i], "hi\n", 3, in, 3, 16, 1000, NULL, &eof),
			    3);
			break;
		case 1: /* reset */
			setsockopt(
			    fd[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			break;
		case 2: /* a partial line left behind */
			send(fd[i], "partial", 7, MSG_NOSIGNAL);
			break;
		case 3: /* over the line limit */
			send(fd[i],
			    "0123456789012345678901234567890123456789"
			    "0123456789012345678901234567890123456789\n",
			    81, MSG_NOSIGNAL);
			break;
		}
		if (i % 4 != 3)
			close(fd[i]);
	}
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == N, 5000);
	assert_int_equal(count_events(DS_SERVER_EV_CLOSE), N);
	assert_int_equal(count_closes(DS_SERVER_CLOSE_LINE_TOO_LONG), N / 4);
	assert_int_equal(ds_server_conn_count(T.srv), 0);
	for (int i = 3; i < N; i += 4)
		close(fd[i]);
	T.srv = ds_server_free(T.srv);
	T.loop = ds_loop_free(T.loop);
	assert_int_equal(count_fds(), before);
}

/* Free with connections open: they are closed, their fds too. */
static void
test_free_with_connections(void **state)
{
	struct ds_server_config cfg = {
	    .proto = DS_SERVER_SOURCE, .idle_timeout_us = 1000000};
	int before, fd[5];

	(void)state;
	/* Counted without the loop's descriptors, as it is freed too. */
	T.loop = ds_loop_free(T.loop);
	before = count_fds();
	assert_int_equal(ds_loop_new(&T.loop), 0);
	start(&cfg, "127.0.0.1");
	for (int i = 0; i < 5; i++)
		fd[i] = client("127.0.0.1");
	WAIT_FOR(count_events(DS_SERVER_EV_OPEN) == 5, 2000);
	T.srv = ds_server_free(T.srv);
	for (int i = 0; i < 5; i++) {
		assert_int_not_equal(wait_eof(fd[i], 2000, NULL), 0);
		close(fd[i]);
	}
	T.loop = ds_loop_free(T.loop);
	assert_int_equal(count_fds(), before);
}

static void
hostile(enum ds_server_proto proto)
{
	struct ds_server_config cfg = {
	    .proto = proto, .max_msg = 1u << 20, .max_line = 1000};
	enum { N = 40 };
	static uint8_t junk[N][20000];
	int fd[N];

	start(&cfg, "127.0.0.1");
	for (int i = 0; i < N; i++) {
		fill_random(junk[i], sizeof(junk[i]), (uint32_t)i * 7919 + 1);
		/* Some start with a plausible frame or line, then junk. */
		if (i % 3 == 0)
			put_be32(junk[i], 100);
		if (i % 5 == 0)
			memcpy(junk[i], "hello\n", 6);
		fd[i] = client("127.0.0.1");
	}
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < N; i++) {
			size_t off = (size_t)round * 5000;

			send(fd[i], junk[i] + off, 5000, MSG_NOSIGNAL);
		}
		pump(10);
		/* Read and drop what comes back. */
		for (int i = 0; i < N; i++) {
			char buf[65536];

			while (recv(fd[i], buf, sizeof(buf), 0) > 0)
				;
		}
	}
	for (int i = 0; i < N; i++)
		close(fd[i]);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == N, 5000);
	assert_int_equal(count_events(DS_SERVER_EV_OPEN), N);
	assert_int_equal(count_events(DS_SERVER_EV_CLOSE), N);
	assert_int_equal(ds_server_conn_count(T.srv), 0);

	/* And it still serves. */
	{
		int c = client("127.0.0.1"), eof;
		uint8_t msg[4 + 3] = {0, 0, 0, 3, 'a', 'b', '\n'}, in[8];
		size_t want = proto == DS_SERVER_LEN32 ? 7 : 3;
		const void *out = proto == DS_SERVER_LEN32 ? msg : msg + 4;

		assert_int_equal(
		    xfer(c, out, want, in, want, 8, 2000, NULL, &eof), want);
		assert_memory_equal(in, out, want);
		close(c);
	}
}

static void
test_hostile_len32(void **state)
{
	(void)state;
	hostile(DS_SERVER_LEN32);
	assert_true(count_closes(DS_SERVER_CLOSE_OVERSIZE) > 0);
}

static void
test_hostile_line(void **state)
{
	(void)state;
	hostile(DS_SERVER_LINE);
	assert_true(count_closes(DS_SERVER_CLOSE_LINE_TOO_LONG) > 0);
}

/* --- The PROXY header (accept_proxy) -------------------------------------- */

/* A server with accept_proxy that trusts the prefixes in 'trusted'
 * (comma-separated allow rules; "" for an empty list). */
static void
start_proxied(
    struct ds_server_config *cfg, const char *addr, const char *trusted)
{
	const char *p = trusted;

	assert_int_equal(ds_acl_new(&T.trusted), 0);
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		struct ds_prefix pfx;
		size_t pos;

		assert_int_equal(ds_acl_parse_prefix(p, len, &pfx, &pos), 0);
		assert_int_equal(ds_acl_add(T.trusted, &pfx, DS_ACL_ALLOW), 0);
		p += len + (comma ? 1 : 0);
	}
	cfg->accept_proxy = true;
	cfg->trusted = T.trusted;
	start(cfg, addr);
}

/* The client's own end, as the server names it (normalised). */
static void
local_end(int fd, struct ds_endpoint *ret)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	assert_int_equal(
	    ds_endpoint_from_sockaddr((struct sockaddr *)&ss, len, ret), 0);
	(void)ds_addr_unmap(&ret->addr, &ret->addr);
}

static void
assert_endpoint_equal(
    const struct ds_endpoint *a, const char *addr, uint16_t port)
{
	char buf[DS_ADDR_STRLEN];

	assert_true(ds_addr_format(&a->addr, 0, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, addr);
	assert_int_equal(a->port, port);
}

static const struct rec *
first_event(enum ds_server_event_kind kind)
{
	for (size_t i = 0; i < T.nev; i++)
		if (T.ev[i].kind == kind)
			return &T.ev[i];
	return NULL;
}

/* Send n bytes one at a time, pumping the server in between. */
static void
send_bytewise(int fd, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(
		    send(fd, (const char *)p + i, 1, MSG_NOSIGNAL), 1);
		pump(2);
	}
}

/* A v2 header for src -> dst (or LOCAL when src is NULL) into buf. */
static size_t
v2_header(const char *src, uint16_t sport, const char *dst, uint16_t dport,
    uint8_t *buf, size_t size)
{
	struct ds_proxyproto_hdr h = {.version = 2, .local = src == NULL};
	size_t pos;
	int n;

	if (src) {
		assert_int_equal(
		    ds_addr_parse(src, strlen(src), 0, &h.src.addr, &pos), 0);
		assert_int_equal(
		    ds_addr_parse(dst, strlen(dst), 0, &h.dst.addr, &pos), 0);
		h.src.port = sport;
		h.dst.port = dport;
	}
	n = ds_proxyproto_format_v2(&h, buf, size);
	assert_true(n > 0 && (size_t)n <= size);
	return (size_t)n;
}

/*
 * v1 from a trusted peer, the header and data in one write: the data is
 * echoed and nothing of the header; the connection opens as the header's
 * client, through the peer that sent it.
 */
static void
proxy_v1_echo(const char *addr)
{
	static const char msg[] =
	    "PROXY TCP6 2001:db8::7 2001:db8::1 40000 443\r\nhello";
	struct ds_server_config cfg = {.proto = DS_SERVER_ECHO};
	struct ds_endpoint me;
	char in[64];
	const struct rec *o, *c;
	int fd, eof;

	start_proxied(&cfg, addr, addr);
	fd = client(addr);
	local_end(fd, &me);
	assert_int_equal(
	    xfer(fd, msg, sizeof(msg) - 1, in, 5, sizeof(in), 2000, NULL, &eof),
	    5);
	assert_memory_equal(in, "hello", 5);
	close(fd);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 1, 2000);
	o = first_event(DS_SERVER_EV_OPEN);
	c = last_close();
	assert_non_null(o);
	assert_non_null(c);
	for (int i = 0; i < 2; i++) {
		const struct rec *r = i ? c : o;

		assert_endpoint_equal(&r->tuple.src, "2001:db8::7", 40000);
		assert_int_equal(r->tuple.family, DS_FAMILY_V6);
		assert_int_equal(r->tuple.dst.port, T.port);
		assert_true(r->proxied);
		assert_int_equal(r->header_version, 1);
		assert_int_equal(
		    ds_addr_compare(&r->proxied_by.addr, &me.addr), 0);
		assert_int_equal(r->proxied_by.port, me.port);
	}
	assert_int_equal(c->reason, DS_SERVER_CLOSE_EOF);
	/* The header is not the protocol's: only "hello" counts. */
	assert_int_equal(c->bytes_in, 5);
	assert_int_equal(c->bytes_out, 5);
	assert_int_equal(ds_server_conn_count(T.srv), 0);
}

static void
test_proxy_v1_echo_v4(void **state)
{
	(void)state;
	proxy_v1_echo("127.0.0.1");
}

static void
test_proxy_v1_echo_v6(void **state)
{
	(void)state;
	if (!have_ipv6_loopback())
		skip();
	proxy_v1_echo("::1");
}

/*
 * v2 one byte per write, the data after it too: the header is held
 * across reads. The client is IPv4 written mapped in a TCP6 header, and
 * is named as the IPv4 client it is, family v4.
 */
static void
test_proxy_v2_bytewise(void **state)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_ECHO};
	uint8_t msg[DS_PROXYPROTO_V2_FORMAT_MAX + 3];
	char in[16];
	size_t n;
	int fd, eof;

	(void)state;
	n = v2_header(
	    "::ffff:192.0.2.9", 1234, "2001:db8::1", 443, msg, sizeof(msg));
	assert_int_equal(
	    n, DS_PROXYPROTO_V2_HDR_LEN + DS_PROXYPROTO_V2_ADDR_INET6);
	memcpy(msg + n, "abc", 3);
	start_proxied(&cfg, "127.0.0.1", "127.0.0.0/8");
	fd = client("127.0.0.1");
	send_bytewise(fd, msg, n + 3);
	assert_int_equal(
	    xfer(fd, NULL, 0, in, 3, sizeof(in), 2000, NULL, &eof), 3);
	assert_memory_equal(in, "abc", 3);
	/* Opened once the last header byte was in, not before. */
	assert_int_equal(count_events(DS_SERVER_EV_OPEN), 1);
	assert_endpoint_equal(&T.ev[0].tuple.src, "192.0.2.9", 1234);
	assert_int_equal(T.ev[0].tuple.family, DS_FAMILY_V4);
	assert_int_equal(T.ev[0].header_version, 2);
	close(fd);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 1, 2000);
	assert_int_equal(last_close()->bytes_in, 3);
}

/*
 * tuple through a proxy: the line names the header's client and the
 * proxy; a v2 LOCAL or v1 UNKNOWN header (a health check) keeps the
 * real peer, still marked as having come with a header.
 */
static void
test_proxy_tuple(void **state)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_TUPLE};
	uint8_t local2[DS_PROXYPROTO_V2_HDR_LEN];
	struct ds_endpoint me;
	char in[512], want[512];
	size_t got;
	int fd, eof;

	(void)state;
	start_proxied(&cfg, "127.0.0.1", "127.0.0.1");

	fd = client("127.0.0.1");
	local_end(fd, &me);
	got = xfer(fd, "PROXY TCP4 192.0.2.7 192.0.2.1 51234 80\r\n", 41, in,
	    sizeof(in) - 1, sizeof(in), 2000, NULL, &eof);
	in[got] = '\0';
	snprintf(want, sizeof(want),
	    "tcp 192.0.2.7:51234 -> 127.0.0.1:%u IPv4 "
	    "proxied_by=127.0.0.1:%u header=v1\n",
	    T.port, me.port);
	assert_string_equal(in, want);
	assert_int_equal(eof, 1);
	close(fd);

	assert_int_equal(v2_header(NULL, 0, NULL, 0, local2, sizeof(local2)),
	    DS_PROXYPROTO_V2_HDR_LEN);
	fd = client("127.0.0.1");
	local_end(fd, &me);
	got = xfer(fd, local2, sizeof(local2), in, sizeof(in) - 1, sizeof(in),
	    2000, NULL, &eof);
	in[got] = '\0';
	snprintf(want, sizeof(want),
	    "tcp 127.0.0.1:%u -> 127.0.0.1:%u IPv4 "
	    "proxied_by=127.0.0.1:%u header=v2\n",
	    me.port, T.port, me.port);
	assert_string_equal(in, want);
	close(fd);

	fd = client("127.0.0.1");
	local_end(fd, &me);
	got = xfer(fd, "PROXY UNKNOWN\r\n", 15, in, sizeof(in) - 1, sizeof(in),
	    2000, NULL, &eof);
	in[got] = '\0';
	snprintf(want, sizeof(want),
	    "tcp 127.0.0.1:%u -> 127.0.0.1:%u IPv4 "
	    "proxied_by=127.0.0.1:%u header=v1\n",
	    me.port, T.port, me.port);
	assert_string_equal(in, want);
	close(fd);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 3, 2000);
	assert_int_equal(count_closes(DS_SERVER_CLOSE_EOF), 3);
}

static void
test_proxy_tuple_json_v6(void **state)
{
	struct ds_server_config cfg = {
	    .proto = DS_SERVER_TUPLE, .tuple_json = true};
	uint8_t hdr[DS_PROXYPROTO_V2_FORMAT_MAX];
	struct ds_endpoint me;
	char in[512], want[512];
	size_t got, n;
	int fd, eof;

	(void)state;
	if (!have_ipv6_loopback())
		skip();
	n = v2_header(
	    "2001:db8::7", 40000, "2001:db8::1", 443, hdr, sizeof(hdr));
	start_proxied(&cfg, "::1", "::1");
	fd = client("::1");
	local_end(fd, &me);
	got =
	    xfer(fd, hdr, n, in, sizeof(in) - 1, sizeof(in), 2000, NULL, &eof);
	in[got] = '\0';
	snprintf(want, sizeof(want),
	    "{\"protocol\":\"tcp\",\"peer\":{\"address\":\"2001:db8::7\","
	    "\"port\":40000},\"local\":{\"address\":\"::1\",\"port\":%u},"
	    "\"family\":\"ipv6\",\"proxied_by\":{\"address\":\"::1\","
	    "\"port\":%u},\"header\":2}\n",
	    T.port, me.port);
	assert_string_equal(in, want);
	close(fd);
}

/*
 * Only allow rules name who may send a header: a peer outside them, and
 * any peer of a list with deny rules only, is reset before a byte is
 * read, and reported (OPEN, then CLOSE) with its own address.
 */
static void
proxy_untrusted(const char *trusted, bool deny_only)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_ECHO};
	char in[64];
	int fd, eof;

	if (deny_only) {
		struct ds_prefix pfx;
		size_t pos;

		assert_int_equal(ds_acl_new(&T.trusted), 0);
		assert_int_equal(
		    ds_acl_parse_prefix(trusted, strlen(trusted), &pfx, &pos),
		    0);
		assert_int_equal(ds_acl_add(T.trusted, &pfx, DS_ACL_DENY), 0);
		cfg.accept_proxy = true;
		cfg.trusted = T.trusted;
		start(&cfg, "127.0.0.1");
	} else {
		start_proxied(&cfg, "127.0.0.1", trusted);
	}
	fd = client("127.0.0.1");
	(void)xfer(fd, "PROXY TCP4 192.0.2.7 192.0.2.1 1 2\r\nhi", 38, in,
	    sizeof(in), sizeof(in), 2000, NULL, &eof);
	assert_int_equal(eof, -ECONNRESET);
	close(fd);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 1, 2000);
	assert_int_equal(T.nev, 2);
	assert_int_equal(T.ev[0].kind, DS_SERVER_EV_OPEN);
	assert_int_equal(T.ev[1].reason, DS_SERVER_CLOSE_UNTRUSTED);
	assert_int_equal(T.ev[0].conn_id, T.ev[1].conn_id);
	assert_endpoint_equal(
	    &T.ev[1].tuple.src, "127.0.0.1", T.ev[1].tuple.src.port);
	assert_false(T.ev[1].proxied);
	assert_int_equal(T.ev[1].bytes_in, 0);
	assert_int_equal(ds_server_conn_count(T.srv), 0);
}

static void
test_proxy_untrusted(void **state)
{
	(void)state;
	proxy_untrusted("192.0.2.0/24,::1", false);
}

static void
test_proxy_untrusted_empty(void **state)
{
	(void)state;
	proxy_untrusted("", false);
}

static void
test_proxy_untrusted_deny_only(void **state)
{
	(void)state;
	proxy_untrusted("192.0.2.0/24", true);
}

/* Every way a header is refused: a reset, and the parser's reason. */
static void
test_proxy_bad_header(void **state)
{
	static const struct {
		const char *data;
		size_t len;
		bool shut; /* the client shuts down its side after it */
		int err;
		int version;
		uint64_t offset;
	} cases[] = {
	    /* An address that is none: the parser points at it. */
	    {"PROXY TCP4 192.0.2.999 192.0.2.1 1 2\r\n", 38, false, -EINVAL, 1,
	        19},
	    /* Not a PROXY header at all: a client that speaks HTTP. */
	    {"GET / HTTP/1.0\r\n\r\n", 18, false, -EPROTO, 0, 0},
	    /* v2 with a length field above DS_PROXYPROTO_V2_LEN_MAX. */
	    {DS_PROXYPROTO_V2_SIG "\x21\x11\xff\xff", 16, false, -E2BIG, 2, 14},
	    /* The client gives up halfway: 12 bytes, then its FIN. */
	    {"PROXY TCP4 1", 12, true, -ENODATA, 1, 12},
	};
	struct ds_server_config cfg = {.proto = DS_SERVER_ECHO};
	char in[64];

	(void)state;
	start_proxied(&cfg, "127.0.0.1", "127.0.0.1");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rec *r;
		int fd = client("127.0.0.1"), eof;

		if (cases[i].shut) {
			assert_int_equal(
			    send(fd, cases[i].data, cases[i].len, MSG_NOSIGNAL),
			    (ssize_t)cases[i].len);
			assert_int_equal(shutdown(fd, SHUT_WR), 0);
		}
		(void)xfer(fd, cases[i].shut ? NULL : cases[i].data,
		    cases[i].shut ? 0 : cases[i].len, in, sizeof(in),
		    sizeof(in), 2000, NULL, &eof);
		assert_int_equal(eof, -ECONNRESET);
		close(fd);
		WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == i + 1, 2000);
		r = last_close();
		assert_non_null(r);
		assert_int_equal(r->reason, DS_SERVER_CLOSE_BAD_HEADER);
		assert_int_equal(r->err, cases[i].err);
		assert_int_equal(r->header_version, cases[i].version);
		assert_int_equal(r->offset, cases[i].offset);
		assert_int_equal(r->size, cases[i].len);
		assert_false(r->proxied);
		assert_int_equal(r->bytes_in, 0);
		assert_int_equal(r->bytes_out, 0);
		/* Its OPEN came just before, with the real peer. */
		assert_int_equal(r[-1].kind, DS_SERVER_EV_OPEN);
		assert_int_equal(r[-1].conn_id, r->conn_id);
		assert_false(r[-1].proxied);
	}
	assert_int_equal(ds_server_conn_count(T.srv), 0);
}

/*
 * The header timeout, not the idle timeout, bounds the header; once it
 * is in, the idle timeout takes over.
 */
static void
test_proxy_timeouts(void **state)
{
	struct ds_server_config cfg = {
	    .proto = DS_SERVER_ECHO,
	    .idle_timeout_us = 60000,
	    .header_timeout_us = 300000,
	};
	char in[16];
	int fd, eof;
	const struct rec *r;

	(void)state;
	start_proxied(&cfg, "127.0.0.1", "127.0.0.1");
	fd = client("127.0.0.1");
	(void)xfer(
	    fd, "PROXY ", 6, in, sizeof(in), sizeof(in), 3000, NULL, &eof);
	assert_int_equal(eof, -ECONNRESET);
	close(fd);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 1, 2000);
	r = last_close();
	assert_int_equal(r->reason, DS_SERVER_CLOSE_HEADER_TIMEOUT);
	assert_int_equal(r->err, -ETIMEDOUT);
	assert_int_equal(r->size, 6);
	assert_int_equal(r->limit, 300000);
	assert_true(r->duration_ms >= 290);

	fd = client("127.0.0.1");
	(void)xfer(fd, "PROXY UNKNOWN\r\n", 15, in, sizeof(in), sizeof(in),
	    3000, NULL, &eof);
	assert_int_equal(eof, 1);
	close(fd);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 2, 2000);
	r = last_close();
	assert_int_equal(r->reason, DS_SERVER_CLOSE_IDLE);
	assert_true(r->proxied);
	assert_true(r->duration_ms < 290);
}

/* A connection still waiting for its header when the server stops is
 * reset, and still gets its OPEN and CLOSE. */
static void
test_proxy_stop_pending(void **state)
{
	struct ds_server_config cfg = {.proto = DS_SERVER_ECHO};
	int fd;

	(void)state;
	start_proxied(&cfg, "127.0.0.1", "127.0.0.1");
	fd = client("127.0.0.1");
	WAIT_FOR(ds_server_conn_count(T.srv) == 1, 2000);
	assert_int_equal(count_events(DS_SERVER_EV_OPEN), 0);
	ds_server_stop(T.srv);
	assert_int_equal(T.nev, 2);
	assert_int_equal(T.ev[0].kind, DS_SERVER_EV_OPEN);
	assert_int_equal(T.ev[1].reason, DS_SERVER_CLOSE_SHUTDOWN);
	assert_int_equal(wait_eof(fd, 2000, NULL), -ECONNRESET);
	close(fd);
	WAIT_FOR(T.drained, 2000);
	assert_true(T.drained);
}

/*
 * The OPEN callback stops the server while the bytes after the header
 * are still to be served: the connection is gone, and nothing may touch
 * it again (a sanitizer build catches a use after free here).
 */
static void
test_proxy_stop_from_open(void **state)
{
	static const char msg[] = "PROXY TCP4 192.0.2.7 192.0.2.1 1 2\r\nhi";
	struct ds_server_config cfg = {.proto = DS_SERVER_ECHO};
	int fd;

	(void)state;
	start_proxied(&cfg, "127.0.0.1", "127.0.0.1");
	T.stop_on_open = true;
	fd = client("127.0.0.1");
	assert_int_equal(send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL),
	    (ssize_t)sizeof(msg) - 1);
	WAIT_FOR(T.drained, 2000);
	assert_true(T.drained);
	assert_int_equal(count_closes(DS_SERVER_CLOSE_SHUTDOWN), 1);
	assert_int_equal(last_close()->bytes_in, 0);
	close(fd);
}

/* Without accept_proxy a PROXY header is data like any other. */
static void
test_proxy_off(void **state)
{
	static const char msg[] = "PROXY TCP4 192.0.2.7 192.0.2.1 1 2\r\n";
	struct ds_server_config cfg = {.proto = DS_SERVER_ECHO};
	char in[64];
	int fd, eof;

	(void)state;
	start(&cfg, "127.0.0.1");
	fd = client("127.0.0.1");
	assert_int_equal(xfer(fd, msg, sizeof(msg) - 1, in, sizeof(msg) - 1,
	                     sizeof(in), 2000, NULL, &eof),
	    sizeof(msg) - 1);
	assert_memory_equal(in, msg, sizeof(msg) - 1);
	close(fd);
	WAIT_FOR(count_events(DS_SERVER_EV_CLOSE) == 1, 2000);
	assert_false(last_close()->proxied);
	assert_endpoint_equal(&last_close()->tuple.src, "127.0.0.1",
	    last_close()->tuple.src.port);
}

/* --- Names and formats ---------------------------------------------------- */

static void
test_names(void **state)
{
	static const char *const protos[] = {
	    "echo", "line", "len32", "discard", "source", "tuple"};
	enum ds_server_proto p;
	struct ds_tuple t = {
	    .protocol = IPPROTO_TCP, .family = DS_FAMILY_V4_MAPPED};
	struct ds_endpoint via = {.port = 0};
	char buf[DS_SERVER_TUPLE_STRLEN];
	size_t pos;

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(ds_server_proto_parse(protos[i], &p), 0);
		assert_string_equal(ds_server_proto_name(p), protos[i]);
	}
	assert_int_equal(ds_server_proto_parse("ECHO", &p), -EINVAL);
	assert_null(ds_server_proto_name(0));
	assert_string_equal(
	    ds_server_close_reason_name(DS_SERVER_CLOSE_EOF), "client-eof");
	assert_string_equal(ds_server_close_reason_name(DS_SERVER_CLOSE_DRAIN),
	    "drain-timeout");
	assert_string_equal(
	    ds_server_close_reason_name(DS_SERVER_CLOSE_UNTRUSTED),
	    "untrusted");
	assert_string_equal(
	    ds_server_close_reason_name(DS_SERVER_CLOSE_BAD_HEADER),
	    "bad-header");
	assert_string_equal(
	    ds_server_close_reason_name(DS_SERVER_CLOSE_HEADER_TIMEOUT),
	    "header-timeout");
	assert_null(ds_server_close_reason_name(0));
	assert_null(
	    ds_server_close_reason_name(DS_SERVER_CLOSE_HEADER_TIMEOUT + 1));
	/* Every reason is a token logs and scripts can match: lower case,
	 * words joined by hyphens. */
	for (int r = DS_SERVER_CLOSE_EOF; r <= DS_SERVER_CLOSE_HEADER_TIMEOUT;
	     r++) {
		const char *n = ds_server_close_reason_name(r);

		assert_non_null(n);
		assert_int_equal(
		    strspn(n, "abcdefghijklmnopqrstuvwxyz-"), strlen(n));
	}

	ds_addr_parse("192.0.2.7", 9, 0, &t.src.addr, &pos);
	t.src.port = 51234;
	ds_addr_parse("192.0.2.1", 9, 0, &t.dst.addr, &pos);
	t.dst.port = 9000;
	assert_int_equal(
	    ds_server_tuple_format(&t, false, buf, sizeof(buf)), 52);
	assert_string_equal(
	    buf, "tcp 192.0.2.7:51234 -> 192.0.2.1:9000 IPv4 (mapped)\n");
	ds_server_tuple_format(&t, true, buf, sizeof(buf));
	assert_string_equal(buf,
	    "{\"protocol\":\"tcp\",\"peer\":{\"address\":\"192.0.2.7\","
	    "\"port\":51234},\"local\":{\"address\":\"192.0.2.1\","
	    "\"port\":9000},\"family\":\"ipv4\",\"mapped\":true}\n");
	/* snprintf semantics. */
	assert_int_equal(ds_server_tuple_format(&t, false, buf, 4), 52);
	assert_string_equal(buf, "tcp");

	/* Through a proxy; NULL is the plain line. */
	ds_addr_parse("2001:db8::5", 11, 0, &via.addr, &pos);
	via.port = 40000;
	t.family = DS_FAMILY_V4;
	assert_int_equal(ds_server_tuple_format_proxied(
	                     &t, &via, 2, false, buf, sizeof(buf)),
	    84);
	assert_string_equal(buf,
	    "tcp 192.0.2.7:51234 -> 192.0.2.1:9000 IPv4 "
	    "proxied_by=[2001:db8::5]:40000 header=v2\n");
	ds_server_tuple_format_proxied(&t, &via, 1, true, buf, sizeof(buf));
	assert_string_equal(buf,
	    "{\"protocol\":\"tcp\",\"peer\":{\"address\":\"192.0.2.7\","
	    "\"port\":51234},\"local\":{\"address\":\"192.0.2.1\","
	    "\"port\":9000},\"family\":\"ipv4\",\"proxied_by\":{\"address\":"
	    "\"2001:db8::5\",\"port\":40000},\"header\":1}\n");
	assert_int_equal(ds_server_tuple_format_proxied(
	                     &t, NULL, 0, false, buf, sizeof(buf)),
	    43);
	assert_string_equal(
	    buf, "tcp 192.0.2.7:51234 -> 192.0.2.1:9000 IPv4\n");
}

static void
test_bad_config(void **state)
{
	struct ds_server_config cfg = {.proto = 99};

	(void)state;
	assert_int_equal(
	    ds_server_new(T.loop, &cfg, NULL, NULL, &T.srv), -EINVAL);
	assert_null(T.srv);
	assert_null(ds_server_free(NULL));

	/* accept_proxy needs the list of who may send a header. */
	cfg.proto = DS_SERVER_ECHO;
	cfg.accept_proxy = true;
	assert_int_equal(
	    ds_server_new(T.loop, &cfg, NULL, NULL, &T.srv), -EINVAL);
	assert_null(T.srv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_config, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_echo_v4, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_echo_v6, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_echo_backpressure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_len32_big, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_len32_several_in_one_write, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_len32_bytewise, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_len32_header_held, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_len32_oversize, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_len32_default_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_tuple_v4_mapped, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_tuple_json_v6, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tuple_linger, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_discard, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_source, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_idle_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_drain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_drain_early, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_free_when_drained, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_max_conns, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_fd_leak, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_free_with_connections, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_hostile_len32, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_proxy_v1_echo_v4, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_proxy_v1_echo_v6, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_proxy_v2_bytewise, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_proxy_tuple, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_proxy_tuple_json_v6, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_proxy_untrusted, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_proxy_untrusted_empty, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_proxy_untrusted_deny_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_proxy_bad_header, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_proxy_timeouts, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_proxy_stop_pending, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_proxy_stop_from_open, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_proxy_off, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
