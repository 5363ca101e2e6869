/* SPDX-License-Identifier: MIT */
/*
 * ds_packet tokens: the stable machine name of every value the decoder
 * reports (packet.h, "Tokens"), one table per enum or registry. Static data
 * only, kept apart from the decoder (packet.c). There are no words for
 * people here: those are the application's (dualstack's are in
 * src/cli-packet.c), keyed by the same values.
 */
#include <stddef.h>
#include <stdint.h>

#include "token-int.h"
#include "dualstack/packet.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* A table indexed by the value; NULL where there is no token. */
#define LOOKUP(table, v) ((size_t)(v) < N_ELEMS(table) ? (table)[v] : NULL)

/* A sparse table of 16-bit values, searched in order (it is short). */
struct named16 {
	uint16_t v;
	const char *s;
};

static const char *
lookup16(const struct named16 *t, size_t n, uint16_t v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].s;
	return NULL;
}

/* --- The module's own values ---------------------------------------------- */

static const char *const err_kind_tokens[] = {
    [DS_PKT_ERR_NONE] = "none",
    [DS_PKT_ERR_TRUNC_CAPTURE] = "truncated",
    [DS_PKT_ERR_TRUNC_PACKET] = "short-packet",
    [DS_PKT_ERR_MALFORMED] = "malformed",
};

const char *
ds_packet_err_kind_token(unsigned kind)
{
	return LOOKUP(err_kind_tokens, kind);
}

static const char *const layer_tokens[] = {
    [DS_PKT_LAYER_NONE] = "none",
    [DS_PKT_LAYER_LINK] = "link",
    [DS_PKT_LAYER_IPV4] = "ipv4",
    [DS_PKT_LAYER_IPV4_OPT] = "ipv4-opt",
    [DS_PKT_LAYER_IPV6] = "ipv6",
    [DS_PKT_LAYER_EXT] = "ext",
    [DS_PKT_LAYER_EXT_OPT] = "ext-opt",
    [DS_PKT_LAYER_TCP] = "tcp",
    [DS_PKT_LAYER_TCP_OPT] = "tcp-opt",
    [DS_PKT_LAYER_UDP] = "udp",
    [DS_PKT_LAYER_ICMP6] = "icmp6",
    [DS_PKT_LAYER_ND_OPT] = "nd-opt",
    [DS_PKT_LAYER_MLD] = "mld",
    [DS_PKT_LAYER_ICMP4] = "icmp",
    [DS_PKT_LAYER_IP] = "ip",
    [DS_PKT_LAYER_GRE] = "gre",
    [DS_PKT_LAYER_TEREDO] = "teredo",
};

const char *
ds_packet_layer_token(unsigned layer)
{
	return LOOKUP(layer_tokens, layer);
}

static const char *const why_tokens[] = {
    [DS_PKT_WHY_NONE] = "none",
    [DS_PKT_WHY_SHORT] = "too-short",
    [DS_PKT_WHY_VERSION] = "wrong-ip-version",
    [DS_PKT_WHY_IHL] = "ipv4-header-length-below-20",
    [DS_PKT_WHY_TOTAL_LEN] = "ipv4-total-length-below-the-header-length",
    [DS_PKT_WHY_OPT_LEN] = "bad-option-length",
    [DS_PKT_WHY_HDR_LEN] = "bad-header-length",
    [DS_PKT_WHY_UDP_LEN] = "udp-length-below-8",
    [DS_PKT_WHY_ND_OPT_ZERO] = "option-with-length-0",
    [DS_PKT_WHY_LINK] = "bad-link-layer-header",
    [DS_PKT_WHY_GRE_FLAGS] = "gre-reserved-bits",
};

const char *
ds_packet_why_token(unsigned why)
{
	return LOOKUP(why_tokens, why);
}

