#!/usr/bin/env bash
# dualstack connect -v and --svg: the Happy Eyeballs race as a picture.
# A name with ::1 (nothing listening there) and 127.0.0.1 (a listener),
# from the test DNS responder on loopback: attempt 1 fails, attempt 2
# wins; the rows of the text picture and the bars of the SVG must sit
# where the trace of --json puts them. No root needed.
. "$(dirname "$0")/lib.sh"

top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
if [ ! -r "$top/tests/net/lib/dnsd.py" ] || [ ! -x "$PY" ]; then
	echo "skip: no dnsd.py or $PY"; exit 77
fi
if ! "$PY" -c 'import socket; socket.create_server(("::1", 0), family=socket.AF_INET6)' 2>/dev/null; then
	echo "skip: no ::1 on this host"; exit 77
fi
export XDG_CACHE_HOME=$_tmp/xdg

pids=()
lpid=
trap 'dnsd_stop; [ -n "$lpid" ] && kill "$lpid" 2>/dev/null; rm -rf "$_tmp"' EXIT

# A listener on 127.0.0.1 only, on a port that is free on ::1 too.
"$PY" - "$_tmp/port" <<'PYEOF' &
import os, socket, sys
while True:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    try:
        t = socket.socket(socket.AF_INET6)
        t.bind(("::1", p))
        t.close()
        break
    except OSError:
        s.close()
s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(p))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    c.close()
PYEOF
lpid=$!
for _ in $(seq 100); do [ -s "$_tmp/port" ] && break; sleep 0.05; done
p4=$(cat "$_tmp/port")

start_dnsd ns --record "race.example.test AAAA ::1" \
	--record "race.example.test A 127.0.0.1"

svg=$_tmp/race.svg
COLUMNS=100 run_ds connect -v --probe --json --no-cache \
	--server "127.0.0.1:$port_ns" --svg "$svg" race.example.test "$p4"
check "exit 0" "0" "$rc"
printf '%s' "$out" >"$_tmp/json"
printf '%s' "$err" >"$_tmp/err"

# The trace, as the picture should show it: per attempt its family,
# endpoint, start and end (ms), outcome; and the end of the axis.
"$PY" - "$_tmp/json" "$_tmp/err" "$svg" "$p4" >"$_tmp/res" 2>&1 <<'PYEOF'
import json, re, sys
import xml.etree.ElementTree as ET

j = json.load(open(sys.argv[1]))
err = open(sys.argv[2]).read().splitlines()
svgpath, port = sys.argv[3], sys.argv[4]
att = {}
end = 0.0
for e in j["trace"]:
    end = max(end, e["t_ms"])
    if e["event"] == "attempt":
        att[e["attempt"]] = {"start": e["t_ms"], "addr": e["address"]}
    elif e["event"] in ("failed", "connected", "cancelled"):
        a = att[e["attempt"]]
        a["end"] = a["start"] + e["elapsed_ms"]
        a["how"] = e["event"]
end = max(end, j["elapsed_ms"])
out = []
say = out.append

# Text: the header, then one row per attempt.
hdr = [i for i, l in enumerate(err) if l.startswith("race: 0 to ")]
say("header %d" % len(hdr))
rows = err[hdr[0] + 1 : hdr[0] + 1 + len(att)] if hdr else []
say("rows %d of %d" % (len(rows), len(att)))
width = max(len(r) for r in rows) if rows else 0
say("widest row %d" % width)
for n, r in enumerate(rows, 1):
    a = att[n]
    fam = "IPv6" if ":" in a["addr"] else "IPv4"
    ep = ("[%s]:%s" if fam == "IPv6" else "%s:%s") % (a["addr"], port)
    m = re.match(r"^(\d+) (IPv[46]) (\S+) +\|([ #x-]+)\| (.*)$", r)
    if not m:
        say("row %d unreadable: %r" % (n, r))
        continue
    say("row %d: %s %s %s %s" % (n, m.group(1) == str(n), m.group(2) == fam,
                                m.group(3) == ep, m.group(5).split(" ")[0]))
    bars = m.group(4)
    cols = len(bars)
    mark = {"failed": "x", "connected": "#", "cancelled": "-"}[a["how"]]
    first = bars.index(mark)
    last = bars.rindex(mark) + 1
    want_from = round(a["start"] / end * cols)
    want_to = max(round(a["end"] / end * cols), want_from + 1)
    say("row %d bar from %s to %s" % (n, abs(first - want_from) <= 1,
                                      abs(last - want_to) <= 1))
    say("row %d one mark only %s" % (n, set(bars) <= {" ", mark}))

