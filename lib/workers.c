/* SPDX-License-Identifier: MIT */
/*
 * ds_workers: worker threads, one loop each, driven from the main loop
 * through pipes. See include/dualstack/workers.h for the contract.
 *
 * State is split by thread: what a worker's thread reads and writes
 * (draining, done, cfg) is never touched by the main thread while that
 * worker runs, and what the main thread keeps (m_done, asked, the config
 * references) only it touches. They meet in the messages, and in
 * pthread_join(), after which everything belongs to the main thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dualstack/workers.h"

enum { MSG_DRAIN = 1, MSG_CONFIG };

struct msg {
	int op;
	unsigned round;    /* MSG_DRAIN: 0 wants no answer */
	uint64_t drain_us; /* MSG_DRAIN */
	const void *cfg;   /* MSG_CONFIG */
};

enum { ACK_DRAINING = 1, ACK_DONE, ACK_CONFIG };

struct ack {
	int op;
	unsigned worker;
	unsigned round;  /* ACK_DRAINING */
	int err;         /* ACK_DONE: the worker's loop failed */
	size_t conns;    /* ACK_DRAINING */
	const void *cfg; /* ACK_CONFIG: used by this worker from now */
	const void *old; /* ACK_CONFIG: no longer used by this worker */
};

/* POSIX makes a pipe write of at most PIPE_BUF bytes atomic: the answers
 * of several threads never mix. */
_Static_assert(sizeof(struct msg) <= PIPE_BUF, "a message is one write");
_Static_assert(sizeof(struct ack) <= PIPE_BUF, "an answer is one write");

struct worker {
	struct ds_workers *ws;
	unsigned id;
	struct ds_loop *loop;
	int cmd[2]; /* main thread -> worker */
	struct ds_io *cmd_io;
	pthread_t thread;
	bool started; /* the thread runs or ran */
	bool joined;
	/* Worker side. */
	bool draining;
	bool done;
	const void *cfg;
	/* Main side. */
	bool m_done; /* its ACK_DONE came */
	bool asked;  /* its answer to the current drain round is due */
};

/* A configuration handed to the workers, released once none uses it. */
struct cfg_ref {
	const void *cfg;
	unsigned users;    /* workers that use it or are about to */
	unsigned sent;     /* workers it was sent to */
	unsigned switched; /* workers that said they use it */
	struct cfg_ref *next;
};

struct ds_workers {
	struct ds_loop *loop; /* the main loop, also worker 0's */
	unsigned n;
	struct ds_workers_ops ops;
	ds_workers_event_fn *on_event;
	void *userdata;
	struct worker *w;
	int ack[2]; /* workers -> main thread */
	struct ds_io *ack_io;
	struct cfg_ref *cfgs; /* the head is the newest */
	unsigned round, round_left;
	size_t round_conns;
	uint64_t round_us;
	unsigned n_done;
	bool joined;
	int err;
};

const char *
ds_workers_event_name(enum ds_workers_event_kind kind)
{
	switch (kind) {
	case DS_WORKERS_EV_DRAINING:
		return "draining";
	case DS_WORKERS_EV_DONE:
		return "done";
	case DS_WORKERS_EV_STOPPED:
		return "stopped";
	case DS_WORKERS_EV_CONFIG:
		return "config";
	case DS_WORKERS_EV_RELEASED:
		return "released";
	}
	return NULL;
}

/* One whole write, retried on EINTR. Returns 0 or -errno. */
static int
write_all(int fd, const void *buf, size_t len)
{
	ssize_t n;

	do
		n = write(fd, buf, len);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -errno;
	/* At most PIPE_BUF bytes to a pipe: never short (POSIX write()). */
	return (size_t)n == len ? 0 : -EIO;
}

static void
emit(struct ds_workers *ws, const struct ds_workers_event *ev)
{
	if (ws->on_event)
		ws->on_event(ws, ev, ws->userdata);
}

/* --- Worker side ------------------------------------------------------ */

