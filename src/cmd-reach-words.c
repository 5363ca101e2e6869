/* SPDX-License-Identifier: MIT */
/*
 * The words of "dualstack reach" (cmd-reach-words.h): the phrases for
 * the library's refusals, events, outcomes, failures and findings. One
 * place for all of them, so that the text output, the "text" of JSON
 * output and the checker's ERR lines say the same, and so that a test
 * can see that every value the library names has words here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dualstack/error.h"

#include "cli.h"
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
	return ds_endpoint_text(ep, "?", t->s, sizeof(t->s));
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
	char d[CLI_DURATION_STRLEN];

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
		say(&w, "%s", reach_unfit_phrase(rf->block, rf->target.family));
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
		    "no claim from %s within %s: the target must connect "
		    "to this checker and send CLAIM with the PROVE token",
		    addr_text(&rf->target, &t),
		    cli_duration_ms_text(rf->limit, d, sizeof(d)));
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
		say(&w, "no complete line in %s",
		    cli_duration_ms_text(rf->limit, d, sizeof(d)));
		break;
	case DS_REACH_WHY_TOKENS_LATE:
		say(&w, "no TOKENS within %s after the deadline",
		    cli_duration_ms_text(rf->limit, d, sizeof(d)));
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

int
reach_fault_text(const struct ds_reach_fault *f, const char *server,
    const char *remote, char *buf, size_t size)
{
	struct addr_text t, u;
	const char *fam = reach_family_words(f->family);
	struct words w;
	char d[CLI_DURATION_STRLEN];

	words_begin(&w, buf, size);
	if (!server)
		server = "the checker";
	if (!remote)
		remote = "";
	switch (f->what) {
	case DS_REACH_FAIL_UNFIT:
		say(&w, "%s", reach_unfit_phrase(f->block, f->addr.family));
		break;
	case DS_REACH_FAIL_CONNECT:
		say(&w, "control connection to %s port %u: %s", server, f->n,
		    ds_strerror(f->err));
		break;
	case DS_REACH_FAIL_WATCH:
		say(&w, "cannot watch the control connection: %s",
		    ds_strerror(f->err));
		break;
	case DS_REACH_FAIL_READ:
		say(&w, "the control connection failed: %s",
		    ds_strerror(f->err));
		break;
	case DS_REACH_FAIL_WRITE:
		say(&w, "cannot write to the control connection: %s",
		    ds_strerror(f->err));
		break;
	case DS_REACH_FAIL_CLOSED:
		say(&w, "the checker closed the control connection");
		break;
	case DS_REACH_FAIL_FORMAT:
		say(&w, "cannot write a protocol line");
		break;
	case DS_REACH_FAIL_TIMEOUT:
		say(&w, "no complete report within %s",
		    cli_duration_ms_text(f->n, d, sizeof(d)));
		break;
	case DS_REACH_FAIL_NOT_CHECKER:
		say(&w, "%s did not greet like a reach checker", server);
		break;
	case DS_REACH_FAIL_VERSION:
		say(&w,
		    "the checker speaks reach protocol version %u, this agent "
		    "speaks %u",
		    f->n, f->of);
		break;
	case DS_REACH_FAIL_BAD_LINE:
		say(&w,
		    "the checker sent a line that does not parse (column %u: "
		    "%s)",
		    f->n, ds_strerror(f->err));
		break;
	case DS_REACH_FAIL_LONG_LINE:
		say(&w, "the checker sent a line over %u bytes", f->n);
		break;
	case DS_REACH_FAIL_OUT_OF_TURN:
		say(&w, "the checker sent a line out of turn: %s", remote);
		break;
	case DS_REACH_FAIL_COUNT:
		say(&w, "the checker accepted %u test connections, not %u",
		    f->n, f->of);
		break;
	case DS_REACH_FAIL_ATTEMPT_TWICE:
		say(&w, "the checker reported attempt %u twice", f->n);
		break;
	case DS_REACH_FAIL_ATTEMPTS_MISSING:
		say(&w, "the checker reported %u of %u attempts", f->n, f->of);
		break;
	case DS_REACH_FAIL_NO_ROUTE:
		say(&w,
		    "no %s address to announce: this host has no %s route (%s)",
		    fam, fam, ds_strerror(f->err));
		break;
	case DS_REACH_FAIL_NO_SOURCE:
		say(&w, "no source address toward %s: %s",
		    addr_text(&f->addr, &t), ds_strerror(f->err));
		break;
	case DS_REACH_FAIL_LISTEN:
		say(&w, "cannot listen on %s: %s%s%s",
		    endpoint_text(&f->ep, &t), f->step ? f->step : "",
		    f->step ? ": " : "", ds_strerror(f->err));
		break;
	case DS_REACH_FAIL_LISTEN_ADDRESS:
		say(&w, "the test listener has no address");
		break;
	case DS_REACH_FAIL_CLAIM_FAMILY:
		say(&w,
		    "the checker wants the claim of %s sent to %s, another "
		    "family",
		    addr_text(&f->addr, &t), endpoint_text(&f->ep, &u));
		break;
	case DS_REACH_FAIL_CLAIM_SOCKET:
		say(&w, "cannot claim %s: %s", addr_text(&f->addr, &t),
		    ds_strerror(f->err));
		break;
	case DS_REACH_FAIL_CLAIM_BIND:
		say(&w, "cannot claim %s: this host cannot send from it (%s)",
		    addr_text(&f->addr, &t), ds_strerror(f->err));
		break;
	case DS_REACH_FAIL_CLAIM_CONNECT:
		say(&w,
		    "cannot claim %s: no connection from it to the checker at "
		    "%s: %s",
		    addr_text(&f->addr, &t), endpoint_text(&f->ep, &u),
		    ds_strerror(f->err));
		break;
	case DS_REACH_FAIL_CLAIM_SEND:
		say(&w, "cannot send the claim: %s", ds_strerror(f->err));
		break;
	case DS_REACH_FAIL_CLAIM_BAD_LINE:
		say(&w,
		    "the checker sent a line that does not parse on the claim "
		    "connection");
		break;
	case DS_REACH_FAIL_CLAIM_OUT_OF_TURN:
		say(&w,
		    "the checker sent a line out of turn on the claim "
		    "connection");
		break;
	case DS_REACH__FAIL_END:
	default:
		break;
	}
	return words_end(&w);
}

int
reach_agent_event_text(const struct ds_reach_agent_event *ev,
    const char *server, char *buf, size_t size)
{
	/* A failure's words fit what a flow line had room for. */
	char why[512];
	struct addr_text t, u;
	const char *fam = reach_family_words(ev->family);
	struct words w;
	char dur[CLI_DURATION_STRLEN];

	words_begin(&w, buf, size);
	if (!server)
		server = "the checker";
	switch (ev->kind) {
	case DS_REACH_AG_CONTROL:
		cli_duration_text(ev->connect_us, dur, sizeof(dur));
		say(&w, "control connection to %s over %s, from %s, in %s",
		    endpoint_text(&ev->peer, &t),
		    reach_family_words(ev->peer.addr.family),
		    endpoint_text(&ev->local, &u), dur);
		break;
	case DS_REACH_AG_GREETING:
		say(&w, "checker speaks version %u", ev->version);
		break;
	case DS_REACH_AG_SOURCE:
		say(&w, "source address toward the checker: %s",
		    addr_text(&ev->addr, &t));
		break;
	case DS_REACH_AG_RESOLVED:
		say(&w, "the checker's %s address is %s; source %s", fam,
		    addr_text(&ev->checker, &t), addr_text(&ev->addr, &u));
		break;
	case DS_REACH_AG_UNRESOLVED:
		say(&w, "no usable %s address for %s (%s)", fam, server,
		    ev->err < 0 ? ds_strerror(ev->err) : "no route");
		break;
	case DS_REACH_AG_ROUTE_SOURCE:
		say(&w, "the %s source address for global destinations is %s",
		    fam, addr_text(&ev->addr, &t));
		break;
	case DS_REACH_AG_UNFIT:
		say(&w, "testing anyway: %s",
		    reach_unfit_phrase(ev->block, ev->addr.family));
		break;
	case DS_REACH_AG_LISTENING:
		say(&w, "listening on %s", endpoint_text(&ev->local, &t));
		break;
	case DS_REACH_AG_ANNOUNCED:
		say(&w, "announced %s, %u test connection%s%s",
		    endpoint_text(&ev->target, &t), ev->count,
		    plural(ev->count), ev->port_only ? ", port only" : "");
		break;
	case DS_REACH_AG_PROVE:
		say(&w,
		    "the checker asks this host to prove it holds %s: "
		    "connecting from it to %s",
		    addr_text(&ev->addr, &t), endpoint_text(&ev->peer, &u));
		break;
	case DS_REACH_AG_CLAIM_SENT:
		say(&w, "claim sent");
		break;
	case DS_REACH_AG_ACCEPTED:
		say(&w, "checker accepted: %u test connection%s within %s",
		    ev->count, plural(ev->count),
		    cli_duration_ms_text(ev->ms, dur, sizeof(dur)));
		break;
	case DS_REACH_AG_TOKEN:
		say(&w, "test connection %u from %s: token %s", ev->number,
		    endpoint_text(&ev->peer, &t), ev->token ? ev->token : "");
		break;
	case DS_REACH_AG_TEST_ERROR:
		say(&w, "test connection %u from %s: %s", ev->number,
		    endpoint_text(&ev->peer, &t), ds_strerror(ev->err));
		break;
	case DS_REACH_AG_TEST_CLOSED:
		say(&w, "test connection %u from %s: closed without a token",
		    ev->number, endpoint_text(&ev->peer, &t));
		break;
	case DS_REACH_AG_TEST_LONG:
		say(&w,
		    "test connection %u from %s: a line too long to be a token",
		    ev->number, endpoint_text(&ev->peer, &t));
		break;
	case DS_REACH_AG_TEST_NOT_TOKEN:
		say(&w,
		    "test connection %u from %s: a line that is not a token",
		    ev->number, endpoint_text(&ev->peer, &t));
		break;
	case DS_REACH_AG_DEADLINE:
		say(&w, "deadline: %u of %u tokens came", ev->n, ev->count);
		break;
	case DS_REACH_AG_RETURNED:
		if (ev->port_only)
			say(&w, "port only: no tokens to return");
		else
			say(&w, "returned %u token%s", ev->n, plural(ev->n));
		break;
	case DS_REACH_AG_ATTEMPT:
		/* The protocol's names for outcomes: this is the checker's
		 * line, as it came. */
		say(&w, "attempt %u: %s after %s", ev->number,
		    ds_reach_outcome_name(ev->outcome),
		    cli_duration_ms_text(ev->ms, dur, sizeof(dur)));
		if (ev->err != 0)
			say(&w, " (%s)", ds_strerror(ev->err));
		break;
	case DS_REACH_AG_RESULT:
		say(&w, "checker: %s %u/%u", ds_reach_verdict_name(ev->verdict),
		    ev->n, ev->count);
		break;
	case DS_REACH_AG_NOT_SEEN:
		say(&w,
		    "the checker reported %u delivered attempt%s whose token "
		    "never came here",
		    ev->n, plural(ev->n));
		break;
	case DS_REACH_AG_REFUSED:
		say(&w, "checker refused (%s): %s", ds_reach_err_name(ev->code),
		    ev->text ? ev->text : "");
		break;
	case DS_REACH_AG_FAILED:
		if (ev->fault)
			reach_fault_text(
			    ev->fault, server, ev->text, why, sizeof(why));
		else
			why[0] = '\0';
		say(&w, "failed: %s", why);
		break;
	case DS_REACH__AG_END:
	default:
		break;
	}
	return words_end(&w);
}

