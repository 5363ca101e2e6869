/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for address classification (lib/addr-class.c): the block
 * table, ds_addr_classify(), ds_addr_block(), ds_addr_is_global(),
 * ds_addr_scope(), the name functions and ds_ula_decode().
 *
 * Addresses are built with inet_pton() so these tests do not depend on the
 * library's own parser.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "addr-int.h"

#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))

#define S DS_ATTR_SOURCE
#define D DS_ATTR_DESTINATION
#define F DS_ATTR_FORWARDABLE
#define G DS_ATTR_GLOBAL
#define R DS_ATTR_RESERVED
#define REG DS_ATTR_REGISTRY
#define DEP DS_ATTR_DEPRECATED

/* --- Helpers ------------------------------------------------------------- */

/* "fe80::1%eth0" -> address with zone; fails the test on bad input. */
static struct ds_addr
addr(const char *s)
{
	struct ds_addr a;
	char buf[128];
	char *pct;

	memset(&a, 0, sizeof(a));
	assert_true(strlen(s) < sizeof(buf));
	strcpy(buf, s);
	pct = strchr(buf, '%');
	if (pct) {
		*pct = '\0';
		assert_true(strlen(pct + 1) < sizeof(a.zone));
		strcpy(a.zone, pct + 1);
	}
	if (inet_pton(AF_INET, buf, a.u.bytes) == 1) {
		a.family = AF_INET;
	} else if (inet_pton(AF_INET6, buf, a.u.bytes) == 1) {
		a.family = AF_INET6;
	} else {
		print_error("bad test address \"%s\"\n", s);
		fail();
	}
	return a;
}

/* "2001:db8::/32" -> prefix. */
static struct ds_prefix
prefix(const char *s)
{
	struct ds_prefix p;
	char buf[128];
	char *slash;

	memset(&p, 0, sizeof(p));
	assert_true(strlen(s) < sizeof(buf));
	strcpy(buf, s);
	slash = strchr(buf, '/');
	assert_non_null(slash);
	*slash = '\0';
	p.addr = addr(buf);
	p.len = (unsigned)atoi(slash + 1);
	return p;
}

static bool
prefix_equal(const struct ds_prefix *a, const struct ds_prefix *b)
{
	return a->addr.family == b->addr.family && a->len == b->len &&
	    memcmp(a->addr.u.bytes, b->addr.u.bytes, 16) == 0;
}

static unsigned
family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* Does p contain a, by plain bit comparison? */
static bool
contains(const struct ds_prefix *p, const struct ds_addr *a)
{
	unsigned i;

	if (p->addr.family != a->family)
		return false;
	for (i = 0; i < p->len; i++)
		if (ds__bit(p->addr.u.bytes, i) != ds__bit(a->u.bytes, i))
			return false;
	return true;
}

static void
print_prefix(const char *what, const struct ds_prefix *p)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(p->addr.family, p->addr.u.bytes, buf, sizeof(buf));
	print_message("# %s %s/%u\n", what, buf, p->len);
}

/* --- The cases: one address, everything we know about it ------------------ */

struct class_case {
	const char *addr;
	const char *block;      /* the most specific block */
	enum ds_addr_kind kind; /* its kind */
	const char *name;       /* its name */
	const char *rfc;        /* its RFC reference */
	unsigned attrs;         /* its attributes */
	int count;              /* how many blocks contain addr */
	unsigned scope;
	bool global;
};

