/* The eBPF engine: loads bpf/owner.bpf.c, attaches it through links that
 * belong to this process's file descriptors (nothing is pinned: every
 * program, link and map goes away when procwire exits, even by SIGKILL),
 * prefills existing sockets with the task_file iterator, and turns ring
 * buffer records into raw events. */
#include <errno.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/log.h"
#include "owner/cgroup2.h"
#include "owner/engine.h"
#include "owner/owner.skel.h"
#include "owner/owner_abi.h"
#include "owner/ring_ahead.h"

#define MAX_LINKS 32

/* How far the readers look ahead of the record or close they handle (the
 * ring's records, the close queues' closes): the table's index lines for
 * the socket WARM_INDEX ahead, and WARM_ENTRY ahead, with those in cache,
 * the entry and links they point to (pw_owner_prefetch_sock). */
#define WARM_INDEX 8
#define WARM_ENTRY 4

struct ebpf_engine {
	struct pw_owner *o;
	struct owner_bpf *skel;
	struct ring_buffer *rb;
	struct pw_ring_ahead ahead;	/* of the events ring */
	struct pw_abi_closeq *closeq;	/* mapped, one per CPU; or NULL */
	size_t closeq_bytes;
	uint64_t *heads;		/* ncpus: a drain's snapshot */
	int drain_ms;			/* reader's timer when batched */
	struct bpf_link *links[MAX_LINKS];
	int pkt_cgfd;			/* the caller's; see attach_all */
	unsigned nlinks;
	int cgfd;
	int ncpus;
	int64_t boot_to_wall;
	uint64_t prefilled;
	uint64_t packets;
};

