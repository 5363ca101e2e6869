/* SPDX-License-Identifier: MIT */
/*
 * The reach protocol (doc/reach-protocol.md): the names of outcomes,
 * error codes, verdicts, refusals and events, the strict line parser and
 * its formatter, tokens, and the reading of a result as data: address
 * fitness and findings. The words for all of it are the program's
 * (src/cmd-reach-words.c).
 *
 * Everything but ds_reach_token_new() is pure: no I/O, no allocation.
 * The parser reads the line through a cursor that never looks past len,
 * so a line need not be NUL-terminated.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"
#include "dualstack/reach.h"

#include "cur.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The largest errno an ATTEMPT line carries: the kernel never returns an
 * error above MAX_ERRNO (4095, include/linux/err.h).
 */
#define ERRNO_MAX 4095u

/* --- Names ---------------------------------------------------------------- */

static const char *const outcome_names[] = {
    [DS_REACH_DELIVERED] = "delivered",
    [DS_REACH_CONNECTED] = "connected",
    [DS_REACH_NOT_RETURNED] = "not-returned",
    [DS_REACH_MISMATCH] = "mismatch",
    [DS_REACH_REFUSED] = "refused",
    [DS_REACH_PROHIBITED] = "prohibited",
    [DS_REACH_NO_ROUTE] = "no-route",
    [DS_REACH_ADDR_UNREACH] = "addr-unreachable",
    [DS_REACH_TIMEOUT] = "timeout",
    [DS_REACH_RESET] = "reset",
    [DS_REACH_ERROR] = "error",
};

static const char *const err_names[] = {
    [DS_REACH_E_SYNTAX] = "syntax",
    [DS_REACH_E_TOO_LONG] = "too-long",
    [DS_REACH_E_VERSION] = "version",
    [DS_REACH_E_COUNT] = "count",
    [DS_REACH_E_TARGET] = "target",
    [DS_REACH_E_PORT] = "port",
    [DS_REACH_E_BUSY] = "busy",
    [DS_REACH_E_RATE] = "rate",
    [DS_REACH_E_STATE] = "state",
    [DS_REACH_E_TIMEOUT] = "timeout",
    [DS_REACH_E_INTERNAL] = "internal",
};

static const char *const verdict_names[] = {
    [DS_REACH_REACHABLE] = "reachable",
    [DS_REACH_PARTIAL] = "partial",
    [DS_REACH_UNREACHABLE] = "unreachable",
};

/* The refusals' names and codes, in the enum's order. */
static const struct {
	const char *name;
	enum ds_reach_err code;
} whys[] = {
    [DS_REACH_WHY_LINE_TOO_LONG] = {"line-too-long", DS_REACH_E_TOO_LONG},
    [DS_REACH_WHY_SYNTAX_EMPTY] = {"syntax-empty", DS_REACH_E_SYNTAX},
    [DS_REACH_WHY_SYNTAX_KEYWORD] = {"syntax-keyword", DS_REACH_E_SYNTAX},
    [DS_REACH_WHY_SYNTAX_MISSING] = {"syntax-missing", DS_REACH_E_SYNTAX},
    [DS_REACH_WHY_SYNTAX_EXTRA] = {"syntax-extra", DS_REACH_E_SYNTAX},
    [DS_REACH_WHY_SYNTAX_CHAR] = {"syntax-char", DS_REACH_E_SYNTAX},
    [DS_REACH_WHY_SYNTAX_FIELD] = {"syntax-field", DS_REACH_E_SYNTAX},
    [DS_REACH_WHY_COUNT_RANGE] = {"count-range", DS_REACH_E_COUNT},
    [DS_REACH_WHY_PORT_RANGE] = {"port-range", DS_REACH_E_PORT},
    [DS_REACH_WHY_COUNT] = {"count", DS_REACH_E_COUNT},
    [DS_REACH_WHY_PORT_LOW] = {"port-low", DS_REACH_E_PORT},
    [DS_REACH_WHY_TARGET_ZONE] = {"target-zone", DS_REACH_E_TARGET},
    [DS_REACH_WHY_TARGET_SELF] = {"target-self", DS_REACH_E_TARGET},
    [DS_REACH_WHY_TARGET_OWN_NET] = {"target-own-net", DS_REACH_E_TARGET},
    [DS_REACH_WHY_TARGET_UNFIT] = {"target-unfit", DS_REACH_E_TARGET},
    [DS_REACH_WHY_TARGET_NOT_PEER] = {"target-not-peer", DS_REACH_E_TARGET},
    [DS_REACH_WHY_NO_CLAIM_ADDRESS] = {"no-claim-address", DS_REACH_E_TARGET},
    [DS_REACH_WHY_NO_CLAIM] = {"no-claim", DS_REACH_E_TARGET},
    [DS_REACH_WHY_CLAIM_SOURCE] = {"claim-source", DS_REACH_E_TARGET},
    [DS_REACH_WHY_CLAIMED_ELSEWHERE] = {"claimed-elsewhere", DS_REACH_E_TARGET},
    [DS_REACH_WHY_CLAIM_UNKNOWN] = {"claim-unknown", DS_REACH_E_STATE},
    [DS_REACH_WHY_CHECK_RUNNING] = {"check-running", DS_REACH_E_STATE},
    [DS_REACH_WHY_CLAIM_CONNECTION] = {"claim-connection", DS_REACH_E_STATE},
    [DS_REACH_WHY_TOKENS_UNEXPECTED] = {"tokens-unexpected", DS_REACH_E_STATE},
    [DS_REACH_WHY_AGENT_LINE] = {"agent-line", DS_REACH_E_STATE},
    [DS_REACH_WHY_BUSY_CHECK] = {"busy-check", DS_REACH_E_BUSY},
    [DS_REACH_WHY_BUSY_AGENTS] = {"busy-agents", DS_REACH_E_BUSY},
    [DS_REACH_WHY_BUSY_SOURCE] = {"busy-source", DS_REACH_E_BUSY},
    [DS_REACH_WHY_RATE_AGENT] = {"rate-agent", DS_REACH_E_RATE},
    [DS_REACH_WHY_RATE_TARGET] = {"rate-target", DS_REACH_E_RATE},
    [DS_REACH_WHY_IDLE] = {"idle", DS_REACH_E_TIMEOUT},
    [DS_REACH_WHY_TOKENS_LATE] = {"tokens-late", DS_REACH_E_TIMEOUT},
    [DS_REACH_WHY_NO_MEMORY] = {"no-memory", DS_REACH_E_INTERNAL},
    [DS_REACH_WHY_INTERNAL] = {"internal", DS_REACH_E_INTERNAL},
    [DS_REACH_WHY_SELF_UNKNOWN] = {"self-unknown", DS_REACH_E_INTERNAL},
};

