/* SPDX-License-Identifier: MIT */
/*
 * ds_finding: every code, severity and evidence key has a token, the
 * tokens are unique and of the machine alphabet, a token parses back to
 * its code; evidence is added, replaced, bounded and read back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "dualstack/finding.h"

/* Lower case, digits, '-' and one '.' between module and name. */
static bool
machine_token(const char *t)
{
	size_t dots = 0;

	if (!t || !*t)
		return false;
	for (const char *p = t; *p; p++) {
		if (*p == '.')
			dots++;
		else if (!((*p >= 'a' && *p <= 'z') ||
		             (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	}
	return dots <= 1;
}

static void
test_codes(void **state)
{
	enum ds_finding_code back;
	const char *seen[DS_FIND__REACH_END];
	size_t n = 0;

	(void)state;
	for (unsigned c = DS_FIND_REACH_REACHABLE; c < DS_FIND__REACH_END;
	     c++) {
		const char *t = ds_finding_token((enum ds_finding_code)c);

		assert_non_null(t);
		assert_true(machine_token(t));
		assert_int_equal(strncmp(t, "reach.", 6), 0);
		for (size_t i = 0; i < n; i++)
			assert_string_not_equal(seen[i], t);
		seen[n++] = t;
		assert_int_equal(ds_finding_code_parse(t, strlen(t), &back), 0);
		assert_int_equal(back, c);
	}
	/* dns (300-399): every code named "dns.", round trip. */
	for (unsigned c = DS_FIND_DNS_SILENT; c < DS_FIND__DNS_END; c++) {
		const char *t = ds_finding_token((enum ds_finding_code)c);

		assert_non_null(t);
		assert_true(machine_token(t));
		assert_int_equal(strncmp(t, "dns.", 4), 0);
		assert_int_equal(ds_finding_code_parse(t, strlen(t), &back), 0);
		assert_int_equal(back, c);
	}
	assert_null(ds_finding_token(DS_FIND__DNS_END));
	assert_null(ds_finding_token(299));
	assert_null(ds_finding_token(0));
	assert_null(ds_finding_token(99));
	assert_null(ds_finding_token(DS_FIND__REACH_END));
	assert_int_equal(
	    ds_finding_code_parse("reach.nope", 10, &back), -EINVAL);
	assert_int_equal(
	    ds_finding_code_parse("reach.dropped", 12, &back), -EINVAL);
}

/* The host module's codes: every one named "host.*", once, and parsed
 * back; nothing past the end. */
static void
test_host_codes(void **state)
{
	enum ds_finding_code back;
	const char *seen[DS_FIND__HOST_END - DS_FIND_HOST_CLASS];
	size_t n = 0;

	(void)state;
	for (unsigned c = DS_FIND_HOST_CLASS; c < DS_FIND__HOST_END; c++) {
		const char *t = ds_finding_token((enum ds_finding_code)c);

		assert_non_null(t);
		assert_true(machine_token(t));
		assert_int_equal(strncmp(t, "host.", 5), 0);
		for (size_t i = 0; i < n; i++)
			assert_string_not_equal(seen[i], t);
		seen[n++] = t;
		assert_int_equal(ds_finding_code_parse(t, strlen(t), &back), 0);
		assert_int_equal(back, c);
	}
	assert_null(ds_finding_token(DS_FIND__HOST_END));
	assert_null(ds_finding_token(199));
}

/* The ra range: every code has an "ra." token that parses back. */
static void
test_ra_codes(void **state)
{
	enum ds_finding_code back;

	(void)state;
	for (unsigned c = DS_FIND_RA_NEW_ROUTER; c < DS_FIND__RA_END; c++) {
		const char *t = ds_finding_token((enum ds_finding_code)c);

		assert_non_null(t);
		assert_true(machine_token(t));
		assert_int_equal(strncmp(t, "ra.", 3), 0);
		assert_int_equal(ds_finding_code_parse(t, strlen(t), &back), 0);
		assert_int_equal(back, c);
	}
	assert_null(ds_finding_token(DS_FIND__RA_END));
	assert_null(ds_finding_token(499));
}

static void
test_severities_and_keys(void **state)
{
	(void)state;
	assert_string_equal(ds_severity_token(DS_SEV_OK), "ok");
	assert_string_equal(ds_severity_token(DS_SEV_ERROR), "error");
	assert_null(ds_severity_token(0));
	assert_null(ds_severity_token(DS_SEV_ERROR + 1));
	for (unsigned k = DS_EVK_TARGET; k < DS__EVK_END; k++) {
		const char *t = ds_evidence_key_token((enum ds_evidence_key)k);

		assert_non_null(t);
		assert_true(machine_token(t) && !strchr(t, '.'));
	}
	assert_null(ds_evidence_key_token(0));
	assert_null(ds_evidence_key_token(DS__EVK_END));
}

static void
test_evidence(void **state)
{
	struct ds_finding f;
	struct ds_endpoint ep = {.port = 40123};
	const struct ds_evidence *e;

	(void)state;
	ds_finding_init(&f, DS_FIND_REACH_DROPPED, DS_SEV_ERROR);
	assert_int_equal(f.code, DS_FIND_REACH_DROPPED);
	assert_int_equal(f.n_evidence, 0);
	assert_null(ds_finding_get(&f, DS_EVK_COUNT));
	assert_int_equal(ds_finding_uint(&f, DS_EVK_COUNT, 7), 7);

	assert_int_equal(ds_finding_add_uint(&f, DS_EVK_COUNT, 5), 0);
	assert_int_equal(ds_finding_add_uint(&f, DS_EVK_OF, 5), 0);
	assert_int_equal(ds_finding_add_errno(&f, DS_EVK_ERRNO, -ETIMEDOUT), 0);
	assert_int_equal(ds_finding_add_token(&f, DS_EVK_CODE, "rate"), 0);
	assert_int_equal(ds_finding_add_endpoint(&f, DS_EVK_TARGET, &ep), 0);
	assert_int_equal(ds_finding_add_duration(&f, DS_EVK_ELAPSED, 1500), 0);
	assert_int_equal(f.n_evidence, 6);

	/* A key given again replaces, in place. */
	assert_int_equal(ds_finding_add_uint(&f, DS_EVK_COUNT, 3), 0);
	assert_int_equal(f.n_evidence, 6);
	assert_int_equal(ds_finding_uint(&f, DS_EVK_COUNT, 0), 3);
	assert_int_equal(f.evidence[0].key, DS_EVK_COUNT);

	e = ds_finding_get(&f, DS_EVK_ERRNO);
	assert_non_null(e);
	assert_int_equal(e->type, DS_EV_ERRNO);
	assert_int_equal(e->v.err, ETIMEDOUT);
	e = ds_finding_get(&f, DS_EVK_TARGET);
	assert_int_equal(e->type, DS_EV_ENDPOINT);
	assert_int_equal(e->v.ep.port, 40123);
	assert_int_equal(ds_finding_uint(&f, DS_EVK_ELAPSED, 0), 1500);
	/* Not a number: the default. */
	assert_int_equal(ds_finding_uint(&f, DS_EVK_CODE, 9), 9);
	/* A bool is true only when it is there and true. */
	assert_false(ds_finding_bool(&f, DS_EVK_PORT_ONLY));
	assert_int_equal(ds_finding_add_bool(&f, DS_EVK_PORT_ONLY, true), 0);
	assert_true(ds_finding_bool(&f, DS_EVK_PORT_ONLY));
	assert_int_equal(ds_finding_add_bool(&f, DS_EVK_PORT_ONLY, false), 0);
	assert_false(ds_finding_bool(&f, DS_EVK_PORT_ONLY));
	assert_int_equal(
	    ds_finding_get(&f, DS_EVK_PORT_ONLY)->type, DS_EV_BOOL);
	assert_false(ds_finding_bool(&f, DS_EVK_COUNT));
	assert_int_equal(f.n_evidence, 7);

	/* Bad keys and tokens; then full. */
	assert_int_equal(ds_finding_add_uint(&f, 0, 1), -EINVAL);
	assert_int_equal(ds_finding_add_uint(&f, DS__EVK_END, 1), -EINVAL);
	assert_int_equal(ds_finding_add_token(&f, DS_EVK_PEER, NULL), -EINVAL);
	assert_int_equal(ds_finding_add_uint(&f, DS_EVK_SEEN, 1), 0);
	assert_int_equal(f.n_evidence, DS_FINDING_EVIDENCE_MAX);
	assert_int_equal(ds_finding_add_uint(&f, DS_EVK_PORT, 1), -ENOSPC);
	assert_int_equal(ds_finding_add_uint(&f, DS_EVK_SEEN, 2), 0);
}

/* Text is copied, stops at a NUL, and is cut (and says so) when long;
 * a prefix keeps its length. */
static void
test_text_and_prefix(void **state)
{
	struct ds_finding f;
	struct ds_prefix p;
	char long_text[DS_EVIDENCE_TEXT_MAX + 40];
	char line[] = "options timeout:30 attempts:5";
	const struct ds_evidence *e;

	(void)state;
	ds_finding_init(&f, DS_FIND_REACH_DROPPED, DS_SEV_WARNING);
	assert_int_equal(ds_finding_add_text(&f, DS_EVK_CODE, line, 7), 0);
	line[0] = 'X'; /* the finding holds a copy */
	e = ds_finding_get(&f, DS_EVK_CODE);
	assert_int_equal(e->type, DS_EV_TEXT);
	assert_string_equal(e->v.text, "options");
	assert_int_equal(
	    ds_finding_add_text(&f, DS_EVK_CODE, "eth0\0junk", 9), 0);
	assert_string_equal(ds_finding_get(&f, DS_EVK_CODE)->v.text, "eth0");
	memset(long_text, 'a', sizeof(long_text));
	assert_int_equal(
	    ds_finding_add_text(&f, DS_EVK_PEER, long_text, sizeof(long_text)),
	    1);
	e = ds_finding_get(&f, DS_EVK_PEER);
	assert_int_equal(strlen(e->v.text), DS_EVIDENCE_TEXT_MAX - 1);
	assert_int_equal(
	    ds_finding_add_text(&f, DS_EVK_PEER, NULL, 0), -EINVAL);
	assert_int_equal(f.n_evidence, 2);

	assert_int_equal(ds_prefix_parse("2001:db8::/32", 13, 0, &p, NULL), 0);
	assert_int_equal(ds_finding_add_prefix(&f, DS_EVK_TARGET, &p), 0);
	e = ds_finding_get(&f, DS_EVK_TARGET);
	assert_int_equal(e->type, DS_EV_PREFIX);
	assert_int_equal(e->v.prefix.len, 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_codes),
	    cmocka_unit_test(test_host_codes),
	    cmocka_unit_test(test_ra_codes),
	    cmocka_unit_test(test_severities_and_keys),
	    cmocka_unit_test(test_evidence),
	    cmocka_unit_test(test_text_and_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
