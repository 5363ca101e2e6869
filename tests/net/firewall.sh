#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# dualstack firewall with real packets, in three network namespaces:
#
#   A 2001:db8:1::1 198.51.100.1  (MTU 1500)
#   | veth
#   R 2001:db8:1::ff 198.51.100.254 | 2001:db8:2::ff 203.0.113.254
#   | veth, MTU 1280 on R's side
#   B 2001:db8:2::2 203.0.113.2   (MTU 1500)
#
# Generated rulesets loaded with nft in each: a 1 MiB TCP transfer from A
# to B completes (R's Packet Too Big reaches A, path MTU discovery works);
# with "drop all ICMPv6" in A it hangs (bounded), and check names the
# rule. Neighbor Discovery works through the generated rulesets; echo
# follows --echo; a listed service is reachable on both families and an
# unlisted port dropped on both. Crafted packets (scapy, from R to A)
# counted by nft counters: for each, the evaluator's verdict on A's
# ruleset (nft -j list ruleset) equals what the kernel did. And check on
# the classic broken rulesets loaded with nft gives the right finding.
#
# Prints TAP. Needs root, ip netns, nft and /usr/bin/python3 with scapy;
# exits 77 otherwise. Every namespace and process is removed on every
# exit path. Bounded: about 50 s.
set -u

top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# Root, ip netns, nft and python3: the same requirements as the others.
. "$top/tests/net/lib/netns.sh"
netns_require
PY=/usr/bin/python3
if ! $PY -c 'import scapy.all' 2>/dev/null; then
	echo "skip: $PY has no scapy (apt-get install python3-scapy)"
	exit 77
fi

. "$top/tests/cli/lib.sh"

A=ds-fw-$$-a
R=ds-fw-$$-r
B=ds-fw-$$-b
pids=()

cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for ns in "$A" "$R" "$B"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$_tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

for ns in "$A" "$R" "$B"; do
	ip netns add "$ns" || exit 1
	nsx "$ns" ip link set lo up
	nsx "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
done
ip link add fa$$ netns "$A" type veth peer name fra$$ netns "$R"
ip link add frb$$ netns "$R" type veth peer name fb$$ netns "$B"
nsx "$A" ip addr add 2001:db8:1::1/64 dev fa$$ nodad
nsx "$A" ip addr add 198.51.100.1/24 dev fa$$
nsx "$R" ip addr add 2001:db8:1::ff/64 dev fra$$ nodad
nsx "$R" ip addr add 198.51.100.254/24 dev fra$$
nsx "$R" ip addr add 2001:db8:2::ff/64 dev frb$$ nodad
nsx "$R" ip addr add 203.0.113.254/24 dev frb$$
nsx "$B" ip addr add 2001:db8:2::2/64 dev fb$$ nodad
nsx "$B" ip addr add 203.0.113.2/24 dev fb$$
# The 1280-byte link: R sends at most 1280 bytes towards B.
nsx "$R" ip link set frb$$ mtu 1280
for l in "$A fa$$" "$R fra$$" "$R frb$$" "$B fb$$"; do
	# shellcheck disable=SC2086
	nsx ${l% *} ip link set ${l#* } up
done
nsx "$A" ip route add default via 198.51.100.254
nsx "$A" ip -6 route add default via 2001:db8:1::ff
nsx "$B" ip route add default via 203.0.113.254
nsx "$B" ip -6 route add default via 2001:db8:2::ff
nsx "$R" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
# Every error answered: the kernel's ICMP rate limit would hide some.
for ns in "$A" "$R" "$B"; do
	nsx "$ns" sysctl -qw net.ipv6.icmp.ratelimit=0 net.ipv4.icmp_ratelimit=0
done

gen() { "$DUALSTACK" firewall generate "$@"; }
load() {
	local ns=$1
	shift
	nsx "$ns" nft flush ruleset
	gen "$@" >"$_tmp/$ns.nft" && nsx "$ns" nft -f "$_tmp/$ns.nft"
}

load "$A" --role host --allow tcp/5001,udp/5353 --echo allow
load "$R" --role router --allow tcp/5000
load "$B" --role host --allow tcp/5000 --echo allow
check "generated rulesets loaded with nft" "" \
	"$(for ns in "$A" "$R" "$B"; do nsx "$ns" nft list table inet dualstack >/dev/null || echo "$ns"; done)"

# A TCP sink on B that counts what it receives; the sender on A.
sink_py='
import socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("2001:db8:2::2", 5000)); s.listen(4)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    n = 0
    while True:
        d = c.recv(65536)
        if not d: break
        n += len(d)
    c.sendall(str(n).encode()); c.close()
