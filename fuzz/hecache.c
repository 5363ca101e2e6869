/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the Happy Eyeballs cache file reader,
 * ds_he_cache_load(): the file lives in the user's cache directory, where
 * anything may have been written to it, and is read by every connect.
 *
 * Besides "no crash, no undefined behaviour, no leak", what was read must
 * survive a round trip: saving the cache and loading the file into a new
 * cache gives as many entries, and saving that one writes the same bytes
 * (the writer's output is a fixed point of the reader). The reader and
 * the writer work on memory (the parser that ds_he_cache_load() runs on
 * a file's text, the writer ds_he_cache_save() runs into its temporary
 * file), so no file is made. The clock is fixed so that entries of the
 * seeds do not expire.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* What ds_he_cache_save() would write, in memory. */
static char *
saved_text(const struct ds_he_cache *c, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	check(f != NULL, "open_memstream");
	ds__he_cache_write(f, c);
	check(fclose(f) == 0, "write the cache");
	*ret_len = len;
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
	struct ds_he_cache *a, *b;
	char *in, *t1, *t2;
	size_t l1, l2;
	int r;

	/* The parser changes its text in place: a copy of the input. */
	in = malloc(size + 1);
	check(in != NULL, "malloc");
	if (size > 0)
		memcpy(in, data, size);
	a = new_cache();
	r = ds__he_cache_load_text(a, in, size);
	check(r == 0 || r == -EINVAL, "load: an unexpected error");
	t1 = saved_text(a, &l1);
	b = new_cache();
	check(ds__he_cache_load_text(b, t1, l1) == 0, "a saved file loads");
	check(ds_he_cache_size(a) == ds_he_cache_size(b),
	    "the round trip keeps every entry");
	/* Loading changed t1; write both again and compare. */
	free(t1);
	t1 = saved_text(a, &l1);
	t2 = saved_text(b, &l2);
	check(l1 == l2 && memcmp(t1, t2, l1) == 0,
	    "saving what was loaded writes the same file");

	free(in);
	free(t1);
	free(t2);
	ds_he_cache_free(a);
	ds_he_cache_free(b);
	return 0;
}
