/* SPDX-License-Identifier: MIT */
/*
 * ds_resolve against tests/net/lib/dnsd.py on 127.0.0.1 and ::1 (an
 * unprivileged high port): answers and TTLs, the order of the two
 * callbacks, a held-back AAAA, NXDOMAIN against NODATA, a server that
 * never answers, a port where nothing listens, numeric names, family
 * filters, search domains ($LOCALDOMAIN), a hosts file ($CARES_HOSTS),
 * and freeing the handle from its own callback. Then the race of
 * servers: a silent first server given up for the second, a refusing one
 * passed over at once, every server silent, the history putting the live
 * server first; AAAA and A from separate sockets against a responder that
 * drops a second query from one socket; a lost query sent again; and
 * resolv.conf's options (a private file) and $RES_OPTIONS followed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dualstack/error.h"
#include "dualstack/loop.h"
#include "dualstack/resolve.h"
#include "resolve-int.h"

/* --- The test DNS server ---------------------------------------------------
 */

struct dnsd {
	pid_t pid;
	uint16_t port;
	char servers[64];  /* "127.0.0.1:PORT" */
	char servers6[64]; /* "[::1]:PORT" */
	char pidfile[64];
};

static char dnsd_path[PATH_MAX];

static bool
readable(const char *p)
{
	return access(p, R_OK) == 0;
}

/* Where dnsd.py is: $DS_TOP, else next to this source file. */
static bool
find_dnsd(void)
{
	const char *top = getenv("DS_TOP");
	char dir[PATH_MAX], exe[PATH_MAX];
	const char *slash;
	ssize_t n;

	if (top) {
		if (snprintf(dnsd_path, sizeof(dnsd_path),
		        "%s/tests/net/lib/dnsd.py",
		        top) < (int)sizeof(dnsd_path) &&
		    readable(dnsd_path))
			return true;
	}
	slash = strrchr(__FILE__, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - __FILE__) : 1,
	    slash ? __FILE__ : ".");
	if (snprintf(dnsd_path, sizeof(dnsd_path), "%s/lib/dnsd.py", dir) >=
	    (int)sizeof(dnsd_path))
		return false;
	if (dir[0] == '/' || readable(dnsd_path))
		return readable(dnsd_path);
	/* A relative __FILE__ is relative to the build directory, the
	 * parent of this program's directory. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	for (int k = 0; k < 2; k++) {
		char *s = strrchr(exe, '/');

		if (s)
			*s = '\0';
	}
	if (snprintf(dnsd_path, sizeof(dnsd_path), "%s/%s/lib/dnsd.py", exe,
	        dir) >= (int)sizeof(dnsd_path))
		return false;
	return readable(dnsd_path);
}

static uint16_t
free_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint16_t port;

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* A UDP socket on 127.0.0.1 that nobody reads: queries vanish, without
 * an ICMP error. Its port into *ret_port; the caller closes the fd. */
static int
sink(uint16_t *ret_port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*ret_port = ntohs(sin.sin_port);
	return fd;
}

/* Start dnsd.py with the given extra arguments (NULL-terminated). */
static bool
dnsd_start(struct dnsd *d, const char *const *extra)
{
	for (int attempt = 0; attempt < 5; attempt++) {
		const char *argv[64];
		char port[8];
		size_t n = 0;
		pid_t pid;

		d->port = free_port();
		snprintf(port, sizeof(port), "%u", d->port);
		snprintf(d->pidfile, sizeof(d->pidfile),
		    "/tmp/test-resolve-dnsd.%d.%u", (int)getpid(), d->port);
		unlink(d->pidfile);
		argv[n++] = "/usr/bin/python3";
		argv[n++] = dnsd_path;
		argv[n++] = "--listen";
		argv[n++] = "127.0.0.1";
		argv[n++] = "--listen";
		argv[n++] = "::1";
		argv[n++] = "--port";
		argv[n++] = port;
		argv[n++] = "--pidfile";
		argv[n++] = d->pidfile;
		for (size_t i = 0; extra[i] && n < 62; i++)
			argv[n++] = extra[i];
		argv[n] = NULL;
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			execv(argv[0], (char *const *)argv);
			_exit(127);
		}
		/* The pidfile appears once every socket is bound. */
		for (int i = 0; i < 500; i++) {
			int st;

			if (readable(d->pidfile)) {
				d->pid = pid;
				snprintf(d->servers, sizeof(d->servers),
				    "127.0.0.1:%u", d->port);
				snprintf(d->servers6, sizeof(d->servers6),
				    "[::1]:%u", d->port);
				return true;
			}
			if (waitpid(pid, &st, WNOHANG) == pid)
				break; /* the port was taken: try another */
			usleep(10000);
		}
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return false;
}

static void
dnsd_stop(struct dnsd *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		waitpid(d->pid, NULL, 0);
		unlink(d->pidfile);
	}
	d->pid = 0;
}

static struct dnsd fast, slow;

#define RECORDS                                                                \
	"--record", "www.example.test AAAA 2001:db8::2 30", "--record",        \
	    "www.example.test AAAA 2001:db8::3 31", "--record",                \
	    "www.example.test A 198.51.100.2 40", "--record",                  \
	    "v4only.example.test A 198.51.100.4 50"

static int
group_setup(void **state)
{
	static const char *const fast_args[] = {RECORDS, NULL};
	static const char *const slow_args[] = {
	    RECORDS, "--delay", "AAAA=300", NULL};

	(void)state;
	/* Search domains and options must come from the tests alone. */
	unsetenv("LOCALDOMAIN");
	unsetenv("RES_OPTIONS");
	unsetenv("CARES_HOSTS");
	if (!find_dnsd() || !readable("/usr/bin/python3")) {
		fprintf(stderr, "# skip: dnsd.py or python3 not found\n");
		return 0;
	}
	if (!dnsd_start(&fast, fast_args) || !dnsd_start(&slow, slow_args))
		fprintf(stderr, "# could not start dnsd.py\n");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	dnsd_stop(&fast);
	dnsd_stop(&slow);
	return 0;
}

#define NEED_DNSD(d)                                                           \
	do {                                                                   \
		if ((d).pid <= 0)                                              \
			skip();                                                \
	} while (0)