const char *
reach_err_explanation(enum ds_reach_err code)
{
	static const char *const words[DS_REACH__ERR_END] = {
	    [DS_REACH_E_SYNTAX] = "the checker did not understand this "
	                          "agent's line or did not expect it now: "
	                          "a bug, or a client that does not speak "
	                          "the protocol as specified",
	    [DS_REACH_E_TOO_LONG] = "the checker did not understand this "
	                            "agent's line or did not expect it now: "
	                            "a bug, or a client that does not speak "
	                            "the protocol as specified",
	    [DS_REACH_E_STATE] = "the checker did not understand this agent's "
	                         "line or did not expect it now: a bug, or a "
	                         "client that does not speak the protocol as "
	                         "specified",
	    [DS_REACH_E_VERSION] =
	        "the checker speaks another version of the protocol: "
	        "update the agent or use a checker of the same version",
	    [DS_REACH_E_COUNT] =
	        "the number of test connections must be 1 to 16",
	    [DS_REACH_E_TARGET] =
	        "the checker only tests global addresses that are "
	        "neither its own nor on its own networks, and only "
	        "addresses the agent shows it holds: with the same "
	        "family as the control connection, the address the "
	        "agent connects from; with the other family, one "
	        "from which the agent connects to the checker again "
	        "to claim it; announce a global address of this host "
	        "(ip addr show scope global) that can reach the "
	        "checker",
	    [DS_REACH_E_PORT] =
	        "the checker does not test this port (ports below 1024 "
	        "need its operator's permission); use a port of 1024 "
	        "or above",
	    [DS_REACH_E_BUSY] =
	        "a check from this network (the same /64, or /32 for "
	        "IPv4) is already running, or this network holds its "
	        "share of control connections; wait for them to end",
	    [DS_REACH_E_RATE] =
	        "too many checks from this network (its /64, /56 or "
	        "/48; /32 or /24 for IPv4), or too many test connections "
	        "to this address, in the last minute; wait a minute and "
	        "try again",
	    [DS_REACH_E_TIMEOUT] =
	        "the checker waited too long for this agent: the "
	        "control connection stalled or the tokens came too late",
	    [DS_REACH_E_INTERNAL] =
	        "the checker failed on its side (out of memory or "
	        "sockets); try again later",
	};

	if ((unsigned)code >= DS_REACH__ERR_END)
		return NULL;
	return words[code];
}

