#!/usr/bin/env bash
# dualstack connect on loopback, no root needed: option checks, --probe,
# the relay (1 MiB byte-exact both ways, half-close, the peer closing
# first), refused ports, --json, --tuple, -v and the history file.
#
# Peers are small Python servers started in the background; each writes
# its port to a file once it listens. Every wait is bounded and every
# process started here is killed on exit.
. "$(dirname "$0")/lib.sh"

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$_tmp"
}
trap cleanup EXIT

# Every run gets its own history directory unless a test says otherwise.
export XDG_CACHE_HOME=$_tmp/xdg

cat >"$_tmp/peer.py" <<'EOF'
import hashlib, socket, sys, threading
# peer.py MODE ADDR PORTFILE
#   echo      send back what comes, close at EOF
#   banner    send a line, close
#   eofreply  read to EOF, then send "got N SHA256", close
mode, addr, portfile = sys.argv[1:4]
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, 0))
s.listen(16)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
import os
os.rename(portfile + ".tmp", portfile)

def serve(c):
    c.settimeout(20)
    try:
        if mode == "echo":
            while True:
                b = c.recv(65536)
                if not b:
                    break
                c.sendall(b)
        elif mode == "banner":
            c.sendall(b"hello from the peer\n")
        elif mode == "eofreply":
            h, n = hashlib.sha256(), 0
            while True:
                b = c.recv(65536)
                if not b:
                    break
                h.update(b)
                n += len(b)
            c.sendall(b"got %d %s\n" % (n, h.hexdigest().encode()))
    except OSError:
        pass
    c.close()

while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF

# peer NAME MODE ADDR: start a peer; sets $port (empty if it failed).
peer() {
	local f=$_tmp/$1.port
	"$PY" "$_tmp/peer.py" "$2" "$3" "$f" 2>"$_tmp/$1.err" &
	pids+=($!)
	# No "Killed" notice from the shell when cleanup ends it.
	disown $!
	port=
	for _ in $(seq 100); do
		[ -s "$f" ] && { port=$(cat "$f"); return 0; }
		sleep 0.05
	done
	echo "# peer $1 did not start:" >&2
	sed 's/^/#   /' "$_tmp/$1.err" >&2
	return 1
}

# A port nothing listens on: bound, then closed.
free_port() {
	"$PY" -c 'import socket,sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"
}

have_v6=false
if "$PY" -c 'import socket; socket.create_server(("::1", 0), family=socket.AF_INET6)' 2>/dev/null; then
	have_v6=true
fi

# --- usage ---------------------------------------------------------------------
run_ds connect --help
check "connect --help exits 0" "0" "$rc"
case "$out" in "usage: dualstack connect"*"--delay"*"--cache-file"*) ok "connect --help" ;;
*) not_ok "connect --help" "$out" ;; esac
run_ds connect
check "no arguments is a usage error" "2" "$rc"
run_ds connect 127.0.0.1
check "no port is a usage error" "2" "$rc"
run_ds connect 127.0.0.1 80 extra
check "a third argument is a usage error" "2" "$rc"
run_ds connect --delay 5 127.0.0.1 80
check "--delay 5 is refused" "2" "$rc"
case "$err" in *"RFC 8305"*"10-2000 ms"*) ok "--delay 5: the message names RFC 8305's bounds" ;;
*) not_ok "--delay 5: the message names RFC 8305's bounds" "$err" ;; esac
run_ds connect --delay 3000 127.0.0.1 80
check "--delay 3000 is refused" "2" "$rc"
run_ds connect --delay 1e2 127.0.0.1 80
check "--delay takes plain milliseconds" "2" "$rc"
run_ds connect --resolution-delay 2001 127.0.0.1 80
check "--resolution-delay 2001 is refused" "2" "$rc"
run_ds connect --first-family-count 0 127.0.0.1 80
check "--first-family-count 0 is refused" "2" "$rc"
run_ds connect --timeout -1 127.0.0.1 80
check "a negative --timeout is refused" "2" "$rc"
run_ds connect -4 -6 127.0.0.1 80
check "-4 with -6 is refused" "2" "$rc"
run_ds connect --json 127.0.0.1 80
check "--json without --probe is refused" "2" "$rc"
run_ds connect --no-cache --cache-file "$_tmp/c" 127.0.0.1 80
check "--no-cache with --cache-file is refused" "2" "$rc"
run_ds connect 127.0.0.1 0
check "port 0 is refused" "2" "$rc"
run_ds connect 127.0.0.1 65536
check "port 65536 is refused" "2" "$rc"
run_ds connect 127.0.0.1 no-such-service-here
check "an unknown service name is refused" "2" "$rc"
run_ds connect '[192.0.2.1]' 80
check "IPv4 in brackets is refused" "2" "$rc"
run_ds connect 'fe80::1%nosuchif0' 80
check "a zone naming no interface is refused" "2" "$rc"
case "$err" in *"no interface 'nosuchif0'"*) ok "the missing interface is named" ;;
*) not_ok "the missing interface is named" "$err" ;; esac
run_ds connect --server 192.0.2.300 127.0.0.1 80
check "a bad --server is refused" "2" "$rc"
case "$err" in *"--server"*"column"*) ok "a bad --server names the column" ;;
*) not_ok "a bad --server names the column" "$err" ;; esac
run_ds connect --bind nonsense 127.0.0.1 80
check "a bad --bind is refused" "2" "$rc"

