/* SPDX-License-Identifier: MIT */
/*
 * The RFC 4890 table as data: which ICMPv6 messages a firewall must,
 * should, may and should not let through, for traffic through it
 * (section 4.3) and to it (section 4.4), with the conditions the RFC
 * puts on them; and the types and codes allocated since (IANA's
 * "ICMPv6 Parameters" registry), each behind a named knob, since they
 * fall in RFC 4890's "unallocated" rows, which want a policy.
 */
#include <string.h>

#include "dualstack/fw.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define HL255 DS_FW_COND_HL255
#define LL DS_FW_COND_LL_SRC
#define HL1 DS_FW_COND_HL1

/* Section 4.3, traffic through the firewall; more specific rows first. */
static const struct ds_fw_rfc4890 transit[] = {
    /* 4.3.1: error messages essential to communication ... */
    {1, 1, 0, 255, DS_FW_MUST, 0, "4.3.1", 0, NULL, false},
    {2, 2, 0, 255, DS_FW_MUST, 0, "4.3.1", 0, NULL, false},
    {3, 3, 0, 0, DS_FW_MUST, 0, "4.3.1", 0, NULL, false},
    {4, 4, 1, 2, DS_FW_MUST, 0, "4.3.1", 0, NULL, false},
    /* ... and connectivity checks (Teredo needs them, section 3.2). */
    {128, 129, 0, 255, DS_FW_MUST, 0, "4.3.1", 0, NULL, true},
    /* 4.3.2 */
    {3, 3, 1, 1, DS_FW_SHOULD, 0, "4.3.2", 0, NULL, false},
    {4, 4, 0, 0, DS_FW_SHOULD, 0, "4.3.2", 0, NULL, false},
    {144, 147, 0, 255, DS_FW_SHOULD, 0, "4.3.2", 0, "RFC 6275", false},
    /* 4.3.3: link-local; a router never forwards them. */
    {130, 137, 0, 255, DS_FW_LINK, 0, "4.3.3", 0, NULL, false},
    {141, 143, 0, 255, DS_FW_LINK, 0, "4.3.3", 0, NULL, false},
    {148, 149, 0, 255, DS_FW_LINK, 0, "4.3.3", 0, "RFC 3971", false},
    {151, 153, 0, 255, DS_FW_LINK, 0, "4.3.3", 0, "RFC 4286", false},
    /* Allocated since RFC 4890 (2007): its "unallocated" rows, 4.3.4. */
    {4, 4, 3, 10, DS_FW_POLICY, 0, "4.3.4", DS_FW_KNOB_PARAM_PROBLEM_NEW,
        "RFC 7112, RFC 8754, RFC 8883", false},
    {154, 154, 0, 255, DS_FW_POLICY, 0, "4.3.4", DS_FW_KNOB_FMIPV6, "RFC 5568",
        false},
    {155, 155, 0, 255, DS_FW_POLICY, 0, "4.3.4", DS_FW_KNOB_RPL, "RFC 6550",
        false},
    {156, 156, 0, 255, DS_FW_POLICY, 0, "4.3.4", DS_FW_KNOB_ILNP, "RFC 6743",
        false},
    {157, 158, 0, 255, DS_FW_POLICY, 0, "4.3.4", DS_FW_KNOB_6LOWPAN_DAD,
        "RFC 6775", false},
    {159, 159, 0, 255, DS_FW_POLICY, 0, "4.3.4", DS_FW_KNOB_MPL, "RFC 7731",
        false},
    {160, 161, 0, 255, DS_FW_POLICY, 0, "4.3.4", DS_FW_KNOB_EXTENDED_ECHO,
        "RFC 8335", false},
    /* 4.3.4 */
    {138, 140, 0, 255, DS_FW_POLICY, 0, "4.3.4", 0, NULL, false},
    {150, 150, 0, 255, DS_FW_POLICY, 0, "4.3.4", 0, "RFC 4065", false},
    {4, 4, 11, 255, DS_FW_POLICY, 0, "4.3.4", 0, NULL, false},
    {3, 3, 2, 255, DS_FW_POLICY, 0, "4.3.4", 0, NULL, false},
    {5, 99, 0, 255, DS_FW_POLICY, 0, "4.3.4", 0, NULL, false},
    {102, 126, 0, 255, DS_FW_POLICY, 0, "4.3.4", 0, NULL, false},
    {154, 199, 0, 255, DS_FW_POLICY, 0, "4.3.4", 0, NULL, false},
    {202, 254, 0, 255, DS_FW_POLICY, 0, "4.3.4", 0, NULL, false},
    /* 4.3.5: experimental (RFC 4443 section 2.1) and expansion. */
    {100, 101, 0, 255, DS_FW_DISCARD, 0, "4.3.5", 0, NULL, false},
    {200, 201, 0, 255, DS_FW_DISCARD, 0, "4.3.5", 0, NULL, false},
    {127, 127, 0, 255, DS_FW_DISCARD, 0, "4.3.5", 0, NULL, false},
    {255, 255, 0, 255, DS_FW_DISCARD, 0, "4.3.5", 0, NULL, false},
};

