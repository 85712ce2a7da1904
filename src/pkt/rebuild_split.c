/* One edit written as several packets: IP fragments (RFC 791 2.3 and 3.2,
 * RFC 8200 4.5) or TCP segments. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "pkt/checksum.h"
#include "pkt/dissect_priv.h"
#include "pkt/rebuild.h"

/* cuts must increase, stay strictly inside (0, len) and, when align is
 * not 1, be multiples of it. */
static bool cuts_ok(const uint32_t *cuts, unsigned n_cuts, uint32_t len,
		    uint32_t align)
{
	uint32_t prev = 0;
	unsigned i;

	for (i = 0; i < n_cuts; i++) {
		if (cuts[i] <= prev || cuts[i] >= len || cuts[i] % align)
			return false;
		prev = cuts[i];
	}
	return true;
}

static uint16_t ip4_csum(const struct pw_pkt_edit *e, const uint8_t *hdr,
			 uint32_t hlen)
{
	uint16_t right = pw_csum_ip4_header(hdr, hlen);

	if (e->ip_csum == PW_CSUM_KEEP)
		return e->ip4.csum;
	if (e->ip_csum == PW_CSUM_BAD)
		return right ^ 1;
	return right;
}

/* Header for the second and later IPv4 fragments: the fixed part and the
 * options whose copied flag (top bit of the kind) is set. */
static uint32_t ip4_later_header(const uint8_t *first, uint32_t hlen,
				 uint8_t *hdr)
{
	uint32_t i = 20, n = 20;

	memcpy(hdr, first, 20);
	while (i < hlen) {
		uint8_t kind = first[i], len;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= hlen)
			break;
		len = first[i + 1];
		if (len < 2 || i + len > hlen)
			break;
		if (kind & 0x80) {
			memcpy(hdr + n, first + i, len);
			n += len;
		}
		i += len;
	}
	while (n % 4)
		hdr[n++] = 0;
	hdr[0] = (uint8_t)(0x40 | n / 4);
	return n;
}

static int fragment_ip4(const struct pw_pkt_edit *e, const uint8_t *whole,
			uint32_t size, const uint32_t *cuts, unsigned n_cuts,
			uint8_t *out, size_t cap, struct pw_span *spans)
{
	uint8_t later[60];
	uint32_t hlen = (whole[0] & 15u) * 4, later_len, pos = 0;
	uint32_t flen = size - hlen;
	unsigned i;

	if (!cuts_ok(cuts, n_cuts, flen, 8))
		return -EINVAL;
	later_len = ip4_later_header(whole, hlen, later);
	for (i = 0; i <= n_cuts; i++) {
		uint32_t start = i ? cuts[i - 1] : 0;
		uint32_t end = i < n_cuts ? cuts[i] : flen;
		uint32_t hl = i ? later_len : hlen;
		uint8_t *p = out + pos;
		uint16_t frag;

		if (pos + hl + (end - start) > cap)
			return -ENOSPC;
		memcpy(p, i ? later : whole, hl);
		memcpy(p + hl, whole + hlen + start, end - start);
		pw_put_be16(p + 2, (uint16_t)(hl + end - start));
		frag = (uint16_t)((e->ip4.flags & (PW_IP4_FLAG_RESERVED |
						   PW_IP4_FLAG_DF)) << 13);
		if (i < n_cuts)
			frag |= PW_IP4_FLAG_MF << 13;
		frag |= (uint16_t)(start / 8);
		pw_put_be16(p + 6, frag);
		pw_put_be16(p + 10, 0);
		pw_put_be16(p + 10, ip4_csum(e, p, hl));
		spans[i].off = pos;
		spans[i].len = hl + end - start;
		pos += spans[i].len;
	}
	return (int)n_cuts + 1;
}

/* Extension headers that stay in front of the fragment header: hop-by-hop,
 * and destination options and routing headers up to the last routing
 * header. Returns how many. */
static unsigned ip6_unfragmentable(const struct pw_edit_ip6 *ip)
{
	unsigned i = 0, n = 0;

	if (ip->n_ext && ip->ext[0].type == PW_IPPROTO_HOPOPTS)
		n = i = 1;
	for (; i < ip->n_ext; i++) {
		if (ip->ext[i].type == PW_IPPROTO_ROUTING)
			n = i + 1;
		else if (ip->ext[i].type != PW_IPPROTO_DSTOPTS)
			break;
	}
	return n;
}

static int fragment_ip6(const struct pw_pkt_edit *e, const uint8_t *whole,
			uint32_t size, const uint32_t *cuts, unsigned n_cuts,
			uint32_t frag_id, uint8_t *out, size_t cap,
			struct pw_span *spans)
{
	unsigned n_unfrag = ip6_unfragmentable(&e->ip6), i;
	uint32_t unfrag = 40, nh_slot = 6, flen, pos = 0;
	uint8_t nh;

