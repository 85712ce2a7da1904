// SPDX-License-Identifier: GPL-2.0-or-later
/* Socket ownership in the kernel.
 *
 * The owner (process fields of the task that created, bound, connected or
 * used a socket) is kept in per-socket storage keyed by the socket itself,
 * and every change is reported through one ring buffer with the socket
 * cookie, the join key every other hook (sockops, cgroup_skb, tc) sees too.
 *
 * Where the owner comes from, by hook:
 *   cgroup/sock_create        socket(): current task (process context)
 *   cgroup/post_bind4/6       bind(): current task, local endpoint
 *   cgroup/connect4/6         connect(): current task
 *   cgroup/sendmsg4/6         unconnected UDP sendto(): current task, peer
 *   cgroup/recvmsg4/6         unconnected UDP recvfrom(): current task, peer
 *   tp_btf/sock_send_length   every send: the first user, or a new user
 *   tp_btf/sock_recv_length   every receive: same (accepted sockets)
 *   tp_btf/inet_sock_set_state  TCP established: no current task here
 *                             (softirq); the stored owner is reported.
 *                             An accepted socket is reported by its first
 *                             user instead (one record with the process
 *                             that accepted it, not the listener's owner
 *                             then a change), or, never used, when it
 *                             leaves ESTABLISHED, with the listener's
 *                             owner (storage cloned from the listener)
 *   cgroup/sock_release       last close
 *   iter/task_file            sockets that existed before start
 * "Current task" is only read in hooks that run in the syscall of the
 * process using the socket; packet-time hooks read the storage. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "owner/owner_abi.h"

#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define PF_KTHREAD 0x00200000
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3

char LICENSE[] SEC("license") = "GPL";

/* Our own process: its sockets are not reported. */
const volatile __u32 self_pid = 0;

/* Wake the reader only when this many bytes wait (0: on every record).
 * A wakeup per record costs the watched workload a context switch and an
 * IPI each; the reader also drains on a short timer, so batching only
 * delays events by up to that timer. */
const volatile __u32 wakeup_bytes = 0;

/* socket() is reported only when asked: the storage written there is what
 * the other hooks need, and the record would carry no endpoints. */
const volatile __u8 report_open = 0;

/* Socket events (bind, connect, accept, first send, owner change, close)
 * feed user space's owner table. A capture reads each packet's owner from
 * the socket storage instead and turns them off: the storage is still
 * kept, the records are not, and the hooks that only report (set_state,
 * sock_release, UDP sendmsg/recvmsg) are then not loaded at all. */
const volatile __u8 report_sockets = 1;

/* Closes go to the per-CPU close queues (struct pw_abi_closeq) instead of
 * the ring buffer: set when no consumer needs them in order with the
 * other events. */
const volatile __u8 close_queue = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);		/* one per possible CPU, set at load */
	__type(key, __u32);
	__type(value, struct pw_abi_closeq);
} closeq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct pw_abi_sk_info);
} sk_info SEC(".maps");

/* Where a socket's details live. In socket storage when the packet taps
 * run: they read it for every packet with one load. Otherwise (the owner
 * table, `procwire events`) by cookie in maps of our own: storage costs
 * every socket two allocations with their memory accounting and two frees
 * deferred through RCU, ~1.5 us per socket and the largest part of what
 * attribution cost per connection.
 *
 * By cookie means first a direct-mapped array, slot = cookie modulo its
 * size: the kernel hands out cookies in sequence (per-CPU runs), so new
 * sockets take neighbouring slots, a slot is claimed with one
 * compare-and-swap and freed with another, and a lookup is an inlined
 * index. A slot still held by a live older socket (one that outlived
 * PW_ABI_SK_SLOTS newer ones) sends the new socket to the hash, which
 * costs a lock, an allocation and cache misses across its buckets.
 * Entries go when the socket is released, or when one nobody holds (an
 * accepted socket never accept()ed) reaches CLOSE. An accepted socket
 * then starts without the listener's owner: its first user names it, or
 * user space takes the listener's. */
const volatile __u8 info_by_cookie = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);		/* PW_ABI_SK_SLOTS when used */
	__type(key, __u32);
	__type(value, struct pw_abi_sk_slot);
} sk_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);		/* set at load when used */
	__type(key, __u64);		/* socket cookie */
	__type(value, struct pw_abi_sk_info);
} sk_hash SEC(".maps");

/* Entries in sk_hash: while none, a socket missing from its slot is
 * known absent without a hash lookup. */
__u64 sk_hash_entries;

/* Size set by user space before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PW_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* (socket, peer) pairs of unconnected UDP already reported. LRU: entries of
 * closed sockets age out; size set by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct pw_abi_peer_key);
	__type(value, __u64);
} udp_peers SEC(".maps");

/* Packet-time owner (for capture). Off unless user space enables the
 * cgroup_skb programs; then every packet of an inet socket passes there,
 * and those of the target processes or cgroups (or all, without targets)
 * are copied with their socket's owner into the packets ring buffer.
 * Declared before the socket hooks, which give storage only to targets'
 * sockets when filtering, and the process hooks, which extend the targets
 * in the kernel (a forked child, an exec'd name) before the new process
 * can send anything. */
const volatile __u8 pkt_filter = 0;	/* 1: only targets */
const volatile __u8 pkt_follow = 0;	/* 1: children of target pids too */
const volatile __u8 pkt_skip_lo = 0;	/* 1: leave out loopback (ifindex 1) */
const volatile __u32 pkt_snaplen = PW_ABI_PKT_SNAP_MAX;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} packets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);		/* tgid */
	__type(value, __u8);
} target_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);		/* cgroup v2 id */
	__type(value, __u8);
} target_cgroups SEC(".maps");

