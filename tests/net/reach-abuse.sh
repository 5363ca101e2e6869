#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A public "dualstack reach serve" is no port scanner: the abuse that a
# red-team pass tried, in two network namespaces (tests/net/lib/netns.sh),
# the checker in SERVER (2001:db8::2, 198.51.100.2), the attacker and the
# victims in CLIENT. Victim addresses (203.0.113.7, 2001:db8:99::7) sit
# on CLIENT's lo and answer SYNs with a reset; an nftables counter in
# CLIENT counts the SYNs that reach each, and one in SERVER those the
# checker sends to its own addresses. The attacker's address space is
# real: a /52 (4094 /64s) and 4200 /48s on CLIENT's lo, routed from
# SERVER (tests/net/lib/reach-flood.py speaks from each).
#
#   1  the checker's own addresses, over either family: ERR target, no SYN
#   2  a third party across families: PROVE, no claim, ERR target, no SYN
#   3  the /52 flood at one IPv4 victim, on a checker that waived the
#      proof (--any-target): at most the per-target budget of SYNs,
#      whether the agent budgets or only the target budget hold
#   4  one source holding 300 control connections: it gets its share,
#      another agent still checks
#   5  the budget table filled by 4200 agent networks: an agent from
#      another /48 is still admitted
#
# Prints TAP. Needs root, "ip netns" and nft; exits 77 otherwise. About
# 40 s.
set -u

top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
DUALSTACK=${DUALSTACK:-${DS_BUILD:-$top/build}/src/dualstack}
# shellcheck source=tests/net/lib/netns.sh
. "$top/tests/net/lib/netns.sh"
netns_require
if [ ! -x "$DUALSTACK" ]; then
	echo "skip: $DUALSTACK not built"
	exit 77
fi
FLOOD="$NETNS_PY $top/tests/net/lib/reach-flood.py"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	local l
	for l in "$@"; do echo "#   $l"; done
}
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1" "want: $2" "got:  $3"
		return 1
	fi
}
has() {
	if printf '%s' "$2" | grep -qE -- "$3"; then ok "$1"; else
		not_ok "$1" "want: /$3/" "got:" "$(printf '%s' "$2" | head -20)"
	fi
}
# at_most NAME MAX VALUE
at_most() {
	if [ "$3" -le "$2" ] 2>/dev/null; then ok "$1 ($3)"; else
		not_ok "$1" "want: at most $2" "got:  $3"
	fi
}
# json_get JSON KEY: a number from the flood tool's answer counts.
json_get() {
	printf '%s' "$1" | "$NETNS_PY" -c '
import json, sys
d = json.load(sys.stdin)
k = sys.argv[1]
print(d.get(k, d.get("answers", {}).get(k, 0)))' "$2"
}

# shellcheck disable=SC2119 # netns_setup takes no arguments
if ! netns_setup; then
	not_ok "netns_setup builds the topology"
	echo "1..$n"
	exit 1
fi
tmp=$NETNS_DIR
export XDG_CACHE_HOME=$tmp/cache

# --- The attacker's addresses, the victims, the counters ------------------
{
	echo "address add 203.0.113.7/32 dev lo"
	echo "address add 2001:db8:99::7/128 dev lo"
	# A /52: 2001:db8:0:1001:: .. 2001:db8:0:1ffe::, one address a /64.
	for i in $(seq 1 4094); do
		printf 'address add 2001:db8:0:%x::1/128 dev lo\n' $((0x1000 + i))
	done
	# 4200 /48s: 2001:db8:4000:: .. 2001:db8:5067::.
	for i in $(seq 0 4199); do
		printf 'address add 2001:db8:%x::1/128 dev lo\n' $((0x4000 + i))
	done
} >"$tmp/addrs.batch"
for i in $(seq 1 4094); do printf '2001:db8:0:%x::1\n' $((0x1000 + i)); done >"$tmp/slash52"
for i in $(seq 0 4199); do printf '2001:db8:%x::1\n' $((0x4000 + i)); done >"$tmp/slash48s"
if ! ip -n "$CLIENT" -batch "$tmp/addrs.batch" ||
	! netns_wait_settled client ||
	! ip -n "$SERVER" route add 203.0.113.0/24 via 198.51.100.1 ||
	! ip -n "$SERVER" -6 route add 2001:db8:99::/48 via 2001:db8::1 ||
	! ip -n "$SERVER" -6 route add 2001:db8:0:1000::/52 via 2001:db8::1 ||
	! ip -n "$SERVER" -6 route add 2001:db8:4000::/34 via 2001:db8::1; then
	not_ok "the attacker's addresses and routes"
	echo "1..$n"
	exit 1
