/* SPDX-License-Identifier: MIT */
/*
 * dualstack mcast check: join a group and look at what the join did.
 * The wire is watched while the socket joins, for the IGMP or MLD report
 * the kernel must send (RFC 3376 section 5.1, RFC 3810 section 6.1); the
 * host's memberships are read back from /proc; and what would stop
 * reception is named. The library turns the facts into findings
 * (ds_mcast_check_findings()); the words for them are here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dualstack/addr.h"
#include "dualstack/capture.h"
#include "dualstack/error.h"
#include "dualstack/fw.h"
#include "dualstack/host.h"

#include "cli-finding.h"
#include "cli.h"
#include "cmd-mcast-words.h"
#include "cmd-mcast-int.h"

static const char check_help[] =
    "\n"
    "check: open a capture on IFACE, join GROUP (with --source: only that\n"
    "source's datagrams), and wait up to --timeout (default 2s) for the\n"
    "IGMP or MLD report the kernel sends for the join. Then read the\n"
    "host's memberships (/proc/net/igmp, igmp6, mcfilter, mcfilter6) and\n"
    "say what would stop reception:\n"
    "  - IFACE down, without a carrier, with multicast off, or without an\n"
    "    address of the family (IPv4: any; IPv6: a link-local);\n"
    "  - the interface the routing table sends the group by without -i,\n"
    "    when it is not IFACE (ip route get GROUP);\n"
    "  - the group joined by other sockets only on another interface;\n"
    "  - the firewall: the live ruleset (nft -j list ruleset) is asked\n"
    "    what happens to UDP to GROUP (and PORT, if given) arriving on\n"
    "    IFACE and to the report leaving it; a rule that drops either is\n"
    "    named (chain, handle, the rule). Without nft or root that part\n"
    "    is not evaluated, and said so;\n"
    "  - strict rp_filter on IPv4, a hop limit of 1 for a group that is\n"
    "    meant to cross routers.\n"
    "Watching the wire needs root (CAP_NET_RAW); without it that part is\n"
    "a warning.\n"
    "\n"
    "  GROUP[:PORT]           the group (IPv6 with a port in brackets:\n"
    "                         [ff15::1]:6000); the port only matters\n"
    "                         to the firewall (without it: any port)\n"
    "  -i, --interface IFACE  the interface to join on and watch (needed)\n"
    "      --source ADDR      join source-specific (needed for 232/8 and\n"
    "                         ff3x::/32)\n"
    "      --timeout TIME     how long to wait for the report (2s)\n"
    "      --json             one JSON document: the findings\n"
    "\n"
    "Exit status: 0 nothing wrong was found, 1 a finding is an error (no\n"
    "report, no membership, the interface unusable, a firewall drop),\n"
    "2 usage error, 3 system error.\n";

/* The most memberships read from one file: a host joins a few dozen
 * groups per interface; a router with thousands is not what this checks. */
#define MAX_MEMBERS 4096

/* The largest /proc file read: MAX_MEMBERS lines of at most ~110 bytes. */
#define PROC_MAX (MAX_MEMBERS * 128)

struct check {
	struct mcast_loop ml;
	struct mcast_target t;
	struct ds_capture *cap;
	struct ds_io *cap_io;
	struct ds_timer *deadline;
	enum ds_mcast_report_kind report;
	uint64_t start_us;
};

static void
on_capture(struct ds_io *io, int fd, unsigned events, void *u)
{
	struct check *ck = u;
	struct ds_capture_packet pkt;

	(void)io;
	(void)fd;
	(void)events;
	while (ds_capture_next(ck->cap, &pkt) == 1) {
		enum ds_mcast_report_kind k;

		if (ds_mcast_report_match(pkt.data, pkt.caplen, pkt.linktype,
		        &ck->t.spec, &k) == 1) {
			ck->report = k;
			ds_loop_stop(ck->ml.loop, 0);
			return;
		}
	}
}

