#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The scenario harness on its own, before any test relies on it:
# tests/net/lib/netns.sh (the two-host topology, nftables drops and
# rejects, cleanup) and tests/net/lib/dnsd.py (the test DNS responder with
# per-type delays). Checks:
#   - the topology: namespaces, addresses (also added ones), no DAD, no
#     forwarding; TCP reaches the server over both families;
#   - dnsd: A/AAAA answers, header flags, the echoed question, compression
#     pointers, TTLs, NXDOMAIN, NODATA, ipv4only.arpa (RFC 7050), TCP,
#     malformed queries ignored, a 300 ms AAAA delay that holds back only
#     the AAAA answer, the query log, a clean exit on SIGTERM; dig agrees
#     when it is installed;
#   - nftables: drop (connect times out), reject with tcp reset
#     (ECONNREFUSED at once), ICMP and ICMPv6 rejects (the errno each
#     gives), flush; the other family is untouched;
#   - cleanup: nothing is left after netns_cleanup, after a script using
#     the library is ended with SIGTERM, and (through netns_reap_stale)
#     after one is killed with SIGKILL.
#
# Prints TAP. Needs root, iproute2's "ip netns" and nft; exits 77
# otherwise. Bounded: about 10 s; the per-step timeouts keep it under 60 s.
set -u

top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
lib=$top/tests/net/lib/netns.sh
# shellcheck source=tests/net/lib/netns.sh
. "$lib"
netns_require

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
skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }
# check NAME WANT GOT
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1" "want: $2" "got:  $3"
	fi
}
# check_re NAME REGEX GOT
check_re() {
	if [[ $3 =~ $2 ]]; then ok "$1"; else
		not_ok "$1" "want: /$2/" "got:  $3"
	fi
}
# ds_netns PID: the ds-test-PID-* namespaces, sorted, on one line.
ds_netns() {
	ip netns list 2>/dev/null | awk '{print $1}' | grep "^ds-test-$1-" |
		sort | paste -sd' '
}

# --- topology -----------------------------------------------------------------
# shellcheck disable=SC2119 # netns_setup takes no arguments
if ! netns_setup; then
	not_ok "netns_setup builds the topology"
	echo "1..$n"
	exit 1
fi
check "netns_setup creates the client and server namespaces" \
	"$CLIENT $SERVER" "$(ds_netns $$)"

got=
for ns in client server; do
	v=$NETNS_VETH_CLIENT
	[ $ns = server ] && v=$NETNS_VETH_SERVER
	got+="$ns:$(netns_exec $ns sysctl -n net.ipv4.ip_forward \
		net.ipv6.conf.all.forwarding "net.ipv6.conf.$v.forwarding" \
		"net.ipv6.conf.$v.accept_dad" | tr '\n' ,) "
done
check "forwarding off and DAD off on the veths" \
	"client:0,0,0,0, server:0,0,0,0, " "$got"

netns_add_addr server 2001:db8::3/64 && netns_add_addr server 198.51.100.3/24
got=$(netns_exec server ip -br addr show dev "$NETNS_VETH_SERVER" |
	grep -oE '(2001:db8::[0-9]+|198\.51\.100\.[0-9]+)/[0-9]+' | sort | tr '\n' ' ')
check "server addresses, with the ones netns_add_addr added" \
	"198.51.100.2/24 198.51.100.3/24 2001:db8::2/64 2001:db8::3/64 " "$got"
got=$(netns_exec client ip -br addr show dev "$NETNS_VETH_CLIENT" |
	grep -oE '(2001:db8::[0-9]+|198\.51\.100\.[0-9]+)/[0-9]+' | sort | tr '\n' ' ')
check "client addresses" "198.51.100.1/24 2001:db8::1/64 " "$got"
check "no tentative IPv6 address (nodad)" "" \
	"$(netns_exec server ip -6 addr show tentative; netns_exec client ip -6 addr show tentative)"

listening=yes
for a in 2001:db8::2 198.51.100.2 2001:db8::3 198.51.100.3; do
	netns_tcp_listen server $a 443 || listening=no
	netns_tcp_listen server $a 80 || listening=no
