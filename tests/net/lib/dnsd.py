#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A small authoritative DNS responder for the scenario tests.

Answers A and AAAA queries from a table, over UDP and TCP, with a
configurable delay per query type; standard library only.

  dnsd.py [--listen ADDR]... [--port N] [--zone FILE] [--record REC]...
          [--ttl SEC] [--delay TYPE=MS]... [--drop TYPE[=N]]...
          [--drop-second MS] [--large N] [--edns-formerr]
          [--dns64 PREFIX] [--rcode RCODE] [--log FILE] [--pidfile FILE]
          [--no-tcp]

A record (in a zone file, one a line, '#' starts a comment, or given with
--record) is "NAME TYPE VALUE [TTL]" with TYPE A or AAAA, e.g.
  www.example.test A 198.51.100.2
  www.example.test AAAA 2001:db8::2 30
  ipv4only.arpa AAAA 64:ff9b::c000:aa
A name may have any number of records.

Answers: NOERROR with the records for a known name and type; NOERROR with
no answer (NODATA) for a known name without that type; NXDOMAIN for an
unknown name; REFUSED for a class other than IN; NOTIMP for an opcode
other than QUERY. Header: QR and AA set, RD copied, RA clear. The question
is echoed and each answer's owner name is a compression pointer to it.
Anything that does not parse as a one-question query is ignored.

--delay TYPE=MS holds back the answer to every query of that type (A,
AAAA, or any type name or number) by MS milliseconds; held-back answers
do not delay other queries (a timer thread sends them).

Faults, over UDP (TCP queries are always answered):

--drop TYPE[=N] drops the first N queries of that type from each source
address and port (every one without =N), as a filter that drops AAAA
queries does; with N, the client's retry from the same socket gets
through.

--drop-second MS drops a query that arrives from the same source address
and port as the one before it, less than MS milliseconds after it: the
stateful firewall or NAT that keeps one entry per UDP "session" and loses
the second of two queries sent back to back from one socket (glibc's A and
AAAA; what "options single-request-reopen" works around). The first query
from a port, and any after a pause of MS, are answered. Arrival is the
kernel's receive time (SO_TIMESTAMPNS), so a busy host that reads the
queries late does not stretch the window.

Answers made wrong on purpose (over UDP and TCP alike):

--large N adds N more A records (203.0.113.0 onwards, N <= 256) to every
A answer with at least one, so that it no longer fits in 512 octets: over
UDP without EDNS0 the answer is cut and TC set (RFC 1035 section 4.2.1),
as it is beyond the buffer a query offers with EDNS0.

--edns-formerr answers every query that carries an OPT record with
FORMERR and no OPT, as a server that does not know EDNS0 does (RFC 6891
section 7).

--dns64 PREFIX synthesises the AAAA records of ipv4only.arpa from its A
records, 192.0.0.170 and 192.0.0.171 (RFC 7050 section 2.2), under
PREFIX, a /96 (RFC 6052 section 2.2): what a DNS64 server answers.

--rcode RCODE answers every query with that response code (SERVFAIL,
REFUSED, or a number) and no records: a server whose upstream fails, or
that will not recurse for this client.

--log FILE appends one line per event, flushed at once:
  EPOCH recv PROTO TYPE NAME delay=MS from=ADDR port=PORT
  EPOCH send PROTO TYPE NAME rcode=RCODE answers=N
  EPOCH drop PROTO TYPE NAME reason=REASON from=ADDR port=PORT
where EPOCH is seconds since the epoch with microseconds, NAME is the
queried name as sent (lower-cased, with a trailing dot), REASON "type"
(--drop) or "second" (--drop-second).

