/* SPDX-License-Identifier: MIT */
/*
 * ds_fw: the evaluator on hand-written rulesets (jumps, gotos, returns,
 * named and anonymous sets, policies, several base chains at one hook,
 * unknown matches), the nftables JSON and iptables-save loaders and the
 * positions of their errors, the packet spec parser, the RFC 4890 table.
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dualstack/error.h"
#include "dualstack/fw.h"

#include "cmd-firewall-int.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The JSON "nft -j list ruleset" (nftables 1.0.6) writes for:
 *
 *   table inet t {
 *     set svc { type inet_service; elements = { 22, 80 } }
 *     set nets6 { type ipv6_addr; flags interval;
 *                 elements = { 2001:db8::/32 } }
 *     chain input { type filter hook input priority 0; policy drop;
 *       ct state established,related accept                  # 6
 *       ct state invalid drop                                # 7
 *       iifname "lo" accept                                  # 8
 *       icmpv6 type { destination-unreachable, packet-too-big,
 *                     nd-neighbor-solicit } accept           # 10
 *       icmpv6 type parameter-problem icmpv6 code { 1, 2 } accept  # 12
 *       icmpv6 type nd-router-advert ip6 hoplimit 255
 *           ip6 saddr fe80::/10 accept                       # 13
 *       icmpv6 type echo-request limit rate 5/second accept  # 14
 *       tcp dport @svc accept                                # 15
 *       tcp dport != 22 ip6 saddr @nets6 jump sub            # 16
 *       udp dport 1000-2000 counter accept                   # 17
 *       ip protocol 41 drop                                  # 20
 *       fib daddr type local accept                          # 21
 *       limit rate 5/minute log prefix "drop: "              # 22
 *       ip6 hoplimit < 2 drop                                # 24
 *     }
 *     chain sub { ip6 saddr 2001:db8::1 return; goto sub2 }  # 28, 29
 *     chain sub2 { drop }                                    # 30
 *   }
 */
/* In pieces: C17 promises string literals of 4095 bytes only. */
static const char *const ruleset_parts[] = {
    "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", "
    "\"json_schema_version\": 1}},\n",
    "{\"table\": {\"family\": \"inet\", \"name\": \"t\", \"handle\": 1}},\n",
    "{\"set\": {\"family\": \"inet\", \"name\": \"svc\", \"table\": \"t\", "
    "\"type\": \"inet_service\", \"handle\": 4, \"elem\": [22, 80]}},\n",
    "{\"set\": {\"family\": \"inet\", \"name\": \"nets6\", \"table\": \"t\", "
    "\"type\": \"ipv6_addr\", \"handle\": 5, \"flags\": [\"interval\"], "
    "\"elem\": [{\"prefix\": {\"addr\": \"2001:db8::\", \"len\": 32}}]}},\n",
    "{\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": "
    "\"input\", \"handle\": 1, \"type\": \"filter\", \"hook\": \"input\", "
    "\"prio\": 0, \"policy\": \"drop\"}},\n",
    "{\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"sub\", "
    "\"handle\": 2}},\n",
    "{\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": "
    "\"sub2\", \"handle\": 3}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"input\", \"handle\": 6, \"expr\": [{\"match\": {\"op\": \"in\", "
    "\"left\": {\"ct\": {\"key\": \"state\"}}, \"right\": [\"established\", "
    "\"related\"]}}, {\"accept\": null}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"input\", \"handle\": 7, \"expr\": [{\"match\": {\"op\": \"in\", "
    "\"left\": {\"ct\": {\"key\": \"state\"}}, \"right\": \"invalid\"}}, "
    "{\"drop\": null}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"input\", \"handle\": 8, \"expr\": [{\"match\": {\"op\": \"==\", "
    "\"left\": {\"meta\": {\"key\": \"iifname\"}}, \"right\": \"lo\"}}, "
    "{\"accept\": null}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"input\", \"handle\": 10, \"expr\": [{\"match\": {\"op\": \"==\", "
    "\"left\": {\"payload\": {\"protocol\": \"icmpv6\", \"field\": "
    "\"type\"}}, \"right\": {\"set\": [\"destination-unreachable\", "
    "\"packet-too-big\", \"nd-neighbor-solicit\"]}}}, {\"accept\": "
    "null}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"input\", \"handle\": 12, \"expr\": [{\"match\": {\"op\": \"==\", "
    "\"left\": {\"payload\": {\"protocol\": \"icmpv6\", \"field\": "
    "\"type\"}}, \"right\": \"parameter-problem\"}}, {\"match\": {\"op\": "
    "\"==\", \"left\": {\"payload\": {\"protocol\": \"icmpv6\", \"field\": "
    "\"code\"}}, \"right\": {\"set\": [\"admin-prohibited\", 2]}}}, "
    "{\"accept\": null}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"input\", \"handle\": 13, \"expr\": [{\"match\": {\"op\": \"==\", "
    "\"left\": {\"payload\": {\"protocol\": \"icmpv6\", \"field\": "
    "\"type\"}}, \"right\": \"nd-router-advert\"}}, {\"match\": {\"op\": "
    "\"==\", \"left\": {\"payload\": {\"protocol\": \"ip6\", \"field\": "
    "\"hoplimit\"}}, \"right\": 255}}, {\"match\": {\"op\": \"==\", "
    "\"left\": {\"payload\": {\"protocol\": \"ip6\", \"field\": "
    "\"saddr\"}}, \"right\": {\"prefix\": {\"addr\": \"fe80::\", \"len\": "
    "10}}}}, {\"accept\": null}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"input\", \"handle\": 14, \"expr\": [{\"match\": {\"op\": \"==\", "
    "\"left\": {\"payload\": {\"protocol\": \"icmpv6\", \"field\": "
    "\"type\"}}, \"right\": \"echo-request\"}}, {\"limit\": {\"rate\": 5, "
    "\"burst\": 5, \"per\": \"second\"}}, {\"accept\": null}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"input\", \"handle\": 15, \"expr\": [{\"match\": {\"op\": \"==\", "
    "\"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": "
    "\"dport\"}}, \"right\": \"@svc\"}}, {\"accept\": null}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"input\", \"handle\": 16, \"expr\": [{\"match\": {\"op\": \"!=\", "
    "\"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": "
    "\"dport\"}}, \"right\": 22}}, {\"match\": {\"op\": \"==\", \"left\": "
    "{\"payload\": {\"protocol\": \"ip6\", \"field\": \"saddr\"}}, "
    "\"right\": \"@nets6\"}}, {\"jump\": {\"target\": \"sub\"}}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"input\", \"handle\": 17, \"expr\": [{\"match\": {\"op\": \"==\", "
    "\"left\": {\"payload\": {\"protocol\": \"udp\", \"field\": "
    "\"dport\"}}, \"right\": {\"range\": [1000, 2000]}}}, {\"counter\": "
    "{\"packets\": 0, \"bytes\": 0}}, {\"accept\": null}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"input\", \"handle\": 20, \"expr\": [{\"match\": {\"op\": \"==\", "
    "\"left\": {\"payload\": {\"protocol\": \"ip\", \"field\": "
    "\"protocol\"}}, \"right\": \"ipv6\"}}, {\"drop\": null}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"input\", \"handle\": 21, \"expr\": [{\"match\": {\"op\": \"==\", "
    "\"left\": {\"fib\": {\"result\": \"type\", \"flags\": [\"daddr\"]}}, "
    "\"right\": \"local\"}}, {\"accept\": null}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"input\", \"handle\": 22, \"expr\": [{\"limit\": {\"rate\": 5, "
    "\"burst\": 5, \"per\": \"minute\"}}, {\"log\": {\"prefix\": \"drop: "
    "\"}}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"input\", \"handle\": 24, \"expr\": [{\"match\": {\"op\": \"<\", "
    "\"left\": {\"payload\": {\"protocol\": \"ip6\", \"field\": "
    "\"hoplimit\"}}, \"right\": 2}}, {\"drop\": null}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"sub\", \"handle\": 28, \"expr\": [{\"match\": {\"op\": \"==\", "
    "\"left\": {\"payload\": {\"protocol\": \"ip6\", \"field\": "
    "\"saddr\"}}, \"right\": \"2001:db8::1\"}}, {\"return\": null}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"sub\", \"handle\": 29, \"expr\": [{\"goto\": {\"target\": "
    "\"sub2\"}}]}},\n",
    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
    "\"sub2\", \"handle\": 30, \"expr\": [{\"drop\": null}]}}]}\n",
};

