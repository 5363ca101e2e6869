# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# A two-host topology in network namespaces for the scenario tests; sourced
# by tests/net/*.sh (it lives in tests/net/lib/ so tests/run.sh never runs
# it). Needs root, iproute2 and nftables.
#
#   CLIENT (ds-test-PID-client)             SERVER (ds-test-PID-server)
#     dscPID 2001:db8::1/64  <-- veth -->  dssPID 2001:db8::2/64
#            198.51.100.1/24                       198.51.100.2/24
#
# Both have lo up; the veths have no Duplicate Address Detection (the
# addresses are usable at once), forwarding is off, and ICMP/ICMPv6 errors
# are not rate-limited (else a burst of rejects gets only the first few
# answered: 6 per second per peer for ICMPv4 by default). Nothing leaves the
# two namespaces. After netns_setup, $CLIENT and $SERVER hold the namespace
# names; every function that takes NS accepts those names or the words
# "client" and "server".
#
# Functions:
#   netns_require          exit 77 with a "skip: ..." line unless root, a
#                          working "ip netns" and nft are there.
#   netns_setup            build the topology; installs netns_cleanup on
#                          EXIT (chained before any EXIT trap already set)
#                          and makes INT/TERM/HUP exit through it. Also
#                          removes what killed runs (kill -9) left behind
#                          (netns_reap_stale). Returns non-zero on failure.
#   netns_add_addr NS ADDR/PLEN
#                          add one more address (IPv6 with nodad) to the
#                          namespace's veth, e.g. SERVER 2001:db8::3/64.
#   netns_wait_settled NS [TIMEOUT_S]
#                          wait until no IPv6 address of the namespace is
#                          tentative (default 60 s); 1 if some still are.
#   netns_exec NS CMD...   run CMD in the namespace (foreground).
#   netns_spawn NS CMD...  start CMD in the background in the namespace;
#                          its pid is in $NETNS_LAST_PID and netns_cleanup
#                          ends it. Call it in the main shell, not in $( ).
#   netns_tcp_listen NS ADDR PORT
#                          spawn a TCP listener (accepts and closes) and wait
#                          until it listens; 1 if it never does.
#   netns_tcp_connect NS ADDR PORT [TIMEOUT_S]
#                          one non-blocking connect() with a deadline
#                          (default 1 s); prints "RESULT MS": RESULT is "ok",
#                          "timeout" or the errno name (ECONNREFUSED,
#                          EACCES, EHOSTUNREACH, ...), MS the time it took.
#   netns_dnsd NS DNSD_ARGS...
#                          spawn tests/net/lib/dnsd.py (with --pidfile) and
#                          wait until its sockets are bound; 1 if not.
#   netns_drop NS FAMILY [ADDR] [PORT]
#                          nftables: silently drop inbound TCP SYNs in NS
#                          (use SERVER), FAMILY ip or ip6 (or inet: both),
#                          to ADDR and/or PORT when given ("-" = any).
#   netns_reject_rst NS FAMILY [ADDR] [PORT]
#                          the same, answering each SYN with a TCP RST.
#   netns_reject_icmp NS FAMILY [ADDR] [PORT] [TYPE]
#                          the same, answering with an ICMP (ip) or ICMPv6
#                          (ip6) error of TYPE, default admin-prohibited. ip:
#                          net-unreachable host-unreachable prot-unreachable
#                          port-unreachable net-prohibited host-prohibited
#                          admin-prohibited; ip6: no-route admin-prohibited
#                          addr-unreachable port-unreachable policy-fail
#                          reject-route; inet: icmpx port-unreachable
#                          admin-prohibited no-route host-unreachable.
#                          What connect() gives (measured on Linux 6.18,
#                          tests/net/harness.sh checks each):
#                            drop                  nothing: times out
#                            tcp reset             ECONNREFUSED at once
#                            ip  admin-prohibited, host-prohibited,
#                                host-unreachable  EHOSTUNREACH at once
#                            ip  net-unreachable   ENETUNREACH at once
#                            ip  port-unreachable  ECONNREFUSED at once
#                            ip6 admin-prohibited, policy-fail,
#                                reject-route      EACCES after ~1 s
#                            ip6 port-unreachable  ECONNREFUSED after ~1 s
#                            ip6 no-route          ENETUNREACH after ~1 s
#                            ip6 addr-unreachable  EHOSTUNREACH after ~1 s
#                          The ~1 s: the veth delivers the ICMPv6 error to
#                          the first SYN while connect() still holds the
#                          socket lock, so TCP keeps it only as a soft error
#                          (nstat: TcpExtLockDroppedIcmps); the error to the
#                          SYN retransmitted after the 1 s initial RTO ends
#                          the connect. A test that needs an immediate
#                          IPv6 failure should use netns_reject_rst.
#   netns_drop_udp NS FAMILY [ADDR] [PORT]
#                          nftables: silently drop inbound UDP in NS, as
#                          netns_drop does TCP SYNs (a dead DNS server:
#                          SERVER, ip6, 2001:db8::99, 53).
#   netns_flush NS         remove every rule the functions above added.
#   netns_resolv_conf NS TEXT
#                          give NS a resolv.conf of its own: TEXT goes to
#                          /etc/netns/NAME/resolv.conf, which "ip netns
#                          exec" (netns_exec) mounts over /etc/resolv.conf
#                          for every command it runs, glibc's and ours.
#                          Call it again to change it; netns_cleanup
#                          removes it (and /etc/netns when it made it).
#   netns_cleanup          end the processes (those spawned and any other
#                          still in the namespaces), delete the namespaces
#                          (the veth goes with them). Idempotent.
#   netns_reap_stale       delete ds-test-PID-client/server namespaces whose
#                          PID is no longer running (left by kill -9).
#
# Rules live in table "inet ds_test" of the namespace, chain "input".
# Variables: CLIENT SERVER (namespace names), NETNS_VETH_CLIENT,
# NETNS_VETH_SERVER, NETNS_DIR (a temporary directory removed by cleanup),
# NETNS_DNSD (path of dnsd.py), NETNS_PY (/usr/bin/python3).

