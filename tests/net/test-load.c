/* SPDX-License-Identifier: MIT */
/*
 * ds_load: the engine against small echo servers run in a thread of this test
 * on 127.0.0.1 and ::1 -- well-behaved, corrupting one byte, silent,
 * closing early -- and against a port where nothing listens.
 *
 * The servers also parse what they receive as the protocol under test says
 * (len32 frames, lines), so framing is checked from the server's side as
 * well as by the engine's byte-for-byte comparison.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dualstack/error.h"
#include "dualstack/load.h"
#include "dualstack/loop.h"

/* --- Names and configuration ---------------------------------------------- */

static void
test_names(void **state)
{
	enum ds_load_proto p;

	assert_string_equal(ds_load_proto_name(DS_LOAD_ECHO), "echo");
	assert_string_equal(ds_load_proto_name(DS_LOAD_LEN32), "len32");
	assert_string_equal(ds_load_proto_name(DS_LOAD_LINE), "line");
	assert_int_equal(ds_load_proto_parse("len32", &p), 0);
	assert_int_equal(p, DS_LOAD_LEN32);
	assert_int_equal(ds_load_proto_parse("LINE", &p), -EINVAL);
	assert_int_equal(ds_load_proto_parse("", &p), -EINVAL);
	assert_string_equal(ds_load_err_name(DS_LOAD_ERR_REFUSED), "refused");
	assert_string_equal(ds_load_err_name(DS_LOAD_ERR_RESET), "reset");
	assert_string_equal(ds_load_err_name(DS_LOAD_ERR_TIMEOUT), "timeout");
	assert_string_equal(ds_load_err_name(DS_LOAD_ERR_MISMATCH), "mismatch");
	assert_string_equal(ds_load_err_name(DS_LOAD_ERR_CLOSED), "closed");
	assert_string_equal(ds_load_err_name(DS_LOAD_ERR_OTHER), "other");
	(void)state;
}

static struct ds_load_config
base_config(int family, uint16_t port)
{
	struct ds_load_config cfg;
	uint8_t lo6[16] = {0};

	memset(&cfg, 0, sizeof(cfg));
	if (family == AF_INET) {
		ds_addr_from_v4(INADDR_LOOPBACK, &cfg.target.addr);
	} else {
		lo6[15] = 1;
		ds_addr_from_v6(lo6, &cfg.target.addr);
	}
	cfg.target.port = port;
	cfg.concurrency = 4;
	cfg.connections = 8;
	cfg.messages = 5;
	cfg.size = 100;
	/* A backstop: no test can hang on the engine. */
	cfg.duration_us = 20000000;
	return cfg;
}

static void
test_config_errors(void **state)
{
	struct ds_loop *loop;
	struct ds_load *l = NULL;
	struct ds_load_config cfg;

	assert_int_equal(ds_loop_new(&loop), 0);

#define EXPECT(err, stmt)                                                      \
	do {                                                                   \
		cfg = base_config(AF_INET, 9);                                 \
		stmt;                                                          \
		assert_int_equal(                                              \
		    ds_load_new(loop, &cfg, NULL, NULL, NULL, &l), err);       \
		assert_null(l);                                                \
	} while (0)

	/* A run that could never end. */
	EXPECT(-DS_E_LOAD_ENDLESS, (cfg.connections = 0, cfg.duration_us = 0));
	EXPECT(-DS_E_LOAD_ENDLESS,
	    (cfg.messages = DS_LOAD_FOREVER, cfg.duration_us = 0));
	EXPECT(-DS_E_PORT_MISSING, cfg.target.port = 0);
	EXPECT(-DS_E_LOAD_EMPTY_ECHO, cfg.size = 0);
	EXPECT(-DS_E_LOAD_SIZE, cfg.size = DS_LOAD_MAX_SIZE + 1);
	EXPECT(-DS_E_LOAD_CONCURRENCY,
	    cfg.concurrency = DS_LOAD_MAX_CONCURRENCY + 1);
	EXPECT(-EINVAL, cfg.proto = 99);
	EXPECT(-DS_E_ZONE_UNKNOWN, strcpy(cfg.target.addr.zone, "eth0"));
	EXPECT(-DS_E_LOAD_MEMORY,
	    (cfg.size = DS_LOAD_MAX_SIZE, cfg.concurrency = 100,
	        cfg.connections = 100));
#undef EXPECT

	/* Accepted: an empty len32 frame or line, connect-only echo. */
	cfg = base_config(AF_INET, 9);
	cfg.proto = DS_LOAD_LEN32;
	cfg.size = 0;
	assert_int_equal(ds_load_new(loop, &cfg, NULL, NULL, NULL, &l), 0);
	l = ds_load_free(l);
	cfg = base_config(AF_INET, 9);
	cfg.size = 0;
	cfg.messages = 0;
	assert_int_equal(ds_load_new(loop, &cfg, NULL, NULL, NULL, &l), 0);
	l = ds_load_free(l);
	assert_null(ds_load_free(NULL));
	ds_loop_free(loop);
	(void)state;
}

