/* SPDX-License-Identifier: MIT */
/*
 * ds_host checks: what "dualstack doctor" finds in a ds_host_facts, as
 * ds_finding values. Pure: the facts are read elsewhere (host.c), and
 * every judgement here can be tested on facts built by hand.
 *
 * Severity follows one rule: an error is something that does not work
 * (an address DAD rejected, IPv6 unable to run on a link, a router that
 * does not answer); a warning works but not as it should (IPv4 chosen
 * over IPv6, a resolver that can stall for minutes); info is worth
 * knowing. A healthy dual-stack host has no warnings.
 */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "dualstack/connect.h"
#include "dualstack/host.h"

#include "host-int.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* RFC 8200 section 5: every link that carries IPv6 has an MTU of at
 * least 1280 octets; below it the kernel stops IPv6 on the link
 * (IPV6_MIN_MTU, net/ipv6/addrconf.c). */
#define IPV6_MIN_MTU 1280

/*
 * A lookup no server answers may stall programs this long before the
 * warning. glibc's defaults (timeout 5, attempts 2) with the three
 * servers MAXNS allows give 28 s; more than 30 s comes only from raised
 * options.
 */
#define RESOLV_STALL_WARN_S 30

static const char *const check_tokens[] = {
    [DS_HOST_CHECK_CLASS] = "class",
    [DS_HOST_CHECK_ADDRESSES] = "addresses",
    [DS_HOST_CHECK_ROUTES] = "routes",
    [DS_HOST_CHECK_MTU] = "mtu",
    [DS_HOST_CHECK_SOCKETS] = "sockets",
    [DS_HOST_CHECK_POLICY] = "policy",
    [DS_HOST_CHECK_RESOLVER] = "resolver",
    [DS_HOST_CHECK_NSSWITCH] = "nsswitch",
};

static const char *const class_tokens[] = {
    [DS_HOST_CLASS_DUAL_STACK] = "dual-stack",
    [DS_HOST_CLASS_IPV4_ONLY] = "ipv4-only",
    [DS_HOST_CLASS_IPV6_ONLY] = "ipv6-only",
    [DS_HOST_CLASS_ULA_ONLY] = "ula-only",
    [DS_HOST_CLASS_LINK_LOCAL_ONLY] = "link-local-only",
    [DS_HOST_CLASS_NONE] = "none",
};

const char *
ds_host_check_token(enum ds_host_check c)
{
	if ((unsigned)c >= ARRAY_SIZE(check_tokens))
		return NULL;
	return check_tokens[c];
}

int
ds_host_check_parse(const char *s, size_t len, enum ds_host_check *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(check_tokens); i++)
		if (strlen(check_tokens[i]) == len &&
		    memcmp(check_tokens[i], s, len) == 0) {
			*ret = (enum ds_host_check)i;
			return 0;
		}
	return -EINVAL;
}

const char *
ds_host_class_token(enum ds_host_class c)
{
	if ((unsigned)c >= ARRAY_SIZE(class_tokens))
		return NULL;
	return class_tokens[c];
}

/* --- Address kinds, by their first bits ------------------------------- */

static bool
v6_prefix(const struct ds_addr *a, unsigned b0, unsigned b1, unsigned bits)
{
	const unsigned char *p = a->u.in6.s6_addr;
	unsigned v = (unsigned)p[0] << 8 | p[1], want = b0 << 8 | b1;
	unsigned mask = 0xffffu << (16 - bits) & 0xffffu;

	return a->family == AF_INET6 && (v & mask) == (want & mask);
}

/* fe80::/10, RFC 4291 section 2.5.6. */
static bool
is_ll6(const struct ds_addr *a)
{
	return v6_prefix(a, 0xfe, 0x80, 10);
}

/* fc00::/7, RFC 4193. */
static bool
is_ula(const struct ds_addr *a)
{
	return v6_prefix(a, 0xfc, 0x00, 7);
}

/* 2000::/3, global unicast (RFC 4291 section 2.4); Teredo and 6to4
 * inside it included. */
static bool
is_global6(const struct ds_addr *a)
{
	return v6_prefix(a, 0x20, 0x00, 3);
}

/* 2001::/32, RFC 4380. */
static bool
is_teredo(const struct ds_addr *a)
{
	const unsigned char *p = a->u.in6.s6_addr;

	return v6_prefix(a, 0x20, 0x01, 16) && p[2] == 0 && p[3] == 0;
}

/* 2002::/16, RFC 3056. */
static bool
is_6to4(const struct ds_addr *a)
{
	return v6_prefix(a, 0x20, 0x02, 16);
}

/* An IPv4 address that reaches other hosts: not 127/8 (RFC 1122) nor
 * 169.254/16 (RFC 3927). */
static bool
is_usable4(const struct ds_addr *a)
{
	uint32_t v = ntohl(a->u.in.s_addr);

	return a->family == AF_INET && v >> 24 != 127 && v >> 16 != 0xa9fe;
}

/* --- Facts ------------------------------------------------------------ */