/* One bit per pid and per cgroup id, by their low bits, set for every
 * target (never cleared): a clear bit answers "not a target" with one
 * load, where the hash lookups cost every other process ~100 ns at each
 * socket, send and receive while a capture runs. User space sets the
 * bits of the targets it adds; the process hooks those they add. */
__u64 target_pid_bits[PW_ABI_TARGET_WORDS];
__u64 target_cgroup_bits[PW_ABI_TARGET_WORDS];

static __always_inline bool maybe_target(const __u64 *bits, __u64 id)
{
	return bits[PW_ABI_TARGET_WORD(id)] & PW_ABI_TARGET_BIT(id);
}

static __always_inline bool is_target_pid(__u32 tgid)
{
	return maybe_target(target_pid_bits, tgid) &&
	       bpf_map_lookup_elem(&target_pids, &tgid);
}

static __always_inline bool is_target_cgroup(__u64 cg)
{
	return maybe_target(target_cgroup_bits, cg) &&
	       bpf_map_lookup_elem(&target_cgroups, &cg);
}

static __always_inline void add_target_pid(__u32 tgid)
{
	__u8 one = 1;

	bpf_map_update_elem(&target_pids, &tgid, &one, BPF_ANY);
	__sync_fetch_and_or(&target_pid_bits[PW_ABI_TARGET_WORD(tgid)],
			    PW_ABI_TARGET_BIT(tgid));
}

/* Command names (comm, NUL-padded) whose processes become targets at
 * exec. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, char[PW_ABI_COMM_LEN]);
	__type(value, __u8);
} target_comms SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		(*v)++;
}

/* Bytes each CPU put in each ring (enum ring) since it last woke the
 * reader. Counting them here, rather than asking the ring how much waits
 * (bpf_ringbuf_query), saves a helper call per record and a read of the
 * positions the reader keeps writing from another CPU. Up to ncpus *
 * wakeup_bytes can then wait for a wakeup, far below a ring's size, and
 * the drain timer reads them anyway. A task preempted between the load
 * and the store here can make a CPU's count a record off, no more. */
enum ring { RING_EVENTS, RING_PACKETS, RING_COUNT };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RING_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} unwoken SEC(".maps");

static __always_inline __u64 wakeup_flags(__u32 ring, __u32 bytes)
{
	__u64 *n;

	if (!wakeup_bytes)
		return 0;
	n = bpf_map_lookup_elem(&unwoken, &ring);
	if (!n)
		return 0;
	*n += bytes;
	if (*n < wakeup_bytes)
		return BPF_RB_NO_WAKEUP;
	*n = 0;
	return BPF_RB_FORCE_WAKEUP;
}

static __always_inline struct pw_abi_sk_slot *slot_of(__u64 cookie)
{
	__u32 i = (__u32)cookie & (PW_ABI_SK_SLOTS - 1);

	return bpf_map_lookup_elem(&sk_slots, &i);
}

static __always_inline struct pw_abi_sk_info *by_cookie_get(__u64 cookie)
{
	struct pw_abi_sk_slot *s = slot_of(cookie);

	if (s && s->cookie == cookie)
		return &s->info;
	if (!*(volatile __u64 *)&sk_hash_entries)
		return NULL;
	return bpf_map_lookup_elem(&sk_hash, &cookie);
}

/* For a socket not yet in either map: its slot when free, else the hash. */
static __always_inline struct pw_abi_sk_info *by_cookie_new(__u64 cookie)
{
	struct pw_abi_sk_slot *s = slot_of(cookie);
	struct pw_abi_sk_info zero = {};

	if (s && __sync_val_compare_and_swap(&s->cookie, 0, cookie) == 0) {
		__builtin_memset(&s->info, 0, sizeof(s->info));
		count(PW_CNT_SK_ADD);
		return &s->info;
	}
	/* Fails when present (then found below) or full. */
	if (!bpf_map_update_elem(&sk_hash, &cookie, &zero, BPF_NOEXIST)) {
		__sync_fetch_and_add(&sk_hash_entries, 1);
		count(PW_CNT_SK_ADD);
	}
	return bpf_map_lookup_elem(&sk_hash, &cookie);
}

/* Both the release and the last state change may drop a socket, on two
 * CPUs at once: the exchange and the delete let one of them count it. */
static __always_inline void by_cookie_drop(__u64 cookie)
{
	struct pw_abi_sk_slot *s = slot_of(cookie);

	if (s && s->cookie == cookie) {
		if (__sync_val_compare_and_swap(&s->cookie, cookie, 0) ==
		    cookie)
			count(PW_CNT_SK_DROP);
		return;
	}
	if (*(volatile __u64 *)&sk_hash_entries &&
	    !bpf_map_delete_elem(&sk_hash, &cookie)) {
		__sync_fetch_and_sub(&sk_hash_entries, 1);
		count(PW_CNT_SK_DROP);
	}
}

/* A socket's details, or NULL. sk is what the program type's storage
 * helper takes, cookie its socket cookie. */
static __always_inline struct pw_abi_sk_info *info_get(void *sk, __u64 cookie)
{
	if (info_by_cookie)
		return by_cookie_get(cookie);
	return bpf_sk_storage_get(&sk_info, sk, 0, 0);
}

/* Details, zeroed, for a socket that has none (info_get said so, or it
 * is being created); NULL when full. */
static __always_inline struct pw_abi_sk_info *info_new(void *sk, __u64 cookie)
{
	if (info_by_cookie)
		return by_cookie_new(cookie);
	return bpf_sk_storage_get(&sk_info, sk, 0,
				  BPF_SK_STORAGE_GET_F_CREATE);
}

/* The socket is gone for us (storage goes with the socket itself). */
static __always_inline void info_drop(__u64 cookie)
{
	if (info_by_cookie)
		by_cookie_drop(cookie);
}

