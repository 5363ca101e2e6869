/* SPDX-License-Identifier: MIT */
/*
 * ds_dnsq: one or two DNS questions to one server over one transport, on
 * a ds_loop, with c-ares building the queries and reading the answers.
 *
 * UDP: a connected socket (only the server is heard, and an ICMP port
 * unreachable comes back as ECONNREFUSED), the queries sent in one
 * sendmmsg() as glibc sends A and AAAA, one timer for the whole handle.
 * TCP: a non-blocking connect, both queries written with their two-octet
 * lengths (RFC 1035 section 4.2.2), answers read as frames and matched by
 * ID, so that a server may answer in any order (RFC 7766 section 7).
 */
#include <ares.h>
#include <ares_dns.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dualstack/dnsq.h"
#include "dualstack/error.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* RFC 1035 section 4.1.1: the header is twelve octets. */
#define HEADER_LEN 12u
/* The largest DNS message: a TCP frame's two-octet length (RFC 1035
 * section 4.2.2); also the largest UDP payload. */
#define MSG_MAX 65535u
/* RFC 1035 section 2.3.4 and RFC 6891 section 6.2.5: below 512 octets an
 * offered size is read as 512, so asking for less is a mistake. */
#define EDNS_MIN 512u
/* RFC 1035 section 3.2.4: the Internet class. */
#define CLASS_IN 1

static const char *const rcode_names[] = {
    "NOERROR",
    "FORMERR",
    "SERVFAIL",
    "NXDOMAIN",
    "NOTIMP",
    "REFUSED",
    "YXDOMAIN",
    "YXRRSET",
    "NXRRSET",
    "NOTAUTH",
    "NOTZONE",
    "DSOTYPENI",
    "RCODE12",
    "RCODE13",
    "RCODE14",
    "RCODE15",
};

const char *
ds_dnsq_rcode_name(unsigned rcode)
{
	return rcode < ARRAY_SIZE(rcode_names) ? rcode_names[rcode] : NULL;
}

const char *
ds_dnsq_type_name(unsigned qtype)
{
	if (qtype == DS_DNSQ_TYPE_A)
		return "A";
	if (qtype == DS_DNSQ_TYPE_AAAA)
		return "AAAA";
	return NULL;
}

const char *
ds_dnsq_transport_name(enum ds_dnsq_transport t)
{
	switch (t) {
	case DS_DNSQ_UDP:
		return "udp";
	case DS_DNSQ_TCP:
		return "tcp";
	}
	return NULL;
}

/* --- Answers ------------------------------------------------------------- */

static uint32_t
clamp_ttl(int ttl)
{
	/* RFC 2181 section 8: a TTL with the high bit set is treated as
	 * zero. c-ares reads the 32 bits into an int, so such a TTL
	 * arrives negative. */
	return ttl < 0 ? 0 : (uint32_t)ttl;
}

int
ds_dnsq_parse(const uint8_t *buf, size_t len, unsigned qtype,
    struct ds_dnsq_reply *ret, struct ds_dnsq_rr *ret_addrs, size_t max)
{
	struct ares_addrttl a4[DS_DNSQ_ADDRS_MAX];
	struct ares_addr6ttl a6[DS_DNSQ_ADDRS_MAX];
	struct ds_dnsq_reply r = {0};
	int n = DS_DNSQ_ADDRS_MAX, st;

