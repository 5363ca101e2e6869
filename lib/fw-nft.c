/* SPDX-License-Identifier: MIT */
/*
 * ds_fw_load_nft(): nftables' JSON ("nft -j list ruleset", schema
 * version 1, libnftables-json(5)) into the model, read with jansson, the
 * library nftables itself writes it with.
 *
 * Two passes over the "nftables" array: chains and sets first, so that a
 * rule may jump to a chain listed after it; then the rules. Expressions
 * the model does not know become unknown matches; only JSON that is not
 * a ruleset at all (a rule without "expr", a chain without a name) is an
 * error.
 */
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dualstack/addr.h"
#include "dualstack/error.h"
#include "dualstack/fw.h"

#include "fw-int.h"

/* How a value is read: the kind of the match or set it belongs to. */
enum vkind {
	VK_NONE = 0,
	VK_PORT,
	VK_BYTE, /* hop limit, TTL */
	VK_ICMP6_TYPE,
	VK_ICMP_TYPE,
	VK_ICMP6_CODE,
	VK_ICMP_CODE,
	VK_L4,
	VK_CT,
	VK_ADDR4,
	VK_ADDR6,
	VK_IF,
	VK_NFPROTO,
};

struct ctx {
	struct ds_fw *fw;
	struct ds_fw_pos *pos;
	unsigned item, expr;
};

static int
fail(struct ctx *x, int err)
{
	if (x->pos) {
		memset(x->pos, 0, sizeof(*x->pos));
		x->pos->item = x->item;
		x->pos->expr = x->expr;
	}
	return err;
}

static int
family_parse(const char *s, enum ds_fw_family *ret)
{
	static const struct {
		const char *s;
		enum ds_fw_family f;
	} t[] = {
	    {"ip", DS_FW_FAM_IP},
	    {"ip6", DS_FW_FAM_IP6},
	    {"inet", DS_FW_FAM_INET},
	    {"bridge", DS_FW_FAM_BRIDGE},
	    {"arp", DS_FW_FAM_OTHER},
	    {"netdev", DS_FW_FAM_OTHER},
	};

	if (!s)
		return -DS_E_FW_SCHEMA;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].s, s) == 0) {
			*ret = t[i].f;
			return 0;
		}
	return -DS_E_FW_SCHEMA;
}

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool
hook_parse(const char *s, enum ds_fw_hook *ret)
{
	static const struct {
		const char *s;
		enum ds_fw_hook h;
	} t[] = {
	    {"prerouting", DS_FW_PREROUTING},
	    {"input", DS_FW_INPUT},
	    {"forward", DS_FW_FORWARD},
	    {"output", DS_FW_OUTPUT},
	    {"postrouting", DS_FW_POSTROUTING},
	};

	for (size_t i = 0; s && i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].s, s) == 0) {
			*ret = t[i].h;
			return true;
		}
	return false;
}

static int
chain_parse(struct ctx *x, json_t *o)
{
	const char *table = str(o, "table"), *name = str(o, "name");
	const char *hook = str(o, "hook"), *type = str(o, "type");
	const char *policy = str(o, "policy");
	enum ds_fw_family f;
	struct fw_chain_int *c;
	size_t ci;
	int r;

	if (family_parse(str(o, "family"), &f) < 0 || !table || !name)
		return fail(x, -DS_E_FW_SCHEMA);
	r = ds__fw_chain_add(x->fw, f, table, name, &ci);
	if (r < 0)
		return fail(x, r);
	c = &x->fw->chains[ci];
	if (hook && hook_parse(hook, &c->hook)) {
		json_t *prio = json_object_get(o, "prio");

		c->base = true;
		c->nat = type && strcmp(type, "nat") == 0;
		if (json_is_integer(prio))
			c->priority = (int)json_integer_value(prio);
		c->policy = policy && strcmp(policy, "drop") == 0
		    ? DS_FW_DROP
		    : DS_FW_ACCEPT;
	}
	return 0;
}