/* By bit number: DS_PKT_ANOM_HBH_NOT_FIRST is bit 0. */
static const char *const anomaly_tokens[] = {
    "hbh-not-first",
    "ext-repeated",
    "frag-chain-split",
    "frag-nd",
    "len-mismatch",
    "chain-too-deep",
    "atomic-frag",
    "frag-len",
    "rh0",
    "rh-segleft",
    "padding",
    "jumbo",
    "nd-hoplimit",
    "src-multicast",
    "ip4-checksum",
    "opt-repeated",
    "nd-tunnelled",
    "6to4-mismatch",
    "tunnel-depth",
    "encap-limit",
};

const char *
ds_packet_anomaly_token(uint32_t bit)
{
	return ds__bit_token(anomaly_tokens, N_ELEMS(anomaly_tokens), bit);
}

static const char *const tun_tokens[] = {
    [DS_PKT_TUN_NONE] = "none",
    [DS_PKT_TUN_IPIP] = "ipip",
    [DS_PKT_TUN_6IN4] = "6in4",
    [DS_PKT_TUN_6TO4] = "6to4",
    [DS_PKT_TUN_ISATAP] = "isatap",
    [DS_PKT_TUN_4IN6] = "4in6",
    [DS_PKT_TUN_6IN6] = "6in6",
    [DS_PKT_TUN_GRE] = "gre",
    [DS_PKT_TUN_TEREDO] = "teredo",
};

const char *
ds_packet_tun_token(unsigned kind)
{
	return LOOKUP(tun_tokens, kind);
}

/* By bit number: DS_PKT_CAPPED_EXT is bit 0. */
static const char *const capped_tokens[] = {
    "ext",
    "vlan",
    "opt",
    "addr",
    "ndopt",
    "mldrec",
};

const char *
ds_packet_capped_token(uint32_t bit)
{
	return ds__bit_token(capped_tokens, N_ELEMS(capped_tokens), bit);
}

static const char *const l4_tokens[] = {
    [DS_PKT_L4_NONE] = "stopped",
    [DS_PKT_L4_TCP] = "tcp",
    [DS_PKT_L4_UDP] = "udp",
    [DS_PKT_L4_ICMP6] = "icmp6",
    [DS_PKT_L4_ICMP4] = "icmp",
    [DS_PKT_L4_FRAGMENT] = "data",
    [DS_PKT_L4_ENCRYPTED] = "encrypted",
    [DS_PKT_L4_NO_NEXT] = "none",
    [DS_PKT_L4_OTHER] = "other",
};

const char *
ds_packet_l4_token(unsigned l4)
{
	return LOOKUP(l4_tokens, l4);
}

/* RFC 4191 section 2.1. */
static const char *const prf_tokens[] = {
    [DS_PKT_PRF_MEDIUM] = "medium",
    [DS_PKT_PRF_HIGH] = "high",
    [DS_PKT_PRF_RESERVED] = "reserved",
    [DS_PKT_PRF_LOW] = "low",
};

const char *
ds_packet_prf_token(uint8_t prf)
{
	return LOOKUP(prf_tokens, prf);
}

/* The tcpdump.org link-layer registry's DLT_ names, lower case. */
const char *
ds_packet_link_token(int linktype)
{
	switch (linktype) {
	case DS_LINK_NULL:
		return "null";
	case DS_LINK_EN10MB:
		return "en10mb";
	case DS_LINK_RAW:
	case DS_LINK_RAW_OPENBSD:
	case DS_LINK_RAW_LT:
		return "raw";
	case DS_LINK_LOOP:
		return "loop";
	case DS_LINK_LINUX_SLL:
		return "linux_sll";
	case DS_LINK_IPV4:
		return "ipv4";
	case DS_LINK_IPV6:
		return "ipv6";
	case DS_LINK_LINUX_SLL2:
		return "linux_sll2";
	default:
		return NULL;
	}
}

/* --- Registries ----------------------------------------------------------- */

