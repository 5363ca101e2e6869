#!/usr/bin/env bash
# dualstack resolve against the test DNS responder on loopback (no root).
. "$(dirname "$0")/lib.sh"

top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
dnsd=$top/tests/net/lib/dnsd.py
if [ ! -r "$dnsd" ] || [ ! -x "$PY" ]; then
	echo "skip: no $dnsd or $PY"; exit 77
fi

# The nameserver history goes to a directory of the test's own.
export XDG_CACHE_HOME=$_tmp/xdg

pids=()
trap 'dnsd_stop; rm -rf "$_tmp"' EXIT

records=(--record "www.example.test AAAA 2001:db8::2 30"
	--record "www.example.test AAAA 2001:db8::3 31"
	--record "www.example.test A 198.51.100.2 40"
	--record "v4only.example.test A 198.51.100.4 50")
start_dnsd fast "${records[@]}"
start_dnsd slow "${records[@]}" --delay AAAA=300
# Faults: AAAA never answered; the first AAAA from each socket lost; a
# second query from one socket within 200 ms dropped.
start_dnsd noaaaa "${records[@]}" --drop AAAA
start_dnsd lose1 "${records[@]}" --drop AAAA=1
start_dnsd second "${records[@]}" --drop-second 200

# --- help and usage ------------------------------------------------------------
run_ds resolve --help
check "--help exits 0" "0" "$rc"
case "$out" in "usage: dualstack resolve"*"--server"*"--no-cache"*"--json"*) ok "--help shows usage and options" ;;
*) not_ok "--help shows usage and options" "$out" ;; esac
run_ds help resolve
case "$out" in "usage: dualstack resolve"*) ok "help resolve" ;;
*) not_ok "help resolve" "$out" ;; esac
run_ds resolve
check "no name: exit 2" "2" "$rc"
run_ds resolve www.example.test 0
check "port 0: exit 2" "2" "$rc"
run_ds resolve --tries 0 x
check "--tries 0: exit 2" "2" "$rc"
run_ds resolve --timeout soon x
check "--timeout soon: exit 2" "2" "$rc"

# --- bad --server text ----------------------------------------------------------
run_ds resolve --server 127.0.0.1:53,2001:db8::zz www.example.test
check "bad --server: exit 2" "2" "$rc"
case "$err" in *"--server: '2001:db8::zz': column 11:"*) ok "bad --server: names the wrong part and column" ;;
*) not_ok "bad --server: names the wrong part and column" "$err" ;; esac
run_ds resolve --server '[2001:db8::53]:99999' www.example.test
check "--server port out of range: exit 2" "2" "$rc"
case "$err" in *"'[2001:db8::53]:99999'"*"port"*) ok "--server port out of range: said" ;;
*) not_ok "--server port out of range: said" "$err" ;; esac
run_ds resolve --server 192.0.2.53, www.example.test
check "--server empty entry: exit 2" "2" "$rc"
run_ds resolve --server 'fe80::1%eth0' www.example.test
check "--server with a zone: exit 2" "2" "$rc"

# --- answers, TTLs, timings -------------------------------------------------------
run_ds resolve --server "127.0.0.1:$port_fast" --timeout 2 --tries 1 www.example.test 443
check "answers: exit 0" "0" "$rc"
case "$out" in *"AAAA  2 answers"*" ms  dns"*"2001:db8::2"*"ttl 30"*"2001:db8::3"*"ttl 31"*) ok "text: AAAA answers with TTLs and time" ;;
*) not_ok "text: AAAA answers with TTLs and time" "$out" ;; esac
case "$out" in *"A     1 answer "*" ms  dns"*"198.51.100.2"*"ttl 40"*) ok "text: A answer with TTL and time" ;;
*) not_ok "text: A answer with TTL and time" "$out" ;; esac
case "$out" in *"candidates in RFC 6724 order"*"198.51.100.2:443"*) ok "text: candidates as endpoints with PORT" ;;
*) not_ok "text: candidates as endpoints with PORT" "$out" ;; esac
case "$out" in *"[2001:db8::2]:443"*) ok "text: IPv6 endpoint in brackets" ;;
*) not_ok "text: IPv6 endpoint in brackets" "$out" ;; esac
case "$out" in *"slow:"*) not_ok "text: no slow marker when both are quick" "$out" ;;
*) ok "text: no slow marker when both are quick" ;; esac

