#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# dualstack mcast between network namespaces, both families:
#
#   CLIENT --veth-- SERVER          (tests/net/lib/netns.sh)
#   CLIENT --veth-- [br0 in BRIDGE] --veth-- HOST3
#
# - ASM over the veth: what CLIENT sends with --hops 7 arrives at SERVER
#   with hop limit 7, from CLIENT, on SERVER's veth; a link-local group
#   (ff02::) works with -i and is refused without it;
# - SSM: a listener for the right source gets every datagram, one for
#   another source on the same group and port none;
# - --no-loop: a listener on the sending host gets nothing, one on the
#   other host everything; without it, both;
# - across the bridge (its IGMP/MLD snooping on, as by default) the hop
#   limit is unchanged: a bridge is no router;
# - mcast ping against mcast ping --respond: no loss on a clean link, and
#   exactly half lost on both paths when nftables drops every second
#   request; exit 1 when all are dropped;
# - mcast check sees the MLDv2 and IGMPv3 reports of ASM and SSM joins on
#   the wire and the memberships in /proc, and a report dropped by
#   nftables on its way out as missing, naming the rule; and what would
#   stop reception: an nftables rule dropping the group's port (named by
#   the handle nft -a gives it; gone with the rule), the route sending
#   without -i takes (none, another link, this one; IPv6 in table local),
#   an interface without an IPv4 address, with multicast off, down, and
#   a listener that joined on another interface;
# - ssmping and asmping (Debian's ssmping) answered by ssmpingd on the
#   same link, for comparison: their protocol is not mcast ping's.
#
# Across a router the hop limit would drop by one; that needs multicast
# routing in the kernel (CONFIG_IP_MROUTE, CONFIG_IPV6_MROUTE), which
# smcroute drives. Where the kernel lacks it (no /proc/net/ip_mr_vif) the
# case is reported as a skip with that reason.
#
# Prints TAP. Needs root, iproute2, nftables; exits 77 otherwise. Every
# namespace and process is removed on every exit path. About 30 s.
set -u
top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/cli/lib.sh"
. "$top/tests/net/lib/netns.sh"
netns_require
netns_setup || {
	echo "Bail out! netns_setup failed"
	exit 1
}

skip_tap() {
	_n=$((_n + 1))
	echo "ok $_n - $1 # SKIP $2"
}

vc=$NETNS_VETH_CLIENT
vs=$NETNS_VETH_SERVER
port=6000

