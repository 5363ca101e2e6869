/* SPDX-License-Identifier: MIT */
/*
 * Run a fuzz target's corpus as an ordinary test, with any compiler.
 *
 *   fuzz-replay-<target> FILE-OR-DIRECTORY...
 *
 * Every file named, and every file in every directory named (not
 * recursively, dot files skipped, in name order), is read into a buffer of
 * exactly its size and passed once to LLVMFuzzerTestOneInput(). The
 * output is TAP: a plan, then "ok N - FILE" or "not ok N - FILE" and a
 * "# FILE: why" line.
 * Each input runs in a child process so that one crash (abort(), a
 * sanitizer report, a signal) is reported against its file and the others
 * still run; a child that runs longer than TIMEOUT seconds is killed.
 *
 * Exit status: 0 if every input passed, 1 if any failed, 2 on a usage or
 * I/O error.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Seconds one input may take; libFuzzer's own default is 1200. */
#define TIMEOUT 60

struct list {
	char **v;
	size_t n, cap;
};

static int
list_add(struct list *l, const char *dir, const char *name)
{
	size_t len = (dir ? strlen(dir) + 1 : 0) + strlen(name) + 1;
	char *p;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	p = malloc(len);
	if (!p)
		return -ENOMEM;
	if (dir)
		snprintf(p, len, "%s/%s", dir, name);
	else
		snprintf(p, len, "%s", name);
	l->v[l->n++] = p;
	return 0;
}

static int
skip_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Add 'path', or the files in it if it is a directory. */
static int
collect(struct list *l, const char *path)
{
	struct dirent **ents;
	struct stat st;
	int n, r = 0;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode))
		return list_add(l, NULL, path);
	n = scandir(path, &ents, skip_dot, alphasort);
	if (n == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	for (int i = 0; i < n; i++) {
		if (r == 0)
			r = list_add(l, path, ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return r;
}

/*
 * Read the whole file into a buffer of exactly its size, so that ASan
 * catches a read one byte past the input, as it does under libFuzzer.
 */
static int
read_file(const char *path, uint8_t **ret, size_t *ret_size)
{
	struct stat st;
	uint8_t *buf;
	size_t size;
	FILE *f = fopen(path, "rb");

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) == -1) {
		int err = errno;

		fclose(f);
		return -err;
	}
	size = (size_t)st.st_size;
	/* An empty input still gets a valid pointer. */
	buf = malloc(size ? size : 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	if (fread(buf, 1, size, f) != size) {
		free(buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*ret = buf;
	*ret_size = size;
	return 0;
}

/* Run one input in a child. Returns 0, or sets *why and returns -1. */
static int
run_one(const char *path, char *why, size_t whysize)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == -1) {
		snprintf(why, whysize, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		uint8_t *buf = NULL;
		size_t size = 0;
		int r = read_file(path, &buf, &size);

		if (r < 0) {
			fprintf(stderr, "%s: %s\n", path, strerror(-r));
			_exit(3);
		}
		alarm(TIMEOUT);
		LLVMFuzzerTestOneInput(buf, size);
		free(buf);
		/* exit(), not _exit(): let LeakSanitizer run its check. */
		exit(0);
	}
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			snprintf(why, whysize, "waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		snprintf(why, whysize, "timeout after %d s", TIMEOUT);
	else if (WIFSIGNALED(status))
		snprintf(why, whysize, "killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) == 3)
		snprintf(why, whysize, "cannot read the file");
	else
		snprintf(why, whysize, "exit status %d", WEXITSTATUS(status));
	return -1;
}

int
main(int argc, char **argv)
{
	struct list l = {0};
	size_t failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int r = collect(&l, argv[i]);

		if (r < 0) {
			if (r == -ENOMEM)
				fprintf(stderr, "out of memory\n");
			return 2;
		}
	}
	if (l.n == 0) {
		printf("1..0 # SKIP no input files\n");
		return 0;
	}
	printf("1..%zu\n", l.n);
	for (size_t i = 0; i < l.n; i++) {
		char why[128];

		if (run_one(l.v[i], why, sizeof(why)) == 0) {
			printf("ok %zu - %s\n", i + 1, l.v[i]);
		} else {
			printf("not ok %zu - %s\n# %s: %s\n", i + 1, l.v[i],
			    l.v[i], why);
			failed++;
		}
		free(l.v[i]);
	}
	free(l.v);
	if (failed)
		printf("# %zu of %zu inputs failed\n", failed, l.n);
	return failed ? 1 : 0;
}
