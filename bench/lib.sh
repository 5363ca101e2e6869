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
