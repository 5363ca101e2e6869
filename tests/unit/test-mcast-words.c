/* SPDX-License-Identifier: MIT */
/*
 * The words of "dualstack mcast check" (src/cmd-mcast-words.c), built
 * into this test on their own: every mcast finding code and every report
 * kind the library names has words, and the words carry the group, the
 * interface, the source and the report that the finding holds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "dualstack/finding.h"
#include "dualstack/mcast.h"

#include "cli-finding.h"
#include "cmd-mcast-words.h"

static struct ds_addr
addr(const char *s)
{
	struct ds_addr a;

	if (ds_addr_parse(s, strlen(s), 0, &a, NULL) < 0)
		fail_msg("bad test address %s", s);
	return a;
}

static void
test_every_code(void **state)
{
	struct ds_mcast_membership m = {
	    .ifindex = 3, .group = addr("ff3e::8000:1"), .users = 2};
	struct ds_mcast_membership flt = {.ifindex = 3,
	    .group = addr("ff3e::8000:1"),
	    .source = addr("2001:db8::1"),
	    .include = 1};
	struct ds_mcast_check_facts fa = {
	    .spec = {.group = addr("ff3e::8000:1"),
	        .source = addr("2001:db8::1"),
	        .ifindex = 3},
	    .ifname = "eth0",
	    .report = DS_MCAST_REPORT_MLDV2,
	    .members = &m,
	    .n_members = 1,
	    .filters = &flt,
	    .n_filters = 1,
	    .rp_filter = -1,
	};
	struct ds_finding f[4];
	char buf[512];
	size_t n;

	(void)state;
	n = ds_mcast_check_findings(&fa, f, 4);
	assert_int_equal(n, 3);
	assert_true(mcast_finding_text(&f[0], buf, sizeof(buf)) > 0);
	assert_string_equal(buf,
	    "the kernel sent an MLDv2 report for "
	    "ff3e::8000:1 from 2001:db8::1 on eth0");
	assert_true(mcast_finding_text(&f[1], buf, sizeof(buf)) > 0);
	assert_string_equal(buf,
	    "ff3e::8000:1 is joined on eth0 for source "
	    "2001:db8::1 (2 sockets), as /proc/net/igmp6 "
	    "says");

	/* Every code of the module has words, made from any finding of it. */
	for (unsigned c = DS_FIND_MCAST_REPORT_SEEN; c < DS_FIND__MCAST_END;
	     c++) {
		struct ds_finding x;

		ds_finding_init(&x, c, DS_SEV_INFO);
		if (mcast_finding_text(&x, buf, sizeof(buf)) <= 0)
			fail_msg("%s has no words", ds_finding_token(c));
	}
	assert_int_equal(
	    mcast_finding_text(&(struct ds_finding){.code = 100}, buf, 8), -1);
	for (unsigned k = DS_MCAST_REPORT_IGMPV1; k <= DS_MCAST_REPORT_MLDV2;
	     k++)
		assert_non_null(mcast_report_words(ds_mcast_report_token(k)));
	assert_null(mcast_report_words("other"));

	/* IPv4, no report in 2 s, strict rp_filter. */
	fa.spec =
	    (struct ds_mcast_spec){.group = addr("239.1.2.3"), .ifindex = 3};
	fa.report = 0;
	fa.waited_us = 2000000;
	fa.rp_filter = 1;
	n = ds_mcast_check_findings(&fa, f, 4);
	assert_int_equal(n, 4);
	mcast_finding_text(&f[0], buf, sizeof(buf));
	assert_non_null(strstr(buf,
	    "no IGMP report for 239.1.2.3 on eth0 "
	    "within 2"));
	mcast_finding_text(&f[1], buf, sizeof(buf));
	assert_string_equal(buf,
	    "239.1.2.3 is not among eth0's memberships "
	    "in /proc/net/igmp");
	mcast_finding_text(&f[2], buf, sizeof(buf));
	assert_non_null(strstr(buf, "rp_filter is strict (1) on eth0"));
}

/* The words of the interface, route and firewall findings, and the
 * rule line beneath them. */
static void
test_stops(void **state)
{
	struct ds_finding f;
	char buf[512];

	(void)state;
	ds_finding_init(&f, DS_FIND_MCAST_FW_DROP, DS_SEV_ERROR);
	f.subject.key = DS_EVK_TARGET;
	f.subject.type = DS_EV_ADDR;
	f.subject.v.addr = addr("239.1.2.3");
	ds_finding_add_text(&f, DS_EVK_INTERFACE, "eth0", 4);
	ds_finding_add_token(&f, DS_EVK_VERDICT, "reject");
	ds_finding_add_token(&f, DS_EVK_HOOK, "input");
	ds_finding_add_uint(&f, DS_EVK_PORT, 6000);
	ds_finding_add_text(&f, DS_EVK_CHAIN, "inet t input", 12);
	ds_finding_add_text(&f, DS_EVK_RULE, "udp dport 6000 reject", 21);
	ds_finding_add_uint(&f, DS_EVK_HANDLE, 5);
	mcast_finding_text(&f, buf, sizeof(buf));
	assert_string_equal(buf,
	    "the firewall rejects UDP to 239.1.2.3 port 6000 arriving on "
	    "eth0 (input hook, a rule)");
	assert_true(cli_finding_rule(&f, buf, sizeof(buf)) > 0);
	assert_string_equal(
	    buf, "inet t input handle 5: udp dport 6000 reject");
	ds_finding_add_bool(&f, DS_EVK_POLICY, true);
	cli_finding_rule(&f, buf, sizeof(buf));
	assert_string_equal(buf, "inet t input: its policy");

	/* Evidence is full: the others on a finding of their own. */
	ds_finding_init(&f, DS_FIND_MCAST_ROUTE_OTHER, DS_SEV_INFO);
	f.subject.key = DS_EVK_TARGET;
	f.subject.type = DS_EV_ADDR;
	f.subject.v.addr = addr("239.1.2.3");
	ds_finding_add_text(&f, DS_EVK_INTERFACE, "eth0", 4);
	assert_int_equal(
	    ds_finding_add_text(&f, DS_EVK_OTHER_IFACE, "eth1", 4), 0);
	mcast_finding_text(&f, buf, sizeof(buf));
	assert_non_null(strstr(buf,
	    "sending to 239.1.2.3 without -i would leave by eth1, not "
	    "eth0"));
	f.code = DS_FIND_MCAST_IFACE_DOWN;
	ds_finding_add_token(&f, DS_EVK_STATE, "no-carrier");
	mcast_finding_text(&f, buf, sizeof(buf));
	assert_non_null(strstr(buf, "eth0 is up but has no carrier"));
	f.code = DS_FIND_MCAST_FW_NOT_READ;
	ds_finding_add_token(&f, DS_EVK_CODE, "nft-failed");
	ds_finding_add_uint(&f, DS_EVK_VALUE, 1);
	mcast_finding_text(&f, buf, sizeof(buf));
	assert_non_null(strstr(buf,
	    "the firewall was not evaluated: nft -j list ruleset failed "
	    "(exit 1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_code),
	    cmocka_unit_test(test_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
