/* SPDX-License-Identifier: MIT */
/*
 * ds_mcast, the pure part: group scopes and SSM ranges, the checks of a
 * group, a source and an interface against each other (valid and invalid
 * side by side), interface names through the zone parser, and the probe
 * payload both ways with every malformed form refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "dualstack/error.h"
#include "dualstack/mcast.h"

static struct ds_addr
addr(const char *s)
{
	struct ds_addr a;

	if (ds_addr_parse(s, strlen(s), 0, &a, NULL) < 0)
		fail_msg("bad test address %s", s);
	return a;
}

static void
test_group_info(void **state)
{
	static const struct {
		const char *group;
		int err;
		unsigned scope;
		bool ssm, needs_iface, node_local;
	} cases[] = {
	    {"ff02::1", 0, 2, false, true, false},
	    {"ff01::1", 0, 1, false, true, true},
	    {"ff11::1", 0, 1, false, true, true},
	    {"ff05::2", 0, 5, false, false, false},
	    {"ff0e::1:3", 0, 14, false, false, false},
	    {"ff3e::8000:1", 0, 14, true, false, false},
	    {"ff32::8000:1", 0, 2, true, true, false},
	    /* ff3e:30:2001:db8:: is unicast-prefix-based (RFC 3306), not
	     * SSM: the prefix length is 0x30. */
	    {"ff3e:30:2001:db8::1", 0, 14, false, false, false},
	    {"ff1e::1", 0, 14, false, false, false},
	    {"224.0.0.251", 0, 2, false, true, false},
	    {"224.0.1.1", 0, 14, false, false, false},
	    {"232.1.2.3", 0, 14, true, false, false},
	    {"239.255.1.1", 0, 5, false, false, false},
	    {"239.1.2.3", 0, 8, false, false, false},
	    {"239.255.255.255", 0, 5, false, false, false},
	    {"223.255.255.255", -DS_E_NOT_MULTICAST, 0, false, false, false},
	    {"240.0.0.1", -DS_E_NOT_MULTICAST, 0, false, false, false},
	    {"2001:db8::1", -DS_E_NOT_MULTICAST, 0, false, false, false},
	    {"fe80::1", -DS_E_NOT_MULTICAST, 0, false, false, false},
	};
	struct ds_addr none = {0};
	struct ds_mcast_group_info gi;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ds_addr g = addr(cases[i].group);
		int r = ds_mcast_group_info(&g, &gi);

		if (r != cases[i].err)
			fail_msg(
			    "%s: %d, not %d", cases[i].group, r, cases[i].err);
		if (r < 0)
			continue;
		if (gi.scope != cases[i].scope || gi.ssm != cases[i].ssm ||
		    gi.needs_iface != cases[i].needs_iface ||
		    gi.node_local != cases[i].node_local)
			fail_msg("%s: scope %u ssm %d iface %d node %d",
			    cases[i].group, gi.scope, gi.ssm, gi.needs_iface,
			    gi.node_local);
	}
	assert_int_equal(ds_mcast_group_info(&none, &gi), -EAFNOSUPPORT);
}

