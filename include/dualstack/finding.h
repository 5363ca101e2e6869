/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_FINDING_H
#define DUALSTACK_FINDING_H

/*
 * ds_finding: one thing a check found, as data. reach's diagnosis makes
 * them now; doctor, dns, firewall check and ra make them too. A finding
 * is a code (what was found), a severity, a subject (what it is about)
 * and up to DS_FINDING_EVIDENCE_MAX pieces of evidence, each a named,
 * typed value: an address, an endpoint, a prefix, a count, a duration,
 * an errno, or another enum's machine token.
 *
 * No finding carries a sentence. Each code, severity and evidence key
 * has a stable machine token here ("reach.dropped", "error", "count"),
 * in one table next to its enum; what a person reads is made from the
 * fields by the program (src/), so that text and JSON say the same.
 *
 * Pure: no I/O, no allocation; a finding is a value the caller owns.
 * Safe from any thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dualstack/addr.h"
#include "dualstack/export.h"

/* How much a finding matters, least first. */
enum ds_severity {
	DS_SEV_OK = 1,  /* what was checked and passed */
	DS_SEV_INFO,    /* worth knowing; nothing is wrong */
	DS_SEV_WARNING, /* works, but not as it should: slow, fragile */
	DS_SEV_ERROR,   /* broken: what was checked fails */
};

/* "ok", "info", "warning", "error"; NULL for a value out of range. */
DS_EXPORT const char *ds_severity_token(enum ds_severity s);

/*
 * What was found. One enum for every module, a range of 100 each, so
 * that a code names its module and a value once published keeps its
 * meaning. The token is "module.what". The ranges:
 *
 *   100-199  reach     200-299  host (doctor)    300-399  dns
 *   400-499  fw        500-599  ra               600-699  mcast
 */
enum ds_finding_code {
	/* reach (100-199): one check's attempts, or why it did not run. */
	DS_FIND_REACH_REACHABLE = 100, /* every attempt got through */
	DS_FIND_REACH_PARTIAL,         /* some did, some did not */
	DS_FIND_REACH_UNREACHABLE,     /* none did, for mixed reasons */
	DS_FIND_REACH_DROPPED,         /* attempts timed out: dropped */
	DS_FIND_REACH_RETURN_PATH,     /* timed out, yet the agent saw them
	                                * arrive: the answers are lost */
	DS_FIND_REACH_PROHIBITED,      /* an ICMP administratively
	                                * prohibited: a REJECT rule */
	DS_FIND_REACH_REFUSED,         /* a TCP reset: nothing listens */
	DS_FIND_REACH_NO_ROUTE,        /* ICMP no route */
	DS_FIND_REACH_ADDR_UNREACH,    /* ICMP address unreachable */
	DS_FIND_REACH_RESET,           /* reset after connecting */
	DS_FIND_REACH_NOT_RETURNED,    /* tokens went elsewhere */
	DS_FIND_REACH_ALTERED,         /* tokens came back altered */
	DS_FIND_REACH_NOT_SEEN,        /* the checker says delivered, the
	                                * agent saw no token: do not trust
	                                * the checker */
	DS_FIND_REACH_CHECKER_ERROR,   /* the checker could not try */
	DS_FIND_REACH_FLAPPING,        /* some through, some not */
	DS_FIND_REACH_PORT_ONLY,       /* port only: proves less */
	DS_FIND_REACH_CHECKER_REFUSED, /* the checker refused the check */
	DS_FIND_REACH_NOT_RUN,         /* a local failure: did not run */
	DS_FIND__REACH_END,

