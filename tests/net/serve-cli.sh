#!/usr/bin/env bash
# dualstack serve, end to end on loopback: the log (text and NDJSON), the
# protocols as a client sees them, idle timeout, SIGTERM drain, a second
# signal, running out of descriptors, two workers (-j 2), hostile input and
# usage errors.
#
# Every server runs in the background with its log in a file; the real
# port is read from its "listening on" line. Clients are Python scripts
# with socket timeouts. Every wait is bounded, and every process started
# here is killed on exit.
. "$(dirname "$0")/../cli/lib.sh"

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$_tmp"
}
trap cleanup EXIT

# start NAME ARGS...: run "dualstack serve ARGS" in the background, log
# to $_tmp/NAME.log (stdout) and NAME.err; sets $pid and $port.
start() {
	local name=$1
	shift
	"$DUALSTACK" serve "$@" >"$_tmp/$name.log" 2>"$_tmp/$name.err" &
	pid=$!
	pids+=("$pid")
	wait_port "$name"
}

# wait_port NAME: the port from the "listening on" line (5 s at most).
wait_port() {
	port=
	for _ in $(seq 100); do
		port=$(grep -m1 -oE 'listening on [^ ]*:[0-9]+|"port":[0-9]+' \
			"$_tmp/$1.log" 2>/dev/null | grep -oE '[0-9]+$')
		[ -n "$port" ] && return 0
		sleep 0.05
	done
	echo "# no 'listening on' line in $1.log:" >&2
	sed 's/^/#   /' "$_tmp/$1.log" "$_tmp/$1.err" >&2
	return 1
}

# wait_log NAME REGEX [COUNT]: until the log has COUNT (1) matching lines.
wait_log() {
	for _ in $(seq 100); do
		[ "$(grep -cE "$2" "$_tmp/$1.log")" -ge "${3:-1}" ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_exit PID SECONDS: wait for PID to exit; sets $rc (124: still up).
wait_exit() {
	local i
	for i in $(seq $(($2 * 20))); do
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1"
			rc=$?
			return 0
		fi
		sleep 0.05
	done
	rc=124
}

stop() {
	kill -TERM "$1" 2>/dev/null
	wait_exit "$1" 10
}

# py ARGS...: a Python client from stdin, 20 s at most.
py() {
	timeout 20 "$PY" - "$@"
}

TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

# --- usage -------------------------------------------------------------------
run_ds serve --help
check "serve --help exits 0" "0" "$rc"
case "$out" in "usage: dualstack serve"*"--proto"*"--drain"*) ok "serve --help" ;;
*) not_ok "serve --help" "$out" ;; esac
run_ds serve --proto nonsense
check "unknown --proto is a usage error" "2" "$rc"
run_ds serve --listen 192.0.2.300:80
check "bad --listen is a usage error" "2" "$rc"
case "$err" in *"column"*) ok "bad --listen names the column" ;;
*) not_ok "bad --listen names the column" "$err" ;; esac
run_ds serve --idle-timeout -1
check "negative --idle-timeout is a usage error" "2" "$rc"
run_ds serve --max-msg 5G
check "--max-msg over 32 bits is a usage error" "2" "$rc"
run_ds serve --listen 127.0.0.1:0 --mode v6only
check "an IPv4 address with --mode v6only is a usage error" "2" "$rc"

# --- echo, text log ------------------------------------------------------------
start echo --listen 127.0.0.1:0
check "listening line" "1" \
	"$(grep -cE "^$TS listening on 127\.0\.0\.1:$port \(IPv4\)$" "$_tmp/echo.log")"
got=$(py "$port" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"hello")
print(s.recv(100).decode(), s.getsockname()[1])
s.close()
EOF
)
read -r reply cport <<<"$got"
check "echo" "hello" "$reply"
wait_log echo ' close '
check "open line: time, peer, local, family" "1" \
	"$(grep -cE "^$TS open  tcp 127\.0\.0\.1:$cport -> 127\.0\.0\.1:$port IPv4$" "$_tmp/echo.log")"
