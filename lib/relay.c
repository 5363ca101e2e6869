/* SPDX-License-Identifier: MIT */
/*
 * ds_relay: two sockets, two directions (A to B, B to A), each a small
 * state machine driven by level-triggered io watches on ds_loop.
 *
 * A direction moves bytes in rounds: write out everything it holds (the
 * bytes given to send first, then the pipe or buffer) until the
 * destination says EAGAIN, and only when it holds nothing read the source
 * again, at most one pipe or buffer full, with splice(2) socket to pipe
 * and pipe to socket, or recv(2)/send(2) through a buffer. So a direction
 * never holds more than one pipe or one buffer (the bound the header
 * promises), its source is watched for input only while it holds nothing,
 * and its destination for output only while it holds something: a peer
 * that does not read stops the relay from reading the other side, and
 * the other side's sender meets a full socket. A round ends at EAGAIN, at
 * end of stream, or after BURST reads so that other relays get their
 * turn; a level-triggered watch brings it back. Watches are changed only
 * when the wanted set changes, and the loop makes no system call when
 * the epoll mask stays the same.
 *
 * Every direction starts with a buffer, and moves to splice(2) once it
 * carries bulk data: a read that fills the buffer, or BULK_BUFFERS
 * buffers' worth moved. A short exchange (a request, its answer) costs
 * one recv(2) and one send(2) per message either way, but through a
 * pipe it also pays for taking the pipe and for splice's page handling,
 * which only pays off when there are pages to move: measured, a 100-byte
 * echo per connection ran about a fifth faster through buffers, and bulk
 * streams took about a sixth less CPU per byte through pipes. (HAProxy's
 * splice-auto decides the same way.) The switch happens with the buffer
 * empty, so nothing is reordered.
 *
 * A direction that ends its round holding nothing gives its pipe and
 * buffer back to the context's pool; only empty pipes go back. It falls
 * back to buffers for good when no pipe can be had (EMFILE, ENFILE) or
 * splice(2) answers EINVAL; bytes already in the pipe are then read out
 * of it through the buffer before any more is read from the socket, so
 * nothing is lost or reordered.
 *
 * Pipes are descriptors, two each, and a peer that never reads would
 * otherwise keep one for as long as its connection lasts. So the context
 * can cap the pipes open at once (pipe_max, lent and spare together): a
 * direction that finds none free moves through its buffer for the
 * moment, and asks again with the next read that fills the buffer
 * (pipe_get() is then a comparison, no system call). And a direction
 * whose destination has taken nothing from its pipe for STALL_US is
 * stalled: the pipe's bytes are read(2) into a buffer, the pipe goes back
 * to the pool, and the direction goes on through the buffer, as after a
 * fallback but not for good. Stalls are found without a system call on
 * the way: the EAGAIN that leaves bytes in a pipe puts the direction at
 * the tail of the context's stall list, stamped with the loop's time,
 * and the next byte spliced out takes it off; the list is thus in time
 * order, and one context timer takes from its head what has waited
 * STALL_US. A fast stream that meets a full socket is on the list for
 * the moment between the EAGAIN and the next EPOLLOUT.
 *
 * End of stream from a source becomes shutdown(SHUT_WR) on the
 * destination once the direction holds nothing, and the other direction
 * goes on: TCP's half-closed connection (RFC 9293 section 3.6.1; OpenBSD
 * nc's readwrite() does the same). A reset (ECONNRESET on a read, EPIPE
 * or ECONNRESET on a write, an EPOLLERR whose SO_ERROR says so) ends the
 * relay at once: the other socket gets SO_LINGER {1, 0} and close(), the
 * ABORT call, which sends an RST and drops what is queued (RFC 9293
 * section 3.10.5), and bytes in flight here are dropped too. EPOLLHUP or
 * EPOLLRDHUP alone is not a reset: the side is read until recv() gives 0
 * or an error.
 *
 * The one timer does two jobs. With an idle timeout it is armed once, and
 * every byte only writes ds_loop_now() into active_us; when it fires it
 * compares and either ends the relay or re-arms itself for the rest. When
 * the relay ends inside ds_relay_close() it is started at once (now) to
 * call the callback on the next iteration. Ends found inside an io or
 * timer callback call the user's callback directly, as the last thing
 * done there, since the relay may be freed by it.
 *
 * Cost of an idle relay (x86-64, glibc): ds_relay_sizeof() is 448 bytes,
 * struct ds_relay 280 plus two ds_io of 56 and a ds_timer of 56 (malloc
 * adds 8 to 16 bytes of header per block), plus the loop's bookkeeping: a
 * 24-byte slot in its timer heap and two 8-byte pointers in its fd
 * table. The bytes to send first are a separate block, freed once sent.
 * The kernel side is the two sockets with their buffers and two epoll
 * items; an idle relay holds no pipe, no buffer and no other descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "dualstack/relay.h"
#include "loop-int.h"
#include "relay-int.h"
#include "sock-int.h"

/* The kernel's default pipe capacity, 16 pages (PIPE_DEF_BUFFERS in
 * include/linux/pipe_fs_i.h), and the same for the fallback buffer. */
#define DEFAULT_SIZE (64u * 1024u)
#define MIN_SIZE 4096u
#define MAX_SIZE (1u << 30)
#define DEFAULT_POOL 64u

/* Reads per direction per event: 64 pipes full (4 MiB by default) before
 * the loop serves other descriptors. Fewer cost bulk streams throughput
 * (a trip through epoll_wait every few hundred KiB); the fairness bound
 * is what matters, not its exact size. */
#define BURST 64

/* Buffers' worth of bytes a direction moves before it switches to
 * splice(2) even if no single read filled the buffer. */
#define BULK_BUFFERS 4u

#define SPLICE_FLAGS (SPLICE_F_MOVE | SPLICE_F_NONBLOCK)

/*
 * How long a destination may leave a direction's pipe untouched before
 * the pipe goes back to the pool. Far longer than the gap between two
 * EPOLLOUTs of any peer that reads (a slow reader still takes a few KiB
 * every round trip, and round trips on the paths a proxy serves are well
 * under a second), and short enough that peers that never read give
 * their pipes back before the pool runs dry for the others.
 */
