#!/usr/bin/env bash
# dualstack firewall generate: every role, echo and format loads with the
# real tools unchanged (nft -c -f, iptables-restore --test,
# ip6tables-restore --test, in a network namespace of their own), and
# usage errors exit 2 saying what was wrong.
. "$(dirname "$0")/lib.sh"

run_ds firewall --help
check "--help exits 0" 0 "$rc"
check "--help names generate" 1 "$(grep -c '^usage: dualstack firewall generate' <<<"$out")"

run_ds firewall generate --allow tcp/22,tcp/443,udp/53
check "generate exits 0" 0 "$rc"
check "a default drop in input" 1 "$(grep -c 'type filter hook input priority filter; policy drop;' <<<"$out")"
check "services once, both families" 1 "$(grep -c 'tcp dport { 22, 443 } accept' <<<"$out")"
check "packet too big with its section" 1 "$(grep -c 'icmpv6 type packet-too-big accept comment "RFC 4890 4.4.1' <<<"$out")"
check "rate-limited log" 1 "$(grep -c 'limit rate 5/minute burst 10 packets log prefix' <<<"$out")"

run_ds firewall generate --role router --format ip6tables
check "router, ip6tables: forward has 4.3.1" 1 "$(grep -c '^-A FORWARD -p ipv6-icmp -m icmp6 --icmpv6-type 2 .*4.3.1' <<<"$out")"
run_ds firewall generate --echo deny --format iptables
check "--echo deny: no echo request rule" 0 "$(grep -c 'icmp-type 8' <<<"$out")"
run_ds firewall generate --echo limit --format iptables
check "--echo limit: a limited echo request rule" 1 "$(grep -c 'icmp-type 8 -m limit --limit 10/sec' <<<"$out")"
run_ds firewall generate --knob extended-echo,rpl
check "--knob: extended echo" 1 "$(grep -c 'icmpv6 type { 160, 161 } accept' <<<"$out")"
check "--knob: param-problem-new no longer on" 0 "$(grep -c 'icmpv6 code 3-10' <<<"$out")"

for bad in "--role gateway" "--allow tcp/0" "--allow sctp/9" "--allow tcp/22,,udp/53" \
	"--echo sometimes" "--format pf" "--knob warp" "extra"; do
	# shellcheck disable=SC2086
	run_ds firewall generate $bad
	check "generate $bad: exit 2" 2 "$rc"
	check "generate $bad: says so" 1 "$(grep -c '^dualstack firewall: ' <<<"$err")"
done
run_ds firewall frobnicate
check "unknown subcommand: exit 2" 2 "$rc"

# The real tools, in a namespace of their own (they talk to the kernel).
if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null || ! command -v nft >/dev/null; then
	echo "ok $((_n + 1)) # SKIP loading needs root, unshare and nft"
	_n=$((_n + 1))
else
	for role in host router bridge; do
		for echo in allow limit deny; do
			args="--role $role --echo $echo --allow tcp/22,udp/53,udp/123 --knob all"
			# shellcheck disable=SC2086
			"$DUALSTACK" firewall generate $args >"$_tmp/r.nft"
			# shellcheck disable=SC2086
			"$DUALSTACK" firewall generate $args --format iptables >"$_tmp/r4"
			# shellcheck disable=SC2086
			"$DUALSTACK" firewall generate $args --format ip6tables >"$_tmp/r6"
			check "nft -c -f: $args" "" \
				"$(unshare --net nft -c -f "$_tmp/r.nft" 2>&1)"
			check "iptables-restore --test: $args" "" \
				"$(unshare --net iptables-restore --test "$_tmp/r4" 2>&1)"
			check "ip6tables-restore --test: $args" "" \
				"$(unshare --net ip6tables-restore --test "$_tmp/r6" 2>&1)"
		done
	done
	# And it can fail: a broken rule is refused.
	sed 's/policy drop;/policy maybe;/' "$_tmp/r.nft" >"$_tmp/bad.nft"
	if unshare --net nft -c -f "$_tmp/bad.nft" >/dev/null 2>&1; then
		not_ok "nft -c refuses a broken ruleset"
	else
		ok "nft -c refuses a broken ruleset"
	fi
fi
done_testing
