/* SPDX-License-Identifier: MIT */
/*
 * dualstack dissect --inner: a filter on the 5-tuple of the innermost
 * packet, for the flow inside a tunnel that a pcap-filter(7) expression
 * (which sees the outer packet) cannot name without BPF offsets. A packet
 * outside any tunnel is matched on its own 5-tuple, so one expression
 * finds a flow whether or not it was tunnelled.
 *
 * The syntax is words joined by blanks, all of which must hold:
 *   ip4 | ip6                      the inner packet's family
 *   tcp | udp | icmp6 | icmp       the upper-layer protocol
 *   proto N                        any protocol number (0-255)
 *   host P | src P | dst P         an address or prefix, either side or one
 *   port N | sport N | dport N     a TCP or UDP port, either side or one
 * Negation and alternatives are left to several runs: the words stay few
 * and every one reads the same in a script.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd-dissect-int.h"

enum term_kind {
	T_FAMILY,
	T_PROTO,
	T_HOST,
	T_SRC,
	T_DST,
	T_PORT,
	T_SPORT,
	T_DPORT,
};

/* Words that stand alone, and the value they stand for. */
static const struct {
	const char *word;
	enum term_kind kind;
	unsigned value;
} simple[] = {
    {"ip4", T_FAMILY, 4},
    {"ip6", T_FAMILY, 6},
    {"tcp", T_PROTO, 6},
    {"udp", T_PROTO, 17},
    {"icmp6", T_PROTO, 58},
    {"icmp", T_PROTO, 1},
};

/* Words that take a value. */
static const struct {
	const char *word;
	enum term_kind kind;
} keyed[] = {
    {"proto", T_PROTO},
    {"host", T_HOST},
    {"src", T_SRC},
    {"dst", T_DST},
    {"port", T_PORT},
    {"sport", T_SPORT},
    {"dport", T_DPORT},
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* The next blank-separated word of s from *pos: its start and length. */
static size_t
next_word(const char *s, size_t *pos, const char **ret)
{
	size_t i = *pos, n;

	while (s[i] == ' ' || s[i] == '\t')
		i++;
	n = strcspn(s + i, " \t");
	*ret = s + i;
	*pos = i + n;
	return n;
}

static bool
word_is(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(w, s, n) == 0;
}

int
dissect_inner_parse(
    const char *s, struct dissect_inner *ret, char *err, size_t errlen)
{
	struct dissect_inner f = {0};
	size_t pos = 0;

	for (;;) {
		const char *w, *v;
		size_t n = next_word(s, &pos, &w), vn;
		struct dissect_inner_term *t;
		size_t k;
		bool found = false;

		if (n == 0)
			break;
		if (f.n >= DISSECT_INNER_MAX) {
			snprintf(err, errlen, "more than %d words at '%.*s'",
			    DISSECT_INNER_MAX, (int)n, w);
			return -EINVAL;
		}
		t = &f.t[f.n];
		for (k = 0; k < N_ELEMS(simple) && !found; k++) {
			if (word_is(w, n, simple[k].word)) {
				t->kind = simple[k].kind;
				t->value = simple[k].value;
				found = true;
			}
		}
		if (found) {
			f.n++;
			continue;
		}
		for (k = 0; k < N_ELEMS(keyed); k++)
			if (word_is(w, n, keyed[k].word))
				break;
		if (k == N_ELEMS(keyed)) {
			snprintf(err, errlen,
			    "unknown word '%.*s' at column %zu (ip4, ip6, tcp, "
			    "udp, icmp6, icmp, proto, host, src, dst, port, "
			    "sport, dport)",
			    (int)n, w, (size_t)(w - s) + 1);
			return -EINVAL;
		}
		t->kind = keyed[k].kind;
		vn = next_word(s, &pos, &v);
		if (vn == 0) {
			snprintf(err, errlen,
			    "'%s' at column %zu needs a value", keyed[k].word,
			    (size_t)(w - s) + 1);
			return -EINVAL;
		}
		switch (t->kind) {
		case T_HOST:
		case T_SRC:
		case T_DST: {
			size_t at = 0;

			if (ds_prefix_parse(
			        v, vn, DS_PARSE_BRACKETS, &t->pfx, &at) < 0) {
				snprintf(err, errlen,
				    "'%.*s' at column %zu is not an address or "
				    "prefix",
				    (int)vn, v, (size_t)(v - s) + 1);
				return -EINVAL;
			}
			break;
		}
		default: {
			uint64_t x = 0;
			char num[8] = "";
			uint64_t max = t->kind == T_PROTO ? 255 : 65535;

			if (vn < sizeof(num))
				memcpy(num, v, vn);
			if (vn >= sizeof(num) ||
			    cli_parse_u64(num, max, &x) < 0) {
				snprintf(err, errlen,
				    "'%s' at column %zu takes a number from 0 "
				    "to %u, not '%.*s'",
				    keyed[k].word, (size_t)(w - s) + 1,
				    (unsigned)max, (int)vn, v);
				return -EINVAL;
			}
			t->value = (unsigned)x;
			break;
		}
		}
		f.n++;
	}
	if (f.n == 0) {
		snprintf(err, errlen, "empty: give at least one word");
		return -EINVAL;
	}
	*ret = f;
	return 0;
}

static bool
has_ports(const struct ds_tuple *t)
{
	return t->protocol == 6 || t->protocol == 17;
}

bool
dissect_inner_match(const struct dissect_inner *f, const struct ds_pkt *p)
{
	struct ds_tuple t;
	bool v6;

	if (ds_packet_tuple(p, &t) < 0)
		return false;
	v6 = t.src.addr.family == AF_INET6;
	for (unsigned i = 0; i < f->n; i++) {
		const struct dissect_inner_term *x = &f->t[i];
		bool ok;

		switch (x->kind) {
		case T_FAMILY:
			ok = x->value == (v6 ? 6u : 4u);
			break;
		case T_PROTO:
			ok = t.protocol == x->value;
			break;
		case T_HOST:
			ok = ds_prefix_contains(&x->pfx, &t.src.addr) ||
			    ds_prefix_contains(&x->pfx, &t.dst.addr);
			break;
		case T_SRC:
			ok = ds_prefix_contains(&x->pfx, &t.src.addr);
			break;
		case T_DST:
			ok = ds_prefix_contains(&x->pfx, &t.dst.addr);
			break;
		case T_PORT:
			ok = has_ports(&t) &&
			    (t.src.port == x->value || t.dst.port == x->value);
			break;
		case T_SPORT:
			ok = has_ports(&t) && t.src.port == x->value;
			break;
		default: /* T_DPORT */
			ok = has_ports(&t) && t.dst.port == x->value;
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}
