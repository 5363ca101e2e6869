/* SPDX-License-Identifier: MIT */
/*
 * dualstack addr: the front end of the ds_addr module.
 *
 *   info sheets     dualstack addr [--json] ARG...
 *   filters         dualstack addr --canonical|--expand|--arpa [ARG...]
 *   operations      --eui64, --nat64, --split, --nth, --contains,
 *                   --aggregate, --eprt
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"

#include "cli.h"

static int cmd_addr(int argc, char **argv);

const struct cli_command cli_cmd_addr = {
    "addr",
    "parse, print, classify and compute on addresses and prefixes",
    cmd_addr,
    "[--json] ADDRESS|PREFIX|MAC|PTR-NAME...\n"
    "--canonical|--expand|--arpa [--json] [ARG...] (stdin if no ARG)\n"
    "--eui64 MAC [--prefix PREFIX]\n"
    "--nat64 [PREFIX] ADDRESS\n"
    "--split PREFIX NEWLEN [--limit N]\n"
    "--nth PREFIX N [NEWLEN]\n"
    "--contains PREFIX ADDRESS|PREFIX...\n"
    "--aggregate [PREFIX...] (stdin if none)\n"
    "--eprt ENDPOINT|EPRT-ARGUMENT|EPSV-REPLY",
};

static const char help_text[] =
    "\n"
    "With addresses, prefixes, MAC addresses or reverse DNS names, print an\n"
    "info sheet for each: canonical (RFC 5952) and expanded text, family,\n"
    "the IANA special-purpose blocks it falls in with their RFCs, scope,\n"
    "embedded IPv4 / Teredo / NAT64 / ULA / multicast parts, EUI-64 MAC,\n"
    "reverse name, and for prefixes the range and size.\n"
    "\n"
    "Filters read one value per line from standard input (or take ARGs)\n"
    "and write exactly one line per input line; an invalid line gives an\n"
    "empty line and an error on stderr naming its line number, and the\n"
    "exit status is then 1. A blank line stays blank. Addresses, prefixes\n"
    "and ip6.arpa/in-addr.arpa names are all accepted.\n"
    "  --canonical        RFC 5952 text\n"
    "  --expand           all 32 hex digits (IPv6)\n"
    "  --arpa             reverse DNS name (prefixes: their reverse zone)\n"
    "\n"
    "Operations:\n"
    "  --eui64 MAC        modified EUI-64 address (link-local, or in\n"
    "                     --prefix PREFIX, a /64 or shorter)\n"
    "  --nat64 [PREFIX] ADDRESS\n"
    "                     RFC 6052: IPv4 in, synthesised IPv6 out; IPv6 in,\n"
    "                     IPv4 out. PREFIX defaults to 64:ff9b::/96\n"
    "  --split PREFIX NEWLEN\n"
    "                     list the subnets of length NEWLEN; refuses more\n"
    "                     than --limit N (default 65536, 0: no limit)\n"
    "  --nth PREFIX N [NEWLEN]\n"
    "                     the N-th address (from 0), or the N-th subnet\n"
    "  --contains PREFIX X...\n"
    "                     for each X, 'yes' if PREFIX holds it; exit 1 if\n"
    "                     any does not. IPv4-mapped X is matched as IPv4, as\n"
    "                     an access check on a dual-stack socket must\n"
    "  --aggregate        collapse prefixes (ARGs or stdin) into the fewest\n"
    "                     covering both families\n"
    "  --eprt X           RFC 2428: an endpoint gives its EPRT command; an\n"
    "                     EPRT argument or an EPSV (229) reply is decoded\n"
    "\n"
    "  --json             JSON: one array for info sheets and operations,\n"
    "                     one object per non-blank line (NDJSON) for\n"
    "                     filters\n"
    "  -q, --quiet, -v, --verbose\n"
    "                     taken as by every command; addr prints its\n"
    "                     result alone either way\n"
    "  -h, --help         this help\n";

/* --- Output: one sheet, two shapes ---------------------------------------- */

/*
 * An info sheet is a list of keys and values, with nested sections. The
 * same calls write aligned text or JSON, so the two never drift apart.
 */
struct sheet {
	bool json;
	struct json j;
	unsigned level; /* text indentation */
};

/* JSON keys are snake_case; text labels are the same words. */
static void
make_label(char *label, size_t size, const char *key)
{
	size_t i;

	for (i = 0; key[i] && i < size - 1; i++)
		label[i] = key[i] == '_' ? ' ' : key[i];
	label[i] = '\0';
}

static void
text_key(struct sheet *s, const char *key)
{
	char label[32];

	make_label(label, sizeof(label), key);
	printf("%*s%-*s ", 2 * (int)s->level, "", 22 - 2 * ((int)s->level - 1),
	    label);
}

static void
sheet_str(struct sheet *s, const char *key, const char *val)
{
	if (s->json) {
		json_kv_string(&s->j, key, val);
		return;
	}
	text_key(s, key);
	printf("%s\n", val);
}

static void
sheet_uint(struct sheet *s, const char *key, unsigned long long v)
{
	if (s->json) {
		json_key(&s->j, key);
		json_uint(&s->j, v);
		return;
	}
	text_key(s, key);
	printf("%llu\n", v);
}

static void
sheet_bool(struct sheet *s, const char *key, bool v)
{
	if (s->json) {
		json_kv_bool(&s->j, key, v);
		return;
	}
	text_key(s, key);
	printf("%s\n", v ? "yes" : "no");
}

static void
sheet_begin(struct sheet *s, const char *key)
{
	if (s->json) {
		json_key(&s->j, key);
		json_begin_object(&s->j);
		return;
	}
	char label[32];

	make_label(label, sizeof(label), key);
	printf("%*s%s:\n", 2 * (int)s->level, "", label);
	s->level++;
}

static void
sheet_end(struct sheet *s)
{
	if (s->json)
		json_end(&s->j);
	else
		s->level--;
}

static void
sheet_addr(struct sheet *s, const char *key, const struct ds_addr *a)
{
	char buf[DS_ADDR_STRLEN];

	ds_addr_format(a, 0, buf, sizeof(buf));
	sheet_str(s, key, buf);
}

