#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Happy Eyeballs time to connect: "dualstack connect" beside curl, Python
# asyncio and Go's net.Dialer, in the same run, against the same server
# and the same DNS answers, in scenarios where one family is broken.
#
#   bench/happy.sh
#
# Two network namespaces (tests/net/lib/netns.sh): the client, and a
# server with a tiny HTTP responder on [::]:8080 (both families) and the
# test DNS responder (tests/net/lib/dnsd.py) on 198.51.100.2:53 serving
# www.example.test. nftables rules in the server namespace break one
# family per scenario. Every tool resolves the name itself, through the
# client namespace's /etc/resolv.conf (/etc/netns/NAME/resolv.conf, which
# "ip netns exec" mounts over /etc/resolv.conf).
#
# Scenarios:
#    1  both families healthy
#    2  IPv6 SYNs dropped
#    3  IPv6 SYNs answered with a TCP RST
#    6  the AAAA answer 500 ms late
#    7  the A answer 500 ms late
#   11  scenario 2 again, with memory: dualstack's cache file warmed by one
#       connect before; the others keep nothing between processes
#   13  AAAA 2001:db8::2 dropped, A 198.51.100.3 dropped (listed first),
#       A 198.51.100.2 live
#
# Two modes: (a) each tool with its own defaults, (b) each tool with the
# same attempt delay, 250 ms (HAPPY_DELAY). Each scenario is run HAPPY_RUNS
# times (3) per tool and the median is printed; a tool whose run fails or
# takes longer than HAPPY_SLOW_MS (5000) is not run again in that scenario
# (such times come from a timeout, not from the race). Every run is bounded
# by HAPPY_TIMEOUT seconds (20; the tools' own connect timeouts are set to
# it too) and shown as ">20000" when it reaches it. HAPPY_TOOLS (dualstack
# curl asyncio go) and HAPPY_SCENARIOS (1 2 3 6 7 11 13) pick a subset.
#
# Writes a TSV of every measurement to $BENCH_OUT (a file when it ends in
# .tsv, else a directory), default bench/results/happy.tsv.
#
# Needs root, iproute2, nftables, /usr/bin/python3, meson and ninja (to
# build dualstack in the shared release directory, see bench/lib.sh);
# curl is left out when missing; Go (golang-go) is installed when missing.
# Everything it creates (namespaces, processes, /etc/netns/NAME, scratch
# files) is removed at exit, Ctrl-C included. Not a test: the exit status
# is non-zero only when something cannot be built or started.

set -u
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
runs=${HAPPY_RUNS:-3}
cap_s=${HAPPY_TIMEOUT:-20}
slow_ms=${HAPPY_SLOW_MS:-5000}
same_delay=${HAPPY_DELAY:-250}
python=/usr/bin/python3
host=www.example.test
port=8080
scenarios=${HAPPY_SCENARIOS:-1 2 3 6 7 11 13}
tools=${HAPPY_TOOLS:-dualstack curl asyncio go}
cap_ms=$((cap_s * 1000))

die() {
	echo "bench/happy: $*" >&2
	exit 1
}

for t in $tools; do
	case $t in
	dualstack | curl | asyncio | go) ;;
	*) die "HAPPY_TOOLS: unknown tool '$t'" ;;
	esac
done
for sc in $scenarios; do
	case $sc in
	1 | 2 | 3 | 6 | 7 | 11 | 13) ;;
	*) die "HAPPY_SCENARIOS: no scenario '$sc'" ;;
	esac
done
for v in runs cap_s slow_ms same_delay; do
	case ${!v} in
	'' | *[!0-9]* | 0) die "$v must be a positive integer" ;;
	esac
done
[ "$(id -u)" = 0 ] || die "needs root (it creates network namespaces)"
for tool in ip nft meson ninja timeout; do
	command -v "$tool" >/dev/null || die "$tool is not installed (make deps)"
done
[ -x "$python" ] || die "$python is not installed"
if [[ " $tools " == *" curl "* ]] && ! command -v curl >/dev/null; then
	echo "bench/happy: curl not found, left out" >&2
	tools=$(tr ' ' '\n' <<<"$tools" | grep -vx curl | tr '\n' ' ')
fi
has() {
	[[ " $tools " == *" $1 "* ]]
}
if has go && ! command -v go >/dev/null; then
	echo "bench/happy: installing golang-go" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go \
		>/dev/null || die "cannot install golang-go"
fi

# --- Scratch space, and the exit path that removes everything ------------

