/* SPDX-License-Identifier: MIT */
/*
 * RFC 6724 destination address selection: the policy table (section 2.1),
 * glibc's /etc/gai.conf reading of it, the ten rules of section 6 as a
 * pairwise compare, a stable sort, and the kernel's source address for a
 * destination (the only I/O, kept in ds_sort_source()).
 *
 * What glibc does was read from its sysdeps/posix/getaddrinfo.c
 * (gaiconf_init, add_prefixlist, rfc3484_sort) and gai.conf(5); where this
 * file differs, the comment says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "addr-int.h"
#include "sock-int.h"
#include "dualstack/sort.h"

/* --- Policy table --------------------------------------------------------- */

/* RFC 6724 section 2.1, the default policy table, in the RFC's order. */
static const struct {
	uint8_t prefix[16];
	unsigned len, precedence, label;
} default_rows[] = {
    {{[15] = 1}, 128, 50, 0},                /* ::1/128 loopback */
    {{0}, 0, 40, 1},                         /* ::/0 the rest */
    {{[10] = 0xff, [11] = 0xff}, 96, 35, 4}, /* ::ffff:0:0/96 IPv4 */
    {{0x20, 0x02}, 16, 30, 2},               /* 2002::/16 6to4 */
    {{0x20, 0x01}, 32, 5, 5},                /* 2001::/32 Teredo */
    {{0xfc}, 7, 3, 13},                      /* fc00::/7 ULA */
    {{0}, 96, 1, 3},                         /* ::/96 IPv4-compatible */
    {{0xfe, 0xc0}, 10, 1, 11},               /* fec0::/10 site-local */
    {{0x3f, 0xfe}, 16, 1, 12},               /* 3ffe::/16 6bone */
};

#define N_DEFAULT (sizeof(default_rows) / sizeof(default_rows[0]))

/*
 * glibc adds these /0 rows to a gai.conf table that lacks one, so that
 * every address still gets a value: the defaults' ::/0 row.
 */
#define IMPLICIT_LABEL 1
#define IMPLICIT_PRECEDENCE 40

static void
row_set(struct ds_policy_row *r, const uint8_t prefix[16], unsigned len,
    unsigned value)
{
	memset(r, 0, sizeof(*r));
	ds_addr_from_v6(prefix, &r->prefix.addr);
	r->prefix.len = len;
	r->value = value;
}

void
ds_policy_default(struct ds_policy *ret)
{
	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < N_DEFAULT; i++) {
		row_set(&ret->precedence[i], default_rows[i].prefix,
		    default_rows[i].len, default_rows[i].precedence);
		row_set(&ret->label[i], default_rows[i].prefix,
		    default_rows[i].len, default_rows[i].label);
	}
	ret->n_precedence = N_DEFAULT;
	ret->n_label = N_DEFAULT;
}

/*
 * The longest row containing a (an IPv6 value); the first of equal
 * lengths. glibc sorts its rows by length with qsort() and takes the
 * first match, which leaves the winner among equal prefixes unspecified;
 * here it is the one written first.
 */
static const struct ds_policy_row *
match(const struct ds_policy_row *rows, size_t n, const struct ds_addr *a)
{
	const struct ds_policy_row *best = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct ds_policy_row *r = &rows[i];

		if (r->prefix.addr.family != AF_INET6 || r->prefix.len > 128)
			continue;
		if (best && r->prefix.len <= best->prefix.len)
			continue;
		if (ds__bits_equal(
		        r->prefix.addr.u.bytes, a->u.bytes, r->prefix.len))
			best = r;
	}
	return best;
}

