/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CLI_H
#define DUALSTACK_CLI_H

/*
 * What every subcommand shares: exit codes, diagnostics, the one JSON
 * writer (cli-json.c) and buffered output. The CLI is the only place that
 * prints.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dualstack/addr.h"
#include "dualstack/listen.h"

struct cli_out;
struct ds_endpoint;
struct ds_listen_config;
struct ds_listen_report;

/* Exit codes, as doc/dualstack.1 documents them. */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,   /* the thing checked failed or was invalid */
	EXIT_USAGE = 2,    /* usage or input error */
	EXIT_INTERNAL = 3, /* internal or system error */
	/* A client command stopped by a signal exits 128 + its number,
	 * as a shell reports a process the signal killed: 130 for SIGINT,
	 * 143 for SIGTERM. A server stopped by one exits EXIT_OK. */
	EXIT_SIGNAL_BASE = 128,
};

/*
 * A client command stopped by signo (SIGINT, SIGTERM) after elapsed_us,
 * once its report is out: one line on stderr, "dualstack load:
 * interrupted by SIGINT after 2.503 s: DETAIL" (DETAIL from fmt, which
 * may be NULL), and returns EXIT_SIGNAL_BASE + signo for main to return.
 */
int cli_interrupted(int signo, uint64_t elapsed_us, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
	const char *usage; /* one line per form, without "usage: " */
};

/* The subcommands, one per src/cmd-<name>.c. */
extern const struct cli_command cli_cmd_addr;
extern const struct cli_command cli_cmd_serve;
extern const struct cli_command cli_cmd_load;
extern const struct cli_command cli_cmd_dissect;
extern const struct cli_command cli_cmd_resolve;
extern const struct cli_command cli_cmd_connect;
extern const struct cli_command cli_cmd_reach;
extern const struct cli_command cli_cmd_proxy;
extern const struct cli_command cli_cmd_dns;
extern const struct cli_command cli_cmd_mcast;
extern const struct cli_command cli_cmd_firewall;
extern const struct cli_command cli_cmd_ra;
extern const struct cli_command cli_cmd_doctor;

/* The program name for messages: "dualstack addr". */
extern const char *cli_prog;

/* "dualstack addr: MESSAGE\n" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Report a parse error in 'what' (the input text, 'len' bytes) at offset
 * pos, as "dualstack addr: 'TEXT': column N: reason". prefix, when not
 * NULL, goes first ("line 12: ").
 */
void cli_parse_error(
    const char *prefix, const char *what, size_t len, size_t pos, int err);

/* Print the command's usage lines to f. */
void cli_usage(FILE *f, const struct cli_command *cmd);

/* Usage error: the usage to stderr, returns EXIT_USAGE. */
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * The streaming JSON writer (cli-json.c), the one every command uses. It
 * keeps commas and nesting right; the caller keeps keys and values
 * paired. String values are escaped (quotes, backslashes, control
 * characters, and octets above 0x7f as the Unicode escape of their
 * Latin-1 code point, so any input gives ASCII JSON). Keys are the program's
 * own names -- literals, library tokens -- and are written as they are: never
 * pass text from outside as a key (a debug build checks). Depth is bounded (CLI
 * output is shallow).
 */
#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;           /* the stream written to, or NULL ... */
	struct cli_out *o; /* ... when writing into this buffer */
	unsigned depth;
	bool first[JSON_MAX_DEPTH];    /* nothing written yet at this level */
	bool is_array[JSON_MAX_DEPTH]; /* this level closes with ']' */
	bool after_key;
	bool pretty;
};

void json_init(struct json *j, FILE *f, bool pretty);
/* The same writer into a struct cli_out, for output on the hot path: no
 * stdio call per value (dissect --json writes a million objects a
 * second). */
