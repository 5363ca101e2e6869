/* SPDX-License-Identifier: MIT */
/*
 * resolv.conf options as glibc 2.36 reads them (res_setoptions()): a
 * table of options lines, good and bad side by side, with the values
 * glibc would use and the bad word the parser points at; whole files
 * (comments, keywords glibc does not take as "options", later lines
 * overriding earlier ones); $RES_OPTIONS applied over a file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dualstack/resolv-conf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* What a line must give: set bits, values, flags, bad words and where
 * the first one is ("" for none). */
struct want {
	const char *text;
	unsigned set;
	unsigned ndots, timeout_s, attempts;
	bool rotate, sr, srr;
	unsigned n_bad;
	const char *first_bad;
};

#define D DS_RESOLV_NDOTS_DEFAULT
#define T DS_RESOLV_TIMEOUT_DEFAULT
#define A DS_RESOLV_ATTEMPTS_DEFAULT
#define S_ND DS_RESOLV_OPT_NDOTS
#define S_TO DS_RESOLV_OPT_TIMEOUT
#define S_AT DS_RESOLV_OPT_ATTEMPTS
#define S_RO DS_RESOLV_OPT_ROTATE
#define S_SR DS_RESOLV_OPT_SINGLE_REQUEST
#define S_SRR DS_RESOLV_OPT_SINGLE_REQUEST_REOPEN

static const struct want lines[] = {
    /* Good. */
    {"", 0, D, T, A, false, false, false, 0, ""},
    {"timeout:2 attempts:2", S_TO | S_AT, D, 2, 2, false, false, false, 0, ""},
    {"ndots:3", S_ND, 3, T, A, false, false, false, 0, ""},
    {"rotate", S_RO, D, T, A, true, false, false, 0, ""},
    {"single-request", S_SR, D, T, A, false, true, false, 0, ""},
    {"single-request-reopen", S_SRR, D, T, A, false, false, true, 0, ""},
    {"  \ttimeout:1\t\tattempts:5  ", S_TO | S_AT, D, 1, 5, false, false, false,
        0, ""},
    {"timeout:30 attempts:0 ndots:0", S_TO | S_AT | S_ND, 0, 30, 0, false,
        false, false, 0, ""},
    /* Later words win, as in glibc. */
    {"timeout:3 timeout:4", S_TO, D, 4, A, false, false, false, 0, ""},
    /* glibc's own options ds_resolve does not follow: not bad; edns0
     * and trust-ad are recorded for "dualstack doctor". */
    {"edns0 trust-ad use-vc no-aaaa debug no-tld-query inet6",
        DS_RESOLV_OPT_EDNS0 | DS_RESOLV_OPT_TRUST_AD, D, T, A, false, false,
        false, 0, ""},
    {"edns0x", DS_RESOLV_OPT_EDNS0, D, T, A, false, false, false, 1, "edns0x"},
    /* Capped silently by glibc (RES_MAXRETRANS, RES_MAXRETRY,
     * RES_MAXNDOTS): the cap applies, the word is pointed at. */
    {"timeout:31", S_TO, D, 30, A, false, false, false, 1, "timeout:31"},
    {"attempts:9", S_AT, D, T, 5, false, false, false, 1, "attempts:9"},
    {"ndots:16 rotate", S_ND | S_RO, 15, T, A, true, false, false, 1,
        "ndots:16"},
    {"timeout:99999999999999999999", S_TO, D, 30, A, false, false, false, 1,
        "timeout:99999999999999999999"},
    /* atoi(): what glibc reads from text that is not a number. */
    {"timeout:x", S_TO, D, 0, A, false, false, false, 1, "timeout:x"},
    {"timeout:", S_TO, D, 0, A, false, false, false, 1, "timeout:"},
    {"timeout:2s attempts:3", S_TO | S_AT, D, 2, 3, false, false, false, 1,
        "timeout:2s"},
    {"attempts:-1", S_AT, D, T, 0, false, false, false, 1, "attempts:-1"},
    {"timeout:+2", S_TO, D, 2, A, false, false, false, 1, "timeout:+2"},
    /* strncmp(): a word is known by its beginning. */
    {"rotatex", S_RO, D, T, A, true, false, false, 1, "rotatex"},
    {"single-request-reopenx", S_SRR, D, T, A, false, false, true, 1,
        "single-request-reopenx"},
    {"single-requests", S_SR, D, T, A, false, true, false, 1,
        "single-requests"},
    /* Unknown words are ignored by glibc; counted here. */
    {"timeout:1 retrans:1000 retry:3", S_TO, D, 1, A, false, false, false, 2,
        "retrans:1000"},
    {"Rotate", 0, D, T, A, false, false, false, 1, "Rotate"},
    {"rotate # comment", S_RO, D, T, A, true, false, false, 2, "#"},
    {"timeout : 2", 0, D, T, A, false, false, false, 3, "timeout"},
};