	/* dns (300-399): what dualstack dns found at a nameserver. */
	DS_FIND_DNS_SILENT = 300,     /* no answer over UDP at all */
	DS_FIND_DNS_TYPE_LOST,        /* one type unanswered, the other fine */
	DS_FIND_DNS_TYPE_SLOW,        /* one type slower than the other by
	                               * more than RFC 8305's 50 ms */
	DS_FIND_DNS_PAIR_LOST,        /* the second of glibc's pair lost */
	DS_FIND_DNS_TRUNCATED_NO_TCP, /* TC over UDP, and TCP fails */
	DS_FIND_DNS_TCP_FAILED,       /* TCP fails, UDP works */
	DS_FIND_DNS_EDNS_UNSUPPORTED, /* EDNS0 queries refused or lost */
	DS_FIND_DNS_EDNS_LARGE_LOST,  /* large EDNS0 answers lost */
	DS_FIND_DNS_DNS64,            /* AAAA synthesised (RFC 7050) */
	DS_FIND_DNS_RCODE,            /* SERVFAIL or REFUSED */
	DS_FIND_DNS_BAD_ANSWER,       /* an answer that does not parse */
	DS_FIND__DNS_END,
	/* mcast (600-699): mcast check, one join looked at. */
	DS_FIND_MCAST_REPORT_SEEN = 600, /* the kernel sent the IGMP or MLD
	                                  * report for the join */
	DS_FIND_MCAST_REPORT_MISSING,    /* no report within the capture */
	DS_FIND_MCAST_NO_CAPTURE,        /* the wire could not be watched */
	DS_FIND_MCAST_MEMBER,            /* /proc lists the membership */
	DS_FIND_MCAST_NOT_MEMBER,        /* /proc does not */
	DS_FIND_MCAST_RP_FILTER,         /* strict reverse-path filtering
	                                  * drops sources not routed back
	                                  * through the interface */
	DS_FIND_MCAST_HOPS_ONE,          /* the group's datagrams die at the
	                                  * first router unless senders raise
	                                  * the default hop limit of 1 */
	/* The interface: down (state "down"), or up without a carrier
	 * ("no-carrier"); IFF_MULTICAST off; no IPv4 address, or no IPv6
	 * link-local out of DAD, so reports leave from 0.0.0.0 or ::. */
	DS_FIND_MCAST_IFACE_DOWN,
	DS_FIND_MCAST_NO_MULTICAST,
	DS_FIND_MCAST_NO_ADDRESS,
	/* The interface sending to the group without -i takes: this one,
	 * another (other-interface), none (errno). */
	DS_FIND_MCAST_ROUTE,
	DS_FIND_MCAST_ROUTE_OTHER,
	DS_FIND_MCAST_NO_ROUTE,
	/* Other sockets joined the group only on other interfaces. */
	DS_FIND_MCAST_OTHER_IFACE,
	/* The live ruleset: lets the datagrams in and the report out; a
	 * rule or policy drops the datagrams, or the report; a rule the
	 * model cannot evaluate decides; it could not be read. */
	DS_FIND_MCAST_FW_PASS,
	DS_FIND_MCAST_FW_DROP,
	DS_FIND_MCAST_FW_REPORT_DROP,
	DS_FIND_MCAST_FW_UNKNOWN,
	DS_FIND_MCAST_FW_NOT_READ,
	DS_FIND__MCAST_END,
	/* fw (400-499): what "firewall check" finds in a ruleset. */
	DS_FIND_FW_ICMPV6_MUST = 400, /* ICMPv6 RFC 4890 says must pass is
	                               * dropped */
	DS_FIND_FW_ICMPV6_SHOULD,     /* ... should pass is dropped */
	DS_FIND_FW_ICMPV6_UNKNOWN,    /* ... meets a rule the model cannot
	                               * evaluate */
	DS_FIND_FW_ICMPV6_OK,         /* every must-pass message passes */
	DS_FIND_FW_V6_OPEN,           /* IPv6 accepts what IPv4 drops */
	DS_FIND_FW_SERVICE_V4_ONLY,   /* open on IPv4, dropped on IPv6 */
	DS_FIND_FW_SERVICE_V6_ONLY,   /* open on IPv6, dropped on IPv4 */
	DS_FIND_FW_TUNNEL,            /* Teredo or 6in4 passes while native
	                               * IPv6 is filtered */
	DS_FIND_FW_ND_RATE,           /* a rate limit low enough to break
	                               * Neighbor Discovery */
	DS_FIND__FW_END,
	/* ra (500-599): what "dualstack ra" saw on a link, one event each.
	 * The subject is the router's link-local address. */
	DS_FIND_RA_NEW_ROUTER = 500, /* first RA of a router (no baseline) */
	DS_FIND_RA_UNKNOWN_ROUTER,   /* a router outside the baseline */
	DS_FIND_RA_CHANGED,          /* a known router changed its content */
	DS_FIND_RA_LEAVING,          /* router lifetime 0: not a default
	                              * router any more */
	DS_FIND_RA_SPOOFED_LEAVING,  /* lifetime 0 from a known router's
	                              * address but another MAC (mitm6) */
	DS_FIND_RA_ODD_PREFIX,       /* 6to4, Teredo, ULA or documentation */
	DS_FIND_RA_BEHIND_EXT,       /* accepted, behind extension headers */
	DS_FIND_RA_IGNORED,          /* an RA a host would ignore */
	DS_FIND_RA_FLOOD,            /* RAs or sources per second too many */
	DS_FIND_RA_UNKNOWN_PREFIX,   /* a prefix outside the baseline */
	DS_FIND_RA_CLEARED,          /* a counter-RA was sent (--clear) */
	DS_FIND_RA_ROUTER,           /* a router and its RA, listed */
	DS_FIND__RA_END,
	/* host (200-299): "dualstack doctor", judging ds_host_facts. */
	DS_FIND_HOST_CLASS = 200,        /* the connectivity class */
	DS_FIND_HOST_TEREDO,             /* a Teredo address, 2001::/32 */
	DS_FIND_HOST_6TO4,               /* a 6to4 address, 2002::/16 */
	DS_FIND_HOST_DEPRECATED,         /* an address past its preferred
	                                  * lifetime */
	DS_FIND_HOST_DADFAILED,          /* DAD found the address in use */
	DS_FIND_HOST_TENTATIVE,          /* DAD not done; on a link without
	                                  * carrier it never will be */
	DS_FIND_HOST_TEMPADDR,           /* temporary-address policy */
	DS_FIND_HOST_NO_DEFAULT_ROUTE,   /* a global address, no default */
	DS_FIND_HOST_ROUTER_UNREACHABLE, /* the default router's neighbour
	                                  * entry failed */
	DS_FIND_HOST_RA_IGNORED,         /* forwarding=1 and accept_ra=1 */
	DS_FIND_HOST_IPV6_DISABLED,      /* disable_ipv6=1 on a link */
	DS_FIND_HOST_MTU_TOO_SMALL,      /* below 1280, RFC 8200 section 5 */
	DS_FIND_HOST_TUNNEL,             /* a tunnel interface and its MTU */
	DS_FIND_HOST_PMTU_EXCEPTION,     /* a cached path MTU */
	DS_FIND_HOST_BINDV6ONLY,         /* net.ipv6.bindv6only=1 */
	DS_FIND_HOST_LOOPBACK,           /* the loopback self-test */
	DS_FIND_HOST_POLICY,             /* the RFC 6724 table in use */
	DS_FIND_HOST_RESOLV_SERVERS,     /* nameservers per family */
	DS_FIND_HOST_RESOLV_STALL,       /* worst wait of a silent lookup */
	DS_FIND_HOST_SINGLE_REQUEST,     /* single-request(-reopen) */
	DS_FIND_HOST_RESOLV_OPTIONS,     /* edns0, trust-ad */
	DS_FIND_HOST_NDOTS_SEARCH,       /* ndots > 1 with a search list */
	DS_FIND_HOST_NSSWITCH,           /* hosts: dns before files */
	DS_FIND_HOST_LOCALHOST,          /* no ::1 (or 127.0.0.1) localhost */
	DS_FIND_HOST_UNREADABLE,         /* a fact could not be read */
	DS_FIND_HOST_PROBE,              /* --probe: the race's winner */
	DS_FIND_HOST_PROBE_V6_LOST,      /* --probe: IPv6 tried and lost */
	DS_FIND_HOST_PROBE_FAILED,       /* --probe: no attempt connected */
	DS_FIND__HOST_END,
};

