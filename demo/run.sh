#!/usr/bin/env bash
# make demo: a short tour of dualstack. Runs anywhere and needs no root;
# its only traffic is on loopback.
set -euo pipefail
ds=${DUALSTACK:-build/src/dualstack}

if [ -t 1 ]; then b=$'\033[1m' n=$'\033[0m'; else b= n=; fi
say() { printf '\n%s$ %s%s\n' "$b" "$*" "$n"; }
step() {
	say "dualstack $*"
	"$ds" "$@"
}

echo "dualstack $("$ds" --version | cut -d' ' -f2): a tour"

# Reachability from outside, played on loopback: a checker that may test
# ::1, and an agent whose control connection goes over IPv4 while the
# checker's five test connections come back over IPv6, each with a token.
# The agent first proves it holds ::1 by connecting from it to the
# checker (a claim), as a checker on the Internet requires.
echo
echo "${b}Reachability check (dualstack reach) on loopback${n}"
rlog=$(mktemp)
"$ds" reach serve --listen 127.0.0.1:0 --listen '[::1]:0' \
	--allow-targets ::1/128 --allow-self --deadline 3 >"$rlog" 2>&1 &
checker=$!
trap 'kill $checker 2>/dev/null; wait $checker 2>/dev/null; rm -f "$rlog"' EXIT
rport=
for _ in $(seq 100); do
	rport=$(grep -m1 -oE 'listening on [^ ]*:[0-9]+' "$rlog" | grep -oE '[0-9]+$' || true)
	[ -n "$rport" ] && break
	sleep 0.05
done
step reach check "127.0.0.1:$rport" -4 --advertise ::1 ||
	echo "(exit status $?: is IPv6 on loopback, ::1, disabled here?)"
kill $checker 2>/dev/null || true
wait $checker 2>/dev/null || true
rm -f "$rlog"
trap - EXIT

# Happy Eyeballs on loopback: a server on 127.0.0.1 only, a name that
# resolves to it, and a numeric race where ::1 refuses and 127.0.0.1 wins.
echo
echo "${b}Happy Eyeballs (RFC 8305) on loopback${n}"
log=$(mktemp)
"$ds" serve --quiet --listen 127.0.0.1:0 --proto tuple >"$log" 2>&1 &
srv=$!
trap 'kill $srv 2>/dev/null; wait $srv 2>/dev/null; rm -f "$log"' EXIT
port=
for _ in $(seq 100); do
	port=$(grep -m1 -oE 'listening on [^ ]*:[0-9]+' "$log" | grep -oE '[0-9]+$' || true)
	[ -n "$port" ] && break
	sleep 0.05
done
step resolve localhost "$port"
step connect -v --probe --no-cache localhost "$port"
say "echo | dualstack connect 127.0.0.1 $port   # the server names us"
echo | "$ds" connect --no-cache 127.0.0.1 "$port"

# A relay puts the IPv4-only server on IPv6: an IPv6-only listener, one
# log line per connection naming the real client and the relay's own port
# toward the server, the key that joins the two logs.
echo
echo "${b}A relay (dualstack proxy): the IPv4-only server on IPv6${n}"
plog=$(mktemp)
"$ds" proxy --listen '[::1]:0,v6only' --to "127.0.0.1:$port" >"$plog" 2>&1 &
proxy=$!
trap 'kill $srv $proxy 2>/dev/null; wait $srv $proxy 2>/dev/null; rm -f "$log" "$plog"' EXIT
pport=
for _ in $(seq 100); do
	pport=$(grep -m1 -oE 'listening on [^ ]*:[0-9]+' "$plog" | grep -oE '[0-9]+$' || true)
	[ -n "$pport" ] && break
	kill -0 $proxy 2>/dev/null || break
	sleep 0.05
done
if [ -n "$pport" ]; then
	say "dualstack proxy --listen '[::1]:$pport,v6only' --to 127.0.0.1:$port &"
	say "echo | dualstack connect ::1 $pport   # the server names the relay"
	echo | "$ds" connect --no-cache ::1 "$pport" || true
	for _ in $(seq 100); do
		grep -q ' conn ' "$plog" && break
		sleep 0.05
	done
	echo "# the relay's log line for it:"
	grep ' conn ' "$plog" || true
else
	echo "(no proxy on [::1]: is IPv6 on loopback, ::1, disabled here?)"
	cat "$plog"
fi
kill $proxy 2>/dev/null || true
wait $proxy 2>/dev/null || true
echo
echo "${b}A short tour of dualstack addr${n}"
# One address, everything about it.
step addr 2001:0DB8:0000:0000:0001:0000:0000:0001
# What the address of a Teredo client carries inside.
step addr 2001:0:4136:e378:8000:63bf:3fff:fdd2 | sed -n '1,4p;/teredo:/,$p'
# A prefix: range, size, reverse zone.
step addr 192.0.2.0/26 | sed -n '1,2p;/prefix:/,$p'
# From a MAC to the SLAAC address, and back.
step addr --eui64 6C:62:6D:A9:7E:D0 --prefix 2001:db8:1:2::/64
step addr 2001:db8:1:2:6e62:6dff:fea9:7ed0 | grep -E 'canonical|eui64 mac'
# NAT64 (RFC 6052) both ways.
step addr --nat64 64:ff9b::/96 192.0.2.33
step addr --nat64 64:ff9b::c000:221
# Subnetting and aggregation.
step addr --split 2001:db8:abcd::/48 50
say "printf ... | dualstack addr --aggregate"
printf '192.0.2.0/25\n192.0.2.128/25\n198.51.100.7\n2001:db8::/33\n2001:db8:8000::/33\n' |
	"$ds" addr --aggregate
# A filter for scripts: one line out per line in, errors by line number.
say "printf ... | dualstack addr --canonical"
printf '2001:DB8:0:0:1:0:0:1\n010.1.2.3\nFE80::1%%eth0\n' |
	"$ds" addr --canonical || echo "(exit status $?: one line was invalid)"
step addr --json ::ffff:192.0.2.1 | sed -n 1,12p
echo
echo "More: dualstack help, man dualstack-reach, man dualstack-connect,"
echo "man dualstack-proxy, man dualstack-addr, README.md."
