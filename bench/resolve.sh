#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Name resolution against broken nameservers: "dualstack resolve" and
# "dualstack connect --probe" beside glibc's "getent ahosts", in the same
# run, against the same servers, through the same resolv.conf.
#
#   bench/resolve.sh
#
# Two network namespaces (tests/net/lib/netns.sh): the client, and a
# server running the test DNS responder (tests/net/lib/dnsd.py) and a TCP
# listener for both families on port 8080. Every tool reads the client
# namespace's /etc/resolv.conf (/etc/netns/NAME/resolv.conf, which "ip
# netns exec" mounts over /etc/resolv.conf).
#
# Scenarios:
#   0  one healthy nameserver (the cost of a lookup, for scale)
#   1  a dead first nameserver: "nameserver 2001:db8::99" (its UDP and TCP
#      dropped by nftables, so neither an answer nor an ICMP error comes
#      back) before a healthy 198.51.100.2, "options timeout:2 attempts:2"
#   2  a responder that drops a second query arriving from the same
#      address and port within 200 ms (dnsd.py --drop-second 200), as a
#      stateful middlebox with one entry per UDP "session" does,
#      "options timeout:2 attempts:1"; getent also with
#      "single-request-reopen", glibc's workaround
#
# Tools: getent ahosts (glibc), dualstack resolve and dualstack connect
# --probe without history (--no-cache: what every lookup of a process
# without memory costs), and both again with the nameserver history warmed
# by one run just before (what the next lookup costs). Each is run
# RESOLVE_RUNS times (3), the tools taking turns; the median wall time of
# the whole process, timed from outside, is shown, with dualstack's own
# clock (its slower query, or the connect's elapsed_ms) beside it, and each
# tool's ratio to getent's time in the same scenario (above 1: that many
# times faster than glibc). Every run is bounded by 30 s.
#
# Writes a TSV of every measurement to $BENCH_OUT (a file when it ends in
# .tsv, else a directory), default bench/results/resolve.tsv.
#
# Needs root, iproute2, nftables, getent, /usr/bin/python3, meson and
# ninja. Everything it creates (namespaces, processes, /etc/netns/NAME,
# scratch files) is removed at exit, Ctrl-C included. Not a test: the exit
# status is non-zero only when something cannot be built or started.

set -u
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
runs=${RESOLVE_RUNS:-3}
cap_s=30
python=/usr/bin/python3
host=www.example.test
port=8080

die() {
	echo "bench/resolve: $*" >&2
	exit 1
}

case $runs in '' | *[!0-9]* | 0) die "RESOLVE_RUNS must be a positive integer" ;; esac
[ "$(id -u)" = 0 ] || die "needs root (it creates network namespaces)"
for tool in ip nft meson ninja timeout getent; do
	command -v "$tool" >/dev/null || die "$tool is not installed (make deps)"
done
[ -x "$python" ] || die "$python is not installed"

. "$top/bench/lib.sh"
bench_build src/dualstack
ds=$builddir/src/dualstack
"$ds" resolve --help 2>&1 | grep -q -- --no-cache ||
	die "this dualstack's resolve has no --no-cache"

# --- Topology -------------------------------------------------------------

# shellcheck source=tests/net/lib/netns.sh
. "$top/tests/net/lib/netns.sh"
(netns_require) >&2 || die "cannot build the topology (see above)"
netns_setup || die "netns_setup failed"
tmp=$NETNS_DIR
# The tools find nothing of the user's.
export HOME=$tmp/home XDG_CACHE_HOME=$tmp/home/.cache
mkdir -p "$HOME"

netns_add_addr server 198.51.100.3/24 || die "cannot add 198.51.100.3"
netns_add_addr server 2001:db8::99/64 || die "cannot add 2001:db8::99"
records=(--record "$host AAAA 2001:db8::2" --record "$host A 198.51.100.2")
# TTL 0: nothing on the path may answer from a cache.
netns_dnsd server --listen 198.51.100.2 --listen 2001:db8::2 --port 53 \
	--ttl 0 "${records[@]}" || die "dnsd did not start"
