/* SPDX-License-Identifier: MIT */
/*
 * ds_host's pure parts: the parsers (sysctl values, nsswitch.conf's
 * hosts line, /etc/hosts localhost lines, whole resolv.conf files,
 * rtnetlink dumps built byte by byte, address flags), each with hostile
 * input beside the good; and the checks, on facts built by hand.
 */
#include <errno.h>
#include <limits.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dualstack/connect.h"
#include "dualstack/error.h"
#include "dualstack/host.h"

#include "host-int.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void
test_sysctl(void **state)
{
	static const struct {
		const char *text;
		int r, v;
	} cases[] = {
	    {"0\n", 0, 0},
	    {"1", 0, 1},
	    {"-1\n", 0, -1},
	    {"1280\n", 0, 1280},
	    {"2147483647\n", 0, INT_MAX},
	    {"-2147483648\n", 0, INT_MIN},
	    {"2147483648\n", -DS_E_HOST_SYSCTL, 0},
	    {"99999999999999999999999\n", -DS_E_HOST_SYSCTL, 0},
	    {"", -DS_E_HOST_SYSCTL, 0},
	    {"\n", -DS_E_HOST_SYSCTL, 0},
	    {"-", -DS_E_HOST_SYSCTL, 0},
	    {"1\n\n", -DS_E_HOST_SYSCTL, 0},
	    {" 1", -DS_E_HOST_SYSCTL, 0},
	    {"1 2\n", -DS_E_HOST_SYSCTL, 0},
	    {"0x10", -DS_E_HOST_SYSCTL, 0},
	    {"+1", -DS_E_HOST_SYSCTL, 0},
	};
	int v;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		v = 12345;
		assert_int_equal(ds_host_sysctl_parse(
		                     cases[i].text, strlen(cases[i].text), &v),
		    cases[i].r);
		assert_int_equal(v, cases[i].r == 0 ? cases[i].v : 12345);
	}
	/* A NUL inside is no digit. */
	assert_int_equal(ds_host_sysctl_parse("1\0", 2, &v), -DS_E_HOST_SYSCTL);
	assert_int_equal(ds_host_sysctl_parse(NULL, 0, &v), -EINVAL);
}

static void
test_nsswitch(void **state)
{
	static const struct {
		const char *text;
		bool found;
		const char *services; /* space-separated */
		unsigned line;
	} cases[] = {
	    {"hosts: files dns\n", true, "files dns", 1},
	    {"passwd: files\nhosts:\tfiles mdns4_minimal [NOTFOUND=return] "
	     "dns myhostname\n",
	        true, "files mdns4_minimal dns myhostname", 2},
	    {"# hosts: dns files\n", false, "", 0},
	    {"hosts: dns files # files first? no\n", true, "dns files", 1},
	    {"HOSTS : files\n", true, "files", 1},
	    {"hosts: files\nhosts: dns\n", true, "dns", 2},
	    {"hostsx: dns\n", false, "", 0},
	    {"hosts:dns[!UNAVAIL=return]files", true, "dns files", 1},
	    {"hosts: [unterminated files dns", true, "", 1},
	    {"hosts:", true, "", 1},
	    {"", false, "", 0},
	    {"hosts: a b c d e f g h i j k\n", true, "a b c d e f g h", 1},
	    {"hosts: averyveryveryverylongservicenamethatiscut\n", true,
	        "averyveryveryverylongse", 1},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ds_host_nsswitch n;
		char joined[256] = "";

		assert_int_equal(ds_host_nsswitch_parse(
		                     cases[i].text, strlen(cases[i].text), &n),
		    0);
		assert_int_equal(n.found, cases[i].found);
		assert_int_equal(n.line, cases[i].line);
		for (size_t k = 0; k < n.n; k++) {
			if (k)
				strcat(joined, " ");
			strcat(joined, n.service[k]);
		}
		assert_string_equal(joined, cases[i].services);
	}
	assert_int_equal(ds_host_nsswitch_parse(NULL, 1, NULL), -EINVAL);
}

