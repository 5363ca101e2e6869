#!/bin/bash
# SPDX-License-Identifier: MIT
#
# dualstack doctor on hosts built broken: one network namespace per
# condition, each joined by a veth pair to a peer namespace (its router),
# each asserting the exact finding code -- and a healthy dual-stack
# namespace with no warning at all. Each namespace has its own
# resolv.conf, hosts, nsswitch.conf and gai.conf in /etc/netns/NAME/
# (which "ip netns exec" mounts over /etc), healthy unless the case is
# about one of them. The gai.conf case checks the table doctor reports
# against the order glibc's getaddrinfo() really returns (getent ahosts).
# Also: IPv6-only with and without NAT64 (a test DNS responder answers
# ipv4only.arpa), a cached path MTU, DAD on a link without carrier, and
# --probe against a listener on the router, with and without IPv6 SYNs
# dropped.
#
# Prints TAP. Needs root, iproute2's "ip netns" and radvd; exits 77
# otherwise. Documentation prefixes only (and the RFC 6052 Well-Known
# Prefix in a DNS answer); nothing leaves the namespaces. Every
# namespace, /etc/netns directory and process is removed on every exit
# path. Bounded: about 25 s, a minute on a loaded machine.
set -u

if [ "$(id -u)" -ne 0 ]; then
	echo "skip: needs root (creates network namespaces)"
	exit 77
fi
if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
	echo "skip: needs a working 'ip netns' (iproute2)"
	exit 77
fi
RADVD=$(command -v radvd || echo /usr/sbin/radvd)
if [ ! -x "$RADVD" ]; then
	echo "skip: radvd is not installed (make deps)"
	exit 77
fi
for f in resolv.conf hosts nsswitch.conf gai.conf; do
	# "ip netns exec" mounts /etc/netns/NAME/FILE only over a file that
	# exists.
	if [ ! -e /etc/$f ]; then
		echo "skip: /etc/$f does not exist, so no namespace can have its own"
		exit 77
	fi
done

top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/cli/lib.sh"

P=ds-test-$$-doc
made_ns=()
radvd_pid=
listen_pid=
dnsd_pids=

