/* SPDX-License-Identifier: MIT */
/*
 * ds_host: the pure parsers. rtnetlink dumps, sysctl values, the "hosts"
 * line of nsswitch.conf and the localhost lines of /etc/hosts, each from
 * bytes the caller read. No I/O, no allocation.
 *
 * Netlink messages come from the kernel, but are still read as untrusted
 * bytes: every header and attribute is copied out (no struct laid over
 * the buffer, so no alignment is assumed) and its length checked against
 * what is left before its data is touched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "dualstack/error.h"
#include "dualstack/host.h"

#include "host-int.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* One attribute: its type (without NLA_F_NESTED and NLA_F_NET_BYTEORDER)
 * and its payload. */
struct attr {
	unsigned type;
	const unsigned char *data;
	size_t len;
};

/* The attribute at *off in p (len bytes): 1 and *a, 0 at the end,
 * -DS_E_HOST_NETLINK when it claims more than is left. */
static int
next_attr(const unsigned char *p, size_t len, size_t *off, struct attr *a)
{
	struct rtattr rta;
	size_t left = len - *off;

	if (*off >= len || left < sizeof(rta))
		return 0;
	memcpy(&rta, p + *off, sizeof(rta));
	if (rta.rta_len < sizeof(rta) || rta.rta_len > left)
		return -DS_E_HOST_NETLINK;
	a->type = rta.rta_type & NLA_TYPE_MASK;
	a->data = p + *off + RTA_LENGTH(0);
	a->len = rta.rta_len - RTA_LENGTH(0);
	*off += RTA_ALIGN(rta.rta_len);
	return 1;
}

static uint32_t
u32(const struct attr *a)
{
	uint32_t v = 0;

	if (a->len >= sizeof(v))
		memcpy(&v, a->data, sizeof(v));
	return v;
}

/* A string attribute into buf (size bytes), cut at its NUL or the end. */
static void
str(const struct attr *a, char *buf, size_t size)
{
	size_t n = strnlen((const char *)a->data, a->len);

	if (n >= size)
		n = size - 1;
	memcpy(buf, a->data, n);
	buf[n] = '\0';
}

/* An address attribute of family; false when its length is not the
 * family's. */
static bool
addr_of(const struct attr *a, int family, struct ds_addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (family == AF_INET && a->len == 4) {
		ret->family = AF_INET;
		memcpy(&ret->u.in, a->data, 4);
		return true;
	}
	if (family == AF_INET6 && a->len == 16) {
		ret->family = AF_INET6;
		memcpy(&ret->u.in6, a->data, 16);
		return true;
	}
	return false;
}

void
ds__host_link_init(struct ds_host_link *l)
{
	memset(l, 0, sizeof(*l));
	l->disable_ipv6 = DS_HOST_SYSCTL_UNSET;
	l->accept_ra = DS_HOST_SYSCTL_UNSET;
	l->forwarding = DS_HOST_SYSCTL_UNSET;
	l->use_tempaddr = DS_HOST_SYSCTL_UNSET;
	l->addr_gen_mode = DS_HOST_SYSCTL_UNSET;
	l->mtu6 = DS_HOST_SYSCTL_UNSET;
	l->accept_dad = DS_HOST_SYSCTL_UNSET;
}

static int
parse_link(const unsigned char *p, size_t len, struct ds_host_facts *f)
{
	struct ifinfomsg ifi;
	struct ds_host_link l;
	struct attr a;
	size_t off = NLMSG_ALIGN(sizeof(ifi));
	int r;

	if (len < sizeof(ifi))
		return -DS_E_HOST_NETLINK;
	memcpy(&ifi, p, sizeof(ifi));
	ds__host_link_init(&l);
	l.index = (unsigned)ifi.ifi_index;
	l.flags = ifi.ifi_flags;
	l.type = ifi.ifi_type;
	while ((r = next_attr(p, len, &off, &a)) > 0) {
		if (a.type == IFLA_IFNAME) {
			str(&a, l.name, sizeof(l.name));
		} else if (a.type == IFLA_MTU) {
			l.mtu = u32(&a);
		} else if (a.type == IFLA_LINKINFO) {
			struct attr in;
			size_t ioff = 0;
			int ir;

			while ((ir = next_attr(a.data, a.len, &ioff, &in)) > 0)
				if (in.type == IFLA_INFO_KIND)
					str(&in, l.kind, sizeof(l.kind));
			if (ir < 0)
				return ir;
		}
	}
	if (r < 0)
		return r;
	if (f->n_links < DS_HOST_LINK_MAX)
		f->links[f->n_links] = l;
	f->n_links++;
	return 0;
}

