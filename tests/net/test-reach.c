/* SPDX-License-Identifier: MIT */
/*
 * ds_reach on loopback: a checker and agents in one process, on one loop.
 *
 * Full checks (tokens over IPv6 with control over IPv4, tokens over IPv4
 * from the control connection's own address, port only against a
 * listening and a closed port, two agents at once), the abuse rules
 * (target, low port, someone else's address, busy), hostile control
 * lines (malformed, over-long, out of range, idle) driven by hand over a
 * raw socket, a returned token that was never sent (mismatch), and an
 * agent refusing to announce a link-local address. Every test checks
 * that no descriptor is left open.
 *
 * Nothing sleeps: every wait pumps the loop with ds_loop_run_once()
 * until a condition holds or a few seconds pass. The checker's deadline
 * is 1 s so that the waits that need it stay short.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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

#include "dualstack/addr.h"
#include "dualstack/error.h"
#include "dualstack/listen.h"
#include "dualstack/loop.h"
#include "dualstack/reach.h"
#include "net-test.h"

#define DEADLINE_US 1000000u
#define WAIT_MS 5000

/* --- Harness -------------------------------------------------------------- */

#define LOG_MAX 64

struct agent_run {
	struct ds_reach_agent *a;
	bool done;
	bool free_in_done;
	enum ds_reach_agent_event_kind stop_at; /* sets stopped */
	bool stopped;
	struct ds_reach_report r;
	unsigned n_trace;
	enum ds_reach_agent_event_kind trace[64];
	uint64_t last_us;
};

static struct {
	struct ds_loop *loop;
	struct ds_reach_server *srv;
	struct ds_listener *l4, *l6;
	uint16_t port4, port6;
	struct ds_reach_event log[LOG_MAX];
	unsigned n_log;
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

static struct ds_prefix
prefix(const char *s)
{
	struct ds_prefix p;

	memset(&p, 0, sizeof(p));
	assert_int_equal(ds_prefix_parse(s, strlen(s), 0, &p, NULL), 0);
	return p;
}

static void
on_log(
    struct ds_reach_server *s, const struct ds_reach_event *ev, void *userdata)
{
	(void)s;
	(void)userdata;
	/* The agent is the control connection's peer, always. */
	assert_int_not_equal(ev->agent.addr.family, 0);
	assert_int_not_equal(ev->agent.port, 0);
	if (T.n_log < LOG_MAX)
		T.log[T.n_log++] = *ev;
	if (getenv("REACH_TEST_VERBOSE"))
		print_message("# checker: %s %s\n",
		    ds_reach_event_name(ev->kind),
		    ev->kind == DS_REACH_EV_REFUSED
		        ? ds_reach_why_name(ev->refusal.why)
		        : "");
}

/* How many events of kind were reported. */
static unsigned
logged(enum ds_reach_event_kind kind)
{
	unsigned i, n = 0;

	for (i = 0; i < T.n_log; i++)
		n += T.log[i].kind == kind;
	return n;
}

/* How many checks ended with this verdict and delivered of count. */
static unsigned
logged_end(enum ds_reach_verdict v, unsigned delivered, unsigned count)
{
	unsigned i, n = 0;

	for (i = 0; i < T.n_log; i++)
		n += T.log[i].kind == DS_REACH_EV_ENDED &&
		    T.log[i].verdict == v && T.log[i].delivered == delivered &&
		    T.log[i].count == count;
	return n;
}

/* How many refusals of this code, each with the code of its reason. */
static unsigned
logged_refusal(enum ds_reach_err code)
{
	unsigned i, n = 0;

	for (i = 0; i < T.n_log; i++) {
		const struct ds_reach_refusal *rf = &T.log[i].refusal;

		if (T.log[i].kind != DS_REACH_EV_REFUSED)
			continue;
		assert_int_equal(rf->code, ds_reach_why_code(rf->why));
		n += rf->code == code;
	}
	return n;
}

/* The last refusal for the reason why (it must be there). */
static const struct ds_reach_refusal *
refusal(enum ds_reach_why why)
{
	for (unsigned i = T.n_log; i-- > 0;)
		if (T.log[i].kind == DS_REACH_EV_REFUSED &&
		    T.log[i].refusal.why == why)
			return &T.log[i].refusal;
	fail_msg("no refusal %s", ds_reach_why_name(why));
	return NULL;
}

static bool
addr_is(const struct ds_addr *a, const char *text)
{
	struct ds_addr b;

	memset(&b, 0, sizeof(b));
	assert_int_equal(ds_addr_parse(text, strlen(text), 0, &b, NULL), 0);
	return ds_addr_equal(a, &b);
}

static void
on_checker_accept(
    struct ds_listener *l, int fd, const struct ds_tuple *t, void *userdata)
{
	(void)l;
	(void)t;
	(void)userdata;
	assert_int_equal(ds_reach_server_adopt(T.srv, fd), 0);
}

static struct ds_listener *
checker_listen(const char *where, enum ds_listen_mode mode, uint16_t *port)
{
	struct ds_listen_config lc;
	struct ds_listener *l = NULL;
	struct ds_endpoint ep;

	memset(&lc, 0, sizeof(lc));
	lc.where.addr = addr(where);
	lc.mode = mode;
	assert_int_equal(ds_listener_new(T.loop, &lc, on_checker_accept, NULL,
	                     NULL, NULL, &l),
	    0);
	assert_int_equal(ds_listener_endpoints(l, &ep, 1), 1);
	*port = ep.port;
	return l;
}

/*
 * A checker on 127.0.0.1 and, where there is IPv6 loopback, on ::1, with
 * cfg; loopback targets and the checker's own addresses allowed when
 * allow is true. Claims of IPv6 targets go to the ::1 listener (two
 * listeners, two ports). v6: the test needs the ::1 listener.
 */
static void
checker_start(struct ds_reach_server_config *cfg, bool allow, bool v6)
{
	struct ds_prefix allowed[2];

	allowed[0] = prefix("::1/128");
	allowed[1] = prefix("127.0.0.0/8");
	if (allow) {
		cfg->allow_targets = allowed;
		cfg->n_allow_targets = 2;
		cfg->allow_self = true;
	}
	if (cfg->deadline_us == 0)
		cfg->deadline_us = DEADLINE_US;
	T.l4 = checker_listen("127.0.0.1", DS_LISTEN_V4ONLY, &T.port4);
	if (v6 || have_ipv6_loopback()) {
		T.l6 = checker_listen("::1", DS_LISTEN_V6ONLY, &T.port6);
		cfg->claim_v6.port = T.port6;
	}
	cfg->claim_v4.port = T.port4;
	assert_int_equal(
	    ds_reach_server_new(T.loop, cfg, on_log, NULL, &T.srv), 0);
	/* The server copied the prefixes. */
	memset(allowed, 0xff, sizeof(allowed));
}

static int
setup(void **state)
{
	(void)state;
	memset(&T, 0, sizeof(T));
	T.fds_before = count_fds();
	assert_int_equal(ds_loop_new(&T.loop), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	T.l4 = ds_listener_free(T.l4);
	T.l6 = ds_listener_free(T.l6);
	T.srv = ds_reach_server_free(T.srv);
	T.loop = ds_loop_free(T.loop);
	/* Every socket of the checker, the agent and the test is closed. */
	assert_int_equal(count_fds(), T.fds_before);
	return 0;
}

/* Run the loop until *flag or ms pass. */
static bool
pump_until(const bool *flag, int ms)
{
	uint64_t end = ds_time_now_us() + (uint64_t)ms * 1000u;

	while (!*flag && ds_time_now_us() < end)
		assert_true(ds_loop_run_once(T.loop, 20000) >= 0);
	return *flag;
}

static void
pump_for(int ms)
{
	bool never = false;

	pump_until(&never, ms);
}

static void
on_trace(struct ds_reach_agent *a, const struct ds_reach_agent_event *ev,
    void *userdata)
{
	struct agent_run *run = userdata;

	assert_ptr_equal(a, run->a);
	/* In order, and in time. */
	assert_true(ev->t_us >= run->last_us);
	run->last_us = ev->t_us;
	if (run->n_trace < sizeof(run->trace) / sizeof(run->trace[0]))
		run->trace[run->n_trace] = ev->kind;
	run->n_trace++;
	if (ev->kind == DS_REACH_AG_FAILED)
		assert_non_null(ev->fault);
	if (ev->kind == DS_REACH_AG_TOKEN)
		assert_int_equal(strlen(ev->token), DS_REACH_TOKEN_HEX);
	if (run->stop_at && ev->kind == run->stop_at)
		run->stopped = true;
	if (getenv("REACH_TEST_VERBOSE"))
		print_message("# agent %p %8.3f ms: %s\n", (void *)run,
		    (double)ev->t_us / 1000.0,
		    ds_reach_agent_event_name(ev->kind));
}

/* How many trace events of kind the agent reported. */
static unsigned
traced(const struct agent_run *run, enum ds_reach_agent_event_kind kind)
{
	unsigned n = 0;

	for (unsigned i = 0; i < run->n_trace && i < 64; i++)
		n += run->trace[i] == kind;
	return n;
}

static void
on_done(
    struct ds_reach_agent *a, const struct ds_reach_report *r, void *userdata)
{
	struct agent_run *run = userdata;

	assert_ptr_equal(a, run->a);
	run->r = *r;
	run->done = true;
	if (run->free_in_done)
		run->a = ds_reach_agent_free(a);
}

static void
agent_cfg_init(struct ds_reach_agent_config *cfg, int control_family)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->server = control_family == AF_INET6 ? "::1" : "127.0.0.1";
	cfg->port = control_family == AF_INET6 ? T.port6 : T.port4;
	cfg->control_family = control_family;
	cfg->timeout_us = 8000000;
}

static void
agent_start(struct agent_run *run, const struct ds_reach_agent_config *cfg)
{
	assert_int_equal(
	    ds_reach_agent_new(T.loop, cfg, on_trace, on_done, run, &run->a),
	    0);
}

static void
agent_run(struct agent_run *run, const struct ds_reach_agent_config *cfg)
{
	agent_start(run, cfg);
	assert_true(pump_until(&run->done, WAIT_MS));
	run->a = ds_reach_agent_free(run->a);
}

static void
assert_all(const struct ds_reach_report *r, enum ds_reach_outcome o)
{
	unsigned i;

	for (i = 0; i < r->count; i++) {
		if (r->attempts[i].outcome != o)
			print_message("# attempt %u: %s, wanted %s\n", i + 1,
			    ds_reach_outcome_name(r->attempts[i].outcome),
			    ds_reach_outcome_name(o));
		assert_int_equal(r->attempts[i].outcome, o);
	}
}

/*
 * A TCP socket on loopback of family: listening (backlog) when listen_too,
 * else only bound, which refuses every connection. *port gets its port.
 */
static int
tcp_socket(int family, bool listen_too, uint16_t *port)
{
	struct ds_endpoint e;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	memset(&e, 0, sizeof(e));
	e.addr = addr(family == AF_INET ? "127.0.0.1" : "::1");
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	if (family == AF_INET6)
		assert_int_equal(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		                     sizeof(one)),
		    0);
	assert_int_equal(ds_endpoint_to_sockaddr(&e, &ss, &len), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
	if (listen_too)
		assert_int_equal(listen(fd, 64), 0);
	len = sizeof(ss);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	assert_int_equal(
	    ds_endpoint_from_sockaddr((struct sockaddr *)&ss, len, &e), 0);
	*port = e.port;
	return fd;
}

/* --- A control connection by hand ----------------------------------------- */

struct raw {
	int fd;
	size_t len;
	char buf[4096];
	bool eof;
};

/* A connection to the checker's 127.0.0.1 (v6: ::1) listener. */
static void
raw_open_family(struct raw *c, uint16_t port, bool v6)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
	struct sockaddr *sa = (struct sockaddr *)&sin;
	socklen_t len = sizeof(sin);

