/* SPDX-License-Identifier: MIT */
/*
 * dualstack doctor: what is wrong with this host's IPv6, why, and how to
 * fix it. The facts are read once (ds_host_facts_read()), judged by the
 * library (ds_host_check_run()) into findings, and put in words here
 * (cmd-doctor-words.c); --json writes the same findings as data.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dualstack/connect.h"
#include "dualstack/error.h"
#include "dualstack/finding.h"
#include "dualstack/host.h"

#include "cli-finding.h"
#include "cli.h"
#include "cmd-doctor-words.h"

static int cmd_doctor(int argc, char **argv);

const struct cli_command cli_cmd_doctor = {
    "doctor",
    "what is wrong with this host's IPv6, why, and how to fix it",
    cmd_doctor,
    "[--only CHECK[,CHECK...]] [--probe HOST[:PORT]] [--json]\n"
    "--list-checks [--json]",
};

static const char help_text[] =
    "\n"
    "Read this host's network facts -- interfaces, addresses and their\n"
    "flags, routes, neighbours, the IPv6 sysctls, resolv.conf, gai.conf,\n"
    "nsswitch.conf, /etc/hosts -- and a loopback self-test, and report\n"
    "every finding with its severity (error, warning, info, ok), its\n"
    "cause, its evidence (the fact and where it came from: a sysctl, a\n"
    "file and line, a netlink dump) and its fix (a command or a file\n"
    "line). Nothing leaves the host, unless --probe.\n"
    "\n"
    "      --only LIST      run only these checks (comma-separated; see\n"
    "                       --list-checks)\n"
    "      --probe HOST[:PORT]\n"
    "                       also connect to HOST (default port 443) once,\n"
    "                       Happy Eyeballs as 'dualstack connect' does it\n"
    "                       (one lookup, one race, 10 s at most): the\n"
    "                       winner, the time, and whether IPv6 lost\n"
    "                       ([2001:db8::1]:80 for an IPv6 address,\n"
    "                       [fe80::1%eth0]:80 for a link-local one)\n"
    "      --list-checks    list the checks and what each looks at\n"
    "      --json           one JSON document\n"
    "  -q, --quiet          only the warnings and errors, and the count\n"
    "  -v, --verbose        as without -q: every finding\n"
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0 nothing above info, 1 a warning or an error was\n"
    "found, 2 usage error, 3 a fact could not be read.\n";

/* More findings than any host gives: one per address at most, and
 * DS_HOST_ADDR_MAX of those. */
#define FINDINGS_MAX (DS_HOST_ADDR_MAX * 2 + 64)

static const char *const severity_words[] = {
    [DS_SEV_OK] = "ok",
    [DS_SEV_INFO] = "info",
    [DS_SEV_WARNING] = "warning",
    [DS_SEV_ERROR] = "error",
};

static int
parse_only(const char *list, unsigned *ret)
{
	unsigned mask = 0;
	const char *p = list;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		enum ds_host_check c;

		if (ds_host_check_parse(p, n, &c) < 0)
			return cli_usage_error(&cli_cmd_doctor,
			    "--only: '%.*s': no such check (see "
			    "--list-checks)",
			    (int)n, p);
		mask |= 1u << c;
		if (!comma)
			break;
		p = comma + 1;
	}
	*ret = mask;
	return EXIT_OK;
}

/* The port --probe uses when none is given: what most hosts serve. */
#define PROBE_PORT 443

/* The race of --probe: at most this long (the library's default is
 * RFC 8305's 30 s, meant for a connect a program waits for). */
#define PROBE_TIMEOUT_MS 10000

/* Run the race and add its findings after the n already in found. */
static size_t
probe(const char *host, uint16_t port, struct ds_finding *found, size_t n,
    size_t max)
{
	struct ds_connect_opts opts;
	struct ds_connect_result res;
	struct ds_he_event *trace = NULL;
	size_t ntrace = 0, k;

	ds_connect_opts_init(&opts);
	opts.timeout_us = PROBE_TIMEOUT_MS * 1000ull;
	(void)ds_connect_run(host, port, &opts, &res, &trace, &ntrace);
	if (res.err == 0 && res.fd >= 0)
		(void)close(res.fd);
	k = ds_host_probe_findings(
	    host, port, &res, trace, ntrace, found + n, max - n);
	free(trace);
	return n + (k < max - n ? k : max - n);
}