static void
send_ack(struct worker *w, const struct ack *a)
{
	/* Nothing to tell anyone if the main thread's pipe is gone: it only
	 * closes after every thread is joined. */
	(void)write_all(w->ws->ack[1], a, sizeof(*a));
}

static void
on_cmd(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct worker *w = userdata;
	struct ds_workers *ws = w->ws;
	struct msg m;

	(void)io;
	(void)events;
	for (;;) {
		struct ack a = {.worker = w->id};
		ssize_t n = read(fd, &m, sizeof(m));

		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(m))
			return; /* EAGAIN: all read */
		switch (m.op) {
		case MSG_DRAIN:
			a.op = ACK_DRAINING;
			a.round = m.round;
			if (!w->done) {
				w->draining = true;
				a.conns = ws->ops.drain(
				    ws, w->id, m.drain_us, ws->userdata);
			}
			if (m.round)
				send_ack(w, &a);
			break;
		case MSG_CONFIG:
			a.op = ACK_CONFIG;
			a.cfg = m.cfg;
			a.old = w->cfg;
			if (ws->ops.config)
				ws->ops.config(ws, w->id, m.cfg, ws->userdata);
			w->cfg = m.cfg;
			send_ack(w, &a);
			break;
		}
	}
}

void
ds_workers_done(struct ds_workers *ws, unsigned i)
{
	struct worker *w;
	struct ack a = {.op = ACK_DONE, .worker = i};

	if (!ws || i >= ws->n || ws->w[i].done)
		return;
	w = &ws->w[i];
	w->done = true;
	send_ack(w, &a);
	/* Worker 0 shares the main loop, which its owner stops. */
	if (i > 0)
		ds_loop_stop(w->loop, 0);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	int r = ds_loop_run(w->loop);

	if (r < 0 && !w->done) {
		struct ack a = {.op = ACK_DONE, .worker = w->id, .err = r};

		w->done = true;
		send_ack(w, &a);
	}
	return NULL;
}

/* --- Main side -------------------------------------------------------- */

static int
send_msg(struct worker *w, const struct msg *m)
{
	return write_all(w->cmd[1], m, sizeof(*m));
}

/* Drain every worker not done; round 0 asks for no answer. */
static int
drain_round(struct ds_workers *ws, unsigned round, uint64_t drain_us)
{
	struct msg m = {.op = MSG_DRAIN, .round = round, .drain_us = drain_us};
	int r, ret = 0;

	for (unsigned i = 0; i < ws->n; i++) {
		struct worker *w = &ws->w[i];

		if (w->m_done)
			continue;
		r = send_msg(w, &m);
		if (r < 0) {
			ret = ret ? ret : r;
			continue;
		}
		if (round) {
			w->asked = true;
			ws->round_left++;
		}
	}
	return ret;
}

/* Worker w answered the current round (or is done). */
static void
answered(struct ds_workers *ws, struct worker *w, size_t conns)
{
	struct ds_workers_event ev = {.kind = DS_WORKERS_EV_DRAINING};

	if (!w->asked)
		return;
	w->asked = false;
	ws->round_conns += conns;
	if (--ws->round_left > 0)
		return;
	ev.conns = ws->round_conns;
	ev.drain_us = ws->round_us;
	ev.round = ws->round;
	emit(ws, &ev);
}

static void
release_cfg(struct ds_workers *ws, const void *cfg)
{
	for (struct cfg_ref **pp = &ws->cfgs; *pp; pp = &(*pp)->next) {
		struct cfg_ref *ref = *pp;

		if (ref->cfg != cfg)
			continue;
		if (ref->users > 0)
			ref->users--;
		/* The newest stays: it is what a worker uses from now. */
		if (ref->users == 0 && ref != ws->cfgs) {
			struct ds_workers_event ev = {
			    .kind = DS_WORKERS_EV_RELEASED, .cfg = cfg};

			*pp = ref->next;
			free(ref);
			if (cfg)
				emit(ws, &ev);
		}
		return;
	}
}

