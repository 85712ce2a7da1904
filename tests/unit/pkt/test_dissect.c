/* Dissection of IPv4/IPv6/TCP/UDP/ICMP: scapy-built fixtures, hand-built
 * odd cases, truncation at every byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "fixtures.h"
#include "pkt/dissect.h"
#include "pkt_util.h"
#include "tap.h"

#define MAL_HDR_BROKEN (PW_MAL_TRUNCATED | PW_MAL_BAD_HDR_LEN | \
			PW_MAL_BAD_TOTAL_LEN | PW_MAL_BAD_OPTIONS)

static bool dissect_copy(const uint8_t *pkt, size_t len, uint32_t caplen,
			 uint8_t **copy, struct pw_dissect *d)
{
	*copy = pu_dup(pkt, caplen);
	return pw_dissect_ip(*copy, caplen, (uint32_t)len, d);
}

static void test_v4_tcp_syn(void)
{
	struct pw_dissect d;
	uint8_t *p, len;
	const uint8_t *v;
	uint8_t padded[66];

	tap_ok(dissect_copy(v4_tcp_syn, sizeof(v4_tcp_syn), sizeof(v4_tcp_syn),
			    &p, &d), "v4 syn: dissect ok");
	tap_eq_u64(d.malformed, 0, "v4 syn: nothing malformed");
	tap_eq_u64(d.ipver, 4, "v4 syn: version");
	tap_eq_u64(d.l4proto, 6, "v4 syn: tcp");
	tap_eq_u64(d.l3_hlen, 20, "v4 syn: ip header length");
	tap_eq_u64(d.ip_len, 60, "v4 syn: ip length");
	tap_ok(d.dont_frag && !d.more_frags && !d.is_fragment,
	       "v4 syn: DF, not a fragment");
	tap_eq_u64(d.frag_id, 0x1234, "v4 syn: ip id");
	tap_ok(d.has_l4, "v4 syn: has l4");
	tap_eq_u64(d.l4_off, 20, "v4 syn: l4 offset");
	tap_eq_u64(d.l4_hlen, 40, "v4 syn: tcp header length");
	tap_eq_u64(d.sport, 40000, "v4 syn: sport");
	tap_eq_u64(d.dport, 443, "v4 syn: dport");
	tap_eq_u64(d.tcp_seq, 0x01020304, "v4 syn: seq");
	tap_eq_u64(d.tcp_ack, 0, "v4 syn: ack");
	tap_eq_u64(d.tcp_flags, PW_TCP_SYN, "v4 syn: flags");
	tap_eq_u64(d.tcp_win, 64240, "v4 syn: window");
	tap_eq_u64(d.n_tcp_opts, 5, "v4 syn: 5 options");
	tap_ok(d.tcp_opts[0].kind == PW_TCPOPT_MSS && d.tcp_opts[0].off == 40 &&
	       d.tcp_opts[0].len == 4, "v4 syn: MSS at 40");
	tap_ok(d.tcp_opts[1].kind == PW_TCPOPT_SACK_PERM &&
	       d.tcp_opts[1].off == 44, "v4 syn: SACK_PERM at 44");
	tap_ok(d.tcp_opts[2].kind == PW_TCPOPT_TIMESTAMP &&
	       d.tcp_opts[2].off == 46 && d.tcp_opts[2].len == 10,
	       "v4 syn: TS at 46");
	tap_ok(d.tcp_opts[3].kind == PW_TCPOPT_NOP && d.tcp_opts[3].off == 56 &&
	       d.tcp_opts[3].len == 1, "v4 syn: NOP at 56");
	tap_ok(d.tcp_opts[4].kind == PW_TCPOPT_WSCALE &&
	       d.tcp_opts[4].off == 57, "v4 syn: WS at 57");
	v = pw_tcp_opt_find(&d, PW_TCPOPT_MSS, &len);
	tap_ok(v && len == 2 && pw_get_be16(v) == 1460, "v4 syn: MSS 1460");
	v = pw_tcp_opt_find(&d, PW_TCPOPT_WSCALE, &len);
	tap_ok(v && len == 1 && v[0] == 7, "v4 syn: wscale 7");
	v = pw_tcp_opt_find(&d, PW_TCPOPT_TIMESTAMP, &len);
	tap_ok(v && len == 8 && pw_get_be32(v) == 0x11223344, "v4 syn: TSval");
	tap_ok(pw_tcp_opt_find(&d, PW_TCPOPT_MD5, NULL) == NULL,
	       "v4 syn: no MD5");
	tap_eq_u64(d.payload_off, 60, "v4 syn: payload offset");
	tap_eq_u64(d.payload_len + d.payload_wirelen, 0, "v4 syn: no payload");
	tap_ok(pw_dissect_src(&d) == p + 12 && pw_dissect_dst(&d) == p + 16,
	       "v4 syn: address pointers");
	pw_dissect_verify_checksums(&d);
	tap_eq_u64(d.malformed, 0, "v4 syn: checksums verify");
	free(p);

	/* Ethernet pads short frames: bytes past the total length are not
	 * part of the packet. */
	memcpy(padded, v4_tcp_syn, 60);
	memset(padded + 60, 0xee, 6);
	pw_dissect_ip(padded, 66, 66, &d);
	tap_ok(d.ip_len == 60 && d.payload_len == 0 && d.malformed == 0,
	       "v4 syn: link padding ignored");
	pw_dissect_verify_checksums(&d);
	tap_eq_u64(d.malformed, 0, "v4 syn: padding not summed");

	padded[10] ^= 0x01;
	pw_dissect_ip(padded, 60, 60, &d);
	pw_dissect_verify_checksums(&d);
	tap_eq_u64(d.malformed, PW_MAL_BAD_IP_CSUM, "v4 syn: bad ip checksum");
	padded[10] ^= 0x01;
	padded[37] ^= 0x80;
	pw_dissect_ip(padded, 60, 60, &d);
	pw_dissect_verify_checksums(&d);
	tap_eq_u64(d.malformed, PW_MAL_BAD_L4_CSUM, "v4 syn: bad tcp checksum");
}

