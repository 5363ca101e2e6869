/* SPDX-License-Identifier: MIT */
/*
 * Address classification: which special-purpose blocks an address falls in,
 * its scope, and the ULA fields.
 *
 * The data is one static table, blocks[], holding
 *   - every row of the IANA IPv4 and IPv6 Special-Purpose Address Registries
 *     (RFC 6890, as updated by RFC 8190), as of the registries' 2025-10-09
 *     revision, with DS_ATTR_REGISTRY set and the five RFC 6890 section
 *     2.2.2 booleans as the registry gives them;
 *   - blocks the registries leave out but users ask about (multicast,
 *     global unicast, site-local, the IPv4-compatible and -translated
 *     forms, ...), with DS_ATTR_REGISTRY clear and the booleans as this
 *     library reads them; each such row says why;
 *   - two catch-alls, 0.0.0.0/0 and ::/0, so that every address is in at
 *     least one block.
 *
 * Reading the registries: "N/A" and empty cells count as false. Rows whose
 * cells carry a footnote take the cell's value and say so in a comment.
 * Terminated allocations (192.88.99.0/24, 2001:10::/28) have empty cells
 * and get DS_ATTR_DEPRECATED.
 *
 * Order of the table, which ds_addr_classify() relies on: IPv4 rows, then
 * IPv6 rows; within a family by network address, then by prefix length,
 * shorter first. Any two prefixes that contain the same address are nested,
 * and in this order the outer one always comes first, so the rows that
 * contain a given address appear from least to most specific. Scanning the
 * table backwards therefore yields them most specific first, with no
 * sorting and no state. The unit test checks the order.
 */
#include <errno.h>

#include "addr-int.h"

/* --- Table construction helpers ------------------------------------------ */

#define V4(a, b, c, d)                                                         \
	{                                                                      \
		.family = AF_INET, .u.bytes = { a, b, c, d }                   \
	}

/* IPv6 from bytes; W() writes one 16-bit group as its two bytes. */
#define V6(...)                                                                \
	{                                                                      \
		.family = AF_INET6, .u.bytes = { __VA_ARGS__ }                 \
	}
#define W(g) (((g) >> 8) & 0xff), ((g)&0xff)

#define BLOCK(pfx, plen, k, at, nm, r)                                         \
	{                                                                      \
		.prefix = {.addr = pfx, .len = (plen)}, .kind = (k),           \
		.attrs = (at), .name = (nm), .rfc = (r)                        \
	}

#define SRC DS_ATTR_SOURCE
#define DST DS_ATTR_DESTINATION
#define FWD DS_ATTR_FORWARDABLE
#define GLB DS_ATTR_GLOBAL
#define RSV DS_ATTR_RESERVED
#define REG DS_ATTR_REGISTRY
#define DEP DS_ATTR_DEPRECATED

