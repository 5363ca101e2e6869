/* SPDX-License-Identifier: MIT */
/*
 * The words of "dualstack ra" (see cmd-ra-words.h).
 */
#include <string.h>

#include "cmd-ra-words.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const code_words[] = {
    [DS_FIND_RA_NEW_ROUTER - 500] = "new router",
    [DS_FIND_RA_UNKNOWN_ROUTER - 500] = "unknown router, not in the baseline",
    [DS_FIND_RA_CHANGED - 500] = "router changed its advertisement",
    [DS_FIND_RA_LEAVING - 500] =
        "router lifetime 0: hosts drop it as a default router",
    [DS_FIND_RA_SPOOFED_LEAVING - 500] =
        "router lifetime 0 in the name of a known router, from another "
        "MAC: someone is taking its place (the mitm6 trick)",
    [DS_FIND_RA_ODD_PREFIX - 500] = "prefix that should not be advertised",
    [DS_FIND_RA_BEHIND_EXT - 500] =
        "RA behind extension headers: hosts accept it, an 'icmp6' "
        "filter never sees it",
    [DS_FIND_RA_IGNORED - 500] = "RA a host would ignore",
    [DS_FIND_RA_FLOOD - 500] = "RA flood",
    [DS_FIND_RA_UNKNOWN_PREFIX - 500] = "prefix outside the baseline",
    [DS_FIND_RA_CLEARED - 500] = "counter-RA sent to clear a rogue router",
    [DS_FIND_RA_ROUTER - 500] = "router advertisement",
};

const char *
ra_code_words(enum ds_finding_code c)
{
	unsigned v = (unsigned)c;

	if (v < 500 || v - 500 >= ARRAY_SIZE(code_words))
		return NULL;
	return code_words[v - 500];
}

static const char *
bit_words(const char *const *t, size_t n, uint32_t bit)
{
	if (bit == 0 || (bit & (bit - 1)) != 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (bit == 1u << i)
			return t[i];
	return NULL;
}

static const char *const why_words[] = {
    "IP hop limit is not 255, so it was forwarded or sent from off the "
    "link (RFC 4861 6.1.2)",
    "source address is not link-local (RFC 4861 6.1.2)",
    "ICMP code is not 0 (RFC 4861 6.1.2)",
    "ICMPv6 checksum is wrong",
    "ICMP length is below 16 octets (RFC 4861 6.1.2)",
    "an option has length 0 (RFC 4861 4.6)",
    "an option runs past the end of the message",
    "Neighbor Discovery must not be fragmented (RFC 6980)",
    "the first fragment does not hold the whole header chain (RFC 7112)",
    "destination is neither all-nodes nor a host",
};

const char *
ra_why_words(uint32_t bit)
{
	return bit_words(why_words, ARRAY_SIZE(why_words), bit);
}

static const char *const flag_words[] = {
    "behind extension headers",
    "reassembled from fragments",
    "in an atomic fragment",
    "cut short by the capture",
    "more options than are kept",
};

const char *
ra_flag_words(uint32_t bit)
{
	return bit_words(flag_words, ARRAY_SIZE(flag_words), bit);
}

static const char *const change_words[] = {
    "prefix added",
    "prefix removed",
    "router lifetime changed",
    "flags changed",
    "router preference changed",
    "MTU changed",
    "DNS servers (RDNSS) changed",
    "NAT64 prefix (PREF64) changed",
    "routes (RIO) changed",
    "hop limit changed",
    "a prefix's flags changed",
    "DNS search list (DNSSL) changed",
};

const char *
ra_change_words(uint32_t bit)
{
	return bit_words(change_words, ARRAY_SIZE(change_words), bit);
}

static const char *const optbad_words[] = {
    [DS_RA_OPT_OK] = "fine",
    [DS_RA_OPT_BAD_LEN] = "wrong length for its type",
    [DS_RA_OPT_BAD_PLEN] = "impossible prefix length",
    [DS_RA_OPT_LINK_LOCAL] = "link-local prefix (RFC 4862 5.5.3 b)",
    [DS_RA_OPT_PREF_GT_VALID] =
        "preferred lifetime above valid lifetime (RFC 4862 5.5.3 c)",
    [DS_RA_OPT_MULTICAST] = "multicast prefix",
    [DS_RA_OPT_BAD_PLC] = "unknown prefix length code (RFC 8781)",
};

const char *
ra_optbad_words(unsigned bad)
{
	return bad < ARRAY_SIZE(optbad_words) ? optbad_words[bad] : NULL;
}

static const char *const pfx_words[] = {
    [DS_RA_PFX_NORMAL] = "global",
    [DS_RA_PFX_6TO4] = "6to4 (2002::/16; relays deprecated, RFC 7526)",
    [DS_RA_PFX_TEREDO] = "Teredo (2001::/32)",
    [DS_RA_PFX_ULA] = "unique local (fc00::/7)",
    [DS_RA_PFX_DOC] = "documentation only (RFC 3849, RFC 9637)",
};

const char *
ra_pfx_words(unsigned kind)
{
	return kind < ARRAY_SIZE(pfx_words) ? pfx_words[kind] : NULL;
}

const char *
ra_token_words(enum ds_evidence_key k, const char *token)
{
	for (unsigned b = 0; b < 32; b++) {
		const char *t = NULL, *w = NULL;

		switch (k) {
		case DS_EVK_REASON:
			t = ds_ra_why_token(1u << b);
			w = ra_why_words(1u << b);
			break;
		case DS_EVK_CHANGE:
			t = ds_ra_change_token(1u << b);
			w = ra_change_words(1u << b);
			break;
		case DS_EVK_KIND:
			t = ds_ra_pfx_kind_token(b);
			w = ra_pfx_words(b);
			break;
		default:
			return NULL;
		}
		if (t && strcmp(t, token) == 0)
			return w;
	}
	return NULL;
}
