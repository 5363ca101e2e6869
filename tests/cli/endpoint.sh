#!/bin/bash
# One endpoint grammar for every command (dualstack(1), ENDPOINTS): the
# same forms, good and bad, given to every command that takes an
# endpoint, must give the same result -- the same error text and exit
# status 2 for a bad one, a connection for a good one. Loopback only.
. "$(dirname "$0")/lib.sh"

# Each command with the endpoint in the place of X; the commands that
# connect take names and need a port, servers bind addresses.
CONNECTORS=(
	"connect --no-cache --probe X"
	"load -n 1 -m 1 -c 1 X"
	"proxy --listen 127.0.0.1:0 --to X"
)
OPTIONAL_PORT=(
	"resolve --no-cache X"
	"reach check X"
	"doctor --probe X"
)
# Multicast groups: addresses, not names; a scoped group may take its
# interface from -i, so the missing zone is mcast's own message.
MCAST=(
	"mcast send X"
	"mcast listen -i lo X"
)
LISTENERS=(
	"serve --listen X"
	"reach serve --listen X"
	"proxy --to 127.0.0.1:1 --listen X"
)

run_ds_bounded() {
	timeout 10 "$DUALSTACK" "$@" >"$_tmp/out" 2>"$_tmp/err"
	rc=$?
	out=$(cat "$_tmp/out")
	err=$(cat "$_tmp/err")
}

# expect_error FORM WANT COMMAND...: each command, given FORM, exits 2 and
# says WANT (a substring) on stderr, with a caret line.
expect_error() {
	local form=$1 want=$2 c
	shift 2
	for c in "$@"; do
		local -a args=()
		for w in $c; do
			if [ "$w" = X ]; then args+=("$form"); else args+=("$w"); fi
		done
		# Bounded: a form wrongly accepted starts a server.
		run_ds_bounded "${args[@]}"
		if [ "$rc" = 2 ] && [[ $err == *"$want"* ]] &&
			[[ $err == *$'\n  '*'^'* ]]; then
			ok "${c%% *} '$form': $want"
		else
			not_ok "${c%% *} '$form': exit 2 and '$want' with a caret" \
				"exit $rc" "$err"
		fi
	done
}

ALL=("${CONNECTORS[@]}" "${OPTIONAL_PORT[@]}" "${LISTENERS[@]}")
NONE_SCOPED=("${ALL[@]}" "${MCAST[@]}")

# A bracketless IPv6 address with a port: the bracketed form is shown.
expect_error '2001:db8::1:8080' 'did you mean [2001:db8::1]:8080' "${NONE_SCOPED[@]}"
expect_error '2001:db8::1:80' 'did you mean [2001:db8::1]:80?' \
	"${CONNECTORS[@]}" "${LISTENERS[@]}"
# A link-local address without its zone: refused before anything is
# tried, with the interfaces that have one.
expect_error '[fe80::1]:80' 'fe80::1 is link-local: add the interface' "${ALL[@]}"
expect_error '[fe80::1]:80' '(interfaces: ' "${CONNECTORS[@]}"
expect_error '[ff02::1]:80' 'ff02::1 is scoped multicast' "connect --no-cache --probe X"
# A zone on a global address, and a zone naming no interface.
expect_error '[2001:db8::1%lo]:80' '2001:db8::1 is not link-local' "${NONE_SCOPED[@]}"
expect_error '[fe80::1%nosuchif0]:80' "no interface 'nosuchif0'" "${NONE_SCOPED[@]}"
# Parts swapped, a colon missing, IPv4 in brackets, a port out of range.
expect_error '80:localhost' 'did you mean localhost:80?' "${NONE_SCOPED[@]}"
expect_error '[::1]80' 'did you mean [::1]:80?' "${NONE_SCOPED[@]}"
expect_error '[127.0.0.1]:80' 'brackets hold an IPv6 address' "${NONE_SCOPED[@]}"
expect_error '127.0.0.1:99999' 'column 11: port 99999 is not from' "${NONE_SCOPED[@]}"
expect_error '[::1' "column 5: no ']' after '['" "${NONE_SCOPED[@]}"
# No port where one is needed; a port alone where a host is.
expect_error '127.0.0.1' 'column 10: no port' "${CONNECTORS[@]}" "${LISTENERS[@]}" \
	"mcast send X"