static const struct ds_addr_block blocks[] = {
    /* --- IPv4 ------------------------------------------------------- */

    /*
     * Catch-all (not in the registry): whatever no row below claims is
     * ordinary unicast space, usable and routed (RFC 791).
     */
    BLOCK(V4(0, 0, 0, 0), 0, DS_KIND_GLOBAL_UNICAST, SRC | DST | FWD | GLB,
        "IPv4 unicast", "RFC 791"),
    BLOCK(V4(0, 0, 0, 0), 8, DS_KIND_THIS_NETWORK, REG | SRC | RSV,
        "This network", "RFC 791"),
    BLOCK(V4(0, 0, 0, 0), 32, DS_KIND_UNSPECIFIED, REG | SRC | RSV,
        "This host on this network", "RFC 1122"),
    BLOCK(V4(10, 0, 0, 0), 8, DS_KIND_PRIVATE, REG | SRC | DST | FWD,
        "Private-Use", "RFC 1918"),
    BLOCK(V4(100, 64, 0, 0), 10, DS_KIND_SHARED, REG | SRC | DST | FWD,
        "Shared Address Space", "RFC 6598"),
    /*
     * The registry's four false cells carry a footnote: some protocols
     * (MPLS LSP ping, RFC 8029; BFD for MPLS, RFC 5884) are allowed to
     * send to 127/8. The main value, false, is what we keep.
     */
    BLOCK(V4(127, 0, 0, 0), 8, DS_KIND_LOOPBACK, REG | RSV, "Loopback",
        "RFC 1122"),
    BLOCK(V4(169, 254, 0, 0), 16, DS_KIND_LINK_LOCAL, REG | SRC | DST | RSV,
        "Link Local", "RFC 3927"),
    BLOCK(V4(172, 16, 0, 0), 12, DS_KIND_PRIVATE, REG | SRC | DST | FWD,
        "Private-Use", "RFC 1918"),
    /*
     * All false; the registry's footnote on the prefix says the block
     * is unusable except through the more specific rows that follow.
     */
    BLOCK(V4(192, 0, 0, 0), 24, DS_KIND_PROTOCOL, REG,
        "IETF Protocol Assignments", "RFC 6890"),
    /* Originally the DS-Lite B4/AFTR block (RFC 6333). */
    BLOCK(V4(192, 0, 0, 0), 29, DS_KIND_PROTOCOL, REG | SRC | DST | FWD,
        "IPv4 Service Continuity Prefix (DS-Lite)", "RFC 7335, RFC 6333"),
    BLOCK(V4(192, 0, 0, 8), 32, DS_KIND_PROTOCOL, REG | SRC,
        "IPv4 dummy address", "RFC 7600"),
    BLOCK(V4(192, 0, 0, 9), 32, DS_KIND_PROTOCOL, REG | SRC | DST | FWD | GLB,
        "Port Control Protocol Anycast", "RFC 7723"),
    BLOCK(V4(192, 0, 0, 10), 32, DS_KIND_PROTOCOL, REG | SRC | DST | FWD | GLB,
        "Traversal Using Relays around NAT Anycast", "RFC 8155"),
    /* One registry row lists both addresses; here they are two rows. */
    BLOCK(V4(192, 0, 0, 170), 32, DS_KIND_PROTOCOL, REG | RSV,
        "NAT64/DNS64 Discovery", "RFC 8880, RFC 7050"),
    BLOCK(V4(192, 0, 0, 171), 32, DS_KIND_PROTOCOL, REG | RSV,
        "NAT64/DNS64 Discovery", "RFC 8880, RFC 7050"),
    BLOCK(V4(192, 0, 2, 0), 24, DS_KIND_DOCUMENTATION, REG,
        "Documentation (TEST-NET-1)", "RFC 5737"),
    BLOCK(V4(192, 31, 196, 0), 24, DS_KIND_PROTOCOL,
        REG | SRC | DST | FWD | GLB, "AS112-v4", "RFC 7535"),
    BLOCK(V4(192, 52, 193, 0), 24, DS_KIND_PROTOCOL,
        REG | SRC | DST | FWD | GLB, "AMT", "RFC 7450"),
    /*
     * Terminated 2015-03 by RFC 7526; the registry keeps the row with
     * empty attribute cells, read here as false.
     */
    BLOCK(V4(192, 88, 99, 0), 24, DS_KIND_6TO4, REG | DEP, "6to4 Relay Anycast",
        "RFC 7526, RFC 3068"),
    BLOCK(V4(192, 88, 99, 2), 32, DS_KIND_PROTOCOL, REG | SRC | DST | FWD,
        "6a44-relay anycast address", "RFC 6751"),
    BLOCK(V4(192, 168, 0, 0), 16, DS_KIND_PRIVATE, REG | SRC | DST | FWD,
        "Private-Use", "RFC 1918"),
    BLOCK(V4(192, 175, 48, 0), 24, DS_KIND_PROTOCOL,
        REG | SRC | DST | FWD | GLB, "Direct Delegation AS112 Service",
        "RFC 7534"),
    BLOCK(V4(198, 18, 0, 0), 15, DS_KIND_BENCHMARKING, REG | SRC | DST | FWD,
        "Benchmarking", "RFC 2544"),
    BLOCK(V4(198, 51, 100, 0), 24, DS_KIND_DOCUMENTATION, REG,
        "Documentation (TEST-NET-2)", "RFC 5737"),
    BLOCK(V4(203, 0, 113, 0), 24, DS_KIND_DOCUMENTATION, REG,
        "Documentation (TEST-NET-3)", "RFC 5737"),
    /*
     * Multicast (not in the registry; RFC 5771). A group address is a
     * destination only: a source must be unicast (RFC 1812 section
     * 5.3.7); multicast routers forward it. Whether it leaves the domain
     * depends on the group, so the /4 as a whole is not called global; the
     * sub-blocks below refine it.
     */
    BLOCK(V4(224, 0, 0, 0), 4, DS_KIND_MULTICAST, DST | FWD, "Multicast",
        "RFC 5771"),
    /* RFC 5771 section 4: link-scoped control traffic, never forwarded. */
    BLOCK(V4(224, 0, 0, 0), 24, DS_KIND_MULTICAST, DST,
        "Local Network Control Block", "RFC 5771"),
    /* MCAST-TEST-NET, RFC 5771 section 9.2 and RFC 6676 section 2. */
    BLOCK(V4(233, 252, 0, 0), 24, DS_KIND_DOCUMENTATION, 0,
        "Multicast documentation (MCAST-TEST-NET)", "RFC 5771, RFC 6676"),
    /* RFC 2365: scoped to an organisation, not global. */
    BLOCK(V4(239, 0, 0, 0), 8, DS_KIND_MULTICAST, DST | FWD,
        "Administratively Scoped Multicast", "RFC 2365, RFC 5771"),
    BLOCK(V4(240, 0, 0, 0), 4, DS_KIND_RESERVED, REG | RSV, "Reserved",
        "RFC 1112"),
    BLOCK(V4(255, 255, 255, 255), 32, DS_KIND_BROADCAST, REG | DST | RSV,
        "Limited Broadcast", "RFC 919, RFC 8190"),

    /* --- IPv6 ------------------------------------------------------- */

    /*
     * Catch-all (not in the registry): space outside every block below.
     * RFC 4291 section 2.4 would count it as global unicast by default,
     * but the IANA IPv6 Address Space registry lists it as reserved by
     * the IETF and nothing is assigned there, so nothing is valid.
     */
    BLOCK(V6(0), 0, DS_KIND_OTHER, 0, "Unassigned IPv6 space", "RFC 4291"),
    /*
     * IPv4-compatible (not in the registry), RFC 4291 section 2.5.5.1:
     * deprecated, no longer used by any transition mechanism, so not a
     * valid source or destination. :: and ::1 are more specific rows
     * and win.
     */
    BLOCK(V6(0), 96, DS_KIND_COMPATIBLE, DEP, "IPv4-compatible Address",
        "RFC 4291"),
    BLOCK(V6(0), 128, DS_KIND_UNSPECIFIED, REG | SRC | RSV,
        "Unspecified Address", "RFC 4291"),
    BLOCK(V6(W(0), W(0), W(0), W(0), W(0), W(0), W(0), W(1)), 128,
        DS_KIND_LOOPBACK, REG | RSV, "Loopback Address", "RFC 4291"),
    BLOCK(V6(W(0), W(0), W(0), W(0), W(0), W(0xffff)), 96, DS_KIND_MAPPED,
        REG | RSV, "IPv4-mapped Address", "RFC 4291"),
    /*
     * IPv4-translated (not in the registry), RFC 2765 section 2.1: used
     * by SIIT inside a translator's domain, so valid and forwarded
     * there but not globally. RFC 6145 obsoleted RFC 2765 and RFC 6052
     * replaced this form, but nothing formally deprecates the block.
     */
    BLOCK(V6(W(0), W(0), W(0), W(0), W(0xffff)), 96, DS_KIND_TRANSLATED,
        SRC | DST | FWD, "IPv4-translated Address", "RFC 2765"),
    BLOCK(V6(W(0x64), W(0xff9b)), 96, DS_KIND_NAT64,
        REG | SRC | DST | FWD | GLB, "NAT64 Well-Known Prefix", "RFC 6052"),
    BLOCK(V6(W(0x64), W(0xff9b), W(1)), 48, DS_KIND_NAT64,
        REG | SRC | DST | FWD, "NAT64 Local-Use Prefix", "RFC 8215"),
    BLOCK(V6(W(0x100)), 64, DS_KIND_DISCARD, REG | SRC | DST | FWD,
        "Discard-Only Address Block", "RFC 6666"),
    BLOCK(V6(W(0x100), W(0), W(0), W(1)), 64, DS_KIND_PROTOCOL, REG | SRC,
        "Dummy IPv6 Prefix", "RFC 9780"),
    /*
     * Global unicast (not in the registry), RFC 4291 section 2.4 and
     * RFC 3587: the space the RIRs hand out.
     */
    BLOCK(V6(W(0x2000)), 3, DS_KIND_GLOBAL_UNICAST, SRC | DST | FWD | GLB,
        "Global Unicast", "RFC 4291"),
    /*
     * All false; every cell carries the footnote "unless allowed by a
     * more specific allocation", which the rows below do.
     */
    BLOCK(V6(W(0x2001)), 23, DS_KIND_PROTOCOL, REG, "IETF Protocol Assignments",
        "RFC 2928"),
    /*
     * Globally Reachable is "N/A" with a footnote pointing at RFC 4380
     * section 5 (reachability depends on the relays); read as false.
     */
    BLOCK(V6(W(0x2001)), 32, DS_KIND_TEREDO, REG | SRC | DST | FWD, "Teredo",
        "RFC 4380, RFC 8190"),
    BLOCK(V6(W(0x2001), W(1), W(0), W(0), W(0), W(0), W(0), W(1)), 128,
        DS_KIND_PROTOCOL, REG | SRC | DST | FWD | GLB,
        "Port Control Protocol Anycast", "RFC 7723"),
    BLOCK(V6(W(0x2001), W(1), W(0), W(0), W(0), W(0), W(0), W(2)), 128,
        DS_KIND_PROTOCOL, REG | SRC | DST | FWD | GLB,
        "Traversal Using Relays around NAT Anycast", "RFC 8155"),
    BLOCK(V6(W(0x2001), W(1), W(0), W(0), W(0), W(0), W(0), W(3)), 128,
        DS_KIND_PROTOCOL, REG | SRC | DST | FWD | GLB,
        "DNS-SD Service Registration Protocol Anycast", "RFC 9665"),
    /* RFC 5180 wrote 2001:200::/48 by mistake; errata 1752 fixed it. */
    BLOCK(V6(W(0x2001), W(2)), 48, DS_KIND_BENCHMARKING, REG | SRC | DST | FWD,
        "Benchmarking", "RFC 5180"),
    BLOCK(V6(W(0x2001), W(3)), 32, DS_KIND_PROTOCOL,
        REG | SRC | DST | FWD | GLB, "AMT", "RFC 7450"),
    BLOCK(V6(W(0x2001), W(4), W(0x112)), 48, DS_KIND_PROTOCOL,
        REG | SRC | DST | FWD | GLB, "AS112-v6", "RFC 7535"),
    /*
     * ORCHID (v1), terminated 2014-03; the registry keeps the row with
     * empty attribute cells, read here as false.
     */
    BLOCK(V6(W(0x2001), W(0x10)), 28, DS_KIND_ORCHID, REG | DEP, "ORCHID",
        "RFC 4843"),
    BLOCK(V6(W(0x2001), W(0x20)), 28, DS_KIND_ORCHID,
        REG | SRC | DST | FWD | GLB, "ORCHIDv2", "RFC 7343"),
    /*
     * DRIP Entity Tags are Hierarchical HITs built with the ORCHIDv2
     * construction (RFC 9374 section 3), hence the ORCHID kind.
     */
    BLOCK(V6(W(0x2001), W(0x30)), 28, DS_KIND_ORCHID,
        REG | SRC | DST | FWD | GLB, "Drone Remote ID Entity Tags (DETs)",
        "RFC 9374"),
    BLOCK(V6(W(0x2001), W(0xdb8)), 32, DS_KIND_DOCUMENTATION, REG,
        "Documentation", "RFC 3849"),
    /* Globally Reachable is "N/A" (see RFC 3056); read as false. */
    BLOCK(V6(W(0x2002)), 16, DS_KIND_6TO4, REG | SRC | DST | FWD, "6to4",
        "RFC 3056"),
    BLOCK(V6(W(0x2620), W(0x4f), W(0x8000)), 48, DS_KIND_PROTOCOL,
        REG | SRC | DST | FWD | GLB, "Direct Delegation AS112 Service",
        "RFC 7534"),
    BLOCK(V6(W(0x3fff)), 20, DS_KIND_DOCUMENTATION, REG, "Documentation",
        "RFC 9637"),
    BLOCK(V6(W(0x5f00)), 16, DS_KIND_PROTOCOL, REG | SRC | DST | FWD,
        "Segment Routing (SRv6) SIDs", "RFC 9602"),
    /* Globally Reachable is false with a footnote to RFC 4193. */
    BLOCK(V6(W(0xfc00)), 7, DS_KIND_ULA, REG | SRC | DST | FWD, "Unique-Local",
        "RFC 4193, RFC 8190"),
    BLOCK(V6(W(0xfe80)), 10, DS_KIND_LINK_LOCAL, REG | SRC | DST | RSV,
        "Link-Local Unicast", "RFC 4291"),
    /*
     * Site-local (not in the registry), deprecated by RFC 3879. Where
     * it is still used it works like a ULA: valid and forwarded inside
     * the site, never beyond it.
     */
    BLOCK(V6(W(0xfec0)), 10, DS_KIND_SITE_LOCAL, SRC | DST | FWD | DEP,
        "Site-Local Unicast", "RFC 3879"),
    /*
     * Multicast (not in the registry), RFC 4291 section 2.7: never a
     * source, forwarded by multicast routers; how far it goes is the
     * scope field's business (ds_addr_scope()), which no prefix can
     * express because the flag bits come first, so the block is not
     * called global.
     */
    BLOCK(V6(W(0xff00)), 8, DS_KIND_MULTICAST, DST | FWD, "Multicast",
        "RFC 4291"),
};

