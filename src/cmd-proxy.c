/* SPDX-License-Identifier: MIT */
/*
 * dualstack proxy: the front end of the ds_proxy module. It parses the
 * options, builds the ACLs, opens the listeners of every worker (before
 * dropping privileges), runs one ds_proxy per worker thread, turns the
 * proxies' log records into log lines (logfmt text or NDJSON on stdout)
 * and maps signals to a drain (SIGTERM, SIGINT) or an ACL reload (SIGHUP).
 *
 * Threads: the ds_workers module runs them (worker 0 on the main loop,
 * which also receives the signals; workers 1 to N-1 each on a thread and
 * loop of their own), sharing nothing but the read-only ACLs; a reload
 * hands a new ACL to every worker as its configuration.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include "dualstack/acl.h"
#include "dualstack/addr.h"
#include "dualstack/error.h"
#include "dualstack/listen.h"
#include "dualstack/loop.h"
#include "dualstack/proxy.h"
#include "dualstack/relay.h"
#include "dualstack/resolve.h"
#include "dualstack/workers.h"

#include "cli.h"

static int cmd_proxy(int argc, char **argv);

const struct cli_command cli_cmd_proxy = {
    "proxy",
    "a TCP proxy from dual-stack listeners to backends, with PROXY "
    "protocol",
    cmd_proxy,
    "--listen ADDR:PORT[,MODE]... --to HOST:PORT... [OPTION]...",
};

static const char help_text[] =
    "\n"
    "Accept TCP connections on dual-stack listeners and relay each one to\n"
    "a backend, keeping the client's address (PROXY protocol), with access\n"
    "lists and per-client limits. One log line per connection, at its end.\n"
    "\n"
    "  --listen ADDR:PORT[,MODE]  where to listen; repeatable, at least\n"
    "                      one. [::]:8080, :8080, 192.0.2.1:8080,\n"
    "                      [fe80::1%eth0]:8080 or a bare port; ,MODE\n"
    "                      overrides --mode for this one\n"
    "  --mode MODE         dual (default), separate, v6only or v4only\n"
    "  --to HOST:PORT      a backend; repeatable, at least one. HOST is a\n"
    "                      name, an IPv4 address or [IPv6]. Several are\n"
    "                      used round-robin, with failover\n"
    "  --send-proxy v1|v2  write a PROXY protocol header to the backend\n"
    "  --accept-proxy      read a PROXY header (v1 or v2) from each client\n"
    "                      first; needs --trusted\n"
    "  --trusted PREFIX[,PREFIX]...  who may send a header (repeatable)\n"
    "  --allow PREFIX[,PREFIX]...    allow these clients (repeatable)\n"
    "  --deny PREFIX[,PREFIX]...     deny these clients (repeatable)\n"
    "  --acl FILE          more rules, one per line: 'allow PREFIX' or\n"
    "                      'deny PREFIX', # comments; re-read on SIGHUP.\n"
    "                      A file without a rule is refused, at start\n"
    "                      and on reload (the old rules stay)\n"
    "  --acl-allow-empty   accept an --acl file without a rule\n"
    "  --max-conns N       at most N connections open per worker; more\n"
    "                      wait in the backlog (default 0: none but the\n"
    "                      descriptor budget, see below)\n"
    "  --max-conns-per-client N  connections open per client group\n"
    "  --rate R            new connections per second per client group\n"
    "                      (decimals allowed; default 0: no limit)\n"
    "  --burst N           rate bucket size (default max(1, ceil(R)))\n"
    "  --client-prefix6 LEN  IPv6 client group prefix length (default 64)\n"
    "  --client-prefix4 LEN  IPv4 client group prefix length (default 32)\n"
    "  --idle-timeout SEC  close a connection idle this long both ways\n"
    "                      (default 600; 0: never)\n"
    "  --connect-timeout SEC  per backend attempt (default 5)\n"
    "  --header-timeout SEC   --accept-proxy: the whole header within\n"
    "                      (default 5)\n"
    "  --fail-hold SEC     skip a failed backend this long (default 10)\n"
    "  --drain SEC         on SIGTERM or SIGINT, stop accepting and give\n"
    "                      connections this long (default 10); a second\n"
    "                      signal closes them at once\n"
    "  -j, --workers N     N worker threads with SO_REUSEPORT listeners,\n"
    "                      each client group steered to one (default 1,\n"
    "                      at most 64)\n"
    "  --user USER         drop to USER and its groups after binding\n"
    "                      (needs root)\n"
    "  --no-splice         relay through buffers, not splice(2)\n"
    "  --pipe-size SIZE    pipe capacity for splice (K or M suffix;\n"
    "                      default the kernel's)\n"
    "  --server ADDR[,ADDR]...  DNS servers for backend names\n"
    "  -4, -6              connect to backends over IPv4 or IPv6 only\n"
    "  --backlog N         listen(2) backlog (default SOMAXCONN)\n"
    "  --json              NDJSON log, one object per line\n"
    "  -q, --quiet         no per-connection lines\n"
    "  -v, --verbose       as without -q: every connection is logged\n"
    "  -h, --help          this help\n";

/* The rest of the help, apart: one string would pass the 4095 bytes C
 * compilers must support (C17 section 5.2.4.1). */
static const char help_text_more[] =
    "\n"
    "PREFIX: 2001:db8::/32, 192.0.2.0/24, or an address (a host). The\n"
    "ACL is longest match; with any allow rule, what no rule names is\n"
    "denied. SIGHUP re-reads --acl FILE; the command-line rules stay.\n"
    "\n"
    "Descriptors: a connection holds two (its sockets), and a pipe pair\n"
    "(two more) only while it moves bulk data. With L the descriptor\n"
    "limit (ulimit -n, read at start), U those in use at start (with the\n"
    "listeners, loops, and 3 per backend name) and 16 spare, the proxy\n"
    "takes at most C = 2(L - U - 16)/5 connections and C/4 pipes, shared\n"
    "by the workers. A client beyond C is reset at once (reason=busy),\n"
    "not left waiting, and a 'busy' line says so.\n"
    "\n"
    "Exit status: 0 after a signal and drain, 2 usage error (a bad --acl\n"
    "file too), 3 system error: a listener could not be opened (a port in\n"
    "use), a descriptor limit with no room for a connection.\n";

/* More --listen than anyone needs on one host; the arrays are fixed. */
#define MAX_LISTEN 16
/* Backends a round-robin over a fixed list sensibly spans. */
#define MAX_BACKENDS 64
/* Rules given with --allow, --deny and --trusted together. */
#define MAX_RULES 4096
/* A timeout or drain longer than a day is a mistake, not a plan. */
#define MAX_SECONDS 86400.0
/* An ACL file larger than this is not a list of prefixes someone keeps. */
#define MAX_ACL_FILE (64u << 20)
/* A host name's text is at most 253 bytes (RFC 1035 section 2.3.4: 255
 * on the wire). */
#define MAX_HOST 253
/* Detail text in a log line is cut here; the rest is never needed. */
#define MAX_DETAIL 512

struct rule {
	struct ds_prefix prefix;
	enum ds_acl_action action;
	const char *option; /* "--allow", "--deny", for messages */
	const char *text;   /* the option's value */
};

struct options {
	struct ds_listen_config listen[MAX_LISTEN];
	bool listen_mode_set[MAX_LISTEN];
	size_t n_listen;
	enum ds_listen_mode mode;
	int backlog;

	struct ds_proxy_backend backends[MAX_BACKENDS];
	char hosts[MAX_BACKENDS][MAX_HOST + 1];
	size_t n_backends;

	struct rule *rules; /* --allow, --deny */
	size_t n_rules;
	struct rule *trusted; /* --trusted */
	size_t n_trusted;
	const char *acl_file;
	bool acl_allow_empty;

