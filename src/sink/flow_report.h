/* Flow report: one row (text) or one JSON object (JSON Lines) per flow, in
 * the order flows end, plus the run's totals. The JSON fields are documented
 * in docs/read-json.md. */
#ifndef PW_SINK_FLOW_REPORT_H
#define PW_SINK_FLOW_REPORT_H

#include <stdio.h>

#include "base/emit.h"
#include "core/pipeline.h"
#include "flow/flow.h"

void pw_flow_report_header(struct pw_emit *e);
void pw_flow_report_flow(struct pw_emit *e, const struct pw_flow *flow,
			 enum pw_flow_end why);

/* Totals in text, to out (stdout after a table; stderr beside JSON). */
void pw_flow_report_totals(FILE *out, const struct pw_pipeline_stats *ps,
			   const struct pw_flow_stats *fs);

/* "10.0.0.1:80" or "[fd00::1]:443"; buf holds at least PW_ENDPOINT_MAX. */
#define PW_ENDPOINT_MAX 56
const char *pw_format_addr(char *buf, size_t len, uint8_t family,
			   const uint8_t *addr);
const char *pw_format_endpoint(char *buf, size_t len, uint8_t family,
			       const uint8_t *addr, uint16_t port);

#endif
