/* SPDX-License-Identifier: MIT */
/*
 * dualstack: one program, one subcommand per job. The table below is the
 * only list of commands: dispatch, "dualstack help" and the shell
 * completion all read it. Names match exactly; there are no abbreviations,
 * so scripts never change meaning when a command is added.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"

#include "cli.h"

static int cmd_help(int argc, char **argv);
static int cmd_completion(int argc, char **argv);

static const struct cli_command cli_cmd_help = {
    "help",
    "show the commands, or one command's help",
    cmd_help,
    "[COMMAND]",
};

static const struct cli_command cli_cmd_completion = {
    "completion",
    "print a bash, zsh or fish completion script",
    cmd_completion,
    "bash|zsh|fish",
};

static const struct cli_command *const commands[] = {
    &cli_cmd_addr,
    &cli_cmd_serve,
    &cli_cmd_load,
    &cli_cmd_resolve,
    &cli_cmd_dns,
    &cli_cmd_connect,
    &cli_cmd_reach,
    &cli_cmd_proxy,
    &cli_cmd_dissect,
    &cli_cmd_mcast,
    &cli_cmd_firewall,
    &cli_cmd_ra,
    &cli_cmd_doctor,
    &cli_cmd_help,
    &cli_cmd_completion,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct cli_command *
find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

/* "unknown command 'adr'; did you mean 'addr'?" */
static int
unknown_command(const char *name)
{
	const char *names[NCOMMANDS], *hint;

	for (size_t i = 0; i < NCOMMANDS; i++)
		names[i] = commands[i]->name;
	hint = cli_suggest(name, names, NCOMMANDS);
	if (hint)
		cli_error(
		    "unknown command '%s'; did you mean '%s'?", name, hint);
	else
		cli_error(
		    "unknown command '%s'; 'dualstack help' lists them", name);
	return EXIT_USAGE;
}

static void
main_usage(FILE *f)
{
	fprintf(f,
	    "usage: dualstack COMMAND [ARGS...]\n"
	    "       dualstack help [COMMAND]\n"
	    "       dualstack --version\n"
	    "\n"
	    "Dual-stack (IPv4 + IPv6) networking toolkit.\n"
	    "\n"
	    "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(
		    f, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f,
	    "\n"
	    "'dualstack COMMAND --help' and 'man dualstack-COMMAND' say more.\n"
	    "Exit status: 0 success, 1 the thing checked failed, 2 usage or\n"
	    "input error, 3 internal or system error.\n");
}

static int
cmd_help(int argc, char **argv)
{
	const struct cli_command *cmd;
	char *sub[] = {NULL, "--help", NULL};

	if (argc < 2) {
		main_usage(stdout);
		return cli_finish_stdout(EXIT_OK);
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		return unknown_command(argv[1]);
	}
	sub[0] = (char *)cmd->name;
	if (cmd == &cli_cmd_help) {
		cli_usage(stdout, cmd);
		return cli_finish_stdout(EXIT_OK);
	}
	return cmd->run(2, sub);
}

/* Files whose name an option takes: the completion offers file names. */
#define FILE_OPTIONS                                                           \
	"-r|-w|-o|--acl|--cache-file|--svg|--file|--iptables|--ip6tables|"     \
	"--baseline"

/* The commands whose first word is a role or mode, each with its own
 * options: the completion offers the words, then asks "dualstack CMD
 * WORD --complete-options". */
static const struct {
	const char *cmd, *words;
} roles[] = {
    {"reach", "serve check"},
    {"firewall", "generate check test"},
    {"ra", "watch learn solicit"},
    {"mcast", "listen send ping check"},
};

#define NROLES (sizeof(roles) / sizeof(roles[0]))

