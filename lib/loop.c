/* SPDX-License-Identifier: MIT */
/*
 * ds_loop: the event loop. One iteration (ds_loop_run_once) is:
 *
 *   1. read the clock;
 *   2. run the defers scheduled before this iteration began;
 *   3. epoll_pwait2() for at most the time until the first timer, in
 *      nanoseconds (not at all if a defer ran or is scheduled);
 *   4. read the clock again if step 3 could have slept;
 *   5. dispatch the ready descriptors (and signals, through a signalfd);
 *   6. fire the timers that are due and were started before step 1.
 *
 * Time. Callbacks see one value of "now" per iteration. The clock is read
 * at step 1 and, only when no callback has run yet, again after a wait that
 * could sleep; so defers (which force a zero wait) and io and timer
 * callbacks of one iteration see the same value. Between iterations, from
 * outside any callback, starting a timer refreshes it first, so a timer
 * started by set-up code that took a while is not already overdue.
 *
 * Timers sit in a binary min-heap ordered by (deadline in microseconds,
 * start sequence number), so timers due at the same microsecond fire in
 * the order they were started, and each knows its slot so stop and restart
 * are O(log n). A timer fires once "now" has reached its deadline. Step 6
 * fires only timers whose sequence number is below the one current at step
 * 1: a timer started during this iteration, even with a deadline already
 * past, waits for the next one, so a timer that restarts itself cannot keep
 * one iteration going for ever. A deadline in the past is raised to "now"
 * when the timer starts, so such a timer sorts after every timer already
 * due and cannot hold them back.
 *
 * Waiting. epoll_pwait2() (Linux 5.11, glibc 2.35) takes the wait as a
 * timespec, so the loop sleeps until the microsecond the first timer is
 * due; the kernel's hrtimer never expires early, so the loop never wakes
 * before a deadline and spins. Where the call is missing (ENOSYS: an older
 * kernel, or a seccomp filter that does not know it) the loop falls back
 * to epoll_wait() for good, with the wait rounded up to whole milliseconds:
 * late by up to a millisecond, never early.
 *
 * Safe freeing. The only place where the loop holds a handle pointer across
 * a user callback is the array of epoll events being dispatched: each entry
 * names its ds_io by pointer. Timers, defers and signals are always
 * re-fetched from the heap, the list or the signal table after a callback,
 * so they are freed at once. A ds_io freed while undispatched entries
 * remain in the batch is unlinked from epoll, the fd table, the handle list
 * and the counters immediately, but its memory is parked on a "zombie" list
 * with io->dead set; the dispatcher skips events whose io is dead, and the
 * zombies are released once the batch is exhausted. Because that memory is
 * not reused while the batch lives, a new ds_io created on the same fd
 * number has a different address and can never receive the old events.
 *
 * ds_loop_stop() takes effect after the current callback: the rest of the
 * epoll batch and any signals already read stay in the loop and are
 * dispatched first by the next iteration, so no edge-triggered event is
 * lost when a stopped loop is run again.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "dualstack/loop.h"
#include "loop-int.h"

/*
 * Events taken from the kernel per epoll_wait(). A full batch only means
 * the next wait returns at once; 256 amortises the system call well at
 * tens of thousands of descriptors while keeping the array (3 KiB) inside
 * the loop object.
 */
#define BATCH 256

/* Signals the per-loop table and the pending mask can hold: 1 to 64. */
#define MAX_SIGNO 64

#define IO_WATCH (DS_IO_IN | DS_IO_OUT)
#define IO_REQUEST (DS_IO_IN | DS_IO_OUT | DS_IO_EDGE)

#define NOT_ARMED SIZE_MAX

/* epoll_wait() takes an int of milliseconds: the longest wait it can be
 * given; a longer one is cut to this and the loop simply waits again. */
#define WAIT_MAX_US ((int64_t)INT_MAX * 1000)

#define container_of(p, type, member)                                          \
	((type *)(void *)((char *)(p)-offsetof(type, member)))

/* A circular doubly-linked list; the head is a sentinel. */
struct link {
	struct link *prev, *next;
};

