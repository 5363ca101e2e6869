#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# dualstack dissect --json against tshark -T fields, field by field, on
# captures made here: every Next Header value of the IPv6 chain (Hop-by-Hop
# with Pad1/PadN/Router Alert/Jumbo, Routing types 0, 2, 3 and 4, Fragment,
# Destination Options, AH, ESP, Mobility, HIP, Shim6, No Next Header),
# fragments, ICMPv6 errors with the invoking packet, echo, Neighbor
# Discovery with its options, MLDv1 and MLDv2, TCP and UDP ports, VLAN
# tags, and the link layers Ethernet, 802.1Q/802.1ad, Linux SLL and SLL2,
# raw IP and BSD loopback, in pcap (both byte orders, micro- and
# nanoseconds) and pcapng.
#
# The captures come from tests/pcap/gen.py (scapy, offline). The field
# mapping on both sides, and what each class compares, is in
# tests/pcap/compare.py. tshark is the reference; where it does not decode
# something (the experimental headers 253/254) dissect-hostile.sh checks
# dualstack's values directly.
. "$(dirname "$0")/lib.sh"

top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
GEN="$top/tests/pcap/gen.py"
COMPARE="$top/tests/pcap/compare.py"

if ! command -v tshark >/dev/null; then
	echo "skip: tshark is not installed (apt-get install tshark; make deps)"
	exit 77
fi
if ! "$PY" -c 'import scapy' 2>/dev/null; then
	echo "skip: $PY has no scapy (apt-get install python3-scapy; make deps)"
	exit 77
fi
# tshark keeps a profile in $HOME; give it one of its own.
export HOME=$_tmp
cap=$_tmp/cap
if ! "$PY" "$GEN" "$cap" >"$_tmp/gen.out" 2>"$_tmp/gen.err"; then
	echo "not ok 1 - tests/pcap/gen.py writes the captures"
	sed 's/^/#   /' "$_tmp/gen.err"
	echo "1..1"
	exit 1
fi
ok "tests/pcap/gen.py wrote $(wc -l <"$_tmp/gen.out") captures"

# The chain is too deep for tshark's tree (it stops with a dissector
# assertion), so anom-deep.pcap is checked by dissect-hostile.sh only.
for f in "$cap"/ok-*.pcap "$cap"/ok-*.pcapng "$cap"/anom-*.pcap; do
	b=$(basename "$f")
	[ "$b" = anom-deep.pcap ] && continue
	timeout -k 5 60 "$DUALSTACK" dissect -r "$f" --json >"$_tmp/$b.json" \
		2>"$_tmp/$b.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		not_ok "$b: dissect --json exits 0" "exit $rc" \
			"$(head -5 "$_tmp/$b.err" | tr '\n' ' ')"
		continue
	fi
	# The one-line output says what the JSON says: the chain in order,
	# the addresses and ports (compare.py text).
	timeout -k 5 60 "$DUALSTACK" dissect -r "$f" >"$_tmp/$b.txt" 2>&1
	"$PY" "$COMPARE" text "$_tmp/$b.json" "$_tmp/$b.txt" >"$_tmp/$b.diff" 2>&1
	timeout -k 5 60 "$PY" "$COMPARE" diff "$f" "$_tmp/$b.json" \
		>>"$_tmp/$b.diff" 2>&1
	while IFS=$'\t' read -r st cls detail; do
		case $st in
		ok)
			if [ "$cls" = text ]; then
				ok "$b: text output, one line per packet with the JSON's chain and addresses ($detail)"
			else
				ok "$b: $cls agrees with tshark ($detail)"
			fi
			;;
		"not ok") not_ok "$b: $cls agrees" "$detail" ;;
		*) not_ok "$b: compare.py: $st $cls $detail" ;;
		esac
	done <"$_tmp/$b.diff"
	[ -s "$_tmp/$b.diff" ] || not_ok "$b: compare.py printed nothing"
done

# A pcap-filter(7) expression on a file: the packets tshark's equivalent
# display filter picks, named by their place in the file.
while IFS='|' read -r file bpf dfilter; do
	want=$(tshark -n -r "$cap/$file" -o ipv6.defragment:FALSE -Y "$dfilter" \
		-T fields -e frame.number 2>/dev/null | tr '\n' ' ')
	timeout -k 5 60 "$DUALSTACK" dissect -r "$cap/$file" --json "$bpf" \
		>"$_tmp/filter.json" 2>"$_tmp/filter.err"
	got=$("$PY" -c 'import json,sys
print(" ".join(str(json.loads(l)["frame"]) for l in open(sys.argv[1])), end=" ")' \
		"$_tmp/filter.json" 2>&1)
	check "$file, filter '$bpf': frames $want" "$want" "$got"
done <<'EOF'
ok-nd.pcap|icmp6 and ip6[40] == 135|icmpv6.type == 135
ok-ext.pcap|ip6 proto 0|ipv6.nxt == 0
ok-basic.pcap|ip|ip
ok-frag.pcap|ip6[6] == 44|ipv6.nxt == 44
ok-mld.pcap|ip6 multicast|ipv6.dst == ff00::/8
ok-link-vlan.pcap|vlan 100|vlan.id == 100
EOF
timeout -k 5 60 "$DUALSTACK" dissect -r "$cap/ok-nd.pcap" "bogus ((" \
	>/dev/null 2>"$_tmp/filter.err"
check "a filter that does not parse is a usage error" "2" "$?"

# The comparison itself must be able to fail: one value changed in
# dualstack's side is noticed, in every class that has values in these
# captures (compare.py selftest).
for b in ok-ext.pcap ok-nd.pcap ok-icmpv6.pcap ok-mld.pcap ok-frag.pcap \
	ok-link-vlan.pcap; do
	[ -s "$_tmp/$b.json" ] || continue
	"$PY" "$COMPARE" selftest "$cap/$b" "$_tmp/$b.json" >"$_tmp/self" 2>&1
	while IFS=$'\t' read -r st cls detail; do
		case $st in
		ok) ok "$b: the $cls comparison can fail ($detail)" ;;
		*) not_ok "$b: the $cls comparison can fail" "$st $detail" ;;
		esac
	done <"$_tmp/self"
done
# The same traffic in another file format decodes the same.
for pair in ok-nd.pcap:ok-nsec-be.pcap ok-link-sll.pcap:ok-link-sll2.pcap; do
	a=${pair%%:*} b=${pair##*:}
	check "$a and $b: the same packets, the same decode" "True" \
		"$(PYTHONDONTWRITEBYTECODE=1 "$PY" -c '
import sys
sys.path.insert(0, sys.argv[1])
import compare as c
strip = lambda p: {k: v for k, v in p.items() if k not in ("caplen", "wirelen")}
a = [strip(c.norm_ds(o)) for o in c.read_ndjson(sys.argv[2])]
b = [strip(c.norm_ds(o)) for o in c.read_ndjson(sys.argv[3])]
print(a == b)' "$top/tests/pcap" "$_tmp/$a.json" "$_tmp/$b.json" 2>&1)"
done

done_testing