static void
test_check(void **state)
{
	static const struct {
		const char *group, *source;
		uint32_t ifindex;
		bool send, no_loop;
		int err;
	} cases[] = {
	    /* Valid. */
	    {"ff02::1", NULL, 1, false, false, 0},
	    {"ff02::1%1", NULL, 0, false, false, 0},
	    {"ff02::1%lo", NULL, 0, false, false, 0},
	    {"ff02::1%1", NULL, 1, false, false, 0},
	    {"ff05::1", NULL, 0, false, false, 0},
	    {"ff0e::1", NULL, 0, false, true, 0},
	    {"239.1.1.1", NULL, 0, false, false, 0},
	    {"224.0.0.200", NULL, 2, false, false, 0},
	    {"232.1.1.1", "192.0.2.1", 0, false, false, 0},
	    {"ff3e::8000:1", "2001:db8::1", 3, false, false, 0},
	    {"ff01::1", NULL, 1, false, false, 0},
	    {"ff05::1", "2001:db8::1", 0, false, false, 0},
	    /* Invalid. */
	    {"2001:db8::1", NULL, 1, false, false, -DS_E_NOT_MULTICAST},
	    {"192.0.2.1", NULL, 1, false, false, -DS_E_NOT_MULTICAST},
	    {"ff02::1", NULL, 0, false, false, -DS_E_MCAST_NEEDS_IFACE},
	    {"ff12::1:2", NULL, 0, false, false, -DS_E_MCAST_NEEDS_IFACE},
	    {"ff01::1", NULL, 0, false, false, -DS_E_MCAST_NEEDS_IFACE},
	    {"224.0.0.251", NULL, 0, false, false, -DS_E_MCAST_NEEDS_IFACE},
	    {"ff02::1%2", NULL, 3, false, false, -DS_E_MCAST_IFACE_CONFLICT},
	    {"ff00::1", NULL, 1, false, false, -DS_E_MCAST_SCOPE_RESERVED},
	    {"ff0f::1", NULL, 1, false, false, -DS_E_MCAST_SCOPE_RESERVED},
	    {"232.1.1.1", NULL, 0, false, false, -DS_E_MCAST_SSM_NO_SOURCE},
	    {"ff3e::8000:1", NULL, 0, false, false, -DS_E_MCAST_SSM_NO_SOURCE},
	    {"232.1.1.1", "2001:db8::1", 0, false, false,
	        -DS_E_MCAST_SOURCE_FAMILY},
	    {"ff3e::1", "192.0.2.1", 0, false, false,
	        -DS_E_MCAST_SOURCE_FAMILY},
	    {"232.1.1.1", "239.1.1.1", 0, false, false, -DS_E_MCAST_SOURCE_BAD},
	    {"232.1.1.1", "0.0.0.0", 0, false, false, -DS_E_MCAST_SOURCE_BAD},
	    {"ff3e::1", "::", 0, false, false, -DS_E_MCAST_SOURCE_BAD},
	    {"ff3e::1", "ff02::1", 0, false, false, -DS_E_MCAST_SOURCE_BAD},
	    {"ff01::1", NULL, 1, false, true, -DS_E_MCAST_NODE_NO_LOOP},
	    {"ff01::1", NULL, 1, true, true, -DS_E_MCAST_NODE_NO_LOOP},
	    /* A sender is the source of an SSM group. */
	    {"232.1.1.1", NULL, 0, true, false, 0},
	    {"ff3e::8000:1", NULL, 0, true, true, 0},
	    {"ff32::8000:1", NULL, 0, true, false, -DS_E_MCAST_NEEDS_IFACE},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ds_mcast_spec sp = {
		    .group = addr(cases[i].group),
		    .ifindex = cases[i].ifindex,
		    .send = cases[i].send,
		    .no_loop = cases[i].no_loop,
		};
		int r;

		if (cases[i].source)
			sp.source = addr(cases[i].source);
		r = ds_mcast_check(&sp);
		if (r != cases[i].err)
			fail_msg("%s source %s if %u: %d (%s), not %d",
			    cases[i].group,
			    cases[i].source ? cases[i].source : "-",
			    cases[i].ifindex, r, ds_strerror(r), cases[i].err);
	}
}