static char ruleset[8192];

static void
join_ruleset(void)
{
	ruleset[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(ruleset_parts); i++)
		strcat(ruleset, ruleset_parts[i]);
}

static struct ds_fw *
load_nft(const char *json)
{
	struct ds_fw *fw = NULL;
	struct ds_fw_pos pos;
	int r;

	assert_int_equal(ds_fw_new(&fw), 0);
	r = ds_fw_load_nft(fw, json, strlen(json), &pos);
	if (r < 0)
		fail_msg("load: %s at line %u column %u item %u expr %u",
		    ds_strerror(r), pos.line, pos.column, pos.item, pos.expr);
	return fw;
}

static struct ds_fw_packet
spec(const char *s)
{
	struct ds_fw_packet p;
	size_t pos = 0;
	int r = ds_fw_packet_parse(s, strlen(s), &p, &pos);

	if (r < 0)
		fail_msg("spec '%s': %s at %zu", s, ds_strerror(r), pos);
	return p;
}

/* The verdict for a spec, and the handle (or line) of the deciding rule:
 * 0 for a policy, -1 for no rule at all. */
static void
expect(const struct ds_fw *fw, const char *s, enum ds_fw_verdict v, long handle)
{
	struct ds_fw_packet p = spec(s);
	struct ds_fw_result res;
	struct ds_fw_rule ru;
	long got = -1;

	ds_fw_eval(fw, &p, &res);
	if (res.rule != DS_FW_NONE) {
		assert_int_equal(ds_fw_rule(fw, res.rule, &ru), 0);
		got = ru.line ? (long)ru.line : (long)ru.handle;
	} else if (res.why == DS_FW_BY_POLICY) {
		got = 0;
	}
	if (res.verdict != v || got != handle)
		fail_msg("'%s': want %s by %ld, got %s by %ld", s,
		    ds_fw_verdict_token(v), handle,
		    ds_fw_verdict_token(res.verdict), got);
}

static void
test_nft_eval(void **state)
{
	struct ds_fw *fw = load_nft(ruleset);
	struct ds_fw_result res;
	struct ds_fw_packet p;

	(void)state;
	assert_int_equal(ds_fw_n_rules(fw), 17);
	expect(fw, "icmpv6 type packet-too-big from 2001:db8::1 to local",
	    DS_FW_ACCEPT, 6); /* an error is related by default */
	expect(fw,
	    "icmpv6 type packet-too-big from 2001:db8::1 to local state "
	    "invalid",
	    DS_FW_DROP, 7);
	expect(fw, "icmpv6 type 2 from 2001:db8::1 to local state untracked",
	    DS_FW_ACCEPT, 10);
	expect(fw, "icmpv6 type nd-neighbor-solicit from fe80::1 to local",
	    DS_FW_ACCEPT, 10);
	/* Codes through a set of a name and a number. */
	expect(fw, "icmpv6 type 4 code 1 from 2001:db8::1 to local state new",
	    DS_FW_ACCEPT, 12);
	/* Code 0 is not in the set: on to the fib rule, unknown. */
	expect(fw, "icmpv6 type 4 code 0 from 2001:db8::1 to local state new",
	    DS_FW_UNKNOWN, 21);
	/* Hop limit and a link-local prefix. */
	expect(fw, "icmpv6 type nd-router-advert from fe80::1 to local",
	    DS_FW_ACCEPT, 13);
	expect(fw, "icmpv6 type nd-router-advert from 2001:db8::1 to local",
	    DS_FW_UNKNOWN, 21);
	expect(fw,
	    "icmpv6 type nd-router-advert from fe80::1 to local hop-limit 64",
	    DS_FW_UNKNOWN, 21);
	/* A rate limit passes, and says so. */
	p = spec("icmpv6 type echo-request from 2001:db8::9 to local");
	ds_fw_eval(fw, &p, &res);
	assert_int_equal(res.verdict, DS_FW_ACCEPT);
	assert_true(res.limited);
	/* A named set of ports. */
	expect(fw, "tcp from 2001:db8::1 to local port 80", DS_FW_ACCEPT, 15);
	expect(fw, "tcp from 192.0.2.1 to local port 22", DS_FW_ACCEPT, 15);
	/* jump, goto into sub2: dropped there. */
	expect(fw, "tcp from 2001:db8::5 to local port 23", DS_FW_DROP, 30);
	/* jump and return: on to the fib rule, which is unknown. */
	expect(fw, "tcp from 2001:db8::1 to local port 23", DS_FW_UNKNOWN, 21);
	/* Outside the named prefix set: no jump, fib unknown. */
	expect(fw, "tcp from 2001:db9::1 to local port 23", DS_FW_UNKNOWN, 21);
	/* A source left open: the set match is unknown. */
	expect(fw, "ip6 tcp to local port 23", DS_FW_UNKNOWN, 16);
	/* UDP never meets the TCP rules; a range. */
	expect(fw, "udp from 2001:db8::1 to local port 1500", DS_FW_ACCEPT, 17);
	/* An IPv4 packet meets "ip protocol". */
	expect(fw, "ip proto 41 from 192.0.2.1 to local", DS_FW_DROP, 20);
	/* Loopback. */
	expect(fw, "tcp from ::1 to local port 9", DS_FW_ACCEPT, 8);
	expect(
	    fw, "tcp from 2001:db8::7 to local port 9 in lo", DS_FW_ACCEPT, 8);
	/* Another hook: nothing there, accepted. */
	expect(
	    fw, "tcp from 2001:db8::1 to 2001:db8::2 port 9", DS_FW_ACCEPT, -1);
	ds_fw_free(fw);
}

static void
test_rule_text(void **state)
{
	struct ds_fw *fw = load_nft(ruleset);
	char buf[256];
	struct ds_fw_rule ru;
	size_t i;

	(void)state;
	for (i = 0; i < ds_fw_n_rules(fw); i++) {
		assert_int_equal(ds_fw_rule(fw, i, &ru), 0);
		if (ru.handle == 13)
			break;
	}
	ds_fw_rule_format(fw, i, buf, sizeof(buf));
	assert_string_equal(buf,
	    "icmpv6 type nd-router-advert ip6 hoplimit "
	    "255 ip6 saddr fe80::/10 accept");
	for (i = 0; i < ds_fw_n_rules(fw); i++) {
		assert_int_equal(ds_fw_rule(fw, i, &ru), 0);
		if (ru.handle == 21)
			break;
	}
	assert_true(ru.unknown);
	ds_fw_rule_format(fw, i, buf, sizeof(buf));
	assert_string_equal(buf, "<unknown fib> accept");
	/* Cut short, the length of the whole. */
	assert_int_equal(ds_fw_rule_format(fw, i, buf, 4), 20);
	assert_string_equal(buf, "<un");
	ds_fw_free(fw);
}