# --- probe ---------------------------------------------------------------------
peer echo4 echo 127.0.0.1 || exit 1
p4=$port
run_ds connect --no-cache --probe 127.0.0.1 "$p4"
check "probe 127.0.0.1: exit 0" "0" "$rc"
if [[ $out =~ ^connected\ to\ 127\.0\.0\.1:$p4\ from\ 127\.0\.0\.1:[0-9]+\ in\ [0-9.]+(us|ms|s)\ \(attempt\ 1\ of\ 1\)$ ]]; then
	ok "probe 127.0.0.1: the winner, the source, the time, the attempt"
else
	not_ok "probe 127.0.0.1: the winner, the source, the time, the attempt" "$out"
fi
run_ds connect --no-cache --probe --delay 50 127.0.0.1 "$p4"
check "--delay 50 connects" "0" "$rc"
case "$err" in *"warning"*"RFC 8305"*"at least 100 ms"*) ok "--delay 50 warns: RFC 8305 recommends 100 ms" ;;
*) not_ok "--delay 50 warns: RFC 8305 recommends 100 ms" "$err" ;; esac
# Durations with units: the same delay in seconds, a timeout in minutes.
run_ds connect --no-cache --probe --delay 0.05s --timeout 1m 127.0.0.1 "$p4"
check "--delay 0.05s --timeout 1m connects" "0" "$rc"
case "$err" in *"warning: --delay 50 ms"*) ok "--delay 0.05s is 50 ms" ;;
*) not_ok "--delay 0.05s is 50 ms" "$err" ;; esac
run_ds connect --delay 9999us 127.0.0.1 80
check "--delay 9999us (under 10 ms) is refused" "2" "$rc"
run_ds connect --delay 250xs 127.0.0.1 80
check "--delay 250xs: an unknown unit is refused" "2" "$rc"
run_ds connect --resolution-delay 2.5s 127.0.0.1 80
check "--resolution-delay 2.5s is refused" "2" "$rc"
run_ds connect --no-cache --probe --tuple 127.0.0.1 "$p4"
check "--probe --tuple: exit 0" "0" "$rc"
if [[ $(sed -n 2p "$_tmp/out") =~ ^tcp\ 127\.0\.0\.1:[0-9]+\ -\>\ 127\.0\.0\.1:$p4$ ]]; then
	ok "--probe --tuple: 'tcp LOCAL:PORT -> REMOTE:PORT' on stdout"
else
	not_ok "--probe --tuple: 'tcp LOCAL:PORT -> REMOTE:PORT' on stdout" "$out"
fi
run_ds connect --no-cache --probe 127.0.0.1 "$p4" -v
check "-v: exit 0" "0" "$rc"
case "$err" in *"attempt 1 127.0.0.1:$p4 started"*"connected"*) ok "-v: the attempt and its outcome on stderr" ;;
*) not_ok "-v: the attempt and its outcome on stderr" "$err" ;; esac

