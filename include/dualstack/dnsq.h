/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_DNSQ_H
#define DUALSTACK_DNSQ_H

/*
 * ds_dnsq: diagnostic DNS queries on a ds_loop. Where ds_resolve asks
 * what a name resolves to, a ds_dnsq asks one question of one server,
 * over one transport (UDP or TCP) and from one address family, with or
 * without EDNS0 (RFC 6891) and the buffer size chosen, and hands back the
 * raw answer, its header, the addresses in it and how long it took. No
 * retry, no other server, no search domain: what the server and the
 * path do to exactly this query.
 *
 * One handle may carry two questions (A and AAAA) sent back to back from
 * one socket, in one sendmmsg() as glibc 2.36 does (resolv/res_send.c,
 * send_dg(), when "options single-request" is not set): a middlebox that
 * keeps one state per UDP "session" may then lose the second answer, and
 * the handle tells (ds_dnsq_second_lost()). Over TCP the two go on one
 * connection, pipelined (RFC 7766 section 6.2.1.1).
 *
 * Queries are built by c-ares (ares_create_query()) and answers read by
 * c-ares (ares_parse_a_reply(), ares_parse_aaaa_reply()): one DNS parser
 * in the library, not two. Answers come from a connected socket, so only
 * the server's address and port are heard; an answer whose ID or question
 * differs from the query's is ignored and counted, not taken.
 *
 * Threads: a handle belongs to its loop's thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dualstack/addr.h"
#include "dualstack/export.h"
#include "dualstack/loop.h"

/* RR types asked (RFC 1035 section 3.2.2, RFC 3596 section 2.1). */
#define DS_DNSQ_TYPE_A 1u
#define DS_DNSQ_TYPE_AAAA 28u

/* Response codes (RFC 1035 section 4.1.1, RFC 6895 section 2.3). */
enum ds_dnsq_rcode {
	DS_DNSQ_NOERROR = 0,
	DS_DNSQ_FORMERR = 1,
	DS_DNSQ_SERVFAIL = 2,
	DS_DNSQ_NXDOMAIN = 3,
	DS_DNSQ_NOTIMP = 4,
	DS_DNSQ_REFUSED = 5,
};

/* "NOERROR", "FORMERR", ... "REFUSED"; "RCODE6".."RCODE15" beyond. */
DS_EXPORT const char *ds_dnsq_rcode_name(unsigned rcode);

/* "A", "AAAA", or NULL for another type. */
DS_EXPORT const char *ds_dnsq_type_name(unsigned qtype);

enum ds_dnsq_transport {
	DS_DNSQ_UDP = 0,
	DS_DNSQ_TCP,
};

/* "udp", "tcp"; NULL out of range. */
DS_EXPORT const char *ds_dnsq_transport_name(enum ds_dnsq_transport t);

/* --- Answers (pure) ------------------------------------------------------- */

/* The most addresses kept from one answer; the count says how many came.
 * 64 A records are about 1 KiB: more than any real name gives. */
#define DS_DNSQ_ADDRS_MAX 64

/* One address of an answer. */
struct ds_dnsq_rr {
	struct ds_addr addr;
	/* Seconds. A TTL with its high bit set is read as 0 (RFC 2181
	 * section 8); the largest kept is 2147483647. */
	uint32_t ttl;
};

/* What an answer says. */
struct ds_dnsq_reply {
	uint16_t id;
	unsigned rcode; /* enum ds_dnsq_rcode, 0-15 */
	bool aa, tc, rd, ra;
	/* The header's counts as written (they may lie: the parse checks
	 * them, and fails when a record is missing). */
	unsigned qdcount, ancount, nscount, arcount;
	/* Addresses of the type asked, in the server's order (CNAMEs
	 * followed); n_addrs may be more than the max given, which were
	 * kept. */
	size_t n_addrs;
	/* The smallest TTL among them; 0 when there is none. */
	uint32_t min_ttl;
};

/*
 * Read the answer buf (len octets) to a query of qtype (A or AAAA):
 * header, then, for NOERROR, the addresses through c-ares, up to max
 * into ret_addrs (may be NULL when max is 0). A truncated answer (TC)
 * whose records were cut is not an error: it has what it has. Returns 0,
 * -DS_E_DNSQ_SHORT, -DS_E_DNSQ_NOT_RESPONSE, -DS_E_DNSQ_BADRESP (c-ares
 * rejects it: counts past the end, a compression loop, no question),
 * -EINVAL (qtype neither A nor AAAA), -ENOMEM. Writes *ret only on
 * success. Allocates only inside c-ares, and frees it. Any thread.
 */