/* Two base chains at one hook: an accept in the first is not final, a
 * drop is; priorities order them, not the order of the file. */
static void
test_two_base_chains(void **state)
{
	static const char j[] =
	    "{\"nftables\": ["
	    "{\"chain\": {\"family\": \"ip6\", \"table\": \"b\", \"name\": "
	    "\"late\", \"type\": \"filter\", \"hook\": \"input\", \"prio\": "
	    "10, "
	    "\"policy\": \"accept\"}},"
	    "{\"chain\": {\"family\": \"inet\", \"table\": \"a\", \"name\": "
	    "\"early\", \"type\": \"filter\", \"hook\": \"input\", \"prio\": "
	    "-10, \"policy\": \"accept\"}},"
	    "{\"rule\": {\"family\": \"inet\", \"table\": \"a\", \"chain\": "
	    "\"early\", \"handle\": 2, \"expr\": [{\"match\": {\"op\": \"==\", "
	    "\"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": "
	    "\"dport\"}}, \"right\": 22}}, {\"accept\": null}]}},"
	    "{\"rule\": {\"family\": \"ip6\", \"table\": \"b\", \"chain\": "
	    "\"late\", \"handle\": 3, \"expr\": [{\"match\": {\"op\": \"==\", "
	    "\"left\": {\"meta\": {\"key\": \"l4proto\"}}, \"right\": "
	    "\"tcp\"}}, {\"drop\": null}]}}]}";
	struct ds_fw *fw = load_nft(j);

	(void)state;
	expect(fw, "tcp from 2001:db8::1 to local port 22", DS_FW_DROP, 3);
	/* Accepted by the first and never seen by the second (ip6). */
	expect(fw, "tcp from 192.0.2.1 to local port 22", DS_FW_ACCEPT, 2);
	/* Through both, by their policies. */
	expect(fw, "udp from 2001:db8::1 to local port 22", DS_FW_ACCEPT, 0);
	ds_fw_free(fw);
}

struct bad {
	const char *json;
	int err;
	unsigned line, column, item, expr;
};

static void
test_nft_errors(void **state)
{
	static const struct bad bad[] = {
	    {"", -DS_E_FW_JSON, 1, 1, 0, 0},
	    {"{\"nftables\": [\n  {\"table\": }]}", -DS_E_FW_JSON, 2, 13, 0, 0},
	    {"[1, 2]", -DS_E_FW_SCHEMA, 0, 0, 0, 0},
	    {"{\"nftables\": 3}", -DS_E_FW_SCHEMA, 0, 0, 0, 0},
	    {"{\"nftables\": [{\"metainfo\": {}}, 7]}", -DS_E_FW_SCHEMA, 0, 0,
	        2, 0},
	    {"{\"nftables\": [{\"chain\": {\"family\": \"x\", \"table\": "
	     "\"t\", \"name\": \"c\"}}]}",
	        -DS_E_FW_SCHEMA, 0, 0, 1, 0},
	    {"{\"nftables\": [{\"rule\": {\"family\": \"ip\", \"table\": "
	     "\"t\", \"chain\": \"c\", \"expr\": []}}]}",
	        -DS_E_FW_CHAIN, 0, 0, 1, 0},
	    {"{\"nftables\": [{\"chain\": {\"family\": \"ip\", \"table\": "
	     "\"t\", \"name\": \"c\"}}, {\"rule\": {\"family\": \"ip\", "
	     "\"table\": \"t\", \"chain\": \"c\", \"expr\": [{\"counter\": "
	     "null}, {\"jump\": {\"target\": \"nowhere\"}}]}}]}",
	        -DS_E_FW_CHAIN, 0, 0, 2, 2},
	    {"{\"nftables\": [{\"chain\": {\"family\": \"ip\", \"table\": "
	     "\"t\", \"name\": \"c\"}}, {\"rule\": {\"family\": \"ip\", "
	     "\"table\": \"t\", \"chain\": \"c\", \"expr\": [{\"match\": "
	     "{\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"l4proto\"}}, "
	     "\"right\": \"@nope\"}}]}}]}",
	        -DS_E_FW_SET, 0, 0, 2, 1},
	    {"{\"nftables\": [{\"chain\": {\"family\": \"ip\", \"table\": "
	     "\"t\", \"name\": \"c\"}}, {\"rule\": {\"family\": \"ip\", "
	     "\"table\": \"t\", \"chain\": \"c\", \"expr\": [{\"match\": "
	     "{\"op\": \"==\"}}]}}]}",
	        -DS_E_FW_SCHEMA, 0, 0, 2, 1},
	    {"{\"nftables\": [], \"nftables\": []}", -DS_E_FW_JSON, 1, 0, 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ds_fw *fw = NULL;
		struct ds_fw_pos pos;
		int r;

		assert_int_equal(ds_fw_new(&fw), 0);
		memset(&pos, 0xff, sizeof(pos));
		r = ds_fw_load_nft(fw, bad[i].json, strlen(bad[i].json), &pos);
		if (r != bad[i].err || pos.line != bad[i].line ||
		    (bad[i].column && pos.column != bad[i].column) ||
		    pos.item != bad[i].item || pos.expr != bad[i].expr)
			fail_msg(
			    "case %zu: got %d (%s) at %u:%u item %u expr %u", i,
			    r, ds_strerror(r), pos.line, pos.column, pos.item,
			    pos.expr);
		ds_fw_free(fw);
	}
}

/* Unknown expressions are not errors: the rule's outcome is unknown. */
static void
test_nft_unknown(void **state)
{
	static const char j[] =
	    "{\"nftables\": ["
	    "{\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": "
	    "\"in\", \"type\": \"filter\", \"hook\": \"input\", \"prio\": 0, "
	    "\"policy\": \"drop\"}},"
	    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
	    "\"in\", \"handle\": 2, \"expr\": [{\"xt\": {\"type\": \"match\", "
	    "\"name\": \"recent\"}}, {\"counter\": null}]}},"
	    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
	    "\"in\", \"handle\": 3, \"expr\": [{\"match\": {\"op\": \"==\", "
	    "\"left\": {\"meta\": {\"key\": \"l4proto\"}}, \"right\": "
	    "\"udp\"}}, {\"vmap\": {\"key\": {\"payload\": {\"protocol\": "
	    "\"udp\", \"field\": \"dport\"}}, \"data\": {\"set\": []}}}]}},"
	    "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": "
	    "\"in\", \"handle\": 4, \"expr\": [{\"match\": {\"op\": \"==\", "
	    "\"left\": {\"meta\": {\"key\": \"mark\"}}, \"right\": 1}}, "
	    "{\"match\": {\"op\": \"==\", \"left\": {\"payload\": "
	    "{\"protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": 80}}, "
	    "{\"accept\": null}]}}]}";
	struct ds_fw *fw = load_nft(j);

	(void)state;
	/* A counter behind an unknown match decides nothing. */
	expect(fw, "tcp from 2001:db8::1 to local port 22", DS_FW_DROP, 0);
	/* The unknown match cannot save a packet the other one rules out. */
	expect(fw, "tcp from 2001:db8::1 to local port 443", DS_FW_DROP, 0);
	expect(fw, "tcp from 2001:db8::1 to local port 80", DS_FW_UNKNOWN, 4);
	/* A verdict map: unknown. */
	expect(fw, "udp from 192.0.2.1 to local port 53", DS_FW_UNKNOWN, 3);
	ds_fw_free(fw);
}