tmp=
netns_conf=
made_etc_netns=
happy_cleanup() {
	[ -n "$netns_conf" ] && rm -rf "$netns_conf"
	[ -n "$made_etc_netns" ] && rmdir /etc/netns 2>/dev/null
	[ -n "$tmp" ] && rm -rf "$tmp"
	return 0
}
trap happy_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
tmp=$(mktemp -d /tmp/ds-bench-happy.XXXXXX) || die "mktemp failed"

# --- Build ---------------------------------------------------------------

ds_timeout=()
if has dualstack; then
	. "$top/bench/lib.sh"
	bench_build src/dualstack
	ds=$builddir/src/dualstack
	"$ds" connect --help >"$tmp/help" 2>&1 ||
		die "this dualstack has no working 'connect' subcommand"
	for opt in --probe --json --delay --no-cache --cache-file; do
		grep -q -- "$opt" "$tmp/help" ||
			die "dualstack connect has no $opt option"
	done
	grep -q -- --timeout "$tmp/help" && ds_timeout=(--timeout "$cap_s")
fi

mkdir -p "$tmp/go/cache" "$tmp/go/path"
if has go && ! (cd "$tmp" && GOCACHE=$tmp/go/cache GOPATH=$tmp/go/path GOFLAGS="" \
	GO111MODULE=off GOPROXY=off go build -o "$tmp/happy-dial" \
	"$top/bench/happy-dial.go") >"$tmp/go.log" 2>&1; then
	cat "$tmp/go.log" >&2
	die "cannot build bench/happy-dial.go"
fi

# The tools find nothing of the user's: no ~/.curlrc, no cache files.
export HOME=$tmp/home XDG_CACHE_HOME=$tmp/home/.cache
mkdir -p "$HOME"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

# --- Topology -------------------------------------------------------------

# shellcheck source=tests/net/lib/netns.sh
. "$top/tests/net/lib/netns.sh"
(netns_require) >&2 || die "cannot build the topology (see above)"
netns_setup || die "netns_setup failed"
netns_add_addr "$SERVER" 198.51.100.3/24 || die "cannot add 198.51.100.3"

if [ ! -d /etc/netns ]; then
	mkdir /etc/netns || die "cannot create /etc/netns"
	made_etc_netns=1
fi
netns_conf=/etc/netns/$CLIENT
mkdir "$netns_conf" || die "cannot create $netns_conf"
printf 'nameserver 198.51.100.2\n' >"$netns_conf/resolv.conf"

# A minimal HTTP server for both families on one socket: reads the request
# head, answers 204, closes. A bare connect-and-close is fine too.
cat >"$tmp/httpd.py" <<'EOF'
import socket, sys, threading
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
s.listen(128)
def serve(c):
    c.settimeout(5)
    try:
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            d = c.recv(4096)
            if not d:
                break
            data += d
        if data:
            c.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
    except OSError:
        pass
    finally:
        c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
netns_spawn "$SERVER" "$python" "$tmp/httpd.py" "$port"
for _ in $(seq 50); do
	ip netns exec "$SERVER" ss -Hltn "sport = :$port" | grep -q . && break
	sleep 0.1
done
ip netns exec "$SERVER" ss -Hltn "sport = :$port" | grep -q . ||
	die "the HTTP responder did not start"

dnsd_pid=
# dns_start RECORD... [-- DELAY...]: (re)start dnsd with these records.
dns_start() {
	local args=()
	if [ -n "$dnsd_pid" ]; then
		kill "$dnsd_pid" 2>/dev/null
		wait "$dnsd_pid" 2>/dev/null
		local p keep=()
		for p in "${NETNS_PIDS[@]}"; do
			[ "$p" = "$dnsd_pid" ] || keep+=("$p")
		done
		NETNS_PIDS=("${keep[@]}")
		dnsd_pid=
	fi
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		args+=(--record "$host $1")
		shift
	done
	[ $# -gt 0 ] && shift
	while [ $# -gt 0 ]; do
		args+=(--delay "$1")
		shift
	done
	# TTL 0: no resolver on the path may answer from a cache.
	netns_dnsd "$SERVER" --listen 198.51.100.2 --port 53 --ttl 0 \
		--log "$tmp/dnsd.log" "${args[@]}" || die "dnsd did not start"
	dnsd_pid=$NETNS_LAST_PID
}

# scenario_setup N: rules and DNS answers for scenario N.
scenario_setup() {
	netns_flush "$SERVER"
	case $1 in
	1) dns_start "AAAA 2001:db8::2" "A 198.51.100.2" ;;
	2 | 11)
		dns_start "AAAA 2001:db8::2" "A 198.51.100.2"
		netns_drop "$SERVER" ip6 2001:db8::2 "$port"
		;;
	3)
		dns_start "AAAA 2001:db8::2" "A 198.51.100.2"
		netns_reject_rst "$SERVER" ip6 2001:db8::2 "$port"
		;;
	6) dns_start "AAAA 2001:db8::2" "A 198.51.100.2" -- AAAA=500 ;;
	7) dns_start "AAAA 2001:db8::2" "A 198.51.100.2" -- A=500 ;;
	13)
		# Same RFC 6724 rank for both IPv4 addresses (equal common
		# prefix with 198.51.100.1), so DNS order decides: dead first.
		dns_start "AAAA 2001:db8::2" "A 198.51.100.3" "A 198.51.100.2"
		netns_drop "$SERVER" ip6 2001:db8::2 "$port"
		netns_drop "$SERVER" ip 198.51.100.3 "$port"
		;;
	esac
}