static int
list_checks(bool json)
{
	if (json) {
		struct json j;

		json_init(&j, stdout, true);
		json_begin_array(&j);
		for (unsigned c = 0; c < DS_HOST__CHECK_END; c++) {
			json_begin_object(&j);
			json_kv_string(&j, "check",
			    ds_host_check_token((enum ds_host_check)c));
			json_kv_string(&j, "text",
			    doctor_check_words((enum ds_host_check)c));
			json_end(&j);
		}
		json_end(&j);
		json_finish(&j);
	} else {
		for (unsigned c = 0; c < DS_HOST__CHECK_END; c++)
			printf("%-10s %s\n",
			    ds_host_check_token((enum ds_host_check)c),
			    doctor_check_words((enum ds_host_check)c));
	}
	return cli_finish_stdout(EXIT_OK);
}

/* The effective RFC 6724 precedence table, one row per line or per
 * JSON object. */
static void
text_policy(const struct ds_policy *pol)
{
	char buf[DS_ADDR_STRLEN + 8];

	printf("    table in use (precedence):");
	for (size_t i = 0; i < pol->n_precedence; i++) {
		if (ds_prefix_format(
		        &pol->precedence[i].prefix, 0, buf, sizeof(buf)) < 0)
			continue;
		printf("%s %s %u", i ? "," : "", buf, pol->precedence[i].value);
	}
	printf("\n");
}

static void
json_policy(struct json *j, const struct ds_policy *pol)
{
	char buf[DS_ADDR_STRLEN + 8];

	json_key(j, "policy");
	json_begin_array(j);
	for (size_t i = 0; i < pol->n_precedence; i++) {
		unsigned label = 0;

		if (ds_prefix_format(
		        &pol->precedence[i].prefix, 0, buf, sizeof(buf)) < 0)
			continue;
		(void)ds_policy_lookup(
		    pol, &pol->precedence[i].prefix.addr, NULL, &label);
		json_begin_object(j);
		json_kv_string(j, "prefix", buf);
		json_kv_int(j, "precedence", pol->precedence[i].value);
		json_kv_int(j, "label", label);
		json_end(j);
	}
	json_end(j);
}

static void
text_finding(const struct ds_finding *f, const struct ds_host_facts *facts)
{
	char buf[1024], val[DS_ENDPOINT_STRLEN + DS_EVIDENCE_TEXT_MAX];

	printf(
	    "%-7s %s", severity_words[f->severity], ds_finding_token(f->code));
	if (f->subject.type)
		printf(" %s", cli_evidence_text(&f->subject, val, sizeof(val)));
	printf("\n");
	doctor_cause_text(f, buf, sizeof(buf));
	printf("    %s\n", buf);
	if (f->n_evidence) {
		printf("    evidence:");
		for (size_t i = 0; i < f->n_evidence; i++) {
			const struct ds_evidence *e = &f->evidence[i];

			/* A family is a number in JSON (AF_INET6 is 10),
			 * a name for people. */
			if (e->key == DS_EVK_FAMILY && e->type == DS_EV_UINT)
				printf(" family=%s",
				    e->v.u == AF_INET ? "IPv4" : "IPv6");
			else
				printf(" %s=%s", ds_evidence_key_token(e->key),
				    cli_evidence_text(e, val, sizeof(val)));
		}
		printf("\n");
	}
	if (f->code == DS_FIND_HOST_POLICY &&
	    strcmp(ds_finding_get(f, DS_EVK_CLASS)->v.token, "default") != 0)
		text_policy(&facts->policy);
	doctor_fix_text(f, buf, sizeof(buf));
	if (buf[0])
		printf("    fix: %s\n", buf);
}

