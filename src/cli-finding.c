/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "dualstack/addr.h"
#include "dualstack/finding.h"

#include "cli-finding.h"
#include "cli.h"

const char *
cli_errno_name(int err, char *buf, size_t size)
{
	const char *sym = err ? strerrorname_np(err < 0 ? -err : err) : NULL;

	if (sym)
		return sym;
	snprintf(buf, size, "%d", err < 0 ? -err : err);
	return buf;
}

void
json_kv_addr(struct json *j, const char *key, const struct ds_addr *a)
{
	char buf[DS_ADDR_STRLEN];

	if (a->family != 0 && ds_addr_format(a, 0, buf, sizeof(buf)) >= 0)
		json_kv_string(j, key, buf);
}

void
json_kv_endpoint(struct json *j, const char *key, const struct ds_endpoint *ep)
{
	char buf[DS_ENDPOINT_STRLEN];

	if (ep->addr.family != 0 &&
	    ds_endpoint_format(ep, 0, buf, sizeof(buf)) >= 0)
		json_kv_string(j, key, buf);
}

void
json_kv_errno(struct json *j, const char *key, int err)
{
	char num[16];

	if (err != 0)
		json_kv_string(j, key, cli_errno_name(err, num, sizeof(num)));
}

void
json_evidence(struct json *j, const struct ds_evidence *e)
{
	char buf[DS_ENDPOINT_STRLEN];
	const char *key = ds_evidence_key_token(e->key);

	if (!key)
		return;
	/* A family is a word, as everywhere (OUTPUT CONVENTIONS). */
	if (e->key == DS_EVK_FAMILY && e->type == DS_EV_UINT) {
		json_kv_string(j, key, cli_family_token((int)e->v.u));
		return;
	}
	switch (e->type) {
	case DS_EV_UINT:
		json_key(j, key);
		json_uint(j, e->v.u);
		break;
	case DS_EV_DURATION_US:
		json_kv_ms(j, key, e->v.u);
		break;
	case DS_EV_ERRNO:
		json_kv_errno(j, key, e->v.err);
		break;
	case DS_EV_TOKEN:
		json_kv_string(j, key, e->v.token);
		break;
	case DS_EV_ADDR:
		json_kv_addr(j, key, &e->v.addr);
		break;
	case DS_EV_ENDPOINT:
		json_kv_endpoint(j, key, &e->v.ep);
		break;
	case DS_EV_PREFIX:
		if (ds_prefix_format(&e->v.prefix, 0, buf, sizeof(buf)) >= 0)
			json_kv_string(j, key, buf);
		break;
	case DS_EV_BOOL:
		json_kv_bool(j, key, e->v.b);
		break;
	case DS_EV_TEXT:
		json_kv_string(j, key, e->v.text);
		break;
	default:
		break;
	}
}

void
json_finding(struct json *j, const struct ds_finding *f)
{
	json_begin_object(j);
	json_kv_string(j, "code", ds_finding_token(f->code));
	json_kv_string(j, "severity", ds_severity_token(f->severity));
	json_key(j, "subject");
	if (f->subject.type != 0) {
		json_begin_object(j);
		json_evidence(j, &f->subject);
		json_end(j);
	} else {
		json_null(j);
	}
	json_key(j, "evidence");
	json_begin_object(j);
	for (size_t k = 0; k < f->n_evidence; k++)
		json_evidence(j, &f->evidence[k]);
	json_end(j);
	json_end(j);
}

const char *
cli_evidence_text(const struct ds_evidence *e, char *buf, size_t size)
{
	char num[16];

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (e->key == DS_EVK_FAMILY && e->type == DS_EV_UINT) {
		snprintf(buf, size, "%s", cli_family_word((int)e->v.u));
		return buf;
	}
	switch (e->type) {
	case DS_EV_UINT:
		snprintf(buf, size, "%llu", (unsigned long long)e->v.u);
		break;
	case DS_EV_DURATION_US:
		cli_duration_text(e->v.u, buf, size);
		break;
	case DS_EV_ERRNO:
		snprintf(buf, size, "%s",
		    cli_errno_name(e->v.err, num, sizeof(num)));
		break;
	case DS_EV_TOKEN:
		snprintf(buf, size, "%s", e->v.token);
		break;
	case DS_EV_ADDR:
		if (ds_addr_format(&e->v.addr, 0, buf, size) < 0)
			snprintf(buf, size, "?");
		break;
	case DS_EV_ENDPOINT:
		if (ds_endpoint_format(&e->v.ep, 0, buf, size) < 0)
			snprintf(buf, size, "?");
		break;
	case DS_EV_PREFIX:
		if (ds_prefix_format(&e->v.prefix, 0, buf, size) < 0)
			snprintf(buf, size, "?");
		break;
	case DS_EV_BOOL:
		snprintf(buf, size, "%s", e->v.b ? "yes" : "no");
		break;
	case DS_EV_TEXT:
		snprintf(buf, size, "%s", e->v.text);
		break;
	default:
		snprintf(buf, size, "?");
		break;
	}
	return buf;
}

int
cli_finding_rule(const struct ds_finding *f, char *buf, size_t size)
{
	const struct ds_evidence *c = ds_finding_get(f, DS_EVK_CHAIN);
	const struct ds_evidence *r = ds_finding_get(f, DS_EVK_RULE);
	const char *chain = c ? c->v.text : "?";

	if (ds_finding_bool(f, DS_EVK_POLICY))
		return snprintf(buf, size, "%s: its policy", chain);
	if (!r)
		return -1;
	if (ds_finding_get(f, DS_EVK_LINE))
		return snprintf(buf, size, "%s, line %llu: %s", chain,
		    (unsigned long long)ds_finding_uint(f, DS_EVK_LINE, 0),
		    r->v.text);
	return snprintf(buf, size, "%s handle %llu: %s", chain,
	    (unsigned long long)ds_finding_uint(f, DS_EVK_HANDLE, 0),
	    r->v.text);
}