/* --- Running a lookup ------------------------------------------------------
 */

struct run {
	struct ds_loop *loop;
	struct ds_resolve *r;
	unsigned calls;
	enum ds_resolve_type order[4];
	struct ds_resolve_query seen[4];
	uint64_t new_returned_us; /* how long ds_resolve_new() took */
	bool free_in_cb;
	bool in_new;
};

static void
on_done(struct ds_resolve *r, enum ds_resolve_type type,
    const struct ds_resolve_query *q, void *userdata)
{
	struct run *t = userdata;

	assert_false(t->in_new);
	assert_ptr_equal(r, t->r);
	assert_ptr_equal(q, ds_resolve_get(r, type));
	assert_true(q->done);
	assert_true(q->asked);
	assert_true(q->end_us >= q->start_us);
	if (t->calls < 4) {
		t->order[t->calls] = type;
		t->seen[t->calls] = *q;
	}
	t->calls++;
	if (t->free_in_cb) {
		t->r = ds_resolve_free(r);
		return;
	}
	if (ds_resolve_is_done(r))
		ds_loop_stop(t->loop, 0);
}

static void
on_guard(struct ds_timer *tm, void *userdata)
{
	struct run *t = userdata;

	(void)tm;
	ds_loop_stop(t->loop, 1);
}

/* Start a lookup of name and run the loop until it is done (or 5 s). */
static int
run_lookup(struct run *t, const char *name, const struct ds_resolve_opts *o)
{
	struct ds_timer *guard;
	int err, rc;

	memset(t, 0, sizeof(*t));
	assert_int_equal(ds_loop_new(&t->loop), 0);
	t->in_new = true;
	err = ds_resolve_new(t->loop, name, o, on_done, t, &t->r);
	t->in_new = false;
	if (err < 0) {
		ds_loop_free(t->loop);
		t->loop = NULL;
		return err;
	}
	/* No callback from inside ds_resolve_new(), even for numbers. */
	assert_int_equal(t->calls, 0);
	assert_int_equal(ds_timer_new(t->loop, on_guard, t, &guard), 0);
	ds_timer_start_in(guard, 5000000);
	rc = ds_loop_run(t->loop);
	ds_timer_free(guard);
	assert_true(rc == 0 || rc == 1);
	return rc == 1 ? -ETIMEDOUT : 0;
}

static void
run_end(struct run *t)
{
	t->r = ds_resolve_free(t->r);
	t->loop = ds_loop_free(t->loop);
}

static void
assert_addr(const struct ds_addr *a, const char *text)
{
	char buf[DS_ADDR_STRLEN];

	assert_true(ds_addr_format(a, 0, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, text);
}

/* --- Tests -----------------------------------------------------------------
 */

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(ds_resolve_type_name(DS_RESOLVE_AAAA), "AAAA");
	assert_string_equal(ds_resolve_type_name(DS_RESOLVE_A), "A");
	assert_string_equal(
	    ds_resolve_source_name(DS_RESOLVE_SRC_NONE), "none");
	assert_string_equal(ds_resolve_source_name(DS_RESOLVE_SRC_DNS), "dns");
	assert_string_equal(
	    ds_resolve_source_name(DS_RESOLVE_SRC_HOSTS), "hosts");
	assert_string_equal(
	    ds_resolve_source_name(DS_RESOLVE_SRC_NUMERIC), "numeric");
	assert_string_equal(
	    ds_resolve_source_name(DS_RESOLVE_SRC_LOCALHOST), "localhost");
	assert_null(ds_resolve_get(NULL, DS_RESOLVE_A));
	assert_null(ds_resolve_free(NULL));
}

