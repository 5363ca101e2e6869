#!/usr/bin/env bash
# dualstack serve --accept-proxy on loopback, no root needed: the PROXY
# header seen end to end. "dualstack proxy --send-proxy v1" and "v2" in
# front of "dualstack serve --accept-proxy --proto tuple", over 127.0.0.1
# and over ::1: the tuple line and the serve log name the proxy's client
# (its own address and port) and proxied_by the proxy's end toward serve,
# the port the proxy logs as local=. HAProxy with send-proxy-v2 and
# send-proxy in front too, when installed. Then the refusals, each reset
# and logged with its reason: an untrusted peer, a malformed header, no
# header, a v2 header too long, a client that gives up halfway, a header
# that never comes whole; the JSON log; usage errors; and without
# --accept-proxy a PROXY header is data. With a sanitizer build, no
# report may appear.
#
# Every process started here is killed on exit; every wait is bounded.
. "$(dirname "$0")/lib.sh"

PATH=$PATH:/usr/sbin:/sbin
HAPROXY=$(command -v haproxy)

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$_tmp"
}
trap cleanup EXIT

if ! "$PY" -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	echo "skip: no IPv6 on loopback (::1)"
	exit 77
fi

TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

# has NAME TEXT PATTERN: TEXT matches the extended regex PATTERN.
has() {
	if printf '%s' "$2" | grep -qE -- "$3"; then ok "$1"; else
		not_ok "$1" "want: /$3/" "got:" "$(printf '%s' "$2" | head -20)"
	fi
}

# count NAME REGEX: lines of NAME.log matching REGEX.
count() {
	grep -cE -- "$2" "$_tmp/$1.log"
}

# start NAME ARGS...: "dualstack ARGS" in the background, stdout in
# $_tmp/NAME.log, stderr in NAME.err; waits for its first "listening"
# line (5 s at most) and sets $pid and $port.
start() {
	local name=$1
	shift
	"$DUALSTACK" "$@" >"$_tmp/$name.log" 2>"$_tmp/$name.err" &
	pid=$!
	pids+=("$pid")
	port=
	for _ in $(seq 100); do
		port=$(grep -m1 -oE 'listening on [^ ]*:[0-9]+|"port":[0-9]+' \
			"$_tmp/$name.log" 2>/dev/null | grep -oE '[0-9]+$')
		[ -n "$port" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "# no 'listening' line in $name.log:" >&2
	sed 's/^/#   /' "$_tmp/$name.log" "$_tmp/$name.err" >&2
	return 1
}

# wait_log NAME REGEX [COUNT]: until NAME.log has COUNT (1) such lines.
wait_log() {
	for _ in $(seq 100); do
		[ "$(count "$1" "$2")" -ge "${3:-1}" ] && return 0
		sleep 0.05
	done
	return 1
}

# stop PID: SIGTERM, 10 s at most; sets $rc (124: still running).
stop() {
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 200); do
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1"
			rc=$?
			return 0
		fi
		sleep 0.05
	done
	rc=124
}

# cl HOST PORT TEXT [PAUSE]: connect from HOST's family, send TEXT
# (backslash escapes allowed), wait PAUSE seconds (0), shut down the
# sending side, read to EOF; with PAUSE "read", read to EOF first, then
# close (HAProxy aborts the server side of a client that shuts down
# before the server has answered). Prints "LOCALPORT REPR(DATA)", or
# "LOCALPORT reset" when the connection was reset.
cl() {
	timeout 20 "$PY" - "$@" <<'EOF'
import errno, socket, sys, time
h, p = sys.argv[1], int(sys.argv[2])
t = sys.argv[3].encode().decode("unicode_escape").encode("latin-1")
pause = sys.argv[4] if len(sys.argv) > 4 else "0"
s = socket.socket(socket.AF_INET6 if ":" in h else socket.AF_INET)
s.settimeout(10)
s.bind((h, 0))  # the port is known even if connect() meets a reset
try:
    s.connect((h, p))
    if t:
        s.sendall(t)
    if pause == "read":
        b = b""
        while True:
            d = s.recv(4096)
            if not d:
                break
            b += d
        print(s.getsockname()[1], repr(b.decode()))
        sys.exit(0)
    time.sleep(float(pause))
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        # Only a reset takes a connected socket out of that state here.
        if e.errno != errno.ENOTCONN:
            raise
        raise ConnectionResetError from e
    b = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        b += d
    print(s.getsockname()[1], repr(b.decode()))
except ConnectionResetError:
    print(s.getsockname()[1], "reset")
EOF
}

