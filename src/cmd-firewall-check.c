/* SPDX-License-Identifier: MIT */
/*
 * dualstack firewall check and test: read a ruleset (the live one from
 * "nft -j list ruleset", or files), then report the findings of
 * ds_fw_check(), or what happens to one packet.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dualstack/error.h"
#include "dualstack/finding.h"
#include "dualstack/fw.h"

#include "cli-finding.h"
#include "cli.h"
#include "cmd-firewall-int.h"

/* Findings kept: every ICMPv6 type twice and every port of a host. */
#define FINDINGS_MAX 1024

enum {
	O_ROLE = 256,
	O_FILE,
	O_IPT,
	O_IP6T,
	O_JSON,
};

static const struct option opts[] = {
    {"role", required_argument, NULL, O_ROLE},
    {"file", required_argument, NULL, O_FILE},
    {"iptables", required_argument, NULL, O_IPT},
    {"ip6tables", required_argument, NULL, O_IP6T},
    {"json", no_argument, NULL, O_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct source {
	const char *file, *ipt4, *ipt6;
};

static int
load_error(const char *what, int r, const struct ds_fw_pos *pos)
{
	if (pos->line)
		cli_error("%s: line %u, column %u: %s", what, pos->line,
		    pos->column, ds_strerror(r));
	else if (pos->item && pos->expr)
		cli_error("%s: object %u of \"nftables\", expression %u: %s",
		    what, pos->item, pos->expr, ds_strerror(r));
	else if (pos->item)
		cli_error("%s: object %u of \"nftables\": %s", what, pos->item,
		    ds_strerror(r));
	else
		cli_error("%s: %s", what, ds_strerror(r));
	return r == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
}

static int
load_one(struct ds_fw *fw, const char *path, int family)
{
	struct ds_fw_pos pos = {0};
	int fd = 0, r;

	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd == -1) {
			cli_error("%s: %s", path, strerror(errno));
			return EXIT_USAGE;
		}
	}
	r = ds_fw_load_fd(fw, fd, family, &pos);
	if (fd != 0)
		close(fd);
	return r < 0 ? load_error(path, r, &pos) : EXIT_OK;
}

static int
load(const struct source *src, struct ds_fw **ret)
{
	struct ds_fw *fw = NULL;
	int code = EXIT_OK;

	if (ds_fw_new(&fw) < 0) {
		cli_error("%s", strerror(ENOMEM));
		return EXIT_INTERNAL;
	}
	if (src->file)
		code = load_one(fw, src->file, 0);
	if (code == EXIT_OK && src->ipt4)
		code = load_one(fw, src->ipt4, AF_INET);
	if (code == EXIT_OK && src->ipt6)
		code = load_one(fw, src->ipt6, AF_INET6);
	if (code == EXIT_OK && !src->file && !src->ipt4 && !src->ipt6) {
		struct ds_fw_pos pos = {0};
		int status = 0;
		int r = ds_fw_load_live(fw, STDERR_FILENO, &status, &pos);

		if (r == -DS_E_FW_NFT) {
			cli_error("nft -j list ruleset failed (exit %d); "
			          "without nftables, give --iptables and "
			          "--ip6tables files",
			    status);
			code = EXIT_INTERNAL;
		} else if (r < 0 && r > -DS_E_BASE && r != -ENOMEM) {
			/* A system errno: nft could not be run or read. */
			cli_error("nft -j list ruleset: %s%s", ds_strerror(r),
			    r == -ENOENT ? " (is nftables installed?)" : "");
			code = EXIT_INTERNAL;
		} else if (r < 0) {
			code = load_error("nft -j list ruleset", r, &pos);
		}
	}
	if (code != EXIT_OK) {
		ds_fw_free(fw);
		return code;
	}
	*ret = fw;
	return EXIT_OK;
}