netns_dnsd server --listen 198.51.100.3 --port 53 --ttl 0 \
	--drop-second 200 "${records[@]}" || die "dnsd did not start"
netns_drop_udp server ip6 2001:db8::99 53 || die "nft failed"
netns_drop server ip6 2001:db8::99 53 || die "nft failed"
netns_spawn server "$python" -c '
import socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
s.listen(128)
while True:
    c, _ = s.accept()
    c.close()
' $port
for _ in $(seq 50); do
	[ -n "$(netns_exec server ss -Hltn "sport = :$port")" ] && break
	sleep 0.1
done

conf() {
	case $1 in
	0) printf 'nameserver 198.51.100.2\n' ;;
	1) printf 'nameserver 2001:db8::99\nnameserver 198.51.100.2\noptions timeout:2 attempts:2\n' ;;
	2) printf 'nameserver 198.51.100.3\noptions timeout:2 attempts:1\n' ;;
	2r) printf 'nameserver 198.51.100.3\noptions timeout:2 attempts:1 single-request-reopen\n' ;;
	esac
}

scenario_name() {
	case $1 in
	0) echo "one healthy nameserver" ;;
	1) echo "dead first nameserver (timeout:2 attempts:2)" ;;
	2) echo "second query from one socket dropped (timeout:2 attempts:1)" ;;
	esac
}

tools_of() {
	case $1 in
	2) echo "getent getent-reopen resolve resolve-hist connect connect-hist" ;;
	*) echo "getent resolve resolve-hist connect connect-hist" ;;
	esac
}

tool_name() {
	case $1 in
	getent) echo "getent ahosts" ;;
	getent-reopen) echo "getent, single-request-reopen" ;;
	resolve) echo "dualstack resolve --no-cache" ;;
	resolve-hist) echo "dualstack resolve, history" ;;
	connect) echo "dualstack connect --no-cache" ;;
	connect-hist) echo "dualstack connect, history" ;;
	esac
}

# --- One measurement ----------------------------------------------------------

# measure SCENARIO TOOL: one run. Sets wall (ms, from outside), own
# (dualstack's own time, or -), rc.
measure() {
	local sc=$1 tool=$2 out=$tmp/out t0 cmd=()
	case $tool in
	getent-reopen) netns_resolv_conf client "$(conf 2r)" ;;
	*) netns_resolv_conf client "$(conf "$sc")" ;;
	esac
	case $tool in
	getent*) cmd=(getent ahosts "$host") ;;
	resolve) cmd=("$ds" resolve --json --no-cache "$host") ;;
	resolve-hist) cmd=("$ds" resolve --json "$host") ;;
	connect) cmd=("$ds" connect --probe --json --no-cache "$host" "$port") ;;
	connect-hist) cmd=("$ds" connect --probe --json "$host" "$port") ;;
	esac
	t0=$EPOCHREALTIME
	ip netns exec "$CLIENT" timeout -k 2 "$cap_s" "${cmd[@]}" \
		>"$out" 2>"$out.err" &
	wait $!
	rc=$?
	wall=$(awk -v a="$t0" -v b="$EPOCHREALTIME" \
		'BEGIN { printf "%.3f", (b - a) * 1000 }')
	own=-
	case $tool in
	resolve*) own=$("$python" -c 'import json, sys
try:
    j = json.load(open(sys.argv[1]))
    print(max(q["ms"] for q in j["queries"] if q["ms"] is not None))
except (ValueError, KeyError):
    print("-")' "$out") ;;
	connect*) own=$("$python" -c 'import json, sys
try:
    print(json.load(open(sys.argv[1]))["elapsed_ms"])
except (ValueError, KeyError):
    print("-")' "$out") ;;
	esac
	if [ "$rc" != 0 ]; then
		echo "$tool, scenario $sc: exit $rc: $(head -c 300 "$out.err" |
			tr '\n' ' ')" >>"$tmp/notes"
	fi
}

