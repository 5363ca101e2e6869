/* SPDX-License-Identifier: MIT */
/*
 * The one endpoint grammar of the command line (DESIGN.md, dualstack(1)
 * ENDPOINTS): "HOST PORT", "HOST:PORT", "[V6]:PORT", "[V6%ZONE]:PORT",
 * ":PORT", service names where a command connects. Every command reads
 * its endpoints here, so that one form means the same everywhere and a
 * mistake gets the same answer everywhere: what is wrong, the column,
 * and the form that was probably meant.
 */
#include <errno.h>
#include <stdarg.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"

#include "cli.h"

/* Longest host name, RFC 1035 section 2.3.4: 253 characters in text. */
#define HOST_NAME_LEN 253

static bool
all_digits(const char *s, size_t len)
{
	return len > 0 && strspn(s, "0123456789") >= len;
}

/*
 * "dualstack connect: --to 'TEXT': column N: reason", then the text again
 * with a caret under the column, then the hint ("did you mean ...?") when
 * there is one. The first line is the shape cli_parse_error() gives every
 * other parse error.
 */
static void endpoint_error(const char *what, const char *s, size_t pos,
    const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
endpoint_error(const char *what, const char *s, size_t pos, const char *hint,
    const char *fmt, ...)
{
	size_t len = strlen(s), shown = len > 80 ? 80 : len;
	va_list ap;

	if (pos > len)
		pos = len;
	fflush(stdout);
	fprintf(stderr, "%s: %s'", cli_prog, what ? what : "");
	for (size_t i = 0; i < shown; i++)
		fputc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i],
		    stderr);
	fprintf(stderr, "%s': column %zu: ", shown < len ? "..." : "", pos + 1);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	/* The caret only where it lands under the text shown, and only
	 * for text without control characters (they were replaced). */
	if (pos <= shown) {
		fprintf(
		    stderr, "  %.*s\n  %*s^\n", (int)shown, s, (int)pos, "");
	}
	if (hint)
		fprintf(stderr, "  %s\n", hint);
}

/* --- Zones ---------------------------------------------------------------- */

bool
cli_addr_is_scoped(const struct ds_addr *a)
{
	const uint8_t *b = a->u.bytes;

	if (a->family != AF_INET6)
		return false;
	/* fe80::/10 link-local unicast (RFC 4291 section 2.5.6). */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return true;
	/* Multicast of interface-local (1) or link-local (2) scope, RFC
	 * 4291 section 2.7: the scope is the low nibble of byte 1. */
	return b[0] == 0xff && ((b[1] & 0x0f) == 1 || (b[1] & 0x0f) == 2);
}

void
cli_zone_ifaces(char *buf, size_t size)
{
	struct ifaddrs *ifa, *i;
	size_t used = 0;

	buf[0] = '\0';
	if (getifaddrs(&ifa) == -1)
		return;
	for (i = ifa; i; i = i->ifa_next) {
		const struct sockaddr_in6 *sin6;
		size_t n;
		bool seen = false;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET6)
			continue;
		sin6 = (const struct sockaddr_in6 *)(const void *)i->ifa_addr;
		if (!IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
			continue;
		/* An interface with two link-local addresses is named once. */
		for (struct ifaddrs *j = ifa; j != i; j = j->ifa_next) {
			const struct sockaddr_in6 *s6;

			if (!j->ifa_addr || j->ifa_addr->sa_family != AF_INET6)
				continue;
			s6 = (const struct sockaddr_in6 *)(const void *)
			         j->ifa_addr;
			if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr) &&
			    strcmp(j->ifa_name, i->ifa_name) == 0)
				seen = true;
		}
		n = strlen(i->ifa_name);
		if (seen || used + n + 3 > size)
			continue;
		if (used) {
			memcpy(buf + used, ", ", 2);
			used += 2;
		}
		memcpy(buf + used, i->ifa_name, n + 1);
		used += n;
	}
	freeifaddrs(ifa);
}

/* The zone's first interface, for the example in a message: "eth0". */
static void
first_iface(const char *list, char *buf, size_t size)
{
	size_t n = strcspn(list, ",");

	if (n == 0 || n >= size)
		snprintf(buf, size, "eth0");
	else
		snprintf(buf, size, "%.*s", (int)n, list);
}

