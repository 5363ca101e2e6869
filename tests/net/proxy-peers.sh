#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# dualstack proxy against real PROXY protocol peers, on loopback:
#
#   1  nginx behind it: "dualstack proxy --listen [::1]:P --to 127.0.0.1:N
#      --send-proxy v1" (then v2) in front of an nginx http server with
#      "listen 127.0.0.1:N proxy_protocol"; nginx's access log
#      ($proxy_protocol_addr, $proxy_protocol_port, ...) must name the
#      client's own address and port (::1 and the port of its socket) and
#      the address it connected to, and the proxy's conn line must agree
#      with nginx ($remote_port is the proxy's local= port) and with the
#      byte counts the client saw.
#   2  HAProxy in front of it: haproxy on [::1]:H with "server s1
#      127.0.0.1:P send-proxy-v2" (and send-proxy, v1, on another port),
#      mode tcp; "dualstack proxy --listen 127.0.0.1:P --accept-proxy
#      --trusted 127.0.0.1" relaying to a "dualstack serve" echo backend.
#      The conn line names the client as haproxy saw it ([::1] and the
#      client's port), proxied_by=127.0.0.1:... and header=v2 (v1). A
#      trusted peer without a header is refused (bad-header), an untrusted
#      one too (untrusted).
#
# nginx and haproxy run from their own config files in a temporary
# directory; every process started here is killed on exit. Prints TAP.
# Needs no root; exits 77 when neither nginx nor haproxy is installed (a
# part whose program is missing is skipped), or without IPv6 on loopback.
# About 5 s; every wait is bounded.
set -u

top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
DUALSTACK=${DUALSTACK:-${DS_BUILD:-$top/build}/src/dualstack}
PY=${NETNS_PY:-/usr/bin/python3}
PATH=$PATH:/usr/sbin:/sbin
NGINX=$(command -v nginx)
HAPROXY=$(command -v haproxy)

if [ ! -x "$DUALSTACK" ]; then
	echo "skip: $DUALSTACK not built"
	exit 77
fi
if ! "$DUALSTACK" proxy --help >/dev/null 2>&1; then
	echo "skip: $DUALSTACK has no working proxy command"
	exit 77
fi
if [ -z "$NGINX" ] && [ -z "$HAPROXY" ]; then
	echo "skip: neither nginx nor haproxy is installed (make deps)"
	exit 77
fi
if [ ! -x "$PY" ]; then
	echo "skip: $PY not found"
	exit 77
fi
if ! "$PY" -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' \
	2>/dev/null; then
	echo "skip: no IPv6 on loopback (::1)"
	exit 77
fi

tmp=$(mktemp -d /tmp/ds-test-peers.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for _ in $(seq 20); do
		for p in "${pids[@]}"; do
			kill -0 "$p" 2>/dev/null && break
			p=
		done
		[ -z "$p" ] && break
		sleep 0.05
	done
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
# A watchdog: past 60 s in all, stop (the EXIT trap cleans up).
(
	trap 'kill "$s" 2>/dev/null; exit 0' TERM
	sleep 60 &
	s=$!
	wait "$s"
	echo "Bail out! over 60 s"
	kill -TERM $$
) &
pids+=("$!")

n=0
failed=0
show=
shown=
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	local l f
	for l in "$@"; do echo "#   $l"; done
	if [ -n "$show" ] && [ "$shown" != "$show" ]; then
		shown=$show
		for f in $show; do
			echo "#   $f:"
			sed 's/^/#     /' "$tmp/$f" 2>/dev/null | head -30
		done
	fi
}
skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1" "want: $2" "got:  $3"
	fi
}
has() {
	if printf '%s' "$2" | grep -qE -- "$3"; then ok "$1"; else
		not_ok "$1" "want: /$3/" "got:  $2"
	fi
}

TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

# wait_file FILE REGEX: until FILE has a matching line; 5 s at most.
wait_file() {
	for _ in $(seq 100); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
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

# ds NAME ARGS...: "dualstack ARGS" in the background, stdout in
# $tmp/NAME.log, stderr in $tmp/NAME.err; waits for a "listening on" line;
# $pid is its pid.
ds() {
	local name=$1
	shift
	"$DUALSTACK" "$@" >"$tmp/$name.log" 2>"$tmp/$name.err" &
	pid=$!
	pids+=("$pid")
	show="$name.log $name.err"
	wait_file "$tmp/$name.log" 'listening on' && return 0
	not_ok "dualstack $* starts"
	return 1
}

# port_of NAME ADDR_REGEX: the port of the "listening on ADDR:PORT" line.
port_of() {
	grep -oE "listening on $2:[0-9]+" "$tmp/$1.log" | head -n1 |
		grep -oE '[0-9]+$'
}

# field LINE KEY: KEY's value in the logfmt LINE.
field() {
	printf '%s\n' "$1" | grep -oE " $2=[^ ]+" | head -n1 | cut -d= -f2-
}

# stop PID: SIGTERM, 10 s at most; sets $rc (124: still running, killed).
stop() {
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 200); do
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1" 2>/dev/null
			rc=$?
			return 0
		fi
		sleep 0.05
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	rc=124
}

