/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_LOAD_H
#define DUALSTACK_LOAD_H

/*
 * ds_load: a load generator for echo-style TCP servers, on a ds_loop, and
 * the log-bucket latency histogram it records into.
 *
 * A run keeps 'concurrency' client slots busy. Each slot connects to the
 * target, sends a message, waits for the whole reply, checks every byte of
 * it against what it sent, records the round trip's latency, and repeats
 * 'messages' times; then it closes the connection and starts the next one,
 * until 'connections' have been made or 'duration_us' has passed. A slot
 * whose connection fails (refused, reset, timed out, a byte differs, the
 * peer closed early) counts the error by kind, closes, and goes on with the
 * next connection.
 *
 * Message content comes from a cheap PRNG seeded by the run's seed, the
 * connection's serial number and the message's index, so no two messages
 * of a run are alike and an echo of the wrong bytes (a stale buffer, a
 * reply meant for another connection) is caught.
 *
 * Nothing is allocated per message: each slot has a send and a receive
 * buffer of one message, allocated by ds_load_new(). A round trip costs a
 * send(), usually one recv() and a share of one epoll_wait().
 *
 * Threads: a ds_load belongs to its loop's thread. Its latencies are
 * ds_hist values (hist.h).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dualstack/addr.h"
#include "dualstack/export.h"
#include "dualstack/hist.h"
#include "dualstack/loop.h"

/* --- Load generator ------------------------------------------------------- */

/*
 * What the messages look like on the wire. In each protocol the server is
 * expected to send back exactly the message it received, framing
 * included, and the reply is checked byte for byte.
 */
enum ds_load_proto {
	DS_LOAD_ECHO = 1, /* 'size' random bytes */
	DS_LOAD_LEN32,    /* 4-byte big-endian length 'size', then the bytes */
	DS_LOAD_LINE,     /* 'size' printable bytes (no '\r'), then '\n' */
};

/* "echo", "len32", "line" both ways; parse returns 0 or -EINVAL. */
DS_EXPORT const char *ds_load_proto_name(enum ds_load_proto p);
DS_EXPORT int ds_load_proto_parse(const char *s, enum ds_load_proto *ret);

/* Why a connection failed. Each failure counts once, in one kind. */
enum ds_load_err {
	DS_LOAD_ERR_REFUSED = 0, /* ECONNREFUSED */
	DS_LOAD_ERR_RESET,       /* ECONNRESET, ECONNABORTED, EPIPE */
	DS_LOAD_ERR_TIMEOUT,     /* no progress for timeout_us; ETIMEDOUT */
	DS_LOAD_ERR_MISMATCH,    /* a reply byte differs from the one sent */
	DS_LOAD_ERR_CLOSED, /* the peer closed before the reply was whole */
	DS_LOAD_ERR_OTHER,  /* anything else; see other_err */
	DS_LOAD_ERR_KINDS
};

/* "refused", "reset", "timeout", "mismatch", "closed", "other". */
DS_EXPORT const char *ds_load_err_name(enum ds_load_err kind);

/* messages: keep each connection open until the run ends. */
#define DS_LOAD_FOREVER UINT64_MAX

/*
 * Limits, checked by ds_load_new() (-DS_E_LOAD_CONCURRENCY and
 * -DS_E_LOAD_SIZE beyond them): more slots than
 * the ephemeral port range could ever give one target (net.ipv4.
 * ip_local_port_range is at most 1024-65535) make no sense, and 16 MiB
 * messages are already far beyond what an echo round trip measures.
 * DS_LOAD_MAX_MEMORY bounds the buffers of all slots together (two
 * messages each): -DS_E_LOAD_MEMORY beyond it.
 */
#define DS_LOAD_MAX_CONCURRENCY 65536u
#define DS_LOAD_MAX_SIZE (16u << 20)
#define DS_LOAD_MAX_MEMORY ((size_t)1 << 30)

