/* Records shared by the eBPF programs (bpf/owner.bpf.c) and user space
 * (engine_ebpf.c). Fixed-width types only, no pointers, explicit padding:
 * the same bytes are read on both sides of the ring buffer, the socket
 * storage map and the prefill iterator, so every size is asserted below.
 *
 * Conventions: ports are in host byte order; addresses are 16 bytes in
 * network order, IPv4 in the first 4 with the rest zero; timestamps are
 * CLOCK_BOOTTIME nanoseconds (bpf_ktime_get_boot_ns), which user space
 * turns into wall-clock time. */
#ifndef PW_OWNER_OWNER_ABI_H
#define PW_OWNER_OWNER_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PW_ABI_COMM_LEN 16
#define PW_ABI_PATH_LEN 256	/* exec file name as given to execve */
#define PW_ABI_ARGS_LEN 256	/* start of argv, NUL-separated */

/* Kinds of ring buffer records. Socket kinds carry struct pw_abi_sock_event,
 * process kinds struct pw_abi_proc_event; both start with a __u32 kind. */
enum pw_abi_kind {
	PW_ABI_OPEN = 1,	/* socket() of an inet TCP/UDP socket */
	PW_ABI_BIND,		/* bind(), local endpoint known */
	PW_ABI_CONNECT,		/* TCP established actively / UDP connect */
	PW_ABI_ACCEPT,		/* TCP established passively (listener owner) */
	PW_ABI_SEND,		/* first send on the socket, or new UDP peer */
	PW_ABI_RECV,		/* unconnected UDP datagram from a new peer */
	PW_ABI_CLOSE,		/* last close of the socket */
	PW_ABI_OWNER,		/* another process used the socket first */
	PW_ABI_PREFILL,		/* socket found by the iterator at start */
	PW_ABI_EXEC = 16,
	PW_ABI_FORK,
	PW_ABI_EXIT,
	PW_ABI_PACKET = 32,	/* struct pw_abi_pkt_event, own ring buffer */
};

/* Flags in struct pw_abi_sk_info and in events. */
enum pw_abi_flags {
	PW_ABI_F_SENT = 1 << 0,		/* first send already reported */
	PW_ABI_F_LISTENER = 1 << 1,	/* owner copied from the listener */
	PW_ABI_F_PREFILL = 1 << 2,	/* owner set by the start-up iterator */
	PW_ABI_F_LATE = 1 << 3,		/* storage created after socket() */
	PW_ABI_F_CONNECTED = 1 << 4,	/* connect event reported */
	PW_ABI_F_ARGS_TRUNC = 1 << 5,	/* exec args longer than the record */
	PW_ABI_F_PEER = 1 << 6,		/* daddr/dport: a datagram's peer, the
					 * socket itself is unconnected */
	PW_ABI_F_PKT_SEEN = 1 << 7,	/* the tap copied a packet of it */
	PW_ABI_F_ACCEPT_DUE = 1 << 8,	/* accepted, not yet reported: its
					 * first user (or its leaving
					 * ESTABLISHED) reports it */
	PW_ABI_F_CLOSE_DUE = 1 << 9,	/* released before that: the close
					 * follows the accept */
};

/* Process fields the kernel knows; filled from the current task (process
 * context only) or from an explicit task (iterator, fork). start_ns is the
 * thread group leader's start_boottime: with pid it names one process even
 * when the pid is reused (/proc/PID/stat field 22 is the same value in
 * clock ticks). cgroup_id is the cgroup v2 id (1 = root). */
struct pw_abi_owner {
	__u32 pid;		/* thread group id */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u64 cgroup_id;
	__u64 start_ns;
	char comm[PW_ABI_COMM_LEN];
};

/* Value of the per-socket storage map (BPF_F_CLONE: accepted sockets start
 * with the listener's copy). */
struct pw_abi_sk_info {
	struct pw_abi_owner owner;
	__u32 netns;		/* network namespace inode */
	__u32 flags;		/* enum pw_abi_flags */
};

/* Capture targets' bitmaps (owner.bpf.c, target_pid_bits): a pid's or
 * cgroup id's word and bit, the same in the kernel and user space. */
#define PW_ABI_TARGET_BITS 4096
#define PW_ABI_TARGET_WORDS (PW_ABI_TARGET_BITS / 64)
#define PW_ABI_TARGET_WORD(id) (((id) / 64) % PW_ABI_TARGET_WORDS)
#define PW_ABI_TARGET_BIT(id) (1ull << ((id) % 64))

/* A slot of the direct-mapped socket array (owner.bpf.c, sk_slots): cookie
 * 0 is free. One cache line. */
#define PW_ABI_SK_SLOTS 65536
struct pw_abi_sk_slot {
	__u64 cookie;
	struct pw_abi_sk_info info;
};

struct pw_abi_sock_event {
	__u32 kind;		/* enum pw_abi_kind */
	__u32 flags;		/* enum pw_abi_flags */
	__u64 ts_ns;
	__u64 cookie;		/* socket cookie: the join key */
	__u32 netns;
	__u8 family;		/* AF_INET or AF_INET6 */
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 state;		/* TCP state (TCP_ESTABLISHED...) or 0 */
	__u8 pad0;
	__u16 sport;		/* local port */
	__u16 dport;		/* remote port */
	__u32 pad1;
	__u8 saddr[16];		/* local address */
	__u8 daddr[16];		/* remote address */
	struct pw_abi_owner owner;
};