__attribute__((format(printf, 2, 0)))
static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	/* Verifier logs are long multi-line messages: passed on whole. */
	if (pw_log_verbosity < PW_LOG_DEBUG || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Effective capabilities: root-equivalent (CAP_SYS_ADMIN) or the split
 * set BPF + PERFMON (tracing, reading task fields) + NET_ADMIN (cgroup
 * socket hooks). */
static bool have_privileges(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	uint64_t eff;

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return geteuid() == 0;
	eff = (uint64_t)data[1].effective << 32 | data[0].effective;
#define HAS(c) (eff & (1ull << (c)))
	if (HAS(21))	/* CAP_SYS_ADMIN */
		return true;
	return HAS(39) && HAS(38) && HAS(12); /* BPF, PERFMON, NET_ADMIN */
#undef HAS
}

static enum pw_owner_event_kind kind_of(uint32_t k)
{
	switch (k) {
	case PW_ABI_OPEN: return PW_OEV_OPEN;
	case PW_ABI_BIND: return PW_OEV_BIND;
	case PW_ABI_CONNECT: return PW_OEV_CONNECT;
	case PW_ABI_ACCEPT: return PW_OEV_ACCEPT;
	case PW_ABI_SEND: return PW_OEV_SEND;
	case PW_ABI_RECV: return PW_OEV_RECV;
	case PW_ABI_CLOSE: return PW_OEV_CLOSE;
	case PW_ABI_OWNER: return PW_OEV_OWNER;
	case PW_ABI_PREFILL: return PW_OEV_EXISTING;
	case PW_ABI_EXEC: return PW_OEV_EXEC;
	case PW_ABI_FORK: return PW_OEV_FORK;
	case PW_ABI_EXIT: return PW_OEV_EXIT;
	}
	return 0;
}

static void owner_of(const struct pw_abi_owner *a, struct pw_raw_owner *r)
{
	r->pid = a->pid;
	r->tid = a->tid;
	r->ppid = a->ppid;
	r->uid = a->uid;
	r->start_ns = a->start_ns;
	r->cgroup_id = a->cgroup_id;
	memcpy(r->comm, a->comm, sizeof(r->comm));
	r->comm[sizeof(r->comm) - 1] = 0;
}

static void handle_sock(struct ebpf_engine *en,
			const struct pw_abi_sock_event *e)
{
	struct pw_raw_sock_event raw;

	memset(&raw, 0, sizeof(raw));
	raw.kind = kind_of(e->kind);
	raw.ts_ns = e->ts_ns + (uint64_t)en->boot_to_wall;
	raw.cookie = e->cookie;
	raw.tuple.family = e->family == AF_INET6 ? 6 : 4;
	raw.tuple.proto = e->proto;
	raw.tuple.lport = e->sport;
	raw.tuple.rport = e->dport;
	memcpy(raw.tuple.laddr, e->saddr, 16);
	memcpy(raw.tuple.raddr, e->daddr, 16);
	raw.tuple.netns = e->netns;
	raw.has_tuple = e->kind != PW_ABI_OPEN && e->kind != PW_ABI_CLOSE &&
			(e->family == AF_INET || e->family == AF_INET6);
	raw.peer = e->flags & PW_ABI_F_PEER;
	raw.tcp_state = e->proto == IPPROTO_TCP ? e->state : 0;
	raw.owner_known = e->owner.pid != 0;
	raw.method = (e->flags & PW_ABI_F_PREFILL) ? PW_OWNER_PREFILL :
		     PW_OWNER_EBPF_SOCKET;
	owner_of(&e->owner, &raw.owner);
	pw_owner_ingest_sock(en->o, &raw);
}

static void handle_proc(struct ebpf_engine *en,
			const struct pw_abi_proc_event *e)
{
	struct pw_raw_proc_event raw;
	char path[PW_ABI_PATH_LEN + 1];

	memset(&raw, 0, sizeof(raw));
	raw.kind = kind_of(e->kind);
	raw.ts_ns = e->ts_ns + (uint64_t)en->boot_to_wall;
	owner_of(&e->owner, &raw.owner);
	raw.exit_code = (int)e->exit_code;
	if (e->path_len && e->path_len < PW_ABI_PATH_LEN) {
		memcpy(path, e->path, e->path_len);
		path[e->path_len] = 0;
		raw.path = path;
	}
	if (e->args_len <= PW_ABI_ARGS_LEN) {
		raw.args = e->args;
		raw.args_len = e->args_len;
	}
	pw_owner_ingest_proc(en->o, &raw);
}

static void warm_record(struct ebpf_engine *en, const void *r, uint32_t len,
			bool entry)
{
	const struct pw_abi_sock_event *e = r;
	uint32_t kind;

	if (len < sizeof(*e))
		return;
	memcpy(&kind, r, sizeof(kind));
	if (kind < PW_ABI_EXEC)
		pw_owner_prefetch_sock(en->o, e->cookie, e->proto, e->sport,
				       e->dport, entry);
}

/* The socket records after this one are in the ring already: their
 * table lines load while this one is handled (as the close queue's drain
 * does for closes). */
static void warm_ahead(struct ebpf_engine *en, const void *record)
{
	const void *r;
	uint32_t len;

	pw_ring_ahead_step(&en->ahead, record);
	while ((r = pw_ring_ahead_next(&en->ahead, 0, WARM_INDEX, &len)))
		warm_record(en, r, len, false);
	while ((r = pw_ring_ahead_next(&en->ahead, 1, WARM_ENTRY, &len)))
		warm_record(en, r, len, true);
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct ebpf_engine *en = ctx;
	uint32_t kind;

	warm_ahead(en, data);
	if (size < sizeof(kind))
		return 0;
	memcpy(&kind, data, sizeof(kind));
	if (kind >= PW_ABI_EXEC) {
		if (size >= sizeof(struct pw_abi_proc_event))
			handle_proc(en, data);
	} else if (size >= sizeof(struct pw_abi_sock_event)) {
		handle_sock(en, data);
	}
	return 0;
}

static int on_packet_record(void *ctx, void *data, size_t size)
{
	const struct pw_abi_pkt_event *e = data;
	struct ebpf_engine *en = ctx;
	struct pw_owner_packet p;

	if (size < sizeof(*e) || e->kind != PW_ABI_PACKET ||
	    e->caplen > size - sizeof(*e))
		return 0;
	memset(&p, 0, sizeof(p));
	p.ts_ns = e->ts_ns + (uint64_t)en->boot_to_wall;
	p.dir = (e->flags & PW_ABI_PKT_EGRESS) ? PW_DIR_OUT : PW_DIR_IN;
	p.family = e->family == AF_INET6 ? 6 : 4;
	p.ifindex = e->ifindex;
	p.netns = e->netns;
	p.wirelen = e->wirelen;
	p.caplen = e->caplen;
	p.data = e->data;
	p.owner.cookie = e->cookie;
	if (!(e->flags & PW_ABI_PKT_NO_OWNER) && e->owner.pid) {
		p.owner.pid = e->owner.pid;
		p.owner.tid = e->owner.tid;
		p.owner.cgroup_id = e->owner.cgroup_id;
		p.owner.method = (uint8_t)PW_OWNER_EBPF_SOCKET;
		memcpy(p.owner.comm, e->owner.comm, sizeof(p.owner.comm));
		p.owner.comm[sizeof(p.owner.comm) - 1] = 0;
	}
	en->packets++;
	pw_owner_ingest_packet(en->o, &p);
	return 0;
}

static int add_link(struct ebpf_engine *en, struct bpf_link *link,
		    const char *name, struct pw_error *err)
{
	long e = libbpf_get_error(link);

	if (e) {
		return pw_error_set(err, (int)e, "cannot attach %s: %s", name,
				    strerror((int)-e));
	}
	if (en->nlinks == MAX_LINKS) {
		bpf_link__destroy(link);
		return pw_error_set(err, -E2BIG, "too many programs");
	}
	en->links[en->nlinks++] = link;
	return 0;
}

static void detach_all(struct ebpf_engine *en)
{
	for (unsigned i = 0; i < en->nlinks; i++)
		bpf_link__destroy(en->links[i]);
	en->nlinks = 0;
}

/* Socket hooks at the root (every socket has an owner); the packet tap
 * at pkt_cgfd when given (only the sockets made there pay for it). */
static int attach_all(struct ebpf_engine *en, int pkt_cgfd,
		      struct pw_error *err)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, en->skel->obj) {
		const char *sec = bpf_program__section_name(prog);
		struct bpf_link *link;

		if (!bpf_program__autoload(prog) || !strncmp(sec, "iter/", 5))
			continue;
		if (!strncmp(sec, "cgroup_skb/", 11))
			link = bpf_program__attach_cgroup(prog, pkt_cgfd > 0 ?
							  pkt_cgfd : en->cgfd);
		else if (!strncmp(sec, "cgroup/", 7))
			link = bpf_program__attach_cgroup(prog, en->cgfd);
		else
			link = bpf_program__attach(prog);
		if (add_link(en, link, bpf_program__name(prog), err) < 0)
			return -1;
	}
	return 0;
}

