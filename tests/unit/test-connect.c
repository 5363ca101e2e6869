/* SPDX-License-Identifier: MIT */
/*
 * The pure parts of ds_connect: the interleaving of RFC 8305 section 4
 * (its examples, single families, the edges and errors), the outcome cache
 * (note, lookup, winner, expiry on a test clock, eviction, the file's
 * round trip and damaged files), NAT64 prefix discovery on answers of
 * every RFC 6052 length, the trace's text, and option checking.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "connect-int.h"
#include "dualstack/connect.h"
#include "dualstack/error.h"

static struct ds_addr
addr(const char *text)
{
	struct ds_addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(ds_addr_parse(text, strlen(text), 0, &a, NULL), 0);
	return a;
}

static struct ds_endpoint
ep(const char *text, uint16_t port)
{
	struct ds_endpoint e;

	memset(&e, 0, sizeof(e));
	e.addr = addr(text);
	e.port = port;
	return e;
}

/* --- Interleaving --------------------------------------------------------- */

/*
 * A list written as families and numbers: "6a 6b 4a" stands for
 * 2001:db8::a, 2001:db8::b, 192.0.2.a (a, b... as 1, 2...), so that the
 * expected order can be read at a glance.
 */
static size_t
list_from(const char *spec, struct ds_endpoint *list)
{
	size_t n = 0;

	for (const char *p = spec; *p;) {
		char text[32];

		if (*p == ' ') {
			p++;
			continue;
		}
		if (p[0] == '6')
			snprintf(
			    text, sizeof(text), "2001:db8::%d", p[1] - 'a' + 1);
		else
			snprintf(
			    text, sizeof(text), "192.0.2.%d", p[1] - 'a' + 1);
		list[n++] = ep(text, 80);
		p += 2;
	}
	return n;
}

static void
list_to(const struct ds_endpoint *list, size_t n, char *buf)
{
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct ds_addr *a = &list[i].addr;
		int last =
		    a->family == AF_INET6 ? a->u.bytes[15] : a->u.bytes[3];

		sprintf(buf + strlen(buf), "%s%c%c", i ? " " : "",
		    a->family == AF_INET6 ? '6' : '4', 'a' + last - 1);
	}
}

static void
test_interleave(void **state)
{
	static const struct {
		const char *in;
		unsigned ffc;
		const char *want;
	} cases[] = {
	    /* RFC 8305 section 4: "2001:db8::1, 2001:db8::2, 2001:db8::3,
	     * 192.0.2.1, 192.0.2.2" with a count of 1 and 2. */
	    {"6a 6b 6c 4a 4b", 1, "6a 4a 6b 4b 6c"},
	    {"6a 6b 6c 4a 4b", 2, "6a 6b 4a 6c 4b"},
	    /* The first family is the first address's, not IPv6. */
	    {"4a 4b 4c 6a 6b", 1, "4a 6a 4b 6b 4c"},
	    {"4a 6a 6b 6c", 1, "4a 6a 6b 6c"},
	    {"4a 6a 6b 6c", 2, "4a 6a 6b 6c"},
	    /* Already alternating, and mixed orders within a family kept. */
	    {"6a 4a 6b 4b", 1, "6a 4a 6b 4b"},
	    {"6b 4c 4a 6a", 1, "6b 4c 6a 4a"},
	    /* A count beyond the family: all of it, then the other. */
	    {"6a 6b 4a 4b", 5, "6a 6b 4a 4b"},
	    {"6a 6b 6c 4a", 3, "6a 6b 6c 4a"},
	    /* One family only: unchanged. */
	    {"6a 6b 6c", 1, "6a 6b 6c"},
	    {"4c 4a 4b", 2, "4c 4a 4b"},
	    {"6a", 1, "6a"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ds_endpoint list[DS_HE_MAX_CANDIDATES];
		char got[256];
		size_t n = list_from(cases[i].in, list);

		assert_int_equal(ds_he_interleave(list, n, cases[i].ffc), 0);
		list_to(list, n, got);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s (count %u): got %s, want %s", cases[i].in,
			    cases[i].ffc, got, cases[i].want);
	}
	(void)state;
}