static const char *const event_names[] = {
    [DS_REACH_EV_STARTED] = "started",
    [DS_REACH_EV_CLAIM_ASKED] = "claim-asked",
    [DS_REACH_EV_CLAIMED] = "claimed",
    [DS_REACH_EV_REFUSED] = "refused",
    [DS_REACH_EV_ENDED] = "ended",
    [DS_REACH_EV_ABORTED] = "aborted",
};

static const char *const failure_names[] = {
    [DS_REACH_FAIL_UNFIT] = "unfit",
    [DS_REACH_FAIL_CONNECT] = "connect",
    [DS_REACH_FAIL_WATCH] = "watch",
    [DS_REACH_FAIL_READ] = "read",
    [DS_REACH_FAIL_WRITE] = "write",
    [DS_REACH_FAIL_CLOSED] = "closed",
    [DS_REACH_FAIL_FORMAT] = "format",
    [DS_REACH_FAIL_TIMEOUT] = "timeout",
    [DS_REACH_FAIL_NOT_CHECKER] = "not-checker",
    [DS_REACH_FAIL_VERSION] = "version",
    [DS_REACH_FAIL_BAD_LINE] = "bad-line",
    [DS_REACH_FAIL_LONG_LINE] = "long-line",
    [DS_REACH_FAIL_OUT_OF_TURN] = "out-of-turn",
    [DS_REACH_FAIL_COUNT] = "count",
    [DS_REACH_FAIL_ATTEMPT_TWICE] = "attempt-twice",
    [DS_REACH_FAIL_ATTEMPTS_MISSING] = "attempts-missing",
    [DS_REACH_FAIL_NO_ROUTE] = "no-route",
    [DS_REACH_FAIL_NO_SOURCE] = "no-source",
    [DS_REACH_FAIL_LISTEN] = "listen",
    [DS_REACH_FAIL_LISTEN_ADDRESS] = "listen-address",
    [DS_REACH_FAIL_CLAIM_FAMILY] = "claim-family",
    [DS_REACH_FAIL_CLAIM_SOCKET] = "claim-socket",
    [DS_REACH_FAIL_CLAIM_BIND] = "claim-bind",
    [DS_REACH_FAIL_CLAIM_CONNECT] = "claim-connect",
    [DS_REACH_FAIL_CLAIM_SEND] = "claim-send",
    [DS_REACH_FAIL_CLAIM_BAD_LINE] = "claim-bad-line",
    [DS_REACH_FAIL_CLAIM_OUT_OF_TURN] = "claim-out-of-turn",
};

static const char *const agent_event_names[] = {
    [DS_REACH_AG_CONTROL] = "control",
    [DS_REACH_AG_GREETING] = "greeting",
    [DS_REACH_AG_SOURCE] = "source",
    [DS_REACH_AG_RESOLVED] = "resolved",
    [DS_REACH_AG_UNRESOLVED] = "unresolved",
    [DS_REACH_AG_ROUTE_SOURCE] = "route-source",
    [DS_REACH_AG_UNFIT] = "unfit",
    [DS_REACH_AG_LISTENING] = "listening",
    [DS_REACH_AG_ANNOUNCED] = "announced",
    [DS_REACH_AG_PROVE] = "prove",
    [DS_REACH_AG_CLAIM_SENT] = "claim-sent",
    [DS_REACH_AG_ACCEPTED] = "accepted",
    [DS_REACH_AG_TOKEN] = "token",
    [DS_REACH_AG_TEST_ERROR] = "test-error",
    [DS_REACH_AG_TEST_CLOSED] = "test-closed",
    [DS_REACH_AG_TEST_LONG] = "test-long-line",
    [DS_REACH_AG_TEST_NOT_TOKEN] = "test-not-token",
    [DS_REACH_AG_DEADLINE] = "deadline",
    [DS_REACH_AG_RETURNED] = "returned",
    [DS_REACH_AG_ATTEMPT] = "attempt",
    [DS_REACH_AG_RESULT] = "result",
    [DS_REACH_AG_NOT_SEEN] = "not-seen",
    [DS_REACH_AG_REFUSED] = "refused",
    [DS_REACH_AG_FAILED] = "failed",
};

/* names[v], or NULL when v is not a value of the enumeration. */
static const char *
name_of(const char *const *names, size_t n, unsigned v)
{
	if (v >= n)
		return NULL;
	return names[v];
}

/* The value whose name is exactly s[0..len), or -EINVAL. */
static int
name_find(const char *const *names, size_t n, const char *s, size_t len)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 1; i < n; i++)
		if (names[i] && strlen(names[i]) == len &&
		    memcmp(names[i], s, len) == 0)
			return (int)i;
	return -EINVAL;
}

const char *
ds_reach_outcome_name(enum ds_reach_outcome o)
{
	const char *s = name_of(outcome_names, ARRAY_SIZE(outcome_names), o);

	return s ? s : "unknown";
}

int
ds_reach_outcome_parse(const char *s, size_t len, enum ds_reach_outcome *ret)
{
	int v = name_find(outcome_names, ARRAY_SIZE(outcome_names), s, len);

	if (v < 0)
		return v;
	*ret = (enum ds_reach_outcome)v;
	return 0;
}

const char *
ds_reach_err_name(enum ds_reach_err e)
{
	const char *s = name_of(err_names, ARRAY_SIZE(err_names), e);

	return s ? s : "unknown";
}

int
ds_reach_err_parse(const char *s, size_t len, enum ds_reach_err *ret)
{
	int v = name_find(err_names, ARRAY_SIZE(err_names), s, len);

	if (v < 0)
		return v;
	*ret = (enum ds_reach_err)v;
	return 0;
}

const char *
ds_reach_verdict_name(enum ds_reach_verdict v)
{
	const char *s = name_of(verdict_names, ARRAY_SIZE(verdict_names), v);

	return s ? s : "unknown";
}

int
ds_reach_verdict_parse(const char *s, size_t len, enum ds_reach_verdict *ret)
{
	int v = name_find(verdict_names, ARRAY_SIZE(verdict_names), s, len);

	if (v < 0)
		return v;
	*ret = (enum ds_reach_verdict)v;
	return 0;
}

