#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the bench/ra.sh capture: COUNT Ethernet frames, 1 % of them Router
Advertisements, the rest ordinary traffic.

    /usr/bin/python3 bench/ra-gen.py [--count N] FILE

Scapy builds only the templates; the file is written with struct. Of the
RAs, 80 % are plain, 8 % behind Destination Options, 8 % behind Hop-by-Hop
and 4 % fragmented (two frames each). Prints on stdout the number of RAs
written and how many of them a plain "icmp6 and ip6[40] == 134" filter
can see: "ras=N plain=M".
"""

import argparse
import struct

from scapy.all import (DNS, DNSQR, IP, TCP, UDP, Ether, ICMPv6EchoRequest,
                       ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6NDOptMTU,
                       ICMPv6NDOptPrefixInfo, ICMPv6NDOptRDNSS,
                       ICMPv6NDOptSrcLLAddr, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, PadN, Raw,
                       fragment6)

MAC_R, MAC_H = "02:00:00:00:00:01", "02:00:00:00:00:02"


def ra(ext=None):
    body = (ICMPv6ND_RA(routerlifetime=1800) /
            ICMPv6NDOptSrcLLAddr(lladdr=MAC_R) / ICMPv6NDOptMTU(mtu=1500) /
            ICMPv6NDOptPrefixInfo(prefix="2001:db8:1::", prefixlen=64) /
            ICMPv6NDOptRDNSS(dns=["2001:db8::53"]))
    ip = IPv6(src="fe80::1", dst="ff02::1", hlim=255)
    if ext is not None:
        ip = ip / ext
    return Ether(src=MAC_R, dst="33:33:00:00:00:01") / ip / body


def templates():
    eth6 = Ether(src=MAC_H, dst=MAC_R)
    eth4 = Ether(src=MAC_H, dst=MAC_R)
    other = [
        eth6 / IPv6(src="2001:db8::2", dst="2001:db8::80") /
        TCP(sport=40000, dport=443, flags="A") / Raw(b"x" * 200),
        eth6 / IPv6(src="2001:db8::80", dst="2001:db8::2") /
        TCP(sport=443, dport=40000, flags="PA") / Raw(b"y" * 1200),
        eth6 / IPv6(src="2001:db8::2", dst="2001:db8::53") /
        UDP(sport=5353, dport=53) / DNS(qd=DNSQR(qname="example.com")),
        eth4 / IP(src="192.0.2.2", dst="198.51.100.80") /
        TCP(sport=40001, dport=80, flags="A") / Raw(b"z" * 600),
        eth4 / IP(src="192.0.2.2", dst="198.51.100.53") /
        UDP(sport=5354, dport=53) / DNS(qd=DNSQR(qname="example.org")),
        eth6 / IPv6(src="2001:db8::2", dst="2001:db8::80") /
        ICMPv6EchoRequest(),
        eth6 / IPv6(src="fe80::2", dst="ff02::1:ff00:1", hlim=255) /
        ICMPv6ND_NS(tgt="fe80::1"),
    ]
    pad = PadN(optdata=b"\0" * 4)
    frag = [Ether(src=MAC_R, dst="33:33:00:00:00:01") / f for f in
            fragment6(IPv6(src="fe80::1", dst="ff02::1", hlim=255) /
                      IPv6ExtHdrFragment(id=7) / ra()[IPv6].payload, 80)]
    ras = [(80, [ra()], True),
           (8, [ra(IPv6ExtHdrDestOpt(options=[pad]))], False),
           (8, [ra(IPv6ExtHdrHopByHop(options=[pad]))], False),
           (4, frag, False)]
    return [bytes(p) for p in other], [(w, [bytes(p) for p in ps], plain)
                                        for w, ps, plain in ras]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=1000000)
    ap.add_argument("file")
    a = ap.parse_args()
    other, ras = templates()
    # One RA every 100 frames; which kind by a fixed cycle of 100.
    kinds = [k for k, (w, _, _) in enumerate(ras) for _ in range(w)]
    n = n_ra = n_plain = 0
    t = 1765000000 * 1000000
    with open(a.file, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))

        def put(b):
            nonlocal n, t
            t += 50
            f.write(struct.pack("<IIII", t // 1000000, t % 1000000,
                                len(b), len(b)))
            f.write(b)
            n += 1

        while n < a.count:
            if n % 100 == 99:
                w, frames, plain = ras[kinds[n_ra % len(kinds)]]
                if n + len(frames) > a.count:
                    put(other[n % len(other)])
                    continue
                for b in frames:
                    put(b)
                n_ra += 1
                n_plain += plain
            else:
                put(other[n % len(other)])
    print("ras=%d plain=%d" % (n_ra, n_plain))


main()
