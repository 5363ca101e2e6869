#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# ds_listen must not depend on net.ipv6.bindv6only: every AF_INET6 socket
# sets IPV6_V6ONLY explicitly (RFC 3493 section 5.3), so the whole of
# test-net-listen must pass unchanged under both values of the sysctl.
# Each case runs it in a network namespace of its own (the sysctl is per
# namespace), with lo up and DS_TEST_NETNS set so that the tests that
# change namespaced sysctls run too. A last case disables IPv6 in the
# namespace: the IPv4 cases must still pass and the IPv6 ones skip.
#
# Prints TAP. Needs root and iproute2's "ip netns"; exits 77 otherwise.
# Env: DS_BUILD (build directory), DS_TOP (source tree); tests/run.sh sets
# both.
set -u

top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${DS_BUILD:-$top/build}
prog=$build/tests/test-net-listen
per_run_timeout=${LISTEN_SYSCTL_TIMEOUT:-240}

if [ "$(id -u)" -ne 0 ]; then
	echo "skip: needs root (creates network namespaces)"
	exit 77
fi
if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
	echo "skip: needs root and a working 'ip netns' (iproute2)"
	exit 77
fi
if [ ! -x "$prog" ]; then
	echo "skip: $prog is not built (is cmocka installed?)"
	exit 77
fi

namespaces=()
cleanup() {
	local ns
	for ns in "${namespaces[@]}"; do
		ip netns delete "$ns" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

n=0
failed=0
ok() {
	n=$((n + 1))
	echo "ok $n - $*"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $*"
}

# new_ns NAME: create a namespace with lo up, remembered for cleanup.
new_ns() {
	namespaces+=("$1")
	ip netns add "$1" && ip -n "$1" link set lo up
}

# run_case LABEL EXPECT_SKIPS SYSCTL=VALUE...: run test-net-listen in a
# new namespace with the given sysctls. EXPECT_SKIPS is "none" (every test
# must run and pass) or "some" (IPv6 is off: skips expected).
run_case() {
	local label=$1 expect=$2 ns="ds-test-$$-${#namespaces[@]}"
	local log kv key want got rc plan passed skipped notok
	shift 2

	if ! new_ns "$ns"; then
		not_ok "$label: could not create namespace $ns"
		return
	fi
	for kv in "$@"; do
		key=${kv%%=*} want=${kv#*=}
		if ! ip netns exec "$ns" sysctl -qw "$kv" >/dev/null; then
			not_ok "$label: sysctl -w $kv failed in $ns"
			return
		fi
		got=$(ip netns exec "$ns" sysctl -n "$key")
		if [ "$got" != "$want" ]; then
			not_ok "$label: $key is '$got' in $ns, wanted '$want'"
			return
		fi
	done

	log=$(timeout --kill-after=10 "$per_run_timeout" \
		ip netns exec "$ns" env CMOCKA_MESSAGE_OUTPUT=TAP \
		DS_TEST_NETNS=1 "$prog" 2>&1)
	rc=$?
	ip netns delete "$ns" 2>/dev/null

	plan=$(grep -m1 -oE '^1\.\.[0-9]+' <<<"$log" | cut -d. -f3)
	# cmocka 1.1 prints a skipped test as "not ok N # SKIP".
	skipped=$(grep -cE '^(not )?ok [0-9]+ # ?SKIP' <<<"$log")
	passed=$(grep -cE '^ok [0-9]+ - ' <<<"$log")
	notok=$(grep -E '^not ok [0-9]+' <<<"$log" | grep -cv '# \?SKIP')

	local why=""
	if [ $rc -ne 0 ]; then
		why="exit status $rc"
	elif [ -z "$plan" ]; then
		why="no TAP plan"
	elif [ "$notok" -ne 0 ]; then
		why="$notok failed"
	elif [ $((passed + skipped)) -ne "$plan" ]; then
		why="$((passed + skipped)) results for a plan of $plan"
	elif [ "$expect" = none ] && [ "$skipped" -ne 0 ]; then
		why="$skipped skipped, none expected"
	elif [ "$expect" = some ] && [ "$skipped" -eq 0 ]; then
		why="nothing skipped, though IPv6 is off"
	fi
	if [ -n "$why" ]; then
		not_ok "$label: test-net-listen: $why"
		sed 's/^/# /' <<<"$log"
	else
		ok "$label: test-net-listen: $passed passed, $skipped skipped"
	fi
}

host_before=$(sysctl -n net.ipv6.bindv6only 2>/dev/null)

run_case "bindv6only=0" none net.ipv6.bindv6only=0
run_case "bindv6only=1" none net.ipv6.bindv6only=1
run_case "bindv6only=1, IPv6 disabled" some \
	net.ipv6.bindv6only=1 \
	net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1 \
	net.ipv6.conf.lo.disable_ipv6=1

# The namespaces' sysctls must not have leaked to the host.
host_after=$(sysctl -n net.ipv6.bindv6only 2>/dev/null)
if [ "$host_before" = "$host_after" ]; then
	ok "the host's net.ipv6.bindv6only is untouched ($host_after)"
else
	not_ok "the host's net.ipv6.bindv6only changed: $host_before -> $host_after"
fi

echo "1..$n"
[ $failed -eq 0 ]
