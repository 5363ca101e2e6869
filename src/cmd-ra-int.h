/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CMD_RA_INT_H
#define DUALSTACK_CMD_RA_INT_H

/*
 * dualstack ra, shared by its files: cmd-ra.c (options, reading, events)
 * calls cmd-ra-send.c (how an event is written, the counter-RA, the
 * solicit listing) and cmd-ra-baseline.c (the baseline file, read and
 * written); neither calls back into cmd-ra.c.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dualstack/finding.h"
#include "dualstack/packet.h"
#include "dualstack/ra.h"

#include "cli.h"

/*
 * Routers tracked at once. A flood from random sources (fake_router6)
 * makes as many routers as it sends RAs; past this cap they are counted
 * and reported as a flood, not one by one.
 */
#define RA_MAX_ROUTERS 256

/* Baseline entries, and prefixes given with --prefix or in the file. */
#define RA_MAX_BASE 64
#define RA_MAX_PREFIX 64

/* Distinct sources remembered per second for the flood check. */
#define RA_FLOOD_SRC 256

/* A legitimate router: by address, by MAC, or both; with its content
 * when the baseline file has it. */
struct base_router {
	bool has_addr, has_mac;
	struct ds_addr addr;
	struct ds_mac mac;
	struct ds_ra *content; /* NULL: identity only */
	uint32_t compare;      /* DS_RA_CHG_* the file's lines cover */
};

struct router {
	struct ds_addr lla;
	bool has_mac;
	struct ds_mac mac;
	int base;            /* index in the baseline, or -1 */
	struct ds_ra *last;  /* the last accepted RA */
	uint64_t cleared_us; /* when a counter-RA was last sent */
};

struct ra_watch {
	/* Options. */
	const char *iface; /* live interface, or NULL */
	bool json, use_syslog, all, learn, solicit, clear;
	/* Flush each event line: live, or a capture from a pipe, whose
	 * reader waits for them. A file is read faster than a person
	 * reads: its lines go out in full buffers. */
	bool flush_each;
	unsigned ifindex;      /* of iface, for --clear and solicit */
	struct ds_mac own_mac; /* iface's MAC, the counter-RA's source */
	uint64_t flood_rate;
	/* Baseline. */
	struct base_router base[RA_MAX_BASE];
	unsigned n_base;
	struct ds_prefix prefix[RA_MAX_PREFIX];
	unsigned n_prefix;
	/* Routers seen. */
	struct router router[RA_MAX_ROUTERS];
	unsigned n_router;
	uint64_t untracked; /* RAs of routers past the cap */
	/* Flood: the current one-second window. */
	int64_t win_sec;
	uint64_t win_ras;
	unsigned win_nsrc;
	struct ds_addr win_src[RA_FLOOD_SRC];
	bool win_flagged;
	/* Results. */
	uint64_t n_ra, n_events;
	bool bad;
	/* The packet being handled. */
	int64_t sec;
	uint32_t nsec;
	struct ds_pkt pkt, pkt2;
	struct ds_ra ra;
	struct ds_ra_reasm rs;
};

/* Say one event (text, NDJSON or syslog); ra is the RA it is about. */
void ra_emit(
    struct ra_watch *w, const struct ds_finding *f, const struct ds_ra *ra);

/* A finding about ra's router (NULL: none), with its address, MAC and
 * the interface. */
void ra_event_init(struct ra_watch *w, struct ds_finding *f,
    enum ds_finding_code c, enum ds_severity s, const struct ds_ra *ra);

/*
 * --clear (cmd-ra-send.c): rt, outside the baseline, just sent ra; send
 * the counter-RA that makes hosts drop it, at most once per
 * RA_CLEAR_INTERVAL_US per router, and report it (ra.cleared).
 */
#define RA_CLEAR_INTERVAL_US (10ull * 1000000)
void ra_clear_maybe(
    struct ra_watch *w, struct router *rt, const struct ds_ra *ra);

/* solicit (cmd-ra-send.c): every router that answered, with its verdict
 * and content, as text or one JSON document. */
void ra_print_routers(const struct ra_watch *w);

/* The RA's whole content as one JSON object. */
void ra_json_content(struct json *j, const struct ds_ra *ra);

bool ra_mac_eq(const struct ds_mac *a, const struct ds_mac *b);
bool ra_v6_eq(const struct ds_addr *a, const struct ds_addr *b);

/* The MAC an RA came from: its SLLA option, else the frame's source. */
bool ra_mac(const struct ds_ra *ra, struct ds_mac *ret);

/* Add a legitimate prefix (--prefix, or a baseline line; where says
 * which, for the message). EXIT_OK or EXIT_USAGE. */
int ra_add_prefix(struct ra_watch *w, const char *s, const char *where);

/*
 * Read a baseline file (cmd-ra-baseline.c) into w->base and w->prefix.
 * Returns EXIT_OK, or says what is wrong and where ("FILE:LINE: ...")
 * and returns EXIT_USAGE (EXIT_INTERNAL without memory).
 */
int ra_baseline_load(struct ra_watch *w, const char *path);

/* Write the routers in w (their last accepted RA) as a baseline. */
void ra_write_baseline(const struct ra_watch *w, FILE *f, const char *source);

#endif
