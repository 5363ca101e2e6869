# TAP helpers for the CLI tests; sourced, not run.
#   DUALSTACK  the binary under test (tests/run.sh sets it)
set -u
: "${DUALSTACK:?set DUALSTACK to the dualstack binary}"
_n=0
_failed=0
_tmp=$(mktemp -d)
trap 'rm -rf "$_tmp"' EXIT

# Python with Debian's packages, for JSON validation.
PY=/usr/bin/python3

ok() { _n=$((_n + 1)); echo "ok $_n - $1"; }
not_ok() {
	_n=$((_n + 1)); _failed=$((_failed + 1))
	echo "not ok $_n - $1"
	shift
	for l in "$@"; do echo "#   $l"; done
}

# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1" "want: $(printf %q "$2")" "got:  $(printf %q "$3")"
	fi
}

# run_ds ARGS...: runs dualstack; sets $out, $err, $rc.
run_ds() {
	"$DUALSTACK" "$@" >"$_tmp/out" 2>"$_tmp/err"
	rc=$?
	out=$(cat "$_tmp/out")
	err=$(cat "$_tmp/err")
}

# json_get EXPR: evaluate a Python expression on the JSON in $out (as j).
json_get() {
	printf '%s' "$out" | $PY -c "import json,sys; j=json.load(sys.stdin); print($1)" 2>&1
}

done_testing() {
	echo "1..$_n"
	[ $_failed -eq 0 ]
}