	memset(c, 0, sizeof(*c));
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (v6) {
		sin6.sin6_port = htons(port);
		sin6.sin6_addr = in6addr_loopback;
		sa = (struct sockaddr *)&sin6;
		len = sizeof(sin6);
	}
	c->fd = socket(
	    sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(c->fd >= 0);
	assert_true(connect(c->fd, sa, len) == 0 || errno == EINPROGRESS);
}

static void
raw_open(struct raw *c, uint16_t port)
{
	raw_open_family(c, port, false);
}

static void
raw_close(struct raw *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static void
raw_send(struct raw *c, const char *text)
{
	size_t len = strlen(text), off = 0;
	uint64_t end = ds_time_now_us() + WAIT_MS * 1000u;

	while (off < len) {
		ssize_t n = send(c->fd, text + off, len - off, MSG_NOSIGNAL);

		if (n > 0)
			off += (size_t)n;
		else {
			assert_true(errno == EAGAIN || errno == ENOTCONN);
			assert_true(ds_time_now_us() < end);
			assert_true(ds_loop_run_once(T.loop, 10000) >= 0);
		}
	}
}

/*
 * The next line the checker sends (without newline) into line; false on
 * EOF or after WAIT_MS.
 */
static bool
raw_line(struct raw *c, char *line, size_t size)
{
	uint64_t end = ds_time_now_us() + WAIT_MS * 1000u;

	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		ssize_t n;

		if (nl) {
			size_t k = (size_t)(nl - c->buf);

			assert_true(k < size);
			memcpy(line, c->buf, k);
			line[k] = '\0';
			memmove(c->buf, nl + 1, c->len - k - 1);
			c->len -= k + 1;
			return true;
		}
		if (c->eof || ds_time_now_us() > end)
			return false;
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n > 0)
			c->len += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != ENOTCONN))
			c->eof = true;
		else
			assert_true(ds_loop_run_once(T.loop, 10000) >= 0);
	}
}

/* Expect a line starting with prefix. */
static void
raw_expect(struct raw *c, const char *prefix)
{
	char line[DS_REACH_LINE_MAX];
	size_t n = strlen(prefix);

	assert_true(raw_line(c, line, sizeof(line)));
	/* A prefix with its newline is the whole line. */
	if (n > 0 && prefix[n - 1] == '\n' && strlen(line) != --n)
		n = SIZE_MAX;
	if (n == SIZE_MAX || strncmp(line, prefix, n) != 0)
		print_message("# got \"%s\", wanted \"%s...\"\n", line, prefix);
	assert_true(n != SIZE_MAX && strncmp(line, prefix, n) == 0);
}

/* Expect the checker to close (after what it sent). */
static void
raw_expect_eof(struct raw *c)
{
	char line[DS_REACH_LINE_MAX];

	assert_false(raw_line(c, line, sizeof(line)));
	assert_true(c->eof);
}

/*
 * Read the PROVE the checker sends on c for an IPv6 target, and claim
 * it from ::1 as an agent holding ::1 would; returns the token.
 */
static void
raw_claim(struct raw *c, char token[DS_REACH_TOKEN_HEX + 1])
{
	char line[DS_REACH_LINE_MAX], claim[DS_REACH_LINE_MAX];
	struct ds_reach_msg m;
	struct raw k;

	assert_true(raw_line(c, line, sizeof(line)));
	assert_int_equal(ds_reach_msg_parse(line, strlen(line), &m, NULL), 0);
	assert_int_equal(m.type, DS_REACH_MSG_PROVE);
	assert_true(ds_addr_equal(&m.prove_to.addr,
	    &(struct ds_addr){
	        .family = AF_INET6,
	        .u.bytes[15] = 1,
	    }));
	assert_int_equal(m.prove_to.port, T.port6);
	memcpy(token, m.tokens[0], DS_REACH_TOKEN_HEX);
	token[DS_REACH_TOKEN_HEX] = '\0';
	raw_open_family(&k, m.prove_to.port, true);
	raw_expect(&k, "DSREACH 2");
	snprintf(claim, sizeof(claim), "CLAIM %s\n", token);
	raw_send(&k, claim);
	/* Once claimed, the checker closes the claim connection. */
	raw_expect_eof(&k);
	raw_close(&k);
}

