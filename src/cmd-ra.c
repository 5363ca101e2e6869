/* SPDX-License-Identifier: MIT */
/*
 * dualstack ra: who advertises itself as a router on a link, and would a
 * host accept it.
 *
 *   ra watch (-r FILE | -i IFACE)   events, one line each (text, NDJSON,
 *                                   syslog), against a baseline
 *   ra learn (-r FILE | -i IFACE)   write the baseline of what is there
 *   ra solicit -i IFACE             ask the routers, list who answers
 *
 * Reading is the capture module's, decoding the packet module's, the RA
 * and its verdict the ra module's (lib/ra.c); this file keeps the table
 * of routers seen and compares it with the baseline. How an event is
 * written and the counter-RA are in cmd-ra-send.c, the baseline file in
 * cmd-ra-baseline.c, the words in cmd-ra-words.c; none calls back here.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include "dualstack/capture.h"
#include "dualstack/error.h"
#include "dualstack/finding.h"
#include "dualstack/packet.h"
#include "dualstack/ra.h"

#include "cli-finding.h"
#include "cli.h"
#include "cmd-ra-words.h"
#include "cmd-ra-int.h"

static int cmd_ra(int argc, char **argv);

const struct cli_command cli_cmd_ra = {
    "ra",
    "watch Router Advertisements: who advertises, would hosts accept it",
    cmd_ra,
    "watch (-r FILE | -i INTERFACE) [--router ADDR|MAC]... "
    "[--prefix PREFIX]... [--baseline FILE] [--all] [--json | --syslog] "
    "[--once | --count N] [--flood-rate N] [--clear]\n"
    "learn (-r FILE | -i INTERFACE) [--for DURATION] [-o FILE]\n"
    "solicit -i INTERFACE [--wait DURATION] [--json]",
};

static const char help_text[] =
    "\n"
    "Watch the Router Advertisements on a link and say, for each, whether a\n"
    "host would accept it and why not (RFC 4861 6.1.2, RFC 6980, RFC 7112).\n"
    "RAs behind extension headers and in fragments are seen too: the\n"
    "capture walks the whole IPv6 header chain and reassembles ND fragments.\n"
    "\n"
    "  watch              report events: a new or unknown router, a change,\n"
    "                     a router leaving, a spoofed leaving, odd prefixes,\n"
    "                     RAs behind extension headers, RAs hosts ignore,\n"
    "                     floods\n"
    "  learn              write a baseline of the routers seen (accepted RAs\n"
    "                     only): one stanza per router, to edit by hand\n"
    "  solicit            send one Router Solicitation and list every router\n"
    "                     that answers, with its verdict and content\n"
    "\n"
    "  -r FILE            read a pcap or pcapng file (or one gzip'd); '-'\n"
    "                     is standard input\n"
    "  -i INTERFACE       capture live (needs root or CAP_NET_RAW)\n"
    "  --promisc          live: promiscuous mode\n"
    "  --router ADDR|MAC  a legitimate router, by link-local address or MAC\n"
    "                     (repeatable)\n"
    "  --prefix PREFIX    a legitimate prefix (repeatable); others are\n"
    "                     reported\n"
    "  --baseline FILE    routers and prefixes as 'ra learn' writes them\n"
    "  --all              also one line per RA, with its verdict\n"
    "  --json             NDJSON: one object per event\n"
    "  --syslog           events to syslog (daemon facility), not stdout\n"
    "  --once             stop after the first RA\n"
    "  --count N          stop after N RAs\n"
    "  --flood-rate N     RAs, or distinct routers, per second that make a\n"
    "                     flood (default 10)\n"
    "  --clear            live, with a baseline: answer a router outside it\n"
    "                     with a counter-RA (its address, router lifetime 0,\n"
    "                     its prefixes with lifetimes 0), at most every 10 s\n"
    "                     per router, each one reported. A stop-gap: the fix\n"
    "                     is RA Guard on the switch (RFC 6105)\n"
    "  --for DURATION     learn: how long to listen (default 60s)\n"
    "  --wait DURATION    solicit: how long to wait for answers (default 3s)\n"
    "  -o FILE            learn: write the baseline there (default stdout)\n"
    "  -q, --quiet, -v, --verbose\n"
    "                     taken as by every command; the output is the\n"
    "                     same either way\n"
    "  -h, --help         this help\n"
    "\n"
    "Without a baseline every router is reported once, as new. Exit status:\n"
    "0 nothing wrong seen; 1 a rogue router or an anomaly (any event of\n"
    "severity warning or error); 2 usage error, bad baseline, not a capture;\n"
    "3 system error, or no permission to capture.\n";

/* --- Baseline ------------------------------------------------------------- */

