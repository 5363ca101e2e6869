/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for ds_fw_load_nft(): the JSON "nft -j list ruleset"
 * prints, or a file handed to "dualstack firewall check --file".
 *
 * Besides "no crash, no undefined behaviour, no leak": a failure is a
 * documented code with a position (a line for a syntax error, else the
 * object's index, 0 only when the top level is wrong); on success every
 * rule formats, and packets made from the input's bytes evaluate to a
 * verdict in range whose deciding rule exists.
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

/* Past this, only more rules. */
#define MAX_INPUT 65536

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ds_fw *fw = NULL;
	struct ds_fw_pos pos;
	char *s;
	int r;

	if (size > MAX_INPUT)
		size = MAX_INPUT;
	s = malloc(size ? size : 1);
	if (!s || ds_fw_new(&fw) < 0) {
		free(s);
		return 0;
	}
	memcpy(s, data, size);
	memset(&pos, 0, sizeof(pos));
	r = ds_fw_load_nft(fw, s, size, &pos);
	if (r < 0) {
		FW_CHECK(r == -ENOMEM ||
		    (r <= -DS_E_FW_JSON && r >= -DS_E_FW_TOO_BIG));
		if (r == -DS_E_FW_JSON)
			FW_CHECK(pos.line >= 1 && pos.item == 0);
		else if (pos.item == 0)
			FW_CHECK(r == -DS_E_FW_SCHEMA);
	}
	fw_check_model(fw, data, size);
	ds_fw_free(fw);
	free(s);
	return 0;
}