const char *
ds_reach_why_name(enum ds_reach_why why)
{
	if ((unsigned)why >= ARRAY_SIZE(whys) || !whys[why].name)
		return "unknown";
	return whys[why].name;
}

enum ds_reach_err
ds_reach_why_code(enum ds_reach_why why)
{
	if ((unsigned)why >= ARRAY_SIZE(whys))
		return 0;
	return whys[why].code;
}

const char *
ds_reach_event_name(enum ds_reach_event_kind k)
{
	const char *s = name_of(event_names, ARRAY_SIZE(event_names), k);

	return s ? s : "unknown";
}

const char *
ds_reach_failure_name(enum ds_reach_failure f)
{
	const char *s = name_of(failure_names, ARRAY_SIZE(failure_names), f);

	return s ? s : "unknown";
}

const char *
ds_reach_agent_event_name(enum ds_reach_agent_event_kind k)
{
	const char *s =
	    name_of(agent_event_names, ARRAY_SIZE(agent_event_names), k);

	return s ? s : "unknown";
}

/*
 * How the kernel reports ICMP errors to a connecting TCP socket.
 * ICMPv6 destination unreachable (RFC 4443 section 3.1) is mapped by
 * icmpv6_err_convert() (net/ipv6/icmp.c): code 0 no route -> ENETUNREACH,
 * 1 administratively prohibited -> EACCES, 2 beyond scope -> EHOSTUNREACH,
 * 3 address unreachable -> EHOSTUNREACH, 4 port unreachable ->
 * ECONNREFUSED, 5 source address failed policy and 6 reject route ->
 * EACCES. For IPv4, icmp_err_convert[] (net/ipv4/icmp.c) maps net
 * unreachable to ENETUNREACH, host unreachable to EHOSTUNREACH, port
 * unreachable to ECONNREFUSED and the communication-prohibited codes 9, 10
 * and 13 (RFC 1812 section 5.2.7.1) to EACCES. A TCP RST to the SYN is
 * ECONNREFUSED too, so "refused" cannot tell a closed port from an ICMP
 * port unreachable. EPERM is what a local netfilter REJECT or DROP in the
 * OUTPUT path gives.
 */
enum ds_reach_outcome
ds_reach_outcome_from_errno(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return DS_REACH_CONNECTED;
	case ECONNREFUSED:
		return DS_REACH_REFUSED;
	case EACCES:
	case EPERM:
		return DS_REACH_PROHIBITED;
	case ENETUNREACH:
		return DS_REACH_NO_ROUTE;
	case EHOSTUNREACH:
		return DS_REACH_ADDR_UNREACH;
	case ETIMEDOUT:
		return DS_REACH_TIMEOUT;
	case ECONNRESET:
	case EPIPE:
		return DS_REACH_RESET;
	default:
		return DS_REACH_ERROR;
	}
}

/*
 * The errno names ATTEMPT lines use. strerrorname_np() would give them
 * too, but reading them back needs a table anyway, and a table keeps the
 * wire text the same whatever the C library. Errors without a name here
 * travel as decimal numbers.
 */
static const struct {
	int val;
	const char *name;
} errno_names[] = {
    {EPERM, "EPERM"},
    {ENOENT, "ENOENT"},
    {EINTR, "EINTR"},
    {EIO, "EIO"},
    {EBADF, "EBADF"},
    {EAGAIN, "EAGAIN"},
    {ENOMEM, "ENOMEM"},
    {EACCES, "EACCES"},
    {EFAULT, "EFAULT"},
    {EBUSY, "EBUSY"},
    {EINVAL, "EINVAL"},
    {ENFILE, "ENFILE"},
    {EMFILE, "EMFILE"},
    {ENOSPC, "ENOSPC"},
    {EPIPE, "EPIPE"},
    {ERANGE, "ERANGE"},
    {EPROTO, "EPROTO"},
    {EMSGSIZE, "EMSGSIZE"},
    {ENOTSOCK, "ENOTSOCK"},
    {ENOPROTOOPT, "ENOPROTOOPT"},
    {EPROTONOSUPPORT, "EPROTONOSUPPORT"},
    {EOPNOTSUPP, "EOPNOTSUPP"},
    {EAFNOSUPPORT, "EAFNOSUPPORT"},
    {EADDRINUSE, "EADDRINUSE"},
    {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
    {ENETDOWN, "ENETDOWN"},
    {ENETUNREACH, "ENETUNREACH"},
    {ENETRESET, "ENETRESET"},
    {ECONNABORTED, "ECONNABORTED"},
    {ECONNRESET, "ECONNRESET"},
    {ENOBUFS, "ENOBUFS"},
    {EISCONN, "EISCONN"},
    {ENOTCONN, "ENOTCONN"},
    {ESHUTDOWN, "ESHUTDOWN"},
    {ETIMEDOUT, "ETIMEDOUT"},
    {ECONNREFUSED, "ECONNREFUSED"},
    {EHOSTDOWN, "EHOSTDOWN"},
    {EHOSTUNREACH, "EHOSTUNREACH"},
    {EALREADY, "EALREADY"},
    {EINPROGRESS, "EINPROGRESS"},
    {ECANCELED, "ECANCELED"},
};

static const char *
errno_name(int val)
{
	for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].val == val)
			return errno_names[i].name;
	return NULL;
}

static int
errno_find(const char *s, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (strlen(errno_names[i].name) == len &&
		    memcmp(errno_names[i].name, s, len) == 0)
			return errno_names[i].val;
	return -EINVAL;
}

/* --- Parsing -------------------------------------------------------------- */

/*
 * One line, read through the library's bounds-checked cursor (lib/cur.h):
 * c.off is the next byte, c.end the end of the line. Fields are separated
 * by exactly one space; a field is never empty, so a doubled, leading or
 * trailing space is an empty field and an error at its offset. A field
 * is read again only through a cursor of its own over its bytes (rd_sub()).
 */
struct rd {
	struct ds_cur c;
	const char *s; /* the line, for the fields handed to the caller */
	size_t bad;    /* where the problem is, on failure */
};

static int
rd_fail(struct rd *r, size_t at, int err)
{
	r->bad = at;
	return err;
}

/* A cursor over the field at start, len bytes. */
static struct ds_cur
rd_sub(const struct rd *r, size_t start, size_t len)
{
	return ds_cur_at(r->s, start, start + len);
}