bool
ra_mac_eq(const struct ds_mac *a, const struct ds_mac *b)
{
	return memcmp(a->b, b->b, 6) == 0;
}

bool
ra_v6_eq(const struct ds_addr *a, const struct ds_addr *b)
{
	return a->family == b->family &&
	    memcmp(a->u.bytes, b->u.bytes, 16) == 0;
}

/* The MAC an RA came from: its SLLA option, else the frame's source. */
bool
ra_mac(const struct ds_ra *ra, struct ds_mac *ret)
{
	for (unsigned i = 0; i < ra->n_opt; i++)
		if (ra->opt[i].type == DS_RA_OPT_SLLA && !ra->opt[i].bad) {
			*ret = ra->opt[i].u.lladdr;
			return true;
		}
	if (ra->has_mac) {
		*ret = ra->src_mac;
		return true;
	}
	return false;
}

/* The baseline entry of the router that sent ra, or -1. */
static int
base_match(const struct ra_watch *w, const struct ds_ra *ra)
{
	struct ds_mac mac;
	bool has_mac = ra_mac(ra, &mac);

	for (unsigned i = 0; i < w->n_base; i++) {
		const struct base_router *b = &w->base[i];

		if (b->has_addr && !ra_v6_eq(&b->addr, &ra->src))
			continue;
		if (b->has_mac && !(has_mac && ra_mac_eq(&b->mac, &mac)) &&
		    !(ra->has_mac && ra_mac_eq(&b->mac, &ra->src_mac)))
			continue;
		return (int)i;
	}
	return -1;
}

static bool
prefix_known(const struct ra_watch *w, const struct ds_prefix *p)
{
	for (unsigned i = 0; i < w->n_prefix; i++)
		if (ds_prefix_contains_prefix(&w->prefix[i], p))
			return true;
	return false;
}

/* --router: an address or a MAC. */
static int
add_router_arg(struct ra_watch *w, const char *s)
{
	struct base_router *b;
	size_t pos;

	if (w->n_base >= RA_MAX_BASE)
		return cli_usage_error(
		    &cli_cmd_ra, "more than %d routers", RA_MAX_BASE);
	b = &w->base[w->n_base];
	memset(b, 0, sizeof(*b));
	if (ds_mac_parse(s, strlen(s), &b->mac, &pos) == 0) {
		b->has_mac = true;
	} else if (ds_addr_parse(
	               s, strlen(s), DS_PARSE_V6_ONLY, &b->addr, &pos) == 0) {
		b->has_addr = true;
		b->addr.zone[0] = '\0';
		b->addr.scope_id = 0;
	} else {
		return cli_usage_error(&cli_cmd_ra,
		    "--router '%s': not an IPv6 address or a MAC", s);
	}
	w->n_base++;
	return EXIT_OK;
}

/* --- Events --------------------------------------------------------------- */

static struct router *
router_find(struct ra_watch *w, const struct ds_addr *lla)
{
	for (unsigned i = 0; i < w->n_router; i++)
		if (ra_v6_eq(&w->router[i].lla, lla))
			return &w->router[i];
	return NULL;
}