'
send_py='
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3]))
s.sendall(b"x" * (1 << 20)); s.shutdown(socket.SHUT_WR)
print(s.recv(64).decode())
'
nsx "$B" $PY -c "$sink_py" >"$_tmp/sink" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q ready "$_tmp/sink" && break; sleep 0.1; done

# ND: nothing is resolved yet; the transfer needs it on both links.
got=$(timeout 20 ip netns exec "$A" $PY -c "$send_py" 2001:db8:2::2 5000 8 2>&1)
check "PMTUD: 1 MiB from A (MTU 1500) through the 1280 link" 1048576 "$got"
check "PMTUD: A learnt the path MTU from R's Packet Too Big" 1 \
	"$(nsx "$A" ip -6 route get 2001:db8:2::2 | grep -c 'mtu 1280')"
check "ND: A resolved R" 1 \
	"$(nsx "$A" ip -6 neigh show 2001:db8:1::ff | grep -cE 'REACHABLE|STALE|DELAY|PROBE')"

# Drop all ICMPv6 first thing in A's input; ND kept alive by static
# neighbor entries, so that only Packet Too Big is missing.
mac_a=$(nsx "$A" cat /sys/class/net/fa$$/address)
mac_r=$(nsx "$R" cat /sys/class/net/fra$$/address)
nsx "$A" ip -6 neigh replace 2001:db8:1::ff lladdr "$mac_r" dev fa$$ nud permanent
nsx "$R" ip -6 neigh replace 2001:db8:1::1 lladdr "$mac_a" dev fra$$ nud permanent
nsx "$A" nft flush ruleset
nsx "$A" nft -f - <<'EOF'
table inet bad {
	chain input {
		type filter hook input priority filter; policy accept;
		meta l4proto ipv6-icmp drop
	}
}
EOF
nsx "$A" ip -6 route flush cache
start=$(date +%s)
got=$(timeout 20 ip netns exec "$A" $PY -c "$send_py" 2001:db8:2::2 5000 4 2>&1 | tail -1)
check "drop all ICMPv6: the transfer hangs (times out)" 1 "$(grep -c 'timed out' <<<"$got")"
check "drop all ICMPv6: bounded" 1 "$([ $(($(date +%s) - start)) -lt 15 ] && echo 1)"
nsx "$A" "$DUALSTACK" firewall check >"$_tmp/check" 2>&1
rc=$?
check "drop all ICMPv6: check exits 1" 1 "$rc"
check "drop all ICMPv6: check names Packet Too Big and the rule" \
	"error: ICMPv6 packet-too-big (type 2) to this host is dropped; RFC 4890 section 4.4.1 says it must not be|  by:   inet bad input handle 2: meta l4proto ipv6-icmp drop" \
	"$(head -2 "$_tmp/check" | paste -sd'|')"
nsx "$A" ip -6 neigh del 2001:db8:1::ff dev fa$$
nsx "$R" ip -6 neigh del 2001:db8:1::1 dev fra$$

# Echo follows --echo; services on both families; unlisted dropped.
# One echo request from R (a ping socket; no ping program needed).
ping_py='
import socket, sys
v6 = ":" in sys.argv[1]
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM,
    socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
