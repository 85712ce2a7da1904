/* IP layer of the dissector: IPv4 header and options, IPv6 header and its
 * extension-header chain, then hands over to the upper layer.
 *
 * This runs for every packet of a capture file, so it does not clear the
 * whole struct (the option arrays are only valid up to their counts) and
 * reads each header field once. */
#include "pkt/dissect.h"

#include <stddef.h>

#include "base/bytes.h"
#include "pkt/dissect_priv.h"

static const char *const malformed_names[PW_MAL_COUNT] = {
	"truncated",
	"bad-version",
	"bad-header-length",
	"bad-total-length",
	"bad-options",
	"bad-ip-checksum",
	"bad-l4-checksum",
	"snapped",
	"ext-chain-too-long",
};

const char *pw_malformed_name(unsigned bit_index)
{
	if (bit_index >= PW_MAL_COUNT)
		return "unknown";
	return malformed_names[bit_index];
}

static inline void dissect_reset(struct pw_dissect *d, const uint8_t *l3,
				 uint32_t caplen, uint32_t wirelen)
{
	d->l3 = l3;
	d->caplen = caplen;
	d->wirelen = wirelen;
	d->malformed = 0;
	d->ipver = 0;
	d->l4proto = 0;
	d->l3_hlen = 0;
	d->ip_len = 0;
	d->is_fragment = false;
	d->more_frags = false;
	d->dont_frag = false;
	d->frag_off = 0;
	d->frag_id = 0;
	d->n_ext = 0;
	d->has_l4 = false;
	d->l4_off = 0;
	d->l4_hlen = 0;
	d->sport = 0;
	d->dport = 0;
	d->tcp_seq = 0;
	d->tcp_ack = 0;
	d->tcp_flags = 0;
	d->tcp_win = 0;
	d->n_tcp_opts = 0;
	d->icmp_quote_off = 0;
	d->payload_off = 0;
	d->payload_len = 0;
	d->payload_wirelen = 0;
}

/* IPv4 options (RFC 791 3.1): EOL ends the list, NOP is one byte, every
 * other option is kind, length (>= 2, counting both), data. */
static void check_ip4_options(struct pw_dissect *d, uint32_t hlen)
{
	const uint8_t *p = d->l3;
	uint32_t i = 20;

	while (i < hlen) {
		uint8_t kind = p[i];

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= hlen || p[i + 1] < 2 || i + p[i + 1] > hlen) {
			d->malformed |= PW_MAL_BAD_OPTIONS;
			break;
		}
		i += p[i + 1];
	}
}

/* Common tail of both IP versions: lengths against the capture, then the
 * upper layer unless this is a later fragment. */
static void finish_l3(struct pw_dissect *d, uint32_t off, bool quoted)
{
	uint32_t avail = d->caplen < d->ip_len ? d->caplen : d->ip_len;

	if (d->caplen < d->ip_len)
		d->malformed |= PW_MAL_SNAPPED;
	if (!quoted && d->ip_len > d->wirelen)
		d->malformed |= PW_MAL_BAD_TOTAL_LEN;
	if (d->frag_off != 0) {
		pw_dissect_set_payload(d, off, avail);
		return;
	}
	pw_dissect_l4(d, off, avail);
}

static bool dissect_ip4(struct pw_dissect *d, bool quoted)
{
	const uint8_t *p = d->l3;
	uint32_t hlen, total;
	uint16_t frag;

	if (d->caplen < 20) {
		d->malformed |= PW_MAL_TRUNCATED;
		return false;
	}
	d->ipver = 4;
	d->l4proto = p[9];
	hlen = (uint32_t)(p[0] & 0x0f) * 4;
	if (hlen < 20) {
		d->malformed |= PW_MAL_BAD_HDR_LEN;
		return false;
	}
	d->l3_hlen = (uint16_t)hlen;
	total = pw_get_be16(p + 2);
	/* Segmentation offload hands the capture one big packet whose total
	 * length is 0: take the length from the wire, like tcpdump does. */
	if (total == 0 && !quoted)
		total = d->wirelen;
	if (total < hlen) {
		d->malformed |= PW_MAL_BAD_TOTAL_LEN;
		return false;
	}
	d->ip_len = total;
	if (d->caplen < hlen) {
		d->malformed |= PW_MAL_TRUNCATED;
		return false;
	}
	frag = pw_get_be16(p + 6);
	d->frag_id = pw_get_be16(p + 4);
	d->dont_frag = frag & 0x4000;
	d->more_frags = frag & 0x2000;
	d->frag_off = (uint16_t)((frag & 0x1fff) << 3);
	d->is_fragment = (frag & 0x3fff) != 0;
	if (hlen > 20)
		check_ip4_options(d, hlen);
	finish_l3(d, hlen, quoted);
	return true;
}

/* Walks the IPv6 extension headers (RFC 8200 4, RFC 4302 for AH). Generic
 * ones are next header, length in 8-byte units not counting the first 8,
 * data; AH counts 4-byte units minus 2; the fragment header is 8 bytes.
 * Returns the offset where the chain ended, d->l4proto set to the header
 * type found there; *whole is false when it ended on an error or inside a
 * later fragment (no upper layer can follow). */
