/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_REACH_H
#define DUALSTACK_REACH_H

/*
 * ds_reach: prove from outside that a service is reachable, over IPv6
 * (or IPv4), and say why not when it is not.
 *
 * Two roles, both on a ds_loop:
 *
 *   the checker (ds_reach_server)  accepts control connections from
 *     agents; for each check it opens 'count' test connections at once
 *     to the address and port the agent announced, sends each one random
 *     token, and compares the tokens the agent returns;
 *   the agent (ds_reach_agent)  opens the control connection, runs the
 *     test listener itself (or names an existing service, "port only"),
 *     collects the tokens the test connections bring, and returns them.
 *
 * The agent is one process with one loop: its listener accepts the test
 * connections concurrently and the tokens go straight to the control
 * connection -- no fork, pipe or message queue between a "server" and a
 * "client" part.
 *
 * The protocol is line-based text, specified in doc/reach-protocol.md; the
 * pure parser and formatter below are what both roles use, and what the
 * fuzzer drives. Everything here is safe on distinct objects from any
 * thread; a ds_reach_server or ds_reach_agent belongs to its loop's thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dualstack/addr.h"
#include "dualstack/export.h"
#include "dualstack/finding.h"
#include "dualstack/loop.h"

/* --- Protocol (doc/reach-protocol.md) ------------------------------------ */

#define DS_REACH_VERSION 2
#define DS_REACH_PORT 4646u    /* the checker's default control port */
#define DS_REACH_LINE_MAX 1024 /* bytes, newline included */
#define DS_REACH_COUNT_DEFAULT 5u
#define DS_REACH_COUNT_MAX 16u
#define DS_REACH_TOKEN_BYTES 16 /* 128 bits from getrandom() */
#define DS_REACH_TOKEN_HEX (2 * DS_REACH_TOKEN_BYTES)

/* The kinds of line. */
enum ds_reach_msg_type {
	DS_REACH_MSG_HELLO = 1, /* checker: greeting, version */
	DS_REACH_MSG_CHECK,     /* agent: address, port, count, mode */
	DS_REACH_MSG_OK,        /* checker: accepted; count, deadline */
	DS_REACH_MSG_ERR,       /* checker: refused; code and text; closes */
	DS_REACH_MSG_TOKENS,    /* agent: the tokens it received, then END */
	DS_REACH_MSG_RESULT,    /* checker: the verdict */
	DS_REACH_MSG_ATTEMPT,   /* checker: one test connection's outcome */
	DS_REACH_MSG_DONE,      /* checker: end of a check's report */
	DS_REACH_MSG_TOKEN,     /* checker, on a test connection: the token */
	DS_REACH_MSG_PROVE,     /* checker: prove you hold the target; token,
	                         * where to send the claim */
	DS_REACH_MSG_CLAIM,     /* agent, from the target: the PROVE token */
};

/* How a test connection ended, as the checker saw it. */
enum ds_reach_outcome {
	DS_REACH_DELIVERED = 1, /* connected, token sent and returned */
	DS_REACH_CONNECTED,     /* port-only mode: connected (no token) */
	DS_REACH_NOT_RETURNED,  /* connected and token sent, never returned */
	DS_REACH_MISMATCH,      /* a token came back altered */
	DS_REACH_REFUSED,       /* TCP RST (or ICMP port unreachable) */
	DS_REACH_PROHIBITED,    /* ICMP administratively prohibited: a
	                         * REJECT rule */
	DS_REACH_NO_ROUTE,      /* ICMP no route / network unreachable */
	DS_REACH_ADDR_UNREACH,  /* ICMP address / host unreachable */
	DS_REACH_TIMEOUT,       /* no answer by the deadline: dropped */
	DS_REACH_RESET,         /* reset after the connection was made */
	DS_REACH_ERROR,         /* any other local error (err says which) */
	DS_REACH__OUTCOME_END,  /* not an outcome: the count, plus 1 */
};

/* "delivered", "connected", "not-returned", "mismatch", "refused",
 * "prohibited", "no-route", "addr-unreachable", "timeout", "reset",
 * "error" both ways. */
DS_EXPORT const char *ds_reach_outcome_name(enum ds_reach_outcome o);
DS_EXPORT int ds_reach_outcome_parse(
    const char *s, size_t len, enum ds_reach_outcome *ret);

