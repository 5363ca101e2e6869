/* SPDX-License-Identifier: MIT */
/*
 * lib/file.c: whole-file reads (what is refused, and why: missing,
 * unreadable, a directory, a link, a FIFO, a socket, a device, someone
 * else's or writable by others), the cap on what is read, the lines of a
 * history file (header, cut and damaged lines) and the clock, freshness
 * and number fields both histories share, the directory check, and the
 * atomic replacement of a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "dualstack/error.h"
#include "file-int.h"

/* Who the tests become to be refused a file as root: nobody (65534, the
 * overflow uid of Linux, /proc/sys/kernel/overflowuid). */
#define NOBODY 65534

/* A directory of the test's own, removed at the end. */
static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ds-test-file-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *
path(const char *name)
{
	static char buf[2][128];
	static unsigned i;

	i ^= 1;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static const char *
make(const char *name, const char *text, mode_t mode)
{
	const char *p = path(name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return p;
}

/* ds__file_read() of p, expecting err; on success, the text. */
static void
read_expect(
    const char *p, size_t max, unsigned flags, int err, const char *text)
{
	char *buf = (char *)"untouched";
	size_t len = 12345;

	assert_int_equal(ds__file_read(p, max, flags, &buf, &len), err);
	if (err < 0) {
		/* Out-parameters are written only on success. */
		assert_string_equal(buf, "untouched");
		assert_int_equal(len, 12345);
		return;
	}
	assert_int_equal(len, strlen(text));
	assert_memory_equal(buf, text, len);
	assert_int_equal(buf[len], '\0');
	free(buf);
}

static void
test_read(void **state)
{
	const char *p = make("plain", "one\ntwo\n", 0644);

	(void)state;
	read_expect(p, 1024, 0, 0, "one\ntwo\n");
	read_expect(p, 1024, DS__FILE_OURS, 0, "one\ntwo\n");
	read_expect(make("empty", "", 0600), 1024, 0, 0, "");
}

/* A file longer than max: the first max bytes, the rest ignored; across
 * the 4096-byte first allocation too. */
static void
test_read_cap(void **state)
{
	static char big[10000];
	const char *p;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	for (size_t i = 0; i < sizeof(big) - 1; i += 100)
		big[i] = (char)('a' + i / 100 % 26);
	p = make("big", big, 0600);
	read_expect(p, 5, 0, 0, "axxxx");
	big[5000] = '\0';
	read_expect(p, 5000, 0, 0, big);
	read_expect(p, 0, 0, 0, "");
}

static void
test_read_refused(void **state)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	const char *p;
	int s;

	(void)state;
	read_expect(path("missing"), 1024, 0, -ENOENT, NULL);
	read_expect(dir, 1024, 0, -EISDIR, NULL);

	p = make("target", "through the link\n", 0600);
	assert_int_equal(symlink(p, path("link")), 0);
	read_expect(path("link"), 1024, 0, -DS_E_FILE_SYMLINK, NULL);
	read_expect(
	    path("link"), 1024, DS__FILE_FOLLOW, 0, "through the link\n");

	/* A FIFO with no writer: refused at once, not waited on. */
	assert_int_equal(mkfifo(path("fifo"), 0600), 0);
	read_expect(path("fifo"), 1024, 0, -DS_E_FILE_FIFO, NULL);

	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path("sock"));
	assert_int_equal(bind(s, (struct sockaddr *)&sun, sizeof(sun)), 0);
	read_expect(path("sock"), 1024, 0, -DS_E_FILE_SOCKET, NULL);
	close(s);

	read_expect("/dev/null", 1024, 0, -DS_E_FILE_DEVICE, NULL);

	/* Writable by the group: fine for configuration, not for what the
	 * library wrote itself. */
	p = make("shared", "x\n", 0664);
	read_expect(p, 1024, 0, 0, "x\n");
	read_expect(p, 1024, DS__FILE_OURS, -DS_E_FILE_WRITABLE, NULL);
	p = make("others", "x\n", 0602);
	read_expect(p, 1024, DS__FILE_OURS, -DS_E_FILE_WRITABLE, NULL);
}

/* Someone else's file; and one that cannot be opened at all. */
static void
test_read_owner_unreadable(void **state)
{
	const char *p;

	(void)state;
	if (geteuid() != 0) {
		/* Without root no file of another user can be made; an
		 * unreadable one can. */
		p = make("locked", "secret\n", 0000);
		read_expect(p, 1024, 0, -EACCES, NULL);
		skip();
	}
	p = make("theirs", "x\n", 0644);
	assert_int_equal(chown(p, NOBODY, NOBODY), 0);
	read_expect(p, 1024, 0, 0, "x\n");
	read_expect(p, 1024, DS__FILE_OURS, -DS_E_FILE_OWNER, NULL);

	/* Root reads any file: be nobody for the unreadable one (the saved
	 * set-user-ID keeps the way back). */
	p = make("locked", "secret\n", 0600);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(seteuid(NOBODY), 0);
	read_expect(p, 1024, 0, -EACCES, NULL);
	assert_int_equal(seteuid(0), 0);
	assert_int_equal(chmod(dir, 0700), 0);
}