s.settimeout(1.5)
s.sendto(bytes([128 if v6 else 8, 0, 0, 0, 0, 0, 0, 1]) + b"dualstack", (sys.argv[1], 0))
try:
    print("yes" if s.recv(128)[0] == (129 if v6 else 0) else "no")
except socket.timeout:
    print("no")
'
nsx "$R" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
ping_ok() { nsx "$R" $PY -c "$ping_py" "$1"; }
for e in allow limit deny; do
	load "$A" --role host --allow tcp/5001,udp/5353 --echo "$e"
	want=yes
	[ "$e" = deny ] && want=no
	check "--echo $e: ping6" "$want" "$(ping_ok 2001:db8:1::1)"
	check "--echo $e: ping" "$want" "$(ping_ok 198.51.100.1)"
done
listen_py='
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(8)
print("ready", flush=True)
while True: s.accept()[0].close()
'
conn_py='
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1.5).close(); print("ok")
except socket.timeout: print("timeout")
except OSError as e: print(e.__class__.__name__)
'
for addr in 2001:db8:1::1 198.51.100.1; do
	for port in 5001 5002; do
		nsx "$A" $PY -c "$listen_py" "$addr" "$port" >"$_tmp/l-$addr-$port" 2>&1 &
		pids+=($!)
	done
done
sleep 0.5
for addr in 2001:db8:1::1 198.51.100.1; do
	check "listed tcp/5001 reachable on $addr" ok "$(nsx "$R" $PY -c "$conn_py" "$addr" 5001)"
	check "unlisted tcp/5002 dropped on $addr" timeout "$(nsx "$R" $PY -c "$conn_py" "$addr" 5002)"
done

