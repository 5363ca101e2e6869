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

#include "cli-json.h"

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

/*
 * The same for a client that blocks inside the library, with no loop of
 * its own to stop: from this call on, SIGINT and SIGTERM write the line
 * cli_interrupted() would, with the text *detail points to at that moment
 * (the caller moves it along as the command goes; NULL: no detail), and
 * end the process with 128 + the signal. The handler makes only
 * async-signal-safe calls and does not flush stdout: call this while
 * nothing is buffered, and print the report after the blocking part.
 */
void cli_interrupt_exits(const char *const volatile *detail);

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

/*
 * A duration for people, its unit chosen by its size, three significant
 * digits: "850us", "12.3ms", "1.50s", "120s". Every text output writes
 * durations with this; JSON writes them with json_kv_ms(). Needs at most
 * CLI_DURATION_STRLEN bytes.
 */
#define CLI_DURATION_STRLEN 32
void cli_duration_text(uint64_t us, char *buf, size_t size);
/* The same for a time counted in whole milliseconds, which has no
 * microseconds to show: "<1ms" for 0, else as cli_duration_text(). Returns
 * buf, for use as a printf argument. */
const char *cli_duration_ms_text(uint64_t ms, char *buf, size_t size);

/* Microseconds (the library's unit) to whole milliseconds for output,
 * rounded to the nearest; above 0 stays above 0. */
static inline uint64_t
cli_us_to_ms(uint64_t us)
{
	return us && us < 500 ? 1 : (us + 500) / 1000;
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

/*
 * One more --listen of a command that takes up to max of them: parsed
 * into where[*n] and counted. Returns EXIT_OK, or EXIT_USAGE after saying
 * what is wrong (with cmd's usage when there are too many).
 */
int cli_add_listen(const struct cli_command *cmd, const char *s,
    struct ds_endpoint *where, size_t *n, size_t max);

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
 * The output vocabulary of doc/dualstack.1 (OUTPUT CONVENTIONS), one place
 * for every command. A family is "IPv4" or "IPv6" in text and "ipv4" or
 * "ipv6" in JSON (key "family"); an IPv4 client that came in through an
 * IPv6 socket is IPv4, written "IPv4 (mapped)" where that is the point
 * and "mapped": true in JSON.
 */
const char *cli_family_word(int af);  /* "IPv4", "IPv6", "-" */
const char *cli_family_token(int af); /* "ipv4", "ipv6", "-" */
int cli_family_used_af(enum ds_family_used f);
/* "IPv4", "IPv4 (mapped)", "IPv6". */
const char *cli_family_used_text(enum ds_family_used f);
/* "family": "ipv4", and "mapped": true for an IPv4-mapped client. */
void cli_json_family(struct json *j, enum ds_family_used f);

/*
 * A connection as "tcp 192.0.2.1:5000 -> 192.0.2.2:80" or "tcp
 * [2001:db8::1]:5000 -> [2001:db8::2]:80", source first, zones by name.
 * Needs at most CLI_TUPLE_STRLEN bytes.
 */
#define CLI_TUPLE_STRLEN (2 * DS_ENDPOINT_STRLEN + 16)
void cli_tuple_text(const struct ds_endpoint *src,
    const struct ds_endpoint *dst, char *buf, size_t size);

/*
 * What a listening socket bound to ep in mode really accepts, as the
 * listener line says it: "IPv4", "IPv6", "IPv6 only, IPV6_V6ONLY=1",
 * "IPv6 and IPv4, IPV6_V6ONLY=0", "IPv4 (mapped), IPV6_V6ONLY=0"; and
 * the same as JSON members "family", "v6only" (IPv6 sockets) and
 * "accepts" (the families that can arrive).
 */
const char *cli_listener_text(
    const struct ds_endpoint *ep, enum ds_listen_mode mode);
void cli_json_listener(
    struct json *j, const struct ds_endpoint *ep, enum ds_listen_mode mode);

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

/* The directory that holds path, into buf (size >= 2, and no shorter than
 * path to hold all of it): "." when path names none, "/" for the root. */
void cli_dir_of(const char *path, char *buf, size_t size);

/*
 * The file named file in the user's cache directory,
 * $XDG_CACHE_HOME/dualstack/FILE, else $HOME/.cache/dualstack/FILE (a
 * relative $XDG_CACHE_HOME is ignored); the directory is created, mode
 * 0700. Returns 0, -ENOENT when there is no home, -ENAMETOOLONG, or
 * -errno from mkdir.
 */
int cli_cache_file(const char *file, char *buf, size_t size);

/*
 * Whether the directory of the history file path is safe to keep one in
 * (ds_he_cache_check_dir()): 0, or after "warning: cache directory DIR:
 * REASON; WHAT neither read nor written" on stderr, the negative error.
 */
int cli_cache_dir_ok(const char *path, const char *what);

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

/*
 * -q, --quiet and -v, --verbose, the same on every command: cli_getopt()
 * adds them to each command's table (so --help, the man pages and the
 * completion name them for every command) and reads them itself into
 * cli_verbosity, which the command consults after its option loop. The
 * last of them wins; each -v adds one ("-vv"). Quiet prints only what a
 * script needs (the result, errors); verbose adds detail.
 */
enum {
	CLI_QUIET = -1,
	CLI_NORMAL = 0,
	CLI_VERBOSE = 1,
};
extern int cli_verbosity;

static inline bool
cli_quiet(void)
{
	return cli_verbosity < CLI_NORMAL;
}

static inline bool
cli_verbose(void)
{
	return cli_verbosity >= CLI_VERBOSE;
}

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