/* The help shared by every subcommand of dualstack firewall. */
static const char help_text[] =
    "\n"
    "generate    print a complete ruleset for nft -f (or iptables-restore,\n"
    "            ip6tables-restore): established and related, loopback, the\n"
    "            ICMPv6 RFC 4890 says the role must and should pass (each\n"
    "            rule commented with its section), the services for both\n"
    "            families, a rate-limited log and a default drop\n"
    "  --role R        host (default): traffic to this host (RFC 4890 4.4);\n"
    "                  router: and through it (4.3); bridge: and across a\n"
    "                  bridge, with the link's own ND and MLD\n"
    "  --allow LIST    services, given once for both families:\n"
    "                  tcp/22,tcp/443,udp/53\n"
    "  --echo E        echo requests: allow (default), limit (10/s), deny\n"
    "  --knob LIST     ICMPv6 allocated since RFC 4890 to let through:\n"
    "                  param-problem-new (default), extended-echo, rpl,\n"
    "                  mpl, fmipv6, ilnp, 6lowpan-dad; all; none\n"
    "  --format F      nft (default, both families), iptables (IPv4),\n"
    "                  ip6tables (IPv6)\n"
    "\n"
    "check       read the live ruleset (nft -j list ruleset) or a file and\n"
    "            report: ICMPv6 RFC 4890 says must pass that is dropped\n"
    "            (Packet Too Big and Neighbor Discovery first), should-pass\n"
    "            ICMPv6 dropped, IPv6 open while IPv4 is filtered, services\n"
    "            open on one family only, Teredo or 6in4 passing while\n"
    "            native IPv6 is filtered, ICMPv6 rate limits low enough to\n"
    "            break Neighbor Discovery. Exit 1 on a must-level finding.\n"
    "  --role R        which hooks are checked (router: forward as well)\n"
    "\n"
    "test        what the ruleset does to one packet: the verdict and the\n"
    "            rule that decides it, e.g.\n"
    "              dualstack firewall test 'icmpv6 type 2 from 2001:db8::1 "
    "to local'\n"
    "            PACKET-SPEC: [ip|ip6] tcp|udp|icmp|icmpv6|proto N\n"
    "              [type T [code C]] [from ADDR|local [port N]]\n"
    "              [to ADDR|local [ADDR] [port N]] [in IF] [out IF]\n"
    "              [hop-limit N] [state new|established|related|invalid|\n"
    "              untracked] [hook input|forward|output|bridge]\n"
    "            Exit 0 accepted, 1 dropped or rejected, 3 unknown.\n"
    "\n"
    "  --file FILE     nft -j list ruleset output (- for standard input)\n"
    "  --iptables FILE, --ip6tables FILE\n"
    "                  iptables-save / ip6tables-save output\n"
    "  --json          one JSON document\n"
    "  -q, --quiet, -v, --verbose\n"
    "                  taken as by every command; the output is the\n"
    "                  result alone either way\n"
    "  -h, --help      this help\n";

void
fw_help(const struct cli_command *cmd)
{
	cli_usage(stdout, cmd);
	fputs(help_text, stdout);
}

int
fw_parse_role(
    const struct cli_command *cmd, const char *s, enum ds_fw_role *ret)
{
	for (unsigned r = DS_FW_ROLE_HOST; r <= DS_FW_ROLE_BRIDGE; r++)
		if (strcmp(s, ds_fw_role_token((enum ds_fw_role)r)) == 0) {
			*ret = (enum ds_fw_role)r;
			return EXIT_OK;
		}
	return cli_usage_error(
	    cmd, "--role: '%s' is not host, router or bridge", s);
}

/* "tcp/22,udp/53" */
/* Common options; returns -1 to go on, else an exit code. */
static int
option(const struct cli_command *cmd, int c, struct source *src, bool *json,
    enum ds_fw_role *role, char **argv)
{
	switch (c) {
	case 'h':
		fw_help(cmd);
		return cli_finish_stdout(EXIT_OK);
	case O_FILE:
		src->file = optarg;
		return -1;
	case O_IPT:
		src->ipt4 = optarg;
		return -1;
	case O_IP6T:
		src->ipt6 = optarg;
		return -1;
	case O_JSON:
		*json = true;
		return -1;
	case O_ROLE:
		if (role)
			return fw_parse_role(cmd, optarg, role) == EXIT_OK
			    ? -1
			    : EXIT_USAGE;
		return cli_usage_error(cmd, "test takes no --role");
	default:
		return cli_usage_error(
		    cmd, "unknown option %s", argv[optind - 1]);
	}
}

