/* libFuzzer harness: QUIC Initial parsing and decryption.
 *
 * Input byte 0 picks a mode:
 *   0  the rest is one raw datagram (header parsing, AEAD rejection)
 *   1  the rest is a decrypted Initial payload: frames, CRYPTO
 *      reassembly and the ClientHello parser, with no AEAD in the way
 *   2  the rest is sealed here into valid Initial packets (split at a
 *      point taken from the input, one packet per datagram, fed second
 *      first) so the whole per-flow path runs on fuzzer-chosen plaintext
 *   3  the rest is a list of datagrams, each prefixed by a 2-byte length,
 *      fed to one per-flow state */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "l7/detect.h"
#include "l7/tls/quic.h"
#include "l7/tls/reasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t dcid[8] = { 0x83, 0x94, 0xc8, 0xf0,
				 0x3e, 0x51, 0x57, 0x08 };

static void to_reasm(void *arg, uint64_t off, const uint8_t *d, size_t len)
{
	if (off <= INT64_MAX)
		pw_reasm_feed(arg, (int64_t)off, d, len);
}

static void frames(const uint8_t *p, size_t n)
{
	struct pw_reasm r;
	struct pw_tls_hello h;

	pw_reasm_init(&r, 0, pw_reasm_need_tls_handshake);
	pw_quic_parse_frames(p, n, to_reasm, &r);
	if (pw_reasm_contiguous(&r))
		pw_tls_parse_handshake(pw_reasm_data(&r),
				       pw_reasm_contiguous(&r), &h);
	pw_reasm_free(&r);
}

/* A v1 client Initial with a 2-byte packet number; out holds plen + 64. */
static size_t seal(const struct pw_quic_keys *k, uint32_t version,
		   uint16_t pn, const uint8_t *pay, size_t plen, uint8_t *out)
{
	uint8_t nonce[12], mask[16];
	size_t pos = 0, pn_off;
	int len;
	EVP_CIPHER_CTX *ctx;

	out[pos++] = version == PW_QUIC_V2 ? 0xd1 : 0xc1;
	out[pos++] = (uint8_t)(version >> 24);
	out[pos++] = (uint8_t)(version >> 16);
	out[pos++] = (uint8_t)(version >> 8);
	out[pos++] = (uint8_t)version;
	out[pos++] = sizeof(dcid);
	memcpy(out + pos, dcid, sizeof(dcid));
	pos += sizeof(dcid);
	out[pos++] = 0;		/* scid */
	out[pos++] = 0;		/* token */
	out[pos++] = (uint8_t)(0x80);	/* 4-byte varint length */
	out[pos++] = (uint8_t)((2 + plen + 16) >> 16);
	out[pos++] = (uint8_t)((2 + plen + 16) >> 8);
	out[pos++] = (uint8_t)(2 + plen + 16);
	pn_off = pos;
	out[pos++] = (uint8_t)(pn >> 8);
	out[pos++] = (uint8_t)pn;
	memcpy(nonce, k->iv, 12);
	nonce[10] ^= (uint8_t)(pn >> 8);
	nonce[11] ^= (uint8_t)pn;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		abort();
	EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, k->key, nonce);
	EVP_EncryptUpdate(ctx, NULL, &len, out, (int)pos);
	if (plen)
		EVP_EncryptUpdate(ctx, out + pos, &len, pay, (int)plen);
	EVP_EncryptFinal_ex(ctx, out + pos + plen, &len);
	EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out + pos + plen);
	EVP_CIPHER_CTX_free(ctx);
	pos += plen + 16;
	pw_quic_hp_mask(k->hp, out + pn_off + 4, mask);
	out[0] ^= mask[0] & 0x0f;
	out[pn_off] ^= mask[1];
	out[pn_off + 1] ^= mask[2];
	return pos;
}

static void sealed(const uint8_t *p, size_t n)
{
	struct pw_quic_keys k;
	struct pw_quic_state s;
	struct pw_l7_result res;
	uint8_t *d1, *d2;
	uint32_t version;
	size_t cut, n1, n2;

	if (n < 2)
		return;
	version = p[0] & 1 ? PW_QUIC_V2 : PW_QUIC_V1;
	cut = (size_t)p[1] * 8 % n;
	p += 2;
	n -= 2;
	if (cut > n)
		cut = n;
	/* payloads under 2 bytes leave no room for the HP sample */
	if (cut < 4 || n - cut < 4)
		return;
	if (!pw_quic_client_initial_keys(version, dcid, sizeof(dcid), &k))
		abort();
	d1 = malloc(cut + 64);
	d2 = malloc(n - cut + 64);
	if (!d1 || !d2)
		abort();
	n1 = seal(&k, version, 0, p, cut, d1);
	n2 = seal(&k, version, 1, p + cut, n - cut, d2);
	pw_quic_state_init(&s, 0);
	pw_quic_feed(&s, d2, n2);
	pw_quic_feed(&s, d1, n1);
	pw_quic_state_free(&s);
	memset(&res, 0, sizeof(res));
	pw_quic_detect(d1, n1, &res);
	free(d1);
	free(d2);
}

static void datagrams(const uint8_t *p, size_t n)
{
	struct pw_quic_state s;

	pw_quic_state_init(&s, 4096);
	while (n >= 2) {
		size_t len = (size_t)p[0] << 8 | p[1];

		p += 2;
		n -= 2;
		if (len > n)
			len = n;
		pw_quic_feed(&s, p, len);
		p += len;
		n -= len;
	}
	pw_quic_state_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_l7_result res;
	struct pw_quic_long_hdr h;

	if (!size)
		return 0;
	switch (data[0] & 3) {
	case 0:
		pw_quic_parse_long_header(data + 1, size - 1, &h);
		memset(&res, 0, sizeof(res));
		pw_quic_detect(data + 1, size - 1, &res);
		break;
	case 1:
		frames(data + 1, size - 1);
		break;
	case 2:
		sealed(data + 1, size - 1);
		break;
	case 3:
		datagrams(data + 1, size - 1);
		break;
	}
	return 0;
}
