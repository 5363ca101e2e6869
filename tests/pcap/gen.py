#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the captures the dissect tests read.

    /usr/bin/python3 tests/pcap/gen.py DIR

Everything is made here, offline, from a fixed seed: no traffic is sent and
the same files come out on every run. Scapy (Debian's python3-scapy; call
/usr/bin/python3, a pyenv python3 may not have it) builds the ordinary
packets; the headers scapy does not know, and everything malformed, are put
together byte by byte. The file writers are our own so that a record's
captured length, its original length and the file's framing can lie.

Files, by prefix (tests/pcap/README.md lists each one):
  ok-*     well-formed traffic; tests/cli/dissect-tshark.sh compares
           dualstack's fields with tshark's on every packet of these.
  anom-*   one protocol anomaly per file, packets otherwise well formed:
           dissect-hostile.sh asserts the anomaly, dissect-tshark.sh still
           compares addresses and chains.
  hostile-* and bad-*  truncated, random, cut or broken files: no crash,
           valid output, a clean error for a broken file.

Prints one line per file written: name, link type, packet count.
"""

import json
import os
import random
import struct
import sys

import logging

logging.getLogger("scapy").setLevel(logging.ERROR)

from scapy.layers.inet import IP, TCP, UDP, ICMP  # noqa: E402
from scapy.layers.inet6 import (  # noqa: E402
    IPv6, IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt, IPv6ExtHdrRouting,
    IPv6ExtHdrFragment, IPv6ExtHdrSegmentRouting, Pad1, PadN, RouterAlert,
    ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6DestUnreach,
    ICMPv6PacketTooBig, ICMPv6TimeExceeded, ICMPv6ParamProblem,
    ICMPv6ND_RS, ICMPv6ND_RA, ICMPv6ND_NS, ICMPv6ND_NA, ICMPv6ND_Redirect,
    ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr, ICMPv6NDOptPrefixInfo,
    ICMPv6NDOptMTU, ICMPv6NDOptRDNSS, ICMPv6NDOptDNSSL, ICMPv6NDOptRouteInfo,
    ICMPv6NDOptRedirectedHdr, ICMPv6MLQuery, ICMPv6MLReport, ICMPv6MLDone,
    ICMPv6MLQuery2, ICMPv6MLReport2, ICMPv6MLDMultAddrRec, MIP6MH_BRR)
from scapy.layers.l2 import Ether, Dot1Q  # noqa: E402
from scapy.layers.dns import DNS, DNSQR  # noqa: E402
from scapy.packet import Raw  # noqa: E402

# Link-layer header types, from https://www.tcpdump.org/linktypes.html.
LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276

# IP protocol numbers (IANA), the ones the chains below use.
HOPOPT, TCP_P, UDP_P, ROUTING, FRAGMENT = 0, 6, 17, 43, 44
ESP_P, AH_P, ICMPV6, NONXT, DSTOPTS = 50, 51, 58, 59, 60
MOBILITY, HIP_P, SHIM6_P = 135, 139, 140

MAC_R = "02:00:5e:00:53:01"  # the router; RFC 7042 documentation-ish
MAC_H = "02:00:5e:00:53:02"  # a host
A_R = "fe80::5eff:fe00:5301"
A_H = "fe80::5eff:fe00:5302"
G1 = "2001:db8::1"
G2 = "2001:db8:0:1::2"
G3 = "2001:db8:ffff::3"
V4A, V4B = "192.0.2.1", "198.51.100.2"

T0 = 1700000000  # capture timestamps start here, one millisecond apart


# --- file writers -----------------------------------------------------------

def rec(data, wirelen=None):
    """A record: bytes captured and the length the packet had on the wire."""
    data = bytes(data)
    return (data, len(data) if wirelen is None else wirelen)


def _recs(packets):
    return [p if isinstance(p, tuple) else rec(p) for p in packets]


def pcap_bytes(linktype, packets, snaplen=262144, nsec=False, big=False):
    """A classic libpcap file (micro- or nanosecond, either byte order)."""
    e = ">" if big else "<"
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    out = [struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)]
    for i, (data, wirelen) in enumerate(_recs(packets)):
        frac = i * (1000000 if nsec else 1000)
        out.append(struct.pack(e + "IIII", T0 + frac // (10**9 if nsec else
                                                          10**6),
                               frac % (10**9 if nsec else 10**6),
                               len(data), wirelen))
        out.append(data)
    return b"".join(out)


def _ng_block(btype, body, e="<"):
    body += b"\0" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack(e + "II", btype, n) + body + struct.pack(e + "I", n)


def _ng_opt(code, value, e="<"):
    return (struct.pack(e + "HH", code, len(value)) + value +
            b"\0" * (-len(value) % 4))


def pcapng_bytes(ifaces, packets, big=False):
    """A pcapng file: one section, IDBs for ifaces (linktype list), then
    one Enhanced Packet Block per (ifindex, rec) in packets. Options,
    a comment and a block type nobody knows are there on purpose: readers
    must skip what they do not understand (RFC draft-ietf-opsawg-pcapng
    section 3.1)."""
    e = ">" if big else "<"
    shb_opts = _ng_opt(4, b"dualstack tests/pcap/gen.py", e) + \
        struct.pack(e + "HH", 0, 0)
    out = [_ng_block(0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0,
                                             -1) + shb_opts, e)]
    for lt in ifaces:
        # if_tsresol = 6 (microseconds) spelled out, then opt_endofopt.
        opts = _ng_opt(9, b"\x06", e) + struct.pack(e + "HH", 0, 0)
        out.append(_ng_block(1, struct.pack(e + "HHI", lt, 0, 262144) +
                             opts, e))
    # A block of a type no reader knows (a local-use code); skip it.
    out.append(_ng_block(0x80000BAD, b"skip me, I am not a packet", e))
    for i, (ifidx, r) in enumerate(packets):
        data, wirelen = r if isinstance(r, tuple) else rec(r)
        ts = (T0 * 1000000) + i * 1000
        body = struct.pack(e + "IIIII", ifidx, ts >> 32, ts & 0xFFFFFFFF,
                           len(data), wirelen) + data
        body += b"\0" * (-len(data) % 4)
        body += _ng_opt(1, b"packet %d" % i, e) + struct.pack(e + "HH", 0, 0)
        out.append(_ng_block(6, body, e))
    return b"".join(out)


# --- raw building blocks ----------------------------------------------------

def ip6(nh, payload, src=G1, dst=G2, hlim=64, plen=None, tc=0, flow=0x12345):
    """A raw IPv6 header + payload (plen may lie)."""
    from socket import inet_pton, AF_INET6
    if plen is None:
        plen = len(payload)
    w = (6 << 28) | (tc << 20) | flow
    return struct.pack("!IHBB", w, plen, nh, hlim) + \
        inet_pton(AF_INET6, src) + inet_pton(AF_INET6, dst) + payload


def ext_opts(nh, options=b""):
    """A Hop-by-Hop or Destination Options header with options padded to a
    multiple of eight octets by PadN / Pad1 (RFC 8200 section 4.2)."""
    body = bytes([nh, 0]) + options
    pad = -len(body) % 8
    if pad == 1:
        body += b"\0"
    elif pad:
        body += bytes([1, pad - 2]) + b"\0" * (pad - 2)
    return bytes([nh, len(body) // 8 - 1]) + body[2:]


def ext_generic(nh, body6):
    """An extension header in the RFC 6564 uniform format."""
    body = bytes([nh, 0]) + body6
    body += b"\0" * (-len(body) % 8)
    return bytes([nh, len(body) // 8 - 1]) + body[2:]


def frag_hdr(nh, offset, more, ident):
    return struct.pack("!BBHI", nh, 0, (offset << 3) | (1 if more else 0),
                       ident)


def l4(p, src=G1, dst=G2):
    """The bytes of an upper-layer scapy packet with its checksum computed
    over the pseudo-header of src and dst (RFC 8200 section 8.1). The
    pseudo-header holds the final destination and the upper-layer protocol
    number, never the extension headers, so these bytes can go behind any
    chain."""
    return bytes(IPv6(src=src, dst=dst) / p)[40:]


def udp_raw(sport, dport, payload=b"", src=G1, dst=G2):
    return l4(UDP(sport=sport, dport=dport) / Raw(payload), src, dst)


def eth_raw(payload, etype=0x86DD, dst=MAC_H, src=MAC_R):
    def m(s):
        return bytes(int(x, 16) for x in s.split(":"))
    return m(dst) + m(src) + struct.pack("!H", etype) + payload


def E(p, dst=MAC_H, src=MAC_R):
    """Ethernet around a scapy packet."""
    return bytes(Ether(dst=dst, src=src) / p)


def nonce_opt(value):
    """ND Nonce option, type 14 (RFC 3971 section 5.3.2)."""
    return bytes([14, 1]) + value


# --- well-formed traffic ----------------------------------------------------

def ok_basic():
    """TCP, UDP, IPv4 and IPv6 on Ethernet."""
    syn_opts = [("MSS", 1440), ("SAckOK", b""), ("Timestamp", (1, 0)),
                ("NOP", None), ("WScale", 7)]
    return [
        E(IPv6(src=G1, dst=G2, fl=0xABCDE, tc=0xB8) /
          TCP(sport=40000, dport=443, flags="S", seq=1000, options=syn_opts)),
        E(IPv6(src=G2, dst=G1) /
          TCP(sport=443, dport=40000, flags="SA", seq=5000, ack=1001,
              options=syn_opts)),
        E(IPv6(src=G1, dst=G2) /
          TCP(sport=40000, dport=443, flags="PA", seq=1001, ack=5001) /
          Raw(b"GET / HTTP/1.1\r\n\r\n")),
        E(IPv6(src=G1, dst="2001:db8::53") /
          UDP(sport=53000, dport=53) / DNS(rd=1, qd=DNSQR(qname="example.com",
                                                          qtype="AAAA"))),
        E(IPv6(src="::ffff:192.0.2.1", dst="64:ff9b::c000:221") /
          UDP(sport=1, dport=2) / Raw(b"x")),
        E(IP(src=V4A, dst=V4B, ttl=63) / TCP(sport=1234, dport=80,
                                              flags="S")),
        E(IP(src=V4A, dst=V4B) / UDP(sport=5353, dport=5353) / Raw(b"mdns")),
        E(IP(src=V4A, dst=V4B) / ICMP(type=8, id=7, seq=1)),
        # A multicast destination and a zero-length payload.
        E(IPv6(src=A_H, dst="ff02::1", nh=NONXT), dst="33:33:00:00:00:01"),
    ]


def ok_ext():
    """The RFC 8200 chain, one kind of header after another."""
    P = []
    # HbH with Pad1, PadN and Router Alert, then UDP.
    P.append(E(IPv6(src=G1, dst=G2) /
               IPv6ExtHdrHopByHop(options=[Pad1(), PadN(optdata=b"\0\0"),
                                           RouterAlert(value=0)]) /
               UDP(sport=1000, dport=2000) / Raw(b"hbh")))
    # The recommended order (RFC 8200 section 4.1): HbH, DstOpts, Routing,
    # Fragment (atomic), DstOpts, TCP.
    P.append(E(IPv6(src=G1, dst=G3) /
               IPv6ExtHdrHopByHop() /
               IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 4)]) /
               IPv6ExtHdrRouting(type=0, segleft=1, addresses=[G2, G3]) /
               IPv6ExtHdrFragment(offset=0, m=0, id=0xDEADBEEF) /
               IPv6ExtHdrDestOpt() /
               TCP(sport=22, dport=50022, flags="A")))
    # Routing type 2 (RFC 6275 section 6.4) in front of an echo request.
    P.append(E(IPv6(src=G1, dst="2001:db8:c0a::1") /
               IPv6ExtHdrRouting(type=2, segleft=1,
                                 addresses=["2001:db8:a::100"]) /
               ICMPv6EchoRequest(id=0x1234, seq=1, data=b"home")))
    # Routing type 3, RPL (RFC 6554): CmprI = CmprE = 0, one full address.
    P.append(E(IPv6(src=G1, dst="2001:db8:1::10") /
               IPv6ExtHdrRouting(type=3, segleft=1,
                                 addresses=["2001:db8:1::20"]) /
               UDP(sport=5683, dport=5683)))
    # Routing type 4, a segment routing header (RFC 8754) with three SIDs.
    P.append(E(IPv6(src=G1, dst="2001:db8:5::1") /
               IPv6ExtHdrSegmentRouting(addresses=["2001:db8:5::3",
                                                   "2001:db8:5::2",
                                                   "2001:db8:5::1"],
                                        segleft=2, tag=0x42) /
               UDP(sport=4000, dport=4001) / Raw(b"srv6")))
    # AH (RFC 4302) with a 96-bit ICV, then TCP.
    tcp = l4(TCP(sport=179, dport=33000, flags="A"))
    ah = struct.pack("!BBHII", TCP_P, 4, 0, 0x1001, 7) + b"\xaa" * 12
    P.append(eth_raw(ip6(AH_P, ah + tcp)))
    # ESP (RFC 4303): the chain ends, the rest is ciphertext.
    P.append(eth_raw(ip6(ESP_P, struct.pack("!II", 0x2002, 9) +
                         bytes(range(48)))))
    # AH then ESP, a DstOpts in front of both.
    P.append(eth_raw(ip6(DSTOPTS, ext_opts(AH_P) + struct.pack(
        "!BBHII", ESP_P, 4, 0, 0x3003, 1) + b"\xbb" * 12 +
        struct.pack("!II", 0x3004, 1) + b"\xcc" * 32)))
    # Mobility header (RFC 6275 section 6.1), a Binding Refresh Request.
    P.append(E(IPv6(src=G1, dst=G2) / MIP6MH_BRR()))
    # HIP (RFC 7401 section 5.1): an I1 with no parameters.
    hit = bytes.fromhex("20010010" + "00" * 11 + "01")
    hip = struct.pack("!BBBBHH", NONXT, 4, 1, 0x21, 0, 0) + hit + \
        bytes.fromhex("20010010" + "00" * 11 + "02")
    P.append(eth_raw(ip6(HIP_P, hip)))
    # Shim6 (RFC 5533 section 5.2): payload extension header, then UDP.
    shim = struct.pack("!BB", UDP_P, 0) + bytes([0x80, 0, 0, 0, 0x12, 0x34])
    P.append(eth_raw(ip6(SHIM6_P, shim + udp_raw(7, 7, b"shim6"))))
    # No Next Header after a Destination Options header; RFC 8200 section
    # 4.7: the octets after it are ignored.
    P.append(eth_raw(ip6(DSTOPTS, ext_opts(NONXT) + b"ignored")))
    # A jumbogram (RFC 2675): payload length 0, Jumbo Payload option,
    # 70000 octets of UDP whose length field is 0.
    body = struct.pack("!HHHH", 9000, 9001, 0, 0) + b"J" * (70000 - 8 - 8)
    # Place the option at offset 2 mod 4 (RFC 2675 alignment 4n+2).
    hbh = bytes([UDP_P, 0, 0xC2, 4]) + struct.pack("!I", 70000)
    P.append(eth_raw(ip6(HOPOPT, hbh + body, plen=0)))
    return P


def ok_exp():
    """Experimental extension header numbers 253 and 254 (RFC 3692, RFC 4727
    section 5; IANA lists both in the IPv6 Extension Header Types
    registry)."""
    return [
        eth_raw(ip6(253, ext_generic(UDP_P, b"exp253") +
                    udp_raw(1, 2, b"x"))),
        eth_raw(ip6(DSTOPTS, ext_opts(254) + ext_generic(TCP_P, b"exp254") +
                    l4(TCP(sport=1, dport=2)))),
    ]


def ok_frag():
    """Fragments of a 3000-octet UDP datagram, of an echo request with a
    DstOpts before and after the Fragment header, an atomic fragment and
    overlapping fragments."""
    P = []
    dgram = l4(UDP(sport=5000, dport=6000) /
               Raw((bytes(range(256)) * 12)[:2984]))
    step = 1232
    for off in range(0, len(dgram), step):
        more = off + step < len(dgram)
        P.append(eth_raw(ip6(FRAGMENT, frag_hdr(UDP_P, off // 8, more,
                                                0x12345678) +
                             dgram[off:off + step])))
    echo = l4(ICMPv6EchoRequest(id=1, seq=2, data=b"E" * 200))
    pre = ext_opts(FRAGMENT, bytes([0x1E, 2, 0, 0]))  # an RFC 3692 option
    P.append(eth_raw(ip6(DSTOPTS, pre + frag_hdr(DSTOPTS, 0, True, 77) +
                         ext_opts(ICMPV6) + echo[:96])))
    P.append(eth_raw(ip6(DSTOPTS, pre + frag_hdr(DSTOPTS, 13, False, 77) +
                         echo[96:])))
    # Atomic fragment (RFC 6946): offset 0, M clear.
    P.append(E(IPv6(src=G2, dst=G1) / IPv6ExtHdrFragment(id=0xFFFFFFFF) /
               ICMPv6EchoReply(id=1, seq=2)))
    # Overlapping fragments (RFC 5722 forbids them): 0-63, 32-95, 0-31
    # with other contents, then the last one.
    data = bytes(range(128))
    for off, n, more, fill in ((0, 64, True, None), (4, 64, True, None),
                               (0, 32, True, 0x41), (8, 64, False, None)):
        chunk = data[off * 8:off * 8 + n] if fill is None else bytes([fill]) * n
        if off == 0 and fill is None:
            chunk = udp_raw(1, 2, data)[:n]
        P.append(eth_raw(ip6(FRAGMENT, frag_hdr(UDP_P, off, more, 4242) +
                             chunk)))
    return P


def ok_icmpv6():
    """Echo and the four error messages, each quoting its invoking
    packet (RFC 4443)."""
    inv_udp = bytes(IPv6(src=G2, dst=G3, hlim=3) / UDP(sport=33434,
                                                        dport=33435) /
                    Raw(b"traceroute"))
    inv_tcp = bytes(IPv6(src=G1, dst=G3) / TCP(sport=40001, dport=443,
                                                flags="PA") /
                    Raw(b"\0" * 1400))
    inv_ext = bytes(IPv6(src=G1, dst=G3) / IPv6ExtHdrHopByHop(
        options=[RouterAlert()]) / IPv6ExtHdrDestOpt(
        options=[PadN(optdata=b"\0" * 4)]) / UDP(sport=9, dport=9))
    return [
        E(IPv6(src=G1, dst=G2) / ICMPv6EchoRequest(id=0xBEEF, seq=1,
                                                   data=b"ping" * 14)),
        E(IPv6(src=G2, dst=G1) / ICMPv6EchoReply(id=0xBEEF, seq=1,
                                                 data=b"ping" * 14)),
        E(IPv6(src="2001:db8:0:2::1", dst=G2) /
          ICMPv6DestUnreach(code=4) / Raw(inv_udp)),
        E(IPv6(src="2001:db8:0:2::1", dst=G1) /
          ICMPv6PacketTooBig(mtu=1280) / Raw(inv_tcp[:1232])),
        E(IPv6(src="2001:db8:0:3::1", dst=G2) /
          ICMPv6TimeExceeded(code=0) / Raw(inv_udp)),
        E(IPv6(src=G3, dst=G1) / ICMPv6ParamProblem(code=1, ptr=40) /
          Raw(inv_ext)),
        E(IPv6(src=G3, dst=G1) / ICMPv6DestUnreach(code=1) /
          Raw(inv_tcp[:100])),
    ]


def ra_packet():
    """A Router Advertisement with every option the decoder knows."""
    return (IPv6(src=A_R, dst="ff02::1", hlim=255) /
            ICMPv6ND_RA(chlim=64, M=1, O=1, prf=1, routerlifetime=1800,
                        reachabletime=30000, retranstimer=1000) /
            ICMPv6NDOptSrcLLAddr(lladdr=MAC_R) /
            ICMPv6NDOptMTU(mtu=1400) /
            ICMPv6NDOptPrefixInfo(prefixlen=64, L=1, A=1,
                                  validlifetime=86400,
                                  preferredlifetime=14400,
                                  prefix="2001:db8:1::") /
            ICMPv6NDOptRDNSS(lifetime=600, dns=["2001:db8::53",
                                                "2001:db8::5353"]) /
            ICMPv6NDOptDNSSL(lifetime=600, searchlist=["example.com",
                                                       "lab.example.org"]) /
            ICMPv6NDOptRouteInfo(plen=48, prf=3, rtlifetime=1800,
                                 prefix="2001:db8:2::"))


def ok_nd():
    """Neighbor Discovery (RFC 4861) with the options RFC 4861, RFC 8106,
    RFC 4191 and RFC 3971 define."""
    sol = "ff02::1:ff00:1"
    return [
        E(IPv6(src=A_H, dst="ff02::2", hlim=255) / ICMPv6ND_RS() /
          ICMPv6NDOptSrcLLAddr(lladdr=MAC_H), dst="33:33:00:00:00:02",
          src=MAC_H),
        E(ra_packet(), dst="33:33:00:00:00:01"),
        E(IPv6(src=A_H, dst=sol, hlim=255) / ICMPv6ND_NS(tgt=G1) /
          ICMPv6NDOptSrcLLAddr(lladdr=MAC_H) /
          Raw(nonce_opt(b"\x01\x02\x03\x04\x05\x06")),
          dst="33:33:ff:00:00:01", src=MAC_H),
        # Duplicate Address Detection: from ::, no SLLA (RFC 4862 5.4.2).
        E(IPv6(src="::", dst="ff02::1:ff00:2", hlim=255) /
          ICMPv6ND_NS(tgt="2001:db8::2") /
          Raw(nonce_opt(b"\xa1\xa2\xa3\xa4\xa5\xa6")),
          dst="33:33:ff:00:00:02", src=MAC_H),
        E(IPv6(src=G1, dst=A_H, hlim=255) /
          ICMPv6ND_NA(R=1, S=1, O=1, tgt=G1) /
          ICMPv6NDOptDstLLAddr(lladdr=MAC_R)),
        E(IPv6(src=A_R, dst=A_H, hlim=255) /
          ICMPv6ND_Redirect(tgt="fe80::1", dst=G3) /
          ICMPv6NDOptDstLLAddr(lladdr="02:00:5e:00:53:99") /
          ICMPv6NDOptRedirectedHdr(pkt=bytes(
              IPv6(src=A_H, dst=G3) / UDP(sport=1, dport=2) /
              Raw(b"r" * 14)))),
    ]


def hbh_ra():
    return IPv6ExtHdrHopByHop(options=[RouterAlert(value=0), PadN()])


def ok_mld():
    """MLDv1 (RFC 2710) and MLDv2 (RFC 3810), each behind a Hop-by-Hop
    header carrying Router Alert, as they are sent."""
    grp = "ff0e::db8:1"
    return [
        E(IPv6(src=A_R, dst="ff02::1", hlim=1) / hbh_ra() /
          ICMPv6MLQuery(mrd=10000, mladdr="::"), dst="33:33:00:00:00:01"),
        E(IPv6(src=A_H, dst=grp, hlim=1) / hbh_ra() /
          ICMPv6MLReport(mladdr=grp), dst="33:33:0d:b8:00:01"),
        E(IPv6(src=A_H, dst="ff02::2", hlim=1) / hbh_ra() /
          ICMPv6MLDone(mladdr=grp), dst="33:33:00:00:00:02"),
        E(IPv6(src=A_R, dst=grp, hlim=1) / hbh_ra() /
          ICMPv6MLQuery2(mrd=1000, mladdr=grp, QRV=2, QQIC=125,
                         sources=["2001:db8::a", "2001:db8::b"]),
          dst="33:33:0d:b8:00:01"),
        E(IPv6(src=A_H, dst="ff02::16", hlim=1) / hbh_ra() /
          ICMPv6MLReport2(records=[
              ICMPv6MLDMultAddrRec(rtype=4, dst=grp),
              ICMPv6MLDMultAddrRec(rtype=1, dst="ff0e::db8:2",
                                   sources=["2001:db8::c"])]),
          dst="33:33:00:00:00:16"),
    ]


def sll(payload, proto=0x86DD, pkttype=0):
    """Linux cooked header v1 (LINKTYPE_LINUX_SLL)."""
    return struct.pack("!HHH8sH", pkttype, 1, 6,
                       bytes.fromhex("02005e005302") + b"\0\0", proto) + \
        payload


def sll2(payload, proto=0x86DD, ifindex=3, pkttype=4):
    """Linux cooked header v2 (LINKTYPE_LINUX_SLL2)."""
    return struct.pack("!HHIHBB8s", proto, 0, ifindex, 1, pkttype, 6,
                       bytes.fromhex("02005e005301") + b"\0\0") + payload


def null_hdr(payload, family, big=False):
    """LINKTYPE_NULL: the AF_ value in the writer's byte order."""
    return struct.pack(">I" if big else "<I", family) + payload


