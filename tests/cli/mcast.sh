#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# dualstack mcast on the command line: usage, the errors that name the
# fix (a link-local group without -i, an SSM group without a source), and
# a send and a listen over the loopback interface, IPv4 (the host's lo has
# no IPv6 multicast route): every datagram seen, with the hop limit sent,
# in order, in text and NDJSON. The scenarios between namespaces are
# tests/net/mcast.sh.
. "$(dirname "$0")/lib.sh"

# A port for this run, away from the well-known ones.
port=$((40000 + $$ % 20000))
group=239.255.77.$(($$ % 250 + 1))

run_ds mcast --help
check "--help exits 0" 0 "$rc"
check "--help shows the forms" 5 "$(printf '%s\n' "$out" | grep -c -E '^(usage:|      ) dualstack mcast (listen|send|ping|check) ')"
run_ds mcast
check "no subcommand: usage error" 2 "$rc"
run_ds mcast frobnicate 239.1.1.1
check "unknown subcommand: usage error" 2 "$rc"

run_ds mcast listen ff02::1:3
check "ff02:: without -i: usage error" 2 "$rc"
check "ff02:: without -i: says to give an interface" 1 \
	"$(printf '%s\n' "$err" | grep -c 'needs an interface: name one, as with -i eth0 or ff02::1%eth0')"
run_ds mcast send '[ff02::1:3]:5000'
check "send to ff02:: without -i: usage error" 2 "$rc"
run_ds mcast listen 224.0.0.251
check "224.0.0.0/24 without -i: usage error" 2 "$rc"
run_ds mcast listen 232.1.2.3 -i lo
check "SSM group without --source: usage error" 2 "$rc"
check "SSM group without --source: names --source" 1 \
	"$(printf '%s\n' "$err" | grep -c 'needs a source: name one, as with --source')"
run_ds mcast listen 232.1.2.3 -i lo --source 2001:db8::1
check "source of the other family: usage error" 2 "$rc"
run_ds mcast listen 192.0.2.1 -i lo
check "unicast group: usage error" 2 "$rc"
check "unicast group: says so" 1 "$(printf '%s\n' "$err" | grep -c 'not a multicast address')"
run_ds mcast listen 239.1.1.1 -i no-such-if0
check "unknown interface: usage error" 2 "$rc"
run_ds mcast send 239.1.1.1
check "send without a port: usage error" 2 "$rc"
run_ds mcast listen 239.1.1.1 -i lo --rate 5
check "an option of send given to listen: usage error" 2 "$rc"
run_ds mcast send 239.1.1.1:5000 --hops 256
check "--hops 256: usage error" 2 "$rc"
run_ds mcast send 239.1.1.1:5000 --size 23
check "--size below the probe: usage error" 2 "$rc"
run_ds mcast send 239.1.1.1:5000 --rate 0
check "--rate 0: usage error" 2 "$rc"
run_ds mcast send '[ff01::1]:5000' -i lo --no-loop
check "ff01:: with --no-loop: usage error" 2 "$rc"
check "ff01:: with --no-loop: says why" 1 "$(printf '%s\n' "$err" | grep -c 'reaches only this host')"

run_ds mcast ping 239.1.1.1:5000 -i lo --count 0
check "ping --count 0: usage error" 2 "$rc"
run_ds mcast ping 239.1.1.1:5000 -i lo --interval 0.0001
check "ping --interval below 1ms: usage error" 2 "$rc"
run_ds mcast ping 232.1.1.1:5000 -i lo
check "ping an SSM group without --source: usage error" 2 "$rc"
run_ds mcast ping --help
check "ping --help names --respond" 1 "$(printf '%s\n' "$out" | grep -c '^ping --respond: join GROUP')"

run_ds mcast check 239.1.1.1
check "check without -i: usage error" 2 "$rc"
check "check without -i: says it needs one" 1 "$(printf '%s\n' "$err" | grep -c 'check needs -i IFACE')"

# A listener on lo, then a sender: four datagrams with hop limit 9.
"$DUALSTACK" mcast listen "$group:$port" -i lo --count 4 --timeout 10 \
	>"$_tmp/listen" 2>"$_tmp/listen.err" &
lpid=$!
# The listener has joined when it says so.
for _ in $(seq 50); do
	grep -q '^joined' "$_tmp/listen" 2>/dev/null && break
	sleep 0.1
done
run_ds mcast send "$group:$port" -i lo --count 4 --rate 50 --hops 9 --size 100
check "send: exit 0" 0 "$rc"
check "send: four sent lines" 4 "$(printf '%s\n' "$out" | grep -c ' sent seq [1-4] size 100$')"
wait "$lpid"
lrc=$?
check "listen: exit 0 after --count datagrams" 0 "$lrc"
check "listen: four datagrams, hop limit 9, size 100, on lo" 4 \
	"$(grep -c " > $group on lo hops 9 size 100 data seq [1-4] delay " "$_tmp/listen")"
check "listen: in order" "1 2 3 4" \
	"$(grep -o 'data seq [0-9]*' "$_tmp/listen" | awk '{printf "%s%s", s, $3; s=" "}')"
check "listen: summary counts them, none lost" 1 \
	"$(grep -c ': 4 received, up to seq 4, 0 lost, hops 9$' "$_tmp/listen")"

# The same as NDJSON: every line one object.
"$DUALSTACK" mcast listen "$group:$port" -i lo --count 2 --timeout 10 --json \
	>"$_tmp/listen" 2>"$_tmp/listen.err" &
lpid=$!
for _ in $(seq 50); do
	grep -q '"joined"' "$_tmp/listen" 2>/dev/null && break
	sleep 0.1
done
run_ds mcast send "$group:$port" -i lo --count 2 --rate 50 --hops 3 --json
check "send --json: every line is JSON" "ok" \
	"$(printf '%s\n' "$out" | $PY -c 'import json,sys; [json.loads(l) for l in sys.stdin]; print("ok")' 2>&1)"
check "send --json: summary" "2 0" \
	"$(printf '%s\n' "$out" | tail -1 | $PY -c 'import json,sys; j=json.load(sys.stdin); print(j["sent"], j["failed"])')"
wait "$lpid"
check "listen --json: events joined, data, data, summary" "joined data data summary" \
	"$($PY -c 'import json,sys; print(" ".join(json.loads(l)["event"] for l in open(sys.argv[1])))' "$_tmp/listen" 2>&1)"
check "listen --json: hops, group, interface, seq of the second" "3 $group lo 2" \
	"$(sed -n 3p "$_tmp/listen" | $PY -c 'import json,sys; j=json.load(sys.stdin); print(j["hops"], j["group"], j["interface"], j["probe"]["seq"])' 2>&1)"

# Nothing sent: listen ends at --timeout with exit 1.
run_ds mcast listen "$group:$port" -i lo --timeout 0.3
check "listen, nothing came: exit 1" 1 "$rc"

done_testing
