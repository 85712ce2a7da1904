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
 * and zeroes the rest.
 *
 * ICMP and ICMPv6 echo (request/reply) are flows keyed by the addresses
 * and the echo identifier, stored as both ports. Other ICMP messages are
 * not flows: errors belong to the flow they quote (see
 * pw_flow_lookup_quoted), and the remaining informational types (neighbour
 * discovery, router adverts, ...) have no conversation to track. */
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
 * or the first seq seen when the SYN was missed; a SYN+ACK seen before
 * anything from its peer also gives the peer's ISN as ack - 1). SYN and FIN
 * each occupy one unit of sequence space, as in TCP, so data after a SYN
 * starts at relative seq 1. Comparisons are serial-number arithmetic
 * (RFC 1982): they stay right across the 32-bit wrap as long as compared
 * values are less than 2 GiB apart.
 *
 * payload_bytes counts what the headers say was sent (retransmissions
 * included, snapped bytes included). A segment carrying sequence space is
 * a retransmission when it starts before uppos: wholly old data and a
 * partial overlap (old bytes re-sent together with new ones) both count.
 * RST segments take no part in seq tracking beyond rseq/pos.
 *
 * wscale is the shift the SYN of this direction offered (0xff: no SYN
 * seen or no option). win is scaled by it once scaling is in force for the
 * connection (pw_flow.wscale_ok) and never in a SYN (RFC 7323 2.2). */
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
	uint8_t syn_seen : 1;	/* a SYN was seen in this direction */
};

/* A closed or reset TCP flow superseded by a new connection on the same
 * ports ends with TIMEOUT as well (it had finished; stats.reused counts
 * these separately). */
/* Where a flow's hostname came from. A name the flow's own payload
 * carries (SNI, HTTP Host, DNS question) replaces one learned from an
 * earlier DNS answer for the server's address. */
enum pw_host_source {
	PW_HOST_NONE = 0,
	PW_HOST_PAYLOAD,	/* SNI, Host header, DNS question */
	PW_HOST_DNS_ANSWER,	/* the server address was resolved from it */
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
	uint8_t host_source;	/* enum pw_host_source */
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
	uint8_t tmo_class;	/* which LRU list (timeout class) holds it */
	uint8_t wscale_ok;	/* TCP window scaling in force (both SYNs
				   offered it, or a SYN+ACK did) */
};

/* Result of feeding one packet. */
struct pw_flow_update {
	struct pw_flow *flow;
	uint8_t dir;		/* PW_C2S or PW_S2C */
	bool created;
	bool retransmit;	/* TCP payload already seen at this position */
};

/* Timeouts are idle times: a flow ends once a packet or an expire call
 * comes more than its timeout after its last packet. The timeout in force
 * follows the TCP state: SYN_SENT/SYN_RECV use timeout_syn, ESTABLISHED
 * timeout_est, FIN_*, CLOSED and RESET timeout_fin; UDP and ICMP echo use
 * timeout_udp. 0 = default (60 s, 300 s, 60 s, 60 s).
 *
 * on_end sees every flow exactly once when it leaves the table; it may read
 * the flow but not keep the pointer, and must not call into this table
 * except pw_flow_lookup. After it returns the table calls free_l7 on a
 * non-NULL l7_state (when set) and free() on host. pw_flow_table_free calls
 * no on_end, but still free_l7 and free(host). */
struct pw_flow_config {
	uint32_t max_flows;	/* hard cap; 0 = default (1 << 20). A new
				   flow at the cap first ends the timed-out
				   flows, then evicts the least recently
				   active one. */
	uint64_t timeout_syn_ns;
	uint64_t timeout_est_ns;
	uint64_t timeout_fin_ns;
	uint64_t timeout_udp_ns;
	void (*on_end)(struct pw_flow *flow, enum pw_flow_end why, void *ctx);
	void *ctx;
	void (*free_l7)(void *l7_state);
};

struct pw_flow_stats {
	uint64_t created;
	uint64_t timed_out;
	uint64_t evicted;
	uint64_t active;
	uint64_t peak;
	uint64_t reused;	/* closed/reset flows ended by a new SYN */
	uint64_t flushed;
	uint64_t mem_bytes;	/* table, hash buckets and flow slabs */
};

struct pw_flow_table;

void pw_flow_config_default(struct pw_flow_config *cfg);
/* cfg NULL: defaults. The table copies cfg. NULL on allocation failure. */
struct pw_flow_table *pw_flow_table_new(const struct pw_flow_config *cfg);
void pw_flow_table_free(struct pw_flow_table *t);

/* Feeds one dissected packet. Returns false when the packet belongs to no
 * flow (not TCP/UDP/ICMP echo, no L4 header as in a later fragment, ICMP
 * errors and other ICMP); upd is filled otherwise. O(1) amortised.
 *
 * Client role: the sender of a SYN without ACK, of an ICMP echo request, or
 * of the first UDP packet is the client; the sender of a SYN+ACK or echo
 * reply seen first is the server. A TCP flow first seen mid-stream takes
 * its sender as the client unless the ports say otherwise: when exactly
 * one port is below 1024, that side is the server.
 *
 * A packet for a flow idle past its timeout ends that flow (TIMEOUT) and
 * starts a new one. So does a SYN without ACK on a CLOSED or RESET flow,
 * unless it repeats the client's original SYN (port reuse). */
bool pw_flow_track(struct pw_flow_table *t, const struct pw_dissect *d,
		   uint64_t ts_ns, struct pw_flow_update *upd);

/* Looks up without creating; changes nothing (a flow past its timeout
 * that no packet or expire call has ended yet is still found). */
struct pw_flow *pw_flow_lookup(struct pw_flow_table *t,
			       const struct pw_dissect *d, uint8_t *dir_out);

/* Finds the flow of the packet an ICMP error quotes (inner comes from
 * pw_dissect_icmp_quote). Quotes are often cut after 8 bytes of L4 header,
 * which is enough: the ports (or echo identifier) are read from the quoted
 * bytes even when inner->has_l4 is false. *dir_out is the direction of the
 * quoted packet, so the error itself travels the other way. */
struct pw_flow *pw_flow_lookup_quoted(struct pw_flow_table *t,
				      const struct pw_dissect *inner,
				      uint8_t *dir_out);

/* Ends flows idle past their timeout at time now_ns. Cheap to call for
 * every packet: it scans at most once per second of packet time, and
 * then only the expired flows (one LRU list per timeout class). */
void pw_flow_table_expire(struct pw_flow_table *t, uint64_t now_ns);

/* Ends every flow (reason FLUSH), least recently active first (ties in
 * creation order). */
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