void json_init_out(struct json *j, struct cli_out *o, bool pretty);
void json_begin_object(struct json *j);
void json_begin_array(struct json *j);
void json_end(struct json *j); /* closes the innermost object or array */
void json_key_len(struct json *j, const char *key, size_t len);
void json_string_len(struct json *j, const char *s, size_t len);
void json_int(struct json *j, long long v);
void json_uint(struct json *j, unsigned long long v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* A number written as is, e.g. a 128-bit count in decimal. */
void json_raw(struct json *j, const char *text);
/* End of document: a newline. */
void json_finish(struct json *j);

/* key + value in one call. */
void json_kv_string_len(
    struct json *j, const char *key, size_t klen, const char *s, size_t len);
void json_kv_int(struct json *j, const char *key, long long v);
void json_kv_u64_len(struct json *j, const char *key, size_t klen, uint64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);
/* A duration given in microseconds, written as milliseconds with three
 * decimals: "elapsed_ms": 253.903. */
void json_kv_ms(struct json *j, const char *key, uint64_t us);

/* The forms with C strings. Inline, so that the length of a literal key
 * is known at compile time. */
static inline void
json_key(struct json *j, const char *key)
{
	json_key_len(j, key, strlen(key));
}

static inline void
json_string(struct json *j, const char *s)
{
	json_string_len(j, s, strlen(s));
}

static inline void
json_kv_string(struct json *j, const char *key, const char *s)
{
	json_kv_string_len(j, key, strlen(key), s, strlen(s));
}

static inline void
json_kv_u64(struct json *j, const char *key, uint64_t v)
{
	json_kv_u64_len(j, key, strlen(key), v);
}

/*
 * A decimal number from 0 to max: digits only, no sign, no blanks, no
 * suffix. Returns 0 or -EINVAL.
 */
int cli_parse_u64(const char *s, uint64_t max, uint64_t *ret);

/*
 * A --mode value (dual, separate, v6only, v4only) into *ret. Returns
 * EXIT_OK, or says what is wrong with cmd's usage and returns EXIT_USAGE.
 */
int cli_parse_mode(
    const struct cli_command *cmd, const char *arg, enum ds_listen_mode *ret);

/*
 * A size, "65536", "64K", "16M", "1G" (K, M, G: powers of 1024, either
 * case), from 0 to max. Returns 0 or -EINVAL.
 */
int cli_parse_size(const char *s, uint64_t max, uint64_t *ret);

/* Microseconds in a microsecond, millisecond, second, minute. */
#define CLI_US 1ull
#define CLI_MS 1000ull
#define CLI_S 1000000ull

/*
 * A duration: a decimal number ("250", "1.5"; no sign, no exponent) and
 * an optional unit, "us", "ms", "s" or "m" (minutes), into microseconds
 * in *ret_us. A plain number is in plain_us (CLI_MS, CLI_S), the unit the
 * option always took, so old command lines keep their meaning. Rounded
 * to the nearest microsecond; a value above 0 is at least 1 us. Returns
 * 0, or -EINVAL for text that is not a duration or one above max_us.
 */
int cli_parse_duration(
    const char *s, uint64_t plain_us, uint64_t max_us, uint64_t *ret_us);

/* Microseconds (the library's unit) to whole milliseconds for output,
 * rounded to the nearest; above 0 stays above 0. */
static inline uint64_t
cli_us_to_ms(uint64_t us)
{
	return us && us < 500 ? 1 : (us + 500) / 1000;
}

/*
 * Buffered standard output for commands that print a line per input
 * (filters, packet dissection): lines are copied into one buffer written
 * with write(2) when it fills, so a line costs a few memcpys and no system
 * call. Use one static instance per command (it is large); never mix with
 * stdio output without cli_out_flush() first.
 */
#define CLI_OUT_BUF (1u << 20)

struct cli_out {
	size_t len;
	bool failed; /* a write failed: stop producing */
	bool epipe;  /* ... because the reader went away */
	char buf[CLI_OUT_BUF];
};

/* Write out what is buffered; a write error is reported once, on stderr. */
void cli_out_flush(struct cli_out *o);

/* Room for n more bytes (n <= CLI_OUT_BUF); returns where they go. */
static inline char *
cli_out_reserve(struct cli_out *o, size_t n)
{
	if (o->len + n > CLI_OUT_BUF)
		cli_out_flush(o);
	return o->buf + o->len;
}

static inline void
cli_out_put(struct cli_out *o, const char *s, size_t n)
{
	memcpy(cli_out_reserve(o, n), s, n);
	o->len += n;
}

static inline void
cli_out_str(struct cli_out *o, const char *s)
{
	cli_out_put(o, s, strlen(s));
}

/*
 * v in decimal with at least 'width' digits (zero-padded, width <= 20)
 * into buf, not terminated; returns the length (at most 20). By hand and
 * straight into place, two digits per division, the length from the
 * highest bit set (the IntegerLog10 of "Bit Twiddling Hacks"): printf
 * would cost more than the rest of a line.
 */
static inline size_t
cli_fmt_u64(char *buf, uint64_t v, unsigned width)
{
	static const char pairs[] = "00010203040506070809"
	                            "10111213141516171819"
	                            "20212223242526272829"
	                            "30313233343536373839"
	                            "40414243444546474849"
	                            "50515253545556575859"
	                            "60616263646566676869"
	                            "70717273747576777879"
	                            "80818283848586878889"
	                            "90919293949596979899";
	static const uint64_t pow10[20] = {1u, 10u, 100u, 1000u, 10000u,
	    100000u, 1000000u, 10000000u, 100000000u, 1000000000u, 10000000000u,
	    100000000000u, 1000000000000u, 10000000000000u, 100000000000000u,
	    1000000000000000u, 10000000000000000u, 100000000000000000u,
	    1000000000000000000u, 10000000000000000000u};
	unsigned t = (unsigned)(64 - __builtin_clzll(v | 1)) * 1233 >> 12;
	size_t n = t + 1 - (v < pow10[t]) + (v == 0), i;

	if (n < width)
		n = width;
	i = n;
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);

		v /= 100;
		i -= 2;
		memcpy(buf + i, pairs + 2 * r, 2);
	}
	if (v >= 10) {
		i -= 2;
		memcpy(buf + i, pairs + 2 * v, 2);
	} else {
		buf[--i] = (char)('0' + v);
	}
	while (i > 0)
		buf[--i] = '0';
	return n;
}