#define STALL_US 1000000u

struct ds_relay_ctx {
	struct ds_loop *loop;
	struct ds_relay *relays; /* every relay not yet freed */
	size_t active;
	uint64_t idle_timeout_us;
	uint32_t pipe_size; /* what splice() is asked to move */
	uint32_t pipe_set;  /* F_SETPIPE_SZ, 0 for the default */
	uint32_t buffer_size;
	uint32_t pool_max;
	uint32_t pipe_max;   /* pipes open at most, lent or spare; 0: any */
	uint32_t pipes_open; /* lent or spare */
	uint32_t stall_us;   /* STALL_US, or ds__relay_ctx_stall_us() */
	bool no_splice;
	uint32_t fail_in, fail_out; /* ds__relay_ctx_fail_splice() */
	uint32_t npipes, nbufs;
	int (*pipes)[2];
	char **bufs;
	/* Directions whose destination left bytes in their pipe, oldest
	 * first, and the timer that takes back their pipes. */
	struct dir *stall_head, *stall_tail;
	struct ds_timer *stall_timer;
};

/* One direction: from side i to side !i (dir[0] is A to B). */
struct dir {
	int pipe[2];         /* borrowed pipe, -1 when none */
	uint32_t in_pipe;    /* bytes in it */
	uint32_t head, tail; /* buf[head..tail) is still to be written */
	bool use_buf;        /* moving through the buffer now */
	bool can_splice;     /* not no_splice, not fallen back */
	bool eof;            /* the source's FIN has been read */
	bool shut;           /* passed on: shutdown(destination, SHUT_WR) */
	bool big;            /* buf is larger than a pooled one (stall()) */
	bool stalled;        /* on the context's stall list */
	/* ds_loop_now() when it stalled, modulo 2^32 (71 minutes): only
	 * the difference to now is used, and no stall is that long. */
	uint32_t stall_since;
	uint64_t buf_moved; /* bytes read into the buffer, up to the switch */
	char *buf;          /* borrowed buffer, NULL when none */
	struct dir *sprev, *snext; /* the stall list */
};

/* The bytes to send to B first, while some are left. */
struct pre {
	size_t len, off;
	char data[];
};

/*
 * What a relay made by ds_relay_new_ends() needs beyond two sockets, in
 * its own block so that a socket relay stays as small as it was: where
 * each side is written when that is not where it is read, which sides
 * are not sockets, shared, or unwatchable, and the deferred callback
 * that drives the unwatchable ones.
 */
struct ends {
	int wfd[2];           /* where side s is written */
	struct ds_io *wio[2]; /* its watch when wfd[s] is not fd[s] */
	struct ds_defer *defer;
	unsigned flags[2]; /* DS_RELAY_SHARED and the E_* below */
	unsigned rflags;   /* DS_RELAY_END_WITH_B */
};

enum {
	E_NOSOCK = 1u << 8,    /* not a socket: read(2)/write(2), no RST */
	E_NOWATCH_R = 1u << 9, /* epoll refuses the read side (a file) */
	E_NOWATCH_W = 1u << 10,
};

struct ds_relay {
	struct ds_relay_ctx *ctx;
	struct ds_relay *prev, *next;
	int fd[2];
	struct ds_io *io[2];
	struct ds_timer *timer;
	struct ends *x; /* NULL for two sockets */
	struct dir dir[2];
	struct pre *pre;    /* NULL once sent */
	uint64_t active_us; /* ds_loop_now() at the last byte, or the start */
	ds_relay_done_fn *cb;
	void *userdata;
	struct ds_relay_stats st;
	uint8_t first_eof; /* 1: A's FIN was read first, 2: B's, 0: none */
	bool over;         /* ended: sockets closed, watches freed */
	bool reported;     /* the callback has been called */
};

const char *
ds_relay_end_name(enum ds_relay_end e)
{
	switch (e) {
	case DS_RELAY_EOF_A:
		return "eof-a";
	case DS_RELAY_EOF_B:
		return "eof-b";
	case DS_RELAY_RESET_A:
		return "reset-a";
	case DS_RELAY_RESET_B:
		return "reset-b";
	case DS_RELAY_TIMEOUT:
		return "timeout";
	case DS_RELAY_CLOSED:
		return "closed";
	case DS_RELAY_ERROR:
		return "error";
	}
	return "running";
}

/* --- The pool -------------------------------------------------------------*/

/*
 * A pipe from the pool, or a new one. Returns 0, -EAGAIN when pipe_max
 * pipes are open already (without a system call), or pipe2()'s -errno.
 */
static int
pipe_get(struct ds_relay_ctx *ctx, int p[2])
{
	int fds[2];

	if (ctx->npipes > 0) {
		ctx->npipes--;
		p[0] = ctx->pipes[ctx->npipes][0];
		p[1] = ctx->pipes[ctx->npipes][1];
		return 0;
	}
	if (ctx->pipe_max && ctx->pipes_open >= ctx->pipe_max)
		return -EAGAIN;
	/* Into a local array: p stays {-1, -1} on failure whatever the
	 * system call wrote. */
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1)
		return -errno;
	ctx->pipes_open++;
	p[0] = fds[0];
	p[1] = fds[1];
	/* Best effort: above /proc/sys/fs/pipe-max-size, or past the user's
	 * pipe-user-pages-soft, the kernel refuses (EPERM) or gives less,
	 * and the pipe works at its default size; splice() moves what fits. */
	if (ctx->pipe_set)
		(void)fcntl(p[1], F_SETPIPE_SZ, (int)ctx->pipe_set);
	return 0;
}

static void
pipe_close(struct ds_relay_ctx *ctx, int p[2])
{
	close(p[0]);
	close(p[1]);
	p[0] = p[1] = -1;
	ctx->pipes_open--;
}

