/* SPDX-License-Identifier: MIT */
/*
 * The CLI's words for the values of the packet module: what a person reads
 * in dissect's field tree and summary ("Router Advertisement", "hop-by-hop
 * options not first"). The library gives each value a machine token
 * (ds_packet_*_token(), lib/packet-names.c) and holds no words; these
 * tables are keyed by the same values, and tests/unit/test-packet-names.c
 * checks that the two agree: a word here for every token the CLI shows to
 * people, and a token there for every word.
 *
 * Protocol numbers are named as their registries (IANA, IEEE) name them,
 * the way tshark shows them.
 */
#include <stddef.h>
#include <stdint.h>

#include "dualstack/packet.h"

#include "cli-packet.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define LOOKUP(table, v) ((size_t)(v) < N_ELEMS(table) ? (table)[v] : NULL)

/* --- The packet module's own values --------------------------------------- */

static const char *const err_kind_names[] = {
    [DS_PKT_ERR_NONE] = "none",
    [DS_PKT_ERR_TRUNC_CAPTURE] = "truncated by the capture",
    [DS_PKT_ERR_TRUNC_PACKET] = "truncated packet",
    [DS_PKT_ERR_MALFORMED] = "malformed",
};

const char *
cli_packet_err_kind_name(unsigned kind)
{
	return LOOKUP(err_kind_names, kind);
}

static const char *const layer_names[] = {
    [DS_PKT_LAYER_NONE] = "none",
    [DS_PKT_LAYER_LINK] = "link-layer header",
    [DS_PKT_LAYER_IPV4] = "IPv4 header",
    [DS_PKT_LAYER_IPV4_OPT] = "IPv4 option",
    [DS_PKT_LAYER_IPV6] = "IPv6 header",
    [DS_PKT_LAYER_EXT] = "IPv6 extension header",
    [DS_PKT_LAYER_EXT_OPT] = "IPv6 option",
    [DS_PKT_LAYER_TCP] = "TCP header",
    [DS_PKT_LAYER_TCP_OPT] = "TCP option",
    [DS_PKT_LAYER_UDP] = "UDP header",
    [DS_PKT_LAYER_ICMP6] = "ICMPv6 message",
    [DS_PKT_LAYER_ND_OPT] = "neighbor discovery option",
    [DS_PKT_LAYER_MLD] = "MLD message",
    [DS_PKT_LAYER_ICMP4] = "ICMPv4 message",
    [DS_PKT_LAYER_IP] = "IP header",
    [DS_PKT_LAYER_GRE] = "GRE header",
    [DS_PKT_LAYER_TEREDO] = "Teredo indicator",
};

const char *
cli_packet_layer_name(unsigned layer)
{
	return LOOKUP(layer_names, layer);
}

static const char *const why_names[] = {
    [DS_PKT_WHY_NONE] = "none",
    [DS_PKT_WHY_SHORT] = "too short",
    [DS_PKT_WHY_VERSION] = "wrong IP version",
    [DS_PKT_WHY_IHL] = "IPv4 header length below 20",
    [DS_PKT_WHY_TOTAL_LEN] = "IPv4 total length below the header length",
    [DS_PKT_WHY_OPT_LEN] = "bad option length",
    [DS_PKT_WHY_HDR_LEN] = "bad header length",
    [DS_PKT_WHY_UDP_LEN] = "UDP length below 8",
    [DS_PKT_WHY_ND_OPT_ZERO] = "option with length 0",
    [DS_PKT_WHY_LINK] = "bad link-layer header",
    [DS_PKT_WHY_GRE_FLAGS] = "GRE reserved bits or version set",
};

const char *
cli_packet_why_name(unsigned why)
{
	return LOOKUP(why_names, why);
}

/* By bit number, as ds_packet_anomaly_token(). */
static const char *const anomaly_names[] = {
    "hop-by-hop options not first",
    "extension header repeated",
    "first fragment without the whole header chain",
    "fragmented neighbor discovery",
    "length disagrees with the frame",
    "header chain too deep",
    "atomic fragment",
    "fragment not a multiple of 8 octets",
    "routing header type 0",
    "segments left beyond the address list",
    "bad padding",
    "jumbo payload misused",
    "neighbor discovery hop limit not 255",
    "multicast source address",
    "bad IPv4 header checksum",
    "option repeated",
    "neighbor discovery through a tunnel",
    "6to4 address is not the tunnel source",
    "tunnels nested too deep",
    "tunnel encapsulation limit exceeded",
};

