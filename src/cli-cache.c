/* SPDX-License-Identifier: MIT */
/*
 * The files the commands keep between runs, in the user's cache
 * directory (XDG Base Directory): here the nameserver history that
 * dualstack resolve and dualstack connect share.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dualstack/connect.h"
#include "dualstack/error.h"
#include "dualstack/resolve.h"

#include "cli.h"

/* mkdir -p, each missing directory mode 0700 (XDG Base Directory). */
static int
make_dirs(char *path)
{
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(path, 0700) == -1 && errno != EEXIST) {
			int e = errno;

			*p = c;
			return -e;
		}
		*p = c;
		if (c == '\0')
			return 0;
	}
}

int
cli_cache_file(const char *file, char *buf, size_t size)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	int n;

	if (xdg && xdg[0] == '/')
		n = snprintf(buf, size, "%s/dualstack", xdg);
	else if (home && home[0] == '/')
		n = snprintf(buf, size, "%s/.cache/dualstack", home);
	else
		return -ENOENT;
	if (n < 0 || (size_t)n + 1 + strlen(file) + 1 > size)
		return -ENAMETOOLONG;
	n = make_dirs(buf);
	if (n < 0)
		return n;
	strcat(buf, "/");
	strcat(buf, file);
	return 0;
}

void
cli_dir_of(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash && slash != path ? (size_t)(slash - path) : 1;

	if (n >= size)
		n = size - 1;
	memcpy(buf, slash ? path : ".", n);
	buf[n] = '\0';
}

int
cli_ns_history_open(const char *path, struct ds_resolve_history **ret)
{
	struct ds_resolve_history *h;
	char dir[PATH_MAX];
	int r;

	*ret = NULL;
	r = ds_resolve_history_new(0, &h);
	if (r < 0) {
		cli_error("nameserver history: %s", ds_strerror(r));
		return EXIT_INTERNAL;
	}
	*ret = h;
	if (!path)
		return EXIT_OK;
	/* Its directory as the connection history's: one others may write
	 * to could hold anything in its place. */
	cli_dir_of(path, dir, sizeof(dir));
	r = ds_he_cache_check_dir(dir);
	if (r < 0) {
		cli_error("warning: cache directory %s: %s; nameserver history "
		          "neither read nor written",
		    dir, ds_strerror(r));
		return EXIT_FAILED;
	}
	r = ds_resolve_history_load(h, path);
	if (r < 0) {
		/* Used empty, and not rewritten: it may be another
		 * version's, or unreadable for a reason to fix. */
		cli_error("warning: nameserver history %s: %s; not used", path,
		    ds_strerror(r));
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

void
cli_ns_history_save(const struct ds_resolve_history *h, const char *path)
{
	int r;

	if (!h || !path)
		return;
	r = ds_resolve_history_save(h, path);
	if (r < 0)
		cli_error("warning: nameserver history %s: %s; not saved", path,
		    ds_strerror(r));
}