static const struct class_case cases[] = {
    /* IPv6: the ::/96 neighbourhood. */
    {"::", "::/128", DS_KIND_UNSPECIFIED, "Unspecified Address", "RFC 4291",
        REG | S | R, 3, 14, false},
    {"::1", "::1/128", DS_KIND_LOOPBACK, "Loopback Address", "RFC 4291",
        REG | R, 3, 2, false},
    {"::2", "::/96", DS_KIND_COMPATIBLE, "IPv4-compatible Address", "RFC 4291",
        DEP, 2, 14, false},
    {"::192.0.2.1", "::/96", DS_KIND_COMPATIBLE, "IPv4-compatible Address",
        "RFC 4291", DEP, 2, 14, false},
    {"::1:0:0", "::/0", DS_KIND_OTHER, "Unassigned IPv6 space", "RFC 4291", 0,
        1, 14, false},
    {"::ffff:192.0.2.1", "::ffff:0:0/96", DS_KIND_MAPPED, "IPv4-mapped Address",
        "RFC 4291", REG | R, 2, 14, false},
    {"::ffff:127.0.0.1", "::ffff:0:0/96", DS_KIND_MAPPED, "IPv4-mapped Address",
        "RFC 4291", REG | R, 2, 2, false},
    {"::ffff:169.254.1.1", "::ffff:0:0/96", DS_KIND_MAPPED,
        "IPv4-mapped Address", "RFC 4291", REG | R, 2, 2, false},
    {"::fffe:7f00:1", "::/0", DS_KIND_OTHER, "Unassigned IPv6 space",
        "RFC 4291", 0, 1, 14, false},
    {"::ffff:0:192.0.2.1", "::ffff:0:0:0/96", DS_KIND_TRANSLATED,
        "IPv4-translated Address", "RFC 2765", S | D | F, 2, 14, false},

    /* NAT64, discard, dummy. */
    {"64:ff9b::192.0.2.33", "64:ff9b::/96", DS_KIND_NAT64,
        "NAT64 Well-Known Prefix", "RFC 6052", REG | S | D | F | G, 2, 14,
        true},
    {"64:ff9b::1:0:0:1", "::/0", DS_KIND_OTHER, "Unassigned IPv6 space",
        "RFC 4291", 0, 1, 14, false},
    {"64:ff9b:1::1", "64:ff9b:1::/48", DS_KIND_NAT64, "NAT64 Local-Use Prefix",
        "RFC 8215", REG | S | D | F, 2, 14, false},
    {"64:ff9b:1:ffff::c000:201", "64:ff9b:1::/48", DS_KIND_NAT64,
        "NAT64 Local-Use Prefix", "RFC 8215", REG | S | D | F, 2, 14, false},
    {"64:ff9b:2::1", "::/0", DS_KIND_OTHER, "Unassigned IPv6 space", "RFC 4291",
        0, 1, 14, false},
    {"100::1", "100::/64", DS_KIND_DISCARD, "Discard-Only Address Block",
        "RFC 6666", REG | S | D | F, 2, 14, false},
    {"100:0:0:1::1", "100:0:0:1::/64", DS_KIND_PROTOCOL, "Dummy IPv6 Prefix",
        "RFC 9780", REG | S, 2, 14, false},
    {"100:0:0:2::1", "::/0", DS_KIND_OTHER, "Unassigned IPv6 space", "RFC 4291",
        0, 1, 14, false},
    {"1fff:ffff::1", "::/0", DS_KIND_OTHER, "Unassigned IPv6 space", "RFC 4291",
        0, 1, 14, false},

    /* 2001::/23 and its children. */
    {"2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::/32", DS_KIND_TEREDO,
        "Teredo", "RFC 4380, RFC 8190", REG | S | D | F, 4, 14, false},
    {"2001:1::1", "2001:1::1/128", DS_KIND_PROTOCOL,
        "Port Control Protocol Anycast", "RFC 7723", REG | S | D | F | G, 4, 14,
        true},
    {"2001:1::2", "2001:1::2/128", DS_KIND_PROTOCOL,
        "Traversal Using Relays around NAT Anycast", "RFC 8155",
        REG | S | D | F | G, 4, 14, true},
    {"2001:1::3", "2001:1::3/128", DS_KIND_PROTOCOL,
        "DNS-SD Service Registration Protocol Anycast", "RFC 9665",
        REG | S | D | F | G, 4, 14, true},
    {"2001:1::4", "2001::/23", DS_KIND_PROTOCOL, "IETF Protocol Assignments",
        "RFC 2928", REG, 3, 14, false},
    /* 2001:2::/48 is benchmarking, not Teredo (2001:0::/32). */
    {"2001:2::1", "2001:2::/48", DS_KIND_BENCHMARKING, "Benchmarking",
        "RFC 5180", REG | S | D | F, 4, 14, false},
    {"2001:2:1::1", "2001::/23", DS_KIND_PROTOCOL, "IETF Protocol Assignments",
        "RFC 2928", REG, 3, 14, false},
    {"2001:3::1", "2001:3::/32", DS_KIND_PROTOCOL, "AMT", "RFC 7450",
        REG | S | D | F | G, 4, 14, true},
    {"2001:4:112::1", "2001:4:112::/48", DS_KIND_PROTOCOL, "AS112-v6",
        "RFC 7535", REG | S | D | F | G, 4, 14, true},
    {"2001:4:113::1", "2001::/23", DS_KIND_PROTOCOL,
        "IETF Protocol Assignments", "RFC 2928", REG, 3, 14, false},
    {"2001:10::1", "2001:10::/28", DS_KIND_ORCHID, "ORCHID", "RFC 4843",
        REG | DEP, 4, 14, false},
    {"2001:20::1", "2001:20::/28", DS_KIND_ORCHID, "ORCHIDv2", "RFC 7343",
        REG | S | D | F | G, 4, 14, true},
    {"2001:2f:ffff::1", "2001:20::/28", DS_KIND_ORCHID, "ORCHIDv2", "RFC 7343",
        REG | S | D | F | G, 4, 14, true},
    {"2001:30::1", "2001:30::/28", DS_KIND_ORCHID,
        "Drone Remote ID Entity Tags (DETs)", "RFC 9374", REG | S | D | F | G,
        4, 14, true},
    {"2001:1ff::1", "2001::/23", DS_KIND_PROTOCOL, "IETF Protocol Assignments",
        "RFC 2928", REG, 3, 14, false},
    /* RFC 5180's typo; outside 2001::/23. */
    {"2001:200::1", "2000::/3", DS_KIND_GLOBAL_UNICAST, "Global Unicast",
        "RFC 4291", S | D | F | G, 2, 14, true},

    /* The rest of 2000::/3. */
    {"2001:db8::1", "2001:db8::/32", DS_KIND_DOCUMENTATION, "Documentation",
        "RFC 3849", REG, 3, 14, false},
    {"2001:db9::1", "2000::/3", DS_KIND_GLOBAL_UNICAST, "Global Unicast",
        "RFC 4291", S | D | F | G, 2, 14, true},
    {"2002:c000:0201::1", "2002::/16", DS_KIND_6TO4, "6to4", "RFC 3056",
        REG | S | D | F, 3, 14, false},
    {"2606:4700::1", "2000::/3", DS_KIND_GLOBAL_UNICAST, "Global Unicast",
        "RFC 4291", S | D | F | G, 2, 14, true},
    {"2620:4f:8000::1", "2620:4f:8000::/48", DS_KIND_PROTOCOL,
        "Direct Delegation AS112 Service", "RFC 7534", REG | S | D | F | G, 3,
        14, true},
    {"2620:4f:8001::1", "2000::/3", DS_KIND_GLOBAL_UNICAST, "Global Unicast",
        "RFC 4291", S | D | F | G, 2, 14, true},
    {"3fff::1", "3fff::/20", DS_KIND_DOCUMENTATION, "Documentation", "RFC 9637",
        REG, 3, 14, false},
    {"3fff:fff:ffff::1", "3fff::/20", DS_KIND_DOCUMENTATION, "Documentation",
        "RFC 9637", REG, 3, 14, false},
    /* 3fff:1000:: is past the end of 3fff::/20 (3fff:0fff:...). */
    {"3fff:1000::1", "2000::/3", DS_KIND_GLOBAL_UNICAST, "Global Unicast",
        "RFC 4291", S | D | F | G, 2, 14, true},
    {"4000::1", "::/0", DS_KIND_OTHER, "Unassigned IPv6 space", "RFC 4291", 0,
        1, 14, false},
    {"5f00::1", "5f00::/16", DS_KIND_PROTOCOL, "Segment Routing (SRv6) SIDs",
        "RFC 9602", REG | S | D | F, 2, 14, false},

    /* fc00::/7 and up. */
    {"fc00::1", "fc00::/7", DS_KIND_ULA, "Unique-Local", "RFC 4193, RFC 8190",
        REG | S | D | F, 2, 14, false},
    {"fd12:3456:789a:1::1", "fc00::/7", DS_KIND_ULA, "Unique-Local",
        "RFC 4193, RFC 8190", REG | S | D | F, 2, 14, false},
    {"fe00::1", "::/0", DS_KIND_OTHER, "Unassigned IPv6 space", "RFC 4291", 0,
        1, 14, false},
    {"fe80::1", "fe80::/10", DS_KIND_LINK_LOCAL, "Link-Local Unicast",
        "RFC 4291", REG | S | D | R, 2, 2, false},
    {"fe80::1%eth0", "fe80::/10", DS_KIND_LINK_LOCAL, "Link-Local Unicast",
        "RFC 4291", REG | S | D | R, 2, 2, false},
    {"febf:ffff::1", "fe80::/10", DS_KIND_LINK_LOCAL, "Link-Local Unicast",
        "RFC 4291", REG | S | D | R, 2, 2, false},
    {"fec0::1", "fec0::/10", DS_KIND_SITE_LOCAL, "Site-Local Unicast",
        "RFC 3879", S | D | F | DEP, 2, 5, false},
    {"ff00::1", "ff00::/8", DS_KIND_MULTICAST, "Multicast", "RFC 4291", D | F,
        2, 0, false},
    {"ff01::1", "ff00::/8", DS_KIND_MULTICAST, "Multicast", "RFC 4291", D | F,
        2, 1, false},
    {"ff02::1", "ff00::/8", DS_KIND_MULTICAST, "Multicast", "RFC 4291", D | F,
        2, 2, false},
    {"ff02::1:ff00:1", "ff00::/8", DS_KIND_MULTICAST, "Multicast", "RFC 4291",
        D | F, 2, 2, false},
    {"ff05::2", "ff00::/8", DS_KIND_MULTICAST, "Multicast", "RFC 4291", D | F,
        2, 5, false},
    {"ff18::1", "ff00::/8", DS_KIND_MULTICAST, "Multicast", "RFC 4291", D | F,
        2, 8, false},
    {"ff0e::1", "ff00::/8", DS_KIND_MULTICAST, "Multicast", "RFC 4291", D | F,
        2, 14, false},
    {"ff3e::8000:1", "ff00::/8", DS_KIND_MULTICAST, "Multicast", "RFC 4291",
        D | F, 2, 14, false},
    {"ff0f::1", "ff00::/8", DS_KIND_MULTICAST, "Multicast", "RFC 4291", D | F,
        2, 15, false},

    /* IPv4, in address order. */
    {"0.0.0.0", "0.0.0.0/32", DS_KIND_UNSPECIFIED, "This host on this network",
        "RFC 1122", REG | S | R, 3, 14, false},
    {"0.1.2.3", "0.0.0.0/8", DS_KIND_THIS_NETWORK, "This network", "RFC 791",
        REG | S | R, 2, 14, false},
    {"1.0.0.0", "0.0.0.0/0", DS_KIND_GLOBAL_UNICAST, "IPv4 unicast", "RFC 791",
        S | D | F | G, 1, 14, true},
    {"8.8.8.8", "0.0.0.0/0", DS_KIND_GLOBAL_UNICAST, "IPv4 unicast", "RFC 791",
        S | D | F | G, 1, 14, true},
    {"9.255.255.255", "0.0.0.0/0", DS_KIND_GLOBAL_UNICAST, "IPv4 unicast",
        "RFC 791", S | D | F | G, 1, 14, true},
    {"10.1.2.3", "10.0.0.0/8", DS_KIND_PRIVATE, "Private-Use", "RFC 1918",
        REG | S | D | F, 2, 14, false},
    {"11.0.0.0", "0.0.0.0/0", DS_KIND_GLOBAL_UNICAST, "IPv4 unicast", "RFC 791",
        S | D | F | G, 1, 14, true},
    {"100.63.255.255", "0.0.0.0/0", DS_KIND_GLOBAL_UNICAST, "IPv4 unicast",
        "RFC 791", S | D | F | G, 1, 14, true},
    {"100.64.0.1", "100.64.0.0/10", DS_KIND_SHARED, "Shared Address Space",
        "RFC 6598", REG | S | D | F, 2, 14, false},
    {"100.127.255.255", "100.64.0.0/10", DS_KIND_SHARED, "Shared Address Space",
        "RFC 6598", REG | S | D | F, 2, 14, false},
    {"100.128.0.0", "0.0.0.0/0", DS_KIND_GLOBAL_UNICAST, "IPv4 unicast",
        "RFC 791", S | D | F | G, 1, 14, true},
    {"127.0.0.1", "127.0.0.0/8", DS_KIND_LOOPBACK, "Loopback", "RFC 1122",
        REG | R, 2, 2, false},
    {"127.255.255.254", "127.0.0.0/8", DS_KIND_LOOPBACK, "Loopback", "RFC 1122",
        REG | R, 2, 2, false},
    {"169.254.1.1", "169.254.0.0/16", DS_KIND_LINK_LOCAL, "Link Local",
        "RFC 3927", REG | S | D | R, 2, 2, false},
    {"169.255.0.1", "0.0.0.0/0", DS_KIND_GLOBAL_UNICAST, "IPv4 unicast",
        "RFC 791", S | D | F | G, 1, 14, true},
    {"172.15.255.255", "0.0.0.0/0", DS_KIND_GLOBAL_UNICAST, "IPv4 unicast",
        "RFC 791", S | D | F | G, 1, 14, true},
    {"172.16.0.1", "172.16.0.0/12", DS_KIND_PRIVATE, "Private-Use", "RFC 1918",
        REG | S | D | F, 2, 14, false},
    {"172.31.255.255", "172.16.0.0/12", DS_KIND_PRIVATE, "Private-Use",
        "RFC 1918", REG | S | D | F, 2, 14, false},
    {"172.32.0.1", "0.0.0.0/0", DS_KIND_GLOBAL_UNICAST, "IPv4 unicast",
        "RFC 791", S | D | F | G, 1, 14, true},
    {"192.0.0.1", "192.0.0.0/29", DS_KIND_PROTOCOL,
        "IPv4 Service Continuity Prefix (DS-Lite)", "RFC 7335, RFC 6333",
        REG | S | D | F, 3, 14, false},
    {"192.0.0.8", "192.0.0.8/32", DS_KIND_PROTOCOL, "IPv4 dummy address",
        "RFC 7600", REG | S, 3, 14, false},
    {"192.0.0.9", "192.0.0.9/32", DS_KIND_PROTOCOL,
        "Port Control Protocol Anycast", "RFC 7723", REG | S | D | F | G, 3, 14,
        true},
    {"192.0.0.10", "192.0.0.10/32", DS_KIND_PROTOCOL,
        "Traversal Using Relays around NAT Anycast", "RFC 8155",
        REG | S | D | F | G, 3, 14, true},
    {"192.0.0.11", "192.0.0.0/24", DS_KIND_PROTOCOL,
        "IETF Protocol Assignments", "RFC 6890", REG, 2, 14, false},
    {"192.0.0.170", "192.0.0.170/32", DS_KIND_PROTOCOL, "NAT64/DNS64 Discovery",
        "RFC 8880, RFC 7050", REG | R, 3, 14, false},
    {"192.0.0.171", "192.0.0.171/32", DS_KIND_PROTOCOL, "NAT64/DNS64 Discovery",
        "RFC 8880, RFC 7050", REG | R, 3, 14, false},
    {"192.0.0.172", "192.0.0.0/24", DS_KIND_PROTOCOL,
        "IETF Protocol Assignments", "RFC 6890", REG, 2, 14, false},
    {"192.0.1.255", "0.0.0.0/0", DS_KIND_GLOBAL_UNICAST, "IPv4 unicast",
        "RFC 791", S | D | F | G, 1, 14, true},
    {"192.0.2.1", "192.0.2.0/24", DS_KIND_DOCUMENTATION,
        "Documentation (TEST-NET-1)", "RFC 5737", REG, 2, 14, false},
    {"192.31.196.1", "192.31.196.0/24", DS_KIND_PROTOCOL, "AS112-v4",
        "RFC 7535", REG | S | D | F | G, 2, 14, true},
    {"192.52.193.1", "192.52.193.0/24", DS_KIND_PROTOCOL, "AMT", "RFC 7450",
        REG | S | D | F | G, 2, 14, true},
    {"192.88.99.1", "192.88.99.0/24", DS_KIND_6TO4, "6to4 Relay Anycast",
        "RFC 7526, RFC 3068", REG | DEP, 2, 14, false},
    {"192.88.99.2", "192.88.99.2/32", DS_KIND_PROTOCOL,
        "6a44-relay anycast address", "RFC 6751", REG | S | D | F, 3, 14,
        false},
    {"192.168.1.1", "192.168.0.0/16", DS_KIND_PRIVATE, "Private-Use",
        "RFC 1918", REG | S | D | F, 2, 14, false},
    {"192.169.0.0", "0.0.0.0/0", DS_KIND_GLOBAL_UNICAST, "IPv4 unicast",
        "RFC 791", S | D | F | G, 1, 14, true},
    {"192.175.48.1", "192.175.48.0/24", DS_KIND_PROTOCOL,
        "Direct Delegation AS112 Service", "RFC 7534", REG | S | D | F | G, 2,
        14, true},
    {"198.17.255.255", "0.0.0.0/0", DS_KIND_GLOBAL_UNICAST, "IPv4 unicast",
        "RFC 791", S | D | F | G, 1, 14, true},
    {"198.18.0.1", "198.18.0.0/15", DS_KIND_BENCHMARKING, "Benchmarking",
        "RFC 2544", REG | S | D | F, 2, 14, false},
    {"198.19.255.255", "198.18.0.0/15", DS_KIND_BENCHMARKING, "Benchmarking",
        "RFC 2544", REG | S | D | F, 2, 14, false},
    {"198.20.0.0", "0.0.0.0/0", DS_KIND_GLOBAL_UNICAST, "IPv4 unicast",
        "RFC 791", S | D | F | G, 1, 14, true},
    {"198.51.100.1", "198.51.100.0/24", DS_KIND_DOCUMENTATION,
        "Documentation (TEST-NET-2)", "RFC 5737", REG, 2, 14, false},
    {"203.0.113.1", "203.0.113.0/24", DS_KIND_DOCUMENTATION,
        "Documentation (TEST-NET-3)", "RFC 5737", REG, 2, 14, false},
    {"203.0.114.0", "0.0.0.0/0", DS_KIND_GLOBAL_UNICAST, "IPv4 unicast",
        "RFC 791", S | D | F | G, 1, 14, true},
    {"223.255.255.255", "0.0.0.0/0", DS_KIND_GLOBAL_UNICAST, "IPv4 unicast",
        "RFC 791", S | D | F | G, 1, 14, true},
    {"224.0.0.1", "224.0.0.0/24", DS_KIND_MULTICAST,
        "Local Network Control Block", "RFC 5771", D, 3, 14, false},
    {"224.0.1.1", "224.0.0.0/4", DS_KIND_MULTICAST, "Multicast", "RFC 5771",
        D | F, 2, 14, false},
    {"233.252.0.1", "233.252.0.0/24", DS_KIND_DOCUMENTATION,
        "Multicast documentation (MCAST-TEST-NET)", "RFC 5771, RFC 6676", 0, 3,
        14, false},
    {"239.255.255.250", "239.0.0.0/8", DS_KIND_MULTICAST,
        "Administratively Scoped Multicast", "RFC 2365, RFC 5771", D | F, 3, 14,
        false},
    {"240.0.0.1", "240.0.0.0/4", DS_KIND_RESERVED, "Reserved", "RFC 1112",
        REG | R, 2, 14, false},
    {"255.255.255.254", "240.0.0.0/4", DS_KIND_RESERVED, "Reserved", "RFC 1112",
        REG | R, 2, 14, false},
    {"255.255.255.255", "255.255.255.255/32", DS_KIND_BROADCAST,
        "Limited Broadcast", "RFC 919, RFC 8190", REG | D | R, 3, 14, false},
};