/* --- The diagnosis ------------------------------------------------------- */

/* What the words depend on: the family and the endpoint tested. */
struct dx {
	struct words w;
	const struct ds_reach_report *r;
	const struct ds_finding *f; /* all of them */
	size_t n;
	const char *server;
	bool v6;
	const char *fam; /* "IPv6" */
	const char *fw;  /* the host firewall tools */
	const char *any; /* the "from anywhere" prefix */
	char ep[DS_ENDPOINT_STRLEN];
	unsigned port;
};

/* The target of the findings: their subject. */
static void
dx_begin(struct dx *d)
{
	const struct ds_evidence *s = d->n > 0 ? &d->f[0].subject : NULL;
	const struct ds_endpoint *ep =
	    s && s->type == DS_EV_ENDPOINT ? &s->v.ep : NULL;

	d->v6 = !ep || ep->addr.family != AF_INET;
	d->fam = d->v6 ? "IPv6" : "IPv4";
	d->fw = d->v6 ? "ip6tables/nftables" : "iptables/nftables";
	d->any = d->v6 ? "::/0" : "0.0.0.0/0";
	d->port = ep ? ep->port : 0;
	if (!ep ||
	    ds_endpoint_format(ep, DS_FMT_NO_ZONE, d->ep, sizeof(d->ep)) < 0)
		snprintf(d->ep, sizeof(d->ep), "the announced address");
}

