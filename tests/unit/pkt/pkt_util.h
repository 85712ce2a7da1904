/* Helpers shared by the pkt unit tests: exact-size copies (so ASan sees
 * any read past the end) and small builders for packets the fixtures do
 * not cover. Checksums of built packets come from pkt/checksum.c, which
 * test-pkt-checksum checks against scapy's values. */
#ifndef PW_TESTS_PKT_UTIL_H
#define PW_TESTS_PKT_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "pkt/checksum.h"

/* Heap copy of exactly n bytes (at least 1 allocated). */
static inline uint8_t *pu_dup(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	if (!c)
		abort();
	if (n)
		memcpy(c, p, n);
	return c;
}

/* Fixes the IPv4 header checksum and the TCP/UDP checksum of an IPv4
 * packet whose header fields are already right. */
static inline void pu_ip4_fix_csums(uint8_t *p)
{
	uint32_t hl = (p[0] & 15u) * 4, tot = pw_get_be16(p + 2);
	uint32_t sum;
	unsigned coff = p[9] == 6 ? 16 : p[9] == 17 ? 6 : 2;

	pw_put_be16(p + 10, pw_csum_ip4_header(p, hl));
	pw_put_be16(p + hl + coff, 0);
	sum = p[9] == 1 ? 0 : pw_csum_pseudo4(p + 12, p + 16, p[9], tot - hl);
	pw_put_be16(p + hl + coff,
		    pw_csum_finish(pw_csum_partial(p + hl, tot - hl, sum)));
}

/* IPv4 10.0.0.1:1234 -> 10.0.0.2:80 TCP, seq 1000, ACK|PSH, with the
 * given option bytes (optlen a multiple of 4) and payload. Returns the
 * length written. */
static inline size_t pu_ip4_tcp(uint8_t *out, const uint8_t *opts,
				size_t optlen, const void *payload,
				size_t plen)
{
	size_t tot = 20 + 20 + optlen + plen;

	memset(out, 0, 40);
	out[0] = 0x45;
	pw_put_be16(out + 2, (uint16_t)tot);
	pw_put_be16(out + 4, 0x0101);
	out[8] = 64;
	out[9] = 6;
	out[12] = 10, out[15] = 1;
	out[16] = 10, out[19] = 2;
	pw_put_be16(out + 20, 1234);
	pw_put_be16(out + 22, 80);
	pw_put_be32(out + 24, 1000);
	out[32] = (uint8_t)(((20 + optlen) / 4) << 4);
	out[33] = 0x18;
	pw_put_be16(out + 34, 1000);
	memcpy(out + 40, opts, optlen);
	memcpy(out + 40 + optlen, payload, plen);
	pu_ip4_fix_csums(out);
	return tot;
}

/* IPv4 10.0.0.1:1234 -> 10.0.0.2:53 UDP with the payload. */
static inline size_t pu_ip4_udp(uint8_t *out, const void *payload,
				size_t plen)
{
	size_t tot = 28 + plen;

	memset(out, 0, 28);
	out[0] = 0x45;
	pw_put_be16(out + 2, (uint16_t)tot);
	pw_put_be16(out + 4, 0x0202);
	out[8] = 64;
	out[9] = 17;
	out[12] = 10, out[15] = 1;
	out[16] = 10, out[19] = 2;
	pw_put_be16(out + 20, 1234);
	pw_put_be16(out + 22, 53);
	pw_put_be16(out + 24, (uint16_t)(8 + plen));
	memcpy(out + 28, payload, plen);
	pu_ip4_fix_csums(out);
	return tot;
}

/* IPv6 2001:db8::1 -> 2001:db8::2 header with next header nh and payload
 * length plen; returns 40. */
static inline size_t pu_ip6_hdr(uint8_t *out, uint8_t nh, uint16_t plen)
{
	memset(out, 0, 40);
	out[0] = 0x60;
	pw_put_be16(out + 4, plen);
	out[6] = nh;
	out[7] = 64;
	out[8] = 0x20, out[9] = 0x01, out[10] = 0x0d, out[11] = 0xb8;
	out[23] = 1;
	out[24] = 0x20, out[25] = 0x01, out[26] = 0x0d, out[27] = 0xb8;
	out[39] = 2;
	return 40;
}

#endif
