#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The library's resolver against broken nameservers, in the client
# namespace of tests/net/lib/netns.sh with a resolv.conf of its own
# (/etc/netns/NAME/resolv.conf), "dualstack resolve" and "dualstack
# connect" beside glibc's getent ahosts as the ground truth:
#
#   1  a dead first nameserver (2001:db8::99, its UDP and TCP dropped)
#      before a healthy one, "options timeout:2 attempts:2": resolve and
#      connect answer from the second, the first given up on; the next
#      lookup (the nameserver history) starts with the live one
#   2  a responder that drops a second query arriving from the same
#      address and port within 200 ms, "options timeout:2 attempts:1":
#      getent stalls (glibc sends A and AAAA from one socket) and
#      "single-request-reopen" makes it fast; dualstack gets both answers
#      with no retry, from two sockets
#   3  the same responder, IPv6 SYNs dropped: connect gets through over
#      IPv4 with no DNS retry
#
# Times are printed as comments, never asserted: glibc's stall is seconds,
# and the responder's log shows what it dropped. Prints TAP. Needs root,
# "ip netns", nft and getent; exits 77 otherwise. About 25 s (glibc's
# stalls are most of it).
set -u

top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
DUALSTACK=${DUALSTACK:-${DS_BUILD:-$top/build}/src/dualstack}
# shellcheck source=tests/net/lib/netns.sh
. "$top/tests/net/lib/netns.sh"
# shellcheck source=tests/net/lib/scenario.sh
. "$top/tests/net/lib/scenario.sh"
netns_require
if [ ! -x "$DUALSTACK" ]; then
	echo "skip: $DUALSTACK not built"
	exit 77
fi
if ! command -v getent >/dev/null; then
	echo "skip: getent not found (libc-bin)"
	exit 77
fi

# shellcheck disable=SC2119 # netns_setup takes no arguments
if ! netns_setup; then
	not_ok "netns_setup builds the topology"
	echo "1..$n"
	exit 1
fi
tmp=$NETNS_DIR
export XDG_CACHE_HOME=$tmp/cache
NAME=www.example.test
PORT=8080

# drops LOG: the lines of a dnsd log that say a query was dropped.
drops() {
	grep -c ' drop udp ' "$1" 2>/dev/null || true
}

# --- the servers ----------------------------------------------------------------
# 198.51.100.2 (and 2001:db8::2): a healthy responder. 198.51.100.3: one
# that drops a second query from one socket within 200 ms. 2001:db8::99:
# an address of the server whose DNS traffic is dropped, a dead
# nameserver (neither an answer nor an ICMP error comes back).
if ! { netns_add_addr server 198.51.100.3/24 &&
	netns_add_addr server 2001:db8::99/64; }; then
	not_ok "extra server addresses"
	echo "1..$n"
	exit 1
fi
records=(--record "$NAME AAAA 2001:db8::2" --record "$NAME A 198.51.100.2")
dns_ok=yes
netns_dnsd server --listen 198.51.100.2 --listen 2001:db8::2 --port 53 \
	"${records[@]}" --log "$tmp/healthy.log" || dns_ok=no
netns_dnsd server --listen 198.51.100.3 --port 53 --drop-second 200 \
	"${records[@]}" --log "$tmp/second.log" || dns_ok=no
check "dnsd: a healthy responder and one that drops a second query" yes $dns_ok
netns_drop_udp server ip6 2001:db8::99 53
netns_drop server ip6 2001:db8::99 53
# A TCP listener for both families on one socket, for connect.
netns_spawn server "$NETNS_PY" -c '
import socket
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(__import__("sys").argv[1])))
s.listen(64)
while True:
    c, _ = s.accept()
    c.close()
' $PORT
for _ in $(seq 50); do
	[ -n "$(netns_exec server ss -Hltn "sport = :$PORT")" ] && break
	sleep 0.1
done