/* IEEE EtherTypes seen on real links. */
static const struct named16 ethertype_tokens[] = {
    {0x0800, "ipv4"},
    {0x0806, "arp"},
    {0x0842, "wake-on-lan"},
    {0x22f3, "trill"},
    {0x6558, "transparent-ethernet-bridging"},
    {0x8035, "rarp"},
    {0x8100, "802.1q"},
    {0x86dd, "ipv6"},
    {0x8808, "ethernet-flow-control"},
    {0x8809, "slow-protocols-lacp"},
    {0x8847, "mpls-unicast"},
    {0x8848, "mpls-multicast"},
    {0x8863, "pppoe-discovery"},
    {0x8864, "pppoe-session"},
    {0x888e, "802.1x-eapol"},
    {0x88a8, "802.1ad"},
    {0x88cc, "lldp"},
    {0x88e5, "macsec"},
    {0x88f7, "ptp"},
    {0x8902, "cfm"},
    {0x9100, "qinq-0x9100"},
};

const char *
ds_packet_ethertype_token(uint16_t ethertype)
{
	return lookup16(ethertype_tokens, N_ELEMS(ethertype_tokens), ethertype);
}

/*
 * IANA "Assigned Internet Protocol Numbers", the keywords as registered in
 * lower case. Missing are the "any ..." rows without a keyword (61, 63,
 * 68, 99, 114), the unassigned numbers, and the two keywords with blanks
 * ("ISIS over IPv4", 124; "Mobility Header", 135).
 */
static const char *const proto_tokens[256] = {
    [0] = "hopopt",
    [1] = "icmp",
    [2] = "igmp",
    [3] = "ggp",
    [4] = "ipv4",
    [5] = "st",
    [6] = "tcp",
    [7] = "cbt",
    [8] = "egp",
    [9] = "igp",
    [10] = "bbn-rcc-mon",
    [11] = "nvp-ii",
    [12] = "pup",
    [13] = "argus",
    [14] = "emcon",
    [15] = "xnet",
    [16] = "chaos",
    [17] = "udp",
    [18] = "mux",
    [19] = "dcn-meas",
    [20] = "hmp",
    [21] = "prm",
    [22] = "xns-idp",
    [23] = "trunk-1",
    [24] = "trunk-2",
    [25] = "leaf-1",
    [26] = "leaf-2",
    [27] = "rdp",
    [28] = "irtp",
    [29] = "iso-tp4",
    [30] = "netblt",
    [31] = "mfe-nsp",
    [32] = "merit-inp",
    [33] = "dccp",
    [34] = "3pc",
    [35] = "idpr",
    [36] = "xtp",
    [37] = "ddp",
    [38] = "idpr-cmtp",
    [39] = "tp++",
    [40] = "il",
    [41] = "ipv6",
    [42] = "sdrp",
    [43] = "ipv6-route",
    [44] = "ipv6-frag",
    [45] = "idrp",
    [46] = "rsvp",
    [47] = "gre",
    [48] = "dsr",
    [49] = "bna",
    [50] = "esp",
    [51] = "ah",
    [52] = "i-nlsp",
    [53] = "swipe",
    [54] = "narp",
    [55] = "min-ipv4",
    [56] = "tlsp",
    [57] = "skip",
    [58] = "ipv6-icmp",
    [59] = "ipv6-nonxt",
    [60] = "ipv6-opts",
    [62] = "cftp",
    [64] = "sat-expak",
    [65] = "kryptolan",
    [66] = "rvd",
    [67] = "ippc",
    [69] = "sat-mon",
    [70] = "visa",
    [71] = "ipcv",
    [72] = "cpnx",
    [73] = "cphb",
    [74] = "wsn",
    [75] = "pvp",
    [76] = "br-sat-mon",
    [77] = "sun-nd",
    [78] = "wb-mon",
    [79] = "wb-expak",
    [80] = "iso-ip",
    [81] = "vmtp",
    [82] = "secure-vmtp",
    [83] = "vines",
    [84] = "iptm",
    [85] = "nsfnet-igp",
    [86] = "dgp",
    [87] = "tcf",
    [88] = "eigrp",
    [89] = "ospfigp",
    [90] = "sprite-rpc",
    [91] = "larp",
    [92] = "mtp",
    [93] = "ax.25",
    [94] = "ipip",
    [95] = "micp",
    [96] = "scc-sp",
    [97] = "etherip",
    [98] = "encap",
    [100] = "gmtp",
    [101] = "ifmp",
    [102] = "pnni",
    [103] = "pim",
    [104] = "aris",
    [105] = "scps",
    [106] = "qnx",
    [107] = "a-n",
    [108] = "ipcomp",
    [109] = "snp",
    [110] = "compaq-peer",
    [111] = "ipx-in-ip",
    [112] = "vrrp",
    [113] = "pgm",
    [115] = "l2tp",
    [116] = "ddx",
    [117] = "iatp",
    [118] = "stp",
    [119] = "srp",
    [120] = "uti",
    [121] = "smp",
    [122] = "sm",
    [123] = "ptp",
    [125] = "fire",
    [126] = "crtp",
    [127] = "crudp",
    [128] = "sscopmce",
    [129] = "iplt",
    [130] = "sps",
    [131] = "pipe",
    [132] = "sctp",
    [133] = "fc",
    [134] = "rsvp-e2e-ignore",
    [136] = "udplite",
    [137] = "mpls-in-ip",
    [138] = "manet",
    [139] = "hip",
    [140] = "shim6",
    [141] = "wesp",
    [142] = "rohc",
    [143] = "ethernet",
    [144] = "aggfrag",
    [145] = "nsh",
    [253] = "experimental",
    [254] = "experimental",
    [255] = "reserved",
};

