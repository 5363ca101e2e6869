/* SPDX-License-Identifier: MIT */
/* ds_strerror: every library code has its own message; errno passes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "dualstack/error.h"

static void
test_every_code(void **state)
{
	/* The codes that exist, from the header. */
	static const int codes[] = {
	    DS_E_EMPTY,
	    DS_E_BAD_CHAR,
	    DS_E_TRAILING,
	    DS_E_FAMILY,
	    DS_E_TOO_LONG,
	    DS_E_V4_FEW_OCTETS,
	    DS_E_V4_MANY_OCTETS,
	    DS_E_V4_EMPTY_OCTET,
	    DS_E_V4_OCTET_RANGE,
	    DS_E_V4_LEADING_ZERO,
	    DS_E_V6_GROUP_LONG,
	    DS_E_V6_FEW_GROUPS,
	    DS_E_V6_MANY_GROUPS,
	    DS_E_V6_DOUBLE_COLON,
	    DS_E_V6_LONE_COLON,
	    DS_E_V6_EMPTY_GROUP,
	    DS_E_V6_V4_POSITION,
	    DS_E_ZONE_EMPTY,
	    DS_E_ZONE_LONG,
	    DS_E_ZONE_CHAR,
	    DS_E_ZONE_V4,
	    DS_E_ZONE_NOT_ALLOWED,
	    DS_E_PREFIX_SYNTAX,
	    DS_E_PREFIX_RANGE,
	    DS_E_PREFIX_HOST_BITS,
	    DS_E_PREFIX_MASK,
	    DS_E_PREFIX_MISSING,
	    DS_E_PORT_SYNTAX,
	    DS_E_PORT_RANGE,
	    DS_E_PORT_MISSING,
	    DS_E_BRACKET,
	    DS_E_BRACKET_V4,
	    DS_E_V6_NEEDS_BRACKETS,
	    DS_E_MAC_SYNTAX,
	    DS_E_MAC_NOT_EUI64,
	    DS_E_ARPA_SUFFIX,
	    DS_E_ARPA_LABEL,
	    DS_E_ARPA_LABELS,
	    DS_E_EPRT_SYNTAX,
	    DS_E_EPRT_PROTO,
	    DS_E_EPRT_DELIM,
	    DS_E_NOT_EMBEDDED,
	    DS_E_NAT64_PREFIX,
	    DS_E_NOT_MULTICAST,
	    DS_E_NOT_TEREDO,
	    DS_E_DNS_NXDOMAIN,
	    DS_E_DNS_NODATA,
	    DS_E_DNS_SERVFAIL,
	    DS_E_DNS_REFUSED,
	    DS_E_DNS_BADRESP,
	    DS_E_DNS_CONFIG,
	    DS_E_DNS,
	    DS_E_DNS_SKIPPED,
	    DS_E_NO_ADDRESS,
	    DS_E_NO_NAT64,
	    DS_E_FILE_SYMLINK,
	    DS_E_FILE_FIFO,
	    DS_E_FILE_SOCKET,
	    DS_E_FILE_DEVICE,
	    DS_E_FILE_OWNER,
	    DS_E_FILE_WRITABLE,
	};
	size_t n = sizeof(codes) / sizeof(codes[0]);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const char *m = ds_strerror(-codes[i]);

		assert_non_null(m);
		if (strcmp(m, "unknown error") == 0)
			fail_msg("code %d has no message", codes[i]);
		/* Positive and negative give the same text. */
		assert_ptr_equal(m, ds_strerror(codes[i]));
		/* No two codes share a message. */
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(m, ds_strerror(codes[j]));
	}
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
