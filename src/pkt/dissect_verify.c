/* Checksum verification of a dissected packet. */
#include <stddef.h>

#include "base/bytes.h"
#include "pkt/checksum.h"
#include "pkt/dissect.h"
#include "pkt/dissect_priv.h"

/* RFC 8200 8.1: with a routing header that still has segments left, the
 * pseudo-header carries the final destination, which sits in the routing
 * header: the last address of type 0 and type 2 headers, the first entry
 * of a segment routing header (type 4, RFC 8754: the list is reversed). */
const uint8_t *pw_ip6_rh_final_dst(const uint8_t *rh, uint32_t len)
{
	if (!rh || len < 24 || rh[3] == 0)
		return NULL;
	if (rh[2] == 0 || rh[2] == 2)
		return rh + 8 + (size_t)((len - 8) / 16 - 1) * 16;
	if (rh[2] == 4)
		return rh + 8;
	return NULL;
}

const uint8_t *pw_dissect_final_dst(const struct pw_dissect *d)
{
	const uint8_t *final = NULL;
	unsigned i;

	if (d->ipver != 6)
		return pw_dissect_dst(d);
	for (i = 0; i < d->n_ext && !final; i++)
		if (d->ext[i].type == PW_IPPROTO_ROUTING)
			final = pw_ip6_rh_final_dst(d->l3 + d->ext[i].off,
						    d->ext[i].len);
	return final ? final : d->l3 + 24;
}

uint32_t pw_dissect_pseudo_sum(const struct pw_dissect *d, uint8_t proto,
			       uint32_t l4_len)
{
	if (d->ipver == 4)
		return pw_csum_pseudo4(d->l3 + 12, d->l3 + 16, proto, l4_len);
	return pw_csum_pseudo6(d->l3 + 8, pw_dissect_final_dst(d), proto,
			       l4_len);
}

void pw_dissect_verify_checksums(struct pw_dissect *d)
{
	uint32_t l4_len, sum;
	const uint8_t *l4;

	if (d->ipver == 4 && d->l3_hlen >= 20 && d->caplen >= d->l3_hlen &&
	    pw_csum_fold(pw_csum_partial(d->l3, d->l3_hlen, 0)) != 0xffff)
		d->malformed |= PW_MAL_BAD_IP_CSUM;
	if (!d->has_l4 || d->is_fragment ||
	    d->payload_len < d->payload_wirelen)
		return;
	l4_len = pw_dissect_l4_len(d);
	if ((uint64_t)d->l4_off + l4_len > d->caplen)
		return;
	l4 = d->l3 + d->l4_off;
	switch (d->l4proto) {
	case PW_IPPROTO_UDP:
		if (d->ipver == 4 && pw_get_be16(l4 + 6) == 0)
			return;	/* sender computed none */
		/* fall through */
	case PW_IPPROTO_TCP:
	case PW_IPPROTO_ICMPV6:
		sum = pw_dissect_pseudo_sum(d, d->l4proto, l4_len);
		break;
	case PW_IPPROTO_ICMP:
		sum = 0;
		break;
	default:
		return;
	}
	if (pw_csum_fold(pw_csum_partial(l4, l4_len, sum)) != 0xffff)
		d->malformed |= PW_MAL_BAD_L4_CSUM;
}