static void
switched_cfg(struct ds_workers *ws, const void *cfg)
{
	for (struct cfg_ref *ref = ws->cfgs; ref; ref = ref->next) {
		if (ref->cfg != cfg)
			continue;
		if (++ref->switched == ref->sent) {
			struct ds_workers_event ev = {
			    .kind = DS_WORKERS_EV_CONFIG, .cfg = cfg};

			emit(ws, &ev);
		}
		return;
	}
}

static void
on_ack(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct ds_workers *ws = userdata;
	struct ack a;

	(void)io;
	(void)events;
	for (;;) {
		struct ds_workers_event ev = {.kind = DS_WORKERS_EV_DONE};
		struct worker *w;
		ssize_t n = read(fd, &a, sizeof(a));

		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(a) || a.worker >= ws->n)
			return;
		w = &ws->w[a.worker];
		switch (a.op) {
		case ACK_DRAINING:
			if (a.round == ws->round)
				answered(ws, w, a.conns);
			break;
		case ACK_CONFIG:
			switched_cfg(ws, a.cfg);
			release_cfg(ws, a.old);
			break;
		case ACK_DONE:
			if (w->m_done)
				break;
			w->m_done = true;
			answered(ws, w, 0);
			if (a.err < 0 && ws->err == 0)
				ws->err = a.err;
			ev.worker = a.worker;
			ev.err = a.err;
			emit(ws, &ev);
			if (++ws->n_done == ws->n) {
				ev.kind = DS_WORKERS_EV_STOPPED;
				ev.err = ws->err;
				emit(ws, &ev);
			} else if (a.err < 0) {
				/* One worker is gone: the others stop now. */
				drain_round(ws, 0, 0);
			}
			break;
		}
	}
}

int
ds_workers_drain(struct ds_workers *ws, uint64_t drain_us)
{
	if (!ws)
		return -EINVAL;
	/* A new round: answers to an older one no longer count. */
	ws->round++;
	ws->round_left = 0;
	ws->round_conns = 0;
	ws->round_us = drain_us;
	for (unsigned i = 0; i < ws->n; i++)
		ws->w[i].asked = false;
	return drain_round(ws, ws->round, drain_us);
}

int
ds_workers_config(struct ds_workers *ws, const void *cfg)
{
	struct msg m = {.op = MSG_CONFIG, .cfg = cfg};
	struct cfg_ref *ref;
	int r, ret = 0;

	if (!ws)
		return -EINVAL;
	ref = calloc(1, sizeof(*ref));
	if (!ref)
		return -ENOMEM;
	ref->cfg = cfg;
	ref->next = ws->cfgs;
	ws->cfgs = ref;
	for (unsigned i = 0; i < ws->n; i++) {
		if (ws->w[i].m_done)
			continue;
		r = send_msg(&ws->w[i], &m);
		if (r < 0)
			ret = ret ? ret : r;
		else
			ref->users++;
	}
	ref->sent = ref->users;
	return ret;
}

/* A pipe whose reader takes what is there and goes back to its loop; the
 * writer's messages are few and small, it never waits for long. */
static int
make_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -errno;
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) == -1) {
		int r = -errno;

		close(fds[0]);
		close(fds[1]);
		fds[0] = fds[1] = -1;
		return r;
	}
	return 0;
}