const struct ds_host_link *
ds__host_link_of(const struct ds_host_facts *f, unsigned index)
{
	for (size_t i = 0; i < f->n_links && i < DS_HOST_LINK_MAX; i++)
		if (f->links[i].index == index)
			return &f->links[i];
	return NULL;
}

static bool
on_loopback(const struct ds_host_facts *f, unsigned index)
{
	const struct ds_host_link *l = ds__host_link_of(f, index);

	return l && (l->flags & IFF_LOOPBACK);
}

/* An address the host can use as a source: not rejected by DAD, DAD
 * done. */
static bool
usable(const struct ds_host_address *a)
{
	return !(a->flags & (IFA_F_DADFAILED | IFA_F_TENTATIVE));
}

static size_t
n_addrs(const struct ds_host_facts *f)
{
	return f->n_addrs < DS_HOST_ADDR_MAX ? f->n_addrs : DS_HOST_ADDR_MAX;
}

static size_t
n_routes(const struct ds_host_facts *f)
{
	return f->n_routes < DS_HOST_ROUTE_MAX ? f->n_routes
	                                       : DS_HOST_ROUTE_MAX;
}

/* A default route of family in the main table that forwards. */
static const struct ds_host_route *
default_route(const struct ds_host_facts *f, int family, size_t from)
{
	for (size_t i = from; i < n_routes(f); i++) {
		const struct ds_host_route *r = &f->routes[i];

		if (r->dst.addr.family == family && r->dst.len == 0 &&
		    !r->cloned && r->type == RTN_UNICAST)
			return r;
	}
	return NULL;
}

struct counts {
	size_t v4, g6, ula, ll6;
};

static struct counts
count(const struct ds_host_facts *f)
{
	struct counts c = {0};

	for (size_t i = 0; i < n_addrs(f); i++) {
		const struct ds_host_address *a = &f->addrs[i];

		if (on_loopback(f, a->index) || !usable(a))
			continue;
		if (is_usable4(&a->addr))
			c.v4++;
		else if (is_global6(&a->addr))
			c.g6++;
		else if (is_ula(&a->addr))
			c.ula++;
		else if (is_ll6(&a->addr))
			c.ll6++;
	}
	return c;
}

enum ds_host_class
ds_host_class_of(const struct ds_host_facts *f)
{
	struct counts c = count(f);

	if (c.g6 && c.v4)
		return DS_HOST_CLASS_DUAL_STACK;
	if (c.g6)
		return DS_HOST_CLASS_IPV6_ONLY;
	/* RFC 6724 section 10.6: with only a ULA source, a global IPv6
	 * destination loses to IPv4 (rule 2, matching scope... and the
	 * label of fc00::/7), so IPv6 serves only the site. */
	if (c.ula)
		return DS_HOST_CLASS_ULA_ONLY;
	if (c.v4)
		return DS_HOST_CLASS_IPV4_ONLY;
	if (c.ll6)
		return DS_HOST_CLASS_LINK_LOCAL_ONLY;
	return DS_HOST_CLASS_NONE;
}

unsigned
ds_host_resolv_stall_s(const struct ds_resolv_conf *c)
{
	unsigned n = c->n_servers ? (unsigned)c->n_servers : 1;
	unsigned t = c->opts.timeout_s, round = 0, total;

	for (unsigned i = 0; i < n; i++) {
		/* glibc 2.36 send_dg(): retrans << ns, over nscount after
		 * the first server, at least 1 s. */
		unsigned s = t << i;

		if (i > 0)
			s /= n;
		round += s ? s : 1;
	}
	total = round * c->opts.attempts;
	return c->opts.single_request ? 2 * total : total;
}

/* --- Output ----------------------------------------------------------- */

struct out {
	struct ds_finding *ret;
	size_t max, n;
	struct ds_finding scratch;
};

static struct ds_finding *
emit(struct out *o, enum ds_finding_code code, enum ds_severity sev)
{
	struct ds_finding *f = o->n < o->max ? &o->ret[o->n] : &o->scratch;

	o->n++;
	ds_finding_init(f, code, sev);
	return f;
}

static void
add_str(struct ds_finding *f, enum ds_evidence_key k, const char *s)
{
	if (s)
		(void)ds_finding_add_text(f, k, s, strlen(s));
}

static void
subject_link(
    struct ds_finding *f, const struct ds_host_facts *facts, unsigned index)
{
	const struct ds_host_link *l = ds__host_link_of(facts, index);
	char num[16];

	f->subject.key = DS_EVK_INTERFACE;
	f->subject.type = DS_EV_TEXT;
	if (l && l->name[0])
		snprintf(f->subject.v.text, sizeof(f->subject.v.text), "%s",
		    l->name);
	else {
		snprintf(num, sizeof(num), "%u", index);
		snprintf(
		    f->subject.v.text, sizeof(f->subject.v.text), "%s", num);
	}
}

/* "net.ipv6.conf.IF.NAME" as evidence "source". A '.' in the interface
 * name (a VLAN, "eth0.100") is written '/', as sysctl(8) takes it. */
