#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# dualstack reach across two network namespaces (tests/net/lib/netns.sh):
# the checker in SERVER (2001:db8::2, 198.51.100.2), the agent in CLIENT
# (2001:db8::1, 198.51.100.1), the control connection over IPv4 (-4) and
# the test over IPv6, as the classic setup. nftables rules in CLIENT
# stand for the agent host's firewall. Scenarios, each checking the exit
# status, the verdict, the outcomes and the diagnosis:
#
#   1  open listener: reachable 5/5
#   2  inbound IPv6 to the test port dropped: all timed out, "silently
#      dropped"
#   3  rejected with ICMPv6 admin-prohibited: "prohibited", named as
#      administratively prohibited
#   4  --port-only against a service bound to IPv4 only: refused
#   5  --both, IPv6 dropped and IPv4 open: one line "IPv6 ... | IPv4
#      reachable 5/5"
#   6  a relay on the agent host that rewrites the token: mismatch
#   7  --port-only against a plain IPv6 listener: connected
#   8  lines typed by hand: malformed, oversized, a loopback target, a
#      third party's address: ERR lines, and the checker still serves
#   9  two agents at once: both reachable
#
# Prints TAP. Needs root, iproute2's "ip netns" and nft; exits 77
# otherwise. About 15 s.
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

n=0
failed=0
last_out=
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	local l
	for l in "$@"; do echo "#   $l"; done
	if [ -n "$last_out" ]; then
		echo "#   the run: $last_cmd (exit $rc)"
		printf '%s\n' "$last_out" | sed 's/^/#     /'
		last_out=
	fi
}
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1" "want: $2" "got:  $3"
	fi
}
# has NAME TEXT PATTERN: TEXT matches the extended regex PATTERN.
has() {
	if printf '%s' "$2" | grep -qE -- "$3"; then ok "$1"; else
		not_ok "$1" "want: /$3/"
	fi
}

# shellcheck disable=SC2119 # netns_setup takes no arguments
if ! netns_setup; then
	not_ok "netns_setup builds the topology"
	echo "1..$n"
	exit 1
fi
tmp=$NETNS_DIR
export XDG_CACHE_HOME=$tmp/cache

# The checker: documentation prefixes allowed, a deadline above the ~1 s
# an ICMPv6 error needs to reach a connect (netns.sh), and rates that
# let this script run every check from one address to one target.
netns_spawn server "$DUALSTACK" reach serve --listen :4646 \
	--allow-targets 2001:db8::/32 --allow-targets 198.51.100.0/24 \
	--deadline 3 --rate 1000/min --target-rate 1000/min \
	>"$tmp/checker.log" 2>&1
checker_pid=$NETNS_LAST_PID
for _ in $(seq 100); do
	grep -q 'listening on' "$tmp/checker.log" && break
	sleep 0.05
done
has "the checker listens" "$(cat "$tmp/checker.log")" 'listening on \[::\]:4646'

# agent ARGS...: "dualstack reach check -4 198.51.100.2 ARGS" in CLIENT,
# 30 s at most; sets $rc and $out (stdout and stderr).
agent() {
	last_cmd="dualstack reach check -4 198.51.100.2 $*"
	last_out=$(netns_exec client timeout 30 "$DUALSTACK" reach check -4 \
		198.51.100.2 "$@" 2>&1)
	rc=$?
	out=$last_out
}
diag() { printf '%s\n' "$out" | sed -n '/^diagnosis:/,$p'; }

# --- 1 open listener ------------------------------------------------------------
agent --advertise 2001:db8::1
check "1 open: exit 0" 0 "$rc"
has "1 open: 5/5" "$out" '^IPv6 \[2001:db8::1\]:[0-9]+: reachable 5/5$'
has "1 open: the control connection went over IPv4" "$out" \
	'control connection to 198\.51\.100\.2:4646 over IPv4'
check "1 open: five tokens travelled" 5 \
	"$(printf '%s\n' "$out" | grep -cE 'from \[2001:db8::2\]:[0-9]+: token [0-9a-f]{32}')"
