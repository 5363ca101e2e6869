#!/usr/bin/env bash
# dualstack addr: the command as a user and a script see it.
. "$(dirname "$0")/lib.sh"

# --- the program -------------------------------------------------------------
run_ds --version
check "--version names the program" "0" "$rc"
case "$out" in "dualstack "[0-9]*) ok "--version prints a version" ;;
*) not_ok "--version prints a version" "$out" ;; esac

run_ds
check "no command is a usage error" "2" "$rc"
run_ds frobnicate
check "unknown command exits 2" "2" "$rc"
case "$err" in *"unknown command 'frobnicate'"*) ok "unknown command named" ;;
*) not_ok "unknown command named" "$err" ;; esac
run_ds add 192.0.2.1
check "no abbreviations: 'add' is not 'addr'" "2" "$rc"
run_ds help
case "$out" in *"addr "*"parse, print"*) ok "help lists addr" ;;
*) not_ok "help lists addr" "$out" ;; esac
run_ds help addr
case "$out" in "usage: dualstack addr"*"--canonical"*) ok "help addr" ;;
*) not_ok "help addr" "$out" ;; esac
run_ds addr --help
check "addr --help exits 0" "0" "$rc"
run_ds completion bash
case "$out" in *addr*"complete -o filenames -F _dualstack dualstack"*)
	ok "bash completion from the command table" ;;
*) not_ok "bash completion from the command table" "$out" ;; esac

# --- info sheets -------------------------------------------------------------
run_ds addr 2001:DB8::1
check "info exits 0" "0" "$rc"
case "$out" in *"canonical "*"2001:db8::1"*) ok "info: canonical" ;;
*) not_ok "info: canonical" "$out" ;; esac
case "$out" in *"2001:0db8:0000:0000:0000:0000:0000:0001"*) ok "info: expanded" ;;
*) not_ok "info: expanded" "$out" ;; esac
case "$out" in *"RFC 3849"*) ok "info: documentation block with its RFC" ;;
*) not_ok "info: documentation block with its RFC" "$out" ;; esac

run_ds addr --json 2001:db8::1 192.0.2.0/24 6c:62:6d:a9:7e:d0 \
	1.2.0.192.in-addr.arpa 64:ff9b::192.0.2.33
check "json info exits 0" "0" "$rc"
check "json: an array, one object per argument" "5" "$(json_get 'len(j)')"
check "json: canonical" "2001:db8::1" "$(json_get 'j[0]["canonical"]')"
check "json: type" "documentation" "$(json_get 'j[0]["type"]')"
check "json: most specific block first" "2001:db8::/32" \
	"$(json_get 'j[0]["blocks"][0]["prefix"]')"
check "json: integer as a string" "42540766411282592856903984951653826561" \
	"$(json_get 'j[0]["integer"]')"
check "json: prefix last address" "192.0.2.255" \
	"$(json_get 'j[1]["prefix"]["last"]')"
check "json: prefix size" "256" "$(json_get 'j[1]["prefix"]["addresses"]')"
check "json: MAC to link-local (RFC 4291 appendix A)" \
	"fe80::6e62:6dff:fea9:7ed0" "$(json_get 'j[2]["link_local"]')"
check "json: PTR name back to the address" "192.0.2.1" \
	"$(json_get 'j[3]["canonical"]')"
check "json: NAT64 embedded IPv4" "192.0.2.33" \
	"$(json_get 'j[4]["embedded_ipv4"]["address"]')"

run_ds addr --json 2001:0:4136:e378:8000:63bf:3fff:fdd2
check "json: Teredo client de-obfuscated" "192.0.2.45 40000" \
	"$(json_get 'j[0]["teredo"]["client"] + " " + str(j[0]["teredo"]["port"])')"

run_ds addr 1.2.3.04
check "invalid info arg exits 2" "2" "$rc"
case "$err" in *"'1.2.3.04': column 7: "*"leading zero"*)
	ok "error names the column and the reason" ;;
*) not_ok "error names the column and the reason" "$err" ;; esac

run_ds addr --json 2001:db8::g
check "json with an invalid arg still valid JSON" "11" \
	"$(json_get 'j[0]["error"]["column"]')"

run_ds addr "$(printf '1.2.3.4\033[2J')"
case "$err" in *$'\033'*) not_ok "control characters are not echoed" "$err" ;;
*) ok "control characters are not echoed" ;; esac

# --- filters -----------------------------------------------------------------
printf '2001:DB8::1\n\n1.2.3.04\n  ::FFFF:192.0.2.1  \r\n2001:db8::/32\nnonsense\n::1' \
	>"$_tmp/in"
