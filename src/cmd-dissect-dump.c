/* SPDX-License-Identifier: MIT */
/*
 * dualstack dissect: tcpdump's habits around a packet's line.
 *
 *   -X, -XX    hex and ASCII under each packet (-XX: from the link header)
 *   -x, -xx    hex only
 *   -A, -AA    the bytes as ASCII
 *   -e         the link-layer header at the start of the line
 *
 * The layout is tcpdump's (print-ascii.c, print-ether.c, print-sll.c in
 * tcpdump 4.99), so that eyes used to it read it at once. None of this is
 * on the path of a plain line: the driver calls in here only when one of
 * the options is given.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd-dissect-int.h"

/* tcpdump's hex dump: 16 octets a line, in groups of two (print-ascii.c
 * HEXDUMP_BYTES_PER_LINE, HEXDUMP_SHORTS_PER_LINE). */
#define HEX_PER_LINE 16
/* The hex column is padded to its full width, 8 groups of " xxxx"
 * (HEXDUMP_HEXSTUFF_PER_LINE), so that the ASCII column stays put. */
#define HEX_COLUMN (5 * (HEX_PER_LINE / 2))

static const char hexdigits[] = "0123456789abcdef";

/* Printable, as tcpdump's ND_ASCII_ISGRAPH: '!' to '~' (no blank). */
static bool
is_graph(uint8_t c)
{
	return c > 0x20 && c < 0x7f;
}

/*
 * Where tcpdump's link header ends. For an 802.3 frame (a length where
 * the EtherType would be) that is after the IEEE 802.2 LLC header --
 * DSAP, SSAP and a control field of one octet for U frames, two for
 * the others -- and the 5-octet SNAP header that follows DSAP = SSAP =
 * 0xaa with control UI (print-llc.c llc_print()). Raw 802.3 IPX
 * (0xffff) has no LLC header.
 */
static uint32_t
link_end(const struct ds_pkt_link *l, const struct ds_capture_packet *cp)
{
	const uint8_t *p = cp->data + l->len;
	uint32_t n;

	if (l->type != DS_LINK_EN10MB || l->ethertype != 0 ||
	    l->len + 3 > cp->caplen)
		return l->len;
	if (p[0] == 0xff && p[1] == 0xff)
		return l->len;
	n = (p[2] & 3) == 3 ? 3 : 4;
	if (p[0] == 0xaa && p[1] == 0xaa && p[2] == 0x03)
		n += 5;
	return l->len + n;
}

/* The octets the dump shows: from the network header, or with -XX/-xx
 * from the link header. A frame whose link type was not decoded is shown
 * whole, as tcpdump does for a link type it has no printer for. */
static const uint8_t *
dump_span(const struct dissect *d, const struct ds_capture_packet *cp, int rc,
    uint32_t *ret_len)
{
	uint32_t skip = 0;

	if (!d->dump_link && rc >= 0)
		skip = link_end(&d->pkt.link, cp);
	if (skip >= cp->caplen) {
		*ret_len = 0;
		return cp->data;
	}
	*ret_len = cp->caplen - skip;
	return cp->data + skip;
}

/* "\t0x0010:  6000 0000 ... " and, with ascii, the column after it. */
static void
dump_hex(struct cli_out *o, const uint8_t *p, uint32_t len, bool ascii)
{
	for (uint32_t off = 0; off < len; off += HEX_PER_LINE) {
		uint32_t n =
		    len - off < HEX_PER_LINE ? len - off : HEX_PER_LINE;
		char *s =
		    cli_out_reserve(o, 20 + HEX_COLUMN + 2 + HEX_PER_LINE);
		char *q = s;
		int nd = 4; /* "0x%04x": more digits past 64 KiB */

		while (nd < 8 && (off >> (4 * nd)) != 0)
			nd++;
		*q++ = '\t';
		*q++ = '0';
		*q++ = 'x';
		for (int k = nd - 1; k >= 0; k--)
			*q++ = hexdigits[(off >> (4 * k)) & 0xf];
		*q++ = ':';
		*q++ = ' ';
		char *col = q;

		for (uint32_t i = 0; i < n; i++) {
			if (i % 2 == 0)
				*q++ = ' ';
			*q++ = hexdigits[p[off + i] >> 4];
			*q++ = hexdigits[p[off + i] & 0xf];
		}
		if (ascii) {
			while (q < col + HEX_COLUMN)
				*q++ = ' ';
			*q++ = ' ';
			*q++ = ' ';
			for (uint32_t i = 0; i < n; i++)
				*q++ = is_graph(p[off + i]) ? (char)p[off + i]
				                            : '.';
		}
		*q++ = '\n';
		o->len += (size_t)(q - s);
	}
}