/* --- Full checks ---------------------------------------------------------- */

/* Control over IPv4, tokens over IPv6 to ::1; the agent frees itself
 * from the done callback. */
static void
test_reachable_v6(void **state)
{
	struct ds_reach_server_config sc = {0};
	struct ds_reach_agent_config cfg;
	struct agent_run run = {0};
	unsigned i;

	(void)state;
	NEED_IPV6_LOOPBACK();
	checker_start(&sc, true, false);
	agent_cfg_init(&cfg, AF_INET);
	cfg.test_family = AF_INET6;
	cfg.advertise = addr("::1");
	cfg.allow_unfit = true;
	run.free_in_done = true;
	agent_start(&run, &cfg);
	assert_true(pump_until(&run.done, WAIT_MS));
	assert_null(run.a);

	assert_int_equal(run.r.err, 0);
	assert_int_equal(run.r.verdict, DS_REACH_REACHABLE);
	assert_int_equal(run.r.delivered, 5);
	assert_int_equal(run.r.count, DS_REACH_COUNT_DEFAULT);
	assert_all(&run.r, DS_REACH_DELIVERED);
	assert_int_equal(run.r.n_seen, 5);
	for (i = 0; i < run.r.n_seen; i++) {
		assert_true(run.r.seen[i].token_ok);
		assert_true(ds_addr_equal(
		    &run.r.seen[i].from.addr, &run.r.target.addr));
	}
	assert_true(ds_addr_equal(&run.r.target.addr, &cfg.advertise));
	assert_int_not_equal(run.r.target.port, 0);
	assert_int_equal(run.r.control_peer.port, T.port4);
	assert_int_equal(run.r.control_peer.addr.family, AF_INET);
	/* The flow: connected, announced, claimed (IPv6 from IPv4), the
	 * five tokens, returned, the checker's five attempts, its verdict. */
	assert_int_equal(run.trace[0], DS_REACH_AG_CONTROL);
	assert_int_equal(run.trace[1], DS_REACH_AG_GREETING);
	assert_int_equal(traced(&run, DS_REACH_AG_ANNOUNCED), 1);
	assert_int_equal(traced(&run, DS_REACH_AG_PROVE), 1);
	assert_int_equal(traced(&run, DS_REACH_AG_CLAIM_SENT), 1);
	assert_int_equal(traced(&run, DS_REACH_AG_ACCEPTED), 1);
	assert_int_equal(traced(&run, DS_REACH_AG_TOKEN), 5);
	assert_int_equal(traced(&run, DS_REACH_AG_RETURNED), 1);
	assert_int_equal(traced(&run, DS_REACH_AG_ATTEMPT), 5);
	assert_int_equal(run.trace[run.n_trace - 1], DS_REACH_AG_RESULT);
	assert_int_equal(traced(&run, DS_REACH_AG_FAILED), 0);
	assert_int_equal(logged(DS_REACH_EV_STARTED), 1);
	assert_int_equal(logged_end(DS_REACH_REACHABLE, 5, 5), 1);
}

/*
 * Control and tokens over IPv4: the address is found by the agent (the
 * source toward the checker, 127.0.0.1), which is the control
 * connection's own peer, so no any_target is needed. 3 connections.
 */
static void
test_reachable_v4_own_address(void **state)
{
	struct ds_reach_server_config sc = {0};
	struct ds_reach_agent_config cfg;
	struct agent_run run = {0};

	(void)state;
	checker_start(&sc, true, false);
	agent_cfg_init(&cfg, AF_INET);
	cfg.test_family = AF_INET;
	cfg.allow_unfit = true;
	cfg.count = 3;
	agent_run(&run, &cfg);

	assert_int_equal(run.r.err, 0);
	assert_int_equal(run.r.verdict, DS_REACH_REACHABLE);
	assert_int_equal(run.r.delivered, 3);
	assert_int_equal(run.r.count, 3);
	assert_all(&run.r, DS_REACH_DELIVERED);
	assert_true(
	    ds_addr_equal(&run.r.target.addr, &run.r.control_local.addr));
}

/* Port only against a listening socket nobody accepts from. */
static void
test_port_only_connected(void **state)
{
	struct ds_reach_server_config sc = {0};
	struct ds_reach_agent_config cfg;
	struct agent_run run = {0};
	uint16_t port;
	int fd;

	(void)state;
	NEED_IPV6_LOOPBACK();
	fd = tcp_socket(AF_INET6, true, &port);
	checker_start(&sc, true, false);
	agent_cfg_init(&cfg, AF_INET);
	cfg.port_only = true;
	cfg.port_only_target.addr = addr("::1");
	cfg.port_only_target.port = port;
	cfg.allow_unfit = true;
	agent_run(&run, &cfg);
	close(fd);

	assert_int_equal(run.r.err, 0);
	assert_true(run.r.port_only);
	assert_int_equal(run.r.verdict, DS_REACH_REACHABLE);
	assert_int_equal(run.r.delivered, 5);
	assert_all(&run.r, DS_REACH_CONNECTED);
	assert_int_equal(run.r.n_seen, 0);
	assert_int_equal(run.r.target.port, port);
}

/* Port only against a bound, not listening, socket: every SYN is reset. */
static void
test_port_only_refused(void **state)
{
	struct ds_reach_server_config sc = {0};
	struct ds_reach_agent_config cfg;
	struct agent_run run = {0};
	uint16_t port;
	unsigned i;
	int fd;

	(void)state;
	NEED_IPV6_LOOPBACK();
	fd = tcp_socket(AF_INET6, false, &port);
	checker_start(&sc, true, false);
	agent_cfg_init(&cfg, AF_INET);
	cfg.port_only = true;
	cfg.port_only_target.addr = addr("::1");
	cfg.port_only_target.port = port;
	cfg.allow_unfit = true;
	agent_run(&run, &cfg);
	close(fd);

	assert_int_equal(run.r.err, 0);
	assert_int_equal(run.r.verdict, DS_REACH_UNREACHABLE);
	assert_int_equal(run.r.delivered, 0);
	assert_all(&run.r, DS_REACH_REFUSED);
	for (i = 0; i < run.r.count; i++)
		assert_int_equal(run.r.attempts[i].err, -ECONNREFUSED);
	assert_int_equal(logged_end(DS_REACH_UNREACHABLE, 0, 5), 1);
}

/*
 * Two agents at once, from different agent keys (127.0.0.1/32 and
 * ::1/64): control over IPv4 and over IPv6, both announcing ::1 (for the
 * IPv6 one, its own peer address).
 */