static unsigned
ev_uint(const struct ds_finding *f, enum ds_evidence_key k)
{
	return (unsigned)ds_finding_uint(f, k, 0);
}

/* The finding of this code among all, or NULL. */
static const struct ds_finding *
dx_find(const struct dx *d, enum ds_finding_code code)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->f[i].code == code)
			return &d->f[i];
	return NULL;
}

/* How many attempts of a kind, as the start of a paragraph. */
static void
dx_head(struct dx *d, const char *label, unsigned count, unsigned of)
{
	say(&d->w, "\n%s (%u of %u): ", label, count, of);
}

/* The checker's refusal. */
static void
dx_refused(struct dx *d, const struct ds_finding *f)
{
	const struct ds_evidence *c = ds_finding_get(f, DS_EVK_CODE);
	const char *token = c && c->type == DS_EV_TOKEN ? c->v.token : "";
	enum ds_reach_err code = 0;
	const char *why;

	ds_reach_err_parse(token, strlen(token), &code);
	why = reach_err_explanation(code);
	say(&d->w, "The checker refused to test %s %s (%s): %s.", d->fam, d->ep,
	    code ? token : "unknown",
	    why ? why : "the checker gave no reason this agent knows");
	if (d->r && d->r->err_text[0] != '\0')
		say(&d->w, "\nThe checker said: %.*s",
		    (int)strnlen(d->r->err_text, sizeof(d->r->err_text)),
		    d->r->err_text);
}

