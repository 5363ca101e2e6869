/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"
#include "dualstack/listen.h"
#include "dualstack/workers.h"

#include "cli.h"

const char *cli_prog = "dualstack";

void
cli_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Print text for a message: control characters as '?', so that hostile
 * input cannot move the terminal's cursor. */
static void
put_sanitised(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
	}
}

void
cli_parse_error(
    const char *prefix, const char *what, size_t len, size_t pos, int err)
{
	/* Long inputs are cut in the message; the column stays exact. */
	size_t shown = len > 80 ? 80 : len;

	fflush(stdout);
	fprintf(stderr, "%s: %s'", cli_prog, prefix ? prefix : "");
	put_sanitised(stderr, what, shown);
	fprintf(stderr, "%s': column %zu: %s\n", shown < len ? "..." : "",
	    pos + 1, ds_strerror(err));
}

void
cli_usage(FILE *f, const struct cli_command *cmd)
{
	const char *u = cmd->usage;
	bool first = true;

	while (*u) {
		const char *nl = strchr(u, '\n');
		size_t n = nl ? (size_t)(nl - u) : strlen(u);

		fprintf(f, "%s dualstack %s %.*s\n",
		    first ? "usage:" : "      ", cmd->name, (int)n, u);
		first = false;
		u += n + (nl ? 1 : 0);
	}
}

static void __attribute__((format(printf, 2, 0)))
vusage_error(const struct cli_command *cmd, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", cli_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	cli_usage(stderr, cmd);
	fprintf(stderr, "Try 'dualstack %s --help' for more.\n", cmd->name);
}

int
cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vusage_error(cmd, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

void
cli_out_flush(struct cli_out *o)
{
	size_t off = 0;

	while (off < o->len && !o->failed) {
		ssize_t n = write(STDOUT_FILENO, o->buf + off, o->len - off);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				o->epipe = true;
			else
				cli_error("error writing output: %s",
				    strerror(errno));
			o->failed = true;
			break;
		}
		off += (size_t)n;
	}
	o->len = 0;
}

int
cli_parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	/* strtoull would skip blanks and accept a sign: refuse both. */
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int
cli_parse_mode(
    const struct cli_command *cmd, const char *arg, enum ds_listen_mode *ret)
{
	if (ds_listen_mode_parse(arg, ret) < 0)
		return cli_usage_error(cmd,
		    "--mode is dual, separate, v6only or v4only, not '%s'",
		    arg);
	return EXIT_OK;
}

int
cli_parse_size(const char *s, uint64_t max, uint64_t *ret)
{
	unsigned long long v, mul = 1;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		mul = 1ull << 10;
		end++;
		break;
	case 'm':
	case 'M':
		mul = 1ull << 20;
		end++;
		break;
	case 'g':
	case 'G':
		mul = 1ull << 30;
		end++;
		break;
	}
	if (*end || v > max / mul)
		return -EINVAL;
	*ret = v * mul;
	return 0;
}

int
cli_parse_duration(
    const char *s, uint64_t plain_us, uint64_t max_us, uint64_t *ret_us)
{
	static const struct {
		const char *name;
		uint64_t us;
	} units[] = {
	    {"us", 1},
	    {"ms", 1000},
	    {"s", 1000000},
	    {"m", 60000000},
	};
	uint64_t ip = 0, frac = 0, scale = 1, unit = plain_us, us;
	const char *p = s;
	bool digits = false;

	/* Digits by hand: strtod() would take "1e2", "inf" and hex. */
	for (; *p >= '0' && *p <= '9'; p++, digits = true) {
		if (ip > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		ip = ip * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		/* Nine places are a nanosecond of a second: the rest
		 * cannot change a microsecond. */
		for (p++; *p >= '0' && *p <= '9'; p++, digits = true) {
			if (scale < 1000000000ull) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
		}
	}
	if (!digits)
		return -EINVAL;
	if (*p != '\0') {
		size_t i;

		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (strcmp(p, units[i].name) == 0)
				break;
		}
		if (i == sizeof(units) / sizeof(units[0]))
			return -EINVAL;
		unit = units[i].us;
	}
	if (ip > max_us / unit)
		return -EINVAL;
	/* frac < 10^9 and unit <= 6 * 10^7: the product fits. */
	us = ip * unit + (frac * unit + scale / 2) / scale;
	if (us > max_us)
		return -EINVAL;
	if (us == 0 && (ip || frac))
		us = 1;
	*ret_us = us;
	return 0;
}

