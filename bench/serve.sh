#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Echo round trips: "dualstack load" against "dualstack serve --proto echo",
# beside redis-benchmark's PING against redis-server, the reference for a
# well-tuned single-threaded epoll server doing one small round trip per
# request. Same machine, same run, same concurrency (1, 50, 1000), same
# number of round trips on connections kept open.
#
#   bench/serve.sh [ROUND_TRIPS]
#
# ROUND_TRIPS per concurrency and tool (default 50000 at -c 1, 100000 at
# -c 50 and -c 1000). Each measurement is taken DS_BENCH_RUNS times
# (default 3), alternating the two servers, and the best run counts.
# Builds dualstack in a release build directory ($DS_BENCH_BUILDDIR,
# default build-bench/ at the top of the tree, shared by every benchmark:
# see bench/lib.sh). Needs redis-server
# and redis-benchmark (Debian: redis-server, redis-tools) and
# /usr/bin/python3.
#
# Not a test: it never fails because of a result. The exit status is
# non-zero only when something cannot be built or started.

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
runs=${DS_BENCH_RUNS:-3}
python=/usr/bin/python3
concurrencies="1 50 1000"
size=100

die() {
	echo "bench/serve: $*" >&2
	exit 1
}

for tool in redis-server redis-benchmark meson ninja; do
	command -v "$tool" >/dev/null || die "$tool is not installed (make deps)"
done
[ -x "$python" ] || die "$python is not installed"
case ${1:-} in
'' | *[!0-9]*) [ -z "${1:-}" ] || die "usage: bench/serve.sh [ROUND_TRIPS]" ;;
esac

# --- Build ---------------------------------------------------------------

. "$top/bench/lib.sh"
bench_build src/dualstack
ds=$builddir/src/dualstack

# --- Processes: everything started here is stopped here ------------------