static const char ipt6[] =
    "# Generated by ip6tables-save v1.8.9\n"
    "*filter\n"
    ":INPUT DROP [0:0]\n"
    ":FORWARD DROP [0:0]\n"
    ":OUTPUT ACCEPT [0:0]\n"
    ":icmp - [0:0]\n"
    "-A INPUT -i lo -j ACCEPT\n" /* 7 */
    "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
    "-A INPUT -p ipv6-icmp -j icmp\n" /* 9 */
    "-A INPUT -p tcp -m multiport --dports 22,8000:8010 -j ACCEPT\n"
    "-A INPUT ! -s 2001:db8::/32 -p udp -m udp --dport 53 -j DROP\n"
    "-A INPUT -p udp -m udp --dport 53 -m comment --comment \"dns "
    "\\\"here\\\"\" -j ACCEPT\n"                              /* 12 */
    "-A INPUT -p tcp -m recent --name x --rcheck -j ACCEPT\n" /* 13 */
    "-A INPUT -m limit --limit 5/min -j LOG --log-prefix \"in: \"\n"
    "-A icmp -p ipv6-icmp -m icmp6 --icmpv6-type 2 -j ACCEPT\n" /* 15 */
    "-A icmp -p ipv6-icmp -m icmp6 --icmpv6-type 135 -m hl --hl-eq 255 -j "
    "ACCEPT\n"
    "-A icmp -p ipv6-icmp -m icmp6 --icmpv6-type 4/1 -j ACCEPT\n"
    "-A icmp -p ipv6-icmp -m icmp6 --icmpv6-type echo-request -j REJECT "
    "--reject-with icmp6-adm-prohibited\n" /* 18 */
    "COMMIT\n";

static void
test_ipt(void **state)
{
	struct ds_fw *fw = NULL;
	struct ds_fw_pos pos;
	struct ds_fw_rule ru;
	char buf[128];
	int r;

	(void)state;
	assert_int_equal(ds_fw_new(&fw), 0);
	r = ds_fw_load_ipt(fw, AF_INET6, ipt6, strlen(ipt6), &pos);
	if (r < 0)
		fail_msg("%s at %u:%u", ds_strerror(r), pos.line, pos.column);
	assert_int_equal(r, 12);
	expect(fw, "icmpv6 type 2 from 2001:db8::1 to local state invalid",
	    DS_FW_ACCEPT, 15);
	expect(fw, "icmpv6 type 135 from fe80::1 to local", DS_FW_ACCEPT, 16);
	expect(fw, "icmpv6 type 135 from fe80::1 to local hop-limit 254",
	    DS_FW_DROP, 0);
	expect(fw, "icmpv6 type 4 code 1 from 2001:db8::1 to local state new",
	    DS_FW_ACCEPT, 17);
	expect(fw, "icmpv6 type 4 code 2 from 2001:db8::1 to local state new",
	    DS_FW_DROP, 0);
	expect(fw, "icmpv6 type echo-request from 2001:db8::1 to local",
	    DS_FW_REJECT, 18);
	expect(fw, "tcp from 2001:db8::1 to local port 8005", DS_FW_ACCEPT, 10);
	expect(
	    fw, "tcp from 2001:db8::1 to local port 9000", DS_FW_UNKNOWN, 13);
	expect(fw, "udp from 2001:db9::1 to local port 53", DS_FW_DROP, 11);
	expect(fw, "udp from 2001:db8::1 to local port 53", DS_FW_ACCEPT, 12);
	expect(fw, "udp from 2001:db8::1 to local port 54", DS_FW_DROP, 0);
	/* IPv4 never meets ip6tables rules. */
	expect(fw, "udp from 192.0.2.1 to local port 54", DS_FW_ACCEPT, -1);
	/* The text is the line; the comment unquoted. */
	assert_int_equal(ds_fw_rule(fw, 5, &ru), 0);
	assert_int_equal(ru.line, 12);
	assert_string_equal(ru.comment, "dns \"here\"");
	ds_fw_rule_format(fw, 0, buf, sizeof(buf));
	assert_string_equal(buf, "-A INPUT -i lo -j ACCEPT");
	ds_fw_free(fw);
}

struct ibad {
	const char *text;
	int err;
	unsigned line, column;
};

static void
test_ipt_errors(void **state)
{
	static const struct ibad bad[] = {
	    {"-A INPUT -j ACCEPT\n", -DS_E_FW_IPT_LINE, 1, 1},
	    {"*filter\n:INPUT DROP [0:0]\n", -DS_E_FW_IPT_COMMIT, 3, 1},
	    {"*filter\n*nat\n", -DS_E_FW_IPT_COMMIT, 2, 1},
	    {"*filter\n:INPUT DROP\n-A INPUT -p\nCOMMIT\n", -DS_E_FW_IPT_OPTION,
	        3, 10},
	    {"*filter\n:INPUT DROP\n-A INPUT -m comment --comment \"x -j "
	     "ACCEPT\nCOMMIT\n",
	        -DS_E_FW_IPT_QUOTE, 3, 31},
	    {"*filter\n:INPUT DROP\n-A OUTPUT -j ACCEPT\nCOMMIT\n",
	        -DS_E_FW_CHAIN, 3, 4},
	    {"*filter\n:INPUT DROP\n-A INPUT -s 2001:db8::/200 -j DROP\n"
	     "COMMIT\n",
	        -DS_E_FW_VALUE, 3, 13},
	    {"*filter\n:INPUT DROP\n-A INPUT -s 192.0.2.1 -j DROP\nCOMMIT\n",
	        -DS_E_FW_VALUE, 3, 13},
	    {"*filter\n:INPUT MAYBE\nCOMMIT\n", -DS_E_FW_VALUE, 2, 8},
	    {"*filter\n:INPUT DROP\n-A INPUT -p tcp --dport 9:8 -j DROP\n"
	     "COMMIT\n",
	        -DS_E_FW_VALUE, 3, 25},
	    {"*filter\n:INPUT DROP\n-A INPUT stray -j DROP\nCOMMIT\n",
	        -DS_E_FW_IPT_LINE, 3, 10},
	    {"*filter\n:INPUT DROP\n-A INPUT -j DROP !\nCOMMIT\n",
	        -DS_E_FW_IPT_OPTION, 3, 18},
	    {"*filter\n:INPUT DROP\n-A INPUT \0-j DROP\nCOMMIT\n",
	        -DS_E_FW_IPT_LINE, 3, 10},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ds_fw *fw = NULL;
		struct ds_fw_pos pos;
		size_t len = strlen(bad[i].text);
		int r;

		/* The NUL case: the length of the whole literal. */
		if (i == ARRAY_SIZE(bad) - 1)
			len =
			    sizeof("*filter\n:INPUT DROP\n-A INPUT \0-j DROP\n"
			           "COMMIT\n") -
			    1;
		assert_int_equal(ds_fw_new(&fw), 0);
		memset(&pos, 0, sizeof(pos));
		r = ds_fw_load_ipt(fw, AF_INET6, bad[i].text, len, &pos);
		if (r != bad[i].err || pos.line != bad[i].line ||
		    pos.column != bad[i].column)
			fail_msg("case %zu: got %d (%s) at %u:%u", i, r,
			    ds_strerror(r), pos.line, pos.column);
		ds_fw_free(fw);
	}
}