check "close line: bytes, duration, reason" "1" \
	"$(grep -cE "^$TS close tcp 127\.0\.0\.1:$cport -> 127\.0\.0\.1:$port IPv4 in=5 out=5 duration=[0-9.]+(us|ms|s) reason=client-eof$" "$_tmp/echo.log")"

# Port in use: exit 3 (a system error), the family and the call named.
run_ds serve --listen "127.0.0.1:$port"
check "a port in use exits 3" "3" "$rc"
case "$err" in *"IPv4: bind 127.0.0.1:$port: Address already in use"*)
	ok "a port in use is named in plain words" ;;
*) not_ok "a port in use is named in plain words" "$err" ;; esac

# SIGTERM with nothing open: exit 0 at once.
stop "$pid"
check "SIGTERM, no connections: exit 0" "0" "$rc"
check "stopped line" "1" "$(grep -cE "^$TS stopped$" "$_tmp/echo.log")"

# --- NDJSON log ----------------------------------------------------------------
start json --listen 127.0.0.1:0 --json
py "$port" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"abc")
s.recv(10)
s.close()
EOF
wait_log json '"event":"close"'
stop "$pid"
check "json: exit 0" "0" "$rc"
check "json: every line an event with time and kind" "listening open close drain stopped" \
	"$("$PY" -c '
import json, re, sys
kinds = []
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", e["time"]), e
    kinds.append(e["event"])
print(" ".join(kinds))' "$_tmp/json.log" 2>&1)"
check "json: close event" "127.0.0.1 3 3 client-eof ipv4" \
	"$("$PY" -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "close":
        print(e["peer"].rsplit(":", 1)[0], e["bytes_in"], e["bytes_out"],
              e["reason"], e["family"])' "$_tmp/json.log" 2>&1)"

# --- tuple -------------------------------------------------------------------
start tuple --listen 127.0.0.1:0 --proto tuple
got=$(py "$port" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
data = b""
while True:
    b = s.recv(1000)
    if not b:
        break
    data += b
print(s.getsockname()[1], repr(data.decode()))
s.close()
EOF
)
read -r cport line <<<"$got"
check "tuple: the 5-tuple as the server sees it, then EOF" \
	"'tcp 127.0.0.1:$cport -> 127.0.0.1:$port IPv4\\n'" "$line"
stop "$pid"

if "$PY" -c 'import socket; socket.create_server(("::1", 0), family=socket.AF_INET6)' 2>/dev/null; then
	start tuple6 --listen '[::]:0' --proto tuple --tuple-format json
	got=$(py "$port" <<'EOF'
import json, socket, sys
port = int(sys.argv[1])
for host in ("127.0.0.1", "::1"):
    s = socket.create_connection((host, port), timeout=5)
    t = json.loads(s.makefile().readline())
    print(t["peer"]["address"], t["peer"]["port"] == s.getsockname()[1],
          t["local"]["port"] == port, t["family"], t.get("mapped", False))
    s.close()
EOF
)
	check "tuple on a dual listener: IPv4 seen as IPv4, mapped, unmapped" \
		"127.0.0.1 True True ipv4 True
::1 True True ipv6 False" "$got"
	stop "$pid"
else
	ok "# SKIP no IPv6 loopback"
fi

# --- len32 ---------------------------------------------------------------------
start len32 --listen 127.0.0.1:0 --proto len32 --max-msg 100K
len32pid=$pid len32port=$port
got=$(py "$port" <<'EOF'
import os, socket, struct, sys
port = int(sys.argv[1])

def readn(s, n):
    data, reads = b"", 0
    while len(data) < n:
        b = s.recv(min(4096, n - len(data)))
        if not b:
            break
        data += b
        reads += 1
    return data, reads

s = socket.create_connection(("127.0.0.1", port), timeout=5)
# 64 KiB in one write, read back in several segments.
msg = struct.pack(">I", 65536) + os.urandom(65536)
s.sendall(msg)
back, reads = readn(s, len(msg))
print("big", back == msg, reads > 1)
# Several messages in one write.
msgs = b"".join(struct.pack(">I", len(p)) + p for p in (b"a", b"", b"xyz" * 100))
s.sendall(msgs)
print("several", readn(s, len(msgs))[0] == msgs)
# One message one byte at a time.
m = struct.pack(">I", 5) + b"12345"
for i in range(len(m)):
    s.sendall(m[i:i + 1])
print("bytewise", readn(s, len(m))[0] == m)
s.close()
# Oversize: the connection ends, nothing of it echoed.
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(struct.pack(">I", 200000) + b"x" * 100)
try:
    print("oversize", repr(s.recv(100)))
except ConnectionResetError:
    print("oversize", "reset")
EOF
)
check "len32: 64 KiB message in one write, read in several segments" "big True True" \
	"$(sed -n 1p <<<"$got")"