/* "  by:   inet t input handle 5: RULE" or "... inet t input: its
 * policy". */
static void
print_rule(const struct ds_finding *f, const char *label)
{
	char line[512];

	if (cli_finding_rule(f, line, sizeof(line)) >= 0)
		printf("  %s %s\n", label, line);
}

int
fw_cmd_check(const struct cli_command *cmd, int argc, char **argv)
{
	struct source src = {0};
	enum ds_fw_role role = DS_FW_ROLE_HOST;
	struct ds_finding *f;
	struct ds_fw *fw = NULL;
	size_t n, shown, errors = 0, warnings = 0;
	bool json = false;
	char text[512];
	int c, code;

	while ((c = cli_getopt(cmd, argc, argv, "h", opts)) != -1)
		if ((code = option(cmd, c, &src, &json, &role, argv)) >= 0)
			return code;
	if (optind != argc)
		return cli_usage_error(
		    cmd, "check: unexpected argument '%s'", argv[optind]);
	code = load(&src, &fw);
	if (code != EXIT_OK)
		return code;
	f = calloc(FINDINGS_MAX, sizeof(*f));
	if (!f) {
		ds_fw_free(fw);
		cli_error("%s", strerror(ENOMEM));
		return EXIT_INTERNAL;
	}
	n = ds_fw_check(fw, role, f, FINDINGS_MAX);
	shown = n < FINDINGS_MAX ? n : FINDINGS_MAX;
	for (size_t i = 0; i < shown; i++) {
		errors += f[i].severity == DS_SEV_ERROR;
		warnings += f[i].severity == DS_SEV_WARNING;
	}
	if (json) {
		struct json j;

		json_init(&j, stdout, true);
		json_begin_object(&j);
		json_kv_string(&j, "ruleset",
		    src.file                   ? src.file
		        : src.ipt4 || src.ipt6 ? "iptables-save"
		                               : "live");
		json_kv_string(&j, "role", ds_fw_role_token(role));
		json_kv_u64(&j, "rules", ds_fw_n_rules(fw));
		json_kv_u64(&j, "errors", errors);
		json_kv_u64(&j, "warnings", warnings);
		json_key(&j, "findings");
		json_begin_array(&j);
		for (size_t i = 0; i < shown; i++) {
			fw_finding_text(&f[i], text, sizeof(text));
			json_begin_object(&j);
			json_kv_string(&j, "text", text);
			json_key(&j, "finding");
			json_finding(&j, &f[i]);
			json_end(&j);
		}
		json_end(&j);
		json_end(&j);
		json_finish(&j);
	} else {
		for (size_t i = 0; i < shown; i++) {
			const struct ds_evidence *fix =
			    ds_finding_get(&f[i], DS_EVK_FIX);

			fw_finding_text(&f[i], text, sizeof(text));
			printf(
			    "%s: %s\n", ds_severity_token(f[i].severity), text);
			if (f[i].severity > DS_SEV_OK) {
				print_rule(&f[i], "by:  ");
				if (fix)
					printf("  fix:  %s (%s)\n", fix->v.text,
					    ds_finding_bool(
					        &f[i], DS_EVK_POLICY)
					        ? "at the end of that chain"
					        : "before that rule");
			}
		}
		printf(
		    "%zu rules checked as a %s: %zu error%s, %zu warning%s\n",
		    ds_fw_n_rules(fw), ds_fw_role_token(role), errors,
		    errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
	}
	free(f);
	ds_fw_free(fw);
	return cli_finish_stdout(errors ? EXIT_FAILED : EXIT_OK);
}

int
fw_cmd_test(const struct cli_command *cmd, int argc, char **argv)
{
	struct source src = {0};
	struct ds_fw *fw = NULL;
	struct ds_fw_packet p;
	struct ds_fw_result res;
	struct ds_fw_chain ch;
	char spec[1024], rule[512] = "", chain[600] = "";
	size_t len = 0, pos = 0;
	bool json = false;
	int c, code, r;

	while ((c = cli_getopt(cmd, argc, argv, "h", opts)) != -1)
		if ((code = option(cmd, c, &src, &json, NULL, argv)) >= 0)
			return code;
	if (optind == argc)
		return cli_usage_error(cmd,
		    "test: a packet spec, e.g. 'icmpv6 type 2 from "
		    "2001:db8::1 to local'");
	/* The spec may come as one word or many. */
	spec[0] = '\0';
	for (int i = optind; i < argc; i++) {
		int n = snprintf(spec + len, sizeof(spec) - len, "%s%s",
		    i > optind ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(spec) - len)
			return cli_usage_error(
			    cmd, "test: the packet spec is too long");
		len += (size_t)n;
	}
	r = ds_fw_packet_parse(spec, len, &p, &pos);
	if (r < 0) {
		cli_parse_error("packet spec ", spec, len, pos, r);
		return EXIT_USAGE;
	}
	code = load(&src, &fw);
	if (code != EXIT_OK)
		return code;
	ds_fw_eval(fw, &p, &res);
	if (res.chain != DS_FW_NONE && ds_fw_chain(fw, res.chain, &ch) == 0)
		snprintf(chain, sizeof(chain), "%s %s %s",
		    ds_fw_family_token(ch.family), ch.table, ch.name);
	if (res.rule != DS_FW_NONE)
		ds_fw_rule_format(fw, res.rule, rule, sizeof(rule));
	if (json) {
		struct json j;
		struct ds_fw_rule ru;

		json_init(&j, stdout, true);
		json_begin_object(&j);
		json_kv_string(&j, "packet", spec);
		json_kv_string(&j, "hook", ds_fw_hook_token(p.hook));
		json_kv_string(&j, "verdict", ds_fw_verdict_token(res.verdict));
		json_kv_string(&j, "why", ds_fw_why_token(res.why));
		if (chain[0])
			json_kv_string(&j, "chain", chain);
		if (res.rule != DS_FW_NONE &&
		    ds_fw_rule(fw, res.rule, &ru) == 0) {
			json_kv_string(&j, "rule", rule);
			if (ru.line)
				json_kv_u64(&j, "line", ru.line);
			else
				json_kv_u64(&j, "handle", ru.handle);
		}
		json_kv_bool(&j, "rate_limited", res.limited);
		json_end(&j);
		json_finish(&j);
	} else {
		struct ds_fw_rule ru;

		printf("%s", ds_fw_verdict_token(res.verdict));
		switch (res.why) {
		case DS_FW_BY_RULE:
		case DS_FW_BY_UNKNOWN:
			ds_fw_rule(fw, res.rule, &ru);
			if (ru.line)
				printf(" %s %s, line %u: %s\n",
				    res.why == DS_FW_BY_RULE ? "by" : "at",
				    chain, ru.line, rule);
			else
				printf(" %s %s handle %llu: %s\n",
				    res.why == DS_FW_BY_RULE ? "by" : "at",
				    chain, (unsigned long long)ru.handle, rule);
			if (res.why == DS_FW_BY_UNKNOWN)
				printf("  this rule holds a match the model "
				       "cannot evaluate for this packet\n");
			break;
		case DS_FW_BY_POLICY:
			printf(" by the policy of %s\n", chain);
			break;
		case DS_FW_BY_NOTHING:
			printf(": no chain filters the %s hook\n",
			    ds_fw_hook_token(p.hook));
			break;
		case DS_FW_BY_LOOP:
			printf(": jumps nest deeper than the kernel allows, in "
			       "%s\n",
			    chain);
			break;
		}
		if (res.limited)
			printf("  (while under the rate limit it passed)\n");
	}
	ds_fw_free(fw);
	return cli_finish_stdout(
	    res.verdict == DS_FW_ACCEPT ? EXIT_OK : EXIT_FAILED);
}