static void
test_interleave_edges(void **state)
{
	struct ds_endpoint list[DS_HE_MAX_CANDIDATES + 1];
	size_t v6 = 0;

	assert_int_equal(ds_he_interleave(NULL, 0, 1), 0);
	assert_int_equal(ds_he_interleave(list, 0, 1), 0);
	assert_int_equal(ds_he_interleave(NULL, 1, 1), -EINVAL);
	list_from("6a", list);
	assert_int_equal(ds_he_interleave(list, 1, 0), -EINVAL);
	assert_int_equal(ds_he_interleave(list, 1, 1), 0);

	/* The largest list: 60 IPv6 then 4 IPv4, count 1. */
	for (size_t i = 0; i < DS_HE_MAX_CANDIDATES; i++) {
		char text[32];

		if (i < DS_HE_MAX_CANDIDATES - 4)
			snprintf(text, sizeof(text), "2001:db8::%zx", i + 1);
		else
			snprintf(text, sizeof(text), "192.0.2.%zu", i + 1);
		list[i] = ep(text, 443);
	}
	list[DS_HE_MAX_CANDIDATES] = list[0];
	assert_int_equal(
	    ds_he_interleave(list, DS_HE_MAX_CANDIDATES + 1, 1), -EINVAL);
	assert_int_equal(ds_he_interleave(list, DS_HE_MAX_CANDIDATES, 1), 0);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(
		    list[i].addr.family, i % 2 == 0 ? AF_INET6 : AF_INET);
	for (size_t i = 8; i < DS_HE_MAX_CANDIDATES; i++) {
		assert_int_equal(list[i].addr.family, AF_INET6);
		v6++;
	}
	assert_int_equal(v6, DS_HE_MAX_CANDIDATES - 8);
	/* Order within IPv6 kept: ::1, ::2, ... */
	for (size_t i = 0, k = 1; i < DS_HE_MAX_CANDIDATES; i++) {
		if (list[i].addr.family != AF_INET6)
			continue;
		assert_int_equal(list[i].addr.u.bytes[15], k);
		k++;
	}
	(void)state;
}

/* --- The cache ------------------------------------------------------------ */

static int64_t fake_now = 1700000000;

static int64_t
fake_clock(void *userdata)
{
	(void)userdata;
	return fake_now;
}

static struct ds_he_cache *
cache_new(uint32_t ttl)
{
	struct ds_he_cache *c = NULL;

	assert_int_equal(ds_he_cache_new(ttl, &c), 0);
	assert_non_null(c);
	ds__he_cache_set_clock(c, fake_clock, NULL);
	return c;
}

static void
test_cache_basic(void **state)
{
	struct ds_he_cache *c = cache_new(60);
	struct ds_endpoint a = ep("2001:db8::1", 443), b = ep("192.0.2.1", 443);
	struct ds_endpoint a80 = ep("2001:db8::1", 80), w;
	struct ds_he_history h;

	fake_now = 1700000000;
	assert_int_equal(ds_he_cache_size(c), 0);
	assert_int_equal(ds_he_cache_lookup(c, &a, &h), -ENOENT);
	assert_int_equal(
	    ds_he_cache_winner(c, "example.test", 443, &w), -ENOENT);

	assert_int_equal(ds_he_cache_note(c, &a, DS_HE_OK, -1, 1234), 0);
	assert_int_equal(
	    ds_he_cache_note(c, &b, DS_HE_FAILED, -ECONNREFUSED, 99), 0);
	assert_int_equal(
	    ds_he_cache_note_winner(c, "example.test", 443, &a), 0);
	assert_int_equal(ds_he_cache_size(c), 3);

	assert_int_equal(ds_he_cache_lookup(c, &a, &h), 0);
	assert_int_equal(h.outcome, DS_HE_OK);
	assert_int_equal(h.connect_us, 1234);
	assert_int_equal(h.err, 0); /* only for FAILED */
	assert_int_equal(h.when, fake_now);
	assert_int_equal(ds_he_cache_lookup(c, &b, &h), 0);
	assert_int_equal(h.outcome, DS_HE_FAILED);
	assert_int_equal(h.err, -ECONNREFUSED);
	assert_int_equal(h.connect_us, 0);
	/* The port is part of the key. */
	assert_int_equal(ds_he_cache_lookup(c, &a80, &h), -ENOENT);
	assert_int_equal(
	    ds_he_cache_winner(c, "example.test", 80, &w), -ENOENT);
	assert_int_equal(
	    ds_he_cache_winner(c, "Example.test", 443, &w), -ENOENT);
	assert_int_equal(ds_he_cache_winner(c, "example.test", 443, &w), 0);
	assert_true(ds_addr_equal(&w.addr, &a.addr));
	assert_int_equal(w.port, 443);

	/* A newer note replaces. */
	fake_now += 10;
	assert_int_equal(ds_he_cache_note(c, &a, DS_HE_NO_ANSWER, 0, 0), 0);
	assert_int_equal(ds_he_cache_lookup(c, &a, &h), 0);
	assert_int_equal(h.outcome, DS_HE_NO_ANSWER);
	assert_int_equal(h.when, fake_now);
	assert_int_equal(
	    ds_he_cache_note_winner(c, "example.test", 443, &b), 0);
	assert_int_equal(ds_he_cache_winner(c, "example.test", 443, &w), 0);
	assert_true(ds_addr_equal(&w.addr, &b.addr));
	assert_int_equal(ds_he_cache_size(c), 3);

	/* Errors. */
	assert_int_equal(
	    ds_he_cache_note(c, &a, (enum ds_he_outcome)9, 0, 0), -EINVAL);
	memset(&w, 0, sizeof(w));
	assert_int_equal(ds_he_cache_note(c, &w, DS_HE_OK, 0, 0), -EINVAL);
	assert_int_equal(ds_he_cache_note_winner(c, "", 443, &a), -EINVAL);
	assert_int_equal(ds_he_cache_note_winner(c, "a b", 443, &a), -EINVAL);
	assert_int_equal(ds_he_cache_note_winner(c, "a\nb", 443, &a), -EINVAL);
	assert_int_equal(ds_he_cache_note_winner(c, NULL, 443, &a), -EINVAL);
	assert_null(ds_he_cache_free(c));
	assert_null(ds_he_cache_free(NULL));
	(void)state;
}

