/* SPDX-License-Identifier: MIT */
/*
 * ds_he_cache: what happened the last times addresses were tried, and who
 * won for a host, so that the next connect can start with the winner, put
 * the silent addresses last and shape its attempt delay (RFC 8305
 * section 5 allows "historical" information to do so).
 *
 * Entries sit in a dense array; an open-addressing table (linear probing,
 * at most half full) finds them by key. Address entries are keyed by
 * address, zone and port; winner entries by host name and port. Beyond
 * DS_HE_CACHE_MAX entries the oldest goes.
 *
 * The file is text, one entry a line after a version line:
 *
 *   dualstack-he-cache 1
 *   addr WHEN PORT ADDRESS OUTCOME ERR CONNECT_US
 *   winner WHEN PORT HOST ADDRESS
 *
 * WHEN is Unix time in seconds, ADDRESS as ds_addr_format() writes it
 * (with "%zone"), OUTCOME a ds_he_outcome_name(), ERR 0 or a negative
 * code. Lines that do not parse are skipped, so a damaged file costs its
 * damaged lines and nothing else.
 *
 * The file sits where other programs, and in a shared directory other
 * users, may have put something else: a FIFO (whose open would block for
 * ever), a device, a symbolic link to a file that is not ours, a file
 * someone else can write. What is read is opened so that none of those
 * blocks or is followed, and then trusted only as a regular file of ours
 * that only we can write; its directory is checked the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file-int.h"
#include "hecache-int.h"
#include "dualstack/error.h"

#define HEADER "dualstack-he-cache 1"

/* Slots of the index: a power of two, twice the entries, so probes stay
 * short. Slot values are entry index + 1; 0 is empty. */
#define NSLOTS (2u * DS_HE_CACHE_MAX)

/* DNS names are at most 253 octets in text (RFC 1035 section 2.3.4 and
 * its 255-octet wire limit); a numeric host with a zone is shorter. */
#define HOST_MAX 253u

/* A file larger than this is not one we wrote: DS_HE_CACHE_MAX lines of
 * at most about 300 bytes fit easily. The rest is ignored. */
#define LOAD_MAX (4u * 1024 * 1024)

struct entry {
	char *host; /* winner entries: the name (owned); NULL otherwise */
	uint16_t port;
	struct ds_addr addr;    /* the key, or the winner */
	struct ds_he_history h; /* h.when for both kinds */
	uint64_t hash;
	uint64_t seq; /* write order, to tell equal times apart */
};

struct ds_he_cache {
	uint32_t ttl_s;
	struct entry *e;
	size_t n;
	size_t cap;
	uint32_t *slots;
	uint64_t seq;
	ds__he_clock_fn *clock;
	void *clock_userdata;
};

/* The key of a lookup: host NULL for an address entry. */
struct key {
	const char *host;
	const struct ds_addr *addr;
	uint16_t port;
};

/* The outcome's token, in the file and in the CLI's JSON: the cache owns
 * the type, so the cache names it. */
const char *
ds_he_outcome_name(enum ds_he_outcome o)
{
	switch (o) {
	case DS_HE_UNKNOWN:
		return "unknown";
	case DS_HE_OK:
		return "ok";
	case DS_HE_FAILED:
		return "failed";
	case DS_HE_NO_ANSWER:
		return "no-answer";
	}
	return "unknown";
}

static int64_t
now_s(const struct ds_he_cache *c)
{
	return ds__file_now(c->clock, c->clock_userdata);
}

void
ds__he_cache_set_clock(
    struct ds_he_cache *c, ds__he_clock_fn *fn, void *userdata)
{
	c->clock = fn;
	c->clock_userdata = userdata;
}

static bool
fresh(const struct ds_he_cache *c, int64_t when, int64_t now)
{
	return ds__file_fresh(when, now, c->ttl_s);
}

/* --- Index ---------------------------------------------------------------- */

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static uint64_t
key_hash(const struct key *k)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	uint8_t kind = k->host ? 1 : 0;

	h = fnv(h, &kind, 1);
	h = fnv(h, &k->port, sizeof(k->port));
	if (k->host)
		return fnv(h, k->host, strlen(k->host));
	h = fnv(h, &k->addr->family, sizeof(k->addr->family));
	h = fnv(h, k->addr->u.bytes, ds_addr_bits(k->addr) / 8);
	return fnv(h, k->addr->zone, strnlen(k->addr->zone, DS_ZONE_MAX));
}

