/* SPDX-License-Identifier: MIT */
/*
 * What the outcomes of dualstack dns's questions say about a server, as
 * findings. Pure: no I/O, no allocation.
 *
 * Each rule compares outcomes that differ in one thing only -- the type,
 * the transport, the socket, the EDNS0 size -- so that a finding names
 * the one difference that broke: AAAA lost while A from its own socket
 * is answered; the second of glibc's pair lost while the same type alone
 * is answered; EDNS0 at 4096 lost while at 1232 it is answered.
 */
#include <errno.h>
#include <string.h>

#include "dualstack/dnsq.h"
#include "dualstack/error.h"

#include "connect-int.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* RFC 8305 section 3: the Resolution Delay. A type that answers later
 * than the other by more than this changes what a Happy Eyeballs client
 * does (it goes ahead without it). */
#define SLOW_US 50000u

static const char *const check_tokens[] = {
    [DS_DNSQ_CHECK_UDP_A] = "udp-a",
    [DS_DNSQ_CHECK_UDP_AAAA] = "udp-aaaa",
    [DS_DNSQ_CHECK_TCP_A] = "tcp-a",
    [DS_DNSQ_CHECK_TCP_AAAA] = "tcp-aaaa",
    [DS_DNSQ_CHECK_PAIR_A] = "pair-a",
    [DS_DNSQ_CHECK_PAIR_AAAA] = "pair-aaaa",
    [DS_DNSQ_CHECK_EDNS_512] = "edns-512",
    [DS_DNSQ_CHECK_EDNS_1232] = "edns-1232",
    [DS_DNSQ_CHECK_EDNS_4096] = "edns-4096",
    [DS_DNSQ_CHECK_DNS64] = "dns64",
    [DS_DNSQ_CHECK_SEQ_A] = "seq-a",
    [DS_DNSQ_CHECK_SEQ_AAAA] = "seq-aaaa",
};

const char *
ds_dnsq_check_token(enum ds_dnsq_check c)
{
	return (unsigned)c < ARRAY_SIZE(check_tokens) ? check_tokens[c] : NULL;
}

int
ds_dnsq_check_query(enum ds_dnsq_check c, unsigned *ret_qtype,
    enum ds_dnsq_transport *ret_transport, uint16_t *ret_edns)
{
	unsigned qtype = DS_DNSQ_TYPE_A;
	enum ds_dnsq_transport t = DS_DNSQ_UDP;
	uint16_t edns = 0;

	switch (c) {
	case DS_DNSQ_CHECK_UDP_A:
	case DS_DNSQ_CHECK_PAIR_A:
	case DS_DNSQ_CHECK_SEQ_A:
		break;
	case DS_DNSQ_CHECK_UDP_AAAA:
	case DS_DNSQ_CHECK_PAIR_AAAA:
	case DS_DNSQ_CHECK_SEQ_AAAA:
	case DS_DNSQ_CHECK_DNS64:
		qtype = DS_DNSQ_TYPE_AAAA;
		break;
	case DS_DNSQ_CHECK_TCP_A:
		t = DS_DNSQ_TCP;
		break;
	case DS_DNSQ_CHECK_TCP_AAAA:
		qtype = DS_DNSQ_TYPE_AAAA;
		t = DS_DNSQ_TCP;
		break;
	case DS_DNSQ_CHECK_EDNS_512:
		edns = 512;
		break;
	case DS_DNSQ_CHECK_EDNS_1232:
		/* The size DNS Flag Day 2020 settled on: it fits the IPv6
		 * minimum MTU of 1280 (RFC 8200 section 5) with the
		 * headers, so it is never fragmented. */
		edns = 1232;
		break;
	case DS_DNSQ_CHECK_EDNS_4096:
		/* RFC 6891 section 6.2.5's suggested start: answers this
		 * large are fragmented on a 1500-octet path. */
		edns = 4096;
		break;
	default:
		return -EINVAL;
	}
	if (ret_qtype)
		*ret_qtype = qtype;
	if (ret_transport)
		*ret_transport = t;
	if (ret_edns)
		*ret_edns = edns;
	return 0;
}