int
cli_check_zone(const char *what, const char *s, size_t addr_start,
    size_t addr_len, const struct ds_addr *a)
{
	char list[512], ex[IF_NAMESIZE + 1], text[DS_ADDR_STRLEN], hint[1024];
	const char *pct = memchr(s + addr_start, '%', addr_len);
	size_t zpos = pct ? (size_t)(pct - s) : addr_start + addr_len;
	uint32_t idx;

	if (a->family != AF_INET6)
		return EXIT_OK;
	if (a->zone[0] && !cli_addr_is_scoped(a)) {
		struct ds_addr bare = *a;

		bare.zone[0] = '\0';
		bare.scope_id = 0;
		ds_addr_format(&bare, 0, text, sizeof(text));
		endpoint_error(what, s, zpos, NULL,
		    "%s is not link-local: a zone (%%%s) belongs only to a "
		    "scoped address such as fe80::/10; leave it out",
		    text, a->zone);
		return EXIT_USAGE;
	}
	if (!cli_addr_is_scoped(a))
		return EXIT_OK;
	if (a->zone[0] == '\0') {
		ds_addr_format(a, 0, text, sizeof(text));
		cli_zone_ifaces(list, sizeof(list));
		first_iface(list, ex, sizeof(ex));
		snprintf(hint, sizeof(hint),
		    "did you mean %.*s%%%s%s? (interfaces: %s)", (int)zpos, s,
		    ex, s + zpos,
		    list[0] ? list : "none has a link-local address");
		endpoint_error(what, s, zpos, hint,
		    "%s is %s: add the interface, as in %s%%%s", text,
		    a->u.bytes[0] == 0xff ? "scoped multicast" : "link-local",
		    text, ex);
		return EXIT_USAGE;
	}
	if (ds_addr_zone_index(a, &idx) < 0 ||
	    (a->scope_id && !if_indextoname(a->scope_id, ex))) {
		cli_zone_ifaces(list, sizeof(list));
		snprintf(hint, sizeof(hint), "(interfaces: %s)",
		    list[0] ? list : "none has a link-local address");
		endpoint_error(
		    what, s, zpos + 1, hint, "no interface '%s'", a->zone);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

void
cli_addr_text(const struct ds_addr *a, char *buf, size_t size)
{
	struct ds_addr c = *a;
	char name[IF_NAMESIZE];

	if (c.zone[0] && all_digits(c.zone, strlen(c.zone))) {
		uint32_t idx = c.scope_id ? c.scope_id
		                          : (uint32_t)strtoul(c.zone, NULL, 10);

		if (idx && if_indextoname(idx, name) &&
		    strlen(name) < sizeof(c.zone))
			strcpy(c.zone, name);
	}
	if (ds_addr_format(&c, 0, buf, size) < 0)
		snprintf(buf, size, "?");
}

void
cli_endpoint_text(const struct ds_endpoint *ep, char *buf, size_t size)
{
	char a[DS_ADDR_STRLEN];

	cli_addr_text(&ep->addr, a, sizeof(a));
	if (ep->addr.family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", a, ep->port);
	else
		snprintf(buf, size, "%s:%u", a, ep->port);
}

/* --- The output vocabulary (doc/dualstack.1, OUTPUT CONVENTIONS) ---------
 */

const char *
cli_family_word(int af)
{
	return af == AF_INET ? "IPv4" : af == AF_INET6 ? "IPv6" : "-";
}

const char *
cli_family_token(int af)
{
	return af == AF_INET ? "ipv4" : af == AF_INET6 ? "ipv6" : "-";
}

int
cli_family_used_af(enum ds_family_used f)
{
	switch (f) {
	case DS_FAMILY_V4:
	case DS_FAMILY_V4_MAPPED:
		return AF_INET;
	case DS_FAMILY_V6:
		return AF_INET6;
	}
	return 0;
}

const char *
cli_family_used_text(enum ds_family_used f)
{
	if (f == DS_FAMILY_V4_MAPPED)
		return "IPv4 (mapped)";
	return cli_family_word(cli_family_used_af(f));
}

void
cli_json_family(struct json *j, enum ds_family_used f)
{
	json_kv_string(j, "family", cli_family_token(cli_family_used_af(f)));
	if (f == DS_FAMILY_V4_MAPPED)
		json_kv_bool(j, "mapped", true);
}

void
cli_tuple_text(const struct ds_endpoint *src, const struct ds_endpoint *dst,
    char *buf, size_t size)
{
	char a[DS_ENDPOINT_STRLEN + IF_NAMESIZE];
	char b[DS_ENDPOINT_STRLEN + IF_NAMESIZE];

	cli_endpoint_text(src, a, sizeof(a));
	cli_endpoint_text(dst, b, sizeof(b));
	snprintf(buf, size, "tcp %s -> %s", a, b);
}

/* The listener kinds: what the socket takes, by family and IPV6_V6ONLY. */
enum listener_kind {
	LK_V4,        /* an AF_INET socket */
	LK_V6,        /* AF_INET6 on one IPv6 address: only IPv6 can come */
	LK_V6ONLY,    /* AF_INET6 on ::, IPV6_V6ONLY=1 */
	LK_DUAL,      /* AF_INET6 on ::, IPV6_V6ONLY=0: both families */
	LK_V4_MAPPED, /* AF_INET6 on ::ffff:a.b.c.d, IPV6_V6ONLY=0 */
};

/*
 * The socket lib/listen.c opens for ep in mode: dual mode clears
 * IPV6_V6ONLY on every IPv6 socket, the other modes set it. Only on the
 * any address does the flag decide which families arrive.
 */
static enum listener_kind
listener_kind(const struct ds_endpoint *ep, enum ds_listen_mode mode)
{
	static const uint8_t zero[16];
	struct ds_addr v4;

	if (ep->addr.family != AF_INET6)
		return LK_V4;
	if (ds_addr_unmap(&ep->addr, &v4))
		return LK_V4_MAPPED;
	if (memcmp(ep->addr.u.bytes, zero, sizeof(zero)) != 0)
		return LK_V6;
	return mode == DS_LISTEN_DUAL || mode == 0 ? LK_DUAL : LK_V6ONLY;
}

const char *
cli_listener_text(const struct ds_endpoint *ep, enum ds_listen_mode mode)
{
	switch (listener_kind(ep, mode)) {
	case LK_V4:
		return "IPv4";
	case LK_V6:
		return "IPv6";
	case LK_V6ONLY:
		return "IPv6 only, IPV6_V6ONLY=1";
	case LK_DUAL:
		return "IPv6 and IPv4, IPV6_V6ONLY=0";
	case LK_V4_MAPPED:
		return "IPv4 (mapped), IPV6_V6ONLY=0";
	}
	return "-";
}

void
cli_json_listener(
    struct json *j, const struct ds_endpoint *ep, enum ds_listen_mode mode)
{
	enum listener_kind k = listener_kind(ep, mode);

	json_kv_string(j, "family", cli_family_token(ep->addr.family));
	/* lib/listen.c clears IPV6_V6ONLY in dual mode (the default, 0) and
	 * sets it in every other. */
	if (ep->addr.family == AF_INET6)
		json_kv_bool(j, "v6only", mode != DS_LISTEN_DUAL && mode != 0);
	json_key(j, "accepts");
	json_begin_array(j);
	if (k == LK_V6 || k == LK_V6ONLY || k == LK_DUAL)
		json_string(j, "ipv6");
	if (k == LK_V4 || k == LK_DUAL || k == LK_V4_MAPPED)
		json_string(j, "ipv4");
	json_end(j);
}

/* --- Ports -----------------------------------------------------------------
 */

/*
 * A port: 1 to 65535 (0 too with CLI_EP_PORT_ZERO), or with
 * CLI_EP_SERVICE a TCP service name from services(5). Returns 0, -ERANGE
 * (a number out of range), -ENOENT (an unknown service) or -EINVAL.
 */
static int
parse_port(const char *s, size_t len, unsigned flags, uint16_t *ret)
{
	char name[64];
	struct servent *se;
	uint64_t v = 0;

	if (all_digits(s, len)) {
		for (size_t i = 0; i < len; i++) {
			v = v * 10 + (uint64_t)(s[i] - '0');
			if (v > 65535)
				return -ERANGE;
		}
		if (v == 0 && !(flags & CLI_EP_PORT_ZERO))
			return -ERANGE;
		*ret = (uint16_t)v;
		return 0;
	}
	if (!(flags & CLI_EP_SERVICE) || len == 0 || len >= sizeof(name))
		return -EINVAL;
	memcpy(name, s, len);
	name[len] = '\0';
	se = getservbyname(name, "tcp");
	if (!se)
		return -ENOENT;
	*ret = ntohs((uint16_t)se->s_port);
	return 0;
}

/* Say what is wrong with the port at s[pos..pos+len). */
static int
port_error(const char *what, const char *s, size_t pos, size_t len,
    unsigned flags, int err)
{
	if (len == 0)
		endpoint_error(what, s, pos, NULL, "no port after ':'");
	else if (err == -ERANGE)
		endpoint_error(what, s, pos, NULL, "port %.*s is not %s",
		    (int)len, s + pos,
		    flags & CLI_EP_PORT_ZERO ? "from 0 to 65535"
		                             : "from 1 to 65535");
	else if (err == -ENOENT)
		endpoint_error(what, s, pos, NULL,
		    "'%.*s' is no TCP service in /etc/services", (int)len,
		    s + pos);
	else
		endpoint_error(what, s, pos, NULL, "the port is %s, not '%.*s'",
		    flags & CLI_EP_SERVICE
		        ? "a number from 1 to 65535 or a service name"
		        : "a number from 1 to 65535",
		    (int)len, s + pos);
	return EXIT_USAGE;
}

/* --- Hosts -----------------------------------------------------------------
 */

/* Letters, digits, '-', '_' and dots: what a name on the command line may
 * hold (RFC 1123 section 2.1, with '_' for SRV-style labels). */
static size_t
name_span(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		        c == '.'))
			break;
	}
	return i;
}

