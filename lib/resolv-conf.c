/* SPDX-License-Identifier: MIT */
/*
 * resolv.conf "options" as glibc reads them. Pure: no I/O, no allocation.
 *
 * glibc 2.36, resolv/res_init.c, res_setoptions(): the words of an
 * options line (or $RES_OPTIONS) are separated by spaces and tabs; each
 * is compared by its beginning with strncmp(), so "rotatex" sets rotate
 * and "single-request-reopen" is tested before "single-request"; the
 * numbers of "ndots:", "timeout:" and "attempts:" are read with atoi()
 * and capped at RES_MAXNDOTS, RES_MAXRETRANS and RES_MAXRETRY. A word
 * that matches nothing is ignored. res_vinit_1() hands every line that
 * starts with "options" and a blank to it, in file order, and skips lines
 * with ';' or '#' in the first column.
 *
 * Where glibc keeps a negative number (atoi("-1")), the value here is 0:
 * glibc then behaves as with 0 (no dots needed, a 1 s wait, no try).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "dualstack/resolv-conf.h"

/* Options glibc knows but ds_resolve does not act on: valid words, not
 * bad ones (resolv.conf(5), glibc 2.36). */
static const char *const known_other[] = {
    "debug",
    "inet6",
    "insecure1",
    "insecure2",
    "no-aaaa",
    "no-check-names",
    "no-reload",
    "no-tld-query",
    "no_tld_query",
    "use-vc",
};

void
ds_resolv_options_init(struct ds_resolv_options *o)
{
	memset(o, 0, sizeof(*o));
	o->ndots = DS_RESOLV_NDOTS_DEFAULT;
	o->timeout_s = DS_RESOLV_TIMEOUT_DEFAULT;
	o->attempts = DS_RESOLV_ATTEMPTS_DEFAULT;
}

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Whether word (n bytes) begins with name. */
static bool
starts(const char *word, size_t n, const char *name)
{
	size_t k = strlen(name);

	return n >= k && memcmp(word, name, k) == 0;
}

/*
 * atoi() of s (n bytes), as glibc reads the number after "timeout:":
 * an optional sign, then digits up to the first other character. The
 * value is capped at max and floored at 0; *ret_exact says whether the
 * text was digits only, within range.
 */
static unsigned
number(const char *s, size_t n, unsigned max, bool *ret_exact)
{
	size_t i = 0, digits = 0;
	bool neg = false, sign = false;
	unsigned long long v = 0;

	if (i < n && (s[i] == '+' || s[i] == '-')) {
		sign = true;
		neg = s[i++] == '-';
	}
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
		if (v <= UINT_MAX)
			v = v * 10 + (unsigned)(s[i] - '0');
	*ret_exact = digits > 0 && i == n && !sign && v <= max;
	if (neg)
		return 0;
	return v > max ? max : (unsigned)v;
}

/* One word: apply it; returns whether it was a good one. */
static bool
word(struct ds_resolv_options *o, const char *w, size_t n)
{
	static const struct {
		const char *name;
		unsigned bit;
		unsigned max;
	} num[] = {
	    {"ndots:", DS_RESOLV_OPT_NDOTS, DS_RESOLV_NDOTS_MAX},
	    {"timeout:", DS_RESOLV_OPT_TIMEOUT, DS_RESOLV_TIMEOUT_MAX},
	    {"attempts:", DS_RESOLV_OPT_ATTEMPTS, DS_RESOLV_ATTEMPTS_MAX},
	};
	/* In glibc's order: "single-request-reopen" before its prefix. */
	static const struct {
		const char *name;
		unsigned bit;
	} flag[] = {
	    {"rotate", DS_RESOLV_OPT_ROTATE},
	    {"single-request-reopen", DS_RESOLV_OPT_SINGLE_REQUEST_REOPEN},
	    {"single-request", DS_RESOLV_OPT_SINGLE_REQUEST},
	    {"edns0", DS_RESOLV_OPT_EDNS0},
	    {"trust-ad", DS_RESOLV_OPT_TRUST_AD},
	};
	bool exact;

	for (size_t i = 0; i < sizeof(num) / sizeof(num[0]); i++) {
		size_t k = strlen(num[i].name);
		unsigned v;

		if (!starts(w, n, num[i].name))
			continue;
		v = number(w + k, n - k, num[i].max, &exact);
		o->set |= num[i].bit;
		if (num[i].bit == DS_RESOLV_OPT_NDOTS)
			o->ndots = v;
		else if (num[i].bit == DS_RESOLV_OPT_TIMEOUT)
			o->timeout_s = v;
		else
			o->attempts = v;
		return exact;
	}
	for (size_t i = 0; i < sizeof(flag) / sizeof(flag[0]); i++) {
		if (!starts(w, n, flag[i].name))
			continue;
		o->set |= flag[i].bit;
		if (flag[i].bit == DS_RESOLV_OPT_ROTATE)
			o->rotate = true;
		else if (flag[i].bit == DS_RESOLV_OPT_SINGLE_REQUEST)
			o->single_request = true;
		else if (flag[i].bit == DS_RESOLV_OPT_SINGLE_REQUEST_REOPEN)
			o->single_request_reopen = true;
		return n == strlen(flag[i].name);
	}
	for (size_t i = 0; i < sizeof(known_other) / sizeof(known_other[0]);
	     i++)
		if (n == strlen(known_other[i]) &&
		    memcmp(w, known_other[i], n) == 0)
			return true;
	return false;
}