static void test_v4_udp_options(void)
{
	struct pw_dissect d;
	uint8_t *p;
	uint8_t b[sizeof(v4_udp_opts)];

	tap_ok(dissect_copy(v4_udp_opts, sizeof(v4_udp_opts),
			    sizeof(v4_udp_opts), &p, &d), "v4 udp: dissect ok");
	tap_eq_u64(d.l3_hlen, 24, "v4 udp: header with router alert");
	tap_eq_u64(d.l4proto, 17, "v4 udp: udp");
	tap_ok(d.sport == 5353 && d.dport == 5353, "v4 udp: ports");
	tap_eq_u64(d.l4_off, 24, "v4 udp: l4 offset");
	tap_eq_u64(d.payload_off, 32, "v4 udp: payload offset");
	tap_eq_u64(d.payload_len, 5, "v4 udp: payload length");
	tap_eq_mem(pw_dissect_payload(&d), "hello", 5, "v4 udp: payload");
	pw_dissect_verify_checksums(&d);
	tap_eq_u64(d.malformed, 0, "v4 udp: clean, checksums verify");
	free(p);

	/* Router alert claims 8 bytes in a 4-byte option area. */
	memcpy(b, v4_udp_opts, sizeof(b));
	b[21] = 8;
	pw_dissect_ip(b, sizeof(b), sizeof(b), &d);
	tap_eq_u64(d.malformed, PW_MAL_BAD_OPTIONS, "v4 udp: bad ip option");

	/* UDP length checks: shorter than its header, longer than the IP
	 * payload, shorter than the IP payload. */
	memcpy(b, v4_udp_opts, sizeof(b));
	pw_put_be16(b + 28, 4);
	pw_dissect_ip(b, sizeof(b), sizeof(b), &d);
	tap_ok(d.malformed == PW_MAL_BAD_TOTAL_LEN && d.payload_len == 5,
	       "v4 udp: length < 8");
	pw_put_be16(b + 28, 14);
	pw_dissect_ip(b, sizeof(b), sizeof(b), &d);
	tap_ok(d.malformed == PW_MAL_BAD_TOTAL_LEN && d.payload_len == 5,
	       "v4 udp: length > ip payload");
	pw_put_be16(b + 28, 11);
	pw_dissect_ip(b, sizeof(b), sizeof(b), &d);
	tap_ok(d.malformed == PW_MAL_BAD_TOTAL_LEN && d.payload_len == 3 &&
	       d.payload_wirelen == 3, "v4 udp: length < ip payload");
}