check "len32: several messages in one write" "several True" "$(sed -n 2p <<<"$got")"
check "len32: one byte per write" "bytewise True" "$(sed -n 3p <<<"$got")"
case "$(sed -n 4p <<<"$got")" in "oversize b''"|"oversize reset") ok "len32: oversize closes" ;;
*) not_ok "len32: oversize closes" "$got" ;; esac
wait_log len32 'oversize'
check "len32: oversize reason logged" "1" \
	"$(grep -c 'reason=oversize detail="200000 > 102400"' "$_tmp/len32.log")"

# --- hostile input ---------------------------------------------------------------
py "$len32port" <<'EOF'
import os, socket, sys
port = int(sys.argv[1])
for i in range(30):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(os.urandom(20000))
    except OSError:
        pass
    s.close()
EOF
start line --listen 127.0.0.1:0 --proto line --max-line 1K
got=$(py "$port" <<'EOF'
import os, socket, sys
port = int(sys.argv[1])
for i in range(30):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(os.urandom(20000))
    except OSError:
        pass
    s.close()
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"one\ntw")
a = s.recv(100)
s.sendall(b"o\n")
b = s.recv(100)
print(repr(a + b))
EOF
)
check "line: still serving after random bytes" "b'one\\ntwo\\n'" "$got"
got=$(py "$len32port" <<'EOF'
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(struct.pack(">I", 2) + b"ok")
print(s.recv(100).hex())
EOF
)
check "len32: still serving after random bytes" "000000026f6b" "$got"
stop "$len32pid"
check "len32: exit 0" "0" "$rc"
stop "$pid"
check "line: exit 0" "0" "$rc"

# --- idle timeout ------------------------------------------------------------------
start idle --listen 127.0.0.1:0 --idle-timeout 0.3
got=$(py "$port" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
t = time.monotonic()
print(repr(s.recv(10)), 0.25 < time.monotonic() - t < 3)
EOF
)
check "idle timeout: EOF after about 0.3 s" "b'' True" "$got"
wait_log idle 'reason=idle-timeout'
check "idle timeout logged" "1" "$(grep -c 'reason=idle-timeout$' "$_tmp/idle.log")"
stop "$pid"

# --- SIGTERM drain ------------------------------------------------------------------
start drain --listen 127.0.0.1:0 --drain 1
py "$port" >"$_tmp/drain.py" 2>&1 <<'EOF' &
import socket, sys, time
port = int(sys.argv[1])
idle = socket.create_connection(("127.0.0.1", port), timeout=5)
busy = socket.create_connection(("127.0.0.1", port), timeout=5)
print("connected", flush=True)
time.sleep(0.4)
# Draining now: a busy client still gets its echo, then leaves.
busy.sendall(b"late")
print("busy", busy.recv(10).decode(), flush=True)
busy.close()
try:
    socket.create_connection(("127.0.0.1", port), timeout=2)
    print("new: accepted", flush=True)
except ConnectionRefusedError:
    print("new: refused", flush=True)
