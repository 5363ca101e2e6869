/* SPDX-License-Identifier: MIT */
/*
 * The pure part of ds_mcast: what a group is, whether a group, a source
 * and an interface fit together, and the probe payload. No I/O but the
 * one interface-name lookup, which ds_addr_zone_index() does.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dualstack/error.h"
#include "dualstack/mcast.h"

#include "cur.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* RFC 7346 scope values used below. */
enum {
	SCOPE_RESERVED0 = 0x0,
	SCOPE_IFACE = 0x1,
	SCOPE_LINK = 0x2,
	SCOPE_SITE = 0x5,
	SCOPE_ORG = 0x8,
	SCOPE_GLOBAL = 0xe,
	SCOPE_RESERVED15 = 0xf,
};

/* The IPv4 scope of a multicast address, by block. */
static unsigned
v4_scope(const uint8_t *b)
{
	/* RFC 5771 section 4: 224.0.0.0/24, Local Network Control. */
	if (b[0] == 224 && b[1] == 0 && b[2] == 0)
		return SCOPE_LINK;
	/* RFC 2365 section 6.1: the IPv4 Local Scope, 239.255.0.0/16. */
	if (b[0] == 239 && b[1] == 255)
		return SCOPE_SITE;
	/* RFC 2365 section 6: administratively scoped, 239.0.0.0/8. */
	if (b[0] == 239)
		return SCOPE_ORG;
	return SCOPE_GLOBAL;
}

int
ds_mcast_group_info(
    const struct ds_addr *group, struct ds_mcast_group_info *ret)
{
	struct ds_mcast_group_info gi = {0};
	const uint8_t *b = group->u.bytes;

	if (group->family == AF_INET) {
		if ((b[0] & 0xf0) != 0xe0)
			return -DS_E_NOT_MULTICAST;
		gi.scope = v4_scope(b);
		/* RFC 4607 section 1: 232.0.0.0/8. */
		gi.ssm = b[0] == 232;
	} else if (group->family == AF_INET6) {
		if (b[0] != 0xff)
			return -DS_E_NOT_MULTICAST;
		gi.scope = b[1] & 0x0f;
		/*
		 * RFC 4607 section 1 and RFC 3306 section 6: ff3x::/32, the
		 * flags P=1 T=1 with a prefix length of 0. The R flag cannot
		 * be set there (RFC 3956 section 3).
		 */
		gi.ssm = (b[1] & 0xf0) == 0x30 && b[2] == 0 && b[3] == 0;
	} else {
		return -EAFNOSUPPORT;
	}
	gi.node_local = gi.scope == SCOPE_IFACE;
	gi.needs_iface = gi.scope == SCOPE_IFACE || gi.scope == SCOPE_LINK;
	*ret = gi;
	return 0;
}

int
ds_mcast_check(const struct ds_mcast_spec *spec)
{
	struct ds_mcast_group_info gi;
	const struct ds_addr *src = &spec->source;
	int r;

	r = ds_mcast_group_info(&spec->group, &gi);
	if (r < 0)
		return r;
	if (spec->group.family == AF_INET6 &&
	    (gi.scope == SCOPE_RESERVED0 || gi.scope == SCOPE_RESERVED15))
		return -DS_E_MCAST_SCOPE_RESERVED;
	if (gi.needs_iface && spec->ifindex == 0 && spec->group.zone[0] == '\0')
		return -DS_E_MCAST_NEEDS_IFACE;
	if (spec->ifindex != 0 && spec->group.scope_id != 0 &&
	    spec->group.scope_id != spec->ifindex)
		return -DS_E_MCAST_IFACE_CONFLICT;
	if (src->family != 0) {
		struct ds_mcast_group_info si;

		if (src->family != spec->group.family)
			return -DS_E_MCAST_SOURCE_FAMILY;
		/* A source sends: it is unicast and specified (RFC 4607
		 * section 1 "a single source host"). */
		if (ds_mcast_group_info(src, &si) == 0 ||
		    ds_addr_bits(src) == 0 ||
		    (src->family == AF_INET
		            ? ds_addr_v4(src) == 0
		            : IN6_IS_ADDR_UNSPECIFIED(&src->u.in6)))
			return -DS_E_MCAST_SOURCE_BAD;
	} else if (gi.ssm && !spec->send) {
		return -DS_E_MCAST_SSM_NO_SOURCE;
	}
	if (gi.node_local && spec->no_loop)
		return -DS_E_MCAST_NODE_NO_LOOP;
	return 0;
}