static void
test_two_agents(void **state)
{
	struct ds_reach_server_config sc = {0};
	struct ds_reach_agent_config c1, c2;
	struct agent_run r1 = {0}, r2 = {0};
	uint64_t end;

	(void)state;
	NEED_IPV6_LOOPBACK();
	checker_start(&sc, true, true);
	/* Both of the control connection's family: no claim to wait for,
	 * so both start at once. */
	agent_cfg_init(&c1, AF_INET);
	c1.test_family = AF_INET;
	c1.allow_unfit = true;
	agent_cfg_init(&c2, AF_INET6);
	c2.allow_unfit = true;
	c2.count = 16;
	agent_start(&r1, &c1);
	agent_start(&r2, &c2);
	end = ds_time_now_us() + WAIT_MS * 1000u;
	while (!(r1.done && r2.done) && ds_time_now_us() < end)
		assert_true(ds_loop_run_once(T.loop, 20000) >= 0);
	r1.a = ds_reach_agent_free(r1.a);
	r2.a = ds_reach_agent_free(r2.a);

	assert_true(r1.done && r2.done);
	if (r1.r.err || r2.r.err)
		print_message("# %s | %s\n", r1.r.err_text, r2.r.err_text);
	assert_int_equal(r1.r.err, 0);
	assert_int_equal(r2.r.err, 0);
	assert_int_equal(r1.r.verdict, DS_REACH_REACHABLE);
	assert_int_equal(r2.r.verdict, DS_REACH_REACHABLE);
	assert_int_equal(r1.r.delivered, 5);
	assert_int_equal(r2.r.delivered, 16);
	assert_int_equal(r2.r.control_peer.addr.family, AF_INET6);
	/* They ran at the same time: both started before either ended. */
	assert_int_equal(logged(DS_REACH_EV_STARTED), 2);
	for (unsigned i = 0, started = 0; i < T.n_log; i++) {
		if (T.log[i].kind == DS_REACH_EV_STARTED)
			started++;
		if (T.log[i].kind == DS_REACH_EV_ENDED)
			assert_int_equal(started, 2);
	}
}

/* --- The abuse rules ------------------------------------------------------ */

static void
run_refused(struct ds_reach_agent_config *cfg, enum ds_reach_err code)
{
	struct agent_run run = {0};

	agent_run(&run, cfg);
	if (run.r.err_code != code)
		print_message("# err %d code %s: %s\n", run.r.err,
		    ds_reach_err_name(run.r.err_code), run.r.err_text);
	assert_int_equal(run.r.err, -EREMOTEIO);
	assert_int_equal(run.r.err_code, code);
	assert_true(run.r.err_text[0] != '\0');
	assert_int_equal(logged(DS_REACH_EV_STARTED), 0);
	assert_int_equal(logged(DS_REACH_EV_REFUSED), 1);
	assert_int_equal(logged_refusal(code), 1);
}

/* ::1 is no global unicast address: refused without allow_targets. */
static void
test_target_not_global(void **state)
{
	struct ds_reach_server_config sc = {0};
	struct ds_reach_agent_config cfg;

	(void)state;
	NEED_IPV6_LOOPBACK();
	checker_start(&sc, false, false);
	agent_cfg_init(&cfg, AF_INET);
	cfg.advertise = addr("::1");
	cfg.allow_unfit = true;
	run_refused(&cfg, DS_REACH_E_TARGET);
}

/* Port 80 without allow_low_ports. */
static void
test_low_port(void **state)
{
	struct ds_reach_server_config sc = {0};
	struct ds_reach_agent_config cfg;

	(void)state;
	NEED_IPV6_LOOPBACK();
	checker_start(&sc, true, false);
	agent_cfg_init(&cfg, AF_INET);
	cfg.port_only = true;
	cfg.port_only_target.addr = addr("::1");
	cfg.port_only_target.port = 80;
	cfg.allow_unfit = true;
	run_refused(&cfg, DS_REACH_E_PORT);
}

/* Control over IPv4 from 127.0.0.1, target 127.0.0.2: someone else. */
static void
test_third_party_target(void **state)
{
	struct ds_reach_server_config sc = {0};
	struct ds_reach_agent_config cfg;

	(void)state;
	checker_start(&sc, true, false);
	agent_cfg_init(&cfg, AF_INET);
	cfg.port_only = true;
	cfg.port_only_target.addr = addr("127.0.0.2");
	cfg.port_only_target.port = 4000;
	cfg.allow_unfit = true;
	run_refused(&cfg, DS_REACH_E_TARGET);
}

/* ... and the same with any_target: tested (and refused by the port). */
static void
test_third_party_any_target(void **state)
{
	struct ds_reach_server_config sc = {.any_target = true};
	struct ds_reach_agent_config cfg;
	struct agent_run run = {0};
	uint16_t port;
	int fd;

	(void)state;
	fd = tcp_socket(AF_INET, false, &port);
	checker_start(&sc, true, false);
	agent_cfg_init(&cfg, AF_INET);
	cfg.port_only = true;
	cfg.port_only_target.addr = addr("127.0.0.1");
	cfg.port_only_target.port = port;
	cfg.allow_unfit = true;
	cfg.count = 1;
	agent_run(&run, &cfg);
	close(fd);
	assert_int_equal(run.r.err, 0);
	assert_int_equal(run.r.verdict, DS_REACH_UNREACHABLE);
	assert_all(&run.r, DS_REACH_REFUSED);
}

/*
 * Busy: a check runs for 127.0.0.1 (by hand: nobody returns the tokens,
 * so it lasts until the deadline); a second CHECK from 127.0.0.1 on
 * another connection is refused and closed; the first one still gets
 * its report (not-returned: the tokens never came back), and may check
 * again.
 */
static void
test_busy(void **state)
{
	struct ds_reach_server_config sc = {0};
	struct raw a, b;
	char check[128], line[DS_REACH_LINE_MAX];
	char token[DS_REACH_TOKEN_HEX + 1];
	uint16_t port;
	unsigned i;
	int fd;

	(void)state;
	NEED_IPV6_LOOPBACK();
	fd = tcp_socket(AF_INET6, true, &port);
	checker_start(&sc, true, false);
	snprintf(check, sizeof(check), "CHECK ::1 %u 2\n", port);

	raw_open(&a, T.port4);
	raw_expect(&a, "DSREACH 2");
	raw_send(&a, check);
	raw_claim(&a, token);
	raw_expect(&a, "OK 2 1000");

	raw_open(&b, T.port4);
	raw_expect(&b, "DSREACH 2");
	raw_send(&b, check);
	raw_expect(&b, "ERR busy ");
	raw_expect_eof(&b);
	raw_close(&b);

	raw_send(&a, "TOKENS END\n");
	raw_expect(&a, "RESULT unreachable 0/2");
	for (i = 1; i <= 2; i++) {
		assert_true(raw_line(&a, line, sizeof(line)));
		assert_non_null(strstr(line, " not-returned "));
	}
	raw_expect(&a, "DONE");
	/* The connection serves another check. */
	raw_send(&a, check);
	raw_claim(&a, token);
	raw_expect(&a, "OK 2 1000");
	raw_close(&a);
	pump_for(50);
	close(fd);
	assert_int_equal(logged_refusal(DS_REACH_E_BUSY), 1);
}

/* A rate of 1 check a minute: the second is refused. */
static void
test_rate(void **state)
{
	struct ds_reach_server_config sc = {.checks_per_min = 1};
	struct raw a;
	char check[128];
	uint16_t port;
	int fd;

	(void)state;
	fd = tcp_socket(AF_INET, false, &port);
	checker_start(&sc, true, false);
	snprintf(
	    check, sizeof(check), "CHECK 127.0.0.1 %u 1 port-only\n", port);
	raw_open(&a, T.port4);
	raw_expect(&a, "DSREACH 2");
	raw_send(&a, check);
	raw_expect(&a, "OK 1 1000");
	raw_send(&a, "TOKENS END\n");
	raw_expect(&a, "RESULT unreachable 0/1");
	raw_expect(&a, "ATTEMPT 1 refused ");
	raw_expect(&a, "DONE");
	raw_send(&a, check);
	raw_expect(&a, "ERR rate ");
	raw_expect_eof(&a);
	raw_close(&a);
	close(fd);
}

/* --- Hostile control lines ------------------------------------------------ */

/*
 * Send text on a fresh control connection; expect ERR prefix and EOF,
 * and a refusal event for the reason why with its code. Without a
 * refusal_text the ERR text is the reason's name.
 */
