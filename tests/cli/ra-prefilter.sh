#!/usr/bin/env bash
# ds_ra_prefilter() drops only frames the full path would do nothing
# with: tests/unit/test-ra-prefilter.c checks every frame of the bench's
# capture (bench/ra-gen.py: ordinary traffic, RAs plain, behind
# Destination Options and Hop-by-Hop, fragmented) and every fuzz/ra input
# against ds_packet_decode() + ds_ra_parse(), and shows that a planted
# wrong prefilter is caught. Then "ra watch -r" on that capture reports
# every RA ra-gen.py wrote, and RAs inside 6in4 and Teredo are found.
. "$(dirname "$0")/lib.sh"
: "${DS_TOP:?}" "${DS_BUILD:?}"

t=$DS_BUILD/tests/test-ra-prefilter
if [ ! -x "$t" ]; then
	echo "skip: $t not built (no cmocka)"; exit 77
fi
if ! $PY -c 'import scapy' 2>/dev/null; then
	echo "skip: $PY has no scapy for bench/ra-gen.py"; exit 77
fi

# 10000 frames hold 100 RAs: one of each kind ra-gen.py cycles through.
$PY "$DS_TOP/bench/ra-gen.py" --count 10000 "$_tmp/ra.pcap" >"$_tmp/gen" ||
	{ echo "Bail out! bench/ra-gen.py failed"; exit 1; }
ras=$(sed -n 's/^ras=\([0-9]*\).*/\1/p' "$_tmp/gen")

CMOCKA_MESSAGE_OUTPUT=TAP "$t" "$_tmp/ra.pcap" "$DS_TOP"/fuzz/corpus/ra/* \
	>"$_tmp/unit" 2>&1
rc=$?
sed 's/^/# /' "$_tmp/unit"
check "prefilter against the full decoder: capture and fuzz corpus" 0 "$rc"
check "capture: the prefilter missed nothing" 1 \
	"$(grep -c '^# capture files: .*missed: prefilter 0,' "$_tmp/unit")"
check "fuzz inputs: the prefilter missed nothing" 1 \
	"$(grep -c '^# fuzz inputs: .*missed: prefilter 0,' "$_tmp/unit")"
check "capture: the planted icmp6-only prefilter is caught" 1 \
	"$(grep -c '^# capture files: .*planted icmp6-only [1-9]' "$_tmp/unit")"

run_ds ra watch -r "$_tmp/ra.pcap" --all --json
check "ra watch -r: every RA of the capture reported" "$ras" \
	"$(grep -c '"code":"ra.router"' "$_tmp/out")"
# RAs inside tunnels the decoder follows (6in4, Teredo over UDP 3544):
# found in a file. A prefilter that drops IPv4 frames missed both.
$PY - "$_tmp/tun.pcap" <<'PYEOF' 2>/dev/null
import sys
from scapy.all import (IP, UDP, Ether, ICMPv6ND_RA, IPv6, wrpcap)
eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
ra = IPv6(src="fe80::1", dst="ff02::1", hlim=255) / ICMPv6ND_RA()
v4 = IP(src="192.0.2.1", dst="192.0.2.2")
wrpcap(sys.argv[1], [eth / v4 / ra,
                     eth / v4 / UDP(sport=3544, dport=40000) / ra])
PYEOF
run_ds ra watch -r "$_tmp/tun.pcap" --all --json
check "ra watch -r: the RAs in 6in4 and in Teredo are reported" 2 \
	"$(grep -c '"code":"ra.router"' "$_tmp/out")"
done_testing
