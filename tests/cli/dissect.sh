#!/usr/bin/env bash
# dualstack dissect: options, exit codes and output, on captures this script
# writes itself (scapy's wrpcap, offline: no packet is sent, except in the
# live test on the loopback interface, which needs root).
. "$(dirname "$0")/lib.sh"

if ! $PY -c 'import scapy' 2>/dev/null; then
	echo "skip: $PY has no scapy (python3-scapy)"; exit 77
fi

# --- captures ----------------------------------------------------------------
# Seven packets a second apart from 1700000000 (2023-11-14 22:13:20 UTC):
# 1 IPv6 HbH(Router Alert) + Fragment + UDP, 2 IPv4 TCP SYN with MSS,
# 3 IPv6 TCP SYN, 4 Router Advertisement with prefix, MTU and RDNSS, 5 Packet
# Too Big quoting a TCP packet, 6 IPv4 UDP, 7 IPv4 echo request. Then
# more.pcap with an anomaly or a special case per packet, and damaged files.
cat >"$_tmp/gen.py" <<'EOF'
import random, struct, sys
from decimal import Decimal
from scapy.all import *

d = sys.argv[1]
def E(dst="02:00:00:00:00:02"):
    return Ether(src="02:00:00:00:00:01", dst=dst)
def at(p, t):
    p.time = Decimal(t)
    return p

sample = [
    at(E("33:33:00:01:00:02")/IPv6(src="2001:db8::1", dst="ff02::1:2", hlim=1)
       /IPv6ExtHdrHopByHop(options=[RouterAlert()])
       /IPv6ExtHdrFragment(m=1, offset=0, id=0x1234)
       /UDP(sport=546, dport=547)/Raw(b"x" * 16), "1700000000.123456"),
    at(E()/IP(src="192.0.2.1", dst="198.51.100.2", id=7)
       /TCP(sport=40000, dport=80, flags="S", seq=1000, window=64240,
            options=[("MSS", 1460)]), "1700000001.000001"),
    at(E()/IPv6(src="2001:db8::1", dst="2001:db8::2")
       /TCP(sport=40001, dport=443, flags="S", seq=2000, window=64800,
            options=[("MSS", 1440), ("SAckOK", b""), ("WScale", 7)]),
       "1700000002.5"),
    at(E("33:33:00:00:00:01")/IPv6(src="fe80::1", dst="ff02::1", hlim=255)
       /ICMPv6ND_RA(chlim=64, M=1, O=1, prf=1, routerlifetime=1800)
       /ICMPv6NDOptPrefixInfo(prefix="2001:db8:1::", prefixlen=64)
       /ICMPv6NDOptMTU(mtu=1500)/ICMPv6NDOptRDNSS(dns=["2001:db8::53"]),
       "1700000003"),
    at(E()/IPv6(src="2001:db8::fe", dst="2001:db8::1")
       /ICMPv6PacketTooBig(mtu=1280)
       /IPv6(src="2001:db8::1", dst="2001:db8::2")
       /TCP(sport=40001, dport=443, flags="A"), "1700000004"),
    at(E()/IP(src="192.0.2.1", dst="192.0.2.53")/UDP(sport=5353, dport=53)
       /Raw(b"abc"), "1700000005"),
    at(E()/IP(src="192.0.2.1", dst="192.0.2.2")/ICMP(type=8, id=1, seq=2),
       "1700000006"),
]
wrpcap(d + "/sample.pcap", sample)
wrpcapng(d + "/sample.pcapng", sample)
wrpcap(d + "/sample-ns.pcap", sample, nano=True)

