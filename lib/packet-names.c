/* SPDX-License-Identifier: MIT */
/*
 * ds_packet names: the tables that give the values of a decoded packet
 * their names. Static data only, kept apart from the decoder (packet.c).
 */
#include <stddef.h>
#include <stdint.h>

#include "dualstack/packet.h"

/* --- Names --------------------------------------------------------------- */

const char *
ds_packet_link_name(int linktype)
{
	switch (linktype) {
	case DS_LINK_NULL:
		return "NULL";
	case DS_LINK_EN10MB:
		return "EN10MB";
	case DS_LINK_RAW:
	case DS_LINK_RAW_OPENBSD:
	case DS_LINK_RAW_LT:
		return "RAW";
	case DS_LINK_LOOP:
		return "LOOP";
	case DS_LINK_LINUX_SLL:
		return "LINUX_SLL";
	case DS_LINK_IPV4:
		return "IPV4";
	case DS_LINK_IPV6:
		return "IPV6";
	case DS_LINK_LINUX_SLL2:
		return "LINUX_SLL2";
	default:
		return NULL;
	}
}

const char *
ds_packet_ethertype_name(uint16_t ethertype)
{
	switch (ethertype) {
	case 0x0800:
		return "IPv4";
	case 0x0806:
		return "ARP";
	case 0x0842:
		return "Wake-on-LAN";
	case 0x22f3:
		return "TRILL";
	case 0x6558:
		return "Transparent Ethernet Bridging";
	case 0x8035:
		return "RARP";
	case 0x8100:
		return "802.1Q";
	case 0x86dd:
		return "IPv6";
	case 0x8808:
		return "Ethernet flow control";
	case 0x8809:
		return "Slow Protocols (LACP)";
	case 0x8847:
		return "MPLS unicast";
	case 0x8848:
		return "MPLS multicast";
	case 0x8863:
		return "PPPoE Discovery";
	case 0x8864:
		return "PPPoE Session";
	case 0x888e:
		return "802.1X (EAPOL)";
	case 0x88a8:
		return "802.1ad";
	case 0x88cc:
		return "LLDP";
	case 0x88e5:
		return "MACsec";
	case 0x88f7:
		return "PTP";
	case 0x8902:
		return "CFM";
	case 0x9100:
		return "QinQ (0x9100)";
	default:
		return NULL;
	}
}

/*
 * IANA "Assigned Internet Protocol Numbers", keywords as registered.
 * NULL entries have no keyword (61, 63, 68, 99, 114 are "any ..." rows)
 * or are unassigned.
 */
static const char *const proto_names[146] = {
    "HOPOPT",
    "ICMP",
    "IGMP",
    "GGP",
    "IPv4",
    "ST",
    "TCP",
    "CBT",
    "EGP",
    "IGP",
    "BBN-RCC-MON",
    "NVP-II",
    "PUP",
    "ARGUS",
    "EMCON",
    "XNET",
    "CHAOS",
    "UDP",
    "MUX",
    "DCN-MEAS",
    "HMP",
    "PRM",
    "XNS-IDP",
    "TRUNK-1",
    "TRUNK-2",
    "LEAF-1",
    "LEAF-2",
    "RDP",
    "IRTP",
    "ISO-TP4",
    "NETBLT",
    "MFE-NSP",
    "MERIT-INP",
    "DCCP",
    "3PC",
    "IDPR",
    "XTP",
    "DDP",
    "IDPR-CMTP",
    "TP++",
    "IL",
    "IPv6",
    "SDRP",
    "IPv6-Route",
    "IPv6-Frag",
    "IDRP",
    "RSVP",
    "GRE",
    "DSR",
    "BNA",
    "ESP",
    "AH",
    "I-NLSP",
    "SWIPE",
    "NARP",
    "Min-IPv4",
    "TLSP",
    "SKIP",
    "IPv6-ICMP",
    "IPv6-NoNxt",
    "IPv6-Opts",
    NULL,
    "CFTP",
    NULL,
    "SAT-EXPAK",
    "KRYPTOLAN",
    "RVD",
    "IPPC",
    NULL,
    "SAT-MON",
    "VISA",
    "IPCV",
    "CPNX",
    "CPHB",
    "WSN",
    "PVP",
    "BR-SAT-MON",
    "SUN-ND",
    "WB-MON",
    "WB-EXPAK",
    "ISO-IP",
    "VMTP",
    "SECURE-VMTP",
    "VINES",
    "IPTM",
    "NSFNET-IGP",
    "DGP",
    "TCF",
    "EIGRP",
    "OSPFIGP",
    "Sprite-RPC",
    "LARP",
    "MTP",
    "AX.25",
    "IPIP",
    "MICP",
    "SCC-SP",
    "ETHERIP",
    "ENCAP",
    NULL,
    "GMTP",
    "IFMP",
    "PNNI",
    "PIM",
    "ARIS",
    "SCPS",
    "QNX",
    "A/N",
    "IPComp",
    "SNP",
    "Compaq-Peer",
    "IPX-in-IP",
    "VRRP",
    "PGM",
    NULL,
    "L2TP",
    "DDX",
    "IATP",
    "STP",
    "SRP",
    "UTI",
    "SMP",
    "SM",
    "PTP",
    "ISIS over IPv4",
    "FIRE",
    "CRTP",
    "CRUDP",
    "SSCOPMCE",
    "IPLT",
    "SPS",
    "PIPE",
    "SCTP",
    "FC",
    "RSVP-E2E-IGNORE",
    "Mobility Header",
    "UDPLite",
    "MPLS-in-IP",
    "manet",
    "HIP",
    "Shim6",
    "WESP",
    "ROHC",
    "Ethernet",
    "AGGFRAG",
    "NSH",
};