const char *
cli_packet_anomaly_name(uint32_t bit)
{
	if (bit == 0 || (bit & (bit - 1)) != 0)
		return NULL;
	return LOOKUP(anomaly_names, __builtin_ctz(bit));
}

static const char *const tun_names[] = {
    [DS_PKT_TUN_NONE] = "none",
    [DS_PKT_TUN_IPIP] = "IPv4 in IPv4",
    [DS_PKT_TUN_6IN4] = "IPv6 in IPv4",
    [DS_PKT_TUN_6TO4] = "6to4",
    [DS_PKT_TUN_ISATAP] = "ISATAP",
    [DS_PKT_TUN_4IN6] = "IPv4 in IPv6",
    [DS_PKT_TUN_6IN6] = "IPv6 in IPv6",
    [DS_PKT_TUN_GRE] = "GRE",
    [DS_PKT_TUN_TEREDO] = "Teredo",
};

const char *
cli_packet_tun_name(unsigned kind)
{
	return LOOKUP(tun_names, kind);
}

static const char *const prf_names[] = {
    [DS_PKT_PRF_MEDIUM] = "medium",
    [DS_PKT_PRF_HIGH] = "high",
    [DS_PKT_PRF_RESERVED] = "reserved",
    [DS_PKT_PRF_LOW] = "low",
};

const char *
cli_packet_prf_name(uint8_t prf)
{
	return LOOKUP(prf_names, prf);
}

/* --- Registries ----------------------------------------------------------- */

struct named16 {
	uint16_t v;
	const char *s;
};

static const struct named16 ethertype_names[] = {
    {0x0800, "IPv4"},
    {0x0806, "ARP"},
    {0x0842, "Wake-on-LAN"},
    {0x22f3, "TRILL"},
    {0x6558, "Transparent Ethernet Bridging"},
    {0x8035, "RARP"},
    {0x8100, "802.1Q"},
    {0x86dd, "IPv6"},
    {0x8808, "Ethernet flow control"},
    {0x8809, "Slow Protocols (LACP)"},
    {0x8847, "MPLS unicast"},
    {0x8848, "MPLS multicast"},
    {0x8863, "PPPoE Discovery"},
    {0x8864, "PPPoE Session"},
    {0x888e, "802.1X (EAPOL)"},
    {0x88a8, "802.1ad"},
    {0x88cc, "LLDP"},
    {0x88e5, "MACsec"},
    {0x88f7, "PTP"},
    {0x8902, "CFM"},
    {0x9100, "QinQ (0x9100)"},
};

const char *
cli_packet_ethertype_name(uint16_t ethertype)
{
	for (size_t i = 0; i < N_ELEMS(ethertype_names); i++)
		if (ethertype_names[i].v == ethertype)
			return ethertype_names[i].s;
	return NULL;
}