# listen_bg NS OUT ARGS...: mcast listen --json in NS, in the background,
# until it says it joined; its pid in $lpid.
listen_bg() {
	local ns=$1 out=$2
	shift 2
	netns_spawn "$ns" "$DUALSTACK" mcast listen --json "$@" >"$out" 2>"$out.err"
	lpid=$NETNS_LAST_PID
	for _ in $(seq 50); do
		grep -q '"joined"' "$out" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# field FILE EXPR: one line per data event, EXPR of it (as j).
field() {
	$PY -c '
import json, sys
for l in open(sys.argv[1]):
    j = json.loads(l)
    if j["event"] == "data":
        print('"$2"')' "$1" 2>&1 | sort -u | tr '\n' ' ' | sed 's/ $//'
}

count_data() {
	grep -c '"event":"data"' "$1"
}

# --- ASM and SSM over the veth, both families ---------------------------
asm_case() { # NAME GROUP SRC
	local out=$_tmp/asm-$1
	listen_bg server "$out" "$2" -i "$vs" --count 3 --timeout 5
	netns_exec client "$DUALSTACK" mcast send "$2" -i "$vc" --hops 7 \
		--count 3 --rate 50 >/dev/null
	wait "$lpid"
	check "$1: listen exits 0" 0 $?
	check "$1: three datagrams" 3 "$(count_data "$out")"
	check "$1: hop limit 7 as sent, from the client, on the server's veth" \
		"7 $3 $vs" "$(field "$out" 'j["hops"], j["source"].rsplit(":", 1)[0].strip("[]").split("%")[0], j["interface"]')"
}
asm_case "ASM IPv4" "239.255.40.1:$port" 198.51.100.1
# A link-local group gets a link-local source (RFC 6724 rule 2).
ll=$(ip -n "$CLIENT" -6 -o addr show dev "$vc" scope link | awk '{print $4}' | cut -d/ -f1)
asm_case "ASM IPv6 ff02::" "[ff02::4001]:$port" "$ll"

netns_exec server "$DUALSTACK" mcast listen "[ff02::4001]:$port" \
	>"$_tmp/noif" 2>&1
check "ff02:: without -i: exit 2" 2 $?
check "ff02:: without -i: says to name an interface" 1 \
	"$(grep -c 'needs an interface: name one' "$_tmp/noif")"

ssm_case() { # NAME GROUP RIGHT WRONG
	local right=$_tmp/ssm-right-$1 wrong=$_tmp/ssm-wrong-$1 wpid
	listen_bg server "$wrong" "$2" -i "$vs" --source "$4" --timeout 2
	wpid=$lpid
	listen_bg server "$right" "$2" -i "$vs" --source "$3" --count 3 \
		--timeout 5
	netns_exec client "$DUALSTACK" mcast send "$2" -i "$vc" --count 3 \
		--rate 50 >/dev/null
	wait "$lpid"
	check "$1: the right source's listener gets all three" "0 3" \
		"$? $(count_data "$right")"
	wait "$wpid"
	check "$1: another source's listener gets none, exits 1" "1 0" \
		"$? $(count_data "$wrong")"
}
ssm_case "SSM IPv4" "232.1.1.1:$port" 198.51.100.1 198.51.100.99
ssm_case "SSM IPv6" "[ff3e::8000:1]:$port" 2001:db8::1 2001:db8::99

# --- --no-loop ----------------------------------------------------------
loop_case() { # NAME GROUP NOLOOP WANT_LOCAL
	local here=$_tmp/loop-here there=$_tmp/loop-there hpid
	listen_bg client "$here" "$2" -i "$vc" --timeout 1.5
	hpid=$lpid
	listen_bg server "$there" "$2" -i "$vs" --count 3 --timeout 5
	netns_exec client "$DUALSTACK" mcast send "$2" -i "$vc" $3 \
		--count 3 --rate 50 >/dev/null
	wait "$lpid"
	wait "$hpid"
	check "$1: the other host gets three, this host $4" "3 $4" \
		"$(count_data "$there") $(count_data "$here")"
}
loop_case "IPv4 --no-loop" "239.255.40.2:$port" --no-loop 0
loop_case "IPv4 loop on" "239.255.40.2:$port" "" 3
loop_case "IPv6 --no-loop" "[ff02::4002]:$port" --no-loop 0
loop_case "IPv6 loop on" "[ff02::4002]:$port" "" 3

# --- ping ---------------------------------------------------------------
# ping_case NAME GROUP SOURCE_FOR_SERVER SOURCE_FOR_CLIENT COUNT: sets
# $ping (the summary object) and $prc.
ping_case() {
	local out=$_tmp/ping-$1 rsp=() png=()
	[ -n "$3" ] && rsp=(--source "$3")
	[ -n "$4" ] && png=(--source "$4")
	netns_spawn server "$DUALSTACK" mcast ping --respond "$2" -i "$vs" \
		"${rsp[@]}" --timeout 10 >/dev/null 2>&1
	local rpid=$NETNS_LAST_PID
	sleep 0.3
	netns_exec client "$DUALSTACK" mcast ping "$2" -i "$vc" "${png[@]}" \
		--count "$5" --interval 0.02 --wait 0.5 --hops 4 --json >"$out"
	prc=$?
	kill "$rpid" 2>/dev/null
	wait "$rpid" 2>/dev/null
	ping=$(tail -1 "$out")
}
# ping_get EXPR
ping_get() {
	printf '%s' "$ping" | $PY -c "import json,sys; j=json.load(sys.stdin); print($1)" 2>&1
}

for fam in 4 6; do
	if [ $fam = 4 ]; then
		g="239.255.50.1:$port" ssm="232.1.1.50:$port"
		c=198.51.100.1 s=198.51.100.2
	else
		g="[ff02::5001]:$port" ssm="[ff3e::8000:50]:$port"
		c=2001:db8::1 s=2001:db8::2
	fi
	ping_case "v$fam" "$g" "" "" 10
	check "ping IPv$fam ASM: exit 0, nothing lost on either path" \
		"0 10 10 0 10 0" \
		"$prc $(ping_get 'j["sent"], j["unicast"]["received"], j["unicast"]["lost"], j["multicast"]["received"], j["multicast"]["lost"]')"
	check "ping IPv$fam: requests arrive with hop limit 4, answers by unicast with the default, to the group with 1" \
		"4 4 1 1" \
		"$(ping_get 'j["unicast"]["request_hops_min"], j["unicast"]["request_hops_max"], j["multicast"]["hops_min"], j["multicast"]["hops_max"]')"
	ping_case "v$fam-ssm" "$ssm" "$c" "$s" 10
	check "ping IPv$fam SSM: nothing lost" "0 10 10" \
		"$prc $(ping_get 'j["unicast"]["received"], j["multicast"]["received"]')"

	# Every second request dropped on its way in: half of each path.
	# Requests are told by the probe's kind (octet 5 of the payload, 2),
	# not by their source: the responder's own answers to the group come
	# back to it through the input hook too.
	ip netns exec "$SERVER" nft -f - <<EOF
table inet ds_test {
	chain input {
		type filter hook input priority 0; policy accept;
		meta nfproto ipv$fam udp dport $port @th,104,8 2 numgen inc mod 2 == 0 drop
	}
}
EOF
	ping_case "v$fam-half" "$g" "" "" 10
	check "ping IPv$fam, every second request dropped: 5 of 10 on each path" \
		"0 5 5 5 5" \
		"$prc $(ping_get 'j["unicast"]["received"], j["unicast"]["lost"], j["multicast"]["received"], j["multicast"]["lost"]')"
	netns_flush server
	netns_drop_udp server "$( [ $fam = 4 ] && echo ip || echo ip6 )" - "$port"
	ping_case "v$fam-all" "$g" "" "" 3
	check "ping IPv$fam, every request dropped: exit 1, nothing back" \
		"1 0 0" \
		"$prc $(ping_get 'j["unicast"]["received"], j["multicast"]["received"]')"
	netns_flush server
done

# --- the anchors: ssmping and asmping on the same link -------------------
# They speak their own protocol (draft-ietf-mboned-ssmping: a request by
# unicast to port 4321, type-length-value messages), which mcast ping
# does not (its requests go to the group); they run here on the same
# setup so that the two can be compared, and so that a broken link is not
# mistaken for a broken mcast ping.
if command -v ssmpingd >/dev/null && command -v ssmping >/dev/null; then
	netns_spawn server ssmpingd >/dev/null 2>&1
	sleep 0.3
	for a in "-4 198.51.100.2" "-6 2001:db8::2"; do
		# shellcheck disable=SC2086
		netns_exec client timeout 10 ssmping $a -c 2 -I "$vc" \
			>"$_tmp/ssmping" 2>&1
		check "ssmping ${a%% *} on the same link: unicast and multicast answers" 2 \
			"$(grep -c '2 packets received, 0% packet loss' "$_tmp/ssmping")"
	done
	netns_exec client timeout 10 asmping -c 2 -I "$vc" 239.255.1.2 \
		198.51.100.2 >"$_tmp/asmping" 2>&1
	check "asmping on the same link: unicast and multicast answers" 2 \
		"$(grep -c '2 packets received, 0% packet loss' "$_tmp/asmping")"
else
	skip_tap "ssmping and asmping on the same link" \
		"ssmping is not installed (make deps)"
fi

# --- mcast check ---------------------------------------------------------
check_case() { # NAME GROUP KIND [--source S]
	local name=$1 g=$2 kind=$3
	shift 3
	netns_exec server "$DUALSTACK" mcast check "$g" -i "$vs" "$@" --json \
		>"$_tmp/check" 2>&1
	local rc=$?
	out=$(cat "$_tmp/check")
	check "check $name: exit 0, the $kind seen, the membership listed" \
		"0 mcast.report-seen:$kind mcast.member" \
		"$rc $(json_get '" ".join(f["code"] + (":" + f["evidence"]["code"] if f["code"] == "mcast.report-seen" else "") for f in j["findings"][:2])')"
}
check_case "IPv6 ASM" ff02::4077 mldv2-report
check_case "IPv6 SSM" ff3e::8000:4077 mldv2-report --source 2001:db8::1
check "check IPv6 SSM: the interface's memberships list the group with its source" \
	"ff3e::8000:4077 2001:db8::1" \
	"$(json_get '" ".join(m["group"] + " " + " ".join(m["sources"]) for m in j["memberships"] if m["group"] == "ff3e::8000:4077")')"
check_case "IPv4 ASM" 239.255.40.77 igmpv3-report
check_case "IPv4 SSM" 232.1.40.77 igmpv3-report --source 198.51.100.1

# Reports dropped on their way out: the capture, after the output hook,
# never sees one, and check says so.
ip netns exec "$SERVER" nft -f - <<EOF
table inet ds_test {
	chain output {
		type filter hook output priority 0; policy accept;
		meta l4proto igmp drop
	}
}
EOF
netns_exec server "$DUALSTACK" mcast check 239.255.40.78 -i "$vs" \
	--timeout 0.5 --json >"$_tmp/check" 2>&1
rc=$?
out=$(cat "$_tmp/check")
check "check with IGMP dropped: exit 1, report missing, still a member" \
	"1 mcast.report-missing mcast.member" \
	"$rc $(json_get '" ".join(f["code"] for f in j["findings"][:2])')"
# The handle nft gives the rule ("# handle N" at the end of its line).
nft_handle() { # NS TABLE CHAIN PATTERN
	ip netns exec "$1" nft -a list chain inet "$2" "$3" |
		awk -v p="$4" 'index($0, p) {print $NF}'
}
# The firewall findings of a check's JSON: code, hook, chain, handle.
fw_finding() {
	json_get '" ".join("%s %s %s %s" % (f["code"], f["evidence"].get("hook"), f["evidence"].get("chain"), f["evidence"].get("handle")) for f in j["findings"] if f["code"].startswith("mcast.firewall"))'
}
h=$(nft_handle "$SERVER" ds_test output "meta l4proto igmp drop")
check "check with IGMP dropped: the rule that drops the report is named, handle as nft -a says" \
	"mcast.firewall-report-drop output inet ds_test output $h" "$(fw_finding)"
netns_flush server

# --- mcast check: what would stop reception ------------------------------
# A rule dropping the group's UDP port is named, by the handle nft -a
# gives it; without the rule the firewall lets it through.
fw_case() { # NAME GROUP:PORT PORT
	local h
	ip netns exec "$SERVER" nft -f - <<EOF
table inet ds_test {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport $3 drop
	}
}
EOF
	h=$(nft_handle "$SERVER" ds_test input "udp dport $3 drop")
	netns_exec server "$DUALSTACK" mcast check "$2" -i "$vs" --json \
		>"$_tmp/check" 2>&1
	rc=$?
	out=$(cat "$_tmp/check")
	check "check $1, UDP $3 dropped: exit 1, the rule named by its handle" \
		"1 mcast.firewall-drop input inet ds_test input $h" \
		"$rc $(fw_finding)"
	check "check $1, UDP $3 dropped: the rule's text" "udp dport $3 drop" \
		"$(json_get '" ".join(f["evidence"]["rule"] for f in j["findings"] if f["code"] == "mcast.firewall-drop")')"
	netns_exec server "$DUALSTACK" mcast check "$2" -i "$vs" \
		>"$_tmp/check.txt" 2>&1
	check "check $1, UDP $3 dropped: the text names chain, handle and rule" 1 \
		"$(grep -c "by inet ds_test input handle $h: udp dport $3 drop" "$_tmp/check.txt")"
	netns_flush server
	netns_exec server "$DUALSTACK" mcast check "$2" -i "$vs" --json \
		>"$_tmp/check" 2>&1
	rc=$?
	out=$(cat "$_tmp/check")
	check "check $1, the rule removed: exit 0, the firewall passes it" \
		"0 mcast.firewall-pass None None None" "$rc $(fw_finding)"
}
fw_case "IPv4" 239.255.40.79:6100 6100
fw_case "IPv6" "[ff15::4079]:6101" 6101

