#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Router Advertisement monitoring throughput: dualstack ra watch -r next to
# tcpdump -r with "icmp6 and ip6[40] == 134" (what a monitor with a plain
# icmp6 filter does) and tshark -r -Y icmpv6.type==134, on the same
# capture, in one run: frames per second, and how many RAs each found.
#
#   bench/ra.sh [COUNT]          default 1000000 frames
#
# The capture (bench/ra-gen.py) is ordinary traffic with one RA in 100
# frames: 80 % plain, 8 % behind Destination Options, 8 % behind
# Hop-by-Hop, 4 % fragmented. dualstack runs with --all, so that it prints
# a line per RA as the others do. Wall clock of the whole process, best of
# DS_BENCH_RUNS (3) for dualstack and tcpdump. tshark is slow (a million
# frames took it over 20 minutes on a loaded 2-core machine), so it reads
# a capture of the first DS_BENCH_TSHARK_COUNT (200000; 0: all) frames,
# once, timed and counted in the same run.
# Numbers depend on the machine and its load; only the ratios mean much.
# Never fails because of a result.
set -u

count=${1:-1000000}
runs=${DS_BENCH_RUNS:-3}
top=$(cd "$(dirname "$0")/.." && pwd)
python=/usr/bin/python3
limit=${DS_BENCH_TIMEOUT:-1800}
tshark_count=${DS_BENCH_TSHARK_COUNT:-200000}
[ "$tshark_count" -eq 0 ] || [ "$tshark_count" -gt "$count" ] &&
	tshark_count=$count

. "$top/bench/lib.sh"
bench_build src/dualstack
ds=$builddir/src/dualstack

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
cap=$tmp/ra.pcap
"$python" "$top/bench/ra-gen.py" --count "$count" "$cap" >"$tmp/gen" ||
	exit 1
ras=$(sed -n 's/^ras=\([0-9]*\).*/\1/p' "$tmp/gen")
# The first tshark_count frames: ra-gen.py writes the same frames in the
# same order whatever the count.
"$python" "$top/bench/ra-gen.py" --count "$tshark_count" "$tmp/head.pcap" \
	>"$tmp/gen-head" || exit 1
ras_head=$(sed -n 's/^ras=\([0-9]*\).*/\1/p' "$tmp/gen-head")

# once CMD...: wall clock of one run in microseconds ($elapsed).
once() {
	local s e
	s=${EPOCHREALTIME/./}
	timeout "$limit" "$@" >/dev/null 2>&1
	e=${EPOCHREALTIME/./}
	elapsed=$((e - s))
}

# best N CMD...: the best of N runs ($best).
best() {
	local n=$1 i
	shift
	best=
	for i in $(seq "$n"); do
		once "$@"
		if [ -z "$best" ] || [ "$elapsed" -lt "$best" ]; then
			best=$elapsed
		fi
	done
}

found_ds=$("$ds" ra watch -r "$cap" --all --json |
	grep -c '"code":"ra.router"')
found_td=$(tcpdump -n -r "$cap" 'icmp6 and ip6[40] == 134' 2>/dev/null |
	grep -c '^[0-9]')
have_tshark=
command -v tshark >/dev/null && have_tshark=1

best "$runs" "$ds" ra watch -r "$cap" --all
t_ds=$best
best "$runs" tcpdump -n -r "$cap" 'icmp6 and ip6[40] == 134'
t_td=$best
if [ -n "$have_tshark" ]; then
	s=${EPOCHREALTIME/./}
	found_ts=$(HOME=$tmp timeout "$limit" tshark -r "$tmp/head.pcap" \
		-Y 'icmpv6.type==134' 2>/dev/null | wc -l)
	e=${EPOCHREALTIME/./}
	t_ts=$((e - s))
	found_ds_head=$("$ds" ra watch -r "$tmp/head.pcap" --all --json |
		grep -c '"code":"ra.router"')
fi

echo "ra bench: $count frames, $ras RAs ($(cat "$tmp/gen"))"
if [ -r /proc/cpuinfo ]; then
	sed -n 's/^model name[[:space:]]*: /cpu: /p' /proc/cpuinfo | head -n 1
fi
row() { # NAME MICROSECONDS FOUND [FRAMES RAS]
	awk -v n="$1" -v us="$2" -v f="$3" -v fr="${4:-$count}" \
	    -v r="${5:-$ras}" -v td="$t_td" 'BEGIN {
		rate = fr / (us / 1e6)
		printf "| %-38s | %8d | %7.2f | %10.0f | %6s of %-6s | %6.2f |\n",
		    n, fr, us / 1e6, rate, f, r, rate / ('"$count"' / (td / 1e6)) }'
}
echo "| reader                                 | frames   | seconds | frames/s   | RAs found        | vs tcpdump |"
echo "|----------------------------------------|----------|---------|------------|------------------|--------|"
row "dualstack ra watch -r --all" "$t_ds" "$found_ds"
row "tcpdump 'icmp6 and ip6[40] == 134'" "$t_td" "$found_td"
[ -n "$have_tshark" ] &&
	row "tshark -Y icmpv6.type==134 (1 run)" "$t_ts" "$found_ts" \
		"$tshark_count" "$ras_head" &&
	echo "(on those $tshark_count frames dualstack found $found_ds_head)"
exit 0