static void
add_sysctl(struct ds_finding *f, const char *ifname, const char *name)
{
	char buf[96];
	int n = snprintf(buf, sizeof(buf), "net.ipv6.conf.");

	for (const char *p = ifname; *p && n < (int)sizeof(buf) - 1; p++)
		buf[n++] = *p == '.' ? '/' : *p;
	snprintf(buf + n, sizeof(buf) - (size_t)n, ".%s", name);
	add_str(f, DS_EVK_SOURCE, buf);
}

/* "PATH:LINE" as evidence "source"; just PATH for line 0. */
static void
add_file_line(struct ds_finding *f, const char *path, unsigned line)
{
	char buf[DS_EVIDENCE_TEXT_MAX];

	if (line)
		snprintf(buf, sizeof(buf), "%s:%u", path, line);
	else
		snprintf(buf, sizeof(buf), "%s", path);
	add_str(f, DS_EVK_SOURCE, buf);
}

static void
unreadable(struct out *o, const char *source, int err)
{
	struct ds_finding *f = emit(o, DS_FIND_HOST_UNREADABLE, DS_SEV_ERROR);

	add_str(f, DS_EVK_SOURCE, source);
	(void)ds_finding_add_errno(f, DS_EVK_ERRNO, err);
}

/* --- The checks ------------------------------------------------------- */

static void
check_class(const struct ds_host_facts *f, struct out *o)
{
	static const enum ds_severity sev[] = {
	    [DS_HOST_CLASS_DUAL_STACK] = DS_SEV_INFO,
	    [DS_HOST_CLASS_IPV4_ONLY] = DS_SEV_WARNING,
	    [DS_HOST_CLASS_IPV6_ONLY] = DS_SEV_INFO,
	    [DS_HOST_CLASS_ULA_ONLY] = DS_SEV_WARNING,
	    [DS_HOST_CLASS_LINK_LOCAL_ONLY] = DS_SEV_WARNING,
	    [DS_HOST_CLASS_NONE] = DS_SEV_ERROR,
	};
	enum ds_host_class cl = ds_host_class_of(f);
	struct counts c = count(f);
	struct ds_finding *x = emit(o, DS_FIND_HOST_CLASS, sev[cl]);

	(void)ds_finding_add_token(x, DS_EVK_CLASS, ds_host_class_token(cl));
	(void)ds_finding_add_uint(x, DS_EVK_IPV4, c.v4);
	(void)ds_finding_add_uint(x, DS_EVK_IPV6, c.g6);
	(void)ds_finding_add_uint(x, DS_EVK_COUNT, c.ula);
	add_str(x, DS_EVK_SOURCE, "rtnetlink RTM_GETADDR");
	if (!f->nat64_asked)
		return;
	/* RFC 7050: without a translator an IPv6-only host reaches no
	 * IPv4-only destination. */
	if (f->nat64 == 1)
		(void)ds_finding_add_prefix(x, DS_EVK_NAT64, &f->nat64_prefix);
	else if (f->nat64 == 0) {
		(void)ds_finding_add_bool(x, DS_EVK_NAT64, false);
		if (cl == DS_HOST_CLASS_IPV6_ONLY)
			x->severity = DS_SEV_WARNING;
	} else
		(void)ds_finding_add_errno(x, DS_EVK_NAT64, f->nat64);
}

static void
addr_finding(struct out *o, const struct ds_host_facts *f,
    const struct ds_host_address *a, enum ds_finding_code code,
    enum ds_severity sev, const char *state)
{
	struct ds_finding *x = emit(o, code, sev);

	subject_link(x, f, a->index);
	(void)ds_finding_add_addr(x, DS_EVK_ADDRESS, &a->addr);
	(void)ds_finding_add_uint(x, DS_EVK_VALUE, a->plen);
	if (state)
		(void)ds_finding_add_token(x, DS_EVK_STATE, state);
	add_str(x, DS_EVK_SOURCE, "rtnetlink RTM_GETADDR");
}