# A second link on the server, dso (its peer dsp up beside it), with no
# IPv4 address at first.
dso=dso$$ dsp=dsp$$
ip -n "$SERVER" link add "$dso" type veth peer name "$dsp"
ip -n "$SERVER" link set "$dsp" up
ip -n "$SERVER" link set "$dso" up
# codes CODE...: those of the last check's findings, in its order.
codes() {
	json_get '" ".join(f["code"] for f in j["findings"] if f["code"] in "'"$*"'".split())'
}
# other_iface CODE: the other interface a finding of CODE names.
other_iface() {
	json_get '" ".join(f["evidence"]["other-interface"] for f in j["findings"] if f["code"] == "'"$1"'")'
}
check_on() { # IFACE GROUP: runs check, sets rc and out
	netns_exec server "$DUALSTACK" mcast check "$2" -i "$1" --timeout 0.5 \
		--json >"$_tmp/check" 2>&1
	rc=$?
	out=$(cat "$_tmp/check")
}

# The route the kernel picks for a group sent without -i: none in the
# server's namespace (no default route), then one to dso, then one to
# the veth checked. IPv6 looks in table local first, where every link
# has ff00::/8: a more specific route goes there.
route_codes="mcast.no-route mcast.route mcast.route-other"
check_on "$vs" 239.255.41.1
check "check IPv4, no route for the group: said (info), exit 0" \
	"0 mcast.no-route" "$rc $(codes $route_codes)"