struct out {
	struct ds_finding *ret;
	size_t max;
	size_t n;
};

/* A finding about server s, or a scratch one past max. */
static struct ds_finding *
add(struct out *o, struct ds_finding *scratch, enum ds_finding_code code,
    enum ds_severity sev, const struct ds_dnsq_server_report *s)
{
	struct ds_finding *f = o->n < o->max ? &o->ret[o->n] : scratch;

	o->n++;
	ds_finding_init(f, code, sev);
	f->subject.key = DS_EVK_PEER;
	f->subject.type = DS_EV_ENDPOINT;
	f->subject.v.ep = s->server;
	return f;
}

static bool
asked(const struct ds_dnsq_server_report *s, enum ds_dnsq_check c)
{
	return s->asked[c];
}

/* An answer came and parsed (any rcode). */
static bool
answered(const struct ds_dnsq_server_report *s, enum ds_dnsq_check c)
{
	return s->asked[c] && s->r[c].status == 0;
}

/* An answer that says something about the name: NOERROR or NXDOMAIN. */
static bool
good(const struct ds_dnsq_server_report *s, enum ds_dnsq_check c)
{
	return answered(s, c) &&
	    (s->r[c].reply.rcode == DS_DNSQ_NOERROR ||
	        s->r[c].reply.rcode == DS_DNSQ_NXDOMAIN);
}

static bool
is_bad_answer(int status)
{
	return status == -DS_E_DNSQ_SHORT ||
	    status == -DS_E_DNSQ_NOT_RESPONSE || status == -DS_E_DNSQ_BADRESP ||
	    status == -DS_E_DNSQ_MISMATCH;
}

static const char *
bad_answer_token(int status)
{
	switch (-status) {
	case DS_E_DNSQ_SHORT:
		return "short";
	case DS_E_DNSQ_NOT_RESPONSE:
		return "not-response";
	case DS_E_DNSQ_MISMATCH:
		return "mismatch";
	default:
		return "malformed";
	}
}

/* No answer, for a reason of the network (not a bad answer). */
static bool
unanswered(const struct ds_dnsq_server_report *s, enum ds_dnsq_check c)
{
	return s->asked[c] && s->r[c].status < 0 &&
	    !is_bad_answer(s->r[c].status);
}

static uint64_t
stall_us(const struct ds_dnsq_diag_opts *o)
{
	/* glibc waits at least 1 s when timeout is 0 (res_send.c), and
	 * makes at least one try. */
	uint64_t t = o->timeout_s ? o->timeout_s : 1;
	uint64_t a = o->attempts ? o->attempts : 1;

	return t * a * 1000000u;
}

static void
add_qtype(struct ds_finding *f, unsigned qtype)
{
	(void)ds_finding_add_token(f, DS_EVK_QTYPE, ds_dnsq_type_name(qtype));
}

/* Another server whose answer to c was good, or NULL. */
static const struct ds_dnsq_server_report *
other_good(const struct ds_dnsq_server_report *s, size_t n, size_t self,
    enum ds_dnsq_check c)
{
	for (size_t i = 0; i < n; i++)
		if (i != self && good(&s[i], c))
			return &s[i];
	return NULL;
}