# wait_listen PORT PID: until something listens on PORT (5 s at most)
# while PID runs.
wait_listen() {
	for _ in $(seq 100); do
		"$PY" - "$1" <<'EOF' && return 0
import sys
port = int(sys.argv[1])
for f in ("/proc/net/tcp", "/proc/net/tcp6"):
    for line in open(f).readlines()[1:]:
        w = line.split()
        if w[3] == "0A" and int(w[1].rsplit(":", 1)[1], 16) == port:
            sys.exit(0)
sys.exit(1)
EOF
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# free_port ADDR: a port nobody listens on now.
free_port() {
	"$PY" -c '
import socket, sys
a = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
s.bind((a, 0))
print(s.getsockname()[1])' "$1"
}

# --- usage --------------------------------------------------------------------------
run_ds serve --help
case "$out" in *"--accept-proxy"*"--trusted PREFIX"*"--header-timeout SEC"*)
	ok "serve --help: --accept-proxy, --trusted, --header-timeout" ;;
*) not_ok "serve --help: --accept-proxy, --trusted, --header-timeout" "$out" ;; esac
# usage NAME WANT ARGS...: exit 2 and WANT in the message.
usage() {
	local name=$1 want=$2
	shift 2
	run_ds serve --listen 127.0.0.1:0 "$@"
	if [ "$rc" = 2 ] && [[ $err == *"$want"* ]]; then ok "usage: $name"; else
		not_ok "usage: $name" "want: exit 2, '$want'" "got: exit $rc, $err"
	fi
}
usage "--accept-proxy without --trusted" "--accept-proxy needs --trusted: who may send a header" --accept-proxy
usage "--trusted without --accept-proxy" "--trusted needs --accept-proxy" --trusted 127.0.0.1
usage "a bad --trusted prefix names its column" "--trusted '127.0.0.1,10.0.0.0/33': column 20" \
	--accept-proxy --trusted 127.0.0.1,10.0.0.0/33
usage "an empty --trusted prefix" "--trusted '127.0.0.1,': an empty prefix" \
	--accept-proxy --trusted 127.0.0.1,
usage "--header-timeout 0" "--header-timeout takes seconds from 0.001 to 86400, not '0'" \
	--accept-proxy --trusted 127.0.0.1 --header-timeout 0

# --- behind dualstack proxy --send-proxy ------------------------------------------------
# One tuple server on a dual socket that trusts both loopbacks; proxies
# reach it over 127.0.0.1 (their clients on ::1) and over ::1 (clients on
# 127.0.0.1), with v1 and v2.
start tup serve --listen '[::]:0' --proto tuple --accept-proxy \
	--trusted 127.0.0.1 --trusted ::1
S=$port
tup_pid=$pid
n=0
for v in v1 v2; do
	for via in 127.0.0.1 ::1; do
		if [ "$via" = ::1 ]; then
			front=127.0.0.1 to="[::1]:$S" cfam=IPv4
			want_local="\[::1\]:$S" want_via='\[::1\]'
			want_client="127\.0\.0\.1"
		else
			front=::1 to="127.0.0.1:$S" cfam=IPv6
			want_local="127\.0\.0\.1:$S" want_via='127\.0\.0\.1'
			want_client='\[::1\]'
		fi
		name="px$v-${via//:/}"
		fl=$front
		[ "$front" = ::1 ] && fl="[::1]"
		start "$name" proxy --listen "$fl:0" --to "$to" --send-proxy "$v" || continue
		P=$port
		ppid=$pid
		read -r cport line <<<"$(cl "$front" "$P" '')"
		has "proxy --send-proxy $v via $via: the tuple line names the proxy's client and the proxy" \
			"$line" "^'tcp $want_client:$cport -> $want_local $cfam proxied_by=$want_via:[0-9]+ header=$v\\\\n'\$"
		wait_log "$name" ' conn '
		lport=$(grep -oE ' local=[^ ]+' "$_tmp/$name.log" | head -n1 | grep -oE '[0-9]+$')
		check "proxy --send-proxy $v via $via: proxied_by is the proxy's end toward serve (its local=)" \
			"$lport" "$(printf '%s' "$line" | grep -oE 'proxied_by=[^ ]+' | grep -oE '[0-9]+$')"
		n=$((n + 1))
		wait_log tup ' close ' "$n"
		check "proxy --send-proxy $v via $via: serve's open and close lines say the same" 2 \
			"$(count tup "^$TS (open |close) tcp $want_client:$cport -> $want_local $cfam proxied_by=$want_via:$lport header=$v( |\$)")"
		stop "$ppid"
	done
done
check "behind the proxy: every connection closed with client-eof" 4 \
	"$(count tup 'header=v[12] in=0 out=[0-9]+ duration=[0-9.]+(us|ms|s) reason=client-eof$')"