/* The field at the cursor, up to the next space or the end. */
static int
rd_field(struct rd *r, size_t *ret_start, size_t *ret_len)
{
	size_t start = r->c.off;
	uint8_t ch;

	while (ds_cur_peek(&r->c, &ch) == 0 && ch != ' ')
		(void)ds_cur_skip(&r->c, 1);
	if (r->c.off == start)
		return rd_fail(r, start, -DS_E_REACH_EMPTY_FIELD);
	*ret_start = start;
	*ret_len = r->c.off - start;
	return 0;
}

/* The space before another field, and that field: a missing field is an
 * error at the end of the line. */
static int
rd_next(struct rd *r, size_t *ret_start, size_t *ret_len)
{
	/* rd_field() stopped at this space, or at the end. */
	if (ds_cur_skip(&r->c, 1) < 0)
		return rd_fail(r, r->c.end, -DS_E_REACH_MISSING);
	return rd_field(r, ret_start, ret_len);
}

/* Nothing may follow the last field: not even a space. */
static int
rd_end(struct rd *r)
{
	if (ds_cur_left(&r->c) != 0)
		return rd_fail(r, r->c.off, -DS_E_REACH_EXTRA);
	return 0;
}

static bool
rd_is(const struct rd *r, size_t start, size_t len, const char *word)
{
	struct ds_cur f = rd_sub(r, start, len);

	return strlen(word) == len && ds_cur_left(&f) == len &&
	    memcmp(f.p + f.off, word, len) == 0;
}

/*
 * A decimal number at s[start..start+len): digits only, no sign, no
 * leading zero (so that every number has one spelling), min..max.
 * Out of range is toolong at the number's start.
 */
static int
rd_uint_at(struct rd *r, size_t start, size_t len, uint32_t min, uint32_t max,
    int toolong, uint32_t *ret)
{
	struct ds_cur f = rd_sub(r, start, len);
	uint64_t v = 0;
	uint8_t ch, first;

	if (ds_cur_peek(&f, &first) < 0)
		return rd_fail(r, start, -DS_E_REACH_NUMBER);
	while (ds_cur_u8(&f, &ch) == 0) {
		if (ch < '0' || ch > '9')
			return rd_fail(r, f.off - 1, -DS_E_REACH_NUMBER);
		/* Past UINT32_MAX the value only has to stay out of range:
		 * stop growing it, so that no digit count overflows. */
		if (v <= UINT32_MAX)
			v = v * 10 + (uint64_t)(ch - '0');
	}
	if (len > 1 && first == '0')
		return rd_fail(r, start, -DS_E_REACH_NUMBER);
	if (v < min || v > max)
		return rd_fail(r, start, toolong);
	*ret = (uint32_t)v;
	return 0;
}

/* The next field as a decimal number. */
static int
rd_uint(struct rd *r, uint32_t min, uint32_t max, uint32_t *ret)
{
	size_t start, len;
	int e = rd_next(r, &start, &len);

	if (e < 0)
		return e;
	return rd_uint_at(r, start, len, min, max, -DS_E_REACH_RANGE, ret);
}

/*
 * A token: exactly DS_REACH_TOKEN_HEX lower-case hex digits. Upper case is
 * refused so that a token has one spelling and compares with memcmp().
 */
static int
rd_token_at(struct rd *r, size_t start, size_t len)
{
	struct ds_cur f = rd_sub(
	    r, start, len < DS_REACH_TOKEN_HEX ? len : DS_REACH_TOKEN_HEX);
	uint8_t ch;

	while (ds_cur_u8(&f, &ch) == 0)
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return rd_fail(r, f.off - 1, -DS_E_REACH_TOKEN);
	if (len != DS_REACH_TOKEN_HEX)
		return rd_fail(r, f.off, -DS_E_REACH_TOKEN);
	return 0;
}

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static int
parse_hello(struct rd *r, struct ds_reach_msg *m)
{
	uint32_t v;
	int e;

	/* Any version parses, so that an agent can say which one it met. */
	if ((e = rd_uint(r, 1, UINT16_MAX, &v)) < 0)
		return e;
	m->version = v;
	return rd_end(r);
}

static int
parse_check(struct rd *r, struct ds_reach_msg *m)
{
	size_t start, len, errpos = 0;
	uint32_t v;
	int e;

	if ((e = rd_next(r, &start, &len)) < 0)
		return e;
	/* RFC 5952 text without brackets or zone: a zone means nothing to
	 * the checker, and the port is a field of its own. */
	e = ds_addr_parse(
	    r->s + start, len, DS_PARSE_NO_ZONE, &m->target.addr, &errpos);
	if (e < 0)
		return rd_fail(r, start + errpos, e);
	if ((e = rd_next(r, &start, &len)) < 0)
		return e;
	if ((e = rd_uint_at(
	         r, start, len, 1, UINT16_MAX, -DS_E_PORT_RANGE, &v)) < 0)
		return e;
	m->target.port = (uint16_t)v;
	if ((e = rd_uint(r, 1, DS_REACH_COUNT_MAX, &v)) < 0)
		return e;
	m->count = v;
	if (ds_cur_left(&r->c) == 0)
		return 0;
	if ((e = rd_next(r, &start, &len)) < 0)
		return e;
	if (!rd_is(r, start, len, "port-only"))
		return rd_fail(r, start, -DS_E_REACH_WORD);
	m->port_only = true;
	return rd_end(r);
}

/* PROVE <token> <address> <port>: where the agent sends its CLAIM. */
static int
parse_prove(struct rd *r, struct ds_reach_msg *m)
{
	size_t start, len, errpos = 0;
	uint32_t v;
	int e;

	if ((e = rd_next(r, &start, &len)) < 0)
		return e;
	if ((e = rd_token_at(r, start, len)) < 0)
		return e;
	m->tokens[0] = r->s + start;
	if ((e = rd_next(r, &start, &len)) < 0)
		return e;
	e = ds_addr_parse(
	    r->s + start, len, DS_PARSE_NO_ZONE, &m->prove_to.addr, &errpos);
	if (e < 0)
		return rd_fail(r, start + errpos, e);
	if ((e = rd_next(r, &start, &len)) < 0)
		return e;
	if ((e = rd_uint_at(
	         r, start, len, 1, UINT16_MAX, -DS_E_PORT_RANGE, &v)) < 0)
		return e;
	m->prove_to.port = (uint16_t)v;
	return rd_end(r);
}