/* A local failure before or during the check. */
static void
dx_failed(struct dx *d, const struct ds_finding *f)
{
	int err = -(int)(ds_finding_get(f, DS_EVK_ERRNO)
	        ? ds_finding_get(f, DS_EVK_ERRNO)->v.err
	        : 0);
	bool port_only = ds_finding_bool(f, DS_EVK_PORT_ONLY);
	bool said = d->r && d->r->fault.what != 0;
	char why[512];

	/* Before anything was announced there is no address to name. */
	if (d->port == 0)
		say(&d->w, "The %s check could not run: %s.", d->fam,
		    ds_strerror(err));
	else
		say(&d->w, "The check of %s %s could not run: %s.", d->fam,
		    d->ep, ds_strerror(err));
	if (said && d->r->fault.what == DS_REACH_FAIL_CONNECT)
		say(&d->w,
		    "\nNothing was tested: the checker itself could "
		    "not be reached, which says nothing of the %s "
		    "path to this host.",
		    d->fam);
	/* What failed here (an unfit address, say) first. */
	if (said) {
		reach_fault_text(
		    &d->r->fault, d->server, d->r->err_text, why, sizeof(why));
		say(&d->w, "\n%s", why);
	}
	if (err == -EADDRNOTAVAIL && said)
		return; /* the address, not a listener: said above */
	if (port_only && (err == -EADDRNOTAVAIL || err == -EADDRINUSE))
		return; /* no listener in port-only mode */
	switch (-err) {
	case ECONNREFUSED:
	case ETIMEDOUT:
	case ENETUNREACH:
	case EHOSTUNREACH:
	case EACCES:
	case EPERM:
		say(&d->w,
		    "\nThe control connection to the checker failed: check "
		    "the checker's name and port (%u by default), that it "
		    "runs, and that this host may connect out to it.",
		    DS_REACH_PORT);
		break;
	case EADDRNOTAVAIL:
	case EADDRINUSE:
		say(&d->w,
		    "\nThe test listener could not be set up on %s: check "
		    "that this host holds the address (ip addr) and that "
		    "the port is free (ss -ltn).",
		    d->ep);
		break;
	case EBADMSG:
	case EPROTO:
		say(&d->w,
		    "\nThe checker sent lines this agent does not understand: "
		    "is it a reach checker of the same version?");
		break;
	default:
		break;
	}
}

/* What all attempts of one outcome did to the summary line. */
static const char *
summary_what(enum ds_reach_outcome o)
{
	switch (o) {
	case DS_REACH_TIMEOUT:
		return "is silently dropped";
	case DS_REACH_REFUSED:
		return "is refused";
	case DS_REACH_PROHIBITED:
		return "is rejected by a firewall";
	case DS_REACH_NO_ROUTE:
		return "has no route";
	case DS_REACH_ADDR_UNREACH:
		return "gets \"address unreachable\"";
	case DS_REACH_RESET:
		return "is reset after connecting";
	case DS_REACH_NOT_RETURNED:
		return "reaches something, but not this agent";
	case DS_REACH_MISMATCH:
		return "delivers altered data";
	default:
		return NULL;
	}
}

/* The verdict line. */
static void
dx_summary(struct dx *d, const struct ds_finding *f)
{
	unsigned ok = ev_uint(f, DS_EVK_COUNT), n = ev_uint(f, DS_EVK_OF);
	bool port_only = ds_finding_bool(f, DS_EVK_PORT_ONLY);
	const char *tests = port_only ? "test connections were accepted"
	                              : "test connections delivered their "
	                                "token";
	const struct ds_evidence *c = ds_finding_get(f, DS_EVK_CODE);
	enum ds_reach_outcome o = 0;
	const char *what = NULL;

	switch (f->code) {
	case DS_FIND_REACH_REACHABLE:
		if (port_only)
			say(&d->w,
			    "%s to %s is reachable: all %u test connections "
			    "were accepted.",
			    d->fam, d->ep, n);
		else
			say(&d->w,
			    "%s to %s is reachable: all %u test connections "
			    "arrived and every token came back.",
			    d->fam, d->ep, n);
		return;
	case DS_FIND_REACH_PARTIAL:
		say(&d->w,
		    "%s to %s works only partly: %u of %u %s, the others "
		    "did not.",
		    d->fam, d->ep, ok, n, tests);
		return;
	default:
		break;
	}
	if (c && c->type == DS_EV_TOKEN &&
	    ds_reach_outcome_parse(c->v.token, strlen(c->v.token), &o) == 0)
		what = summary_what(o);
	if (what)
		say(&d->w, "%s to %s %s: ", d->fam, d->ep, what);
	else
		say(&d->w, "%s to %s is unreachable: ", d->fam, d->ep);
	if (n == 1)
		say(&d->w, "the test connection did not get through.");
	else
		say(&d->w, "none of %u test connections got through.", n);
}

