#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Run every libFuzzer target for a bounded time.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# SECONDS is per target (default 60). Without TARGET names, every fuzz/*.c
# that defines LLVMFuzzerTestOneInput is run. The build directory is
# $DS_FUZZ_BUILDDIR, default build-fuzz/ at the top of the source tree; it is
# configured on first use as
#
#   CC=clang meson setup build-fuzz -Dbuildtype=debugoptimized \
#       -Db_sanitize=address,undefined -Db_lundef=false \
#       -Dc_args=-fsanitize=fuzzer-no-link
#
# so that the library is compiled with coverage instrumentation (without it
# libFuzzer is blind inside the parsers) and ASan + UBSan; the fuzz targets
# add -fsanitize=fuzzer themselves (fuzz/meson.build). Needs clang and
# libFuzzer: on Debian 12, apt-get install clang libclang-rt-14-dev.
#
# Each target starts from a copy of fuzz/corpus/TARGET/ in a scratch
# directory, so what libFuzzer learns never lands in the source tree. On a
# crash, the scratch directory is kept and the crashing input's path is
# printed, with the command that reproduces it; copy the input into
# fuzz/corpus/TARGET/ once the bug is fixed, as a regression test.
#
# Exit status: 0 when no target crashed, 1 when one did, 2 on a setup error.

set -u

secs=${1:-60}
[ $# -gt 0 ] && shift
case $secs in
'' | *[!0-9]*)
	echo "usage: $0 [SECONDS] [TARGET...]" >&2
	exit 2
	;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${DS_FUZZ_BUILDDIR:-$top/build-fuzz}

if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz: clang not found (apt-get install clang libclang-rt-14-dev)" >&2
	exit 2
fi

if [ ! -f "$builddir/build.ninja" ]; then
	log=$(mktemp) || exit 2
	if ! CC=clang meson setup "$builddir" "$top" \
	    -Dbuildtype=debugoptimized \
	    -Db_sanitize=address,undefined -Db_lundef=false \
	    -Dc_args=-fsanitize=fuzzer-no-link >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		echo "fuzz: meson setup failed" >&2
		exit 2
	fi
	rm -f "$log"
fi

# A build directory made before a fuzz target was added knows nothing of
# it: let ninja regenerate the build files first if meson.build changed.
if ! ninja -C "$builddir" build.ninja >/dev/null 2>&1; then
	echo "fuzz: cannot regenerate $builddir" >&2
	exit 2
fi

if [ $# -gt 0 ]; then
	targets=$*
else
	targets=
	for f in "$top"/fuzz/*.c; do
		grep -q LLVMFuzzerTestOneInput "$f" || continue
		case $f in */replay.c) continue ;; esac
		t=$(basename "$f" .c)
		targets="$targets $t"
	done
fi

for t in $targets; do
	if ! meson compile -C "$builddir" "fuzz-$t" >/dev/null; then
		meson compile -C "$builddir" "fuzz-$t" >&2
		echo "fuzz: cannot build fuzz-$t (is $builddir a clang build?)" >&2
		exit 2
	fi
done

status=0
for t in $targets; do
	bin=$builddir/fuzz/fuzz-$t
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/ds-fuzz-$t.XXXXXX") || exit 2
	mkdir "$scratch/corpus" "$scratch/artifacts"
	if [ -d "$top/fuzz/corpus/$t" ]; then
		cp -R "$top/fuzz/corpus/$t/." "$scratch/corpus/"
	fi
	set -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=512 -print_final_stats=1 \
	    -artifact_prefix="$scratch/artifacts/"
	if [ -f "$top/fuzz/$t.dict" ]; then
		set -- "$@" -dict="$top/fuzz/$t.dict"
	fi
	echo "fuzz: $t for $secs s (scratch $scratch)"
	"$bin" "$@" "$scratch/corpus" >"$scratch/log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		tail -n 12 "$scratch/log" | grep -E '^(stat::|Done)' || true
		echo "fuzz: $t: no crash"
		rm -rf "$scratch"
		continue
	fi
	status=1
	tail -n 60 "$scratch/log"
	echo "fuzz: $t: FAILED (exit $rc); full log: $scratch/log"
	for a in "$scratch"/artifacts/*; do
		[ -e "$a" ] || continue
		echo "fuzz: $t: crashing input: $a"
		echo "fuzz: reproduce with: $bin $a"
	done
done
exit $status
