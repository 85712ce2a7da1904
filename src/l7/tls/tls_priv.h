/* Internals shared by the TLS, DTLS and QUIC parsers.
 *
 * A hello may be cut into several records (TLS) or fragments (DTLS). A
 * view lists where each piece of the handshake message lies in the
 * caller's buffer, so the body parser reads the message as if contiguous
 * ("logical" offsets) and reports "physical" offsets into the buffer. */
#ifndef PW_L7_TLS_PRIV_H
#define PW_L7_TLS_PRIV_H

#include "l7/tls/tls.h"

struct pw_tls_seg {
	size_t phys;		/* where the piece starts in base */
	size_t log;		/* its logical offset in the message */
	size_t len;		/* bytes available */
};

struct pw_tls_view {
	const uint8_t *base;
	size_t len;		/* logical bytes available in total */
	unsigned nseg;
	struct pw_tls_seg seg[PW_TLS_MAX_SEGS];
};

static inline size_t pw_tls_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Adds a piece; false when the view is full. */
bool pw_tls_view_add(struct pw_tls_view *v, size_t phys, size_t len);
/* Physical offset of logical byte i (i < v->len). */
size_t pw_tls_view_phys(const struct pw_tls_view *v, size_t i);
uint8_t pw_tls_view_u8(const struct pw_tls_view *v, size_t i);

/* Parses the handshake message whose header (4 bytes TLS, 12 bytes DTLS)
 * starts at logical 0 of v; hdr_len says which. Fills h (offsets are
 * physical) and returns OK, PARTIAL or MALFORMED. h->hs_type must be set
 * by the caller. */
enum pw_tls_status pw_tls_parse_view(const struct pw_tls_view *v,
				     size_t hdr_len, struct pw_tls_hello *h);

void pw_tls_hello_reset(struct pw_tls_hello *h);

#endif
