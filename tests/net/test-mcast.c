/* SPDX-License-Identifier: MIT */
/*
 * ds_mcast on one interface, both families: a group joined there
 * receives what another socket of the host sends to it (looped back),
 * with the hop limit that was set, the group as destination, the
 * interface it was joined on and the sender as source; a
 * source-specific join takes its source and not another; loopback off
 * means nothing comes back; a leave stops reception.
 *
 * As root the test runs in a network namespace of its own with a veth
 * pair (isolate()). Otherwise it runs on the host's lo, IPv4 only where
 * IPv6 has no multicast route there (lo lacks the MULTICAST flag), and
 * without the cases that need a known source address or a device that
 * does not itself loop every packet back (SSM, loopback off). The
 * scenarios across hosts, a bridge and a router are tests/net/mcast.sh.
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "net-test.h"

#include "dualstack/error.h"
#include "dualstack/loop.h"
#include "dualstack/mcast.h"

/* In a network namespace of our own, with the veth dsmt0. */
static bool isolated;

struct got {
	int n;
	struct ds_mcast_event last;
	uint8_t data[64];
};

static void
on_event(struct ds_mcast_sock *s, const struct ds_mcast_event *ev, void *u)
{
	struct got *g = u;

	(void)s;
	if (ev->kind != DS_MCAST_EV_DATA)
		return;
	g->n++;
	g->last = *ev;
	memcpy(g->data, ev->data, ev->len < 64 ? ev->len : 64);
}

/* Run the loop for about ms milliseconds. */
static void
spin(struct ds_loop *loop, int ms)
{
	uint64_t end = ds_time_now_us() + (uint64_t)ms * 1000;

	while (ds_time_now_us() < end)
		ds_loop_run_once(loop, 10000);
}

struct pair {
	struct ds_loop *loop;
	struct ds_mcast_sock *rx, *tx;
	struct got got;
	struct ds_endpoint to;
	uint16_t tx_port;
	uint32_t lo;
};

/* A receiver on port 0 and a sender, both on the test interface. */
static void
pair_open(struct pair *p, int family, unsigned hops, bool no_loop)
{
	struct ds_mcast_opts ro = {.family = family, .hops = 1};
	struct ds_mcast_opts to = {
	    .family = family, .hops = hops, .no_loop = no_loop};
	struct ds_endpoint local;

	memset(p, 0, sizeof(*p));
	p->lo = if_nametoindex(isolated ? "dsmt0" : "lo");
	assert_true(p->lo > 0);
	ro.ifindex = to.ifindex = p->lo;
	assert_int_equal(ds_loop_new(&p->loop), 0);
	assert_int_equal(
	    ds_mcast_sock_new(p->loop, &ro, on_event, &p->got, &p->rx), 0);
	assert_int_equal(
	    ds_mcast_sock_new(p->loop, &to, NULL, NULL, &p->tx), 0);
	assert_int_equal(ds_mcast_local(p->rx, &local), 0);
	p->to.port = local.port;
	assert_int_equal(ds_mcast_local(p->tx, &local), 0);
	p->tx_port = local.port;
}

static void
pair_close(struct pair *p)
{
	ds_mcast_sock_free(p->rx);
	ds_mcast_sock_free(p->tx);
	ds_loop_free(p->loop);
}

static void
send_one(struct pair *p, const char *text)
{
	int r = ds_mcast_send(p->tx, &p->to, text, strlen(text));

	/* The host's lo, without the MULTICAST flag, has no IPv6
	 * multicast route. */
	if (r == -ENETUNREACH && !isolated) {
		pair_close(p);
		print_message("# skip: no multicast route on lo here\n");
		skip();
	}
	assert_int_equal(r, (int)strlen(text));
}

static struct ds_addr
addr(const char *s)
{
	struct ds_addr a;

	assert_int_equal(ds_addr_parse(s, strlen(s), 0, &a, NULL), 0);
	return a;
}

/* ASM: joined, received with everything the event carries; left, not. */
static void
asm_case(int family, const char *group, const char *src)
{
	struct pair p;
	struct ds_mcast_spec sp = {.group = addr(group)};
	struct ds_addr want_src = addr(src);
	int fds = count_fds();

	pair_open(&p, family, 7, false);
	sp.ifindex = p.lo;
	p.to.addr = sp.group;
	assert_int_equal(ds_mcast_join(p.rx, &sp), 0);
	/* A second join of the same group is the kernel's -EADDRINUSE. */
	assert_int_equal(ds_mcast_join(p.rx, &sp), -EADDRINUSE);
	send_one(&p, "one");
	spin(p.loop, 100);
	assert_int_equal(p.got.n, 1);
	assert_int_equal(p.got.last.hops, 7);
	assert_int_equal(p.got.last.ifindex, p.lo);
	assert_true(ds_addr_equal(&p.got.last.dest, &sp.group));
	assert_int_equal(p.got.last.source.port, p.tx_port);
	/* On the host's lo the kernel picks the source among all the
	 * host's addresses; in the namespace there is one. */
	if (isolated)
		assert_true(ds_addr_equal(&p.got.last.source.addr, &want_src));
	assert_int_equal(p.got.last.len, 3);
	assert_memory_equal(p.got.data, "one", 3);
	assert_false(p.got.last.truncated);
	assert_true(p.got.last.time_us > 1600000000ull * 1000000);

	assert_int_equal(ds_mcast_leave(p.rx, &sp), 0);
	assert_int_equal(ds_mcast_leave(p.rx, &sp), -EADDRNOTAVAIL);
	send_one(&p, "two");
	spin(p.loop, 100);
	assert_int_equal(p.got.n, 1);
	pair_close(&p);
	assert_int_equal(count_fds(), fds);
}