static void
test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct class_case *c = &cases[i];
		const struct ds_addr_block *list[16];
		const struct ds_addr_block *b;
		struct ds_addr a = addr(c->addr);
		struct ds_prefix want = prefix(c->block);
		int n;

		print_message("# %s\n", c->addr);
		b = ds_addr_block(&a);
		assert_non_null(b);
		if (!prefix_equal(&b->prefix, &want)) {
			print_prefix("got", &b->prefix);
			fail_msg("%s: expected block %s", c->addr, c->block);
		}
		assert_int_equal(b->kind, c->kind);
		assert_string_equal(b->name, c->name);
		assert_string_equal(b->rfc, c->rfc);
		assert_int_equal(b->attrs, c->attrs);

		n = ds_addr_classify(&a, list, ARRAY_SIZE(list));
		assert_int_equal(n, c->count);
		assert_ptr_equal(list[0], b);

		assert_int_equal(ds_addr_scope(&a), c->scope);
		assert_int_equal(ds_addr_is_global(&a), c->global);
	}
}

/*
 * For every case: the blocks come most specific first, each contains the
 * address and the next one contains the previous one.
 */
static void
test_classify_order(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct ds_addr_block *list[16];
		struct ds_addr a = addr(cases[i].addr);
		int n, j;

		n = ds_addr_classify(&a, list, ARRAY_SIZE(list));
		assert_in_range(n, 1, (int)ARRAY_SIZE(list));
		for (j = 0; j < n; j++) {
			assert_true(contains(&list[j]->prefix, &a));
			if (j == 0)
				continue;
			assert_true(
			    list[j]->prefix.len < list[j - 1]->prefix.len);
			assert_true(contains(
			    &list[j]->prefix, &list[j - 1]->prefix.addr));
		}
		/* The least specific is always a catch-all. */
		assert_int_equal(list[n - 1]->prefix.len, 0);
	}
}

