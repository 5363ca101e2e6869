/* SPDX-License-Identifier: MIT */
/*
 * The least any reader of a pcap file must do: read(2) it in 1 MiB pieces
 * and step over the record headers, looking at nothing else. bench/ra.sh
 * times it beside "ra watch -r" and tcpdump, as the floor both stand on.
 * Prints the number of records. Never a test.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	FILE_HDR = 24, /* pcap global header */
	REC_HDR = 16,  /* ts_sec, ts_frac, incl_len, orig_len */
	PIECE = 1 << 20,
};

int
main(int argc, char **argv)
{
	uint8_t *buf = malloc(PIECE);
	size_t have = 0, off = 0;
	bool first = true;
	uint64_t n = 0;
	int fd;

	if (argc != 2 || !buf) {
		fprintf(stderr, "usage: pcap-read-floor FILE.pcap\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	for (;;) {
		ssize_t r;

		/* Keep the part of a record the last piece cut. */
		memmove(buf, buf + off, have - off);
		have -= off;
		off = 0;
		r = read(fd, buf + have, PIECE - have);
		if (r <= 0)
			break;
		have += (size_t)r;
		if (first) {
			if (have < FILE_HDR)
				continue;
			off = FILE_HDR;
			first = false;
		}
		while (off + REC_HDR <= have) {
			uint32_t incl;

			memcpy(&incl, buf + off + 8, sizeof(incl));
			if (incl > PIECE - REC_HDR) {
				fprintf(
				    stderr, "%s: record too large\n", argv[1]);
				return 1;
			}
			if (off + REC_HDR + incl > have)
				break;
			off += REC_HDR + incl;
			n++;
		}
	}
	close(fd);
	free(buf);
	printf("%llu\n", (unsigned long long)n);
	return 0;
}
