/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_REACH_LINE_H
#define DUALSTACK_REACH_LINE_H

/*
 * The line connection both reach roles use (lib/reach-checker.c and
 * lib/reach-agent.c): an output queue for what a non-blocking socket
 * did not take yet, the complete lines out of what it delivered, and
 * one protocol line formatted for it. Internal to the library; a queue
 * belongs to its connection's loop thread.
 */

#include <stdbool.h>
#include <stddef.h>

#include "dualstack/reach.h"

/*
 * Most bytes waiting to go out on one connection. A report is
 * DS_REACH_COUNT_MAX + 2 short lines, far below this; more means the
 * peer does not read.
 */
#define DS__REACH_OUT_MAX (64u << 10)

/* Bytes not yet sent: buf[off..len). All zero is an empty queue. */
struct ds__reach_outq {
	char *buf;
	size_t len, off;
};

/* Nothing waits to be sent. */
bool ds__reach_outq_empty(const struct ds__reach_outq *q);

/* Drop what waits and free the buffer; the queue is empty again. */
void ds__reach_outq_reset(struct ds__reach_outq *q);

/*
 * Send what waits on the non-blocking socket fd. Returns 0 (all sent, or
 * the kernel takes no more now) or -errno from send(2).
 */
int ds__reach_outq_flush(struct ds__reach_outq *q, int fd);

/*
 * Send len bytes of data on fd after what waits already, queueing what
 * the kernel does not take. Returns 0, -ENOBUFS (more than
 * DS__REACH_OUT_MAX would wait), -ENOMEM, or -errno from send(2).
 */
int ds__reach_outq_send(
    struct ds__reach_outq *q, int fd, const char *data, size_t len);

/*
 * Take the first complete line out of buf[0..*len): copy it without its
 * newline to line (DS_REACH_LINE_MAX bytes, NUL-terminated), move the
 * rest to the front, and return the line's length plus one; 0 when no
 * line is complete yet. buf never holds more than DS_REACH_LINE_MAX
 * bytes, so a line always fits.
 */
size_t ds__reach_take_line(char *buf, size_t *len, char *line);

/* Format m into buf (DS_REACH_LINE_MAX bytes). Its length, or -EINVAL. */
int ds__reach_msg_line(const struct ds_reach_msg *m, char *buf);

#endif