static void
check_line(const struct want *w, const struct ds_resolv_options *o, int n)
{
	size_t len = strlen(w->first_bad);

	if (o->set != w->set || o->ndots != w->ndots ||
	    o->timeout_s != w->timeout_s || o->attempts != w->attempts ||
	    o->rotate != w->rotate || o->single_request != w->sr ||
	    o->single_request_reopen != w->srr || o->n_bad != w->n_bad ||
	    n != (int)w->n_bad)
		fail_msg("'%s': set %#x ndots %u timeout %u attempts %u "
		         "rotate %d sr %d srr %d bad %u (returned %d)",
		    w->text, o->set, o->ndots, o->timeout_s, o->attempts,
		    o->rotate, o->single_request, o->single_request_reopen,
		    o->n_bad, n);
	if (w->n_bad == 0)
		return;
	if (o->bad_len != len ||
	    strncmp(w->text + o->bad_pos, w->first_bad, len) != 0)
		fail_msg("'%s': first bad word at %zu (%zu bytes), want '%s'",
		    w->text, o->bad_pos, o->bad_len, w->first_bad);
}

static void
test_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		const struct want *w = &lines[i];
		size_t len = strlen(w->text);
		/* Exactly len bytes, unterminated: ASan sees an over-read. */
		char *copy = malloc(len ? len : 1);
		struct ds_resolv_options o;
		int n;

		assert_non_null(copy);
		memcpy(copy, w->text, len);
		ds_resolv_options_init(&o);
		n = ds_resolv_options_parse(&o, copy, len);
		free(copy);
		check_line(w, &o, n);
	}
}

static void
test_defaults_and_args(void **state)
{
	struct ds_resolv_options o;

	(void)state;
	memset(&o, 0xff, sizeof(o));
	ds_resolv_options_init(&o);
	assert_int_equal(o.set, 0);
	assert_int_equal(o.ndots, 1);
	assert_int_equal(o.timeout_s, 5);
	assert_int_equal(o.attempts, 2);
	assert_false(o.rotate || o.single_request || o.single_request_reopen);
	assert_int_equal(o.n_bad, 0);
	assert_int_equal(ds_resolv_options_parse(NULL, "rotate", 6), -EINVAL);
	assert_int_equal(ds_resolv_options_parse(&o, NULL, 3), -EINVAL);
	assert_int_equal(ds_resolv_options_parse(&o, NULL, 0), 0);
	assert_int_equal(ds_resolv_conf_parse(NULL, "", 0), -EINVAL);
	assert_int_equal(ds_resolv_conf_parse(&o, NULL, 1), -EINVAL);
}

