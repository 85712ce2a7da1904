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

bool pw_flow_pkt_from_dissect(const struct pw_dissect *d, bool quoted,
			      struct pw_flow_pkt *pk)
{
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	unsigned alen;
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
	/* Addresses sit at fixed offsets of the fixed header, which a
	 * dissect with ipver set has whole. */
	if (d->ipver == 4 && d->caplen >= 20) {
		src = d->l3 + 12;
		dst = d->l3 + 16;
		alen = 4;
	} else if (d->ipver == 6 && d->caplen >= 40) {
		src = d->l3 + 8;
		dst = d->l3 + 24;
		alen = 16;
	} else {
		return false;
	}
	if (!read_l4(d, quoted, &sport, &dport, &pk->icmp))
		return false;

	memset(&pk->key, 0, sizeof(pk->key));
	c = memcmp(src, dst, alen);
	if (c == 0)
		c = (int)sport - (int)dport;
	pk->from = c > 0;
	memcpy(pk->key.addr[pk->from], src, alen);
	memcpy(pk->key.addr[!pk->from], dst, alen);
	pk->key.port[pk->from] = sport;
	pk->key.port[!pk->from] = dport;
	pk->key.family = d->ipver;
	pk->key.proto = d->l4proto;
	return true;
}

/* Folded 64x64->128 multiply: the mixing step of wyhash-like hashes. With
 * secret per-table seeds an attacker who cannot see the seed cannot aim
 * flows at one bucket. */
static inline uint64_t fold_mul(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
	unsigned __int128 p = (unsigned __int128)a * b;

	return (uint64_t)p ^ (uint64_t)(p >> 64);
#else
	uint64_t h = a * (b | 1);

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
#endif
}

/* The key is 38 bytes: four 64-bit address words, then ports, family and
 * proto in a fifth word (zero-padded). seed holds 6 words. */
uint32_t pw_flow_key_hash(const struct pw_flow_key *k, const uint64_t *seed)
{
	uint64_t w[5] = { 0 };
	uint64_t h;

	_Static_assert(sizeof(*k) == 38, "flow key layout");
	memcpy(w, k, sizeof(*k));
	h = fold_mul(w[0] ^ seed[0], w[1] ^ seed[1]);
	h ^= fold_mul(w[2] ^ seed[2], w[3] ^ seed[3]);
	h = fold_mul(h ^ seed[4], w[4] ^ seed[5]);
	return (uint32_t)(h ^ (h >> 32));
}

bool pw_flow_key_equal(const struct pw_flow_key *a,
		       const struct pw_flow_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}