/* The outcome a failed connect() with -err means (ICMPv6 and ICMP
 * errors reach TCP as errno values, RFC 4443 section 3.1 codes mapped by
 * the kernel: admin-prohibited -> EACCES, no-route -> ENETUNREACH,
 * address-unreachable -> EHOSTUNREACH, port-unreachable and RST ->
 * ECONNREFUSED). */
DS_EXPORT enum ds_reach_outcome ds_reach_outcome_from_errno(int err);

/* Why a checker refused a check (ERR lines). */
enum ds_reach_err {
	DS_REACH_E_SYNTAX = 1, /* "syntax": the line does not parse */
	DS_REACH_E_TOO_LONG,   /* "too-long": over DS_REACH_LINE_MAX */
	DS_REACH_E_VERSION,    /* "version": not a version we speak */
	DS_REACH_E_COUNT,      /* "count": 0 or above the limit */
	DS_REACH_E_TARGET,     /* "target": not an address we may test */
	DS_REACH_E_PORT,       /* "port": a port we may not test */
	DS_REACH_E_BUSY,       /* "busy": a check of this agent and family
	                        * is running */
	DS_REACH_E_RATE,       /* "rate": too many checks from this agent */
	DS_REACH_E_STATE,      /* "state": this line is not expected now */
	DS_REACH_E_TIMEOUT,    /* "timeout": the agent was too slow */
	DS_REACH_E_INTERNAL,   /* "internal": the checker failed */
	DS_REACH__ERR_END,     /* not a code: the count, plus 1 */
};

/* "syntax", "too-long", ... both ways. */
DS_EXPORT const char *ds_reach_err_name(enum ds_reach_err e);
DS_EXPORT int ds_reach_err_parse(
    const char *s, size_t len, enum ds_reach_err *ret);

/* Overall result of a check. */
enum ds_reach_verdict {
	DS_REACH_REACHABLE = 1, /* every attempt delivered (connected) */
	DS_REACH_PARTIAL,       /* some did, some did not */
	DS_REACH_UNREACHABLE,   /* none did */
	DS_REACH__VERDICT_END,  /* not a verdict: the count, plus 1 */
};

/* "reachable", "partial", "unreachable" both ways. */
DS_EXPORT const char *ds_reach_verdict_name(enum ds_reach_verdict v);
DS_EXPORT int ds_reach_verdict_parse(
    const char *s, size_t len, enum ds_reach_verdict *ret);

/*
 * One protocol line, decoded. Fields not used by a type are zero. Tokens
 * point into the parsed text (valid while it is); text (ERR) too.
 */
struct ds_reach_msg {
	enum ds_reach_msg_type type;
	unsigned version;          /* HELLO */
	struct ds_endpoint target; /* CHECK */
	unsigned count;            /* CHECK, OK, TOKENS, RESULT: total */
	bool port_only;            /* CHECK: connect only, send nothing */
	uint32_t deadline_ms;      /* OK */
	enum ds_reach_err err;     /* ERR */
	const char *text;          /* ERR: the rest of the line */
	size_t text_len;
	struct ds_endpoint prove_to; /* PROVE: the checker, on the target's
	                              * family */
	/* TOKENS: up to DS_REACH_COUNT_MAX tokens, DS_REACH_TOKEN_HEX
	 * lower-case hex digits each; TOKEN, PROVE, CLAIM: tokens[0]. */
	const char *tokens[DS_REACH_COUNT_MAX];
	enum ds_reach_verdict verdict; /* RESULT */
	unsigned delivered;            /* RESULT */
	unsigned attempt;              /* ATTEMPT: 1-based */
	enum ds_reach_outcome outcome; /* ATTEMPT */
	int errno_val;                 /* ATTEMPT: 0 or a positive errno */
	uint32_t ms;                   /* ATTEMPT: time to the outcome */
};

/*
 * Parse one line (without its newline; a trailing CR is allowed) of
 * len bytes. Strict: the exact keywords and field counts of the spec,
 * single spaces, no NUL, nothing after the last field. Returns 0, or
 * one of the reach codes -DS_E_REACH_* (error.h: -DS_E_REACH_TOO_LONG
 * for len >= DS_REACH_LINE_MAX, -DS_E_REACH_RANGE for a number out of
 * range such as a count of 0 or above DS_REACH_COUNT_MAX, ...),
 * -DS_E_PORT_RANGE (a port of 0 or above 65535), or -DS_E_* from the
 * address parser (an address; a zone is -DS_E_ZONE_NOT_ALLOWED).
 * *ret is written only on success; *errpos (may be NULL) gets the offset
 * of the problem, at most len.
 */