static void test_v4_odd_headers(void)
{
	struct pw_dissect d;
	uint8_t b[sizeof(v4_tcp_syn)];

	memcpy(b, v4_tcp_syn, sizeof(b));
	b[0] = 0x44;
	tap_ok(!pw_dissect_ip(b, sizeof(b), sizeof(b), &d) &&
	       d.malformed == PW_MAL_BAD_HDR_LEN, "ihl 4: bad header length");

	b[0] = 0x4f;	/* 60-byte header: the options eat the TCP header */
	tap_ok(pw_dissect_ip(b, sizeof(b), sizeof(b), &d), "ihl 15: ip ok");
	tap_ok(d.l3_hlen == 60 && !d.has_l4 &&
	       (d.malformed & PW_MAL_BAD_TOTAL_LEN), "ihl 15: no room for tcp");

	memcpy(b, v4_tcp_syn, sizeof(b));
	pw_put_be16(b + 2, 12);
	tap_ok(!pw_dissect_ip(b, sizeof(b), sizeof(b), &d) &&
	       d.malformed == PW_MAL_BAD_TOTAL_LEN, "total length < ihl");

	/* Header says 100 bytes, 60 captured, 100 on the wire: snapped. */
	pw_put_be16(b + 2, 100);
	tap_ok(pw_dissect_ip(b, 60, 100, &d), "snapped: dissect ok");
	tap_ok(d.malformed == PW_MAL_SNAPPED && d.payload_len == 0 &&
	       d.payload_wirelen == 40, "snapped: payload wire length");
	/* Same, but the wire had only 60: the header lies. */
	pw_dissect_ip(b, 60, 60, &d);
	tap_eq_u64(d.malformed, PW_MAL_SNAPPED | PW_MAL_BAD_TOTAL_LEN,
		   "total length > wire length");

	/* Offloaded segment: total length 0, length from the wire. */
	pw_put_be16(b + 2, 0);
	tap_ok(pw_dissect_ip(b, 60, 60, &d) && d.ip_len == 60 &&
	       d.malformed == 0 && d.has_l4, "tso: total length 0");

	b[0] = 0x55;
	tap_ok(!pw_dissect_ip(b, 60, 60, &d) &&
	       d.malformed == PW_MAL_BAD_VERSION && d.ipver == 0,
	       "version 5 rejected");
	tap_ok(!pw_dissect_ip(b, 0, 0, &d) && d.malformed == PW_MAL_TRUNCATED,
	       "empty packet truncated");
	tap_ok(pw_dissect_src(&d) == NULL, "no address without ip");

	/* TCP data offset 4 (< 5) and 15 (beyond the packet). */
	memcpy(b, v4_tcp_syn, sizeof(b));
	b[32] = 0x40;
	pw_dissect_ip(b, 60, 60, &d);
	tap_ok((d.malformed & PW_MAL_BAD_HDR_LEN) && d.l4_hlen == 20,
	       "tcp doff 4: bad header length");
	b[32] = 0xf0;
	pw_dissect_ip(b, 60, 60, &d);
	tap_ok((d.malformed & PW_MAL_BAD_TOTAL_LEN) && d.l4_hlen == 40,
	       "tcp doff 15: longer than the packet");
}

static void test_v4_fragments(void)
{
	struct pw_dissect d;
	uint8_t b[sizeof(v4_udp_opts)];

	memcpy(b, v4_udp_opts, sizeof(b));
	pw_put_be16(b + 6, 0x2000);	/* MF, offset 0 */
	pw_dissect_ip(b, sizeof(b), sizeof(b), &d);
	tap_ok(d.is_fragment && d.more_frags && d.frag_off == 0 && d.has_l4,
	       "v4 first fragment has l4");
	tap_eq_u64(d.malformed, 0, "v4 first fragment: udp length not checked");
	pw_dissect_verify_checksums(&d);
	tap_eq_u64(d.malformed & PW_MAL_BAD_L4_CSUM, 0,
		   "v4 fragment: l4 checksum not verified");
	pw_put_be16(b + 6, 0x0003);	/* offset 24, last */
	pw_dissect_ip(b, sizeof(b), sizeof(b), &d);
	tap_ok(d.is_fragment && !d.more_frags && d.frag_off == 24 &&
	       !d.has_l4, "v4 later fragment has no l4");
	tap_ok(d.l4proto == 17 && d.payload_off == 24 && d.payload_len == 13,
	       "v4 later fragment payload");
}

