/* SPDX-License-Identifier: MIT */
/*
 * What "dualstack ra" writes and sends: each event as a line, NDJSON or a
 * syslog message, the counter-RA of --clear, and the listing of "ra
 * solicit" (the Router Solicitation itself is ds_ra_send_rs()).
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "cli-finding.h"
#include "cmd-ra-words.h"
#include "cmd-ra-int.h"

/* --- Output ---------------------------------------------------------------
 */

/*
 * A line being put together: appends cut at the end of the buffer, as
 * snprintf() would, for a fraction of its cost. With --all a capture
 * gives a line per RA, and snprintf() was most of what a line cost.
 */
struct text {
	char *b;
	size_t n, size; /* size > 0; b[n] is always '\0' */
};

static void
text_put(struct text *t, const char *s)
{
	size_t k = strlen(s);

	if (k > t->size - 1 - t->n)
		k = t->size - 1 - t->n;
	memcpy(t->b + t->n, s, k);
	t->n += k;
	t->b[t->n] = '\0';
}

/* v in decimal, at least 'digits' digits. */
static void
text_uint(struct text *t, uint64_t v, unsigned digits)
{
	char d[24];
	size_t i = sizeof(d) - 1;

	d[i] = '\0';
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while ((v || sizeof(d) - 1 - i < digits) && i > 0);
	text_put(t, d + i);
}

/*
 * RFC 3339 UTC with milliseconds: "2026-12-07T17:00:00.123Z". The date
 * and time of day are formatted once per second and kept: events come
 * many to a second, and gmtime_r() is not cheap.
 */
