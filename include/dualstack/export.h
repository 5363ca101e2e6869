/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_EXPORT_H
#define DUALSTACK_EXPORT_H

/*
 * The shared library is built with -fvisibility=hidden; only functions marked
 * DS_EXPORT are part of the ABI (and listed in lib/libdualstack.sym).
 */
#if defined(__GNUC__)
#define DS_EXPORT __attribute__((visibility("default")))
#else
#define DS_EXPORT
#endif

#endif
