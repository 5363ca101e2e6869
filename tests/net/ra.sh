#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# dualstack ra against a real Linux host. A bridge in the monitor's
# namespace joins three more: a legitimate router (radvd), a rogue (radvd
# with another prefix, and crafted RAs from scapy, tests/net/lib/
# ra-craft.py) and a host with accept_ra=2. The watcher captures on the
# bridge.
#
#   1. learn -> watch: the baseline learned from the legitimate radvd; the
#      same router with a changed configuration is a change, not a rogue.
#   2. For every crafted RA (plain, behind Destination Options, behind
#      Hop-by-Hop, fragmented, atomic fragment, RFC 7112 split, hop limit
#      64, global source, bad checksum, zero-length option) the watcher's
#      verdict must be what the host kernel did: the host "accepted" an RA
#      when it then has an address in the RA's prefix or a default route
#      through its source. The results are printed as a table.
#   3. --clear: a rogue's default route is gone from the host within 2 s of
#      the watcher's counter-RA, and the legitimate route is untouched.
#
# Prints TAP. Needs root, "ip netns", radvd and /usr/bin/python3 with
# scapy; exits 77 otherwise. Only documentation prefixes; nothing leaves
# the namespaces, which are removed with every process on any exit.
# Bounded: about 40 s.
set -u

if [ "$(id -u)" -ne 0 ]; then
	echo "skip: needs root (creates network namespaces)"
	exit 77
fi
if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
	echo "skip: needs a working 'ip netns' (iproute2)"
	exit 77
fi
RADVD=$(command -v radvd || echo /usr/sbin/radvd)
if [ ! -x "$RADVD" ]; then
	echo "skip: radvd is not installed (make deps)"
	exit 77
fi
if ! /usr/bin/python3 -c 'import scapy.all' 2>/dev/null; then
	echo "skip: /usr/bin/python3 has no scapy (python3-scapy)"
	exit 77
fi

top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/cli/lib.sh"
CRAFT="$top/tests/net/lib/ra-craft.py"

mon=ds-test-ramon-$$
legit=ds-test-ralegit-$$
rogue=ds-test-rarogue-$$
host=ds-test-rahost-$$
# Interface names: 15 octets at most (IFNAMSIZ - 1).
br=dsrb$$
pids=

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null
	done
	for ns in "$mon" "$legit" "$rogue" "$host"; do
		ip netns delete "$ns" 2>/dev/null
	done
	rm -rf "$_tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

LEGIT_MAC=02:00:5e:00:53:01
ROGUE_MAC=02:00:5e:00:53:bb
LEGIT_LLA=fe80::5eff:fe00:5301
ROGUE_LLA=fe80::5eff:fe00:53bb

# --- the topology ---------------------------------------------------------------
setup() {
	local ns
	for ns in "$mon" "$legit" "$rogue" "$host"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up || return 1
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_ra=0 >/dev/null || return 1
	done
	ip -n "$mon" link add "$br" type bridge mcast_snooping 0 || return 1
	ip -n "$mon" link set "$br" up || return 1
	for ns in legit rogue host; do
		local name=${!ns} a=dsa${ns:0:1}$$ b=dsb${ns:0:1}$$
		ip -n "$mon" link add "$a" type veth peer name "$b" netns "$name" ||
			return 1
		ip -n "$mon" link set "$a" master "$br" up || return 1
		ip -n "$name" link set "$b" name eth0 || return 1
	done
	ip -n "$legit" link set eth0 address $LEGIT_MAC || return 1
	ip -n "$rogue" link set eth0 address $ROGUE_MAC || return 1
	# The routers forward (radvd wants it); the host takes RAs.
	ip netns exec "$legit" sysctl -qw net.ipv6.conf.all.forwarding=1 >/dev/null &&
		ip netns exec "$rogue" sysctl -qw net.ipv6.conf.all.forwarding=1 \
			>/dev/null || return 1
	ip netns exec "$host" sysctl -qw net.ipv6.conf.eth0.accept_ra=2 \
		net.ipv6.conf.eth0.autoconf=1 >/dev/null || return 1
	for ns in "$legit" "$rogue" "$host"; do
		ip -n "$ns" link set eth0 up || return 1
	done
}
if setup 2>"$_tmp/setup.err"; then
	ok "four namespaces on a bridge"
else
	not_ok "four namespaces on a bridge" "$(cat "$_tmp/setup.err")"
	done_testing
	exit 1
fi

