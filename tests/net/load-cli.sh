#!/usr/bin/env bash
# dualstack load, end to end on loopback, against dualstack serve from the
# same build: exact counts and valid JSON for each protocol on 127.0.0.1
# and ::1, duration runs, connect-only runs, refused, timeout and mismatch
# errors with exit status 1, Ctrl-C, the progress line (only on a
# terminal), and usage errors.
#
# Servers run in the background with their log in a file; the real port
# is read from the "listening on" line. Every wait is bounded and every
# process started here is killed on exit.
. "$(dirname "$0")/../cli/lib.sh"

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$_tmp"
}
trap cleanup EXIT

# serve NAME ARGS...: "dualstack serve --quiet ARGS" in the background;
# sets $port (empty if it did not start within 5 s).
serve() {
	local name=$1
	shift
	"$DUALSTACK" serve --quiet "$@" >"$_tmp/$name.log" 2>&1 &
	pids+=($!)
	port=
	for _ in $(seq 100); do
		port=$(grep -m1 -oE 'listening on [^ ]*:[0-9]+' \
			"$_tmp/$name.log" 2>/dev/null | grep -oE '[0-9]+$')
		[ -n "$port" ] && return 0
		sleep 0.05
	done
	echo "# serve $name did not start:" >&2
	sed 's/^/#   /' "$_tmp/$name.log" >&2
	return 1
}

# load ARGS...: dualstack load, 60 s at most; sets $out, $err, $rc.
load() {
	run_ds load "$@"
	if [ $rc -eq 124 ]; then echo "# dualstack load $* timed out" >&2; fi
}
run_ds() {
	timeout 60 "$DUALSTACK" "$@" >"$_tmp/out" 2>"$_tmp/err"
	rc=$?
	out=$(cat "$_tmp/out")
	err=$(cat "$_tmp/err")
}

# check_py NAME EXPR: EXPR, a Python expression on the JSON document j,
# must be true.
check_py() {
	local got
	got=$(json_get "bool($2)")
	if [ "$got" = True ]; then ok "$1"; else
		not_ok "$1" "expression: $2" "got: $got" "json: $(echo "$out" | tr -d '\n' | cut -c1-300)"
	fi
}

ERRS_ZERO='all(v == 0 for v in j["errors"].values()) and j["other_error"] is None'
ORDERED='j["latency_us"]["min"] <= j["latency_us"]["p50"] <= j["latency_us"]["p90"] <= j["latency_us"]["p99"] <= j["latency_us"]["p999"] <= j["latency_us"]["max"]'

# --- usage -------------------------------------------------------------------
run_ds load --help
check "--help exits 0" 0 "$rc"
case "$out" in "usage: dualstack load"*"--proto"*"--timeout"*) ok "--help shows the options" ;;
*) not_ok "--help shows the options" "$out" ;; esac
run_ds help
case "$out" in *"load "*) ok "dualstack help lists load" ;;
*) not_ok "dualstack help lists load" "$out" ;; esac

usage_case() { # NAME ARGS...
	local name=$1
	shift
	run_ds load "$@"
	if [ "$rc" = 2 ] && [ -n "$err" ]; then ok "usage: $name"; else
		not_ok "usage: $name" "want exit 2 and a message" "got $rc: $err"
	fi
}
usage_case "no target"
usage_case "two targets" 127.0.0.1:7 127.0.0.1:8
usage_case "no port" 127.0.0.1
usage_case "port 0" 127.0.0.1:0
usage_case "no host" :7
usage_case "IPv6 without brackets" ::1:7
usage_case "-c 0" -c 0 127.0.0.1:7
usage_case "-c not a number" -c ten 127.0.0.1:7
usage_case "-c above the limit" -c 70000 127.0.0.1:7
usage_case "-n 0" -n 0 127.0.0.1:7
usage_case "-n negative" -n -5 127.0.0.1:7
usage_case "-m not a number" -m lots 127.0.0.1:7
usage_case "-m inf without -d" -m inf 127.0.0.1:7
usage_case "-d 0" -d 0 127.0.0.1:7
usage_case "-d not a number" -d soon 127.0.0.1:7
usage_case "--timeout 0" --timeout 0 127.0.0.1:7
usage_case "--proto unknown" --proto http 127.0.0.1:7
usage_case "-s 0 with echo" -s 0 127.0.0.1:7
usage_case "-s too large" -s 99999999 127.0.0.1:7
usage_case "unknown option" --frobnicate 127.0.0.1:7
usage_case "missing value" 127.0.0.1:7 -c
case "$err" in *"usage: dualstack load"*) ok "usage errors print the usage" ;;
*) not_ok "usage errors print the usage" "$err" ;; esac