static void
diagnose_one(const struct ds_dnsq_server_report *all, size_t n, size_t i,
    const struct ds_dnsq_diag_opts *o, struct out *out)
{
	static const enum ds_dnsq_check udp[2] = {
	    DS_DNSQ_CHECK_UDP_A, DS_DNSQ_CHECK_UDP_AAAA};
	static const enum ds_dnsq_check tcp[2] = {
	    DS_DNSQ_CHECK_TCP_A, DS_DNSQ_CHECK_TCP_AAAA};
	static const unsigned types[2] = {DS_DNSQ_TYPE_A, DS_DNSQ_TYPE_AAAA};
	const struct ds_dnsq_server_report *s = &all[i];
	struct ds_finding scratch, *f;
	bool rcode_bad[2] = {false, false}, truncated = false;
	unsigned n_rcode = 0;

	/* Silent: neither type answered over UDP. Nothing else can be
	 * said of it. */
	if (asked(s, udp[0]) && asked(s, udp[1]) && unanswered(s, udp[0]) &&
	    unanswered(s, udp[1])) {
		f = add(out, &scratch, DS_FIND_DNS_SILENT, DS_SEV_ERROR, s);
		(void)ds_finding_add_errno(
		    f, DS_EVK_ERRNO, s->r[udp[0]].status);
		(void)ds_finding_add_duration(
		    f, DS_EVK_ELAPSED, s->r[udp[0]].elapsed_us);
		if (s->r[udp[0]].status == -ETIMEDOUT)
			(void)ds_finding_add_duration(
			    f, DS_EVK_STALL, stall_us(o));
		(void)ds_finding_add_uint(f, DS_EVK_COUNT, o->attempts);
		return;
	}

	/* An answer that is no answer, at any question. */
	for (unsigned c = 0; c < DS_DNSQ_CHECKS; c++) {
		if (!asked(s, c) || !is_bad_answer(s->r[c].status))
			continue;
		f = add(out, &scratch, DS_FIND_DNS_BAD_ANSWER, DS_SEV_ERROR, s);
		add_qtype(f, s->r[c].qtype);
		(void)ds_finding_add_token(f, DS_EVK_TRANSPORT,
		    ds_dnsq_transport_name(
		        c == DS_DNSQ_CHECK_TCP_A || c == DS_DNSQ_CHECK_TCP_AAAA
		            ? DS_DNSQ_TCP
		            : DS_DNSQ_UDP));
		(void)ds_finding_add_token(
		    f, DS_EVK_CODE, bad_answer_token(s->r[c].status));
		(void)ds_finding_add_uint(f, DS_EVK_SIZE, s->r[c].raw_len);
		break;
	}

	/* SERVFAIL, REFUSED (or any other error) where another server
	 * answers the same question. */
	for (int k = 0; k < 2; k++)
		if (answered(s, udp[k]) && !good(s, udp[k])) {
			rcode_bad[k] = true;
			n_rcode++;
		}
	if (n_rcode) {
		int k = rcode_bad[0] ? 0 : 1;
		const struct ds_dnsq_server_report *ok =
		    other_good(all, n, i, udp[k]);

		f = add(out, &scratch, DS_FIND_DNS_RCODE, DS_SEV_ERROR, s);
		add_qtype(f, types[k]);
		(void)ds_finding_add_token(f, DS_EVK_RCODE,
		    ds_dnsq_rcode_name(s->r[udp[k]].reply.rcode));
		(void)ds_finding_add_uint(f, DS_EVK_COUNT, n_rcode);
		if (ok)
			(void)ds_finding_add_endpoint(
			    f, DS_EVK_ANSWERED_BY, &ok->server);
	}

	/* One type unanswered, or slow, while the other is fine. */
	for (int k = 0; k < 2; k++) {
		int l = 1 - k;

		if (rcode_bad[k] || !good(s, udp[l]))
			continue;
		if (unanswered(s, udp[k])) {
			f = add(out, &scratch, DS_FIND_DNS_TYPE_LOST,
			    DS_SEV_ERROR, s);
			add_qtype(f, types[k]);
			(void)ds_finding_add_errno(
			    f, DS_EVK_ERRNO, s->r[udp[k]].status);
			(void)ds_finding_add_duration(
			    f, DS_EVK_OTHER_ELAPSED, s->r[udp[l]].elapsed_us);
			if (s->r[udp[k]].status == -ETIMEDOUT)
				(void)ds_finding_add_duration(
				    f, DS_EVK_STALL, stall_us(o));
			(void)ds_finding_add_token(f, DS_EVK_TRANSPORT,
			    ds_dnsq_transport_name(DS_DNSQ_UDP));
		} else if (good(s, udp[k]) &&
		    s->r[udp[k]].elapsed_us >
		        s->r[udp[l]].elapsed_us + SLOW_US &&
		    (!good(s, tcp[k]) || !good(s, tcp[l]) ||
		        s->r[tcp[k]].elapsed_us >
		            s->r[tcp[l]].elapsed_us + SLOW_US)) {
			/* Slow over TCP as well, where both answered: a
			 * server that is slow to answer a type is slow over
			 * either; one late UDP answer alone may be a
			 * scheduling hiccup on a loaded host. */
			f = add(out, &scratch, DS_FIND_DNS_TYPE_SLOW,
			    DS_SEV_WARNING, s);
			add_qtype(f, types[k]);
			(void)ds_finding_add_duration(
			    f, DS_EVK_ELAPSED, s->r[udp[k]].elapsed_us);
			(void)ds_finding_add_duration(
			    f, DS_EVK_OTHER_ELAPSED, s->r[udp[l]].elapsed_us);
		}
	}

	/*
	 * glibc's pair: the second lost, while the same type alone is
	 * answered. glibc waits one timeout for it, then asks again one
	 * query at a time from the same socket (single-request); when that
	 * loses the second too, it waits another timeout and asks from a
	 * new socket (single-request-reopen) -- res_send.c, send_dg(). So
	 * the stall is one timeout or two, and which option avoids it is
	 * what the sequential replay says.
	 */
	if (answered(s, DS_DNSQ_CHECK_PAIR_A) &&
	    asked(s, DS_DNSQ_CHECK_PAIR_AAAA) &&
	    s->r[DS_DNSQ_CHECK_PAIR_AAAA].status == -ETIMEDOUT &&
	    answered(s, udp[1])) {
		bool seq_lost = answered(s, DS_DNSQ_CHECK_SEQ_A) &&
		    asked(s, DS_DNSQ_CHECK_SEQ_AAAA) &&
		    s->r[DS_DNSQ_CHECK_SEQ_AAAA].status == -ETIMEDOUT;
		bool mitigated = o->single_request_reopen ||
		    (o->single_request && !seq_lost);
		uint64_t t = o->timeout_s ? o->timeout_s : 1;

		f = add(out, &scratch, DS_FIND_DNS_PAIR_LOST,
		    mitigated ? DS_SEV_INFO : DS_SEV_ERROR, s);
		add_qtype(f, DS_DNSQ_TYPE_AAAA);
		(void)ds_finding_add_duration(
		    f, DS_EVK_STALL, (seq_lost ? 2 : 1) * t * 1000000u);
		/* The timeouts glibc waits: 2 says that one socket is not
		 * enough, only single-request-reopen avoids it. */
		(void)ds_finding_add_uint(f, DS_EVK_COUNT, seq_lost ? 2 : 1);
		(void)ds_finding_add_bool(f, DS_EVK_MITIGATED, mitigated);
	}

	/* Truncated over UDP, and TCP, the fallback, fails. */
	for (int k = 0; k < 2; k++) {
		if (!answered(s, udp[k]) || !s->r[udp[k]].reply.tc ||
		    !asked(s, tcp[k]) || answered(s, tcp[k]))
			continue;
		f = add(out, &scratch, DS_FIND_DNS_TRUNCATED_NO_TCP,
		    DS_SEV_ERROR, s);
		add_qtype(f, types[k]);
		(void)ds_finding_add_uint(f, DS_EVK_SIZE, s->r[udp[k]].raw_len);
		(void)ds_finding_add_errno(
		    f, DS_EVK_ERRNO, s->r[tcp[k]].status);
		truncated = true;
		break;
	}
	if (!truncated && asked(s, tcp[0]) && asked(s, tcp[1]) &&
	    unanswered(s, tcp[0]) && unanswered(s, tcp[1]) &&
	    (answered(s, udp[0]) || answered(s, udp[1]))) {
		f = add(
		    out, &scratch, DS_FIND_DNS_TCP_FAILED, DS_SEV_WARNING, s);
		(void)ds_finding_add_errno(
		    f, DS_EVK_ERRNO, s->r[tcp[0]].status);
	}

	/* EDNS0: refused (FORMERR, NOTIMP, BADVERS...) or every size lost,
	 * where the same question without it is answered; else the large
	 * sizes lost where a smaller one is answered. */
	if (good(s, udp[0])) {
		static const enum ds_dnsq_check e[3] = {DS_DNSQ_CHECK_EDNS_512,
		    DS_DNSQ_CHECK_EDNS_1232, DS_DNSQ_CHECK_EDNS_4096};
		static const uint16_t size[3] = {512, 1232, 4096};
		int refused = -1, n_lost = 0, n_asked = 0;

		for (int k = 0; k < 3; k++) {
			if (!asked(s, e[k]))
				continue;
			n_asked++;
			if (unanswered(s, e[k]))
				n_lost++;
			else if (answered(s, e[k]) && !good(s, e[k]) &&
			    refused < 0)
				refused = k;
		}
		if (refused >= 0 || (n_asked > 0 && n_lost == n_asked)) {
			int k = refused >= 0 ? refused : 0;

			f = add(out, &scratch, DS_FIND_DNS_EDNS_UNSUPPORTED,
			    DS_SEV_WARNING, s);
			(void)ds_finding_add_uint(f, DS_EVK_SIZE, size[k]);
			if (refused >= 0)
				(void)ds_finding_add_token(f, DS_EVK_RCODE,
				    ds_dnsq_rcode_name(s->r[e[k]].reply.rcode));
			else
				(void)ds_finding_add_errno(
				    f, DS_EVK_ERRNO, s->r[e[k]].status);
		} else {
			for (int k = 2; k > 0; k--) {
				if (!unanswered(s, e[k]) || !good(s, e[k - 1]))
					continue;
				f = add(out, &scratch,
				    DS_FIND_DNS_EDNS_LARGE_LOST, DS_SEV_WARNING,
				    s);
				(void)ds_finding_add_uint(
				    f, DS_EVK_SIZE, size[k]);
				(void)ds_finding_add_uint(
				    f, DS_EVK_WORKS_AT, size[k - 1]);
				(void)ds_finding_add_uint(
				    f, DS_EVK_COUNT, s->r[e[k - 1]].raw_len);
				break;
			}
		}
	}

	/* DNS64: ipv4only.arpa has only A records (RFC 7050 section 2.2);
	 * an AAAA for it is synthesised, and says the prefix. */
	if (good(s, DS_DNSQ_CHECK_DNS64)) {
		const struct ds_dnsq_result *r = &s->r[DS_DNSQ_CHECK_DNS64];
		struct ds_prefix p;

		for (size_t k = 0;
		     k < r->reply.n_addrs && k < DS_DNSQ_ADDRS_MAX && r->addrs;
		     k++) {
			struct ds_prefix wkp = {.len = 96};

			if (ds__nat64_prefix_find(&r->addrs[k].addr, &p) < 0)
				continue;
			/* RFC 6052 section 2.1: 64:ff9b::/96. */
			wkp.addr.family = AF_INET6;
			wkp.addr.u.bytes[1] = 0x64;
			wkp.addr.u.bytes[2] = 0xff;
			wkp.addr.u.bytes[3] = 0x9b;
			f = add(
			    out, &scratch, DS_FIND_DNS_DNS64, DS_SEV_INFO, s);
			(void)ds_finding_add_prefix(f, DS_EVK_PREFIX, &p);
			(void)ds_finding_add_bool(f, DS_EVK_WELL_KNOWN,
			    p.len == 96 && ds_addr_equal(&p.addr, &wkp.addr));
			break;
		}
	}
}

int
ds_dnsq_diagnose(const struct ds_dnsq_server_report *s, size_t n,
    const struct ds_dnsq_diag_opts *o, struct ds_finding *ret, size_t max)
{
	struct out out = {ret, max, 0};

	if ((n && !s) || !o || (max && !ret))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		diagnose_one(s, n, i, o, &out);
	return out.n > 0x7fffffff ? 0x7fffffff : (int)out.n;
}