static inline void
cli_out_u64_pad(struct cli_out *o, uint64_t v, unsigned width)
{
	char *p = cli_out_reserve(o, 20);

	o->len += cli_fmt_u64(p, v, width);
}

static inline void
cli_out_u64(struct cli_out *o, uint64_t v)
{
	cli_out_u64_pad(o, v, 1);
}

static inline void
cli_out_i64(struct cli_out *o, int64_t v)
{
	if (v < 0) {
		cli_out_put(o, "-", 1);
		cli_out_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		cli_out_u64(o, (uint64_t)v);
	}
}

/* The time now, RFC 3339 in UTC with milliseconds, for log lines:
 * "2026-11-22T10:00:00.123Z". 40 bytes always suffice. */
void cli_time_now(char *buf, size_t size);

/*
 * A --listen value as DESIGN.md writes endpoints ("[::]:9000",
 * "192.0.2.1:9000", ":9000"), or a bare port, which means ":PORT". Host
 * names are not taken: a server binds addresses, and resolving would hide
 * which. Returns 0, or prints what is wrong and returns a negative error.
 */
int cli_parse_listen(const char *s, struct ds_endpoint *ret);

/* --- Endpoints (cli-endpoint.c) ------------------------------------------- */

/*
 * The one endpoint grammar (dualstack(1), ENDPOINTS), for every command:
 *   HOST:PORT        192.0.2.1:80, example.com:80, example.com:http
 *   [V6]:PORT        [2001:db8::1]:80
 *   [V6%ZONE]:PORT   [fe80::1%eth0]:80 (the zone by name or index)
 *   :PORT, PORT      the any address (with CLI_EP_ANY)
 *   HOST PORT        two words (cli_parse_endpoint_args())
 * A bracketless IPv6 address is taken only where no port follows; with one
 * the error shows the bracketed form. A scoped address (link-local
 * fe80::/10, multicast of interface or link scope) needs its zone, and
 * the error names the interfaces that have a link-local address; a zone
 * on any other address is refused; a zone must name an interface that
 * exists. Errors say what is wrong, the column, a caret under it and the
 * form probably meant ("did you mean [2001:db8::1]:80?").
 */