/* Attempts that timed out: dropped, or their answers lost. */
static void
dx_dropped(struct dx *d, const struct ds_finding *f)
{
	unsigned seen = ev_uint(f, DS_EVK_SEEN);

	dx_head(
	    d, "Timed out", ev_uint(f, DS_EVK_COUNT), ev_uint(f, DS_EVK_OF));
	say(&d->w,
	    "the checker's connection attempts got no answer at all "
	    "(silently dropped), while the control connection to the "
	    "checker worked. Likely a firewall that drops (DROP, not "
	    "REJECT) incoming %s to port %u, a cloud security group "
	    "or network ACL without an %s (%s) rule for the port, a "
	    "home router that blocks incoming %s, or no route back to "
	    "the checker. %s rules are separate from %s ones: check "
	    "%s on this host, the router's %s firewall, and any "
	    "cloud security group for an %s (%s) rule.",
	    d->fam, d->port, d->fam, d->any, d->fam, d->fam,
	    d->v6 ? "IPv4" : "IPv6", d->fw, d->fam, d->fam, d->any);
	if (f->code == DS_FIND_REACH_RETURN_PATH)
		say(&d->w,
		    " This agent did see %u connection%s arrive, so "
		    "the answers are lost on the way back: asymmetric "
		    "routing, a return path through another firewall, "
		    "or reverse-path filtering.",
		    seen, plural(seen));
}

static void
dx_prohibited(struct dx *d, const struct ds_finding *f)
{
	dx_head(
	    d, "Prohibited", ev_uint(f, DS_EVK_COUNT), ev_uint(f, DS_EVK_OF));
	say(&d->w,
	    "an %s came back: a firewall REJECT rule (on this host: "
	    "%s; or on a router or cloud firewall on the path) "
	    "refuses %s to port %u. Check %s for a reject rule and "
	    "allow the port.",
	    d->v6 ? "ICMPv6 destination unreachable, code 1 "
	            "\"communication with destination administratively "
	            "prohibited\" (RFC 4443 section 3.1; or code 5/6, "
	            "source policy or reject route)"
	          : "ICMP destination unreachable, code 13 "
	            "\"communication administratively prohibited\" "
	            "(RFC 1812 section 5.2.7.1)",
	    d->fw, d->fam, d->port, d->fw);
}

static void
dx_refused_port(struct dx *d, const struct ds_finding *f)
{
	dx_head(d, "Refused", ev_uint(f, DS_EVK_COUNT), ev_uint(f, DS_EVK_OF));
	if (ds_finding_bool(f, DS_EVK_PORT_ONLY))
		say(&d->w,
		    "a TCP reset (or an %s port unreachable, which "
		    "arrives the same way) came back: the host is "
		    "reached, but nothing listens on port %u for "
		    "%s. Common causes: the service listens on %s "
		    "only or on another address; check ss -ltn for "
		    "the port, the service's listen address%s. A "
		    "firewall REJECT with tcp-reset looks the same.",
		    d->v6 ? "ICMPv6" : "ICMP", d->port, d->fam,
		    d->v6 ? "IPv4 (0.0.0.0)"
		          : "IPv6 ([::] with "
		            "IPV6_V6ONLY)",
		    d->v6 ? " (it should be [::] or this address) "
		            "and IPV6_V6ONLY"
		          : "");
	else
		say(&d->w,
		    "a TCP reset (or an %s port unreachable) came "
		    "back, although this agent's own listener was "
		    "open on port %u: a firewall REJECT rule with "
		    "tcp-reset, or the packets reach another host "
		    "where nothing listens on that address and port "
		    "for %s (the address is not this host's, or a "
		    "port forward points elsewhere). Check %s for a "
		    "reject rule, and ss -ltn.",
		    d->v6 ? "ICMPv6" : "ICMP", d->port, d->fam, d->fw);
}

