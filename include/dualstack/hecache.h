/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_HECACHE_H
#define DUALSTACK_HECACHE_H

/*
 * ds_he_cache: what happened the last times addresses were tried, and who
 * won for a host, so that a Happy Eyeballs connect (connect.h) can start
 * with the winner, put the silent addresses last and shape its attempt
 * delay (RFC 8305 section 5 allows "historical" information to do so).
 * The cache knows nothing of connects: connect.h uses this header, never
 * the other way round.
 *
 * Threads: a ds_he_cache is not locked: share it between the users of
 * one thread only. ds_he_cache_check_dir() is thread-safe.
 */

#include <stddef.h>
#include <stdint.h>

#include "dualstack/addr.h"
#include "dualstack/export.h"

/* --- Memory of outcomes --------------------------------------------------- */

/* What happened the last time an address was tried. */
enum ds_he_outcome {
	DS_HE_UNKNOWN = 0,
	DS_HE_OK,        /* connected, in connect_us */
	DS_HE_FAILED,    /* failed with err */
	DS_HE_NO_ANSWER, /* nothing within its attempt delay; then closed
	                  * because another won, or the timeout */
};

/* "unknown", "ok", "failed", "no-answer". */
DS_EXPORT const char *ds_he_outcome_name(enum ds_he_outcome o);

/* One address's history. */
struct ds_he_history {
	enum ds_he_outcome outcome;
	int err;             /* DS_HE_FAILED: -errno */
	uint64_t connect_us; /* DS_HE_OK: SYN to established */
	int64_t when;        /* Unix time (s) of the outcome */
};

/*
 * A cache of outcomes, kept per destination endpoint (address and port)
 * and, for the winner, per host name and port. Entries expire ttl_s
 * seconds after they were written; the oldest go first beyond
 * DS_HE_CACHE_MAX entries. Times are wall-clock (it may be saved to a file
 * and read by another process).
 */
#define DS_HE_CACHE_TTL_S 600u
#define DS_HE_CACHE_MAX 4096u

struct ds_he_cache;

/* ttl_s 0 means DS_HE_CACHE_TTL_S. Returns 0 or -ENOMEM. */
DS_EXPORT int ds_he_cache_new(uint32_t ttl_s, struct ds_he_cache **ret);
DS_EXPORT struct ds_he_cache *ds_he_cache_free(struct ds_he_cache *c);

/*
 * Read entries saved by ds_he_cache_save() and add them (a newer entry
 * wins). A missing file is 0; expired entries, malformed lines and a last
 * line without its newline are skipped; only the first 4 MiB are read.
 *
 * The file is read only if it is a regular file owned by the effective
 * user and not writable by group or others; it is opened without
 * following a symbolic link and without blocking (a FIFO or a device at
 * path is refused at once, not waited on). Nothing is added otherwise.
 *
 * Returns 0; -DS_E_FILE_SYMLINK, -DS_E_FILE_FIFO, -DS_E_FILE_SOCKET,
 * -DS_E_FILE_DEVICE or -EISDIR for what is at path when it is not a
 * regular file; -DS_E_FILE_OWNER or -DS_E_FILE_WRITABLE for a file that
 * is not the user's alone; -EINVAL when the first line is not this
 * format's version line; or -errno when the file cannot be read. Only a
 * refused path costs a system call more (an lstat, to name what it is).
 */
DS_EXPORT int ds_he_cache_load(struct ds_he_cache *c, const char *path);

/*
 * Write the live entries to path: a temporary file in the same directory,
 * created exclusively (never through an existing name), mode 0600,
 * synced, then renamed over path, so a reader never sees half a file.
 * Whatever was at path itself (a symbolic link, a FIFO) is replaced, never
 * followed or opened. Creates no directories and checks none: see
 * ds_he_cache_check_dir(). Returns 0 or -errno.
 */
DS_EXPORT int ds_he_cache_save(const struct ds_he_cache *c, const char *path);

/*
 * Whether dir is fit to hold a history: a directory itself (not a
 * symbolic link to one), owned by the effective user, with no write bit
 * for group or others. A directory others can write is refused even with
 * the sticky bit: whoever can add names there can put a FIFO, a link or a
 * file of their own where the history goes. Returns 0; -DS_E_FILE_SYMLINK,
 * -ENOTDIR, -DS_E_FILE_OWNER, -DS_E_FILE_WRITABLE; -EINVAL for an empty
 * name; or -errno from lstat(2) (-ENOENT when it does not exist).
 * Thread-safe.
 */
DS_EXPORT int ds_he_cache_check_dir(const char *dir);

/* The history of ep, if fresh: 0, or -ENOENT. */
DS_EXPORT int ds_he_cache_lookup(const struct ds_he_cache *c,
    const struct ds_endpoint *ep, struct ds_he_history *ret);

/* The last winner for host and port, if fresh: 0, or -ENOENT. */
DS_EXPORT int ds_he_cache_winner(const struct ds_he_cache *c, const char *host,
    uint16_t port, struct ds_endpoint *ret);

/* Record an outcome for ep (now). err is for DS_HE_FAILED, connect_us for
 * DS_HE_OK. Returns 0, -EINVAL (ep without a family, an unknown outcome)
 * or -ENOMEM. */
DS_EXPORT int ds_he_cache_note(struct ds_he_cache *c,
    const struct ds_endpoint *ep, enum ds_he_outcome outcome, int err,
    uint64_t connect_us);

/* Record the winner of a connect to host and port. host is any text of 1
 * to 253 bytes without spaces or control characters. 0, -EINVAL or
 * -ENOMEM. */
DS_EXPORT int ds_he_cache_note_winner(struct ds_he_cache *c, const char *host,
    uint16_t port, const struct ds_endpoint *ep);

/* Live entries (address and host ones). */
DS_EXPORT size_t ds_he_cache_size(const struct ds_he_cache *c);

#endif