# --- 1: a dead first nameserver --------------------------------------------------------
netns_resolv_conf client "nameserver 2001:db8::99
nameserver 198.51.100.2
options timeout:2 attempts:2"
run getent ahosts $NAME
check "1 getent: resolves through the second server" 0 "$rc"
echo "# 1 getent ahosts: $ms ms (glibc waits its timeout for the dead server)"

rm -rf "$XDG_CACHE_HOME"
run "$DUALSTACK" resolve --json $NAME
check "1 resolve: exit 0" 0 "$rc"
echo "# 1 dualstack resolve: $ms ms"
check "1 resolve: both answers from the second server" \
	"198.51.100.2 198.51.100.2 2 2" \
	"$(q '[x["server"] for x in j["queries"]] + [x["servers_asked"] for x in j["queries"]]')"
check "1 resolve: the dead server was asked first and given up on" \
	"2001:db8::99 given-up given-up 198.51.100.2 answered answered" \
	"$(q '[y for s in j["servers"] for y in [s["address"]] + [x["state"] for x in s["queries"]]]')"
check "1 resolve: the retries name it, silent" \
	"AAAA server-silent 2001:db8::99 A server-silent 2001:db8::99" \
	"$(q '[y for r in j["retries"] for y in (r["type"], r["cause"], r["server"])]')"
run "$DUALSTACK" resolve --no-cache $NAME
case "$out" in *"slow: AAAA and A needed another server: 2001:db8::99 did not answer within 200 ms and was given up, 198.51.100.2 answered"*)
	ok "1 resolve: the slow: line names the dead server" ;;
*) not_ok "1 resolve: the slow: line names the dead server" "$out" ;; esac

# The history: the next lookup starts with the live server.
run "$DUALSTACK" resolve --json $NAME
check "1 history: the live server first, answering alone" \
	"198.51.100.2 1 1 0" \
	"$(q '[j["servers"][0]["address"]] + [x["servers_asked"] for x in j["queries"]] + [len(j["retries"])]')"
check "1 history: the dead one last, demoted, not asked" \
	"2001:db8::99 True not-asked not-asked" \
	"$(q '[j["servers"][1]["address"], j["servers"][1]["demoted"]] + [x["state"] for x in j["servers"][1]["queries"]]')"

# connect: the same race inside Happy Eyeballs, and the same history.
rm -rf "$XDG_CACHE_HOME"
run "$DUALSTACK" connect --probe --json $NAME $PORT
check "1 connect: connected" "0 True" "$rc $(q 'j["connected"]')"
echo "# 1 dualstack connect --probe: $ms ms"
# AAAA answers first and wins the race at once; A may still be out when
# the report is made, so only AAAA is checked.
check "1 connect: AAAA from the second server, the dead one given up on" \
	"198.51.100.2 2 2001:db8::99 given-up" \
	"$(q '(lambda x: (x["server"], x["servers_asked"], x["servers"][0]["address"], x["servers"][0]["state"]))(j["resolution"][0])')"
check "1 connect: the AAAA answer event names the server, 2 asked" \
	"198.51.100.2 2" \
	"$(q '[(e["server"], e["servers_asked"]) for e in j["trace"] if e["event"] == "answer" and e["qtype"] == "AAAA"][0]')"
if [ -s "$XDG_CACHE_HOME/dualstack/nameservers" ]; then
	ok "1 connect: the nameserver history is written"
else
	not_ok "1 connect: the nameserver history is written" \
		"$(ls -la "$XDG_CACHE_HOME/dualstack" 2>&1)"
fi
run "$DUALSTACK" connect --probe --json $NAME $PORT
# The A query may still be unsent or unanswered when IPv6 has connected
# (Happy Eyeballs does not wait for it): at most one server each.
check "1 connect, history: the live server first, alone" \
	"198.51.100.2 True 198.51.100.2 True" \
	"$(q '[y for x in j["resolution"] for y in (x["servers"][0]["address"], x["servers_asked"] <= 1)]')"
