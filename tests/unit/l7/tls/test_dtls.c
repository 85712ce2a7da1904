/* DTLS hellos: ClientHello with cookie, ServerHello, HelloVerifyRequest,
 * fragments joined across records of one datagram. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l7/detect.h"
#include "l7/tls/tls.h"
#include "tap.h"
#include "tls_build.h"

static const struct hello_spec client = {
	.dtls = true, .cookie_len = 20, .sni = "dtls.example.com",
	.alpn = "webrtc",
};

static void test_client_hello(void)
{
	uint8_t buf[2048], *copy;
	struct hello_layout lay;
	struct pw_tls_hello h;
	struct pw_l7_result res;
	size_t n = build_hello(&client, buf, sizeof(buf), &lay), k;
	bool ok = true;

	tap_ok(pw_dtls_parse(buf, n, &h) == PW_TLS_OK, "DTLS ClientHello");
	tap_eq_u64(h.record_version, 0xfeff, "record version DTLS 1.0");
	tap_eq_u64(h.legacy_version, 0xfefd, "client version DTLS 1.2");
	/* record 13 | hs 12 | version 2 | random 32 | sid 1 | cookie 1+20 */
	tap_eq_u64(h.hs_off, 13, "handshake at 13");
	tap_eq_u64(h.cookie_off, 61, "cookie at 61");
	tap_eq_u64(h.cookie_len, 20, "cookie length");
	tap_eq_u64(h.host_off, lay.host_off, "host offset");
	tap_eq_str(h.sni, "dtls.example.com", "DTLS SNI");
	memset(&res, 0, sizeof(res));
	tap_ok(pw_dtls_detect(buf, n, &res) &&
	       res.payload == PW_PL_DTLS_CLIENT_HELLO && !res.incomplete,
	       "detect dtls_client_hello");
	tap_eq_str(res.host, "dtls.example.com", "detect host");
	tap_eq_str(res.detail, "alpn=webrtc", "detect detail");
	tap_ok(!pw_tls_detect(buf, n, &res), "TLS detector says no to DTLS");

	for (k = 0; k < n; k++) {
		copy = malloc(k ? k : 1);
		memcpy(copy, buf, k);
		if (pw_dtls_parse(copy, k, &h) == PW_TLS_OK)
			ok = false;
		free(copy);
	}
	tap_ok(ok, "no prefix parses as a whole hello");
}

/* Re-frames one DTLS hello as two fragments in two records. */
static size_t fragment(const uint8_t *in, size_t n, size_t cut, uint8_t *out)
{
	size_t body = n - 25, first = cut, second = body - cut, pos = 0;

	memcpy(out, in, 25);
	out[11] = (uint8_t)((12 + first) >> 8);
	out[12] = (uint8_t)(12 + first);
	out[22] = 0; out[23] = (uint8_t)(first >> 8); out[24] = (uint8_t)first;
	memcpy(out + 25, in + 25, first);
	pos = 25 + first;
	memcpy(out + pos, in, 25);
	out[pos + 10] = 1;		/* record sequence */
	out[pos + 11] = (uint8_t)((12 + second) >> 8);
	out[pos + 12] = (uint8_t)(12 + second);
	out[pos + 19] = 0; out[pos + 20] = (uint8_t)(first >> 8);
	out[pos + 21] = (uint8_t)first;		/* fragment_offset */
	out[pos + 22] = 0; out[pos + 23] = (uint8_t)(second >> 8);
	out[pos + 24] = (uint8_t)second;
	memcpy(out + pos + 25, in + 25 + first, second);
	return pos + 25 + second;
}

static void test_fragments(void)
{
	uint8_t buf[2048], frag[4096];
	struct hello_layout lay;
	struct pw_tls_hello h;
	struct pw_l7_result res;
	size_t n = build_hello(&client, buf, sizeof(buf), &lay), m;

	/* cut inside the host name */
	m = fragment(buf, n, lay.host_off - 25 + 4, frag);
	tap_ok(pw_dtls_parse(frag, m, &h) == PW_TLS_OK,
	       "two fragments in one datagram join");
	tap_eq_str(h.sni, "dtls.example.com", "SNI across fragments");
	tap_eq_u64(h.host_end, lay.host_end + 25, "host_end mapped");
	memset(&res, 0, sizeof(res));
	tap_ok(pw_dtls_parse(frag, lay.host_off + 4, &h) == PW_TLS_PARTIAL &&
	       pw_dtls_detect(frag, lay.host_off + 4, &res) && res.incomplete,
	       "first fragment alone: partial");
	tap_ok(pw_dtls_parse(frag + lay.host_off + 4, m - lay.host_off - 4,
			     &h) == PW_TLS_NOT_TLS,
	       "second fragment alone: not a hello we can see");
}

static void test_server_side(void)
{
	/* HelloVerifyRequest: version fefd, cookie of 4 bytes */
	static const uint8_t hvr[] = {
		0x16, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x13,
		0x03, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x07, 0xfe, 0xfd, 0x04, 0xde, 0xad, 0xbe, 0xef,
	};
	struct hello_spec s = { .dtls = true, .server = true, .sid_len = 8 };
	uint8_t buf[2048];
	struct hello_layout lay;
	struct pw_tls_hello h;
	struct pw_l7_result res;
	size_t n;

	tap_ok(pw_dtls_parse(hvr, sizeof(hvr), &h) == PW_TLS_OK &&
	       h.hs_type == PW_TLS_HS_HELLO_VERIFY_REQUEST &&
	       h.cookie_off == 28 && h.cookie_len == 4,
	       "HelloVerifyRequest with its cookie");
	memset(&res, 0, sizeof(res));
	tap_ok(pw_dtls_detect(hvr, sizeof(hvr), &res) &&
	       res.payload == PW_PL_DTLS_SERVER_HELLO,
	       "HVR is dtls_server_hello");
	tap_eq_str(res.detail, "hello_verify_request", "HVR detail");
	n = build_hello(&s, buf, sizeof(buf), &lay);
	memset(&res, 0, sizeof(res));
	tap_ok(pw_dtls_detect(buf, n, &res) &&
	       res.payload == PW_PL_DTLS_SERVER_HELLO, "DTLS ServerHello");
	tap_eq_str(res.detail, "dtls1.2", "ServerHello version");
	buf[3] = 1;	/* epoch 1: encrypted, not a plaintext hello */
	tap_ok(!pw_dtls_detect(buf, n, &res), "epoch 1 is not a hello");
}

int main(void)
{
	test_client_hello();
	test_fragments();
	test_server_side();
	return tap_done();
}
