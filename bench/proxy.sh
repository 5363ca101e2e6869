#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# TCP relays, IPv6 in and IPv4 out on loopback: "dualstack proxy" beside
# 6tunnel, socat, HAProxy (mode tcp) and nginx's stream module, in one run
# on one machine. Every relay listens on [::1]:PORT and forwards to
# 127.0.0.1, started by this script from its own configuration in a
# scratch directory.
#
#   bench/proxy.sh
#
# For each relay, one run of each (see DS_BENCH_RUNS below):
#   - throughput: iperf3 -c ::1 -p RELAY -P 1, then -P 8, for
#     DS_BENCH_PROXY_SECONDS (default 5) each, against an iperf3 server on
#     127.0.0.1; Gbit/s received (end.sum_received of --json);
#   - connection rate: dualstack load -c 50 -m 1 -s 100 -d SECONDS against
#     dualstack serve --proto echo on 127.0.0.1 (a new connection for each
#     100-byte echo); connections/s from its --json;
#   - the relay's CPU time in each run (utime + stime of every process of
#     its tree, plus the cutime + cstime of reaped children, read from
#     /proc before and after the run), its peak RSS (VmHWM of its
#     long-lived processes) and the PSS of its whole process tree sampled
#     in the middle of the 8-stream and connection runs (socat and
#     6tunnel fork a process per connection).
# Then 8 streams again with two threads or workers for the relays that
# have them (dualstack -j 2, HAProxy nbthread 2, nginx 2 workers), and the
# same loads without a relay (IPv4 straight to the servers) for scale.
#
# DS_BENCH_PROXY_RELAYS picks relays (default: all of dualstack
# dualstack-nosplice 6tunnel socat haproxy haproxy-splice nginx
# dualstack-j2 haproxy-t2 nginx-w2 direct). DS_BENCH_RUNS (default 1)
# repeats everything, the relays in the reverse order every other time;
# the best rate counts and CPU is the mean. One run takes about two and a
# half minutes. The output also goes to $BENCH_OUT (a file when it ends in
# .txt, else a directory; default bench/results/proxy-DATE.txt).
#
# Builds dualstack in the shared release build directory (see
# bench/lib.sh). Needs iperf3, 6tunnel, socat, haproxy, nginx with
# libnginx-mod-stream (make bench-deps), ss (iproute2), /usr/bin/python3,
# meson and ninja; a relay that is not installed is left out. Only
# loopback; every process started here is stopped at exit, Ctrl-C
# included. Not a test: the exit status is non-zero only when something
# cannot be built or started.

set -u
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
secs=${DS_BENCH_PROXY_SECONDS:-5}
runs=${DS_BENCH_RUNS:-1}
relays=${DS_BENCH_PROXY_RELAYS:-dualstack dualstack-nosplice 6tunnel socat \
haproxy haproxy-splice nginx dualstack-j2 haproxy-t2 nginx-w2 direct}
python=/usr/bin/python3
concurrency=50
size=100
nginx_modules=/usr/lib/nginx/modules

die() {
	echo "bench/proxy: $*" >&2
	exit 1
}

case $secs in
'' | *[!0-9]* | 0) die "DS_BENCH_PROXY_SECONDS: a whole number of seconds, at least 1" ;;
esac
case $runs in
'' | *[!0-9]* | 0) die "DS_BENCH_RUNS: a whole number, at least 1" ;;
esac
for r in $relays; do
	case $r in
	dualstack | dualstack-nosplice | dualstack-j2 | 6tunnel | socat | \
		haproxy | haproxy-splice | haproxy-t2 | nginx | nginx-w2 | direct) ;;
	*) die "DS_BENCH_PROXY_RELAYS: unknown relay '$r'" ;;
	esac
done
for tool in iperf3 ss meson ninja; do
	command -v "$tool" >/dev/null || die "$tool is not installed (make bench-deps)"
done
[ -x "$python" ] || die "$python is not installed"

# --- Build ------------------------------------------------------------------

# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
bench_build src/dualstack
ds=${builddir:?}/src/dualstack
case " $relays " in
*" dualstack"*)
	"$ds" proxy --help >/dev/null 2>&1 ||
		die "$ds has no working proxy command"
	;;
esac

