#!/usr/bin/env bash
# dualstack proxy on loopback, no root needed: usage errors, a bad --acl
# file, a listener in use, an IPv6 client relayed to an IPv4-only backend
# (the log line's fields, text and --json), 4 MiB byte-exact both ways
# (splice, --no-splice, --pipe-size), half-close, the ACL (the mapped
# bypass, --acl with SIGHUP reload, a file without a rule refused),
# --max-conns and the per-client limits, the descriptor budget under
# ulimit -n 64 with clients that never read, idle timeout, unreachable backends and failover, a backend by name with
# -4, --quiet, PROXY protocol out (v1, v2) and in (trusted, untrusted,
# malformed), the open-relay check, -j 2, --user (as root), and SIGTERM
# drain. With a sanitizer build, no report may appear.
#
# Backends are "dualstack serve" (echo, tuple) or small Python servers on
# 127.0.0.1; clients are Python with socket timeouts. Every wait is bounded
# and every process started here is killed on exit.
. "$(dirname "$0")/lib.sh"

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
DUR='duration=[0-9.]+(us|ms|s)'

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

# wait_port NAME: the port of the first "listening" line (5 s at most).
wait_port() {
	port=
	for _ in $(seq 100); do
		port=$(grep -m1 -oE 'listening on [^ ]*:[0-9]+|"port":[0-9]+' \
			"$_tmp/$1.log" 2>/dev/null | grep -oE '[0-9]+$')
		[ -n "$port" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "# no 'listening' line in $1.log:" >&2
	sed 's/^/#   /' "$_tmp/$1.log" "$_tmp/$1.err" >&2
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

# wait_exit PID SECONDS: wait for PID to exit; sets $rc (124: still up).
wait_exit() {
	for _ in $(seq $(($2 * 20))); do
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1"
			rc=$?
			return 0
		fi
		sleep 0.05
	done
	rc=124
}

# serve NAME ARGS...: "dualstack serve ARGS" on 127.0.0.1:0; sets $port.
serve() {
	local name=$1
	shift
	"$DUALSTACK" serve --listen 127.0.0.1:0 "$@" \
		>"$_tmp/$name.log" 2>"$_tmp/$name.err" &
	pid=$!
	pids+=("$pid")
	wait_port "$name"
}

# proxy NAME ARGS...: "dualstack proxy ARGS" in the background; sets $pid
# and $port (the first listener's).
proxy() {
	local name=$1
	shift
	"$DUALSTACK" proxy "$@" >"$_tmp/$name.log" 2>"$_tmp/$name.err" &
	pid=$!
	pids+=("$pid")
	wait_port "$name"
}

# stop PID: SIGTERM, wait (10 s at most); sets $rc.
stop() {
	kill -TERM "$1" 2>/dev/null
	wait_exit "$1" 10
}

# A closed port: bound, never listened on, closed.
closed_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cat >"$_tmp/cl.py" <<'EOF'
import os, socket, sys, threading, time

class Reset(Exception):
    def __init__(self, port):
        self.port = port

def conn(host, port):
    # Bound first, so that our port is known even when the proxy resets
    # the connection before connect() has returned.
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam)
    s.settimeout(10)
    s.bind((host, 0))
    try:
        s.connect((host, int(port)))
    except ConnectionResetError:
        raise Reset(s.getsockname()[1])
    return s

def readall(s):
    out = []
    while True:
        b = s.recv(65536)
        if not b:
            return b"".join(out)
        out.append(b)

def outcome(s):
    """What a refused connection sees: 'reset', 'eof' or 'data'."""
    try:
        b = s.recv(100)
        return "data" if b else "eof"
    except ConnectionResetError:
        return "reset"
    except socket.timeout:
        return "timeout"

def recv_n(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            break
        b += c
    return b

def wait_file(path, secs=15):
    end = time.time() + secs
    while not os.path.exists(path) and time.time() < end:
        time.sleep(0.02)

mode, host, port = sys.argv[1:4]
args = sys.argv[4:]
if mode == "xfer":
    # Send a file, then shut down writing (a half-close); read to EOF.
    s = conn(host, port)
    data = open(args[0], "rb").read()
    def send():
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
    t = threading.Thread(target=send)
    t.start()
    got = readall(s)
    t.join()
    open(args[1], "wb").write(got)
    print(s.getsockname()[1], len(data), len(got))
elif mode == "recv":
    # Read to EOF; print our port and what came.
    s = conn(host, port)
    got = readall(s)
    print(s.getsockname()[1], got.decode(errors="replace").strip())
elif mode == "refused":
    try:
        s = conn(host, port)
    except ConnectionRefusedError:
        print("-", "connect-refused")
        sys.exit(0)
    except Reset as e:
        print(e.port, "reset")
        sys.exit(0)
    print(s.getsockname()[1], outcome(s))
elif mode == "ping":
    # One round trip through an echo, then close.
    try:
        s = conn(host, port)
        s.sendall(b"ping")
        got = recv_n(s, 4)
        s.shutdown(socket.SHUT_WR)
        readall(s)
        print(s.getsockname()[1], got.decode(errors="replace") or outcome(s))
    except (Reset, ConnectionResetError, ConnectionRefusedError, socket.timeout) as e:
        print("-", type(e).__name__)
elif mode == "many":
    n = ok = 0
    for _ in range(int(args[0])):
        n += 1
        s = conn(host, port)
        s.sendall(b"ping")
        if recv_n(s, 4) == b"ping":
            ok += 1
        s.close()
    print(ok, n)
elif mode == "interactive":
    # A connection that lives across a signal: a round trip, then
    # DIR/ready; after DIR/go another round trip and a clean close.
    d = args[0]
    s = conn(host, port)
    s.sendall(b"before\n")
    a = recv_n(s, 7)
    open(os.path.join(d, "ready"), "w").close()
    wait_file(os.path.join(d, "go"))
    try:
        s.sendall(b"after\n")
        b = recv_n(s, 6)
        s.shutdown(socket.SHUT_WR)
        readall(s)
    except OSError as e:
        b = type(e).__name__.encode()
    print(s.getsockname()[1], a.decode().strip(), b.decode().strip())
elif mode == "limit":
    # N connections that stay open, then one more: how is it refused?
    held = []
    for _ in range(int(args[0])):
        s = conn(host, port)
        s.sendall(b"x")
        assert recv_n(s, 1) == b"x"
        held.append(s)
    try:
        print(outcome(conn(host, port)))
    except Reset:
        print("reset")
    for s in held:
        s.close()
elif mode == "backlog":
    # With --max-conns 1: a second client waits in the backlog while the
    # first is open, and is served once it closes.
    a = conn(host, port)
    a.sendall(b"a")
    assert recv_n(a, 1) == b"a"
    b = conn(host, port)
    b.sendall(b"b")
    b.settimeout(0.5)
    try:
        early = recv_n(b, 1).decode() or "eof"
    except socket.timeout:
        early = "waiting"
    a.close()
    b.settimeout(10)
    late = recv_n(b, 1).decode() or "eof"
    print(early, late)
elif mode == "sources":
    # N clients, 127.0.0.1 to 127.0.0.N, K round trips each.
    ok = 0
    for i in range(1, int(args[0]) + 1):
        for _ in range(int(args[1])):
            s = socket.socket()
            s.settimeout(10)
            s.bind(("127.0.0.%d" % i, 0))
            s.connect((host, int(port)))
            s.sendall(b"ping")
            ok += recv_n(s, 4) == b"ping"
            s.close()
    print(ok)
elif mode == "idle":
    s = conn(host, port)
    t0 = time.monotonic()
    r = outcome(s)
    print(r, "%.2f" % (time.monotonic() - t0))
elif mode == "header":
    # Send a file's bytes (a PROXY header and data), shut down writing,
    # print what came back or how the connection ended.
    try:
        s = conn(host, port)
    except Reset as e:
        print(e.port, "reset")
        sys.exit(0)
    p = s.getsockname()[1]
    try:
        s.sendall(open(args[0], "rb").read())
        s.shutdown(socket.SHUT_WR)
        got = readall(s)
        print(p, got.decode(errors="replace") or "eof")
    except OSError:
        print(p, "reset")
EOF

# A backend that keeps what each connection sent: OUTDIR/conn-N, written
# at the client's EOF, then answers "ok".
cat >"$_tmp/capture.py" <<'EOF'
import os, socket, sys, threading
portfile, outdir = sys.argv[1:3]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
open(portfile + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)
n = 0
def serve(c, i):
    c.settimeout(10)
    data = b""
    try:
        while True:
            b = c.recv(65536)
            if not b:
                break
            data += b
        c.sendall(b"ok\n")
    except OSError:
        pass
    p = os.path.join(outdir, "conn-%d" % i)
    open(p + ".tmp", "wb").write(data)
    os.rename(p + ".tmp", p)
    c.close()
while True:
    c, _ = s.accept()
    n += 1
    threading.Thread(target=serve, args=(c, n), daemon=True).start()
EOF

# capture NAME: start a capture backend; sets $port, files in $_tmp/NAME/.
capture() {
	mkdir -p "$_tmp/$1"
	"$PY" "$_tmp/capture.py" "$_tmp/$1.port" "$_tmp/$1" 2>"$_tmp/$1.err" &
	pids+=($!)
	port=
	for _ in $(seq 100); do
		[ -s "$_tmp/$1.port" ] && { port=$(cat "$_tmp/$1.port"); return 0; }
		sleep 0.05
	done
	return 1
}

# cl MODE HOST PORT ARGS...: the Python client, 30 s at most.
cl() {
	timeout 30 "$PY" "$_tmp/cl.py" "$@"
}

# jconn NAME N EXPR: EXPR (Python, on j) for the Nth "conn" event of NAME.
jconn() {
	"$PY" - "$_tmp/$1.log" "$2" "$3" <<'EOF'
import json, sys
path, n, expr = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ev = [json.loads(l) for l in open(path) if l.strip()]
j = [e for e in ev if e.get("event") == "conn"][n - 1]
print(eval(expr))
EOF
}

# --- Usage errors ---------------------------------------------------------------
run_ds proxy --help
check "--help exits 0" 0 "$rc"
has "--help shows the usage and the options" "$out" \
	'^usage: dualstack proxy --listen ADDR:PORT\[,MODE\]\.\.\. --to HOST:PORT'
for o in --listen --mode --to --send-proxy --accept-proxy --trusted --allow \
	--deny --acl --acl-allow-empty --max-conns --max-conns-per-client --rate --burst \
	--client-prefix6 --client-prefix4 --idle-timeout --connect-timeout \
	--header-timeout --fail-hold --drain --workers --user --no-splice \
	--pipe-size --server --backlog --json --quiet; do
	case "$out" in *"$o "*) ;; *) not_ok "--help lists $o"; continue ;; esac