static void
flood_check(struct ra_watch *w, const struct ds_ra *ra)
{
	struct ds_finding f;
	bool found = false;

	if (w->sec != w->win_sec) {
		w->win_sec = w->sec;
		w->win_ras = 0;
		w->win_nsrc = 0;
		w->win_flagged = false;
	}
	w->win_ras++;
	for (unsigned i = 0; i < w->win_nsrc && !found; i++)
		found = ra_v6_eq(&w->win_src[i], &ra->src);
	if (!found && w->win_nsrc < RA_FLOOD_SRC)
		w->win_src[w->win_nsrc++] = ra->src;
	if (w->win_flagged ||
	    (w->win_ras <= w->flood_rate && w->win_nsrc <= w->flood_rate))
		return;
	w->win_flagged = true;
	ra_event_init(w, &f, DS_FIND_RA_FLOOD, DS_SEV_ERROR, NULL);
	if (w->iface)
		ds_finding_add_text(
		    &f, DS_EVK_IFACE, w->iface, strlen(w->iface));
	ds_finding_add_uint(&f, DS_EVK_COUNT, w->win_ras);
	ds_finding_add_uint(&f, DS_EVK_SEEN, w->win_nsrc);
	ds_finding_add_uint(&f, DS_EVK_RATE, w->flood_rate);
	ra_emit(w, &f, NULL);
}

/* Prefixes of ra that old (NULL: none) did not have: odd kinds, and
 * prefixes outside the baseline. */
static void
prefix_events(
    struct ra_watch *w, const struct ds_ra *ra, const struct ds_ra *old)
{
	for (unsigned i = 0; i < ra->n_opt; i++) {
		const struct ds_ra_opt *o = &ra->opt[i];
		const struct ds_prefix *p;
		struct ds_finding f;
		enum ds_ra_pfx_kind kind;
		bool seen = false;

		if (o->bad ||
		    (o->type != DS_RA_OPT_PIO && o->type != DS_RA_OPT_RIO))
			continue;
		p = o->type == DS_RA_OPT_PIO ? &o->u.pio.prefix
		                             : &o->u.rio.prefix;
		for (unsigned k = 0; old && k < old->n_opt && !seen; k++) {
			const struct ds_ra_opt *x = &old->opt[k];

			if (x->type != o->type || x->bad)
				continue;
			seen = o->type == DS_RA_OPT_PIO
			    ? ds_prefix_contains_prefix(&x->u.pio.prefix, p) &&
			        x->u.pio.prefix.len == p->len
			    : ds_prefix_contains_prefix(&x->u.rio.prefix, p) &&
			        x->u.rio.prefix.len == p->len;
		}
		if (seen || prefix_known(w, p))
			continue;
		if (o->type == DS_RA_OPT_PIO && w->n_prefix > 0) {
			ra_event_init(
			    w, &f, DS_FIND_RA_UNKNOWN_PREFIX, DS_SEV_ERROR, ra);
			ds_finding_add_prefix(&f, DS_EVK_PREFIX, p);
			ra_emit(w, &f, ra);
		}
		kind = ds_ra_pfx_kind(p);
		if (kind != DS_RA_PFX_NORMAL) {
			ra_event_init(
			    w, &f, DS_FIND_RA_ODD_PREFIX, DS_SEV_WARNING, ra);
			ds_finding_add_prefix(&f, DS_EVK_PREFIX, p);
			ds_finding_add_token(
			    &f, DS_EVK_KIND, ds_ra_pfx_kind_token(kind));
			ra_emit(w, &f, ra);
		}
	}
}

/* The first valid PIO prefix of a that b does not advertise, or NULL. */
static const struct ds_prefix *
pio_missing(const struct ds_ra *a, const struct ds_ra *b)
{
	for (unsigned i = 0; i < a->n_opt; i++) {
		const struct ds_ra_opt *o = &a->opt[i];
		bool found = false;

		if (o->type != DS_RA_OPT_PIO || o->bad)
			continue;
		for (unsigned k = 0; k < b->n_opt && !found; k++)
			found = b->opt[k].type == DS_RA_OPT_PIO &&
			    !b->opt[k].bad &&
			    b->opt[k].u.pio.prefix.len == o->u.pio.prefix.len &&
			    ds_prefix_contains_prefix(
			        &b->opt[k].u.pio.prefix, &o->u.pio.prefix);
		if (!found)
			return &o->u.pio.prefix;
	}
	return NULL;
}

