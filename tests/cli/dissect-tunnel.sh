#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# dualstack dissect through tunnels: 6in4, 6to4, ISATAP, GRE (IPv4, IPv6
# and Ethernet inside, in IPv4 and IPv6), 4in6 / DS-Lite with a Tunnel
# Encapsulation Limit, IPv6 in IPv6, IPv4 in IPv4 and Teredo (origin
# indication, authentication, bubbles, NAT mappings). The inner packet's
# fields, the tunnel's fields and the outer endpoints are compared with
# tshark -T fields on the same capture; the line, the summary and the depth
# limit are checked directly.
#
# The captures come from scapy (tests/pcap/tunnel.py): this kernel has no
# tunnel devices to make real ones between namespaces. The test says which
# of sit, ip6tnl (ip6ip6, ipip6), gre, ip6gre and ipip the kernel lacks.
. "$(dirname "$0")/lib.sh"

top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
GEN="$top/tests/pcap/tunnel.py"

if ! command -v tshark >/dev/null; then
	echo "skip: tshark is not installed (apt-get install tshark; make deps)"
	exit 77
fi
if ! "$PY" -c 'import scapy' 2>/dev/null; then
	echo "skip: $PY has no scapy (apt-get install python3-scapy; make deps)"
	exit 77
fi
export HOME=$_tmp

# Which tunnel devices this kernel has, for the record, asked in a
# namespace of our own (root only): a type the kernel lacks is "unknown".
ns=dstun$$
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && ip netns add "$ns" 2>/dev/null
then
	missing=
	for t in sit "ip6tnl mode ip6ip6" "ip6tnl mode ipip6" gre ip6gre ipip; do
		# shellcheck disable=SC2086
		e=$(ip -n "$ns" link add name t0 type $t 2>&1)
		ip -n "$ns" link del t0 2>/dev/null
		case $e in *"nknown device type"*) missing="$missing ${t// /-}" ;; esac
	done
	ip netns del "$ns"
	echo "# tunnel devices missing from this kernel:${missing:- none};" \
		"the captures are made with scapy all the same"
fi

cap=$_tmp/cap
if ! "$PY" "$GEN" "$cap" >"$_tmp/gen.out" 2>"$_tmp/gen.err"; then
	not_ok "tests/pcap/tunnel.py writes the captures" "$(head -5 "$_tmp/gen.err")"
	# --inner: words on the innermost 5-tuple; a packet outside any tunnel is
# matched on its own. Frames by number (--json).
frames() {
	run_ds dissect -r "$f" --json "$@"
	[ "$rc" = 0 ] || { echo "exit $rc: $err"; return; }
	printf '%s\n' "$out" | "$PY" -c 'import json,sys
print(" ".join(str(json.loads(l)["frame"]) for l in sys.stdin if l.strip()))'
}
check "--inner 'tcp dport 80': the SYNs to port 80, tunnelled or not" \
	"1 14 15" "$(frames --inner 'tcp dport 80')"
check "--inner 'ip4 udp': inner IPv4 UDP (GRE in IPv6, DS-Lite, IPIP, plain)" \
	"8 9 11 16" "$(frames --inner 'ip4 udp')"
check "--inner 'src 2002::/16': the 6to4 sources" \
	"2 3" "$(frames --inner 'src 2002::/16')"
check "--inner 'host 2001:db8::2 port 40000': either side" \
	"1 15" "$(frames --inner 'host 2001:db8::2 port 40000')"
check "--inner 'icmp6' and the pcap filter on the outer packet" \
	"4 7" "$(frames --inner 'icmp6' 'ip and not ip6 and proto 47 or ip[9] == 41 and dst 198.51.100.2')"
check "--inner 'proto 59': the Teredo bubble" "12" \
	"$(frames --inner 'proto 59')"
check "--inner 'udp port 3544' is the inner tuple, not the outer" "" \
	"$(frames --inner 'udp port 3544')"