	struct ds_proxy_config pcfg; /* limits, timeouts, send/accept proxy */
	struct ds_relay_opts relay;
	struct ds_resolve_opts resolve;
	bool use_resolve;
	char servers[1024];
	bool burst_set;

	uint64_t drain_us;
	unsigned workers;
	const char *user;
	uid_t uid;
	gid_t gid;
	bool json;
	bool quiet;
};

/* An ACL handed to the workers, freed once ds_workers says no worker
 * uses it (DS_WORKERS_EV_RELEASED). */
struct acl_ref {
	struct ds_acl *acl;
	int file_rules; /* rules read from the file, for the log */
	struct acl_ref *next;
};

struct px;

struct worker {
	struct px *px;
	unsigned id;
	struct ds_loop *loop;
	struct ds_proxy *proxy;
	struct ds_listen_config lcfg[MAX_LISTEN];
	struct ds_listen_report rep[MAX_LISTEN];
};

struct px {
	const struct options *o;
	struct ds_proxy_config pcfg; /* with the ACL pointers */
	struct ds_relay_opts relay;  /* o->relay with the budget's pipe_max */
	uint64_t nofile;             /* the soft RLIMIT_NOFILE at start */
	struct ds_acl *trusted;
	struct acl_ref *acls; /* the head is the newest */
	struct worker *w;
	unsigned n;
	struct ds_loop *loop; /* the main loop, also worker 0's */
	struct ds_workers *ws;
	unsigned signals;
	bool stopped; /* every worker is done */
	struct ds_proxy_stats total;
	int code;
};

/* --- Log lines -------------------------------------------------------------
 *
 * Each line is formatted into memory and written with one fwrite and
 * fflush under stdout's lock, so that the lines of several workers never
 * interleave and a reader of a pipe gets whole lines.
 */

struct line {
	FILE *f;
	char *buf;
	size_t len;
	struct json j;
};

static bool
line_open(struct line *l)
{
	l->buf = NULL;
	l->len = 0;
	l->f = open_memstream(&l->buf, &l->len);
	return l->f != NULL;
}

static void
line_write(struct line *l)
{
	if (fclose(l->f) == 0) {
		flockfile(stdout);
		fwrite(l->buf, 1, l->len, stdout);
		fflush(stdout);
		funlockfile(stdout);
	}
	free(l->buf);
	l->f = NULL;
	l->buf = NULL;
}

/* A text line: "2026-11-22T10:00:00.123Z " and then the caller's text. */
static bool
text_begin(struct line *l)
{
	char now[40];

	if (!line_open(l))
		return false;
	cli_time_now(now, sizeof(now));
	fprintf(l->f, "%s ", now);
	return true;
}

static void
text_end(struct line *l)
{
	fputc('\n', l->f);
	line_write(l);
}

/* An NDJSON event: {"time":...,"event":NAME */
static bool
json_begin(struct line *l, const char *event)
{
	char now[40];

	if (!line_open(l))
		return false;
	cli_time_now(now, sizeof(now));
	json_init(&l->j, l->f, false);
	json_begin_object(&l->j);
	json_kv_string(&l->j, "time", now);
	json_kv_string(&l->j, "event", event);
	return true;
}

static void
json_end_line(struct line *l)
{
	json_end(&l->j);
	json_finish(&l->j);
	line_write(l);
}

static void
kv_uint(struct json *j, const char *key, unsigned long long v)
{
	json_key(j, key);
	json_uint(j, v);
}

static void
kv_null(struct json *j, const char *key)
{
	json_key(j, key);
	json_null(j);
}

/* A logfmt value in double quotes: '"' and '\\' escaped, control
 * characters as '?' so that text from the network cannot forge a line. */
static void
put_quoted_len(FILE *f, const char *s, size_t n)
{
	if (n > MAX_DETAIL)
		n = MAX_DETAIL;
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fputc('\\', f);
		fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
	}
	fputc('"', f);
}

static void
put_quoted(FILE *f, const char *s)
{
	put_quoted_len(f, s, strlen(s));
}

/* "[2001:db8::1]:80", or "-" for an endpoint that is not there. */
static const char *
endpoint_text(const struct ds_endpoint *ep, char *buf, size_t size)
{
	return ds_endpoint_text(ep, "-", buf, size);
}

static void
log_listening(
    struct px *px, const struct ds_endpoint *ep, enum ds_listen_mode mode)
{
	char text[DS_ENDPOINT_STRLEN];
	struct line l;

	cli_endpoint_text(ep, text, sizeof(text));
	if (px->o->json) {
		if (!json_begin(&l, "listening"))
			return;
		json_kv_string(&l.j, "address", text);
		kv_uint(&l.j, "port", ep->port);
		json_kv_string(&l.j, "mode", ds_listen_mode_name(mode));
		cli_json_listener(&l.j, ep, mode);
		json_end_line(&l);
		return;
	}
	if (!text_begin(&l))
		return;
	fprintf(l.f, "listening on %s (%s)", text, cli_listener_text(ep, mode));
	text_end(&l);
}

static void
log_conn_json(struct worker *w, const struct ds_proxy_log *lg,
    const char *reason, const char *detail)
{
	char ep[DS_ENDPOINT_STRLEN], addr[DS_ADDR_STRLEN];
	bool backend = lg->backend.addr.family != 0;
	struct line l;
	struct json *j = &l.j;

	if (!json_begin(&l, "conn"))
		return;
	if (lg->client.addr.family) {
		json_kv_string(
		    j, "client", endpoint_text(&lg->client, ep, sizeof(ep)));
		cli_addr_text(&lg->client.addr, addr, sizeof(addr));
		json_kv_string(j, "client_addr", addr);
		kv_uint(j, "client_port", lg->client.port);
	} else {
		kv_null(j, "client");
		kv_null(j, "client_addr");
		kv_null(j, "client_port");
	}
	if (lg->family)
		cli_json_family(j, lg->family);
	else
		kv_null(j, "family");
	if (lg->listener.addr.family)
		json_kv_string(j, "listener",
		    endpoint_text(&lg->listener, ep, sizeof(ep)));
	else
		kv_null(j, "listener");
	if (backend) {
		json_kv_string(
		    j, "backend", endpoint_text(&lg->backend, ep, sizeof(ep)));
	} else {
		kv_null(j, "backend");
	}
	if (lg->backend_local.addr.family) {
		json_kv_string(j, "local",
		    endpoint_text(&lg->backend_local, ep, sizeof(ep)));
		kv_uint(j, "local_port", lg->backend_local.port);
	} else {
		kv_null(j, "local");
		kv_null(j, "local_port");
	}
	kv_uint(j, "bytes_in", lg->bytes_in);
	kv_uint(j, "bytes_out", lg->bytes_out);
	json_kv_ms(j, "duration_ms", lg->duration_us);
	if (backend)
		json_kv_ms(j, "connect_ms", lg->connect_us);
	else
		kv_null(j, "connect_ms");
	json_kv_string(j, "reason", reason);
	if (lg->header_version) {
		json_kv_string(
		    j, "proxied_by", endpoint_text(&lg->via, ep, sizeof(ep)));
		kv_uint(j, "header", (unsigned)lg->header_version);
	}
	if (lg->backend_tries > 1)
		kv_uint(j, "tries", lg->backend_tries);
	if (detail)
		json_kv_string(j, "detail", detail);
	if (backend)
		json_kv_bool(j, "spliced", lg->spliced);
	if (w->px->n > 1)
		kv_uint(j, "worker", w->id);
	json_end_line(&l);
}

/*
 * One line per connection, its fields always in the same order, "-" for
 * those that do not apply:
 *   conn client=... family=IPv4|IPv6 listener=... backend=... local=...
 *   in=N out=N duration=12.3ms reason=... [proxied_by=... header=vN]
 *   [tries=N] [detail="..."]
 */