	if (!buf || !ret || (max && !ret_addrs))
		return -EINVAL;
	if (qtype != DS_DNSQ_TYPE_A && qtype != DS_DNSQ_TYPE_AAAA)
		return -EINVAL;
	if (len < HEADER_LEN)
		return -DS_E_DNSQ_SHORT;
	if (!DNS_HEADER_QR(buf) || DNS_HEADER_OPCODE(buf) != 0)
		return -DS_E_DNSQ_NOT_RESPONSE;
	r.id = (uint16_t)DNS_HEADER_QID(buf);
	r.rcode = DNS_HEADER_RCODE(buf);
	r.aa = DNS_HEADER_AA(buf);
	r.tc = DNS_HEADER_TC(buf);
	r.rd = DNS_HEADER_RD(buf);
	r.ra = DNS_HEADER_RA(buf);
	r.qdcount = DNS_HEADER_QDCOUNT(buf);
	r.ancount = DNS_HEADER_ANCOUNT(buf);
	r.nscount = DNS_HEADER_NSCOUNT(buf);
	r.arcount = DNS_HEADER_ARCOUNT(buf);
	if (r.rcode != DS_DNSQ_NOERROR || len > MSG_MAX) {
		/* An error has no addresses to read; a message larger than
		 * any DNS message is no answer. */
		if (len > MSG_MAX)
			return -DS_E_DNSQ_BADRESP;
		*ret = r;
		return 0;
	}
	if (qtype == DS_DNSQ_TYPE_A)
		st = ares_parse_a_reply(buf, (int)len, NULL, a4, &n);
	else
		st = ares_parse_aaaa_reply(buf, (int)len, NULL, a6, &n);
	if (st == ARES_ENODATA) {
		n = 0;
	} else if (st == ARES_ENOMEM) {
		return -ENOMEM;
	} else if (st != ARES_SUCCESS) {
		/* A truncated answer may stop in the middle of a record:
		 * what it has is all there is, not a lie. */
		if (!r.tc)
			return -DS_E_DNSQ_BADRESP;
		n = 0;
	}
	if (n < 0)
		n = 0;
	/* c-ares keeps at most what it was given room for; ANCOUNT says
	 * how many there were (CNAMEs included, so it is an upper bound). */
	r.n_addrs = (size_t)n;
	if ((size_t)n == DS_DNSQ_ADDRS_MAX && r.ancount > r.n_addrs)
		r.n_addrs = r.ancount;
	for (int i = 0; i < n; i++) {
		struct ds_dnsq_rr rr = {0};

		if (qtype == DS_DNSQ_TYPE_A) {
			ds_addr_from_v4(ntohl(a4[i].ipaddr.s_addr), &rr.addr);
			rr.ttl = clamp_ttl(a4[i].ttl);
		} else {
			ds_addr_from_v6(a6[i].ip6addr._S6_un._S6_u8, &rr.addr);
			rr.ttl = clamp_ttl(a6[i].ttl);
		}
		if (i == 0 || rr.ttl < r.min_ttl)
			r.min_ttl = rr.ttl;
		if ((size_t)i < max)
			ret_addrs[i] = rr;
	}
	*ret = r;
	return 0;
}

/* --- Queries ------------------------------------------------------------- */

struct question {
	uint8_t *query; /* the query, with two octets in front for TCP */
	size_t query_len;
	uint16_t id;
	bool done;
	uint64_t sent_us; /* 0 until sent */
	struct ds_dnsq_result pub;
	struct ds_dnsq_rr addrs[DS_DNSQ_ADDRS_MAX];
	uint8_t *raw;
};

struct ds_dnsq {
	struct ds_loop *loop;
	ds_dnsq_fn *cb;
	void *userdata;
	struct ds_endpoint server;
	enum ds_dnsq_transport transport;
	uint64_t timeout_us;
	int fd;
	struct ds_io *io;
	struct ds_timer *timer;
	struct ds_defer *defer; /* reports an outcome known in _new() */
	struct question q[DS_DNSQ_QUESTIONS_MAX];
	size_t n_q;
	uint64_t sent_us;
	uint16_t local_port;
	unsigned ignored;
	bool sequential; /* UDP: the second sent once the first is answered */
	bool finished;   /* every question has its outcome */
	bool reported;   /* cb called */
	/* TCP: what is left to write, and the frame being read. */
	uint8_t *wbuf;
	size_t wlen, woff;
	uint8_t *rbuf; /* 2 + MSG_MAX */
	size_t rlen;
};

