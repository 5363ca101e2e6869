#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Happy Eyeballs (RFC 8305) end to end: "dualstack connect --probe --json"
# in the client namespace of tests/net/lib/netns.sh against a TCP listener
# and tests/net/lib/dnsd.py in the server namespace, with nftables
# dropping or resetting SYNs and dnsd holding back answers. Each scenario
# checks who won and what the trace says happened:
#
#   1  both families healthy: IPv6 wins, one attempt
#   2  IPv6 SYNs dropped: IPv4 starts one Connection Attempt Delay later
#   3  IPv6 reset: IPv4 starts at once after the failure
#   4  IPv6-only name (AAAA only): IPv6 wins
#   5  IPv4-only name (A only): IPv4 wins, one attempt
#   6  AAAA 500 ms late: Resolution Delay, then IPv4 long before AAAA
#   7  A 500 ms late: IPv6 connects without waiting for A
#   8  dead IPv6, dead IPv4, live IPv6: attempts interleave v6, v4, v6
#   9  a link-local destination with a zone
#  10  everything dropped: --timeout ends it, with both attempts traced
#  11  scenario 2 again with the history: IPv4 first, no delay paid
#  12  IPv6-only client, IPv4 literal: NAT64 prefix by RFC 7050
#  13  dead IPv6, dead IPv4, live IPv4: the live one at two delays
#
# Every run uses -v too: when a check fails, the timeline of that run is
# printed under it. Prints TAP. Needs root, iproute2's "ip netns" and nft;
# exits 77 otherwise. About 15 s.
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
last_err= # the -v timeline of the last run, shown under a failure
shown=
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	local l
	for l in "$@"; do echo "#   $l"; done
	if [ -n "$last_err" ] && [ "$shown" != "$run_no" ]; then
		shown=$run_no
		echo "#   the run: $last_cmd (exit $rc)"
		sed 's/^/#     /' "$last_err"
	fi
}
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1" "want: $2" "got:  $3"
	fi
}
# check_range NAME LOW HIGH VALUE: LOW <= VALUE <= HIGH (decimals allowed).
check_range() {
	if awk -v v="$4" -v lo="$2" -v hi="$3" \
		'BEGIN { exit !(v != "" && v != "None" && v + 0 >= lo && v + 0 <= hi) }'; then
		ok "$1 ($4)"
	else
		not_ok "$1" "want: $2 to $3" "got:  $4"
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
NAME=www.example.test
PORT=80

# hc ARGS...: "dualstack connect -v --probe --json ARGS" in the client
# namespace, 20 s at most; sets $rc, $out (the JSON) and the timeline
# for not_ok.
run_no=0
hc() {
	run_no=$((run_no + 1))
	last_err=$tmp/run$run_no.err
	last_cmd="dualstack connect -v --probe --json $*"
	out=$(netns_exec client timeout 20 "$DUALSTACK" connect -v --probe \
		--json "$@" 2>"$last_err")
	rc=$?
}

# q EXPR: a Python expression on the last run's JSON. Names: j (the
# document), T (the trace), ev(NAME) (its events of that kind), att (the
# attempt events), t(E) (an event's time in ms), fam(A) (4 or 6).
cat >"$tmp/q.py" <<'EOF'
import json, sys
try:
    j = json.loads(sys.stdin.read())
except ValueError as e:
    print("no JSON: %s" % e)
    sys.exit(0)
T = j.get("trace", [])
def ev(name):
    return [e for e in T if e["event"] == name]
att = ev("attempt")
def t(e):
    return e["t_ms"] if e else None
def fam(a):
    return 6 if ":" in a else 4
def first(name):
    l = ev(name)
    return l[0] if l else None
try:
    r = eval(sys.argv[1])
except Exception as e:
    r = "error: %r" % e
print(" ".join(map(str, r)) if isinstance(r, (list, tuple)) else r)
EOF
q() { printf '%s' "$out" | "$NETNS_PY" "$tmp/q.py" "$1"; }

# --- the server side -------------------------------------------------------------
# One listener on [::]:80 (IPv4 too, through v4-mapped addresses) answers
# for every server address, the ones added below included; the rules of
# each scenario decide which of them are alive.
if ! { netns_add_addr server 2001:db8::3/64 &&
	netns_add_addr server 198.51.100.3/24 &&
	netns_add_addr server 2001:db8::c633:6402/64; }; then
	not_ok "extra server addresses"
	echo "1..$n"
	exit 1
fi
# (netns_tcp_listen waits for the address it was given in ss's output,
# which shows a dual-stack [::] as "*".)
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
listening=no
for _ in $(seq 50); do
	if [ -n "$(netns_exec server ss -Hltn "sport = :$PORT")" ]; then
		listening=yes
		break
	fi
	sleep 0.1
done
check "a TCP listener on the server, [::]:$PORT for both families" \
	"yes ok ok" "$listening $(netns_tcp_connect client 2001:db8::2 $PORT |
		cut -d' ' -f1) $(netns_tcp_connect client 198.51.100.2 $PORT |
		cut -d' ' -f1)"