static void
test_localhost(void **state)
{
	static const struct {
		const char *text;
		bool v4, v6;
		unsigned line4, line6;
	} cases[] = {
	    {"127.0.0.1 localhost\n::1 localhost ip6-localhost\n", true, true,
	        1, 2},
	    {"127.0.0.1 localhost\n", true, false, 1, 0},
	    {"::1 ip6-localhost ip6-loopback\n", false, false, 0, 0},
	    {"# ::1 localhost\n127.0.1.1\tvm LocalHost\n", true, false, 2, 0},
	    {"::1 localhost.localdomain\n", false, false, 0, 0},
	    {"0:0:0:0:0:0:0:1 localhost\n", false, true, 0, 1},
	    {"::1%lo localhost\n", false, false, 0, 0},
	    {"::1/128 localhost\n", false, false, 0, 0},
	    {"2001:db8::1 localhost\n", false, false, 0, 0},
	    {"localhost ::1\n", false, false, 0, 0},
	    {"::1", false, false, 0, 0},
	    {"::1 #localhost\n", false, false, 0, 0},
	    {"\n\n\n::1 localhost", false, true, 0, 4},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ds_host_localhost l;

		assert_int_equal(ds_host_localhost_parse(
		                     cases[i].text, strlen(cases[i].text), &l),
		    0);
		assert_int_equal(l.v4, cases[i].v4);
		assert_int_equal(l.v6, cases[i].v6);
		assert_int_equal(l.line4, cases[i].line4);
		assert_int_equal(l.line6, cases[i].line6);
	}
}

static void
test_resolv_conf(void **state)
{
	static const char text[] =
	    "# comment\n"
	    "nameserver 192.0.2.53\n"
	    "nameserver\t2001:db8::53 # trailing\n"
	    "nameserver not-an-address\n"
	    "nameserver 198.51.100.53\n"
	    "nameserver 203.0.113.53\n"
	    "nameserverx 192.0.2.1\n"
	    "search a.example b.example c.example\n"
	    "options timeout:30 attempts:5 single-request edns0\n";
	struct ds_resolv_conf c;

	(void)state;
	assert_int_equal(ds_resolv_conf_parse_all(text, strlen(text), &c), 0);
	assert_int_equal(c.n_servers, 3);
	assert_int_equal(c.servers[0].family, AF_INET);
	assert_int_equal(c.servers[1].family, AF_INET6);
	assert_int_equal(c.server_line[1], 3);
	assert_int_equal(c.server_line[2], 5);
	/* The bad address and the fourth server. */
	assert_int_equal(c.n_servers_ignored, 2);
	assert_int_equal(c.n_search, 3);
	assert_int_equal(c.search_line, 8);
	assert_int_equal(c.options_line, 9);
	assert_int_equal(c.opts.timeout_s, 30);
	assert_int_equal(c.opts.attempts, 5);
	assert_true(c.opts.single_request);
	assert_true(c.opts.set & DS_RESOLV_OPT_EDNS0);
	/* glibc: three servers, timeout 30 << i / 3 after the first:
	 * 30 + 20 + 40 = 90 per round, five rounds, doubled. */
	assert_int_equal(ds_host_resolv_stall_s(&c), 900);

	/* "domain" is a search list of one; the last line wins. */
	assert_int_equal(
	    ds_resolv_conf_parse_all("search a b c\ndomain x\n", 22, &c), 0);
	assert_int_equal(c.n_search, 1);
	/* Nothing: glibc's defaults, one server assumed for the stall. */
	assert_int_equal(ds_resolv_conf_parse_all("", 0, &c), 0);
	assert_int_equal(c.n_servers, 0);
	assert_int_equal(ds_host_resolv_stall_s(&c), 10);
	/* A NUL ends a line's words; no read past len. */
	assert_int_equal(
	    ds_resolv_conf_parse_all("nameserver 192.0.2.1\0junk", 25, &c), 0);
	assert_int_equal(c.n_servers, 1);
	/* CRLF line ends: the '\r' ends the address, as for "dns". */
	assert_int_equal(
	    ds_resolv_conf_parse_all("nameserver 192.0.2.1\r\n", 22, &c), 0);
	assert_int_equal(c.n_servers, 1);
	assert_int_equal(c.n_servers_ignored, 0);
	assert_int_equal(ds_resolv_conf_parse_all(NULL, 3, &c), -EINVAL);
}

/* --- rtnetlink dumps built by hand ------------------------------------ */

struct msg {
	unsigned char b[4096] __attribute__((aligned(4)));
	size_t len;
};

static void
put(struct msg *m, const void *p, size_t n)
{
	assert_true(m->len + n <= sizeof(m->b));
	if (n)
		memcpy(m->b + m->len, p, n);
	m->len += n;
	while (m->len % 4)
		m->b[m->len++] = 0;
}

/* Start a message; returns its offset, to be closed by end(). */
static size_t
begin(struct msg *m, unsigned short type, const void *hdr, size_t n)
{
	struct nlmsghdr nh = {.nlmsg_type = type};
	size_t at = m->len;

	put(m, &nh, sizeof(nh));
	put(m, hdr, n);
	return at;
}

