#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# dualstack dissect on Router Advertisements that a real radvd sent: two
# network namespaces joined by a veth pair, radvd in one with a config
# written here, tcpdump in the other writing the first two RAs to a file.
# dualstack dissect --json must show each RA with the options the config
# asked for (prefix, RDNSS, DNSSL, MTU, route information, router
# preference, the router's link-layer address), and agree with tshark on
# every field tests/pcap/compare.py knows.
#
# Prints TAP. Needs root, iproute2's "ip netns", radvd and tcpdump; exits 77
# otherwise. Nothing leaves the namespaces; they, radvd and tcpdump are
# removed on every exit path. Bounded: about 10 s, 60 s at worst.
set -u

if [ "$(id -u)" -ne 0 ]; then
	echo "skip: needs root (creates network namespaces)"
	exit 77
fi
if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
	echo "skip: needs a working 'ip netns' (iproute2)"
	exit 77
fi
for t in radvd tcpdump; do
	if ! command -v $t >/dev/null && [ ! -x /usr/sbin/$t ]; then
		echo "skip: $t is not installed (make deps)"
		exit 77
	fi
done
RADVD=$(command -v radvd || echo /usr/sbin/radvd)
TCPDUMP=$(command -v tcpdump || echo /usr/bin/tcpdump)

top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/cli/lib.sh"
COMPARE="$top/tests/pcap/compare.py"

rtr=ds-test-rtr-$$
host=ds-test-host-$$
# Interface names: 15 octets at most (IFNAMSIZ - 1).
vr=dsr$$
vh=dsh$$
radvd_pid=
tcpdump_pid=
live_pid=