static void
change_events(struct ra_watch *w, const struct ds_ra *old,
    const struct ds_ra *ra, uint32_t mask)
{
	uint32_t chg = ds_ra_diff(old, ra) & mask;

	/* A lifetime dropping to 0 is the router leaving, said on its own. */
	if (ra->router_lifetime == 0)
		chg &= ~(uint32_t)DS_RA_CHG_LIFETIME;
	for (unsigned b = 0; b < 32; b++) {
		const struct ds_prefix *p;
		struct ds_finding f;

		if (!(chg & (1u << b)))
			continue;
		ra_event_init(w, &f, DS_FIND_RA_CHANGED, DS_SEV_WARNING, ra);
		ds_finding_add_token(
		    &f, DS_EVK_CHANGE, ds_ra_change_token(1u << b));
		if ((1u << b) == DS_RA_CHG_LIFETIME)
			ds_finding_add_duration(&f, DS_EVK_LIFETIME,
			    (uint64_t)ra->router_lifetime * 1000000);
		p = (1u << b) == DS_RA_CHG_PREFIX_ADDED ? pio_missing(ra, old)
		    : (1u << b) == DS_RA_CHG_PREFIX_REMOVED
		    ? pio_missing(old, ra)
		    : NULL;
		if (p)
			ds_finding_add_prefix(&f, DS_EVK_PREFIX, p);
		ra_emit(w, &f, ra);
	}
}

/* One RA, graded: the events it makes. */
static void
handle_ra(struct ra_watch *w, const struct ds_ra *ra)
{
	struct ds_finding f;
	struct router *rt;
	struct ds_mac mac;
	bool has_mac, baselined = w->n_base > 0 || w->n_prefix > 0;
	const struct ds_ra *old;
	int base;

	/* Our own counter-RAs (--clear), captured on their way out: they
	 * speak in the rogue's name from our MAC, and are not news. */
	if (w->clear && ra->has_mac && ra_mac_eq(&ra->src_mac, &w->own_mac))
		return;
	w->n_ra++;
	if (w->solicit) {
		/* Every answer is listed, accepted or not: the last RA of
		 * each router. */
		rt = router_find(w, &ra->src);
		if (!rt && w->n_router < RA_MAX_ROUTERS &&
		    (w->router[w->n_router].last = malloc(sizeof(*rt->last)))) {
			rt = &w->router[w->n_router++];
			rt->lla = ra->src;
			rt->has_mac = ra_mac(ra, &rt->mac);
			rt->base = -1;
		}
		if (rt)
			*rt->last = *ra;
		return;
	}
	flood_check(w, ra);
	if (w->all) {
		ra_event_init(w, &f, DS_FIND_RA_ROUTER, DS_SEV_INFO, ra);
		ds_finding_add_token(
		    &f, DS_EVK_VERDICT, ra->why ? "ignored" : "accepted");
		ds_finding_add_duration(&f, DS_EVK_LIFETIME,
		    (uint64_t)ra->router_lifetime * 1000000);
		for (unsigned b = 0; b < 32; b++)
			if (ra->why & (1u << b)) {
				ds_finding_add_token(&f, DS_EVK_REASON,
				    ds_ra_why_token(1u << b));
				break;
			}
		ra_emit(w, &f, ra);
	}
	if (ra->why) {
		/* Hosts drop it: say why, each reason once, and keep it out
		 * of the router table. */
		for (unsigned b = 0; b < 32; b++) {
			if (!(ra->why & (1u << b)))
				continue;
			ra_event_init(
			    w, &f, DS_FIND_RA_IGNORED, DS_SEV_WARNING, ra);
			ds_finding_add_token(
			    &f, DS_EVK_REASON, ds_ra_why_token(1u << b));
			ra_emit(w, &f, ra);
		}
		return;
	}
	if (ra->flags & DS_RA_F_EXT) {
		ra_event_init(w, &f, DS_FIND_RA_BEHIND_EXT, DS_SEV_WARNING, ra);
		ra_emit(w, &f, ra);
	}

	has_mac = ra_mac(ra, &mac);
	rt = router_find(w, &ra->src);
	base = base_match(w, ra);
	if (!rt) {
		if (w->n_router >= RA_MAX_ROUTERS) {
			w->untracked++;
			return;
		}
		rt = &w->router[w->n_router];
		memset(rt, 0, sizeof(*rt));
		rt->last = malloc(sizeof(*rt->last));
		if (!rt->last) {
			w->untracked++;
			return;
		}
		w->n_router++;
		rt->lla = ra->src;
		rt->has_mac = has_mac;
		rt->mac = mac;
		rt->base = base;
		old = base >= 0 ? w->base[base].content : NULL;
		if (base < 0 && w->n_base > 0) {
			ra_event_init(
			    w, &f, DS_FIND_RA_UNKNOWN_ROUTER, DS_SEV_ERROR, ra);
			ds_finding_add_duration(&f, DS_EVK_LIFETIME,
			    (uint64_t)ra->router_lifetime * 1000000);
			ra_emit(w, &f, ra);
		} else if (!baselined && !w->learn) {
			ra_event_init(
			    w, &f, DS_FIND_RA_NEW_ROUTER, DS_SEV_INFO, ra);
			ds_finding_add_duration(&f, DS_EVK_LIFETIME,
			    (uint64_t)ra->router_lifetime * 1000000);
			ra_emit(w, &f, ra);
		}
		if (old)
			change_events(w, old, ra, w->base[base].compare);
		if (ra->router_lifetime == 0 &&
		    (!old || old->router_lifetime)) {
			ra_event_init(
			    w, &f, DS_FIND_RA_LEAVING, DS_SEV_INFO, ra);
			ra_emit(w, &f, ra);
		}
		prefix_events(w, ra, old);
	} else {
		old = rt->last;
		if (ra->router_lifetime == 0 && rt->has_mac &&
		    (!has_mac || !ra_mac_eq(&rt->mac, &mac))) {
			/* The mitm6 trick: a goodbye in a router's name from
			 * another machine. Its content is not the router's:
			 * keep the last. */
			ra_event_init(w, &f, DS_FIND_RA_SPOOFED_LEAVING,
			    DS_SEV_ERROR, ra);
			if (rt->has_mac) {
				char m[DS_MAC_STRLEN];

				ds_mac_format(&rt->mac, m, sizeof(m));
				ds_finding_add_text(
				    &f, DS_EVK_PEER, m, strlen(m));
			}
			ra_emit(w, &f, ra);
			return;
		}
		change_events(w, old, ra, DS_RA_CHG_ALL);
		if (ra->router_lifetime == 0 && old->router_lifetime != 0) {
			ra_event_init(
			    w, &f, DS_FIND_RA_LEAVING, DS_SEV_INFO, ra);
			ra_emit(w, &f, ra);
		}
		prefix_events(w, ra, old);
	}
	*rt->last = *ra;
	if (w->clear && rt->base < 0)
		ra_clear_maybe(w, rt, ra);
}