static void
attr(struct msg *m, unsigned short type, const void *p, size_t n)
{
	struct rtattr rta = {
	    .rta_len = (unsigned short)RTA_LENGTH(n), .rta_type = type};

	memcpy(m->b + m->len, &rta, sizeof(rta));
	m->len += sizeof(rta);
	put(m, p, n);
}

static void
end(struct msg *m, size_t at)
{
	uint32_t len = (uint32_t)(m->len - at);

	memcpy(m->b + at, &len, sizeof(len));
}

static void
done(struct msg *m)
{
	struct nlmsghdr nh = {
	    .nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = NLMSG_DONE};
	int zero = 0;

	nh.nlmsg_len += sizeof(zero);
	put(m, &nh, sizeof(nh));
	put(m, &zero, sizeof(zero));
}

static void
test_dump(void **state)
{
	static struct ds_host_facts f;
	struct msg m = {.len = 0};
	struct ifinfomsg ifi = {.ifi_index = 2, .ifi_flags = IFF_UP};
	struct ifaddrmsg ifa = {
	    .ifa_family = AF_INET6, .ifa_prefixlen = 64, .ifa_index = 2};
	struct rtmsg rtm = {.rtm_family = AF_INET6,
	    .rtm_table = RT_TABLE_MAIN,
	    .rtm_type = RTN_UNICAST};
	struct ndmsg nd = {
	    .ndm_family = AF_INET6, .ndm_ifindex = 2, .ndm_state = NUD_FAILED};
	unsigned char a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	unsigned char gw[16] = {0xfe, 0x80, [15] = 1};
	uint32_t mtu = 1279, flags = IFA_F_DADFAILED | IFA_F_PERMANENT;
	size_t at, nested;
	char kind[] = "veth";

	(void)state;
	at = begin(&m, RTM_NEWLINK, &ifi, sizeof(ifi));
	attr(&m, IFLA_IFNAME, "veth0", 6);
	attr(&m, IFLA_MTU, &mtu, 4);
	nested = m.len;
	attr(&m, IFLA_LINKINFO, NULL, 0);
	attr(&m, IFLA_INFO_KIND, kind, sizeof(kind));
	{
		unsigned short n = (unsigned short)(m.len - nested);

		memcpy(m.b + nested, &n, sizeof(n));
	}
	end(&m, at);
	at = begin(&m, RTM_NEWADDR, &ifa, sizeof(ifa));
	attr(&m, IFA_ADDRESS, a6, 16);
	attr(&m, IFA_FLAGS, &flags, 4);
	end(&m, at);
	at = begin(&m, RTM_NEWROUTE, &rtm, sizeof(rtm));
	attr(&m, RTA_GATEWAY, gw, 16);
	{
		uint32_t oif = 2;

		attr(&m, RTA_OIF, &oif, 4);
	}
	end(&m, at);
	at = begin(&m, RTM_NEWNEIGH, &nd, sizeof(nd));
	attr(&m, NDA_DST, gw, 16);
	end(&m, at);

	memset(&f, 0, sizeof(f));
	assert_int_equal(ds__host_parse_dump(m.b, m.len, &f), 0);
	assert_int_equal(f.n_links, 1);
	assert_string_equal(f.links[0].name, "veth0");
	assert_string_equal(f.links[0].kind, "veth");
	assert_int_equal(f.links[0].mtu, 1279);
	assert_int_equal(f.n_addrs, 1);
	assert_int_equal(f.addrs[0].plen, 64);
	assert_int_equal(f.addrs[0].flags, flags);
	assert_memory_equal(&f.addrs[0].addr.u.in6, a6, 16);
	assert_int_equal(f.n_routes, 1);
	assert_int_equal(f.routes[0].dst.len, 0);
	assert_int_equal(f.routes[0].oif, 2);
	assert_int_equal(f.routes[0].gateway.family, AF_INET6);
	assert_int_equal(f.n_neigh, 1);
	assert_int_equal(f.neigh[0].state, NUD_FAILED);

	/* The dump ends with NLMSG_DONE. */
	done(&m);
	memset(&f, 0, sizeof(f));
	assert_int_equal(ds__host_parse_dump(m.b, m.len, &f), 1);

	/* Every cut short of the whole is refused or read within bounds:
	 * never a read past len (ASan watches the copy's end). */
	for (size_t cut = 1; cut < m.len; cut++) {
		unsigned char *copy = malloc(cut);
		int r;

		memcpy(copy, m.b, cut);
		memset(&f, 0, sizeof(f));
		r = ds__host_parse_dump(copy, cut, &f);
		assert_true(r == 0 || r == -DS_E_HOST_NETLINK);
		free(copy);
	}
}