/* --- Lines ---------------------------------------------------------------- */

struct seen {
	unsigned n;
	char line[8][32];
	int64_t now[8];
};

static void
collect(void *obj, char *line, int64_t now)
{
	struct seen *s = obj;

	assert_true(s->n < 8);
	snprintf(s->line[s->n], sizeof(s->line[0]), "%s", line);
	s->now[s->n] = now;
	s->n++;
}

static int
parse(const char *text, size_t len, struct seen *s)
{
	char buf[256];

	assert_true(len <= sizeof(buf));
	memcpy(buf, text, len);
	memset(s, 0, sizeof(*s));
	return ds__file_parse_lines(buf, len, "hdr 1", collect, s, 42);
}

#define PARSE(lit, s) parse(lit, sizeof(lit) - 1, s)

static void
test_parse_lines(void **state)
{
	struct seen s;

	(void)state;
	assert_int_equal(PARSE("hdr 1\na b\n\nc\n", &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.line[0], "a b");
	assert_string_equal(s.line[1], "");
	assert_string_equal(s.line[2], "c");
	assert_int_equal(s.now[0], 42);
	assert_int_equal(s.now[2], 42);

	/* The header alone: no lines. */
	assert_int_equal(PARSE("hdr 1\n", &s), 0);
	assert_int_equal(s.n, 0);

	/* A last line without its newline was cut short: dropped. */
	assert_int_equal(PARSE("hdr 1\nwhole\ncut", &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.line[0], "whole");

	/* A NUL inside a line makes all of it malformed. */
	assert_int_equal(PARSE("hdr 1\nok\nbad\0tail\nok2\n", &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.line[0], "ok");
	assert_string_equal(s.line[1], "ok2");

	/* Not this kind of file. */
	assert_int_equal(PARSE("", &s), -EINVAL);
	assert_int_equal(PARSE("hdr 1", &s), -EINVAL);
	assert_int_equal(PARSE("hdr 2\na\n", &s), -EINVAL);
	assert_int_equal(PARSE("hdr 10\na\n", &s), -EINVAL);
	assert_int_equal(PARSE("HDR 1\na\n", &s), -EINVAL);
	assert_int_equal(s.n, 0);
}

static void
test_read_lines(void **state)
{
	struct seen s = {0};
	const char *p;

	(void)state;
	/* No file yet: nothing, and no error. */
	assert_int_equal(
	    ds__file_read_lines(path("none"), 1024, "hdr 1", collect, &s, 7),
	    0);
	assert_int_equal(s.n, 0);

	p = make("hist", "hdr 1\nx 1\ny 2\n", 0600);
	assert_int_equal(
	    ds__file_read_lines(p, 1024, "hdr 1", collect, &s, 7), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.line[1], "y 2");
	assert_int_equal(s.now[1], 7);

	/* The cap cuts the second line short: it is dropped. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    ds__file_read_lines(p, 12, "hdr 1", collect, &s, 7), 0);
	assert_int_equal(s.n, 1);

	memset(&s, 0, sizeof(s));
	p = make("other", "something else\nx 1\n", 0600);
	assert_int_equal(
	    ds__file_read_lines(p, 1024, "hdr 1", collect, &s, 7), -EINVAL);
	/* A history is the library's own file: one others may write is
	 * not read. */
	p = make("open", "hdr 1\nx 1\n", 0666);
	assert_int_equal(ds__file_read_lines(p, 1024, "hdr 1", collect, &s, 7),
	    -DS_E_FILE_WRITABLE);
	assert_int_equal(s.n, 0);
}

/* --- What the histories share ----------------------------------------------
 */

static int64_t
fixed(void *userdata)
{
	return *(const int64_t *)userdata;
}

static void
test_history_fields(void **state)
{
	int64_t t = 1893456000;
	long long v = 7;

	(void)state;
	assert_int_equal(ds__file_now(fixed, &t), t);
	/* The real clock: after this test was written. */
	assert_true(ds__file_now(NULL, NULL) > 1700000000);

	/* Fresh for ttl_s either way, not one second more. */
	assert_true(ds__file_fresh(1000, 1000, 600));
	assert_true(ds__file_fresh(1000, 1599, 600));
	assert_false(ds__file_fresh(1000, 1600, 600));
	assert_true(ds__file_fresh(1599, 1000, 600));
	assert_false(ds__file_fresh(1600, 1000, 600));
	assert_false(ds__file_fresh(1000, 1000, 0));

	assert_true(ds__file_parse_int("0", 0, 10, &v));
	assert_int_equal(v, 0);
	assert_true(ds__file_parse_int("10", 0, 10, &v));
	assert_int_equal(v, 10);
	assert_true(ds__file_parse_int("-2244", -5000, 0, &v));
	assert_int_equal(v, -2244);
	v = 7;
	assert_false(ds__file_parse_int("11", 0, 10, &v));
	assert_false(ds__file_parse_int("-1", 0, 10, &v));
	/* A sign only where the range has negative values. */
	assert_false(ds__file_parse_int("-0", 0, 10, &v));
	assert_false(ds__file_parse_int("+1", 0, 10, &v));
	assert_false(ds__file_parse_int(" 1", 0, 10, &v));
	assert_false(ds__file_parse_int("1 ", 0, 10, &v));
	assert_false(ds__file_parse_int("1x", 0, 10, &v));
	assert_false(ds__file_parse_int("", 0, 10, &v));
	assert_false(ds__file_parse_int("-", -10, 10, &v));
	assert_false(ds__file_parse_int("99999999999999999999", 0, 10, &v));
	assert_int_equal(v, 7);
}

/* --- Directories ---------------------------------------------------------- */

static void
test_check_dir(void **state)
{
	char sub[128];
	const char *d;

	(void)state;
	assert_int_equal(ds__file_check_dir(dir), 0);
	assert_int_equal(ds__file_check_dir(NULL), -EINVAL);
	assert_int_equal(ds__file_check_dir(""), -EINVAL);
	assert_int_equal(ds__file_check_dir(path("nowhere")), -ENOENT);
	assert_int_equal(ds__file_check_dir(make("f", "", 0600)), -ENOTDIR);

	/* path() keeps two names at a time: a copy of this one. */
	snprintf(sub, sizeof(sub), "%s", path("sub"));
	d = sub;
	assert_int_equal(mkdir(d, 0700), 0);
	assert_int_equal(symlink(d, path("sublink")), 0);
	assert_int_equal(
	    ds__file_check_dir(path("sublink")), -DS_E_FILE_SYMLINK);
	assert_int_equal(chmod(d, 0770), 0);
	assert_int_equal(ds__file_check_dir(d), -DS_E_FILE_WRITABLE);
	/* Sticky does not make a directory anyone's to write in. */
	assert_int_equal(chmod(d, 01777), 0);
	assert_int_equal(ds__file_check_dir(d), -DS_E_FILE_WRITABLE);
	assert_int_equal(chmod(d, 0755), 0);
	assert_int_equal(ds__file_check_dir(d), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(d, NOBODY, NOBODY), 0);
		assert_int_equal(ds__file_check_dir(d), -DS_E_FILE_OWNER);
	}
}

/* --- Replacing ------------------------------------------------------------ */

static void
write_text(FILE *f, const void *userdata)
{
	fputs(userdata, f);
}

/* How many entries the test directory holds. */
static unsigned
entries(void)
{
	char cmd[128];
	unsigned n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%u", &n), 1);
	pclose(p);
	return n;
}

static void
test_replace(void **state)
{
	const char *p = path("saved");
	struct stat before, after;
	unsigned n0 = entries();
	char *buf;
	size_t len;
	int fd;

	(void)state;
	assert_int_equal(ds__file_replace(p, write_text, "first\n"), 0);
	assert_int_equal(stat(p, &before), 0);
	assert_int_equal(before.st_mode & 07777, 0600);
	assert_int_equal(ds__file_read(p, 1024, DS__FILE_OURS, &buf, &len), 0);
	assert_string_equal(buf, "first\n");
	free(buf);

	/* A reader holding the old file keeps reading the old file: the new
	 * one is renamed over it, not written into it. */
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(
	    ds__file_replace(p, write_text, "second, longer\n"), 0);
	assert_int_equal(stat(p, &after), 0);
	assert_true(after.st_ino != before.st_ino);
	{
		char old[16] = {0};

		assert_int_equal(read(fd, old, sizeof(old) - 1), 6);
		assert_string_equal(old, "first\n");
	}
	close(fd);
	assert_int_equal(ds__file_read(p, 1024, 0, &buf, &len), 0);
	assert_string_equal(buf, "second, longer\n");
	free(buf);
	/* No temporary file is left beside it. */
	assert_int_equal(entries(), n0 + 1);

	/* Failures: nothing written, nothing left. */
	assert_int_equal(ds__file_replace(NULL, write_text, "x"), -EINVAL);
	assert_int_equal(ds__file_replace("", write_text, "x"), -EINVAL);
	assert_int_equal(
	    ds__file_replace(path("no/such/dir/f"), write_text, "x"), -ENOENT);
	/* The new file cannot take the place of a directory. */
	assert_int_equal(mkdir(path("adir"), 0700), 0);
	assert_int_equal(
	    ds__file_replace(path("adir"), write_text, "x"), -EISDIR);
	assert_int_equal(entries(), n0 + 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_cap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_read_owner_unreadable, setup, teardown),
	    cmocka_unit_test(test_parse_lines),
	    cmocka_unit_test_setup_teardown(test_read_lines, setup, teardown),
	    cmocka_unit_test(test_history_fields),
	    cmocka_unit_test_setup_teardown(test_check_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
