#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The /52 flood against "dualstack reach serve": how many SYNs one victim
# gets in a minute from a checker whose agents hold a whole /52 (4094
# /64s), whatever they ask. Needs root (two network namespaces,
# tests/net/lib/netns.sh; the attacker's addresses on the client's lo,
# routed from the checker's namespace).
#
#   bench/reach-flood.sh
#
# Every attacker address in turn connects to the checker and asks for
# "CHECK 203.0.113.7 7002 16 port-only" (16 test connections to a victim
# on the other family), round and round for FLOOD_SECONDS (60). The
# victim, 203.0.113.7 on the client's lo, answers with a reset; an
# nftables counter in its namespace counts the SYNs that reach it.
#
# Checkers compared in one run:
#   default           the checker as shipped: a target of the other family
#                     must be claimed from it first
#   any-target        --any-target: the proof waived, the budgets alone
#   any-target+rate   --any-target --rate 10000/min: the per-target budget
#                     alone (agents' budgets out of the way)
# and, when FLOOD_BEFORE names another build's dualstack binary (say the
# release before this protection), the same flood against it with
# --any-target-free defaults as "before".
#
# The goal: SYNs at the victim within the per-target budget (16 a
# minute by default) in every configuration. The budget is a token
# bucket that starts full, so a run of S seconds may see 16 x (1 +
# floor(S / 60)): the "allowed" column. Bounded: FLOOD_SECONDS per
# checker, at most 100000 control connections each.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
. "$top/tests/net/lib/netns.sh"
netns_require
bench_build src/dualstack
DUALSTACK=$builddir/src/dualstack
secs=${FLOOD_SECONDS:-60}
FLOOD="$NETNS_PY $top/tests/net/lib/reach-flood.py"

# shellcheck disable=SC2119
netns_setup || { echo "bench: netns_setup failed" >&2; exit 1; }
tmp=$NETNS_DIR
{
	echo "address add 203.0.113.7/32 dev lo"
	for i in $(seq 1 4094); do
		printf 'address add 2001:db8:0:%x::1/128 dev lo\n' $((0x1000 + i))
	done
} >"$tmp/addrs.batch"
for i in $(seq 1 4094); do printf '2001:db8:0:%x::1\n' $((0x1000 + i)); done >"$tmp/slash52"
ip -n "$CLIENT" -batch "$tmp/addrs.batch" && netns_wait_settled client &&
	ip -n "$SERVER" route add 203.0.113.0/24 via 198.51.100.1 &&
	ip -n "$SERVER" -6 route add 2001:db8:0:1000::/52 via 2001:db8::1 || {
	echo "bench: addresses and routes failed" >&2
	exit 1
}
netns_exec client nft -f - <<'NFT'
table inet ds_victim {
	counter v4 {}
	chain input {
		type filter hook input priority 0; policy accept;
		ip daddr 203.0.113.7 tcp flags & (syn | ack) == syn counter name v4
	}
}
NFT

# run NAME BINARY ARGS...: one checker, one flood, one row.
port=4800
run() {
	local name=$1 bin=$2 log res syn ok conns
	shift 2
	port=$((port + 1))
	log=$tmp/checker-$port.log
	netns_exec client nft reset counters table inet ds_victim >/dev/null
	netns_spawn server "$bin" reach serve --listen ":$port" \
		--allow-targets 203.0.113.0/24 --deadline 1 "$@" >"$log" 2>&1
	local pid=$NETNS_LAST_PID
	for _ in $(seq 100); do
		grep -q 'listening on' "$log" && break
		sleep 0.05
	done
	res=$(netns_exec client $FLOOD 2001:db8::2 "$port" --sources "$tmp/slash52" \
		--line 'CHECK 203.0.113.7 7002 16 port-only' \
		--duration "$secs" --max 100000)
	sleep 1.2 # the last test connections end at the deadline
	syn=$(netns_exec client nft list counter inet ds_victim v4 |
		grep -oE 'packets [0-9]+' | grep -oE '[0-9]+')
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	read -r conns ok <<<"$(printf '%s' "$res" | "$NETNS_PY" -c '
import json, sys
d = json.load(sys.stdin)
print(d["connections"], d["answers"].get("OK", 0))')"
	printf '%-18s %14s %10s %10s %8s\n' "$name" "$conns" "$ok" "$syn" \
		"$(awk -v t="$secs" 'BEGIN { printf "%d", 16 * (1 + int(t / 60)) }')"
}

echo "reach serve, the /52 flood (4094 /64s), ${secs} s per checker"
printf '%-18s %14s %10s %10s %8s\n' checker "control conns" "checks OK" \
	"SYNs" allowed
if [ -n "${FLOOD_BEFORE:-}" ]; then
	run before "$FLOOD_BEFORE"
fi
run default "$DUALSTACK"
run any-target "$DUALSTACK" --any-target
run any-target+rate "$DUALSTACK" --any-target --rate 10000/min
echo "goal: SYNs <= allowed (the default --target-rate, 16/min) in every row but 'before'"