# Records. The order within a family is the server's, which RFC 6724
# keeps when no rule tells two addresses apart (rule 10): 2001:db8::3 and
# ::2 share as long a prefix with the source 2001:db8::1 (126 bits), and
# 198.51.100.3 and .2 with 198.51.100.1 (30 bits).
cat >"$tmp/zone" <<'EOF'
www.example.test      AAAA 2001:db8::2
www.example.test      A    198.51.100.2
v6only.example.test   AAAA 2001:db8::2
v4only.example.test   A    198.51.100.2
three.example.test    AAAA 2001:db8::3
three.example.test    AAAA 2001:db8::2
three.example.test    A    198.51.100.2
dead4.example.test    AAAA 2001:db8::2
dead4.example.test    A    198.51.100.3
dead4.example.test    A    198.51.100.2
ipv4only.arpa         AAAA 2001:db8::c000:aa
EOF
dns_ok=yes
# Port 53: prompt answers. 5301: AAAA held back 500 ms. 5302: A held back.
netns_dnsd server --listen 2001:db8::2 --listen 198.51.100.2 --port 53 \
	--zone "$tmp/zone" --log "$tmp/dns53.log" || dns_ok=no
netns_dnsd server --listen 2001:db8::2 --listen 198.51.100.2 --port 5301 \
	--zone "$tmp/zone" --delay AAAA=500 --log "$tmp/dns5301.log" || dns_ok=no
netns_dnsd server --listen 2001:db8::2 --listen 198.51.100.2 --port 5302 \
	--zone "$tmp/zone" --delay A=500 --log "$tmp/dns5302.log" || dns_ok=no
check "dnsd on the server: ports 53, 5301 (AAAA late), 5302 (A late)" \
	yes $dns_ok
DNS=(--server 198.51.100.2)

# --- 1: both healthy ---------------------------------------------------------------
hc --no-cache "${DNS[@]}" $NAME $PORT
check "1 both healthy: exit 0" 0 "$rc"
check "1 both healthy: IPv6 wins" "2001:db8::2 80" \
	"$(q '(j["remote"]["address"], j["remote"]["port"])')"
check "1 both healthy: one attempt, to IPv6, nothing failed or cancelled" \
	"1 2001:db8::2 0 0" \
	"$(q '(j["attempts"], " ".join(e["address"] for e in att), len(ev("failed")), len(ev("cancelled")))')"
check "1 both healthy: AAAA answered from DNS" "AAAA ok dns 2001:db8::2" \
	"$(q '[(r["type"], r["status"], r["source"], " ".join(r["answers"])) for r in j["resolution"]][0]')"

# The same with -4, -6 and --bind: one family, one query.
hc --no-cache "${DNS[@]}" -4 $NAME $PORT
check "1 -4: IPv4 wins, AAAA not asked" "0 198.51.100.2 A" \
	"$rc $(q '(j["remote"]["address"], " ".join(r["type"] for r in j["resolution"] if r["asked"]))')"
hc --no-cache "${DNS[@]}" -6 $NAME $PORT
check "1 -6: IPv6 wins, A not asked" "0 2001:db8::2 AAAA" \
	"$rc $(q '(j["remote"]["address"], " ".join(r["type"] for r in j["resolution"] if r["asked"]))')"
hc --no-cache "${DNS[@]}" --bind 198.51.100.1 $NAME $PORT
check "1 --bind 198.51.100.1: IPv4 wins, from that address" \
	"0 198.51.100.2 198.51.100.1 1" \
	"$rc $(q '(j["remote"]["address"], j["local"]["address"], j["attempts"])')"

# --- 2: IPv6 SYNs dropped ----------------------------------------------------------
netns_drop server ip6 $PORT
hc --no-cache "${DNS[@]}" $NAME $PORT
check "2 IPv6 dropped: exit 0" 0 "$rc"
check "2 IPv6 dropped: IPv4 wins after IPv6 was tried first" \
	"198.51.100.2 2001:db8::2 198.51.100.2" \
	"$(q '[j["remote"]["address"]] + [e["address"] for e in att]')"
check_range "2 IPv6 dropped: IPv4 starts one Connection Attempt Delay after IPv6 (ms)" \
	240 600 "$(q 'round(t(att[1]) - t(att[0]), 1) if len(att) > 1 else None')"