static bool
key_match(const struct entry *e, const struct key *k)
{
	if (e->port != k->port || (e->host != NULL) != (k->host != NULL))
		return false;
	if (k->host)
		return strcmp(e->host, k->host) == 0;
	return ds_addr_equal(&e->addr, k->addr);
}

/* The slot holding k, or the empty slot where it would go. */
static size_t
slot_find(const struct ds_he_cache *c, const struct key *k, uint64_t hash,
    bool *ret_found)
{
	size_t s = hash & (NSLOTS - 1);

	for (;;) {
		uint32_t v = c->slots[s];

		if (v == 0) {
			*ret_found = false;
			return s;
		}
		if (c->e[v - 1].hash == hash && key_match(&c->e[v - 1], k)) {
			*ret_found = true;
			return s;
		}
		s = (s + 1) & (NSLOTS - 1);
	}
}

/* The slot that points at entry i. */
static size_t
slot_of(const struct ds_he_cache *c, size_t i)
{
	size_t s = c->e[i].hash & (NSLOTS - 1);

	while (c->slots[s] != i + 1)
		s = (s + 1) & (NSLOTS - 1);
	return s;
}

/* Empty slot s, shifting later members of its run back (no tombstones:
 * Knuth, TAOCP vol. 3, algorithm 6.4R). */
static void
slot_clear(struct ds_he_cache *c, size_t s)
{
	size_t j = s, mask = NSLOTS - 1;

	c->slots[s] = 0;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (c->slots[j] == 0)
			return;
		home = c->e[c->slots[j] - 1].hash & mask;
		/* The entry at j may fill s unless its home lies
		 * cyclically in (s, j]. */
		if (s <= j ? (home > s && home <= j) : (home > s || home <= j))
			continue;
		c->slots[s] = c->slots[j];
		c->slots[j] = 0;
		s = j;
	}
}

static void
entry_remove(struct ds_he_cache *c, size_t i)
{
	size_t last = c->n - 1;

	slot_clear(c, slot_of(c, i));
	free(c->e[i].host);
	if (i != last) {
		c->slots[slot_of(c, last)] = (uint32_t)(i + 1);
		c->e[i] = c->e[last];
	}
	c->n--;
}

/* Make room for one more: drop what expired, else the oldest. */
static void
evict(struct ds_he_cache *c, int64_t now)
{
	size_t oldest = 0;

	for (size_t i = c->n; i-- > 0;)
		if (!fresh(c, c->e[i].h.when, now))
			entry_remove(c, i);
	if (c->n < DS_HE_CACHE_MAX)
		return;
	for (size_t i = 1; i < c->n; i++) {
		const struct entry *a = &c->e[i], *b = &c->e[oldest];

		if (a->h.when < b->h.when ||
		    (a->h.when == b->h.when && a->seq < b->seq))
			oldest = i;
	}
	entry_remove(c, oldest);
}

/*
 * Write an entry for k: h (with its time) and, for winner entries, the
 * winner's address. An existing entry newer than h stays when keep_newer.
 */
static int
put(struct ds_he_cache *c, const struct key *k, const struct ds_addr *winner,
    const struct ds_he_history *h, bool keep_newer)
{
	uint64_t hash = key_hash(k);
	struct entry *e;
	bool found;
	size_t s;

	s = slot_find(c, k, hash, &found);
	if (found) {
		e = &c->e[c->slots[s] - 1];
		if (keep_newer && e->h.when > h->when)
			return 0;
	} else {
		char *host = NULL;

		if (c->n >= DS_HE_CACHE_MAX) {
			evict(c, now_s(c));
			s = slot_find(c, k, hash, &found);
		}
		if (c->n == c->cap) {
			size_t cap = c->cap ? 2 * c->cap : 64;
			struct entry *ne;

			if (cap > DS_HE_CACHE_MAX)
				cap = DS_HE_CACHE_MAX;
			ne = realloc(c->e, cap * sizeof(*ne));
			if (!ne)
				return -ENOMEM;
			c->e = ne;
			c->cap = cap;
		}
		if (k->host && !(host = strdup(k->host)))
			return -ENOMEM;
		e = &c->e[c->n];
		memset(e, 0, sizeof(*e));
		e->host = host;
		e->port = k->port;
		e->hash = hash;
		if (!k->host)
			e->addr = *k->addr;
		c->slots[s] = (uint32_t)(++c->n);
	}
	if (winner)
		e->addr = *winner;
	e->h = *h;
	e->seq = ++c->seq;
	return 0;
}

