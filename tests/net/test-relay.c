/* SPDX-License-Identifier: MIT */
/*
 * ds_relay on loopback TCP, IPv4 and IPv6, through pipes (splice) and
 * through buffers (no_splice): byte-exact transfer both ways at once; the
 * bytes sent first; half-close each way round and both at once; resets
 * from a read, from a write and after a half-close; backpressure from a
 * peer that stops reading; the idle timeout; ds_relay_close(); freeing
 * from the callback; ds_relay_ctx_free() with relays running; the pool of
 * pipes; pipe_max, and a stalled direction's pipe going back to the pool;
 * and the fallback to buffers when no pipe can be had.
 *
 * The test is one thread: the two peers' sockets are non-blocking and
 * are served between iterations of the relay's loop. Every case counts
 * the process's descriptors before and after, so a leak fails it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "dualstack/loop.h"
#include "dualstack/relay.h"
#include "relay-int.h"
#include "net-test.h"

/* --- Descriptors ----------------------------------------------------------*/

/* Open descriptors, and of those the pipes (either end counts). */
static int
count_fds_pipes(int *ret_pipes)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0, pipes = 0;
	char path[300], link[64];

	assert_non_null(d);
	while ((e = readdir(d))) {
		ssize_t len;

		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		n++;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len > 0) {
			link[len] = '\0';
			if (strncmp(link, "pipe:", 5) == 0)
				pipes++;
		}
	}
	closedir(d);
	if (ret_pipes)
		*ret_pipes = pipes;
	return n;
}

static int fds_before;

/* The descriptor limit before a case lowered it, restored even when the
 * case fails half-way. */
static struct rlimit nofile;
static bool nofile_lowered;

static int
setup(void **state)
{
	(void)state;
	fds_before = count_fds_pipes(NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (nofile_lowered) {
		nofile_lowered = false;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &nofile), 0);
	}
	assert_int_equal(count_fds_pipes(NULL), fds_before);
	return 0;
}

static void
need_family(int family)
{
	if (family == AF_INET6 && !have_ipv6_loopback()) {
		print_message("# skip: ::1 is not available\n");
		skip();
	}
}

/*
 * A connected TCP pair on the loopback of family: *ret_peer is the test's
 * end (non-blocking), *ret_relay the accepted end given to the relay.
 */
static void
tcp_pair(int family, int *ret_peer, int *ret_relay)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int l, c, a, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	}
	l = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l >= 0);
	if (family == AF_INET6)
		assert_int_equal(
		    setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)),
		    0);
	assert_int_equal(bind(l, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&ss, &len), 0);
	c = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c >= 0);
	assert_int_equal(connect(c, (struct sockaddr *)&ss, len), 0);
	a = accept4(l, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	assert_true(a >= 0);
	close(l);
	assert_int_equal(fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK), 0);
	*ret_peer = c;
	*ret_relay = a;
}

/* --- One relay and its two peers ------------------------------------------*/

struct env {
	struct ds_loop *loop;
	struct ds_relay_ctx *ctx;
	struct ds_relay *r;
	int ta, tb; /* the peers' ends: A's and B's */
	int ra, rb; /* the relay's ends */
	int called;
	bool free_in_cb;
	struct ds_relay_stats st;
};

static void
on_done(struct ds_relay *r, const struct ds_relay_stats *st, void *userdata)
{
	struct env *e = userdata;

	assert_ptr_equal(r, e->r);
	e->called++;
	e->st = *st;
	/* Both sockets are closed by now. */
	assert_int_equal(fcntl(e->ra, F_GETFD), -1);
	assert_int_equal(fcntl(e->rb, F_GETFD), -1);
	assert_int_equal(ds_relay_stats(r)->end, st->end);
	if (e->free_in_cb)
		e->r = ds_relay_free(r);
}

/* The loop, the context and the two socket pairs; no relay yet. */
static void
env_pairs(struct env *e, int family, const struct ds_relay_opts *o)
{
	memset(e, 0, sizeof(*e));
	assert_int_equal(ds_loop_new(&e->loop), 0);
	assert_int_equal(ds_relay_ctx_new(e->loop, o, &e->ctx), 0);
	tcp_pair(family, &e->ta, &e->ra);
	tcp_pair(family, &e->tb, &e->rb);
}

static void
env_start(struct env *e, const void *pre, size_t pre_len)
{
	assert_int_equal(
	    ds_relay_new(e->ctx, e->ra, e->rb, pre, pre_len, on_done, e, &e->r),
	    0);
	assert_int_equal(ds_relay_ctx_active(e->ctx), 1);
	assert_int_equal(e->called, 0);
}

static void
env_open(struct env *e, int family, const struct ds_relay_opts *o,
    const void *pre, size_t pre_len)
{
	env_pairs(e, family, o);
	env_start(e, pre, pre_len);
}

static void
env_close(struct env *e)
{
	if (e->ta >= 0)
		close(e->ta);
	if (e->tb >= 0)
		close(e->tb);
	if (e->r)
		e->r = ds_relay_free(e->r);
	e->ctx = ds_relay_ctx_free(e->ctx);
	e->loop = ds_loop_free(e->loop);
}

static uint64_t
now_ms(void)
{
	return ds_time_now_us() / 1000u;
}

/* Run the loop for ms milliseconds (or until the relay is over). */
static void
spin(struct env *e, unsigned ms, bool until_done)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end && !(until_done && e->called))
		assert_true(ds_loop_run_once(e->loop, 5000) >= 0);
}

/* Byte i of a test stream: not periodic at any small length. */
static uint8_t
pattern(uint64_t i, uint32_t seed)
{
	uint64_t x = (i >> 3) * 0x9E3779B97F4A7C15ull + seed;

	x ^= x >> 29;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 32;
	return (uint8_t)(x >> ((i & 7) * 8));
}

/* One stream a peer sends and the other checks. */
struct stream {
	uint64_t total, sent, got;
	uint32_t seed;
	bool shut;    /* the sender has shut its write side after total */
	bool got_eof; /* the receiver read end of stream */
	bool bad;     /* a byte came out different */
};

static void
stream_send(struct stream *s, int fd, bool shut_at_end)
{
	uint8_t b[16384];

	while (s->sent < s->total) {
		size_t n = sizeof(b), k;
		ssize_t w;

		if (n > s->total - s->sent)
			n = (size_t)(s->total - s->sent);
		for (k = 0; k < n; k++)
			b[k] = pattern(s->sent + k, s->seed);
		w = send(fd, b, n, MSG_NOSIGNAL);
		if (w == -1) {
			assert_int_equal(errno, EAGAIN);
			return;
		}
		s->sent += (uint64_t)w;
	}
	if (shut_at_end && !s->shut) {
		assert_int_equal(shutdown(fd, SHUT_WR), 0);
		s->shut = true;
	}
}

