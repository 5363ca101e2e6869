/* SPDX-License-Identifier: MIT */
/*
 * ds_fw_load_ipt(): iptables-save and ip6tables-save text into the
 * model. The format: "*TABLE", chain lines ":NAME POLICY [p:b]", rules
 * "-A CHAIN OPTIONS" (optionally after "[p:b]" counters) and "COMMIT";
 * "#" comments. Options are read as iptables(8) and the extensions'
 * save functions write them; an option or module not known here makes
 * the rule's match unknown.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"
#include "dualstack/fw.h"

#include "fw-int.h"

/*
 * Tokens in one line at most: a rule has a few dozen; iptables'
 * own parser caps a line at 1024 words (MAX_ARGC in xshared.c).
 */
#define TOK_MAX 1024

/* The longest token kept (a comment may be 256 bytes, XT_MAX_COMMENT_LEN). */
#define TOK_LEN 512

struct tok {
	char s[TOK_LEN];
	size_t col; /* 1-based */
};

struct ipt {
	struct ds_fw *fw;
	int family;
	enum ds_fw_family f;
	char table[FW_NAME_MAX];
	bool in_table;
	unsigned line;
	struct ds_fw_pos *pos;
	struct tok *t;
	size_t n;
};

static int
fail(struct ipt *x, int err, size_t col)
{
	if (x->pos) {
		memset(x->pos, 0, sizeof(*x->pos));
		x->pos->line = x->line;
		x->pos->column = col ? (unsigned)col : 1;
	}
	return err;
}

/* Split a line into words; double quotes group, a backslash escapes. */
static int
tokenize(struct ipt *x, const char *s, size_t len)
{
	size_t i = 0;

	x->n = 0;
	while (i < len) {
		struct tok *t;
		size_t o = 0;
		bool quoted = false;

		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
			i++;
			continue;
		}
		if (x->n == TOK_MAX)
			return fail(x, -DS_E_FW_TOO_BIG, i + 1);
		t = &x->t[x->n++];
		t->col = i + 1;
		while (i < len) {
			char c = s[i];

			if (!quoted && (c == ' ' || c == '\t' || c == '\r'))
				break;
			i++;
			if (c == '"') {
				quoted = !quoted;
				continue;
			}
			if (c == '\\' && i < len) {
				c = s[i++];
			}
			if (o + 1 >= TOK_LEN)
				return fail(x, -DS_E_FW_TOO_BIG, t->col);
			t->s[o++] = c;
		}
		if (quoted)
			return fail(x, -DS_E_FW_IPT_QUOTE, t->col);
		t->s[o] = '\0';
	}
	return 0;
}

static int
table_prio(const char *t, bool *nat)
{
	*nat = strcmp(t, "nat") == 0;
	if (strcmp(t, "raw") == 0)
		return -300; /* NF_IP_PRI_RAW */
	if (strcmp(t, "mangle") == 0)
		return -150; /* NF_IP_PRI_MANGLE */
	if (strcmp(t, "security") == 0)
		return 50; /* NF_IP_PRI_SECURITY */
	return 0;          /* NF_IP_PRI_FILTER */
}

static bool
builtin_hook(const char *name, enum ds_fw_hook *ret)
{
	static const struct {
		const char *s;
		enum ds_fw_hook h;
	} t[] = {
	    {"PREROUTING", DS_FW_PREROUTING},
	    {"INPUT", DS_FW_INPUT},
	    {"FORWARD", DS_FW_FORWARD},
	    {"OUTPUT", DS_FW_OUTPUT},
	    {"POSTROUTING", DS_FW_POSTROUTING},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].s, name) == 0) {
			*ret = t[i].h;
			return true;
		}
	return false;
}

static int
chain_line(struct ipt *x)
{
	const char *name = x->t[0].s + 1;
	struct fw_chain_int *c;
	size_t ci;
	int r;

	if (name[0] == '\0' || x->n < 2)
		return fail(x, -DS_E_FW_IPT_LINE, x->t[0].col);
	r = ds__fw_chain_add(x->fw, x->f, x->table, name, &ci);
	if (r < 0)
		return fail(x, r, x->t[0].col);
	c = &x->fw->chains[ci];
	if (strcmp(x->t[1].s, "-") == 0)
		return 0;
	if (strcmp(x->t[1].s, "ACCEPT") != 0 && strcmp(x->t[1].s, "DROP") != 0)
		return fail(x, -DS_E_FW_VALUE, x->t[1].col);
	if (!builtin_hook(name, &c->hook))
		return fail(x, -DS_E_FW_IPT_LINE, x->t[0].col);
	c->base = true;
	c->priority = table_prio(x->table, &c->nat);
	c->policy = x->t[1].s[0] == 'D' ? DS_FW_DROP : DS_FW_ACCEPT;
	return 0;
}

