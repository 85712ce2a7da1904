/* Process attribution: which process owns each socket, flow and packet.
 *
 * An owner context runs one engine (eBPF socket hooks, or the polling
 * fallback over sock_diag and /proc) that reports socket and process
 * events. The context keeps a table of sockets (by cookie and by 5-tuple)
 * and a cache of process details, answers 5-tuple lookups, and hands every
 * event, with its owner filled in, to one callback.
 *
 * Engines sit behind a small interface (engine.h) so another platform's
 * backend slots in without touching the callers. */
#ifndef PW_OWNER_OWNER_H
#define PW_OWNER_OWNER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/packet.h"

enum pw_owner_engine_kind {
	PW_ENGINE_AUTO = 0,	/* eBPF, polling when eBPF is not built */
	PW_ENGINE_EBPF,
	PW_ENGINE_POLLING,
};

/* One endpoint pair as the owning host sees it: l = local, r = remote.
 * Addresses are 16 bytes in network order, IPv4 in the first 4 bytes. */
struct pw_owner_tuple {
	uint8_t family;		/* 4 or 6; 0 when unknown */
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t lport;
	uint16_t rport;		/* 0: not connected */
	uint8_t laddr[16];	/* all zero: any local address */
	uint8_t raddr[16];
	uint32_t netns;		/* network namespace inode; 0 = any */
};

/* Owner as a caller sees it. The strings point into the process cache
 * and stay valid until the next call into the owner context; NULL when
 * unknown (e.g. exe of a process that exited before /proc was read and
 * whose exec was not seen). */
struct pw_owner_info {
	uint32_t pid;		/* 0 when unknown */
	uint32_t tid;
	uint32_t ppid;
	uint32_t uid;
	uint64_t start_ns;	/* process start, CLOCK_BOOTTIME ns */
	uint64_t cgroup_id;
	uint8_t method;		/* enum pw_owner_method */
	char comm[PW_COMM_LEN];	/* at the time of the event */
	const char *exe;
	const char *cmdline;	/* arguments joined by spaces */
	const char *cgroup;	/* cgroup path (v2 when present) */
	const char *container;	/* container id found in the cgroup path */
};

enum pw_owner_event_kind {
	PW_OEV_OPEN = 1,
	PW_OEV_BIND,
	PW_OEV_CONNECT,
	PW_OEV_ACCEPT,
	PW_OEV_SEND,
	PW_OEV_RECV,
	PW_OEV_CLOSE,
	PW_OEV_OWNER,		/* another process took the socket over */
	PW_OEV_EXISTING, /* socket open before start (prefill, first poll) */
	PW_OEV_EXEC,
	PW_OEV_FORK,
	PW_OEV_EXIT,
};

const char *pw_owner_event_name(enum pw_owner_event_kind k);

static inline bool pw_owner_event_is_proc(enum pw_owner_event_kind k)
{
	return k >= PW_OEV_EXEC;
}

struct pw_owner_event {
	enum pw_owner_event_kind kind;
	uint64_t ts_ns;		/* wall clock, ns since the Unix epoch */
	uint64_t cookie;	/* socket cookie; 0 for process events */
	bool has_tuple;
	uint8_t tcp_state;	/* TCP state after the event, 0 if unknown */
	struct pw_owner_tuple tuple;
	struct pw_owner_info owner;
	int exit_code;		/* PW_OEV_EXIT: wait status */
};

typedef void (*pw_owner_event_fn)(const struct pw_owner_event *ev,
				  void *ctx);

/* A packet the kernel tied to its socket at packet time (eBPF engine with
 * packets on: cgroup_skb egress and ingress), owned by the socket's stored
 * owner, never by whatever task ran the softirq. */
