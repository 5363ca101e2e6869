#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# dualstack proxy across three network namespaces: the two hosts of
# tests/net/lib/netns.sh and an IPv4-only backend host behind the proxy.
#
#   CLIENT  2001:db8::1/64, 2001:db8::11/64 (the same /64),
#           2001:db8:1::1/64 (another /64), 198.51.100.1/24
#      |
#   SERVER  the proxy: 2001:db8::2/64, 2001:db8:1::2/64, 198.51.100.2/24;
#           203.0.113.1/24 toward the backend
#      |
#   BACKEND 203.0.113.2/24, 203.0.113.3/24, 203.0.113.99/24; IPv6
#           disabled (no address at all, not even link-local)
#
# The client speaks IPv6 to the proxy, the proxy IPv4 to the backend.
# Backends and clients are small Python programs that log what they saw
# (peer address and port, byte counts, SHA-256). Scenarios:
#
#   1  IPv6 client -> dual listener -> IPv4-only backend: the conn log
#      names the real IPv6 client and port, the proxy's local end is the
#      port the backend saw, the byte counts are right; the same in --json
#   2  32 MiB of random data each way at once: SHA-256 equal both ways
#   3  half-close both ways: the client's FIN reaches the backend while
#      the answer still comes back; the backend's FIN reaches the client
#      while the client still sends
#   4  backend down: nothing listening (refused), an nftables ICMP reject,
#      an nftables drop (closed after ~--connect-timeout); reason
#      backend-unreachable and a backend-down line; once the backend is
#      back the next client is served
#   5  two backends, one blackholed: failover (tries=2), then the failed
#      one is skipped while held
#   6  ACL: a block list (an IPv6 host, an IPv4 network that an IPv4
#      client on the dual listener cannot bypass as ::ffff:a.b.c.d) and an
#      allow list (a rule in mapped notation admits the IPv4 client);
#      the IPv4 rule on a "separate" listener's own IPv4 socket
#   7  --max-conns-per-client: two addresses of one /64 counted together,
#      a client from another /64 not limited, the slot freed at close;
#      --rate/--burst per /64; --max-conns: the next client waits in the
#      backlog until a connection closes
#   8  --idle-timeout
#   9  SIGHUP reloads the --acl file while a connection relays (it goes on);
#      a bad file keeps the old ACL
#  10  never an open relay: "GET http://203.0.113.99/" and "CONNECT" reach
#      the configured backend verbatim; a listener on 203.0.113.99 sees
#      nothing
#  11  a backend by name, resolved through --server (a test DNS server on
#      the backend host), its unreachable AAAA passed over for its A
#  12  SIGTERM drains (a live connection ends with reason shutdown), exit 0
#      and the stopped line; a listener that cannot be opened: exit 3
#
# Prints TAP. Needs root, iproute2's "ip netns" and nft; exits 77
# otherwise. About 20 s; every wait is bounded.
# shellcheck disable=SC2154 # pid_NAME: set by proxy() with printf -v
set -u

top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
DUALSTACK=${DUALSTACK:-${DS_BUILD:-$top/build}/src/dualstack}
# shellcheck source=tests/net/lib/netns.sh
. "$top/tests/net/lib/netns.sh"
netns_require
if [ ! -x "$DUALSTACK" ]; then
	echo "skip: $DUALSTACK not built"
	exit 77
fi
if ! "$DUALSTACK" proxy --help >/dev/null 2>&1; then
	echo "skip: $DUALSTACK has no working proxy command"
	exit 77
fi

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
# not_ok NAME [LINE]...: a failure, with the lines under it; shows the
# log of the proxy in $show (once per proxy).
shown=
show=
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	local l
	for l in "$@"; do echo "#   $l"; done
	if [ -n "$show" ] && [ "$shown" != "$show" ]; then
		shown=$show
		echo "#   proxy log $show (stdout, then stderr):"
		sed 's/^/#     /' "$tmp/$show.log" "$tmp/$show.err" 2>/dev/null |
			head -40
	fi
}
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1" "want: $2" "got:  $3"
	fi
}
# has NAME TEXT REGEX: TEXT matches the extended regex.
has() {
	if printf '%s' "$2" | grep -qE -- "$3"; then ok "$1"; else
		not_ok "$1" "want: /$3/" "got:  $2"
	fi
}
# hasnt NAME TEXT REGEX: TEXT does not match it.
hasnt() {
	if printf '%s' "$2" | grep -qE -- "$3"; then
		not_ok "$1" "unwanted: /$3/" "got:  $2"
	else ok "$1"; fi
}
# range NAME LOW HIGH VALUE: LOW <= VALUE <= HIGH (decimals allowed).
range() {
	if awk -v v="$4" -v lo="$2" -v hi="$3" \
		'BEGIN { exit !(v != "" && v + 0 >= lo && v + 0 <= hi) }'; then
		ok "$1 ($4)"
	else
		not_ok "$1" "want: $2 to $3" "got:  $4"
	fi
}

# shellcheck disable=SC2119 # netns_setup takes no arguments
if ! netns_setup ||
	! netns_add_host backend server 203.0.113.1/24 203.0.113.2/24 \
		203.0.113.3/24 203.0.113.99/24; then
	not_ok "the topology is built"
	echo "1..$n"
	exit 1
