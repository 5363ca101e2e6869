#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# dualstack dissect against captures made to hurt: every packet of a dozen
# cut at every offset (as short records, and as whole frames whose IP
# lengths lie), 500 chained Destination Options headers, overlapping
# fragments, seeded random packets, and files that are garbage, empty, cut
# mid-record or mis-framed. For each: no crash (make check runs this under
# ASan and UBSan), an answer within 60 s, valid NDJSON, and the truncation
# or anomaly reported where one is expected -- and nowhere else.
#
# The captures come from tests/pcap/gen.py (Debian's python3-scapy, run by
# /usr/bin/python3), written offline into a temporary directory.
# tests/pcap/compare.py reads dualstack's JSON; the assertions below use its
# plain form (P: one dict per packet, see norm_ds there).
. "$(dirname "$0")/lib.sh"

top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
GEN="$top/tests/pcap/gen.py"
COMPARE="$top/tests/pcap/compare.py"

if ! "$PY" -c 'import scapy' 2>/dev/null; then
	echo "skip: $PY has no scapy (apt-get install python3-scapy; make deps)"
	exit 77
fi
cap=$_tmp/cap
if ! "$PY" "$GEN" "$cap" >"$_tmp/gen.out" 2>"$_tmp/gen.err"; then
	echo "not ok 1 - tests/pcap/gen.py writes the captures"
	sed 's/^/#   /' "$_tmp/gen.err"
	echo "1..1"
	exit 1
fi
ok "tests/pcap/gen.py wrote $(wc -l <"$_tmp/gen.out") captures"

# dissect NAME ARGS...: dualstack dissect ARGS, 60 s at most; output in
# $_tmp/NAME.out and .err, status in $rc.
dissect() {
	local name=$1
	shift
	timeout -k 5 60 "$DUALSTACK" dissect "$@" >"$_tmp/$name.out" \
		2>"$_tmp/$name.err"
	rc=$?
}

# survived NAME: the last run neither crashed, nor hung, nor tripped a
# sanitizer. Prints the reason otherwise.
survived() {
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "timed out (60 s)"
	elif [ $rc -ge 128 ]; then
		echo "killed by signal $((rc - 128))"
	elif grep -qE 'Sanitizer|runtime error:|LeakSanitizer' "$_tmp/$1.err"; then
		head -20 "$_tmp/$1.err" | tr '\n' ' '
	elif [ $rc -eq 3 ]; then
		echo "internal error (exit 3): $(head -3 "$_tmp/$1.err" | tr '\n' ' ')"
	else
		return 0
	fi
	return 1
}

# get NAME EXPR: a Python expression over $_tmp/NAME.out (P: plain
# packets, J: JSON objects); an invalid line prints the error instead.
get() {
	"$PY" "$COMPARE" get "$_tmp/$1.out" "$2" 2>&1 | tail -3
}

# count FILE: the packets gen.py wrote into a capture file.
count() {
	"$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["count"][sys.argv[2]])' \
		"$cap/manifest.json" "$1"
}

# --- every hostile file: no crash, bounded, valid NDJSON, every packet -------
for f in hostile-trunc-caplen.pcap hostile-trunc-caplen-sll2.pcap \
	hostile-trunc-plen.pcap hostile-random.pcap hostile-random-raw.pcap \
	hostile-random-ng.pcapng hostile-overlap.pcap hostile-empty.pcap \
	anom-deep.pcap; do
	n=${f%.pcap*}
	dissect "$n" -r "$cap/$f" --json
	if why=$(survived "$n"); then
		check "$f: --json exits 0" "0" "$rc"
		check "$f: one valid JSON object per packet" "$(count "$f")" \
			"$(get "$n" 'len(P)')"
	else
		not_ok "$f: --json survives" "$why"
	fi
	# The text and the tree output walk the same packets another way.
	for mode in text -v; do
		if [ $mode = text ]; then
			dissect "$n-text" -r "$cap/$f"
		else
			dissect "$n-text" -r "$cap/$f" -v
		fi
		if why=$(survived "$n-text"); then
			check "$f: $mode output exits 0" "0" "$rc"
		else
			not_ok "$f: $mode output survives" "$why"
		fi
	done
done

# The same bytes through standard input.
timeout -k 5 60 "$DUALSTACK" dissect -r - --json <"$cap/hostile-random.pcap" \
	>"$_tmp/stdin.out" 2>"$_tmp/stdin.err"
rc=$?
if why=$(survived stdin); then
	check "-r - (stdin) gives the same NDJSON as the file" "" \
		"$(cmp "$_tmp/stdin.out" "$_tmp/hostile-random.out" 2>&1)"
else
	not_ok "-r - (stdin) survives" "$why"
fi