int
ds_policy_lookup(const struct ds_policy *pol, const struct ds_addr *a,
    unsigned *ret_precedence, unsigned *ret_label)
{
	const struct ds_policy_row *p, *l;
	struct ds_addr v6;
	size_t np, nl;

	/* RFC 6724 section 6: IPv4 is looked up as IPv4-mapped. glibc did
	 * map 127.0.0.1 to ::1 instead in its RFC 3484 days; we follow the
	 * RFC, so 127.0.0.1 gets ::ffff:0:0/96's values. */
	if (a->family == AF_INET)
		(void)ds_addr_map(a, &v6);
	else if (a->family == AF_INET6)
		v6 = *a;
	else
		return -EAFNOSUPPORT;

	np = pol->n_precedence < DS_POLICY_MAX + 1 ? pol->n_precedence
	                                           : DS_POLICY_MAX + 1;
	nl =
	    pol->n_label < DS_POLICY_MAX + 1 ? pol->n_label : DS_POLICY_MAX + 1;
	p = match(pol->precedence, np, &v6);
	l = match(pol->label, nl, &v6);
	if (ret_precedence)
		*ret_precedence = p ? p->value : 0;
	if (ret_label)
		*ret_label = l ? l->value : DS_POLICY_NO_LABEL;
	return 0;
}

/* --- gai.conf ------------------------------------------------------------- */

/* isspace() in the C locale, which is what glibc's parser uses. */
static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	    c == '\r';
}

/* A word of a line: where it starts in the text, and its length. */
struct word {
	const char *s;
	size_t len;
};

/*
 * Split s[0..len) into up to 'max' words; the count of words found goes
 * to *ret_n (more than max means there was text after the last one kept).
 */
static void
split(const char *s, size_t len, struct word *w, size_t max, size_t *ret_n)
{
	size_t n = 0, i = 0;

	for (;;) {
		size_t start;

		while (i < len && is_space(s[i]))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && !is_space(s[i]))
			i++;
		if (n < max) {
			w[n].s = s + start;
			w[n].len = i - start;
		}
		n++;
	}
	*ret_n = n;
}

static bool
word_is(const struct word *w, const char *lit)
{
	size_t n = strlen(lit);

	return w->len == n && memcmp(w->s, lit, n) == 0;
}

/* A decimal 0..INT_MAX, digits only. glibc's strtoul() would also take a
 * sign and leading blanks, which cannot occur in a word anyway except
 * '+'; we refuse "+5". */