/* Give back an empty pipe (or close it when the pool is full). */
static void
pipe_put(struct ds_relay_ctx *ctx, int p[2])
{
	if (ctx->npipes < ctx->pool_max) {
		ctx->pipes[ctx->npipes][0] = p[0];
		ctx->pipes[ctx->npipes][1] = p[1];
		ctx->npipes++;
		p[0] = p[1] = -1;
	} else {
		pipe_close(ctx, p);
	}
}

static char *
buf_get(struct ds_relay_ctx *ctx)
{
	if (ctx->nbufs > 0)
		return ctx->bufs[--ctx->nbufs];
	return malloc(ctx->buffer_size);
}

static void
buf_put(struct ds_relay_ctx *ctx, char *b)
{
	if (ctx->nbufs < ctx->pool_max)
		ctx->bufs[ctx->nbufs++] = b;
	else
		free(b);
}

/* Give back a direction's buffer; bytes still in it are dropped. A big
 * one (stall()) is freed: the pool holds buffers of one size. */
static void
dir_buf_put(struct ds_relay_ctx *ctx, struct dir *d)
{
	if (d->big)
		free(d->buf);
	else
		buf_put(ctx, d->buf);
	d->buf = NULL;
	d->big = false;
	d->head = d->tail = 0;
}

/* --- Stalls ---------------------------------------------------------------*/

/* The destination left bytes in d's pipe: on to the stall list, unless
 * it is there already (since an earlier EAGAIN with nothing moved). */
static void
stall_begin(struct ds_relay_ctx *ctx, struct dir *d)
{
	if (d->stalled)
		return;
	d->stalled = true;
	d->stall_since = (uint32_t)ds_loop_now(ctx->loop);
	d->snext = NULL;
	d->sprev = ctx->stall_tail;
	if (ctx->stall_tail)
		ctx->stall_tail->snext = d;
	else
		ctx->stall_head = d;
	ctx->stall_tail = d;
	if (!ds_timer_is_active(ctx->stall_timer))
		ds_timer_start_in(ctx->stall_timer, ctx->stall_us);
}

static void
stall_end(struct ds_relay_ctx *ctx, struct dir *d)
{
	if (!d->stalled)
		return;
	if (d->sprev)
		d->sprev->snext = d->snext;
	else
		ctx->stall_head = d->snext;
	if (d->snext)
		d->snext->sprev = d->sprev;
	else
		ctx->stall_tail = d->sprev;
	d->sprev = d->snext = NULL;
	d->stalled = false;
}

/*
 * Direction d has held bytes in its pipe for stall_us without its
 * destination taking any: read them into a buffer (one sized to fit when
 * the pipe holds more than a pooled buffer, which --pipe-size allows),
 * give the pipe back, and go on through the buffer. The bytes in the
 * pipe were read from the source after everything the buffer held, and
 * the buffer is empty while a direction splices, so the order stays.
 * Without the memory the pipe stays, until the next stall. Should the
 * read take less than all, what is left comes out of the pipe through
 * the buffer first, as after a fallback, and the pipe goes back once
 * empty.
 */
static void
stall(struct ds_relay_ctx *ctx, struct dir *d)
{
	bool big = d->in_pipe > ctx->buffer_size;
	ssize_t n;

	if (d->use_buf || d->in_pipe == 0 || d->head != d->tail)
		return;
	if (d->buf && (big || d->big))
		dir_buf_put(ctx, d);
	if (!d->buf) {
		d->buf = big ? malloc(d->in_pipe) : buf_get(ctx);
		if (!d->buf)
			return;
		d->big = big;
	}
	do
		n = read(d->pipe[0], d->buf, d->in_pipe);
	while (n == -1 && errno == EINTR);
	d->use_buf = true;
	/* Splice again once it moves bulk data again. */
	d->buf_moved = 0;
	if (n <= 0)
		return; /* not seen on a pipe that holds bytes; see above */
	d->head = 0;
	d->tail = (uint32_t)n;
	d->in_pipe -= (uint32_t)n;
	if (d->in_pipe == 0)
		pipe_put(ctx, d->pipe);
}

static void
on_stall_timer(struct ds_timer *t, void *userdata)
{
	struct ds_relay_ctx *ctx = userdata;
	uint32_t now = (uint32_t)ds_loop_now(ctx->loop);
	struct dir *d;

	while ((d = ctx->stall_head)) {
		uint32_t waited = now - d->stall_since;

		if (waited < ctx->stall_us) {
			ds_timer_start_at(t,
			    ds_loop_now(ctx->loop) + (ctx->stall_us - waited));
			return;
		}
		stall_end(ctx, d);
		stall(ctx, d);
	}
}

/* --- Ends that are not sockets ------------------------------------------*/

static int
wfd_of(const struct ds_relay *r, int s)
{
	return r->x ? r->x->wfd[s] : r->fd[s];
}

static bool
has(const struct ds_relay *r, int s, unsigned flag)
{
	return r->x && (r->x->flags[s] & flag);
}

/* --- Ending ---------------------------------------------------------------*/

static bool
pending(const struct dir *d)
{
	return d->in_pipe > 0 || d->head < d->tail;
}

/* Give back what a direction holds; bytes still in it are dropped. */
static void
dir_release(struct ds_relay_ctx *ctx, struct dir *d)
{
	stall_end(ctx, d);
	if (d->pipe[0] != -1) {
		if (d->in_pipe > 0) {
			pipe_close(ctx, d->pipe);
			d->in_pipe = 0;
		} else {
			pipe_put(ctx, d->pipe);
		}
	}
	if (d->buf)
		dir_buf_put(ctx, d);
}

