/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_FILE_INT_H
#define DUALSTACK_FILE_INT_H

/*
 * Small files the library reads whole and replaces whole: configuration
 * (resolv.conf) and histories. Not installed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ds__file_read() flags. */
enum {
	/* Only a file of the effective user's that nobody else can write:
	 * what the library itself wrote (histories), not configuration. */
	DS__FILE_OURS = 1u << 0,
	/* Follow a symbolic link, as the C library does for the files of
	 * /etc it reads (resolv.conf is often a link into /run). */
	DS__FILE_FOLLOW = 1u << 1,
};

/*
 * Read at most max bytes of path into a new buffer, NUL-terminated (the
 * NUL not counted in *ret_len); the rest of a longer file is ignored.
 * The file is opened without following a symbolic link (unless
 * DS__FILE_FOLLOW) and without waiting (a FIFO or a device in its place does
 * not block), then judged by fstat() on what was opened: only a regular file is
 * read, and with DS__FILE_OURS only one owned by the effective user without
 * write permission for group or others. Returns 0 (*ret owned by the caller,
 * free()), or -errno: -ENOENT for a file that does not exist, -EISDIR,
 * -DS_E_FILE_SYMLINK, _FIFO, _SOCKET, _DEVICE, _OWNER, _WRITABLE for one
 * refused.
 */
int ds__file_read(
    const char *path, size_t max, unsigned flags, char **ret, size_t *ret_len);

/*
 * One line of a history file, NUL-terminated without its newline, for
 * obj (the history being filled). now is one clock reading taken for the
 * whole file, so that every line is judged fresh or stale against the
 * same instant.
 */
typedef void ds__file_line_fn(void *obj, char *line, int64_t now);

/*
 * The lines of a history file already in memory: check that text (len
 * bytes; need not be terminated) begins with the line header, and hand
 * every later whole line to line_fn (its newline replaced by a NUL, in
 * place: text is changed). A line cut short at the end, or with a NUL
 * inside, is dropped. Returns 0, or -EINVAL for another header. No I/O,
 * no allocation: what a fuzzer or a test feeds directly.
 */
int ds__file_parse_lines(char *text, size_t len, const char *header,
    ds__file_line_fn *line_fn, void *obj, int64_t now);

/*
 * Read a history file as ds__file_read() with DS__FILE_OURS does (at most
 * max bytes) and parse it with ds__file_parse_lines(). Returns 0 (a file
 * that does not exist is empty), -EINVAL for another header, or
 * ds__file_read()'s error.
 */
int ds__file_read_lines(const char *path, size_t max, const char *header,
    ds__file_line_fn *line_fn, void *obj, int64_t now);

/*
 * What the two history files (the Happy Eyeballs cache, the nameserver
 * history) keep alike. Their clock is Unix time in seconds: fn when a
 * test set one, else CLOCK_REALTIME (0 if it cannot be read).
 */
int64_t ds__file_now(int64_t (*fn)(void *userdata), void *userdata);

/*
 * An entry written at when is fresh at now: less than ttl_s ago, and not
 * more than ttl_s ahead either (a clock stepped back, a file from another
 * host).
 */
bool ds__file_fresh(int64_t when, int64_t now, uint32_t ttl_s);

/*
 * A field of a history line: a decimal integer in [lo, hi] and nothing
 * else; a '-' only where lo is negative. Returns whether it is one, and
 * then writes *ret.
 */
bool ds__file_parse_int(
    const char *s, long long lo, long long hi, long long *ret);

/*
 * Whether dir is a directory of the effective user's that nobody else
 * can write (no group or other write bit, sticky or not), and not a
 * symbolic link: 0, -DS_E_FILE_SYMLINK, -ENOTDIR, -DS_E_FILE_OWNER,
 * -DS_E_FILE_WRITABLE, or -errno from lstat().
 */
int ds__file_check_dir(const char *dir);

/*
 * Replace path with what write_fn writes to the FILE it is given: into a
 * temporary file beside it (mode 0600), flushed to disk, then renamed
 * into place, so that a reader sees the old file or the new one, never
 * half of one. Returns 0 or -errno.
 */
typedef void ds__file_write_fn(FILE *f, const void *userdata);
int ds__file_replace(
    const char *path, ds__file_write_fn *write_fn, const void *userdata);

#endif