#undef V4
#undef V6
#undef W
#undef BLOCK
#undef SRC
#undef DST
#undef FWD
#undef GLB
#undef RSV
#undef REG
#undef DEP

#define NBLOCKS (sizeof(blocks) / sizeof(blocks[0]))

const struct ds_addr_block *
ds__addr_blocks(size_t *ret_n)
{
	*ret_n = NBLOCKS;
	return blocks;
}

/* --- Classification ------------------------------------------------------ */

/*
 * Is a in block b? The first byte is tested inline before the full
 * comparison: it rules out nearly every row, and this runs for every row
 * of the table.
 */
static bool
block_contains(const struct ds_addr_block *b, const struct ds_addr *a)
{
	const uint8_t *p = b->prefix.addr.u.bytes, *x = a->u.bytes;
	unsigned len = b->prefix.len;
	uint8_t mask = (uint8_t)(0xff00u >> (len < 8 ? len : 8));

	if ((p[0] ^ x[0]) & mask)
		return false;
	return ds__bits_equal(p, x, len);
}

/*
 * Walk the rows of a's family from the end of the table, i.e. most specific
 * first (see the order of the table at the top of the file), storing up to
 * n matches. With stop set, return after the first match. The rows of one
 * family are contiguous: the walk ends at the first row of the other family
 * after them.
 */