/* "reach.dropped", ...; NULL for a value that is no code. */
DS_EXPORT const char *ds_finding_token(enum ds_finding_code c);

/* The code a token names: 0 or -EINVAL. */
DS_EXPORT int ds_finding_code_parse(
    const char *s, size_t len, enum ds_finding_code *ret);

/* What a piece of evidence is. */
enum ds_evidence_key {
	DS_EVK_TARGET = 1, /* the address or endpoint tested */
	DS_EVK_FAMILY,     /* AF_INET or AF_INET6, as a uint */
	DS_EVK_PORT,
	DS_EVK_COUNT,   /* how many of something (attempts of this kind) */
	DS_EVK_OF,      /* ... out of how many */
	DS_EVK_SEEN,    /* connections the agent saw arrive */
	DS_EVK_TOKENS,  /* well-formed tokens among them */
	DS_EVK_ERRNO,   /* the errno behind it */
	DS_EVK_CODE,    /* another enum's token, e.g. the checker's ERR code */
	DS_EVK_ELAPSED, /* a duration */
	DS_EVK_PEER,    /* the other end: the checker, a server */
	DS_EVK_PORT_ONLY,     /* bool: connections only, no data through them */
	DS_EVK_QTYPE,         /* a DNS query type's token: "A", "AAAA" */
	DS_EVK_TRANSPORT,     /* "udp", "tcp" */
	DS_EVK_RCODE,         /* a DNS response code's token: "SERVFAIL" */
	DS_EVK_STALL,         /* a duration a client waits because of it */
	DS_EVK_OTHER_ELAPSED, /* the duration the other type took */
	DS_EVK_SIZE,          /* a size in octets (EDNS0 buffer, answer) */
	DS_EVK_WORKS_AT,      /* the largest size that still works */
	DS_EVK_PREFIX,        /* a prefix (DNS64's) */
	DS_EVK_WELL_KNOWN,    /* bool: the well-known one */
	DS_EVK_ANSWERED_BY,   /* another server that answered */
	DS_EVK_MITIGATED,     /* bool: the system is set to avoid it */
	DS_EVK_INTERFACE,     /* text: an interface's name */
	DS_EVK_SOURCE,        /* a source address (SSM) */
	DS_EVK_SETTING,       /* text: a sysctl or a file */
	DS_EVK_VALUE,         /* uint: the setting's value */
	DS_EVK_RULE,          /* text: a firewall rule as written */
	DS_EVK_CHAIN,         /* text: "inet filter input" */
	DS_EVK_HANDLE,        /* nftables' rule handle */
	DS_EVK_LINE,          /* a line of a file */
	DS_EVK_FIX,           /* text: the rule that would mend it */
	DS_EVK_ICMP_TYPE,
	DS_EVK_ICMP_CODE,
	DS_EVK_HOOK,     /* token: ds_fw_hook_token() */
	DS_EVK_SECTION,  /* token: an RFC section, "4.4.1" */
	DS_EVK_PROTO,    /* an IP protocol number */
	DS_EVK_RATE,     /* packets per second */
	DS_EVK_POLICY,   /* bool: a chain's policy decided, not a rule */
	DS_EVK_ROUTER,   /* ra: the router's link-local address */
	DS_EVK_MAC,      /* ra: a MAC address, as text */
	DS_EVK_IFACE,    /* the interface, as text */
	DS_EVK_REASON,   /* ra: why a host ignores it (a ds_ra_why token) */
	DS_EVK_CHANGE,   /* ra: what changed (a ds_ra_change token) */
	DS_EVK_KIND,     /* ra: a prefix's kind (ds_ra_pfx_kind token) */
	DS_EVK_LIFETIME, /* ra: router lifetime, a duration */
	DS_EVK_VERDICT,  /* ra: "accepted" or "ignored" */
	DS_EVK_ADDRESS,  /* an address of this host */
	DS_EVK_CLASS,    /* a token: a class, a kind */
	DS_EVK_MTU,
	DS_EVK_GATEWAY,
	DS_EVK_STATE,    /* a token: a neighbour state, a flag */
	DS_EVK_LIMIT,    /* the value it is judged against */
	DS_EVK_IPV4,     /* bool or count for IPv4 */
	DS_EVK_IPV6,     /* bool or count for IPv6 */
	DS_EVK_TIMEOUT,  /* a configured wait */
	DS_EVK_ATTEMPTS, /* a configured number of tries */
	DS_EVK_SERVERS,  /* how many servers */
	DS_EVK_RESOLVE,  /* a duration: the lookup's */
	DS_EVK_NAT64,    /* the NAT64 prefix, or false: none */
	/* text: an interface other than the one checked */
	DS_EVK_OTHER_IFACE,
	DS__EVK_END,
};