/* CLAIM <token> */
static int
parse_claim(struct rd *r, struct ds_reach_msg *m)
{
	size_t start, len;
	int e;

	if ((e = rd_next(r, &start, &len)) < 0)
		return e;
	if ((e = rd_token_at(r, start, len)) < 0)
		return e;
	m->tokens[0] = r->s + start;
	return rd_end(r);
}

static int
parse_ok(struct rd *r, struct ds_reach_msg *m)
{
	uint32_t v;
	int e;

	if ((e = rd_uint(r, 1, DS_REACH_COUNT_MAX, &v)) < 0)
		return e;
	m->count = v;
	if ((e = rd_uint(r, 1, UINT32_MAX, &v)) < 0)
		return e;
	m->deadline_ms = v;
	return rd_end(r);
}

static int
parse_err(struct rd *r, struct ds_reach_msg *m)
{
	size_t start, len;
	int e;

	if ((e = rd_next(r, &start, &len)) < 0)
		return e;
	if (ds_reach_err_parse(r->s + start, len, &m->err) < 0)
		return rd_fail(r, start, -DS_E_REACH_WORD);
	if (ds_cur_left(&r->c) == 0)
		return 0;
	/* The text is the rest of the line, spaces and all, but not empty. */
	(void)ds_cur_skip(&r->c, 1);
	if (ds_cur_left(&r->c) == 0)
		return rd_fail(r, r->c.off - 1, -DS_E_REACH_EMPTY_FIELD);
	m->text = r->s + r->c.off;
	m->text_len = ds_cur_left(&r->c);
	(void)ds_cur_skip(&r->c, m->text_len);
	return 0;
}

static int
parse_tokens(struct rd *r, struct ds_reach_msg *m)
{
	size_t start, len;
	int e;

	for (;;) {
		if ((e = rd_next(r, &start, &len)) < 0)
			return e;
		if (rd_is(r, start, len, "END"))
			break;
		if (m->count == DS_REACH_COUNT_MAX)
			return rd_fail(r, start, -DS_E_REACH_RANGE);
		if ((e = rd_token_at(r, start, len)) < 0)
			return e;
		m->tokens[m->count++] = r->s + start;
	}
	return rd_end(r);
}

static int
parse_result(struct rd *r, struct ds_reach_msg *m)
{
	size_t start, len, vstart, slash;
	uint32_t delivered, count;
	struct ds_cur f;
	uint8_t ch;
	int e;

	if ((e = rd_next(r, &start, &len)) < 0)
		return e;
	if (ds_reach_verdict_parse(r->s + start, len, &m->verdict) < 0)
		return rd_fail(r, start, -DS_E_REACH_WORD);
	vstart = start;
	if ((e = rd_next(r, &start, &len)) < 0)
		return e;
	f = rd_sub(r, start, len);
	while (ds_cur_peek(&f, &ch) == 0 && ch != '/')
		(void)ds_cur_skip(&f, 1);
	if (ds_cur_left(&f) == 0)
		return rd_fail(r, start + len, -DS_E_REACH_MISSING);
	slash = f.off - start;
	if ((e = rd_uint_at(r, start + slash + 1, len - slash - 1, 1,
	         DS_REACH_COUNT_MAX, -DS_E_REACH_RANGE, &count)) < 0)
		return e;
	if ((e = rd_uint_at(
	         r, start, slash, 0, count, -DS_E_REACH_RANGE, &delivered)) < 0)
		return e;
	/* The verdict follows from the numbers; a line where it does not
	 * is wrong, and the verdict is what is wrong in it. */
	if ((delivered == count) != (m->verdict == DS_REACH_REACHABLE) ||
	    (delivered == 0) != (m->verdict == DS_REACH_UNREACHABLE))
		return rd_fail(r, vstart, -DS_E_REACH_VERDICT);
	m->delivered = delivered;
	m->count = count;
	return rd_end(r);
}

static int
parse_attempt(struct rd *r, struct ds_reach_msg *m)
{
	size_t start, len;
	struct ds_cur f;
	uint32_t v;
	uint8_t ch;
	int e;

	if ((e = rd_uint(r, 1, DS_REACH_COUNT_MAX, &v)) < 0)
		return e;
	m->attempt = v;
	if ((e = rd_next(r, &start, &len)) < 0)
		return e;
	if (ds_reach_outcome_parse(r->s + start, len, &m->outcome) < 0)
		return rd_fail(r, start, -DS_E_REACH_WORD);
	if ((e = rd_uint(r, 0, UINT32_MAX, &v)) < 0)
		return e;
	m->ms = v;
	if ((e = rd_next(r, &start, &len)) < 0)
		return e;
	f = rd_sub(r, start, len);
	if (ds_cur_peek(&f, &ch) == 0 && ch == 'E') {
		if ((e = errno_find(r->s + start, len)) < 0)
			return rd_fail(r, start, -DS_E_REACH_WORD);
		m->errno_val = e;
	} else {
		if ((e = rd_uint_at(r, start, len, 0, ERRNO_MAX,
		         -DS_E_REACH_RANGE, &v)) < 0)
			return e;
		m->errno_val = (int)v;
	}
	return rd_end(r);
}

static int
parse_line(struct rd *r, struct ds_reach_msg *m)
{
	size_t start, len;
	struct ds_cur f;
	bool hex = true;
	uint8_t ch;
	int e;

	if ((e = rd_field(r, &start, &len)) < 0)
		return e;
	if (rd_is(r, start, len, "DSREACH")) {
		m->type = DS_REACH_MSG_HELLO;
		return parse_hello(r, m);
	}
	if (rd_is(r, start, len, "CHECK")) {
		m->type = DS_REACH_MSG_CHECK;
		return parse_check(r, m);
	}
	if (rd_is(r, start, len, "OK")) {
		m->type = DS_REACH_MSG_OK;
		return parse_ok(r, m);
	}
	if (rd_is(r, start, len, "ERR")) {
		m->type = DS_REACH_MSG_ERR;
		return parse_err(r, m);
	}
	if (rd_is(r, start, len, "TOKENS")) {
		m->type = DS_REACH_MSG_TOKENS;
		return parse_tokens(r, m);
	}
	if (rd_is(r, start, len, "RESULT")) {
		m->type = DS_REACH_MSG_RESULT;
		return parse_result(r, m);
	}
	if (rd_is(r, start, len, "ATTEMPT")) {
		m->type = DS_REACH_MSG_ATTEMPT;
		return parse_attempt(r, m);
	}
	if (rd_is(r, start, len, "PROVE")) {
		m->type = DS_REACH_MSG_PROVE;
		return parse_prove(r, m);
	}
	if (rd_is(r, start, len, "CLAIM")) {
		m->type = DS_REACH_MSG_CLAIM;
		return parse_claim(r, m);
	}
	if (rd_is(r, start, len, "DONE")) {
		m->type = DS_REACH_MSG_DONE;
		return rd_end(r);
	}
	/*
	 * A word of hex digits is meant as a token (the line a test
	 * connection carries): say where it goes wrong. Anything else is an
	 * unknown keyword ("check" has letters past 'f', so a keyword in
	 * the wrong case lands here).
	 */
	f = rd_sub(r, start, len);
	while (ds_cur_u8(&f, &ch) == 0)
		hex = hex && is_hex((char)ch);
	if (!hex)
		return rd_fail(r, start, -DS_E_REACH_KEYWORD);
	m->type = DS_REACH_MSG_TOKEN;
	if ((e = rd_token_at(r, start, len)) < 0)
		return e;
	m->tokens[0] = r->s + start;
	return rd_end(r);
}