static void
test_cache_zone(void **state)
{
	struct ds_he_cache *c = cache_new(0);
	struct ds_endpoint a = ep("fe80::1%eth0", 80),
	                   b = ep("fe80::1%eth1", 80);
	struct ds_endpoint w;
	struct ds_he_history h;

	assert_int_equal(ds_he_cache_note(c, &a, DS_HE_OK, 0, 5), 0);
	assert_int_equal(ds_he_cache_lookup(c, &a, &h), 0);
	assert_int_equal(ds_he_cache_lookup(c, &b, &h), -ENOENT);
	assert_int_equal(ds_he_cache_note_winner(c, "fe80::1%eth0", 80, &a), 0);
	assert_int_equal(ds_he_cache_winner(c, "fe80::1%eth0", 80, &w), 0);
	assert_string_equal(w.addr.zone, "eth0");
	ds_he_cache_free(c);
	(void)state;
}

static void
test_cache_expiry(void **state)
{
	struct ds_he_cache *c = cache_new(5);
	struct ds_endpoint a = ep("2001:db8::1", 443), w;
	struct ds_he_history h;

	fake_now = 1700000000;
	assert_int_equal(ds_he_cache_note(c, &a, DS_HE_OK, 0, 10), 0);
	assert_int_equal(ds_he_cache_note_winner(c, "h.test", 443, &a), 0);
	fake_now += 4;
	assert_int_equal(ds_he_cache_lookup(c, &a, &h), 0);
	assert_int_equal(ds_he_cache_winner(c, "h.test", 443, &w), 0);
	assert_int_equal(ds_he_cache_size(c), 2);
	fake_now += 1; /* exactly ttl later: gone */
	assert_int_equal(ds_he_cache_lookup(c, &a, &h), -ENOENT);
	assert_int_equal(ds_he_cache_winner(c, "h.test", 443, &w), -ENOENT);
	assert_int_equal(ds_he_cache_size(c), 0);
	/* Writing again makes it fresh. */
	assert_int_equal(
	    ds_he_cache_note(c, &a, DS_HE_FAILED, -EHOSTUNREACH, 0), 0);
	assert_int_equal(ds_he_cache_lookup(c, &a, &h), 0);
	assert_int_equal(h.err, -EHOSTUNREACH);
	/* A clock stepped back by more than the TTL: not trusted. */
	fake_now -= 100;
	assert_int_equal(ds_he_cache_lookup(c, &a, &h), -ENOENT);
	fake_now = 1700000000;
	ds_he_cache_free(c);
	(void)state;
}

static void
test_cache_eviction(void **state)
{
	struct ds_he_cache *c = cache_new(3600);
	struct ds_endpoint first, last;
	struct ds_he_history h;

	fake_now = 1700000000;
	for (unsigned i = 0; i < DS_HE_CACHE_MAX + 10; i++) {
		char text[64];

		snprintf(
		    text, sizeof(text), "2001:db8::%x:%x", i >> 16, i & 0xffff);
		last = ep(text, 443);
		if (i == 0)
			first = last;
		/* Each a second apart so that "oldest" is unambiguous,
		 * except a few written in the same second. */
		if (i % 4 != 3)
			fake_now++;
		assert_int_equal(ds_he_cache_note(c, &last, DS_HE_OK, 0, i), 0);
	}
	assert_int_equal(ds_he_cache_size(c), DS_HE_CACHE_MAX);
	assert_int_equal(ds_he_cache_lookup(c, &first, &h), -ENOENT);
	assert_int_equal(ds_he_cache_lookup(c, &last, &h), 0);
	assert_int_equal(h.connect_us, DS_HE_CACHE_MAX + 9);
	/* Entries 10 and on are all still there, each found by its key
	 * after the index was shifted around by the evictions. */
	for (unsigned i = 10; i < DS_HE_CACHE_MAX + 10; i++) {
		char text[64];
		struct ds_endpoint e;

		snprintf(
		    text, sizeof(text), "2001:db8::%x:%x", i >> 16, i & 0xffff);
		e = ep(text, 443);
		assert_int_equal(ds_he_cache_lookup(c, &e, &h), 0);
		assert_int_equal(h.connect_us, i);
	}
	/* Expired entries go before live ones. */
	fake_now += 3600 - (DS_HE_CACHE_MAX / 2);
	{
		struct ds_endpoint e = ep("192.0.2.1", 1);

		assert_int_equal(ds_he_cache_note(c, &e, DS_HE_OK, 0, 1), 0);
		assert_int_equal(ds_he_cache_lookup(c, &last, &h), 0);
		assert_int_equal(ds_he_cache_lookup(c, &e, &h), 0);
	}
	ds_he_cache_free(c);
	(void)state;
}