if $have_v6; then
	peer echo6 echo ::1 || exit 1
	p6=$port
	run_ds connect --no-cache --probe ::1 "$p6"
	check "probe ::1: exit 0" "0" "$rc"
	case "$out" in "connected to [::1]:$p6 from [::1]:"*"(attempt 1 of 1)") ok "probe ::1: the winner" ;;
	*) not_ok "probe ::1: the winner" "$out" ;; esac
	run_ds connect --no-cache --probe '[::1]' "$p6"
	check "probe [::1] (brackets): exit 0" "0" "$rc"
	# An address of the other family is an input error, as in load:
	# nothing was tried.
	run_ds connect --no-cache --probe -4 ::1 "$p6"
	check "-4 with an IPv6 literal is an input error" "2" "$rc"
else
	for _ in 1 2 3 4; do ok "# SKIP no IPv6 loopback"; done
fi

# --- failure -------------------------------------------------------------------
dead=$(free_port 127.0.0.1)
run_ds connect --no-cache 127.0.0.1 "$dead" </dev/null
check "a refused port exits 1" "1" "$rc"
case "$err" in *"cannot connect to 127.0.0.1 port $dead: Connection refused"*) ok "the refusal names host, port and error" ;;
*) not_ok "the refusal names host, port and error" "$err" ;; esac
run_ds connect --no-cache --probe --json 127.0.0.1 "$dead"
check "--json, refused: exit 1" "1" "$rc"
check "--json, refused: connected false, the error, the failed attempt" \
	"False Connection refused None ECONNREFUSED" \
	"$(json_get '(j["connected"], j["error"], j["remote"], [e for e in j["trace"] if e["event"] == "failed"][0]["errno"])' | tr -d "(),'")"
run_ds connect --no-cache --probe does-not-exist.invalid 80
check "a name that does not resolve exits 1" "1" "$rc"

# --- JSON ------------------------------------------------------------------------
run_ds connect --no-cache --probe --json 127.0.0.1 "$p4"
check "--json: exit 0" "0" "$rc"
check "--json: the fields" "ok" "$(json_get '"ok" if all(k in j for k in ("host","port","connected","error","remote","local","tuple","attempt","attempts","elapsed_ms","connect_ms","resolution","trace")) else sorted(j)')"
check "--json: host, port, winner" "127.0.0.1 $p4 True 127.0.0.1 $p4 ipv4 1 1" \
	"$(json_get '" ".join(map(str, (j["host"], j["port"], j["connected"], j["remote"]["address"], j["remote"]["port"], j["remote"]["family"], j["attempt"], j["attempts"])))')"
check "--json: the trace of a numeric host" "attempt connected" \
	"$(json_get '" ".join(e["event"] for e in j["trace"])')"
check "--json: every event has t_ms, attempts their address and port" "ok" \
	"$(json_get '"ok" if all(isinstance(e["t_ms"], float) and (e["event"] not in ("attempt","connected") or (e["address"] == "127.0.0.1" and e["port"] == j["port"] and e["attempt"] == 1)) for e in j["trace"]) else j["trace"]')"
check "--json: numeric host, no resolution" "[]" "$(json_get 'j["resolution"]')"

# --- relay -----------------------------------------------------------------------
head -c 1048576 /dev/urandom >"$_tmp/rand"
want=$(sha256sum <"$_tmp/rand" | cut -d' ' -f1)
got=$(timeout 20 "$DUALSTACK" connect --no-cache 127.0.0.1 "$p4" <"$_tmp/rand" | sha256sum | cut -d' ' -f1)
check "relay: 1 MiB from a file through an echo peer, byte-exact" "$want" "$got"
# shellcheck disable=SC2002 # a pipe, not a file, is the point
got=$(cat "$_tmp/rand" | timeout 20 "$DUALSTACK" connect --no-cache 127.0.0.1 "$p4" | sha256sum | cut -d' ' -f1)
check "relay: 1 MiB through pipes, byte-exact" "$want" "$got"
timeout 20 "$DUALSTACK" connect --no-cache 127.0.0.1 "$p4" <"$_tmp/rand" >"$_tmp/back"
check "relay: into a file, exit 0" "0" "$?"
check "relay: into a file, byte-exact" "$want" "$(sha256sum <"$_tmp/back" | cut -d' ' -f1)"
if $have_v6; then
	# shellcheck disable=SC2002
	got=$(cat "$_tmp/rand" | timeout 20 "$DUALSTACK" connect --no-cache ::1 "$p6" | sha256sum | cut -d' ' -f1)
	check "relay over IPv6: 1 MiB, byte-exact" "$want" "$got"