# spawn OUT NS CMD...: run in the background, output to OUT, remembered
# for cleanup; its pid in $last_pid.
spawn() {
	local out=$1 ns=$2
	shift 2
	ip netns exec "$ns" "$@" >"$out" 2>&1 &
	last_pid=$!
	pids="$pids $last_pid"
}

# stop PID: end one process we started and wait for it.
stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

radvd_conf() { # FILE PREFIX...
	local f=$1 p
	shift
	{
		echo "interface eth0 {"
		echo "	AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 4;"
		echo "	AdvDefaultLifetime 1800;"
		for p in "$@"; do
			echo "	prefix $p { AdvOnLink on; AdvAutonomous on; };"
		done
		echo "	RDNSS 2001:db8::53 { };"
		echo "};"
	} >"$f"
	chmod 600 "$f"
}

# radvd_start NS CONF: $last_pid is radvd's.
radvd_start() {
	spawn "$_tmp/radvd-$(basename "$2").log" "$1" "$RADVD" -n -C "$2" \
		-p "$_tmp/$(basename "$2").pid" -m stderr
}

# wait_for FILE PATTERN [TENTHS]: until grep finds PATTERN in FILE.
wait_for() {
	local i
	for i in $(seq "${3:-100}"); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# The watcher prints "capturing" on stderr? It does not: give the capture
# a moment to open before anything is sent.
settle() { sleep 0.7; }

# --- 1. learn, then watch: a change is a change -----------------------------------
radvd_conf "$_tmp/legit.conf" 2001:db8:1::/64
spawn "$_tmp/learn.log" "$mon" timeout 20 "$DUALSTACK" ra learn -i "$br" \
	--for 5s -o "$_tmp/base"
learn_pid=$last_pid
settle
radvd_start "$legit" "$_tmp/legit.conf"
legit_pid=$last_pid
wait "$learn_pid"
check "learn -i on the bridge: exit 0" 0 "$?"
check "learn: the legitimate router, by its link-local address" 1 \
	"$(grep -c "^router $LEGIT_LLA\$" "$_tmp/base" 2>/dev/null)"
check "learn: its prefix" 1 \
	"$(grep -c 'prefix 2001:db8:1::/64 L A' "$_tmp/base" 2>/dev/null)"

# The same router restarted with one prefix more (radvd's goodbye, lifetime
# 0, comes first: the watcher starts after it).
stop "$legit_pid"
radvd_conf "$_tmp/legit2.conf" 2001:db8:1::/64 2001:db8:2::/64
spawn "$_tmp/change.json" "$mon" timeout 20 "$DUALSTACK" ra watch -i "$br" \
	--baseline "$_tmp/base" --json --once
watch_pid=$last_pid
settle
radvd_start "$legit" "$_tmp/legit2.conf"
legit_pid=$last_pid
wait "$watch_pid"
check "watch the changed router: exit 1 (a change)" 1 "$?"
check "the changed router is a change: prefix added" 1 \
	"$(grep -c '"code":"ra.changed".*"change":"prefix-added"' "$_tmp/change.json")"
check "... and not a rogue" 0 "$(grep -c 'ra.unknown-router' "$_tmp/change.json")"

# --- 2. the verdict against the host kernel ---------------------------------------
spawn "$_tmp/watch.json" "$mon" timeout 60 "$DUALSTACK" ra watch -i "$br" \
	--baseline "$_tmp/base" --all --json
watch_pid=$last_pid
settle
radvd_conf "$_tmp/rogue.conf" 2001:db8:bad::/64
radvd_start "$rogue" "$_tmp/rogue.conf"
rogue_pid=$last_pid
wait_for "$_tmp/watch.json" "\"router\":\"$ROGUE_LLA\"" 50
cases="plain dst-opts hop-by-hop fragmented atomic-fragment rfc7112-split hop-limit-64 global-source bad-checksum zero-length-option"
ip netns exec "$rogue" /usr/bin/python3 "$CRAFT" eth0 $cases \
	>"$_tmp/sent" 2>"$_tmp/craft.err"
check "scapy sent every crafted RA" 10 "$(wc -l <"$_tmp/sent")"
sleep 1.5

# What the host did: accepted when it has an address in the prefix or a
# default route through the source.
host_did() { # SOURCE PREFIX
	local pfx=${2%::}
	if ip -n "$host" -6 addr show dev eth0 | grep -q "inet6 $pfx:" ||
		ip -n "$host" -6 route show default | grep -q "via $1 "; then
		echo accepted
	else
		echo ignored
	fi
}
# What the watcher said about the RA from SOURCE (the last one).
watcher_said() {
	"$PY" -c '
import json, sys
v = "unseen"
for l in open(sys.argv[1]):
    try:
        e = json.loads(l)
    except ValueError:
        continue
    if e["event"]["code"] == "ra.router" and e["ra"]["source"] == sys.argv[2]:
        v = e["ra"]["verdict"]
        r = ",".join(e["ra"]["reasons"])
        v += " (" + r + ")" if r else ""
print(v)' "$_tmp/watch.json" "$1"
}
printf '%-20s %-22s %-45s %-9s\n' "RA" "source" "watcher" "host" >"$_tmp/table"
rows() {
	echo "legit-radvd $LEGIT_LLA 2001:db8:1::"
	echo "rogue-radvd $ROGUE_LLA 2001:db8:bad::"
	cat "$_tmp/sent"
}
rows >"$_tmp/rows"
while read -r name src pfx; do
	said=$(watcher_said "$src")
	did=$(host_did "$src" "$pfx")
	printf '%-20s %-22s %-45s %-9s\n' "$name" "$src" "$said" "$did" >>"$_tmp/table"
	check "$name: the watcher's verdict is what the host did ($did)" \
		"$did" "${said%% *}"
done <"$_tmp/rows"
sed 's/^/# /' "$_tmp/table"
check "the host did take the plain RA (the bed works)" accepted \
	"$(host_did fe80::11 2001:db8:11::)"
check "the rogue radvd is an unknown router" 1 \
	"$(grep -c "\"code\":\"ra.unknown-router\",\"severity\":\"error\",\"subject\":{\"router\":\"$ROGUE_LLA\"}" "$_tmp/watch.json")"