static void test_v6_tcp(void)
{
	struct pw_dissect d;
	uint8_t *p;

	tap_ok(dissect_copy(v6_tcp_http, sizeof(v6_tcp_http),
			    sizeof(v6_tcp_http), &p, &d), "v6 tcp: dissect ok");
	tap_ok(d.ipver == 6 && d.l4proto == 6 && d.l3_hlen == 40 &&
	       d.ip_len == 90 && d.n_ext == 0, "v6 tcp: ip fields");
	tap_ok(d.sport == 51000 && d.dport == 80 && d.tcp_seq == 1000 &&
	       d.tcp_ack == 2000, "v6 tcp: ports, seq, ack");
	tap_eq_u64(d.tcp_flags, PW_TCP_PSH | PW_TCP_ACK, "v6 tcp: flags");
	tap_eq_u64(d.n_tcp_opts, 3, "v6 tcp: nop nop ts");
	tap_eq_u64(d.payload_len, 18, "v6 tcp: payload length");
	tap_eq_mem(pw_dissect_payload(&d), "GET / HTTP/1.1\r\n\r\n", 18,
		   "v6 tcp: payload");
	tap_ok(pw_dissect_src(&d) == p + 8 && pw_dissect_dst(&d) == p + 24 &&
	       pw_dissect_final_dst(&d) == p + 24, "v6 tcp: addresses");
	pw_dissect_verify_checksums(&d);
	tap_eq_u64(d.malformed, 0, "v6 tcp: checksum verifies");
	free(p);

	/* 80 of 90 bytes captured: payload cut, headers whole. */
	pw_dissect_ip(v6_tcp_http, 80, 90, &d);
	tap_ok(d.malformed == PW_MAL_SNAPPED && d.payload_len == 8 &&
	       d.payload_wirelen == 18, "v6 tcp: snapped payload");
	pw_dissect_verify_checksums(&d);
	tap_eq_u64(d.malformed, PW_MAL_SNAPPED,
		   "v6 tcp: snapped, checksum not judged");
}

static void test_v6_ext_chain(void)
{
	static const uint8_t types[] = { 0, 43, 44, 60, 51 };
	static const uint16_t offs[] = { 40, 48, 72, 80, 88 };
	static const uint16_t lens[] = { 8, 24, 8, 8, 24 };
	struct pw_dissect d;
	bool same = true;
	uint8_t *p;
	unsigned i;

	tap_ok(dissect_copy(v6_ext_chain, sizeof(v6_ext_chain),
			    sizeof(v6_ext_chain), &p, &d), "v6 chain: ok");
	tap_eq_u64(d.n_ext, 5, "v6 chain: 5 extension headers");
	for (i = 0; i < 5 && i < d.n_ext; i++)
		same = same && d.ext[i].type == types[i] &&
		       d.ext[i].off == offs[i] && d.ext[i].len == lens[i];
	tap_ok(same, "v6 chain: hop, routing, frag, dstopts, AH (4-byte units)");
	tap_eq_u64(d.l3_hlen, 112, "v6 chain: l3 length");
	tap_ok(!d.is_fragment && d.frag_id == 0xabcdef01,
	       "v6 chain: atomic fragment");
	tap_ok(d.l4proto == 17 && d.has_l4 && d.l4_off == 112 &&
	       d.sport == 1000 && d.dport == 2000, "v6 chain: udp after AH");
	tap_eq_mem(pw_dissect_payload(&d), "chain!", 6, "v6 chain: payload");
	pw_dissect_verify_checksums(&d);
	tap_eq_u64(d.malformed, 0, "v6 chain: udp checksum (scapy) verifies");
	free(p);
}

static void test_v6_routing_final_dst(void)
{
	struct pw_dissect d;
	uint8_t b[sizeof(v6_rh_segleft)];

	memcpy(b, v6_rh_segleft, sizeof(b));
	pw_dissect_ip(b, sizeof(b), sizeof(b), &d);
	tap_ok(pw_dissect_final_dst(&d) == b + 40 + 8 + 16,
	       "v6 rh: final destination is the last address");
	pw_dissect_verify_checksums(&d);
	tap_eq_u64(d.malformed, 0, "v6 rh: checksum over final destination");
	b[40 + 3] = 0;	/* segments left 0: destination field is final */
	pw_dissect_ip(b, sizeof(b), sizeof(b), &d);
	tap_ok(pw_dissect_final_dst(&d) == b + 24, "v6 rh: no segments left");
	pw_dissect_verify_checksums(&d);
	tap_eq_u64(d.malformed, PW_MAL_BAD_L4_CSUM,
		   "v6 rh: checksum now wrong");
}