static void
hostile(const char *text, const char *prefix, enum ds_reach_why why)
{
	const struct ds_reach_event *ev;
	struct raw c;

	raw_open(&c, T.port4);
	raw_expect(&c, "DSREACH 2");
	raw_send(&c, text);
	raw_expect(&c, prefix);
	raw_expect_eof(&c);
	raw_close(&c);
	assert_true(T.n_log > 0);
	ev = &T.log[T.n_log - 1];
	assert_int_equal(ev->kind, DS_REACH_EV_REFUSED);
	if (ev->refusal.why != why)
		print_message("# %s: %s, wanted %s\n", text,
		    ds_reach_why_name(ev->refusal.why), ds_reach_why_name(why));
	assert_int_equal(ev->refusal.why, why);
	assert_int_equal(ev->refusal.code, ds_reach_why_code(why));
}

static void
test_hostile_lines(void **state)
{
	struct ds_reach_server_config sc = {0};
	struct ds_reach_agent_config cfg;
	struct agent_run run = {0};
	char big[3000];

	(void)state;
	checker_start(&sc, true, false);
	hostile("check ::1 4000 1\n", "ERR syntax syntax-keyword\n",
	    DS_REACH_WHY_SYNTAX_KEYWORD);
	assert_int_equal(T.log[T.n_log - 1].refusal.column, 1);
	hostile(
	    "CHECK ::1 4000  1\n", "ERR syntax ", DS_REACH_WHY_SYNTAX_EXTRA);
	assert_int_equal(T.log[T.n_log - 1].refusal.column, 16);
	hostile("\n", "ERR syntax ", DS_REACH_WHY_SYNTAX_EMPTY);
	hostile(
	    "CHECK ::1 4000 1\t\n", "ERR syntax ", DS_REACH_WHY_SYNTAX_CHAR);
	hostile("CHECK ::1 4000 17\n", "ERR count ", DS_REACH_WHY_COUNT_RANGE);
	assert_int_equal(T.log[T.n_log - 1].refusal.limit, DS_REACH_COUNT_MAX);
	hostile("CHECK ::1 4000 0\n", "ERR count ", DS_REACH_WHY_COUNT_RANGE);
	hostile("CHECK ::1 0 1\n", "ERR port ", DS_REACH_WHY_PORT_RANGE);
	hostile("CHECK fe80::1%lo 4000 1\n", "ERR syntax ",
	    DS_REACH_WHY_SYNTAX_FIELD);
	assert_int_equal(
	    T.log[T.n_log - 1].refusal.err, -DS_E_ZONE_NOT_ALLOWED);
	hostile("TOKENS END\n", "ERR state ", DS_REACH_WHY_TOKENS_UNEXPECTED);
	hostile("DONE\n", "ERR state ", DS_REACH_WHY_AGENT_LINE);
	hostile("OK 1 5\n", "ERR state ", DS_REACH_WHY_AGENT_LINE);
	/* Over-long: no newline in the first 1024 bytes, and more. */
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	hostile(big, "ERR too-long ", DS_REACH_WHY_LINE_TOO_LONG);
	assert_int_equal(T.log[T.n_log - 1].refusal.limit, DS_REACH_LINE_MAX);
	/* Exactly 1024 bytes with the newline is allowed (and malformed);
	 * 1025 is too long. */
	memset(big, 'A', 1023);
	big[1023] = '\n';
	big[1024] = '\0';
	hostile(big, "ERR syntax ", DS_REACH_WHY_SYNTAX_KEYWORD);
	memset(big, 'A', 1024);
	big[1024] = '\n';
	big[1025] = '\0';
	hostile(big, "ERR too-long ", DS_REACH_WHY_LINE_TOO_LONG);

	/* The checker still serves. */
	agent_cfg_init(&cfg, AF_INET);
	cfg.test_family = AF_INET;
	cfg.allow_unfit = true;
	agent_run(&run, &cfg);
	assert_int_equal(run.r.err, 0);
	assert_int_equal(run.r.verdict, DS_REACH_REACHABLE);
}

/* How the ERR text hook below answers. */
static enum { TEXT_WORDS, TEXT_LONG, TEXT_FAIL } text_mode;

static int
refusal_text(
    const struct ds_reach_refusal *rf, char *buf, size_t size, void *userdata)
{
	char long_text[1000];

	(void)userdata;
	switch (text_mode) {
	case TEXT_WORDS:
		/* A DEL and a UTF-8 e-acute: not for the wire. */
		return snprintf(buf, size, "%s at column %u\x7f\xc3\xa9",
		    ds_reach_why_name(rf->why), rf->column);
	case TEXT_LONG:
		memset(long_text, 'x', sizeof(long_text) - 1);
		long_text[sizeof(long_text) - 1] = '\0';
		return snprintf(buf, size, "%s", long_text);
	case TEXT_FAIL:
	default:
		return -1;
	}
}

/* The program's words for ERR lines: printable ASCII only, cut to fit,
 * or no text at all when it has none. */
static void
test_refusal_text(void **state)
{
	struct ds_reach_server_config sc = {.refusal_text = refusal_text};
	char want[512];
	struct raw c;

	(void)state;
	checker_start(&sc, true, false);
	text_mode = TEXT_WORDS;
	hostile("check\n", "ERR syntax syntax-keyword at column 1???\n",
	    DS_REACH_WHY_SYNTAX_KEYWORD);
	text_mode = TEXT_FAIL;
	hostile("check\n", "ERR syntax\n", DS_REACH_WHY_SYNTAX_KEYWORD);
	/* 383 bytes of text at most, whatever the words. */
	text_mode = TEXT_LONG;
	memset(want, 'x', sizeof(want));
	memcpy(want, "ERR syntax ", 11);
	want[11 + 383] = '\n';
	want[11 + 384] = '\0';
	raw_open(&c, T.port4);
	raw_expect(&c, "DSREACH 2");
	raw_send(&c, "check\n");
	raw_expect(&c, want);
	raw_expect_eof(&c);
	raw_close(&c);
}

/* The garbage after OK: ERR state, and the check is dropped. */
static void
test_line_during_check(void **state)
{
	struct ds_reach_server_config sc = {0};
	struct raw c;

	(void)state;
	checker_start(&sc, true, false);
	raw_open(&c, T.port4);
	raw_expect(&c, "DSREACH 2");
	raw_send(&c, "CHECK 127.0.0.1 4000 1 port-only\n");
	raw_expect(&c, "OK 1 1000");
	raw_send(&c, "CHECK 127.0.0.1 4000 1 port-only\n");
	raw_expect(&c, "ERR state ");
	raw_expect_eof(&c);
	raw_close(&c);
}

/* Nothing said within idle_us: ERR timeout. */
static void
test_idle(void **state)
{
	struct ds_reach_server_config sc = {.idle_us = 200000};
	struct raw c;
	uint64_t t0 = ds_time_now_us();

	(void)state;
	checker_start(&sc, true, false);
	raw_open(&c, T.port4);
	raw_expect(&c, "DSREACH 2");
	raw_send(&c, "CHECK 127.0.0.1 40");
	raw_expect(&c, "ERR timeout ");
	raw_expect_eof(&c);
	raw_close(&c);
	assert_true(ds_time_now_us() - t0 >= 150000u);
}

/* After OK, TOKENS is due by the deadline plus idle_us: else ERR
 * timeout, and the check is dropped without a report. */
static void
test_no_tokens(void **state)
{
	struct ds_reach_server_config sc = {
	    .idle_us = 200000, .deadline_us = 300000};
	struct raw c;
	char check[128];
	uint16_t port;
	uint64_t t0;
	int fd;

	(void)state;
	fd = tcp_socket(AF_INET, true, &port);
	checker_start(&sc, true, false);
	raw_open(&c, T.port4);
	raw_expect(&c, "DSREACH 2");
	snprintf(check, sizeof(check), "CHECK 127.0.0.1 %u 2\n", port);
	t0 = ds_time_now_us();
	raw_send(&c, check);
	raw_expect(&c, "OK 2 300");
	raw_expect(&c, "ERR timeout ");
	raw_expect_eof(&c);
	raw_close(&c);
	close(fd);
	assert_true(ds_time_now_us() - t0 >= 450000u);
	assert_int_equal(logged_refusal(DS_REACH_E_TIMEOUT), 1);
}

