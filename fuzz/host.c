/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for ds_host's pure parsers: the first byte picks one
 * (0 rtnetlink dump, 1 nsswitch.conf, 2 hosts, 3 sysctl value), the rest
 * is its input, copied into a buffer of exactly its size so that any
 * read past it is caught. Besides "no crash, no undefined behaviour",
 * the results must keep the header's promises: counts within caps where
 * stored, prefix lengths within the family, a NUL in every name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dualstack/error.h"
#include "dualstack/host.h"

#include "../lib/host-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "host.c: check failed: %s\n", what);
		abort();
	}
}

static struct ds_host_facts facts;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy;
	size_t n;
	int r;

	if (size < 1)
		return 0;
	n = size - 1;
	copy = malloc(n ? n : 1);
	check(copy != NULL, "malloc");
	memcpy(copy, data + 1, n);
	switch (data[0] & 3) {
	case 0:
		memset(&facts, 0, sizeof(facts));
		r = ds__host_parse_dump(copy, n, &facts);
		check(r >= -4095 || r == -DS_E_HOST_NETLINK, "an error");
		for (size_t i = 0; i < facts.n_links && i < DS_HOST_LINK_MAX;
		     i++)
			check(memchr(facts.links[i].name, 0,
			          sizeof(facts.links[i].name)) &&
			        memchr(facts.links[i].kind, 0,
			            sizeof(facts.links[i].kind)),
			    "names end with a NUL");
		for (size_t i = 0; i < facts.n_addrs && i < DS_HOST_ADDR_MAX;
		     i++)
			check(facts.addrs[i].plen <=
			        (facts.addrs[i].addr.family == AF_INET ? 32u
			                                               : 128u),
			    "a prefix length within its family");
		/* The checks take whatever was parsed. */
		(void)ds_host_check_run(&facts, DS_HOST_CHECK_ALL, NULL, 0);
		break;
	case 1: {
		struct ds_host_nsswitch ns;

		check(ds_host_nsswitch_parse(copy, n, &ns) == 0, "parsed");
		check(ns.n <= DS_HOST_NSS_MAX, "services within the cap");
		for (size_t i = 0; i < ns.n; i++)
			check(memchr(ns.service[i], 0, sizeof(ns.service[i])) !=
			        NULL,
			    "a service ends with a NUL");
		break;
	}
	case 2: {
		struct ds_host_localhost l;

		check(ds_host_localhost_parse(copy, n, &l) == 0, "parsed");
		check(l.v4 == (l.line4 > 0) && l.v6 == (l.line6 > 0),
		    "a line for each found");
		break;
	}
	default: {
		int v;

		r = ds_host_sysctl_parse(copy, n, &v);
		check(r == 0 || r == -DS_E_HOST_SYSCTL, "0 or not a number");
		break;
	}
	}
	free(copy);
	return 0;
}