fi
netns_exec client nft -f - <<'NFT'
table inet ds_victim {
	counter v4 {}
	counter v6 {}
	chain input {
		type filter hook input priority 0; policy accept;
		ip daddr 203.0.113.7 tcp flags & (syn | ack) == syn counter name v4
		ip6 daddr 2001:db8:99::7 tcp flags & (syn | ack) == syn counter name v6
	}
}
NFT
netns_exec server nft -f - <<'NFT'
table inet ds_self {
	counter self {}
	chain output {
		type filter hook output priority 0; policy accept;
		tcp dport 7002 tcp flags & (syn | ack) == syn counter name self
	}
}
NFT
# syns NS TABLE COUNTER: packets counted so far.
syns() {
	netns_exec "$1" nft list counter inet "$2" "$3" |
		grep -oE 'packets [0-9]+' | grep -oE '[0-9]+'
}
# reset_syns: all counters back to 0.
reset_syns() {
	netns_exec client nft reset counters table inet ds_victim >/dev/null
	netns_exec server nft reset counters table inet ds_self >/dev/null
}

# checker PORT ARGS...: start a checker on [::]:PORT in SERVER.
checker() {
	local port=$1 log=$tmp/checker-$1.log
	shift
	netns_spawn server "$DUALSTACK" reach serve --listen ":$port" \
		--allow-targets 2001:db8::/32 --allow-targets 198.51.100.0/24 \
		--allow-targets 203.0.113.0/24 --deadline 1 "$@" >"$log" 2>&1
	checker_pid=$NETNS_LAST_PID
	for _ in $(seq 100); do
		grep -q 'listening on' "$log" && return 0
		sleep 0.05
	done
	return 1
}
stop_checker() {
	kill "$checker_pid" 2>/dev/null
	wait "$checker_pid" 2>/dev/null
}

# --- 1 the checker's own addresses ---------------------------------------
checker 4701 || not_ok "1: the checker starts"
out=$(netns_exec client $FLOOD 198.51.100.2 4701 --source 198.51.100.1 \
	--wait --line 'CHECK 2001:db8::2 7002 1 port-only')
has "1 own IPv6 address over IPv4: refused" "$out" \
	'^ERR target 2001:db8::2 is an address of this checker$'
out=$(netns_exec client $FLOOD 2001:db8::2 4701 --source 2001:db8::1 \
	--wait --line 'CHECK 198.51.100.2 7002 1 port-only')
has "1 own IPv4 address over IPv6: refused" "$out" \
	'^ERR target 198\.51\.100\.2 is an address of this checker$'
out=$(netns_exec client $FLOOD 198.51.100.2 4701 --source 198.51.100.1 \
	--wait --line 'CHECK 127.0.0.1 7002 1 port-only')
has "1 loopback over IPv4: refused" "$out" '^ERR target '
check "1 no SYN to the checker's own ports" 0 "$(syns server ds_self self)"
stop_checker

# --- 2 a third party across families: no claim, no SYN --------------------
reset_syns
checker 4702 || not_ok "2: the checker starts"
out=$(netns_exec client $FLOOD 198.51.100.2 4702 --source 198.51.100.1 \
	--wait --line 'CHECK 2001:db8:99::7 7002 3')
has "2 IPv6 third party: the checker asks for a claim" "$out" \
	'^PROVE [0-9a-f]{32} 2001:db8::2 4702$'