/*
 * tcpdump -A: the octets as text on the lines after the packet's, a dot
 * for what is not printable; tabs, blanks and newlines pass, a carriage
 * return before a newline is dropped (ascii_print()).
 */
static void
dump_ascii(struct cli_out *o, const uint8_t *p, uint32_t len)
{
	char *s = NULL;
	size_t room = 0;

	for (uint32_t i = 0; i < len; i++) {
		uint8_t c = p[i];
		uint32_t left = len - i - 1;

		if (room == 0) {
			s = cli_out_reserve(o, 256);
			room = 256;
		}
		if (c == '\r') {
			/* tcpdump's test, as it is: a dot unless a newline
			 * follows or it is one of the last two octets. */
			if (left > 1 && p[i + 1] != '\n') {
				*s++ = '.';
				o->len++;
				room--;
			}
			continue;
		}
		*s++ = is_graph(c) || c == '\t' || c == ' ' || c == '\n'
		    ? (char)c
		    : '.';
		o->len++;
		room--;
	}
	out_c(o, '\n');
}

void
dissect_dump(struct dissect *d, const struct ds_capture_packet *cp, int rc)
{
	uint32_t len;
	const uint8_t *p = dump_span(d, cp, rc, &len);

	/* Nothing after the link header: nothing, as in tcpdump. */
	if (len == 0)
		return;
	switch (d->dump) {
	case DUMP_HEX_ASCII:
		dump_hex(&d->o, p, len, true);
		break;
	case DUMP_HEX:
		dump_hex(&d->o, p, len, false);
		break;
	case DUMP_ASCII:
		dump_ascii(&d->o, p, len);
		break;
	default:
		break;
	}
}

void
dissect_dump_json(struct json *j, struct dissect *d,
    const struct ds_capture_packet *cp, int rc)
{
	static char *buf;
	static size_t cap;
	uint32_t len;
	const uint8_t *p = dump_span(d, cp, rc, &len);
	size_t need = (size_t)len * 2;

	if (need > cap) {
		char *n = realloc(buf, need);

		if (!n)
			return; /* no field rather than no packet */
		buf = n;
		cap = need;
	}
	for (uint32_t i = 0; i < len; i++) {
		buf[2 * i] = hexdigits[p[i] >> 4];
		buf[2 * i + 1] = hexdigits[p[i] & 0xf];
	}
	json_key(j, "hex");
	json_string_len(j, buf, need);
}

/* --- -e ------------------------------------------------------------------- */

/* tcpdump's names of EtherTypes (ethertype.c), the ones met in practice. */
static const char *
ethertype_name(uint16_t t)
{
	switch (t) {
	case 0x0800:
		return "IPv4";
	case 0x0806:
		return "ARP";
	case 0x8035:
		return "Reverse ARP";
	case 0x86dd:
		return "IPv6";
	case 0x8100:
		return "802.1Q";
	case 0x88a8:
		return "802.1Q-QinQ";
	case 0x9100:
		return "802.1Q-9100";
	case 0x9200:
		return "802.1Q-9200";
	case 0x8847:
		return "MPLS unicast";
	case 0x8848:
		return "MPLS multicast";
	case 0x8863:
		return "PPPoE D";
	case 0x8864:
		return "PPPoE S";
	case 0x888e:
		return "EAPOL";
	case 0x8809:
		return "Slow Protocols";
	case 0x88cc:
		return "LLDP";
	case 0x88e5:
		return "802.1AE MACsec";
	case 0x6558:
		return "TEB";
	case 0x9000:
		return "Loopback";
	default:
		return "Unknown";
	}
}

/* "ethertype IPv6 (0x86dd)" */
static void
out_ethertype(struct cli_out *o, uint16_t t)
{
	cli_out_str(o, "ethertype ");
	cli_out_str(o, ethertype_name(t));
	cli_out_str(o, " (");
	out_hex(o, t, 4);
	out_c(o, ')');
}

/* The EtherType after the MAC addresses: the first tag's TPID when the
 * frame is tagged. */
static uint16_t
outer_ethertype(const struct ds_pkt_link *l)
{
	return l->n_vlan ? l->vlan[0].tpid : l->ethertype;
}