static bool
parse_value(const struct word *w, unsigned *ret)
{
	unsigned long v = 0;

	if (w->len == 0 || w->len > 10)
		return false;
	for (size_t i = 0; i < w->len; i++) {
		if (w->s[i] < '0' || w->s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(w->s[i] - '0');
	}
	if (v > INT_MAX)
		return false;
	*ret = (unsigned)v;
	return true;
}

/* The state of one parse: two lists of rows and the first complaint. */
struct gai_state {
	struct ds_policy_row prec[DS_POLICY_MAX + 1];
	size_t n_prec;
	struct ds_policy_row label[DS_POLICY_MAX + 1];
	size_t n_label;
	struct ds_policy_diag diag;
	bool too_many;
};

static void
complain(
    struct gai_state *st, size_t line, size_t column, int reason, int detail)
{
	if (st->diag.reason != 0)
		return;
	st->diag.line = line;
	st->diag.column = column;
	st->diag.reason = reason;
	st->diag.detail = detail;
}

/* 1-based column of p on the line starting at 'line_start'. */
static size_t
column_of(const char *line_start, const char *p)
{
	return (size_t)(p - line_start) + 1;
}

/* "label" or "precedence": PREFIX VALUE into rows[*n]. */
static void
parse_row(struct gai_state *st, const char *ls, size_t lineno,
    const struct word *w, size_t nw, struct ds_policy_row *rows, size_t *n)
{
	struct ds_prefix p;
	size_t errpos = 0;
	unsigned value;
	int r;

	if (nw < 3) {
		const struct word *last = &w[nw - 1];

		complain(st, lineno, column_of(ls, last->s + last->len),
		    DS_E_POLICY_MISSING, 0);
		return;
	}
	/* glibc reads the mask with inet_pton(AF_INET6), so IPv4 text and
	 * zones are refused; no "/LEN" means /128, as there. */
	r = ds_prefix_parse(
	    w[1].s, w[1].len, DS_PARSE_V6_ONLY | DS_PARSE_NO_ZONE, &p, &errpos);
	if (r < 0) {
		complain(st, lineno, column_of(ls, w[1].s) + errpos,
		    DS_E_POLICY_PREFIX, -r);
		return;
	}
	if (!parse_value(&w[2], &value)) {
		complain(
		    st, lineno, column_of(ls, w[2].s), DS_E_POLICY_VALUE, 0);
		return;
	}
	/* glibc ignores what follows the value; the row still counts. */
	if (nw > 3)
		complain(
		    st, lineno, column_of(ls, w[3].s), DS_E_POLICY_TRAILING, 0);
	if (*n == DS_POLICY_MAX) {
		/* Report this even over an earlier, milder complaint: the
		 * caller gets no table at all. */
		if (!st->too_many) {
			st->diag.reason = 0;
			complain(st, lineno, column_of(ls, w[0].s),
			    DS_E_POLICY_TOO_MANY, 0);
			st->too_many = true;
		}
		return;
	}
	memset(&rows[*n], 0, sizeof(rows[*n]));
	rows[*n].prefix = p;
	rows[*n].value = value;
	(*n)++;
}

/*
 * "scopev4 PREFIX VALUE": checked with glibc's rules (IPv4 text up to /32,
 * or IPv4-mapped IPv6 of /96 to /128) but not kept: scopes here are RFC
 * 6724 section 3.2's, from ds_addr_scope().
 */
static void
parse_scopev4(struct gai_state *st, const char *ls, size_t lineno,
    const struct word *w, size_t nw)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	struct ds_prefix p;
	size_t errpos = 0;
	unsigned value;
	int r;

	if (nw < 3) {
		const struct word *last = &w[nw - 1];

		complain(st, lineno, column_of(ls, last->s + last->len),
		    DS_E_POLICY_MISSING, 0);
		return;
	}
	r = ds_prefix_parse(w[1].s, w[1].len, DS_PARSE_NO_ZONE, &p, &errpos);
	if (r < 0) {
		complain(st, lineno, column_of(ls, w[1].s) + errpos,
		    DS_E_POLICY_PREFIX, -r);
		return;
	}
	if (p.addr.family == AF_INET6 &&
	    (p.len < 96 || memcmp(p.addr.u.bytes, mapped, 12) != 0)) {
		complain(st, lineno, column_of(ls, w[1].s), DS_E_POLICY_PREFIX,
		    DS_E_FAMILY);
		return;
	}
	if (!parse_value(&w[2], &value)) {
		complain(
		    st, lineno, column_of(ls, w[2].s), DS_E_POLICY_VALUE, 0);
		return;
	}
	if (nw > 3)
		complain(
		    st, lineno, column_of(ls, w[3].s), DS_E_POLICY_TRAILING, 0);
}

/* "reload yes|no": accepted, no effect on a table. */
static void
parse_reload(struct gai_state *st, const char *ls, size_t lineno,
    const struct word *w, size_t nw)
{
	if (nw < 2) {
		complain(st, lineno, column_of(ls, w[0].s + w[0].len),
		    DS_E_POLICY_MISSING, 0);
		return;
	}
	/* glibc takes anything but "yes" as no; we point at the typo. */
	if (!word_is(&w[1], "yes") && !word_is(&w[1], "no")) {
		complain(
		    st, lineno, column_of(ls, w[1].s), DS_E_POLICY_VALUE, 0);
		return;
	}
	if (nw > 2)
		complain(
		    st, lineno, column_of(ls, w[2].s), DS_E_POLICY_TRAILING, 0);
}

