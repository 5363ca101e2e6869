/* SPDX-License-Identifier: MIT */
/*
 * dualstack dissect: the time of a packet as --time and the formats ask
 * (cmd-dissect-int.h), shared by the one-line output and the tree and
 * NDJSON; it calls none of the other dissect files.
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

/* ".123456" or ".123456789": the digits the source really has. */
void
dissect_out_frac(struct dissect *d, uint32_t nsec)
{
	out_c(&d->o, '.');
	if (d->digits == 9)
		cli_out_u64_pad(&d->o, nsec, 9);
	else
		cli_out_u64_pad(&d->o, nsec / 1000, 6);
}

/* The time of a line, as --time says. */
void
dissect_out_time(struct dissect *d, const struct ds_capture_packet *cp)
{
	int64_t sec = cp->sec;
	uint32_t nsec = cp->nsec;

	switch (d->tfmt) {
	case TIME_EPOCH:
		cli_out_i64(&d->o, sec);
		dissect_out_frac(d, nsec);
		return;
	case TIME_DELTA:
		/* tcpdump -ttt: the first packet is 0 after itself. */
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
		d->first_sec = cp->sec;
		d->first_nsec = cp->nsec;
		cli_out_i64(&d->o, sec);
		dissect_out_frac(d, nsec);
		return;
	case TIME_RELATIVE:
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
		dissect_time_cache(d, sec);
		cli_out_str(&d->o, d->tc_clock);
		dissect_out_frac(d, nsec);
		return;
	}
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
