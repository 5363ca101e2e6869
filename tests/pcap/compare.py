#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Compare `dualstack dissect --json` with `tshark -T fields`, packet by
packet, field class by field class.

    /usr/bin/python3 tests/pcap/compare.py diff CAPTURE DS_NDJSON
    /usr/bin/python3 tests/pcap/compare.py tshark CAPTURE   (debugging)
    /usr/bin/python3 tests/pcap/compare.py ds DS_NDJSON     (debugging)

Both sides are reduced to the same plain form (norm_*), then compared. The
diff prints one line per field class:

    ok<TAB>CLASS<TAB>N packets compared
    not ok<TAB>CLASS<TAB>packet N: dualstack X, tshark Y   (first 5)

Classes: addr (source and destination, outer and invoking packet), chain
(the Next Header values from the IPv6 header to the end of the chain, outer
and invoking), frag (offset in octets, M, identification), icmp6 (type,
code, echo identifier and sequence, MTU, pointer), nd (RA fields, targets,
option types in order, prefix, MTU, RDNSS, DNSSL, route information,
link-layer addresses, nonce), mld (group, sources, MLDv2 records), l4
(TCP and UDP ports), rt (routing type, segments left, addresses), vlan
(VLAN IDs outermost first).

tshark runs with IPv6 reassembly off (-o ipv6.defragment:FALSE) so that
every fragment is shown as it was captured.
"""

import ipaddress
import json
import subprocess
import sys

# --- tshark ------------------------------------------------------------------

TS_FIELDS = [
    "frame.protocols",
    "ipv6.src", "ipv6.dst", "ip.src", "ip.dst",
    "ipv6.nxt", "ipv6.hopopts.nxt", "ipv6.dstopts.nxt", "ipv6.routing.nxt",
    "ipv6.fraghdr.nxt", "ah.next_header", "shim6.nxt", "mip6.proto",
    "hip.proto",
    "ipv6.fraghdr.offset", "ipv6.fraghdr.more", "ipv6.fraghdr.ident",
    "ipv6.routing.type", "ipv6.routing.segleft", "ipv6.routing.srh.addr",
    "ipv6.routing.src.addr", "ipv6.routing.mipv6.home_address",
    "ipv6.routing.rpl.full_address",
    "icmpv6.type", "icmpv6.code", "icmpv6.echo.identifier",
    "icmpv6.echo.sequence_number", "icmpv6.mtu", "icmpv6.pointer",
    "icmpv6.nd.ra.cur_hop_limit", "icmpv6.nd.ra.flag.m",
    "icmpv6.nd.ra.flag.o", "icmpv6.nd.ra.flag.prf",
    "icmpv6.nd.ra.router_lifetime", "icmpv6.nd.ra.reachable_time",
    "icmpv6.nd.ra.retrans_timer",
    "icmpv6.nd.na.flag.r", "icmpv6.nd.na.flag.s", "icmpv6.nd.na.flag.o",
    "icmpv6.nd.ns.target_address", "icmpv6.nd.na.target_address",
    "icmpv6.nd.rd.target_address", "icmpv6.rd.na.destination_address",
    "icmpv6.opt.type", "icmpv6.opt.length",
    "icmpv6.opt.prefix", "icmpv6.opt.prefix.length",
    "icmpv6.opt.prefix.flag.l", "icmpv6.opt.prefix.flag.a",
    "icmpv6.opt.prefix.valid_lifetime",
    "icmpv6.opt.prefix.preferred_lifetime",
    "icmpv6.opt.mtu", "icmpv6.opt.rdnss", "icmpv6.opt.rdnss.lifetime",
    "icmpv6.opt.dnssl", "icmpv6.opt.dnssl.lifetime",
    "icmpv6.opt.route_info.flag.route_preference",
    "icmpv6.opt.route_lifetime",
    "icmpv6.opt.src_linkaddr", "icmpv6.opt.target_linkaddr",
    "icmpv6.opt.nonce",
    "icmpv6.mld.multicast_address", "icmpv6.mld.source_address",
    "icmpv6.mldr.nb_mcast_records", "icmpv6.mldr.mar.record_type",
    "icmpv6.mldr.mar.multicast_address", "icmpv6.mldr.mar.nb_sources",
    "icmpv6.mldr.mar.source_address",
    "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
    "vlan.id", "ieee8021ad.id",
]

# frame.protocols names of IPv6 extension headers, and the field that holds
# each one's Next Header value.
EXT_NXT = {
    "ipv6.hopopts": "ipv6.hopopts.nxt",
    "ipv6.dstopts": "ipv6.dstopts.nxt",
    "ipv6.routing": "ipv6.routing.nxt",
    "ipv6.fraghdr": "ipv6.fraghdr.nxt",
    "ah": "ah.next_header",
    "shim6": "shim6.nxt",
    "mipv6": "mip6.proto",
    "hip": "hip.proto",
    "esp": None,  # the chain ends: the rest is ciphertext
}


def run_tshark(path):
    cmd = ["tshark", "-n", "-r", path, "-o", "ipv6.defragment:FALSE",
           "-T", "fields", "-E", "separator=/t", "-E", "aggregator=;",
           "-E", "occurrence=a"]
    for f in TS_FIELDS:
        cmd += ["-e", f]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       check=False)
    rows = []
    for line in r.stdout.decode("utf-8", "replace").split("\n"):
        if not line:
            continue
        cols = line.split("\t")
        cols += [""] * (len(TS_FIELDS) - len(cols))
        rows.append({f: (c.split(";") if c != "" else [])
                     for f, c in zip(TS_FIELDS, cols)})
    return rows


def num(v):
    v = v.strip()
    return int(v, 16) if v.lower().startswith("0x") else int(v)


def addr(a):
    """RFC 5952 text (IPv4 dotted) for any address spelling; None for
    what is not an address (dualstack prints "?" for an address it could
    not read)."""
    try:
        ip = ipaddress.ip_address(a.split("%")[0])
    except (ValueError, AttributeError):
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        return "::ffff:" + str(ip.ipv4_mapped)
    return str(ip)


def mac(m):
    return m.lower().replace("-", ":")


def norm_tshark(row):
    """One tshark row in the plain form."""
    q = {k: list(v) for k, v in row.items()}

    def pop(field, conv=None):
        if not q.get(field):
            return None
        v = q[field].pop(0)
        return conv(v) if conv else v

    protos = q["frame.protocols"][0].split(":") if q["frame.protocols"] \
        else []
    out = {}
    # The protocols appear in order; each ipv6 starts a chain, the first
    # is the packet's, a second one the invoking packet inside ICMPv6.
    ips = []
    cur = None
    vlans = []
    for p in protos:
        if p == "vlan":
            vlans.append(pop("vlan.id", num))
            continue
        if p == "ieee8021ad":
            vlans.append(pop("ieee8021ad.id", num))
            continue
        if p == "ipv6":
            cur = {"src": pop("ipv6.src", addr), "dst": pop("ipv6.dst",
                                                             addr),
                   "chain": [pop("ipv6.nxt", num)], "frag": [], "rt": [],
                   "open": False}
            ips.append(cur)
            continue
        if p == "ip":
            cur = {"src": pop("ip.src", addr), "dst": pop("ip.dst", addr),
                   "chain": None, "frag": [], "rt": [], "open": False}
            ips.append(cur)
            continue
        if cur is None:
            continue
        if p in EXT_NXT:
            if p == "ipv6.fraghdr":
                cur["frag"].append((pop("ipv6.fraghdr.offset", num) * 8,
                                    pop("ipv6.fraghdr.more", num),
                                    pop("ipv6.fraghdr.ident", num)))
            if p == "ipv6.routing":
                t = pop("ipv6.routing.type", num)
                sl = pop("ipv6.routing.segleft", num)
                cur["rt"].append((t, sl))
            f = EXT_NXT[p]
            if f is not None and cur["chain"] is not None:
                cur["chain"].append(pop(f, num))
            continue
        if p == "tcp" or p == "udp":
            cur.setdefault("ports", (pop(p + ".srcport", num),
                                     pop(p + ".dstport", num)))
        if p == "data" and cur["chain"] and cur["chain"][-1] in (253, 254):
            # tshark does not walk the experimental headers (RFC 3692);
            # compare the chain up to them only.
            cur["open"] = True
    if ips:
        out["ip"] = ips[0]
    if len(ips) > 1:
        out["inner"] = ips[1]
    # ICMPv6 fields belong to the outer message (tshark gives an invoking
    # ICMPv6 message's type second).
    if q["icmpv6.type"]:
        ic = {"type": num(q["icmpv6.type"][0]),
              "code": num(q["icmpv6.code"][0])}
        for f, k in (("icmpv6.echo.identifier", "id"),
                     ("icmpv6.echo.sequence_number", "seq"),
                     ("icmpv6.mtu", "mtu"), ("icmpv6.pointer", "pointer")):
            if q[f] and ic["type"] in (1, 2, 3, 4, 128, 129):
                ic[k] = num(q[f][0])
        out["icmp6"] = ic
        out["nd"] = nd_tshark(q, ic["type"])
        out["mld"] = mld_tshark(q, ic["type"])
    # Routing addresses of the outer chain (only one routing header in
    # the ok-* captures that has addresses).
    for f in ("ipv6.routing.srh.addr", "ipv6.routing.src.addr",
              "ipv6.routing.mipv6.home_address",
              "ipv6.routing.rpl.full_address"):
        if q[f] and "ip" in out:
            out["ip"]["rt_addr"] = [addr(a) for a in q[f]]
    out["vlan"] = vlans
    return out


def nd_tshark(q, t):
    if t not in (133, 134, 135, 136, 137):
        return None
    nd = {"opts": [num(v) for v in q["icmpv6.opt.type"]]}
    if t == 134:
        nd["ra"] = (num(q["icmpv6.nd.ra.cur_hop_limit"][0]),
                    num(q["icmpv6.nd.ra.flag.m"][0]),
                    num(q["icmpv6.nd.ra.flag.o"][0]),
                    num(q["icmpv6.nd.ra.flag.prf"][0]),
                    num(q["icmpv6.nd.ra.router_lifetime"][0]),
                    num(q["icmpv6.nd.ra.reachable_time"][0]),
                    num(q["icmpv6.nd.ra.retrans_timer"][0]))
    if t == 136:
        nd["na"] = tuple(num(q[f][0]) for f in ("icmpv6.nd.na.flag.r",
                                                  "icmpv6.nd.na.flag.s",
                                                  "icmpv6.nd.na.flag.o"))
    for f, k in (("icmpv6.nd.ns.target_address", "target"),
                 ("icmpv6.nd.na.target_address", "target"),
                 ("icmpv6.nd.rd.target_address", "target"),
                 ("icmpv6.rd.na.destination_address", "dest")):
        if q[f]:
            nd[k] = addr(q[f][0])
    # icmpv6.opt.prefix and .prefix.length hold Prefix Information (3) and
    # Route Information (24) prefixes in option order.
    pfx = list(zip(q["icmpv6.opt.prefix"], q["icmpv6.opt.prefix.length"]))
    pi, ri = [], []
    lflags = list(q["icmpv6.opt.prefix.flag.l"])
    aflags = list(q["icmpv6.opt.prefix.flag.a"])
    valid = list(q["icmpv6.opt.prefix.valid_lifetime"])
    pref = list(q["icmpv6.opt.prefix.preferred_lifetime"])
    rprf = list(q["icmpv6.opt.route_info.flag.route_preference"])
    rlife = list(q["icmpv6.opt.route_lifetime"])
    for ot in nd["opts"]:
        if ot == 3 and pfx:
            p, n = pfx.pop(0)
            pi.append((addr(p), num(n), num(lflags.pop(0)),
                       num(aflags.pop(0)), num(valid.pop(0)),
                       num(pref.pop(0))))
        elif ot == 24 and pfx:
            p, n = pfx.pop(0)
            ri.append((addr(p), num(n), num(rprf.pop(0)),
                       num(rlife.pop(0))))
    nd["prefix"] = pi
    nd["route"] = ri
    nd["mtu"] = [num(v) for v in q["icmpv6.opt.mtu"]]
    nd["rdnss"] = [addr(a) for a in q["icmpv6.opt.rdnss"]]
    nd["dnssl"] = [d.rstrip(".") for d in q["icmpv6.opt.dnssl"]]
    nd["slla"] = [mac(m) for m in q["icmpv6.opt.src_linkaddr"]]
    nd["tlla"] = [mac(m) for m in q["icmpv6.opt.target_linkaddr"]]
    # Compared by length: dualstack's JSON has no nonce value.
    nd["nonce"] = [len(n.replace(":", "")) // 2 for n in
                   q["icmpv6.opt.nonce"]]
    return nd


def mld_tshark(q, t):
    if t not in (130, 131, 132, 143):
        return None
    m = {}
    if t in (130, 131, 132):
        m["group"] = addr(q["icmpv6.mld.multicast_address"][0])
        m["sources"] = [addr(a) for a in q["icmpv6.mld.source_address"]]
    else:
        recs = []
        srcs = list(q["icmpv6.mldr.mar.source_address"])
        for rt, g, ns in zip(q["icmpv6.mldr.mar.record_type"],
                             q["icmpv6.mldr.mar.multicast_address"],
                             q["icmpv6.mldr.mar.nb_sources"]):
            n = num(ns)
            recs.append((num(rt), addr(g), [addr(s) for s in srcs[:n]]))
            srcs = srcs[n:]
        m["records"] = recs
    return m


# --- dualstack --------------------------------------------------------------

# Upper-layer entries of a "chain" list; every other entry is an IPv6
# extension header.
DS_L4 = ("tcp", "udp", "icmp6", "icmp", "data", "none", "other")
PRF = {"medium": 0, "high": 1, "reserved": 2, "low": 3}


TUNNELS = ("ipip", "6in4", "6to4", "isatap", "4in6", "6in6", "gre",
           "teredo")


def innermost(chain):
    """The innermost packet of a tunnelled chain: what follows the last
    tunnel, or the packet carrying it when nothing was decoded inside."""
    cuts = [i for i, x in enumerate(chain or []) if x.get("header") in TUNNELS]
    if not cuts:
        return chain
    if cuts[-1] + 1 < len(chain):
        return chain[cuts[-1] + 1:]
    return chain[cuts[-2] + 1 if len(cuts) > 1 else 0:cuts[-1]]


def ds_ip(chain, anomalies, error):
    """An IP packet from dualstack's "chain" list: the plain form's "ip"
    (or "inner"), plus the ICMPv6 entry when there is one. Through
    tunnels, the innermost packet."""
    chain = innermost(chain)
    if not chain or chain[0].get("header") not in ("ipv6", "ipv4"):
        return None, None
    h = chain[0]
    ip = {"src": addr(h["src"]), "dst": addr(h["dst"]), "frag": [],
          "rt": [], "version": h["version"],
          "hlim": h.get("hop_limit", h.get("ttl")),
          "total_len": h.get("total_length"),
          "anom": list(anomalies or []), "err": ds_err(error)}
    if h["version"] == 6:
        ip["chain"] = [h["next_header"]]
        ip["ext_count"] = h.get("ext_count")
    else:
        ip["chain"] = None
    icmp = None
    for x in chain[1:]:
        name = x.get("header")
        if name in DS_L4:
            if name in ("tcp", "udp"):
                ip["ports"] = (x["sport"], x["dport"])
            elif name == "icmp6":
                icmp = x
            elif name == "icmp":
                ip["icmp4"] = (x["type"], x["code"])
            ip["l4"] = name
            continue
        # An extension header.
        if x.get("proto") == 50:
            continue  # ESP: no Next Header in clear text
        ip["chain"].append(x["next_header"])
        if x.get("proto") == 44:
            ip["frag"].append((x["offset"], 1 if x["more"] else 0, x["id"]))
        if x.get("proto") == 43:
            ip["rt"].append((x["routing_type"], x["segments_left"]))
            if x.get("addresses"):
                ip.setdefault("rt_addr", []).extend(
                    addr(a) for a in x["addresses"])
    return ip, icmp


def ds_err(e):
    if not e:
        return None
    return {"kind": e.get("kind"), "layer": e.get("layer"),
            "proto": e.get("proto")}


def norm_ds(obj):
    """One dualstack --json packet object in the plain form."""
    out = {"anom": list(obj.get("anomalies") or []),
           "err": ds_err(obj.get("error")),
           "vlan": [v["vid"] for v in (obj.get("link") or {}).get("vlan",
                                                                  [])],
           "signature": obj.get("signature"),
           "caplen": obj.get("caplen"), "wirelen": obj.get("wirelen")}
    ip, ic = ds_ip(obj.get("chain"), obj.get("anomalies"), obj.get("error"))
    if ip is not None:
        out["ip"] = ip
    if ic is not None:
        t = ic["type"]
        icmp = {"type": t, "code": ic["code"]}
        for k in ("id", "seq", "mtu", "pointer"):
            if k in ic and t in (1, 2, 3, 4, 128, 129):
                icmp[k] = ic[k]
        out["icmp6"] = icmp
        out["nd"] = nd_ds(ic)
        out["mld"] = mld_ds(ic)
        inv = ic.get("invoking")
        if inv:
            inner, _ = ds_ip(inv.get("chain"), inv.get("anomalies"),
                             inv.get("error"))
            if inner is not None:
                out["inner"] = inner
    return out


def nd_ds(ic):
    t = ic["type"]
    if t not in (133, 134, 135, 136, 137):
        return None
    opts = ic.get("nd_options", [])
    nd = {"opts": [o["type"] for o in opts]}
    if t == 134 and "cur_hop_limit" in ic:
        nd["ra"] = (ic["cur_hop_limit"], int(ic["managed"]),
                    int(ic["other"]), PRF.get(ic["preference"]),
                    ic["router_lifetime"], ic["reachable_time"],
                    ic["retrans_timer"])
    if t == 136 and "router" in ic:
        nd["na"] = (int(ic["router"]), int(ic["solicited"]),
                    int(ic["override"]))
    if "target" in ic:
        nd["target"] = addr(ic["target"])
    if "destination" in ic:
        nd["dest"] = addr(ic["destination"])
    nd["prefix"] = [(addr(o["prefix"].split("/")[0]), o["prefix_len"],
                     int(o["onlink"]), int(o["autoconf"]), o["valid"],
                     o["preferred"]) for o in opts if o["type"] == 3]
    nd["route"] = [(addr(o["prefix"].split("/")[0]), o["prefix_len"],
                    PRF.get(o["preference"]), o["lifetime"])
                   for o in opts if o["type"] == 24]
    nd["mtu"] = [o["mtu"] for o in opts if o["type"] == 5]
    nd["rdnss"] = [addr(a) for o in opts if o["type"] == 25
                   for a in o.get("servers", [])]
    nd["dnssl"] = [d for o in opts if o["type"] == 31
                   for d in o.get("domains", [])]
    nd["slla"] = [mac(o["lladdr"]) for o in opts
                  if o["type"] == 1 and "lladdr" in o]
    nd["tlla"] = [mac(o["lladdr"]) for o in opts
                  if o["type"] == 2 and "lladdr" in o]
    # The JSON gives a Nonce option's length only (RFC 3971 section
    # 5.3.2: 6 octets or more), not its value.
    nd["nonce"] = [o.get("data_len") for o in opts if o["type"] == 14]
    return nd


def mld_ds(ic):
    t = ic["type"]
    if t not in (130, 131, 132, 143):
        return None
    if t in (130, 131, 132):
        return {"group": addr(ic["group"]) if "group" in ic else None,
                "sources": [addr(a) for a in ic.get("sources", [])]}
    return {"records": [(r["type"], addr(r["group"]),
                         [addr(a) for a in r.get("sources", [])])
                        for r in ic.get("records", [])]}


def read_ndjson(path):
    """Packet objects from dualstack's NDJSON output, skipping summary
    objects; raises ValueError on a line that is not JSON."""
    objs = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                objs.append(json.loads(line))
            except ValueError as e:
                raise ValueError("line %d is not JSON: %s" % (n, e))
    return objs


# --- the comparison ---------------------------------------------------------

def pick(pkt, cls):
    """The part of a plain packet a class compares."""
    ip = pkt.get("ip") or {}
    inner = pkt.get("inner") or {}
    if cls == "addr":
        return (ip.get("src"), ip.get("dst"), inner.get("src"),
                inner.get("dst"))
    if cls == "chain":
        return (ip.get("chain"), inner.get("chain"))
    if cls == "frag":
        return ip.get("frag") or []
    if cls == "rt":
        return (ip.get("rt") or [], ip.get("rt_addr") or [])
    if cls == "icmp6":
        return pkt.get("icmp6")
    if cls == "nd":
        return pkt.get("nd")
    if cls == "mld":
        return pkt.get("mld")
    if cls == "l4":
        return (ip.get("ports"), inner.get("ports"))
    if cls == "vlan":
        return pkt.get("vlan") or []
    raise KeyError(cls)


CLASSES = ["addr", "chain", "frag", "rt", "icmp6", "nd", "mld", "l4",
           "vlan"]


def chain_eq(d, t, t_open):
    if t is None or d is None:
        return d == t
    if t_open:
        return d[:len(t)] == t
    return d == t


NON_EXT_LAYERS = ("link", "ipv4", "ipv4-opt", "ipv6", "tcp", "tcp-opt",
                  "udp", "icmp6", "nd-opt", "mld", "icmp", "packet")


def tolerated(cls, d, t):
    """Differences that are a matter of presentation, not of decoding; a
    reason, or None.

    - A header cut short (dualstack: an error in that extension header,
      the header not in the chain) whose Next Header octet is there: tshark
      still shows that value. Allowed: tshark's chain one longer.
    - An ND option cut short (error in nd-opt): tshark lists its type,
      dualstack does not list the option. Allowed: one more type.
    - tshark stops at headers it does not walk (253, 254): dualstack's
      upper-layer ports behind them have no counterpart.
    """
    err = d.get("err") or {}
    layer = err.get("layer")
    if cls == "chain":
        dc, tc = pick(d, cls)[0], pick(t, cls)[0]
        if err and layer not in NON_EXT_LAYERS and dc is not None and \
                tc is not None and tc[:-1] == dc and \
                pick(d, cls)[1] == pick(t, cls)[1]:
            return "header cut short: tshark reads its Next Header"
    if cls == "nd" and layer == "nd-opt":
        dn, tn = dict(d.get("nd") or {}), dict(t.get("nd") or {})
        if tn.get("opts", [])[:-1] == dn.get("opts"):
            tn["opts"] = tn["opts"][:-1]
            if tn == dn:
                return "ND option cut short: tshark lists its type"
    if cls == "l4" and (t.get("ip") or {}).get("open") and \
            pick(t, cls) == (None, None):
        return "tshark does not walk past header %s" % \
            t["ip"]["chain"][-1]
    return None


def compare(ds_pkts, ts_pkts, out):
    bad = 0
    if len(ds_pkts) != len(ts_pkts):
        out.append(("not ok", "count", "dualstack %d packets, tshark %d" %
                    (len(ds_pkts), len(ts_pkts))))
        return 1
    out.append(("ok", "count", "%d packets" % len(ds_pkts)))
    for cls in CLASSES:
        diffs = []
        notes = []
        for i, (d, t) in enumerate(zip(ds_pkts, ts_pkts), 1):
            a, b = pick(d, cls), pick(t, cls)
            if cls == "chain":
                ti = (t.get("ip") or {})
                tn = (t.get("inner") or {})
                same = chain_eq(a[0], b[0], ti.get("open")) and \
                    chain_eq(a[1], b[1], tn.get("open"))
            else:
                same = a == b
            if not same:
                why = tolerated(cls, d, t)
                if why:
                    notes.append("packet %d: %s" % (i, why))
                    continue
                diffs.append("packet %d: dualstack %r, tshark %r" %
                             (i, a, b))
        if diffs:
            bad += 1
            out.append(("not ok", cls, "; ".join(diffs[:5]) +
                        (" (and %d more)" % (len(diffs) - 5)
                         if len(diffs) > 5 else "")))
        else:
            out.append(("ok", cls, "%d packets%s" % (
                len(ds_pkts), "; " + "; ".join(notes) if notes else "")))
    return bad


# --- truncated captures -------------------------------------------------------

def same_decode(d, ref):
    """The parts of two plain packets a cut must not change: everything
    but the anomalies, the error and the lengths of the capture."""
    skip = ("anom", "err", "caplen", "wirelen", "inner", "signature")
    a = {k: v for k, v in d.items() if k not in skip}
    b = {k: v for k, v in ref.items() if k not in skip}
    for x in (a, b):
        if "ip" in x:
            x["ip"] = {k: v for k, v in x["ip"].items()
                       if k not in ("anom", "err")}
    return a == b


def prefix_decode(d, ref):
    """d decodes a frame that ends, cleanly between two ND options, before
    the length its IPv6 header states: the same as ref except that each ND
    list holds a prefix of ref's. (dualstack flags the frame with
    len-mismatch and reports no error there; see trunc_check rule 3.)"""
    dn, rn = d.get("nd"), ref.get("nd")
    if not dn or not rn:
        return False
    for k, v in rn.items():
        w = dn.get(k)
        if isinstance(v, list):
            if not isinstance(w, list) or v[:len(w)] != w:
                return False
        elif w != v:
            return False
    a, b = dict(d), dict(ref)
    a.pop("nd")
    b.pop("nd")
    return same_decode(a, b)


def trunc_check(manifest_path, name, ndjson, mode):
    """The rules for a file of cut packets (gen.py hostile_files): each
    base packet is cut at every offset, then given whole.

    mode "capture": records with caplen < len (the capture cut them).
    mode "packet": whole frames (caplen == len) whose IP lengths promise
    more than the frame has.

    For every cut, against the whole packet's decode (the reference):
    1. the error, if any, is the truncation of this mode -- never
       "malformed" (the bytes present are all correct), never the other
       kind of truncation;
    2. no anomaly the reference lacks (mode packet: except len-mismatch);
    3. when there is no error, nothing is missing: the decode equals the
       reference's (same chain, ports, ICMPv6 and ND fields...) -- a
       decoder that stops quietly at the cut fails here. One exception in
       mode packet: a frame that ends between two ND options, flagged
       len-mismatch, may list only the options it holds;
    4. cuts inside the link + a minimal IP header (20 octets) are errors;
    5. mode packet: whenever the IP header was read, the lie is noticed
       (len-mismatch, or the short-packet error);
    6. the invoking packet of an ICMPv6 error obeys 1 and 3 as well.
    """
    with open(manifest_path) as f:
        recs = json.load(f)["records"][name]
    P = [norm_ds(o) for o in read_ndjson(ndjson)]
    out = []
    if len(P) != len(recs):
        out.append(("not ok", "one JSON object per record",
                    "%d objects, %d records" % (len(P), len(recs))))
        return out
    want_kind = "truncated" if mode == "capture" else "short-packet"
    groups = {}
    for i, (base, k, full) in enumerate(recs):
        groups.setdefault(base, {})[k] = i
    for base, cuts in groups.items():
        full = max(cuts)
        ref = P[cuts[full]]
        problems = []
        if ref["err"] or "len-mismatch" in ref["anom"]:
            problems.append("the whole packet: error %r, anomalies %r" %
                            (ref["err"], ref["anom"]))
        # Link header (Ethernet 14, QinQ 22, SLL2 20) + a minimal IPv4
        # header (20): a cut before that end is always an error.
        lmin = {"qinq": 22, "sll2": 20}.get(base, 14) + 20
        for k, i in sorted(cuts.items()):
            if k == full:
                continue
            d = P[i]
            kind = d["err"]["kind"] if d["err"] else None
            if kind not in (None, want_kind):
                problems.append("cut at %d: error %r" % (k, d["err"]))
            extra = set(d["anom"]) - set(ref["anom"])
            if mode == "packet":
                extra.discard("len-mismatch")
            if extra:
                problems.append("cut at %d: anomalies %s not in the whole "
                                "packet" % (k, sorted(extra)))
            if kind is None and not same_decode(d, ref) and not (
                    mode == "packet" and "len-mismatch" in d["anom"] and
                    prefix_decode(d, ref)):
                problems.append("cut at %d: no error, but the decode "
                                "differs from the whole packet's" % k)
            if k < lmin and kind != want_kind:
                problems.append("cut at %d (inside link + IP header): "
                                "error %r" % (k, d["err"]))
            if mode == "packet" and "ip" in d and kind is None and \
                    "len-mismatch" not in d["anom"]:
                problems.append("cut at %d: the IP length lies, no "
                                "len-mismatch" % k)
            ri, di = ref.get("inner"), d.get("inner")
            if di is not None and (ri is None or
                                   di["version"] != ri["version"] or
                                   di["src"] is None):
                problems.append("cut at %d: invoking packet shown as an "
                                "IPv%s header with source %r" %
                                (k, di["version"], di["src"]))
            elif di is not None:
                ik = di["err"]["kind"] if di["err"] else None
                rk = ri["err"]["kind"] if ri["err"] else None
                if ik not in (rk, want_kind):
                    problems.append("cut at %d: invoking packet error %r"
                                    % (k, di["err"]))
                if ik == rk and not same_decode(di, ri):
                    problems.append("cut at %d: invoking packet decoded "
                                    "differently without an error" % k)
        label = "%s: %d cuts agree with the whole packet" % (base,
                                                             len(cuts) - 1)
        if problems:
            out.append(("not ok", label, "; ".join(problems[:4]) +
                        (" (%d problems)" % len(problems)
                         if len(problems) > 4 else "")))
        else:
            out.append(("ok", label, ""))
    return out


def selftest(capture, ndjson):
    """Change one value per class in dualstack's plain packets and check
    that the comparison notices: the diff cannot pass by comparing
    nothing."""
    ts = [norm_tshark(r) for r in run_tshark(capture)]
    base = [norm_ds(o) for o in read_ndjson(ndjson)]
    out = []
    for cls in CLASSES:
        for i, p in enumerate(base):
            v = pick(p, cls)
            if not v or v == (None, None) or v == (None, None, None, None)\
                    or v == ([], []):
                continue
            d = json.loads(json.dumps(base))
            q = d[i]
            if cls == "addr":
                q["ip"]["src"] = "2001:db8::dead"
            elif cls == "chain":
                q["ip"]["chain"] = (q["ip"]["chain"] or []) + [17]
            elif cls == "frag":
                q["ip"]["frag"][0][0] += 8
            elif cls == "rt":
                q["ip"]["rt"] = (q["ip"].get("rt") or []) + [[9, 9]]
            elif cls == "icmp6":
                q["icmp6"]["code"] += 1
            elif cls == "nd":
                if q["nd"]["opts"]:
                    q["nd"]["opts"][-1] += 1
                else:
                    q["nd"]["target"] = "2001:db8::dead"
            elif cls == "mld":
                if "group" in q["mld"]:
                    q["mld"]["group"] = "ff0e::dead"
                else:
                    q["mld"]["records"] = q["mld"]["records"][:-1]
            elif cls == "l4":
                if q["ip"].get("ports"):
                    q["ip"]["ports"] = [1, 1]
                else:
                    q["inner"]["ports"] = [1, 1]
            elif cls == "vlan":
                q["vlan"] = [4095]
            res = []
            compare(d, ts, res)
            hit = [r for r in res if r[1] == cls and r[0] == "not ok"]
            out.append(("ok" if hit else "not ok", cls,
                        "a change in packet %d is %s" %
                        (i + 1, "noticed" if hit else "NOT noticed")))
            break
    return out


# --- the one-line output ------------------------------------------------------

def text_check(ndjson, textfile):
    """dualstack's default output against its own JSON: one line per
    packet, each line naming the chain's headers in order (the JSON
    "signature") and the source and destination, with the ports when
    there are some. Returns (status, detail)."""
    objs = read_ndjson(ndjson)
    with open(textfile, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f]
    if len(objs) != len(lines):
        return "not ok", "%d lines for %d packets" % (len(lines), len(objs))
    bad = []
    for i, (o, line) in enumerate(zip(objs, lines), 1):
        sig = (o.get("signature") or "").split()
        if len(sig) == 1 and "-" in sig[0]:
            sig = sig[0].split("-")
        if not sig or sig[0] not in ("ipv6", "ipv4"):
            continue
        # Drop what follows the first "{": the invoking packet's summary.
        words = [w.split("(")[0].split("+")[0]
                 for w in line.split("{")[0].split()]
        lw = [w.lower() for w in words]
        pos = 0
        for tok in sig:
            try:
                pos = lw.index(tok, pos) + 1
            except ValueError:
                bad.append("packet %d: %r lacks %r of %r" % (
                    i, line, tok, " ".join(sig)))
                break
        p = norm_ds(o)
        ip = p.get("ip") or {}
        for a, port in ((ip.get("src"), (ip.get("ports") or (None,))[0]),
                        (ip.get("dst"), (ip.get("ports") or
                                         (None, None))[1])):
            want = a if port is None else "%s.%d" % (a, port)
            if a and want not in words and want + ":" not in words:
                bad.append("packet %d: %r lacks %r" % (i, line, want))
    if bad:
        return "not ok", "; ".join(bad[:3])
    return "ok", "%d lines" % len(lines)


# --- the summary -------------------------------------------------------------

def stats_check(ndjson, statsjson):
    """dualstack --stats --json against the per-packet NDJSON of the same
    file: the counts must be the sums of what the packets say."""
    objs = read_ndjson(ndjson)
    with open(statsjson, encoding="utf-8") as f:
        st = json.load(f)
    out = []

    def cmp(what, want, got):
        out.append(("ok" if want == got else "not ok", what,
                    "" if want == got else
                    "packets say %r, --stats says %r" % (want, got)))

    cmp("packets", len(objs), st.get("packets"))
    chains = {}
    anoms = {}
    kinds = {"truncated": 0, "short-packet": 0, "malformed": 0}
    icmp6 = {}
    for o in objs:
        chains[o.get("signature")] = chains.get(o.get("signature"), 0) + 1
        for a in o.get("anomalies") or []:
            anoms[a] = anoms.get(a, 0) + 1
        k = (o.get("error") or {}).get("kind")
        if k in kinds:
            kinds[k] += 1
        p = norm_ds(o)
        if "icmp6" in p:
            t = (p["icmp6"]["type"], p["icmp6"]["code"])
            icmp6[t] = icmp6.get(t, 0) + 1
    listed = {c["chain"]: c["packets"] for c in st.get("chains", [])}
    if "(other)" in listed:
        # The summary keeps a bounded number of chains and lumps the
        # rest together: the listed ones are exact, the rest add up.
        other = listed.pop("(other)")
        mine = {k: chains.get(k) for k in listed}
        mine["(other)"] = sum(v for k, v in chains.items()
                              if k not in listed)
        listed["(other)"] = other
        cmp("chains (%d listed, the rest as (other))" % (len(listed) - 1),
            mine, listed)
    else:
        cmp("chains", chains, listed)
    cmp("anomalies", anoms, st.get("anomalies"))
    cmp("errors", kinds, {"truncated": st.get("truncated"),
                          "short-packet": st.get("short_packet"),
                          "malformed": st.get("malformed")})
    cmp("icmp6 types", icmp6, {(c["type"], c["code"]): c["packets"]
                               for c in st.get("icmp6", [])})
    return out


def main():
    try:
        return run(sys.argv)
    except Exception as e:  # one line, so the TAP stays readable
        print("not ok\tcompare.py %s\t%s: %s" %
              (sys.argv[1] if len(sys.argv) > 1 else "",
               type(e).__name__, e))
        return 1


def run(argv):
    sys.argv = argv
    if len(sys.argv) == 4 and sys.argv[1] == "get":
        J = read_ndjson(sys.argv[2])
        P = [norm_ds(o) for o in J]
        print(eval(sys.argv[3], {"P": P, "J": J}))  # noqa: S307
        return 0
    if len(sys.argv) == 6 and sys.argv[1] == "trunc":
        for st, what, detail in trunc_check(*sys.argv[2:]):
            print("%s\t%s\t%s" % (st, what, detail))
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "stats":
        for st, what, detail in stats_check(sys.argv[2], sys.argv[3]):
            print("%s\t%s\t%s" % (st, what, detail))
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "text":
        print("%s\ttext\t%s" % text_check(sys.argv[2], sys.argv[3]))
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "selftest":
        for st, cls, detail in selftest(sys.argv[2], sys.argv[3]):
            print("%s\t%s\t%s" % (st, cls, detail))
        return 0
    if len(sys.argv) >= 3 and sys.argv[1] == "tshark":
        for row in run_tshark(sys.argv[2]):
            print(json.dumps(norm_tshark(row)))
        return 0
    if len(sys.argv) >= 3 and sys.argv[1] == "ds":
        for o in read_ndjson(sys.argv[2]):
            print(json.dumps(norm_ds(o)))
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "diff":
        ts = [norm_tshark(r) for r in run_tshark(sys.argv[2])]
        ds = [norm_ds(o) for o in read_ndjson(sys.argv[3])]
        out = []
        compare(ds, ts, out)
        for st, cls, detail in out:
            print("%s\t%s\t%s" % (st, cls, detail))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