static void
check_addresses(const struct ds_host_facts *f, struct out *o)
{
	for (size_t i = 0; i < n_addrs(f); i++) {
		const struct ds_host_address *a = &f->addrs[i];
		const struct ds_host_link *l = ds__host_link_of(f, a->index);

		if (a->addr.family != AF_INET6)
			continue;
		if (a->flags & IFA_F_DADFAILED) {
			addr_finding(o, f, a, DS_FIND_HOST_DADFAILED,
			    DS_SEV_ERROR, "dadfailed");
			continue;
		}
		if (a->flags & IFA_F_TENTATIVE) {
			/* DAD waits for the link: without carrier the
			 * address stays tentative, unusable, for as long
			 * as the link is down. */
			bool stuck = !l || !(l->flags & IFF_UP) ||
			    !(l->flags & IFF_RUNNING);

			addr_finding(o, f, a, DS_FIND_HOST_TENTATIVE,
			    stuck ? DS_SEV_WARNING : DS_SEV_INFO,
			    stuck ? "no-carrier" : "tentative");
		}
		/* A temporary address past its preferred lifetime is the
		 * rotation working (RFC 8981 section 3.4); any other is a
		 * prefix being withdrawn or renumbered. */
		if ((a->flags & IFA_F_DEPRECATED) &&
		    !(a->flags & IFA_F_TEMPORARY))
			addr_finding(o, f, a, DS_FIND_HOST_DEPRECATED,
			    DS_SEV_WARNING, "deprecated");
		if (is_teredo(&a->addr))
			addr_finding(
			    o, f, a, DS_FIND_HOST_TEREDO, DS_SEV_WARNING, NULL);
		else if (is_6to4(&a->addr))
			addr_finding(
			    o, f, a, DS_FIND_HOST_6TO4, DS_SEV_WARNING, NULL);
	}
	for (size_t i = 0; i < f->n_links && i < DS_HOST_LINK_MAX; i++) {
		const struct ds_host_link *l = &f->links[i];
		bool global = false;
		struct ds_finding *x;

		if (l->disable_ipv6 == 1) {
			x = emit(o, DS_FIND_HOST_IPV6_DISABLED, DS_SEV_WARNING);
			subject_link(x, f, l->index);
			(void)ds_finding_add_uint(x, DS_EVK_VALUE, 1);
			add_sysctl(x, l->name, "disable_ipv6");
			continue;
		}
		for (size_t j = 0; j < n_addrs(f); j++)
			if (f->addrs[j].index == l->index &&
			    is_global6(&f->addrs[j].addr) &&
			    !(f->addrs[j].flags & IFA_F_PERMANENT))
				global = true;
		/* Only where SLAAC made an address does the policy apply
		 * (RFC 8981). */
		if (!global || l->use_tempaddr == DS_HOST_SYSCTL_UNSET)
			continue;
		x = emit(o, DS_FIND_HOST_TEMPADDR, DS_SEV_INFO);
		subject_link(x, f, l->index);
		(void)ds_finding_add_uint(x, DS_EVK_VALUE,
		    (uint64_t)(l->use_tempaddr < 0 ? 0 : l->use_tempaddr));
		add_sysctl(x, l->name, "use_tempaddr");
	}
}

static const char *
nud_token(unsigned state)
{
	if (state & NUD_FAILED)
		return "failed";
	if (state & NUD_INCOMPLETE)
		return "incomplete";
	if (state & NUD_REACHABLE)
		return "reachable";
	if (state & NUD_STALE)
		return "stale";
	if (state & NUD_DELAY)
		return "delay";
	if (state & NUD_PROBE)
		return "probe";
	if (state & NUD_PERMANENT)
		return "permanent";
	if (state & NUD_NOARP)
		return "noarp";
	return "none";
}

static void
check_routes(const struct ds_host_facts *f, struct out *o)
{
	static const int families[] = {AF_INET, AF_INET6};
	struct counts c = count(f);

	for (size_t k = 0; k < ARRAY_SIZE(families); k++) {
		int fam = families[k];
		bool has = fam == AF_INET ? c.v4 > 0 : c.g6 > 0;
		const struct ds_host_route *r = default_route(f, fam, 0);
		struct ds_finding *x;

		if (has && !r) {
			x = emit(
			    o, DS_FIND_HOST_NO_DEFAULT_ROUTE, DS_SEV_WARNING);
			(void)ds_finding_add_uint(
			    x, DS_EVK_FAMILY, (uint64_t)fam);
			for (size_t i = 0; i < n_addrs(f); i++) {
				const struct ds_addr *a = &f->addrs[i].addr;

				if (on_loopback(f, f->addrs[i].index))
					continue;
				if (fam == AF_INET ? is_usable4(a)
				                   : is_global6(a)) {
					(void)ds_finding_add_addr(
					    x, DS_EVK_ADDRESS, a);
					break;
				}
			}
			add_str(x, DS_EVK_SOURCE, "rtnetlink RTM_GETROUTE");
		}
		for (; r;
		     r = default_route(f, fam, (size_t)(r - f->routes) + 1)) {
			const struct ds_host_neighbor *n = NULL;

			if (!r->gateway.family)
				continue;
			for (size_t i = 0;
			     i < f->n_neigh && i < DS_HOST_NEIGH_MAX; i++)
				if (f->neigh[i].index == r->oif &&
				    ds_addr_equal(
				        &f->neigh[i].addr, &r->gateway))
					n = &f->neigh[i];
			/* No entry: nothing asked the router yet, which is
			 * no failure. */
			if (!n || !(n->state & (NUD_FAILED | NUD_INCOMPLETE)))
				continue;
			x = emit(
			    o, DS_FIND_HOST_ROUTER_UNREACHABLE, DS_SEV_ERROR);
			subject_link(x, f, r->oif);
			(void)ds_finding_add_addr(
			    x, DS_EVK_GATEWAY, &r->gateway);
			(void)ds_finding_add_token(
			    x, DS_EVK_STATE, nud_token(n->state));
			(void)ds_finding_add_uint(
			    x, DS_EVK_FAMILY, (uint64_t)fam);
			add_str(x, DS_EVK_SOURCE, "rtnetlink RTM_GETNEIGH");
		}
	}
	for (size_t i = 0; i < f->n_links && i < DS_HOST_LINK_MAX; i++) {
		const struct ds_host_link *l = &f->links[i];
		struct ds_finding *x;

		/* accept_ra=1 means "unless forwarding"; a router that
		 * wants RAs says 2 (ip-sysctl.rst). */
		if (l->forwarding != 1 || l->accept_ra != 1 ||
		    (l->flags & IFF_LOOPBACK))
			continue;
		x = emit(o, DS_FIND_HOST_RA_IGNORED, DS_SEV_WARNING);
		subject_link(x, f, l->index);
		(void)ds_finding_add_uint(x, DS_EVK_VALUE, 1);
		add_sysctl(x, l->name, "forwarding");
	}
}

