/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CMD_MCAST_WORDS_H
#define DUALSTACK_CMD_MCAST_WORDS_H

/*
 * The words of "dualstack mcast check": a sentence for each finding the
 * library makes (ds_mcast_check_findings()), from the finding's fields
 * alone. No I/O: tests/unit/test-mcast-words.c builds this file on its
 * own and checks that every mcast code has words.
 */

#include <stddef.h>

#include "dualstack/finding.h"
#include "dualstack/mcast.h"

/* "IGMPv3 report", ... for a report token; NULL for another text. */
const char *mcast_report_words(const char *token);

/*
 * One finding in words (without its severity), snprintf-style into buf:
 * "the kernel sent an MLDv2 report for ff02::77 on eth0". Returns the
 * length the whole text needs, or -1 for a code that has no words.
 */
int mcast_finding_text(const struct ds_finding *f, char *buf, size_t size);

#endif