/* The whole list, for a few addresses that sit in deep nests. */
static void
test_classify_lists(void **state)
{
	static const struct {
		const char *addr;
		const char *blocks[5];
	} t[] = {
	    {"::", {"::/128", "::/96", "::/0"}},
	    {"::1", {"::1/128", "::/96", "::/0"}},
	    {"::ffff:10.0.0.1", {"::ffff:0:0/96", "::/0"}},
	    {"2001:1::3", {"2001:1::3/128", "2001::/23", "2000::/3", "::/0"}},
	    {"2001:2::1", {"2001:2::/48", "2001::/23", "2000::/3", "::/0"}},
	    {"2001:db8::1", {"2001:db8::/32", "2000::/3", "::/0"}},
	    {"fec0::1", {"fec0::/10", "::/0"}},
	    {"0.0.0.0", {"0.0.0.0/32", "0.0.0.0/8", "0.0.0.0/0"}},
	    {"192.0.0.9", {"192.0.0.9/32", "192.0.0.0/24", "0.0.0.0/0"}},
	    {"192.0.0.3", {"192.0.0.0/29", "192.0.0.0/24", "0.0.0.0/0"}},
	    {"192.88.99.2", {"192.88.99.2/32", "192.88.99.0/24", "0.0.0.0/0"}},
	    {"224.0.0.251", {"224.0.0.0/24", "224.0.0.0/4", "0.0.0.0/0"}},
	    {"255.255.255.255",
	        {"255.255.255.255/32", "240.0.0.0/4", "0.0.0.0/0"}},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		const struct ds_addr_block *list[8];
		struct ds_addr a = addr(t[i].addr);
		int n, j, want = 0;

		while (want < 5 && t[i].blocks[want])
			want++;
		print_message("# %s\n", t[i].addr);
		n = ds_addr_classify(&a, list, ARRAY_SIZE(list));
		assert_int_equal(n, want);
		for (j = 0; j < n; j++) {
			struct ds_prefix p = prefix(t[i].blocks[j]);

			if (!prefix_equal(&list[j]->prefix, &p)) {
				print_prefix("got", &list[j]->prefix);
				fail_msg("%s: block %d should be %s", t[i].addr,
				    j, t[i].blocks[j]);
			}
		}
	}
}

