/* Internet checksums (RFC 1071) and their incremental update (RFC 1624).
 *
 * A "partial sum" is the 32-bit accumulated one's complement sum of 16-bit
 * big-endian words, not yet folded or complemented. Partial sums of separate
 * pieces add up (pw_csum_add) as long as every piece but the last has an
 * even length. pw_csum_finish folds a partial sum and complements it: the
 * result is the value to store in a header (host order, write it with
 * pw_put_be16). A header whose stored checksum is right sums to 0xffff, so
 * pw_csum_finish over it (checksum field included) gives 0. */
#ifndef PW_PKT_CHECKSUM_H
#define PW_PKT_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Partial sum of len bytes, added to sum. */
uint32_t pw_csum_partial(const void *data, size_t len, uint32_t sum);

static inline uint32_t pw_csum_add(uint32_t a, uint32_t b)
{
	uint32_t s = a + b;

	return s + (s < a);	/* end-around carry */
}

static inline uint16_t pw_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static inline uint16_t pw_csum_finish(uint32_t sum)
{
	return (uint16_t)~pw_csum_fold(sum);
}

/* Pseudo-header partial sums for TCP/UDP (and ICMPv6) checksums:
 * IPv4 (RFC 793): src, dst, zero, protocol, L4 length (16 bit).
 * IPv6 (RFC 8200 8.1): src, final dst, L4 length (32 bit), zero, next
 * header. */
uint32_t pw_csum_pseudo4(const uint8_t src[4], const uint8_t dst[4],
			 uint8_t proto, uint32_t l4_len);
uint32_t pw_csum_pseudo6(const uint8_t src[16], const uint8_t dst[16],
			 uint8_t proto, uint32_t l4_len);

/* IPv4 header checksum over hlen bytes, treating the checksum field
 * (bytes 10-11) as zero. Returns the value to store. */
uint16_t pw_csum_ip4_header(const uint8_t *hdr, size_t hlen);

/* Incremental update (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')) of a
 * stored checksum when a 16-bit word changes from old_word to new_word. */
uint16_t pw_csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word);
uint16_t pw_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val);

/* Same for a run of bytes (e.g. an address) that changed in place. len must
 * be even and the run must start at an even offset within the summed data. */
uint16_t pw_csum_update_bytes(uint16_t csum, const uint8_t *old_bytes,
			      const uint8_t *new_bytes, size_t len);

#endif