/* IANA keywords; 253 and 254 are RFC 3692's experiments. */
static const char *const proto_names[256] = {
    [0] = "HOPOPT",
    [1] = "ICMP",
    [2] = "IGMP",
    [3] = "GGP",
    [4] = "IPv4",
    [5] = "ST",
    [6] = "TCP",
    [7] = "CBT",
    [8] = "EGP",
    [9] = "IGP",
    [10] = "BBN-RCC-MON",
    [11] = "NVP-II",
    [12] = "PUP",
    [13] = "ARGUS",
    [14] = "EMCON",
    [15] = "XNET",
    [16] = "CHAOS",
    [17] = "UDP",
    [18] = "MUX",
    [19] = "DCN-MEAS",
    [20] = "HMP",
    [21] = "PRM",
    [22] = "XNS-IDP",
    [23] = "TRUNK-1",
    [24] = "TRUNK-2",
    [25] = "LEAF-1",
    [26] = "LEAF-2",
    [27] = "RDP",
    [28] = "IRTP",
    [29] = "ISO-TP4",
    [30] = "NETBLT",
    [31] = "MFE-NSP",
    [32] = "MERIT-INP",
    [33] = "DCCP",
    [34] = "3PC",
    [35] = "IDPR",
    [36] = "XTP",
    [37] = "DDP",
    [38] = "IDPR-CMTP",
    [39] = "TP++",
    [40] = "IL",
    [41] = "IPv6",
    [42] = "SDRP",
    [43] = "IPv6-Route",
    [44] = "IPv6-Frag",
    [45] = "IDRP",
    [46] = "RSVP",
    [47] = "GRE",
    [48] = "DSR",
    [49] = "BNA",
    [50] = "ESP",
    [51] = "AH",
    [52] = "I-NLSP",
    [53] = "SWIPE",
    [54] = "NARP",
    [55] = "Min-IPv4",
    [56] = "TLSP",
    [57] = "SKIP",
    [58] = "IPv6-ICMP",
    [59] = "IPv6-NoNxt",
    [60] = "IPv6-Opts",
    [62] = "CFTP",
    [64] = "SAT-EXPAK",
    [65] = "KRYPTOLAN",
    [66] = "RVD",
    [67] = "IPPC",
    [69] = "SAT-MON",
    [70] = "VISA",
    [71] = "IPCV",
    [72] = "CPNX",
    [73] = "CPHB",
    [74] = "WSN",
    [75] = "PVP",
    [76] = "BR-SAT-MON",
    [77] = "SUN-ND",
    [78] = "WB-MON",
    [79] = "WB-EXPAK",
    [80] = "ISO-IP",
    [81] = "VMTP",
    [82] = "SECURE-VMTP",
    [83] = "VINES",
    [84] = "IPTM",
    [85] = "NSFNET-IGP",
    [86] = "DGP",
    [87] = "TCF",
    [88] = "EIGRP",
    [89] = "OSPFIGP",
    [90] = "Sprite-RPC",
    [91] = "LARP",
    [92] = "MTP",
    [93] = "AX.25",
    [94] = "IPIP",
    [95] = "MICP",
    [96] = "SCC-SP",
    [97] = "ETHERIP",
    [98] = "ENCAP",
    [100] = "GMTP",
    [101] = "IFMP",
    [102] = "PNNI",
    [103] = "PIM",
    [104] = "ARIS",
    [105] = "SCPS",
    [106] = "QNX",
    [107] = "A/N",
    [108] = "IPComp",
    [109] = "SNP",
    [110] = "Compaq-Peer",
    [111] = "IPX-in-IP",
    [112] = "VRRP",
    [113] = "PGM",
    [115] = "L2TP",
    [116] = "DDX",
    [117] = "IATP",
    [118] = "STP",
    [119] = "SRP",
    [120] = "UTI",
    [121] = "SMP",
    [122] = "SM",
    [123] = "PTP",
    [124] = "ISIS over IPv4",
    [125] = "FIRE",
    [126] = "CRTP",
    [127] = "CRUDP",
    [128] = "SSCOPMCE",
    [129] = "IPLT",
    [130] = "SPS",
    [131] = "PIPE",
    [132] = "SCTP",
    [133] = "FC",
    [134] = "RSVP-E2E-IGNORE",
    [135] = "Mobility Header",
    [136] = "UDPLite",
    [137] = "MPLS-in-IP",
    [138] = "manet",
    [139] = "HIP",
    [140] = "Shim6",
    [141] = "WESP",
    [142] = "ROHC",
    [143] = "Ethernet",
    [144] = "AGGFRAG",
    [145] = "NSH",
    [253] = "Experimental",
    [254] = "Experimental",
    [255] = "Reserved",
};

const char *
cli_packet_proto_name(unsigned proto)
{
	return LOOKUP(proto_names, proto);
}

