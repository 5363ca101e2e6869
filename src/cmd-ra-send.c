/* SPDX-License-Identifier: MIT */
/*
 * What "dualstack ra" sends: the counter-RA of --clear, and the listing of
 * "ra solicit" (the Router Solicitation itself is ds_ra_send_rs()).
 */
#include <errno.h>
#include <string.h>

#include "cli-finding.h"
#include "cmd-ra-words.h"
#include "cmd-ra.h"

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