const char *
ds_packet_proto_name(unsigned proto)
{
	if (proto < sizeof(proto_names) / sizeof(proto_names[0]))
		return proto_names[proto];
	if (proto == 253 || proto == 254)
		return "Experimental"; /* RFC 3692 */
	if (proto == 255)
		return "Reserved";
	return NULL;
}

const char *
ds_packet_ext_abbrev(unsigned proto)
{
	switch (proto) {
	case 0:
		return "HBH";
	case 43:
		return "RT";
	case 44:
		return "FRAG";
	case 50:
		return "ESP";
	case 51:
		return "AH";
	case 59:
		return "NONE";
	case 60:
		return "DST";
	case 135:
		return "MH";
	case 139:
		return "HIP";
	case 140:
		return "SHIM6";
	case 253:
		return "EXP253";
	case 254:
		return "EXP254";
	default:
		return NULL;
	}
}

const char *
ds_packet_opt_name(uint8_t type)
{
	switch (type) {
	case 0x00:
		return "Pad1";
	case 0x01:
		return "PadN";
	case 0x04:
		return "Tunnel Encapsulation Limit"; /* RFC 2473 */
	case 0x05:
		return "Router Alert"; /* RFC 2711 */
	case 0x07:
		return "CALIPSO"; /* RFC 5570 */
	case 0x08:
		return "SMF_DPD"; /* RFC 7731 */
	case 0x0f:
		return "PDM"; /* RFC 8250 */
	case 0x11:
	case 0x31:
		return "IOAM"; /* RFC 9486 */
	case 0x23:
		return "RPL Option (deprecated)";
	case 0x26:
		return "Quick-Start"; /* RFC 4782 */
	case 0x30:
		return "Minimum Path MTU"; /* RFC 9268 */
	case 0x4d:
		return "MPL Option (deprecated)";
	case 0x63:
		return "RPL Option"; /* RFC 9008 */
	case 0x6d:
		return "MPL Option"; /* RFC 7731 */
	case 0x8a:
		return "Endpoint Identification (deprecated)";
	case 0x8b:
		return "ILNP Nonce"; /* RFC 6744 */
	case 0x8c:
		return "Line-Identification"; /* RFC 6788 */
	case 0xc2:
		return "Jumbo Payload"; /* RFC 2675 */
	case 0xc9:
		return "Home Address"; /* RFC 6275 */
	case 0xee:
		return "IP_DFF"; /* RFC 6971 */
	case 0x1e:
	case 0x3e:
	case 0x5e:
	case 0x7e:
	case 0x9e:
	case 0xbe:
	case 0xde:
	case 0xfe:
		return "Experiment"; /* RFC 4727 */
	default:
		return NULL;
	}
}