/* A kernel pointer as an untrusted typed one: loads through it are plain
 * loads the JIT guards with an exception-table entry (a fault reads 0),
 * where each BPF_CORE_READ step is a helper call into
 * copy_from_kernel_nofault (25-50 ns here, with return thunks on every
 * call under SRSO mitigation). The verifier tracks no lifetime for it;
 * trusted pointers loaded from current through every hook took start-up
 * from 80 to 135 ms. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

static __always_inline struct task_struct *untrusted_task(void *t)
{
	return bpf_rdonly_cast(t, bpf_core_type_id_kernel(struct task_struct));
}

static __always_inline struct task_struct *current_untrusted(void)
{
	return untrusted_task(bpf_get_current_task_btf());
}

/* The cookie the kernel keeps in a socket once it made one (on the first
 * request: our sock_create hook, for every socket since we started), read
 * with one load where the helper is a call; 0: not made yet. sk is any
 * pointer to the kernel's struct sock: a tracing program's argument, a
 * cgroup sock program's context (which is the socket), a sock_addr
 * program's ctx->sk. The cast costs nothing: the verifier turns it into a
 * move. */
static __always_inline __u64 kept_cookie(const void *sk)
{
	const struct sock *k = bpf_rdonly_cast(sk,
					       bpf_core_type_id_kernel(struct sock));

	return (__u64)k->__sk_common.skc_cookie.counter;
}

/* A socket's cookie: the one kept in it, else made now by the helper (ctx:
 * what the program type's helper takes, its context or, tracing, sk). Runs
 * on every send and receive. */
#define socket_cookie(sk, ctx) ({				\
	__u64 c_ = kept_cookie(sk);				\
								\
	c_ ? c_ : bpf_get_socket_cookie(ctx);			\
})

/* The cgroup v2 id bpf_get_current_cgroup_id gives, for task t. */
static __always_inline __u64 task_cgroup_id(struct task_struct *t)
{
	return t->cgroups->dfl_cgrp->kn->id;
}

/* The owner fields of task t (from untrusted_task, or current_untrusted:
 * each program asks once), its own fields and those it points to read
 * with plain loads, where the pid, uid and cgroup helpers or probe reads
 * would each be a call. For the current task this runs twice per
 * connection (socket created, accepted socket first used): a process's
 * first thread is its group leader, whose start time is its own. */
static __always_inline void owner_of(struct task_struct *t,
				     struct pw_abi_owner *o)
{
	o->pid = t->tgid;
	o->tid = t->pid;
	o->uid = t->cred->uid.val;
	o->cgroup_id = task_cgroup_id(t);
	o->ppid = t->real_parent->tgid;
	if (o->pid == o->tid)
		o->start_ns = t->start_boottime;
	else
		o->start_ns = t->group_leader->start_boottime;
	/* May tear against a concurrent rename, as the helper's copy may;
	 * user space terminates it. */
	__builtin_memcpy(o->comm, t->comm, sizeof(o->comm));
}

static __always_inline __u32 current_netns(struct task_struct *t)
{
	return t->nsproxy->net_ns->ns.inum;
}

static __always_inline bool current_is_self_or_kthread(struct task_struct *t)
{
	if (self_pid && t->tgid == self_pid)
		return true;
	return t->flags & PF_KTHREAD;
}

/* With a target filter (capture), only the targets' sockets get storage:
 * the packet tap skips sockets without it, so other processes pay two map
 * lookups per socket instead of an allocation. */
static __always_inline bool current_wants_storage(struct task_struct *t)
{
	if (!pkt_filter)
		return true;
	if (is_target_pid(t->tgid))
		return true;
	return is_target_cgroup(task_cgroup_id(t));
}

static __always_inline bool inet_tcp_udp(__u32 family, __u32 type,
					 __u32 proto)
{
	if (family != AF_INET && family != AF_INET6)
		return false;
	return (type == SOCK_STREAM && proto == IPPROTO_TCP) ||
	       (type == SOCK_DGRAM && proto == IPPROTO_UDP);
}

static __always_inline void submit(void *e, __u32 bytes)
{
	bpf_ringbuf_submit(e, wakeup_flags(RING_EVENTS, bytes));
}

static __always_inline struct pw_abi_sock_event *reserve_sock(__u32 kind)
{
	struct pw_abi_sock_event *e;

	if (!report_sockets && kind != PW_ABI_OPEN)
		return NULL;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(PW_CNT_RB_LOST_SOCK);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->ts_ns = bpf_ktime_get_boot_ns();
	return e;
}

static __always_inline void copy_info(struct pw_abi_sock_event *e,
				      const struct pw_abi_sk_info *info)
{
	e->owner = info->owner;
	e->netns = info->netns;
	e->flags = info->flags;
}

/* Endpoints of a kernel socket (tracing and iterator programs, where sk
 * is a BTF pointer read with direct loads). */
static __always_inline void tuple_from_sk(struct pw_abi_sock_event *e,
					  const struct sock *sk)
{
	const struct sock_common *c = &sk->__sk_common;
	__u32 a;

	e->family = c->skc_family;
	e->proto = sk->sk_protocol;
	e->state = c->skc_state;
	e->sport = c->skc_num;
	e->dport = bpf_ntohs(c->skc_dport);
	if (e->family == AF_INET) {
		a = c->skc_rcv_saddr; __builtin_memcpy(e->saddr, &a, 4);
		a = c->skc_daddr; __builtin_memcpy(e->daddr, &a, 4);
	} else {
		a = c->skc_v6_rcv_saddr.in6_u.u6_addr32[0];
		__builtin_memcpy(e->saddr, &a, 4);
		a = c->skc_v6_rcv_saddr.in6_u.u6_addr32[1];
		__builtin_memcpy(e->saddr + 4, &a, 4);
		a = c->skc_v6_rcv_saddr.in6_u.u6_addr32[2];
		__builtin_memcpy(e->saddr + 8, &a, 4);
		a = c->skc_v6_rcv_saddr.in6_u.u6_addr32[3];
		__builtin_memcpy(e->saddr + 12, &a, 4);
		a = c->skc_v6_daddr.in6_u.u6_addr32[0];
		__builtin_memcpy(e->daddr, &a, 4);
		a = c->skc_v6_daddr.in6_u.u6_addr32[1];
		__builtin_memcpy(e->daddr + 4, &a, 4);
		a = c->skc_v6_daddr.in6_u.u6_addr32[2];
		__builtin_memcpy(e->daddr + 8, &a, 4);
		a = c->skc_v6_daddr.in6_u.u6_addr32[3];
		__builtin_memcpy(e->daddr + 12, &a, 4);
	}
}