# Crafted packets from R to A: the kernel's verdict (an observer chain
# after the filter counts what got through) against the evaluator's.
load "$A" --role host --allow tcp/5001,udp/5353 --echo allow
cat >"$_tmp/packets" <<'EOF'
icmpv6 type 1 code 0 from 2001:db8:1::ff to local 2001:db8:1::1 state invalid
icmpv6 type 1 code 4 from 2001:db8:1::ff to local 2001:db8:1::1 state invalid
icmpv6 type 1 code 6 from 2001:db8:1::ff to local 2001:db8:1::1 state invalid
icmpv6 type 2 from 2001:db8:1::ff to local 2001:db8:1::1 state invalid
icmpv6 type 3 code 0 from 2001:db8:1::ff to local 2001:db8:1::1 state invalid
icmpv6 type 3 code 1 from 2001:db8:1::ff to local 2001:db8:1::1 state invalid
icmpv6 type 4 code 0 from 2001:db8:1::ff to local 2001:db8:1::1 state invalid
icmpv6 type 4 code 1 from 2001:db8:1::ff to local 2001:db8:1::1 state invalid
icmpv6 type 4 code 2 from 2001:db8:1::ff to local 2001:db8:1::1 state invalid
icmpv6 type 4 code 3 from 2001:db8:1::ff to local 2001:db8:1::1 state invalid
icmpv6 type 4 code 8 from 2001:db8:1::ff to local 2001:db8:1::1 state invalid
icmpv6 type 4 code 11 from 2001:db8:1::ff to local 2001:db8:1::1 state invalid
icmpv6 type 5 from 2001:db8:1::ff to local 2001:db8:1::1 state invalid
icmpv6 type 100 from 2001:db8:1::ff to local 2001:db8:1::1 state invalid
icmpv6 type 127 from 2001:db8:1::ff to local 2001:db8:1::1 state invalid
icmpv6 type 128 from 2001:db8:1::ff to local 2001:db8:1::1
icmpv6 type 128 from 2001:db8:1::ff to local 2001:db8:1::1 hop-limit 1
icmpv6 type 129 from 2001:db8:1::ff to local 2001:db8:1::1
icmpv6 type 137 from fe80::1 to local fe80::2 hop-limit 255
icmpv6 type 138 from 2001:db8:1::ff to local 2001:db8:1::1
icmpv6 type 139 from 2001:db8:1::ff to local 2001:db8:1::1
icmpv6 type 144 from 2001:db8:1::ff to local 2001:db8:1::1
icmpv6 type 150 from 2001:db8:1::ff to local 2001:db8:1::1
icmpv6 type 155 from 2001:db8:1::ff to local 2001:db8:1::1
icmpv6 type 159 from 2001:db8:1::ff to local 2001:db8:1::1
icmpv6 type 160 from 2001:db8:1::ff to local 2001:db8:1::1
icmpv6 type 161 from 2001:db8:1::ff to local 2001:db8:1::1
icmpv6 type 200 from 2001:db8:1::ff to local 2001:db8:1::1
icmpv6 type 255 from 2001:db8:1::ff to local 2001:db8:1::1
icmpv6 type 133 from fe80::1 to local fe80::2
icmpv6 type 133 from fe80::1 to local fe80::2 hop-limit 64
icmpv6 type 134 from fe80::1 to local fe80::2
icmpv6 type 134 from fe80::1 to local fe80::2 hop-limit 254
icmpv6 type 135 from fe80::1 to local fe80::2
icmpv6 type 135 from 2001:db8:1::ff to local 2001:db8:1::1
icmpv6 type 135 from fe80::1 to local fe80::2 hop-limit 1
icmpv6 type 136 from fe80::1 to local fe80::2
icmpv6 type 136 from fe80::1 to local fe80::2 hop-limit 128
icmpv6 type 141 from fe80::1 to local fe80::2
icmpv6 type 148 from fe80::1 to local fe80::2
icmpv6 type 148 from fe80::1 to local fe80::2 hop-limit 64
icmpv6 type 130 from fe80::1 to local fe80::2
icmpv6 type 130 from 2001:db8:1::ff to local 2001:db8:1::1
icmpv6 type 131 from fe80::1 to local fe80::2
icmpv6 type 143 from fe80::1 to local fe80::2
icmpv6 type 143 from 2001:db8:1::ff to local 2001:db8:1::1
icmpv6 type 151 from fe80::1 to local fe80::2
icmpv6 type 151 from fe80::1 to local fe80::2 hop-limit 64
icmpv6 type 152 from 2001:db8:1::ff to local 2001:db8:1::1
icmpv6 type 153 from fe80::1 to local fe80::2
tcp from 2001:db8:1::ff port 40000 to local 2001:db8:1::1 port 5001
tcp from 2001:db8:1::ff port 40001 to local 2001:db8:1::1 port 5002
tcp from 2001:db8:1::ff port 40002 to local 2001:db8:1::1 port 22
udp from 2001:db8:1::ff port 40003 to local 2001:db8:1::1 port 5353
udp from 2001:db8:1::ff port 40004 to local 2001:db8:1::1 port 9999
udp from 2001:db8:1::ff port 40005 to local 2001:db8:1::1 port 3544
icmp type 8 from 198.51.100.254 to local 198.51.100.1
icmp type 0 from 198.51.100.254 to local 198.51.100.1
icmp type 3 code 4 from 198.51.100.254 to local 198.51.100.1 state invalid
icmp type 11 from 198.51.100.254 to local 198.51.100.1 state invalid
icmp type 13 from 198.51.100.254 to local 198.51.100.1
tcp from 198.51.100.254 port 40010 to local 198.51.100.1 port 5001
tcp from 198.51.100.254 port 40011 to local 198.51.100.1 port 5002
udp from 198.51.100.254 port 40012 to local 198.51.100.1 port 5353
udp from 198.51.100.254 port 40013 to local 198.51.100.1 port 3544
ip proto 41 from 198.51.100.254 to local 198.51.100.1
EOF
ll_a=$(nsx "$A" ip -6 addr show dev fa$$ scope link | awk '/inet6/ {sub("/.*", "", $2); print $2}')
ll_r=$(nsx "$R" ip -6 addr show dev fra$$ scope link | awk '/inet6/ {sub("/.*", "", $2); print $2}')
# The real link-local addresses stand for fe80::1 (R) and fe80::2 (A).
sed -i "s/fe80::1 /$ll_r /; s/fe80::2\$/$ll_a/; s/fe80::2 /$ll_a /" "$_tmp/packets"
n=$(wc -l <"$_tmp/packets")
{
	echo "table inet dsobs {"
	echo "  chain input { type filter hook input priority 10; policy accept;"
	for i in $(seq "$n"); do
		echo "    ip6 flowlabel $i counter"
		echo "    ip id $i counter"
	done
	echo "  }"
	echo "}"
} >"$_tmp/obs.nft"
nsx "$A" nft -f "$_tmp/obs.nft"
# The ruleset the evaluator reads, before the packets change nothing.
nsx "$A" nft -j list ruleset >"$_tmp/a.json"