/* A decimal number or a name of kind k; -1 when it is neither. */
static int
name_value(enum vkind k, const char *s)
{
	size_t n = strlen(s);

	switch (k) {
	case VK_PORT:
		return ds__fw_number(s, n, 65535);
	case VK_BYTE:
		return ds__fw_number(s, n, 255);
	case VK_ICMP6_TYPE:
		return ds_fw_icmp6_type_parse(s, n);
	case VK_ICMP_TYPE:
		return ds_fw_icmp_type_parse(s, n);
	case VK_ICMP6_CODE:
		return ds__fw_icmp6_code_parse(s, n);
	case VK_ICMP_CODE:
		return ds__fw_icmp_code_parse(s, n);
	case VK_L4:
		return ds__fw_l4proto_parse(s, n);
	case VK_CT:
		return ds__fw_ct_parse(s, n);
	case VK_NFPROTO:
		return strcmp(s, "ipv4") == 0 ? AF_INET
		    : strcmp(s, "ipv6") == 0  ? AF_INET6
		                              : -1;
	default:
		return -1;
	}
}

static int
scalar(enum vkind k, json_t *v, uint32_t *ret)
{
	int n = -1;

	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i >= 0 && i <= 65535)
			n = (int)i;
		if ((k != VK_PORT && k != VK_CT) && n > 255)
			n = -1;
	} else if (json_is_string(v)) {
		n = name_value(k, json_string_value(v));
	}
	if (n < 0)
		return -1;
	*ret = (uint32_t)n;
	return 0;
}

static int
addr_value(enum vkind k, json_t *v, struct ds_prefix *ret)
{
	unsigned flags = k == VK_ADDR4 ? DS_PARSE_V4_ONLY : DS_PARSE_V6_ONLY;
	const char *s;

	if (json_is_string(v)) {
		s = json_string_value(v);
		return ds_prefix_parse(
		    s, strlen(s), flags | DS_PARSE_NO_ZONE, ret, NULL);
	}
	if (json_is_object(v) && json_object_get(v, "prefix")) {
		json_t *p = json_object_get(v, "prefix");
		json_t *len = json_object_get(p, "len");

		s = str(p, "addr");
		if (!s || !json_is_integer(len) ||
		    ds_addr_parse(s, strlen(s), flags | DS_PARSE_NO_ZONE,
		        &ret->addr, NULL) < 0)
			return -1;
		if (json_integer_value(len) < 0 ||
		    json_integer_value(len) > ds_addr_bits(&ret->addr))
			return -1;
		ret->len = (unsigned)json_integer_value(len);
		ds_prefix_normalize(ret);
		return 0;
	}
	return -1;
}

/*
 * One value (a number, a name, a prefix, a range, an element object) as
 * items. Returns 0, 1 when it cannot be read (the match becomes
 * unknown), or a negative error.
 */
static int
value_add(struct ctx *x, enum vkind k, json_t *v)
{
	struct fw_item it;
	struct fw_item *p;
	int err = 0;

	memset(&it, 0, sizeof(it));
	if (json_is_object(v) && json_object_get(v, "elem"))
		v = json_object_get(json_object_get(v, "elem"), "val");
	if (k == VK_ADDR4 || k == VK_ADDR6) {
		if (json_is_object(v) && json_object_get(v, "range"))
			return 1; /* address ranges: not modelled */
		if (addr_value(k, v, &it.p) < 0)
			return 1;
	} else if (k == VK_IF) {
		const char *s = json_string_value(v);

		if (!s || strlen(s) >= DS_FW_IFNAME_MAX)
			return 1;
		strcpy(it.name, s);
	} else if (json_is_object(v) && json_object_get(v, "range")) {
		json_t *rg = json_object_get(v, "range");

		if (json_array_size(rg) != 2 ||
		    scalar(k, json_array_get(rg, 0), &it.lo) < 0 ||
		    scalar(k, json_array_get(rg, 1), &it.hi) < 0 ||
		    it.lo > it.hi)
			return 1;
	} else {
		if (scalar(k, v, &it.lo) < 0)
			return 1;
		it.hi = it.lo;
	}
	p = ds__fw_item_add(x->fw, &err);
	if (!p)
		return err;
	*p = it;
	return 0;
}

/* The values of a set's "elem" array or of an anonymous set. */
static int
values_add(struct ctx *x, enum vkind k, json_t *arr, bool *unknown)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
	{
		int r = value_add(x, k, v);

		if (r < 0)
			return r;
		if (r > 0)
			*unknown = true;
	}
	return 0;
}

