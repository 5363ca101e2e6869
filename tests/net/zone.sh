#!/usr/bin/env bash
# Link-local endpoints and their zones, over a veth between two network
# namespaces (tests/net/lib/netns.sh): fe80::1 on the client's veth,
# fe80::2 on the server's.
#   1  serve listens on [fe80::2%VETH]:PORT
#   2  connect and load with the zone by name connect, and the zone is
#      printed by name; by index too
#   3  without the zone: refused at parse (exit 2), the error names the
#      namespace's interface that has a link-local address, not lo
#
# Prints TAP. Needs root, iproute2's "ip netns" and nft; exits 77
# otherwise. A few seconds.
set -u

top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
DUALSTACK=${DUALSTACK:-${DS_BUILD:-$top/build}/src/dualstack}
# shellcheck source=tests/net/lib/netns.sh
. "$top/tests/net/lib/netns.sh"
netns_require
if [ ! -x "$DUALSTACK" ]; then
	echo "skip: $DUALSTACK not built"
	exit 77
fi

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	local l
	for l in "$@"; do echo "#   $l"; done
}
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1" "want: $2" "got:  $3"
	fi
}
# has NAME TEXT PATTERN: TEXT matches the extended regex PATTERN.
has() {
	if printf '%s' "$2" | grep -qE -- "$3"; then ok "$1"; else
		not_ok "$1" "want: /$3/" "got: $2"
	fi
}

# shellcheck disable=SC2119 # netns_setup takes no arguments
if ! netns_setup; then
	not_ok "netns_setup builds the topology"
	echo "1..$n"
	exit 1
fi
tmp=$NETNS_DIR
export XDG_CACHE_HOME=$tmp/cache
C=$NETNS_VETH_CLIENT
S=$NETNS_VETH_SERVER
netns_add_addr client fe80::1/64
netns_add_addr server fe80::2/64

# 1: a listener on a link-local address with its zone.
netns_spawn server "$DUALSTACK" serve --listen "[fe80::2%$S]:0" --proto echo \
	>"$tmp/serve.log" 2>"$tmp/serve.err"
port=
for _ in $(seq 100); do
	port=$(grep -m1 -oE 'listening on [^ ]*:[0-9]+' "$tmp/serve.log" |
		grep -oE '[0-9]+$')
	[ -n "$port" ] && break
	sleep 0.05
done
if [ -z "$port" ]; then
	not_ok "serve listens on [fe80::2%$S]" "$(cat "$tmp/serve.log" "$tmp/serve.err")"
	echo "1..$n"
	exit 1
fi
has "1 serve listens on [fe80::2%$S], the zone by name" \
	"$(cat "$tmp/serve.log")" "listening on \[fe80::2%$S\]:$port"

# 2: connect and load with the zone.
out=$(netns_exec client "$DUALSTACK" connect --no-cache --probe \
	"[fe80::2%$C]:$port" 2>&1)
check "2 connect [fe80::2%$C]:PORT: exit 0" 0 $?
has "2 connect: both ends printed with the zone by name" "$out" \
	"^connected to \[fe80::2%$C\]:$port from \[fe80::1%$C\]:[0-9]+ "
idx=$(netns_exec client cat "/sys/class/net/$C/ifindex")
out=$(netns_exec client "$DUALSTACK" connect --no-cache --probe \
	"fe80::2%$idx" "$port" 2>&1)
check "2 connect fe80::2%INDEX PORT: exit 0" 0 $?
has "2 connect: a zone given by index printed by name" "$out" \
	"^connected to \[fe80::2%$C\]:$port "
out=$(netns_exec client "$DUALSTACK" load -n 2 -m 2 -c 1 \
	"[fe80::2%$C]:$port" 2>&1)
check "2 load [fe80::2%$C]:PORT: exit 0" 0 $?

# 3: without the zone, refused before anything is tried.
for cmd in "connect --no-cache --probe" "load -n 1" "proxy --listen [::1]:0 --to"; do
	# shellcheck disable=SC2086 # the command's words
	out=$(netns_exec client timeout 10 "$DUALSTACK" $cmd "[fe80::2]:$port" 2>&1)
	check "3 ${cmd%% *} [fe80::2]:PORT: exit 2" 2 $?
	has "3 ${cmd%% *}: says the address is link-local" \
		"$out" "fe80::2 is link-local: add the interface"
	has "3 ${cmd%% *}: names the interface that has a link-local address, not lo" \
		"$out" "\(interfaces: $C\)\$"
done
out=$(netns_exec server timeout 10 "$DUALSTACK" serve --listen "[fe80::2]:0" 2>&1)
check "3 serve --listen [fe80::2]:0: exit 2" 2 $?
has "3 serve: did you mean, with the server's interface" "$out" \
	"did you mean \[fe80::2%$S\]:0\?"

echo "1..$n"
[ "$failed" -eq 0 ]