static void
test_bad_args(void **state)
{
	struct ds_resolve_opts o = {.family = 99};
	char longname[300];
	struct run t;

	(void)state;
	assert_int_equal(run_lookup(&t, "", NULL), -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	for (size_t i = 60; i < sizeof(longname) - 1; i += 61)
		longname[i] = '.';
	longname[254] = '\0';
	assert_int_equal(run_lookup(&t, longname, NULL), -EINVAL);
	assert_int_equal(run_lookup(&t, "www.example.test", &o), -EINVAL);
	o.family = DS_RESOLVE_BOTH;
	o.servers = "this is not a server";
	assert_int_equal(
	    run_lookup(&t, "www.example.test", &o), -DS_E_DNS_CONFIG);
}

/* Both answers with TTLs, in the server's order, AAAA reported first; over
 * an IPv4 and an IPv6 server address alike. */
static void
test_both(void **state)
{
	const char *servers[] = {fast.servers, fast.servers6};

	(void)state;
	NEED_DNSD(fast);
	for (int i = 0; i < 2; i++) {
		struct ds_resolve_opts o = {.family = DS_RESOLVE_BOTH,
		    .servers = servers[i],
		    .timeout_us = 2000000,
		    .tries = 1};
		const struct ds_resolve_query *q6, *q4;
		struct run t;

		assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
		assert_int_equal(t.calls, 2);
		assert_int_equal(t.order[0], DS_RESOLVE_AAAA);
		assert_int_equal(t.order[1], DS_RESOLVE_A);
		assert_true(ds_resolve_is_done(t.r));
		q6 = ds_resolve_get(t.r, DS_RESOLVE_AAAA);
		q4 = ds_resolve_get(t.r, DS_RESOLVE_A);
		assert_int_equal(q6->status, 0);
		assert_int_equal(q6->source, DS_RESOLVE_SRC_DNS);
		assert_int_equal(q6->n_answers, 2);
		assert_addr(&q6->answers[0].addr, "2001:db8::2");
		assert_int_equal(q6->answers[0].ttl, 30);
		assert_addr(&q6->answers[1].addr, "2001:db8::3");
		assert_int_equal(q6->answers[1].ttl, 31);
		assert_null(q6->canonname);
		assert_int_equal(q4->status, 0);
		assert_int_equal(q4->source, DS_RESOLVE_SRC_DNS);
		assert_int_equal(q4->n_answers, 1);
		assert_addr(&q4->answers[0].addr, "198.51.100.2");
		assert_int_equal(q4->answers[0].ttl, 40);
		assert_true(q6->end_us < 2000000 && q4->end_us < 2000000);
		run_end(&t);
	}
}

/* AAAA held back 300 ms: A is reported first, AAAA about 300 ms later. */
static void
test_slow_aaaa(void **state)
{
	struct ds_resolve_opts o = {
	    .family = DS_RESOLVE_BOTH, .timeout_us = 3000000, .tries = 1};
	const struct ds_resolve_query *q6, *q4;
	struct run t;

	(void)state;
	NEED_DNSD(slow);
	o.servers = slow.servers;
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	assert_int_equal(t.calls, 2);
	assert_int_equal(t.order[0], DS_RESOLVE_A);
	assert_int_equal(t.order[1], DS_RESOLVE_AAAA);
	q6 = ds_resolve_get(t.r, DS_RESOLVE_AAAA);
	q4 = ds_resolve_get(t.r, DS_RESOLVE_A);
	assert_int_equal(q6->status, 0);
	assert_int_equal(q4->status, 0);
	assert_true(q4->end_us < 200000);
	assert_true(q6->end_us >= 290000);
	assert_true(q6->end_us < 1500000);
	assert_true(q6->end_us - q4->end_us >= 200000);
	/* What the A callback saw: the AAAA still running. */
	assert_int_equal(t.seen[0].n_answers, 1);
	run_end(&t);
}

/* Servers given as endpoints: asked in that order, nothing else; an
 * endpoint without a port is refused. */
static void
test_server_list(void **state)
{
	struct ds_resolve_opts o = {
	    .family = DS_RESOLVE_BOTH, .timeout_us = 2000000, .tries = 1};
	struct ds_endpoint list[2];
	const struct ds_resolve_server *sv;
	const struct ds_resolve_query *q4;
	struct run t;
	size_t n;

	(void)state;
	NEED_DNSD(fast);
	assert_int_equal(ds_endpoint_parse(fast.servers, strlen(fast.servers),
	                     0, &list[0], NULL),
	    0);
	o.server_list = list;
	o.n_servers = 1;
	/* The text form is ignored when a list is given. */
	o.servers = "this is not a server";
	assert_int_equal(run_lookup(&t, "v4only.example.test", &o), 0);
	q4 = ds_resolve_get(t.r, DS_RESOLVE_A);
	assert_int_equal(q4->status, 0);
	assert_addr(&q4->answers[0].addr, "198.51.100.4");
	sv = ds_resolve_servers(t.r, &n);
	assert_int_equal(n, 1);
	assert_true(ds_addr_equal(&sv[0].ep.addr, &list[0].addr));
	assert_int_equal(sv[0].ep.port, list[0].port);
	run_end(&t);

	list[1] = list[0];
	list[1].port = 0;
	o.n_servers = 2;
	assert_int_equal(run_lookup(&t, "v4only.example.test", &o), -EINVAL);
}

static void
test_nxdomain_nodata(void **state)
{
	struct ds_resolve_opts o = {
	    .family = DS_RESOLVE_BOTH, .timeout_us = 2000000, .tries = 1};
	const struct ds_resolve_query *q6, *q4;
	struct run t;

	(void)state;
	NEED_DNSD(fast);
	o.servers = fast.servers;
	assert_int_equal(run_lookup(&t, "nosuch.example.test", &o), 0);
	assert_int_equal(t.calls, 2);
	q6 = ds_resolve_get(t.r, DS_RESOLVE_AAAA);
	q4 = ds_resolve_get(t.r, DS_RESOLVE_A);
	assert_int_equal(q6->status, -DS_E_DNS_NXDOMAIN);
	assert_int_equal(q4->status, -DS_E_DNS_NXDOMAIN);
	assert_int_equal(q6->n_answers, 0);
	assert_null(q6->answers);
	assert_int_equal(q6->source, DS_RESOLVE_SRC_NONE);
	run_end(&t);

	assert_int_equal(run_lookup(&t, "v4only.example.test", &o), 0);
	q6 = ds_resolve_get(t.r, DS_RESOLVE_AAAA);
	q4 = ds_resolve_get(t.r, DS_RESOLVE_A);
	assert_int_equal(q6->status, -DS_E_DNS_NODATA);
	assert_int_equal(q4->status, 0);
	assert_addr(&q4->answers[0].addr, "198.51.100.4");
	assert_int_equal(q4->answers[0].ttl, 50);
	run_end(&t);
}

/* A server that never answers: -ETIMEDOUT after the one try. */
static void
test_timeout(void **state)
{
	struct ds_resolve_opts o = {
	    .family = DS_RESOLVE_BOTH, .timeout_us = 200000, .tries = 1};
	char servers[64];
	const struct ds_resolve_query *q;
	struct run t;
	uint16_t port;
	int fd;

	(void)state;
	fd = sink(&port);
	snprintf(servers, sizeof(servers), "127.0.0.1:%u", port);
	o.servers = servers;
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	assert_int_equal(t.calls, 2);
	for (int i = 0; i < DS_RESOLVE_TYPES; i++) {
		q = ds_resolve_get(t.r, (enum ds_resolve_type)i);
		assert_int_equal(q->status, -ETIMEDOUT);
		assert_int_equal(q->source, DS_RESOLVE_SRC_NONE);
		assert_true(q->end_us >= 190000);
		assert_true(q->end_us < 1500000);
	}
	run_end(&t);
	close(fd);
}

/* A port where nothing listens: the ICMP error ends the query at once. */
static void
test_refused(void **state)
{
	struct ds_resolve_opts o = {
	    .family = DS_RESOLVE_ONLY_V4, .timeout_us = 2000000, .tries = 1};
	char servers[64];
	const struct ds_resolve_query *q;
	struct run t;

	(void)state;
	snprintf(servers, sizeof(servers), "127.0.0.1:%u", free_port());
	o.servers = servers;
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	q = ds_resolve_get(t.r, DS_RESOLVE_A);
	assert_int_equal(q->status, -ECONNREFUSED);
	assert_true(q->end_us < 1000000);
	run_end(&t);
}

static void
check_numeric(const char *name, enum ds_resolve_type type, const char *text,
    const char *zone)
{
	const struct ds_resolve_query *q, *other;
	struct run t;

	/* No server that could answer: DNS must not be needed. */
	struct ds_resolve_opts o = {
	    .servers = "127.0.0.1:1", .tries = 1, .timeout_us = 50000};

	assert_int_equal(run_lookup(&t, name, &o), 0);
	assert_int_equal(t.calls, 1);
	assert_int_equal(t.order[0], type);
	q = ds_resolve_get(t.r, type);
	other = ds_resolve_get(
	    t.r, type == DS_RESOLVE_A ? DS_RESOLVE_AAAA : DS_RESOLVE_A);
	assert_true(q->asked && q->done);
	assert_int_equal(q->status, 0);
	assert_int_equal(q->source, DS_RESOLVE_SRC_NUMERIC);
	assert_int_equal(q->n_answers, 1);
	assert_addr(&q->answers[0].addr, text);
	assert_string_equal(q->answers[0].addr.zone, zone);
	assert_int_equal(q->answers[0].ttl, 0);
	assert_false(other->asked);
	assert_true(other->done);
	assert_int_equal(other->status, -DS_E_DNS_SKIPPED);
	assert_int_equal(other->n_answers, 0);
	run_end(&t);
}

static void
test_numeric(void **state)
{
	struct ds_resolve_opts o = {.family = DS_RESOLVE_ONLY_V6};
	const struct ds_resolve_query *q;
	struct run t;

	(void)state;
	check_numeric("192.0.2.1", DS_RESOLVE_A, "192.0.2.1", "");
	check_numeric("2001:db8::1", DS_RESOLVE_AAAA, "2001:db8::1", "");
	check_numeric("fe80::1%lo", DS_RESOLVE_AAAA, "fe80::1%lo", "lo");

	/* AAAA only, for an IPv4 literal: it has no IPv6 address. */
	assert_int_equal(run_lookup(&t, "192.0.2.1", &o), 0);
	assert_int_equal(t.calls, 1);
	q = ds_resolve_get(t.r, DS_RESOLVE_AAAA);
	assert_int_equal(q->status, -DS_E_DNS_NODATA);
	assert_false(ds_resolve_get(t.r, DS_RESOLVE_A)->asked);
	run_end(&t);
}

static void
test_only_family(void **state)
{
	struct ds_resolve_opts o = {.timeout_us = 2000000, .tries = 1};
	const struct ds_resolve_query *q6, *q4;
	struct run t;

	(void)state;
	NEED_DNSD(fast);
	o.servers = fast.servers;
	o.family = DS_RESOLVE_ONLY_V4;
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	assert_int_equal(t.calls, 1);
	q6 = ds_resolve_get(t.r, DS_RESOLVE_AAAA);
	q4 = ds_resolve_get(t.r, DS_RESOLVE_A);
	assert_false(q6->asked);
	assert_true(q6->done);
	assert_int_equal(q6->status, -DS_E_DNS_SKIPPED);
	assert_int_equal(q4->status, 0);
	assert_addr(&q4->answers[0].addr, "198.51.100.2");
	run_end(&t);

	o.family = DS_RESOLVE_ONLY_V6;
	o.servers = fast.servers6;
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	assert_int_equal(t.calls, 1);
	assert_int_equal(t.order[0], DS_RESOLVE_AAAA);
	q6 = ds_resolve_get(t.r, DS_RESOLVE_AAAA);
	q4 = ds_resolve_get(t.r, DS_RESOLVE_A);
	assert_false(q4->asked);
	assert_int_equal(q6->n_answers, 2);
	run_end(&t);
}

/* Freed from the first callback: no second call, nothing leaks. */
static void
test_free_in_callback(void **state)
{
	struct ds_resolve_opts o = {
	    .family = DS_RESOLVE_BOTH, .timeout_us = 3000000, .tries = 1};
	struct run t;

	(void)state;
	NEED_DNSD(slow);
	o.servers = slow.servers;
	memset(&t, 0, sizeof(t));
	assert_int_equal(ds_loop_new(&t.loop), 0);
	t.free_in_cb = true;
	assert_int_equal(
	    ds_resolve_new(t.loop, "www.example.test", &o, on_done, &t, &t.r),
	    0);
	/* Until the A answer comes, and then past the AAAA's 300 ms. */
	for (int i = 0; i < 100 && t.calls == 0; i++)
		ds_loop_run_once(t.loop, 50000);
	assert_int_equal(t.calls, 1);
	assert_null(t.r);
	for (int i = 0; i < 10; i++)
		ds_loop_run_once(t.loop, 50000);
	assert_int_equal(t.calls, 1);
	/* Nothing of the handle is left on the loop. */
	assert_int_equal(ds_loop_run(t.loop), 0);
	t.loop = ds_loop_free(t.loop);
}

/* Freed before anything came back, and freed with a numeric answer
 * pending: no callback ever. */
static void
test_free_early(void **state)
{
	struct ds_resolve_opts o = {
	    .family = DS_RESOLVE_BOTH, .timeout_us = 3000000, .tries = 1};
	struct run t;

	(void)state;
	NEED_DNSD(slow);
	o.servers = slow.servers;
	memset(&t, 0, sizeof(t));
	assert_int_equal(ds_loop_new(&t.loop), 0);
	assert_int_equal(
	    ds_resolve_new(t.loop, "www.example.test", &o, on_done, &t, &t.r),
	    0);
	t.r = ds_resolve_free(t.r);
	assert_int_equal(
	    ds_resolve_new(t.loop, "192.0.2.1", &o, on_done, &t, &t.r), 0);
	t.r = ds_resolve_free(t.r);
	assert_int_equal(ds_loop_run(t.loop), 0);
	assert_int_equal(t.calls, 0);
	t.loop = ds_loop_free(t.loop);
}

/* "localhost" comes from the hosts file, or is the loopback address
 * (RFC 6761 section 6.3), whatever the host's families. */
static void
test_localhost(void **state)
{
	struct ds_resolve_opts o = {
	    .servers = "127.0.0.1:1", .tries = 1, .timeout_us = 50000};
	const struct ds_resolve_query *q4, *q6;
	struct run t;

	(void)state;
	assert_int_equal(run_lookup(&t, "localhost", &o), 0);
	assert_true(ds_resolve_is_done(t.r));
	q4 = ds_resolve_get(t.r, DS_RESOLVE_A);
	assert_int_equal(q4->status, 0);
	assert_true(q4->source == DS_RESOLVE_SRC_HOSTS ||
	    q4->source == DS_RESOLVE_SRC_LOCALHOST);
	assert_addr(&q4->answers[0].addr, "127.0.0.1");
	/* Every family answers, whatever the host has (many hosts files
	 * have no "::1 localhost" line). */
	q6 = ds_resolve_get(t.r, DS_RESOLVE_AAAA);
	assert_true(q6->asked);
	assert_int_equal(q6->status, 0);
	assert_true(q6->source == DS_RESOLVE_SRC_HOSTS ||
	    q6->source == DS_RESOLVE_SRC_LOCALHOST);
	assert_true(IN6_IS_ADDR_LOOPBACK(&q6->answers[0].addr.u.in6));
	run_end(&t);

	/* Without the hosts file: the loopback addresses (RFC 6761). */
	o.no_hosts = true;
	o.family = DS_RESOLVE_BOTH;
	assert_int_equal(run_lookup(&t, "LocalHost.", &o), 0);
	assert_int_equal(t.calls, 2);
	q4 = ds_resolve_get(t.r, DS_RESOLVE_A);
	q6 = ds_resolve_get(t.r, DS_RESOLVE_AAAA);
	assert_addr(&q4->answers[0].addr, "127.0.0.1");
	assert_addr(&q6->answers[0].addr, "::1");
	assert_int_equal(q4->source, DS_RESOLVE_SRC_LOCALHOST);
	assert_int_equal(q6->source, DS_RESOLVE_SRC_LOCALHOST);
	run_end(&t);
}

/* A hosts file named by $CARES_HOSTS, and no_hosts ignoring it. */
static void
test_hosts_file(void **state)
{
	struct ds_resolve_opts o = {
	    .family = DS_RESOLVE_BOTH, .timeout_us = 2000000, .tries = 1};
	char path[64];
	const struct ds_resolve_query *q6, *q4;
	struct run t;
	FILE *f;

	(void)state;
	NEED_DNSD(fast);
	o.servers = fast.servers;
	snprintf(
	    path, sizeof(path), "/tmp/test-resolve-hosts.%d", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# test\n2001:db8::99 myhost.test\n192.0.2.99 myhost.test\n"
	      "192.0.2.98 www.example.test\n",
	    f);
	fclose(f);
	setenv("CARES_HOSTS", path, 1);

	assert_int_equal(run_lookup(&t, "myhost.test", &o), 0);
	q6 = ds_resolve_get(t.r, DS_RESOLVE_AAAA);
	q4 = ds_resolve_get(t.r, DS_RESOLVE_A);
	assert_int_equal(q6->status, 0);
	assert_int_equal(q6->source, DS_RESOLVE_SRC_HOSTS);
	assert_addr(&q6->answers[0].addr, "2001:db8::99");
	assert_int_equal(q6->answers[0].ttl, 0);
	assert_int_equal(q4->source, DS_RESOLVE_SRC_HOSTS);
	assert_addr(&q4->answers[0].addr, "192.0.2.99");
	run_end(&t);

	/* The file has an A for www, not an AAAA: that one goes to DNS. */
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	q6 = ds_resolve_get(t.r, DS_RESOLVE_AAAA);
	q4 = ds_resolve_get(t.r, DS_RESOLVE_A);
	assert_int_equal(q4->source, DS_RESOLVE_SRC_HOSTS);
	assert_addr(&q4->answers[0].addr, "192.0.2.98");
	assert_int_equal(q6->source, DS_RESOLVE_SRC_DNS);
	assert_int_equal(q6->n_answers, 2);
	run_end(&t);

	o.no_hosts = true;
	assert_int_equal(run_lookup(&t, "myhost.test", &o), 0);
	assert_int_equal(
	    ds_resolve_get(t.r, DS_RESOLVE_A)->status, -DS_E_DNS_NXDOMAIN);
	run_end(&t);
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	q4 = ds_resolve_get(t.r, DS_RESOLVE_A);
	assert_int_equal(q4->source, DS_RESOLVE_SRC_DNS);
	assert_addr(&q4->answers[0].addr, "198.51.100.2");
	run_end(&t);

	unsetenv("CARES_HOSTS");
	unlink(path);
}

/* Search domains from $LOCALDOMAIN: "www" is answered as
 * www.example.test, which canonname says. */
static void
test_search_domain(void **state)
{
	struct ds_resolve_opts o = {
	    .family = DS_RESOLVE_ONLY_V4, .timeout_us = 2000000, .tries = 1};
	const struct ds_resolve_query *q4;
	struct run t;

	(void)state;
	NEED_DNSD(fast);
	o.servers = fast.servers;
	setenv("LOCALDOMAIN", "nosuch.test example.test", 1);
	assert_int_equal(run_lookup(&t, "www", &o), 0);
	unsetenv("LOCALDOMAIN");
	q4 = ds_resolve_get(t.r, DS_RESOLVE_A);
	assert_int_equal(q4->status, 0);
	assert_addr(&q4->answers[0].addr, "198.51.100.2");
	assert_non_null(q4->canonname);
	assert_string_equal(q4->canonname, "www.example.test");
	run_end(&t);
}

static void
test_addrconfig(void **state)
{
	struct ds_addrconfig ac;
	struct ds_resolve_opts o = {.timeout_us = 2000000, .tries = 1};
	struct run t;

	(void)state;
	assert_int_equal(ds_addrconfig(&ac), 0);
	NEED_DNSD(fast);
	o.servers = fast.servers;
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	/* A family the host lacks is not asked (unless it lacks both). */
	if (ac.v4 || ac.v6) {
		assert_true(ds_resolve_get(t.r, DS_RESOLVE_A)->asked == ac.v4);
		assert_true(
		    ds_resolve_get(t.r, DS_RESOLVE_AAAA)->asked == ac.v6);
	} else {
		assert_int_equal(t.calls, 2);
	}
	run_end(&t);
}

/* --- The race of servers -------------------------------------------------
 */

static const struct ds_resolve_ns_query *
nsq(const struct ds_resolve *r, size_t i, enum ds_resolve_type t)
{
	const struct ds_resolve_server *sv;
	size_t n;

	sv = ds_resolve_servers(r, &n);
	assert_true(i < n);
	return &sv[i].q[t];
}

static uint16_t
server_port(const struct ds_resolve *r, size_t i)
{
	const struct ds_resolve_server *sv;
	size_t n;

	sv = ds_resolve_servers(r, &n);
	assert_true(i < n);
	return sv[i].ep.port;
}

/*
 * A silent first server: each query goes to the second once the first
 * has had its delay, and the first is given up. With a history, the next
 * lookup starts with the live server and never asks the silent one.
 */
static void
test_dead_first_server(void **state)
{
	struct ds_resolve_opts o = {
	    .family = DS_RESOLVE_BOTH, .timeout_us = 3000000, .tries = 2};
	struct ds_resolve_history *h;
	const struct ds_resolve_server *sv;
	struct ds_resolve_ns_record rec;
	char servers[128];
	uint16_t dead;
	struct run t;
	size_t n;
	int fd;

	(void)state;
	NEED_DNSD(fast);
	fd = sink(&dead);
	snprintf(
	    servers, sizeof(servers), "127.0.0.1:%u,%s", dead, fast.servers);
	assert_int_equal(ds_resolve_history_new(0, &h), 0);
	o.servers = servers;
	o.history = h;
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	sv = ds_resolve_servers(t.r, &n);
	assert_int_equal(n, 2);
	assert_int_equal(sv[0].ep.port, dead);
	assert_false(sv[0].demoted || sv[1].demoted);
	assert_int_equal(sv[0].delay_us, 200000);
	for (int i = 0; i < DS_RESOLVE_TYPES; i++) {
		const struct ds_resolve_query *q = ds_resolve_get(t.r, i);

		assert_int_equal(q->status, 0);
		assert_int_equal(q->server, 1);
		assert_int_equal(q->servers_asked, 2);
		assert_int_equal(q->timeouts, 0);
		assert_int_equal(nsq(t.r, 0, i)->state, DS_RESOLVE_NS_GIVEN_UP);
		assert_int_equal(nsq(t.r, 1, i)->state, DS_RESOLVE_NS_ANSWERED);
		/* Asked once the first had had its delay, not before. */
		assert_true(nsq(t.r, 1, i)->start_us >=
		    nsq(t.r, 0, i)->start_us + 190000);
	}
	run_end(&t);
	assert_int_equal(
	    ds_resolve_history_lookup(h,
	        &(struct ds_endpoint){.port = dead,
	            .addr = {.family = AF_INET, .u.bytes = {127, 0, 0, 1}}},
	        &rec),
	    0);
	assert_int_equal(rec.outcome, DS_RESOLVE_NS_NO_ANSWER);

	/* The next lookup: the live server first, alone. */
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	sv = ds_resolve_servers(t.r, &n);
	assert_int_equal(n, 2);
	assert_int_equal(sv[0].ep.port, fast.port);
	assert_false(sv[0].demoted);
	assert_true(sv[1].demoted);
	/* Its delay now follows its measured answer time. */
	assert_true(sv[0].delay_us >= 100000 && sv[0].delay_us <= 300000);
	for (int i = 0; i < DS_RESOLVE_TYPES; i++) {
		const struct ds_resolve_query *q = ds_resolve_get(t.r, i);

		assert_int_equal(q->status, 0);
		assert_int_equal(q->server, 0);
		assert_int_equal(q->servers_asked, 1);
		assert_int_equal(
		    nsq(t.r, 1, i)->state, DS_RESOLVE_NS_NOT_ASKED);
	}
	run_end(&t);
	ds_resolve_history_free(h);
	close(fd);
}

/* A first server that refuses (nothing listens: ICMP port unreachable):
 * the second is asked at once, without waiting for the delay. */
static void
test_refusing_first_server(void **state)
{
	struct ds_resolve_opts o = {
	    .family = DS_RESOLVE_BOTH, .timeout_us = 3000000, .tries = 1};
	char servers[128];
	struct run t;

	(void)state;
	NEED_DNSD(fast);
	snprintf(servers, sizeof(servers), "127.0.0.1:%u,%s", free_port(),
	    fast.servers);
	o.servers = servers;
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	for (int i = 0; i < DS_RESOLVE_TYPES; i++) {
		const struct ds_resolve_ns_query *a = nsq(t.r, 0, i);
		const struct ds_resolve_ns_query *b = nsq(t.r, 1, i);

		assert_int_equal(ds_resolve_get(t.r, i)->status, 0);
		assert_int_equal(ds_resolve_get(t.r, i)->server, 1);
		assert_int_equal(a->state, DS_RESOLVE_NS_ERROR);
		assert_int_equal(a->status, -ECONNREFUSED);
		assert_true(b->start_us >= a->end_us);
		assert_true(b->start_us < a->start_us + 150000);
	}
	run_end(&t);
}

/* Every server silent: each is asked in turn, and the query times out
 * once the last has used its tries. */
static void
test_all_silent(void **state)
{
	struct ds_resolve_opts o = {
	    .family = DS_RESOLVE_ONLY_V4, .timeout_us = 100000, .tries = 2};
	const struct ds_resolve_query *q;
	char servers[128];
	uint16_t p1, p2;
	struct run t;
	int fd1, fd2;

	(void)state;
	fd1 = sink(&p1);
	fd2 = sink(&p2);
	snprintf(servers, sizeof(servers), "127.0.0.1:%u,127.0.0.1:%u", p1, p2);
	o.servers = servers;
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	q = ds_resolve_get(t.r, DS_RESOLVE_A);
	assert_int_equal(q->status, -ETIMEDOUT);
	assert_int_equal(q->server, -1);
	assert_int_equal(q->servers_asked, 2);
	assert_int_equal(q->timeouts, 4);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(
		    nsq(t.r, i, DS_RESOLVE_A)->state, DS_RESOLVE_NS_TIMED_OUT);
		assert_int_equal(nsq(t.r, i, DS_RESOLVE_A)->timeouts, 2);
		assert_int_equal(nsq(t.r, i, DS_RESOLVE_AAAA)->state,
		    DS_RESOLVE_NS_NOT_ASKED);
	}
	/* The second was asked when the first had used its 100 + 200 ms:
	 * its delay (200 ms) came first. */
	assert_true(nsq(t.r, 1, DS_RESOLVE_A)->start_us >= 190000);
	run_end(&t);
	close(fd1);
	close(fd2);
}

