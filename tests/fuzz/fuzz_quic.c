/* libFuzzer harness: QUIC Initial parsing and decryption.
 *
 * Input byte 0 picks a mode:
 *   0  the rest is one raw datagram (header parsing, AEAD rejection)
 *   1  the rest is a decrypted Initial payload: frames, CRYPTO
 *      reassembly and the ClientHello parser, with no AEAD in the way
 *   2  the rest is sealed with pw_quic_seal_initial into valid Initial
 *      packets (version, packet number length, padding, output room and
 *      split point taken from the input, one packet per datagram, fed
 *      second first) so the sealer and the whole per-flow path run on
 *      fuzzer-chosen plaintext
 *   3  the rest is a list of datagrams, each prefixed by a 2-byte length,
 *      fed to one per-flow state */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* Seals pay into a buffer of exactly cap bytes (so ASan sees any write
 * past it); returns the buffer, or NULL when sealing refused. */
static uint8_t *seal(const struct pw_quic_seal_params *prm,
		     const uint8_t *pay, size_t plen, size_t cap, size_t *n)
{
	uint8_t *out = malloc(cap ? cap : 1);
	long len;

	if (!out)
		abort();
	len = pw_quic_seal_initial(prm, pay, plen, out, cap);
	if (len <= 0) {
		free(out);
		return NULL;
	}
	if ((size_t)len > cap || (size_t)len < prm->min_len)
		abort();
	*n = (size_t)len;
	return out;
}

/* p[0]: bit 0 v2, bits 1-2 pn_len - 1, bit 3 a tight output buffer;
 * p[1] the split point; p[2] min_len / 8; the rest is the plaintext. */
static void sealed(const uint8_t *p, size_t n)
{
	struct pw_quic_seal_params prm = { .dcid = dcid,
					   .dcid_len = sizeof(dcid) };
	struct pw_quic_state s;
	struct pw_l7_result res;
	uint8_t *d1, *d2;
	size_t cut, n1 = 0, n2 = 0, slack;

	if (n < 3)
		return;
	prm.version = p[0] & 1 ? PW_QUIC_V2 : PW_QUIC_V1;
	prm.pn_len = (unsigned)(p[0] >> 1 & 3) + 1;
	slack = p[0] & 8 ? 0 : 64;
	prm.min_len = (size_t)p[2] * 8;
	cut = (size_t)p[1] * 8;
	p += 3;
	n -= 3;
	if (n)
		cut %= n;
	else
		cut = 0;
	d1 = seal(&prm, p, cut, cut + prm.min_len + slack, &n1);
	prm.pn = 1;
	d2 = seal(&prm, p + cut, n - cut, n - cut + prm.min_len + slack,
		  &n2);
	pw_quic_state_init(&s, 0);
	if (d2)
		pw_quic_feed(&s, d2, n2);
	if (d1)
		pw_quic_feed(&s, d1, n1);
	pw_quic_state_free(&s);
	memset(&res, 0, sizeof(res));
	if (d1)
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