route_case() { # FAMILY ROUTE GROUP
	local fam=-4 table=main
	[ "$1" = 6 ] && fam=-6 table=local
	ip -n "$SERVER" "$fam" route add "$2" dev "$dso" table "$table"
	check_on "$vs" "$3"
	check "check IPv$1, $2 routed by $dso (table $table): sending without -i leaves by it" \
		"0 mcast.route-other $dso" \
		"$rc $(codes $route_codes) $(other_iface mcast.route-other)"
	ip -n "$SERVER" "$fam" route replace "$2" dev "$vs" table "$table"
	check_on "$vs" "$3"
	check "check IPv$1, $2 routed by $vs: the same interface" \
		"0 mcast.route" "$rc $(codes $route_codes)"
}
route_case 4 239.255.41.0/24 239.255.41.1
route_case 6 ff15::/16 ff15::4101

# The interface itself: no IPv4 address, multicast off, down.
iface_codes="mcast.iface-no-address mcast.iface-down mcast.iface-no-multicast"
check_on "$dso" 239.255.41.2
check "check IPv4 on $dso without an IPv4 address: exit 1, said" \
	"1 mcast.iface-no-address" "$rc $(codes $iface_codes)"
ip -n "$SERVER" addr add 203.0.113.1/24 dev "$dso"
check_on "$dso" 239.255.41.2
check "check IPv4 on $dso with 203.0.113.1: none of those, exit 0" \
	"0 " "$rc $(codes $iface_codes)"
