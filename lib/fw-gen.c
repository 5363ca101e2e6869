/* SPDX-License-Identifier: MIT */
/*
 * ds_fw_generate(): a complete ruleset for a role, from the RFC 4890
 * table (fw-rfc4890.c), for nft -f or iptables-restore /
 * ip6tables-restore.
 *
 * The order of each chain: replies and related errors; loopback; the
 * ICMPv6 the role must and should pass, before the drop of invalid
 * packets, because an ICMPv6 error about a flow conntrack no longer
 * holds is invalid to it and still the one message that explains a
 * hang (RFC 4890 rows are stateless); then ICMP errors (path MTU
 * discovery for IPv4, RFC 1191), echo as asked, the services, a
 * rate-limited log and the default drop.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "dualstack/fw.h"

#include "fw-int.h"

/* Dropped packets logged per minute, and the burst: enough to see what
 * is dropped, too few to fill a disk. */
#define LOG_RATE 5
#define LOG_BURST 10

/* Which rows a chain lets through. */
static bool
row_wanted(
    const struct ds_fw_rfc4890 *r, const struct ds_fw_gen *g, bool bridged)
{
	if (r->echo)
		return false; /* written on their own, per --echo */
	if (r->knob)
		return (g->knobs & r->knob) != 0;
	if (r->cls == DS_FW_MUST || r->cls == DS_FW_SHOULD)
		return true;
	/* A bridge is inside the link: the link's own messages cross it. */
	return bridged && r->cls == DS_FW_LINK;
}

static const char *
cls_words(enum ds_fw_class c)
{
	switch (c) {
	case DS_FW_MUST:
		return "must not be dropped";
	case DS_FW_SHOULD:
		return "should not be dropped";
	case DS_FW_LINK:
		return "link-local, crosses a bridge";
	default:
		return "policy";
	}
}

static void
nft_row(struct fw_sbuf *b, const struct ds_fw_rfc4890 *r)
{
	ds__fw_put(b, "\t\ticmpv6 type ");
	if (r->type_lo == r->type_hi) {
		const char *n = ds_fw_icmp6_type_token(r->type_lo);

		if (n)
			ds__fw_put(b, "%s", n);
		else
			ds__fw_put(b, "%u", r->type_lo);
	} else {
		ds__fw_put(b, "{ ");
		for (unsigned t = r->type_lo; t <= r->type_hi; t++) {
			const char *n = ds_fw_icmp6_type_token((uint8_t)t);

			ds__fw_put(b, "%s", t > r->type_lo ? ", " : "");
			if (n)
				ds__fw_put(b, "%s", n);
			else
				ds__fw_put(b, "%u", t);
		}
		ds__fw_put(b, " }");
	}
	if (r->code_lo != 0 || r->code_hi != 255) {
		if (r->code_lo == r->code_hi)
			ds__fw_put(b, " icmpv6 code %u", r->code_lo);
		else
			ds__fw_put(
			    b, " icmpv6 code %u-%u", r->code_lo, r->code_hi);
	}
	if (r->cond & DS_FW_COND_LL_SRC)
		ds__fw_put(b, " ip6 saddr fe80::/10");
	if (r->cond & DS_FW_COND_HL255)
		ds__fw_put(b, " ip6 hoplimit 255");
	if (r->cond & DS_FW_COND_HL1)
		ds__fw_put(b, " ip6 hoplimit 1");
	ds__fw_put(b, " accept comment \"RFC 4890 %s: %s%s%s\"\n", r->section,
	    cls_words(r->cls), r->ref ? ", " : "", r->ref ? r->ref : "");
}