check "-c counts packets --inner kept" "6 8" \
	"$(frames --inner 'ip4' -c 2)"
run_ds dissect -r "$f" --stats --json --inner 'ip6 tcp'
check "--stats counts what --inner kept" 4 "$(json_get 'j["packets"]')"
for bad in 'dport x' 'foo' 'host' 'src 2001:zz' '' 'proto 256'; do
	run_ds dissect -r "$f" --inner "$bad"
	check "--inner '$bad' is a usage error" 2 "$rc"
done
run_ds dissect -r "$f" --inner 'dprot 80'
check "--inner: the message says which word" \
	"dualstack dissect: --inner 'dprot 80': unknown word 'dprot' at column 1 (ip4, ip6, tcp, udp, icmp6, icmp, proto, host, src, dst, port, sport, dport)" \
	"$(printf '%s\n' "$err" | head -1)"

# A pcapng file whose interfaces have different link types: its own
# message and exit 2, not "damaged".
run_ds dissect -r "$cap/tun-mixed.pcapng"
check "pcapng mixing link types: exit 2" 2 "$rc"
check "pcapng mixing link types: says so, with both types" \
	"dualstack dissect: $cap/tun-mixed.pcapng: stopped before the first packet: the pcapng file has interfaces of different link types (EN10MB, then RAW), and libpcap reads one link type per file; split it by interface first, e.g. tshark -r FILE -Y 'frame.interface_id == 1' -w part.pcapng" \
	"$err"

# -B: the live capture buffer, KiB as tcpdump takes it or with a unit.
for bad in 0 12x 1023b 3G -4; do
	run_ds dissect -i lo -B "$bad" -c 1
	check "-B $bad is a usage error" 2 "$rc"
done
run_ds dissect -r "$f" -B 4096
check "-B with -r is a usage error" 2 "$rc"
if [ "$(id -u)" = 0 ]; then
	# One UDP datagram to ::1 while capturing on lo with a 4 MiB ring.
	"$DUALSTACK" dissect -i lo -B 4M -c 1 --json 'udp port 9 and ip6' \
		>"$_tmp/live.json" 2>"$_tmp/live.err" &
	pid=$!
	for _ in $(seq 50); do
		grep -q capturing "$_tmp/live.err" 2>/dev/null && break
		sleep 0.1
	done
	for _ in 1 2 3 4 5; do
		"$PY" -c 'import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.sendto(b"x", ("::1", 9))'
		sleep 0.2
		kill -0 $pid 2>/dev/null || break
	done
	kill $pid 2>/dev/null
	wait $pid
	check "-i lo -B 4M: the capture runs and sees the datagram" "::1 9" \
		"$("$PY" -c 'import json,sys
j = json.loads(open(sys.argv[1]).readline())
print(j["tuple"]["dst"], j["tuple"]["dport"])' "$_tmp/live.json" 2>&1)"
else
	echo "# -B live capture not run: needs root"
fi

done_testing
	exit 1
fi

f=$cap/tun-ok.pcap
run_ds dissect -r "$f"
check "tun-ok.pcap: text exits 0" 0 "$rc"
line() { sed -n "${1}p" "$_tmp/out" | cut -d' ' -f2-; }
check "6in4: outer, bar, inner" \
	"IPv4 198.51.100.1 > 198.51.100.2 6in4 | IPv6 tcp 2001:db8::1.40000 > 2001:db8::2.80 [S] seq=0 win=8192 len=0" \
	"$(line 1)"
check "6to4 from the host the prefix names" \
	"IPv4 198.51.100.1 > 192.0.2.9 6to4(src=198.51.100.1,src-match,dst=192.0.2.9,dst-match) | IPv6 icmp6 2002:c633:6401::1 > 2002:c000:209::1 echo-request id=7 seq=1" \
	"$(line 2)"
