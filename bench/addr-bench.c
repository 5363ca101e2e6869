/* SPDX-License-Identifier: MIT */
/*
 * addr-bench: address parse + format throughput, dualstack against glibc.
 *
 *   addr-bench [--count N] [--seed S] [--runs R] [--tsv]
 *   addr-bench [--count N] [--seed S] --write FILE
 *
 * Generates N (default one million) addresses as text from a fixed seed --
 * half IPv4, half IPv6 in the forms people and programs write: canonical,
 * upper case, expanded with leading zeros, "::" in other places, embedded
 * dotted IPv4, IPv4-mapped -- and times, per address:
 *
 *   dualstack: ds_addr_parse() + ds_addr_format() (canonical text);
 *   glibc:     inet_pton(AF_INET), then inet_pton(AF_INET6) if that
 *              fails, + inet_ntop() -- what a program that does not know
 *              the family in advance does.
 *
 * Each is run R times (default 5), alternating, and the best run counts:
 * the least disturbed by other work on the machine. The outputs feed a
 * checksum that is printed, so the compiler cannot drop the work.
 *
 * --write FILE writes the same list, one address a line, and exits; the
 * Python comparison (addr-python.py) reads it. --tsv prints only
 * "tool<TAB>addresses per second" lines, for bench/addr.sh.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dualstack/addr.h"

#define DEFAULT_COUNT 1000000
#define DEFAULT_RUNS 5
#define DEFAULT_SEED UINT64_C(0x9e3779b97f4a7c15)

/* --- Random numbers ------------------------------------------------------ */

/* xorshift64* (Vigna 2016): fast and plenty for picking test data. */
static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(0x2545f4914f6cdd1d);
}

static uint32_t
rng_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)((rng_next(s) >> 32) % n);
}

/* --- The address list ---------------------------------------------------- */

/*
 * All texts in one arena, each NUL-terminated (glibc needs the NUL;
 * dualstack gets the length and does not look at it).
 */
struct list {
	char *arena;
	size_t used, cap;
	uint32_t *off;
	uint8_t *len;
	size_t n, v6;
};

static void *
xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p) {
		fprintf(stderr, "addr-bench: out of memory\n");
		exit(1);
	}
	return p;
}

static void
list_add(struct list *l, const char *s, size_t i)
{
	size_t n = strlen(s);

	if (l->used + n + 1 > l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1 << 20;
		l->arena = xrealloc(l->arena, l->cap);
	}
	memcpy(l->arena + l->used, s, n + 1);
	l->off[i] = (uint32_t)l->used;
	l->len[i] = (uint8_t)n;
	l->used += n + 1;
}

static uint16_t
gen_group(uint64_t *s)
{
	uint32_t v = (uint32_t)rng_next(s);

	switch (rng_below(s, 8)) {
	case 0:
	case 1:
	case 2:
		return 0;
	case 3:
		return (uint16_t)(v & 0xff);
	default:
		return (uint16_t)v;
	}
}

/* Random IPv6 bytes shaped like addresses seen on networks. */
static void
gen_v6(uint64_t *s, uint16_t w[8])
{
	memset(w, 0, 8 * sizeof(w[0]));
	switch (rng_below(s, 8)) {
	case 0: /* documentation prefix, random subnet and host */
	case 1:
		w[0] = 0x2001;
		w[1] = 0xdb8;
		for (int i = 2; i < 8; i++)
			w[i] = gen_group(s);
		break;
	case 2: /* link-local with a modified EUI-64 interface ID */
		w[0] = 0xfe80;
		w[4] = (uint16_t)rng_next(s) | 0x0200;
		w[5] = (uint16_t)(rng_next(s) | 0xff);
		w[6] = (uint16_t)(0xfe00 | (rng_next(s) & 0xff));
		w[7] = (uint16_t)rng_next(s);
		break;
	case 3: /* a small host number, as servers are numbered */
		w[0] = 0x2001;
		w[1] = 0xdb8;
		w[2] = (uint16_t)rng_below(s, 16);
		w[7] = (uint16_t)(1 + rng_below(s, 300));
		break;
	default: /* global unicast, random groups with zero runs */
		w[0] = (uint16_t)(0x2000 | (rng_next(s) & 0x1fff));
		for (int i = 1; i < 8; i++)
			w[i] = gen_group(s);
		break;
	}
}