static uint32_t walk_ip6_ext(struct pw_dissect *d, uint32_t avail,
			     bool *whole)
{
	const uint8_t *p = d->l3;
	uint32_t off = 40, elen;
	uint8_t nh = p[6];

	*whole = false;
	for (;;) {
		switch (nh) {
		case PW_IPPROTO_HOPOPTS:
		case PW_IPPROTO_ROUTING:
		case PW_IPPROTO_DSTOPTS:
		case 135:	/* mobility (RFC 6275) */
		case 139:	/* HIP (RFC 7401) */
		case 140:	/* shim6 (RFC 5533) */
			if (!pw_dissect_need(d, off, 2, avail))
				goto out;
			elen = ((uint32_t)p[off + 1] + 1) * 8;
			break;
		case PW_IPPROTO_AH:
			if (!pw_dissect_need(d, off, 2, avail))
				goto out;
			elen = ((uint32_t)p[off + 1] + 2) * 4;
			break;
		case PW_IPPROTO_FRAGMENT:
			elen = 8;
			break;
		default:
			*whole = true;
			goto out;
		}
		if (d->n_ext == PW_IP6_MAX_EXT) {
			d->malformed |= PW_MAL_EXT_CHAIN;
			goto out;
		}
		if (!pw_dissect_need(d, off, elen, avail))
			goto out;
		d->ext[d->n_ext].type = nh;
		d->ext[d->n_ext].off = (uint16_t)off;
		d->ext[d->n_ext].len = (uint16_t)elen;
		d->n_ext++;
		nh = p[off];
		if (d->ext[d->n_ext - 1].type == PW_IPPROTO_FRAGMENT) {
			uint16_t fo = pw_get_be16(p + off + 2);

			d->frag_off = fo & 0xfff8;
			d->more_frags = fo & 1;
			d->frag_id = pw_get_be32(p + off + 4);
			d->is_fragment = d->frag_off != 0 || d->more_frags;
			if (d->frag_off != 0) {
				/* What follows is the middle of the
				 * original packet: nothing to parse. */
				off += elen;
				goto out;
			}
		}
		off += elen;
	}
out:
	d->l4proto = nh;
	return off;
}

static bool dissect_ip6(struct pw_dissect *d, bool quoted)
{
	const uint8_t *p = d->l3;
	uint32_t plen, off, avail;
	bool whole;

	if (d->caplen < 40) {
		d->malformed |= PW_MAL_TRUNCATED;
		return false;
	}
	d->ipver = 6;
	plen = pw_get_be16(p + 4);
	d->ip_len = 40 + plen;
	/* Payload length 0 with something after the header: a jumbogram or
	 * an offloaded segment; the wire length is all we have. */
	if (plen == 0 && p[6] != PW_IPPROTO_NONE && !quoted && d->wirelen > 40)
		d->ip_len = d->wirelen;
	avail = d->caplen < d->ip_len ? d->caplen : d->ip_len;
	off = walk_ip6_ext(d, avail, &whole);
	d->l3_hlen = (uint16_t)off;
	if (!whole) {
		if (d->caplen < d->ip_len)
			d->malformed |= PW_MAL_SNAPPED;
		if (!quoted && d->ip_len > d->wirelen)
			d->malformed |= PW_MAL_BAD_TOTAL_LEN;
		pw_dissect_set_payload(d, off < avail ? off : avail, avail);
		return true;
	}
	finish_l3(d, off, quoted);
	return true;
}

static bool dissect_any(const uint8_t *l3, uint32_t caplen, uint32_t wirelen,
			struct pw_dissect *d, bool quoted)
{
	dissect_reset(d, l3, caplen, wirelen);
	if (caplen == 0) {
		d->malformed |= PW_MAL_TRUNCATED;
		return false;
	}
	switch (l3[0] >> 4) {
	case 4:
		return dissect_ip4(d, quoted);
	case 6:
		return dissect_ip6(d, quoted);
	default:
		d->malformed |= PW_MAL_BAD_VERSION;
		return false;
	}
}

bool pw_dissect_ip(const uint8_t *l3, uint32_t caplen, uint32_t wirelen,
		   struct pw_dissect *d)
{
	return dissect_any(l3, caplen, wirelen, d, false);
}

bool pw_dissect_icmp_quote(const struct pw_dissect *outer,
			   struct pw_dissect *inner)
{
	uint32_t avail, qcap;
	bool ok;

	avail = outer->caplen < outer->ip_len ? outer->caplen : outer->ip_len;
	if (outer->icmp_quote_off == 0 || outer->icmp_quote_off >= avail) {
		dissect_reset(inner, outer->l3, 0, 0);
		inner->malformed |= PW_MAL_TRUNCATED;
		return false;
	}
	qcap = avail - outer->icmp_quote_off;
	ok = dissect_any(outer->l3 + outer->icmp_quote_off, qcap, qcap, inner,
			 true);
	/* The quote's wire length is what its header claims. */
	if (inner->ip_len > qcap)
		inner->wirelen = inner->ip_len;
	return ok;
}

const uint8_t *pw_dissect_src(const struct pw_dissect *d)
{
	if (d->ipver == 4)
		return d->l3 + 12;
	if (d->ipver == 6)
		return d->l3 + 8;
	return NULL;
}

const uint8_t *pw_dissect_dst(const struct pw_dissect *d)
{
	if (d->ipver == 4)
		return d->l3 + 16;
	if (d->ipver == 6)
		return d->l3 + 24;
	return NULL;
}

const uint8_t *pw_tcp_opt_find(const struct pw_dissect *d, uint8_t kind,
			       uint8_t *len_out)
{
	unsigned i;

	for (i = 0; i < d->n_tcp_opts; i++) {
		const struct pw_tcp_opt *o = &d->tcp_opts[i];

		if (o->kind != kind)
			continue;
		if (o->len < 2) {
			if (len_out)
				*len_out = 0;
			return d->l3 + o->off + 1;
		}
		if (len_out)
			*len_out = (uint8_t)(o->len - 2);
		return d->l3 + o->off + 2;
	}
	return NULL;
}