struct pw_abi_proc_event {
	__u32 kind;
	__u32 flags;
	__u64 ts_ns;
	struct pw_abi_owner owner;
	__u32 exit_code;	/* PW_ABI_EXIT: wait status */
	__u16 path_len;		/* bytes in path, without the NUL */
	__u16 args_len;		/* bytes in args */
	char path[PW_ABI_PATH_LEN];
	char args[PW_ABI_ARGS_LEN];
};

/* A packet of a socket the kernel knew, from cgroup_skb (egress: the
 * sending socket; ingress: the receiving one, after its lookup), with the
 * owner stored on that socket: never the task that happens to run the
 * softirq. data starts at the IP header; caplen bytes are valid. Records
 * are variable-sized: this header, then the packet data in a size class
 * (the ring buffer reserves constant sizes), caplen <= record size minus
 * the header. A GSO packet is seen once, before segmentation, so wirelen
 * can exceed the MTU (~64 KiB, more with BIG TCP). */
#define PW_ABI_PKT_SNAP 256		/* headers-only copy */
#define PW_ABI_PKT_SNAP_MAX 262144	/* largest copy (tcpdump's default) */
enum pw_abi_pkt_flags {
	PW_ABI_PKT_EGRESS = 1 << 0,
	PW_ABI_PKT_INGRESS = 1 << 1,
	PW_ABI_PKT_NO_OWNER = 1 << 2,	/* socket without stored owner */
};

struct pw_abi_pkt_event {
	__u32 kind;		/* PW_ABI_PACKET */
	__u32 flags;		/* enum pw_abi_pkt_flags */
	__u64 ts_ns;
	__u64 cookie;
	__u32 wirelen;		/* skb->len: IP header to the end */
	__u32 caplen;
	__u32 ifindex;		/* in the socket's network namespace */
	__u32 family;		/* AF_INET or AF_INET6 (from skb->protocol) */
	__u32 netns;		/* the socket's netns inode; 0 unknown */
	__u32 pad;
	struct pw_abi_owner owner;
	__u8 data[];
};

/* Per-CPU counters, summed by user space. */
enum pw_abi_counter {
	PW_CNT_RB_LOST_SOCK,	/* socket event dropped: ring buffer full */
	PW_CNT_RB_LOST_PROC,	/* process event dropped: ring buffer full */
	PW_CNT_STORAGE_FAIL,	/* socket storage could not be created */
	PW_CNT_OWNER_CHANGE,	/* socket used by another process */
	PW_CNT_PEER_NEW,	/* new UDP (socket, peer) pairs recorded */
	PW_CNT_LATE_STORAGE,	/* storage created after socket() */
	PW_CNT_PKT_LOST, /* packet record dropped: its ring buffer full */
	PW_CNT_PKT_SENT,	/* packet records written */
	PW_CNT_SK_ADD,		/* details by cookie: entries added */
	PW_CNT_SK_DROP,		/* details by cookie: entries removed */
	PW_CNT_MAX,
};

/* Closes, one queue per CPU, when no consumer needs them in order with
 * the other events (the owner table): a close is two stores and an
 * atomic add here instead of a ring buffer record (lock, wakeup check,
 * 128 bytes: ~0.5 us, twice per connection). The kernel reserves slots
 * by adding to head and fills them, cookie last; user space reads slots
 * with a cookie from tail on, clears them and advances tail; a slot with
 * cookie 0 below head is still being written. An array map mapped into
 * user space, element i for CPU i. */
#define PW_ABI_CLOSEQ_SLOTS 2048	/* power of two */
struct pw_abi_close_slot {
	__u64 cookie;
	__u64 ts_ns;
};

struct pw_abi_closeq {
	__u64 head;		/* written by the kernel */
	__u64 pad0[7];		/* head and tail on their own cache lines */
	__u64 tail;		/* written by user space */
	__u64 pad1[7];
	struct pw_abi_close_slot slot[PW_ABI_CLOSEQ_SLOTS];
};

/* Key of the LRU map that reports each unconnected UDP peer once. */
struct pw_abi_peer_key {
	__u64 cookie;
	__u8 addr[16];
	__u16 port;
	__u8 dir;		/* 0 send, 1 receive */
	__u8 pad[5];
};

_Static_assert(sizeof(struct pw_abi_owner) == 48, "owner record size");
_Static_assert(sizeof(struct pw_abi_sk_info) == 56, "sk info size");
_Static_assert(sizeof(struct pw_abi_sock_event) == 120, "sock event size");
_Static_assert(sizeof(struct pw_abi_sk_slot) == 64, "socket slot size");
_Static_assert(sizeof(struct pw_abi_proc_event) == 584, "proc event size");
_Static_assert(sizeof(struct pw_abi_peer_key) == 32, "peer key size");
_Static_assert(sizeof(struct pw_abi_closeq) ==
	       128 + 16 * PW_ABI_CLOSEQ_SLOTS, "close queue size");
_Static_assert(sizeof(struct pw_abi_pkt_event) == 96, "packet event size");

#endif