else
	ok "# SKIP no IPv6 loopback"
fi

# Half-close: the peer answers only after our end of input.
peer eof eofreply 127.0.0.1 || exit 1
got=$(timeout 20 "$DUALSTACK" connect --no-cache 127.0.0.1 "$port" <"$_tmp/rand")
check "half-close: the reply after end of input" "got 1048576 $want" "$got"
got=$(printf 'hello' | timeout 20 "$DUALSTACK" connect --no-cache 127.0.0.1 "$port")
check "half-close: a short message" "got 5 $(printf hello | sha256sum | cut -d' ' -f1)" "$got"
got=$(timeout 20 "$DUALSTACK" connect --no-cache 127.0.0.1 "$port" </dev/null)
check "half-close: empty input from /dev/null" "got 0 $(sha256sum </dev/null | cut -d' ' -f1)" "$got"

# The peer closes first: the run ends, though input stays open.
peer banner banner 127.0.0.1 || exit 1
start=$(date +%s%N)
got=$(timeout 20 "$DUALSTACK" connect --no-cache 127.0.0.1 "$port" < <(sleep 10))
rc=$?
t=$((($(date +%s%N) - start) / 1000000))
check "the peer closes first: exit 0" "0" "$rc"
check "the peer closes first: its data" "hello from the peer" "$got"
if [ "$t" -lt 5000 ]; then ok "the peer closes first: the run ends at once ($t ms)"; else
	not_ok "the peer closes first: the run ends at once" "took $t ms"; fi

# The reader of our output goes away: no error.
head -c 8388608 /dev/zero | timeout 20 "$DUALSTACK" connect --no-cache 127.0.0.1 "$p4" 2>"$_tmp/err" | head -c 10 >/dev/null
check "stdout closed early (head): exit 0" "0" "${PIPESTATUS[1]}"

run_ds connect --no-cache --tuple 127.0.0.1 "$p4" </dev/null
check "--tuple with the relay: exit 0" "0" "$rc"
if [[ $err =~ ^tcp\ 127\.0\.0\.1:[0-9]+\ -\>\ 127\.0\.0\.1:$p4$ ]]; then
	ok "--tuple with the relay: on stderr"
else
	not_ok "--tuple with the relay: on stderr" "$err"
fi

# --- history ---------------------------------------------------------------------
hist=$XDG_CACHE_HOME/dualstack/happy-eyeballs
rm -rf "$XDG_CACHE_HOME"
run_ds connect --no-cache --probe 127.0.0.1 "$p4"
if [ ! -e "$XDG_CACHE_HOME" ]; then ok "--no-cache: no file, no directory"; else
	not_ok "--no-cache: no file, no directory" "$(find "$XDG_CACHE_HOME")"; fi

# localhost with the peer on 127.0.0.1 only: ::1 is refused the first
# time; the second time the history puts 127.0.0.1 first.
run_ds connect --probe --json localhost "$p4"
check "history: first run connects" "0" "$rc"
check "history: the directory is created, mode 700" "700" "$(stat -c %a "$XDG_CACHE_HOME/dualstack" 2>&1)"
if [ -s "$hist" ]; then ok "history: the file is written"; else
	not_ok "history: the file is written" "$(ls -la "$XDG_CACHE_HOME/dualstack" 2>&1)"; fi