const struct ds_dnsq_result *
ds_dnsq_get(const struct ds_dnsq *q, size_t i)
{
	return q && i < q->n_q ? &q->q[i].pub : NULL;
}

bool
ds_dnsq_second_lost(const struct ds_dnsq *q)
{
	return q && q->n_q == 2 && q->q[0].done && q->q[0].pub.status == 0 &&
	    q->q[1].done && q->q[1].pub.status == -ETIMEDOUT;
}

uint16_t
ds_dnsq_local_port(const struct ds_dnsq *q)
{
	return q ? q->local_port : 0;
}

unsigned
ds_dnsq_ignored(const struct ds_dnsq *q)
{
	return q ? q->ignored : 0;
}

bool
ds_dnsq_is_done(const struct ds_dnsq *q)
{
	return q && q->finished;
}

static void
close_socket(struct ds_dnsq *q)
{
	q->io = ds_io_free(q->io);
	if (q->fd >= 0) {
		close(q->fd);
		q->fd = -1;
	}
}

/* Every question has its outcome: stop, and report from the loop. */
static void
finish(struct ds_dnsq *q)
{
	if (q->finished)
		return;
	q->finished = true;
	ds_timer_stop(q->timer);
	close_socket(q);
	ds_defer_schedule(q->defer);
}

static void
on_defer(struct ds_defer *d, void *userdata)
{
	struct ds_dnsq *q = userdata;

	(void)d;
	if (!q->finished || q->reported)
		return;
	q->reported = true;
	q->cb(q, q->userdata);
}

/* Give every question still open the outcome err. */
static void
fail_open(struct ds_dnsq *q, int err)
{
	uint64_t now = ds_time_now_us();

	for (size_t i = 0; i < q->n_q; i++) {
		struct question *qu = &q->q[i];

		if (qu->done)
			continue;
		qu->done = true;
		qu->pub.status = err;
		qu->pub.elapsed_us =
		    now - (qu->sent_us ? qu->sent_us : q->sent_us);
	}
	finish(q);
}

static bool
all_done(const struct ds_dnsq *q)
{
	for (size_t i = 0; i < q->n_q; i++)
		if (!q->q[i].done)
			return false;
	return true;
}

/* The query's question section, where an answer must repeat it. */
static const uint8_t *
question_of(const struct question *qu, size_t *ret_len)
{
	const uint8_t *m = qu->query + 2;
	size_t n = qu->query_len - 2, end = HEADER_LEN;

	/* The name (no compression in a query c-ares built), then type
	 * and class. */
	while (end < n && m[end] != 0)
		end += (size_t)m[end] + 1;
	end += 1 + 4;
	*ret_len = end > n ? n - HEADER_LEN : end - HEADER_LEN;
	return m + HEADER_LEN;
}

