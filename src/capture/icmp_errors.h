/* ICMP errors of the targets' flows, joined to a capture's packet stream.
 *
 * The kernel tap copies packets of target sockets only, and an ICMP error
 * belongs to no socket. The packet sockets of icmp_watch.h read every
 * ICMP error of every namespace; an error is kept when the packet it
 * quotes is of a flow in the capture's own flow table (which holds
 * exactly the targets' flows), in the namespace that flow's packets came
 * from, active within its timeout. It then goes the way of a tap packet
 * (filter, pipeline, observers, file) with the flow's owner and the
 * method ebpf-tuple: matched by endpoints, not told by the kernel.
 * Errors of other flows are counted and dropped.
 *
 * Order: errors are read before the tap's ring is drained and queued by
 * time; each tap packet first lets through the queued errors stamped
 * before it, the rest follow once the ring is empty. So an error never
 * precedes the packet it quotes (that packet was in the ring before the
 * error was even sent) and the file stays in time order. Times are put
 * on the tap's clock (boot time plus the wall clock's offset at start). */
#ifndef PW_CAPTURE_ICMP_ERRORS_H
#define PW_CAPTURE_ICMP_ERRORS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/packet.h"
#include "flow/flow.h"
#include "owner/owner.h"

struct pw_cap_icmp_stats {
	uint64_t matched;	/* errors of target flows, handed over */
	uint64_t unmatched;	/* errors of other flows, dropped */
	uint64_t lost;		/* dropped by the kernel (socket buffer) */
	uint32_t namespaces;	/* watched at the end */
};

/* Where a matched error goes: the capture's handling of a tap packet. */
typedef void (*pw_cap_icmp_deliver_fn)(const struct pw_owner_packet *p,
				       void *ctx);

struct pw_cap_icmp;

/* Starts watching every namespace visible now (see icmp_watch.h). flow
 * holds the flow table's timeouts (0: the defaults). NULL with err when
 * ICMP errors cannot be read at all (no CAP_NET_RAW). */
struct pw_cap_icmp *pw_cap_icmp_new(bool loopback, uint32_t snaplen,
				    const struct pw_flow_config *flow,
				    pw_cap_icmp_deliver_fn deliver, void *ctx,
				    struct pw_error *err);

/* Readable when errors wait. */
int pw_cap_icmp_fd(const struct pw_cap_icmp *m);

/* Reads waiting errors into the queue (bounded: the rest wait for the
 * next call). */
void pw_cap_icmp_collect(struct pw_cap_icmp *m);

/* Errors queued and stamped at or before upto_ns, oldest first: matched
 * against flows and delivered, or dropped. UINT64_MAX: all. */
void pw_cap_icmp_release(struct pw_cap_icmp *m, uint64_t upto_ns,
			 struct pw_flow_table *flows);

/* A tap packet (filtered out or not): its namespace is watched from now
 * on. */
void pw_cap_icmp_netns(struct pw_cap_icmp *m, const struct pw_owner_packet *p);

/* The first owned packet p of flow f: its owner's tid, cgroup, socket
 * cookie and namespace, which the flow does not hold, are kept until the
 * flow ends. */
void pw_cap_icmp_flow_owner(struct pw_cap_icmp *m, const struct pw_flow *f,
			    const struct pw_owner_packet *p);
void pw_cap_icmp_flow_end(struct pw_cap_icmp *m, const struct pw_flow *f);

/* Called from the capture's loop with CLOCK_MONOTONIC: rescans the
 * namespaces every few seconds. */
void pw_cap_icmp_tick(struct pw_cap_icmp *m, uint64_t mono_ns);

void pw_cap_icmp_stats(struct pw_cap_icmp *m, struct pw_cap_icmp_stats *st);
void pw_cap_icmp_free(struct pw_cap_icmp *m);

#endif
