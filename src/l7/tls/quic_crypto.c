/* QUIC Initial packet protection (RFC 9001 5; v2: RFC 9369 3.3):
 *
 *   initial_secret = HKDF-Extract(salt(version), client_dcid)
 *   client_secret  = HKDF-Expand-Label(initial_secret, "client in", "", 32)
 *   key / iv / hp  = HKDF-Expand-Label(client_secret, "quic key" (16),
 *                    "quic iv" (12), "quic hp" (16)); v2 uses "quicv2 key",
 *                    "quicv2 iv", "quicv2 hp"
 *
 * OpenSSL's libcrypto provides HMAC-SHA256, AES-128-ECB and AES-128-GCM;
 * every call uses its own context, so nothing is shared between threads. */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "l7/tls/quic.h"

#define SHA256_LEN 32

static const uint8_t salt_v1[20] = {
	0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};
static const uint8_t salt_v2[20] = {
	0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
	0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
};
static const uint8_t salt_draft29[20] = {
	0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
	0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99,
};

bool pw_quic_hkdf_extract(const uint8_t *salt, size_t salt_len,
			  const uint8_t *ikm, size_t ikm_len, uint8_t prk[32])
{
	unsigned int len = 0;
	/* HMAC() refuses a NULL key pointer even with length 0. */
	static const uint8_t empty[1];

	if (!HMAC(EVP_sha256(), salt_len ? salt : empty, (int)salt_len,
		  ikm_len ? ikm : empty, ikm_len, prk, &len))
		return false;
	return len == SHA256_LEN;
}

/* HKDF-Expand (RFC 5869 2.3) with info = HkdfLabel:
 *   uint16 length, opaque label<7..255> = "tls13 " + label,
 *   opaque context<0..255> = "" */
bool pw_quic_hkdf_expand_label(const uint8_t *secret, size_t secret_len,
			       const char *label, uint8_t *out,
			       size_t out_len)
{
	uint8_t info[2 + 1 + 255 + 1], block[SHA256_LEN + sizeof(info) + 1];
	uint8_t t[SHA256_LEN];
	size_t label_len = strlen(label), info_len, done = 0, tlen = 0;
	unsigned int len;
	uint8_t counter = 1;

	if (label_len + 6 > 255 || out_len > 255 * SHA256_LEN ||
	    out_len > 0xffff)
		return false;
	info[0] = (uint8_t)(out_len >> 8);
	info[1] = (uint8_t)out_len;
	info[2] = (uint8_t)(label_len + 6);
	memcpy(info + 3, "tls13 ", 6);
	memcpy(info + 9, label, label_len);
	info[9 + label_len] = 0;	/* empty context */
	info_len = 10 + label_len;
	while (done < out_len) {
		size_t blen = 0, take;

		/* T(i) = HMAC(PRK, T(i-1) | info | i) */
		memcpy(block, t, tlen);
		blen = tlen;
		memcpy(block + blen, info, info_len);
		blen += info_len;
		block[blen++] = counter++;
		len = 0;
		if (!HMAC(EVP_sha256(), secret, (int)secret_len, block, blen,
			  t, &len) || len != SHA256_LEN)
			return false;
		tlen = SHA256_LEN;
		take = out_len - done < SHA256_LEN ? out_len - done
						   : SHA256_LEN;
		memcpy(out + done, t, take);
		done += take;
	}
	return true;
}

/* The last keys derived on this thread. A client's first Initial is
 * usually decrypted twice (detection, then the flow's reassembly state),
 * and a long hello comes in several Initials with the same connection id:
 * one derivation (five HMAC-SHA256 runs) serves them all. Initial keys are
 * public by design (RFC 9001 5.2), so caching them exposes nothing. */
static __thread struct {
	bool valid;
	uint32_t version;
	uint8_t dcid_len;
	uint8_t dcid[PW_QUIC_CID_MAX];
	struct pw_quic_keys keys;
} last_keys;

static bool derive_initial_keys(uint32_t version, const uint8_t *dcid,
				size_t dcid_len, struct pw_quic_keys *k);