static const char *const opt_names[256] = {
    [0x00] = "Pad1",
    [0x01] = "PadN",
    [0x04] = "Tunnel Encapsulation Limit", /* RFC 2473 */
    [0x05] = "Router Alert",               /* RFC 2711 */
    [0x07] = "CALIPSO",                    /* RFC 5570 */
    [0x08] = "SMF_DPD",                    /* RFC 7731 */
    [0x0f] = "PDM",                        /* RFC 8250 */
    [0x11] = "IOAM",                       /* RFC 9486 */
    [0x1e] = "Experiment",                 /* RFC 4727 */
    [0x23] = "RPL Option (deprecated)",
    [0x26] = "Quick-Start",      /* RFC 4782 */
    [0x30] = "Minimum Path MTU", /* RFC 9268 */
    [0x31] = "IOAM",             /* RFC 9486 */
    [0x3e] = "Experiment",       /* RFC 4727 */
    [0x4d] = "MPL Option (deprecated)",
    [0x5e] = "Experiment", /* RFC 4727 */
    [0x63] = "RPL Option", /* RFC 9008 */
    [0x6d] = "MPL Option", /* RFC 7731 */
    [0x7e] = "Experiment", /* RFC 4727 */
    [0x8a] = "Endpoint Identification (deprecated)",
    [0x8b] = "ILNP Nonce",          /* RFC 6744 */
    [0x8c] = "Line-Identification", /* RFC 6788 */
    [0x9e] = "Experiment",          /* RFC 4727 */
    [0xbe] = "Experiment",          /* RFC 4727 */
    [0xc2] = "Jumbo Payload",       /* RFC 2675 */
    [0xc9] = "Home Address",        /* RFC 6275 */
    [0xde] = "Experiment",          /* RFC 4727 */
    [0xee] = "IP_DFF",              /* RFC 6971 */
    [0xfe] = "Experiment",          /* RFC 4727 */
};

const char *
cli_packet_opt_name(uint8_t type)
{
	return opt_names[type];
}

static const char *const rt_names[256] = {
    [0] = "Source Route (deprecated)", /* RFC 5095 */
    [1] = "Nimrod (deprecated)",
    [2] = "Type 2",           /* RFC 6275 */
    [3] = "RPL Source Route", /* RFC 6554 */
    [4] = "Segment Routing",  /* RFC 8754 */
    [5] = "CRH-16",           /* RFC 9631 */
    [6] = "CRH-32",
    [253] = "Experiment 1", /* RFC 4727 */
    [254] = "Experiment 2",
};

const char *
cli_packet_rt_name(uint8_t type)
{
	return rt_names[type];
}

static const char *const icmp6_type_names[256] = {
    [1] = "Destination Unreachable",
    [2] = "Packet Too Big",
    [3] = "Time Exceeded",
    [4] = "Parameter Problem",
    [100] = "Private experimentation",
    [101] = "Private experimentation",
    [127] = "Reserved for expansion of ICMPv6 error messages",
    [128] = "Echo Request",
    [129] = "Echo Reply",
    [130] = "Multicast Listener Query",
    [131] = "Multicast Listener Report",
    [132] = "Multicast Listener Done",
    [133] = "Router Solicitation",
    [134] = "Router Advertisement",
    [135] = "Neighbor Solicitation",
    [136] = "Neighbor Advertisement",
    [137] = "Redirect",
    [138] = "Router Renumbering",
    [139] = "Node Information Query",
    [140] = "Node Information Response",
    [141] = "Inverse Neighbor Discovery Solicitation",
    [142] = "Inverse Neighbor Discovery Advertisement",
    [143] = "Version 2 Multicast Listener Report",
    [144] = "Home Agent Address Discovery Request",
    [145] = "Home Agent Address Discovery Reply",
    [146] = "Mobile Prefix Solicitation",
    [147] = "Mobile Prefix Advertisement",
    [148] = "Certification Path Solicitation",
    [149] = "Certification Path Advertisement",
    [150] = "Experimental mobility (Seamoby)",
    [151] = "Multicast Router Advertisement",
    [152] = "Multicast Router Solicitation",
    [153] = "Multicast Router Termination",
    [154] = "FMIPv6",
    [155] = "RPL Control",
    [156] = "ILNPv6 Locator Update",
    [157] = "Duplicate Address Request",
    [158] = "Duplicate Address Confirmation",
    [159] = "MPL Control",
    [160] = "Extended Echo Request",
    [161] = "Extended Echo Reply",
    [200] = "Private experimentation",
    [201] = "Private experimentation",
    [255] = "Reserved for expansion of ICMPv6 informational messages",
};

const char *
cli_packet_icmp6_type_name(uint8_t type)
{
	return icmp6_type_names[type];
}

