/* SPDX-License-Identifier: MIT */
/*
 * The host's multicast memberships as /proc/net/igmp, igmp6, mcfilter
 * and mcfilter6 write them. Pure: the caller reads the file; every line
 * is checked field by field, and a line the kernel would not write is
 * an error with its number, not a guess.
 */
#include <errno.h>
#include <string.h>

#include "dualstack/mcast.h"

/* A line of the text: [p, p + n). */
struct line {
	const char *p;
	size_t n;
};

/* The next blank-separated field of l, consumed; n 0 at the end. */
static struct line
field(struct line *l)
{
	struct line f;

	while (l->n && (*l->p == ' ' || *l->p == '\t')) {
		l->p++;
		l->n--;
	}
	f.p = l->p;
	while (l->n && *l->p != ' ' && *l->p != '\t') {
		l->p++;
		l->n--;
	}
	f.n = (size_t)(l->p - f.p);
	return f;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A number of base 10 or 16, at most 8 hex or 10 decimal digits, all
 * consumed and no more than 32 bits. */
static bool
number(struct line f, unsigned base, uint32_t *ret)
{
	uint64_t v = 0;

	if (f.n == 0 || f.n > (base == 16 ? 8u : 10u))
		return false;
	for (size_t i = 0; i < f.n; i++) {
		int d = hexval(f.p[i]);

		if (d < 0 || (unsigned)d >= base)
			return false;
		v = v * base + (unsigned)d;
	}
	if (v > UINT32_MAX)
		return false;
	*ret = (uint32_t)v;
	return true;
}

/* 32 hex digits: an IPv6 address in network order. */
static bool
v6(struct line f, struct ds_addr *ret)
{
	uint8_t b[16];

	if (f.n != 32)
		return false;
	for (size_t i = 0; i < 16; i++) {
		int hi = hexval(f.p[2 * i]), lo = hexval(f.p[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	ds_addr_from_v6(b, ret);
	return true;
}

/* An interface name as a field: 1 to IFNAMSIZ - 1 bytes. */
static bool
ifname(struct line f, char *out)
{
	if (f.n == 0 || f.n >= DS_ZONE_MAX)
		return false;
	memcpy(out, f.p, f.n);
	out[f.n] = '\0';
	return true;
}

/*
 * /proc/net/igmp: a device line "IDX\tNAME: COUNT QUERIER" and under it
 * a line per group "\t\t\t\tGROUP USERS TIMER REPORTER", GROUP the
 * __be32 printed with %08X.
 */
static bool
igmp_line(struct line l, struct ds_mcast_membership *cur, bool *have_dev,
    bool *is_group)
{
	struct line f;
	uint32_t v;

	*is_group = false;
	if (l.n && l.p[0] == '\t') {
		uint8_t b[4];

		if (!*have_dev || !number(field(&l), 16, &v))
			return false;
		/* The kernel printed the address's in-memory word. */
		memcpy(b, &v, sizeof(b));
		ds_addr_from_v4((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		        (uint32_t)b[2] << 8 | b[3],
		    &cur->group);
		if (!number(field(&l), 10, &cur->users))
			return false;
		f = field(&l); /* the timer, "0:00000000" */
		if (f.n == 0 || !number(field(&l), 10, &v) || field(&l).n != 0)
			return false;
		*is_group = true;
		return true;
	}
	if (!number(field(&l), 10, &cur->ifindex))
		return false;
	f = field(&l);
	/* "eth0" then ":", or "eth0:" when the name fills the column. */
	if (f.n && f.p[f.n - 1] == ':')
		f.n--;
	else if (field(&l).n != 1)
		return false;
	if (!ifname(f, cur->ifname) || !number(field(&l), 10, &v) ||
	    field(&l).n == 0 || field(&l).n != 0)
		return false;
	*have_dev = true;
	return true;
}

/* /proc/net/igmp6: "IDX NAME GROUP USERS FLAGS TIMER". */
static bool
igmp6_line(struct line l, struct ds_mcast_membership *m)
{
	uint32_t v;

	return number(field(&l), 10, &m->ifindex) &&
	    ifname(field(&l), m->ifname) && v6(field(&l), &m->group) &&
	    number(field(&l), 10, &m->users) && number(field(&l), 16, &v) &&
	    number(field(&l), 10, &v) && field(&l).n == 0;
}

/* "0xHHHHHHHH": an IPv4 address in host order (ntohl'd). */
static bool
v4_0x(struct line f, struct ds_addr *ret)
{
	uint32_t v;

	if (f.n != 10 || f.p[0] != '0' || f.p[1] != 'x')
		return false;
	f.p += 2;
	f.n -= 2;
	if (!number(f, 16, &v))
		return false;
	ds_addr_from_v4(v, ret);
	return true;
}

/* /proc/net/mcfilter(6): "IDX NAME GROUP SOURCE INC EXC". */
static bool
mcfilter_line(struct line l, bool is6, struct ds_mcast_membership *m)
{
	return number(field(&l), 10, &m->ifindex) &&
	    ifname(field(&l), m->ifname) &&
	    (is6 ? v6(field(&l), &m->group) && v6(field(&l), &m->source)
	         : v4_0x(field(&l), &m->group) &&
	                v4_0x(field(&l), &m->source)) &&
	    number(field(&l), 10, &m->include) &&
	    number(field(&l), 10, &m->exclude) && field(&l).n == 0;
}

int
ds_mcast_proc_parse(enum ds_mcast_proc kind, const char *text, size_t len,
    struct ds_mcast_membership *out, size_t max, size_t *errline)
{
	struct ds_mcast_membership cur = {0};
	const char *end = text + len;
	bool have_dev = false;
	size_t n = 0, lineno = 0;

	if (kind < DS_MCAST_PROC_IGMP || kind > DS_MCAST_PROC_MCFILTER6)
		return -EINVAL;
	while (text < end) {
		const char *nl = memchr(text, '\n', (size_t)(end - text));
		struct line l = {text, (size_t)((nl ? nl : end) - text)};
		struct ds_mcast_membership m = {0};
		bool ok, add = false;

		text = nl ? nl + 1 : end;
		lineno++;
		/* igmp6 has no header line; the others have one. */
		if (lineno == 1 && kind != DS_MCAST_PROC_IGMP6) {
			if (l.n < 3 || memcmp(l.p, "Idx", 3) != 0)
				goto bad;
			continue;
		}
		if (memchr(l.p, '\0', l.n))
			goto bad;
		switch (kind) {
		case DS_MCAST_PROC_IGMP:
			ok = igmp_line(l, &cur, &have_dev, &add);
			m = cur;
			break;
		case DS_MCAST_PROC_IGMP6:
			ok = igmp6_line(l, &m);
			add = true;
			break;
		default:
			ok = mcfilter_line(
			    l, kind == DS_MCAST_PROC_MCFILTER6, &m);
			add = true;
			break;
		}
		if (!ok)
			goto bad;
		if (!add)
			continue;
		if (n < max)
			out[n] = m;
		n++;
		if (n > INT32_MAX)
			goto bad;
	}
	return (int)n;
bad:
	if (errline)
		*errline = lineno;
	return -EBADMSG;
}
