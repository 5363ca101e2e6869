/* SPDX-License-Identifier: MIT */
/*
 * The packet module's tokens (lib/packet-names.c) and the CLI's words for
 * the same values (src/cli-packet.c, linked into this test): one registry.
 *
 * - Every value of the module's own enums has a token, and nothing past
 *   the last value has one.
 * - A token is lower-case ASCII letters, digits and "-._+", starts with a
 *   letter or digit, and no two meanings share one: two values have the
 *   same token only when the CLI calls them by the same word (a registry's
 *   "Experiment" numbers).
 * - The CLI has a word for every token it shows to people, and a token
 *   stands behind every word, so a value cannot be added to one table and
 *   forgotten in the other.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dualstack/packet.h"

#include "cli-packet.h"

/* One table: a value's token and the CLI's word for it (word may be a
 * function that has none, for tables the CLI shows as tokens). */
struct table {
	const char *name;
	unsigned n; /* values 0 .. n-1 */
	const char *(*token)(unsigned v);
	const char *(*word)(unsigned v);
};

/* Adapters, so that every table is indexed by an unsigned. */
#define ADAPT(fn, type)                                                        \
	static const char *fn##_u(unsigned v)                                  \
	{                                                                      \
		return fn((type)v);                                            \
	}

ADAPT(ds_packet_err_kind_token, unsigned)
ADAPT(ds_packet_layer_token, unsigned)
ADAPT(ds_packet_why_token, unsigned)
ADAPT(ds_packet_l4_token, unsigned)
ADAPT(ds_packet_prf_token, uint8_t)
ADAPT(ds_packet_tun_token, unsigned)
ADAPT(ds_packet_ethertype_token, uint16_t)
ADAPT(ds_packet_proto_token, unsigned)
ADAPT(ds_packet_ext_token, unsigned)
ADAPT(ds_packet_opt_token, uint8_t)
ADAPT(ds_packet_rt_token, uint8_t)
ADAPT(ds_packet_icmp6_type_token, uint8_t)
ADAPT(ds_packet_icmp4_type_token, uint8_t)
ADAPT(ds_packet_ndopt_token, uint8_t)
ADAPT(ds_packet_mldrec_token, uint8_t)
ADAPT(ds_packet_dscp_token, uint8_t)
ADAPT(ds_packet_ecn_token, uint8_t)
ADAPT(ds_packet_tcpopt_token, uint8_t)
ADAPT(ds_packet_ip4opt_token, uint8_t)
ADAPT(cli_packet_err_kind_name, unsigned)
ADAPT(cli_packet_layer_name, unsigned)
ADAPT(cli_packet_why_name, unsigned)
ADAPT(cli_packet_prf_name, uint8_t)
ADAPT(cli_packet_tun_name, unsigned)
ADAPT(cli_packet_ethertype_name, uint16_t)
ADAPT(cli_packet_proto_name, unsigned)
ADAPT(cli_packet_opt_name, uint8_t)
ADAPT(cli_packet_rt_name, uint8_t)
ADAPT(cli_packet_icmp6_type_name, uint8_t)
ADAPT(cli_packet_icmp4_type_name, uint8_t)
ADAPT(cli_packet_ndopt_name, uint8_t)
ADAPT(cli_packet_mldrec_name, uint8_t)
ADAPT(cli_packet_dscp_name, uint8_t)
ADAPT(cli_packet_ecn_name, uint8_t)
ADAPT(cli_packet_tcpopt_name, uint8_t)
ADAPT(cli_packet_ip4opt_name, uint8_t)

/* Bit sets by bit number. */
static const char *
anomaly_token_u(unsigned b)
{
	return b < 32 ? ds_packet_anomaly_token(1u << b) : NULL;
}

static const char *
anomaly_name_u(unsigned b)
{
	return b < 32 ? cli_packet_anomaly_name(1u << b) : NULL;
}

static const char *
capped_token_u(unsigned b)
{
	return b < 32 ? ds_packet_capped_token(1u << b) : NULL;
}

/* Codes of every ICMPv6 type, as one table: type * 256 + code. */
static const char *
icmp6_code_token_u(unsigned v)
{
	return ds_packet_icmp6_code_token((uint8_t)(v >> 8), (uint8_t)v);
}

static const char *
icmp6_code_name_u(unsigned v)
{
	return cli_packet_icmp6_code_name((uint8_t)(v >> 8), (uint8_t)v);
}

