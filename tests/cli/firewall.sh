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

# check and test on files: the classic broken rulesets.
printf '*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -p udp --dport 3544 -j ACCEPT\nCOMMIT\n' >"$_tmp/v4"
printf '*filter\n:INPUT DROP [0:0]\n-A INPUT -p ipv6-icmp -j DROP\nCOMMIT\n' >"$_tmp/v6"
run_ds firewall check --iptables "$_tmp/v4" --ip6tables "$_tmp/v6"
check "check: exit 1 on a must finding" 1 "$rc"
check "check: Packet Too Big first, the rule named" \
	"error: ICMPv6 packet-too-big (type 2) to this host is dropped; RFC 4890 section 4.4.1 says it must not be" \
	"$(head -1 <<<"$out")"
check "check: the rule and its line" 1 "$(grep -c '^  by:   ip6 filter INPUT, line 3: -A INPUT -p ipv6-icmp -j DROP$' <<<"$(head -3 <<<"$out")")"
check "check: the fix" 1 "$(grep -c '^  fix:  -I INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 2 -j ACCEPT (before that rule)$' <<<"$out")"
check "check: v4-only service" 1 "$(grep -c '^warning: TCP port 22 to this host is open on IPv4 and dropped on IPv6$' <<<"$out")"
check "check: Teredo" 1 "$(grep -c '^warning: Teredo (UDP port 3544) passes' <<<"$out")"
run_ds firewall check --json --iptables "$_tmp/v4" --ip6tables "$_tmp/v6"
check "check --json: first code" "fw.icmpv6-must" "$(json_get 'j["findings"][0]["finding"]["code"]')"
check "check --json: the fix" "-I INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 2 -j ACCEPT" \
	"$(json_get 'j["findings"][0]["finding"]["evidence"]["fix"]')"
check "check --json: codes" "['fw.icmpv6-should', 'fw.service-v4-only', 'fw.tunnel']" \
	"$(json_get 'sorted(set(f["finding"]["code"] for f in j["findings"]) - {"fw.icmpv6-must"})')"
printf '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n' >"$_tmp/open6"
run_ds firewall check --iptables "$_tmp/v4" --ip6tables "$_tmp/open6"
check "check: IPv6 wide open" 1 "$(grep -c '^error: IPv6 is wide open to this host' <<<"$out")"

"$DUALSTACK" firewall generate --allow tcp/22 --format iptables >"$_tmp/g4"
"$DUALSTACK" firewall generate --allow tcp/22 --format ip6tables >"$_tmp/g6"
run_ds firewall check --iptables "$_tmp/g4" --ip6tables "$_tmp/g6"
check "check: a generated ruleset passes (exit 0)" 0 "$rc"
check "check: ... with only ok findings" 0 "$(grep -vc '^ok: \|rules checked' <<<"$out")"

run_ds firewall test --ip6tables "$_tmp/v6" icmpv6 type 2 from 2001:db8::1 to local
check "test: exit 1 for a drop" 1 "$rc"
check "test: verdict and rule" "drop by ip6 filter INPUT, line 3: -A INPUT -p ipv6-icmp -j DROP" "$out"
run_ds firewall test --json --iptables "$_tmp/g4" 'tcp from 192.0.2.1 to local port 22'
check "test --json: accept" "accept rule" "$(json_get 'j["verdict"], j["why"]' | tr -d "(),'")"
run_ds firewall test --iptables "$_tmp/g4" 'tcp from 192.0.2.1 to local port 23'
check "test: policy" "drop by the policy of ip filter INPUT" "$out"

# Malformed input: the position, exit 2.
printf '*filter\n:INPUT DROP\n-A INPUT -m comment --comment "open\nCOMMIT\n' >"$_tmp/badq"
run_ds firewall check --iptables "$_tmp/badq"
check "bad iptables: exit 2" 2 "$rc"
check "bad iptables: line and column" "dualstack firewall: $_tmp/badq: line 3, column 31: quote not closed" "$err"
printf '{"nftables": [{"chain": {"family": "ip", "table": "t", "name": "c"}}, {"rule": {"family": "ip", "table": "t", "chain": "c", "expr": [{"jump": {"target": "x"}}]}}]}' >"$_tmp/badj"
run_ds firewall check --file "$_tmp/badj"
check "bad nft JSON: object and expression" "dualstack firewall: $_tmp/badj: object 2 of \"nftables\", expression 1: no such chain" "$err"
printf '{"nftables": [\n  {"table": }\n]}' >"$_tmp/badj2"
run_ds firewall check --file "$_tmp/badj2"
check "bad JSON: line and column" "dualstack firewall: $_tmp/badj2: line 2, column 13: not JSON" "$err"
run_ds firewall test --file "$_tmp/badj" 'icmpv6 type bogus to local'
check "bad spec: exit 2" 2 "$rc"
check "bad spec: column" 1 "$(grep -c 'column 13: bad value after this word' <<<"$err")"
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
			# Loaded, read back as JSON, checked: no error but the
			# echo request --echo deny leaves out.
			want="0 errors"
			[ "$echo" = deny ] && want="1 error"
			[ "$echo" = deny ] && [ "$role" != host ] && want="2 errors"
			got=$(unshare --net sh -c 'nft -f "$1" && "$2" firewall check --role "$3"' \
				sh "$_tmp/r.nft" "$DUALSTACK" "$role" 2>&1 | tail -1)
			check "loaded and checked: $args" "$want, 0 warnings" \
				"$(sed 's/.*as a [a-z]*: //' <<<"$got")"
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