# Leave out what is not installed, with a message.
have() {
	case $1 in
	6tunnel) command -v 6tunnel >/dev/null ;;
	socat) command -v socat >/dev/null ;;
	haproxy*) command -v haproxy >/dev/null ;;
	nginx*) command -v nginx >/dev/null &&
		[ -f "$nginx_modules/ngx_stream_module.so" ] ;;
	*) true ;;
	esac
}
list=
for r in $relays; do
	if have "$r"; then
		list="$list $r"
	else
		echo "bench/proxy: $r is not installed, left out" >&2
	fi
done
relays=$list

# --- Processes: everything started here is stopped here ---------------------

tmp=$(mktemp -d) || exit 1
started= # long-lived processes (servers, relay) still running

# forget PID: take PID off $started once it is stopped.
forget() {
	local p keep=
	for p in $started; do
		[ "$p" = "$1" ] || keep="$keep $p"
	done
	started=$keep
}

# tree PID: PID and all its descendants, parents first.
tree() {
	local c
	[ -d "/proc/$1" ] || return 0
	echo "$1"
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		tree "$c"
	done
}

# stop PID: SIGTERM to the process and its descendants (socat and 6tunnel
# leave a process per connection), SIGKILL to what is left after 3 s.
stop() {
	local pids p
	pids=$(tree "$1")
	[ -n "$pids" ] || {
		wait "$1" 2>/dev/null
		return 0
	}
	# shellcheck disable=SC2086 # one argument per process
	kill -TERM $pids 2>/dev/null
	for _ in $(seq 30); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	for p in $pids; do
		kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
	done
	wait "$1" 2>/dev/null
	return 0
}

cleanup() {
	local pid
	for pid in $started; do
		stop "$pid"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# As many descriptors as the hard limit allows, up to 65536.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -gt 65536 ]; then
	hard=65536
fi
ulimit -Sn "$hard" 2>/dev/null

# listening PORT PID: until something listens on PORT (seen with ss, no
# connection made), at most 5 s, while PID lives.
listening() {
	for _ in $(seq 50); do
		if [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; then
			return 0
		fi
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# The servers behind the relays, on 127.0.0.1: iperf3 and an echo server.
iperf_port=
iperf_pid=
start_iperf() {
	for _ in 1 2 3; do
		iperf_port=$(bench_free_port 127.0.0.1) || die "cannot find a free port"
		iperf3 -s -B 127.0.0.1 -p "$iperf_port" >"$tmp/iperf-server.log" 2>&1 &
		iperf_pid=$!
		started="$started $iperf_pid"
		listening "$iperf_port" "$iperf_pid" && return 0
		stop "$iperf_pid"
		forget "$iperf_pid"
	done
	die "the iperf3 server did not start"
}
start_iperf

"$ds" serve --proto echo --listen 127.0.0.1:0 --quiet >"$tmp/serve.log" 2>&1 &
echo_pid=$!
started="$started $echo_pid"
echo_port=
for _ in $(seq 50); do
	echo_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
		"$tmp/serve.log" | head -n 1)
	[ -n "$echo_port" ] && break
	kill -0 "$echo_pid" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$echo_port" ]; then
	cat "$tmp/serve.log" >&2
	die "dualstack serve did not start"
fi

# --- The relays -----------------------------------------------------------

# start_relay RELAY BACKEND_PORT: start RELAY on [::1]:$relay_port toward
# 127.0.0.1:BACKEND_PORT; sets relay_pid and relay_base (how many
# long-lived processes it has: the relay, and nginx's workers). Returns 1
# when it does not come up.
relay_pid=
relay_port=
relay_base=1
start_relay() {
	local r=$1 bport=$2 dir=$tmp/$1 threads=1 workers=1 splice=
	mkdir -p "$dir"
	case $r in
	haproxy-splice)
		splice='	option splice-request
	option splice-response'
		;;
	haproxy-t2) threads=2 ;;
	nginx-w2) workers=2 ;;
	esac
	for _ in 1 2 3; do
		relay_port=$(bench_free_port ::1) || die "cannot find a free port"
		case $r in
		dualstack | dualstack-nosplice | dualstack-j2)
			set -- "$ds" proxy --listen "[::1]:$relay_port" \
				--to "127.0.0.1:$bport" -j 1 -q
			[ "$r" = dualstack-nosplice ] && set -- "$@" --no-splice
			[ "$r" = dualstack-j2 ] && set -- "$@" -j 2
			;;
		6tunnel)
			# -d: stay in the foreground; -6: listen on IPv6 (-l);
			# -4: connect over IPv4.
			set -- 6tunnel -d -6 -4 -l ::1 "$relay_port" 127.0.0.1 "$bport"
			;;
		socat)
			# socat's listen backlog is 5 unless told; at 50
			# concurrent connects that means SYN drops and 1 s
			# retransmissions, so it gets the usual 1024.
			set -- socat "TCP6-LISTEN:$relay_port,bind=[::1],reuseaddr,fork,backlog=1024" \
				"TCP4:127.0.0.1:$bport"
			;;
		haproxy*)
			cat >"$dir/haproxy.cfg" <<EOF