def l3(p):
    return bytes(p)


def links():
    """The same few packets over each link layer; returns {name: (linktype,
    [packets])}."""
    v6 = l3(IPv6(src=G1, dst=G2) / UDP(sport=111, dport=222) / Raw(b"L"))
    v6x = l3(IPv6(src=G2, dst=G3) / IPv6ExtHdrDestOpt() /
             ICMPv6EchoRequest(id=5, seq=6))
    v4 = l3(IP(src=V4A, dst=V4B) / UDP(sport=333, dport=444))
    return {
        "ok-link-vlan.pcap": (LINKTYPE_ETHERNET, [
            bytes(Ether(dst=MAC_H, src=MAC_R) /
                  Dot1Q(vlan=100, prio=5, type=0x86DD) / Raw(v6)),
            eth_raw(struct.pack("!HH", 0x2000 | 300, 0x8100) +
                    struct.pack("!HH", 3000, 0x86DD) + v6x, etype=0x88A8),
            eth_raw(struct.pack("!HH", 42, 0x0800) + v4, etype=0x8100),
        ]),
        "ok-link-sll.pcap": (LINKTYPE_LINUX_SLL, [
            sll(v6), sll(v6x, pkttype=4), sll(v4, proto=0x0800)]),
        "ok-link-sll2.pcap": (LINKTYPE_LINUX_SLL2, [
            sll2(v6), sll2(v6x), sll2(v4, proto=0x0800)]),
        "ok-link-raw.pcap": (LINKTYPE_RAW, [v6, v6x, v4]),
        # AF_INET6 is 24 on NetBSD/OpenBSD, 28 on FreeBSD and 30 on macOS;
        # readers accept all three (tcpdump's print-null.c).
        "ok-link-null.pcap": (LINKTYPE_NULL, [
            null_hdr(v6, 24), null_hdr(v6x, 30), null_hdr(v6, 28),
            null_hdr(v4, 2)]),
    }