static void
on_log(struct ds_proxy *p, const struct ds_proxy_log *lg, void *userdata)
{
	struct worker *w = userdata;
	char client[DS_ENDPOINT_STRLEN], listener[DS_ENDPOINT_STRLEN];
	char backend[DS_ENDPOINT_STRLEN], local[DS_ENDPOINT_STRLEN];
	char via[DS_ENDPOINT_STRLEN], dur[CLI_DURATION_STRLEN];
	const char *reason = ds_proxy_close_name(lg->reason);
	const char *detail = lg->detail;
	struct line l;

	(void)p;
	if (w->px->o->quiet)
		return;
	if (!reason)
		reason = "error";
	if (!detail && lg->err < 0)
		detail = ds_strerror(lg->err);
	if (w->px->o->json) {
		log_conn_json(w, lg, reason, detail);
		return;
	}
	if (!text_begin(&l))
		return;
	cli_duration_text(lg->duration_us, dur, sizeof(dur));
	fprintf(l.f,
	    "conn client=%s family=%s listener=%s backend=%s local=%s "
	    "in=%llu out=%llu duration=%s reason=%s",
	    endpoint_text(&lg->client, client, sizeof(client)),
	    cli_family_word(cli_family_used_af(lg->family)),
	    endpoint_text(&lg->listener, listener, sizeof(listener)),
	    endpoint_text(&lg->backend, backend, sizeof(backend)),
	    endpoint_text(&lg->backend_local, local, sizeof(local)),
	    (unsigned long long)lg->bytes_in, (unsigned long long)lg->bytes_out,
	    dur, reason);
	if (lg->header_version)
		fprintf(l.f, " proxied_by=%s header=v%d",
		    endpoint_text(&lg->via, via, sizeof(via)),
		    lg->header_version);
	if (lg->backend_tries > 1)
		fprintf(l.f, " tries=%u", lg->backend_tries);
	if (detail) {
		fputs(" detail=", l.f);
		put_quoted(l.f, detail);
	}
	text_end(&l);
}

/*
 * Other events of a proxy. Those about a backend ("backend-down",
 * "backend-up", "resolved", "resolve-failed") come as "HOST:PORT: what
 * happened" and are written as 'EVENT HOST:PORT "what happened"' (JSON:
 * "backend" and "detail"); the others (accept errors) as "EVENT TEXT".
 * A backend-down line says why, as in 'backend-down 198.51.100.2:80
 * "connection refused"'; how long the backend is skipped is --fail-hold
 * (JSON: "hold_ms").
 */
/* "ulimit -n 1024", or "no descriptor limit". */
static void
nofile_text(const struct px *px, char *buf, size_t size)
{
	if (px->nofile == UINT64_MAX)
		snprintf(buf, size, "no descriptor limit");
	else
		snprintf(buf, size, "ulimit -n %llu",
		    (unsigned long long)px->nofile);
}

/*
 * The descriptor budget reached ("busy") and left ("busy-over"):
 *   busy 398 connections open, the most ulimit -n 1024 allows: new
 *   clients are reset
 *   busy-over 349 connections open: accepting again (1234 clients were
 *   reset)
 * JSON: "connections", "limit", and "nofile" (null for none) or
 * "refused".
 */
static void
log_busy(struct worker *w, const struct ds_proxy_event *ev)
{
	struct px *px = w->px;
	bool over = strcmp(ev->name, "busy-over") == 0;
	char lim[64], wk[32] = "";
	struct line l;

	if (px->o->json) {
		if (!json_begin(&l, ev->name))
			return;
		kv_uint(&l.j, "connections", ev->active);
		kv_uint(&l.j, "limit", ev->limit);
		if (over)
			kv_uint(&l.j, "refused", ev->refused);
		else if (px->nofile == UINT64_MAX)
			kv_null(&l.j, "nofile");
		else
			kv_uint(&l.j, "nofile", px->nofile);
		if (px->n > 1)
			kv_uint(&l.j, "worker", w->id);
		json_end_line(&l);
		return;
	}
	if (!text_begin(&l))
		return;
	if (px->n > 1)
		snprintf(wk, sizeof(wk), " (worker %u)", w->id);
	nofile_text(px, lim, sizeof(lim));
	if (over)
		fprintf(l.f,
		    "busy-over %zu connections open%s: accepting again (%llu "
		    "clients were reset)",
		    ev->active, wk, (unsigned long long)ev->refused);
	else
		fprintf(l.f,
		    "busy %zu connections open%s, the most %s allows: new "
		    "clients are reset",
		    ev->active, wk, lim);
	text_end(&l);
}

static void
on_event(struct ds_proxy *p, const struct ds_proxy_event *ev, void *userdata)
{
	struct worker *w = userdata;
	struct line l;

	(void)p;
	if (strcmp(ev->name, "busy") == 0 ||
	    strcmp(ev->name, "busy-over") == 0) {
		log_busy(w, ev);
		return;
	}
	if (w->px->o->json) {
		if (!json_begin(&l, ev->name))
			return;
		if (ev->backend) {
			json_kv_string(&l.j, "backend", ev->backend);
			json_kv_string(&l.j, "detail", ev->detail);
			if (strcmp(ev->name, "backend-down") == 0)
				kv_uint(
				    &l.j, "hold_ms", cli_us_to_ms(ev->hold_us));
		} else {
			json_kv_string(&l.j, "detail", ev->text);
		}
		if (w->px->n > 1)
			kv_uint(&l.j, "worker", w->id);
		json_end_line(&l);
		return;
	}
	if (!text_begin(&l))
		return;
	if (ev->backend) {
		fprintf(l.f, "%s %s ", ev->name, ev->backend);
		put_quoted(l.f, ev->detail);
	} else {
		fprintf(l.f, "%s %s", ev->name, ev->text);
	}
	text_end(&l);
}

/* --- Workers ---------------------------------------------------------------
 */

static void
on_drained(struct ds_proxy *p, void *userdata)
{
	struct worker *w = userdata;

	(void)p;
	ds_workers_done(w->px->ws, w->id);
}

/* On worker i's thread: the proxy stops accepting and drains. */
static size_t
worker_drain(
    struct ds_workers *ws, unsigned i, uint64_t drain_us, void *userdata)
{
	struct px *px = userdata;
	struct ds_proxy_stats st;

	(void)ws;
	ds_proxy_get_stats(px->w[i].proxy, &st);
	ds_proxy_drain(px->w[i].proxy, drain_us, on_drained);
	return st.active;
}

/* On worker i's thread: the reloaded ACL from now on. */
static void
worker_config(
    struct ds_workers *ws, unsigned i, const void *cfg, void *userdata)
{
	struct px *px = userdata;

	(void)ws;
	ds_proxy_set_acl(px->w[i].proxy, cfg);
}

static const struct ds_workers_ops worker_ops = {
    .drain = worker_drain,
    .config = worker_config,
};

static void
drain_all(struct px *px, uint64_t drain_us)
{
	int r = ds_workers_drain(px->ws, drain_us);

	if (r < 0)
		cli_error(
		    "workers: cannot tell them to drain: %s", ds_strerror(r));
}

/* --- ACLs ------------------------------------------------------------------
 */

/* No worker uses acl any more. */
static void
release_acl(struct px *px, const void *acl)
{
	for (struct acl_ref **pp = &px->acls; *pp; pp = &(*pp)->next) {
		struct acl_ref *ref = *pp;

		if (ref->acl != acl)
			continue;
		*pp = ref->next;
		ds_acl_free(ref->acl);
		free(ref);
		return;
	}
}

struct acl_error {
	int err;
	unsigned line; /* 0: not a parse error (reading failed) */
	size_t col;    /* 0-based */
	int file_rules;
	bool empty; /* the file has no rule, and --acl-allow-empty is off */
};

/* Why an --acl file without rules is refused, for both messages. */
#define ACL_EMPTY                                                              \
	"no rules (empty, or only comments and blank lines; "                  \
	"--acl-allow-empty accepts that)"

