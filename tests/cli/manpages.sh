#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The man pages as a terminal of 80 columns shows them: no word broken
# with a hyphen (a name or an option split that way does not survive
# copy and paste; groff prints U+2010 there), and every example command
# ("$ ..." lines) within 80 columns. Needs groff (groff-base).
. "$(dirname "$0")/lib.sh"
: "${DS_BUILD:?}"
if ! command -v groff >/dev/null || ! command -v col >/dev/null; then
	echo "skip: groff or col is not installed (groff-base, bsdextrautils)"
	exit 77
fi
pages=$(ls "$DS_BUILD"/doc/*.[13] 2>/dev/null)
if [ -z "$pages" ]; then
	echo "skip: no man pages built (scdoc missing?)"
	exit 77
fi
for m in $pages; do
	name=$(basename "$m")
	groff -t -man -Tutf8 -rLL=80n -rLT=80n "$m" 2>/dev/null | col -bx >"$_tmp/page"
	check "$name: no hyphen breaks a word" 0 \
		"$(grep -c $'\xe2\x80\x90' "$_tmp/page")"
	long=$(grep -E '^ +\$ ' "$_tmp/page" | awk 'length > 80')
	check "$name: every example command fits 80 columns" "" "$long"
done
done_testing