# --- anomalies --------------------------------------------------------------

def anom_files():
    """One anomaly per file: {name: [packets]}."""
    A = {}
    # Hop-by-Hop after another header (RFC 8200 section 4.3: only right
    # after the IPv6 header).
    A["anom-hbh-not-first.pcap"] = [eth_raw(ip6(
        DSTOPTS, ext_opts(HOPOPT) + ext_opts(UDP_P, bytes([5, 2, 0, 0])) +
        udp_raw(1, 2, b"x")))]
    # Two Routing headers and three Destination Options headers (RFC 8200
    # section 4.1: each at most once, DstOpts at most twice).
    A["anom-repeated.pcap"] = [
        eth_raw(ip6(ROUTING,
                    bytes(IPv6ExtHdrRouting(nh=ROUTING, type=0, segleft=0,
                                            addresses=[G3])) +
                    bytes(IPv6ExtHdrRouting(nh=UDP_P, type=0, segleft=0,
                                            addresses=[G3])) +
                    udp_raw(3, 4))),
        eth_raw(ip6(DSTOPTS, ext_opts(DSTOPTS) + ext_opts(DSTOPTS) +
                    ext_opts(UDP_P) + udp_raw(3, 4))),
    ]
    # RFC 7112: the first fragment must hold the whole header chain. Here a
    # 1600-octet DstOpts header continues past the end of the first
    # fragment, so the upper-layer header is only in the second one.
    big = ext_opts(TCP_P, bytes([0x1E, 250]) + b"\0" * 250 +
                   bytes([0x1E, 250]) + b"\0" * 250 +
                   bytes([0x1E, 250]) + b"\0" * 250 +
                   bytes([0x1E, 250]) + b"\0" * 250 +
                   bytes([0x1E, 250]) + b"\0" * 250 +
                   bytes([0x1E, 250]) + b"\0" * 250)
    whole = big + l4(TCP(sport=1, dport=2))
    A["anom-rfc7112.pcap"] = [
        eth_raw(ip6(FRAGMENT, frag_hdr(DSTOPTS, 0, True, 7112) +
                    whole[:1232])),
        eth_raw(ip6(FRAGMENT, frag_hdr(DSTOPTS, 1232 // 8, False, 7112) +
                    whole[1232:])),
    ]
    # RFC 6980: ND messages must not be fragmented. A fragmented RA (both
    # fragments) and a fragmented NS whose first fragment holds all of it.
    ra = bytes(ra_packet())[40:]
    A["anom-frag-nd.pcap"] = [
        eth_raw(ip6(FRAGMENT, frag_hdr(ICMPV6, 0, True, 6980) + ra[:48],
                    src=A_R, dst="ff02::1", hlim=255)),
        eth_raw(ip6(FRAGMENT, frag_hdr(ICMPV6, 6, False, 6980) + ra[48:],
                    src=A_R, dst="ff02::1", hlim=255)),
        eth_raw(ip6(FRAGMENT, frag_hdr(ICMPV6, 0, True, 6981) + l4(
            ICMPv6ND_NS(tgt=G1) / ICMPv6NDOptSrcLLAddr(lladdr=MAC_H),
            A_H, "ff02::1:ff00:1"), src=A_H, dst="ff02::1:ff00:1", hlim=255)),
    ]
    # Payload length against the capture: one says 200 octets more than
    # the frame holds (the frame is complete: caplen == len); one says 40
    # octets fewer (trailing octets after the datagram).
    u = udp_raw(1, 2, b"p" * 32)
    A["anom-plen.pcap"] = [
        eth_raw(ip6(UDP_P, u, plen=len(u) + 200)),
        eth_raw(ip6(UDP_P, u, plen=len(u) - 8) + b""),
    ]
    # 500 chained Destination Options headers, then UDP.
    chain = b"".join(ext_opts(DSTOPTS) for _ in range(499)) + \
        ext_opts(UDP_P) + udp_raw(5, 5, b"deep")
    A["anom-deep.pcap"] = [eth_raw(ip6(DSTOPTS, chain))]
    return A


# --- hostile ----------------------------------------------------------------

def trunc_bases():
    """A dozen packets, each with something to get wrong at every
    offset: (name, linktype, bytes)."""
    ext = ok_ext()
    icmp = ok_icmpv6()
    nd = ok_nd()
    mld = ok_mld()
    fr = ok_frag()
    lk = links()
    return [
        ("tcp-syn-opts", LINKTYPE_ETHERNET, ok_basic()[0]),
        ("ipv4-udp", LINKTYPE_ETHERNET, ok_basic()[6]),
        ("hbh-pad-ra", LINKTYPE_ETHERNET, ext[0]),
        ("full-chain", LINKTYPE_ETHERNET, ext[1]),
        ("srh", LINKTYPE_ETHERNET, ext[4]),
        ("ah-esp", LINKTYPE_ETHERNET, ext[7]),
        ("frag-dstopts", LINKTYPE_ETHERNET, fr[3]),
        ("unreach-invoking", LINKTYPE_ETHERNET, icmp[6]),
        ("paramprob-ext", LINKTYPE_ETHERNET, icmp[5]),
        ("ra-all-options", LINKTYPE_ETHERNET, nd[1]),
        ("redirect", LINKTYPE_ETHERNET, nd[5]),
        ("mldv2-report", LINKTYPE_ETHERNET, mld[4]),
        ("qinq", LINKTYPE_ETHERNET, lk["ok-link-vlan.pcap"][1][1]),
        ("sll2", LINKTYPE_LINUX_SLL2, lk["ok-link-sll2.pcap"][1][1]),
    ]


def hostile_files(rng, manifest):
    """{name: bytes} of hostile files; manifest[name] gets, for the
    truncation files, one [base name, captured length, full length] per
    record."""
    H = {}
    by_link = {}
    plen_lies, plen_man = [], []
    for name, lt, pkt in trunc_bases():
        recs, man = by_link.setdefault(lt, ([], []))
        # Every cut, from nothing to one octet short; then the whole
        # packet, the reference the cuts are checked against.
        for k in range(len(pkt) + 1):
            recs.append(rec(pkt[:k], len(pkt)))
            man.append([name, k, len(pkt)])
        if lt == LINKTYPE_ETHERNET:
            # The same cuts as whole frames (caplen == len): now the
            # headers' own lengths are what lies.
            for k in range(14, len(pkt) + 1):
                plen_lies.append(rec(pkt[:k]))
                plen_man.append([name, k, len(pkt)])
    H["hostile-trunc-caplen.pcap"] = pcap_bytes(
        LINKTYPE_ETHERNET, by_link[LINKTYPE_ETHERNET][0])
    manifest["hostile-trunc-caplen.pcap"] = by_link[LINKTYPE_ETHERNET][1]
    H["hostile-trunc-caplen-sll2.pcap"] = pcap_bytes(
        LINKTYPE_LINUX_SLL2, by_link[LINKTYPE_LINUX_SLL2][0])
    manifest["hostile-trunc-caplen-sll2.pcap"] = \
        by_link[LINKTYPE_LINUX_SLL2][1]
    H["hostile-trunc-plen.pcap"] = pcap_bytes(LINKTYPE_ETHERNET, plen_lies)
    manifest["hostile-trunc-plen.pcap"] = plen_man

    # Random packets from a fixed seed: pure noise, noise behind a valid
    # IPv6 header with each next-header value, and valid packets with
    # bytes flipped.
    valid = [p for f in (ok_basic(), ok_ext()[:-1], ok_frag(), ok_icmpv6(),
                         ok_nd(), ok_mld()) for p in f]
    rnd = []
    for i in range(1500):
        rnd.append(bytes(rng.getrandbits(8) for _ in range(rng.randrange(
            0, 160))))
    for nh in range(256):
        for _ in range(4):
            body = bytes(rng.getrandbits(8) for _ in range(rng.randrange(
                0, 120)))
            rnd.append(eth_raw(ip6(nh, body)))
    for i in range(3000):
        p = bytearray(rng.choice(valid))
        for _ in range(rng.randrange(1, 8)):
            p[rng.randrange(14, len(p))] = rng.getrandbits(8)
        rnd.append(bytes(p))
    # Ethernet noise: an IPv6 header with random contents and each
    # EtherType the decoder reads.
    for et in (0x86DD, 0x0800, 0x8100, 0x88A8, 0x9100):
        for _ in range(100):
            rnd.append(eth_raw(bytes(rng.getrandbits(8) for _ in range(
                rng.randrange(0, 80))), etype=et))
    H["hostile-random.pcap"] = pcap_bytes(LINKTYPE_ETHERNET, rnd)
    H["hostile-random-raw.pcap"] = pcap_bytes(LINKTYPE_RAW, [
        bytes([0x60]) + bytes(rng.getrandbits(8) for _ in range(
            rng.randrange(0, 100))) for _ in range(2000)])
    H["hostile-random-ng.pcapng"] = pcapng_bytes(
        [LINKTYPE_ETHERNET, LINKTYPE_ETHERNET, LINKTYPE_ETHERNET],
        [(rng.randrange(3), p) for p in rnd[:2000]])
    # Interfaces of different link types in one section: pcapng allows
    # it, libpcap 1.10 refuses it ("an interface has a type ... different
    # from the type of the first interface"). A clean error or a decode,
    # never a crash.
    H["hostile-ng-multilink.pcapng"] = pcapng_bytes(
        [LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_NULL,
         LINKTYPE_LINUX_SLL2, LINKTYPE_RAW],
        [(rng.randrange(5), p) for p in rnd[:500]])
    # Overlapping fragments again, many of them.
    H["hostile-overlap.pcap"] = pcap_bytes(LINKTYPE_ETHERNET, [
        eth_raw(ip6(FRAGMENT, frag_hdr(UDP_P, rng.randrange(0, 20),
                                       bool(rng.getrandbits(1)), 99) +
                    bytes(rng.getrandbits(8) for _ in range(
                        rng.randrange(0, 64)))))
        for _ in range(500)])

    # Broken files.
    good = pcap_bytes(LINKTYPE_ETHERNET, ok_basic())
    H["bad-garbage.bin"] = bytes(rng.getrandbits(8) for _ in range(4096))
    H["bad-empty.pcap"] = b""
    H["bad-short-header.pcap"] = good[:10]
    H["bad-cut-record-header.pcap"] = good[:24 + 16 + len(ok_basic()[0]) +
                                           7]
    H["bad-cut-record-data.pcap"] = good[:24 + 16 + len(ok_basic()[0]) +
                                         16 + 20]
    # A record header claiming 2 GiB: a reader must not try to allocate it.
    H["bad-huge-caplen.pcap"] = good[:24] + struct.pack(
        "<IIII", T0, 0, 0x7FFFFFF0, 0x7FFFFFF0) + b"\0" * 64
    # caplen larger than the original length.
    H["bad-caplen-gt-len.pcap"] = good[:24] + struct.pack(
        "<IIII", T0, 0, 60, 20) + ok_basic()[0][:60]
    ng = pcapng_bytes([LINKTYPE_ETHERNET], [(0, p) for p in ok_basic()])
    H["bad-ng-cut.pcapng"] = ng[:len(ng) - 30]
    # A block whose total length is not a multiple of 4, then one whose
    # length is smaller than a block header.
    H["bad-ng-blocklen.pcapng"] = pcapng_bytes([LINKTYPE_ETHERNET], []) + \
        struct.pack("<II", 6, 0x0000000D) + b"\0" * 20
    H["bad-ng-tiny-block.pcapng"] = pcapng_bytes([LINKTYPE_ETHERNET], []) + \
        struct.pack("<II", 6, 4) + b"\0" * 16
    # An EPB naming an interface that was never described.
    H["bad-ng-no-idb.pcapng"] = pcapng_bytes([LINKTYPE_ETHERNET],
                                             [(5, ok_basic()[0])])
    # Header-only capture: no packets at all, a valid file.
    H["hostile-empty.pcap"] = pcap_bytes(LINKTYPE_ETHERNET, [])
    return H


def count_records(data):
    """Whole records in a classic pcap file we wrote (little-endian), None
    for other files: the number of packets a reader should deliver."""
    if len(data) < 24 or data[:4] != b"\xd4\xc3\xb2\xa1":
        return None
    off, n = 24, 0
    while off + 16 <= len(data):
        caplen = struct.unpack_from("<I", data, off + 8)[0]
        if off + 16 + caplen > len(data):
            break
        off += 16 + caplen
        n += 1
    return n


# --- main -------------------------------------------------------------------

def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: gen.py DIR\n")
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(20240229)
    listing = []
    manifest = {"records": {}, "count": {}}

    def put(name, data, lt, n):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        listing.append("%s\t%s\t%s" % (name, lt, n))
        manifest["count"][name] = n

    def pcap(name, lt, pkts, **kw):
        put(name, pcap_bytes(lt, pkts, **kw), lt, len(pkts))

    pcap("ok-basic.pcap", LINKTYPE_ETHERNET, ok_basic())
    pcap("ok-ext.pcap", LINKTYPE_ETHERNET, ok_ext())
    pcap("ok-exp.pcap", LINKTYPE_ETHERNET, ok_exp())
    pcap("ok-frag.pcap", LINKTYPE_ETHERNET, ok_frag())
    pcap("ok-icmpv6.pcap", LINKTYPE_ETHERNET, ok_icmpv6())
    pcap("ok-nd.pcap", LINKTYPE_ETHERNET, ok_nd())
    pcap("ok-mld.pcap", LINKTYPE_ETHERNET, ok_mld())
    for name, (lt, pkts) in links().items():
        pcap(name, lt, pkts)
    # The same traffic in the other file flavours: big-endian with
    # nanoseconds, and pcapng with two interfaces of different link types.
    pcap("ok-nsec-be.pcap", LINKTYPE_ETHERNET, ok_nd(), nsec=True, big=True)
    # (Two interfaces of one link type: libpcap reads no other kind of
    # pcapng; see hostile-ng-multilink.pcapng.)
    mixed = []
    for a, b in zip(ok_icmpv6(), ok_mld() + ok_nd()):
        mixed += [(0, a), (1, b)]
    put("ok-mixed.pcapng", pcapng_bytes([LINKTYPE_ETHERNET,
                                         LINKTYPE_ETHERNET], mixed),
        "pcapng", len(mixed))
    put("ok-mixed-be.pcapng", pcapng_bytes([LINKTYPE_ETHERNET,
                                            LINKTYPE_ETHERNET], mixed,
                                           big=True),
        "pcapng", len(mixed))
    for name, pkts in anom_files().items():
        pcap(name, LINKTYPE_ETHERNET, pkts)
    ng_counts = {"hostile-random-ng.pcapng": 2000,
                 "bad-ng-cut.pcapng": len(ok_basic()) - 1}
    for name, data in hostile_files(rng, manifest["records"]).items():
        put(name, data, "-", ng_counts.get(name, count_records(data)))
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    sys.stdout.write("\n".join(listing) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