DS_EXPORT int ds_reach_msg_parse(
    const char *line, size_t len, struct ds_reach_msg *ret, size_t *errpos);

/*
 * Write m as one line with its newline into buf (snprintf semantics:
 * returns the length needed). -EINVAL for a message that would not parse
 * back. ds_reach_msg_parse(ds_reach_msg_format(m)) == m.
 */
DS_EXPORT int ds_reach_msg_format(
    const struct ds_reach_msg *m, char *buf, size_t size);

/* A fresh token: DS_REACH_TOKEN_HEX lower-case hex digits and a NUL, from
 * getrandom(). Returns 0 or -errno. */
DS_EXPORT int ds_reach_token_new(char buf[DS_REACH_TOKEN_HEX + 1]);

/* --- Results and findings ------------------------------------------------- */

/* One test connection, from the checker's report. */
struct ds_reach_attempt {
	enum ds_reach_outcome outcome;
	int err;     /* 0 or -errno behind the outcome */
	uint32_t ms; /* start to outcome */
};

/* What the agent saw of the test connections. */
struct ds_reach_seen {
	struct ds_endpoint from; /* the checker's address as it arrived */
	bool token_ok;           /* a well-formed token line came */
};

/*
 * What failed on the agent's side when a check could not run; each
 * fills some fields of struct ds_reach_fault, as said here.
 */
enum ds_reach_failure {
	DS_REACH_FAIL_UNFIT = 1,         /* the address to announce cannot be
	                                  * reached from outside: addr, block */
	DS_REACH_FAIL_CONNECT,           /* the control connection: err; n the
	                                  * port */
	DS_REACH_FAIL_WATCH,             /* watching it on the loop: err */
	DS_REACH_FAIL_READ,              /* reading from it: err */
	DS_REACH_FAIL_WRITE,             /* writing to it: err */
	DS_REACH_FAIL_CLOSED,            /* the checker closed it */
	DS_REACH_FAIL_FORMAT,            /* a line this agent cannot write */
	DS_REACH_FAIL_TIMEOUT,           /* no complete report in n ms */
	DS_REACH_FAIL_NOT_CHECKER,       /* the server did not greet like a
	                                  * reach checker */
	DS_REACH_FAIL_VERSION,           /* it speaks version n, not of */
	DS_REACH_FAIL_BAD_LINE,          /* a line that does not parse: n the
	                                  * column, err the parser's code */
	DS_REACH_FAIL_LONG_LINE,         /* a line over n bytes */
	DS_REACH_FAIL_OUT_OF_TURN,       /* a line out of turn: the report's
	                                  * err_text holds its start */
	DS_REACH_FAIL_COUNT,             /* it accepted n test connections,
	                                  * not of */
	DS_REACH_FAIL_ATTEMPT_TWICE,     /* it reported attempt n twice */
	DS_REACH_FAIL_ATTEMPTS_MISSING,  /* it reported n of of attempts */
	DS_REACH_FAIL_NO_ROUTE,          /* no address of family to announce:
	                                  * no route; err */
	DS_REACH_FAIL_NO_SOURCE,         /* no source address toward addr (the
	                                  * checker); err */
	DS_REACH_FAIL_LISTEN,            /* the test listener on ep: err, and
	                                  * the step that failed */
	DS_REACH_FAIL_LISTEN_ADDRESS,    /* the test listener has no address */
	DS_REACH_FAIL_CLAIM_FAMILY,      /* the claim of addr is wanted at ep,
	                                  * of another family */
	DS_REACH_FAIL_CLAIM_SOCKET,      /* the claim of addr: no socket; err */
	DS_REACH_FAIL_CLAIM_BIND,        /* the claim of addr: cannot send from
	                                  * it; err */
	DS_REACH_FAIL_CLAIM_CONNECT,     /* the claim of addr: no connection to
	                                  * the checker at ep; err */
	DS_REACH_FAIL_CLAIM_SEND,        /* the claim could not be sent; err */
	DS_REACH_FAIL_CLAIM_BAD_LINE,    /* a line that does not parse on the
	                                  * claim connection */
	DS_REACH_FAIL_CLAIM_OUT_OF_TURN, /* a line out of turn there */
	DS_REACH__FAIL_END,              /* not a failure: the count, plus 1 */
};

