#!/usr/bin/env bash
# The shared library exports exactly the functions the public headers mark
# DS_EXPORT: nothing internal leaks, nothing declared is missing.
. "$(dirname "$0")/lib.sh"
: "${DS_TOP:?}" "${DS_BUILD:?}"

so=$(ls "$DS_BUILD"/lib/libdualstack.so.* 2>/dev/null | head -1)
if [ -z "$so" ] || ! command -v nm >/dev/null; then
	echo "skip: no shared library or nm"; exit 77
fi
nm -D --defined-only "$so" | awk '$2 == "T" || $2 == "D" || $2 == "R" {print $3}' |
	sed 's/@.*//' | grep -v '^LIBDUALSTACK' | sort -u >"$_tmp/exported"
grep -h -A1 '^DS_EXPORT' "$DS_TOP"/include/dualstack/*.h |
	grep -oE '\bds_[a-z0-9_]+\(' | tr -d '(' | sort -u >"$_tmp/declared"
check "exported symbols match DS_EXPORT declarations" "" \
	"$(diff "$_tmp/declared" "$_tmp/exported" | grep '^[<>]' | tr '\n' ' ')"
check "no internal ds__ symbol exported" "0" "$(grep -c '^ds__' "$_tmp/exported")"
check "soname is versioned" "1" \
	"$(objdump -p "$so" | grep -c 'SONAME.*libdualstack.so.0')"
done_testing