done
check "TCP listeners on ports 80 and 443 of every server address" yes $listening
for a in 2001:db8::2 198.51.100.2 2001:db8::3 198.51.100.3; do
	check_re "TCP from the client reaches $a port 443" '^ok [0-9]+$' \
		"$(netns_tcp_connect client $a 443)"
done

# --- dnsd -----------------------------------------------------------------------
zone=$NETNS_DIR/zone
cat >"$zone" <<'EOF'
# name type value [ttl]
www.example.test   A     198.51.100.2
www.example.test   A     198.51.100.3   30
www.example.test   AAAA  2001:db8::2
www.example.test   AAAA  2001:db8::3
v4only.example.test A    198.51.100.2
EOF
dnslog=$NETNS_DIR/dns.log
if netns_dnsd client --listen 127.0.0.1 --listen ::1 --port 5353 \
	--zone "$zone" --ttl 120 --delay AAAA=300 --log "$dnslog" \
	--record 'ipv4only.arpa AAAA 64:ff9b::c000:aa' \
	--record 'ipv4only.arpa AAAA 64:ff9b::c000:ab'; then
	ok "dnsd starts in the client namespace on 127.0.0.1 and ::1 port 5353"
else
	not_ok "dnsd starts in the client namespace on 127.0.0.1 and ::1 port 5353"
fi
dnsd_pid=$NETNS_LAST_PID

# An independent client: builds queries and checks answers byte by byte.
#   q.py SERVER PROTO NAME TYPE   -> one line describing the response
#   q.py SERVER race              -> AAAA then A at once; arrival times
#   q.py SERVER junk              -> malformed packets, then an A query
cat >"$NETNS_DIR/q.py" <<'EOF'
import random, socket, struct, sys, time, ipaddress
T = {"A": 1, "AAAA": 28, "MX": 15}
def query(name, qtype, qid):
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", T[qtype], 1)
def describe(req, r):
    qid, fl, qd, an, ns, ar = struct.unpack("!HHHHHH", r[:12])
    out = ["id_ok=%d" % (qid == struct.unpack("!H", req[:2])[0])]
    out.append("qr=%d aa=%d rd=%d ra=%d tc=%d rcode=%d" % (fl >> 15, fl >> 10 & 1, fl >> 8 & 1, fl >> 7 & 1, fl >> 9 & 1, fl & 15))
    out.append("question_echoed=%d" % (r[12:len(req)] == req[12:] and qd == 1))
    p, rrs = len(req), []
    for _ in range(an):
        ptr, t, c, ttl, l = struct.unpack("!HHHIH", r[p:p + 12])
        data = r[p + 12:p + 12 + l]
        p += 12 + l
        a = ipaddress.ip_address(data)
        rrs.append("%s/%s/ptr=%x/class=%d/ttl=%d" % ({1: "A", 28: "AAAA"}[t], a, ptr, c, ttl))
    out.append("an=[%s]" % " ".join(sorted(rrs)))
    out.append("ns=%d ar=%d trailing=%d" % (ns, ar, len(r) - p))
    return " ".join(out)
def fam(s):
    return socket.AF_INET6 if ":" in s else socket.AF_INET
srv = sys.argv[1]
addr = (srv, 5353)
mode = sys.argv[2]
if mode in ("udp", "tcp"):
    req = query(sys.argv[3], sys.argv[4], random.randrange(65536))
    if mode == "udp":
        s = socket.socket(fam(srv), socket.SOCK_DGRAM)
        s.settimeout(3)
        s.sendto(req, addr)
        r = s.recv(65535)
    else:
        s = socket.create_connection(addr, timeout=3)
        s.sendall(struct.pack("!H", len(req)) + req)
        l = struct.unpack("!H", s.recv(2))[0]
        r = b""
        while len(r) < l:
            r += s.recv(l - len(r))
    print(describe(req, r))
elif mode == "race":
    s6 = socket.socket(fam(srv), socket.SOCK_DGRAM)
    s4 = socket.socket(fam(srv), socket.SOCK_DGRAM)
    t0 = time.monotonic()
    s6.sendto(query("www.example.test", "AAAA", 6), addr)
    s4.sendto(query("www.example.test", "A", 4), addr)
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(s6, selectors.EVENT_READ, "AAAA")
    sel.register(s4, selectors.EVENT_READ, "A")
    got = []
    while len(got) < 2 and time.monotonic() - t0 < 3:
        for k, _ in sel.select(0.1):
            k.fileobj.recv(65535)
            sel.unregister(k.fileobj)
            got.append("%s=%d" % (k.data, round((time.monotonic() - t0) * 1000)))
    print(" ".join(got))