static int
parse_addr(const unsigned char *p, size_t len, struct ds_host_facts *f)
{
	struct ifaddrmsg ifa;
	struct ds_host_address h;
	struct ds_addr local = {0}, address = {0};
	struct attr a;
	size_t off = NLMSG_ALIGN(sizeof(ifa));
	int r;

	if (len < sizeof(ifa))
		return -DS_E_HOST_NETLINK;
	memcpy(&ifa, p, sizeof(ifa));
	if (ifa.ifa_family != AF_INET && ifa.ifa_family != AF_INET6)
		return 0;
	memset(&h, 0, sizeof(h));
	h.index = ifa.ifa_index;
	h.plen = ifa.ifa_prefixlen;
	h.scope = ifa.ifa_scope;
	h.flags = ifa.ifa_flags;
	h.preferred_s = UINT32_MAX;
	h.valid_s = UINT32_MAX;
	while ((r = next_attr(p, len, &off, &a)) > 0) {
		if (a.type == IFA_LOCAL) {
			addr_of(&a, ifa.ifa_family, &local);
		} else if (a.type == IFA_ADDRESS) {
			addr_of(&a, ifa.ifa_family, &address);
		} else if (a.type == IFA_FLAGS) {
			/* The 32-bit flags; ifa_flags holds the low 8. */
			h.flags = u32(&a);
		} else if (a.type == IFA_CACHEINFO &&
		    a.len >= sizeof(struct ifa_cacheinfo)) {
			struct ifa_cacheinfo ci;

			memcpy(&ci, a.data, sizeof(ci));
			h.preferred_s = ci.ifa_prefered;
			h.valid_s = ci.ifa_valid;
		}
	}
	if (r < 0)
		return r;
	/* IFA_LOCAL is this host's address; IFA_ADDRESS is the peer's on a
	 * point-to-point link, and the only one IPv6 usually sends. */
	h.addr = local.family ? local : address;
	if (!h.addr.family)
		return 0;
	if (h.plen > (h.addr.family == AF_INET ? 32u : 128u))
		return -DS_E_HOST_NETLINK;
	if (f->n_addrs < DS_HOST_ADDR_MAX)
		f->addrs[f->n_addrs] = h;
	f->n_addrs++;
	return 0;
}

static int
parse_route(const unsigned char *p, size_t len, struct ds_host_facts *f)
{
	struct rtmsg rtm;
	struct ds_host_route h;
	struct attr a;
	size_t off = NLMSG_ALIGN(sizeof(rtm));
	int r;

	if (len < sizeof(rtm))
		return -DS_E_HOST_NETLINK;
	memcpy(&rtm, p, sizeof(rtm));
	if (rtm.rtm_family != AF_INET && rtm.rtm_family != AF_INET6)
		return 0;
	if (rtm.rtm_dst_len > (rtm.rtm_family == AF_INET ? 32u : 128u))
		return -DS_E_HOST_NETLINK;
	memset(&h, 0, sizeof(h));
	h.dst.addr.family = rtm.rtm_family;
	h.dst.len = rtm.rtm_dst_len;
	h.table = rtm.rtm_table;
	h.type = rtm.rtm_type;
	h.cloned = (rtm.rtm_flags & RTM_F_CLONED) != 0;
	while ((r = next_attr(p, len, &off, &a)) > 0) {
		if (a.type == RTA_DST) {
			struct ds_addr d;

			if (addr_of(&a, rtm.rtm_family, &d))
				h.dst.addr = d;
		} else if (a.type == RTA_GATEWAY) {
			addr_of(&a, rtm.rtm_family, &h.gateway);
		} else if (a.type == RTA_OIF) {
			h.oif = u32(&a);
		} else if (a.type == RTA_TABLE) {
			h.table = u32(&a);
		} else if (a.type == RTA_METRICS) {
			struct attr m;
			size_t moff = 0;
			int mr;

			while ((mr = next_attr(a.data, a.len, &moff, &m)) > 0)
				if (m.type == RTAX_MTU)
					h.mtu = u32(&m);
			if (mr < 0)
				return mr;
		}
	}
	if (r < 0)
		return r;
	/* The local and broadcast table says nothing doctor needs, and on a
	 * host with many addresses it is most of the dump. */
	if (h.table != RT_TABLE_MAIN && !h.cloned)
		return 0;
	ds_prefix_normalize(&h.dst);
	if (f->n_routes < DS_HOST_ROUTE_MAX)
		f->routes[f->n_routes] = h;
	f->n_routes++;
	return 0;
}

