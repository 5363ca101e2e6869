/* SPDX-License-Identifier: MIT */
/*
 * The Happy Eyeballs history's file, as something that may have been
 * tampered with: ds_he_cache_load() reads only a regular file of the
 * user's that nobody else can write, and neither blocks on a FIFO nor
 * follows a symbolic link; ds_he_cache_save() never writes through what
 * is at the path; ds_he_cache_check_dir() refuses a directory others can
 * write to, a symbolic link, another user's directory. (The file format
 * itself is tested in test-connect.c.)
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "hecache-int.h"
#include "dualstack/hecache.h"
#include "dualstack/error.h"

/* A user id that is not ours when we are root (nobody on Debian). */
#define OTHER_UID 65534

/* A blocking open of a FIFO would wait for ever: the alarm ends the test
 * program instead, as a failure, well before meson's timeout. */
#define BLOCK_LIMIT_S 10

static const char good[] = "dualstack-he-cache 1\n"
                           "addr 1700000000 443 2001:db8::1 ok 0 50\n";

static int64_t
fixed_clock(void *userdata)
{
	(void)userdata;
	return 1700000000;
}

static struct ds_he_cache *
cache_new(void)
{
	struct ds_he_cache *c = NULL;

	assert_int_equal(ds_he_cache_new(600, &c), 0);
	ds__he_cache_set_clock(c, fixed_clock, NULL);
	return c;
}

struct dir {
	char path[64];
};

static void
dir_make(struct dir *d)
{
	strcpy(d->path, "/tmp/test-hecache-XXXXXX");
	assert_non_null(mkdtemp(d->path));
}

static char *
in(const struct dir *d, const char *name)
{
	static char buf[2][128];
	static int k;
	char *p = buf[k++ & 1];

	snprintf(p, sizeof(buf[0]), "%s/%s", d->path, name);
	return p;
}

