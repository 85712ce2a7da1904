/* procwire capture: one application's packets, with the owning process on
 * every packet, into a pcapng file.
 *
 * The kernel does the selection: cgroup_skb programs copy only packets of
 * sockets whose stored owner is a target (pid, or cgroup id), so other
 * applications' traffic never reaches user space. ICMP errors, which
 * reach no socket, are read apart and kept when they quote a target's
 * flow (icmp_errors.h). */
#ifndef PW_CAPTURE_CAPTURE_H
#define PW_CAPTURE_CAPTURE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/packet.h"
#include "core/pipeline.h"

/* Batching wakeups: each one costs a sleep and a context switch (a
 * wakeup per few packets otherwise). 1 MiB is 8 ms of a 1 Gbit/s
 * stream, 1/32 of the default ring; 256 KiB woke procwire ~480 times a
 * second at 1 Gbit/s and those wakeups were a third of its CPU. Below
 * ~170 Mbit/s the 50 ms drain timer reads first. */
#define PW_CAP_DEFAULT_WAKEUP (1u << 20)

/* Exit codes beyond cmd.h's 0/1/2: the command could not be run (as a
 * shell does). */
enum {
	PW_CAP_EXIT_NOT_EXEC = 126,
	PW_CAP_EXIT_NOT_FOUND = 127,
};

/* Observers of the capture's own pipeline, so that a front-end (live
 * audit) reads the same dissection and flows instead of running a second
 * pipeline over the same packets.
 *
 * on_packet: each captured packet that passed the filter, after the
 * pipeline and before it is written: link type RAW (101), owner filled,
 * number = its frame number in the file (counting from 1 the packets given
 * to this callback when there is no file); res is the pipeline's result,
 * flows its table. on_flow_end: each flow as it leaves that table. */
typedef void (*pw_capture_packet_fn)(const struct pw_packet *pkt,
				     const struct pw_pipeline_result *res,
				     struct pw_flow_table *flows, void *ctx);
typedef void (*pw_capture_flow_end_fn)(struct pw_flow *flow,
				       enum pw_flow_end why, void *ctx);

/* Counters of a finished capture. */
struct pw_capture_stats {
	uint64_t seen;		/* records from the kernel */
	uint64_t written;	/* packets written (or given to on_packet) */
	uint64_t bytes;		/* their captured bytes */
	uint64_t kernel_drops;	/* ring buffer full */
	uint64_t user_drops;	/* not written: interface table full */
	uint64_t filtered;	/* left out by the filter expression */
	uint64_t icmp_matched;	/* ICMP errors of the targets' flows */
	uint64_t icmp_unmatched; /* ICMP errors of other flows, left out */
};

struct pw_capture_opts {
	const char *out_path;	/* "-": standard output; NULL: no file
				   (then on_packet should be set) */
	char **cmd;		/* NULL-terminated argv, or NULL */
	const uint32_t *pids;
	size_t npids;
	const char *const *names;
	size_t nnames;
	const char *const *cgroups;
	size_t ncgroups;
	bool follow;		/* children of --pid processes too */
	bool loopback;		/* keep packets on lo */
	bool headers_only;	/* cut after the L4 header */
	bool json;		/* summary as JSON Lines */
	bool quiet;		/* no summary */
	uint32_t snaplen;	/* 0: 262144 */
	uint32_t ringbuf_bytes;	/* 0: 32 MiB */
	uint32_t wakeup_bytes;	/* reader woken when this much waits (else
				   every 50 ms), or at a socket's first
				   packet; 0: per packet */
	uint64_t duration_ns;	/* 0: no limit */
	uint64_t grace_ns;	/* after the command's cgroup empties */
	const char *filter;	/* tcpdump expression, or NULL */
	pw_capture_packet_fn on_packet;	/* or NULL */
	pw_capture_flow_end_fn on_flow_end; /* or NULL */
	void *ctx;		/* for both */
	/* Flow table settings (cap, timeouts) for the pipeline, or NULL for
	 * the defaults; its end callback is the capture's own. */
	const struct pw_pipeline_config *pipeline;
	/* Output (src/capture/output.h): file format and rotation. */
	bool pcap;		/* classic pcap + FILE.flows.jsonl */
	uint64_t rotate_bytes;	/* -C; 0: none */
	uint64_t rotate_secs;	/* -G; 0: none */
	uint32_t max_files;	/* -W; 0: none */
	/* Embedding (src/capture/api.c runs the capture on its own thread).
	 * stop: the capture ends when *stop becomes true (a command gets
	 * SIGTERM and the grace period) instead of at SIGINT/SIGTERM, and no
	 * signal disposition of the process is changed; NULL: signals.
	 * err: errors are left here (the last one: the one that ended the
	 * capture) instead of printed, and the "writing to" and totals lines
	 * are not printed either; NULL: stderr. */
	const atomic_bool *stop;
	struct pw_error *err;
	void (*on_running)(void *ctx);	/* set up, about to loop; or NULL */
	struct pw_capture_stats *stats;	/* filled at the end, or NULL */
};

/* Zeroes o and sets the defaults every front-end starts from. */
void pw_capture_opts_init(struct pw_capture_opts *o);

/* Runs a capture to its end; returns the exit status (cmd.h codes, or
 * PW_CAP_EXIT_* when the command could not be started). */
int pw_capture_run(const struct pw_capture_opts *opts);

#endif