static void
sheet_prefix(struct sheet *s, const char *key, const struct ds_prefix *p)
{
	char buf[DS_PREFIX_STRLEN];

	ds_prefix_format(p, 0, buf, sizeof(buf));
	sheet_str(s, key, buf);
}

/* --- Info sheets ---------------------------------------------------------- */

static void
put_blocks(struct sheet *s, const struct ds_addr *a)
{
	const struct ds_addr_block *blocks[16];
	int n = ds_addr_classify(a, blocks, 16);

	if (n > 16)
		n = 16;
	/* The catch-all rows (::/0, 0.0.0.0/0) say nothing when a more
	 * specific block matched. */
	while (n > 1 && blocks[n - 1]->prefix.len == 0)
		n--;
	if (s->json) {
		json_key(&s->j, "blocks");
		json_begin_array(&s->j);
		for (int i = 0; i < n; i++) {
			const struct ds_addr_block *b = blocks[i];
			char pb[DS_PREFIX_STRLEN];

			ds_prefix_format(&b->prefix, 0, pb, sizeof(pb));
			json_begin_object(&s->j);
			json_kv_string(&s->j, "prefix", pb);
			json_kv_string(&s->j, "name", b->name);
			json_kv_string(&s->j, "rfc", b->rfc);
			json_kv_string(
			    &s->j, "kind", ds_addr_kind_name(b->kind));
			json_kv_bool(&s->j, "iana_registry",
			    b->attrs & DS_ATTR_REGISTRY);
			json_kv_bool(
			    &s->j, "source", b->attrs & DS_ATTR_SOURCE);
			json_kv_bool(&s->j, "destination",
			    b->attrs & DS_ATTR_DESTINATION);
			json_kv_bool(&s->j, "forwardable",
			    b->attrs & DS_ATTR_FORWARDABLE);
			json_kv_bool(&s->j, "globally_reachable",
			    b->attrs & DS_ATTR_GLOBAL);
			json_kv_bool(&s->j, "reserved_by_protocol",
			    b->attrs & DS_ATTR_RESERVED);
			json_kv_bool(
			    &s->j, "deprecated", b->attrs & DS_ATTR_DEPRECATED);
			json_end(&s->j);
		}
		json_end(&s->j);
		return;
	}
	for (int i = 0; i < n; i++) {
		const struct ds_addr_block *b = blocks[i];
		char pb[DS_PREFIX_STRLEN], line[256];

		ds_prefix_format(&b->prefix, 0, pb, sizeof(pb));
		snprintf(line, sizeof(line), "%s  %s (%s)%s", pb, b->name,
		    b->rfc,
		    b->attrs & DS_ATTR_DEPRECATED ? ", deprecated" : "");
		sheet_str(s, i == 0 ? "block" : "also_in", line);
	}
	if (n > 0 && (blocks[0]->attrs & DS_ATTR_REGISTRY)) {
		unsigned t = blocks[0]->attrs;
		char line[160];

		/* RFC 6890 section 2.2.2, as amended by RFC 8190. */
		snprintf(line, sizeof(line),
		    "source %s, destination %s, forwardable %s, "
		    "globally reachable %s, reserved-by-protocol %s",
		    t & DS_ATTR_SOURCE ? "yes" : "no",
		    t & DS_ATTR_DESTINATION ? "yes" : "no",
		    t & DS_ATTR_FORWARDABLE ? "yes" : "no",
		    t & DS_ATTR_GLOBAL ? "yes" : "no",
		    t & DS_ATTR_RESERVED ? "yes" : "no");
		sheet_str(s, "attributes", line);
	}
}

static const char *const embed_names[] = {
    [DS_EMBED_MAPPED] = "ipv4-mapped",
    [DS_EMBED_COMPATIBLE] = "ipv4-compatible",
    [DS_EMBED_TRANSLATED] = "ipv4-translated",
    [DS_EMBED_6TO4] = "6to4",
    [DS_EMBED_NAT64_WKP] = "nat64",
    [DS_EMBED_TEREDO] = "teredo-server",
};

static void
put_v6_parts(struct sheet *s, const struct ds_addr *a)
{
	struct ds_addr v4, sn;
	struct ds_teredo t;
	struct ds_ula u;
	struct ds_mcast m;
	struct ds_mac mac;
	int k;

	k = ds_addr_embedded_v4(a, &v4);
	if (k > 0 && k != DS_EMBED_TEREDO &&
	    (size_t)k < sizeof(embed_names) / sizeof(embed_names[0])) {
		sheet_begin(s, "embedded_ipv4");
		sheet_str(s, "form", embed_names[k]);
		sheet_addr(s, "address", &v4);
		sheet_end(s);
	}
	if (ds_teredo_decode(a, &t) == 0) {
		char fl[8];

		snprintf(fl, sizeof(fl), "0x%04x", t.flags);
		sheet_begin(s, "teredo");
		sheet_addr(s, "server", &t.server);
		sheet_addr(s, "client", &t.client);
		sheet_uint(s, "port", t.port);
		sheet_str(s, "flags", fl);
		sheet_bool(s, "cone", t.cone);
		sheet_end(s);
	}
	if (ds_ula_decode(a, &u) == 0) {
		char gid[16], sid[8];

		snprintf(gid, sizeof(gid), "%010llx",
		    (unsigned long long)u.global_id);
		snprintf(sid, sizeof(sid), "%04x", u.subnet_id);
		sheet_begin(s, "ula");
		sheet_bool(s, "locally_assigned", u.local);
		sheet_str(s, "global_id", gid);
		sheet_str(s, "subnet_id", sid);
		sheet_end(s);
	}
	if (ds_mcast_decode(a, &m) == 0) {
		static const char *const forms[] = {
		    [DS_MCAST_PLAIN] = "plain",
		    [DS_MCAST_PREFIX] = "unicast-prefix-based (RFC 3306)",
		    [DS_MCAST_EMBEDDED_RP] = "embedded-RP (RFC 3956)",
		    [DS_MCAST_SSM] = "source-specific (RFC 4607)",
		};
		char fl[32], sc[48];

		snprintf(fl, sizeof(fl), "%s%s%s%s", m.r ? "R" : "",
		    m.p ? "P" : "", m.t ? "T" : "",
		    !m.r && !m.p && !m.t ? "none (well-known)" : "");
		snprintf(
		    sc, sizeof(sc), "%s (%u)", ds_scope_name(m.scope), m.scope);
		sheet_begin(s, "multicast");
		sheet_str(s, "flags", fl);
		sheet_str(s, "scope", sc);
		sheet_str(s, "form", forms[m.form]);
		if (m.form == DS_MCAST_PREFIX || m.form == DS_MCAST_EMBEDDED_RP)
			sheet_prefix(s, "prefix", &m.prefix);
		if (m.form == DS_MCAST_EMBEDDED_RP)
			sheet_addr(s, "rendezvous_point", &m.rp);
		if (m.form != DS_MCAST_PLAIN) {
			char g[16];

			snprintf(g, sizeof(g), "0x%08x", m.group_id);
			sheet_str(s, "group_id", g);
		}
		sheet_end(s);
	} else if (ds_addr_solicited_node(a, &sn) == 0) {
		sheet_addr(s, "solicited_node", &sn);
	}
	if (ds_addr_to_mac(a, &mac) == 0) {
		char mb[DS_MAC_STRLEN];

		ds_mac_format(&mac, mb, sizeof(mb));
		sheet_str(s, "eui64_mac", mb);
	}
}