/* Take msg (len octets) as an answer, if it is one to an open question. */
static void
take(struct ds_dnsq *q, const uint8_t *msg, size_t len)
{
	uint64_t now = ds_time_now_us();
	struct question *qu = NULL;
	const uint8_t *qs;
	size_t qlen;
	uint16_t id;
	int st;

	if (len < HEADER_LEN) {
		q->ignored++;
		return;
	}
	id = (uint16_t)DNS_HEADER_QID(msg);
	for (size_t i = 0; i < q->n_q; i++)
		if (!q->q[i].done && q->q[i].id == id) {
			qu = &q->q[i];
			break;
		}
	if (!qu) {
		q->ignored++;
		return;
	}
	/* Only an answer that repeats the question is taken (RFC 5452
	 * section 9.1): the ID alone is 16 bits. A FORMERR may come
	 * without the question (RFC 6891 section 7), so one with no
	 * question is taken too. */
	qs = question_of(qu, &qlen);
	if (DNS_HEADER_QDCOUNT(msg) != 0 &&
	    (len < HEADER_LEN + qlen ||
	        memcmp(msg + HEADER_LEN + qlen - 4, qs + qlen - 4, 4) != 0)) {
		q->ignored++;
		return;
	}
	if (DNS_HEADER_QDCOUNT(msg) != 0) {
		for (size_t k = 0; k < qlen - 4; k++) {
			uint8_t a = msg[HEADER_LEN + k], b = qs[k];

			/* Names compare without case (RFC 4343); the
			 * length octets are compared as they are. */
			if (a >= 'A' && a <= 'Z')
				a = (uint8_t)(a + 32);
			if (b >= 'A' && b <= 'Z')
				b = (uint8_t)(b + 32);
			if (a != b) {
				q->ignored++;
				return;
			}
		}
	}
	qu->raw = malloc(len);
	if (!qu->raw) {
		st = -ENOMEM;
	} else {
		memcpy(qu->raw, msg, len);
		qu->pub.raw = qu->raw;
		qu->pub.raw_len = len;
		st = ds_dnsq_parse(msg, len, qu->pub.qtype, &qu->pub.reply,
		    qu->addrs, DS_DNSQ_ADDRS_MAX);
	}
	qu->done = true;
	qu->pub.status = st;
	qu->pub.elapsed_us = now - (qu->sent_us ? qu->sent_us : q->sent_us);
	if (all_done(q)) {
		finish(q);
		return;
	}
	/* glibc's single-request: the second query leaves the same socket
	 * once the first is answered (res_send.c, send_dg()). */
	if (q->sequential && qu == &q->q[0] && !q->q[1].sent_us) {
		q->q[1].sent_us = ds_time_now_us();
		if (send(q->fd, q->q[1].query + 2, q->q[1].query_len - 2,
		        MSG_NOSIGNAL) == -1)
			fail_open(q, -errno);
	}
}

static void
on_timer(struct ds_timer *t, void *userdata)
{
	(void)t;
	fail_open(userdata, -ETIMEDOUT);
}

static void
udp_read(struct ds_dnsq *q)
{
	uint8_t buf[MSG_MAX];

	/* A bounded number of reads: a flood of datagrams must not keep
	 * the loop here. */
	for (int i = 0; i < 16 && !q->finished; i++) {
		ssize_t n = recv(q->fd, buf, sizeof(buf), MSG_TRUNC);

		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			fail_open(q, -errno);
			return;
		}
		if ((size_t)n > sizeof(buf)) {
			q->ignored++;
			continue;
		}
		take(q, buf, (size_t)n);
	}
}

static void
tcp_read(struct ds_dnsq *q)
{
	for (int i = 0; i < 16 && !q->finished; i++) {
		size_t want = 2;
		ssize_t n;

		if (q->rlen >= 2)
			want = 2 + (((size_t)q->rbuf[0] << 8) | q->rbuf[1]);
		n = read(q->fd, q->rbuf + q->rlen, want - q->rlen);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			fail_open(q, -errno);
			return;
		}
		if (n == 0) {
			fail_open(q, -DS_E_DNSQ_CLOSED);
			return;
		}
		q->rlen += (size_t)n;
		if (q->rlen >= 2 && q->rlen == want && want > 2) {
			take(q, q->rbuf + 2, want - 2);
			q->rlen = 0;
		} else if (q->rlen == 2 && want == 2 && q->rbuf[0] == 0 &&
		    q->rbuf[1] == 0) {
			/* An empty frame: nothing to take. */
			q->ignored++;
			q->rlen = 0;
		}
	}
}

static void
tcp_write(struct ds_dnsq *q)
{
	while (q->woff < q->wlen) {
		ssize_t n = send(
		    q->fd, q->wbuf + q->woff, q->wlen - q->woff, MSG_NOSIGNAL);

		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			fail_open(q, -errno);
			return;
		}
		q->woff += (size_t)n;
	}
	(void)ds_io_set_events(q->io, DS_IO_IN);
}

