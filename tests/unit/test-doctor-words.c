/* SPDX-License-Identifier: MIT */
/*
 * The words of "dualstack doctor" (src/cmd-doctor-words.c) against the
 * library: every host finding code has a cause of its own (not the
 * fallback, its token), every check group has a description, and the
 * words take their values from the evidence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "dualstack/finding.h"
#include "dualstack/host.h"

#include "cmd-doctor-words.h"

static void
test_every_code_has_words(void **state)
{
	char buf[1024];

	(void)state;
	for (unsigned c = DS_FIND_HOST_CLASS; c < DS_FIND__HOST_END; c++) {
		struct ds_finding f;
		int n;

		ds_finding_init(&f, (enum ds_finding_code)c, DS_SEV_WARNING);
		n = doctor_cause_text(&f, buf, sizeof(buf));
		assert_true(n > 0);
		if (strcmp(buf, ds_finding_token(f.code)) == 0)
			fail_msg("%s has no words", buf);
		/* A fix is a phrase or nothing; never cut. */
		n = doctor_fix_text(&f, buf, sizeof(buf));
		assert_true(n >= 0 && (size_t)n < sizeof(buf));
	}
	for (unsigned c = 0; c < DS_HOST__CHECK_END; c++)
		assert_non_null(doctor_check_words((enum ds_host_check)c));
	assert_null(doctor_check_words(DS_HOST__CHECK_END));
}

static void
test_values_from_evidence(void **state)
{
	struct ds_finding f;
	char buf[1024];

	(void)state;
	ds_finding_init(&f, DS_FIND_HOST_RA_IGNORED, DS_SEV_WARNING);
	f.subject.key = DS_EVK_INTERFACE;
	f.subject.type = DS_EV_TEXT;
	strcpy(f.subject.v.text, "eth0.100");
	doctor_fix_text(&f, buf, sizeof(buf));
	assert_string_equal(
	    buf, "sysctl -w net.ipv6.conf.eth0/100.accept_ra=2");
	doctor_cause_text(&f, buf, sizeof(buf));
	assert_non_null(strstr(buf, "eth0.100 forwards"));

	ds_finding_init(&f, DS_FIND_HOST_MTU_TOO_SMALL, DS_SEV_ERROR);
	f.subject =
	    (struct ds_evidence){.key = DS_EVK_INTERFACE, .type = DS_EV_TEXT};
	strcpy(f.subject.v.text, "veth0");
	assert_int_equal(ds_finding_add_uint(&f, DS_EVK_MTU, 1279), 0);
	assert_int_equal(ds_finding_add_uint(&f, DS_EVK_LIMIT, 1280), 0);
	doctor_cause_text(&f, buf, sizeof(buf));
	assert_non_null(strstr(buf, "veth0 has MTU 1279, below the 1280"));
	doctor_fix_text(&f, buf, sizeof(buf));
	assert_string_equal(buf, "ip link set veth0 mtu 1280");

	/* The class words follow the class token. */
	ds_finding_init(&f, DS_FIND_HOST_CLASS, DS_SEV_WARNING);
	assert_int_equal(ds_finding_add_token(&f, DS_EVK_CLASS, "ula-only"), 0);
	doctor_cause_text(&f, buf, sizeof(buf));
	assert_int_equal(strncmp(buf, "ULA-only", 8), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_code_has_words),
	    cmocka_unit_test(test_values_from_evidence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