static enum vkind
set_kind(const char *type)
{
	static const struct {
		const char *s;
		enum vkind k;
	} t[] = {
	    {"ipv4_addr", VK_ADDR4},
	    {"ipv6_addr", VK_ADDR6},
	    {"inet_service", VK_PORT},
	    {"icmpv6_type", VK_ICMP6_TYPE},
	    {"icmp_type", VK_ICMP_TYPE},
	    {"ifname", VK_IF},
	    {"inet_proto", VK_L4},
	    {"ct_state", VK_CT},
	};

	for (size_t i = 0; type && i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].s, type) == 0)
			return t[i].k;
	return VK_NONE;
}

static int
set_parse(struct ctx *x, json_t *o)
{
	struct ds_fw *fw = x->fw;
	const char *table = str(o, "table"), *name = str(o, "name");
	struct fw_set_int *s;
	enum ds_fw_family f;
	enum vkind k;
	json_t *elem = json_object_get(o, "elem");
	int r;

	if (family_parse(str(o, "family"), &f) < 0 || !table || !name ||
	    strlen(table) >= FW_NAME_MAX || strlen(name) >= FW_NAME_MAX)
		return fail(x, -DS_E_FW_SCHEMA);
	r = ds__fw_grow((void **)&fw->sets, &fw->cap_sets, fw->n_sets,
	    sizeof(*fw->sets), DS_FW_CHAINS_MAX);
	if (r < 0)
		return fail(x, r);
	s = &fw->sets[fw->n_sets++];
	memset(s, 0, sizeof(*s));
	s->family = f;
	strcpy(s->table, table);
	strcpy(s->name, name);
	s->item = fw->n_items;
	/* A concatenation's type is an array: not modelled. */
	k = set_kind(str(o, "type"));
	if (k == VK_NONE) {
		s->unknown = true;
		return 0;
	}
	if (elem && !json_is_array(elem))
		return fail(x, -DS_E_FW_SCHEMA);
	r = values_add(x, k, elem, &s->unknown);
	if (r < 0)
		return fail(x, r);
	s->n_items = fw->n_items - s->item;
	return 0;
}

static const struct fw_set_int *
set_find(const struct ds_fw *fw, enum ds_fw_family f, const char *table,
    const char *name)
{
	for (size_t i = 0; i < fw->n_sets; i++)
		if (fw->sets[i].family == f &&
		    strcmp(fw->sets[i].table, table) == 0 &&
		    strcmp(fw->sets[i].name, name) == 0)
			return &fw->sets[i];
	return NULL;
}

/* What the left side of a match looks at. */
struct left {
	enum fw_key key;
	enum vkind kind;
	int family;
	uint8_t proto;
	bool any_ports;
	char what[48];
};