/* The text of a file, at most MAX_ACL_FILE bytes. Returns 0 or -errno. */
static int
read_file(const char *path, char **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int r = 0;

	if (!f)
		return -errno;
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (len > MAX_ACL_FILE) {
			r = -EFBIG;
			break;
		}
		if (n == 0) {
			if (ferror(f))
				r = -EIO;
			break;
		}
	}
	fclose(f);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

/*
 * The ACL of the command-line rules plus those of the --acl file. Returns
 * 0 with *ret (NULL when there are no rules and no file) or an error in
 * *e.
 */
static int
build_acl(const struct options *o, struct ds_acl **ret, struct acl_error *e)
{
	struct ds_acl *acl = NULL;
	char *text = NULL;
	size_t len = 0;
	int r;

	memset(e, 0, sizeof(*e));
	if (o->n_rules == 0 && !o->acl_file) {
		*ret = NULL;
		return 0;
	}
	r = ds_acl_new(&acl);
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < o->n_rules; i++) {
		/* Conflicts among these were refused when parsing. */
		r = ds_acl_add(acl, &o->rules[i].prefix, o->rules[i].action);
		if (r < 0)
			goto fail;
	}
	if (o->acl_file) {
		r = read_file(o->acl_file, &text, &len);
		if (r < 0)
			goto fail;
		r = ds_acl_load(acl, text, len, &e->line, &e->col);
		free(text);
		if (r < 0) {
			if (e->line == 0)
				e->line = 1;
			goto fail;
		}
		/*
		 * A file without a single rule is far more often one caught
		 * half-written (truncated, then rewritten) than a list meant
		 * to be empty, and taking it would drop every rule the file
		 * held: an allow list becomes what the command line leaves,
		 * everyone if nothing. Whatever --allow and --deny say,
		 * they are not the file's rules.
		 */
		if (r == 0 && !o->acl_allow_empty) {
			e->empty = true;
			r = -ENODATA;
			goto fail;
		}
		e->file_rules = r;
	}
	*ret = acl;
	return 0;
fail:
	e->err = r;
	ds_acl_free(acl);
	return r;
}

static void
log_reload(struct px *px, const struct acl_error *e)
{
	const char *file = px->o->acl_file;
	struct line l;

	if (px->o->json) {
		if (!json_begin(&l, e->err ? "reload-failed" : "reload"))
			return;
		if (file)
			json_kv_string(&l.j, "file", file);
		else
			kv_null(&l.j, "file");
		if (!file) {
			kv_null(&l.j, "rules");
			json_kv_string(&l.j, "detail", "no --acl file");
		} else if (!e->err) {
			kv_uint(&l.j, "rules", (unsigned)e->file_rules);
		} else {
			if (e->empty) {
				kv_null(&l.j, "line");
				kv_null(&l.j, "column");
				json_kv_string(&l.j, "error", ACL_EMPTY);
			} else if (e->line) {
				kv_uint(&l.j, "line", e->line);
				kv_uint(&l.j, "column", e->col + 1);
				json_kv_string(
				    &l.j, "error", ds_strerror(e->err));
			} else {
				kv_null(&l.j, "line");
				kv_null(&l.j, "column");
				json_kv_string(
				    &l.j, "error", strerror(-e->err));
			}
		}
		json_end_line(&l);
		return;
	}
	if (!text_begin(&l))
		return;
	if (!file)
		fputs("reload: no --acl file, nothing to re-read", l.f);
	else if (!e->err)
		fprintf(l.f, "reload acl %s: %d rules", file, e->file_rules);
	else if (e->empty)
		fprintf(l.f, "reload failed: %s: %s (keeping the old ACL)",
		    file, ACL_EMPTY);
	else if (e->line)
		fprintf(l.f,
		    "reload failed: %s line %u column %zu: %s (keeping the old "
		    "ACL)",
		    file, e->line, e->col + 1, ds_strerror(e->err));
	else
		fprintf(l.f, "reload failed: %s: %s (keeping the old ACL)",
		    file, strerror(-e->err));
	text_end(&l);
}

/* Every worker uses acl now: the reload is done. */
static void
switched_acl(struct px *px, const void *acl)
{
	for (struct acl_ref *ref = px->acls; ref; ref = ref->next) {
		if (ref->acl != acl)
			continue;
		struct acl_error e = {.file_rules = ref->file_rules};

		log_reload(px, &e);
		return;
	}
}

/* SIGHUP: a new ACL from the file, swapped in by every worker. */
static void
reload(struct px *px)
{
	struct acl_error e;
	struct ds_acl *acl = NULL;
	struct acl_ref *ref;
	int r;

	if (!px->o->acl_file) {
		memset(&e, 0, sizeof(e));
		log_reload(px, &e);
		return;
	}
	if (build_acl(px->o, &acl, &e) < 0) {
		log_reload(px, &e);
		return;
	}
	ref = calloc(1, sizeof(*ref));
	if (!ref) {
		e.err = -ENOMEM;
		e.line = 0;
		ds_acl_free(acl);
		log_reload(px, &e);
		return;
	}
	ref->acl = acl;
	ref->file_rules = e.file_rules;
	ref->next = px->acls;
	px->acls = ref;
	/* The reload line comes once every worker uses the new ACL
	 * (switched_acl()), so a connection made after it is checked
	 * against the new rules; the ACL that was in force goes once no
	 * worker uses it (release_acl()). */
	r = ds_workers_config(px->ws, acl);
	if (r < 0)
		cli_error("workers: cannot hand them the new ACL: %s",
		    ds_strerror(r));
}

/* --- The main loop ---------------------------------------------------------
 */

static void
log_draining(struct px *px, size_t active)
{
	char sec[32];
	struct line l;

	cli_duration_ms_text(cli_us_to_ms(px->o->drain_us), sec, sizeof(sec));
	if (px->o->json) {
		if (!json_begin(&l, "draining"))
			return;
		kv_uint(&l.j, "connections", active);
		kv_uint(&l.j, "drain_ms", cli_us_to_ms(px->o->drain_us));
		json_end_line(&l);
		return;
	}
	if (!text_begin(&l))
		return;
	fprintf(l.f, "draining (%zu connections, %s)", active, sec);
	text_end(&l);
}

static void
log_stopped(struct px *px)
{
	const struct ds_proxy_stats *t = &px->total;
	struct line l;

	if (px->o->json) {
		if (!json_begin(&l, "stopped"))
			return;
		kv_uint(&l.j, "accepted", t->accepted);
		kv_uint(&l.j, "relayed", t->relayed);
		kv_uint(&l.j, "refused", t->refused);
		kv_uint(&l.j, "failed", t->failed);
		kv_uint(&l.j, "bytes_in", t->bytes_in);
		kv_uint(&l.j, "bytes_out", t->bytes_out);
		json_end_line(&l);
		return;
	}
	if (!text_begin(&l))
		return;
	fprintf(l.f,
	    "stopped: accepted=%llu relayed=%llu refused=%llu failed=%llu",
	    (unsigned long long)t->accepted, (unsigned long long)t->relayed,
	    (unsigned long long)t->refused, (unsigned long long)t->failed);
	text_end(&l);
}

/* What the workers report, on the main loop. */
static void
on_workers(
    struct ds_workers *ws, const struct ds_workers_event *ev, void *userdata)
{
	struct px *px = userdata;

	(void)ws;
	switch (ev->kind) {
	case DS_WORKERS_EV_DRAINING:
		/* The first signal's drain; a second one only closes. */
		if (ev->round == 1)
			log_draining(px, ev->conns);
		break;
	case DS_WORKERS_EV_DONE:
		if (ev->err < 0) {
			cli_error("worker %u: event loop: %s", ev->worker,
			    ds_strerror(ev->err));
			px->code = EXIT_INTERNAL;
		}
		break;
	case DS_WORKERS_EV_STOPPED:
		px->stopped = true;
		ds_loop_stop(px->loop, 0);
		break;
	case DS_WORKERS_EV_CONFIG:
		switched_acl(px, ev->cfg);
		break;
	case DS_WORKERS_EV_RELEASED:
		release_acl(px, ev->cfg);
		break;
	}
}