print("idle", repr(idle.recv(10)), flush=True)
EOF
pypid=$!
pids+=("$pypid")
for _ in $(seq 100); do grep -q connected "$_tmp/drain.py" && break; sleep 0.05; done
wait_log drain '^.* open ' 2
t0=$(date +%s%N)
kill -TERM "$pid"
wait_exit "$pid" 5
elapsed=$(( ($(date +%s%N) - t0) / 1000000 ))
check "SIGTERM drain: exit 0" "0" "$rc"
if [ "$elapsed" -ge 900 ] && [ "$elapsed" -lt 3000 ]; then ok "SIGTERM drain: exit at the drain deadline ($elapsed ms)"
else not_ok "SIGTERM drain: exit at the drain deadline" "took $elapsed ms, want 1000"; fi
wait "$pypid"
check "drain: busy client finished, new refused, idle closed" "connected
busy late
new: refused
idle b''" "$(cat "$_tmp/drain.py")"
check "drain: log" "1 1 1 1" "$(grep -c 'draining 2 connections' "$_tmp/drain.log") \
$(grep -c 'reason=client-eof$' "$_tmp/drain.log") \
$(grep -c 'reason=drain-timeout$' "$_tmp/drain.log") \
$(grep -cE "^$TS stopped$" "$_tmp/drain.log")"

# --- a second signal -------------------------------------------------------------------
start twice --listen 127.0.0.1:0 --drain 30
py "$port" >/dev/null 2>&1 <<'EOF' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.recv(10)
EOF
pids+=($!)
wait_log twice ' open '
kill -TERM "$pid"
wait_log twice 'draining'
kill -INT "$pid"
wait_exit "$pid" 3
check "second signal: exit 0 at once" "0" "$rc"
check "second signal: closed with 'shutdown'" "1" \
	"$(grep -c 'reason=shutdown$' "$_tmp/twice.log")"

# --- out of descriptors ------------------------------------------------------------------
# 32 descriptors: stdio, the loop, the signalfd and the listener leave
# about 25 for clients; 60 come.
( ulimit -n 32 && exec "$DUALSTACK" serve --listen 127.0.0.1:0 ) \
	>"$_tmp/emfile.log" 2>"$_tmp/emfile.err" &
pid=$!
pids+=("$pid")
wait_port emfile
py "$port" >"$_tmp/emfile.py" 2>&1 <<'EOF' &
import socket, sys, time
port = int(sys.argv[1])
socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(60)]
for s in socks:
    s.sendall(b"x")
served = 0
for s in socks:
    s.settimeout(0.05)
    try:
        served += s.recv(1) == b"x"
    except socket.timeout:
        pass
print("served", served, flush=True)
print("holding", flush=True)
time.sleep(1.5)
for s in socks:
    s.close()
print("closed", flush=True)
EOF
pypid=$!
pids+=("$pypid")
for _ in $(seq 200); do grep -q holding "$_tmp/emfile.py" && break; sleep 0.05; done
served=$(sed -n 's/^served //p' "$_tmp/emfile.py")
if [ -n "$served" ] && [ "$served" -ge 10 ] && [ "$served" -lt 60 ]; then
	ok "EMFILE: the clients that fit are served ($served of 60)"
else
	not_ok "EMFILE: the clients that fit are served" "$(cat "$_tmp/emfile.py")"
fi
if kill -0 "$pid" 2>/dev/null; then ok "EMFILE: the server keeps running"
else not_ok "EMFILE: the server keeps running" "$(cat "$_tmp/emfile.err")"; fi
check "EMFILE: the back-off logged once, not per attempt" "1" \
	"$(grep -cE "^$TS accept: Too many open files; backing off$" "$_tmp/emfile.log")"
wait "$pypid"
got=$(py "$port" <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
end = time.monotonic() + 10
while True:
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=3)
        s.sendall(b"again")
        print(s.recv(10).decode())
        break
    except OSError as e:
        if time.monotonic() > end:
            print("failed:", e)
            break
        time.sleep(0.1)
EOF
)
check "EMFILE: serves a new client once the others left" "again" "$got"
n=$(grep -c 'backing off' "$_tmp/emfile.log")
if [ "$n" -le 3 ]; then ok "EMFILE: a handful of back-off lines in all ($n)"
else not_ok "EMFILE: a handful of back-off lines in all" "$n lines"; fi
stop "$pid"
check "EMFILE: exit 0 after SIGTERM" "0" "$rc"
check "EMFILE: every open has its close" \
	"$(grep -cE "^$TS open " "$_tmp/emfile.log")" \
	"$(grep -cE "^$TS close " "$_tmp/emfile.log")"

