/* Internals shared by the files of the flow table: key building and
 * hashing (flow_key.c), TCP tracking (flow_tcp.c) and the table itself
 * (flow_table.c). */
#ifndef PW_FLOW_FLOW_PRIV_H
#define PW_FLOW_FLOW_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "flow/flow.h"

/* A flow's memory budget without L7 buffers is 512 bytes including its
 * share of the hash buckets (8 to 16 bytes at load factor 1/2..1). */
_Static_assert(sizeof(struct pw_flow) <= 448, "struct pw_flow grew too big");

/* Timeout classes, one LRU list each: within a list every flow has the
 * same timeout, so the list is ordered by expiry time too and expiry can
 * stop at the first flow that is still alive. */
enum pw_flow_tmo_class {
	PW_TMO_SYN,
	PW_TMO_EST,
	PW_TMO_FIN,
	PW_TMO_UDP,
	PW_TMO__COUNT,
};

/* ICMP echo direction of a packet, when it is one. */
enum pw_flow_icmp_kind {
	PW_ICMP_NONE = 0,
	PW_ICMP_ECHO_REQUEST,
	PW_ICMP_ECHO_REPLY,
};

/* What the table needs from one packet: its canonical key, which key
 * endpoint sent it, and its hash. */
struct pw_flow_pkt {
	struct pw_flow_key key;
	uint8_t from;		/* key endpoint (0/1) of the sender */
	uint8_t icmp;		/* enum pw_flow_icmp_kind */
	uint32_t hash;
};

/* Builds the key of a dissected packet. quoted: the packet comes from an
 * ICMP error quote, so ports may be read from a cut L4 header. Returns
 * false when the packet belongs to no flow. */
bool pw_flow_pkt_from_dissect(const struct pw_dissect *d, bool quoted,
			      struct pw_flow_pkt *pk);

/* Folded 64x64->128 multiply: the mixing step of wyhash-like hashes. With
 * secret per-table seeds an attacker who cannot see the seed cannot aim
 * flows at one bucket. */
static inline uint64_t pw_flow_fold_mul(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
	unsigned __int128 p = (unsigned __int128)a * b;

	return (uint64_t)p ^ (uint64_t)(p >> 64);
#else
	uint64_t h = a * (b | 1);

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
#endif
}

/* The key as five words: four of addresses, then ports, family and proto
 * zero-padded. */
static inline void pw_flow_key_words(const struct pw_flow_key *k,
				     uint64_t w[5])
{
	_Static_assert(sizeof(*k) == 38, "flow key layout");
	w[4] = 0;
	memcpy(w, k, sizeof(*k));
}

/* seed holds 6 words. */
static inline uint32_t pw_flow_key_hash(const struct pw_flow_key *k,
					const uint64_t *seed)
{
	uint64_t w[5], h;

	pw_flow_key_words(k, w);
	h = pw_flow_fold_mul(w[0] ^ seed[0], w[1] ^ seed[1]);
	h ^= pw_flow_fold_mul(w[2] ^ seed[2], w[3] ^ seed[3]);
	h = pw_flow_fold_mul(h ^ seed[4], w[4] ^ seed[5]);
	return (uint32_t)(h ^ (h >> 32));
}

static inline bool pw_flow_key_equal(const struct pw_flow_key *a,
				     const struct pw_flow_key *b)
{
	uint64_t x[5], y[5];

	pw_flow_key_words(a, x);
	pw_flow_key_words(b, y);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) |
		(x[3] ^ y[3]) | (x[4] ^ y[4])) == 0;
}

/* TCP: roles and state at creation, per-packet update, port reuse. */
uint8_t pw_flow_tcp_client(const struct pw_dissect *d, uint8_t from);
void pw_flow_tcp_update(struct pw_flow *f, const struct pw_dissect *d,
			uint8_t dir, struct pw_flow_update *upd);
bool pw_flow_tcp_is_new_connection(const struct pw_flow *f,
				   const struct pw_dissect *d, uint8_t dir);

static inline enum pw_flow_tmo_class pw_flow_tcp_tmo_class(uint8_t state)
{
	switch (state) {
	case PW_TCP_SYN_SENT:
	case PW_TCP_SYN_RECV:
		return PW_TMO_SYN;
	case PW_TCP_FIN_C2S:
	case PW_TCP_FIN_S2C:
	case PW_TCP_CLOSED:
	case PW_TCP_RESET:
		return PW_TMO_FIN;
	default:
		return PW_TMO_EST;
	}
}

/* Payload length to count: what the header says, or what was captured
 * when a caller did not fill the wire length. */
static inline uint32_t pw_flow_payload_len(const struct pw_dissect *d)
{
	return d->payload_wirelen > d->payload_len ? d->payload_wirelen :
						     d->payload_len;
}

#endif