const char *
ds_packet_proto_token(unsigned proto)
{
	return LOOKUP(proto_tokens, proto);
}

const char *
ds_packet_ext_token(unsigned proto)
{
	switch (proto) {
	case 0:
		return "hbh";
	case 43:
		return "rt";
	case 44:
		return "frag";
	case 50:
		return "esp";
	case 51:
		return "ah";
	case 59:
		return "none";
	case 60:
		return "dst";
	case 135:
		return "mh";
	case 139:
		return "hip";
	case 140:
		return "shim6";
	case 253:
		return "exp253";
	case 254:
		return "exp254";
	default:
		return NULL;
	}
}

/* IANA "Destination Options and Hop-by-Hop Options". */
static const char *const opt_tokens[256] = {
    [0x00] = "pad1",
    [0x01] = "padn",
    [0x04] = "tunnel-encapsulation-limit", /* RFC 2473 */
    [0x05] = "router-alert",               /* RFC 2711 */
    [0x07] = "calipso",                    /* RFC 5570 */
    [0x08] = "smf_dpd",                    /* RFC 7731 */
    [0x0f] = "pdm",                        /* RFC 8250 */
    [0x11] = "ioam",                       /* RFC 9486 */
    [0x1e] = "experiment",                 /* RFC 4727 */
    [0x23] = "rpl-option-deprecated",
    [0x26] = "quick-start",      /* RFC 4782 */
    [0x30] = "minimum-path-mtu", /* RFC 9268 */
    [0x31] = "ioam",             /* RFC 9486 */
    [0x3e] = "experiment",       /* RFC 4727 */
    [0x4d] = "mpl-option-deprecated",
    [0x5e] = "experiment", /* RFC 4727 */
    [0x63] = "rpl-option", /* RFC 9008 */
    [0x6d] = "mpl-option", /* RFC 7731 */
    [0x7e] = "experiment", /* RFC 4727 */
    [0x8a] = "endpoint-identification-deprecated",
    [0x8b] = "ilnp-nonce",          /* RFC 6744 */
    [0x8c] = "line-identification", /* RFC 6788 */
    [0x9e] = "experiment",          /* RFC 4727 */
    [0xbe] = "experiment",          /* RFC 4727 */
    [0xc2] = "jumbo-payload",       /* RFC 2675 */
    [0xc9] = "home-address",        /* RFC 6275 */
    [0xde] = "experiment",          /* RFC 4727 */
    [0xee] = "ip_dff",              /* RFC 6971 */
    [0xfe] = "experiment",          /* RFC 4727 */
};