/* "unfit", "connect", ... (the enum's names, lower case, dashes);
 * "unknown" for a value out of range. */
DS_EXPORT const char *ds_reach_failure_name(enum ds_reach_failure f);

/* A failure and its numbers. Fields it does not use are zero. */
struct ds_reach_fault {
	enum ds_reach_failure what; /* 0: none */
	int err;                    /* -errno or -DS_E_* behind it */
	struct ds_addr addr;
	struct ds_endpoint ep;
	int family;
	enum ds_addr_kind block;
	unsigned n, of;
	const char *step; /* LISTEN: ds_listen_report's step, static */
};

/* A whole check, as the agent reports it. */
struct ds_reach_report {
	struct ds_endpoint control_peer;  /* the checker */
	struct ds_endpoint control_local; /* the agent, as it connected */
	struct ds_endpoint target;        /* announced */
	bool port_only;
	unsigned count;
	enum ds_reach_verdict verdict;
	unsigned delivered;
	struct ds_reach_attempt attempts[DS_REACH_COUNT_MAX];
	unsigned n_seen; /* test connections the agent accepted */
	struct ds_reach_seen seen[DS_REACH_COUNT_MAX];
	/* The agent's cross-check of the checker's report: attempts the
	 * checker called delivered whose token never reached this agent
	 * (now MISMATCH in attempts[]), and whether the checker's RESULT
	 * line disagreed with the verdict and delivered count above, which
	 * the agent works out from the attempts. */
	unsigned not_seen;
	bool disagrees;
	/* Set when the check could not run: the checker's ERR (err
	 * -EREMOTEIO, err_code its code, err_text its text as it wrote it)
	 * or a local failure (err < 0, err_code 0, fault says what failed).
	 * err_text holds the checker's words only: its ERR text, or the
	 * first 64 bytes of a line it sent out of turn. */
	int err;
	enum ds_reach_err err_code;
	char err_text[256];
	struct ds_reach_fault fault;
	uint64_t elapsed_us;
};

/*
 * The advertised address's fitness: whether a test to it from outside
 * can work, before trying. 0 for a globally reachable unicast address
 * (the special-purpose registries, ds_addr_is_global(), less NAT64 and
 * ORCHID); otherwise -EADDRNOTAVAIL and, in *ret_kind (may be NULL), the
 * kind of the most specific block a is in, which says why (a link-local
 * address cannot be reached from another link; ds_addr_kind_name() is
 * its token). DS_KIND_GLOBAL_UNICAST or DS_KIND_OTHER there means space
 * outside global unicast, unassigned. -EAFNOSUPPORT when a has no
 * family. Pure.
 */
DS_EXPORT int ds_reach_address_fitness(
    const struct ds_addr *a, enum ds_addr_kind *ret_kind);

/* The most findings ds_reach_findings() makes of one report. */
#define DS_REACH_FINDINGS_MAX 16

/*
 * What a check found, as findings (dualstack/finding.h) for a program to
 * put in words: first one summary, then one finding per cause.
 *
 * The summary: DS_FIND_REACH_CHECKER_REFUSED when the checker refused
 * (evidence "code", its ds_reach_err_name()); DS_FIND_REACH_NOT_RUN for
 * a local failure ("errno", "port-only", and "code", the failure's
 * ds_reach_failure_name()); otherwise the verdict read from
 * the attempts, REACHABLE, PARTIAL or UNREACHABLE ("count" delivered or
 * connected "of" the attempts, "port-only"; an UNREACHABLE whose
 * attempts all ended the same way has that outcome's name as "code").
 *
 * The causes, in this order, each with how many attempts ("count", "of"):
 * DROPPED (timed out), or RETURN_PATH when the agent saw connections
 * arrive nonetheless ("seen"); PROHIBITED; REFUSED ("port-only": then
 * nothing listens, else something other than the agent's listener
 * answered); NO_ROUTE; ADDR_UNREACH; RESET; NOT_RETURNED ("seen",
 * "tokens": what the agent's listener saw); NOT_SEEN (delivered by the
 * checker's word only); ALTERED; CHECKER_ERROR ("errno" of the first);
 * then FLAPPING when some got through and some did not, and PORT_ONLY
 * when a port-only check got through (it proves less).
 *
 * Every finding has the announced endpoint as its subject (key "target")
 * when the report names one. Writes at most max findings to ret (may be
 * NULL when max is 0) and returns how many there are, at most
 * DS_REACH_FINDINGS_MAX. Pure.
 */