enum {
	CLI_EP_NAME = 1u << 0,          /* host names (resolved later) */
	CLI_EP_SERVICE = 1u << 1,       /* service names as ports ("http") */
	CLI_EP_ANY = 1u << 2,           /* ":PORT" and a bare "PORT" */
	CLI_EP_PORT_OPTIONAL = 1u << 3, /* no port: default_port */
	CLI_EP_PORT_ZERO = 1u << 4,     /* port 0 (the kernel picks one) */
	CLI_EP_FAMILY_V4 = 1u << 5,     /* an address must be IPv4 (-4) */
	CLI_EP_FAMILY_V6 = 1u << 6,     /* an address must be IPv6 (-6) */
	CLI_EP_TWO_WORDS = 1u << 7,     /* HOST PORT was possible: say so */
	CLI_EP_NO_ZONE = 1u << 8,       /* no scoped address at all */
	/* A scoped address may come without its zone: the command takes
	 * the interface from an option and checks that one was given
	 * (mcast -i). A zone given is still checked. */
	CLI_EP_ZONE_ELSEWHERE = 1u << 9,
};

/* Longest host text kept: a 253-character name (RFC 1035 section 2.3.4). */
#define CLI_HOST_MAX 256

struct cli_endpoint {
	struct ds_endpoint ep; /* the port; the address when is_addr */
	bool is_addr;          /* an address literal (or the any address) */
	bool any;              /* ":PORT": the any address */
	/* The host as the resolver takes it: a name, or the address text
	 * without brackets (zone included); "" for the any address. */
	char host[CLI_HOST_MAX];
};

/*
 * Parse one endpoint word s, as 'what' names it in messages ("--to ", or
 * "" for an operand), with CLI_EP_* flags. Returns EXIT_OK and fills *ret,
 * or prints the error and returns EXIT_USAGE. Not thread-safe (it may
 * read /etc/services).
 */
int cli_parse_endpoint(const char *what, const char *s, unsigned flags,
    uint16_t default_port, struct cli_endpoint *ret);

/* The same for the operands of a command: one word (HOST:PORT) or two
 * (HOST PORT); argc is 1 or 2. */
int cli_parse_endpoint_args(const char *what, int argc, char *const *argv,
    unsigned flags, uint16_t default_port, struct cli_endpoint *ret);

/*
 * The zone rules for an address a parsed out of s (addr_len bytes from
 * offset addr_start, for the column): returns EXIT_OK, or prints what is wrong
 * and returns EXIT_USAGE. For addresses not read by cli_parse_endpoint()
 * (--bind, --advertise).
 */
int cli_check_zone(const char *what, const char *s, size_t addr_start,
    size_t addr_len, const struct ds_addr *a);

/* fe80::/10, or multicast of interface-local or link-local scope: an
 * address that means nothing without its interface. */
bool cli_addr_is_scoped(const struct ds_addr *a);

/* The interfaces with an IPv6 link-local address, "eth0, veth1", for
 * messages; "" when none. */
void cli_zone_ifaces(char *buf, size_t size);

/* An address or endpoint for people: a zone the kernel gave as a number
 * (getsockname, recvmsg) is printed as the interface's name. */
void cli_addr_text(const struct ds_addr *a, char *buf, size_t size);
void cli_endpoint_text(const struct ds_endpoint *ep, char *buf, size_t size);

/*
 * Say what went wrong when ds_listener_new() (or a module that opens
 * listeners the same way) was given cfg and filled rep. With fatal set
 * (err < 0), each family that failed gets a line ("IPv4: bind
 * 127.0.0.1:9000: Address already in use", "IPv6: 127.0.0.1:9000 does not
 * fit --mode v6only"), or one "listen ADDR: error" line when the report
 * names none, and the exit code is returned: EXIT_USAGE for an address
 * that does not fit the mode or an unknown zone, else EXIT_INTERNAL (a
 * port in use, no permission, no memory: system errors). Without fatal (the
 * listener is open), a family the host lacks gets a "(not serving this family)"
 * line and the result is EXIT_OK.
 */
int cli_listen_failed(const struct ds_listen_config *cfg,
    const struct ds_listen_report *rep, int err, bool fatal);

/* The most servers one --server takes: more than resolv.conf's three
 * (MAXNS) with room to spare. */
#define CLI_DNS_SERVERS_MAX 32