const char *
ds_packet_opt_token(uint8_t type)
{
	return opt_tokens[type];
}

/* IANA "Routing Types". */
static const char *const rt_tokens[256] = {
    [0] = "source-route-deprecated", /* RFC 5095 */
    [1] = "nimrod-deprecated",
    [2] = "type-2",           /* RFC 6275 */
    [3] = "rpl-source-route", /* RFC 6554 */
    [4] = "segment-routing",  /* RFC 8754 */
    [5] = "crh-16",           /* RFC 9631 */
    [6] = "crh-32",
    [253] = "experiment-1", /* RFC 4727 */
    [254] = "experiment-2",
};

const char *
ds_packet_rt_token(uint8_t type)
{
	return rt_tokens[type];
}

/* IANA "ICMPv6 'type' Numbers"; the messages dissect describes in its line
 * have short names, as tcpdump's. */
static const char *const icmp6_type_tokens[256] = {
    [1] = "unreach",
    [2] = "ptb",
    [3] = "time-exceeded",
    [4] = "param-problem",
    [100] = "private-experimentation",
    [101] = "private-experimentation",
    [127] = "reserved-for-expansion-of-icmpv6-error-messages",
    [128] = "echo-request",
    [129] = "echo-reply",
    [130] = "mld-query",
    [131] = "mld-report",
    [132] = "mld-done",
    [133] = "rs",
    [134] = "ra",
    [135] = "ns",
    [136] = "na",
    [137] = "redirect",
    [138] = "router-renumbering",
    [139] = "node-information-query",
    [140] = "node-information-response",
    [141] = "inverse-neighbor-discovery-solicitation",
    [142] = "inverse-neighbor-discovery-advertisement",
    [143] = "mld2-report",
    [144] = "home-agent-address-discovery-request",
    [145] = "home-agent-address-discovery-reply",
    [146] = "mobile-prefix-solicitation",
    [147] = "mobile-prefix-advertisement",
    [148] = "certification-path-solicitation",
    [149] = "certification-path-advertisement",
    [150] = "experimental-mobility-seamoby",
    [151] = "multicast-router-advertisement",
    [152] = "multicast-router-solicitation",
    [153] = "multicast-router-termination",
    [154] = "fmipv6",
    [155] = "rpl-control",
    [156] = "ilnpv6-locator-update",
    [157] = "duplicate-address-request",
    [158] = "duplicate-address-confirmation",
    [159] = "mpl-control",
    [160] = "extended-echo-request",
    [161] = "extended-echo-reply",
    [200] = "private-experimentation",
    [201] = "private-experimentation",
    [255] = "reserved-for-expansion-of-icmpv6-informational-messages",
};

const char *
ds_packet_icmp6_type_token(uint8_t type)
{
	return icmp6_type_tokens[type];
}

/* ICMPv6 codes, RFC 4443 and its updates. */
static const char *const unreach_codes[] = {
    "no-route-to-destination",
    "communication-with-destination-administratively-prohibited",
    "beyond-scope-of-source-address", "address-unreachable", "port-unreachable",
    "source-address-failed-ingress-egress-policy",
    "reject-route-to-destination",
    "error-in-source-routing-header", /* RFC 6554 */
    "headers-too-long",               /* RFC 8883 */
};

static const char *const exceeded_codes[] = {
    "hop-limit-exceeded-in-transit",
    "fragment-reassembly-time-exceeded",
};

