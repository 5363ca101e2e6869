#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the tunnel captures tests/cli/dissect-tunnel.sh reads.

    /usr/bin/python3 tests/pcap/tunnel.py DIR
    /usr/bin/python3 tests/pcap/tunnel.py compare LAST FIRST NDJSON [--break]

Scapy builds every packet, offline: this kernel has no sit, ip6tnl, gre,
ip6gre or ipip devices to make real ones (the test says which are
missing), and Teredo needs a server and a NAT anyway.

  tun-ok.pcap       one packet per kind of tunnel, well formed: 6in4, 6to4
                    (matching and spoofed), ISATAP, GRE with key, sequence
                    and checksum carrying IPv4, IPv6 and Ethernet, GRE in
                    IPv6, 4in6 / DS-Lite with a Tunnel Encapsulation
                    Limit, IPv6 in IPv6, IPv4 in IPv4, Teredo (origin
                    indication, authentication, bubbles, a NAT mapping
                    that differs), and plain IPv4 / IPv6 packets.
  tun-deep.pcap     20 IPv6-in-IPv6 encapsulations around a TCP SYN.
  tun-mixed.pcapng  two interfaces with different link types (Ethernet and
                    raw IP), one packet on each.

Prints one line per file written.

compare: dualstack dissect --json (NDJSON) against tshark -T fields with
the columns of TSHARK_FIELDS, the last occurrence of each field (LAST:
the innermost packet) and the first (FIRST: the outermost), '|'-separated.
Prints one TAP-ish line per packet and field class: "ok<TAB>what" or
"not ok<TAB>what<TAB>detail". --break changes one value on dualstack's
side first, so that the comparison shows it can fail.
"""

import json
import os
import socket
import struct
import sys

import logging

logging.getLogger("scapy").setLevel(logging.ERROR)

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402  (the file writers)

from scapy.layers.inet import IP, TCP, UDP  # noqa: E402
from scapy.layers.inet6 import (  # noqa: E402
    IPv6, IPv6ExtHdrDestOpt, HBHOptUnknown, PadN, ICMPv6EchoRequest,
    ICMPv6ND_NS, ICMPv6ND_RS, ICMPv6ND_RA)
from scapy.layers.l2 import Ether, GRE  # noqa: E402
from scapy.packet import Raw  # noqa: E402

E = Ether(src="02:00:5e:00:53:01", dst="02:00:5e:00:53:02")

# A Teredo client (RFC 4380 section 4): server 192.0.2.45, cone flag, mapped
# to 203.0.113.5 port 40000 (both obfuscated in the address).
TEREDO = "2001:0:c000:22d:8000:63bf:34ff:8efa"


def teredo_origin(addr, port):
    """The origin indication: zero indicator, port and address inverted."""
    a = bytes(b ^ 0xFF for b in socket.inet_aton(addr))
    return b"\x00\x00" + struct.pack("!H", port ^ 0xFFFF) + a


def teredo_auth(client_id=b"ab", auth=b"xyz", nonce=b"12345678"):
    return (b"\x00\x01" + bytes([len(client_id), len(auth)]) + client_id +
            auth + nonce + b"\x00")


def syn(src="2001:db8::1", dst="2001:db8::2", sport=40000, dport=80):
    return IPv6(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags="S")


def tun_ok():
    v4 = IP(src="198.51.100.1", dst="198.51.100.2")
    return [
        # 1 6in4
        E / v4 / syn(),
        # 2 6to4 from the host whose IPv4 address the prefix embeds
        E / IP(src="198.51.100.1", dst="192.0.2.9") /
        IPv6(src="2002:c633:6401::1", dst="2002:c000:209::1") /
        ICMPv6EchoRequest(id=7, seq=1),
        # 3 6to4 with a source prefix of another IPv4 address
        E / IP(src="198.51.100.1", dst="192.0.2.9") /
        IPv6(src="2002:cb00:7101::1", dst="2002:c000:209::1") /
        ICMPv6EchoRequest(id=7, seq=2),
        # 4 ISATAP Neighbor Solicitation, hop limit 255 through a tunnel
        E / IP(src="198.51.100.1", dst="198.51.100.2") /
        IPv6(src="fe80::5efe:c633:6401", dst="fe80::5efe:c633:6402",
             hlim=255) / ICMPv6ND_NS(tgt="fe80::5efe:c633:6402"),
        # 5 GRE with key and sequence, IPv6 inside
        E / v4 / GRE(key_present=1, key=42, seqnum_present=1,
                     seqence_number=7) /
        IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=5353,
                                                         dport=53),
        # 6 GRE with a checksum, IPv4 inside
        E / v4 / GRE(chksum_present=1) /
        IP(src="192.0.2.1", dst="192.0.2.2") / TCP(sport=1234, dport=443,
                                                   flags="S"),
        # 7 GRE carrying Ethernet (0x6558), IPv6 inside
        E / v4 / GRE(proto=0x6558) /
        Ether(src="02:00:5e:00:53:11", dst="02:00:5e:00:53:12") /
        IPv6(src="2001:db8::11", dst="2001:db8::12") /
        ICMPv6EchoRequest(id=9, seq=3),
        # 8 GRE in IPv6 (ip6gre), IPv4 inside
        E / IPv6(src="2001:db8:1::1", dst="2001:db8:2::1") / GRE() /
        IP(src="192.0.2.7", dst="192.0.2.8") / UDP(sport=4000, dport=53),
        # 9 DS-Lite: IPv4 in IPv6 with a Tunnel Encapsulation Limit of 4
        E / IPv6(src="2001:db8:1::1", dst="2001:db8:2::1") /
        IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=4, optdata=b"\x04"),
                                   PadN(optdata=b"")]) /
        IP(src="192.0.2.1", dst="198.51.100.7") / UDP(sport=1234, dport=53),
        # 10 IPv6 in IPv6
        E / IPv6(src="2001:db8:1::1", dst="2001:db8:2::1") /
        syn("2001:db8::5", "2001:db8::6", 40001, 443),
        # 11 IPv4 in IPv4
        E / v4 / IP(src="192.0.2.1", dst="192.0.2.2") /
        UDP(sport=1000, dport=2000),
        # 12 Teredo bubble from the server with an origin indication, to
        # the client at its NAT mapping
        E / IP(src="192.0.2.45", dst="203.0.113.5") /
        UDP(sport=3544, dport=40000) /
        Raw(teredo_origin("192.0.2.99", 12345)) /
        IPv6(src="fe80::8000:ffff:ffff:fffe", dst=TEREDO, nh=59, hlim=255),
        # 13 Teredo qualification: Router Solicitation with authentication
        E / IP(src="203.0.113.5", dst="192.0.2.45") /
        UDP(sport=40000, dport=3544) / Raw(teredo_auth()) /
        IPv6(src="fe80::ffff:ffff:fffe", dst="ff02::2", hlim=255) /
        ICMPv6ND_RS(),
        # 14 Teredo data from the client, through a NAT that now maps it
        # to another port than its address says
        E / IP(src="203.0.113.5", dst="192.0.2.200") /
        UDP(sport=40123, dport=3544) /
        syn(TEREDO, "2001:db8::80", 50000, 80),
        # 15, 16 not tunnelled
        E / syn("2001:db8::1", "2001:db8::2", 40000, 80),
        E / IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=1000,
                                                       dport=2000),
    ]


def tun_deep(depth=20):
    p = syn()
    for i in range(depth):
        p = IPv6(src="2001:db8:1::%x" % (i + 1),
                 dst="2001:db8:2::%x" % (i + 1)) / p
    return [E / p]


# The tshark columns, in order (tests/cli/dissect-tunnel.sh passes them).
TSHARK_FIELDS = ["frame.number", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
                 "ipv6.nxt", "ip.proto", "tcp.srcport", "tcp.dstport",
                 "udp.srcport", "udp.dstport", "icmpv6.type", "gre.key",
                 "gre.sequence_number", "teredo.orig.addr",
                 "teredo.orig.port", "teredo.auth.idlen"]


def read_fields(path):
    rows = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            v = line.rstrip("\n").split("|")
            if len(v) == len(TSHARK_FIELDS):
                rows[int(v[0])] = dict(zip(TSHARK_FIELDS, v))
    return rows


def num(v):
    return int(v, 16) if v.startswith("0x") else int(v)


def inner_view(obj):
    """What dualstack says of the packet: the inner tuple, the innermost
    IP header, its upper layer, the tunnels, the outer tuple."""
    chain = obj.get("chain") or []
    tuns = [x for x in chain if x.get("header") in
            ("ipip", "6in4", "6to4", "isatap", "4in6", "6in6", "gre",
             "teredo")]
    last = max((i for i, x in enumerate(chain) if x in tuns), default=-1)
    inner = chain[last + 1:]
    v = {"tuple": obj.get("tuple"), "outer": obj.get("outer_tuple"),
         "tunnels": tuns}
    for x in inner:
        if x.get("header") in ("ipv6", "ipv4"):
            v["ip"] = x
        elif x.get("header") == "icmp6":
            v["icmp6"] = x["type"]
        elif x.get("header") in ("tcp", "udp"):
            v["l4"] = x["header"]
    return v


def compare(last_path, first_path, ndjson, brk):
    last, first = read_fields(last_path), read_fields(first_path)
    out = []
    with open(ndjson, encoding="utf-8") as f:
        objs = [json.loads(line) for line in f if line.strip()]
    if brk and objs:
        objs[0]["tuple"]["sport"] += 1
    for o in objs:
        n = o["frame"]
        t, fo = last.get(n), first.get(n)
        if t is None or fo is None:
            out.append(("not ok", "frame %d" % n, "tshark has no row"))
            continue
        v = inner_view(o)
        tu, ip = v["tuple"], v.get("ip", {})
        six = ip.get("version") == 6
        got, want = {}, {}
        # The inner packet: addresses, protocol, ports, ICMPv6 type.
        got["src"], got["dst"] = tu["src"], tu["dst"]
        want["src"] = t["ipv6.src" if six else "ip.src"]
        want["dst"] = t["ipv6.dst" if six else "ip.dst"]
        got["nh"] = ip.get("next_header" if six else "protocol")
        want["nh"] = num(t["ipv6.nxt" if six else "ip.proto"])
        if v.get("l4"):
            got["ports"] = (tu["sport"], tu["dport"])
            want["ports"] = (num(t[v["l4"] + ".srcport"]),
                             num(t[v["l4"] + ".dstport"]))
        if "icmp6" in v:
            got["icmp6"], want["icmp6"] = v["icmp6"], num(t["icmpv6.type"])
        # The tunnel's own fields.
        for x in v["tunnels"]:
            if "key" in x:
                got["gre.key"], want["gre.key"] = x["key"], num(t["gre.key"])
            if "sequence" in x:
                got["gre.seq"] = x["sequence"]
                want["gre.seq"] = num(t["gre.sequence_number"])
            if "origin" in x:
                got["origin"] = (x["origin"], x["origin_port"])
                want["origin"] = (t["teredo.orig.addr"],
                                  num(t["teredo.orig.port"]))
            if "auth_id_len" in x:
                got["auth"] = x["auth_id_len"]
                want["auth"] = num(t["teredo.auth.idlen"])
        # The outer packet: the tunnel's endpoints.
        if v["outer"]:
            ou = v["outer"]
            o6 = ":" in ou["src"]
            got["outer"] = (ou["src"], ou["dst"])
            want["outer"] = (fo["ipv6.src" if o6 else "ip.src"],
                             fo["ipv6.dst" if o6 else "ip.dst"])
            if ou["proto"] == 17:
                got["outer.sport"] = ou["sport"]
                want["outer.sport"] = num(fo["udp.srcport"])
        what = "frame %d (%s)" % (n, o.get("signature"))
        if got == want:
            out.append(("ok", what, ", ".join(sorted(got))))
        else:
            diff = ["%s: dualstack %r, tshark %r" % (k, got.get(k),
                                                     want.get(k))
                    for k in sorted(set(got) | set(want))
                    if got.get(k) != want.get(k)]
            out.append(("not ok", what, "; ".join(diff)))
    for st, what, detail in out:
        print("%s\t%s\t%s" % (st, what, detail))


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3], sys.argv[4],
                "--break" in sys.argv[5:])
        return
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    files = {
        "tun-ok.pcap": gen.pcap_bytes(gen.LINKTYPE_ETHERNET,
                                      [bytes(p) for p in tun_ok()]),
        "tun-deep.pcap": gen.pcap_bytes(gen.LINKTYPE_ETHERNET,
                                        [bytes(p) for p in tun_deep()]),
        "tun-mixed.pcapng": gen.pcapng_bytes(
            [gen.LINKTYPE_ETHERNET, gen.LINKTYPE_RAW],
            [(0, bytes(E / syn())), (1, bytes(syn()))]),
    }
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print(name)


if __name__ == "__main__":
    main()
