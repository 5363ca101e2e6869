/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_FILE_INT_H
#define DUALSTACK_FILE_INT_H

/*
 * Small files the library reads whole and replaces whole: configuration
 * (resolv.conf) and histories. Not installed.
 */

#include <stddef.h>
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
 * Read a history file as ds__file_read() with DS__FILE_OURS does, check
 * that its first line is header, and hand every later whole line (the
 * newline replaced by a NUL; a line cut short at the end, or with a NUL
 * inside, is dropped) to line_fn. Returns 0 (a file that does not exist
 * is empty), -EINVAL for another header, or ds__file_read()'s error.
 */
typedef void ds__file_line_fn(char *line, void *userdata);
int ds__file_read_lines(const char *path, size_t max, const char *header,
    ds__file_line_fn *line_fn, void *userdata);

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
