/* TLS handshake hello parsing: ClientHello and ServerHello, from the
 * record layer (TCP) or from a bare handshake message (QUIC CRYPTO stream,
 * DTLS fragments reuse the same body parser).
 *
 * Wire format (RFC 8446 5.1, 4.1.2, 4.1.3):
 *
 *   record:    type(1)=22 version(2)=03 xx length(2) fragment...
 *   handshake: msg_type(1) length(3) body...
 *   ClientHello body: legacy_version(2) random(32) session_id<0..32>
 *              cipher_suites<2..2^16-2> compression<1..2^8-1>
 *              extensions<8..2^16-1>  (each: type(2) length(2) data)
 *   ServerHello body: legacy_version(2) random(32) session_id<0..32>
 *              cipher_suite(2) compression(1) extensions<6..2^16-1>
 *
 * A hello may span several records; the parser follows the handshake
 * message across them without copying and reports every position as an
 * offset into the caller's bytes. A prefix (first TCP segment only) is
 * parsed as far as it goes: fields seen so far are filled, status is
 * PW_TLS_PARTIAL and `need` says how many bytes the whole message takes.
 *
 * The parser is lenient where real stacks are (an over-long session id,
 * odd cipher list length) and strict about lengths that run past their
 * container, which set `malformed`. */
#ifndef PW_L7_TLS_TLS_H
#define PW_L7_TLS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PW_TLS_NONE ((size_t)-1)	/* "no such position" */

#define PW_TLS_CONTENT_HANDSHAKE 22
#define PW_TLS_HS_CLIENT_HELLO 1
#define PW_TLS_HS_SERVER_HELLO 2
#define PW_TLS_HS_HELLO_VERIFY_REQUEST 3	/* DTLS only */

/* Extension types used here (IANA TLS ExtensionType registry). */
#define PW_TLS_EXT_SERVER_NAME 0x0000
#define PW_TLS_EXT_ALPN 0x0010
#define PW_TLS_EXT_PADDING 0x0015
#define PW_TLS_EXT_SUPPORTED_VERSIONS 0x002b
#define PW_TLS_EXT_KEY_SHARE 0x0033
#define PW_TLS_EXT_ECH 0xfe0d

/* Named groups that carry a post-quantum KEM (IANA TLS Supported Groups). */
#define PW_TLS_GROUP_X25519 0x001d
#define PW_TLS_GROUP_SECP256R1MLKEM768 0x11eb
#define PW_TLS_GROUP_X25519MLKEM768 0x11ec
#define PW_TLS_GROUP_SECP384R1MLKEM1024 0x11ed
#define PW_TLS_GROUP_X25519KYBER768D00 0x6399

#define PW_TLS_MAX_EXT 64
#define PW_TLS_MAX_LIST 16
#define PW_TLS_HOST_MAX 256
#define PW_TLS_ALPN_MAX 128
/* Records (or DTLS fragments) one hello may be spread over. */
#define PW_TLS_MAX_SEGS 32

enum pw_tls_status {
	PW_TLS_OK = 0,		/* the whole hello was parsed */
	PW_TLS_PARTIAL,		/* a valid prefix: more bytes to come */
	PW_TLS_MALFORMED,	/* a hello, but lengths do not add up */
	PW_TLS_NOT_TLS,		/* not a TLS/DTLS hello at all */
};

struct pw_tls_ext {
	uint16_t type;
	uint16_t len;		/* length of the data */
	size_t off;		/* offset of the type field */
	size_t data_off;	/* offset of the first data byte */
	bool data_whole;	/* data was available in full */
};

struct pw_tls_hello {
	uint8_t hs_type;	/* PW_TLS_HS_*, 0 when not recognised */
	bool dtls;
	bool malformed;		/* some length ran past its container */
	uint16_t record_version; /* 0 for a bare handshake message */
	uint16_t legacy_version; /* client_version / server_version */
	size_t hs_off;		/* offset of the handshake msg_type byte */
	uint32_t hs_len;	/* body length from the handshake header */
	size_t need;		/* input bytes the whole message takes (a
				   lower bound while PARTIAL: later record
				   headers are not known yet) */
	size_t first_record_end; /* end of the first record's fragment */

	size_t random_off;
	size_t session_id_off;
	uint8_t session_id_len;
	size_t cookie_off;	/* DTLS ClientHello / HelloVerifyRequest */
	uint8_t cookie_len;
	size_t cipher_suites_off; /* ClientHello: the list, after its length */
	uint16_t cipher_suites_len;
	uint16_t cipher_suite;	/* ServerHello: the chosen suite */
	size_t compression_off;
	uint8_t compression_len;

	size_t extlen_off;	/* the 2-byte extensions length field */
	uint16_t extlen;
	unsigned n_ext;		/* extensions seen whole (header + data) */
	bool ext_overflow;	/* more than PW_TLS_MAX_EXT */
	struct pw_tls_ext ext[PW_TLS_MAX_EXT];

	size_t sniext_off;	/* start of the server_name extension data */
	size_t host_off;	/* first byte of the host_name */
	size_t host_end;	/* just after its last byte */
	char sni[PW_TLS_HOST_MAX]; /* lower-cased; unprintable bytes as '?' */

	char alpn[PW_TLS_ALPN_MAX]; /* "h2,http/1.1" */
	bool ech;		/* encrypted_client_hello offered */
	unsigned n_versions;	/* supported_versions (client list or the
				   server's selected one) */
	uint16_t versions[PW_TLS_MAX_LIST];
	unsigned n_groups;	/* key_share entries (client) / chosen group */
	uint16_t groups[PW_TLS_MAX_LIST];
	bool hello_retry;	/* ServerHello is a HelloRetryRequest */
};

/* Parses a hello that starts a TLS record stream at p. */
enum pw_tls_status pw_tls_parse_record(const uint8_t *p, size_t n,
				       struct pw_tls_hello *h);

/* Parses a bare handshake message at p (QUIC CRYPTO stream). */
enum pw_tls_status pw_tls_parse_handshake(const uint8_t *p, size_t n,
					  struct pw_tls_hello *h);

/* Parses a DTLS datagram whose first record carries a hello (or the first
 * fragments of one; later records of the same datagram continue it). */
enum pw_tls_status pw_dtls_parse(const uint8_t *p, size_t n,
				 struct pw_tls_hello *h);

/* How many bytes of a TLS record stream starting at p the first handshake
 * message takes (lower bound while later record headers are unseen);
 * 0 when p[0..n) is too short to tell; PW_TLS_NONE when it is not a TLS
 * handshake record. Cheap: looks at record and handshake headers only. */
size_t pw_tls_record_need(const uint8_t *p, size_t n);

/* Same for a bare handshake message (4 + body length). */
size_t pw_tls_handshake_need(const uint8_t *p, size_t n);

bool pw_tls_group_is_pq(uint16_t group);
/* Whether the hello offers (client) or chose (server) a PQ key share. */
bool pw_tls_hello_pq(const struct pw_tls_hello *h);

/* Writes "alpn=h2,http/1.1 ech pq" (ClientHello) or "tls1.3 alpn=h2"
 * (ServerHello) into buf; returns buf. */
char *pw_tls_hello_detail(const struct pw_tls_hello *h, char *buf,
			  size_t size);

#endif
