/* SPDX-License-Identifier: MIT */
/*
 * The ra module's two senders: a Router Solicitation for "ra solicit" and
 * a prebuilt frame (the counter-RA of "ra watch --clear"). Kept apart from
 * lib/ra.c, which is pure.
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dualstack/ra.h"

int
ds_ra_send_rs(unsigned ifindex)
{
	/* RFC 4861 4.1: type 133, code 0, checksum (the kernel computes it
	 * on a raw ICMPv6 socket, RFC 3542 3.1), 4 reserved octets. */
	static const uint8_t rs[8] = {133, 0, 0, 0, 0, 0, 0, 0};
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
	int fd, hops = 255, err = 0;

	fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd == -1)
		return -errno;
	sa.sin6_addr.s6_addr[0] = 0xff;
	sa.sin6_addr.s6_addr[1] = 0x02;
	sa.sin6_addr.s6_addr[15] = 0x02;
	sa.sin6_scope_id = ifindex;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
	        sizeof(hops)) == -1 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex,
	        sizeof(ifindex)) == -1 ||
	    sendto(fd, rs, sizeof(rs), 0, (struct sockaddr *)&sa, sizeof(sa)) ==
	        -1)
		err = -errno;
	close(fd);
	return err;
}

int
ds_ra_send_frame(
    unsigned ifindex, const uint8_t *frame, size_t len, struct ds_mac *ret_mac)
{
	struct sockaddr_ll sll = {
	    .sll_family = AF_PACKET,
	    .sll_protocol = htons(ETH_P_IPV6),
	    .sll_ifindex = (int)ifindex,
	};
	struct ifreq ifr;
	int fd, err = 0;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IPV6));
	if (fd == -1)
		return -errno;
	if (ret_mac) {
		memset(&ifr, 0, sizeof(ifr));
		if (!if_indextoname(ifindex, ifr.ifr_name) ||
		    ioctl(fd, SIOCGIFHWADDR, &ifr) == -1) {
			err = -errno;
			close(fd);
			return err;
		}
		memcpy(ret_mac->b, ifr.ifr_hwaddr.sa_data, 6);
	}
	if (frame && len > 0 &&
	    sendto(fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) ==
	        -1)
		err = -errno;
	close(fd);
	return err;
}