DS_EXPORT int ds_reach_findings(
    const struct ds_reach_report *r, struct ds_finding *ret, size_t max);

/* --- The checker ---------------------------------------------------------- */

/*
 * Why the checker refused a check, finer than the ERR line's code: each
 * reason belongs to one code (ds_reach_why_code()) and fills some of the
 * fields of struct ds_reach_refusal, as said here.
 */
enum ds_reach_why {
	DS_REACH_WHY_LINE_TOO_LONG = 1, /* too-long: a line over limit
	                                 * bytes */
	DS_REACH_WHY_SYNTAX_EMPTY,      /* syntax: an empty line; column */
	DS_REACH_WHY_SYNTAX_KEYWORD,    /* syntax: no keyword; column */
	DS_REACH_WHY_SYNTAX_MISSING,    /* syntax: a field is missing */
	DS_REACH_WHY_SYNTAX_EXTRA,      /* syntax: text after the fields */
	DS_REACH_WHY_SYNTAX_CHAR,       /* syntax: not printable ASCII */
	DS_REACH_WHY_SYNTAX_FIELD,      /* syntax: a field does not parse;
	                                 * column, err (-DS_E_* of the address
	                                 * parser, ...) */
	DS_REACH_WHY_COUNT_RANGE,       /* count: outside 1..limit; column */
	DS_REACH_WHY_PORT_RANGE,        /* port: outside 1..65535; column */
	DS_REACH_WHY_COUNT,             /* count: count asked, above limit
	                                 * (the target budget) */
	DS_REACH_WHY_PORT_LOW,          /* port: port, below 1024 */
	DS_REACH_WHY_TARGET_ZONE,       /* target: target has a zone */
	DS_REACH_WHY_TARGET_SELF,       /* target: an address of the
	                                 * checker */
	DS_REACH_WHY_TARGET_OWN_NET,    /* target: on the checker's network
	                                 * net */
	DS_REACH_WHY_TARGET_UNFIT,      /* target: not global unicast; block
	                                 * (ds_reach_address_fitness()) */
	DS_REACH_WHY_TARGET_NOT_PEER,   /* target: not the address the
	                                 * control connection comes from */
	DS_REACH_WHY_NO_CLAIM_ADDRESS,  /* target: no address of family to
	                                 * take a claim on; err */
	DS_REACH_WHY_NO_CLAIM,          /* target: no claim from target
	                                 * within limit ms */
	DS_REACH_WHY_CLAIM_SOURCE,      /* target: this claim comes from
	                                 * from, not from target (on the
	                                 * claim's connection) */
	DS_REACH_WHY_CLAIMED_ELSEWHERE, /* target: the claim came from from,
	                                 * not from target (on the check's
	                                 * connection) */
	DS_REACH_WHY_CLAIM_UNKNOWN,     /* state: no check waits for the
	                                 * claim */
	DS_REACH_WHY_CHECK_RUNNING,     /* state: CHECK while a check runs */
	DS_REACH_WHY_CLAIM_CONNECTION,  /* state: CLAIM on a connection that
	                                 * asked for a check */
	DS_REACH_WHY_TOKENS_UNEXPECTED, /* state: TOKENS with no check
	                                 * waiting for them */
	DS_REACH_WHY_AGENT_LINE,        /* state: a line only a checker
	                                 * sends */
	DS_REACH_WHY_BUSY_CHECK,        /* busy: a check of family from the
	                                 * agent from runs already */
	DS_REACH_WHY_BUSY_AGENTS,       /* busy: limit agents connected */
	DS_REACH_WHY_BUSY_SOURCE,       /* busy: limit control connections
	                                 * from net */
	DS_REACH_WHY_RATE_AGENT,        /* rate: more than limit checks a
	                                 * minute from net */
	DS_REACH_WHY_RATE_TARGET,       /* rate: net had its limit test
	                                 * connections this minute */
	DS_REACH_WHY_IDLE,              /* timeout: no line within limit ms */
	DS_REACH_WHY_TOKENS_LATE,       /* timeout: no TOKENS within limit
	                                 * ms after the deadline */
	DS_REACH_WHY_NO_MEMORY,         /* internal: out of memory */
	DS_REACH_WHY_INTERNAL,          /* internal: err */
	DS_REACH_WHY_SELF_UNKNOWN,      /* internal: cannot tell whether
	                                 * target is the checker's; err */
	DS_REACH__WHY_END,              /* not a reason: the count, plus 1 */
};