ip -n "$SERVER" link set dev "$dso" multicast off
check_on "$dso" 239.255.41.2
check "check on $dso with multicast off: exit 1, said" \
	"1 mcast.iface-no-multicast" "$rc $(codes $iface_codes)"
ip -n "$SERVER" link set dev "$dso" multicast on
ip -n "$SERVER" link set dev "$dso" down
check_on "$dso" 239.255.41.2
check "check on $dso while it is down: exit 1, said" \
	"1 mcast.iface-down down" \
	"$rc $(codes $iface_codes) $(json_get '" ".join(f["evidence"]["state"] for f in j["findings"] if f["code"] == "mcast.iface-down")')"
ip -n "$SERVER" link set dev "$dso" up

# Joined elsewhere: a listener on dso, the check on the veth. The
# kernel repeats a join's report at a random time within the Unsolicited
# Report Interval (1 s, RFC 3376 section 8.11); made 10 ms here, so that
# the listener's repeat is over before the check on dso watches for a
# report that its own join must not cause.
ip netns exec "$SERVER" \
	sysctl -qw "net.ipv4.conf.$dso.igmpv3_unsolicited_report_interval=10"
listen_bg server "$_tmp/other" 239.255.41.3:6000 -i "$dso" --timeout 10
check_on "$vs" 239.255.41.3
check "check on $vs while a listener joined only on $dso: said, naming $dso" \
	"0 mcast.other-iface $dso" \
	"$rc $(codes mcast.other-iface) $(other_iface mcast.other-iface)"
check_on "$dso" 239.255.41.3
check "check on $dso, where the listener joined: exit 0, a member, no such finding" \
	"0 mcast.member" "$rc $(codes mcast.member mcast.other-iface)"