fi
BACKEND=$NETNS_LAST_HOST
# A watchdog: a proxy that misbehaves everywhere makes every wait run to
# its bound; past 150 s in all, stop (the EXIT trap cleans up).
(
	trap 'kill "$s" 2>/dev/null; exit 0' TERM
	sleep 150 &
	s=$!
	wait "$s"
	echo "Bail out! over 150 s"
	kill -TERM $$
) &
NETNS_PIDS+=("$!")
tmp=$NETNS_DIR
PY=$NETNS_PY
if ! netns_add_addr client 2001:db8::11/64 ||
	! netns_add_addr client 2001:db8:1::1/64 ||
	! netns_add_addr server 2001:db8:1::2/64; then
	not_ok "the extra client addresses are added"
fi
TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
# A whole conn line, fields in the documented order.
CONN="^$TS conn client=[^ ]+ family=(IPv6|IPv4) listener=[^ ]+ \
backend=[^ ]+ local=[^ ]+ in=[0-9]+ out=[0-9]+ duration=[0-9.]+(us|ms|s) \
reason=[a-z-]+( |$)"

# --- The peers ------------------------------------------------------------------
# backend.py ADDR PORT MODE LOG [FILE]: a TCP server; each connection in a
# thread. Appends "listening", "accept IP PORT" and at the end "done IP
# PORT BYTES SHA256 HEAD" (HEAD: the first 256 bytes received, in hex) or
# "error IP PORT WHAT" to LOG. MODE:
#   reply  read to EOF, then send "got BYTES\n" and close
#   swap   send FILE and FIN, while reading to EOF
#   first  send "hello from the backend\n" and FIN, then read to EOF
#   echo   send back what comes, FIN after EOF
cat >"$tmp/backend.py" <<'EOF'
import hashlib, socket, sys, threading
addr, port, mode, logp = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
path = sys.argv[5] if len(sys.argv) > 5 else None
lock = threading.Lock()

def log(*a):
    with lock, open(logp, "a") as f:
        f.write(" ".join(str(x) for x in a) + "\n")

def take(c, echo=False):
    h, n, head = hashlib.sha256(), 0, b""
    while True:
        d = c.recv(1 << 16)
        if not d:
            return n, h.hexdigest(), head.hex() or "-"
        if echo:
            c.sendall(d)
        h.update(d)
        n += len(d)
        head += d[: max(0, 256 - len(head))]

def serve(c, peer):
    try:
        c.settimeout(30)
        if mode == "reply":
            r = take(c)
            c.sendall(b"got %d\n" % r[0])
        elif mode == "swap":
            def send():
                with open(path, "rb") as f:
                    while True:
                        b = f.read(1 << 20)
                        if not b:
                            break
                        c.sendall(b)
                c.shutdown(socket.SHUT_WR)
            t = threading.Thread(target=send)
            t.start()
            r = take(c)
            t.join()
        elif mode == "first":
            c.sendall(b"hello from the backend\n")
            c.shutdown(socket.SHUT_WR)
            r = take(c)
        else:
            r = take(c, echo=True)
            c.shutdown(socket.SHUT_WR)
        log("done", peer[0], peer[1], *r)
    except OSError as e:
        log("error", peer[0], peer[1], type(e).__name__)
    finally:
        c.close()

