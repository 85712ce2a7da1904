/* Block audit: which connections failed, and how.
 *
 * The engine watches the packets of each connection (one flow of the
 * pipeline's flow table) and, when the flow leaves the table, gives one
 * verdict for it with the evidence: the numbers and times of the packets
 * that show the failure. It keeps a small state per flow in a side table
 * keyed by flow id, freed when the flow ends, so its memory is bounded by
 * the flow table's cap.
 *
 * Use: create the engine, give the pipeline pw_audit_on_flow_end as its
 * flow end callback (ctx = the engine), and after each pw_pipeline_feed
 * call pw_audit_packet with the packet and the pipeline's result. The
 * same calls serve a capture file and a live capture.
 *
 * Signals and their defaults follow the failure detector of zapret2's
 * autohostlist (nfqws2 --hostlist-auto-*), see docs/audit.md. */
#ifndef PW_AUDIT_AUDIT_H
#define PW_AUDIT_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/packet.h"
#include "core/pipeline.h"
#include "flow/flow.h"
#include "l7/l7.h"

/* Verdicts in order of precedence when several signals hold for one
 * connection (see verdict.c); OK is none of them. */
enum pw_audit_verdict {
	PW_AUDIT_OK = 0,
	PW_AUDIT_ICMP_UNREACHABLE,
	PW_AUDIT_HTTP_REDIRECT,
	PW_AUDIT_RESET,
	PW_AUDIT_SYN_TIMEOUT,
	PW_AUDIT_TLS_CUT,
	PW_AUDIT_RETRANSMISSIONS,
	PW_AUDIT_NO_REPLY,
	PW_AUDIT_DNS_FAILURE,
	PW_AUDIT_UDP_SILENT,
	PW_AUDIT__COUNT
};

/* How far a TCP connection had come when it failed: no data either way
 * yet; a TLS ClientHello, an HTTP request or other data sent by the
 * client and no data back yet; data from the server seen. */
enum pw_audit_stage {
	PW_STAGE_NONE = 0,
	PW_STAGE_HANDSHAKE,
	PW_STAGE_AFTER_CLIENT_HELLO,
	PW_STAGE_AFTER_HTTP_REQUEST,
	PW_STAGE_AFTER_CLIENT_DATA,
	PW_STAGE_MID_TRANSFER,
	PW_STAGE__COUNT
};

const char *pw_audit_verdict_name(enum pw_audit_verdict v);
/* NULL for PW_STAGE_NONE. */
const char *pw_audit_stage_name(enum pw_audit_stage s);

/* Thresholds. Defaults (pw_audit_config_default) are zapret2's, except
 * where docs/audit.md says otherwise. */
struct pw_audit_config {
	uint32_t retrans_threshold;	/* client data retransmissions that
					   fail a connection (3) */
	uint32_t retrans_maxseq;	/* ... counted only below this client
					   relative sequence (32768) */
	uint32_t incoming_maxseq;	/* once the server's relative sequence
					   passes this, retransmissions no
					   longer count (4096) */
	uint32_t udp_out;		/* udp-silent: at least this many
					   datagrams out (4) ... */
	uint32_t udp_in;		/* ... and at most this many in (1) */
	uint32_t redirect_codes;	/* bit (code - 300) for each HTTP
					   status that counts as a redirect
					   (301, 302, 303, 307, 308) */
	uint32_t fail_threshold;	/* zapret2 lists a host after this
					   many failures (3) ... */
	uint64_t fail_time_ns;		/* ... each within this time of
					   the previous one (60 s) */
};

void pw_audit_config_default(struct pw_audit_config *cfg);

#define PW_AUDIT_EVIDENCE_MAX 8
#define PW_AUDIT_DETAIL_MAX 128

/* One verdict. src is the client, dst the server. Times are ns since the
 * Unix epoch; first_ts/last_ts span the evidence packets. */
struct pw_audit_result {
	uint64_t flow_id;
	uint8_t verdict;		/* enum pw_audit_verdict */
	uint8_t stage;			/* enum pw_audit_stage */
	uint8_t family;			/* 4 or 6 */
	uint8_t proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint64_t flow_first_ts, flow_last_ts;
	uint64_t first_ts, last_ts;
	uint32_t n_packets;
	uint64_t packets[PW_AUDIT_EVIDENCE_MAX]; /* packet numbers, rising */
	char host[PW_L7_HOST_MAX];	/* the flow's host (SNI, Host, DNS
					   question or answer) or "" */
	char detail[PW_AUDIT_DETAIL_MAX];
};

typedef void (*pw_audit_result_fn)(const struct pw_audit_result *r,
				   void *ctx);

struct pw_audit;

/* cfg NULL: defaults. NULL on allocation failure. */
struct pw_audit *pw_audit_new(const struct pw_audit_config *cfg,
			      pw_audit_result_fn on_result, void *ctx);
void pw_audit_free(struct pw_audit *a);

/* After pw_pipeline_feed(pkt, res): records what the packet shows.
 * flows is the pipeline's table, used to find the connection an ICMP
 * error quotes. */
void pw_audit_packet(struct pw_audit *a, struct pw_flow_table *flows,
		     const struct pw_packet *pkt,
		     const struct pw_pipeline_result *res);

/* The flow end callback (ctx is the struct pw_audit): gives the flow's
 * verdict to on_result and frees its state. TCP and UDP flows only; ICMP
 * echo flows end silently. */
void pw_audit_on_flow_end(struct pw_flow *flow, enum pw_flow_end why,
			  void *ctx);

/* Connections being watched now. */
uint64_t pw_audit_active(const struct pw_audit *a);

#endif
