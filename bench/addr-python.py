#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Time Python's ipaddress on the list addr-bench writes.

    addr-bench --write FILE
    /usr/bin/python3 addr-python.py [--runs R] [--tsv] FILE

For each line: ipaddress.ip_address(line), then str() of the result, which
is the same parse + canonical format per address that addr-bench times for
dualstack and glibc. The best of R runs (default 3) counts.
"""

import argparse
import ipaddress
import sys
import time


def run(lines):
    """One pass over the list; returns (seconds, checksum, rejected)."""
    ip_address = ipaddress.ip_address
    total = 0
    bad = 0
    t0 = time.perf_counter()
    for s in lines:
        try:
            total += len(str(ip_address(s)))
        except ValueError:
            bad += 1
    return time.perf_counter() - t0, total, bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tsv", action="store_true",
                    help='print only "python<TAB>addresses per second"')
    ap.add_argument("file")
    args = ap.parse_args()

    with open(args.file, encoding="ascii") as f:
        lines = f.read().splitlines()
    if not lines:
        print("addr-python: empty list", file=sys.stderr)
        return 2

    best = None
    for _ in range(max(1, args.runs)):
        secs, total, bad = run(lines)
        best = secs if best is None else min(best, secs)
    rate = len(lines) / best
    if args.tsv:
        print(f"python\t{rate:.0f}")
    else:
        print(f"python ipaddress.ip_address + str  {rate:12.0f} addr/s "
              f"{1e9 / rate:7.1f} ns/addr (best of {args.runs}, "
              f"checksum {total})")
    if bad:
        print(f"addr-python: warning: {bad} addresses rejected",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
