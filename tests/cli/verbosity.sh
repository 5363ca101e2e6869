#!/usr/bin/env bash
# -q/--quiet and -v/--verbose on every command, from the one shared entry
# cli_getopt() adds (dualstack(1), CONVENTIONS): each command's parser
# takes them, its --help and its man page name them, and where they change
# the output they do (the last of them wins). Loopback only, no root.
. "$(dirname "$0")/lib.sh"
: "${DS_TOP:?}"

cmds=("addr" "serve" "load" "resolve" "connect" "proxy" "dissect" "dns"
	"doctor" "reach serve" "reach check" "firewall generate"
	"firewall check" "firewall test" "ra watch" "ra learn" "ra solicit"
	"mcast listen" "mcast send" "mcast ping" "mcast check")
for c in "${cmds[@]}"; do
	# shellcheck disable=SC2086 # a mode is a word
	listed=$("$DUALSTACK" $c --complete-options)
	missing=
	for o in -q -v --quiet --verbose; do
		grep -qxF -- "$o" <<<"$listed" || missing+="$o "
	done
	check "$c: -q, -v, --quiet, --verbose in the parser's table" "" "$missing"
	# shellcheck disable=SC2086
	run_ds $c --quiet --help
	check "$c: --quiet is taken (exit 0 with --help)" 0 "$rc"
	# shellcheck disable=SC2086
	help=$("$DUALSTACK" ${c%% *} --help; "$DUALSTACK" $c --help)
	case "$help" in *--quiet*--verbose* | *--verbose*--quiet*) ok "$c: --help names both" ;;
	*) not_ok "$c: --help names both" ;; esac
done
# The man pages' OPTIONS, one page per command.
for page in addr serve load resolve connect proxy dissect dns doctor reach \
	firewall ra mcast; do
	f=$DS_TOP/doc/dualstack-$page.1.scd
	if grep -q -- '\*-q\*, \*--quiet\*' "$f" && grep -q -- '\*-v\*, \*--verbose\*' "$f"; then
		ok "dualstack-$page(1): -q and -v in OPTIONS"
	else
		not_ok "dualstack-$page(1): -q and -v in OPTIONS"
	fi
done

# Where they act: doctor -q keeps the warnings and errors only.
run_ds doctor
all=$(grep -cE '^(ok|info) ' <<<"$out")
run_ds doctor -q
check "doctor -q: no ok or info finding" 0 "$(grep -cE '^(ok|info) ' <<<"$out")"
case "$out" in *"error(s),"*) ok "doctor -q: the count line stays" ;;
*) not_ok "doctor -q: the count line stays" "$out" ;; esac
# The last wins, and bundles count.
run_ds doctor -q -v
check "doctor -q -v: verbose wins" "$all" "$(grep -cE '^(ok|info) ' <<<"$out")"
run_ds doctor -vq
check "doctor -vq: quiet wins" 0 "$(grep -cE '^(ok|info) ' <<<"$out")"
run_ds doctor --verbose --quiet
check "doctor --verbose --quiet: quiet wins" 0 "$(grep -cE '^(ok|info) ' <<<"$out")"

# serve -q: no per-connection line; without it, one.
for q in "" -q; do
	"$DUALSTACK" serve --listen 127.0.0.1:0 --proto echo $q >"$_tmp/s.log" 2>&1 &
	sp=$!
	port=
	for _ in $(seq 100); do
		port=$(grep -m1 -oE 'listening on [^ ]*:[0-9]+' "$_tmp/s.log" | grep -oE '[0-9]+$')
		[ -n "$port" ] && break
		sleep 0.05
	done
	"$DUALSTACK" load -q -n 1 -m 1 "127.0.0.1:$port" >/dev/null 2>&1
	sleep 0.3
	kill "$sp"
	wait "$sp"
	n=$(grep -c "127.0.0.1" "$_tmp/s.log")
	if [ -z "$q" ]; then
		[ "$n" -ge 2 ] && ok "serve: a line per connection" || not_ok "serve: a line per connection" "$(cat "$_tmp/s.log")"
	else
		check "serve -q: only the listening line names the address" 1 "$n"
	fi
done

# connect -v draws the race; -q -v is verbose, -v -q is not.
"$DUALSTACK" serve --listen 127.0.0.1:0 --proto echo -q >"$_tmp/s.log" 2>&1 &
sp=$!
for _ in $(seq 100); do
	port=$(grep -m1 -oE 'listening on [^ ]*:[0-9]+' "$_tmp/s.log" | grep -oE '[0-9]+$')
	[ -n "$port" ] && break
	sleep 0.05
done
run_ds connect --no-cache --probe -q -v 127.0.0.1 "$port"
case "$err" in *"#"*) ok "connect -q -v: the race is drawn" ;; *) not_ok "connect -q -v: the race is drawn" "$err" ;; esac
run_ds connect --no-cache --probe -v -q 127.0.0.1 "$port"
case "$err" in *"#"*) not_ok "connect -v -q: no race" "$err" ;; *) ok "connect -v -q: no race" ;; esac
kill "$sp"
wait "$sp" 2>/dev/null

done_testing
