#!/usr/bin/env bash
# dualstack reach on loopback, no root needed: a checker on 127.0.0.1 that
# allows loopback targets, agents announcing ::1 (control over IPv4, test
# over IPv6, as the classic setup), --json, --count, --port-only against a
# listener and a closed port, the abuse rules of a checker without
# --allow-targets, an unfit --advertise, usage errors, and a malformed
# line typed by hand with dualstack connect, after which the checker still
# serves, and a checker of two workers (-j 2). Every wait is bounded; the checkers are killed on exit.
. "$(dirname "$0")/lib.sh"

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$_tmp"
}
trap cleanup EXIT

if ! "$PY" -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	echo "skip: no IPv6 on loopback (::1)"
	exit 77
fi

# checker NAME ARGS...: start "dualstack reach serve ARGS" on 127.0.0.1:0
# in the background; sets $port from its "listening on" line.
checker() {
	local name=$1 log=$_tmp/$1.log
	shift
	"$DUALSTACK" reach serve --listen 127.0.0.1:0 "$@" >"$log" 2>&1 &
	pids+=($!)
	port=
	for _ in $(seq 100); do
		port=$(grep -m1 -oE 'listening on [^ ]*:[0-9]+' "$log" |
			grep -oE '[0-9]+$')
		[ -n "$port" ] && return 0
		sleep 0.05
	done
	echo "# checker $name did not start:" >&2
	sed 's/^/#   /' "$log" >&2
	return 1
}

# check ARGS...: "dualstack reach check ARGS", 20 s at most.
check_run() {
	timeout 20 "$DUALSTACK" reach check "$@" >"$_tmp/out" 2>"$_tmp/err"
	rc=$?
	out=$(cat "$_tmp/out")
	err=$(cat "$_tmp/err")
}

# has NAME TEXT PATTERN: TEXT matches the extended regex PATTERN.
has() {
	if printf '%s' "$2" | grep -qE -- "$3"; then ok "$1"; else
		not_ok "$1" "want: /$3/" "got:" "$(printf '%s' "$2" | head -40)"
	fi
}

# --- The checker ----------------------------------------------------------
# A generous rate: every check of this script comes from 127.0.0.1 and
# tests this host itself (--allow-self).
checker main --allow-targets ::1/128 --allow-targets 127.0.0.0/8 \
	--allow-self --any-target --deadline 3 --rate 1000/min \
	--target-rate 1000/min || {
	not_ok "the checker starts"
	done_testing
	exit 1
}
P=$port
ok "the checker starts and says its port ($P)"
has "the listening line has an RFC 3339 time" "$(cat "$_tmp/main.log")" \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z listening on 127\.0\.0\.1:'

# --- A check: control over IPv4, test over IPv6 ----------------------------
check_run "127.0.0.1:$P" -4 --advertise ::1
check "reachable: exit 0" 0 "$rc"
has "verdict 5/5" "$out" '^IPv6 \[::1\]:[0-9]+: reachable 5/5$'
has "the flow names the control connection" "$out" \
	'control connection to 127\.0\.0\.1:'"$P"' over IPv4'
has "the flow shows the announcement" "$out" 'announced \[::1\]:[0-9]+'
tokens=$(printf '%s\n' "$out" | grep -cE 'test connection [0-9]+ .*token [0-9a-f]{32}')
check "the flow shows five tokens arriving" 5 "$tokens"
has "the flow shows the tokens returned" "$out" 'returned 5 tokens'
has "per-attempt lines" "$out" '^  attempt 5: delivered after (<1ms|[0-9.]+(us|ms|s))'
has "what the agent saw" "$out" 'the agent saw 5 test connections, 5 with a well-formed token'
has "a diagnosis" "$out" '^diagnosis:'
has "the checker logs the check" "$(cat "$_tmp/main.log")" \
	'Z .*127\.0\.0\.1.*reachable 5/5'

# --- --json ---------------------------------------------------------------
check_run "127.0.0.1:$P" -4 --advertise ::1 --json
check "--json: exit 0" 0 "$rc"
check "--json: valid, reachable" "True" "$(json_get 'j["reachable"]')"
check "--json: verdict" "reachable" "$(json_get 'j["report"]["verdict"]')"
check "--json: delivered" "5" "$(json_get 'j["report"]["delivered"]')"
check "--json: target" "::1" "$(json_get 'j["report"]["target"].rsplit(":", 1)[0].strip("[]")')"
check "--json: checker" "127.0.0.1:$P" "$(json_get 'j["report"]["checker"]')"
check "--json: attempts" "delivered delivered delivered delivered delivered" \
	"$(json_get '" ".join(a["outcome"] for a in j["attempts"])')"
check "--json: seen" "5 True" \
	"$(json_get 'len(j["seen"]), all(s["token_ok"] for s in j["seen"])')"
check "--json: the flow is in the document" "True" \
	"$(json_get 'any("returned 5 tokens" in f["text"] for f in j["flow"])')"
check "--json: a diagnosis" "True" "$(json_get 'len(j["diagnosis"]) > 0')"
check "--json: nothing else on stdout" "1" \
	"$(printf '%s' "$out" | "$PY" -c 'import json,sys; json.load(sys.stdin); print(1)' 2>&1)"

