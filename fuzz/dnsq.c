/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the answer path of ds_dnsq, ds_dnsq_parse(): every
 * octet of an answer comes from the network, from a server or whoever
 * sits on the path.
 *
 * The first input octet picks the type asked (even: A, odd: AAAA) and
 * how many addresses to keep (its value modulo DS_DNSQ_ADDRS_MAX + 1);
 * the rest is the answer, copied into a buffer of exactly its size. Besides
 * "no crash, no undefined behaviour, no read past the end", the result
 * must keep the header's promises: the header fields are the octets'
 * own, the addresses kept are of the type asked, no TTL has its high bit
 * set, the smallest TTL is the smallest of those kept, and a failure
 * leaves *ret untouched.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dualstack/dnsq.h"
#include "dualstack/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "dnsq.c: check failed: %s\n", what);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ds_dnsq_rr addrs[DS_DNSQ_ADDRS_MAX];
	struct ds_dnsq_reply r, sentinel;
	unsigned qtype;
	size_t max, len;
	uint8_t *copy;
	int st;

	if (size < 1)
		return 0;
	qtype = data[0] & 1 ? DS_DNSQ_TYPE_AAAA : DS_DNSQ_TYPE_A;
	max = data[0] % (DS_DNSQ_ADDRS_MAX + 1);
	len = size - 1;
	copy = malloc(len ? len : 1);
	check(copy != NULL, "malloc");
	memcpy(copy, data + 1, len);
	memset(&r, 0xa5, sizeof(r));
	sentinel = r;
	st = ds_dnsq_parse(copy, len, qtype, &r, max ? addrs : NULL, max);
	if (st < 0) {
		check(st == -DS_E_DNSQ_SHORT || st == -DS_E_DNSQ_NOT_RESPONSE ||
		        st == -DS_E_DNSQ_BADRESP || st == -ENOMEM,
		    "a documented error");
		check(memcmp(&r, &sentinel, sizeof(r)) == 0,
		    "*ret untouched on failure");
		free(copy);
		return 0;
	}
	check(st == 0, "0 on success");
	check(len >= 12, "a header was there");
	check(r.id == ((unsigned)copy[0] << 8 | copy[1]), "the ID as sent");
	check(r.rcode == (copy[3] & 0xfu), "the rcode as sent");
	check(r.tc == ((copy[2] >> 1) & 1), "TC as sent");
	check(r.ancount == ((unsigned)copy[6] << 8 | copy[7]), "ANCOUNT");
	if (r.rcode != 0)
		check(r.n_addrs == 0, "no addresses in an error");
	{
		size_t kept = r.n_addrs < max ? r.n_addrs : max;
		uint32_t min = 0;

		if (kept > DS_DNSQ_ADDRS_MAX)
			kept = DS_DNSQ_ADDRS_MAX;
		for (size_t i = 0; i < kept; i++) {
			check(addrs[i].addr.family ==
			        (qtype == DS_DNSQ_TYPE_A ? AF_INET : AF_INET6),
			    "addresses of the type asked");
			check(addrs[i].ttl <= 0x7fffffffu,
			    "no TTL with its high bit set");
			if (i == 0 || addrs[i].ttl < min)
				min = addrs[i].ttl;
		}
		if (kept > 0 && kept == r.n_addrs)
			check(r.min_ttl == min, "the smallest TTL");
		if (r.n_addrs == 0)
			check(r.min_ttl == 0, "no TTL without an address");
	}
	free(copy);
	return 0;
}
