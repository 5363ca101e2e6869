/* SPDX-License-Identifier: MIT */
/* ds_strerror: every library code has its own message; errno passes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "dualstack/error.h"

/*
 * Whether v is one of the codes in enum ds_error. The switch has no
 * default, so -Wswitch (in -Wall, an error under -Werror) fails the build
 * when a code is added to the header and not here: no code can escape the
 * checks below.
 */
static bool
is_code(int v)
{
	switch ((enum ds_error)v) {
	case DS_E_EMPTY:
	case DS_E_BAD_CHAR:
	case DS_E_TRAILING:
	case DS_E_FAMILY:
	case DS_E_TOO_LONG:
	case DS_E_V4_FEW_OCTETS:
	case DS_E_V4_MANY_OCTETS:
	case DS_E_V4_EMPTY_OCTET:
	case DS_E_V4_OCTET_RANGE:
	case DS_E_V4_LEADING_ZERO:
	case DS_E_V6_GROUP_LONG:
	case DS_E_V6_FEW_GROUPS:
	case DS_E_V6_MANY_GROUPS:
	case DS_E_V6_DOUBLE_COLON:
	case DS_E_V6_LONE_COLON:
	case DS_E_V6_EMPTY_GROUP:
	case DS_E_V6_V4_POSITION:
	case DS_E_ZONE_EMPTY:
	case DS_E_ZONE_LONG:
	case DS_E_ZONE_CHAR:
	case DS_E_ZONE_V4:
	case DS_E_ZONE_NOT_ALLOWED:
	case DS_E_ZONE_UNKNOWN:
	case DS_E_PREFIX_SYNTAX:
	case DS_E_PREFIX_RANGE:
	case DS_E_PREFIX_HOST_BITS:
	case DS_E_PREFIX_MASK:
	case DS_E_PREFIX_MISSING:
	case DS_E_PORT_SYNTAX:
	case DS_E_PORT_RANGE:
	case DS_E_PORT_MISSING:
	case DS_E_BRACKET:
	case DS_E_BRACKET_V4:
	case DS_E_V6_NEEDS_BRACKETS:
	case DS_E_MAC_SYNTAX:
	case DS_E_MAC_NOT_EUI64:
	case DS_E_ARPA_SUFFIX:
	case DS_E_ARPA_LABEL:
	case DS_E_ARPA_LABELS:
	case DS_E_EPRT_SYNTAX:
	case DS_E_EPRT_PROTO:
	case DS_E_EPRT_DELIM:
	case DS_E_NOT_EMBEDDED:
	case DS_E_NAT64_PREFIX:
	case DS_E_NOT_MULTICAST:
	case DS_E_NOT_TEREDO:
	case DS_E_DNS_NXDOMAIN:
	case DS_E_DNS_NODATA:
	case DS_E_DNS_SERVFAIL:
	case DS_E_DNS_REFUSED:
	case DS_E_DNS_BADRESP:
	case DS_E_DNS_CONFIG:
	case DS_E_DNS:
	case DS_E_DNS_SKIPPED:
	case DS_E_NO_ADDRESS:
	case DS_E_NO_NAT64:
	case DS_E_FILE_SYMLINK:
	case DS_E_FILE_FIFO:
	case DS_E_FILE_SOCKET:
	case DS_E_FILE_DEVICE:
	case DS_E_FILE_OWNER:
	case DS_E_FILE_WRITABLE:
	case DS_E_ACL_SYNTAX:
	case DS_E_ACL_CONFLICT:
	case DS_E_POLICY_KEYWORD:
	case DS_E_POLICY_MISSING:
	case DS_E_POLICY_PREFIX:
	case DS_E_POLICY_VALUE:
	case DS_E_POLICY_TRAILING:
	case DS_E_POLICY_TOO_MANY:
	case DS_E_LOAD_CONCURRENCY:
	case DS_E_LOAD_SIZE:
	case DS_E_LOAD_EMPTY_ECHO:
	case DS_E_LOAD_ENDLESS:
	case DS_E_LOAD_MEMORY:
	case DS_E_REACH_EMPTY:
	case DS_E_REACH_CHAR:
	case DS_E_REACH_KEYWORD:
	case DS_E_REACH_MISSING:
	case DS_E_REACH_EMPTY_FIELD:
	case DS_E_REACH_EXTRA:
	case DS_E_REACH_NUMBER:
	case DS_E_REACH_RANGE:
	case DS_E_REACH_TOKEN:
	case DS_E_REACH_WORD:
	case DS_E_REACH_VERDICT:
	case DS_E_REACH_TOO_LONG:
	case DS_E_DNSQ_SHORT:
	case DS_E_DNSQ_NOT_RESPONSE:
	case DS_E_DNSQ_BADRESP:
	case DS_E_DNSQ_MISMATCH:
	case DS_E_DNSQ_NAME:
	case DS_E_DNSQ_CLOSED:
	case DS_E_MCAST_NEEDS_IFACE:
	case DS_E_MCAST_IFACE_CONFLICT:
	case DS_E_MCAST_SOURCE_FAMILY:
	case DS_E_MCAST_SOURCE_BAD:
	case DS_E_MCAST_SSM_NO_SOURCE:
	case DS_E_MCAST_SCOPE_RESERVED:
	case DS_E_MCAST_NODE_NO_LOOP:
	case DS_E_FW_JSON:
	case DS_E_FW_SCHEMA:
	case DS_E_FW_CHAIN:
	case DS_E_FW_SET:
	case DS_E_FW_VALUE:
	case DS_E_FW_IPT_LINE:
	case DS_E_FW_IPT_OPTION:
	case DS_E_FW_IPT_QUOTE:
	case DS_E_FW_IPT_COMMIT:
	case DS_E_FW_TOO_BIG:
	case DS_E_FW_SPEC_WORD:
	case DS_E_FW_SPEC_VALUE:
	case DS_E_FW_SPEC_MISSING:
	case DS_E_FW_SPEC_FAMILY:
	case DS_E_FW_NFT:
	case DS_E_HOST_SYSCTL:
	case DS_E_HOST_NETLINK:
	case DS_E_CAPTURE_LINKTYPES:
	case DS_E_CAPTURE_GZIP:
		return true;
	case DS_E_BASE:
	case DS_E_MAX:
		return false;
	}
	return false;
}