static int
scan(const struct ds_addr *a, const struct ds_addr_block **ret, size_t n,
    bool stop)
{
	bool in_family = false;
	size_t i;
	int count = 0;

	for (i = NBLOCKS; i-- > 0;) {
		const struct ds_addr_block *b = &blocks[i];

		if (b->prefix.addr.family != a->family) {
			if (in_family)
				break;
			continue;
		}
		in_family = true;
		if (!block_contains(b, a))
			continue;
		if ((size_t)count < n)
			ret[count] = b;
		count++;
		if (stop)
			break;
	}
	return count;
}

int
ds_addr_classify(
    const struct ds_addr *a, const struct ds_addr_block **ret, size_t n)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		return -EAFNOSUPPORT;
	return scan(a, ret, n, false);
}

const struct ds_addr_block *
ds_addr_block(const struct ds_addr *a)
{
	const struct ds_addr_block *b;

	if (a->family != AF_INET && a->family != AF_INET6)
		return NULL;
	/* Every address is in a catch-all row, so there is always one. */
	if (scan(a, &b, 1, true) != 1)
		return NULL;
	return b;
}

bool
ds_addr_is_global(const struct ds_addr *a)
{
	const struct ds_addr_block *b = ds_addr_block(a);

	return b && (b->attrs & DS_ATTR_GLOBAL);
}