static void test_v6_stops(void)
{
	struct pw_dissect d;
	uint8_t b[200];
	unsigned i;

	pw_dissect_ip(v6_esp, sizeof(v6_esp), sizeof(v6_esp), &d);
	tap_ok(d.n_ext == 1 && d.ext[0].type == 60 && d.l4proto == 50 &&
	       !d.has_l4, "esp: chain stops at ESP");
	tap_ok(d.payload_off == 48 && d.payload_len == 16 &&
	       d.malformed == 0, "esp: rest is payload");

	pu_ip6_hdr(b, 59, 0);
	tap_ok(pw_dissect_ip(b, 40, 40, &d) && d.l4proto == 59 &&
	       !d.has_l4 && d.payload_len == 0 && d.malformed == 0,
	       "no next header");
	/* Ethernet padding after a packet with no payload. */
	memset(b + 40, 0, 6);
	tap_ok(pw_dissect_ip(b, 46, 46, &d) && d.ip_len == 40 &&
	       d.payload_len == 0, "no next header with padding");

	/* Nine destination options headers, then UDP. */
	pu_ip6_hdr(b, 60, 9 * 8 + 8);
	for (i = 0; i < 9; i++) {
		uint8_t *x = b + 40 + (size_t)i * 8;

		memset(x, 0, 8);
		x[0] = i < 8 ? 60 : 17;
		x[2] = 1;	/* PadN, 4 bytes */
		x[3] = 4;
	}
	memset(b + 112, 0, 8);
	pw_put_be16(b + 116, 8);
	pw_dissect_ip(b, 120, 120, &d);
	tap_ok(d.n_ext == PW_IP6_MAX_EXT && (d.malformed & PW_MAL_EXT_CHAIN) &&
	       !d.has_l4 && d.l4proto == 60, "too long chain stops");
	tap_eq_u64(d.l3_hlen, 40 + 8 * 8, "too long chain: l3 length");

	/* Extension header longer than the payload length. */
	pu_ip6_hdr(b, 0, 8);
	memset(b + 40, 0, 16);
	b[40] = 17;
	b[41] = 1;	/* 16 bytes */
	pw_dissect_ip(b, 56, 56, &d);
	tap_ok((d.malformed & PW_MAL_BAD_TOTAL_LEN) && d.n_ext == 0 &&
	       !d.has_l4, "ext header past payload length");

	/* Fragment header: first fragment keeps L4, later ones do not. */
	pu_ip6_hdr(b, 44, 8 + 8 + 4);
	memset(b + 40, 0, 8);
	b[40] = 17;
	pw_put_be16(b + 42, 0x0001);	/* offset 0, M */
	pw_put_be32(b + 44, 0x01020304);
	memset(b + 48, 0, 12);
	pw_put_be16(b + 48, 7);
	pw_put_be16(b + 50, 9);
	pw_put_be16(b + 52, 100);
	pw_dissect_ip(b, 60, 60, &d);
	tap_ok(d.is_fragment && d.more_frags && d.has_l4 && d.sport == 7 &&
	       d.frag_id == 0x01020304 && d.malformed == 0,
	       "v6 first fragment has l4");
	pw_put_be16(b + 42, 0x0010);	/* offset 16, last */
	pw_dissect_ip(b, 60, 60, &d);
	tap_ok(d.is_fragment && !d.more_frags && d.frag_off == 16 &&
	       !d.has_l4 && d.l4proto == 17 && d.payload_off == 48 &&
	       d.payload_len == 12, "v6 later fragment has no l4");

	/* UDP length 0 only means "see the jumbo payload length" when the
	 * IPv6 payload length is 0 too. */
	pu_ip6_hdr(b, 17, 12);
	memset(b + 40, 0, 12);
	pw_dissect_ip(b, 52, 52, &d);
	tap_ok(d.malformed == PW_MAL_BAD_TOTAL_LEN && d.payload_len == 4,
	       "v6 udp length 0 in a normal packet");
	pw_put_be16(b + 4, 0);
	pw_dissect_ip(b, 52, 52, &d);
	tap_ok(d.malformed == 0 && d.ip_len == 52 && d.payload_len == 4,
	       "v6 udp length 0 with payload length 0: jumbo/offload");

	/* UDP checksum 0 is not allowed over IPv6. */
	pu_ip6_hdr(b, 17, 8);
	memset(b + 40, 0, 8);
	pw_put_be16(b + 44, 8);
	pw_dissect_ip(b, 48, 48, &d);
	pw_dissect_verify_checksums(&d);
	tap_eq_u64(d.malformed, PW_MAL_BAD_L4_CSUM, "v6 udp checksum 0 is bad");
}