"$DUALSTACK" addr --canonical <"$_tmp/in" >"$_tmp/out" 2>"$_tmp/err"
rc=$?
check "filter: exit 1 when a line is invalid" "1" "$rc"
check "filter: one output line per input line" "7" "$(wc -l <"$_tmp/out")"
check "filter: aligned output" \
	"2001:db8::1|||::ffff:192.0.2.1|2001:db8::/32||::1|" \
	"$(tr '\n' '|' <"$_tmp/out")"
case "$(cat "$_tmp/err")" in
*"line 3: '1.2.3.04': column 7"*"line 6: 'nonsense'"*)
	ok "filter: errors name their line numbers" ;;
*) not_ok "filter: errors name their line numbers" "$(cat "$_tmp/err")" ;;
esac

printf '2001:db8::1\n' | "$DUALSTACK" addr --expand >"$_tmp/out"
check "filter: --expand" "2001:0db8:0000:0000:0000:0000:0000:0001" \
	"$(cat "$_tmp/out")"
printf '192.0.2.1\n2001:db8::/32\n' | "$DUALSTACK" addr --arpa >"$_tmp/out"
check "filter: --arpa, address and prefix" \
	"1.2.0.192.in-addr.arpa|8.b.d.0.1.0.0.2.ip6.arpa|" \
	"$(tr '\n' '|' <"$_tmp/out")"
printf '8.b.d.0.1.0.0.2.ip6.arpa.\n' | "$DUALSTACK" addr --canonical >"$_tmp/out"
check "filter: a PTR name back to its prefix" "2001:db8::/32" "$(cat "$_tmp/out")"

run_ds addr --canonical 2001:DB8:0:0:1:0:0:1 FE80::1%eth0
check "filter on arguments" "2001:db8::1:0:0:1 fe80::1%eth0" "$(echo $out)"

printf '::1\nbad\n' | "$DUALSTACK" addr --canonical --json >"$_tmp/out" 2>/dev/null
check "filter: NDJSON, one object per line" "2" "$(wc -l <"$_tmp/out")"
check "filter: NDJSON error object" "2 4" \
	"$($PY -c 'import json,sys
ls=[json.loads(l) for l in open(sys.argv[1])]
print(ls[1]["line"], ls[1]["error"]["column"])' "$_tmp/out")"

# A line far longer than any address: rejected, the rest still aligned.
{ echo ::1; head -c 300000 /dev/zero | tr '\0' 'a'; echo; echo ::2; } >"$_tmp/in"
"$DUALSTACK" addr --canonical <"$_tmp/in" >"$_tmp/out" 2>"$_tmp/err"
check "filter: over-long line gives one empty line" "::1||::2|" \
	"$(tr '\n' '|' <"$_tmp/out")"

# A 1 MB line: the message quotes its start (80 bytes, blanks before it
# left out) and "...", and says which line it was.
a80=$(head -c 80 /dev/zero | tr '\0' 'a')
{ echo ::1; printf '  '; head -c 1048576 /dev/zero | tr '\0' 'a'; echo; echo ::2; } >"$_tmp/in"
"$DUALSTACK" addr --canonical <"$_tmp/in" >"$_tmp/out" 2>"$_tmp/err"
rc=$?
check "filter: a 1 MB line, exit 1" "1" "$rc"
check "filter: a 1 MB line, the rest still converted" "::1||::2|" \
	"$(tr '\n' '|' <"$_tmp/out")"
check "filter: a 1 MB line, its start quoted, cut, with its line number" \
	"dualstack addr: line 2: '$a80...': column 1: input longer than any valid form" \
	"$(cat "$_tmp/err")"
# The same line last, without its newline: still a line, still an error.
{ echo ::1; head -c 1048576 /dev/zero | tr '\0' 'a'; } >"$_tmp/in"
"$DUALSTACK" addr --canonical <"$_tmp/in" >"$_tmp/out" 2>"$_tmp/err"
rc=$?
check "filter: a 1 MB last line without newline, exit 1" "1" "$rc"
check "filter: a 1 MB last line without newline, one empty line" "::1||" \
	"$(tr '\n' '|' <"$_tmp/out")"
case "$(cat "$_tmp/err")" in "dualstack addr: line 2: '$a80...': column 1: "*) ok "filter: a 1 MB last line without newline, quoted" ;;
*) not_ok "filter: a 1 MB last line without newline, quoted" "$(cat "$_tmp/err")" ;; esac
# A line just over the limit in one read is as long as one over many.
{ head -c 1025 /dev/zero | tr '\0' 'b'; echo; } >"$_tmp/in"
"$DUALSTACK" addr --canonical --json <"$_tmp/in" >"$_tmp/out" 2>/dev/null
check "filter: NDJSON, an over-long line's input is its start, marked truncated" \
	"80 True 1 input longer than any valid form" \
	"$($PY -c 'import json,sys