int
cli_interrupted(int signo, uint64_t elapsed_us, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: interrupted by %s after %.3f s", cli_prog,
	    signo == SIGTERM ? "SIGTERM" : "SIGINT", (double)elapsed_us / 1e6);
	if (fmt) {
		fputs(": ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	fputc('\n', stderr);
	return EXIT_SIGNAL_BASE + signo;
}

int
cli_finish_stdout(int code)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* A closed pipe (head) is not our failure. */
		if (errno == EPIPE)
			return code;
		fprintf(stderr, "%s: error writing output: %s\n", cli_prog,
		    strerror(errno));
		return EXIT_INTERNAL;
	}
	return code;
}

/* --- Shared values ------------------------------------------------------- */

void
cli_time_now(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char date[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03ldZ", date, ts.tv_nsec / 1000000);
}

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

/* --- Listener failures ---------------------------------------------------- */

/* The address a family's socket tried, for messages: "[::]:9000". */
static void
tried_endpoint(
    const struct ds_endpoint *where, int family, char *buf, size_t size)
{
	struct ds_endpoint ep = *where;
	static const uint8_t zero[16];

	if (ep.addr.family == 0 ||
	    (memcmp(ep.addr.u.bytes, zero, sizeof(zero)) == 0 &&
	        ep.addr.family != family)) {
		memset(&ep.addr, 0, sizeof(ep.addr));
		ep.addr.family = family;
	}
	ds_endpoint_format(&ep, 0, buf, size);
}

/* Say what went wrong for one family; returns 1 if it failed, else 0. */
static int
report_family(const struct ds_listen_config *cfg, const char *name, int family,
    bool wanted, int err, const char *step, bool fatal)
{
	char ep[DS_ENDPOINT_STRLEN];

	if (!wanted || err == 0)
		return 0;
	tried_endpoint(&cfg->where, family, ep, sizeof(ep));
	if (step && strcmp(step, "mode") == 0)
		cli_error("%s: %s does not fit --mode %s", name, ep,
		    ds_listen_mode_name(
		        cfg->mode ? cfg->mode : DS_LISTEN_DUAL));
	else
		cli_error("%s: %s %s: %s%s%s", name, step ? step : "listen", ep,
		    ds_strerror(err),
		    err == -EADDRINUSE
		        ? " (another socket has it: 'ss -ltnp' names the "
		          "program)"
		        : "",
		    fatal ? "" : " (not serving this family)");
	return 1;
}

static bool
step_is(const char *step, const char *name)
{
	return step && strcmp(step, name) == 0;
}

int
cli_listen_failed(const struct ds_listen_config *cfg,
    const struct ds_listen_report *rep, int err, bool fatal)
{
	int failed = report_family(cfg, "IPv6", AF_INET6, rep->v6.wanted,
	                 rep->v6.err, rep->v6.step, fatal) +
	    report_family(cfg, "IPv4", AF_INET, rep->v4.wanted, rep->v4.err,
	        rep->v4.step, fatal);

	if (!fatal)
		return EXIT_OK;
	if (failed == 0) {
		char ep[DS_ENDPOINT_STRLEN];

		ds_endpoint_format(&cfg->where, 0, ep, sizeof(ep));
		cli_error("listen %s: %s", ep, strerror(err < 0 ? -err : EIO));
	}
	if (step_is(rep->v4.step, "mode") || step_is(rep->v6.step, "mode") ||
	    step_is(rep->v6.step, "zone"))
		return EXIT_USAGE;
	/* A port in use, no permission, no memory: the system said no,
	 * which is not the thing a server checks (DESIGN.md exit codes). */
	return EXIT_INTERNAL;
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

int
cli_parse_workers(const struct cli_command *cmd, const char *arg, unsigned *ret)
{
	uint64_t v;

	if (cli_parse_u64(arg, DS_WORKERS_MAX, &v) < 0 || v == 0)
		return cli_usage_error(cmd,
		    "--workers takes a number from 1 to %d, not '%s'",
		    DS_WORKERS_MAX, arg);
	*ret = (unsigned)v;
	return EXIT_OK;
}

/* --- Options ---------------------------------------------------------------
 */

size_t
cli_edit_distance(const char *a, const char *b)
{
	/* Levenshtein over two rows; names on a command line are short. */
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

	if (lb >= 64 || la >= 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins)
			                   : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
	}
	return prev[lb];
}

const char *
cli_suggest(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX, len = strlen(word);

	for (size_t i = 0; i < n; i++) {
		size_t d = cli_edit_distance(word, names[i]);

		/* A prefix of one name (an abbreviation) is that name. */
		if (len >= 2 && strncmp(names[i], word, len) == 0)
			d = 1;
		if (d < best_d) {
			best_d = d;
			best = names[i];
		}
	}
	/* Close enough to be the same word mistyped: a third of it. */
	return best && best_d <= 1 + len / 3 ? best : NULL;
}

/* Print a usage error for cmd and leave: option errors come before any
 * resource is taken, so there is nothing to release. */
static void __attribute__((noreturn, format(printf, 2, 3)))
option_error(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vusage_error(cmd, fmt, ap);
	va_end(ap);
	exit(EXIT_USAGE);
}

static void
check_long(const struct cli_command *cmd, const char *arg,
    const struct option *lopts, int argc, char **argv, int *i)
{
	const char *eq = strchr(arg + 2, '=');
	size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
	const char *names[128];
	char word[64];
	size_t n = 0;
	const char *hint;

	for (const struct option *o = lopts; o->name; o++) {
		if (strlen(o->name) == len &&
		    strncmp(o->name, arg + 2, len) == 0) {
			if (o->has_arg == no_argument && eq)
				option_error(
				    cmd, "--%s takes no value", o->name);
			if (o->has_arg == required_argument && !eq) {
				if (*i + 1 >= argc)
					option_error(
					    cmd, "--%s needs a value", o->name);
				(*i)++;
			}
			return;
		}
		if (n < sizeof(names) / sizeof(names[0]))
			names[n++] = o->name;
	}
	snprintf(word, sizeof(word), "%.*s", (int)len, arg + 2);
	hint = cli_suggest(word, names, n);
	if (hint && strncmp(hint, word, strlen(word)) == 0)
		option_error(cmd,
		    "unknown option --%s; did you mean --%s? (options are "
		    "never abbreviated)",
		    word, hint);
	if (hint)
		option_error(
		    cmd, "unknown option --%s; did you mean --%s?", word, hint);
	option_error(cmd, "unknown option --%s", word);
	(void)argv;
}

static void
check_short(const struct cli_command *cmd, const char *arg, const char *shorts,
    int argc, int *i)
{
	for (const char *p = arg + 1; *p; p++) {
		const char *s = *p == ':' ? NULL : strchr(shorts, *p);

		if (!s) {
			if (p == arg + 1 && p[1] == '\0')
				option_error(cmd, "unknown option -%c", *p);
			option_error(
			    cmd, "unknown option -%c in '%s'", *p, arg);
		}
		if (s[1] == ':') {
			if (p[1] != '\0')
				return; /* the rest is the value: -c1 */
			if (*i + 1 >= argc)
				option_error(cmd, "-%c needs a value", *p);
			(*i)++;
			return;
		}
	}
}

/* The options of the table the parser uses, one a line, for the shell
 * completion scripts (dualstack completion): they cannot drift. */
static void __attribute__((noreturn))
list_options(const char *shorts, const struct option *lopts)
{
	for (const struct option *o = lopts; o->name; o++)
		printf("--%s\n", o->name);
	for (const char *p = shorts + strspn(shorts, "+-:"); *p; p++)
		if (*p != ':')
			printf("-%c\n", *p);
	exit(cli_finish_stdout(EXIT_OK));
}

int
cli_getopt(const struct cli_command *cmd, int argc, char **argv,
    const char *shorts, const struct option *lopts)
{
	static char **scanned;

	/* The whole line once, before getopt_long() sees it, to refuse what
	 * it would accept or misreport: abbreviations, and in a bundle of
	 * short options the wrong word. */
	if (scanned != argv) {
		scanned = argv;
		if (argc == 2 && strcmp(argv[1], "--complete-options") == 0)
			list_options(shorts, lopts);
		for (int i = 1; i < argc; i++) {
			const char *a = argv[i];

			if (strcmp(a, "--") == 0)
				break;
			if (a[0] != '-' || a[1] == '\0')
				continue;
			if (a[1] == '-')
				check_long(cmd, a, lopts, argc, argv, &i);
			else
				check_short(cmd, a,
				    shorts + strspn(shorts, "+-:"), argc, &i);
		}
	}
	opterr = 0;
	return getopt_long(argc, argv, shorts, lopts, NULL);
}
