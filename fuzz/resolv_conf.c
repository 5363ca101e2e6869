/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the resolv.conf options parser,
 * ds_resolv_conf_parse() and ds_resolv_options_parse(): every lookup
 * reads /etc/resolv.conf and $RES_OPTIONS through them, and either may
 * hold anything.
 *
 * Besides "no crash, no undefined behaviour, no read past the input" (the
 * input is copied into a buffer of exactly its size), the results must
 * keep the header's promises: values within glibc's caps, the count of
 * bad words returned equal to the one recorded, the first bad word inside
 * the input; and the input read as one options line agrees with the
 * same bytes read as a file line "options INPUT" when it has no newline;
 * ds_resolv_conf_parse_all() reads the same options and at most MAXNS
 * servers.
 */
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "dualstack/resolv-conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "resolv_conf.c: check failed: %s\n", what);
		abort();
	}
}

static void
check_options(const struct ds_resolv_options *o, int n, size_t len)
{
	check(n >= 0, "a count, not an error");
	check((unsigned)n == o->n_bad, "the count returned is the one kept");
	check(o->ndots <= DS_RESOLV_NDOTS_MAX, "ndots within its cap");
	check(o->timeout_s <= DS_RESOLV_TIMEOUT_MAX, "timeout within its cap");
	check(o->attempts <= DS_RESOLV_ATTEMPTS_MAX, "attempts within its cap");
	check(o->set <= 0xff, "only known bits set");
	if (o->n_bad)
		check(o->bad_len > 0 && o->bad_pos + o->bad_len <= len,
		    "the first bad word lies inside the input");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ds_resolv_options a, b;
	char *copy = malloc(size ? size : 1), *line;
	int n;

	check(copy != NULL, "malloc");
	memcpy(copy, data, size);
	ds_resolv_options_init(&a);
	n = ds_resolv_conf_parse(&a, copy, size);
	check_options(&a, n, size);
	/* The whole file: the same options, servers within MAXNS. */
	{
		struct ds_resolv_conf c;
		int m = ds_resolv_conf_parse_all(copy, size, &c);

		check(m == n, "the whole file has the same bad words");
		check(memcmp(&c.opts, &a, sizeof(a)) == 0,
		    "the whole file has the same options");
		check(c.n_servers <= DS_RESOLV_SERVERS_MAX, "at most MAXNS");
		for (size_t i = 0; i < c.n_servers; i++)
			check(c.servers[i].family == AF_INET ||
			        c.servers[i].family == AF_INET6,
			    "a server is an address");
		/* "dns" and "doctor" see the same servers. */
		{
			struct ds_endpoint eps[DS_RESOLV_MAXNS];
			int k = ds_resolv_conf_nameservers(
			    copy, size, eps, DS_RESOLV_MAXNS);

			check(k >= 0 && (size_t)k == c.n_servers,
			    "as many nameservers as servers");
			for (int i = 0; i < k; i++)
				check(ds_addr_equal(
				          &eps[i].addr, &c.servers[i]) &&
				        eps[i].port == 53,
				    "the same nameservers as servers");
		}
	}

	ds_resolv_options_init(&a);
	n = ds_resolv_options_parse(&a, copy, size);
	check_options(&a, n, size);
	/* The same words on an options line of a file. */
	if (!memchr(copy, '\n', size)) {
		line = malloc(size + 8);
		check(line != NULL, "malloc");
		memcpy(line, "options ", 8);
		memcpy(line + 8, copy, size);
		ds_resolv_options_init(&b);
		n = ds_resolv_conf_parse(&b, line, size + 8);
		check_options(&b, n, size + 8);
		check(a.set == b.set && a.ndots == b.ndots &&
		        a.timeout_s == b.timeout_s &&
		        a.attempts == b.attempts && a.rotate == b.rotate &&
		        a.single_request == b.single_request &&
		        a.single_request_reopen == b.single_request_reopen &&
		        a.n_bad == b.n_bad,
		    "an options line reads as the words alone");
		if (a.n_bad)
			check(b.bad_pos == a.bad_pos + 8 &&
			        b.bad_len == a.bad_len && b.bad_line == 1,
			    "the bad word at the same place");
		free(line);
	}
	{
		struct ds_endpoint eps[DS_RESOLV_MAXNS];

		n = ds_resolv_conf_nameservers(copy, size, eps, 2);
		check(n >= 0 && (unsigned)n <= DS_RESOLV_MAXNS,
		    "at most MAXNS nameservers");
		check(ds_resolv_conf_nameservers(
		          copy, size, eps, DS_RESOLV_MAXNS) == n,
		    "the count does not depend on max");
		for (int i = 0; i < n && i < 2; i++)
			check(eps[i].port == 53 &&
			        (eps[i].addr.family == AF_INET ||
			            eps[i].addr.family == AF_INET6),
			    "an address, port 53");
	}
	free(copy);
	return 0;
}