/*
 * A --server list, "ADDR[,ADDR...]", into out[0..*ret_n) (at most max),
 * the form ds_resolve_opts.server_list takes: each entry a bare address
 * (port 53, RFC 1035 section 4.2) -- "192.0.2.53", "2001:db8::53",
 * "[2001:db8::53]" -- or an endpoint -- "192.0.2.53:5353",
 * "[2001:db8::53]:5353". No zones, no port 0, no unspecified address.
 * Returns 0, or prints what is wrong (with cmd's usage) and returns
 * EXIT_USAGE.
 */
int cli_parse_dns_servers(const struct cli_command *cmd, const char *list,
    struct ds_endpoint *out, size_t max, size_t *ret_n);

/*
 * The same list, parsed by cli_parse_dns_servers(), as c-ares's CSV text
 * for ds_resolve_opts.servers: an explicit port on every entry, IPv6 in
 * brackets. For callers not yet moved to server_list. Returns 0, or
 * prints what is wrong and returns EXIT_USAGE.
 */
int cli_dns_servers(
    const struct cli_command *cmd, const char *list, char *out, size_t size);

/*
 * The file named file in the user's cache directory,
 * $XDG_CACHE_HOME/dualstack/FILE, else $HOME/.cache/dualstack/FILE (a
 * relative $XDG_CACHE_HOME is ignored); the directory is created, mode
 * 0700. Returns 0, -ENOENT when there is no home, -ENAMETOOLONG, or
 * -errno from mkdir.
 */
/* The directory that holds path, into buf (size >= 2, and no shorter than
 * path to hold all of it): "." when path names none, "/" for the root. */
void cli_dir_of(const char *path, char *buf, size_t size);

int cli_cache_file(const char *file, char *buf, size_t size);

/* The nameserver history's file name in that directory. */
#define CLI_NS_HISTORY_FILE "nameservers"
/* The Happy Eyeballs history, beside it. */
#define CLI_HE_HISTORY_FILE "happy-eyeballs"

struct ds_resolve_history;

/*
 * A new nameserver history, with the entries of the file at path (NULL:
 * none). Returns EXIT_OK; EXIT_FAILED when the file could not be read (a
 * warning is printed; the history is empty and must not be saved over
 * the file); EXIT_INTERNAL when there is no memory (*ret NULL).
 */
int cli_ns_history_open(const char *path, struct ds_resolve_history **ret);

/* Save h to path (nothing when either is NULL); a failure is a warning. */
void cli_ns_history_save(const struct ds_resolve_history *h, const char *path);

/* --- Options ----------------------------------------------------------------
 */

struct option;

/*
 * getopt_long() for a command, with the rules every command keeps: long
 * options match exactly, never as a prefix (getopt_long() would take
 * "--jso" for "--json"; an option added later would then make a script's
 * abbreviation ambiguous, and the man pages promise none); short options
 * bundle ("-tttt", "-c1", "-46v") and an error names the letter and the
 * word it was in; a mistyped option gets "did you mean --listen?". The
 * line is checked whole on the first call; an error is printed with
 * cmd's usage and the program exits with EXIT_USAGE (options are read
 * before anything is opened). Returns what getopt_long() returns.
 * "COMMAND --complete-options" alone lists the options, one a line, and
 * exits 0: the shell completion asks the parser's own table.
 */
int cli_getopt(const struct cli_command *cmd, int argc, char **argv,
    const char *shorts, const struct option *lopts);

/* Levenshtein distance of a and b (SIZE_MAX for words of 64 bytes or
 * more). */
size_t cli_edit_distance(const char *a, const char *b);

/* The one of names[0..n) that word is probably a typo or an
 * abbreviation of, or NULL when none is close. */
const char *cli_suggest(const char *word, const char *const *names, size_t n);

/*
 * Flush stdout and report a write error (a full disk, a closed pipe):
 * returns 'code' if all went out, EXIT_INTERNAL otherwise.
 */
int cli_finish_stdout(int code);

/*
 * -j, --workers N: a number of worker threads, 1 to DS_WORKERS_MAX.
 * Returns EXIT_OK, or says what is wrong in cmd's words and returns
 * EXIT_USAGE.
 */
int cli_parse_workers(
    const struct cli_command *cmd, const char *arg, unsigned *ret);

#endif