/* --- A test server in a thread -------------------------------------------- */

static size_t
wire_of(enum ds_load_proto p, uint32_t size)
{
	return size + (p == DS_LOAD_LEN32 ? 4 : p == DS_LOAD_LINE ? 1 : 0);
}

enum srv_mode {
	SRV_ECHO,    /* echo everything */
	SRV_CORRUPT, /* echo, but flip one byte of the second connection */
	SRV_SILENT,  /* accept, never read or answer */
	SRV_CLOSE,   /* read one whole message, then close without answer */
};

#define SRV_MAX_CONNS 64

struct srv_conn {
	int fd;
	uint64_t index;   /* accept order, from 0 */
	uint64_t offset;  /* bytes received */
	uint8_t hdr[4];   /* len32: the header being read */
	uint32_t hdr_got; /* len32: header bytes so far */
	uint64_t body;    /* len32: payload bytes left; line: line length */
};

struct srv {
	enum srv_mode mode;
	enum ds_load_proto proto;
	uint32_t size;       /* expected payload size, for framing */
	uint64_t corrupt_at; /* SRV_CORRUPT: offset in connection 1 */
	int lfd;
	int stop[2];
	pthread_t thread;
	uint16_t port;
	struct srv_conn conns[SRV_MAX_CONNS];
	uint8_t buf[65536];
	/* Results, read after the thread is joined. */
	uint64_t accepted, bytes, frames, bad_frames;
};

/* Parse what arrived as the protocol says; count frames and bad ones. */
static void
srv_frames(struct srv *s, struct srv_conn *c, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = p[i];

		switch (s->proto) {
		case DS_LOAD_LEN32:
			if (c->hdr_got < 4) {
				c->hdr[c->hdr_got++] = b;
				if (c->hdr_got < 4)
					break;
				c->body = (uint64_t)c->hdr[0] << 24 |
				    (uint64_t)c->hdr[1] << 16 |
				    (uint64_t)c->hdr[2] << 8 | c->hdr[3];
				if (c->body != s->size)
					s->bad_frames++;
				if (c->body == 0) {
					s->frames++;
					c->hdr_got = 0;
				}
				break;
			}
			if (--c->body == 0) {
				s->frames++;
				c->hdr_got = 0;
			}
			break;
		case DS_LOAD_LINE:
			if (b == '\n') {
				if (c->body != s->size)
					s->bad_frames++;
				s->frames++;
				c->body = 0;
			} else {
				if (b < 0x21 || b > 0x7e)
					s->bad_frames++;
				c->body++;
			}
			break;
		default:
			break;
		}
	}
}

static void
srv_drop(struct srv_conn *c)
{
	close(c->fd);
	c->fd = -1;
}

