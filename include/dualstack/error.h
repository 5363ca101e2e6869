/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_ERROR_H
#define DUALSTACK_ERROR_H

/*
 * Error codes.
 *
 * Every libdualstack function that can fail returns an int: >= 0 on success,
 * a negative value on failure. The negative value is either -errno (-EINVAL,
 * -ERANGE, ...) or the negation of one of the library's own codes below,
 * which describe why an input was rejected more precisely than errno can.
 *
 * The library's codes are stable: a value once published never changes
 * meaning. They start at DS_E_BASE, far above any Linux errno (the largest is
 * EHWPOISON, 133), so one int carries either kind without ambiguity.
 *
 * Each module owns one range, so that a code names the module that
 * rejected the input and a new code never has to be squeezed between
 * another module's:
 *
 *   2001-2129  addr: text parsing, addresses, prefixes, ports, MAC, arpa
 *              names, EPRT, embedded addresses (sub-ranges below)
 *   2130-2149  resolve: how a DNS query ended
 *   2150-2159  connect
 *   2160-2169  files the library keeps (hecache and its directory)
 *   2170-2179  acl: access list rules
 *   2180-2189  policy: gai.conf tables (sort.h)
 *   2190-2199  load: a run's configuration (its failure kinds are
 *              statistics, enum ds_load_err)
 *   2200-2219  reach: why a line of the reach protocol does not parse
 *              (enum ds_reach_err is the protocol's own code, carried on
 *              the wire; these are the library's)
 *   2220-2239  host: facts read from /proc, /sys and the files of /etc
 *   2240-2259  dnsq: diagnostic DNS queries and their answers
 *   2260-2289  fw: rulesets (nft JSON, iptables-save) and packet specs
 *   2290-2309  ra: Router Advertisements and ND fragment reassembly
 *   2310-2329  mcast: groups, sources and interfaces
 *   2330-2349  packet: capture files and encapsulations
 *
 * Modules keep errno for what the system reports (-ENOMEM, -EACCES, ...)
 * and for arguments no valid program passes (-EINVAL for a NULL pointer);
 * the codes here are for input that is wrong, said precisely.
 */

#include "dualstack/export.h"

enum ds_error {
	DS_E_BASE = 2000,

	/* Text parsing, common to every parser (2001-2019). */
	DS_E_EMPTY = 2001,    /* the input is empty */
	DS_E_BAD_CHAR = 2002, /* a character that cannot appear here */
	DS_E_TRAILING = 2003, /* the value is followed by unexpected text */
	DS_E_FAMILY = 2004,   /* the address family is not allowed here */
	DS_E_TOO_LONG = 2005, /* the input is longer than any valid form */

	/* IPv4 dotted-quad (2020-2039). */
	DS_E_V4_FEW_OCTETS = 2020,
	DS_E_V4_MANY_OCTETS = 2021,
	DS_E_V4_EMPTY_OCTET = 2022,
	DS_E_V4_OCTET_RANGE = 2023,
	DS_E_V4_LEADING_ZERO = 2024,

	/* IPv6 text (2040-2059). */
	DS_E_V6_GROUP_LONG = 2040,
	DS_E_V6_FEW_GROUPS = 2041,
	DS_E_V6_MANY_GROUPS = 2042,
	DS_E_V6_DOUBLE_COLON = 2043,
	DS_E_V6_LONE_COLON = 2044,
	DS_E_V6_EMPTY_GROUP = 2045,
	DS_E_V6_V4_POSITION = 2046,

	/* Zone IDs, RFC 4007 section 11 (2060-2069). */
	DS_E_ZONE_EMPTY = 2060,
	DS_E_ZONE_LONG = 2061,
	DS_E_ZONE_CHAR = 2062,
	DS_E_ZONE_V4 = 2063,
	DS_E_ZONE_NOT_ALLOWED = 2064,
	DS_E_ZONE_UNKNOWN = 2065, /* no interface has the zone's name */

	/* Prefixes and ports (2070-2089). */
	DS_E_PREFIX_SYNTAX = 2070,
	DS_E_PREFIX_RANGE = 2071,
	DS_E_PREFIX_HOST_BITS = 2072,
	DS_E_PREFIX_MASK = 2073,
	DS_E_PREFIX_MISSING = 2074,
	DS_E_PORT_SYNTAX = 2080,
	DS_E_PORT_RANGE = 2081,
	DS_E_PORT_MISSING = 2082,
	DS_E_BRACKET = 2083,
	DS_E_BRACKET_V4 = 2084,
	DS_E_V6_NEEDS_BRACKETS = 2085,

	/* MAC addresses (2090-2099). */
	DS_E_MAC_SYNTAX = 2090,
	DS_E_MAC_NOT_EUI64 = 2091,

