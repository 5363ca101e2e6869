/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dualstack/addr.h"
#include "dualstack/finding.h"
#include "dualstack/host.h"

#include "cli-finding.h"
#include "cmd-doctor-words.h"

static const char *const check_words[] = {
    [DS_HOST_CHECK_CLASS] = "connectivity class: dual-stack, IPv4-only, "
                            "IPv6-only, ULA-only, link-local-only",
    [DS_HOST_CHECK_ADDRESSES] = "addresses: Teredo, 6to4, deprecated, "
                                "dadfailed, tentative, disable_ipv6, "
                                "temporary-address policy",
    [DS_HOST_CHECK_ROUTES] = "routes: default route per family, the default "
                             "router's neighbour state, forwarding with "
                             "accept_ra=1",
    [DS_HOST_CHECK_MTU] = "MTU: links below 1280, tunnels, cached path MTUs",
    [DS_HOST_CHECK_SOCKETS] = "sockets: bindv6only, a dual [::] listener "
                              "reached over 127.0.0.1 and ::1",
    [DS_HOST_CHECK_POLICY] = "gai.conf: the RFC 6724 table getaddrinfo() "
                             "uses, IPv4 before IPv6",
    [DS_HOST_CHECK_RESOLVER] = "resolv.conf: nameservers per family, "
                               "worst-case stall, single-request, edns0, "
                               "trust-ad, ndots with search",
    [DS_HOST_CHECK_NSSWITCH] = "nsswitch.conf hosts order, localhost in "
                               "/etc/hosts",
};

const char *
doctor_check_words(enum ds_host_check c)
{
	if ((unsigned)c >= sizeof(check_words) / sizeof(check_words[0]))
		return NULL;
	return check_words[c];
}

/* Evidence k as text ("" when absent), in one of four rotating buffers
 * so that a format may take several. */
static const char *
ev(const struct ds_finding *f, enum ds_evidence_key k)
{
	static char bufs[4][DS_ENDPOINT_STRLEN + DS_EVIDENCE_TEXT_MAX];
	static unsigned next;
	const struct ds_evidence *e = ds_finding_get(f, k);
	char *b = bufs[next++ % 4];

	b[0] = '\0';
	if (e)
		cli_evidence_text(e, b, sizeof(bufs[0]));
	return b;
}

static const char *
subject(const struct ds_finding *f)
{
	return f->subject.type == DS_EV_TEXT ? f->subject.v.text : "?";
}

/* The subject as a sysctl(8) name component: a '.' in an interface
 * name (a VLAN, "eth0.100") is written '/'. */
static const char *
sysctl_name(const struct ds_finding *f)
{
	static char buf[DS_EVIDENCE_TEXT_MAX];
	size_t i;

	for (i = 0; subject(f)[i] && i < sizeof(buf) - 1; i++)
		buf[i] = subject(f)[i] == '.' ? '/' : subject(f)[i];
	buf[i] = '\0';
	return buf;
}

static const char *
token(const struct ds_finding *f, enum ds_evidence_key k)
{
	const struct ds_evidence *e = ds_finding_get(f, k);

	return e && e->type == DS_EV_TOKEN ? e->v.token : "";
}

static bool
is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static int
family_of(const struct ds_finding *f)
{
	return (int)ds_finding_uint(f, DS_EVK_FAMILY, AF_INET6);
}

static const char *
fam(const struct ds_finding *f)
{
	return family_of(f) == AF_INET ? "IPv4" : "IPv6";
}

