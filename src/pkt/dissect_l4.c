/* Upper layer of the dissector: TCP with its options, UDP, ICMP and
 * ICMPv6. */
#include <stddef.h>

#include "base/bytes.h"
#include "pkt/dissect.h"
#include "pkt/dissect_priv.h"

/* Lengths the option kinds must have (RFC 9293, 7323, 2018, 2385, 5925,
 * 7413). Kinds not listed here are not checked. */
static bool tcp_opt_len_ok(uint8_t kind, uint8_t len)
{
	switch (kind) {
	case PW_TCPOPT_MSS:
		return len == 4;
	case PW_TCPOPT_WSCALE:
		return len == 3;
	case PW_TCPOPT_SACK_PERM:
		return len == 2;
	case PW_TCPOPT_SACK:
		return len >= 10 && (len - 2) % 8 == 0;
	case PW_TCPOPT_TIMESTAMP:
		return len == 10;
	case PW_TCPOPT_MD5:
		return len == 18;
	case PW_TCPOPT_AO:
		return len >= 4;
	case PW_TCPOPT_FASTOPEN:
		return len == 2 || (len >= 6 && len <= 18 && len % 2 == 0);
	default:
		return true;
	}
}

/* Options run from i to hdr_end (the data offset); the capture may end
 * before. A bad length ends the walk with what was parsed so far kept. */
static void dissect_tcp_options(struct pw_dissect *d, uint32_t i,
				uint32_t hdr_end, uint32_t avail)
{
	const uint8_t *p = d->l3;
	uint32_t end = hdr_end < avail ? hdr_end : avail;
	unsigned n = 0;

	if (end < hdr_end)
		d->malformed |= PW_MAL_TRUNCATED;
	while (i < end) {
		uint8_t kind = p[i], len = 1;

		if (kind > PW_TCPOPT_NOP) {
			if (i + 1 >= end) {
				if (i + 1 >= hdr_end)
					d->malformed |= PW_MAL_BAD_OPTIONS;
				break;
			}
			len = p[i + 1];
			if (len < 2 || i + len > hdr_end) {
				d->malformed |= PW_MAL_BAD_OPTIONS;
				break;
			}
			if (i + len > end)
				break;
			if (!tcp_opt_len_ok(kind, len))
				d->malformed |= PW_MAL_BAD_OPTIONS;
		}
		if (n < PW_TCP_MAX_OPTS) {
			d->tcp_opts[n].kind = kind;
			d->tcp_opts[n].len = len;
			d->tcp_opts[n].off = (uint16_t)i;
			n++;
		}
		if (kind == PW_TCPOPT_EOL)
			break;
		i += len;
	}
	d->n_tcp_opts = (uint8_t)n;
}

static void dissect_tcp(struct pw_dissect *d, uint32_t off, uint32_t avail)
{
	const uint8_t *p = d->l3 + off;
	uint32_t hlen;

	if (!pw_dissect_need(d, off, 20, avail)) {
		pw_dissect_set_payload(d, off, avail);
		return;
	}
	d->has_l4 = true;
	d->l4_off = (uint16_t)off;
	d->sport = pw_get_be16(p);
	d->dport = pw_get_be16(p + 2);
	d->tcp_seq = pw_get_be32(p + 4);
	d->tcp_ack = pw_get_be32(p + 8);
	d->tcp_flags = p[13];
	d->tcp_win = pw_get_be16(p + 14);
	hlen = (uint32_t)(p[12] >> 4) * 4;
	if (hlen < 20) {
		d->malformed |= PW_MAL_BAD_HDR_LEN;
		hlen = 20;
	} else if (off + hlen > d->ip_len) {
		d->malformed |= PW_MAL_BAD_TOTAL_LEN;
		hlen = d->ip_len - off;
	}
	d->l4_hlen = (uint16_t)hlen;
	if (hlen > 20)
		dissect_tcp_options(d, off + 20, off + hlen, avail);
	pw_dissect_set_payload(d, off + hlen, avail);
}

static void dissect_udp(struct pw_dissect *d, uint32_t off, uint32_t avail)
{
	const uint8_t *p = d->l3 + off;
	uint32_t ulen, seg;

	if (!pw_dissect_need(d, off, 8, avail)) {
		pw_dissect_set_payload(d, off, avail);
		return;
	}
	d->has_l4 = true;
	d->l4_off = (uint16_t)off;
	d->l4_hlen = 8;
	d->sport = pw_get_be16(p);
	d->dport = pw_get_be16(p + 2);
	ulen = pw_get_be16(p + 4);
	seg = d->ip_len - off;	/* UDP bytes the IP header accounts for */
	pw_dissect_set_payload(d, off + 8, avail);
	if (d->more_frags)
		return;		/* the length covers later fragments too */
	if (ulen == 0 && d->ipver == 6 && pw_get_be16(d->l3 + 4) == 0)
		return;		/* jumbogram (RFC 2675) */
	if (ulen < 8 || ulen != seg) {
		d->malformed |= PW_MAL_BAD_TOTAL_LEN;
		if (ulen < 8 || ulen > seg)
			return;
	}
	d->payload_wirelen = ulen - 8;
	if (d->payload_len > d->payload_wirelen)
		d->payload_len = d->payload_wirelen;
}

/* ICMP errors carry the offending packet after the 8-byte header: ICMPv4
 * destination unreachable, source quench, redirect, time exceeded,
 * parameter problem; ICMPv6 types 1-4. */
static bool icmp_is_error(uint8_t ipver, uint8_t type)
{
	if (ipver == 4)
		return type == 3 || type == 4 || type == 5 || type == 11 ||
		       type == 12;
	return type >= 1 && type <= 4;
}

static void dissect_icmp(struct pw_dissect *d, uint32_t off, uint32_t avail)
{
	const uint8_t *p = d->l3 + off;

	if (!pw_dissect_need(d, off, 8, avail)) {
		pw_dissect_set_payload(d, off, avail);
		return;
	}
	d->has_l4 = true;
	d->l4_off = (uint16_t)off;
	d->l4_hlen = 8;
	d->sport = p[0];
	d->dport = p[1];
	pw_dissect_set_payload(d, off + 8, avail);
	if (d->payload_len > 0 && icmp_is_error(d->ipver, p[0]))
		d->icmp_quote_off = (uint16_t)(off + 8);
}

void pw_dissect_l4(struct pw_dissect *d, uint32_t off, uint32_t avail)
{
	switch (d->l4proto) {
	case PW_IPPROTO_TCP:
		dissect_tcp(d, off, avail);
		break;
	case PW_IPPROTO_UDP:
		dissect_udp(d, off, avail);
		break;
	case PW_IPPROTO_ICMP:
		if (d->ipver == 4)
			dissect_icmp(d, off, avail);
		else
			pw_dissect_set_payload(d, off, avail);
		break;
	case PW_IPPROTO_ICMPV6:
		if (d->ipver == 6)
			dissect_icmp(d, off, avail);
		else
			pw_dissect_set_payload(d, off, avail);
		break;
	default:
		pw_dissect_set_payload(d, off, avail);
		break;
	}
}