run_ds resolve --server "[::1]:$port_fast" --timeout 2 --tries 1 --json www.example.test
check "json over an IPv6 server: exit 0" "0" "$rc"
check "json: name" "www.example.test" "$(json_get 'j["name"]')"
check "json: query types in order" "['AAAA', 'A']" "$(json_get '[q["type"] for q in j["queries"]]')"
check "json: statuses" "['ok', 'ok']" "$(json_get '[q["status"] for q in j["queries"]]')"
check "json: sources" "['dns', 'dns']" "$(json_get '[q["source"] for q in j["queries"]]')"
check "json: AAAA answers and TTLs" "[('2001:db8::2', 30), ('2001:db8::3', 31)]" \
	"$(json_get '[(a["address"], a["ttl"]) for a in j["queries"][0]["answers"]]')"
check "json: A answer and TTL" "[('198.51.100.2', 40)]" \
	"$(json_get '[(a["address"], a["ttl"]) for a in j["queries"][1]["answers"]]')"
check "json: times are numbers under 2 s" "True" \
	"$(json_get 'all(isinstance(q["ms"], float) and 0 <= q["ms"] < 2000 for q in j["queries"])')"
check "json: three candidates" "3" "$(json_get 'len(j["candidates"])')"
check "json: candidate fields" "True" \
	"$(json_get 'all(set(c) >= {"address","source","source_error","scope","label","precedence","rule","rule_name"} for c in j["candidates"])')"
check "json: the last candidate has no rule" "0 none" \
	"$(json_get 'str(j["candidates"][-1]["rule"]) + " " + j["candidates"][-1]["rule_name"]')"
check "json: not slow" "None" "$(json_get 'j["slow"]')"

# --- a slow AAAA ---------------------------------------------------------------------
run_ds resolve --server "127.0.0.1:$port_slow" --timeout 3 --tries 1 www.example.test
check "slow AAAA: exit 0" "0" "$rc"
case "$out" in *"slow: AAAA took "*" ms, A "*" ms"*) ok "slow AAAA: flagged" ;;
*) not_ok "slow AAAA: flagged" "$out" ;; esac
aaaa_ms=$(printf '%s\n' "$out" | sed -n 's/^AAAA .* \([0-9.]*\) ms .*/\1/p')
case "$aaaa_ms" in 3[0-9][0-9].*|[4-9][0-9][0-9].*|1[0-9][0-9][0-9].*) ok "slow AAAA: ~300 ms shown ($aaaa_ms)" ;;
*) not_ok "slow AAAA: ~300 ms shown" "$out" ;; esac
run_ds resolve --server "127.0.0.1:$port_slow" --timeout 3 --tries 1 --json www.example.test
check "slow AAAA json: slow is AAAA" "AAAA" "$(json_get 'j["slow"]')"
check "slow AAAA json: AAAA at least 250 ms after A" "True" \
	"$(json_get 'j["queries"][0]["ms"] - j["queries"][1]["ms"] >= 250')"

# --- NXDOMAIN, NODATA ---------------------------------------------------------------
run_ds resolve --server "127.0.0.1:$port_fast" --timeout 2 --tries 1 nosuch.example.test
check "NXDOMAIN: exit 1" "1" "$rc"
case "$out" in *"AAAA  NXDOMAIN"*"A     NXDOMAIN"*) ok "NXDOMAIN: both queries say so" ;;
*) not_ok "NXDOMAIN: both queries say so" "$out" ;; esac
case "$err" in *"nosuch.example.test: no address (AAAA: no such name (NXDOMAIN); A: no such name (NXDOMAIN))"*)
	ok "NXDOMAIN: the reason per type on stderr" ;;
