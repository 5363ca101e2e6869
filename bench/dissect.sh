#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Packet dissection throughput: dualstack dissect (text and JSON) next to
# tcpdump and tshark, on the same capture, in one run.
#
#   bench/dissect.sh [COUNT]          default 1000000 packets
#
# Builds dualstack in a release build directory ($DS_BENCH_BUILDDIR,
# default build-bench/ at the top of the source tree, shared by every
# benchmark: see bench/lib.sh),
# writes COUNT mixed packets (90% IPv6, with extension headers, ND, MLD,
# fragments, SRH, AH, ESP, VLAN; bench/dissect-gen.py) to a scratch file,
# and as many of the tunnelled mix (--tunnels: 6in4, 6to4, GRE, DS-Lite,
# Teredo...), read by dualstack dissect and tcpdump -n,
# then times each reader printing every packet to /dev/null: the wall
# clock of the whole process, best of 3 runs (DS_BENCH_RUNS).
#
# tshark is slow enough that it reads only the first DS_BENCH_TSHARK_COUNT
# packets (200000; 0 means all) and its rate is computed on those; the
# table says so. tcpdump -v and tshark are optional: missing tools are
# left out. Numbers depend on the machine and its load; only the ratios
# mean much. Never fails because of a result: the exit status is non-zero
# only when the benchmark cannot be built or its input written.
set -u

count=${1:-1000000}
runs=${DS_BENCH_RUNS:-3}
tshark_count=${DS_BENCH_TSHARK_COUNT:-200000}
top=$(cd "$(dirname "$0")/.." && pwd)
python=/usr/bin/python3
# No reader may take longer than this per run.
limit=${DS_BENCH_TIMEOUT:-600}

. "$top/bench/lib.sh"
bench_build src/dualstack
ds=$builddir/src/dualstack

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
cap=$tmp/bench.pcap

if ! "$python" -c 'import scapy' 2>/dev/null; then
	echo "bench: $python has no scapy (make deps installs python3-scapy)" >&2
	exit 1
fi
gen_start=${EPOCHREALTIME/./}
"$python" "$top/bench/dissect-gen.py" --count "$count" "$cap" \
    2>"$tmp/gen.log" || { cat "$tmp/gen.log" >&2; exit 1; }
gen_end=${EPOCHREALTIME/./}
# The tunnelled mix: the same count of 6in4, 6to4, GRE, DS-Lite, Teredo...
tcap=$tmp/tunnels.pcap
"$python" "$top/bench/dissect-gen.py" --tunnels --count "$count" "$tcap" \
    2>"$tmp/gen-tun.log" || { cat "$tmp/gen-tun.log" >&2; exit 1; }

# once CMD...: run CMD once with stdout to /dev/null; sets $elapsed (wall
# clock in microseconds, from bash 5's EPOCHREALTIME, which starts no
# process) and returns CMD's exit status (124: the time limit).
once() {
	local s e rc
	s=${EPOCHREALTIME/./}
	timeout "$limit" "$@" >/dev/null 2>"$tmp/err"
	rc=$?
	e=${EPOCHREALTIME/./}
	elapsed=$((e - s))
	return $rc
}

# The readers must agree on the packet count before they are timed: a tool
# that stops early is not faster.
n_ds=$("$ds" dissect -r "$cap" | wc -l)
n_json=$("$ds" dissect -r "$cap" --json | wc -l)
n_td=$(tcpdump -n -r "$cap" 2>/dev/null | grep -c '^[0-9]')

echo "dissect bench: $count packets ($(sed -n 1p "$tmp/gen.log"))"
echo "tunnelled mix: $(sed -n 1p "$tmp/gen-tun.log")"
printf 'capture: %s MB, written in %.1f s\n' \
    "$(($(stat -c %s "$cap") / 1000000))" \
    "$(awk -v u=$((gen_end - gen_start)) 'BEGIN { print u / 1e6 }')"
echo "lines printed: dualstack $n_ds, dualstack --json $n_json," \
    "tcpdump $n_td"
if [ -r /proc/cpuinfo ]; then
	sed -n 's/^model name[[:space:]]*: /cpu: /p' /proc/cpuinfo | head -n 1
fi
echo "$(tcpdump --version 2>&1 | head -n 1), $(tshark --version 2>/dev/null |
    head -n 1 | sed 's/ (Git.*//')"
