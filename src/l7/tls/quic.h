/* QUIC Initial packets: long header, Initial key derivation, header
 * protection removal, AEAD decryption, frames, and reassembly of the
 * ClientHello carried in CRYPTO frames (RFC 9000, 9001; v2 in RFC 9369).
 *
 * Long header (RFC 9000 17.2):
 *   first(1): 1 form, 1 fixed, 2 type, 2 reserved, 2 pn length (the low 4
 *             bits are under header protection)
 *   version(4) dcid_len(1) dcid(0..20) scid_len(1) scid(0..20)
 *   Initial only: token_len(varint) token
 *   length(varint: packet number + payload) packet_number(1..4) payload
 * Type bits: v1 Initial 0, 0-RTT 1, Handshake 2, Retry 3;
 *            v2 Initial 1, 0-RTT 2, Handshake 3, Retry 0 (RFC 9369 3.2).
 *
 * Everything here works on the caller's bytes and on state the caller
 * owns; nothing global is cached, so it is safe from many threads. */
#ifndef PW_L7_TLS_QUIC_H
#define PW_L7_TLS_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l7/tls/reasm.h"
#include "l7/tls/tls.h"

#define PW_QUIC_V1 0x00000001u
#define PW_QUIC_V2 0x6b3343cfu
#define PW_QUIC_DRAFT29 0xff00001du

#define PW_QUIC_CID_MAX 20
#define PW_QUIC_TAG_LEN 16
/* Client Initial datagrams are padded to at least this (RFC 9000 14.1). */
#define PW_QUIC_MIN_INITIAL 1200

enum pw_quic_ptype {
	PW_QUIC_INITIAL,
	PW_QUIC_0RTT,
	PW_QUIC_HANDSHAKE,
	PW_QUIC_RETRY,
};

struct pw_quic_keys {
	uint8_t key[16];	/* AEAD_AES_128_GCM key */
	uint8_t iv[12];
	uint8_t hp[16];		/* header protection (AES-128-ECB) */
};

struct pw_quic_long_hdr {
	uint8_t first;		/* as on the wire (still protected) */
	uint32_t version;
	enum pw_quic_ptype type;
	uint8_t dcid_len, scid_len;
	uint8_t dcid[PW_QUIC_CID_MAX];
	uint8_t scid[PW_QUIC_CID_MAX];
	size_t token_off;
	uint64_t token_len;
	size_t pn_off;		/* first byte of the packet number */
	uint64_t length;	/* packet number + payload */
	size_t packet_len;	/* whole packet, header included */
};

/* True for the versions whose Initial keys we can derive. */
bool pw_quic_version_known(uint32_t version);

/* Reads a variable-length integer (RFC 9000 16); returns its size in
 * bytes, 0 when p[0..n) is too short. */
size_t pw_quic_varint(const uint8_t *p, size_t n, uint64_t *v);

/* Parses the long header at p. Returns false when p is not a long-header
 * packet of a known version or the header is cut. For Retry and
 * unknown-length types only the common part is filled. */
bool pw_quic_parse_long_header(const uint8_t *p, size_t n,
			       struct pw_quic_long_hdr *h);

/* quic_crypto.c: client Initial keys from the client's first destination
 * connection id. Returns false on an unknown version or crypto failure. */
bool pw_quic_client_initial_keys(uint32_t version, const uint8_t *dcid,
				 size_t dcid_len, struct pw_quic_keys *k);
/* HKDF (RFC 5869) with SHA-256 and TLS 1.3's HkdfLabel (RFC 8446 7.1)
 * with an empty context. */
bool pw_quic_hkdf_extract(const uint8_t *salt, size_t salt_len,
			  const uint8_t *ikm, size_t ikm_len, uint8_t prk[32]);
bool pw_quic_hkdf_expand_label(const uint8_t *secret, size_t secret_len,
			       const char *label, uint8_t *out,
			       size_t out_len);
/* AES-128-ECB of the 16-byte sample; the first 5 bytes are the mask. */
bool pw_quic_hp_mask(const uint8_t hp[16], const uint8_t sample[16],
		     uint8_t mask[16]);
/* AES-128-GCM open of ct (tag at its end) into out (ct_len - 16 bytes). */
bool pw_quic_aead_open(const struct pw_quic_keys *k, uint64_t pn,
		       const uint8_t *aad, size_t aad_len, const uint8_t *ct,
		       size_t ct_len, uint8_t *out);

/* Removes header protection from the Initial packet at p (h from
 * pw_quic_parse_long_header) and decrypts its payload into out, which
 * must hold h->length bytes. Returns the plaintext length, or -1 when the
 * packet does not authenticate with these keys. p is not modified. */