static void test_tcp_options(void)
{
	static const uint8_t opts_a[] = {
		2, 4, 0x05, 0xb4,		/* MSS 1460 */
		3, 3, 8,			/* WS 8 */
		4, 2,				/* SACK_PERM */
		8, 10, 0, 0, 0, 1, 0, 0, 0, 2,	/* TS 1 2 */
		34, 10, 1, 2, 3, 4, 5, 6, 7, 8,	/* fast open cookie */
		253, 4, 0xab, 0xcd,		/* experimental, raw */
		1, 0, 0xee, 0xee, 0xee, 0xee, 0xee, /* NOP, EOL, junk */
	};
	static const uint8_t kinds_a[] = { 2, 3, 4, 8, 34, 253, 1, 0 };
	static const uint8_t opts_b[] = {
		1, 1,
		19, 18, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		5, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0,	/* SACK 1 block */
		1, 1,
	};
	static const uint8_t opts_c[] = {
		29, 16, 7, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,	/* AO */
		1, 1,
		5, 18, 0, 0, 0, 100, 0, 0, 0, 200,	/* SACK 2 blocks */
		0, 0, 1, 0x2c, 0, 0, 1, 0x90,
	};
	static const uint8_t opts_bad[] = {
		2, 4, 0x05, 0xb4,
		8, 20, 0, 0, 0, 1, 0, 0,	/* TS running past the header */
	};
	static const uint8_t opts_zero[] = { 2, 4, 0x05, 0xb4, 30, 0, 0, 0 };
	static const uint8_t opts_mss3[] = { 2, 3, 5, 1 };
	struct pw_dissect d;
	uint8_t b[120], len;
	const uint8_t *v;
	size_t n;
	bool same = true;
	unsigned i;

	n = pu_ip4_tcp(b, opts_a, sizeof(opts_a), "x", 1);
	pw_dissect_ip(b, (uint32_t)n, (uint32_t)n, &d);
	tap_eq_u64(d.n_tcp_opts, sizeof(kinds_a), "tcp opts a: count");
	for (i = 0; i < sizeof(kinds_a) && i < d.n_tcp_opts; i++)
		same = same && d.tcp_opts[i].kind == kinds_a[i];
	tap_ok(same, "tcp opts a: kinds in order, EOL ends the list");
	tap_eq_u64(d.malformed, 0, "tcp opts a: well formed");
	v = pw_tcp_opt_find(&d, PW_TCPOPT_FASTOPEN, &len);
	tap_ok(v && len == 8 && v[0] == 1 && v[7] == 8, "tcp opts a: tfo cookie");
	v = pw_tcp_opt_find(&d, 253, &len);
	tap_ok(v && len == 2 && v[0] == 0xab, "tcp opts a: unknown kind raw");
	tap_eq_u64(d.tcp_opts[7].off, 20 + 20 + 34, "tcp opts a: EOL offset");
	tap_eq_u64(d.payload_len, 1, "tcp opts a: payload after options");

	n = pu_ip4_tcp(b, opts_b, sizeof(opts_b), "", 0);
	pw_dissect_ip(b, (uint32_t)n, (uint32_t)n, &d);
	tap_ok(d.n_tcp_opts == 6 && d.malformed == 0, "tcp opts b: 6 options");
	v = pw_tcp_opt_find(&d, PW_TCPOPT_MD5, &len);
	tap_ok(v && len == 16 && v[15] == 16, "tcp opts b: MD5 signature");
	v = pw_tcp_opt_find(&d, PW_TCPOPT_SACK, &len);
	tap_ok(v && len == 8 && pw_get_be32(v) == 0x1000 &&
	       pw_get_be32(v + 4) == 0x2000, "tcp opts b: one SACK block");

	n = pu_ip4_tcp(b, opts_c, sizeof(opts_c), "", 0);
	pw_dissect_ip(b, (uint32_t)n, (uint32_t)n, &d);
	tap_ok(d.n_tcp_opts == 4 && d.malformed == 0, "tcp opts c: 4 options");
	v = pw_tcp_opt_find(&d, PW_TCPOPT_AO, &len);
	tap_ok(v && len == 14 && v[0] == 7 && v[1] == 9, "tcp opts c: AO ids");
	v = pw_tcp_opt_find(&d, PW_TCPOPT_SACK, &len);
	tap_ok(v && len == 16 && pw_get_be32(v) == 100 &&
	       pw_get_be32(v + 4) == 200 && pw_get_be32(v + 8) == 300 &&
	       pw_get_be32(v + 12) == 400, "tcp opts c: two SACK blocks");

	n = pu_ip4_tcp(b, opts_bad, sizeof(opts_bad), "y", 1);
	pw_dissect_ip(b, (uint32_t)n, (uint32_t)n, &d);
	tap_eq_u64(d.malformed, PW_MAL_BAD_OPTIONS, "tcp bad length flagged");
	tap_ok(d.n_tcp_opts == 1 && d.tcp_opts[0].kind == PW_TCPOPT_MSS,
	       "tcp bad length: MSS before it kept");
	tap_ok(d.payload_len == 1 && d.has_l4, "tcp bad length: payload kept");

	n = pu_ip4_tcp(b, opts_zero, sizeof(opts_zero), "", 0);
	pw_dissect_ip(b, (uint32_t)n, (uint32_t)n, &d);
	tap_ok(d.malformed == PW_MAL_BAD_OPTIONS && d.n_tcp_opts == 1,
	       "tcp option length 0 flagged");

	n = pu_ip4_tcp(b, opts_mss3, sizeof(opts_mss3), "", 0);
	pw_dissect_ip(b, (uint32_t)n, (uint32_t)n, &d);
	tap_ok(d.malformed == PW_MAL_BAD_OPTIONS && d.n_tcp_opts == 2,
	       "tcp MSS of length 3 flagged, still listed");

	/* 40 NOPs: more than the list holds, not an error. */
	{
		uint8_t nops[40];

		memset(nops, 1, sizeof(nops));
		n = pu_ip4_tcp(b, nops, sizeof(nops), "", 0);
	}
	pw_dissect_ip(b, (uint32_t)n, (uint32_t)n, &d);
	tap_ok(d.n_tcp_opts == PW_TCP_MAX_OPTS && d.malformed == 0,
	       "40 NOPs: list capped, not malformed");
}