/* A chain that jumps to itself: refused by the kernel, unknown here. */
static void
test_ipt_loop(void **state)
{
	static const char t[] = "*filter\n:INPUT DROP\n:a - [0:0]\n"
	                        "-A INPUT -j a\n-A a -j a\nCOMMIT\n";
	struct ds_fw *fw = NULL;
	struct ds_fw_packet p = spec("tcp from 2001:db8::1 to local port 1");
	struct ds_fw_result res;

	(void)state;
	assert_int_equal(ds_fw_new(&fw), 0);
	assert_int_equal(ds_fw_load_ipt(fw, AF_INET6, t, strlen(t), NULL), 2);
	ds_fw_eval(fw, &p, &res);
	assert_int_equal(res.verdict, DS_FW_UNKNOWN);
	assert_int_equal(res.why, DS_FW_BY_LOOP);
	ds_fw_free(fw);
}

static void
test_spec(void **state)
{
	static const struct {
		const char *s;
		int err;
		size_t pos;
	} bad[] = {
	    {"", -DS_E_EMPTY, 0},
	    {"icmpv6 type 2 from 192.0.2.1", -DS_E_FW_SPEC_FAMILY, 19},
	    {"icmpv6 type bogus", -DS_E_FW_SPEC_VALUE, 12},
	    {"icmpv6 type", -DS_E_FW_SPEC_MISSING, 7},
	    {"tcp type 2 to local", -DS_E_FW_SPEC_WORD, 4},
	    {"tcp to local port 70000", -DS_E_FW_SPEC_VALUE, 18},
	    {"tcp to local flavour x", -DS_E_FW_SPEC_WORD, 13},
	    {"tcp to local", -DS_E_FW_SPEC_FAMILY, 0},
	    {"from 2001:db8::1 to local", -DS_E_FW_SPEC_MISSING, 0},
	    {"icmpv6 from 2001:db8::1", -DS_E_FW_SPEC_MISSING, 23},
	    {"ip6 tcp to local state weird", -DS_E_FW_SPEC_VALUE, 23},
	};
	struct ds_fw_packet p;

	(void)state;
	p = spec("icmpv6 type 2 from 2001:db8::1 to local");
	assert_int_equal(p.family, AF_INET6);
	assert_int_equal(p.hook, DS_FW_INPUT);
	assert_int_equal(p.proto, IPPROTO_ICMPV6);
	assert_int_equal(p.icmp_type, 2);
	assert_int_equal(p.icmp_code, 0);
	assert_int_equal(p.ct, DS_FW_CT_RELATED);
	assert_int_equal(p.dst.family, 0);
	p = spec("icmpv6 type nd-neighbor-solicit to local fe80::2");
	assert_int_equal(p.hop_limit, 255);
	assert_int_equal(p.ct, DS_FW_CT_UNTRACKED);
	assert_int_equal(p.dst.family, AF_INET6);
	p = spec("icmpv6 type mld-listener-report from fe80::1 to local");
	assert_int_equal(p.hop_limit, 1);
	assert_int_equal(p.nexthdr, 0);
	p = spec("tcp from local port 4000 to 192.0.2.9 port 443 out eth0");
	assert_int_equal(p.hook, DS_FW_OUTPUT);
	assert_int_equal(p.sport, 4000);
	assert_int_equal(p.dport, 443);
	assert_string_equal(p.oif, "eth0");
	assert_int_equal(p.ct, DS_FW_CT_NEW);
	p = spec("ip6 udp to 2001:db8::1 port 53 hop-limit 3 state "
	         "established hook bridge");
	assert_int_equal(p.hook, DS_FW_BRIDGE);
	assert_int_equal(p.hop_limit, 3);
	assert_int_equal(p.ct, DS_FW_CT_ESTABLISHED);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		size_t pos = 999;
		int r =
		    ds_fw_packet_parse(bad[i].s, strlen(bad[i].s), &p, &pos);

		if (r != bad[i].err || pos != bad[i].pos)
			fail_msg("'%s': got %d (%s) at %zu", bad[i].s, r,
			    ds_strerror(r), pos);
	}
}

static void
test_rfc4890(void **state)
{
	const struct ds_fw_rfc4890 *r;
	size_t n;

	(void)state;
	r = ds_fw_rfc4890_find(DS_FW_LOCAL, 2, 0);
	assert_non_null(r);
	assert_int_equal(r->cls, DS_FW_MUST);
	assert_string_equal(r->section, "4.4.1");
	r = ds_fw_rfc4890_find(DS_FW_LOCAL, 135, 0);
	assert_int_equal(r->cls, DS_FW_MUST);
	assert_int_equal(r->cond, DS_FW_COND_HL255);
	r = ds_fw_rfc4890_find(DS_FW_LOCAL, 143, 0);
	assert_int_equal(r->cond, DS_FW_COND_LL_SRC);
	r = ds_fw_rfc4890_find(DS_FW_LOCAL, 152, 0);
	assert_int_equal(r->cond, DS_FW_COND_LL_SRC | DS_FW_COND_HL1);
	r = ds_fw_rfc4890_find(DS_FW_TRANSIT, 135, 0);
	assert_int_equal(r->cls, DS_FW_LINK);
	assert_string_equal(r->section, "4.3.3");
	r = ds_fw_rfc4890_find(DS_FW_LOCAL, 3, 1);
	assert_int_equal(r->cls, DS_FW_SHOULD);
	r = ds_fw_rfc4890_find(DS_FW_LOCAL, 4, 0);
	assert_int_equal(r->cls, DS_FW_SHOULD);
	r = ds_fw_rfc4890_find(DS_FW_TRANSIT, 4, 2);
	assert_int_equal(r->cls, DS_FW_MUST);
	r = ds_fw_rfc4890_find(DS_FW_TRANSIT, 4, 7);
	assert_int_equal(r->cls, DS_FW_POLICY);
	assert_int_equal(r->knob, DS_FW_KNOB_PARAM_PROBLEM_NEW);
	r = ds_fw_rfc4890_find(DS_FW_LOCAL, 160, 0);
	assert_int_equal(r->knob, DS_FW_KNOB_EXTENDED_ECHO);
	r = ds_fw_rfc4890_find(DS_FW_LOCAL, 155, 0);
	assert_int_equal(r->knob, DS_FW_KNOB_RPL);
	r = ds_fw_rfc4890_find(DS_FW_LOCAL, 159, 0);
	assert_int_equal(r->knob, DS_FW_KNOB_MPL);
	r = ds_fw_rfc4890_find(DS_FW_LOCAL, 137, 0);
	assert_int_equal(r->cls, DS_FW_POLICY);
	r = ds_fw_rfc4890_find(DS_FW_TRANSIT, 144, 0);
	assert_int_equal(r->cls, DS_FW_SHOULD);
	r = ds_fw_rfc4890_find(DS_FW_LOCAL, 144, 0);
	assert_int_equal(r->cls, DS_FW_POLICY);
	r = ds_fw_rfc4890_find(DS_FW_TRANSIT, 200, 0);
	assert_int_equal(r->cls, DS_FW_DISCARD);
	r = ds_fw_rfc4890_find(DS_FW_LOCAL, 1, 8);
	assert_int_equal(r->cls, DS_FW_MUST); /* "all codes" */
	r = ds_fw_rfc4890_find(DS_FW_LOCAL, 128, 0);
	assert_true(r->echo);
	/* Every type but 0 has a row in both tables; rows are sane. */
	for (enum ds_fw_scope s = DS_FW_TRANSIT; s <= DS_FW_LOCAL; s++) {
		const struct ds_fw_rfc4890 *t = ds_fw_rfc4890_table(s, &n);

		for (size_t i = 0; i < n; i++) {
			assert_true(t[i].type_lo <= t[i].type_hi);
			assert_true(t[i].code_lo <= t[i].code_hi);
			assert_non_null(ds_fw_class_token(t[i].cls));
			assert_true(t[i].knob == 0 ||
			    ds_fw_knob_token(t[i].knob) != NULL);
		}
		for (unsigned ty = 1; ty < 256; ty++)
			for (unsigned c = 0; c < 256; c += 51)
				if (!ds_fw_rfc4890_find(
				        s, (uint8_t)ty, (uint8_t)c))
					fail_msg("scope %d: type %u code %u", s,
					    ty, c);
	}
	assert_null(ds_fw_rfc4890_find(DS_FW_LOCAL, 0, 0));
	assert_int_equal(ds_fw_knob_parse("mpl", 3), DS_FW_KNOB_MPL);
	assert_int_equal(ds_fw_knob_parse("mp", 2), 0);
}

