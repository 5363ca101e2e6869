/* SPDX-License-Identifier: MIT */
/*
 * ds_proxy on loopback: the proxy, its backends (ds_listeners whose
 * accepted sockets the test drives by hand) and the clients (raw
 * non-blocking sockets) in one process, on one loop.
 *
 * An IPv6 client through an IPv4-only backend, byte for byte, with every
 * log field checked; backend EOF; the PROXY header sent (v1, v2, an
 * IPv4-mapped client as TCP4) and read (v1, v2, LOCAL, split over many
 * writes, from an untrusted peer, malformed, too slow, with bytes after
 * it); the ACL (also against a mapped client on a dual listener, and
 * changed while a connection runs); per-client connection and rate
 * limits, counted per client prefix; max_conns pausing the listeners;
 * hard_max_conns resetting at once, and the descriptor budget; a
 * refused backend failed over and held; every backend refused, then the
 * oldest failure tried first and reported up again; a silent backend
 * timing out; the idle timeout; drains that finish and that hit their
 * deadline; free with live connections; a backend by name; and requests
 * that name other hosts reaching the configured backend only. Every test
 * checks that no descriptor is left open.
 *
 * Nothing sleeps: every wait pumps the loop with ds_loop_run_once() until
 * a condition holds or a few seconds pass.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dualstack/acl.h"
#include "dualstack/addr.h"
#include "dualstack/error.h"
#include "dualstack/listen.h"
#include "dualstack/loop.h"
#include "dualstack/proxy.h"
#include "dualstack/proxyproto.h"
#include "dualstack/relay.h"
#include "net-test.h"

#define WAIT_MS 5000
#define LOG_MAX 32
#define EV_MAX 32
#define BE_CONNS 16
#define CLI_MAX 16

/* --- Harness -------------------------------------------------------------- */

struct logrec {
	struct ds_proxy_log log;
	char detail[512];
	char backend_name[256];
};

struct backend_srv {
	struct ds_listener *l;
	uint16_t port;
	unsigned accepts;
	int fds[BE_CONNS];
	struct ds_tuple tuples[BE_CONNS];
};

static struct {
	struct ds_loop *loop;
	struct ds_proxy *p;
	uint16_t port; /* the proxy's first listener */
	struct logrec logs[LOG_MAX];
	unsigned n_logs;
	char events[EV_MAX][512];
	unsigned n_events;
	unsigned drained;
	struct backend_srv be[3];
	int cli[CLI_MAX];
	int extra[16]; /* other sockets to close at the end */
	struct ds_acl *acl, *acl2, *trusted;
	int fds_before;
} T;

static struct ds_addr
addr(const char *s)
{
	struct ds_addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(ds_addr_parse(s, strlen(s), 0, &a, NULL), 0);
	return a;
}

static struct ds_endpoint
ep(const char *s, uint16_t port)
{
	struct ds_endpoint e;

	memset(&e, 0, sizeof(e));
	e.addr = addr(s);
	e.port = port;
	return e;
}

static void
assert_ep_equal(const struct ds_endpoint *a, const struct ds_endpoint *b)
{
	char sa[DS_ENDPOINT_STRLEN], sb[DS_ENDPOINT_STRLEN];

	(void)ds_endpoint_format(a, 0, sa, sizeof(sa));
	(void)ds_endpoint_format(b, 0, sb, sizeof(sb));
	if (!ds_addr_equal(&a->addr, &b->addr) || a->port != b->port)
		print_message("# endpoint %s, wanted %s\n", sa, sb);
	assert_string_equal(sa, sb);
	assert_true(ds_addr_equal(&a->addr, &b->addr));
	assert_int_equal(a->port, b->port);
}