/* Read what there is; returns -errno on an error, else 0. */
static int
stream_recv(struct stream *s, int fd)
{
	uint8_t b[16384];

	while (!s->got_eof) {
		ssize_t n = recv(fd, b, sizeof(b), 0);

		if (n == -1)
			return errno == EAGAIN ? 0 : -errno;
		if (n == 0) {
			s->got_eof = true;
			break;
		}
		for (ssize_t k = 0; k < n; k++)
			if (b[k] != pattern(s->got + (uint64_t)k, s->seed))
				s->bad = true;
		s->got += (uint64_t)n;
	}
	return 0;
}

/* --- Cases ----------------------------------------------------------------*/

#define MIB (1024u * 1024u)

/* Several MiB each way at once, then both shut: every byte arrives. */
static void
transfer(int family, bool no_splice)
{
	struct ds_relay_opts o = {.no_splice = no_splice};
	struct stream ab = {.total = 6 * MIB, .seed = 1};
	struct stream ba = {.total = 5 * MIB + 12345, .seed = 2};
	struct env e;
	uint64_t end = now_ms() + 60000;

	need_family(family);
	env_open(&e, family, &o, NULL, 0);
	while (!(ab.got_eof && ba.got_eof && e.called) && now_ms() < end) {
		stream_send(&ab, e.ta, true);
		stream_send(&ba, e.tb, true);
		assert_int_equal(stream_recv(&ab, e.tb), 0);
		assert_int_equal(stream_recv(&ba, e.ta), 0);
		assert_true(ds_loop_run_once(e.loop, 1000) >= 0);
	}
	assert_true(ab.got_eof && ba.got_eof);
	assert_int_equal(e.called, 1);
	assert_false(ab.bad);
	assert_false(ba.bad);
	assert_int_equal(ab.got, ab.total);
	assert_int_equal(ba.got, ba.total);
	assert_int_equal(e.st.a_to_b, ab.total);
	assert_int_equal(e.st.b_to_a, ba.total);
	assert_true(e.st.end == DS_RELAY_EOF_A || e.st.end == DS_RELAY_EOF_B);
	assert_true(e.st.a_eof && e.st.b_eof);
	assert_int_equal(e.st.spliced, !no_splice);
	assert_false(e.st.fallback);
	assert_int_equal(e.st.err, 0);
	assert_int_equal(ds_relay_ctx_active(e.ctx), 0);
	env_close(&e);
}

static void
test_transfer_v4_splice(void **state)
{
	(void)state;
	transfer(AF_INET, false);
}

static void
test_transfer_v4_buffer(void **state)
{
	(void)state;
	transfer(AF_INET, true);
}

static void
test_transfer_v6_splice(void **state)
{
	(void)state;
	transfer(AF_INET6, false);
}

static void
test_transfer_v6_buffer(void **state)
{
	(void)state;
	transfer(AF_INET6, true);
}

/* The bytes given to send first reach B before A's, once. */
static void
pre_b(int family, bool no_splice, size_t pre_len)
{
	struct ds_relay_opts o = {.no_splice = no_splice};
	static const char pre[] = "PROXY TCP4 192.0.2.1 198.51.100.2 1 2\r\n";
	char got[256];
	size_t have = 0, want = pre_len + 5;
	struct env e;
	uint64_t end;

	need_family(family);
	env_open(&e, family, &o, pre, pre_len);
	/* A speaks at once: its bytes must still come after. */
	assert_int_equal(send(e.ta, "hello", 5, 0), 5);
	end = now_ms() + 5000;
	while (have < want && now_ms() < end) {
		ssize_t n;

		assert_true(ds_loop_run_once(e.loop, 5000) >= 0);
		n = recv(e.tb, got + have, sizeof(got) - have, 0);
		if (n > 0)
			have += (size_t)n;
	}
	spin(&e, 50, false);
	assert_int_equal(recv(e.tb, got + have, sizeof(got) - have, 0), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(have, want);
	assert_memory_equal(got, pre, pre_len);
	assert_memory_equal(got + pre_len, "hello", 5);
	assert_int_equal(ds_relay_stats(e.r)->pre_b, pre_len);
	assert_int_equal(ds_relay_stats(e.r)->a_to_b, 5);
	assert_int_equal(e.called, 0);
	env_close(&e);
}

static void
test_pre_b_splice(void **state)
{
	(void)state;
	pre_b(AF_INET, false, 39);
	pre_b(AF_INET6, false, 39);
}

static void
test_pre_b_buffer(void **state)
{
	(void)state;
	pre_b(AF_INET, true, 39);
	pre_b(AF_INET6, true, 39);
}

static void
test_pre_b_empty(void **state)
{
	(void)state;
	pre_b(AF_INET, false, 0);
	pre_b(AF_INET, true, 0);
}

/*
 * A sends a request and shuts its write side; B reads it to EOF, then
 * sends a large response, which A gets whole, and closes: eof-a.
 */
static void
half_close(int family, bool no_splice)
{
	struct ds_relay_opts o = {.no_splice = no_splice};
	struct stream req = {.total = 1000, .seed = 3};
	struct stream resp = {.total = 3 * MIB, .seed = 4};
	struct env e;
	uint64_t end = now_ms() + 30000;

	need_family(family);
	env_open(&e, family, &o, NULL, 0);
	while (!req.got_eof && now_ms() < end) {
		stream_send(&req, e.ta, true);
		assert_int_equal(stream_recv(&req, e.tb), 0);
		assert_true(ds_loop_run_once(e.loop, 5000) >= 0);
	}
	assert_true(req.got_eof);
	assert_int_equal(req.got, req.total);
	assert_true(ds_relay_stats(e.r)->a_eof);
	assert_false(ds_relay_stats(e.r)->b_eof);
	while (!resp.got_eof && now_ms() < end) {
		stream_send(&resp, e.tb, false);
		if (resp.sent == resp.total && e.tb >= 0) {
			close(e.tb);
			e.tb = -1;
		}
		assert_int_equal(stream_recv(&resp, e.ta), 0);
		assert_true(ds_loop_run_once(e.loop, 1000) >= 0);
	}
	spin(&e, 2000, true);
	assert_int_equal(e.called, 1);
	assert_false(resp.bad);
	assert_int_equal(resp.got, resp.total);
	assert_int_equal(e.st.end, DS_RELAY_EOF_A);
	assert_int_equal(e.st.a_to_b, req.total);
	assert_int_equal(e.st.b_to_a, resp.total);
	assert_true(e.st.a_eof && e.st.b_eof);
	env_close(&e);
}

static void
test_half_close_v4_splice(void **state)
{
	(void)state;
	half_close(AF_INET, false);
}

static void
test_half_close_v4_buffer(void **state)
{
	(void)state;
	half_close(AF_INET, true);
}

static void
test_half_close_v6_splice(void **state)
{
	(void)state;
	half_close(AF_INET6, false);
}

static void
test_half_close_v6_buffer(void **state)
{
	(void)state;
	half_close(AF_INET6, true);
}

/* B ends first, then A: eof-b. And both at once: either, both seen. */
static void
eof_order(int family, bool no_splice)
{
	struct ds_relay_opts o = {.no_splice = no_splice};
	struct env e;
	char c;

	need_family(family);
	env_open(&e, family, &o, NULL, 0);
	assert_int_equal(shutdown(e.tb, SHUT_WR), 0);
	spin(&e, 100, false);
	assert_int_equal(e.called, 0);
	assert_int_equal(recv(e.ta, &c, 1, 0), 0); /* passed on to A */
	assert_true(ds_relay_stats(e.r)->b_eof);
	assert_int_equal(send(e.ta, "x", 1, 0), 1); /* A to B still flows */
	spin(&e, 100, false);
	assert_int_equal(recv(e.tb, &c, 1, 0), 1);
	assert_int_equal(c, 'x');
	assert_int_equal(shutdown(e.ta, SHUT_WR), 0);
	spin(&e, 2000, true);
	assert_int_equal(e.called, 1);
	assert_int_equal(e.st.end, DS_RELAY_EOF_B);
	assert_int_equal(e.st.a_to_b, 1);
	assert_int_equal(recv(e.tb, &c, 1, 0), 0);
	env_close(&e);

	env_open(&e, family, &o, NULL, 0);
	assert_int_equal(shutdown(e.ta, SHUT_WR), 0);
	assert_int_equal(shutdown(e.tb, SHUT_WR), 0);
	spin(&e, 2000, true);
	assert_int_equal(e.called, 1);
	assert_true(e.st.end == DS_RELAY_EOF_A || e.st.end == DS_RELAY_EOF_B);
	assert_true(e.st.a_eof && e.st.b_eof);
	assert_int_equal(recv(e.ta, &c, 1, 0), 0);
	assert_int_equal(recv(e.tb, &c, 1, 0), 0);
	env_close(&e);
}

static void
test_eof_order(void **state)
{
	(void)state;
	eof_order(AF_INET, false);
	eof_order(AF_INET, true);
	eof_order(AF_INET6, false);
	eof_order(AF_INET6, true);
}

static void
abort_fd(int fd)
{
	struct linger l = {.l_onoff = 1, .l_linger = 0};

	assert_int_equal(
	    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)), 0);
	close(fd);
}