static void
test_tokens(void **state)
{
	(void)state;
	assert_string_equal(ds_fw_verdict_token(DS_FW_REJECT), "reject");
	assert_null(ds_fw_verdict_token((enum ds_fw_verdict)99));
	assert_string_equal(ds_fw_hook_token(DS_FW_FORWARD), "forward");
	assert_string_equal(ds_fw_ct_token(DS_FW_CT_UNTRACKED), "untracked");
	assert_null(ds_fw_ct_token(3));
	assert_int_equal(ds_fw_icmp6_type_parse("packet-too-big", 14), 2);
	assert_int_equal(ds_fw_icmp6_type_parse("256", 3), -1);
	assert_int_equal(ds_fw_icmp_type_parse("echo-request", 12), 8);
	assert_string_equal(ds_fw_icmp6_type_token(136), "nd-neighbor-advert");
	assert_null(ds_fw_icmp6_type_token(160));
	assert_int_equal(ds_fw_icmp_ct(AF_INET6, 135), DS_FW_CT_UNTRACKED);
	assert_int_equal(ds_fw_icmp_ct(AF_INET6, 129), DS_FW_CT_INVALID);
	assert_int_equal(ds_fw_icmp_ct(AF_INET, 3), DS_FW_CT_RELATED);
}

/* Generate, load the iptables form back, and evaluate. */
static struct ds_fw *
gen_load(enum ds_fw_role role, enum ds_fw_echo echo, bool v6)
{
	static const struct ds_fw_service svc[] = {{6, 22}, {17, 53}};
	struct ds_fw_gen g = {.role = role,
	    .echo = echo,
	    .knobs = DS_FW_KNOB_DEFAULT,
	    .services = svc,
	    .n_services = 2};
	static char buf[65536];
	struct ds_fw *fw = NULL;
	struct ds_fw_pos pos;
	int n, r;

	n = ds_fw_generate(&g, v6 ? DS_FW_FMT_IP6TABLES : DS_FW_FMT_IPTABLES,
	    buf, sizeof(buf));
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_int_equal(ds_fw_new(&fw), 0);
	r = ds_fw_load_ipt(fw, v6 ? AF_INET6 : AF_INET, buf, (size_t)n, &pos);
	if (r < 0)
		fail_msg("%s at %u:%u", ds_strerror(r), pos.line, pos.column);
	return fw;
}

static enum ds_fw_verdict
verdict(const struct ds_fw *fw, const char *s)
{
	struct ds_fw_packet p = spec(s);
	struct ds_fw_result res;

	ds_fw_eval(fw, &p, &res);
	return res.verdict;
}

static void
test_generate(void **state)
{
	struct ds_fw *fw;
	struct ds_fw_packet p;
	struct ds_fw_result res;

	(void)state;
	fw = gen_load(DS_FW_ROLE_HOST, DS_FW_ECHO_ALLOW, true);
	assert_int_equal(verdict(fw,
	                     "icmpv6 type 2 from 2001:db8::1 to local "
	                     "state invalid"),
	    DS_FW_ACCEPT);
	assert_int_equal(verdict(fw,
	                     "icmpv6 type 1 code 6 from 2001:db8::1 "
	                     "to local state invalid"),
	    DS_FW_ACCEPT);
	assert_int_equal(verdict(fw,
	                     "icmpv6 type 4 code 8 from 2001:db8::1 "
	                     "to local state invalid"),
	    DS_FW_ACCEPT); /* the default knob */
	assert_int_equal(
	    verdict(fw, "icmpv6 type 160 from 2001:db8::1 to local"),
	    DS_FW_DROP); /* extended echo: off by default */
	assert_int_equal(
	    verdict(fw, "icmpv6 type 135 from fe80::1 to local"), DS_FW_ACCEPT);
	assert_int_equal(verdict(fw,
	                     "icmpv6 type 135 from fe80::1 to local "
	                     "hop-limit 64"),
	    DS_FW_DROP);
	assert_int_equal(
	    verdict(fw, "icmpv6 type 143 from fe80::1 to local"), DS_FW_ACCEPT);
	assert_int_equal(
	    verdict(fw, "icmpv6 type 143 from 2001:db8::1 to local"),
	    DS_FW_DROP);
	assert_int_equal(
	    verdict(fw, "icmpv6 type 128 from 2001:db8::1 to local"),
	    DS_FW_ACCEPT);
	assert_int_equal(
	    verdict(fw, "tcp from 2001:db8::1 to local port 22"), DS_FW_ACCEPT);
	assert_int_equal(
	    verdict(fw, "udp from 2001:db8::1 to local port 53"), DS_FW_ACCEPT);
	assert_int_equal(
	    verdict(fw, "tcp from 2001:db8::1 to local port 23"), DS_FW_DROP);
	assert_int_equal(
	    verdict(fw, "tcp from ::1 to local port 23"), DS_FW_ACCEPT);
	/* A host forwards nothing. */
	assert_int_equal(verdict(fw,
	                     "icmpv6 type 2 from 2001:db8::1 to "
	                     "2001:db8:1::1"),
	    DS_FW_DROP);
	ds_fw_free(fw);

	fw = gen_load(DS_FW_ROLE_HOST, DS_FW_ECHO_DENY, true);
	assert_int_equal(
	    verdict(fw, "icmpv6 type 128 from 2001:db8::1 to local"),
	    DS_FW_DROP);
	assert_int_equal(
	    verdict(fw, "icmpv6 type 129 from 2001:db8::1 to local"),
	    DS_FW_ACCEPT);
	ds_fw_free(fw);

	fw = gen_load(DS_FW_ROLE_HOST, DS_FW_ECHO_LIMIT, false);
	p = spec("icmp type echo-request from 192.0.2.1 to local");
	ds_fw_eval(fw, &p, &res);
	assert_int_equal(res.verdict, DS_FW_ACCEPT);
	assert_true(res.limited);
	assert_int_equal(
	    verdict(fw, "tcp from 192.0.2.1 to local port 22"), DS_FW_ACCEPT);
	assert_int_equal(
	    verdict(fw, "tcp from 192.0.2.1 to local port 23"), DS_FW_DROP);
	assert_int_equal(verdict(fw,
	                     "icmp type 3 code 4 from 192.0.2.1 to "
	                     "local"),
	    DS_FW_ACCEPT);
	ds_fw_free(fw);

	/* A router forwards the errors and the services, not ND. */
	fw = gen_load(DS_FW_ROLE_ROUTER, DS_FW_ECHO_ALLOW, true);
	assert_int_equal(verdict(fw,
	                     "icmpv6 type 2 from 2001:db8::1 to "
	                     "2001:db8:1::1 state invalid"),
	    DS_FW_ACCEPT);
	assert_int_equal(verdict(fw,
	                     "icmpv6 type 144 from 2001:db8::1 to "
	                     "2001:db8:1::1"),
	    DS_FW_ACCEPT); /* 4.3.2 */
	assert_int_equal(verdict(fw,
	                     "icmpv6 type 135 from fe80::1 to "
	                     "fe80::2 hook forward"),
	    DS_FW_DROP);
	assert_int_equal(verdict(fw,
	                     "tcp from 2001:db8::1 to 2001:db8:1::1 "
	                     "port 22"),
	    DS_FW_ACCEPT);
	ds_fw_free(fw);

	/* A bridge passes the link's own messages. */
	fw = gen_load(DS_FW_ROLE_BRIDGE, DS_FW_ECHO_ALLOW, true);
	assert_int_equal(verdict(fw,
	                     "icmpv6 type 135 from fe80::1 to "
	                     "fe80::2 hook forward"),
	    DS_FW_ACCEPT);
	ds_fw_free(fw);
}