has "2 IPv6 third party: refused without it" "$out" \
	'^ERR target no claim from 2001:db8:99::7 within 1\.00s'
out=$(netns_exec client $FLOOD 2001:db8::2 4702 --source 2001:db8::1 \
	--wait --line 'CHECK 203.0.113.7 7002 16 port-only')
has "2 IPv4 third party: the checker asks for a claim" "$out" \
	'^PROVE [0-9a-f]{32} 198\.51\.100\.2 4702$'
has "2 IPv4 third party: refused without it" "$out" \
	'^ERR target no claim from 203\.0\.113\.7'
check "2 no SYN reached the IPv6 victim" 0 "$(syns client ds_victim v6)"
check "2 no SYN reached the IPv4 victim" 0 "$(syns client ds_victim v4)"
has "2 the checker logged the refusals" "$(cat "$tmp/checker-4702.log")" \
	'refused \(target\): no claim'
stop_checker

# --- 3 the /52 flood --------------------------------------------------------
# With --any-target the operator waived the proof: only the budgets hold.
for variant in "agent budgets" "target budget alone"; do
	reset_syns
	args=(--any-target)
	[ "$variant" = "target budget alone" ] && args+=(--rate 10000/min)
	checker 4703 "${args[@]}" || not_ok "3: the checker starts"
	res=$(netns_exec client $FLOOD 2001:db8::2 4703 --sources "$tmp/slash52" \
		--line 'CHECK 203.0.113.7 7002 16 port-only')
	check "3 $variant: 4094 control connections made" 4094 \
		"$(json_get "$res" connections)"
	at_most "3 $variant: at most one check of 16 accepted" 1 \
		"$(json_get "$res" OK)"
	# The last test connections end at the deadline (1 s).
	sleep 1.2
	at_most "3 $variant: SYNs at the victim within the budget of 16" 16 \
		"$(syns client ds_victim v4)"
	stop_checker
done

# --- 4 one source holding many control connections --------------------------
checker 4704 --target-rate 1000/min || not_ok "4: the checker starts"
netns_spawn client $FLOOD 198.51.100.2 4704 --source 198.51.100.1 \
	--hold 300 --timeout 2 >"$tmp/holder.out"
holder=$NETNS_LAST_PID
for _ in $(seq 200); do
	grep -qE 'control connections from 198\.51\.100\.1/32' \
		"$tmp/checker-4704.log" 2>/dev/null && break
	sleep 0.05
done
sleep 0.5
greeted=$(grep -c 'refused (busy): 4 control connections from 198\.51\.100\.1/32' \
	"$tmp/checker-4704.log")
check "4 the holder got its 4, the other 296 were refused" 296 "$greeted"
out=$(netns_exec client timeout 20 "$DUALSTACK" reach check -6 '[2001:db8::2]:4704' \
	--advertise 2001:db8::1 --count 3 2>&1)
rc=$?
check "4 another agent still checks: exit 0" 0 "$rc"
has "4 ... reachable" "$out" '^IPv6 \[2001:db8::1\]:[0-9]+: reachable 3/3$'
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
stop_checker

# --- 5 the budget table full of attackers -----------------------------------
checker 4705 || not_ok "5: the checker starts"
res=$(netns_exec client $FLOOD 2001:db8::2 4705 --sources "$tmp/slash48s" \
	--line 'CHECK {src} 7003 1 port-only')
check "5 4200 agents of 4200 /48s each had a check" 4200 "$(json_get "$res" OK)" ||
	echo "#   answers: $res"
out=$(netns_exec client timeout 20 "$DUALSTACK" reach check -6 '[2001:db8::2]:4705' \
	--advertise 2001:db8::1 --count 3 2>&1)
rc=$?
check "5 an agent from another /48 is admitted: exit 0" 0 "$rc"
has "5 ... reachable" "$out" '^IPv6 \[2001:db8::1\]:[0-9]+: reachable 3/3$'
stop_checker

echo "1..$n"
[ "$failed" -eq 0 ]
