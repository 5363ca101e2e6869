#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An agent of many addresses against a reach checker, for the abuse
scenarios (tests/net/reach-abuse.sh) and bench/reach-flood.sh.

  reach-flood.py CHECKER PORT --sources FILE --line 'CHECK {src} 7003 1'
      From each source address in FILE (one a line), in turn: connect to
      the checker, read the greeting, send the line ({src} is the source
      address), read the first answer, close. Prints one JSON object: the
      answers counted by their first word ("OK", "PROVE", "ERR rate",
      "ERR target", ...), the number of connections, the seconds taken.
      With --duration S, go round the sources again until S seconds
      have passed (at most --max connections).

  reach-flood.py CHECKER PORT --source ADDR --line LINE --wait
      One connection; print every line the checker sends until it
      closes (or --timeout).

  reach-flood.py CHECKER PORT --source ADDR --hold N
      Open N control connections from ADDR and keep them; print a JSON
      object with how many were greeted and how many refused, then sleep
      until killed (SIGTERM).

Bounded: at most --max connections (default 10000), each with a timeout.
"""
import argparse
import json
import signal
import socket
import sys
import time


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


# Linux's IP_BIND_ADDRESS_NO_PORT (include/uapi/linux/in.h): bind the
# source address now, the port at connect(), unique per 4-tuple. Without
# it every bind(addr, 0) takes a port for good, and thousands of sockets
# in TIME_WAIT (this tool closes first) run out of them: EADDRNOTAVAIL.
IP_BIND_ADDRESS_NO_PORT = 24


def connect(checker, port, source, timeout):
    s = socket.socket(family_of(checker), socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
    s.bind((source, 0))
    s.connect((checker, port))
    return s


def read_line(s, buf):
    while b"\n" not in buf[0]:
        data = s.recv(4096)
        if not data:
            return None
        buf[0] += data
    line, rest = buf[0].split(b"\n", 1)
    buf[0] = rest
    return line.decode("ascii", "replace")


def kind(line):
    if line is None:
        return "closed"
    words = line.split(" ")
    if words[0] == "ERR" and len(words) > 1:
        return "ERR " + words[1]
    return words[0]


def flood(a):
    with open(a.sources) as f:
        sources = [l.strip() for l in f if l.strip()][: a.max]
    if a.duration:
        end = time.monotonic() + a.duration
        todo = (sources[i % len(sources)] for i in range(a.max)
                if time.monotonic() < end)
    else:
        todo = iter(sources)
    counts = {}
    made = 0
    t0 = time.monotonic()
    for src in todo:
        made += 1
        try:
            s = connect(a.checker, a.port, src, a.timeout)
            buf = [b""]
            hello = read_line(s, buf)
            if hello is None or not hello.startswith("DSREACH "):
                k = "greeting:" + kind(hello)
            else:
                s.sendall((a.line.replace("{src}", src) + "\n").encode())
                k = kind(read_line(s, buf))
            s.close()
        except OSError as e:
            k = "error:" + (e.strerror or str(e))
        counts[k] = counts.get(k, 0) + 1
    print(json.dumps({"connections": made, "answers": counts,
                      "seconds": round(time.monotonic() - t0, 3)}))


def wait(a):
    s = connect(a.checker, a.port, a.source, a.timeout)
    buf = [b""]
    print(read_line(s, buf))
    s.sendall((a.line + "\n").encode())
    while True:
        try:
            line = read_line(s, buf)
        except OSError:
            break
        if line is None:
            break
        print(line)
    s.close()


def hold(a):
    held, greeted, refused = [], 0, 0
    for _ in range(min(a.hold, a.max)):
        try:
            s = connect(a.checker, a.port, a.source, a.timeout)
            line = read_line(s, [b""])
        except OSError:
            refused += 1
            continue
        if line and line.startswith("DSREACH "):
            greeted += 1
            held.append(s)
        else:
            refused += 1
            s.close()
    print(json.dumps({"greeted": greeted, "refused": refused}), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Keep the connections; say nothing, so the checker's idle timer is
    # what would free them, and reconnect as it does.
    end = time.monotonic() + a.timeout * 60
    while time.monotonic() < end:
        time.sleep(0.2)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("checker")
    p.add_argument("port", type=int)
    p.add_argument("--sources")
    p.add_argument("--source")
    p.add_argument("--line", default="")
    p.add_argument("--wait", action="store_true")
    p.add_argument("--hold", type=int, default=0)
    p.add_argument("--timeout", type=float, default=5.0)
    p.add_argument("--max", type=int, default=10000)
    p.add_argument("--duration", type=float, default=0)
    a = p.parse_args()
    if a.hold:
        hold(a)
    elif a.wait:
        wait(a)
    else:
        flood(a)


if __name__ == "__main__":
    main()