static void
parse_line(struct gai_state *st, const char *ls, size_t len, size_t lineno)
{
	const char *hash = memchr(ls, '#', len);
	struct word w[4];
	size_t nw;

	/* A comment runs from '#' to the end of the line, wherever it
	 * starts (glibc: strchr(line, '#')); there is no escape. */
	if (hash)
		len = (size_t)(hash - ls);
	split(ls, len, w, 4, &nw);
	if (nw == 0)
		return;
	if (word_is(&w[0], "label"))
		parse_row(st, ls, lineno, w, nw < 4 ? nw : 4, st->label,
		    &st->n_label);
	else if (word_is(&w[0], "precedence"))
		parse_row(
		    st, ls, lineno, w, nw < 4 ? nw : 4, st->prec, &st->n_prec);
	else if (word_is(&w[0], "scopev4"))
		parse_scopev4(st, ls, lineno, w, nw < 4 ? nw : 4);
	else if (word_is(&w[0], "reload"))
		parse_reload(st, ls, lineno, w, nw < 4 ? nw : 4);
	else
		complain(
		    st, lineno, column_of(ls, w[0].s), DS_E_POLICY_KEYWORD, 0);
}

/*
 * Copy n user rows to out; add glibc's ::/0 row when none of them is a /0
 * (a /0 of any address matches everything, as in glibc's check).
 */
static size_t
finish_table(const struct ds_policy_row *rows, size_t n,
    struct ds_policy_row *out, unsigned implicit)
{
	static const uint8_t zero[16];
	bool has_zero = false;

	for (size_t i = 0; i < n; i++) {
		out[i] = rows[i];
		has_zero |= rows[i].prefix.len == 0;
	}
	if (!has_zero)
		row_set(&out[n++], zero, 0, implicit);
	return n;
}

int
ds_policy_parse_gai(const char *text, size_t len, struct ds_policy *ret,
    struct ds_policy_diag *diag)
{
	struct gai_state st;
	struct ds_policy pol;
	size_t pos = 0, lineno = 0;

	memset(&st, 0, sizeof(st));
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;

		parse_line(&st, text + pos, end - pos, ++lineno);
		pos = end + 1;
	}
	if (st.too_many) {
		if (diag)
			*diag = st.diag;
		return -DS_E_POLICY_TOO_MANY;
	}

	ds_policy_default(&pol);
	if (st.n_prec > 0)
		pol.n_precedence = finish_table(
		    st.prec, st.n_prec, pol.precedence, IMPLICIT_PRECEDENCE);
	if (st.n_label > 0)
		pol.n_label = finish_table(
		    st.label, st.n_label, pol.label, IMPLICIT_LABEL);
	*ret = pol;
	if (st.diag.reason != 0) {
		if (diag)
			*diag = st.diag;
		return -st.diag.reason;
	}
	return 0;
}

/* --- The rules ------------------------------------------------------------ */

/* Leading bits a and b (same family) have in common, up to 'bits'. */
static unsigned
common_bits(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned n = 0;

	while (n < bits && ds__bit(a, n) == ds__bit(b, n))
		n++;
	return n;
}

int
ds_sort_annotate(const struct ds_policy *pol, struct ds_sort_cand *c)
{
	int r = ds_policy_lookup(pol, &c->dst, &c->precedence, &c->dst_label);

	if (r < 0)
		return r;
	c->dst_scope = ds_addr_scope(&c->dst);
	c->src_label = DS_POLICY_NO_LABEL;
	c->src_scope = 0;
	c->common_prefix = 0;
	if (c->src.family != AF_INET && c->src.family != AF_INET6)
		return 0;
	(void)ds_policy_lookup(pol, &c->src, NULL, &c->src_label);
	c->src_scope = ds_addr_scope(&c->src);
	if (c->src.family == c->dst.family) {
		/* RFC 6724 section 2.2: compare only up to the length of
		 * the source's prefix; see sort.h for the defaults. */
		unsigned cap = c->src_plen      ? c->src_plen
		    : c->src.family == AF_INET6 ? 64
		                                : 0;

		if (cap > ds_addr_bits(&c->src))
			cap = ds_addr_bits(&c->src);
		c->common_prefix =
		    common_bits(c->src.u.bytes, c->dst.u.bytes, cap);
	}
	return 0;
}

