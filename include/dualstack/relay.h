/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_RELAY_H
#define DUALSTACK_RELAY_H

/*
 * ds_relay: relay bytes between two connected stream sockets on a
 * ds_loop, both ways, until both are done; or, with ds_relay_new_ends(),
 * between any two descriptors (sockets, pipes, a terminal, files).
 *
 * Guarantees:
 * - Every byte read from one side is written to the other, in order,
 *   none lost, none added (besides the bytes given to send first).
 * - Zero copy for bulk data: each direction starts with recv(2)/send(2)
 *   through a buffer, which is cheaper for short exchanges, and moves to
 *   splice(2) -- socket to pipe to socket -- once it carries bulk data
 *   (a read fills the buffer, or four buffers' worth have passed). If a
 *   pipe cannot be had (EMFILE, ENFILE) or splice refuses the
 *   descriptors (EINVAL), that direction stays with buffers for the rest
 *   of the relay; when the context's pipe_max pipes are all out, it
 *   uses buffers until one is free. No byte is lost or reordered in any
 *   switch.
 * - Exact half-close: end of stream from A (a FIN) is passed on to B as
 *   shutdown(B, SHUT_WR) once everything A sent before it has been
 *   written to B; B to A keeps flowing until B ends too. The relay is
 *   over when both directions have ended (or on reset, error, timeout).
 * - A reset is passed on as a reset: when one side resets (ECONNRESET
 *   on a read, or on a write to it: EPIPE, ECONNRESET), the other is
 *   closed with SO_LINGER {1, 0}, which sends an RST, and bytes still in
 *   flight toward the reset side are dropped, as TCP would.
 * - Backpressure: a side is only read while the pipe or buffer toward
 *   the other side has room; when the other side's socket is full the
 *   relay waits for it to drain (EPOLLOUT) and stops reading. Memory and
 *   pipe use per direction are bounded by the pipe or buffer size.
 * - Small when idle: pipes and buffers are borrowed from the context's
 *   pool when bytes arrive and given back when the direction has nothing
 *   in flight, so an idle relay holds no pipe, no buffer and no
 *   descriptor besides its two sockets: just struct ds_relay, two io
 *   watches and one timer (ds_relay_sizeof() says how many bytes).
 * - A stalled relay holds no pipe either: a direction whose destination
 *   has taken nothing from its pipe for a second reads the pipe's bytes
 *   into a buffer, gives the pipe back and goes on with buffers (and
 *   with splice again once the destination reads and bulk data flows).
 *   So a peer that never reads costs its two sockets and at most a
 *   buffer, never a pipe, and with pipe_max the pipes open at once are
 *   bounded whatever the peers do.
 * - The idle timeout restarts on any byte in either direction; it costs
 *   no timer operation per byte (the deadline is checked when the timer
 *   fires, and moved then).
 *
 * How each end closes the sockets: the EOF ends, a timeout and
 * ds_relay_close(false) close normally (the kernel still answers an RST
 * where unread bytes are queued, as TCP says); a reset passes an RST to
 * the other side; DS_RELAY_ERROR and ds_relay_close(true) reset both.
 *
 * A reset from a side the relay is neither reading (its FIN was read, or
 * backpressure holds it) nor writing to is noticed at the next write to
 * it, or by the idle timeout: a watch with nothing wanted is out of
 * epoll, as the loop does it. TCP itself learns no sooner.
 *
 * SIGPIPE: splice(2) has no MSG_NOSIGNAL, so a splice into a socket
 * whose peer has gone raises SIGPIPE. A program that relays must ignore
 * it (signal(SIGPIPE, SIG_IGN)); the library does not change the
 * process's signal dispositions behind its back.
 *
 * Threads: a context, its relays and its pool belong to the loop's thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dualstack/export.h"
#include "dualstack/loop.h"

/* Options for every relay of a context. Zero-initialise, then set. */
struct ds_relay_opts {
	uint64_t idle_timeout_us; /* 0: none */
	bool no_splice;           /* never splice (for tests and comparison) */
	/* Pipe capacity (F_SETPIPE_SZ; 0: the kernel's default, 64 KiB) and
	 * buffer size for the fallback (0: 64 KiB). */
	uint32_t pipe_size;
	uint32_t buffer_size;
	/* Spare pipes and buffers kept for reuse (0: 64 of each). */
	uint32_t pool_max;
	/* Pipes open at once, lent or spare, at most (0: no limit); each
	 * is two descriptors. A direction that finds none free moves its
	 * bulk data through a buffer until one is. */
	uint32_t pipe_max;
};