expect_error '80' 'a port alone; give the host' "${CONNECTORS[@]}" "${MCAST[@]}"
# The last group of a bracketless address read as a port or not: where
# the port may be left out, both readings are offered.
expect_error '::1:4646' 'did you mean [::1]:4646, or the address [::1:4646]?' \
	"${OPTIONAL_PORT[@]}"
expect_error 'ff15::1:5000' 'did you mean [ff15::1]:5000, or the address [ff15::1:5000]?' \
	"mcast listen -i lo X"
# A server binds addresses: a name gets the addresses it probably meant.
expect_error 'localhost:9000' 'did you mean [::1]:9000 or 127.0.0.1:9000?' \
	"${LISTENERS[@]}"

# Two words, HOST PORT, the wrong way round.
run_ds connect --no-cache --probe 80 localhost
check "connect 80 localhost: exit 2" 2 "$rc"
case "$err" in *"did you mean 'localhost 80'?"*) ok "connect 80 localhost: the order shown" ;;
*) not_ok "connect 80 localhost: the order shown" "$err" ;; esac
run_ds load -n 1 127.0.0.1:80 80
check "load HOST:PORT PORT: exit 2" 2 "$rc"

# --- Good forms: the same connection from every spelling -------------------
"$PY" - "$_tmp/port" <<'EOF' 2>"$_tmp/echo.err" &
import socket, sys, threading
s = socket.create_server(("::", 0), family=socket.AF_INET6, dualstack_ipv6=True)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
def echo(c):
    with c:
        while True:
            b = c.recv(65536)
            if not b:
                return
            c.sendall(b)
while True:
    c, _ = s.accept()
    threading.Thread(target=echo, args=(c,), daemon=True).start()
EOF
echo_pid=$!
trap 'kill $echo_pid 2>/dev/null; rm -rf "$_tmp"' EXIT
for _ in $(seq 100); do [ -s "$_tmp/port" ] && break; sleep 0.05; done
P=$(cat "$_tmp/port" 2>/dev/null)
if [ -z "$P" ]; then
	not_ok "the echo peer started" "$(cat "$_tmp/echo.err")"
	done_testing
	exit
fi

for form in "127.0.0.1:$P" "127.0.0.1 $P" "[::1]:$P" "[::1] $P" "::1 $P" \
	"localhost:$P" "localhost $P"; do
	# shellcheck disable=SC2086 # the form's words are the arguments
	run_ds connect --no-cache --probe $form
	check "connect $form: connected" 0 "$rc"
	# shellcheck disable=SC2086
	run_ds load -n 1 -m 1 -c 1 $form
	check "load $form: one connection" 0 "$rc"
done
# doctor --probe: the port optional, the same forms otherwise.
for form in "127.0.0.1:$P" "[::1]:$P" "localhost:$P"; do
	run_ds doctor --only class --probe "$form" --json
	check "doctor --probe $form: connected" "1 0" \
		"$(grep -c '"code": "host.probe"' <<<"$out") $(grep -c 'host.probe-failed' <<<"$out")"
done
run_ds resolve --no-cache --no-hosts 127.0.0.1 http
check "resolve takes a service name for the port" 0 "$rc"
case "$out" in *"127.0.0.1:80"*) ok "resolve ADDR http: port 80 shown" ;;
*) not_ok "resolve ADDR http: port 80 shown" "$out" ;; esac
run_ds resolve --no-cache '[::1]:443'
check "resolve [::1]:443" 0 "$rc"
case "$out" in *"[::1]:443"*) ok "resolve [::1]:443: the port shown" ;;
*) not_ok "resolve [::1]:443: the port shown" "$out" ;; esac

done_testing