echo "wall clock per run, best of $runs, output to /dev/null"
echo

# The readers, as NAME<TAB>PACKETS<TAB>COMMAND lines. tcpdump prints
# local time: TZ=UTC spares it a look at /etc/localtime for every packet
# (glibc localtime() without TZ), and dualstack prints UTC too.
readers=$tmp/readers
{
	printf 'dualstack dissect\t%s\t"$ds" dissect -r "$cap"\n' "$count"
	printf 'dualstack dissect --json\t%s\t"$ds" dissect -r "$cap" --json\n' \
	    "$count"
	printf 'dualstack dissect -v\t%s\t"$ds" dissect -r "$cap" -v\n' "$count"
	printf 'tcpdump -n\t%s\tenv TZ=UTC tcpdump -n -r "$cap"\n' "$count"
	printf 'tcpdump -n -v\t%s\tenv TZ=UTC tcpdump -n -v -r "$cap"\n' "$count"
	printf 'dualstack dissect (tunnels)\t%s\t"$ds" dissect -r "$tcap"\n' \
	    "$count"
	printf 'tcpdump -n (tunnels)\t%s\tenv TZ=UTC tcpdump -n -r "$tcap"\n' \
	    "$count"
	if command -v tshark >/dev/null; then
		if [ "$tshark_count" -gt 0 ] && [ "$tshark_count" -lt "$count" ]
		then
			printf 'tshark -n (first %s)\t%s\ttshark -n -r "$cap" -c %s\n' \
			    "$tshark_count" "$tshark_count" "$tshark_count"
		else
			printf 'tshark -n\t%s\ttshark -n -r "$cap"\n' "$count"
		fi
	else
		echo "(tshark is not installed: left out)" >&2
	fi
} >"$readers"
# tshark wants a profile directory it can write.
export HOME=$tmp

# Rounds: every reader once per round, so that a busy moment of the
# machine hits all of them alike; the best round of each counts.
declare -A bestt failed
for round in $(seq "$runs"); do
	while IFS=$'\t' read -r name n cmd; do
		[ -n "${failed[$name]:-}" ] && continue
		if ! eval "once $cmd"; then
			echo "bench: $name: failed: $(head -c 200 "$tmp/err")" >&2
			failed[$name]=1
			continue
		fi
		if [ -z "${bestt[$name]:-}" ] || \
		    [ "$elapsed" -lt "${bestt[$name]}" ]; then
			bestt[$name]=$elapsed
		fi
	done <"$readers"
done
: >"$tmp/rates"
while IFS=$'\t' read -r name n cmd; do
	[ -n "${bestt[$name]:-}" ] || continue
	printf '%s\t%s\t%s\n' "$name" "$n" \
	    "$(awk -v u="${bestt[$name]}" 'BEGIN { printf "%.3f", u / 1e6 }')" \
	    >>"$tmp/rates"
done <"$readers"

# "vs dualstack" is the tool's rate over dualstack's text rate: 0.10
# means it reads a tenth as many packets per second.
awk -F '\t' '
	{ name[NR] = $1; n[NR] = $2; t[NR] = $3
	  rate[NR] = $3 > 0 ? $2 / $3 : 0 }
	$1 == "dualstack dissect" { ds = rate[NR] }
	END {
		printf "%-34s %9s %8s %12s %13s\n", "reader", "packets", \
		    "seconds", "packets/s", "vs dualstack"
		for (i = 1; i <= NR; i++)
			printf "%-34s %9d %8.2f %12.0f %13.2f\n", name[i], n[i], \
			    t[i], rate[i], ds ? rate[i] / ds : 0
		print ""
		for (i = 1; i <= NR; i++)
			if (name[i] !~ /^dualstack dissect$/ && \
			    name[i] !~ /tunnels/ && rate[i] > 0)
				printf "dualstack dissect is %.2fx %s\n", \
				    ds / rate[i], name[i]
		for (i = 1; i <= NR; i++) {
			if (name[i] == "dualstack dissect (tunnels)")
				dt = rate[i]
			if (name[i] == "tcpdump -n (tunnels)")
				tt = rate[i]
		}
		if (dt > 0 && tt > 0)
			printf "tunnelled mix: dualstack dissect is %.2fx " \
			    "tcpdump -n\n", dt / tt
	}' "$tmp/rates"
exit 0