DS_EXPORT int ds_dnsq_parse(const uint8_t *buf, size_t len, unsigned qtype,
    struct ds_dnsq_reply *ret, struct ds_dnsq_rr *ret_addrs, size_t max);

/* --- Queries on a loop ------------------------------------------------------
 */

/* Two questions at most in one handle (A and AAAA, glibc's pair). */
#define DS_DNSQ_QUESTIONS_MAX 2
/* The default wait for every answer: 2 s (glibc waits 5 per try by
 * default, RES_TIMEOUT; a diagnostic wants to end sooner). */
#define DS_DNSQ_TIMEOUT_DEFAULT_US 2000000u

struct ds_dnsq_opts {
	/* The server: an address (no zone needed but one is honoured) and
	 * a port (53, RFC 1035 section 4.2; 0 is -EINVAL). */
	struct ds_endpoint server;
	enum ds_dnsq_transport transport;
	/* The name asked, as text ("www.example.com", a trailing dot
	 * optional); copied. */
	const char *name;
	/* The types asked, in the order sent; n_qtypes 1 or 2. */
	unsigned qtypes[DS_DNSQ_QUESTIONS_MAX];
	size_t n_qtypes;
	/* 0: no OPT record. Else an OPT record (RFC 6891 section 6.1.2)
	 * offering this UDP payload size; 512 to 65535. */
	uint16_t edns_size;
	/* How long to wait for every answer, from the send; 0:
	 * DS_DNSQ_TIMEOUT_DEFAULT_US. */
	uint64_t timeout_us;
	/* Two questions over UDP: send the second from the same socket
	 * only once the first is answered, as glibc does with "options
	 * single-request" and after a pair lost one answer. Ignored
	 * otherwise. */
	bool sequential;
};

/* The outcome of one question. */
struct ds_dnsq_result {
	unsigned qtype;
	/*
	 * 0: an answer came and parsed (any rcode; reply is valid).
	 * -ETIMEDOUT: none within the timeout. -ECONNREFUSED: refused (a
	 * TCP reset, or an ICMP port unreachable on UDP). -ECONNRESET,
	 * -DS_E_DNSQ_CLOSED (TCP closed first), -DS_E_DNSQ_SHORT,
	 * -DS_E_DNSQ_NOT_RESPONSE, -DS_E_DNSQ_BADRESP (an answer came, but
	 * it is not one: its octets are in raw), or another -errno from
	 * the socket (-ENETUNREACH, -EHOSTUNREACH, -EACCES ...).
	 */
	int status;
	/* Microseconds from its send (the handle's first send for a
	 * question never sent) to the answer, or to the failure. */
	uint64_t elapsed_us;
	struct ds_dnsq_reply reply;
	const struct ds_dnsq_rr *addrs; /* min(n_addrs, DS_DNSQ_ADDRS_MAX) */
	/* The answer as it came (without TCP's length); NULL when none.
	 * Owned by the handle. */
	const uint8_t *raw;
	size_t raw_len;
	/* The query's own size, OPT record included. */
	size_t query_len;
};

struct ds_dnsq;

/*
 * Called once, when every question has its outcome (answered, failed or
 * timed out), never from inside ds_dnsq_new(). The callback may free q.
 */
typedef void ds_dnsq_fn(struct ds_dnsq *q, void *userdata);

/*
 * Build the queries, open the socket (SOCK_NONBLOCK | SOCK_CLOEXEC, owned
 * by the handle) and send them (UDP) or start connecting (TCP). Returns
 * 0; -EINVAL (no name, port 0, no type or more than two, a type not A or
 * AAAA, edns_size 1-511); -DS_E_DNSQ_NAME (c-ares cannot encode the
 * name); -ENOMEM; -errno from socket(). A failure of connect() or of the
 * send is an outcome, reported through cb.
 */
DS_EXPORT int ds_dnsq_new(struct ds_loop *loop, const struct ds_dnsq_opts *o,
    ds_dnsq_fn *cb, void *userdata, struct ds_dnsq **ret);

/* The outcome of question i (0 or 1, in the order sent); NULL for
 * another i. Valid until ds_dnsq_free(). */
DS_EXPORT const struct ds_dnsq_result *ds_dnsq_get(
    const struct ds_dnsq *q, size_t i);

/*
 * Whether the second answer of a pair was lost: the first question was
 * answered and the second, sent right after it from the same socket,
 * timed out. False for a handle of one question.
 */