const char *
ds_addr_kind_name(enum ds_addr_kind kind)
{
	static const char *const names[] = {
	    [DS_KIND_UNSPECIFIED] = "unspecified",
	    [DS_KIND_LOOPBACK] = "loopback",
	    [DS_KIND_THIS_NETWORK] = "this-network",
	    [DS_KIND_PRIVATE] = "private",
	    [DS_KIND_SHARED] = "shared",
	    [DS_KIND_LINK_LOCAL] = "link-local",
	    [DS_KIND_SITE_LOCAL] = "site-local",
	    [DS_KIND_ULA] = "ula",
	    [DS_KIND_DOCUMENTATION] = "documentation",
	    [DS_KIND_BENCHMARKING] = "benchmarking",
	    [DS_KIND_MAPPED] = "ipv4-mapped",
	    [DS_KIND_COMPATIBLE] = "ipv4-compatible",
	    [DS_KIND_TRANSLATED] = "ipv4-translated",
	    [DS_KIND_NAT64] = "nat64",
	    [DS_KIND_6TO4] = "6to4",
	    [DS_KIND_TEREDO] = "teredo",
	    [DS_KIND_ORCHID] = "orchid",
	    [DS_KIND_DISCARD] = "discard",
	    [DS_KIND_MULTICAST] = "multicast",
	    [DS_KIND_BROADCAST] = "broadcast",
	    [DS_KIND_RESERVED] = "reserved",
	    [DS_KIND_PROTOCOL] = "protocol",
	    [DS_KIND_GLOBAL_UNICAST] = "global-unicast",
	    [DS_KIND_OTHER] = "other",
	};

	if ((unsigned)kind >= sizeof(names) / sizeof(names[0]) || !names[kind])
		return "unknown";
	return names[kind];
}