/* How put_groups() writes a group. */
enum { HEX_PLAIN, HEX_PAD, HEX_PAD_UPPER };

/* Write v in hex: no leading zeros, or four digits (HEX_PAD*). */
static size_t
put_hex(char *p, uint16_t v, int style)
{
	const char *digits =
	    style == HEX_PAD_UPPER ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t n = 0;

	for (int shift = 12; shift >= 0; shift -= 4)
		if (style != HEX_PLAIN || (v >> shift) != 0 || shift == 0)
			p[n++] = digits[(v >> shift) & 0xf];
	return n;
}

/*
 * Write groups w[from..to) in 'style', with "::" for the zero run
 * [zs, ze) when ze > zs.
 */
static size_t
put_groups(
    char *p, const uint16_t *w, int from, int to, int zs, int ze, int style)
{
	size_t n = 0;

	for (int i = from; i < to; i++) {
		if (i == zs && ze > zs) {
			p[n++] = ':';
			p[n++] = ':';
			i = ze - 1;
			continue;
		}
		if (i > from && !(i == ze && ze > zs))
			p[n++] = ':';
		n += put_hex(p + n, w[i], style);
	}
	p[n] = '\0';
	return n;
}

/* The first run of at least 'min' zero groups in w[0..to), or none. */
static void
zero_run(const uint16_t *w, int to, int min, bool longest, int *zs, int *ze)
{
	int bs = 0, bl = 0;

	for (int i = 0; i < to;) {
		int j = i;

		while (j < to && w[j] == 0)
			j++;
		if (j - i >= min && j - i > bl) {
			bs = i;
			bl = j - i;
			if (!longest)
				break;
		}
		i = j > i ? j : i + 1;
	}
	*zs = bs;
	*ze = bs + bl;
}

static void
gen_v6_text(uint64_t *s, char *out)
{
	uint16_t w[8];
	uint8_t b[16];
	int zs, ze;
	size_t n;

	gen_v6(s, w);
	switch (rng_below(s, 10)) {
	case 0: /* canonical, as most programs print it; some upper case */
	case 1:
	case 2:
	case 3:
		for (int i = 0; i < 8; i++) {
			b[2 * i] = (uint8_t)(w[i] >> 8);
			b[2 * i + 1] = (uint8_t)w[i];
		}
		inet_ntop(AF_INET6, b, out, INET6_ADDRSTRLEN);
		if (rng_below(s, 4) == 0)
			for (char *p = out; *p; p++)
				*p = (char)toupper((unsigned char)*p);
		break;
	case 4: /* expanded with leading zeros, as some logs do */
		put_groups(out, w, 0, 8, 0, 0,
		    rng_below(s, 2) ? HEX_PAD : HEX_PAD_UPPER);
		break;
	case 5: /* all groups, no "::", no leading zeros */
		put_groups(out, w, 0, 8, 0, 0, HEX_PLAIN);
		break;
	case 6: /* "::" for the first zero run, even a single group */
		zero_run(w, 8, 1, false, &zs, &ze);
		put_groups(out, w, 0, 8, zs, ze, HEX_PLAIN);
		break;
	case 7: /* embedded dotted IPv4 in the low 32 bits */
		w[0] = 0x64;
		w[1] = 0xff9b;
		for (int i = 2; i < 6; i++)
			w[i] = rng_below(s, 2) ? 0 : w[i];
		zero_run(w, 6, 2, true, &zs, &ze);
		n = put_groups(out, w, 0, 6, zs, ze, HEX_PLAIN);
		sprintf(out + n, "%s%u.%u.%u.%u", ze == 6 ? "" : ":", w[6] >> 8,
		    w[6] & 0xff, w[7] >> 8, w[7] & 0xff);
		break;
	default: /* IPv4-mapped, as accept() on a dual-stack socket gives */
		sprintf(out, "::ffff:%u.%u.%u.%u", w[6] >> 8, w[6] & 0xff,
		    w[7] >> 8, w[7] & 0xff);
		break;
	}
}