/* "line-too-long", "syntax-empty", ... (the enum's names, lower case,
 * dashes); "unknown" for a value out of range. */
DS_EXPORT const char *ds_reach_why_name(enum ds_reach_why why);

/* The ERR code of a reason; 0 for a value out of range. */
DS_EXPORT enum ds_reach_err ds_reach_why_code(enum ds_reach_why why);

/* A refusal: the reason and its numbers. Fields a reason does not use
 * are zero. */
struct ds_reach_refusal {
	enum ds_reach_err code; /* ds_reach_why_code(why) */
	enum ds_reach_why why;
	struct ds_addr target;   /* the address asked for */
	struct ds_addr from;     /* where a claim came from; BUSY_CHECK and
	                          * TARGET_NOT_PEER: the agent */
	struct ds_prefix net;    /* a network of the checker, or of a budget */
	enum ds_addr_kind block; /* TARGET_UNFIT: the target's block */
	int family;              /* BUSY_CHECK, NO_CLAIM_ADDRESS */
	unsigned column;         /* SYNTAX_*, *_RANGE: 1-based */
	unsigned count;          /* COUNT: test connections asked */
	uint16_t port;           /* PORT_LOW */
	uint32_t limit;          /* the most allowed: count, connections,
	                          * checks; bytes (LINE_TOO_LONG); ms
	                          * (IDLE, TOKENS_LATE, NO_CLAIM) */
	int err;                 /* 0, -errno or -DS_E_* */
};

/* What the checker did, one event each. */
enum ds_reach_event_kind {
	DS_REACH_EV_STARTED = 1, /* a check started: target, count,
	                          * port_only */
	DS_REACH_EV_CLAIM_ASKED, /* the agent must claim target, at claim_to */
	DS_REACH_EV_CLAIMED,     /* target was claimed */
	DS_REACH_EV_REFUSED,     /* ERR sent: refusal */
	DS_REACH_EV_ENDED,       /* a check ended: target, verdict,
	                          * delivered of count */
	DS_REACH_EV_ABORTED,     /* the control connection closed while the
	                          * check of target ran */
	DS_REACH__EV_END,        /* not a kind: the count, plus 1 */
};

/* "started", "claim-asked", "claimed", "refused", "ended", "aborted";
 * "unknown" for a value out of range. */
DS_EXPORT const char *ds_reach_event_name(enum ds_reach_event_kind k);

/* One event. Fields its kind does not use are zero. */
struct ds_reach_event {
	enum ds_reach_event_kind kind;
	struct ds_endpoint agent; /* the control connection's peer */
	struct ds_endpoint target;
	struct ds_endpoint claim_to;
	unsigned count;
	bool port_only;
	enum ds_reach_verdict verdict;
	unsigned delivered;
	struct ds_reach_refusal refusal;
};

struct ds_reach_server;

/* Each event as it happens: for a log. ev is valid during the call. It
 * must not free the server. */
typedef void ds_reach_event_fn(
    struct ds_reach_server *s, const struct ds_reach_event *ev, void *userdata);

/*
 * The free text of an ERR line, what the agent's user reads, in the
 * program's words: write the text for rf into buf (size bytes, NUL
 * included), snprintf semantics. The server sends printable ASCII only
 * (anything else becomes '?') and at most what fits the line.
 */
typedef int ds_reach_refusal_text_fn(
    const struct ds_reach_refusal *rf, char *buf, size_t size, void *userdata);

