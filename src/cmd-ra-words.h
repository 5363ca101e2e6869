/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CMD_RA_WORDS_H
#define DUALSTACK_CMD_RA_WORDS_H

/*
 * The words of "dualstack ra": every phrase a person reads about a Router
 * Advertisement or an event, keyed by the library's values
 * (include/dualstack/ra.h, the ra range of finding.h). No I/O: the unit
 * test tests/unit/test-ra-words.c builds this file on its own and checks
 * that every value the library names has words here.
 */

#include <stddef.h>
#include <stdint.h>

#include "dualstack/finding.h"
#include "dualstack/ra.h"

/* An event (DS_FIND_RA_*): "unknown router"...; NULL out of range. */
const char *ra_code_words(enum ds_finding_code c);

/* One DS_RA_WHY_* bit, one DS_RA_F_* bit, one DS_RA_CHG_* bit: NULL for
 * anything else. */
const char *ra_why_words(uint32_t bit);
const char *ra_flag_words(uint32_t bit);
const char *ra_change_words(uint32_t bit);

/* enum ds_ra_optbad, enum ds_ra_pfx_kind; NULL out of range. */
const char *ra_optbad_words(unsigned bad);
const char *ra_pfx_words(unsigned kind);

/* The words for a token of the reason, change or kind evidence: the
 * token's value's words, or NULL. */
const char *ra_token_words(enum ds_evidence_key k, const char *token);

#endif