static int
parse_neigh(const unsigned char *p, size_t len, struct ds_host_facts *f)
{
	struct ndmsg nd;
	struct ds_host_neighbor h;
	struct attr a;
	size_t off = NLMSG_ALIGN(sizeof(nd));
	int r;

	if (len < sizeof(nd))
		return -DS_E_HOST_NETLINK;
	memcpy(&nd, p, sizeof(nd));
	if (nd.ndm_family != AF_INET && nd.ndm_family != AF_INET6)
		return 0;
	memset(&h, 0, sizeof(h));
	h.index = (unsigned)nd.ndm_ifindex;
	h.state = nd.ndm_state;
	h.router = (nd.ndm_flags & NTF_ROUTER) != 0;
	while ((r = next_attr(p, len, &off, &a)) > 0)
		if (a.type == NDA_DST)
			addr_of(&a, nd.ndm_family, &h.addr);
	if (r < 0)
		return r;
	if (!h.addr.family)
		return 0;
	if (f->n_neigh < DS_HOST_NEIGH_MAX)
		f->neigh[f->n_neigh] = h;
	f->n_neigh++;
	return 0;
}

int
ds__host_parse_dump(const void *buf, size_t len, struct ds_host_facts *f)
{
	const unsigned char *p = buf;
	size_t off = 0;

	while (off < len) {
		struct nlmsghdr nh;
		const unsigned char *body;
		size_t blen;
		int r = 0;

		if (len - off < sizeof(nh))
			return -DS_E_HOST_NETLINK;
		memcpy(&nh, p + off, sizeof(nh));
		if (nh.nlmsg_len < NLMSG_HDRLEN || nh.nlmsg_len > len - off)
			return -DS_E_HOST_NETLINK;
		body = p + off + NLMSG_HDRLEN;
		blen = nh.nlmsg_len - NLMSG_HDRLEN;
		switch (nh.nlmsg_type) {
		case NLMSG_DONE:
			return 1;
		case NLMSG_ERROR: {
			int err;

			if (blen < sizeof(err))
				return -DS_E_HOST_NETLINK;
			memcpy(&err, body, sizeof(err));
			/* An errno is negative; anything else is no error
			 * the kernel sends. */
			return err < 0 && err > -4096 ? err
			                              : -DS_E_HOST_NETLINK;
		}
		case RTM_NEWLINK:
			r = parse_link(body, blen, f);
			break;
		case RTM_NEWADDR:
			r = parse_addr(body, blen, f);
			break;
		case RTM_NEWROUTE:
			r = parse_route(body, blen, f);
			break;
		case RTM_NEWNEIGH:
			r = parse_neigh(body, blen, f);
			break;
		default:
			break;
		}
		if (r < 0)
			return r;
		off += NLMSG_ALIGN(nh.nlmsg_len);
	}
	return 0;
}

int
ds_host_sysctl_parse(const char *text, size_t len, int *ret)
{
	long long v = 0;
	size_t i = 0, digits = 0;
	bool neg = false;

	if (!text || !ret)
		return -EINVAL;
	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (i < len && text[i] == '-') {
		neg = true;
		i++;
	}
	for (; i < len && text[i] >= '0' && text[i] <= '9'; i++, digits++) {
		v = v * 10 + (text[i] - '0');
		if (v > (long long)INT_MAX + 1)
			return -DS_E_HOST_SYSCTL;
	}
	if (digits == 0 || i != len)
		return -DS_E_HOST_SYSCTL;
	if (neg)
		v = -v;
	if (v > INT_MAX || v < INT_MIN)
		return -DS_E_HOST_SYSCTL;
	*ret = (int)v;
	return 0;
}

static bool
space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The lines of text, each without its newline and without what follows
 * a '#': calls fn(line, n, number, arg). */
static void
each_line(const char *text, size_t len,
    void (*fn)(const char *l, size_t n, unsigned line, void *arg), void *arg)
{
	size_t pos = 0;
	unsigned line = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *l = text + pos;
		const char *hash = memchr(l, '#', end - pos);
		size_t n = hash ? (size_t)(hash - l) : end - pos;

		line++;
		fn(l, n, line, arg);
		pos = end + 1;
	}
}

/* The next word of l (n bytes) from *i: its start and length, 0 at the
 * end. A NUL ends the line, as it ends a C string for glibc. */
static size_t
next_word(const char *l, size_t n, size_t *i, const char **ret)
{
	size_t start;

	while (*i < n && space(l[*i]))
		(*i)++;
	start = *i;
	while (*i < n && !space(l[*i]) && l[*i] != '\0')
		(*i)++;
	*ret = l + start;
	return *i - start;
}