# SVG: valid XML, one bar per attempt, x and width as the trace says.
root = ET.parse(svgpath).getroot()
ns = "{http://www.w3.org/2000/svg}"
say("svg root %s" % (root.tag == ns + "svg"))
bars = [r for r in root.iter(ns + "rect") if r.get("class") == "bar"]
say("svg bars %d of %d" % (len(bars), len(att)))
axis = [r for r in root.iter(ns + "rect") if r.get("class") == "axis"][0]
x0, span = float(axis.get("x")), float(axis.get("width"))
for n, b in enumerate(bars, 1):
    a = att[n]
    x, w = float(b.get("x")), float(b.get("width"))
    say("svg bar %d x %s width %s" % (n,
        abs(x - (x0 + a["start"] / end * span)) < 1,
        abs(w - (a["end"] - a["start"]) / end * span) < 1))
say("svg winner green %s" % (bars[-1].get("fill") == "#2a9d38"))
print("\n".join(out))
PYEOF
res=$(cat "$_tmp/res")
check "a header line" "header 1" "$(grep '^header' <<<"$res")"
check "one row per attempt" "rows 2 of 2" "$(grep '^rows' <<<"$res")"
check "the widest row spans \$COLUMNS" "widest row 100" "$(grep '^widest' <<<"$res")"
check "row 1: attempt, family, endpoint, outcome" "row 1: True True True failed:" "$(grep '^row 1:' <<<"$res")"
check "row 2: attempt, family, endpoint, outcome" "row 2: True True True won" "$(grep '^row 2:' <<<"$res")"
check "row 1: the bar where the trace puts it" "row 1 bar from True to True" "$(grep '^row 1 bar' <<<"$res")"
check "row 2: the bar where the trace puts it" "row 2 bar from True to True" "$(grep '^row 2 bar' <<<"$res")"
check "row 1: failure marks" "row 1 one mark only True" "$(grep '^row 1 one' <<<"$res")"
check "row 2: winner marks" "row 2 one mark only True" "$(grep '^row 2 one' <<<"$res")"
check "svg: an svg document" "svg root True" "$(grep '^svg root' <<<"$res")"
check "svg: one bar per attempt" "svg bars 2 of 2" "$(grep '^svg bars' <<<"$res")"
check "svg: bar 1 placed and sized by the trace" "svg bar 1 x True width True" "$(grep '^svg bar 1' <<<"$res")"
check "svg: bar 2 placed and sized by the trace" "svg bar 2 x True width True" "$(grep '^svg bar 2' <<<"$res")"
check "svg: the winner green" "svg winner green True" "$(grep '^svg winner' <<<"$res")"
if grep -q $'\033' "$_tmp/err"; then not_ok "no colour when stderr is not a terminal" "$err"
else ok "no colour when stderr is not a terminal"; fi
[ "$_failed" -eq 0 ] || sed 's/^/# /' "$_tmp/res" "$_tmp/err"

# Without -v there is no picture on stderr; --svg alone still writes.
rm -f "$svg"
run_ds connect --probe --no-cache --server "127.0.0.1:$port_ns" \
	--svg "$svg" race.example.test "$p4"
check "--svg without -v: exit 0" "0" "$rc"
case "$err" in *"race: "*) not_ok "--svg without -v: no picture on stderr" "$err" ;;
*) ok "--svg without -v: no picture on stderr" ;; esac
if [ -s "$svg" ] && "$PY" -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$svg"; then
	ok "--svg without -v: the file written"
else not_ok "--svg without -v: the file written"; fi

# A file that cannot be written: exit 3, the path named.
run_ds connect --probe --no-cache --svg "$_tmp/no/such/dir.svg" 127.0.0.1 "$p4"
check "--svg in a missing directory: exit 3" "3" "$rc"
case "$err" in *"--svg $_tmp/no/such/dir.svg: No such file or directory"*) ok "--svg in a missing directory: said" ;;
*) not_ok "--svg in a missing directory: said" "$err" ;; esac

done_testing