/* "target", "family", "port", ...; NULL out of range. */
DS_EXPORT const char *ds_evidence_key_token(enum ds_evidence_key k);

enum ds_evidence_type {
	DS_EV_UINT = 1,
	DS_EV_DURATION_US,
	DS_EV_ERRNO, /* a positive errno */
	DS_EV_TOKEN, /* a static machine token, e.g. ds_reach_err_name() */
	DS_EV_ADDR,
	DS_EV_ENDPOINT,
	DS_EV_PREFIX,
	DS_EV_BOOL,
	DS_EV_TEXT, /* a name or a line as the system gave it: an
	             * interface, a sysctl, a file's line, a rule */
};

/*
 * The longest text a piece of evidence holds, with its NUL: enough for a
 * path, a resolv.conf or gai.conf line, an nftables rule. A longer one is
 * cut (ds_finding_add_text() says so).
 */
#define DS_EVIDENCE_TEXT_MAX 160

struct ds_evidence {
	enum ds_evidence_key key;
	enum ds_evidence_type type;
	union {
		uint64_t u;        /* UINT, DURATION_US */
		int err;           /* ERRNO */
		const char *token; /* TOKEN: static storage */
		struct ds_addr addr;
		struct ds_endpoint ep;
		struct ds_prefix prefix;
		bool b;                          /* BOOL */
		char text[DS_EVIDENCE_TEXT_MAX]; /* TEXT, NUL-terminated */
	} v;
};