static void
ipt_row(struct fw_sbuf *b, const char *chain, const struct ds_fw_rfc4890 *r)
{
	for (unsigned t = r->type_lo; t <= r->type_hi; t++) {
		bool all = r->code_lo == 0 && r->code_hi == 255;

		for (unsigned c = r->code_lo; c <= (all ? 0u : r->code_hi);
		     c++) {
			ds__fw_put(b,
			    "-A %s -p ipv6-icmp -m icmp6 --icmpv6-type %u",
			    chain, t);
			if (!all)
				ds__fw_put(b, "/%u", c);
			if (r->cond & DS_FW_COND_LL_SRC)
				ds__fw_put(b, " -s fe80::/10");
			if (r->cond & DS_FW_COND_HL255)
				ds__fw_put(b, " -m hl --hl-eq 255");
			if (r->cond & DS_FW_COND_HL1)
				ds__fw_put(b, " -m hl --hl-eq 1");
			ds__fw_put(b,
			    " -m comment --comment \"RFC 4890 %s: %s\" "
			    "-j ACCEPT\n",
			    r->section, cls_words(r->cls));
		}
	}
}

/* Services of proto as "22, 443"; returns how many. */
static size_t
service_list(struct fw_sbuf *b, const struct ds_fw_gen *g, uint8_t proto)
{
	size_t n = 0;

	for (size_t i = 0; i < g->n_services; i++) {
		if (g->services[i].proto != proto)
			continue;
		ds__fw_put(b, "%s%u", n ? ", " : "", g->services[i].port);
		n++;
	}
	return n;
}

static size_t
count(const struct ds_fw_gen *g, uint8_t proto)
{
	size_t n = 0;

	for (size_t i = 0; i < g->n_services; i++)
		n += g->services[i].proto == proto;
	return n;
}

static void
nft_chain(struct fw_sbuf *b, const struct ds_fw_gen *g, const char *name,
    const char *hook, enum ds_fw_scope scope, bool bridged)
{
	size_t n;
	const struct ds_fw_rfc4890 *t = ds_fw_rfc4890_table(scope, &n);

	ds__fw_put(b, "\tchain %s {\n", name);
	ds__fw_put(
	    b, "\t\ttype filter hook %s priority filter; policy drop;\n", hook);
	ds__fw_put(b,
	    "\t\tct state established,related accept comment "
	    "\"replies, and errors about them\"\n");
	if (!bridged)
		ds__fw_put(
		    b, "\t\tiifname \"lo\" accept comment \"loopback\"\n");
	for (size_t i = 0; i < n; i++)
		if (row_wanted(&t[i], g, bridged))
			nft_row(b, &t[i]);
	ds__fw_put(b,
	    "\t\ticmpv6 type echo-reply accept comment "
	    "\"RFC 4890 %s: must not be dropped\"\n",
	    scope == DS_FW_TRANSIT ? "4.3.1" : "4.4.1");
	if (g->echo == DS_FW_ECHO_ALLOW)
		ds__fw_put(b,
		    "\t\ticmp type echo-request accept comment "
		    "\"--echo allow\"\n"
		    "\t\ticmpv6 type echo-request accept comment "
		    "\"RFC 4890 %s, --echo allow\"\n",
		    scope == DS_FW_TRANSIT ? "4.3.1" : "4.4.1");
	else if (g->echo == DS_FW_ECHO_LIMIT)
		ds__fw_put(b,
		    "\t\ticmp type echo-request limit rate %u/second "
		    "burst %u packets accept comment \"--echo limit\"\n"
		    "\t\ticmpv6 type echo-request limit rate %u/second "
		    "burst %u packets accept comment "
		    "\"RFC 4890 %s, --echo limit\"\n",
		    DS_FW_ECHO_RATE, DS_FW_ECHO_BURST, DS_FW_ECHO_RATE,
		    DS_FW_ECHO_BURST,
		    scope == DS_FW_TRANSIT ? "4.3.1" : "4.4.1");
	ds__fw_put(b,
	    "\t\tct state invalid drop comment \"not part of any "
	    "connection\"\n");
	ds__fw_put(b,
	    "\t\ticmp type { destination-unreachable, time-exceeded, "
	    "parameter-problem } accept comment \"RFC 792, RFC 1191: "
	    "ICMP errors, path MTU discovery\"\n");
	if (count(g, IPPROTO_TCP)) {
		ds__fw_put(b, "\t\ttcp dport { ");
		service_list(b, g, IPPROTO_TCP);
		ds__fw_put(
		    b, " } accept comment \"services, both families\"\n");
	}
	if (count(g, IPPROTO_UDP)) {
		ds__fw_put(b, "\t\tudp dport { ");
		service_list(b, g, IPPROTO_UDP);
		ds__fw_put(
		    b, " } accept comment \"services, both families\"\n");
	}
	ds__fw_put(b,
	    "\t\tlimit rate %u/minute burst %u packets log prefix "
	    "\"dualstack %s drop: \" comment \"what the policy drops, "
	    "rate-limited\"\n",
	    LOG_RATE, LOG_BURST, name);
	ds__fw_put(b, "\t}\n");
}

