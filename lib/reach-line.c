/* SPDX-License-Identifier: MIT */
/*
 * The line connection of the reach roles (lib/reach-line.h): an output
 * queue for a non-blocking socket, and lines out of an input buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "reach-line.h"

bool
ds__reach_outq_empty(const struct ds__reach_outq *q)
{
	return q->off == q->len;
}

void
ds__reach_outq_reset(struct ds__reach_outq *q)
{
	free(q->buf);
	q->buf = NULL;
	q->len = q->off = 0;
}

int
ds__reach_outq_flush(struct ds__reach_outq *q, int fd)
{
	while (q->off < q->len) {
		ssize_t n =
		    send(fd, q->buf + q->off, q->len - q->off, MSG_NOSIGNAL);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		q->off += (size_t)n;
	}
	ds__reach_outq_reset(q);
	return 0;
}

int
ds__reach_outq_send(
    struct ds__reach_outq *q, int fd, const char *data, size_t len)
{
	size_t left;
	char *p;

	if (ds__reach_outq_empty(q)) {
		while (len > 0) {
			ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

			if (n == -1) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				return -errno;
			}
			data += n;
			len -= (size_t)n;
		}
		if (len == 0)
			return 0;
	}
	left = q->len - q->off;
	if (left + len > DS__REACH_OUT_MAX)
		return -ENOBUFS;
	if (q->off > 0) {
		memmove(q->buf, q->buf + q->off, left);
		q->len = left;
		q->off = 0;
	}
	p = realloc(q->buf, q->len + len);
	if (!p)
		return -ENOMEM;
	memcpy(p + q->len, data, len);
	q->buf = p;
	q->len += len;
	return 0;
}

size_t
ds__reach_take_line(char *buf, size_t *len, char *line)
{
	char *nl = memchr(buf, '\n', *len);
	size_t n;

	if (!nl)
		return 0;
	n = (size_t)(nl - buf);
	memcpy(line, buf, n);
	line[n] = '\0';
	memmove(buf, nl + 1, *len - n - 1);
	*len -= n + 1;
	return n + 1;
}

int
ds__reach_msg_line(const struct ds_reach_msg *m, char *buf)
{
	int n = ds_reach_msg_format(m, buf, DS_REACH_LINE_MAX);

	if (n <= 0 || n >= DS_REACH_LINE_MAX)
		return -EINVAL;
	return n;
}