static void
on_io(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct ds_dnsq *q = userdata;

	(void)io;
	(void)fd;
	if (q->transport == DS_DNSQ_UDP) {
		udp_read(q);
		return;
	}
	if (q->woff < q->wlen) {
		int err = 0;
		socklen_t sl = sizeof(err);

		if (getsockopt(q->fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1)
			err = errno;
		if (err) {
			fail_open(q, -err);
			return;
		}
		if (events & (DS_IO_OUT | DS_IO_ERR | DS_IO_HUP))
			tcp_write(q);
		return;
	}
	if (events & (DS_IO_IN | DS_IO_HUP | DS_IO_ERR))
		tcp_read(q);
}

/* Build question i with c-ares; the query goes two octets in. */
static int
build(struct ds_dnsq *q, size_t i, const char *name, uint16_t edns)
{
	struct question *qu = &q->q[i];
	unsigned char *buf = NULL;
	uint16_t id;
	int len = 0, st;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint16_t)(ds_time_now_us() ^ (i << 8));
	/* Two questions of one handle must not share an ID. */
	if (i == 1 && id == q->q[0].id)
		id ^= 1;
	st = ares_create_query(
	    name, CLASS_IN, (int)qu->pub.qtype, id, 1, &buf, &len, edns);
	if (st == ARES_ENOMEM)
		return -ENOMEM;
	if (st != ARES_SUCCESS || len < (int)HEADER_LEN || len > 0xffff) {
		if (buf)
			ares_free_string(buf);
		return -DS_E_DNSQ_NAME;
	}
	qu->query = malloc((size_t)len + 2);
	if (!qu->query) {
		ares_free_string(buf);
		return -ENOMEM;
	}
	qu->query[0] = (uint8_t)(len >> 8);
	qu->query[1] = (uint8_t)len;
	memcpy(qu->query + 2, buf, (size_t)len);
	ares_free_string(buf);
	qu->query_len = (size_t)len + 2;
	qu->id = id;
	qu->pub.query_len = (size_t)len;
	return 0;
}

static void
note_local_port(struct ds_dnsq *q)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(q->fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			q->local_port =
			    ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			q->local_port =
			    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
}

