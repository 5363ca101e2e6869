#!/usr/bin/env bash
# dualstack dissect -X/-XX/-x/-xx/-A and -e against tcpdump on the same
# packets, and gzip-compressed captures read through (-r FILE.gz, -r -).
# The captures are written here with scapy; no packet is sent.
. "$(dirname "$0")/lib.sh"

if ! $PY -c 'import scapy' 2>/dev/null; then
	echo "skip: $PY has no scapy (python3-scapy)"; exit 77
fi
if ! command -v tcpdump >/dev/null || ! command -v gzip >/dev/null; then
	echo "skip: tcpdump (the reference) or gzip is not installed"; exit 77
fi

cat >"$_tmp/gen.py" <<'PYEOF'
import sys
from scapy.all import *
d = sys.argv[1]
e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
v6 = IPv6(src="2001:db8::1", dst="2001:db8::2")
v4 = IP(src="192.0.2.1", dst="192.0.2.2")
eth = [
    # Text with CR LF, a CR inside a line and one at the very end.
    e/v6/TCP(sport=1234, dport=80, flags="PA")
      /Raw(b"GET / HTTP/1.1\r\nHost: x\r\nA\rB\t \r\n\r\n"),
    e/v4/UDP(sport=53, dport=5353)/Raw(bytes(range(256)) * 3),
    e/Dot1Q(vlan=100, prio=3)/v6/ICMPv6EchoRequest(data=b"abc"),
    e/Dot1AD(vlan=10, id=1)/Dot1Q(vlan=20)/v4/ICMP()/Raw(b"hello world\n"),
    Ether(src="02:00:00:00:00:01", dst="ff:ff:ff:ff:ff:ff")
      /ARP(psrc="192.0.2.1", pdst="192.0.2.2"),
    e/v4/UDP(sport=1, dport=2)/Raw(b"x"),
    e/v4/UDP(sport=1, dport=2)/Raw(b"end\r"),
    Dot3(src="02:00:00:00:00:01", dst="01:80:c2:00:00:00")/LLC()/STP(),
    e/v6/UDP(sport=1, dport=2)/Raw(b"A" * 3000),
]
wrpcap(d + "/eth.pcap", eth)
for i, p in enumerate(eth):
    wrpcap("%s/eth-%d.pcap" % (d, i), [p])
p6 = v6/UDP(sport=1, dport=2)/Raw(b"hi")
wrpcap(d + "/sll.pcap", [
    CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6,
                src=b"\x02\x00\x00\x00\x00\x01\x00\x00", proto=0x86dd)/p6,
    CookedLinux(pkttype=4, lladdrtype=772, lladdrlen=6, src=b"\x00" * 8,
                proto=0x0800)/v4/ICMP(),
    CookedLinux(pkttype=1, lladdrtype=1, lladdrlen=6,
                src=b"\x02\x00\x00\x00\x00\x03\x00\x00", proto=0x86dd)/p6,
    CookedLinux(pkttype=3, lladdrtype=1, lladdrlen=6,
                src=b"\x02\x00\x00\x00\x00\x04\x00\x00", proto=0x86dd)/p6])
wrpcap(d + "/sll2.pcap", [
    CookedLinuxV2(proto=0x86dd, ifindex=999, lladdrtype=1, pkttype=2,
                  lladdrlen=6, src=b"\x02\x00\x00\x00\x00\x01\x00\x00")/p6,
    CookedLinuxV2(proto=0x0800, ifindex=998, lladdrtype=772, pkttype=4,
                  lladdrlen=6, src=b"\x00" * 8)/v4/ICMP()])
# Many packets, for the gzip reader's buffers, and a pcapng copy (the
# libpcap reader under gzip).
big = [e/v6/UDP(sport=i, dport=53)/Raw(bytes([i % 256]) * (i % 1400))
       for i in range(3000)]
wrpcap(d + "/big.pcap", big)
wrpcapng(d + "/big.pcapng", big[:500])
PYEOF
$PY "$_tmp/gen.py" "$_tmp" 2>/dev/null ||
	{ echo "Bail out! scapy could not write"; exit 1; }

# The dump lines (a tab, then 0x...) of a run, from tcpdump and from us.
dumplines() { grep -P '^\t0x' || true; }
tcpd() { tcpdump -n "$@" 2>/dev/null; }

# same NAME FILE_A FILE_B: the files are equal, else the first lines of
# their difference.
same() {
	if cmp -s "$2" "$3"; then ok "$1"; else
		not_ok "$1" "$(diff "$2" "$3" | head -8)"
	fi
}
for f in eth sll sll2; do
	for opt in -X -XX -x -xx; do
		tcpd -r "$_tmp/$f.pcap" "$opt" | dumplines >"$_tmp/want"
		"$DUALSTACK" dissect -r "$_tmp/$f.pcap" "$opt" | dumplines \
			>"$_tmp/got"
		same "$opt on $f.pcap: the dump lines are tcpdump's" \
			"$_tmp/want" "$_tmp/got"
	done