/* Reads the iterator's records: one struct pw_abi_sock_event per
 * (process, socket). */
static int prefill(struct ebpf_engine *en, struct pw_error *err)
{
	struct bpf_link *link;
	union {
		struct pw_abi_sock_event ev[64];
		char bytes[64 * sizeof(struct pw_abi_sock_event)];
	} buf;
	size_t have = 0;
	int fd = -1, ret = -1;

	link = bpf_program__attach_iter(en->skel->progs.pw_iter_sockets, NULL);
	if (libbpf_get_error(link)) {
		pw_error_set(err, (int)libbpf_get_error(link),
			     "cannot create the socket iterator");
		return -1;
	}
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		pw_error_set(err, -errno, "cannot start the socket "
			     "iterator: %s", strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf.bytes + have, sizeof(buf) - have);
		size_t i, whole;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pw_error_set(err, -errno, "socket iterator: %s",
				     strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		whole = have / sizeof(struct pw_abi_sock_event);
		for (i = 0; i < whole; i++) {
			handle_sock(en, &buf.ev[i]);
			en->prefilled++;
		}
		have -= whole * sizeof(struct pw_abi_sock_event);
		memmove(buf.bytes, buf.bytes + whole *
			sizeof(struct pw_abi_sock_event), have);
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	bpf_link__destroy(link);
	return ret;
}

static uint32_t round_pow2(uint32_t v, uint32_t min)
{
	uint32_t p = min;

	while (p < v && p < (1u << 30))
		p <<= 1;
	return p;
}

static int map_closeq(struct ebpf_engine *en, struct pw_error *err)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = (size_t)en->ncpus * sizeof(struct pw_abi_closeq);
	void *p;

	len = (len + (size_t)page - 1) & ~((size_t)page - 1);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(en->skel->maps.closeq), 0);
	if (p == MAP_FAILED)
		return pw_error_set(err, -errno, "cannot map the close queues: "
				    "%s", strerror(errno));
	en->closeq = p;
	en->closeq_bytes = len;
	en->heads = calloc((size_t)en->ncpus, sizeof(*en->heads));
	if (!en->heads)
		return pw_error_set(err, -ENOMEM, "out of memory");
	return 0;
}