/* A link that carries packets inside packets (ARPHRD_* of the tunnel
 * drivers, or a tunnel kind). */
static bool
is_tunnel(const struct ds_host_link *l)
{
	static const char *const kinds[] = {"sit", "ipip", "ip6tnl", "gre",
	    "ip6gre", "gretap", "ip6gretap", "vti", "vti6", "wireguard",
	    "vxlan", "geneve", "tun", "ipvlan"};

	if (l->type == ARPHRD_SIT || l->type == ARPHRD_TUNNEL ||
	    l->type == ARPHRD_TUNNEL6 || l->type == ARPHRD_IPGRE ||
	    l->type == 823 /* ARPHRD_IP6GRE, <linux/if_arp.h> only */)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (strcmp(l->kind, kinds[i]) == 0)
			return strcmp(l->kind, "ipvlan") != 0;
	return false;
}

static void
check_mtu(const struct ds_host_facts *f, struct out *o)
{
	for (size_t i = 0; i < f->n_links && i < DS_HOST_LINK_MAX; i++) {
		const struct ds_host_link *l = &f->links[i];
		struct ds_finding *x;

		if (l->mtu > 0 && l->mtu < IPV6_MIN_MTU) {
			x = emit(o, DS_FIND_HOST_MTU_TOO_SMALL, DS_SEV_ERROR);
			subject_link(x, f, l->index);
			(void)ds_finding_add_uint(x, DS_EVK_MTU, l->mtu);
			(void)ds_finding_add_uint(
			    x, DS_EVK_LIMIT, IPV6_MIN_MTU);
			add_str(x, DS_EVK_SOURCE, "rtnetlink RTM_GETLINK");
		}
		if (is_tunnel(l)) {
			x = emit(o, DS_FIND_HOST_TUNNEL, DS_SEV_INFO);
			subject_link(x, f, l->index);
			(void)ds_finding_add_uint(x, DS_EVK_MTU, l->mtu);
			if (l->kind[0])
				add_str(x, DS_EVK_CLASS, l->kind);
			add_str(x, DS_EVK_SOURCE, "rtnetlink RTM_GETLINK");
		}
	}
	for (size_t i = 0; i < n_routes(f); i++) {
		const struct ds_host_route *r = &f->routes[i];
		struct ds_finding *x;

		if (!r->cloned || r->mtu == 0)
			continue;
		x = emit(o, DS_FIND_HOST_PMTU_EXCEPTION, DS_SEV_INFO);
		subject_link(x, f, r->oif);
		(void)ds_finding_add_addr(x, DS_EVK_TARGET, &r->dst.addr);
		(void)ds_finding_add_uint(x, DS_EVK_MTU, r->mtu);
		add_str(x, DS_EVK_SOURCE, "rtnetlink RTM_GETROUTE cache");
	}
}

static void
loopback_result(struct out *o, int family, int err, const char *state)
{
	struct ds_finding *x =
	    emit(o, DS_FIND_HOST_LOOPBACK, err ? DS_SEV_ERROR : DS_SEV_OK);

	(void)ds_finding_add_uint(x, DS_EVK_FAMILY, (uint64_t)family);
	(void)ds_finding_add_token(x, DS_EVK_STATE, state);
	if (err)
		(void)ds_finding_add_errno(x, DS_EVK_ERRNO, err);
}

static void
check_sockets(const struct ds_host_facts *f, struct out *o)
{
	const struct ds_host_selftest *t = &f->selftest;

	if (f->bindv6only == 1) {
		struct ds_finding *x =
		    emit(o, DS_FIND_HOST_BINDV6ONLY, DS_SEV_WARNING);

		(void)ds_finding_add_uint(x, DS_EVK_VALUE, 1);
		add_str(x, DS_EVK_SOURCE, f->bindv6only_src.path);
	} else if (f->bindv6only_src.err && f->bindv6only_src.err != -ENOENT) {
		unreadable(o, f->bindv6only_src.path, f->bindv6only_src.err);
	}
	if (t->listen_err) {
		loopback_result(o, AF_INET6, t->listen_err, "listen");
		return;
	}
	loopback_result(o, AF_INET, t->v4_err, "connect");
	loopback_result(o, AF_INET6, t->v6_err, "connect");
}

