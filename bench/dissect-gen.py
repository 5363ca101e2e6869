#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the bench/dissect.sh capture: COUNT mixed packets, mostly IPv6.

    /usr/bin/python3 bench/dissect-gen.py [--count N] [--seed S] [--tunnels] FILE

--tunnels writes the tunnelled mix instead: 6in4, 6to4, ISATAP, GRE,
DS-Lite, IPv6 in IPv6, Teredo and a few plain packets (tests/pcap/tunnel.py);
the outer addresses vary.

Scapy is far too slow to build a million packets one by one, so it builds
only the templates: the well-formed packets of tests/pcap/gen.py (TCP with
options, DNS over UDP, echo, ND with options, MLDv2 behind Hop-by-Hop,
fragments, SRH, Destination Options, AH, ESP, VLAN, some IPv4). Each
template gets VARIANTS copies with other addresses, and the file is those
copies in a fixed pseudo-random order, written with struct.

Changing addresses keeps every checksum right without recomputing it: the
last two 16-bit words of an address are changed together so that their
ones'-complement sum stays the same (RFC 1071 section 2(B)), and that sum
is all the pseudo-header and the IPv4 header checksum see.
Prints the template mix on stderr.
"""

import argparse
import os
import random
import struct
import sys

# Importing gen must not leave a __pycache__ in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "pcap"))
import gen  # noqa: E402  (tests/pcap/gen.py: the packets themselves)

VARIANTS = 1024
T0 = 1700000000


def ones_add(a, b):
    s = a + b
    return (s & 0xFFFF) + (s >> 16)


def vary_pair(buf, off, new_second):
    """Set the 16-bit word at off+2 to new_second and change the word at
    off so that the ones'-complement sum of the two stays the same."""
    w0, w1 = struct.unpack_from("!HH", buf, off)
    total = ones_add(w0, w1)
    # w0' = total - w1' in ones'-complement arithmetic.
    w0n = ones_add(total, (~new_second) & 0xFFFF)
    if w0n == 0xFFFF:  # both zeros are the same; keep the usual one
        w0n = 0
        if ones_add(w0n, new_second) != total:
            w0n = 0xFFFF
    struct.pack_into("!HH", buf, off, w0n, new_second)


def l3_offset(pkt):
    """Offset of the IP header in an Ethernet frame (one VLAN tag at
    most), and its version."""
    off, et = 14, struct.unpack_from("!H", pkt, 12)[0]
    if et in (0x8100, 0x88A8):
        et = struct.unpack_from("!H", pkt, 16)[0]
        off = 18
    return off, {0x86DD: 6, 0x0800: 4}.get(et)


def variants(pkt, rng):
    out = []
    off, ver = l3_offset(pkt)
    for _ in range(VARIANTS):
        b = bytearray(pkt)
        if ver == 6:
            dst_first = b[off + 24]
            # The last 32 bits of the source, and of the destination when
            # it is unicast (a multicast group must stay what it is).
            vary_pair(b, off + 8 + 12, rng.getrandbits(16))
            if dst_first != 0xFF:
                vary_pair(b, off + 24 + 12, rng.getrandbits(16))
            # The flow label is under no checksum.
            fl = rng.getrandbits(20)
            b[off + 1] = (b[off + 1] & 0xF0) | (fl >> 16)
            b[off + 2] = (fl >> 8) & 0xFF
            b[off + 3] = fl & 0xFF
        elif ver == 4:
            vary_pair(b, off + 12, rng.getrandbits(16))
            vary_pair(b, off + 16, rng.getrandbits(16))
        out.append(bytes(b))
    return out