static void test_icmp(void)
{
	struct pw_dissect d, q;
	uint8_t *p;

	tap_ok(dissect_copy(v4_icmp_unreach, sizeof(v4_icmp_unreach),
			    sizeof(v4_icmp_unreach), &p, &d),
	       "icmp unreach: dissect ok");
	tap_ok(d.l4proto == 1 && d.has_l4 && d.sport == 3 && d.dport == 3,
	       "icmp unreach: type 3 code 3");
	tap_eq_u64(d.icmp_quote_off, 28, "icmp unreach: quote offset");
	pw_dissect_verify_checksums(&d);
	tap_eq_u64(d.malformed, 0, "icmp unreach: checksum verifies");
	tap_ok(pw_dissect_icmp_quote(&d, &q), "icmp quote: dissect ok");
	tap_ok(q.ipver == 4 && q.l4proto == 17 && q.sport == 33000 &&
	       q.dport == 53, "icmp quote: udp 33000 -> 53");
	tap_ok(q.l3 == p + 28 && q.caplen == 32 && q.ip_len == 41 &&
	       q.wirelen == 41, "icmp quote: lengths");
	tap_eq_u64(q.malformed, PW_MAL_SNAPPED, "icmp quote: cut short");
	tap_ok(q.payload_len == 4 && q.payload_wirelen == 13,
	       "icmp quote: payload 4 of 13");
	free(p);

	tap_ok(dissect_copy(v6_icmp_ptb, sizeof(v6_icmp_ptb),
			    sizeof(v6_icmp_ptb), &p, &d),
	       "icmpv6 ptb: dissect ok");
	tap_ok(d.l4proto == 58 && d.sport == 2 && d.icmp_quote_off == 48,
	       "icmpv6 ptb: type 2, quote at 48");
	tap_eq_u64(pw_get_be32(p + 44), 1280, "icmpv6 ptb: mtu");
	pw_dissect_verify_checksums(&d);
	tap_eq_u64(d.malformed, 0, "icmpv6 ptb: checksum verifies");
	tap_ok(pw_dissect_icmp_quote(&d, &q) && q.ipver == 6 &&
	       q.l4proto == 6 && q.sport == 443 && q.dport == 50000 &&
	       q.tcp_seq == 5, "icmpv6 quote: tcp 443 -> 50000");
	tap_ok(q.malformed == PW_MAL_SNAPPED && q.payload_len == 60 &&
	       q.payload_wirelen == 1400, "icmpv6 quote: snapped payload");
	free(p);

	pw_dissect_ip(v4_icmp_echo, sizeof(v4_icmp_echo),
		      sizeof(v4_icmp_echo), &d);
	tap_ok(d.sport == 8 && d.icmp_quote_off == 0 && d.payload_len == 8,
	       "icmp echo: no quote");
	tap_ok(!pw_dissect_icmp_quote(&d, &q), "icmp echo: quote fails");
	pw_dissect_verify_checksums(&d);
	tap_eq_u64(d.malformed, 0, "icmp echo: checksum verifies");
}