/* A private directory for the file tests. */
static char *
tmpdir(void)
{
	char *d = strdup("/tmp/test-connect-XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static char *
path_in(const char *dir, const char *name)
{
	char *p = malloc(strlen(dir) + strlen(name) + 2);

	assert_non_null(p);
	sprintf(p, "%s/%s", dir, name);
	return p;
}

static void
write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
test_cache_file(void **state)
{
	struct ds_endpoint a = ep("2001:db8::1", 443), b = ep("192.0.2.1", 443);
	struct ds_endpoint z = ep("fe80::1%lo", 22), d = ep("2001:db8::d", 80);
	struct ds_he_cache *c = cache_new(600), *c2 = cache_new(600);
	char *dir = tmpdir(), *path = path_in(dir, "he.cache");
	struct ds_endpoint w;
	struct ds_he_history h;
	struct stat st;

	fake_now = 1700000000;
	/* A missing file is no error. */
	assert_int_equal(ds_he_cache_load(c2, path), 0);
	assert_int_equal(ds_he_cache_size(c2), 0);

	assert_int_equal(ds_he_cache_note(c, &a, DS_HE_OK, 0, 4321), 0);
	assert_int_equal(
	    ds_he_cache_note(c, &b, DS_HE_FAILED, -ENETUNREACH, 0), 0);
	assert_int_equal(ds_he_cache_note(c, &z, DS_HE_NO_ANSWER, 0, 0), 0);
	assert_int_equal(
	    ds_he_cache_note_winner(c, "www.example.test", 443, &a), 0);
	fake_now -= 700; /* written long ago: not saved */
	assert_int_equal(ds_he_cache_note(c, &d, DS_HE_OK, 0, 1), 0);
	fake_now += 700;
	assert_int_equal(ds_he_cache_save(c, path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(ds_he_cache_load(c2, path), 0);
	assert_int_equal(ds_he_cache_size(c2), 4);
	assert_int_equal(ds_he_cache_lookup(c2, &a, &h), 0);
	assert_int_equal(h.outcome, DS_HE_OK);
	assert_int_equal(h.connect_us, 4321);
	assert_int_equal(h.when, fake_now);
	assert_int_equal(ds_he_cache_lookup(c2, &b, &h), 0);
	assert_int_equal(h.outcome, DS_HE_FAILED);
	assert_int_equal(h.err, -ENETUNREACH);
	assert_int_equal(ds_he_cache_lookup(c2, &z, &h), 0);
	assert_int_equal(h.outcome, DS_HE_NO_ANSWER);
	assert_int_equal(ds_he_cache_lookup(c2, &d, &h), -ENOENT);
	assert_int_equal(
	    ds_he_cache_winner(c2, "www.example.test", 443, &w), 0);
	assert_true(ds_addr_equal(&w.addr, &a.addr));

	/* Loading again changes nothing; a newer entry in memory wins over
	 * an older one in the file. */
	fake_now += 5;
	assert_int_equal(ds_he_cache_note(c2, &a, DS_HE_FAILED, -EIO, 0), 0);
	assert_int_equal(ds_he_cache_load(c2, path), 0);
	assert_int_equal(ds_he_cache_size(c2), 4);
	assert_int_equal(ds_he_cache_lookup(c2, &a, &h), 0);
	assert_int_equal(h.outcome, DS_HE_FAILED);

	/* Entries expire in the file too. */
	fake_now += 600;
	ds_he_cache_free(c2);
	c2 = cache_new(600);
	assert_int_equal(ds_he_cache_load(c2, path), 0);
	assert_int_equal(ds_he_cache_size(c2), 0);
	fake_now = 1700000000;

	/* No temporary file is left behind. */
	assert_int_equal(rmdir(dir), -1);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	/* A directory that does not exist: an error, nothing created. */
	assert_int_equal(ds_he_cache_save(c, path), -ENOENT);

	ds_he_cache_free(c);
	ds_he_cache_free(c2);
	free(path);
	free(dir);
	(void)state;
}

static void
test_cache_file_damaged(void **state)
{
	static const char good[] = "dualstack-he-cache 1\n"
	                           "addr 1700000000 443 2001:db8::1 ok 0 50\n";
	/* Each line is wrong in one way; the good lines around them load. */
#define L(x)                                                                   \
	{                                                                      \
		x, sizeof(x) - 1                                               \
	}
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
	    L("addr 1700000000 443 2001:db8::1 ok 0\n"),       /* short */
	    L("addr 1700000000 443 2001:db8::1 ok 0 50 x\n"),  /* long */
	    L("addr 1700000000 0 2001:db8::1 ok 0 50\n"),      /* port 0 */
	    L("addr 1700000000 65536 2001:db8::1 ok 0 50\n"),  /* port */
	    L("addr 1700000000 443 2001:db8::g ok 0 50\n"),    /* address */
	    L("addr 1700000000 443 [2001:db8::1] ok 0 50\n"),  /* brackets */
	    L("addr 1700000000 443 2001:db8::1 maybe 0 50\n"), /* outcome */
	    L("addr 1700000000 443 2001:db8::1 ok 5 50\n"),    /* err > 0 */
	    L("addr 1700000000 443 2001:db8::1 ok 0 -1\n"),    /* us < 0 */
	    L("addr 1700000000  443 2001:db8::1 ok 0 50\n"),   /* two spaces */
	    L("addr 1700000000 443 2001:db8::1 ok 0 50 \n"),   /* trailing */
	    L("addr -5 443 2001:db8::1 ok 0 50\n"),            /* when */
	    L("addr 17e8 443 2001:db8::1 ok 0 50\n"),          /* when */
	    L("addr 99999999999999999999 443 ::1 ok 0 50\n"),  /* overflow */
	    L("adr 1700000000 443 2001:db8::1 ok 0 50\n"),     /* kind */
	    L("winner 1700000000 443 h.test\n"),               /* short */
	    L("winner 1700000000 443 h.test 192.0.2.300\n"),   /* address */
	    L("winner 1700000000 443 h\x01test 192.0.2.3\n"),  /* control */
	    L("\n"),                                           /* empty */
	    L("                                             \n"), /* spaces */
	    L("addr 1700000000 443 2001:db8::9 ok 0 50\x00x\n"),  /* NUL */
	};
#undef L
	char *dir = tmpdir(), *path = path_in(dir, "c");
	struct ds_endpoint a = ep("2001:db8::1", 443), w;
	struct ds_he_history h;

	fake_now = 1700000000;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ds_he_cache *c = cache_new(600);
		char text[512];
		size_t len = strlen(good);

		memcpy(text, good, len);
		memcpy(text + len, bad[i].s, bad[i].len);
		len += bad[i].len;
		memcpy(text + len, "winner 1700000000 443 h.test 2001:db8::1\n",
		    41);
		len += 41;
		write_file(path, text, len);
		assert_int_equal(ds_he_cache_load(c, path), 0);
		if (ds_he_cache_size(c) != 2)
			fail_msg(
			    "line %zu: %zu entries", i, ds_he_cache_size(c));
		assert_int_equal(ds_he_cache_lookup(c, &a, &h), 0);
		assert_int_equal(h.connect_us, 50);
		assert_int_equal(ds_he_cache_winner(c, "h.test", 443, &w), 0);
		ds_he_cache_free(c);
	}

	/* Not a cache file at all, or another version: -EINVAL, nothing
	 * added. */
	{
		static const char *const files[] = {
		    "",
		    "dualstack-he-cache 2\naddr 1700000000 443 ::1 ok 0 1\n",
		    "dualstack-he-cache 1",
		    "\x7f"
		    "ELF\x02\x01\x01",
		    "dualstack-he-cache 1 \naddr 1700000000 443 ::1 ok 0 1\n",
		};

		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			struct ds_he_cache *c = cache_new(600);

			write_file(path, files[i], strlen(files[i]));
			assert_int_equal(ds_he_cache_load(c, path), -EINVAL);
			assert_int_equal(ds_he_cache_size(c), 0);
			ds_he_cache_free(c);
		}
	}
	/* A last line without its newline is taken as cut off. */
	{
		struct ds_he_cache *c = cache_new(600);
		static const char cut[] = "dualstack-he-cache 1\n"
		                          "addr 1700000000 443 ::1 ok 0 1\n"
		                          "addr 1700000000 443 ::2 ok 0 1";

		write_file(path, cut, strlen(cut));
		assert_int_equal(ds_he_cache_load(c, path), 0);
		assert_int_equal(ds_he_cache_size(c), 1);
		ds_he_cache_free(c);
	}
	/* Random bytes after a good header: whatever happens, no crash,
	 * and at most as many entries as lines. */
	{
		uint64_t x = 88172645463325252u;
		char text[4096];

		for (int round = 0; round < 200; round++) {
			struct ds_he_cache *c = cache_new(600);
			size_t len = strlen(good);

			memcpy(text, good, len);
			while (len < sizeof(text)) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				/* Mostly the file's own alphabet. */
				text[len++] =
				    " \n0123456789:.abcdefor-"[x % 23];
			}
			write_file(path, text, sizeof(text));
			assert_int_equal(ds_he_cache_load(c, path), 0);
			assert_true(ds_he_cache_size(c) >= 1);
			ds_he_cache_free(c);
		}
	}
	/* A directory cannot be read as a file. */
	{
		struct ds_he_cache *c = cache_new(600);

		assert_int_equal(ds_he_cache_load(c, dir), -EISDIR);
		ds_he_cache_free(c);
	}
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	free(path);
	free(dir);
	(void)state;
}