# The listener's join was reported; the check's own changes nothing,
# and the kernel says nothing: no error.
check "check on $dso, where the listener joined: no report, as expected (info)" \
	"mcast.report-missing info 1" \
	"$(json_get '" ".join("%s %s %s" % (f["code"], f["severity"], f["evidence"].get("count")) for f in j["findings"] if f["code"].startswith("mcast.report"))')"
kill "$lpid" 2>/dev/null
wait "$lpid" 2>/dev/null
ip -n "$SERVER" link del "$dso"

# --- across a bridge ----------------------------------------------------
BRIDGE=ds-test-$$-bridge
HOST3=ds-test-$$-host3
for ns in "$BRIDGE" "$HOST3"; do
	ip netns add "$ns" && _netns_created+=("$ns")
	ip -n "$ns" link set lo up
done
ip netns exec "$HOST3" sysctl -qw net.ipv6.conf.default.accept_dad=0
ip netns exec "$CLIENT" sysctl -qw net.ipv6.conf.default.accept_dad=0
ip -n "$BRIDGE" link add br0 type bridge
ip link add dsb1$$ netns "$CLIENT" type veth peer name p1 netns "$BRIDGE"
ip link add dsb3$$ netns "$HOST3" type veth peer name p3 netns "$BRIDGE"
for p in p1 p3; do
	ip -n "$BRIDGE" link set "$p" master br0 up
done
ip -n "$BRIDGE" link set br0 up
ip -n "$CLIENT" addr add 192.0.2.1/24 dev dsb1$$
ip -n "$CLIENT" addr add 2001:db8:b::1/64 dev dsb1$$ nodad
ip -n "$CLIENT" link set dsb1$$ up
ip -n "$HOST3" addr add 192.0.2.3/24 dev dsb3$$
ip -n "$HOST3" addr add 2001:db8:b::3/64 dev dsb3$$ nodad
ip -n "$HOST3" link set dsb3$$ up
check "the bridge snoops IGMP and MLD (the default)" 1 \
	"$(ip netns exec "$BRIDGE" cat /sys/class/net/br0/bridge/multicast_snooping)"
# Wait, bounded, until both ends can send: the link is up, IPv6 has put
# its multicast route (ff00::/8) on it and no address is tentative. Under
# load that takes longer than any fixed pause (a send before it fails
# with ENETUNREACH).
for _ in $(seq 100); do
	ready=1
	for nd in "$CLIENT:dsb1$$" "$HOST3:dsb3$$"; do
		ns=${nd%%:*} dev=${nd#*:}
		ip -n "$ns" link show "$dev" | grep -q 'state UP' &&
			ip -n "$ns" -6 route show table all dev "$dev" |
			grep -q '^multicast ff00::/8' &&
			! ip -n "$ns" -6 addr show dev "$dev" tentative |
			grep -q inet6 || ready=0
	done
	[ "$ready" = 1 ] && break
	sleep 0.1
done

bridge_case() { # NAME GROUP SRC
	local out=$_tmp/br-$1
	listen_bg "$HOST3" "$out" "$2" -i dsb3$$ --count 3 --timeout 5
	netns_exec client "$DUALSTACK" mcast send "$2" -i dsb1$$ --hops 4 \
		--count 3 --rate 50 >/dev/null
	wait "$lpid"
	check "$1 across the bridge: three, hop limit 4 as sent, from $3" \
		"3 4 $3" \
		"$(count_data "$out") $(field "$out" 'j["hops"], j["source"].rsplit(":", 1)[0].strip("[]")')"
}
bridge_case "IPv4" "239.255.60.1:$port" 192.0.2.1
bridge_case "IPv6" "[ff05::6001]:$port" 2001:db8:b::1

# --- across a router ----------------------------------------------------
if [ ! -e /proc/net/ip_mr_vif ] || [ ! -e /proc/net/ip6_mr_vif ]; then
	skip_tap "hop limit one less across a router (smcroute)" \
		"this kernel has no multicast routing (CONFIG_IP_MROUTE, CONFIG_IPV6_MROUTE: no /proc/net/ip_mr_vif, ip6_mr_vif)"
else
	skip_tap "hop limit one less across a router (smcroute)" \
		"not written yet: this kernel routes multicast, but none where the test was made did"
fi

done_testing