NETNS_PY=${NETNS_PY:-/usr/bin/python3}
NETNS_DNSD=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/dnsd.py
CLIENT=ds-test-$$-client
SERVER=ds-test-$$-server
# Interface names: 15 octets at most (IFNAMSIZ - 1).
NETNS_VETH_CLIENT=dsc$$
NETNS_VETH_SERVER=dss$$
NETNS_DIR=
NETNS_PIDS=()
NETNS_LAST_PID=
_netns_created=()

netns_require() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "skip: needs root (creates network namespaces)"
		exit 77
	fi
	if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
		echo "skip: ip netns unavailable (iproute2)"
		exit 77
	fi
	if ! command -v nft >/dev/null; then
		echo "skip: nft not found (apt-get install nftables)"
		exit 77
	fi
	if [ ! -x "$NETNS_PY" ]; then
		echo "skip: $NETNS_PY not found"
		exit 77
	fi
}

# _netns_name NS: the namespace name for "client", "server" or a name.
_netns_name() {
	case $1 in
	client | CLIENT) echo "$CLIENT" ;;
	server | SERVER) echo "$SERVER" ;;
	*) echo "$1" ;;
	esac
}

_netns_veth() {
	case $(_netns_name "$1") in
	"$CLIENT") echo "$NETNS_VETH_CLIENT" ;;
	"$SERVER") echo "$NETNS_VETH_SERVER" ;;
	*) return 1 ;;
	esac
}

netns_exec() {
	local ns
	ns=$(_netns_name "$1")
	shift
	ip netns exec "$ns" "$@"
}

netns_spawn() {
	local ns
	ns=$(_netns_name "$1")
	shift
	ip netns exec "$ns" "$@" &
	NETNS_LAST_PID=$!
	NETNS_PIDS+=("$NETNS_LAST_PID")
}