/* --- NAT64 prefix discovery ----------------------------------------------- */

static void
test_nat64_prefix(void **state)
{
	/* RFC 6052 section 2.2, one prefix of each length. */
	static const char *const prefixes[] = {
	    "64:ff9b::/96",
	    "2001:db8:100:200::/64",
	    "2001:db8:100:200::/56",
	    "2001:db8:100::/48",
	    "2001:db8:100::/40",
	    "2001:db8::/32",
	};
	static const char *const wka[] = {"192.0.0.170", "192.0.0.171"};
	/* Nothing to find. */
	static const char *const none[] = {
	    "64:ff9b::c000:ac",  /* 192.0.0.172 */
	    "64:ff9b::c000:201", /* 192.0.2.1 */
	    "2001:db8::1",
	    /* A /64 synthesis with the u octet (bits 64-71) set. */
	    "2001:db8:100:200:ff00:c000:aa00:0",
	    "192.0.0.170",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		for (size_t k = 0; k < 2; k++) {
			struct ds_prefix want, got;
			struct ds_addr v4 = addr(wka[k]), v6;
			char buf[DS_PREFIX_STRLEN];

			assert_int_equal(
			    ds_prefix_parse(prefixes[i], strlen(prefixes[i]), 0,
			        &want, NULL),
			    0);
			assert_int_equal(
			    ds_nat64_synthesize(&want, &v4, &v6), 0);
			/* The suffix (past bit 104 for /96... none; else
			 * the last bits) is ignored: set some. */
			if (want.len < 96)
				v6.u.bytes[15] = 0x5a;
			assert_int_equal(ds__nat64_prefix_find(&v6, &got), 0);
			assert_true(
			    ds_prefix_format(&got, 0, buf, sizeof(buf)) > 0);
			if (strcmp(buf, prefixes[i]) != 0)
				fail_msg("%s: got %s", prefixes[i], buf);
		}
	}
	/* The example of RFC 7050 section 3 (64:ff9b::/96). */
	{
		struct ds_addr a = addr("64:ff9b::192.0.0.171");
		struct ds_prefix p;

		assert_int_equal(ds__nat64_prefix_find(&a, &p), 0);
		assert_int_equal(p.len, 96);
	}
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		struct ds_addr a = addr(none[i]);
		struct ds_prefix p;

		if (ds__nat64_prefix_find(&a, &p) != -ENOENT)
			fail_msg("%s: found a prefix", none[i]);
	}
	(void)state;
}