more = [
    E()/IPv6(src="2001:db8::1", dst="2001:db8::2")/IPv6ExtHdrDestOpt()
       /IPv6ExtHdrHopByHop()/UDP(sport=1, dport=2),
    E()/IPv6(src="fe80::2", dst="fe80::1", hlim=64)
       /ICMPv6ND_NA(tgt="2001:db8::2", R=0, S=1, O=1),
    E("ff:ff:ff:ff:ff:ff")/ARP(psrc="192.0.2.1", pdst="192.0.2.2"),
    E()/Dot1Q(vlan=100)/IPv6(src="2001:db8::1", dst="2001:db8::2")
       /ICMPv6EchoRequest(id=7, seq=8),
    E()/IPv6(src="2001:db8::1", dst="2001:db8::2")
       /IPv6ExtHdrFragment(offset=154, m=0, id=0x1234, nh=17)/Raw(b"y" * 40),
    E()/IPv6(src="2001:db8::1", dst="2001:db8::2")
       /IPv6ExtHdrSegmentRouting(addresses=["2001:db8::a", "2001:db8::b",
                                            "2001:db8::c"], segleft=1)
       /TCP(sport=5, dport=6, flags="SA", seq=1, ack=2),
    E()/IPv6(src="fe80::1", dst="ff02::1", hlim=255)/ICMPv6ND_RA()
       /ICMPv6NDOptDNSSL(searchlist=["example.com", 'a"b.test']),
]
for i, p in enumerate(more):
    at(p, "1700000100")
wrpcap(d + "/more.pcap", more)

# Packet 1 of the sample cut by a snapshot length of 66 bytes: inside the
# Fragment header (Ethernet 14 + IPv6 40 + HbH 8 = 62).
raw1 = bytes(sample[0])
with open(d + "/snap.pcap", "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 66, 1))
    f.write(struct.pack("<IIII", 1700000000, 0, 66, len(raw1)) + raw1[:66])

blob = open(d + "/sample.pcap", "rb").read()
open(d + "/cut.pcap", "wb").write(blob[:300])
open(d + "/garbage.bin", "wb").write(bytes(random.Random(7).randrange(256)
                                          for _ in range(1000)))
open(d + "/empty.pcap", "wb").close()

# Damaged copies: random bytes changed past the file header.
rnd = random.Random(42)
srcs = [blob, open(d + "/more.pcap", "rb").read()]
for i in range(40):
    b = bytearray(rnd.choice(srcs))
    for _ in range(rnd.randint(1, 24)):
        b[rnd.randrange(24, len(b))] = rnd.randrange(256)
    if rnd.random() < 0.25:
        b = b[:rnd.randrange(24, len(b))]
    open("%s/fuzz-%02d.pcap" % (d, i), "wb").write(b)
EOF
if ! $PY "$_tmp/gen.py" "$_tmp" >"$_tmp/gen.log" 2>&1; then
	echo "1..1"; echo "not ok 1 - writing the test captures"
	sed 's/^/#   /' "$_tmp/gen.log"; exit 1
fi
S=$_tmp/sample.pcap

# lines N: line N of $out.
line() { printf '%s\n' "$out" | sed -n "${1}p"; }
nlines() { if [ -z "$out" ]; then echo 0; else printf '%s\n' "$out" | wc -l | tr -d ' '; fi; }

# --- options and exit codes --------------------------------------------------
run_ds dissect --help
check "--help exits 0" 0 "$rc"
case "$out" in "usage: dualstack dissect"*"-r FILE"*) ok "--help shows the usage" ;;
*) not_ok "--help shows the usage" "$out" ;; esac
run_ds help dissect
check "help dissect exits 0" 0 "$rc"

run_ds dissect
check "no source is a usage error" 2 "$rc"
case "$err" in *"give -r FILE or -i INTERFACE"*) ok "no source: says what to give" ;;
*) not_ok "no source: says what to give" "$err" ;; esac
run_ds dissect -r "$S" -i lo
check "-r and -i together exit 2" 2 "$rc"
run_ds dissect -r
check "-r without a file exits 2" 2 "$rc"
run_ds dissect -r "$S" -c 0
check "-c 0 exits 2" 2 "$rc"
run_ds dissect -r "$S" -c 1x
check "-c 1x exits 2" 2 "$rc"
run_ds dissect -r "$S" --frobnicate
check "unknown option exits 2" 2 "$rc"
run_ds dissect -r "$S" -v --json
check "-v with --json exits 2" 2 "$rc"
run_ds dissect -r "$S" --time=moon
check "--time with a bad format exits 2" 2 "$rc"

run_ds dissect -r "$S" 'ip6 and'
check "a bad filter exits 2" 2 "$rc"
case "$err" in *"bad filter 'ip6 and'"*"syntax error"*) ok "bad filter: libpcap's message" ;;
*) not_ok "bad filter: libpcap's message" "$err" ;; esac
check "bad filter: nothing on stdout" "" "$out"