/* The module's own enums: the last value of each, from packet.h. */
static const struct table own[] = {
    {"err_kind", DS_PKT_ERR_MALFORMED + 1, ds_packet_err_kind_token_u,
        cli_packet_err_kind_name_u},
    {"layer", DS_PKT_LAYER_TEREDO + 1, ds_packet_layer_token_u,
        cli_packet_layer_name_u},
    {"why", DS_PKT_WHY_GRE_FLAGS + 1, ds_packet_why_token_u,
        cli_packet_why_name_u},
    {"anomaly", 20, anomaly_token_u, anomaly_name_u},
    {"tun", DS_PKT_TUN_KINDS, ds_packet_tun_token_u, cli_packet_tun_name_u},
    {"prf", DS_PKT_PRF_LOW + 1, ds_packet_prf_token_u, cli_packet_prf_name_u},
    /* Shown as tokens: the JSON "capped" list, the tree's header names. */
    {"capped", 6, capped_token_u, NULL},
    {"l4", DS_PKT_L4_OTHER + 1, ds_packet_l4_token_u, NULL},
};

/* Numbers from registries: sparse, over the whole range of the field. */
static const struct table reg[] = {
    {"ethertype", 65536, ds_packet_ethertype_token_u,
        cli_packet_ethertype_name_u},
    {"proto", 1024, ds_packet_proto_token_u, cli_packet_proto_name_u},
    {"opt", 256, ds_packet_opt_token_u, cli_packet_opt_name_u},
    {"rt", 256, ds_packet_rt_token_u, cli_packet_rt_name_u},
    {"icmp6_type", 256, ds_packet_icmp6_type_token_u,
        cli_packet_icmp6_type_name_u},
    {"icmp6_code", 65536, icmp6_code_token_u, icmp6_code_name_u},
    {"icmp4_type", 256, ds_packet_icmp4_type_token_u,
        cli_packet_icmp4_type_name_u},
    {"ndopt", 256, ds_packet_ndopt_token_u, cli_packet_ndopt_name_u},
    {"mldrec", 256, ds_packet_mldrec_token_u, cli_packet_mldrec_name_u},
    {"dscp", 256, ds_packet_dscp_token_u, cli_packet_dscp_name_u},
    {"ecn", 256, ds_packet_ecn_token_u, cli_packet_ecn_name_u},
    {"tcpopt", 256, ds_packet_tcpopt_token_u, cli_packet_tcpopt_name_u},
    {"ip4opt", 256, ds_packet_ip4opt_token_u, cli_packet_ip4opt_name_u},
    /* The chain's own abbreviations; the tree shows them as they are. */
    {"ext", 1024, ds_packet_ext_token_u, NULL},
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static bool
token_chars_ok(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		        strchr("-._+", *s)))
			return false;
	return true;
}

static void
check_chars(const struct table *t)
{
	for (unsigned v = 0; v < t->n; v++) {
		const char *s = t->token(v);

		if (s && !token_chars_ok(s))
			fail_msg("%s %u: token '%s' has a character a token "
			         "may not have",
			    t->name, v, s);
	}
}

static bool
same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Two values share a token only when they share the CLI's word (tables
 * without words: never). */
static void
check_unique(const struct table *t)
{
	for (unsigned a = 0; a < t->n; a++) {
		const char *ta = t->token(a);

		if (!ta)
			continue;
		for (unsigned b = a + 1; b < t->n; b++) {
			const char *tb = t->token(b);

			if (!tb || strcmp(ta, tb) != 0)
				continue;
			if (!t->word || !same(t->word(a), t->word(b)))
				fail_msg("%s %u and %u: both '%s'", t->name, a,
				    b, ta);
		}
	}
}

static void
test_own_tokens(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(own); i++) {
		const struct table *t = &own[i];

		for (unsigned v = 0; v < t->n; v++)
			if (!t->token(v))
				fail_msg("%s %u has no token", t->name, v);
		/* Nothing past the last value: the enum did not grow
		 * without this test knowing. */
		for (unsigned v = t->n; v < 256; v++)
			if (t->token(v))
				fail_msg("%s %u: a token past the last value",
				    t->name, v);
		check_chars(t);
		check_unique(t);
	}
	/* One bit at a time, not a set. */
	assert_null(ds_packet_anomaly_token(0));
	assert_null(ds_packet_anomaly_token(
	    DS_PKT_ANOM_HBH_NOT_FIRST | DS_PKT_ANOM_EXT_REPEATED));
	assert_null(ds_packet_capped_token(0));
	assert_null(cli_packet_anomaly_name(3));
}

