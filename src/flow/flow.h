/* Flow table: both directions of a conversation mapped to one flow, with
 * per-direction counters, TCP tracking, timeouts and a hard cap.
 *
 * The table is driven by packet timestamps, not the wall clock, so reading
 * a file gives the same result as watching it live. Flows leave the table
 * through one callback (timed out, evicted, or flushed at the end), which
 * is how sinks see every flow exactly once with bounded memory. */
#ifndef PW_FLOW_FLOW_H
#define PW_FLOW_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "base/packet.h"
#include "pkt/dissect.h"

/* Canonical key: endpoint 0 is the smaller (address, port) pair, so both
 * directions hash alike. Addresses are 16 bytes; IPv4 uses the first 4
 * and zeroes the rest. */
struct pw_flow_key {
	uint8_t addr[2][16];
	uint16_t port[2];
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;		/* IPPROTO_* */
};

enum pw_tcp_state {
	PW_TCP_NONE = 0,	/* not TCP */
	PW_TCP_SYN_SENT,
	PW_TCP_SYN_RECV,
	PW_TCP_ESTABLISHED,
	PW_TCP_FIN_C2S,		/* client sent FIN */
	PW_TCP_FIN_S2C,		/* server sent FIN */
	PW_TCP_CLOSED,		/* FIN both ways */
	PW_TCP_RESET,
};
const char *pw_tcp_state_name(enum pw_tcp_state s);

enum { PW_C2S = 0, PW_S2C = 1 };

/* Per-direction counters. Sequence numbers are relative to seq0 (the ISN,
 * or the first seq seen when the SYN was missed). */
struct pw_flow_dir {
	uint64_t packets;
	uint64_t data_packets;
	uint64_t payload_bytes;
	uint64_t retransmits;
	uint32_t seq0;
	uint32_t rseq;		/* relative seq of the last packet */
	uint32_t pos;		/* rseq + payload length of the last packet */
	uint32_t uppos;		/* highest pos seen */
	uint32_t uppos_prev;	/* highest pos before the last advance */
	uint32_t win;		/* last window, scaled when scale is known */
	uint16_t mss;
	uint8_t wscale;		/* 0xff: not negotiated */
	uint8_t seq_known : 1;
	uint8_t seq_over_2g : 1; /* relative seq passed 2 GiB */
};

enum pw_flow_end {
	PW_FLOW_END_TIMEOUT,
	PW_FLOW_END_EVICTED,	/* cap reached, oldest idle flow removed */
	PW_FLOW_END_FLUSH,	/* end of input */
};

struct pw_flow {
	struct pw_flow_key key;
	uint8_t client;		/* which key endpoint (0/1) is the client */
	uint8_t tcp_state;	/* enum pw_tcp_state */
	uint8_t l7_proto;	/* enum pw_l7_proto (l7/), 0 = unknown */
	uint8_t owner_method;	/* enum pw_owner_method */
	uint32_t payload_types;	/* bitmask of enum pw_l7_payload seen */
	uint64_t first_ts, last_ts;
	uint64_t id;		/* 1-based, in order of creation */
	struct pw_flow_dir dir[2]; /* [PW_C2S], [PW_S2C] */
	uint32_t pid;		/* owner, 0 when unknown */
	char comm[PW_COMM_LEN];
	char *host;		/* hostname (SNI, Host, DNS), heap, or NULL */
	void *l7_state;		/* reassembly etc., owned by l7/ */

	/* Table internals. */
	struct pw_flow *hash_next;
	struct pw_flow *lru_prev, *lru_next;
	uint32_t hash;
};

/* Result of feeding one packet. */
struct pw_flow_update {
	struct pw_flow *flow;
	uint8_t dir;		/* PW_C2S or PW_S2C */
	bool created;
	bool retransmit;	/* TCP payload already seen at this position */
};

struct pw_flow_config {
	uint32_t max_flows;	/* hard cap; 0 = default (1 << 20) */
	uint64_t timeout_syn_ns;
	uint64_t timeout_est_ns;
	uint64_t timeout_fin_ns;
	uint64_t timeout_udp_ns;
	void (*on_end)(struct pw_flow *flow, enum pw_flow_end why, void *ctx);
	void *ctx;
};

struct pw_flow_stats {
	uint64_t created;
	uint64_t timed_out;
	uint64_t evicted;
	uint64_t active;
	uint64_t peak;
};

struct pw_flow_table;

void pw_flow_config_default(struct pw_flow_config *cfg);
struct pw_flow_table *pw_flow_table_new(const struct pw_flow_config *cfg);
void pw_flow_table_free(struct pw_flow_table *t);

/* Feeds one dissected packet (must have has_l4, or be ICMP). Returns false
 * when the packet belongs to no flow (not TCP/UDP/ICMP, fragment without
 * ports); upd is filled otherwise. */
bool pw_flow_track(struct pw_flow_table *t, const struct pw_dissect *d,
		   uint64_t ts_ns, struct pw_flow_update *upd);

/* Looks up without creating. */
struct pw_flow *pw_flow_lookup(struct pw_flow_table *t,
			       const struct pw_dissect *d, uint8_t *dir_out);

/* Ends flows idle past their timeout at time now_ns. */
void pw_flow_table_expire(struct pw_flow_table *t, uint64_t now_ns);

/* Ends every flow (reason FLUSH), oldest first. */
void pw_flow_table_flush(struct pw_flow_table *t);

void pw_flow_table_stats(const struct pw_flow_table *t,
			 struct pw_flow_stats *st);

/* Client/server endpoint helpers. */
static inline const uint8_t *pw_flow_addr(const struct pw_flow *f, int role)
{
	return f->key.addr[role == PW_C2S ? f->client : !f->client];
}

static inline uint16_t pw_flow_port(const struct pw_flow *f, int role)
{
	return f->key.port[role == PW_C2S ? f->client : !f->client];
}

#endif