run_ds dissect -r "$_tmp/garbage.bin"
check "garbage file exits 2" 2 "$rc"
case "$err" in *"not a pcap or pcapng file"*) ok "garbage: 'not a pcap or pcapng file'" ;;
*) not_ok "garbage: 'not a pcap or pcapng file'" "$err" ;; esac
run_ds dissect -r "$_tmp/empty.pcap"
check "empty file exits 2" 2 "$rc"
case "$err" in *"empty"*) ok "empty file: said so" ;;
*) not_ok "empty file: said so" "$err" ;; esac
run_ds dissect -r "$_tmp/no-such-file.pcap"
check "missing file exits 2" 2 "$rc"
case "$err" in *"no-such-file.pcap: No such file or directory"*) ok "missing file named" ;;
*) not_ok "missing file named" "$err" ;; esac

# --- one line per packet -----------------------------------------------------
run_ds dissect -r "$S"
check "sample: exits 0" 0 "$rc"
check "sample: one line per packet" 7 "$(nlines)"
check "HbH + Fragment + UDP: the whole chain" \
	"22:13:20.123456 IPv6 hbh(RA) frag(off=0,M,id=0x1234) udp 2001:db8::1.546 > ff02::1:2.547 len=16" \
	"$(line 1)"
check "IPv4 TCP SYN with MSS" \
	"22:13:21.000001 IPv4 tcp 192.0.2.1.40000 > 198.51.100.2.80 [S] seq=1000 win=64240 mss=1460 len=0" \
	"$(line 2)"
check "IPv6 TCP SYN with options" \
	"22:13:22.500000 IPv6 tcp 2001:db8::1.40001 > 2001:db8::2.443 [S] seq=2000 win=64800 mss=1440 ws=7 sackok len=0" \
	"$(line 3)"
check "Router Advertisement: flags, preference, options" \
	"22:13:23.000000 IPv6 icmp6 fe80::1 > ff02::1 ra hop=64 M O pref=high life=1800 prefix 2001:db8:1::/64 mtu 1500 rdnss 2001:db8::53" \
	"$(line 4)"
check "Packet Too Big with the invoking packet" \
	"22:13:24.000000 IPv6 icmp6 2001:db8::fe > 2001:db8::1 ptb mtu=1280 {IPv6 tcp 2001:db8::1.40001 > 2001:db8::2.443}" \
	"$(line 5)"
check "IPv4 UDP" \
	"22:13:25.000000 IPv4 udp 192.0.2.1.5353 > 192.0.2.53.53 len=3" "$(line 6)"
check "IPv4 echo request" \
	"22:13:26.000000 IPv4 icmp 192.0.2.1 > 192.0.2.2 echo-request id=1 seq=2" \
	"$(line 7)"
want=$out

run_ds dissect -r "$_tmp/sample.pcapng"
check "pcapng: exits 0" 0 "$rc"
check "pcapng: the same lines as pcap" "$want" "$out"

"$DUALSTACK" dissect -r - <"$S" >"$_tmp/o1" 2>&1
check "-r - reads a redirected stdin" "$want" "$(cat "$_tmp/o1")"
cat "$_tmp/sample.pcapng" | "$DUALSTACK" dissect -r - >"$_tmp/o2" 2>&1
check "-r - reads pcapng from a pipe" "$want" "$(cat "$_tmp/o2")"

run_ds dissect -r "$_tmp/sample-ns.pcap" -c 1
check "nanosecond pcap: nine digits" \
	"22:13:20.123456000 IPv6 hbh(RA) frag(off=0,M,id=0x1234) udp 2001:db8::1.546 > ff02::1:2.547 len=16" \
	"$out"

run_ds dissect -r "$S" -c 1
check "-c 1: one line" 1 "$(nlines)"
run_ds dissect -r "$S" --time=epoch -c 1
case "$out" in "1700000000.123456 IPv6 "*) ok "--time=epoch" ;;
*) not_ok "--time=epoch" "$out" ;; esac
run_ds dissect -r "$S" --time=date -c 1
case "$out" in "2023-11-14 22:13:20.123456 IPv6 "*) ok "--time=date" ;;
*) not_ok "--time=date" "$out" ;; esac
run_ds dissect -r "$S" --time=relative -c 2
case "$(line 2)" in "0.876545 IPv4 "*) ok "--time=relative" ;;
*) not_ok "--time=relative" "$out" ;; esac