void
ds__close_rst(int fd)
{
	struct linger l = {.l_onoff = 1, .l_linger = 0};

	/* An abortive close: with a zero linger time close() discards what
	 * is queued and sends an RST, TCP's ABORT (RFC 9293 section 3.10.5). */
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/*
 * End the relay: free the watches, close both sockets (with an RST for
 * the sides in rst_mask: bit 0 A, bit 1 B), give the pipes and buffers
 * back. The callback is the caller's business.
 */
static void
finish(struct ds_relay *r, enum ds_relay_end end, int err, unsigned rst_mask)
{
	struct ds_relay_ctx *ctx = r->ctx;

	if (r->over)
		return;
	r->over = true;
	r->st.end = end;
	r->st.err = err;
	ctx->active--;
	ds_timer_stop(r->timer);
	for (int s = 0; s < 2; s++) {
		r->io[s] = ds_io_free(r->io[s]);
		if (r->x) {
			r->x->wio[s] = ds_io_free(r->x->wio[s]);
			/* Shared descriptors stay open: they are not ours. */
			if (!(r->x->flags[s] & DS_RELAY_SHARED) &&
			    r->x->wfd[s] != r->fd[s] && r->x->wfd[s] >= 0)
				close(r->x->wfd[s]);
			r->x->wfd[s] = -1;
		}
		if (r->fd[s] >= 0 && !has(r, s, DS_RELAY_SHARED)) {
			if ((rst_mask & (1u << s)) && !has(r, s, E_NOSOCK))
				ds__close_rst(r->fd[s]);
			else
				close(r->fd[s]);
		}
		r->fd[s] = -1;
		dir_release(ctx, &r->dir[s]);
	}
	if (r->x)
		r->x->defer = ds_defer_free(r->x->defer);
	free(r->pre);
	r->pre = NULL;
}

/* Side s reset (err -ECONNRESET or -EPIPE): pass it on to the other. */
static void
reset_from(struct ds_relay *r, int s, int err)
{
	finish(r, s == 0 ? DS_RELAY_RESET_A : DS_RELAY_RESET_B, err,
	    1u << (1 - s));
}

/* An error that is not a reset: nothing sensible can follow on either
 * socket, so both are aborted rather than made to look like a clean end. */
static void
fail(struct ds_relay *r, int err)
{
	finish(r, DS_RELAY_ERROR, err, 3u);
}

/* A failed read from side s, or write to it. */
static void
sock_failed(struct ds_relay *r, int s, int e, bool write)
{
	r->st.err_side = (int8_t)s;
	r->st.err_write = write;
	/* A descriptor that is not a socket has no reset to pass on: its
	 * failure ends the relay, and the sockets close normally. */
	if (has(r, s, E_NOSOCK))
		finish(r, DS_RELAY_ERROR, -e, 0);
	else if (e == ECONNRESET || e == EPIPE)
		reset_from(r, s, -e);
	else
		fail(r, -e);
}

static void
report(struct ds_relay *r)
{
	if (r->reported)
		return;
	r->reported = true;
	if (r->cb)
		r->cb(r, &r->st, r->userdata);
}

/* --- Moving bytes ---------------------------------------------------------*/

static void
moved(struct ds_relay *r)
{
	r->active_us = ds_loop_now(r->ctx->loop);
	r->st.last_us = r->active_us;
}

/*
 * Write out what direction i holds. Returns 1 when it holds nothing any
 * more, 0 when the destination is full, -1 when the relay is over.
 */
static int
flush(struct ds_relay *r, int i)
{
	struct dir *d = &r->dir[i];
	int dst = wfd_of(r, 1 - i);
	uint64_t *count = i == 0 ? &r->st.a_to_b : &r->st.b_to_a;
	bool wrote_shared = false;
	ssize_t n;

	while (i == 0 && r->pre) {
		n = send(dst, r->pre->data + r->pre->off,
		    r->pre->len - r->pre->off, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			sock_failed(r, 1, errno, true);
			return -1;
		}
		r->pre->off += (size_t)n;
		r->st.pre_b += (uint64_t)n;
		moved(r);
		if (r->pre->off == r->pre->len) {
			free(r->pre);
			r->pre = NULL;
		}
	}
	while (!d->use_buf && d->in_pipe > 0) {
		if (r->ctx->fail_out) {
			/* The test hook: as if splice() refused this
			 * destination, with the bytes still in the pipe. */
			r->ctx->fail_out--;
			n = -1;
			errno = EINVAL;
		} else {
			n = splice(d->pipe[0], NULL, dst, NULL, d->in_pipe,
			    SPLICE_FLAGS);
		}
		if (n > 0) {
			d->in_pipe -= (uint32_t)n;
			*count += (uint64_t)n;
			r->st.spliced = true;
			moved(r);
			if (d->stalled)
				stall_end(r->ctx, d);
			continue;
		}
		if (n == 0) {
			/* We hold the write end: an empty read cannot be. */
			fail(r, -EIO);
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			stall_begin(r->ctx, d);
			return 0;
		}
		if (errno == EINVAL) {
			/* This destination takes no splice: the bytes in the
			 * pipe go out through the buffer below. */
			stall_end(r->ctx, d);
			d->use_buf = true;
			d->can_splice = false;
			r->st.fallback = true;
			break;
		}
		sock_failed(r, 1 - i, errno, true);
		return -1;
	}
	for (;;) {
		if (d->head == d->tail) {
			d->head = d->tail = 0;
			if (d->in_pipe == 0)
				break;
			/* Fell back with bytes in the pipe: they go first. */
			if (!d->buf && !(d->buf = buf_get(r->ctx))) {
				fail(r, -ENOMEM);
				return -1;
			}
			n = read(d->pipe[0], d->buf,
			    d->in_pipe < r->ctx->buffer_size
			        ? d->in_pipe
			        : r->ctx->buffer_size);
			if (n <= 0) {
				if (n == -1 && errno == EINTR)
					continue;
				fail(r, n == 0 ? -EIO : -errno);
				return -1;
			}
			d->in_pipe -= (uint32_t)n;
			d->tail = (uint32_t)n;
			if (d->in_pipe == 0)
				pipe_put(r->ctx, d->pipe);
		}
		if (!has(r, 1 - i, E_NOSOCK)) {
			n = send(dst, d->buf + d->head, d->tail - d->head,
			    MSG_NOSIGNAL);
		} else if (has(r, 1 - i, DS_RELAY_SHARED) &&
		    !has(r, 1 - i, E_NOWATCH_W)) {
			/* Blocking, and ready: a pipe or terminal with room
			 * takes PIPE_BUF bytes without blocking (POSIX
			 * write(2)); one write, then wait for room again. */
			if (wrote_shared)
				return 0;
			wrote_shared = true;
			n = write(dst, d->buf + d->head,
			    d->tail - d->head < PIPE_BUF ? d->tail - d->head
			                                 : PIPE_BUF);
		} else {
			n = write(dst, d->buf + d->head, d->tail - d->head);
		}
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			sock_failed(r, 1 - i, errno, true);
			return -1;
		}
		d->head += (uint32_t)n;
		*count += (uint64_t)n;
		moved(r);
	}
	return 1;
}