first=$(json_get '" ".join(e["address"] for e in j["trace"] if e["event"] == "attempt")')
if [ "$first" = "::1 127.0.0.1" ]; then
	run_ds connect --probe --json localhost "$p4"
	check "history: second run connects" "0" "$rc"
	check "history: a cache event naming the last winner" "127.0.0.1" \
		"$(json_get '" ".join(e["address"] for e in j["trace"] if e["event"] == "cache")')"
	check "history: attempt 1 to the last winner, which wins again" \
		"127.0.0.1 127.0.0.1 1" \
		"$(json_get '" ".join(str(x) for x in ([e["address"] for e in j["trace"] if e["event"] == "attempt"][:1] + [j["remote"]["address"], j["attempts"]]))')"
else
	for _ in 1 2 3; do
		ok "# SKIP localhost did not give ::1 then 127.0.0.1 ($first)"
	done
fi

run_ds connect --probe --cache-file "$_tmp/explicit" 127.0.0.1 "$p4"
check "--cache-file: exit 0" "0" "$rc"
if [ -s "$_tmp/explicit" ]; then ok "--cache-file: written there"; else
	not_ok "--cache-file: written there" "$(ls -la "$_tmp" 2>&1)"; fi

# A history that cannot be kept is a warning, not a failure.
: >"$_tmp/notadir"
XDG_CACHE_HOME=$_tmp/notadir run_ds connect --probe 127.0.0.1 "$p4"
check "unusable cache directory: still exit 0" "0" "$rc"
case "$err" in *"warning"*) ok "unusable cache directory: a warning" ;;
*) not_ok "unusable cache directory: a warning" "$err" ;; esac
run_ds connect --probe --cache-file "$_tmp/nodir/x" 127.0.0.1 "$p4"
check "--cache-file in a missing directory: still exit 0" "0" "$rc"
case "$err" in *"warning"*) ok "--cache-file in a missing directory: a warning" ;;
*) not_ok "--cache-file in a missing directory: a warning" "$err" ;; esac

# --- a history that is not safe to use -------------------------------------------
# Whatever sits where the history goes, the connect goes on without it:
# one warning naming the path and the reason, exit 0, and the thing left
# as it was (neither read nor replaced).
hdir=$XDG_CACHE_HOME/dualstack
fresh_hdir() {
	rm -rf "$XDG_CACHE_HOME"
	mkdir -p "$hdir"
	chmod 700 "$XDG_CACHE_HOME" "$hdir"
}
header='dualstack-he-cache 1'

# A FIFO: opening it for reading would wait for a writer for ever.
fresh_hdir
mkfifo "$hist"
timeout 10 "$DUALSTACK" connect --probe 127.0.0.1 "$p4" >"$_tmp/out" 2>"$_tmp/err"
check "a FIFO as the history: connects, not stuck on it" "0" "$?"
check "a FIFO as the history: the warning" \
	"dualstack connect: warning: cache $hist: not a regular file (a FIFO); not used" \
	"$(cat "$_tmp/err")"
case "$(cat "$_tmp/out")" in "connected to 127.0.0.1:$p4 "*) ok "a FIFO as the history: the outcome as usual" ;;
*) not_ok "a FIFO as the history: the outcome as usual" "$(cat "$_tmp/out")" ;; esac
check "a FIFO as the history: still the FIFO" "fifo" "$(stat -c %F "$hist" 2>&1)"

# A symbolic link, even to a good history of ours: not followed, and not
# replaced by the save either.
fresh_hdir
printf '%s\n' "$header" >"$_tmp/linked"
ln -s "$_tmp/linked" "$hist"
run_ds connect --probe 127.0.0.1 "$p4"
check "a symlinked history: exit 0" "0" "$rc"
check "a symlinked history: the warning" \
	"dualstack connect: warning: cache $hist: a symbolic link, which is not followed; not used" \
	"$err"
check "a symlinked history: the link and its target untouched" "link $header" \
	"$([ -L "$hist" ] && echo link) $(cat "$_tmp/linked")"
fresh_hdir
ln -s "$_tmp/nowhere" "$hist"
run_ds connect --probe 127.0.0.1 "$p4"
check "a dangling symlink as the history: refused, nothing created through it" \
	"0 link no" "$rc $([ -L "$hist" ] && echo link) $([ -e "$_tmp/nowhere" ] && echo yes || echo no)"