static bool
looks_v4(const char *s, size_t len)
{
	return len > 0 && strspn(s, "0123456789.") >= len &&
	    memchr(s, '.', len) != NULL;
}

/*
 * The host s[start..start+len) (brackets already removed when bracketed):
 * an address literal into ret->ep.addr, or a name. Zones are checked.
 * Returns an exit code.
 */
static int
parse_host(const char *what, const char *s, size_t start, size_t len,
    bool bracketed, unsigned flags, struct cli_endpoint *ret)
{
	const char *h = s + start;
	size_t pos = 0, bad;
	int r;

	if (len > HOST_NAME_LEN) {
		endpoint_error(what, s, start, NULL,
		    "the host is longer than %d characters", HOST_NAME_LEN);
		return EXIT_USAGE;
	}
	if (bracketed || memchr(h, ':', len) || looks_v4(h, len) ||
	    memchr(h, '%', len)) {
		r = ds_addr_parse(h, len, bracketed ? DS_PARSE_V6_ONLY : 0,
		    &ret->ep.addr, &pos);
		if (r == -DS_E_FAMILY) {
			endpoint_error(what, s, start, NULL,
			    "brackets hold an IPv6 address; an IPv4 address "
			    "goes without them");
			return EXIT_USAGE;
		}
		if (r < 0) {
			endpoint_error(
			    what, s, start + pos, NULL, "%s", ds_strerror(r));
			return EXIT_USAGE;
		}
		if ((flags & CLI_EP_FAMILY_V4) &&
		    ret->ep.addr.family != AF_INET)
			return endpoint_error(what, s, start, NULL,
			           "not an IPv4 address (-4)"),
			       EXIT_USAGE;
		if ((flags & CLI_EP_FAMILY_V6) &&
		    ret->ep.addr.family != AF_INET6)
			return endpoint_error(what, s, start, NULL,
			           "not an IPv6 address (-6)"),
			       EXIT_USAGE;
		if ((flags & CLI_EP_NO_ZONE) &&
		    (ret->ep.addr.zone[0] ||
		        cli_addr_is_scoped(&ret->ep.addr))) {
			endpoint_error(what, s, start, NULL,
			    "a link-local or scoped address cannot be used "
			    "here (it takes no zone)");
			return EXIT_USAGE;
		}
		if (!(flags & CLI_EP_ZONE_ELSEWHERE) || ret->ep.addr.zone[0])
			r = cli_check_zone(what, s, start, len, &ret->ep.addr);
		if (r != EXIT_OK)
			return r;
		ret->is_addr = true;
		memcpy(ret->host, h, len);
		ret->host[len] = '\0';
		return EXIT_OK;
	}
	bad = name_span(h, len);
	if (bad < len || len == 0) {
		if (len)
			endpoint_error(what, s, start + bad, NULL,
			    "a host name has no '%c'", h[bad]);
		else
			endpoint_error(what, s, start, NULL, "no host");
		return EXIT_USAGE;
	}
	if (!(flags & CLI_EP_NAME)) {
		/* What followed the host (":9000"), for the hint. */
		const char *rest = h + len;
		char hint[HOST_NAME_LEN + 128];

		if (len == 9 && strncmp(h, "localhost", 9) == 0)
			snprintf(hint, sizeof(hint),
			    "did you mean [::1]%s or 127.0.0.1%s?", rest, rest);
		else
			snprintf(hint, sizeof(hint),
			    "give an address of this host, or [::]%s for all",
			    rest);
		endpoint_error(what, s, start, hint,
		    "'%.*s' is a host name; an address is needed here",
		    (int)len, h);
		return EXIT_USAGE;
	}
	memcpy(ret->host, h, len);
	ret->host[len] = '\0';
	return EXIT_OK;
}