/* What a direction moves through its buffer before it splices. */
static uint64_t
bulk_bytes(const struct ds_relay_ctx *ctx)
{
	return (uint64_t)BULK_BUFFERS * ctx->buffer_size;
}

/* Switch direction d to buffers for the rest of the relay. */
static void
fall_back(struct ds_relay *r, struct dir *d)
{
	d->use_buf = true;
	d->can_splice = false;
	r->st.fallback = true;
	if (d->pipe[0] != -1 && d->in_pipe == 0)
		pipe_put(r->ctx, d->pipe);
}

/*
 * Read from direction i's source into its (empty) pipe or buffer.
 * Returns 1 for bytes, 3 for bytes that emptied the socket (fewer came
 * than were asked for: reading again now would only say EAGAIN), 2 for
 * end of stream, 0 when there is nothing to read, -1 when the relay is
 * over.
 */
static int
fill(struct ds_relay *r, int i)
{
	struct dir *d = &r->dir[i];
	int src = r->fd[i];
	ssize_t n;
	int rc;

	/*
	 * Bulk data: on to splice(2), with the buffer empty (it is: fill()
	 * runs only when the direction holds nothing), if a pipe can be had.
	 * A direction splicing gave its pipe back when it last held nothing
	 * and takes one again here.
	 */
	if (d->pipe[0] == -1 &&
	    (d->use_buf ? d->can_splice && d->buf_moved >= bulk_bytes(r->ctx)
	                : true)) {
		rc = pipe_get(r->ctx, d->pipe);
		if (rc == 0) {
			d->use_buf = false;
			if (d->buf)
				dir_buf_put(r->ctx, d);
		} else if (rc == -EAGAIN) {
			/* The context's pipes are all out: the buffer for
			 * now, and ask again at the next bulk read. */
			d->use_buf = true;
			d->buf_moved = 0;
			r->st.fallback = true;
		} else if (rc == -EMFILE || rc == -ENFILE) {
			fall_back(r, d);
		} else {
			fail(r, rc);
			return -1;
		}
	}
	while (!d->use_buf) {
		if (r->ctx->fail_in) {
			r->ctx->fail_in--;
			n = -1;
			errno = EINVAL;
		} else {
			n = splice(src, NULL, d->pipe[1], NULL,
			    r->ctx->pipe_size, SPLICE_FLAGS);
		}
		if (n > 0) {
			d->in_pipe = (uint32_t)n;
			moved(r);
			return (size_t)n < r->ctx->pipe_size ? 3 : 1;
		}
		if (n == 0)
			return 2;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		if (errno == EINVAL) {
			/* The pipe is empty here: nothing to carry over. */
			fall_back(r, d);
			break;
		}
		sock_failed(r, i, errno, false);
		return -1;
	}
	if (!d->buf && !(d->buf = buf_get(r->ctx))) {
		fail(r, -ENOMEM);
		return -1;
	}
	for (;;) {
		if (has(r, i, E_NOSOCK))
			n = read(src, d->buf, r->ctx->buffer_size);
		else
			n = recv(src, d->buf, r->ctx->buffer_size, 0);
		if (n > 0) {
			d->head = 0;
			d->tail = (uint32_t)n;
			moved(r);
			/* A full read counts as bulk at once. */
			if ((size_t)n == r->ctx->buffer_size)
				d->buf_moved = bulk_bytes(r->ctx);
			else
				d->buf_moved += (uint64_t)n;
			/* A blocking source is read once per readiness: a
			 * second read could wait for input. */
			if (has(r, i, DS_RELAY_SHARED))
				return 3;
			return (size_t)n < r->ctx->buffer_size ? 3 : 1;
		}
		if (n == 0)
			return 2;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		sock_failed(r, i, errno, false);
		return -1;
	}
}

/* Give back the pipe and buffer of a direction that holds nothing. */
static void
dir_idle(struct ds_relay_ctx *ctx, struct dir *d)
{
	if (d->pipe[0] != -1 && d->in_pipe == 0)
		pipe_put(ctx, d->pipe);
	if (d->buf && d->head == d->tail)
		dir_buf_put(ctx, d);
}

/*
 * One round of direction i (see the top). Returns -1 when the relay is
 * over, else 0.
 */
static int
pump(struct ds_relay *r, int i)
{
	struct dir *d = &r->dir[i];
	bool drained = false;
	int rc;

	if (d->shut)
		return 0;
	for (int k = 0;; k++) {
		rc = flush(r, i);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return 0; /* the destination is full: keep what we hold
			           */
		if (d->eof) {
			/* Everything before the FIN is out: pass it on --
			 * unless the other way is done too, when the close
			 * that follows sends the FIN anyway. */
			if (!r->dir[1 - i].shut && !has(r, 1 - i, E_NOSOCK) &&
			    shutdown(r->fd[1 - i], SHUT_WR) == -1) {
				int e = -ds__sock_error(r->fd[1 - i]);

				/* ENOTCONN: the destination was reset. */
				sock_failed(r, 1 - i,
				    e && e != ENOTCONN ? e : ECONNRESET, true);
				return -1;
			}
			d->shut = true;
			break;
		}
		if (k == BURST || drained)
			break;
		rc = fill(r, i);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		if (rc == 3)
			drained = true;
		if (rc == 2) {
			d->eof = true;
			if (i == 0)
				r->st.a_eof = true;
			else
				r->st.b_eof = true;
			if (!r->first_eof)
				r->first_eof = (uint8_t)(i + 1);
		}
	}
	dir_idle(r->ctx, d);
	return 0;
}