static const char *const param_codes[] = {
    "erroneous-header-field-encountered",
    "unrecognized-next-header-type-encountered",
    "unrecognized-ipv6-option-encountered",
    "ipv6-first-fragment-has-incomplete-ipv6-header-chain", /* RFC 7112 */
    "sr-upper-layer-header-error",                          /* RFC 8754 */
    /* RFC 8883 section 3.2 */
    "unrecognized-next-header-type-encountered-by-intermediate-node",
    "extension-header-too-big",
    "extension-header-chain-too-long",
    "too-many-extension-headers",
    "too-many-options-in-extension-header",
    "option-too-big",
};

/* RFC 2894 section 3. */
static const char *const renum_codes[256] = {
    [0] = "router-renumbering-command",
    [1] = "router-renumbering-result",
    [255] = "sequence-number-reset",
};

/* RFC 4620 section 4. */
static const char *const ni_query_codes[] = {
    "subject-is-an-ipv6-address",
    "subject-is-a-name",
    "subject-is-an-ipv4-address",
};

static const char *const ni_reply_codes[] = {
    "successful-reply",
    "responder-refuses-to-answer",
    "unknown-query-type",
};

/* RFC 8335 section 3. */
static const char *const ext_reply_codes[] = {
    "no-error",
    "malformed-query",
    "no-such-interface",
    "no-such-table-entry",
    "multiple-interfaces-satisfy-query",
};

const char *
ds_packet_icmp6_code_token(uint8_t type, uint8_t code)
{
	switch (type) {
	case 1:
		return LOOKUP(unreach_codes, code);
	case 3:
		return LOOKUP(exceeded_codes, code);
	case 4:
		return LOOKUP(param_codes, code);
	case 138:
		return renum_codes[code];
	case 139:
		return LOOKUP(ni_query_codes, code);
	case 140:
		return LOOKUP(ni_reply_codes, code);
	case 161:
		return LOOKUP(ext_reply_codes, code);
	default:
		return NULL;
	}
}

/* IANA "ICMP Type Numbers". */
static const char *const icmp4_type_tokens[256] = {
    [0] = "echo-reply",
    [3] = "unreach",
    [4] = "source-quench",
    [5] = "redirect",
    [8] = "echo-request",
    [9] = "router-advertisement",
    [10] = "router-solicitation",
    [11] = "time-exceeded",
    [12] = "param-problem",
    [13] = "timestamp",
    [14] = "timestamp-reply",
    [42] = "extended-echo-request",
    [43] = "extended-echo-reply",
};

const char *
ds_packet_icmp4_type_token(uint8_t type)
{
	return icmp4_type_tokens[type];
}

/* IANA "IPv6 Neighbor Discovery Option Formats"; the options dissect
 * describes in its line have short names. */
static const char *const ndopt_tokens[256] = {
    [1] = "sll",
    [2] = "tll",
    [3] = "prefix",
    [4] = "redirected",
    [5] = "mtu",
    [6] = "nbma-shortcut-limit",
    [7] = "advertisement-interval",
    [8] = "home-agent-information",
    [9] = "source-address-list",
    [10] = "target-address-list",
    [11] = "cga",
    [12] = "rsa-signature",
    [13] = "timestamp",
    [14] = "nonce",
    [15] = "trust-anchor",
    [16] = "certificate",
    [17] = "ip-address-prefix",
    [18] = "new-router-prefix-information",
    [19] = "link-layer-address",
    [20] = "neighbor-advertisement-acknowledgment",
    [21] = "pvd-id",
    [23] = "map",
    [24] = "route",
    [25] = "rdnss",
    [26] = "ra-flags-extension",
    [27] = "handover-key-request",
    [28] = "handover-key-reply",
    [29] = "handover-assist-information",
    [30] = "mobile-node-identifier",
    [31] = "dnssl",
    [32] = "proxy-signature",
    [33] = "address-registration",
    [34] = "6lowpan-context",
    [35] = "authoritative-border-router",
    [36] = "6lowpan-capability-indication",
    [37] = "dhcp-captive-portal",
    [38] = "pref64",
    [39] = "crypto-id-parameters",
    [40] = "ndp-signature",
    [41] = "resource-directory-address",
    [42] = "consistent-uptime",
    [138] = "card-request",
    [139] = "card-reply",
    [144] = "encrypted-dns",
    [253] = "experiment",
    [254] = "experiment",
};