/* How a relay ended. A is the first socket given, B the second. */
enum ds_relay_end {
	DS_RELAY_EOF_A = 1, /* both directions ended; A's FIN came first */
	DS_RELAY_EOF_B,     /* both directions ended; B's FIN came first */
	DS_RELAY_RESET_A,   /* A reset (or a write to A failed): RST to B */
	DS_RELAY_RESET_B,   /* B reset (or a write to B failed): RST to A */
	DS_RELAY_TIMEOUT,   /* idle for idle_timeout_us: both closed */
	DS_RELAY_CLOSED,    /* ds_relay_close() */
	DS_RELAY_ERROR,     /* another error; see err */
};

/* "eof-a", "eof-b", "reset-a", "reset-b", "timeout", "closed", "error". */
DS_EXPORT const char *ds_relay_end_name(enum ds_relay_end e);

struct ds_relay_stats {
	uint64_t a_to_b; /* bytes written to B that came from A */
	uint64_t b_to_a;
	uint64_t pre_b;        /* of the bytes given to send first, written */
	uint64_t start_us;     /* ds_loop_now() at ds_relay_new() */
	uint64_t last_us;      /* last byte either way */
	bool a_eof, b_eof;     /* that side's FIN has been read */
	bool spliced;          /* at least one byte went through a pipe */
	bool fallback;         /* a direction fell back to buffers */
	enum ds_relay_end end; /* 0 while running */
	int err;               /* -errno for DS_RELAY_ERROR and resets */
	/* Where err came from: the side (0 A, 1 B) a read from or a write
	 * to (err_write) failed; -1 when no side did (memory, the loop). */
	int8_t err_side;
	bool err_write;
};

struct ds_relay_ctx;
struct ds_relay;

/*
 * Called once when the relay is over: both sockets are already closed (an
 * RST sent where a reset was passed on). The callback may free the relay;
 * nothing else is done with it after the callback returns.
 */
typedef void ds_relay_done_fn(
    struct ds_relay *r, const struct ds_relay_stats *st, void *userdata);

/* A context: options (NULL: all defaults) and the pool of pipes and
 * buffers. -EINVAL for a pipe or buffer size below 4096 or above 1 GiB,
 * -ENOMEM. */
DS_EXPORT int ds_relay_ctx_new(struct ds_loop *loop,
    const struct ds_relay_opts *opts, struct ds_relay_ctx **ret);

/* Free the context, its pool and every relay made from it, running or
 * ended but not yet freed (running ones are closed without callbacks);
 * every relay pointer is invalid afterwards. Free it before its loop.
 * NULL-safe; returns NULL. */
DS_EXPORT struct ds_relay_ctx *ds_relay_ctx_free(struct ds_relay_ctx *ctx);

/*
 * Relay between fd_a and fd_b (connected, non-blocking stream sockets,
 * as ds_listen and ds_connect give them), which the relay now owns and
 * closes. pre_b[0..pre_b_len) is copied and written to B before any byte
 * from A (a PROXY header, bytes already read from A); may be NULL/0.
 * What can move at once does, before this returns: pre_b, and what A has
 * already sent (a client's request is usually there by the time its
 * backend is connected), which saves a trip through epoll.
 * cb is called once at the end, from the loop, never from inside
 * ds_relay_new(). On failure (-EINVAL for a NULL context, -EBADF for a
 * negative descriptor or fd_a equal to fd_b, -ENOMEM, -errno from epoll)
 * the sockets are NOT closed: they stay the caller's.
 */