check "the legitimate radvd is not" 0 \
	"$(grep -c "\"ra.unknown-router\".*\"router\":\"$LEGIT_LLA\"" "$_tmp/watch.json")"
check "RAs behind extension headers are flagged" 2 \
	"$(grep -c '"code":"ra.behind-extension-headers"' "$_tmp/watch.json")"
# solicit from the host: both radvd answer the Router Solicitation.
ip netns exec "$host" timeout 20 "$DUALSTACK" ra solicit -i eth0 --wait 2s \
	--json >"$_tmp/solicit.json" 2>"$_tmp/solicit.err"
check "solicit: exit 0" 0 "$?"
check "solicit: both routers answered, a host accepts both" \
	"$LEGIT_LLA accepted,$ROGUE_LLA accepted" \
	"$("$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(",".join(sorted(r["source"] + " " + r["verdict"] for r in d["routers"])))' \
		"$_tmp/solicit.json" 2>&1)"
stop "$watch_pid"
# radvd says goodbye (router lifetime 0) as it stops.
stop "$rogue_pid"

# --- 3. --clear ------------------------------------------------------------------
ip netns exec "$rogue" /usr/bin/python3 "$CRAFT" eth0 rogue >/dev/null 2>&1
sleep 0.5
check "the rogue's RA gave the host a default route through it" 1 \
	"$(ip -n "$host" -6 route show default | grep -c 'via fe80::bad2 ')"
spawn "$_tmp/clear.json" "$mon" timeout 20 "$DUALSTACK" ra watch -i "$br" \
	--baseline "$_tmp/base" --clear --json
clear_pid=$last_pid
settle
ip netns exec "$rogue" /usr/bin/python3 "$CRAFT" eth0 rogue >/dev/null 2>&1
t0=$(date +%s%N)
gone=
for _ in $(seq 20); do
	if ! ip -n "$host" -6 route show default | grep -q 'via fe80::bad2 '; then
		gone=$((($(date +%s%N) - t0) / 1000000))
		break
	fi
	sleep 0.1
done
check "--clear: the rogue's default route is gone within 2 s" yes \
	"$([ -n "$gone" ] && echo yes || echo "no: $(ip -n "$host" -6 route show default | tr '\n' ' ')")"
[ -n "$gone" ] && echo "# rogue route gone $gone ms after its RA"
check "--clear: the legitimate default route is untouched" 1 \
	"$(ip -n "$host" -6 route show default | grep -c "via $LEGIT_LLA ")"
check "--clear: the counter-RA is reported" 1 \
	"$(grep -c '"code":"ra.cleared","severity":"info","subject":{"router":"fe80::bad2"}' "$_tmp/clear.json")"
check "--clear: its own counter-RA is not taken for a spoofed goodbye" 0 \
	"$(grep -c 'ra.spoofed-leaving' "$_tmp/clear.json")"
check "--clear: never for the baseline router" 0 \
	"$(grep -c "\"ra.cleared\".*\"router\":\"$LEGIT_LLA\"" "$_tmp/clear.json")"
stop "$clear_pid"
done_testing
