/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CMD_FIREWALL_H
#define DUALSTACK_CMD_FIREWALL_H

/*
 * dualstack firewall: the subcommands that read a ruleset
 * (cmd-firewall-check.c) and the words of its findings
 * (cmd-firewall-words.c).
 */

#include <stddef.h>

#include "dualstack/finding.h"
#include "dualstack/fw.h"

int fw_cmd_check(int argc, char **argv);
/* A --role value into *ret: EXIT_OK, or EXIT_USAGE after saying what
 * is wrong. */
int fw_parse_role(const char *s, enum ds_fw_role *ret);

/* The usage and the help text of "dualstack firewall" on stdout. */
void fw_help(void);
int fw_cmd_test(int argc, char **argv);

/*
 * What a finding of "firewall check" says, in one sentence without a
 * final period: "ICMPv6 packet-too-big (type 2) to this host is dropped;
 * RFC 4890 section 4.4.1 says it must not be". snprintf-style; NULL-safe
 * for codes of other modules (an empty text).
 */
int fw_finding_text(const struct ds_finding *f, char *buf, size_t size);

#endif