/* The codes of RFC 4443 and its updates, by type and code. */
static const struct {
	uint8_t type, code;
	const char *name;
} icmp6_codes[] = {
    {1, 0, "no route to destination"},
    {1, 1, "communication with destination administratively prohibited"},
    {1, 2, "beyond scope of source address"},
    {1, 3, "address unreachable"},
    {1, 4, "port unreachable"},
    {1, 5, "source address failed ingress/egress policy"},
    {1, 6, "reject route to destination"},
    {1, 7, "error in Source Routing Header"}, /* RFC 6554 */
    {1, 8, "headers too long"},               /* RFC 8883 */
    {3, 0, "hop limit exceeded in transit"},
    {3, 1, "fragment reassembly time exceeded"},
    {4, 0, "erroneous header field encountered"},
    {4, 1, "unrecognized Next Header type encountered"},
    {4, 2, "unrecognized IPv6 option encountered"},
    {4, 3, "IPv6 First Fragment has incomplete IPv6 Header Chain"},
    {4, 4, "SR Upper-layer Header Error"}, /* RFC 8754 */
    /* RFC 8883 section 3.2 */
    {4, 5, "unrecognized Next Header type encountered by intermediate node"},
    {4, 6, "extension header too big"},
    {4, 7, "extension header chain too long"},
    {4, 8, "too many extension headers"},
    {4, 9, "too many options in extension header"},
    {4, 10, "option too big"},
    {138, 0, "router renumbering command"}, /* RFC 2894 section 3 */
    {138, 1, "router renumbering result"},
    {138, 255, "sequence number reset"},
    {139, 0, "subject is an IPv6 address"}, /* RFC 4620 section 4 */
    {139, 1, "subject is a name"},
    {139, 2, "subject is an IPv4 address"},
    {140, 0, "successful reply"},
    {140, 1, "responder refuses to answer"},
    {140, 2, "unknown query type"},
    {161, 0, "no error"}, /* RFC 8335 section 3 */
    {161, 1, "malformed query"},
    {161, 2, "no such interface"},
    {161, 3, "no such table entry"},
    {161, 4, "multiple interfaces satisfy query"},
};

const char *
cli_packet_icmp6_code_name(uint8_t type, uint8_t code)
{
	for (size_t i = 0; i < N_ELEMS(icmp6_codes); i++)
		if (icmp6_codes[i].type == type && icmp6_codes[i].code == code)
			return icmp6_codes[i].name;
	return NULL;
}

static const char *const icmp4_type_names[256] = {
    [0] = "Echo Reply",
    [3] = "Destination Unreachable",
    [4] = "Source Quench",
    [5] = "Redirect",
    [8] = "Echo",
    [9] = "Router Advertisement",
    [10] = "Router Solicitation",
    [11] = "Time Exceeded",
    [12] = "Parameter Problem",
    [13] = "Timestamp",
    [14] = "Timestamp Reply",
    [42] = "Extended Echo Request",
    [43] = "Extended Echo Reply",
};

const char *
cli_packet_icmp4_type_name(uint8_t type)
{
	return icmp4_type_names[type];
}

static const char *const ndopt_names[256] = {
    [1] = "Source Link-Layer Address",
    [2] = "Target Link-Layer Address",
    [3] = "Prefix Information",
    [4] = "Redirected Header",
    [5] = "MTU",
    [6] = "NBMA Shortcut Limit",
    [7] = "Advertisement Interval",
    [8] = "Home Agent Information",
    [9] = "Source Address List",
    [10] = "Target Address List",
    [11] = "CGA",
    [12] = "RSA Signature",
    [13] = "Timestamp",
    [14] = "Nonce",
    [15] = "Trust Anchor",
    [16] = "Certificate",
    [17] = "IP Address/Prefix",
    [18] = "New Router Prefix Information",
    [19] = "Link-layer Address",
    [20] = "Neighbor Advertisement Acknowledgment",
    [21] = "PvD ID",
    [23] = "MAP",
    [24] = "Route Information",
    [25] = "RDNSS",
    [26] = "RA Flags Extension",
    [27] = "Handover Key Request",
    [28] = "Handover Key Reply",
    [29] = "Handover Assist Information",
    [30] = "Mobile Node Identifier",
    [31] = "DNSSL",
    [32] = "Proxy Signature",
    [33] = "Address Registration",
    [34] = "6LoWPAN Context",
    [35] = "Authoritative Border Router",
    [36] = "6LoWPAN Capability Indication",
    [37] = "DHCP Captive-Portal",
    [38] = "PREF64",
    [39] = "Crypto-ID Parameters",
    [40] = "NDP Signature",
    [41] = "Resource Directory Address",
    [42] = "Consistent Uptime",
    [138] = "CARD Request",
    [139] = "CARD Reply",
    [144] = "Encrypted DNS",
    [253] = "Experiment",
    [254] = "Experiment",
};