/* Section 4.4, traffic to the firewall itself. */
static const struct ds_fw_rfc4890 local[] = {
    /* 4.4.1 */
    {1, 1, 0, 255, DS_FW_MUST, 0, "4.4.1", 0, NULL, false},
    {2, 2, 0, 255, DS_FW_MUST, 0, "4.4.1", 0, NULL, false},
    {3, 3, 0, 0, DS_FW_MUST, 0, "4.4.1", 0, NULL, false},
    {4, 4, 1, 2, DS_FW_MUST, 0, "4.4.1", 0, NULL, false},
    {128, 129, 0, 255, DS_FW_MUST, 0, "4.4.1", 0, NULL, true},
    /* Address configuration and router selection, hop limit 255. */
    {133, 136, 0, 255, DS_FW_MUST, HL255, "4.4.1", 0, NULL, false},
    {141, 142, 0, 255, DS_FW_MUST, HL255, "4.4.1", 0, "RFC 3122", false},
    /* Multicast listener discovery, link-local source. */
    {130, 132, 0, 255, DS_FW_MUST, LL, "4.4.1", 0, NULL, false},
    {143, 143, 0, 255, DS_FW_MUST, LL, "4.4.1", 0, "RFC 3810", false},
    /* SEND certification path, hop limit 255. */
    {148, 149, 0, 255, DS_FW_MUST, HL255, "4.4.1", 0, "RFC 3971", false},
    /* Multicast router discovery: link-local source, hop limit 1. */
    {151, 153, 0, 255, DS_FW_MUST, LL | HL1, "4.4.1", 0, "RFC 4286", false},
    /* 4.4.2 */
    {3, 3, 1, 1, DS_FW_SHOULD, 0, "4.4.2", 0, NULL, false},
    {4, 4, 0, 0, DS_FW_SHOULD, 0, "4.4.2", 0, NULL, false},
    /* Allocated since RFC 4890: its "unallocated" rows, 4.4.3. */
    {4, 4, 3, 10, DS_FW_POLICY, 0, "4.4.3", DS_FW_KNOB_PARAM_PROBLEM_NEW,
        "RFC 7112, RFC 8754, RFC 8883", false},
    {154, 154, 0, 255, DS_FW_POLICY, 0, "4.4.3", DS_FW_KNOB_FMIPV6, "RFC 5568",
        false},
    {155, 155, 0, 255, DS_FW_POLICY, 0, "4.4.3", DS_FW_KNOB_RPL, "RFC 6550",
        false},
    {156, 156, 0, 255, DS_FW_POLICY, 0, "4.4.3", DS_FW_KNOB_ILNP, "RFC 6743",
        false},
    {157, 158, 0, 255, DS_FW_POLICY, 0, "4.4.3", DS_FW_KNOB_6LOWPAN_DAD,
        "RFC 6775", false},
    {159, 159, 0, 255, DS_FW_POLICY, 0, "4.4.3", DS_FW_KNOB_MPL, "RFC 7731",
        false},
    {160, 161, 0, 255, DS_FW_POLICY, 0, "4.4.3", DS_FW_KNOB_EXTENDED_ECHO,
        "RFC 8335", false},
    /* 4.4.3 */
    {137, 137, 0, 255, DS_FW_POLICY, 0, "4.4.3", 0, NULL, false},
    {138, 140, 0, 255, DS_FW_POLICY, 0, "4.4.3", 0, NULL, false},
    {144, 147, 0, 255, DS_FW_POLICY, 0, "4.4.3", 0, "RFC 6275", false},
    {150, 150, 0, 255, DS_FW_POLICY, 0, "4.4.3", 0, "RFC 4065", false},
    {4, 4, 11, 255, DS_FW_POLICY, 0, "4.4.3", 0, NULL, false},
    {3, 3, 2, 255, DS_FW_POLICY, 0, "4.4.3", 0, NULL, false},
    {5, 99, 0, 255, DS_FW_POLICY, 0, "4.4.3", 0, NULL, false},
    {102, 126, 0, 255, DS_FW_POLICY, 0, "4.4.3", 0, NULL, false},
    {154, 199, 0, 255, DS_FW_POLICY, 0, "4.4.3", 0, NULL, false},
    {202, 254, 0, 255, DS_FW_POLICY, 0, "4.4.3", 0, NULL, false},
    /* 4.4.4 */
    {100, 101, 0, 255, DS_FW_DISCARD, 0, "4.4.4", 0, NULL, false},
    {200, 201, 0, 255, DS_FW_DISCARD, 0, "4.4.4", 0, NULL, false},
    {127, 127, 0, 255, DS_FW_DISCARD, 0, "4.4.4", 0, NULL, false},
    {255, 255, 0, 255, DS_FW_DISCARD, 0, "4.4.4", 0, NULL, false},
};

