/* SPDX-License-Identifier: MIT */
/*
 * Whole-file reads and atomic replacement (file-int.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file-int.h"

int
ds__file_read(const char *path, size_t max, char **ret, size_t *ret_len)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -errno;
	for (;;) {
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
