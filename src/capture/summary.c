/* Per-process counters of a capture. */
#include <inttypes.h>
#include <string.h>

#include "capture/summary.h"

static struct pw_cap_proc_row *row_of(struct pw_cap_procs *t, uint32_t pid,
				      const char *comm)
{
	struct pw_cap_proc_row *r;
	unsigned i;

	/* Few processes per capture: a linear scan from the most recent. */
	for (i = t->n; i-- > 0;)
		if (t->rows[i].pid == pid)
			return &t->rows[i];
	if (t->n == PW_CAP_MAX_PROCS)
		return NULL;
	r = &t->rows[t->n++];
	memset(r, 0, sizeof(*r));
	r->pid = pid;
	if (comm)
		memcpy(r->comm, comm, sizeof(r->comm));
	r->comm[sizeof(r->comm) - 1] = 0;
	return r;
}

void pw_cap_procs_add(struct pw_cap_procs *t, const struct pw_packet *pkt)
{
	struct pw_cap_proc_row *r;
	unsigned d = pkt->dir == PW_DIR_IN;

	r = row_of(t, pkt->has_owner ? pkt->owner.pid : 0,
		   pkt->has_owner ? pkt->owner.comm : NULL);
	if (!r) {
		t->overflow++;
		return;
	}
	r->packets[d]++;
	r->bytes[d] += pkt->wirelen;
}

void pw_cap_procs_flow(struct pw_cap_procs *t, uint32_t pid)
{
	struct pw_cap_proc_row *r = row_of(t, pid, NULL);

	if (r)
		r->flows++;
}

void pw_cap_procs_print(struct pw_emit *e, const struct pw_cap_procs *t)
{
	unsigned i;

	if (!pw_emit_json(e) && t->n)
		fprintf(e->out, "%7s %-15s %6s %9s %12s %9s %12s\n", "PID",
			"COMM", "FLOWS", "PKTS_OUT", "BYTES_OUT", "PKTS_IN",
			"BYTES_IN");
	for (i = 0; i < t->n; i++) {
		const struct pw_cap_proc_row *r = &t->rows[i];

		pw_emit_begin(e);
		pw_emit_str(e, "type", NULL, "process");
		pw_emit_u64(e, "pid", "%7" PRIu64 " ", r->pid);
		pw_emit_str(e, "comm", "%-15s ", r->pid ? r->comm : NULL);
		pw_emit_u64(e, "flows", "%6" PRIu64 " ", r->flows);
		pw_emit_u64(e, "packets_out", "%9" PRIu64 " ", r->packets[0]);
		pw_emit_u64(e, "bytes_out", "%12" PRIu64 " ", r->bytes[0]);
		pw_emit_u64(e, "packets_in", "%9" PRIu64 " ", r->packets[1]);
		pw_emit_u64(e, "bytes_in", "%12" PRIu64 " ", r->bytes[1]);
		pw_emit_end(e);
	}
}