static void
test_asm_v4(void **state)
{
	(void)state;
	asm_case(AF_INET, "239.255.10.1", "192.0.2.1");
}

static void
test_asm_v6(void **state)
{
	(void)state;
	NEED_IPV6_LOOPBACK();
	asm_case(AF_INET6, "ff05::1:10", "2001:db8::1");
}

/* SSM: the source sent from is received, another source's join not. */
static void
ssm_case(int family, const char *group, const char *right, const char *wrong)
{
	struct pair p;
	struct ds_mcast_spec sp = {.group = addr(group), .source = addr(wrong)};

	if (!isolated) {
		print_message("# skip: needs root (a namespace of its own)\n");
		skip();
	}
	pair_open(&p, family, 1, false);
	sp.ifindex = p.lo;
	p.to.addr = sp.group;
	assert_int_equal(ds_mcast_join(p.rx, &sp), 0);
	send_one(&p, "x");
	spin(p.loop, 100);
	assert_int_equal(p.got.n, 0);
	assert_int_equal(ds_mcast_leave(p.rx, &sp), 0);
	sp.source = addr(right);
	assert_int_equal(ds_mcast_join(p.rx, &sp), 0);
	send_one(&p, "y");
	spin(p.loop, 100);
	assert_int_equal(p.got.n, 1);
	assert_int_equal(p.got.last.hops, 1);
	pair_close(&p);
}

static void
test_ssm_v4(void **state)
{
	(void)state;
	ssm_case(AF_INET, "232.1.2.3", "192.0.2.1", "192.0.2.99");
}

static void
test_ssm_v6(void **state)
{
	(void)state;
	NEED_IPV6_LOOPBACK();
	ssm_case(AF_INET6, "ff3e::8000:1", "2001:db8::1", "2001:db8::99");
}

/* Loopback off: the only receiver is on this host, so nothing. */
static void
no_loop_case(int family, const char *group)
{
	struct pair p;
	struct ds_mcast_spec sp = {.group = addr(group)};

	if (!isolated) {
		print_message("# skip: needs root (lo loops everything)\n");
		skip();
	}
	pair_open(&p, family, 1, true);
	sp.ifindex = p.lo;
	p.to.addr = sp.group;
	assert_int_equal(ds_mcast_join(p.rx, &sp), 0);
	send_one(&p, "z");
	spin(p.loop, 100);
	assert_int_equal(p.got.n, 0);
	pair_close(&p);
}

static void
test_no_loop(void **state)
{
	(void)state;
	no_loop_case(AF_INET, "239.255.10.2");
	no_loop_case(AF_INET6, "ff02::10:2");
}

/* What is refused before the kernel is asked. */
static void
test_refused(void **state)
{
	struct pair p;
	struct ds_mcast_spec sp = {.group = addr("ff02::1:10")};
	struct ds_mcast_opts big = {.family = AF_INET, .hops = 256};
	struct ds_mcast_sock *s;

	(void)state;
	pair_open(&p, AF_INET, 1, false);
	assert_int_equal(ds_mcast_join(p.rx, &sp), -DS_E_MCAST_NEEDS_IFACE);
	sp.ifindex = p.lo;
	/* An IPv6 group on an IPv4 socket. */
	assert_int_equal(ds_mcast_join(p.rx, &sp), -DS_E_FAMILY);
	sp = (struct ds_mcast_spec){.group = addr("224.0.0.200")};
	assert_int_equal(ds_mcast_join(p.rx, &sp), -DS_E_MCAST_NEEDS_IFACE);
	assert_int_equal(
	    ds_mcast_sock_new(p.loop, &big, NULL, NULL, &s), -ERANGE);
	pair_close(&p);
}

/*
 * As root, a network namespace for this process alone (unshare(2), gone
 * when it exits) with a veth pair whose one end has 192.0.2.1/24 and
 * 2001:db8::1/64: the test then neither depends on nor touches the
 * host's interfaces, and the sources are known.
 */
static bool
isolate(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) == -1)
		return false;
	return system("ip link set lo up && "
	              "ip link add dsmt0 type veth peer name dsmt1 && "
	              "ip addr add 192.0.2.1/24 dev dsmt0 && "
	              "ip addr add 2001:db8::1/64 dev dsmt0 nodad && "
	              "ip link set dsmt1 up && ip link set dsmt0 up") == 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_asm_v4),
	    cmocka_unit_test(test_asm_v6),
	    cmocka_unit_test(test_ssm_v4),
	    cmocka_unit_test(test_ssm_v6),
	    cmocka_unit_test(test_no_loop),
	    cmocka_unit_test(test_refused),
	};

	isolated = isolate();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