global
	nbthread $threads
	maxconn 4096

defaults
	mode tcp
	timeout connect 5s
	timeout client 60s
	timeout server 60s
$splice

frontend relay
	bind [::1]:$relay_port
	maxconn 4096
	default_backend servers

backend servers
	server s1 127.0.0.1:$bport
EOF
			set -- haproxy -f "$dir/haproxy.cfg" -db
			;;
		nginx*)
			cat >"$dir/nginx.conf" <<EOF
load_module $nginx_modules/ngx_stream_module.so;
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/error.log;

events {
	worker_connections 10000;
}

stream {
	server {
		listen [::1]:$relay_port;
		proxy_pass 127.0.0.1:$bport;
	}
}
EOF
			set -- nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" \
				-g 'daemon off;'
			;;
		esac
		"$@" >"$dir/out.log" 2>&1 &
		relay_pid=$!
		started="$started $relay_pid"
		if listening "$relay_port" "$relay_pid"; then
			relay_base=1
			case $r in
			nginx*)
				relay_base=$((workers + 1))
				for _ in $(seq 50); do
					[ "$(tree "$relay_pid" | wc -l)" -ge "$relay_base" ] &&
						break
					sleep 0.1
				done
				;;
			esac
			return 0
		fi
		stop "$relay_pid"
		forget "$relay_pid"
	done
	echo "bench/proxy: $r did not start:" >&2
	cat "$dir/out.log" >&2
	return 1
}

# stop_relay: stop it, after taking its peak RSS into $hwm_kib.
stop_relay() {
	local p n=0 v
	hwm_kib=0
	for p in $(tree "$relay_pid"); do
		v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		hwm_kib=$((hwm_kib + ${v:-0}))
		n=$((n + 1))
		[ "$n" -ge "$relay_base" ] && break
	done
	stop "$relay_pid"
	forget "$relay_pid"
}

# cpu_ticks PID: user + system time of the tree of PID, and of the
# children its processes have reaped, in clock ticks. Fields 14-17 of
# /proc/PID/stat (utime stime cutime cstime), counted after the ")" that
# ends the command name.
cpu_ticks() {
	local p t sum=0
	for p in $(tree "$1"); do
		t=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null |
			awk '{ print $12 + $13 + $14 + $15 }')
		sum=$((sum + ${t:-0}))
	done
	echo "$sum"
}
hz=$(getconf CLK_TCK)

# settle: until the relay has only its long-lived processes again (the
# forking relays' per-connection children exited and reaped), at most 3 s.
settle() {
	for _ in $(seq 30); do
		[ "$(tree "$relay_pid" | wc -l)" -le "$relay_base" ] && return 0
		sleep 0.1
	done
	return 1
}

# pss_sample OUT: after half the run, the PSS of the relay's whole tree in
# KiB and how many processes it has, into OUT; run in the background.
pss_sample() {
	sleep "$(awk -v s="$secs" 'BEGIN { print s / 2 }')"
	local p v kib=0 n=0
	for p in $(tree "$relay_pid"); do
		v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null)
		kib=$((kib + ${v:-0}))
		n=$((n + 1))
	done
	echo "$kib $n" >"$1"
}

# --- Measurements -----------------------------------------------------------

declare -A res # res[RELAY,KEY]

# keep_max RELAY KEY VALUE, add RELAY KEY VALUE: the best or the sum over
# the runs.
keep_max() {
	if [ -z "${res[$1,$2]:-}" ] ||
		awk -v a="$3" -v b="${res[$1,$2]}" 'BEGIN { exit !(a > b) }'; then
		res[$1,$2]=$3
	fi
}
add() {
	res[$1,$2]=$(awk -v a="${res[$1,$2]:-0}" -v b="$3" \
		'BEGIN { printf "%.15g", a + b }')
}