# http PORT PATH: an HTTP/1.0 GET to [::1]:PORT from a socket of our own;
# prints "LOCALPORT SENT RECEIVED STATUSLINE".
http() {
	timeout 10 "$PY" - "$1" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET6)
s.settimeout(5)
s.connect(("::1", int(sys.argv[1])))
req = b"GET %s HTTP/1.0\r\nHost: www.example.test\r\n\r\n" % sys.argv[2].encode()
s.sendall(req)
s.shutdown(socket.SHUT_WR)
b = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    b += d
print(s.getsockname()[1], len(req), len(b), b.split(b"\r\n", 1)[0].decode())
EOF
}

# echo_client HOST PORT TEXT: send TEXT, FIN, read to EOF; prints
# "LOCALPORT REPR".
echo_client() {
	timeout 10 "$PY" - "$@" <<'EOF'
import socket, sys
h, p = sys.argv[1], int(sys.argv[2])
t = sys.argv[3].encode().decode("unicode_escape").encode("latin-1")
s = socket.socket(socket.AF_INET6 if ":" in h else socket.AF_INET)
s.settimeout(5)
s.bind((h, 0))  # the port is known even if connect() meets a reset
try:
    s.connect((h, p))
    s.sendall(t)
    s.shutdown(socket.SHUT_WR)
    b = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        b += d
except OSError as e:
    b = type(e).__name__.encode()
print(s.getsockname()[1], repr(b.decode()))
EOF
}

# --- 1 nginx behind the proxy -----------------------------------------------------
nginx_part() {
	local ng=$tmp/nginx np line want v cport sent got status rport
	mkdir -p "$ng/tmp"
	np=$(free_port 127.0.0.1)
	cat >"$ng/nginx.conf" <<EOF
worker_processes 1;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $ng/tmp;
	proxy_temp_path $ng/tmp;
	fastcgi_temp_path $ng/tmp;
	uwsgi_temp_path $ng/tmp;
	scgi_temp_path $ng/tmp;
	log_format pp '\$proxy_protocol_addr \$proxy_protocol_port '
		'\$proxy_protocol_server_addr \$proxy_protocol_server_port '
		'\$remote_addr \$remote_port "\$request" \$status';
	server {
		listen 127.0.0.1:$np proxy_protocol;
		access_log $ng/access.log pp;
		location / { return 200 "hello from nginx\n"; }
	}
}
EOF
	# -e: the error log from the start (nginx would open the system's
	# first); the master runs in the foreground, so its pid is ours.
	"$NGINX" -p "$ng" -e "$ng/error.log" -c "$ng/nginx.conf" \
		-g "daemon off; pid $ng/nginx.pid;" >"$ng/out" 2>&1 &
	local ngpid=$!
	pids+=("$ngpid")
	show="nginx/error.log nginx/out"
	if ! wait_listen "$np" "$ngpid"; then
		not_ok "nginx starts on 127.0.0.1:$np"
		return
	fi
	ok "nginx listens on 127.0.0.1:$np with proxy_protocol"

	for v in v1 v2; do
		ds "ng$v" proxy --listen '[::1]:0' --to "127.0.0.1:$np" \
			--send-proxy "$v" || continue
		local pid_p=$pid pp
		pp=$(port_of "ng$v" '\[::1\]')
		read -r cport sent got status <<<"$(http "$pp" "/$v")"
		check "nginx $v: the client gets nginx's answer" \
			"HTTP/1.1 200 OK" "${status%$'\r'}"
		show="nginx/access.log nginx/error.log ng$v.log ng$v.err"
		wait_file "$tmp/nginx/access.log" " \"GET /$v "
		line=$(grep -F " \"GET /$v " "$tmp/nginx/access.log")
		want="::1 $cport ::1 $pp 127.0.0.1 "
		check "nginx $v: the access log names the client ([::1]:$cport) and where it connected ([::1]:$pp)" \
			"$want" "${line:0:${#want}}"
		rport=$(printf '%s' "$line" | cut -d' ' -f6)
		wait_file "$tmp/ng$v.log" " conn client=\[::1\]:$cport "
		line=$(grep -E " conn client=\[::1\]:$cport " "$tmp/ng$v.log")
		check "nginx $v: the conn line names the client" \
			"[::1]:$cport IPv6 127.0.0.1:$np" \
			"$(field "$line" client) $(field "$line" family) $(field "$line" backend)"
		check "nginx $v: local= is the port nginx saw" \
			"127.0.0.1:$rport" "$(field "$line" local)"
		check "nginx $v: in and out as the client counted (no header in 'in')" \
			"$sent $got" "$(field "$line" in) $(field "$line" out)"
		has "nginx $v: reason" "$(field "$line" reason)" '^(client|backend)-eof$'
		stop "$pid_p"
		check "nginx $v: the proxy exits 0 on SIGTERM" 0 "$rc"
	done
	# A header nginx could not parse would be in its error log.
	has "nginx: no broken header in its error log" \
		"$(grep -c 'broken header' "$tmp/nginx/error.log" 2>/dev/null) broken" \
		'^0 broken$'
	stop "$ngpid"
}

