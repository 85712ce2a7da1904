/* Sealing a client Initial packet: the sender's side of RFC 9001 5.3
 * (AEAD_AES_128_GCM over the payload, the header as associated data,
 * nonce = iv XOR packet number) and 5.4 (header protection: AES-128-ECB
 * of a 16-byte ciphertext sample masks the low 4 bits of the first byte
 * and the packet number bytes). */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "l7/tls/quic.h"

#define HP_SAMPLE_OFF 4		/* sample starts 4 bytes after pn_off */
#define HP_SAMPLE_LEN 16
/* A UDP datagram cannot carry more; keeps every sum below far from
 * overflow and every length within OpenSSL's int. */
#define SEAL_MAX 65535
#define PN_MAX ((1ull << 62) - 1)

static size_t varint_size(uint64_t v)
{
	if (v < 64)
		return 1;
	if (v < 16384)
		return 2;
	if (v < (1ull << 30))
		return 4;
	return 8;
}

/* RFC 9000 16: the top two bits of the first byte give the size (1, 2,
 * 4 or 8); a value may use a longer size than it needs. */
static void put_varint(uint8_t *p, uint64_t v, size_t size)
{
	static const uint8_t size_bits[9] = { [1] = 0x00, [2] = 0x40,
					      [4] = 0x80, [8] = 0xc0 };
	size_t i;

	for (i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * (size - 1 - i)));
	p[0] |= size_bits[size];
}

/* Long-header type bits of an Initial: 0 in v1 and draft-29, 1 in v2. */
static int initial_type_bits(uint32_t version)
{
	switch (version) {
	case PW_QUIC_V1:
	case PW_QUIC_DRAFT29:
		return 0;
	case PW_QUIC_V2:
		return 1;
	default:
		return -1;
	}
}

/* Encrypts buf[hdr_len..hdr_len+plen) in place and appends the tag. */
static bool aead_seal(const struct pw_quic_keys *k, uint64_t pn,
		      uint8_t *buf, size_t hdr_len, size_t plen)
{
	EVP_CIPHER_CTX *ctx;
	uint8_t nonce[12];
	int len = 0, i;
	bool ok = false;

	memcpy(nonce, k->iv, sizeof(nonce));
	for (i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return false;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, k->key, nonce) != 1)
		goto out;
	if (EVP_EncryptUpdate(ctx, NULL, &len, buf, (int)hdr_len) != 1)
		goto out;
	if (plen && EVP_EncryptUpdate(ctx, buf + hdr_len, &len,
				      buf + hdr_len, (int)plen) != 1)
		goto out;
	if (EVP_EncryptFinal_ex(ctx, buf + hdr_len + plen, &len) != 1)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, PW_QUIC_TAG_LEN,
				buf + hdr_len + plen) != 1)
		goto out;
	ok = true;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

static bool params_valid(const struct pw_quic_seal_params *prm,
			 const uint8_t *frames, size_t frames_len,
			 unsigned pn_len)
{
	if (initial_type_bits(prm->version) < 0)
		return false;
	if (prm->dcid_len > PW_QUIC_CID_MAX ||
	    prm->scid_len > PW_QUIC_CID_MAX)
		return false;
	if ((prm->dcid_len && !prm->dcid) || (prm->scid_len && !prm->scid) ||
	    (prm->token_len && !prm->token) || (frames_len && !frames))
		return false;
	if (pn_len < 1 || pn_len > 4 || prm->pn > PN_MAX)
		return false;
	return frames_len <= SEAL_MAX && prm->token_len <= SEAL_MAX &&
	       prm->min_len <= SEAL_MAX;
}

long pw_quic_seal_initial(const struct pw_quic_seal_params *prm,
			  const uint8_t *frames, size_t frames_len,
			  uint8_t *out, size_t cap)
{
	struct pw_quic_keys derived;
	const struct pw_quic_keys *k = prm->keys;
	unsigned pn_len = prm->pn_len ? prm->pn_len : 4, i;
	size_t fixed, pad = 0, length, len_size, total, pos = 0, pn_off;
	size_t plen, token_size;
	uint8_t mask[16];
	long ret = -EINVAL;

	memset(&derived, 0, sizeof(derived));
	if (!params_valid(prm, frames, frames_len, pn_len))
		goto out;
	token_size = varint_size(prm->token_len);
	/* first, version, dcid, scid, token: all but length and pn */
	fixed = 1 + 4 + 1 + prm->dcid_len + 1 + prm->scid_len +
		token_size + prm->token_len;
	if (pn_len + frames_len < HP_SAMPLE_OFF)
		pad = HP_SAMPLE_OFF - pn_len - frames_len;
	length = pn_len + frames_len + pad + PW_QUIC_TAG_LEN;
	len_size = varint_size(length);
	total = fixed + len_size + length;
	if (total < prm->min_len) {
		size_t grow = prm->min_len - total, wider;

		pad += grow;
		length += grow;
		/* When the length field must widen, the padding gives the
		 * bytes back and the field keeps the wider size (a longer
		 * varint than needed is allowed), so the packet is exactly
		 * min_len long. */
		wider = varint_size(length);
		if (wider > len_size) {
			size_t take = wider - len_size < grow ?
				      wider - len_size : grow;

			pad -= take;
			length -= take;
			len_size = wider;
		}
		total = fixed + len_size + length;
	}
	ret = -ENOSPC;
	if (total > cap)
		goto out;
	ret = -EIO;
	if (!k) {
		if (!pw_quic_client_initial_keys(prm->version, prm->dcid,
						 prm->dcid_len, &derived))
			goto out;
		k = &derived;
	}

	out[pos++] = (uint8_t)(0xc0 | initial_type_bits(prm->version) << 4 |
			       (pn_len - 1));
	out[pos++] = (uint8_t)(prm->version >> 24);
	out[pos++] = (uint8_t)(prm->version >> 16);
	out[pos++] = (uint8_t)(prm->version >> 8);
	out[pos++] = (uint8_t)prm->version;
	out[pos++] = (uint8_t)prm->dcid_len;
	if (prm->dcid_len)
		memcpy(out + pos, prm->dcid, prm->dcid_len);
	pos += prm->dcid_len;
	out[pos++] = (uint8_t)prm->scid_len;
	if (prm->scid_len)
		memcpy(out + pos, prm->scid, prm->scid_len);
	pos += prm->scid_len;
	put_varint(out + pos, prm->token_len, token_size);
	pos += token_size;
	if (prm->token_len)
		memcpy(out + pos, prm->token, prm->token_len);
	pos += prm->token_len;
	put_varint(out + pos, length, len_size);
	pos += len_size;
	pn_off = pos;
	for (i = 0; i < pn_len; i++)
		out[pos++] = (uint8_t)(prm->pn >> (8 * (pn_len - 1 - i)));
	plen = frames_len + pad;
	if (frames_len)
		memcpy(out + pos, frames, frames_len);
	memset(out + pos + frames_len, 0, pad);	/* PADDING frames */
	if (!aead_seal(k, prm->pn, out, pos, plen))
		goto out;
	if (!pw_quic_hp_mask(k->hp, out + pn_off + HP_SAMPLE_OFF, mask))
		goto out;
	out[0] ^= mask[0] & 0x0f;	/* long header: 4 protected bits */
	for (i = 0; i < pn_len; i++)
		out[pn_off + i] ^= mask[1 + i];
	ret = (long)total;
out:
	memset(&derived, 0, sizeof(derived));
	return ret;
}
