/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_LOOP_H
#define DUALSTACK_LOOP_H

/*
 * ds_loop: a single-threaded event loop on epoll.
 *
 * It watches descriptors (level- or edge-triggered), runs one-shot timers
 * with absolute deadlines in microseconds on CLOCK_MONOTONIC (a binary
 * heap: O(log n) start and stop), delivers signals through a signalfd, and
 * runs deferred callbacks at the start of the next iteration. It is the
 * only place in libdualstack that blocks. Every time and duration here is
 * in microseconds, as everywhere in the library.
 *
 * Contract:
 * - A loop and every handle on it belong to one thread. Nothing here is
 *   thread-safe; different loops in different threads are independent
 *   (there is no global state).
 * - Callbacks are never invoked from inside the call that registered or
 *   armed them: a timer whose deadline has already passed fires on the
 *   next iteration, never in the one that started it; an io watch reports
 *   only what epoll reports.
 * - A timer never fires before its deadline: the loop sleeps until the
 *   microsecond it is due (epoll_pwait2; on kernels without it, whole
 *   milliseconds rounded up, so up to 1 ms late but never early).
 * - Starting or stopping a timer never allocates and cannot fail.
 * - Any callback may free its own handle, or any other handle, or start
 *   and stop timers; the loop re-checks each handle before dispatching
 *   the next event, so a handle freed earlier in the same iteration is
 *   never called.
 * - Timers fire in deadline order; timers due at the same microsecond
 *   fire in the order they were started.
 * - Handles are owned by the caller and freed with their _free function,
 *   which is NULL-safe and returns NULL (p = ds_io_free(p);). Freeing a
 *   handle never closes a descriptor the caller gave it.
 * - ds_loop_free() frees the handles still attached, so error paths do not
 *   leak; their owners must not use them after that.
 *
 * Embedding: ds_loop_get_fd() is the epoll descriptor (readable when an
 * event is pending) and ds_loop_get_timeout_us() the wait until the next
 * timer; call ds_loop_run_once(loop, 0) when either says so.
 */

#include <stdbool.h>
#include <stdint.h>

#include "dualstack/export.h"

struct ds_loop;
struct ds_io;
struct ds_timer;
struct ds_signal;
struct ds_defer;

/* Descriptor events. */
enum {
	DS_IO_IN = 1u << 0,   /* readable, or a peer closed (EPOLLIN) */
	DS_IO_OUT = 1u << 1,  /* writable (EPOLLOUT) */
	DS_IO_EDGE = 1u << 2, /* edge-triggered (EPOLLET); a request flag */
	DS_IO_HUP = 1u << 3,  /* reported: hang-up (EPOLLHUP, EPOLLRDHUP) */
	DS_IO_ERR = 1u << 4,  /* reported: error pending (EPOLLERR) */
};

typedef void ds_io_fn(
    struct ds_io *io, int fd, unsigned events, void *userdata);
typedef void ds_timer_fn(struct ds_timer *t, void *userdata);
typedef void ds_signal_fn(struct ds_signal *s, int signo, void *userdata);
typedef void ds_defer_fn(struct ds_defer *d, void *userdata);

/* --- The loop ------------------------------------------------------------ */

/* Create a loop. Returns 0 or -errno (-EMFILE, -ENOMEM). */
DS_EXPORT int ds_loop_new(struct ds_loop **ret);

/*
 * Free the loop and every handle still attached. NULL-safe; returns NULL.
 * Not from one of the loop's own callbacks: there it does nothing and
 * returns the loop (stop the loop and free it after ds_loop_run returns).
 */
DS_EXPORT struct ds_loop *ds_loop_free(struct ds_loop *loop);

/*
 * Run until ds_loop_stop() is called, and return the code given to it.
 * Also returns (with 0) when nothing is left that could ever wake the loop:
 * no enabled io watch, no active timer, no signal, no scheduled defer.
 * Returns -errno if epoll_wait fails for a reason other than EINTR, and
 * -EBUSY when called from one of the loop's callbacks.
 */
DS_EXPORT int ds_loop_run(struct ds_loop *loop);

/*
 * One iteration: run deferred callbacks, wait at most timeout_us
 * microseconds (-1: until the next timer or event; 0: do not wait; 0 as
 * well once deferred callbacks have run), dispatch what is ready, then due
 * timers. Returns the number of callbacks run, -EBUSY from a callback, or
 * -errno.
 */
DS_EXPORT int ds_loop_run_once(struct ds_loop *loop, int64_t timeout_us);

/*
 * Make ds_loop_run() return 'code' (>= 0) after the current callback;
 * called before ds_loop_run(), it returns at once. Inside
 * ds_loop_run_once() it ends that iteration only. Events read but not yet
 * dispatched are kept for the next iteration, so edge-triggered readiness
 * is never lost.
 */
DS_EXPORT void ds_loop_stop(struct ds_loop *loop, int code);

/* The epoll descriptor, for embedding in another loop. Owned by the loop. */
DS_EXPORT int ds_loop_get_fd(const struct ds_loop *loop);

/*
 * Microseconds until the next timer is due; 0 if one is, or if other work
 * is pending (a scheduled defer, an iteration cut short by ds_loop_stop());
 * -1 if nothing is. An embedder that waits in whole milliseconds rounds
 * it up.
 */