check "6to4 from another host: mismatch and anomaly" \
	"IPv4 198.51.100.1 > 192.0.2.9 6to4(src=203.0.113.1,src-mismatch,dst=192.0.2.9,dst-match) | IPv6 icmp6 2002:cb00:7101::1 > 2002:c000:209::1 echo-request id=7 seq=2 [anomaly: 6to4-mismatch]" \
	"$(line 3)"
check "ISATAP: ND with hop limit 255 through a tunnel is flagged" \
	"IPv4 198.51.100.1 > 198.51.100.2 isatap(src=198.51.100.1,src-match,dst=198.51.100.2,dst-match) | IPv6 icmp6 fe80::5efe:c633:6401 > fe80::5efe:c633:6402 ns tgt=fe80::5efe:c633:6402 [anomaly: nd-tunnelled]" \
	"$(line 4)"
check "GRE with key and sequence" \
	"IPv4 198.51.100.1 > 198.51.100.2 gre(key=0x2a,seq=7) | IPv6 udp 2001:db8::1.5353 > 2001:db8::2.53 len=0" \
	"$(line 5)"
check "GRE carrying Ethernet" \
	"IPv4 198.51.100.1 > 198.51.100.2 gre(eth) | IPv6 icmp6 2001:db8::11 > 2001:db8::12 echo-request id=9 seq=3" \
	"$(line 7)"
check "DS-Lite with its Tunnel Encapsulation Limit" \
	"IPv6 dst(tel=4) 2001:db8:1::1 > 2001:db8:2::1 4in6 | IPv4 udp 192.0.2.1.1234 > 198.51.100.7.53 len=0" \
	"$(line 9)"
check "Teredo bubble: origin, the client's mapping agrees" \
	"IPv4 udp 192.0.2.45.3544 > 203.0.113.5.40000 teredo(origin=192.0.2.99.12345,dst=203.0.113.5.40000,dst-match,bubble) | IPv6 none fe80::8000:ffff:ffff:fffe > 2001:0:c000:22d:8000:63bf:34ff:8efa" \
	"$(line 12)"
check "Teredo qualification: authentication, no nd-tunnelled" \
	"IPv4 udp 203.0.113.5.40000 > 192.0.2.45.3544 teredo(auth) | IPv6 icmp6 fe80::ffff:ffff:fffe > ff02::2 rs" \
	"$(line 13)"
check "Teredo: a NAT mapping other than the address says" \
	"IPv4 udp 203.0.113.5.40123 > 192.0.2.200.3544 teredo(src=203.0.113.5.40000,src-mismatch) | IPv6 tcp 2001:0:c000:22d:8000:63bf:34ff:8efa.50000 > 2001:db8::80.80 [S] seq=0 win=8192 len=0" \
	"$(line 14)"
check "a packet outside any tunnel is shown as before" \
	"IPv6 tcp 2001:db8::1.40000 > 2001:db8::2.80 [S] seq=0 win=8192 len=0" \
	"$(line 15)"

# Field by field against tshark: the innermost packet (tshark's last
# occurrence of each field), the tunnel's fields, the outer endpoints
# (its first occurrence).
fields=$("$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); import tunnel
print(" ".join("-e " + f for f in tunnel.TSHARK_FIELDS))' "$top/tests/pcap")
for occ in l f; do
	# shellcheck disable=SC2086
	tshark -n -r "$f" -T fields -E separator='|' -E occurrence=$occ \
		$fields >"$_tmp/ts.$occ" 2>/dev/null
done
run_ds dissect -r "$f" --json
check "tun-ok.pcap: --json exits 0" 0 "$rc"
cp "$_tmp/out" "$_tmp/ok.json"
"$PY" "$GEN" compare "$_tmp/ts.l" "$_tmp/ts.f" "$_tmp/ok.json" >"$_tmp/cmp" 2>&1
while IFS=$'\t' read -r st what detail; do
	case $st in
	ok) ok "$what agrees with tshark ($detail)" ;;
	*) not_ok "$what agrees with tshark" "$st $detail" ;;
	esac
done <"$_tmp/cmp"
check "tshark compared every packet" "$(wc -l <"$_tmp/ok.json")" \
	"$(grep -c . "$_tmp/cmp")"