static int
cmd_doctor(int argc, char **argv)
{
	enum { O_ONLY = 256, O_LIST, O_JSON, O_PROBE };
	static const struct option opts[] = {
	    {"only", required_argument, NULL, O_ONLY},
	    {"probe", required_argument, NULL, O_PROBE},
	    {"list-checks", no_argument, NULL, O_LIST},
	    {"json", no_argument, NULL, O_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static struct ds_host_facts facts;
	static struct ds_finding found[FINDINGS_MAX];
	size_t counts[DS_SEV_ERROR + 1] = {0}, n;
	unsigned mask = DS_HOST_CHECK_ALL;
	bool json = false, list = false, unreadable = false;
	struct cli_endpoint probe_ep;
	bool has_probe = false;
	int c, r, code;

	optind = 1;
	opterr = 0;
	while ((c = cli_getopt(&cli_cmd_doctor, argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'h':
			cli_usage(stdout, &cli_cmd_doctor);
			fputs(help_text, stdout);
			return cli_finish_stdout(EXIT_OK);
		case O_ONLY:
			if ((r = parse_only(optarg, &mask)) != EXIT_OK)
				return r;
			break;
		case O_LIST:
			list = true;
			break;
		case O_PROBE:
			/* The endpoint grammar of every command, the port
			 * optional: "example.com", "192.0.2.1:80",
			 * "[2001:db8::1]:80", a bare "2001:db8::1"; a
			 * link-local address needs its zone. */
			r = cli_parse_endpoint("--probe ", optarg,
			    CLI_EP_NAME | CLI_EP_SERVICE | CLI_EP_PORT_OPTIONAL,
			    PROBE_PORT, &probe_ep);
			if (r != EXIT_OK)
				return r;
			has_probe = true;
			break;
		case O_JSON:
			json = true;
			break;
		default:
			return cli_usage_error(&cli_cmd_doctor,
			    "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(
		    &cli_cmd_doctor, "unexpected argument '%s'", argv[optind]);
	if (list)
		return list_checks(json);

	/* A one-shot client: SIGINT or SIGTERM ends it with 128 + the
	 * signal and a line saying how far it got (dualstack(1), EXIT
	 * STATUS); the report comes only once everything is known. */
	static const char *volatile stage = "reading the host's facts";

	cli_interrupt_exits(&stage);
	r = ds_host_facts_read(NULL, &facts);
	if (r < 0) {
		cli_error("reading the host's facts: %s", ds_strerror(r));
		return EXIT_INTERNAL;
	}
	/* Only an IPv6-only host needs NAT64, and the lookup is the one
	 * fact not read from this host. */
	if ((mask & 1u << DS_HOST_CHECK_CLASS) &&
	    ds_host_class_of(&facts) == DS_HOST_CLASS_IPV6_ONLY)
		(void)ds_host_nat64_read(&facts);
	n = ds_host_check_run(&facts, mask, found, FINDINGS_MAX);
	if (n > FINDINGS_MAX)
		n = FINDINGS_MAX;
	stage = "the host checked; the --probe race not finished";
	if (has_probe)
		n = probe(
		    probe_ep.host, probe_ep.ep.port, found, n, FINDINGS_MAX);
	for (size_t i = 0; i < n; i++) {
		counts[found[i].severity]++;
		unreadable |= found[i].code == DS_FIND_HOST_UNREADABLE;
	}
	code = unreadable                                   ? EXIT_INTERNAL
	    : counts[DS_SEV_WARNING] + counts[DS_SEV_ERROR] ? EXIT_FAILED
	                                                    : EXIT_OK;

	if (json) {
		struct json j;

		json_init(&j, stdout, true);
		json_begin_object(&j);
		json_key(&j, "checks");
		json_begin_array(&j);
		for (unsigned k = 0; k < DS_HOST__CHECK_END; k++)
			if (mask & 1u << k)
				json_string(&j,
				    ds_host_check_token((enum ds_host_check)k));
		json_end(&j);
		json_key(&j, "findings");
		json_begin_array(&j);
		for (size_t i = 0; i < n; i++)
			json_finding(&j, &found[i]);
		json_end(&j);
		if (mask & 1u << DS_HOST_CHECK_POLICY)
			json_policy(&j, &facts.policy);
		json_key(&j, "summary");
		json_begin_object(&j);
		for (int s = DS_SEV_ERROR; s >= DS_SEV_OK; s--)
			json_kv_u64(&j, severity_words[s], counts[s]);
		json_end(&j);
		json_end(&j);
		json_finish(&j);
		return cli_finish_stdout(code);
	}
	/* Most severe first; the library's order within a severity. */
	for (int s = DS_SEV_ERROR; s >= DS_SEV_OK; s--)
		for (size_t i = 0; i < n; i++)
			if ((int)found[i].severity == s &&
			    (s >= DS_SEV_WARNING || !cli_quiet()))
				text_finding(&found[i], &facts);
	printf("%zu error(s), %zu warning(s), %zu info, %zu ok\n",
	    counts[DS_SEV_ERROR], counts[DS_SEV_WARNING], counts[DS_SEV_INFO],
	    counts[DS_SEV_OK]);
	return cli_finish_stdout(code);
}