/*
 * SIGTERM and SIGINT: the first drains, a second closes what is left at
 * once. SIGHUP: re-read the ACL file (not while draining: the listeners
 * are closed and nothing new is checked).
 */
static void
on_signal(struct ds_signal *sig, int signo, void *userdata)
{
	struct px *px = userdata;

	(void)sig;
	if (signo == SIGHUP) {
		if (px->signals == 0)
			reload(px);
		return;
	}
	if (px->signals++ == 0) {
		drain_all(px, px->o->drain_us);
		return;
	}
	if (px->o->json) {
		struct line l;

		if (json_begin(&l, "stop")) {
			json_kv_string(&l.j, "signal",
			    signo == SIGINT ? "SIGINT" : "SIGTERM");
			json_end_line(&l);
		}
	} else {
		struct line l;

		if (text_begin(&l)) {
			fprintf(l.f, "%s again: closing connections now",
			    signo == SIGINT ? "SIGINT" : "SIGTERM");
			text_end(&l);
		}
	}
	drain_all(px, 0);
}

/* --- Setting up ------------------------------------------------------------
 */

/* Descriptors open now: /proc/self/fd, or without /proc those below 1024
 * that F_GETFD finds. */
static uint64_t
fds_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	uint64_t n = 0;

	if (!d) {
		for (int fd = 0; fd < 1024; fd++)
			if (fcntl(fd, F_GETFD) != -1)
				n++;
		return n;
	}
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
			n++;
	closedir(d);
	return n;
}

/*
 * The descriptor budget (see the man page): the soft RLIMIT_NOFILE, read
 * once, less what is open now and what is still to come besides
 * connections -- per worker its command pipe, its loop (worker 0 shares
 * the main one), its listening sockets, and three sockets per backend
 * name for the resolver (one per name server, and resolv.conf(5) names
 * at most three: MAXNS) -- shared by ds_proxy_fd_budget(). Every worker
 * gets the same hard_max_conns and pipe_max. Returns an exit code.
 */
static int
set_budget(struct px *px)
{
	const struct options *o = px->o;
	struct ds_proxy_fd_budget b;
	struct rlimit rl;
	uint64_t in_use = fds_open(), per = 2;
	char lim[64];
	int r;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		cli_error("getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
		return EXIT_INTERNAL;
	}
	px->nofile =
	    rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
	for (size_t k = 0; k < o->n_listen; k++)
		per += o->listen[k].mode == DS_LISTEN_SEPARATE ? 2 : 1;
	for (size_t k = 0; k < o->n_backends; k++) {
		const char *h = o->backends[k].host;
		struct ds_addr a;

		if (ds_addr_parse(h, strlen(h), 0, &a, NULL) < 0)
			per += 3;
	}
	/* And the workers' answer pipe, opened after this count. */
	in_use += per * px->n + (px->n - 1) + 2;
	r = ds_proxy_fd_budget(px->nofile, in_use, px->n, &b);
	nofile_text(px, lim, sizeof(lim));
	if (r < 0) {
		cli_error("%s leaves no room for connections: %llu descriptors "
		          "in use or set aside, %u spare%s; raise it",
		    lim, (unsigned long long)in_use, DS_PROXY_FD_SPARE,
		    px->n > 1 ? ", and the rest shared by the workers" : "");
		return EXIT_INTERNAL;
	}
	px->pcfg.hard_max_conns = b.conns;
	px->relay.pipe_max = b.pipes;
	if (b.pipes == 0)
		px->relay.no_splice = true;
	if (px->pcfg.max_conns > b.conns)
		cli_error("--max-conns %u is more than %s allows (%u "
		          "connections%s); clients beyond that are reset",
		    px->pcfg.max_conns, lim, b.conns,
		    px->n > 1 ? " per worker" : "");
	return EXIT_OK;
}

/* Loop, pipe and proxy of worker i; returns an exit code. */
static int
start_worker(struct px *px, unsigned i)
{
	struct worker *w = &px->w[i];
	const struct options *o = px->o;
	struct ds_proxy_report rep = {.listen = w->rep, .failed = SIZE_MAX};
	int r;

	w->loop = ds_workers_loop(px->ws, i);
	for (size_t k = 0; k < o->n_listen; k++) {
		w->lcfg[k] = o->listen[k];
		w->lcfg[k].reuseport = o->workers > 1;
		/* Port 0: the others take the one worker 0 got. */
		if (i > 0 && w->lcfg[k].where.port == 0) {
			struct ds_endpoint ep[2];

			if (ds_proxy_endpoints(px->w[0].proxy, k, ep, 2) > 0)
				w->lcfg[k].where.port = ep[0].port;
		}
	}
	px->pcfg.listen = w->lcfg;
	memset(w->rep, 0, sizeof(w->rep));
	r = ds_proxy_new(
	    w->loop, &px->pcfg, on_log, on_event, w, &rep, &w->proxy);
	if (r < 0) {
		if (rep.failed < o->n_listen)
			return cli_listen_failed(
			    &w->lcfg[rep.failed], &w->rep[rep.failed], r, true);
		cli_error("proxy: %s", ds_strerror(r));
		return r == -EINVAL ? EXIT_USAGE : EXIT_INTERNAL;
	}
	return EXIT_OK;
}

/* --user: the groups, then the group, then the user (after which none of
 * it can be undone). */
static int
drop_privileges(const struct options *o)
{
	if (initgroups(o->user, o->gid) == -1 || setgid(o->gid) == -1 ||
	    setuid(o->uid) == -1) {
		cli_error("--user %s: %s", o->user, strerror(errno));
		return EXIT_INTERNAL;
	}
	if (o->uid != 0 && setuid(0) != -1) {
		cli_error("--user %s: root could be regained", o->user);
		return EXIT_INTERNAL;
	}
	return EXIT_OK;
}

