/* SPDX-License-Identifier: MIT */
/*
 * The nameserver history: outcomes and smoothed answer times per server
 * (RFC 6298 section 2 weights), expiry, the bound on entries, and the
 * file: a round trip, a missing file, a file of another kind, damaged
 * lines skipped, the newer of two entries kept.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dualstack/resolve.h"
#include "resolve-int.h"

static int64_t now = 1893456000; /* 2030-01-01 */

static int64_t
test_clock(void *userdata)
{
	(void)userdata;
	return now;
}

static struct ds_endpoint
ep(const char *text, uint16_t port)
{
	struct ds_endpoint e;

	memset(&e, 0, sizeof(e));
	assert_int_equal(
	    ds_addr_parse(text, strlen(text), 0, &e.addr, NULL), 0);
	e.port = port;
	return e;
}

static struct ds_resolve_history *
new_history(void)
{
	struct ds_resolve_history *h;

	assert_int_equal(ds_resolve_history_new(600, &h), 0);
	ds__resolve_history_set_clock(h, test_clock, NULL);
	return h;
}

static void
test_note_lookup(void **state)
{
	struct ds_resolve_history *h = new_history();
	struct ds_endpoint a = ep("2001:db8::99", 53),
	                   b = ep("198.51.100.2", 53);
	struct ds_endpoint b5353 = ep("198.51.100.2", 5353);
	struct ds_resolve_ns_record rec;

	(void)state;
	assert_string_equal(ds_resolve_ns_outcome_name(DS_RESOLVE_NS_OK), "ok");
	assert_string_equal(
	    ds_resolve_ns_outcome_name(DS_RESOLVE_NS_FAILED), "failed");
	assert_string_equal(
	    ds_resolve_ns_outcome_name(DS_RESOLVE_NS_NO_ANSWER), "no-answer");
	assert_int_equal(ds_resolve_history_lookup(h, &a, &rec), -ENOENT);
	assert_int_equal(
	    ds_resolve_history_note(h, &a, DS_RESOLVE_NS_NO_ANSWER, 0), 0);
	assert_int_equal(
	    ds_resolve_history_note(h, &b, DS_RESOLVE_NS_OK, 8000), 0);
	assert_int_equal(ds_resolve_history_lookup(h, &a, &rec), 0);
	assert_int_equal(rec.outcome, DS_RESOLVE_NS_NO_ANSWER);
	assert_int_equal(rec.srtt_us, 0);
	assert_int_equal(rec.when, now);
	assert_int_equal(ds_resolve_history_lookup(h, &b, &rec), 0);
	assert_int_equal(rec.outcome, DS_RESOLVE_NS_OK);
	assert_int_equal(rec.srtt_us, 8000);
	/* Another port is another server. */
	assert_int_equal(ds_resolve_history_lookup(h, &b5353, NULL), -ENOENT);

	/* RFC 6298 section 2.3: SRTT <- 7/8 SRTT + 1/8 R'. */
	assert_int_equal(
	    ds_resolve_history_note(h, &b, DS_RESOLVE_NS_OK, 16000), 0);
	assert_int_equal(ds_resolve_history_lookup(h, &b, &rec), 0);
	assert_int_equal(rec.srtt_us, 9000);
	/* A failure keeps the answer time, and is the outcome now. */
	assert_int_equal(
	    ds_resolve_history_note(h, &b, DS_RESOLVE_NS_FAILED, 0), 0);
	assert_int_equal(ds_resolve_history_lookup(h, &b, &rec), 0);
	assert_int_equal(rec.outcome, DS_RESOLVE_NS_FAILED);
	assert_int_equal(rec.srtt_us, 9000);

	/* Expired after the TTL, and its answer time with it. */
	now += 600;
	assert_int_equal(ds_resolve_history_lookup(h, &b, &rec), -ENOENT);
	assert_int_equal(
	    ds_resolve_history_note(h, &b, DS_RESOLVE_NS_OK, 2000), 0);
	assert_int_equal(ds_resolve_history_lookup(h, &b, &rec), 0);
	assert_int_equal(rec.srtt_us, 2000);

	assert_int_equal(ds_resolve_history_note(NULL, &a, 0, 0), -EINVAL);
	assert_int_equal(ds_resolve_history_note(h, NULL, 0, 0), -EINVAL);
	assert_int_equal(ds_resolve_history_note(h, &a, 9, 0), -EINVAL);
	assert_int_equal(ds_resolve_history_lookup(NULL, &a, NULL), -ENOENT);
	assert_null(ds_resolve_history_free(h));
	assert_null(ds_resolve_history_free(NULL));
}

