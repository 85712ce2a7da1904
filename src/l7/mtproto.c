/* Telegram MTProto "obfuscated2" transport: the client's first 64 bytes
 * are random-looking, but encrypted with AES-256-CTR under a key and IV
 * taken from those same bytes (key = bytes 8..39, IV = bytes 40..55).
 * Decrypted, bytes 56..59 name the inner transport:
 *   ef ef ef ef  abridged
 *   ee ee ee ee  intermediate
 *   dd dd dd dd  padded intermediate
 * and bytes 60..61 (little-endian, signed) the data centre.
 *
 * Bytes 56..63 sit in the fourth 16-byte CTR block, so one AES block
 * operation on IV+3 gives the keystream needed.
 *
 * Official clients never start with 0xef (the plain abridged marker), with
 * "HEAD"/"POST"/"GET "/"OPTI", with 0xdddddddd/0xeeeeeeee or a TLS record
 * header, nor with zeros in bytes 4..7; those are rejected before any
 * AES work. */
#include <openssl/evp.h>
#include <string.h>

#include "base/bytes.h"
#include "l7/detectors.h"
#include "l7/l7_text.h"

#define MTPROTO_INIT_LEN 64

static bool cheap_reject(const uint8_t *p)
{
	static const char *const starts[] = {
		"HEAD", "POST", "GET ", "OPTI", "\xdd\xdd\xdd\xdd",
		"\xee\xee\xee\xee", "\x16\x03\x01\x02",
	};
	size_t i;

	if (p[0] == 0xef || !(p[4] | p[5] | p[6] | p[7]))
		return true;
	/* TLS records (also what fake-TLS MTProto proxies send) */
	if (p[0] >= 0x14 && p[0] <= 0x17 && p[1] == 0x03)
		return true;
	for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		if (!memcmp(p, starts[i], 4))
			return true;
	return false;
}

/* AES-256 of one block: the CTR keystream block for counter iv + add. */
static bool keystream_block(const uint8_t key[32], const uint8_t iv[16],
			    unsigned add, uint8_t out[16])
{
	uint8_t ctr[16];
	EVP_CIPHER_CTX *ctx;
	int len = 0;
	bool ok = false;
	int i;

	memcpy(ctr, iv, 16);
	for (i = 15; i >= 0 && add; i--) {
		unsigned sum = ctr[i] + (add & 0xff);

		ctr[i] = (uint8_t)sum;
		add = (add >> 8) + (sum >> 8);
	}
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return false;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_ecb(), NULL, key, NULL) != 1)
		goto out;
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	if (EVP_EncryptUpdate(ctx, out, &len, ctr, 16) != 1 || len != 16)
		goto out;
	ok = true;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

bool pw_mtproto_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	uint8_t ks[16], tail[8];
	const char *kind;
	int i;

	if (n < MTPROTO_INIT_LEN || cheap_reject(p))
		return false;
	if (!keystream_block(p + 8, p + 40, 3, ks))
		return false;
	for (i = 0; i < 8; i++)
		tail[i] = p[56 + i] ^ ks[8 + i];
	if (!memcmp(tail, "\xef\xef\xef\xef", 4))
		kind = "abridged";
	else if (!memcmp(tail, "\xee\xee\xee\xee", 4))
		kind = "intermediate";
	else if (!memcmp(tail, "\xdd\xdd\xdd\xdd", 4))
		kind = "padded intermediate";
	else
		return false;
	res->payload = PW_PL_MTPROTO_INITIAL;
	pw_l7_appendf(res->detail, sizeof(res->detail), "%s dc %d", kind,
		      (int)(int16_t)pw_get_le16(tail + 4));
	return true;
}