struct ds_io {
	struct ds_loop *loop;
	struct link link; /* loop->ios, or loop->zombies once dead */
	int fd;
	unsigned events; /* as requested: DS_IO_IN | DS_IO_OUT | DS_IO_EDGE */
	bool registered; /* in the epoll set (only while enabled) */
	bool dead;       /* freed while the batch may name it */
	ds_io_fn *cb;
	void *userdata;
};

struct ds_timer {
	struct ds_loop *loop;
	struct link link;
	size_t slot; /* index in loop->heap, or NOT_ARMED */
	ds_timer_fn *cb;
	void *userdata;
};

struct ds_signal {
	struct ds_loop *loop;
	struct link link;
	int signo;
	bool was_blocked; /* blocked before ds_signal_new: leave it so */
	ds_signal_fn *cb;
	void *userdata;
};

struct ds_defer {
	struct ds_loop *loop;
	struct link link;  /* loop->defers */
	struct link queue; /* loop->defer_next or loop->defer_now */
	bool scheduled;
	ds_defer_fn *cb;
	void *userdata;
};

/* A heap slot keeps the key beside the pointer so that sifting compares
 * without touching the timers themselves. */
struct slot {
	uint64_t due_us;
	uint64_t seq;
	struct ds_timer *t;
};

struct ds_loop {
	int epfd;
	bool no_pwait2; /* epoll_pwait2() said ENOSYS: use epoll_wait() */
	uint64_t now_us;
	bool dispatching; /* inside an iteration: callbacks may be running */
	bool stopping;
	int stop_code;

	/* The current epoll batch: events[next..count) are undispatched. */
	int ev_count, ev_next;
	struct epoll_event events[BATCH];

	struct link ios;
	struct link zombies;
	unsigned ios_enabled;
	struct ds_io **fds; /* by descriptor number, for -EEXIST */
	size_t fds_cap;

	struct link timers;
	size_t ntimers; /* heap_cap >= ntimers >= nheap, always */
	struct slot *heap;
	size_t nheap, heap_cap;
	uint64_t seq;       /* next start sequence number */
	uint64_t seq_limit; /* timers started before this iteration */

	struct link defers;
	struct link defer_next; /* scheduled: run in the next iteration */
	struct link defer_now;  /* being run by this iteration */

	struct link signals;
	unsigned nsignals;
	int sigfd; /* -1 until the first ds_signal_new() */
	sigset_t sigmask;
	uint64_t sig_pending; /* read from the signalfd, bit signo - 1 */
	struct ds_signal *sigs[MAX_SIGNO + 1];
	struct ds_io sig_io; /* epoll cookie for sigfd; never a user handle */
};

/* --- Lists ----------------------------------------------------------------*/

static void
list_init(struct link *head)
{
	head->prev = head->next = head;
}

static bool
list_empty(const struct link *head)
{
	return head->next == head;
}

static void
list_append(struct link *head, struct link *l)
{
	l->prev = head->prev;
	l->next = head;
	head->prev->next = l;
	head->prev = l;
}

static void
list_unlink(struct link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l->next = l;
}

/* Move every element of 'from' to the front of 'to'; 'from' ends empty. */
static void
list_splice_front(struct link *to, struct link *from)
{
	if (list_empty(from))
		return;
	from->prev->next = to->next;
	to->next->prev = from->prev;
	to->next = from->next;
	from->next->prev = to;
	list_init(from);
}

/* --- Clock ----------------------------------------------------------------*/