/* Where each CPU's queue ends now: the closes below were queued after
 * the sockets' earlier records were in the ring buffer, so once the ring
 * is read next, they follow what they close. */
static void closeq_heads(struct ebpf_engine *en, uint64_t *heads)
{
	for (int cpu = 0; cpu < en->ncpus; cpu++)
		heads[cpu] = __atomic_load_n(&en->closeq[cpu].head,
					     __ATOMIC_ACQUIRE);
}

static void prefetch_close(struct ebpf_engine *en, struct pw_abi_closeq *q,
			   uint64_t idx, bool entry)
{
	uint64_t cookie = __atomic_load_n(
		&q->slot[idx & (PW_ABI_CLOSEQ_SLOTS - 1)].cookie,
		__ATOMIC_RELAXED);

	if (cookie)
		pw_owner_prefetch_sock(en->o, cookie, 0, 0, 0, entry);
}

static int closeq_drain(struct ebpf_engine *en, const uint64_t *heads)
{
	struct pw_raw_sock_event raw;
	int n = 0;

	memset(&raw, 0, sizeof(raw));
	raw.kind = PW_OEV_CLOSE;
	raw.method = PW_OWNER_EBPF_SOCKET;
	for (int cpu = 0; cpu < en->ncpus; cpu++) {
		struct pw_abi_closeq *q = &en->closeq[cpu];
		uint64_t tail = q->tail;

		for (; tail < heads[cpu]; tail++) {
			struct pw_abi_close_slot *s =
				&q->slot[tail & (PW_ABI_CLOSEQ_SLOTS - 1)];
			uint64_t cookie = __atomic_load_n(&s->cookie,
							  __ATOMIC_ACQUIRE);

			if (!cookie)
				break;	/* still being written */
			/* Each close's socket is a cache miss or two in a
			 * table of tens of thousands: the closes ahead are
			 * known, so their lines load while these are
			 * handled. */
			if (tail + WARM_INDEX < heads[cpu])
				prefetch_close(en, q, tail + WARM_INDEX, false);
			if (tail + WARM_ENTRY < heads[cpu])
				prefetch_close(en, q, tail + WARM_ENTRY, true);
			raw.cookie = cookie;
			raw.ts_ns = s->ts_ns + (uint64_t)en->boot_to_wall;
			__atomic_store_n(&s->cookie, 0, __ATOMIC_RELAXED);
			pw_owner_ingest_sock(en->o, &raw);
			n++;
		}
		__atomic_store_n(&q->tail, tail, __ATOMIC_RELEASE);
	}
	return n;
}

static void ebpf_stop(void *state)
{
	struct ebpf_engine *en = state;

	if (!en)
		return;
	if (en->closeq)
		munmap(en->closeq, en->closeq_bytes);
	free(en->heads);
	ring_buffer__free(en->rb);
	pw_ring_ahead_unmap(&en->ahead);
	detach_all(en);
	owner_bpf__destroy(en->skel);
	if (en->cgfd >= 0)
		close(en->cgfd);
	free(en);
}

/* Opens the object and sets it up for cfg; with_use_hooks false leaves
 * the send/receive tracepoints out. */
