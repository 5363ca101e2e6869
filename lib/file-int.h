/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_FILE_INT_H
#define DUALSTACK_FILE_INT_H

/*
 * Small files the library reads whole and replaces whole: configuration
 * (resolv.conf) and histories. Not installed.
 */

#include <stddef.h>
#include <stdio.h>

/*
 * Read at most max bytes of path into a new buffer, NUL-terminated (the
 * NUL not counted in *ret_len); the rest of a longer file is ignored.
 * Returns 0 (*ret owned by the caller, free()), or -errno: -ENOENT for a
 * file that does not exist.
 */
int ds__file_read(const char *path, size_t max, char **ret, size_t *ret_len);

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