/* snprintf semantics: the count is the total, whatever n is. */
static void
test_classify_small_n(void **state)
{
	const struct ds_addr_block *list[4];
	const struct ds_addr_block *sentinel = (const void *)&list;
	struct ds_addr a = addr("2001:2::1");
	struct ds_prefix p48 = prefix("2001:2::/48");
	struct ds_prefix p23 = prefix("2001::/23");

	(void)state;
	assert_int_equal(ds_addr_classify(&a, NULL, 0), 4);

	list[0] = list[1] = list[2] = list[3] = sentinel;
	assert_int_equal(ds_addr_classify(&a, list, 0), 4);
	assert_ptr_equal(list[0], sentinel);

	assert_int_equal(ds_addr_classify(&a, list, 1), 4);
	assert_true(prefix_equal(&list[0]->prefix, &p48));
	assert_ptr_equal(list[1], sentinel);

	assert_int_equal(ds_addr_classify(&a, list, 2), 4);
	assert_true(prefix_equal(&list[0]->prefix, &p48));
	assert_true(prefix_equal(&list[1]->prefix, &p23));
	assert_ptr_equal(list[2], sentinel);
	assert_ptr_equal(list[3], sentinel);
}

/* The zone plays no part. */
static void
test_zone_ignored(void **state)
{
	struct ds_addr a = addr("fe80::1"), z = addr("fe80::1%eth0");
	struct ds_addr n = addr("ff02::1%3");

	(void)state;
	z.scope_id = 7;
	assert_ptr_equal(ds_addr_block(&a), ds_addr_block(&z));
	assert_int_equal(ds_addr_scope(&z), 2);
	assert_int_equal(ds_addr_scope(&n), 2);
	assert_int_equal(ds_addr_block(&n)->kind, DS_KIND_MULTICAST);
}

