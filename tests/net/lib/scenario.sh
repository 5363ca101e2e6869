# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# TAP and run helpers for the scenario tests that ask things from the
# client namespace of tests/net/lib/netns.sh (resolve.sh, dns.sh); sourced
# after netns.sh, used after netns_setup. Lives in tests/net/lib/ so that
# tests/run.sh never runs it.
#
#   ok TEXT, not_ok TEXT [LINE...], check TEXT WANT GOT
#                  TAP lines; not_ok also shows the last run's command,
#                  exit status and output. n and failed count them.
#   run CMD...     CMD in the client namespace, 30 s at most; sets rc,
#                  ms (the wall time), out (stdout), and the context
#                  not_ok shows. Files go to $NETNS_DIR.
#   q EXPR         a Python expression on the last run's JSON (as j),
#                  printed; a list or tuple as its items with spaces.

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	local l
	for l in "$@"; do echo "#   $l"; done
	if [ -n "${last_out:-}" ]; then
		echo "#   the run: $last_cmd (exit $rc)"
		sed 's/^/#     /' "$last_out" "$last_out.err"
	fi
}
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1" "want: $2" "got:  $3"
	fi
}

run_no=0
run() {
	local t0
	run_no=$((run_no + 1))
	last_out=$NETNS_DIR/run$run_no
	last_cmd="$*"
	t0=$EPOCHREALTIME
	netns_exec client timeout 30 "$@" >"$last_out" 2>"$last_out.err"
	rc=$?
	# shellcheck disable=SC2034 # read by the tests that source this
	ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" \
		'BEGIN { printf "%.0f", (b - a) * 1000 }')
	out=$(cat "$last_out")
}

q() {
	printf '%s' "$out" | "$NETNS_PY" -c '
import json, sys
try:
    j = json.loads(sys.stdin.read())
except ValueError as e:
    print("no JSON: %s" % e)
    sys.exit(0)
try:
    r = eval(sys.argv[1])
except Exception as e:
    r = "error: %r" % e
print(" ".join(map(str, r)) if isinstance(r, (list, tuple)) else r)' "$1"
}