netns_setup() {
	local ns v
	# Chain before the caller's EXIT trap (e.g. tests/cli/lib.sh's).
	local prev
	prev=$(trap -p EXIT)
	if [ -n "$prev" ]; then
		eval "set -- $prev"
		_netns_prev_exit=$3
	else
		_netns_prev_exit=
	fi
	trap 'netns_cleanup; eval "$_netns_prev_exit"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP

	netns_reap_stale
	# The PID in the name lets a later run remove it if this one is killed.
	NETNS_DIR=$(mktemp -d "/tmp/ds-test-netns.$$.XXXXXX") || return 1
	for ns in "$CLIENT" "$SERVER"; do
		ip netns add "$ns" || return 1
		_netns_created+=("$ns")
		ip -n "$ns" link set lo up || return 1
		ip netns exec "$ns" sysctl -qw \
			net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.all.forwarding=0 \
			net.ipv4.ip_forward=0 \
			net.ipv4.icmp_ratelimit=0 \
			net.ipv6.icmp.ratelimit=0 >/dev/null || return 1
	done
	ip link add "$NETNS_VETH_CLIENT" netns "$CLIENT" type veth \
		peer name "$NETNS_VETH_SERVER" netns "$SERVER" || return 1
	for ns in "$CLIENT" "$SERVER"; do
		v=$(_netns_veth "$ns")
		ip netns exec "$ns" sysctl -qw \
			"net.ipv6.conf.$v.accept_dad=0" \
			"net.ipv6.conf.$v.forwarding=0" >/dev/null || return 1
		ip -n "$ns" link set "$v" up || return 1
	done
	netns_add_addr "$CLIENT" 2001:db8::1/64 &&
		netns_add_addr "$CLIENT" 198.51.100.1/24 &&
		netns_add_addr "$SERVER" 2001:db8::2/64 &&
		netns_add_addr "$SERVER" 198.51.100.2/24 || return 1
	# The v6 addresses must not be tentative; the link must be up.
	for _ in $(seq 50); do
		if ! ip -n "$CLIENT" -6 addr show tentative | grep -q inet6 &&
			! ip -n "$SERVER" -6 addr show tentative | grep -q inet6 &&
			ip -n "$CLIENT" link show "$NETNS_VETH_CLIENT" |
			grep -q 'state UP'; then
			return 0
		fi
		sleep 0.1
	done
	echo "# netns_setup: addresses still tentative or link down" >&2
	return 1
}

netns_add_addr() {
	local ns v
	ns=$(_netns_name "$1")
	v=$(_netns_veth "$ns") || {
		echo "# netns_add_addr: unknown namespace $1" >&2
		return 1
	}
	case $2 in
	*:*) ip -n "$ns" -6 addr add "$2" dev "$v" nodad ;;
	*) ip -n "$ns" addr add "$2" dev "$v" ;;
	esac
}

# Even on lo, where no DAD probe is sent, a new IPv6 address is tentative
# until the kernel's addrconf work item has run for it, and bind() to it
# fails with EADDRNOTAVAIL until then. Thousands added in one batch on a
# busy machine take seconds to settle.
netns_wait_settled() {
	local ns i limit
	ns=$(_netns_name "$1")
	limit=$((${2:-60} * 10))
	for ((i = 0; i < limit; i++)); do
		ip -n "$ns" -6 addr show tentative | grep -q inet6 || return 0
		sleep 0.1
	done
	echo "# netns_wait_settled: $ns still has tentative addresses" >&2
	return 1
}