/* max_agents 1: the second control connection is turned away. */
static void
test_max_agents(void **state)
{
	struct ds_reach_server_config sc = {.max_agents = 1};
	struct raw a, b;

	(void)state;
	checker_start(&sc, true, false);
	raw_open(&a, T.port4);
	raw_expect(&a, "DSREACH 2");
	raw_open(&b, T.port4);
	raw_expect(&b, "ERR busy ");
	raw_expect_eof(&b);
	raw_close(&b);
	raw_close(&a);
	pump_for(50);
}

/* --- Tokens by hand ------------------------------------------------------- */

/*
 * The agent played by hand: a listener on ::1, 3 test connections, their
 * tokens read; returned are the first token (twice: counts once), the
 * second altered in its last digit, and not the third. Expected: one
 * delivered, one mismatch, one not-returned, in the attempts that got
 * those tokens... in attempt order for the last two.
 */
static void
test_mismatch(void **state)
{
	struct ds_reach_server_config sc = {0};
	struct raw c;
	char line[DS_REACH_LINE_MAX], msg[512];
	char tokens[3][DS_REACH_TOKEN_HEX + 1];
	unsigned n_tok = 0, n_del = 0, n_mis = 0, n_nr = 0, i;
	struct raw tc[3];
	uint64_t end;
	uint16_t port;
	int lfd;

	(void)state;
	NEED_IPV6_LOOPBACK();
	lfd = tcp_socket(AF_INET6, true, &port);
	checker_start(&sc, true, false);
	raw_open(&c, T.port4);
	raw_expect(&c, "DSREACH 2");
	snprintf(msg, sizeof(msg), "CHECK ::1 %u 3\n", port);
	raw_send(&c, msg);
	raw_claim(&c, tokens[0]);
	raw_expect(&c, "OK 3 1000");

	end = ds_time_now_us() + WAIT_MS * 1000u;
	while (n_tok < 3) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		assert_true(ds_time_now_us() < end);
		if (fd == -1) {
			assert_true(ds_loop_run_once(T.loop, 10000) >= 0);
			continue;
		}
		memset(&tc[n_tok], 0, sizeof(tc[n_tok]));
		tc[n_tok].fd = fd;
		assert_true(raw_line(&tc[n_tok], line, sizeof(line)));
		assert_int_equal(strlen(line), DS_REACH_TOKEN_HEX);
		memcpy(tokens[n_tok], line, DS_REACH_TOKEN_HEX + 1);
		/* The checker sends the token and nothing else. */
		raw_expect_eof(&tc[n_tok]);
		raw_close(&tc[n_tok]);
		n_tok++;
	}
	close(lfd);
	tokens[1][DS_REACH_TOKEN_HEX - 1] =
	    tokens[1][DS_REACH_TOKEN_HEX - 1] == '0' ? '1' : '0';
	snprintf(msg, sizeof(msg), "TOKENS %s %s %s END\n", tokens[0],
	    tokens[0], tokens[1]);
	raw_send(&c, msg);
	raw_expect(&c, "RESULT partial 1/3");
	for (i = 0; i < 3; i++) {
		assert_true(raw_line(&c, line, sizeof(line)));
		if (strstr(line, " delivered "))
			n_del++;
		else if (strstr(line, " mismatch "))
			n_mis++;
		else if (strstr(line, " not-returned "))
			n_nr++;
	}
	raw_expect(&c, "DONE");
	raw_close(&c);
	assert_int_equal(n_del, 1);
	assert_int_equal(n_mis, 1);
	assert_int_equal(n_nr, 1);
}

/* --- Holding the target: claims ------------------------------------------- */

/* A listener on addr (127.0.0.x) to count connections made to it. */
static int
count_listener(const char *where, uint16_t *port)
{
	struct ds_endpoint e = {.addr = addr(where)};
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	assert_int_equal(ds_endpoint_to_sockaddr(&e, &ss, &len), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(listen(fd, 64), 0);
	len = sizeof(ss);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	assert_int_equal(
	    ds_endpoint_from_sockaddr((struct sockaddr *)&ss, len, &e), 0);
	*port = e.port;
	return fd;
}

static unsigned
count_accepted(int lfd)
{
	unsigned n = 0;
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		close(fd);
		n++;
	}
	return n;
}

/*
 * Control over IPv6 from ::1, target 127.0.0.2 on the other family: the
 * checker asks for a claim. The claim comes from 127.0.0.1, not from the
 * target: both connections are refused, and nothing reaches 127.0.0.2.
 */
static void
test_claim_from_elsewhere(void **state)
{
	struct ds_reach_server_config sc = {0};
	const struct ds_reach_refusal *rf;
	char line[DS_REACH_LINE_MAX], msg[128];
	struct ds_reach_msg m;
	struct raw c, k;
	uint16_t port;
	int lfd;

	(void)state;
	NEED_IPV6_LOOPBACK();
	lfd = count_listener("127.0.0.2", &port);
	checker_start(&sc, true, true);
	raw_open_family(&c, T.port6, true);
	raw_expect(&c, "DSREACH 2");
	snprintf(msg, sizeof(msg), "CHECK 127.0.0.2 %u 3\n", port);
	raw_send(&c, msg);
	assert_true(raw_line(&c, line, sizeof(line)));
	assert_int_equal(ds_reach_msg_parse(line, strlen(line), &m, NULL), 0);
	assert_int_equal(m.type, DS_REACH_MSG_PROVE);
	assert_int_equal(m.prove_to.addr.family, AF_INET);
	assert_int_equal(m.prove_to.port, T.port4);

	raw_open(&k, T.port4); /* from 127.0.0.1 */
	raw_expect(&k, "DSREACH 2");
	snprintf(
	    msg, sizeof(msg), "CLAIM %.*s\n", DS_REACH_TOKEN_HEX, m.tokens[0]);
	raw_send(&k, msg);
	raw_expect(&k, "ERR target claim-source\n");
	raw_expect(&c, "ERR target claimed-elsewhere\n");
	raw_expect_eof(&c);
	rf = refusal(DS_REACH_WHY_CLAIM_SOURCE);
	assert_true(addr_is(&rf->from, "127.0.0.1"));
	assert_true(addr_is(&rf->target, "127.0.0.2"));
	rf = refusal(DS_REACH_WHY_CLAIMED_ELSEWHERE);
	assert_true(addr_is(&rf->from, "127.0.0.1"));
	assert_true(addr_is(&rf->target, "127.0.0.2"));
	raw_close(&c);
	raw_close(&k);
	pump_for(50);
	assert_int_equal(count_accepted(lfd), 0);
	close(lfd);
	assert_int_equal(logged(DS_REACH_EV_STARTED), 0);
}

/* No claim at all: refused at the deadline, nothing sent to the target. */
static void
test_claim_missing(void **state)
{
	struct ds_reach_server_config sc = {.deadline_us = 200000};
	char msg[128];
	struct raw c;
	uint16_t port;
	int lfd;

	(void)state;
	NEED_IPV6_LOOPBACK();
	lfd = count_listener("127.0.0.1", &port);
	checker_start(&sc, true, true);
	raw_open_family(&c, T.port6, true);
	raw_expect(&c, "DSREACH 2");
	snprintf(msg, sizeof(msg), "CHECK 127.0.0.1 %u 2 port-only\n", port);
	raw_send(&c, msg);
	raw_expect(&c, "PROVE ");
	raw_expect(&c, "ERR target no-claim\n");
	raw_close(&c);
	assert_true(
	    addr_is(&refusal(DS_REACH_WHY_NO_CLAIM)->target, "127.0.0.1"));
	assert_int_equal(refusal(DS_REACH_WHY_NO_CLAIM)->limit, 200);
	assert_int_equal(count_accepted(lfd), 0);
	close(lfd);
}

