/* SPDX-License-Identifier: MIT */
/*
 * The baseline of "dualstack ra": a small text file a person can read and
 * edit, written by "ra learn" and read by "ra watch --baseline".
 *
 *   # comment
 *   prefix 2001:db8:1::/64          a legitimate prefix, for any router
 *   router fe80::1                  a stanza: one legitimate router
 *     mac 02:00:00:00:00:01         the lines below describe what it
 *     lifetime 1800                 advertises; each one present is
 *     hop-limit 64                  compared with what it sends, and a
 *     flags M O                     difference is reported as a change
 *     preference medium             (delete a line to stop comparing it)
 *     mtu 1500
 *     prefix 2001:db8:1::/64 L A
 *     route 2001:db8:5::/48 high
 *     rdnss 2001:db8::53
 *     dnssl example.com
 *     pref64 64:ff9b::/96
 *
 * "router" takes a link-local address or a MAC ("router 02:00:..."),
 * which then matches the RA's source link-layer address.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd-ra-int.h"

#define RA_LINE_MAX 1024
#define RA_WORDS_MAX 32

/* Split line into blank-separated words; returns how many. */
static unsigned
split(char *line, char **word)
{
	unsigned n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(line, " \t\r\n", &save); t && n < RA_WORDS_MAX;
	     t = strtok_r(NULL, " \t\r\n", &save))
		word[n++] = t;
	return n;
}

struct bl {
	const char *path;
	unsigned line;
};