static int
gen_nft(struct fw_sbuf *b, const struct ds_fw_gen *g)
{
	const char *role = ds_fw_role_token(g->role);

	ds__fw_put(b, "#!/usr/sbin/nft -f\n");
	ds__fw_put(b,
	    "# dualstack firewall generate --role %s: ICMPv6 as RFC 4890 "
	    "says, the same services for IPv4 and IPv6, and a default "
	    "drop.\n",
	    role);
	/* Replace an earlier version: the table is made if it is not
	 * there, so that the delete never fails. */
	ds__fw_put(b, "table inet dualstack\ndelete table inet dualstack\n");
	ds__fw_put(b, "table inet dualstack {\n");
	nft_chain(b, g, "input", "input", DS_FW_LOCAL, false);
	if (g->role == DS_FW_ROLE_HOST) {
		ds__fw_put(b,
		    "\tchain forward {\n\t\ttype filter hook forward "
		    "priority filter; policy drop;\n\t}\n");
	} else {
		/* A bridge filters in the inet family too: the bridge
		 * family has no connection tracking before Linux 5.3 or
		 * without nf_conntrack_bridge, and a stateless filter
		 * with a default drop cannot let replies through. */
		if (g->role == DS_FW_ROLE_BRIDGE)
			ds__fw_put(b,
			    "\t# Bridged packets reach this chain with "
			    "br_netfilter:\n\t# "
			    "net.bridge.bridge-nf-call-ip6tables = 1 and "
			    "net.bridge.bridge-nf-call-iptables = 1.\n");
		nft_chain(b, g, "forward", "forward", DS_FW_TRANSIT,
		    g->role == DS_FW_ROLE_BRIDGE);
	}
	ds__fw_put(b,
	    "\tchain output {\n\t\ttype filter hook output priority "
	    "filter; policy accept;\n\t}\n");
	ds__fw_put(b, "}\n");
	return 0;
}