static void
test_dump_hostile(void **state)
{
	static struct ds_host_facts f;
	struct msg m = {.len = 0};
	struct ifaddrmsg ifa = {.ifa_family = AF_INET6, .ifa_prefixlen = 200};
	unsigned char a6[16] = {0x20, 0x01};
	struct nlmsghdr nh = {.nlmsg_len = 8, .nlmsg_type = RTM_NEWLINK};
	size_t at;

	(void)state;
	/* A prefix length past 128. */
	at = begin(&m, RTM_NEWADDR, &ifa, sizeof(ifa));
	attr(&m, IFA_ADDRESS, a6, 16);
	end(&m, at);
	memset(&f, 0, sizeof(f));
	assert_int_equal(
	    ds__host_parse_dump(m.b, m.len, &f), -DS_E_HOST_NETLINK);

	/* A header shorter than itself, and one longer than the buffer. */
	assert_int_equal(
	    ds__host_parse_dump(&nh, sizeof(nh), &f), -DS_E_HOST_NETLINK);
	nh.nlmsg_len = 4096;
	assert_int_equal(
	    ds__host_parse_dump(&nh, sizeof(nh), &f), -DS_E_HOST_NETLINK);

	/* An attribute longer than its message. */
	m.len = 0;
	ifa.ifa_prefixlen = 64;
	at = begin(&m, RTM_NEWADDR, &ifa, sizeof(ifa));
	attr(&m, IFA_ADDRESS, a6, 16);
	{
		unsigned short bad = 400;

		memcpy(m.b + at + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifa)), &bad,
		    sizeof(bad));
	}
	end(&m, at);
	assert_int_equal(
	    ds__host_parse_dump(m.b, m.len, &f), -DS_E_HOST_NETLINK);

	/* An address of the wrong length is skipped, not read. */
	m.len = 0;
	at = begin(&m, RTM_NEWADDR, &ifa, sizeof(ifa));
	attr(&m, IFA_ADDRESS, a6, 5);
	end(&m, at);
	memset(&f, 0, sizeof(f));
	assert_int_equal(ds__host_parse_dump(m.b, m.len, &f), 0);
	assert_int_equal(f.n_addrs, 0);

	/* An error reply gives its errno. */
	{
		struct {
			struct nlmsghdr nh;
			int err;
		} e = {{.nlmsg_len = sizeof(e), .nlmsg_type = NLMSG_ERROR},
		    -EPERM};

		assert_int_equal(
		    ds__host_parse_dump(&e, sizeof(e), &f), -EPERM);
		e.err = 5;
		assert_int_equal(
		    ds__host_parse_dump(&e, sizeof(e), &f), -DS_E_HOST_NETLINK);
	}
}

static void
test_flag_tokens(void **state)
{
	uint32_t flags = IFA_F_TEMPORARY | IFA_F_DADFAILED | IFA_F_PERMANENT |
	    IFA_F_STABLE_PRIVACY;
	const char *want[] = {
	    "temporary", "dadfailed", "permanent", "stable-privacy"};
	unsigned bit = 0, at;
	size_t n = 0;
	const char *t;

	(void)state;
	while ((t = ds_host_addr_flag_token(flags, bit, &at))) {
		assert_true(n < ARRAY_SIZE(want));
		assert_string_equal(t, want[n++]);
		bit = at + 1;
	}
	assert_int_equal(n, ARRAY_SIZE(want));
	assert_null(ds_host_addr_flag_token(0, 0, &at));
	assert_null(ds_host_addr_flag_token(1u << 31, 0, &at));
	assert_string_equal(
	    ds_host_addr_flag_token(IFA_F_TENTATIVE, 0, NULL), "tentative");
	assert_string_equal(
	    ds_host_addr_flag_token(IFA_F_DEPRECATED, 0, NULL), "deprecated");
}

/* --- The checks on facts built by hand -------------------------------- */

static struct ds_host_facts facts;

static struct ds_host_link *
add_link(const char *name, unsigned index, unsigned flags)
{
	struct ds_host_link *l = &facts.links[facts.n_links++];

	ds__host_link_init(l);
	strcpy(l->name, name);
	l->index = index;
	l->flags = flags;
	l->mtu = 1500;
	l->disable_ipv6 = 0;
	l->accept_ra = 1;
	l->forwarding = 0;
	return l;
}

static struct ds_host_address *
add_addr(const char *text, unsigned index, uint32_t flags)
{
	struct ds_host_address *a = &facts.addrs[facts.n_addrs++];

	memset(a, 0, sizeof(*a));
	assert_int_equal(
	    ds_addr_parse(text, strlen(text), 0, &a->addr, NULL), 0);
	a->index = index;
	a->plen = a->addr.family == AF_INET ? 24 : 64;
	a->flags = flags | IFA_F_PERMANENT;
	return a;
}