cleanup() {
	[ -n "$listen_pid" ] && kill "$listen_pid" 2>/dev/null
	for p in $dnsd_pids; do kill "$p" 2>/dev/null; done
	if [ -n "$radvd_pid" ]; then
		kill "$radvd_pid" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$radvd_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$radvd_pid" 2>/dev/null
	fi
	for ns in "${made_ns[@]}"; do
		ip netns delete "$ns" 2>/dev/null
		rm -rf "/etc/netns/$ns"
	done
	rm -rf "$_tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# mkhost NAME: namespace $P-NAME (the host, its veth "d0") and $P-NAME-r
# (its router, "r0"), joined, both with lo up and no Duplicate Address
# Detection unless DAD=1. The host gets healthy files in /etc/netns.
# Addresses and routes are the caller's (see dualstack below).
mkhost() {
	local h=$P-$1 r=$P-$1-r
	made_ns+=("$h" "$r")
	ip netns add "$h" && ip netns add "$r" || return 1
	for ns in "$h" "$r"; do
		ip -n "$ns" link set lo up || return 1
		if [ "${DAD:-0}" = 0 ]; then
			ip netns exec "$ns" sysctl -qw \
				net.ipv6.conf.default.accept_dad=0 \
				net.ipv6.conf.all.accept_dad=0 >/dev/null || return 1
		fi
	done
	ip -n "$h" link add d0 type veth peer name r0 netns "$r" || return 1
	ip -n "$r" addr add 192.0.2.1/24 dev r0 &&
		ip -n "$r" addr add 2001:db8:1::1/64 dev r0 nodad &&
		ip -n "$r" addr add fe80::1/64 dev r0 nodad || return 1
	ip -n "$r" link set r0 up && ip -n "$h" link set d0 up || return 1
	mkdir -p "/etc/netns/$h" || return 1
	printf 'nameserver 2001:db8:1::53\nnameserver 192.0.2.53\n' \
		>"/etc/netns/$h/resolv.conf"
	printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n' \
		>"/etc/netns/$h/hosts"
	printf 'hosts: files dns\n' >"/etc/netns/$h/nsswitch.conf"
	printf '# nothing set: the RFC 6724 default table\n' \
		>"/etc/netns/$h/gai.conf"
}

# v4 NAME, v6 NAME: a usable address of the family and a default route.
v4() {
	ip -n "$P-$1" addr add 192.0.2.10/24 dev d0 &&
		ip -n "$P-$1" route add default via 192.0.2.1 dev d0
}
v6() {
	ip -n "$P-$1" addr add 2001:db8:1::10/64 dev d0 nodad &&
		ip -n "$P-$1" -6 route add default via fe80::1 dev d0
}

# steps CMD...: eval each; 1 at the first that fails.
steps() {
	for s in "$@"; do
		eval "$s" || return 1
	done
}

# build NAME STEPS...: mkhost NAME, then each step (a shell command run
# with NAME as its argument where it is a function). One "ok" line.
build() {
	local name=$1
	shift
	if { mkhost "$name" && steps "$@"; } >"$_tmp/build.err" 2>&1; then
		ok "namespace $name built"
	else
		not_ok "namespace $name built" "$(cat "$_tmp/build.err")"
	fi
}

# doctor NAME [ARGS...]: run dualstack doctor --json in the namespace;
# sets rc, out, err.
doctor() {
	local name=$1
	shift
	ip netns exec "$P-$name" "$DUALSTACK" doctor --json "$@" \
		>"$_tmp/out" 2>"$_tmp/err"
	rc=$?
	out=$(cat "$_tmp/out")
	err=$(cat "$_tmp/err")
}

# has CODE [PYTHON-CONDITION on f]: how many findings of CODE (meeting
# the condition) the last doctor run gave.
has() {
	json_get "sum(1 for f in j['findings'] if f['code'] == '$1' and (${2:-True}))"
}

# expect NAME CODE [CONDITION]: NAME's doctor gives CODE and exits 1.
expect() {
	local n
	doctor "$1"
	n=$(has "$2" "${3:-True}")
	if [ "$n" = 1 ]; then
		ok "$1: $2${3:+ ($3)}"
	else
		not_ok "$1: $2${3:+ ($3)}" "want: 1" "got:  $n" \
			"$(json_get '" ".join(f["code"] + str(f["evidence"]) for f in j["findings"])')" \
			"$(ip -n "$P-$1" addr show dev d0)"
	fi
	check "$1: exit 1" 1 "$rc"
}

ev='f["evidence"]'

# --- healthy ----------------------------------------------------------------
build healthy "v4 healthy" "v6 healthy"
doctor healthy
check "healthy: exit 0" 0 "$rc"
check "healthy: class dual-stack" 1 \
	"$(has host.class "$ev['class'] == 'dual-stack'")"
check "healthy: no warning, no error" "0 0" \
	"$(json_get '"%d %d" % (j["summary"]["warning"], j["summary"]["error"])')"
check "healthy: the loopback self-test passed both ways" 2 \
	"$(has host.loopback "f['severity'] == 'ok'")"
check "healthy: 2 nameservers, one per family" 1 \
	"$(has host.resolv-servers "$ev['ipv4'] == 1 and $ev['ipv6'] == 1")"

# --- the connectivity class -------------------------------------------------
build ula "v4 ula" \
	"ip -n $P-ula addr add fd00:1::10/64 dev d0 nodad"
expect ula host.class "$ev['class'] == 'ula-only' and f['severity'] == 'warning'"

# The kernel adds fe80:: once the veth has carrier, a moment after "up",
# and clears "tentative" from a work queue even without DAD: on a loaded
# machine that can take a while.
build linklocal
for _ in $(seq 1 200); do
	ip -n "$P-linklocal" -6 addr show dev d0 | grep 'inet6 fe80:' |
		grep -qv tentative && break
	sleep 0.1
done
expect linklocal host.class "$ev['class'] == 'link-local-only'"

# IPv6-only, with and without NAT64: the router answers ipv4only.arpa
# (RFC 7050) with a Well-Known Prefix AAAA, or with an A only.
for n in nat64 nonat64; do
	build $n "v6 $n"
	printf 'nameserver 2001:db8:1::1\n' >"/etc/netns/$P-$n/resolv.conf"
done
ip netns exec "$P-nat64-r" "$PY" "$top/tests/net/lib/dnsd.py" \
	--listen 2001:db8:1::1 --port 53 --no-tcp \
	--record 'ipv4only.arpa AAAA 64:ff9b::c000:aa' \
	--record 'ipv4only.arpa AAAA 64:ff9b::c000:ab' &
dnsd_pids="$dnsd_pids $!"
ip netns exec "$P-nonat64-r" "$PY" "$top/tests/net/lib/dnsd.py" \
	--listen 2001:db8:1::1 --port 53 --no-tcp \
	--record 'ipv4only.arpa A 192.0.0.170' &
dnsd_pids="$dnsd_pids $!"
# Ready when it answers a query (python starts slowly on a loaded
# machine): any answer to "ipv4only.arpa A" will do.
for n in nat64 nonat64; do
	for _ in $(seq 1 50); do
		ip netns exec "$P-$n" "$PY" -c '
import socket
q = bytes.fromhex("123401000001000000000000") + b"\x08ipv4only\x04arpa\x00" + bytes.fromhex("00010001")
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(1)
s.sendto(q, ("2001:db8:1::1", 53))
s.recv(512)' 2>/dev/null && break
		sleep 0.1
	done
done
doctor nat64
n=$(has host.class "$ev['class'] == 'ipv6-only' and $ev.get('nat64') == '64:ff9b::/96' and f['severity'] == 'info'")
if [ "$n" = 1 ]; then
	ok "nat64: IPv6-only with the prefix found, info"
else
	not_ok "nat64: IPv6-only with the prefix found, info" "got: $n" \
		"$(json_get '[f["evidence"] for f in j["findings"] if f["code"] == "host.class"]')"
fi
expect nonat64 host.class \
	"$ev['class'] == 'ipv6-only' and $ev.get('nat64') is False and f['severity'] == 'warning'"

build noroute "v4 noroute" \
	"ip -n $P-noroute addr add 2001:db8:1::10/64 dev d0 nodad"
expect noroute host.no-default-route \
	"$ev['family'] == 'ipv6' and $ev['address'] == '2001:db8:1::10'"
doctor healthy
check "healthy: no host.no-default-route" 0 "$(has host.no-default-route)"

# --- routes: forwarding=1 with accept_ra=1 while radvd advertises -----------
build fwd "v4 fwd" "v6 fwd" \
	"ip netns exec $P-fwd sysctl -qw net.ipv6.conf.d0.forwarding=1" \
	"ip netns exec $P-fwd-r sysctl -qw net.ipv6.conf.all.forwarding=1"
cat >"$_tmp/radvd.conf" <<EOF2
interface r0 {
	AdvSendAdvert on;
	MinRtrAdvInterval 3;
	MaxRtrAdvInterval 4;
	prefix 2001:db8:2::/64 {
		AdvOnLink on;
		AdvAutonomous on;
	};
};
EOF2
chmod 600 "$_tmp/radvd.conf"
ip netns exec "$P-fwd-r" "$RADVD" -n -C "$_tmp/radvd.conf" \
	-p "$_tmp/radvd.pid" -m stderr 2>"$_tmp/radvd.err" &
radvd_pid=$!
# radvd sends its first RA at once, then every 3-4 s: after 4.5 s the
# host has heard at least one (radvd's log says when it sent).
sleep 4.5
check "fwd: radvd is running" 0 "$(kill -0 $radvd_pid 2>/dev/null; echo $?)"
check "fwd: the advertised prefix was ignored (no 2001:db8:2:: address)" 0 \
	"$(ip -n $P-fwd -6 addr show dev d0 | grep -c 2001:db8:2:)"
expect fwd host.ra-ignored "f['subject']['interface'] == 'd0'"
check "fwd: the source is the sysctl" 1 \
	"$(has host.ra-ignored "$ev['source'] == 'net.ipv6.conf.d0.forwarding'")"
# The fix doctor gives, applied: the next RA is taken and the finding
# is gone.
ip netns exec "$P-fwd" sysctl -qw net.ipv6.conf.d0.accept_ra=2
for _ in $(seq 1 150); do
	ip -n "$P-fwd" -6 addr show dev d0 | grep -q 2001:db8:2: && break
	sleep 0.1
done
check "fwd: with accept_ra=2 the prefix is taken" 1 \
	"$(ip -n $P-fwd -6 addr show dev d0 | grep -c 'inet6 2001:db8:2:')"
doctor fwd
check "fwd: with accept_ra=2, no host.ra-ignored" 0 "$(has host.ra-ignored)"

# --- sockets ------------------------------------------------------------------
build v6only "v4 v6only" "v6 v6only" \
	"ip netns exec $P-v6only sysctl -qw net.ipv6.bindv6only=1"
expect v6only host.bindv6only "$ev['value'] == 1"
check "v6only: the self-test still passes (the listener clears it)" 2 \
	"$(has host.loopback "f['severity'] == 'ok'")"

# --- addresses ----------------------------------------------------------------
build disabled "v4 disabled" "v6 disabled" \
	"ip netns exec $P-disabled sysctl -qw net.ipv6.conf.d0.disable_ipv6=1"
expect disabled host.ipv6-disabled "f['subject']['interface'] == 'd0'"

build deprecated "v4 deprecated" "v6 deprecated" \
	"ip -n $P-deprecated addr add 2001:db8:1::77/64 dev d0 nodad preferred_lft 0"
expect deprecated host.deprecated "$ev['address'] == '2001:db8:1::77'"

build teredo "v4 teredo" "v6 teredo" \
	"ip -n $P-teredo addr add 2001:0:c000:201::10/64 dev d0 nodad"
expect teredo host.teredo "$ev['address'] == '2001:0:c000:201::10'"

build sixtofour "v4 sixtofour" "v6 sixtofour" \
	"ip -n $P-sixtofour addr add 2002:c000:201::10/48 dev d0 nodad"
expect sixtofour host.6to4 "$ev['address'] == '2002:c000:201::10'"

# Two hosts, one address, DAD on: the second to claim it loses.
DAD=1 build dad "v4 dad" "v6 dad" \
	"ip -n $P-dad-r addr add 2001:db8:1::99/64 dev r0 nodad" \
	"ip -n $P-dad addr add 2001:db8:1::99/64 dev d0"
# DAD takes a second (RetransTimer, RFC 4861); more on a loaded machine.
for _ in $(seq 1 200); do
	ip -n "$P-dad" -6 addr show dev d0 dadfailed | grep -q 2001:db8:1::99 &&
		break
	sleep 0.1
done
expect dad host.dadfailed "$ev['address'] == '2001:db8:1::99'"
check "dad: an error" 1 \
	"$(has host.dadfailed "f['severity'] == 'error'")"

# --- MTU ----------------------------------------------------------------------
build mtu1280 "v4 mtu1280" "v6 mtu1280" \
	"ip -n $P-mtu1280 link set d0 mtu 1280"
doctor mtu1280
check "mtu1280: no host.mtu-too-small" 0 "$(has host.mtu-too-small)"
check "mtu1280: exit 0" 0 "$rc"
build mtu1279 "v4 mtu1279" "v6 mtu1279" \
	"ip -n $P-mtu1279 link set d0 mtu 1279"
expect mtu1279 host.mtu-too-small "$ev['mtu'] == 1279 and $ev['limit'] == 1280"

# A path MTU learned from a Packet Too Big: the router's far link has MTU
# 1280, a 1400-octet datagram through it comes back as an ICMPv6 error and
# the host caches the exception.
build pmtu "v4 pmtu" "v6 pmtu" \
	"ip netns add $P-pmtu-far && made_ns+=($P-pmtu-far)" \
	"ip -n $P-pmtu-r link add r1 mtu 1280 type veth peer name f0 mtu 1280 netns $P-pmtu-far" \
	"ip netns exec $P-pmtu-r sysctl -qw net.ipv6.conf.all.forwarding=1" \
	"ip -n $P-pmtu-r addr add 2001:db8:3::1/64 dev r1 nodad" \
	"ip -n $P-pmtu-far addr add 2001:db8:3::2/64 dev f0 nodad" \
	"ip -n $P-pmtu-r link set r1 up && ip -n $P-pmtu-far link set f0 up" \
	"ip -n $P-pmtu-far -6 route add default via 2001:db8:3::1"
for _ in $(seq 1 10); do
	# 1400 octets of UDP to the discard port: IPv6 routers do not
	# fragment, so the router answers Packet Too Big.
	ip netns exec "$P-pmtu" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.sendto(b"x" * 1400, ("2001:db8:3::2", 9))'
	sleep 0.3
	ip -n "$P-pmtu" -6 route show cache | grep -q 2001:db8:3::2 && break
done
doctor pmtu
check "pmtu: host.pmtu-exception towards the far host" 1 \
	"$(has host.pmtu-exception "$ev['target'] == '2001:db8:3::2' and $ev['mtu'] == 1280")"
check "pmtu: only info, exit 0" 0 "$rc"
doctor healthy
check "healthy: no host.pmtu-exception" 0 "$(has host.pmtu-exception)"

# DAD on a link without carrier never ends: the address stays tentative.
DAD=1 build nocarrier "v4 nocarrier" \
	"ip -n $P-nocarrier-r link set r0 down" \
	"ip -n $P-nocarrier addr add 2001:db8:1::44/64 dev d0"
expect nocarrier host.tentative \
	"$ev['state'] == 'no-carrier' and $ev['address'] == '2001:db8:1::44'"

# --- name resolution ----------------------------------------------------------
build gai "v4 gai" "v6 gai"
printf 'precedence ::ffff:0:0/96 100\n' >"/etc/netns/$P-gai/gai.conf"
for n in gai healthy; do
	printf '2001:db8:1::1 dual.example\n192.0.2.1 dual.example\n' \
		>>"/etc/netns/$P-$n/hosts"
done
expect gai host.policy "$ev['class'] == 'ipv4-first'"
check "gai: the table in use is the one line and glibc's ::/0 row" \
	"::ffff:0:0/96 100, ::/0 40" \
	"$(json_get '", ".join("%s %d" % (r["prefix"], r["precedence"]) for r in j["policy"])')"
first=$(ip netns exec "$P-gai" getent ahosts dual.example | head -1 | cut -d' ' -f1)
check "gai: getaddrinfo() puts IPv4 first, as doctor says" 192.0.2.1 "$first"
first=$(ip netns exec "$P-healthy" getent ahosts dual.example | head -1 | cut -d' ' -f1)
check "healthy: getaddrinfo() puts IPv6 first" 2001:db8:1::1 "$first"
doctor healthy
check "healthy: the default table, IPv6 first" 1 \
	"$(has host.policy "$ev['class'] == 'default' and $ev['ipv6'] > $ev['ipv4']")"

build single "v4 single" "v6 single"
printf 'options single-request\n' >>"/etc/netns/$P-single/resolv.conf"
expect single host.single-request "$ev['state'] == 'single-request'"

build stall "v4 stall" "v6 stall"
printf 'options timeout:30 attempts:5\n' >>"/etc/netns/$P-stall/resolv.conf"
# Two servers: 30 s, then 60 s / 2, five rounds.
expect stall host.resolv-stall \
	"$ev['elapsed'] == 300000 and f['severity'] == 'warning' and $ev['source'] == '/etc/resolv.conf:3'"

build nss "v4 nss" "v6 nss"
printf 'hosts: dns files\n' >"/etc/netns/$P-nss/nsswitch.conf"
expect nss host.nsswitch \
	"$ev['line'] == 'hosts: dns files' and $ev['source'] == '/etc/nsswitch.conf:1'"

build nolocal6 "v4 nolocal6" "v6 nolocal6"
printf '127.0.0.1 localhost\n::1 ip6-localhost\n' >"/etc/netns/$P-nolocal6/hosts"
expect nolocal6 host.localhost "$ev['family'] == 'ipv6'"
check "nolocal6: and only for IPv6" 1 "$(has host.localhost)"

# --- --probe: one Happy Eyeballs race from the healthy namespace ------------
# A dual listener on the router (the backlog completes the handshakes;
# nothing needs accepting), reached as dual.example from /etc/hosts.
ip netns exec "$P-healthy-r" "$PY" -c '
import socket, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 8080))
s.listen(64)
time.sleep(60)' &
listen_pid=$!
for _ in $(seq 1 50); do
	ip netns exec "$P-healthy-r" ss -Hltn 'sport = :8080' | grep -q . && break
	sleep 0.1