/* --- Watching -------------------------------------------------------------*/

/* What side s should be watched for, given what the directions hold. */
static unsigned
wanted(const struct ds_relay *r, int s)
{
	const struct dir *from = &r->dir[s], *to = &r->dir[1 - s];
	unsigned ev = 0;

	/* Read s only while its direction holds nothing (for A: nor the
	 * bytes for B that go first). */
	if (!from->eof && !pending(from) && !(s == 0 && r->pre))
		ev |= DS_IO_IN;
	if (pending(to) || (s == 1 && r->pre))
		ev |= DS_IO_OUT;
	return ev;
}

/* Set watch io to ev unless it is already; -1 when that fails. */
static int
watch(struct ds_relay *r, struct ds_io *io, unsigned ev)
{
	int rc;

	if (!io || ev == ds_io_get_events(io))
		return 0;
	rc = ds_io_set_events(io, ev);
	if (rc < 0) {
		fail(r, rc);
		return -1;
	}
	return 0;
}

/*
 * settle() for a relay with ends that are not plain sockets: input on
 * the read watch, output on the write watch when it is another one, and
 * what epoll cannot watch (a regular file, /dev/null, which never block)
 * driven from the deferred callback while it is wanted.
 */
static int
settle_ends(struct ds_relay *r)
{
	bool kick = false;

	for (int s = 0; s < 2; s++) {
		unsigned ev = wanted(r, s);
		unsigned out = r->x->wfd[s] == r->fd[s] ? (ev & DS_IO_OUT) : 0;

		if (watch(r, r->io[s], (ev & DS_IO_IN) | out) < 0 ||
		    watch(r, r->x->wio[s], ev & DS_IO_OUT) < 0)
			return -1;
		if (((ev & DS_IO_IN) && has(r, s, E_NOWATCH_R)) ||
		    ((ev & DS_IO_OUT) && has(r, s, E_NOWATCH_W)))
			kick = true;
	}
	if (kick)
		ds_defer_schedule(r->x->defer);
	return 0;
}

static int settle(struct ds_relay *r);

/* Move what the unwatchable descriptors allow, as readiness would. */
static void
on_defer(struct ds_defer *d, void *userdata)
{
	struct ds_relay *r = userdata;

	(void)d;
	for (int s = 0; s < 2 && !r->over; s++) {
		unsigned ev = wanted(r, s);

		/* An end without input has its end of stream to pass on,
		 * which no readiness would bring. */
		if (r->dir[s].eof && !r->dir[s].shut && !pending(&r->dir[s]) &&
		    pump(r, s) < 0)
			break;
		if (!r->over && (ev & DS_IO_IN) && has(r, s, E_NOWATCH_R) &&
		    pump(r, s) < 0)
			break;
		if (!r->over && (ev & DS_IO_OUT) && has(r, s, E_NOWATCH_W) &&
		    pump(r, 1 - s) < 0)
			break;
	}
	if (r->over || settle(r) < 0)
		report(r);
}

/* After a round: end the relay when both directions have, else bring the
 * watches up to date. Returns -1 when the relay is over. */
static int
settle(struct ds_relay *r)
{
	if (r->over)
		return -1;
	if (r->dir[0].shut && r->dir[1].shut) {
		finish(r, r->first_eof == 2 ? DS_RELAY_EOF_B : DS_RELAY_EOF_A,
		    0, 0);
		return -1;
	}
	if (r->x && (r->x->rflags & DS_RELAY_END_WITH_B) && r->dir[1].shut) {
		finish(r, DS_RELAY_EOF_B, 0, 0);
		return -1;
	}
	if (r->x)
		return settle_ends(r);
	for (int s = 0; s < 2; s++) {
		unsigned ev = wanted(r, s);
		int rc;

		if (ev == ds_io_get_events(r->io[s]))
			continue;
		rc = ds_io_set_events(r->io[s], ev);
		if (rc < 0) {
			fail(r, rc);
			return -1;
		}
	}
	return 0;
}

static void
on_io(struct ds_io *io, int fd, unsigned events, void *userdata)
{
	struct ds_relay *r = userdata;
	int s = io == r->io[0] ? 0 : 1;
	unsigned w = ds_io_get_events(io);

	if (r->x && io == r->x->wio[0])
		s = 0;
	if (events & DS_IO_ERR && !has(r, s, E_NOSOCK)) {
		int e = -ds__sock_error(fd);

		if (e) {
			sock_failed(r, s, e, false);
			report(r);
			return;
		}
	}
	/* Input (or a hang-up, which a read turns into EOF or an error)
	 * moves s's direction; output moves the other one, toward s. */
	if ((w & DS_IO_IN) && (events & (DS_IO_IN | DS_IO_HUP | DS_IO_ERR)) &&
	    pump(r, s) < 0)
		goto over;
	if ((w & DS_IO_OUT) && (events & (DS_IO_OUT | DS_IO_HUP | DS_IO_ERR)) &&
	    pump(r, 1 - s) < 0)
		goto over;
	if (settle(r) == 0)
		return;
over:
	/* The last thing done here: the callback may free r. */
	report(r);
}

static void
on_timer(struct ds_timer *t, void *userdata)
{
	struct ds_relay *r = userdata;
	uint64_t due;

	if (!r->over) {
		due = r->active_us + r->ctx->idle_timeout_us;
		if (ds_loop_now(r->ctx->loop) < due) {
			/* Bytes moved since it was armed: the rest of the
			 * time from the last one. */
			ds_timer_start_at(t, due);
			return;
		}
		finish(r, DS_RELAY_TIMEOUT, 0, 0);
	}
	report(r);
}

/* --- Public ---------------------------------------------------------------*/

int
ds_relay_ctx_new(struct ds_loop *loop, const struct ds_relay_opts *opts,
    struct ds_relay_ctx **ret)
{
	struct ds_relay_opts o = {0};
	struct ds_relay_ctx *ctx;
	int rc;