*) not_ok "NXDOMAIN: the reason per type on stderr" "$err" ;; esac
run_ds resolve --server "127.0.0.1:$port_fast" --timeout 2 --tries 1 --json v4only.example.test
check "NODATA for AAAA, A answered: exit 0" "0" "$rc"
check "NODATA json" "nodata ok" "$(json_get 'j["queries"][0]["status"] + " " + j["queries"][1]["status"]')"

# --- a server that never answers ----------------------------------------------------
sink_port=$($PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# A bound UDP socket that nobody reads: queries vanish, no ICMP error.
$PY -c "import socket,time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', $sink_port)); open('$_tmp/sink.ready','w').close(); time.sleep(30)" &
pids+=("$!")
for i in $(seq 100); do [ -e "$_tmp/sink.ready" ] && break; sleep 0.05; done
start=$(date +%s%N)
run_ds resolve --server "127.0.0.1:$sink_port" --timeout 0.2 --tries 1 www.example.test
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "no answer: exit 1" "1" "$rc"
case "$out" in *"AAAA  timed out"*"A     timed out"*) ok "no answer: timed out per type" ;;
*) not_ok "no answer: timed out per type" "$out" ;; esac
case "$err" in *"AAAA: "*"A: "*) ok "no answer: reason per type" ;;
*) not_ok "no answer: reason per type" "$err" ;; esac
if [ "$elapsed_ms" -lt 2000 ]; then ok "no answer: quick ($elapsed_ms ms)"; else
	not_ok "no answer: quick" "$elapsed_ms ms"; fi
case "$out" in *"slow: AAAA and A got no answer: 127.0.0.1:$sink_port did not answer (1 try timed out)"*)
	ok "no answer: the slow: line names the silent server" ;;
*) not_ok "no answer: the slow: line names the silent server" "$out" ;; esac
run_ds resolve --server "127.0.0.1:$sink_port" --timeout 0.2 --tries 1 --json -4 www.example.test
check "no answer json: timeout, AAAA not asked" "skipped False timeout" \
	"$(json_get 'j["queries"][0]["status"] + " " + str(j["queries"][0]["asked"]) + " " + j["queries"][1]["status"]')"
check "no answer json: the retry, its cause and server" "A server-silent 127.0.0.1:$sink_port None" \
	"$(json_get '" ".join(str(x) for r in j["retries"] for x in (r["type"], r["cause"], r["server"], r["answered_by"]))')"

# --- the race of servers ------------------------------------------------------------
# A silent first server: given up after its delay, the second answers.
hist=$XDG_CACHE_HOME/dualstack/nameservers
rm -rf "$XDG_CACHE_HOME"
run_ds resolve --server "127.0.0.1:$sink_port,127.0.0.1:$port_fast" www.example.test
check "silent first server: exit 0" "0" "$rc"
case "$out" in *"AAAA  2 answers"*"dns from 127.0.0.1:$port_fast"*) ok "silent first server: AAAA from the second" ;;
*) not_ok "silent first server: AAAA from the second" "$out" ;; esac
case "$out" in *"servers, in the order asked:"*"1  127.0.0.1:$sink_port  AAAA given up after"*"A given up after"*"2  127.0.0.1:$port_fast"*"AAAA answered in"*) ok "silent first server: the servers table" ;;
*) not_ok "silent first server: the servers table" "$out" ;; esac
case "$out" in *"slow: AAAA and A needed another server: 127.0.0.1:$sink_port did not answer within 200 ms and was given up, 127.0.0.1:$port_fast answered: a nameserver that is down or unreachable"*)
	ok "silent first server: the slow: line names it and the cause" ;;
*) not_ok "silent first server: the slow: line names it and the cause" "$out" ;; esac
if [ -s "$hist" ] && grep -q "^ns [0-9]* 127.0.0.1 $sink_port no-answer " "$hist"; then
	ok "silent first server: the history file says no-answer"