/* --- Reading -------------------------------------------------------------- */

static struct ds_capture *volatile g_capture;

static void
on_signal(int sig)
{
	struct ds_capture *c = g_capture;

	(void)sig;
	if (c)
		ds_capture_break(c);
}

/*
 * The live capture filter. Not "icmp6": that matches only when ICMPv6
 * follows the fixed header, and RAs behind Hop-by-Hop or Destination
 * Options, or in fragments, are exactly what must be seen. Everything
 * IPv6 except plain TCP and UDP (the bulk of traffic, which can carry no
 * RA) goes through; the decoder finds the RA in the rest.
 */
#define RA_LIVE_FILTER "ip6 and ip6[6] != 6 and ip6[6] != 17"

/* One captured frame: decode, reassemble, grade. */
static void
handle_frame(struct ra_watch *w, const struct ds_capture_packet *cp)
{
	struct ds_ra_reasm_out out;
	uint64_t now;
	int r;

	/* Most of a capture cannot hold an RA: a few octets say so for
	 * much less than a decode (ds_ra_prefilter()). */
	if (!ds_ra_prefilter(cp->data, cp->caplen, cp->linktype))
		return;
	if (ds_packet_decode(
	        cp->data, cp->caplen, cp->wirelen, cp->linktype, &w->pkt) < 0 ||
	    w->pkt.ip.version != 6)
		return;
	w->sec = cp->sec;
	w->nsec = cp->nsec;
	now = (uint64_t)cp->sec * 1000000 + cp->nsec / 1000;
	if (w->pkt.ip.n_ext > 0) {
		r = ds_ra_reasm_add(&w->rs, &w->pkt, cp->data, now, &out);
		if (r == 1) {
			if (ds_packet_decode(out.pkt, out.len, 0, DS_LINK_IPV6,
			        &w->pkt2) == 0 &&
			    ds_ra_parse(&w->pkt2, out.pkt, out.how, &w->ra) ==
			        0) {
				w->ra.has_mac = out.has_mac;
				w->ra.src_mac = out.src_mac;
				handle_ra(w, &w->ra);
			}
			return;
		}
		if (r == 0)
			return;
	}
	if (ds_ra_parse(&w->pkt, cp->data, 0, &w->ra) == 0)
		handle_ra(w, &w->ra);
}

