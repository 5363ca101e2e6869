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
 *
 * The same input, its first octet choosing the file, goes through
 * ds_mcast_proc_parse(), which reads /proc/net/igmp and its kin: the
 * count it returns is the same whatever room it is given, and an error
 * names a line within the text.
 *
 * And the input as a raw IP frame goes through ds_mcast_report_match(),
 * which mcast check runs on every frame it captures: for an ASM and an
 * SSM join of each family, it answers 0 or 1 (or the decoder's error),
 * and with 1 a report kind of the group's family.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dualstack/mcast.h"
#include "dualstack/packet.h"

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
	if (size > 0) {
		struct ds_mcast_membership m[4];
		enum ds_mcast_proc kind = (enum ds_mcast_proc)(data[0] % 5);
		size_t line = 0, lines = 1;
		int a = ds_mcast_proc_parse(
		    kind, (const char *)copy + 1, size - 1, m, 4, &line);
		int b = ds_mcast_proc_parse(
		    kind, (const char *)copy + 1, size - 1, NULL, 0, NULL);

		for (size_t i = 1; i < size; i++)
			lines += copy[i] == '\n';
		if (a != b || (a < 0 && a != -EBADMSG && a != -EINVAL) ||
		    (a == -EBADMSG && (line == 0 || line > lines)))
			abort();
	}
	{
		static const uint8_t g6[16] = {
		    0xff, 0x3e, [12] = 0x80, [15] = 1};
		static const uint8_t s6[16] = {
		    0x20, 0x01, 0x0d, 0xb8, [15] = 1};
		struct ds_mcast_spec sp[4] = {0};

		ds_addr_from_v4(0xe8010101, &sp[0].group);
		ds_addr_from_v4(0xe8010101, &sp[1].group);
		ds_addr_from_v4(0xc6336401, &sp[1].source);
		ds_addr_from_v6(g6, &sp[2].group);
		ds_addr_from_v6(g6, &sp[3].group);
		ds_addr_from_v6(s6, &sp[3].source);
		for (size_t i = 0; i < 4; i++) {
			enum ds_mcast_report_kind k = 0;
			int m = ds_mcast_report_match(
			    copy, size, DS_LINK_RAW, &sp[i], &k);

			if (r == 1 &&
			    (k < DS_MCAST_REPORT_IGMPV1 ||
			        k > DS_MCAST_REPORT_MLDV2 ||
			        (i < 2) != (k <= DS_MCAST_REPORT_IGMPV3)))
				abort();
			if (m > 1 || (m < 0 && m != -EINVAL))
				abort();
		}
	}
	free(copy);
	return 0;
}