# --- --count --------------------------------------------------------------
check_run "127.0.0.1:$P" -4 --advertise ::1 --count 3
check "--count 3: exit 0" 0 "$rc"
has "--count 3: 3/3" "$out" 'reachable 3/3'
check_run "127.0.0.1:$P" -4 --advertise ::1 --count 1 -q
check "-q: exit 0" 0 "$rc"
check "-q: only the verdict" "IPv6: reachable 1/1" "$out"

# --- --listen ADDR:PORT: the announced address and a fixed port ------------
lport=$("$PY" -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0)); print(s.getsockname()[1])')
check_run "127.0.0.1:$P" -4 --listen "[::1]:$lport" --count 2
check "--listen [::1]:PORT: exit 0" 0 "$rc"
has "--listen [::1]:PORT: that port is tested" "$out" "\\[::1\\]:$lport: reachable 2/2"

# --- --port-only ----------------------------------------------------------
"$PY" - "$_tmp/plain.port" <<'EOF' &
import os, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    c.close()
EOF
pids+=($!)
for _ in $(seq 100); do [ -s "$_tmp/plain.port" ] && break; sleep 0.05; done
plain=$(cat "$_tmp/plain.port" 2>/dev/null)
check_run "127.0.0.1:$P" -4 --port-only "127.0.0.1:$plain"
check "--port-only a listener: exit 0" 0 "$rc"
has "--port-only: connected" "$out" '^  attempt 1: connected after'
has "--port-only: verdict" "$out" "127\.0\.0\.1:$plain \(port only\): reachable 5/5"

# A port nothing listens on: bind one, close it.
closed=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
check_run "127.0.0.1:$P" -4 --port-only "127.0.0.1:$closed" --count 2
check "--port-only a closed port: exit 1" 1 "$rc"
has "--port-only a closed port: refused" "$out" '^  attempt 1: refused .*ECONNREFUSED'
has "--port-only a closed port: unreachable" "$out" 'unreachable \(2 refused\)'
has "--port-only a closed port: the diagnosis says nothing listens" \
	"$(printf '%s' "$out" | sed -n '/^diagnosis:/,$p')" '[Nn]othing (is )?listen'

# --- The checker's abuse rules ----------------------------------------------
checker strict --deadline 3 || not_ok "a strict checker starts"
S=$port
check_run "127.0.0.1:$S" -4 --advertise ::1
check "a checker without --allow-targets refuses ::1: exit 1" 1 "$rc"
has "... with the checker's reason" "$out" 'refused by the checker: target'
has "... and the checker logs it" "$(cat "$_tmp/strict.log")" 'Z .*refused|Z .*target'
# Allowed prefixes do not make the checker's own address a target.
checker self --allow-targets 127.0.0.0/8 --deadline 3 || not_ok "a checker without --allow-self starts"
check_run "127.0.0.1:$port" -4 --test-family 4 --count 1 --allow-unfit
check "a checker without --allow-self refuses its own address: exit 1" 1 "$rc"
has "... saying it is its own" "$out" \
	'refused by the checker: target: 127\.0\.0\.1 is an address of this checker'

# --- A checker that lies ------------------------------------------------------
# It greets, accepts, makes no test connection, and reports every token
# delivered. The agent's listener saw nothing: a mismatch, and exit 1.
cat >"$_tmp/liar.py" <<'PY'
import socket, sys
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(1)
print(l.getsockname()[1], flush=True)
l.settimeout(20)
c, _ = l.accept()
f = c.makefile("rwb", buffering=0)
f.write(b"DSREACH 2\n")
f.readline()  # CHECK
f.write(b"OK 2 100\n")
f.readline()  # TOKENS END, after the deadline
f.write(b"RESULT reachable 2/2\nATTEMPT 1 delivered 1 0\n"
        b"ATTEMPT 2 delivered 1 0\nDONE\n")
c.close()
PY
"$PY" "$_tmp/liar.py" >"$_tmp/liar.port" &
liar=$!
pids+=($liar)
for _ in $(seq 100); do [ -s "$_tmp/liar.port" ] && break; sleep 0.05; done
check_run "127.0.0.1:$(cat "$_tmp/liar.port")" -4 --test-family 4 --count 2 \
	--allow-unfit
wait "$liar" 2>/dev/null
check "a lying checker: exit 1" 1 "$rc"
has "... unreachable, 2 mismatches" "$out" ': unreachable \(2 token mismatch\)$'
has "... the attempts it called delivered" "$out" \
	'2 attempts the checker called delivered brought no token to this agent'
has "... and the diagnosis does not trust it" "$out" 'faulty or not honest'
check_run "127.0.0.1:$P" -4 --test-family 4 --count 1 --allow-unfit --json
has "--json: not_seen and checker_disagrees" "$(printf "%s" "$out" | tr -d " \n")" "\"not_seen\":0,\"checker_disagrees\":false"

