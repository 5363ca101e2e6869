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

# --- Every command under SIGINT/SIGTERM: one table (dualstack(1), EXIT
# STATUS). A one-shot client exits 128 + the signal after one summary line;
# a server exits 0; a capture or watch ends as by itself, 0, with its
# counts. Each command is left waiting on something that never answers:
# a listener whose accept queue is full (loopback drops the SYNs), the
# silent DNS socket above, a pipe that stays open.

# A TCP listener on loopback with a full accept queue: connects to it hang.
/usr/bin/python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(0)
c=socket.create_connection(s.getsockname())
d=[]
for _ in range(2):
    x=socket.socket(); x.setblocking(False)
    try: x.connect(s.getsockname())
    except BlockingIOError: pass
    d.append(x)
open(sys.argv[1],"w").write(str(s.getsockname()[1])); time.sleep(60)' "$_tmp/hole.port" &
pids+=($!)
for _ in $(seq 100); do [ -s "$_tmp/hole.port" ] && break; sleep 0.05; done
hole=$(cat "$_tmp/hole.port")

# A pcap stream that never ends: the file header, then nothing.
mkfifo "$_tmp/pcap"
pcap_open() {
	{ printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00'
	  sleep 30; } >"$_tmp/pcap" &
	writer=$!
}

# signal_case NAME SIGNAL WANT_RC STDERR_PATTERN CMD...: run CMD with
# SIGINT at its default disposition (a shell script's background job
# would ignore it), send SIGNAL after a second, and check the exit status
# and standard error (a glob; "" for no check). stdin is $STDIN or
# /dev/null. A command still running 10 s later fails the case.
signal_case() {
	local name=$1 sig=$2 want=$3 pat=$4 p t
	shift 4
	/usr/bin/python3 -c 'import os,signal,sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$@" <"${STDIN:-/dev/null}" \
		>"$_tmp/case.out" 2>"$_tmp/case.err" &
	p=$!
	sleep 1
	kill -"$sig" "$p" 2>/dev/null
	for t in $(seq 100); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$p" 2>/dev/null; then
		kill -9 "$p"
		wait "$p" 2>/dev/null
		not_ok "$name: $sig ends it" "still running 10 s after $sig"
		return
	fi
	wait "$p"
	rc=$?
	err=$(cat "$_tmp/case.err")
	check "$name: $sig exits $want" "$want" "$rc"
	if [ -n "$pat" ]; then
		# shellcheck disable=SC2053 # a glob on purpose
		if [[ $err == $pat ]]; then ok "$name: $sig summary"; else
			not_ok "$name: $sig summary" "want: $pat" "got: $err"
		fi
	fi
}
D=$DUALSTACK
sum="*interrupted by SIGINT after [0-9]*.[0-9][0-9][0-9] s: *"
sumterm="*interrupted by SIGTERM after [0-9]*.[0-9][0-9][0-9] s: *"

# One-shot clients: 128 + the signal, one line saying how far they got.
signal_case "connect" INT 130 "$sum" "$D" connect --no-cache --probe 127.0.0.1 "$hole"
signal_case "connect" TERM 143 "$sumterm" "$D" connect --no-cache --probe 127.0.0.1 "$hole"
signal_case "load" INT 130 "${sum}connections*" "$D" load -n 5 -c 1 "127.0.0.1:$hole"
signal_case "load" TERM 143 "${sumterm}connections*" "$D" load -n 5 -c 1 "127.0.0.1:$hole"
signal_case "resolve" INT 130 "${sum}no answer came*" "$D" resolve --no-cache --no-hosts --server "127.0.0.1:$dns" --timeout 10s x.test
signal_case "dns" INT 130 "${sum}*queries answered or timed out" "$D" dns --server "127.0.0.1:$dns" --timeout 10s x.test
signal_case "dns" TERM 143 "${sumterm}*queries answered or timed out" "$D" dns --server "127.0.0.1:$dns" --timeout 10s x.test
signal_case "doctor" INT 130 "${sum}*--probe race not finished" "$D" doctor --probe "127.0.0.1:$hole"
signal_case "doctor" TERM 143 "${sumterm}*--probe race not finished" "$D" doctor --probe "127.0.0.1:$hole"
signal_case "reach check" INT 130 "${sum}IPv4 check unfinished after *" "$D" reach check -4 --test-family 4 --timeout 20s "127.0.0.1:$hole"
signal_case "reach check" TERM 143 "${sumterm}IPv4 check unfinished after *" "$D" reach check -4 --test-family 4 --timeout 20s "127.0.0.1:$hole"

# Servers: a clean stop.
signal_case "serve" TERM 0 "" "$D" serve --listen 127.0.0.1:0
signal_case "proxy" INT 0 "" "$D" proxy --listen 127.0.0.1:0 --to "127.0.0.1:$port"
signal_case "proxy" TERM 0 "" "$D" proxy --listen 127.0.0.1:0 --to "127.0.0.1:$port"
signal_case "reach serve" INT 0 "" "$D" reach serve --listen 127.0.0.1:0
signal_case "reach serve" TERM 0 "" "$D" reach serve --listen 127.0.0.1:0

# Captures and watches: their normal end.
pcap_open
STDIN=$_tmp/pcap signal_case "dissect -r -" INT 0 "" "$D" dissect -r -
kill "$writer" 2>/dev/null
pcap_open
STDIN=$_tmp/pcap signal_case "dissect -r -" TERM 0 "" "$D" dissect -r -
kill "$writer" 2>/dev/null
pcap_open
STDIN=$_tmp/pcap signal_case "ra watch -r -" INT 0 "*0 Router Advertisements read, 0 routers, 0 events*" "$D" ra watch -r -
kill "$writer" 2>/dev/null
mport=$(python3_free_port)
signal_case "mcast send" INT 0 "" "$D" mcast send "239.255.77.1:$mport" -i lo
signal_case "mcast listen" INT 1 "" "$D" mcast listen "239.255.77.1:$mport" -i lo
signal_case "mcast ping" INT 1 "" "$D" mcast ping "239.255.77.1:$mport" -i lo
if [ "$(id -u)" = 0 ]; then
	signal_case "dissect -i lo" INT 0 "*packets captured*" "$D" dissect -i lo -c 1000000 'tcp port 1'
	signal_case "dissect -i lo -q" INT 0 "" "$D" dissect -q -i lo 'tcp port 1'
	case "$err" in *captured*) not_ok "dissect -q: no counts" "$err" ;; *) ok "dissect -q: no counts" ;; esac
	signal_case "ra watch -i lo" INT 0 "*Router Advertisements read*" "$D" ra watch -i lo
else
	ok "# SKIP dissect -i, ra watch -i: not root"
fi

# addr and firewall do not wait on the network; reading standard input,
# a signal ends them as any program (the shell's 128 + the signal).
mkfifo "$_tmp/idle"
{ sleep 30; } >"$_tmp/idle" &
idle=$!
STDIN=$_tmp/idle signal_case "addr --canonical (stdin)" INT 130 "" "$D" addr --canonical
kill "$idle" 2>/dev/null
{ sleep 30; } >"$_tmp/idle" &
idle=$!
STDIN=$_tmp/idle signal_case "firewall check" INT 130 "" "$D" firewall check --file -
kill "$idle" 2>/dev/null

done_testing
