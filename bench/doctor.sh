#!/bin/sh
# SPDX-License-Identifier: MIT
#
# How long a full "dualstack doctor" takes (without --probe), beside what a
# person runs to collect the same facts by hand, in one run:
#
#   ip -j address; ip -j route; ip -j neigh; sysctl net.ipv6;
#   cat /etc/resolv.conf /etc/gai.conf /etc/nsswitch.conf /etc/hosts
#
#   bench/doctor.sh [RUNS]
#
# Builds dualstack in the release build directory ($DS_BENCH_BUILDDIR,
# default build-bench/; see bench/lib.sh), runs each side RUNS times
# (default 100) one after the other and prints the mean wall time per run
# and the ratio. The doctor also judges what it reads and runs its
# loopback self-test; the anchor only reads. Numbers depend on the
# machine and its load; only the ratio means much. Never fails because of
# a result.

set -u

runs=${1:-100}
top=$(cd "$(dirname "$0")/.." && pwd)

. "$top/bench/lib.sh"
bench_build src/dualstack
ds=$builddir/src/dualstack

now_ns() {
	date +%s%N
}

t0=$(now_ns)
i=0
while [ "$i" -lt "$runs" ]; do
	"$ds" doctor >/dev/null
	i=$((i + 1))
done
t1=$(now_ns)
i=0
while [ "$i" -lt "$runs" ]; do
	{
		ip -j address show
		ip -j route show
		ip -j -6 route show
		ip -j neigh show
		sysctl net.ipv6 2>/dev/null
		cat /etc/resolv.conf /etc/gai.conf /etc/nsswitch.conf /etc/hosts
	} >/dev/null 2>&1
	i=$((i + 1))
done
t2=$(now_ns)

awk -v runs="$runs" -v d="$((t1 - t0))" -v a="$((t2 - t1))" 'BEGIN {
	printf "%-36s %10s\n", "", "ms per run"
	printf "%-36s %10.2f\n", "dualstack doctor", d / runs / 1e6
	printf "%-36s %10.2f\n", "ip, sysctl, cat (reading only)", a / runs / 1e6
	printf "ratio doctor / by hand: %.2f (%d runs each)\n", d / a, runs
}'