has "1 open: the checker logged it" "$(cat "$tmp/checker.log")" \
	'198\.51\.100\.1.*reachable 5/5'
last_out=

# --- 2 IPv6 dropped ---------------------------------------------------------------
netns_drop client ip6 - 40002
agent --advertise 2001:db8::1 --listen-port 40002
check "2 dropped: exit 1" 1 "$rc"
has "2 dropped: all timed out" "$out" 'unreachable \(5 timed out\)'
has "2 dropped: attempts time out" "$out" '^  attempt 5: timed out'
has "2 dropped: the diagnosis says silently dropped" "$(diag)" 'silently dropped'
has "2 dropped: ... and names the IPv6 firewall" "$(diag)" 'IPv6'
netns_flush client
last_out=

# --- 3 ICMPv6 administratively prohibited ------------------------------------------
netns_reject_icmp client ip6 - 40003 admin-prohibited
agent --advertise 2001:db8::1 --listen-port 40003 --count 3
check "3 prohibited: exit 1" 1 "$rc"
has "3 prohibited: outcome" "$out" 'unreachable \(3 prohibited\)'
has "3 prohibited: EACCES" "$out" '^  attempt 1: prohibited after (<1ms|[0-9.]+(us|ms|s)) \(EACCES\)'
has "3 prohibited: named as administratively prohibited" "$(diag)" \
	'administratively prohibited'
has "3 prohibited: a REJECT rule" "$(diag)" 'REJECT'
netns_flush client
last_out=

# --- 4 a service on IPv4 only ---------------------------------------------------------
netns_tcp_listen client 198.51.100.1 40004 || not_ok "4: the IPv4 listener starts"
agent --port-only '[2001:db8::1]:40004' --count 2
check "4 IPv4-only service: exit 1" 1 "$rc"
has "4 IPv4-only service: refused" "$out" 'unreachable \(2 refused\)'
has "4 IPv4-only service: ECONNREFUSED" "$out" '^  attempt 1: refused .*ECONNREFUSED'
has "4 IPv4-only service: nothing listens for IPv6" "$(diag)" 'nothing listens on port 40004 for IPv6'
last_out=

# --- 5 --both: IPv6 dropped, IPv4 open ------------------------------------------------
netns_drop client ip6 - 40005
agent --both --advertise 2001:db8::1 --advertise 198.51.100.1 --listen-port 40005
check "5 both: exit 1" 1 "$rc"
has "5 both: one line, side by side" "$out" \
	'^IPv6: unreachable \(5 timed out\) \| IPv4: reachable 5/5$'
has "5 both: the IPv6 diagnosis" "$out" 'silently dropped'
has "5 both: the IPv4 diagnosis" "$out" 'IPv4 to 198\.51\.100\.1:40005 is reachable'
netns_flush client
last_out=

# --- 6 a relay that rewrites the token ---------------------------------------------------
# The checker connects to [2001:db8::1]:40006, where the agent listens;
# nftables in CLIENT redirects what comes in from outside to 40016, where a
# relay forwards to the agent's listener, changing the token's first digit.
netns_exec client nft -f - <<'EOF'
table ip6 ds_reach_nat {
	chain prerouting {
		type nat hook prerouting priority -100;
		tcp dport 40006 redirect to :40016
	}
}
EOF
netns_spawn client "$NETNS_PY" -c '
import socket, threading
def pipe(a, b):
    try:
        while True:
            d = a.recv(4096)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    try:
        b.shutdown(socket.SHUT_WR)
    except OSError:
        pass
def serve(c):
    u = socket.create_connection(("2001:db8::1", 40006))
    line = b""
    while not line.endswith(b"\n"):
        d = c.recv(1)
        if not d:
            break
        line += d
    if line:
        line = (b"0" if line[:1] != b"0" else b"1") + line[1:]
    u.sendall(line)
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
    pipe(c, u)
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("2001:db8::1", 40016))
s.listen(64)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
'
for _ in $(seq 50); do
	netns_exec client ss -Hltn 'sport = :40016' | grep -q . && break
	sleep 0.1