/* The source port of each query type in a dnsd log: "... recv udp TYPE
 * NAME delay=0 from=ADDR port=N". */
static void
log_ports(
    const char *path, const char *type, unsigned *ret_port, unsigned *ret_drops)
{
	char line[512], want[32];
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	*ret_port = 0;
	*ret_drops = 0;
	snprintf(want, sizeof(want), " udp %s ", type);
	while (fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, " port=");

		if (!strstr(line, want))
			continue;
		if (strstr(line, " drop "))
			(*ret_drops)++;
		if (strstr(line, " recv ") && p)
			*ret_port = (unsigned)strtoul(p + 6, NULL, 10);
	}
	fclose(f);
}

/*
 * A responder that drops a second query arriving from the same address
 * and port within 200 ms (a middlebox with one UDP "session" per socket):
 * AAAA and A leave from separate sockets, so both are answered at once,
 * with no retry.
 */
static void
test_separate_sockets(void **state)
{
	struct ds_resolve_opts o = {
	    .family = DS_RESOLVE_BOTH, .timeout_us = 2000000, .tries = 1};
	char log[64];
	const char *args[] = {
	    RECORDS, "--drop-second", "200", "--log", log, NULL};
	unsigned p6, p4, d6, d4;
	struct dnsd d;
	struct run t;

	(void)state;
	snprintf(log, sizeof(log), "/tmp/test-resolve-log.%d", (int)getpid());
	unlink(log);
	if (!dnsd_start(&d, args))
		skip();
	o.servers = d.servers;
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	for (int i = 0; i < DS_RESOLVE_TYPES; i++) {
		const struct ds_resolve_query *q = ds_resolve_get(t.r, i);

		assert_int_equal(q->status, 0);
		assert_int_equal(q->timeouts, 0);
		assert_int_equal(q->servers_asked, 1);
	}
	run_end(&t);
	dnsd_stop(&d);
	log_ports(log, "AAAA", &p6, &d6);
	log_ports(log, "A", &p4, &d4);
	assert_int_equal(d6 + d4, 0);
	assert_true(p6 != 0 && p4 != 0);
	assert_true(p6 != p4);
	unlink(log);
}