	if (!loop || !ret)
		return -EINVAL;
	if (opts)
		o = *opts;
	if ((o.pipe_size &&
	        (o.pipe_size < MIN_SIZE || o.pipe_size > MAX_SIZE)) ||
	    (o.buffer_size &&
	        (o.buffer_size < MIN_SIZE || o.buffer_size > MAX_SIZE)))
		return -EINVAL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->loop = loop;
	ctx->idle_timeout_us = o.idle_timeout_us;
	ctx->no_splice = o.no_splice;
	ctx->pipe_set = o.pipe_size;
	ctx->pipe_size = o.pipe_size ? o.pipe_size : DEFAULT_SIZE;
	ctx->buffer_size = o.buffer_size ? o.buffer_size : DEFAULT_SIZE;
	ctx->pool_max = o.pool_max ? o.pool_max : DEFAULT_POOL;
	ctx->pipe_max = o.pipe_max;
	ctx->stall_us = STALL_US;
	ctx->pipes = calloc(ctx->pool_max, sizeof(*ctx->pipes));
	ctx->bufs = calloc(ctx->pool_max, sizeof(*ctx->bufs));
	if (!ctx->pipes || !ctx->bufs) {
		free(ctx->pipes);
		free(ctx->bufs);
		free(ctx);
		return -ENOMEM;
	}
	rc = ds_timer_new(loop, on_stall_timer, ctx, &ctx->stall_timer);
	if (rc < 0) {
		free(ctx->pipes);
		free(ctx->bufs);
		free(ctx);
		return rc;
	}
	*ret = ctx;
	return 0;
}

struct ds_relay_ctx *
ds_relay_ctx_free(struct ds_relay_ctx *ctx)
{
	if (!ctx)
		return NULL;
	while (ctx->relays)
		ds_relay_free(ctx->relays);
	ds_timer_free(ctx->stall_timer);
	for (uint32_t i = 0; i < ctx->npipes; i++) {
		close(ctx->pipes[i][0]);
		close(ctx->pipes[i][1]);
	}
	for (uint32_t i = 0; i < ctx->nbufs; i++)
		free(ctx->bufs[i]);
	free(ctx->pipes);
	free(ctx->bufs);
	free(ctx);
	return NULL;
}

int
ds__relay_new_io(struct ds_relay_ctx *ctx, int fd_a, int fd_b,
    struct ds_io *io_b, const void *pre_b, size_t pre_b_len,
    ds_relay_done_fn *cb, void *userdata, struct ds_relay **ret)
{
	struct ds_relay *r;
	int rc;

	if (!ctx || !ret || (pre_b_len && !pre_b))
		return -EINVAL;
	if (fd_a < 0 || fd_b < 0 || fd_a == fd_b ||
	    (io_b && ds_io_get_fd(io_b) != fd_b))
		return -EBADF;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->ctx = ctx;
	r->fd[0] = fd_a;
	r->fd[1] = fd_b;
	r->cb = cb;
	r->userdata = userdata;
	for (int i = 0; i < 2; i++) {
		r->dir[i].pipe[0] = r->dir[i].pipe[1] = -1;
		r->dir[i].use_buf = true; /* see the top */
		r->dir[i].can_splice = !ctx->no_splice;
	}
	if (pre_b_len) {
		if (pre_b_len > SIZE_MAX - sizeof(*r->pre)) {
			rc = -ENOMEM;
			goto fail;
		}
		r->pre = malloc(sizeof(*r->pre) + pre_b_len);
		if (!r->pre) {
			rc = -ENOMEM;
			goto fail;
		}
		memcpy(r->pre->data, pre_b, pre_b_len);
		r->pre->len = pre_b_len;
		r->pre->off = 0;
	}
	rc = ds_timer_new(ctx->loop, on_timer, r, &r->timer);
	if (rc < 0)
		goto fail;
	/* Both registered for input, what they want most often after the
	 * first round below; settle() changes only what differs. (A watch
	 * added disabled would cost an epoll_ctl ADD and a DEL.) */
	rc = ds_io_new(ctx->loop, fd_a, DS_IO_IN, on_io, r, &r->io[0]);
	if (rc < 0)
		goto fail;
	if (io_b) {
		r->io[1] = io_b;
		ds__io_set_callback(io_b, on_io, r);
	} else {
		rc = ds_io_new(ctx->loop, fd_b, DS_IO_IN, on_io, r, &r->io[1]);
		if (rc < 0)
			goto fail;
	}
	r->st.start_us = r->active_us = ds_loop_now(ctx->loop);
	r->st.err_side = -1;
	r->next = ctx->relays;
	if (ctx->relays)
		ctx->relays->prev = r;
	ctx->relays = r;
	ctx->active++;
	*ret = r;

	/*
	 * Move what can be moved now rather than after a trip through
	 * epoll: the bytes for B first, then what A has sent, which for a
	 * client that spoke as soon as it connected (most protocols) is
	 * already queued. The watches are set from what is left; an end
	 * reached here is reported from the loop, never from this call.
	 */
	if (pump(r, 0) < 0 || settle(r) < 0) {
		ds_timer_start_in(r->timer, 0);
		return 0;
	}
	if (ctx->idle_timeout_us)
		ds_timer_start_in(r->timer, ctx->idle_timeout_us);
	return 0;
fail:
	ds_io_free(r->io[0]);
	if (!io_b)
		ds_io_free(r->io[1]);
	ds_timer_free(r->timer);
	free(r->pre);
	free(r);
	return rc;
}

int
ds_relay_new(struct ds_relay_ctx *ctx, int fd_a, int fd_b, const void *pre_b,
    size_t pre_b_len, ds_relay_done_fn *cb, void *userdata,
    struct ds_relay **ret)
{
	return ds__relay_new_io(
	    ctx, fd_a, fd_b, NULL, pre_b, pre_b_len, cb, userdata, ret);
}

/* Whether fd is a socket, and whether epoll can watch it. */
static int
end_probe(int fd, unsigned *flags)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		*flags |= E_NOSOCK;
	return 0;
}

/* A watch on one end's descriptor, or none where epoll refuses it
 * (EPERM: a regular file, /dev/null), which then is driven by defer. */
