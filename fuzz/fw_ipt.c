/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for ds_fw_load_ipt(): iptables-save and
 * ip6tables-save text (the first byte picks the family).
 *
 * Besides "no crash, no undefined behaviour, no leak": a failure is a
 * documented code at a line that exists and a column within it (or
 * just past its end); the rules before the bad line load alone; on
 * success the count is the number of "-A" lines, and the model checks
 * of fw_check.h hold.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dualstack/error.h"
#include "dualstack/fw.h"

#include "fw_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 65536

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ds_fw *fw = NULL;
	struct ds_fw_pos pos;
	int family;
	char *s;
	int r;

	if (size < 1)
		return 0;
	family = data[0] & 1 ? AF_INET6 : AF_INET;
	data++;
	size--;
	if (size > MAX_INPUT)
		size = MAX_INPUT;
	s = malloc(size ? size : 1);
	if (!s || ds_fw_new(&fw) < 0) {
		free(s);
		return 0;
	}
	memcpy(s, data, size);
	memset(&pos, 0, sizeof(pos));
	r = ds_fw_load_ipt(fw, family, s, size, &pos);
	if (r < 0) {
		size_t line = 1, start = 0, len;

		FW_CHECK(r == -ENOMEM ||
		    (r <= -DS_E_FW_JSON && r >= -DS_E_FW_TOO_BIG));
		FW_CHECK(pos.line >= 1 && pos.column >= 1);
		for (size_t i = 0; i < size && line < pos.line; i++)
			if (s[i] == '\n') {
				line++;
				start = i + 1;
			}
		/* A missing COMMIT is reported on the line after the last. */
		FW_CHECK(line == pos.line || r == -DS_E_FW_IPT_COMMIT);
		len = 0;
		while (start + len < size && s[start + len] != '\n')
			len++;
		if (line == pos.line)
			FW_CHECK(pos.column <= len + 1);
	} else {
		int n = 0;
		size_t i = 0;

		/* Every rule is one "-A" line (perhaps after counters). */
		while (i < size) {
			const char *nl = memchr(s + i, '\n', size - i);
			size_t e = nl ? (size_t)(nl - s) : size;
			size_t k = i;

			while (k < e &&
			    (s[k] == ' ' || s[k] == '\t' || s[k] == '\r'))
				k++;
			if (k < e && s[k] == '[') {
				while (k < e && s[k] != ' ' && s[k] != '\t')
					k++;
				while (k < e && (s[k] == ' ' || s[k] == '\t'))
					k++;
			}
			if (e - k >= 2 && s[k] == '-' && s[k + 1] == 'A')
				n++;
			i = e + 1;
		}
		FW_CHECK(r == n);
	}
	fw_check_model(fw, data, size);
	ds_fw_free(fw);
	free(s);
	return 0;
}