int
doctor_cause_text(const struct ds_finding *f, char *buf, size_t size)
{
	const char *cls = token(f, DS_EVK_CLASS), *st = token(f, DS_EVK_STATE);

	switch (f->code) {
	case DS_FIND_HOST_CLASS:
		if (is(cls, "dual-stack"))
			return snprintf(buf, size,
			    "dual-stack: %s IPv4 and %s global IPv6 "
			    "address(es); programs try IPv6 first (RFC 6724) "
			    "and fall back to IPv4 (Happy Eyeballs, RFC 8305)",
			    ev(f, DS_EVK_IPV4), ev(f, DS_EVK_IPV6));
		if (is(cls, "ipv6-only")) {
			const struct ds_evidence *e =
			    ds_finding_get(f, DS_EVK_NAT64);

			if (e && e->type == DS_EV_PREFIX)
				return snprintf(buf, size,
				    "IPv6-only with NAT64: the network "
				    "translates to IPv4 through %s (found with "
				    "ipv4only.arpa, RFC 7050)",
				    ev(f, DS_EVK_NAT64));
			if (e && e->type == DS_EV_BOOL)
				return snprintf(buf, size,
				    "IPv6-only without NAT64: ipv4only.arpa "
				    "has no AAAA (RFC 7050), so IPv4-only "
				    "destinations cannot be reached");
			return snprintf(buf, size,
			    "IPv6-only: no IPv4 address; IPv4-only "
			    "destinations need NAT64 and DNS64 on the network "
			    "(RFC 6146, RFC 6147)%s%s",
			    e ? "; the ipv4only.arpa lookup failed: " : "",
			    e ? ev(f, DS_EVK_NAT64) : "");
		}
		if (is(cls, "ula-only"))
			return snprintf(buf, size,
			    "ULA-only: IPv6 only as unique local addresses "
			    "(fc00::/7); RFC 6724 prefers IPv4 to a ULA source "
			    "for global destinations, so IPv6 serves only the "
			    "site");
		if (is(cls, "ipv4-only"))
			return snprintf(buf, size,
			    "IPv4-only: no global IPv6 address, so every "
			    "connection uses IPv4");
		if (is(cls, "link-local-only"))
			return snprintf(buf, size,
			    "link-local-only: IPv6 only as fe80::/10 and no "
			    "IPv4; nothing beyond this link can be reached");
		return snprintf(buf, size,
		    "no address but loopback: this host reaches no other "
		    "host");
	case DS_FIND_HOST_TEREDO:
		return snprintf(buf, size,
		    "%s has Teredo address %s (2001::/32, RFC 4380): IPv6 "
		    "tunnelled in UDP through public relays, slow and often "
		    "broken; RFC 6724 ranks it below IPv4",
		    subject(f), ev(f, DS_EVK_ADDRESS));
	case DS_FIND_HOST_6TO4:
		return snprintf(buf, size,
		    "%s has 6to4 address %s (2002::/16, RFC 3056): it relies "
		    "on anycast relays (192.88.99.0/24) that RFC 7526 "
		    "deprecated; much of its traffic is lost",
		    subject(f), ev(f, DS_EVK_ADDRESS));
	case DS_FIND_HOST_DEPRECATED:
		return snprintf(buf, size,
		    "%s on %s is deprecated: its preferred lifetime is over "
		    "(the prefix is being withdrawn), so new connections do "
		    "not use it",
		    ev(f, DS_EVK_ADDRESS), subject(f));
	case DS_FIND_HOST_DADFAILED:
		return snprintf(buf, size,
		    "Duplicate Address Detection found %s in use by another "
		    "host on %s's link (RFC 4862 section 5.4.5): the address "
		    "is unusable",
		    ev(f, DS_EVK_ADDRESS), subject(f));
	case DS_FIND_HOST_TENTATIVE:
		if (is(st, "no-carrier"))
			return snprintf(buf, size,
			    "%s on %s waits for Duplicate Address Detection, "
			    "which cannot finish while the link is down or "
			    "has no carrier: the address stays unusable",
			    ev(f, DS_EVK_ADDRESS), subject(f));
		return snprintf(buf, size,
		    "%s on %s is still being checked by Duplicate Address "
		    "Detection (about a second)",
		    ev(f, DS_EVK_ADDRESS), subject(f));
	case DS_FIND_HOST_TEMPADDR: {
		uint64_t v = ds_finding_uint(f, DS_EVK_VALUE, 0);

		if (v == 0)
			return snprintf(buf, size,
			    "%s makes no temporary addresses (use_tempaddr=0): "
			    "its SLAAC address, the same wherever it "
			    "connects, is used for everything (RFC 8981)",
			    subject(f));
		if (v == 1)
			return snprintf(buf, size,
			    "%s makes temporary addresses but does not prefer "
			    "them (use_tempaddr=1)",
			    subject(f));
		return snprintf(buf, size,
		    "%s prefers temporary addresses for outgoing connections "
		    "(use_tempaddr=%llu, RFC 8981)",
		    subject(f), (unsigned long long)v);
	}
	case DS_FIND_HOST_NO_DEFAULT_ROUTE:
		return snprintf(buf, size,
		    "the host has a %s address (%s) but no %s default route: "
		    "only on-link destinations are reachable; others fail "
		    "with ENETUNREACH%s",
		    family_of(f) == AF_INET ? "usable IPv4" : "global IPv6",
		    ev(f, DS_EVK_ADDRESS), fam(f),
		    family_of(f) == AF_INET6 ? " and programs fall back to IPv4"
		                             : "");
	case DS_FIND_HOST_ROUTER_UNREACHABLE:
		return snprintf(buf, size,
		    "the %s default route goes via %s on %s, which does not "
		    "answer (neighbour state %s): traffic to other networks "
		    "is lost",
		    fam(f), ev(f, DS_EVK_GATEWAY), subject(f), st);
	case DS_FIND_HOST_RA_IGNORED:
		return snprintf(buf, size,
		    "%s forwards (forwarding=1), and with accept_ra=1 the "
		    "kernel then ignores Router Advertisements: no SLAAC "
		    "address and no default route from them",
		    subject(f));
	case DS_FIND_HOST_IPV6_DISABLED:
		return snprintf(buf, size,
		    "IPv6 is disabled on %s (disable_ipv6=1): it has no IPv6 "
		    "address, not even link-local",
		    subject(f));
	case DS_FIND_HOST_MTU_TOO_SMALL:
		return snprintf(buf, size,
		    "%s has MTU %s, below the %s every IPv6 link must carry "
		    "(RFC 8200 section 5): the kernel does not run IPv6 on it",
		    subject(f), ev(f, DS_EVK_MTU), ev(f, DS_EVK_LIMIT));
	case DS_FIND_HOST_TUNNEL:
		return snprintf(buf, size,
		    "%s is a tunnel%s%s%s with MTU %s: larger packets depend "
		    "on Path MTU Discovery, which fails where ICMPv6 Packet "
		    "Too Big is filtered (RFC 4890)",
		    subject(f), *ev(f, DS_EVK_CLASS) ? " (" : "",
		    ev(f, DS_EVK_CLASS), *ev(f, DS_EVK_CLASS) ? ")" : "",
		    ev(f, DS_EVK_MTU));
	case DS_FIND_HOST_PMTU_EXCEPTION:
		return snprintf(buf, size,
		    "the kernel learned a path MTU of %s towards %s via %s "
		    "(a Packet Too Big): larger packets to it are sent "
		    "smaller",
		    ev(f, DS_EVK_MTU), ev(f, DS_EVK_TARGET), subject(f));
	case DS_FIND_HOST_BINDV6ONLY:
		return snprintf(buf, size,
		    "net.ipv6.bindv6only=1: a socket bound to [::] takes "
		    "only IPv6, so programs that rely on one dual listener "
		    "(without setting IPV6_V6ONLY) refuse IPv4 clients");
	case DS_FIND_HOST_LOOPBACK:
		if (f->severity == DS_SEV_OK)
			return snprintf(buf, size,
			    "a dual [::] listener was reached over %s",
			    family_of(f) == AF_INET ? "127.0.0.1" : "::1");
		if (is(st, "listen"))
			return snprintf(buf, size,
			    "could not open a dual [::] listener: %s",
			    ev(f, DS_EVK_ERRNO));
		return snprintf(buf, size,
		    "connecting to a dual [::] listener over %s failed: %s",
		    family_of(f) == AF_INET ? "127.0.0.1" : "::1",
		    ev(f, DS_EVK_ERRNO));
	case DS_FIND_HOST_POLICY:
		if (is(cls, "ipv4-first"))
			return snprintf(buf, size,
			    "the address selection table in use (%s) gives "
			    "IPv4 precedence %s over global IPv6's %s: "
			    "getaddrinfo() puts IPv4 addresses first for every "
			    "name (one precedence line replaces the whole "
			    "RFC 6724 table)",
			    ev(f, DS_EVK_SOURCE), ev(f, DS_EVK_IPV4),
			    ev(f, DS_EVK_IPV6));
		if (is(cls, "custom"))
			return snprintf(buf, size,
			    "%s replaces the RFC 6724 default table; global "
			    "IPv6 has precedence %s, IPv4 %s",
			    ev(f, DS_EVK_SOURCE), ev(f, DS_EVK_IPV6),
			    ev(f, DS_EVK_IPV4));
		return snprintf(buf, size,
		    "%s: the RFC 6724 default table is in use (global IPv6 "
		    "%s before IPv4 %s)",
		    ds_finding_bool(f, DS_EVK_VALUE) ? "gai.conf sets nothing"
		                                     : "no gai.conf",
		    ev(f, DS_EVK_IPV6), ev(f, DS_EVK_IPV4));
	case DS_FIND_HOST_RESOLV_SERVERS:
		if (ds_finding_uint(f, DS_EVK_IPV4, 0) +
		        ds_finding_uint(f, DS_EVK_IPV6, 0) ==
		    0)
			return snprintf(buf, size,
			    "%s names no nameserver: glibc asks 127.0.0.1, "
			    "which answers only when a resolver runs here",
			    ev(f, DS_EVK_SOURCE));
		return snprintf(buf, size,
		    "%s IPv4 and %s IPv6 nameserver(s)%s%s%s",
		    ev(f, DS_EVK_IPV4), ev(f, DS_EVK_IPV6),
		    ds_finding_get(f, DS_EVK_COUNT) ? "; " : "",
		    ev(f, DS_EVK_COUNT),
		    ds_finding_get(f, DS_EVK_COUNT)
		        ? " line(s) ignored (glibc uses at most 3 "
		          "addresses)"
		        : "");
	case DS_FIND_HOST_RESOLV_STALL:
		return snprintf(buf, size,
		    "when no nameserver answers, a lookup waits %s before it "
		    "fails (timeout %s, attempts %s, %s server(s)%s)%s%s",
		    ev(f, DS_EVK_ELAPSED), ev(f, DS_EVK_TIMEOUT),
		    ev(f, DS_EVK_ATTEMPTS), ev(f, DS_EVK_SERVERS), "",
		    f->severity >= DS_SEV_WARNING ? ": more than " : "",
		    f->severity >= DS_SEV_WARNING ? ev(f, DS_EVK_LIMIT) : "");
	case DS_FIND_HOST_SINGLE_REQUEST:
		if (is(st, "single-request"))
			return snprintf(buf, size,
			    "options single-request: the A query waits for the "
			    "AAAA answer, so every lookup (and every stall) "
			    "takes twice as long");
		return snprintf(buf, size,
		    "options single-request-reopen: the second query gets its "
		    "own socket; it costs time only when an answer is lost");
	case DS_FIND_HOST_RESOLV_OPTIONS:
		if (is(st, "edns0"))
			return snprintf(buf, size,
			    "options edns0: queries offer larger UDP answers "
			    "(RFC 6891); a middlebox that drops them makes "
			    "lookups time out");
		if (ds_finding_bool(f, DS_EVK_PEER))
			return snprintf(buf, size,
			    "options trust-ad with a nameserver across the "
			    "network: programs trust its 'DNSSEC validated' "
			    "bit, which nothing protects on the way (RFC 6840 "
			    "section 5.7)");
		return snprintf(buf, size,
		    "options trust-ad: the local resolver's 'DNSSEC "
		    "validated' bit is passed on to programs");
	case DS_FIND_HOST_NDOTS_SEARCH:
		return snprintf(buf, size,
		    "options ndots:%s with %s search domain(s): a name with "
		    "fewer dots is tried with every search domain first, up "
		    "to %s extra A and AAAA queries per lookup",
		    ev(f, DS_EVK_VALUE), ev(f, DS_EVK_COUNT),
		    ev(f, DS_EVK_COUNT));
	case DS_FIND_HOST_NSSWITCH:
		return snprintf(buf, size,
		    "'%s' (%s): DNS comes before /etc/hosts, or /etc/hosts "
		    "is not read, so localhost and the names in /etc/hosts "
		    "go to the network first",
		    ev(f, DS_EVK_LINE), ev(f, DS_EVK_SOURCE));
	case DS_FIND_HOST_LOCALHOST:
		if (family_of(f) == AF_INET6)
			return snprintf(buf, size,
			    "%s has no '::1 localhost' line: 'localhost' "
			    "resolves only to 127.0.0.1, so a client of "
			    "localhost and a server on ::1 miss each other",
			    ev(f, DS_EVK_SOURCE));
		return snprintf(buf, size,
		    "%s has no '127.0.0.1 localhost' line: 'localhost' may "
		    "go to DNS",
		    ev(f, DS_EVK_SOURCE));
	case DS_FIND_HOST_UNREADABLE:
		return snprintf(buf, size, "could not read %s: %s",
		    ev(f, DS_EVK_SOURCE), ev(f, DS_EVK_ERRNO));
	case DS_FIND_HOST_PROBE:
		return snprintf(buf, size,
		    "connected to %s over %s in %s (%s attempt(s)); the "
		    "lookup gave %s IPv6 and %s IPv4 address(es) in %s",
		    ev(f, DS_EVK_PEER), fam(f), ev(f, DS_EVK_ELAPSED),
		    ev(f, DS_EVK_ATTEMPTS), ev(f, DS_EVK_IPV6),
		    ev(f, DS_EVK_IPV4), ev(f, DS_EVK_RESOLVE));
	case DS_FIND_HOST_PROBE_V6_LOST:
		if (is(st, "timeout"))
			return snprintf(buf, size,
			    "IPv6 lost by timeout: %s had not answered after "
			    "%s when IPv4 (%s) connected; every connection "
			    "there waits the attempt delay first",
			    ev(f, DS_EVK_TARGET), ev(f, DS_EVK_ELAPSED),
			    ev(f, DS_EVK_PEER));
		return snprintf(buf, size,
		    "IPv6 failed at once: %s gave %s; IPv4 (%s) connected",
		    ev(f, DS_EVK_TARGET), ev(f, DS_EVK_ERRNO),
		    ev(f, DS_EVK_PEER));
	case DS_FIND_HOST_PROBE_FAILED:
		return snprintf(buf, size,
		    "could not connect to %s port %s: %s (after %s, %s "
		    "attempt(s))",
		    subject(f), ev(f, DS_EVK_PORT), ev(f, DS_EVK_ERRNO),
		    ev(f, DS_EVK_ELAPSED), ev(f, DS_EVK_ATTEMPTS));
	default:
		return snprintf(buf, size, "%s", ds_finding_token(f->code));
	}
}