static bool
same_rows(const struct ds_policy_row *a, size_t na,
    const struct ds_policy_row *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i].value != b[i].value ||
		    a[i].prefix.len != b[i].prefix.len ||
		    !ds_addr_equal(&a[i].prefix.addr, &b[i].prefix.addr))
			return false;
	return true;
}

static void
check_policy(const struct ds_host_facts *f, struct out *o)
{
	/* Representatives of a global IPv6 and an IPv4 destination; the
	 * documentation prefixes fall in the ::/0 and ::ffff:0:0/96 rows
	 * of every table that does not name them. */
	static const struct ds_addr g6 = {
	    .family = AF_INET6,
	    .u.in6 = {{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	        1}}},
	};
	static const struct ds_addr g4 = {
	    .family = AF_INET,
	    .u.in = {.s_addr = 0},
	};
	struct ds_addr v4 = g4;
	struct ds_policy def;
	unsigned p6 = 0, p4 = 0;
	const char *cls;
	struct ds_finding *x;
	bool same;

	if (f->gai_src.err && f->gai_src.err != -ENOENT)
		unreadable(o, f->gai_src.path, f->gai_src.err);
	v4.u.in.s_addr = htonl(0xc0000201); /* 192.0.2.1 */
	ds_policy_default(&def);
	same = same_rows(f->policy.precedence, f->policy.n_precedence,
	           def.precedence, def.n_precedence) &&
	    same_rows(
	        f->policy.label, f->policy.n_label, def.label, def.n_label);
	(void)ds_policy_lookup(&f->policy, &g6, &p6, NULL);
	(void)ds_policy_lookup(&f->policy, &v4, &p4, NULL);
	/* RFC 6724 rule 6: the higher precedence is tried first. */
	if (p4 > p6)
		cls = "ipv4-first";
	else if (same)
		cls = "default";
	else
		cls = "custom";
	x = emit(
	    o, DS_FIND_HOST_POLICY, p4 > p6 ? DS_SEV_WARNING : DS_SEV_INFO);
	(void)ds_finding_add_token(x, DS_EVK_CLASS, cls);
	(void)ds_finding_add_uint(x, DS_EVK_IPV6, p6);
	(void)ds_finding_add_uint(x, DS_EVK_IPV4, p4);
	(void)ds_finding_add_bool(x, DS_EVK_VALUE, f->gai_src.err == 0);
	add_str(x, DS_EVK_SOURCE, f->gai_src.path ? f->gai_src.path : "");
}

static void
check_resolver(const struct ds_host_facts *f, struct out *o)
{
	const struct ds_resolv_conf *c = &f->resolv;
	const char *path = f->resolv_src.path ? f->resolv_src.path : "";
	size_t n4 = 0, n6 = 0;
	bool remote = false;
	unsigned stall;
	struct ds_finding *x;

	if (f->resolv_src.err && f->resolv_src.err != -ENOENT)
		unreadable(o, path, f->resolv_src.err);
	for (size_t i = 0; i < c->n_servers; i++) {
		const struct ds_addr *a = &c->servers[i];

		if (a->family == AF_INET)
			n4++;
		else
			n6++;
		if (!(a->family == AF_INET ? ntohl(a->u.in.s_addr) >> 24 == 127
		                           : IN6_IS_ADDR_LOOPBACK(&a->u.in6)))
			remote = true;
	}
	/* No server: glibc asks 127.0.0.1 (res_vinit_1()), which on most
	 * hosts nothing answers. */
	x = emit(o, DS_FIND_HOST_RESOLV_SERVERS,
	    c->n_servers ? DS_SEV_INFO : DS_SEV_WARNING);
	(void)ds_finding_add_uint(x, DS_EVK_IPV4, n4);
	(void)ds_finding_add_uint(x, DS_EVK_IPV6, n6);
	if (c->n_servers_ignored)
		(void)ds_finding_add_uint(
		    x, DS_EVK_COUNT, c->n_servers_ignored);
	add_file_line(x, path, c->n_servers ? c->server_line[0] : 0);

	stall = ds_host_resolv_stall_s(c);
	x = emit(o, DS_FIND_HOST_RESOLV_STALL,
	    stall > RESOLV_STALL_WARN_S ? DS_SEV_WARNING : DS_SEV_INFO);
	(void)ds_finding_add_duration(x, DS_EVK_ELAPSED, stall * 1000000ull);
	(void)ds_finding_add_duration(
	    x, DS_EVK_TIMEOUT, c->opts.timeout_s * 1000000ull);
	(void)ds_finding_add_uint(x, DS_EVK_ATTEMPTS, c->opts.attempts);
	(void)ds_finding_add_uint(x, DS_EVK_SERVERS, c->n_servers);
	(void)ds_finding_add_duration(
	    x, DS_EVK_LIMIT, RESOLV_STALL_WARN_S * 1000000ull);
	add_file_line(x, path, c->options_line);

	if (c->opts.single_request || c->opts.single_request_reopen) {
		x = emit(o, DS_FIND_HOST_SINGLE_REQUEST,
		    c->opts.single_request ? DS_SEV_WARNING : DS_SEV_INFO);
		(void)ds_finding_add_token(x, DS_EVK_STATE,
		    c->opts.single_request ? "single-request"
		                           : "single-request-reopen");
		add_file_line(x, path, c->options_line);
	}
	if (c->opts.set & DS_RESOLV_OPT_EDNS0) {
		x = emit(o, DS_FIND_HOST_RESOLV_OPTIONS, DS_SEV_INFO);
		(void)ds_finding_add_token(x, DS_EVK_STATE, "edns0");
		add_file_line(x, path, c->options_line);
	}
	if (c->opts.set & DS_RESOLV_OPT_TRUST_AD) {
		/* The AD bit is only as good as the path it came over: a
		 * resolver on this host, not one across the network
		 * (RFC 6840 section 5.7). */
		x = emit(o, DS_FIND_HOST_RESOLV_OPTIONS,
		    remote ? DS_SEV_WARNING : DS_SEV_INFO);
		(void)ds_finding_add_token(x, DS_EVK_STATE, "trust-ad");
		(void)ds_finding_add_bool(x, DS_EVK_PEER, remote);
		add_file_line(x, path, c->options_line);
	}
	if (c->opts.ndots > 1 && c->n_search > 0) {
		x = emit(o, DS_FIND_HOST_NDOTS_SEARCH, DS_SEV_WARNING);
		(void)ds_finding_add_uint(x, DS_EVK_VALUE, c->opts.ndots);
		(void)ds_finding_add_uint(x, DS_EVK_COUNT, c->n_search);
		add_file_line(x, path, c->options_line);
	}
}