DS_EXPORT int64_t ds_loop_get_timeout_us(struct ds_loop *loop);

/*
 * The loop's idea of now: CLOCK_MONOTONIC in microseconds, read once per
 * iteration so that every callback of one iteration sees the same value
 * (outside callbacks, starting a timer reads it afresh). The clock of
 * ds_timer_start_at() deadlines and of ds_time_now_us().
 */
DS_EXPORT uint64_t ds_loop_now(const struct ds_loop *loop);

/* CLOCK_MONOTONIC now, in microseconds, read fresh. For measurements. */
DS_EXPORT uint64_t ds_time_now_us(void);

/* --- Descriptors -----------------------------------------------------------
 */

/*
 * Watch fd for 'events' (DS_IO_IN, DS_IO_OUT, optionally DS_IO_EDGE); cb
 * gets what happened, possibly with DS_IO_HUP (a half-close is reported
 * only to watches with DS_IO_IN) or DS_IO_ERR. events 0 adds the watch
 * disabled. The descriptor stays the caller's: it must stay open while
 * watched, and ds_io_free() does not close it. Allocates the handle (and
 * grows the loop's fd table). Returns 0 or -errno: -EEXIST if fd is already
 * watched on this loop, -EINVAL for bits other than IN, OUT and EDGE,
 * -EBADF or -EPERM for a descriptor epoll cannot watch.
 */
DS_EXPORT int ds_io_new(struct ds_loop *loop, int fd, unsigned events,
    ds_io_fn *cb, void *userdata, struct ds_io **ret);

/* Change what is watched; 0 disables the watch. Returns 0 or -errno. */
DS_EXPORT int ds_io_set_events(struct ds_io *io, unsigned events);

DS_EXPORT unsigned ds_io_get_events(const struct ds_io *io);
DS_EXPORT int ds_io_get_fd(const struct ds_io *io);

/* Stop watching and free. Safe inside the io's own callback. */
DS_EXPORT struct ds_io *ds_io_free(struct ds_io *io);

/* --- Timers -------------------------------------------------------------- */

/*
 * Create a stopped one-shot timer and reserve its place in the timer heap,
 * so that starting it never allocates. Returns 0 or -ENOMEM.
 */
DS_EXPORT int ds_timer_new(struct ds_loop *loop, ds_timer_fn *cb,
    void *userdata, struct ds_timer **ret);

/*
 * (Re)arm to fire once when ds_loop_now() reaches deadline_us; never
 * before, and never in the iteration that started it (a deadline already
 * past fires in the next one). A running timer is moved. To repeat, start
 * it again from its callback, from its old deadline for a steady period.
 * UINT64_MAX means never. Does not allocate.
 */
DS_EXPORT void ds_timer_start_at(struct ds_timer *t, uint64_t deadline_us);

/*
 * (Re)arm to fire once, delay_us after ds_loop_now() (outside callbacks
 * the clock is read afresh first): ds_timer_start_at(t, now + delay_us),
 * saturating, so a huge delay means never.
 */
DS_EXPORT void ds_timer_start_in(struct ds_timer *t, uint64_t delay_us);

/* Disarm; nothing happens if it is not armed. */
DS_EXPORT void ds_timer_stop(struct ds_timer *t);

DS_EXPORT bool ds_timer_is_active(const struct ds_timer *t);

/* Disarm and free. Safe inside the timer's own callback. */
DS_EXPORT struct ds_timer *ds_timer_free(struct ds_timer *t);

/* --- Signals ------------------------------------------------------------- */

/*
 * Deliver signal signo (SIGINT, SIGTERM, SIGHUP, SIGCHLD, ...) to cb on the
 * loop. The signal is blocked in the calling thread (sigprocmask) and read
 * from a signalfd; several arrivals between two iterations may be merged
 * into one callback, as the kernel merges standard signals. One handle per
 * signal number per loop (-EEXIST otherwise); -EINVAL for numbers outside
 * 1-64, SIGKILL, SIGSTOP and glibc's reserved 32 and 33. ds_signal_free()
 * restores the signal's blocked state from before ds_signal_new(); a signal
 * still pending then gets its normal disposition. Returns 0 or -errno.
 */
DS_EXPORT int ds_signal_new(struct ds_loop *loop, int signo, ds_signal_fn *cb,
    void *userdata, struct ds_signal **ret);

DS_EXPORT struct ds_signal *ds_signal_free(struct ds_signal *s);

/* --- Deferred callbacks -------------------------------------------------- */

/* Create an idle defer handle. Returns 0 or -ENOMEM. */
DS_EXPORT int ds_defer_new(struct ds_loop *loop, ds_defer_fn *cb,
    void *userdata, struct ds_defer **ret);

/*
 * Run cb once at the start of the next iteration, before the loop waits.
 * Scheduling an already scheduled defer does nothing. A defer scheduled from
 * a deferred callback runs in the iteration after, never in a tight loop
 * within one.
 */
DS_EXPORT void ds_defer_schedule(struct ds_defer *d);

DS_EXPORT void ds_defer_cancel(struct ds_defer *d);

DS_EXPORT struct ds_defer *ds_defer_free(struct ds_defer *d);

#endif