# _netns_rule NS FAMILY ADDR PORT VERDICT [PROTO]: add one input rule, for
# TCP SYNs (PROTO tcp, the default) or for any UDP datagram (udp).
_netns_rule() {
	local ns fam=$2 addr=${3:--} port=${4:--} verdict=$5 proto=${6:-tcp}
	local match=
	ns=$(_netns_name "$1")
	case $fam in
	ip) match="meta nfproto ipv4" ;;
	ip6) match="meta nfproto ipv6" ;;
	inet) match="" ;;
	*)
		echo "# netns: family must be ip, ip6 or inet, not '$fam'" >&2
		return 1
		;;
	esac
	if [ "$addr" != - ]; then
		case $addr in
		*:*) match="$match ip6 daddr $addr" ;;
		*) match="$match ip daddr $addr" ;;
		esac
	fi
	if [ "$proto" = udp ]; then
		match="$match meta l4proto udp"
		[ "$port" != - ] && match="$match udp dport $port"
	else
		[ "$port" != - ] && match="$match tcp dport $port"
		match="$match tcp flags & (syn | ack) == syn"
	fi
	ip netns exec "$ns" nft -f - <<EOF
table inet ds_test {
	chain input {
		type filter hook input priority 0; policy accept;
	}
}
add rule inet ds_test input $match $verdict
EOF
}

# _netns_args FAMILY [ADDR] [PORT]: ADDR and PORT are optional and told
# apart by their form (a port is all digits), so "ip6 443" works too.
_netns_split() {
	_a=- _p=-
	local x
	for x in "$@"; do
		case $x in
		-) ;;
		*[!0-9]*) _a=$x ;;
		*) _p=$x ;;
		esac
	done
}

netns_drop() {
	local _a _p
	_netns_split "${@:3}"
	_netns_rule "$1" "$2" "$_a" "$_p" drop
}

netns_drop_udp() {
	local _a _p
	_netns_split "${@:3}"
	_netns_rule "$1" "$2" "$_a" "$_p" drop udp
}

netns_reject_rst() {
	local _a _p
	_netns_split "${@:3}"
	_netns_rule "$1" "$2" "$_a" "$_p" "reject with tcp reset"
}

netns_reject_icmp() {
	local _a _p type=admin-prohibited kind args=("${@:3}")
	# The last argument is a type when it is neither address nor port.
	if [ ${#args[@]} -gt 0 ]; then
		case ${args[-1]} in
		[a-z]*-*) type=${args[-1]}; unset 'args[-1]' ;;
		esac
	fi
	_netns_split "${args[@]}"
	case $2 in
	ip) kind=icmp ;;
	ip6) kind=icmpv6 ;;
	*) kind=icmpx ;;
	esac
	_netns_rule "$1" "$2" "$_a" "$_p" "reject with $kind type $type"
}

netns_flush() {
	local ns
	ns=$(_netns_name "$1")
	ip netns exec "$ns" nft delete table inet ds_test 2>/dev/null
	return 0
}

_netns_etc=()
_netns_made_etc=

netns_resolv_conf() {
	local ns
	ns=$(_netns_name "$1")
	# Another run may make it at the same time: fine either way.
	if [ ! -d /etc/netns ] && mkdir /etc/netns 2>/dev/null; then
		_netns_made_etc=1
	fi
	[ -d /etc/netns ] || return 1
	if [ ! -d "/etc/netns/$ns" ]; then
		mkdir "/etc/netns/$ns" || return 1
		_netns_etc+=("/etc/netns/$ns")
	fi
	printf '%s\n' "$2" >"/etc/netns/$ns/resolv.conf"
}

# _netns_alive PID: true while PID runs (a zombie does not count: one of
# our own children is not reaped while a trap runs).
_netns_alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
	case $st in '' | Z | X) return 1 ;; esac
	return 0
}