static void
test_resolve(void **state)
{
	struct ds_mcast_spec sp = {.group = addr("ff02::1%lo")};
	uint32_t lo;

	(void)state;
	/* The loopback interface exists wherever the tests run. */
	assert_int_equal(ds_mcast_ifindex("lo", &lo), 0);
	assert_true(lo > 0);
	assert_int_equal(ds_mcast_resolve(&sp), 0);
	assert_int_equal(sp.ifindex, lo);
	assert_string_equal(sp.group.zone, "");

	/* A name and a number that disagree. */
	sp = (struct ds_mcast_spec){
	    .group = addr("ff02::1%lo"), .ifindex = lo + 1000};
	assert_int_equal(ds_mcast_resolve(&sp), -DS_E_MCAST_IFACE_CONFLICT);

	/* A number is an index as it is; names that cannot be. */
	assert_int_equal(ds_mcast_ifindex("7", &lo), 0);
	assert_int_equal(lo, 7);
	assert_int_equal(
	    ds_mcast_ifindex("no-such-if0", &lo), -DS_E_ZONE_UNKNOWN);
	assert_int_equal(ds_mcast_ifindex("", &lo), -DS_E_ZONE_EMPTY);
	assert_int_equal(ds_mcast_ifindex("eth 0", &lo), -DS_E_ZONE_CHAR);
	assert_int_equal(
	    ds_mcast_ifindex("a-name-much-too-long-for-linux", &lo),
	    -DS_E_ZONE_LONG);
}

static void
test_probe(void **state)
{
	struct ds_mcast_probe p =
	                          {
	                              .kind = DS_MCAST_PROBE_MULTICAST,
	                              .hops = 63,
	                              .session = 0xdeadbeef,
	                              .seq = 0x01020304,
	                              .sent_us = 0x0001020304050607ull,
	                          },
	                      q;
	static const uint8_t want[DS_MCAST_PROBE_LEN] = {'d', 's', 'm', 'c', 1,
	    4, 63, 0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 6,
	    7};
	uint8_t buf[100];

	(void)state;
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(ds_mcast_probe_encode(&p, buf, 40), 24);
	assert_memory_equal(buf, want, sizeof(want));
	/* Padding is zeros up to the size, nothing beyond. */
	for (size_t i = 24; i < 40; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[40], 0xaa);
	assert_int_equal(ds_mcast_probe_decode(buf, 40, &q), 0);
	assert_int_equal(q.kind, p.kind);
	assert_int_equal(q.hops, p.hops);
	assert_int_equal(q.session, p.session);
	assert_int_equal(q.seq, p.seq);
	assert_true(q.sent_us == p.sent_us);

	assert_int_equal(ds_mcast_probe_encode(&p, buf, 23), -ENOBUFS);
	p.kind = 0;
	assert_int_equal(ds_mcast_probe_encode(&p, buf, 40), -EINVAL);
	p.kind = 5;
	assert_int_equal(ds_mcast_probe_encode(&p, buf, 40), -EINVAL);

	/* Short by one, each header byte wrong in turn. */
	memcpy(buf, want, sizeof(want));
	for (size_t n = 0; n < 24; n++)
		assert_int_equal(ds_mcast_probe_decode(buf, n, &q), -EBADMSG);
	for (size_t i = 0; i < 6; i++) {
		memcpy(buf, want, sizeof(want));
		buf[i] = i == 5 ? 0 : (uint8_t)(buf[i] ^ 0x40);
		assert_int_equal(ds_mcast_probe_decode(buf, 24, &q), -EBADMSG);
	}
	memcpy(buf, want, sizeof(want));
	buf[5] = 5;
	assert_int_equal(ds_mcast_probe_decode(buf, 24, &q), -EBADMSG);
	/* The reserved byte is ignored. */
	memcpy(buf, want, sizeof(want));
	buf[7] = 0xff;
	assert_int_equal(ds_mcast_probe_decode(buf, 24, &q), 0);

	assert_string_equal(ds_mcast_probe_kind_token(1), "data");
	assert_string_equal(ds_mcast_probe_kind_token(4), "multicast");
	assert_null(ds_mcast_probe_kind_token(0));
	assert_null(ds_mcast_probe_kind_token(5));
	assert_string_equal(ds_mcast_event_token(DS_MCAST_EV_ERROR), "error");
	assert_null(ds_mcast_event_token(0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_group_info),
	    cmocka_unit_test(test_check),
	    cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