# --- filters -----------------------------------------------------------------
run_ds dissect -r "$S" ip6
check "filter ip6: the IPv6 packets" 4 "$(nlines)"
run_ds dissect -r "$S" ip and '(tcp or icmp)'
check "filter 'ip and (tcp or icmp)' (arguments joined)" \
	"22:13:21.000001 IPv4 tcp 192.0.2.1.40000 > 198.51.100.2.80 [S] seq=1000 win=64240 mss=1460 len=0
22:13:26.000000 IPv4 icmp 192.0.2.1 > 192.0.2.2 echo-request id=1 seq=2" "$out"
# libpcap's "udp" reads the IPv6 Next Header: the HbH packet is not taken.
run_ds dissect -r "$S" ip6 and udp
check "filter 'ip6 and udp' as libpcap compiles it" 0 "$(nlines)"
run_ds dissect -r "$S" -c 2 ip6
check "-c counts matching packets" \
	"22:13:20.123456 22:13:22.500000" "$(printf '%s\n' "$out" | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"
run_ds dissect -r "$S" --json icmp6
check "json frame numbers count every packet of the file" "4 5" \
	"$(printf '%s\n' "$out" | $PY -c 'import json,sys; print(" ".join(str(json.loads(l)["frame"]) for l in sys.stdin))')"

# --- damaged captures --------------------------------------------------------
run_ds dissect -r "$_tmp/cut.pcap"
check "file cut mid-record exits 1" 1 "$rc"
check "cut file: the packets before the cut are shown" 2 "$(nlines)"
case "$err" in *"cut.pcap: damaged or cut short after packet 2: truncated dump file"*)
	ok "cut file: a warning naming the last good packet" ;;
*) not_ok "cut file: a warning naming the last good packet" "$err" ;; esac

run_ds dissect -r "$_tmp/snap.pcap"
check "snapshot length inside the Fragment header" \
	"22:13:20.000000 IPv6 hbh(RA) 2001:db8::1 > ff02::1:2 [truncated in frag at 62]" "$out"
check "a truncated packet is not a failure" 0 "$rc"

# --- special cases -----------------------------------------------------------
run_ds dissect -r "$_tmp/more.pcap"
check "more: exits 0" 0 "$rc"
check "anomaly: HbH after DestOpts" \
	"22:15:00.000000 IPv6 dst hbh udp 2001:db8::1.1 > 2001:db8::2.2 len=0 [anomaly: hbh-not-first]" \
	"$(line 1)"
check "anomaly: NA with hop limit 64" \
	"22:15:00.000000 IPv6 icmp6 fe80::2 > fe80::1 na tgt=2001:db8::2 S O [anomaly: nd-hoplimit]" \
	"$(line 2)"
check "ARP: not IP" \
	"22:15:00.000000 ARP 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff len=42" "$(line 3)"
check "VLAN tag and echo request" \
	"22:15:00.000000 vlan(100) IPv6 icmp6 2001:db8::1 > 2001:db8::2 echo-request id=7 seq=8" \
	"$(line 4)"
check "non-first fragment" \
	"22:15:00.000000 IPv6 frag(off=1232,id=0x1234) data(udp) 2001:db8::1 > 2001:db8::2 len=40" \
	"$(line 5)"
check "Segment Routing header" \
	"22:15:00.000000 IPv6 rt(type=4,segs=3,left=1) tcp 2001:db8::1.5 > 2001:db8::2.6 [S.] seq=1 ack=2 win=8192 len=0" \
	"$(line 6)"
case "$(line 7)" in *" dnssl example.com,a\"b.test") ok "DNSSL names" ;;
*) not_ok "DNSSL names" "$(line 7)" ;; esac

# --- the field tree ----------------------------------------------------------
run_ds dissect -r "$S" -v -c 1
check "-v exits 0" 0 "$rc"
case "$out" in "frame 1 2023-11-14 22:13:20.123456 UTC caplen "*) ok "-v: frame header" ;;
*) not_ok "-v: frame header" "$(line 1)" ;; esac
for want_line in \
	"   12    ethertype: 0x86dd (IPv6)" \
	"   38    dst: ff02::1:2" \
	"   54  hbh (8 bytes)" \
	"   56      type: 5 (Router Alert)" \
	"   66    id: 0x00001234" \
	"   70    sport: 546"; do
	if printf '%s\n' "$out" | grep -qxF -- "$want_line"; then
		ok "-v: '$want_line'"
	else
		not_ok "-v: '$want_line'" "$out"
	fi