elif mode == "junk":
    s = socket.socket(fam(srv), socket.SOCK_DGRAM)
    s.settimeout(0.15)
    good = query("www.example.test", "A", 7)
    junk = [b"", b"\0", good[:11], good[:20], good[:-1],
            good[:2] + b"\x81\0" + good[4:],              # a response
            good[:4] + b"\0\2" + good[6:],                # two questions
            good[:12] + b"\xc0\x0c" + good[-4:],          # pointer loop
            good[:12] + b"\x3f" + b"a" * 10,              # label past end
            bytes(random.randrange(256) for _ in range(300))]
    answered = 0
    for j in junk:
        s.sendto(j, addr)
        try:
            s.recv(65535); answered += 1
        except socket.timeout:
            pass
    s.settimeout(3)
    s.sendto(good, addr)
    d = describe(good, s.recv(65535))
    print("junk_answered=%d then=%s" % (answered, "answered" if "question_echoed=1" in d else d))
EOF
q() { netns_exec client "$NETNS_PY" "$NETNS_DIR/q.py" "$@" 2>&1; }

got=$(q 127.0.0.1 udp www.example.test A)
check "A over UDP: both records, QR AA RD set, RA clear, question echoed, pointers to it, TTLs" \
	"id_ok=1 qr=1 aa=1 rd=1 ra=0 tc=0 rcode=0 question_echoed=1 an=[A/198.51.100.2/ptr=c00c/class=1/ttl=120 A/198.51.100.3/ptr=c00c/class=1/ttl=30] ns=0 ar=0 trailing=0" \
	"$got"
got=$(q ::1 udp WWW.Example.TEST AAAA)
check "AAAA over UDP on ::1, name matched without regard to case" \
	"id_ok=1 qr=1 aa=1 rd=1 ra=0 tc=0 rcode=0 question_echoed=1 an=[AAAA/2001:db8::2/ptr=c00c/class=1/ttl=120 AAAA/2001:db8::3/ptr=c00c/class=1/ttl=120] ns=0 ar=0 trailing=0" \
	"$got"
check "unknown name: NXDOMAIN, no answer" \
	"id_ok=1 qr=1 aa=1 rd=1 ra=0 tc=0 rcode=3 question_echoed=1 an=[] ns=0 ar=0 trailing=0" \
	"$(q 127.0.0.1 udp nope.example.test A)"
check "known name without that type: NOERROR, no answer (NODATA)" \
	"id_ok=1 qr=1 aa=1 rd=1 ra=0 tc=0 rcode=0 question_echoed=1 an=[] ns=0 ar=0 trailing=0" \
	"$(q 127.0.0.1 udp v4only.example.test AAAA)"
check "ipv4only.arpa AAAA: the two NAT64 (RFC 7050) records" \
	"id_ok=1 qr=1 aa=1 rd=1 ra=0 tc=0 rcode=0 question_echoed=1 an=[AAAA/64:ff9b::c000:aa/ptr=c00c/class=1/ttl=120 AAAA/64:ff9b::c000:ab/ptr=c00c/class=1/ttl=120] ns=0 ar=0 trailing=0" \
	"$(q 127.0.0.1 udp ipv4only.arpa AAAA)"
check "A over TCP on ::1" \
	"id_ok=1 qr=1 aa=1 rd=1 ra=0 tc=0 rcode=0 question_echoed=1 an=[A/198.51.100.2/ptr=c00c/class=1/ttl=120 A/198.51.100.3/ptr=c00c/class=1/ttl=30] ns=0 ar=0 trailing=0" \
	"$(q ::1 tcp www.example.test A)"
check "malformed queries get no answer; the next good one does" \
	"junk_answered=0 then=answered" "$(q 127.0.0.1 junk)"

