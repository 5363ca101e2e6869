#!/usr/bin/env bash
# The README's library example compiles against the public headers, links
# and prints what the README says it prints.
. "$(dirname "$0")/lib.sh"
: "${DS_TOP:?}" "${DS_BUILD:?}"

awk '/^```c$/{f=1; next} /^```$/{f=0} f' "$DS_TOP/README.md" >"$_tmp/ex.c"
check "README has one C example" "1" "$(grep -c '^int main' "$_tmp/ex.c")"
# The same sanitizer flags as the build, so the static library links.
flags=$(grep -o -- '-fsanitize=[a-z,]*' "$DS_BUILD/build.ninja" | head -1)
if cc -std=c17 -Wall -Werror $flags -I "$DS_TOP/include" "$_tmp/ex.c" \
	"$DS_BUILD/lib/libdualstack.a" -o "$_tmp/ex" 2>"$_tmp/cc"; then
	ok "README example compiles"
else
	not_ok "README example compiles" "$(cat "$_tmp/cc")"
fi
want=$(grep -o 'prints `[^`]*`' "$DS_TOP/README.md" | head -1 | sed 's/prints `//; s/`$//')
check "README example prints what README says" "$want" "$("$_tmp/ex" 2>&1)"
done_testing
