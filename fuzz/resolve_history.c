/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the nameserver history file reader,
 * ds_resolve_history_load(): the file lives in the user's cache
 * directory, where anything may have been written to it, and is read by
 * every dualstack resolve and connect.
 *
 * Besides "no crash, no undefined behaviour, no leak", what was read must
 * survive a round trip: saving it and loading the file into a new history
 * writes the same bytes again (the writer's output is a fixed point of
 * the reader). The clock is fixed so that the seeds do not expire.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/resolve-int.h"
#include "dualstack/resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2030-01-01: within the TTL of the seeds' WHEN. */
#define NOW 1893456000

static int64_t
fixed_clock(void *userdata)
{
	(void)userdata;
	return NOW;
}

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "resolve_history.c: check failed: %s\n", what);
		abort();
	}
}

static void
write_file(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	check(fd >= 0, "open for writing");
	while (size > 0) {
		ssize_t n = write(fd, data, size);

		check(n > 0, "write");
		data += n;
		size -= (size_t)n;
	}
	close(fd);
}

static char *
read_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;

	check(f != NULL, "open a saved file");
	check(getdelim(&buf, &cap, '\0', f) >= 0 || feof(f), "read");
	*ret_len = strlen(buf ? buf : "");
	fclose(f);
	return buf;
}

static struct ds_resolve_history *
new_history(void)
{
	struct ds_resolve_history *h;

	check(ds_resolve_history_new(3600, &h) == 0, "new");
	ds__resolve_history_set_clock(h, fixed_clock, NULL);
	return h;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[64], out1[64], out2[64];
	struct ds_resolve_history *a, *b;
	char *t1, *t2;
	size_t l1, l2;
	int r;

	snprintf(in, sizeof(in), "/tmp/ds-fuzz-nshist-%d.in", (int)getpid());
	snprintf(out1, sizeof(out1), "/tmp/ds-fuzz-nshist-%d.1", (int)getpid());
	snprintf(out2, sizeof(out2), "/tmp/ds-fuzz-nshist-%d.2", (int)getpid());
	write_file(in, data, size);

	a = new_history();
	r = ds_resolve_history_load(a, in);
	check(r == 0 || r == -EINVAL, "load: an unexpected error");
	check(ds_resolve_history_save(a, out1) == 0, "save");
	b = new_history();
	check(ds_resolve_history_load(b, out1) == 0, "a saved file loads");
	check(ds_resolve_history_save(b, out2) == 0, "save again");
	t1 = read_file(out1, &l1);
	t2 = read_file(out2, &l2);
	check(l1 == l2 && memcmp(t1, t2, l1) == 0,
	    "saving what was loaded writes the same file");

	free(t1);
	free(t2);
	ds_resolve_history_free(a);
	ds_resolve_history_free(b);
	unlink(in);
	unlink(out1);
	unlink(out2);
	return 0;
}