static struct ds_host_route *
add_default(int family, const char *gw, unsigned oif)
{
	struct ds_host_route *r = &facts.routes[facts.n_routes++];

	memset(r, 0, sizeof(*r));
	r->dst.addr.family = family;
	r->table = 254;
	r->type = RTN_UNICAST;
	r->oif = oif;
	if (gw)
		assert_int_equal(
		    ds_addr_parse(gw, strlen(gw), 0, &r->gateway, NULL), 0);
	return r;
}

/* A healthy dual-stack host: lo and eth0 with both families and both
 * default routes, files as a Debian install has them. */
static void
healthy(void)
{
	static const char resolv[] = "nameserver 2001:db8::53\n"
	                             "nameserver 192.0.2.53\n";
	static const char hosts[] = "127.0.0.1 localhost\n::1 localhost\n";
	static const char nss[] = "hosts: files dns\n";

	memset(&facts, 0, sizeof(facts));
	add_link("lo", 1, IFF_UP | IFF_RUNNING | IFF_LOOPBACK)->mtu = 65536;
	add_link("eth0", 2, IFF_UP | IFF_RUNNING);
	add_addr("127.0.0.1", 1, 0);
	add_addr("::1", 1, 0);
	add_addr("192.0.2.10", 2, 0);
	add_addr("2001:db8::10", 2, 0);
	add_addr("fe80::10", 2, 0);
	add_default(AF_INET, "192.0.2.1", 2);
	add_default(AF_INET6, "fe80::1", 2);
	facts.bindv6only = 0;
	(void)ds_resolv_conf_parse_all(resolv, strlen(resolv), &facts.resolv);
	facts.resolv_src.path = "/etc/resolv.conf";
	ds_policy_default(&facts.policy);
	facts.gai_src.path = "/etc/gai.conf";
	facts.gai_src.err = -ENOENT;
	(void)ds_host_nsswitch_parse(nss, strlen(nss), &facts.nss);
	facts.nss_src.path = "/etc/nsswitch.conf";
	(void)ds_host_localhost_parse(hosts, strlen(hosts), &facts.localhost);
	facts.hosts_src.path = "/etc/hosts";
}

static struct ds_finding found[64];
static size_t n_found;

static void
run(void)
{
	n_found = ds_host_check_run(&facts, DS_HOST_CHECK_ALL, found, 64);
	assert_true(n_found <= 64);
}

static const struct ds_finding *
find(enum ds_finding_code code)
{
	for (size_t i = 0; i < n_found; i++)
		if (found[i].code == code)
			return &found[i];
	return NULL;
}

static size_t
count_at_least(enum ds_severity s)
{
	size_t n = 0;

	for (size_t i = 0; i < n_found; i++)
		n += found[i].severity >= s;
	return n;
}

static const char *
token(const struct ds_finding *f, enum ds_evidence_key k)
{
	const struct ds_evidence *e = ds_finding_get(f, k);

	assert_non_null(e);
	return e->type == DS_EV_TOKEN ? e->v.token : e->v.text;
}

static void
test_check_healthy(void **state)
{
	const struct ds_finding *f;

	(void)state;
	healthy();
	run();
	assert_int_equal(count_at_least(DS_SEV_WARNING), 0);
	f = find(DS_FIND_HOST_CLASS);
	assert_non_null(f);
	assert_string_equal(token(f, DS_EVK_CLASS), "dual-stack");
	f = find(DS_FIND_HOST_POLICY);
	assert_string_equal(token(f, DS_EVK_CLASS), "default");
	/* Only the groups asked for. */
	n_found =
	    ds_host_check_run(&facts, 1u << DS_HOST_CHECK_CLASS, found, 64);
	assert_int_equal(n_found, 1);
	/* The count is right when nothing is stored. */
	assert_true(ds_host_check_run(&facts, DS_HOST_CHECK_ALL, NULL, 0) > 3);
}