check "2 IPv6 dropped: the IPv6 attempt is cancelled, not failed" "1 0" \
	"$(q '(len([e for e in ev("cancelled") if e["attempt"] == 1]), len(ev("failed")))')"
netns_flush server

# --- 3: IPv6 reset -----------------------------------------------------------------
netns_reject_rst server ip6 $PORT
hc --no-cache "${DNS[@]}" $NAME $PORT
check "3 IPv6 reset: exit 0, IPv4 wins" "0 198.51.100.2" \
	"$rc $(q 'j["remote"]["address"]')"
check "3 IPv6 reset: attempt 1 failed, connection refused" \
	"1 2001:db8::2 ECONNREFUSED" \
	"$(q '[(e["attempt"], e["address"], e.get("errno")) for e in ev("failed")][0] if ev("failed") else None')"
check_range "3 IPv6 reset: IPv4 starts at once after the failure (ms after it)" \
	0 20 "$(q 'round(t(att[1]) - t(first("failed")), 1) if len(att) > 1 and ev("failed") else None')"
check_range "3 IPv6 reset: IPv4 starts well within the attempt delay (ms after IPv6)" \
	0 100 "$(q 'round(t(att[1]) - t(att[0]), 1) if len(att) > 1 else None')"
netns_flush server

# --- 4 and 5: one family ------------------------------------------------------------
hc --no-cache "${DNS[@]}" v6only.example.test $PORT
check "4 AAAA only: exit 0, IPv6 wins, one attempt" "0 2001:db8::2 1" \
	"$rc $(q '(j["remote"]["address"], j["attempts"])')"
check "4 AAAA only: A is answered, without addresses" "A True 0" \
	"$(q '[(r["type"], r["status"] != "ok", len(r["answers"])) for r in j["resolution"] if r["type"] == "A"][0]')"
hc --no-cache "${DNS[@]}" v4only.example.test $PORT
check "5 A only: exit 0, IPv4 wins, one attempt" "0 198.51.100.2 1" \
	"$rc $(q '(j["remote"]["address"], j["attempts"])')"

# --- 6: AAAA late ------------------------------------------------------------------
hc --no-cache --server 198.51.100.2:5301 $NAME $PORT
check "6 AAAA late: exit 0, IPv4 wins" "0 198.51.100.2" \
	"$rc $(q 'j["remote"]["address"]')"
check "6 AAAA late: the Resolution Delay (50 ms, for AAAA), then it expires" \
	"50 AAAA 1" "$(q '([(e["delay_ms"], e["qtype"]) for e in ev("resolution-delay")] or [None])[0] + (len(ev("resolution-delay-expired")),)')"
check_range "6 AAAA late: the IPv4 attempt ~50 ms after the A answer (ms)" \
	40 150 "$(q 'round(t(att[0]) - t([e for e in ev("answer") if e["qtype"] == "A"][0]), 1) if att else None')"
check_range "6 AAAA late: connected long before the AAAA answer (elapsed ms)" \
	0 400 "$(q 'j["elapsed_ms"]')"

# --- 7: A late -----------------------------------------------------------------------
hc --no-cache --server 198.51.100.2:5302 $NAME $PORT
check "7 A late: exit 0, IPv6 wins, no Resolution Delay" "0 2001:db8::2 0" \
	"$rc $(q '(j["remote"]["address"], len(ev("resolution-delay")))')"
check_range "7 A late: connected without waiting for A (elapsed ms)" \
	0 300 "$(q 'j["elapsed_ms"]')"

# --- 8: interleaving -----------------------------------------------------------------
netns_drop server ip6 2001:db8::3 $PORT
netns_drop server ip 198.51.100.2 $PORT
hc --no-cache "${DNS[@]}" three.example.test $PORT
check "8 interleave: exit 0, the live IPv6 wins" "0 2001:db8::2" \
	"$rc $(q 'j["remote"]["address"]')"
check "8 interleave: attempts go IPv6, IPv4, IPv6" \
	"2001:db8::3 198.51.100.2 2001:db8::2" \
	"$(q '[e["address"] for e in att]')"
check_range "8 interleave: the third attempt at two attempt delays (ms)" \
	480 1000 "$(q 'round(t(att[2]) - t(att[0]), 1) if len(att) > 2 else None')"
netns_flush server

# --- 9: link-local -------------------------------------------------------------------
ll=$(netns_exec server ip -6 -o addr show dev "$NETNS_VETH_SERVER" scope link |
	grep -oE 'fe80::[0-9a-f:]+' | head -1)
