#!/usr/bin/env bash
# dualstack load --by-family: one run per family, side by side, against
# echo servers on 127.0.0.1 and ::1 (no root). The IPv6 server holds each
# reply 250 ms and the IPv4 one answers at once, so a sample filed under
# the wrong family shows: every IPv4 latency is below 250 ms, every IPv6
# one above. The per-family counts must add up to the totals, in JSON,
# the text chart and the SVG.
. "$(dirname "$0")/lib.sh"

[ -x "$PY" ] || { echo "skip: no $PY"; exit 77; }
if ! "$PY" -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	echo "skip: no IPv6 loopback"
	exit 77
fi
epid=
trap '[ -n "$epid" ] && kill "$epid" 2>/dev/null; rm -rf "$_tmp"' EXIT

# HOLD_US: the IPv6 server's delay per reply.
HOLD_US=250000
"$PY" - "$_tmp/ports" "$HOLD_US" <<'PYEOF' &
import os, socket, sys, threading, time
hold = int(sys.argv[2]) / 1e6
def serve(s, delay):
    def echo(c):
        while True:
            b = c.recv(65536)
            if not b:
                break
            if delay:
                time.sleep(delay)
            c.sendall(b)
        c.close()
    while True:
        c, _ = s.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()
s4 = socket.socket(socket.AF_INET)
s4.bind(("127.0.0.1", 0))
s6 = socket.socket(socket.AF_INET6)
s6.bind(("::1", 0))
for s in (s4, s6):
    s.listen(64)
threading.Thread(target=serve, args=(s4, 0), daemon=True).start()
threading.Thread(target=serve, args=(s6, hold), daemon=True).start()
open(sys.argv[1] + ".tmp", "w").write("%d %d" % (s4.getsockname()[1], s6.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    time.sleep(60)
PYEOF
epid=$!
for _ in $(seq 100); do [ -s "$_tmp/ports" ] && break; sleep 0.05; done
read -r p4 p6 <"$_tmp/ports"

# --- JSON: totals, each family's share, and no sample in the wrong one. ---
run_ds load --by-family -c 4 -n 10 -m 3 --json "127.0.0.1:$p4" "[::1]:$p6"
check "--json: exit 0" 0 "$rc"
printf '%s' "$out" >"$_tmp/json"
"$PY" - "$_tmp/json" "$HOLD_US" >"$_tmp/res" <<'PYEOF'
import json, sys
j = json.load(open(sys.argv[1]))
hold = int(sys.argv[2])
f = {x["family"]: x for x in j["by_family"]}
v4, v6 = f["ipv4"], f["ipv6"]
print("families", sorted(f) == ["ipv4", "ipv6"])
print("targets", v4["target"].startswith("127.0.0.1:"), v6["target"].startswith("[::1]:"))
print("split", v4["connections"] == 5, v6["connections"] == 5)
for k in ("connections", "connections_ok", "messages"):
    print("sum-" + k, v4[k] + v6[k] == j[k])
print("sum-latency", v4["latency_us"]["count"] + v6["latency_us"]["count"] == j["latency_us"]["count"])
print("counts", v4["latency_us"]["count"] == v4["messages"] == 15, v6["latency_us"]["count"] == v6["messages"] == 15)
print("own-v4", v4["latency_us"]["max"] < hold)
print("own-v6", v6["latency_us"]["min"] >= hold)
print("rows-same", [(r["lo_us"], r["hi_us"]) for r in v4["histogram"]] == [(r["lo_us"], r["hi_us"]) for r in v6["histogram"]])
print("rows-v4", sum(r["count"] for r in v4["histogram"]) == v4["latency_us"]["count"])
print("rows-v6", sum(r["count"] for r in v6["histogram"]) == v6["latency_us"]["count"])
print("rows-apart", all(r["count"] == 0 for r in v4["histogram"] if r["lo_us"] >= hold)
      and all(r["count"] == 0 for r in v6["histogram"] if r["hi_us"] < hold))
PYEOF
while read -r name rest; do
	case "$rest" in *False*|"") not_ok "--json: $name" "$rest" "$(cat "$_tmp/json")" ;;
	*) ok "--json: $name" ;; esac
done <"$_tmp/res"
[ -s "$_tmp/res" ] || not_ok "--json: readable" "$out"

# --- The text chart: two columns on the same rows. --------------------------
COLUMNS=100 run_ds load --by-family -c 4 -n 10 -m 3 --chart --svg "$_tmp/h.svg" \
	"127.0.0.1:$p4" "[::1]:$p6"