/* UDP: send every query at once, as glibc does. An error is an outcome. */
static void
udp_start(struct ds_dnsq *q, const struct sockaddr *sa, socklen_t sl)
{
	struct mmsghdr mm[DS_DNSQ_QUESTIONS_MAX];
	struct iovec iov[DS_DNSQ_QUESTIONS_MAX];
	int n;

	if (connect(q->fd, sa, sl) == -1) {
		fail_open(q, -errno);
		return;
	}
	note_local_port(q);
	memset(mm, 0, sizeof(mm));
	for (size_t i = 0; i < q->n_q; i++) {
		iov[i].iov_base = q->q[i].query + 2;
		iov[i].iov_len = q->q[i].query_len - 2;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	q->sent_us = ds_time_now_us();
	n = sendmmsg(q->fd, mm, q->sequential ? 1u : (unsigned)q->n_q, 0);
	if (n == -1) {
		fail_open(q, -errno);
		return;
	}
	for (int i = 0; i < n; i++)
		q->q[i].sent_us = q->sent_us;
	if (q->sequential)
		return;
	/* A send that went out only in part: the rest is failed now. */
	for (size_t i = (size_t)n; i < q->n_q; i++) {
		q->q[i].done = true;
		q->q[i].pub.status = -EAGAIN;
	}
	if (all_done(q))
		finish(q);
}

static int
tcp_start(struct ds_dnsq *q, const struct sockaddr *sa, socklen_t sl)
{
	size_t total = 0;

	for (size_t i = 0; i < q->n_q; i++)
		total += q->q[i].query_len;
	q->wbuf = malloc(total);
	q->rbuf = malloc(2 + MSG_MAX);
	if (!q->wbuf || !q->rbuf)
		return -ENOMEM;
	for (size_t i = 0; i < q->n_q; i++) {
		memcpy(q->wbuf + q->wlen, q->q[i].query, q->q[i].query_len);
		q->wlen += q->q[i].query_len;
	}
	q->sent_us = ds_time_now_us();
	if (connect(q->fd, sa, sl) == -1 && errno != EINPROGRESS) {
		fail_open(q, -errno);
		return 0;
	}
	note_local_port(q);
	return 0;
}

int
ds_dnsq_new(struct ds_loop *loop, const struct ds_dnsq_opts *o, ds_dnsq_fn *cb,
    void *userdata, struct ds_dnsq **ret)
{
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	struct ds_dnsq *q;
	int err;

	if (!loop || !o || !cb || !ret || !o->name || o->name[0] == '\0' ||
	    o->server.port == 0 || o->n_qtypes == 0 ||
	    o->n_qtypes > DS_DNSQ_QUESTIONS_MAX ||
	    (o->edns_size != 0 && o->edns_size < EDNS_MIN) ||
	    (o->transport != DS_DNSQ_UDP && o->transport != DS_DNSQ_TCP))
		return -EINVAL;
	for (size_t i = 0; i < o->n_qtypes; i++)
		if (!ds_dnsq_type_name(o->qtypes[i]))
			return -EINVAL;
	err = ds_endpoint_to_sockaddr(&o->server, &ss, &sl);
	if (err < 0)
		return err;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->loop = loop;
	q->cb = cb;
	q->userdata = userdata;
	q->server = o->server;
	q->transport = o->transport;
	q->timeout_us =
	    o->timeout_us ? o->timeout_us : DS_DNSQ_TIMEOUT_DEFAULT_US;
	q->n_q = o->n_qtypes;
	q->sequential =
	    o->sequential && o->n_qtypes == 2 && o->transport == DS_DNSQ_UDP;
	q->fd = -1;
	for (size_t i = 0; i < q->n_q; i++) {
		q->q[i].pub.qtype = o->qtypes[i];
		q->q[i].pub.addrs = q->q[i].addrs;
		err = build(q, i, o->name, o->edns_size);
		if (err < 0)
			goto fail;
	}
	err = ds_timer_new(loop, on_timer, q, &q->timer);
	if (err < 0)
		goto fail;
	err = ds_defer_new(loop, on_defer, q, &q->defer);
	if (err < 0)
		goto fail;
	q->fd = socket(ss.ss_family,
	    (o->transport == DS_DNSQ_UDP ? SOCK_DGRAM : SOCK_STREAM) |
	        SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (q->fd == -1) {
		err = -errno;
		goto fail;
	}
	err = ds_io_new(loop, q->fd,
	    o->transport == DS_DNSQ_UDP ? DS_IO_IN : DS_IO_OUT, on_io, q,
	    &q->io);
	if (err < 0)
		goto fail;
	ds_timer_start_in(q->timer, q->timeout_us);
	if (o->transport == DS_DNSQ_UDP) {
		udp_start(q, (struct sockaddr *)&ss, sl);
	} else {
		err = tcp_start(q, (struct sockaddr *)&ss, sl);
		if (err < 0)
			goto fail;
	}
	*ret = q;
	return 0;
fail:
	ds_dnsq_free(q);
	return err;
}

struct ds_dnsq *
ds_dnsq_free(struct ds_dnsq *q)
{
	if (!q)
		return NULL;
	close_socket(q);
	q->timer = ds_timer_free(q->timer);
	q->defer = ds_defer_free(q->defer);
	for (size_t i = 0; i < DS_DNSQ_QUESTIONS_MAX; i++) {
		free(q->q[i].query);
		free(q->q[i].raw);
	}
	free(q->wbuf);
	free(q->rbuf);
	free(q);
	return NULL;
}