/* Endpoints of a socket as the cgroup hooks see it (struct bpf_sock). */
static __always_inline void tuple_from_bpf_sock(struct pw_abi_sock_event *e,
						struct bpf_sock *sk)
{
	e->family = sk->family;
	e->proto = sk->protocol;
	e->state = sk->state;
	e->sport = sk->src_port;
	e->dport = bpf_ntohs(sk->dst_port);
	if (e->family == AF_INET) {
		__u32 s = sk->src_ip4, d = sk->dst_ip4;

		__builtin_memcpy(e->saddr, &s, 4);
		__builtin_memcpy(e->daddr, &d, 4);
	} else {
		__u32 a;

		a = sk->src_ip6[0]; __builtin_memcpy(e->saddr, &a, 4);
		a = sk->src_ip6[1]; __builtin_memcpy(e->saddr + 4, &a, 4);
		a = sk->src_ip6[2]; __builtin_memcpy(e->saddr + 8, &a, 4);
		a = sk->src_ip6[3]; __builtin_memcpy(e->saddr + 12, &a, 4);
		a = sk->dst_ip6[0]; __builtin_memcpy(e->daddr, &a, 4);
		a = sk->dst_ip6[1]; __builtin_memcpy(e->daddr + 4, &a, 4);
		a = sk->dst_ip6[2]; __builtin_memcpy(e->daddr + 8, &a, 4);
		a = sk->dst_ip6[3]; __builtin_memcpy(e->daddr + 12, &a, 4);
	}
}

/* Storage of a socket in a process-context hook, created with the current
 * task as owner when missing (socket made before we started, or accepted
 * without a listener owner). */
static __always_inline struct pw_abi_sk_info *
info_current(struct task_struct *t, void *sk, __u64 cookie, bool *created)
{
	struct pw_abi_sk_info *info;

	*created = false;
	info = info_get(sk, cookie);
	if (info || !current_wants_storage(t))
		return info;
	info = info_new(sk, cookie);
	if (!info) {
		count(PW_CNT_STORAGE_FAIL);
		return NULL;
	}
	owner_of(t, &info->owner);
	info->netns = current_netns(t);
	info->flags = PW_ABI_F_LATE;
	*created = true;
	return info;
}

SEC("cgroup/sock_create")
int pw_sock_create(struct bpf_sock *ctx)
{
	struct task_struct *t;
	struct pw_abi_sk_info *info;
	struct pw_abi_sock_event *e;
	__u64 cookie;

	if (!inet_tcp_udp(ctx->family, ctx->type, ctx->protocol))
		return 1;
	t = current_untrusted();
	if (current_is_self_or_kthread(t) || !current_wants_storage(t))
		return 1;
	cookie = bpf_get_socket_cookie(ctx);
	info = info_new(ctx, cookie);
	if (!info) {
		count(PW_CNT_STORAGE_FAIL);
		return 1;
	}
	owner_of(t, &info->owner);
	info->netns = current_netns(t);
	info->flags = 0;
	if (!report_open)
		return 1;
	e = reserve_sock(PW_ABI_OPEN);
	if (!e)
		return 1;
	copy_info(e, info);
	e->cookie = cookie;
	e->family = ctx->family;
	e->proto = ctx->protocol;
	submit(e, sizeof(*e));
	return 1;
}

static __always_inline void post_bind(struct bpf_sock *ctx, bool v6)
{
	struct task_struct *t;
	struct pw_abi_sk_info *info;
	struct pw_abi_sock_event *e;
	__u64 cookie;
	bool created;

	if (!inet_tcp_udp(ctx->family, ctx->type, ctx->protocol))
		return;
	t = current_untrusted();
	if (current_is_self_or_kthread(t))
		return;
	cookie = socket_cookie(ctx, ctx);
	info = info_current(t, ctx, cookie, &created);
	if (!info)
		return;
	if (!created && info->owner.pid != t->tgid) {
		owner_of(t, &info->owner);
		info->flags &= ~PW_ABI_F_PREFILL;
	}
	e = reserve_sock(PW_ABI_BIND);
	if (!e)
		return;
	copy_info(e, info);
	e->cookie = cookie;
	e->family = ctx->family;
	e->proto = ctx->protocol;
	e->sport = ctx->src_port;
	if (!v6) {
		__u32 s = ctx->src_ip4;

		__builtin_memcpy(e->saddr, &s, 4);
	} else {
		__u32 a;

		a = ctx->src_ip6[0]; __builtin_memcpy(e->saddr, &a, 4);
		a = ctx->src_ip6[1]; __builtin_memcpy(e->saddr + 4, &a, 4);
		a = ctx->src_ip6[2]; __builtin_memcpy(e->saddr + 8, &a, 4);
		a = ctx->src_ip6[3]; __builtin_memcpy(e->saddr + 12, &a, 4);
	}
	submit(e, sizeof(*e));
}