/* The address as one big integer, as ipaddress's int() gives it. */
static void
put_integer(struct sheet *s, const struct ds_addr *a)
{
	struct ds_u128 v = {0, 0};
	char buf[48];
	unsigned n = ds_addr_bits(a) / 8;

	for (unsigned i = 0; i < n; i++) {
		v.hi = v.hi << 8 | v.lo >> 56;
		v.lo = v.lo << 8 | a->u.bytes[i];
	}
	ds_u128_format(v, buf, sizeof(buf));
	/* As a string in JSON: IEEE doubles hold 53 bits. */
	sheet_str(s, "integer", buf);
}

static void
put_range(struct sheet *s, const struct ds_prefix *p)
{
	struct ds_prefix net = *p;
	struct ds_addr x;
	char buf[DS_ARPA_STRLEN];

	ds_prefix_normalize(&net);
	sheet_begin(s, "prefix");
	sheet_prefix(s, "network", &net);
	sheet_uint(s, "length", net.len);
	ds_prefix_mask(&net, &x);
	sheet_addr(s, "netmask", &x);
	if (net.addr.family == AF_INET) {
		ds_prefix_wildcard(&net, &x);
		sheet_addr(s, "wildcard", &x);
	}
	ds_prefix_first(&net, &x);
	sheet_addr(s, "first", &x);
	ds_prefix_last(&net, &x);
	sheet_addr(s, "last", &x);
	if (net.addr.family == AF_INET && net.len <= 30)
		sheet_addr(s, "broadcast", &x);
	ds_prefix_count_format(&net, buf, sizeof(buf));
	sheet_str(s, "addresses", buf);
	ds_prefix_to_arpa(&net, buf, sizeof(buf));
	sheet_str(s, "reverse_zone", buf);
	sheet_end(s);
}

static void
put_address_sheet(struct sheet *s, const struct ds_prefix *p, bool is_prefix)
{
	const struct ds_addr *a = &p->addr;
	const struct ds_addr_block *b = ds_addr_block(a);
	unsigned scope = ds_addr_scope(a);
	char buf[DS_ARPA_STRLEN];

	ds_addr_format(a, 0, buf, sizeof(buf));
	sheet_str(s, "canonical", buf);
	ds_addr_format(a, DS_FMT_EXPAND, buf, sizeof(buf));
	sheet_str(s, "expanded", buf);
	/* Words in text, tokens in JSON (dualstack(1), OUTPUT CONVENTIONS). */
	if (s->json)
		sheet_str(s, "family", a->family == AF_INET ? "ipv4" : "ipv6");
	else
		sheet_str(s, "family", a->family == AF_INET ? "IPv4" : "IPv6");
	if (a->zone[0])
		sheet_str(s, "zone", a->zone);
	if (b)
		sheet_str(s, "type", ds_addr_kind_name(b->kind));
	put_blocks(s, a);
	snprintf(buf, sizeof(buf), "%s (%u)", ds_scope_name(scope), scope);
	sheet_str(s, "scope", buf);
	sheet_bool(s, "globally_reachable", ds_addr_is_global(a));
	put_integer(s, a);
	ds_addr_to_arpa(a, buf, sizeof(buf));
	sheet_str(s, "reverse", buf);
	if (a->family == AF_INET6)
		put_v6_parts(s, a);
	if (is_prefix)
		put_range(s, p);
}

static void
put_mac_sheet(struct sheet *s, const struct ds_mac *m)
{
	struct ds_addr ll;
	char buf[DS_ADDR_STRLEN];

	ds_mac_format(m, buf, sizeof(buf));
	sheet_str(s, "mac", buf);
	ds_addr_from_mac(NULL, m, &ll);
	/* The interface ID is the second half of the link-local address. */
	snprintf(buf, sizeof(buf), "%02x%02x:%02x%02x:%02x%02x:%02x%02x",
	    ll.u.bytes[8], ll.u.bytes[9], ll.u.bytes[10], ll.u.bytes[11],
	    ll.u.bytes[12], ll.u.bytes[13], ll.u.bytes[14], ll.u.bytes[15]);
	sheet_str(s, "eui64_interface_id", buf);
	sheet_addr(s, "link_local", &ll);
	sheet_bool(s, "locally_administered", m->b[0] & 0x02);
	sheet_bool(s, "multicast", m->b[0] & 0x01);
}

static bool
has_arpa_suffix(const char *s, size_t len)
{
	if (len && s[len - 1] == '.')
		len--;
	return len >= 4 && strncasecmp(s + len - 4, "arpa", 4) == 0;
}

/*
 * One info sheet. Returns EXIT_OK, or EXIT_USAGE for input that is none of
 * the things we read, after reporting it.
 */