# --- echo, counted exactly, both families ------------------------------------
if ! serve echo4 --proto echo --listen 127.0.0.1:0; then
	not_ok "dualstack serve starts"
	done_testing
	exit
fi
p4=$port

load 127.0.0.1:$p4 -c 8 -n 40 -m 25 -s 100 --json
check "echo v4: exit 0" 0 "$rc"
check_py "echo v4: 40 connections, all ok" \
	'j["connections"] == 40 and j["connections_ok"] == 40 and j["connections_failed"] == 0'
check_py "echo v4: 40 x 25 messages" 'j["messages"] == 1000'
check_py "echo v4: bytes both ways" \
	'j["bytes_sent"] == 100000 and j["bytes_received"] == 100000'
check_py "echo v4: no errors" "$ERRS_ZERO"
check_py "echo v4: percentiles ordered" "$ORDERED"
check_py "echo v4: one latency per message" 'j["latency_us"]["count"] == 1000'
check_py "echo v4: rates" \
	'j["connections_per_s"] > 0 and j["messages_per_s"] > 0 and j["mb_per_s"] > 0 and j["duration_ms"] > 0'
check_py "echo v4: rates agree with counts" \
	'abs(j["messages_per_s"] * j["duration_ms"] / 1000 - 1000) < 2'
check_py "echo v4: the run as asked" \
	'j["target"] == "127.0.0.1:'$p4'" and j["protocol"] == "echo" and j["concurrency"] == 8 and j["size"] == 100 and j["messages_per_connection"] == 25'
check_py "echo v4: not interrupted" 'j["interrupted"] is False'

if serve echo6 --proto echo --listen "[::1]:0"; then
	p6=$port
	load "[::1]:$p6" -c 5 -n 10 -m 7 -s 33 --json
	check "echo v6: exit 0" 0 "$rc"
	check_py "echo v6: counts" \
		'j["connections_ok"] == 10 and j["messages"] == 70 and j["bytes_sent"] == 70 * 33'
	check_py "echo v6: no errors" "$ERRS_ZERO"
	check_py "echo v6: target" 'j["target"] == "[::1]:'$p6'"'
	# A name: localhost may resolve to either family first; a second
	# server on [::1] with the IPv4 server's port takes both.
	if serve echo6same --proto echo --listen "[::1]:$p4"; then
		load localhost:$p4 -c 2 -n 4 -m 3 --json
		check "name: localhost resolves and runs" 0 "$rc"
		check_py "name: the name as given is kept" \
			'j["target_given"] == "localhost:'$p4'" and j["messages"] == 12'
	else
		ok "name: localhost # SKIP no second server on [::1]:$p4"
	fi
else
	ok "echo v6 # SKIP no IPv6 loopback here"
fi

# --- a name's address is chosen by a Happy Eyeballs race ---------------------
load "localhost:$p4" -c 1 -n 1 -m 1 -v
check "-v: exit 0" 0 "$rc"
case "$err" in *"attempt 1 "*":$p4"*"connected"*)
	ok "-v prints the race on stderr" ;;