const char *
ds_packet_ndopt_token(uint8_t type)
{
	return ndopt_tokens[type];
}

/* RFC 3810 section 5.2.12, as tcpdump abbreviates MODE_IS_INCLUDE ... */
static const char *const mldrec_tokens[] = {
    [1] = "is_in",
    [2] = "is_ex",
    [3] = "to_in",
    [4] = "to_ex",
    [5] = "allow",
    [6] = "block",
};

const char *
ds_packet_mldrec_token(uint8_t type)
{
	return LOOKUP(mldrec_tokens, type);
}

/* IANA "Differentiated Services Field Codepoints". */
static const char *const dscp_tokens[256] = {
    [0] = "cs0",
    [1] = "le", /* RFC 8622 */
    [8] = "cs1",
    [10] = "af11", /* RFC 2597: AFxy = 8x + 2y */
    [12] = "af12",
    [14] = "af13",
    [16] = "cs2",
    [18] = "af21",
    [20] = "af22",
    [22] = "af23",
    [24] = "cs3",
    [26] = "af31",
    [28] = "af32",
    [30] = "af33",
    [32] = "cs4",
    [34] = "af41",
    [36] = "af42",
    [38] = "af43",
    [40] = "cs5",
    [44] = "va", /* RFC 5865 */
    [46] = "ef", /* RFC 3246 */
    [48] = "cs6",
    [56] = "cs7",
};

const char *
ds_packet_dscp_token(uint8_t dscp)
{
	return dscp_tokens[dscp];
}

/* RFC 3168 section 5. */
static const char *const ecn_tokens[] = {"not-ect", "ect1", "ect0", "ce"};

const char *
ds_packet_ecn_token(uint8_t ecn)
{
	return LOOKUP(ecn_tokens, ecn);
}

/* IANA "TCP Option Kind Numbers". */
static const char *const tcpopt_tokens[256] = {
    [0] = "eol",
    [1] = "nop",
    [2] = "mss",
    [3] = "ws",             /* RFC 7323 */
    [4] = "sack-permitted", /* RFC 2018 */
    [5] = "sack",
    [8] = "ts",       /* RFC 7323 */
    [19] = "md5",     /* RFC 2385 */
    [28] = "uto",     /* RFC 5482 */
    [29] = "tcp-ao",  /* RFC 5925 */
    [30] = "mptcp",   /* RFC 8684 */
    [34] = "tfo",     /* RFC 7413 */
    [69] = "tcp-eno", /* RFC 8547 */
    [172] = "accecn0",
    [174] = "accecn1",
    [253] = "experimental", /* RFC 4727, RFC 6994 */
    [254] = "experimental", /* RFC 4727, RFC 6994 */
};

const char *
ds_packet_tcpopt_token(uint8_t kind)
{
	return tcpopt_tokens[kind];
}

/* IANA "IP Option Numbers", by the whole type octet. */
static const char *const ip4opt_tokens[256] = {
    [0] = "eol",
    [1] = "nop",
    [7] = "rr",
    [25] = "qs",         /* RFC 4782 */
    [30] = "experiment", /* RFC 4727 */
    [68] = "ts",
    [82] = "traceroute", /* RFC 1393 */
    [94] = "experiment", /* RFC 4727 */
    [130] = "security",  /* RFC 1108 */
    [131] = "lsrr",
    [133] = "extended-security",
    [134] = "cipso",
    [136] = "stream-id",
    [137] = "ssrr",
    [148] = "ra",         /* RFC 2113 */
    [158] = "experiment", /* RFC 4727 */
    [222] = "experiment", /* RFC 4727 */
};

const char *
ds_packet_ip4opt_token(uint8_t type)
{
	return ip4opt_tokens[type];
}