int
ds_reach_msg_parse(
    const char *line, size_t len, struct ds_reach_msg *ret, size_t *errpos)
{
	struct ds_reach_msg m;
	struct rd r;
	uint8_t ch;
	int e;

	memset(&m, 0, sizeof(m));
	memset(&r, 0, sizeof(r));
	if (len >= DS_REACH_LINE_MAX) {
		e = -DS_E_REACH_TOO_LONG;
		r.bad = DS_REACH_LINE_MAX - 1;
		goto fail;
	}
	/* One CR before the end is the CRLF of a line split on LF. */
	r.c = ds_cur_at(line, len ? len - 1 : 0, len);
	if (ds_cur_u8(&r.c, &ch) == 0 && ch == '\r')
		len--;
	/* Printable ASCII only: no NUL, no tab, no other control byte, no
	 * byte past 0x7e (the text is ASCII, a person types it). */
	r.c = ds_cur_at(line, 0, len);
	while (ds_cur_u8(&r.c, &ch) == 0) {
		if (ch < 0x20 || ch > 0x7e) {
			e = -DS_E_REACH_CHAR;
			r.bad = r.c.off - 1;
			goto fail;
		}
	}
	r.s = line;
	r.c = ds_cur_at(line, 0, len);
	if (len == 0) {
		e = -DS_E_REACH_EMPTY;
		goto fail;
	}
	if ((e = parse_line(&r, &m)) < 0)
		goto fail;
	*ret = m;
	return 0;

fail:
	if (errpos)
		*errpos = r.bad;
	return e;
}

/* --- Formatting ----------------------------------------------------------- */

static bool
token_valid(const char *t)
{
	if (!t)
		return false;
	for (size_t i = 0; i < DS_REACH_TOKEN_HEX; i++)
		if (!((t[i] >= '0' && t[i] <= '9') ||
		        (t[i] >= 'a' && t[i] <= 'f')))
			return false;
	return true;
}

static bool
count_valid(unsigned n)
{
	return n >= 1 && n <= DS_REACH_COUNT_MAX;
}