done
ok "--help lists every long option"

# usage NAME NEEDLE ARGS...: exit 2 and NEEDLE in the message. Bounded:
# a proxy that starts where it should have refused is stopped (exit 124).
usage() {
	local name=$1 needle=$2
	shift 2
	timeout 10 "$DUALSTACK" proxy "$@" >"$_tmp/out" 2>"$_tmp/err"
	rc=$?
	err=$(cat "$_tmp/err")
	if [ "$rc" = 2 ] && [[ $err == *"$needle"* ]]; then
		ok "usage: $name"
	else
		not_ok "usage: $name" "exit $rc, want 2 and '$needle'" "$err"
	fi
}
L=(--listen 127.0.0.1:0)
T=(--to 127.0.0.1:9)
usage "no --listen" "--listen is required" "${T[@]}"
usage "no --to" "--to is required" "${L[@]}"
usage "bad --listen port" "--listen '127.0.0.1:99999'" --listen 127.0.0.1:99999 "${T[@]}"
usage "bad --listen address" "--listen '192.0.2.300:80': column" --listen 192.0.2.300:80 "${T[@]}"
usage "bad --listen mode" "not 'sideways'" --listen 127.0.0.1:0,sideways "${T[@]}"
usage "bad --mode" "--mode is dual, separate, v6only or v4only, not 'both'" --mode both "${L[@]}" "${T[@]}"
usage "an address that does not fit the mode" "does not fit --mode v6only" --listen 127.0.0.1:0,v6only "${T[@]}"
usage "--to without a port" "--to 'backend.example'" "${L[@]}" --to backend.example
usage "--to port 0" "--to '127.0.0.1:0': column 11: port 0 is not from 1 to 65535" "${L[@]}" --to 127.0.0.1:0
usage "--to IPv6 without brackets" "--to '2001:db8::1:80'" "${L[@]}" --to 2001:db8::1:80
usage "--send-proxy v3" "--send-proxy is v1 or v2, not 'v3'" "${L[@]}" "${T[@]}" --send-proxy v3
usage "--accept-proxy without --trusted" "--accept-proxy needs --trusted" "${L[@]}" "${T[@]}" --accept-proxy
usage "--trusted without --accept-proxy" "--trusted needs --accept-proxy" "${L[@]}" "${T[@]}" --trusted 127.0.0.1
usage "bad --trusted" "--trusted '10.0.0.0/33': column" "${L[@]}" "${T[@]}" --accept-proxy --trusted 10.0.0.0/33
usage "bad --allow (second of a list)" "--allow '::1,2001:db8::/129': column 16" "${L[@]}" "${T[@]}" --allow ::1,2001:db8::/129
usage "bad --deny" "--deny 'x': column 1" "${L[@]}" "${T[@]}" --deny x
usage "empty --deny entry" "--deny '::1,': an empty prefix" "${L[@]}" "${T[@]}" --deny ::1,
usage "a prefix allowed and denied" "192.0.2.0/24 is both allowed and denied" "${L[@]}" "${T[@]}" --allow 192.0.2.0/24 --deny 192.0.2.7/24
usage "--max-conns -1" "--max-conns takes a number from 0 to 4294967295, not '-1'" "${L[@]}" "${T[@]}" --max-conns -1
usage "--max-conns-per-client x" "--max-conns-per-client takes a number from 0 to 4294967295, not 'x'" "${L[@]}" "${T[@]}" --max-conns-per-client x
usage "--rate -1" "--rate takes connections per second from 0 to 1000000, not '-1'" "${L[@]}" "${T[@]}" --rate -1
usage "--rate nan" "not 'nan'" "${L[@]}" "${T[@]}" --rate nan
usage "--rate 5/s" "not '5/s'" "${L[@]}" "${T[@]}" --rate 5/s
usage "--burst 0" "--burst takes a number from 1 to 4294967295, not '0'" "${L[@]}" "${T[@]}" --rate 1 --burst 0
usage "--burst without --rate" "--burst needs --rate" "${L[@]}" "${T[@]}" --burst 5
usage "--client-prefix6 129" "--client-prefix6 takes a number from 1 to 128, not '129'" "${L[@]}" "${T[@]}" --client-prefix6 129
usage "--client-prefix6 0" "not '0'" "${L[@]}" "${T[@]}" --client-prefix6 0
usage "--client-prefix4 33" "--client-prefix4 takes a number from 1 to 32, not '33'" "${L[@]}" "${T[@]}" --client-prefix4 33
usage "--idle-timeout -1" "--idle-timeout takes seconds from 0 to 86400, not '-1'" "${L[@]}" "${T[@]}" --idle-timeout -1
usage "--connect-timeout 0" "--connect-timeout takes seconds from 0.001 to 86400, not '0'" "${L[@]}" "${T[@]}" --connect-timeout 0
usage "--header-timeout abc" "--header-timeout takes seconds from 0.001 to 86400, not 'abc'" "${L[@]}" "${T[@]}" --header-timeout abc
usage "--fail-hold 0" "--fail-hold takes seconds" "${L[@]}" "${T[@]}" --fail-hold 0
usage "--drain 1e9" "--drain takes seconds from 0 to 86400, not '1e9'" "${L[@]}" "${T[@]}" --drain 1e9
usage "-j 0" "--workers takes a number from 1 to 64, not '0'" "${L[@]}" "${T[@]}" -j 0
usage "-j 65" "--workers takes a number from 1 to 64, not '65'" "${L[@]}" "${T[@]}" -j 65
usage "--user unknown" "--user 'no-such-user-here': no such user" "${L[@]}" "${T[@]}" --user no-such-user-here
usage "--pipe-size 100" "--pipe-size takes a size from 4K to 1G, not '100'" "${L[@]}" "${T[@]}" --pipe-size 100
usage "--pipe-size 2G" "not '2G'" "${L[@]}" "${T[@]}" --pipe-size 2G
usage "--server bad" "--server" "${L[@]}" "${T[@]}" --server 192.0.2.300
usage "-4 and -6" "-4 and -6 exclude each other" "${L[@]}" "${T[@]}" -4 -6
usage "--backlog 0" "--backlog takes a number from 1 to 65535, not '0'" "${L[@]}" "${T[@]}" --backlog 0
usage "an unknown option" "unknown option --frobnicate" "${L[@]}" "${T[@]}" --frobnicate
usage "a missing value" "--to needs a value" "${L[@]}" --to
usage "a mistyped option" "unknown option --lsten; did you mean --listen?" "${T[@]}" --lsten 127.0.0.1:0
usage "no abbreviations" "unknown option --lis; did you mean --listen? (options are never abbreviated)" "${T[@]}" --lis 127.0.0.1:0
usage "an extra argument" "unexpected argument 'extra'" "${L[@]}" "${T[@]}" extra
usage "--acl missing" "--acl $_tmp/none.acl: No such file or directory" "${L[@]}" "${T[@]}" --acl "$_tmp/none.acl"
if [ "$(id -u)" != 0 ]; then
	usage "--user without root" "only root can change its user" "${L[@]}" "${T[@]}" --user root