done
doctor healthy --only class --probe dual.example:8080
check "probe: IPv6 wins" 1 \
	"$(has host.probe "$ev['family'] == 'ipv6' and $ev['peer'] == '[2001:db8:1::1]:8080' and $ev['ipv6'] == 1 and $ev['ipv4'] == 1")"
check "probe: nothing lost, exit 0" "0 0" \
	"$(has host.probe-v6-lost) $rc"
if command -v nft >/dev/null &&
	ip netns exec "$P-healthy-r" nft -f - <<EOF2
table inet dsdoc {
	chain in {
		type filter hook input priority 0;
		meta nfproto ipv6 tcp dport 8080 drop
	}
}
EOF2
then
	doctor healthy --only class --probe dual.example:8080
	check "probe: with IPv6 SYNs dropped, IPv4 wins" 1 \
		"$(has host.probe "$ev['family'] == 'ipv4' and $ev['peer'] == '192.0.2.1:8080'")"
	check "probe: IPv6 lost by timeout" 1 \
		"$(has host.probe-v6-lost "$ev['state'] == 'timeout' and $ev['target'] == '[2001:db8:1::1]:8080'")"
	check "probe: a warning, exit 1" 1 "$rc"
else
	ok "# skip probe with IPv6 dropped: nft cannot filter in a namespace"
fi
doctor healthy --only class --probe 192.0.2.1:8081
check "probe: refused, an error" 1 \
	"$(has host.probe-failed "$ev['errno'] == 'ECONNREFUSED' and $ev['port'] == 8081")"
doctor healthy --probe '[2001:db8:1::1'
check "probe: a bad HOST[:PORT] is a usage error" 2 "$rc"

done_testing