/* The first AAAA query is lost: AAAA is sent again after its timeout and
 * answered; A needed no retry. */
static void
test_lost_query(void **state)
{
	struct ds_resolve_opts o = {
	    .family = DS_RESOLVE_BOTH, .timeout_us = 200000, .tries = 2};
	const char *args[] = {RECORDS, "--drop", "AAAA=1", NULL};
	struct dnsd d;
	struct run t;

	(void)state;
	if (!dnsd_start(&d, args))
		skip();
	o.servers = d.servers;
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	assert_int_equal(ds_resolve_get(t.r, DS_RESOLVE_AAAA)->status, 0);
	assert_int_equal(ds_resolve_get(t.r, DS_RESOLVE_AAAA)->timeouts, 1);
	assert_int_equal(nsq(t.r, 0, DS_RESOLVE_AAAA)->timeouts, 1);
	assert_int_equal(ds_resolve_get(t.r, DS_RESOLVE_A)->status, 0);
	assert_int_equal(ds_resolve_get(t.r, DS_RESOLVE_A)->timeouts, 0);
	run_end(&t);
	dnsd_stop(&d);
}

static void
write_conf(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/*
 * resolv.conf's options, from a private file: attempts (tries per
 * server), timeout (seconds per try), single-request, and $RES_OPTIONS
 * over the file; glibc's defaults without either. Against a silent
 * server, the tries show in the count of timeouts.
 */
static void
test_resolv_conf(void **state)
{
	struct ds_resolve_opts o = {.family = DS_RESOLVE_ONLY_V4};
	const struct ds_resolve_query *q;
	const struct ds_resolve_server *sv;
	char conf[64], servers[64];
	uint16_t dead;
	struct run t;
	size_t n;
	int fd;

	(void)state;
	fd = sink(&dead);
	snprintf(servers, sizeof(servers), "127.0.0.1:%u", dead);
	snprintf(conf, sizeof(conf), "/tmp/test-resolv-conf.%d", (int)getpid());
	o.resolv_conf = conf;
	o.servers = servers;
	o.timeout_us = 50000;

	/* attempts:3 from the file (c-ares alone would make it 4). */
	write_conf(conf, "options attempts:3\n");
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	q = ds_resolve_get(t.r, DS_RESOLVE_A);
	assert_int_equal(q->status, -ETIMEDOUT);
	assert_int_equal(q->timeouts, 3);
	run_end(&t);

	/* $RES_OPTIONS over the file. */
	setenv("RES_OPTIONS", "attempts:1", 1);
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	unsetenv("RES_OPTIONS");
	assert_int_equal(ds_resolve_get(t.r, DS_RESOLVE_A)->timeouts, 1);
	run_end(&t);

	/* No options: glibc's two attempts. */
	write_conf(conf, "# nothing\n");
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	assert_int_equal(ds_resolve_get(t.r, DS_RESOLVE_A)->timeouts, 2);
	run_end(&t);
	/* opts win over the file. */
	write_conf(conf, "options attempts:4\n");
	o.tries = 1;
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	assert_int_equal(ds_resolve_get(t.r, DS_RESOLVE_A)->timeouts, 1);
	run_end(&t);

	/* timeout:1, in seconds: one try of 1 s. */
	write_conf(conf, "options timeout:1 attempts:1\n");
	o.timeout_us = 0;
	o.tries = 0;
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	q = ds_resolve_get(t.r, DS_RESOLVE_A);
	assert_int_equal(q->timeouts, 1);
	assert_true(q->end_us - q->start_us >= 950000);
	run_end(&t);
	close(fd);

	/* The servers come from the file too, as glibc reads them: here a
	 * loopback port where nothing listens, refused at once. */
	write_conf(conf,
	    "nameserver 127.0.0.1\nnameserver ::1\n"
	    "options attempts:1\n");
	o.servers = NULL;
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	sv = ds_resolve_servers(t.r, &n);
	assert_int_equal(n, 2);
	assert_addr(&sv[0].ep.addr, "127.0.0.1");
	assert_addr(&sv[1].ep.addr, "::1");
	assert_int_equal(sv[0].ep.port, 53);
	run_end(&t);
	/* glibc's reading, not c-ares's: a line whose address does not
	 * parse takes no place, only the first three (MAXNS) count, and
	 * what follows the address is not another server. */
	write_conf(conf,
	    "nameserver not-an-address\n"
	    "nameserver 127.0.0.1 127.0.0.2\n"
	    "nameserver 127.0.0.3\n"
	    "nameserver ::1\n"
	    "nameserver 127.0.0.4\n"
	    "options attempts:1\n");
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	sv = ds_resolve_servers(t.r, &n);
	assert_int_equal(n, 3);
	assert_addr(&sv[0].ep.addr, "127.0.0.1");
	assert_addr(&sv[1].ep.addr, "127.0.0.3");
	assert_addr(&sv[2].ep.addr, "::1");
	run_end(&t);
	/* None that glibc reads: the local host, as glibc asks. */
	write_conf(
	    conf, "nameserver 127.0.0.5,127.0.0.6\noptions attempts:1\n");
	assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
	sv = ds_resolve_servers(t.r, &n);
	assert_int_equal(n, 1);
	assert_addr(&sv[0].ep.addr, "127.0.0.1");
	run_end(&t);

	/* single-request: A is sent only once AAAA is done. */
	if (fast.pid > 0) {
		write_conf(conf, "options single-request\n");
		o.servers = fast.servers;
		o.family = DS_RESOLVE_BOTH;
		assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
		assert_int_equal(ds_resolve_get(t.r, DS_RESOLVE_A)->status, 0);
		assert_true(nsq(t.r, 0, DS_RESOLVE_A)->start_us >=
		    nsq(t.r, 0, DS_RESOLVE_AAAA)->end_us);
		assert_int_equal(t.order[0], DS_RESOLVE_AAAA);
		run_end(&t);
		/* Without it, both go out together. */
		write_conf(conf, "options single-request-reopen\n");
		assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
		assert_true(nsq(t.r, 0, DS_RESOLVE_A)->start_us <
		    nsq(t.r, 0, DS_RESOLVE_AAAA)->end_us);
		run_end(&t);
	}
	unlink(conf);
}

/* "options rotate": each lookup starts one server further. */
static void
test_rotate(void **state)
{
	struct ds_resolve_opts o = {
	    .family = DS_RESOLVE_ONLY_V4, .timeout_us = 2000000, .tries = 1};
	struct ds_resolve_history *h;
	char conf[64], servers[128];
	struct run t;
	uint16_t first[3];

	(void)state;
	NEED_DNSD(fast);
	NEED_DNSD(slow);
	snprintf(conf, sizeof(conf), "/tmp/test-resolv-rot.%d", (int)getpid());
	snprintf(servers, sizeof(servers), "%s,%s", fast.servers, slow.servers);
	assert_int_equal(ds_resolve_history_new(0, &h), 0);
	o.resolv_conf = conf;
	o.servers = servers;
	o.history = h;
	write_conf(conf, "options rotate\n");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
		assert_int_equal(ds_resolve_get(t.r, DS_RESOLVE_A)->status, 0);
		first[i] = server_port(t.r, 0);
		run_end(&t);
	}
	assert_true(first[0] != first[1]);
	assert_int_equal(first[0], first[2]);
	/* Without rotate, always the first listed. */
	write_conf(conf, "options ndots:1\n");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(run_lookup(&t, "www.example.test", &o), 0);
		assert_int_equal(server_port(t.r, 0), fast.port);
		run_end(&t);
	}
	ds_resolve_history_free(h);
	unlink(conf);
}