int
ds_mcast_resolve(struct ds_mcast_spec *spec)
{
	uint32_t idx;
	int r;

	r = ds_mcast_check(spec);
	if (r < 0)
		return r;
	if (spec->group.zone[0] == '\0')
		return 0;
	r = ds_addr_zone_index(&spec->group, &idx);
	if (r < 0)
		return r;
	if (spec->ifindex != 0 && idx != spec->ifindex)
		return -DS_E_MCAST_IFACE_CONFLICT;
	spec->ifindex = idx;
	memset(spec->group.zone, 0, sizeof(spec->group.zone));
	spec->group.scope_id = 0;
	return 0;
}

/* --- The probe payload --------------------------------------------------- */

static const uint8_t probe_magic[4] = {'d', 's', 'm', 'c'};

#define PROBE_VERSION 1

static const char *const probe_kind_tokens[] = {
    [DS_MCAST_PROBE_DATA] = "data",
    [DS_MCAST_PROBE_REQUEST] = "request",
    [DS_MCAST_PROBE_UNICAST] = "unicast",
    [DS_MCAST_PROBE_MULTICAST] = "multicast",
};

const char *
ds_mcast_probe_kind_token(enum ds_mcast_probe_kind k)
{
	if ((unsigned)k >= ARRAY_SIZE(probe_kind_tokens))
		return NULL;
	return probe_kind_tokens[k];
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
ds_mcast_probe_encode(const struct ds_mcast_probe *p, uint8_t *buf, size_t size)
{
	if (!ds_mcast_probe_kind_token(p->kind))
		return -EINVAL;
	if (size < DS_MCAST_PROBE_LEN)
		return -ENOBUFS;
	memset(buf, 0, size);
	memcpy(buf, probe_magic, sizeof(probe_magic));
	buf[4] = PROBE_VERSION;
	buf[5] = (uint8_t)p->kind;
	buf[6] = p->hops;
	put_be32(buf + 8, p->session);
	put_be32(buf + 12, p->seq);
	put_be32(buf + 16, (uint32_t)(p->sent_us >> 32));
	put_be32(buf + 20, (uint32_t)p->sent_us);
	return DS_MCAST_PROBE_LEN;
}

int
ds_mcast_probe_decode(
    const uint8_t *buf, size_t len, struct ds_mcast_probe *ret)
{
	struct ds_cur c;
	struct ds_mcast_probe p = {0};
	uint8_t magic[4], version, kind, reserved;
	uint32_t hi, lo;

	c = ds_cur_at(buf, 0, len);
	if (ds_cur_bytes(&c, magic, sizeof(magic)) < 0 ||
	    memcmp(magic, probe_magic, sizeof(magic)) != 0 ||
	    ds_cur_u8(&c, &version) < 0 || version != PROBE_VERSION ||
	    ds_cur_u8(&c, &kind) < 0 || ds_cur_u8(&c, &p.hops) < 0 ||
	    ds_cur_u8(&c, &reserved) < 0 || ds_cur_be32(&c, &p.session) < 0 ||
	    ds_cur_be32(&c, &p.seq) < 0 || ds_cur_be32(&c, &hi) < 0 ||
	    ds_cur_be32(&c, &lo) < 0)
		return -EBADMSG;
	p.kind = (enum ds_mcast_probe_kind)kind;
	if (kind == 0 || !ds_mcast_probe_kind_token(p.kind))
		return -EBADMSG;
	p.sent_us = (uint64_t)hi << 32 | lo;
	*ret = p;
	return 0;
}