long pw_quic_decrypt_initial(const uint8_t *p, size_t n,
			     const struct pw_quic_long_hdr *h,
			     const struct pw_quic_keys *k, uint8_t *out,
			     size_t out_size, uint64_t *pn);

/* Frames of an Initial packet payload (RFC 9000 19). CRYPTO data goes to
 * on_crypto; PADDING, PING, ACK and CONNECTION_CLOSE are skipped. Any
 * other frame type (not allowed in Initial packets) stops the walk.
 * Returns the number of CRYPTO frames, or -1 when a frame is cut or not
 * allowed. */
typedef void (*pw_quic_crypto_fn)(void *arg, uint64_t off,
				  const uint8_t *data, size_t len);
int pw_quic_parse_frames(const uint8_t *p, size_t n, pw_quic_crypto_fn fn,
			 void *arg);

/* quic_seal.c: builds a protected client Initial packet (RFC 9001 5.3,
 * 5.4; v2 type bits per RFC 9369 3.2), the inverse of
 * pw_quic_decrypt_initial. Used by tests, the benchmark generator and
 * the desync engine's fake Initials.
 *
 * The packet is: long header with the given connection ids and token,
 * a length field, the packet number in pn_len
 * bytes (its low bytes: a receiver that has seen no packet reads it as
 * is), then frames followed by PADDING (zero bytes). Padding is added so
 * that the header-protection sample (16 bytes from 4 bytes past the
 * packet number) lies inside the packet and, when min_len is set, so that
 * the packet is min_len bytes (PW_QUIC_MIN_INITIAL for a datagram
 * servers accept); the length field then may use a wider varint than
 * its value needs, which RFC 9000 16 allows. */
struct pw_quic_seal_params {
	uint32_t version;		/* PW_QUIC_V1, PW_QUIC_V2, DRAFT29 */
	const uint8_t *dcid;		/* 0..PW_QUIC_CID_MAX bytes */
	size_t dcid_len;
	const uint8_t *scid;		/* 0..PW_QUIC_CID_MAX bytes */
	size_t scid_len;
	const uint8_t *token;		/* may be NULL when token_len is 0 */
	size_t token_len;
	uint64_t pn;			/* full packet number, < 2^62 */
	unsigned pn_len;		/* 1..4 bytes on the wire; 0 means 4 */
	size_t min_len;			/* pad the packet to this; 0: none */
	/* NULL: the client Initial keys of dcid. Set it to seal a later
	 * Initial that carries the server's chosen dcid with the keys of
	 * the client's first one. */
	const struct pw_quic_keys *keys;
};

/* Seals frames[0..frames_len) into out[0..cap). Returns the packet
 * length, -EINVAL for bad parameters (unknown version, id or pn_len out
 * of range, pn too large), -ENOSPC when the packet does not fit in cap
 * (nothing useful is left in out), -EIO when the crypto library fails.
 * frames may be NULL when frames_len is 0 and must not overlap out. */
long pw_quic_seal_initial(const struct pw_quic_seal_params *prm,
			  const uint8_t *frames, size_t frames_len,
			  uint8_t *out, size_t cap);

/* Per-flow state for the client's Initial packets (any number of
 * datagrams, each with any number of coalesced packets). */
enum pw_quic_status {
	PW_QUIC_NEED_MORE,	/* an Initial was seen; the hello continues */
	PW_QUIC_HELLO,		/* the ClientHello is whole: see `hello` */
	PW_QUIC_NOT_INITIAL,	/* nothing in this datagram decrypted */
	PW_QUIC_OVERFLOW,	/* the hello is longer than the buffer */
};

struct pw_quic_state {
	bool have_keys;
	uint32_t version;
	uint8_t odcid_len;
	uint8_t odcid[PW_QUIC_CID_MAX];	/* the one the keys came from */
	struct pw_quic_keys keys;
	unsigned packets;	/* Initial packets decrypted */
	struct pw_reasm crypto;	/* CRYPTO stream of the Initial space */
	enum pw_quic_status status;
	struct pw_tls_hello hello;	/* valid when status is HELLO (or
					   partially on OVERFLOW) */
};

/* cap bounds the CRYPTO buffer (0: PW_REASM_DEFAULT_CAP). */
void pw_quic_state_init(struct pw_quic_state *s, size_t cap);
void pw_quic_state_free(struct pw_quic_state *s);
/* Feeds one client->server datagram. */
enum pw_quic_status pw_quic_feed(struct pw_quic_state *s,
				 const uint8_t *dgram, size_t n);

#endif