# measure RELAY KEY COMMAND...: run COMMAND (a client) with the relay's
# CPU time counted around it and its PSS sampled in the middle.
# The caller adds them when the client succeeded: account RELAY KEY.
measure() {
	local r=$1 key=$2 t0 t1 sampler=
	shift 2
	last_cpu="" last_pss=""
	if [ "$r" != direct ]; then
		t0=$(cpu_ticks "$relay_pid")
		rm -f "$tmp/pss"
		pss_sample "$tmp/pss" &
		sampler=$!
	fi
	timeout $((secs + 30)) "$@" >"$tmp/client.out" 2>"$tmp/client.err"
	if [ -n "$sampler" ]; then
		wait "$sampler"
		settle || echo "bench/proxy: $r: children still running after" \
			"the $key run" >>"$tmp/notes"
		t1=$(cpu_ticks "$relay_pid")
		last_cpu=$(awk -v t=$((t1 - t0)) -v hz="$hz" \
			'BEGIN { printf "%.2f", t / hz }')
		[ -s "$tmp/pss" ] && last_pss=$(cat "$tmp/pss")
	fi
}
account() {
	[ -n "$last_cpu" ] || return 0
	add "$1" "cpu_$2" "$last_cpu"
	add "$1" "n_$2" 1
	if [ -n "$last_pss" ] &&
		[ "${last_pss% *}" -gt "$(echo "${res[$1,pss_$2]:-0 0}" |
			cut -d' ' -f1)" ]; then
		res[$1,pss_$2]=$last_pss
	fi
}

# iperf RELAY STREAMS HOST PORT
iperf() {
	local r=$1 n=$2 out
	measure "$r" "p$n" iperf3 -c "$3" -p "$4" -t "$secs" -P "$n" --json
	out=$("$python" -c 'import json, sys
try:
    j = json.load(open(sys.argv[1]))
    s = j["end"]["sum_received"]
    print("%.2f %d" % (s["bits_per_second"] / 1e9, s["bytes"]))
except Exception:
    pass' "$tmp/client.out")
	if [ -z "$out" ]; then
		echo "bench/proxy: $r: iperf3 -P $n failed:" \
			"$(grep -o '"error":.*' "$tmp/client.out" | head -n 1)" \
			"$(head -c 200 "$tmp/client.err")" >>"$tmp/notes"
		# The server may be stuck in the failed test: a fresh one.
		stop "$iperf_pid"
		forget "$iperf_pid"
		start_iperf
		return
	fi
	keep_max "$r" "gbps$n" "${out% *}"
	add "$r" "bytes$n" "${out#* }"
	account "$r" "p$n"
}

# conns RELAY HOST:PORT
conns() {
	local r=$1 out
	measure "$r" conn "$ds" load "$2" -c "$concurrency" -m 1 -s "$size" \
		-d "$secs" --timeout 5 --json
	out=$("$python" -c 'import json, sys
try:
    j = json.load(open(sys.argv[1]))
    print("%d %d %d" % (j["connections_per_s"], j["connections_ok"],
        sum(j["errors"].values())))
except Exception:
    pass' "$tmp/client.out")
	if [ -z "$out" ]; then
		echo "bench/proxy: $r: dualstack load failed:" \
			"$(head -c 200 "$tmp/client.err")" >>"$tmp/notes"
		return
	fi
	# shellcheck disable=SC2086 # three numbers
	set -- $out
	keep_max "$r" cps "$1"
	add "$r" conns "$2"
	account "$r" conn
	if [ "$3" -gt 0 ]; then
		echo "bench/proxy: $r: dualstack load counted $3 errors" \
			"($2 connections completed)" >>"$tmp/notes"
	fi
}

# --- The run ------------------------------------------------------------------

label() {
	case $1 in
	dualstack) echo "dualstack proxy" ;;
	dualstack-nosplice) echo "dualstack --no-splice" ;;
	dualstack-j2) echo "dualstack -j 2" ;;
	haproxy) echo "haproxy" ;;
	haproxy-splice) echo "haproxy splice" ;;
	haproxy-t2) echo "haproxy nbthread 2" ;;
	nginx) echo "nginx stream" ;;
	nginx-w2) echo "nginx 2 workers" ;;
	direct) echo "(no relay, IPv4)" ;;
	*) echo "$1" ;;
	esac
}

out_file=${BENCH_OUT:-$top/bench/results}
case $out_file in
*.txt) mkdir -p "$(dirname "$out_file")" ;;
*)
	mkdir -p "$out_file"
	out_file=$out_file/proxy-$(date -u +%Y%m%d-%H%M%S).txt
	;;