/*
 * Wait until fd sees the reset: after the bytes already queued, recv()
 * fails with ECONNRESET; or, when a FIN came before the RST (recv()
 * gives 0 from then on), a send() fails with EPIPE or ECONNRESET, where
 * without the RST it would succeed.
 */
static void
expect_reset(struct env *e, int fd)
{
	char b[4096];
	ssize_t n = -1;
	uint64_t end = now_ms() + 2000;

	while (now_ms() < end) {
		n = recv(fd, b, sizeof(b), 0);
		if (n > 0)
			continue;
		if (n == 0 || errno != EAGAIN)
			break;
		if (e->loop)
			assert_true(ds_loop_run_once(e->loop, 5000) >= 0);
	}
	if (n == 0) {
		n = send(fd, "x", 1, MSG_NOSIGNAL);
		assert_int_equal(n, -1);
		assert_true(errno == EPIPE || errno == ECONNRESET);
		return;
	}
	assert_int_equal(n, -1);
	assert_int_equal(errno, ECONNRESET);
}

/* A resets: B gets an RST, end reset-a. */
static void
reset_a(int family, bool no_splice, bool after_half_close)
{
	struct ds_relay_opts o = {.no_splice = no_splice};
	struct env e;
	char c;

	need_family(family);
	env_open(&e, family, &o, NULL, 0);
	assert_int_equal(send(e.ta, "abc", 3, 0), 3);
	spin(&e, 50, false);
	assert_int_equal(recv(e.tb, &c, 1, 0), 1);
	if (after_half_close) {
		/* B ends; the relay shuts A's write side; then A resets. */
		assert_int_equal(shutdown(e.tb, SHUT_WR), 0);
		spin(&e, 50, false);
		assert_int_equal(recv(e.ta, &c, 1, 0), 0);
		assert_true(ds_relay_stats(e.r)->b_eof);
	}
	abort_fd(e.ta);
	e.ta = -1;
	spin(&e, 2000, true);
	assert_int_equal(e.called, 1);
	assert_int_equal(e.st.end, DS_RELAY_RESET_A);
	assert_int_equal(e.st.err, -ECONNRESET);
	expect_reset(&e, e.tb);
	env_close(&e);
}

static void
test_reset_a(void **state)
{
	(void)state;
	reset_a(AF_INET, false, false);
	reset_a(AF_INET, true, false);
	reset_a(AF_INET6, false, false);
	reset_a(AF_INET6, true, false);
}

static void
test_reset_after_half_close(void **state)
{
	(void)state;
	reset_a(AF_INET, false, true);
	reset_a(AF_INET, true, true);
	reset_a(AF_INET6, false, true);
}

/*
 * B closes for good; A goes on sending: the writes to B fail (B's kernel
 * answers with an RST), which is B's reset, passed on to A.
 */
static void
write_reset(int family, bool no_splice)
{
	struct ds_relay_opts o = {.no_splice = no_splice};
	struct stream s = {.total = 4 * MIB, .seed = 5};
	struct env e;
	uint64_t end;

	need_family(family);
	env_open(&e, family, &o, NULL, 0);
	close(e.tb);
	e.tb = -1;
	end = now_ms() + 5000;
	while (!e.called && now_ms() < end) {
		if (s.sent < s.total) {
			uint8_t b[4096] = {0};

			/* A may see the RST already: stop sending then. */
			if (send(e.ta, b, sizeof(b), MSG_NOSIGNAL) > 0)
				s.sent += sizeof(b);
			else if (errno != EAGAIN)
				s.sent = s.total;
		}
		assert_true(ds_loop_run_once(e.loop, 1000) >= 0);
	}
	assert_int_equal(e.called, 1);
	assert_int_equal(e.st.end, DS_RELAY_RESET_B);
	assert_true(e.st.err == -EPIPE || e.st.err == -ECONNRESET);
	assert_true(e.st.b_eof);
	expect_reset(&e, e.ta);
	env_close(&e);
}

static void
test_write_reset(void **state)
{
	(void)state;
	write_reset(AF_INET, false);
	write_reset(AF_INET, true);
	write_reset(AF_INET6, false);
}