struct pw_owner_packet {
	uint64_t ts_ns;		/* wall clock */
	uint8_t dir;		/* enum pw_dir */
	uint8_t family;		/* 4 or 6 */
	uint32_t ifindex;	/* in netns */
	uint32_t netns;		/* socket's network namespace inode; 0 unknown */
	uint32_t wirelen;	/* from the IP header on */
	uint32_t caplen;
	const uint8_t *data;	/* IP header; valid during the callback */
	struct pw_packet_owner owner;	/* method ebpf-socket, or none */
};

typedef void (*pw_owner_packet_fn)(const struct pw_owner_packet *p,
				   void *ctx);

#define PW_OWNER_OPEN_SOCKETS 262144

struct pw_owner_config {
	enum pw_owner_engine_kind engine;
	uint64_t poll_interval_ns;	/* polling engine; default 1 s */
	uint32_t max_sockets;		/* socket table cap; default 65536 */
	uint32_t max_procs;		/* process cache cap; default 8192 */
	uint64_t closed_linger_ns;	/* closed sockets stay findable; 30 s */
	uint32_t ringbuf_bytes;		/* eBPF ring buffer; default 8 MiB */
	uint32_t udp_peers;		/* eBPF UDP peer map; default 65536 */
	/* eBPF, no packet tap: open sockets whose slot in the direct-mapped
	 * array a live one holds, kept in a hash by cookie instead (beyond
	 * it they are counted as storage failures); default
	 * PW_OWNER_OPEN_SOCKETS. */
	uint32_t open_sockets;
	/* eBPF: wake the reader only when this much waits, else drain
	 * every drain_ms (0: wake per event); default 64 KiB. */
	uint32_t wakeup_bytes;
	uint32_t drain_ms;		/* default 10 */
	bool proc_events;		/* also report exec/fork/exit */
	/* Also report socket() itself. It carries no endpoints, and the
	 * owner table learns everything from the events that do, so only a
	 * consumer showing every event wants it: one ring record less per
	 * connection otherwise. */
	bool open_events;
	/* Socket events (bind, connect, accept, send, owner change, close)
	 * into the owner table; default on. A consumer that takes owners from
	 * packets (capture) turns them off and saves every process a few ring
	 * records per connection. */
	bool socket_events;
	/* Closes delivered in order with the other events (a consumer
	 * printing every event). Otherwise the eBPF engine takes them from
	 * per-CPU queues read after the ring buffer at each drain, cheaper
	 * by a ring record per socket: a close can then reach on_event a
	 * drain round after events that came later. */
	bool closes_in_order;
	bool ignore_self;		/* leave out this process's sockets */
	pw_owner_event_fn on_event;	/* may be NULL */
	void *ctx;
	/* Packets (eBPF engine only): on when on_packet is set. */
	pw_owner_packet_fn on_packet;
	/* Bytes copied per packet: 0 or above the maximum means 262144
	 * (a GSO packet can hold ~64 KiB). */
	uint32_t packet_snaplen;
	uint32_t packet_ringbuf_bytes;	/* default 8 MiB */
	bool packet_targets_only;	/* only pw_owner_packet_target()s */
	bool packet_follow;	/* processes forked by target pids too */
	bool packet_skip_loopback;	/* leave out packets on lo */
	/* A cgroup v2 directory (open descriptor, still the caller's; used
	 * only by pw_owner_start) where the packet programs attach instead
	 * of the root: they then run only for sockets made in that cgroup or
	 * below, and other processes' packets pass no program at all. 0 (the
	 * default) or less: the root, every socket of the machine. */
	int packet_cgroup_fd;
};

struct pw_owner_stats {
	uint64_t events;		/* events handed to the callback */
	uint64_t lost_events;		/* dropped in the kernel: buffer full */
	uint64_t lost_proc_events;
	uint64_t storage_failures;	/* socket storage not created */
	uint64_t owner_changes;		/* sockets used by another process */
	uint64_t late_sockets;		/* first seen at use, not creation */
	uint64_t udp_peers;		/* UDP (socket, peer) pairs reported */
	uint64_t prefilled;		/* sockets found at start */
	uint64_t sockets;		/* in the table now */
	uint64_t kernel_sockets;	/* eBPF: details held by cookie */
	uint64_t socket_evictions;	/* table full: oldest dropped */
	uint64_t procs;			/* in the cache now */
	uint64_t proc_evictions;
	uint64_t proc_misses;		/* /proc gone before it was read */
	uint64_t polls;			/* polling engine: snapshots taken */
	uint64_t packets;		/* packet records delivered */
	uint64_t packets_lost;		/* dropped: packet buffer full */
};

