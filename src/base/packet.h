/* The packet record: what every source produces and every sink reads.
 *
 * A source owns the bytes; a record is valid until the source's next call.
 * Sinks that keep bytes longer copy them. */
#ifndef PW_BASE_PACKET_H
#define PW_BASE_PACKET_H

#include <stdint.h>

/* Values match the pcapng epb_flags direction bits (RFC draft, 4.3.1). */
enum pw_dir {
	PW_DIR_UNKNOWN = 0,
	PW_DIR_IN = 1,
	PW_DIR_OUT = 2,
};

/* How the owner of a packet or flow was learned: the confidence label. */
enum pw_owner_method {
	PW_OWNER_NONE = 0,
	PW_OWNER_EBPF_SOCKET,	/* kernel told us the socket at packet time */
	PW_OWNER_EBPF_TUPLE,	/* 5-tuple lookup against eBPF socket events */
	PW_OWNER_PREFILL,	/* socket existed before start, found by iterator */
	PW_OWNER_POLLING,	/* sock_diag + /proc snapshot: may miss short flows */
	PW_OWNER_FILE,		/* read back from a capture file's annotations */
};

const char *pw_owner_method_name(enum pw_owner_method m);

#define PW_COMM_LEN 16

/* Owner as known at packet time. Richer process details (exe, cmdline,
 * cgroup path) live in the owner table, keyed by pid and start time. */
struct pw_packet_owner {
	uint32_t pid;
	uint32_t tid;
	uint64_t cookie;	/* kernel socket cookie, 0 if unknown */
	uint64_t cgroup_id;
	uint8_t method;		/* enum pw_owner_method */
	char comm[PW_COMM_LEN];
};

struct pw_packet {
	uint64_t ts_ns;		/* nanoseconds since the Unix epoch */
	const uint8_t *data;	/* starts at the link-layer header */
	uint32_t caplen;	/* bytes available at data */
	uint32_t wirelen;	/* bytes the packet had on the wire */
	uint32_t ifindex;	/* interface id within the source */
	uint16_t linktype;	/* LINKTYPE_* of that interface */
	uint8_t dir;		/* enum pw_dir */
	uint8_t has_owner;
	uint64_t number;	/* 1-based ordinal within the source */
	uint64_t offset;	/* file offset of the record, for error reports */
	struct pw_packet_owner owner;
	const char *comment;	/* NUL-terminated, or NULL */
};

#endif