static void
test_bad_family(void **state)
{
	const struct ds_addr_block *list[4];
	struct ds_addr a;

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_int_equal(ds_addr_classify(&a, list, 4), -EAFNOSUPPORT);
	assert_null(ds_addr_block(&a));
	assert_false(ds_addr_is_global(&a));
	assert_int_equal(ds_addr_scope(&a), 0);
	a.family = AF_UNIX;
	assert_int_equal(ds_addr_classify(&a, NULL, 0), -EAFNOSUPPORT);
}

/* --- The table itself ---------------------------------------------------- */

static int
bytes_cmp(const struct ds_addr *a, const struct ds_addr *b)
{
	return memcmp(a->u.bytes, b->u.bytes, 16);
}

/*
 * ds_addr_classify() depends on the order: family, then address, then
 * length, ascending. Check that, and that every row is well formed.
 */
static void
test_table_well_formed(void **state)
{
	static const uint8_t zero[16];
	const struct ds_addr_block *t;
	size_t n, i;
	bool seen_v6 = false;

	(void)state;
	t = ds__addr_blocks(&n);
	assert_non_null(t);
	assert_in_range(n, 50, 100);

	for (i = 0; i < n; i++) {
		const struct ds_addr_block *b = &t[i];
		const struct ds_prefix *p = &b->prefix;
		unsigned bits, j;

		print_prefix("row", p);
		assert_true(
		    p->addr.family == AF_INET || p->addr.family == AF_INET6);
		bits = family_bits(p->addr.family);
		assert_true(p->len <= bits);
		/* No host bits, nothing beyond the family's bytes. */
		for (j = p->len; j < 128; j++)
			assert_int_equal(ds__bit(p->addr.u.bytes, j), 0);
		assert_int_equal(p->addr.scope_id, 0);
		assert_memory_equal(p->addr.zone, zero, sizeof(p->addr.zone));

		assert_string_not_equal(ds_addr_kind_name(b->kind), "unknown");
		assert_non_null(b->name);
		assert_true(strlen(b->name) > 0);
		assert_non_null(b->rfc);
		assert_memory_equal(b->rfc, "RFC ", 4);
		assert_int_equal(b->attrs & ~0x7fu, 0);

		/* IPv4 rows first, then IPv6. */
		if (p->addr.family == AF_INET6)
			seen_v6 = true;
		else
			assert_false(seen_v6);

		if (i > 0 && t[i - 1].prefix.addr.family == p->addr.family) {
			const struct ds_prefix *q = &t[i - 1].prefix;
			int c = bytes_cmp(&q->addr, &p->addr);

			if (c > 0 || (c == 0 && q->len >= p->len)) {
				print_prefix("after", q);
				fail_msg("table out of order at row %zu", i);
			}
		}
	}
	/* One catch-all per family, at the start of each. */
	assert_int_equal(t[0].prefix.addr.family, AF_INET);
	assert_int_equal(t[0].prefix.len, 0);
	for (i = 1; i < n; i++)
		if (t[i].prefix.addr.family == AF_INET6)
			break;
	assert_true(i < n);
	assert_int_equal(t[i].prefix.len, 0);
}

