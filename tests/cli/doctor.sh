#!/bin/bash
# SPDX-License-Identifier: MIT
#
# dualstack doctor on this host, as any user: the options, the exit codes
# and the JSON document's shape. What each finding says about a broken
# host is tested in namespaces built for it (tests/net/doctor.sh).
. "$(dirname "$0")/lib.sh"

run_ds doctor --help
check "--help exits 0" 0 "$rc"
check "--help shows the usage" 1 "$(grep -c '^usage: dualstack doctor' <<<"$out")"
check "--help names the exit codes" 1 "$(grep -c '^Exit status' <<<"$out")"

run_ds doctor --list-checks
check "--list-checks exits 0" 0 "$rc"
check "--list-checks lists eight checks" 8 "$(wc -l <<<"$out")"
check "--list-checks names resolver" 1 "$(grep -c '^resolver ' <<<"$out")"
run_ds doctor --list-checks --json
check "--list-checks --json: the same checks" \
	"class addresses routes mtu sockets policy resolver nsswitch" \
	"$(json_get '" ".join(c["check"] for c in j)')"

run_ds doctor --only nope
check "--only with an unknown check: usage error" 2 "$rc"
check "... named in the message" 1 "$(grep -c "'nope': no such check" <<<"$err")"
run_ds doctor --only class,
check "--only with an empty item: usage error" 2 "$rc"
run_ds doctor extra
check "an argument: usage error" 2 "$rc"
run_ds doctor --frobnicate
check "an unknown option: usage error" 2 "$rc"

run_ds doctor --json
case $rc in 0|1|3) ok "a full run exits 0, 1 or 3 ($rc)" ;;
*) not_ok "a full run exits 0, 1 or 3" "got: $rc" "$err" ;; esac
check "--json: every check ran" 8 "$(json_get 'len(j["checks"])')"
check "--json: every finding has a host code and a severity" True \
	"$(json_get 'all(f["code"].startswith("host.") and f["severity"] in ("ok","info","warning","error") for f in j["findings"])')"
check "--json: the summary counts the findings" True \
	"$(json_get 'sum(j["summary"].values()) == len(j["findings"])')"
check "--json: the exit code follows the findings" True \
	"$(json_get "($rc == 3) == any(f['code'] == 'host.unreadable' for f in j['findings']) and ($rc == 0) == (j['summary']['warning'] + j['summary']['error'] == 0)")"
check "--json: one class finding" 1 \
	"$(json_get 'sum(f["code"] == "host.class" for f in j["findings"])')"
check "--json: the policy table has a ::/0 row" True \
	"$(json_get 'any(r["prefix"] == "::/0" for r in j["policy"])')"

run_ds doctor --only sockets --json
check "--only sockets: the loopback self-test alone" True \
	"$(json_get 'all(f["code"] in ("host.loopback","host.bindv6only","host.unreadable") for f in j["findings"]) and len(j["findings"]) >= 1')"

run_ds doctor
check "text: a summary line" 1 "$(grep -cE '^[0-9]+ error\(s\), [0-9]+ warning\(s\), [0-9]+ info, [0-9]+ ok$' <<<"$out")"
check "text: each finding has a cause under it" 0 \
	"$(awk '/^(ok|info|warning|error) +host\./{getline l; if (l !~ /^    [^ ]/) n++} END{print n+0}' <<<"$out")"
done_testing