# The comparison can fail: one port changed on dualstack's side.
"$PY" "$GEN" compare "$_tmp/ts.l" "$_tmp/ts.f" "$_tmp/ok.json" --break \
	>"$_tmp/cmp.brk" 2>&1
check "the comparison notices a changed port" 1 \
	"$(grep -c '^not ok' "$_tmp/cmp.brk")"

# -v and --json show each layer in order.
check "JSON chain of 6in4: every header in the order of the frame" \
	"ipv4 6in4 ipv6 tcp" \
	"$(sed -n 1p "$_tmp/ok.json" | "$PY" -c 'import json,sys
print(" ".join(x["header"] for x in json.load(sys.stdin)["chain"]))')"
check "JSON chain of Teredo: the UDP header before the tunnel" \
	"ipv4 udp teredo ipv6 icmp6" \
	"$(sed -n 13p "$_tmp/ok.json" | "$PY" -c 'import json,sys
print(" ".join(x["header"] for x in json.load(sys.stdin)["chain"]))')"
check "JSON: the inner tuple and the outer one beside it" \
	"2001:db8::1 40000 198.51.100.1 41" \
	"$(sed -n 1p "$_tmp/ok.json" | "$PY" -c 'import json,sys
j = json.load(sys.stdin)
print(j["tuple"]["src"], j["tuple"]["sport"], j["outer_tuple"]["src"], j["outer_tuple"]["proto"])')"
run_ds dissect -r "$f" -v -c 1
check "-v: the tunnel is a header between the two packets" \
	"ipv4 (20 bytes)|6in4 (0 bytes)|ipv6 (40 bytes)|tcp (20 bytes)" \
	"$(printf '%s\n' "$out" | sed -n 's/^ *[0-9]*  \([a-z0-9]* ([0-9]* bytes)\)$/\1/p' |
		grep -v '^link' | paste -sd'|')"

# The summary counts tunnels by kind and inner family.
run_ds dissect -r "$f" --stats --json
check "--stats: frames through a tunnel" 14 "$(json_get 'j["tunnelled"]')"
check "--stats: tunnels by kind and inner family" \
	"4in6/ipv4=1 6in4/ipv6=1 6in6/ipv6=1 6to4/ipv6=2 gre/ipv4=2 gre/ipv6=2 ipip/ipv4=1 isatap/ipv6=1 teredo/ipv6=3" \
	"$(json_get '" ".join(sorted("%s/%s=%d" % (t["kind"], t["inner"], t["encapsulations"]) for t in j["tunnels"]))')"
run_ds dissect -r "$f" --stats
check "--stats text: a tunnel row" "         3  teredo -> ipv6 (Teredo)" \
	"$(printf '%s\n' "$out" | grep -- '-> ipv6 (Teredo)')"

# 20 nested encapsulations end cleanly at the limit, with an anomaly.
run_ds dissect -r "$cap/tun-deep.pcap" --json
check "20 nested tunnels: exit 0" 0 "$rc"
check "20 nested tunnels: 4 followed, then tunnel-depth" \
	"ipv6 6in6 ipv6 6in6 ipv6 6in6 ipv6 6in6 ipv6 ipv6|tunnel-depth|none" \
	"$(json_get '"%s|%s|%s" % (j["signature"], ",".join(j["anomalies"]), (j.get("error") or {}).get("kind", "none"))')"

# --inner: words on the innermost 5-tuple; a packet outside any tunnel is
# matched on its own. Frames by number (--json).
frames() {
	run_ds dissect -r "$f" --json "$@"
	[ "$rc" = 0 ] || { echo "exit $rc: $err"; return; }
	printf '%s\n' "$out" | "$PY" -c 'import json,sys
print(" ".join(str(json.loads(l)["frame"]) for l in sys.stdin if l.strip()))'
}
check "--inner 'tcp dport 80': the SYNs to port 80, tunnelled or not" \
	"1 14 15" "$(frames --inner 'tcp dport 80')"
