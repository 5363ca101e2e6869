/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_RESOLV_CONF_H
#define DUALSTACK_RESOLV_CONF_H

/*
 * ds_resolv_conf: this host's /etc/resolv.conf as glibc reads it, a host
 * fact as a value (see host.h). Its own header because the resolver
 * (resolve.h) and the host checks (host.h, which itself resolves names)
 * both read it: neither has to include the other to get it.
 * Pure: no I/O, no allocation, no global state; safe from any thread.
 */

#include <stdbool.h>
#include <stddef.h>

#include "dualstack/addr.h"
#include "dualstack/export.h"

/* --- resolv.conf options ---------------------------------------------------
 *
 * The "options" of resolv.conf(5) as glibc 2.36 reads them
 * (res_setoptions() in resolv/res_init.c): words separated by blanks,
 * each compared by its beginning ("rotatex" is "rotate"), numbers read by
 * atoi() ("timeout:2s" is 2, "timeout:" 0) and capped. The parser applies
 * the same rules, so what it finds is what glibc would do, and also
 * counts the words glibc would read differently from what they say (a
 * number that is not one, out of range, trailing text) or ignore
 * (unknown), so that a diagnostic can point at them.
 */

/* glibc's defaults and caps, <resolv.h>. */
#define DS_RESOLV_TIMEOUT_DEFAULT 5u  /* RES_TIMEOUT, seconds */
#define DS_RESOLV_TIMEOUT_MAX 30u     /* RES_MAXRETRANS */
#define DS_RESOLV_ATTEMPTS_DEFAULT 2u /* RES_DFLRETRY */
#define DS_RESOLV_ATTEMPTS_MAX 5u     /* RES_MAXRETRY */
#define DS_RESOLV_NDOTS_DEFAULT 1u
#define DS_RESOLV_NDOTS_MAX 15u /* RES_MAXNDOTS */

/* Which options were given: bits of ds_resolv_options.set. */
#define DS_RESOLV_OPT_NDOTS (1u << 0)
#define DS_RESOLV_OPT_TIMEOUT (1u << 1)
#define DS_RESOLV_OPT_ATTEMPTS (1u << 2)
#define DS_RESOLV_OPT_ROTATE (1u << 3)
#define DS_RESOLV_OPT_SINGLE_REQUEST (1u << 4)
#define DS_RESOLV_OPT_SINGLE_REQUEST_REOPEN (1u << 5)
#define DS_RESOLV_OPT_EDNS0 (1u << 6)    /* set, not acted on here */
#define DS_RESOLV_OPT_TRUST_AD (1u << 7) /* set, not acted on here */

struct ds_resolv_options {
	unsigned set; /* DS_RESOLV_OPT_* */
	/*
	 * The values glibc uses. timeout_s 0 ("timeout:0", "timeout:x")
	 * is what glibc stores; it then waits 1 s per try, and so does
	 * ds_resolve. attempts 0 makes glibc send nothing at all;
	 * ds_resolve tries once.
	 */
	unsigned ndots;     /* 0 to DS_RESOLV_NDOTS_MAX */
	unsigned timeout_s; /* 0 to DS_RESOLV_TIMEOUT_MAX */
	unsigned attempts;  /* 0 to DS_RESOLV_ATTEMPTS_MAX */
	bool rotate;
	bool single_request;
	bool single_request_reopen;
	/*
	 * Words glibc would ignore or read other than they are written;
	 * the first one's place: offset and length in the text given (for
	 * ds_resolv_conf_parse(), in the file, with its 1-based line).
	 */
	unsigned n_bad;
	size_t bad_pos;
	size_t bad_len;
	unsigned bad_line;
};

/* glibc's defaults: timeout 5, attempts 2, ndots 1, nothing set. */
DS_EXPORT void ds_resolv_options_init(struct ds_resolv_options *o);

/*
 * Apply the words of text (len bytes: what follows "options" on a line,
 * or $RES_OPTIONS) to *o, later words overriding earlier ones as in
 * glibc. Returns the number of bad words found in text (>= 0), or -EINVAL
 * when o or text is NULL. Pure: no allocation, no I/O.
 */
DS_EXPORT int ds_resolv_options_parse(
    struct ds_resolv_options *o, const char *text, size_t len);

/*
 * Apply every "options" line of a whole resolv.conf (len bytes) to *o, in
 * order, as glibc does: a line that starts with "options" and a blank;
 * lines with ';' or '#' in the first column are comments. Other lines
 * (nameserver, search, ...) are left to c-ares. Returns the number of bad
 * words (>= 0) or -EINVAL. Pure.
 */
DS_EXPORT int ds_resolv_conf_parse(
    struct ds_resolv_options *o, const char *text, size_t len);

/* glibc keeps the first three nameservers of resolv.conf (MAXNS,
 * <resolv.h>) and ignores the rest. */
#define DS_RESOLV_MAXNS 3u

/*
 * The servers of ds_resolv_conf_parse_all() below as endpoints, port 53
 * (RFC 1035 section 4.2): the "nameserver" lines of a whole resolv.conf
 * (len bytes) as glibc 2.36 reads them (res_vinit_1()): "nameserver",
 * blanks, an address (IPv6 may carry a zone, "fe80::1%eth0"), anything
 * after it ignored (a '\r' ends the address, for CRLF files); a line whose
 * address does not parse is skipped, and only the first DS_RESOLV_MAXNS that
 * parse count. Writes at most max into ret (may be NULL when max is 0) and
 * returns how many there are (at most DS_RESOLV_MAXNS), or -EINVAL. Pure.
 */
DS_EXPORT int ds_resolv_conf_nameservers(
    const char *text, size_t len, struct ds_endpoint *ret, size_t max);
/*
 * The whole of a resolv.conf as glibc reads it: the options above, and
 * the "nameserver" and "search"/"domain" lines (res_vinit_1()): a
 * keyword, then a blank; at most MAXNS (3, <resolv.h>) servers are used
 * and later ones ignored (counted in n_servers_ignored); the last
 * "search" or "domain" line gives the search list.
 */
#define DS_RESOLV_SERVERS_MAX DS_RESOLV_MAXNS
#define DS_RESOLV_SEARCH_MAX 32 /* more domains are counted, not kept */
struct ds_resolv_conf {
	struct ds_resolv_options opts;
	size_t n_servers;
	struct ds_addr servers[DS_RESOLV_SERVERS_MAX];
	unsigned server_line[DS_RESOLV_SERVERS_MAX]; /* 1-based */
	size_t n_servers_ignored; /* beyond MAXNS, or not an address */
	size_t n_search;          /* domains of the search list */
	unsigned search_line;     /* 1-based; 0 when none */
	unsigned options_line;    /* the last "options" line, 0 when none */
};

/*
 * Parse a whole resolv.conf text (len bytes) into *ret, options through
 * ds_resolv_conf_parse()'s rules. Returns the number of bad option words
 * (>= 0) or -EINVAL. Pure.
 */
DS_EXPORT int ds_resolv_conf_parse_all(
    const char *text, size_t len, struct ds_resolv_conf *ret);

#endif