static int
run(struct px *px)
{
	const struct options *o = px->o;
	struct ds_signal *sigs[3] = {NULL, NULL, NULL};
	static const int signos[3] = {SIGTERM, SIGINT, SIGHUP};
	struct acl_error e;
	struct ds_acl *acl = NULL;
	int r, code = EXIT_INTERNAL;

	/* The signals go to the main loop's signalfd only: ds_signal_new()
	 * blocks them here, and ds_workers_start() starts every thread with
	 * all of them blocked. */
	if (build_acl(o, &acl, &e) < 0) {
		if (e.empty)
			cli_error("--acl %s: %s", o->acl_file, ACL_EMPTY);
		else if (e.line)
			cli_error("--acl %s line %u column %zu: %s",
			    o->acl_file, e.line, e.col + 1, ds_strerror(e.err));
		else if (e.err == -ENOMEM)
			cli_error("acl: %s", strerror(ENOMEM));
		else
			cli_error("--acl %s: %s",
			    o->acl_file ? o->acl_file : "-", strerror(-e.err));
		return e.err == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
	}
	if (acl) {
		px->acls = calloc(1, sizeof(*px->acls));
		if (!px->acls) {
			ds_acl_free(acl);
			cli_error("acl: %s", strerror(ENOMEM));
			return EXIT_INTERNAL;
		}
		px->acls->acl = acl;
	}
	px->pcfg.acl = acl;

	px->w = calloc(o->workers, sizeof(*px->w));
	if (!px->w) {
		cli_error("workers: %s", strerror(ENOMEM));
		goto out;
	}
	px->n = o->workers;
	for (unsigned i = 0; i < px->n; i++) {
		px->w[i].px = px;
		px->w[i].id = i;
	}
	if ((r = ds_loop_new(&px->loop)) < 0) {
		cli_error("event loop: %s", ds_strerror(r));
		goto out;
	}
	for (size_t i = 0; i < 3; i++) {
		r = ds_signal_new(px->loop, signos[i], on_signal, px, &sigs[i]);
		if (r < 0) {
			cli_error("signals: %s", ds_strerror(r));
			goto out;
		}
	}

	px->relay = o->relay;
	px->pcfg.relay = &px->relay;
	code = set_budget(px);
	if (code != EXIT_OK)
		goto out;
	/* After the budget, which counts what the workers will open. */
	r = ds_workers_new(
	    px->loop, px->n, &worker_ops, acl, on_workers, px, &px->ws);
	if (r < 0) {
		cli_error("workers: %s", ds_strerror(r));
		code = EXIT_INTERNAL;
		goto out;
	}

	/* Every worker's listeners, before the privileges go. */
	for (unsigned i = 0; i < px->n; i++) {
		code = start_worker(px, i);
		if (code != EXIT_OK)
			goto out;
		if (i > 0)
			continue;
		for (size_t k = 0; k < o->n_listen; k++) {
			struct ds_endpoint eps[2];
			size_t n =
			    ds_proxy_endpoints(px->w[0].proxy, k, eps, 2);
			enum ds_listen_mode mode = px->w[0].lcfg[k].mode;

			cli_listen_failed(
			    &px->w[0].lcfg[k], &px->w[0].rep[k], 0, false);
			for (size_t m = 0; m < n && m < 2; m++)
				log_listening(px, &eps[m], mode);
		}
	}
	/*
	 * Every client group to one worker, so that the per-client limits
	 * and rates hold across workers. Without it (a kernel that refuses
	 * the BPF program) the kernel's hash spreads a client's
	 * connections, and the limits count per worker: worth a warning,
	 * not a refusal to serve.
	 */
	if (px->n > 1 && (r = ds_proxy_steer(px->w[0].proxy, px->n)) < 0)
		cli_error("-j %u: clients cannot be steered to one worker each "
		          "(%s); per-client limits count per worker",
		    px->n, ds_strerror(r));
	if (o->user && (code = drop_privileges(o)) != EXIT_OK)
		goto out;

	code = EXIT_INTERNAL;
	if ((r = ds_workers_start(px->ws)) < 0) {
		cli_error("workers: %s", strerror(-r));
		goto out;
	}

	px->code = EXIT_OK;
	r = ds_loop_run(px->loop);
	if (r < 0) {
		cli_error("event loop: %s", ds_strerror(r));
		px->code = EXIT_INTERNAL;
	}
	code = px->code;
out:
	/* Threads still running (after a failure) are drained at once;
	 * then every proxy is the main thread's to read and free. */
	ds_workers_join(px->ws);
	for (unsigned i = 0; px->w && i < px->n; i++) {
		struct ds_proxy_stats st;

		if (!px->w[i].proxy)
			continue;
		ds_proxy_get_stats(px->w[i].proxy, &st);
		px->total.accepted += st.accepted;
		px->total.relayed += st.relayed;
		px->total.refused += st.refused;
		px->total.failed += st.failed;
		px->total.bytes_in += st.bytes_in;
		px->total.bytes_out += st.bytes_out;
	}
	if (px->stopped)
		log_stopped(px);
	for (unsigned i = 0; px->w && i < px->n; i++)
		px->w[i].proxy = ds_proxy_free(px->w[i].proxy);
	px->ws = ds_workers_free(px->ws);
	for (size_t i = 0; i < 3; i++)
		ds_signal_free(sigs[i]);
	px->loop = ds_loop_free(px->loop);
	free(px->w);
	while (px->acls) {
		struct acl_ref *next = px->acls->next;

		ds_acl_free(px->acls->acl);
		free(px->acls);
		px->acls = next;
	}
	return code;
}

/* --- Options ---------------------------------------------------------------
 */

/* "ADDR:PORT[,MODE]". */
static int
parse_listen(struct options *o, const char *arg)
{
	const char *comma = strrchr(arg, ',');
	struct ds_listen_config *lc = &o->listen[o->n_listen];
	char addr[256];
	size_t len = comma ? (size_t)(comma - arg) : strlen(arg);

	if (o->n_listen == MAX_LISTEN)
		return cli_usage_error(
		    &cli_cmd_proxy, "at most %d --listen", MAX_LISTEN);
	memset(lc, 0, sizeof(*lc));
	if (comma) {
		if (ds_listen_mode_parse(comma + 1, &lc->mode) < 0)
			return cli_usage_error(&cli_cmd_proxy,
			    "--listen '%s': the mode is dual, separate, v6only "
			    "or v4only, not '%s'",
			    arg, comma + 1);
		o->listen_mode_set[o->n_listen] = true;
	}
	if (len >= sizeof(addr))
		return cli_usage_error(
		    &cli_cmd_proxy, "--listen '%s': too long", arg);
	memcpy(addr, arg, len);
	addr[len] = '\0';
	if (cli_parse_listen(addr, &lc->where) < 0)
		return EXIT_USAGE;
	o->n_listen++;
	return EXIT_OK;
}

/* "HOST:PORT": a name, an IPv4 address or [IPv6], as every command takes
 * endpoints (cli_parse_endpoint()). */
static int
parse_backend(struct options *o, const char *arg)
{
	struct cli_endpoint ep;
	size_t hostlen;

	if (o->n_backends == MAX_BACKENDS)
		return cli_usage_error(
		    &cli_cmd_proxy, "at most %d --to", MAX_BACKENDS);
	if (cli_parse_endpoint(
	        "--to ", arg, CLI_EP_NAME | CLI_EP_SERVICE, 0, &ep) != EXIT_OK)
		return EXIT_USAGE;
	hostlen = strlen(ep.host);
	if (hostlen > MAX_HOST)
		return cli_usage_error(&cli_cmd_proxy,
		    "--to '%s': the host is longer than %d bytes", arg,
		    MAX_HOST);
	memcpy(o->hosts[o->n_backends], ep.host, hostlen + 1);
	o->backends[o->n_backends].host = o->hosts[o->n_backends];
	o->backends[o->n_backends].port = ep.ep.port;
	o->n_backends++;
	return EXIT_OK;
}

/*
 * "PREFIX[,PREFIX]..." for --allow, --deny (into o->rules) or --trusted
 * (o->trusted). A prefix both allowed and denied on the command line is
 * refused here, naming both.
 */
static int
parse_prefixes(struct options *o, const char *option, const char *arg,
    enum ds_acl_action action, bool trusted)
{
	struct rule **list = trusted ? &o->trusted : &o->rules;
	size_t *n = trusted ? &o->n_trusted : &o->n_rules;
	const char *p = arg;
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "%s ", option);
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		struct rule r = {
		    .action = action, .option = option, .text = arg};
		size_t errpos = 0;
		int err;

		if (len == 0)
			return cli_usage_error(&cli_cmd_proxy,
			    "%s '%s': an empty prefix", option, arg);
		err = ds_acl_parse_prefix(p, len, &r.prefix, &errpos);
		if (err < 0) {
			cli_parse_error(prefix, arg, strlen(arg),
			    (size_t)(p - arg) + errpos, err);
			return EXIT_USAGE;
		}
		ds_prefix_normalize(&r.prefix);
		if (*n == MAX_RULES)
			return cli_usage_error(&cli_cmd_proxy,
			    "at most %d prefixes with --allow and --deny "
			    "(use --acl FILE)",
			    MAX_RULES);
		if (*n % 64 == 0) {
			struct rule *nl =
			    realloc(*list, (*n + 64) * sizeof(**list));

			if (!nl) {
				cli_error("%s", strerror(ENOMEM));
				return EXIT_INTERNAL;
			}
			*list = nl;
		}
		(*list)[(*n)++] = r;
		if (!comma)
			return EXIT_OK;
		p = comma + 1;
	}
}