static const struct entry *
get(const struct ds_he_cache *c, const struct key *k)
{
	uint64_t hash = key_hash(k);
	const struct entry *e;
	bool found;
	size_t s;

	s = slot_find(c, k, hash, &found);
	if (!found)
		return NULL;
	e = &c->e[c->slots[s] - 1];
	return fresh(c, e->h.when, now_s(c)) ? e : NULL;
}

/* A host usable as a key, and as a word of the file. */
static bool
host_ok(const char *host)
{
	size_t n = 0;

	if (!host)
		return false;
	for (; host[n] != '\0'; n++) {
		unsigned char ch = (unsigned char)host[n];

		if (ch <= ' ' || ch == 0x7f || n >= HOST_MAX)
			return false;
	}
	return n > 0;
}

static bool
addr_ok(const struct ds_addr *a)
{
	return a && (a->family == AF_INET || a->family == AF_INET6);
}

/* --- API ------------------------------------------------------------------ */

int
ds_he_cache_new(uint32_t ttl_s, struct ds_he_cache **ret)
{
	struct ds_he_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->slots = calloc(NSLOTS, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return -ENOMEM;
	}
	c->ttl_s = ttl_s ? ttl_s : DS_HE_CACHE_TTL_S;
	*ret = c;
	return 0;
}

struct ds_he_cache *
ds_he_cache_free(struct ds_he_cache *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->n; i++)
		free(c->e[i].host);
	free(c->e);
	free(c->slots);
	free(c);
	return NULL;
}

int
ds_he_cache_lookup(const struct ds_he_cache *c, const struct ds_endpoint *ep,
    struct ds_he_history *ret)
{
	struct key k = {.addr = ep ? &ep->addr : NULL};
	const struct entry *e;

	if (!c || !ep || !addr_ok(&ep->addr))
		return -ENOENT;
	k.port = ep->port;
	e = get(c, &k);
	if (!e)
		return -ENOENT;
	if (ret)
		*ret = e->h;
	return 0;
}

int
ds_he_cache_winner(const struct ds_he_cache *c, const char *host, uint16_t port,
    struct ds_endpoint *ret)
{
	struct key k = {.host = host, .port = port};
	const struct entry *e;

	if (!c || !host_ok(host))
		return -ENOENT;
	e = get(c, &k);
	if (!e)
		return -ENOENT;
	if (ret) {
		ret->addr = e->addr;
		ret->port = e->port;
	}
	return 0;
}

int
ds_he_cache_note(struct ds_he_cache *c, const struct ds_endpoint *ep,
    enum ds_he_outcome outcome, int err, uint64_t connect_us)
{
	struct ds_he_history h = {.outcome = outcome};
	struct key k;

	if (!c || !ep || !addr_ok(&ep->addr) ||
	    (unsigned)outcome > DS_HE_NO_ANSWER)
		return -EINVAL;
	k = (struct key){.addr = &ep->addr, .port = ep->port};
	if (outcome == DS_HE_FAILED)
		h.err = err;
	if (outcome == DS_HE_OK)
		h.connect_us = connect_us;
	h.when = now_s(c);
	return put(c, &k, NULL, &h, false);
}

int
ds_he_cache_note_winner(struct ds_he_cache *c, const char *host, uint16_t port,
    const struct ds_endpoint *ep)
{
	struct ds_he_history h = {.outcome = DS_HE_OK};
	struct key k = {.host = host, .port = port};

	if (!c || !host_ok(host) || !ep || !addr_ok(&ep->addr))
		return -EINVAL;
	h.when = now_s(c);
	return put(c, &k, &ep->addr, &h, false);
}

size_t
ds_he_cache_size(const struct ds_he_cache *c)
{
	int64_t now;
	size_t n = 0;

	if (!c)
		return 0;
	now = now_s(c);
	for (size_t i = 0; i < c->n; i++)
		if (fresh(c, c->e[i].h.when, now))
			n++;
	return n;
}

/* --- The file ------------------------------------------------------------- */

/* Split a line into at most max words at single spaces; the count, or
 * SIZE_MAX when there are more words or an empty one. */
