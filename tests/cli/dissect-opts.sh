#!/usr/bin/env bash
# dualstack dissect's tcpdump conventions: -w FILE and the -t forms, on a
# capture this script writes itself (scapy, no packet is sent). tshark
# reads back what -w wrote. -X, -A, -e and .pcap.gz: dissect-dump.sh.
. "$(dirname "$0")/lib.sh"

if ! $PY -c 'import scapy' 2>/dev/null; then
	echo "skip: $PY has no scapy (python3-scapy)"; exit 77
fi

# Four packets a second apart from 1700000000 (2023-11-14 22:13:20 UTC):
# 1 IPv6 UDP, 2 IPv4 TCP SYN, 3 IPv6 TCP SYN, 4 IPv4 UDP with "hello".
cat >"$_tmp/gen.py" <<'PYEOF'
import sys
from decimal import Decimal
from scapy.all import *
d = sys.argv[1]
def E():
    return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
def at(p, t):
    p.time = Decimal(t)
    return p
pk = [
    at(E()/IPv6(src="2001:db8::1", dst="2001:db8::2")/UDP(sport=1000, dport=53)
       /Raw(b"q"), "1700000000.123456"),
    at(E()/IP(src="192.0.2.1", dst="198.51.100.2")/TCP(sport=40000, dport=80,
       flags="S"), "1700000001.000001"),
    at(E()/IPv6(src="2001:db8::1", dst="2001:db8::2")/TCP(sport=40001,
       dport=443, flags="S"), "1700000002.5"),
    at(E()/IP(src="192.0.2.1", dst="192.0.2.53")/UDP(sport=5353, dport=53)
       /Raw(b"hello"), "1700000003.25"),
]
wrpcap(d + "/s.pcap", pk)
wrpcap(d + "/s-ns.pcap", pk, nano=True)
PYEOF
$PY "$_tmp/gen.py" "$_tmp" || { echo "Bail out! scapy could not write"; exit 1; }
S=$_tmp/s.pcap

# tshark: count the packets in a file, and their time stamps (epoch).
count() { tshark -r "$1" -T fields -e frame.number 2>/dev/null | wc -l; }
times() { tshark -r "$1" -T fields -e frame.time_epoch 2>/dev/null | tr '\n' ' '; }

# --- -w ----------------------------------------------------------------------
if ! command -v tshark >/dev/null; then
	ok "# SKIP -w: no tshark to read it back"
else
	run_ds dissect -r "$S" -w "$_tmp/all.pcap"
	check "-w exits 0" 0 "$rc"
	check "-w prints no lines" "" "$out"
	check "-w: tshark reads all 4 packets" 4 "$(count "$_tmp/all.pcap")"
	run_ds dissect -r "$S" -w "$_tmp/v6.pcap" ip6
	check "-w with a BPF filter writes only what matched" 2 \
		"$(count "$_tmp/v6.pcap")"
	check "-w: the written packets are the IPv6 ones" \
		"$(tshark -r "$S" -Y ipv6 -T fields -e frame.time_epoch | tr '\n' ' ')" \
		"$(times "$_tmp/v6.pcap")"
	run_ds dissect -r "$S" -w "$_tmp/tcp.pcap" --inner tcp
	check "-w with --inner writes only what matched" 2 \
		"$(count "$_tmp/tcp.pcap")"
	run_ds dissect -r "$S" -w "$_tmp/c1.pcap" -c 1 udp
	check "-w with -c writes COUNT packets" 1 "$(count "$_tmp/c1.pcap")"
	run_ds dissect -r "$_tmp/s-ns.pcap" -w "$_tmp/ns.pcap"
	check "-w keeps nanosecond time stamps" "$(times "$_tmp/s-ns.pcap")" \
		"$(times "$_tmp/ns.pcap")"
	"$DUALSTACK" dissect -r "$S" -w - tcp >"$_tmp/stdout.pcap" 2>"$_tmp/err"
	check "-w - writes pcap to standard output" 2 "$(count "$_tmp/stdout.pcap")"
	cmp -s "$_tmp/all.pcap" <("$DUALSTACK" dissect -r "$_tmp/all.pcap" -w -) &&
		ok "-w of a -w file is the same bytes" ||
		not_ok "-w of a -w file is the same bytes"
	run_ds dissect -r "$S" --stats -w "$_tmp/st.pcap" udp
	case "$rc:$out" in 0:*[a-z]*) ok "-w with --stats prints the summary" ;;
	*) not_ok "-w with --stats prints the summary" "$rc" "$out" ;; esac
	check "-w with --stats writes the packets" 2 "$(count "$_tmp/st.pcap")"
fi
run_ds dissect -r "$S" -w "$_tmp/no/such/dir.pcap"
check "-w into a missing directory exits 3" 3 "$rc"
case "$err" in *"-w $_tmp/no/such/dir.pcap"*) ok "the error names the -w file" ;;
*) not_ok "the error names the -w file" "$err" ;; esac
run_ds dissect -r "$S" -w "$_tmp/x.pcap" -v
check "-w with -v is a usage error" 2 "$rc"
run_ds dissect -r "$S" -w - --stats
check "-w - with --stats is a usage error" 2 "$rc"
if [ -e /dev/full ]; then
	run_ds dissect -r "$S" -w /dev/full
	check "-w to a full disk exits 3" 3 "$rc"
	case "$err" in *"No space left"*) ok "the full-disk error says so" ;;
	*) not_ok "the full-disk error says so" "$err" ;; esac
fi

# --- the -t forms, as tcpdump means them -------------------------------------
first() { "$DUALSTACK" dissect -r "$S" "$@" 2>&1 | awk '{print $1, $2}' | tr '\n' ';'; }
check "-tt: seconds since the epoch" \
	"1700000000.123456 IPv6;1700000001.000001 IPv4;1700000002.500000 IPv6;1700000003.250000 IPv4;" \
	"$(first -tt)"
check "-ttt: since the packet before" \
	"0.000000 IPv6;0.876545 IPv4;1.499999 IPv6;0.750000 IPv4;" "$(first -ttt)"
check "-tttt: the date and the time" \
	"2023-11-14 22:13:20.123456;2023-11-14 22:13:21.000001;2023-11-14 22:13:22.500000;2023-11-14 22:13:23.250000;" \
	"$(first -tttt)"
check "-ttttt: since the first packet" \
	"0.000000 IPv6;0.876545 IPv4;2.376544 IPv6;3.126544 IPv4;" "$(first -ttttt)"
check "-t -t -t -t is -tttt" "$(first -tttt)" "$(first -t -t -t -t)"
check "-tttt after -r" "$(first -tttt)" \
	"$("$DUALSTACK" dissect -r "$S" -tttt | awk '{print $1, $2}' | tr '\n' ';')"
run_ds dissect -r "$S" -t
check "-t alone is a usage error" 2 "$rc"
case "$err" in *"-tttt (date)"*) ok "the -t error lists the forms" ;;
*) not_ok "the -t error lists the forms" "$err" ;; esac
run_ds dissect -r "$S" -tttttt
check "-tttttt is a usage error" 2 "$rc"
run_ds dissect -r "$S" -tt --time=date
check "-tt with --time is a usage error" 2 "$rc"

done_testing
