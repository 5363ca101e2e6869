/* SPDX-License-Identifier: MIT */
/*
 * ds_mcast, the pure part: group scopes and SSM ranges, the checks of a
 * group, a source and an interface against each other (valid and invalid
 * side by side), interface names through the zone parser, and the probe
 * payload both ways with every malformed form refused; the findings of
 * mcast check from its facts, the interface, route and firewall ones
 * included.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <net/if.h>
#include <linux/if_addr.h>

#include "dualstack/error.h"
#include "dualstack/fw.h"
#include "dualstack/host.h"
#include "dualstack/mcast.h"
#include "dualstack/packet.h"

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
	assert_int_equal(ds_ifname_index("lo", &lo), 0);
	assert_true(lo > 0);
	assert_int_equal(ds_mcast_resolve(&sp), 0);
	assert_int_equal(sp.ifindex, lo);
	assert_string_equal(sp.group.zone, "");

	/* A name and a number that disagree. */
	sp = (struct ds_mcast_spec){
	    .group = addr("ff02::1%lo"), .ifindex = lo + 1000};
	assert_int_equal(ds_mcast_resolve(&sp), -DS_E_MCAST_IFACE_CONFLICT);

	/* A number is an index as it is; names that cannot be. */
	assert_int_equal(ds_ifname_index("7", &lo), 0);
	assert_int_equal(lo, 7);
	assert_int_equal(
	    ds_ifname_index("no-such-if0", &lo), -DS_E_ZONE_UNKNOWN);
	assert_int_equal(ds_ifname_index("", &lo), -DS_E_ZONE_EMPTY);
	assert_int_equal(ds_ifname_index("eth 0", &lo), -DS_E_ZONE_CHAR);
	assert_int_equal(ds_ifname_index("a-name-much-too-long-for-linux", &lo),
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

static int
parse(enum ds_mcast_proc kind, const char *text, struct ds_mcast_membership *m,
    size_t max, size_t *errline)
{
	return ds_mcast_proc_parse(kind, text, strlen(text), m, max, errline);
}

static void
test_proc(void **state)
{
	/* As Linux 6.x writes them. */
	static const char igmp[] =
	    "Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n"
	    "1\tlo        :     1      V3\n"
	    "\t\t\t\t010000E0     1 0:00000000\t\t0\n"
	    "2\tdss12079  :     2      V3\n"
	    "\t\t\t\t010101E8     3 0:00000000\t\t0\n"
	    "\t\t\t\t010000E0     1 0:00000000\t\t0\n";
	static const char igmp6[] =
	    "1    lo              ff020000000000000000000000000001     1 "
	    "0000000C 0\n"
	    "2    dss12079        ff3e0000000000000000000080000009     2 "
	    "00000004 0\n";
	static const char mcf6[] =
	    "Idx Device                Multicast Address                   "
	    "Source Address    INC    EXC\n"
	    "  2 dss120 ff3e0000000000000000000080000009 "
	    "20010db8000000000000000000000001      1      0\n";
	static const char mcf[] =
	    "Idx Device        MCA        SRC    INC    "
	    "EXC\n"
	    "  2 dss120 0xe8010101 0xc6336401      1      "
	    "0\n";
	struct ds_mcast_membership m[4];
	struct ds_addr a;
	size_t line = 0;
	uint32_t v = 0x010101e8; /* how a little-endian host printed it */
	uint8_t b[4];

	(void)state;
	memcpy(b, &v, 4);
	assert_int_equal(parse(DS_MCAST_PROC_IGMP, igmp, m, 4, NULL), 3);
	assert_int_equal(m[1].ifindex, 2);
	assert_string_equal(m[1].ifname, "dss12079");
	assert_int_equal(m[1].users, 3);
	/* The word is the kernel's in-memory one: read back on the host
	 * that wrote it, it is 232.1.1.1 whatever the byte order. */
	if (b[0] == 0xe8) {
		a = addr("232.1.1.1");
		assert_true(ds_addr_equal(&m[1].group, &a));
	}
	assert_int_equal(parse(DS_MCAST_PROC_IGMP6, igmp6, m, 4, NULL), 2);
	a = addr("ff3e::8000:9");
	assert_true(ds_addr_equal(&m[1].group, &a));
	assert_int_equal(m[1].users, 2);
	assert_int_equal(m[1].ifindex, 2);
	assert_int_equal(parse(DS_MCAST_PROC_MCFILTER6, mcf6, m, 4, NULL), 1);
	a = addr("2001:db8::1");
	assert_true(ds_addr_equal(&m[0].source, &a));
	assert_string_equal(m[0].ifname, "dss120");
	assert_int_equal(m[0].include, 1);
	assert_int_equal(parse(DS_MCAST_PROC_MCFILTER, mcf, m, 4, NULL), 1);
	a = addr("232.1.1.1");
	assert_true(ds_addr_equal(&m[0].group, &a));
	a = addr("198.51.100.1");
	assert_true(ds_addr_equal(&m[0].source, &a));

	/* Counted beyond max; an empty file and a header alone are empty. */
	assert_int_equal(parse(DS_MCAST_PROC_IGMP, igmp, m, 1, NULL), 3);
	assert_int_equal(parse(DS_MCAST_PROC_IGMP, igmp, NULL, 0, NULL), 3);
	assert_int_equal(parse(DS_MCAST_PROC_IGMP6, "", m, 4, NULL), 0);
	assert_int_equal(
	    parse(DS_MCAST_PROC_MCFILTER6, "Idx\n", m, 4, NULL), 0);
	assert_int_equal(parse(0, "", m, 4, NULL), -EINVAL);

	/* Hostile lines, each refused with its number. */
	static const struct {
		enum ds_mcast_proc kind;
		const char *text;
		size_t line;
	} bad[] = {
	    {DS_MCAST_PROC_IGMP, "no header\n", 1},
	    {DS_MCAST_PROC_IGMP, "Idx\n\t\t\t\t010000E0 1 0:0 0\n", 2},
	    {DS_MCAST_PROC_IGMP, "Idx\n1\tlo : 1 V3\n\t\t\t\t010000E0 1\n", 3},
	    {DS_MCAST_PROC_IGMP,
	        "Idx\n1\tlo : 1 V3\n\t\t\t\t1010000E0 1 0:0 0\n", 3},
	    {DS_MCAST_PROC_IGMP,
	        "Idx\n1\tlo : 1 V3\n\t\t\t\t0100G0E0 1 0:0 0\n", 3},
	    {DS_MCAST_PROC_IGMP, "Idx\n1\tlo : 1 V3 extra\n", 2},
	    {DS_MCAST_PROC_IGMP, "Idx\nx\tlo : 1 V3\n", 2},
	    {DS_MCAST_PROC_IGMP, "Idx\n1\ta-name-far-too-long : 1 V3\n", 2},
	    {DS_MCAST_PROC_IGMP6, "1 lo ff02::1 1 0 0\n", 1},
	    {DS_MCAST_PROC_IGMP6, "1 lo ff020000000000000000000000000001 1 0\n",
	        1},
	    {DS_MCAST_PROC_IGMP6,
	        "1 lo ff020000000000000000000000000001 99999999999 C 0\n", 1},
	    {DS_MCAST_PROC_IGMP6,
	        "1 lo ff020000000000000000000000000001 1 C 0 0\n", 1},
	    {DS_MCAST_PROC_IGMP6,
	        "1 lo ff020000000000000000000000000001 1 C 0\n-1 lo\n", 2},
	    {DS_MCAST_PROC_MCFILTER, "Idx\n2 e 0xe8010101 c6336401 1 0\n", 2},
	    {DS_MCAST_PROC_MCFILTER, "Idx\n2 e 0xe801010 0xc6336401 1 0\n", 2},
	    {DS_MCAST_PROC_MCFILTER6, "Idx\n2 e ff3e 2001 1 0\n", 2},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		line = 0;
		if (parse(bad[i].kind, bad[i].text, m, 4, &line) != -EBADMSG ||
		    line != bad[i].line)
			fail_msg("case %zu: not refused at line %zu (%zu)", i,
			    bad[i].line, line);
	}
	/* A NUL inside a line. */
	assert_int_equal(ds_mcast_proc_parse(DS_MCAST_PROC_IGMP6, "1 lo\0ff02",
	                     10, m, 4, &line),
	    -EBADMSG);
}

/* A raw IPv4 frame: 20-byte header, protocol 2 (IGMP), then body. */
static size_t
igmp_frame(uint8_t *f, const uint8_t *body, size_t n)
{
	static const uint8_t ip[20] = {0x45, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0,
	    198, 51, 100, 1, 224, 0, 0, 22};

	memcpy(f, ip, 20);
	f[3] = (uint8_t)(20 + n);
	memcpy(f + 20, body, n);
	return 20 + n;
}

static void
test_report_match(void **state)
{
	/* IGMPv3 report, one ALLOW_NEW_SOURCES record: 232.1.1.1 from
	 * 198.51.100.1 (RFC 3376 section 4.2). */
	static const uint8_t v3_allow[] = {0x22, 0, 0, 0, 0, 0, 0, 1, 5, 0, 0,
	    1, 232, 1, 1, 1, 198, 51, 100, 1};
	/* CHANGE_TO_EXCLUDE with no sources: any source, 239.1.2.3. */
	static const uint8_t v3_exclude[] = {
	    0x22, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, 239, 1, 2, 3};
	static const uint8_t v2[] = {0x16, 0, 0, 0, 239, 1, 2, 3};
	/* MLDv2 behind a Hop-by-Hop header with the Router Alert: one
	 * CHANGE_TO_EXCLUDE {} record for ff02::77 (RFC 3810 5.2). */
	static const uint8_t mld[] = {0x60, 0, 0, 0, 0, 36, 0, 1,
	    /* fe80::1 */ 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	    /* ff02::16 */ 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16,
	    /* Hop-by-Hop */ 58, 0, 5, 2, 0, 0, 1, 0,
	    /* MLDv2 report */ 143, 0, 0, 0, 0, 0, 0, 1,
	    /* record */ 4, 0, 0, 0, 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0x77};
	struct ds_mcast_spec ssm = {
	    .group = addr("232.1.1.1"), .source = addr("198.51.100.1")};
	struct ds_mcast_spec other = {
	    .group = addr("232.1.1.1"), .source = addr("198.51.100.9")};
	struct ds_mcast_spec any = {.group = addr("239.1.2.3")};
	struct ds_mcast_spec asm232 = {.group = addr("232.1.1.1")};
	struct ds_mcast_spec ll = {.group = addr("ff02::77")};
	struct ds_mcast_spec ll2 = {.group = addr("ff02::78")};
	enum ds_mcast_report_kind k = 0;
	uint8_t f[128];
	size_t n;

	(void)state;
	n = igmp_frame(f, v3_allow, sizeof(v3_allow));
	assert_int_equal(ds_mcast_report_match(f, n, DS_LINK_RAW, &ssm, &k), 1);
	assert_int_equal(k, DS_MCAST_REPORT_IGMPV3);
	assert_int_equal(
	    ds_mcast_report_match(f, n, DS_LINK_RAW, &other, &k), 0);
	assert_int_equal(
	    ds_mcast_report_match(f, n, DS_LINK_RAW, &asm232, &k), 0);
	/* Cut inside the source: not a report of anything. */
	n = igmp_frame(f, v3_allow, sizeof(v3_allow) - 2);
	assert_int_equal(ds_mcast_report_match(f, n, DS_LINK_RAW, &ssm, &k), 0);
	n = igmp_frame(f, v3_exclude, sizeof(v3_exclude));
	assert_int_equal(ds_mcast_report_match(f, n, DS_LINK_RAW, &any, &k), 1);
	assert_int_equal(ds_mcast_report_match(f, n, DS_LINK_RAW, &ssm, &k), 0);
	n = igmp_frame(f, v2, sizeof(v2));
	k = 0;
	assert_int_equal(ds_mcast_report_match(f, n, DS_LINK_RAW, &any, &k), 1);
	assert_int_equal(k, DS_MCAST_REPORT_IGMPV2);
	/* An IPv4 report does not answer for an IPv6 group. */
	assert_int_equal(ds_mcast_report_match(f, n, DS_LINK_RAW, &ll, &k), 0);
	assert_int_equal(
	    ds_mcast_report_match(mld, sizeof(mld), DS_LINK_RAW, &ll, &k), 1);
	assert_int_equal(k, DS_MCAST_REPORT_MLDV2);
	assert_int_equal(
	    ds_mcast_report_match(mld, sizeof(mld), DS_LINK_RAW, &ll2, &k), 0);
	assert_int_equal(
	    ds_mcast_report_match(mld, sizeof(mld) - 4, DS_LINK_RAW, &ll, &k),
	    0);
	assert_string_equal(
	    ds_mcast_report_token(DS_MCAST_REPORT_MLDV2), "mldv2-report");
	assert_null(ds_mcast_report_token(0));
}

static void
test_check_findings(void **state)
{
	struct ds_mcast_membership members[2] = {
	    {.ifindex = 3, .group = addr("239.1.2.3"), .users = 2},
	    {.ifindex = 3, .group = addr("232.1.1.1"), .users = 1},
	};
	struct ds_mcast_membership filters[1] = {
	    {.ifindex = 3,
	        .group = addr("232.1.1.1"),
	        .source = addr("198.51.100.1"),
	        .include = 1},
	};
	struct ds_mcast_check_facts fa = {
	    .spec = {.group = addr("239.1.2.3"), .ifindex = 3},
	    .ifname = "eth0",
	    .report = DS_MCAST_REPORT_IGMPV3,
	    .members = members,
	    .n_members = 2,
	    .filters = filters,
	    .n_filters = 1,
	    .rp_filter = 1,
	};
	struct ds_finding f[4];
	const struct ds_evidence *e;

	(void)state;
	assert_int_equal(ds_mcast_check_findings(&fa, f, 4), 4);
	assert_int_equal(f[0].code, DS_FIND_MCAST_REPORT_SEEN);
	e = ds_finding_get(&f[0], DS_EVK_CODE);
	assert_string_equal(e->v.token, "igmpv3-report");
	assert_int_equal(f[1].code, DS_FIND_MCAST_MEMBER);
	assert_int_equal(ds_finding_uint(&f[1], DS_EVK_COUNT, 0), 2);
	assert_int_equal(f[2].code, DS_FIND_MCAST_RP_FILTER);
	assert_int_equal(f[2].severity, DS_SEV_WARNING);
	assert_int_equal(f[3].code, DS_FIND_MCAST_HOPS_ONE);
	e = ds_finding_get(&f[3], DS_EVK_INTERFACE);
	assert_string_equal(e->v.text, "eth0");

	/* No report, but two sockets held the group before: expected. */
	fa.report = 0;
	assert_int_equal(ds_mcast_check_findings(&fa, f, 4), 4);
	assert_int_equal(f[0].code, DS_FIND_MCAST_REPORT_MISSING);
	assert_int_equal(f[0].severity, DS_SEV_INFO);
	assert_int_equal(ds_finding_uint(&f[0], DS_EVK_COUNT, 0), 1);
	fa.report = DS_MCAST_REPORT_IGMPV3;

	/* On another interface, no report, loose rp_filter, link-local. */
	fa.spec.ifindex = 4;
	fa.report = 0;
	fa.waited_us = 2000000;
	fa.rp_filter = 2;
	fa.spec.group = addr("224.0.0.200");
	assert_int_equal(ds_mcast_check_findings(&fa, f, 4), 2);
	assert_int_equal(f[0].code, DS_FIND_MCAST_REPORT_MISSING);
	assert_int_equal(f[0].severity, DS_SEV_ERROR);
	assert_int_equal(ds_finding_uint(&f[0], DS_EVK_ELAPSED, 0), 2000000);
	assert_int_equal(f[1].code, DS_FIND_MCAST_NOT_MEMBER);

	/* SSM: a member only with the source among the filters. */
	fa.spec = (struct ds_mcast_spec){.group = addr("232.1.1.1"),
	    .source = addr("198.51.100.1"),
	    .ifindex = 3};
	fa.capture_err = -EPERM;
	assert_int_equal(ds_mcast_check_findings(&fa, f, 1), 3);
	assert_int_equal(f[0].code, DS_FIND_MCAST_NO_CAPTURE);
	assert_int_equal(ds_mcast_check_findings(&fa, f, 4), 3);
	assert_int_equal(f[1].code, DS_FIND_MCAST_MEMBER);
	fa.spec.source = addr("198.51.100.2");
	assert_int_equal(ds_mcast_check_findings(&fa, f, 4), 3);
	assert_int_equal(f[1].code, DS_FIND_MCAST_NOT_MEMBER);

	/* Every mcast code has a token of its module, parsed back. */
	for (unsigned c = DS_FIND_MCAST_REPORT_SEEN; c < DS_FIND__MCAST_END;
	     c++) {
		enum ds_finding_code back;
		const char *t = ds_finding_token(c);

		assert_non_null(t);
		assert_memory_equal(t, "mcast.", 6);
		assert_int_equal(ds_finding_code_parse(t, strlen(t), &back), 0);
		assert_int_equal(back, c);
	}
	assert_null(ds_finding_token(DS_FIND__MCAST_END));
	assert_string_equal(
	    ds_evidence_key_token(DS_EVK_INTERFACE), "interface");
	assert_string_equal(ds_evidence_key_token(DS_EVK_VALUE), "value");
}

/*
 * table inet t {
 *   chain pre { type filter hook prerouting priority 0; policy accept; }
 *   chain input { type filter hook input priority 0; policy accept;
 *     udp dport 6000 drop                                     # 5
 *     udp dport 7000 ip saddr 198.51.100.9 reject             # 6
 *   }
 *   chain out { type filter hook output priority 0; policy accept;
 *     oifname "eth9" meta l4proto igmp drop                   # 8
 *     oifname "eth9" icmpv6 type mld2-listener-report drop    # 9
 *     meta mark 7 drop                                        # 10
 *   }
 * }
 * Rule 10 is unknown to the model, and decides only on eth8.
 */
static const char *const mcast_ruleset[] = {
    "{\"nftables\": [{\"metainfo\": {\"json_schema_version\": 1}},\n",
    "{\"table\": {\"family\": \"inet\", \"name\": \"t\", \"handle\": 1}},\n",
    "{\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"pre\", "
    "\"handle\": 1, \"type\": \"filter\", \"hook\": \"prerouting\", "
    "\"prio\": 0, \"policy\": \"accept\"}},\n",
    "{\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": "
    "\"input\", \"handle\": 2, \"type\": \"filter\", \"hook\": \"input\", "
    "\"prio\": 0, \"policy\": \"accept\"}},\n",
    "{\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"out\", "
    "\"handle\": 3, \"type\": \"filter\", \"hook\": \"output\", "
    "\"prio\": 0, \"policy\": \"accept\"}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"input\", \"handle\": 5, \"expr\": [{\"match\": {\"op\": \"==\", "
    "\"left\": {\"payload\": {\"protocol\": \"udp\", \"field\": "
    "\"dport\"}}, \"right\": 6000}}, {\"drop\": null}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"input\", \"handle\": 6, \"expr\": [{\"match\": {\"op\": \"==\", "
    "\"left\": {\"payload\": {\"protocol\": \"udp\", \"field\": "
    "\"dport\"}}, \"right\": 7000}}, {\"match\": {\"op\": \"==\", "
    "\"left\": {\"payload\": {\"protocol\": \"ip\", \"field\": "
    "\"saddr\"}}, \"right\": \"198.51.100.9\"}}, {\"reject\": null}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"out\", \"handle\": 8, \"expr\": [{\"match\": {\"op\": \"==\", "
    "\"left\": {\"meta\": {\"key\": \"oifname\"}}, \"right\": \"eth9\"}}, "
    "{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": "
    "\"l4proto\"}}, \"right\": \"igmp\"}}, {\"drop\": null}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"out\", \"handle\": 9, \"expr\": [{\"match\": {\"op\": \"==\", "
    "\"left\": {\"meta\": {\"key\": \"oifname\"}}, \"right\": \"eth9\"}}, "
    "{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": "
    "\"icmpv6\", \"field\": \"type\"}}, \"right\": "
    "\"mld2-listener-report\"}}, {\"drop\": null}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"out\", \"handle\": 10, \"expr\": [{\"match\": {\"op\": \"==\", "
    "\"left\": {\"meta\": {\"key\": \"mark\"}}, \"right\": 7}}, "
    "{\"drop\": null}]}}]}\n",
};

static struct ds_fw *
load_mcast_ruleset(void)
{
	char buf[8192] = "";
	struct ds_fw *fw = NULL;

	for (size_t i = 0; i < sizeof(mcast_ruleset) / sizeof(*mcast_ruleset);
	     i++)
		strcat(buf, mcast_ruleset[i]);
	assert_int_equal(ds_fw_new(&fw), 0);
	assert_int_equal(ds_fw_load_nft(fw, buf, strlen(buf), NULL), 5);
	return fw;
}

/* The finding of code among f[0..n), or NULL. */
static const struct ds_finding *
find_code(const struct ds_finding *f, size_t n, enum ds_finding_code c)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].code == c)
			return &f[i];
	return NULL;
}

