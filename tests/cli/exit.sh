#!/bin/bash
# Exit codes, one rule for every command (dualstack(1), EXIT STATUS): 3 for
# a system error such as a port in use, 3 when reach check cannot reach its
# checker (not 1, which would blame the tested path), and 128 + the signal
# for a client command stopped by SIGINT or SIGTERM, after a one-line
# summary on stderr. Loopback only; every process is ended by its pid.
. "$(dirname "$0")/lib.sh"

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$_tmp"
}
trap cleanup EXIT

# An echo server for the clients, on a port the kernel picks.
"$DUALSTACK" serve --listen 127.0.0.1:0 --proto echo >"$_tmp/serve.log" 2>&1 &
pids+=($!)
port=
for _ in $(seq 100); do
	port=$(grep -m1 -oE 'listening on [^ ]*:[0-9]+' "$_tmp/serve.log" | grep -oE '[0-9]+$')
	[ -n "$port" ] && break
	sleep 0.05
done
if [ -z "$port" ]; then
	not_ok "the echo server started" "$(cat "$_tmp/serve.log")"
	done_testing
	exit
fi

# --- A port in use is a system error: 3, and the message says so. -----------
for c in "serve --listen" "reach serve --listen" "proxy --to 127.0.0.1:1 --listen"; do
	# shellcheck disable=SC2086 # the command's words
	run_ds $c "127.0.0.1:$port"
	check "${c% --*}: a port in use exits 3" 3 "$rc"
	case "$err" in *"Address already in use (another socket has it"*) ok "${c% --*}: the port in use said plainly" ;;
	*) not_ok "${c% --*}: the port in use said plainly" "$err" ;; esac
done

# --- reach check: a checker that cannot be reached is not a broken path. -----
python3_free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
free=$(python3_free_port)
run_ds reach check -4 "127.0.0.1:$free"
check "reach check, checker refused: exit 3" 3 "$rc"
case "$out" in *"not checked: control connection to 127.0.0.1 port $free"*) ok "reach check: 'not checked', the checker named" ;;
*) not_ok "reach check: 'not checked', the checker named" "$out" ;; esac
case "$out" in *"Nothing was tested: the checker itself could not be reached"*) ok "reach check: the diagnosis does not blame the path" ;;
*) not_ok "reach check: the diagnosis does not blame the path" "$out" ;; esac

# --- SIGINT on a client: 130 after its summary. --------------------------------
# sigint NAME CMD...: start CMD, send SIGINT after a second, wait.
sigint() {
	local name=$1
	shift
	"$@" >"$_tmp/$name.out" 2>"$_tmp/$name.err" &
	local p=$!
	sleep 1
	kill -INT "$p"
	wait "$p"
	rc=$?
	out=$(cat "$_tmp/$name.out")
	err=$(cat "$_tmp/$name.err")
}
sigint load "$DUALSTACK" load -d 30s "127.0.0.1:$port"
check "load: SIGINT exits 130" 130 "$rc"
case "$out" in *"(interrupted)"*) ok "load: the report is printed first" ;;
*) not_ok "load: the report is printed first" "$out" ;; esac
if [[ $err =~ interrupted\ by\ SIGINT\ after\ [0-9.]+\ s:\ [0-9]+\ connections,\ [1-9][0-9]*\ round\ trips ]]; then
	ok "load: a one-line summary on stderr"
else
	not_ok "load: a one-line summary on stderr" "$err"
fi

# connect relaying: stdin stays open (sleep), the peer echoes one line.
{ echo hello; sleep 5; } | {
	sigint connect "$DUALSTACK" connect --no-cache 127.0.0.1 "$port"
	echo "$rc" >"$_tmp/connect.rc"
}
check "connect: SIGINT while relaying exits 130" 130 "$(cat "$_tmp/connect.rc")"
check "connect: what came before the signal was written" hello "$(cat "$_tmp/connect.out")"
case "$(cat "$_tmp/connect.err")" in *"interrupted by SIGINT after "*" s: 6 bytes sent, 6 received"*) ok "connect: bytes both ways in the summary" ;;
*) not_ok "connect: bytes both ways in the summary" "$(cat "$_tmp/connect.err")" ;; esac

# resolve waiting on a DNS server that never answers (a bound UDP socket).
/usr/bin/python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",0))
open(sys.argv[1],"w").write(str(s.getsockname()[1])); time.sleep(20)' "$_tmp/dns.port" &
pids+=($!)
for _ in $(seq 100); do [ -s "$_tmp/dns.port" ] && break; sleep 0.05; done
dns=$(cat "$_tmp/dns.port")
sigint resolve "$DUALSTACK" resolve --no-cache --no-hosts --server "127.0.0.1:$dns" --timeout 10s x.test
check "resolve: SIGINT exits 130" 130 "$rc"
case "$err" in *"interrupted by SIGINT after "*": no answer came"*) ok "resolve: a one-line summary" ;;
*) not_ok "resolve: a one-line summary" "$err" ;; esac

# A server stopped by SIGINT is a clean stop.
sigint serve "$DUALSTACK" serve --listen 127.0.0.1:0
check "serve: SIGINT exits 0" 0 "$rc"

done_testing