uint64_t
ds_time_now_us(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer (vDSO). */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
update_now(struct ds_loop *loop)
{
	loop->now_us = ds_time_now_us();
}

uint64_t
ds_loop_now(const struct ds_loop *loop)
{
	return loop->now_us;
}

/* --- epoll backend --------------------------------------------------------*/
/*
 * Everything that knows about epoll is in this section: creating the set,
 * translating event masks both ways, and the four operations.
 */

static int
backend_init(struct ds_loop *loop)
{
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	return loop->epfd == -1 ? -errno : 0;
}

static uint32_t
backend_mask(unsigned events)
{
	uint32_t m = 0;

	/* EPOLLRDHUP only with input: a half-closed peer is news to a reader,
	 * but would wake a writer for ever, as the condition is level. */
	if (events & DS_IO_IN)
		m |= EPOLLIN | EPOLLRDHUP;
	if (events & DS_IO_OUT)
		m |= EPOLLOUT;
	if (events & DS_IO_EDGE)
		m |= EPOLLET;
	return m;
}

/* What to report for kernel events 'ev' to a watch of 'events'. */
static unsigned
backend_revents(uint32_t ev, unsigned events)
{
	unsigned r = 0;

	if ((ev & EPOLLIN) && (events & DS_IO_IN))
		r |= DS_IO_IN;
	if ((ev & EPOLLOUT) && (events & DS_IO_OUT))
		r |= DS_IO_OUT;
	if ((ev & EPOLLHUP) || ((ev & EPOLLRDHUP) && (events & DS_IO_IN)))
		r |= DS_IO_HUP;
	if (ev & EPOLLERR)
		r |= DS_IO_ERR;
	return r;
}

static int
backend_ctl(struct ds_loop *loop, int op, int fd, unsigned events, void *ptr)
{
	struct epoll_event ev = {
	    .events = backend_mask(events), .data.ptr = ptr};

	return epoll_ctl(loop->epfd, op, fd, &ev) == -1 ? -errno : 0;
}

static int
backend_add(struct ds_loop *loop, int fd, unsigned events, void *ptr)
{
	return backend_ctl(loop, EPOLL_CTL_ADD, fd, events, ptr);
}

static int
backend_mod(struct ds_loop *loop, int fd, unsigned events, void *ptr)
{
	return backend_ctl(loop, EPOLL_CTL_MOD, fd, events, ptr);
}

static int
backend_del(struct ds_loop *loop, int fd)
{
	/* A non-NULL event keeps kernels before 2.6.9 happy; it is ignored. */
	return backend_ctl(loop, EPOLL_CTL_DEL, fd, 0, NULL);
}

/*
 * Fill loop->events, waiting at most timeout_us (-1: no limit, 0: not at
 * all); returns the count (0 on EINTR) or -errno.
 */
static int
backend_wait(struct ds_loop *loop, int64_t timeout_us)
{
	int n;

	if (timeout_us > WAIT_MAX_US)
		timeout_us = WAIT_MAX_US;
	if (!loop->no_pwait2) {
		struct timespec ts = {
		    .tv_sec = timeout_us / 1000000,
		    .tv_nsec = timeout_us % 1000000 * 1000,
		};

		n = epoll_pwait2(loop->epfd, loop->events, BATCH,
		    timeout_us < 0 ? NULL : &ts, NULL);
		if (n != -1 || errno != ENOSYS)
			goto out;
		loop->no_pwait2 = true;
	}
	/* Rounded up: waking a little late is harmless, waking before the
	 * deadline would only come back to wait again. */
	n = epoll_wait(loop->epfd, loop->events, BATCH,
	    timeout_us < 0 ? -1 : (int)((timeout_us + 999) / 1000));
out:
	if (n == -1)
		return errno == EINTR ? 0 : -errno;
	return n;
}

/* --- Timer heap -----------------------------------------------------------*/

static bool
slot_before(const struct slot *a, const struct slot *b)
{
	return a->due_us < b->due_us ||
	    (a->due_us == b->due_us && a->seq < b->seq);
}

static void
heap_put(struct ds_loop *loop, size_t i, struct slot s)
{
	loop->heap[i] = s;
	s.t->slot = i;
}

static void
heap_up(struct ds_loop *loop, size_t i)
{
	struct slot s = loop->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!slot_before(&s, &loop->heap[parent]))
			break;
		heap_put(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_put(loop, i, s);
}

static void
heap_down(struct ds_loop *loop, size_t i)
{
	struct slot s = loop->heap[i];
	size_t n = loop->nheap;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n &&
		    slot_before(&loop->heap[c + 1], &loop->heap[c]))
			c++;
		if (!slot_before(&loop->heap[c], &s))
			break;
		heap_put(loop, i, loop->heap[c]);
		i = c;
	}
	heap_put(loop, i, s);
}

/* Restore the order around slot i after its key changed either way. */
static void
heap_fix(struct ds_loop *loop, size_t i)
{
	if (i > 0 && slot_before(&loop->heap[i], &loop->heap[(i - 1) / 2]))
		heap_up(loop, i);
	else
		heap_down(loop, i);
}

