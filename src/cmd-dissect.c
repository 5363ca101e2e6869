/* SPDX-License-Identifier: MIT */
/*
 * dualstack dissect: packets from a capture file or an interface, each with
 * its whole header chain.
 *
 *   one line per packet   TIME IPv6 hbh(RA) frag(...) udp SRC.P > DST.P ...
 *   -v                    a field tree with the offset of every field
 *   --json                NDJSON, one object per packet, every field
 *   --stats               a summary: chains, ICMP types, anomalies
 *
 * Reading is the capture module's (lib/capture.c), decoding the packet
 * module's (lib/packet.c); the dissect files only format. This one holds
 * the options and the reading loop; cmd-dissect-line.c,
 * cmd-dissect-tree.c and cmd-dissect-stats.c the three outputs, and
 * cmd-dissect-time.c the clock they share. It is
 * built for speed: a capture of a million packets must print faster than
 * tcpdump, so the hot path writes into one large buffer flushed with
 * write(2), formats numbers and addresses by hand, allocates nothing per
 * packet, and leaves printf to the -v tree and the summary.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dualstack/error.h"

#include "cmd-dissect-int.h"

static int cmd_dissect(int argc, char **argv);

const struct cli_command cli_cmd_dissect = {
    "dissect",
    "show packets from a capture file or an interface, header chain first",
    cmd_dissect,
    "[-r FILE | -i INTERFACE [-B SIZE]] [-v] [--json] [--stats] "
    "[-c COUNT] [--inner WORDS] [-w FILE] [-e] [-X | -x | -A] [FILTER...]",
};

static const char help_text[] =
    "\n"
    "Read pcap or pcapng packets and show each with its whole IPv6\n"
    "extension-header chain (or IPv4 header), the upper-layer facts, the\n"
    "anomalies a careful receiver would question and where a packet was\n"
    "cut short. Tunnels (6in4, 6to4, ISATAP, 4in6, IPv6 in IPv6, GRE,\n"
    "Teredo) are followed to the packet inside: 'OUTER | INNER'. FILTER is\n"
    "a pcap-filter(7) expression, as tcpdump takes it, on the outer packet.\n"
    "\n"
    "  -r FILE            read a pcap or pcapng file, or one compressed\n"
    "                     with gzip; '-' is standard input\n"
    "  -i INTERFACE       capture live ('any' for all; needs root or\n"
    "                     CAP_NET_RAW); Ctrl-C stops\n"
    "  --promisc          live: promiscuous mode (off by default)\n"
    "  -B SIZE            live: the kernel's capture buffer; a bare number\n"
    "                     is KiB as in tcpdump (4096), or 4M, 1G\n"
    "  -c COUNT           stop after COUNT packets that match FILTER\n"
    "  --inner WORDS      only packets whose innermost 5-tuple matches all\n"
    "                     the WORDS: ip4 ip6 tcp udp icmp6 icmp, proto N,\n"
    "                     host|src|dst ADDR[/LEN], port|sport|dport N\n"
    "                     (a packet outside tunnels: its own 5-tuple)\n"
    "  -w FILE            write the packets that pass FILTER and --inner\n"
    "                     to FILE as pcap ('-': standard output) instead\n"
    "                     of showing them (with --stats: and the summary)\n"
    "  -q, --quiet        no 'capturing on' line and no capture counts\n"
    "                     on stderr: the packets only\n"
    "  -v, --verbose      a field tree per packet, with offsets\n"
    "  -e                 the link-layer header at the start of each\n"
    "                     line: MAC addresses, EtherType, VLAN tags, the\n"
    "                     Linux cooked header, as tcpdump -e\n"
    "  -X                 hex and ASCII of each packet from its network\n"
    "                     header, as tcpdump -X; -XX from the link header\n"
    "                     (with --json: a \"hex\" member)\n"
    "  -x                 the same in hex only; -xx from the link header\n"
    "  -A                 each packet as ASCII, as tcpdump -A; -AA from\n"
    "                     the link header\n"
    "  --json             one JSON object per packet (NDJSON)\n"
    "  --stats            only a summary: chains, ICMP types, tunnels,\n"
    "                     anomalies\n"
    "                     (with --json, one JSON document)\n"
    "  --time=FORMAT      clock (default, HH:MM:SS UTC), date (full UTC\n"
    "                     date), epoch (seconds), relative (since the first\n"
    "                     packet)\n"
    "  -tt, -ttt, -tttt, -ttttt\n"
    "                     tcpdump's forms: --time=epoch, the time since\n"
    "                     the packet before, --time=date, and\n"
    "                     --time=relative\n"
    "  -n                 accepted for tcpdump habits (no name lookups)\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit status: 0 all read; 1 the file is damaged or cut short after\n"
    "some packets (they are shown); 2 usage error, bad filter, not a\n"
    "capture file, a pcapng file mixing link types; 3 system error, or\n"
    "no permission to capture.\n";

/* --- Reading -------------------------------------------------------------- */