static void
test_check_findings_stops(void **state)
{
	static struct ds_host_facts host;
	struct ds_mcast_membership members[2] = {
	    {.ifindex = 3,
	        .ifname = "eth9",
	        .group = addr("239.1.2.3"),
	        .users = 1},
	    {.ifindex = 4,
	        .ifname = "eth8",
	        .group = addr("239.1.2.3"),
	        .users = 2},
	};
	struct ds_mcast_check_facts fa = {
	    .spec = {.group = addr("239.1.2.3"), .ifindex = 3},
	    .ifname = "eth9",
	    .report = DS_MCAST_REPORT_IGMPV3,
	    .members = members,
	    .n_members = 2,
	    .rp_filter = 0,
	    .host = &host,
	    .route_asked = true,
	    .route_oif = 4,
	    .port = 6000,
	};
	struct ds_finding f[DS_MCAST_CHECK_FINDINGS_MAX];
	const struct ds_finding *x;
	const struct ds_evidence *e;
	struct ds_fw *fw = load_mcast_ruleset();
	size_t n;

	(void)state;
	host.n_links = 2;
	host.links[0] = (struct ds_host_link){.index = 3,
	    .name = "eth9",
	    .flags = IFF_UP | IFF_RUNNING | IFF_MULTICAST};
	host.links[1] = (struct ds_host_link){.index = 4,
	    .name = "eth8",
	    .flags = IFF_UP | IFF_RUNNING | IFF_MULTICAST};
	host.n_addrs = 2;
	host.addrs[0] = (struct ds_host_address){
	    .index = 3, .addr = addr("192.0.2.1"), .plen = 24};
	host.addrs[1] = (struct ds_host_address){.index = 3,
	    .addr = addr("fe80::1"),
	    .plen = 64,
	    .flags = IFA_F_TENTATIVE};
	fa.fw = fw;

	/* All well on eth9, but for the route, the other interface's
	 * membership and the rules of port 6000 and of IGMP on eth9. */
	n = ds_mcast_check_findings(&fa, f, DS_MCAST_CHECK_FINDINGS_MAX);
	assert_null(find_code(f, n, DS_FIND_MCAST_IFACE_DOWN));
	assert_null(find_code(f, n, DS_FIND_MCAST_NO_MULTICAST));
	assert_null(find_code(f, n, DS_FIND_MCAST_NO_ADDRESS));
	x = find_code(f, n, DS_FIND_MCAST_ROUTE_OTHER);
	assert_non_null(x);
	assert_int_equal(x->severity, DS_SEV_INFO);
	assert_string_equal(
	    ds_finding_get(x, DS_EVK_OTHER_IFACE)->v.text, "eth8");
	x = find_code(f, n, DS_FIND_MCAST_OTHER_IFACE);
	assert_non_null(x);
	assert_int_equal(ds_finding_uint(x, DS_EVK_COUNT, 0), 2);
	x = find_code(f, n, DS_FIND_MCAST_FW_DROP);
	assert_non_null(x);
	assert_int_equal(x->severity, DS_SEV_ERROR);
	assert_int_equal(ds_finding_uint(x, DS_EVK_HANDLE, 0), 5);
	assert_string_equal(
	    ds_finding_get(x, DS_EVK_CHAIN)->v.text, "inet t input");
	assert_string_equal(ds_finding_get(x, DS_EVK_HOOK)->v.token, "input");
	assert_string_equal(ds_finding_get(x, DS_EVK_VERDICT)->v.token, "drop");
	assert_non_null(
	    strstr(ds_finding_get(x, DS_EVK_RULE)->v.text, "dport 6000"));
	x = find_code(f, n, DS_FIND_MCAST_FW_REPORT_DROP);
	assert_non_null(x);
	assert_int_equal(ds_finding_uint(x, DS_EVK_HANDLE, 0), 8);
	assert_string_equal(ds_finding_get(x, DS_EVK_HOOK)->v.token, "output");
	assert_string_equal(
	    ds_finding_get(x, DS_EVK_CODE)->v.token, "igmpv3-report");
	assert_null(find_code(f, n, DS_FIND_MCAST_FW_PASS));

	/* Another port passes; port 7000 is rejected only from one
	 * source, so for any source the verdict turns on the address the
	 * datagram leaves open: unknown, naming rule 6. */
	fa.port = 6001;
	n = ds_mcast_check_findings(&fa, f, DS_MCAST_CHECK_FINDINGS_MAX);
	assert_null(find_code(f, n, DS_FIND_MCAST_FW_DROP));
	fa.port = 7000;
	n = ds_mcast_check_findings(&fa, f, DS_MCAST_CHECK_FINDINGS_MAX);
	x = find_code(f, n, DS_FIND_MCAST_FW_UNKNOWN);
	assert_non_null(x);
	assert_int_equal(ds_finding_uint(x, DS_EVK_HANDLE, 0), 6);
	assert_int_equal(ds_finding_uint(x, DS_EVK_PROTO, 0), 17);
	fa.spec.source = addr("198.51.100.9");
	n = ds_mcast_check_findings(&fa, f, DS_MCAST_CHECK_FINDINGS_MAX);
	x = find_code(f, n, DS_FIND_MCAST_FW_DROP);
	assert_non_null(x);
	assert_string_equal(
	    ds_finding_get(x, DS_EVK_VERDICT)->v.token, "reject");
	fa.spec.source = addr("198.51.100.8");
	n = ds_mcast_check_findings(&fa, f, DS_MCAST_CHECK_FINDINGS_MAX);
	assert_null(find_code(f, n, DS_FIND_MCAST_FW_DROP));
	assert_null(find_code(f, n, DS_FIND_MCAST_FW_UNKNOWN));
	memset(&fa.spec.source, 0, sizeof(fa.spec.source));
	/* No port: any port, and rule 5 may be it. */
	fa.port = 0;
	n = ds_mcast_check_findings(&fa, f, DS_MCAST_CHECK_FINDINGS_MAX);
	x = find_code(f, n, DS_FIND_MCAST_FW_UNKNOWN);
	assert_non_null(x);
	assert_int_equal(ds_finding_uint(x, DS_EVK_HANDLE, 0), 5);

	/* IPv6 on eth9: the MLDv2 report is dropped by rule 9; the only
	 * link-local is tentative, so no usable address. */
	fa.port = 6001;
	fa.spec.group = addr("ff15::1");
	fa.report = 0;
	members[0].group = members[1].group = fa.spec.group;
	n = ds_mcast_check_findings(&fa, f, DS_MCAST_CHECK_FINDINGS_MAX);
	x = find_code(f, n, DS_FIND_MCAST_FW_REPORT_DROP);
	assert_non_null(x);
	assert_int_equal(ds_finding_uint(x, DS_EVK_HANDLE, 0), 9);
	assert_string_equal(
	    ds_finding_get(x, DS_EVK_CODE)->v.token, "mldv2-report");
	x = find_code(f, n, DS_FIND_MCAST_NO_ADDRESS);
	assert_non_null(x);
	assert_int_equal(ds_finding_uint(x, DS_EVK_FAMILY, 0), AF_INET6);
	assert_int_equal(x->severity, DS_SEV_WARNING);
	assert_string_equal(
	    ds_finding_get(x, DS_EVK_STATE)->v.token, "tentative");
	host.addrs[1].flags = IFA_F_TENTATIVE | IFA_F_DADFAILED;
	n = ds_mcast_check_findings(&fa, f, DS_MCAST_CHECK_FINDINGS_MAX);
	x = find_code(f, n, DS_FIND_MCAST_NO_ADDRESS);
	assert_non_null(x);
	assert_int_equal(x->severity, DS_SEV_ERROR);
	assert_null(ds_finding_get(x, DS_EVK_STATE));
	host.addrs[1].flags = 0;
	n = ds_mcast_check_findings(&fa, f, DS_MCAST_CHECK_FINDINGS_MAX);
	assert_null(find_code(f, n, DS_FIND_MCAST_NO_ADDRESS));

	/* On eth8 the report meets rule 10 (a mark the model cannot
	 * see): unknown, named. Down, multicast off; the route is this
	 * interface's; the others' membership is here too. */
	fa.spec.ifindex = 4;
	memcpy(fa.ifname, "eth8", 5);
	host.links[1].flags = IFF_RUNNING;
	n = ds_mcast_check_findings(&fa, f, DS_MCAST_CHECK_FINDINGS_MAX);
	x = find_code(f, n, DS_FIND_MCAST_FW_UNKNOWN);
	assert_non_null(x);
	assert_int_equal(ds_finding_uint(x, DS_EVK_HANDLE, 0), 10);
	assert_int_equal(ds_finding_uint(x, DS_EVK_PROTO, 0), 58);
	assert_string_equal(ds_finding_get(x, DS_EVK_HOOK)->v.token, "output");
	x = find_code(f, n, DS_FIND_MCAST_IFACE_DOWN);
	assert_non_null(x);
	assert_int_equal(x->severity, DS_SEV_ERROR);
	assert_string_equal(ds_finding_get(x, DS_EVK_STATE)->v.token, "down");
	assert_non_null(find_code(f, n, DS_FIND_MCAST_NO_MULTICAST));
	/* No address on eth8 at all. */
	assert_non_null(find_code(f, n, DS_FIND_MCAST_NO_ADDRESS));
	assert_non_null(find_code(f, n, DS_FIND_MCAST_ROUTE));
	assert_null(find_code(f, n, DS_FIND_MCAST_OTHER_IFACE));
	host.links[1].flags = IFF_UP | IFF_MULTICAST;
	n = ds_mcast_check_findings(&fa, f, DS_MCAST_CHECK_FINDINGS_MAX);
	x = find_code(f, n, DS_FIND_MCAST_IFACE_DOWN);
	assert_non_null(x);
	assert_int_equal(x->severity, DS_SEV_WARNING);
	assert_null(find_code(f, n, DS_FIND_MCAST_NO_MULTICAST));
	/* Loopback has no IFF_MULTICAST, and needs none. */
	host.links[1].flags = IFF_UP | IFF_RUNNING | IFF_LOOPBACK;
	n = ds_mcast_check_findings(&fa, f, DS_MCAST_CHECK_FINDINGS_MAX);
	assert_null(find_code(f, n, DS_FIND_MCAST_NO_MULTICAST));
	assert_null(find_code(f, n, DS_FIND_MCAST_IFACE_DOWN));
	assert_null(find_code(f, n, DS_FIND_MCAST_NO_ADDRESS));

	/* No route; a link-local group has none worth naming. */
	fa.route_err = -ENETUNREACH;
	n = ds_mcast_check_findings(&fa, f, DS_MCAST_CHECK_FINDINGS_MAX);
	x = find_code(f, n, DS_FIND_MCAST_NO_ROUTE);
	assert_non_null(x);
	e = ds_finding_get(x, DS_EVK_ERRNO);
	assert_int_equal(e->v.err, ENETUNREACH);
	fa.spec.group = addr("ff02::1234");
	n = ds_mcast_check_findings(&fa, f, DS_MCAST_CHECK_FINDINGS_MAX);
	assert_null(find_code(f, n, DS_FIND_MCAST_NO_ROUTE));

	/* No ruleset: not evaluated, and why; nothing when not asked. */
	fa.fw = NULL;
	fa.fw_err = -DS_E_FW_NFT;
	fa.fw_status = 1;
	n = ds_mcast_check_findings(&fa, f, DS_MCAST_CHECK_FINDINGS_MAX);
	x = find_code(f, n, DS_FIND_MCAST_FW_NOT_READ);
	assert_non_null(x);
	assert_int_equal(x->severity, DS_SEV_INFO);
	assert_string_equal(
	    ds_finding_get(x, DS_EVK_CODE)->v.token, "nft-failed");
	assert_int_equal(ds_finding_uint(x, DS_EVK_VALUE, 0), 1);
	fa.fw_err = -ENOENT;
	n = ds_mcast_check_findings(&fa, f, DS_MCAST_CHECK_FINDINGS_MAX);
	x = find_code(f, n, DS_FIND_MCAST_FW_NOT_READ);
	assert_string_equal(ds_finding_get(x, DS_EVK_CODE)->v.token, "no-nft");
	fa.fw_err = 0;
	n = ds_mcast_check_findings(&fa, f, DS_MCAST_CHECK_FINDINGS_MAX);
	assert_null(find_code(f, n, DS_FIND_MCAST_FW_NOT_READ));
	assert_true(n <= DS_MCAST_CHECK_FINDINGS_MAX);

	/* A ruleset with nothing in the way: passes, said once. */
	ds_fw_free(fw);
	assert_int_equal(ds_fw_new(&fw), 0);
	fa.fw = fw;
	fa.spec.group = addr("239.1.2.3");
	n = ds_mcast_check_findings(&fa, f, DS_MCAST_CHECK_FINDINGS_MAX);
	x = find_code(f, n, DS_FIND_MCAST_FW_PASS);
	assert_non_null(x);
	assert_int_equal(x->severity, DS_SEV_OK);
	assert_int_equal(ds_finding_uint(x, DS_EVK_PORT, 0), 6001);
	assert_null(find_code(f, n, DS_FIND_MCAST_FW_UNKNOWN));
	assert_null(find_code(f, n, DS_FIND_MCAST_FW_DROP));
	ds_fw_free(fw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_group_info),
	    cmocka_unit_test(test_check),
	    cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_probe),
	    cmocka_unit_test(test_proc),
	    cmocka_unit_test(test_report_match),
	    cmocka_unit_test(test_check_findings),
	    cmocka_unit_test(test_check_findings_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