static void
heap_remove(struct ds_loop *loop, struct ds_timer *t)
{
	size_t i = t->slot;
	size_t last = --loop->nheap;

	t->slot = NOT_ARMED;
	if (i == last)
		return;
	heap_put(loop, i, loop->heap[last]);
	heap_fix(loop, i);
}

/* Microseconds from now_us until the first timer; -1: none. */
static int64_t
timer_timeout(const struct ds_loop *loop, uint64_t now_us)
{
	uint64_t due;

	if (loop->nheap == 0)
		return -1;
	due = loop->heap[0].due_us;
	if (due <= now_us)
		return 0;
	return due - now_us > INT64_MAX ? INT64_MAX : (int64_t)(due - now_us);
}

/* --- The loop -------------------------------------------------------------*/

int
ds_loop_new(struct ds_loop **ret)
{
	struct ds_loop *loop;
	int r;

	if (!ret)
		return -EINVAL;
	loop = calloc(1, sizeof(*loop));
	if (!loop)
		return -ENOMEM;
	r = backend_init(loop);
	if (r < 0) {
		free(loop);
		return r;
	}
	list_init(&loop->ios);
	list_init(&loop->zombies);
	list_init(&loop->timers);
	list_init(&loop->defers);
	list_init(&loop->defer_next);
	list_init(&loop->defer_now);
	list_init(&loop->signals);
	loop->sigfd = -1;
	sigemptyset(&loop->sigmask);
	loop->sig_io.loop = loop;
	loop->sig_io.fd = -1;
	list_init(&loop->sig_io.link);
	update_now(loop);
	*ret = loop;
	return 0;
}

static bool
batch_pending(const struct ds_loop *loop)
{
	return loop->ev_next < loop->ev_count;
}

static void
release_zombies(struct ds_loop *loop)
{
	while (!list_empty(&loop->zombies)) {
		struct ds_io *io =
		    container_of(loop->zombies.next, struct ds_io, link);

		list_unlink(&io->link);
		free(io);
	}
}

struct ds_loop *
ds_loop_free(struct ds_loop *loop)
{
	if (!loop)
		return NULL;
	/* Freeing the loop from one of its callbacks would pull the
	 * iteration out from under its own dispatcher; refuse (see the
	 * header), leaving the caller's pointer valid. */
	if (loop->dispatching)
		return loop;

	/* No epoll_ctl() for the ios: closing epfd drops the whole set. */
	while (!list_empty(&loop->ios)) {
		struct ds_io *io =
		    container_of(loop->ios.next, struct ds_io, link);

		list_unlink(&io->link);
		free(io);
	}
	release_zombies(loop);
	while (!list_empty(&loop->timers))
		ds_timer_free(
		    container_of(loop->timers.next, struct ds_timer, link));
	while (!list_empty(&loop->defers))
		ds_defer_free(
		    container_of(loop->defers.next, struct ds_defer, link));
	/* Through ds_signal_free(), to give back the signal mask. */
	while (!list_empty(&loop->signals))
		ds_signal_free(
		    container_of(loop->signals.next, struct ds_signal, link));
	if (loop->sigfd != -1)
		close(loop->sigfd);
	close(loop->epfd);
	free(loop->fds);
	free(loop->heap);
	free(loop);
	return NULL;
}

void
ds_loop_stop(struct ds_loop *loop, int code)
{
	loop->stopping = true;
	loop->stop_code = code;
}

int
ds_loop_get_fd(const struct ds_loop *loop)
{
	return loop->epfd;
}

int64_t
ds_loop_get_timeout_us(struct ds_loop *loop)
{
	/* Work left over from a stopped iteration, or a scheduled defer, must
	 * run without waiting for the descriptor to become readable. */
	if (batch_pending(loop) || loop->sig_pending ||
	    !list_empty(&loop->defer_next))
		return 0;
	/* A fresh reading, not stored: the embedder may ask from inside a
	 * callback, where now must not move. */
	return timer_timeout(loop, ds_time_now_us());
}

/* Whether anything could still make ds_loop_run() do something. */
static bool
loop_alive(const struct ds_loop *loop)
{
	return loop->ios_enabled > 0 || loop->nheap > 0 || loop->nsignals > 0 ||
	    !list_empty(&loop->defer_next) || batch_pending(loop) ||
	    loop->sig_pending;
}