static void
test_check_classes(void **state)
{
	(void)state;
	/* ULA only, with IPv4: IPv4 wins for global destinations. */
	healthy();
	add_addr("fd00::10", 2, 0);
	facts.addrs[3].addr = facts.addrs[5].addr;
	facts.n_addrs = 5;
	assert_int_equal(ds_host_class_of(&facts), DS_HOST_CLASS_ULA_ONLY);
	/* Link-local only, no IPv4. */
	healthy();
	facts.n_addrs = 2;
	add_addr("fe80::10", 2, 0);
	assert_int_equal(
	    ds_host_class_of(&facts), DS_HOST_CLASS_LINK_LOCAL_ONLY);
	/* Nothing but loopback. */
	facts.n_addrs = 2;
	assert_int_equal(ds_host_class_of(&facts), DS_HOST_CLASS_NONE);
	/* A global address DAD rejected does not count. */
	healthy();
	facts.addrs[3].flags |= IFA_F_DADFAILED;
	assert_int_equal(ds_host_class_of(&facts), DS_HOST_CLASS_IPV4_ONLY);
	run();
	assert_non_null(find(DS_FIND_HOST_DADFAILED));
	assert_int_equal(find(DS_FIND_HOST_CLASS)->severity, DS_SEV_WARNING);
	/* IPv6 only. */
	healthy();
	facts.addrs[2] = facts.addrs[3];
	facts.n_addrs = 4;
	assert_int_equal(ds_host_class_of(&facts), DS_HOST_CLASS_IPV6_ONLY);
}

static void
test_check_findings(void **state)
{
	const struct ds_finding *f;

	(void)state;
	/* A global address without a default route. */
	healthy();
	facts.n_routes = 1;
	run();
	f = find(DS_FIND_HOST_NO_DEFAULT_ROUTE);
	assert_non_null(f);
	assert_int_equal(ds_finding_uint(f, DS_EVK_FAMILY, 0), AF_INET6);

	/* The default router's neighbour entry failed. */
	healthy();
	{
		struct ds_host_neighbor *n = &facts.neigh[facts.n_neigh++];

		assert_int_equal(
		    ds_addr_parse("fe80::1", 7, 0, &n->addr, NULL), 0);
		n->index = 2;
		n->state = NUD_FAILED;
	}
	run();
	f = find(DS_FIND_HOST_ROUTER_UNREACHABLE);
	assert_non_null(f);
	assert_string_equal(token(f, DS_EVK_STATE), "failed");
	/* ... on another interface it is another neighbour. */
	facts.neigh[0].index = 3;
	run();
	assert_null(find(DS_FIND_HOST_ROUTER_UNREACHABLE));

	/* forwarding=1 with accept_ra=1; accept_ra=2 is the fix. */
	healthy();
	facts.links[1].forwarding = 1;
	run();
	f = find(DS_FIND_HOST_RA_IGNORED);
	assert_non_null(f);
	assert_string_equal(
	    token(f, DS_EVK_SOURCE), "net.ipv6.conf.eth0.forwarding");
	facts.links[1].accept_ra = 2;
	run();
	assert_null(find(DS_FIND_HOST_RA_IGNORED));
	/* A VLAN's name as sysctl(8) takes it. */
	strcpy(facts.links[1].name, "eth0.100");
	facts.links[1].accept_ra = 1;
	run();
	assert_string_equal(token(find(DS_FIND_HOST_RA_IGNORED), DS_EVK_SOURCE),
	    "net.ipv6.conf.eth0/100.forwarding");

	/* MTU: 1280 is allowed, 1279 is not (RFC 8200 section 5). */
	healthy();
	facts.links[1].mtu = 1280;
	run();
	assert_null(find(DS_FIND_HOST_MTU_TOO_SMALL));
	facts.links[1].mtu = 1279;
	run();
	assert_non_null(find(DS_FIND_HOST_MTU_TOO_SMALL));

	/* Tunnels, by kind or by link type, with their MTU. */
	healthy();
	strcpy(facts.links[1].kind, "wireguard");
	facts.links[1].mtu = 1420;
	run();
	f = find(DS_FIND_HOST_TUNNEL);
	assert_non_null(f);
	assert_int_equal(ds_finding_uint(f, DS_EVK_MTU, 0), 1420);
	facts.links[1].kind[0] = '\0';
	facts.links[1].type = 776; /* ARPHRD_SIT */
	run();
	assert_non_null(find(DS_FIND_HOST_TUNNEL));
	facts.links[1].type = 1; /* ARPHRD_ETHER */
	run();
	assert_null(find(DS_FIND_HOST_TUNNEL));

	/* A cached path MTU. */
	healthy();
	{
		struct ds_host_route *r = add_default(AF_INET6, NULL, 2);

		r->cloned = true;
		r->mtu = 1280;
		r->table = 0;
	}
	run();
	assert_non_null(find(DS_FIND_HOST_PMTU_EXCEPTION));

	/* Teredo, 6to4, deprecated (but not a temporary one). */
	healthy();
	add_addr("2001:0:5ef5:79fb::1", 2, 0);
	add_addr("2002:c000:0201::1", 2, 0);
	add_addr("2001:db8::99", 2, IFA_F_DEPRECATED);
	add_addr("2001:db8::98", 2, IFA_F_DEPRECATED | IFA_F_TEMPORARY);
	run();
	assert_non_null(find(DS_FIND_HOST_TEREDO));
	assert_non_null(find(DS_FIND_HOST_6TO4));
	f = find(DS_FIND_HOST_DEPRECATED);
	assert_non_null(f);
	assert_true(ds_addr_equal(
	    &ds_finding_get(f, DS_EVK_ADDRESS)->v.addr, &facts.addrs[7].addr));
	assert_int_equal(count_at_least(DS_SEV_WARNING), 3);

	/* Tentative: settling on a live link, stuck on a dead one. */
	healthy();
	add_addr("2001:db8::77", 2, IFA_F_TENTATIVE);
	run();
	assert_int_equal(find(DS_FIND_HOST_TENTATIVE)->severity, DS_SEV_INFO);
	facts.links[1].flags &= ~(unsigned)IFF_RUNNING;
	run();
	assert_int_equal(
	    find(DS_FIND_HOST_TENTATIVE)->severity, DS_SEV_WARNING);

	/* bindv6only, disable_ipv6. */
	healthy();
	facts.bindv6only = 1;
	facts.links[1].disable_ipv6 = 1;
	run();
	assert_non_null(find(DS_FIND_HOST_BINDV6ONLY));
	assert_non_null(find(DS_FIND_HOST_IPV6_DISABLED));

	/* A loopback self-test that failed over ::1. */
	healthy();
	facts.selftest.v6_err = -EADDRNOTAVAIL;
	run();
	assert_int_equal(count_at_least(DS_SEV_ERROR), 1);
}

