#!/usr/bin/env bash
# Run every test program and sum their TAP results:
#   tests/run.sh BUILD_DIR
#
# Test programs: the cmocka unit tests (BUILD/tests/test-*), the CLI
# scripts (tests/cli/*.sh), the fuzz corpus replays (BUILD/fuzz/
# fuzz-replay-*) and a short libFuzzer run (fuzz/run.sh, when clang is
# there). Each prints TAP; a program that dies, times out or prints fewer
# results than its plan counts as failed. Exit status 77 means skipped.
# The last line is "N passed, N failed, N skipped".
set -u

build=${1:?usage: tests/run.sh BUILD_DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
per_test_timeout=${TEST_TIMEOUT:-600}

passed=0 failed=0 skipped=0
failed_names=()

export CMOCKA_MESSAGE_OUTPUT=TAP
export DUALSTACK="$build/src/dualstack"
export DS_BUILD="$build"
export DS_TOP="$top"
# Leaks are failures; UBSan stops at the first error.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

logdir="$build/test-logs"
mkdir -p "$logdir"

# run NAME CMD...: run one TAP program and add up its results.
run() {
	local name=$1 log="$logdir/${1//\//-}.log" rc
	shift
	timeout --kill-after=10 "$per_test_timeout" "$@" >"$log" 2>&1
	rc=$?
	if [ $rc -eq 77 ]; then
		skipped=$((skipped + 1))
		printf '%-28s skipped: %s\n' "$name" \
			"$(grep -m1 -i 'skip' "$log" || echo 'no reason given')"
		return
	fi
	local ok notok skip plan
	# cmocka 1.1.5 prints a skipped test as "not ok N # SKIP", TAP
	# producers in general as "ok N # SKIP": both are skips.
	ok=$(grep -E '^ok [0-9]+' "$log" | grep -cvE '# *SKIP')
	skip=$(grep -cE '^(not )?ok [0-9]+.*# *SKIP' "$log")
	notok=$(grep -E '^not ok [0-9]+' "$log" | grep -cvE '# *SKIP')
	plan=$(grep -m1 -oE '^1\.\.[0-9]+' "$log" | cut -d. -f3)
	# Results the plan promised but the program never printed (it
	# crashed or hung) count as failures; so does a bad exit with none.
	local seen=$((ok + skip + notok)) missing=0
	if [ -n "$plan" ] && [ "$plan" -gt "$seen" ]; then
		missing=$((plan - seen))
	fi
	if [ $rc -ne 0 ] && [ $notok -eq 0 ] && [ $missing -eq 0 ]; then
		missing=1
	fi
	notok=$((notok + missing))
	passed=$((passed + ok))
	failed=$((failed + notok))
	skipped=$((skipped + skip))
	if [ $notok -gt 0 ]; then
		failed_names+=("$name")
		printf '%-28s %d passed, %d FAILED (exit %d; log %s)\n' \
			"$name" "$ok" "$notok" "$rc" "$log"
		grep -E '^not ok|ERROR|error|Assert|FAIL|runtime error' \
			"$log" | head -20 | sed 's/^/    /'
	else
		printf '%-28s %d passed%s\n' "$name" "$ok" \
			"$([ $skip -gt 0 ] && echo ", $skip skipped")"
	fi
}

for t in "$build"/tests/test-*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	case $(basename "$t") in test-net-*) continue ;; esac # below
	run "unit/$(basename "$t" | sed 's/^test-//')" "$t"
done

for t in "$build"/tests/test-net-*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	run "net/$(basename "$t" | sed 's/^test-net-//')" "$t"
done

# Scenario scripts: network namespaces (root only; they skip otherwise).
for t in "$top"/tests/net/*.sh; do
	[ -f "$t" ] || continue
	[ "$(basename "$t")" = lib.sh ] && continue
	run "net/$(basename "$t" .sh)" bash "$t"
done

for t in "$top"/tests/cli/*.sh; do
	[ -f "$t" ] || continue
	[ "$(basename "$t")" = lib.sh ] && continue # sourced by the others
	run "cli/$(basename "$t" .sh)" bash "$t"
done

for t in "$build"/fuzz/fuzz-replay-*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	target=$(basename "$t" | sed 's/^fuzz-replay-//')
	run "fuzz-replay/$target" "$t" "$top/fuzz/corpus/$target"
done

# A short coverage-guided run of every fuzz target: a crash fails it.
if [ "${CHECK_FUZZ_SECONDS:-0}" -gt 0 ]; then
	run "fuzz/libfuzzer" bash -c '
		if ! command -v clang >/dev/null; then
			echo "skip: clang is not installed"; exit 77
		fi
		echo 1..1
		if "$DS_TOP/fuzz/run.sh" "$CHECK_FUZZ_SECONDS"; then
			echo "ok 1 - every fuzz target ran without a crash"
		else
			echo "not ok 1 - a fuzz target crashed (see above)"
		fi'
fi

echo
if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