/* Step 2: the defers scheduled before this iteration, in schedule order. */
static int
run_defers(struct ds_loop *loop)
{
	int n = 0;

	/* Take the whole queue first, so defers scheduled by these callbacks
	 * land on the (now empty) defer_next and wait for the next
	 * iteration. */
	list_splice_front(&loop->defer_now, &loop->defer_next);
	while (!list_empty(&loop->defer_now) && !loop->stopping) {
		struct ds_defer *d =
		    container_of(loop->defer_now.next, struct ds_defer, queue);

		list_unlink(&d->queue);
		d->scheduled = false;
		d->cb(d, d->userdata);
		n++;
	}
	/* Stopped half way: the rest keep their turn, ahead of newer ones. */
	list_splice_front(&loop->defer_next, &loop->defer_now);
	return n;
}

/* Deliver the signals read from the signalfd, lowest number first. */
static int
dispatch_signals(struct ds_loop *loop)
{
	int n = 0;

	while (loop->sig_pending && !loop->stopping) {
		int signo = __builtin_ctzll(loop->sig_pending) + 1;
		struct ds_signal *s = loop->sigs[signo];

		loop->sig_pending &= loop->sig_pending - 1;
		if (s) {
			s->cb(s, signo, s->userdata);
			n++;
		}
	}
	return n;
}

static int
read_signals(struct ds_loop *loop)
{
	/* Drain the signalfd completely: it is level-triggered, and the
	 * kernel keeps at most one instance of each standard signal anyway,
	 * so a bitmask loses nothing the header promises. */
	for (;;) {
		struct signalfd_siginfo si[16];
		ssize_t r = read(loop->sigfd, si, sizeof(si));
		size_t got;

		if (r == -1) {
			if (errno == EINTR)
				continue;
			break; /* EAGAIN: drained */
		}
		got = (size_t)r / sizeof(si[0]);
		for (size_t i = 0; i < got; i++)
			if (si[i].ssi_signo >= 1 &&
			    si[i].ssi_signo <= MAX_SIGNO)
				loop->sig_pending |= 1ull
				    << (si[i].ssi_signo - 1);
		if (got < sizeof(si) / sizeof(si[0]))
			break;
	}
	return dispatch_signals(loop);
}

/* Step 5: the rest of the epoll batch. */
static int
dispatch_events(struct ds_loop *loop)
{
	int n = 0;

	while (batch_pending(loop) && !loop->stopping) {
		const struct epoll_event *ev = &loop->events[loop->ev_next++];
		struct ds_io *io = ev->data.ptr;
		unsigned revents;

		if (io == &loop->sig_io) {
			n += read_signals(loop);
			continue;
		}
		/* Freed earlier in this batch, or disabled or changed since
		 * the kernel reported: report only what is still asked for. */
		if (io->dead || !(io->events & IO_WATCH))
			continue;
		revents = backend_revents(ev->events, io->events);
		if (!revents)
			continue;
		io->cb(io, io->fd, revents, io->userdata);
		n++;
	}
	return n;
}

/* Step 6: due timers started before this iteration, in (due, start) order. */
static int
run_timers(struct ds_loop *loop)
{
	int n = 0;

	while (loop->nheap > 0 && !loop->stopping) {
		struct ds_timer *t = loop->heap[0].t;

		/* The heap is ordered by deadline, then start order; a timer
		 * started in this iteration has a deadline no earlier than
		 * now, so no earlier than any due one, and comes after them
		 * all: either test can stop the scan. */
		if (loop->heap[0].seq >= loop->seq_limit ||
		    loop->heap[0].due_us > loop->now_us)
			break;
		heap_remove(loop, t);
		t->cb(t, t->userdata);
		n++;
	}
	return n;
}

/* One iteration, as the top of the file describes; leaves loop->stopping
 * set if a callback asked to stop. */