static struct fw_match *
match_new(struct ipt *x, enum fw_key key, bool neg, int *err)
{
	struct fw_match *m = ds__fw_match_add(x->fw, key, err);

	if (m) {
		m->op = neg ? OP_NE : OP_EQ;
		m->family = x->family;
	}
	return m;
}

static int
unknown(struct ipt *x, const char *what)
{
	int err = 0;
	struct fw_match *m = ds__fw_match_add(x->fw, K_UNKNOWN, &err);

	if (!m)
		return err;
	snprintf(m->what, sizeof(m->what), "%s", what);
	return 0;
}

static int
item_range(struct ipt *x, uint32_t lo, uint32_t hi)
{
	int err = 0;
	struct fw_item *it = ds__fw_item_add(x->fw, &err);

	if (!it)
		return err;
	it->lo = lo;
	it->hi = hi;
	return 0;
}

/* "N" or "N:M" (an empty side is the end of the range), comma lists
 * when list is set. */
static int
ports(struct ipt *x, const char *s, bool list)
{
	for (;;) {
		const char *end = list ? strchr(s, ',') : NULL;
		size_t len = end ? (size_t)(end - s) : strlen(s);
		const char *colon = memchr(s, ':', len);
		int lo, hi;
		int r;

		if (colon) {
			size_t l1 = (size_t)(colon - s);

			lo = l1 ? ds__fw_number(s, l1, 65535) : 0;
			hi = len - l1 - 1
			    ? ds__fw_number(colon + 1, len - l1 - 1, 65535)
			    : 65535;
		} else {
			lo = hi = ds__fw_number(s, len, 65535);
		}
		if (lo < 0 || hi < 0 || lo > hi)
			return -DS_E_FW_VALUE;
		r = item_range(x, (uint32_t)lo, (uint32_t)hi);
		if (r < 0)
			return r;
		if (!end)
			return 0;
		s = end + 1;
	}
}

/* ip6tables' names for ICMPv6 types that nftables names otherwise. */
static int
icmp_type(struct ipt *x, const char *s, size_t len)
{
	static const struct {
		const char *s;
		int v;
	} v6[] = {
	    {"ping", 128},
	    {"pong", 129},
	    {"router-solicitation", 133},
	    {"router-advertisement", 134},
	    {"neighbour-solicitation", 135},
	    {"neighbor-solicitation", 135},
	    {"neighbour-advertisement", 136},
	    {"neighbor-advertisement", 136},
	    {"redirect", 137},
	};

	if (x->family == AF_INET)
		return ds_fw_icmp_type_parse(s, len);
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++)
		if (strlen(v6[i].s) == len && memcmp(v6[i].s, s, len) == 0)
			return v6[i].v;
	return ds_fw_icmp6_type_parse(s, len);
}

static int
ct_list(struct ipt *x, const char *s)
{
	char low[32];

	for (;;) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		int v;
		int r;

		if (len >= sizeof(low))
			return -DS_E_FW_VALUE;
		for (size_t i = 0; i < len; i++)
			low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32
			                                           : s[i]);
		v = ds__fw_ct_parse(low, len);
		if (v < 0)
			return -DS_E_FW_VALUE;
		r = item_range(x, (uint32_t)v, (uint32_t)v);
		if (r < 0)
			return r;
		if (!end)
			return 0;
		s = end + 1;
	}
}

static int
prefixes(struct ipt *x, const char *s)
{
	unsigned flags =
	    (x->family == AF_INET ? DS_PARSE_V4_ONLY : DS_PARSE_V6_ONLY) |
	    DS_PARSE_NO_ZONE;

	for (;;) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		int err = 0;
		struct fw_item *it;
		struct ds_prefix p;

		if (ds_prefix_parse(s, len, flags, &p, NULL) < 0)
			return -DS_E_FW_VALUE;
		ds_prefix_normalize(&p);
		it = ds__fw_item_add(x->fw, &err);
		if (!it)
			return err;
		it->p = p;
		if (!end)
			return 0;
		s = end + 1;
	}
}

static bool
is(const char *a, const char *b, const char *c)
{
	return strcmp(a, b) == 0 || (c && strcmp(a, c) == 0);
}