static void
check_nsswitch(const struct ds_host_facts *f, struct out *o)
{
	const struct ds_host_nsswitch *n = &f->nss;
	const char *path = f->nss_src.path ? f->nss_src.path : "";
	int files = -1, dns = -1;
	char line[DS_EVIDENCE_TEXT_MAX];
	size_t len;
	struct ds_finding *x;

	if (f->nss_src.err && f->nss_src.err != -ENOENT)
		unreadable(o, path, f->nss_src.err);
	else {
		for (size_t i = 0; i < n->n && i < DS_HOST_NSS_MAX; i++) {
			if (files < 0 && strcmp(n->service[i], "files") == 0)
				files = (int)i;
			if (dns < 0 &&
			    (strcmp(n->service[i], "dns") == 0 ||
			        strcmp(n->service[i], "resolve") == 0))
				dns = (int)i;
		}
		/* No "hosts:" line: glibc's built-in "dns [!UNAVAIL=return]
		 * files" (nss/nss_database.c). */
		if (!n->found) {
			files = 1;
			dns = 0;
		}
		if (files < 0 || (dns >= 0 && dns < files)) {
			x = emit(o, DS_FIND_HOST_NSSWITCH, DS_SEV_WARNING);
			len = (size_t)snprintf(line, sizeof(line), "hosts:");
			for (size_t i = 0; n->found && i < n->n &&
			     i < DS_HOST_NSS_MAX && len < sizeof(line);
			     i++)
				len += (size_t)snprintf(line + len,
				    sizeof(line) - len, " %s", n->service[i]);
			if (!n->found)
				snprintf(line, sizeof(line), "%s",
				    "hosts: dns [!UNAVAIL=return] files");
			add_str(x, DS_EVK_LINE, line);
			add_file_line(x, path, n->line);
		}
	}

	if (f->hosts_src.err) {
		if (f->hosts_src.err != -ENOENT)
			unreadable(o, f->hosts_src.path, f->hosts_src.err);
	}
	if (!f->localhost.v6) {
		x = emit(o, DS_FIND_HOST_LOCALHOST, DS_SEV_WARNING);
		(void)ds_finding_add_uint(x, DS_EVK_FAMILY, AF_INET6);
		add_file_line(x, f->hosts_src.path ? f->hosts_src.path : "", 0);
	}
	if (!f->localhost.v4) {
		x = emit(o, DS_FIND_HOST_LOCALHOST, DS_SEV_WARNING);
		(void)ds_finding_add_uint(x, DS_EVK_FAMILY, AF_INET);
		add_file_line(x, f->hosts_src.path ? f->hosts_src.path : "", 0);
	}
}

size_t
ds_host_check_run(const struct ds_host_facts *f, unsigned mask,
    struct ds_finding *ret, size_t max)
{
	struct out o = {.ret = ret, .max = ret ? max : 0};
	static const struct {
		const char *source;
		size_t off;
		unsigned needed_by;
	} dumps[] = {
	    {"rtnetlink RTM_GETLINK", offsetof(struct ds_host_facts, links_err),
	        ~0u},
	    {"rtnetlink RTM_GETADDR", offsetof(struct ds_host_facts, addrs_err),
	        ~0u},
	    {"rtnetlink RTM_GETROUTE",
	        offsetof(struct ds_host_facts, routes_err),
	        1u << DS_HOST_CHECK_ROUTES | 1u << DS_HOST_CHECK_MTU},
	    {"rtnetlink RTM_GETNEIGH",
	        offsetof(struct ds_host_facts, neigh_err),
	        1u << DS_HOST_CHECK_ROUTES},
	};
	static const unsigned kernel = 1u << DS_HOST_CHECK_CLASS |
	    1u << DS_HOST_CHECK_ADDRESSES | 1u << DS_HOST_CHECK_ROUTES |
	    1u << DS_HOST_CHECK_MTU;