--pidfile FILE is written once every socket is bound (so it doubles as a
readiness signal) and removed on exit. SIGTERM and SIGINT end it cleanly
with status 0.
"""

import argparse
import heapq
import ipaddress
import os
import selectors
import signal
import socket
import struct
import sys
import threading
import time

# <asm-generic/socket.h>; Python's socket module does not name it.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15,
         "TXT": 16, "AAAA": 28, "SRV": 33, "OPT": 41, "HTTPS": 65,
         "ANY": 255}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN",
          4: "NOTIMP", 5: "REFUSED"}
CLASS_IN = 1


def type_name(t):
    return TYPE_NAMES.get(t, "TYPE%d" % t)


def parse_type(s):
    s = s.upper()
    if s in TYPES:
        return TYPES[s]
    if s.startswith("TYPE") and s[4:].isdigit():
        return int(s[4:])
    if s.isdigit():
        return int(s)
    raise ValueError("unknown type %r" % s)


def parse_rcode(s):
    names = {v: k for k, v in RCODES.items()}
    if s.upper() in names:
        return names[s.upper()]
    if s.isdigit() and int(s) < 16:
        return int(s)
    raise ValueError("unknown rcode %r" % s)


def norm_name(name):
    name = name.strip().lower()
    return name if name.endswith(".") else name + "."


class Zone:
    """name (lower case, trailing dot) -> list of (type, ttl, rdata)."""

    def __init__(self, default_ttl):
        self.default_ttl = default_ttl
        self.records = {}

    def add(self, line, where):
        f = line.split()
        if len(f) not in (3, 4):
            raise ValueError("%s: want 'NAME TYPE VALUE [TTL]': %r"
                             % (where, line))
        name, rtype, value = norm_name(f[0]), f[1].upper(), f[2]
        ttl = int(f[3]) if len(f) == 4 else self.default_ttl
        if not 0 <= ttl < 2**31:
            raise ValueError("%s: bad TTL %r" % (where, f[3]))
        if rtype == "A":
            rdata = ipaddress.IPv4Address(value).packed
        elif rtype == "AAAA":
            rdata = ipaddress.IPv6Address(value).packed
        else:
            raise ValueError("%s: only A and AAAA are served: %r"
                             % (where, line))
        self.records.setdefault(name, []).append((TYPES[rtype], ttl, rdata))

    def load(self, path):
        with open(path) as f:
            for i, line in enumerate(f, 1):
                line = line.split("#", 1)[0].strip()
                if line:
                    self.add(line, "%s:%d" % (path, i))


def parse_query(msg):
    """Return (id, flags, qname_labels, qtype, qclass, question_end,
    edns_size) or None when msg is not a query this server handles."""
    if len(msg) < 12:
        return None
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", msg[:12])
    if flags & 0x8000 or qd != 1 or an != 0:
        return None
    labels, pos, total = [], 12, 1
    while True:
        if pos >= len(msg):
            return None
        n = msg[pos]
        pos += 1
        if n == 0:
            break
        if n & 0xC0:  # no compression (or extended labels) in a question
            return None
        if pos + n > len(msg):
            return None
        total += n + 1
        if total > 255:
            return None
        labels.append(msg[pos:pos + n])
        pos += n
    if pos + 4 > len(msg):
        return None
    qtype, qclass = struct.unpack("!HH", msg[pos:pos + 4])
    qend = pos + 4
    # An OPT record in the additional section raises the UDP limit.
    edns = None
    if ar == 1 and ns == 0 and qend + 11 <= len(msg) and msg[qend] == 0:
        rtype, size = struct.unpack("!HH", msg[qend + 1:qend + 5])
        if rtype == TYPES["OPT"]:
            edns = max(512, size)
    return qid, flags, labels, qtype, qclass, qend, edns


def build_answer(msg, q, zone, udp, faults=None):
    """The response to the parsed query q: (bytes, rcode, n_answers).
    faults: the Server's wrong answers (large, edns_formerr, dns64,
    rcode), or None."""
    qid, flags, labels, qtype, qclass, qend, edns = q
    opcode = (flags >> 11) & 0xF
    rd = flags & 0x0100
    rcode, answers = 0, []
    name = norm_name(".".join(l.decode("latin-1") for l in labels))
    f = faults or {}
    if opcode != 0:
        rcode = 4
    elif f.get("edns_formerr") and edns is not None:
        rcode, edns = 1, None
    elif f.get("rcode") is not None:
        rcode = f["rcode"]
    elif qclass != CLASS_IN:
        rcode = 5
    elif (f.get("dns64") is not None and name == "ipv4only.arpa."
          and qtype == TYPES["AAAA"]):
        pfx = f["dns64"].network_address.packed[:12]
        answers = [(TYPES["AAAA"], zone.default_ttl, pfx + bytes(v4))
                   for v4 in ((192, 0, 0, 170), (192, 0, 0, 171))]
    elif name not in zone.records:
        rcode = 3
    else:
        answers = [r for r in zone.records[name]
                   if r[0] == qtype or qtype == TYPES["ANY"]]
        if f.get("large") and qtype == TYPES["A"] and answers:
            answers = answers + [
                (TYPES["A"], answers[0][1], bytes((203, 0, 113, i)))
                for i in range(f["large"])]
    # QR, the opcode copied, AA, RD copied; RA, Z, AD, CD clear.
    rflags = 0x8000 | (opcode << 11) | 0x0400 | rd | rcode
    question = msg[12:qend]
    body = b""
    count = 0
    limit = (edns or 512) if udp else 65535
    for rtype, ttl, rdata in answers:
        rr = struct.pack("!HHHIH", 0xC00C, rtype, CLASS_IN, ttl,
                         len(rdata)) + rdata
        if 12 + len(question) + len(body) + len(rr) > limit:
            rflags |= 0x0200  # TC: the client retries over TCP
            break
        body += rr
        count += 1
    header = struct.pack("!HHHHHH", qid, rflags, 1, count, 0, 0)
    return header + question + body, rcode, count


class Server:
    def __init__(self, args, zone):
        self.zone = zone
        self.delays = {}
        for d in args.delay:
            t, _, ms = d.partition("=")
            self.delays[parse_type(t)] = float(ms) / 1000.0
        # --drop: type -> how many to drop per source (None: every one).
        self.drops = {}
        for d in args.drop:
            t, eq, n = d.partition("=")
            self.drops[parse_type(t)] = int(n) if eq else None
        self.drop_second = args.drop_second / 1000.0
        self.faults = {
            "large": args.large,
            "edns_formerr": args.edns_formerr,
            "dns64": (ipaddress.IPv6Network(args.dns64)
                      if args.dns64 else None),
            "rcode": parse_rcode(args.rcode) if args.rcode else None,
        }
        # (address, port) -> [when its last query arrived (the kernel's
        # receive time, CLOCK_REALTIME),
        # {type: queries of that type dropped}].
        self.last_seen = {}
        self.log_file = open(args.log, "a") if args.log else None
        self.log_lock = threading.Lock()
        self.stop = threading.Event()
        self.sel = selectors.DefaultSelector()
        self.udp = []
        # The timer queue: (due, seq, callable); one thread runs them.
        self.timers = []
        self.timer_seq = 0
        self.timer_cv = threading.Condition()
        for addr in args.listen:
            fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
            s = socket.socket(fam, socket.SOCK_DGRAM)
            if fam == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((addr, args.port))
            s.setblocking(False)
            # The kernel's receive time of each datagram, so that
            # --drop-second measures when queries arrived, not when this
            # process got round to them on a busy host.
            s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            self.sel.register(s, selectors.EVENT_READ, ("udp", s))
            if not args.no_tcp:
                t = socket.socket(fam, socket.SOCK_STREAM)
                if fam == socket.AF_INET6:
                    t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                t.bind((addr, args.port))
                t.listen(16)
                t.setblocking(False)
                self.sel.register(t, selectors.EVENT_READ, ("tcp", t))

    def log(self, fmt, *a):
        if not self.log_file:
            return
        with self.log_lock:
            self.log_file.write("%.6f %s\n" % (time.time(), fmt % a))
            self.log_file.flush()

    def delay_for(self, qtype):
        return self.delays.get(qtype, 0.0)

    def schedule(self, delay, fn):
        with self.timer_cv:
            self.timer_seq += 1
            heapq.heappush(self.timers,
                           (time.monotonic() + delay, self.timer_seq, fn))
            self.timer_cv.notify()

    def timer_thread(self):
        while True:
            with self.timer_cv:
                while not self.stop.is_set():
                    now = time.monotonic()
                    if self.timers and self.timers[0][0] <= now:
                        break
                    wait = self.timers[0][0] - now if self.timers else None
                    self.timer_cv.wait(wait)
                if self.stop.is_set():
                    return
                _, _, fn = heapq.heappop(self.timers)
            try:
                fn()
            except OSError:
                pass

    def dropped(self, qtype, peer, now):
        """Whether --drop or --drop-second drops this UDP query: the
        reason, or None."""
        seen = self.last_seen.pop(peer, None)
        last = seen[0] if seen else None
        dropped = seen[1] if seen else {}
        self.last_seen[peer] = [now, dropped]
        if len(self.last_seen) > 4096:  # bounded, oldest first
            del self.last_seen[next(iter(self.last_seen))]
        if qtype in self.drops:
            limit = self.drops[qtype]
            if limit is None:
                return "type"
            if dropped.get(qtype, 0) < limit:
                dropped[qtype] = dropped.get(qtype, 0) + 1
                return "type"
        if (self.drop_second > 0 and last is not None
                and now - last < self.drop_second):
            return "second"
        return None

    def handle(self, msg, proto, peer, arrived=None):
        """Parse msg; return (delay, response, logline) or None."""
        q = parse_query(msg)
        if q is None:
            return None
        qtype = q[3]
        name = norm_name(".".join(l.decode("latin-1") for l in q[2]))
        if proto == "udp":
            why = self.dropped(qtype, peer,
                               arrived if arrived is not None
                               else time.time())
            if why:
                self.log("drop %s %s %s reason=%s from=%s port=%d", proto,
                         type_name(qtype), name, why, peer[0], peer[1])
                return None
        delay = self.delay_for(qtype)
        self.log("recv %s %s %s delay=%d from=%s port=%d", proto,
                 type_name(qtype), name, round(delay * 1000), peer[0],
                 peer[1])
        resp, rcode, n = build_answer(msg, q, self.zone, proto == "udp",
                                      self.faults)
        sent = "send %s %s %s rcode=%s answers=%d" % (
            proto, type_name(qtype), name, RCODES.get(rcode, rcode), n)
        return delay, resp, sent

    def on_udp(self, s):
        try:
            msg, anc, _, peer = s.recvmsg(65535, socket.CMSG_SPACE(16))
        except OSError:
            return
        arrived = None
        for level, kind, data in anc:
            if (level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS
                    and len(data) >= 16):
                sec, nsec = struct.unpack("=qq", data[:16])
                arrived = sec + nsec / 1e9
        r = self.handle(msg, "udp", peer[:2], arrived)
        if r is None:
            return
        delay, resp, sent = r

        def send():
            s.sendto(resp, peer)
            self.log("%s", sent)
        if delay > 0:
            self.schedule(delay, send)
        else:
            try:
                send()
            except OSError:
                pass

    def tcp_conn(self, c, peer):
        """One thread per connection: a delay holds back only it."""
        c.settimeout(10)
        try:
            while not self.stop.is_set():
                hdr = self.recv_exact(c, 2)
                if hdr is None:
                    return
                (n,) = struct.unpack("!H", hdr)
                msg = self.recv_exact(c, n)
                if msg is None:
                    return
                r = self.handle(msg, "tcp", peer[:2])
                if r is None:
                    return  # malformed: drop the connection
                delay, resp, sent = r
                if delay > 0 and self.stop.wait(delay):
                    return
                c.sendall(struct.pack("!H", len(resp)) + resp)
                self.log("%s", sent)
        except OSError:
            pass
        finally:
            c.close()

    @staticmethod
    def recv_exact(c, n):
        buf = b""
        while len(buf) < n:
            b = c.recv(n - len(buf))
            if not b:
                return None
            buf += b
        return buf

    def on_tcp(self, s):
        try:
            c, peer = s.accept()
        except OSError:
            return
        c.setblocking(True)
        threading.Thread(target=self.tcp_conn, args=(c, peer),
                         daemon=True).start()

    def run(self):
        tt = threading.Thread(target=self.timer_thread, daemon=True)
        tt.start()
        while not self.stop.is_set():
            for key, _ in self.sel.select(timeout=0.2):
                proto, s = key.data
                if proto == "udp":
                    self.on_udp(s)
                else:
                    self.on_tcp(s)
        with self.timer_cv:
            self.timer_cv.notify_all()
        tt.join(1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--listen", action="append", default=[],
                   help="address to serve on (repeatable; default 127.0.0.1)")
    p.add_argument("--port", type=int, default=53)
    p.add_argument("--zone", action="append", default=[],
                   help="file of 'NAME TYPE VALUE [TTL]' lines")
    p.add_argument("--record", action="append", default=[],
                   help="one 'NAME TYPE VALUE [TTL]' record (repeatable)")
    p.add_argument("--ttl", type=int, default=60,
                   help="TTL of records that give none")
    p.add_argument("--delay", action="append", default=[],
                   help="TYPE=MS: answer queries of TYPE after MS ms")
    p.add_argument("--drop", action="append", default=[],
                   help="TYPE[=N]: drop the first N UDP queries of TYPE "
                   "from each source address and port (all without =N)")
    p.add_argument("--drop-second", type=float, default=0, metavar="MS",
                   help="drop a UDP query from the same address and port "
                   "as the one before, within MS ms of it")
    p.add_argument("--large", type=int, default=0, metavar="N",
                   help="add N A records (203.0.113.x) to every A answer")
    p.add_argument("--edns-formerr", action="store_true",
                   help="answer queries with an OPT record FORMERR")
    p.add_argument("--dns64", metavar="PREFIX",
                   help="synthesise ipv4only.arpa AAAA under PREFIX (a /96)")
    p.add_argument("--rcode", metavar="RCODE",
                   help="answer every query with RCODE (SERVFAIL, ...)")
    p.add_argument("--log", help="append one line per query and answer")
    p.add_argument("--pidfile", help="written when ready, removed on exit")
    p.add_argument("--no-tcp", action="store_true", help="UDP only")
    args = p.parse_args()
    if not args.listen:
        args.listen = ["127.0.0.1"]

    zone = Zone(args.ttl)
    try:
        for path in args.zone:
            zone.load(path)
        for i, rec in enumerate(args.record, 1):
            zone.add(rec, "--record #%d" % i)
        for d in args.delay:
            t, eq, ms = d.partition("=")
            if not eq:
                raise ValueError("--delay wants TYPE=MS: %r" % d)
            parse_type(t)
            if float(ms) < 0:
                raise ValueError("--delay: negative delay %r" % d)
        for d in args.drop:
            t, eq, n = d.partition("=")
            parse_type(t)
            if eq and (not n.isdigit() or int(n) < 1):
                raise ValueError("--drop wants TYPE or TYPE=N, N >= 1: %r"
                                 % d)
        if args.drop_second < 0:
            raise ValueError("--drop-second: negative time")
        if not 0 <= args.large <= 256:
            raise ValueError("--large wants 0 to 256")
        if args.dns64:
            net = ipaddress.IPv6Network(args.dns64)
            if net.prefixlen != 96:
                raise ValueError("--dns64 wants a /96: %r" % args.dns64)
        if args.rcode:
            parse_rcode(args.rcode)
    except (OSError, ValueError) as e:
        print("dnsd: %s" % e, file=sys.stderr)
        return 2

    try:
        srv = Server(args, zone)
    except OSError as e:
        print("dnsd: %s" % e, file=sys.stderr)
        return 1

    def on_signal(signum, frame):
        srv.stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    if args.pidfile:
        tmp = args.pidfile + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(tmp, args.pidfile)  # appears complete or not at all
    try:
        srv.run()
    finally:
        if args.pidfile:
            try:
                os.unlink(args.pidfile)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
