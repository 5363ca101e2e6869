#!/usr/bin/env bash
# One vocabulary for every output (OUTPUT CONVENTIONS in dualstack(1)),
# checked across commands on loopback: serve (IPv4 and dual listeners) with
# load and connect as clients, proxy in front of serve, and reach serve with
# reach check, each in text and with --json. A table of (what, file,
# pattern) rows holds the forms every text output must use:
#   families   "IPv4", "IPv6", "IPv4 (mapped)" for an IPv4 client on a dual
#              socket; JSON "family": "ipv4"/"ipv6" (+ "mapped": true);
#   tuples     "tcp 127.0.0.1:P -> 127.0.0.1:P", "tcp [::1]:P -> [::1]:P";
#   durations  a number and a unit (us, ms, s) in text, numbers in keys
#              ending in _ms in JSON;
#   reasons    lower-case hyphenated tokens (client-eof);
#   streams    servers log on stdout, clients keep stdout for results;
#   listeners  what the socket takes, never "(dual)" on an IPv4 socket.
# Then no text output may hold an old word (v4, v6, v4-mapped, dur=, ...),
# and every JSON document is walked for family values, *_ms types, reason
# tokens and tuple strings.
#
# Every process started here is killed on exit; every wait is bounded.
. "$(dirname "$0")/lib.sh"

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$_tmp"
}
trap cleanup EXIT

if ! "$PY" -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	echo "skip: no IPv6 on loopback (::1)"
	exit 77
fi

TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
DUR='[0-9]+(\.[0-9]+)?(us|ms|s)'
# A time counted in whole milliseconds: "<1ms" below one.
DURMS="(<1ms|$DUR)"
TOKEN='[a-z]+(-[a-z]+)*'
EP='([0-9]+(\.[0-9]+){3}|\[[0-9a-f:]+\]):[0-9]+'

# start NAME ARGS...: "dualstack ARGS" in the background, stdout in
# NAME.log, stderr in NAME.err; waits (5 s at most) for the first
# listening line on stdout and sets $pid and $port.
start() {
	local name=$1
	shift
	"$DUALSTACK" "$@" >"$_tmp/$name.log" 2>"$_tmp/$name.err" &
	pid=$!
	pids+=("$pid")
	port=
	for _ in $(seq 100); do
		port=$(grep -m1 -oE 'listening on [^ ]*:[0-9]+|"port": ?[0-9]+' \
			"$_tmp/$name.log" 2>/dev/null | grep -oE '[0-9]+$')
		[ -n "$port" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "# no listening line on the stdout of $name:" >&2
	sed 's/^/#   /' "$_tmp/$name.log" "$_tmp/$name.err" >&2
	return 1
}

# stop PID: SIGTERM, then wait (10 s at most).
stop() {
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 200); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	wait "$1" 2>/dev/null
}

# client NAME ARGS...: "dualstack ARGS" (20 s at most), stdout in
# NAME.log, stderr in NAME.err.
client() {
	local name=$1
	shift
	timeout 20 "$DUALSTACK" "$@" >"$_tmp/$name.log" 2>"$_tmp/$name.err" </dev/null
}

# --- Servers and the traffic they log -------------------------------------
start srv4 serve --listen 127.0.0.1:0 || exit 1
spid4=$pid P4=$port
start srvd serve --listen '[::]:0' || exit 1
spidd=$pid PD=$port
start srvj serve --listen '[::]:0' --json || exit 1
spidj=$pid PJ=$port
start prx proxy --listen '[::1]:0' --to "127.0.0.1:$P4" || exit 1
ppid=$pid PP=$port
start prxj proxy --listen '127.0.0.1:0' --to "127.0.0.1:$P4" --json || exit 1
ppidj=$pid PPJ=$port
start rs reach serve --listen 127.0.0.1:0 --allow-targets ::1/128 \
	--allow-targets 127.0.0.0/8 --allow-self --any-target --deadline 3 \
	--rate 1000/min --target-rate 1000/min || exit 1
rpid=$pid PR=$port
start rsj reach serve --listen 127.0.0.1:0 --allow-targets ::1/128 \
	--allow-self --any-target --deadline 3 --json || exit 1
rpidj=$pid PRJ=$port

client load load "127.0.0.1:$PD" -c 2 -n 4 -m 3
client load6 load "[::1]:$PD" -c 1 -n 2 -m 2
client loadj load "127.0.0.1:$PJ" -c 1 -n 2 -m 2 --json
client load6j load "[::1]:$PJ" -c 1 -n 1 -m 1 --json
client load4 load "127.0.0.1:$P4" -c 1 -n 1 -m 1
client con4 connect --no-cache --probe --tuple 127.0.0.1 "$PD"
client con6 connect --no-cache --probe --tuple ::1 "$PD"
client conj connect --no-cache --probe --json 127.0.0.1 "$PD"
client px load "[::1]:$PP" -c 1 -n 1 -m 2
client pxj load "127.0.0.1:$PPJ" -c 1 -n 1 -m 2
client rc reach check "127.0.0.1:$PR" -4 --advertise ::1 --count 2
client rcj reach check "127.0.0.1:$PRJ" -4 --advertise ::1 --count 1 --json
client addrj addr --json 2001:db8::1 192.0.2.1 ::ffff:192.0.2.1

