/* Canonical flow keys and their hash. */
#include <netinet/in.h>
#include <string.h>

#include "base/bytes.h"
#include "flow/flow_priv.h"

/* ICMP echo types (RFC 792, RFC 4443). */
#define ICMP4_ECHO_REQUEST 8
#define ICMP4_ECHO_REPLY 0
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129

static enum pw_flow_icmp_kind icmp_echo_kind(uint8_t ipver, uint8_t type)
{
	if (ipver == 4) {
		if (type == ICMP4_ECHO_REQUEST)
			return PW_ICMP_ECHO_REQUEST;
		if (type == ICMP4_ECHO_REPLY)
			return PW_ICMP_ECHO_REPLY;
	} else {
		if (type == ICMP6_ECHO_REQUEST)
			return PW_ICMP_ECHO_REQUEST;
		if (type == ICMP6_ECHO_REPLY)
			return PW_ICMP_ECHO_REPLY;
	}
	return PW_ICMP_NONE;
}

/* Reads the L4 words the key needs: ports for TCP/UDP, type and echo
 * identifier for ICMP. A quoted packet may stop right after the 8 bytes
 * RFC 792 promises, so TCP is not required to be whole there. */
static bool read_l4(const struct pw_dissect *d, bool quoted, uint16_t *sport,
		    uint16_t *dport, uint8_t *icmp)
{
	const uint8_t *l4;
	uint32_t off, avail;
	bool is_icmp = d->l4proto == IPPROTO_ICMP ||
		       d->l4proto == IPPROTO_ICMPV6;

	*icmp = PW_ICMP_NONE;
	if (d->has_l4) {
		off = d->l4_off;
	} else {
		if (!quoted || d->frag_off != 0 || !d->l3_hlen)
			return false;
		off = d->l3_hlen;
	}
	avail = d->caplen;
	if (off > avail || avail - off < (is_icmp ? 8u : 4u))
		return false;
	l4 = d->l3 + off;
	if (!is_icmp) {
		*sport = d->has_l4 ? d->sport : pw_get_be16(l4);
		*dport = d->has_l4 ? d->dport : pw_get_be16(l4 + 2);
		return true;
	}
	if ((d->l4proto == IPPROTO_ICMP) != (d->ipver == 4))
		return false;
	*icmp = (uint8_t)icmp_echo_kind(d->ipver, l4[0]);
	if (*icmp == PW_ICMP_NONE)
		return false;
	*sport = *dport = pw_get_be16(l4 + 4);
	return true;
}

/* Puts the two endpoints in canonical order: the smaller (address, port)
 * first, addresses compared as big-endian numbers (memcmp order). */
static void set_endpoints(struct pw_flow_pkt *pk, int c, const uint8_t *src,
			  const uint8_t *dst, unsigned alen, uint16_t sport,
			  uint16_t dport)
{
	uint8_t from;

	if (c == 0)
		c = (int)sport - (int)dport;
	from = c > 0;
	pk->from = from;
	memset(&pk->key, 0, sizeof(pk->key));
	if (alen == 4) {
		memcpy(pk->key.addr[from], src, 4);
		memcpy(pk->key.addr[!from], dst, 4);
	} else {
		memcpy(pk->key.addr[from], src, 16);
		memcpy(pk->key.addr[!from], dst, 16);
	}
	pk->key.port[from] = sport;
	pk->key.port[!from] = dport;
}

static inline int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

bool pw_flow_pkt_from_dissect(const struct pw_dissect *d, bool quoted,
			      struct pw_flow_pkt *pk)
{
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	int c;

	switch (d->l4proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		break;
	default:
		return false;
	}
	if (!read_l4(d, quoted, &sport, &dport, &pk->icmp))
		return false;
	/* Addresses sit at fixed offsets of the fixed header, which a
	 * dissect with ipver set has whole. */
	if (d->ipver == 4 && d->caplen >= 20) {
		src = d->l3 + 12;
		dst = d->l3 + 16;
		c = cmp_u64(pw_get_be32(src), pw_get_be32(dst));
		set_endpoints(pk, c, src, dst, 4, sport, dport);
	} else if (d->ipver == 6 && d->caplen >= 40) {
		src = d->l3 + 8;
		dst = d->l3 + 24;
		c = cmp_u64(pw_get_be64(src), pw_get_be64(dst));
		if (c == 0)
			c = cmp_u64(pw_get_be64(src + 8), pw_get_be64(dst + 8));
		set_endpoints(pk, c, src, dst, 16, sport, dport);
	} else {
		return false;
	}
	pk->key.family = d->ipver;
	pk->key.proto = d->l4proto;
	return true;
}