/* --- The grammar ------------------------------------------------------------
 */

/*
 * A bare IPv6 address where a port was wanted: if the last group could be
 * a port and the rest is an address, the bracketed form is what was meant.
 */
static int
bare_v6(const char *what, const char *s, size_t len, unsigned flags,
    struct cli_endpoint *ret)
{
	const char *colon = memrchr(s, ':', len);
	size_t plen = (size_t)(colon - s), pos = 0;
	struct ds_addr a, whole;
	int werr = ds_addr_parse(s, len, 0, &whole, &pos);
	bool whole_ok = werr == 0;
	char hint[640];
	uint16_t port;

	if (whole_ok && (flags & CLI_EP_PORT_OPTIONAL)) {
		/*
		 * A complete address, as "--server 2001:db8::53" means --
		 * unless its last group reads as a port ("::1:5353"), when
		 * either reading is possible and guessing would send the
		 * user somewhere else: both forms are shown.
		 */
		if (ds_addr_parse(s, plen, 0, &a, NULL) == 0 &&
		    colon[-1] != ':' && all_digits(colon + 1, len - plen - 1) &&
		    len - plen - 1 >= 3) {
			snprintf(hint, sizeof(hint),
			    "did you mean [%.*s]:%s, or the address [%s]?",
			    (int)plen, s, colon + 1, s);
			endpoint_error(what, s, plen, hint,
			    "ambiguous: the last group could be a port");
			return EXIT_USAGE;
		}
		return parse_host(what, s, 0, len, false, flags, ret);
	}
	if (ds_addr_parse(s, plen, 0, &a, NULL) == 0 && a.family == AF_INET6 &&
	    parse_port(colon + 1, len - plen - 1, flags, &port) == 0) {
		snprintf(hint, sizeof(hint), "did you mean [%.*s]:%s?",
		    (int)plen, s, colon + 1);
		endpoint_error(what, s, plen, hint,
		    "an IPv6 address needs brackets before a port");
		return EXIT_USAGE;
	}
	if (whole_ok) {
		snprintf(hint, sizeof(hint), "did you mean [%s]:PORT%s?", s,
		    flags & CLI_EP_TWO_WORDS ? " or HOST PORT" : "");
		endpoint_error(what, s, len, hint, "no port");
		return EXIT_USAGE;
	}
	endpoint_error(what, s, pos, NULL, "%s", ds_strerror(werr));
	return EXIT_USAGE;
}

