#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Time one asyncio.open_connection() to HOST PORT, for bench/happy.sh.

  happy-asyncio.py [--delay MS] [--timeout S] HOST PORT

--delay MS passes happy_eyeballs_delay=MS/1000 and interleave=1, asyncio's
Happy Eyeballs (RFC 8305 style, Python 3.8+). Without it open_connection()
runs as asyncio does by default: no Happy Eyeballs, the addresses from
getaddrinfo() tried one after the other, each until the kernel gives up.

The name is resolved by getaddrinfo() (in the loop's default executor), as
asyncio always does, so the time includes the lookup of both families.
--timeout S bounds the whole open_connection() (asyncio.wait_for); default
20.

Prints "MS ADDRESS" (milliseconds with three decimals, the peer's address)
and exits 0 when connected; prints "fail MS ERROR" and exits 1 otherwise.
"""

import argparse
import asyncio
import sys
import time


async def connect(host, port, delay_ms, timeout):
    kw = {}
    if delay_ms is not None:
        kw = {"happy_eyeballs_delay": delay_ms / 1000.0, "interleave": 1}
    t0 = time.perf_counter()
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, **kw), timeout)
    except (OSError, asyncio.TimeoutError) as e:
        ms = (time.perf_counter() - t0) * 1000.0
        err = "timeout" if isinstance(e, asyncio.TimeoutError) else str(e)
        return 1, "fail %.3f %s" % (ms, err)
    ms = (time.perf_counter() - t0) * 1000.0
    peer = writer.get_extra_info("peername")[0]
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass
    return 0, "%.3f %s" % (ms, peer)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--delay", type=float, metavar="MS",
                    help="happy_eyeballs_delay in milliseconds")
    ap.add_argument("--timeout", type=float, default=20.0, metavar="S")
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    args = ap.parse_args()
    rc, line = asyncio.run(connect(args.host, args.port, args.delay,
                                   args.timeout))
    print(line)
    return rc


if __name__ == "__main__":
    sys.exit(main())