if [ -n "$ll" ]; then
	hc --no-cache "$ll%$NETNS_VETH_CLIENT" $PORT
	check "9 link-local: exit 0, connected to it" "0 $ll%$NETNS_VETH_CLIENT" \
		"$rc $(q 'j["remote"]["address"]')"
	check "9 link-local: from a link-local address on the same link" \
		"fe80 %$NETNS_VETH_CLIENT" \
		"$(q '(j["local"]["address"][:4], j["local"]["address"][j["local"]["address"].find("%"):])')"
	hc --no-cache "[$ll%$NETNS_VETH_CLIENT]" $PORT
	check "9 link-local: in brackets too" "0" "$rc"
else
	not_ok "9 link-local: the server's fe80:: address" \
		"$(netns_exec server ip -6 addr show dev "$NETNS_VETH_SERVER")"
fi

# --- 10: everything dead -------------------------------------------------------------
netns_drop server inet $PORT
hc --no-cache "${DNS[@]}" --timeout 1.5 $NAME $PORT
check "10 all dropped: exit 1, timed out" "1 False" \
	"$rc $(q 'j["connected"]')"
case $(q 'j["error"]') in *"timed out"*) ok "10 all dropped: the error says timed out" ;;
*) not_ok "10 all dropped: the error says timed out" "$(q 'j["error"]')" ;; esac
case $(tail -1 "$last_err") in *"cannot connect to $NAME port $PORT"*"timed out"*)
	ok "10 all dropped: stderr names host, port and error" ;;
*) not_ok "10 all dropped: stderr names host, port and error" "$(tail -1 "$last_err")" ;; esac
check "10 all dropped: both attempts, then the timeout" \
	"2001:db8::2 198.51.100.2 timeout" \
	"$(q '[e["address"] for e in att] + [e["event"] for e in ev("timeout")]')"
check_range "10 all dropped: it ends at the timeout (elapsed ms)" \
	1400 2500 "$(q 'j["elapsed_ms"]')"
netns_flush server

# --- 11: history -----------------------------------------------------------------------
netns_drop server ip6 $PORT
rm -rf "$XDG_CACHE_HOME"
hc "${DNS[@]}" $NAME $PORT
check "11 history: the first run connects over IPv4 (as in 2)" "0 198.51.100.2" \
	"$rc $(q 'j["remote"]["address"]')"
check "11 history: the file is written" yes \
	"$([ -s "$XDG_CACHE_HOME/dualstack/happy-eyeballs" ] && echo yes || echo no)"
hc "${DNS[@]}" $NAME $PORT
check "11 history: exit 0, IPv4 wins again" "0 198.51.100.2" \
	"$rc $(q 'j["remote"]["address"]')"
check "11 history: a cache event puts IPv4 first" "198.51.100.2" \
	"$(q '" ".join(e["address"] for e in ev("cache"))')"
check "11 history: attempt 1 is IPv4" "198.51.100.2" \
	"$(q 'att[0]["address"] if att else None')"
check_range "11 history: no attempt delay paid (elapsed ms)" \
	0 200 "$(q 'j["elapsed_ms"]')"
netns_flush server

# --- 13: dead IPv6, dead IPv4, live IPv4 -------------------------------------------------
netns_drop server ip6 2001:db8::2 $PORT
netns_drop server ip 198.51.100.3 $PORT
hc --no-cache "${DNS[@]}" dead4.example.test $PORT
check "13 two dead: exit 0, the live IPv4 wins" "0 198.51.100.2" \
	"$rc $(q 'j["remote"]["address"]')"
check "13 two dead: attempts go IPv6, dead IPv4, live IPv4" \
	"2001:db8::2 198.51.100.3 198.51.100.2" \
	"$(q '[e["address"] for e in att]')"
check_range "13 two dead: connected at about two attempt delays (elapsed ms)" \
	450 900 "$(q 'j["elapsed_ms"]')"
netns_flush server

# --- 12: NAT64 (last: the client loses its IPv4 address) --------------------------------
ip -n "$CLIENT" addr del 198.51.100.1/24 dev "$NETNS_VETH_CLIENT"
hc --no-cache --server '[2001:db8::2]' 198.51.100.2 $PORT
check "12 NAT64: exit 0, the synthesised address wins" "0 2001:db8::c633:6402" \
	"$rc $(q 'j["remote"]["address"]')"
check "12 NAT64: the prefix from ipv4only.arpa and the address made with it" \
	"2001:db8::/96 2001:db8::c633:6402" \
	"$(q '[(e.get("prefix"), e.get("address")) for e in ev("nat64")][0] if ev("nat64") else None')"
hc --no-cache 198.51.100.2 $PORT --server '[2001:db8::2]:5301'
check "12 NAT64: through a slow resolver too" "0 2001:db8::c633:6402" \
	"$rc $(q 'j["remote"]["address"]')"

echo "1..$n"
[ $failed -eq 0 ]
