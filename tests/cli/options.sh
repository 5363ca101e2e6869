#!/bin/bash
# Option parsing, the same for every command: long options match exactly
# (no getopt prefix abbreviations), short options bundle, mistakes get a
# suggestion, and every such error is exit 2 with the usage.
. "$(dirname "$0")/lib.sh"

# expect ARGS... -- WANT: exit 2 and WANT on stderr.
expect() {
	local want=${*: -1}
	run_ds "${@:1:$#-2}"
	if [ "$rc" = 2 ] && [[ $err == *"$want"* ]]; then
		ok "${*:1:$#-2}: $want"
	else
		not_ok "${*:1:$#-2}: exit 2 and '$want'" "exit $rc" "$err"
	fi
}

# A prefix of a long option is refused in every command, not taken.
for c in addr serve load resolve connect proxy dissect "reach serve" "reach check" \
	dns doctor "firewall generate" "firewall check" "firewall test" \
	"ra watch" "ra learn" "ra solicit" \
	"mcast listen" "mcast send" "mcast ping" "mcast check"; do
	# shellcheck disable=SC2086 # the command's words
	expect $c --hel -- "unknown option --hel; did you mean --help? (options are never abbreviated)"
done
expect serve --jso -- "did you mean --json?"
expect serve --listne :0 -- "unknown option --listne; did you mean --listen?"
expect connect --prob 127.0.0.1 1 -- "did you mean --probe?"
expect dns --serve 192.0.2.53 example.com -- "unknown option --serve; did you mean --server? (options are never abbreviated)"
expect dns --timout 2 example.com -- "unknown option --timout; did you mean --timeout?"
expect doctor --prob example.com -- "did you mean --probe? (options are never abbreviated)"
expect doctor --list-check -- "did you mean --list-checks?"
expect firewall check --rol host -- "did you mean --role?"
expect firewall generate --alow tcp/22 -- "did you mean --allow?"
expect firewall test --fiel x.nft icmpv6 -- "did you mean --file?"
expect ra watch --rotuer fe80::1 -i lo -- "did you mean --router?"
expect ra learn --fo 5 -i lo -- "did you mean --for?"
expect mcast send --hop 2 239.1.1.1:5000 -- "did you mean --hops?"
expect mcast listen --sourc 192.0.2.1 239.1.1.1 -- "did you mean --source?"
# An option of another subcommand is not taken (send's --no-loop).
expect mcast listen --no-loop 239.1.1.1 -- "unknown option --no-loop"
expect load --frobnicate 127.0.0.1:7 -- "unknown option --frobnicate"
expect load 127.0.0.1:7 -c -- "-c needs a value"
expect connect --probe=yes 127.0.0.1 1 -- "--probe takes no value"
# Bundles: the wrong letter and the word it was in are named.
expect dissect -nz -r /dev/null -- "unknown option -z in '-nz'"
expect connect -4x 127.0.0.1 1 -- "unknown option -x in '-4x'"
# Mistyped commands.
expect adr -- "unknown command 'adr'; did you mean 'addr'?"
expect conect -- "did you mean 'connect'?"
expect help dissekt -- "did you mean 'dissect'?"
expect firewall chek -- "unknown subcommand 'chek'; did you mean 'check'?"
expect ra wacth -i lo -- "unknown mode 'wacth'; did you mean 'watch'?"
expect mcast lisen 239.1.1.1 -- "unknown subcommand 'lisen'; did you mean 'listen'?"

# What must still work: a bundle, a value glued to its letter, an exact
# long option with "=", a value that looks like an option after "--".
run_ds addr --help
check "exact --help works" 0 "$rc"
run_ds load -c1 -n1 -m1 -46 127.0.0.1:1
check "-c1 -n1 -m1 read as values (then -4 -6 refused together)" 2 "$rc"
case "$err" in *"unknown option"*) not_ok "bundles with values parse" "$err" ;;
*) ok "bundles with values parse" ;; esac
run_ds connect --timeout=1s --probe --no-cache 127.0.0.1 1
check "--timeout=1s: a refused port is exit 1, the option read" 1 "$rc"

# -q is --quiet in every command that logs (serve had only --quiet):
# the listening line stays, the per-connection lines go.
"$DUALSTACK" serve -q --listen 127.0.0.1:0 --proto echo >"$_tmp/q.log" 2>&1 &
qpid=$!
port=
for _ in $(seq 100); do
	port=$(grep -m1 -oE 'listening on [^ ]*:[0-9]+' "$_tmp/q.log" | grep -oE '[0-9]+$')
	[ -n "$port" ] && break
	sleep 0.05
done
run_ds connect --no-cache --probe 127.0.0.1 "$port"
check "serve -q: a client connects" 0 "$rc"
sleep 0.3
kill "$qpid"
wait "$qpid"
check "serve -q: no per-connection lines" 0 "$(grep -cE ' (open|close) tcp ' "$_tmp/q.log")"
check "serve -q: the listening line stays" 1 "$(grep -c 'listening on' "$_tmp/q.log")"

done_testing