struct ds_reach_server_config {
	/* Allowed targets beyond global unicast (ds_addr classification):
	 * for tests and demos, documentation or loopback prefixes. A prefix
	 * here also lifts the refusal of targets on the checker's own
	 * networks, but never of its own addresses (allow_self). */
	const struct ds_prefix *allow_targets;
	size_t n_allow_targets;
	bool allow_low_ports; /* ports below 1024 */
	/* The checker's own addresses (whatever the kernel delivers
	 * locally, ds_host_is_local()) are never targets unless this is set:
	 * for tests and demos on one host. */
	bool allow_self;
	/* When control and test use the same family the target must be the
	 * control connection's own peer; across families the agent must
	 * prove it holds the target (PROVE / CLAIM). This lifts both. */
	bool any_target;
	/* Where agents send their CLAIM, for a target of each family: the
	 * address of family 0 means the checker's source address toward the
	 * target (the one its test connections come from; set it when a
	 * 1:1 NAT stands in front), port 0 the port the control connection
	 * reached (right for one dual-stack listener). */
	struct ds_endpoint claim_v4, claim_v6;
	uint64_t deadline_us; /* per check; 0: 5 s */
	/* Checks per minute from one agent network: an IPv6 /64 or an IPv4
	 * /32; an IPv6 /56 gets twice as many, a /48 and an IPv4 /24 four
	 * times (all at once: a check takes from each). 0: 6. */
	uint32_t checks_per_min;
	/* Test connections per minute to one target address, from all
	 * agents together; a target's /64 (IPv4 /24) gets four times as
	 * many. 0: 16. */
	uint32_t target_per_min;
	uint32_t max_agents; /* control connections at once; 0: 256 */
	/* Control connections at once from one agent network (/64, /32); a
	 * /48 (IPv4 /24) may hold four times as many. 0: 4. */
	uint32_t max_agents_per_source;
	uint64_t idle_us; /* control line timeout; 0: 10 s */
	/* The text of ERR lines, called with the server's userdata; NULL:
	 * the reason's name (ds_reach_why_name()). */
	ds_reach_refusal_text_fn *refusal_text;
};

/*
 * Serve checks on the control connections accept_fd-style callers hand
 * over with ds_reach_server_adopt() (the CLI accepts with ds_listen).
 * cfg is copied (the prefixes too). event (may be NULL) gets every
 * event with userdata. Returns 0, -EINVAL, -ENOMEM.
 */
DS_EXPORT int ds_reach_server_new(struct ds_loop *loop,
    const struct ds_reach_server_config *cfg, ds_reach_event_fn *event,
    void *userdata, struct ds_reach_server **ret);

/* Take over an accepted control connection (made non-blocking here); the
 * server closes it. Beyond max_agents connections it gets ERR busy and is
 * closed, and this still returns 0. Returns 0 or -errno (fd closed then
 * too). */
DS_EXPORT int ds_reach_server_adopt(struct ds_reach_server *s, int fd);

/* Close every connection and free. NULL-safe; returns NULL. */
DS_EXPORT struct ds_reach_server *ds_reach_server_free(
    struct ds_reach_server *s);

/* --- The agent ------------------------------------------------------------ */

struct ds_reach_agent_config {
	const char *server; /* the checker: name or address */
	uint16_t port;      /* 0: DS_REACH_PORT */
	int control_family; /* AF_UNSPEC (Happy Eyeballs), AF_INET, AF_INET6 */
	int test_family;    /* AF_INET6 (default when 0) or AF_INET */
	/* The address to announce; family 0: the source the kernel would
	 * use toward the checker (ds_sort_source()), refused before testing
	 * when ds_reach_address_fitness() says it cannot work, unless
	 * allow_unfit. */
	struct ds_addr advertise;
	bool allow_unfit;
	/* The test listener: port 0 picks one. Ignored with port_only. */
	uint16_t listen_port;
	/* Port only: announce this existing service, run no listener; only
	 * the TCP outcome is checked. The port must be set; an address of
	 * family 0 means the one chosen as for advertise. */
	bool port_only;
	struct ds_endpoint port_only_target;
	unsigned count;      /* 0: DS_REACH_COUNT_DEFAULT */
	uint64_t timeout_us; /* whole check; 0: 30 s */
	/* DNS servers for resolving server, in order (copied); none: the
	 * system's. */
	const struct ds_endpoint *dns_servers;
	size_t n_dns_servers;
};

struct ds_reach_agent;