esac
: >"$tmp/report"
: >"$tmp/notes"
report() {
	echo "$@" | tee -a "$tmp/report"
}

if [ "$runs" = 1 ]; then
	report "TCP relays: [::1]:PORT -> 127.0.0.1 on loopback, one run each," \
		"${secs} s per load."
else
	report "TCP relays: [::1]:PORT -> 127.0.0.1 on loopback, ${secs} s per" \
		"load, best of $runs runs"
	report "(CPU: the mean of the runs)."
fi
report "throughput: iperf3 -c ::1 -P 1 and -P 8; connections: dualstack" \
	"load -c $concurrency -m 1 -s $size"
report "(a new connection per $size-byte echo) against dualstack serve" \
	"--proto echo."
report "$(sed -n 's/^model name[[:space:]]*: /cpu: /p' /proc/cpuinfo | head -n 1)"
report "cores: $(nproc), kernel $(uname -r), load average" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
report "$("$ds" --version 2>&1 | head -n 1), $(iperf3 --version | head -n 1 |
	cut -d' ' -f1-2), 6tunnel $(dpkg-query -W -f='${Version}' 6tunnel \
	2>/dev/null || echo '?'), $(socat -V 2>/dev/null |
	sed -n 's/^socat version \([^ ]*\).*/socat \1/p'), $(haproxy -v \
	2>/dev/null | head -n 1 | cut -d' ' -f1,3), $(nginx -v 2>&1 |
	sed 's/.*: //')"
report

t_start=$SECONDS
for run in $(seq "$runs"); do
	# Every other run goes through the relays in the reverse order.
	order=$relays
	[ $((run % 2)) = 0 ] && order=$(tr ' ' '\n' <<<"$relays" | tac | tr '\n' ' ')
	for r in $order; do
		printf 'bench/proxy: run %s/%s: %s ...\n' "$run" "$runs" \
			"$(label "$r")" >&2
		case $r in
		direct)
			iperf direct 1 127.0.0.1 "$iperf_port"
			iperf direct 8 127.0.0.1 "$iperf_port"
			conns direct "127.0.0.1:$echo_port"
			continue
			;;
		esac
		start_relay "$r" "$iperf_port" || continue
		case $r in
		*-j2 | *-t2 | *-w2) ;;
		*) iperf "$r" 1 ::1 "$relay_port" ;;
		esac
		iperf "$r" 8 ::1 "$relay_port"
		stop_relay
		keep_max "$r" hwm "$hwm_kib"
		case $r in
		*-j2 | *-t2 | *-w2) continue ;;
		esac
		start_relay "$r" "$echo_port" || continue
		conns "$r" "[::1]:$relay_port"
		stop_relay
		keep_max "$r" hwm "$hwm_kib"
	done
done
elapsed=$((SECONDS - t_start))

# --- Tables ---------------------------------------------------------------------

get() {
	echo "${res[$1,$2]:--}"
}
# mib KIB
mib() {
	case $1 in
	- | '') echo - ;;
	*) awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' ;;
	esac
}
# pss RELAY: the largest sampled PSS (MiB) and its process count.
pss() {
	local a b
	a=${res[$1,pss_p8]:-0 0}
	b=${res[$1,pss_conn]:-0 0}
	[ "${b% *}" -gt "${a% *}" ] && a=$b
	[ "${a% *}" = 0 ] && {
		echo -
		return
	}
	echo "$(mib "${a% *}") (${a#* })"
}
# cpu_run RELAY KEY: the relay's CPU seconds in one run of KEY (p1, p8,
# conn), the mean over the runs.
cpu_run() {
	[ -n "${res[$1,n_$2]:-}" ] || {
		echo -
		return
	}
	awk -v c="${res[$1,cpu_$2]}" -v n="${res[$1,n_$2]}" \
		'BEGIN { printf "%.2f", c / n }'
}
# cpu_total RELAY: the sum of the three, one run of each.
cpu_total() {
	local k t=0 any=
	for k in p1 p8 conn; do
		[ -n "${res[$1,n_$k]:-}" ] || continue
		t=$(awk -v a="$t" -v b="$(cpu_run "$1" "$k")" 'BEGIN { print a + b }')
		any=1
	done
	[ -n "$any" ] && printf '%.2f\n' "$t" || echo -
}
# per-unit CPU: seconds per 10 GB relayed at 8 streams, microseconds
# per connection.
cpu_per_10gb() {
	local c=${res[$1,cpu_p8]:-} b=${res[$1,bytes8]:-}
	[ -n "$c" ] && [ -n "$b" ] || {
		echo -
		return
	}
	awk -v c="$c" -v b="$b" 'BEGIN {
		if (b > 0) printf "%.2f", c / b * 1e10; else print "-"
	}'
}
cpu_per_conn() {
	local c=${res[$1,cpu_conn]:-} n=${res[$1,conns]:-}
	[ -n "$c" ] && [ -n "$n" ] || {
		echo -
		return
	}
	awk -v c="$c" -v n="$n" 'BEGIN {
		if (n > 0) printf "%.1f", c / n * 1e6; else print "-"
	}'
}
# ratio A B: A / B with two decimals, - when either is missing.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "-" || b == "-" || a == "" || b == "" || b + 0 == 0)
			print "-"
		else
			printf "%.2f", a / b
	}'
}

