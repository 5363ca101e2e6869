/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dualstack/addr.h"
#include "dualstack/connect.h"
#include "dualstack/error.h"
#include "dualstack/listen.h"
#include "dualstack/resolve.h"
#include "dualstack/workers.h"

#include "cli.h"

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

void
cli_duration_text(uint64_t us, char *buf, size_t size)
{
	/*
	 * The thresholds are where the rounded value would need a fourth
	 * digit, so that 9999us is "10.0ms", not "10.00ms".
	 */
	if (us < 1000)
		snprintf(buf, size, "%lluus", (unsigned long long)us);
	else if (us < 9995)
		snprintf(buf, size, "%.2fms", (double)us / 1e3);
	else if (us < 99950)
		snprintf(buf, size, "%.1fms", (double)us / 1e3);
	else if (us < 999500)
		snprintf(buf, size, "%.0fms", (double)us / 1e3);
	else if (us < 9995000)
		snprintf(buf, size, "%.2fs", (double)us / 1e6);
	else if (us < 99950000)
		snprintf(buf, size, "%.1fs", (double)us / 1e6);
	else
		snprintf(buf, size, "%.0fs", (double)us / 1e6);
}

const char *
cli_duration_ms_text(uint64_t ms, char *buf, size_t size)
{
	if (ms == 0)
		snprintf(buf, size, "<1ms");
	else
		cli_duration_text(ms * CLI_MS, buf, size);
	return buf;
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

static const char *const volatile *interrupt_detail;
static uint64_t interrupt_start_us;

static uint64_t
monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
put_raw(char *buf, size_t *len, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n > size - *len)
		n = size - *len;
	memcpy(buf + *len, s, n);
	*len += n;
}

/* The line of cli_interrupted(), built by hand: printf is not
 * async-signal-safe (signal-safety(7)). */
static void
on_interrupt_exit(int signo)
{
	char line[512], num[20];
	const char *detail = interrupt_detail ? *interrupt_detail : NULL;
	uint64_t us = monotonic_us() - interrupt_start_us;
	size_t len = 0;

	put_raw(line, &len, sizeof(line) - 1, cli_prog);
	put_raw(line, &len, sizeof(line) - 1,
	    signo == SIGTERM ? ": interrupted by SIGTERM after "
	                     : ": interrupted by SIGINT after ");
	num[cli_fmt_u64(num, us / 1000000u, 1)] = '\0';
	put_raw(line, &len, sizeof(line) - 1, num);
	put_raw(line, &len, sizeof(line) - 1, ".");
	num[cli_fmt_u64(num, us / 1000u % 1000u, 3)] = '\0';
	put_raw(line, &len, sizeof(line) - 1, num);
	put_raw(line, &len, sizeof(line) - 1, " s");
	if (detail) {
		put_raw(line, &len, sizeof(line) - 1, ": ");
		put_raw(line, &len, sizeof(line) - 1, detail);
	}
	line[len++] = '\n';
	(void)!write(STDERR_FILENO, line, len);
	_exit(EXIT_SIGNAL_BASE + signo);
}