# --- -j 2 ------------------------------------------------------------------------------
# Two workers on one port: the kernel spreads 40 clients over both, the
# log says which worker took each, a SIGTERM drains both (the drain line
# counts the connections of both) and "stopped" comes once, when the last
# client has left -- long before the 20 s deadline.
check "-j 1 --json: no worker field" "0" "$(grep -c '"worker"' "$_tmp/json.log")"
start j2 --listen 127.0.0.1:0 -j 2 --drain 20 --json
py "$port" "$_tmp/j2.go" >"$_tmp/j2.py" 2>&1 <<'EOF' &
import os, socket, sys, time
port, go = int(sys.argv[1]), sys.argv[2]
socks = []
for _ in range(40):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"x")
    assert s.recv(1) == b"x"
    socks.append(s)
print("held", flush=True)
end = time.monotonic() + 15
while not os.path.exists(go) and time.monotonic() < end:
    time.sleep(0.05)
# Draining: a client still gets its echo, then every client leaves.
socks[0].sendall(b"y")
print("echo", socks[0].recv(1).decode(), flush=True)
for s in socks:
    s.close()
EOF
pypid=$!
pids+=("$pypid")
wait_log j2 '"event":"open"' 40
check "-j 2: two threads" 2 "$(ls /proc/"$pid"/task | wc -l)"
check "-j 2: one listening line per socket" 1 "$(grep -c '"event":"listening"' "$_tmp/j2.log")"
check "-j 2: both workers took connections" "0 1" "$("$PY" -c '
import json, sys
w = set(e["worker"] for e in map(json.loads, open(sys.argv[1])) if e["event"] == "open")
print(*sorted(w))' "$_tmp/j2.log" 2>&1)"
t0=$(date +%s%N)
kill -TERM "$pid"
wait_log j2 '"event":"drain"'
check "-j 2: the drain counts both workers' connections" 40 "$("$PY" -c '
import json, sys
print(*[e["connections"] for e in map(json.loads, open(sys.argv[1])) if e["event"] == "drain"])' "$_tmp/j2.log" 2>&1)"
: >"$_tmp/j2.go"
wait_exit "$pid" 15
elapsed=$(( ($(date +%s%N) - t0) / 1000000 ))
check "-j 2: SIGTERM, exit 0" 0 "$rc"
if [ "$elapsed" -lt 10000 ]; then ok "-j 2: stopped when the clients left ($elapsed ms)"
else not_ok "-j 2: stopped when the clients left" "took $elapsed ms"; fi
wait "$pypid"
check "-j 2: a client is served while draining" "held
echo y" "$(cat "$_tmp/j2.py")"
check "-j 2: 40 closes by client-eof, one stopped, last" "40 1 stopped" \
	"$(grep -c '"reason":"client-eof"' "$_tmp/j2.log") $(grep -c '"event":"stopped"' "$_tmp/j2.log") \
$(tail -n1 "$_tmp/j2.log" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["event"])')"
start j2t --listen 127.0.0.1:0 -j 2
py "$port" <<'EOF'
import socket, sys
for _ in range(20):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    s.close()
EOF
wait_log j2t '^.* close ' 20
stop "$pid"
check "-j 2 text: every open and close names its worker" 40 \
	"$(grep -cE "^$TS (open |close).* worker=[01]( |$)" "$_tmp/j2t.log")"
check "-j 2 text: exit 0, one stopped line" "0 1" "$rc $(grep -cE "^$TS stopped$" "$_tmp/j2t.log")"
for j in 0 65; do
	run_ds serve -j "$j"
	check "serve -j $j: usage error" "2 --workers takes a number from 1 to 64, not '$j'" \
		"$rc $(printf '%s' "$err" | grep -o -- "--workers takes.*'$j'")"
done

# The servers' stderr: no sanitizer report (ASan builds), no leak at exit.
check "no sanitizer report from any server" "" \
	"$(grep -lE 'Sanitizer|runtime error' "$_tmp"/*.err 2>/dev/null)"

done_testing
