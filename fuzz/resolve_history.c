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
 * the reader). Reader and writer work on memory (the parser and writer
 * that load and save run on a file's text), so no file is made. The
 * clock is fixed so that the seeds do not expire.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* What ds_resolve_history_save() would write, in memory. */
static char *
saved_text(const struct ds_resolve_history *h, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	check(f != NULL, "open_memstream");
	ds__resolve_history_write(f, h);
	check(fclose(f) == 0, "write the history");
	*ret_len = len;
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
	struct ds_resolve_history *a, *b;
	char *in, *t1, *t2;
	size_t l1, l2;
	int r;

	/* The parser changes its text in place: a copy of the input. */
	in = malloc(size + 1);
	check(in != NULL, "malloc");
	if (size > 0)
		memcpy(in, data, size);
	a = new_history();
	r = ds__resolve_history_load_text(a, in, size);
	check(r == 0 || r == -EINVAL, "load: an unexpected error");
	t1 = saved_text(a, &l1);
	b = new_history();
	check(ds__resolve_history_load_text(b, t1, l1) == 0,
	    "a saved file loads");
	/* Loading changed t1; write both again and compare. */
	free(t1);
	t1 = saved_text(a, &l1);
	t2 = saved_text(b, &l2);
	check(l1 == l2 && memcmp(t1, t2, l1) == 0,
	    "saving what was loaded writes the same file");

	free(in);
	free(t1);
	free(t2);
	ds_resolve_history_free(a);
	ds_resolve_history_free(b);
	return 0;
}