bool pw_quic_client_initial_keys(uint32_t version, const uint8_t *dcid,
				 size_t dcid_len, struct pw_quic_keys *k)
{
	if (last_keys.valid && last_keys.version == version &&
	    last_keys.dcid_len == dcid_len &&
	    !memcmp(last_keys.dcid, dcid, dcid_len)) {
		*k = last_keys.keys;
		return true;
	}
	if (!derive_initial_keys(version, dcid, dcid_len, k))
		return false;
	if (dcid_len <= sizeof(last_keys.dcid)) {
		last_keys.valid = true;
		last_keys.version = version;
		last_keys.dcid_len = (uint8_t)dcid_len;
		memcpy(last_keys.dcid, dcid, dcid_len);
		last_keys.keys = *k;
	}
	return true;
}

static bool derive_initial_keys(uint32_t version, const uint8_t *dcid,
				size_t dcid_len, struct pw_quic_keys *k)
{
	const uint8_t *salt;
	uint8_t initial[SHA256_LEN], client[SHA256_LEN];
	bool v2 = false, ok = false;

	switch (version) {
	case PW_QUIC_V1:
		salt = salt_v1;
		break;
	case PW_QUIC_V2:
		salt = salt_v2;
		v2 = true;
		break;
	case PW_QUIC_DRAFT29:
		salt = salt_draft29;
		break;
	default:
		return false;
	}
	if (!pw_quic_hkdf_extract(salt, sizeof(salt_v1), dcid, dcid_len,
				  initial))
		goto out;
	if (!pw_quic_hkdf_expand_label(initial, sizeof(initial), "client in",
				       client, sizeof(client)))
		goto out;
	if (!pw_quic_hkdf_expand_label(client, sizeof(client),
				       v2 ? "quicv2 key" : "quic key",
				       k->key, sizeof(k->key)) ||
	    !pw_quic_hkdf_expand_label(client, sizeof(client),
				       v2 ? "quicv2 iv" : "quic iv",
				       k->iv, sizeof(k->iv)) ||
	    !pw_quic_hkdf_expand_label(client, sizeof(client),
				       v2 ? "quicv2 hp" : "quic hp",
				       k->hp, sizeof(k->hp)))
		goto out;
	ok = true;
out:
	memset(initial, 0, sizeof(initial));
	memset(client, 0, sizeof(client));
	return ok;
}

bool pw_quic_hp_mask(const uint8_t hp[16], const uint8_t sample[16],
		     uint8_t mask[16])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0;
	bool ok = false;

	if (!ctx)
		return false;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, hp, NULL) != 1)
		goto out;
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	if (EVP_EncryptUpdate(ctx, mask, &len, sample, 16) != 1 || len != 16)
		goto out;
	ok = true;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

bool pw_quic_aead_open(const struct pw_quic_keys *k, uint64_t pn,
		       const uint8_t *aad, size_t aad_len, const uint8_t *ct,
		       size_t ct_len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx;
	uint8_t nonce[12], tag[PW_QUIC_TAG_LEN];
	size_t plen;
	int len = 0, i;
	bool ok = false;

	if (ct_len < PW_QUIC_TAG_LEN || ct_len > 0x7fffffff ||
	    aad_len > 0x7fffffff)
		return false;
	plen = ct_len - PW_QUIC_TAG_LEN;
	/* nonce = iv XOR packet number, left-padded (RFC 9001 5.3) */
	memcpy(nonce, k->iv, sizeof(nonce));
	for (i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	memcpy(tag, ct + plen, sizeof(tag));
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return false;
	if (EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, k->key, nonce) != 1)
		goto out;
	if (EVP_DecryptUpdate(ctx, NULL, &len, aad, (int)aad_len) != 1)
		goto out;
	if (plen && EVP_DecryptUpdate(ctx, out, &len, ct, (int)plen) != 1)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, sizeof(tag),
				tag) != 1)
		goto out;
	if (EVP_DecryptFinal_ex(ctx, out + plen, &len) != 1)
		goto out;
	ok = true;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}