static size_t
words(char *line, char **w, size_t max)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		char *sp = strchr(p, ' ');

		if (n == max || *p == '\0' || p == sp)
			return SIZE_MAX;
		w[n++] = p;
		if (!sp)
			return n;
		*sp = '\0';
		p = sp + 1;
	}
}

static bool
parse_addr(const char *s, struct ds_addr *ret)
{
	return ds_addr_parse(s, strlen(s), 0, ret, NULL) == 0;
}

/* One line (NUL-terminated, no newline); malformed ones are skipped. */
static void
load_line(void *obj, char *line, int64_t now)
{
	struct ds_he_cache *c = obj;
	struct ds_he_history h = {0};
	long long when, port, err, us;
	struct ds_addr a;
	char *w[7] = {NULL};
	size_t n = words(line, w, 7);

	if (n == SIZE_MAX || n < 5)
		return;
	if (!ds__file_parse_int(w[1], 0, (long long)1 << 40, &when) ||
	    !ds__file_parse_int(w[2], 1, UINT16_MAX, &port) ||
	    !fresh(c, (int64_t)when, now))
		return;
	h.when = (int64_t)when;
	if (strcmp(w[0], "addr") == 0 && n == 7) {
		struct key k = {.addr = &a, .port = (uint16_t)port};
		enum ds_he_outcome o;

		if (!parse_addr(w[3], &a))
			return;
		if (strcmp(w[4], "ok") == 0)
			o = DS_HE_OK;
		else if (strcmp(w[4], "failed") == 0)
			o = DS_HE_FAILED;
		else if (strcmp(w[4], "no-answer") == 0)
			o = DS_HE_NO_ANSWER;
		else
			return;
		/* err: 0 or a negative errno or DS_E_* code. */
		if (!ds__file_parse_int(w[5], -(long long)DS_E_MAX, 0, &err) ||
		    !ds__file_parse_int(w[6], 0, (long long)1 << 40, &us))
			return;
		h.outcome = o;
		h.err = o == DS_HE_FAILED ? (int)err : 0;
		h.connect_us = o == DS_HE_OK ? (uint64_t)us : 0;
		(void)put(c, &k, NULL, &h, true);
	} else if (strcmp(w[0], "winner") == 0 && n == 5) {
		struct key k = {.host = w[3], .port = (uint16_t)port};

		if (!host_ok(w[3]) || !parse_addr(w[4], &a))
			return;
		h.outcome = DS_HE_OK;
		(void)put(c, &k, &a, &h, true);
	}
}

int
ds_he_cache_check_dir(const char *dir)
{
	return ds__file_check_dir(dir);
}

int
ds_he_cache_load(struct ds_he_cache *c, const char *path)
{
	if (!c || !path)
		return -EINVAL;
	return ds__file_read_lines(
	    path, LOAD_MAX, HEADER, load_line, c, now_s(c));
}

int
ds__he_cache_load_text(struct ds_he_cache *c, char *text, size_t len)
{
	if (!c || (!text && len > 0))
		return -EINVAL;
	return ds__file_parse_lines(text, len, HEADER, load_line, c, now_s(c));
}

/* Write one entry's line to f. */
static void
save_entry(FILE *f, const struct entry *e)
{
	char a[DS_ADDR_STRLEN];

	if (ds_addr_format(&e->addr, 0, a, sizeof(a)) < 0)
		return;
	if (e->host)
		fprintf(f, "winner %lld %u %s %s\n", (long long)e->h.when,
		    (unsigned)e->port, e->host, a);
	else
		fprintf(f, "addr %lld %u %s %s %d %llu\n", (long long)e->h.when,
		    (unsigned)e->port, a, ds_he_outcome_name(e->h.outcome),
		    e->h.err, (unsigned long long)e->h.connect_us);
}

/* The file: the header, then every entry still fresh. */
static void
write_entries(FILE *f, const void *userdata)
{
	ds__he_cache_write(f, userdata);
}

void
ds__he_cache_write(FILE *f, const struct ds_he_cache *c)
{
	int64_t now = now_s(c);

	fprintf(f, "%s\n", HEADER);
	for (size_t i = 0; i < c->n; i++)
		if (fresh(c, c->e[i].h.when, now))
			save_entry(f, &c->e[i]);
}

int
ds_he_cache_save(const struct ds_he_cache *c, const char *path)
{
	if (!c || !path || path[0] == '\0')
		return -EINVAL;
	return ds__file_replace(path, write_entries, c);
}