struct pw_owner;

void pw_owner_config_default(struct pw_owner_config *cfg);

/* Creates the context and starts the engine, prefill included: sockets
 * that exist now are reported as PW_OEV_EXISTING before this returns
 * (through the callback). Fails with a message in err; err->code is
 * -EPERM when privileges are missing and -EOPNOTSUPP when the kernel
 * lacks a needed feature. */
struct pw_owner *pw_owner_start(const struct pw_owner_config *cfg,
				struct pw_error *err);

/* Waits up to timeout_ms (-1: forever) for events and handles all that
 * are pending. Returns the number handled or a negative errno (-EINTR
 * when a signal arrived). */
int pw_owner_poll(struct pw_owner *o, int timeout_ms);

/* A file descriptor that becomes readable when events wait (for poll()
 * loops of callers); -1 when the engine has none (polling engine: call
 * pw_owner_poll at least every interval). */
int pw_owner_fd(const struct pw_owner *o);

/* Owner of a 5-tuple, in either orientation (t may name the local end as
 * l or as r). Unconnected UDP sockets and listeners match on the local
 * endpoint. When nothing matches yet, waits up to wait_ns for the engine
 * to report it (events are delivered to the callback meanwhile). Returns
 * the method (PW_OWNER_NONE when unknown) and fills out and, when not
 * NULL, the matching socket's cookie. */
enum pw_owner_method pw_owner_lookup(struct pw_owner *o,
				     const struct pw_owner_tuple *t,
				     uint64_t wait_ns,
				     struct pw_owner_info *out,
				     uint64_t *cookie);

/* Owner of a socket by cookie (packet-time join). */
enum pw_owner_method pw_owner_lookup_cookie(struct pw_owner *o,
					    uint64_t cookie,
					    struct pw_owner_info *out);

/* Fills process details (exe, cmdline, cgroup) for pid as known now;
 * false when the process is unknown and gone. */
bool pw_owner_proc(struct pw_owner *o, uint32_t pid,
		   struct pw_owner_info *out);

/* Adds (add true) or removes a process (tgid) or a cgroup v2 id whose
 * packets are reported when packet_targets_only is set. Returns 0, or
 * -EOPNOTSUPP when the engine has no packet hooks. */
int pw_owner_packet_target(struct pw_owner *o, bool cgroup, uint64_t id,
			   bool add);

/* Adds or removes a command name (comm, at most 15 bytes): processes
 * that exec a program with that name become packet targets (pids) at
 * exec, in the kernel. Running processes are not covered: add their pids.
 * Returns 0, -EINVAL (name too long) or -EOPNOTSUPP. */
int pw_owner_packet_target_name(struct pw_owner *o, const char *comm,
				bool add);

/* Detaches the engine's kernel hooks (attribution pauses; sockets made
 * meanwhile get their owner at their first use, like those from before
 * the start) or attaches them again. For measuring what the hooks cost
 * (bench/hook_ab.c). -EOPNOTSUPP for an engine without hooks. */
int pw_owner_set_hooks(struct pw_owner *o, bool attached,
		       struct pw_error *err);

const char *pw_owner_engine_name(const struct pw_owner *o);
enum pw_owner_method pw_owner_engine_method(const struct pw_owner *o);
void pw_owner_get_stats(struct pw_owner *o, struct pw_owner_stats *st);

/* Stops the engine (every kernel object goes away) and frees. */
void pw_owner_stop(struct pw_owner *o);

/* True when the eBPF engine was built in. */
bool pw_owner_ebpf_built(void);

#endif