static void
dir_remove(const struct dir *d)
{
	char cmd[128];

	/* Everything the tests put there, whatever its type. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	assert_int_equal(system(cmd), 0);
}

static void
write_mode(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* Load path (a copy of good when it loads) into a new cache: the result,
 * and nothing added on failure. */
static int
load(const char *path)
{
	struct ds_he_cache *c = cache_new();
	int r = ds_he_cache_load(c, path);

	if (r < 0)
		assert_int_equal(ds_he_cache_size(c), 0);
	else
		assert_int_equal(ds_he_cache_size(c), 1);
	ds_he_cache_free(c);
	return r;
}

static void
test_load_trusted(void **state)
{
	struct dir d;

	(void)state;
	dir_make(&d);
	/* The file save writes (0600), and one others may read. */
	write_mode(in(&d, "a"), good, 0600);
	assert_int_equal(load(in(&d, "a")), 0);
	write_mode(in(&d, "b"), good, 0644);
	assert_int_equal(load(in(&d, "b")), 0);
	write_mode(in(&d, "c"), good, 0400);
	assert_int_equal(load(in(&d, "c")), 0);
	/* Nothing there at all is an empty history, as before. */
	{
		struct ds_he_cache *c = cache_new();

		assert_int_equal(ds_he_cache_load(c, in(&d, "none")), 0);
		assert_int_equal(ds_he_cache_size(c), 0);
		ds_he_cache_free(c);
	}
	dir_remove(&d);
}

static void
test_load_not_regular(void **state)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct dir d;
	int s;

	(void)state;
	dir_make(&d);

	/* A FIFO with no writer: refused at once, not waited on. */
	assert_int_equal(mkfifo(in(&d, "fifo"), 0600), 0);
	alarm(BLOCK_LIMIT_S);
	assert_int_equal(load(in(&d, "fifo")), -DS_E_FILE_FIFO);
	alarm(0);

	/* A symbolic link, even to a good file of ours; a dangling one. */
	write_mode(in(&d, "good"), good, 0600);
	assert_int_equal(symlink(in(&d, "good"), in(&d, "link")), 0);
	assert_int_equal(load(in(&d, "link")), -DS_E_FILE_SYMLINK);
	assert_int_equal(symlink(in(&d, "nowhere"), in(&d, "dangling")), 0);
	assert_int_equal(load(in(&d, "dangling")), -DS_E_FILE_SYMLINK);
	/* A link to a FIFO is not opened either. */
	assert_int_equal(symlink(in(&d, "fifo"), in(&d, "tofifo")), 0);
	alarm(BLOCK_LIMIT_S);
	assert_int_equal(load(in(&d, "tofifo")), -DS_E_FILE_SYMLINK);
	alarm(0);

	/* A socket (which open() cannot open: ENXIO). */
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	strcpy(sun.sun_path, in(&d, "sock"));
	assert_int_equal(bind(s, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(load(in(&d, "sock")), -DS_E_FILE_SOCKET);
	close(s);

	/* A device, and a directory. */
	assert_int_equal(load("/dev/null"), -DS_E_FILE_DEVICE);
	assert_int_equal(load(d.path), -EISDIR);

	dir_remove(&d);
}

static void
test_load_not_ours_alone(void **state)
{
	static const mode_t writable[] = {0620, 0602, 0666, 0622, 0660};
	struct dir d;
	char name[16];

	(void)state;
	dir_make(&d);
	for (size_t i = 0; i < sizeof(writable) / sizeof(writable[0]); i++) {
		snprintf(name, sizeof(name), "w%zu", i);
		write_mode(in(&d, name), good, writable[i]);
		assert_int_equal(load(in(&d, name)), -DS_E_FILE_WRITABLE);
	}
	if (geteuid() == 0) {
		write_mode(in(&d, "theirs"), good, 0600);
		assert_int_equal(chown(in(&d, "theirs"), OTHER_UID, -1), 0);
		assert_int_equal(load(in(&d, "theirs")), -DS_E_FILE_OWNER);
		/* Ownership is judged before the mode. */
		assert_int_equal(chmod(in(&d, "theirs"), 0666), 0);
		assert_int_equal(load(in(&d, "theirs")), -DS_E_FILE_OWNER);
	} else {
		/* Not root: a file of root's is someone else's. */
		struct stat st;

		assert_int_equal(stat("/etc/passwd", &st), 0);
		assert_int_equal(st.st_uid, 0);
		assert_int_equal(load("/etc/passwd"), -DS_E_FILE_OWNER);
	}
	dir_remove(&d);
}

static void
test_check_dir(void **state)
{
	static const mode_t unsafe[] = {0770, 0707, 0777, 01777, 0720, 0702};
	static const mode_t safe[] = {0700, 0755, 0750, 0500, 01700};
	struct dir d;

	(void)state;
	dir_make(&d);
	for (size_t i = 0; i < sizeof(safe) / sizeof(safe[0]); i++) {
		assert_int_equal(chmod(d.path, safe[i]), 0);
		assert_int_equal(ds_he_cache_check_dir(d.path), 0);
	}
	/* The sticky bit does not help: others can still add names. */
	for (size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++) {
		assert_int_equal(chmod(d.path, unsafe[i]), 0);
		assert_int_equal(
		    ds_he_cache_check_dir(d.path), -DS_E_FILE_WRITABLE);
	}
	assert_int_equal(chmod(d.path, 0700), 0);

	assert_int_equal(mkdir(in(&d, "sub"), 0700), 0);
	assert_int_equal(symlink(in(&d, "sub"), in(&d, "link")), 0);
	assert_int_equal(
	    ds_he_cache_check_dir(in(&d, "link")), -DS_E_FILE_SYMLINK);
	write_mode(in(&d, "file"), good, 0600);
	assert_int_equal(ds_he_cache_check_dir(in(&d, "file")), -ENOTDIR);
	assert_int_equal(ds_he_cache_check_dir(in(&d, "none")), -ENOENT);
	assert_int_equal(ds_he_cache_check_dir(""), -EINVAL);
	assert_int_equal(ds_he_cache_check_dir(NULL), -EINVAL);
	if (geteuid() == 0) {
		assert_int_equal(chown(in(&d, "sub"), OTHER_UID, -1), 0);
		assert_int_equal(
		    ds_he_cache_check_dir(in(&d, "sub")), -DS_E_FILE_OWNER);
	} else {
		assert_int_equal(ds_he_cache_check_dir("/"), -DS_E_FILE_OWNER);
	}
	dir_remove(&d);
}

/* What save does with whatever sits at the path: replaces the name. */
static void
test_save_replaces(void **state)
{
	struct ds_endpoint ep = {.port = 443};
	struct ds_he_cache *c = cache_new();
	char text[256];
	struct stat st;
	struct dir d;
	FILE *f;

	(void)state;
	dir_make(&d);
	assert_int_equal(
	    ds_addr_parse("2001:db8::1", 11, 0, &ep.addr, NULL), 0);
	assert_int_equal(ds_he_cache_note(c, &ep, DS_HE_OK, 0, 50), 0);

	/* Over a link: the link goes, its target is untouched. */
	write_mode(in(&d, "target"), "precious\n", 0600);
	assert_int_equal(symlink(in(&d, "target"), in(&d, "he")), 0);
	assert_int_equal(ds_he_cache_save(c, in(&d, "he")), 0);
	assert_int_equal(lstat(in(&d, "he"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	f = fopen(in(&d, "target"), "r");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_string_equal(text, "precious\n");
	assert_int_equal(load(in(&d, "he")), 0);

	/* Over a FIFO: no wait for a reader, a regular file after. */
	assert_int_equal(mkfifo(in(&d, "fifo"), 0600), 0);
	alarm(BLOCK_LIMIT_S);
	assert_int_equal(ds_he_cache_save(c, in(&d, "fifo")), 0);
	alarm(0);
	assert_int_equal(lstat(in(&d, "fifo"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(load(in(&d, "fifo")), 0);

	ds_he_cache_free(c);
	dir_remove(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_trusted),
	    cmocka_unit_test(test_load_not_regular),
	    cmocka_unit_test(test_load_not_ours_alone),
	    cmocka_unit_test(test_check_dir),
	    cmocka_unit_test(test_save_replaces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