craft_py='
import sys, socket
from scapy.all import (Ether, IPv6, IP, ICMPv6Unknown, ICMP, TCP, UDP, Raw,
    IPv6ExtHdrHopByHop, RouterAlert, sendp, conf)
conf.verb = 0
iface, dst_mac = sys.argv[1], sys.argv[2]
frames = []
for i, line in enumerate(open(sys.argv[3]), 1):
    w = line.split()
    def val(k, d=None):
        return w[w.index(k) + 1] if k in w else d
    src = val("from"); dst = w[w.index("local") + 1]
    hl = int(val("hop-limit", 0)) or None
    proto = w[0] if w[0] != "ip" else "proto"
    if ":" in src:
        t = int(val("type", -1))
        if hl is None:
            hl = 255 if t in (133,134,135,136,137,141,142,148,149) else \
                 1 if t in (130,131,132,143,151,152,153) else 64
        ip = IPv6(src=src, dst=dst, hlim=hl, fl=i)
        if proto == "icmpv6":
            code = int(val("code", 0))
            body = ICMPv6Unknown(type=t, code=code)
            if t < 128:
                body = body / IPv6(src=dst, dst="2001:db8:9::9") / UDP(sport=1, dport=2)
            else:
                body = body / Raw(b"\0" * 20)
            if t in (130,131,132,143):
                ip = ip / IPv6ExtHdrHopByHop(options=[RouterAlert()])
            pkt = ip / body
        elif proto == "tcp":
            pkt = ip / TCP(sport=int(w[w.index("port") + 1]), dport=int(w[-1]), flags="S")
        else:
            pkt = ip / UDP(sport=int(w[w.index("port") + 1]), dport=int(w[-1])) / Raw(b"x")
    else:
        ip = IP(src=src, dst=dst, ttl=hl or 64, id=i)
        if proto == "icmp":
            t = int(val("type")); code = int(val("code", 0))
            body = ICMP(type=t, code=code)
            if t in (3, 11, 12):
                body = body / IP(src=dst, dst="192.0.2.9") / UDP(sport=1, dport=2)
            pkt = ip / body
        elif proto == "tcp":
            pkt = ip / TCP(sport=int(w[w.index("port") + 1]), dport=int(w[-1]), flags="S")
        elif proto == "udp":
            pkt = ip / UDP(sport=int(w[w.index("port") + 1]), dport=int(w[-1])) / Raw(b"x")
        else:
            pkt = IP(src=src, dst=dst, proto=41, id=i) / IPv6(src="2001:db8:9::1", dst="2001:db8:9::2")
    frames.append(Ether(dst=dst_mac) / pkt)
sendp(frames, iface=iface, inter=0.005)
'
if nsx "$R" $PY -c "$craft_py" fra$$ "$mac_a" "$_tmp/packets" 2>"$_tmp/craft.err"; then
	ok "scapy sent $n crafted packets"
