/* The core pipeline: one packet record through link parsing, dissection,
 * flow tracking and protocol detection.
 *
 * Every front-end (read, capture, audit, top) feeds packets from its source
 * here and reads flows back through the flow table's end callback, so they
 * all count, classify and label traffic the same way. */
#ifndef PW_CORE_PIPELINE_H
#define PW_CORE_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/packet.h"
#include "flow/flow.h"
#include "pkt/dissect.h"

struct pw_pipeline_config {
	struct pw_flow_config flow;
	bool detect_l7;		/* payload types, flow protocol, hostname */
	uint32_t dns_cache_size; /* addresses remembered from DNS answers to
				    name later flows; 0 = default (65536) */
	bool verify_checksums;	/* costs a pass over every payload byte */
};

struct pw_pipeline_stats {
	uint64_t packets;	/* records fed */
	uint64_t wire_bytes;
	uint64_t bad_link;	/* link header truncated or type unsupported */
	uint64_t non_ip;	/* link fine, not IPv4/IPv6 */
	uint64_t ip;		/* IP header whole */
	uint64_t malformed;	/* packets with any malformation */
	uint64_t malformed_by[PW_MAL_COUNT];
	uint64_t no_flow;	/* IP, but no flow (later fragments, other
				   protocols, ICMP quoting no known flow) */
	uint64_t icmp_errors;	/* ICMP errors quoting a tracked flow */
	uint64_t dns_named;	/* flows named from an earlier DNS answer */
};

/* What the pipeline learned about the packet last fed. */
struct pw_pipeline_result {
	bool is_ip;
	struct pw_dissect dissect;
	struct pw_flow_update flow;	/* flow == NULL when none */
	uint8_t payload_type;	/* enum pw_l7_payload */
};

struct pw_pipeline;

void pw_pipeline_config_default(struct pw_pipeline_config *cfg);
struct pw_pipeline *pw_pipeline_new(const struct pw_pipeline_config *cfg);
void pw_pipeline_free(struct pw_pipeline *pl);

/* Processes one packet; res may be NULL. */
void pw_pipeline_feed(struct pw_pipeline *pl, const struct pw_packet *pkt,
		      struct pw_pipeline_result *res);

/* Ends all remaining flows (the flow end callback sees each one). */
void pw_pipeline_finish(struct pw_pipeline *pl);

const struct pw_pipeline_stats *pw_pipeline_stats(const struct pw_pipeline *pl);
struct pw_flow_table *pw_pipeline_flows(struct pw_pipeline *pl);

#endif