check "--chart: exit 0" 0 "$rc"
printf '%s\n' "$out" >"$_tmp/text"
"$PY" - "$_tmp/text" "$HOLD_US" >"$_tmp/res" <<'PYEOF'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
hold = int(sys.argv[2])
msgs = int(re.search(r"^messages +(\d+)", "\n".join(lines), re.M).group(1))
fam = {}
for l in lines:
    m = re.match(r"^(IPv4|IPv6) +\S+: (\d+) ok, \d+ failed, (\d+) round trips", l)
    if m:
        fam[m.group(1)] = int(m.group(3))
print("family-lines", sorted(fam) == ["IPv4", "IPv6"] and sum(fam.values()) == msgs)
head = [i for i, l in enumerate(lines) if l.startswith("latency (us)") and "IPv4" in l and "IPv6" in l]
print("header", len(head) == 1)
rows = []
for l in lines[head[0] + 1:] if head else []:
    m = re.match(r"^  +(\d+)-(\d+) \|([ #]+)\| +(\d+)  \|([ #]+)\| +(\d+)$", l)
    if not m:
        print("unreadable %r" % l)
        continue
    rows.append((int(m.group(1)), int(m.group(2)), int(m.group(4)), int(m.group(6)), m.group(3), m.group(5)))
print("rows", len(rows) >= 1)
print("fits", bool(head) and all(len(l) <= 100 for l in lines[head[0]:]))
if head and rows:
    h, r = lines[head[0]], lines[head[0] + 1]
    print("aligned", h.index("IPv4") == r.index("|") + 1 and h.index("IPv6") == r.index("|", r.index("|") + 1 + len(rows[0][4]) + 1) + 1)
print("sum-v4", sum(r[2] for r in rows) == fam.get("IPv4"))
print("sum-v6", sum(r[3] for r in rows) == fam.get("IPv6"))
print("apart", all(r[2] == 0 for r in rows if r[0] >= hold) and all(r[3] == 0 for r in rows if r[1] < hold))
top = max([r[2] for r in rows] + [r[3] for r in rows] + [1])
w = len(rows[0][4]) if rows else 0
print("one-scale", all(abs(r[4].count("#") - max(round(r[2] / top * w), 1 if r[2] else 0)) <= 1
                       and abs(r[5].count("#") - max(round(r[3] / top * w), 1 if r[3] else 0)) <= 1 for r in rows))
PYEOF
while read -r name rest; do
	case "$rest" in *False*|"") not_ok "--chart: $name" "$rest" "$out" ;;
	*) ok "--chart: $name" ;; esac
done <"$_tmp/res"

# --- SVG: a bar per row and family; each family's titles add up. -------------
"$PY" - "$_tmp/h.svg" "$_tmp/text" >"$_tmp/res" <<'PYEOF'
import re, sys
import xml.etree.ElementTree as ET
t = ET.parse(sys.argv[1])
ns = "{http://www.w3.org/2000/svg}"
text = open(sys.argv[2]).read()
fam = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(IPv4|IPv6) +\S+: \d+ ok, \d+ failed, (\d+) round trips", text, re.M)}
bars = {"bar-ipv4": [], "bar-ipv6": []}
for r in t.iter(ns + "rect"):
    c = r.get("class")
    if c in bars:
        bars[c].append(int(r.find(ns + "title").text.rsplit(": ", 1)[1]))
print("rows", len(bars["bar-ipv4"]) == len(bars["bar-ipv6"]) >= 1)
print("sum-v4", sum(bars["bar-ipv4"]) == fam.get("IPv4"))
print("sum-v6", sum(bars["bar-ipv6"]) == fam.get("IPv6"))
PYEOF
while read -r name rest; do
	case "$rest" in *False*|"") not_ok "--svg: $name" "$rest" ;;
	*) ok "--svg: $name" ;; esac
done <"$_tmp/res"
[ -s "$_tmp/res" ] || not_ok "--svg: readable" "$(cat "$_tmp/h.svg")"

# --- Refusals. ---------------------------------------------------------------
run_ds load --by-family "127.0.0.1:$p4"
check "an address alone: exit 2" 2 "$rc"
case "$err" in *"give a name with IPv4 and IPv6 addresses, or two targets"*) ok "an address alone: says what to give" ;;
*) not_ok "an address alone: says what to give" "$err" ;; esac
run_ds load --by-family -n 4 "127.0.0.1:$p4" "127.0.0.1:$p4"
check "two IPv4 targets: exit 2" 2 "$rc"
run_ds load --by-family -4 localhost:7
check "--by-family with -4: exit 2" 2 "$rc"
run_ds load --by-family -n 1 "127.0.0.1:$p4" "[::1]:$p6"
check "--by-family -n 1: exit 2" 2 "$rc"

done_testing
