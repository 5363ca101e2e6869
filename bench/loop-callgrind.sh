#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Instruction counts of the two loop-bound hot paths, for comparing two
# builds on a machine too busy for timings:
#
#   bench/loop-callgrind.sh DUALSTACK [DUALSTACK...]
#
# For each dualstack binary given (say, one built before a change and one
# after), under valgrind --tool=callgrind:
#   - relay: "dualstack proxy" from [::1] to "dualstack serve --proto
#     echo" on 127.0.0.1, while "dualstack load" (not under valgrind)
#     makes DS_BENCH_CONNS connections (default 500), 10 echoes of 100
#     bytes each, 10 at a time; the proxy's instructions per connection;
#   - happy: DS_BENCH_HE_RUNS (default 20) runs of "dualstack connect
#     --probe --no-cache localhost PORT" with the server on 127.0.0.1
#     only, so that ::1 is refused and IPv4 wins (resolution, two
#     attempts, the timers of a race); instructions per run.
# Prints "binary<TAB>relay Ir/conn<TAB>happy Ir/run". Instruction counts
# do not depend on the machine's load, but a relay's count still moves a
# little with how reads and writes happen to batch: compare several runs.
# Only loopback; every process started here is stopped at exit. Needs
# valgrind. Not a test.

set -u
export LC_ALL=C

conns=${DS_BENCH_CONNS:-500}
he_runs=${DS_BENCH_HE_RUNS:-20}
tmp=$(mktemp -d)
pids=()

cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

die() {
	echo "bench/loop-callgrind: $*" >&2
	exit 1
}

[ $# -ge 1 ] || die "usage: bench/loop-callgrind.sh DUALSTACK [DUALSTACK...]"
command -v valgrind >/dev/null || die "valgrind is not installed"

# A free TCP port on loopback, from the kernel.
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait until something listens on port $1.
wait_port() {
	for _ in $(seq 1 600); do
		ss -Htln "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# The total instruction count of a callgrind output file.
total_ir() {
	awk '/^summary:/ {print $2; exit}' "$1"
}

printf 'binary\trelay Ir/conn\thappy Ir/run\n'
for ds in "$@"; do
	[ -x "$ds" ] || die "$ds: not executable"
	sport=$(free_port)
	"$ds" serve --listen "127.0.0.1:$sport" --proto echo >/dev/null 2>&1 &
	spid=$!
	pids+=("$spid")
	wait_port "$sport" || die "serve did not start"

	pport=$(free_port)
	valgrind --tool=callgrind --callgrind-out-file="$tmp/relay.out" \
		"$ds" proxy --listen "[::1]:$pport" --to "127.0.0.1:$sport" \
		--drain 0 >/dev/null 2>"$tmp/relay.err" &
	ppid=$!
	pids+=("$ppid")
	wait_port "$pport" || die "proxy did not start"
	"$ds" load -c 10 -n "$conns" -m 10 -s 100 "[::1]:$pport" >/dev/null ||
		die "load against the proxy failed"
	kill -TERM "$ppid"
	wait "$ppid" 2>/dev/null
	relay=$(total_ir "$tmp/relay.out")

	total=0
	for i in $(seq 1 "$he_runs"); do
		valgrind --tool=callgrind --callgrind-out-file="$tmp/he.out" \
			"$ds" connect --probe --no-cache localhost "$sport" \
			>/dev/null 2>&1 </dev/null || die "connect failed"
		total=$((total + $(total_ir "$tmp/he.out")))
	done
	kill "$spid"
	wait "$spid" 2>/dev/null

	printf '%s\t%d\t%d\n' "$ds" $((relay / conns)) $((total / he_runs))
done