/* A conflict among the command-line rules, named by both options. */
static int
check_rules(const struct options *o)
{
	struct ds_acl *acl = NULL;
	int r = ds_acl_new(&acl);

	if (r < 0) {
		cli_error("%s", strerror(-r));
		return EXIT_INTERNAL;
	}
	for (size_t i = 0; i < o->n_rules; i++) {
		const struct rule *ru = &o->rules[i];
		char text[DS_PREFIX_STRLEN];

		r = ds_acl_add(acl, &ru->prefix, ru->action);
		if (r == 0)
			continue;
		ds_acl_free(acl);
		if (r != -DS_E_ACL_CONFLICT) {
			cli_error(
			    "%s %s: %s", ru->option, ru->text, ds_strerror(r));
			return r == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
		}
		ds_prefix_format(&ru->prefix, 0, text, sizeof(text));
		return cli_usage_error(&cli_cmd_proxy,
		    "%s '%s': %s is both allowed and denied", ru->option,
		    ru->text, text);
	}
	ds_acl_free(acl);
	return EXIT_OK;
}

static int
parse_secs(const char *option, const char *arg, bool zero_ok, uint64_t *ret_us)
{
	uint64_t us;

	/* A plain number is seconds, as it always was; "250ms" and "1.5s"
	 * work too. */
	if (cli_parse_duration(arg, CLI_S, (uint64_t)MAX_SECONDS * CLI_S, &us) <
	        0 ||
	    (!zero_ok && us == 0))
		return cli_usage_error(&cli_cmd_proxy,
		    "%s takes seconds from %s to %.0f, not '%s'", option,
		    zero_ok ? "0" : "0.001", MAX_SECONDS, arg);
	*ret_us = us;
	return EXIT_OK;
}

static int
parse_count(const char *option, const char *arg, uint64_t min, uint64_t max,
    uint64_t *ret)
{
	uint64_t v;

	if (cli_parse_u64(arg, max, &v) < 0 || v < min)
		return cli_usage_error(&cli_cmd_proxy,
		    "%s takes a number from %llu to %llu, not '%s'", option,
		    (unsigned long long)min, (unsigned long long)max, arg);
	*ret = v;
	return EXIT_OK;
}

static int
parse_user(struct options *o, const char *name)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (!pw) {
		if (errno != 0 && errno != ENOENT && errno != ESRCH) {
			cli_error("--user %s: %s", name, strerror(errno));
			return EXIT_INTERNAL;
		}
		return cli_usage_error(
		    &cli_cmd_proxy, "--user '%s': no such user", name);
	}
	if (geteuid() != 0)
		return cli_usage_error(&cli_cmd_proxy,
		    "--user %s: only root can change its user (running as "
		    "uid %lu)",
		    name, (unsigned long)geteuid());
	o->user = name;
	o->uid = pw->pw_uid;
	o->gid = pw->pw_gid;
	return EXIT_OK;
}

enum {
	O_LISTEN = 256,
	O_MODE,
	O_TO,
	O_SEND_PROXY,
	O_ACCEPT_PROXY,
	O_TRUSTED,
	O_ALLOW,
	O_DENY,
	O_ACL,
	O_ACL_ALLOW_EMPTY,
	O_MAX_CONNS,
	O_MAX_PER_CLIENT,
	O_RATE,
	O_BURST,
	O_PREFIX6,
	O_PREFIX4,
	O_IDLE,
	O_CONNECT_TIMEOUT,
	O_HEADER_TIMEOUT,
	O_FAIL_HOLD,
	O_DRAIN,
	O_USER,
	O_NO_SPLICE,
	O_PIPE_SIZE,
	O_SERVER,
	O_BACKLOG,
	O_JSON,
};