s = socket.socket(socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(128)
log("listening")
while True:
    c, peer = s.accept()
    log("accept", peer[0], peer[1])
    threading.Thread(target=serve, args=(c, peer), daemon=True).start()
EOF

# client.py MODE SRC DST PORT [ARG]: one connection from SRC; prints
# "local PORT" (its own port) first, then per MODE, and last "end HOW MS"
# (HOW: eof, reset or timeout; MS since connect). MODE:
#   send TEXT  send TEXT (Python escapes), FIN, read to EOF: "got REPR"
#   swap FILE  send FILE and FIN while reading to EOF: "got BYTES SHA256"
#   first      read to EOF ("got REPR"), then send "after eof\n" and FIN
#   hold FILE  send "one\n", read it back ("echo1 ok"), wait until FILE
#              exists (20 s at most), send "two\n", read it back
#              ("echo2 ok"), FIN
#   idle       send "x", read it back ("echo ok"), then wait: "end" says
#              when the proxy closed it, MS counted from the echo
#   probe      send "p" and read: "relayed" when it comes back, else
#              "closed", then FIN
cat >"$tmp/client.py" <<'EOF'
import hashlib, os, socket, sys, threading, time
mode, src, dst, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
arg = sys.argv[5] if len(sys.argv) > 5 else None
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
s = socket.socket(fam)
s.settimeout(15)
s.bind((src, 0))
# The port is known from bind() on: a refusal (an RST right after the
# handshake) can make connect() itself fail.
print("local", s.getsockname()[1], flush=True)
t0 = time.monotonic()
try:
    s.connect((dst, port))
    refused = None
except (ConnectionResetError, ConnectionRefusedError) as e:
    refused = e

def ms():
    return round((time.monotonic() - t0) * 1000)

def readn(k):
    b = b""
    while len(b) < k:
        d = s.recv(k - len(b))
        if not d:
            break
        b += d
    return b

def drain():
    h, n = hashlib.sha256(), 0
    while True:
        d = s.recv(1 << 16)
        if not d:
            return n, h.hexdigest()
        h.update(d)
        n += len(d)

how = "eof"
try:
    if refused is not None:
        if mode == "probe":
            print("closed", flush=True)
        raise refused
    if mode == "send":
        s.sendall(arg.encode().decode("unicode_escape").encode("latin-1"))
        s.shutdown(socket.SHUT_WR)
        b = b""
        while True:
            d = s.recv(4096)
            if not d:
                break
            b += d
        print("got", repr(b.decode("latin-1")), flush=True)
    elif mode == "swap":
        def send():
            with open(arg, "rb") as f:
                while True:
                    b = f.read(1 << 20)
                    if not b:
                        break
                    s.sendall(b)
            s.shutdown(socket.SHUT_WR)
        t = threading.Thread(target=send)
        t.start()
        r = drain()
        t.join()
        print("got", *r, flush=True)
    elif mode == "first":
        b = b""
        while True:
            d = s.recv(4096)
            if not d:
                break
            b += d
        print("got", repr(b.decode("latin-1")), flush=True)
        s.sendall(b"after eof\n")
        s.shutdown(socket.SHUT_WR)
        if s.recv(1):
            how = "data"
    elif mode == "hold":
        s.sendall(b"one\n")
        print("echo1", "ok" if readn(4) == b"one\n" else "bad", flush=True)
        for _ in range(200):
            if os.path.exists(arg):
                break
            time.sleep(0.1)
        s.sendall(b"two\n")
        print("echo2", "ok" if readn(4) == b"two\n" else "bad", flush=True)
        s.shutdown(socket.SHUT_WR)
        drain()
    elif mode == "idle":
        s.sendall(b"x")
        print("echo", "ok" if readn(1) == b"x" else "bad", flush=True)
        t0 = time.monotonic()
        drain()
    elif mode == "probe":
        try:
            s.sendall(b"p")
            r = readn(1)
        except (ConnectionResetError, BrokenPipeError):
            r, how = None, "reset"
        print("relayed" if r == b"p" else "closed", flush=True)
        if r == b"p":
            s.shutdown(socket.SHUT_WR)
            drain()
        elif r is not None:
            drain()
except socket.timeout:
    how = "timeout"
except ConnectionResetError:
    how = "reset"
except BrokenPipeError:
    how = "reset"
except ConnectionRefusedError:
    how = "refused"
print("end", how, ms(), flush=True)
EOF

# backend NAME ADDR PORT MODE [FILE]: start backend.py in BACKEND, logging
# to $tmp/NAME.blog, and wait until it listens.
backend() {
	local name=$1
	shift
	: >"$tmp/$name.blog"
	netns_spawn "$BACKEND" "$PY" "$tmp/backend.py" "$1" "$2" "$3" \
		"$tmp/$name.blog" "${4:-}"
	for _ in $(seq 100); do
		grep -q listening "$tmp/$name.blog" && return 0
		sleep 0.05
	done
	not_ok "backend $name listens on $1:$2"
	return 1
}

# proxy NAME ARGS...: start "dualstack proxy ARGS" in SERVER, stdout in
# $tmp/NAME.log, stderr in $tmp/NAME.err; waits for its "listening" line;
# $pid is its pid and the variable pid_NAME too.
proxy() {
	local name=$1
	shift
	show=$name
	netns_spawn server "$DUALSTACK" proxy "$@" \
		>"$tmp/$name.log" 2>"$tmp/$name.err"
	pid=$NETNS_LAST_PID
	printf -v "pid_$name" %s "$pid"
	for _ in $(seq 100); do
		grep -qE 'listening on|"event":"listening"' "$tmp/$name.log" &&
			return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	not_ok "proxy $name starts: dualstack proxy $*"
	return 1
}

# client MODE SRC DST PORT [ARG]: client.py in CLIENT, 20 s at most; its
# output in $out, its port in $cport, "end HOW MS" in $end.
client() {
	out=$(netns_exec client timeout 20 "$PY" "$tmp/client.py" "$@" 2>&1)
	cport=$(printf '%s\n' "$out" | sed -n 's/^local //p')
	end=$(printf '%s\n' "$out" | grep '^end ')
}

# bgclient FILE MODE SRC DST PORT [ARG]: client.py in the background,
# output to FILE.
bgclient() {
	local f=$1
	shift
	netns_spawn client timeout 30 "$PY" "$tmp/client.py" "$@" >"$f" 2>&1
}

# wait_file FILE REGEX [COUNT]: until FILE has COUNT (1) matching lines;
# 5 s at most.
wait_file() {
	for _ in $(seq 100); do
		[ "$(grep -cE -- "$2" "$1" 2>/dev/null)" -ge "${3:-1}" ] && return 0
		sleep 0.05
	done
	return 1
}

# conn NAME CLIENT_ADDR PORT: the conn line of that client in proxy NAME's
# log, waiting 5 s at most for it; sets $line (empty: none).
conn() {
	local re="conn client=$2:$3 "
	re=${re//[/\\[}
	re=${re//]/\\]}
	re=${re//./\\.}
	line=
	wait_file "$tmp/$1.log" "$re" || return 1
	line=$(grep -E -- "$re" "$tmp/$1.log" | tail -n1)
}

# field KEY: KEY's value in $line.
field() {
	printf '%s\n' "$line" | grep -oE " $1=[^ ]+" | head -n1 | cut -d= -f2-
}

# blog NAME PORT: the "done" line backend NAME logged for peer port PORT
# (5 s at most); sets $bline.
blog() {
	bline=
	wait_file "$tmp/$1.blog" "^done 203\.0\.113\.1 $2 " || return 1
	bline=$(grep -E "^done 203\.0\.113\.1 $2 " "$tmp/$1.blog" | tail -n1)
}

# stop PID SECONDS: SIGTERM, then wait_exit.
stop() {
	kill -TERM "$1" 2>/dev/null
	wait_exit "$@"
}

# wait_exit PID SECONDS: wait for PID to exit, no signal sent; sets $rc
# (124: still running, then killed).
wait_exit() {
	local p=$1
	for _ in $(seq $(($2 * 20))); do
		if ! _netns_alive "$p"; then
			wait "$p" 2>/dev/null
			rc=$?
			return 0
		fi
		sleep 0.05
	done
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	rc=124
}

# finish NAME: SIGTERM proxy NAME; a bad exit status goes in $bad_exits.
bad_exits=
finish() {
	local v=pid_$1
	stop "${!v}" 10
	[ "$rc" = 0 ] || bad_exits+=" $1:$rc"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# --- 1 IPv6 client, IPv4-only backend ----------------------------------------
has "1 the backend host has no IPv6 address" \
	"$(ip -n "$BACKEND" -6 addr show 2>&1 | grep -c inet6) inet6" '^0 inet6$'
backend reply 203.0.113.2 80 reply
proxy p1 --listen '[::]:8001' --to 203.0.113.2:80
has "1 listening line" "$(cat "$tmp/p1.log")" \
	"^$TS listening on \[::\]:8001 \(IPv6 and IPv4, IPV6_V6ONLY=0\)$"
client send 2001:db8::1 2001:db8::2 8001 'hello backend\n'
check "1 the client gets the backend's answer" \
	"got 'got 14\\n'" "$(printf '%s\n' "$out" | grep '^got ')"
conn p1 '[2001:db8::1]' "$cport"
has "1 a conn line in the documented form" "$line" "$CONN"
check "1 the conn line names the IPv6 client and its port" \
	"[2001:db8::1]:$cport IPv6" "$(field client) $(field family)"
has "1 listener" "$(field listener)" '^\[(::|2001:db8::2)\]:8001$'
check "1 backend" 203.0.113.2:80 "$(field backend)"
blog reply "$(field local | sed 's/.*://')"
has "1 local= is the end the backend saw" "$(field local)" '^203\.0\.113\.1:[0-9]+$'
has "1 the backend got the bytes from that port" "$bline" \
	"^done 203\.0\.113\.1 [0-9]+ 14 $(printf 'hello backend\n' | sha256sum | cut -d' ' -f1) "
check "1 in/out" "14 7" "$(field in) $(field out)"
has "1 reason" "$(field reason)" '^(client|backend)-eof$'

proxy p1j --json --listen '[::]:8002' --to 203.0.113.2:80
client send 2001:db8::1 2001:db8::2 8002 'hello json\n'
wait_file "$tmp/p1j.log" '"event":"conn"'
j=$(grep -m1 '"event":"conn"' "$tmp/p1j.log")
got=$(printf '%s' "$j" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
print(j["client"], j["client_addr"], j["client_port"], j["family"],
      j["backend"], j["local"].rsplit(":", 1)[1] == str(j["local_port"]),
      j["bytes_in"], j["bytes_out"], j["reason"] in ("client-eof", "backend-eof"),
      isinstance(j["duration_ms"], (int, float)))' 2>&1)
check "1 --json: the conn object" \
	"[2001:db8::1]:$cport 2001:db8::1 $cport ipv6 203.0.113.2:80 True 11 7 True True" \
	"$got"
has "1 --json: the listening object" "$(grep -m1 listening "$tmp/p1j.log")" \
	'"event":"listening".*"port":8002'
hasnt "1 --json: every line is JSON" \
	"$("$PY" -c '
import json, sys
for l in open(sys.argv[1]):
    try:
        json.loads(l)
    except ValueError:
        print("bad:", l.strip())' "$tmp/p1j.log")" bad

# --- 2 32 MiB each way ---------------------------------------------------------
head -c 32M /dev/urandom >"$tmp/up"
head -c 32M /dev/urandom >"$tmp/down"
backend swap 203.0.113.2 81 swap "$tmp/down"
proxy p2 -q --listen '[::]:8003' --to 203.0.113.2:81
client swap 2001:db8::1 2001:db8::2 8003 "$tmp/up"
check "2 the client got the backend's 32 MiB intact" \
	"got 33554432 $(sha "$tmp/down")" "$(printf '%s\n' "$out" | grep '^got ')"
check "2 and closed on EOF" eof "$(printf '%s' "$end" | cut -d' ' -f2)"
wait_file "$tmp/swap.blog" '^done '
check "2 the backend got the client's 32 MiB intact" \
	"33554432 $(sha "$tmp/up")" \
	"$(grep '^done ' "$tmp/swap.blog" | cut -d' ' -f4,5)"
hasnt "2 -q: no conn line" "$(cat "$tmp/p2.log")" ' conn '
rm -f "$tmp/up" "$tmp/down"
finish p2

# --- 3 half-close ----------------------------------------------------------------
# The client's FIN first: "reply" answers only after it saw EOF.
client send 2001:db8::1 2001:db8::2 8001 'half\n'
check "3 client FIN first: the answer still comes back" \
	"got 'got 5\\n'" "$(printf '%s\n' "$out" | grep '^got ')"
conn p1 '[2001:db8::1]' "$cport"
check "3 client FIN first: the client finished first" client-eof "$(field reason)"
# The backend's FIN first: the client still sends after it.
backend first 203.0.113.2 82 first
proxy p3 --listen '[::]:8004' --to 203.0.113.2:82
client first 2001:db8::1 2001:db8::2 8004
check "3 backend FIN first: the client reads to EOF" \
	"got 'hello from the backend\\n'" "$(printf '%s\n' "$out" | grep '^got ')"
check "3 backend FIN first: and the connection ends cleanly" eof \
	"$(printf '%s' "$end" | cut -d' ' -f2)"
conn p3 '[2001:db8::1]' "$cport"
blog first "$(field local | sed 's/.*://')"
has "3 backend FIN first: what the client sent after it arrived" "$bline" \
	"^done 203\.0\.113\.1 [0-9]+ 10 [0-9a-f]+ $(printf 'after eof\n' | od -An -tx1 | tr -d ' \n')$"
check "3 backend FIN first: reason and bytes" "backend-eof 10 23" \
	"$(field reason) $(field in) $(field out)"

# --- 4 backend down ----------------------------------------------------------------
# Nothing listening: refused at once.
proxy p4a --listen '[::]:8005' --to 203.0.113.2:90 --connect-timeout 1
client probe 2001:db8::1 2001:db8::2 8005
check "4 refused: the client is closed" closed \
	"$(printf '%s\n' "$out" | sed -n 2p)"
range "4 refused: at once (ms)" 0 700 "$(printf '%s' "$end" | cut -d' ' -f3)"
conn p4a '[2001:db8::1]' "$cport"
has "4 refused: a conn line" "$line" "$CONN"
check "4 refused: reason backend-unreachable, no backend" \
	"backend-unreachable - - 0 0" \
	"$(field reason) $(field backend) $(field local) $(field in) $(field out)"
has "4 refused: a backend-down line" "$(cat "$tmp/p4a.log")" \
	"^$TS backend-down 203\.0\.113\.2:90 .*refused"
backend back90 203.0.113.2 90 echo
client probe 2001:db8::1 2001:db8::2 8005
check "4 refused: once the backend is back, the next client is served" \
	relayed "$(printf '%s\n' "$out" | sed -n 2p)"

# Rejected with ICMP admin-prohibited by nftables on the backend host.
netns_reject_icmp "$BACKEND" ip 203.0.113.2 91 admin-prohibited
backend rej 203.0.113.2 91 echo
proxy p4b --listen '[::]:8006' --to 203.0.113.2:91 --connect-timeout 1
client probe 2001:db8::1 2001:db8::2 8006
check "4 rejected: the client is closed" closed \
	"$(printf '%s\n' "$out" | sed -n 2p)"
range "4 rejected: at once (ms)" 0 700 "$(printf '%s' "$end" | cut -d' ' -f3)"
conn p4b '[2001:db8::1]' "$cport"
check "4 rejected: reason" backend-unreachable "$(field reason)"
has "4 rejected: a backend-down line" "$(cat "$tmp/p4b.log")" \
	"^$TS backend-down 203\.0\.113\.2:91 "
check "4 rejected: the backend never saw a connection" 0 \
	"$(grep -c '^accept' "$tmp/rej.blog")"

# Blackholed: SYNs dropped; --connect-timeout 1 ends it.
netns_drop "$BACKEND" ip 203.0.113.2 92
proxy p4c --listen '[::]:8007' --to 203.0.113.2:92 --connect-timeout 1
client probe 2001:db8::1 2001:db8::2 8007
check "4 blackholed: the client is closed" closed \
	"$(printf '%s\n' "$out" | sed -n 2p)"
range "4 blackholed: after ~--connect-timeout (ms)" 850 3000 \
	"$(printf '%s' "$end" | cut -d' ' -f3)"
conn p4c '[2001:db8::1]' "$cport"
check "4 blackholed: reason" backend-unreachable "$(field reason)"
range "4 blackholed: duration (ms)" 850 3000 "$(field duration | awk '/ms$/ { print $0 + 0; next } /us$/ { print $0 / 1000; next } { print $0 * 1000 }')"
has "4 blackholed: a backend-down line" "$(cat "$tmp/p4c.log")" \
	"^$TS backend-down 203\.0\.113\.2:92 "
netns_flush "$BACKEND"
backend back92 203.0.113.2 92 echo
client probe 2001:db8::1 2001:db8::2 8007
check "4 blackholed: the backend is back: the next client is served" \
	relayed "$(printf '%s\n' "$out" | sed -n 2p)"
range "4 blackholed: without waiting (ms)" 0 700 \
	"$(printf '%s' "$end" | cut -d' ' -f3)"
finish p4a
finish p4b
finish p4c

# --- 5 failover ---------------------------------------------------------------------
backend echo 0.0.0.0 7 echo
netns_drop "$BACKEND" ip 203.0.113.3 7
proxy p5 --listen '[::]:8008' --to 203.0.113.3:7 --to 203.0.113.2:7 \
	--connect-timeout 1
ports=()
ms=()
for i in 1 2 3; do
	client probe 2001:db8::1 2001:db8::2 8008
	check "5 failover: client $i is served" relayed \
		"$(printf '%s\n' "$out" | sed -n 2p)"
	ports+=("$cport")
	ms[i]=$(printf '%s' "$end" | cut -d' ' -f3)
done
lines=
for p in "${ports[@]}"; do
	conn p5 '[2001:db8::1]' "$p"
	lines+="$(field backend) $(field tries)|"
done
# Round-robin reaches the blackholed one within the first two clients;
# it is marked failed and skipped while held.
has "5 failover: one of the first two went on to the live backend" \
	"$lines" '^(203\.0\.113\.2:7 \|203\.0\.113\.2:7 2|203\.0\.113\.2:7 2\|203\.0\.113\.2:7 )\|'
has "5 failover: the third went straight there" "$lines" \
	'\|203\.0\.113\.2:7 \|$'
range "5 failover: the third did not wait (ms)" 0 700 "${ms[3]}"
has "5 failover: a backend-down line for the blackholed one" \
	"$(cat "$tmp/p5.log")" "^$TS backend-down 203\.0\.113\.3:7 "
netns_flush "$BACKEND"
finish p5

# --- 6 ACL ------------------------------------------------------------------------------
proxy p6 --listen '[::]:8009' --to 203.0.113.2:7 \
	--deny 198.51.100.0/24 --deny 2001:db8::11
client probe 2001:db8::1 2001:db8::2 8009
check "6 block list: 2001:db8::1 passes" relayed "$(printf '%s\n' "$out" | sed -n 2p)"
client probe 2001:db8::11 2001:db8::2 8009
check "6 block list: 2001:db8::11 is refused with a reset" "closed reset" \
	"$(printf '%s\n' "$out" | sed -n 2p) $(printf '%s' "$end" | cut -d' ' -f2)"
conn p6 '[2001:db8::11]' "$cport"
check "6 block list: reason acl, no backend" "acl - -" \
	"$(field reason) $(field backend) $(field local)"
# IPv4 to the dual listener: the socket sees ::ffff:198.51.100.1.
client probe 198.51.100.1 198.51.100.2 8009
check "6 block list: the IPv4 client cannot pass as ::ffff:198.51.100.1" \
	"closed reset" \
	"$(printf '%s\n' "$out" | sed -n 2p) $(printf '%s' "$end" | cut -d' ' -f2)"
conn p6 198.51.100.1 "$cport"
check "6 block list: logged as the IPv4 client, family IPv4, acl" \
	"198.51.100.1:$cport IPv4 acl" \
	"$(field client) $(field family) $(field reason)"

proxy p6b --listen '[::]:8010' --to 203.0.113.2:7 \
	--allow 2001:db8::/64 --allow ::ffff:198.51.100.1
client probe 2001:db8::11 2001:db8::2 8010
check "6 allow list: 2001:db8::11 passes" relayed "$(printf '%s\n' "$out" | sed -n 2p)"
client probe 2001:db8:1::1 2001:db8::2 8010
check "6 allow list: 2001:db8:1::1 (not listed) is refused" closed \
	"$(printf '%s\n' "$out" | sed -n 2p)"
conn p6b '[2001:db8:1::1]' "$cport"
check "6 allow list: reason" acl "$(field reason)"
client probe 198.51.100.1 198.51.100.2 8010
check "6 allow list: the mapped-notation rule admits the IPv4 client" \
	relayed "$(printf '%s\n' "$out" | sed -n 2p)"
conn p6b 198.51.100.1 "$cport"
check "6 allow list: logged as IPv4, relayed" "IPv4 client-eof" \
	"$(field family) $(field reason)"
# A separate IPv4 socket: a native IPv4 client, the same IPv4 rule.
proxy p6c --listen '[::]:8018,separate' --to 203.0.113.2:7 \
	--deny 198.51.100.0/24
wait_file "$tmp/p6c.log" 'listening on' 2
has "6 separate: two sockets" "$(grep 'listening on' "$tmp/p6c.log" | paste -sd'|')" \
	'listening on \[::\]:8018 .*\|.*listening on 0\.0\.0\.0:8018 |listening on 0\.0\.0\.0:8018 .*\|.*listening on \[::\]:8018 '
client probe 198.51.100.1 198.51.100.2 8018
check "6 separate: the IPv4 client is refused" closed \
	"$(printf '%s\n' "$out" | sed -n 2p)"
conn p6c 198.51.100.1 "$cport"
check "6 separate: logged as IPv4, acl, on the IPv4 socket" \
	"IPv4 acl 198.51.100.2:8018" \
	"$(field family) $(field reason) $(field listener)"
client probe 2001:db8::1 2001:db8::2 8018
check "6 separate: the IPv6 client passes" relayed \
	"$(printf '%s\n' "$out" | sed -n 2p)"
finish p6
finish p6b
finish p6c

# --- 7 per-client limit ---------------------------------------------------------------------
proxy p7 --listen '[::]:8011' --to 203.0.113.2:7 --max-conns-per-client 2
bgclient "$tmp/h1" hold 2001:db8::1 2001:db8::2 8011 "$tmp/go7"
bgclient "$tmp/h2" hold 2001:db8::11 2001:db8::2 8011 "$tmp/go7"
wait_file "$tmp/h1" '^echo1 ok' && wait_file "$tmp/h2" '^echo1 ok'
check "7 two clients of one /64 relay" "echo1 ok|echo1 ok" \
	"$(grep '^echo1' "$tmp/h1")|$(grep '^echo1' "$tmp/h2")"
client probe 2001:db8::1 2001:db8::2 8011
check "7 a third from the same /64 (::1) is refused with a reset" \
	"closed reset" \
	"$(printf '%s\n' "$out" | sed -n 2p) $(printf '%s' "$end" | cut -d' ' -f2)"
conn p7 '[2001:db8::1]' "$cport"
check "7 reason limit" limit "$(field reason)"
client probe 2001:db8::11 2001:db8::2 8011
check "7 ... and from ::11, counted with ::1" closed \
	"$(printf '%s\n' "$out" | sed -n 2p)"
client probe 2001:db8:1::1 2001:db8::2 8011
check "7 a client from another /64 is not limited" relayed \
	"$(printf '%s\n' "$out" | sed -n 2p)"
touch "$tmp/go7"
wait_file "$tmp/h1" '^end ' && wait_file "$tmp/h2" '^end '
check "7 the held connections kept relaying" "echo2 ok|echo2 ok" \
	"$(grep '^echo2' "$tmp/h1")|$(grep '^echo2' "$tmp/h2")"
wait_file "$tmp/p7.log" ' conn client=\[2001:db8::1?1\]:[0-9]+ .*reason=client-eof' 2
client probe 2001:db8::11 2001:db8::2 8011
check "7 once they closed, the /64 is served again" relayed \
	"$(printf '%s\n' "$out" | sed -n 2p)"
finish p7

# --rate 0.5 --burst 2: two at once pass, the third is refused, and a
# token comes back 2 s after the first was taken.
proxy p7r --listen '[::]:8019' --to 203.0.113.2:7 --rate 0.5 --burst 2
r=
t0=$(date +%s.%N)
for i in 1 2 3; do
	client probe 2001:db8::1 2001:db8::2 8019
	r+="$(printf '%s\n' "$out" | sed -n 2p) "
done
check "7 --rate 0.5 --burst 2: the third at once is refused" \
	"relayed relayed closed " "$r"
conn p7r '[2001:db8::1]' "$cport"
check "7 --rate: reason rate" rate "$(field reason)"
client probe 2001:db8::11 2001:db8::2 8019
check "7 --rate: the bucket is the /64's" closed \
	"$(printf '%s\n' "$out" | sed -n 2p)"
client probe 198.51.100.1 198.51.100.2 8019
check "7 --rate: another client has its own bucket" relayed \
	"$(printf '%s\n' "$out" | sed -n 2p)"
sleep "$(awk -v t0="$t0" -v now="$(date +%s.%N)" \
	'BEGIN { d = t0 + 2.3 - now; print (d > 0 ? d : 0) }')"
client probe 2001:db8::1 2001:db8::2 8019
check "7 --rate: a token later, served again" relayed \
	"$(printf '%s\n' "$out" | sed -n 2p)"
finish p7r

# --max-conns 1: the second client waits in the backlog, not refused.
proxy p7m --listen '[::]:8020' --to 203.0.113.2:7 --max-conns 1
bgclient "$tmp/m1" hold 2001:db8::1 2001:db8::2 8020 "$tmp/go7m"
wait_file "$tmp/m1" '^echo1 ok'
bgclient "$tmp/m2" probe 2001:db8:1::1 2001:db8::2 8020
sleep 1
check "7 --max-conns 1: a second client is not served meanwhile" \
	"" "$(grep -E '^(relayed|closed|end)' "$tmp/m2")"
touch "$tmp/go7m"
wait_file "$tmp/m2" '^end '
check "7 --max-conns 1: ... and is served once the first closed" \
	relayed "$(grep -E '^(relayed|closed)' "$tmp/m2")"
hasnt "7 --max-conns: nobody refused" "$(cat "$tmp/p7m.log")" \
	'reason=(limit|rate|acl)'
finish p7m

# --- 8 idle timeout -------------------------------------------------------------------------
proxy p8 --listen '[::]:8012' --to 203.0.113.2:7 --idle-timeout 1
client idle 2001:db8::1 2001:db8::2 8012
check "8 idle: relayed first" "echo ok" "$(printf '%s\n' "$out" | grep '^echo')"
range "8 idle: closed after ~1 s of silence (ms)" 900 2500 \
	"$(printf '%s' "$end" | cut -d' ' -f3)"
conn p8 '[2001:db8::1]' "$cport"
check "8 idle: reason and bytes" "idle-timeout 1 1" \
	"$(field reason) $(field in) $(field out)"
finish p8

# --- 9 SIGHUP reload with a live connection ---------------------------------------------------
acl=$tmp/acl.txt
printf '# the clients\nallow 2001:db8::/64\n' >"$acl"
proxy p9 --listen '[::]:8013' --to 203.0.113.2:7 --acl "$acl"
bgclient "$tmp/h9" hold 2001:db8::1 2001:db8::2 8013 "$tmp/go9"
wait_file "$tmp/h9" '^echo1 ok'
check "9 a connection relays before the reload" "echo1 ok" \
	"$(grep '^echo1' "$tmp/h9")"
printf 'deny 2001:db8::/64  # closed now\n' >"$acl"
kill -HUP "$pid_p9"
wait_file "$tmp/p9.log" 'reload acl'
has "9 the reload is logged" "$(cat "$tmp/p9.log")" \
	"^$TS reload acl $acl: 1 rules$"
client probe 2001:db8::11 2001:db8::2 8013
check "9 a new client of the /64 is refused now" closed \
	"$(printf '%s\n' "$out" | sed -n 2p)"
conn p9 '[2001:db8::11]' "$cport"
check "9 ... by the ACL" acl "$(field reason)"
touch "$tmp/go9"
wait_file "$tmp/h9" '^end '
check "9 the live connection kept relaying across the reload" \
	"echo2 ok|eof" "$(grep '^echo2' "$tmp/h9")|$(sed -n 's/^end \([a-z]*\).*/\1/p' "$tmp/h9")"
printf 'allow 2001:db8::/64\nallow 2001:db8::/64 extra\n' >"$acl"
kill -HUP "$pid_p9"
wait_file "$tmp/p9.log" 'reload failed'
has "9 a bad file: reload failed, with line and column" \
	"$(grep 'reload failed' "$tmp/p9.log")" \
	"^$TS reload failed: $acl line 2 column [0-9]+: .*\(keeping the old ACL\)$"
client probe 2001:db8::11 2001:db8::2 8013
check "9 a bad file: the old ACL stays" closed \
	"$(printf '%s\n' "$out" | sed -n 2p)"
if _netns_alive "$pid_p9"; then ok "9 the proxy survived"; else
	not_ok "9 the proxy survived"
fi
kill -HUP "$pid_p1"
wait_file "$tmp/p1.log" 'reload'
has "9 SIGHUP without --acl: a line says there is nothing to re-read" \
	"$(grep reload "$tmp/p1.log")" "^$TS reload.*(no|without) --acl"
client send 2001:db8::1 2001:db8::2 8001 'after hup\n'
check "9 SIGHUP without --acl changes nothing" "got 'got 10\\n'" \
	"$(printf '%s\n' "$out" | grep '^got ')"
finish p9

# --- 10 never an open relay -----------------------------------------------------------------
backend third 203.0.113.99 80 reply
r=$(netns_tcp_connect server 203.0.113.99 80)
check "10 the third address answers the proxy host directly" ok "${r% *}"
wait_file "$tmp/third.blog" '^accept'
before=$(grep -c '^accept' "$tmp/third.blog")
for req in 'GET http://203.0.113.99/ HTTP/1.0\r\n\r\n' \
	'CONNECT 203.0.113.99:80 HTTP/1.1\r\nHost: 203.0.113.99:80\r\n\r\n'; do
	# shellcheck disable=SC2059 # the request's escapes, on purpose
	want=$(printf "${req//%/%%}"; echo x) # keep the trailing newlines
	want=${want%x}
	client send 2001:db8::1 2001:db8::2 8001 "$req"
	check "10 ${req%% *}: the configured backend answered" \
		"got 'got ${#want}\\n'" "$(printf '%s\n' "$out" | grep '^got ')"
	conn p1 '[2001:db8::1]' "$cport"
	check "10 ${req%% *}: relayed to the configured backend" 203.0.113.2:80 \
		"$(field backend)"
	blog reply "$(field local | sed 's/.*://')"
	check "10 ${req%% *}: the backend got the request verbatim" \
		"$(printf '%s' "$want" | od -An -tx1 | tr -d ' \n')" \
		"$(printf '%s' "$bline" | cut -d' ' -f6)"
done
sleep 0.3
check "10 the third address got no connection from the proxy" "$before" \
	"$(grep -c '^accept' "$tmp/third.blog")"

# --- 11 a backend by name -----------------------------------------------------------------
# The name has an AAAA the proxy host cannot reach (no route) and an A on
# the IPv4-only backend host: Happy Eyeballs ends on IPv4.
netns_dnsd "$BACKEND" --listen 203.0.113.2 --port 53 \
	--record 'app.example.test A 203.0.113.2' \
	--record 'app.example.test AAAA 2001:db8:ffff::2' \
	--log "$tmp/dns.log" || not_ok "11 the DNS server starts"
proxy pname --listen '[::]:8016' --to app.example.test:80 --server 203.0.113.2
client send 2001:db8::1 2001:db8::2 8016 'by name\n'
check "11 by name: relayed" "got 'got 8\\n'" "$(printf '%s\n' "$out" | grep '^got ')"
conn pname '[2001:db8::1]' "$cport"
check "11 by name: to the A address" 203.0.113.2:80 "$(field backend)"
has "11 by name: resolved through --server (A and AAAA asked)" \
	"$(grep -oE 'recv [a-z]+ (A|AAAA) app\.example\.test\.' "$tmp/dns.log" |
		awk '{print $3}' | sort -u | paste -sd' ')" '^A AAAA$'
client send 2001:db8::1 2001:db8::2 8016 'again\n'
check "11 by name: the next client too" "got 'got 6\\n'" \
	"$(printf '%s\n' "$out" | grep '^got ')"
check "11 by name: the answer is reused within its TTL (one query per type)" \
	2 "$(grep -c ' recv ' "$tmp/dns.log")"
finish pname

# --- 12 drain and exit status ---------------------------------------------------------------
proxy pdrain --listen '[::]:8014' --to 203.0.113.2:7 --drain 1
bgclient "$tmp/hdrain" idle 2001:db8::1 2001:db8::2 8014
wait_file "$tmp/hdrain" '^echo ok'
kill -TERM "$pid_pdrain"
wait_file "$tmp/pdrain.log" 'draining'
has "12 SIGTERM: the draining line" "$(grep draining "$tmp/pdrain.log")" \
	"^$TS draining \(1 connections?, 1(\.0+)? ?s\)$"
r=$(netns_tcp_connect client 2001:db8::2 8014)
check "12 draining: no longer accepting" ECONNREFUSED "${r% *}"
wait_exit "$pid_pdrain" 5
check "12 exit 0 after the drain" 0 "$rc"
wait_file "$tmp/hdrain" '^end '
has "12 the live connection was closed at the deadline" \
	"$(cat "$tmp/hdrain")" '^end (eof|reset) '
range "12 ... --drain 1 after SIGTERM (ms)" 900 3000 \
	"$(sed -n 's/^end [a-z]* //p' "$tmp/hdrain")"
has "12 ... logged with reason shutdown" "$(cat "$tmp/pdrain.log")" \
	' conn client=\[2001:db8::1\]:[0-9]+ .*reason=shutdown'
has "12 the stopped line" "$(tail -n1 "$tmp/pdrain.log")" \
	"^$TS stopped: accepted=1 relayed=1 refused=0 failed=0"

stop "$pid_p1" 10
check "SIGTERM: the first proxy exits 0" 0 "$rc"
has "... after its stopped line" "$(tail -n1 "$tmp/p1.log")" \
	"^$TS stopped: accepted=[0-9]+ relayed=[0-9]+ refused=0 failed=0"
show=
out=$(netns_exec server timeout 10 "$DUALSTACK" proxy \
	--listen 192.0.2.55:8015 --to 203.0.113.2:80 2>&1)
check "a listener that cannot be opened: exit 3 (a system error)" 3 "$?"
finish p1j
check "every other proxy exits 0 on SIGTERM" "" "$bad_exits"

echo "1..$n"
[ "$failed" -eq 0 ]