/* A claim nobody asked for. */
static void
test_claim_unknown(void **state)
{
	struct ds_reach_server_config sc = {0};
	struct raw k;

	(void)state;
	checker_start(&sc, true, false);
	raw_open(&k, T.port4);
	raw_expect(&k, "DSREACH 2");
	raw_send(&k, "CLAIM 0123456789abcdef0123456789abcdef\n");
	raw_expect(&k, "ERR state claim-unknown\n");
	raw_close(&k);
}

/* The checker's own address is refused although an allowed prefix
 * holds it; allow_self lifts that (checker_start with allow). */
static void
test_self(void **state)
{
	struct ds_reach_server_config sc = {0};
	struct ds_prefix allowed = prefix("127.0.0.0/8");
	char msg[128];
	struct raw c;
	uint16_t port;
	int lfd;

	(void)state;
	lfd = count_listener("127.0.0.1", &port);
	sc.allow_targets = &allowed;
	sc.n_allow_targets = 1;
	checker_start(&sc, false, false);
	raw_open(&c, T.port4);
	raw_expect(&c, "DSREACH 2");
	snprintf(msg, sizeof(msg), "CHECK 127.0.0.1 %u 1 port-only\n", port);
	raw_send(&c, msg);
	raw_expect(&c, "ERR target target-self\n");
	raw_close(&c);
	assert_true(
	    addr_is(&refusal(DS_REACH_WHY_TARGET_SELF)->target, "127.0.0.1"));
	pump_for(20);
	assert_int_equal(count_accepted(lfd), 0);
	close(lfd);
}

/* Control connections per source: the third from 127.0.0.1 is refused,
 * another source still gets in, and a freed place is taken again. */
static void
test_per_source(void **state)
{
	struct ds_reach_server_config sc = {.max_agents_per_source = 2};
	const struct ds_reach_refusal *rf;
	struct raw a, b, c, d;

	(void)state;
	NEED_IPV6_LOOPBACK();
	checker_start(&sc, true, true);
	raw_open(&a, T.port4);
	raw_expect(&a, "DSREACH 2");
	raw_open(&b, T.port4);
	raw_expect(&b, "DSREACH 2");
	raw_open(&c, T.port4);
	raw_expect(&c, "ERR busy busy-source\n");
	raw_close(&c);
	pump_for(20);
	rf = refusal(DS_REACH_WHY_BUSY_SOURCE);
	assert_int_equal(rf->limit, 2);
	assert_true(addr_is(&rf->net.addr, "127.0.0.1"));
	assert_int_equal(rf->net.len, 32);
	raw_open_family(&d, T.port6, true);
	raw_expect(&d, "DSREACH 2");
	raw_close(&a);
	/* The checker notices a is gone and frees its place. */
	pump_for(100);
	raw_open(&c, T.port4);
	raw_expect(&c, "DSREACH 2");
	raw_close(&b);
	raw_close(&c);
	raw_close(&d);
}

/* Test connections per target and minute, from all agents together. */
static void
test_target_budget(void **state)
{
	struct ds_reach_server_config sc = {.target_per_min = 4};
	char line[DS_REACH_LINE_MAX], msg[128];
	struct raw c;
	uint16_t port;
	int fd;

	(void)state;
	fd = tcp_socket(AF_INET, false, &port);
	checker_start(&sc, true, false);
	raw_open(&c, T.port4);
	raw_expect(&c, "DSREACH 2");
	snprintf(msg, sizeof(msg), "CHECK 127.0.0.1 %u 5 port-only\n", port);
	raw_send(&c, msg);
	raw_expect(&c, "ERR count count\n");
	raw_close(&c);
	assert_int_equal(refusal(DS_REACH_WHY_COUNT)->count, 5);
	assert_int_equal(refusal(DS_REACH_WHY_COUNT)->limit, 4);
	raw_open(&c, T.port4);
	raw_expect(&c, "DSREACH 2");
	snprintf(msg, sizeof(msg), "CHECK 127.0.0.1 %u 3 port-only\n", port);
	raw_send(&c, msg);
	raw_expect(&c, "OK 3 ");
	raw_send(&c, "TOKENS END\n");
	raw_expect(&c, "RESULT unreachable 0/3");
	do
		assert_true(raw_line(&c, line, sizeof(line)));
	while (strcmp(line, "DONE") != 0);
	snprintf(msg, sizeof(msg), "CHECK 127.0.0.1 %u 2 port-only\n", port);
	raw_send(&c, msg);
	raw_expect(&c, "ERR rate rate-target\n");
	raw_close(&c);
	assert_int_equal(refusal(DS_REACH_WHY_RATE_TARGET)->limit, 4);
	assert_int_equal(refusal(DS_REACH_WHY_RATE_TARGET)->net.len, 32);
	close(fd);
}

/*
 * The budget tables full of agents: a newcomer from another network is
 * still admitted (the bucket used longest ago goes). Agents from 2100
 * /24s of 127/8, each a port-only check of its own address: two agent
 * buckets (/32, /24) and two target buckets each, more than either
 * table holds (4096).
 */