/* Read a whole /proc file into buf (size bytes); its length or -errno. */
static long
read_file(const char *path, char *buf, size_t size)
{
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return -errno;
	while (n < size) {
		ssize_t r = read(fd, buf + n, size - n);

		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	return (long)n;
}

/* The memberships of one /proc file into out; how many (0 when the file
 * cannot be read or parsed, with a warning). */
static size_t
read_members(
    enum ds_mcast_proc kind, const char *path, struct ds_mcast_membership *out)
{
	static char buf[PROC_MAX];
	size_t line = 0;
	long len = read_file(path, buf, sizeof(buf));
	int n;

	if (len < 0) {
		cli_error("%s: %s", path, ds_strerror((int)len));
		return 0;
	}
	n = ds_mcast_proc_parse(
	    kind, buf, (size_t)len, out, MAX_MEMBERS, &line);
	if (n < 0) {
		cli_error(
		    "%s: line %zu: not as the kernel writes it", path, line);
		return 0;
	}
	return (size_t)n < MAX_MEMBERS ? (size_t)n : MAX_MEMBERS;
}

/* rp_filter of IPv4 on ifname: the higher of "all" and the interface's
 * (Documentation/networking/ip-sysctl.rst); -1 when unreadable. */
static int
rp_filter(const char *ifname)
{
	char path[96], buf[16];
	int v = -1;
	const char *which[] = {"all", ifname};

	for (size_t i = 0; i < 2; i++) {
		long n;

		snprintf(path, sizeof(path),
		    "/proc/sys/net/ipv4/conf/%s/rp_filter", which[i]);
		n = read_file(path, buf, sizeof(buf) - 1);
		if (n <= 0)
			return -1;
		buf[n] = '\0';
		if (atoi(buf) > v)
			v = atoi(buf);
	}
	return v;
}

/*
 * The live ruleset into *ret and facts->fw, or why not into
 * facts->fw_err: a check that cannot read it says so as a finding and
 * goes on, since the firewall is one of several things it looks at.
 * nft's own complaint is not shown: the finding says what failed.
 */
static void
load_ruleset(struct ds_mcast_check_facts *facts, struct ds_fw **ret)
{
	struct ds_fw *fw = NULL;
	int r;

	r = ds_fw_new(&fw);
	if (r == 0)
		r = ds_fw_load_live(fw, -1, &facts->fw_status, NULL);
	if (r < 0) {
		facts->fw_err = r;
		ds_fw_free(fw);
		return;
	}
	facts->fw = fw;
	*ret = fw;
}

/* The host's memberships on the interface checked, one line each:
 * "  ff02::1 (2 sockets)", sources after it for SSM. */
static void
print_members(const struct ds_mcast_check_facts *fa)
{
	char g[DS_ADDR_STRLEN], s[DS_ADDR_STRLEN];

	printf("memberships on %s:\n", fa->ifname);
	for (size_t i = 0; i < fa->n_members; i++) {
		const struct ds_mcast_membership *m = &fa->members[i];

		if (m->ifindex != fa->spec.ifindex)
			continue;
		ds_addr_format(&m->group, 0, g, sizeof(g));
		printf("  %s (%u socket%s)", g, m->users,
		    m->users == 1 ? "" : "s");
		for (size_t k = 0; k < fa->n_filters; k++) {
			const struct ds_mcast_membership *x = &fa->filters[k];

			if (x->ifindex != m->ifindex ||
			    !ds_addr_equal(&x->group, &m->group))
				continue;
			ds_addr_format(&x->source, 0, s, sizeof(s));
			printf(" %s %s", x->include ? "from" : "not from", s);
		}
		printf("\n");
	}
}

int
mcast_check(const struct cli_command *cmd, int argc, char **argv)
{
	static struct check ck;
	static struct ds_mcast_membership members[MAX_MEMBERS],
	    filters[MAX_MEMBERS];
	struct mcast_args a = {.timeout_us = 2 * CLI_S};
	struct ds_capture_live_opts co = {.flags = DS_CAPTURE_NONBLOCK};
	struct ds_mcast_check_facts facts = {0};
	struct ds_mcast_opts mo = {.hops = 1};
	struct ds_mcast_sock *s = NULL;
	static struct ds_host_facts host;
	struct ds_finding f[DS_MCAST_CHECK_FINDINGS_MAX];
	struct ds_host_route route;
	struct cli_endpoint given;
	struct ds_fw *fw = NULL;
	uint16_t port = 0;
	char errbuf[DS_CAPTURE_ERRMAX], bracketed[DS_ADDR_STRLEN + 2];
	struct ds_addr probe;
	bool v4, failed = false;
	size_t n;
	int r, code;

	memset(&ck, 0, sizeof(ck));
	code = mcast_args_parse(cmd, argc, argv,
	    MO_IFACE | MO_SOURCE | MO_TIMEOUT | MO_JSON, check_help, &a);
	if (code != -1)
		return code;
	if (!a.ifname)
		return cli_usage_error(cmd,
		    "check needs -i IFACE: the interface to join on and watch");
	/* check takes a group and never a port, so a bare IPv6 group whose
	 * last group is decimal ("ff3e::8000:4077") is no ambiguity here:
	 * it goes to the shared grammar in brackets. */
	if (strchr(a.target, ':') && a.target[0] != '[' &&
	    strlen(a.target) < sizeof(bracketed) - 2 &&
	    ds_addr_parse(a.target, strlen(a.target), 0, &probe, NULL) == 0) {
		snprintf(bracketed, sizeof(bracketed), "[%s]", a.target);
		a.target = bracketed;
	}
	code = mcast_target_parse(
	    a.target, false, a.ifname, a.source, false, false, &ck.t);
	if (code != EXIT_OK)
		return code;
	/* Whether a port was given: the same word again with no default
	 * port (0), which only the firewall part asks about. */
	if (cli_parse_endpoint("", a.target,
	        CLI_EP_ZONE_ELSEWHERE | CLI_EP_PORT_OPTIONAL, 0,
	        &given) == EXIT_OK)
		port = given.ep.port;
	v4 = ck.t.spec.group.family == AF_INET;
	if (mcast_loop_open(&ck.ml) < 0) {
		cli_error("cannot make an event loop");
		return EXIT_INTERNAL;
	}
	/*
	 * The capture first, so that the report the join sends at once is
	 * not missed. MLD messages follow a Hop-by-Hop header with the
	 * Router Alert (RFC 3810 section 5), which BPF's "icmp6" does not
	 * look past: all of IPv6 is taken and the decoder finds them.
	 */
	r = ds_capture_new_live(
	    ck.t.ifname, &co, errbuf, sizeof(errbuf), &ck.cap);
	if (r == 0)
		r = ds_capture_set_filter(
		    ck.cap, v4 ? "igmp" : "ip6", errbuf, sizeof(errbuf));
	if (r == 0)
		r = ds_io_new(ck.ml.loop, ds_capture_get_fd(ck.cap), DS_IO_IN,
		    on_capture, &ck, &ck.cap_io);
	if (r < 0) {
		facts.capture_err = r;
		ck.cap = ds_capture_free(ck.cap);
	}
	mo.family = ck.t.spec.group.family;
	mo.ifindex = ck.t.spec.ifindex;
	r = ds_mcast_sock_new(ck.ml.loop, &mo, NULL, NULL, &s);
	if (r == 0)
		r = ds_mcast_join(s, &ck.t.spec);
	if (r < 0) {
		code = mcast_fail("join", &ck.t, r);
		goto out;
	}
	ck.start_us = ds_time_now_us();
	if (ck.cap) {
		if (ds_timer_new(ck.ml.loop, mcast_timer_stop, &ck.ml,
		        &ck.deadline) < 0) {
			code = EXIT_INTERNAL;
			goto out;
		}
		ds_timer_start_in(ck.deadline, a.timeout_us);
		ds_loop_run(ck.ml.loop);
	}
	/* A one-shot check cut short: 128 + the signal (dualstack(1),
	 * EXIT STATUS). */
	if (ck.ml.interrupted) {
		code =
		    cli_interrupted(ck.ml.signo, ds_time_now_us() - ck.start_us,
		        "joined %s; the check of its membership report did not "
		        "finish",
		        ck.t.ifname);
		goto out;
	}
	/* The memberships while the socket still holds the join. */
	facts.spec = ck.t.spec;
	memcpy(facts.ifname, ck.t.ifname, sizeof(facts.ifname));
	facts.report = ck.report;
	facts.waited_us = ds_time_now_us() - ck.start_us;
	facts.members = members;
	facts.n_members =
	    read_members(v4 ? DS_MCAST_PROC_IGMP : DS_MCAST_PROC_IGMP6,
	        v4 ? "/proc/net/igmp" : "/proc/net/igmp6", members);
	facts.filters = filters;
	facts.n_filters =
	    read_members(v4 ? DS_MCAST_PROC_MCFILTER : DS_MCAST_PROC_MCFILTER6,
	        v4 ? "/proc/net/mcfilter" : "/proc/net/mcfilter6", filters);
	facts.rp_filter = v4 ? rp_filter(ck.t.ifname) : -1;
	if (ds_host_links_read(&host) == 0 && host.links_err == 0)
		facts.host = &host;
	facts.route_asked = true;
	facts.route_err = ds_host_route_get(&ck.t.spec.group, &route);
	if (facts.route_err == 0)
		facts.route_oif = route.oif;
	facts.port = port;
	load_ruleset(&facts, &fw);
	n = ds_mcast_check_findings(&facts, f, DS_MCAST_CHECK_FINDINGS_MAX);
	if (a.json) {
		struct json j;

		json_init(&j, stdout, false);
		json_begin_object(&j);
		json_kv_addr(&j, "group", &ck.t.spec.group);
		json_kv_addr(&j, "source", &ck.t.spec.source);
		if (port)
			json_kv_u64(&j, "port", port);
		json_kv_string(&j, "interface", ck.t.ifname);
		json_key(&j, "findings");
		json_begin_array(&j);
		for (size_t i = 0; i < n; i++)
			json_finding(&j, &f[i]);
		json_end(&j);
		json_key(&j, "memberships");
		json_begin_array(&j);
		for (size_t i = 0; i < facts.n_members; i++) {
			const struct ds_mcast_membership *m = &members[i];

			if (m->ifindex != ck.t.spec.ifindex)
				continue;
			json_begin_object(&j);
			json_kv_addr(&j, "group", &m->group);
			json_kv_u64(&j, "users", m->users);
			json_key(&j, "sources");
			json_begin_array(&j);
			for (size_t k = 0; k < facts.n_filters; k++) {
				char sa[DS_ADDR_STRLEN];

				if (filters[k].ifindex != m->ifindex ||
				    !ds_addr_equal(
				        &filters[k].group, &m->group))
					continue;
				ds_addr_format(
				    &filters[k].source, 0, sa, sizeof(sa));
				json_string(&j, sa);
			}
			json_end(&j);
			json_end(&j);
		}
		json_end(&j);
		json_end(&j);
		json_finish(&j);
	}
	for (size_t i = 0; i < n; i++) {
		char text[512];

		failed |= f[i].severity == DS_SEV_ERROR;
		if (a.json)
			continue;
		if (mcast_finding_text(&f[i], text, sizeof(text)) < 0)
			snprintf(text, sizeof(text), "%s",
			    ds_finding_token(f[i].code));
		printf("%-7s %s\n", ds_severity_token(f[i].severity), text);
		if (f[i].severity > DS_SEV_OK &&
		    cli_finding_rule(&f[i], text, sizeof(text)) >= 0)
			printf("        by %s\n", text);
	}
	if (!a.json)
		print_members(&facts);
	code = failed ? EXIT_FAILED : EXIT_OK;
out:
	ds_fw_free(fw);
	ds_timer_free(ck.deadline);
	ds_io_free(ck.cap_io);
	ds_capture_free(ck.cap);
	ds_mcast_sock_free(s);
	mcast_loop_close(&ck.ml);
	return cli_finish_stdout(code);
}