# _netns_kill PIDS...: TERM, up to a second's grace in all, then KILL.
_netns_kill() {
	local p left
	[ $# -gt 0 ] || return 0
	kill "$@" 2>/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		left=
		for p in "$@"; do
			_netns_alive "$p" && left+=" $p"
		done
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	# shellcheck disable=SC2086
	kill -9 $left 2>/dev/null
	return 0
}

# _netns_delete NS: end whatever still runs in NS, then delete it.
_netns_delete() {
	local pids
	pids=$(ip netns pids "$1" 2>/dev/null)
	# shellcheck disable=SC2086
	_netns_kill $pids
	ip netns delete "$1" 2>/dev/null
	return 0
}

netns_cleanup() {
	local ns
	_netns_kill "${NETNS_PIDS[@]}"
	NETNS_PIDS=()
	for ns in "${_netns_created[@]}"; do
		_netns_delete "$ns"
	done
	_netns_created=()
	for ns in "${_netns_etc[@]}"; do
		rm -rf "$ns"
	done
	_netns_etc=()
	[ -n "$_netns_made_etc" ] && rmdir /etc/netns 2>/dev/null
	_netns_made_etc=
	[ -n "$NETNS_DIR" ] && rm -rf "$NETNS_DIR"
	NETNS_DIR=
	return 0
}

netns_reap_stale() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case $ns in
		ds-test-*-client | ds-test-*-server) ;;
		*) continue ;;
		esac
		pid=${ns#ds-test-}
		pid=${pid%-*}
		case $pid in '' | *[!0-9]*) continue ;; esac
		[ "$pid" = $$ ] && continue
		kill -0 "$pid" 2>/dev/null && continue
		_netns_delete "$ns"
	done
	# resolv.conf files of runs killed before their cleanup.
	for ns in /etc/netns/ds-test-*-client /etc/netns/ds-test-*-server; do
		[ -d "$ns" ] || continue
		pid=${ns#/etc/netns/ds-test-}
		pid=${pid%-*}
		case $pid in '' | *[!0-9]*) continue ;; esac
		[ "$pid" = $$ ] && continue
		kill -0 "$pid" 2>/dev/null && continue
		rm -rf "$ns"
	done
	# Scratch directories of runs that were killed before their cleanup.
	local d
	for d in /tmp/ds-test-netns.*.*; do
		[ -d "$d" ] || continue
		pid=${d#/tmp/ds-test-netns.}
		pid=${pid%%.*}
		case $pid in '' | *[!0-9]*) continue ;; esac
		[ "$pid" = $$ ] && continue
		kill -0 "$pid" 2>/dev/null && continue
		rm -rf "$d"
	done
}

netns_tcp_listen() {
	local ns addr=$2 port=$3
	ns=$(_netns_name "$1")
	netns_spawn "$ns" "$NETNS_PY" -c '
import socket, sys
a, p = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((a, p))
s.listen(64)
while True:
    c, _ = s.accept()
    c.close()
' "$addr" "$port"
	for _ in $(seq 50); do
		if ip netns exec "$ns" ss -Hltn "sport = :$port" |
			grep -qF "${addr}]:$port" ||
			ip netns exec "$ns" ss -Hltn "sport = :$port" |
			grep -qF " $addr:$port"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

netns_tcp_connect() {
	local ns
	ns=$(_netns_name "$1")
	ip netns exec "$ns" "$NETNS_PY" -c '
import errno, os, select, socket, sys, time
a, p, t = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
s.setblocking(False)
t0 = time.monotonic()
e = s.connect_ex((a, p))
if e == errno.EINPROGRESS:
    _, w, _ = select.select([], [s], [], t)
    e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) if w else -1
ms = round((time.monotonic() - t0) * 1000)
r = "ok" if e == 0 else "timeout" if e == -1 else errno.errorcode.get(e, str(e))
print(r, ms)
' "$2" "$3" "${4:-1}"
}