static void
left_parse(json_t *l, struct left *ret)
{
	json_t *p;
	const char *k, *f;

	memset(ret, 0, sizeof(*ret));
	ret->key = K_UNKNOWN;
	if ((p = json_object_get(l, "payload")) != NULL) {
		k = str(p, "protocol");
		f = str(p, "field");
		if (!k || !f) {
			snprintf(ret->what, sizeof(ret->what), "payload");
			return;
		}
		snprintf(ret->what, sizeof(ret->what), "%s %s", k, f);
		if (strcmp(k, "ip") == 0 || strcmp(k, "ip6") == 0) {
			bool v6 = k[2] == '6';

			ret->family = v6 ? AF_INET6 : AF_INET;
			ret->kind = v6 ? VK_ADDR6 : VK_ADDR4;
			if (strcmp(f, "saddr") == 0) {
				ret->key = K_SADDR;
			} else if (strcmp(f, "daddr") == 0) {
				ret->key = K_DADDR;
			} else if (strcmp(f, v6 ? "nexthdr" : "protocol") ==
			    0) {
				ret->key = K_NEXTHDR;
				ret->kind = VK_L4;
			} else if (strcmp(f, v6 ? "hoplimit" : "ttl") == 0) {
				ret->key = K_HOPLIMIT;
				ret->kind = VK_BYTE;
			}
		} else if (strcmp(k, "icmp") == 0 || strcmp(k, "icmpv6") == 0) {
			bool v6 = k[4] == 'v';

			ret->family = v6 ? AF_INET6 : AF_INET;
			ret->proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
			if (strcmp(f, "type") == 0) {
				ret->key = K_ICMP_TYPE;
				ret->kind = v6 ? VK_ICMP6_TYPE : VK_ICMP_TYPE;
			} else if (strcmp(f, "code") == 0) {
				ret->key = K_ICMP_CODE;
				ret->kind = v6 ? VK_ICMP6_CODE : VK_ICMP_CODE;
			}
		} else if (strcmp(f, "sport") == 0 || strcmp(f, "dport") == 0) {
			int proto = ds__fw_l4proto_parse(k, strlen(k));

			if (strcmp(k, "th") == 0)
				ret->any_ports = true;
			else if (proto > 0)
				ret->proto = (uint8_t)proto;
			else
				return;
			ret->key = f[0] == 's' ? K_SPORT : K_DPORT;
			ret->kind = VK_PORT;
		}
		return;
	}
	if ((p = json_object_get(l, "meta")) != NULL) {
		k = str(p, "key");
		snprintf(ret->what, sizeof(ret->what), "meta %s", k ? k : "");
		if (!k)
			return;
		if (strcmp(k, "iifname") == 0 || strcmp(k, "oifname") == 0) {
			ret->key = k[0] == 'i' ? K_IIF : K_OIF;
			ret->kind = VK_IF;
		} else if (strcmp(k, "l4proto") == 0) {
			ret->key = K_L4PROTO;
			ret->kind = VK_L4;
		} else if (strcmp(k, "nfproto") == 0) {
			ret->key = K_NFPROTO;
			ret->kind = VK_NFPROTO;
		}
		return;
	}
	if ((p = json_object_get(l, "ct")) != NULL) {
		k = str(p, "key");
		snprintf(ret->what, sizeof(ret->what), "ct %s", k ? k : "");
		if (k && strcmp(k, "state") == 0 &&
		    !json_object_get(p, "dir")) {
			ret->key = K_CTSTATE;
			ret->kind = VK_CT;
		}
		return;
	}
	if (json_is_object(l) && json_object_size(l) > 0)
		snprintf(ret->what, sizeof(ret->what), "%s",
		    json_object_iter_key(json_object_iter(l)));
	else
		snprintf(ret->what, sizeof(ret->what), "expression");
}

static int
unknown_add(struct ctx *x, const char *what)
{
	struct fw_match *m;
	int err = 0;

	m = ds__fw_match_add(x->fw, K_UNKNOWN, &err);
	if (!m)
		return fail(x, err);
	snprintf(m->what, sizeof(m->what), "%s", what);
	return 0;
}

static int
match_parse(struct ctx *x, const struct fw_chain_int *c, json_t *o)
{
	const char *op = str(o, "op");
	json_t *right = json_object_get(o, "right");
	struct left l;
	struct fw_match *m;
	enum fw_op fop;
	bool unknown = false;
	size_t start;
	int err = 0, r;

	if (!op || !json_object_get(o, "left") || !right)
		return fail(x, -DS_E_FW_SCHEMA);
	left_parse(json_object_get(o, "left"), &l);
	if (strcmp(op, "==") == 0 || strcmp(op, "in") == 0)
		fop = OP_EQ;
	else if (strcmp(op, "!=") == 0)
		fop = OP_NE;
	else if (strcmp(op, "<") == 0)
		fop = OP_LT;
	else if (strcmp(op, ">") == 0)
		fop = OP_GT;
	else if (strcmp(op, "<=") == 0)
		fop = OP_LE;
	else if (strcmp(op, ">=") == 0)
		fop = OP_GE;
	else
		return unknown_add(x, op);
	if (l.key == K_UNKNOWN)
		return unknown_add(x, l.what);
	/* Ordering only makes sense on numbers. */
	if (fop >= OP_LT &&
	    (l.kind == VK_ADDR4 || l.kind == VK_ADDR6 || l.kind == VK_IF ||
	        l.kind == VK_CT))
		return unknown_add(x, l.what);

	m = ds__fw_match_add(x->fw, l.key, &err);
	if (!m)
		return fail(x, err);
	m->op = fop;
	m->family = l.family;
	m->proto = l.proto;
	m->any_ports = l.any_ports;
	start = x->fw->n_items;
	if (json_is_string(right) && json_string_value(right)[0] == '@') {
		const char *name = json_string_value(right) + 1;
		const struct fw_set_int *s;

		s = set_find(x->fw, c->family, c->table, name);
		if (!s)
			return fail(x, -DS_E_FW_SET);
		snprintf(m->set, sizeof(m->set), "%s", name);
		m->item = s->item;
		m->n_items = s->n_items;
		m->set_unknown = s->unknown;
		return 0;
	}
	if (json_is_object(right) && json_object_get(right, "set"))
		r = values_add(
		    x, l.kind, json_object_get(right, "set"), &unknown);
	else if (json_is_array(right))
		r = values_add(x, l.kind, right, &unknown);
	else
		r = value_add(x, l.kind, right);
	if (r < 0)
		return fail(x, r);
	m->item = start;
	m->n_items = x->fw->n_items - start;
	if (r > 0 || unknown || m->n_items == 0 ||
	    (fop >= OP_LT && m->n_items != 1)) {
		m->key = K_UNKNOWN;
		snprintf(m->what, sizeof(m->what), "%s", l.what);
	}
	return 0;
}