check "--inner 'ip4 udp': inner IPv4 UDP (GRE in IPv6, DS-Lite, IPIP, plain)" \
	"8 9 11 16" "$(frames --inner 'ip4 udp')"
check "--inner 'src 2002::/16': the 6to4 sources" \
	"2 3" "$(frames --inner 'src 2002::/16')"
check "--inner 'host 2001:db8::2 port 40000': either side" \
	"1 15" "$(frames --inner 'host 2001:db8::2 port 40000')"
check "--inner 'icmp6' and the pcap filter on the outer packet" \
	"4 7" "$(frames --inner 'icmp6' 'ip and not ip6 and proto 47 or ip[9] == 41 and dst 198.51.100.2')"
check "--inner 'proto 59': the Teredo bubble" "12" \
	"$(frames --inner 'proto 59')"
check "--inner 'udp port 3544' is the inner tuple, not the outer" "" \
	"$(frames --inner 'udp port 3544')"
check "-c counts packets --inner kept" "6 8" \
	"$(frames --inner 'ip4' -c 2)"
run_ds dissect -r "$f" --stats --json --inner 'ip6 tcp'
check "--stats counts what --inner kept" 4 "$(json_get 'j["packets"]')"
for bad in 'dport x' 'foo' 'host' 'src 2001:zz' '' 'proto 256'; do
	run_ds dissect -r "$f" --inner "$bad"
	check "--inner '$bad' is a usage error" 2 "$rc"
done
run_ds dissect -r "$f" --inner 'dprot 80'
check "--inner: the message says which word" \
	"dualstack dissect: --inner 'dprot 80': unknown word 'dprot' at column 1 (ip4, ip6, tcp, udp, icmp6, icmp, proto, host, src, dst, port, sport, dport)" \
	"$(printf '%s\n' "$err" | head -1)"

# A pcapng file whose interfaces have different link types: its own
# message and exit 2, not "damaged".
run_ds dissect -r "$cap/tun-mixed.pcapng"
check "pcapng mixing link types: exit 2" 2 "$rc"
check "pcapng mixing link types: says so, with both types" \
	"dualstack dissect: $cap/tun-mixed.pcapng: stopped before the first packet: the pcapng file has interfaces of different link types (EN10MB, then RAW), and libpcap reads one link type per file; split it by interface first, e.g. tshark -r FILE -Y 'frame.interface_id == 1' -w part.pcapng" \
	"$err"

# -B: the live capture buffer, KiB as tcpdump takes it or with a unit.
for bad in 0 12x 1023b 3G -4; do
	run_ds dissect -i lo -B "$bad" -c 1
	check "-B $bad is a usage error" 2 "$rc"
done
run_ds dissect -r "$f" -B 4096
check "-B with -r is a usage error" 2 "$rc"
if [ "$(id -u)" = 0 ]; then
	# One UDP datagram to ::1 while capturing on lo with a 4 MiB ring.
	"$DUALSTACK" dissect -i lo -B 4M -c 1 --json 'udp port 9 and ip6' \
		>"$_tmp/live.json" 2>"$_tmp/live.err" &
	pid=$!
	for _ in $(seq 50); do
		grep -q capturing "$_tmp/live.err" 2>/dev/null && break
		sleep 0.1
	done
	for _ in 1 2 3 4 5; do
		"$PY" -c 'import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.sendto(b"x", ("::1", 9))'
		sleep 0.2
		kill -0 $pid 2>/dev/null || break
	done
	kill $pid 2>/dev/null
	wait $pid
	check "-i lo -B 4M: the capture runs and sees the datagram" "::1 9" \
		"$("$PY" -c 'import json,sys
j = json.loads(open(sys.argv[1]).readline())
print(j["tuple"]["dst"], j["tuple"]["dport"])' "$_tmp/live.json" 2>&1)"
else
	echo "# -B live capture not run: needs root"
fi

done_testing