done
agent --advertise 2001:db8::1 --listen-port 40006 --count 3
check "6 rewriting relay: exit 1" 1 "$rc"
has "6 rewriting relay: mismatch" "$out" 'unreachable \(3 token mismatch\)'
has "6 rewriting relay: attempts" "$out" '^  attempt 1: token mismatch'
has "6 rewriting relay: the diagnosis" "$(diag)" '[Aa]ltered|rewr|mismatch'
netns_exec client nft delete table ip6 ds_reach_nat
last_out=

# --- 7 --port-only against a listener ---------------------------------------------------------
netns_tcp_listen client 2001:db8::1 40007 || not_ok "7: the listener starts"
agent --port-only '[2001:db8::1]:40007'
check "7 port-only: exit 0" 0 "$rc"
has "7 port-only: connected" "$out" '^  attempt 5: connected'
has "7 port-only: verdict" "$out" '\[2001:db8::1\]:40007 \(port only\): reachable 5/5'
last_out=

# --- 8 lines typed by hand -----------------------------------------------------------
# hand LINE [-4|-6]: send LINE to the checker from CLIENT; prints what comes
# back.
hand() {
	local to=198.51.100.2
	[ "${2:-}" = -6 ] && to=2001:db8::2
	printf '%s\n' "$1" | netns_exec client timeout 10 "$DUALSTACK" \
		connect --no-cache "$to" 4646 2>&1
}
r=$(hand 'CHECK 2001:db8::1 40008')
has "8 malformed: an ERR syntax line" "$r" '^ERR syntax'
r=$(hand "CHECK $(head -c 3000 /dev/zero | tr '\0' 1)")
has "8 oversized: ERR too-long" "$r" '^ERR too-long'
r=$(hand 'CHECK ::1 40008 1')
has "8 a loopback target: ERR target" "$r" '^ERR target'
r=$(hand 'CHECK 127.0.0.1 40008 1')
has "8 an IPv4 loopback target: ERR target" "$r" '^ERR target'
r=$(hand 'CHECK 2001:db8::99 40008 1' -6)
has "8 a third party's address: ERR target" "$r" '^ERR target'
r=$(hand 'CHECK 2001:db8::1 22 1')
has "8 a low port: ERR port" "$r" '^ERR port'
has "8 the refusals are logged" "$(cat "$tmp/checker.log")" '(refused|target)'
if kill -0 "$checker_pid" 2>/dev/null; then ok "8 the checker survives"; else
	not_ok "8 the checker survives"
fi

# --- 9 two agents at once -------------------------------------------------------------
# One over IPv4 and one over IPv6 control: a checker takes one check per
# agent (/32, /64) at a time, so these are two agents to it.
netns_exec client timeout 30 "$DUALSTACK" reach check -q -4 198.51.100.2 \
	--advertise 2001:db8::1 >"$tmp/a1" 2>&1 &
a1=$!
netns_exec client timeout 30 "$DUALSTACK" reach check -q -6 '[2001:db8::2]' \
	--advertise 2001:db8::1 >"$tmp/a2" 2>&1 &
a2=$!
wait $a1
rc1=$?
wait $a2
rc2=$?
check "9 two agents at once: both exit 0" "0 0" "$rc1 $rc2"
check "9 two agents at once: the first reachable" "IPv6: reachable 5/5" "$(cat "$tmp/a1")"
check "9 two agents at once: the second reachable" "IPv6: reachable 5/5" "$(cat "$tmp/a2")"

# --- The end ------------------------------------------------------------------------
kill -TERM "$checker_pid" 2>/dev/null
for _ in $(seq 50); do kill -0 "$checker_pid" 2>/dev/null || break; sleep 0.1; done
wait "$checker_pid" 2>/dev/null
check "SIGTERM: the checker exits 0" 0 "$?"

echo "1..$n"
[ "$failed" -eq 0 ]