def templates():
    """(name, weight, packet) for the mix."""
    basic = gen.ok_basic()
    ext = gen.ok_ext()
    frag = gen.ok_frag()
    icmp = gen.ok_icmpv6()
    nd = gen.ok_nd()
    mld = gen.ok_mld()
    vlan = gen.links()["ok-link-vlan.pcap"][1]
    return [
        ("tcp-syn-options", 6, basic[0]),
        ("tcp-synack-options", 6, basic[1]),
        ("tcp-data", 20, basic[2]),
        ("udp-dns", 10, basic[3]),
        ("ipv4-tcp", 4, basic[5]),
        ("ipv4-udp", 3, basic[6]),
        ("ipv4-icmp", 2, basic[7]),
        ("icmpv6-echo-req", 4, icmp[0]),
        ("icmpv6-echo-rep", 4, icmp[1]),
        ("icmpv6-unreach+invoking", 2, icmp[2]),
        ("icmpv6-unreach+tcp", 1, icmp[6]),
        ("nd-ns-slla-nonce", 4, nd[2]),
        ("nd-na-tlla", 3, nd[4]),
        ("nd-ra-6-options", 2, nd[1]),
        ("nd-rs", 1, nd[0]),
        ("mldv2-report-hbh", 3, mld[4]),
        ("frag-first", 2, frag[0]),
        ("frag-middle", 2, frag[1]),
        ("frag-dstopts-echo", 1, frag[3]),
        ("srh-3-sids", 4, ext[4]),
        ("hbh-dst-rt0-frag-dst-tcp", 4, ext[1]),
        ("hbh-padn-ra-udp", 2, ext[0]),
        ("ah-tcp", 2, ext[5]),
        ("esp", 2, ext[6]),
        ("vlan-ipv6-udp", 2, vlan[0]),
        ("qinq-dstopts-echo", 1, vlan[1]),
    ]


def tunnel_templates():
    """(name, weight, packet) for the tunnelled mix: the packets of
    tests/pcap/tunnel.py, most of them IPv6 inside IPv4 as an IPv4-only
    link carries it."""
    import tunnel  # noqa: E402  (tests/pcap/tunnel.py)
    names = ["6in4-tcp", "6to4-echo", "6to4-spoofed", "isatap-ns",
             "gre-key-seq-v6", "gre-csum-v4", "gre-eth-v6", "ip6gre-v4",
             "dslite-tel", "6in6-tcp", "ipip-udp", "teredo-bubble",
             "teredo-auth-rs", "teredo-tcp", "plain-v6-tcp", "plain-v4-udp"]
    weights = [20, 6, 1, 1, 8, 4, 4, 4, 10, 6, 4, 4, 2, 10, 10, 6]
    return [(n, w, bytes(p)) for n, w, p in zip(names, weights,
                                                tunnel.tun_ok())]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=1000000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tunnels", action="store_true",
                    help="the tunnelled mix (tests/pcap/tunnel.py)")
    ap.add_argument("file")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    tpl = tunnel_templates() if a.tunnels else templates()
    pools = [variants(p, rng) for _, _, p in tpl]
    weights = [w for _, w, _ in tpl]
    # A fixed order of templates, cycled: 4096 draws by weight.
    order = rng.choices(range(len(tpl)), weights=weights, k=4096)
    per = [0] * len(tpl)
    pack = struct.Struct("<IIII").pack
    with open(a.file, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144,
                            gen.LINKTYPE_ETHERNET))
        chunk = []
        nbytes = 0
        for i in range(a.count):
            t = order[i & 4095]
            per[t] += 1
            p = pools[t][(i >> 12) & (VARIANTS - 1) ^ (i & 1023)]
            n = len(p)
            chunk.append(pack(T0 + i // 1000000, i % 1000000, n, n))
            chunk.append(p)
            nbytes += n
            if len(chunk) >= 131072:
                f.write(b"".join(chunk))
                chunk = []
        f.write(b"".join(chunk))
    v6 = sum(per[i] for i, (name, _, p) in enumerate(tpl)
             if l3_offset(p)[1] == 6)
    sys.stderr.write("%d packets, %d IPv6 (%.0f%%), %d bytes of packets, "
                     "%d templates x %d address variants\n" %
                     (a.count, v6, 100.0 * v6 / max(a.count, 1), nbytes,
                      len(tpl), VARIANTS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