/* A whole file: only "options" lines followed by a blank count. */
static void
test_file(void **state)
{
	static const char text[] =
	    "# options rotate\n"
	    "; options ndots:9\n"
	    "nameserver 2001:db8::99\n"
	    "nameserver 198.51.100.2\n"
	    "search example.test\n"
	    "options timeout:2 attempts:3\n"
	    "optionsrotate\n"
	    " options ndots:4\n"
	    "options\tsingle-request-reopen\n"
	    "options timeout:1 bogus\n"
	    "options attempts:4"; /* no newline at the end */
	struct ds_resolv_options o;
	int n;

	(void)state;
	ds_resolv_options_init(&o);
	n = ds_resolv_conf_parse(&o, text, strlen(text));
	assert_int_equal(n, 1);
	assert_int_equal(o.timeout_s, 1);
	assert_int_equal(o.attempts, 4);
	assert_int_equal(o.ndots, 1);
	assert_false(o.rotate);
	assert_true(o.single_request_reopen);
	assert_false(o.single_request);
	assert_int_equal(o.set,
	    DS_RESOLV_OPT_TIMEOUT | DS_RESOLV_OPT_ATTEMPTS |
	        DS_RESOLV_OPT_SINGLE_REQUEST_REOPEN);
	/* The bad word, its line and place in the file. */
	assert_int_equal(o.bad_line, 10);
	assert_int_equal(o.bad_len, 5);
	assert_memory_equal(text + o.bad_pos, "bogus", 5);

	/* $RES_OPTIONS goes over the file, as glibc applies it. */
	n = ds_resolv_options_parse(&o, "attempts:1 rotate", 17);
	assert_int_equal(n, 0);
	assert_int_equal(o.attempts, 1);
	assert_int_equal(o.timeout_s, 1);
	assert_true(o.rotate);
	assert_int_equal(o.n_bad, 1);

	/* A CR is part of the word before it; a NUL ends the line's
	 * options, as it ends the C string glibc reads them from. */
	ds_resolv_options_init(&o);
	n = ds_resolv_conf_parse(&o, "options rotate\r\n", 16);
	assert_true(o.rotate);
	assert_int_equal(n, 1);
	ds_resolv_options_init(&o);
	n = ds_resolv_conf_parse(&o, "options ndots:2\0x timeout:9\n", 28);
	assert_int_equal(o.ndots, 2);
	assert_int_equal(o.timeout_s, 5);
	assert_int_equal(n, 0);
	ds_resolv_options_init(&o);
	assert_int_equal(ds_resolv_conf_parse(&o, "", 0), 0);
	assert_int_equal(ds_resolv_conf_parse(&o, "options", 7), 0);
	assert_int_equal(ds_resolv_conf_parse(&o, "options \n", 9), 0);
	assert_int_equal(o.set, 0);
}

static void
test_nameservers(void **state)
{
	static const char conf[] =
	    "# a comment\n"
	    "nameserver 2001:db8::53\n"
	    "nameserver\t192.0.2.53  # after the address: ignored\n"
	    "nameserver not-an-address\n"
	    "nameservers 192.0.2.1\n"
	    ";nameserver 192.0.2.2\n"
	    "nameserver fe80::1%eth0\r\n"
	    "nameserver 198.51.100.53\n";
	struct ds_endpoint eps[4];
	char buf[DS_ENDPOINT_STRLEN];

	(void)state;
	/* The first three that parse; the fourth is ignored as by glibc. */
	assert_int_equal(
	    ds_resolv_conf_nameservers(conf, strlen(conf), eps, 4), 3);
	assert_true(ds_endpoint_format(&eps[0], 0, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "[2001:db8::53]:53");
	assert_true(ds_endpoint_format(&eps[1], 0, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "192.0.2.53:53");
	assert_true(ds_endpoint_format(&eps[2], 0, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "[fe80::1%eth0]:53");
	/* Counted past max; nothing is written when max is 0. */
	assert_int_equal(
	    ds_resolv_conf_nameservers(conf, strlen(conf), eps, 1), 3);
	assert_int_equal(
	    ds_resolv_conf_nameservers(conf, strlen(conf), NULL, 0), 3);
	assert_int_equal(ds_resolv_conf_nameservers("", 0, NULL, 0), 0);
	assert_int_equal(
	    ds_resolv_conf_nameservers("nameserver", 10, NULL, 0), 0);
	assert_int_equal(ds_resolv_conf_nameservers(NULL, 3, NULL, 0), -EINVAL);
	assert_int_equal(ds_resolv_conf_nameservers(conf, 3, NULL, 1), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lines),
	    cmocka_unit_test(test_defaults_and_args),
	    cmocka_unit_test(test_file),
	    cmocka_unit_test(test_nameservers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