/* --- The trace's text ----------------------------------------------------- */

static void
test_event_format(void **state)
{
	struct ds_he_event ev;
	char buf[256];
	int n;

	memset(&ev, 0, sizeof(ev));
	ev.type = DS_HE_EV_ATTEMPT;
	ev.t_us = 412;
	ev.attempt = 1;
	ev.ep = ep("2001:db8::2", 80);
	ev.delay_us = 250000;
	n = ds_he_event_format(&ev, buf, sizeof(buf));
	assert_string_equal(buf,
	    "   0.412 ms  attempt 1 [2001:db8::2]:80 started (next in 250 ms)");
	assert_int_equal(n, (int)strlen(buf));
	/* snprintf semantics: the length it needs, a truncated text. */
	assert_int_equal(ds_he_event_format(&ev, buf, 10), n);
	assert_int_equal(strlen(buf), 9);
	assert_int_equal(ds_he_event_format(&ev, NULL, 0), n);

	memset(&ev, 0, sizeof(ev));
	ev.type = DS_HE_EV_ANSWER;
	ev.t_us = 12003;
	ev.qtype = DS_RESOLVE_AAAA;
	ev.count = 2;
	ds_he_event_format(&ev, buf, sizeof(buf));
	assert_string_equal(buf, "  12.003 ms  answer AAAA: 2 addresses");
	ev.qtype = DS_RESOLVE_A;
	ev.count = 1;
	ds_he_event_format(&ev, buf, sizeof(buf));
	assert_string_equal(buf, "  12.003 ms  answer A: 1 address");
	ev.count = 0;
	ev.err = -DS_E_DNS_NODATA;
	ds_he_event_format(&ev, buf, sizeof(buf));
	assert_string_equal(
	    buf, "  12.003 ms  answer A: no record of this type (NODATA)");
	/* From DNS: the server that answered, and the retry it took. */
	ev.err = 0;
	ev.count = 1;
	ev.servers = 1;
	assert_int_equal(
	    ds_addr_parse("198.51.100.2", 12, 0, &ev.ep.addr, NULL), 0);
	ev.ep.port = 53;
	ds_he_event_format(&ev, buf, sizeof(buf));
	assert_string_equal(
	    buf, "  12.003 ms  answer A: 1 address from 198.51.100.2:53");
	ev.servers = 2;
	ds_he_event_format(&ev, buf, sizeof(buf));
	assert_string_equal(buf,
	    "  12.003 ms  answer A: 1 address from "
	    "198.51.100.2:53 (2 servers asked, 0 tries "
	    "timed out)");
	ev.servers = 1;
	ev.timeouts = 1;
	ev.err = -ETIMEDOUT;
	memset(&ev.ep, 0, sizeof(ev.ep));
	ds_he_event_format(&ev, buf, sizeof(buf));
	assert_string_equal(buf,
	    "  12.003 ms  answer A: Connection timed out "
	    "(1 server asked, 1 try timed out)");

	memset(&ev, 0, sizeof(ev));
	ev.type = DS_HE_EV_QUERY;
	ev.qtype = DS_RESOLVE_AAAA;
	ds_he_event_format(&ev, buf, sizeof(buf));
	assert_string_equal(buf, "   0.000 ms  query AAAA");

	memset(&ev, 0, sizeof(ev));
	ev.type = DS_HE_EV_RES_DELAY;
	ev.t_us = 3000;
	ev.delay_us = 50000;
	ds_he_event_format(&ev, buf, sizeof(buf));
	assert_string_equal(buf,
	    "   3.000 ms  A answered first: waiting 50 ms "
	    "for AAAA (resolution delay)");
	ev.type = DS_HE_EV_RES_EXPIRED;
	ev.t_us = 53100;
	ds_he_event_format(&ev, buf, sizeof(buf));
	assert_string_equal(buf, "  53.100 ms  resolution delay expired");

	memset(&ev, 0, sizeof(ev));
	ev.type = DS_HE_EV_CANCELLED;
	ev.t_us = 250500;
	ev.attempt = 1;
	ev.ep = ep("2001:db8::2", 80);
	ev.elapsed_us = 250300;
	ds_he_event_format(&ev, buf, sizeof(buf));
	assert_string_equal(buf,
	    " 250.500 ms  attempt 1 [2001:db8::2]:80 cancelled after 250.300 "
	    "ms");
	ev.type = DS_HE_EV_CONNECTED;
	ev.t_us = 251000;
	ev.attempt = 2;
	ev.ep = ep("198.51.100.2", 80);
	ev.elapsed_us = 400;
	ds_he_event_format(&ev, buf, sizeof(buf));
	assert_string_equal(buf,
	    " 251.000 ms  attempt 2 198.51.100.2:80 connected in 0.400 ms");
	ev.type = DS_HE_EV_FAILED;
	ev.elapsed_us = 200;
	ev.err = -ECONNREFUSED;
	ds_he_event_format(&ev, buf, sizeof(buf));
	{
		char want[256];

		snprintf(want, sizeof(want),
		    " 251.000 ms  attempt 2 198.51.100.2:80 failed after "
		    "0.200 ms: %s",
		    ds_strerror(-ECONNREFUSED));
		assert_string_equal(buf, want);
	}

	memset(&ev, 0, sizeof(ev));
	ev.type = DS_HE_EV_NAT64;
	ev.t_us = 9000;
	ev.prefix.addr = addr("64:ff9b::");
	ev.prefix.len = 96;
	ev.ep = ep("64:ff9b::c000:201", 80);
	ds_he_event_format(&ev, buf, sizeof(buf));
	assert_string_equal(buf,
	    "   9.000 ms  nat64 prefix 64:ff9b::/96: [64:ff9b::c000:201]:80");
	memset(&ev, 0, sizeof(ev));
	ev.type = DS_HE_EV_NAT64;
	ev.err = -DS_E_NO_NAT64;
	ds_he_event_format(&ev, buf, sizeof(buf));
	assert_non_null(strstr(buf, "nat64: no prefix: "));
	assert_non_null(strstr(buf, "RFC 7050"));

	memset(&ev, 0, sizeof(ev));
	ev.type = DS_HE_EV_CACHE;
	ev.t_us = 1000;
	ev.ep = ep("192.0.2.1", 443);
	ds_he_event_format(&ev, buf, sizeof(buf));
	assert_string_equal(buf, "   1.000 ms  history: 192.0.2.1:443 first");

	memset(&ev, 0, sizeof(ev));
	ev.type = DS_HE_EV_TIMEOUT;
	ev.t_us = 30000000;
	ev.delay_us = 30000000;
	ds_he_event_format(&ev, buf, sizeof(buf));
	assert_string_equal(buf, "30000.000 ms  timed out after 30000 ms");

	/* No newline in any of them. */
	for (int t = DS_HE_EV_QUERY; t <= DS_HE_EV_TIMEOUT; t++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = t;
		assert_true(ds_he_event_format(&ev, buf, sizeof(buf)) > 0);
		assert_null(strchr(buf, '\n'));
	}
	ev.type = 0;
	assert_int_equal(ds_he_event_format(&ev, buf, sizeof(buf)), -EINVAL);
	ev.type = 99;
	assert_int_equal(ds_he_event_format(&ev, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(ds_he_event_format(NULL, buf, sizeof(buf)), -EINVAL);
	(void)state;
}

static void
test_names(void **state)
{
	assert_string_equal(ds_he_outcome_name(DS_HE_UNKNOWN), "unknown");
	assert_string_equal(ds_he_outcome_name(DS_HE_OK), "ok");
	assert_string_equal(ds_he_outcome_name(DS_HE_FAILED), "failed");
	assert_string_equal(ds_he_outcome_name(DS_HE_NO_ANSWER), "no-answer");
	assert_string_equal(ds_he_event_name(DS_HE_EV_QUERY), "query");
	assert_string_equal(ds_he_event_name(DS_HE_EV_ANSWER), "answer");
	assert_string_equal(
	    ds_he_event_name(DS_HE_EV_RES_DELAY), "resolution-delay");
	assert_string_equal(
	    ds_he_event_name(DS_HE_EV_RES_EXPIRED), "resolution-delay-expired");
	assert_string_equal(ds_he_event_name(DS_HE_EV_NAT64), "nat64");
	assert_string_equal(ds_he_event_name(DS_HE_EV_CACHE), "cache");
	assert_string_equal(ds_he_event_name(DS_HE_EV_ATTEMPT), "attempt");
	assert_string_equal(ds_he_event_name(DS_HE_EV_FAILED), "failed");
	assert_string_equal(ds_he_event_name(DS_HE_EV_CONNECTED), "connected");
	assert_string_equal(ds_he_event_name(DS_HE_EV_CANCELLED), "cancelled");
	assert_string_equal(ds_he_event_name(DS_HE_EV_TIMEOUT), "timeout");
	(void)state;
}

/* --- Options -------------------------------------------------------------- */

static void
never(struct ds_connect *c, const struct ds_connect_result *r, void *ud)
{
	(void)c;
	(void)r;
	(void)ud;
	fail_msg("callback called");
}

static void
test_opts(void **state)
{
	struct ds_connect_opts o;
	struct ds_connect *c = NULL;
	struct ds_loop *loop;
	struct ds_endpoint e = ep("192.0.2.1", 81);
	struct ds_addr none;

	ds_connect_opts_init(&o);
	assert_int_equal(o.resolution_delay_us, 50000);
	assert_int_equal(o.attempt_delay_us, 250000);
	assert_int_equal(o.first_family_count, 1);
	assert_int_equal(o.timeout_us, 30000000);
	assert_null(o.bind);
	assert_null(o.cache);
	assert_null(o.policy);
	assert_null(o.addrs);
	assert_int_equal(o.n_addrs, 0);
	assert_false(o.no_nat64);
	assert_int_equal(o.resolve.family, DS_RESOLVE_ADDRCONFIG);

	assert_int_equal(ds_loop_new(&loop), 0);
#define BAD(mutate, host, port)                                                \
	do {                                                                   \
		ds_connect_opts_init(&o);                                      \
		mutate;                                                        \
		assert_int_equal(                                              \
		    ds_connect_new(loop, host, port, &o, never, NULL, &c),     \
		    -EINVAL);                                                  \
		assert_null(c);                                                \
	} while (0)
	BAD((void)0, "", 80);
	BAD((void)0, NULL, 80);
	BAD((void)0, "192.0.2.1", 0);
	BAD(o.resolution_delay_us = 2001000, "192.0.2.1", 80);
	BAD(o.attempt_delay_us = 9000, "192.0.2.1", 80);
	BAD(o.attempt_delay_us = 2001000, "192.0.2.1", 80);
	BAD(o.first_family_count = 0, "192.0.2.1", 80);
	BAD(o.first_family_count = DS_HE_MAX_CANDIDATES + 1, "192.0.2.1", 80);
	BAD(o.resolve.family = (enum ds_resolve_family)7, "192.0.2.1", 80);
	BAD(o.n_addrs = 1, "h.test", 80);
	/* Given addresses carry the connect's port, or none. */
	BAD((o.addrs = &e, o.n_addrs = 1), "h.test", 80);
	memset(&none, 0, sizeof(none));
	BAD(o.bind = &none, "192.0.2.1", 80);
	assert_int_equal(
	    ds_connect_new(NULL, "192.0.2.1", 80, NULL, never, NULL, &c),
	    -EINVAL);
	assert_int_equal(
	    ds_connect_new(loop, "192.0.2.1", 80, NULL, NULL, NULL, &c),
	    -EINVAL);
#undef BAD

	/* The bounds themselves are fine; freed before it ran, nothing is
	 * called back. */
	ds_connect_opts_init(&o);
	o.resolution_delay_us = 0000;
	o.attempt_delay_us = 10000;
	o.first_family_count = DS_HE_MAX_CANDIDATES;
	o.timeout_us = 0;
	assert_int_equal(
	    ds_connect_new(loop, "192.0.2.1", 80, &o, never, NULL, &c), 0);
	assert_non_null(c);
	assert_null(ds_connect_get_resolve(c));
	assert_null(ds_connect_free(c));
	assert_null(ds_connect_free(NULL));
	o.attempt_delay_us = 2000000;
	o.resolution_delay_us = 2000000;
	e.port = 0;
	o.addrs = &e;
	o.n_addrs = 1;
	assert_int_equal(
	    ds_connect_new(loop, "h.test", 80, &o, never, NULL, &c), 0);
	ds_connect_free(c);
	assert_int_equal(ds_loop_run_once(loop, 0), 0);
	ds_loop_free(loop);
	(void)state;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_interleave),
	    cmocka_unit_test(test_interleave_edges),
	    cmocka_unit_test(test_cache_basic),
	    cmocka_unit_test(test_cache_zone),
	    cmocka_unit_test(test_cache_expiry),
	    cmocka_unit_test(test_cache_eviction),
	    cmocka_unit_test(test_cache_file),
	    cmocka_unit_test(test_cache_file_damaged),
	    cmocka_unit_test(test_nat64_prefix),
	    cmocka_unit_test(test_event_format),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_opts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