static void
nss_line(const char *l, size_t n, unsigned line, void *arg)
{
	struct ds_host_nsswitch *ret = arg;
	const char *colon;
	size_t i = 0, k;

	while (i < n && space(l[i]))
		i++;
	colon = memchr(l + i, ':', n - i);
	if (!colon)
		return;
	k = (size_t)(colon - (l + i));
	while (k > 0 && space(l[i + k - 1]))
		k--;
	if (k != 5 || strncasecmp(l + i, "hosts", 5) != 0)
		return;
	/* The last "hosts:" line wins (glibc's nss_database.c). */
	ret->found = true;
	ret->line = line;
	ret->n = 0;
	i = (size_t)(colon - l) + 1;
	for (;;) {
		const char *w;
		size_t wn;

		while (i < n && space(l[i]))
			i++;
		if (i < n && l[i] == '[') {
			/* An action, "[NOTFOUND=return]": not a service. */
			const char *close = memchr(l + i, ']', n - i);

			i = close ? (size_t)(close - l) + 1 : n;
			continue;
		}
		wn = next_word(l, n, &i, &w);
		if (wn == 0)
			break;
		/* A word glued to an action ("dns[...]") ends at '['. */
		{
			const char *b = memchr(w, '[', wn);

			if (b) {
				i = (size_t)(b - l);
				wn = (size_t)(b - w);
			}
		}
		if (ret->n < DS_HOST_NSS_MAX) {
			size_t m = wn < sizeof(ret->service[0]) - 1
			    ? wn
			    : sizeof(ret->service[0]) - 1;

			memcpy(ret->service[ret->n], w, m);
			ret->service[ret->n][m] = '\0';
			ret->n++;
		}
	}
}

int
ds_host_nsswitch_parse(
    const char *text, size_t len, struct ds_host_nsswitch *ret)
{
	if ((!text && len) || !ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	if (text)
		each_line(text, len, nss_line, ret);
	return 0;
}

static void
hosts_line(const char *l, size_t n, unsigned line, void *arg)
{
	struct ds_host_localhost *ret = arg;
	struct ds_addr a;
	const char *w;
	size_t i = 0, wn;
	bool local = false;

	wn = next_word(l, n, &i, &w);
	/* An address with a zone or a prefix is no hosts(5) address. */
	if (wn == 0 || memchr(w, '%', wn) || memchr(w, '/', wn) ||
	    ds_addr_parse(w, wn, 0, &a, NULL) < 0)
		return;
	for (;;) {
		const char *name;
		size_t nn = next_word(l, n, &i, &name);

		if (nn == 0)
			break;
		/* glibc compares host names without case. */
		if (nn == 9 && strncasecmp(name, "localhost", 9) == 0)
			local = true;
	}
	if (!local)
		return;
	if (a.family == AF_INET && (ntohl(a.u.in.s_addr) >> 24) == 127 &&
	    !ret->v4) {
		ret->v4 = true;
		ret->line4 = line;
	} else if (a.family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&a.u.in6) &&
	    !ret->v6) {
		ret->v6 = true;
		ret->line6 = line;
	}
}

int
ds_host_localhost_parse(
    const char *text, size_t len, struct ds_host_localhost *ret)
{
	if ((!text && len) || !ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	if (text)
		each_line(text, len, hosts_line, ret);
	return 0;
}

const char *
ds_host_addr_flag_token(uint32_t flags, unsigned bit, unsigned *ret_bit)
{
	/* <linux/if_addr.h>, in bit order; the words are iproute2's. */
	static const char *const names[] = {
	    "temporary",      /* IFA_F_TEMPORARY 0x01 */
	    "nodad",          /* IFA_F_NODAD */
	    "optimistic",     /* IFA_F_OPTIMISTIC */
	    "dadfailed",      /* IFA_F_DADFAILED */
	    "homeaddress",    /* IFA_F_HOMEADDRESS */
	    "deprecated",     /* IFA_F_DEPRECATED */
	    "tentative",      /* IFA_F_TENTATIVE */
	    "permanent",      /* IFA_F_PERMANENT 0x80 */
	    "mngtmpaddr",     /* IFA_F_MANAGETEMPADDR */
	    "noprefixroute",  /* IFA_F_NOPREFIXROUTE */
	    "autojoin",       /* IFA_F_MCAUTOJOIN */
	    "stable-privacy", /* IFA_F_STABLE_PRIVACY 0x800 */
	};

	for (; bit < ARRAY_SIZE(names); bit++)
		if (flags & (1u << bit)) {
			if (ret_bit)
				*ret_bit = bit;
			return names[bit];
		}
	return NULL;
}