/* Targets that take no decision: the packet goes on. */
static bool
quiet_target(const char *t)
{
	static const char *const t_[] = {"LOG", "NFLOG", "ULOG", "MARK",
	    "CONNMARK", "TCPMSS", "CT", "NOTRACK", "CLASSIFY", "DSCP", "TOS",
	    "TTL", "HL", "AUDIT", "TRACE", "SET", "CHECKSUM", "CONNSECMARK",
	    "SECMARK"};

	for (size_t i = 0; i < sizeof(t_) / sizeof(t_[0]); i++)
		if (strcmp(t_[i], t) == 0)
			return true;
	return false;
}

static int
rule_line(struct ipt *x, const char *line, size_t len)
{
	struct ds_fw *fw = x->fw;
	size_t k = 0, ci, ri;
	uint8_t proto = 0;
	bool neg = false, after_target = false;
	char module[32] = "";
	int r, err = 0;

	if (x->t[0].s[0] == '[')
		k++;
	if (k + 1 >= x->n || strcmp(x->t[k].s, "-A") != 0)
		return fail(x, -DS_E_FW_IPT_LINE, x->t[k < x->n ? k : 0].col);
	ci = ds__fw_chain_find(fw, x->f, x->table, x->t[k + 1].s);
	if (ci == DS_FW_NONE)
		return fail(x, -DS_E_FW_CHAIN, x->t[k + 1].col);
	r = ds__fw_rule_add(fw, ci, &ri);
	if (r < 0)
		return fail(x, r, x->t[k].col);
	fw->rules[ri].line = x->line;
	{
		/* The rule as written, without the counters. */
		size_t from = x->t[k].col - 1;

		while (len > from &&
		    (line[len - 1] == '\r' || line[len - 1] == ' '))
			len--;
		fw->rules[ri].text = ds__fw_strdup(line + from, len - from);
		if (!fw->rules[ri].text)
			return fail(x, -ENOMEM, 1);
	}
	for (k += 2; k < x->n; k++) {
		const char *o = x->t[k].s, *v;
		size_t col = x->t[k].col, vcol;
		struct fw_match *m;
		bool was_neg = neg;

		if (strcmp(o, "!") == 0) {
			neg = true;
			continue;
		}
		neg = false;
		if (o[0] != '-')
			return fail(x, -DS_E_FW_IPT_LINE, col);
		/* Options with no value. */
		if (is(o, "--syn", NULL) || is(o, "-f", "--fragment") ||
		    is(o, "--log-uid", "--log-tcp-sequence") ||
		    is(o, "--log-tcp-options", "--log-ip-options")) {
			if (!after_target && (r = unknown(x, o)) < 0)
				return fail(x, r, col);
			continue;
		}
		if (k + 1 >= x->n)
			return fail(x, -DS_E_FW_IPT_OPTION, col);
		v = x->t[++k].s;
		vcol = x->t[k].col;
		if (after_target) {
			if (is(o, "--reject-with", NULL)) {
				free(fw->rules[ri].reject);
				fw->rules[ri].reject =
				    ds__fw_strdup(v, strlen(v));
				if (!fw->rules[ri].reject)
					return fail(x, -ENOMEM, vcol);
			}
			continue;
		}
		r = 0;
		if (is(o, "-p", "--protocol")) {
			int p = ds__fw_l4proto_parse(v, strlen(v));

			if (strcmp(v, "all") == 0 && !was_neg)
				continue;
			if (p < 0)
				return fail(x, -DS_E_FW_VALUE, vcol);
			if (!was_neg)
				proto = (uint8_t)p;
			m = match_new(x, K_L4PROTO, was_neg, &err);
			if (!m ||
			    (r = item_range(x, (uint32_t)p, (uint32_t)p)) < 0)
				return fail(x, m ? r : err, col);
			m->n_items = 1;
		} else if (is(o, "-s", "--source") ||
		    is(o, "-d", "--destination")) {
			m = match_new(x,
			    o[1] == 's' || o[2] == 's' ? K_SADDR : K_DADDR,
			    was_neg, &err);
			if (!m)
				return fail(x, err, col);
			r = prefixes(x, v);
			if (r < 0)
				return fail(x, r, vcol);
			m->n_items = fw->n_items - m->item;
		} else if (is(o, "-i", "--in-interface") ||
		    is(o, "-o", "--out-interface")) {
			struct fw_item *it;
			size_t l = strlen(v);

			m = match_new(x,
			    o[1] == 'i' || o[2] == 'i' ? K_IIF : K_OIF, was_neg,
			    &err);
			if (!m)
				return fail(x, err, col);
			m->family = 0;
			if (!(it = ds__fw_item_add(fw, &err)))
				return fail(x, err, col);
			if (l >= DS_FW_IFNAME_MAX)
				return fail(x, -DS_E_FW_VALUE, vcol);
			memcpy(it->name, v, l + 1);
			if (l && it->name[l - 1] == '+')
				it->name[l - 1] = '*';
			m->n_items = 1;
		} else if (is(o, "-m", "--match")) {
			snprintf(module, sizeof(module), "%s", v);
			if (!is(v, "tcp", "udp") && !is(v, "icmp", "icmp6") &&
			    !is(v, "conntrack", "state") &&
			    !is(v, "hl", "ttl") && !is(v, "limit", "comment") &&
			    !is(v, "multiport", "sctp"))
				r = unknown(x, v);
		} else if (is(o, "-j", "--jump") || is(o, "-g", "--goto")) {
			struct fw_rule_int *ru = &fw->rules[ri];

			after_target = true;
			if (strcmp(v, "ACCEPT") == 0) {
				ru->action = DS_FW_ACT_ACCEPT;
			} else if (strcmp(v, "DROP") == 0) {
				ru->action = DS_FW_ACT_DROP;
			} else if (strcmp(v, "REJECT") == 0) {
				ru->action = DS_FW_ACT_REJECT;
			} else if (strcmp(v, "RETURN") == 0) {
				ru->action = DS_FW_ACT_RETURN;
			} else if (quiet_target(v)) {
				ru->action = DS_FW_ACT_NONE;
			} else {
				size_t ti =
				    ds__fw_chain_find(fw, x->f, x->table, v);

				if (ti == DS_FW_NONE) {
					/* Another extension's target. */
					ru->action = DS_FW_ACT_UNKNOWN;
				} else {
					ru->action = o[1] == 'g' || o[2] == 'g'
					    ? DS_FW_ACT_GOTO
					    : DS_FW_ACT_JUMP;
					ru->target = ti;
				}
			}
		} else if (is(o, "--dport", "--destination-port") ||
		    is(o, "--sport", "--source-port") ||
		    is(o, "--dports", "--destination-ports") ||
		    is(o, "--sports", "--source-ports")) {
			bool d = strstr(o, "--d") == o;
			bool list = o[strlen(o) - 1] == 's';

			m = match_new(x, d ? K_DPORT : K_SPORT, was_neg, &err);
			if (!m)
				return fail(x, err, col);
			m->proto = proto;
			if (!proto)
				m->any_ports = true;
			r = ports(x, v, list);
			if (r < 0)
				return fail(x, r, vcol);
			m->n_items = fw->n_items - m->item;
		} else if (is(o, "--icmpv6-type", "--icmp-type")) {
			const char *slash = strchr(v, '/');
			size_t tl = slash ? (size_t)(slash - v) : strlen(v);
			int t = icmp_type(x, v, tl), c = -1;

			if (t < 0)
				return fail(x, -DS_E_FW_VALUE, vcol);
			if (slash) {
				c = ds__fw_number(
				    slash + 1, strlen(slash + 1), 255);
				if (c < 0)
					return fail(x, -DS_E_FW_VALUE, vcol);
			}
			/* "! --icmpv6-type T/C" negates both as one: the
			 * model's two matches cannot, so it is unknown. */
			if (was_neg && slash) {
				r = unknown(x, o);
			} else {
				uint8_t ip = x->family == AF_INET6
				    ? IPPROTO_ICMPV6
				    : IPPROTO_ICMP;

				m = match_new(x, K_ICMP_TYPE, was_neg, &err);
				if (!m ||
				    (r = item_range(
				         x, (uint32_t)t, (uint32_t)t)) < 0)
					return fail(x, m ? r : err, col);
				m->proto = ip;
				m->n_items = 1;
				if (c >= 0) {
					m = match_new(
					    x, K_ICMP_CODE, false, &err);
					if (!m ||
					    (r = item_range(x, (uint32_t)c,
					         (uint32_t)c)) < 0)
						return fail(
						    x, m ? r : err, col);
					m->proto = ip;
					m->n_items = 1;
				}
			}
		} else if (is(o, "--ctstate", "--state")) {
			m = match_new(x, K_CTSTATE, was_neg, &err);
			if (!m)
				return fail(x, err, col);
			m->family = 0;
			r = ct_list(x, v);
			if (r < 0)
				return fail(x, r, vcol);
			m->n_items = fw->n_items - m->item;
		} else if (is(o, "--hl-eq", "--ttl-eq") ||
		    is(o, "--hl-lt", "--ttl-lt") ||
		    is(o, "--hl-gt", "--ttl-gt")) {
			int n = ds__fw_number(v, strlen(v), 255);
			char op = o[strlen(o) - 2];

			if (n < 0)
				return fail(x, -DS_E_FW_VALUE, vcol);
			m = match_new(x, K_HOPLIMIT, was_neg, &err);
			if (!m ||
			    (r = item_range(x, (uint32_t)n, (uint32_t)n)) < 0)
				return fail(x, m ? r : err, col);
			m->n_items = 1;
			if (op == 'l')
				m->op = was_neg ? OP_GE : OP_LT;
			else if (op == 'g')
				m->op = was_neg ? OP_LE : OP_GT;
		} else if (is(o, "--limit", NULL)) {
			static const struct {
				const char *s;
				uint32_t secs;
			} units[] = {{"second", 1}, {"sec", 1}, {"s", 1},
			    {"minute", 60}, {"min", 60}, {"m", 60},
			    {"hour", 3600}, {"h", 3600}, {"day", 86400},
			    {"d", 86400}};
			const char *slash = strchr(v, '/');
			int n = ds__fw_number(v,
			    slash ? (size_t)(slash - v) : strlen(v),
			    UINT32_MAX);
			uint32_t secs = slash ? 0 : 3600; /* the default */

			for (size_t u = 0;
			     slash && u < sizeof(units) / sizeof(units[0]); u++)
				if (strcmp(units[u].s, slash + 1) == 0)
					secs = units[u].secs;
			if (n < 0 || secs == 0)
				return fail(x, -DS_E_FW_VALUE, vcol);
			m = match_new(x, K_LIMIT, false, &err);
			if (!m)
				return fail(x, err, col);
			m->rate = (uint32_t)n;
			m->per_s = secs;
		} else if (is(o, "--comment", NULL)) {
			free(fw->rules[ri].comment);
			fw->rules[ri].comment = ds__fw_strdup(v, strlen(v));
			if (!fw->rules[ri].comment)
				return fail(x, -ENOMEM, vcol);
		} else if (is(o, "--limit-burst", NULL)) {
			/* The burst only matters above the rate. */
		} else {
			/* An option of a module the model does not know;
			 * its value was taken unless it looks like one. */
			if (v[0] == '-' || strcmp(v, "!") == 0)
				k--;
			r = unknown(x, o);
		}
		if (r < 0)
			return fail(x, r, col);
	}
	if (neg)
		return fail(x, -DS_E_FW_IPT_OPTION, x->t[x->n - 1].col);
	(void)module;
	return 1;
}

