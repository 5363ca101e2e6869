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
# a line per RA as the others do. Wall clock of the whole process and its
# CPU time (user + system, from wait4(2)), each the best of DS_BENCH_RUNS
# (3) turns for dualstack and tcpdump: on a loaded machine the wall clock is
# mostly waiting for a CPU, and the CPU time is what the reader costs.
# The ratios are against tcpdump's rate in the same run. tshark is slow (a million
# frames took it over 20 minutes on a loaded 2-core machine), so it reads
# a capture of the first DS_BENCH_TSHARK_COUNT (200000; 0: all) frames,
# once, timed and counted in the same run. A last row times
# bench/pcap-read-floor, which only read(2)s the file and steps over the
# record headers: the floor under any reader of it.
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
bench_build src/dualstack bench/pcap-read-floor
ds=$builddir/src/dualstack
floor=$builddir/bench/pcap-read-floor

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

# once CMD...: wall clock and CPU time (user + system) of one run, in
# microseconds ($elapsed, $cpu); its standard output goes to $once_out
# (/dev/null by default). The command is the child of a small Python
# whose wait4(2) gives its CPU time; Python's own start is not in either
# number.
once() {
	local t
	t=$("$python" -c 'import os, sys, time
t = time.monotonic()
pid = os.fork()
if pid == 0:
    os.dup2(os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
    os.dup2(os.open("/dev/null", os.O_WRONLY), 2)
    os.execvp(sys.argv[2], sys.argv[2:])
_, _, ru = os.wait4(pid, 0)
print(int((time.monotonic() - t) * 1e6),
      int((ru.ru_utime + ru.ru_stime) * 1e6))' "${once_out:-/dev/null}" \
	    timeout "$limit" "$@")
	elapsed=${t% *}
	cpu=${t#* }
}

# keep WALL CPU: lower the variables named WALL and CPU (empty: unset) to
# $elapsed and $cpu of the last run where those are lower.
keep() {
	if [ -z "${!1}" ] || [ "$elapsed" -lt "${!1}" ]; then
		printf -v "$1" %s "$elapsed"
	fi
	if [ -z "${!2}" ] || [ "$cpu" -lt "${!2}" ]; then
		printf -v "$2" %s "$cpu"
	fi
}

found_ds=$("$ds" ra watch -r "$cap" --all --json |
	grep -c '"code":"ra.router"')
found_td=$(tcpdump -n -r "$cap" 'icmp6 and ip6[40] == 134' 2>/dev/null |
	grep -c '^[0-9]')
have_tshark=
command -v tshark >/dev/null && have_tshark=1

# The two take turns, so that a change in the machine's load falls on
# both; each keeps its best wall clock and its best CPU time.
t_ds= c_ds= t_td= c_td= t_fl= c_fl=
for i in $(seq "$runs"); do
	once "$ds" ra watch -r "$cap" --all
	keep t_ds c_ds
	once tcpdump -n -r "$cap" 'icmp6 and ip6[40] == 134'
	keep t_td c_td
	once "$floor" "$cap"
	keep t_fl c_fl
done
if [ -n "$have_tshark" ]; then
	HOME=$tmp once_out=$tmp/tshark.out \
		once tshark -r "$tmp/head.pcap" -Y 'icmpv6.type==134'
	t_ts=$elapsed c_ts=$cpu
	found_ts=$(wc -l <"$tmp/tshark.out")
	found_ds_head=$("$ds" ra watch -r "$tmp/head.pcap" --all --json |
		grep -c '"code":"ra.router"')
fi

echo "ra bench: $count frames, $ras RAs ($(cat "$tmp/gen"))"
if [ -r /proc/cpuinfo ]; then
	sed -n 's/^model name[[:space:]]*: /cpu: /p' /proc/cpuinfo | head -n 1
fi
row() { # NAME WALL_US CPU_US FOUND [FRAMES RAS]
	awk -v n="$1" -v us="$2" -v cu="$3" -v f="$4" -v fr="${5:-$count}" \
	    -v r="${6:-$ras}" -v td="$t_td" -v tc="$c_td" 'BEGIN {
		rate = fr / (us / 1e6)
		crate = fr / (cu / 1e6)
		printf "| %-36s | %7d | %6.2f | %9.0f | %6.2f | %5.2f | %9.0f | %6.2f | %5s of %-5s |\n",
		    n, fr, us / 1e6, rate, rate / ('"$count"' / (td / 1e6)),
		    cu / 1e6, crate, crate / ('"$count"' / (tc / 1e6)), f, r }'
}
echo "| reader                               | frames  | wall s | frames/s  | ratio  | CPU s | frames/CPU s | ratio | RAs found      |"
echo "|--------------------------------------|---------|--------|-----------|--------|-------|-----------|--------|----------------|"
row "dualstack ra watch -r --all" "$t_ds" "$c_ds" "$found_ds"
row "tcpdump 'icmp6 and ip6[40] == 134'" "$t_td" "$c_td" "$found_td"
row "read(2) of the file alone (floor)" "$t_fl" "$c_fl" "-" "$count" "-"
[ -n "$have_tshark" ] &&
	row "tshark -Y icmpv6.type==134 (1 run)" "$t_ts" "$c_ts" "$found_ts" \
		"$tshark_count" "$ras_head" &&
	echo "(on those $tshark_count frames dualstack found $found_ds_head)"
exit 0