netns_dnsd() {
	local ns pidfile
	ns=$(_netns_name "$1")
	shift
	pidfile=$(mktemp -u "$NETNS_DIR/dnsd.XXXXXX.pid")
	netns_spawn "$ns" "$NETNS_PY" "$NETNS_DNSD" --pidfile "$pidfile" "$@"
	for _ in $(seq 50); do
		[ -s "$pidfile" ] && return 0
		kill -0 "$NETNS_LAST_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# --- More hosts ---------------------------------------------------------------
#
#   netns_add_host NAME PEER PEER_ADDR/PLEN ADDR/PLEN...
#                          one more host: namespace ds-test-PID-NAME (its
#                          name also in $NETNS_LAST_HOST), joined to PEER
#                          (client, server or a namespace name) by a veth
#                          of its own: PEER_ADDR on PEER's end, the ADDRs on
#                          the new host's. Set up like the first two (lo
#                          up, no DAD, no forwarding, ICMP not
#                          rate-limited); a host given only IPv4 addresses
#                          has IPv6 disabled altogether (not even a
#                          link-local address): an IPv4-only host. The
#                          functions above that take NS take its name;
#                          netns_cleanup deletes it. Call netns_setup first,
#                          and call this in the main shell, not in $( ).
#   netns_reap_stale_hosts delete ds-test-PID-* namespaces of any NAME whose
#                          PID is no longer running (netns_reap_stale does
#                          the client and server ones); netns_add_host
#                          calls it.
_netns_hosts=0

netns_add_host() {
	local name=$1 peer a v6=0
	peer=$(_netns_name "$2")
	local peer_addr=$3 ns=ds-test-$$-$1
	shift 3
	if [ $# -eq 0 ]; then
		echo "# netns_add_host: no address for $name" >&2
		return 1
	fi
	for a in "$@"; do
		case $a in *:*) v6=1 ;; esac
	done
	[ $_netns_hosts -eq 0 ] && netns_reap_stale_hosts
	_netns_hosts=$((_netns_hosts + 1))
	# Interface names: 15 octets at most (IFNAMSIZ - 1).
	local vh=ds${_netns_hosts}h$$ vp=ds${_netns_hosts}p$$
	ip netns add "$ns" || return 1
	_netns_created+=("$ns")
	ip -n "$ns" link set lo up || return 1
	ip netns exec "$ns" sysctl -qw \
		net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.all.forwarding=0 \
		net.ipv4.ip_forward=0 \
		net.ipv4.icmp_ratelimit=0 \
		net.ipv6.icmp.ratelimit=0 >/dev/null || return 1
	if [ $v6 -eq 0 ]; then
		ip netns exec "$ns" sysctl -qw \
			net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 \
			net.ipv6.conf.lo.disable_ipv6=1 >/dev/null || return 1
	fi
	ip link add "$vh" netns "$ns" type veth peer name "$vp" netns "$peer" ||
		return 1
	ip netns exec "$peer" sysctl -qw "net.ipv6.conf.$vp.accept_dad=0" \
		"net.ipv6.conf.$vp.forwarding=0" >/dev/null || return 1
	ip -n "$ns" link set "$vh" up && ip -n "$peer" link set "$vp" up ||
		return 1
	case $peer_addr in
	*:*) ip -n "$peer" -6 addr add "$peer_addr" dev "$vp" nodad ;;
	*) ip -n "$peer" addr add "$peer_addr" dev "$vp" ;;
	esac || return 1
	for a in "$@"; do
		case $a in
		*:*) ip -n "$ns" -6 addr add "$a" dev "$vh" nodad ;;
		*) ip -n "$ns" addr add "$a" dev "$vh" ;;
		esac || return 1
	done
	# shellcheck disable=SC2034 # for the script that sources this
	NETNS_LAST_HOST=$ns
	for _ in $(seq 50); do
		if ! ip -n "$ns" -6 addr show tentative 2>/dev/null | grep -q inet6 &&
			ip -n "$ns" link show "$vh" | grep -q 'state UP' &&
			ip -n "$peer" link show "$vp" | grep -q 'state UP'; then
			return 0
		fi
		sleep 0.1
	done
	echo "# netns_add_host: $name: link down or addresses tentative" >&2
	return 1
}

netns_reap_stale_hosts() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case $ns in ds-test-*-*) ;; *) continue ;; esac
		pid=${ns#ds-test-}
		pid=${pid%%-*}
		case $pid in '' | *[!0-9]*) continue ;; esac
		[ "$pid" = $$ ] && continue
		kill -0 "$pid" 2>/dev/null && continue
		_netns_delete "$ns"
	done
}