static void
test_every_code(void **state)
{
	const char *seen[DS_E_MAX - DS_E_BASE] = {0};
	size_t n = 0;

	(void)state;
	for (int c = DS_E_BASE + 1; c < DS_E_MAX; c++) {
		const char *m = ds_strerror(-c);

		assert_non_null(m);
		if (!is_code(c)) {
			/* A gap between ranges has no text. */
			if (strcmp(m, "unknown error") != 0)
				fail_msg("%d is no code but has a message", c);
			continue;
		}
		if (strcmp(m, "unknown error") == 0)
			fail_msg("code %d has no message", c);
		/* Positive and negative give the same text. */
		assert_ptr_equal(m, ds_strerror(c));
		/* No two codes share a message. */
		for (size_t j = 0; j < n; j++)
			assert_string_not_equal(m, seen[j]);
		seen[n++] = m;
	}
	/* The loop met every code the switch lists. */
	assert_int_equal(n, 119);
}

static void
test_errno_and_unknown(void **state)
{
	(void)state;
	assert_string_equal(ds_strerror(-EINVAL), "Invalid argument");
	assert_string_equal(ds_strerror(-ETIMEDOUT), "Connection timed out");
	assert_string_equal(ds_strerror(-(DS_E_BASE + 999)), "unknown error");
	assert_string_equal(ds_strerror(-DS_E_BASE), "unknown error");
	assert_string_equal(ds_strerror(-1999), "unknown error");
	assert_non_null(ds_strerror(0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_code),
	    cmocka_unit_test(test_errno_and_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