static int
iterate(struct ds_loop *loop, int64_t timeout_us)
{
	int n = 0;

	loop->dispatching = true;
	loop->stopping = false;
	update_now(loop);
	loop->seq_limit = loop->seq;

	/* Leftovers from a stopped iteration go first, without new waiting,
	 * so that edge-triggered events are not lost. */
	if (!batch_pending(loop) && !loop->sig_pending) {
		int64_t wait = 0;
		int r;

		n = run_defers(loop);
		if (loop->stopping)
			goto out;
		/* A defer that ran may have done I/O: look at once. Not
		 * sleeping also keeps "now" the one the defers saw. */
		if (n == 0 && timeout_us != 0 &&
		    list_empty(&loop->defer_next)) {
			int64_t t = timer_timeout(loop, loop->now_us);

			wait = timeout_us < 0 || (t >= 0 && t < timeout_us)
			    ? t
			    : timeout_us;
		}
		r = backend_wait(loop, wait);
		if (r < 0) {
			n = r;
			goto out;
		}
		loop->ev_count = r;
		loop->ev_next = 0;
		if (wait != 0)
			update_now(loop);
	}
	n += dispatch_signals(loop);
	n += dispatch_events(loop);
	n += run_timers(loop);
out:
	if (!batch_pending(loop))
		release_zombies(loop);
	loop->dispatching = false;
	return n;
}

int
ds_loop_run_once(struct ds_loop *loop, int64_t timeout_us)
{
	int n;

	if (loop->dispatching)
		return -EBUSY;
	n = iterate(loop, timeout_us);
	/* A stop asked for in here has done its job by ending the iteration
	 * early; it must not linger and end a later ds_loop_run() at once. */
	loop->stopping = false;
	return n;
}

int
ds_loop_run(struct ds_loop *loop)
{
	if (loop->dispatching)
		return -EBUSY;
	for (;;) {
		int r;

		/* Checked first too: ds_loop_stop() before ds_loop_run() makes
		 * it return at once. */
		if (loop->stopping) {
			loop->stopping = false;
			return loop->stop_code;
		}
		if (!loop_alive(loop))
			return 0;
		r = iterate(loop, -1);
		if (r < 0)
			return r;
	}
}

/* --- Descriptors ----------------------------------------------------------*/

static int
fds_reserve(struct ds_loop *loop, int fd)
{
	size_t need = (size_t)fd + 1, cap;
	struct ds_io **p;

	if (need <= loop->fds_cap)
		return 0;
	cap = loop->fds_cap ? loop->fds_cap : 64;
	while (cap < need)
		cap *= 2;
	p = realloc(loop->fds, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p + loop->fds_cap, 0, (cap - loop->fds_cap) * sizeof(*p));
	loop->fds = p;
	loop->fds_cap = cap;
	return 0;
}

int
ds_io_new(struct ds_loop *loop, int fd, unsigned events, ds_io_fn *cb,
    void *userdata, struct ds_io **ret)
{
	struct ds_io *io;
	int r;

	if (!loop || !cb || !ret || (events & ~IO_REQUEST))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	r = fds_reserve(loop, fd);
	if (r < 0)
		return r;
	if (loop->fds[fd])
		return -EEXIST;
	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	/* Register even a disabled watch once, so that a descriptor epoll
	 * cannot watch (a regular file, a closed fd) fails here, not later. */
	r = backend_add(loop, fd, events, io);
	if (r == 0 && !(events & IO_WATCH))
		r = backend_del(loop, fd);
	if (r < 0) {
		free(io);
		return r;
	}
	io->loop = loop;
	io->fd = fd;
	io->events = events;
	io->registered = (events & IO_WATCH) != 0;
	io->cb = cb;
	io->userdata = userdata;
	list_append(&loop->ios, &io->link);
	loop->fds[fd] = io;
	if (io->registered)
		loop->ios_enabled++;
	*ret = io;
	return 0;
}

int
ds_io_set_events(struct ds_io *io, unsigned events)
{
	struct ds_loop *loop = io->loop;
	bool on = (events & IO_WATCH) != 0;
	int r = 0;

	if (events & ~IO_REQUEST)
		return -EINVAL;
	/*
	 * A disabled watch leaves the epoll set: with an empty mask epoll
	 * still reports EPOLLHUP and EPOLLERR, which would wake the loop for
	 * ever on a hung-up descriptor nobody is watching.
	 */
	if (on && io->registered) {
		if (backend_mask(events) != backend_mask(io->events))
			r = backend_mod(loop, io->fd, events, io);
	} else if (on) {
		r = backend_add(loop, io->fd, events, io);
	} else if (io->registered) {
		r = backend_del(loop, io->fd);
	}
	if (r < 0)
		return r;
	if (on != io->registered) {
		if (on)
			loop->ios_enabled++;
		else
			loop->ios_enabled--;
	}
	io->registered = on;
	io->events = events;
	return 0;
}