scenario_name() {
	case $1 in
	1) echo "both healthy" ;;
	2) echo "IPv6 SYNs dropped" ;;
	3) echo "IPv6 RST" ;;
	6) echo "AAAA 500 ms late" ;;
	7) echo "A 500 ms late" ;;
	11) echo "2 again, memory" ;;
	13) echo "v6 + 1st v4 dead" ;;
	esac
}

# ideal N D: RFC 8305's time to connect in scenario N with attempt delay
# D, ignoring round trips: the Resolution Delay (50 ms, section 3) in 6,
# one attempt delay in 2, two in 13, and nothing else.
ideal() {
	case $1 in
	2) echo "$2" ;;
	6) echo 50 ;;
	13) echo $(($2 * 2)) ;;
	*) echo 0 ;;
	esac
}

# --- One measurement ------------------------------------------------------

# run_client OUT CMD...: run CMD in the client namespace, bounded by
# HAPPY_TIMEOUT + 5 s from outside. Sets rc and wall (ms, from outside).
# In the background and waited for, so that Ctrl-C is acted on at once.
run_client() {
	local out=$1 t0 t1
	shift
	t0=$EPOCHREALTIME
	ip netns exec "$CLIENT" timeout -k 2 $((cap_s + 5)) "$@" \
		>"$out" 2>"$out.err" &
	wait $!
	rc=$?
	t1=$EPOCHREALTIME
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) * 1000 }')
}

# measure TOOL MODE SCENARIO: one run. Sets ms (the tool's own time to
# connect), status (ok, cap, fail) and remote (the address connected to).
measure() {
	local tool=$1 mode=$2 sc=$3 out=$tmp/out d=() line
	ms='' status=fail remote=-
	case $tool in
	dualstack)
		local cache=(--no-cache)
		[ "$sc" = 11 ] && cache=(--cache-file "$tmp/he-cache.$mode")
		[ "$mode" = b ] && d=(--delay "$same_delay")
		run_client "$out" "$ds" connect --probe --json "${cache[@]}" \
			"${ds_timeout[@]}" "${d[@]}" "$host" "$port"
		line=$("$python" -c 'import json, sys
try:
    j = json.load(open(sys.argv[1]))
except ValueError:
    print("fail - -")
    sys.exit()
ms = j.get("elapsed_ms", j.get("connect_ms"))
r = j.get("remote")
if isinstance(r, dict):
    r = r.get("address", r.get("addr", "-"))
print("ok" if j.get("connected") else "fail",
      "-" if ms is None else ms, r or "-")' "$out")
		read -r status ms remote <<<"$line"
		[ "$ms" = - ] && ms=$wall
		ds_wall=$wall
		;;
	curl)
		[ "$mode" = b ] && d=(--happy-eyeballs-timeout-ms "$same_delay")
		run_client "$out" curl -q -s -o /dev/null --noproxy '*' \
			-w '%{time_connect} %{remote_ip}\n' "${d[@]}" \
			--connect-timeout "$cap_s" "http://$host:$port/"
		read -r ms remote <"$out"
		ms=$(awk -v s="${ms:-0}" 'BEGIN { printf "%.3f", s * 1000 }')
		# time_connect is 0 when it never connected.
		if [ "$rc" = 0 ] || [ "$ms" != 0.000 ]; then
			status=ok
		else
			ms=$wall
			[ "$rc" = 28 ] && status=cap
		fi
		;;
	asyncio | go)
		if [ "$tool" = asyncio ]; then
			[ "$mode" = b ] && d=(--delay "$same_delay")
			run_client "$out" "$python" "$top/bench/happy-asyncio.py" \
				--timeout "$cap_s" "${d[@]}" "$host" "$port"
		else
			[ "$mode" = b ] && d=(-delay "$same_delay")
			run_client "$out" env GODEBUG=netdns=go "$tmp/happy-dial" \
				-timeout "${cap_s}s" "${d[@]}" "$host" "$port"
		fi
		read -r line ms remote <"$out"
		case $line in
		fail)
			case $remote in *timeout*) status=cap ;; esac
			remote=-
			;;
		[0-9]*)
			remote=$ms
			ms=$line
			status=ok
			;;
		*) ms=$wall ;;
		esac
		;;
	esac
	case $rc in 124 | 137) status=cap ;; esac
	if [ "$status" != ok ] && [ -s "$out.err" ]; then
		echo "$tool, mode $mode, scenario $sc: $(head -c 300 "$out.err" |
			tr '\n' ' ')" >>"$tmp/notes"
	fi
	[ -n "$ms" ] || ms=$wall
}

