/* SPDX-License-Identifier: MIT */
/*
 * ds_resolve_history: the last outcome and the smoothed answer time of
 * each DNS server (resolve.h).
 *
 * A handful of servers is the rule (glibc uses three), so the entries sit
 * in one array searched in order; DS_RESOLVE_HISTORY_MAX bounds it.
 *
 * The file is kept apart from the Happy Eyeballs history
 * (happy-eyeballs, lib/hecache.c) though it sits beside it: the two are
 * written by different commands (dualstack resolve keeps this one only),
 * expire on their own, and either can change format without the other.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dualstack/error.h"
#include "file-int.h"
#include "resolve-int.h"

#define HEADER "dualstack-ns-history 1"

/* Lines of at most about 80 bytes: a file much larger than
 * DS_RESOLVE_HISTORY_MAX of them was not written by us. */
#define LOAD_MAX (256u * 1024)

/* RFC 6298 section 2.3: SRTT <- 7/8 SRTT + 1/8 R'. */
#define SRTT_SHIFT 3

struct entry {
	struct ds_endpoint ep;
	struct ds_resolve_ns_record rec;
	uint64_t seq; /* write order, to tell equal times apart */
};

struct ds_resolve_history {
	uint32_t ttl_s;
	struct entry e[DS_RESOLVE_HISTORY_MAX];
	size_t n;
	uint64_t seq;
	unsigned rotation;
	ds__ns_clock_fn *clock;
	void *clock_userdata;
};

const char *
ds_resolve_ns_outcome_name(enum ds_resolve_ns_outcome o)
{
	switch (o) {
	case DS_RESOLVE_NS_OK:
		return "ok";
	case DS_RESOLVE_NS_FAILED:
		return "failed";
	case DS_RESOLVE_NS_NO_ANSWER:
		return "no-answer";
	}
	return "unknown";
}

static int64_t
now_s(const struct ds_resolve_history *h)
{
	return ds__file_now(h->clock, h->clock_userdata);
}

void
ds__resolve_history_set_clock(
    struct ds_resolve_history *h, ds__ns_clock_fn *fn, void *userdata)
{
	h->clock = fn;
	h->clock_userdata = userdata;
}

unsigned
ds__resolve_history_rotation(struct ds_resolve_history *h)
{
	return h->rotation++;
}

static bool
fresh(const struct ds_resolve_history *h, int64_t when, int64_t now)
{
	return ds__file_fresh(when, now, h->ttl_s);
}

static bool
ep_ok(const struct ds_endpoint *ep)
{
	return ep &&
	    (ep->addr.family == AF_INET || ep->addr.family == AF_INET6);
}

static struct entry *
find(const struct ds_resolve_history *h, const struct ds_endpoint *ep)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->e[i].ep.port == ep->port &&
		    ds_addr_equal(&h->e[i].ep.addr, &ep->addr))
			return (struct entry *)&h->e[i];
	return NULL;
}

/* The entry for ep, made when there is none: in an empty place, or in
 * that of one expired, or of the oldest. */
static struct entry *
slot(struct ds_resolve_history *h, const struct ds_endpoint *ep, int64_t now)
{
	struct entry *e = find(h, ep);
	size_t victim = 0;

	if (e)
		return e;
	if (h->n < DS_RESOLVE_HISTORY_MAX) {
		e = &h->e[h->n++];
	} else {
		for (size_t i = 0; i < h->n; i++) {
			const struct entry *a = &h->e[i], *b = &h->e[victim];

			if (!fresh(h, a->rec.when, now)) {
				victim = i;
				break;
			}
			if (a->rec.when < b->rec.when ||
			    (a->rec.when == b->rec.when && a->seq < b->seq))
				victim = i;
		}
		e = &h->e[victim];
	}
	memset(e, 0, sizeof(*e));
	e->ep = *ep;
	return e;
}