done

# --- JSON ----------------------------------------------------------------------
# jcheck NAME EXPECTED EXPR: EXPR over j = the objects of $out, one per line.
jcheck() {
	check "$1" "$2" "$(printf '%s\n' "$out" |
		$PY -c "import json,sys; j=[json.loads(l) for l in sys.stdin]; print($3)" 2>&1)"
}
run_ds dissect -r "$S" --json
check "--json exits 0" 0 "$rc"
jcheck "--json: one object per packet" 7 'len(j)'
jcheck "json: time and exact stamp" "2023-11-14T22:13:20.123456Z 1700000000 123456000" \
	'j[0]["time"], j[0]["ts_sec"], j[0]["ts_nsec"]'
jcheck "json: the chain as headers" "ipv6 hbh frag udp" \
	'" ".join(h["header"] for h in j[0]["chain"])'
jcheck "json: signature" "ipv6 hbh frag udp" 'j[0]["signature"]'
jcheck "json: HbH Router Alert option" "5 Router Alert 56" \
	'" ".join(str(x) for x in (j[0]["chain"][1]["options"][0][k] for k in ("type","type_name","off")))'
jcheck "json: fragment fields" "0 True 4660" \
	'" ".join(str(j[0]["chain"][2][k]) for k in ("offset","more","id"))'
jcheck "json: UDP ports" "546 547 16" \
	'" ".join(str(j[0]["chain"][3][k]) for k in ("sport","dport","payload_length"))'
jcheck "json: TCP MSS" "1460 S" 'j[1]["chain"][1]["mss"], j[1]["chain"][1]["flags"]'
jcheck "json: the 5-tuple of a TCP packet" "6 192.0.2.1 40000 198.51.100.2 80" \
	'" ".join(str(j[1]["tuple"][k]) for k in ("proto", "src", "sport", "dst", "dport"))'
jcheck "json: the 5-tuple of a first fragment has the UDP ports" "17 546 547" \
	'" ".join(str(j[0]["tuple"][k]) for k in ("proto", "sport", "dport"))'
jcheck "json: RA ND options" "3 5 25" \
	'" ".join(str(o["type"]) for o in j[3]["chain"][1]["nd_options"])'
jcheck "json: RA prefix and RDNSS" "2001:db8:1::/64 2001:db8::53" \
	'j[3]["chain"][1]["nd_options"][0]["prefix"], j[3]["chain"][1]["nd_options"][2]["servers"][0]'
jcheck "json: PTB invoking packet" "1280 ipv6 tcp 2001:db8::2" \
	'j[4]["chain"][1]["mtu"], " ".join(h["header"] for h in j[4]["chain"][1]["invoking"]["chain"]), j[4]["chain"][1]["invoking"]["chain"][0]["dst"]'
jcheck "json: link layer" "EN10MB 2048 02:00:00:00:00:01" \
	'j[1]["link"]["type"], j[1]["link"]["ethertype"], j[1]["link"]["src"]'

run_ds dissect -r "$_tmp/more.pcap" --json
jcheck "json: anomalies by name" "['hbh-not-first']" 'j[0]["anomalies"]'
jcheck "json: a quote in a DNSSL name is escaped" 'a"b.test' \
	'j[6]["chain"][1]["nd_options"][0]["domains"][1]'
run_ds dissect -r "$_tmp/snap.pcap" --json
jcheck "json: truncation as an error object" "truncated frag 62" \
	'j[0]["error"]["kind"], j[0]["error"]["layer"], j[0]["error"]["off"]'

bad=""
for f in "$_tmp"/fuzz-*.pcap; do
	"$DUALSTACK" dissect -r "$f" --json >"$_tmp/fz" 2>"$_tmp/fzerr"
	frc=$?
	if [ $frc -gt 2 ] || ! $PY -c '