# --- --json log ------------------------------------------------------------------
"$DUALSTACK" reach serve --listen 127.0.0.1:0 --json >"$_tmp/json.log" &
jpid=$!
pids+=($jpid)
for _ in $(seq 100); do [ -s "$_tmp/json.log" ] && break; sleep 0.05; done
check "serve --json: the listening event" "listening 127.0.0.1 True" \
	"$(head -1 "$_tmp/json.log" | "$PY" -c 'import json,sys; j=json.load(sys.stdin); print(j["event"], j["address"].rsplit(":",1)[0], j["port"] > 0 and j["time"].endswith("Z"))' 2>&1)"
kill -INT "$jpid"
wait "$jpid"
check "SIGINT: the checker exits 0" 0 "$?"
check "serve --json: the stop event is JSON" "stop" \
	"$(tail -1 "$_tmp/json.log" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["event"])' 2>&1)"

# --- An address that cannot work from outside --------------------------------
check_run "127.0.0.1:$P" -4 --advertise fe80::1%lo
check "--advertise link-local: exit 1" 1 "$rc"
has "--advertise link-local: says why" "$err" 'link-local'
check "--advertise link-local: nothing tested" "" "$out"

# --- Usage errors --------------------------------------------------------------
for args in "" "check" "check --count 0 127.0.0.1" "check --count 17 127.0.0.1" \
	"check -4 -6 127.0.0.1" "check --test-family 5 127.0.0.1" \
	"check --both --test-family 4 127.0.0.1" "check --advertise nonsense 127.0.0.1" \
	"check --port-only 127.0.0.1 127.0.0.1" "check 127.0.0.1 extra" \
	"check --bogus 127.0.0.1" "serve --deadline x" "serve --rate 5/hour" \
	"serve --allow-targets 2001:db8::/129" "serve --mode both" "frobnicate" \
	"serve --target-rate 0/min" "serve --max-agents-per-source 0" \
	"serve --claim-address nonsense" \
	"serve --claim-address 192.0.2.1 --claim-address 192.0.2.2" \
	"check [::1" "check a:b:c]" "check 127.0.0.1:0"; do
	# shellcheck disable=SC2086
	run_ds reach $args
	check "usage error: reach $args: exit 2" 2 "$rc"
done
run_ds reach --help
check "reach --help: exit 0" 0 "$rc"
has "reach --help names both roles" "$out" 'reach serve.*' 
run_ds reach serve --help
has "reach serve --help lists --allow-targets" "$out" '--allow-targets'
for o in --allow-self --claim-address --target-rate --max-agents-per-source; do
	has "reach serve --help lists $o" "$out" -- "$o"
done
run_ds reach check --help
has "reach check --help lists --port-only" "$out" '--port-only'

# --- A line typed by hand -----------------------------------------------------
hand=$(printf 'HELLO?\n' | timeout 10 "$DUALSTACK" connect --no-cache 127.0.0.1 "$P" 2>&1)
has "a malformed line: the greeting" "$hand" '^DSREACH 2'
has "a malformed line: an ERR line" "$hand" '^ERR syntax'
long=$(head -c 2000 /dev/zero | tr '\0' 'A')
hand=$(printf 'CHECK %s\n' "$long" | timeout 10 "$DUALSTACK" connect --no-cache 127.0.0.1 "$P" 2>&1)
has "an oversized line: ERR too-long" "$hand" '^ERR too-long'
check_run "127.0.0.1:$P" -4 --advertise ::1 --count 2
check "the checker survives and serves the next check" 0 "$rc"

# --- -j 2 ------------------------------------------------------------------------
# Two checker threads on one port. Every agent here comes from 127.0.0.1,
# one /24: steered to one worker, so the per-agent limits hold as with one.
checker j2 -j 2 --allow-targets ::1/128 --allow-self --any-target --deadline 3 \
	--rate 1000/min --target-rate 1000/min
J=$port
jpid=${pids[${#pids[@]} - 1]}
check "-j 2: two threads" 2 "$(ls /proc/"$jpid"/task | wc -l)"
check "-j 2: one listening line" 1 "$(grep -c 'listening on' "$_tmp/j2.log")"
for i in 1 2 3; do
	check_run "127.0.0.1:$J" -4 --advertise ::1 --count 1
	check "-j 2: check $i reachable" 0 "$rc"
done
check "-j 2: three checks logged as ended" 3 \
	"$(grep -cE 'check from 127\.0\.0\.1 ended: \[::1\]:[0-9]+ reachable 1/1' "$_tmp/j2.log")"
kill -TERM "$jpid"
wait "$jpid"
check "-j 2: SIGTERM, exit 0" 0 "$?"
check "-j 2: the stop line is the last" "SIGTERM: stopping" \
	"$(tail -n1 "$_tmp/j2.log" | sed -E 's/^[^ ]+ //')"
run_ds reach serve -j 65
check "reach serve -j 65: usage error" "2 --workers takes a number from 1 to 64, not '65'" \
	"$rc $(printf '%s' "$err" | grep -o -- "--workers takes.*'65'")"

# --- Stopping -------------------------------------------------------------------
kill -TERM "${pids[0]}"
wait "${pids[0]}"
check "SIGTERM: the checker exits 0" 0 "$?"

done_testing
