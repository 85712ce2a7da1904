/* QUIC Initial: RFC 9001 / RFC 9369 client Initial vectors, and Initials
 * sealed here to test CRYPTO reassembly (out of order, across packets and
 * datagrams), frame parsing and key handling. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l7/detect.h"
#include "l7/tls/quic.h"
#include "quic_vectors.h"
#include "tap.h"
#include "tls_build.h"

static void test_keys(void)
{
	uint8_t dcid[8], want[16];
	struct pw_quic_keys k;

	hex_decode(RFC_DCID, dcid, sizeof(dcid));
	tap_ok(pw_quic_client_initial_keys(PW_QUIC_V1, dcid, 8, &k),
	       "v1 keys derived");
	hex_decode(RFC9001_KEY, want, 16);
	tap_eq_mem(k.key, want, 16, "v1 key = RFC 9001 A.1");
	hex_decode(RFC9001_IV, want, 12);
	tap_eq_mem(k.iv, want, 12, "v1 iv = RFC 9001 A.1");
	hex_decode(RFC9001_HP, want, 16);
	tap_eq_mem(k.hp, want, 16, "v1 hp = RFC 9001 A.1");
	tap_ok(pw_quic_client_initial_keys(PW_QUIC_V2, dcid, 8, &k),
	       "v2 keys derived");
	hex_decode(RFC9369_KEY, want, 16);
	tap_eq_mem(k.key, want, 16, "v2 key = RFC 9369 A.1");
	hex_decode(RFC9369_IV, want, 12);
	tap_eq_mem(k.iv, want, 12, "v2 iv = RFC 9369 A.1");
	hex_decode(RFC9369_HP, want, 16);
	tap_eq_mem(k.hp, want, 16, "v2 hp = RFC 9369 A.1");
	tap_ok(!pw_quic_client_initial_keys(0x12345678, dcid, 8, &k),
	       "unknown version: no keys");
}

static void count_crypto(void *arg, uint64_t off, const uint8_t *d,
			 size_t len)
{
	size_t *total = arg;

	(void)off;
	(void)d;
	*total += len;
}

static void test_vector(const char *name, const char *hex, uint32_t ver)
{
	static const uint8_t start[] = { 0x06, 0x00, 0x40, 0xf1,
					 0x01, 0x00, 0x00, 0xed };
	uint8_t pkt[1200], out[1200], *copy;
	struct pw_quic_long_hdr h;
	struct pw_quic_keys k;
	struct pw_l7_result res;
	uint64_t pn = 0;
	size_t n = hex_decode(hex, pkt, sizeof(pkt)), crypto = 0, i;
	long len;
	bool all_no = true;

	tap_eq_u64(n, 1200, "vector is 1200 bytes");
	tap_ok(pw_quic_parse_long_header(pkt, n, &h), "%s: long header", name);
	tap_ok(h.version == ver && h.type == PW_QUIC_INITIAL &&
	       h.dcid_len == 8 && h.scid_len == 0 && h.token_len == 0,
	       "%s: Initial, dcid 8, no scid, no token", name);
	tap_eq_u64(h.length, 1182, "length field");
	tap_eq_u64(h.pn_off, 18, "packet number offset");
	tap_eq_u64(h.packet_len, 1200, "packet fills the datagram");
	pw_quic_client_initial_keys(ver, h.dcid, h.dcid_len, &k);
	len = pw_quic_decrypt_initial(pkt, n, &h, &k, out, sizeof(out), &pn);
	tap_eq_u64((uint64_t)len, 1162, "plaintext length");
	tap_eq_u64(pn, 2, "packet number 2");
	tap_eq_mem(out, start, sizeof(start), "CRYPTO frame + ClientHello");
	tap_ok(pw_quic_parse_frames(out, (size_t)len, count_crypto,
				    &crypto) == 1 && crypto == 241,
	       "%s: one CRYPTO frame of 241 bytes, rest PADDING", name);

	memset(&res, 0, sizeof(res));
	tap_ok(pw_quic_detect(pkt, n, &res), "%s: detected", name);
	tap_eq_u64(res.payload, PW_PL_QUIC_INITIAL, "payload quic_initial");
	tap_eq_str(res.host, "example.com", "SNI from the vector");
	tap_ok(!res.incomplete, "%s: hello whole", name);

	pkt[600] ^= 1;
	memset(&res, 0, sizeof(res));
	tap_ok(!pw_quic_detect(pkt, n, &res), "%s: flipped bit fails", name);
	pkt[600] ^= 1;
	pkt[3] ^= 1;	/* inside the version: no longer known */
	tap_ok(!pw_quic_detect(pkt, n, &res), "%s: other version", name);
	pkt[3] ^= 1;

	for (i = 0; i < n; i++) {
		copy = malloc(i ? i : 1);
		memcpy(copy, pkt, i);
		if (pw_quic_detect(copy, i, &res))
			all_no = false;
		free(copy);
	}
	tap_ok(all_no, "%s: no prefix of the packet is detected", name);
}