/*
 * The registries as of 2025-10-09 hold 25 IPv4 rows (one of them, NAT64
 * discovery, two /32s that the table splits) and 25 IPv6 rows.
 */
static void
test_table_registry_rows(void **state)
{
	const struct ds_addr_block *t;
	size_t n, i, v4 = 0, v6 = 0;

	(void)state;
	t = ds__addr_blocks(&n);
	for (i = 0; i < n; i++) {
		if (!(t[i].attrs & DS_ATTR_REGISTRY))
			continue;
		if (t[i].prefix.addr.family == AF_INET)
			v4++;
		else
			v6++;
	}
	assert_int_equal(v4, 26);
	assert_int_equal(v6, 25);
}

/* The first or the last address of p. */
static struct ds_addr
edge(const struct ds_prefix *p, bool last)
{
	struct ds_addr a = p->addr;
	unsigned bytes = p->addr.family == AF_INET ? 4 : 16;

	if (last)
		ds__bits_set_from(a.u.bytes, p->len, bytes);
	return a;
}

/*
 * Every row is found for its first and last address, and the block found
 * there is the row itself or one nested inside it.
 */
static void
test_table_rows_reachable(void **state)
{
	const struct ds_addr_block *t;
	size_t n, i;

	(void)state;
	t = ds__addr_blocks(&n);
	for (i = 0; i < n; i++) {
		int k;

		for (k = 0; k < 2; k++) {
			const struct ds_addr_block *list[16];
			struct ds_addr a = edge(&t[i].prefix, k);
			int m, j;
			bool found = false;

			m = ds_addr_classify(&a, list, ARRAY_SIZE(list));
			assert_in_range(m, 1, (int)ARRAY_SIZE(list));
			for (j = 0; j < m; j++)
				if (list[j] == &t[i])
					found = true;
			if (!found) {
				print_prefix("row", &t[i].prefix);
				fail_msg("row %zu not found at its %s address",
				    i, k ? "last" : "first");
			}
			assert_true(list[0]->prefix.len >= t[i].prefix.len);
		}
	}
}

/* --- Names --------------------------------------------------------------- */