static void
gen_v4_text(uint64_t *s, char *out)
{
	uint32_t v = (uint32_t)rng_next(s);

	switch (rng_below(s, 4)) {
	case 0: /* private 10/8 */
		v = 0x0a000000 | (v & 0xffffff);
		break;
	case 1: /* private 192.168/16 */
		v = 0xc0a80000 | (v & 0xffff);
		break;
	default:
		break;
	}
	sprintf(out, "%u.%u.%u.%u", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff,
	    v & 0xff);
}

static void
generate(struct list *l, size_t count, uint64_t seed)
{
	uint64_t s = seed ? seed : 1;
	char buf[64];

	memset(l, 0, sizeof(*l));
	l->off = xrealloc(NULL, count * sizeof(*l->off));
	l->len = xrealloc(NULL, count * sizeof(*l->len));
	for (size_t i = 0; i < count; i++) {
		if (rng_below(&s, 2)) {
			gen_v6_text(&s, buf);
			l->v6++;
		} else {
			gen_v4_text(&s, buf);
		}
		list_add(l, buf, i);
	}
	l->n = count;
}

/* --- The work ------------------------------------------------------------ */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Fold the first 8 bytes of the output into the checksum. */
static uint64_t
fold(uint64_t sum, const char *out)
{
	uint64_t v;

	memcpy(&v, out, sizeof(v));
	return sum * 31 + v;
}

static uint64_t
run_dualstack(const struct list *l, double *secs, size_t *bad)
{
	char out[DS_ADDR_STRLEN] = {0};
	struct ds_addr a;
	uint64_t sum = 0;
	double t0 = now();

	*bad = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (ds_addr_parse(
		        l->arena + l->off[i], l->len[i], 0, &a, NULL) < 0) {
			(*bad)++;
			continue;
		}
		ds_addr_format(&a, 0, out, sizeof(out));
		sum = fold(sum, out);
	}
	*secs = now() - t0;
	return sum;
}

static uint64_t
run_glibc(const struct list *l, double *secs, size_t *bad)
{
	char out[INET6_ADDRSTRLEN] = {0};
	uint8_t b[16];
	uint64_t sum = 0;
	double t0 = now();

	*bad = 0;
	for (size_t i = 0; i < l->n; i++) {
		const char *s = l->arena + l->off[i];
		int af = AF_INET;

		if (inet_pton(AF_INET, s, b) != 1) {
			af = AF_INET6;
			if (inet_pton(AF_INET6, s, b) != 1) {
				(*bad)++;
				continue;
			}
		}
		inet_ntop(af, b, out, sizeof(out));
		sum = fold(sum, out);
	}
	*secs = now() - t0;
	return sum;
}

/*
 * Before timing: both must read every address, and their outputs agree
 * but for glibc's dotted IPv4-compatible form (see tests/unit/
 * test-addr-glibc.c). Returns how many outputs differ.
 */
static size_t
compare_outputs(const struct list *l)
{
	size_t differ = 0;

	for (size_t i = 0; i < l->n; i++) {
		const char *s = l->arena + l->off[i];
		char o1[DS_ADDR_STRLEN], o2[INET6_ADDRSTRLEN];
		struct ds_addr a;
		uint8_t b[16];

		if (ds_addr_parse(s, l->len[i], 0, &a, NULL) < 0)
			continue;
		ds_addr_format(&a, 0, o1, sizeof(o1));
		if (inet_pton(a.family, s, b) != 1)
			continue;
		inet_ntop(a.family, b, o2, sizeof(o2));
		differ += strcmp(o1, o2) != 0;
	}
	return differ;
}

