/* Internet checksum. The sum is byte-order independent (RFC 1071 2.B), so
 * the data is summed as native 32-bit words into a 64-bit accumulator and
 * the folded result is byte-swapped once on little-endian hosts. */
#include "pkt/checksum.h"

#include <string.h>

#include "base/bytes.h"

static inline uint16_t native_to_be_word(uint16_t w)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap16(w);
#else
	return w;
#endif
}

uint32_t pw_csum_partial(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t acc = 0;
	uint32_t w32;
	uint16_t w16;

	while (len >= 16) {
		uint32_t a, b, c, d;

		memcpy(&a, p, 4);
		memcpy(&b, p + 4, 4);
		memcpy(&c, p + 8, 4);
		memcpy(&d, p + 12, 4);
		acc += (uint64_t)a + b + c + d;
		p += 16;
		len -= 16;
	}
	while (len >= 4) {
		memcpy(&w32, p, 4);
		acc += w32;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&w16, p, 2);
		acc += w16;
		p += 2;
		len -= 2;
	}
	if (len) {
		/* Odd tail: pad with a zero byte at the next address. */
		w16 = 0;
		memcpy(&w16, p, 1);
		acc += w16;
	}
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	w16 = pw_csum_fold((uint32_t)acc);
	return pw_csum_add(sum, native_to_be_word(w16));
}

static uint32_t sum_words(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += pw_get_be16(p + i);
	return s;
}

uint32_t pw_csum_pseudo4(const uint8_t src[4], const uint8_t dst[4],
			 uint8_t proto, uint32_t l4_len)
{
	return sum_words(src, 4) + sum_words(dst, 4) + proto +
	       (l4_len >> 16) + (l4_len & 0xffff);
}

uint32_t pw_csum_pseudo6(const uint8_t src[16], const uint8_t dst[16],
			 uint8_t proto, uint32_t l4_len)
{
	return sum_words(src, 16) + sum_words(dst, 16) + proto +
	       (l4_len >> 16) + (l4_len & 0xffff);
}

uint16_t pw_csum_ip4_header(const uint8_t *hdr, size_t hlen)
{
	uint32_t sum = pw_csum_partial(hdr, 10, 0);

	if (hlen > 12)
		sum = pw_csum_partial(hdr + 12, hlen - 12, sum);
	return pw_csum_finish(sum);
}

uint16_t pw_csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word)
{
	uint32_t sum = (uint16_t)~csum;

	sum += (uint16_t)~old_word;
	sum += new_word;
	return pw_csum_finish(sum);
}

uint16_t pw_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val)
{
	csum = pw_csum_update16(csum, (uint16_t)(old_val >> 16),
				(uint16_t)(new_val >> 16));
	return pw_csum_update16(csum, (uint16_t)old_val, (uint16_t)new_val);
}

uint16_t pw_csum_update_bytes(uint16_t csum, const uint8_t *old_bytes,
			      const uint8_t *new_bytes, size_t len)
{
	uint32_t sum = (uint16_t)~csum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += (uint16_t)~pw_get_be16(old_bytes + i);
		sum += pw_get_be16(new_bytes + i);
	}
	return pw_csum_finish(sum);
}