const char *
cli_packet_ndopt_name(uint8_t type)
{
	return ndopt_names[type];
}

/* RFC 3810 section 5.2.12. */
static const char *const mldrec_names[] = {
    [1] = "MODE_IS_INCLUDE",
    [2] = "MODE_IS_EXCLUDE",
    [3] = "CHANGE_TO_INCLUDE_MODE",
    [4] = "CHANGE_TO_EXCLUDE_MODE",
    [5] = "ALLOW_NEW_SOURCES",
    [6] = "BLOCK_OLD_SOURCES",
};

const char *
cli_packet_mldrec_name(uint8_t type)
{
	return LOOKUP(mldrec_names, type);
}

static const char *const dscp_names[256] = {
    [0] = "CS0",
    [1] = "LE", /* RFC 8622 */
    [8] = "CS1",
    [10] = "AF11", /* RFC 2597: AFxy = 8x + 2y */
    [12] = "AF12",
    [14] = "AF13",
    [16] = "CS2",
    [18] = "AF21",
    [20] = "AF22",
    [22] = "AF23",
    [24] = "CS3",
    [26] = "AF31",
    [28] = "AF32",
    [30] = "AF33",
    [32] = "CS4",
    [34] = "AF41",
    [36] = "AF42",
    [38] = "AF43",
    [40] = "CS5",
    [44] = "VA", /* RFC 5865 */
    [46] = "EF", /* RFC 3246 */
    [48] = "CS6",
    [56] = "CS7",
};

const char *
cli_packet_dscp_name(uint8_t dscp)
{
	return dscp_names[dscp];
}

static const char *const ecn_names[] = {"Not-ECT", "ECT(1)", "ECT(0)", "CE"};

const char *
cli_packet_ecn_name(uint8_t ecn)
{
	return LOOKUP(ecn_names, ecn);
}

static const char *const tcpopt_names[256] = {
    [0] = "EOL",
    [1] = "NOP",
    [2] = "MSS",
    [3] = "WS",             /* RFC 7323 */
    [4] = "SACK-permitted", /* RFC 2018 */
    [5] = "SACK",
    [8] = "TS",       /* RFC 7323 */
    [19] = "MD5",     /* RFC 2385 */
    [28] = "UTO",     /* RFC 5482 */
    [29] = "TCP-AO",  /* RFC 5925 */
    [30] = "MPTCP",   /* RFC 8684 */
    [34] = "TFO",     /* RFC 7413 */
    [69] = "TCP-ENO", /* RFC 8547 */
    [172] = "AccECN0",
    [174] = "AccECN1",
    [253] = "Experimental", /* RFC 4727, RFC 6994 */
    [254] = "Experimental", /* RFC 4727, RFC 6994 */
};

const char *
cli_packet_tcpopt_name(uint8_t kind)
{
	return tcpopt_names[kind];
}

static const char *const ip4opt_names[256] = {
    [0] = "EOL",
    [1] = "NOP",
    [7] = "RR",
    [25] = "QS",         /* RFC 4782 */
    [30] = "Experiment", /* RFC 4727 */
    [68] = "TS",
    [82] = "Traceroute", /* RFC 1393 */
    [94] = "Experiment", /* RFC 4727 */
    [130] = "Security",  /* RFC 1108 */
    [131] = "LSRR",
    [133] = "Extended Security",
    [134] = "CIPSO",
    [136] = "Stream ID",
    [137] = "SSRR",
    [148] = "RA",         /* RFC 2113 */
    [158] = "Experiment", /* RFC 4727 */
    [222] = "Experiment", /* RFC 4727 */
};

const char *
cli_packet_ip4opt_name(uint8_t type)
{
	return ip4opt_names[type];
}