static void
test_budget_table_full(void **state)
{
	struct ds_reach_server_config sc = {0};
	char line[DS_REACH_LINE_MAX], msg[128];
	uint16_t port;
	unsigned i;
	int fd;

	(void)state;
	fd = tcp_socket(AF_INET, false, &port);
	checker_start(&sc, true, false);
	for (i = 0; i <= 2100; i++) {
		struct sockaddr_in sin = {.sin_family = AF_INET};
		struct raw c;

		memset(&c, 0, sizeof(c));
		c.fd = socket(
		    AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		assert_true(c.fd >= 0);
		/* 127.1.0.1, 127.1.1.1, ... 127.9.52.1: a /24 each. */
		sin.sin_addr.s_addr = htonl(0x7f010001u + (i << 8));
		assert_int_equal(
		    bind(c.fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons(T.port4);
		assert_true(
		    connect(c.fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 ||
		    errno == EINPROGRESS);
		raw_expect(&c, "DSREACH 2");
		snprintf(msg, sizeof(msg), "CHECK 127.%u.%u.1 %u 1 port-only\n",
		    1 + (i >> 8), i & 0xff, port);
		raw_send(&c, msg);
		if (!raw_line(&c, line, sizeof(line)) ||
		    strncmp(line, "OK 1 ", 5) != 0) {
			print_message("# agent %u: \"%s\"\n", i, line);
			fail();
		}
		raw_close(&c);
	}
	close(fd);
}

/* --- The agent does not take the checker's word for it -------------------- */

/*
 * A "checker" that claims every token came back while it made no test
 * connection: the agent counts the attempt a mismatch and the check
 * unreachable.
 */
static void
test_lying_checker(void **state)
{
	struct ds_reach_agent_config cfg;
	struct agent_run run = {0};
	char buf[512];
	uint16_t port;
	int lfd, fd = -1;
	size_t len = 0;
	ssize_t n;

	(void)state;
	lfd = tcp_socket(AF_INET, true, &port);
	agent_cfg_init(&cfg, AF_INET);
	cfg.port = port;
	cfg.test_family = AF_INET;
	cfg.count = 1;
	cfg.allow_unfit = true;
	agent_start(&run, &cfg);
	while (fd == -1 && !run.done) {
		assert_true(ds_loop_run_once(T.loop, 10000) >= 0);
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	}
	assert_true(fd >= 0);
	assert_int_equal(send(fd, "DSREACH 2\n", 10, MSG_NOSIGNAL), 10);
	/* CHECK, then OK; TOKENS END (nothing came), then the lie. */
	while (!memchr(buf, '\n', len) && !run.done) {
		assert_true(ds_loop_run_once(T.loop, 10000) >= 0);
		n = recv(fd, buf + len, sizeof(buf) - len, 0);
		if (n > 0)
			len += (size_t)n;
	}
	assert_int_equal(strncmp(buf, "CHECK 127.0.0.1 ", 16), 0);
	assert_int_equal(send(fd, "OK 1 100\n", 9, MSG_NOSIGNAL), 9);
	len = 0;
	memset(buf, 0, sizeof(buf));
	while (!strstr(buf, "END\n") && !run.done) {
		assert_true(ds_loop_run_once(T.loop, 10000) >= 0);
		n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (n > 0)
			len += (size_t)n;
	}
	assert_string_equal(buf, "TOKENS END\n");
	snprintf(buf, sizeof(buf),
	    "RESULT reachable 1/1\nATTEMPT 1 delivered 1 0\nDONE\n");
	assert_int_equal(
	    send(fd, buf, strlen(buf), MSG_NOSIGNAL), (ssize_t)strlen(buf));
	assert_true(pump_until(&run.done, WAIT_MS));
	run.a = ds_reach_agent_free(run.a);
	close(fd);
	close(lfd);
	assert_int_equal(run.r.err, 0);
	assert_int_equal(run.r.n_seen, 0);
	assert_int_equal(run.r.attempts[0].outcome, DS_REACH_MISMATCH);
	assert_int_equal(run.r.not_seen, 1);
	assert_true(run.r.disagrees);
	assert_int_equal(run.r.delivered, 0);
	assert_int_equal(run.r.verdict, DS_REACH_UNREACHABLE);
}

/* One unknown token returned many times is one mismatch, not many. */
static void
test_unknown_token_repeated(void **state)
{
	struct ds_reach_server_config sc = {0};
	char line[DS_REACH_LINE_MAX], msg[1024];
	unsigned n_mis = 0, i;
	struct raw c;
	uint16_t port;
	int lfd;

	(void)state;
	lfd = tcp_socket(AF_INET, true, &port);
	checker_start(&sc, true, false);
	raw_open(&c, T.port4);
	raw_expect(&c, "DSREACH 2");
	snprintf(msg, sizeof(msg), "CHECK 127.0.0.1 %u 4\n", port);
	raw_send(&c, msg);
	raw_expect(&c, "OK 4 1000");
	/* Let the four test connections connect (into the backlog). */
	pump_for(100);
	strcpy(msg, "TOKENS");
	for (i = 0; i < 16; i++)
		strcat(msg, " 00000000000000000000000000000bad");
	strcat(msg, " END\n");
	raw_send(&c, msg);
	assert_true(raw_line(&c, line, sizeof(line)));
	assert_string_equal(line, "RESULT unreachable 0/4");
	for (i = 0; i < 4; i++) {
		assert_true(raw_line(&c, line, sizeof(line)));
		if (strstr(line, " mismatch "))
			n_mis++;
	}
	raw_expect(&c, "DONE");
	raw_close(&c);
	close(lfd);
	assert_int_equal(n_mis, 1);
}

/* --- The agent refuses first ---------------------------------------------- */

/* A link-local address cannot be reached from outside: no check at all. */
static void
test_unfit_advertise(void **state)
{
	struct ds_reach_server_config sc = {0};
	struct ds_reach_agent_config cfg;
	struct agent_run run = {0};

	(void)state;
	checker_start(&sc, true, false);
	agent_cfg_init(&cfg, AF_INET);
	cfg.advertise = addr("fe80::1");
	agent_run(&run, &cfg);
	assert_int_equal(run.r.err, -EADDRNOTAVAIL);
	assert_int_equal(run.r.fault.what, DS_REACH_FAIL_UNFIT);
	assert_int_equal(run.r.fault.block, DS_KIND_LINK_LOCAL);
	assert_true(ds_addr_equal(&run.r.fault.addr, &cfg.advertise));
	assert_string_equal(run.r.err_text, "");
	assert_int_equal(run.r.err_code, 0);
	assert_int_equal(T.n_log, 0);
	assert_int_equal(run.n_trace, 0);
}

/* No checker there: the control connection fails, said so. */
static void
test_no_checker(void **state)
{
	struct ds_reach_agent_config cfg;
	struct agent_run run = {0};
	uint16_t port;
	int fd;

	(void)state;
	fd = tcp_socket(AF_INET, false, &port);
	agent_cfg_init(&cfg, AF_INET);
	cfg.port = port;
	cfg.allow_unfit = true;
	agent_run(&run, &cfg);
	close(fd);
	assert_int_equal(run.r.err, -ECONNREFUSED);
	assert_int_equal(run.r.fault.what, DS_REACH_FAIL_CONNECT);
	assert_int_equal(run.r.fault.err, -ECONNREFUSED);
	assert_int_equal(run.r.fault.n, port);
	assert_int_equal(run.trace[run.n_trace - 1], DS_REACH_AG_FAILED);
}

/* A "checker" that greets with another version. */
static void
test_wrong_version(void **state)
{
	struct ds_reach_agent_config cfg;
	struct agent_run run = {0};
	uint16_t port;
	int lfd, fd = -1;

	(void)state;
	lfd = tcp_socket(AF_INET, true, &port);
	agent_cfg_init(&cfg, AF_INET);
	cfg.port = port;
	cfg.allow_unfit = true;
	agent_start(&run, &cfg);
	while (fd == -1 && !run.done) {
		assert_true(ds_loop_run_once(T.loop, 10000) >= 0);
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	}
	assert_true(fd >= 0);
	assert_int_equal(send(fd, "DSREACH 3\n", 10, MSG_NOSIGNAL), 10);
	assert_true(pump_until(&run.done, WAIT_MS));
	run.a = ds_reach_agent_free(run.a);
	close(fd);
	close(lfd);
	assert_int_equal(run.r.err, -EPROTONOSUPPORT);
	assert_int_equal(run.r.fault.what, DS_REACH_FAIL_VERSION);
	assert_int_equal(run.r.fault.n, 3);
	assert_int_equal(run.r.fault.of, DS_REACH_VERSION);
}

/*
 * Freeing in the middle: an agent once it has announced (its listener
 * and control connection open), then a server with a check running (its
 * test connections open).
 */
static void
test_free_midway(void **state)
{
	struct ds_reach_server_config sc = {0};
	struct ds_reach_agent_config cfg;
	struct agent_run run = {0};
	char check[128];
	struct raw c;
	uint16_t port;
	int fd;

	(void)state;
	fd = tcp_socket(AF_INET, true, &port);
	checker_start(&sc, true, false);
	agent_cfg_init(&cfg, AF_INET);
	cfg.test_family = AF_INET;
	cfg.allow_unfit = true;
	run.stop_at = DS_REACH_AG_ANNOUNCED;
	agent_start(&run, &cfg);
	assert_true(pump_until(&run.stopped, WAIT_MS));
	run.a = ds_reach_agent_free(run.a);
	assert_false(run.done);

	raw_open(&c, T.port4);
	raw_expect(&c, "DSREACH 2");
	snprintf(check, sizeof(check), "CHECK 127.0.0.1 %u 4\n", port);
	raw_send(&c, check);
	raw_expect(&c, "OK 4 1000");
	pump_for(20);
	T.srv = ds_reach_server_free(T.srv);
	T.l4 = ds_listener_free(T.l4);
	raw_expect_eof(&c);
	raw_close(&c);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_reachable_v6, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_reachable_v4_own_address, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_port_only_connected, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_port_only_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_two_agents, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_target_not_global, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_low_port, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_third_party_target, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_third_party_any_target, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rate, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_hostile_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refusal_text, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_line_during_check, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_idle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_tokens, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_max_agents, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mismatch, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_unfit_advertise, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_checker, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_wrong_version, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_free_midway, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_claim_from_elsewhere, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_claim_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_claim_unknown, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_self, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_per_source, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_target_budget, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_budget_table_full, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_lying_checker, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_unknown_token_repeated, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