	for (size_t i = 0; i < ARRAY_SIZE(dumps); i++) {
		int err = *(const int *)((const char *)f + dumps[i].off);

		if (err && (mask & kernel & dumps[i].needed_by))
			unreadable(&o, dumps[i].source, err);
	}
	if (mask & 1u << DS_HOST_CHECK_CLASS)
		check_class(f, &o);
	if (mask & 1u << DS_HOST_CHECK_ADDRESSES)
		check_addresses(f, &o);
	if (mask & 1u << DS_HOST_CHECK_ROUTES)
		check_routes(f, &o);
	if (mask & 1u << DS_HOST_CHECK_MTU)
		check_mtu(f, &o);
	if (mask & 1u << DS_HOST_CHECK_SOCKETS)
		check_sockets(f, &o);
	if (mask & 1u << DS_HOST_CHECK_POLICY)
		check_policy(f, &o);
	if (mask & 1u << DS_HOST_CHECK_RESOLVER)
		check_resolver(f, &o);
	if (mask & 1u << DS_HOST_CHECK_NSSWITCH)
		check_nsswitch(f, &o);
	return o.n;
}

size_t
ds_host_probe_findings(const char *host, uint16_t port,
    const struct ds_connect_result *r, const struct ds_he_event *trace,
    size_t n, struct ds_finding *ret, size_t max)
{
	struct out o = {.ret = ret, .max = ret ? max : 0};
	unsigned n6 = 0, n4 = 0;
	uint64_t resolved = 0;
	bool answered = false;
	struct ds_finding *x;

	for (size_t i = 0; i < n; i++) {
		const struct ds_he_event *e = &trace[i];

		if (e->type != DS_HE_EV_ANSWER)
			continue;
		if (e->qtype == DS_RESOLVE_AAAA)
			n6 = e->count;
		else if (e->qtype == DS_RESOLVE_A)
			n4 = e->count;
		/* The lookup is done when its last query is. */
		if (e->t_us > resolved)
			resolved = e->t_us;
		answered = true;
	}
	x = emit(&o, r->err ? DS_FIND_HOST_PROBE_FAILED : DS_FIND_HOST_PROBE,
	    r->err ? DS_SEV_ERROR : DS_SEV_INFO);
	if (host) {
		x->subject.key = DS_EVK_TARGET;
		x->subject.type = DS_EV_TEXT;
		snprintf(
		    x->subject.v.text, sizeof(x->subject.v.text), "%s", host);
	}
	(void)ds_finding_add_uint(x, DS_EVK_PORT, port);
	if (r->err)
		(void)ds_finding_add_errno(x, DS_EVK_ERRNO, r->err);
	else {
		(void)ds_finding_add_endpoint(x, DS_EVK_PEER, &r->remote);
		(void)ds_finding_add_uint(
		    x, DS_EVK_FAMILY, (uint64_t)r->remote.addr.family);
	}
	(void)ds_finding_add_duration(x, DS_EVK_ELAPSED, r->elapsed_us);
	(void)ds_finding_add_uint(x, DS_EVK_ATTEMPTS, r->attempts);
	if (answered) {
		(void)ds_finding_add_uint(x, DS_EVK_IPV6, n6);
		(void)ds_finding_add_uint(x, DS_EVK_IPV4, n4);
		(void)ds_finding_add_duration(x, DS_EVK_RESOLVE, resolved);
	}
	if (r->err || r->remote.addr.family != AF_INET)
		return o.n;
	/* IPv4 won: what became of each IPv6 attempt. */
	for (size_t i = 0; i < n; i++) {
		const struct ds_he_event *e = &trace[i];
		bool timeout;

		if ((e->type != DS_HE_EV_CANCELLED &&
		        e->type != DS_HE_EV_FAILED) ||
		    e->ep.addr.family != AF_INET6)
			continue;
		/* Cancelled: still waiting for an answer when IPv4
		 * connected, so the attempt delay (RFC 8305 section 5) was
		 * spent on it. */
		timeout = e->type == DS_HE_EV_CANCELLED;
		x = emit(&o, DS_FIND_HOST_PROBE_V6_LOST,
		    timeout ? DS_SEV_WARNING : DS_SEV_INFO);
		(void)ds_finding_add_endpoint(x, DS_EVK_TARGET, &e->ep);
		(void)ds_finding_add_token(
		    x, DS_EVK_STATE, timeout ? "timeout" : "failed");
		if (!timeout)
			(void)ds_finding_add_errno(x, DS_EVK_ERRNO, e->err);
		(void)ds_finding_add_duration(x, DS_EVK_ELAPSED, e->elapsed_us);
		(void)ds_finding_add_endpoint(x, DS_EVK_PEER, &r->remote);
	}
	return o.n;
}