/* What to run. Zero-initialise, then set what you need. */
struct ds_load_config {
	/*
	 * Where to connect: a numeric endpoint. A link-local IPv6 address
	 * needs its zone: scope_id, or a zone name, which the socket address
	 * resolves (ds_addr_zone_index()); port 0 is -EINVAL.
	 */
	struct ds_endpoint target;
	enum ds_load_proto proto; /* 0 means DS_LOAD_ECHO */
	/* Slots, 1 to DS_LOAD_MAX_CONCURRENCY; 0 means 1. No more slots
	 * than 'connections' are used. */
	uint32_t concurrency;
	/* Connections to make in all, failed ones included; 0 for no
	 * limit, which needs duration_us. */
	uint64_t connections;
	/* Stop after this long; 0 for no limit, which needs connections. */
	uint64_t duration_us;
	/* Round trips per connection; 0 connects and closes (a connection
	 * rate test); DS_LOAD_FOREVER keeps every connection until the run
	 * ends and needs duration_us. */
	uint64_t messages;
	/* Payload bytes per message, up to DS_LOAD_MAX_SIZE; the echo
	 * protocol needs at least 1. */
	uint32_t size;
	/* A connection that makes no progress (connect, bytes sent or
	 * received) for this long fails as a timeout; 0 means 5 s. Checked
	 * by one timer for all slots, every timeout_us / 4 (10 to 100 ms). */
	uint64_t timeout_us;
	/* Call on_progress this often; 0: never. */
	uint64_t progress_us;
	uint64_t seed; /* for the message content; any value */
};

/*
 * Counts of a run so far. Byte counts are wire bytes, framing included.
 * The connection counts add up: every connection begun is ok, failed, or
 * (only once the run is over) unfinished.
 */
struct ds_load_result {
	uint64_t elapsed_us;  /* since the first connect, to now or the end */
	uint64_t connections; /* ended: ok + failed */
	uint64_t connections_ok; /* every message verified, or open and
	                          * healthy at the end with DS_LOAD_FOREVER */
	uint64_t connections_failed;
	uint64_t connections_unfinished; /* cut short by the end of the run */
	uint32_t open;                   /* established right now */
	uint64_t messages; /* round trips whose reply was whole and right */
	uint64_t bytes_sent;
	uint64_t bytes_received;
	uint64_t errors[DS_LOAD_ERR_KINDS];
	int other_err; /* the first DS_LOAD_ERR_OTHER, as -errno; else 0 */
	bool done;     /* the run is over */
	bool stopped;  /* it was ended by ds_load_stop() */
	struct ds_hist latency; /* us per round trip: send start to last
	                         * reply byte */
	struct ds_hist connect; /* us from connect() to established */
};

struct ds_load;

/*
 * Progress and completion. r stays valid until ds_load_free(); both
 * callbacks may call ds_load_stop(), and the done callback may free l.
 */
typedef void ds_load_fn(
    struct ds_load *l, const struct ds_load_result *r, void *userdata);

/*
 * Set up a run on loop; it starts on the loop's next iteration. cfg is
 * copied. on_progress (every cfg->progress_us) and on_done (once, when
 * the run is over) may be NULL; neither is called from inside this
 * function. Returns 0, -EINVAL for an unknown protocol, a -DS_E_LOAD_*
 * code for a run it refuses (error.h; -DS_E_LOAD_MEMORY for buffers over
 * DS_LOAD_MAX_MEMORY), -DS_E_PORT_MISSING for port 0,
 * -DS_E_ZONE_UNKNOWN for a zone without an interface index, or
 * -ENOMEM. Sockets are made as the
 * run goes; their failures are counted in the result, not returned.
 */
DS_EXPORT int ds_load_new(struct ds_loop *loop,
    const struct ds_load_config *cfg, ds_load_fn *on_progress,
    ds_load_fn *on_done, void *userdata, struct ds_load **ret);

/*
 * End the run now (e.g. on SIGINT): close every connection, counting those
 * in progress as unfinished, and call on_done on the next iteration.
 * Nothing happens if the run is already over.
 */
DS_EXPORT void ds_load_stop(struct ds_load *l);

/* The counts so far, elapsed_us brought up to now while running. Owned
 * by l. */
DS_EXPORT const struct ds_load_result *ds_load_get_result(struct ds_load *l);

/*
 * Close every connection and free, before the loop is freed (ds_loop_free()
 * frees the timers l holds). Safe inside on_done. NULL-safe; returns NULL.
 */
DS_EXPORT struct ds_load *ds_load_free(struct ds_load *l);

/*
 * Blocking convenience: run cfg on a private loop until it is over and
 * copy the result to *ret. on_progress may be NULL. Returns 0 (whatever
 * errors the run counted), or -errno when the run could not be set up or
 * the loop failed.
 */
DS_EXPORT int ds_load_run(const struct ds_load_config *cfg,
    ds_load_fn *on_progress, void *userdata, struct ds_load_result *ret);

#endif