	/* Reverse DNS names (2100-2109). */
	DS_E_ARPA_SUFFIX = 2100,
	DS_E_ARPA_LABEL = 2101,
	DS_E_ARPA_LABELS = 2102,

	/* FTP EPRT / EPSV, RFC 2428 (2110-2119). */
	DS_E_EPRT_SYNTAX = 2110,
	DS_E_EPRT_PROTO = 2111,
	DS_E_EPRT_DELIM = 2112,

	/* Embedded addresses (2120-2129). */
	DS_E_NOT_EMBEDDED = 2120, /* no IPv4 address is embedded in it */
	DS_E_NAT64_PREFIX = 2121, /* not a valid RFC 6052 prefix length */
	DS_E_NOT_MULTICAST = 2122,
	DS_E_NOT_TEREDO = 2123,

	/* Name resolution (2130-2149): how a DNS query ended. */
	DS_E_DNS_NXDOMAIN = 2130, /* the name does not exist */
	DS_E_DNS_NODATA = 2131,   /* the name exists, no record of this type */
	DS_E_DNS_SERVFAIL = 2132, /* the server failed to answer */
	DS_E_DNS_REFUSED = 2133,  /* the server refused the query */
	DS_E_DNS_BADRESP = 2134,  /* a malformed or truncated answer */
	DS_E_DNS_CONFIG = 2135,   /* no usable resolver configuration */
	DS_E_DNS = 2136,          /* any other resolver failure */
	DS_E_DNS_SKIPPED = 2137,  /* not asked: the host has no such family */

	/* Connecting (2150-2159). */
	DS_E_NO_ADDRESS = 2150, /* nothing to try: no address of a usable
	                         * family */
	DS_E_NO_NAT64 = 2151,   /* an IPv4 literal on an IPv6-only host, and
	                         * no NAT64 prefix was found (RFC 7050) */

	/* Local files the library keeps, such as the Happy Eyeballs history,
	 * and their directories (2160-2169): why one was not trusted. */
	DS_E_FILE_SYMLINK = 2160,  /* a symbolic link, not followed */
	DS_E_FILE_FIFO = 2161,     /* a FIFO where a regular file belongs */
	DS_E_FILE_SOCKET = 2162,   /* a socket where a regular file belongs */
	DS_E_FILE_DEVICE = 2163,   /* a device where a regular file belongs */
	DS_E_FILE_OWNER = 2164,    /* owned by another user */
	DS_E_FILE_WRITABLE = 2165, /* writable by its group or by others */

	/* Access lists, ds_acl_add() and ds_acl_load() (2170-2179). */
	DS_E_ACL_SYNTAX = 2170, /* a line not "allow PREFIX" or "deny PREFIX" */
	DS_E_ACL_CONFLICT = 2171, /* one prefix both allowed and denied */

	/* Address selection policy, ds_policy_parse_gai() (2180-2189): why a
	 * gai.conf line was rejected. */
	DS_E_POLICY_KEYWORD = 2180, /* not label, precedence, scopev4, reload */
	DS_E_POLICY_MISSING = 2181, /* the keyword needs more values */
	DS_E_POLICY_PREFIX = 2182,  /* not a prefix the keyword takes */
	DS_E_POLICY_VALUE = 2183, /* not a decimal 0..2147483647 (or yes/no) */
	DS_E_POLICY_TRAILING = 2184, /* text after the values */
	DS_E_POLICY_TOO_MANY =
	    2185, /* more than DS_POLICY_MAX rows of a kind */

	/* The load generator, ds_load_new() (2190-2199): a configuration
	 * it refuses. A port of 0 is DS_E_PORT_MISSING, a zone no interface
	 * has DS_E_ZONE_UNKNOWN. */
	DS_E_LOAD_CONCURRENCY = 2190, /* over DS_LOAD_MAX_CONCURRENCY */
	DS_E_LOAD_SIZE = 2191,        /* a message over DS_LOAD_MAX_SIZE */
	DS_E_LOAD_EMPTY_ECHO = 2192,  /* echo with 0-byte messages */
	DS_E_LOAD_ENDLESS = 2193,     /* no connection count, no duration */
	DS_E_LOAD_MEMORY = 2194,      /* buffers over DS_LOAD_MAX_MEMORY */