int
ds_fw_load_ipt(struct ds_fw *fw, int family, const char *text, size_t len,
    struct ds_fw_pos *errpos)
{
	struct ipt x = {.fw = fw, .family = family, .pos = errpos};
	size_t off = 0;
	int n = 0, r = 0;

	if (!fw || (!text && len) || (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	x.f = family == AF_INET ? DS_FW_FAM_IP : DS_FW_FAM_IP6;
	x.t = malloc(TOK_MAX * sizeof(*x.t));
	if (!x.t)
		return -ENOMEM;
	while (off < len) {
		const char *s = text + off;
		const char *nl = memchr(s, '\n', len - off);
		size_t l = nl ? (size_t)(nl - s) : len - off;

		off += l + (nl ? 1 : 0);
		x.line++;
		if (memchr(s, '\0', l)) {
			r = fail(&x, -DS_E_FW_IPT_LINE,
			    (size_t)((const char *)memchr(s, '\0', l) - s) + 1);
			goto out;
		}
		r = tokenize(&x, s, l);
		if (r < 0)
			goto out;
		if (x.n == 0 || x.t[0].s[0] == '#')
			continue;
		if (x.t[0].s[0] == '*' && x.t[0].col == 1 &&
		    !(x.t[0].s[1] == '\0')) {
			if (x.in_table || x.n != 1 ||
			    strlen(x.t[0].s + 1) >= FW_NAME_MAX) {
				r = fail(&x,
				    x.in_table ? -DS_E_FW_IPT_COMMIT
				               : -DS_E_FW_IPT_LINE,
				    1);
				goto out;
			}
			strcpy(x.table, x.t[0].s + 1);
			x.in_table = true;
			continue;
		}
		if (!x.in_table) {
			r = fail(&x, -DS_E_FW_IPT_LINE, x.t[0].col);
			goto out;
		}
		if (strcmp(x.t[0].s, "COMMIT") == 0 && x.n == 1) {
			x.in_table = false;
			continue;
		}
		if (x.t[0].s[0] == ':')
			r = chain_line(&x);
		else
			r = rule_line(&x, s, l);
		if (r < 0)
			goto out;
		n += r;
	}
	if (x.in_table) {
		x.line++;
		r = fail(&x, -DS_E_FW_IPT_COMMIT, 1);
		goto out;
	}
	r = n;
out:
	free(x.t);
	return r;
}