static int
info_one(struct sheet *s, const char *arg)
{
	size_t len = strlen(arg), pos = 0, mpos = 0;
	struct ds_prefix p;
	struct ds_mac m;
	int r, mr;

	if (s->json) {
		json_begin_object(&s->j);
		json_kv_string(&s->j, "input", arg);
	} else {
		printf("%s\n", arg);
		s->level = 1;
	}

	if (has_arpa_suffix(arg, len)) {
		r = ds_arpa_parse(arg, len, &p, &pos);
		if (r == 0) {
			bool host = p.len == ds_addr_bits(&p.addr);

			sheet_str(s, "input_type", "reverse-dns-name");
			put_address_sheet(s, &p, !host);
			goto done;
		}
		goto fail;
	}
	r = ds_prefix_parse(arg, len, 0, &p, &pos);
	if (r == 0) {
		bool is_prefix = memchr(arg, '/', len) != NULL;

		sheet_str(s, "input_type", is_prefix ? "prefix" : "address");
		put_address_sheet(s, &p, is_prefix);
		goto done;
	}
	mr = ds_mac_parse(arg, len, &m, &mpos);
	if (mr == 0) {
		sheet_str(s, "input_type", "mac");
		put_mac_sheet(s, &m);
		goto done;
	}
fail:
	if (s->json) {
		json_key(&s->j, "error");
		json_begin_object(&s->j);
		json_kv_int(&s->j, "column", (long long)pos + 1);
		json_kv_string(&s->j, "message", ds_strerror(r));
		json_end(&s->j);
		json_end(&s->j);
	} else {
		printf("  (invalid)\n\n");
	}
	cli_parse_error(NULL, arg, len, pos, r);
	return EXIT_USAGE;
done:
	if (s->json)
		json_end(&s->j);
	else
		putchar('\n');
	return EXIT_OK;
}

/* --- Filters: one line in, one line out -------------------------------- */

enum filter { F_CANONICAL = 1, F_EXPAND, F_ARPA };

/* Lines longer than this are not addresses (the longest valid input, a
 * full ip6.arpa name with a trailing dot, is 73 bytes) and are rejected
 * without being buffered. */
#define FILTER_MAX_LINE 1024

/* Input is read in blocks of this size (output goes through cli_out). */
#define FILTER_IN_BUF (1u << 18)

/* Of a line too long to be buffered, this much of its start is kept to be
 * quoted: the same cut as cli_parse_error() makes of any long input. */
#define FILTER_SHOW 80

/*
 * Convert one value to text for the filter. Returns the length, or a
 * negative parse error with *pos.
 */
static int
filter_value(enum filter f, const char *s, size_t len, char *out, size_t size,
    size_t *pos)
{
	struct ds_prefix p;
	bool prefix = false;
	int r;

	if (memchr(s, '/', len)) {
		r = ds_prefix_parse(s, len, 0, &p, pos);
		prefix = true;
	} else if (len &&
	    (s[len - 1] == 'a' || s[len - 1] == 'A' || s[len - 1] == '.') &&
	    has_arpa_suffix(s, len)) {
		r = ds_arpa_parse(s, len, &p, pos);
		prefix = r == 0 && p.len != ds_addr_bits(&p.addr);
	} else {
		r = ds_addr_parse(s, len, 0, &p.addr, pos);
		p.len = ds_addr_bits(&p.addr);
	}
	if (r < 0)
		return r;
	switch (f) {
	case F_ARPA:
		if (prefix)
			return ds_prefix_to_arpa(&p, out, size);
		return ds_addr_to_arpa(&p.addr, out, size);
	case F_EXPAND:
		if (prefix)
			return ds_prefix_format(&p, DS_FMT_EXPAND, out, size);
		return ds_addr_format(&p.addr, DS_FMT_EXPAND, out, size);
	case F_CANONICAL:
	default:
		if (prefix)
			return ds_prefix_format(&p, 0, out, size);
		return ds_addr_format(&p.addr, 0, out, size);
	}
}

static const char *const filter_keys[] = {
    [F_CANONICAL] = "canonical",
    [F_EXPAND] = "expanded",
    [F_ARPA] = "arpa",
};

/*
 * Handle one line (without its newline); returns false if invalid. For a
 * line too long to be buffered, s holds the first FILTER_SHOW bytes of it
 * and too_long is its length (0 for any other line).
 */
