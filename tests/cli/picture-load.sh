#!/usr/bin/env bash
# dualstack load --chart and --svg: the round-trip latencies as a
# histogram, against an echo server on loopback (no root). The rows must
# add up to the round trips made, cover min to max, and the bars (text
# and SVG) must be as long as their counts say.
. "$(dirname "$0")/lib.sh"

[ -x "$PY" ] || { echo "skip: no $PY"; exit 77; }
epid=
trap '[ -n "$epid" ] && kill "$epid" 2>/dev/null; rm -rf "$_tmp"' EXIT

"$PY" - "$_tmp/port" <<'PYEOF' &
import os, socket, sys, threading
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
def echo(c):
    while True:
        b = c.recv(65536)
        if not b:
            break
        c.sendall(b)
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=echo, args=(c,), daemon=True).start()
PYEOF
epid=$!
for _ in $(seq 100); do [ -s "$_tmp/port" ] && break; sleep 0.05; done
p=$(cat "$_tmp/port")

run_ds load -c 2 -n 10 -m 5 "127.0.0.1:$p"
check "without --chart: exit 0" "0" "$rc"
case "$out" in *"|"*) not_ok "without --chart: no picture" "$out" ;;
*) ok "without --chart: no picture" ;; esac

COLUMNS=80 run_ds load -c 2 -n 20 -m 10 --chart "127.0.0.1:$p"
check "--chart: exit 0" "0" "$rc"
printf '%s\n' "$out" >"$_tmp/text"
"$PY" - "$_tmp/text" >"$_tmp/res" <<'PYEOF'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
msgs = int(re.search(r"^messages +(\d+)", "\n".join(lines), re.M).group(1))
lat = [l for l in lines if l.startswith("latency (us) ") and "min" in l][0]
lo, hi = int(re.search(r"min (\d+)", lat).group(1)), int(re.search(r"max (\d+)", lat).group(1))
i = lines.index("latency (us)")
rows = []
for l in lines[i + 1:]:
    m = re.match(r"^  +(\d+)-(\d+) \|([ #]+)\| (\d+)  ([0-9.]+)%$", l)
    if not m:
        print("unreadable %r" % l); continue
    rows.append((int(m.group(1)), int(m.group(2)), m.group(3), int(m.group(4)), float(m.group(5))))
print("rows", 1 <= len(rows) <= 12)
print("sum", sum(r[3] for r in rows) == msgs)
print("ends", rows[0][0] == lo, rows[-1][1] == hi)
print("contiguous", all(rows[k][0] == rows[k - 1][1] + 1 for k in range(1, len(rows))))
top = max(r[3] for r in rows)
print("bars", all(abs(r[2].count("#") - max(round(r[3] / top * len(r[2])), 1 if r[3] else 0)) <= 1 for r in rows))
print("pct", all(abs(r[4] - 100.0 * r[3] / msgs) < 0.06 for r in rows))
print("width", max(len(l) for l in lines[i + 1:]) == 80)
PYEOF
check "--chart: one to twelve rows" "rows True" "$(grep '^rows\|^unreadable' "$_tmp/res")"
check "--chart: the counts add up to the round trips" "sum True" "$(grep '^sum' "$_tmp/res")"
check "--chart: from min to max" "ends True True" "$(grep '^ends' "$_tmp/res")"
check "--chart: ranges follow each other" "contiguous True" "$(grep '^contiguous' "$_tmp/res")"
check "--chart: bars as long as their counts" "bars True" "$(grep '^bars' "$_tmp/res")"
check "--chart: shares" "pct True" "$(grep '^pct' "$_tmp/res")"
check "--chart: as wide as \$COLUMNS" "width True" "$(grep '^width' "$_tmp/res")"
if grep -q $'\033' "$_tmp/text"; then not_ok "--chart: no colour on a pipe" "$out"
else ok "--chart: no colour on a pipe"; fi
[ "$_failed" -eq 0 ] || sed 's/^/# /' "$_tmp/res" "$_tmp/text"

svg=$_tmp/lat.svg
run_ds load -c 2 -n 20 -m 10 --json --svg "$svg" "127.0.0.1:$p"
check "--svg --json: exit 0" "0" "$rc"
printf '%s' "$out" >"$_tmp/json"
"$PY" - "$_tmp/json" "$svg" >"$_tmp/svgres" 2>&1 <<'PYEOF'
import json, re, sys
import xml.etree.ElementTree as ET
j = json.load(open(sys.argv[1]))["latency_us"]
root = ET.parse(sys.argv[2]).getroot()
ns = "{http://www.w3.org/2000/svg}"
print("root", root.tag == ns + "svg")
bars = [r for r in root.iter(ns + "rect") if r.get("class") == "bar"]
rows = []
for b in bars:
    m = re.match(r"^(\d+)-(\d+) us: (\d+)$", b.find(ns + "title").text)
    rows.append((int(m.group(1)), int(m.group(2)), int(m.group(3)), float(b.get("width"))))
print("bars", 1 <= len(rows) <= 12)
print("sum", sum(r[2] for r in rows) == j["count"])
print("ends", rows[0][0] == j["min"], rows[-1][1] == j["max"])
top = max(r[2] for r in rows)
print("widths", all(abs(r[3] - r[2] / top * 400) < 0.01 for r in rows))
PYEOF
check "--svg: an svg document" "root True" "$(grep '^root' "$_tmp/svgres")"
check "--svg: one to twelve bars" "bars True" "$(grep '^bars' "$_tmp/svgres")"
check "--svg: the counts add up to the JSON's" "sum True" "$(grep '^sum' "$_tmp/svgres")"
check "--svg: from the JSON's min to its max" "ends True True" "$(grep '^ends' "$_tmp/svgres")"
check "--svg: widths in proportion to the counts" "widths True" "$(grep '^widths' "$_tmp/svgres")"
[ "$_failed" -eq 0 ] || sed 's/^/# /' "$_tmp/svgres"

run_ds load -c 1 -n 1 -m 1 --svg "$_tmp/no/dir.svg" "127.0.0.1:$p"
check "--svg in a missing directory: exit 3" "3" "$rc"

done_testing