/* --- Main ---------------------------------------------------------------- */

static int
write_list(const struct list *l, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "addr-bench: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < l->n; i++) {
		fputs(l->arena + l->off[i], f);
		fputc('\n', f);
	}
	if (fclose(f) == EOF) {
		fprintf(stderr, "addr-bench: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

static void
usage(FILE *f)
{
	fputs("usage: addr-bench [--count N] [--seed S] [--runs R] [--tsv]\n"
	      "       addr-bench [--count N] [--seed S] --write FILE\n",
	    f);
}

static unsigned long long
number(const char *opt, const char *arg)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = arg ? strtoull(arg, &end, 0) : 0;
	if (!arg || errno || *end || end == arg || v == 0) {
		fprintf(
		    stderr, "addr-bench: %s needs a positive number\n", opt);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	size_t count = DEFAULT_COUNT, bad_ds = 0, bad_g = 0;
	unsigned runs = DEFAULT_RUNS;
	uint64_t seed = DEFAULT_SEED, sum_ds = 0, sum_g = 0;
	const char *write = NULL;
	double best_ds = 1e30, best_g = 1e30, r_ds, r_g;
	bool tsv = false;
	struct list l;

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i],
		           *arg = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--count") == 0) {
			count = (size_t)number(o, arg);
			i++;
		} else if (strcmp(o, "--seed") == 0) {
			seed = number(o, arg);
			i++;
		} else if (strcmp(o, "--runs") == 0) {
			runs = (unsigned)number(o, arg);
			i++;
		} else if (strcmp(o, "--write") == 0 && arg) {
			write = arg;
			i++;
		} else if (strcmp(o, "--tsv") == 0) {
			tsv = true;
		} else if (strcmp(o, "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (count > UINT32_MAX / 64) {
		fprintf(stderr, "addr-bench: --count too large\n");
		return 2;
	}

	generate(&l, count, seed);
	if (write)
		return write_list(&l, write);

	for (unsigned r = 0; r < runs; r++) {
		double t;

		sum_ds = run_dualstack(&l, &t, &bad_ds);
		best_ds = t < best_ds ? t : best_ds;
		sum_g = run_glibc(&l, &t, &bad_g);
		best_g = t < best_g ? t : best_g;
	}
	r_ds = (double)l.n / best_ds;
	r_g = (double)l.n / best_g;

	if (tsv) {
		printf("dualstack\t%.0f\nglibc\t%.0f\n", r_ds, r_g);
	} else {
		printf("addresses: %zu (%zu IPv6, %zu IPv4), seed %#" PRIx64
		       ", best of %u runs\n",
		    l.n, l.v6, l.n - l.v6, seed, runs);
		printf("dualstack  ds_addr_parse + ds_addr_format   %12.0f "
		       "addr/s %7.1f ns/addr\n",
		    r_ds, 1e9 / r_ds);
		printf("glibc      inet_pton x2 + inet_ntop         %12.0f "
		       "addr/s %7.1f ns/addr\n",
		    r_g, 1e9 / r_g);
		printf("ratio      dualstack / glibc                %12.2f\n",
		    r_ds / r_g);
		printf("check      outputs differ for %zu (glibc's dotted "
		       "IPv4-compatible form); checksums %016" PRIx64
		       " %016" PRIx64 "\n",
		    compare_outputs(&l), sum_ds, sum_g);
	}
	if (bad_ds || bad_g)
		fprintf(stderr,
		    "addr-bench: warning: rejected inputs: dualstack %zu, "
		    "glibc %zu (the generator should make only valid ones)\n",
		    bad_ds, bad_g);
	free(l.arena);
	free(l.off);
	free(l.len);
	return 0;
}