static int
open_error(const char *file, const char *iface, int r, const char *errbuf)
{
	const char *what = file ? file : iface;

	if (errbuf[0])
		cli_error("%s: %s", what, errbuf);
	else
		cli_error("%s: %s", what, ds_strerror(r));
	if (r == -EPERM || r == -ENOMEM || r == -EIO)
		return EXIT_INTERNAL;
	return EXIT_USAGE;
}

static uint64_t
mono_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

/* Read frames until the end, a signal, limit RAs (0: none) or, live,
 * until duration_us passed (0: never). */
static int
ra_read(struct ra_watch *w, struct ds_capture *cap, uint64_t limit,
    uint64_t duration_us)
{
	struct ds_capture_packet cp;
	uint64_t t0 = mono_us();
	int r;

	for (;;) {
		r = ds_capture_next(cap, &cp);
		if (r == -EAGAIN)
			r = 2;
		if (r < 0 || r == 0)
			return r;
		if (r == 1)
			handle_frame(w, &cp);
		if (limit && w->n_ra >= limit)
			return 0;
		if (duration_us && ds_capture_is_live(cap) &&
		    mono_us() - t0 >= duration_us)
			return 0;
	}
}

static int
cmd_ra(int argc, char **argv)
{
	enum {
		OPT_ROUTER = 256,
		OPT_PREFIX,
		OPT_BASELINE,
		OPT_ALL,
		OPT_JSON,
		OPT_SYSLOG,
		OPT_ONCE,
		OPT_COUNT,
		OPT_FLOOD,
		OPT_FOR,
		OPT_PROMISC,
		OPT_CLEAR,
		OPT_WAIT,
	};
	static const struct option longopts[] = {
	    {"router", required_argument, NULL, OPT_ROUTER},
	    {"prefix", required_argument, NULL, OPT_PREFIX},
	    {"baseline", required_argument, NULL, OPT_BASELINE},
	    {"all", no_argument, NULL, OPT_ALL},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"syslog", no_argument, NULL, OPT_SYSLOG},
	    {"once", no_argument, NULL, OPT_ONCE},
	    {"count", required_argument, NULL, OPT_COUNT},
	    {"flood-rate", required_argument, NULL, OPT_FLOOD},
	    {"for", required_argument, NULL, OPT_FOR},
	    {"promisc", no_argument, NULL, OPT_PROMISC},
	    {"clear", no_argument, NULL, OPT_CLEAR},
	    {"wait", required_argument, NULL, OPT_WAIT},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static struct ra_watch w;
	struct ds_capture_live_opts lo = {0};
	struct ds_capture *cap = NULL;
	const char *file = NULL, *out_path = NULL, *mode;
	char errbuf[DS_CAPTURE_ERRMAX] = "";
	uint64_t limit = 0, for_us = 60 * CLI_S, wait_us = 3 * CLI_S;
	struct sigaction sa = {0}, old_int, old_term;
	int c, r, code;

	if (argc >= 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cli_usage(stdout, &cli_cmd_ra);
		fputs(help_text, stdout);
		return cli_finish_stdout(EXIT_OK);
	}
	if (argc < 2)
		return cli_usage_error(
		    &cli_cmd_ra, "give watch, learn or solicit");
	mode = argv[1];
	if (strcmp(mode, "watch") != 0 && strcmp(mode, "learn") != 0 &&
	    strcmp(mode, "solicit") != 0) {
		static const char *const modes[] = {
		    "watch", "learn", "solicit"};
		const char *hint = cli_suggest(mode, modes, 3);

		if (hint)
			return cli_usage_error(&cli_cmd_ra,
			    "unknown mode '%s'; did you mean '%s'?", mode,
			    hint);
		return cli_usage_error(&cli_cmd_ra,
		    "unknown mode '%s': watch, learn or solicit", mode);
	}

	memset(&w, 0, sizeof(w));
	w.learn = strcmp(mode, "learn") == 0;
	w.solicit = strcmp(mode, "solicit") == 0;
	w.flood_rate = 10;
	w.win_sec = -1;
	ds_ra_reasm_init(&w.rs);
	argc--;
	argv++;
	optind = 1;
	while ((c = cli_getopt(&cli_cmd_ra, argc, argv, "r:i:o:h", longopts)) !=
	    -1) {
		switch (c) {
		case 'r':
			file = optarg;
			break;
		case 'i':
			w.iface = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case OPT_ROUTER:
			if ((r = add_router_arg(&w, optarg)) != EXIT_OK)
				return r;
			break;
		case OPT_PREFIX:
			if ((r = ra_add_prefix(&w, optarg, "--prefix")) !=
			    EXIT_OK)
				return r;
			break;
		case OPT_BASELINE:
			if ((r = ra_baseline_load(&w, optarg)) != EXIT_OK)
				return r;
			break;
		case OPT_ALL:
			w.all = true;
			break;
		case OPT_JSON:
			w.json = true;
			break;
		case OPT_SYSLOG:
			w.use_syslog = true;
			break;
		case OPT_ONCE:
			limit = 1;
			break;
		case OPT_COUNT:
			if (cli_parse_u64(optarg, UINT32_MAX, &limit) < 0 ||
			    limit == 0)
				return cli_usage_error(&cli_cmd_ra,
				    "--count '%s': not a number from 1",
				    optarg);
			break;
		case OPT_FLOOD:
			if (cli_parse_u64(optarg, 1000000, &w.flood_rate) < 0 ||
			    w.flood_rate == 0)
				return cli_usage_error(&cli_cmd_ra,
				    "--flood-rate '%s': not a number from 1",
				    optarg);
			break;
		case OPT_FOR:
			if (cli_parse_duration(
			        optarg, CLI_S, 86400 * CLI_S, &for_us) < 0 ||
			    for_us < CLI_S)
				return cli_usage_error(&cli_cmd_ra,
				    "--for '%s': not a duration from 1s to 24h",
				    optarg);
			break;
		case OPT_PROMISC:
			lo.flags |= DS_CAPTURE_PROMISC;
			break;
		case OPT_CLEAR:
			w.clear = true;
			break;
		case OPT_WAIT:
			if (cli_parse_duration(
			        optarg, CLI_S, 600 * CLI_S, &wait_us) < 0 ||
			    wait_us < 100 * CLI_MS)
				return cli_usage_error(&cli_cmd_ra,
				    "--wait '%s': not a duration from 0.1s to "
				    "10m",
				    optarg);
			break;
		case 'h':
			cli_usage(stdout, &cli_cmd_ra);
			fputs(help_text, stdout);
			return cli_finish_stdout(EXIT_OK);
		default:
			return cli_usage_error(&cli_cmd_ra,
			    "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(
		    &cli_cmd_ra, "unexpected argument '%s'", argv[optind]);
	if (!file == !w.iface)
		return cli_usage_error(&cli_cmd_ra,
		    file ? "give -r FILE or -i INTERFACE, not both"
		         : "give -r FILE or -i INTERFACE");
	if (w.json && w.use_syslog)
		return cli_usage_error(
		    &cli_cmd_ra, "--json and --syslog do not go together");
	if (w.learn &&
	    (w.n_base || w.n_prefix || w.all || w.json || w.use_syslog ||
	        limit))
		return cli_usage_error(
		    &cli_cmd_ra, "learn takes -r or -i, --for and -o only");
	if (!w.learn && out_path)
		return cli_usage_error(&cli_cmd_ra, "-o is for learn");
	if (w.solicit &&
	    (file || w.n_base || w.n_prefix || w.all || w.use_syslog || limit ||
	        w.clear))
		return cli_usage_error(
		    &cli_cmd_ra, "solicit takes -i, --wait and --json only");
	if (w.clear && (!w.iface || !w.n_base))
		return cli_usage_error(&cli_cmd_ra,
		    "--clear needs -i and a baseline (--router or "
		    "--baseline): it is never sent for a baseline router");
	if (w.iface && (w.clear || w.solicit)) {
		r = ds_ifname_index(w.iface, &w.ifindex);
		if (r < 0) {
			cli_error("-i '%s': %s", w.iface, ds_strerror(r));
			return EXIT_USAGE;
		}
	}
	if (w.clear &&
	    (r = ds_ra_send_frame(w.ifindex, NULL, 0, &w.own_mac)) < 0) {
		cli_error("%s: --clear: %s", w.iface, strerror(-r));
		return EXIT_INTERNAL;
	}

	if (file) {
		struct stat sb;

		w.flush_each = strcmp(file, "-") == 0 ||
		    stat(file, &sb) == -1 || !S_ISREG(sb.st_mode);
	} else {
		w.flush_each = true;
	}
	if (file)
		r = ds_capture_new_file(file, errbuf, sizeof(errbuf), &cap);
	else
		r = ds_capture_new_live(
		    w.iface, &lo, errbuf, sizeof(errbuf), &cap);
	if (r < 0)
		return open_error(file, w.iface, r, errbuf);
	if (w.iface) {
		r = ds_capture_set_filter(
		    cap, RA_LIVE_FILTER, errbuf, sizeof(errbuf));
		if (r < 0) {
			cli_error("capture filter: %s", errbuf);
			ds_capture_free(cap);
			return EXIT_INTERNAL;
		}
	}
	if (w.use_syslog)
		openlog("dualstack-ra", LOG_PID, LOG_DAEMON);

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	g_capture = cap;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if (w.solicit && (r = ds_ra_send_rs(w.ifindex)) < 0) {
		cli_error("%s: sending a Router Solicitation: %s", w.iface,
		    strerror(-r));
		ds_capture_free(cap);
		return EXIT_INTERNAL;
	}
	r = ra_read(&w, cap, limit, w.learn ? for_us : w.solicit ? wait_us : 0);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	g_capture = NULL;

	code = EXIT_OK;
	if (r < 0 && r != -EINTR) {
		char msg[DS_CAPTURE_ERRMAX];

		if (ds_capture_last_error(cap, msg, sizeof(msg)) <= 0)
			snprintf(msg, sizeof(msg), "%s", ds_strerror(r));
		cli_error("%s: %s", file ? file : w.iface, msg);
		code = r == -EBADMSG ? EXIT_FAILED : EXIT_INTERNAL;
	}
	ds_capture_free(cap);
	if (w.learn) {
		FILE *f = stdout;

		if (out_path && !(f = fopen(out_path, "w"))) {
			cli_error("%s: %s", out_path, strerror(errno));
			code = EXIT_INTERNAL;
		} else {
			ra_write_baseline(&w, f, file ? file : w.iface);
			if (f != stdout && fclose(f) != 0) {
				cli_error("%s: %s", out_path, strerror(errno));
				code = EXIT_INTERNAL;
			}
		}
	} else if (w.solicit) {
		ra_print_routers(&w);
		if (code == EXIT_OK && w.n_router == 0)
			code = EXIT_FAILED;
	} else if (code == EXIT_OK && w.bad) {
		code = EXIT_FAILED;
	}
	/* A watch stopped by Ctrl-C ends as tcpdump does, with its counts
	 * on stderr (dualstack(1), EXIT STATUS). */
	if (r == -EINTR && !w.learn && !w.solicit && !cli_quiet())
		fprintf(stderr,
		    "%llu Router Advertisements read, %u routers, %llu "
		    "events\n",
		    (unsigned long long)w.n_ra, w.n_router,
		    (unsigned long long)w.n_events);
	for (unsigned i = 0; i < w.n_router; i++)
		free(w.router[i].last);
	for (unsigned i = 0; i < w.n_base; i++)
		free(w.base[i].content);
	if (w.use_syslog)
		closelog();
	return cli_finish_stdout(code);
}