static int open_skel(struct ebpf_engine *en, const struct pw_owner_config *cfg,
		     bool with_use_hooks, struct pw_error *err)
{
	en->skel = owner_bpf__open();
	if (!en->skel)
		return pw_error_set(err, -errno, "cannot open the eBPF object: "
				    "%s", strerror(errno));
	en->skel->rodata->wakeup_bytes = cfg->wakeup_bytes;
	en->drain_ms = cfg->drain_ms ? (int)cfg->drain_ms : 10;
	en->skel->rodata->report_open = cfg->open_events;
	en->skel->rodata->report_sockets = cfg->socket_events;
	if (cfg->socket_events && !cfg->closes_in_order && en->ncpus > 0) {
		en->skel->rodata->close_queue = 1;
		bpf_map__set_max_entries(en->skel->maps.closeq,
					 (uint32_t)en->ncpus);
	}
	if (cfg->ignore_self)
		en->skel->rodata->self_pid = (uint32_t)getpid();
	bpf_map__set_max_entries(en->skel->maps.events,
				 round_pow2(cfg->ringbuf_bytes, 1u << 16));
	bpf_map__set_max_entries(en->skel->maps.udp_peers,
				 cfg->udp_peers ? cfg->udp_peers : 65536);

	/* Socket details by cookie unless the packet taps read them per
	 * packet (owner.bpf.c, info_by_cookie); those maps need the release
	 * and state hooks that drop their entries. */
	if (cfg->socket_events && !cfg->on_packet) {
		en->skel->rodata->info_by_cookie = 1;
		bpf_map__set_max_entries(en->skel->maps.sk_slots,
					 PW_ABI_SK_SLOTS);
		bpf_map__set_max_entries(en->skel->maps.sk_hash,
					 cfg->open_sockets ? cfg->open_sockets :
					 PW_OWNER_OPEN_SOCKETS);
	}
	/* Packet hooks only when someone consumes packets. */
	if (cfg->on_packet) {
		en->skel->rodata->pkt_filter = cfg->packet_targets_only;
		en->skel->rodata->pkt_follow = cfg->packet_follow;
		en->skel->rodata->pkt_skip_lo = cfg->packet_skip_loopback;
		if (cfg->packet_snaplen &&
		    cfg->packet_snaplen < PW_ABI_PKT_SNAP_MAX)
			en->skel->rodata->pkt_snaplen = cfg->packet_snaplen;
		bpf_map__set_max_entries(en->skel->maps.packets,
			round_pow2(cfg->packet_ringbuf_bytes ?
				   cfg->packet_ringbuf_bytes : 8u << 20,
				   1u << 16));
	} else {
		bpf_program__set_autoload(en->skel->progs.pw_pkt_egress, false);
		bpf_program__set_autoload(en->skel->progs.pw_pkt_ingress,
					  false);
	}
	if (!cfg->socket_events) {
		/* These hooks would only return at once: left unloaded, they
		 * cost neither verification at start nor a call per
		 * connection (set_state runs about six times per TCP
		 * connection, on every socket of the machine). */
		struct bpf_program *idle[] = {
			en->skel->progs.pw_set_state,
			en->skel->progs.pw_sock_release,
			en->skel->progs.pw_sendmsg4,
			en->skel->progs.pw_sendmsg6,
			en->skel->progs.pw_recvmsg4,
			en->skel->progs.pw_recvmsg6,
		};

		for (size_t i = 0; i < sizeof(idle) / sizeof(idle[0]); i++)
			bpf_program__set_autoload(idle[i], false);
		bpf_map__set_max_entries(en->skel->maps.udp_peers, 1024);
	}

	if (!with_use_hooks) {
		bpf_program__set_autoload(en->skel->progs.pw_sock_send, false);
		bpf_program__set_autoload(en->skel->progs.pw_sock_recv, false);
	}
	return 0;
}

/* The send/receive tracepoints (Linux 6.3) name the owner of accepted and
 * inherited sockets at first use; without them those keep the listener's
 * or creator's owner. Whether the kernel has them is learnt by loading:
 * looking them up in the kernel's BTF first would read and parse its
 * 5 MB a second time (libbpf does once for CO-RE), a fifth of a
 * capture's start-up. */
static int load_skel(struct ebpf_engine *en, const struct pw_owner_config *cfg,
		     struct pw_error *err)
{
	int r;

	if (open_skel(en, cfg, true, err) < 0)
		return -1;
	r = owner_bpf__load(en->skel);
	if (r && r != -EPERM && errno != EPERM) {
		owner_bpf__destroy(en->skel);
		en->skel = NULL;
		if (open_skel(en, cfg, false, err) < 0)
			return -1;
		r = owner_bpf__load(en->skel);
		if (!r)
			pw_warn("kernel lacks the sock_send_length/"
				"sock_recv_length tracepoints: accepted and "
				"inherited sockets keep the listener's or "
				"creator's owner");
	}
	if (!r)
		return 0;
	if (r == -EPERM || errno == EPERM)
		return pw_error_set(err, -EPERM, "loading eBPF programs was "
				    "refused (EPERM): needs root or "
				    "CAP_BPF+CAP_NET_ADMIN+CAP_PERFMON");
	return pw_error_set(err, -EOPNOTSUPP, "the kernel refused the eBPF "
			    "programs (%s); run with -v for libbpf's log",
			    strerror(-r));
}