import json, sys
for l in open(sys.argv[1]): json.loads(l)' "$_tmp/fz" 2>/dev/null; then
		bad="$bad $(basename "$f"):$frc"
	fi
	"$DUALSTACK" dissect -r "$f" -v >/dev/null 2>&1 || [ $? -le 2 ] || bad="$bad $(basename "$f"):-v"
done
check "damaged files: valid JSON on every line, no crash" "" "$bad"

# --- the summary ---------------------------------------------------------------
run_ds dissect -r "$S" --stats
check "--stats exits 0" 0 "$rc"
case "$out" in "packets: 7 ("*) ok "--stats: packet count" ;;
*) not_ok "--stats: packet count" "$out" ;; esac
if printf '%s\n' "$out" | grep -qE '^ +2  ipv6 icmp6$' &&
	printf '%s\n' "$out" | grep -qE '^ +1  ipv6 hbh frag udp$'; then
	ok "--stats: chains with counts"
else
	not_ok "--stats: chains with counts" "$out"
fi
if printf '%s\n' "$out" | grep -qE '^ +1  134/0 Router Advertisement$'; then
	ok "--stats: ICMPv6 type/code"
else
	not_ok "--stats: ICMPv6 type/code" "$out"
fi

run_ds dissect -r "$_tmp/more.pcap" --stats --json
check "--stats --json exits 0" 0 "$rc"
check "--stats --json: one document" 7 "$(json_get 'j["packets"]')"
check "--stats --json: anomalies" "1 1" \
	"$(json_get 'str(j["anomalies"]["hbh-not-first"]) + " " + str(j["anomalies"]["nd-hoplimit"])')"
check "--stats --json: most frequent chain first" "ipv6 icmp6 3" \
	"$(json_get 'j["chains"][0]["chain"] + " " + str(j["chains"][0]["packets"])')"
check "--stats --json: not IP" 1 "$(json_get 'j["non_ip"]')"
run_ds dissect -r "$_tmp/cut.pcap" --stats --json
check "--stats on a cut file: exit 1" 1 "$rc"
check "--stats on a cut file: still one valid document" "2 True" \
	"$(json_get 'str(j["packets"]) + " " + str(j["file_damaged"])')"

# --- live capture ----------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	run_ds dissect -i lo -c 1
	check "live without root exits 3" 3 "$rc"
	case "$err" in *"needs root or CAP_NET_RAW"*) ok "live without root: says why" ;;
	*) not_ok "live without root: says why" "$err" ;; esac
	echo "ok $((_n + 1)) - live capture on lo # SKIP not root"; _n=$((_n + 1))
else
	run_ds dissect -i ds-no-such-if0 -c 1
	check "live on a missing interface exits 2" 2 "$rc"
	case "$err" in *"ds-no-such-if0: no such interface"*) ok "missing interface named" ;;
	*) not_ok "missing interface named" "$err" ;; esac
	port=$((40000 + RANDOM % 20000))
	timeout 20 "$DUALSTACK" dissect -i lo -c 1 udp port $port \
		>"$_tmp/live" 2>"$_tmp/live.err" &
	pid=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		sleep 0.3
		$PY -c "import socket,sys; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.sendto(b'hello', ('::1', int(sys.argv[1])))" $port 2>/dev/null
		kill -0 $pid 2>/dev/null || break
	done
	wait $pid
	lrc=$?
	case "$lrc:$(cat "$_tmp/live")" in
	"0:"*" IPv6 udp ::1."*" > ::1.$port len=5") ok "live capture on lo with a filter" ;;
	*) not_ok "live capture on lo with a filter" "exit $lrc" "$(cat "$_tmp/live" "$_tmp/live.err")" ;;
	esac
	case "$(cat "$_tmp/live.err")" in *"1 packets captured"*"received by the kernel"*)
		ok "live: kernel counters on stderr" ;;
	*) not_ok "live: kernel counters on stderr" "$(cat "$_tmp/live.err")" ;; esac
	# SIGINT ends a capture cleanly with exit 0.
	"$DUALSTACK" dissect -i lo udp port $((port + 1)) >"$_tmp/live2" 2>"$_tmp/live2.err" &
	pid=$!
	sleep 0.5
	kill -INT $pid
	wait $pid
	check "live: SIGINT stops with exit 0" 0 "$?"
fi

done_testing