j=json.loads(open(sys.argv[1]).read())
print(len(j["input"]), j.get("truncated"), j["error"]["column"], j["error"]["message"])' "$_tmp/out" 2>&1)"
{ head -c 1024 /dev/zero | tr '\0' '1'; echo; } >"$_tmp/in"
"$DUALSTACK" addr --canonical --json <"$_tmp/in" >"$_tmp/out" 2>/dev/null
check "filter: NDJSON, a 1024-byte line is quoted whole" "1024 None" \
	"$($PY -c 'import json,sys
j=json.loads(open(sys.argv[1]).read())
print(len(j["input"]), j.get("truncated"))' "$_tmp/out" 2>&1)"

# Long values as arguments, and a long line that arrives in one read, with
# --json: each quoted by its start, and the document stays whole. (One
# argument is at most 128 KiB: MAX_ARG_STRLEN, execve(2).)
long=$(head -c 100000 /dev/zero | tr '\0' 'c')
run_ds addr --canonical --json "$long" ::1
check "filter: NDJSON, a 100 kB argument, exit 1" "1" "$rc"
check "filter: NDJSON, a 100 kB argument is cut, the next converted" "80 True ::1" \
	"$(printf '%s\n' "$out" | $PY -c 'import json,sys
a, b = [json.loads(l) for l in sys.stdin]
print(len(a["input"]), a["truncated"], b["canonical"])' 2>&1)"
case "$err" in "dualstack addr: line 1: '${long:0:80}...': column 1: "*) ok "filter: a 100 kB argument, its start quoted" ;;
*) not_ok "filter: a 100 kB argument, its start quoted" "${err:0:300}" ;; esac
printf '%s\n::1\n' "$long" >"$_tmp/in"
"$DUALSTACK" addr --canonical --json <"$_tmp/in" >"$_tmp/out" 2>"$_tmp/err"
check "filter: NDJSON, a 100 kB line in one read, cut, the next converted" "80 True ::1" \
	"$($PY -c 'import json,sys
a, b = [json.loads(l) for l in open(sys.argv[1])]
print(len(a["input"]), a["truncated"], b["canonical"])' "$_tmp/out" 2>&1)"

# Blank lines stay blank, as the man page says: an empty output line each,
# no message, exit 0; they still count for the line numbers.
printf '\n  \n\t\r\n' | "$DUALSTACK" addr --canonical >"$_tmp/out" 2>"$_tmp/err"
rc=$?
check "filter: blank lines only, exit 0" "0" "$rc"
check "filter: blank lines give blank lines" "|||" "$(tr '\n' '|' <"$_tmp/out")"
check "filter: blank lines, no message" "" "$(cat "$_tmp/err")"
printf '\n\nbad\n' | "$DUALSTACK" addr --canonical --json >"$_tmp/out" 2>"$_tmp/err"
rc=$?
check "filter: NDJSON skips blank lines, which still count" "1 3" \
	"$rc $($PY -c 'import json,sys
print(" ".join(str(json.loads(l)["line"]) for l in open(sys.argv[1])))' "$_tmp/out" 2>&1)"
case "$(cat "$_tmp/err")" in *"line 3: 'bad'"*) ok "filter: after blank lines, the line number is right" ;;
*) not_ok "filter: after blank lines, the line number is right" "$(cat "$_tmp/err")" ;; esac

# Many lines across buffer boundaries keep their order and count.
"$PY" -c '
import random
r = random.Random(7)
for i in range(200000):
    if i % 3 == 0:
        print("%d.%d.%d.%d" % tuple(r.randrange(256) for _ in range(4)))
    else:
        print(":".join("%x" % r.randrange(65536) for _ in range(8)))
' >"$_tmp/big"
"$DUALSTACK" addr --canonical <"$_tmp/big" >"$_tmp/out"
rc=$?
check "filter: 200k lines, exit 0" "0" "$rc"
"$PY" -c '
import ipaddress, sys
a = open(sys.argv[1]).read().split("\n")[:-1]
b = open(sys.argv[2]).read().split("\n")[:-1]
assert len(a) == len(b), (len(a), len(b))
for x, y in zip(a, b):
    want = str(ipaddress.ip_address(x))
    # Python 3.11 prints mapped addresses in hex; RFC 5952 section 5
    # wants them dotted. Normalise Python'"'"'s side for the comparison.
    ip = ipaddress.ip_address(x)
    if ip.version == 6 and ip.ipv4_mapped:
        want = "::ffff:" + str(ip.ipv4_mapped)
    assert want == y, (x, want, y)
