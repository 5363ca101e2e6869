/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CLI_FINDING_H
#define DUALSTACK_CLI_FINDING_H

/*
 * Findings and their evidence as JSON and as text, the same way for
 * every command that reports them (reach, doctor, dns, firewall, ra).
 * The words a person reads about a finding are the command's own; this
 * writes the values.
 */

#include <stddef.h>

#include "dualstack/addr.h"
#include "dualstack/finding.h"

#include "cli.h"

/* "key": the address, endpoint or prefix as text; nothing when it has
 * no family. */
void json_kv_addr(struct json *j, const char *key, const struct ds_addr *a);
void json_kv_endpoint(
    struct json *j, const char *key, const struct ds_endpoint *ep);
/* "key": "ECONNREFUSED" (the number when it has no symbol); nothing for
 * 0. err may be negative. */
void json_kv_errno(struct json *j, const char *key, int err);

/* One piece of evidence as "key": value (milliseconds for a duration). */
void json_evidence(struct json *j, const struct ds_evidence *e);

/*
 * One finding as an object: {"code": "dns.aaaa-slow", "severity":
 * "warning", "subject": {...} or null, "evidence": {...}}.
 */
void json_finding(struct json *j, const struct ds_finding *f);

/*
 * The value of one piece of evidence as a person reads it: "42",
 * "1.234 s", "ECONNREFUSED", "[2001:db8::1]:80", "yes". Returns buf.
 */
const char *cli_evidence_text(
    const struct ds_evidence *e, char *buf, size_t size);

/*
 * The firewall rule or policy a finding names (DS_EVK_CHAIN, _RULE,
 * _HANDLE or _LINE, _POLICY, as ds_fw_result_evidence() adds them), in
 * one line: "inet t input handle 5: udp dport 6000 drop", "inet t
 * input, line 7: -A INPUT ...", "inet t input: its policy".
 * snprintf-style; -1 when the finding names neither.
 */
int cli_finding_rule(const struct ds_finding *f, char *buf, size_t size);

/* The errno's symbol ("ECONNREFUSED"), or its number in buf. */
const char *cli_errno_name(int err, char *buf, size_t size);

#endif
