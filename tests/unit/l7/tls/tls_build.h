/* Builds TLS/DTLS hellos byte by byte for tests, and records where each
 * field was put so tests can compare the parser's offsets with the
 * builder's (and with hand-computed constants). */
#ifndef PW_TEST_TLS_BUILD_H
#define PW_TEST_TLS_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hello_spec {
	bool server;		/* ServerHello instead of ClientHello */
	bool dtls;		/* DTLS record/handshake headers, cookie */
	uint16_t record_version; /* default 0x0301 (DTLS: 0xfeff) */
	uint16_t version;	/* legacy_version, default 0x0303/0xfefd */
	uint8_t sid_len;
	uint8_t cookie_len;	/* DTLS ClientHello */
	unsigned n_ciphers;	/* default 2 */
	const char *sni;	/* NULL: no server_name extension */
	const char *alpn;	/* "h2,http/1.1" or NULL */
	bool ech;
	const uint16_t *versions;	/* supported_versions */
	unsigned n_versions;
	const uint16_t *groups;	/* key_share groups (client) / chosen */
	unsigned n_groups;
	size_t padding;		/* padding extension data length, 0 none */
	bool padding_first;	/* put padding before server_name */
	bool no_extensions;
	bool hrr_random;	/* ServerHello random of a HelloRetryRequest */
};

struct hello_layout {
	size_t len;		/* total bytes written */
	size_t hs_off;
	size_t random_off;
	size_t sid_off;
	size_t cookie_off;
	size_t ciphers_off;
	size_t extlen_off;
	size_t sniext_off;	/* data of the server_name extension */
	size_t host_off, host_end;
	unsigned n_ext;
	uint16_t ext_types[32];
	size_t ext_offs[32];
};

/* Writes one record (or DTLS record) carrying the whole hello. Returns
 * the length, 0 when cap is too small. */
size_t build_hello(const struct hello_spec *s, uint8_t *out, size_t cap,
		   struct hello_layout *lay);

/* Re-frames a single-record TLS hello (in, n) into records of at most
 * frag bytes of handshake data each. Returns the new length. */
size_t split_records(const uint8_t *in, size_t n, size_t frag, uint8_t *out,
		     size_t cap);

/* Hex to bytes; returns the byte count. */
size_t hex_decode(const char *hex, uint8_t *out, size_t cap);

/* Key share length for a group (X25519 32, X25519MLKEM768 1216, ...). */
size_t key_share_len(uint16_t group);

#endif