/* The words of text; bad ones are counted, the first placed at base +
 * its offset on line. */
static unsigned
words(struct ds_resolv_options *o, const char *text, size_t len, size_t base,
    unsigned line)
{
	unsigned bad = 0;
	size_t i = 0;

	while (i < len) {
		size_t start;

		while (i < len && blank(text[i]))
			i++;
		start = i;
		/* A newline or NUL ends the text as it ends glibc's line. */
		while (i < len && !blank(text[i]) && text[i] != '\n' &&
		    text[i] != '\0')
			i++;
		if (i == start)
			break;
		if (!word(o, text + start, i - start)) {
			if (o->n_bad == 0) {
				o->bad_pos = base + start;
				o->bad_len = i - start;
				o->bad_line = line;
			}
			o->n_bad++;
			bad++;
		}
	}
	return bad;
}

int
ds_resolv_options_parse(
    struct ds_resolv_options *o, const char *text, size_t len)
{
	if (!o || (!text && len))
		return -EINVAL;
	return (int)words(o, text ? text : "", len, 0, 0);
}

/* Whether line l (n bytes) is keyword kw followed by a blank; glibc's
 * MATCH() in res_vinit_1(). */
static bool
keyword(const char *l, size_t n, const char *kw)
{
	size_t k = strlen(kw);

	return n > k && memcmp(l, kw, k) == 0 && blank(l[k]);
}

/* The words of text (len bytes) counted; a newline or NUL ends them. */
static size_t
count_words(const char *text, size_t len)
{
	size_t i = 0, n = 0;

	while (i < len) {
		while (i < len && blank(text[i]))
			i++;
		if (i == len || text[i] == '\0')
			break;
		n++;
		while (i < len && !blank(text[i]) && text[i] != '\0')
			i++;
	}
	return n;
}

/*
 * The one reader of a "nameserver" line (l, n bytes: what follows the
 * keyword), as glibc 2.36's res_vinit_1() reads it: blanks, then the
 * address up to the next blank or the end of the line, anything after it
 * ignored; IPv4 as inet_aton() of a dotted quad takes it, IPv6 as
 * inet_pton() with an optional zone after '%'. A '\r' ends the address
 * too, so that a file written with CRLF line ends still names its
 * servers (glibc keeps such an IPv6 line but drops an IPv4 one). A line
 * whose address does not parse is not a server: it does not take one of
 * the MAXNS places (glibc adds only parsed addresses to its list).
 */
static void
nameserver(struct ds_resolv_conf *c, const char *l, size_t n, unsigned line)
{
	struct ds_addr a;
	size_t i = 0, start;

	while (i < n && blank(l[i]))
		i++;
	start = i;
	while (i < n && !blank(l[i]) && l[i] != '\r' && l[i] != '\0')
		i++;
	if (c->n_servers == DS_RESOLV_SERVERS_MAX || i == start ||
	    ds_addr_parse(l + start, i - start, 0, &a, NULL) < 0) {
		c->n_servers_ignored++;
		return;
	}
	c->server_line[c->n_servers] = line;
	c->servers[c->n_servers++] = a;
}

/* Every line of text: options always, servers and search when c. */
static unsigned
lines(struct ds_resolv_options *o, struct ds_resolv_conf *c, const char *text,
    size_t len)
{
	static const char kw[] = "options";
	unsigned bad = 0, line = 0;
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *l = text + pos;
		size_t n = end - pos, k = sizeof(kw) - 1;

		line++;
		if (keyword(l, n, kw)) {
			bad += words(o, l + k, n - k, pos + k, line);
			if (c)
				c->options_line = line;
		} else if (c && keyword(l, n, "nameserver")) {
			nameserver(c, l + 10, n - 10, line);
		} else if (c && keyword(l, n, "search")) {
			c->n_search = count_words(l + 6, n - 6);
			c->search_line = line;
		} else if (c && keyword(l, n, "domain")) {
			/* "domain" is a search list of one (res_vinit_1()). */
			c->n_search = count_words(l + 6, n - 6) ? 1 : 0;
			c->search_line = line;
		}
		pos = end + 1;
	}
	return bad;
}

int
ds_resolv_conf_parse(struct ds_resolv_options *o, const char *text, size_t len)
{
	unsigned bad;

	if (!o || (!text && len))
		return -EINVAL;
	bad = lines(o, NULL, text ? text : "", len);
	return (int)(bad > INT_MAX ? INT_MAX : bad);
}

int
ds_resolv_conf_parse_all(
    const char *text, size_t len, struct ds_resolv_conf *ret)
{
	unsigned bad;

	if (!ret || (!text && len))
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	ds_resolv_options_init(&ret->opts);
	bad = lines(&ret->opts, ret, text ? text : "", len);
	return (int)(bad > INT_MAX ? INT_MAX : bad);
}

/* A view of ds_resolv_conf_parse_all()'s servers: one reader of the
 * nameserver lines, so "dns" and "doctor" name the same servers. */
int
ds_resolv_conf_nameservers(
    const char *text, size_t len, struct ds_endpoint *ret, size_t max)
{
	struct ds_resolv_conf c;
	int err;

	if (max && !ret)
		return -EINVAL;
	err = ds_resolv_conf_parse_all(text, len, &c);
	if (err < 0)
		return err;
	for (size_t i = 0; i < c.n_servers && i < max; i++) {
		/* RFC 1035 section 4.2: port 53. */
		ret[i] = (struct ds_endpoint){.addr = c.servers[i], .port = 53};
	}
	return (int)c.n_servers;
}