*) not_ok "-v prints the race on stderr" "$err" ;; esac
if serve v4only --proto echo --listen 127.0.0.1:0; then
	pv4=$port
	load "localhost:$pv4" -c 2 -n 4 -m 2 --json
	check "localhost: exit 0" 0 "$rc"
	check_py "localhost: the run went to 127.0.0.1" \
		'j["target"] == "127.0.0.1:'$pv4'" and j["connections_ok"] == 4'
	check_py "localhost: the race is reported" \
		'j["target_race"]["attempts"] >= 1 and j["target_race"]["elapsed_ms"] >= 0'
	# Only IPv6 may race: ::1 refuses, and the run never starts.
	load "localhost:$pv4" -6 -c 1 -n 1 -m 1 --json
	check "localhost -6: the race fails, exit 1" 1 "$rc"
	case "$err" in *"attempt 1 [::1]:$pv4"*"efused"*"cannot connect"*)
		ok "a failed race prints its trace and the reason" ;;
	*) not_ok "a failed race prints its trace and the reason" "$err" ;; esac
	load "127.0.0.1:$pv4" -6 -n 1
	check "-6 with an IPv4 address: usage error" 2 "$rc"
	load "127.0.0.1:$pv4" -c 1 -n 1 -m 1 --json
	check_py "an address is loaded as given, no race" \
		'j["target_race"] is None and j["connections_ok"] == 1'
else
	not_ok "serve v4only starts"
fi

# --- text output; the progress line only on a terminal ------------------------
load 127.0.0.1:$p4 -c 4 -n 8 -m 5
check "text: exit 0" 0 "$rc"
case "$out" in *"connections     8 ok, 0 failed"*"messages        40 "*"latency (us)"*"p99.9"*"errors          none"*)
	ok "text: counts, latency and errors" ;;
*) not_ok "text: counts, latency and errors" "$out" ;; esac
case "$out" in *$'\r'*) not_ok "text: no progress line when not a terminal" "$out" ;;
*) ok "text: no progress line when not a terminal" ;; esac
if command -v script >/dev/null; then
	timeout 20 script -qec "$DUALSTACK load 127.0.0.1:$p4 -c 2 -d 0.7" \
		/dev/null >"$_tmp/tty" 2>&1
	if grep -q $'\r'".*conns [0-9]* (.*msgs" "$_tmp/tty"; then
		ok "tty: a progress line rewritten with CR"
	else
		not_ok "tty: a progress line rewritten with CR" \
			"$(tr '\r' '|' <"$_tmp/tty" | head -c 400)"
	fi
	case "$(tr -d '\r' <"$_tmp/tty")" in *"errors          none"*)
		ok "tty: the report follows" ;;
	*) not_ok "tty: the report follows" "$(head -c 400 "$_tmp/tty")" ;; esac
	# Progress is a diagnostic: on stderr, so a report sent to a file
	# stays clean while the terminal still shows the progress.
	timeout 20 script -qec "$DUALSTACK load 127.0.0.1:$p4 -c 2 -d 0.7 >$_tmp/ttyout" \
		/dev/null >"$_tmp/tty2" 2>&1
	if grep -q $'\r'".*conns [0-9]* (.*msgs" "$_tmp/tty2" &&
		! grep -q $'\r' "$_tmp/ttyout" &&
		grep -q "errors          none" "$_tmp/ttyout"; then
		ok "tty: progress on stderr, the report on stdout"
	else
		not_ok "tty: progress on stderr, the report on stdout" \
			"$(tr '\r' '|' <"$_tmp/ttyout" | head -c 400)"
	fi
else
	ok "tty: progress line # SKIP no script(1)"
	ok "tty: report # SKIP no script(1)"
	ok "tty: progress on stderr # SKIP no script(1)"
fi

# --- framed protocols ----------------------------------------------------------
if serve len32 --proto len32 --listen 127.0.0.1:0; then
	load 127.0.0.1:$port --proto len32 -c 4 -n 12 -m 10 -s 300 --json
	check "len32: exit 0" 0 "$rc"
	check_py "len32: counts, header included in bytes" \
		'j["messages"] == 120 and j["bytes_sent"] == 120 * 304 and j["bytes_received"] == 120 * 304'
	check_py "len32: no errors" "$ERRS_ZERO"
	load 127.0.0.1:$port --proto len32 -c 2 -n 2 -m 5 -s 0 --json
	check "len32: empty frames" "0 20" "$rc $(json_get 'j["messages"] * 2')"