fi

# A bad ACL file at startup: the line and column, exit 2.
printf 'allow ::1\n# comment\n\nallow 2001:db8::/33x\n' >"$_tmp/bad.acl"
usage "a bad --acl file names line and column" "--acl $_tmp/bad.acl line 4 column 20:" \
	"${L[@]}" "${T[@]}" --acl "$_tmp/bad.acl"
printf 'allow ::1\npermit ::2\n' >"$_tmp/bad2.acl"
usage "an unknown ACL keyword" "line 2 column 1: expected 'allow PREFIX' or 'deny PREFIX'" \
	"${L[@]}" "${T[@]}" --acl "$_tmp/bad2.acl"
printf 'deny ::1\n' >"$_tmp/bad3.acl"
usage "an ACL file rule against a command-line rule" "line 1 column" \
	"${L[@]}" "${T[@]}" --allow ::1 --acl "$_tmp/bad3.acl"
# An ACL file without a rule: refused, named, even with command-line rules.
: >"$_tmp/empty.acl"
printf '# all rules moved elsewhere\n\n  \t\n# nothing here\n' >"$_tmp/comments.acl"
usage "an empty --acl file at startup" \
	"--acl $_tmp/empty.acl: no rules (empty, or only comments and blank lines; --acl-allow-empty accepts that)" \
	"${L[@]}" "${T[@]}" --acl "$_tmp/empty.acl"
usage "a comment-only --acl file at startup" "--acl $_tmp/comments.acl: no rules" \
	"${L[@]}" "${T[@]}" --acl "$_tmp/comments.acl"
usage "an empty --acl file beside --deny" "--acl $_tmp/empty.acl: no rules" \
	"${L[@]}" "${T[@]}" --deny 192.0.2.0/24 --acl "$_tmp/empty.acl"
usage "--acl-allow-empty without --acl" "--acl-allow-empty needs --acl" \
	"${L[@]}" "${T[@]}" --acl-allow-empty

# --- Backends -------------------------------------------------------------------
serve echo --proto echo || { not_ok "the echo backend starts"; done_testing; exit 1; }
ECHO=$port
serve tuple --proto tuple || { not_ok "the tuple backend starts"; done_testing; exit 1; }
TUPLE=$port
ok "backends: echo on $ECHO, tuple on $TUPLE"

# A listener in use: exit 3 (a system error), the family and the call named.
run_ds proxy --listen "127.0.0.1:$ECHO" --to "127.0.0.1:$TUPLE"
check "a listener in use exits 3" 3 "$rc"
has "a listener in use is named" "$err" \
	"IPv4: bind 127\.0\.0\.1:$ECHO: Address already in use"

# --- IPv6 client, IPv4-only backend: the log line -------------------------------
proxy v6 --listen '[::1]:0' --to "127.0.0.1:$TUPLE"
P=$port
check "listening line" 1 "$(count v6 "^$TS listening on \[::1\]:$P \(IPv6\)$")"
read -r cport tuple <<<"$(cl recv ::1 "$P")"
has "the backend sees the proxy over IPv4" "$tuple" \
	"^tcp 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$TUPLE IPv4$"