# --- 2 HAProxy in front of the proxy ------------------------------------------------
haproxy_part() {
	local ha=$tmp/haproxy ep pp up h1 h2 v h line cport r
	mkdir -p "$ha"
	ds echo serve --listen 127.0.0.1:0 --proto echo || return
	local echo_pid=$pid
	ep=$(port_of echo '127\.0\.0\.1')
	ds hp proxy --listen 127.0.0.1:0 --listen '[::1]:0' --accept-proxy \
		--trusted 127.0.0.1 --to "127.0.0.1:$ep" || return
	local pid_p=$pid
	pp=$(port_of hp '127\.0\.0\.1')
	up=$(port_of hp '\[::1\]')
	h1=$(free_port ::1)
	h2=$(free_port ::1)
	cat >"$ha/haproxy.cfg" <<EOF
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
	server s1 127.0.0.1:$pp send-proxy
backend be_v2
	server s1 127.0.0.1:$pp send-proxy-v2
EOF
	"$HAPROXY" -db -f "$ha/haproxy.cfg" >"$ha/out" 2>&1 &
	local hapid=$!
	pids+=("$hapid")
	show="haproxy/out hp.log hp.err"
	if ! wait_listen "$h1" "$hapid" || ! wait_listen "$h2" "$hapid"; then
		not_ok "haproxy starts on [::1]:$h1 and [::1]:$h2"
		return
	fi
	ok "haproxy listens on [::1]:$h1 (send-proxy) and [::1]:$h2 (send-proxy-v2)"

	for v in v2 v1; do
		h=$h2
		[ $v = v1 ] && h=$h1
		r=$(echo_client ::1 "$h" "hello $v")
		cport=${r%% *}
		check "haproxy $v: the echo comes back through both" \
			"'hello $v'" "${r#* }"
		wait_file "$tmp/hp.log" " conn client=\[::1\]:$cport "
		line=$(grep -E " conn client=\[::1\]:$cport " "$tmp/hp.log")
		has "haproxy $v: the conn line names the client haproxy saw" \
			"$line" "^$TS conn client=\[::1\]:$cport family=IPv6 listener=127\.0\.0\.1:$pp backend=127\.0\.0\.1:$ep "
		check "haproxy $v: bytes both ways" "8 8" \
			"$(field "$line" in) $(field "$line" out)"
		has "haproxy $v: proxied_by and header after the reason" "$line" \
			" reason=[a-z-]+ proxied_by=127\.0\.0\.1:[0-9]+ header=$v( |$)"
	done

	# Without haproxy: a trusted peer that sends no header, and a peer
	# that is not trusted at all.
	r=$(echo_client 127.0.0.1 "$pp" 'GET / HTTP/1.0\r\n\r\n')
	cport=${r%% *}
	wait_file "$tmp/hp.log" " conn client=127\.0\.0\.1:$cport "
	line=$(grep -E " conn client=127\.0\.0\.1:$cport " "$tmp/hp.log")
	check "no header from a trusted peer: refused, bad-header" \
		"bad-header - 0" \
		"$(field "$line" reason) $(field "$line" backend) $(field "$line" in)"
	r=$(echo_client ::1 "$up" 'PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n')
	cport=${r%% *}
	wait_file "$tmp/hp.log" " conn client=\[::1\]:$cport "
	line=$(grep -E " conn client=\[::1\]:$cport " "$tmp/hp.log")
	check "a header from an untrusted peer: refused, untrusted, its own address" \
		"untrusted - 0" \
		"$(field "$line" reason) $(field "$line" backend) $(field "$line" in)"

	stop "$hapid"
	stop "$pid_p"
	check "haproxy: the proxy exits 0 on SIGTERM" 0 "$rc"
	has "haproxy: the stopped line" "$(tail -n1 "$tmp/hp.log")" \
		"^$TS stopped: accepted=4 relayed=2 refused=2 failed=0"
	stop "$echo_pid"
}

if [ -n "$NGINX" ]; then nginx_part; else skip "nginx is not installed"; fi
if [ -n "$HAPROXY" ]; then haproxy_part; else skip "haproxy is not installed"; fi

echo "1..$n"
[ "$failed" -eq 0 ]