static void
test_registry_tokens(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(reg); i++) {
		check_chars(&reg[i]);
		check_unique(&reg[i]);
	}
}

/* The IANA protocol keywords with blanks are words, not tokens. */
static bool
word_without_token(const struct table *t, unsigned v)
{
	return strcmp(t->name, "proto") == 0 && (v == 124 || v == 135);
}

/* The CLI's words: one for every token it shows to people, and a token
 * for every word. */
static void
test_words(void **state)
{
	const struct table *all[N_ELEMS(own) + N_ELEMS(reg)];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(own); i++)
		all[n++] = &own[i];
	for (size_t i = 0; i < N_ELEMS(reg); i++)
		all[n++] = &reg[i];
	for (size_t i = 0; i < n; i++) {
		const struct table *t = all[i];

		if (!t->word)
			continue;
		for (unsigned v = 0; v < t->n; v++) {
			const char *tok = t->token(v), *w = t->word(v);

			if (tok && !w)
				fail_msg("%s %u: token '%s' but no word in "
				         "src/cli-packet.c",
				    t->name, v, tok);
			if (w && !tok && !word_without_token(t, v))
				fail_msg("%s %u: word '%s' but no token in "
				         "lib/packet-names.c",
				    t->name, v, w);
			if (w && (!*w || strchr(w, '\n')))
				fail_msg("%s %u: an empty or multi-line word",
				    t->name, v);
		}
	}
}

