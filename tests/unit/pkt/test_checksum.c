/* Internet checksum: RFC 1071 example, scapy's values, odd lengths and
 * alignments against a plain reference, incremental updates. */
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "fixtures.h"
#include "pkt/checksum.h"
#include "tap.h"

/* Word-by-word reference sum, the way RFC 1071 4.1 describes it. */
static uint16_t reference_sum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void test_rfc1071(void)
{
	static const uint8_t ex[8] = { 0x00, 0x01, 0xf2, 0x03,
				       0xf4, 0xf5, 0xf6, 0xf7 };

	tap_eq_u64(pw_csum_fold(pw_csum_partial(ex, 8, 0)), 0xddf2,
		   "rfc 1071 example sum");
	tap_eq_u64(pw_csum_finish(pw_csum_partial(ex, 8, 0)), 0x220d,
		   "rfc 1071 example checksum");
	tap_eq_u64(pw_csum_finish(pw_csum_partial(ex, 0, 0)), 0xffff,
		   "empty data");
}

static void test_odd_lengths(void)
{
	uint8_t buf[300];
	unsigned bad = 0, i, off, len;

	srand(7);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	buf[5] = 0xff, buf[6] = 0xff, buf[7] = 0xff;
	for (off = 0; off < 4; off++)
		for (len = 0; len + off <= 260; len++)
			if (pw_csum_fold(pw_csum_partial(buf + off, len, 0)) !=
			    reference_sum(buf + off, len))
				bad++;
	tap_eq_u64(bad, 0, "all lengths 0-260 at 4 alignments match");
	/* Pieces add when all but the last are even. */
	tap_eq_u64(pw_csum_fold(pw_csum_partial(buf + 64, 33,
					pw_csum_partial(buf, 64, 0))),
		   reference_sum(buf, 97), "partial sums chain");
	memset(buf, 0xff, 64);
	tap_eq_u64(pw_csum_fold(pw_csum_partial(buf, 64, 0)), 0xffff,
		   "all ones stay all ones");
}

static void test_scapy_values(void)
{
	const uint8_t *p = v4_tcp_syn;
	uint32_t sum;

	tap_eq_u64(pw_csum_ip4_header(p, 20), V4_TCP_SYN_IPCSUM,
		   "ipv4 header checksum = scapy");
	tap_eq_u64(pw_csum_ip4_header(v4_udp_opts, 24), V4_UDP_OPTS_IPCSUM,
		   "ipv4 header with options = scapy");
	sum = pw_csum_pseudo4(p + 12, p + 16, 6, 40);
	/* the stored checksum is in the data: sum it with that word as 0 */
	sum = pw_csum_partial(p + 20, 16, sum);
	sum = pw_csum_partial(p + 38, 22, sum);
	tap_eq_u64(pw_csum_finish(sum), V4_TCP_SYN_TCPCSUM,
		   "tcp over ipv4 = scapy");

	p = v6_tcp_http;
	sum = pw_csum_pseudo6(p + 8, p + 24, 6, 50);
	sum = pw_csum_partial(p + 40, 16, sum);
	sum = pw_csum_partial(p + 58, 32, sum);
	tap_eq_u64(pw_csum_finish(sum), V6_TCP_HTTP_TCPCSUM,
		   "tcp over ipv6 = scapy");

	p = v4_icmp_echo;
	sum = pw_csum_partial(p + 20, 2, 0);
	sum = pw_csum_partial(p + 24, 12, sum);
	tap_eq_u64(pw_csum_finish(sum), V4_ICMP_ECHO_ICMPCSUM,
		   "icmp = scapy");
}

static void test_incremental(void)
{
	uint8_t p[sizeof(v4_tcp_syn)];
	uint8_t new_src[4] = { 192, 168, 7, 9 };
	uint16_t ip_c, tcp_c, want;
	uint32_t sum;

	memcpy(p, v4_tcp_syn, sizeof(p));
	/* TTL 64 -> 63: the word is TTL << 8 | protocol. */
	ip_c = pw_csum_update16(pw_get_be16(p + 10), pw_get_be16(p + 8),
				(uint16_t)(63 << 8 | 6));
	p[8] = 63;
	tap_eq_u64(ip_c, pw_csum_ip4_header(p, 20), "ttl change: ip update");

	/* Sequence number change. */
	tcp_c = pw_csum_update32(pw_get_be16(p + 36), pw_get_be32(p + 24),
				 0xdeadbeef);
	pw_put_be32(p + 24, 0xdeadbeef);
	pw_put_be16(p + 36, 0);
	sum = pw_csum_pseudo4(p + 12, p + 16, 6, 40);
	want = pw_csum_finish(pw_csum_partial(p + 20, 40, sum));
	tap_eq_u64(tcp_c, want, "seq change: tcp update");

	/* Source address change (NAT): both checksums move. */
	pw_put_be16(p + 10, ip_c);
	ip_c = pw_csum_update_bytes(ip_c, p + 12, new_src, 4);
	tcp_c = pw_csum_update_bytes(tcp_c, p + 12, new_src, 4);
	memcpy(p + 12, new_src, 4);
	tap_eq_u64(ip_c, pw_csum_ip4_header(p, 20), "nat: ip update");
	sum = pw_csum_pseudo4(p + 12, p + 16, 6, 40);
	want = pw_csum_finish(pw_csum_partial(p + 20, 40, sum));
	tap_eq_u64(tcp_c, want, "nat: tcp update through pseudo header");

	/* Stored back, the updated checksum makes the segment sum to all
	 * ones. */
	pw_put_be16(p + 36, tcp_c);
	tap_eq_u64(pw_csum_fold(pw_csum_partial(p + 20, 40, sum)), 0xffff,
		   "updated tcp checksum verifies");
}

int main(void)
{
	test_rfc1071();
	test_odd_lengths();
	test_scapy_values();
	test_incremental();
	return tap_done();
}