static bool
filter_line(enum filter f, bool json, struct cli_out *o, unsigned long lineno,
    const char *s, size_t len, size_t too_long)
{
	char out[DS_ARPA_STRLEN], prefix[40];
	size_t pos = 0;
	int n;

	/* Trim blanks and a CR (files from elsewhere end lines in CRLF). */
	while (!too_long && len &&
	    (s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	while (!too_long && len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	/* A blank line stays blank (the man page promises it), so that the
	 * output still pairs with the input line by line. */
	if (len == 0 && !too_long) {
		if (!json)
			cli_out_put(o, "\n", 1);
		return true;
	}
	n = too_long ? -DS_E_TOO_LONG
	             : filter_value(f, s, len, out, sizeof(out), &pos);
	if (n < 0) {
		snprintf(prefix, sizeof(prefix), "line %lu: ", lineno);
		cli_out_flush(o); /* keep stdout and stderr in order */
		/* Given the whole length, it quotes the start and "...". */
		cli_parse_error(prefix, s, too_long ? too_long : len, pos, n);
	}
	if (!json) {
		if (n > 0)
			cli_out_put(o, out, (size_t)n);
		cli_out_put(o, "\n", 1);
		return n >= 0;
	}

	/* NDJSON: one object per input line. */
	char jb[FILTER_MAX_LINE * 6 + 256];
	FILE *mf = fmemopen(jb, sizeof(jb), "w");
	struct json j;

	if (!mf)
		return n >= 0;
	json_init(&j, mf, false);
	json_begin_object(&j);
	json_key(&j, "line");
	json_uint(&j, lineno);
	json_key(&j, "input");
	json_string_len(&j, s, len);
	if (too_long)
		json_kv_bool(&j, "truncated", true);
	if (n >= 0) {
		json_kv_string(&j, filter_keys[f], out);
	} else {
		json_key(&j, "error");
		json_begin_object(&j);
		json_kv_int(&j, "column", (long long)pos + 1);
		json_kv_string(&j, "message", ds_strerror(n));
		json_end(&j);
	}
	json_end(&j);
	json_finish(&j);
	long used = ftell(mf);

	fclose(mf);
	/* ftell() counts what did not fit too; input is at most
	 * FILTER_MAX_LINE bytes, so this is only a guard. */
	if (used > 0 && (size_t)used < sizeof(jb))
		cli_out_put(o, jb, (size_t)used);
	return n >= 0;
}

static size_t
add_sat(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/*
 * The start of a line longer than FILTER_MAX_LINE (len bytes at s), for
 * its error message: FILTER_SHOW bytes into head, blanks before them left
 * out as on any other line. Returns the line's length from there on.
 */
static size_t
line_head(char head[static FILTER_SHOW], const char *s, size_t len)
{
	size_t from = 0;

	while (len - from > FILTER_SHOW && (s[from] == ' ' || s[from] == '\t'))
		from++;
	memcpy(head, s + from, FILTER_SHOW);
	return len - from;
}

/*
 * The stdin filter. Reads in large blocks and writes in large blocks: a
 * million lines must take well under a second, so there is no stdio and
 * no per-line allocation.
 */
static int
run_filter_stdin(enum filter f, bool json)
{
	static char in[FILTER_IN_BUF + FILTER_MAX_LINE];
	static struct cli_out o;
	char head[FILTER_SHOW];
	size_t have = 0, long_len = 0;
	unsigned long lineno = 0;
	bool ok = true, eof = false;

	while (!eof || have || long_len) {
		if (!eof) {
			ssize_t n =
			    read(STDIN_FILENO, in + have, sizeof(in) - have);

			if (n == -1) {
				if (errno == EINTR)
					continue;
				cli_error(
				    "error reading input: %s", strerror(errno));
				cli_out_flush(&o);
				return EXIT_INTERNAL;
			}
			if (n == 0)
				eof = true;
			have += (size_t)n;
		}

		size_t start = 0;

		for (;;) {
			char *nl = memchr(in + start, '\n', have - start);
			size_t end;

			if (!nl) {
				/* At the end, a last line without its newline
				 * is still a line, even one cut off above. */
				if (!eof || (start == have && !long_len))
					break;
				end = have; /* last line without newline */
			} else {
				end = (size_t)(nl - in);
			}
			lineno++;
			if (long_len)
				long_len = add_sat(long_len, end - start);
			else if (end - start > FILTER_MAX_LINE)
				long_len =
				    line_head(head, in + start, end - start);
			if (long_len) {
				if (!filter_line(f, json, &o, lineno, head,
				        sizeof(head), long_len))
					ok = false;
			} else if (!filter_line(f, json, &o, lineno, in + start,
			               end - start, 0)) {
				ok = false;
			}
			long_len = 0;
			start = nl ? end + 1 : have;
		}
		/* Keep the partial line; drop the front of one too long to be
		 * anything we accept, and remember to reject it at its end.
		 * Only its start is kept, for the message: whatever its
		 * length, a line costs no more than in[] and head[]. */
		have -= start;
		memmove(in, in + start, have);
		if (have > FILTER_MAX_LINE) {
			long_len = long_len ? add_sat(long_len, have)
			                    : line_head(head, in, have);
			have = 0;
		}
	}
	cli_out_flush(&o);
	if (o.failed)
		return EXIT_INTERNAL;
	return ok ? EXIT_OK : EXIT_FAILED;
}

static int
run_filter_args(enum filter f, bool json, int argc, char **argv)
{
	static struct cli_out o;
	bool ok = true;

	for (int i = 0; i < argc; i++) {
		size_t len = strlen(argv[i]);
		char head[FILTER_SHOW];
		bool good;

		/* As on standard input: no value is this long. */
		if (len > FILTER_MAX_LINE)
			good = filter_line(f, json, &o, (unsigned long)i + 1,
			    head, sizeof(head), line_head(head, argv[i], len));
		else
			good = filter_line(
			    f, json, &o, (unsigned long)i + 1, argv[i], len, 0);
		if (!good)
			ok = false;
	}
	cli_out_flush(&o);
	if (o.failed)
		return EXIT_INTERNAL;
	return ok ? EXIT_OK : EXIT_FAILED;
}

/* --- Operations ---------------------------------------------------------- */

/* Report a bad argument: "dualstack addr: prefix 'X': column N: ...". */
static bool
arg_ok(const char *what, const char *s, size_t pos, int r)
{
	char pre[64];

	if (r >= 0)
		return true;
	snprintf(pre, sizeof(pre), "%s ", what);
	cli_parse_error(pre, s, strlen(s), pos, r);
	return false;
}

static bool
parse_prefix_arg(
    const char *what, const char *s, unsigned flags, struct ds_prefix *ret)
{
	size_t pos = 0;
	int r = ds_prefix_parse(s, strlen(s), flags, ret, &pos);

	return arg_ok(what, s, pos, r);
}

static bool
parse_addr_arg(const char *what, const char *s, struct ds_addr *ret)
{
	size_t pos = 0;
	int r = ds_addr_parse(s, strlen(s), DS_PARSE_BRACKETS, ret, &pos);

	return arg_ok(what, s, pos, r);
}

/* A prefix length, "48" or "/48". */
static bool
parse_len_arg(const char *s, unsigned max, unsigned *ret)
{
	char *end;
	unsigned long v;

	if (*s == '/')
		s++;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > max || *s == '-' || *s == '+') {
		cli_error("'%s': prefix length must be 0-%u", s, max);
		return false;
	}
	*ret = (unsigned)v;
	return true;
}

static int
op_eui64(struct sheet *s, int argc, char **argv, const char *prefix_arg)
{
	struct ds_prefix pfx, *pp = NULL;
	struct ds_mac m;
	struct ds_addr a;
	size_t pos = 0;
	int r;

	if (argc != 1)
		return cli_usage_error(
		    &cli_cmd_addr, "--eui64 takes one MAC address");
	r = ds_mac_parse(argv[0], strlen(argv[0]), &m, &pos);
	if (r < 0) {
		cli_parse_error("MAC ", argv[0], strlen(argv[0]), pos, r);
		return EXIT_USAGE;
	}
	if (prefix_arg) {
		if (!parse_prefix_arg("prefix", prefix_arg, 0, &pfx))
			return EXIT_USAGE;
		pp = &pfx;
	}
	r = ds_addr_from_mac(pp, &m, &a);
	if (r < 0) {
		cli_error("'%s': the prefix must be IPv6 and /64 or shorter "
		          "(RFC 4291 section 2.5.1)",
		    prefix_arg);
		return EXIT_USAGE;
	}
	if (s->json) {
		char mb[DS_MAC_STRLEN];

		ds_mac_format(&m, mb, sizeof(mb));
		json_begin_object(&s->j);
		json_kv_string(&s->j, "mac", mb);
		sheet_addr(s, "address", &a);
		json_end(&s->j);
	} else {
		char buf[DS_ADDR_STRLEN];

		ds_addr_format(&a, 0, buf, sizeof(buf));
		printf("%s\n", buf);
	}
	return EXIT_OK;
}

static int
op_nat64(struct sheet *s, int argc, char **argv)
{
	struct ds_prefix pfx;
	struct ds_addr in, out;
	int r;

	if (argc < 1 || argc > 2)
		return cli_usage_error(
		    &cli_cmd_addr, "--nat64 takes [PREFIX] ADDRESS");
	if (argc == 2) {
		if (!parse_prefix_arg("prefix", argv[0], 0, &pfx))
			return EXIT_USAGE;
	} else {
		/* The well-known prefix, RFC 6052 section 2.1. */
		ds_prefix_parse("64:ff9b::/96", 12, 0, &pfx, NULL);
	}
	if (!parse_addr_arg("address", argv[argc - 1], &in))
		return EXIT_USAGE;
	if (in.family == AF_INET)
		r = ds_nat64_synthesize(&pfx, &in, &out);
	else
		r = ds_nat64_extract(&pfx, &in, &out);
	if (r < 0) {
		if (r == -EINVAL)
			cli_error("'%s' is not inside %s", argv[argc - 1],
			    argc == 2 ? argv[0] : "64:ff9b::/96");
		else
			cli_error("%s", ds_strerror(r));
		return EXIT_USAGE;
	}
	if (s->json) {
		json_begin_object(&s->j);
		sheet_prefix(s, "prefix", &pfx);
		sheet_addr(s, in.family == AF_INET ? "ipv4" : "ipv6", &in);
		sheet_addr(s, in.family == AF_INET ? "ipv6" : "ipv4", &out);
		json_end(&s->j);
	} else {
		char buf[DS_ADDR_STRLEN];

		ds_addr_format(&out, 0, buf, sizeof(buf));
		printf("%s\n", buf);
	}
	return EXIT_OK;
}

static int
op_split(struct sheet *s, int argc, char **argv, unsigned long long limit)
{
	struct ds_prefix p, sub;
	unsigned newlen;
	char buf[DS_PREFIX_STRLEN];

	if (argc != 2)
		return cli_usage_error(
		    &cli_cmd_addr, "--split takes PREFIX NEWLEN");
	if (!parse_prefix_arg("prefix", argv[0], 0, &p))
		return EXIT_USAGE;
	ds_prefix_normalize(&p);
	if (!parse_len_arg(argv[1], ds_addr_bits(&p.addr), &newlen))
		return EXIT_USAGE;
	if (newlen < p.len) {
		cli_error("new length /%u is shorter than the prefix's /%u",
		    newlen, p.len);
		return EXIT_USAGE;
	}
	/* Refuse rather than print a truncated list: a partial list that
	 * looks complete is worse than none. */
	unsigned bits = newlen - p.len;

	if (limit && (bits >= 64 || (1ull << bits) > limit)) {
		cli_error("%s into /%u gives 2^%u subnets, more than --limit "
		          "%llu; raise --limit (0: none) or use --nth",
		    argv[0], newlen, bits, limit);
		return EXIT_USAGE;
	}
	if (s->json)
		json_begin_array(&s->j);
	for (struct ds_u128 n = {0, 0};;) {
		if (ds_prefix_subnet(&p, newlen, n, &sub) < 0)
			break;
		ds_prefix_format(&sub, 0, buf, sizeof(buf));
		if (s->json)
			json_string(&s->j, buf);
		else
			printf("%s\n", buf);
		if (++n.lo == 0 && ++n.hi == 0)
			break;
	}
	if (s->json)
		json_end(&s->j);
	return EXIT_OK;
}

static int
op_nth(struct sheet *s, int argc, char **argv)
{
	struct ds_prefix p, sub;
	struct ds_u128 n;
	unsigned newlen = 0;
	char buf[DS_PREFIX_STRLEN];
	int r;

	if (argc < 2 || argc > 3)
		return cli_usage_error(
		    &cli_cmd_addr, "--nth takes PREFIX N [NEWLEN]");
	if (!parse_prefix_arg("prefix", argv[0], 0, &p))
		return EXIT_USAGE;
	ds_prefix_normalize(&p);
	if (ds_u128_parse(argv[1], strlen(argv[1]), &n) < 0) {
		cli_error("'%s': N must be a decimal number from 0", argv[1]);
		return EXIT_USAGE;
	}
	if (argc == 3) {
		if (!parse_len_arg(argv[2], ds_addr_bits(&p.addr), &newlen))
			return EXIT_USAGE;
		r = ds_prefix_subnet(&p, newlen, n, &sub);
		if (r == -EINVAL) {
			cli_error("new length /%u is shorter than the "
			          "prefix's /%u",
			    newlen, p.len);
			return EXIT_USAGE;
		}
		if (r == 0)
			ds_prefix_format(&sub, 0, buf, sizeof(buf));
	} else {
		r = ds_prefix_nth(&p, n, &sub.addr);
		if (r == 0)
			ds_addr_format(&sub.addr, 0, buf, sizeof(buf));
	}
	if (r == -ERANGE) {
		char cnt[48];

		if (argc == 3) {
			struct ds_prefix sp = {
			    .addr = {.family = p.addr.family},
			    .len = ds_addr_bits(&p.addr) - (newlen - p.len)};

			ds_prefix_count_format(&sp, cnt, sizeof(cnt));
		} else {
			ds_prefix_count_format(&p, cnt, sizeof(cnt));
		}
		cli_error("N=%s is past the end: %s has %s %s", argv[1],
		    argv[0], cnt, argc == 3 ? "such subnets" : "addresses");
		return EXIT_FAILED;
	}
	if (s->json) {
		json_begin_object(&s->j);
		json_kv_string(&s->j, argc == 3 ? "subnet" : "address", buf);
		json_end(&s->j);
	} else {
		printf("%s\n", buf);
	}
	return EXIT_OK;
}

static int
op_contains(struct sheet *s, int argc, char **argv)
{
	struct ds_prefix p, x;
	bool all = true;

	if (argc < 2)
		return cli_usage_error(&cli_cmd_addr,
		    "--contains takes PREFIX and one or more addresses");
	if (!parse_prefix_arg("prefix", argv[0], 0, &p))
		return EXIT_USAGE;
	if (s->json)
		json_begin_array(&s->j);
	for (int i = 1; i < argc; i++) {
		bool in;

		if (!parse_prefix_arg("address", argv[i], 0, &x)) {
			if (s->json)
				json_end(&s->j);
			return EXIT_USAGE;
		}
		/* An access check: IPv4-mapped is matched as IPv4. */
		if (x.len == 128 && ds_addr_unmap(&x.addr, &x.addr))
			x.len = 32;
		in = ds_prefix_contains_prefix(&p, &x);
		all = all && in;
		if (s->json) {
			json_begin_object(&s->j);
			json_kv_string(&s->j, "input", argv[i]);
			json_kv_bool(&s->j, "contained", in);
			json_end(&s->j);
		} else {
			printf("%s\t%s\n", in ? "yes" : "no", argv[i]);
		}
	}
	if (s->json)
		json_end(&s->j);
	return all ? EXIT_OK : EXIT_FAILED;
}

struct plist {
	struct ds_prefix *v;
	size_t n, cap;
};

static bool
plist_add(struct plist *l, const struct ds_prefix *p)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		struct ds_prefix *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return false;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *p;
	return true;
}

static int
op_aggregate(struct sheet *s, int argc, char **argv)
{
	struct plist l = {0};
	bool ok = true;
	int code = EXIT_OK;
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;

	if (argc > 0) {
		for (int i = 0; i < argc; i++) {
			struct ds_prefix p;

			if (!parse_prefix_arg("prefix", argv[i], 0, &p))
				ok = false;
			else if (!plist_add(&l, &p))
				goto nomem;
		}
	} else {
		ssize_t n;

		while ((n = getline(&line, &cap, stdin)) != -1) {
			struct ds_prefix p;
			size_t len = (size_t)n, pos = 0;
			char *t = line;
			int r;

			lineno++;
			while (len &&
			    (t[len - 1] == '\n' || t[len - 1] == '\r' ||
			        t[len - 1] == ' ' || t[len - 1] == '\t'))
				len--;
			while (len && (*t == ' ' || *t == '\t')) {
				t++;
				len--;
			}
			if (len == 0 || *t == '#')
				continue;
			r = ds_prefix_parse(t, len, 0, &p, &pos);
			if (r < 0) {
				char pre[40];

				snprintf(
				    pre, sizeof(pre), "line %lu: ", lineno);
				cli_parse_error(pre, t, len, pos, r);
				ok = false;
				continue;
			}
			if (!plist_add(&l, &p))
				goto nomem;
		}
		if (ferror(stdin)) {
			cli_error("error reading input: %s", strerror(errno));
			code = EXIT_INTERNAL;
		}
	}
	l.n = ds_prefix_collapse(l.v, l.n);
	if (s->json)
		json_begin_array(&s->j);
	for (size_t i = 0; i < l.n; i++) {
		char buf[DS_PREFIX_STRLEN];

		ds_prefix_format(&l.v[i], 0, buf, sizeof(buf));
		if (s->json)
			json_string(&s->j, buf);
		else
			printf("%s\n", buf);
	}
	if (s->json)
		json_end(&s->j);
	free(l.v);
	free(line);
	if (code == EXIT_OK && !ok)
		code = EXIT_FAILED;
	return code;
nomem:
	cli_error("out of memory");
	free(l.v);
	free(line);
	return EXIT_INTERNAL;
}

static int
op_eprt(struct sheet *s, int argc, char **argv)
{
	struct ds_endpoint ep;
	const char *a;
	size_t len, pos = 0;
	char buf[DS_ENDPOINT_STRLEN + 16];
	uint16_t port;
	int r;

	if (argc != 1)
		return cli_usage_error(&cli_cmd_addr,
		    "--eprt takes one endpoint, EPRT argument or EPSV reply");
	a = argv[0];
	len = strlen(a);

	/* An endpoint in our notation: make the EPRT command. */
	if (a[0] == '[' ||
	    (a[0] >= '0' && a[0] <= '9' && !strchr(a, '|') &&
	        strncmp(a, "229", 3) != 0)) {
		r = ds_endpoint_parse(a, len, DS_PARSE_NO_ZONE, &ep, &pos);
		if (r < 0)
			goto bad;
		ds_eprt_format(&ep, buf, sizeof(buf));
		if (s->json) {
			json_begin_object(&s->j);
			json_kv_string(&s->j, "eprt", buf);
			json_end(&s->j);
		} else {
			printf("%s\n", buf);
		}
		return EXIT_OK;
	}
	/* An EPSV reply: "229 ... (|||port|)". */
	if (strncmp(a, "229", 3) == 0 || strstr(a, "(")) {
		r = ds_epsv_parse(a, len, &port, &pos);
		if (r < 0)
			goto bad;
		if (s->json) {
			json_begin_object(&s->j);
			json_key(&s->j, "port");
			json_uint(&s->j, port);
			json_end(&s->j);
		} else {
			printf("%u\n", port);
		}
		return EXIT_OK;
	}
	r = ds_eprt_parse(a, len, &ep, &pos);
	if (r < 0)
		goto bad;
	ds_endpoint_format(&ep, 0, buf, sizeof(buf));
	if (s->json) {
		json_begin_object(&s->j);
		json_kv_string(&s->j, "endpoint", buf);
		sheet_addr(s, "address", &ep.addr);
		json_key(&s->j, "port");
		json_uint(&s->j, ep.port);
		json_end(&s->j);
	} else {
		printf("%s\n", buf);
	}
	return EXIT_OK;
bad:
	cli_parse_error(NULL, a, len, pos, r);
	return EXIT_USAGE;
}

/* --- Dispatch ------------------------------------------------------------ */

enum op {
	OP_INFO = 0,
	OP_FILTER,
	OP_EUI64,
	OP_NAT64,
	OP_SPLIT,
	OP_NTH,
	OP_CONTAINS,
	OP_AGGREGATE,
	OP_EPRT,
};

static int
cmd_addr(int argc, char **argv)
{
	enum {
		O_CANONICAL = 256,
		O_EXPAND,
		O_ARPA,
		O_EUI64,
		O_PREFIX,
		O_NAT64,
		O_SPLIT,
		O_NTH,
		O_CONTAINS,
		O_AGGREGATE,
		O_EPRT,
		O_JSON,
		O_LIMIT,
	};
	static const struct option opts[] = {
	    {"canonical", no_argument, NULL, O_CANONICAL},
	    {"expand", no_argument, NULL, O_EXPAND},
	    {"arpa", no_argument, NULL, O_ARPA},
	    {"eui64", no_argument, NULL, O_EUI64},
	    {"prefix", required_argument, NULL, O_PREFIX},
	    {"nat64", no_argument, NULL, O_NAT64},
	    {"split", no_argument, NULL, O_SPLIT},
	    {"limit", required_argument, NULL, O_LIMIT},
	    {"nth", no_argument, NULL, O_NTH},
	    {"contains", no_argument, NULL, O_CONTAINS},
	    {"aggregate", no_argument, NULL, O_AGGREGATE},
	    {"eprt", no_argument, NULL, O_EPRT},
	    {"json", no_argument, NULL, O_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	enum op op = OP_INFO;
	enum filter filter = 0;
	const char *prefix_arg = NULL;
	unsigned long long limit = 65536;
	bool json = false;
	struct sheet s = {0};
	int c, code = EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = cli_getopt(&cli_cmd_addr, argc, argv, "h", opts)) != -1) {
		enum op want = OP_INFO;

		switch (c) {
		case 'h':
			cli_usage(stdout, &cli_cmd_addr);
			fputs(help_text, stdout);
			return cli_finish_stdout(EXIT_OK);
		case O_CANONICAL:
		case O_EXPAND:
		case O_ARPA:
			want = OP_FILTER;
			filter = c == O_CANONICAL ? F_CANONICAL
			    : c == O_EXPAND       ? F_EXPAND
			                          : F_ARPA;
			break;
		case O_EUI64:
			want = OP_EUI64;
			break;
		case O_NAT64:
			want = OP_NAT64;
			break;
		case O_SPLIT:
			want = OP_SPLIT;
			break;
		case O_NTH:
			want = OP_NTH;
			break;
		case O_CONTAINS:
			want = OP_CONTAINS;
			break;
		case O_AGGREGATE:
			want = OP_AGGREGATE;
			break;
		case O_EPRT:
			want = OP_EPRT;
			break;
		case O_PREFIX:
			prefix_arg = optarg;
			break;
		case O_LIMIT: {
			char *end;

			errno = 0;
			limit = strtoull(optarg, &end, 10);
			if (!*optarg || *end || errno || *optarg == '-')
				return cli_usage_error(&cli_cmd_addr,
				    "--limit takes a number, not '%s'", optarg);
			break;
		}
		case O_JSON:
			json = true;
			break;
		default:
			return cli_usage_error(&cli_cmd_addr,
			    "unknown option '%s'", argv[optind - 1]);
		}
		if (want != OP_INFO) {
			if (op != OP_INFO && op != want)
				return cli_usage_error(&cli_cmd_addr,
				    "choose one operation at a time");
			op = want;
		}
	}
	argc -= optind;
	argv += optind;
	if (prefix_arg && op != OP_EUI64)
		return cli_usage_error(
		    &cli_cmd_addr, "--prefix goes with --eui64");

	if (op == OP_FILTER) {
		if (argc == 0)
			return run_filter_stdin(filter, json);
		return run_filter_args(filter, json, argc, argv);
	}

	s.json = json;
	if (json)
		json_init(&s.j, stdout, true);

	switch (op) {
	case OP_INFO:
		if (argc == 0)
			return cli_usage_error(&cli_cmd_addr,
			    "nothing to show: give an address, prefix, MAC "
			    "or reverse name");
		if (json)
			json_begin_array(&s.j);
		for (int i = 0; i < argc; i++)
			if (info_one(&s, argv[i]) != EXIT_OK)
				code = EXIT_USAGE;
		if (json)
			json_end(&s.j);
		break;
	case OP_EUI64:
		code = op_eui64(&s, argc, argv, prefix_arg);
		break;
	case OP_NAT64:
		code = op_nat64(&s, argc, argv);
		break;
	case OP_SPLIT:
		code = op_split(&s, argc, argv, limit);
		break;
	case OP_NTH:
		code = op_nth(&s, argc, argv);
		break;
	case OP_CONTAINS:
		code = op_contains(&s, argc, argv);
		break;
	case OP_AGGREGATE:
		code = op_aggregate(&s, argc, argv);
		break;
	case OP_EPRT:
		code = op_eprt(&s, argc, argv);
		break;
	case OP_FILTER:
		break;
	}
	if (json && code != EXIT_USAGE)
		json_finish(&s.j);
	else if (json && op == OP_INFO)
		json_finish(&s.j);
	return cli_finish_stdout(code);
}
