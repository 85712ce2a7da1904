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
#include <pthread.h>
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

/* The cipher is fetched once per process and each thread keeps one
 * context: creating them per call costs more than the AES block itself
 * (this runs on every unrecognised TCP payload of 64 bytes or more). */
static pthread_once_t cipher_once = PTHREAD_ONCE_INIT;
static pthread_key_t ctx_key;
static EVP_CIPHER *aes_ecb;

static void ctx_free(void *ctx)
{
	EVP_CIPHER_CTX_free(ctx);
}

static void cipher_init(void)
{
	aes_ecb = EVP_CIPHER_fetch(NULL, "AES-256-ECB", NULL);
	if (pthread_key_create(&ctx_key, ctx_free)) {
		EVP_CIPHER_free(aes_ecb);
		aes_ecb = NULL;
	}
}

static EVP_CIPHER_CTX *thread_ctx(void)
{
	EVP_CIPHER_CTX *ctx;

	if (pthread_once(&cipher_once, cipher_init) || !aes_ecb)
		return NULL;
	ctx = pthread_getspecific(ctx_key);
	if (!ctx) {
		/* Cipher set once: later calls only change the key, which
		 * is several times cheaper than a full init. */
		ctx = EVP_CIPHER_CTX_new();
		if (ctx && (EVP_EncryptInit_ex(ctx, aes_ecb, NULL, NULL,
					       NULL) != 1 ||
			    pthread_setspecific(ctx_key, ctx))) {
			EVP_CIPHER_CTX_free(ctx);
			ctx = NULL;
		}
	}
	return ctx;
}

/* AES-256 of one block: the CTR keystream block for counter iv + add. */
static bool keystream_block(const uint8_t key[32], const uint8_t iv[16],
			    unsigned add, uint8_t out[16])
{
	EVP_CIPHER_CTX *ctx = thread_ctx();
	uint8_t ctr[16];
	int len = 0;
	int i;

	if (!ctx)
		return false;
	memcpy(ctr, iv, 16);
	for (i = 15; i >= 0 && add; i--) {
		unsigned sum = ctr[i] + (add & 0xff);

		ctr[i] = (uint8_t)sum;
		add = (add >> 8) + (sum >> 8);
	}
	/* ECB encryption of one whole block: padding never holds it back */
	if (EVP_EncryptInit_ex(ctx, NULL, NULL, key, NULL) != 1)
		return false;
	return EVP_EncryptUpdate(ctx, out, &len, ctr, 16) == 1 && len == 16;
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