static void
link_ethernet(struct cli_out *o, const struct ds_pkt_link *l,
    const struct ds_capture_packet *cp)
{
	uint16_t t = outer_ethertype(l);
	uint32_t len = cp->wirelen;

	out_mac(o, &l->src);
	cli_out_str(o, " > ");
	out_mac(o, &l->dst);
	cli_out_str(o, ", ");
	if (t == 0) {
		/* An 802.3 length field (under 0x0600) leaves no type;
		 * tcpdump shows the field, the octets after it. */
		cli_out_str(o, "802.3");
		if (l->len >= 14 && l->len <= cp->caplen)
			len = (uint32_t)cp->data[l->len - 2] << 8 |
			    cp->data[l->len - 1];
	} else {
		out_ethertype(o, t);
	}
	cli_out_str(o, ", length ");
	cli_out_u64(o, len);
	out_c(o, ':');
	/* Each tag as tcpdump -e shows it, then the type it announces. */
	for (unsigned i = 0; i < l->n_vlan && i < DS_PKT_MAX_VLAN; i++) {
		const struct ds_pkt_vlan *v = &l->vlan[i];

		cli_out_str(o, " vlan ");
		cli_out_u64(o, v->vid);
		cli_out_str(o, ", p ");
		cli_out_u64(o, v->pcp);
		if (v->dei)
			cli_out_str(o, ", DEI");
		cli_out_str(o, ", ");
		out_ethertype(
		    o, i + 1 < l->n_vlan ? l->vlan[i + 1].tpid : l->ethertype);
		out_c(o, ',');
	}
}

/*
 * packet(7) sll_pkttype as tcpdump's print-sll.c writes it, three wide:
 * right-aligned for SLL ("%3s"), left-aligned for SLL2 ("%-3s").
 */
static void
out_pkttype(struct cli_out *o, uint16_t t, bool left)
{
	static const char *const words[] = {"In", "B", "M", "P", "Out"};
	const char *w = t < sizeof(words) / sizeof(words[0]) ? words[t] : "?";
	size_t n = strlen(w);

	if (!left)
		cli_out_put(o, "   ", 3 - n);
	cli_out_str(o, w);
	if (left)
		cli_out_put(o, "   ", 3 - n);
}

static void
link_sll(struct cli_out *o, const struct ds_pkt_link *l, uint32_t wirelen)
{
	out_pkttype(o, l->sll_pkttype, l->type == DS_LINK_LINUX_SLL2);
	out_c(o, ' ');
	if (l->type == DS_LINK_LINUX_SLL2) {
		/* tcpdump puts the capturing host's name for the index in
		 * front; a file does not say it, so only the number. */
		cli_out_str(o, "ifindex ");
		cli_out_u64(o, l->sll_ifindex);
		out_c(o, ' ');
	}
	/* An Ethernet-sized link address is shown as a MAC, as tcpdump
	 * does; other lengths are not shown. */
	if (l->sll_halen == 6) {
		struct ds_mac m;

		memcpy(m.b, l->sll_addr, 6);
		out_mac(o, &m);
		out_c(o, ' ');
	}
	out_ethertype(o, l->ethertype);
	cli_out_str(o, ", length ");
	cli_out_u64(o, wirelen);
	out_c(o, ':');
}

void
dissect_link_header(struct dissect *d, const struct ds_capture_packet *cp)
{
	struct cli_out *o = &d->o;
	const struct ds_pkt_link *l = &d->pkt.link;

	if (d->last_rc < 0)
		return; /* the line says the link type was not decoded */
	out_c(o, ' ');
	switch (l->type) {
	case DS_LINK_EN10MB:
		link_ethernet(o, l, cp);
		break;
	case DS_LINK_LINUX_SLL:
	case DS_LINK_LINUX_SLL2:
		link_sll(o, l, cp->wirelen);
		break;
	case DS_LINK_NULL:
	case DS_LINK_LOOP:
		/* print-null.c: "AF IPv6 (30), length 84:" */
		cli_out_str(o, "AF ");
		cli_out_str(o,
		    l->ethertype == 0x86dd       ? "IPv6"
		        : l->ethertype == 0x0800 ? "IPv4"
		                                 : "Unknown");
		cli_out_str(o, " (");
		cli_out_u64(o, l->family);
		cli_out_str(o, "), length ");
		cli_out_u64(o, cp->wirelen);
		out_c(o, ':');
		break;
	default:
		/* Raw IP has no link header; tcpdump -e says "ip:". */
		cli_out_str(o, "ip:");
		break;
	}
}