static void
test_check_files(void **state)
{
	static const char gai[] = "precedence ::ffff:0:0/96 100\n";
	static const char resolv[] = "nameserver 192.0.2.53\n"
	                             "search a.example b.example\n"
	                             "options timeout:30 attempts:5 ndots:5 "
	                             "single-request trust-ad\n";
	static const char nss[] = "hosts: dns files\n";
	const struct ds_finding *f;

	(void)state;
	healthy();
	assert_int_equal(
	    ds_policy_parse_gai(gai, strlen(gai), &facts.policy, NULL), 0);
	facts.gai_src.err = 0;
	(void)ds_resolv_conf_parse_all(resolv, strlen(resolv), &facts.resolv);
	(void)ds_host_nsswitch_parse(nss, strlen(nss), &facts.nss);
	memset(&facts.localhost, 0, sizeof(facts.localhost));
	run();
	f = find(DS_FIND_HOST_POLICY);
	assert_int_equal(f->severity, DS_SEV_WARNING);
	assert_string_equal(token(f, DS_EVK_CLASS), "ipv4-first");
	assert_int_equal(ds_finding_uint(f, DS_EVK_IPV4, 0), 100);
	/* The one line replaced the table: ::/0 is glibc's added 40. */
	assert_int_equal(ds_finding_uint(f, DS_EVK_IPV6, 0), 40);
	f = find(DS_FIND_HOST_RESOLV_STALL);
	assert_int_equal(f->severity, DS_SEV_WARNING);
	assert_int_equal(ds_finding_uint(f, DS_EVK_ELAPSED, 0), 300000000);
	assert_string_equal(token(f, DS_EVK_SOURCE), "/etc/resolv.conf:3");
	assert_int_equal(
	    find(DS_FIND_HOST_SINGLE_REQUEST)->severity, DS_SEV_WARNING);
	assert_non_null(find(DS_FIND_HOST_NDOTS_SEARCH));
	/* trust-ad with a server across the network. */
	assert_int_equal(
	    find(DS_FIND_HOST_RESOLV_OPTIONS)->severity, DS_SEV_WARNING);
	f = find(DS_FIND_HOST_NSSWITCH);
	assert_non_null(f);
	assert_string_equal(token(f, DS_EVK_LINE), "hosts: dns files");
	assert_non_null(find(DS_FIND_HOST_LOCALHOST));

	/* No hosts line: glibc's default puts dns first. */
	healthy();
	memset(&facts.nss, 0, sizeof(facts.nss));
	run();
	assert_non_null(find(DS_FIND_HOST_NSSWITCH));

	/* A file that could not be read is said so. */
	healthy();
	facts.resolv_src.err = -EACCES;
	facts.addrs_err = -EPERM;
	run();
	f = find(DS_FIND_HOST_UNREADABLE);
	assert_non_null(f);
	assert_string_equal(token(f, DS_EVK_SOURCE), "rtnetlink RTM_GETADDR");
}

