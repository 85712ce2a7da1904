/* End-of-capture summary: packets and bytes per owning process, and the
 * flows (rows of the flow report, each with the owner of its packets). */
#ifndef PW_CAPTURE_SUMMARY_H
#define PW_CAPTURE_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "base/emit.h"
#include "base/packet.h"

#define PW_CAP_MAX_PROCS 4096

struct pw_cap_proc_row {
	uint32_t pid;
	char comm[PW_COMM_LEN];
	uint64_t packets[2];	/* [0] out, [1] in */
	uint64_t bytes[2];	/* wire bytes */
	uint32_t flows;
};

struct pw_cap_procs {
	struct pw_cap_proc_row rows[PW_CAP_MAX_PROCS];
	unsigned n;
	uint64_t overflow;	/* packets of processes beyond the table */
};

/* Counts one packet (pid 0: owner unknown). */
void pw_cap_procs_add(struct pw_cap_procs *t, const struct pw_packet *pkt);

/* Counts a flow for its owner. */
void pw_cap_procs_flow(struct pw_cap_procs *t, uint32_t pid);

/* One row (text) or JSON object per process, "type":"process". */
void pw_cap_procs_print(struct pw_emit *e, const struct pw_cap_procs *t);

#endif