print("same")' "$_tmp/big" "$_tmp/out" >"$_tmp/cmp" 2>&1
check "filter: 200k lines agree with Python's ipaddress" "same" "$(cat "$_tmp/cmp")"

if [ -w /dev/full ]; then
	printf '::1\n' | "$DUALSTACK" addr --canonical >/dev/full 2>"$_tmp/err"
	check "filter: a write error is exit 3" "3" "$?"
	"$DUALSTACK" addr ::1 >/dev/full 2>/dev/null
	check "info: a write error is exit 3" "3" "$?"
fi

# --- operations --------------------------------------------------------------
run_ds addr --eui64 6C-62-6D-A9-7E-D0
check "--eui64 link-local" "fe80::6e62:6dff:fea9:7ed0" "$out"
run_ds addr --eui64 6c62.6da9.7ed0 --prefix 2001:db8:1:2::/64
check "--eui64 with --prefix" "2001:db8:1:2:6e62:6dff:fea9:7ed0" "$out"
run_ds addr --eui64 6c:62:6d:a9:7e:d0 --prefix 2001:db8::/96
check "--eui64 refuses a prefix longer than /64" "2" "$rc"

run_ds addr --nat64 2001:db8:100::/40 192.0.2.33
check "--nat64 /40 (RFC 6052 section 2.4)" "2001:db8:1c0:2:21::" "$out"
run_ds addr --nat64 192.0.2.33
check "--nat64 well-known prefix" "64:ff9b::c000:221" "$out"
run_ds addr --nat64 2001:db8:100::/40 2001:db8:1c0:2:21::
check "--nat64 extracts" "192.0.2.33" "$out"
run_ds addr --nat64 2001:db8::/44 192.0.2.33
check "--nat64 refuses a length RFC 6052 does not define" "2" "$rc"

run_ds addr --split 192.0.2.0/24 26
check "--split" "192.0.2.0/26 192.0.2.64/26 192.0.2.128/26 192.0.2.192/26" \
	"$(echo $out)"
run_ds addr --split 2001:db8::/32 /64
check "--split refuses 2^32 lines by default" "2" "$rc"
run_ds addr --split 2001:db8::/48 64 --limit 70000
check "--split with --limit" "65536" "$(printf '%s\n' "$out" | wc -l)"

run_ds addr --nth 2001:db8::/32 65535 48
check "--nth subnet" "2001:db8:ffff::/48" "$out"
run_ds addr --nth 2001:db8::/32 65536 48
check "--nth past the end exits 1" "1" "$rc"
run_ds addr --nth 192.0.2.0/24 255
check "--nth address" "192.0.2.255" "$out"

run_ds addr --contains 2001:db8::/32 2001:db8:1::1 2001:db9::1
check "--contains reports each and exits 1" "1 yes no" \
	"$rc $(printf '%s\n' "$out" | cut -f1 | tr '\n' ' ' | sed 's/ $//')"
run_ds addr --contains 192.0.2.0/24 ::ffff:192.0.2.7
check "--contains matches IPv4-mapped as IPv4" "0" "$rc"

printf '10.0.0.0/24\n10.0.1.0/24\n10.0.2.0/23\n# comment\n2001:db8::/33\n2001:db8:8000::/33\n192.0.2.1\n' |
	"$DUALSTACK" addr --aggregate >"$_tmp/out"
check "--aggregate both families" \
	"10.0.0.0/22|192.0.2.1/32|2001:db8::/32|" "$(tr '\n' '|' <"$_tmp/out")"
printf '10.0.0.0/24\nbogus\n' | "$DUALSTACK" addr --aggregate >"$_tmp/out" 2>"$_tmp/err"
check "--aggregate: bad line exits 1" "1" "$?"

run_ds addr --eprt "[2001:db8::1]:5282"
check "--eprt formats" "EPRT |2|2001:db8::1|5282|" "$out"
run_ds addr --eprt "EPRT |2|1080::8:800:200C:417A|5282|"
check "--eprt parses (RFC 2428 section 2)" "[1080::8:800:200c:417a]:5282" "$out"
run_ds addr --eprt "229 Entering Extended Passive Mode (|||6446|)"
check "--eprt reads an EPSV reply" "6446" "$out"

run_ds addr --split --nth 192.0.2.0/24 1
check "two operations at once is a usage error" "2" "$rc"
run_ds addr --bogus
check "unknown option is a usage error" "2" "$rc"
case "$err" in *"usage: dualstack addr"*) ok "usage printed on a usage error" ;;
*) not_ok "usage printed on a usage error" "$err" ;; esac

done_testing