DS_EXPORT int ds_relay_new(struct ds_relay_ctx *ctx, int fd_a, int fd_b,
    const void *pre_b, size_t pre_b_len, ds_relay_done_fn *cb, void *userdata,
    struct ds_relay **ret);

/*
 * One end of a relay made with ds_relay_new_ends(): the descriptor read
 * and the one written, the same for a socket, two for standard input and
 * output. rfd -1: nothing to read (an end of stream at once). Sockets,
 * pipes, terminals and regular files are served; what is not a socket is
 * read with read(2) and written with write(2), its end of stream is not
 * passed on to it (there is no half-close; the relay goes on), and it
 * is never reset: a failure on it ends the relay with DS_RELAY_ERROR and
 * the sockets close normally. A descriptor epoll refuses (a regular
 * file, /dev/null: they never block) is driven by a deferred callback.
 */
struct ds_relay_end_fds {
	int rfd, wfd;
	unsigned flags; /* DS_RELAY_SHARED */
};

enum {
	/*
	 * The end's descriptors are shared with other processes (the
	 * standard input and output of a shell, a terminal) and may be
	 * blocking: the relay never sets O_NONBLOCK on them (the flag
	 * belongs to the open file, so it would change it for everyone),
	 * reads them once per readiness (which then does not block),
	 * writes at most PIPE_BUF bytes per readiness (which a pipe or a
	 * terminal with room takes without blocking, POSIX write(2)),
	 * never splices to or from them, and does not close them.
	 */
	DS_RELAY_SHARED = 1u << 0,
};

/* Flags for ds_relay_new_ends(). */
enum {
	/*
	 * The relay is over once B's end of stream has been passed on and
	 * everything before it written to A (DS_RELAY_EOF_B), whatever A
	 * still has to say: netcat's rule for a client whose peer is done.
	 */
	DS_RELAY_END_WITH_B = 1u << 0,
};

/*
 * Relay between two ends of any kind (see struct ds_relay_end_fds),
 * with the guarantees of ds_relay_new() for the sockets among them. The
 * relay owns and closes the descriptors not marked DS_RELAY_SHARED;
 * those that are not shared must be non-blocking. Nothing is moved
 * before the loop runs. Returns 0, -EINVAL (a NULL argument, unknown
 * flags), -EBADF (wfd negative, or fstat(2) fails), -ENOMEM or -errno
 * from epoll; on failure nothing is closed.
 */
DS_EXPORT int ds_relay_new_ends(struct ds_relay_ctx *ctx,
    const struct ds_relay_end_fds *a, const struct ds_relay_end_fds *b,
    unsigned flags, ds_relay_done_fn *cb, void *userdata,
    struct ds_relay **ret);

/* The counters so far (also valid inside and after the callback). */
DS_EXPORT const struct ds_relay_stats *ds_relay_stats(const struct ds_relay *r);

/*
 * End a relay now: both sockets closed (with RST when reset is true, else
 * a normal close that lets the kernel send what is queued), the callback
 * called on the next iteration with DS_RELAY_CLOSED. For drain deadlines.
 * Nothing happens once it is over.
 */
DS_EXPORT void ds_relay_close(struct ds_relay *r, bool reset);

/*
 * Free. A relay still running is closed without a callback. NULL-safe;
 * returns NULL. Safe from the relay's own callback.
 */
DS_EXPORT struct ds_relay *ds_relay_free(struct ds_relay *r);

/* Relays running on the context now. */
DS_EXPORT size_t ds_relay_ctx_active(const struct ds_relay_ctx *ctx);

/*
 * Bytes of user-space memory an idle relay takes: struct ds_relay, its two
 * io watches and its timer, as allocated. For documentation and the
 * benchmark. The loop's bookkeeping (a timer-heap slot and two fd-table
 * entries, 40 bytes) and the kernel's socket buffers come on top.
 */
DS_EXPORT size_t ds_relay_sizeof(void);

#endif