/* A socket's own end (peer false) or its peer, normalised. */
static struct ds_endpoint
sock_ep(int fd, bool peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct ds_endpoint e;

	if (peer)
		assert_int_equal(
		    getpeername(fd, (struct sockaddr *)&ss, &len), 0);
	else
		assert_int_equal(
		    getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	assert_int_equal(
	    ds_endpoint_from_sockaddr((struct sockaddr *)&ss, len, &e), 0);
	(void)ds_addr_unmap(&e.addr, &e.addr);
	return e;
}

static uint64_t
realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
on_log(struct ds_proxy *p, const struct ds_proxy_log *log, void *userdata)
{
	struct logrec *r;
	char c[DS_ENDPOINT_STRLEN], b[DS_ENDPOINT_STRLEN];

	(void)userdata;
	assert_ptr_equal(p, T.p);
	assert_true(T.n_logs < LOG_MAX);
	r = &T.logs[T.n_logs++];
	r->log = *log;
	r->log.detail = NULL;
	r->log.backend_name = NULL;
	snprintf(
	    r->detail, sizeof(r->detail), "%s", log->detail ? log->detail : "");
	snprintf(r->backend_name, sizeof(r->backend_name), "%s",
	    log->backend_name ? log->backend_name : "");
	if (getenv("PROXY_TEST_VERBOSE")) {
		if (ds_endpoint_format(&log->client, 0, c, sizeof(c)) < 0)
			snprintf(c, sizeof(c), "-");
		if (ds_endpoint_format(&log->backend, 0, b, sizeof(b)) < 0)
			snprintf(b, sizeof(b), "-");
		print_message("# log %s -> %s %s in %llu out %llu tries %u "
		              "err %d (%s)\n",
		    c, b, ds_proxy_close_name(log->reason),
		    (unsigned long long)log->bytes_in,
		    (unsigned long long)log->bytes_out, log->backend_tries,
		    log->err, r->detail);
	}
}

static void
on_event(struct ds_proxy *p, const struct ds_proxy_event *ev, void *userdata)
{
	(void)p;
	(void)userdata;
	if (T.n_events < EV_MAX)
		snprintf(T.events[T.n_events++], sizeof(T.events[0]), "%s %s",
		    ev->name, ev->text);
	if (getenv("PROXY_TEST_VERBOSE"))
		print_message("# event %s: %s\n", ev->name, ev->text);
}

static unsigned
events_with(const char *needle)
{
	unsigned n = 0;

	for (unsigned i = 0; i < T.n_events; i++)
		if (strstr(T.events[i], needle))
			n++;
	return n;
}

static void
on_drained(struct ds_proxy *p, void *userdata)
{
	(void)userdata;
	assert_ptr_equal(p, T.p);
	T.drained++;
}

static int
setup(void **state)
{
	(void)state;
	memset(&T, 0, sizeof(T));
	for (size_t i = 0; i < CLI_MAX; i++)
		T.cli[i] = -1;
	for (size_t i = 0; i < 16; i++)
		T.extra[i] = -1;
	for (size_t b = 0; b < 3; b++)
		for (size_t i = 0; i < BE_CONNS; i++)
			T.be[b].fds[i] = -1;
	T.fds_before = count_fds();
	assert_int_equal(ds_loop_new(&T.loop), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	T.p = ds_proxy_free(T.p);
	for (size_t b = 0; b < 3; b++) {
		T.be[b].l = ds_listener_free(T.be[b].l);
		for (size_t i = 0; i < BE_CONNS; i++)
			if (T.be[b].fds[i] >= 0)
				close(T.be[b].fds[i]);
	}
	for (size_t i = 0; i < CLI_MAX; i++)
		if (T.cli[i] >= 0)
			close(T.cli[i]);
	for (size_t i = 0; i < 16; i++)
		if (T.extra[i] >= 0)
			close(T.extra[i]);
	T.loop = ds_loop_free(T.loop);
	T.acl = ds_acl_free(T.acl);
	T.acl2 = ds_acl_free(T.acl2);
	T.trusted = ds_acl_free(T.trusted);
	/* Every socket of the proxy, the backends and the clients is
	 * closed. */
	assert_int_equal(count_fds(), T.fds_before);
	return 0;
}

static bool
pump_until_n(const unsigned *n, unsigned want, int ms)
{
	uint64_t end = ds_time_now_us() + (uint64_t)ms * 1000u;

	while (*n < want && ds_time_now_us() < end)
		assert_true(ds_loop_run_once(T.loop, 10000) >= 0);
	return *n >= want;
}

static void
pump_for(int ms)
{
	unsigned never = 0;

	pump_until_n(&never, 1, ms);
}

static void
wait_logs(unsigned n)
{
	if (!pump_until_n(&T.n_logs, n, WAIT_MS))
		print_message("# %u log lines, wanted %u\n", T.n_logs, n);
	assert_int_equal(T.n_logs, n);
}

static struct ds_acl *
acl_from(const char *text)
{
	struct ds_acl *acl = NULL;

	assert_int_equal(ds_acl_new(&acl), 0);
	assert_true(ds_acl_load(acl, text, strlen(text), NULL, NULL) > 0);
	return acl;
}

/* --- Backends ------------------------------------------------------------- */

static void
on_be_accept(
    struct ds_listener *l, int fd, const struct ds_tuple *t, void *userdata)
{
	struct backend_srv *b = userdata;

	(void)l;
	assert_true(b->accepts < BE_CONNS);
	b->fds[b->accepts] = fd;
	b->tuples[b->accepts] = *t;
	b->accepts++;
}

static void
be_start(struct backend_srv *b, const char *where, enum ds_listen_mode mode)
{
	struct ds_listen_config lc;
	struct ds_endpoint e;

	memset(&lc, 0, sizeof(lc));
	lc.where.addr = addr(where);
	lc.mode = mode;
	assert_int_equal(
	    ds_listener_new(T.loop, &lc, on_be_accept, NULL, b, NULL, &b->l),
	    0);
	assert_int_equal(ds_listener_endpoints(b->l, &e, 1), 1);
	b->port = e.port;
}

/* The i-th connection the backend accepted (waiting for it). */
static int
be_conn(struct backend_srv *b, unsigned i)
{
	if (!pump_until_n(&b->accepts, i + 1, WAIT_MS))
		print_message(
		    "# backend accepted %u, wanted %u\n", b->accepts, i + 1);
	assert_true(b->accepts > i);
	return b->fds[i];
}

static void
be_close(struct backend_srv *b, unsigned i)
{
	assert_true(b->fds[i] >= 0);
	close(b->fds[i]);
	b->fds[i] = -1;
}

/*
 * A TCP socket on 127.0.0.1, bound only (it refuses every connection and
 * keeps the port from anyone else) or listening with backlog.
 */
static int
tcp4_socket(uint16_t *port, int backlog)
{
	struct ds_endpoint e = ep("127.0.0.1", 0);
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(ds_endpoint_to_sockaddr(&e, &ss, &len), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
	if (backlog >= 0)
		assert_int_equal(listen(fd, backlog), 0);
	e = sock_ep(fd, false);
	*port = e.port;
	return fd;
}

static int *
extra_slot(void)
{
	for (size_t i = 0; i < 16; i++)
		if (T.extra[i] < 0)
			return &T.extra[i];
	fail();
	return NULL;
}

/*
 * A listener that answers nothing: backlog 0 and its accept queue filled
 * with connections nobody accepts, so that Linux drops further SYNs
 * (tcp_conn_request() when sk_acceptq_is_full()). Returns false when the
 * queue would not fill.
 */
static bool
silent_listener(uint16_t *port)
{
	struct ds_endpoint e;
	struct sockaddr_storage ss;
	socklen_t len;

	*extra_slot() = tcp4_socket(port, 0);
	e = ep("127.0.0.1", *port);
	assert_int_equal(ds_endpoint_to_sockaddr(&e, &ss, &len), 0);
	for (int i = 0; i < 8; i++) {
		int *fd = extra_slot();
		struct pollfd pfd;
		int err = 0;
		socklen_t el = sizeof(err);

		*fd = socket(
		    AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		assert_true(*fd >= 0);
		if (connect(*fd, (struct sockaddr *)&ss, len) == 0)
			continue;
		assert_int_equal(errno, EINPROGRESS);
		pfd.fd = *fd;
		pfd.events = POLLOUT;
		/* Not established within 300 ms: SYNs are being dropped. */
		if (poll(&pfd, 1, 300) == 0)
			return true;
		getsockopt(*fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err != 0)
			return false;
	}
	return false;
}

/* --- Clients -------------------------------------------------------------- */

/* A client from source address 'from' (NULL: the kernel's choice). */
static int
cli_connect_from(const char *from, const char *where, uint16_t port)
{
	struct ds_endpoint e = ep(where, port);
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;
	size_t i;

	for (i = 0; i < CLI_MAX && T.cli[i] >= 0; i++)
		;
	assert_true(i < CLI_MAX);
	assert_int_equal(ds_endpoint_to_sockaddr(&e, &ss, &len), 0);
	fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	T.cli[i] = fd;
	if (from) {
		struct ds_endpoint se = ep(from, 0);
		struct sockaddr_storage sss;
		socklen_t slen;

		assert_int_equal(ds_endpoint_to_sockaddr(&se, &sss, &slen), 0);
		assert_int_equal(bind(fd, (struct sockaddr *)&sss, slen), 0);
	}
	assert_true(connect(fd, (struct sockaddr *)&ss, len) == 0 ||
	    errno == EINPROGRESS);
	return fd;
}

static int
cli_connect(const char *where, uint16_t port)
{
	return cli_connect_from(NULL, where, port);
}

static void
cli_close(int fd)
{
	for (size_t i = 0; i < CLI_MAX; i++) {
		if (T.cli[i] == fd) {
			close(fd);
			T.cli[i] = -1;
			return;
		}
	}
	fail();
}

static void
xsend(int fd, const void *buf, size_t len)
{
	size_t off = 0;
	uint64_t end = ds_time_now_us() + WAIT_MS * 1000u;

	while (off < len) {
		ssize_t n =
		    send(fd, (const char *)buf + off, len - off, MSG_NOSIGNAL);

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		assert_true(errno == EAGAIN || errno == ENOTCONN);
		assert_true(ds_time_now_us() < end);
		assert_true(ds_loop_run_once(T.loop, 10000) >= 0);
	}
}

static void
xsend_str(int fd, const char *s)
{
	xsend(fd, s, strlen(s));
}

/* Read want bytes (pumping the loop); returns how many came. */
static size_t
xrecv(int fd, void *buf, size_t want)
{
	size_t got = 0;
	uint64_t end = ds_time_now_us() + WAIT_MS * 1000u;

	while (got < want && ds_time_now_us() < end) {
		ssize_t n = recv(fd, (char *)buf + got, want - got, 0);

		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (errno != EAGAIN && errno != ENOTCONN)
			break;
		assert_true(ds_loop_run_once(T.loop, 10000) >= 0);
	}
	return got;
}

static void
expect(int fd, const char *s)
{
	size_t len = strlen(s);
	char *buf = calloc(1, len + 1);

	assert_non_null(buf);
	assert_int_equal(xrecv(fd, buf, len), len);
	assert_memory_equal(buf, s, len);
	free(buf);
}

/*
 * Wait for the end of fd's stream: 0 for EOF, -errno for an error (the
 * bytes before it are dropped, and counted in *ret_extra if not NULL).
 */
static int
wait_end(int fd, size_t *ret_extra)
{
	char buf[4096];
	size_t extra = 0;
	uint64_t end = ds_time_now_us() + WAIT_MS * 1000u;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n > 0) {
			extra += (size_t)n;
			continue;
		}
		if (ret_extra)
			*ret_extra = extra;
		if (n == 0)
			return 0;
		if (errno != EAGAIN && errno != ENOTCONN)
			return -errno;
		assert_true(ds_time_now_us() < end);
		assert_true(ds_loop_run_once(T.loop, 10000) >= 0);
	}
}

/* Nothing from fd for ms: no byte, no end. */
static void
expect_quiet(int fd, int ms)
{
	char c;

	pump_for(ms);
	assert_int_equal(recv(fd, &c, 1, 0), -1);
	assert_int_equal(errno, EAGAIN);
}

/* --- The proxy ------------------------------------------------------------ */

static struct ds_listen_config lcs[2];
static struct ds_proxy_backend bks[3];

static void
cfg_init(
    struct ds_proxy_config *cfg, const char *where, enum ds_listen_mode mode)
{
	memset(cfg, 0, sizeof(*cfg));
	memset(lcs, 0, sizeof(lcs));
	memset(bks, 0, sizeof(bks));
	lcs[0].where.addr = addr(where);
	lcs[0].mode = mode;
	cfg->listen = lcs;
	cfg->n_listen = 1;
	bks[0].host = "127.0.0.1";
	bks[0].port = T.be[0].port;
	cfg->backends = bks;
	cfg->n_backends = 1;
}

static void
proxy_start(const struct ds_proxy_config *cfg)
{
	struct ds_listen_report rep[2];
	struct ds_proxy_report report = {.listen = rep, .failed = 99};
	struct ds_endpoint e[2];

	assert_int_equal(
	    ds_proxy_new(T.loop, cfg, on_log, on_event, NULL, &report, &T.p),
	    0);
	assert_true(ds_proxy_endpoints(T.p, 0, e, 2) >= 1);
	T.port = e[0].port;
	/* None failed: the count of listeners. */
	assert_int_equal(report.failed, cfg->n_listen);
}

static struct ds_proxy_stats
stats(void)
{
	struct ds_proxy_stats st;

	ds_proxy_get_stats(T.p, &st);
	return st;
}

/* A client through to backend 0's connection bi: checks a round trip. */
static int
relayed(const char *where, unsigned bi, int *ret_bfd)
{
	int cfd = cli_connect(where, T.port);
	int bfd;

	xsend_str(cfd, "ping");
	bfd = be_conn(&T.be[0], bi);
	expect(bfd, "ping");
	xsend_str(bfd, "pong");
	expect(cfd, "pong");
	*ret_bfd = bfd;
	return cfd;
}

/* Both sides finish: the client first. */
static void
finish(int cfd, unsigned bi)
{
	int bfd = T.be[0].fds[bi];

	assert_int_equal(shutdown(cfd, SHUT_WR), 0);
	assert_int_equal(wait_end(bfd, NULL), 0);
	be_close(&T.be[0], bi);
	assert_int_equal(wait_end(cfd, NULL), 0);
	cli_close(cfd);
}

/* --- Relaying ------------------------------------------------------------- */

/* An IPv6 client, an IPv4-only backend; everything in the log checked. */
static void
test_v6_client_v4_backend(void **state)
{
	struct ds_proxy_config cfg;
	const char up[] = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";
	const char down[] = "HTTP/1.1 204 No Content\r\n\r\n";
	struct ds_endpoint cli_ep, be_peer;
	struct ds_proxy_stats st;
	const struct ds_proxy_log *lg;
	uint64_t t0 = realtime_us(), t1;
	int cfd, bfd;

	(void)state;
	NEED_IPV6_LOOPBACK();
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg_init(&cfg, "::1", DS_LISTEN_V6ONLY);
	proxy_start(&cfg);

	cfd = cli_connect("::1", T.port);
	xsend(cfd, up, sizeof(up) - 1);
	bfd = be_conn(&T.be[0], 0);
	expect(bfd, up);
	xsend(bfd, down, sizeof(down) - 1);
	expect(cfd, down);
	cli_ep = sock_ep(cfd, false);
	be_peer = T.be[0].tuples[0].src;
	st = stats();
	assert_int_equal(st.active, 1);
	assert_int_equal(st.accepted, 1);
	assert_int_equal(st.relayed, 1);
	finish(cfd, 0);
	wait_logs(1);
	t1 = realtime_us();

	lg = &T.logs[0].log;
	assert_int_equal(lg->reason, DS_PROXY_CLIENT_EOF);
	assert_string_equal(ds_proxy_close_name(lg->reason), "client-eof");
	assert_int_equal(lg->err, 0);
	assert_ep_equal(&lg->client, &cli_ep);
	assert_int_equal(lg->family, DS_FAMILY_V6);
	{
		struct ds_endpoint want = ep("::1", T.port);

		assert_ep_equal(&lg->listener, &want);
		want = ep("127.0.0.1", T.be[0].port);
		assert_ep_equal(&lg->backend, &want);
	}
	/* Our end toward the backend is what the backend saw as its peer. */
	assert_ep_equal(&lg->backend_local, &be_peer);
	assert_string_equal(T.logs[0].backend_name, "127.0.0.1");
	assert_int_equal(lg->backend_tries, 1);
	assert_int_equal(lg->bytes_in, sizeof(up) - 1);
	assert_int_equal(lg->bytes_out, sizeof(down) - 1);
	assert_false(lg->proxied);
	assert_int_equal(lg->header_version, 0);
	assert_int_equal(lg->via.addr.family, 0);
	assert_true(lg->start_us >= t0 && lg->start_us <= t1);
	assert_true(lg->duration_us > 0 && lg->duration_us <= t1 - t0);
	assert_true(lg->connect_us <= lg->duration_us);
	assert_null(T.logs[0].detail[0] ? T.logs[0].detail : NULL);

	st = stats();
	assert_int_equal(st.active, 0);
	assert_int_equal(st.relayed, 1);
	assert_int_equal(st.refused + st.failed, 0);
	assert_int_equal(st.bytes_in, sizeof(up) - 1);
	assert_int_equal(st.bytes_out, sizeof(down) - 1);
	assert_int_equal(st.clients, 0);
}

/* The backend answers and closes first: backend-eof. */
static void
test_backend_eof(void **state)
{
	struct ds_proxy_config cfg;
	int cfd, bfd;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg_init(&cfg, "127.0.0.1", DS_LISTEN_V4ONLY);
	proxy_start(&cfg);

	cfd = relayed("127.0.0.1", 0, &bfd);
	xsend_str(bfd, "bye");
	assert_int_equal(shutdown(bfd, SHUT_WR), 0);
	expect(cfd, "bye");
	assert_int_equal(wait_end(cfd, NULL), 0);
	/* Half-close: the client may still talk. */
	xsend_str(cfd, "last words");
	expect(bfd, "last words");
	cli_close(cfd);
	assert_int_equal(wait_end(bfd, NULL), 0);
	be_close(&T.be[0], 0);
	wait_logs(1);
	assert_int_equal(T.logs[0].log.reason, DS_PROXY_BACKEND_EOF);
	assert_int_equal(T.logs[0].log.bytes_in, 4 + 10);
	assert_int_equal(T.logs[0].log.bytes_out, 4 + 3);
	assert_int_equal(T.logs[0].log.family, DS_FAMILY_V4);
}

/* --- Sending the PROXY header --------------------------------------------- */

/*
 * An IPv4 client on a dual listener (bound to ::ffff:127.0.0.1, so it is
 * seen as ::ffff:127.0.0.1) is named as the IPv4 client it is: TCP4.
 */
static void
test_send_proxy_v1_mapped(void **state)
{
	struct ds_proxy_config cfg;
	struct ds_proxyproto_hdr h;
	char want[DS_PROXYPROTO_V1_STRLEN];
	struct ds_endpoint cli_ep;
	int cfd, bfd, n;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg_init(&cfg, "::ffff:127.0.0.1", DS_LISTEN_DUAL);
	cfg.send_proxy = 1;
	proxy_start(&cfg);

	cfd = cli_connect("127.0.0.1", T.port);
	xsend_str(cfd, "payload");
	bfd = be_conn(&T.be[0], 0);
	cli_ep = sock_ep(cfd, false);
	n = snprintf(want, sizeof(want),
	    "PROXY TCP4 127.0.0.1 127.0.0.1 %u %u\r\n", cli_ep.port, T.port);
	expect(bfd, want);
	assert_int_equal(ds_proxyproto_parse(want, (size_t)n, &h, NULL), 0);
	expect(bfd, "payload");
	xsend_str(bfd, "ok");
	expect(cfd, "ok");
	finish(cfd, 0);
	wait_logs(1);
	assert_int_equal(T.logs[0].log.family, DS_FAMILY_V4_MAPPED);
	assert_int_equal(T.logs[0].log.client.addr.family, AF_INET);
	assert_ep_equal(&T.logs[0].log.client, &cli_ep);
	/* Our header is not the client's bytes. */
	assert_int_equal(T.logs[0].log.bytes_in, 7);
	assert_int_equal(T.logs[0].log.reason, DS_PROXY_CLIENT_EOF);
}

/* Read a v2 header from fd and parse it. */
static void
read_v2(int fd, struct ds_proxyproto_hdr *h, uint8_t *buf)
{
	size_t len;

	assert_int_equal(
	    xrecv(fd, buf, DS_PROXYPROTO_V2_HDR_LEN), DS_PROXYPROTO_V2_HDR_LEN);
	len = (size_t)buf[14] << 8 | buf[15];
	assert_true(len <= 64);
	assert_int_equal(xrecv(fd, buf + DS_PROXYPROTO_V2_HDR_LEN, len), len);
	assert_int_equal(
	    ds_proxyproto_parse(buf, DS_PROXYPROTO_V2_HDR_LEN + len, h, NULL),
	    0);
	assert_int_equal(h->len, DS_PROXYPROTO_V2_HDR_LEN + len);
}

static void
test_send_proxy_v2(void **state)
{
	struct ds_proxy_config cfg;
	struct ds_proxyproto_hdr h;
	uint8_t buf[128];
	struct ds_endpoint cli_ep, want;
	int cfd, bfd;

	(void)state;
	NEED_IPV6_LOOPBACK();
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg_init(&cfg, "::1", DS_LISTEN_V6ONLY);
	cfg.send_proxy = 2;
	proxy_start(&cfg);

	/* IPv6: TCP6, the client and the address it connected to. */
	cfd = cli_connect("::1", T.port);
	xsend_str(cfd, "abc");
	bfd = be_conn(&T.be[0], 0);
	cli_ep = sock_ep(cfd, false);
	read_v2(bfd, &h, buf);
	assert_int_equal(h.version, 2);
	assert_false(h.local);
	assert_int_equal(h.v2_cmd, DS_PROXYPROTO_V2_PROXY);
	assert_int_equal(h.v2_fam, DS_PROXYPROTO_V2_TCP6);
	assert_ep_equal(&h.src, &cli_ep);
	want = ep("::1", T.port);
	assert_ep_equal(&h.dst, &want);
	expect(bfd, "abc");
	finish(cfd, 0);
	wait_logs(1);
	assert_int_equal(T.logs[0].log.bytes_in, 3);
}

static void
test_send_proxy_v2_mapped(void **state)
{
	struct ds_proxy_config cfg;
	struct ds_proxyproto_hdr h;
	uint8_t buf[128];
	struct ds_endpoint cli_ep, want;
	int cfd, bfd;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg_init(&cfg, "::ffff:127.0.0.1", DS_LISTEN_DUAL);
	cfg.send_proxy = 2;
	proxy_start(&cfg);

	cfd = cli_connect("127.0.0.1", T.port);
	bfd = be_conn(&T.be[0], 0);
	cli_ep = sock_ep(cfd, false);
	read_v2(bfd, &h, buf);
	assert_int_equal(h.v2_fam, DS_PROXYPROTO_V2_TCP4);
	assert_int_equal(
	    h.len, DS_PROXYPROTO_V2_HDR_LEN + DS_PROXYPROTO_V2_ADDR_INET);
	assert_int_equal(h.src.addr.family, AF_INET);
	assert_ep_equal(&h.src, &cli_ep);
	want = ep("127.0.0.1", T.port);
	assert_ep_equal(&h.dst, &want);
	finish(cfd, 0);
	wait_logs(1);
	assert_int_equal(T.logs[0].log.bytes_in, 0);
}

/* --- Accepting the PROXY header ------------------------------------------- */

static void
accept_proxy_cfg(struct ds_proxy_config *cfg, const char *trusted)
{
	cfg_init(cfg, "127.0.0.1", DS_LISTEN_V4ONLY);
	T.trusted = acl_from(trusted);
	cfg->accept_proxy = true;
	cfg->trusted = T.trusted;
}

/*
 * v1 from a trusted peer, with bytes after it in the same write: the
 * client is the header's, the bytes reach the backend, and with
 * send_proxy the backend learns the header's client and destination.
 */
static void
test_accept_proxy_v1(void **state)
{
	struct ds_proxy_config cfg;
	const char hdr[] = "PROXY TCP4 192.0.2.7 198.51.100.1 5555 80\r\n";
	const struct ds_proxy_log *lg;
	struct ds_endpoint want, own;
	int cfd, bfd;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	accept_proxy_cfg(&cfg, "allow 127.0.0.0/8\nallow ::1\n");
	cfg.send_proxy = 1;
	proxy_start(&cfg);

	cfd = cli_connect("127.0.0.1", T.port);
	xsend_str(cfd,
	    "PROXY TCP4 192.0.2.7 198.51.100.1 5555 80\r\n"
	    "left over");
	bfd = be_conn(&T.be[0], 0);
	expect(bfd, hdr);
	expect(bfd, "left over");
	xsend_str(cfd, " and more");
	expect(bfd, " and more");
	own = sock_ep(cfd, false);
	finish(cfd, 0);
	wait_logs(1);

	lg = &T.logs[0].log;
	assert_int_equal(lg->reason, DS_PROXY_CLIENT_EOF);
	want = ep("192.0.2.7", 5555);
	assert_ep_equal(&lg->client, &want);
	assert_ep_equal(&lg->via, &own);
	assert_true(lg->proxied);
	assert_int_equal(lg->header_version, 1);
	assert_int_equal(lg->family, DS_FAMILY_V4);
	want = ep("127.0.0.1", T.port);
	assert_ep_equal(&lg->listener, &want);
	/* The client's bytes after its header count; neither header does. */
	assert_int_equal(lg->bytes_in, 9 + 9);
}

/* v2 TCP6, written one byte at a time; then a LOCAL header. */
static void
test_accept_proxy_v2_split(void **state)
{
	struct ds_proxy_config cfg;
	struct ds_proxyproto_hdr h;
	uint8_t buf[DS_PROXYPROTO_V2_FORMAT_MAX];
	struct ds_endpoint want, own;
	int cfd, bfd, n;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	accept_proxy_cfg(&cfg, "allow 127.0.0.1\n");
	proxy_start(&cfg);

	memset(&h, 0, sizeof(h));
	h.src = ep("2001:db8::7", 4444);
	h.dst = ep("2001:db8::1", 443);
	n = ds_proxyproto_format_v2(&h, buf, sizeof(buf));
	assert_int_equal(
	    n, DS_PROXYPROTO_V2_HDR_LEN + DS_PROXYPROTO_V2_ADDR_INET6);

	cfd = cli_connect("127.0.0.1", T.port);
	for (int i = 0; i < n; i++) {
		xsend(cfd, buf + i, 1);
		if (i == n - 1)
			break;
		pump_for(2);
		/* Nothing goes to a backend before the header is whole. */
		assert_int_equal(T.be[0].accepts, 0);
		assert_int_equal(T.n_logs, 0);
	}
	xsend_str(cfd, "data");
	bfd = be_conn(&T.be[0], 0);
	expect(bfd, "data");
	finish(cfd, 0);
	wait_logs(1);
	want = ep("2001:db8::7", 4444);
	assert_ep_equal(&T.logs[0].log.client, &want);
	assert_int_equal(T.logs[0].log.family, DS_FAMILY_V6);
	assert_int_equal(T.logs[0].log.header_version, 2);
	assert_true(T.logs[0].log.proxied);
	assert_int_equal(T.logs[0].log.bytes_in, 4);

	/* LOCAL (a balancer's health check): the connection's own peer. */
	memset(&h, 0, sizeof(h));
	h.local = true;
	n = ds_proxyproto_format_v2(&h, buf, sizeof(buf));
	assert_int_equal(n, DS_PROXYPROTO_V2_HDR_LEN);
	cfd = cli_connect("127.0.0.1", T.port);
	xsend(cfd, buf, (size_t)n);
	xsend_str(cfd, "hc");
	bfd = be_conn(&T.be[0], 1);
	expect(bfd, "hc");
	own = sock_ep(cfd, false);
	finish(cfd, 1);
	wait_logs(2);
	assert_ep_equal(&T.logs[1].log.client, &own);
	assert_ep_equal(&T.logs[1].log.via, &own);
	assert_false(T.logs[1].log.proxied);
	assert_int_equal(T.logs[1].log.header_version, 2);
	assert_int_equal(T.logs[1].log.family, DS_FAMILY_V4);
}

static void
test_untrusted(void **state)
{
	struct ds_proxy_config cfg;
	int cfd;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	accept_proxy_cfg(&cfg, "allow 192.0.2.0/24\n");
	proxy_start(&cfg);

	cfd = cli_connect("127.0.0.1", T.port);
	xsend_str(cfd, "PROXY TCP4 192.0.2.7 198.51.100.1 5555 80\r\n");
	/* Refused with an RST. */
	assert_int_equal(wait_end(cfd, NULL), -ECONNRESET);
	cli_close(cfd);
	wait_logs(1);
	assert_int_equal(T.logs[0].log.reason, DS_PROXY_UNTRUSTED);
	assert_int_equal(T.logs[0].log.client.addr.family, AF_INET);
	assert_int_equal(ds_addr_v4(&T.logs[0].log.client.addr), 0x7f000001);
	assert_false(T.logs[0].log.proxied);
	assert_int_equal(T.logs[0].log.backend.addr.family, 0);
	assert_int_equal(T.be[0].accepts, 0);
	assert_int_equal(stats().refused, 1);
}

static void
test_bad_header(void **state)
{
	struct ds_proxy_config cfg;
	int cfd;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	accept_proxy_cfg(&cfg, "allow 127.0.0.0/8\n");
	proxy_start(&cfg);

	cfd = cli_connect("127.0.0.1", T.port);
	xsend_str(cfd, "PROXY TCP4 192.0.2.300 198.51.100.1 5555 80\r\n");
	assert_int_equal(wait_end(cfd, NULL), -ECONNRESET);
	cli_close(cfd);
	wait_logs(1);
	assert_int_equal(T.logs[0].log.reason, DS_PROXY_BAD_HEADER);
	assert_string_equal(
	    ds_proxy_close_name(T.logs[0].log.reason), "bad-header");
	assert_int_equal(T.logs[0].log.err, -EINVAL);
	print_message("# detail: %s\n", T.logs[0].detail);
	assert_true(
	    strncmp(T.logs[0].detail, "v1: malformed at byte ", 22) == 0);
	{
		/* The offset is the parser's. */
		struct ds_proxyproto_hdr h;
		size_t pos = 0;
		const char *bad =
		    "PROXY TCP4 192.0.2.300 198.51.100.1 5555 80\r\n";
		char want[64];

		assert_int_equal(
		    ds_proxyproto_parse(bad, strlen(bad), &h, &pos), -EINVAL);
		snprintf(want, sizeof(want), "v1: malformed at byte %zu", pos);
		assert_string_equal(T.logs[0].detail, want);
	}

	/* Not a header at all. */
	cfd = cli_connect("127.0.0.1", T.port);
	xsend_str(cfd, "GET / HTTP/1.0\r\n\r\n");
	assert_int_equal(wait_end(cfd, NULL), -ECONNRESET);
	cli_close(cfd);
	wait_logs(2);
	assert_int_equal(T.logs[1].log.reason, DS_PROXY_BAD_HEADER);
	assert_int_equal(T.logs[1].log.err, -EPROTO);
	assert_true(strncmp(T.logs[1].detail, "not a PROXY header", 18) == 0);
	assert_int_equal(T.be[0].accepts, 0);
}

static void
test_header_timeout(void **state)
{
	struct ds_proxy_config cfg;
	int cfd;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	accept_proxy_cfg(&cfg, "allow 127.0.0.0/8\n");
	cfg.header_timeout_us = 200000;
	proxy_start(&cfg);

	cfd = cli_connect("127.0.0.1", T.port);
	xsend_str(cfd, "PROXY TCP4 192.0.2.7");
	pump_for(100);
	assert_int_equal(T.n_logs, 0);
	assert_int_equal(wait_end(cfd, NULL), -ECONNRESET);
	cli_close(cfd);
	wait_logs(1);
	assert_int_equal(T.logs[0].log.reason, DS_PROXY_HEADER_TIMEOUT);
	assert_int_equal(T.logs[0].log.err, -ETIMEDOUT);
	assert_true(T.logs[0].log.duration_us >= 190000);
	assert_true(T.logs[0].log.duration_us < 3000000);
	assert_int_equal(T.be[0].accepts, 0);
}

/* --- ACL --------------------------------------------------------------------
 */

/*
 * Connect to the proxy from 127.0.0.1 and send 'text': the ACL refuses
 * the client, which is reset, logged with DS_PROXY_ACL and never reaches
 * the backend. Returns the log line.
 */
static const struct ds_proxy_log *
acl_refused(const char *text)
{
	int cfd = cli_connect("127.0.0.1", T.port);

	xsend_str(cfd, text);
	assert_int_equal(wait_end(cfd, NULL), -ECONNRESET);
	cli_close(cfd);
	wait_logs(1);
	assert_int_equal(T.logs[0].log.reason, DS_PROXY_ACL);
	assert_int_equal(T.be[0].accepts, 0);
	return &T.logs[0].log;
}

/*
 * "deny 127.0.0.0/8" holds against 127.0.0.1 arriving as
 * ::ffff:127.0.0.1 on a dual listener bound to ::, while ::1 passes.
 */
static void
test_acl_mapped(void **state)
{
	struct ds_proxy_config cfg;
	const struct ds_proxy_log *lg;
	int cfd, bfd;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg_init(&cfg, "::", DS_LISTEN_DUAL);
	T.acl = acl_from("deny 127.0.0.0/8\n");
	cfg.acl = T.acl;
	proxy_start(&cfg);

	lg = acl_refused("x");
	assert_int_equal(lg->family, DS_FAMILY_V4_MAPPED);
	assert_int_equal(lg->client.addr.family, AF_INET);

	if (have_ipv6_loopback()) {
		cfd = relayed("::1", 0, &bfd);
		finish(cfd, 0);
		wait_logs(2);
		assert_int_equal(T.logs[1].log.reason, DS_PROXY_CLIENT_EOF);
	}
}

/*
 * A PROXY header naming an IPv4 client in IPv6 clothing (TCP6,
 * ::ffff:192.0.2.7): the client is the IPv4 one, for the ACL and the log,
 * as a dual listener's mapped peer is.
 */
static void
test_acl_mapped_header(void **state)
{
	struct ds_proxy_config cfg;
	const struct ds_proxy_log *lg;
	struct ds_endpoint want;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	accept_proxy_cfg(&cfg, "allow 127.0.0.0/8\n");
	T.acl = acl_from("deny 192.0.2.0/24\n");
	cfg.acl = T.acl;
	proxy_start(&cfg);

	lg =
	    acl_refused("PROXY TCP6 ::ffff:192.0.2.7 2001:db8::1 5555 80\r\nx");
	assert_true(lg->proxied);
	want = ep("192.0.2.7", 5555);
	assert_ep_equal(&lg->client, &want);
	assert_int_equal(lg->family, DS_FAMILY_V4);
}

/* A new ACL refuses new connections; one already relaying keeps going. */
static void
test_set_acl(void **state)
{
	struct ds_proxy_config cfg;
	int a, b, bfd;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg_init(&cfg, "127.0.0.1", DS_LISTEN_V4ONLY);
	T.acl = acl_from("allow 127.0.0.0/8\n");
	cfg.acl = T.acl;
	proxy_start(&cfg);

	a = relayed("127.0.0.1", 0, &bfd);
	T.acl2 = acl_from("deny 127.0.0.1\n");
	ds_proxy_set_acl(T.p, T.acl2);
	T.acl = ds_acl_free(T.acl); /* the caller frees the old one */

	b = cli_connect("127.0.0.1", T.port);
	assert_int_equal(wait_end(b, NULL), -ECONNRESET);
	cli_close(b);
	wait_logs(1);
	assert_int_equal(T.logs[0].log.reason, DS_PROXY_ACL);

	xsend_str(a, "still here");
	expect(bfd, "still here");
	xsend_str(bfd, "me too");
	expect(a, "me too");
	finish(a, 0);
	wait_logs(2);
	assert_int_equal(T.logs[1].log.reason, DS_PROXY_CLIENT_EOF);
	assert_int_equal(T.be[0].accepts, 1);
}

/* --- Limits --------------------------------------------------------------- */

/* Two connections from ::1 (one /64) count together. */
static void
test_limit_per_client(void **state)
{
	struct ds_proxy_config cfg;
	int a, b, c, d, bfd;

	(void)state;
	NEED_IPV6_LOOPBACK();
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg_init(&cfg, "::1", DS_LISTEN_V6ONLY);
	cfg.max_conns_per_client = 2;
	proxy_start(&cfg);

	a = relayed("::1", 0, &bfd);
	b = relayed("::1", 1, &bfd);
	assert_int_equal(stats().clients, 1);
	c = cli_connect("::1", T.port);
	assert_int_equal(wait_end(c, NULL), -ECONNRESET);
	cli_close(c);
	wait_logs(1);
	assert_int_equal(T.logs[0].log.reason, DS_PROXY_LIMIT);
	assert_string_equal(ds_proxy_close_name(DS_PROXY_LIMIT), "limit");
	assert_int_equal(T.be[0].accepts, 2);

	/* One ends: room for another. */
	finish(a, 0);
	wait_logs(2);
	d = relayed("::1", 2, &bfd);
	finish(b, 1);
	finish(d, 2);
	wait_logs(4);
	/* No rate: the group goes with its last connection. */
	assert_int_equal(stats().clients, 0);
	assert_int_equal(stats().refused, 1);
}

/*
 * Client groups are prefixes: with client_prefix4 24, 127.0.0.1 and
 * 127.0.0.2 are one client; 127.0.1.1 is another.
 */
static void
test_client_prefix(void **state)
{
	struct ds_proxy_config cfg;
	int a, b, c, bfd;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg_init(&cfg, "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg.max_conns_per_client = 1;
	cfg.client_prefix4 = 24;
	proxy_start(&cfg);

	a = cli_connect_from("127.0.0.1", "127.0.0.1", T.port);
	xsend_str(a, "a");
	bfd = be_conn(&T.be[0], 0);
	expect(bfd, "a");
	b = cli_connect_from("127.0.0.2", "127.0.0.1", T.port);
	assert_int_equal(wait_end(b, NULL), -ECONNRESET);
	cli_close(b);
	wait_logs(1);
	assert_int_equal(T.logs[0].log.reason, DS_PROXY_LIMIT);
	assert_int_equal(ds_addr_v4(&T.logs[0].log.client.addr), 0x7f000002);
	c = cli_connect_from("127.0.1.1", "127.0.0.1", T.port);
	xsend_str(c, "c");
	bfd = be_conn(&T.be[0], 1);
	expect(bfd, "c");
	assert_int_equal(stats().clients, 2);
	finish(a, 0);
	finish(c, 1);
	wait_logs(3);
	assert_int_equal(stats().clients, 0);
}

static void
test_rate(void **state)
{
	struct ds_proxy_config cfg;
	int a, b, c, bfd;
	unsigned zero = 0;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg_init(&cfg, "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg.rate = 1;
	cfg.burst = 2;
	proxy_start(&cfg);

	a = relayed("127.0.0.1", 0, &bfd);
	b = relayed("127.0.0.1", 1, &bfd);
	c = cli_connect("127.0.0.1", T.port);
	assert_int_equal(wait_end(c, NULL), -ECONNRESET);
	cli_close(c);
	wait_logs(1);
	assert_int_equal(T.logs[0].log.reason, DS_PROXY_RATE);
	finish(a, 0);
	finish(b, 1);
	wait_logs(3);
	/* The bucket is not full yet: the group is kept... */
	assert_int_equal(stats().clients, 1);
	/* ...until it is (2 s at 1 a second) and the sweep comes by. */
	{
		uint64_t end = ds_time_now_us() + 6000000u;

		while (stats().clients && ds_time_now_us() < end)
			pump_for(50);
	}
	assert_int_equal(stats().clients, zero);
}

/* max_conns: the third client waits in the backlog until one ends. */
static void
test_max_conns(void **state)
{
	struct ds_proxy_config cfg;
	int a, b, c, bfd;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg_init(&cfg, "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg.max_conns = 2;
	proxy_start(&cfg);

	a = relayed("127.0.0.1", 0, &bfd);
	b = relayed("127.0.0.1", 1, &bfd);
	c = cli_connect("127.0.0.1", T.port);
	xsend_str(c, "waiting");
	expect_quiet(c, 300);
	assert_int_equal(T.be[0].accepts, 2);
	assert_int_equal(stats().accepted, 2);
	assert_int_equal(T.n_logs, 0);

	finish(a, 0);
	bfd = be_conn(&T.be[0], 2);
	expect(bfd, "waiting");
	finish(b, 1);
	finish(c, 2);
	wait_logs(3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(T.logs[i].log.reason, DS_PROXY_CLIENT_EOF);
}

/*
 * hard_max_conns: the third client is reset at once, not left in the
 * backlog; one "busy" event for the two refused, one "busy-over" when a
 * connection ends (2 - max(2/8, 1) = 1 open), and room again after it.
 */
static void
test_hard_max_conns(void **state)
{
	struct ds_proxy_config cfg;
	int a, b, c, d, e, bfd;
	const struct ds_proxy_log *lg;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg_init(&cfg, "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg.hard_max_conns = 2;
	proxy_start(&cfg);

	a = relayed("127.0.0.1", 0, &bfd);
	b = relayed("127.0.0.1", 1, &bfd);
	assert_int_equal(events_with("busy"), 0);
	c = cli_connect("127.0.0.1", T.port);
	xsend_str(c, "waiting");
	assert_int_equal(wait_end(c, NULL), -ECONNRESET);
	cli_close(c);
	wait_logs(1);
	lg = &T.logs[0].log;
	assert_int_equal(lg->reason, DS_PROXY_BUSY);
	assert_string_equal(ds_proxy_close_name(DS_PROXY_BUSY), "busy");
	assert_int_equal(ds_addr_v4(&lg->client.addr), 0x7f000001);
	assert_int_equal(lg->listener.port, T.port);
	assert_int_equal(lg->backend.addr.family, 0);
	d = cli_connect("127.0.0.1", T.port);
	assert_int_equal(wait_end(d, NULL), -ECONNRESET);
	cli_close(d);
	wait_logs(2);
	assert_int_equal(T.logs[1].log.reason, DS_PROXY_BUSY);
	assert_int_equal(T.be[0].accepts, 2);
	assert_int_equal(events_with("busy "), 1);
	assert_int_equal(events_with("busy 2 connections open"), 1);
	assert_int_equal(events_with("busy-over"), 0);
	assert_int_equal(stats().refused, 2);
	assert_int_equal(stats().accepted, 4);

	finish(a, 0);
	wait_logs(3);
	assert_int_equal(events_with("busy-over"), 1);
	assert_int_equal(events_with("busy-over 1 connections open: accepting "
	                             "again (2 clients reset)"),
	    1);
	e = relayed("127.0.0.1", 2, &bfd);
	finish(b, 1);
	finish(e, 2);
	wait_logs(5);
	assert_int_equal(events_with("busy "), 1);
	assert_int_equal(stats().refused, 2);
	assert_int_equal(stats().relayed, 3);
}

/*
 * ds_proxy_fd_budget(): the numbers of the documentation, the share of
 * each worker, and for many limits that connections and pipes together
 * never take more than what is left.
 */
static void
test_fd_budget(void **state)
{
	struct ds_proxy_fd_budget b;

	(void)state;
	/* 1024 - 20 - 16 = 988: 395 connections, 98 pipes. */
	assert_int_equal(ds_proxy_fd_budget(1024, 20, 1, &b), 0);
	assert_int_equal(b.conns, 395);
	assert_int_equal(b.pipes, 98);
	assert_int_equal(ds_proxy_fd_budget(1024, 20, 2, &b), 0);
	assert_int_equal(b.conns, 197);
	assert_int_equal(b.pipes, 49);
	/* Room for three connections and no pipe. */
	assert_int_equal(ds_proxy_fd_budget(64, 40, 1, &b), 0);
	assert_int_equal(b.conns, 3);
	assert_int_equal(b.pipes, 0);
	/* None. */
	assert_int_equal(ds_proxy_fd_budget(50, 40, 1, &b), -EMFILE);
	assert_int_equal(b.conns, 0);
	assert_int_equal(ds_proxy_fd_budget(40, 50, 1, &b), -EMFILE);
	assert_int_equal(ds_proxy_fd_budget(64, 40, 4, &b), -EMFILE);
	assert_int_equal(ds_proxy_fd_budget(1024, 20, 0, &b), -EINVAL);
	/* No limit at all: as much as the fields hold. */
	assert_int_equal(ds_proxy_fd_budget(UINT64_MAX, 20, 1, &b), 0);
	assert_int_equal(b.conns, UINT32_MAX);
	assert_true(b.pipes >= UINT32_MAX / 4 - 1);
	for (uint64_t limit = 17; limit < 70000; limit = limit * 3 / 2 + 1) {
		for (unsigned n = 1; n <= 64; n *= 4) {
			uint64_t in_use = 3 + n * 4, used;
			int r = ds_proxy_fd_budget(limit, in_use, n, &b);

			used = in_use + DS_PROXY_FD_SPARE +
			    2u * n * ((uint64_t)b.conns + b.pipes);
			assert_true(r == 0 || r == -EMFILE);
			assert_true(r < 0 || used <= limit);
			assert_true(r == 0 || b.conns == 0);
			/* Not much left over either. */
			if (r == 0)
				assert_true(limit - used <= 16u * n + 8u);
		}
	}
}

/* --- Backends ------------------------------------------------------------- */

/*
 * The first backend refuses: marked failed, the second takes the same
 * client (two tries), and the next clients go straight to the second
 * while the hold lasts.
 */
static void
test_backend_failover(void **state)
{
	struct ds_proxy_config cfg;
	uint16_t closed;
	int cfd, bfd;
	struct ds_endpoint want;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	*extra_slot() = tcp4_socket(&closed, -1);
	cfg_init(&cfg, "127.0.0.1", DS_LISTEN_V4ONLY);
	bks[0].port = closed;
	bks[1].host = "127.0.0.1";
	bks[1].port = T.be[0].port;
	cfg.n_backends = 2;
	cfg.fail_hold_us = 60000000;
	proxy_start(&cfg);

	cfd = relayed("127.0.0.1", 0, &bfd);
	finish(cfd, 0);
	wait_logs(1);
	assert_int_equal(T.logs[0].log.reason, DS_PROXY_CLIENT_EOF);
	assert_int_equal(T.logs[0].log.backend_tries, 2);
	want = ep("127.0.0.1", T.be[0].port);
	assert_ep_equal(&T.logs[0].log.backend, &want);
	assert_int_equal(events_with("backend-down"), 1);
	assert_int_equal(events_with("connection refused"), 1);

	for (unsigned i = 1; i < 4; i++) {
		cfd = relayed("127.0.0.1", i, &bfd);
		finish(cfd, i);
		wait_logs(i + 1);
		assert_int_equal(T.logs[i].log.backend_tries, 1);
		assert_ep_equal(&T.logs[i].log.backend, &want);
	}
	assert_int_equal(events_with("backend-down"), 1);
}

/* Every backend refuses: backend-unreachable, each tried once; and
 * again for the next client, though all are marked. */
static void
test_all_unreachable(void **state)
{
	struct ds_proxy_config cfg;
	uint16_t c1, c2;
	int cfd;
	char want[128];

	(void)state;
	*extra_slot() = tcp4_socket(&c1, -1);
	*extra_slot() = tcp4_socket(&c2, -1);
	cfg_init(&cfg, "127.0.0.1", DS_LISTEN_V4ONLY);
	bks[0].port = c1;
	bks[1].host = "127.0.0.1";
	bks[1].port = c2;
	cfg.n_backends = 2;
	cfg.fail_hold_us = 60000000;
	proxy_start(&cfg);

	for (unsigned i = 0; i < 2; i++) {
		cfd = cli_connect("127.0.0.1", T.port);
		assert_int_equal(wait_end(cfd, NULL), -ECONNRESET);
		cli_close(cfd);
		wait_logs(i + 1);
		assert_int_equal(T.logs[i].log.reason, DS_PROXY_UNREACHABLE);
		assert_string_equal(ds_proxy_close_name(T.logs[i].log.reason),
		    "backend-unreachable");
		assert_int_equal(T.logs[i].log.err, -ECONNREFUSED);
		assert_int_equal(T.logs[i].log.backend_tries, 2);
		assert_int_equal(T.logs[i].log.backend.addr.family, 0);
		assert_non_null(strstr(T.logs[i].detail, "connection refused"));
		print_message("# detail: %s\n", T.logs[i].detail);
	}
	/* The second time, both marked: the oldest failure first. */
	snprintf(want, sizeof(want),
	    "127.0.0.1:%u: connection refused; 127.0.0.1:%u: connection "
	    "refused",
	    c1, c2);
	assert_string_equal(T.logs[1].detail, want);
	assert_int_equal(events_with("backend-down"), 2);
	assert_int_equal(stats().failed, 2);

	/* The first comes back: tried first, as the oldest failure, and
	 * reported up. */
	{
		int lfd = -1, bfd;
		struct pollfd pfd;

		for (size_t i = 0; i < 16; i++)
			if (T.extra[i] >= 0 &&
			    sock_ep(T.extra[i], false).port == c1)
				lfd = T.extra[i];
		assert_true(lfd >= 0);
		assert_int_equal(listen(lfd, 8), 0);
		cfd = cli_connect("127.0.0.1", T.port);
		pfd.fd = lfd;
		pfd.events = POLLIN;
		for (int i = 0; i < 200 && poll(&pfd, 1, 0) == 0; i++)
			assert_true(ds_loop_run_once(T.loop, 10000) >= 0);
		bfd = accept(lfd, NULL, NULL);
		assert_true(bfd >= 0);
		close(bfd);
		assert_int_equal(wait_end(cfd, NULL), 0);
		cli_close(cfd);
		wait_logs(3);
		assert_int_equal(T.logs[2].log.reason, DS_PROXY_BACKEND_EOF);
		assert_int_equal(T.logs[2].log.backend_tries, 1);
		assert_int_equal(T.logs[2].log.backend.port, c1);
		assert_int_equal(events_with("backend-up"), 1);
	}
}

/* A backend that never answers: the connect timeout. */
static void
test_connect_timeout(void **state)
{
	struct ds_proxy_config cfg;
	uint16_t silent;
	int cfd;

	(void)state;
	if (!silent_listener(&silent)) {
		print_message("# skip: the accept queue would not fill\n");
		skip();
	}
	cfg_init(&cfg, "127.0.0.1", DS_LISTEN_V4ONLY);
	bks[0].port = silent;
	cfg.connect_timeout_us = 300000;
	proxy_start(&cfg);

	cfd = cli_connect("127.0.0.1", T.port);
	pump_for(150);
	assert_int_equal(T.n_logs, 0);
	assert_int_equal(wait_end(cfd, NULL), -ECONNRESET);
	cli_close(cfd);
	wait_logs(1);
	assert_int_equal(T.logs[0].log.reason, DS_PROXY_UNREACHABLE);
	assert_int_equal(T.logs[0].log.err, -ETIMEDOUT);
	assert_int_equal(T.logs[0].log.backend_tries, 1);
	assert_true(T.logs[0].log.duration_us >= 290000);
	assert_true(T.logs[0].log.duration_us < 3000000);
	assert_int_equal(events_with("backend-down"), 1);
}

/* A backend by name: resolved once, raced with Happy Eyeballs. */
static void
test_named_backend(void **state)
{
	struct ds_proxy_config cfg;
	int cfd, bfd;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg_init(&cfg, "127.0.0.1", DS_LISTEN_V4ONLY);
	bks[0].host = "localhost";
	proxy_start(&cfg);

	for (unsigned i = 0; i < 2; i++) {
		cfd = relayed("127.0.0.1", i, &bfd);
		finish(cfd, i);
		wait_logs(i + 1);
		assert_int_equal(T.logs[i].log.reason, DS_PROXY_CLIENT_EOF);
		assert_string_equal(T.logs[i].backend_name, "localhost");
		assert_int_equal(T.logs[i].log.backend.port, T.be[0].port);
		assert_int_equal(
		    ds_addr_v4(&T.logs[i].log.backend.addr), 0x7f000001);
	}
	/* Resolved once, then the answer in hand was used (a slow run may
	 * refresh it: hosts answers live 1 s). */
	assert_true(events_with("resolved") >= 1);
}

/* --- Timeouts, drain, free ------------------------------------------------ */

static void
test_idle_timeout(void **state)
{
	struct ds_proxy_config cfg;
	struct ds_relay_opts ro;
	int cfd, bfd;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg_init(&cfg, "127.0.0.1", DS_LISTEN_V4ONLY);
	memset(&ro, 0, sizeof(ro));
	ro.idle_timeout_us = 200000;
	cfg.relay = &ro;
	proxy_start(&cfg);

	cfd = relayed("127.0.0.1", 0, &bfd);
	assert_true(wait_end(cfd, NULL) <= 0);
	wait_logs(1);
	assert_int_equal(T.logs[0].log.reason, DS_PROXY_IDLE_TIMEOUT);
	assert_int_equal(T.logs[0].log.bytes_in, 4);
	assert_int_equal(T.logs[0].log.bytes_out, 4);
	assert_true(wait_end(bfd, NULL) <= 0);
	be_close(&T.be[0], 0);
	cli_close(cfd);
}

/* A drain that the last connection finishes before the deadline. */
static void
test_drain_done(void **state)
{
	struct ds_proxy_config cfg;
	int cfd, bfd, late;
	uint16_t port;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg_init(&cfg, "127.0.0.1", DS_LISTEN_V4ONLY);
	proxy_start(&cfg);
	port = T.port;

	cfd = relayed("127.0.0.1", 0, &bfd);
	ds_proxy_drain(T.p, 10000000, on_drained);
	/* The listener is gone at once. */
	assert_int_equal(ds_proxy_endpoints(T.p, 0, NULL, 0), 0);
	late = cli_connect("127.0.0.1", port);
	assert_int_equal(wait_end(late, NULL), -ECONNREFUSED);
	cli_close(late);

	xsend_str(cfd, "during drain");
	expect(bfd, "during drain");
	pump_for(50);
	assert_int_equal(T.drained, 0);
	finish(cfd, 0);
	wait_logs(1);
	assert_int_equal(T.logs[0].log.reason, DS_PROXY_CLIENT_EOF);
	assert_true(pump_until_n(&T.drained, 1, 1000));
	pump_for(50);
	assert_int_equal(T.drained, 1);
}

/* The deadline comes first: shutdown; called again, it comes sooner. */
static void
test_drain_deadline(void **state)
{
	struct ds_proxy_config cfg;
	int cfd, bfd;
	uint64_t t0;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg_init(&cfg, "127.0.0.1", DS_LISTEN_V4ONLY);
	proxy_start(&cfg);

	cfd = relayed("127.0.0.1", 0, &bfd);
	t0 = ds_time_now_us();
	ds_proxy_drain(T.p, 60000000, on_drained);
	pump_for(50);
	ds_proxy_drain(T.p, 200000, NULL);
	wait_logs(1);
	assert_true(ds_time_now_us() - t0 >= 240000);
	assert_true(ds_time_now_us() - t0 < 3000000);
	assert_int_equal(T.logs[0].log.reason, DS_PROXY_SHUTDOWN);
	assert_string_equal(ds_proxy_close_name(DS_PROXY_SHUTDOWN), "shutdown");
	assert_int_equal(T.logs[0].log.bytes_in, 4);
	assert_true(pump_until_n(&T.drained, 1, 1000));
	/* Both ends see the end. */
	assert_true(wait_end(cfd, NULL) <= 0);
	assert_true(wait_end(bfd, NULL) <= 0);
	cli_close(cfd);
	be_close(&T.be[0], 0);
	/* Again: nothing more happens. */
	ds_proxy_drain(T.p, 0, NULL);
	pump_for(50);
	assert_int_equal(T.drained, 1);
}

/* Free with a relaying connection and one still owing its header. */
static void
test_free_live(void **state)
{
	struct ds_proxy_config cfg;
	int a, b, bfd;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	accept_proxy_cfg(&cfg, "allow 127.0.0.0/8\n");
	proxy_start(&cfg);

	a = cli_connect("127.0.0.1", T.port);
	xsend_str(a, "PROXY UNKNOWN\r\nping");
	bfd = be_conn(&T.be[0], 0);
	expect(bfd, "ping");
	b = cli_connect("127.0.0.1", T.port);
	xsend_str(b, "PROXY TCP4 ");
	{
		uint64_t end = ds_time_now_us() + 2000000u;

		while (stats().accepted < 2 && ds_time_now_us() < end)
			pump_for(10);
	}
	assert_int_equal(stats().active, 2);
	T.p = ds_proxy_free(T.p);
	assert_int_equal(T.n_logs, 2);
	assert_int_equal(T.logs[0].log.reason, DS_PROXY_SHUTDOWN);
	assert_int_equal(T.logs[1].log.reason, DS_PROXY_SHUTDOWN);
	/* The relayed one counted its bytes. */
	assert_int_equal(T.logs[0].log.bytes_in, 4);
	assert_int_equal(T.logs[0].log.header_version, 1);
	assert_true(wait_end(a, NULL) <= 0);
	assert_true(wait_end(b, NULL) <= 0);
	cli_close(a);
	cli_close(b);
}

/* --- Never an open relay -------------------------------------------------- */

static void
test_never_open_relay(void **state)
{
	struct ds_proxy_config cfg;
	const char *reqs[] = {
	    "GET http://192.0.2.1/ HTTP/1.0\r\n\r\n",
	    "CONNECT 192.0.2.1:80 HTTP/1.1\r\n\r\n",
	};
	struct ds_endpoint want;

	(void)state;
	be_start(&T.be[0], "127.0.0.1", DS_LISTEN_V4ONLY);
	cfg_init(&cfg, "127.0.0.1", DS_LISTEN_V4ONLY);
	proxy_start(&cfg);
	want = ep("127.0.0.1", T.be[0].port);

	for (unsigned i = 0; i < 2; i++) {
		int cfd = cli_connect("127.0.0.1", T.port);
		int bfd;

		xsend_str(cfd, reqs[i]);
		bfd = be_conn(&T.be[0], i);
		expect(bfd, reqs[i]);
		expect_quiet(cfd, 50);
		finish(cfd, i);
		wait_logs(i + 1);
		assert_ep_equal(&T.logs[i].log.backend, &want);
		assert_int_equal(T.logs[i].log.backend_tries, 1);
		assert_int_equal(T.logs[i].log.bytes_in, strlen(reqs[i]));
	}
	/* One backend connection per client, and only to the backend. */
	assert_int_equal(T.be[0].accepts, 2);
	assert_int_equal(stats().relayed, 2);
}

/* --- Configuration -------------------------------------------------------- */

static void
test_config(void **state)
{
	struct ds_proxy_config cfg;
	struct ds_proxy *p = NULL;

	(void)state;
	T.be[0].port = 9; /* only a number here: nothing connects */
#define BAD(stmt)                                                              \
	do {                                                                   \
		cfg_init(&cfg, "127.0.0.1", DS_LISTEN_V4ONLY);                 \
		stmt;                                                          \
		assert_int_equal(                                              \
		    ds_proxy_new(T.loop, &cfg, on_log, NULL, NULL, NULL, &p),  \
		    -EINVAL);                                                  \
		assert_null(p);                                                \
	} while (0)
	BAD(cfg.n_backends = 0);
	BAD(cfg.n_listen = 0);
	BAD(bks[0].port = 0);
	BAD(bks[0].host = "");
	BAD(cfg.send_proxy = 3);
	BAD(cfg.send_proxy = -1);
	BAD(cfg.accept_proxy = true);
	BAD(cfg.client_prefix6 = 129);
	BAD(cfg.client_prefix4 = 33);
	BAD(cfg.rate = -1);
	BAD(cfg.rate = NAN);
#undef BAD
	assert_string_equal(ds_proxy_close_name(DS_PROXY_ERROR), "error");
	assert_null(ds_proxy_close_name(0));
	assert_null(ds_proxy_free(NULL));

	/* A listener that cannot be opened: its error and index. */
	{
		struct ds_listen_report rep[2];
		struct ds_proxy_report report = {.listen = rep, .failed = 99};

		cfg_init(&cfg, "127.0.0.1", DS_LISTEN_V4ONLY);
		lcs[1].where.addr = addr("::1");
		lcs[1].mode = DS_LISTEN_V4ONLY; /* does not fit */
		cfg.n_listen = 2;
		assert_true(ds_proxy_new(T.loop, &cfg, on_log, NULL, NULL,
		                &report, &p) < 0);
		assert_int_equal(report.failed, 1);
		assert_int_equal(rep[0].v4.err, 0);
		assert_int_equal(rep[1].v6.err, -EINVAL);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_v6_client_v4_backend, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backend_eof, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_send_proxy_v1_mapped, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_send_proxy_v2, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_send_proxy_v2_mapped, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_accept_proxy_v1, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_accept_proxy_v2_split, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_untrusted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_header, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_header_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_acl_mapped_header, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_acl_mapped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_set_acl, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_limit_per_client, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_client_prefix, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_max_conns, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_hard_max_conns, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fd_budget, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_backend_failover, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_all_unreachable, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_connect_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_named_backend, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_idle_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_drain_done, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_drain_deadline, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_free_live, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_never_open_relay, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config, setup, teardown),
	};

	/* splice(2) into a socket whose peer is gone raises SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