stop "$tup_pid"
check "tuple server: exit 0 on SIGTERM" 0 "$rc"

# --- behind HAProxy ----------------------------------------------------------------------
if [ -n "$HAPROXY" ]; then
	start hatup serve --listen 127.0.0.1:0 --proto tuple --accept-proxy \
		--trusted 127.0.0.0/8
	S=$port
	hatup_pid=$pid
	h1=$(free_port ::1)
	h2=$(free_port ::1)
	cat >"$_tmp/haproxy.cfg" <<EOF
global
	maxconn 64
defaults
	mode tcp
	timeout connect 5s
	timeout client 10s
	timeout server 10s
frontend fe_v1
	bind [::1]:$h1
	default_backend be_v1
frontend fe_v2
	bind [::1]:$h2
	default_backend be_v2
backend be_v1
	server s1 127.0.0.1:$S send-proxy
backend be_v2
	server s1 127.0.0.1:$S send-proxy-v2
EOF
	"$HAPROXY" -db -f "$_tmp/haproxy.cfg" >"$_tmp/haproxy.out" 2>&1 &
	hapid=$!
	pids+=("$hapid")
	if wait_listen "$h1" "$hapid" && wait_listen "$h2" "$hapid"; then
		for v in v2 v1; do
			h=$h2
			[ $v = v1 ] && h=$h1
			name="haproxy send-proxy$([ $v = v2 ] && echo -v2)"
			read -r cport line <<<"$(cl ::1 "$h" '' read)"
			has "$name: the tuple line names haproxy's client" \
				"$line" "^'tcp \[::1\]:$cport -> 127\.0\.0\.1:$S IPv6 proxied_by=127\.0\.0\.1:[0-9]+ header=$v\\\\n'\$"
			wait_log hatup " close tcp \[::1\]:$cport "
			check "$name: serve's close line too" 1 \
				"$(count hatup "^$TS close tcp \[::1\]:$cport -> 127\.0\.0\.1:$S IPv6 proxied_by=127\.0\.0\.1:[0-9]+ header=$v ")"
		done
	else
		not_ok "haproxy starts on [::1]:$h1 and [::1]:$h2" "$(cat "$_tmp/haproxy.out")"
	fi
	stop "$hatup_pid"
else
	ok "# SKIP haproxy is not installed"
fi

# --- refusals ------------------------------------------------------------------------------
start ref serve --listen '[::]:0' --accept-proxy --trusted 127.0.0.1 \
	--header-timeout 0.3
S=$port
read -r cport how <<<"$(cl 127.0.0.1 "$S" 'PROXY TCP6 2001:db8::7 2001:db8::1 40000 443\r\nhello')"
check "trusted v1 header: the bytes after it are echoed, not the header" "'hello'" "$how"
wait_log ref ' close '
check "trusted v1 header: logged as the header's client, proxied_by the sender" 1 \
	"$(count ref "^$TS close tcp \[2001:db8::7\]:40000 -> 127\.0\.0\.1:$S IPv6 proxied_by=127\.0\.0\.1:$cport header=v1 in=5 out=5 ")"

read -r cport how <<<"$(cl ::1 "$S" 'PROXY TCP4 192.0.2.7 192.0.2.1 40000 80\r\nhello')"
check "a header from an untrusted peer (::1): reset" reset "$how"
wait_log ref ' close ' 2
check "untrusted: open and close with its own address, reason untrusted" 2 \
	"$(count ref "^$TS (open |close) tcp \[::1\]:$cport -> \[::1\]:$S IPv6( in=0 out=0 duration=[0-9.]+(us|ms|s) reason=untrusted)?\$")"

read -r cport how <<<"$(cl 127.0.0.1 "$S" 'PROXY TCP4 192.0.2.999 192.0.2.1 40000 80\r\nhello')"
check "a malformed header: reset" reset "$how"
wait_log ref ' close ' 3
check "malformed: reason bad-header with where" 1 \
	"$(count ref "^$TS close tcp 127\.0\.0\.1:$cport -> 127\.0\.0\.1:$S IPv4 \(mapped\) in=0 out=0 duration=[0-9.]+(us|ms|s) reason=bad-header detail=\"v1: malformed at byte 19\"\$")"

read -r cport how <<<"$(cl 127.0.0.1 "$S" 'GET / HTTP/1.0\r\n\r\n')"
check "no header from a trusted peer: reset" reset "$how"
wait_log ref ' close ' 4
check "no header: reason bad-header (not a PROXY header)" 1 \
	"$(count ref "^$TS close tcp 127\.0\.0\.1:$cport .* reason=bad-header detail=\"not a PROXY header\"\$")"

