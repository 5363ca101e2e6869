/* SPDX-License-Identifier: MIT */
/*
 * dualstack dissect: the time of a packet as --time and the formats ask
 * (cmd-dissect-int.h), shared by the one-line output and the tree and
 * NDJSON. The one other dissect file it calls is the dump's, for the
 * link header -e puts after the time.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd-dissect-int.h"

void
dissect_time_cache(struct dissect *d, int64_t sec)
{
	struct tm tm;
	time_t t = (time_t)sec;

	if (d->have_tc && d->tc_sec == sec)
		return;
	d->have_tc = true;
	d->tc_sec = sec;
	if (!gmtime_r(&t, &tm)) {
		strcpy(d->tc_clock, "xx:xx:xx");
		strcpy(d->tc_date, "xxxx-xx-xx");
		return;
	}
	snprintf(d->tc_clock, sizeof(d->tc_clock), "%02d:%02d:%02d", tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	snprintf(d->tc_date, sizeof(d->tc_date), "%04lld-%02d-%02d",
	    (long long)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* Two and four decimal digits of v, zero-padded, at p: copies from the
 * digit pairs, with divisions by constants the compiler multiplies. */
static inline void
put_digits2(char *p, uint32_t v)
{
	memcpy(p, cli_digit_pairs + 2 * v, 2);
}

static inline void
put_digits4(char *p, uint32_t v)
{
	put_digits2(p, v / 100);
	put_digits2(p + 2, v % 100);
}

/*
 * ".123456" or ".123456789": the digits the source really has. Every line
 * starts with it, so the fixed count of digits is written directly
 * (cli_out_u64_pad() works out the length first, in 64 bits).
 */
void
dissect_out_frac(struct dissect *d, uint32_t nsec)
{
	uint32_t usec = nsec / 1000;
	char *p = cli_out_reserve(&d->o, 10);

	/* A damaged record's fraction can be a second or more: all of it. */
	if (nsec >= 1000000000u) {
		out_c(&d->o, '.');
		cli_out_u64_pad(&d->o, d->digits == 9 ? nsec : usec,
		    d->digits == 9 ? 9 : 6);
		return;
	}
	p[0] = '.';
	if (d->digits == 9) {
		p[1] = (char)('0' + nsec / 100000000);
		put_digits4(p + 2, nsec / 10000 % 10000);
		put_digits4(p + 6, nsec % 10000);
		d->o.len += 10;
	} else {
		put_digits2(p + 1, usec / 10000);
		put_digits4(p + 3, usec % 10000);
		d->o.len += 7;
	}
}

/* The time of a line, as --time says. */
static void
out_time(struct dissect *d, const struct ds_capture_packet *cp)
{
	int64_t sec = cp->sec;
	uint32_t nsec = cp->nsec;

	switch (d->tfmt) {
	case TIME_EPOCH:
		cli_out_i64(&d->o, sec);
		dissect_out_frac(d, nsec);
		return;
	case TIME_DELTA:
	case TIME_RELATIVE:
		/* tcpdump -ttt: since the packet before, the first 0 after
		 * itself; -ttttt: since the first packet. */
		if (!d->have_first) {
			d->have_first = true;
			d->first_sec = cp->sec;
			d->first_nsec = cp->nsec;
		}
		sec -= d->first_sec;
		if (nsec < d->first_nsec) {
			nsec += 1000000000u;
			sec--;
		}
		nsec -= d->first_nsec;
		if (d->tfmt == TIME_DELTA) {
			d->first_sec = cp->sec;
			d->first_nsec = cp->nsec;
		}
		cli_out_i64(&d->o, sec);
		dissect_out_frac(d, nsec);
		return;
	case TIME_DATE:
		dissect_time_cache(d, sec);
		cli_out_str(&d->o, d->tc_date);
		out_c(&d->o, ' ');
		cli_out_str(&d->o, d->tc_clock);
		dissect_out_frac(d, nsec);
		return;
	case TIME_CLOCK:
		/* "%02d:%02d:%02d" of a struct tm, or "xx:xx:xx": always 8. */
		dissect_time_cache(d, sec);
		cli_out_put(&d->o, d->tc_clock, 8);
		dissect_out_frac(d, nsec);
		return;
	}
}

/* What a line starts with: the time and, with -e, the link header. */
void
dissect_out_time(struct dissect *d, const struct ds_capture_packet *cp)
{
	out_time(d, cp);
	if (d->link_hdr)
		dissect_link_header(d, cp);
}

size_t
dissect_rfc3339(struct dissect *d, const struct ds_capture_packet *cp,
    char buf[DISSECT_TIME_MAX])
{
	size_t dl, cl, n;

	dissect_time_cache(d, cp->sec);
	dl = strlen(d->tc_date);
	cl = strlen(d->tc_clock);
	memcpy(buf, d->tc_date, dl);
	buf[dl] = 'T';
	memcpy(buf + dl + 1, d->tc_clock, cl);
	n = dl + 1 + cl;
	buf[n++] = '.';
	/* The digits the source has, as dissect_out_frac() writes them. */
	if (d->digits == 9)
		n += cli_fmt_u64(buf + n, cp->nsec, 9);
	else
		n += cli_fmt_u64(buf + n, cp->nsec / 1000, 6);
	buf[n++] = 'Z';
	return n;
}
