/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the probe payload of ds_mcast,
 * ds_mcast_probe_decode(): "mcast listen" and "mcast ping" read every
 * datagram that arrives on a group through it, from any sender.
 *
 * Besides "no crash, no undefined behaviour, no read past the input" (the
 * input is copied into a buffer of exactly its size), a decoded probe
 * must keep the header's promises: a known kind, and encoded again it
 * gives the input's first DS_MCAST_PROBE_LEN bytes back, but for the
 * reserved octet, which is ignored on input and sent as 0. A failure is
 * -EBADMSG and nothing else.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dualstack/mcast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ds_mcast_probe p;
	uint8_t *copy = malloc(size ? size : 1), again[DS_MCAST_PROBE_LEN];
	int r;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	r = ds_mcast_probe_decode(copy, size, &p);
	if (r != 0 && r != -EBADMSG)
		abort();
	if (r == 0) {
		if (size < DS_MCAST_PROBE_LEN ||
		    !ds_mcast_probe_kind_token(p.kind))
			abort();
		if (ds_mcast_probe_encode(&p, again, sizeof(again)) !=
		    DS_MCAST_PROBE_LEN)
			abort();
		copy[7] = 0;
		if (memcmp(again, copy, DS_MCAST_PROBE_LEN) != 0)
			abort();
	}
	free(copy);
	return 0;
}