static void
fmt_time(int64_t sec, uint32_t nsec, char *buf, size_t size)
{
	static int64_t cached_sec;
	static char cached[48];
	static bool have_cached;
	struct text t = {buf, 0, size};
	unsigned ms = nsec / 1000000;

	if (!have_cached || cached_sec != sec) {
		struct tm tm;
		time_t tt = (time_t)sec;

		if (!gmtime_r(&tt, &tm)) {
			snprintf(buf, size, "%lld", (long long)sec);
			return;
		}
		snprintf(cached, sizeof(cached),
		    "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec);
		cached_sec = sec;
		have_cached = true;
	}
	buf[0] = '\0';
	text_put(&t, cached);
	text_put(&t, ".");
	text_uint(&t, ms, 3);
	text_put(&t, "Z");
}

static void
fmt_mac(const struct ds_ra *ra, char *buf, size_t size)
{
	if (ra->has_mac)
		ds_mac_format(&ra->src_mac, buf, size);
	else
		snprintf(buf, size, "-");
}

static int
syslog_prio(enum ds_severity s)
{
	switch (s) {
	case DS_SEV_ERROR:
		return LOG_ERR;
	case DS_SEV_WARNING:
		return LOG_WARNING;
	default:
		return LOG_INFO;
	}
}

/* The RA's content as JSON: every field and option. */
void
ra_json_content(struct json *j, const struct ds_ra *ra)
{
	char buf[DS_PREFIX_STRLEN];

	json_begin_object(j);
	json_kv_addr(j, "source", &ra->src);
	json_kv_addr(j, "destination", &ra->dst);
	if (ra->has_mac) {
		ds_mac_format(&ra->src_mac, buf, sizeof(buf));
		json_kv_string(j, "mac", buf);
	}
	json_kv_u64(j, "ip_hop_limit", ra->hop_limit);
	json_kv_string(j, "verdict", ra->why ? "ignored" : "accepted");
	json_key(j, "reasons");
	json_begin_array(j);
	for (unsigned b = 0; b < 32; b++)
		if (ra->why & (1u << b))
			json_string(j, ds_ra_why_token(1u << b));
	json_end(j);
	json_key(j, "facts");
	json_begin_array(j);
	for (unsigned b = 0; b < 32; b++)
		if (ra->flags & (1u << b))
			json_string(j, ds_ra_flag_token(1u << b));
	json_end(j);
	json_key(j, "chain");
	json_begin_array(j);
	for (unsigned i = 0; i < ra->n_ext; i++) {
		const char *t = ds_packet_ext_token(ra->ext[i]);

		json_string(j, t ? t : "?");
	}
	json_end(j);
	json_kv_u64(j, "code", ra->code);
	json_kv_string(j, "checksum", ds_ra_csum_token(ra->csum));
	json_kv_u64(j, "cur_hop_limit", ra->cur_hop_limit);
	json_kv_bool(j, "managed", ra->managed);
	json_kv_bool(j, "other", ra->other);
	json_kv_bool(j, "home_agent", ra->home_agent);
	json_kv_bool(j, "proxy", ra->proxy);
	json_kv_string(j, "preference", ds_packet_prf_token(ra->prf));
	json_kv_u64(j, "router_lifetime", ra->router_lifetime);
	json_kv_u64(j, "reachable_ms", ra->reachable);
	json_kv_u64(j, "retrans_ms", ra->retrans);
	if (ra->has_flags_ext)
		json_kv_u64(j, "flags_expansion", ra->flags_ext);
	json_key(j, "options");
	json_begin_array(j);
	for (unsigned i = 0; i < ra->n_opt; i++) {
		const struct ds_ra_opt *o = &ra->opt[i];
		const char *t = ds_packet_ndopt_token(o->type);

		json_begin_object(j);
		if (t)
			json_kv_string(j, "type", t);
		else
			json_kv_u64(j, "type", o->type);
		json_kv_u64(j, "length", o->len);
		if (o->bad)
			json_kv_string(
			    j, "ignored", ds_ra_optbad_token(o->bad));
		switch (o->bad ? 0 : o->type) {
		case DS_RA_OPT_SLLA:
			ds_mac_format(&o->u.lladdr, buf, sizeof(buf));
			json_kv_string(j, "mac", buf);
			break;
		case DS_RA_OPT_PIO:
			ds_prefix_format(&o->u.pio.prefix, 0, buf, sizeof(buf));
			json_kv_string(j, "prefix", buf);
			json_kv_bool(j, "onlink", o->u.pio.onlink);
			json_kv_bool(j, "autoconf", o->u.pio.autoconf);
			json_kv_bool(j, "router_address", o->u.pio.router);
			json_kv_u64(j, "valid", o->u.pio.valid);
			json_kv_u64(j, "preferred", o->u.pio.preferred);
			break;
		case DS_RA_OPT_MTU:
			json_kv_u64(j, "mtu", o->u.mtu);
			break;
		case DS_RA_OPT_RIO:
			ds_prefix_format(&o->u.rio.prefix, 0, buf, sizeof(buf));
			json_kv_string(j, "prefix", buf);
			json_kv_string(
			    j, "preference", ds_packet_prf_token(o->u.rio.prf));
			json_kv_u64(j, "lifetime", o->u.rio.lifetime);
			break;
		case DS_RA_OPT_RDNSS:
			json_kv_u64(j, "lifetime", o->u.rdnss.lifetime);
			json_key(j, "servers");
			json_begin_array(j);
			for (unsigned k = 0; k < o->u.rdnss.n; k++) {
				ds_addr_format(&ra->addr[o->u.rdnss.first + k],
				    0, buf, sizeof(buf));
				json_string(j, buf);
			}
			json_end(j);
			break;
		case DS_RA_OPT_DNSSL:
			json_kv_u64(j, "lifetime", o->u.dnssl.lifetime);
			json_kv_string_len(j, "names", 5,
			    ra->text + o->u.dnssl.text_off,
			    o->u.dnssl.text_len);
			break;
		case DS_RA_OPT_PREF64:
			ds_prefix_format(
			    &o->u.pref64.prefix, 0, buf, sizeof(buf));
			json_kv_string(j, "prefix", buf);
			json_kv_u64(j, "lifetime", o->u.pref64.lifetime);
			break;
		case DS_RA_OPT_CAPTIVE:
			json_kv_string_len(j, "uri", 3,
			    ra->text + o->u.captive.text_off,
			    o->u.captive.text_len);
			break;
		case DS_RA_OPT_FLAGS:
			json_kv_u64(j, "flags", o->u.flags_ext);
			break;
		default:
			break;
		}
		json_end(j);
	}
	json_end(j);
	json_end(j);
}

/* One piece of evidence as "key value (words)" text. */
static void
evidence_text(const struct ds_evidence *e, char *buf, size_t size)
{
	char val[DS_EVIDENCE_TEXT_MAX + 16];
	struct text t = {buf, 0, size};
	const char *w = NULL;

	buf[0] = '\0';
	if (e->type == DS_EV_TOKEN)
		w = ra_token_words(e->key, e->v.token);
	if (w) {
		text_put(&t, w);
		return;
	}
	text_put(&t, ds_evidence_key_token(e->key));
	text_put(&t, " ");
	/* Whole milliseconds of a second or more (every RA lifetime) in
	 * integers: what cli_evidence_text()'s "%.3f s" prints for them,
	 * without the floating-point formatting. */
	if (e->type == DS_EV_DURATION_US && e->v.u >= 1000000 &&
	    e->v.u < (1ull << 53) && e->v.u % 1000 == 0) {
		text_uint(&t, e->v.u / 1000000, 1);
		text_put(&t, ".");
		text_uint(&t, e->v.u / 1000 % 1000, 3);
		text_put(&t, " s");
		return;
	}
	cli_evidence_text(e, val, sizeof(val));
	text_put(&t, val);
}

/*
 * Say one event: the time, the interface, the router and its MAC, then
 * the finding; with --json one NDJSON object (ra, the RA's content, for
 * the per-RA lines of --all); with --syslog one syslog line.
 */
void
ra_emit(struct ra_watch *w, const struct ds_finding *f, const struct ds_ra *ra)
{
	char when[64], mac[DS_MAC_STRLEN + 1], who[DS_ADDR_STRLEN];
	char line[2048], piece[512];
	struct text t = {line, 0, sizeof(line)};

	w->n_events++;
	if (f->severity >= DS_SEV_WARNING)
		w->bad = true;
	if (w->learn)
		return;
	fmt_time(w->sec, w->nsec, when, sizeof(when));
	if (w->json) {
		struct json j;

		json_init(&j, stdout, false);
		json_begin_object(&j);
		json_kv_string(&j, "time", when);
		if (w->iface)
			json_kv_string(&j, "interface", w->iface);
		json_key(&j, "event");
		json_finding(&j, f);
		if (ra && f->code == DS_FIND_RA_ROUTER) {
			json_key(&j, "ra");
			ra_json_content(&j, ra);
		}
		json_end(&j);
		json_finish(&j);
		if (w->flush_each)
			fflush(stdout);
		return;
	}
	if (ra) {
		fmt_mac(ra, mac, sizeof(mac));
		ds_addr_format(&ra->src, 0, who, sizeof(who));
	} else {
		snprintf(mac, sizeof(mac), "-");
		snprintf(who, sizeof(who), "-");
	}
	line[0] = '\0';
	text_put(&t, w->use_syslog ? "" : when);
	text_put(&t, " ");
	text_put(&t, w->iface ? w->iface : "-");
	text_put(&t, " ");
	text_put(&t, who);
	text_put(&t, " ");
	text_put(&t, mac);
	text_put(&t, " ");
	text_put(&t, ds_severity_token(f->severity));
	text_put(&t, ": ");
	text_put(&t, ra_code_words(f->code));
	for (size_t k = 0, said = 0; k < f->n_evidence; k++) {
		const struct ds_evidence *e = &f->evidence[k];

		if (e->key == DS_EVK_ROUTER || e->key == DS_EVK_MAC ||
		    e->key == DS_EVK_IFACE)
			continue;
		evidence_text(e, piece, sizeof(piece));
		text_put(&t, said++ == 0 ? ": " : "; ");
		text_put(&t, piece);
	}
	if (w->use_syslog) {
		syslog(syslog_prio(f->severity), "%s", line + 1);
		return;
	}
	printf("%s\n", line);
	if (w->flush_each)
		fflush(stdout);
}

/* A finding about ra's router, with its address, MAC and interface. */
void
ra_event_init(struct ra_watch *w, struct ds_finding *f, enum ds_finding_code c,
    enum ds_severity s, const struct ds_ra *ra)
{
	ds_finding_init(f, c, s);
	if (!ra)
		return;
	f->subject.key = DS_EVK_ROUTER;
	f->subject.type = DS_EV_ADDR;
	f->subject.v.addr = ra->src;
	if (ra->has_mac) {
		char mac[DS_MAC_STRLEN];

		ds_mac_format(&ra->src_mac, mac, sizeof(mac));
		ds_finding_add_text(f, DS_EVK_MAC, mac, strlen(mac));
	}
	if (w->iface)
		ds_finding_add_text(
		    f, DS_EVK_IFACE, w->iface, strlen(w->iface));
}

/* --- Sending ------------------------------------------------------------- */

void
ra_clear_maybe(struct ra_watch *w, struct router *rt, const struct ds_ra *ra)
{
	uint8_t frame[DS_RA_FRAME_MAX];
	uint64_t now = (uint64_t)w->sec * 1000000 + w->nsec / 1000;
	struct ds_finding f;
	unsigned prefixes = 0;
	int n, r;

	/* Never for a router of the baseline, whatever matched it. */
	if (rt->base >= 0 || w->n_base == 0)
		return;
	if (rt->cleared_us && now - rt->cleared_us < RA_CLEAR_INTERVAL_US)
		return;
	rt->cleared_us = now ? now : 1;
	for (unsigned i = 0; i < ra->n_opt; i++)
		if (ra->opt[i].type == DS_RA_OPT_PIO && !ra->opt[i].bad)
			prefixes++;
	n = ds_ra_build_clear(ra, &w->own_mac, frame, sizeof(frame));
	r = n < 0 ? n : ds_ra_send_frame(w->ifindex, frame, (size_t)n, NULL);
	ra_event_init(
	    w, &f, DS_FIND_RA_CLEARED, r < 0 ? DS_SEV_ERROR : DS_SEV_INFO, ra);
	ds_finding_add_uint(&f, DS_EVK_COUNT, prefixes);
	if (r < 0)
		ds_finding_add_errno(&f, DS_EVK_ERRNO, -r);
	ra_emit(w, &f, ra);
}

static const char *
prf_words(uint8_t prf)
{
	switch (prf) {
	case DS_PKT_PRF_HIGH:
		return "high";
	case DS_PKT_PRF_LOW:
		return "low";
	case DS_PKT_PRF_RESERVED:
		return "reserved (read as medium)";
	default:
		return "medium";
	}
}

/* One router's RA as rdisc6 -m shows it, with the verdict first. */
static void
print_ra(const struct ds_ra *ra)
{
	char a[DS_PREFIX_STRLEN], mac[DS_MAC_STRLEN];

	ds_addr_format(&ra->src, 0, a, sizeof(a));
	if (ra->has_mac)
		ds_mac_format(&ra->src_mac, mac, sizeof(mac));
	printf("router %s%s%s%s: %s\n", a, ra->has_mac ? " (" : "",
	    ra->has_mac ? mac : "", ra->has_mac ? ")" : "",
	    ra->why ? "a host would ignore it" : "a host would accept it");
	for (unsigned b = 0; b < 32; b++)
		if (ra->why & (1u << b))
			printf("\tbecause %s\n", ra_why_words(1u << b));
	for (unsigned b = 0; b < 32; b++)
		if (ra->flags & (1u << b))
			printf("\t%s\n", ra_flag_words(1u << b));
	printf("\thop limit %u, flags%s%s%s%s%s, preference %s\n",
	    ra->cur_hop_limit, ra->managed ? " M" : "", ra->other ? " O" : "",
	    ra->home_agent ? " H" : "", ra->proxy ? " P" : "",
	    ra->flags_octet & 0xe4 ? "" : " none", prf_words(ra->prf));
	printf("\trouter lifetime %u s, reachable time %u ms, retransmit "
	       "timer %u ms\n",
	    ra->router_lifetime, ra->reachable, ra->retrans);
	for (unsigned i = 0; i < ra->n_opt; i++) {
		const struct ds_ra_opt *o = &ra->opt[i];

		if (o->bad) {
			printf("\toption %u ignored: %s\n", o->type,
			    ra_optbad_words(o->bad));
			continue;
		}
		switch (o->type) {
		case DS_RA_OPT_SLLA:
			ds_mac_format(&o->u.lladdr, mac, sizeof(mac));
			printf("\tsource link-layer address %s\n", mac);
			break;
		case DS_RA_OPT_PIO:
			ds_prefix_format(&o->u.pio.prefix, 0, a, sizeof(a));
			printf(
			    "\tprefix %s%s%s%s, valid %u s, preferred %u s\n",
			    a, o->u.pio.onlink ? " on-link" : "",
			    o->u.pio.autoconf ? " autonomous" : "",
			    o->u.pio.router ? " router-address" : "",
			    o->u.pio.valid, o->u.pio.preferred);
			break;
		case DS_RA_OPT_MTU:
			printf("\tmtu %u\n", o->u.mtu);
			break;
		case DS_RA_OPT_RIO:
			ds_prefix_format(&o->u.rio.prefix, 0, a, sizeof(a));
			printf("\troute %s, preference %s, lifetime %u s\n", a,
			    prf_words(o->u.rio.prf), o->u.rio.lifetime);
			break;
		case DS_RA_OPT_RDNSS:
			printf("\tdns servers");
			for (unsigned k = 0; k < o->u.rdnss.n; k++) {
				ds_addr_format(&ra->addr[o->u.rdnss.first + k],
				    0, a, sizeof(a));
				printf(" %s", a);
			}
			printf(", lifetime %u s\n", o->u.rdnss.lifetime);
			break;
		case DS_RA_OPT_DNSSL:
			printf("\tdns search list %.*s, lifetime %u s\n",
			    (int)o->u.dnssl.text_len,
			    ra->text + o->u.dnssl.text_off,
			    o->u.dnssl.lifetime);
			break;
		case DS_RA_OPT_PREF64:
			ds_prefix_format(&o->u.pref64.prefix, 0, a, sizeof(a));
			printf("\tnat64 prefix %s, lifetime %u s\n", a,
			    o->u.pref64.lifetime);
			break;
		case DS_RA_OPT_CAPTIVE:
			printf("\tcaptive portal %.*s\n",
			    (int)o->u.captive.text_len,
			    ra->text + o->u.captive.text_off);
			break;
		case DS_RA_OPT_FLAGS:
			printf("\textended flags 0x%012llx\n",
			    (unsigned long long)o->u.flags_ext);
			break;
		default:
			printf(
			    "\toption %u, %u octets\n", o->type, o->len * 8u);
			break;
		}
	}
}

void
ra_print_routers(const struct ra_watch *w)
{
	if (w->json) {
		struct json j;

		json_init(&j, stdout, false);
		json_begin_object(&j);
		json_kv_string(&j, "interface", w->iface);
		json_key(&j, "routers");
		json_begin_array(&j);
		for (unsigned i = 0; i < w->n_router; i++)
			ra_json_content(&j, w->router[i].last);
		json_end(&j);
		json_end(&j);
		json_finish(&j);
		return;
	}
	if (w->n_router == 0) {
		printf("no router answered on %s\n", w->iface);
		return;
	}
	for (unsigned i = 0; i < w->n_router; i++) {
		if (i > 0)
			printf("\n");
		print_ra(w->router[i].last);
	}
}