unsigned
ds_io_get_events(const struct ds_io *io)
{
	return io->events;
}

int
ds_io_get_fd(const struct ds_io *io)
{
	return io->fd;
}

struct ds_io *
ds_io_free(struct ds_io *io)
{
	struct ds_loop *loop;

	if (!io)
		return NULL;
	loop = io->loop;
	if (io->registered) {
		/* Errors are of no use here: the caller may already have
		 * closed the descriptor, which also left the set. */
		(void)backend_del(loop, io->fd);
		loop->ios_enabled--;
	}
	loop->fds[io->fd] = NULL;
	list_unlink(&io->link);
	if (batch_pending(loop)) {
		/* The batch may still name it: park it (see the top). */
		io->dead = true;
		io->registered = false;
		list_append(&loop->zombies, &io->link);
	} else {
		free(io);
	}
	return NULL;
}

/* --- Timers ---------------------------------------------------------------*/

int
ds_timer_new(struct ds_loop *loop, ds_timer_fn *cb, void *userdata,
    struct ds_timer **ret)
{
	struct ds_timer *t;

	if (!loop || !cb || !ret)
		return -EINVAL;
	/* Reserve the timer's heap slot now, so that starting it, which
	 * cannot fail, never allocates. */
	if (loop->ntimers == loop->heap_cap) {
		size_t cap = loop->heap_cap ? loop->heap_cap * 2 : 16;
		struct slot *h = realloc(loop->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		loop->heap = h;
		loop->heap_cap = cap;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->loop = loop;
	t->slot = NOT_ARMED;
	t->cb = cb;
	t->userdata = userdata;
	list_append(&loop->timers, &t->link);
	loop->ntimers++;
	*ret = t;
	return 0;
}

/* Arm t for deadline_us, not before loop->now_us (see the top). */
static void
timer_arm(struct ds_timer *t, uint64_t deadline_us)
{
	struct ds_loop *loop = t->loop;
	struct slot s;

	s.due_us = deadline_us < loop->now_us ? loop->now_us : deadline_us;
	s.seq = loop->seq++;
	s.t = t;
	if (t->slot == NOT_ARMED) {
		heap_put(loop, loop->nheap++, s);
		heap_up(loop, t->slot);
	} else {
		heap_put(loop, t->slot, s);
		heap_fix(loop, t->slot);
	}
}

void
ds_timer_start_at(struct ds_timer *t, uint64_t deadline_us)
{
	if (!t->loop->dispatching)
		update_now(t->loop);
	timer_arm(t, deadline_us);
}

void
ds_timer_start_in(struct ds_timer *t, uint64_t delay_us)
{
	struct ds_loop *loop = t->loop;

	if (!loop->dispatching)
		update_now(loop);
	/* Saturate rather than wrap: a huge delay means "never". */
	timer_arm(t,
	    delay_us > UINT64_MAX - loop->now_us ? UINT64_MAX
	                                         : loop->now_us + delay_us);
}

void
ds_timer_stop(struct ds_timer *t)
{
	if (t->slot != NOT_ARMED)
		heap_remove(t->loop, t);
}

bool
ds_timer_is_active(const struct ds_timer *t)
{
	return t->slot != NOT_ARMED;
}

struct ds_timer *
ds_timer_free(struct ds_timer *t)
{
	if (!t)
		return NULL;
	ds_timer_stop(t);
	list_unlink(&t->link);
	t->loop->ntimers--;
	free(t);
	return NULL;
}

/* --- Signals --------------------------------------------------------------*/

/* Point the signalfd at loop->sigmask, creating it the first time. */
static int
sigfd_update(struct ds_loop *loop, const sigset_t *mask)
{
	int fd, r;

	if (loop->sigfd != -1)
		return signalfd(loop->sigfd, mask, 0) == -1 ? -errno : 0;
	fd = signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd == -1)
		return -errno;
	r = backend_add(loop, fd, DS_IO_IN, &loop->sig_io);
	if (r < 0) {
		close(fd);
		return r;
	}
	loop->sigfd = fd;
	loop->sig_io.fd = fd;
	return 0;
}

int
ds_signal_new(struct ds_loop *loop, int signo, ds_signal_fn *cb, void *userdata,
    struct ds_signal **ret)
{
	struct ds_signal *s;
	sigset_t one, old, mask;
	int r;