static bool
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static void *
srv_main(void *arg)
{
	struct srv *s = arg;
	uint8_t *buf = s->buf;
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd[SRV_MAX_CONNS + 2];
		struct srv_conn *map[SRV_MAX_CONNS + 2];
		nfds_t n = 0;
		int r;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 60)
			break; /* a bound, whatever the test does */
		pfd[n].fd = s->stop[0];
		pfd[n++].events = POLLIN;
		pfd[n].fd = s->lfd;
		pfd[n++].events = POLLIN;
		for (int i = 0; i < SRV_MAX_CONNS; i++) {
			if (s->conns[i].fd < 0 || s->mode == SRV_SILENT)
				continue;
			map[n] = &s->conns[i];
			pfd[n].fd = s->conns[i].fd;
			pfd[n++].events = POLLIN;
		}
		r = poll(pfd, n, 100);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		if (pfd[0].revents)
			break;
		if (pfd[1].revents & POLLIN) {
			int fd = accept(s->lfd, NULL, NULL);

			for (int i = 0; fd >= 0 && i < SRV_MAX_CONNS; i++) {
				if (s->conns[i].fd >= 0)
					continue;
				memset(&s->conns[i], 0, sizeof(s->conns[i]));
				s->conns[i].fd = fd;
				s->conns[i].index = s->accepted++;
				fd = -1;
			}
			if (fd >= 0)
				close(fd); /* more than the test needs */
		}
		for (nfds_t k = 2; k < n; k++) {
			struct srv_conn *c = map[k];
			size_t want = sizeof(s->buf);
			ssize_t got;

			if (!pfd[k].revents)
				continue;
			if (s->mode == SRV_CLOSE)
				want = wire_of(s->proto, s->size) - c->offset;
			got = recv(c->fd, buf, want, 0);
			if (got <= 0) {
				srv_drop(c);
				continue;
			}
			srv_frames(s, c, buf, (size_t)got);
			if (s->mode == SRV_CORRUPT && c->index == 1 &&
			    s->corrupt_at >= c->offset &&
			    s->corrupt_at < c->offset + (uint64_t)got)
				buf[s->corrupt_at - c->offset] ^= 0x20;
			c->offset += (uint64_t)got;
			s->bytes += (uint64_t)got;
			if (s->mode == SRV_CLOSE) {
				/* One whole message read: close, unanswered. */
				if (c->offset == wire_of(s->proto, s->size))
					srv_drop(c);
				continue;
			}
			if (!write_all(c->fd, buf, (size_t)got))
				srv_drop(c);
		}
	}
	return NULL;
}

/* Start a server on the loopback address of 'family'; false if that
 * family is missing here. */
static bool
srv_start(struct srv *s, int family, enum srv_mode mode,
    enum ds_load_proto proto, uint32_t size)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < SRV_MAX_CONNS; i++)
		s->conns[i].fd = -1;
	s->mode = mode;
	s->proto = proto;
	s->size = size;
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
	s->lfd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return false;
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->lfd, (struct sockaddr *)&ss, len) < 0) {
		close(s->lfd);
		return false;
	}
	assert_int_equal(listen(s->lfd, 128), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&ss, &len), 0);
	s->port =
	    ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
	                            : ((struct sockaddr_in6 *)&ss)->sin6_port);
	assert_int_equal(pipe(s->stop), 0);
	assert_int_equal(pthread_create(&s->thread, NULL, srv_main, s), 0);
	return true;
}

static void
srv_stop(struct srv *s)
{
	assert_int_equal(write(s->stop[1], "x", 1), 1);
	pthread_join(s->thread, NULL);
	for (int i = 0; i < SRV_MAX_CONNS; i++)
		if (s->conns[i].fd >= 0)
			close(s->conns[i].fd);
	close(s->lfd);
	close(s->stop[0]);
	close(s->stop[1]);
}