const char *
ds_packet_rt_name(uint8_t type)
{
	switch (type) {
	case 0:
		return "Source Route (deprecated)"; /* RFC 5095 */
	case 1:
		return "Nimrod (deprecated)";
	case 2:
		return "Type 2"; /* RFC 6275 */
	case 3:
		return "RPL Source Route"; /* RFC 6554 */
	case 4:
		return "Segment Routing"; /* RFC 8754 */
	case 5:
		return "CRH-16"; /* RFC 9631 */
	case 6:
		return "CRH-32";
	case 253:
		return "Experiment 1"; /* RFC 4727 */
	case 254:
		return "Experiment 2";
	default:
		return NULL;
	}
}

const char *
ds_packet_icmp6_type_name(uint8_t type)
{
	switch (type) {
	case 1:
		return "Destination Unreachable";
	case 2:
		return "Packet Too Big";
	case 3:
		return "Time Exceeded";
	case 4:
		return "Parameter Problem";
	case 100:
	case 101:
	case 200:
	case 201:
		return "Private experimentation";
	case 127:
		return "Reserved for expansion of ICMPv6 error messages";
	case 128:
		return "Echo Request";
	case 129:
		return "Echo Reply";
	case 130:
		return "Multicast Listener Query";
	case 131:
		return "Multicast Listener Report";
	case 132:
		return "Multicast Listener Done";
	case 133:
		return "Router Solicitation";
	case 134:
		return "Router Advertisement";
	case 135:
		return "Neighbor Solicitation";
	case 136:
		return "Neighbor Advertisement";
	case 137:
		return "Redirect";
	case 138:
		return "Router Renumbering";
	case 139:
		return "Node Information Query";
	case 140:
		return "Node Information Response";
	case 141:
		return "Inverse Neighbor Discovery Solicitation";
	case 142:
		return "Inverse Neighbor Discovery Advertisement";
	case 143:
		return "Version 2 Multicast Listener Report";
	case 144:
		return "Home Agent Address Discovery Request";
	case 145:
		return "Home Agent Address Discovery Reply";
	case 146:
		return "Mobile Prefix Solicitation";
	case 147:
		return "Mobile Prefix Advertisement";
	case 148:
		return "Certification Path Solicitation";
	case 149:
		return "Certification Path Advertisement";
	case 150:
		return "Experimental mobility (Seamoby)";
	case 151:
		return "Multicast Router Advertisement";
	case 152:
		return "Multicast Router Solicitation";
	case 153:
		return "Multicast Router Termination";
	case 154:
		return "FMIPv6";
	case 155:
		return "RPL Control";
	case 156:
		return "ILNPv6 Locator Update";
	case 157:
		return "Duplicate Address Request";
	case 158:
		return "Duplicate Address Confirmation";
	case 159:
		return "MPL Control";
	case 160:
		return "Extended Echo Request";
	case 161:
		return "Extended Echo Reply";
	case 255:
		return "Reserved for expansion of ICMPv6 informational "
		       "messages";
	default:
		return NULL;
	}
}

