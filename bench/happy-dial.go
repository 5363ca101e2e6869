// SPDX-License-Identifier: MIT
//
// Time one net.Dialer.Dial("tcp", HOST:PORT), for bench/happy.sh.
//
//	happy-dial [-delay MS] [-timeout D] HOST PORT
//
// -delay sets Dialer.FallbackDelay (Go's RFC 6555 "Fast Fallback": the
// first family's addresses one after the other, the other family's after
// the delay); 0 keeps Go's default, 300 ms. -timeout is Dialer.Timeout
// (default 20s), which Go also splits between the addresses of a family
// (each gets the time left divided by the addresses left, at least 2 s).
// Run with GODEBUG=netdns=go for the pure Go resolver, which reads
// /etc/resolv.conf and sends the A and AAAA queries together.
//
// Prints "MS ADDRESS" and exits 0 when connected; "fail MS ERROR" and 1
// otherwise.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"time"
)

func main() {
	delay := flag.Float64("delay", 0, "FallbackDelay in ms (0: Go's default)")
	timeout := flag.Duration("timeout", 20*time.Second, "Dialer.Timeout")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: happy-dial [-delay MS] [-timeout D] HOST PORT")
		os.Exit(2)
	}
	d := net.Dialer{
		Timeout:       *timeout,
		FallbackDelay: time.Duration(*delay * float64(time.Millisecond)),
	}
	t0 := time.Now()
	c, err := d.Dial("tcp", net.JoinHostPort(flag.Arg(0), flag.Arg(1)))
	ms := float64(time.Since(t0).Microseconds()) / 1000
	if err != nil {
		fmt.Printf("fail %.3f %v\n", ms, err)
		os.Exit(1)
	}
	host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
	c.Close()
	fmt.Printf("%.3f %s\n", ms, host)
}