else
	not_ok "scapy sent $n crafted packets" "$(tail -3 "$_tmp/craft.err")"
fi
sleep 0.5
nsx "$A" nft -j list table inet dsobs >"$_tmp/obs.json"
$PY - "$_tmp/obs.json" "$n" >"$_tmp/kernel" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
seen = {}
for o in j["nftables"]:
    r = o.get("rule")
    if not r:
        continue
    key = r["expr"][0]["match"]["right"]
    pk = r["expr"][1]["counter"]["packets"]
    seen[key] = seen.get(key, 0) + pk
for i in range(1, n + 1):
    print("accept" if seen.get(i, 0) else "drop")
EOF
agree=0 i=0 diffs=()
while IFS= read -r spec; do
	i=$((i + 1))
	kernel=$(sed -n "${i}p" "$_tmp/kernel")
	model=$("$DUALSTACK" firewall test --json --file "$_tmp/a.json" "$spec" | $PY -c 'import json,sys; print(json.load(sys.stdin)["verdict"])')
	[ "$model" = reject ] && model=drop
	if [ "$model" = "$kernel" ]; then
		agree=$((agree + 1))
	else
		diffs+=("$spec: kernel $kernel, model $model")
	fi
done <"$_tmp/packets"
check "the evaluator agrees with the kernel on all $n crafted packets" "$n" "$agree"
[ ${#diffs[@]} -gt 0 ] && printf '#   %s\n' "${diffs[@]}"
check "both verdicts occur among them" 2 "$(sort -u "$_tmp/kernel" | wc -l)"
check "at least 50 packets" 1 "$([ "$n" -ge 50 ] && echo 1)"

# check on the classic broken rulesets, live through nft.
classic() {
	nsx "$A" nft flush ruleset
	nsx "$A" nft -f -
	nsx "$A" "$DUALSTACK" firewall check --json >"$_tmp/c.json" 2>&1
	$PY -c 'import json,sys; print(" ".join(sorted(set(f["finding"]["code"] for f in json.load(open(sys.argv[1]))["findings"]))))' "$_tmp/c.json"
}
got=$(classic <<'EOF'
table ip f { chain input { type filter hook input priority 0; policy drop; ct state established,related accept; tcp dport 22 accept; }; }
table ip6 f { chain input { type filter hook input priority 0; policy accept; }; }
EOF
)
check "ip6 policy accept, ip filtered: fw.v6-open" 1 "$(grep -c 'fw.v6-open' <<<"$got")"
got=$(classic <<'EOF'
table ip f { chain input { type filter hook input priority 0; policy drop; tcp dport 22 accept; }; }
table ip6 f { chain input { type filter hook input priority 0; policy drop; icmpv6 type { 1, 2, 3, 4, 128, 129, 133, 134, 135, 136, 141, 142, 148, 149 } accept; icmpv6 type { 130, 131, 132, 143, 151, 152, 153 } accept; }; }
EOF
)
check "v4-only service rules: fw.service-v4-only only" "fw.icmpv6-ok fw.service-v4-only" "$got"
got=$(classic <<'EOF'
table inet f { chain input { type filter hook input priority 0; policy drop; meta nfproto ipv6 icmpv6 type { 1, 2, 3, 4, 128, 129, 130, 131, 132, 133, 134, 135, 136, 141, 142, 143, 148, 149, 151, 152, 153 } accept; udp dport 3544 accept; }; }
EOF
)
check "Teredo passing: fw.tunnel" "fw.icmpv6-ok fw.tunnel" "$got"
got=$(classic <<'EOF'
table inet f { chain input { type filter hook input priority 0; policy accept; meta l4proto ipv6-icmp drop; }; }
EOF
)
check "drop all ICMPv6: fw.icmpv6-must" 1 "$(grep -c 'fw.icmpv6-must' <<<"$got")"

done_testing