run "$DUALSTACK" connect --probe --json --cache-file "$tmp/he" $NAME $PORT
check "1 connect --cache-file: the nameserver history beside it" "0 yes" \
	"$rc $([ -s "$tmp/he.nameservers" ] && echo yes || echo no)"
run "$DUALSTACK" connect --probe --json --no-cache $NAME $PORT
check "1 connect --no-cache: no history, the dead server asked first" \
	"2001:db8::99 2" \
	"$(q '(j["resolution"][0]["servers"][0]["address"], j["resolution"][0]["servers_asked"])')"

# --- 2: a second query from one socket dropped --------------------------------------------
netns_resolv_conf client "nameserver 198.51.100.3
options timeout:2 attempts:1"
: >"$tmp/second.log"
run getent ahosts $NAME
echo "# 2 getent ahosts: $ms ms"
check "2 getent: resolves in the end" 0 "$rc"
d=$(drops "$tmp/second.log")
if [ "$d" -gt 0 ] && [ "$ms" -ge 1500 ]; then
	ok "2 getent: stalls, the responder dropped its second query ($d dropped, $ms ms)"
else
	not_ok "2 getent: stalls, the responder dropped its second query" \
		"dropped: $d, $ms ms" "$(cat "$tmp/second.log")"
fi

netns_resolv_conf client "nameserver 198.51.100.3
options timeout:2 attempts:1 single-request-reopen"
: >"$tmp/second.log"
run getent ahosts $NAME
echo "# 2 getent ahosts with single-request-reopen: $ms ms"
check "2 getent with single-request-reopen: nothing dropped" "0 0" \
	"$rc $(drops "$tmp/second.log")"

netns_resolv_conf client "nameserver 198.51.100.3
options timeout:2 attempts:1"
: >"$tmp/second.log"
run "$DUALSTACK" resolve --json --no-cache $NAME
echo "# 2 dualstack resolve: $ms ms"
check "2 resolve: both answered, no retry, nothing dropped" \
	"ok 0 ok 0 0 0" \
	"$(q '[y for x in j["queries"] for y in (x["status"], x["timeouts"])] + [len(j["retries"])]') $(drops "$tmp/second.log")"
p6=$(sed -n 's/.* recv udp AAAA .* port=\([0-9]*\)$/\1/p' "$tmp/second.log")
p4=$(sed -n 's/.* recv udp A .* port=\([0-9]*\)$/\1/p' "$tmp/second.log")
if [ -n "$p6" ] && [ -n "$p4" ] && [ "$p6" != "$p4" ]; then
	ok "2 resolve: AAAA and A from two sockets ($p6, $p4)"
else
	not_ok "2 resolve: AAAA and A from two sockets" "$(cat "$tmp/second.log")"
fi
run "$DUALSTACK" resolve --no-cache $NAME
case "$out" in *"slow:"*) not_ok "2 resolve: no slow: line" "$out" ;;
*) ok "2 resolve: no slow: line" ;; esac

# --- 3: that responder, and IPv6 broken ----------------------------------------------------
netns_drop server ip6 2001:db8::2 $PORT
: >"$tmp/second.log"
run "$DUALSTACK" connect --probe --json --no-cache $NAME $PORT
echo "# 3 dualstack connect --probe: $ms ms"
check "3 connect, IPv6 dropped: over IPv4" "0 198.51.100.2" \
	"$rc $(q 'j["remote"]["address"]')"
check "3 connect: no DNS retry, nothing dropped" "1 0 1 0 0" \
	"$(q '[y for x in j["resolution"] for y in (x["servers_asked"], x["timeouts"])]') $(drops "$tmp/second.log")"
netns_flush server
netns_drop_udp server ip6 2001:db8::99 53

echo "1..$n"
[ $failed -eq 0 ]