static int ebpf_start(struct pw_owner *o, const struct pw_owner_config *cfg,
		      void **state, struct pw_error *err)
{
	struct ebpf_engine *en;
	const char *how = "";

	libbpf_set_print(libbpf_log);
	if (!have_privileges())
		return pw_error_set(err, -EPERM, "the eBPF engine needs root "
				    "or CAP_BPF+CAP_NET_ADMIN+CAP_PERFMON");
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return pw_error_set(err, -EOPNOTSUPP, "the kernel has no BTF "
				    "(/sys/kernel/btf/vmlinux, "
				    "CONFIG_DEBUG_INFO_BTF)");
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) <= 0)
		return pw_error_set(err, -EOPNOTSUPP, "the kernel has no BPF "
				    "ring buffer (Linux 5.8 or later)");
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_SK_STORAGE, NULL) <= 0)
		return pw_error_set(err, -EOPNOTSUPP, "the kernel has no BPF "
				    "socket storage (Linux 5.2 or later)");

	en = calloc(1, sizeof(*en));
	if (!en)
		return pw_error_set(err, -ENOMEM, "out of memory");
	en->o = o;
	en->cgfd = -1;
	en->ncpus = libbpf_num_possible_cpus();
	if (load_skel(en, cfg, err) < 0)
		goto fail;
	en->cgfd = pw_cgroup2_root_fd(&how, err);
	if (en->cgfd < 0)
		goto fail;
	pw_debug("cgroup programs attach through a %s", how);
	en->rb = ring_buffer__new(bpf_map__fd(en->skel->maps.events),
				  on_record, en, NULL);
	if (!en->rb) {
		pw_error_set(err, -errno, "cannot map the ring buffer: %s",
			     strerror(errno));
		goto fail;
	}
	/* Only a hint: without it records are handled the same, slower. */
	if (cfg->socket_events) {
		int r = pw_ring_ahead_map(&en->ahead,
			bpf_map__fd(en->skel->maps.events),
			bpf_map__max_entries(en->skel->maps.events));

		if (r < 0)
			pw_debug("no look-ahead in the ring buffer: %s",
				 strerror(-r));
	}
	if (en->skel->rodata->close_queue && map_closeq(en, err) < 0)
		goto fail;
	if (cfg->on_packet &&
	    ring_buffer__add(en->rb, bpf_map__fd(en->skel->maps.packets),
			     on_packet_record, en) < 0) {
		pw_error_set(err, -errno, "cannot map the packet ring buffer: "
			     "%s", strerror(errno));
		goto fail;
	}
	/* Hooks first, then the iterator: a socket made in between is seen
	 * by both, never by neither. */
	en->pkt_cgfd = cfg->packet_cgroup_fd;
	if (attach_all(en, en->pkt_cgfd, err) < 0)
		goto fail;
	en->boot_to_wall = pw_owner_boot_to_wall_ns();
	if (prefill(en, err) < 0)
		goto fail;
	*state = en;
	return 0;
fail:
	ebpf_stop(en);
	return -1;
}

/* Waits up to timeout_ms for ring records and reads them. */
static int read_rings(struct ebpf_engine *en, int timeout_ms)
{
	int n, m;

	/* Nothing to wait for: read every ring without asking epoll which
	 * are ready (a syscall per call, and the caller has just slept in
	 * its own poll). */
	if (timeout_ms == 0)
		return ring_buffer__consume(en->rb);
	if (!en->skel->rodata->wakeup_bytes)
		return ring_buffer__poll(en->rb, timeout_ms);
	/* Records below the wakeup threshold wake nobody, and poll() only
	 * reads rings that woke it: wait at most the drain timer, then read
	 * whatever is there. */
	if (timeout_ms < 0 || timeout_ms > en->drain_ms)
		timeout_ms = en->drain_ms;
	n = ring_buffer__poll(en->rb, timeout_ms);
	if (n < 0)
		return n;
	m = ring_buffer__consume(en->rb);
	return m < 0 ? m : n + m;
}

static int ebpf_poll(void *state, int timeout_ms)
{
	struct ebpf_engine *en = state;
	int n;

	/* The closes queued so far are handled after the ring is read: the
	 * records queued before them come first. Closes queued meanwhile
	 * wait for the next call. */
	if (en->closeq)
		closeq_heads(en, en->heads);
	n = read_rings(en, timeout_ms);
	if (n < 0 || !en->closeq)
		return n;
	return n + closeq_drain(en, en->heads);
}

static int ebpf_fd(void *state)
{
	struct ebpf_engine *en = state;

	return ring_buffer__epoll_fd(en->rb);
}