const struct ds_fw_rfc4890 *
ds_fw_rfc4890_table(enum ds_fw_scope scope, size_t *ret_n)
{
	if (scope == DS_FW_TRANSIT) {
		*ret_n = ARRAY_SIZE(transit);
		return transit;
	}
	if (scope == DS_FW_LOCAL) {
		*ret_n = ARRAY_SIZE(local);
		return local;
	}
	*ret_n = 0;
	return NULL;
}

const struct ds_fw_rfc4890 *
ds_fw_rfc4890_find(enum ds_fw_scope scope, uint8_t type, uint8_t code)
{
	size_t n;
	const struct ds_fw_rfc4890 *t = ds_fw_rfc4890_table(scope, &n);

	for (size_t i = 0; i < n; i++)
		if (type >= t[i].type_lo && type <= t[i].type_hi &&
		    code >= t[i].code_lo && code <= t[i].code_hi)
			return &t[i];
	return NULL;
}

static const char *const class_tokens[] = {
    [DS_FW_MUST] = "must",
    [DS_FW_SHOULD] = "should",
    [DS_FW_LINK] = "link",
    [DS_FW_POLICY] = "policy",
    [DS_FW_DISCARD] = "discard",
};

const char *
ds_fw_class_token(enum ds_fw_class c)
{
	return (unsigned)c < ARRAY_SIZE(class_tokens) ? class_tokens[c] : NULL;
}

static const char *const knob_tokens[] = {
    "param-problem-new",
    "extended-echo",
    "rpl",
    "mpl",
    "fmipv6",
    "ilnp",
    "6lowpan-dad",
};

const char *
ds_fw_knob_token(unsigned knob)
{
	for (size_t i = 0; i < ARRAY_SIZE(knob_tokens); i++)
		if (knob == 1u << i)
			return knob_tokens[i];
	return NULL;
}

unsigned
ds_fw_knob_parse(const char *s, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(knob_tokens); i++)
		if (strlen(knob_tokens[i]) == len &&
		    memcmp(knob_tokens[i], s, len) == 0)
			return 1u << i;
	return 0;
}

static const char *const role_tokens[] = {
    [DS_FW_ROLE_HOST] = "host",
    [DS_FW_ROLE_ROUTER] = "router",
    [DS_FW_ROLE_BRIDGE] = "bridge",
};

const char *
ds_fw_role_token(enum ds_fw_role r)
{
	return (unsigned)r < ARRAY_SIZE(role_tokens) ? role_tokens[r] : NULL;
}