int
ds_resolve_history_new(uint32_t ttl_s, struct ds_resolve_history **ret)
{
	struct ds_resolve_history *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->ttl_s = ttl_s ? ttl_s : DS_RESOLVE_HISTORY_TTL_S;
	/* glibc starts its rotation at a random server too. */
	if (getrandom(&h->rotation, sizeof(h->rotation), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(h->rotation))
		h->rotation = (unsigned)time(NULL);
	*ret = h;
	return 0;
}

struct ds_resolve_history *
ds_resolve_history_free(struct ds_resolve_history *h)
{
	free(h);
	return NULL;
}

int
ds_resolve_history_lookup(const struct ds_resolve_history *h,
    const struct ds_endpoint *server, struct ds_resolve_ns_record *ret)
{
	const struct entry *e;

	if (!h || !ep_ok(server))
		return -ENOENT;
	e = find(h, server);
	if (!e || !fresh(h, e->rec.when, now_s(h)))
		return -ENOENT;
	if (ret)
		*ret = e->rec;
	return 0;
}

int
ds_resolve_history_note(struct ds_resolve_history *h,
    const struct ds_endpoint *server, enum ds_resolve_ns_outcome outcome,
    uint32_t rtt_us)
{
	int64_t now;
	struct entry *e;

	if (!h || !ep_ok(server) || (unsigned)outcome > DS_RESOLVE_NS_NO_ANSWER)
		return -EINVAL;
	now = now_s(h);
	e = slot(h, server, now);
	/* An expired answer time says little about today's. */
	if (e->rec.srtt_us && !fresh(h, e->rec.when, now))
		e->rec.srtt_us = 0;
	if (rtt_us) {
		if (e->rec.srtt_us == 0)
			e->rec.srtt_us = rtt_us;
		else
			e->rec.srtt_us = (uint32_t)(e->rec.srtt_us -
			    (e->rec.srtt_us >> SRTT_SHIFT) +
			    (rtt_us >> SRTT_SHIFT));
	}
	e->rec.when = now;
	e->rec.outcome = outcome;
	e->seq = ++h->seq;
	return 0;
}

/* --- The file ------------------------------------------------------------- */

/* "ns WHEN ADDRESS PORT OUTCOME SRTT_US"; malformed lines are skipped. */
static void
load_line(void *obj, char *line, int64_t now)
{
	struct ds_resolve_history *h = obj;
	static const char *const outcomes[] = {"ok", "failed", "no-answer"};
	long long when, port, srtt;
	struct ds_endpoint ep;
	struct entry *e;
	char *w[6], *p = line;
	size_t n = 0;
	int o = -1;

	for (;;) {
		char *sp = strchr(p, ' ');

		if (n == 6 || *p == '\0' || p == sp)
			return;
		w[n++] = p;
		if (!sp)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	if (n != 6 || strcmp(w[0], "ns") != 0)
		return;
	for (int i = 0; i < 3; i++)
		if (strcmp(w[4], outcomes[i]) == 0)
			o = i;
	if (o < 0 || !ds__file_parse_int(w[1], 0, (long long)1 << 40, &when) ||
	    !ds__file_parse_int(w[3], 1, UINT16_MAX, &port) ||
	    !ds__file_parse_int(w[5], 0, UINT32_MAX, &srtt) ||
	    ds_addr_parse(
	        w[2], strlen(w[2]), DS_PARSE_NO_ZONE, &ep.addr, NULL) < 0 ||
	    !fresh(h, (int64_t)when, now))
		return;
	ep.port = (uint16_t)port;
	e = find(h, &ep);
	if (e && e->rec.when > (int64_t)when)
		return;
	e = slot(h, &ep, now);
	e->rec.when = (int64_t)when;
	e->rec.outcome = (enum ds_resolve_ns_outcome)o;
	e->rec.srtt_us = (uint32_t)srtt;
	e->seq = ++h->seq;
}

int
ds_resolve_history_load(struct ds_resolve_history *h, const char *path)
{
	if (!h || !path)
		return -EINVAL;
	return ds__file_read_lines(
	    path, LOAD_MAX, HEADER, load_line, h, now_s(h));
}

int
ds__resolve_history_load_text(
    struct ds_resolve_history *h, char *text, size_t len)
{
	if (!h || (!text && len > 0))
		return -EINVAL;
	return ds__file_parse_lines(text, len, HEADER, load_line, h, now_s(h));
}

static void
write_entries(FILE *f, const void *userdata)
{
	ds__resolve_history_write(f, userdata);
}

void
ds__resolve_history_write(FILE *f, const struct ds_resolve_history *h)
{
	int64_t now = now_s(h);

	fprintf(f, "%s\n", HEADER);
	for (size_t i = 0; i < h->n; i++) {
		const struct entry *e = &h->e[i];
		char a[DS_ADDR_STRLEN];

		if (!fresh(h, e->rec.when, now) ||
		    ds_addr_format(&e->ep.addr, 0, a, sizeof(a)) < 0)
			continue;
		fprintf(f, "ns %lld %s %u %s %u\n", (long long)e->rec.when, a,
		    (unsigned)e->ep.port,
		    ds_resolve_ns_outcome_name(e->rec.outcome),
		    (unsigned)e->rec.srtt_us);
	}
}

int
ds_resolve_history_save(const struct ds_resolve_history *h, const char *path)
{
	if (!h || !path)
		return -EINVAL;
	return ds__file_replace(path, write_entries, h);
}