static void
test_probe(void **state)
{
	struct ds_connect_result r = {
	    .fd = -1, .attempts = 2, .elapsed_us = 253000};
	struct ds_he_event t[6] = {{0}};
	struct ds_finding out[8];
	size_t n;

	(void)state;
	assert_int_equal(
	    ds_endpoint_parse("198.51.100.2:80", 15, 0, &r.remote, NULL), 0);
	t[0].type = DS_HE_EV_ANSWER;
	t[0].qtype = DS_RESOLVE_AAAA;
	t[0].count = 1;
	t[0].t_us = 1500;
	t[1].type = DS_HE_EV_ANSWER;
	t[1].qtype = DS_RESOLVE_A;
	t[1].count = 2;
	t[1].t_us = 1200;
	t[2].type = DS_HE_EV_ATTEMPT;
	assert_int_equal(
	    ds_endpoint_parse("[2001:db8::2]:80", 16, 0, &t[2].ep, NULL), 0);
	t[3].type = DS_HE_EV_CONNECTED;
	t[3].ep = r.remote;
	t[4] = t[2];
	t[4].type = DS_HE_EV_CANCELLED;
	t[4].elapsed_us = 252000;

	/* IPv4 won while IPv6 waited: lost by timeout. */
	n = ds_host_probe_findings("dual.example", 80, &r, t, 5, out, 8);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].code, DS_FIND_HOST_PROBE);
	assert_int_equal(ds_finding_uint(&out[0], DS_EVK_IPV6, 0), 1);
	assert_int_equal(ds_finding_uint(&out[0], DS_EVK_IPV4, 0), 2);
	assert_int_equal(ds_finding_uint(&out[0], DS_EVK_RESOLVE, 0), 1500);
	assert_string_equal(out[0].subject.v.text, "dual.example");
	assert_int_equal(out[1].code, DS_FIND_HOST_PROBE_V6_LOST);
	assert_int_equal(out[1].severity, DS_SEV_WARNING);
	assert_string_equal(
	    ds_finding_get(&out[1], DS_EVK_STATE)->v.token, "timeout");

	/* It failed at once instead: worth knowing, no delay paid. */
	t[4].type = DS_HE_EV_FAILED;
	t[4].err = -ENETUNREACH;
	n = ds_host_probe_findings("dual.example", 80, &r, t, 5, out, 8);
	assert_int_equal(n, 2);
	assert_int_equal(out[1].severity, DS_SEV_INFO);

	/* IPv6 won: nothing lost. */
	r.remote = t[2].ep;
	n = ds_host_probe_findings("dual.example", 80, &r, t, 3, out, 8);
	assert_int_equal(n, 1);
	assert_int_equal(ds_finding_uint(&out[0], DS_EVK_FAMILY, 0), AF_INET6);

	/* Nothing connected. */
	r.err = -ECONNREFUSED;
	n = ds_host_probe_findings("dual.example", 80, &r, t, 5, out, 8);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].code, DS_FIND_HOST_PROBE_FAILED);
	assert_int_equal(out[0].severity, DS_SEV_ERROR);
	assert_int_equal(
	    ds_finding_get(&out[0], DS_EVK_ERRNO)->v.err, ECONNREFUSED);
}

static void
test_check_tokens(void **state)
{
	enum ds_host_check c;

	(void)state;
	for (unsigned i = 0; i < DS_HOST__CHECK_END; i++) {
		const char *t = ds_host_check_token((enum ds_host_check)i);

		assert_non_null(t);
		assert_int_equal(ds_host_check_parse(t, strlen(t), &c), 0);
		assert_int_equal(c, i);
	}
	assert_null(ds_host_check_token(DS_HOST__CHECK_END));
	assert_int_equal(ds_host_check_parse("classes", 7, &c), -EINVAL);
	assert_int_equal(ds_host_check_parse("clas", 4, &c), -EINVAL);
	for (unsigned i = DS_HOST_CLASS_DUAL_STACK; i <= DS_HOST_CLASS_NONE;
	     i++)
		assert_non_null(ds_host_class_token((enum ds_host_class)i));
	assert_null(ds_host_class_token(0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sysctl),
	    cmocka_unit_test(test_nsswitch),
	    cmocka_unit_test(test_localhost),
	    cmocka_unit_test(test_resolv_conf),
	    cmocka_unit_test(test_dump),
	    cmocka_unit_test(test_dump_hostile),
	    cmocka_unit_test(test_flag_tokens),
	    cmocka_unit_test(test_check_healthy),
	    cmocka_unit_test(test_check_classes),
	    cmocka_unit_test(test_check_findings),
	    cmocka_unit_test(test_check_files),
	    cmocka_unit_test(test_probe),
	    cmocka_unit_test(test_check_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