	/* The reach protocol, ds_reach_msg_parse() (2200-2219): why a line
	 * was refused, at the offset the parser gives. */
	DS_E_REACH_EMPTY = 2200,       /* an empty line */
	DS_E_REACH_CHAR = 2201,        /* a byte not printable ASCII */
	DS_E_REACH_KEYWORD = 2202,     /* a line no keyword starts */
	DS_E_REACH_MISSING = 2203,     /* the line ends before a field */
	DS_E_REACH_EMPTY_FIELD = 2204, /* two spaces, or one at an end */
	DS_E_REACH_EXTRA = 2205,       /* text after the last field */
	DS_E_REACH_NUMBER = 2206,      /* not digits only, or a leading zero */
	DS_E_REACH_RANGE = 2207,       /* a number or count out of range */
	DS_E_REACH_TOKEN = 2208,       /* not 32 lower-case hex digits */
	DS_E_REACH_WORD = 2209,        /* not a word the field takes */
	DS_E_REACH_VERDICT = 2210,  /* RESULT: the verdict and counts differ */
	DS_E_REACH_TOO_LONG = 2211, /* DS_REACH_LINE_MAX bytes or more */
	/* host: facts read from the kernel and /proc (2220-2239). */
	DS_E_HOST_SYSCTL = 2220,  /* a sysctl file holds no integer */
	DS_E_HOST_NETLINK = 2221, /* a netlink message past its length */
	/* Diagnostic DNS queries, dnsq.h (2240-2259): why a query could not
	 * be made or an answer was not taken. */
	DS_E_DNSQ_SHORT = 2240, /* shorter than a DNS header (12 octets) */
	DS_E_DNSQ_NOT_RESPONSE = 2241, /* QR clear, or an opcode not QUERY */
	DS_E_DNSQ_BADRESP = 2242,      /* c-ares could not parse it: counts past
	                                * the end, a name loop, a cut record */
	DS_E_DNSQ_MISMATCH = 2243,     /* the answer to another question */
	DS_E_DNSQ_NAME = 2244,         /* a name no DNS query can carry */
	DS_E_DNSQ_CLOSED = 2245,       /* TCP closed before every answer came */
	/* Rulesets and packet specs, ds_fw (2260-2289): why a ruleset or a
	 * packet spec was rejected, with the position. */
	DS_E_FW_JSON = 2260,         /* not JSON */
	DS_E_FW_SCHEMA = 2261,       /* JSON, but not nftables' ruleset */
	DS_E_FW_CHAIN = 2262,        /* a rule or jump names no chain */
	DS_E_FW_SET = 2263,          /* a match names no set */
	DS_E_FW_VALUE = 2264,        /* a value that is not one */
	DS_E_FW_IPT_LINE = 2265,     /* an iptables-save line not understood */
	DS_E_FW_IPT_OPTION = 2266,   /* an option without its value */
	DS_E_FW_IPT_QUOTE = 2267,    /* a quote not closed */
	DS_E_FW_IPT_COMMIT = 2268,   /* a table without COMMIT */
	DS_E_FW_TOO_BIG = 2269,      /* more than DS_FW_*_MAX */
	DS_E_FW_SPEC_WORD = 2270,    /* a word a packet spec does not know */
	DS_E_FW_SPEC_VALUE = 2271,   /* a bad value after a word */
	DS_E_FW_SPEC_MISSING = 2272, /* a word without its value */
	DS_E_FW_SPEC_FAMILY = 2273,  /* the family is unknown or mixed */
	DS_E_FW_NFT = 2274,          /* nft ran and failed */

	/* Multicast groups, sources and interfaces, ds_mcast_check()
	 * (2310-2329). */
	DS_E_MCAST_NEEDS_IFACE = 2310,    /* a link-local group, no interface */
	DS_E_MCAST_IFACE_CONFLICT = 2311, /* the zone names another one */
	DS_E_MCAST_SOURCE_FAMILY = 2312,  /* source and group differ */
	DS_E_MCAST_SOURCE_BAD = 2313,     /* the source is not unicast */
	DS_E_MCAST_SSM_NO_SOURCE = 2314,  /* an SSM group without a source */
	DS_E_MCAST_SCOPE_RESERVED = 2315, /* scope 0 or 15 */
	DS_E_MCAST_NODE_NO_LOOP = 2316,   /* interface-local, loopback off */
	/* Capture files, ds_capture_next() (2330-2349). */
	DS_E_CAPTURE_LINKTYPES = 2330, /* pcapng interfaces of different link
	                                * types, which libpcap cannot mix */
	DS_E_CAPTURE_GZIP = 2331,      /* a gzip-compressed capture whose
	                                * compressed data is damaged or cut */

	DS_E_MAX
};

/*
 * Describe an error code: 'err' may be negative or positive, an errno value
 * or a DS_E_* code. Returns a static, lower-case phrase without a trailing
 * period, suitable after "column 17: ". Never NULL. Thread-safe.
 */
DS_EXPORT const char *ds_strerror(int err);

#endif
