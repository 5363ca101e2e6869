/* SPDX-License-Identifier: MIT */
/*
 * Whole-file reads and atomic replacement (file-int.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dualstack/error.h"
#include "file-int.h"

/* Why a file of type mode is not a regular file, as a code. */
static int
type_error(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return 0;
	case S_IFDIR:
		return -EISDIR;
	case S_IFLNK:
		return -DS_E_FILE_SYMLINK;
	case S_IFIFO:
		return -DS_E_FILE_FIFO;
	case S_IFSOCK:
		return -DS_E_FILE_SOCKET;
	default:
		return -DS_E_FILE_DEVICE;
	}
}

/* Ours, and writable by nobody else: the owner is the effective user (the
 * one whose files we create), no write bit for group or others. */
static int
trust_error(const struct stat *st)
{
	if (st->st_uid != geteuid())
		return -DS_E_FILE_OWNER;
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return -DS_E_FILE_WRITABLE;
	return 0;
}

/*
 * open() failed with e for path: when the cause is what sits at path (a
 * symbolic link refused by O_NOFOLLOW, a socket that open() cannot open
 * at all), say what it is. Only on this error path does it cost a stat.
 */
static int
open_error(const char *path, int e)
{
	struct stat st;

	if ((e == ELOOP || e == ENXIO) && lstat(path, &st) == 0) {
		int r = type_error(st.st_mode);

		if (r < 0)
			return r;
	}
	return -e;
}

int64_t
ds__file_now(int64_t (*fn)(void *userdata), void *userdata)
{
	struct timespec ts;

	if (fn)
		return fn(userdata);
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec;
}

bool
ds__file_fresh(int64_t when, int64_t now, uint32_t ttl_s)
{
	return now - when < (int64_t)ttl_s && when - now < (int64_t)ttl_s;
}

bool
ds__file_parse_int(const char *s, long long lo, long long hi, long long *ret)
{
	char *end;
	long long v;

	if (!((*s >= '0' && *s <= '9') || (*s == '-' && lo < 0)))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return false;
	*ret = v;
	return true;
}

int
ds__file_check_dir(const char *dir)
{
	struct stat st;

	if (!dir || dir[0] == '\0')
		return -EINVAL;
	if (lstat(dir, &st) == -1)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -DS_E_FILE_SYMLINK;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return trust_error(&st);
}

int
ds__file_read(
    const char *path, size_t max, unsigned flags, char **ret, size_t *ret_len)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	struct stat st;
	int fd, r = 0;

	/* O_NONBLOCK: opening a FIFO does not wait for a writer, nor a
	 * device for its carrier; O_NOFOLLOW: a symbolic link is refused
	 * (ELOOP); O_NOCTTY: a terminal does not become ours. What was
	 * opened is then judged by fstat(), not by the name, which another
	 * process may have changed since. */
	fd = open(path,
	    O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
	        (flags & DS__FILE_FOLLOW ? 0 : O_NOFOLLOW));
	if (fd == -1)
		return open_error(path, errno);
	if (fstat(fd, &st) == -1)
		r = -errno;
	if (r == 0)
		r = type_error(st.st_mode);
	if (r == 0 && (flags & DS__FILE_OURS))
		r = trust_error(&st);
	while (r == 0) {
		ssize_t got;

		if (len == cap) {
			char *nb;

			if (cap == max)
				break;
			cap = cap ? 2 * cap : 4096;
			if (cap > max)
				cap = max;
			/* One more for the NUL. */
			nb = realloc(buf, cap + 1);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
		}
		got = read(fd, buf + len, cap - len);
		if (got == -1) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	(void)close(fd);
	if (r == 0 && !buf)
		buf = malloc(1);
	if (r < 0 || !buf) {
		free(buf);
		return r < 0 ? r : -ENOMEM;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

int
ds__file_parse_lines(char *text, size_t len, const char *header,
    ds__file_line_fn *line_fn, void *obj, int64_t now)
{
	size_t hl = strlen(header);
	char *p, *end;

	if (len < hl + 1 || memcmp(text, header, hl) != 0 || text[hl] != '\n')
		return -EINVAL;
	for (p = text + hl + 1;
	     (end = memchr(p, '\n', len - (size_t)(p - text))); p = end + 1) {
		/* A NUL inside makes the line malformed, however well
		 * the part before it reads. */
		if (!memchr(p, '\0', (size_t)(end - p))) {
			*end = '\0';
			line_fn(obj, p, now);
		}
	}
	return 0;
}

int
ds__file_read_lines(const char *path, size_t max, const char *header,
    ds__file_line_fn *line_fn, void *obj, int64_t now)
{
	size_t len;
	char *buf;
	int r;

	r = ds__file_read(path, max, DS__FILE_OURS, &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = ds__file_parse_lines(buf, len, header, line_fn, obj, now);
	free(buf);
	return r;
}

int
ds__file_replace(
    const char *path, ds__file_write_fn *write_fn, const void *userdata)
{
	char *tmp, *dir, *slash;
	FILE *f;
	int fd, r;

	if (!path || path[0] == '\0')
		return -EINVAL;
	tmp = malloc(strlen(path) + sizeof(".XXXXXX"));
	if (!tmp)
		return -ENOMEM;
	strcpy(tmp, path);
	strcat(tmp, ".XXXXXX");
	/* mkostemp() creates the file with mode 0600. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd == -1) {
		r = -errno;
		free(tmp);
		return r;
	}
	f = fdopen(fd, "w");
	if (!f) {
		r = -errno;
		(void)close(fd);
		goto fail;
	}
	errno = 0;
	write_fn(f, userdata);
	if (fflush(f) != 0 || ferror(f) || fsync(fd) == -1) {
		r = errno ? -errno : -EIO;
		(void)fclose(f);
		goto fail;
	}
	if (fclose(f) != 0) {
		r = -errno;
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		r = -errno;
		goto fail;
	}
	/* Make the rename itself durable; a failure here loses nothing that
	 * was there before, so it is not reported. */
	dir = strdup(path);
	if (dir) {
		slash = strrchr(dir, '/');
		if (slash)
			slash[slash == dir ? 1 : 0] = '\0';
		fd =
		    open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd != -1) {
			(void)fsync(fd);
			(void)close(fd);
		}
		free(dir);
	}
	free(tmp);
	return 0;

fail:
	(void)unlink(tmp);
	free(tmp);
	return r;
}
