/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_TEST_REACH_REPORT_H
#define DUALSTACK_TEST_REACH_REPORT_H

/*
 * A reach report built by hand, for the tests of its findings
 * (test-reach.c) and of their words (test-reach-words.c). Include after
 * <cmocka.h>.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "dualstack/reach.h"

/*
 * A report for the endpoint ep (NULL: none) of count attempts, each an
 * outcome and an err (varargs); the verdict and delivered follow, and
 * the agent saw every connection whose token came back.
 */
static struct ds_reach_report
report(const char *ep, bool port_only, unsigned count, ...)
{
	struct ds_reach_report r;
	va_list ap;

	memset(&r, 0, sizeof(r));
	if (ep)
		assert_int_equal(
		    ds_endpoint_parse(ep, strlen(ep), 0, &r.target, NULL), 0);
	r.port_only = port_only;
	r.count = count;
	va_start(ap, count);
	for (unsigned i = 0; i < count; i++) {
		r.attempts[i].outcome = va_arg(ap, enum ds_reach_outcome);
		r.attempts[i].err = va_arg(ap, int);
		if (r.attempts[i].outcome == DS_REACH_DELIVERED ||
		    r.attempts[i].outcome == DS_REACH_CONNECTED)
			r.delivered++;
	}
	va_end(ap);
	r.verdict = r.delivered == count ? DS_REACH_REACHABLE
	    : r.delivered                ? DS_REACH_PARTIAL
	                                 : DS_REACH_UNREACHABLE;
	r.n_seen = r.delivered;
	for (unsigned i = 0; i < r.n_seen; i++)
		r.seen[i].token_ok = true;
	return r;
}

#endif