# --stats --json adds up what the packets say (compare.py stats), hostile
# input included.
for n in hostile-random hostile-trunc-caplen hostile-trunc-plen anom-deep; do
	[ -s "$_tmp/$n.out" ] || continue
	dissect "$n-stats" -r "$cap/$n.pcap" --stats --json
	if ! why=$(survived "$n-stats"); then
		not_ok "$n.pcap: --stats survives" "$why"
		continue
	fi
	"$PY" "$COMPARE" stats "$_tmp/$n.out" "$_tmp/$n-stats.out" \
		>"$_tmp/$n.sum" 2>&1
	while IFS=$'\t' read -r st what detail; do
		case $st in
		ok) ok "$n.pcap: --stats $what add up" ;;
		*) not_ok "$n.pcap: --stats $what add up" "$detail" ;;
		esac
	done <"$_tmp/$n.sum"
done

# --- truncation: reported as truncation, consistent with the whole packet ---
# For each base packet the last record is the packet whole; each cut must
# decode to a prefix of it (tests/pcap/compare.py "trunc" lists the rules).
for pair in hostile-trunc-caplen:capture hostile-trunc-caplen-sll2:capture \
	hostile-trunc-plen:packet; do
	n=${pair%%:*} mode=${pair##*:}
	if [ ! -s "$_tmp/$n.out" ]; then
		not_ok "$n: truncation rules" "no output to check"
		continue
	fi
	"$PY" "$COMPARE" trunc "$cap/manifest.json" "$n.pcap" "$_tmp/$n.out" \
		"$mode" >"$_tmp/$n.rules" 2>&1
	while IFS=$'\t' read -r st what detail; do
		case $st in
		ok) ok "$n: $what" ;;
		"not ok") not_ok "$n: $what" "$detail" ;;
		*) not_ok "$n: compare.py trunc: $st $what $detail" ;;
		esac
	done <"$_tmp/$n.rules"
	[ -s "$_tmp/$n.rules" ] || not_ok "$n: compare.py trunc printed nothing"
done

# --- anomalies ----------------------------------------------------------------
# anomaly FILE PACKET NAME: packet PACKET (1-based) of FILE has anomaly
# NAME; "!NAME" asserts it does not.
anomaly() {
	local f=$1 i=$2 a=$3 n=${1%.pcap}
	if [ ! -f "$_tmp/$n.out" ]; then
		dissect "$n" -r "$cap/$f" --json
		if ! why=$(survived "$n"); then
			not_ok "$f survives" "$why"
			return
		fi
	fi
	case $a in
	!*) check "$f packet $i: not flagged ${a#!}" "False" \
		"$(get "$n" "'${a#!}' in P[$i - 1]['anom']")" ;;
	*) check "$f packet $i: flagged $a" "True" \
		"$(get "$n" "'$a' in P[$i - 1]['anom']")" ;;
	esac
}

anomaly anom-deep.pcap 1 chain-too-deep
check "500 Destination Options: all 500 counted" "500" \
	"$(get anom-deep 'P[0]["ip"]["ext_count"]')"
check "500 Destination Options: the walk reaches UDP 5 -> 5 behind them" \
	"(5, 5)" "$(get anom-deep 'tuple(P[0]["ip"]["ports"])')"
check "500 Destination Options: the stored chain starts 60, 60, 60" \
	"[60, 60, 60]" "$(get anom-deep 'P[0]["ip"]["chain"][:3]')"

anomaly anom-hbh-not-first.pcap 1 hbh-not-first
check "HbH not first: chain DST, HBH, UDP" "[60, 0, 17]" \
	"$(get anom-hbh-not-first 'P[0]["ip"]["chain"]')"
anomaly anom-repeated.pcap 1 ext-repeated
anomaly anom-repeated.pcap 1 rh0
anomaly anom-repeated.pcap 2 ext-repeated
anomaly anom-rfc7112.pcap 1 frag-chain-split
anomaly anom-rfc7112.pcap 2 '!frag-chain-split'
check "RFC 7112 first fragment: decoding stopped inside the DstOpts header" \
	"short-packet 60" \
	"$(get anom-rfc7112 'P[0]["err"]["kind"] + " " + str(P[0]["err"]["proto"])')"
anomaly anom-frag-nd.pcap 1 frag-nd
anomaly anom-frag-nd.pcap 2 '!frag-nd'
anomaly anom-frag-nd.pcap 3 frag-nd
# The RA's first fragment holds the whole ICMPv6 header and the RA's fixed
# part; only ND options continue in the next fragment. RFC 7112 section 2:
# the header chain ends with the upper-layer header, and the message body
# (the options) is not part of it, so this is no RFC 7112 violation.
anomaly anom-frag-nd.pcap 1 '!frag-chain-split'
anomaly anom-frag-nd.pcap 3 '!frag-chain-split'
anomaly anom-plen.pcap 1 len-mismatch
anomaly anom-plen.pcap 2 len-mismatch

