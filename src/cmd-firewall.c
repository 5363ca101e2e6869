/* SPDX-License-Identifier: MIT */
/*
 * dualstack firewall: generate a ruleset that lets through the ICMPv6
 * RFC 4890 asks for and the same services on both families; check a
 * live ruleset (or a file) for the classic IPv6 mistakes; say what a
 * ruleset does to one packet. The ruleset model is lib/fw*.c; the
 * checks and their words are in cmd-firewall-check.c.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dualstack/error.h"
#include "dualstack/fw.h"

#include "cli.h"
#include "cmd-firewall-int.h"

static int cmd_firewall(int argc, char **argv);

const struct cli_command cli_cmd_firewall = {
    "firewall",
    "generate and check rulesets: RFC 4890 ICMPv6, both families alike",
    cmd_firewall,
    "generate [--role host|router|bridge] [--allow PROTO/PORT,...] "
    "[--echo allow|limit|deny] [--knob NAME,...] "
    "[--format nft|iptables|ip6tables]\n"
    "check [--role host|router|bridge] [--json] [--file FILE | "
    "--iptables FILE --ip6tables FILE]\n"
    "test [--json] [--file FILE | --iptables FILE --ip6tables FILE] "
    "PACKET-SPEC",
};

enum {
	O_ROLE = 256,
	O_ALLOW,
	O_ECHO,
	O_KNOB,
	O_FORMAT,
	O_FILE,
	O_IPT,
	O_IP6T,
	O_JSON,
};

/* Services on one command line: more than any host lists. */
#define SERVICES_MAX 256

/* A ruleset file read whole: a large router's dump is a few MiB. */
#define RULESET_MAX (64u << 20)

#define usage_error(...) cli_usage_error(&cli_cmd_firewall, __VA_ARGS__)

static int
parse_allow(const char *s, struct ds_fw_service *out, size_t *n)
{
	while (*s) {
		const char *end = strchr(s, ','), *slash;
		size_t len = end ? (size_t)(end - s) : strlen(s);
		uint64_t port;
		char num[8];

		slash = memchr(s, '/', len);
		if (!slash || (size_t)(s + len - slash - 1) >= sizeof(num))
			goto bad;
		memcpy(num, slash + 1, (size_t)(s + len - slash - 1));
		num[s + len - slash - 1] = '\0';
		if (cli_parse_u64(num, 65535, &port) < 0 || port == 0)
			goto bad;
		if (*n == SERVICES_MAX)
			return usage_error(
			    "--allow: more than %d services", SERVICES_MAX);
		if (slash - s == 3 && memcmp(s, "tcp", 3) == 0)
			out[*n].proto = IPPROTO_TCP;
		else if (slash - s == 3 && memcmp(s, "udp", 3) == 0)
			out[*n].proto = IPPROTO_UDP;
		else
			goto bad;
		out[(*n)++].port = (uint16_t)port;
		if (!end)
			break;
		s = end + 1;
	}
	return EXIT_OK;
bad:
	return usage_error("--allow: '%s' is not a list of tcp/PORT and "
	                   "udp/PORT",
	    s);
}

static int
parse_knobs(const char *s, unsigned *ret)
{
	unsigned k = 0;

	if (strcmp(s, "none") == 0) {
		*ret = 0;
		return EXIT_OK;
	}
	if (strcmp(s, "all") == 0) {
		*ret = DS_FW_KNOB_ALL;
		return EXIT_OK;
	}
	while (*s) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		unsigned b = ds_fw_knob_parse(s, len);

		if (!b)
			return usage_error("--knob: unknown knob in '%s'", s);
		k |= b;
		if (!end)
			break;
		s = end + 1;
	}
	*ret = k;
	return EXIT_OK;
}

static int
cmd_generate(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"role", required_argument, NULL, O_ROLE},
	    {"allow", required_argument, NULL, O_ALLOW},
	    {"echo", required_argument, NULL, O_ECHO},
	    {"knob", required_argument, NULL, O_KNOB},
	    {"format", required_argument, NULL, O_FORMAT},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static struct ds_fw_service svc[SERVICES_MAX];
	struct ds_fw_gen g = {.role = DS_FW_ROLE_HOST,
	    .echo = DS_FW_ECHO_ALLOW,
	    .knobs = DS_FW_KNOB_DEFAULT,
	    .services = svc};
	enum ds_fw_format format = DS_FW_FMT_NFT;
	char *buf;
	int c, n, r;

	while (
	    (c = cli_getopt(&cli_cmd_firewall, argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'h':
			fw_help(&cli_cmd_firewall);
			return cli_finish_stdout(EXIT_OK);
		case O_ROLE:
			if ((r = fw_parse_role(&cli_cmd_firewall, optarg,
			         &g.role)) != EXIT_OK)
				return r;
			break;
		case O_ALLOW:
			if ((r = parse_allow(optarg, svc, &g.n_services)) !=
			    EXIT_OK)
				return r;
			break;
		case O_ECHO:
			if (strcmp(optarg, "allow") == 0)
				g.echo = DS_FW_ECHO_ALLOW;
			else if (strcmp(optarg, "limit") == 0)
				g.echo = DS_FW_ECHO_LIMIT;
			else if (strcmp(optarg, "deny") == 0)
				g.echo = DS_FW_ECHO_DENY;
			else
				return usage_error("--echo: '%s' is not allow, "
				                   "limit or deny",
				    optarg);
			break;
		case O_KNOB:
			if ((r = parse_knobs(optarg, &g.knobs)) != EXIT_OK)
				return r;
			break;
		case O_FORMAT:
			if (strcmp(optarg, "nft") == 0)
				format = DS_FW_FMT_NFT;
			else if (strcmp(optarg, "iptables") == 0)
				format = DS_FW_FMT_IPTABLES;
			else if (strcmp(optarg, "ip6tables") == 0)
				format = DS_FW_FMT_IP6TABLES;
			else
				return usage_error("--format: '%s' is not nft, "
				                   "iptables or ip6tables",
				    optarg);
			break;
		default:
			return usage_error(
			    "generate: unknown option %s", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return usage_error(
		    "generate: unexpected argument '%s'", argv[optind]);
	n = ds_fw_generate(&g, format, NULL, 0);
	if (n < 0) {
		cli_error("generate: %s", ds_strerror(n));
		return EXIT_INTERNAL;
	}
	buf = malloc((size_t)n + 1);
	if (!buf) {
		cli_error("generate: %s", ds_strerror(-ENOMEM));
		return EXIT_INTERNAL;
	}
	ds_fw_generate(&g, format, buf, (size_t)n + 1);
	fwrite(buf, 1, (size_t)n, stdout);
	free(buf);
	return cli_finish_stdout(EXIT_OK);
}

static int
cmd_firewall(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("%s", "a subcommand: generate, check, test");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fw_help(&cli_cmd_firewall);
		return cli_finish_stdout(EXIT_OK);
	}
	optind = 1;
	opterr = 0;
	if (strcmp(argv[1], "generate") == 0)
		return cmd_generate(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return fw_cmd_check(&cli_cmd_firewall, argc - 1, argv + 1);
	if (strcmp(argv[1], "test") == 0)
		return fw_cmd_test(&cli_cmd_firewall, argc - 1, argv + 1);
	{
		static const char *const subs[] = {"generate", "check", "test"};
		const char *hint = cli_suggest(argv[1], subs, 3);

		if (hint)
			return usage_error(
			    "unknown subcommand '%s'; did you mean '%s'?",
			    argv[1], hint);
	}
	return usage_error(
	    "unknown subcommand '%s': generate, check or test", argv[1]);
}
