#!/usr/bin/env bash
# dualstack resolve --chart: the time of each query as bars on one axis,
# against the test DNS responder on loopback (no root). AAAA is held back
# 300 ms, so its bar must span the axis and A's must be short; with a
# lost first AAAA, each server's part gets a row too.
. "$(dirname "$0")/lib.sh"

top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
if [ ! -r "$top/tests/net/lib/dnsd.py" ] || [ ! -x "$PY" ]; then
	echo "skip: no dnsd.py or $PY"; exit 77
fi
export XDG_CACHE_HOME=$_tmp/xdg
pids=()
trap 'dnsd_stop; rm -rf "$_tmp"' EXIT

records=(--record "www.example.test AAAA 2001:db8::2"
	--record "www.example.test A 198.51.100.2")
start_dnsd slow "${records[@]}" --delay AAAA=300
start_dnsd lose1 "${records[@]}" --drop AAAA=1

# rows_check FILE: for each picture row, "TYPE from-ok to-ok", where the
# bar's ends are compared with the duration the row states, on an axis
# that starts at 0 and ends where the header says.
rows_check() {
	"$PY" - "$1" <<'PYEOF'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
h = [i for i, l in enumerate(lines) if re.match(r"^timing, 0 to [0-9.]+ ms:$", l)]
if len(h) != 1:
    print("no header"); sys.exit()
end = float(re.search(r"to ([0-9.]+) ms", lines[h[0]]).group(1))
for l in lines[h[0] + 1:]:
    m = re.match(r"^  (\S+(?: \S+)?) +\|([ #]+)\| ([0-9.]+) ms, (.*)$", l) or \
        re.match(r"^  (\S+(?: \S+)?) +\|([ #]+)\| (?:answered in|timed out after|cancelled after) ([0-9.]+) ms(.*)$", l)
    if not m:
        print("unreadable %r" % l); continue
    bars, ms = m.group(2), float(m.group(3))
    last = bars.rindex("#") + 1
    # A query's duration, from about 0: the bar ends at ms on the axis.
    print("%s %s" % (m.group(1).split(" ")[0] + (" server" if " " in m.group(1) else ""),
                     abs(last - max(round(ms / end * len(bars)), 1)) <= 1
                     if " " not in m.group(1) else True), end="")
    print(" %s" % m.group(4).split(" from ")[-1] if " from " in m.group(4) else "")
PYEOF
}

run_ds resolve --server "127.0.0.1:$port_slow" --timeout 3 --tries 1 www.example.test
check "without --chart: exit 0" "0" "$rc"
case "$out" in *"timing, "*) not_ok "without --chart: no picture" "$out" ;;
*) ok "without --chart: no picture" ;; esac
plain=$out

COLUMNS=90 run_ds resolve --chart --server "127.0.0.1:$port_slow" --timeout 3 --tries 1 www.example.test
check "--chart: exit 0" "0" "$rc"
# The same report first (times aside: they differ from run to run).
check "--chart: the report first, unchanged up to the picture" \
	"$(printf '%s\n' "$plain" | tr -d '0-9')" \
	"$(printf '%s\n' "$out" | sed '/^timing, /,$d' | sed '$d' | tr -d '0-9')"
printf '%s\n' "$out" >"$_tmp/slow"
check "--chart: AAAA and A rows, bars matching their times, the server" \
	"AAAA True 127.0.0.1:$port_slow
A True 127.0.0.1:$port_slow" "$(rows_check "$_tmp/slow")"
check "--chart: rows as wide as \$COLUMNS" "90" \
	"$(sed -n '/^timing, /,$p' "$_tmp/slow" | tail -n +2 | awk '{ if (length($0) > m) m = length($0) } END { print m }')"
# The slow AAAA spans the axis; A, back at once, stays in its first tenth.
"$PY" - "$_tmp/slow" >"$_tmp/len" <<'PYEOF'
import re, sys
r = {}
for l in open(sys.argv[1]):
    m = re.match(r"^  (AAAA|A) +\|([ #]+)\|", l)
    if m:
        r[m.group(1)] = (m.group(2).count("#"), len(m.group(2)))
print(r["AAAA"][0] >= r["AAAA"][1] - 1, r["A"][0] <= r["A"][1] // 10)
PYEOF
check "--chart: AAAA's bar spans the axis, A's is short" "True True" "$(cat "$_tmp/len")"
if grep -q $'\033' "$_tmp/slow"; then not_ok "--chart: no colour on a pipe" "$out"
else ok "--chart: no colour on a pipe"; fi

COLUMNS=100 run_ds resolve --chart --no-cache --timeout 0.3 --server "127.0.0.1:$port_lose1" www.example.test
check "--chart with a retry: exit 0" "0" "$rc"
printf '%s\n' "$out" >"$_tmp/lose1"
check "--chart with a retry: query rows, then one per server and type" \
	"AAAA True 127.0.0.1:$port_lose1
A True 127.0.0.1:$port_lose1
AAAA server True
A server True" "$(rows_check "$_tmp/lose1")"

run_ds resolve --chart --json --server "127.0.0.1:$port_slow" --timeout 3 --tries 1 www.example.test
check "--chart --json: the JSON alone" "www.example.test" "$(json_get 'j["name"]')"

done_testing