static void
dx_no_route(struct dx *d, const struct ds_finding *f)
{
	dx_head(d, "No route", ev_uint(f, DS_EVK_COUNT), ev_uint(f, DS_EVK_OF));
	say(&d->w,
	    "%s: a router on the path, or the checker itself, has no "
	    "route to %s. The prefix may not be announced or not "
	    "routed to this network (prefix delegation, BGP), or a "
	    "router lost its route. Check the routes on the router "
	    "(ip %sroute) and a traceroute%s from outside.",
	    d->v6 ? "ICMPv6 destination unreachable, code 0 \"no "
	            "route to destination\" (RFC 4443 section 3.1)"
	          : "ICMP destination unreachable, code 0 \"network "
	            "unreachable\"",
	    d->ep, d->v6 ? "-6 " : "", d->v6 ? " -6" : "");
}

static void
dx_addr_unreach(struct dx *d, const struct ds_finding *f)
{
	dx_head(d, "Address unreachable", ev_uint(f, DS_EVK_COUNT),
	    ev_uint(f, DS_EVK_OF));
	say(&d->w,
	    "%s: the last router could not find the host on its "
	    "link. This host may not hold the address (any more: "
	    "temporary addresses change), or %s. Check ip addr for "
	    "the address and that the host answers on its link.",
	    d->v6 ? "ICMPv6 destination unreachable, code 3 "
	            "\"address unreachable\" (RFC 4443 section 3.1)"
	          : "ICMP destination unreachable, code 1 \"host "
	            "unreachable\"",
	    d->v6 ? "a firewall drops neighbour solicitations "
	            "(ICMPv6 must pass for neighbour discovery, RFC "
	            "4890)"
	          : "ARP fails on the last link");
}

static void
dx_reset(struct dx *d, const struct ds_finding *f)
{
	dx_head(d, "Reset", ev_uint(f, DS_EVK_COUNT), ev_uint(f, DS_EVK_OF));
	say(&d->w,
	    "the connection was made and then reset: a middlebox "
	    "(an intrusion prevention system, a firewall that "
	    "inspects data, a load balancer) resets it, or the "
	    "service closed it abortively.");
}

static void
dx_not_returned(struct dx *d, const struct ds_finding *f)
{
	unsigned seen = ev_uint(f, DS_EVK_SEEN);
	unsigned tokens = ev_uint(f, DS_EVK_TOKENS);

	dx_head(
	    d, "Not returned", ev_uint(f, DS_EVK_COUNT), ev_uint(f, DS_EVK_OF));
	say(&d->w,
	    "the checker connected and sent its token, but the token "
	    "did not arrive at this agent. ");
	if (seen == 0)
		say(&d->w,
		    "The agent's listener saw no connection at all: "
		    "another host answered, e.g. a NAT or port "
		    "forwarding to another machine, a proxy or load "
		    "balancer in front, or another address. ");
	else
		say(&d->w,
		    "The agent's listener saw %u connection%s, with "
		    "%u well-formed token%s: some connections went "
		    "elsewhere (a load balancer, a port forward to "
		    "another machine) or a proxy held the data. ",
		    seen, plural(seen), tokens, plural(tokens));
	say(&d->w,
	    "Check port forwarding and which process holds port %u "
	    "(ss -ltnp).",
	    d->port);
}

/*
 * Mismatches, in one paragraph: tokens the checker called delivered
 * that never came here, then tokens that came back altered. The heading
 * counts both; it goes before whichever comes first.
 */