int
ds_workers_new(struct ds_loop *main_loop, unsigned n,
    const struct ds_workers_ops *ops, const void *cfg,
    ds_workers_event_fn *on_event, void *userdata, struct ds_workers **ret)
{
	struct ds_workers *ws;
	int r;

	if (!main_loop || n == 0 || n > DS_WORKERS_MAX || !ops || !ops->drain ||
	    !ret)
		return -EINVAL;
	ws = calloc(1, sizeof(*ws));
	if (!ws)
		return -ENOMEM;
	ws->loop = main_loop;
	ws->n = n;
	ws->ops = *ops;
	ws->on_event = on_event;
	ws->userdata = userdata;
	ws->ack[0] = ws->ack[1] = -1;
	ws->w = calloc(n, sizeof(*ws->w));
	ws->cfgs = calloc(1, sizeof(*ws->cfgs));
	if (!ws->w || !ws->cfgs) {
		r = -ENOMEM;
		goto fail;
	}
	ws->cfgs->cfg = cfg;
	ws->cfgs->users = n;
	ws->cfgs->sent = n;
	ws->cfgs->switched = n;
	for (unsigned i = 0; i < n; i++) {
		ws->w[i].ws = ws;
		ws->w[i].id = i;
		ws->w[i].cfg = cfg;
		ws->w[i].cmd[0] = ws->w[i].cmd[1] = -1;
	}
	if ((r = make_pipe(ws->ack)) < 0 ||
	    (r = ds_io_new(
	         main_loop, ws->ack[0], DS_IO_IN, on_ack, ws, &ws->ack_io)) < 0)
		goto fail;
	for (unsigned i = 0; i < n; i++) {
		struct worker *w = &ws->w[i];

		if (i == 0)
			w->loop = main_loop;
		else if ((r = ds_loop_new(&w->loop)) < 0)
			goto fail;
		if ((r = make_pipe(w->cmd)) < 0 ||
		    (r = ds_io_new(w->loop, w->cmd[0], DS_IO_IN, on_cmd, w,
		         &w->cmd_io)) < 0)
			goto fail;
	}
	*ret = ws;
	return 0;
fail:
	ds_workers_free(ws);
	return r;
}

unsigned
ds_workers_count(const struct ds_workers *ws)
{
	return ws ? ws->n : 0;
}

struct ds_loop *
ds_workers_loop(const struct ds_workers *ws, unsigned i)
{
	return ws && i < ws->n ? ws->w[i].loop : NULL;
}

int
ds_workers_start(struct ds_workers *ws)
{
	sigset_t all, old;
	int r = 0;

	if (!ws)
		return -EINVAL;
	/*
	 * Signals go to the main thread only: a thread starts with the
	 * mask of the one that created it, so block them all around
	 * pthread_create() and the kernel never picks a worker to take
	 * one. All but those a fault raises in the thread itself: blocked,
	 * they would kill the process without its handler (a sanitizer's
	 * report, a core dump's note) ever running.
	 */
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGTRAP);
	sigdelset(&all, SIGABRT);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned i = 1; i < ws->n; i++) {
		struct worker *w = &ws->w[i];

		if (w->started)
			continue;
		r = pthread_create(&w->thread, NULL, worker_main, w);
		if (r != 0) {
			r = -r;
			break;
		}
		w->started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

int
ds_workers_join(struct ds_workers *ws)
{
	struct msg m = {.op = MSG_DRAIN};

	if (!ws)
		return 0;
	for (unsigned i = 1; i < ws->n; i++) {
		struct worker *w = &ws->w[i];

		if (!w->started || w->joined)
			continue;
		/* Still running: everything it holds ends now. Without the
		 * pipe the loop has no way to learn it: refuse to wait. */
		if (!w->m_done && send_msg(w, &m) < 0)
			continue;
		pthread_join(w->thread, NULL);
		w->joined = true;
	}
	ws->joined = true;
	return ws->err;
}

struct ds_workers *
ds_workers_free(struct ds_workers *ws)
{
	if (!ws)
		return NULL;
	ds_workers_join(ws);
	for (unsigned i = 0; ws->w && i < ws->n; i++) {
		struct worker *w = &ws->w[i];

		/* A thread that could not be joined still uses its loop. */
		if (w->started && !w->joined)
			continue;
		w->cmd_io = ds_io_free(w->cmd_io);
		if (w->cmd[0] >= 0)
			close(w->cmd[0]);
		if (w->cmd[1] >= 0)
			close(w->cmd[1]);
		if (i > 0)
			w->loop = ds_loop_free(w->loop);
	}
	ws->ack_io = ds_io_free(ws->ack_io);
	if (ws->ack[0] >= 0)
		close(ws->ack[0]);
	if (ws->ack[1] >= 0)
		close(ws->ack[1]);
	while (ws->cfgs) {
		struct cfg_ref *ref = ws->cfgs;

		ws->cfgs = ref->next;
		free(ref);
	}
	free(ws->w);
	free(ws);
	return NULL;
}