int
cli_parse_endpoint(const char *what, const char *s, unsigned flags,
    uint16_t default_port, struct cli_endpoint *ret)
{
	struct cli_endpoint ep;
	size_t len = strlen(s), hs, he, pstart;
	const char *colon;
	char hint[640];
	int r;

	memset(&ep, 0, sizeof(ep));
	ep.ep.port = default_port;
	if (len == 0) {
		endpoint_error(what, s, 0, NULL, "empty");
		return EXIT_USAGE;
	}
	if ((flags & CLI_EP_ANY) && all_digits(s, len)) {
		/* A bare port: ":PORT", the any address. */
		hs = he = pstart = 0;
		goto any;
	}
	if (all_digits(s, len)) {
		if (flags & CLI_EP_TWO_WORDS)
			snprintf(hint, sizeof(hint),
			    "did you mean HOST:%s or 'HOST %s'?", s, s);
		else
			snprintf(
			    hint, sizeof(hint), "did you mean HOST:%s?", s);
		endpoint_error(what, s, 0, hint, "a port alone; give the host");
		return EXIT_USAGE;
	}
	if (s[0] == '[') {
		const char *rb = memchr(s, ']', len);

		if (!rb) {
			endpoint_error(what, s, len, NULL, "no ']' after '['");
			return EXIT_USAGE;
		}
		hs = 1;
		he = (size_t)(rb - s);
		r = parse_host(what, s, hs, he - hs, true, flags, &ep);
		if (r != EXIT_OK)
			return r;
		if (he + 1 == len)
			goto noport;
		if (s[he + 1] != ':') {
			if (all_digits(s + he + 1, len - he - 1))
				snprintf(hint, sizeof(hint),
				    "did you mean %.*s:%s?", (int)(he + 1), s,
				    s + he + 1);
			endpoint_error(what, s, he + 1,
			    all_digits(s + he + 1, len - he - 1) ? hint : NULL,
			    "':' and the port go after ']'");
			return EXIT_USAGE;
		}
		pstart = he + 2;
		goto port;
	}
	colon = memchr(s, ':', len);
	if (colon && memchr(colon + 1, ':', len - (size_t)(colon - s) - 1)) {
		/* Two colons or more, no brackets: an IPv6 address. */
		if (s[0] == ':' && s[1] != ':' && (flags & CLI_EP_ANY))
			goto any_colon;
		r = bare_v6(what, s, len, flags, &ep);
		if (r != EXIT_OK)
			return r;
		ep.ep.port = default_port;
		*ret = ep;
		return EXIT_OK;
	}
	if (colon == s) {
	any_colon:
		if (!(flags & CLI_EP_ANY)) {
			endpoint_error(what, s, 0, NULL,
			    "no host before ':'; give one, as in "
			    "localhost%s",
			    s);
			return EXIT_USAGE;
		}
		hs = he = 0;
		pstart = 1;
	any:
		/* "::", so that a dual-stack listener takes both families
		 * (or 0.0.0.0 where the command wants IPv4 only). */
		ep.ep.addr.family =
		    flags & CLI_EP_FAMILY_V4 ? AF_INET : AF_INET6;
		ep.is_addr = true;
		ep.any = true;
		goto port;
	}
	he = colon ? (size_t)(colon - s) : len;
	/* "80:host": the parts the wrong way round. */
	if (colon && all_digits(s, he) &&
	    !all_digits(colon + 1, len - he - 1)) {
		snprintf(hint, sizeof(hint), "did you mean %s:%.*s?", colon + 1,
		    (int)he, s);
		endpoint_error(what, s, 0, hint,
		    "the host goes first, the port after ':'");
		return EXIT_USAGE;
	}
	r = parse_host(what, s, 0, he, false, flags, &ep);
	if (r != EXIT_OK)
		return r;
	if (!colon)
		goto noport;
	pstart = he + 1;
port:
	r = parse_port(s + pstart, len - pstart, flags, &ep.ep.port);
	if (r < 0)
		return port_error(what, s, pstart, len - pstart, flags, r);
	*ret = ep;
	return EXIT_OK;
noport:
	if (!(flags & CLI_EP_PORT_OPTIONAL)) {
		snprintf(hint, sizeof(hint), "did you mean %s:PORT%s%s%s?", s,
		    flags & CLI_EP_TWO_WORDS ? " or '" : "",
		    flags & CLI_EP_TWO_WORDS ? s : "",
		    flags & CLI_EP_TWO_WORDS ? " PORT'" : "");
		endpoint_error(what, s, len, hint, "no port");
		return EXIT_USAGE;
	}
	*ret = ep;
	return EXIT_OK;
}