else
	not_ok "serve --proto len32 starts"
fi
if serve line --proto line --listen 127.0.0.1:0; then
	load 127.0.0.1:$port --proto line -c 4 -n 12 -m 10 -s 80 --json
	check "line: exit 0" 0 "$rc"
	check_py "line: counts, newline included in bytes" \
		'j["messages"] == 120 and j["bytes_sent"] == 120 * 81'
	check_py "line: no errors" "$ERRS_ZERO"
else
	not_ok "serve --proto line starts"
fi

# --- duration and connect-only runs -------------------------------------------
load 127.0.0.1:$p4 -c 4 -d 0.5 --json
check "-d: exit 0" 0 "$rc"
check_py "-d: connections stay open to the end" \
	'j["connections"] == 4 and j["connections_ok"] == 4 and j["messages_per_connection"] is None'
check_py "-d: messages flowed" 'j["messages"] > 0'
check_py "-d: ends on time" '500 <= j["duration_ms"] < 3000'

load 127.0.0.1:$p4 -c 4 -n 20 -m 0 --json
check "-m 0: exit 0" 0 "$rc"
check_py "-m 0: connections only" \
	'j["connections_ok"] == 20 and j["messages"] == 0 and j["connect_us"]["count"] == 20'

# --- errors: exit 1, counted by kind -----------------------------------------
# A port bound but not listening: every connect is refused.
timeout 30 "$PY" -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(25)' >"$_tmp/closed-port" &
pids+=($!)
for _ in $(seq 100); do [ -s "$_tmp/closed-port" ] && break; sleep 0.05; done
closed=$(cat "$_tmp/closed-port")
load 127.0.0.1:$closed -c 5 -n 20 --json
check "refused: exit 1" 1 "$rc"
check_py "refused: all 20 counted" \
	'j["errors"]["refused"] == 20 and j["connections_failed"] == 20 and j["messages"] == 0'
load 127.0.0.1:$closed -n 3
check "refused, text: exit 1" 1 "$rc"
case "$out" in *"errors          refused 3"*) ok "refused, text: named" ;;
*) not_ok "refused, text: named" "$out" ;; esac

# A server that never answers: timeouts, within the timeout.
if serve discard --proto discard --listen 127.0.0.1:0; then
	load 127.0.0.1:$port -c 3 -n 3 --timeout 0.3 --json
	check "timeout: exit 1" 1 "$rc"
	check_py "timeout: 3 counted" 'j["errors"]["timeout"] == 3'
	check_py "timeout: on time" '300 <= j["duration_ms"] < 1500'
else
	not_ok "serve --proto discard starts"
fi

# A server that sends what was never asked: mismatch.
if serve source --proto source --listen 127.0.0.1:0; then
	load 127.0.0.1:$port -c 2 -n 4 --json
	check "mismatch: exit 1" 1 "$rc"
	check_py "mismatch: counted" 'j["errors"]["mismatch"] == 4 and j["messages"] == 0'
else
	not_ok "serve --proto source starts"
fi

# --- Ctrl-C: a report of what was done ----------------------------------------
"$DUALSTACK" load 127.0.0.1:$p4 -c 4 -d 30 --json >"$_tmp/int.json" 2>"$_tmp/int.err" &
lpid=$!
pids+=($lpid)
sleep 0.5
kill -INT $lpid
rc=124
for _ in $(seq 100); do
	if ! kill -0 $lpid 2>/dev/null; then wait $lpid; rc=$?; break; fi
	sleep 0.05
done
check "SIGINT: exits 130 at once (128 + SIGINT, after the report)" 130 "$rc"
out=$(cat "$_tmp/int.json")
check_py "SIGINT: reported as interrupted" \
	'j["interrupted"] is True and j["messages"] > 0 and j["duration_ms"] < 5000'

done_testing