SEC("cgroup/post_bind4")
int pw_post_bind4(struct bpf_sock *ctx)
{
	post_bind(ctx, false);
	return 1;
}

SEC("cgroup/post_bind6")
int pw_post_bind6(struct bpf_sock *ctx)
{
	post_bind(ctx, true);
	return 1;
}

/* connect(): the caller becomes the owner. TCP reports the connection
 * when it leaves SYN_SENT (the local port is chosen after this hook);
 * connected UDP reports it at its first send. */
static __always_inline void on_connect(struct bpf_sock_addr *ctx)
{
	struct task_struct *t;
	struct pw_abi_sk_info *info;
	struct bpf_sock *sk = ctx->sk;
	bool created;
	__u64 cookie;

	if (!sk || !inet_tcp_udp(sk->family, sk->type, sk->protocol))
		return;
	t = current_untrusted();
	if (current_is_self_or_kthread(t))
		return;
	cookie = socket_cookie(sk, ctx);
	info = info_current(t, sk, cookie, &created);
	if (!info)
		return;
	/* The creator connecting (the usual case) changes nothing. */
	if (!created && info->owner.pid != t->tgid) {
		owner_of(t, &info->owner);
		info->flags &= ~PW_ABI_F_PREFILL;
	}
	info->flags &= ~(PW_ABI_F_LISTENER | PW_ABI_F_SENT |
			 PW_ABI_F_CONNECTED);
}

SEC("cgroup/connect4")
int pw_connect4(struct bpf_sock_addr *ctx)
{
	on_connect(ctx);
	return 1;
}

SEC("cgroup/connect6")
int pw_connect6(struct bpf_sock_addr *ctx)
{
	on_connect(ctx);
	return 1;
}

/* Unconnected UDP: each new (socket, peer, direction) is reported once,
 * owned by the task in the syscall. */
static __always_inline void udp_peer(struct bpf_sock_addr *ctx, bool v6,
				     __u8 dir)
{
	struct task_struct *t;
	struct pw_abi_peer_key key = {};
	struct pw_abi_sk_info *info;
	struct pw_abi_sock_event *e;
	struct bpf_sock *sk = ctx->sk;
	bool created;
	__u64 now;

	if (!sk || sk->protocol != IPPROTO_UDP)
		return;
	t = current_untrusted();
	if (current_is_self_or_kthread(t))
		return;
	key.cookie = socket_cookie(sk, ctx);
	key.port = bpf_ntohs(ctx->user_port);
	key.dir = dir;
	if (!v6) {
		__u32 a = ctx->user_ip4;

		__builtin_memcpy(key.addr, &a, 4);
	} else {
		__u32 a;

		a = ctx->user_ip6[0]; __builtin_memcpy(key.addr, &a, 4);
		a = ctx->user_ip6[1]; __builtin_memcpy(key.addr + 4, &a, 4);
		a = ctx->user_ip6[2]; __builtin_memcpy(key.addr + 8, &a, 4);
		a = ctx->user_ip6[3]; __builtin_memcpy(key.addr + 12, &a, 4);
	}
	if (bpf_map_lookup_elem(&udp_peers, &key))
		return;
	now = bpf_ktime_get_boot_ns();
	bpf_map_update_elem(&udp_peers, &key, &now, BPF_ANY);
	count(PW_CNT_PEER_NEW);
	info = info_current(t, sk, key.cookie, &created);
	if (!info)
		return;
	e = reserve_sock(dir ? PW_ABI_RECV : PW_ABI_SEND);
	if (!e)
		return;
	copy_info(e, info);
	owner_of(t, &e->owner);
	e->cookie = key.cookie;
	tuple_from_bpf_sock(e, sk);
	e->dport = key.port;
	__builtin_memcpy(e->daddr, key.addr, 16);
	e->flags |= PW_ABI_F_PEER;
	submit(e, sizeof(*e));
}

SEC("cgroup/sendmsg4")
int pw_sendmsg4(struct bpf_sock_addr *ctx)
{
	udp_peer(ctx, false, 0);
	return 1;
}

SEC("cgroup/sendmsg6")
int pw_sendmsg6(struct bpf_sock_addr *ctx)
{
	udp_peer(ctx, true, 0);
	return 1;
}

SEC("cgroup/recvmsg4")
int pw_recvmsg4(struct bpf_sock_addr *ctx)
{
	udp_peer(ctx, false, 1);
	return 1;
}

SEC("cgroup/recvmsg6")
int pw_recvmsg6(struct bpf_sock_addr *ctx)
{
	udp_peer(ctx, true, 1);
	return 1;
}

/* Queues a close on this CPU's close queue; false when full (user space
 * behind), and the caller sends a ring record instead. Programs run with
 * migration off, but a task may be preempted between the check and the
 * reservation: the check leaves room for such tasks. */
static __always_inline bool closeq_put(__u64 cookie)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct pw_abi_close_slot *s;
	struct pw_abi_closeq *q;
	__u64 idx;

	q = bpf_map_lookup_elem(&closeq, &cpu);
	if (!q)
		return false;
	if (q->head - *(volatile __u64 *)&q->tail >= PW_ABI_CLOSEQ_SLOTS - 64)
		return false;
	idx = __sync_fetch_and_add(&q->head, 1);
	s = &q->slot[idx & (PW_ABI_CLOSEQ_SLOTS - 1)];
	s->ts_ns = bpf_ktime_get_boot_ns();
	/* An exchange orders the time before the cookie that publishes
	 * the slot. */
	__sync_lock_test_and_set(&s->cookie, cookie);
	return true;
}

