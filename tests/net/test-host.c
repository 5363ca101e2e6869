/* SPDX-License-Identifier: MIT */
/*
 * ds_host against this machine's kernel: loopback addresses are local,
 * documentation addresses are not, the assigned prefixes include
 * loopback's; and, as root, in a network namespace of the test's own
 * (unshare(2) in a child process, gone when it exits), an address added
 * after the monitor opened is seen by all three calls.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "dualstack/addr.h"
#include "dualstack/host.h"
#include "net-test.h"

static struct ds_addr
addr(const char *text)
{
	struct ds_addr a;

	assert_int_equal(ds_addr_parse(text, strlen(text), 0, &a, NULL), 0);
	return a;
}

static bool
has_prefix(const char *text)
{
	struct ds_prefix want, got[256];
	int n;

	assert_int_equal(
	    ds_prefix_parse(text, strlen(text), 0, &want, NULL), 0);
	n = ds_host_prefixes(got, 256);
	assert_true(n >= 0);
	for (int i = 0; i < n && i < 256; i++)
		if (got[i].len == want.len &&
		    ds_addr_equal(&got[i].addr, &want.addr))
			return true;
	return false;
}

static void
test_is_local(void **state)
{
	struct ds_addr a;

	(void)state;
	a = addr("127.0.0.1");
	assert_int_equal(ds_host_is_local(&a), 1);
	/* All of 127/8 is delivered here, not only the address on lo. */
	a = addr("127.31.4.5");
	assert_int_equal(ds_host_is_local(&a), 1);
	/* TEST-NET-3 is nobody's (unless a test put it here). */
	a = addr("203.0.113.254");
	assert_int_equal(ds_host_is_local(&a), 0);
	if (have_ipv6_loopback()) {
		a = addr("::1");
		assert_int_equal(ds_host_is_local(&a), 1);
		a = addr("2001:db8:ffff::fe");
		assert_int_equal(ds_host_is_local(&a), 0);
	}
	memset(&a, 0, sizeof(a));
	assert_int_equal(ds_host_is_local(&a), -EAFNOSUPPORT);
}

static void
test_prefixes(void **state)
{
	int n;

	(void)state;
	assert_true(has_prefix("127.0.0.0/8"));
	if (have_ipv6_loopback())
		assert_true(has_prefix("::1/128"));
	/* The count without a buffer: the same as with one. */
	n = ds_host_prefixes(NULL, 0);
	assert_true(n >= 1);
	assert_int_equal(ds_host_prefixes(NULL, 0), n);
}

/* In the child, in a network namespace of its own: 0 when all holds. */
static int
monitor_child(void)
{
	struct ds_addr a = addr("192.0.2.1"), b = addr("192.0.2.2");
	int fd;

	if (unshare(CLONE_NEWNET) == -1)
		return 10;
	if (system("ip link set lo up") != 0)
		return 11;
	fd = ds_host_monitor_open();
	if (fd < 0)
		return 12;
	if (ds_host_monitor_drain(fd) != 0)
		return 13;
	if (ds_host_is_local(&a) != 0 || has_prefix("192.0.2.0/24"))
		return 14;
	if (system("ip addr add 192.0.2.1/24 dev lo") != 0)
		return 15;
	if (ds_host_monitor_drain(fd) != 1)
		return 16;
	if (ds_host_is_local(&a) != 1 || !has_prefix("192.0.2.0/24"))
		return 17;
	/* The address is local; on lo, the kernel takes its whole /24 as
	 * local too (as for 127/8): "is it this host" is the kernel's
	 * routing answer, not a list of addresses. */
	if (ds_host_is_local(&b) != 1)
		return 18;
	if (system("ip addr del 192.0.2.1/24 dev lo") != 0)
		return 19;
	if (ds_host_monitor_drain(fd) != 1 || ds_host_is_local(&a) != 0)
		return 20;
	close(fd);
	return 0;
}

static void
test_monitor_in_namespace(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	if (geteuid() != 0) {
		print_message("# skip: needs root for a network namespace\n");
		skip();
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(monitor_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		print_message(
		    "# the child failed at step %d\n", WEXITSTATUS(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The snapshot of this host: lo with its two addresses, the files read
 * from where the paths say, the loopback self-test passed. */
static void
test_facts(void **state)
{
	static struct ds_host_facts f;
	char dir[] = "/tmp/ds-test-host-XXXXXX", path[64], hosts[64];
	struct ds_host_paths paths = {0};
	bool lo = false, v4 = false, v6 = false;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("nameserver 2001:db8::53\noptions timeout:7\n", fp);
	fclose(fp);
	snprintf(hosts, sizeof(hosts), "%s/missing-hosts", dir);
	paths.resolv_conf = path;
	paths.hosts = hosts;
	assert_int_equal(ds_host_facts_read(&paths, &f), 0);
	assert_int_equal(f.links_err, 0);
	assert_int_equal(f.addrs_err, 0);
	assert_int_equal(f.routes_err, 0);
	for (size_t i = 0; i < f.n_links; i++)
		if (strcmp(f.links[i].name, "lo") == 0)
			lo = (f.links[i].flags & 0x8) != 0; /* IFF_LOOPBACK */
	for (size_t i = 0; i < f.n_addrs; i++) {
		struct ds_addr a = f.addrs[i].addr;

		v4 |= a.family == AF_INET && ntohl(a.u.in.s_addr) == 0x7f000001;
		v6 |= a.family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&a.u.in6);
	}
	assert_true(lo && v4);
	/* ::1 and the self-test over it need IPv6 on lo. */
	if (v6) {
		assert_int_equal(f.selftest.listen_err, 0);
		assert_int_equal(f.selftest.v6_err, 0);
	}
	assert_int_equal(f.selftest.v4_err, 0);
	assert_int_equal(f.resolv_src.err, 0);
	assert_int_equal(f.resolv.n_servers, 1);
	assert_int_equal(f.resolv.opts.timeout_s, 7);
	assert_int_equal(f.hosts_src.err, -ENOENT);
	assert_string_equal(f.hosts_src.path, hosts);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_is_local),
	    cmocka_unit_test(test_prefixes),
	    cmocka_unit_test(test_monitor_in_namespace),
	    cmocka_unit_test(test_facts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
