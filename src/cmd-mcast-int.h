/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CMD_MCAST_INT_H
#define DUALSTACK_CMD_MCAST_INT_H

/*
 * What the parts of "dualstack mcast" share: the group argument and -i,
 * the loop with its signals, and the way an interface, a time and a
 * datagram are shown, all in cmd-mcast-common.c. cmd-mcast.c holds the
 * command, listen and send and calls cmd-mcast-ping.c (ping and its
 * responder) and cmd-mcast-check.c; they call only cmd-mcast-common.c,
 * and are handed the command for their usage messages.
 */

#include <stdbool.h>
#include <stdint.h>

#include "dualstack/addr.h"
#include "dualstack/loop.h"
#include "dualstack/mcast.h"

#include "cli.h"

/*
 * The port when GROUP has none: iperf's UDP port, so that "mcast listen
 * 239.1.1.1 -i eth0" sees what "iperf -u -c 239.1.1.1" sends.
 */
#define MCAST_DEFAULT_PORT 5001

/* The most --hops: the TTL and hop limit fields are 8 bits (RFC 791,
 * RFC 8200). */
#define MCAST_MAX_HOPS 255

/* The largest datagram sent: 65535 less the IPv4 and UDP headers (RFC
 * 768), so that both families can carry it. */
#define MCAST_MAX_SIZE 65507

/* A group, its port, the interface and a source, as the command line
 * gave them and as the library checked them. */
struct mcast_target {
	struct ds_endpoint ep;     /* the group and the port */
	struct ds_mcast_spec spec; /* group (no zone), source, ifindex */
	char ifname[DS_ZONE_MAX];  /* "" when none */
};

/*
 * GROUP[:PORT] (port_required: GROUP:PORT), -i's value (NULL: none) and
 * --source's (NULL: any source) into *t, checked with ds_mcast_resolve()
 * for joining, or for sending (send; no_loop for --no-loop). Returns EXIT_OK,
 * or says what is wrong and returns EXIT_USAGE.
 */
int mcast_target_parse(const char *group, bool port_required,
    const char *ifname, const char *source, bool send, bool no_loop,
    struct mcast_target *t);

/* "eth0", or the index in buf when it has no name now. Returns buf. */
const char *mcast_ifname(uint32_t ifindex, char *buf, size_t size);

/* A time in µs since the epoch, RFC 3339 UTC with microseconds; 40
 * bytes always suffice. */
void mcast_time(uint64_t us, char *buf, size_t size);

/* End one NDJSON line and make the writer ready for the next document. */
void mcast_json_next(struct json *j);

/* Microseconds of CLOCK_REALTIME. */
uint64_t mcast_now_us(void);

/* The options of the subcommands, one bit each, and their values. */
enum {
	MO_IFACE = 1u << 0,
	MO_SOURCE = 1u << 1,
	MO_COUNT = 1u << 2,
	MO_TIMEOUT = 1u << 3,
	MO_HOPS = 1u << 4,
	MO_RATE = 1u << 5,
	MO_SIZE = 1u << 6,
	MO_NO_LOOP = 1u << 7,
	MO_JSON = 1u << 8,
	MO_INTERVAL = 1u << 9,
	MO_WAIT = 1u << 10,
	MO_RESPOND = 1u << 11,
};

struct mcast_args {
	const char *ifname, *source; /* NULL: not given */
	const char *target;          /* the one operand */
	uint64_t count;
	bool count_given;
	uint64_t count_max;
	uint64_t timeout_us, interval_us, wait_us;
	unsigned hops;
	size_t size;
	bool no_loop, json, respond;
};

/*
 * Parse argv (argv[0] the subcommand) into *a, which holds the defaults,
 * taking only the options in allowed and exactly one operand. Returns -1
 * to go on; otherwise the exit code: EXIT_OK after --help (help text
 * after the usage), EXIT_USAGE after saying what is wrong.
 */
int mcast_args_parse(const struct cli_command *cmd, int argc, char **argv,
    unsigned allowed, const char *help, struct mcast_args *a);

/* mcast ping and ping --respond (cmd-mcast-ping.c). */
int mcast_ping(const struct cli_command *cmd, int argc, char **argv);

/* mcast check (cmd-mcast-check.c). */
int mcast_check(const struct cli_command *cmd, int argc, char **argv);

/* A loop that stops on SIGINT and SIGTERM: *interrupted is set. */
struct mcast_loop {
	struct ds_loop *loop;
	struct ds_signal *sigint, *sigterm;
	bool interrupted;
	int signo; /* the signal that set it */
};

int mcast_loop_open(struct mcast_loop *ml);

/* A timer callback that stops the loop; userdata is the mcast_loop. */
void mcast_timer_stop(struct ds_timer *t, void *userdata);
void mcast_loop_close(struct mcast_loop *ml);

/* Say why a socket or a join failed: "join [ff02::1]:5001 on eth0:
 * reason". Returns the exit code: EXIT_USAGE for the library's own
 * codes and -ENODEV, else EXIT_FAILED. */
int mcast_fail(const char *what, const struct mcast_target *t, int err);

/* A random 32-bit session number for probes. */
uint32_t mcast_session(void);

/* A rate in datagrams per second, "10" or "0.5", above 0 and at most
 * max; into the interval in µs. Returns 0 or -EINVAL. */
int mcast_parse_rate(const char *s, double max, uint64_t *ret_interval_us);

#endif
