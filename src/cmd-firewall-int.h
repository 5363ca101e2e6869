/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CMD_FIREWALL_INT_H
#define DUALSTACK_CMD_FIREWALL_INT_H

/*
 * dualstack firewall, shared between its files: cmd-firewall.c (the
 * command and "generate") calls the subcommands that read a ruleset
 * and the options and help they share (cmd-firewall-check.c) and the
 * words of the findings (cmd-firewall-words.c); neither calls back. They
 * are handed the command (for usage messages) instead of naming it.
 */

#include <stddef.h>

#include "dualstack/finding.h"
#include "dualstack/fw.h"

struct cli_command;

int fw_cmd_check(const struct cli_command *cmd, int argc, char **argv);
/* A --role value into *ret: EXIT_OK, or EXIT_USAGE after saying what
 * is wrong. */
int fw_parse_role(
    const struct cli_command *cmd, const char *s, enum ds_fw_role *ret);

/* The usage and the help text of "dualstack firewall" on stdout. */
void fw_help(const struct cli_command *cmd);
int fw_cmd_test(const struct cli_command *cmd, int argc, char **argv);

/*
 * What a finding of "firewall check" says, in one sentence without a
 * final period: "ICMPv6 packet-too-big (type 2) to this host is dropped;
 * RFC 4890 section 4.4.1 says it must not be". snprintf-style; NULL-safe
 * for codes of other modules (an empty text).
 */
int fw_finding_text(const struct ds_finding *f, char *buf, size_t size);

#endif