static const int families[] = {AF_INET, AF_INET6};

static const char *
fam_name(int family)
{
	return family == AF_INET ? "127.0.0.1" : "::1";
}

static struct ds_load_result *
run(const struct ds_load_config *cfg)
{
	struct ds_load_result *r = malloc(sizeof(*r));

	assert_non_null(r);
	assert_int_equal(ds_load_run(cfg, NULL, NULL, r), 0);
	assert_true(r->done);
	return r;
}

static uint64_t
error_total(const struct ds_load_result *r)
{
	uint64_t n = 0;

	for (int k = 0; k < DS_LOAD_ERR_KINDS; k++)
		n += r->errors[k];
	return n;
}

/* --- Engine: everything right --------------------------------------------- */

/* N connections of M messages: counts exact on both sides, per protocol. */
static void
check_all_succeed(
    enum ds_load_proto proto, uint32_t size, uint32_t c, uint64_t n, uint64_t m)
{
	for (size_t f = 0; f < 2; f++) {
		struct srv s;
		struct ds_load_config cfg;
		struct ds_load_result *r;
		uint64_t wire = wire_of(proto, size);

		if (!srv_start(&s, families[f], SRV_ECHO, proto, size)) {
			print_message("# no %s here\n", fam_name(families[f]));
			continue;
		}
		cfg = base_config(families[f], s.port);
		cfg.proto = proto;
		cfg.size = size;
		cfg.concurrency = c;
		cfg.connections = n;
		cfg.messages = m;
		r = run(&cfg);
		srv_stop(&s);

		assert_false(r->stopped);
		assert_int_equal(error_total(r), 0);
		assert_int_equal(r->connections, n);
		assert_int_equal(r->connections_ok, n);
		assert_int_equal(r->connections_failed, 0);
		assert_int_equal(r->connections_unfinished, 0);
		assert_int_equal(r->open, 0);
		assert_int_equal(r->messages, n * m);
		assert_int_equal(r->bytes_sent, n * m * wire);
		assert_int_equal(r->bytes_received, n * m * wire);
		assert_int_equal(r->latency.count, n * m);
		assert_int_equal(r->connect.count, n);
		assert_true(r->latency.max >= r->latency.min);
		assert_true(r->elapsed_us > 0);
		assert_true(r->elapsed_us < 20000000); /* not the backstop */
		assert_true(ds_hist_percentile(&r->latency, 50) <=
		    ds_hist_percentile(&r->latency, 99));
		/* The server saw it all, framed as the protocol says. */
		assert_int_equal(s.accepted, n);
		assert_int_equal(s.bytes, n * m * wire);
		assert_int_equal(s.bad_frames, 0);
		if (proto != DS_LOAD_ECHO)
			assert_int_equal(s.frames, n * m);
		free(r);
	}
}

static void
test_echo_counts(void **state)
{
	check_all_succeed(DS_LOAD_ECHO, 100, 8, 40, 25);
	(void)state;
}

static void
test_len32_framing(void **state)
{
	check_all_succeed(DS_LOAD_LEN32, 300, 4, 12, 10);
	check_all_succeed(DS_LOAD_LEN32, 0, 2, 4, 3); /* empty frames */
	(void)state;
}

static void
test_line_framing(void **state)
{
	check_all_succeed(DS_LOAD_LINE, 80, 4, 12, 10);
	(void)state;
}

/* Messages far larger than socket buffers: partial sends and reads, with
 * the echo coming back while the message is still going out. */
static void
test_large_messages(void **state)
{
	check_all_succeed(DS_LOAD_ECHO, 3u << 20, 2, 3, 2);
	(void)state;
}

/* More slots than connections: only as many are used. */
static void
test_fewer_connections_than_slots(void **state)
{
	check_all_succeed(DS_LOAD_ECHO, 10, 50, 3, 4);
	(void)state;
}