static void
test_generate_nft(void **state)
{
	static const struct ds_fw_service svc[] = {{6, 443}, {6, 22}};
	struct ds_fw_gen g = {.role = DS_FW_ROLE_BRIDGE,
	    .echo = DS_FW_ECHO_LIMIT,
	    .knobs = DS_FW_KNOB_EXTENDED_ECHO,
	    .services = svc,
	    .n_services = 2};
	static char buf[65536];
	char small[16];
	int n;

	(void)state;
	n = ds_fw_generate(&g, DS_FW_FMT_NFT, buf, sizeof(buf));
	assert_true(n > 0 && (size_t)n == strlen(buf));
	assert_non_null(strstr(buf, "table inet dualstack {"));
	assert_non_null(strstr(buf, "bridge-nf-call-ip6tables"));
	assert_non_null(strstr(buf,
	    "icmpv6 type { mld-listener-query, "
	    "mld-listener-report, mld-listener-done, "
	    "nd-router-solicit, nd-router-advert, "
	    "nd-neighbor-solicit, nd-neighbor-advert, "
	    "nd-redirect } accept"));
	assert_non_null(strstr(buf, "tcp dport { 443, 22 } accept"));
	assert_non_null(strstr(buf,
	    "icmpv6 type packet-too-big accept "
	    "comment \"RFC 4890 4.4.1"));
	assert_non_null(strstr(buf, "icmpv6 type { 160, 161 } accept"));
	assert_non_null(strstr(buf, "limit rate 10/second"));
	assert_non_null(strstr(buf, "policy drop;"));
	assert_null(strstr(buf, "icmpv6 code 3-10"));
	/* Nothing the inet family cannot match. */
	assert_null(strstr(buf, "ether "));
	/* snprintf: cut, and the length of the whole. */
	assert_int_equal(
	    ds_fw_generate(&g, DS_FW_FMT_NFT, small, sizeof(small)), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	g.role = (enum ds_fw_role)9;
	assert_int_equal(
	    ds_fw_generate(&g, DS_FW_FMT_NFT, buf, sizeof(buf)), -EINVAL);
	g.role = DS_FW_ROLE_HOST;
	g.echo = (enum ds_fw_echo)0;
	assert_int_equal(
	    ds_fw_generate(&g, DS_FW_FMT_NFT, buf, sizeof(buf)), -EINVAL);
}

/* Load iptables-save text for each family (NULL: none) and check. */
static size_t
check_ipt(const char *v4, const char *v6, enum ds_fw_role role,
    struct ds_finding *f, size_t max)
{
	struct ds_fw *fw = NULL;
	size_t n;

	assert_int_equal(ds_fw_new(&fw), 0);
	if (v4)
		assert_true(
		    ds_fw_load_ipt(fw, AF_INET, v4, strlen(v4), NULL) >= 0);
	if (v6)
		assert_true(
		    ds_fw_load_ipt(fw, AF_INET6, v6, strlen(v6), NULL) >= 0);
	n = ds_fw_check(fw, role, f, max);
	ds_fw_free(fw);
	return n < max ? n : max;
}

static const struct ds_finding *
find(const struct ds_finding *f, size_t n, enum ds_finding_code c)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].code == c)
			return &f[i];
	return NULL;
}

static void
test_check(void **state)
{
	static const char v4[] = "*filter\n:INPUT DROP [0:0]\n"
	                         "-A INPUT -m state --state ESTABLISHED -j "
	                         "ACCEPT\n-A INPUT -p tcp --dport 22 -j "
	                         "ACCEPT\nCOMMIT\n";
	static const char v6_drop_icmp[] = "*filter\n:INPUT DROP [0:0]\n"
	                                   "-A INPUT -p ipv6-icmp -j DROP\n"
	                                   "-A INPUT -p tcp --dport 22 -j "
	                                   "ACCEPT\nCOMMIT\n";
	static const char v6_open[] = "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n";
	static const char v6_no22[] =
	    "*filter\n:INPUT DROP [0:0]\n"
	    "-A INPUT -p ipv6-icmp -m limit --limit 2/sec -j ACCEPT\n"
	    "COMMIT\n";
	static const char v4_teredo[] = "*filter\n:INPUT DROP [0:0]\n"
	                                "-A INPUT -p udp --dport 3544 -j "
	                                "ACCEPT\n-A INPUT -p 41 -j ACCEPT\n"
	                                "COMMIT\n";
	static struct ds_finding f[256];
	const struct ds_finding *x;
	const struct ds_evidence *e;
	size_t n;

	(void)state;
	/* Drop all ICMPv6: Packet Too Big first, the rule named, a fix. */
	n = check_ipt(v4, v6_drop_icmp, DS_FW_ROLE_HOST, f, 256);
	assert_true(n > 10);
	assert_int_equal(f[0].code, DS_FIND_FW_ICMPV6_MUST);
	assert_int_equal(f[0].severity, DS_SEV_ERROR);
	assert_int_equal(ds_finding_uint(&f[0], DS_EVK_ICMP_TYPE, 0), 2);
	e = ds_finding_get(&f[0], DS_EVK_RULE);
	assert_non_null(e);
	assert_string_equal(e->v.text, "-A INPUT -p ipv6-icmp -j DROP");
	assert_int_equal(ds_finding_uint(&f[0], DS_EVK_LINE, 0), 3);
	e = ds_finding_get(&f[0], DS_EVK_FIX);
	assert_string_equal(e->v.text,
	    "-I INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 2 -j ACCEPT");
	assert_null(find(f, n, DS_FIND_FW_ICMPV6_OK));
	assert_null(find(f, n, DS_FIND_FW_V6_OPEN));
	assert_null(find(f, n, DS_FIND_FW_SERVICE_V4_ONLY));

	/* IPv6 policy accept, IPv4 filtered. */
	n = check_ipt(v4, v6_open, DS_FW_ROLE_HOST, f, 256);
	x = find(f, n, DS_FIND_FW_V6_OPEN);
	assert_non_null(x);
	assert_true(ds_finding_bool(x, DS_EVK_POLICY));
	assert_non_null(find(f, n, DS_FIND_FW_ICMPV6_OK));

	/* A service on IPv4 only; a rate limit that breaks ND. */
	n = check_ipt(v4, v6_no22, DS_FW_ROLE_HOST, f, 256);
	x = find(f, n, DS_FIND_FW_SERVICE_V4_ONLY);
	assert_non_null(x);
	assert_int_equal(ds_finding_uint(x, DS_EVK_PORT, 0), 22);
	assert_int_equal(ds_finding_uint(x, DS_EVK_PROTO, 0), 6);
	assert_null(find(f, n, DS_FIND_FW_SERVICE_V6_ONLY));
	x = find(f, n, DS_FIND_FW_ND_RATE);
	assert_non_null(x);
	assert_int_equal(ds_finding_uint(x, DS_EVK_RATE, 0), 2);
	assert_null(find(f, n, DS_FIND_FW_TUNNEL));

	/* Teredo and 6in4 past a filtered IPv6. */
	n = check_ipt(v4_teredo, v6_no22, DS_FW_ROLE_HOST, f, 256);
	x = find(f, n, DS_FIND_FW_TUNNEL);
	assert_non_null(x);
	assert_int_equal(ds_finding_uint(x, DS_EVK_PROTO, 0), 41);
	assert_non_null(
	    find(x + 1, (size_t)(f + n - x - 1), DS_FIND_FW_TUNNEL));

	/* What the generator writes passes its own check, for every role. */
	for (enum ds_fw_role r = DS_FW_ROLE_HOST; r <= DS_FW_ROLE_BRIDGE; r++) {
		static char b4[65536], b6[65536];
		static const struct ds_fw_service svc[] = {{6, 22}};
		struct ds_fw_gen g = {.role = r,
		    .echo = DS_FW_ECHO_ALLOW,
		    .knobs = DS_FW_KNOB_DEFAULT,
		    .services = svc,
		    .n_services = 1};

		ds_fw_generate(&g, DS_FW_FMT_IPTABLES, b4, sizeof(b4));
		ds_fw_generate(&g, DS_FW_FMT_IP6TABLES, b6, sizeof(b6));
		n = check_ipt(b4, b6, r, f, 256);
		for (size_t i = 0; i < n; i++)
			if (f[i].severity != DS_SEV_OK)
				fail_msg("role %d: finding %s", r,
				    ds_finding_token(f[i].code));
		assert_int_equal(n, r == DS_FW_ROLE_HOST ? 1 : 2);
	}
	/* More findings than room: the count says so. */
	assert_true(check_ipt(v4, v6_drop_icmp, DS_FW_ROLE_HOST, f, 2) == 2);
}