	if (!loop || !cb || !ret)
		return -EINVAL;
	/* sigaddset() refuses numbers out of range and, in glibc, the ones
	 * it keeps for itself (32, 33); SIGKILL and SIGSTOP cannot be caught
	 * and signalfd() would silently ignore them. */
	sigemptyset(&one);
	if (signo <= 0 || signo > MAX_SIGNO || signo == SIGKILL ||
	    signo == SIGSTOP || sigaddset(&one, signo) == -1)
		return -EINVAL;
	if (loop->sigs[signo])
		return -EEXIST;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	/* Block first: a signal arriving between the two steps then waits
	 * in the queue instead of taking its default action. */
	r = pthread_sigmask(SIG_BLOCK, &one, &old);
	if (r != 0) {
		free(s);
		return -r;
	}
	s->was_blocked = sigismember(&old, signo) == 1;
	mask = loop->sigmask;
	sigaddset(&mask, signo);
	r = sigfd_update(loop, &mask);
	if (r < 0) {
		if (!s->was_blocked)
			pthread_sigmask(SIG_UNBLOCK, &one, NULL);
		free(s);
		return r;
	}
	loop->sigmask = mask;
	s->loop = loop;
	s->signo = signo;
	s->cb = cb;
	s->userdata = userdata;
	loop->sigs[signo] = s;
	loop->nsignals++;
	list_append(&loop->signals, &s->link);
	*ret = s;
	return 0;
}

struct ds_signal *
ds_signal_free(struct ds_signal *s)
{
	struct ds_loop *loop;
	sigset_t one;

	if (!s)
		return NULL;
	loop = s->loop;
	sigdelset(&loop->sigmask, s->signo);
	(void)signalfd(loop->sigfd, &loop->sigmask, 0);
	/* A signal read but not yet delivered belongs to this handle. */
	loop->sig_pending &= ~(1ull << (s->signo - 1));
	if (!s->was_blocked) {
		sigemptyset(&one);
		sigaddset(&one, s->signo);
		pthread_sigmask(SIG_UNBLOCK, &one, NULL);
	}
	loop->sigs[s->signo] = NULL;
	loop->nsignals--;
	list_unlink(&s->link);
	free(s);
	return NULL;
}

/* --- Deferred callbacks ---------------------------------------------------*/

int
ds_defer_new(struct ds_loop *loop, ds_defer_fn *cb, void *userdata,
    struct ds_defer **ret)
{
	struct ds_defer *d;

	if (!loop || !cb || !ret)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->loop = loop;
	d->cb = cb;
	d->userdata = userdata;
	list_init(&d->queue);
	list_append(&loop->defers, &d->link);
	*ret = d;
	return 0;
}

void
ds_defer_schedule(struct ds_defer *d)
{
	if (d->scheduled)
		return;
	d->scheduled = true;
	list_append(&d->loop->defer_next, &d->queue);
}

void
ds_defer_cancel(struct ds_defer *d)
{
	if (!d->scheduled)
		return;
	/* It may sit on defer_next or, not yet run, on defer_now. */
	list_unlink(&d->queue);
	d->scheduled = false;
}

struct ds_defer *
ds_defer_free(struct ds_defer *d)
{
	if (!d)
		return NULL;
	ds_defer_cancel(d);
	list_unlink(&d->link);
	free(d);
	return NULL;
}

/* --- Sizes, for lib/loop-int.h --------------------------------------------*/

size_t
ds__io_sizeof(void)
{
	return sizeof(struct ds_io);
}

size_t
ds__timer_sizeof(void)
{
	return sizeof(struct ds_timer);
}

void
ds__io_set_callback(struct ds_io *io, ds_io_fn *cb, void *userdata)
{
	io->cb = cb;
	io->userdata = userdata;
}