void
cli_interrupt_exits(const char *const volatile *detail)
{
	struct sigaction sa = {0};

	interrupt_detail = detail;
	interrupt_start_us = monotonic_us();
	sa.sa_handler = on_interrupt_exit;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
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

int cli_verbosity = CLI_NORMAL;

/* The most long options a command's table holds, with room for the two
 * every command shares. */
#define CLI_LOPTS_MAX 96

/* The command's options and the shared -q/-v: the table getopt_long(),
 * the checks and the completion all read. */
static void
add_shared(const char *shorts, const struct option *lopts, char *ret_shorts,
    size_t shorts_size, struct option *ret_lopts)
{
	static const struct option shared[] = {
	    {"quiet", no_argument, NULL, 'q'},
	    {"verbose", no_argument, NULL, 'v'},
	};
	size_t n = 0;

	for (const struct option *o = lopts; o->name; o++)
		if (n < CLI_LOPTS_MAX)
			ret_lopts[n++] = *o;
	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		ret_lopts[n++] = shared[i];
	ret_lopts[n] = (struct option){NULL, 0, NULL, 0};
	snprintf(ret_shorts, shorts_size, "%sqv", shorts);
}

int
cli_getopt(const struct cli_command *cmd, int argc, char **argv,
    const char *shorts, const struct option *lopts)
{
	static char **scanned;
	static const char *from_shorts;
	static const struct option *from_lopts;
	static char all_shorts[64];
	static struct option all_lopts[CLI_LOPTS_MAX + 3];
	int c;

	if (from_shorts != shorts || from_lopts != lopts) {
		from_shorts = shorts;
		from_lopts = lopts;
		add_shared(
		    shorts, lopts, all_shorts, sizeof(all_shorts), all_lopts);
	}
	shorts = all_shorts;
	lopts = all_lopts;
	/* The whole line once, before getopt_long() sees it, to refuse what
	 * it would accept or misreport: abbreviations, and in a bundle of
	 * short options the wrong word. */
	if (scanned != argv) {
		scanned = argv;
		cli_verbosity = CLI_NORMAL;
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
	while ((c = getopt_long(argc, argv, shorts, lopts, NULL)) == 'q' ||
	    c == 'v')
		cli_verbosity = c == 'q'         ? CLI_QUIET
		    : cli_verbosity < CLI_NORMAL ? CLI_VERBOSE
		                                 : cli_verbosity + 1;
	return c;
}

/* --- Files kept between runs ---------------------------------------------
 *
 * In the user's cache directory (XDG Base Directory): the nameserver
 * history that dualstack resolve and dualstack connect share, and the
 * Happy Eyeballs history beside it.
 */

/* mkdir -p, each missing directory mode 0700 (XDG Base Directory). */
static int
make_dirs(char *path)
{
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(path, 0700) == -1 && errno != EEXIST) {
			int e = errno;

			*p = c;
			return -e;
		}
		*p = c;
		if (c == '\0')
			return 0;
	}
}

int
cli_cache_file(const char *file, char *buf, size_t size)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	int n;

	if (xdg && xdg[0] == '/')
		n = snprintf(buf, size, "%s/dualstack", xdg);
	else if (home && home[0] == '/')
		n = snprintf(buf, size, "%s/.cache/dualstack", home);
	else
		return -ENOENT;
	if (n < 0 || (size_t)n + 1 + strlen(file) + 1 > size)
		return -ENAMETOOLONG;
	n = make_dirs(buf);
	if (n < 0)
		return n;
	strcat(buf, "/");
	strcat(buf, file);
	return 0;
}

void
cli_dir_of(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash && slash != path ? (size_t)(slash - path) : 1;

	if (n >= size)
		n = size - 1;
	memcpy(buf, slash ? path : ".", n);
	buf[n] = '\0';
}

int
cli_cache_dir_ok(const char *path, const char *what)
{
	char dir[PATH_MAX];
	int r;

	cli_dir_of(path, dir, sizeof(dir));
	r = ds_he_cache_check_dir(dir);
	if (r < 0)
		cli_error(
		    "warning: cache directory %s: %s; %s neither read nor "
		    "written",
		    dir, ds_strerror(r), what);
	return r;
}

int
cli_ns_history_open(const char *path, struct ds_resolve_history **ret)
{
	struct ds_resolve_history *h;
	int r;

	*ret = NULL;
	r = ds_resolve_history_new(0, &h);
	if (r < 0) {
		cli_error("nameserver history: %s", ds_strerror(r));
		return EXIT_INTERNAL;
	}
	*ret = h;
	if (!path)
		return EXIT_OK;
	/* Its directory as the connection history's: one others may write
	 * to could hold anything in its place. */
	if (cli_cache_dir_ok(path, "nameserver history") < 0)
		return EXIT_FAILED;
	r = ds_resolve_history_load(h, path);
	if (r < 0) {
		/* Used empty, and not rewritten: it may be another
		 * version's, or unreadable for a reason to fix. */
		cli_error("warning: nameserver history %s: %s; not used", path,
		    ds_strerror(r));
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

void
cli_ns_history_save(const struct ds_resolve_history *h, const char *path)
{
	int r;

	if (!h || !path)
		return;
	r = ds_resolve_history_save(h, path);
	if (r < 0)
		cli_error("warning: nameserver history %s: %s; not saved", path,
		    ds_strerror(r));
}