/* --- Scope --------------------------------------------------------------- */

/* Scope values, RFC 4291 section 2.7 and RFC 7346 section 2. */
enum {
	SCOPE_LINK_LOCAL = 0x2,
	SCOPE_SITE_LOCAL = 0x5,
	SCOPE_GLOBAL = 0xe,
};

/* RFC 6724 section 3.2: IPv4 loopback and link-local are link-local. */
static unsigned
v4_scope(const uint8_t *b)
{
	if (b[0] == 127 || (b[0] == 169 && b[1] == 254))
		return SCOPE_LINK_LOCAL;
	return SCOPE_GLOBAL;
}

unsigned
ds_addr_scope(const struct ds_addr *a)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	static const uint8_t loopback[16] = {[15] = 1};
	const uint8_t *b = a->u.bytes;

	if (a->family == AF_INET)
		return v4_scope(b);
	if (a->family != AF_INET6)
		return 0;

	/* Multicast: the low 4 bits of the second byte (RFC 4291 2.7). */
	if (b[0] == 0xff)
		return b[1] & 0x0f;
	/*
	 * RFC 6724 section 3.2: an IPv4-mapped address has the scope of the
	 * IPv4 address it carries.
	 */
	if (memcmp(b, mapped, sizeof(mapped)) == 0)
		return v4_scope(b + 12);
	/*
	 * RFC 6724 section 3.1: ::1 and fe80::/10 link-local, fec0::/10
	 * site-local, everything else (ULAs included) global.
	 */
	if (memcmp(b, loopback, sizeof(loopback)) == 0)
		return SCOPE_LINK_LOCAL;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return SCOPE_LINK_LOCAL;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
		return SCOPE_SITE_LOCAL;
	return SCOPE_GLOBAL;
}

const char *
ds_scope_name(unsigned scope)
{
	/* RFC 7346 section 2 (which renamed 3 and 4), RFC 4291 section 2.7. */
	static const char *const names[16] = {
	    [0x0] = "reserved",
	    [0x1] = "interface-local",
	    [0x2] = "link-local",
	    [0x3] = "realm-local",
	    [0x4] = "admin-local",
	    [0x5] = "site-local",
	    [0x6] = "unassigned",
	    [0x7] = "unassigned",
	    [0x8] = "organization-local",
	    [0x9] = "unassigned",
	    [0xa] = "unassigned",
	    [0xb] = "unassigned",
	    [0xc] = "unassigned",
	    [0xd] = "unassigned",
	    [0xe] = "global",
	    [0xf] = "reserved",
	};

	if (scope >= 16)
		return "invalid";
	return names[scope];
}

/* --- ULA ----------------------------------------------------------------- */

/*
 * RFC 4193 section 3.1: | 7 bits fc00::/7 | L | 40-bit Global ID |
 * 16-bit Subnet ID | 64-bit Interface ID |.
 */
int
ds_ula_decode(const struct ds_addr *a, struct ds_ula *ret)
{
	const uint8_t *b = a->u.bytes;
	uint64_t gid = 0, iid = 0;
	unsigned i;

	if (a->family != AF_INET6 || (b[0] & 0xfe) != 0xfc)
		return -EINVAL;

	for (i = 1; i <= 5; i++)
		gid = gid << 8 | b[i];
	for (i = 8; i < 16; i++)
		iid = iid << 8 | b[i];

	ret->local = b[0] & 1;
	ret->global_id = gid;
	ret->subnet_id = (uint16_t)(b[6] << 8 | b[7]);
	ret->iid = iid;
	return 0;
}
