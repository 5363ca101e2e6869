/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the Happy Eyeballs cache file reader,
 * ds_he_cache_load(): the file lives in the user's cache directory, where
 * anything may have been written to it, and is read by every connect.
 *
 * Besides "no crash, no undefined behaviour, no leak", what was read must
 * survive a round trip: saving the cache and loading the file into a new
 * cache gives as many entries, and saving that one writes the same bytes
 * (the writer's output is a fixed point of the reader). The clock is fixed
 * so that entries of the seeds do not expire.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/hecache-int.h"
#include "dualstack/hecache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2030-01-01: later than every WHEN in the seeds, within their TTL of
 * some of them. */
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
		fprintf(stderr, "hecache.c: check failed: %s\n", what);
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

static struct ds_he_cache *
new_cache(void)
{
	struct ds_he_cache *c;

	check(ds_he_cache_new(3600, &c) == 0, "ds_he_cache_new");
	ds__he_cache_set_clock(c, fixed_clock, NULL);
	return c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[64], out1[64], out2[64];
	struct ds_he_cache *a, *b;
	char *t1, *t2;
	size_t l1, l2;
	int r;

	snprintf(in, sizeof(in), "/tmp/ds-fuzz-hecache-%d.in", (int)getpid());
	snprintf(
	    out1, sizeof(out1), "/tmp/ds-fuzz-hecache-%d.1", (int)getpid());
	snprintf(
	    out2, sizeof(out2), "/tmp/ds-fuzz-hecache-%d.2", (int)getpid());
	write_file(in, data, size);

	a = new_cache();
	r = ds_he_cache_load(a, in);
	check(r == 0 || r == -EINVAL || r == -E2BIG || r == -EFBIG,
	    "load: an unexpected error");
	check(ds_he_cache_save(a, out1) == 0, "save");
	b = new_cache();
	check(ds_he_cache_load(b, out1) == 0, "a saved file loads");
	check(ds_he_cache_size(a) == ds_he_cache_size(b),
	    "the round trip keeps every entry");
	check(ds_he_cache_save(b, out2) == 0, "save again");
	t1 = read_file(out1, &l1);
	t2 = read_file(out2, &l2);
	check(l1 == l2 && memcmp(t1, t2, l1) == 0,
	    "saving what was loaded writes the same file");

	free(t1);
	free(t2);
	ds_he_cache_free(a);
	ds_he_cache_free(b);
	unlink(in);
	unlink(out1);
	unlink(out2);
	return 0;
}