median() {
	tr ' ' '\n' | grep -v '^-*$' | sort -g | awk '{ v[NR] = $1 }
	END {
		if (NR == 0) { print "-"; exit }
		if (NR % 2) print v[(NR + 1) / 2]
		else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

fmt() {
	case $1 in -) echo - ;; *) awk -v v="$1" 'BEGIN { printf(v < 10 ? "%.2f" : "%.0f", v) }' ;; esac
}

# --- The runs -------------------------------------------------------------------

out_tsv=${BENCH_OUT:-$top/bench/results}
case $out_tsv in
*.tsv) mkdir -p "$(dirname "$out_tsv")" ;;
*)
	mkdir -p "$out_tsv"
	out_tsv=$out_tsv/resolve.tsv
	;;
esac
printf 'scenario\ttool\truns\tmedian_ms\town_ms\tfailed\ttimes_ms\n' >"$tmp/tsv"

echo "Name resolution with broken nameservers: client and server in two"
echo "network namespaces; median of $runs runs, milliseconds."
sed -n 's/^model name[[:space:]]*: /cpu: /p' /proc/cpuinfo | head -n 1
echo "cores: $(nproc), kernel $(uname -r), load average" \
	"$(cut -d' ' -f1-3 /proc/loadavg), $(getent --version | head -n 1)"
echo

t_start=$SECONDS
for sc in 0 1 2; do
	declare -A walls=() owns=() fails=()
	for _ in $(seq "$runs"); do
		for tool in $(tools_of "$sc"); do
			case $tool in
			*-hist)
				# Warm the history with one run, not measured.
				rm -rf "$XDG_CACHE_HOME"
				netns_resolv_conf client "$(conf "$sc")"
				case $tool in
				resolve-hist) ip netns exec "$CLIENT" timeout "$cap_s" \
					"$ds" resolve "$host" >/dev/null 2>&1 ;;
				connect-hist) ip netns exec "$CLIENT" timeout "$cap_s" \
					"$ds" connect --probe "$host" "$port" >/dev/null 2>&1 ;;
				esac
				;;
			esac
			measure "$sc" "$tool"
			walls[$tool]+="$wall "
			owns[$tool]+="$own "
			[ "$rc" != 0 ] && fails[$tool]=$((${fails[$tool]:-0} + 1))
		done
	done
	echo "$sc  $(scenario_name "$sc")"
	printf '   %-32s %9s %9s %9s\n' tool "ms" "own ms" "ratio"
	g=$(median <<<"${walls[getent]}")
	for tool in $(tools_of "$sc"); do
		w=$(median <<<"${walls[$tool]}")
		o=$(median <<<"${owns[$tool]}")
		r=$(awk -v g="$g" -v w="$w" 'BEGIN { printf(g / w < 10 ? "%.2f" : "%.1f", g / w) }')
		f=${fails[$tool]:-0}
		printf '   %-32s %9s %9s %9s%s\n' "$(tool_name "$tool")" \
			"$(fmt "$w")" "$(fmt "$o")" "$r" \
			"$([ "$f" -gt 0 ] && echo "  ($f failed)")"
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sc" "$tool" "$runs" "$w" \
			"$o" "$f" "$(xargs <<<"${walls[$tool]}" | tr ' ' ,)" \
			>>"$tmp/tsv"
	done
	echo
	unset walls owns fails
done
elapsed=$((SECONDS - t_start))

cat <<EOF
ms: the whole process, timed from outside (ip netns exec, start-up, exit);
own ms: dualstack's own clock (resolve: its slower query, from its start;
connect: elapsed_ms, the lookup and the TCP connect). ratio: getent's ms
over the tool's (above 1: faster than glibc). "history": the nameserver
history warmed by one run just before; --no-cache: none, as in a process
that has never seen the servers.
EOF
if [ -s "$tmp/notes" ]; then
	echo
	sort "$tmp/notes" | uniq -c | sed 's/^ */note: /'
fi
cp "$tmp/tsv" "$out_tsv" || die "cannot write $out_tsv"
echo
echo "measurements: $out_tsv; ${elapsed} s"
exit 0
