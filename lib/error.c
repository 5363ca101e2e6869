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
    [DS_E_CAPTURE_LINKTYPES - DS_E_BASE] =
        "pcapng interfaces of different link types",
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
