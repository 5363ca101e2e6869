/* SPDX-License-Identifier: MIT */
/*
 * The words of "dualstack reach" (cmd-reach-words.h): the phrases for
 * the library's refusals, events, outcomes, failures and findings. One
 * place for all of them, so that the text output, the "text" of JSON
 * output and the checker's ERR lines say the same, and so that a test
 * can see that every value the library names has words here.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>

#include "dualstack/error.h"

#include "cmd-reach-words.h"

/* Text appended to a caller's buffer, snprintf-style: n counts what the
 * whole text needs, whatever fits. */
struct words {
	char *buf;
	size_t size, n;
};

static void say(struct words *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(struct words *w, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(w->n < w->size ? w->buf + w->n : NULL,
	    w->n < w->size ? w->size - w->n : 0, fmt, ap);
	va_end(ap);
	if (r > 0)
		w->n += (size_t)r;
}

static void
words_begin(struct words *w, char *buf, size_t size)
{
	w->buf = buf;
	w->size = size;
	w->n = 0;
	if (size > 0)
		buf[0] = '\0';
}

static int
words_end(const struct words *w)
{
	return w->n > INT32_MAX ? INT32_MAX : (int)w->n;
}

/* An address, a prefix or an endpoint as text ("?" when it has none). */
struct addr_text {
	char s[DS_ENDPOINT_STRLEN];
};

static const char *
addr_text(const struct ds_addr *a, struct addr_text *t)
{
	if (ds_addr_format(a, 0, t->s, sizeof(t->s)) < 0)
		snprintf(t->s, sizeof(t->s), "?");
	return t->s;
}

static const char *
prefix_text(const struct ds_prefix *p, struct addr_text *t)
{
	if (ds_prefix_format(p, 0, t->s, sizeof(t->s)) < 0)
		snprintf(t->s, sizeof(t->s), "?");
	return t->s;
}

static const char *
endpoint_text(const struct ds_endpoint *ep, struct addr_text *t)
{
	if (ds_endpoint_format(ep, 0, t->s, sizeof(t->s)) < 0)
		snprintf(t->s, sizeof(t->s), "?");
	return t->s;
}

/* "s" for a count other than one. */
static const char *
plural(unsigned n)
{
	return n == 1 ? "" : "s";
}

const char *
reach_family_words(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

const char *
reach_verdict_words(enum ds_reach_verdict v)
{
	static const char *const words[DS_REACH__VERDICT_END] = {
	    [DS_REACH_REACHABLE] = "reachable",
	    [DS_REACH_PARTIAL] = "partial",
	    [DS_REACH_UNREACHABLE] = "unreachable",
	};

	if ((unsigned)v >= DS_REACH__VERDICT_END)
		return NULL;
	return words[v];
}

const char *
reach_outcome_words(enum ds_reach_outcome o)
{
	static const char *const words[DS_REACH__OUTCOME_END] = {
	    [DS_REACH_DELIVERED] = "delivered",
	    [DS_REACH_CONNECTED] = "connected",
	    [DS_REACH_NOT_RETURNED] = "not returned",
	    [DS_REACH_MISMATCH] = "token mismatch",
	    [DS_REACH_REFUSED] = "refused",
	    [DS_REACH_PROHIBITED] = "prohibited",
	    [DS_REACH_NO_ROUTE] = "no route",
	    [DS_REACH_ADDR_UNREACH] = "address unreachable",
	    [DS_REACH_TIMEOUT] = "timed out",
	    [DS_REACH_RESET] = "reset",
	    [DS_REACH_ERROR] = "error",
	};

	if ((unsigned)o >= DS_REACH__OUTCOME_END)
		return NULL;
	return words[o];
}

const char *
reach_outcome_meaning(enum ds_reach_outcome o)
{
	static const char *const words[DS_REACH__OUTCOME_END] = {
	    [DS_REACH_DELIVERED] = "connected, token returned intact",
	    [DS_REACH_CONNECTED] = "the connection was established",
	    [DS_REACH_NOT_RETURNED] =
	        "connected and token sent, but it never came back",
	    [DS_REACH_MISMATCH] =
	        "a token came back altered: something rewrote it",
	    [DS_REACH_REFUSED] =
	        "TCP RST or port unreachable: nothing listening",
	    [DS_REACH_PROHIBITED] =
	        "ICMP administratively prohibited: a REJECT rule",
	    [DS_REACH_NO_ROUTE] = "ICMP no route to destination",
	    [DS_REACH_ADDR_UNREACH] =
	        "ICMP address unreachable: no neighbour answered",
	    [DS_REACH_TIMEOUT] = "no answer: silently dropped",
	    [DS_REACH_RESET] = "reset after the connection was made",
	    [DS_REACH_ERROR] = "an error on the checker",
	};

	if ((unsigned)o >= DS_REACH__OUTCOME_END)
		return NULL;
	return words[o];
}

/*
 * Why a test from outside cannot reach an address, by the most specific
 * block of the special-purpose registries (RFC 6890) it is in.
 */
const char *
reach_unfit_phrase(enum ds_addr_kind kind, int family)
{
	bool v6 = family == AF_INET6;

	if (family == 0)
		return "no address";
	switch (kind) {
	case DS_KIND_UNSPECIFIED:
		return v6 ? "the unspecified address (::): it means \"any "
		            "address\" to bind to, no host has it"
		          : "the unspecified address (0.0.0.0): it means "
		            "\"any address\" to bind to, no host has it";
	case DS_KIND_LOOPBACK:
		return "loopback: it reaches this host only from this host, "
		       "never from outside";
	case DS_KIND_THIS_NETWORK:
		return "\"this network\" (0.0.0.0/8, RFC 791): not valid as a "
		       "destination";
	case DS_KIND_PRIVATE:
		return "private IPv4 address (RFC 1918): not routed on the "
		       "Internet; behind NAT the checker reaches the NAT, not "
		       "this host";
	case DS_KIND_SHARED:
		return "shared address space (100.64.0.0/10, RFC 6598): a "
		       "carrier-grade NAT's inside, not reachable from the "
		       "Internet";
	case DS_KIND_LINK_LOCAL:
		return v6 ? "link-local (fe80::/10): it cannot be reached from "
		            "another link"
		          : "link-local (169.254.0.0/16, RFC 3927): it cannot "
		            "be reached from another link";
	case DS_KIND_SITE_LOCAL:
		return "site-local (fec0::/10, deprecated by RFC 3879): not "
		       "routed beyond the site";
	case DS_KIND_ULA:
		return "unique local (fc00::/7, RFC 4193): not routed on the "
		       "Internet";
	case DS_KIND_DOCUMENTATION:
		return v6
		    ? "documentation prefix (2001:db8::/32 or 3fff::/20), "
		      "not routed: examples only"
		    : "documentation prefix (192.0.2.0/24, "
		      "198.51.100.0/24 or 203.0.113.0/24), not routed: "
		      "examples only";
	case DS_KIND_BENCHMARKING:
		return v6
		    ? "benchmarking prefix (2001:2::/48, RFC 5180): for "
		      "lab networks, not routed"
		    : "benchmarking prefix (198.18.0.0/15, RFC 2544): for "
		      "lab networks, not routed";
	case DS_KIND_MAPPED:
		return "IPv4-mapped (::ffff:0:0/96): an IPv4 address as the "
		       "sockets API shows it, never on the wire (RFC 4291 "
		       "section 2.5.5.2); announce the IPv4 address itself";
	case DS_KIND_COMPATIBLE:
		return "IPv4-compatible (::/96): deprecated by RFC 4291, not "
		       "routed";
	case DS_KIND_TRANSLATED:
		return "IPv4-translated (::ffff:0:0:0/96, RFC 2765): used "
		       "inside a translator, not routed";
	case DS_KIND_NAT64:
		return "NAT64 prefix (RFC 6052, RFC 8215): it names an IPv4 "
		       "host behind a translator, not this host";
	case DS_KIND_6TO4:
		return v6 ? "6to4 (2002::/16): reached only through 6to4 "
		            "relays, which are mostly gone (RFC 7526); not "
		            "native IPv6"
		          : "6to4 relay anycast (192.88.99.0/24, deprecated "
		            "by RFC 7526): not a host address";
	case DS_KIND_TEREDO:
		return "Teredo (2001::/32, RFC 4380): a tunnel through NAT "
		       "that needs a relay and the NAT's mapping; a test "
		       "says nothing about native IPv6 and usually fails";
	case DS_KIND_ORCHID:
		return "ORCHID (RFC 7343): a cryptographic identifier, not a "
		       "routable locator";
	case DS_KIND_DISCARD:
		return "discard-only prefix (100::/64, RFC 6666): routers "
		       "drop what is sent to it";
	case DS_KIND_MULTICAST:
		return "multicast: TCP needs a unicast address";
	case DS_KIND_BROADCAST:
		return "the limited broadcast address: TCP needs a unicast "
		       "address";
	case DS_KIND_RESERVED:
		return "reserved address space (240.0.0.0/4): not routed";
	case DS_KIND_PROTOCOL:
		return "reserved for a protocol (IETF protocol assignments): "
		       "not a host address reachable from the Internet";
	case DS_KIND_GLOBAL_UNICAST:
	case DS_KIND_OTHER:
	default:
		break;
	}
	return v6 ? "outside global unicast (2000::/3, RFC 4291 section 2.4): "
	            "not assigned, not routed"
	          : "not a globally reachable address";
}

int
reach_refusal_text(const struct ds_reach_refusal *rf, char *buf, size_t size)
{
	struct addr_text t, u;
	struct words w;

	words_begin(&w, buf, size);
	switch (rf->why) {
	case DS_REACH_WHY_LINE_TOO_LONG:
		say(&w, "a line over %u bytes", rf->limit);
		break;
	case DS_REACH_WHY_SYNTAX_EMPTY:
		say(&w, "column %u: empty line", rf->column);
		break;
	case DS_REACH_WHY_SYNTAX_KEYWORD:
		say(&w, "column %u: unknown keyword", rf->column);
		break;
	case DS_REACH_WHY_SYNTAX_MISSING:
		say(&w, "column %u: a field is missing", rf->column);
		break;
	case DS_REACH_WHY_SYNTAX_EXTRA:
		say(&w, "column %u: unexpected text", rf->column);
		break;
	case DS_REACH_WHY_SYNTAX_CHAR:
		say(&w, "column %u: not printable ASCII", rf->column);
		break;
	case DS_REACH_WHY_SYNTAX_FIELD:
		say(&w, "column %u: %s", rf->column, ds_strerror(rf->err));
		break;
	case DS_REACH_WHY_COUNT_RANGE:
		say(&w,
		    "column %u: this checker makes 1 to %u test connections",
		    rf->column, rf->limit);
		break;
	case DS_REACH_WHY_PORT_RANGE:
		say(&w, "column %u: the port must be 1 to 65535", rf->column);
		break;
	case DS_REACH_WHY_COUNT:
		say(&w, "%u test connections: this checker makes 1 to %u",
		    rf->count, rf->limit);
		break;
	case DS_REACH_WHY_PORT_LOW:
		say(&w, "port %u: this checker tests ports 1024 to 65535 only",
		    rf->port);
		break;
	case DS_REACH_WHY_TARGET_ZONE:
		say(&w, "%s has a zone: it means nothing on this host",
		    addr_text(&rf->target, &t));
		break;
	case DS_REACH_WHY_TARGET_SELF:
		say(&w, "%s is an address of this checker",
		    addr_text(&rf->target, &t));
		break;
	case DS_REACH_WHY_TARGET_OWN_NET:
		say(&w, "%s is on a network of this checker (%s)",
		    addr_text(&rf->target, &t), prefix_text(&rf->net, &u));
		break;
	case DS_REACH_WHY_TARGET_UNFIT:
		say(&w, "%s", reach_unfit_phrase(rf->kind, rf->target.family));
		break;
	case DS_REACH_WHY_TARGET_NOT_PEER:
		say(&w,
		    "%s is not the address this control connection comes "
		    "from (%s)",
		    addr_text(&rf->target, &t), addr_text(&rf->from, &u));
		break;
	case DS_REACH_WHY_NO_CLAIM_ADDRESS:
		say(&w,
		    "this checker has no %s address to take a claim on (%s)",
		    reach_family_words(rf->family), ds_strerror(rf->err));
		break;
	case DS_REACH_WHY_NO_CLAIM:
		say(&w,
		    "no claim from %s within %u ms: the target must connect "
		    "to this checker and send CLAIM with the PROVE token",
		    addr_text(&rf->target, &t), rf->limit);
		break;
	case DS_REACH_WHY_CLAIM_SOURCE:
		say(&w, "this claim comes from %s, not from the target %s",
		    addr_text(&rf->from, &t), addr_text(&rf->target, &u));
		break;
	case DS_REACH_WHY_CLAIMED_ELSEWHERE:
		say(&w,
		    "the claim came from %s, not from the target %s: send it "
		    "from the target address",
		    addr_text(&rf->from, &t), addr_text(&rf->target, &u));
		break;
	case DS_REACH_WHY_CLAIM_UNKNOWN:
		say(&w, "no check waits for this claim");
		break;
	case DS_REACH_WHY_CHECK_RUNNING:
		say(&w, "a check is running on this connection");
		break;
	case DS_REACH_WHY_CLAIM_CONNECTION:
		say(&w, "a claim comes on a connection of its own");
		break;
	case DS_REACH_WHY_TOKENS_UNEXPECTED:
		say(&w, "TOKENS without a check waiting for them");
		break;
	case DS_REACH_WHY_AGENT_LINE:
		say(&w, "an agent sends CHECK, CLAIM and TOKENS only");
		break;
	case DS_REACH_WHY_BUSY_CHECK:
		say(&w, "an %s check from %s is running already",
		    reach_family_words(rf->family), addr_text(&rf->from, &t));
		break;
	case DS_REACH_WHY_BUSY_AGENTS:
		say(&w, "%u agents are connected already", rf->limit);
		break;
	case DS_REACH_WHY_BUSY_SOURCE:
		say(&w, "%u control connections from %s are open already",
		    rf->limit, prefix_text(&rf->net, &t));
		break;
	case DS_REACH_WHY_RATE_AGENT:
		say(&w, "more than %u checks a minute from %s", rf->limit,
		    prefix_text(&rf->net, &t));
		break;
	case DS_REACH_WHY_RATE_TARGET:
		say(&w, "%s has had its %u test connections this minute",
		    prefix_text(&rf->net, &t), rf->limit);
		break;
	case DS_REACH_WHY_IDLE:
		say(&w, "no complete line in %u ms", rf->limit);
		break;
	case DS_REACH_WHY_TOKENS_LATE:
		say(&w, "no TOKENS within %u ms after the deadline", rf->limit);
		break;
	case DS_REACH_WHY_NO_MEMORY:
		say(&w, "out of memory");
		break;
	case DS_REACH_WHY_INTERNAL:
		say(&w, "%s", ds_strerror(rf->err));
		break;
	case DS_REACH_WHY_SELF_UNKNOWN:
		say(&w, "cannot tell whether %s is this checker's: %s",
		    addr_text(&rf->target, &t), ds_strerror(rf->err));
		break;
	case DS_REACH__WHY_END:
	default:
		break;
	}
	return words_end(&w);
}

int
reach_event_text(const struct ds_reach_event *ev, char *buf, size_t size)
{
	/* What the checker sends (ERR text) fits 384 bytes; so does this. */
	char why[384];
	struct addr_text a, t, u;
	struct words w;

	words_begin(&w, buf, size);
	addr_text(&ev->agent.addr, &a);
	switch (ev->kind) {
	case DS_REACH_EV_STARTED:
		say(&w, "check from %s started: %s, %u connection%s%s", a.s,
		    endpoint_text(&ev->target, &t), ev->count,
		    plural(ev->count), ev->port_only ? ", port only" : "");
		break;
	case DS_REACH_EV_CLAIM_ASKED:
		say(&w, "check from %s: %s must be claimed, from it, at %s",
		    a.s, endpoint_text(&ev->target, &t),
		    endpoint_text(&ev->claim_to, &u));
		break;
	case DS_REACH_EV_CLAIMED:
		say(&w, "check from %s: %s claimed", a.s,
		    addr_text(&ev->target.addr, &t));
		break;
	case DS_REACH_EV_REFUSED:
		reach_refusal_text(&ev->refusal, why, sizeof(why));
		say(&w, "agent %s refused (%s): %s", a.s,
		    ds_reach_err_name(ev->refusal.code), why);
		break;
	case DS_REACH_EV_ENDED:
		say(&w, "check from %s ended: %s %s %u/%u", a.s,
		    endpoint_text(&ev->target, &t),
		    reach_verdict_words(ev->verdict)
		        ? reach_verdict_words(ev->verdict)
		        : "unknown",
		    ev->delivered, ev->count);
		break;
	case DS_REACH_EV_ABORTED:
		say(&w, "check from %s ended: the control connection closed",
		    a.s);
		break;
	case DS_REACH__EV_END:
	default:
		break;
	}
	return words_end(&w);
}