static int
limit_parse(struct ctx *x, json_t *o)
{
	static const struct {
		const char *s;
		uint32_t secs;
	} per[] = {{"second", 1}, {"minute", 60}, {"hour", 3600},
	    {"day", 86400}, {"week", 604800}};
	json_t *rate = json_object_get(o, "rate");
	const char *p = str(o, "per"), *unit = str(o, "rate_unit");
	struct fw_match *m;
	int err = 0;

	/* A byte rate or an "over" limit: not a packet count. */
	if (!json_is_integer(rate) || json_integer_value(rate) < 0 ||
	    json_integer_value(rate) > UINT32_MAX ||
	    (unit && strcmp(unit, "packets") != 0) ||
	    json_is_true(json_object_get(o, "inv")))
		return unknown_add(x, "limit");
	for (size_t i = 0; p && i < sizeof(per) / sizeof(per[0]); i++) {
		if (strcmp(per[i].s, p) != 0)
			continue;
		m = ds__fw_match_add(x->fw, K_LIMIT, &err);
		if (!m)
			return fail(x, err);
		m->rate = (uint32_t)json_integer_value(rate);
		m->per_s = per[i].secs;
		return 0;
	}
	return unknown_add(x, "limit");
}

static int
rule_parse(struct ctx *x, json_t *o)
{
	struct ds_fw *fw = x->fw;
	const char *table = str(o, "table"), *chain = str(o, "chain");
	const char *comment = str(o, "comment");
	json_t *expr = json_object_get(o, "expr"), *e;
	struct fw_rule_int *ru;
	enum ds_fw_family f;
	size_t ci, ri, i;
	int r;

	if (family_parse(str(o, "family"), &f) < 0 || !table || !chain ||
	    !json_is_array(expr))
		return fail(x, -DS_E_FW_SCHEMA);
	ci = ds__fw_chain_find(fw, f, table, chain);
	if (ci == DS_FW_NONE)
		return fail(x, -DS_E_FW_CHAIN);
	r = ds__fw_rule_add(fw, ci, &ri);
	if (r < 0)
		return fail(x, r);
	ru = &fw->rules[ri];
	if (json_is_integer(json_object_get(o, "handle")))
		ru->handle =
		    (uint64_t)json_integer_value(json_object_get(o, "handle"));
	if (comment && !(ru->comment = ds__fw_strdup(comment, strlen(comment))))
		return fail(x, -ENOMEM);
	json_array_foreach(expr, i, e)
	{
		const char *k;
		json_t *v;

		x->expr = (unsigned)i + 1;
		if (!json_is_object(e) || json_object_size(e) != 1)
			return fail(x, -DS_E_FW_SCHEMA);
		k = json_object_iter_key(json_object_iter(e));
		v = json_object_iter_value(json_object_iter(e));
		/* Matches and statements after a verdict are never
		 * reached; nft refuses them. */
		if (strcmp(k, "match") == 0) {
			r = match_parse(x, &fw->chains[ci], v);
		} else if (strcmp(k, "limit") == 0) {
			r = limit_parse(x, v);
		} else if (strcmp(k, "accept") == 0) {
			fw->rules[ri].action = DS_FW_ACT_ACCEPT;
			r = 0;
		} else if (strcmp(k, "drop") == 0) {
			fw->rules[ri].action = DS_FW_ACT_DROP;
			r = 0;
		} else if (strcmp(k, "reject") == 0) {
			const char *type = str(v, "type");
			const char *how = str(v, "expr");
			char buf[64];

			fw->rules[ri].action = DS_FW_ACT_REJECT;
			if (type || how) {
				snprintf(buf, sizeof(buf), "%s%s%s",
				    type ? type : "", type && how ? " " : "",
				    how ? how : "");
				fw->rules[ri].reject =
				    ds__fw_strdup(buf, strlen(buf));
				if (!fw->rules[ri].reject)
					return fail(x, -ENOMEM);
			}
			r = 0;
		} else if (strcmp(k, "return") == 0) {
			fw->rules[ri].action = DS_FW_ACT_RETURN;
			r = 0;
		} else if (strcmp(k, "jump") == 0 || strcmp(k, "goto") == 0) {
			const char *t = str(v, "target");
			size_t ti;

			if (!t)
				return fail(x, -DS_E_FW_SCHEMA);
			ti = ds__fw_chain_find(fw, f, table, t);
			if (ti == DS_FW_NONE)
				return fail(x, -DS_E_FW_CHAIN);
			fw->rules[ri].action =
			    k[0] == 'j' ? DS_FW_ACT_JUMP : DS_FW_ACT_GOTO;
			fw->rules[ri].target = ti;
			r = 0;
		} else if (strcmp(k, "continue") == 0 ||
		    strcmp(k, "counter") == 0 || strcmp(k, "log") == 0 ||
		    strcmp(k, "mangle") == 0 || strcmp(k, "notrack") == 0 ||
		    strcmp(k, "set") == 0 || strcmp(k, "dup") == 0) {
			/* Statements with no say in the verdict. */
			r = 0;
		} else if (strcmp(k, "vmap") == 0 || strcmp(k, "queue") == 0 ||
		    strcmp(k, "synproxy") == 0 || strcmp(k, "fwd") == 0 ||
		    strcmp(k, "tproxy") == 0) {
			fw->rules[ri].action = DS_FW_ACT_UNKNOWN;
			r = 0;
		} else {
			/* xt, quota, connlimit, nat...: could stop a
			 * packet in ways not modelled. */
			r = unknown_add(x, k);
		}
		if (r < 0)
			return r;
	}
	x->expr = 0;
	return 1;
}