static struct ds_capture *volatile g_capture;

static void
on_signal(int sig)
{
	struct ds_capture *c = g_capture;

	(void)sig;
	if (c)
		ds_capture_break(c);
}

/* The remaining arguments, joined with blanks as tcpdump does. */
static char *
join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* Report a failure to open the source; returns the exit status. */
static int
open_error(const char *file, const char *iface, int r, const char *err)
{
	if (file) {
		const char *name =
		    strcmp(file, "-") == 0 ? "standard input" : file;

		if (r == -EBADMSG) {
			cli_error("%s: not a pcap or pcapng file (%s)", name,
			    err[0] ? err : "bad header");
			return EXIT_USAGE;
		}
		if (r == -DS_E_CAPTURE_GZIP) {
			cli_error(
			    "%s: %s", name, err[0] ? err : ds_strerror(r));
			return EXIT_USAGE;
		}
		if (r == -ENODATA) {
			cli_error("%s: empty, not a pcap or pcapng file", name);
			return EXIT_USAGE;
		}
		cli_error("%s: %s", name, strerror(-r));
		return r == -ENOMEM || r == -EIO ? EXIT_INTERNAL : EXIT_USAGE;
	}
	switch (r) {
	case -EPERM:
		cli_error("capturing on %s needs root or CAP_NET_RAW (%s)",
		    iface, err[0] ? err : "permission denied");
		return EXIT_INTERNAL;
	case -ENODEV:
		cli_error("%s: no such interface", iface);
		return EXIT_USAGE;
	case -ENETDOWN:
		cli_error("%s: the interface is down", iface);
		return EXIT_INTERNAL;
	default:
		cli_error("%s: %s", iface, err[0] ? err : strerror(-r));
		return EXIT_INTERNAL;
	}
}

static int
run(struct dissect *d, struct ds_capture *c, uint64_t count)
{
	struct ds_capture_packet cp;
	uint64_t shown = 0;

	while (count == 0 || shown < count) {
		int r = ds_capture_next(c, &cp);
		int rc;

		if (r == -EAGAIN) {
			if (d->live)
				cli_out_flush(&d->o);
			continue;
		}
		if (r <= 0)
			return r;
		d->last_number = cp.number;
		rc = ds_packet_decode(
		    cp.data, cp.caplen, cp.wirelen, cp.linktype, &d->pkt);
		d->last_rc = rc;
		/* --inner decides after decoding, before counting. */
		if (d->have_inner &&
		    (rc < 0 || !dissect_inner_match(&d->inner, &d->pkt)))
			continue;
		shown++;
		if (d->w)
			ds_capture_write(d->w, &cp);
		if (d->stats && rc < 0)
			ds_packet_stats_add_undecoded(
			    &d->st, cp.linktype, cp.caplen, cp.wirelen);
		else if (d->stats)
			ds_packet_stats_add(&d->st, &d->pkt);
		else if (d->w)
			continue;
		else if (d->json)
			dissect_json(d, &cp, rc);
		else if (d->verbose)
			dissect_tree(d, &cp, rc);
		else
			dissect_line(d, &cp, rc);
		if (d->dump && !d->json && !d->stats)
			dissect_dump(d, &cp, rc);
		if (d->live && !d->stats)
			cli_out_flush(&d->o);
		if (d->o.failed)
			return 0;
	}
	return 0;
}