: >"$dnslog"
got=$(q 127.0.0.1 race)
a_ms=$(sed -n 's/.*\bA=\([0-9]*\).*/\1/p' <<<"$got")
aaaa_ms=$(sed -n 's/.*AAAA=\([0-9]*\).*/\1/p' <<<"$got")
if [ -n "$a_ms" ] && [ -n "$aaaa_ms" ] && [ "$a_ms" -lt 150 ] &&
	[ "$aaaa_ms" -ge 300 ] && [ "$aaaa_ms" -lt 1000 ] &&
	[[ $got == A=* ]]; then
	ok "AAAA asked first: A answered at once (${a_ms} ms), AAAA after the 300 ms delay (${aaaa_ms} ms)"
else
	not_ok "AAAA asked first: A at once, AAAA after >= 300 ms" "got: $got"
fi
got=$(awk '{print $2, $4, $5, $6}' "$dnslog" | tr '\n' ';')
check "the log: both queries received, A answered, then AAAA" \
	"recv AAAA www.example.test. delay=300;recv A www.example.test. delay=0;send A www.example.test. rcode=NOERROR;send AAAA www.example.test. rcode=NOERROR;" \
	"$got"
t_recv=$(awk '$2 == "recv" && $4 == "AAAA" {print $1}' "$dnslog")
t_send=$(awk '$2 == "send" && $4 == "AAAA" {print $1}' "$dnslog")
check "the log's times: AAAA sent >= 300 ms after it was received" yes \
	"$(awk -v a="$t_recv" -v b="$t_send" 'BEGIN { print (a != "" && b - a >= 0.3) ? "yes" : "no: " a " " b }')"

if command -v dig >/dev/null; then
	got=$(netns_exec client dig +tries=1 +time=2 -p 5353 @127.0.0.1 \
		www.example.test AAAA +noall +answer +comments 2>&1)
	check_re "dig: AAAA answers and flags qr aa rd" \
		'flags: qr aa rd;.*2001:db8::2.*2001:db8::3|flags: qr aa rd;.*2001:db8::3.*2001:db8::2' \
		"$(tr '\n' ' ' <<<"$got")"
else
	skip "dig is not installed (apt-get install bind9-dnsutils)"
fi

pidfile=$(ls "$NETNS_DIR"/dnsd.*.pid 2>/dev/null)
kill -TERM "$dnsd_pid"
wait "$dnsd_pid"
rc=$?
check "dnsd exits 0 on SIGTERM and removes its pidfile" "0 gone" \
	"$rc $([ -e "$pidfile" ] && echo there || echo gone)"