report "relay                  1 stream   8 streams    conn/s   CPU s" \
	" peak RSS   PSS under load"
report "                         Gbit/s      Gbit/s                  " \
	"      MiB   MiB (processes)"
for r in $relays; do
	report "$(printf '%-22s %9s %11s %9s %7s %9s   %s' "$(label "$r")" \
		"$(get "$r" gbps1)" "$(get "$r" gbps8)" "$(get "$r" cps)" \
		"$(cpu_total "$r")" "$(mib "$(get "$r" hwm)")" "$(pss "$r")")"
done
report
report "relay CPU time per run (seconds) and per unit of work:"
report "relay                  1 stream   8 streams      conn  s/10 GB" \
	"  us/conn"
for r in $relays; do
	[ "$r" = direct ] && continue
	report "$(printf '%-22s %9s %11s %9s %8s %8s' "$(label "$r")" \
		"$(cpu_run "$r" p1)" "$(cpu_run "$r" p8)" "$(cpu_run "$r" conn)" \
		"$(cpu_per_10gb "$r")" "$(cpu_per_conn "$r")")"
done
if [[ " $relays " == *" dualstack "* ]]; then
	report
	report "ratio to dualstack proxy (the relay's value / dualstack's;" \
		"throughput and"
	report "conn/s: above 1 the relay is faster; CPU per unit and memory:" \
		"above 1 it uses more):"
	report "relay                  1 stream   8 streams    conn/s  s/10 GB" \
		"  us/conn  peak RSS"
	d1=$(get dualstack gbps1) d8=$(get dualstack gbps8)
	dc=$(get dualstack cps) dg=$(cpu_per_10gb dualstack)
	du=$(cpu_per_conn dualstack) dm=$(get dualstack hwm)
	for r in $relays; do
		case $r in
		dualstack | direct) continue ;;
		esac
		# The two-thread rows compare with dualstack -j 2.
		if [[ $r == *-t2 || $r == *-w2 ]] &&
			[[ " $relays " == *" dualstack-j2 "* ]]; then
			b8=$(get dualstack-j2 gbps8) bg=$(cpu_per_10gb dualstack-j2)
			bm=$(get dualstack-j2 hwm)
		else
			b8=$d8 bg=$dg bm=$dm
		fi
		report "$(printf '%-22s %9s %11s %9s %8s %8s %9s' "$(label "$r")" \
			"$(ratio "$(get "$r" gbps1)" "$d1")" \
			"$(ratio "$(get "$r" gbps8)" "$b8")" \
			"$(ratio "$(get "$r" cps)" "$dc")" \
			"$(ratio "$(cpu_per_10gb "$r")" "$bg")" \
			"$(ratio "$(cpu_per_conn "$r")" "$du")" \
			"$(ratio "$(get "$r" hwm)" "$bm")")"
	done
	report "(haproxy nbthread 2 and nginx 2 workers against dualstack -j 2" \
		"when it ran)"
fi
report
report "peak RSS: VmHWM of the long-lived processes (nginx: master and" \
	"workers);"
report "socat and 6tunnel: the listening process only -- each connection" \
	"has its own"
report "process, counted in the PSS sampled mid-run (8 streams or" \
	"connections, the larger)."
if [ -s "$tmp/notes" ]; then
	report
	sort "$tmp/notes" | uniq -c | sed 's/^ */note: /' | tee -a "$tmp/report"
fi
report "(${elapsed} s)"
if cp "$tmp/report" "$out_file" 2>/dev/null; then
	echo "saved in $out_file"
else
	echo "bench/proxy: cannot write $out_file" >&2
fi
exit 0