/* A socket's close: queued when the queues are on, else a ring record. */
static __always_inline void report_close(const struct pw_abi_sk_info *info,
					 __u64 cookie, __u8 family, __u8 proto)
{
	struct pw_abi_sock_event *e;

	if (close_queue && closeq_put(cookie))
		return;
	e = reserve_sock(PW_ABI_CLOSE);
	if (!e)
		return;
	copy_info(e, info);
	e->cookie = cookie;
	e->family = family;
	e->proto = proto;
	submit(e, sizeof(*e));
}

SEC("cgroup/sock_release")
int pw_sock_release(struct bpf_sock *ctx)
{
	struct pw_abi_sk_info *info;
	__u64 cookie;

	if (!inet_tcp_udp(ctx->family, ctx->type, ctx->protocol))
		return 1;
	cookie = socket_cookie(ctx, ctx);
	info = info_get(ctx, cookie);
	if (!info)
		return 1;
	/* Released before its accept was reported (the state change that
	 * reports it comes after this hook, in the protocol's close): the
	 * close is reported after it. */
	if (info->flags & PW_ABI_F_ACCEPT_DUE) {
		info->flags |= PW_ABI_F_CLOSE_DUE;
		return 1;
	}
	/* The endpoints are not readable here; user space joins the close
	 * to the socket's earlier events by cookie. */
	report_close(info, cookie, ctx->family, ctx->protocol);
	info_drop(cookie);
	return 1;
}

/* Every send and receive, in the syscall of the process doing it: the
 * first use of an accepted or inherited socket names its real owner. */
