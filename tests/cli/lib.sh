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

# start_dnsd NAME ARGS...: tests/net/lib/dnsd.py on 127.0.0.1 and ::1 with
# ARGS, on a free port put in $port_NAME; its pid joins the array pids
# (which the caller declares), and dnsd_stop, called from the caller's
# EXIT trap, ends them. Retried on another port if the one picked got
# taken; "Bail out!" if it never starts.
start_dnsd() {
	local name=$1 port i try pid
	local dnsd=${DS_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/net/lib/dnsd.py
	shift
	for try in 1 2 3 4 5; do
		port=$($PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		rm -f "$_tmp/$name.pid"
		$PY "$dnsd" --listen 127.0.0.1 --listen ::1 --port "$port" \
			--pidfile "$_tmp/$name.pid" "$@" 2>"$_tmp/$name.err" &
		pid=$!
		for i in $(seq 100); do
			[ -s "$_tmp/$name.pid" ] && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		if [ -s "$_tmp/$name.pid" ]; then
			pids+=("$pid")
			printf -v "port_$name" '%s' "$port"
			return 0
		fi
		kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	done
	echo "Bail out! cannot start dnsd.py: $(cat "$_tmp/$name.err")"
	exit 1
}

dnsd_stop() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
}