median() {
	tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 }
	END {
		if (NR == 0) exit
		if (NR % 2) print v[(NR + 1) / 2]
		else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

# --- The runs ---------------------------------------------------------------

# Table columns: dualstack's own time and its wall time, then the others.
others=$(tr ' ' '\n' <<<"$tools" | grep -vx dualstack | grep . | tr '\n' ' ')
columns=$others
has dualstack && columns="dualstack dswall $others"

out_tsv=${BENCH_OUT:-$top/bench/results}
case $out_tsv in
*.tsv) mkdir -p "$(dirname "$out_tsv")" ;;
*)
	mkdir -p "$out_tsv"
	out_tsv=$out_tsv/happy.tsv
	;;
esac
: >"$tmp/tsv"

declare -A res res_status
echo "Happy Eyeballs: time to connect to $host:$port, client and server in"
echo "two network namespaces; median of $runs runs, milliseconds."
sed -n 's/^model name[[:space:]]*: /cpu: /p' /proc/cpuinfo | head -n 1
echo "cores: $(nproc), kernel $(uname -r), load average" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(curl --version 2>/dev/null | head -n 1 | cut -d' ' -f1-2)," \
	"$("$python" --version 2>&1), $(go version 2>/dev/null | cut -d' ' -f3)"
echo

t_start=$SECONDS
for sc in $scenarios; do
	scenario_setup "$sc"
	for mode in a b; do
		if [ "$mode" = a ]; then
			ideal_d=250
		else
			ideal_d=$same_delay
		fi
		if [ "$sc" = 11 ] && has dualstack; then
			# One connect, not measured, to fill the cache file.
			d=()
			[ "$mode" = b ] && d=(--delay "$same_delay")
			run_client "$tmp/warm" "$ds" connect --probe --json \
				--cache-file "$tmp/he-cache.$mode" "${d[@]}" \
				"$host" "$port"
		fi
		declare -A times=() done_tool=() st=() rem=()
		for _ in $(seq "$runs"); do
			for tool in $tools; do
				[ -n "${done_tool[$tool]:-}" ] && continue
				measure "$tool" "$mode" "$sc"
				if [ "$status" = ok ]; then
					times[$tool]+="$ms "
					[ "$tool" = dualstack ] &&
						times[dswall]+="$ds_wall "
					rem[$tool]=$remote
				else
					st[$tool]=$status
					done_tool[$tool]=1
					[ "$tool" = dualstack ] && st[dswall]=$status
				fi
				awk -v m="$ms" -v s="$slow_ms" \
					'BEGIN { exit !(m > s) }' && done_tool[$tool]=1
			done
		done
		for col in $columns; do
			tool=${col/dswall/dualstack}
			v=$(median <<<"${times[$col]:-}")
			s=${st[$col]:-ok}
			res[$mode,$sc,$col]=$v
			res_status[$mode,$sc,$col]=$s
			case $mode,$tool in
			b,*) dly=$same_delay ;;
			a,dualstack) dly=250 ;;
			a,curl) dly=200 ;;
			a,asyncio) dly=none ;;
			a,go) dly=300 ;;
			esac
			n=$(wc -w <<<"${times[$col]:-}")
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
				"$mode" "$sc" "$col" "$dly" "$n" "${v:--}" "$s" \
				"$(ideal "$sc" "$ideal_d")" "${rem[$tool]:--}" \
				"$(xargs <<<"${times[$col]:-}" | tr ' ' ,)" >>"$tmp/tsv"
		done
		unset times done_tool st rem
	done