/* messages 0: a connection-rate run. */
static void
test_connect_only(void **state)
{
	struct srv s;
	struct ds_load_config cfg;
	struct ds_load_result *r;

	assert_true(srv_start(&s, AF_INET, SRV_ECHO, DS_LOAD_ECHO, 0));
	cfg = base_config(AF_INET, s.port);
	cfg.connections = 30;
	cfg.messages = 0;
	r = run(&cfg);
	srv_stop(&s);
	assert_int_equal(error_total(r), 0);
	assert_int_equal(r->connections_ok, 30);
	assert_int_equal(r->messages, 0);
	assert_int_equal(r->bytes_sent, 0);
	assert_int_equal(r->connect.count, 30);
	assert_int_equal(r->latency.count, 0);
	free(r);
	(void)state;
}

/* A duration and no message limit: every connection stays open to the
 * end and counts as ok; the run ends on time. */
static void
test_duration_forever(void **state)
{
	struct srv s;
	struct ds_load_config cfg;
	struct ds_load_result *r;

	assert_true(srv_start(&s, AF_INET, SRV_ECHO, DS_LOAD_ECHO, 0));
	cfg = base_config(AF_INET, s.port);
	cfg.connections = 0;
	cfg.concurrency = 4;
	cfg.messages = DS_LOAD_FOREVER;
	cfg.duration_us = 300000;
	r = run(&cfg);
	srv_stop(&s);
	assert_int_equal(error_total(r), 0);
	assert_int_equal(r->connections_ok, 4);
	assert_int_equal(r->connections, 4);
	assert_int_equal(s.accepted, 4);
	assert_true(r->messages > 10);
	assert_true(r->elapsed_us >= 300000);
	assert_true(r->elapsed_us < 2000000);
	assert_int_equal(r->open, 0);
	free(r);
	(void)state;
}

/* --- Engine: errors ------------------------------------------------------- */

/* One flipped byte in connection 1's second message: one mismatch, and
 * every other connection and message still succeeds. */
static void
test_mismatch(void **state)
{
	for (size_t f = 0; f < 2; f++) {
		struct srv s;
		struct ds_load_config cfg;
		struct ds_load_result *r;

		if (!srv_start(&s, families[f], SRV_CORRUPT, DS_LOAD_ECHO, 100))
			continue;
		s.corrupt_at = 150; /* message 1, byte 50 */
		cfg = base_config(families[f], s.port);
		cfg.concurrency = 3;
		cfg.connections = 9;
		cfg.messages = 4;
		r = run(&cfg);
		srv_stop(&s);
		assert_int_equal(r->errors[DS_LOAD_ERR_MISMATCH], 1);
		assert_int_equal(error_total(r), 1);
		assert_int_equal(r->connections, 9);
		assert_int_equal(r->connections_failed, 1);
		assert_int_equal(r->connections_ok, 8);
		/* The bad connection verified its message 0 only. */
		assert_int_equal(r->messages, 8 * 4 + 1);
		free(r);
	}
	(void)state;
}

/* A port bound but not listening answers with RST: refused, every time. */
static void
test_refused(void **state)
{
	for (size_t f = 0; f < 2; f++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct ds_load_config cfg;
		struct ds_load_result *r;
		int fd = socket(families[f], SOCK_STREAM | SOCK_CLOEXEC, 0);
		uint16_t port;

		assert_true(fd >= 0);
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = (sa_family_t)families[f];
		if (families[f] == AF_INET)
			((struct sockaddr_in *)&ss)->sin_addr.s_addr =
			    htonl(INADDR_LOOPBACK);
		else
			((struct sockaddr_in6 *)&ss)->sin6_addr =
			    in6addr_loopback;
		if (bind(fd, (struct sockaddr *)&ss,
		        families[f] == AF_INET
		            ? sizeof(struct sockaddr_in)
		            : sizeof(struct sockaddr_in6)) < 0) {
			close(fd);
			continue;
		}
		assert_int_equal(
		    getsockname(fd, (struct sockaddr *)&ss, &len), 0);
		port = ntohs(families[f] == AF_INET
		        ? ((struct sockaddr_in *)&ss)->sin_port
		        : ((struct sockaddr_in6 *)&ss)->sin6_port);
		cfg = base_config(families[f], port);
		cfg.concurrency = 5;
		cfg.connections = 20;
		r = run(&cfg);
		close(fd);
		assert_int_equal(r->errors[DS_LOAD_ERR_REFUSED], 20);
		assert_int_equal(error_total(r), 20);
		assert_int_equal(r->connections_failed, 20);
		assert_int_equal(r->connections_ok, 0);
		assert_int_equal(r->messages, 0);
		assert_int_equal(r->connect.count, 0);
		free(r);
	}
	(void)state;
}

