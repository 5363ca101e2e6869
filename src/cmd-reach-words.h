/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CMD_REACH_WORDS_H
#define DUALSTACK_CMD_REACH_WORDS_H

/*
 * The words of "dualstack reach": every phrase a person reads about a
 * check, made from the library's types (include/dualstack/reach.h). The
 * library names each value with a machine token; these functions say it
 * in English. Text output, the text field of JSON output and the ERR
 * lines the checker sends all come from here.
 *
 * Functions that write text have snprintf semantics: at most size bytes,
 * NUL included, and the length the whole text needs. No I/O: the unit
 * test tests/unit/test-reach-words.c builds this file on its own.
 */

#include <stddef.h>

#include "dualstack/addr.h"
#include "dualstack/finding.h"
#include "dualstack/reach.h"

/* "IPv6" or "IPv4" (AF_INET, else IPv6). */
const char *reach_family_words(int family);

/* Why an address of this block kind and family cannot be reached from
 * outside, to follow the address and ": ": "link-local (fe80::/10): it
 * cannot be reached from another link"; "no address" for family 0. */
const char *reach_unfit_phrase(enum ds_addr_kind kind, int family);

/* A verdict for people: "reachable", "partial", "unreachable"; NULL out
 * of range. */
const char *reach_verdict_words(enum ds_reach_verdict v);

/* An attempt's outcome in a word or two ("timed out"), and what it
 * means ("no answer: silently dropped"); NULL out of range. */
const char *reach_outcome_words(enum ds_reach_outcome o);
const char *reach_outcome_meaning(enum ds_reach_outcome o);

/* The free text of the checker's ERR line for rf: "port 80: this checker
 * tests ports 1024 to 65535 only". */
int reach_refusal_text(
    const struct ds_reach_refusal *rf, char *buf, size_t size);

/* Why a checker refuses with this code, for the diagnosis: "the checker
 * does not test this port (...)"; NULL out of range. */
const char *reach_err_explanation(enum ds_reach_err code);

/*
 * What failed on the agent's side: "control connection to SERVER port
 * 4646: Connection refused". server is the checker's name as the user
 * gave it (NULL: "the checker"); remote, the report's err_text, what the
 * checker sent (a line out of turn).
 */
int reach_fault_text(const struct ds_reach_fault *f, const char *server,
    const char *remote, char *buf, size_t size);

/* One agent event as a flow line, without the time: "announced
 * [2001:db8::1]:40123, 5 test connections". server as above. */
int reach_agent_event_text(const struct ds_reach_agent_event *ev,
    const char *server, char *buf, size_t size);

/*
 * The diagnosis of a check: its n findings (ds_reach_findings(), the
 * summary first) in words, a summary line and a paragraph for each cause,
 * no final newline. r (may be NULL) adds what the findings leave to
 * words: the checker's ERR text, and what failed on the agent's side
 * (server as above).
 */
int reach_diagnosis_text(const struct ds_reach_report *r, const char *server,
    const struct ds_finding *f, size_t n, char *buf, size_t size);

/* One checker event as a log line, without the time: "check from
 * 2001:db8::1 started: [2001:db8::1]:40123, 5 connections". */
int reach_event_text(const struct ds_reach_event *ev, char *buf, size_t size);

#endif
