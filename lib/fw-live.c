/* SPDX-License-Identifier: MIT */
/*
 * Rulesets from descriptors: a file or a pipe read whole and loaded with
 * the loader of its format (ds_fw_load_fd()), and the running ruleset,
 * "nft -j list ruleset" run as a child (ds_fw_load_live()), shared by
 * "firewall check" and "mcast check", which both judge what the kernel
 * holds now.
 *
 * nft is run rather than spoken to over netlink: its JSON is the one
 * form of a ruleset the model reads, and nft is what writes it (libnftables
 * would pull the whole of nftables into the library for the same text).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dualstack/error.h"
#include "dualstack/fw.h"

/* A ruleset read whole: a large router's dump is a few MiB. */
#define RULESET_MAX (64u << 20)

/* Read all of fd into *ret (owned by the caller); the length or -errno
 * (-EFBIG beyond RULESET_MAX). */
static long
read_all(int fd, char **ret)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= RULESET_MAX) {
				free(buf);
				return -EFBIG;
			}
			cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			int e = errno;

			free(buf);
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret = buf;
	return (long)len;
}

int
ds_fw_load_fd(struct ds_fw *fw, int fd, int family, struct ds_fw_pos *errpos)
{
	char *buf = NULL;
	long n;
	int r;

	if (!fw || fd < 0 ||
	    (family != 0 && family != AF_INET && family != AF_INET6))
		return -EINVAL;
	n = read_all(fd, &buf);
	if (n < 0)
		return (int)n;
	if (family)
		r = ds_fw_load_ipt(fw, family, buf, (size_t)n, errpos);
	else
		r = ds_fw_load_nft(fw, buf, (size_t)n, errpos);
	free(buf);
	return r;
}

int
ds_fw_load_live(
    struct ds_fw *fw, int errfd, int *ret_status, struct ds_fw_pos *errpos)
{
	int out[2], ex[2], status = 0, child_errno = 0;
	pid_t pid;
	int r;

	if (!fw)
		return -EINVAL;
	if (pipe2(out, O_CLOEXEC) == -1)
		return -errno;
	/* The exec-error pipe: closed by a successful exec (O_CLOEXEC),
	 * it carries execvp()'s errno otherwise, so that "nft is not
	 * installed" is told apart from "nft failed". */
	if (pipe2(ex, O_CLOEXEC) == -1) {
		r = -errno;
		close(out[0]);
		close(out[1]);
		return r;
	}
	pid = fork();
	if (pid == -1) {
		r = -errno;
		close(out[0]);
		close(out[1]);
		close(ex[0]);
		close(ex[1]);
		return r;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls between fork and exec. */
		char *const args[] = {"nft", "-j", "list", "ruleset", NULL};
		int e;

		if (dup2(out[1], STDOUT_FILENO) == -1)
			_exit(127);
		if (errfd >= 0) {
			if (errfd != STDERR_FILENO)
				(void)dup2(errfd, STDERR_FILENO);
		} else {
			int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

			if (null != -1)
				(void)dup2(null, STDERR_FILENO);
		}
		execvp("nft", args);
		e = errno;
		(void)!write(ex[1], &e, sizeof(e));
		_exit(127);
	}
	close(out[1]);
	close(ex[1]);
	/* Loaded as it comes: a failed nft writes nothing to stdout, and
	 * what a half-written dump added is dropped with fw by the caller,
	 * who sees the error. */
	r = ds_fw_load_fd(fw, out[0], 0, errpos);
	close(out[0]);
	while (read(ex[0], &child_errno, sizeof(child_errno)) == -1 &&
	    errno == EINTR)
		;
	close(ex[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (child_errno)
		return -child_errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (ret_status)
			*ret_status =
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		return -DS_E_FW_NFT;
	}
	return r;
}