/* A server that accepts and never answers: timeouts, on time. */
static void
test_timeout(void **state)
{
	struct srv s;
	struct ds_load_config cfg;
	struct ds_load_result *r;

	assert_true(srv_start(&s, AF_INET, SRV_SILENT, DS_LOAD_ECHO, 100));
	cfg = base_config(AF_INET, s.port);
	cfg.concurrency = 3;
	cfg.connections = 3;
	cfg.messages = 2;
	cfg.timeout_us = 300000;
	r = run(&cfg);
	srv_stop(&s);
	assert_int_equal(r->errors[DS_LOAD_ERR_TIMEOUT], 3);
	assert_int_equal(error_total(r), 3);
	assert_int_equal(r->connections_failed, 3);
	assert_int_equal(r->messages, 0);
	assert_int_equal(r->connect.count, 3); /* the kernel accepted */
	assert_int_equal(r->bytes_sent, 300);
	/* 300 ms, seen by a tick every 75 ms; the slack is for a loaded
	 * machine, still far below the 5 s default. */
	assert_true(r->elapsed_us >= 300000);
	assert_true(r->elapsed_us < 1500000);
	free(r);
	(void)state;
}

/* A server that reads a message and closes: closed, not a mismatch. */
static void
test_closed(void **state)
{
	struct srv s;
	struct ds_load_config cfg;
	struct ds_load_result *r;

	assert_true(srv_start(&s, AF_INET, SRV_CLOSE, DS_LOAD_LEN32, 50));
	cfg = base_config(AF_INET, s.port);
	cfg.proto = DS_LOAD_LEN32;
	cfg.size = 50;
	cfg.concurrency = 2;
	cfg.connections = 6;
	r = run(&cfg);
	srv_stop(&s);
	assert_int_equal(r->errors[DS_LOAD_ERR_CLOSED], 6);
	assert_int_equal(error_total(r), 6);
	assert_int_equal(r->messages, 0);
	assert_int_equal(s.frames, 6);
	free(r);
	(void)state;
}

/* --- The handle API: progress, stop --------------------------------------- */

struct watch {
	struct ds_loop *loop;
	struct ds_timer *stopper;
	struct ds_load *l;
	int progress, done;
	uint64_t last_elapsed;
	bool monotonic;
};

static void
w_progress(struct ds_load *l, const struct ds_load_result *r, void *u)
{
	struct watch *w = u;

	w->progress++;
	if (r->elapsed_us < w->last_elapsed)
		w->monotonic = false;
	w->last_elapsed = r->elapsed_us;
	assert_false(r->done);
	(void)l;
}

static void
w_done(struct ds_load *l, const struct ds_load_result *r, void *u)
{
	struct watch *w = u;

	w->done++;
	assert_true(r->done);
	ds_loop_stop(w->loop, 0);
	(void)l;
}

static void
w_stop(struct ds_timer *t, void *u)
{
	struct watch *w = u;

	ds_load_stop(w->l);
	ds_load_stop(w->l); /* twice is harmless */
	(void)t;
}