else
	not_ok "silent first server: the history file says no-answer" "$(cat "$hist" 2>&1)"
fi
check "history: the directory is mode 700" "700" "$(stat -c %a "$XDG_CACHE_HOME/dualstack" 2>&1)"
run_ds resolve --json --server "127.0.0.1:$sink_port,127.0.0.1:$port_fast" www.example.test
check "history: the live server first, alone; the silent one demoted" \
	"$port_fast False not-asked,not-asked $sink_port True not-asked,not-asked" \
	"$(json_get '" ".join(str(x) for s in j["servers"] for x in (s["port"], s["demoted"], ",".join(q["state"] for q in s["queries"]) if s["demoted"] else "not-asked,not-asked"))')"
check "history: one server asked per query, no retries" "1 1 0" \
	"$(json_get '" ".join(str(x) for x in [q["servers_asked"] for q in j["queries"]] + [len(j["retries"])])')"
rm -rf "$XDG_CACHE_HOME"
run_ds resolve --no-cache --server "127.0.0.1:$sink_port,127.0.0.1:$port_fast" www.example.test
check "--no-cache: exit 0" "0" "$rc"
if [ ! -e "$XDG_CACHE_HOME" ]; then ok "--no-cache: no file, no directory"; else
	not_ok "--no-cache: no file, no directory" "$(find "$XDG_CACHE_HOME")"; fi
# The nameserver history where something else sits, or in a directory
# others can write: not read, not written, the lookup goes on.
rm -rf "$XDG_CACHE_HOME"
mkdir -p -m 700 "$XDG_CACHE_HOME" "$XDG_CACHE_HOME/dualstack"
mkfifo "$hist"
timeout 10 "$DUALSTACK" resolve --server "127.0.0.1:$port_fast" www.example.test \
	>"$_tmp/out" 2>"$_tmp/err"
check "a FIFO as the nameserver history: exit 0, not stuck on it" "0" "$?"
check "... the warning" \
	"dualstack resolve: warning: nameserver history $hist: not a regular file (a FIFO); not used" \
	"$(cat "$_tmp/err")"
check "... still the FIFO" "fifo" "$(stat -c %F "$hist" 2>&1)"
rm -f "$hist"
ln -s "$_tmp/elsewhere" "$hist"
run_ds resolve --server "127.0.0.1:$port_fast" www.example.test
check "a symlinked nameserver history: exit 0" "0" "$rc"
case "$err" in *"$hist: a symbolic link"*) ok "... the warning" ;;
*) not_ok "... the warning" "$err" ;; esac
if [ ! -e "$_tmp/elsewhere" ]; then ok "... nothing written through it"; else
	not_ok "... nothing written through it"; fi
rm -f "$hist"
chmod 777 "$XDG_CACHE_HOME/dualstack"
run_ds resolve --server "127.0.0.1:$port_fast" www.example.test
check "a world-writable cache directory: exit 0" "0" "$rc"
case "$err" in *"cache directory $XDG_CACHE_HOME/dualstack: writable by group or others"*) ok "... the warning" ;;
*) not_ok "... the warning" "$err" ;; esac
if [ ! -e "$hist" ]; then ok "... nothing written there"; else
	not_ok "... nothing written there"; fi
rm -rf "$XDG_CACHE_HOME"
: >"$_tmp/notadir"
XDG_CACHE_HOME=$_tmp/notadir run_ds resolve --server "127.0.0.1:$port_fast" www.example.test
check "unusable cache directory: still exit 0" "0" "$rc"
case "$err" in *"warning"*) ok "unusable cache directory: a warning" ;;
*) not_ok "unusable cache directory: a warning" "$err" ;; esac

run_ds resolve --no-cache --json --server "127.0.0.1:$sink_port,127.0.0.1:$port_fast" www.example.test
check "silent first server json: answered by the second" "127.0.0.1:$port_fast 127.0.0.1:$port_fast" \
	"$(json_get '" ".join(q["server"] for q in j["queries"])')"