tmp=$(mktemp -d) || exit 1
serve_pid=
redis_pid=
cleanup() {
	for pid in $serve_pid $redis_pid; do
		kill "$pid" 2>/dev/null
	done
	for pid in $serve_pid $redis_pid; do
		wait "$pid" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1000 clients and their server need more than the usual 1024
# descriptors: as many as the hard limit allows, up to 65536.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -gt 65536 ]; then
	hard=65536
fi
ulimit -Sn "$hard" 2>/dev/null
if [ "$(ulimit -Sn)" -lt 2100 ]; then
	echo "bench/serve: warning: open file limit $(ulimit -Sn) is" \
		"too low for -c 1000; expect errors there" >&2
fi

# A port free right now, for redis-server, which cannot take port 0.
free_port() {
	"$python" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait_port PORT: until something accepts on 127.0.0.1:PORT, at most 5 s.
wait_port() {
	for _ in $(seq 50); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

"$ds" serve --proto echo --listen 127.0.0.1:0 --quiet \
	>"$tmp/serve.log" 2>&1 &
serve_pid=$!
serve_port=
for _ in $(seq 50); do
	serve_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
		"$tmp/serve.log" | head -n 1)
	[ -n "$serve_port" ] && break
	kill -0 "$serve_pid" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$serve_port" ]; then
	cat "$tmp/serve.log" >&2
	die "dualstack serve did not start"
fi

for _ in 1 2 3; do
	redis_port=$(free_port) || die "cannot find a free port"
	redis-server --port "$redis_port" --bind 127.0.0.1 --save '' \
		--appendonly no --daemonize no --protected-mode no \
		--logfile "$tmp/redis.log" >/dev/null 2>&1 &
	redis_pid=$!
	wait_port "$redis_port" && break
	kill "$redis_pid" 2>/dev/null
	wait "$redis_pid" 2>/dev/null
	redis_pid=
done
[ -n "$redis_pid" ] || die "redis-server did not start"

# cpu_ticks PID: user + system time of a process, in clock ticks.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
hz=$(getconf CLK_TCK)

# --- Measurements ---------------------------------------------------------

# Each leaves the rate in $rate, the client's CPU seconds in $ccpu and the
# server's CPU ticks in $sticks; rate is empty when the run failed.
TIMEFORMAT='%3U %3S'

run_redis() { # C N
	local t0 out
	t0=$(cpu_ticks "$redis_pid")
	{ time timeout 120 redis-benchmark -h 127.0.0.1 -p "$redis_port" \
		-t ping_mbulk -c "$1" -n "$2" -P 1 --csv \
		>"$tmp/redis.csv" 2>"$tmp/redis.err"; } 2>"$tmp/time"
	sticks=$(($(cpu_ticks "$redis_pid") - t0))
	ccpu=$(awk '{ print $1 + $2 }' "$tmp/time")
	out=$(grep '^"PING_MBULK"' "$tmp/redis.csv" | cut -d, -f2 | tr -d '"')
	rate=${out%%.*}
}

run_ds() { # C N
	local t0
	t0=$(cpu_ticks "$serve_pid")
	{ time timeout 120 "$ds" load "127.0.0.1:$serve_port" -c "$1" \
		-n "$1" -m $(($2 / $1)) -s "$size" --timeout 10 --json \
		>"$tmp/load.json" 2>"$tmp/load.err"; } 2>"$tmp/time"
	sticks=$(($(cpu_ticks "$serve_pid") - t0))
	ccpu=$(awk '{ print $1 + $2 }' "$tmp/time")
	rate=$("$python" -c 'import json, sys
j = json.load(open(sys.argv[1]))
errs = sum(j["errors"].values())
if errs:
    print("bench/serve: dualstack load counted %d errors" % errs,
        file=sys.stderr)
print(int(j["messages_per_s"]))' "$tmp/load.json" 2>>"$tmp/notes")
}

rounds_for() {
	if [ -n "${1:-}" ]; then
		echo "$1"
	elif [ "$2" = 1 ]; then
		echo 50000
	else
		echo 100000
	fi
}

echo "Echo round trips per second: dualstack load -> dualstack serve" \
	"--proto echo"
echo "($size-byte messages) beside redis-benchmark -t ping_mbulk -P 1 ->" \
	"redis-server;"
echo "connections kept open, best of $runs runs, servers alternating."
sed -n 's/^model name[[:space:]]*: /cpu: /p' /proc/cpuinfo | head -n 1
echo "cores: $(nproc), kernel $(uname -r), $(redis-server --version |
	sed 's/ sha=.*//'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

declare -A best_r best_d rticks dticks rcpu dcpu
for c in $concurrencies; do
	best_r[$c]=0 best_d[$c]=0 rticks[$c]=0 dticks[$c]=0
	rcpu[$c]=0 dcpu[$c]=0
done
for run in $(seq "$runs"); do
	for c in $concurrencies; do
		n=$(rounds_for "${1:-}" "$c")
		n=$((n / c * c)) # whole messages per connection
		# Alternate which server goes first.
		for which in $([ $((run % 2)) = 1 ] && echo "r d" || echo "d r"); do
			if [ "$which" = r ]; then
				run_redis "$c" "$n"
				if [ -n "$rate" ] && [ "$rate" -gt "${best_r[$c]}" ]; then
					best_r[$c]=$rate
				fi
				rticks[$c]=$((rticks[$c] + sticks))
				rcpu[$c]=$(echo "${rcpu[$c]} $ccpu" | awk '{ print $1 + $2 }')
			else
				run_ds "$c" "$n"
				if [ -n "$rate" ] && [ "$rate" -gt "${best_d[$c]}" ]; then
					best_d[$c]=$rate
				fi
				dticks[$c]=$((dticks[$c] + sticks))
				dcpu[$c]=$(echo "${dcpu[$c]} $ccpu" | awk '{ print $1 + $2 }')
			fi
		done
	done
done

printf '%-12s %12s %12s %16s %8s\n' concurrency "round trips" \
	"redis rt/s" "dualstack rt/s" ratio
for c in $concurrencies; do
	n=$(rounds_for "${1:-}" "$c")
	n=$((n / c * c))
	printf '%-12s %12s %12s %16s %8s\n' "$c" "$n" "${best_r[$c]}" \
		"${best_d[$c]}" "$(awk -v d="${best_d[$c]}" -v r="${best_r[$c]}" \
		'BEGIN { if (r > 0) printf "%.2f", d / r; else print "-" }')"
done
echo
echo "CPU time per round trip, microseconds, mean over all runs:"
printf '%-12s %14s %14s %18s %14s\n' concurrency redis-server \
	"dualstack serve" redis-benchmark "dualstack load"
for c in $concurrencies; do
	n=$(rounds_for "${1:-}" "$c")
	n=$((n / c * c))
	awk -v c="$c" -v n="$n" -v runs="$runs" -v hz="$hz" \
	    -v rt="${rticks[$c]}" -v dt="${dticks[$c]}" \
	    -v rc="${rcpu[$c]}" -v dc="${dcpu[$c]}" 'BEGIN {
		total = n * runs
		printf "%-12s %14.2f %14.2f %18.2f %14.2f\n", c,
		    rt / hz * 1e6 / total, dt / hz * 1e6 / total,
		    rc * 1e6 / total, dc * 1e6 / total
	}'
done
if [ -s "$tmp/notes" ]; then
	echo
	sort "$tmp/notes" | uniq -c | sed 's/^ */note: /'
fi
echo
echo "ratio = dualstack / redis; the goal is at least 1.00. Both sides are"
echo "one single-threaded epoll server and one single-threaded client."
exit 0