static void
dx_mismatch(struct dx *d, const struct ds_finding *f)
{
	const struct ds_finding *ns = dx_find(d, DS_FIND_REACH_NOT_SEEN);
	const struct ds_finding *alt = dx_find(d, DS_FIND_REACH_ALTERED);
	unsigned n_ns = ns ? ev_uint(ns, DS_EVK_COUNT) : 0;
	unsigned n_alt = alt ? ev_uint(alt, DS_EVK_COUNT) : 0;

	if (f == (ns ? ns : alt))
		dx_head(d, "Mismatch", n_ns + n_alt, ev_uint(f, DS_EVK_OF));
	if (f->code == DS_FIND_REACH_NOT_SEEN)
		say(&d->w,
		    "the checker reported %u of these as delivered, "
		    "but their tokens never reached this agent's "
		    "listener: the checker is faulty or not honest. "
		    "The verdict counts only what this agent saw; do "
		    "not rely on this checker's reports.%s",
		    n_ns, n_alt > 0 ? " " : "");
	else
		say(&d->w,
		    "a token came back altered: something in the "
		    "path rewrote the data (a transparent proxy, an "
		    "application layer gateway or a broken "
		    "middlebox).");
}

static void
dx_checker_error(struct dx *d, const struct ds_finding *f)
{
	const struct ds_evidence *e = ds_finding_get(f, DS_EVK_ERRNO);

	dx_head(d, "Error", ev_uint(f, DS_EVK_COUNT), ev_uint(f, DS_EVK_OF));
	say(&d->w,
	    "the checker could not make the attempt (%s): a problem "
	    "on the checker's side, not on the path.",
	    e && e->v.err ? ds_strerror(-e->v.err) : "local error");
}

static void
dx_flapping(struct dx *d, const struct ds_finding *f)
{
	(void)f;
	say(&d->w,
	    "\nSome attempts got through and others did not: the "
	    "path flaps, a load balancer or ECMP spreads connections "
	    "over backends some of which are broken, or a rate limit "
	    "(SYN flood protection, connlimit) drops some. Run the "
	    "check again and look at the backends' health.");
}

static void
dx_port_only(struct dx *d, const struct ds_finding *f)
{
	(void)f;
	say(&d->w,
	    "\nPort-only check: it proves that something accepts %s "
	    "connections on %s, not that it is this host (a NAT, "
	    "proxy or load balancer accepts too); run without "
	    "port-only to prove it with tokens.",
	    d->fam, d->ep);
}

int
reach_diagnosis_text(const struct ds_reach_report *r, const char *server,
    const struct ds_finding *f, size_t n, char *buf, size_t size)
{
	struct dx d = {.r = r, .f = f, .n = n, .server = server};

	words_begin(&d.w, buf, size);
	dx_begin(&d);
	for (size_t i = 0; i < n; i++) {
		switch (f[i].code) {
		case DS_FIND_REACH_CHECKER_REFUSED:
			dx_refused(&d, &f[i]);
			break;
		case DS_FIND_REACH_NOT_RUN:
			dx_failed(&d, &f[i]);
			break;
		case DS_FIND_REACH_REACHABLE:
		case DS_FIND_REACH_PARTIAL:
		case DS_FIND_REACH_UNREACHABLE:
			dx_summary(&d, &f[i]);
			break;
		case DS_FIND_REACH_DROPPED:
		case DS_FIND_REACH_RETURN_PATH:
			dx_dropped(&d, &f[i]);
			break;
		case DS_FIND_REACH_PROHIBITED:
			dx_prohibited(&d, &f[i]);
			break;
		case DS_FIND_REACH_REFUSED:
			dx_refused_port(&d, &f[i]);
			break;
		case DS_FIND_REACH_NO_ROUTE:
			dx_no_route(&d, &f[i]);
			break;
		case DS_FIND_REACH_ADDR_UNREACH:
			dx_addr_unreach(&d, &f[i]);
			break;
		case DS_FIND_REACH_RESET:
			dx_reset(&d, &f[i]);
			break;
		case DS_FIND_REACH_NOT_RETURNED:
			dx_not_returned(&d, &f[i]);
			break;
		case DS_FIND_REACH_NOT_SEEN:
		case DS_FIND_REACH_ALTERED:
			dx_mismatch(&d, &f[i]);
			break;
		case DS_FIND_REACH_CHECKER_ERROR:
			dx_checker_error(&d, &f[i]);
			break;
		case DS_FIND_REACH_FLAPPING:
			dx_flapping(&d, &f[i]);
			break;
		case DS_FIND_REACH_PORT_ONLY:
			dx_port_only(&d, &f[i]);
			break;
		case DS_FIND__REACH_END:
		default:
			break;
		}
	}
	return words_end(&d.w);
}
