#!/usr/bin/python3
# SPDX-License-Identifier: MIT
#
# Send the crafted Router Advertisements of tests/net/ra.sh on an interface,
# one per case, each from its own link-local address with its own prefix
# (2001:db8:N::/64) so that what a host did with each can be told apart.
# Usage: ra-craft.py IFACE CASE... (CASE as in CASES below, or "rogue"
# for a plain RA from fe80::bad2 with prefix 2001:db8:bad2::/64).
# Prints "CASE SOURCE PREFIX" for each RA sent.
import sys
import time

from scapy.all import (Ether, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, ICMPv6ND_RA, ICMPv6NDOptMTU,
                       ICMPv6NDOptPrefixInfo, ICMPv6NDOptSrcLLAddr, PadN,
                       Raw, get_if_hwaddr, sendp)

ALL = "33:33:00:00:00:01"
CASES = {
    # name: (low bits of the source and prefix, how)
    "plain": (0x11, "plain"),
    "dst-opts": (0x12, "dst"),
    "hop-by-hop": (0x13, "hbh"),
    "fragmented": (0x14, "frag"),
    "atomic-fragment": (0x15, "atomic"),
    "rfc7112-split": (0x16, "split"),
    "hop-limit-64": (0x17, "hlim"),
    "global-source": (0x18, "global"),
    "bad-checksum": (0x19, "cksum"),
    "zero-length-option": (0x1a, "zero"),
    "rogue": (0xbad2, "plain"),
}


def ra_body(mac, prefix, zero=False, cksum=None):
    icmp = ICMPv6ND_RA(routerlifetime=1800, prf=0)
    if cksum is not None:
        icmp.cksum = cksum
    body = (icmp / ICMPv6NDOptSrcLLAddr(lladdr=mac) / ICMPv6NDOptMTU(mtu=1500) /
            ICMPv6NDOptPrefixInfo(prefix=prefix, prefixlen=64,
                                  validlifetime=86400, preferredlifetime=14400))
    if zero:
        body = body / Raw(bytes([1, 0, 0, 0, 0, 0, 0, 0]))
    return body


def fragments(mac, src, ext, body, cut, ident):
    """The packet IPv6/Fragment/ext/body split at 'cut' octets after the
    Fragment header, built whole first so that scapy sets the checksum."""
    inner = ext / body if ext is not None else body
    whole = bytes(IPv6(src=src, dst="ff02::1", hlim=255) /
                  IPv6ExtHdrFragment(id=ident, m=0, offset=0) / inner)
    hdr, fh, pay = bytearray(whole[:40]), bytearray(whole[40:48]), whole[48:]
    out = []
    for off, part, more in ((0, pay[:cut], 1), (cut, pay[cut:], 0)):
        h = bytearray(hdr)
        n = 8 + len(part)
        h[4], h[5] = n >> 8, n & 0xff
        f = bytearray(fh)
        v = off | more
        f[2], f[3] = v >> 8, v & 0xff
        out.append(Ether(src=mac, dst=ALL, type=0x86dd) /
                   Raw(bytes(h) + bytes(f) + part))
    return out


def build(name, mac):
    n, how = CASES[name]
    src = "fe80::%x" % n if how != "global" else "2001:db8::%x" % n
    prefix = "2001:db8:%x::" % n
    pad = PadN(optdata=b"\0" * 4)
    ip = IPv6(src=src, dst="ff02::1", hlim=64 if how == "hlim" else 255)
    eth = Ether(src=mac, dst=ALL)
    if how == "frag":
        pkts = fragments(mac, src, None, ra_body(mac, prefix), 48, n)
    elif how == "split":
        # 32 octets of Destination Options; the first fragment ends after
        # 16 of them (RFC 7112: the chain is not whole in it).
        big = IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 28)])
        pkts = fragments(mac, src, big, ra_body(mac, prefix), 16, n)
    elif how == "dst":
        pkts = [eth / ip / IPv6ExtHdrDestOpt(options=[pad]) / ra_body(mac, prefix)]
    elif how == "hbh":
        pkts = [eth / ip / IPv6ExtHdrHopByHop(options=[pad]) / ra_body(mac, prefix)]
    elif how == "atomic":
        pkts = [eth / ip / IPv6ExtHdrFragment(id=n, m=0, offset=0) /
                ra_body(mac, prefix)]
    elif how == "cksum":
        pkts = [eth / ip / ra_body(mac, prefix, cksum=0x1234)]
    elif how == "zero":
        pkts = [eth / ip / ra_body(mac, prefix, zero=True)]
    else:
        pkts = [eth / ip / ra_body(mac, prefix)]
    return src, prefix, pkts


def main():
    iface = sys.argv[1]
    mac = get_if_hwaddr(iface)
    for name in sys.argv[2:]:
        src, prefix, pkts = build(name, mac)
        sendp(pkts, iface=iface, verbose=False)
        print(name, src, prefix, flush=True)
        time.sleep(0.3)


main()