/* Every code of the fw range has a token of the module and words. */
static void
test_words(void **state)
{
	char buf[512];

	(void)state;
	for (unsigned c = DS_FIND_FW_ICMPV6_MUST; c < DS_FIND__FW_END; c++) {
		struct ds_finding f;
		enum ds_finding_code back;
		const char *t = ds_finding_token((enum ds_finding_code)c);

		assert_non_null(t);
		assert_int_equal(strncmp(t, "fw.", 3), 0);
		assert_int_equal(ds_finding_code_parse(t, strlen(t), &back), 0);
		assert_int_equal(back, c);
		ds_finding_init(&f, (enum ds_finding_code)c, DS_SEV_WARNING);
		ds_finding_add_uint(&f, DS_EVK_ICMP_TYPE, 2);
		ds_finding_add_token(&f, DS_EVK_HOOK, "forward");
		assert_true(fw_finding_text(&f, buf, sizeof(buf)) > 20);
	}
	assert_null(ds_finding_token(DS_FIND__FW_END));
	/* Another module's code has none. */
	{
		struct ds_finding f;

		ds_finding_init(&f, DS_FIND_REACH_DROPPED, DS_SEV_ERROR);
		assert_int_equal(fw_finding_text(&f, buf, sizeof(buf)), 0);
	}
}

/* Write text to path with mode. */
static void
put_file(const char *path, const char *text, unsigned mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/*
 * Loading from a descriptor, and the live ruleset from an "nft" that
 * PATH finds: one that prints the ruleset, one that fails, none.
 */
static void
test_load_fd_live(void **state)
{
	char dir[] = "/tmp/ds-test-fw.XXXXXX", path[128], script[256];
	const char *old = getenv("PATH");
	char *saved = old ? strdup(old) : NULL;
	struct ds_fw *fw = load_nft(ruleset), *fw2 = NULL;
	struct ds_fw_pos pos;
	size_t want = ds_fw_n_rules(fw);
	FILE *t = tmpfile();
	int status = -5;

	(void)state;
	assert_non_null(t);
	assert_true(fputs(ruleset, t) >= 0);
	rewind(t);
	assert_int_equal(ds_fw_new(&fw2), 0);
	assert_int_equal(ds_fw_load_fd(fw2, fileno(t), 0, &pos), (int)want);
	assert_int_equal(ds_fw_load_fd(fw2, fileno(t), 7, &pos), -EINVAL);
	fclose(t);
	fw2 = ds_fw_free(fw2);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ruleset.json", dir);
	put_file(path, ruleset, 0644);
	snprintf(path, sizeof(path), "%s/nft", dir);
	snprintf(script, sizeof(script),
	    "#!/bin/sh\n[ \"$*\" = '-j list ruleset' ] || exit 9\n"
	    "exec /bin/cat %s/ruleset.json\n",
	    dir);
	put_file(path, script, 0755);
	assert_int_equal(setenv("PATH", dir, 1), 0);
	assert_int_equal(ds_fw_new(&fw2), 0);
	assert_int_equal(ds_fw_load_live(fw2, -1, &status, &pos), (int)want);
	assert_int_equal(ds_fw_n_rules(fw2), want);
	fw2 = ds_fw_free(fw2);

	put_file(path,
	    "#!/bin/sh\necho 'Operation not permitted' >&2\n"
	    "exit 1\n",
	    0755);
	assert_int_equal(ds_fw_new(&fw2), 0);
	assert_int_equal(ds_fw_load_live(fw2, -1, &status, &pos), -DS_E_FW_NFT);
	assert_int_equal(status, 1);
	assert_string_equal(
	    ds_strerror(-DS_E_FW_NFT), "nft -j list ruleset failed");

	assert_int_equal(unlink(path), 0);
	assert_int_equal(ds_fw_load_live(fw2, -1, &status, &pos), -ENOENT);
	fw2 = ds_fw_free(fw2);

	snprintf(path, sizeof(path), "%s/ruleset.json", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	if (saved)
		setenv("PATH", saved, 1);
	else
		unsetenv("PATH");
	free(saved);
	ds_fw_free(fw);
}

int
main(void)
{
	join_ruleset();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nft_eval),
	    cmocka_unit_test(test_rule_text),
	    cmocka_unit_test(test_two_base_chains),
	    cmocka_unit_test(test_nft_errors),
	    cmocka_unit_test(test_nft_unknown),
	    cmocka_unit_test(test_ipt),
	    cmocka_unit_test(test_ipt_errors),
	    cmocka_unit_test(test_ipt_loop),
	    cmocka_unit_test(test_spec),
	    cmocka_unit_test(test_rfc4890),
	    cmocka_unit_test(test_tokens),
	    cmocka_unit_test(test_generate),
	    cmocka_unit_test(test_generate_nft),
	    cmocka_unit_test(test_check),
	    cmocka_unit_test(test_words),
	    cmocka_unit_test(test_load_fd_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