/* An output buffer with snprintf semantics over several appends. */
struct wr {
	char *buf;
	size_t size;
	size_t n; /* the length the whole text needs */
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
wr_printf(struct wr *w, const char *fmt, ...)
{
	char *at = w->n < w->size ? w->buf + w->n : NULL;
	size_t room = w->n < w->size ? w->size - w->n : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(at, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		w->n += (size_t)n;
}

static int
format_check(const struct ds_reach_msg *m, struct wr *w)
{
	const struct ds_addr *a = &m->target.addr;
	char addr[DS_ADDR_STRLEN];

	if (a->family != AF_INET && a->family != AF_INET6)
		return -EINVAL;
	if (a->zone[0] != '\0' || a->scope_id != 0)
		return -EINVAL;
	if (m->target.port == 0 || !count_valid(m->count))
		return -EINVAL;
	if (ds_addr_format(a, 0, addr, sizeof(addr)) < 0)
		return -EINVAL;
	wr_printf(w, "CHECK %s %u %u%s\n", addr, (unsigned)m->target.port,
	    m->count, m->port_only ? " port-only" : "");
	return 0;
}

static int
format_prove(const struct ds_reach_msg *m, struct wr *w)
{
	const struct ds_addr *a = &m->prove_to.addr;
	char addr[DS_ADDR_STRLEN];

	if (!token_valid(m->tokens[0]))
		return -EINVAL;
	if (a->family != AF_INET && a->family != AF_INET6)
		return -EINVAL;
	if (a->zone[0] != '\0' || a->scope_id != 0 || m->prove_to.port == 0)
		return -EINVAL;
	if (ds_addr_format(a, 0, addr, sizeof(addr)) < 0)
		return -EINVAL;
	wr_printf(w, "PROVE %.*s %s %u\n", DS_REACH_TOKEN_HEX, m->tokens[0],
	    addr, (unsigned)m->prove_to.port);
	return 0;
}

static int
format_err(const struct ds_reach_msg *m, struct wr *w)
{
	const char *code = name_of(err_names, ARRAY_SIZE(err_names), m->err);

	if (!code)
		return -EINVAL;
	if (m->text_len == 0) {
		wr_printf(w, "ERR %s\n", code);
		return 0;
	}
	if (!m->text || m->text_len >= DS_REACH_LINE_MAX)
		return -EINVAL;
	for (size_t i = 0; i < m->text_len; i++)
		if (m->text[i] < 0x20 || m->text[i] > 0x7e)
			return -EINVAL;
	/* A CR last would be taken for the CR of a CRLF: it is not
	 * printable, so the loop above refused it already. */
	wr_printf(w, "ERR %s %.*s\n", code, (int)m->text_len, m->text);
	return 0;
}

static int
format_result(const struct ds_reach_msg *m, struct wr *w)
{
	const char *v =
	    name_of(verdict_names, ARRAY_SIZE(verdict_names), m->verdict);

	if (!v || !count_valid(m->count) || m->delivered > m->count)
		return -EINVAL;
	if ((m->delivered == m->count) != (m->verdict == DS_REACH_REACHABLE) ||
	    (m->delivered == 0) != (m->verdict == DS_REACH_UNREACHABLE))
		return -EINVAL;
	wr_printf(w, "RESULT %s %u/%u\n", v, m->delivered, m->count);
	return 0;
}

static int
format_attempt(const struct ds_reach_msg *m, struct wr *w)
{
	const char *o =
	    name_of(outcome_names, ARRAY_SIZE(outcome_names), m->outcome);
	const char *e;

	if (!o || !count_valid(m->attempt))
		return -EINVAL;
	if (m->errno_val < 0 || (unsigned)m->errno_val > ERRNO_MAX)
		return -EINVAL;
	wr_printf(w, "ATTEMPT %u %s %" PRIu32 " ", m->attempt, o, m->ms);
	if (m->errno_val == 0)
		wr_printf(w, "0\n");
	else if ((e = errno_name(m->errno_val)))
		wr_printf(w, "%s\n", e);
	else
		wr_printf(w, "%d\n", m->errno_val);
	return 0;
}

int
ds_reach_msg_format(const struct ds_reach_msg *m, char *buf, size_t size)
{
	struct wr w = {buf, size, 0};
	int e = 0;

	if (size > 0)
		buf[0] = '\0';
	switch (m->type) {
	case DS_REACH_MSG_HELLO:
		if (m->version < 1 || m->version > UINT16_MAX)
			return -EINVAL;
		wr_printf(&w, "DSREACH %u\n", m->version);
		break;
	case DS_REACH_MSG_CHECK:
		e = format_check(m, &w);
		break;
	case DS_REACH_MSG_OK:
		if (!count_valid(m->count) || m->deadline_ms == 0)
			return -EINVAL;
		wr_printf(&w, "OK %u %" PRIu32 "\n", m->count, m->deadline_ms);
		break;
	case DS_REACH_MSG_ERR:
		e = format_err(m, &w);
		break;
	case DS_REACH_MSG_TOKENS:
		if (m->count > DS_REACH_COUNT_MAX)
			return -EINVAL;
		for (unsigned i = 0; i < m->count; i++)
			if (!token_valid(m->tokens[i]))
				return -EINVAL;
		wr_printf(&w, "TOKENS");
		for (unsigned i = 0; i < m->count; i++)
			wr_printf(
			    &w, " %.*s", DS_REACH_TOKEN_HEX, m->tokens[i]);
		wr_printf(&w, " END\n");
		break;
	case DS_REACH_MSG_RESULT:
		e = format_result(m, &w);
		break;
	case DS_REACH_MSG_ATTEMPT:
		e = format_attempt(m, &w);
		break;
	case DS_REACH_MSG_DONE:
		wr_printf(&w, "DONE\n");
		break;
	case DS_REACH_MSG_PROVE:
		e = format_prove(m, &w);
		break;
	case DS_REACH_MSG_CLAIM:
		if (!token_valid(m->tokens[0]))
			return -EINVAL;
		wr_printf(&w, "CLAIM %.*s\n", DS_REACH_TOKEN_HEX, m->tokens[0]);
		break;
	case DS_REACH_MSG_TOKEN:
		if (!token_valid(m->tokens[0]))
			return -EINVAL;
		wr_printf(&w, "%.*s\n", DS_REACH_TOKEN_HEX, m->tokens[0]);
		break;
	default:
		return -EINVAL;
	}
	if (e < 0) {
		if (size > 0)
			buf[0] = '\0';
		return e;
	}
	/* The newline is part of the limit (DS_REACH_LINE_MAX). */
	if (w.n > DS_REACH_LINE_MAX) {
		if (size > 0)
			buf[0] = '\0';
		return -EINVAL;
	}
	return (int)w.n;
}

/* --- Tokens --------------------------------------------------------------- */

int
ds_reach_token_new(char buf[DS_REACH_TOKEN_HEX + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t raw[DS_REACH_TOKEN_BYTES];
	size_t got = 0;

	/*
	 * getrandom() from the urandom pool: requests up to 256 bytes are
	 * not cut short once the pool is initialised (getrandom(2)); the
	 * loop covers EINTR during early boot.
	 */
	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(raw); i++) {
		buf[2 * i] = hex[raw[i] >> 4];
		buf[2 * i + 1] = hex[raw[i] & 0xf];
	}
	buf[DS_REACH_TOKEN_HEX] = '\0';
	return 0;
}

/* --- Fitness ------------------------------------------------------------- */

int
ds_reach_address_fitness(const struct ds_addr *a, enum ds_addr_kind *ret_kind)
{
	const struct ds_addr_block *b = ds_addr_block(a);

	if (!b)
		return -EAFNOSUPPORT;
	/*
	 * Globally reachable by the registries, except what the registries
	 * call global but no test can reach as this host: an address in the
	 * NAT64 well-known prefix names an IPv4 host, ORCHIDv2 names an
	 * identity (RFC 7343 section 2: "not routable at the IP layer").
	 */
	if (ds_addr_is_global(a) && b->kind != DS_KIND_NAT64 &&
	    b->kind != DS_KIND_ORCHID)
		return 0;
	if (ret_kind)
		*ret_kind = b->kind;
	return -EADDRNOTAVAIL;
}

/* --- Findings ------------------------------------------------------------- */

/* What the findings are made from: the report and its attempts counted. */
struct fx {
	const struct ds_reach_report *r;
	struct ds_finding *ret;
	size_t max, n;
	struct ds_finding scratch;          /* a finding beyond max */
	unsigned att;                       /* attempts in the report */
	unsigned by[DS_REACH__OUTCOME_END]; /* attempts per outcome */
	unsigned ok;                        /* delivered or connected */
};

/* The next finding, about the target when there is one. */
static struct ds_finding *
fx_add(struct fx *x, enum ds_finding_code code, enum ds_severity sev)
{
	struct ds_finding *f = x->n < x->max ? &x->ret[x->n] : &x->scratch;

	x->n++;
	ds_finding_init(f, code, sev);
	if (x->r->target.addr.family != 0) {
		f->subject.key = DS_EVK_TARGET;
		f->subject.type = DS_EV_ENDPOINT;
		f->subject.v.ep = x->r->target;
	}
	return f;
}

/* A finding about the attempts of one outcome: how many, of how many. */
static struct ds_finding *
fx_attempts(struct fx *x, enum ds_finding_code code, unsigned count)
{
	struct ds_finding *f = fx_add(x, code, DS_SEV_ERROR);

	ds_finding_add_uint(f, DS_EVK_COUNT, count);
	ds_finding_add_uint(f, DS_EVK_OF, x->att);
	return f;
}

/* Test connections the agent saw with a well-formed token. */
static unsigned
tokens_seen(const struct ds_reach_report *r)
{
	unsigned n = 0, seen = r->n_seen;

	if (seen > DS_REACH_COUNT_MAX)
		seen = DS_REACH_COUNT_MAX;
	for (unsigned i = 0; i < seen; i++)
		n += r->seen[i].token_ok;
	return n;
}

/* The verdict, from the attempts. */
static void
fx_summary(struct fx *x)
{
	const struct ds_reach_report *r = x->r;
	struct ds_finding *f;

	if (x->att > 0 && x->ok == x->att)
		f = fx_add(x, DS_FIND_REACH_REACHABLE, DS_SEV_OK);
	else if (x->ok > 0)
		f = fx_add(x, DS_FIND_REACH_PARTIAL, DS_SEV_WARNING);
	else {
		f = fx_add(x, DS_FIND_REACH_UNREACHABLE, DS_SEV_ERROR);
		/* One reason for all of them says it all. */
		for (unsigned o = 1; o < DS_REACH__OUTCOME_END; o++)
			if (x->att > 0 && x->by[o] == x->att)
				ds_finding_add_token(
				    f, DS_EVK_CODE, ds_reach_outcome_name(o));
	}
	ds_finding_add_uint(f, DS_EVK_COUNT, x->ok);
	ds_finding_add_uint(f, DS_EVK_OF, x->att);
	ds_finding_add_bool(f, DS_EVK_PORT_ONLY, r->port_only);
}

/* Why the attempts that failed failed, one finding per reason. */
static void
fx_causes(struct fx *x)
{
	const struct ds_reach_report *r = x->r;
	unsigned mismatch = x->by[DS_REACH_MISMATCH];
	unsigned ns = r->not_seen < mismatch ? r->not_seen : mismatch;
	struct ds_finding *f;

	if (x->by[DS_REACH_TIMEOUT]) {
		/* Dropped; but when this agent saw them arrive, it is the
		 * answers that are lost. */
		bool back = !r->port_only && r->n_seen > 0;

		f = fx_attempts(x,
		    back ? DS_FIND_REACH_RETURN_PATH : DS_FIND_REACH_DROPPED,
		    x->by[DS_REACH_TIMEOUT]);
		if (back)
			ds_finding_add_uint(f, DS_EVK_SEEN, r->n_seen);
	}
	if (x->by[DS_REACH_PROHIBITED])
		fx_attempts(
		    x, DS_FIND_REACH_PROHIBITED, x->by[DS_REACH_PROHIBITED]);
	if (x->by[DS_REACH_REFUSED]) {
		f = fx_attempts(
		    x, DS_FIND_REACH_REFUSED, x->by[DS_REACH_REFUSED]);
		ds_finding_add_bool(f, DS_EVK_PORT_ONLY, r->port_only);
	}
	if (x->by[DS_REACH_NO_ROUTE])
		fx_attempts(
		    x, DS_FIND_REACH_NO_ROUTE, x->by[DS_REACH_NO_ROUTE]);
	if (x->by[DS_REACH_ADDR_UNREACH])
		fx_attempts(x, DS_FIND_REACH_ADDR_UNREACH,
		    x->by[DS_REACH_ADDR_UNREACH]);
	if (x->by[DS_REACH_RESET])
		fx_attempts(x, DS_FIND_REACH_RESET, x->by[DS_REACH_RESET]);
	if (x->by[DS_REACH_NOT_RETURNED]) {
		f = fx_attempts(x, DS_FIND_REACH_NOT_RETURNED,
		    x->by[DS_REACH_NOT_RETURNED]);
		ds_finding_add_uint(f, DS_EVK_SEEN, r->n_seen);
		ds_finding_add_uint(f, DS_EVK_TOKENS, tokens_seen(r));
	}
	/* A mismatch is a token the checker called delivered that never
	 * came here (the agent's cross-check), or one that came back
	 * altered. */
	if (ns > 0)
		fx_attempts(x, DS_FIND_REACH_NOT_SEEN, ns);
	if (mismatch > ns)
		fx_attempts(x, DS_FIND_REACH_ALTERED, mismatch - ns);
	if (x->by[DS_REACH_ERROR]) {
		int e = 0;

		f = fx_attempts(
		    x, DS_FIND_REACH_CHECKER_ERROR, x->by[DS_REACH_ERROR]);
		for (unsigned i = 0; i < x->att && !e; i++)
			if (r->attempts[i].outcome == DS_REACH_ERROR)
				e = r->attempts[i].err;
		if (e)
			ds_finding_add_errno(f, DS_EVK_ERRNO, e);
	}
	if (x->ok > 0 && x->ok < x->att) {
		f = fx_add(x, DS_FIND_REACH_FLAPPING, DS_SEV_WARNING);
		ds_finding_add_uint(f, DS_EVK_COUNT, x->ok);
		ds_finding_add_uint(f, DS_EVK_OF, x->att);
	}
	if (r->port_only && x->ok > 0)
		fx_add(x, DS_FIND_REACH_PORT_ONLY, DS_SEV_INFO);
}

int
ds_reach_findings(
    const struct ds_reach_report *r, struct ds_finding *ret, size_t max)
{
	struct fx x;
	struct ds_finding *f;

	memset(&x, 0, sizeof(x));
	x.r = r;
	x.ret = ret;
	x.max = ret ? max : 0;
	x.att = r->count < DS_REACH_COUNT_MAX ? r->count : DS_REACH_COUNT_MAX;
	for (unsigned i = 0; i < x.att; i++) {
		unsigned o = r->attempts[i].outcome;

		if (o < DS_REACH__OUTCOME_END)
			x.by[o]++;
	}
	x.ok = x.by[DS_REACH_DELIVERED] + x.by[DS_REACH_CONNECTED];
	if (r->err_code != 0) {
		f = fx_add(&x, DS_FIND_REACH_CHECKER_REFUSED, DS_SEV_ERROR);
		ds_finding_add_token(
		    f, DS_EVK_CODE, ds_reach_err_name(r->err_code));
	} else if (r->err < 0) {
		f = fx_add(&x, DS_FIND_REACH_NOT_RUN, DS_SEV_ERROR);
		ds_finding_add_errno(f, DS_EVK_ERRNO, r->err);
		if (r->fault.what != 0)
			ds_finding_add_token(f, DS_EVK_CODE,
			    ds_reach_failure_name(r->fault.what));
		ds_finding_add_bool(f, DS_EVK_PORT_ONLY, r->port_only);
	} else {
		fx_summary(&x);
		fx_causes(&x);
	}
	return (int)x.n;
}