read -r cport how <<<"$(cl 127.0.0.1 "$S" '\r\n\r\n\x00\r\nQUIT\n\x21\x11\xff\xff')"
check "a v2 header too long to hold: reset" reset "$how"
wait_log ref ' close ' 5
check "too long: reason bad-header (v2: too long at byte 14)" 1 \
	"$(count ref "^$TS close tcp 127\.0\.0\.1:$cport .* reason=bad-header detail=\"v2: too long at byte 14\"\$")"

read -r cport how <<<"$(cl 127.0.0.1 "$S" 'PROXY TCP4 1')"
check "a client that shuts down halfway through its header: reset" reset "$how"
wait_log ref ' close ' 6
check "halfway: reason bad-header, closed after 12 bytes" 1 \
	"$(count ref "^$TS close tcp 127\.0\.0\.1:$cport .* reason=bad-header detail=\"closed after 12 bytes, before a whole header\"\$")"

read -r cport how <<<"$(cl 127.0.0.1 "$S" 'PROXY ' 2)"
check "a header that never comes whole: reset" reset "$how"
wait_log ref ' close ' 7
check "late: reason header-timeout after --header-timeout 0.3" 1 \
	"$(count ref "^$TS close tcp 127\.0\.0\.1:$cport .* duration=[3-9][0-9]{2}ms reason=header-timeout detail=\"6 bytes in 300ms, no whole header\"\$")"
check "refusals: every open has its close" \
	"$(count ref " open ")" "$(count ref " close ")"
stop "$pid"

# --- the JSON log ----------------------------------------------------------------------------
start json serve --listen 127.0.0.1:0 --json --accept-proxy --trusted 127.0.0.1
S=$port
read -r cport how <<<"$(cl 127.0.0.1 "$S" 'PROXY TCP4 192.0.2.7 192.0.2.1 40000 80\r\nab')"
read -r cport2 how <<<"$(cl 127.0.0.1 "$S" 'PROXY TCP4 192.0.2.7 192.0.2.1 40000 99999\r\n')"
wait_log json '"event":"close"' 2
stop "$pid"
check "json: open and close with proxied_by and header; a bad header with size and offset" \
	"open 192.0.2.7:40000 ipv4 127.0.0.1:$cport 1
close 192.0.2.7:40000 ipv4 127.0.0.1:$cport 1 2 client-eof
open 127.0.0.1:$cport2 ipv4 - -
close 127.0.0.1:$cport2 ipv4 - - 0 bad-header 44 37 v1: malformed at byte 37" \
	"$("$PY" -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] not in ("open", "close"):
        continue
    f = [e["event"], e["peer"], e["family"], e.get("proxied_by", "-"),
         e.get("header", "-")]
    if e["event"] == "close":
        f += [e["bytes_in"], e["reason"]]
        f += [e[k] for k in ("size", "offset", "detail") if k in e]
    print(" ".join(str(x) for x in f))' "$_tmp/json.log" 2>&1)"

# --- without --accept-proxy ----------------------------------------------------------------
start off serve --listen 127.0.0.1:0
read -r cport how <<<"$(cl 127.0.0.1 "$port" 'PROXY TCP4 192.0.2.7 192.0.2.1 40000 80\r\n')"
check "without --accept-proxy a PROXY header is data: echoed" \
	"'PROXY TCP4 192.0.2.7 192.0.2.1 40000 80\\r\\n'" "$how"
wait_log off ' close '
check "without --accept-proxy: the real peer, no proxied_by" 1 \
	"$(count off "^$TS close tcp 127\.0\.0\.1:$cport -> 127\.0\.0\.1:$port IPv4 in=41 out=41 ")"
stop "$pid"

# --- durations with units -----------------------------------------------------------------
# A plain number stays seconds; 250ms and 1.5s are taken too.
start units serve --listen 127.0.0.1:0 --drain 1.5s --idle-timeout 250ms --header-timeout 500ms
read -r cport how <<<"$(cl 127.0.0.1 "$port" 'x' read)"
wait_log units ' close '
check "--idle-timeout 250ms: an idle connection closed for it" 1 \
	"$(count units "^$TS close tcp 127\.0\.0\.1:$cport .*reason=idle-timeout$")"
kill -TERM "$pid"
wait_log units 'draining'
check "--drain 1.5s: drains for 1.5 s" 1 \
	"$(count units "SIGTERM: not accepting; draining 0 connections for up to 1\.50s$")"
stop "$pid"

check "no sanitizer report from any server" "" \
	"$(grep -lE 'Sanitizer|runtime error' "$_tmp"/*.err 2>/dev/null)"

done_testing