/*
 * -B: the kernel's capture buffer. A bare number is KiB, as tcpdump's -B
 * takes it, so that habits carry over; with a unit (K, M, G) it is what it
 * says. libpcap takes an int.
 */
static int
parse_buffer(const char *s, unsigned *ret)
{
	size_t n = strlen(s);
	uint64_t v;

	if (n > 0 && s[n - 1] >= '0' && s[n - 1] <= '9') {
		if (cli_parse_u64(s, INT32_MAX / 1024, &v) < 0)
			return -EINVAL;
		v *= 1024;
	} else if (cli_parse_size(s, INT32_MAX, &v) < 0) {
		return -EINVAL;
	}
	if (v < 1024)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

static int
cmd_dissect(int argc, char **argv)
{
	enum {
		O_JSON = 256,
		O_STATS,
		O_PROMISC,
		O_TIME,
		O_INNER,
	};
	static const struct option opts[] = {
	    {"json", no_argument, NULL, O_JSON},
	    {"stats", no_argument, NULL, O_STATS},
	    {"promisc", no_argument, NULL, O_PROMISC},
	    {"time", required_argument, NULL, O_TIME},
	    {"inner", required_argument, NULL, O_INNER},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static struct dissect d;
	const char *file = NULL, *iface = NULL, *wfile = NULL;
	struct ds_capture_live_opts lo = {0};
	struct ds_capture *cap = NULL;
	struct ds_capture_stats cs;
	char errbuf[DS_CAPTURE_ERRMAX] = "";
	char *filter = NULL;
	uint64_t count = 0;
	int c, r, code = EXIT_OK;
	unsigned tcount = 0, xcount = 0, Xcount = 0, acount = 0;
	bool damaged = false, have_time = false;

	/*
	 * Everything but the bytes of the output buffer, which are written
	 * before they are read, and the --stats counters, which
	 * ds_packet_stats_init() clears when they are used: the two are 2 MiB,
	 * and clearing them cost as many instructions as 10000 lines.
	 */
	memset(&d, 0, offsetof(struct dissect, o.buf));
	memset(&d.pkt, 0, sizeof(d.pkt));
	optind = 1;
	opterr = 0;
	while ((c = cli_getopt(&cli_cmd_dissect, argc, argv,
	            ":r:i:c:B:w:tnhXxAe", opts)) != -1) {
		switch (c) {
		case 'h':
			cli_usage(stdout, &cli_cmd_dissect);
			fputs(help_text, stdout);
			return cli_finish_stdout(EXIT_OK);
		case 'r':
			file = optarg;
			break;
		case 'i':
			iface = optarg;
			break;
		case 'c':
			if (cli_parse_u64(optarg, UINT64_MAX, &count) < 0 ||
			    count == 0)
				return cli_usage_error(&cli_cmd_dissect,
				    "-c takes a count from 1, not '%s'",
				    optarg);
			break;
		case 'B':
			if (parse_buffer(optarg, &lo.buffer_size) < 0)
				return cli_usage_error(&cli_cmd_dissect,
				    "-B takes a buffer size from 1 KiB to 2 "
				    "GiB (4096 is KiB as in tcpdump, or 4M), "
				    "not '%s'",
				    optarg);
			break;
		case 'w':
			wfile = optarg;
			break;
		case 't':
			tcount++;
			break;
		case 'X':
			Xcount++;
			break;
		case 'x':
			xcount++;
			break;
		case 'A':
			acount++;
			break;
		case 'e':
			d.link_hdr = true;
			break;
		case 'n':
			break;
		case O_JSON:
			d.json = true;
			break;
		case O_STATS:
			d.stats = true;
			break;
		case O_PROMISC:
			lo.flags |= DS_CAPTURE_PROMISC;
			break;
		case O_TIME:
			have_time = true;
			if (strcmp(optarg, "clock") == 0)
				d.tfmt = TIME_CLOCK;
			else if (strcmp(optarg, "date") == 0)
				d.tfmt = TIME_DATE;
			else if (strcmp(optarg, "epoch") == 0)
				d.tfmt = TIME_EPOCH;
			else if (strcmp(optarg, "relative") == 0)
				d.tfmt = TIME_RELATIVE;
			else
				return cli_usage_error(&cli_cmd_dissect,
				    "--time takes clock, date, epoch or "
				    "relative, not '%s'",
				    optarg);
			break;
		case O_INNER: {
			char why[160];

			if (d.have_inner)
				return cli_usage_error(&cli_cmd_dissect,
				    "give --inner once, with all its words");
			if (dissect_inner_parse(
			        optarg, &d.inner, why, sizeof(why)) < 0)
				return cli_usage_error(&cli_cmd_dissect,
				    "--inner '%s': %s", optarg, why);
			d.have_inner = true;
			break;
		}
		case ':':
			return cli_usage_error(&cli_cmd_dissect,
			    "option '%s' needs an argument", argv[optind - 1]);
		default:
			return cli_usage_error(&cli_cmd_dissect,
			    "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (tcount) {
		/* tcpdump's -t forms, in its meaning; -t alone (no time
		 * stamp) has no --time equivalent. */
		static const enum time_format tforms[] = {
		    [2] = TIME_EPOCH,
		    [3] = TIME_DELTA,
		    [4] = TIME_DATE,
		    [5] = TIME_RELATIVE,
		};

		if (have_time)
			return cli_usage_error(&cli_cmd_dissect,
			    "give --time or the -t forms, not both");
		if (tcount < 2 || tcount > 5)
			return cli_usage_error(&cli_cmd_dissect,
			    "-%.*s: the time forms are -tt (epoch), -ttt "
			    "(since the packet before), -tttt (date) and "
			    "-ttttt (since the first packet)",
			    (int)(tcount > 6 ? 6 : tcount), "tttttt");
		d.tfmt = tforms[tcount];
	}
	/* tcpdump's order: -X over -x over -A; a doubled letter starts the
	 * dump at the link header. */
	const char *shown_by = d.link_hdr ? "-e" : NULL;

	if (Xcount) {
		d.dump = DUMP_HEX_ASCII;
		d.dump_link = Xcount > 1;
		shown_by = shown_by ? shown_by : "-X";
	} else if (xcount) {
		d.dump = DUMP_HEX;
		d.dump_link = xcount > 1;
		shown_by = shown_by ? shown_by : "-x";
	} else if (acount) {
		d.dump = DUMP_ASCII;
		d.dump_link = acount > 1;
		shown_by = shown_by ? shown_by : "-A";
	}
	if (d.stats)
		ds_packet_stats_init(&d.st);
	if (!file == !iface)
		return cli_usage_error(&cli_cmd_dissect,
		    file ? "give -r FILE or -i INTERFACE, not both"
		         : "give -r FILE or -i INTERFACE");
	if (lo.buffer_size && !iface)
		return cli_usage_error(&cli_cmd_dissect,
		    "-B sets the buffer of a live capture: it goes with -i");
	d.verbose = cli_verbose();
	if (d.verbose && d.json)
		return cli_usage_error(&cli_cmd_dissect,
		    "-v and --json do not go together: JSON has every field");
	if (wfile && (d.verbose || (d.json && !d.stats)))
		return cli_usage_error(&cli_cmd_dissect,
		    "-w writes the packets instead of showing them: it does "
		    "not go with %s",
		    d.verbose ? "-v" : "--json (but with --stats --json)");
	if (shown_by && (wfile || d.stats))
		return cli_usage_error(&cli_cmd_dissect,
		    "%s changes how packets are shown: it does not go with "
		    "%s",
		    shown_by, wfile ? "-w" : "--stats");
	if (d.dump == DUMP_ASCII && d.json)
		return cli_usage_error(&cli_cmd_dissect,
		    "-A and --json do not go together: -X adds the bytes to "
		    "JSON, in hex");
	if (wfile && d.stats && strcmp(wfile, "-") == 0)
		return cli_usage_error(&cli_cmd_dissect,
		    "-w - and --stats would both write to standard output");

	if (file)
		r = ds_capture_new_file(file, errbuf, sizeof(errbuf), &cap);
	else
		r = ds_capture_new_live(
		    iface, &lo, errbuf, sizeof(errbuf), &cap);
	if (r < 0)
		return open_error(file, iface, r, errbuf);
	d.live = ds_capture_is_live(cap);
	d.digits = ds_capture_tstamp_digits(cap);
	d.source =
	    file ? (strcmp(file, "-") == 0 ? "standard input" : file) : iface;

	if (optind < argc) {
		filter = join_args(argc - optind, argv + optind);
		if (!filter) {
			cli_error("out of memory");
			ds_capture_free(cap);
			return EXIT_INTERNAL;
		}
		errbuf[0] = '\0';
		r = ds_capture_set_filter(cap, filter, errbuf, sizeof(errbuf));
		if (r < 0) {
			cli_error("bad filter '%s': %s", filter,
			    errbuf[0] ? errbuf : strerror(-r));
			free(filter);
			ds_capture_free(cap);
			return EXIT_USAGE;
		}
	}

	if (wfile) {
		errbuf[0] = '\0';
		r = ds_capture_writer_new(
		    cap, wfile, errbuf, sizeof(errbuf), &d.w);
		if (r < 0) {
			cli_error("-w %s: %s", wfile,
			    errbuf[0] ? errbuf : strerror(-r));
			free(filter);
			ds_capture_free(cap);
			return EXIT_INTERNAL;
		}
	}

	/* Ctrl-C ends a live capture (and a long file) cleanly: the summary
	 * and counters are still printed. No SA_RESTART: a blocked read
	 * returns at once. */
	struct sigaction sa = {0}, old_int, old_term;

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	g_capture = cap;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	if (d.live && !cli_quiet())
		fprintf(stderr, "%s: capturing on %s, link type %s\n", cli_prog,
		    iface,
		    ds_capture_linktype_name(ds_capture_linktype(cap))
		        ? ds_capture_linktype_name(ds_capture_linktype(cap))
		        : "?");

	r = run(&d, cap, count);

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	g_capture = NULL;

	if (r < 0 && r != -EINTR) {
		char msg[DS_CAPTURE_ERRMAX];

		ds_capture_last_error(cap, msg, sizeof(msg));
		cli_out_flush(&d.o);
		if (r == -DS_E_CAPTURE_LINKTYPES) {
			const char *a =
			    ds_capture_linktype_name(ds_capture_linktype(cap));
			const char *b = ds_capture_linktype_name(
			    ds_capture_other_linktype(cap));

			char at[48] = "before the first packet";

			if (d.last_number)
				snprintf(at, sizeof(at), "after packet %llu",
				    (unsigned long long)d.last_number);
			cli_error(
			    "%s: stopped %s: the pcapng file has "
			    "interfaces of different link types (%s, then "
			    "%s), and libpcap reads one link type per file; "
			    "split it by interface first, e.g. tshark -r "
			    "FILE -Y 'frame.interface_id == 1' -w "
			    "part.pcapng",
			    d.source, at, a ? a : "?", b ? b : "?");
			code = EXIT_USAGE;
		} else if (r == -EBADMSG) {
			cli_error("%s: damaged or cut short after packet %llu: "
			          "%s",
			    d.source, (unsigned long long)d.last_number,
			    msg[0] ? msg : "bad record");
			damaged = true;
			code = EXIT_FAILED;
		} else {
			cli_error("%s: read error: %s", d.source,
			    msg[0] ? msg : strerror(-r));
			code = EXIT_INTERNAL;
		}
	}
	if (d.w) {
		int wr = ds_capture_writer_close(d.w);

		d.w = NULL;
		if (wr < 0) {
			cli_error("-w %s: %s", wfile, strerror(-wr));
			code = EXIT_INTERNAL;
		}
	}
	ds_capture_stats(cap, &cs);
	if (d.stats) {
		if (d.json)
			dissect_stats_json(&d, &cs, damaged);
		else
			dissect_stats_text(&d, &cs);
	}
	cli_out_flush(&d.o);
	if (d.live && cs.have_kernel && !cli_quiet())
		fprintf(stderr,
		    "%llu packets captured\n%llu packets received by the "
		    "kernel\n%llu packets dropped by the kernel\n",
		    (unsigned long long)cs.packets,
		    (unsigned long long)cs.kernel_received,
		    (unsigned long long)cs.kernel_dropped);
	ds_capture_free(cap);
	free(filter);
	if (d.o.failed && !d.o.epipe)
		return EXIT_INTERNAL;
	return cli_finish_stdout(code);
}