lport=$(printf '%s' "$tuple" | sed -E 's/^tcp 127\.0\.0\.1:([0-9]+) .*/\1/')
n=$((${#tuple} + 1))
wait_log v6 ' conn '
check "text conn line: every field" 1 "$(count v6 "^$TS conn client=\[::1\]:$cport family=IPv6 listener=\[::1\]:$P backend=127\.0\.0\.1:$TUPLE local=127\.0\.0\.1:$lport in=0 out=$n $DUR reason=backend-eof$")"
stop "$pid"
check "SIGTERM: exit 0" 0 "$rc"
check "draining line" 1 "$(count v6 "^$TS draining \(0 connections, 10\.0s\)$")"
check "stopped line with the counters" 1 \
	"$(count v6 "^$TS stopped: accepted=1 relayed=1 refused=0 failed=0$")"

proxy v6j --listen '[::1]:0' --to "127.0.0.1:$TUPLE" --json
P=$port
read -r cport tuple <<<"$(cl recv ::1 "$P")"
lport=$(printf '%s' "$tuple" | sed -E 's/^tcp 127\.0\.0\.1:([0-9]+) .*/\1/')
n=$((${#tuple} + 1))
wait_log v6j '"event":"conn"'
check "json: listening event" "[::1] $P dual" \
	"$("$PY" -c 'import json,sys; j=json.loads(open(sys.argv[1]).readline()); print(j["address"].rsplit(":",1)[0], j["port"], j["mode"])' "$_tmp/v6j.log")"
check "json conn: client, family, listener" "[::1]:$cport ::1 $cport ipv6 [::1]:$P" \
	"$(jconn v6j 1 '" ".join(map(str, [j["client"], j["client_addr"], j["client_port"], j["family"], j["listener"]]))')"
check "json conn: backend, local, bytes, reason" "127.0.0.1:$TUPLE 127.0.0.1:$lport $lport 0 $n backend-eof" \
	"$(jconn v6j 1 '" ".join(map(str, [j["backend"], j["local"], j["local_port"], j["bytes_in"], j["bytes_out"], j["reason"]]))')"
check "json conn: times are numbers, no worker field with -j 1" "True True False" \
	"$(jconn v6j 1 'isinstance(j["duration_ms"], float), isinstance(j["connect_ms"], float), "worker" in j' | tr -d '(),')"
stop "$pid"
check "json: draining and stopped events" "draining 0 stopped 1 1" \
	"$("$PY" -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
d = [e for e in ev if e["event"] == "draining"][0]
s = ev[-1]
print("draining", d["connections"], s["event"], s["accepted"], s["relayed"])' "$_tmp/v6j.log")"

# --- Bytes: 4 MiB both ways, half-close, --no-splice ----------------------------
head -c 4194304 /dev/urandom >"$_tmp/4m"
want=$(sha256sum <"$_tmp/4m" | cut -d' ' -f1)
for variant in splice no-splice pipe-size; do
	extra=()
	[ $variant = no-splice ] && extra=(--no-splice)
	[ $variant = pipe-size ] && extra=(--pipe-size 1M)
	proxy "bytes-$variant" --listen '[::1]:0' --to "127.0.0.1:$ECHO" --json "${extra[@]}"
	read -r cport sent got <<<"$(cl xfer ::1 "$port" "$_tmp/4m" "$_tmp/4m.back")"
	check "$variant: 4 MiB sent and echoed" "4194304 4194304" "$sent $got"
	check "$variant: byte-exact (sha256)" "$want" "$(sha256sum <"$_tmp/4m.back" | cut -d' ' -f1)"
	wait_log "bytes-$variant" '"event":"conn"'
	check "$variant: in/out counted exactly, client-eof" "4194304 4194304 client-eof" \
		"$(jconn "bytes-$variant" 1 '" ".join(map(str, [j["bytes_in"], j["bytes_out"], j["reason"]]))')"
	check "$variant: the relay says how it copied" \
		"$([ $variant = no-splice ] && echo False || echo True)" \
		"$(jconn "bytes-$variant" 1 'j["spliced"]')"
	stop "$pid"
done

# Half-close: the client shuts down writing first and still gets it all.
head -c 100000 /dev/urandom >"$_tmp/100k"
proxy half --listen '[::1]:0' --to "127.0.0.1:$ECHO"
read -r cport sent got <<<"$(cl xfer ::1 "$port" "$_tmp/100k" "$_tmp/100k.back")"
check "half-close: the whole echo after our FIN" "100000 100000" "$sent $got"
check "half-close: byte-exact" "$(sha256sum <"$_tmp/100k" | cut -d' ' -f1)" \
	"$(sha256sum <"$_tmp/100k.back" | cut -d' ' -f1)"
wait_log half ' conn '
check "half-close: client-eof, bytes counted" 1 \
	"$(count half "conn client=\[::1\]:$cport .* in=100000 out=100000 $DUR reason=client-eof$")"
stop "$pid"

# --- ACL: the IPv4-mapped bypass --------------------------------------------------
proxy acl --listen '[::]:0' --to "127.0.0.1:$ECHO" --deny 127.0.0.0/8
P=$port
read -r cport how <<<"$(cl refused 127.0.0.1 "$P")"
check "--deny 127.0.0.0/8 on a dual listener: 127.0.0.1 is reset" reset "$how"
wait_log acl ' conn '
check "refused line: the client as IPv4, family IPv4, reason acl" 1 \
	"$(count acl "^$TS conn client=127\.0\.0\.1:$cport family=IPv4 listener=127\.0\.0\.1:$P backend=- local=- in=0 out=0 $DUR reason=acl$")"
read -r cport got <<<"$(cl ping ::1 "$P")"
check "--deny 127.0.0.0/8: ::1 still relays" ping "$got"
stop "$pid"

proxy allow --listen '[::]:0' --to "127.0.0.1:$ECHO" --allow ::1
read -r cport how <<<"$(cl refused 127.0.0.1 "$port")"
check "--allow ::1 alone: 127.0.0.1 is refused (an allow list)" reset "$how"
read -r cport got <<<"$(cl ping ::1 "$port")"
check "--allow ::1: ::1 relays" ping "$got"
stop "$pid"

# --- ACL file and SIGHUP ------------------------------------------------------------
printf '# only ::1\nallow ::1\n' >"$_tmp/live.acl"
proxy hup --listen '[::]:0' --to "127.0.0.1:$ECHO" --acl "$_tmp/live.acl"
P=$port
mkdir -p "$_tmp/i1"
cl interactive ::1 "$P" "$_tmp/i1" >"$_tmp/i1.out" &
ipid=$!
for _ in $(seq 200); do [ -e "$_tmp/i1/ready" ] && break; sleep 0.05; done
read -r cport how <<<"$(cl refused 127.0.0.1 "$P")"
check "acl file: 127.0.0.1 refused before the reload" reset "$how"
printf 'allow 127.0.0.1\n' >"$_tmp/live.acl"
kill -HUP "$pid"
wait_log hup 'reload acl'
check "SIGHUP: reload line" 1 "$(count hup "^$TS reload acl $_tmp/live\.acl: 1 rules$")"
read -r cport got <<<"$(cl ping 127.0.0.1 "$P")"
check "after the reload: 127.0.0.1 relays" ping "$got"
read -r cport how <<<"$(cl refused ::1 "$P")"
check "after the reload: a new ::1 connection is refused" reset "$how"
touch "$_tmp/i1/go"
wait "$ipid"
read -r icport a b <"$_tmp/i1.out"
check "the connection open across the reload still relays" "before after" "$a $b"
printf 'allow 127.0.0.1\ndeny 2001:db8::/129\n' >"$_tmp/live.acl"
kill -HUP "$pid"
wait_log hup 'reload failed'
check "a broken file on reload: reported, old ACL kept" 1 \
	"$(count hup "^$TS reload failed: $_tmp/live\.acl line 2 column [0-9]+: .* \(keeping the old ACL\)$")"
read -r cport got <<<"$(cl ping 127.0.0.1 "$P")"
check "after a failed reload: the old ACL still lets 127.0.0.1 in" ping "$got"
read -r cport how <<<"$(cl refused ::1 "$P")"
check "after a failed reload: ::1 still refused" reset "$how"
# A file truncated for a rewrite, then one with comments only: refused,
# the file named, and the ACL in force stays (::1 stays denied).
: >"$_tmp/live.acl"
kill -HUP "$pid"
wait_log hup 'reload failed' 2
check "an empty file on reload: refused, the file named, old ACL kept" 1 \
	"$(count hup "^$TS reload failed: $_tmp/live\.acl: no rules \(empty, or only comments and blank lines; --acl-allow-empty accepts that\) \(keeping the old ACL\)$")"
read -r cport how <<<"$(cl refused ::1 "$P")"
check "after an empty file: ::1 still refused" reset "$how"
read -r cport got <<<"$(cl ping 127.0.0.1 "$P")"
check "after an empty file: 127.0.0.1 still relays" ping "$got"
printf '# allow 127.0.0.1\n\n\t \n' >"$_tmp/live.acl"
kill -HUP "$pid"
wait_log hup 'reload failed' 3
check "a comment-only file on reload: refused" 2 \
	"$(count hup "^$TS reload failed: $_tmp/live\.acl: no rules ")"
read -r cport how <<<"$(cl refused ::1 "$P")"
check "after a comment-only file: ::1 still refused" reset "$how"
check "no reload line for the refused files" 1 "$(count hup 'reload acl')"
wait_log hup ' conn ' 9
check "the long connection's line: client-eof, 13 bytes each way" 1 \
	"$(count hup "conn client=\[::1\]:$icport family=IPv6 .* in=13 out=13 $DUR reason=client-eof$")"
stop "$pid"
check "SIGHUP/SIGTERM: exit 0" 0 "$rc"

# --acl-allow-empty: an empty file is what was meant, at start and on
# reload; the command-line rules stay. --json says why a reload failed.
: >"$_tmp/open.acl"
proxy hupe --listen '[::]:0' --to "127.0.0.1:$ECHO" --acl "$_tmp/open.acl" \
	--acl-allow-empty --deny ::1 --json
P=$port
read -r cport got <<<"$(cl ping 127.0.0.1 "$P")"
check "--acl-allow-empty: starts with an empty file" ping "$got"
printf 'deny 127.0.0.1\n' >"$_tmp/open.acl"
kill -HUP "$pid"
wait_log hupe '"event":"reload"'
read -r cport how <<<"$(cl refused 127.0.0.1 "$P")"
check "--acl-allow-empty: a rule reloaded denies 127.0.0.1" reset "$how"
: >"$_tmp/open.acl"
kill -HUP "$pid"
wait_log hupe '"event":"reload"' 2
check "--acl-allow-empty: the empty file reloaded, 0 rules" "0" \
	"$("$PY" -c 'import json,sys; print([j for j in map(json.loads, open(sys.argv[1])) if j["event"] == "reload"][-1]["rules"])' "$_tmp/hupe.log")"
read -r cport got <<<"$(cl ping 127.0.0.1 "$P")"
check "--acl-allow-empty: after it 127.0.0.1 relays again" ping "$got"
read -r cport how <<<"$(cl refused ::1 "$P")"
check "--acl-allow-empty: --deny ::1 stays" reset "$how"
stop "$pid"
printf 'allow ::1\n' >"$_tmp/json.acl"
proxy hupj --listen '[::1]:0' --to "127.0.0.1:$ECHO" --acl "$_tmp/json.acl" --json
: >"$_tmp/json.acl"
kill -HUP "$pid"
wait_log hupj '"event":"reload-failed"'
check "--json: reload-failed for an empty file, the file and why" \
	"$_tmp/json.acl None None True" \
	"$("$PY" -c 'import json,sys; j=[j for j in map(json.loads, open(sys.argv[1])) if j["event"] == "reload-failed"][0]; print(j["file"], j["line"], j["column"], j["error"].startswith("no rules (empty"))' "$_tmp/hupj.log")"
read -r cport got <<<"$(cl ping ::1 "$port")"
check "--json: after the refused reload ::1 still relays" ping "$got"
stop "$pid"

proxy nohup --listen '[::1]:0' --to "127.0.0.1:$ECHO"
kill -HUP "$pid"
wait_log nohup 'reload'
check "SIGHUP without --acl: a line saying so" 1 "$(count nohup "^$TS reload: no --acl file")"
kill -0 "$pid" 2>/dev/null && ok "SIGHUP without --acl: still running" ||
	not_ok "SIGHUP without --acl: still running"
stop "$pid"

# --- Limits -------------------------------------------------------------------------
proxy lim --listen '[::1]:0' --to "127.0.0.1:$ECHO" --max-conns-per-client 2
check "--max-conns-per-client 2: the third from ::1 is reset" reset "$(cl limit ::1 "$port" 2)"
wait_log lim ' conn ' 3
check "the third: reason=limit" 1 "$(count lim "conn client=\[::1\]:[0-9]+ family=IPv6 .* backend=- local=- in=0 out=0 $DUR reason=limit$")"
check "the two others: relayed" 2 "$(count lim 'reason=client-eof$')"
stop "$pid"

proxy mc --listen '[::1]:0' --to "127.0.0.1:$ECHO" --max-conns 1
check "--max-conns 1: the second client waits in the backlog, then is served" \
	"waiting b" "$(cl backlog ::1 "$port")"
wait_log mc ' conn ' 2
check "--max-conns: nobody refused" 2 "$(count mc 'reason=client-eof$')"
stop "$pid"

# --- The descriptor budget ----------------------------------------------------------
# Under ulimit -n 64, more clients than the budget allows, each sent bulk
# data by a "source" backend and reading none of it: the proxy never
# reaches the limit (its descriptors sampled from /proc while they
# come), never meets EMFILE, serves as many as the budget says and
# resets the others at once (none left waiting), says so in one "busy"
# line and one "busy-over" line, and serves a client normally after.
cat >"$_tmp/hoard.py" <<'EOF'
import errno, os, socket, sys, time
host, port, pid, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
def fds():
    return len(os.listdir("/proc/%s/fd" % pid))
peak = fds()
socks = []
early = 0  # reset before the request was out
for _ in range(n):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    # A small window: the bytes stop at the proxy soon.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(5)
    try:
        s.connect((host, port))
        s.sendall(b"GET /big HTTP/1.0\r\n\r\n")
        socks.append(s)
    except (ConnectionResetError, BrokenPipeError):
        early += 1
        s.close()
    peak = max(peak, fds())
# Longer than a stall (1 s), so that the pipes go back too.
end = time.time() + 2.5
while time.time() < end:
    peak = max(peak, fds())
    time.sleep(0.005)
served = other = 0
reset = early
for s in socks:
    e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if e == errno.ECONNRESET:
        reset += 1
        continue
    try:
        got = s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        served += 1 if got else 0
        other += 0 if got else 1
    except ConnectionResetError:
        reset += 1
    except OSError:
        other += 1
print(served, reset, other, peak)
for s in socks:
    s.close()
EOF
serve src --proto source || not_ok "the source backend starts"
SRC=$port
( ulimit -n 64 && exec "$DUALSTACK" proxy --listen 127.0.0.1:0 --to "127.0.0.1:$SRC" ) \
	>"$_tmp/fd.log" 2>"$_tmp/fd.err" &
pid=$!
pids+=("$pid")
wait_port fd
P=$port
fd0=$(ls /proc/"$pid"/fd | wc -l)
read -r served reset other peak <<<"$(timeout 60 "$PY" "$_tmp/hoard.py" 127.0.0.1 "$P" "$pid" 60)"
wait_log fd '^[^ ]+ busy-over '
budget=$(grep -oE ' busy [0-9]+ connections open' "$_tmp/fd.log" | grep -oE '[0-9]+')
echo "# ulimit -n 64: $fd0 descriptors idle, peak $peak; budget $budget: $served served, $reset reset, $other neither"
if [ -n "$peak" ] && [ "$peak" -lt 64 ]; then
	ok "ulimit -n 64: the proxy's descriptors stay under the limit (peak $peak)"
else
	not_ok "ulimit -n 64: the proxy's descriptors stay under the limit" "peak ${peak:-?}"
fi
check "ulimit -n 64: no EMFILE" 0 \
	"$(cat "$_tmp/fd.log" "$_tmp/fd.err" | grep -ciE 'too many open files|EMFILE')"
check "ulimit -n 64: one busy line, then one busy-over line" "1 1" \
	"$(count fd "^$TS busy [0-9]+ connections open, the most ulimit -n 64 allows: new clients are reset$") $(count fd "^$TS busy-over [0-9]+ connections open: accepting again \([0-9]+ clients were reset\)$")"
has "ulimit -n 64: a budget of a few connections" "${budget:-none}" '^([4-9]|1[0-9]|2[0-4])$'
check "ulimit -n 64: the budget's clients served, the rest reset, none waiting" \
	"${budget:-?} $((60 - ${budget:-0})) 0" "$served $reset $other"
check "ulimit -n 64: each reset client has its line, reason=busy" "$reset" \
	"$(count fd "conn client=127\.0\.0\.1:[0-9]+ family=IPv4 listener=127\.0\.0\.1:$P backend=- local=- in=0 out=0 $DUR reason=busy$")"
check "ulimit -n 64: busy-over counts the reset clients" 1 \
	"$(count fd "busy-over .*\($reset clients were reset\)$")"
read -r cport got <<<"$(timeout 30 "$PY" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
b = b""
while len(b) < 100000:
    c = s.recv(65536)
    if not c:
        break
    b += c
print(s.getsockname()[1], len(b) >= 100000 or len(b))' "$P")"
check "ulimit -n 64: a client after the crowd is served" True "$got"
wait_log fd "conn client=127\.0\.0\.1:$cport "
fd1=$(ls /proc/"$pid"/fd | wc -l)
if [ "$fd1" -le $((fd0 + 8)) ]; then
	ok "ulimit -n 64: back to $fd1 descriptors (idle: $fd0, plus the pipe pool)"
else
	not_ok "ulimit -n 64: descriptors back to about the idle count" "idle $fd0, now $fd1"
fi
stop "$pid"
check "ulimit -n 64: exit 0" 0 "$rc"
# The same in JSON: busy and busy-over with their numbers.
( ulimit -n 64 && exec "$DUALSTACK" proxy --listen 127.0.0.1:0 --to "127.0.0.1:$SRC" --json ) \
	>"$_tmp/fdj.log" 2>"$_tmp/fdj.err" &
pid=$!
pids+=("$pid")
wait_port fdj
read -r served reset other peak <<<"$(timeout 60 "$PY" "$_tmp/hoard.py" 127.0.0.1 "$port" "$pid" $((${budget:-0} + 6)))"
wait_log fdj '"event":"busy-over"'
check "--json: busy (connections, limit, nofile), busy-over (refused)" \
	"${budget:-?} ${budget:-?} 64 6" \
	"$("$PY" -c '
import json, sys
ev = {j["event"]: j for j in map(json.loads, open(sys.argv[1]))}
print(ev["busy"]["connections"], ev["busy"]["limit"], ev["busy"]["nofile"], ev["busy-over"]["refused"])' "$_tmp/fdj.log")"
stop "$pid"
# --max-conns above the budget: said at start, and the budget holds.
( ulimit -n 64 && exec "$DUALSTACK" proxy --listen 127.0.0.1:0 --to "127.0.0.1:$SRC" \
	--max-conns 1000 ) >"$_tmp/fdmc.log" 2>"$_tmp/fdmc.err" &
pid=$!
pids+=("$pid")
wait_port fdmc
has "--max-conns above the budget: a warning at start" "$(cat "$_tmp/fdmc.err")" \
	"--max-conns 1000 is more than ulimit -n 64 allows \\(${budget:-?} connections\\); clients beyond that are reset"
stop "$pid"
# A limit with no room for a connection: exit 3, and why.
( ulimit -n 20 && exec timeout 10 "$DUALSTACK" proxy --listen 127.0.0.1:0 --to "127.0.0.1:$SRC" ) \
	>"$_tmp/fdlow.log" 2>"$_tmp/fdlow.err"
check "ulimit -n 20: exit 3" 3 "$?"
has "ulimit -n 20: the message says so" "$(cat "$_tmp/fdlow.err")" \
	"ulimit -n 20 leaves no room for connections: [0-9]+ descriptors in use or set aside, 16 spare; raise it"

proxy rate --listen '[::1]:0' --to "127.0.0.1:$ECHO" --rate 0.5
read -r _ first <<<"$(cl ping ::1 "$port")"
read -r _ second <<<"$(cl refused ::1 "$port")"
check "--rate 0.5: the first relays, the second at once is reset" "ping reset" "$first $second"
wait_log rate 'reason=rate$'
check "--rate: reason=rate" 1 "$(count rate 'reason=rate$')"
stop "$pid"

proxy idle --listen '[::1]:0' --to "127.0.0.1:$ECHO" --idle-timeout 0.3
read -r how secs <<<"$(cl idle ::1 "$port")"
check "--idle-timeout 0.3: closed" eof "$how"
has "--idle-timeout 0.3: after about 0.3 s" "$secs" '^(0\.[2-9][0-9]|[12]\.[0-9]+)$'
wait_log idle ' conn '
check "--idle-timeout: reason=idle-timeout" 1 "$(count idle 'reason=idle-timeout$')"
stop "$pid"

# --- Backends down --------------------------------------------------------------------
DOWN=$(closed_port)
proxy down --listen '[::1]:0' --to "127.0.0.1:$DOWN"
read -r _ how <<<"$(cl refused ::1 "$port")"
wait_log down ' conn '
check "backend refusing: reason=backend-unreachable with a detail" 1 \
	"$(count down "conn client=\[::1\]:[0-9]+ family=IPv6 .* backend=- local=- in=0 out=0 $DUR reason=backend-unreachable detail=\".+\"$")"
check "backend refusing: a backend-down line" 1 \
	"$(count down "^$TS backend-down 127\.0\.0\.1:$DOWN \"connection refused\"$")"
cl refused ::1 "$port" >/dev/null
wait_log down ' conn ' 2
check "backend refusing: the proxy keeps serving" 2 "$(count down 'reason=backend-unreachable')"
kill -0 "$pid" 2>/dev/null && ok "backend refusing: still running" ||
	not_ok "backend refusing: still running"
stop "$pid"

proxy fo --listen '[::1]:0' --to "127.0.0.1:$DOWN" --to "127.0.0.1:$ECHO"
read -r cport got <<<"$(cl ping ::1 "$port")"
check "failover: the second backend answers" ping "$got"
wait_log fo ' conn '
check "failover: tries=2, backend the live one" 1 \
	"$(count fo "conn client=\[::1\]:$cport family=IPv6 listener=\[::1\]:$port backend=127\.0\.0\.1:$ECHO local=127\.0\.0\.1:[0-9]+ in=4 out=4 $DUR reason=client-eof tries=2 detail=\"127\.0\.0\.1:$DOWN: connection refused\"$")"
stop "$pid"

# A backend by name, one family (/etc/hosts has localhost as 127.0.0.1).
# Two workers: each resolves on its own thread.
proxy name4 --listen '[::1]:0' --to "localhost:$ECHO" -4 -j 2
read -r cport got <<<"$(cl ping ::1 "$port")"
check "--to localhost -4: relays to 127.0.0.1" ping "$got"
wait_log name4 ' conn '
check "--to localhost -4: the backend address" 1 "$(count name4 "backend=127\.0\.0\.1:$ECHO ")"
stop "$pid"

# --quiet: no connection lines, the rest stays.
proxy quiet --listen '[::1]:0' --to "127.0.0.1:$ECHO" -q
read -r cport got <<<"$(cl ping ::1 "$port")"
check "--quiet: relays" ping "$got"
stop "$pid"
check "--quiet: listening and stopped, no conn line" "1 0 1" \
	"$(count quiet 'listening on') $(count quiet ' conn ') $(count quiet 'stopped: accepted=1 relayed=1')"

# --- PROXY protocol to the backend ------------------------------------------------------
capture cap1
CAP=$port
printf 'hello v1' >"$_tmp/hello"
proxy sp1 --listen '[::1]:0' --to "127.0.0.1:$CAP" --send-proxy v1
P=$port
read -r cport got <<<"$(cl header ::1 "$P" "$_tmp/hello")"
check "--send-proxy v1: the backend answered" ok "$got"
for _ in $(seq 100); do [ -e "$_tmp/cap1/conn-1" ] && break; sleep 0.05; done
check "--send-proxy v1: the header names the real client and the port it hit" \
	"'PROXY TCP6 ::1 ::1 $cport $P\\r\\nhello v1'" \
	"$("$PY" -c 'import sys; print(repr(open(sys.argv[1], "rb").read().decode()))' "$_tmp/cap1/conn-1")"
wait_log sp1 ' conn '
check "--send-proxy v1: in counts the client's bytes only" 1 "$(count sp1 "conn client=\[::1\]:$cport .* in=8 out=3 ")"
stop "$pid"

printf 'hello v2' >"$_tmp/hello"
proxy sp2 --listen '[::1]:0' --to "127.0.0.1:$CAP" --send-proxy v2
P=$port
read -r cport got <<<"$(cl header ::1 "$P" "$_tmp/hello")"
for _ in $(seq 100); do [ -e "$_tmp/cap1/conn-2" ] && break; sleep 0.05; done
check "--send-proxy v2: signature, PROXY TCP6, [::1]:client -> [::1]:port, then the data" \
	"True 0x21 0x21 36 ::1 ::1 $cport $P b'hello v2'" \
	"$("$PY" - "$_tmp/cap1/conn-2" <<'EOF'
import ipaddress, struct, sys
b = open(sys.argv[1], "rb").read()
sig = b[:12] == b"\r\n\r\n\x00\r\nQUIT\n"
ver, fam, ln = b[12], b[13], struct.unpack(">H", b[14:16])[0]
src, dst = ipaddress.ip_address(b[16:32]), ipaddress.ip_address(b[32:48])
sp, dp = struct.unpack(">HH", b[48:52])
print(sig, hex(ver), hex(fam), ln, src, dst, sp, dp, b[16 + ln:])
EOF
)"
stop "$pid"

# --- The open-relay check: a client cannot choose the destination ----------------------
capture cap2
CAP2=$port
printf 'GET http://192.0.2.1/ HTTP/1.0\r\n\r\n' >"$_tmp/get"
proxy open --listen '[::1]:0' --to "127.0.0.1:$CAP2"
read -r cport got <<<"$(cl header ::1 "$port" "$_tmp/get")"
for _ in $(seq 100); do [ -e "$_tmp/cap2/conn-1" ] && break; sleep 0.05; done
sleep 0.2
check "open relay: the request arrived, byte for byte, at the configured backend" \
	"$(sha256sum <"$_tmp/get")" "$(sha256sum <"$_tmp/cap2/conn-1")"
check "open relay: one connection there, and nothing else made" "1" \
	"$(ls "$_tmp/cap2" | grep -c '^conn-')"
wait_log open ' conn '
check "open relay: the log names the configured backend" 1 \
	"$(count open "backend=127\.0\.0\.1:$CAP2 .* in=34 out=3 ")"
stop "$pid"

# --- PROXY protocol from the client ---------------------------------------------------------
proxy ap --listen '[::]:0' --to "127.0.0.1:$ECHO" --accept-proxy --trusted 127.0.0.1
P=$port
printf 'PROXY TCP6 2001:db8::7 2001:db8::1 40000 443\r\nhello' >"$_tmp/h1"
read -r cport got <<<"$(cl header 127.0.0.1 "$P" "$_tmp/h1")"
check "--accept-proxy: the data after the header relayed" hello "$got"
wait_log ap ' conn '
check "--accept-proxy: the header's client, proxied_by the balancer, header=v1" 1 \
	"$(count ap "^$TS conn client=\[2001:db8::7\]:40000 family=IPv6 listener=127\.0\.0\.1:$P backend=127\.0\.0\.1:$ECHO local=127\.0\.0\.1:[0-9]+ in=5 out=5 $DUR reason=client-eof proxied_by=127\.0\.0\.1:$cport header=v1$")"
read -r cport how <<<"$(cl header ::1 "$P" "$_tmp/h1")"
check "--accept-proxy: an untrusted peer is reset" reset "$how"
wait_log ap ' conn ' 2
check "--accept-proxy: reason=untrusted" 1 "$(count ap "conn client=\[::1\]:$cport .* reason=untrusted$")"
printf 'PROXY TCP4 192.0.2.999 192.0.2.1 40000 443\r\nhello' >"$_tmp/h2"
read -r cport how <<<"$(cl header 127.0.0.1 "$P" "$_tmp/h2")"
check "--accept-proxy: a malformed header gets nothing relayed" "" "$([ "$how" = hello ] && echo relayed)"
wait_log ap ' conn ' 3
check "--accept-proxy: reason=bad-header with a detail" 1 \
	"$(count ap "conn client=127\.0\.0\.1:$cport family=IPv4 .* reason=bad-header detail=\".+\"$")"
stop "$pid"

# --- -j 2 -------------------------------------------------------------------------------------
# Twenty clients (127.0.0.1 to 127.0.0.20), two connections each: both
# workers serve, and each client group is steered to one worker.
proxy j2 --listen '127.0.0.1:0' --to "127.0.0.1:$ECHO" -j 2 --json
P=$port
check "-j 2: one listening line per socket" 1 "$(count j2 '"event":"listening"')"
check "-j 2: 40 connections relayed" 40 "$(cl sources 127.0.0.1 "$P" 20 2)"
wait_log j2 '"event":"conn"' 40
"$PY" - "$_tmp/j2.log" >"$_tmp/j2.workers" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for e in ev:
    if e["event"] == "conn":
        by.setdefault(e["client_addr"], set()).add(e["worker"])
print(sorted(set().union(*by.values())))
print(len(by), max(len(w) for w in by.values()))
EOF
check "-j 2: both workers served" "[0, 1]" "$(sed -n 1p "$_tmp/j2.workers")"
# A ThreadSanitizer build (libtsan) runs a thread of its own.
tsan=0
grep -q libtsan "/proc/$pid/maps" && tsan=1
check "-j 2: two threads" 2 "$(($(ls /proc/"$pid"/task | wc -l) - tsan))"
steered=yes
grep -q 'cannot be steered' "$_tmp/j2.err" && steered=
if [ -n "$steered" ]; then
	check "-j 2: every client on one worker (steered by prefix)" "20 1" \
		"$(sed -n 2p "$_tmp/j2.workers")"
else
	ok "# SKIP the kernel refuses reuseport steering: $(cat "$_tmp/j2.err")"
fi
stop "$pid"
check "-j 2: SIGTERM stops every worker, exit 0" 0 "$rc"
check "-j 2: one stopped event, all counted" "40 40" "$("$PY" -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
s = [e for e in ev if e["event"] == "stopped"]
print(s[0]["accepted"], s[0]["relayed"]) if len(s) == 1 else print(len(s))' "$_tmp/j2.log")"

# Per-client limits hold across workers when clients are steered.
proxy j2lim --listen '[::1]:0' --to "127.0.0.1:$ECHO" -j 2 --max-conns-per-client 2
if [ -n "$steered" ]; then
	check "-j 2 --max-conns-per-client 2: the third from ::1 is reset" reset \
		"$(cl limit ::1 "$port" 2)"
else
	ok "# SKIP per-client limits count per worker without steering"
fi
stop "$pid"
check "-j 2 on [::1]: exit 0" 0 "$rc"

# --- --user (root only) -------------------------------------------------------------------
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	proxy user --listen '[::1]:0' --to "127.0.0.1:$ECHO" --user nobody
	check "--user nobody: runs as nobody after binding" "$(id -u nobody)" \
		"$(awk '/^Uid:/ {print $3}' /proc/"$pid"/status)"
	read -r _ got <<<"$(cl ping ::1 "$port")"
	check "--user nobody: relays" ping "$got"
	stop "$pid"
else
	ok "# SKIP --user needs root and a user 'nobody'"
fi

# --- SIGTERM drain ---------------------------------------------------------------------------
proxy drain --listen '[::1]:0' --to "127.0.0.1:$ECHO" --drain 5
P=$port
mkdir -p "$_tmp/i2"
cl interactive ::1 "$P" "$_tmp/i2" >"$_tmp/i2.out" &
ipid=$!
for _ in $(seq 200); do [ -e "$_tmp/i2/ready" ] && break; sleep 0.05; done
kill -TERM "$pid"
wait_log drain 'draining'
check "SIGTERM: draining line with the open connection" 1 \
	"$(count drain "^$TS draining \(1 connections, 5\.00s\)$")"
read -r _ how <<<"$(cl refused ::1 "$P")"
check "draining: no new connections" connect-refused "$how"
touch "$_tmp/i2/go"
wait "$ipid"
read -r icport a b <"$_tmp/i2.out"
check "draining: the live connection finishes" "before after" "$a $b"
wait_exit "$pid" 10
check "drain: exit 0" 0 "$rc"
check "drain: its conn line, client-eof" 1 \
	"$(count drain "conn client=\[::1\]:$icport .* in=13 out=13 $DUR reason=client-eof$")"
check "drain: stopped line" 1 \
	"$(count drain "^$TS stopped: accepted=1 relayed=1 refused=0 failed=0$")"

# A second signal closes what is left at once.
proxy drain2 --listen '[::1]:0' --to "127.0.0.1:$ECHO" --drain 30
mkdir -p "$_tmp/i3"
cl interactive ::1 "$port" "$_tmp/i3" >"$_tmp/i3.out" &
ipid=$!
for _ in $(seq 200); do [ -e "$_tmp/i3/ready" ] && break; sleep 0.05; done
kill -TERM "$pid"
wait_log drain2 'draining'
kill -TERM "$pid"
wait_exit "$pid" 5
check "a second SIGTERM: exit 0 at once" 0 "$rc"
check "a second SIGTERM: the connection closed, reason=shutdown" 1 "$(count drain2 'reason=shutdown$')"
touch "$_tmp/i3/go"
wait "$ipid"

# Durations take units; a plain number stays seconds (--drain 5 above).
proxy drain3 --listen '[::1]:0' --to "127.0.0.1:$ECHO" --drain 2500ms --idle-timeout 1.5s \
	--connect-timeout 300ms --fail-hold 2m
kill -TERM "$pid"
wait_log drain3 'draining'
check "--drain 2500ms: drains for 2.5 s" 1 \
	"$(count drain3 "^$TS draining \(0 connections, 2\.50s\)$")"
wait_exit "$pid" 10
check "durations with units: exit 0" 0 "$rc"
usage "--drain 5h" "--drain takes seconds from 0 to 86400, not '5h'" "${L[@]}" "${T[@]}" --drain 5h

# With a sanitizer build, a leak or an error at exit shows up here.
check "no sanitizer report from any proxy or backend" "" \
	"$(grep -lE 'ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer|runtime error' "$_tmp"/*.err 2>/dev/null)"

done_testing