const char *
ds_packet_icmp6_code_name(uint8_t type, uint8_t code)
{
	static const char *const unreach[] = {
	    "no route to destination",
	    "communication with destination administratively prohibited",
	    "beyond scope of source address", "address unreachable",
	    "port unreachable", "source address failed ingress/egress policy",
	    "reject route to destination",
	    "error in Source Routing Header", /* RFC 6554 */
	    "headers too long",               /* RFC 8883 */
	};
	static const char *const exceeded[] = {
	    "hop limit exceeded in transit",
	    "fragment reassembly time exceeded",
	};
	static const char *const param[] = {
	    "erroneous header field encountered",
	    "unrecognized Next Header type encountered",
	    "unrecognized IPv6 option encountered",
	    "IPv6 First Fragment has incomplete IPv6 Header Chain", /* 7112 */
	    "SR Upper-layer Header Error",                          /* 8754 */
	    /* RFC 8883 section 3.2 */
	    "unrecognized Next Header type encountered by intermediate node",
	    "extension header too big",
	    "extension header chain too long",
	    "too many extension headers",
	    "too many options in extension header",
	    "option too big",
	};
	static const char *const ext_reply[] = {
	    /* RFC 8335 section 3 */
	    "no error",
	    "malformed query",
	    "no such interface",
	    "no such table entry",
	    "multiple interfaces satisfy query",
	};

	switch (type) {
	case 1:
		return code < 9 ? unreach[code] : NULL;
	case 3:
		return code < 2 ? exceeded[code] : NULL;
	case 4:
		return code < 11 ? param[code] : NULL;
	case 138: /* RFC 2894 section 3 */
		return code == 0  ? "router renumbering command"
		    : code == 1   ? "router renumbering result"
		    : code == 255 ? "sequence number reset"
		                  : NULL;
	case 139: /* RFC 4620 section 4 */
		return code == 0 ? "subject is an IPv6 address"
		    : code == 1  ? "subject is a name"
		    : code == 2  ? "subject is an IPv4 address"
		                 : NULL;
	case 140:
		return code == 0 ? "successful reply"
		    : code == 1  ? "responder refuses to answer"
		    : code == 2  ? "unknown query type"
		                 : NULL;
	case 161:
		return code < 5 ? ext_reply[code] : NULL;
	default:
		return NULL;
	}
}

const char *
ds_packet_icmp4_type_name(uint8_t type)
{
	switch (type) {
	case 0:
		return "Echo Reply";
	case 3:
		return "Destination Unreachable";
	case 4:
		return "Source Quench";
	case 5:
		return "Redirect";
	case 8:
		return "Echo";
	case 9:
		return "Router Advertisement";
	case 10:
		return "Router Solicitation";
	case 11:
		return "Time Exceeded";
	case 12:
		return "Parameter Problem";
	case 13:
		return "Timestamp";
	case 14:
		return "Timestamp Reply";
	case 42:
		return "Extended Echo Request";
	case 43:
		return "Extended Echo Reply";
	default:
		return NULL;
	}
}

const char *
ds_packet_ndopt_name(uint8_t type)
{
	switch (type) {
	case 1:
		return "Source Link-Layer Address";
	case 2:
		return "Target Link-Layer Address";
	case 3:
		return "Prefix Information";
	case 4:
		return "Redirected Header";
	case 5:
		return "MTU";
	case 6:
		return "NBMA Shortcut Limit";
	case 7:
		return "Advertisement Interval";
	case 8:
		return "Home Agent Information";
	case 9:
		return "Source Address List";
	case 10:
		return "Target Address List";
	case 11:
		return "CGA";
	case 12:
		return "RSA Signature";
	case 13:
		return "Timestamp";
	case 14:
		return "Nonce";
	case 15:
		return "Trust Anchor";
	case 16:
		return "Certificate";
	case 17:
		return "IP Address/Prefix";
	case 18:
		return "New Router Prefix Information";
	case 19:
		return "Link-layer Address";
	case 20:
		return "Neighbor Advertisement Acknowledgment";
	case 21:
		return "PvD ID";
	case 23:
		return "MAP";
	case 24:
		return "Route Information";
	case 25:
		return "RDNSS";
	case 26:
		return "RA Flags Extension";
	case 27:
		return "Handover Key Request";
	case 28:
		return "Handover Key Reply";
	case 29:
		return "Handover Assist Information";
	case 30:
		return "Mobile Node Identifier";
	case 31:
		return "DNSSL";
	case 32:
		return "Proxy Signature";
	case 33:
		return "Address Registration";
	case 34:
		return "6LoWPAN Context";
	case 35:
		return "Authoritative Border Router";
	case 36:
		return "6LoWPAN Capability Indication";
	case 37:
		return "DHCP Captive-Portal";
	case 38:
		return "PREF64";
	case 39:
		return "Crypto-ID Parameters";
	case 40:
		return "NDP Signature";
	case 41:
		return "Resource Directory Address";
	case 42:
		return "Consistent Uptime";
	case 138:
		return "CARD Request";
	case 139:
		return "CARD Reply";
	case 144:
		return "Encrypted DNS";
	case 253:
	case 254:
		return "Experiment";
	default:
		return NULL;
	}
}

