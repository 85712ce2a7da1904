/* Internals shared by the files of the flow table: key building and
 * hashing (flow_key.c), TCP tracking (flow_tcp.c) and the table itself
 * (flow_table.c). */
#ifndef PW_FLOW_FLOW_PRIV_H
#define PW_FLOW_FLOW_PRIV_H

#include <stdbool.h>
#include <stdint.h>

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

uint32_t pw_flow_key_hash(const struct pw_flow_key *k, const uint64_t *seed);
bool pw_flow_key_equal(const struct pw_flow_key *a,
		       const struct pw_flow_key *b);

/* TCP: roles and state at creation, per-packet update, port reuse. */
uint8_t pw_flow_tcp_client(const struct pw_dissect *d, uint8_t from);
void pw_flow_tcp_update(struct pw_flow *f, const struct pw_dissect *d,
			uint8_t dir, struct pw_flow_update *upd);
bool pw_flow_tcp_is_new_connection(const struct pw_flow *f,
				   const struct pw_dissect *d, uint8_t dir);
enum pw_flow_tmo_class pw_flow_tcp_tmo_class(uint8_t state);

/* Payload length to count: what the header says, or what was captured
 * when a caller did not fill the wire length. */
static inline uint32_t pw_flow_payload_len(const struct pw_dissect *d)
{
	return d->payload_wirelen > d->payload_len ? d->payload_wirelen :
						     d->payload_len;
}

#endif