/* Tokens as the line, JSON and --stats print them, and a few words. */
static void
test_examples(void **state)
{
	static const struct {
		uint8_t dscp;
		const char *token, *word;
	} dscps[] = {
	    {0, "cs0", "CS0"},
	    {8, "cs1", "CS1"},
	    {10, "af11", "AF11"},
	    {12, "af12", "AF12"},
	    {14, "af13", "AF13"},
	    {18, "af21", "AF21"},
	    {26, "af31", "AF31"},
	    {34, "af41", "AF41"},
	    {36, "af42", "AF42"},
	    {38, "af43", "AF43"},
	    {40, "cs5", "CS5"},
	    {44, "va", "VA"},
	    {46, "ef", "EF"},
	    {48, "cs6", "CS6"},
	    {56, "cs7", "CS7"},
	    {1, "le", "LE"},
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(dscps); i++) {
		assert_string_equal(
		    ds_packet_dscp_token(dscps[i].dscp), dscps[i].token);
		assert_string_equal(
		    cli_packet_dscp_name(dscps[i].dscp), dscps[i].word);
	}
	assert_null(ds_packet_dscp_token(2));
	assert_string_equal(ds_packet_ecn_token(3), "ce");
	assert_string_equal(ds_packet_ecn_token(1), "ect1");
	assert_string_equal(cli_packet_ecn_name(0), "Not-ECT");
	assert_null(ds_packet_ecn_token(4));

	assert_string_equal(ds_packet_proto_token(58), "ipv6-icmp");
	assert_string_equal(ds_packet_proto_token(0), "hopopt");
	assert_string_equal(ds_packet_proto_token(44), "ipv6-frag");
	assert_string_equal(ds_packet_proto_token(59), "ipv6-nonxt");
	assert_string_equal(ds_packet_proto_token(132), "sctp");
	assert_string_equal(ds_packet_proto_token(107), "a-n");
	assert_string_equal(ds_packet_proto_token(39), "tp++");
	assert_string_equal(ds_packet_proto_token(254), "experimental");
	assert_null(ds_packet_proto_token(135));
	assert_null(ds_packet_proto_token(200));
	assert_string_equal(cli_packet_proto_name(135), "Mobility Header");
	assert_string_equal(cli_packet_proto_name(58), "IPv6-ICMP");

	assert_string_equal(ds_packet_ext_token(0), "hbh");
	assert_string_equal(ds_packet_ext_token(60), "dst");
	assert_string_equal(ds_packet_ext_token(59), "none");
	assert_null(ds_packet_ext_token(6));

	assert_string_equal(ds_packet_icmp6_type_token(134), "ra");
	assert_string_equal(ds_packet_icmp6_type_token(143), "mld2-report");
	assert_string_equal(
	    ds_packet_icmp6_type_token(150), "experimental-mobility-seamoby");
	assert_null(ds_packet_icmp6_type_token(5));
	assert_string_equal(
	    cli_packet_icmp6_type_name(134), "Router Advertisement");
	assert_string_equal(cli_packet_icmp6_type_name(143),
	    "Version 2 Multicast Listener Report");
	assert_string_equal(
	    ds_packet_icmp6_code_token(1, 0), "no-route-to-destination");
	assert_string_equal(ds_packet_icmp6_code_token(1, 5),
	    "source-address-failed-ingress-egress-policy");
	assert_string_equal(
	    ds_packet_icmp6_code_token(138, 255), "sequence-number-reset");
	assert_null(ds_packet_icmp6_code_token(128, 0));
	assert_null(ds_packet_icmp6_code_token(1, 9));
	assert_string_equal(cli_packet_icmp6_code_name(1, 1),
	    "communication with destination administratively prohibited");
	assert_string_equal(cli_packet_icmp6_code_name(4, 2),
	    "unrecognized IPv6 option encountered");

	assert_string_equal(ds_packet_icmp4_type_token(8), "echo-request");
	assert_string_equal(cli_packet_icmp4_type_name(8), "Echo");
	assert_string_equal(ds_packet_ndopt_token(1), "sll");
	assert_string_equal(
	    cli_packet_ndopt_name(1), "Source Link-Layer Address");
	assert_string_equal(ds_packet_mldrec_token(4), "to_ex");
	assert_string_equal(
	    cli_packet_mldrec_name(4), "CHANGE_TO_EXCLUDE_MODE");
	assert_null(ds_packet_mldrec_token(0));
	assert_string_equal(ds_packet_rt_token(0), "source-route-deprecated");
	assert_string_equal(cli_packet_rt_name(3), "RPL Source Route");
	assert_string_equal(ds_packet_ethertype_token(0x8100), "802.1q");
	assert_string_equal(
	    ds_packet_ethertype_token(0x8809), "slow-protocols-lacp");
	assert_string_equal(
	    cli_packet_ethertype_name(0x8809), "Slow Protocols (LACP)");

	assert_string_equal(
	    ds_packet_link_token(DS_LINK_LINUX_SLL2), "linux_sll2");
	assert_string_equal(ds_packet_link_token(DS_LINK_RAW_LT), "raw");
	assert_null(ds_packet_link_token(147));

	assert_string_equal(ds_packet_anomaly_token(DS_PKT_ANOM_HBH_NOT_FIRST),
	    "hbh-not-first");
	assert_string_equal(ds_packet_anomaly_token(DS_PKT_ANOM_FRAG_CHAIN),
	    "frag-chain-split");
	assert_string_equal(cli_packet_anomaly_name(DS_PKT_ANOM_HBH_NOT_FIRST),
	    "hop-by-hop options not first");
	assert_string_equal(
	    ds_packet_err_kind_token(DS_PKT_ERR_TRUNC_PACKET), "short-packet");
	assert_string_equal(cli_packet_err_kind_name(DS_PKT_ERR_TRUNC_PACKET),
	    "truncated packet");
	assert_string_equal(
	    ds_packet_layer_token(DS_PKT_LAYER_EXT_OPT), "ext-opt");
	assert_string_equal(
	    cli_packet_layer_name(DS_PKT_LAYER_EXT), "IPv6 extension header");
	assert_string_equal(
	    ds_packet_why_token(DS_PKT_WHY_HDR_LEN), "bad-header-length");
	assert_string_equal(cli_packet_why_name(DS_PKT_WHY_ND_OPT_ZERO),
	    "option with length 0");
	assert_string_equal(ds_packet_l4_token(DS_PKT_L4_FRAGMENT), "data");
	assert_string_equal(ds_packet_l4_token(DS_PKT_L4_NO_NEXT), "none");
	assert_string_equal(
	    ds_packet_capped_token(DS_PKT_CAPPED_NDOPT), "ndopt");
	assert_string_equal(ds_packet_prf_token(DS_PKT_PRF_LOW), "low");
	assert_null(ds_packet_prf_token(4));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_own_tokens),
	    cmocka_unit_test(test_registry_tokens),
	    cmocka_unit_test(test_words),
	    cmocka_unit_test(test_examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