int
doctor_fix_text(const struct ds_finding *f, char *buf, size_t size)
{
	const char *cls = token(f, DS_EVK_CLASS), *st = token(f, DS_EVK_STATE);

	switch (f->code) {
	case DS_FIND_HOST_CLASS:
		if (is(cls, "ula-only"))
			return snprintf(buf, size,
			    "ask the network for a global prefix (SLAAC or "
			    "DHCPv6 prefix delegation); check what the router "
			    "advertises: rdisc6 IFACE");
		if (is(cls, "ipv4-only") || is(cls, "link-local-only"))
			return snprintf(buf, size,
			    "check that a router advertises a prefix: rdisc6 "
			    "IFACE; or configure one: ip -6 addr add "
			    "ADDR/64 dev IFACE");
		if (is(cls, "ipv6-only") && ds_finding_get(f, DS_EVK_NAT64) &&
		    ds_finding_get(f, DS_EVK_NAT64)->type == DS_EV_BOOL)
			return snprintf(buf, size,
			    "ask for NAT64/DNS64 on the network (RFC 6146, "
			    "RFC 6147), or for IPv4 (dual-stack)");
		if (is(cls, "none"))
			return snprintf(buf, size,
			    "bring an interface up with an address: ip link "
			    "set IFACE up");
		break;
	case DS_FIND_HOST_TEREDO:
		return snprintf(buf, size,
		    "stop the Teredo client: systemctl disable --now miredo");
	case DS_FIND_HOST_6TO4:
		return snprintf(buf, size,
		    "remove the 6to4 tunnel: ip -6 addr del %s/%s dev %s (and "
		    "its tunnel interface)",
		    ev(f, DS_EVK_ADDRESS), ev(f, DS_EVK_VALUE), subject(f));
	case DS_FIND_HOST_DEPRECATED:
		return snprintf(buf, size,
		    "renew the prefix on the router; for a static address: "
		    "ip -6 addr change %s/%s dev %s preferred_lft forever",
		    ev(f, DS_EVK_ADDRESS), ev(f, DS_EVK_VALUE), subject(f));
	case DS_FIND_HOST_DADFAILED:
		return snprintf(buf, size,
		    "find the other holder (ndisc6 %s %s), give one of them "
		    "another address, then: ip -6 addr del %s/%s dev %s",
		    ev(f, DS_EVK_ADDRESS), subject(f), ev(f, DS_EVK_ADDRESS),
		    ev(f, DS_EVK_VALUE), subject(f));
	case DS_FIND_HOST_TENTATIVE:
		if (is(st, "no-carrier"))
			return snprintf(buf, size,
			    "bring the link up and check its carrier: ip link "
			    "show %s",
			    subject(f));
		break;
	case DS_FIND_HOST_TEMPADDR:
		if (ds_finding_uint(f, DS_EVK_VALUE, 0) < 2)
			return snprintf(buf, size,
			    "sysctl -w net.ipv6.conf.%s.use_tempaddr=2",
			    sysctl_name(f));
		break;
	case DS_FIND_HOST_NO_DEFAULT_ROUTE:
		if (family_of(f) == AF_INET)
			return snprintf(
			    buf, size, "ip route add default via ROUTER");
		return snprintf(buf, size,
		    "let Router Advertisements install it (accept_ra=1, or 2 "
		    "when forwarding), or: ip -6 route add default via ROUTER "
		    "dev IFACE");
	case DS_FIND_HOST_ROUTER_UNREACHABLE:
		return snprintf(buf, size,
		    "check the router: ping -c1 %s%s%s; ip neigh show dev %s",
		    ev(f, DS_EVK_GATEWAY), family_of(f) == AF_INET6 ? "%" : "",
		    family_of(f) == AF_INET6 ? subject(f) : "", subject(f));
	case DS_FIND_HOST_RA_IGNORED:
		return snprintf(buf, size,
		    "sysctl -w net.ipv6.conf.%s.accept_ra=2", sysctl_name(f));
	case DS_FIND_HOST_IPV6_DISABLED:
		return snprintf(buf, size,
		    "sysctl -w net.ipv6.conf.%s.disable_ipv6=0 (and remove it "
		    "from /etc/sysctl.d)",
		    sysctl_name(f));
	case DS_FIND_HOST_MTU_TOO_SMALL:
		return snprintf(
		    buf, size, "ip link set %s mtu 1280", subject(f));
	case DS_FIND_HOST_BINDV6ONLY:
		return snprintf(buf, size,
		    "sysctl -w net.ipv6.bindv6only=0 (and remove it from "
		    "/etc/sysctl.conf, /etc/sysctl.d)");
	case DS_FIND_HOST_LOOPBACK:
		if (f->severity == DS_SEV_OK)
			break;
		if (family_of(f) == AF_INET6)
			return snprintf(buf, size,
			    "sysctl -w net.ipv6.conf.lo.disable_ipv6=0");
		return snprintf(buf, size, "ip link set lo up");
	case DS_FIND_HOST_POLICY:
		if (is(cls, "ipv4-first"))
			return snprintf(buf, size,
			    "remove the precedence lines from %s, or write "
			    "the whole RFC 6724 table there (gai.conf(5))",
			    ev(f, DS_EVK_SOURCE));
		break;
	case DS_FIND_HOST_RESOLV_SERVERS:
		if (ds_finding_uint(f, DS_EVK_IPV4, 0) +
		        ds_finding_uint(f, DS_EVK_IPV6, 0) ==
		    0)
			return snprintf(buf, size,
			    "add 'nameserver ADDR' to /etc/resolv.conf");
		break;
	case DS_FIND_HOST_RESOLV_STALL:
		if (f->severity >= DS_SEV_WARNING)
			return snprintf(buf, size,
			    "'options timeout:2 attempts:2' (%s)",
			    ev(f, DS_EVK_SOURCE));
		break;
	case DS_FIND_HOST_SINGLE_REQUEST:
		if (is(st, "single-request"))
			return snprintf(buf, size,
			    "remove single-request from the options line "
			    "(%s); single-request-reopen works around a "
			    "broken middlebox without the wait",
			    ev(f, DS_EVK_SOURCE));
		break;
	case DS_FIND_HOST_RESOLV_OPTIONS:
		if (ds_finding_bool(f, DS_EVK_PEER))
			return snprintf(buf, size,
			    "keep trust-ad only with a validating resolver on "
			    "this host (nameserver 127.0.0.53 or ::1) (%s)",
			    ev(f, DS_EVK_SOURCE));
		break;
	case DS_FIND_HOST_NDOTS_SEARCH:
		return snprintf(buf, size,
		    "'options ndots:1' (%s), or write names with a trailing "
		    "dot",
		    ev(f, DS_EVK_SOURCE));
	case DS_FIND_HOST_NSSWITCH:
		return snprintf(
		    buf, size, "'hosts: files dns' in /etc/nsswitch.conf");
	case DS_FIND_HOST_LOCALHOST:
		if (family_of(f) == AF_INET6)
			return snprintf(buf, size,
			    "add '::1 localhost ip6-localhost ip6-loopback' to "
			    "/etc/hosts");
		return snprintf(
		    buf, size, "add '127.0.0.1 localhost' to /etc/hosts");
	case DS_FIND_HOST_UNREADABLE:
		return snprintf(buf, size,
		    "run as root, or check the permissions of %s",
		    ev(f, DS_EVK_SOURCE));
	case DS_FIND_HOST_PROBE_V6_LOST:
		if (is(st, "timeout"))
			return snprintf(buf, size,
			    "find where IPv6 SYNs to %s are dropped: dualstack "
			    "connect -v -6, or dualstack reach",
			    ev(f, DS_EVK_TARGET));
		break;
	case DS_FIND_HOST_PROBE_FAILED:
		return snprintf(buf, size, "dualstack connect -v %s %s",
		    subject(f), ev(f, DS_EVK_PORT));
	default:
		break;
	}
	if (size)
		buf[0] = '\0';
	return 0;
}