int
cli_parse_endpoint_args(const char *what, int argc, char *const *argv,
    unsigned flags, uint16_t default_port, struct cli_endpoint *ret)
{
	struct cli_endpoint ep;
	size_t len;
	int r;

	if (argc == 1)
		return cli_parse_endpoint(
		    what, argv[0], flags | CLI_EP_TWO_WORDS, default_port, ret);
	/* HOST PORT: the host alone (brackets or not), then the port. */
	len = strlen(argv[0]);
	if (all_digits(argv[0], len) &&
	    parse_port(argv[1], strlen(argv[1]), flags, &ep.ep.port) < 0) {
		char hint[600];

		snprintf(hint, sizeof(hint), "did you mean '%s %s'?", argv[1],
		    argv[0]);
		endpoint_error(what, argv[0], 0, hint,
		    "the host goes first, then the port");
		return EXIT_USAGE;
	}
	memset(&ep, 0, sizeof(ep));
	if (len >= 2 && argv[0][0] == '[' && argv[0][len - 1] == ']') {
		r = parse_host(what, argv[0], 1, len - 2, true, flags, &ep);
	} else if (argv[0][0] == '[' || len == 0) {
		endpoint_error(what, argv[0], len, NULL,
		    len ? "no ']' after '['" : "no host");
		return EXIT_USAGE;
	} else {
		const char *c = memchr(argv[0], ':', len);

		if (c && !memchr(c + 1, ':', len - (size_t)(c - argv[0]) - 1)) {
			endpoint_error(what, argv[0], (size_t)(c - argv[0]),
			    NULL,
			    "a port here and another after it; give "
			    "HOST PORT or HOST:PORT");
			return EXIT_USAGE;
		}
		r = parse_host(what, argv[0], 0, len, false, flags, &ep);
	}
	if (r != EXIT_OK)
		return r;
	r = parse_port(argv[1], strlen(argv[1]), flags, &ep.ep.port);
	if (r < 0)
		return port_error(what, argv[1], 0, strlen(argv[1]), flags, r);
	*ret = ep;
	return EXIT_OK;
}