/* Every cut inside the headers sets TRUNCATED (the payload is then what
 * follows the last whole header, within the cut); every cut in the payload
 * sets SNAPPED only. Exact-size heap copies let ASan catch overreads. */
static void truncate_all(const char *name, const uint8_t *pkt, size_t len,
			 uint32_t hdr_end, uint32_t ip_hdr_min)
{
	struct pw_dissect d, q;
	unsigned bad = 0, cut;

	for (cut = 0; cut < len; cut++) {
		uint8_t *c = pu_dup(pkt, cut);
		bool ok = pw_dissect_ip(c, cut, (uint32_t)len, &d);

		pw_dissect_verify_checksums(&d);
		pw_dissect_icmp_quote(&d, &q);
		bool in_hdr = cut < hdr_end;
		bool right = ok == (cut >= ip_hdr_min);

		if (in_hdr)
			right = right && (d.malformed & PW_MAL_TRUNCATED) &&
				(!d.payload_len ||
				 d.payload_off + d.payload_len <= cut);
		else
			right = right && d.malformed == PW_MAL_SNAPPED &&
				d.payload_len == cut - hdr_end;
		if (!right)
			bad++;
		if (bad == 1) {
			tap_diag("%s: first bad cut %u (malformed %#x)", name,
				 cut, d.malformed);
			bad++;
		}
		free(c);
	}
	tap_eq_u64(bad, 0, name);
}

static void test_truncation(void)
{
	truncate_all("v6 tcp cut at every byte", v6_tcp_http,
		     sizeof(v6_tcp_http), 72, 40);
	truncate_all("v6 ext chain cut at every byte", v6_ext_chain,
		     sizeof(v6_ext_chain), 120, 40);
	truncate_all("v4 tcp options cut at every byte", v4_tcp_syn,
		     sizeof(v4_tcp_syn), 60, 20);
	truncate_all("v4 udp options cut at every byte", v4_udp_opts,
		     sizeof(v4_udp_opts), 32, 24);
}

static void test_names(void)
{
	tap_eq_str(pw_malformed_name(0), "truncated", "name of bit 0");
	tap_eq_str(pw_malformed_name(2), "bad-header-length", "name of bit 2");
	tap_eq_str(pw_malformed_name(7), "snapped", "name of bit 7");
	tap_eq_str(pw_malformed_name(8), "ext-chain-too-long", "name of bit 8");
	tap_eq_str(pw_malformed_name(PW_MAL_COUNT), "unknown",
		   "name past the end");
}

int main(void)
{
	test_v4_tcp_syn();
	test_v4_udp_options();
	test_v4_odd_headers();
	test_v4_fragments();
	test_v6_tcp();
	test_v6_ext_chain();
	test_v6_routing_final_dst();
	test_v6_stops();
	test_tcp_options();
	test_icmp();
	test_truncation();
	test_names();
	return tap_done();
}