static void
ipt_chain(struct fw_sbuf *b, const struct ds_fw_gen *g, const char *chain,
    bool v6, enum ds_fw_scope scope, bool bridged)
{
	const char *sec = scope == DS_FW_TRANSIT ? "4.3.1" : "4.4.1";
	size_t n;
	const struct ds_fw_rfc4890 *t = ds_fw_rfc4890_table(scope, &n);

	ds__fw_put(b,
	    "-A %s -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n",
	    chain);
	if (!bridged)
		ds__fw_put(b, "-A %s -i lo -j ACCEPT\n", chain);
	if (v6) {
		for (size_t i = 0; i < n; i++)
			if (row_wanted(&t[i], g, bridged))
				ipt_row(b, chain, &t[i]);
		ds__fw_put(b,
		    "-A %s -p ipv6-icmp -m icmp6 --icmpv6-type 129 -m "
		    "comment --comment \"RFC 4890 %s: must not be "
		    "dropped\" -j ACCEPT\n",
		    chain, sec);
		if (g->echo == DS_FW_ECHO_ALLOW)
			ds__fw_put(b,
			    "-A %s -p ipv6-icmp -m icmp6 --icmpv6-type 128 "
			    "-m comment --comment \"RFC 4890 %s, --echo "
			    "allow\" -j ACCEPT\n",
			    chain, sec);
		else if (g->echo == DS_FW_ECHO_LIMIT)
			ds__fw_put(b,
			    "-A %s -p ipv6-icmp -m icmp6 --icmpv6-type 128 "
			    "-m limit --limit %u/sec --limit-burst %u -m "
			    "comment --comment \"RFC 4890 %s, --echo limit\" "
			    "-j ACCEPT\n",
			    chain, DS_FW_ECHO_RATE, DS_FW_ECHO_BURST, sec);
	}
	ds__fw_put(b, "-A %s -m conntrack --ctstate INVALID -j DROP\n", chain);
	if (!v6) {
		static const unsigned errors[] = {3, 11, 12};

		for (size_t i = 0; i < 3; i++)
			ds__fw_put(b,
			    "-A %s -p icmp -m icmp --icmp-type %u -m "
			    "comment --comment \"RFC 792, RFC 1191: ICMP "
			    "errors, path MTU discovery\" -j ACCEPT\n",
			    chain, errors[i]);
		if (g->echo == DS_FW_ECHO_ALLOW)
			ds__fw_put(b,
			    "-A %s -p icmp -m icmp --icmp-type 8 -m comment "
			    "--comment \"--echo allow\" -j ACCEPT\n",
			    chain);
		else if (g->echo == DS_FW_ECHO_LIMIT)
			ds__fw_put(b,
			    "-A %s -p icmp -m icmp --icmp-type 8 -m limit "
			    "--limit %u/sec --limit-burst %u -m comment "
			    "--comment \"--echo limit\" -j ACCEPT\n",
			    chain, DS_FW_ECHO_RATE, DS_FW_ECHO_BURST);
	}
	for (size_t i = 0; i < g->n_services; i++) {
		const char *p =
		    g->services[i].proto == IPPROTO_TCP ? "tcp" : "udp";

		ds__fw_put(b,
		    "-A %s -p %s -m %s --dport %u -m comment --comment "
		    "\"services, both families\" -j ACCEPT\n",
		    chain, p, p, g->services[i].port);
	}
	ds__fw_put(b,
	    "-A %s -m limit --limit %u/min --limit-burst %u -j LOG "
	    "--log-prefix \"dualstack %s drop: \"\n",
	    chain, LOG_RATE, LOG_BURST, chain);
}

static int
gen_ipt(struct fw_sbuf *b, const struct ds_fw_gen *g, bool v6)
{
	bool router = g->role != DS_FW_ROLE_HOST;

	ds__fw_put(b, "# dualstack firewall generate --role %s --format %s\n",
	    ds_fw_role_token(g->role), v6 ? "ip6tables" : "iptables");
	if (g->role == DS_FW_ROLE_BRIDGE)
		ds__fw_put(b,
		    "# Bridged packets reach FORWARD only with "
		    "br_netfilter (net.bridge.bridge-nf-call-ip%stables "
		    "= 1).\n",
		    v6 ? "6" : "");
	ds__fw_put(b,
	    "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n"
	    ":OUTPUT ACCEPT [0:0]\n");
	ipt_chain(b, g, "INPUT", v6, DS_FW_LOCAL, false);
	if (router)
		ipt_chain(b, g, "FORWARD", v6, DS_FW_TRANSIT,
		    g->role == DS_FW_ROLE_BRIDGE);
	ds__fw_put(b, "COMMIT\n");
	return 0;
}

int
ds_fw_generate(
    const struct ds_fw_gen *g, enum ds_fw_format format, char *buf, size_t size)
{
	struct fw_sbuf b = {.buf = buf, .size = size};

	if (!ds_fw_role_token(g->role) || g->echo < DS_FW_ECHO_ALLOW ||
	    g->echo > DS_FW_ECHO_DENY)
		return -EINVAL;
	for (size_t i = 0; i < g->n_services; i++)
		if (g->services[i].proto != IPPROTO_TCP &&
		    g->services[i].proto != IPPROTO_UDP)
			return -EINVAL;
	if (size)
		buf[0] = '\0';
	switch (format) {
	case DS_FW_FMT_NFT:
		gen_nft(&b, g);
		break;
	case DS_FW_FMT_IPTABLES:
	case DS_FW_FMT_IP6TABLES:
		gen_ipt(&b, g, format == DS_FW_FMT_IP6TABLES);
		break;
	default:
		return -EINVAL;
	}
	return b.len > INT32_MAX ? -EOVERFLOW : (int)b.len;
}