static int bl_error(const struct bl *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
bl_error(const struct bl *b, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_error("%s:%u: %s", b->path, b->line, msg);
	return EXIT_USAGE;
}

static int
parse_v6(const struct bl *b, const char *s, struct ds_addr *ret)
{
	size_t pos = 0;

	if (ds_addr_parse(s, strlen(s), DS_PARSE_V6_ONLY | DS_PARSE_NO_ZONE,
	        ret, &pos) < 0)
		return bl_error(b, "'%s': not an IPv6 address", s);
	return EXIT_OK;
}

static int
parse_pfx(const struct bl *b, const char *s, struct ds_prefix *ret)
{
	size_t pos = 0;

	if (ds_prefix_parse(s, strlen(s), DS_PARSE_V6_ONLY | DS_PARSE_NO_ZONE,
	        ret, &pos) < 0)
		return bl_error(b, "'%s': not an IPv6 prefix", s);
	return EXIT_OK;
}

static int
parse_num(const struct bl *b, const char *s, uint64_t max, uint64_t *ret)
{
	if (cli_parse_u64(s, max, ret) < 0)
		return bl_error(b, "'%s': not a number in range", s);
	return EXIT_OK;
}

static int
parse_prf(const struct bl *b, const char *s, uint8_t *ret)
{
	for (uint8_t v = 0; v < 4; v++)
		if (v != DS_PKT_PRF_RESERVED &&
		    strcmp(s, ds_packet_prf_token(v)) == 0) {
			*ret = v;
			return EXIT_OK;
		}
	return bl_error(b, "'%s': not low, medium or high", s);
}

/* A new option in ra, or NULL when full. */
static struct ds_ra_opt *
new_opt(struct ds_ra *ra, uint8_t type, uint8_t len)
{
	struct ds_ra_opt *o;

	if (ra->n_opt >= DS_RA_MAX_OPT)
		return NULL;
	o = &ra->opt[ra->n_opt++];
	memset(o, 0, sizeof(*o));
	o->type = type;
	o->len = len;
	ra->opt_count = ra->n_opt;
	return o;
}

/* One line inside a router stanza. */
static int
stanza_line(const struct bl *b, struct base_router *br, char **wd, unsigned n)
{
	struct ds_ra *ra = br->content;
	struct ds_ra_opt *o;
	uint64_t v;
	int r;

	if (strcmp(wd[0], "mac") == 0 && n == 2) {
		size_t pos;

		if (ds_mac_parse(wd[1], strlen(wd[1]), &br->mac, &pos) < 0)
			return bl_error(b, "'%s': not a MAC", wd[1]);
		br->has_mac = true;
		return EXIT_OK;
	}
	if (strcmp(wd[0], "lifetime") == 0 && n == 2) {
		if ((r = parse_num(b, wd[1], 65535, &v)) != EXIT_OK)
			return r;
		ra->router_lifetime = (uint16_t)v;
		br->compare |= DS_RA_CHG_LIFETIME;
	} else if (strcmp(wd[0], "hop-limit") == 0 && n == 2) {
		if ((r = parse_num(b, wd[1], 255, &v)) != EXIT_OK)
			return r;
		ra->cur_hop_limit = (uint8_t)v;
		br->compare |= DS_RA_CHG_HOP_LIMIT;
	} else if (strcmp(wd[0], "flags") == 0 && n >= 2) {
		static const char letters[] = "MOHP";
		static const uint8_t bits[] = {0x80, 0x40, 0x20, 0x04};

		for (unsigned i = 1; i < n; i++) {
			const char *l = strchr(letters, wd[i][0]);

			if (strcmp(wd[i], "-") == 0)
				continue;
			if (!l || wd[i][1])
				return bl_error(b,
				    "'%s': flags are M, O, H, P or -", wd[i]);
			ra->flags_octet |= bits[l - letters];
		}
		br->compare |= DS_RA_CHG_FLAGS;
	} else if (strcmp(wd[0], "preference") == 0 && n == 2) {
		if ((r = parse_prf(b, wd[1], &ra->prf)) != EXIT_OK)
			return r;
		br->compare |= DS_RA_CHG_PRF;
	} else if (strcmp(wd[0], "mtu") == 0 && n == 2) {
		if ((r = parse_num(b, wd[1], UINT32_MAX, &v)) != EXIT_OK)
			return r;
		if (!(o = new_opt(ra, DS_RA_OPT_MTU, 1)))
			return bl_error(b, "%s: too many lines", "router");
		o->u.mtu = (uint32_t)v;
		br->compare |= DS_RA_CHG_MTU;
	} else if (strcmp(wd[0], "prefix") == 0 && n >= 2) {
		if (!(o = new_opt(ra, DS_RA_OPT_PIO, 4)))
			return bl_error(b, "%s: too many lines", "router");
		if ((r = parse_pfx(b, wd[1], &o->u.pio.prefix)) != EXIT_OK)
			return r;
		for (unsigned i = 2; i < n; i++) {
			if (strcmp(wd[i], "L") == 0)
				o->u.pio.flags |= 0x80;
			else if (strcmp(wd[i], "A") == 0)
				o->u.pio.flags |= 0x40;
			else if (strcmp(wd[i], "R") == 0)
				o->u.pio.flags |= 0x20;
			else
				return bl_error(
				    b, "'%s': prefix flags are L, A, R", wd[i]);
		}
		br->compare |= DS_RA_CHG_PREFIX_ADDED |
		    DS_RA_CHG_PREFIX_REMOVED | DS_RA_CHG_PIO_FLAGS;
	} else if (strcmp(wd[0], "route") == 0 && (n == 2 || n == 3)) {
		if (!(o = new_opt(ra, DS_RA_OPT_RIO, 3)))
			return bl_error(b, "%s: too many lines", "router");
		if ((r = parse_pfx(b, wd[1], &o->u.rio.prefix)) != EXIT_OK)
			return r;
		if (n == 3 &&
		    (r = parse_prf(b, wd[2], &o->u.rio.prf)) != EXIT_OK)
			return r;
		br->compare |= DS_RA_CHG_ROUTE;
	} else if (strcmp(wd[0], "rdnss") == 0 && n >= 2) {
		for (unsigned i = 1; i < n; i++) {
			if (ra->n_addr >= DS_RA_MAX_ADDR)
				return bl_error(
				    b, "%s: too many servers", "rdnss");
			if ((r = parse_v6(b, wd[i], &ra->addr[ra->n_addr])) !=
			    EXIT_OK)
				return r;
			ra->n_addr++;
		}
		br->compare |= DS_RA_CHG_RDNSS;
	} else if (strcmp(wd[0], "dnssl") == 0 && n >= 2) {
		if (!(o = new_opt(ra, DS_RA_OPT_DNSSL, 2)))
			return bl_error(b, "%s: too many lines", "router");
		o->u.dnssl.text_off = ra->text_len;
		for (unsigned i = 1; i < n; i++) {
			size_t l = strlen(wd[i]) + (i > 1);

			if (ra->text_len + l + 1 > sizeof(ra->text))
				return bl_error(b, "%s: too long", "dnssl");
			snprintf(ra->text + ra->text_len,
			    sizeof(ra->text) - ra->text_len, "%s%s",
			    i > 1 ? " " : "", wd[i]);
			ra->text_len = (uint16_t)(ra->text_len + l);
		}
		o->u.dnssl.text_len =
		    (uint16_t)(ra->text_len - o->u.dnssl.text_off);
		br->compare |= DS_RA_CHG_DNSSL;
	} else if (strcmp(wd[0], "pref64") == 0 && n == 2) {
		if (!(o = new_opt(ra, DS_RA_OPT_PREF64, 2)))
			return bl_error(b, "%s: too many lines", "router");
		if ((r = parse_pfx(b, wd[1], &o->u.pref64.prefix)) != EXIT_OK)
			return r;
		br->compare |= DS_RA_CHG_PREF64;
	} else {
		return bl_error(
		    b, "'%s': unknown line, or wrong number of values", wd[0]);
	}
	return EXIT_OK;
}

int
ra_add_prefix(struct ra_watch *w, const char *s, const char *where)
{
	size_t pos = 0;
	int r;

	if (w->n_prefix >= RA_MAX_PREFIX) {
		cli_error("%s: more than %d prefixes", where, RA_MAX_PREFIX);
		return EXIT_USAGE;
	}
	r = ds_prefix_parse(
	    s, strlen(s), DS_PARSE_V6_ONLY, &w->prefix[w->n_prefix], &pos);
	if (r < 0) {
		cli_parse_error(where, s, strlen(s), pos, r);
		return EXIT_USAGE;
	}
	w->n_prefix++;
	return EXIT_OK;
}

int
ra_baseline_load(struct ra_watch *w, const char *path)
{
	char line[RA_LINE_MAX], *wd[RA_WORDS_MAX];
	struct base_router *br = NULL;
	struct bl b = {path, 0};
	FILE *f = fopen(path, "r");
	int r = EXIT_OK;

	if (!f) {
		cli_error("%s: %s", path, strerror(errno));
		return EXIT_USAGE;
	}
	while (r == EXIT_OK && fgets(line, sizeof(line), f)) {
		bool indented = line[0] == ' ' || line[0] == '\t';
		char *hash = strchr(line, '#');
		unsigned n;

		b.line++;
		if (!strchr(line, '\n') && !feof(f)) {
			r = bl_error(&b, "line longer than %s octets", "1023");
			break;
		}
		if (hash)
			*hash = '\0';
		n = split(line, wd);
		if (n == 0)
			continue;
		if (strcmp(wd[0], "router") == 0 && n == 2) {
			size_t pos;

			if (w->n_base >= RA_MAX_BASE) {
				r = bl_error(&b, "more than %s routers", "64");
				break;
			}
			br = &w->base[w->n_base++];
			memset(br, 0, sizeof(*br));
			br->content = calloc(1, sizeof(*br->content));
			if (!br->content) {
				cli_error("out of memory");
				r = EXIT_INTERNAL;
				break;
			}
			if (ds_mac_parse(
			        wd[1], strlen(wd[1]), &br->mac, &pos) == 0) {
				br->has_mac = true;
			} else if ((r = parse_v6(&b, wd[1], &br->addr)) ==
			    EXIT_OK) {
				br->has_addr = true;
			}
			continue;
		}
		if (!indented && strcmp(wd[0], "prefix") == 0 && n == 2) {
			char where[64];

			br = NULL;
			snprintf(where, sizeof(where), "%s:%u: ", path, b.line);
			r = ra_add_prefix(w, wd[1], where);
			continue;
		}
		if (!br) {
			r = bl_error(&b, "'%s' outside a router stanza", wd[0]);
			break;
		}
		r = stanza_line(&b, br, wd, n);
	}
	if (r == EXIT_OK && ferror(f)) {
		cli_error("%s: read error", path);
		r = EXIT_USAGE;
	}
	fclose(f);
	return r;
}

void
ra_write_baseline(const struct ra_watch *w, FILE *f, const char *source)
{
	char when[64], buf[DS_PREFIX_STRLEN];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f,
	    "# dualstack ra baseline: routers whose RAs a host would accept,\n"
	    "# learned from %s at %s. One stanza per router; each line\n"
	    "# under it is compared with what the router sends (delete a\n"
	    "# line to stop comparing it). Top-level 'prefix P' lines allow\n"
	    "# a prefix from any router.\n",
	    source, when);
	for (unsigned i = 0; i < w->n_router; i++) {
		const struct router *rt = &w->router[i];
		const struct ds_ra *ra = rt->last;

		ds_addr_format(&rt->lla, 0, buf, sizeof(buf));
		fprintf(f, "\nrouter %s\n", buf);
		if (rt->has_mac) {
			ds_mac_format(&rt->mac, buf, sizeof(buf));
			fprintf(f, "\tmac %s\n", buf);
		}
		fprintf(f, "\tlifetime %u\n\thop-limit %u\n",
		    ra->router_lifetime, ra->cur_hop_limit);
		fprintf(f, "\tflags%s%s%s%s%s\n", ra->managed ? " M" : "",
		    ra->other ? " O" : "", ra->home_agent ? " H" : "",
		    ra->proxy ? " P" : "", ra->flags_octet & 0xe4 ? "" : " -");
		fprintf(f, "\tpreference %s\n",
		    ds_packet_prf_token(
		        ra->prf == DS_PKT_PRF_RESERVED ? 0 : ra->prf));
		for (unsigned k = 0; k < ra->n_opt; k++) {
			const struct ds_ra_opt *o = &ra->opt[k];

			if (o->bad)
				continue;
			switch (o->type) {
			case DS_RA_OPT_MTU:
				fprintf(f, "\tmtu %u\n", o->u.mtu);
				break;
			case DS_RA_OPT_PIO:
				ds_prefix_format(
				    &o->u.pio.prefix, 0, buf, sizeof(buf));
				fprintf(f, "\tprefix %s%s%s%s\n", buf,
				    o->u.pio.onlink ? " L" : "",
				    o->u.pio.autoconf ? " A" : "",
				    o->u.pio.router ? " R" : "");
				break;
			case DS_RA_OPT_RIO:
				ds_prefix_format(
				    &o->u.rio.prefix, 0, buf, sizeof(buf));
				fprintf(f, "\troute %s %s\n", buf,
				    ds_packet_prf_token(
				        o->u.rio.prf == DS_PKT_PRF_RESERVED
				            ? 0
				            : o->u.rio.prf));
				break;
			case DS_RA_OPT_RDNSS:
				fprintf(f, "\trdnss");
				for (unsigned s = 0; s < o->u.rdnss.n; s++) {
					ds_addr_format(
					    &ra->addr[o->u.rdnss.first + s], 0,
					    buf, sizeof(buf));
					fprintf(f, " %s", buf);
				}
				fprintf(f, "\n");
				break;
			case DS_RA_OPT_DNSSL:
				if (o->u.dnssl.text_len)
					fprintf(f, "\tdnssl %.*s\n",
					    (int)o->u.dnssl.text_len,
					    ra->text + o->u.dnssl.text_off);
				break;
			case DS_RA_OPT_PREF64:
				ds_prefix_format(
				    &o->u.pref64.prefix, 0, buf, sizeof(buf));
				fprintf(f, "\tpref64 %s\n", buf);
				break;
			default:
				break;
			}
		}
	}
}