for _ in $(seq 100); do
	[ "$(grep -c '"event":"conn"' "$_tmp/prxj.log")" -ge 1 ] &&
		[ "$(grep -c ' conn ' "$_tmp/prx.log")" -ge 1 ] && break
	sleep 0.05
done
for p in "$spid4" "$spidd" "$spidj" "$ppid" "$ppidj" "$rpid" "$rpidj"; do
	stop "$p"
done

# --- The table: every row must match at least one line of its file ---------
# what | file | extended regex
rows=$(cat <<EOF
serve: an IPv4 socket is named IPv4|srv4.log|^$TS listening on 127\.0\.0\.1:$P4 \(IPv4\)\$
serve: a dual socket says what it takes|srvd.log|^$TS listening on \[::\]:$PD \(IPv6 and IPv4, IPV6_V6ONLY=0\)\$
serve: IPv4 on an IPv4 socket|srv4.log|^$TS open  tcp 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$P4 IPv4\$
serve: IPv4 on a dual socket is IPv4 (mapped)|srvd.log|^$TS open  tcp 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$PD IPv4 \(mapped\)\$
serve: IPv6 with brackets|srvd.log|^$TS open  tcp \[::1\]:[0-9]+ -> \[::1\]:$PD IPv6\$
serve: close with a unit and a token|srvd.log|^$TS close tcp \[::1\]:[0-9]+ -> \[::1\]:$PD IPv6 in=[0-9]+ out=[0-9]+ duration=$DUR reason=client-eof\$
serve: close of a mapped client|srvd.log|^$TS close tcp 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$PD IPv4 \(mapped\) in=[0-9]+ out=[0-9]+ duration=$DUR reason=client-eof\$
load: the duration with its unit|load.log|^duration +$DUR\$
connect: the IPv4 tuple|con4.log|^tcp 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$PD\$
connect: the IPv6 tuple|con6.log|^tcp \[::1\]:[0-9]+ -> \[::1\]:$PD\$
connect: the time with its unit|con4.log|^connected to 127\.0\.0\.1:$PD from 127\.0\.0\.1:[0-9]+ in $DUR \(attempt 1 of 1\)\$
proxy: an IPv6 socket on ::1 is named IPv6|prx.log|^$TS listening on \[::1\]:$PP \(IPv6\)\$
proxy: the conn line|prx.log|^$TS conn client=\[::1\]:[0-9]+ family=IPv6 listener=\[::1\]:$PP backend=127\.0\.0\.1:$P4 local=127\.0\.0\.1:[0-9]+ in=[0-9]+ out=[0-9]+ duration=$DUR reason=$TOKEN\$
proxy: the backend's log names the proxy's end|srv4.log|^$TS close tcp 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$P4 IPv4 in=[0-9]+ out=[0-9]+ duration=$DUR reason=client-eof\$
reach serve: the log on stdout|rs.log|^$TS listening on 127\.0\.0\.1:$PR \(IPv4\)\$
reach serve: the check in the log|rs.log|^$TS check from 127\.0\.0\.1 ended: .* 2/2\$
reach check: the control connection|rc.log|control connection to 127\.0\.0\.1:$PR over IPv4, from 127\.0\.0\.1:[0-9]+, in $DUR\$
reach check: the attempts|rc.log|^  attempt 2: delivered after $DURMS: 
reach check: the control time|rc.log|^checker 127\.0\.0\.1:$PR, control from 127\.0\.0\.1:[0-9]+, $DUR\$
EOF
)
while IFS='|' read -r what file re; do
	n=$(grep -cE -- "$re" "$_tmp/$file")
	if [ "$n" -ge 1 ]; then ok "$what"; else
		not_ok "$what" "want a line of $file like: $re" "got:" \
			"$(head -12 "$_tmp/$file")"
	fi
done <<<"$rows"

# --- Streams ----------------------------------------------------------------
for f in srv4 srvd prx rs; do
	check "$f: nothing of the log on stderr" "" \
		"$(grep -E 'listening on|open |close |conn |check from' "$_tmp/$f.err")"
done
check "load: stdout holds the report only, no progress" "0" \
	"$(grep -c $'\r' "$_tmp/load.log")"
check "load --json: stdout is one JSON document" "ok" \
	"$("$PY" -c 'import json,sys; json.load(open(sys.argv[1])); print("ok")' "$_tmp/loadj.log" 2>&1)"