/*
 * B stops reading while A floods: the relay stops reading A (A's send
 * meets EAGAIN, the counter stops), holding at most one pipe or buffer;
 * when B reads again everything arrives in order.
 */
static void
backpressure(int family, bool no_splice)
{
	struct ds_relay_opts o = {.no_splice = no_splice};
	struct stream s = {.total = 48 * MIB, .seed = 6};
	struct env e;
	int small = 65536, pipes, pipes0;
	uint64_t stuck, end, sent;

	need_family(family);
	(void)count_fds_pipes(&pipes0);
	env_open(&e, family, &o, NULL, 0);
	/* Small peer buffers so that the stall comes soon; the relay's own
	 * sockets keep the kernel's autotuning. */
	assert_int_equal(
	    setsockopt(e.ta, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	assert_int_equal(
	    setsockopt(e.tb, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	/* Flood until nothing moves for 300 ms. */
	end = now_ms() + 20000;
	stuck = now_ms();
	sent = 0;
	while (now_ms() < end && now_ms() - stuck < 300) {
		stream_send(&s, e.ta, false);
		if (s.sent != sent) {
			sent = s.sent;
			stuck = now_ms();
		}
		assert_true(ds_loop_run_once(e.loop, 2000) >= 0);
	}
	assert_true(s.sent < s.total);
	/* A is blocked ... */
	{
		char b = 0;

		assert_int_equal(send(e.ta, &b, 1, MSG_NOSIGNAL), -1);
		assert_int_equal(errno, EAGAIN);
	}
	/* ... and the relay has stopped: nothing moves while it runs. */
	stuck = ds_relay_stats(e.r)->a_to_b;
	assert_true(stuck > 0);
	/* A stalled pipe is handed back once, STALL_MS after the stall
	 * began, which may be later than the 300 ms above showed (the
	 * relay stalls before A does): let that happen first. */
	if (!no_splice) {
		uint64_t until = now_ms() + 1200;

		while (now_ms() < until)
			assert_true(ds_loop_run_once(e.loop, 5000) >= 0);
	}
	/* Nothing wakes it then: no watch on a side it cannot serve. */
	{
		int calls = 0;
		uint64_t until = now_ms() + 200;

		while (now_ms() < until) {
			int rc = ds_loop_run_once(e.loop, 5000);

			assert_true(rc >= 0);
			calls += rc;
		}
		assert_int_equal(calls, 0);
	}
	assert_int_equal(ds_relay_stats(e.r)->a_to_b, stuck);
	assert_true(s.sent - stuck <= 32 * MIB);
	(void)count_fds_pipes(&pipes);
	assert_true(pipes - pipes0 <= (no_splice ? 0 : 2));
	print_message("# stalled: A sent %llu, relay wrote %llu to B\n",
	    (unsigned long long)s.sent, (unsigned long long)stuck);
	/* B reads again: the rest flows, in order. */
	end = now_ms() + 60000;
	while (!s.got_eof && now_ms() < end) {
		stream_send(&s, e.ta, true);
		assert_int_equal(stream_recv(&s, e.tb), 0);
		assert_true(ds_loop_run_once(e.loop, 1000) >= 0);
	}
	assert_true(s.got_eof);
	assert_false(s.bad);
	assert_int_equal(s.got, s.total);
	assert_int_equal(ds_relay_stats(e.r)->a_to_b, s.total);
	env_close(&e);
}

static void
test_backpressure_v4_splice(void **state)
{
	(void)state;
	backpressure(AF_INET, false);
}

static void
test_backpressure_v4_buffer(void **state)
{
	(void)state;
	backpressure(AF_INET, true);
}

static void
test_backpressure_v6_splice(void **state)
{
	(void)state;
	backpressure(AF_INET6, false);
}

/* The idle timeout ends a silent relay after it, not before, and bytes
 * push it back. */
static void
idle_timeout(int family, bool no_splice)
{
	struct ds_relay_opts o = {
	    .no_splice = no_splice, .idle_timeout_us = 100000};
	struct env e;
	uint64_t t0, last, took, nsent = 0;
	char c;

	need_family(family);
	t0 = now_ms();
	env_open(&e, family, &o, NULL, 0);
	spin(&e, 80, false);
	assert_int_equal(e.called, 0);
	spin(&e, 1000, true);
	took = now_ms() - t0;
	assert_int_equal(e.called, 1);
	assert_int_equal(e.st.end, DS_RELAY_TIMEOUT);
	assert_true(took >= 100);
	assert_true(took < 600);
	assert_int_equal(recv(e.ta, &c, 1, 0), 0);
	assert_int_equal(recv(e.tb, &c, 1, 0), 0);
	env_close(&e);

	/* A byte every 50 ms for 400 ms keeps it up. */
	env_open(&e, family, &o, NULL, 0);
	t0 = now_ms();
	last = t0;
	while (now_ms() - t0 < 400) {
		assert_int_equal(send(e.ta, "y", 1, 0), 1);
		nsent++;
		last = now_ms();
		spin(&e, 50, false);
		assert_int_equal(recv(e.tb, &c, 1, 0), 1);
		assert_int_equal(e.called, 0);
	}
	spin(&e, 1000, true);
	took = now_ms() - last;
	assert_int_equal(e.called, 1);
	assert_int_equal(e.st.end, DS_RELAY_TIMEOUT);
	assert_true(took >= 100);
	assert_true(took < 600);
	assert_true(nsent >= 5);
	assert_int_equal(e.st.a_to_b, nsent);
	env_close(&e);
}

static void
test_idle_timeout(void **state)
{
	(void)state;
	idle_timeout(AF_INET, false);
	idle_timeout(AF_INET6, true);
}

/* ds_relay_close(): the callback comes later; RST or FIN as asked. */
static void
test_close(void **state)
{
	struct env e;
	char c;

	(void)state;
	for (int reset = 0; reset < 2; reset++) {
		env_open(&e, AF_INET, NULL, NULL, 0);
		assert_int_equal(send(e.ta, "z", 1, 0), 1);
		spin(&e, 30, false);
		ds_relay_close(e.r, reset);
		assert_int_equal(e.called, 0);
		assert_int_equal(ds_relay_ctx_active(e.ctx), 0);
		ds_relay_close(e.r, true); /* over: nothing */
		assert_true(ds_loop_run_once(e.loop, 0) >= 0);
		assert_int_equal(e.called, 1);
		assert_int_equal(e.st.end, DS_RELAY_CLOSED);
		if (reset) {
			expect_reset(&e, e.ta);
			expect_reset(&e, e.tb);
		} else {
			assert_int_equal(recv(e.tb, &c, 1, 0), 1);
			assert_int_equal(recv(e.tb, &c, 1, 0), 0);
			assert_int_equal(recv(e.ta, &c, 1, 0), 0);
		}
		spin(&e, 20, false);
		assert_int_equal(e.called, 1);
		env_close(&e);
	}
}

/* Freeing from the callback, and before the callback of a close. */
static void
test_free_in_callback(void **state)
{
	struct env e;

	(void)state;
	env_open(&e, AF_INET, NULL, NULL, 0);
	e.free_in_cb = true;
	assert_int_equal(shutdown(e.ta, SHUT_WR), 0);
	assert_int_equal(shutdown(e.tb, SHUT_WR), 0);
	spin(&e, 2000, true);
	assert_int_equal(e.called, 1);
	assert_null(e.r);
	env_close(&e);

	env_open(&e, AF_INET, NULL, NULL, 0);
	ds_relay_close(e.r, false);
	e.r = ds_relay_free(e.r);
	spin(&e, 30, false);
	assert_int_equal(e.called, 0);
	env_close(&e);
}

static void
never_called(
    struct ds_relay *r, const struct ds_relay_stats *st, void *userdata)
{
	(void)r;
	(void)st;
	(*(int *)userdata)++;
	fail_msg("callback after ds_relay_ctx_free()");
}

/* ds_relay_ctx_free() with relays running: sockets closed, no callback. */
static void
test_ctx_free_running(void **state)
{
	struct ds_loop *loop;
	struct ds_relay_ctx *ctx;
	struct ds_relay *r[3];
	int ta[3], tb[3], ra, rb, called = 0;
	char c;

	(void)state;
	assert_int_equal(ds_loop_new(&loop), 0);
	assert_int_equal(ds_relay_ctx_new(loop, NULL, &ctx), 0);
	for (int i = 0; i < 3; i++) {
		tcp_pair(AF_INET, &ta[i], &ra);
		tcp_pair(AF_INET, &tb[i], &rb);
		assert_int_equal(ds_relay_new(ctx, ra, rb, "p", 1, never_called,
		                     &called, &r[i]),
		    0);
	}
	/* Some traffic, so that pipes are in the pool or in use. */
	assert_int_equal(send(ta[0], "q", 1, 0), 1);
	for (int i = 0; i < 10; i++)
		assert_true(ds_loop_run_once(loop, 5000) >= 0);
	assert_int_equal(ds_relay_ctx_active(ctx), 3);
	ctx = ds_relay_ctx_free(ctx);
	assert_null(ctx);
	assert_int_equal(called, 0);
	for (int i = 0; i < 3; i++) {
		ssize_t n;

		/* B got the bytes sent first and then end of stream. */
		while ((n = recv(tb[i], &c, 1, 0)) == 1)
			;
		assert_int_equal(n, 0);
		assert_int_equal(recv(ta[i], &c, 1, 0), 0);
		close(ta[i]);
		close(tb[i]);
	}
	assert_int_equal(ds_loop_run_once(loop, 0), 0);
	loop = ds_loop_free(loop);
}

/* A little more than a 4 KiB buffer: the first read fills the buffer,
 * which makes the direction splice the rest. */
#define BULK_TEST 4100

/* Send n bytes each way on the relay's peers and read them back. */
static void
push_both(struct env *e, size_t n)
{
	static char out[BULK_TEST], in[BULK_TEST];
	size_t got_a = 0, got_b = 0;
	uint64_t end = now_ms() + 5000;

	assert_true(n <= sizeof(out));
	memset(out, 'x', n);
	assert_int_equal(send(e->ta, out, n, 0), (ssize_t)n);
	assert_int_equal(send(e->tb, out, n, 0), (ssize_t)n);
	while ((got_a < n || got_b < n) && now_ms() < end) {
		ssize_t k;

		assert_true(ds_loop_run_once(e->loop, 1000) >= 0);
		k = recv(e->tb, in, n - got_b, MSG_DONTWAIT);
		if (k > 0)
			got_b += (size_t)k;
		k = recv(e->ta, in, n - got_a, MSG_DONTWAIT);
		if (k > 0)
			got_a += (size_t)k;
	}
	assert_int_equal(got_a, n);
	assert_int_equal(got_b, n);
}

/* A short exchange stays in buffers: no pipe is taken, nothing spliced;
 * more than a buffer's worth moves on to splice(2), byte-exact. */
static void
test_small_uses_buffers(void **state)
{
	struct ds_relay_opts o = {.buffer_size = 4096};
	struct env e;
	int pipes0, pipes;

	(void)state;
	(void)count_fds_pipes(&pipes0);
	env_open(&e, AF_INET, &o, NULL, 0);
	for (int i = 0; i < 5; i++)
		push_both(&e, 100);
	(void)count_fds_pipes(&pipes);
	assert_int_equal(pipes, pipes0);
	assert_false(ds_relay_stats(e.r)->spliced);
	assert_int_equal(ds_relay_stats(e.r)->a_to_b, 500);
	push_both(&e, BULK_TEST);
	push_both(&e, BULK_TEST);
	assert_true(ds_relay_stats(e.r)->spliced);
	assert_false(ds_relay_stats(e.r)->fallback);
	assert_int_equal(ds_relay_stats(e.r)->b_to_a, 500 + 2 * BULK_TEST);
	env_close(&e);
}

/* The pool: many short relays keep the open pipes bounded, and an idle
 * relay holds none. */
static void
test_pool(void **state)
{
	struct ds_relay_opts o = {.pool_max = 1, .buffer_size = 4096};
	static char bulk[BULK_TEST];
	struct env e;
	struct ds_relay *r0;
	int pipes0, pipes, n0, n, ra0, rb0;
	char c;

	(void)state;
	n0 = count_fds_pipes(&pipes0);
	env_open(&e, AF_INET, &o, NULL, 0);
	r0 = e.r;
	ra0 = e.ra;
	rb0 = e.rb;
	for (int i = 0; i < 200; i++) {
		int ta, tb, ra, rb;

		tcp_pair(AF_INET, &ta, &ra);
		tcp_pair(AF_INET, &tb, &rb);
		e.called = 0;
		e.free_in_cb = true;
		assert_int_equal(
		    ds_relay_new(e.ctx, ra, rb, NULL, 0, on_done, &e, &e.r), 0);
		e.ra = ra;
		e.rb = rb;
		assert_int_equal(send(ta, bulk, sizeof(bulk), 0), BULK_TEST);
		assert_int_equal(send(tb, bulk, sizeof(bulk), 0), BULK_TEST);
		assert_int_equal(shutdown(ta, SHUT_WR), 0);
		assert_int_equal(shutdown(tb, SHUT_WR), 0);
		spin(&e, 2000, true);
		assert_int_equal(e.called, 1);
		assert_int_equal(e.st.a_to_b, BULK_TEST);
		assert_int_equal(e.st.b_to_a, BULK_TEST);
		assert_true(e.st.spliced);
		close(ta);
		close(tb);
		n = count_fds_pipes(&pipes);
		/* The loop, the first relay's four sockets, and one pipe
		 * in the pool. */
		assert_true(pipes - pipes0 <= 2);
		assert_true(n - n0 <= 1 + 4 + 2);
	}
	/* The first relay, idle after traffic both ways, holds no pipe: at
	 * most the one pooled. */
	e.free_in_cb = false;
	e.r = r0;
	e.ra = ra0;
	e.rb = rb0;
	e.called = 0;
	push_both(&e, BULK_TEST); /* on to splice(2) */
	for (int i = 0; i < 20; i++) {
		assert_int_equal(send(e.ta, "a", 1, 0), 1);
		assert_int_equal(send(e.tb, "b", 1, 0), 1);
		spin(&e, 5, false);
		assert_int_equal(recv(e.tb, &c, 1, 0), 1);
		assert_int_equal(recv(e.ta, &c, 1, 0), 1);
	}
	spin(&e, 20, false);
	(void)count_fds_pipes(&pipes);
	assert_true(pipes - pipes0 <= 2);
	assert_true(ds_relay_stats(e.r)->spliced);
	env_close(&e);
	(void)count_fds_pipes(&pipes);
	assert_int_equal(pipes, pipes0);
}

/* Pipes lent out now by ctx (open, less the spare ones). */
static uint32_t
pipes_lent(struct ds_relay_ctx *ctx)
{
	uint32_t spare, open = ds__relay_ctx_pipes(ctx, &spare);

	return open - spare;
}

/*
 * A floods through e's relay, B never reads, until nothing has moved for
 * 100 ms; the relay has spliced, and held the context's one pipe.
 */
static void
flood_unread(struct env *e, struct stream *s)
{
	int small = 65536;
	uint64_t stuck, end, sent = 0;
	bool lent = false;

	assert_int_equal(
	    setsockopt(e->tb, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	end = now_ms() + 20000;
	stuck = now_ms();
	while (now_ms() < end && now_ms() - stuck < 100) {
		stream_send(s, e->ta, false);
		if (s->sent != sent) {
			sent = s->sent;
			stuck = now_ms();
		}
		assert_true(ds__relay_ctx_pipes(e->ctx, NULL) <= 1);
		if (pipes_lent(e->ctx) == 1)
			lent = true;
		assert_true(ds_loop_run_once(e->loop, 2000) >= 0);
	}
	assert_true(s->sent < s->total);
	assert_true(ds_relay_stats(e->r)->spliced);
	assert_true(lent);
}

/* A second relay on e's context: 2 MiB from its A to its B, then both
 * shut; every byte through, never more than one pipe open. Its stats. */
static struct ds_relay_stats
second_relay(struct env *e)
{
	struct stream s = {.total = 2 * MIB, .seed = 12};
	struct env e2;
	bool b_shut = false;
	uint64_t end = now_ms() + 30000;

	memset(&e2, 0, sizeof(e2));
	tcp_pair(AF_INET, &e2.ta, &e2.ra);
	tcp_pair(AF_INET, &e2.tb, &e2.rb);
	assert_int_equal(
	    ds_relay_new(e->ctx, e2.ra, e2.rb, NULL, 0, on_done, &e2, &e2.r),
	    0);
	while (!e2.called && now_ms() < end) {
		stream_send(&s, e2.ta, true);
		assert_int_equal(stream_recv(&s, e2.tb), 0);
		if (s.got_eof && !b_shut) {
			assert_int_equal(shutdown(e2.tb, SHUT_WR), 0);
			b_shut = true;
		}
		assert_true(ds__relay_ctx_pipes(e->ctx, NULL) <= 1);
		assert_true(ds_loop_run_once(e->loop, 1000) >= 0);
	}
	assert_int_equal(e2.called, 1);
	assert_false(s.bad);
	assert_int_equal(s.got, s.total);
	assert_int_equal(e2.st.a_to_b, s.total);
	e2.r = ds_relay_free(e2.r);
	close(e2.ta);
	close(e2.tb);
	return e2.st;
}

/* B reads again: the rest of s flows, in order, none lost. */
static void
drain_unread(struct env *e, struct stream *s)
{
	uint64_t end = now_ms() + 60000;

	while (!s->got_eof && now_ms() < end) {
		stream_send(s, e->ta, true);
		assert_int_equal(stream_recv(s, e->tb), 0);
		assert_true(ds__relay_ctx_pipes(e->ctx, NULL) <= 1);
		assert_true(ds_loop_run_once(e->loop, 1000) >= 0);
	}
	assert_true(s->got_eof);
	assert_false(s->bad);
	assert_int_equal(s->got, s->total);
	assert_int_equal(ds_relay_stats(e->r)->a_to_b, s->total);
}

/*
 * A destination that stops reading: its direction's pipe goes back to the
 * pool once the stall has lasted, another relay splices with it (the
 * context has one pipe in all), and when the destination reads again
 * every byte comes out in order -- those that were in the pipe first,
 * through a buffer. With 4 KiB buffers the pipe holds more than one, and
 * its bytes go into a buffer sized to fit.
 */
static void
stall_case(uint32_t buffer_size)
{
	struct ds_relay_opts o = {.pipe_max = 1, .buffer_size = buffer_size};
	struct stream s = {.total = 16 * MIB, .seed = 11};
	struct ds_relay_stats st;
	struct env e;
	uint64_t stuck;

	env_open(&e, AF_INET, &o, NULL, 0);
	ds__relay_ctx_stall_us(e.ctx, 300000);
	flood_unread(&e, &s);
	/* The stall lasts: the pipe comes back, nothing else moves. */
	stuck = ds_relay_stats(e.r)->a_to_b;
	spin(&e, 600, false);
	assert_int_equal(pipes_lent(e.ctx), 0);
	assert_int_equal(ds__relay_ctx_pipes(e.ctx, NULL), 1);
	assert_int_equal(ds_relay_stats(e.r)->a_to_b, stuck);
	/* Another relay on the context splices with that pipe. */
	st = second_relay(&e);
	assert_true(st.spliced);
	assert_false(st.fallback);

	drain_unread(&e, &s);
	env_close(&e);
}

static void
test_stall(void **state)
{
	(void)state;
	stall_case(0);
	stall_case(4096);
}

/*
 * pipe_max: while the context's one pipe is out (held by a relay whose
 * destination does not read, before the stall has lasted), another
 * relay moves its bulk data through buffers, byte-exact, and no second
 * pipe is opened.
 */
static void
test_pipe_max(void **state)
{
	struct ds_relay_opts o = {.pipe_max = 1};
	struct stream s = {.total = 16 * MIB, .seed = 13};
	struct ds_relay_stats st;
	struct env e;

	(void)state;
	env_open(&e, AF_INET, &o, NULL, 0);
	ds__relay_ctx_stall_us(e.ctx, 60000000);
	flood_unread(&e, &s);
	assert_int_equal(pipes_lent(e.ctx), 1);
	st = second_relay(&e);
	assert_false(st.spliced);
	assert_true(st.fallback);
	assert_int_equal(pipes_lent(e.ctx), 1);
	drain_unread(&e, &s);
	env_close(&e);
}

/* Both ways at once until both streams are through and the relay over. */
static void
exchange(struct env *e, struct stream *ab, struct stream *ba)
{
	uint64_t end = now_ms() + 30000;

	while (!(ab->got_eof && ba->got_eof && e->called) && now_ms() < end) {
		stream_send(ab, e->ta, true);
		stream_send(ba, e->tb, true);
		assert_int_equal(stream_recv(ab, e->tb), 0);
		assert_int_equal(stream_recv(ba, e->ta), 0);
		assert_true(ds_loop_run_once(e->loop, 1000) >= 0);
	}
	assert_int_equal(e->called, 1);
	assert_false(ab->bad);
	assert_false(ba->bad);
	assert_int_equal(ab->got, ab->total);
	assert_int_equal(ba->got, ba->total);
	assert_int_equal(e->st.a_to_b, ab->total);
	assert_int_equal(e->st.b_to_a, ba->total);
}

/*
 * splice(2) refusing a descriptor (EINVAL), made to happen by the test
 * hook: from the socket (nothing in the pipe yet), and into the socket
 * with a pipe full of bytes, which must come out first, through a buffer
 * smaller than the pipe.
 */
static void
test_splice_einval(void **state)
{
	struct ds_relay_opts o = {.buffer_size = 4096};

	(void)state;
	for (int out = 0; out < 2; out++) {
		struct stream ab = {.total = 2 * MIB + 7, .seed = 9};
		struct stream ba = {.total = MIB, .seed = 10};
		struct env e;

		env_open(&e, AF_INET, &o, "pre", 3);
		if (out)
			ds__relay_ctx_fail_splice(e.ctx, 0, 1);
		else
			ds__relay_ctx_fail_splice(e.ctx, 1, 0);
		/* Let the first splice see a full pipe's worth. */
		stream_send(&ab, e.ta, false);
		{
			char p[3];
			size_t have = 0;
			uint64_t end = now_ms() + 2000;

			while (have < 3 && now_ms() < end) {
				ssize_t n = recv(e.tb, p + have, 3 - have, 0);

				if (n > 0)
					have += (size_t)n;
				assert_true(
				    ds_loop_run_once(e.loop, 1000) >= 0);
			}
			assert_int_equal(have, 3);
			assert_memory_equal(p, "pre", 3);
		}
		exchange(&e, &ab, &ba);
		assert_true(e.st.fallback);
		assert_true(e.st.spliced); /* the other direction */
		assert_int_equal(e.st.pre_b, 3);
		assert_true(
		    e.st.end == DS_RELAY_EOF_A || e.st.end == DS_RELAY_EOF_B);
		env_close(&e);
	}
}

/* No descriptor left for a pipe: the relay uses buffers, byte-exact. */
static void
test_fallback(void **state)
{
	struct stream ab = {.total = 2 * MIB, .seed = 7};
	struct stream ba = {.total = 2 * MIB, .seed = 8};
	struct rlimit old, low;
	struct env e;
	int probe[2], highest, fill[256], nfill = 0;

	(void)state;
	/* The relay starts after the limit is lowered: it tries to read at
	 * once, which would take a pipe while one can still be had. */
	env_pairs(&e, AF_INET, NULL);
	/* Only the descriptors open now fit: the newest are the relay's
	 * sockets (descriptors are allocated lowest first; /proc/self/fd
	 * would also list a debugger's or valgrind's, far above). */
	highest = e.ra > e.rb ? e.ra : e.rb;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)highest + 1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	nofile = old;
	nofile_lowered = true;
	/* Fill the holes below, so that no descriptor can be had. */
	while (nfill < (int)(sizeof(fill) / sizeof(fill[0]))) {
		int fd = fcntl(0, F_DUPFD_CLOEXEC, 0);

		if (fd == -1)
			break;
		fill[nfill++] = fd;
	}
	if (pipe2(probe, O_CLOEXEC) == 0) {
		close(probe[0]);
		close(probe[1]);
		nofile_lowered = false;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
		for (int i = 0; i < nfill; i++)
			close(fill[i]);
		close(e.ra); /* no relay owns them yet */
		close(e.rb);
		env_close(&e);
		print_message("# skip: pipe2 does not fail with EMFILE here\n");
		skip();
	}
	assert_int_equal(errno, EMFILE);
	env_start(&e, NULL, 0);
	exchange(&e, &ab, &ba);
	nofile_lowered = false;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	for (int i = 0; i < nfill; i++)
		close(fill[i]);
	assert_true(e.st.fallback);
	assert_false(e.st.spliced);
	env_close(&e);
}

/* Bad arguments, names, and the size of an idle relay. */
static void
test_api(void **state)
{
	struct ds_loop *loop;
	struct ds_relay_ctx *ctx;
	struct ds_relay *r;
	struct ds_relay_opts o = {.pipe_size = 1000};
	int ta, ra;

	(void)state;
	assert_int_equal(ds_loop_new(&loop), 0);
	assert_int_equal(ds_relay_ctx_new(loop, &o, &ctx), -EINVAL);
	o.pipe_size = 0;
	o.buffer_size = (1u << 30) + 1;
	assert_int_equal(ds_relay_ctx_new(loop, &o, &ctx), -EINVAL);
	o.buffer_size = 4096;
	o.pipe_size = 1u << 20;
	assert_int_equal(ds_relay_ctx_new(loop, &o, &ctx), 0);
	tcp_pair(AF_INET, &ta, &ra);
	assert_true(ds_relay_new(ctx, ra, ra, NULL, 0, NULL, NULL, &r) < 0);
	assert_int_equal(
	    ds_relay_new(ctx, ra, -1, NULL, 0, NULL, NULL, &r), -EBADF);
	assert_int_equal(ds_relay_ctx_active(ctx), 0);
	/* The sockets stay the caller's on failure. */
	assert_true(fcntl(ra, F_GETFD) >= 0);
	close(ta);
	close(ra);
	assert_null(ds_relay_ctx_free(ctx));
	assert_null(ds_relay_ctx_free(NULL));
	assert_null(ds_relay_free(NULL));
	ds_relay_close(NULL, true);
	assert_null(ds_loop_free(loop));

	assert_string_equal(ds_relay_end_name(DS_RELAY_EOF_A), "eof-a");
	assert_string_equal(ds_relay_end_name(DS_RELAY_RESET_B), "reset-b");
	assert_string_equal(ds_relay_end_name(DS_RELAY_TIMEOUT), "timeout");
	assert_string_equal(ds_relay_end_name(DS_RELAY_ERROR), "error");
	assert_true(ds_relay_sizeof() > 3 * sizeof(void *));
	assert_true(ds_relay_sizeof() < 512);
	print_message("# ds_relay_sizeof() = %zu\n", ds_relay_sizeof());
}

/* --- Ends that are not sockets ------------------------------------------*/

struct ends_env {
	int called;
	struct ds_relay_stats st;
};

static void
on_ends_done(
    struct ds_relay *r, const struct ds_relay_stats *st, void *userdata)
{
	struct ends_env *e = userdata;

	(void)r;
	e->called++;
	e->st = *st;
}

/* Read what the socket peer has until its end of stream, or fail. */
static size_t
drain_peer(struct ds_loop *loop, int fd, char *buf, size_t size)
{
	size_t got = 0;

	for (int i = 0; i < 200; i++) {
		ssize_t n = recv(fd, buf + got, size - got, 0);

		if (n == 0)
			return got;
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		assert_int_equal(errno, EAGAIN);
		assert_true(ds_loop_run_once(loop, 20000) >= 0);
	}
	fail_msg("no end of stream from the relay");
	return got;
}

/*
 * Blocking pipes as standard input and output would be, shared: bytes
 * and the end of input reach the socket (shutdown), the peer's answer
 * and its end reach the output and end the relay (DS_RELAY_END_WITH_B),
 * the pipes stay blocking and open. Then a reader that went away: an
 * error on side A's write, the socket closed normally.
 */
static void
test_ends_pipes(void **state)
{
	struct ds_loop *loop;
	struct ds_relay_ctx *ctx;
	struct ds_relay *r;
	struct ends_env e = {0};
	int in[2], out[2], tb, rb;
	char buf[64];

	(void)state;
	assert_int_equal(ds_loop_new(&loop), 0);
	assert_int_equal(ds_relay_ctx_new(loop, NULL, &ctx), 0);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	tcp_pair(AF_INET, &tb, &rb);
	{
		struct ds_relay_end_fds a = {in[0], out[1], DS_RELAY_SHARED};
		struct ds_relay_end_fds b = {rb, rb, 0};

		assert_int_equal(ds_relay_new_ends(ctx, &a, &b, 1u << 7,
		                     on_ends_done, &e, &r),
		    -EINVAL);
		assert_int_equal(ds_relay_new_ends(ctx, &a, &b,
		                     DS_RELAY_END_WITH_B, on_ends_done, &e, &r),
		    0);
	}
	assert_int_equal(write(in[1], "hello", 5), 5);
	close(in[1]);
	assert_int_equal(drain_peer(loop, tb, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(e.called, 0);
	assert_int_equal(send(tb, "reply", 5, 0), 5);
	assert_int_equal(shutdown(tb, SHUT_WR), 0);
	for (int i = 0; i < 100 && !e.called; i++)
		assert_true(ds_loop_run_once(loop, 20000) >= 0);
	assert_int_equal(e.called, 1);
	assert_int_equal(e.st.end, DS_RELAY_EOF_A);
	assert_int_equal(e.st.a_to_b, 5);
	assert_int_equal(e.st.b_to_a, 5);
	assert_int_equal(read(out[0], buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "reply", 5);
	/* Shared: still open, still blocking. The socket: closed. */
	assert_false(fcntl(in[0], F_GETFL) & O_NONBLOCK);
	assert_false(fcntl(out[1], F_GETFL) & O_NONBLOCK);
	assert_int_equal(fcntl(rb, F_GETFD), -1);
	r = ds_relay_free(r);
	close(tb);
	close(in[0]);

	/* The output's reader has gone. */
	close(out[0]);
	assert_int_equal(pipe(in), 0);
	tcp_pair(AF_INET, &tb, &rb);
	memset(&e, 0, sizeof(e));
	{
		struct ds_relay_end_fds a = {in[0], out[1], DS_RELAY_SHARED};
		struct ds_relay_end_fds b = {rb, rb, 0};

		assert_int_equal(ds_relay_new_ends(ctx, &a, &b,
		                     DS_RELAY_END_WITH_B, on_ends_done, &e, &r),
		    0);
	}
	assert_int_equal(send(tb, "lost", 4, 0), 4);
	for (int i = 0; i < 100 && !e.called; i++)
		assert_true(ds_loop_run_once(loop, 20000) >= 0);
	assert_int_equal(e.called, 1);
	assert_int_equal(e.st.end, DS_RELAY_ERROR);
	assert_int_equal(e.st.err, -EPIPE);
	assert_int_equal(e.st.err_side, 0);
	assert_true(e.st.err_write);
	assert_int_equal(fcntl(rb, F_GETFD), -1);
	/* Closed normally: the peer reads an end of stream, not a reset. */
	assert_int_equal(drain_peer(loop, tb, buf, sizeof(buf)), 0);
	r = ds_relay_free(r);
	close(tb);
	close(in[0]);
	close(in[1]);
	close(out[1]);
	assert_null(ds_relay_ctx_free(ctx));
	assert_null(ds_loop_free(loop));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_api),
	    T(test_transfer_v4_splice),
	    T(test_transfer_v4_buffer),
	    T(test_transfer_v6_splice),
	    T(test_transfer_v6_buffer),
	    T(test_pre_b_splice),
	    T(test_pre_b_buffer),
	    T(test_pre_b_empty),
	    T(test_half_close_v4_splice),
	    T(test_half_close_v4_buffer),
	    T(test_half_close_v6_splice),
	    T(test_half_close_v6_buffer),
	    T(test_eof_order),
	    T(test_reset_a),
	    T(test_reset_after_half_close),
	    T(test_write_reset),
	    T(test_backpressure_v4_splice),
	    T(test_backpressure_v4_buffer),
	    T(test_backpressure_v6_splice),
	    T(test_idle_timeout),
	    T(test_close),
	    T(test_free_in_callback),
	    T(test_ctx_free_running),
	    T(test_small_uses_buffers),
	    T(test_pool),
	    T(test_stall),
	    T(test_pipe_max),
	    T(test_fallback),
	    T(test_splice_einval),
	    T(test_ends_pipes),
	};

	/* splice(2) into a socket whose peer has gone raises SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
