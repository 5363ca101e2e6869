/* SPDX-License-Identifier: MIT */
/*
 * The words of "dualstack ra" (src/cmd-ra-words.c): every value the
 * library names -- verdict reasons, facts, changes, option faults, prefix
 * kinds, the ra finding codes -- has words, and nothing else does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cmd-ra-words.h"

static void
test_bits(void **state)
{
	(void)state;
	for (unsigned b = 0; b < 32; b++) {
		uint32_t bit = 1u << b;

		assert_true((ds_ra_why_token(bit) != NULL) ==
		    (ra_why_words(bit) != NULL));
		assert_true((ds_ra_change_token(bit) != NULL) ==
		    (ra_change_words(bit) != NULL));
		assert_true((ds_ra_flag_token(bit) != NULL) ==
		    (ra_flag_words(bit) != NULL));
		if (bit & DS_RA_WHY_ALL) {
			assert_non_null(ra_why_words(bit));
			assert_string_equal(
			    ra_token_words(DS_EVK_REASON, ds_ra_why_token(bit)),
			    ra_why_words(bit));
		}
		if (bit & DS_RA_CHG_ALL)
			assert_non_null(ra_token_words(
			    DS_EVK_CHANGE, ds_ra_change_token(bit)));
	}
	assert_null(ra_why_words(3));
	assert_null(ra_token_words(DS_EVK_REASON, "no-such-token"));
	assert_null(ra_token_words(DS_EVK_COUNT, "hop-limit"));
}

static void
test_enums(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 64; i++) {
		assert_true((ds_ra_optbad_token(i) != NULL) ==
		    (ra_optbad_words(i) != NULL));
		assert_true((ds_ra_pfx_kind_token(i) != NULL) ==
		    (ra_pfx_words(i) != NULL));
	}
	for (unsigned c = 400; c < 700; c++) {
		bool ra = c >= DS_FIND_RA_NEW_ROUTER && c < DS_FIND__RA_END;

		assert_true(
		    (ra_code_words((enum ds_finding_code)c) != NULL) == ra);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bits),
	    cmocka_unit_test(test_enums),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