done
elapsed=$((SECONDS - t_start))

# --- Tables -----------------------------------------------------------------

# cell MODE SC COL: the median, or ">CAP" / "fail".
cell() {
	local v=${res[$1,$2,$3]:-} s=${res_status[$1,$2,$3]:-ok}
	case $s in
	cap) echo ">$cap_ms" ;;
	fail) echo fail ;;
	*) awk -v v="$v" 'BEGIN { printf(v < 10 ? "%.2f" : "%.0f", v) }' ;;
	esac
}

# ratio MODE SC COL: the tool's median over dualstack's.
ratio() {
	local dsv=${res[$1,$2,dualstack]:-} v=${res[$1,$2,$3]:-}
	local s=${res_status[$1,$2,$3]:-ok}
	if [ -z "$dsv" ] || [ "${res_status[$1,$2,dualstack]:-}" != ok ]; then
		echo -
		return
	fi
	case $s in
	cap) awk -v c="$cap_ms" -v d="$dsv" 'BEGIN { printf ">%.1f", c / d }' ;;
	fail) echo - ;;
	*) awk -v v="$v" -v d="$dsv" 'BEGIN {
		r = v / d
		printf(r < 10 ? "%.2f" : r < 1000 ? "%.1f" : "%.0f", r) }' ;;
	esac
}

header() {
	printf '%-3s %-18s %6s' "" scenario ideal
	for col in $columns; do
		case $col in
		dswall) printf ' %9s' "ds wall" ;;
		*) printf ' %9s' "$col" ;;
		esac
	done
	printf '\n'
}

for mode in a b; do
	if [ "$mode" = a ]; then
		echo "(a) each tool at its defaults: dualstack 250 ms attempt delay"
		echo "    (50 ms resolution delay), curl 200 ms, asyncio without"
		echo "    Happy Eyeballs (sequential), Go 300 ms; ideal for D = 250"
	else
		echo "(b) the same attempt delay for all: $same_delay ms" \
			"(asyncio with interleave=1)"
	fi
	echo
	ideal_d=$same_delay
	[ "$mode" = a ] && ideal_d=250
	header
	for sc in $scenarios; do
		printf '%-3s %-18s %6s' "$sc" "$(scenario_name "$sc")" \
			"$(ideal "$sc" "$ideal_d")"
		for col in $columns; do
			printf ' %9s' "$(cell "$mode" "$sc" "$col")"
		done
		printf '\n'
	done
	echo
	if ! has dualstack || [ -z "$others" ]; then
		continue
	fi
	echo "ratio to dualstack (tool's time / dualstack's):"
	printf '%-3s %-18s' "" scenario
	for col in $others; do
		printf ' %9s' "$col"
	done
	printf '\n'
	for sc in $scenarios; do
		printf '%-3s %-18s' "$sc" "$(scenario_name "$sc")"
		for col in $others; do
			printf ' %9s' "$(ratio "$mode" "$sc" "$col")"
		done
		printf '\n'
	done
	echo
done

cat <<EOF
ideal: RFC 8305 with attempt delay D (mode a: curl's own would be 200 in 2
and 400 in 13, Go's 300 and 600); 6 is the 50 ms Resolution Delay, which
only dualstack has: curl, asyncio and Go resolve through one call that
waits for both answers (getaddrinfo, Go's resolver), so 6 and 7 cost them
the late answer. dualstack: its elapsed_ms; "ds wall": the whole process,
timed from outside (ip netns exec, start-up, exit). 11: dualstack with its
cache file warmed by one connect; the others run as in 2 (no memory).
">$cap_ms": the run reached the ${cap_s} s bound (a kernel or tool timeout);
a tool that fails or takes over $slow_ms ms is not run again in that scenario.
EOF
if [ -s "$tmp/notes" ]; then
	echo
	sort "$tmp/notes" | uniq -c | sed 's/^ */note: /'
fi

{
	printf 'mode\tscenario\ttool\tdelay_ms\truns\tmedian_ms\tstatus'
	printf '\tideal_ms\tremote\ttimes_ms\n'
	cat "$tmp/tsv"
} >"$out_tsv" || die "cannot write $out_tsv"
echo
echo "measurements: $out_tsv; ${elapsed} s"
exit 0