# --- nftables: drops and rejects --------------------------------------------------
# connect SRC ADDR PORT: "RESULT MS" with a 1 s deadline.
c() { netns_tcp_connect client "$@" 1; }
# ms_below LIMIT "RESULT MS" -> RESULT, or RESULT+slow
fast() { local r=${2% *} ms=${2#* }; [ "$ms" -lt "$1" ] && echo "$r" || echo "$r+slow($ms ms)"; }

netns_drop server ip6 2001:db8::2 443
check "drop ip6 [2001:db8::2]:443: connect times out" timeout "$(c 2001:db8::2 443 | cut -d' ' -f1)"
check "... while [2001:db8::2]:80, [2001:db8::3]:443 and 198.51.100.2:443 connect" \
	"ok ok ok" "$(fast 200 "$(c 2001:db8::2 80)") $(fast 200 "$(c 2001:db8::3 443)") $(fast 200 "$(c 198.51.100.2 443)")"
netns_flush server
netns_drop server ip 443
check "drop ip port 443 (any address): IPv4 times out, IPv6 connects" \
	"timeout ok" "$(c 198.51.100.3 443 | cut -d' ' -f1) $(fast 200 "$(c 2001:db8::3 443)")"
netns_flush server
check "netns_flush: IPv4 port 443 connects again" ok "$(fast 200 "$(c 198.51.100.3 443)")"

netns_reject_rst server ip6 2001:db8::2 443
check "reject with tcp reset (ip6): ECONNREFUSED at once; IPv4 connects" \
	"ECONNREFUSED ok" "$(fast 200 "$(c 2001:db8::2 443)") $(fast 200 "$(c 198.51.100.2 443)")"
netns_flush server
netns_reject_rst server ip 198.51.100.2 443
check "reject with tcp reset (ip): ECONNREFUSED at once" \
	ECONNREFUSED "$(fast 200 "$(c 198.51.100.2 443)")"
netns_flush server

# ICMPv4 errors end the connect at once. An ICMPv6 error to the first SYN
# reaches the client while connect() still holds the socket (the veth hands
# packets over synchronously; TcpExtLockDroppedIcmps counts it), so only
# the one to the retransmitted SYN, ~1 s later, ends it. Allow 1.5 s.
icmp() { netns_tcp_connect client "$1" 443 2; }
for t in admin-prohibited:EHOSTUNREACH host-prohibited:EHOSTUNREACH \
	host-unreachable:EHOSTUNREACH net-unreachable:ENETUNREACH \
	port-unreachable:ECONNREFUSED; do
	netns_reject_icmp server ip 198.51.100.2 443 "${t%%:*}"
	check "reject with icmp type ${t%%:*}: ${t#*:} at once" "${t#*:}" \
		"$(fast 200 "$(icmp 198.51.100.2)")"
	netns_flush server
done
for t in admin-prohibited:EACCES port-unreachable:ECONNREFUSED \
	no-route:ENETUNREACH addr-unreachable:EHOSTUNREACH \
	policy-fail:EACCES reject-route:EACCES; do
	netns_reject_icmp server ip6 2001:db8::2 443 "${t%%:*}"
	check "reject with icmpv6 type ${t%%:*}: ${t#*:} (within 1.5 s)" "${t#*:}" \
		"$(fast 1500 "$(icmp 2001:db8::2)")"
	netns_flush server
done
netns_reject_icmp server inet 443 admin-prohibited
check "reject with icmpx admin-prohibited (inet): EHOSTUNREACH for IPv4, EACCES for IPv6" \
	"EHOSTUNREACH EACCES" "$(fast 200 "$(icmp 198.51.100.3)") $(fast 1500 "$(icmp 2001:db8::3)")"
netns_flush server
check "after netns_flush both families connect" "ok ok" \
	"$(fast 200 "$(c 2001:db8::2 443)") $(fast 200 "$(c 198.51.100.2 443)")"

# --- cleanup ------------------------------------------------------------------------
# A script using the library: sets up, starts dnsd, says so, then waits.
child() {
	# A fresh file: the wait below must not read the last child's line
	# before this child's redirection has truncated it.
	rm -f "$NETNS_DIR/child.out"
	child_shell= child_dnsd=
	bash -c '
		. "$1"
		netns_setup || exit 1
		netns_dnsd client --port 5353 --record "a.test A 192.0.2.1" || exit 1
		echo "$$ $NETNS_LAST_PID"
		while :; do sleep 0.1; done
	' child "$lib" >"$NETNS_DIR/child.out" 2>&1 &
	child_pid=$!
	for _ in $(seq 150); do
		[ -s "$NETNS_DIR/child.out" ] && break
		sleep 0.1
	done
	read -r child_shell child_dnsd <"$NETNS_DIR/child.out" || true
}
gone() { # PID: "gone" or "alive" (a zombie nobody reaps counts as gone)
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
	case $st in '' | Z | X) echo gone ;; *) echo alive ;; esac
}

child
before=$(ds_netns "$child_shell")
kill -TERM "$child_pid"
wait "$child_pid"
check "SIGTERM to a script using the library: its namespaces and dnsd are removed" \
	"ds-test-$child_shell-client ds-test-$child_shell-server |  | gone" \
	"$before | $(ds_netns "$child_shell") | $(gone "$child_dnsd")"

child
kill -KILL "$child_pid"
wait "$child_pid" 2>/dev/null
left=$(ds_netns "$child_shell")
netns_reap_stale
check "SIGKILL leaves the namespaces; netns_reap_stale removes them and dnsd" \
	"ds-test-$child_shell-client ds-test-$child_shell-server |  | gone" \
	"$left | $(ds_netns "$child_shell") | $(gone "$child_dnsd")"

pids=$(ip netns pids "$SERVER" | tr '\n' ' ')
netns_cleanup
netns_cleanup
alive=
for p in $pids; do [ "$(gone "$p")" = alive ] && alive+="$p "; done
check "netns_cleanup (twice): no namespace and no listener left" " | " \
	"$(ds_netns $$) | $alive"

echo "1..$n"
[ $failed -eq 0 ]