	for (i = 0; i < n_unfrag; i++) {
		nh_slot = unfrag;
		unfrag += e->ip6.ext[i].len;
	}
	nh = whole[nh_slot];
	flen = size - unfrag;
	if (!cuts_ok(cuts, n_cuts, flen, 8))
		return -EINVAL;
	for (i = 0; i <= n_cuts; i++) {
		uint32_t start = i ? cuts[i - 1] : 0;
		uint32_t end = i < n_cuts ? cuts[i] : flen;
		uint32_t len = unfrag + 8 + end - start;
		uint8_t *p = out + pos;

		if (pos + len > cap)
			return -ENOSPC;
		if (len - 40 > 0xffff)
			return -EMSGSIZE;
		memcpy(p, whole, unfrag);
		p[nh_slot] = PW_IPPROTO_FRAGMENT;
		pw_put_be16(p + 4, (uint16_t)(len - 40));
		/* next header, reserved, offset << 3 | M, identification */
		p[unfrag] = nh;
		p[unfrag + 1] = 0;
		pw_put_be16(p + unfrag + 2,
			    (uint16_t)(start | (i < n_cuts ? 1 : 0)));
		pw_put_be32(p + unfrag + 4, frag_id);
		memcpy(p + unfrag + 8, whole + unfrag + start, end - start);
		spans[i].off = pos;
		spans[i].len = len;
		pos += len;
	}
	return (int)n_cuts + 1;
}

static bool ip6_has_fragment_header(const struct pw_edit_ip6 *ip)
{
	unsigned i;

	for (i = 0; i < ip->n_ext; i++)
		if (ip->ext[i].type == PW_IPPROTO_FRAGMENT)
			return true;
	return false;
}

int pw_rebuild_fragments(const struct pw_pkt_edit *e, const uint32_t *cuts,
			 unsigned n_cuts, uint32_t frag_id, uint8_t *out,
			 size_t cap, struct pw_span *spans)
{
	uint8_t *whole = NULL;
	size_t size;
	int ret = -EINVAL;

	if (e->ipver == 4 && ((e->ip4.flags & PW_IP4_FLAG_MF) ||
			      e->ip4.frag_off || e->keep_lengths))
		goto out;
	if (e->ipver == 6 && (ip6_has_fragment_header(&e->ip6) ||
			      e->ip6.n_ext == PW_IP6_MAX_EXT ||
			      e->keep_lengths))
		goto out;
	size = pw_rebuild_size(e);
	if (size == 0)
		goto out;
	whole = malloc(size);
	ret = -ENOMEM;
	if (!whole)
		goto out;
	ret = pw_rebuild(e, whole, size);
	if (ret < 0)
		goto out;
	if (e->ipver == 4)
		ret = fragment_ip4(e, whole, (uint32_t)size, cuts, n_cuts, out,
				   cap, spans);
	else
		ret = fragment_ip6(e, whole, (uint32_t)size, cuts, n_cuts,
				   frag_id, out, cap, spans);
out:
	free(whole);
	return ret;
}

int pw_rebuild_segments(const struct pw_pkt_edit *e, const uint32_t *cuts,
			unsigned n_cuts, uint8_t *out, size_t cap,
			struct pw_span *spans)
{
	struct pw_pkt_edit *seg = NULL;
	size_t pos = 0;
	unsigned i;
	int ret = -EINVAL;

	if (e->l4 != PW_EDIT_L4_TCP ||
	    !cuts_ok(cuts, n_cuts, e->payload_len, 1))
		goto out;
	ret = -ENOMEM;
	seg = malloc(sizeof(*seg));
	if (!seg)
		goto out;
	*seg = *e;
	seg->keep_lengths = false;
	for (i = 0; i <= n_cuts; i++) {
		uint32_t start = i ? cuts[i - 1] : 0;
		uint32_t end = i < n_cuts ? cuts[i] : e->payload_len;
		uint8_t flags = e->tcp.flags;

		if (i > 0)
			flags &= (uint8_t)~PW_TCP_SYN;
		if (i < n_cuts)
			flags &= (uint8_t)~(PW_TCP_FIN | PW_TCP_PSH);
		seg->tcp.flags = flags;
		seg->tcp.seq = e->tcp.seq + start +
			       (i > 0 && (e->tcp.flags & PW_TCP_SYN) ? 1 : 0);
		seg->ip4.id = (uint16_t)(e->ip4.id + i);
		seg->payload = e->payload ? e->payload + start : NULL;
		seg->payload_len = end - start;
		ret = pw_rebuild(seg, out + pos, cap - pos);
		if (ret < 0)
			goto out;
		spans[i].off = (uint32_t)pos;
		spans[i].len = (uint32_t)ret;
		pos += (size_t)ret;
	}
	ret = (int)n_cuts + 1;
out:
	free(seg);
	return ret;
}