# Well-formed captures carry none of these.
dissect ok-ext -r "$cap/ok-ext.pcap" --json
check "ok-ext.pcap: anomalies are only RH0 and the atomic fragment" \
	"[[], ['atomic-frag', 'rh0'], [], [], [], [], [], [], [], [], [], [], []]" \
	"$(get ok-ext '[sorted(p["anom"]) for p in P]')"
check "ok-ext.pcap: a jumbogram (RFC 2675) is no anomaly, its length read" \
	"[] 70040" "$(get ok-ext 'str(P[12]["anom"]) + " " + str(P[12]["ip"]["total_len"])')"
for f in ok-basic ok-icmpv6 ok-nd ok-mld; do
	dissect "$f" -r "$cap/$f.pcap" --json
	check "$f.pcap: no anomaly, no error" "set()" \
		"$(get "$f" 'set(a for p in P for a in p["anom"]) | set(p["err"]["kind"] for p in P if p["err"])')"
done

# Experimental headers 253 and 254 (RFC 4727): tshark does not walk them,
# so their chains are checked here.
dissect ok-exp -r "$cap/ok-exp.pcap" --json
check "253 is an extension header: the chain goes on to UDP" \
	"[253, 17] (1, 2)" \
	"$(get ok-exp 'str(P[0]["ip"]["chain"]) + " " + str(tuple(P[0]["ip"]["ports"]))')"
check "254 after DstOpts, then TCP" "[60, 254, 6] (1, 2)" \
	"$(get ok-exp 'str(P[1]["ip"]["chain"]) + " " + str(tuple(P[1]["ip"]["ports"]))')"

# --- broken files: a clean error, what came before the damage -------------------
# broken FILE PACKETS: dualstack prints the PACKETS whole records before the
# damage and exits 1 or 2 with a message; never 0, never a crash.
broken() {
	local f=$1 want=$2 n=${1%.pcap*}
	n=${n%.bin}
	dissect "$n" -r "$cap/$f" --json
	if ! why=$(survived "$n"); then
		not_ok "$f: survives" "$why"
		return
	fi
	case $rc in
	1 | 2) ok "$f: exit $rc" ;;
	*) not_ok "$f: exits 1 or 2" "exit $rc" ;;
	esac
	if [ -s "$_tmp/$n.err" ]; then
		ok "$f: says why: $(head -1 "$_tmp/$n.err" | cut -c1-100)"
	else
		not_ok "$f: says why on stderr" "stderr is empty"
	fi
	check "$f: the $want packets before the damage" "$want" \
		"$(get "$n" 'len(P)')"
	# When the message counts the packets read, it counts those shown.
	local said
	said=$(grep -oE 'after packet [0-9]+' "$_tmp/$n.err" | head -1)
	if [ -n "$said" ]; then
		check "$f: the message counts the packets shown" \
			"after packet $want" "$said"
	fi
}
broken bad-garbage.bin 0
broken bad-empty.pcap 0
broken bad-short-header.pcap 0
broken bad-cut-record-header.pcap 1
broken bad-cut-record-data.pcap 1
broken bad-huge-caplen.pcap 0
broken bad-ng-cut.pcapng 8
broken bad-ng-blocklen.pcapng 0
broken bad-ng-tiny-block.pcapng 0
broken bad-ng-no-idb.pcapng 0

# caplen > len: libpcap hands the record over as it is; the decoder must
# not be asked to read more than was captured, nor refuse the whole file.
dissect caplen-gt-len -r "$cap/bad-caplen-gt-len.pcap" --json
if why=$(survived caplen-gt-len); then
	ok "caplen > len: no crash (exit $rc)"
	check "caplen > len: still one JSON object" "1" \
		"$(get caplen-gt-len 'len(P)')"
else
	not_ok "caplen > len: survives" "$why"
fi

# pcapng interfaces of several link types: libpcap refuses such files;
# tshark reads them. Either is acceptable here, a crash is not.
dissect multilink -r "$cap/hostile-ng-multilink.pcapng" --json
if why=$(survived multilink); then
	case $rc in
	0) check "pcapng with 5 link types: every packet" "500" \
		"$(get multilink 'len(P)')" ;;
	1 | 2) ok "pcapng with 5 link types: refused cleanly (exit $rc: $(
		head -1 "$_tmp/multilink.err" | cut -c1-80))" ;;
	*) not_ok "pcapng with 5 link types: exit 0, 1 or 2" "exit $rc" ;;
	esac
else
	not_ok "pcapng with 5 link types: survives" "$why"
fi

# A directory and a file that does not exist: errors, not crashes.
dissect dir -r "$cap" --json
if why=$(survived dir) && [ $rc -ne 0 ]; then
	ok "a directory is refused (exit $rc)"
else
	not_ok "a directory is refused" "exit $rc ${why:-}"
fi
dissect missing -r "$cap/no-such-file.pcap"
if why=$(survived missing) && [ $rc -ne 0 ]; then
	ok "a missing file is refused (exit $rc)"
else
	not_ok "a missing file is refused" "exit $rc ${why:-}"
fi

done_testing
