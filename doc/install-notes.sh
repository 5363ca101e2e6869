#!/bin/sh
# SPDX-License-Identifier: MIT
#
# After "make install": refresh the dynamic linker's cache when root, and
# say where things went and what, if anything, the user still has to do.
# Run by the Makefile with PREFIX (absolute) and BUILD set.
set -u
lib=$(meson introspect --installed "$BUILD" |
	/usr/bin/python3 -c 'import json, sys
for dst in json.load(sys.stdin).values():
    if dst.endswith("/libdualstack.so"):
        print(dst.rsplit("/", 1)[0])
        break')
if [ "$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then
	ldconfig
fi
echo "installed: $PREFIX/bin/dualstack, libdualstack in $lib"
case ":$PATH:" in
*":$PREFIX/bin:"*) ;;
*) echo "note: $PREFIX/bin is not on PATH: export PATH=\"$PREFIX/bin:\$PATH\"" ;;
esac
if [ -n "$lib" ] && ! ldconfig -p 2>/dev/null | grep -q " => $lib/libdualstack.so"; then
	echo "note: $lib is not in the dynamic linker's path: programs linked"
	echo "  against libdualstack.so need LD_LIBRARY_PATH=$lib, an rpath, or"
	echo "  the directory in /etc/ld.so.conf.d/ and ldconfig (the dualstack"
	echo "  program itself links the library statically and needs none)"
fi
if [ -n "$lib" ]; then
	case ":${PKG_CONFIG_PATH:-}:" in
	*":$lib/pkgconfig:"*) ;;
	*) case $PREFIX in /usr | /usr/local) ;;
	   *) echo "note: for pkg-config: export PKG_CONFIG_PATH=\"$lib/pkgconfig\"" ;;
	   esac ;;
	esac
fi
