#!/usr/bin/env bash
# dualstack dns on loopback (no root): usage, --help, text and JSON, exit
# codes, against the test DNS responder; the namespace scenarios with
# every fault are tests/net/dns.sh.
. "$(dirname "$0")/lib.sh"

top=${DS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
if [ ! -r "$top/tests/net/lib/dnsd.py" ] || [ ! -x "$PY" ]; then
	echo "skip: no dnsd.py or $PY"; exit 77
fi
pids=()
trap 'dnsd_stop; rm -rf "$_tmp"' EXIT

records=(--record "www.example.test AAAA 2001:db8::2 30"
	--record "www.example.test A 198.51.100.2 40")
start_dnsd ok "${records[@]}"
start_dnsd noaaaa "${records[@]}" --drop AAAA
# A port nothing listens on: the ICMP port unreachable comes back.
closed=$($PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# --- usage ---------------------------------------------------------------
run_ds dns
check "no name: exit 2" 2 "$rc"
run_ds dns a b
check "two names: exit 2" 2 "$rc"
run_ds dns --timeout 0 x
check "--timeout 0: exit 2" 2 "$rc"
run_ds dns --timeout 2minutes x
check "--timeout 2minutes: exit 2" 2 "$rc"
run_ds dns --server 192.0.2.1:0 x
check "--server port 0: exit 2" 2 "$rc"
run_ds dns --server 127.0.0.1:$port_ok 'a..b'
check "a name no query can carry: exit 2, said" "2 1" \
	"$rc $(printf '%s' "$err" | grep -c "not a name a DNS query can carry")"
run_ds dns --help
check "--help: exit 0, the usage first" "0 usage: dualstack dns" \
	"$rc $(printf '%s\n' "$out" | head -1 | cut -c1-20)"
run_ds dns -6 --server 127.0.0.1:$port_ok x
check "-6 with only an IPv4 server: exit 1, said" "1 1" \
	"$rc $(printf '%s' "$err" | grep -c "no IPv6 server")"

# --- a healthy server, both families -----------------------------------
run_ds dns --json --server 127.0.0.1:$port_ok --server "[::1]:$port_ok" \
	--timeout 3s www.example.test
check "healthy: exit 0" 0 "$rc"
check "healthy: no finding, twelve checks each, all answered" \
	"0 24 24" \
	"$(json_get 'len(j["findings"]), sum(len(s["checks"]) for s in j["servers"]), sum(c["status"] == "ok" for s in j["servers"] for c in s["checks"])' | tr -d '(),')"
check "healthy: the answers and TTLs" "198.51.100.2 40 2001:db8::2 30" \
	"$(json_get '" ".join("%s %d" % (c["answers"][0]["address"], c["answers"][0]["ttl"]) for c in j["servers"][0]["checks"][:2])')"
check "healthy: the EDNS0 sizes asked" "0 512 1232 4096" \
	"$(json_get '" ".join(str(c["edns"]) for c in j["servers"][0]["checks"] if c["check"] in ("udp-a", "edns-512", "edns-1232", "edns-4096"))')"

# --- faults ---------------------------------------------------------------
run_ds dns --server 127.0.0.1:$port_noaaaa --timeout 500ms www.example.test
check "AAAA dropped: exit 1" 1 "$rc"
check "AAAA dropped: the summary first" \
	"AAAA queries to 127.0.0.1:$port_noaaaa get no answer" \
	"$(printf '%s\n' "$out" | head -1 | sed 's/ (A answers.*//')"
case $out in
*"error dns.type-lost: "*"  cause: "*"  fix: "*) ok "AAAA dropped: finding, cause, fix" ;;
*) not_ok "AAAA dropped: finding, cause, fix" "$out" ;;
esac
run_ds dns --json --server 127.0.0.1:$closed --timeout 500ms x.test
check "nothing listens: dns.silent, ECONNREFUSED, exit 1" \
	"1 dns.silent ECONNREFUSED" \
	"$rc $(json_get 'j["findings"][0]["code"], j["findings"][0]["evidence"]["errno"]' | tr -d "(),'")"
done_testing
