#!/usr/bin/env bash
# dualstack ra watch / learn on captures built with scapy (ra-gen.py): the
# verdict for each kind of RA, the events, the baseline round trip, the
# flood threshold, exit codes and usage errors.
. "$(dirname "$0")/lib.sh"

if ! $PY -c 'import scapy.all' 2>/dev/null; then
	echo "skip: $PY has no scapy"; exit 77
fi
$PY "$(dirname "$0")/ra-gen.py" "$_tmp" >/dev/null 2>&1 ||
	{ echo "skip: could not build the captures"; exit 77; }

# Every RA of mixed.pcap with its verdict: "SOURCE VERDICT REASONS".
run_ds ra watch -r "$_tmp/mixed.pcap" --all --json
check "watch mixed: exit 1 (anomalies)" 1 "$rc"
table=$(printf '%s\n' "$out" | $PY -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l)
    if e["event"]["code"] == "ra.router":
        r = e["ra"]
        print(r["source"], r["verdict"], ",".join(r["reasons"]) or "-",
              ",".join(r["chain"]) or "-")
')
want="fe80::1 accepted - -
fe80::bad accepted - -
fe80::d0 accepted - dst
fe80::b0 accepted - hbh
fe80::a0 ignored fragmented frag
fe80::64 ignored hop-limit -
2001:db8::66 ignored source-not-link-local -
fe80::cc ignored checksum -
fe80::20 ignored option-length-0 -
fe80::1 accepted - -
fe80::6 accepted - -
fe80::1 ignored fragmented frag"
check "watch mixed: a verdict per RA, with reasons and chain" "$want" "$table"

codes=$(printf '%s\n' "$out" | $PY -c '
import json, sys
print(" ".join(sorted({json.loads(l)["event"]["code"] for l in sys.stdin})))')
check "watch mixed: event kinds" \
	"ra.behind-extension-headers ra.ignored ra.new-router ra.odd-prefix ra.router ra.spoofed-leaving" \
	"$codes"

run_ds ra watch -r "$_tmp/mixed.pcap"
check "text: spoofed leaving names the real MAC" 1 \
	"$(grep -c 'fe80::1 02:00:00:00:00:bb error: router lifetime 0 in the name of a known router.*peer 02:00:00:00:00:01' <<<"$out")"
check "text: the 6to4 prefix is named" 1 \
	"$(grep -c 'prefix 2002:c000:204::/64; 6to4' <<<"$out")"

# Baseline: learn the legitimate router, then watch against it.
run_ds ra learn -r "$_tmp/legit.pcap" -o "$_tmp/base"
check "learn: exit 0" 0 "$rc"
check "learn: one stanza" 1 "$(grep -c '^router fe80::1$' "$_tmp/base")"
check "learn: its prefix" 1 "$(grep -c 'prefix 2001:db8:1::/64 L A' "$_tmp/base")"
run_ds ra watch -r "$_tmp/legit.pcap" --baseline "$_tmp/base"
check "watch legit against its baseline: nothing, exit 0" "0:" "$rc:$out"
run_ds ra watch -r "$_tmp/changed.pcap" --baseline "$_tmp/base" --json
check "changed router: exit 1" 1 "$rc"
got=$(printf '%s\n' "$out" | $PY -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l)["event"]
    print(e["code"], e["evidence"].get("change", e["evidence"].get("kind", "")))')
check "changed router: a change, not a rogue" "ra.changed prefix-added
ra.changed lifetime
ra.odd-prefix documentation" "$got"
check "changed router: the prefix added is named" 1 \
	"$(grep -c '"change":"prefix-added","prefix":"2001:db8:2::/64"' <<<"$out")"
run_ds ra watch -r "$_tmp/mixed.pcap" --baseline "$_tmp/base" --json
check "mixed against the baseline: the rogue is unknown" 1 \
	"$(grep -c '"code":"ra.unknown-router","severity":"error","subject":{"router":"fe80::bad"}' <<<"$out")"
check "mixed against the baseline: the legitimate router is not" 0 \
	"$(grep -c '"ra.unknown-router".*"fe80::1"' <<<"$out")"

run_ds ra watch -r "$_tmp/mixed.pcap" --router 02:00:00:00:00:01 \
	--prefix 2001:db8:1::/64 --json
check "--router MAC: the rogue's prefix is outside the baseline" 1 \
	"$(grep -c '"ra.unknown-prefix".*"prefix":"2001:db8:bad::/64"' <<<"$out")"

# Flood: 40 routers in 0.8 s.
run_ds ra watch -r "$_tmp/flood.pcap" --flood-rate 10
check "flood above the rate" 1 "$(grep -c 'error: RA flood: count 11; seen 11; rate 10' <<<"$out")"
run_ds ra watch -r "$_tmp/flood.pcap" --flood-rate 100
check "no flood under the rate" 0 "$(grep -c 'RA flood' <<<"$out")"

run_ds ra watch -r "$_tmp/legit.pcap" --baseline "$_tmp/base" --once --all
check "--once: one RA, exit 0" "0 1" "$rc $(grep -c 'router advertisement' <<<"$out")"
run_ds ra watch -r "$_tmp/mixed.pcap" --count 2 --all --router fe80::1
check "--count 2: stops after the rogue, exit 1" "1 2" "$rc $(grep -c 'router advertisement' <<<"$out")"

# Usage and input errors.
run_ds ra watch
check "no source: exit 2" 2 "$rc"
run_ds ra watch -r "$_tmp/legit.pcap" --router nonsense
check "bad --router: exit 2" 2 "$rc"
printf 'router fe80::1\n\tlifetime lots\n' >"$_tmp/bad"
run_ds ra watch -r "$_tmp/legit.pcap" --baseline "$_tmp/bad"
check "bad baseline: exit 2, file and line" "2 1" "$rc $(grep -c "bad:2: 'lots'" <<<"$err")"
run_ds ra watch -r /nonexistent.pcap
check "missing file: exit 2" 2 "$rc"
run_ds ra watch -r "$_tmp/legit.pcap" --json --syslog
check "--json with --syslog: exit 2" 2 "$rc"
run_ds ra --help
check "--help: exit 0, usage" "0 1" "$rc $(grep -c '^usage: dualstack ra watch' <<<"$out")"
done_testing