done
tcpd -r "$_tmp/eth.pcap" -X | dumplines >"$_tmp/want"
"$DUALSTACK" dissect -r "$_tmp/eth.pcap" -v -X | dumplines >"$_tmp/got"
same "-X -v: the dump follows each tree too" "$_tmp/want" "$_tmp/got"
n=$("$DUALSTACK" dissect -r "$_tmp/eth.pcap" -X | dumplines | wc -l)
[ "$n" -gt 250 ] && ok "-X dumps every packet ($n lines)" ||
	not_ok "-X dumps every packet" "$n lines"

# -A: everything after each packet's first line, one packet at a time.
for i in 0 1 2 3 4 5 6 7 8; do
	f=$_tmp/eth-$i.pcap
	tcpd -r "$f" -A | tail -n +2 >"$_tmp/want"
	"$DUALSTACK" dissect -r "$f" -A | tail -n +2 >"$_tmp/got"
	same "-A on packet $i: the text after the line is tcpdump's" \
		"$_tmp/want" "$_tmp/got"
done
for i in 0 2; do
	tcpd -r "$_tmp/eth-$i.pcap" -AA | tail -n +2 >"$_tmp/want"
	"$DUALSTACK" dissect -r "$_tmp/eth-$i.pcap" -AA | tail -n +2 >"$_tmp/got"
	same "-AA on packet $i: from the link header, as tcpdump's" \
		"$_tmp/want" "$_tmp/got"
done

# --json: -X adds "hex", the bytes -X dumps (-XX: from the link header).
run_ds dissect -r "$_tmp/eth-0.pcap" --json -X
check "--json -X: hex is the packet from the network header" \
	"$(tcpd -r "$_tmp/eth-0.pcap" -x | dumplines | cut -d: -f2 | tr -d ' \t\n')" \
	"$(json_get 'j["hex"]')"
run_ds dissect -r "$_tmp/eth-0.pcap" --json -XX
check "--json -XX: hex is the whole frame" \
	"$(od -An -tx1 -v -j 40 "$_tmp/eth-0.pcap" | tr -d ' \n')" \
	"$(json_get 'j["hex"]')"
run_ds dissect -r "$_tmp/eth-0.pcap" --json
check "--json without -X has no hex" "False" "$(json_get '"hex" in j')"
run_ds dissect -r "$_tmp/eth.pcap" -A --json
check "-A with --json is a usage error" 2 "$rc"
run_ds dissect -r "$_tmp/eth.pcap" -X --stats
check "-X with --stats is a usage error" 2 "$rc"
run_ds dissect -r "$_tmp/eth.pcap" -e -w "$_tmp/w.pcap"
check "-e with -w is a usage error" 2 "$rc"

# -e: what comes between the time and the rest of our own line must be
# the start of tcpdump -e's line after the time. tcpdump puts the
# capturing host's name for an SLL2 interface index in front (or "?"),
# which a file does not hold: that name is left out of the comparison.
cat >"$_tmp/e.py" <<'PYEOF'
import re, sys
plain, withe, tcpd = [open(a).read().splitlines() for a in sys.argv[1:4]]
sll2 = sys.argv[4] == "1"
bad = []
if not (len(plain) == len(withe) == len(tcpd)):
    bad.append("line counts %d %d %d" % (len(plain), len(withe), len(tcpd)))
for p, e, t in zip(plain, withe, tcpd):
    tm = p.split(" ")[0]
    rest = p[len(tm):]
    if not e.startswith(tm) or not e.endswith(rest) or len(e) <= len(p):
        bad.append("not a prefix: %r / %r" % (p, e)); continue
    link = e[len(tm):len(e) - len(rest)]
    tt = t[len(tm):]
    if sll2:
        tt = re.sub(r"^ \S+ +", " ", tt)
    if not tt.startswith(link + " "):
        bad.append("ours %r, tcpdump %r" % (link, tt))
print("\n".join(bad))
PYEOF
for f in eth sll sll2; do
	"$DUALSTACK" dissect -r "$_tmp/$f.pcap" >"$_tmp/p.txt"
	"$DUALSTACK" dissect -r "$_tmp/$f.pcap" -e >"$_tmp/e.txt"
	tcpd -r "$_tmp/$f.pcap" -e >"$_tmp/t.txt"
	check "-e on $f.pcap: the link header as tcpdump -e shows it" "" \
		"$($PY "$_tmp/e.py" "$_tmp/p.txt" "$_tmp/e.txt" "$_tmp/t.txt" \
			"$([ $f = sll2 ] && echo 1 || echo 0)")"
done
run_ds dissect -r "$_tmp/eth-3.pcap" -e
case "$out" in *"02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype 802.1Q-QinQ (0x88a8), length 62: vlan 10, p 0, DEI, ethertype 802.1Q (0x8100), vlan 20, p 0, ethertype IPv4 (0x0800),"*)
	ok "-e: both tags of a QinQ frame, DEI too" ;;
