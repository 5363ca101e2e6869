# Shared by the bench scripts; sourced (by sh or bash), not run.
#
# bench_build TARGET...: make sure $DS_BENCH_BUILDDIR (default build-bench/
# at the top of the tree, $top, which the caller sets) is a release build
# and build TARGETs in it. Every benchmark uses the same directory, so make
# bench compiles the project once. Sets $builddir; exits 1 when the build
# fails.

bench_build() {
	builddir=${DS_BENCH_BUILDDIR:-$top/build-bench}
	if [ ! -f "$builddir/build.ninja" ]; then
		log=$(mktemp) || exit 1
		if ! meson setup "$builddir" "$top" -Dbuildtype=release \
		    -Db_ndebug=true >"$log" 2>&1; then
			cat "$log" >&2
			rm -f "$log"
			echo "bench: meson setup failed" >&2
			exit 1
		fi
		rm -f "$log"
	else
		meson configure "$builddir" -Dbuildtype=release \
		    -Db_ndebug=true || exit 1
	fi
	if ! ninja -C "$builddir" "$@" >/dev/null; then
		ninja -C "$builddir" "$@" >&2
		echo "bench: cannot build $*" >&2
		exit 1
	fi
}

# bench_free_port ADDR: a TCP port free on ADDR, from 20000 to 31999: below
# the ephemeral range, where the TIME_WAIT sockets a load leaves behind
# can block a later bind.
bench_free_port() {
	/usr/bin/python3 -c 'import random, socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
for _ in range(200):
    port = random.randrange(20000, 32000)
    s = socket.socket(fam)
    try:
        s.bind((sys.argv[1], port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    sys.exit(0)
sys.exit(1)' "$1"
}
