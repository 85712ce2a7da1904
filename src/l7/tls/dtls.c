/* DTLS 1.0/1.2 hellos (and a DTLS 1.3 ClientHello, which travels in a
 * DTLSPlaintext record too).
 *
 *   record (RFC 6347 4.1): type(1)=22 version(2)=fe ff|fd epoch(2)=0
 *                          sequence(6) length(2) fragment...
 *   handshake (4.2.2):     msg_type(1) length(3) message_seq(2)
 *                          fragment_offset(3) fragment_length(3) body...
 *
 * The ClientHello body adds a cookie<0..255> after the session id; a
 * HelloVerifyRequest (type 3) is server_version(2) cookie<0..255>.
 * Fragments of the same message that follow in the same datagram, in
 * order, are joined; a message whose first fragment is not here is not a
 * hello we can see. */
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "l7/detect.h"
#include "l7/tls/tls_priv.h"

#define DTLS_RECORD_HDR 13
#define DTLS_HS_HDR 12

static bool dtls_version_ok(uint8_t major, uint8_t minor)
{
	return major == 0xfe && (minor == 0xff || minor == 0xfd ||
				 minor == 0xfc);
}

static uint32_t get_be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* Adds the fragments of the message that starts the datagram to v.
 * Returns false when the datagram does not start with a hello. */
static bool collect_fragments(const uint8_t *p, size_t n,
			      struct pw_tls_view *v, struct pw_tls_hello *h)
{
	size_t r = 0;
	uint16_t msg_seq = 0;
	uint32_t have = 0;	/* body bytes joined so far */

	while (n - r >= DTLS_RECORD_HDR) {
		const uint8_t *rec = p + r;
		size_t rlen = pw_get_be16(rec + 11);
		size_t avail = pw_tls_min(rlen, n - r - DTLS_RECORD_HDR);
		const uint8_t *hs = rec + DTLS_RECORD_HDR;
		uint32_t len, foff, flen;

		if (rec[0] != PW_TLS_CONTENT_HANDSHAKE ||
		    !dtls_version_ok(rec[1], rec[2]) || pw_get_be16(rec + 3))
			break;	/* not a plaintext handshake record */
		if (avail < DTLS_HS_HDR)
			break;
		len = get_be24(hs + 1);
		foff = get_be24(hs + 6);
		flen = get_be24(hs + 9);
		if (!r) {
			if (hs[0] != PW_TLS_HS_CLIENT_HELLO &&
			    hs[0] != PW_TLS_HS_SERVER_HELLO &&
			    hs[0] != PW_TLS_HS_HELLO_VERIFY_REQUEST)
				return false;
			if (foff)
				return false;
			h->hs_type = hs[0];
			h->hs_len = len;
			h->record_version = pw_get_be16(rec + 1);
			h->hs_off = DTLS_RECORD_HDR;
			h->first_record_end = DTLS_RECORD_HDR + rlen;
			msg_seq = pw_get_be16(hs + 4);
		} else if (hs[0] != h->hs_type || len != h->hs_len ||
			   pw_get_be16(hs + 4) != msg_seq || foff != have) {
			break;	/* another message, or out of order */
		}
		if (flen > len - foff || flen > rlen - DTLS_HS_HDR) {
			h->malformed = true;
			flen = (uint32_t)pw_tls_min(len - foff,
						    rlen - DTLS_HS_HDR);
		}
		flen = (uint32_t)pw_tls_min(flen, avail - DTLS_HS_HDR);
		if (!r)
			pw_tls_view_add(v, DTLS_RECORD_HDR,
					DTLS_HS_HDR + (size_t)flen);
		else if (!pw_tls_view_add(v, r + DTLS_RECORD_HDR + DTLS_HS_HDR,
					  flen))
			break;
		have += flen;
		if (have >= len || avail < rlen)
			break;	/* whole, or the datagram ends here */
		r += DTLS_RECORD_HDR + rlen;
	}
	return h->hs_type != 0;
}

enum pw_tls_status pw_dtls_parse(const uint8_t *p, size_t n,
				 struct pw_tls_hello *h)
{
	struct pw_tls_view v;
	uint8_t major, minor;

	pw_tls_hello_reset(h);
	h->dtls = true;
	memset(&v, 0, sizeof(v));
	v.base = p;
	if (n < DTLS_RECORD_HDR + DTLS_HS_HDR + 2)
		return PW_TLS_NOT_TLS;
	if (!collect_fragments(p, n, &v, h))
		return PW_TLS_NOT_TLS;
	major = p[DTLS_RECORD_HDR + DTLS_HS_HDR];
	minor = p[DTLS_RECORD_HDR + DTLS_HS_HDR + 1];
	if (!dtls_version_ok(major, minor)) {
		h->hs_type = 0;
		return PW_TLS_NOT_TLS;
	}
	h->need = v.len >= DTLS_HS_HDR + (size_t)h->hs_len
		  ? pw_tls_view_phys(&v, v.len - 1) + 1
		  : n + (DTLS_HS_HDR + (size_t)h->hs_len - v.len);
	return pw_tls_parse_view(&v, DTLS_HS_HDR, h);
}

bool pw_dtls_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	struct pw_tls_hello h;
	enum pw_tls_status st;

	st = pw_dtls_parse(p, n, &h);
	if (st == PW_TLS_NOT_TLS)
		return false;
	res->payload = h.hs_type == PW_TLS_HS_CLIENT_HELLO
		       ? PW_PL_DTLS_CLIENT_HELLO : PW_PL_DTLS_SERVER_HELLO;
	res->proto = PW_L7_DTLS;
	res->incomplete = st == PW_TLS_PARTIAL;
	if (h.host_off != PW_TLS_NONE)
		snprintf(res->host, sizeof(res->host), "%s", h.sni);
	pw_tls_hello_detail(&h, res->detail, sizeof(res->detail));
	return true;
}