*) not_ok "-e: both tags of a QinQ frame, DEI too" "$out" ;; esac

# --- gzip --------------------------------------------------------------------
for f in big.pcap big.pcapng eth.pcap; do
	gzip -c "$_tmp/$f" >"$_tmp/$f.gz"
	"$DUALSTACK" dissect -r "$_tmp/$f" >"$_tmp/plain.txt" 2>&1
	run_ds dissect -r "$_tmp/$f.gz"
	check "$f.gz exits 0" 0 "$rc"
	check "$f.gz reads as $f" "$(cat "$_tmp/plain.txt")" "$out"
	out=$("$DUALSTACK" dissect -r - <"$_tmp/$f.gz" 2>&1)
	check "$f.gz on standard input reads as $f" \
		"$(cat "$_tmp/plain.txt")" "$out"
done
out=$(cat "$_tmp/big.pcap.gz" | "$DUALSTACK" dissect -r - --stats --json)
check "gzip through a pipe: --stats counts every packet" 3000 \
	"$(json_get 'j["packets"]')"
# The magic decides, not the name.
cp "$_tmp/big.pcap.gz" "$_tmp/renamed.pcap"
run_ds dissect -r "$_tmp/renamed.pcap" -c 5
check "a gzip file without .gz is read too" 5 "$(printf '%s\n' "$out" | wc -l)"
# Two gzip members, as "cat a.gz b.gz" makes.
head -c 24 "$_tmp/eth.pcap" >"$_tmp/h.pcap"
tail -c +25 "$_tmp/eth.pcap" >"$_tmp/t.bin"
cat <(gzip -c "$_tmp/h.pcap") <(gzip -c "$_tmp/t.bin") >"$_tmp/two.pcap.gz"
check "concatenated gzip members read as one file" \
	"$("$DUALSTACK" dissect -r "$_tmp/eth.pcap")" \
	"$("$DUALSTACK" dissect -r "$_tmp/two.pcap.gz" 2>&1)"

# Cut short: the packets before the cut, then where the data ends.
size=$(stat -c %s "$_tmp/big.pcap.gz")
head -c $((size / 2)) "$_tmp/big.pcap.gz" >"$_tmp/cut.pcap.gz"
run_ds dissect -r "$_tmp/cut.pcap.gz"
check "a gzip cut after packets exits 1, as a cut pcap does" 1 "$rc"
case "$err" in *"$_tmp/cut.pcap.gz: damaged or cut short after packet "*": gzip data cut short: the file ends at byte $((size / 2)) "*)
	ok "the cut gzip's error names the file and the offset" ;;
*) not_ok "the cut gzip's error names the file and the offset" "$err" ;; esac
n=$(printf '%s\n' "$out" | wc -l)
[ "$n" -gt 100 ] && [ "$n" -lt 3000 ] &&
	ok "the packets before the cut are shown ($n)" ||
	not_ok "the packets before the cut are shown" "$n"
head -c 30 "$_tmp/big.pcap.gz" >"$_tmp/cut30.pcap.gz"
run_ds dissect -r "$_tmp/cut30.pcap.gz"
check "a gzip cut before the first packet exits 2" 2 "$rc"
check "... and says where" \
	"dualstack dissect: $_tmp/cut30.pcap.gz: gzip data cut short: the file ends at byte 30 inside the compressed stream" \
	"$err"
run_ds dissect -r - <"$_tmp/cut30.pcap.gz"
check "the same on standard input" \
	"dualstack dissect: standard input: gzip data cut short: the file ends at byte 30 inside the compressed stream" \
	"$err"
printf '\037\213\010\000garbage-garbage' >"$_tmp/bad.pcap.gz"
run_ds dissect -r "$_tmp/bad.pcap.gz"
check "damaged gzip data exits 2" 2 "$rc"
case "$err" in *"bad.pcap.gz: gzip data damaged near byte "*) ok "the damage is named with its offset" ;;
*) not_ok "the damage is named with its offset" "$err" ;; esac
printf 'hello\n' | gzip -c >"$_tmp/text.gz"
run_ds dissect -r "$_tmp/text.gz"
check "gzip of something else: not a pcap file, exit 2" 2 "$rc"

# ra watch reads captures through the same reader.
run_ds ra watch -r "$_tmp/big.pcap.gz" --json
check "ra watch -r FILE.gz reads it (no RA in it: exit 0)" 0 "$rc"
run_ds ra watch -r "$_tmp/cut30.pcap.gz"
check "ra watch -r of a cut gzip: exit 2" 2 "$rc"
case "$err" in *"gzip data cut short"*) ok "ra watch names the gzip damage" ;;
*) not_ok "ra watch names the gzip damage" "$err" ;; esac

done_testing
