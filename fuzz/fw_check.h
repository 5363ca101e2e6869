/* SPDX-License-Identifier: MIT */
#ifndef FUZZ_FW_CHECK_H
#define FUZZ_FW_CHECK_H

/*
 * What every loaded ruleset promises, whatever it came from: each rule
 * and chain can be read and formatted (the length returned is the
 * length written when it fits), and packets made from the input's bytes
 * evaluate to a verdict in range whose deciding rule and chain exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dualstack/fw.h"

#define FW_CHECK(cond)                                                         \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			    __LINE__, #cond);                                  \
			abort();                                               \
		}                                                              \
	} while (0)

static inline void
fw_check_model(const struct ds_fw *fw, const uint8_t *d, size_t n)
{
	char buf[512];

	for (size_t i = 0; i < ds_fw_n_rules(fw); i++) {
		struct ds_fw_rule ru;
		int len;

		FW_CHECK(ds_fw_rule(fw, i, &ru) == 0);
		FW_CHECK(ru.table && ru.chain);
		len = ds_fw_rule_format(fw, i, buf, sizeof(buf));
		FW_CHECK(len >= 0);
		if ((size_t)len < sizeof(buf))
			FW_CHECK(strlen(buf) == (size_t)len);
	}
	for (size_t i = 0; i < ds_fw_n_chains(fw); i++) {
		struct ds_fw_chain c;

		FW_CHECK(ds_fw_chain(fw, i, &c) == 0);
	}
	for (size_t i = 0; i + 8 <= n && i < 256; i += 8) {
		static const enum ds_fw_hook hooks[] = {
		    DS_FW_INPUT, DS_FW_FORWARD, DS_FW_OUTPUT, DS_FW_BRIDGE};
		static const uint8_t protos[] = {6, 17, 58, 1, 41, 132};
		struct ds_fw_packet p;
		struct ds_fw_result res;
		uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};

		ds_fw_packet_init(
		    &p, d[i] & 1 ? AF_INET6 : AF_INET, hooks[d[i + 1] % 4]);
		p.proto = protos[d[i + 2] % 6];
		if (p.proto == 58 || p.proto == 1) {
			p.icmp_type = d[i + 3];
			p.icmp_code = d[i + 4] % 8;
		}
		p.dport = (uint16_t)(d[i + 3] << 8 | d[i + 4]);
		p.hop_limit = d[i + 5];
		p.ct = 1u << (d[i + 6] % 4);
		memcpy(a + 12, d + i + 4, 4);
		if (p.family == AF_INET6)
			ds_addr_from_v6(a, &p.src);
		else
			ds_addr_from_v4((uint32_t)d[i + 7] << 24 | 1, &p.src);
		if (d[i + 7] & 1)
			strcpy(p.iif, d[i + 7] & 2 ? "lo" : "eth0");
		ds_fw_eval(fw, &p, &res);
		FW_CHECK(ds_fw_verdict_token(res.verdict) != NULL);
		FW_CHECK(
		    res.rule == DS_FW_NONE || res.rule < ds_fw_n_rules(fw));
		FW_CHECK(
		    res.chain == DS_FW_NONE || res.chain < ds_fw_n_chains(fw));
		if (res.why == DS_FW_BY_RULE)
			FW_CHECK(res.rule != DS_FW_NONE);
	}
}

#endif