static const struct option long_opts[] = {
    {"listen", required_argument, NULL, O_LISTEN},
    {"mode", required_argument, NULL, O_MODE},
    {"to", required_argument, NULL, O_TO},
    {"send-proxy", required_argument, NULL, O_SEND_PROXY},
    {"accept-proxy", no_argument, NULL, O_ACCEPT_PROXY},
    {"trusted", required_argument, NULL, O_TRUSTED},
    {"allow", required_argument, NULL, O_ALLOW},
    {"deny", required_argument, NULL, O_DENY},
    {"acl", required_argument, NULL, O_ACL},
    {"acl-allow-empty", no_argument, NULL, O_ACL_ALLOW_EMPTY},
    {"max-conns", required_argument, NULL, O_MAX_CONNS},
    {"max-conns-per-client", required_argument, NULL, O_MAX_PER_CLIENT},
    {"rate", required_argument, NULL, O_RATE},
    {"burst", required_argument, NULL, O_BURST},
    {"client-prefix6", required_argument, NULL, O_PREFIX6},
    {"client-prefix4", required_argument, NULL, O_PREFIX4},
    {"idle-timeout", required_argument, NULL, O_IDLE},
    {"connect-timeout", required_argument, NULL, O_CONNECT_TIMEOUT},
    {"header-timeout", required_argument, NULL, O_HEADER_TIMEOUT},
    {"fail-hold", required_argument, NULL, O_FAIL_HOLD},
    {"drain", required_argument, NULL, O_DRAIN},
    {"workers", required_argument, NULL, 'j'},
    {"user", required_argument, NULL, O_USER},
    {"no-splice", no_argument, NULL, O_NO_SPLICE},
    {"pipe-size", required_argument, NULL, O_PIPE_SIZE},
    {"server", required_argument, NULL, O_SERVER},
    {"backlog", required_argument, NULL, O_BACKLOG},
    {"json", no_argument, NULL, O_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* One option; returns EXIT_OK or the exit code to leave with. */
static int
parse_option(struct options *o, int c, char **argv)
{
	struct ds_proxy_config *pc = &o->pcfg;
	uint64_t v = 0, us = 0;
	int code = EXIT_OK;

	switch (c) {
	case O_LISTEN:
		return parse_listen(o, optarg);
	case O_MODE:
		return cli_parse_mode(&cli_cmd_proxy, optarg, &o->mode);
	case O_TO:
		return parse_backend(o, optarg);
	case O_SEND_PROXY:
		if (strcmp(optarg, "v1") == 0)
			pc->send_proxy = 1;
		else if (strcmp(optarg, "v2") == 0)
			pc->send_proxy = 2;
		else
			return cli_usage_error(&cli_cmd_proxy,
			    "--send-proxy is v1 or v2, not '%s'", optarg);
		return EXIT_OK;
	case O_ACCEPT_PROXY:
		pc->accept_proxy = true;
		return EXIT_OK;
	case O_TRUSTED:
		return parse_prefixes(
		    o, "--trusted", optarg, DS_ACL_ALLOW, true);
	case O_ALLOW:
		return parse_prefixes(
		    o, "--allow", optarg, DS_ACL_ALLOW, false);
	case O_DENY:
		return parse_prefixes(o, "--deny", optarg, DS_ACL_DENY, false);
	case O_ACL:
		if (o->acl_file)
			return cli_usage_error(
			    &cli_cmd_proxy, "--acl given twice");
		if (*optarg == '\0')
			return cli_usage_error(
			    &cli_cmd_proxy, "--acl: an empty file name");
		o->acl_file = optarg;
		return EXIT_OK;
	case O_ACL_ALLOW_EMPTY:
		o->acl_allow_empty = true;
		return EXIT_OK;
	case O_MAX_CONNS:
		code = parse_count("--max-conns", optarg, 0, UINT32_MAX, &v);
		pc->max_conns = (uint32_t)v;
		return code;
	case O_MAX_PER_CLIENT:
		code = parse_count(
		    "--max-conns-per-client", optarg, 0, UINT32_MAX, &v);
		pc->max_conns_per_client = (uint32_t)v;
		return code;
	case O_RATE: {
		char *end;
		double r;

		errno = 0;
		r = ((*optarg >= '0' && *optarg <= '9') || *optarg == '.')
		    ? strtod(optarg, &end)
		    : NAN;
		/* Written so that NaN fails too. */
		if (errno || isnan(r) || *end || !(r >= 0 && r <= 1e6))
			return cli_usage_error(&cli_cmd_proxy,
			    "--rate takes connections per second from 0 to "
			    "1000000, not '%s'",
			    optarg);
		pc->rate = r;
		return EXIT_OK;
	}
	case O_BURST:
		code = parse_count("--burst", optarg, 1, UINT32_MAX, &v);
		pc->burst = (uint32_t)v;
		o->burst_set = true;
		return code;
	case O_PREFIX6:
		code = parse_count("--client-prefix6", optarg, 1, 128, &v);
		pc->client_prefix6 = (unsigned)v;
		return code;
	case O_PREFIX4:
		code = parse_count("--client-prefix4", optarg, 1, 32, &v);
		pc->client_prefix4 = (unsigned)v;
		return code;
	case O_IDLE:
		code = parse_secs("--idle-timeout", optarg, true, &us);
		o->relay.idle_timeout_us = us;
		return code;
	case O_CONNECT_TIMEOUT:
		code = parse_secs("--connect-timeout", optarg, false, &us);
		pc->connect_timeout_us = us;
		return code;
	case O_HEADER_TIMEOUT:
		code = parse_secs("--header-timeout", optarg, false, &us);
		pc->header_timeout_us = us;
		return code;
	case O_FAIL_HOLD:
		code = parse_secs("--fail-hold", optarg, false, &us);
		pc->fail_hold_us = us;
		return code;
	case O_DRAIN:
		return parse_secs("--drain", optarg, true, &o->drain_us);
	case 'j':
		return cli_parse_workers(&cli_cmd_proxy, optarg, &o->workers);
	case O_USER:
		return parse_user(o, optarg);
	case O_NO_SPLICE:
		o->relay.no_splice = true;
		return EXIT_OK;
	case O_PIPE_SIZE:
		/* F_SETPIPE_SZ takes at least a page; the relay at most
		 * 1 GiB. */
		if (cli_parse_size(optarg, 1u << 30, &v) < 0 || v < 4096)
			return cli_usage_error(&cli_cmd_proxy,
			    "--pipe-size takes a size from 4K to 1G, not '%s'",
			    optarg);
		o->relay.pipe_size = (uint32_t)v;
		return EXIT_OK;
	case O_SERVER:
		if (cli_dns_servers(&cli_cmd_proxy, optarg, o->servers,
		        sizeof(o->servers)) != 0)
			return EXIT_USAGE;
		o->resolve.servers = o->servers;
		o->use_resolve = true;
		return EXIT_OK;
	case '4':
	case '6':
		if (o->resolve.family != DS_RESOLVE_ADDRCONFIG &&
		    o->resolve.family !=
		        (c == '4' ? DS_RESOLVE_ONLY_V4 : DS_RESOLVE_ONLY_V6))
			return cli_usage_error(
			    &cli_cmd_proxy, "-4 and -6 exclude each other");
		o->resolve.family =
		    c == '4' ? DS_RESOLVE_ONLY_V4 : DS_RESOLVE_ONLY_V6;
		o->use_resolve = true;
		return EXIT_OK;
	case O_BACKLOG:
		code = parse_count("--backlog", optarg, 1, 65535, &v);
		o->backlog = (int)v;
		return code;
	case O_JSON:
		o->json = true;
		return EXIT_OK;
	default:
		return cli_usage_error(&cli_cmd_proxy,
		    "unknown option or missing value '%s'", argv[optind - 1]);
	}
}

/* What one option cannot check alone. */
static int
check_options(struct options *o)
{
	struct ds_proxy_config *pc = &o->pcfg;

	if (o->n_listen == 0)
		return cli_usage_error(&cli_cmd_proxy,
		    "--listen is required (where to accept clients)");
	if (o->n_backends == 0)
		return cli_usage_error(
		    &cli_cmd_proxy, "--to is required (where to send them)");
	if (pc->accept_proxy && o->n_trusted == 0)
		return cli_usage_error(&cli_cmd_proxy,
		    "--accept-proxy needs --trusted: who may send a header");
	if (!pc->accept_proxy && o->n_trusted > 0)
		return cli_usage_error(
		    &cli_cmd_proxy, "--trusted needs --accept-proxy");
	if (o->burst_set && pc->rate == 0)
		return cli_usage_error(&cli_cmd_proxy, "--burst needs --rate");
	if (o->acl_allow_empty && !o->acl_file)
		return cli_usage_error(
		    &cli_cmd_proxy, "--acl-allow-empty needs --acl");
	for (size_t i = 0; i < o->n_listen; i++) {
		if (!o->listen_mode_set[i])
			o->listen[i].mode = o->mode;
		o->listen[i].backlog = o->backlog;
	}
	return check_rules(o);
}

/* The --trusted ACL: allow rules only. */
static int
build_trusted(const struct options *o, struct ds_acl **ret)
{
	struct ds_acl *acl = NULL;
	int r;

	*ret = NULL;
	if (o->n_trusted == 0)
		return EXIT_OK;
	r = ds_acl_new(&acl);
	for (size_t i = 0; r == 0 && i < o->n_trusted; i++)
		r = ds_acl_add(acl, &o->trusted[i].prefix, DS_ACL_ALLOW);
	if (r < 0) {
		ds_acl_free(acl);
		cli_error("--trusted: %s", ds_strerror(r));
		return r == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
	}
	*ret = acl;
	return EXIT_OK;
}

static int
cmd_proxy(int argc, char **argv)
{
	struct options *o;
	struct px px;
	int c, code = EXIT_OK;

	o = calloc(1, sizeof(*o));
	if (!o) {
		cli_error("%s", strerror(ENOMEM));
		return EXIT_INTERNAL;
	}
	o->mode = DS_LISTEN_DUAL;
	o->workers = 1;
	o->drain_us = 10 * CLI_S;
	o->relay.idle_timeout_us = 600 * CLI_S;

	optind = 1;
	opterr = 0;
	while (code == EXIT_OK &&
	    (c = cli_getopt(&cli_cmd_proxy, argc, argv, "hj:46", long_opts)) !=
	        -1) {
		if (c == 'h') {
			cli_usage(stdout, &cli_cmd_proxy);
			fputs(help_text, stdout);
			fputs(help_text_more, stdout);
			code = cli_finish_stdout(EXIT_OK);
			goto out;
		}
		code = parse_option(o, c, argv);
	}
	if (code != EXIT_OK)
		goto out;
	o->quiet = cli_quiet();
	if (optind < argc) {
		code = cli_usage_error(
		    &cli_cmd_proxy, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	code = check_options(o);
	if (code != EXIT_OK)
		goto out;

	memset(&px, 0, sizeof(px));
	px.o = o;
	px.pcfg = o->pcfg;
	px.pcfg.n_listen = o->n_listen;
	px.pcfg.backends = o->backends;
	px.pcfg.n_backends = o->n_backends;
	px.pcfg.resolve = o->use_resolve ? &o->resolve : NULL;
	code = build_trusted(o, &px.trusted);
	if (code != EXIT_OK)
		goto out;
	px.pcfg.trusted = px.trusted;

	/*
	 * splice(2) has no MSG_NOSIGNAL: a splice into a socket whose peer
	 * is gone raises SIGPIPE, which must not end the proxy (relay.h).
	 * Lines go out whole, one write each (line_write()).
	 */
	signal(SIGPIPE, SIG_IGN);
	code = run(&px);
	ds_acl_free(px.trusted);
	code = cli_finish_stdout(code);
out:
	free(o->rules);
	free(o->trusted);
	free(o);
	return code;
}
