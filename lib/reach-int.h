/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_REACH_INT_H
#define DUALSTACK_REACH_INT_H

/* The checker's internals that the unit tests drive directly. */

#include <stdbool.h>
#include <stddef.h>

#include "dualstack/addr.h"

/* Why a target may not be tested, by the target alone. */
enum ds__reach_target {
	DS__REACH_TARGET_OK = 0,
	DS__REACH_TARGET_ZONE,    /* a zone: meaningless to the checker */
	DS__REACH_TARGET_SELF,    /* an address of the checker itself */
	DS__REACH_TARGET_UNFIT,   /* not global unicast, and not allowed */
	DS__REACH_TARGET_OWN_NET, /* on one of the checker's networks */
};

/*
 * The checker's target rules, in order: no zone; never the checker
 * itself (is_local: ds_host_is_local() of t) unless allow_self; an
 * allowed prefix admits anything else; otherwise a global unicast
 * address (ds_reach_address_fitness()) that is on none of the checker's
 * networks (nets). *ret_net (may be NULL) gets the index of the network
 * for DS__REACH_TARGET_OWN_NET. Pure.
 */
enum ds__reach_target ds__reach_target_policy(const struct ds_addr *t,
    const struct ds_prefix *allow, size_t n_allow, bool allow_self,
    bool is_local, const struct ds_prefix *nets, size_t n_nets,
    size_t *ret_net);

#endif
