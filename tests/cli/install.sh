#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make install PREFIX=DIR after a build set up for the default prefix:
# everything lands in DIR and nowhere else (/usr/local untouched), the
# installed program runs, "pkg-config --cflags libdualstack" names our
# headers only, and a C program built with the installed pkg-config file
# runs. As root also: with the library directory in the dynamic linker's
# path, make install runs ldconfig and that program runs without
# LD_LIBRARY_PATH. About a minute (a build of its own).
. "$(dirname "$0")/lib.sh"
: "${DS_TOP:?}"
for t in meson ninja pkg-config cc make; do
	if ! command -v "$t" >/dev/null; then
		echo "skip: $t is not installed"; exit 77
	fi
done
b=$_tmp/build p=$_tmp/prefix

touch "$_tmp/stamp"
sleep 1 # mtimes have a resolution: anything written after is newer
if ! meson setup "$b" "$DS_TOP" >"$_tmp/setup.log" 2>&1; then
	not_ok "meson setup with the default prefix" "$(tail -5 "$_tmp/setup.log")"
	done_testing; exit 1
fi
make -s -C "$DS_TOP" install PREFIX="$p" BUILD="$b" >"$_tmp/install.log" 2>&1
check "make install PREFIX=DIR: exit 0" 0 "$?"
[ -x "$p/bin/dualstack" ] && ok "the program is in DIR/bin" ||
	not_ok "the program is in DIR/bin" "$(tail -5 "$_tmp/install.log")"
check "... and runs" 0 "$("$p/bin/dualstack" --version >/dev/null; echo $?)"
[ -f "$p/include/dualstack/dualstack.h" ] && ok "the headers are in DIR/include" ||
	not_ok "the headers are in DIR/include"
[ -f "$p/share/man/man1/dualstack-reach.1" ] && ok "the man pages are in DIR/share/man" ||
	not_ok "the man pages are in DIR/share/man"
for f in bash-completion/completions/dualstack zsh/site-functions/_dualstack \
	fish/vendor_completions.d/dualstack.fish; do
	[ -s "$p/share/$f" ] && ok "the completion is in DIR/share/$f" ||
		not_ok "the completion is in DIR/share/$f"
done
grep -q -- 'complete -o filenames -F _dualstack dualstack' \
	"$p/share/bash-completion/completions/dualstack" &&
	ok "the installed bash completion is the generated script" ||
	not_ok "the installed bash completion is the generated script"
pc=$(find "$p" -name libdualstack.pc | head -1)
lib=$(dirname "$(dirname "$pc")")
[ -n "$pc" ] && ok "the pkg-config file is installed ($pc)" ||
	not_ok "the pkg-config file is installed"
check "nothing was written under /usr/local" "" \
	"$(find /usr/local -newer "$_tmp/stamp" -print 2>/dev/null | head -3)"
has_out=$(cat "$_tmp/install.log")
if printf '%s' "$has_out" | grep -q "installed: $p/bin/dualstack"; then
	ok "make install says where the program went"
else
	not_ok "make install says where the program went" "$has_out"
fi
if printf '%s' "$has_out" | grep -q "not on PATH"; then
	ok "... and how to put it on PATH"
else
	not_ok "... and how to put it on PATH" "$has_out"
fi

export PKG_CONFIG_PATH=$lib/pkgconfig
check "pkg-config --cflags names our headers only" "-I$p/include" \
	"$(pkg-config --cflags libdualstack | sed 's/ *$//')"

cat >"$_tmp/prog.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <dualstack/dualstack.h>

int
main(void)
{
	const char *in = "2001:0db8:0000::0001";
	struct ds_addr a;
	char out[DS_ADDR_STRLEN];

	if (ds_addr_parse(in, strlen(in), 0, &a, NULL) < 0 ||
	    ds_addr_format(&a, 0, out, sizeof(out)) < 0)
		return 1;
	puts(out);
	return 0;
}
C
# shellcheck disable=SC2046 # the flags are words
if cc -o "$_tmp/prog" "$_tmp/prog.c" $(pkg-config --cflags --libs libdualstack) \
	2>"$_tmp/cc.log"; then
	ok "a program builds with the installed pkg-config file"
else
	not_ok "a program builds with the installed pkg-config file" "$(head -5 "$_tmp/cc.log")"
fi
check "... and runs against the installed library" "2001:db8::1" \
	"$(LD_LIBRARY_PATH=$lib "$_tmp/prog" 2>&1)"

if [ "$(id -u)" = 0 ] && [ -d /etc/ld.so.conf.d ]; then
	conf=/etc/ld.so.conf.d/ds-test-install-$$.conf
	echo "$lib" >"$conf"
	trap 'rm -f "$conf"; ldconfig; rm -rf "$_tmp"' EXIT
	make -s -C "$DS_TOP" install PREFIX="$p" BUILD="$b" >"$_tmp/install2.log" 2>&1
	check "as root, with DIR in ld.so's path: make install, exit 0" 0 "$?"
	check "... the program runs without LD_LIBRARY_PATH (ldconfig ran)" \
		"2001:db8::1" "$(env -u LD_LIBRARY_PATH "$_tmp/prog" 2>&1)"
	if grep -q "not in the dynamic linker's path" "$_tmp/install2.log"; then
		not_ok "... and no note about the linker's path" "$(cat "$_tmp/install2.log")"
	else
		ok "... and no note about the linker's path"
	fi
else
	ok "# SKIP ldconfig: needs root"
fi
done_testing