static bool
has_source(const struct ds_sort_cand *c)
{
	return c->src.family == AF_INET || c->src.family == AF_INET6;
}

/* Decide by one rule: prefer the candidate for which 'a_good' holds. */
#define PREFER(rule_no, a_good, b_good)                                        \
	do {                                                                   \
		bool ga_ = (a_good), gb_ = (b_good);                           \
		if (ga_ != gb_) {                                              \
			if (ret_rule)                                          \
				*ret_rule = (rule_no);                         \
			return ga_ ? -1 : 1;                                   \
		}                                                              \
	} while (0)

int
ds_sort_compare(const struct ds_sort_cand *a, const struct ds_sort_cand *b,
    unsigned *ret_rule)
{
	bool sa = has_source(a), sb = has_source(b);

	/* Rule 1: a destination we have no source for is unusable. */
	PREFER(DS_SORT_RULE_UNUSABLE, sa, sb);

	/* Rules 2-5 look at the sources; with neither having one, they
	 * cannot decide (rule 1 left both usable or both not). */
	if (sa) {
		/* Rule 2: the source's scope equals the destination's. */
		PREFER(DS_SORT_RULE_SCOPE, a->dst_scope == a->src_scope,
		    b->dst_scope == b->src_scope);
		/* Rule 3: avoid a deprecated source. */
		PREFER(DS_SORT_RULE_DEPRECATED, !a->src_deprecated,
		    !b->src_deprecated);
		/* Rule 4: a source that is both home and care-of address
		 * beats one that is not; a home-only beats a care-of-only. */
		PREFER(DS_SORT_RULE_HOME, a->src_home && a->src_careof,
		    b->src_home && b->src_careof);
		PREFER(DS_SORT_RULE_HOME,
		    a->src_home && !a->src_careof && !b->src_home &&
		        b->src_careof,
		    b->src_home && !b->src_careof && !a->src_home &&
		        a->src_careof);
		/* Rule 5: the source's label equals the destination's. */
		PREFER(DS_SORT_RULE_LABEL, a->src_label == a->dst_label,
		    b->src_label == b->dst_label);
	}

	/* Rule 6: higher precedence first. */
	if (a->precedence != b->precedence) {
		if (ret_rule)
			*ret_rule = DS_SORT_RULE_PRECEDENCE;
		return a->precedence > b->precedence ? -1 : 1;
	}

	/* Rule 7: native transport before encapsulation. */
	PREFER(DS_SORT_RULE_NATIVE, !a->dst_encapsulated, !b->dst_encapsulated);

	/* Rule 8: smaller scope first. */
	if (a->dst_scope != b->dst_scope) {
		if (ret_rule)
			*ret_rule = DS_SORT_RULE_SMALLER_SCOPE;
		return a->dst_scope < b->dst_scope ? -1 : 1;
	}

	/* Rule 9: only between destinations of one family, and only with
	 * sources (RFC 6724 section 6). glibc applies it to IPv4 too, but
	 * only inside the source's subnet; see sort.h for our cap. */
	if (sa && a->dst.family == b->dst.family &&
	    a->common_prefix != b->common_prefix) {
		if (ret_rule)
			*ret_rule = DS_SORT_RULE_PREFIX;
		return a->common_prefix > b->common_prefix ? -1 : 1;
	}

	/* Rule 10: leave the order unchanged. */
	if (ret_rule)
		*ret_rule = DS_SORT_RULE_ORDER;
	return 0;
}

#undef PREFER