const char *
ds_packet_mldrec_name(uint8_t type)
{
	static const char *const names[] = {
	    NULL,
	    "MODE_IS_INCLUDE",
	    "MODE_IS_EXCLUDE",
	    "CHANGE_TO_INCLUDE_MODE",
	    "CHANGE_TO_EXCLUDE_MODE",
	    "ALLOW_NEW_SOURCES",
	    "BLOCK_OLD_SOURCES",
	};

	return type < 7 ? names[type] : NULL;
}

const char *
ds_packet_prf_name(uint8_t prf)
{
	static const char *const names[] = {
	    "medium", "high", "reserved", "low"};

	return prf < 4 ? names[prf] : NULL;
}

const char *
ds_packet_dscp_name(uint8_t dscp)
{
	switch (dscp) {
	case 0:
		return "CS0";
	case 1:
		return "LE"; /* RFC 8622 */
	case 8:
		return "CS1";
	case 10:
		return "AF11"; /* RFC 2597: AFxy = 8x + 2y */
	case 12:
		return "AF12";
	case 14:
		return "AF13";
	case 16:
		return "CS2";
	case 18:
		return "AF21";
	case 20:
		return "AF22";
	case 22:
		return "AF23";
	case 24:
		return "CS3";
	case 26:
		return "AF31";
	case 28:
		return "AF32";
	case 30:
		return "AF33";
	case 32:
		return "CS4";
	case 34:
		return "AF41";
	case 36:
		return "AF42";
	case 38:
		return "AF43";
	case 40:
		return "CS5";
	case 44:
		return "VA"; /* RFC 5865 */
	case 46:
		return "EF"; /* RFC 3246 */
	case 48:
		return "CS6";
	case 56:
		return "CS7";
	default:
		return NULL;
	}
}

const char *
ds_packet_ecn_name(uint8_t ecn)
{
	static const char *const names[] = {
	    "Not-ECT", "ECT(1)", "ECT(0)", "CE"};

	return ecn < 4 ? names[ecn] : NULL;
}

const char *
ds_packet_tcpopt_name(uint8_t kind)
{
	switch (kind) {
	case 0:
		return "EOL";
	case 1:
		return "NOP";
	case 2:
		return "MSS";
	case 3:
		return "WS"; /* RFC 7323 */
	case 4:
		return "SACK-permitted"; /* RFC 2018 */
	case 5:
		return "SACK";
	case 8:
		return "TS"; /* RFC 7323 */
	case 19:
		return "MD5"; /* RFC 2385 */
	case 28:
		return "UTO"; /* RFC 5482 */
	case 29:
		return "TCP-AO"; /* RFC 5925 */
	case 30:
		return "MPTCP"; /* RFC 8684 */
	case 34:
		return "TFO"; /* RFC 7413 */
	case 69:
		return "TCP-ENO"; /* RFC 8547 */
	case 172:
		return "AccECN0";
	case 174:
		return "AccECN1";
	case 253:
	case 254:
		return "Experimental"; /* RFC 4727, RFC 6994 */
	default:
		return NULL;
	}
}

const char *
ds_packet_ip4opt_name(uint8_t type)
{
	switch (type) {
	case 0:
		return "EOL";
	case 1:
		return "NOP";
	case 7:
		return "RR";
	case 25:
		return "QS"; /* RFC 4782 */
	case 68:
		return "TS";
	case 82:
		return "Traceroute"; /* RFC 1393 */
	case 130:
		return "Security"; /* RFC 1108 */
	case 131:
		return "LSRR";
	case 133:
		return "Extended Security";
	case 134:
		return "CIPSO";
	case 136:
		return "Stream ID";
	case 137:
		return "SSRR";
	case 148:
		return "RA"; /* RFC 2113 */
	case 30:
	case 94:
	case 158:
	case 222:
		return "Experiment"; /* RFC 4727 */
	default:
		return NULL;
	}
}