static void
completion_bash(void)
{
	printf("# bash completion for dualstack, from its command table and\n"
	       "# each command's option table (dualstack CMD "
	       "--complete-options).\n"
	       "_dualstack() {\n"
	       "\tlocal cur=${COMP_WORDS[COMP_CWORD]}\n"
	       "\tlocal prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	       "\tlocal cmd=${COMP_WORDS[1]}\n"
	       "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W '");
	for (size_t i = 0; i < NCOMMANDS; i++)
		printf("%s%s", i ? " " : "", commands[i]->name);
	printf(" --help --version' -- \"$cur\"))\n"
	       "\t\treturn\n"
	       "\tfi\n"
	       "\tlocal roles=\n"
	       "\tcase $cmd in\n");
	for (size_t i = 0; i < NROLES; i++)
		printf("\t%s) roles='%s' ;;\n", roles[i].cmd, roles[i].words);
	printf("\tesac\n"
	       "\tif [ -n \"$roles\" ]; then\n"
	       "\t\tif [ \"$COMP_CWORD\" -eq 2 ]; then\n"
	       "\t\t\tCOMPREPLY=($(compgen -W \"$roles\" -- "
	       "\"$cur\"))\n"
	       "\t\t\treturn\n"
	       "\t\tfi\n"
	       "\t\tcmd=\"$cmd ${COMP_WORDS[2]}\"\n"
	       "\tfi\n"
	       "\tcase $prev in\n"
	       "\t" FILE_OPTIONS ")\n"
	       "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	       "\t\treturn ;;\n"
	       "\tesac\n"
	       "\tif [[ $cur == -* ]]; then\n"
	       "\t\t# shellcheck disable=SC2086 # a role is a word\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$(\"${COMP_WORDS[0]}\" $cmd "
	       "--complete-options 2>/dev/null)\" -- \"$cur\"))\n"
	       "\telse\n"
	       "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	       "\tfi\n"
	       "}\n"
	       "complete -o filenames -F _dualstack dualstack\n");
}

static int
cmd_completion(int argc, char **argv)
{
	if (argc != 2 ||
	    (strcmp(argv[1], "bash") != 0 && strcmp(argv[1], "zsh") != 0 &&
	        strcmp(argv[1], "fish") != 0)) {
		cli_usage(stderr, &cli_cmd_completion);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "zsh") == 0) {
		/* zsh runs the bash function through bashcompinit. */
		printf("#compdef dualstack\n"
		       "autoload -U +X bashcompinit && bashcompinit\n");
		completion_bash();
	} else if (strcmp(argv[1], "fish") == 0) {
		printf("# fish completion for dualstack\n"
		       "complete -c dualstack -n __fish_use_subcommand -f -a "
		       "'");
		for (size_t i = 0; i < NCOMMANDS; i++)
			printf("%s%s", i ? " " : "", commands[i]->name);
		printf("'\n");
		for (size_t i = 0; i < NROLES; i++)
			printf("complete -c dualstack -n "
			       "'__fish_seen_subcommand_from %s' -f -a '%s'\n",
			    roles[i].cmd, roles[i].words);
		printf("complete -c dualstack -n 'not __fish_use_subcommand' "
		       "-a '(set -l w (commandline -opc); "
		       "if contains -- \"$w[2]\"");
		for (size_t i = 0; i < NROLES; i++)
			printf(" %s", roles[i].cmd);
		printf("; "
		       "dualstack $w[2] $w[3] --complete-options; "
		       "else; dualstack $w[2] --complete-options; end "
		       "2>/dev/null)'\n");
	} else {
		completion_bash();
	}
	return cli_finish_stdout(EXIT_OK);
}

int
main(int argc, char **argv)
{
	const struct cli_command *cmd;
	static char prog[64];

	if (argc < 2) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		main_usage(stdout);
		return cli_finish_stdout(EXIT_OK);
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("dualstack %s\n", DS_VERSION);
		return cli_finish_stdout(EXIT_OK);
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		return unknown_command(argv[1]);
	}
	snprintf(prog, sizeof(prog), "dualstack %s", cmd->name);
	cli_prog = prog;
	return cmd->run(argc - 1, argv + 1);
}
