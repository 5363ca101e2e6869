#!/usr/bin/python3
# Write the captures tests/cli/ra.sh reads: Router Advertisements of every
# kind the watcher grades, built with scapy. Usage: ra-gen.py DIR
import sys

from scapy.all import (Ether, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, ICMPv6ND_RA, ICMPv6NDOptMTU,
                       ICMPv6NDOptPrefixInfo, ICMPv6NDOptRDNSS,
                       ICMPv6NDOptSrcLLAddr, PadN, Raw, fragment6, wrpcap)

LEGIT_MAC, ROGUE_MAC = "02:00:00:00:00:01", "02:00:00:00:00:bb"
LEGIT, ROGUE = "fe80::1", "fe80::bad"
ALL = "33:33:00:00:00:01"
T0 = 1765000000.0


def ra(src=LEGIT, mac=LEGIT_MAC, prefixes=("2001:db8:1::",), lifetime=1800,
       hlim=255, ext=None, dns="2001:db8::53", chksum=None, tail=b""):
    icmp = ICMPv6ND_RA(routerlifetime=lifetime, M=0, O=1)
    if chksum is not None:
        icmp.cksum = chksum
    body = icmp / ICMPv6NDOptSrcLLAddr(lladdr=mac) / ICMPv6NDOptMTU(mtu=1500)
    for p in prefixes:
        body = body / ICMPv6NDOptPrefixInfo(prefix=p, prefixlen=64,
                                            validlifetime=86400,
                                            preferredlifetime=14400)
    body = body / ICMPv6NDOptRDNSS(dns=[dns], lifetime=600)
    if tail:
        body = body / Raw(tail)
    ip = IPv6(src=src, dst="ff02::1", hlim=hlim)
    if ext is not None:
        ip = ip / ext
    return Ether(src=mac, dst=ALL) / ip / body


def stamp(pkts, start=T0, step=1.0):
    for i, p in enumerate(pkts):
        p.time = start + i * step
    return pkts


def main(d):
    legit = [ra() for _ in range(3)]
    wrpcap(d + "/legit.pcap", stamp(legit, step=10))

    changed = [ra(prefixes=("2001:db8:1::", "2001:db8:2::"), lifetime=600)]
    wrpcap(d + "/changed.pcap", stamp(changed))

    frag = fragment6(ra(ext=IPv6ExtHdrFragment(id=7))[IPv6], 80)
    zero = ra(src="fe80::20", tail=bytes([1, 0, 0, 0, 0, 0, 0, 0]))
    kinds = [
        ("legit", ra()),
        ("rogue", ra(src=ROGUE, mac=ROGUE_MAC, prefixes=("2001:db8:bad::",))),
        ("dst-opts", ra(src="fe80::d0", ext=IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 4)]))),
        ("hop-by-hop", ra(src="fe80::b0", ext=IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0" * 4)]))),
        ("atomic", ra(src="fe80::a0", ext=IPv6ExtHdrFragment(id=9, offset=0, m=0))),
        ("hop-limit-64", ra(src="fe80::64", hlim=64)),
        ("global-source", ra(src="2001:db8::66")),
        ("bad-checksum", ra(src="fe80::cc", chksum=0x1234)),
        ("zero-option", zero),
        ("spoofed-leaving", ra(mac=ROGUE_MAC, lifetime=0)),
        ("6to4", ra(src="fe80::6", prefixes=("2002:c000:204::",))),
    ]
    pkts = [k[1] for k in kinds]
    for f in frag:
        pkts.append(Ether(src=LEGIT_MAC, dst=ALL) / f)
    wrpcap(d + "/mixed.pcap", stamp(pkts, step=2))

    flood = [ra(src="fe80::%x" % (0x100 + i), mac="02:00:00:00:01:%02x" % i,
                prefixes=("2001:db8:%x::" % (0x100 + i),)) for i in range(40)]
    wrpcap(d + "/flood.pcap", stamp(flood, step=0.02))


main(sys.argv[1])
