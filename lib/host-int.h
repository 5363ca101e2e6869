/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_HOST_INT_H
#define DUALSTACK_HOST_INT_H

/*
 * Internals of ds_host shared by lib/host.c (the reading) and
 * lib/host-parse.c (the pure parsing), and reached by the unit tests
 * and the fuzz target.
 */

#include <stddef.h>

#include "dualstack/host.h"

/*
 * Walk the rtnetlink messages of buf (len bytes, one recv() of a dump)
 * and append each RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE and RTM_NEWNEIGH
 * to f (counted beyond the caps, not stored). Only the bytes each header
 * and attribute claims within len are read. Returns 1 when NLMSG_DONE
 * ended the dump, 0 when more is to come, -errno of an NLMSG_ERROR, or
 * -DS_E_HOST_NETLINK for a message or attribute that lies past len.
 */
int ds__host_parse_dump(const void *buf, size_t len, struct ds_host_facts *f);

/* The link of index among f's links, or NULL. */
const struct ds_host_link *ds__host_link_of(
    const struct ds_host_facts *f, unsigned index);

/* Set every sysctl of a link to DS_HOST_SYSCTL_UNSET. */
void ds__host_link_init(struct ds_host_link *l);

#endif