cleanup() {
	[ -n "$radvd_pid" ] && kill "$radvd_pid" 2>/dev/null
	[ -n "$tcpdump_pid" ] && kill "$tcpdump_pid" 2>/dev/null
	[ -n "$live_pid" ] && kill "$live_pid" 2>/dev/null
	# Give them a moment, then make sure.
	for p in $radvd_pid $tcpdump_pid $live_pid; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null
	done
	ip netns delete "$rtr" 2>/dev/null
	ip netns delete "$host" 2>/dev/null
	rm -rf "$_tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# ds_get EXPR: a Python expression over the dissected packets (P: the plain
# form of tests/pcap/compare.py, J: the JSON objects as printed).
ds_get() {
	"$PY" "$COMPARE" get "$_tmp/ra.json" "$1" 2>&1
}

# --- the topology -------------------------------------------------------------
setup() {
	ip netns add "$rtr" && ip netns add "$host" || return 1
	for ns in "$rtr" "$host"; do
		ip -n "$ns" link set lo up || return 1
		# No Duplicate Address Detection: the link-local addresses are
		# usable at once, so radvd can send without waiting.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_dad=0 >/dev/null || return 1
	done
	# radvd refuses to advertise a default router unless forwarding is on.
	ip netns exec "$rtr" sysctl -qw net.ipv6.conf.all.forwarding=1 \
		>/dev/null || return 1
	# The host must not act on the RAs (it only listens).
	ip netns exec "$host" sysctl -qw net.ipv6.conf.default.accept_ra=0 \
		>/dev/null || return 1
	ip -n "$rtr" link add "$vr" type veth peer name "$vh" netns "$host" ||
		return 1
	ip -n "$rtr" link set "$vr" address 02:00:5e:00:53:aa || return 1
	ip -n "$rtr" link set "$vr" up && ip -n "$host" link set "$vh" up
}
if setup 2>"$_tmp/setup.err"; then
	ok "two namespaces joined by a veth pair"
else
	not_ok "two namespaces joined by a veth pair" "$(cat "$_tmp/setup.err")"
	done_testing
	exit 1
fi

cat >"$_tmp/radvd.conf" <<EOF
interface $vr {
	AdvSendAdvert on;
	MinRtrAdvInterval 3;
	MaxRtrAdvInterval 4;
	AdvDefaultPreference high;
	AdvLinkMTU 1400;
	AdvCurHopLimit 64;
	prefix 2001:db8:1::/64 {
		AdvOnLink on;
		AdvAutonomous on;
		AdvValidLifetime 86400;
		AdvPreferredLifetime 14400;
	};
	route 2001:db8:2::/48 {
		AdvRoutePreference low;
		AdvRouteLifetime 1800;
	};
	RDNSS 2001:db8::53 {
		AdvRDNSSLifetime 8;
	};
	DNSSL example.com {
		AdvDNSSLLifetime 8;
	};
};
EOF
chmod 600 "$_tmp/radvd.conf"

# --- capture ------------------------------------------------------------------
# tcpdump and dualstack's own live capture first, so that the first RA is
# not missed; ip6[40] is the ICMPv6 type when no extension header comes
# first, as radvd sends them.
ip netns exec "$host" timeout 40 "$DUALSTACK" dissect -i "$vh" -c 2 --json \
	"icmp6 and ip6[40] == 134" >"$_tmp/live.json" 2>"$_tmp/live.err" &
live_pid=$!
ip netns exec "$host" timeout 40 "$TCPDUMP" -n -i "$vh" -U -w "$_tmp/ra.pcap" \
	-c 2 "icmp6 and ip6[40] == 134" 2>"$_tmp/tcpdump.err" &
tcpdump_pid=$!
for _ in $(seq 100); do
	grep -q "listening on" "$_tmp/tcpdump.err" 2>/dev/null &&
		grep -q "capturing on" "$_tmp/live.err" 2>/dev/null && break
	sleep 0.05
done

ip netns exec "$rtr" "$RADVD" -n -C "$_tmp/radvd.conf" -p "$_tmp/radvd.pid" \
	-m stderr 2>"$_tmp/radvd.err" &
radvd_pid=$!

# radvd sends its first RA at once, then every 3-4 s; 2 within 30 s.
rc=124
for _ in $(seq 300); do
	if ! kill -0 "$tcpdump_pid" 2>/dev/null; then
		wait "$tcpdump_pid"
		rc=$?
		break
	fi
	sleep 0.1
done
if [ $rc -eq 0 ] && [ -s "$_tmp/ra.pcap" ]; then
	ok "tcpdump captured two RAs from radvd"
else
	not_ok "tcpdump captured two RAs from radvd" "tcpdump exit $rc" \
		"tcpdump: $(tr '\n' ' ' <"$_tmp/tcpdump.err")" \
		"radvd: $(tail -5 "$_tmp/radvd.err" | tr '\n' ' ')"
	done_testing
	exit 1
fi
tcpdump_pid=

# --- dualstack ----------------------------------------------------------------
timeout 60 "$DUALSTACK" dissect -r "$_tmp/ra.pcap" --json >"$_tmp/ra.json" \
	2>"$_tmp/ds.err"
check "dissect --json exits 0" "0" "$?"
check "two packets, valid NDJSON" "2" "$(ds_get 'len(P)')"
check "both are Router Advertisements" "134 134" \
	"$(ds_get '" ".join(str(p["icmp6"]["type"]) for p in P)')"
check "from the router's link-local address to all-nodes" \
	"fe80::5eff:fe00:53aa ff02::1" \
	"$(ds_get 'P[0]["ip"]["src"] + " " + P[0]["ip"]["dst"]')"
check "hop limit 255 (RFC 4861 section 6.1.2), no ND anomaly" "255 []" \
	"$(ds_get 'str(P[0]["ip"]["hlim"]) + " " + str(P[0]["anom"])')"
check "the chain is just ICMPv6" "[58]" "$(ds_get 'P[0]["ip"]["chain"]')"
# ra: cur hop limit, M, O, prf (1 = high, RFC 4191), lifetime (radvd's
# default: 3 x MaxRtrAdvInterval), reachable, retrans.
check "RA header: hop limit 64, M=0 O=0, preference high, lifetime 12 s" \
	"(64, 0, 0, 1, 12, 0, 0)" "$(ds_get 'tuple(P[0]["nd"]["ra"])')"
check "prefix 2001:db8:1::/64, L and A, lifetimes 86400/14400" \
	"[('2001:db8:1::', 64, 1, 1, 86400, 14400)]" \
	"$(ds_get '[tuple(x) for x in P[0]["nd"]["prefix"]]')"
check "MTU 1400" "[1400]" "$(ds_get 'P[0]["nd"]["mtu"]')"
check "RDNSS 2001:db8::53" "['2001:db8::53']" "$(ds_get 'P[0]["nd"]["rdnss"]')"
check "DNSSL example.com" "['example.com']" "$(ds_get 'P[0]["nd"]["dnssl"]')"
check "route information 2001:db8:2::/48, low, 1800 s" \
	"[('2001:db8:2::', 48, 3, 1800)]" \
	"$(ds_get '[tuple(x) for x in P[0]["nd"]["route"]]')"
check "source link-layer address is the router's MAC" \
	"['02:00:5e:00:53:aa']" "$(ds_get 'P[0]["nd"]["slla"]')"
check "options: SLLA, prefix, MTU, route, RDNSS, DNSSL, nothing else" \
	"[1, 3, 5, 24, 25, 31]" "$(ds_get 'sorted(P[0]["nd"]["opts"])')"
check "the second RA says the same" "True" \
	"$(ds_get 'P[0]["nd"] == P[1]["nd"]')"

# --- dualstack's live capture (-i, with the same filter) ------------------------
rc=124
for _ in $(seq 100); do
	if ! kill -0 "$live_pid" 2>/dev/null; then
		wait "$live_pid"
		rc=$?
		break
	fi
	sleep 0.1
done
live_pid=
check "dissect -i $vh -c 2 with a filter exits 0 after two packets" "0" "$rc"
check "live: two RAs, decoded as the file's" "2 True True" \
	"$("$PY" "$COMPARE" get "$_tmp/live.json" \
		'str(len(P)) + " " + str(P[0]["nd"] == P[1]["nd"]) + " " + str(P[0]["nd"]["prefix"] == [("2001:db8:1::", 64, 1, 1, 86400, 14400)])' 2>&1)"

# --- and tshark -----------------------------------------------------------------
if command -v tshark >/dev/null; then
	# tshark keeps a profile in $HOME; give it one of its own.
	HOME=$_tmp "$PY" "$COMPARE" diff "$_tmp/ra.pcap" "$_tmp/ra.json" >"$_tmp/diff" 2>&1
	while IFS=$'\t' read -r st cls detail; do
		case $st in
		ok) ok "tshark agrees: $cls ($detail)" ;;
		"not ok") not_ok "tshark agrees: $cls" "$detail" ;;
		*) not_ok "compare.py: $st $cls $detail" ;;
		esac
	done <"$_tmp/diff"
	[ -s "$_tmp/diff" ] || not_ok "compare.py printed nothing"
else
	echo "ok $((_n + 1)) - # SKIP tshark is not installed"
	_n=$((_n + 1))
fi

done_testing
