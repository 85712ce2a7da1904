/* The engine interface: what a platform backend implements and how it
 * hands raw events to the owner context (owner.c).
 *
 * Raw events carry only what the backend itself learned (kernel fields of
 * the process at the time); the owner context adds the socket table's
 * memory (tuple of a close, listener back-fill) and the process cache's
 * details (exe, cmdline, cgroup). */
#ifndef PW_OWNER_ENGINE_H
#define PW_OWNER_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "owner/owner.h"

/* Process fields as the kernel reported them. start_ns is CLOCK_BOOTTIME
 * ns; from /proc it has clock-tick precision (see procfs.h). */
struct pw_raw_owner {
	uint32_t pid, tid, ppid, uid;
	uint64_t start_ns;
	uint64_t cgroup_id;
	char comm[PW_COMM_LEN];
};

struct pw_raw_sock_event {
	enum pw_owner_event_kind kind;
	uint64_t ts_ns;			/* wall clock */
	uint64_t cookie;
	bool has_tuple;
	bool owner_known;		/* false: back-fill from the listener */
	bool peer;			/* tuple names a datagram's peer; the
					 * socket is unconnected */
	uint8_t tcp_state;
	uint8_t method;			/* enum pw_owner_method */
	struct pw_owner_tuple tuple;
	struct pw_raw_owner owner;
};

struct pw_raw_proc_event {
	enum pw_owner_event_kind kind;	/* EXEC, FORK, EXIT */
	uint64_t ts_ns;
	struct pw_raw_owner owner;
	int exit_code;
	const char *path;		/* EXEC: file name given to execve */
	const char *args;		/* EXEC: argv, NUL-separated */
	uint32_t args_len;
};

struct pw_owner_engine_ops {
	const char *name;
	enum pw_owner_method method;	/* label of its socket events */
	/* Starts and reports existing sockets (PW_OEV_EXISTING). */
	int (*start)(struct pw_owner *o, const struct pw_owner_config *cfg,
		     void **state, struct pw_error *err);
	/* Handles pending events, waiting up to timeout_ms. */
	int (*poll)(void *state, int timeout_ms);
	int (*fd)(void *state);
	void (*stats)(void *state, struct pw_owner_stats *st);
	void (*stop)(void *state);
	/* Packet targets (NULL: no packet hooks). */
	int (*packet_target)(void *state, bool cgroup, uint64_t id, bool add);
	int (*packet_target_name)(void *state, const char *comm, bool add);
	/* Detaches the kernel hooks or attaches them again (NULL: the
	 * engine has none). */
	int (*set_hooks)(void *state, bool attached, struct pw_error *err);
};

extern const struct pw_owner_engine_ops pw_engine_ebpf_ops;
extern const struct pw_owner_engine_ops pw_engine_polling_ops;

/* Called by engines for each event. */
void pw_owner_ingest_sock(struct pw_owner *o,
			  const struct pw_raw_sock_event *ev);
void pw_owner_ingest_proc(struct pw_owner *o,
			  const struct pw_raw_proc_event *ev);
void pw_owner_ingest_packet(struct pw_owner *o,
			    const struct pw_owner_packet *p);
/* Cache hints for the socket of a coming event, in two stages a few
 * events apart (see pw_sock_table_prefetch): its cookie and, when proto
 * is not 0, the endpoints it will be indexed under. */
void pw_owner_prefetch_sock(struct pw_owner *o, uint64_t cookie,
			    uint8_t proto, uint16_t lport, uint16_t rport,
			    bool entry);

/* Wall clock minus CLOCK_BOOTTIME, for turning kernel times into dates. */
int64_t pw_owner_boot_to_wall_ns(void);

#endif