static void
test_kind_names(void **state)
{
	static const struct {
		enum ds_addr_kind kind;
		const char *name;
	} t[] = {
	    {DS_KIND_UNSPECIFIED, "unspecified"},
	    {DS_KIND_LOOPBACK, "loopback"},
	    {DS_KIND_THIS_NETWORK, "this-network"},
	    {DS_KIND_PRIVATE, "private"},
	    {DS_KIND_SHARED, "shared"},
	    {DS_KIND_LINK_LOCAL, "link-local"},
	    {DS_KIND_SITE_LOCAL, "site-local"},
	    {DS_KIND_ULA, "ula"},
	    {DS_KIND_DOCUMENTATION, "documentation"},
	    {DS_KIND_BENCHMARKING, "benchmarking"},
	    {DS_KIND_MAPPED, "ipv4-mapped"},
	    {DS_KIND_COMPATIBLE, "ipv4-compatible"},
	    {DS_KIND_TRANSLATED, "ipv4-translated"},
	    {DS_KIND_NAT64, "nat64"},
	    {DS_KIND_6TO4, "6to4"},
	    {DS_KIND_TEREDO, "teredo"},
	    {DS_KIND_ORCHID, "orchid"},
	    {DS_KIND_DISCARD, "discard"},
	    {DS_KIND_MULTICAST, "multicast"},
	    {DS_KIND_BROADCAST, "broadcast"},
	    {DS_KIND_RESERVED, "reserved"},
	    {DS_KIND_PROTOCOL, "protocol"},
	    {DS_KIND_GLOBAL_UNICAST, "global-unicast"},
	    {DS_KIND_OTHER, "other"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(t); i++)
		assert_string_equal(ds_addr_kind_name(t[i].kind), t[i].name);
	assert_string_equal(ds_addr_kind_name((enum ds_addr_kind)0), "unknown");
	assert_string_equal(
	    ds_addr_kind_name((enum ds_addr_kind)(DS_KIND_OTHER + 1)),
	    "unknown");
	assert_string_equal(
	    ds_addr_kind_name((enum ds_addr_kind) - 1), "unknown");
}

static void
test_scope_names(void **state)
{
	static const char *const want[16] = {
	    "reserved",
	    "interface-local",
	    "link-local",
	    "realm-local",
	    "admin-local",
	    "site-local",
	    "unassigned",
	    "unassigned",
	    "organization-local",
	    "unassigned",
	    "unassigned",
	    "unassigned",
	    "unassigned",
	    "unassigned",
	    "global",
	    "reserved",
	};
	unsigned i;

	(void)state;
	for (i = 0; i < 16; i++)
		assert_string_equal(ds_scope_name(i), want[i]);
	assert_string_equal(ds_scope_name(16), "invalid");
	assert_string_equal(ds_scope_name(~0u), "invalid");
}

/* --- ULA ----------------------------------------------------------------- */

static void
test_ula(void **state)
{
	static const struct {
		const char *addr;
		bool local;
		uint64_t global_id;
		uint16_t subnet_id;
		uint64_t iid;
	} t[] = {
	    {"fd12:3456:789a:1::1", true, 0x123456789aull, 1, 1},
	    {"fc00::1", false, 0, 0, 1},
	    {"fd00::", true, 0, 0, 0},
	    {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true, 0xffffffffffull,
	        0xffff, 0xffffffffffffffffull},
	    {"fcab:cdef:0123:4567:89ab:cdef:0123:4567", false, 0xabcdef0123ull,
	        0x4567, 0x89abcdef01234567ull},
	};
	static const char *const bad[] = {
	    "fe80::1",
	    "fbff:ffff::1",
	    "fe00::",
	    "::",
	    "2001:db8::1",
	    "::ffff:192.168.1.1",
	    "192.168.1.1",
	    "10.0.0.1",
	};
	struct ds_ula u, poison;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		struct ds_addr a = addr(t[i].addr);

		print_message("# %s\n", t[i].addr);
		memset(&u, 0xa5, sizeof(u));
		assert_int_equal(ds_ula_decode(&a, &u), 0);
		assert_int_equal(u.local, t[i].local);
		assert_int_equal(u.global_id, t[i].global_id);
		assert_int_equal(u.subnet_id, t[i].subnet_id);
		assert_int_equal(u.iid, t[i].iid);
	}
	memset(&poison, 0xa5, sizeof(poison));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ds_addr a = addr(bad[i]);

		print_message("# %s\n", bad[i]);
		memcpy(&u, &poison, sizeof(u));
		assert_int_equal(ds_ula_decode(&a, &u), -EINVAL);
		assert_memory_equal(&u, &poison, sizeof(u));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_classify_order),
	    cmocka_unit_test(test_classify_lists),
	    cmocka_unit_test(test_classify_small_n),
	    cmocka_unit_test(test_zone_ignored),
	    cmocka_unit_test(test_bad_family),
	    cmocka_unit_test(test_table_well_formed),
	    cmocka_unit_test(test_table_registry_rows),
	    cmocka_unit_test(test_table_rows_reachable),
	    cmocka_unit_test(test_kind_names),
	    cmocka_unit_test(test_scope_names),
	    cmocka_unit_test(test_ula),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
