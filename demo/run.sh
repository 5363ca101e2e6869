#!/usr/bin/env bash
# make demo: a short tour of dualstack. Runs anywhere, needs no root and
# sends no traffic.
set -euo pipefail
ds=${DUALSTACK:-build/src/dualstack}

if [ -t 1 ]; then b=$'\033[1m' n=$'\033[0m'; else b= n=; fi
say() { printf '\n%s$ %s%s\n' "$b" "$*" "$n"; }
step() {
	say "dualstack $*"
	"$ds" "$@"
}

echo "dualstack $("$ds" --version | cut -d' ' -f2): a tour of 'dualstack addr'"

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
echo "More: dualstack help, man dualstack-addr, README.md."