int
ds_sort(const struct ds_policy *pol, struct ds_sort_cand *list, size_t n)
{
	if (n > DS_SORT_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int r = ds_sort_annotate(pol, &list[i]);

		if (r < 0)
			return r;
	}
	/*
	 * Insertion sort: stable, because an element moves only past
	 * neighbours that compare strictly after it, and in place. The
	 * rules are not guaranteed to form a total order (rule 9 skips
	 * pairs of different families), and a sort that only ever swaps on
	 * "strictly after" still ends, whatever the compare says.
	 */
	for (size_t i = 1; i < n; i++) {
		struct ds_sort_cand tmp = list[i];
		size_t j = i;

		while (j > 0 && ds_sort_compare(&list[j - 1], &tmp, NULL) > 0) {
			list[j] = list[j - 1];
			j--;
		}
		list[j] = tmp;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned rule = DS_SORT_RULE_NONE;

		if (i + 1 < n)
			(void)ds_sort_compare(&list[i], &list[i + 1], &rule);
		list[i].rule = rule;
	}
	return 0;
}

const char *
ds_sort_rule_name(unsigned rule)
{
	static const char *const names[] = {
	    [DS_SORT_RULE_NONE] = "none",
	    [DS_SORT_RULE_UNUSABLE] = "avoid unusable destinations",
	    [DS_SORT_RULE_SCOPE] = "prefer matching scope",
	    [DS_SORT_RULE_DEPRECATED] = "avoid deprecated source",
	    [DS_SORT_RULE_HOME] = "prefer home address",
	    [DS_SORT_RULE_LABEL] = "prefer matching label",
	    [DS_SORT_RULE_PRECEDENCE] = "prefer higher precedence",
	    [DS_SORT_RULE_NATIVE] = "prefer native transport",
	    [DS_SORT_RULE_SMALLER_SCOPE] = "prefer smaller scope",
	    [DS_SORT_RULE_PREFIX] = "prefer longest matching prefix",
	    [DS_SORT_RULE_ORDER] = "keep the original order",
	};

	if (rule < sizeof(names) / sizeof(names[0]))
		return names[rule];
	return "unknown";
}

/* --- Source lookup (I/O) -------------------------------------------------- */

/*
 * The discard port (RFC 863). connect() on a UDP socket only fixes the
 * route and the source address; no datagram is sent, so any port would do.
 */
#define PROBE_PORT 9

int
ds_sort_source(const struct ds_addr *dst, struct ds_addr *ret_src)
{
	struct ds_endpoint ep = {.port = PROBE_PORT};
	struct sockaddr_storage ss;
	struct ds_endpoint got;
	socklen_t sslen, len;
	int fd, r = 0;

	if (dst->family != AF_INET && dst->family != AF_INET6)
		return -EINVAL;
	ep.addr = *dst;
	r = ds_endpoint_to_sockaddr(&ep, &ss, &sslen);
	if (r < 0)
		return r;

	fd = socket(dst->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -errno;
	len = sizeof(ss);
	if (connect(fd, (struct sockaddr *)&ss, sslen) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		r = -errno;
	}
	/* close() may clobber errno; r already holds what we report. */
	(void)close(fd);
	if (r < 0)
		return r;

	r = ds__endpoint_named((struct sockaddr *)&ss, len, &got);
	if (r < 0)
		return r;
	*ret_src = got.addr;
	return 0;
}

int
ds_policy_load(const char *path, struct ds_policy *ret)
{
	/* gai.conf is a few lines; a larger file is not one. */
	char buf[64 * 1024];
	size_t len = 0;
	ssize_t n;
	int fd, r;

	ds_policy_default(ret);
	fd = open(path ? path : "/etc/gai.conf", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	while (len < sizeof(buf) &&
	    (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			return r;
		}
		len += (size_t)n;
	}
	close(fd);
	if (len == sizeof(buf))
		return -DS_E_TOO_LONG;
	/* Bad lines still give glibc's table: only a table too large to
	 * build is reported. */
	r = ds_policy_parse_gai(buf, len, ret, NULL);
	if (r == -DS_E_POLICY_TOO_MANY) {
		ds_policy_default(ret);
		return r;
	}
	return 0;
}