# --- No old words in any text output ----------------------------------------
OLD='(^|[^A-Za-z0-9])(v4|v6|v4-mapped|ipv4|ipv6)([^A-Za-z0-9.-]|$)|\(dual\)|\(v6only\)|dur=|duration_ms=|reason="|[0-9] ms\b'
# A timeline's time column (reach check's flow) keeps one unit, so that
# its rows line up: it is not a duration of the vocabulary.
for f in srv4 srvd prx rs load load6 load4 con4 con6 px rc; do
	check "$f: no word of the old vocabulary" "" \
		"$(sed -E 's/^ *[0-9]+\.[0-9]{3} ms  //' "$_tmp/$f.log" |
			grep -E -- "$OLD" | head -3)"
done

# --- JSON: the same words, walked through every document --------------------
jwalk() {
	"$PY" - "$@" <<'PYEOF'
import json, re, sys

TOKEN = re.compile(r"[a-z]+(-[a-z]+)*")
EP = r"(\d+(\.\d+){3}|\[[0-9a-f:]+(%[\w.-]+)?\]):\d+"
TUPLE = re.compile(r"tcp %s -> %s" % (EP, EP))
bad = []

def walk(o, where):
    if isinstance(o, dict):
        for k, v in o.items():
            w = where + "." + k
            if k == "family" and v is not None and v not in ("ipv4", "ipv6"):
                bad.append("%s=%r" % (w, v))
            if k == "mapped" and v is not True:
                bad.append("%s=%r (only ever true)" % (w, v))
            if k.endswith("_ms") and v is not None and (
                    isinstance(v, bool) or not isinstance(v, (int, float))):
                bad.append("%s=%r (not a number)" % (w, v))
            if k in ("duration_s", "dur", "elapsed_s"):
                bad.append("%s: a duration not in ms" % w)
            if k == "reason" and isinstance(v, str) and not TOKEN.fullmatch(v):
                bad.append("%s=%r (not a token)" % (w, v))
            if k == "tuple" and isinstance(v, str) and not TUPLE.fullmatch(v):
                bad.append("%s=%r (not the tuple form)" % (w, v))
            walk(v, w)
    elif isinstance(o, list):
        for i, x in enumerate(o):
            walk(x, "%s[%d]" % (where, i))

for path in sys.argv[1:]:
    text = open(path).read()
    try:
        docs = [json.loads(text)]
    except ValueError:
        docs = [json.loads(l) for l in text.splitlines() if l.strip()]
    for d in docs:
        walk(d, path.rsplit("/", 1)[-1])
print("\n".join(bad) if bad else "ok")
PYEOF
}
for f in srvj prxj rsj loadj load6j conj rcj addrj; do
	check "$f --json: families, *_ms, reasons and tuples" "ok" \
		"$(jwalk "$_tmp/$f.log" 2>&1)"
done

check "serve --json: an IPv4 client on a dual socket, an IPv6 one" \
	"close ipv4 True client-eof float
close ipv6 False client-eof float" \
	"$("$PY" -c '
import json, sys
seen = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "close":
        seen[e["family"]] = " ".join(str(x) for x in (e["event"], e["family"],
            e.get("mapped", False), e["reason"], type(e["duration_ms"]).__name__))
print("\n".join(seen[k] for k in sorted(seen)))' "$_tmp/srvj.log" 2>&1)"
check "serve --json: the listener says what it takes" "ipv6 False ipv6,ipv4" \
	"$("$PY" -c '
import json, sys
e = json.loads(open(sys.argv[1]).readline())
print(e["family"], e["v6only"], ",".join(e["accepts"]))' "$_tmp/srvj.log" 2>&1)"
check "proxy --json: family and a duration in ms" "ipv4 float True" \
	"$("$PY" -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "conn":
        print(e["family"], type(e["duration_ms"]).__name__,
              e["reason"] in ("client-eof", "backend-eof"))' "$_tmp/prxj.log" 2>&1)"
check "proxy --json: an IPv4 socket accepts IPv4 only" "ipv4 ipv4" \
	"$("$PY" -c '
import json, sys
e = json.loads(open(sys.argv[1]).readline())
print(e["family"], ",".join(e["accepts"]))' "$_tmp/prxj.log" 2>&1)"
check "load --json: duration_ms, not duration_s" "True False" \
	"$("$PY" -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(j["duration_ms"] > 0, "duration_s" in j)' "$_tmp/loadj.log" 2>&1)"
check "connect --json: the tuple and the family" "ipv4 True" \
	"$("$PY" -c '
import json, re, sys
j = json.load(open(sys.argv[1]))
print(j["remote"]["family"],
      re.fullmatch(r"tcp 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:%s" % sys.argv[2], j["tuple"]) is not None)' \
	"$_tmp/conj.log" "$PD" 2>&1)"
check "reach check --json: the family" "ipv6" \
	"$("$PY" -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(j["family"])' "$_tmp/rcj.log" 2>&1)"

done_testing