/* The flow of a check, one event each, as it happens. */
enum ds_reach_agent_event_kind {
	DS_REACH_AG_CONTROL = 1,    /* connected to the checker: peer, local,
	                             * connect_us */
	DS_REACH_AG_GREETING,       /* it speaks version */
	DS_REACH_AG_SOURCE,         /* addr: the source toward the checker */
	DS_REACH_AG_RESOLVED,       /* the checker's address of family is
	                             * checker, the source toward it addr */
	DS_REACH_AG_UNRESOLVED,     /* no usable address of family for the
	                             * checker's name: err, or 0 for no route */
	DS_REACH_AG_ROUTE_SOURCE,   /* addr: the source of family toward
	                             * global destinations */
	DS_REACH_AG_UNFIT,          /* addr (in block) cannot be reached
	                             * from outside: tested anyway */
	DS_REACH_AG_LISTENING,      /* the test listener is at local */
	DS_REACH_AG_ANNOUNCED,      /* CHECK sent: target, count, port_only */
	DS_REACH_AG_PROVE,          /* the checker asks for the claim of addr,
	                             * at peer */
	DS_REACH_AG_CLAIM_SENT,     /* the claim went out */
	DS_REACH_AG_ACCEPTED,       /* OK: count, within ms */
	DS_REACH_AG_TOKEN,          /* test connection number from peer
	                             * brought token */
	DS_REACH_AG_TEST_ERROR,     /* test connection number from peer
	                             * failed: err */
	DS_REACH_AG_TEST_CLOSED,    /* ... closed without a token */
	DS_REACH_AG_TEST_LONG,      /* ... sent a line too long for a token */
	DS_REACH_AG_TEST_NOT_TOKEN, /* ... sent a line that is no token */
	DS_REACH_AG_DEADLINE,       /* n of count tokens came by the
	                             * deadline */
	DS_REACH_AG_RETURNED,       /* TOKENS sent: n tokens (none when
	                             * port_only) */
	DS_REACH_AG_ATTEMPT,        /* the checker's attempt number: outcome
	                             * after ms, err */
	DS_REACH_AG_RESULT,         /* the checker's verdict: n delivered of
	                             * count */
	DS_REACH_AG_NOT_SEEN,       /* n attempts the checker called
	                             * delivered brought no token here */
	DS_REACH_AG_REFUSED,        /* ERR: code, text */
	DS_REACH_AG_FAILED,         /* the check failed here: fault */
	DS_REACH__AG_END,           /* not a kind: the count, plus 1 */
};

/* "control", "greeting", ... (the enum's names, lower case, dashes);
 * "unknown" for a value out of range. */
DS_EXPORT const char *ds_reach_agent_event_name(
    enum ds_reach_agent_event_kind k);

/* One event of the agent. Fields its kind does not use are zero; the
 * pointers are valid during the callback only. */
struct ds_reach_agent_event {
	enum ds_reach_agent_event_kind kind;
	uint64_t t_us; /* since the agent started */
	struct ds_endpoint peer;
	struct ds_endpoint local;
	struct ds_endpoint target;
	struct ds_addr addr;
	struct ds_addr checker;
	int family;
	enum ds_addr_kind block; /* UNFIT: the block addr is in */
	uint64_t connect_us;
	unsigned version;
	unsigned number; /* a test connection (in order of arrival) or an
	                  * attempt, from 1 */
	unsigned count;
	unsigned n;
	bool port_only;
	uint32_t ms;
	enum ds_reach_outcome outcome;
	enum ds_reach_verdict verdict;
	enum ds_reach_err code;
	int err;           /* 0 or -errno (-DS_E_*) */
	const char *token; /* TOKEN: hex digits, NUL */
	const char *text;  /* REFUSED, FAILED: the report's err_text */
	const struct ds_reach_fault *fault; /* FAILED */
};

/* The flow, as it happens, for a person to follow: the control
 * connection, the announcement, each test connection and its token, the
 * tokens returned, the report. ev is valid during the call. */
typedef void ds_reach_trace_fn(struct ds_reach_agent *a,
    const struct ds_reach_agent_event *ev, void *userdata);

/* The end: r stays valid until ds_reach_agent_free(). */
typedef void ds_reach_done_fn(
    struct ds_reach_agent *a, const struct ds_reach_report *r, void *userdata);

/*
 * Start a check: connect to the checker (Happy Eyeballs, or the
 * control_family), choose and check the address, listen, announce,
 * collect and return the tokens, read the report. cfg is copied (the
 * strings too). trace may be NULL. done is called exactly once, from
 * the loop (never from inside this call), with the report or the
 * failure; it may free the agent. Returns 0, -EINVAL (a bad cfg: count
 * above DS_REACH_COUNT_MAX, families that disagree, port only without a
 * port), -ENOMEM, or what ds_connect_new() returns.
 */
DS_EXPORT int ds_reach_agent_new(struct ds_loop *loop,
    const struct ds_reach_agent_config *cfg, ds_reach_trace_fn *trace,
    ds_reach_done_fn *done, void *userdata, struct ds_reach_agent **ret);

/* Stop whatever runs, close everything and free; done is not called.
 * NULL-safe; returns NULL. Also from the done callback. */
DS_EXPORT struct ds_reach_agent *ds_reach_agent_free(struct ds_reach_agent *a);

#endif