static int
end_watch(struct ds_relay *r, int fd, unsigned *flags, unsigned nowatch,
    struct ds_io **ret)
{
	int rc = ds_io_new(r->ctx->loop, fd, 0, on_io, r, ret);

	if (rc == -EPERM) {
		*ret = NULL;
		*flags |= nowatch;
		return 0;
	}
	return rc;
}

int
ds_relay_new_ends(struct ds_relay_ctx *ctx, const struct ds_relay_end_fds *a,
    const struct ds_relay_end_fds *b, unsigned flags, ds_relay_done_fn *cb,
    void *userdata, struct ds_relay **ret)
{
	const struct ds_relay_end_fds *e[2] = {a, b};
	struct ds_relay *r;
	struct ends *x;
	int rc;

	if (!ctx || !a || !b || !ret ||
	    (flags & ~(unsigned)DS_RELAY_END_WITH_B) ||
	    ((a->flags | b->flags) & ~(unsigned)DS_RELAY_SHARED))
		return -EINVAL;
	for (int s = 0; s < 2; s++) {
		if (e[s]->rfd < -1 || e[s]->wfd < 0)
			return -EBADF;
	}
	r = calloc(1, sizeof(*r));
	x = calloc(1, sizeof(*x));
	if (!r || !x) {
		free(r);
		free(x);
		return -ENOMEM;
	}
	r->ctx = ctx;
	r->x = x;
	r->cb = cb;
	r->userdata = userdata;
	x->rflags = flags;
	for (int s = 0; s < 2; s++) {
		r->fd[s] = e[s]->rfd;
		x->wfd[s] = e[s]->wfd;
		x->flags[s] = e[s]->flags;
		rc = end_probe(e[s]->wfd, &x->flags[s]);
		if (rc < 0)
			goto fail;
		r->dir[s].pipe[0] = r->dir[s].pipe[1] = -1;
		r->dir[s].use_buf = true;
		/* A blocking descriptor is never spliced: a splice(2) into
		 * or out of it could wait, and SPLICE_F_NONBLOCK only
		 * speaks for the pipe. */
		r->dir[s].can_splice = !ctx->no_splice &&
		    !((e[s]->flags | e[1 - s]->flags) & DS_RELAY_SHARED);
		if (e[s]->rfd < 0) {
			/* Nothing to read: an end of stream at once. */
			r->dir[s].eof = true;
			if (s == 0)
				r->st.a_eof = true;
			else
				r->st.b_eof = true;
			if (!r->first_eof)
				r->first_eof = (uint8_t)(s + 1);
		}
	}
	r->st.err_side = -1;
	rc = ds_timer_new(ctx->loop, on_timer, r, &r->timer);
	if (rc < 0)
		goto fail;
	rc = ds_defer_new(ctx->loop, on_defer, r, &x->defer);
	if (rc < 0)
		goto fail;
	for (int s = 0; s < 2; s++) {
		if (r->fd[s] >= 0) {
			rc = end_watch(
			    r, r->fd[s], &x->flags[s], E_NOWATCH_R, &r->io[s]);
			if (rc < 0)
				goto fail;
		}
		if (x->wfd[s] != r->fd[s]) {
			rc = end_watch(r, x->wfd[s], &x->flags[s], E_NOWATCH_W,
			    &x->wio[s]);
			if (rc < 0)
				goto fail;
		} else if (x->flags[s] & E_NOWATCH_R) {
			x->flags[s] |= E_NOWATCH_W;
		}
	}
	r->st.start_us = r->active_us = ds_loop_now(ctx->loop);
	r->next = ctx->relays;
	if (ctx->relays)
		ctx->relays->prev = r;
	ctx->relays = r;
	ctx->active++;
	*ret = r;
	/* The first round from the loop, never from here: a shared end is
	 * read only after readiness, and the callback never runs inside
	 * this call. */
	ds_defer_schedule(x->defer);
	if (ctx->idle_timeout_us)
		ds_timer_start_in(r->timer, ctx->idle_timeout_us);
	return 0;
fail:
	for (int s = 0; s < 2; s++) {
		ds_io_free(r->io[s]);
		ds_io_free(x->wio[s]);
	}
	ds_defer_free(x->defer);
	ds_timer_free(r->timer);
	free(x);
	free(r);
	return rc;
}

const struct ds_relay_stats *
ds_relay_stats(const struct ds_relay *r)
{
	return &r->st;
}

void
ds_relay_close(struct ds_relay *r, bool reset)
{
	if (!r || r->over)
		return;
	finish(r, DS_RELAY_CLOSED, 0, reset ? 3u : 0u);
	/* The callback comes from the loop, on its next iteration. */
	ds_timer_start_in(r->timer, 0);
}

struct ds_relay *
ds_relay_free(struct ds_relay *r)
{
	struct ds_relay_ctx *ctx;

	if (!r)
		return NULL;
	ctx = r->ctx;
	finish(r, DS_RELAY_CLOSED, 0, 0);
	ds_timer_free(r->timer);
	if (r->prev)
		r->prev->next = r->next;
	else
		ctx->relays = r->next;
	if (r->next)
		r->next->prev = r->prev;
	free(r->x);
	free(r);
	return NULL;
}

size_t
ds_relay_ctx_active(const struct ds_relay_ctx *ctx)
{
	return ctx ? ctx->active : 0;
}

void
ds__relay_ctx_fail_splice(
    struct ds_relay_ctx *ctx, uint32_t reads, uint32_t writes)
{
	ctx->fail_in = reads;
	ctx->fail_out = writes;
}

void
ds__relay_ctx_stall_us(struct ds_relay_ctx *ctx, uint32_t us)
{
	ctx->stall_us = us ? us : STALL_US;
}

uint32_t
ds__relay_ctx_pipes(const struct ds_relay_ctx *ctx, uint32_t *ret_spare)
{
	if (ret_spare)
		*ret_spare = ctx->npipes;
	return ctx->pipes_open;
}

size_t
ds_relay_sizeof(void)
{
	return sizeof(struct ds_relay) + 2 * ds__io_sizeof() +
	    ds__timer_sizeof();
}