#define DS_FINDING_EVIDENCE_MAX 8

struct ds_finding {
	enum ds_finding_code code;
	enum ds_severity severity;
	/* What it is about: an evidence value whose key says what kind (a
	 * target endpoint, a server); type 0 when there is none. */
	struct ds_evidence subject;
	size_t n_evidence;
	struct ds_evidence evidence[DS_FINDING_EVIDENCE_MAX];
};

/* A finding of code and severity with no subject and no evidence. */
DS_EXPORT void ds_finding_init(
    struct ds_finding *f, enum ds_finding_code code, enum ds_severity severity);

/*
 * Add one piece of evidence; a key given twice replaces the first.
 * Returns 0, -ENOSPC (DS_FINDING_EVIDENCE_MAX reached) or -EINVAL (a key
 * or token out of range, a NULL token).
 */
DS_EXPORT int ds_finding_add_uint(
    struct ds_finding *f, enum ds_evidence_key k, uint64_t v);
DS_EXPORT int ds_finding_add_duration(
    struct ds_finding *f, enum ds_evidence_key k, uint64_t us);
DS_EXPORT int ds_finding_add_errno(
    struct ds_finding *f, enum ds_evidence_key k, int err);
DS_EXPORT int ds_finding_add_token(
    struct ds_finding *f, enum ds_evidence_key k, const char *token);
DS_EXPORT int ds_finding_add_addr(
    struct ds_finding *f, enum ds_evidence_key k, const struct ds_addr *a);
DS_EXPORT int ds_finding_add_endpoint(
    struct ds_finding *f, enum ds_evidence_key k, const struct ds_endpoint *ep);
DS_EXPORT int ds_finding_add_bool(
    struct ds_finding *f, enum ds_evidence_key k, bool v);
DS_EXPORT int ds_finding_add_prefix(
    struct ds_finding *f, enum ds_evidence_key k, const struct ds_prefix *p);
/*
 * Text of len bytes (no NUL needed; a NUL inside ends it). Returns 0, 1
 * when it was longer than DS_EVIDENCE_TEXT_MAX - 1 bytes and was cut to
 * that, or the errors above.
 */
DS_EXPORT int ds_finding_add_text(
    struct ds_finding *f, enum ds_evidence_key k, const char *text, size_t len);

/* The evidence of key k, or NULL. */
DS_EXPORT const struct ds_evidence *ds_finding_get(
    const struct ds_finding *f, enum ds_evidence_key k);

/* The uint (or duration) of key k, or dflt when there is none. */
DS_EXPORT uint64_t ds_finding_uint(
    const struct ds_finding *f, enum ds_evidence_key k, uint64_t dflt);

/* The bool of key k; false when there is none. */
DS_EXPORT bool ds_finding_bool(
    const struct ds_finding *f, enum ds_evidence_key k);

#endif