/* --- sealing Initials with the library's sealer --- */

static size_t put_varint2(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(0x40 | v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

/* A protected client Initial with scid "scid" and a 4-byte packet number;
 * k NULL: the keys of dcid. out holds 4096 bytes. */
static size_t seal_initial(uint32_t version, const uint8_t *dcid,
			   uint8_t dcid_len, const struct pw_quic_keys *k,
			   uint32_t pn, const uint8_t *payload, size_t plen,
			   uint8_t *out)
{
	struct pw_quic_seal_params prm = {
		.version = version, .dcid = dcid, .dcid_len = dcid_len,
		.scid = (const uint8_t *)"scid", .scid_len = 4,
		.pn = pn, .pn_len = 4, .keys = k,
	};
	long n = pw_quic_seal_initial(&prm, payload, plen, out, 4096);

	if (n <= 0) {
		tap_diag("seal failed: %ld", n);
		abort();
	}
	return (size_t)n;
}

static size_t put_crypto(uint8_t *p, size_t off, const uint8_t *d,
			 size_t len)
{
	size_t pos = 0;

	p[pos++] = 0x06;
	pos += put_varint2(p + pos, off);
	pos += put_varint2(p + pos, len);
	memcpy(p + pos, d, len);
	return pos + len;
}

static const uint8_t dcid1[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t dcid2[5] = { 9, 9, 9, 9, 9 };

static size_t pq_hello(uint8_t *buf, size_t cap)
{
	static const uint16_t v13[] = { 0x0304 };
	static const uint16_t g[] = { 0x11ec, 0x001d };
	struct hello_spec s = { .sni = "quic.example.org", .alpn = "h3",
				.versions = v13, .n_versions = 1,
				.groups = g, .n_groups = 2, .ech = true };
	struct hello_layout lay;
	size_t n = build_hello(&s, buf, cap, &lay);

	memmove(buf, buf + 5, n - 5);	/* QUIC carries the bare message */
	return n - 5;
}

static void test_reassembly(void)
{
	uint8_t hello[4096], pay[4096], d1[4096], d2[4096], dg[8192];
	struct pw_quic_keys k;
	struct pw_quic_state s;
	struct pw_l7_result res;
	size_t hn = pq_hello(hello, sizeof(hello)), pl, n1, n2, n;
	enum pw_quic_status st1, st2;

	pw_quic_client_initial_keys(PW_QUIC_V1, dcid1, 8, &k);
	tap_ok(hn > 1300, "PQ ClientHello needs two packets (%zu bytes)", hn);

	/* One packet, CRYPTO frames in reverse order, PING between. */
	pl = put_crypto(pay, 700, hello + 700, 500);
	pay[pl++] = 0x01;
	pl += put_crypto(pay + pl, 0, hello, 700);
	memset(pay + pl, 0, 20);	/* PADDING */
	pl += 20;
	n1 = seal_initial(PW_QUIC_V1, dcid1, 8, &k, 0, pay, pl, d1);
	pl = put_crypto(pay, 1200, hello + 1200, hn - 1200);
	/* ACK with one extra range and ECN counts */
	memcpy(pay + pl, "\x03\x05\x00\x01\x00\x01\x02\x00\x00\x00", 10);
	pl += 10;
	n2 = seal_initial(PW_QUIC_V1, dcid1, 8, &k, 1, pay, pl, d2);

	pw_quic_state_init(&s, 0);
	st2 = pw_quic_feed(&s, d2, n2);
	st1 = pw_quic_feed(&s, d1, n1);
	tap_ok(st2 == PW_QUIC_NEED_MORE && st1 == PW_QUIC_HELLO,
	       "second datagram first: need-more, then hello (%d %d)", st2,
	       st1);
	tap_eq_str(s.hello.sni, "quic.example.org", "SNI across datagrams");
	tap_eq_str(s.hello.alpn, "h3", "ALPN across datagrams");
	tap_ok(pw_tls_hello_pq(&s.hello) && s.hello.ech, "pq + ech");
	tap_eq_u64(s.packets, 2, "two Initial packets decrypted");
	pw_quic_state_free(&s);

	/* The same two packets coalesced in one datagram. */
	memcpy(dg, d1, n1);
	memcpy(dg + n1, d2, n2);
	n = n1 + n2;
	memset(&res, 0, sizeof(res));
	tap_ok(pw_quic_detect(dg, n, &res) && !res.incomplete,
	       "coalesced packets: whole hello in one datagram");
	tap_eq_str(res.host, "quic.example.org", "coalesced SNI");
	tap_eq_str(res.detail, "alpn=h3 ech pq", "coalesced detail");

	/* First datagram alone: Initial, incomplete, SNI in the prefix. */
	memset(&res, 0, sizeof(res));
	tap_ok(pw_quic_detect(d1, n1, &res) && res.incomplete,
	       "first datagram alone: incomplete initial");
	tap_eq_str(res.host, "quic.example.org", "SNI from the prefix");
	memset(&res, 0, sizeof(res));
	tap_ok(pw_quic_detect(d2, n2, &res) && res.incomplete &&
	       !res.host[0], "second datagram alone: no host");

	/* A later Initial may carry another DCID (the server's choice) but
	 * still uses the keys of the first DCID. */
	pw_quic_state_init(&s, 0);
	pw_quic_feed(&s, d1, n1);
	pl = put_crypto(pay, 1200, hello + 1200, hn - 1200);
	n2 = seal_initial(PW_QUIC_V1, dcid2, 5, &k, 1, pay, pl, d2);
	tap_ok(pw_quic_feed(&s, d2, n2) == PW_QUIC_HELLO,
	       "new DCID, original keys: hello completes");
	pw_quic_state_free(&s);

	/* A small cap: the hello does not fit. */
	pw_quic_state_init(&s, 1000);
	pw_quic_feed(&s, d1, n1);
	tap_ok(s.status == PW_QUIC_OVERFLOW, "cap 1000: overflow");
	tap_eq_str(s.hello.sni, "quic.example.org", "prefix still has SNI");
	pw_quic_state_free(&s);
}

static void test_v2_sealed(void)
{
	uint8_t hello[4096], pay[4096], d[4096];
	struct pw_quic_keys k;
	struct pw_l7_result res;
	size_t hn = pq_hello(hello, sizeof(hello)), pl, n;

	pw_quic_client_initial_keys(PW_QUIC_V2, dcid1, 8, &k);
	pl = put_crypto(pay, 0, hello, hn);
	n = seal_initial(PW_QUIC_V2, dcid1, 8, &k, 0, pay, pl, d);
	memset(&res, 0, sizeof(res));
	tap_ok(pw_quic_detect(d, n, &res) && !res.incomplete,
	       "v2 Initial sealed here is detected");
	tap_eq_str(res.detail, "v2 alpn=h3 ech pq", "v2 detail");
	/* v1 type bits on a v2 packet mean 0-RTT: not an Initial. */
	d[0] ^= 0x10;
	tap_ok(!pw_quic_detect(d, n, &res), "v2 with v1 Initial bits: no");
}

/* Sealing the published plaintext with the published dcid and packet
 * number gives the published packet, byte for byte. The plaintext is one
 * CRYPTO frame (4 + 241 bytes) then PADDING to a 1200-byte packet, so
 * sealing just the frame with min_len 1200 must add exactly that padding. */
static void test_seal_vector(const char *name, const char *hex,
			     uint32_t ver)
{
	uint8_t want[1200], plain[1200], dcid[8], got[1300];
	struct pw_quic_long_hdr h;
	struct pw_quic_keys k;
	struct pw_quic_seal_params prm = {
		.version = ver, .dcid = dcid, .dcid_len = 8, .pn = 2,
		.pn_len = 4, .min_len = PW_QUIC_MIN_INITIAL,
	};
	size_t n = hex_decode(hex, want, sizeof(want)), i;
	long plen, len;
	bool zeros = true;

	hex_decode(RFC_DCID, dcid, sizeof(dcid));
	pw_quic_parse_long_header(want, n, &h);
	pw_quic_client_initial_keys(ver, dcid, 8, &k);
	plen = pw_quic_decrypt_initial(want, n, &h, &k, plain, sizeof(plain),
				       NULL);
	tap_eq_u64((uint64_t)plen, 1162, "vector plaintext length");
	for (i = 245; i < (size_t)plen; i++)
		zeros &= plain[i] == 0;
	tap_ok(zeros, "%s: plaintext past the CRYPTO frame is PADDING", name);

	memset(got, 0xee, sizeof(got));
	len = pw_quic_seal_initial(&prm, plain, 245, got, sizeof(got));
	tap_eq_u64((uint64_t)len, 1200, "sealed CRYPTO frame padded to 1200");
	tap_eq_mem(got, want, 1200, "sealed = published protected packet");
	tap_ok(got[1200] == 0xee, "%s: nothing written past the packet",
	       name);

	prm.min_len = 0;
	memset(got, 0, sizeof(got));
	len = pw_quic_seal_initial(&prm, plain, (size_t)plen, got, 1200);
	tap_eq_u64((uint64_t)len, 1200, "whole plaintext, no min_len: 1200");
	tap_eq_mem(got, want, 1200, "same bytes with the padding given");
	tap_eq_u64((uint64_t)pw_quic_seal_initial(&prm, plain, (size_t)plen,
						  got, 1199),
		   (uint64_t)-ENOSPC, "cap one short: -ENOSPC");
}

static size_t small_hello(uint8_t *buf, size_t cap, const char *sni)
{
	static const uint16_t v13[] = { 0x0304 };
	static const uint16_t g[] = { 0x001d };
	struct hello_spec s = { .sni = sni, .alpn = "h3",
				.versions = v13, .n_versions = 1,
				.groups = g, .n_groups = 1 };
	struct hello_layout lay;
	size_t n = build_hello(&s, buf, cap, &lay);

	memmove(buf, buf + 5, n - 5);
	return n - 5;
}

/* Seal, then read back with pw_quic_detect (one datagram) and
 * pw_quic_feed (per flow): v1 and v2, with scid, a token, every packet
 * number length, and a hello split over two packets. */
static void test_seal_roundtrip(const char *name, uint32_t ver)
{
	static const uint8_t scid[3] = { 0xaa, 0xbb, 0xcc };
	static const uint8_t token[5] = { 't', 'o', 'k', 'e', 'n' };
	uint8_t hello[4096], pay[4096], d1[4096], d2[4096], out[4096];
	struct pw_quic_seal_params prm = {
		.version = ver, .dcid = dcid1, .dcid_len = 8, .scid = scid,
		.scid_len = 3, .token = token, .token_len = 5, .pn = 0,
		.pn_len = 1, .min_len = PW_QUIC_MIN_INITIAL,
	};
	struct pw_quic_long_hdr h;
	struct pw_quic_keys k;
	struct pw_quic_state s;
	struct pw_l7_result res;
	size_t hn, pl, i;
	long n1, n2, len;
	uint64_t pn = 99;
	bool all_ok = true;

	hn = small_hello(hello, sizeof(hello), "rt.example.net");
	pl = put_crypto(pay, 0, hello, hn);
	n1 = pw_quic_seal_initial(&prm, pay, pl, d1, sizeof(d1));
	tap_eq_u64((uint64_t)n1, PW_QUIC_MIN_INITIAL, "padded to 1200");
	tap_ok((d1[0] & 0xf0) == (ver == PW_QUIC_V2 ? 0xd0 : 0xc0),
	       "%s: long header, Initial type bits", name);
	tap_ok(pw_quic_parse_long_header(d1, (size_t)n1, &h) &&
	       h.type == PW_QUIC_INITIAL && h.scid_len == 3 &&
	       !memcmp(h.scid, scid, 3) && h.token_len == 5 &&
	       !memcmp(d1 + h.token_off, token, 5) &&
	       h.packet_len == (size_t)n1, "%s: header fields back", name);
	memset(&res, 0, sizeof(res));
	tap_ok(pw_quic_detect(d1, (size_t)n1, &res) && !res.incomplete,
	       "%s: detect whole hello", name);
	tap_eq_str(res.host, "rt.example.net", "detect SNI");
	pw_quic_state_init(&s, 0);
	tap_ok(pw_quic_feed(&s, d1, (size_t)n1) == PW_QUIC_HELLO,
	       "%s: feed: hello", name);
	tap_eq_str(s.hello.sni, "rt.example.net", "feed SNI");
	tap_eq_u64(s.version, ver, "feed version");
	pw_quic_state_free(&s);

	/* Every packet number length; pn below 2^(8 * pn_len) reads back. */
	for (i = 1; i <= 4; i++) {
		prm.pn_len = (unsigned)i;
		prm.pn = (1ull << (8 * i)) - 2;
		n1 = pw_quic_seal_initial(&prm, pay, pl, d1, sizeof(d1));
		pw_quic_client_initial_keys(ver, dcid1, 8, &k);
		if (n1 <= 0 || !pw_quic_parse_long_header(d1, (size_t)n1, &h)) {
			all_ok = false;
			continue;
		}
		len = pw_quic_decrypt_initial(d1, (size_t)n1, &h, &k, out,
					      sizeof(out), &pn);
		if (len < (long)pl || pn != prm.pn ||
		    memcmp(out, pay, pl) != 0)
			all_ok = false;
	}
	tap_ok(all_ok, "%s: pn lengths 1..4 decrypt to the same frames", name);

	/* A post-quantum hello split over two Initials, fed second first. */
	hn = pq_hello(hello, sizeof(hello));
	prm.pn_len = 2;
	prm.pn = 0;
	pl = put_crypto(pay, 0, hello, 1000);
	n1 = pw_quic_seal_initial(&prm, pay, pl, d1, sizeof(d1));
	prm.pn = 1;
	pl = put_crypto(pay, 1000, hello + 1000, hn - 1000);
	n2 = pw_quic_seal_initial(&prm, pay, pl, d2, sizeof(d2));
	tap_ok(n1 >= PW_QUIC_MIN_INITIAL && n2 >= PW_QUIC_MIN_INITIAL,
	       "%s: two sealed Initials (%ld, %ld)", name, n1, n2);
	pw_quic_state_init(&s, 0);
	tap_ok(pw_quic_feed(&s, d2, (size_t)n2) == PW_QUIC_NEED_MORE &&
	       pw_quic_feed(&s, d1, (size_t)n1) == PW_QUIC_HELLO,
	       "%s: split hello: need more, then hello", name);
	tap_eq_str(s.hello.sni, "quic.example.org", "split hello SNI");
	tap_eq_u64(s.packets, 2, "two packets decrypted");
	pw_quic_state_free(&s);
}

/* Bounds and parameter checks; padding around the varint size steps. */
static void test_seal_limits(void)
{
	uint8_t buf[2048], frames[300], out[2048], *exact;
	struct pw_quic_seal_params prm = {
		.version = PW_QUIC_V1, .dcid = dcid1, .dcid_len = 8,
	};
	struct pw_quic_long_hdr h;
	struct pw_quic_keys k;
	size_t i, total;
	long n, len;
	bool all_ok = true, no_overrun = true;

	memset(frames, 0x01, sizeof(frames));	/* PING frames */
	pw_quic_client_initial_keys(PW_QUIC_V1, dcid1, 8, &k);

	/* No frames, 1-byte pn: 3 bytes of padding make the sample. */
	prm.pn_len = 1;
	n = pw_quic_seal_initial(&prm, NULL, 0, buf, sizeof(buf));
	tap_eq_u64((uint64_t)n, 16 + 1 + 1 + 3 + 16, "empty payload: 37");
	tap_ok(pw_quic_parse_long_header(buf, (size_t)n, &h) &&
	       pw_quic_decrypt_initial(buf, (size_t)n, &h, &k, out,
				       sizeof(out), NULL) == 3,
	       "empty payload decrypts to 3 bytes of PADDING");

	/* min_len from 0 to 300 with 40 bytes of frames (77-byte packet
	 * unpadded): exactly max(min_len, 77) bytes, also where the length
	 * field needs a second byte (min_len 81), and decrypts. */
	prm.pn_len = 4;
	for (i = 0; i <= 300; i++) {
		prm.min_len = i;
		n = pw_quic_seal_initial(&prm, frames, 40, buf, sizeof(buf));
		if (n != (long)(i > 77 ? i : 77) ||
		    !pw_quic_parse_long_header(buf, (size_t)n, &h) ||
		    h.packet_len != (size_t)n) {
			all_ok = false;
			continue;
		}
		len = pw_quic_decrypt_initial(buf, (size_t)n, &h, &k, out,
					      sizeof(out), NULL);
		if (len < 40 || memcmp(out, frames, 40) != 0)
			all_ok = false;
	}
	tap_ok(all_ok, "min_len 0..300: packet length max(min_len, 77), "
	       "decrypts");
	prm.min_len = PW_QUIC_MIN_INITIAL;
	n = pw_quic_seal_initial(&prm, frames, 40, buf, sizeof(buf));
	tap_ok(n == PW_QUIC_MIN_INITIAL && buf[16] == 0x44 && buf[17] == 0x9e,
	       "40 bytes of frames to 1200: length field 0x449e");

	/* Every cap below the packet: -ENOSPC, no byte written past cap. */
	prm.min_len = 0;
	total = (size_t)pw_quic_seal_initial(&prm, frames, 100, buf,
					     sizeof(buf));
	for (i = 0; i < total; i++) {
		exact = malloc(i ? i : 1);
		if (pw_quic_seal_initial(&prm, frames, 100, exact, i) !=
		    -ENOSPC)
			no_overrun = false;
		free(exact);
	}
	tap_ok(no_overrun, "caps 0..%zu: -ENOSPC", total - 1);

	prm.version = 0x12345678;
	tap_eq_u64((uint64_t)pw_quic_seal_initial(&prm, frames, 10, buf,
						  sizeof(buf)),
		   (uint64_t)-EINVAL, "unknown version: -EINVAL");
	prm.version = PW_QUIC_V2;
	prm.dcid_len = 21;
	tap_eq_u64((uint64_t)pw_quic_seal_initial(&prm, frames, 10, buf,
						  sizeof(buf)),
		   (uint64_t)-EINVAL, "dcid of 21 bytes: -EINVAL");
	prm.dcid_len = 8;
	prm.scid_len = 4;
	tap_eq_u64((uint64_t)pw_quic_seal_initial(&prm, frames, 10, buf,
						  sizeof(buf)),
		   (uint64_t)-EINVAL, "scid length without scid: -EINVAL");
	prm.scid_len = 0;
	prm.pn_len = 5;
	tap_eq_u64((uint64_t)pw_quic_seal_initial(&prm, frames, 10, buf,
						  sizeof(buf)),
		   (uint64_t)-EINVAL, "pn_len 5: -EINVAL");
	prm.pn_len = 4;
	prm.pn = 1ull << 62;
	tap_eq_u64((uint64_t)pw_quic_seal_initial(&prm, frames, 10, buf,
						  sizeof(buf)),
		   (uint64_t)-EINVAL, "pn 2^62: -EINVAL");
	prm.pn = 0;
	prm.min_len = 70000;
	tap_eq_u64((uint64_t)pw_quic_seal_initial(&prm, frames, 10, buf,
						  sizeof(buf)),
		   (uint64_t)-EINVAL, "min_len past a datagram: -EINVAL");
	prm.min_len = 0;
	tap_ok(pw_quic_seal_initial(&prm, frames, 10, buf, sizeof(buf)) > 0,
	       "v2 with valid parameters again: sealed");
}

static void test_frames(void)
{
	static const uint8_t stream[] = { 0x08, 0x00, 0x01, 'x' };
	static const uint8_t cut[] = { 0x06, 0x40 };
	static const uint8_t close[] = { 0x1c, 0x01, 0x06, 0x02, 'n', 'o',
					 0x01 };
	static const uint8_t big_ack[] = { 0x02, 0x00, 0x00, 0x80, 0xff,
					   0xff, 0xff, 0x00 };
	static const uint8_t crypto_past[] = { 0x06, 0x00, 0x05, 'a' };

	tap_ok(pw_quic_parse_frames(stream, sizeof(stream), NULL, NULL) == -1,
	       "STREAM frame in an Initial stops the walk");
	tap_ok(pw_quic_parse_frames(cut, sizeof(cut), NULL, NULL) == -1,
	       "cut CRYPTO frame");
	tap_ok(pw_quic_parse_frames(close, sizeof(close), NULL, NULL) == 0,
	       "CONNECTION_CLOSE and PING skipped");
	tap_ok(pw_quic_parse_frames(big_ack, sizeof(big_ack), NULL, NULL) ==
	       -1, "ACK with a huge range count runs out of bytes");
	tap_ok(pw_quic_parse_frames(crypto_past, sizeof(crypto_past), NULL,
				    NULL) == -1,
	       "CRYPTO length past the payload");
}

int main(void)
{
	test_keys();
	test_vector("RFC 9001", rfc9001_client_initial, PW_QUIC_V1);
	test_vector("RFC 9369", rfc9369_client_initial, PW_QUIC_V2);
	test_reassembly();
	test_v2_sealed();
	test_frames();
	test_seal_vector("RFC 9001", rfc9001_client_initial, PW_QUIC_V1);
	test_seal_vector("RFC 9369", rfc9369_client_initial, PW_QUIC_V2);
	test_seal_roundtrip("v1", PW_QUIC_V1);
	test_seal_roundtrip("v2", PW_QUIC_V2);
	test_seal_limits();
	return tap_done();
}