int
ds_fw_load_nft(
    struct ds_fw *fw, const char *json, size_t len, struct ds_fw_pos *errpos)
{
	struct ctx x = {.fw = fw, .pos = errpos};
	json_error_t je;
	json_t *root, *arr, *o;
	size_t i;
	int r = 0, n = 0;

	if (!fw || (!json && len))
		return -EINVAL;
	/* No duplicate keys: an object with two "expr" is not what nft
	 * writes, and which one jansson kept would be a guess. */
	root = json_loadb(json ? json : "", len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (errpos) {
			memset(errpos, 0, sizeof(*errpos));
			errpos->line = je.line > 0 ? (unsigned)je.line : 1;
			errpos->column =
			    je.column > 0 ? (unsigned)je.column : 1;
		}
		return -DS_E_FW_JSON;
	}
	arr = json_object_get(root, "nftables");
	if (!json_is_array(arr)) {
		r = fail(&x, -DS_E_FW_SCHEMA);
		goto out;
	}
	for (int pass = 0; pass < 2; pass++) {
		json_array_foreach(arr, i, o)
		{
			const char *k;
			json_t *v;

			x.item = (unsigned)i + 1;
			x.expr = 0;
			if (!json_is_object(o) || json_object_size(o) != 1) {
				r = fail(&x, -DS_E_FW_SCHEMA);
				goto out;
			}
			k = json_object_iter_key(json_object_iter(o));
			v = json_object_iter_value(json_object_iter(o));
			if (!json_is_object(v)) {
				r = fail(&x, -DS_E_FW_SCHEMA);
				goto out;
			}
			if (pass == 0 && strcmp(k, "chain") == 0)
				r = chain_parse(&x, v);
			else if (pass == 0 && strcmp(k, "set") == 0)
				r = set_parse(&x, v);
			else if (pass == 1 && strcmp(k, "rule") == 0)
				r = rule_parse(&x, v);
			else
				r = 0; /* metainfo, table, map, element... */
			if (r < 0)
				goto out;
			n += r;
		}
	}
	r = n;
out:
	json_decref(root);
	return r;
}
