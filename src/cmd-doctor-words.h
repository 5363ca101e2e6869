/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CMD_DOCTOR_WORDS_H
#define DUALSTACK_CMD_DOCTOR_WORDS_H

/*
 * The words of "dualstack doctor": what each finding of the host module
 * (codes 200-299, include/dualstack/host.h) means and how to fix it,
 * made from its evidence. The library names; these say it in English.
 * snprintf semantics; no I/O.
 */

#include <stddef.h>

#include "dualstack/finding.h"
#include "dualstack/host.h"

/* What a group of checks looks at, for --list-checks; NULL out of
 * range. */
const char *doctor_check_words(enum ds_host_check c);

/* The cause: what was found and why it matters. */
int doctor_cause_text(const struct ds_finding *f, char *buf, size_t size);

/* The fix: a command or a file line; "" when there is nothing to do. */
int doctor_fix_text(const struct ds_finding *f, char *buf, size_t size);

#endif