/* --- Endpoint options --------------------------------------------------- */

int
cli_parse_listen(const char *s, struct ds_endpoint *ret)
{
	struct cli_endpoint ep;

	if (cli_parse_endpoint("--listen ", s, CLI_EP_ANY | CLI_EP_PORT_ZERO, 0,
	        &ep) != EXIT_OK)
		return -EINVAL;
	*ret = ep.ep;
	return 0;
}

int
cli_add_listen(const struct cli_command *cmd, const char *s,
    struct ds_endpoint *where, size_t *n, size_t max)
{
	if (*n == max)
		return cli_usage_error(cmd, "at most %zu --listen", max);
	if (cli_parse_listen(s, &where[*n]) < 0)
		return EXIT_USAGE;
	(*n)++;
	return EXIT_OK;
}

/* --- DNS servers ---------------------------------------------------------- */

/* 0.0.0.0 or ::, which ":53" also gives: no server to ask. */
static bool
is_unspecified_addr(const struct ds_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->u.bytes, zero, sizeof(zero)) == 0;
}

int
cli_parse_dns_servers(const struct cli_command *cmd, const char *list,
    struct ds_endpoint *out, size_t max, size_t *ret_n)
{
	const char *p = list;
	size_t n = 0;

	if (*list == '\0')
		return cli_usage_error(cmd, "--server: empty");
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		struct ds_endpoint ep;
		struct cli_endpoint cep;
		char entry[DS_ENDPOINT_STRLEN + 8];

		if (len == 0)
			return cli_usage_error(
			    cmd, "--server: an empty entry in '%s'", list);
		/* A bare address, port 53 (RFC 1035 section 4.2), or an
		 * endpoint, in the grammar of every other endpoint. */
		if (len >= sizeof(entry))
			return cli_usage_error(
			    cmd, "--server: '%.*s': too long", (int)len, p);
		memcpy(entry, p, len);
		entry[len] = '\0';
		if (cli_parse_endpoint("--server: ", entry,
		        CLI_EP_PORT_OPTIONAL | CLI_EP_NO_ZONE, 53,
		        &cep) != EXIT_OK)
			return EXIT_USAGE;
		ep = cep.ep;
		if (cep.any || is_unspecified_addr(&ep.addr))
			return cli_usage_error(cmd,
			    "--server: '%.*s': no address to ask", (int)len, p);
		if (n == max)
			return cli_usage_error(
			    cmd, "--server: too many servers");
		out[n++] = ep;
		if (!comma) {
			*ret_n = n;
			return 0;
		}
		p = comma + 1;
	}
}

int
cli_dns_servers(
    const struct cli_command *cmd, const char *list, char *out, size_t size)
{
	struct ds_endpoint eps[CLI_DNS_SERVERS_MAX];
	size_t n = 0, used = 0;
	int code;

	code = cli_parse_dns_servers(cmd, list, eps, CLI_DNS_SERVERS_MAX, &n);
	if (code != 0)
		return code;
	for (size_t i = 0; i < n; i++) {
		char buf[DS_ENDPOINT_STRLEN];
		int len = ds_endpoint_format(&eps[i], 0, buf, sizeof(buf));

		if (len < 0 || used + (size_t)len + 2 > size)
			return cli_usage_error(
			    cmd, "--server: too many servers");
		if (used)
			out[used++] = ',';
		memcpy(out + used, buf, (size_t)len);
		used += (size_t)len;
		out[used] = '\0';
	}
	return 0;
}