static __always_inline void on_use(struct sock *sk, bool send)
{
	struct task_struct *t;
	struct pw_abi_sk_info *info;
	struct pw_abi_sock_event *e;
	__u16 family, proto;
	__u32 pid, kind = 0;
	__u64 cookie;
	bool created;

	family = sk->__sk_common.skc_family;
	if (family != AF_INET && family != AF_INET6)
		return;
	proto = sk->sk_protocol;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return;
	t = current_untrusted();
	if (current_is_self_or_kthread(t))
		return;
	cookie = socket_cookie(sk, sk);
	info = info_current(t, sk, cookie, &created);
	if (!info)
		return;
	pid = t->tgid;
	if (created) {
		count(PW_CNT_LATE_STORAGE);
		kind = PW_ABI_OWNER;
	} else if (info->flags & PW_ABI_F_ACCEPT_DUE) {
		/* The first use of an accepted socket: the process using it
		 * is the one that accepted it (or was handed it). */
		if (info->owner.pid != pid)
			owner_of(t, &info->owner);
		info->flags &= ~(PW_ABI_F_ACCEPT_DUE | PW_ABI_F_LISTENER);
		kind = PW_ABI_ACCEPT;
	} else if (info->owner.pid != pid) {
		owner_of(t, &info->owner);
		info->flags &= ~PW_ABI_F_LISTENER;
		count(PW_CNT_OWNER_CHANGE);
		kind = PW_ABI_OWNER;
	} else if (info->flags & PW_ABI_F_LISTENER) {
		info->flags &= ~PW_ABI_F_LISTENER;
	}
	/* The first send names a socket whose endpoints no event carried
	 * yet (connected UDP; TCP already reported connect or accept). */
	if (send && !(info->flags & (PW_ABI_F_SENT | PW_ABI_F_CONNECTED)) &&
	    sk->__sk_common.skc_dport) {
		info->flags |= PW_ABI_F_SENT;
		if (!kind)
			kind = PW_ABI_SEND;
	}
	if (!kind)
		return;
	e = reserve_sock(kind);
	if (!e)
		return;
	copy_info(e, info);
	e->cookie = cookie;
	tuple_from_sk(e, sk);
	submit(e, sizeof(*e));
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(pw_sock_send, struct sock *sk, int ret, int flags)
{
	on_use(sk, true);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(pw_sock_recv, struct sock *sk, int ret, int flags)
{
	on_use(sk, false);
	return 0;
}

/* An accepted socket never used leaves ESTABLISHED: its accept, with the
 * listener's owner, then its close if it was released already. */
static __always_inline void accept_due(struct sock *sk, __u64 cookie,
				       struct pw_abi_sk_info *info,
				       int newstate)
{
	struct pw_abi_sock_event *e;

	info->flags &= ~PW_ABI_F_ACCEPT_DUE;
	e = reserve_sock(PW_ABI_ACCEPT);
	if (e) {
		copy_info(e, info);
		e->cookie = cookie;
		tuple_from_sk(e, sk);
		e->state = newstate;
		submit(e, sizeof(*e));
	}
	if (info->flags & PW_ABI_F_CLOSE_DUE) {
		report_close(info, cookie, sk->__sk_common.skc_family,
			     IPPROTO_TCP);
		info_drop(cookie);
	}
}

/* TCP leaving SYN_SENT (connect done or failed) or SYN_RECV (accepted),
 * and an accepted socket not yet reported leaving ESTABLISHED. Runs in
 * softirq: the owner comes from storage, never from current. */
static __always_inline void state_change(struct sock *sk, __u64 cookie,
					 int oldstate, int newstate)
{
	struct pw_abi_sk_info *info;
	struct pw_abi_sock_event *e;

	info = info_get(sk, cookie);
	if (oldstate == TCP_ESTABLISHED) {
		if (info && (info->flags & PW_ABI_F_ACCEPT_DUE))
			accept_due(sk, cookie, info, newstate);
		return;
	}
	if (oldstate == TCP_SYN_RECV) {
		if (newstate != TCP_ESTABLISHED)
			return;
		/* Kept by cookie, an accepted socket starts here, its owner
		 * unknown until its first user. */
		if (!info && info_by_cookie) {
			info = info_new(sk, cookie);
			if (info)
				info->netns =
					sk->__sk_common.skc_net.net->ns.inum;
		}
		if (info) {
			/* Reported by its first user (on_use). */
			info->flags |= PW_ABI_F_LISTENER | PW_ABI_F_CONNECTED |
				       PW_ABI_F_ACCEPT_DUE;
			info->flags &= ~(PW_ABI_F_SENT | PW_ABI_F_CLOSE_DUE);
			return;
		}
		/* No owner known (a listener older than its storage): the
		 * endpoints now, user space takes the listener's owner. */
		e = reserve_sock(PW_ABI_ACCEPT);
		if (!e)
			return;
		e->netns = sk->__sk_common.skc_net.net->ns.inum;
	} else {
		if (!info)
			return;
		info->flags |= PW_ABI_F_CONNECTED;
		e = reserve_sock(PW_ABI_CONNECT);
		if (!e)
			return;
		copy_info(e, info);
	}
	e->cookie = cookie;
	tuple_from_sk(e, sk);
	e->state = newstate;
	submit(e, sizeof(*e));
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(pw_set_state, struct sock *sk, int oldstate, int newstate)
{
	bool reported = oldstate == TCP_SYN_SENT ||
			oldstate == TCP_SYN_RECV || oldstate == TCP_ESTABLISHED;
	/* A socket no process holds (released, or accepted by the kernel
	 * and never accept()ed) ends here: its entry goes (released ones
	 * lost theirs at release already). */
	bool gone = info_by_cookie && newstate == TCP_CLOSE && !sk->sk_socket;
	__u64 cookie;

	if ((!reported && !gone) || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	cookie = socket_cookie(sk, sk);
	if (reported)
		state_change(sk, cookie, oldstate, newstate);
	if (gone)
		info_drop(cookie);
	return 0;
}

static __always_inline struct pw_abi_proc_event *reserve_proc(__u32 kind)
{
	struct pw_abi_proc_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(PW_CNT_RB_LOST_PROC);
		return NULL;
	}
	e->kind = kind;
	e->flags = 0;
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->exit_code = 0;
	e->path_len = 0;
	e->args_len = 0;
	e->path[0] = 0;
	e->args[0] = 0;
	return e;
}

/* exec: the new program's name and the start of its argv, read here
 * because a short-lived process is gone before user space could read
 * /proc. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(pw_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct pw_abi_proc_event *e;
	unsigned long start, end;
	char comm[PW_ABI_COMM_LEN] = {};
	__u32 tgid;
	long n;

	if (pkt_filter) {
		bpf_get_current_comm(comm, sizeof(comm));
		if (bpf_map_lookup_elem(&target_comms, comm)) {
			tgid = bpf_get_current_pid_tgid() >> 32;
			add_target_pid(tgid);
		}
	}
	e = reserve_proc(PW_ABI_EXEC);
	if (!e)
		return 0;
	owner_of(current_untrusted(), &e->owner);
	n = bpf_probe_read_kernel_str(e->path, sizeof(e->path),
				      BPF_CORE_READ(bprm, filename));
	e->path_len = n > 0 ? n - 1 : 0;
	start = BPF_CORE_READ(p, mm, arg_start);
	end = BPF_CORE_READ(p, mm, arg_end);
	n = end - start;
	if (n > PW_ABI_ARGS_LEN) {
		n = PW_ABI_ARGS_LEN;
		e->flags |= PW_ABI_F_ARGS_TRUNC;
	}
	if (n > 0 && n <= PW_ABI_ARGS_LEN &&
	    !bpf_probe_read_user(e->args, n, (void *)start))
		e->args_len = n;
	submit(e, sizeof(*e));
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(pw_fork, struct task_struct *parent, struct task_struct *child)
{
	struct task_struct *c = untrusted_task(child);
	__u32 ptgid = untrusted_task(parent)->tgid;
	struct pw_abi_proc_event *e;

	if (c->pid != c->tgid)
		return 0;	/* a thread, not a process */
	if (pkt_follow && is_target_pid(ptgid))
		add_target_pid(c->tgid);
	e = reserve_proc(PW_ABI_FORK);
	if (!e)
		return 0;
	owner_of(c, &e->owner);
	/* the forking process, which CLONE_PARENT does not make the
	 * child's real_parent */
	e->owner.ppid = ptgid;
	submit(e, sizeof(*e));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(pw_exit, struct task_struct *p)
{
	struct task_struct *t = untrusted_task(p);
	struct pw_abi_proc_event *e;

	if (t->pid != t->tgid)
		return 0;
	e = reserve_proc(PW_ABI_EXIT);
	if (!e)
		return 0;
	owner_of(t, &e->owner);
	e->exit_code = t->exit_code;
	submit(e, sizeof(*e));
	return 0;
}

/* Start-up prefill: every inet TCP/UDP socket held by a process, once per
 * process (threads share the file table), owner set in storage when the
 * socket has none yet; one record per (process, socket) written to the
 * iterator's output. */
SEC("iter/task_file")
int pw_iter_sockets(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct pw_abi_sock_event e = {};
	struct pw_abi_sk_info *info;
	struct socket *sock;
	struct sock *sk;
	__u16 type;

	if (!task || !file)
		return 0;
	if (task->pid != task->tgid)
		return 0;
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	sk = sock->sk;	/* a BTF pointer: helpers need it, not a copy */
	if (!sk)
		return 0;
	type = BPF_CORE_READ(sk, sk_type);
	tuple_from_sk(&e, sk);
	if (!inet_tcp_udp(e.family, type, e.proto))
		return 0;
	e.kind = PW_ABI_PREFILL;
	e.ts_ns = bpf_ktime_get_boot_ns();
	e.cookie = bpf_get_socket_cookie(sk);
	e.netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	owner_of(untrusted_task(task), &e.owner);
	e.flags = PW_ABI_F_PREFILL;
	info = info_get(sk, e.cookie);
	if (!info)
		info = info_new(sk, e.cookie);
	if (info && !info->owner.pid) {
		info->owner = e.owner;
		info->netns = e.netns;
		info->flags = PW_ABI_F_PREFILL;
	}
	bpf_seq_write(ctx->meta->seq, &e, sizeof(e));
	return 0;
}

/* What on_packet learned before the copy. */
struct pkt_meta {
	__u64 cookie;
	__u32 flags;
	__u32 netns;
	__u32 ifindex;
	__u32 family;
	__u32 wirelen;
	struct pw_abi_sk_info *info;
};

/* Packets wake the reader as events do (wakeup_bytes; the reader also
 * drains on a short timer), except a socket's first copied packet, which
 * wakes it at once: user space reads a new owner's details in /proc while
 * the process surely still exists. */
static __always_inline __u64 pkt_wakeup(const struct pkt_meta *m,
					 __u32 bytes)
{
	if (!wakeup_bytes)
		return 0;
	if (m->info && !(m->info->flags & PW_ABI_F_PKT_SEEN)) {
		m->info->flags |= PW_ABI_F_PKT_SEEN;
		return BPF_RB_FORCE_WAKEUP;
	}
	return wakeup_flags(RING_PACKETS, bytes);
}

/* Reserves a record with room bytes of packet data (a constant at every
 * call site: the ring buffer wants a constant size, and the verifier
 * bounds the copy by it), copies cap bytes and submits. Records come in
 * size classes so that a 60-byte ACK does not take 64 KiB of ring. */
static __always_inline void pkt_emit(struct __sk_buff *skb,
				     const struct pkt_meta *m, __u64 cap,
				     const __u64 room)
{
	struct pw_abi_pkt_event *e;

	e = bpf_ringbuf_reserve(&packets, sizeof(*e) + room, 0);
	if (!e) {
		count(PW_CNT_PKT_LOST);
		return;
	}
	e->kind = PW_ABI_PACKET;
	e->flags = m->flags;
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->cookie = m->cookie;
	e->wirelen = m->wirelen;
	e->ifindex = m->ifindex;
	e->family = m->family;
	e->netns = m->netns;
	e->pad = 0;
	if (m->info)
		e->owner = m->info->owner;
	else
		__builtin_memset(&e->owner, 0, sizeof(e->owner));
	/* The verifier needs both bounds checked on the register passed to
	 * the helper; the empty asm stops clang from folding the checks. */
	asm volatile("" : "+r"(cap));
	if (cap < 1 || cap > room || bpf_skb_load_bytes(skb, 0, e->data, cap))
		cap = 0;
	e->caplen = (__u32)cap;
	count(PW_CNT_PKT_SENT);
	bpf_ringbuf_submit(e, pkt_wakeup(m, sizeof(*e) + (__u32)room));
}

static __always_inline void on_packet(struct __sk_buff *skb, __u32 dir)
{
	struct bpf_sock *sk = skb->sk;
	struct pkt_meta m;
	__u64 len, cap;	/* 64-bit: the checks then bound the same register */

	if (!sk)
		return;
	if (pkt_skip_lo && skb->ifindex == 1)
		return;
	sk = bpf_sk_fullsock(sk);
	if (!sk || (sk->family != AF_INET && sk->family != AF_INET6))
		return;
	/* With the taps on, details are in socket storage (info_by_cookie
	 * is off): no cookie is needed to find them, and it is taken only
	 * for the packets the filter keeps. */
	m.info = bpf_sk_storage_get(&sk_info, sk, 0, 0);
	if (pkt_filter) {
		if (!m.info)
			return;
		if (!is_target_pid(m.info->owner.pid) &&
		    !is_target_cgroup(m.info->owner.cgroup_id))
			return;
	}
	m.flags = dir | (m.info ? 0 : PW_ABI_PKT_NO_OWNER);
	m.netns = m.info ? m.info->netns : 0;
	m.cookie = bpf_get_socket_cookie(skb);
	m.ifindex = skb->ifindex;
	m.family = skb->protocol == bpf_htons(0x86dd) ? AF_INET6 : AF_INET;
	len = skb->len;
	m.wirelen = (__u32)len;
	cap = len < pkt_snaplen ? len : pkt_snaplen;
	/* Size classes: at most ~2x the packet, fewer branches than sizes. */
	if (cap <= 128)
		pkt_emit(skb, &m, cap, 128);
	else if (cap <= 256)
		pkt_emit(skb, &m, cap, 256);
	else if (cap <= 576)
		pkt_emit(skb, &m, cap, 576);
	else if (cap <= 1024)
		pkt_emit(skb, &m, cap, 1024);
	else if (cap <= 1600)
		pkt_emit(skb, &m, cap, 1600);
	else if (cap <= 4096)
		pkt_emit(skb, &m, cap, 4096);
	else if (cap <= 9216)
		pkt_emit(skb, &m, cap, 9216);
	else if (cap <= 16384)
		pkt_emit(skb, &m, cap, 16384);
	else if (cap <= 32768)
		pkt_emit(skb, &m, cap, 32768);
	else if (cap <= 49152)
		pkt_emit(skb, &m, cap, 49152);
	else if (cap <= 65600)
		pkt_emit(skb, &m, cap, 65600);
	else if (cap <= 131072)
		pkt_emit(skb, &m, cap, 131072);
	else
		pkt_emit(skb, &m, cap, PW_ABI_PKT_SNAP_MAX);
}

SEC("cgroup_skb/egress")
int pw_pkt_egress(struct __sk_buff *skb)
{
	on_packet(skb, PW_ABI_PKT_EGRESS);
	return 1;
}

SEC("cgroup_skb/ingress")
int pw_pkt_ingress(struct __sk_buff *skb)
{
	on_packet(skb, PW_ABI_PKT_INGRESS);
	return 1;
}