DS_EXPORT bool ds_dnsq_second_lost(const struct ds_dnsq *q);

/* The local port the queries left from (0 before the socket was bound),
 * so that a server's log can be matched. */
DS_EXPORT uint16_t ds_dnsq_local_port(const struct ds_dnsq *q);

/* Messages that came on the socket and were not taken: another ID,
 * another question, not a response. */
DS_EXPORT unsigned ds_dnsq_ignored(const struct ds_dnsq *q);

/* True once cb was called (or is about to be). */
DS_EXPORT bool ds_dnsq_is_done(const struct ds_dnsq *q);

/* Cancel what is still running (no callback) and free. Safe inside the
 * callback. NULL-safe; returns NULL. */
DS_EXPORT struct ds_dnsq *ds_dnsq_free(struct ds_dnsq *q);

/* --- Diagnosis (pure) ------------------------------------------------------
 *
 * The questions dualstack dns asks each server, and what their outcomes
 * together say, as findings (finding.h, codes 300-399). The caller makes
 * the queries (ds_dnsq handles), copies each outcome into a
 * ds_dnsq_server_report and calls ds_dnsq_diagnose().
 */

#include "dualstack/finding.h"

enum ds_dnsq_check {
	DS_DNSQ_CHECK_UDP_A = 0, /* A over UDP, no EDNS0, as glibc asks */
	DS_DNSQ_CHECK_UDP_AAAA,  /* AAAA over UDP, its own socket */
	DS_DNSQ_CHECK_TCP_A,     /* A over TCP */
	DS_DNSQ_CHECK_TCP_AAAA,  /* AAAA over TCP */
	DS_DNSQ_CHECK_PAIR_A,    /* glibc's pair: A, then ... */
	DS_DNSQ_CHECK_PAIR_AAAA, /* ... AAAA from the same socket */
	DS_DNSQ_CHECK_EDNS_512,  /* A over UDP, EDNS0 offering 512 */
	DS_DNSQ_CHECK_EDNS_1232, /* ... 1232, the DNS Flag Day 2020 size */
	DS_DNSQ_CHECK_EDNS_4096, /* ... 4096, the old default */
	DS_DNSQ_CHECK_DNS64,     /* AAAA of ipv4only.arpa (RFC 7050) */
	DS_DNSQ_CHECK_SEQ_A,     /* glibc's single-request: A, then ... */
	DS_DNSQ_CHECK_SEQ_AAAA,  /* ... AAAA from that socket once A came */
	DS_DNSQ_CHECKS,
};

/* "udp-a", "udp-aaaa", "tcp-a", "tcp-aaaa", "pair-a", "pair-aaaa",
 * "edns-512", "edns-1232", "edns-4096", "dns64", "seq-a", "seq-aaaa";
 * NULL out of range. */
DS_EXPORT const char *ds_dnsq_check_token(enum ds_dnsq_check c);

/* The question a check asks: the type, transport and EDNS0 size (0: none)
 * into the non-NULL pointers. Returns 0 or -EINVAL. */
DS_EXPORT int ds_dnsq_check_query(enum ds_dnsq_check c, unsigned *ret_qtype,
    enum ds_dnsq_transport *ret_transport, uint16_t *ret_edns);

/* Every outcome at one server. */
struct ds_dnsq_server_report {
	struct ds_endpoint server;
	bool asked[DS_DNSQ_CHECKS];
	/* Copies of ds_dnsq_get()'s results: their addrs and raw point
	 * into the handles, which must outlive the diagnosis. */
	struct ds_dnsq_result r[DS_DNSQ_CHECKS];
};

struct ds_dnsq_diag_opts {
	/* resolv.conf's "timeout:" and "attempts:" (ds_resolv_options): what
	 * a silent server or a lost answer costs glibc. */
	unsigned timeout_s;
	unsigned attempts;
	/* resolv.conf's "single-request" and "single-request-reopen":
	 * glibc sends the pair one query at a time (from one socket, or
	 * from two), so a pair's loss may be avoided already. */
	bool single_request;
	bool single_request_reopen;
};

/*
 * The findings of n server reports, in server order, at most max into ret
 * (may be NULL when max is 0). A server that answers everything well
 * gives none; DNS64 gives an info finding. Returns how many there are
 * (may be more than max) or -EINVAL. Pure; any thread.
 */
DS_EXPORT int ds_dnsq_diagnose(const struct ds_dnsq_server_report *s, size_t n,
    const struct ds_dnsq_diag_opts *o, struct ds_finding *ret, size_t max);

#endif
