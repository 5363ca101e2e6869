#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Address parse + format throughput: dualstack, glibc and Python's ipaddress
# side by side, on the same million addresses, in one run.
#
#   bench/addr.sh [COUNT]
#
# Builds addr-bench in a release build directory ($DS_BENCH_BUILDDIR,
# default build-bench/ at the top of the source tree; created with
# "meson setup build-bench -Dbuildtype=release -Db_ndebug=true"), writes the
# address list to a scratch file, times all three and prints a table.
# Numbers depend on the machine and its load; only the ratios mean much.
# Never fails because of a result: the exit status is non-zero only when
# the benchmark cannot be built or run.

set -u

count=${1:-1000000}
top=$(cd "$(dirname "$0")/.." && pwd)
python=/usr/bin/python3

. "$top/bench/lib.sh"
bench_build bench/addr-bench
bench=$builddir/bench/addr-bench

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

"$bench" --count "$count" --write "$tmp/addrs.txt" || exit 1

echo "addr-bench: $count addresses, half IPv4, half IPv6 in mixed forms;"
echo "per address: parse, then format as canonical text; best of 5 runs"
echo "(Python: best of 3)."
if [ -r /proc/cpuinfo ]; then
	sed -n 's/^model name[[:space:]]*: /cpu: /p' /proc/cpuinfo | head -n 1
fi
echo "glibc $(getconf GNU_LIBC_VERSION 2>/dev/null | sed 's/^glibc //'), \
$("$python" --version 2>&1 || echo 'no python')"
echo

"$bench" --count "$count" --tsv >"$tmp/rates" || exit 1
if [ -x "$python" ]; then
	"$python" "$top/bench/addr-python.py" --tsv "$tmp/addrs.txt" \
	    >>"$tmp/rates" || echo "python: failed, see above" >&2
fi

# "vs dualstack" is the tool's rate over dualstack's: 0.50 means it handles
# half as many addresses per second.
awk -F '\t' '
	{ name[NR] = $1; rate[NR] = $2 }
	$1 == "dualstack" { ds = $2 }
	END {
		label["dualstack"] = "dualstack ds_addr_parse+format"
		label["glibc"] = "glibc inet_pton+inet_ntop"
		label["python"] = "python ipaddress+str"
		printf "%-32s %14s %9s %13s\n", "tool", "addresses/s", \
		    "ns/addr", "vs dualstack"
		for (i = 1; i <= NR; i++)
			printf "%-32s %14.0f %9.1f %13.2f\n", label[name[i]], \
			    rate[i], 1e9 / rate[i], ds ? rate[i] / ds : 0
		print ""
		for (i = 1; i <= NR; i++)
			if (name[i] != "dualstack" && rate[i] > 0)
				printf "dualstack is %.2fx %s\n", ds / rate[i], \
				    name[i]
	}' "$tmp/rates"
exit 0
