/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_WORKERS_H
#define DUALSTACK_WORKERS_H

/*
 * ds_workers: N worker threads, each with its own ds_loop, that run one
 * service each (a ds_proxy, a ds_server, a reach agent...) on
 * SO_REUSEPORT listeners of the same ports, sharing nothing but read-only
 * configuration. It is the runtime behind "-j N" of proxy, serve and
 * reach serve.
 *
 * Worker 0 runs on the caller's loop (the main loop, which also takes the
 * signals); workers 1 to N-1 run on loops of their own, on threads started
 * by ds_workers_start(). The main thread talks to a worker through a pipe
 * the worker's loop watches, and the workers answer through one pipe the
 * main loop watches. A message is one write(2) of at most PIPE_BUF bytes,
 * which POSIX makes atomic, so the answers of several workers never mix.
 *
 * Use:
 *   1. ds_workers_new() on the main loop; then, for every worker i, build
 *      its service on ds_workers_loop(ws, i) from the main thread, with
 *      its listeners opened with reuseport (before privileges are
 *      dropped). Port 0: open worker 0's first and give the others the
 *      port it got. To keep every client prefix on one worker, steer the
 *      listeners of one worker with ds_listener_steer().
 *   2. ds_workers_start(): the threads run, with the signals blocked (the
 *      main thread takes them).
 *   3. ds_workers_drain() and ds_workers_config() from the main thread;
 *      each service calls ds_workers_done() on its worker's thread when
 *      its drain has ended. Events come to the main loop.
 *   4. On DS_WORKERS_EV_STOPPED: ds_loop_stop() the main loop, then
 *      ds_workers_join(); the services may now be read and freed from the
 *      main thread; then ds_workers_free().
 *
 * Durations are in microseconds.
 */

#include <stddef.h>
#include <stdint.h>

#include "dualstack/export.h"
#include "dualstack/loop.h"

/* Worker threads: more than the cores of any machine this runs on. */
#define DS_WORKERS_MAX 64

struct ds_workers;

/* What the workers do, called on worker i's thread (worker 0: the main
 * thread). */
struct ds_workers_ops {
	/*
	 * Stop accepting, let open work finish for at most drain_us (0: end
	 * it now), then call ds_workers_done(). Called again while
	 * draining, it only moves the deadline earlier. Returns the
	 * connections open when it was called. Required.
	 */
	size_t (*drain)(struct ds_workers *ws, unsigned i, uint64_t drain_us,
	    void *userdata);
	/* Use cfg (given to ds_workers_config()) from now on. NULL when
	 * ds_workers_config() is never called. */
	void (*config)(
	    struct ds_workers *ws, unsigned i, const void *cfg, void *userdata);
};

enum ds_workers_event_kind {
	/*
	 * Every worker asked by one ds_workers_drain() call has begun
	 * draining (or was done already): conns is the connections open
	 * then, all workers together, drain_us the call's, round 1 for the
	 * first call, 2 for the next...
	 */
	DS_WORKERS_EV_DRAINING = 1,
	/* Worker 'worker' is done: its drain ended, or with err < 0 its
	 * loop failed (the other workers are then drained at once). */
	DS_WORKERS_EV_DONE,
	/* Every worker is done. The usual reaction is ds_loop_stop(). */
	DS_WORKERS_EV_STOPPED,
	/* Every worker uses cfg now. */
	DS_WORKERS_EV_CONFIG,
	/* No worker uses cfg any more, nor will: the caller may free it. */
	DS_WORKERS_EV_RELEASED,
};

/* "draining", "done", "stopped", "config", "released"; NULL if unknown. */
DS_EXPORT const char *ds_workers_event_name(enum ds_workers_event_kind kind);

struct ds_workers_event {
	enum ds_workers_event_kind kind;
	unsigned worker;   /* DONE */
	int err;           /* DONE: -errno when the worker's loop failed */
	size_t conns;      /* DRAINING */
	uint64_t drain_us; /* DRAINING */
	unsigned round;    /* DRAINING */
	const void *cfg;   /* CONFIG, RELEASED */
};

/* Called on the main loop. It may call every function here but
 * ds_workers_join() and ds_workers_free(). */
typedef void ds_workers_event_fn(
    struct ds_workers *ws, const struct ds_workers_event *ev, void *userdata);

/*
 * n workers (1 to DS_WORKERS_MAX), worker 0 on main_loop, the others on
 * loops of their own (made now, run by ds_workers_start()). cfg is the
 * configuration every service starts with (may be NULL), tracked like the
 * ones given to ds_workers_config(). ops is copied. Returns 0, -EINVAL, or
 * -errno (-ENOMEM, -EMFILE).
 */
DS_EXPORT int ds_workers_new(struct ds_loop *main_loop, unsigned n,
    const struct ds_workers_ops *ops, const void *cfg,
    ds_workers_event_fn *on_event, void *userdata, struct ds_workers **ret);

/* How many workers there are. */
DS_EXPORT unsigned ds_workers_count(const struct ds_workers *ws);

/* Worker i's loop (worker 0's is the main loop), for building its
 * service; NULL for an i out of range. */
DS_EXPORT struct ds_loop *ds_workers_loop(
    const struct ds_workers *ws, unsigned i);

/*
 * Start the threads of workers 1 to N-1, every signal blocked in them but
 * those a fault raises (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP,
 * SIGABRT).
 * Returns 0 or -errno from pthread_create(); on failure the threads that
 * started are drained at once by ds_workers_join().
 */
DS_EXPORT int ds_workers_start(struct ds_workers *ws);

/*
 * Main thread: every worker not done yet drains (see ops.drain), in
 * drain_us at most; DS_WORKERS_EV_DRAINING follows once all have
 * answered, DS_WORKERS_EV_STOPPED once all are done. Returns 0 or -errno
 * (the pipe to a worker failed).
 */
DS_EXPORT int ds_workers_drain(struct ds_workers *ws, uint64_t drain_us);

/*
 * Main thread: every worker uses cfg from now on (see ops.config); the
 * caller keeps it alive until DS_WORKERS_EV_RELEASED for it or until
 * ds_workers_free(). Each call takes a new pointer. Returns 0, -ENOMEM or
 * -errno.
 */
DS_EXPORT int ds_workers_config(struct ds_workers *ws, const void *cfg);

/* Worker i's thread: its service's drain has ended. Worker i's loop
 * (i > 0) stops. */
DS_EXPORT void ds_workers_done(struct ds_workers *ws, unsigned i);

/*
 * Main thread, its loop not running: workers still running are drained at
 * once and every thread is waited for. The services belong to the main
 * thread again. Returns 0 or the first error of a worker's loop.
 */
DS_EXPORT int ds_workers_join(struct ds_workers *ws);

/*
 * Join if not done yet, then free the loops (free the services first) and
 * the pipes. NULL-safe; returns NULL.
 */
DS_EXPORT struct ds_workers *ds_workers_free(struct ds_workers *ws);

#endif