static uint64_t counter(struct ebpf_engine *en, uint32_t idx)
{
	uint64_t vals[512], sum = 0;
	int i;

	if (en->ncpus <= 0 || en->ncpus > 512)
		return 0;
	if (bpf_map_lookup_elem(bpf_map__fd(en->skel->maps.counters), &idx,
				vals))
		return 0;
	for (i = 0; i < en->ncpus; i++)
		sum += vals[i];
	return sum;
}

static void ebpf_stats(void *state, struct pw_owner_stats *st)
{
	struct ebpf_engine *en = state;
	uint64_t drops;

	st->lost_events = counter(en, PW_CNT_RB_LOST_SOCK);
	st->lost_proc_events = counter(en, PW_CNT_RB_LOST_PROC);
	st->storage_failures = counter(en, PW_CNT_STORAGE_FAIL);
	st->owner_changes = counter(en, PW_CNT_OWNER_CHANGE);
	st->udp_peers = counter(en, PW_CNT_PEER_NEW);
	st->late_sockets = counter(en, PW_CNT_LATE_STORAGE);
	st->packets = en->packets;
	st->packets_lost = counter(en, PW_CNT_PKT_LOST);
	/* Removals first: every removal follows its addition, so the
	 * later read of the additions is never the smaller. */
	drops = counter(en, PW_CNT_SK_DROP);
	st->kernel_sockets = counter(en, PW_CNT_SK_ADD) - drops;
}

static int ebpf_packet_target(void *state, bool cgroup, uint64_t id,
			      bool add)
{
	struct ebpf_engine *en = state;
	struct bpf_map *map = cgroup ? en->skel->maps.target_cgroups :
				       en->skel->maps.target_pids;
	uint32_t pid = (uint32_t)id;
	const void *key = cgroup ? (const void *)&id : (const void *)&pid;
	__u64 *bits = cgroup ? en->skel->bss->target_cgroup_bits :
			      en->skel->bss->target_pid_bits;
	uint8_t one = 1;

	if (!cgroup && id > UINT32_MAX)
		return -EINVAL;
	if (add) {
		/* The programs look at the map only when the id's bit is
		 * set (owner.bpf.c, target_pid_bits): the bit first, so the
		 * entry is never there unseen. Bits stay set. */
		__atomic_fetch_or(&bits[PW_ABI_TARGET_WORD(id)],
				  PW_ABI_TARGET_BIT(id), __ATOMIC_SEQ_CST);
		return bpf_map_update_elem(bpf_map__fd(map), key, &one,
					   BPF_ANY) ? -errno : 0;
	}
	return bpf_map_delete_elem(bpf_map__fd(map), key) && errno != ENOENT ?
	       -errno : 0;
}

static int ebpf_packet_target_name(void *state, const char *comm, bool add)
{
	struct ebpf_engine *en = state;
	int fd = bpf_map__fd(en->skel->maps.target_comms);
	char key[PW_ABI_COMM_LEN];
	uint8_t one = 1;
	size_t n = strlen(comm);

	if (!n || n >= sizeof(key))
		return -EINVAL;
	memset(key, 0, sizeof(key));
	memcpy(key, comm, n);
	if (add)
		return bpf_map_update_elem(fd, key, &one, BPF_ANY) ? -errno : 0;
	return bpf_map_delete_elem(fd, key) && errno != ENOENT ? -errno : 0;
}

/* Without its links a program stays loaded, and its maps and the ring
 * with it: sockets made while detached are found at their first use, as
 * those from before the start are. */
static int ebpf_set_hooks(void *state, bool attached, struct pw_error *err)
{
	struct ebpf_engine *en = state;

	if (attached && en->nlinks)
		return 0;
	if (attached && !attach_all(en, en->pkt_cgfd, err))
		return 0;
	/* detaching, or undoing half an attach */
	detach_all(en);
	return attached ? -1 : 0;
}

const struct pw_owner_engine_ops pw_engine_ebpf_ops = {
	.name = "ebpf",
	.method = PW_OWNER_EBPF_SOCKET,
	.start = ebpf_start,
	.poll = ebpf_poll,
	.fd = ebpf_fd,
	.stats = ebpf_stats,
	.stop = ebpf_stop,
	.packet_target = ebpf_packet_target,
	.packet_target_name = ebpf_packet_target_name,
	.set_hooks = ebpf_set_hooks,
};
