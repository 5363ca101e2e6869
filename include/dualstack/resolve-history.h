/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_RESOLVE_HISTORY_H
#define DUALSTACK_RESOLVE_HISTORY_H

/*
 * ds_resolve_history: the nameserver history a ds_resolve consults
 * (ds_resolve_opts.history), in a header of its own because the history
 * is a module below the resolver: resolve.c reads and notes it, and it
 * knows nothing of lookups. resolve.h includes this header.
 */

#include <stdint.h>

#include "dualstack/addr.h"
#include "dualstack/export.h"

/* --- Server history ------------------------------------------------------ */

/*
 * ds_resolve_history: what happened at each DNS server (address and
 * port) the last time it was asked -- it answered, failed, or stayed
 * silent -- and its smoothed answer time, so that the next lookup, in
 * this process or (through a file) the next one, starts with a live
 * server and sizes its delays. Entries expire ttl_s after they were
 * written; beyond DS_RESOLVE_HISTORY_MAX servers the oldest goes.
 *
 * The file is text, one server a line after a version line:
 *
 *   dualstack-ns-history 1
 *   ns WHEN ADDRESS PORT OUTCOME SRTT_US
 *
 * WHEN is Unix time in seconds, OUTCOME a ds_resolve_ns_outcome_name().
 * Lines that do not parse are skipped.
 */
#define DS_RESOLVE_HISTORY_TTL_S 600u
#define DS_RESOLVE_HISTORY_MAX 256u

struct ds_resolve_history;

enum ds_resolve_ns_outcome {
	DS_RESOLVE_NS_OK = 0,   /* it answered (addresses, NXDOMAIN, NODATA) */
	DS_RESOLVE_NS_FAILED,   /* SERVFAIL, REFUSED, a bad answer, refused */
	DS_RESOLVE_NS_NO_ANSWER /* silent: every try timed out, or given up */
};

/* "ok", "failed", "no-answer". */
DS_EXPORT const char *ds_resolve_ns_outcome_name(enum ds_resolve_ns_outcome o);

struct ds_resolve_ns_record {
	int64_t when; /* Unix time, seconds */
	enum ds_resolve_ns_outcome outcome;
	/* Smoothed answer time (RFC 6298 section 2 weights), 0 when none
	 * was measured. */
	uint32_t srtt_us;
};

/* A new, empty history; ttl_s 0 means DS_RESOLVE_HISTORY_TTL_S. Returns
 * 0 or -ENOMEM. */
DS_EXPORT int ds_resolve_history_new(
    uint32_t ttl_s, struct ds_resolve_history **ret);

/* NULL-safe; returns NULL. */
DS_EXPORT struct ds_resolve_history *ds_resolve_history_free(
    struct ds_resolve_history *h);

/* The fresh record of server into *ret (may be NULL). Returns 0 or
 * -ENOENT. */
DS_EXPORT int ds_resolve_history_lookup(const struct ds_resolve_history *h,
    const struct ds_endpoint *server, struct ds_resolve_ns_record *ret);

/*
 * Record an outcome for server, now; rtt_us, when not 0, is an answer
 * time, folded into the smoothed one. ds_resolve calls it; tests and
 * callers with their own knowledge may too. Returns 0, -EINVAL, -ENOMEM.
 */
DS_EXPORT int ds_resolve_history_note(struct ds_resolve_history *h,
    const struct ds_endpoint *server, enum ds_resolve_ns_outcome outcome,
    uint32_t rtt_us);

/*
 * Add the fresh entries of the file at path (an entry already held and
 * newer stays). A file that does not exist is not an error (0). Returns
 * 0, -EINVAL (not a history file: no version line), -ENOMEM, -errno.
 */
DS_EXPORT int ds_resolve_history_load(
    struct ds_resolve_history *h, const char *path);

/* Write the fresh entries to path through a temporary file renamed into
 * place (mode 0600). Returns 0 or -errno. */
DS_EXPORT int ds_resolve_history_save(
    const struct ds_resolve_history *h, const char *path);

#endif