# A file the group may write: someone else could have written it.
fresh_hdir
printf '%s\n' "$header" >"$hist"
chmod 664 "$hist"
run_ds connect --probe 127.0.0.1 "$p4"
check "a group-writable history: exit 0" "0" "$rc"
check "a group-writable history: the warning" \
	"dualstack connect: warning: cache $hist: writable by group or others; not used" \
	"$err"
check "a group-writable history: not rewritten" "664 $header" \
	"$(stat -c %a "$hist") $(cat "$hist")"
chmod 646 "$hist"
run_ds connect --probe 127.0.0.1 "$p4"
case "$err" in *"cache $hist: writable by group or others; not used") ok "a world-writable history: the warning" ;;
*) not_ok "a world-writable history: the warning" "$err" ;; esac

# A file of another user (root can make one).
if [ "$(id -u)" = 0 ]; then
	chmod 600 "$hist"
	chown 65534 "$hist"
	run_ds connect --probe 127.0.0.1 "$p4"
	check "another user's history: exit 0 and the warning" \
		"0 dualstack connect: warning: cache $hist: owned by another user; not used" "$rc $err"
	check "another user's history: not rewritten" "65534 $header" \
		"$(stat -c %u "$hist") $(cat "$hist")"
else
	for _ in 1 2; do ok "# SKIP chown needs root"; done
fi

# The directory: one others can write to (sticky or not) or a symbolic
# link is neither read from nor written to.
for mode in 777 1777 770 702; do
	fresh_hdir
	chmod "$mode" "$hdir"
	run_ds connect --probe 127.0.0.1 "$p4"
	check "cache directory mode $mode: exit 0 and the warning" \
		"0 dualstack connect: warning: cache directory $hdir: writable by group or others; history neither read nor written" \
		"$rc $err"
	check "cache directory mode $mode: nothing written there" "" "$(ls -A "$hdir")"
done
# What such a directory holds is not read either: a file that does not
# parse would give its own warning.
fresh_hdir
printf 'not a history\n' >"$hist"
chmod 777 "$hdir"
run_ds connect --probe 127.0.0.1 "$p4"
check "cache directory mode 777: its file neither read nor rewritten" \
	"dualstack connect: warning: cache directory $hdir: writable by group or others; history neither read nor written|not a history" \
	"$err|$(cat "$hist")"
rm -rf "$XDG_CACHE_HOME"
mkdir -p "$XDG_CACHE_HOME" "$_tmp/real"
chmod 700 "$XDG_CACHE_HOME" "$_tmp/real"
ln -s "$_tmp/real" "$hdir"
run_ds connect --probe 127.0.0.1 "$p4"
check "a symlinked cache directory: exit 0 and the warning" \
	"0 dualstack connect: warning: cache directory $hdir: a symbolic link, which is not followed; history neither read nor written" \
	"$rc $err"
check "a symlinked cache directory: nothing written through it" "" "$(ls -A "$_tmp/real")"
if [ "$(id -u)" = 0 ]; then
	fresh_hdir
	chown 65534 "$hdir"
	run_ds connect --probe 127.0.0.1 "$p4"
	check "another user's cache directory: exit 0 and the warning" \
		"0 dualstack connect: warning: cache directory $hdir: owned by another user; history neither read nor written" \
		"$rc $err"
else
	ok "# SKIP chown needs root"
fi
# --cache-file: the same rules for the directory it names.
mkdir -p "$_tmp/shared"
chmod 1777 "$_tmp/shared"
run_ds connect --probe --cache-file "$_tmp/shared/he" 127.0.0.1 "$p4"
check "--cache-file in a world-writable directory: exit 0 and the warning" \
	"0 dualstack connect: warning: cache directory $_tmp/shared: writable by group or others; history neither read nor written" \
	"$rc $err"
check "--cache-file in a world-writable directory: nothing written" "" "$(ls -A "$_tmp/shared")"
# And a history kept safely still works after all this.
fresh_hdir
run_ds connect --probe 127.0.0.1 "$p4"
check "a private directory: no warning, the history written, mode 600" \
	"0  600" "$rc $err $(stat -c %a "$hist" 2>&1)"

done_testing