check "silent first server json: states" "given-up given-up answered answered" \
	"$(json_get '" ".join(q["state"] for s in j["servers"] for q in s["queries"])')"
check "silent first server json: retries" "AAAA:server-silent A:server-silent" \
	"$(json_get '" ".join(r["type"] + ":" + r["cause"] for r in j["retries"])')"

# A server that answers A but drops AAAA.
run_ds resolve --no-cache --server "127.0.0.1:$port_noaaaa,127.0.0.1:$port_fast" www.example.test
case "$out" in *"slow: AAAA needed another server: 127.0.0.1:$port_noaaaa answered A but not AAAA, 127.0.0.1:$port_fast answered: it, or a filter on the path, drops AAAA queries"*)
	ok "AAAA dropped: the slow: line says so" ;;
*) not_ok "AAAA dropped: the slow: line says so" "$out" ;; esac
case "$out" in *"slow: A "*) not_ok "AAAA dropped: A needed nothing" "$out" ;;
*) ok "AAAA dropped: A needed nothing" ;; esac

# The first AAAA lost: sent again after its timeout.
run_ds resolve --no-cache --json --timeout 0.3 --server "127.0.0.1:$port_lose1" www.example.test
check "lost AAAA json: one timeout, then answered; A without" "ok 1 ok 0" \
	"$(json_get '" ".join(str(x) for q in j["queries"] for x in (q["status"], q["timeouts"]))')"
check "lost AAAA json: the retry" "AAAA lost" \
	"$(json_get '" ".join(r["type"] + " " + r["cause"] for r in j["retries"])')"
run_ds resolve --no-cache --timeout 0.3 --server "127.0.0.1:$port_lose1" www.example.test
case "$out" in *"slow: AAAA needed a retry: 1 try to 127.0.0.1:$port_lose1 timed out before it answered"*"the other query, from another socket, was not"*)
	ok "lost AAAA: the slow: line says so" ;;
*) not_ok "lost AAAA: the slow: line says so" "$out" ;; esac

# A second query from one socket dropped: AAAA and A leave from two.
run_ds resolve --no-cache --json --timeout 2 --tries 1 --server "127.0.0.1:$port_second" www.example.test
check "second query dropped: both answered, no retry" "ok 0 ok 0 0" \
	"$(json_get '" ".join(str(x) for x in [y for q in j["queries"] for y in (q["status"], q["timeouts"])] + [len(j["retries"])])')"

# --- numeric names, localhost ------------------------------------------------------
run_ds resolve --server "127.0.0.1:$sink_port" --timeout 0.2 --tries 1 --json 2001:db8::1
check "numeric IPv6: exit 0" "0" "$rc"
check "numeric IPv6: no DNS" "numeric skipped" \
	"$(json_get 'j["queries"][0]["source"] + " " + j["queries"][1]["status"]')"
run_ds resolve --server "127.0.0.1:$sink_port" 192.0.2.1 80
check "numeric IPv4: exit 0" "0" "$rc"
case "$out" in *"A     1 answer "*"numeric"*"192.0.2.1:80"*) ok "numeric IPv4: answer and endpoint" ;;
*) not_ok "numeric IPv4: answer and endpoint" "$out" ;; esac
run_ds resolve 'fe80::1%lo'
check "numeric with a zone: exit 0" "0" "$rc"
case "$out" in *"fe80::1%lo"*"numeric"*|*"numeric"*"fe80::1%lo"*) ok "numeric with a zone: kept" ;;
*) not_ok "numeric with a zone: kept" "$out" ;; esac
run_ds resolve --server "127.0.0.1:$sink_port" --timeout 0.2 --tries 1 --json localhost
check "localhost: exit 0 without DNS" "0" "$rc"
check "localhost: A from hosts" "hosts 127.0.0.1" \
	"$(json_get 'j["queries"][1]["source"] + " " + j["queries"][1]["answers"][0]["address"]')"

done_testing
