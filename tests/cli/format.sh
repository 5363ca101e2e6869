#!/usr/bin/env bash
# Every C source follows .clang-format (the house style), as CI checks.
. "$(dirname "$0")/lib.sh"
: "${DS_TOP:?}"
if ! command -v clang-format >/dev/null; then
	echo "skip: clang-format is not installed"; exit 77
fi
cd "$DS_TOP"
for f in $(git ls-files --cached --others --exclude-standard '*.c' '*.h'); do
	if clang-format --style=file --dry-run --Werror "$f" >/dev/null 2>"$_tmp/fmt"; then
		ok "clang-format: $f"
	else
		not_ok "clang-format: $f" "$(head -5 "$_tmp/fmt")"
	fi
done
done_testing