/* Beyond DS_RESOLVE_HISTORY_MAX servers the oldest goes. */
static void
test_bound(void **state)
{
	struct ds_resolve_history *h = new_history();
	struct ds_endpoint e;

	(void)state;
	for (unsigned i = 0; i < DS_RESOLVE_HISTORY_MAX + 10; i++) {
		e = ep("2001:db8::", (uint16_t)(i + 1));
		assert_int_equal(
		    ds_resolve_history_note(h, &e, DS_RESOLVE_NS_OK, 1000), 0);
		if (i % 4 == 3)
			now++;
	}
	e = ep("2001:db8::", 1);
	assert_int_equal(ds_resolve_history_lookup(h, &e, NULL), -ENOENT);
	e = ep("2001:db8::", DS_RESOLVE_HISTORY_MAX + 10);
	assert_int_equal(ds_resolve_history_lookup(h, &e, NULL), 0);
	e = ep("2001:db8::", 11);
	assert_int_equal(ds_resolve_history_lookup(h, &e, NULL), 0);
	ds_resolve_history_free(h);
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_file(void **state)
{
	struct ds_resolve_history *h = new_history(), *g;
	struct ds_endpoint a = ep("2001:db8::99", 53),
	                   b = ep("198.51.100.2", 53);
	struct ds_resolve_ns_record rec;
	char path[64], text[1024];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/test-ns-history.%d", (int)getpid());
	unlink(path);
	/* No file yet: nothing to load, no error. */
	assert_int_equal(ds_resolve_history_load(h, path), 0);
	assert_int_equal(
	    ds_resolve_history_note(h, &a, DS_RESOLVE_NS_NO_ANSWER, 0), 0);
	assert_int_equal(
	    ds_resolve_history_note(h, &b, DS_RESOLVE_NS_OK, 1234), 0);
	assert_int_equal(ds_resolve_history_save(h, path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	g = new_history();
	assert_int_equal(ds_resolve_history_load(g, path), 0);
	assert_int_equal(ds_resolve_history_lookup(g, &a, &rec), 0);
	assert_int_equal(rec.outcome, DS_RESOLVE_NS_NO_ANSWER);
	assert_int_equal(ds_resolve_history_lookup(g, &b, &rec), 0);
	assert_int_equal(rec.outcome, DS_RESOLVE_NS_OK);
	assert_int_equal(rec.srtt_us, 1234);
	ds_resolve_history_free(g);

	/* Damaged lines are skipped, good ones kept; of two entries for one
	 * server the newer wins; expired ones are not loaded. */
	snprintf(text, sizeof(text),
	    "dualstack-ns-history 1\n"
	    "ns %lld 192.0.2.1 53 ok 100\n"
	    "ns %lld 192.0.2.1 53 failed 0\n"
	    "ns %lld 192.0.2.2 53 maybe 0\n"
	    "ns %lld 192.0.2.3 0 ok 0\n"
	    "ns %lld 192.0.2.4 53 ok -1\n"
	    "ns %lld fe80::1%%eth0 53 ok 0\n"
	    "ns %lld 192.0.2.5  53 ok 0\n"
	    "ns %lld 192.0.2.6 53 ok 0 extra\n"
	    "ns %lld 192.0.2.7 53 no-answer 0\n"
	    "ns %lld 192.0.2.8 53 ok 0",
	    (long long)now - 5, (long long)now - 1, (long long)now,
	    (long long)now, (long long)now, (long long)now, (long long)now,
	    (long long)now, (long long)now - 600, (long long)now);
	write_text(path, text);
	g = new_history();
	assert_int_equal(ds_resolve_history_load(g, path), 0);
	b = ep("192.0.2.1", 53);
	assert_int_equal(ds_resolve_history_lookup(g, &b, &rec), 0);
	assert_int_equal(rec.outcome, DS_RESOLVE_NS_FAILED);
	for (int i = 2; i <= 8; i++) {
		char addr[32];

		snprintf(addr, sizeof(addr), "192.0.2.%d", i);
		b = ep(addr, 53);
		assert_int_equal(
		    ds_resolve_history_lookup(g, &b, NULL), -ENOENT);
	}
	ds_resolve_history_free(g);

	/* Not a history file: not used. */
	write_text(path, "dualstack-he-cache 1\n");
	g = new_history();
	assert_int_equal(ds_resolve_history_load(g, path), -EINVAL);
	write_text(path, "");
	assert_int_equal(ds_resolve_history_load(g, path), -EINVAL);
	ds_resolve_history_free(g);
	assert_int_equal(
	    ds_resolve_history_save(h, "/nonexistent/dir/x"), -ENOENT);
	unlink(path);
	ds_resolve_history_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_note_lookup),
	    cmocka_unit_test(test_bound),
	    cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
