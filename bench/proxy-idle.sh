#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What an idle connection costs a relay: N connections through it, each
# having sent one byte and then nothing, and the relay's resident memory
# (the sum of VmRSS over its processes) before and after, divided by N.
#
#   bench/proxy-idle.sh
#
# Relays: dualstack proxy (-j 1), HAProxy (mode tcp, one thread) and
# nginx's stream module (one worker), each on [::1] in front of a
# 'dualstack serve --proto discard' on 127.0.0.1. (socat and 6tunnel fork
# a process per connection and are left out: their cost per connection is
# a process.) DS_BENCH_IDLE_CONNS (default 5000) sets N; the relay needs
# 2N descriptors, the client N.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
python=/usr/bin/python3
conns=${DS_BENCH_IDLE_CONNS:-5000}
nginx_modules=/usr/lib/nginx/modules

case $conns in
'' | *[!0-9]* | 0) echo "DS_BENCH_IDLE_CONNS: a whole number, at least 1" >&2; exit 1 ;;
esac
[ -x "$python" ] || { echo "bench/proxy-idle: $python is not installed" >&2; exit 1; }
# Room for the relay's 2N descriptors and a margin.
ulimit -n $((2 * conns + 256)) 2>/dev/null ||
	{ echo "bench/proxy-idle: cannot raise the descriptor limit to $((2 * conns + 256))" >&2; exit 1; }

# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
bench_build src/dualstack
ds=${builddir:?}/src/dualstack

tmp=$(mktemp -d) || exit 1
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# wait_listen ADDR PORT: up to 5 s.
wait_listen() {
	for _ in $(seq 100); do
		ss -Hltn "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

# rss PID: VmRSS in KiB summed over PID and its children.
rss() {
	local total=0 p v
	for p in $1 $(pgrep -P "$1"); do
		v=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null)
		total=$((total + ${v:-0}))
	done
	echo "$total"
}

bport=$(bench_free_port 127.0.0.1) || exit 1
"$ds" serve --listen "127.0.0.1:$bport" --proto discard --quiet \
	--max-conns 0 >/dev/null 2>&1 &
pids="$pids $!"
wait_listen 127.0.0.1 "$bport" || { echo "bench/proxy-idle: backend did not start" >&2; exit 1; }

printf '%s connections, each idle after one byte; relay memory (sum of VmRSS)\n' "$conns"
printf '%-18s %10s %10s %12s\n' relay "before KiB" "after KiB" "bytes/conn"
declare -A per
for relay in dualstack haproxy nginx; do
	port=$(bench_free_port ::1) || exit 1
	dir=$tmp/$relay
	mkdir -p "$dir"
	case $relay in
	dualstack)
		"$ds" proxy --listen "[::1]:$port" --to "127.0.0.1:$bport" -q \
			>"$dir/out.log" 2>&1 &
		;;
	haproxy)
		command -v haproxy >/dev/null || { echo "haproxy: not installed, left out"; continue; }
		cat >"$dir/h.cfg" <<EOF
global
	maxconn $((conns + 100))
defaults
	mode tcp
	timeout connect 5s
	timeout client 300s
	timeout server 300s
frontend relay
	bind [::1]:$port
	maxconn $((conns + 100))
	default_backend servers
backend servers
	server s1 127.0.0.1:$bport
EOF
		haproxy -f "$dir/h.cfg" -db >"$dir/out.log" 2>&1 &
		;;
	nginx)
		if ! command -v nginx >/dev/null || [ ! -f "$nginx_modules/ngx_stream_module.so" ]; then
			echo "nginx stream: not installed, left out"
			continue
		fi
		cat >"$dir/nginx.conf" <<EOF
load_module $nginx_modules/ngx_stream_module.so;
worker_processes 1;
worker_rlimit_nofile $((2 * conns + 256));
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections $((2 * conns + 100)); }
stream { server { listen [::1]:$port; proxy_pass 127.0.0.1:$bport; } }
EOF
		nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" \
			-g 'daemon off;' >"$dir/out.log" 2>&1 &
		;;
	esac
	pid=$!
	pids="$pids $pid"
	if ! wait_listen ::1 "$port"; then
		echo "$relay: did not start:" >&2
		cat "$dir/out.log" >&2
		continue
	fi
	sleep 0.5
	before=$(rss "$pid")
	# The client opens N connections, sends a byte on each, says
	# "ready" and holds them until stdin closes.
	coproc CLIENT { "$python" -c '
import socket, sys
n, port = int(sys.argv[1]), int(sys.argv[2])
ss = []
for _ in range(n):
    s = socket.create_connection(("::1", port), timeout=10)
    s.sendall(b"x")
    ss.append(s)
print("ready", flush=True)
sys.stdin.read()
' "$conns" "$port"; }
	read -r -t 120 line <&"${CLIENT[0]}" || line=
	if [ "$line" != ready ]; then
		echo "$relay: the client could not open $conns connections" >&2
		kill "$CLIENT_PID" 2>/dev/null
		continue
	fi
	sleep 2 # the relay connects its backends and settles
	after=$(rss "$pid")
	kill "$CLIENT_PID" 2>/dev/null
	wait "$CLIENT_PID" 2>/dev/null
	per[$relay]=$(((after - before) * 1024 / conns))
	printf '%-18s %10d %10d %12d\n' "$relay" "$before" "$after" "${per[$relay]}"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	sleep 0.5
done
if [ -n "${per[dualstack]:-}" ] && [ "${per[dualstack]}" -gt 0 ]; then
	for relay in haproxy nginx; do
		[ -n "${per[$relay]:-}" ] || continue
		awk -v a="${per[$relay]}" -v b="${per[dualstack]}" -v r="$relay" \
			'BEGIN { printf "%s uses %.2fx the memory per idle connection of dualstack proxy\n", r, a / b }'
	done
fi