/* Progress comes at its period; ds_load_stop() ends a run that would go
 * on for long, and counts what was cut short. */
static void
test_progress_and_stop(void **state)
{
	struct srv s;
	struct ds_load_config cfg;
	struct watch w = {0};
	const struct ds_load_result *r;

	assert_true(srv_start(&s, AF_INET, SRV_ECHO, DS_LOAD_ECHO, 0));
	assert_int_equal(ds_loop_new(&w.loop), 0);
	cfg = base_config(AF_INET, s.port);
	cfg.connections = 0;
	cfg.messages = 1000000; /* more than 400 ms can do */
	cfg.duration_us = 10000000;
	cfg.progress_us = 50000;
	w.monotonic = true;
	assert_int_equal(
	    ds_load_new(w.loop, &cfg, w_progress, w_done, &w, &w.l), 0);
	assert_int_equal(ds_timer_new(w.loop, w_stop, &w, &w.stopper), 0);
	ds_timer_start_in(w.stopper, 400000);
	assert_int_equal(ds_loop_run(w.loop), 0);
	r = ds_load_get_result(w.l);
	assert_int_equal(w.done, 1);
	/* About 8; fewer if the machine is slow, never more than 400 / 50
	 * plus the one that may be due as the stop fires. */
	assert_true(w.progress >= 2 && w.progress <= 9);
	assert_true(w.monotonic);
	assert_true(r->stopped);
	assert_true(r->done);
	assert_int_equal(error_total(r), 0);
	assert_true(r->messages > 0);
	/* Four slots were busy when stopped. */
	assert_int_equal(r->connections_unfinished, 4);
	assert_int_equal(r->open, 0);
	assert_true(r->elapsed_us >= 400000 && r->elapsed_us < 2000000);
	/* After the end, the result no longer moves. */
	{
		uint64_t e = r->elapsed_us;

		usleep(20000);
		assert_true(ds_load_get_result(w.l)->elapsed_us == e);
	}
	w.stopper = ds_timer_free(w.stopper);
	w.l = ds_load_free(w.l);
	ds_loop_free(w.loop);
	srv_stop(&s);
	(void)state;
}

static void
free_in_done(struct ds_load *l, const struct ds_load_result *r, void *u)
{
	struct watch *w = u;

	w->done++;
	w->last_elapsed = r->messages;
	w->l = ds_load_free(l);
	ds_loop_stop(w->loop, 0);
}

/* The done callback may free the run; ASan sees any use after it. */
static void
test_free_in_done(void **state)
{
	struct srv s;
	struct ds_load_config cfg;
	struct watch w = {0};

	assert_true(srv_start(&s, AF_INET, SRV_ECHO, DS_LOAD_ECHO, 0));
	assert_int_equal(ds_loop_new(&w.loop), 0);
	cfg = base_config(AF_INET, s.port);
	assert_int_equal(
	    ds_load_new(w.loop, &cfg, NULL, free_in_done, &w, &w.l), 0);
	assert_int_equal(ds_loop_run(w.loop), 0);
	assert_int_equal(w.done, 1);
	assert_null(w.l);
	assert_int_equal(w.last_elapsed, 8 * 5);
	ds_loop_free(w.loop);
	srv_stop(&s);
	(void)state;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_config_errors),
	    cmocka_unit_test(test_echo_counts),
	    cmocka_unit_test(test_len32_framing),
	    cmocka_unit_test(test_line_framing),
	    cmocka_unit_test(test_large_messages),
	    cmocka_unit_test(test_fewer_connections_than_slots),
	    cmocka_unit_test(test_connect_only),
	    cmocka_unit_test(test_duration_forever),
	    cmocka_unit_test(test_mismatch),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_timeout),
	    cmocka_unit_test(test_closed),
	    cmocka_unit_test(test_progress_and_stop),
	    cmocka_unit_test(test_free_in_done),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
