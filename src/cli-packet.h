/* SPDX-License-Identifier: MIT */
#ifndef DUALSTACK_CLI_PACKET_H
#define DUALSTACK_CLI_PACKET_H

/*
 * The CLI's words for the values of the packet module (cli-packet.c),
 * keyed as the library's ds_packet_*_token() functions are. Each returns
 * a static string, or NULL when the value has no word (show the number or
 * the token).
 */

#include <stdint.h>

/* The packet module's own values: every one has a word. */
const char *cli_packet_err_kind_name(unsigned kind); /* "truncated packet" */
const char *cli_packet_layer_name(unsigned layer);   /* "IPv6 option" */
const char *cli_packet_why_name(unsigned why);       /* "bad option length" */
const char *cli_packet_anomaly_name(uint32_t bit);   /* one DS_PKT_ANOM_* */
const char *cli_packet_prf_name(uint8_t prf);        /* "high" */
const char *cli_packet_tun_name(unsigned kind);      /* "IPv6 in IPv4" */

/* Protocol numbers, named as their registries name them. */
const char *cli_packet_ethertype_name(uint16_t ethertype); /* "ARP" */
const char *cli_packet_proto_name(unsigned proto);         /* "IPv6-ICMP" */
const char *cli_packet_opt_name(uint8_t type);             /* "PadN" */
const char *cli_packet_rt_name(uint8_t type); /* "Segment Routing" */
const char *cli_packet_icmp6_type_name(uint8_t type);
const char *cli_packet_icmp6_code_name(uint8_t type, uint8_t code);
const char *cli_packet_icmp4_type_name(uint8_t type);
const char *cli_packet_ndopt_name(uint8_t type);  /* "Prefix Information" */
const char *cli_packet_mldrec_name(uint8_t type); /* "MODE_IS_INCLUDE" */
const char *cli_packet_dscp_name(uint8_t dscp);   /* "AF11" */
const char *cli_packet_ecn_name(uint8_t ecn);     /* "ECT(0)" */
const char *cli_packet_tcpopt_name(uint8_t kind); /* "SACK-permitted" */
const char *cli_packet_ip4opt_name(uint8_t type); /* "LSRR" */

#endif
