/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "dualstack/error.h"

/*
 * Messages for the library's own codes. Phrased to follow "column N: " in
 * the CLI, so they say what was wrong with the text, not what to do.
 */
static const char *const messages[DS_E_MAX - DS_E_BASE] = {
    [DS_E_EMPTY - DS_E_BASE] = "empty input",
    [DS_E_BAD_CHAR - DS_E_BASE] = "unexpected character",
    [DS_E_TRAILING - DS_E_BASE] = "unexpected text after the value",
    [DS_E_FAMILY - DS_E_BASE] = "address family not allowed here",
    [DS_E_TOO_LONG - DS_E_BASE] = "input longer than any valid form",

    [DS_E_V4_FEW_OCTETS - DS_E_BASE] = "IPv4 address has fewer than 4 octets",
    [DS_E_V4_MANY_OCTETS - DS_E_BASE] = "IPv4 address has more than 4 octets",
    [DS_E_V4_EMPTY_OCTET - DS_E_BASE] = "empty IPv4 octet",
    [DS_E_V4_OCTET_RANGE - DS_E_BASE] = "IPv4 octet is greater than 255",
    [DS_E_V4_LEADING_ZERO - DS_E_BASE] =
        "IPv4 octet has a leading zero (ambiguous: inet_aton reads it "
        "as octal)",

    [DS_E_V6_GROUP_LONG - DS_E_BASE] = "group has more than 4 hex digits",
    [DS_E_V6_FEW_GROUPS - DS_E_BASE] =
        "too few groups (8 are needed unless '::' stands for zeros)",
    [DS_E_V6_MANY_GROUPS - DS_E_BASE] =
        "too many groups (an IPv6 address has 8)",
    [DS_E_V6_DOUBLE_COLON - DS_E_BASE] = "'::' may appear only once",
    [DS_E_V6_LONE_COLON - DS_E_BASE] =
        "single ':' at the start or end (did you mean '::'?)",
    [DS_E_V6_EMPTY_GROUP - DS_E_BASE] = "empty group",
    [DS_E_V6_V4_POSITION - DS_E_BASE] =
        "embedded IPv4 address must be the last 32 bits",

    [DS_E_ZONE_EMPTY - DS_E_BASE] = "empty zone ID after '%'",
    [DS_E_ZONE_LONG - DS_E_BASE] = "zone ID longer than 15 characters",
    [DS_E_ZONE_CHAR - DS_E_BASE] =
        "character not allowed in a zone ID (letters, digits, '-', '.', "
        "'_' and '~')",
    [DS_E_ZONE_V4 - DS_E_BASE] = "IPv4 addresses have no zone ID",
    [DS_E_ZONE_NOT_ALLOWED - DS_E_BASE] = "zone ID not allowed here",
    [DS_E_ZONE_UNKNOWN - DS_E_BASE] = "no interface has the zone's name",

    [DS_E_PREFIX_SYNTAX - DS_E_BASE] =
        "prefix length must be a decimal number without leading zeros",
    [DS_E_PREFIX_RANGE - DS_E_BASE] =
        "prefix length out of range (0-32 for IPv4, 0-128 for IPv6)",
    [DS_E_PREFIX_HOST_BITS - DS_E_BASE] =
        "address has bits set beyond the prefix length",
    [DS_E_PREFIX_MASK - DS_E_BASE] = "netmask is not contiguous",
    [DS_E_PREFIX_MISSING - DS_E_BASE] = "missing prefix length after '/'",
    [DS_E_PORT_SYNTAX - DS_E_BASE] = "port must be a decimal number",
    [DS_E_PORT_RANGE - DS_E_BASE] = "port out of range",
    [DS_E_PORT_MISSING - DS_E_BASE] = "missing port",
    [DS_E_BRACKET - DS_E_BASE] = "unbalanced '[' or ']'",
    [DS_E_BRACKET_V4 - DS_E_BASE] = "brackets are for IPv6 addresses only",
    [DS_E_V6_NEEDS_BRACKETS - DS_E_BASE] =
        "an IPv6 address followed by a port must be in brackets, as in "
        "[2001:db8::1]:80",

    [DS_E_MAC_SYNTAX - DS_E_BASE] =
        "not a MAC address (6 octets: aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff, "
        "aabb.ccdd.eeff or aabbccddeeff)",
    [DS_E_MAC_NOT_EUI64 - DS_E_BASE] =
        "interface ID is not a modified EUI-64 (no ff:fe in the middle)",

    [DS_E_ARPA_SUFFIX - DS_E_BASE] =
        "name does not end in ip6.arpa or in-addr.arpa",
    [DS_E_ARPA_LABEL - DS_E_BASE] =
        "label is not a hex nibble (ip6.arpa) or a decimal octet "
        "(in-addr.arpa)",
    [DS_E_ARPA_LABELS - DS_E_BASE] = "too many labels for the address",

    [DS_E_EPRT_SYNTAX - DS_E_BASE] = "malformed EPRT or EPSV argument",
    [DS_E_EPRT_PROTO - DS_E_BASE] =
        "unknown network protocol (1 is IPv4, 2 is IPv6)",
    [DS_E_EPRT_DELIM - DS_E_BASE] =
        "delimiter must be a printable ASCII character (33-126)",

    [DS_E_NOT_EMBEDDED - DS_E_BASE] = "no IPv4 address embedded",
    [DS_E_NAT64_PREFIX - DS_E_BASE] =
        "NAT64 prefix length must be 32, 40, 48, 56, 64 or 96 (RFC 6052)",
    [DS_E_NOT_MULTICAST - DS_E_BASE] = "not a multicast address",
    [DS_E_NOT_TEREDO - DS_E_BASE] = "not a Teredo address (2001::/32)",
    [DS_E_DNS_NXDOMAIN - DS_E_BASE] = "no such name (NXDOMAIN)",
    [DS_E_DNS_NODATA - DS_E_BASE] = "no record of this type (NODATA)",
    [DS_E_DNS_SERVFAIL - DS_E_BASE] = "the DNS server failed (SERVFAIL)",
    [DS_E_DNS_REFUSED - DS_E_BASE] = "the DNS server refused the query",
    [DS_E_DNS_BADRESP - DS_E_BASE] = "malformed DNS answer",
    [DS_E_DNS_CONFIG - DS_E_BASE] = "no usable resolver configuration",
    [DS_E_DNS - DS_E_BASE] = "name resolution failed",
    [DS_E_DNS_SKIPPED - DS_E_BASE] =
        "not asked: no usable address of this family on this host",
    [DS_E_NO_ADDRESS - DS_E_BASE] = "no address of a usable family",
    [DS_E_NO_NAT64 - DS_E_BASE] =
        "IPv4 literal on an IPv6-only host and no NAT64 prefix (RFC 7050)",

    [DS_E_FILE_SYMLINK - DS_E_BASE] = "a symbolic link, which is not followed",
    [DS_E_FILE_FIFO - DS_E_BASE] = "not a regular file (a FIFO)",
    [DS_E_FILE_SOCKET - DS_E_BASE] = "not a regular file (a socket)",
    [DS_E_FILE_DEVICE - DS_E_BASE] = "not a regular file (a device)",
    [DS_E_FILE_OWNER - DS_E_BASE] = "owned by another user",
    [DS_E_FILE_WRITABLE - DS_E_BASE] = "writable by group or others",

    [DS_E_ACL_SYNTAX - DS_E_BASE] = "expected 'allow PREFIX' or 'deny PREFIX'",
    [DS_E_ACL_CONFLICT - DS_E_BASE] = "this prefix is both allowed and denied",

    [DS_E_POLICY_KEYWORD - DS_E_BASE] = "unknown keyword",
    [DS_E_POLICY_MISSING - DS_E_BASE] = "missing value",
    [DS_E_POLICY_PREFIX - DS_E_BASE] = "bad prefix",
    [DS_E_POLICY_VALUE - DS_E_BASE] = "bad value",
    [DS_E_POLICY_TRAILING - DS_E_BASE] = "unexpected text after the values",
    [DS_E_POLICY_TOO_MANY - DS_E_BASE] = "too many rows",
    [DS_E_LOAD_CONCURRENCY - DS_E_BASE] =
        "more connections at once than the load generator takes",
    [DS_E_LOAD_SIZE - DS_E_BASE] =
        "messages larger than the load generator takes",
    [DS_E_LOAD_EMPTY_ECHO - DS_E_BASE] =
        "an echo of empty messages measures nothing",
    [DS_E_LOAD_ENDLESS - DS_E_BASE] =
        "a run without an end (no connection count, no duration)",
    [DS_E_LOAD_MEMORY - DS_E_BASE] =
        "buffers over the load generator's memory bound",
    [DS_E_REACH_EMPTY - DS_E_BASE] = "empty line",
    [DS_E_REACH_CHAR - DS_E_BASE] = "not printable ASCII",
    [DS_E_REACH_KEYWORD - DS_E_BASE] = "not a keyword of the protocol",
    [DS_E_REACH_MISSING - DS_E_BASE] = "a field is missing",
    [DS_E_REACH_EMPTY_FIELD - DS_E_BASE] =
        "empty field (two spaces, or a space at an end)",
    [DS_E_REACH_EXTRA - DS_E_BASE] = "unexpected text after the last field",
    [DS_E_REACH_NUMBER - DS_E_BASE] =
        "not a decimal number (digits only, no leading zero)",
    [DS_E_REACH_RANGE - DS_E_BASE] = "number out of range",
    [DS_E_REACH_TOKEN - DS_E_BASE] = "not a token (32 lower-case hex digits)",
    [DS_E_REACH_WORD - DS_E_BASE] = "not a word this field takes",
    [DS_E_REACH_VERDICT - DS_E_BASE] = "verdict does not match the counts",
    [DS_E_REACH_TOO_LONG - DS_E_BASE] = "line too long for the protocol",

    [DS_E_DNSQ_SHORT - DS_E_BASE] = "a DNS message shorter than its header",
    [DS_E_DNSQ_NOT_RESPONSE - DS_E_BASE] = "a DNS message that is no answer",
    [DS_E_DNSQ_BADRESP - DS_E_BASE] =
        "a malformed DNS answer (records past its end, a name loop)",
    [DS_E_DNSQ_MISMATCH - DS_E_BASE] = "a DNS answer to another question",
    [DS_E_DNSQ_NAME - DS_E_BASE] = "a name no DNS query can carry",
    [DS_E_DNSQ_CLOSED - DS_E_BASE] =
        "the DNS server closed the TCP connection before answering",

    [DS_E_MCAST_NEEDS_IFACE - DS_E_BASE] =
        "a link-local group (ff02::/16, 224.0.0.0/24) needs an interface: "
        "name one, as with -i eth0 or ff02::1%eth0",
    [DS_E_MCAST_IFACE_CONFLICT - DS_E_BASE] =
        "the group's zone names another interface than the one given",
    [DS_E_MCAST_SOURCE_FAMILY - DS_E_BASE] =
        "the source and the group are of different address families",
    [DS_E_MCAST_SOURCE_BAD - DS_E_BASE] = "a source must be a unicast address",
    [DS_E_MCAST_SSM_NO_SOURCE - DS_E_BASE] =
        "a source-specific group (232.0.0.0/8, ff3x::/32) needs a source: "
        "name one, as with --source 2001:db8::1 (RFC 4607)",
    [DS_E_MCAST_SCOPE_RESERVED - DS_E_BASE] =
        "multicast scope 0 and 15 are reserved (RFC 4291 section 2.7)",
    [DS_E_MCAST_NODE_NO_LOOP - DS_E_BASE] =
        "an interface-local group (ff01::/16) reaches only this host, "
        "and loopback is off: drop --no-loop or use a wider scope",
    [DS_E_FW_JSON - DS_E_BASE] = "not JSON",
    [DS_E_FW_SCHEMA - DS_E_BASE] = "not an nftables ruleset",
    [DS_E_FW_CHAIN - DS_E_BASE] = "no such chain",
    [DS_E_FW_SET - DS_E_BASE] = "no such set",
    [DS_E_FW_VALUE - DS_E_BASE] = "value not valid here",
    [DS_E_FW_IPT_LINE - DS_E_BASE] = "line not understood",
    [DS_E_FW_IPT_OPTION - DS_E_BASE] = "option without its value",
    [DS_E_FW_IPT_QUOTE - DS_E_BASE] = "quote not closed",
    [DS_E_FW_IPT_COMMIT - DS_E_BASE] = "table without COMMIT",
    [DS_E_FW_TOO_BIG - DS_E_BASE] = "ruleset too big",
    [DS_E_FW_SPEC_WORD - DS_E_BASE] = "word not understood here",
    [DS_E_FW_SPEC_VALUE - DS_E_BASE] = "bad value after this word",
    [DS_E_FW_SPEC_MISSING - DS_E_BASE] = "something is missing here",
    [DS_E_FW_SPEC_FAMILY - DS_E_BASE] = "address family unknown or mixed",
    [DS_E_FW_NFT - DS_E_BASE] = "nft -j list ruleset failed",
    [DS_E_HOST_SYSCTL - DS_E_BASE] = "not an integer sysctl value",
    [DS_E_HOST_NETLINK - DS_E_BASE] = "malformed netlink message",
    [DS_E_CAPTURE_LINKTYPES - DS_E_BASE] =
        "pcapng interfaces of different link types",
    [DS_E_CAPTURE_GZIP - DS_E_BASE] = "damaged or cut gzip data",
};

const char *
ds_strerror(int err)
{
	const char *m = NULL;

	if (err < 0)
		err = -err;
	if (err > DS_E_BASE && err < DS_E_MAX)
		m = messages[err - DS_E_BASE];
	else if (err < DS_E_BASE)
		m = strerrordesc_np(err); /* static text, unlike strerror() */
	return m ? m : "unknown error";
}