const char *
ds_packet_anom_name(uint32_t bit)
{
	switch (bit) {
	case DS_PKT_ANOM_HBH_NOT_FIRST:
		return "hop-by-hop options not first";
	case DS_PKT_ANOM_EXT_REPEATED:
		return "extension header repeated";
	case DS_PKT_ANOM_FRAG_CHAIN:
		return "first fragment without the whole header chain";
	case DS_PKT_ANOM_FRAG_ND:
		return "fragmented neighbor discovery";
	case DS_PKT_ANOM_LEN_MISMATCH:
		return "length disagrees with the frame";
	case DS_PKT_ANOM_CHAIN_TOO_DEEP:
		return "header chain too deep";
	case DS_PKT_ANOM_ATOMIC_FRAG:
		return "atomic fragment";
	case DS_PKT_ANOM_FRAG_LEN:
		return "fragment not a multiple of 8 octets";
	case DS_PKT_ANOM_RH0:
		return "routing header type 0";
	case DS_PKT_ANOM_RH_SEGLEFT:
		return "segments left beyond the address list";
	case DS_PKT_ANOM_PADDING:
		return "bad padding";
	case DS_PKT_ANOM_JUMBO:
		return "jumbo payload misused";
	case DS_PKT_ANOM_ND_HOPLIMIT:
		return "neighbor discovery hop limit not 255";
	case DS_PKT_ANOM_SRC_MULTICAST:
		return "multicast source address";
	case DS_PKT_ANOM_IP4_CHECKSUM:
		return "bad IPv4 header checksum";
	case DS_PKT_ANOM_OPT_REPEATED:
		return "option repeated";
	default:
		return NULL;
	}
}

const char *
ds_packet_err_kind_name(unsigned kind)
{
	switch (kind) {
	case DS_PKT_ERR_NONE:
		return "none";
	case DS_PKT_ERR_TRUNC_CAPTURE:
		return "truncated by the capture";
	case DS_PKT_ERR_TRUNC_PACKET:
		return "truncated packet";
	case DS_PKT_ERR_MALFORMED:
		return "malformed";
	default:
		return "unknown";
	}
}

const char *
ds_packet_layer_name(unsigned layer)
{
	switch (layer) {
	case DS_PKT_LAYER_NONE:
		return "none";
	case DS_PKT_LAYER_LINK:
		return "link-layer header";
	case DS_PKT_LAYER_IPV4:
		return "IPv4 header";
	case DS_PKT_LAYER_IPV4_OPT:
		return "IPv4 option";
	case DS_PKT_LAYER_IPV6:
		return "IPv6 header";
	case DS_PKT_LAYER_EXT:
		return "IPv6 extension header";
	case DS_PKT_LAYER_EXT_OPT:
		return "IPv6 option";
	case DS_PKT_LAYER_TCP:
		return "TCP header";
	case DS_PKT_LAYER_TCP_OPT:
		return "TCP option";
	case DS_PKT_LAYER_UDP:
		return "UDP header";
	case DS_PKT_LAYER_ICMP6:
		return "ICMPv6 message";
	case DS_PKT_LAYER_ND_OPT:
		return "neighbor discovery option";
	case DS_PKT_LAYER_MLD:
		return "MLD message";
	case DS_PKT_LAYER_ICMP4:
		return "ICMPv4 message";
	case DS_PKT_LAYER_IP:
		return "IP header";
	default:
		return "unknown";
	}
}

const char *
ds_packet_why_name(unsigned why)
{
	switch (why) {
	case DS_PKT_WHY_NONE:
		return "none";
	case DS_PKT_WHY_SHORT:
		return "too short";
	case DS_PKT_WHY_VERSION:
		return "wrong IP version";
	case DS_PKT_WHY_IHL:
		return "IPv4 header length below 20";
	case DS_PKT_WHY_TOTAL_LEN:
		return "IPv4 total length below the header length";
	case DS_PKT_WHY_OPT_LEN:
		return "bad option length";
	case DS_PKT_WHY_HDR_LEN:
		return "bad header length";
	case DS_PKT_WHY_UDP_LEN:
		return "UDP length below 8";
	case DS_PKT_WHY_ND_OPT_ZERO:
		return "option with length 0";
	case DS_PKT_WHY_LINK:
		return "bad link-layer header";
	default:
		return "unknown";
	}
}
