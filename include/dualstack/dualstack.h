/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_DUALSTACK_H
#define DUALSTACK_DUALSTACK_H

/* libdualstack: every public header. See libdualstack(3). */

#include "dualstack/acl.h"
#include "dualstack/addr.h"
#include "dualstack/capture.h"
#include "dualstack/connect.h"
#include "dualstack/dnsq.h"
#include "dualstack/error.h"
#include "dualstack/export.h"
#include "dualstack/finding.h"
#include "dualstack/fw.h"
#include "dualstack/hecache.h"
#include "dualstack/hist.h"
#include "dualstack/host.h"
#include "dualstack/listen.h"
#include "dualstack/load.h"
#include "dualstack/loop.h"
#include "dualstack/mcast.h"
#include "dualstack/packet.h"
#include "dualstack/proxy.h"
#include "dualstack/proxyproto.h"
#include "dualstack/ra.h"
#include "dualstack/reach.h"
#include "dualstack/relay.h"
#include "dualstack/resolv-conf.h"
#include "dualstack/resolve-history.h"
#include "dualstack/resolve.h"
#include "dualstack/server.h"
#include "dualstack/sort.h"
#include "dualstack/workers.h"

#endif