/* Freed while one query has its answer and the other is still racing:
 * nothing leaks, no callback comes. */
static void
test_free_racing(void **state)
{
	struct ds_resolve_opts o = {
	    .family = DS_RESOLVE_BOTH, .timeout_us = 3000000, .tries = 1};
	char servers[128];
	uint16_t dead;
	struct run t;
	int fd;

	(void)state;
	NEED_DNSD(slow);
	fd = sink(&dead);
	snprintf(
	    servers, sizeof(servers), "127.0.0.1:%u,%s", dead, slow.servers);
	o.servers = servers;
	memset(&t, 0, sizeof(t));
	assert_int_equal(ds_loop_new(&t.loop), 0);
	t.free_in_cb = true;
	assert_int_equal(
	    ds_resolve_new(t.loop, "www.example.test", &o, on_done, &t, &t.r),
	    0);
	/* A comes from the second server after ~200 ms; AAAA is held back
	 * 300 ms more there, and the first server never answers. */
	for (int i = 0; i < 100 && t.calls == 0; i++)
		ds_loop_run_once(t.loop, 50000);
	assert_int_equal(t.calls, 1);
	assert_int_equal(t.order[0], DS_RESOLVE_A);
	assert_null(t.r);
	assert_int_equal(ds_loop_run(t.loop), 0);
	t.loop = ds_loop_free(t.loop);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_bad_args),
	    cmocka_unit_test(test_both),
	    cmocka_unit_test(test_slow_aaaa),
	    cmocka_unit_test(test_nxdomain_nodata),
	    cmocka_unit_test(test_server_list),
	    cmocka_unit_test(test_timeout),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_numeric),
	    cmocka_unit_test(test_only_family),
	    cmocka_unit_test(test_free_in_callback),
	    cmocka_unit_test(test_free_early),
	    cmocka_unit_test(test_localhost),
	    cmocka_unit_test(test_hosts_file),
	    cmocka_unit_test(test_search_domain),
	    cmocka_unit_test(test_addrconfig),
	    cmocka_unit_test(test_dead_first_server),
	    cmocka_unit_test(test_refusing_first_server),
	    cmocka_unit_test(test_all_silent),
	    cmocka_unit_test(test_separate_sockets),
	    cmocka_unit_test(test_lost_query),
	    cmocka_unit_test(test_resolv_conf),
	    cmocka_unit_test(test_rotate),
	    cmocka_unit_test(test_free_racing),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
