/* The owner context: engine selection, the socket table, the process
 * cache and the one event path to the caller. */
#include "owner/owner.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "owner/cgroup2.h"
#include "owner/engine.h"
#include "owner/owner_config.h"
#include "owner/proc_cache.h"
#include "owner/procfs.h"
#include "owner/sock_table.h"

#define CGROUP_CACHE 64

/* Recently resolved cgroup ids (path "" = not found). */
struct cgroup_name {
	uint64_t id;
	char path[256];
};

struct pw_owner {
	struct pw_owner_config cfg;
	const struct pw_owner_engine_ops *ops;
	void *engine;
	struct pw_sock_table *socks;
	struct pw_proc_cache *procs;
	uint64_t events;
	uint64_t prefilled;
	int cgroup_fd;		/* cgroup v2 root, opened on first need */
	struct cgroup_name cgroups[CGROUP_CACHE];
	unsigned cgroup_next;
};

static const char *const event_names[] = {
	[PW_OEV_OPEN] = "open",
	[PW_OEV_BIND] = "bind",
	[PW_OEV_CONNECT] = "connect",
	[PW_OEV_ACCEPT] = "accept",
	[PW_OEV_SEND] = "send",
	[PW_OEV_RECV] = "recv",
	[PW_OEV_CLOSE] = "close",
	[PW_OEV_OWNER] = "owner",
	[PW_OEV_EXISTING] = "existing",
	[PW_OEV_EXEC] = "exec",
	[PW_OEV_FORK] = "fork",
	[PW_OEV_EXIT] = "exit",
};

const char *pw_owner_event_name(enum pw_owner_event_kind k)
{
	if ((unsigned)k < sizeof(event_names) / sizeof(event_names[0]) &&
	    event_names[k])
		return event_names[k];
	return "unknown";
}

bool pw_owner_ebpf_built(void)
{
	return PW_HAVE_EBPF;
}

int64_t pw_owner_boot_to_wall_ns(void)
{
	struct timespec w, b;

	clock_gettime(CLOCK_REALTIME, &w);
	clock_gettime(CLOCK_BOOTTIME, &b);
	return ((int64_t)w.tv_sec - b.tv_sec) * 1000000000ll +
	       (w.tv_nsec - b.tv_nsec);
}

static uint64_t wall_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void pw_owner_config_default(struct pw_owner_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->engine = PW_ENGINE_AUTO;
	cfg->poll_interval_ns = 1000000000ull;
	cfg->max_sockets = 65536;
	cfg->max_procs = 8192;
	cfg->closed_linger_ns = 30000000000ull;
	cfg->socket_events = true;
	cfg->ringbuf_bytes = 8u << 20;
	cfg->udp_peers = 65536;
	cfg->open_sockets = PW_OWNER_OPEN_SOCKETS;
	cfg->wakeup_bytes = 64u << 10;
	cfg->drain_ms = 10;
}

/* IPv4-mapped IPv6 endpoints (a dual-stack socket talking IPv4) are
 * stored as IPv4 so lookups from packets match. */
static void normalize_tuple(struct pw_owner_tuple *t)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					    0xff, 0xff };
	static const uint8_t zero[16];
	bool l, r;

	if (t->family != 6)
		return;
	l = !memcmp(t->laddr, mapped, 12);
	r = !memcmp(t->raddr, mapped, 12);
	if (!(l || !memcmp(t->laddr, zero, 16)) ||
	    !(r || !memcmp(t->raddr, zero, 16)) || (!l && !r))
		return;
	memmove(t->laddr, t->laddr + 12, 4);
	memset(t->laddr + 4, 0, 12);
	memmove(t->raddr, t->raddr + 12, 4);
	memset(t->raddr + 4, 0, 12);
	t->family = 4;
}

/* The cgroup path of a process that left before /proc/PID/cgroup could
 * be read, from the id the kernel reported. */
static void resolve_cgroup(struct pw_owner *o, struct pw_proc_entry *pe)
{
	struct cgroup_name *cn = NULL;
	const char *how;
	struct pw_error err;
	char id[80];
	unsigned i;

	for (i = 0; i < CGROUP_CACHE; i++)
		if (o->cgroups[i].id == pe->cgroup_id)
			cn = &o->cgroups[i];
	if (!cn) {
		if (o->cgroup_fd == -1)
			o->cgroup_fd = pw_cgroup2_root_fd(&how, &err);
		if (o->cgroup_fd < 0) {
			o->cgroup_fd = -2;	/* do not try again */
			return;
		}
		cn = &o->cgroups[o->cgroup_next++ % CGROUP_CACHE];
		cn->id = pe->cgroup_id;
		if (!pw_cgroup2_path_of(o->cgroup_fd, cn->id, cn->path,
					sizeof(cn->path)))
			cn->path[0] = 0;
	}
	if (!cn->path[0])
		return;
	pe->cgroup = strdup(cn->path);
	if (!pe->container && pw_procfs_container_id(cn->path, id, sizeof(id)))
		pe->container = strdup(id);
}

static void fill_info(struct pw_owner *o, const struct pw_raw_owner *ro,
		      uint8_t method, struct pw_owner_info *out)
{
	struct pw_proc_entry *pe = NULL;

	memset(out, 0, sizeof(*out));
	out->pid = ro->pid;
	out->tid = ro->tid;
	out->ppid = ro->ppid;
	out->uid = ro->uid;
	out->start_ns = ro->start_ns;
	out->cgroup_id = ro->cgroup_id;
	out->method = ro->pid ? method : PW_OWNER_NONE;
	memcpy(out->comm, ro->comm, sizeof(out->comm));
	if (!ro->pid)
		return;
	pe = pw_proc_cache_put(o->procs, ro, true);
	if (!pe)
		return;
	if (!pe->cgroup && pe->cgroup_id && o->cgroup_fd != -2)
		resolve_cgroup(o, pe);
	if (!out->ppid)
		out->ppid = pe->ppid;
	if (!out->start_ns)
		out->start_ns = pe->start_ns;
	if (!out->comm[0])
		memcpy(out->comm, pe->comm, sizeof(out->comm));
	out->exe = pe->exe;
	out->cmdline = pe->cmdline;
	out->cgroup = pe->cgroup;
	out->container = pe->container;
}

static void deliver(struct pw_owner *o, const struct pw_owner_event *ev)
{
	o->events++;
	if (o->cfg.on_event)
		o->cfg.on_event(ev, o->cfg.ctx);
}

void pw_owner_ingest_sock(struct pw_owner *o,
			  const struct pw_raw_sock_event *raw)
{
	struct pw_owner_event ev;
	struct pw_sock_entry *se;
	struct pw_raw_owner owner = raw->owner;
	struct pw_owner_tuple tuple = raw->tuple;
	uint8_t method = raw->method;
	bool has_tuple = raw->has_tuple;

	if (has_tuple)
		normalize_tuple(&tuple);
	se = pw_sock_table_get(o->socks, raw->cookie, raw->ts_ns);
	if (!se)
		return;
	switch (raw->kind) {
	case PW_OEV_CLOSE:
		if (se->has_tuple) {
			tuple = se->tuple;
			has_tuple = true;
		}
		pw_sock_table_close(o->socks, se, raw->ts_ns);
		break;
	case PW_OEV_OPEN:
		/* Cookies are never reused: a closed entry stays closed (an
		 * open after its close is a record read out of order). */
		break;
	case PW_OEV_SEND:
	case PW_OEV_RECV:
		/* An unconnected UDP socket names a peer per datagram; the
		 * socket itself keeps only its local endpoint. */
		if (has_tuple && raw->peer) {
			struct pw_owner_tuple local = tuple;

			local.rport = 0;
			memset(local.raddr, 0, sizeof(local.raddr));
			if (!se->has_tuple || se->tuple.lport != local.lport)
				pw_sock_table_set_tuple(o->socks, se, &local);
			break;
		}
		/* fall through */
	default:
		if (has_tuple)
			pw_sock_table_set_tuple(o->socks, se, &tuple);
		break;
	}
	if (raw->tcp_state)
		se->tcp_state = raw->tcp_state;
	if (raw->owner_known && owner.pid) {
		se->owner = owner;
		se->method = method;
		if (raw->kind == PW_OEV_EXISTING)
			o->prefilled++;
	} else if (se->owner.pid) {
		owner = se->owner;
		method = se->method;
	} else if (has_tuple) {
		/* Accepted before its listener's owner was known to the
		 * kernel: the listener on the same local port owns it. */
		struct pw_sock_entry *l = pw_sock_table_listener(o->socks,
								 &tuple);

		if (l && l->owner.pid) {
			owner = l->owner;
			method = PW_OWNER_EBPF_TUPLE;
			se->owner = owner;
			se->method = method;
		}
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = raw->kind;
	ev.ts_ns = raw->ts_ns;
	ev.cookie = raw->cookie;
	ev.has_tuple = has_tuple;
	ev.tuple = tuple;
	ev.tcp_state = raw->tcp_state;
	fill_info(o, &owner, method, &ev.owner);
	deliver(o, &ev);
}

void pw_owner_prefetch_sock(struct pw_owner *o, uint64_t cookie,
			    uint8_t proto, uint16_t lport, uint16_t rport,
			    bool entry)
{
	pw_sock_table_prefetch(o->socks, cookie, entry);
	if (proto)
		pw_sock_table_prefetch_ports(o->socks, proto, lport, rport,
					     entry);
}

void pw_owner_ingest_proc(struct pw_owner *o,
			  const struct pw_raw_proc_event *raw)
{
	struct pw_proc_entry *pe, *parent;
	struct pw_owner_event ev;

	switch (raw->kind) {
	case PW_OEV_EXEC:
		pe = pw_proc_cache_put(o->procs, &raw->owner, false);
		if (pe)
			pw_proc_cache_exec(o->procs, pe, raw->path, raw->args,
					   raw->args_len);
		break;
	case PW_OEV_FORK:
		pe = pw_proc_cache_put(o->procs, &raw->owner, false);
		parent = pw_proc_cache_find(o->procs, raw->owner.ppid, 0);
		/* Until it execs, a child runs its parent's program. */
		if (pe && parent && !pe->exe && parent->exe)
			pe->exe = strdup(parent->exe);
		if (pe && parent && !pe->cmdline && parent->cmdline)
			pe->cmdline = strdup(parent->cmdline);
		if (pe && parent && !pe->cgroup && parent->cgroup) {
			pe->cgroup = strdup(parent->cgroup);
			if (parent->container)
				pe->container = strdup(parent->container);
		}
		if (pe && parent)
			pe->user_flags = parent->user_flags;
		if (pe && (!parent || !parent->exe))
			pw_proc_cache_read_proc(o->procs, pe);
		break;
	case PW_OEV_EXIT:
		pe = pw_proc_cache_find(o->procs, raw->owner.pid,
					raw->owner.start_ns);
		if (pe)
			pe->exited = true;
		break;
	default:
		return;
	}
	if (!o->cfg.proc_events)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = raw->kind;
	ev.ts_ns = raw->ts_ns;
	ev.exit_code = raw->exit_code;
	fill_info(o, &raw->owner, pw_owner_engine_method(o), &ev.owner);
	deliver(o, &ev);
}

void pw_owner_ingest_packet(struct pw_owner *o,
			    const struct pw_owner_packet *p)
{
	if (o->cfg.on_packet)
		o->cfg.on_packet(p, o->cfg.ctx);
}

int pw_owner_packet_target(struct pw_owner *o, bool cgroup, uint64_t id,
			   bool add)
{
	if (!o->ops->packet_target)
		return -EOPNOTSUPP;
	return o->ops->packet_target(o->engine, cgroup, id, add);
}

int pw_owner_packet_target_name(struct pw_owner *o, const char *comm,
				bool add)
{
	if (!o->ops->packet_target_name)
		return -EOPNOTSUPP;
	return o->ops->packet_target_name(o->engine, comm, add);
}

int pw_owner_set_hooks(struct pw_owner *o, bool attached,
		       struct pw_error *err)
{
	if (!o->ops->set_hooks)
		return pw_error_set(err, -EOPNOTSUPP, "the %s engine has no "
				    "kernel hooks", o->ops->name);
	return o->ops->set_hooks(o->engine, attached, err);
}

struct pw_owner *pw_owner_start(const struct pw_owner_config *cfg,
				struct pw_error *err)
{
	struct pw_owner *o = calloc(1, sizeof(*o));
	enum pw_owner_engine_kind kind = cfg->engine;

	if (!o) {
		pw_error_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	o->cfg = *cfg;
	o->cgroup_fd = -1;
	o->socks = pw_sock_table_new(cfg->max_sockets, cfg->closed_linger_ns);
	o->procs = pw_proc_cache_new(cfg->max_procs);
	if (!o->socks || !o->procs) {
		pw_error_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	if (kind == PW_ENGINE_AUTO)
		kind = PW_HAVE_EBPF ? PW_ENGINE_EBPF : PW_ENGINE_POLLING;
	if (kind == PW_ENGINE_EBPF) {
#if PW_HAVE_EBPF
		o->ops = &pw_engine_ebpf_ops;
#else
		pw_error_set(err, -EOPNOTSUPP,
			     "this procwire was built without the eBPF engine "
			     "(meson -Debpf); use --no-ebpf for polling");
		goto fail;
#endif
	} else {
		o->ops = &pw_engine_polling_ops;
	}
	if (o->ops->start(o, &o->cfg, &o->engine, err) < 0)
		goto fail;
	return o;
fail:
	pw_sock_table_free(o->socks);
	pw_proc_cache_free(o->procs);
	free(o);
	return NULL;
}

int pw_owner_poll(struct pw_owner *o, int timeout_ms)
{
	int n = o->ops->poll(o->engine, timeout_ms);

	pw_sock_table_expire(o->socks, wall_now_ns());
	return n;
}

int pw_owner_fd(const struct pw_owner *o)
{
	return o->ops->fd ? o->ops->fd(o->engine) : -1;
}

static void swap_tuple(struct pw_owner_tuple *t)
{
	uint8_t a[16];
	uint16_t p = t->lport;

	memcpy(a, t->laddr, 16);
	memcpy(t->laddr, t->raddr, 16);
	memcpy(t->raddr, a, 16);
	t->lport = t->rport;
	t->rport = p;
}

static struct pw_sock_entry *match_either(struct pw_owner *o,
					  const struct pw_owner_tuple *t)
{
	struct pw_owner_tuple q = *t;
	struct pw_sock_entry *a, *b;

	normalize_tuple(&q);
	a = pw_sock_table_match(o->socks, &q);
	if (a && a->tuple.rport && !a->closed)
		return a;
	swap_tuple(&q);
	b = pw_sock_table_match(o->socks, &q);
	if (!a)
		return b;
	if (!b)
		return a;
	/* Prefer a connected match, then an open one. */
	if (!!b->tuple.rport != !!a->tuple.rport)
		return b->tuple.rport ? b : a;
	if (a->closed != b->closed)
		return a->closed ? b : a;
	return a->last_ns >= b->last_ns ? a : b;
}

/* Sleeps ns (interrupted early by signals, which is fine here). */
static void nap(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
			       .tv_nsec = (long)(ns % 1000000000ull) };

	nanosleep(&ts, NULL);
}

enum pw_owner_method pw_owner_lookup(struct pw_owner *o,
				     const struct pw_owner_tuple *t,
				     uint64_t wait_ns,
				     struct pw_owner_info *out,
				     uint64_t *cookie)
{
	uint64_t deadline = wall_now_ns() + wait_ns, now, step = 20000;
	struct pw_sock_entry *se;
	uint8_t method;

	/* Events may wait in the engine without having woken anyone (they
	 * are batched): drain, look, and back off from 20 us to 10 ms. */
	for (;;) {
		se = match_either(o, t);
		if (se && se->owner.pid)
			break;
		if (step == 20000 && pw_owner_poll(o, 0) > 0) {
			step++;	/* drained once even without a wait */
			continue;
		}
		now = wall_now_ns();
		if (now >= deadline) {
			memset(out, 0, sizeof(*out));
			if (cookie)
				*cookie = 0;
			return PW_OWNER_NONE;
		}
		if (pw_owner_poll(o, 0) > 0)
			continue;
		if (step > deadline - now)
			step = deadline - now;
		nap(step);
		if (step < 10000000)
			step *= 2;
	}
	/* Found through the endpoints rather than the socket itself. */
	method = se->method == PW_OWNER_EBPF_SOCKET ? PW_OWNER_EBPF_TUPLE :
		 se->method;
	fill_info(o, &se->owner, method, out);
	if (cookie)
		*cookie = se->cookie;
	return (enum pw_owner_method)out->method;
}

enum pw_owner_method pw_owner_lookup_cookie(struct pw_owner *o,
					    uint64_t cookie,
					    struct pw_owner_info *out)
{
	struct pw_sock_entry *se = pw_sock_table_find(o->socks, cookie);

	if (!se || !se->owner.pid) {
		memset(out, 0, sizeof(*out));
		return PW_OWNER_NONE;
	}
	fill_info(o, &se->owner, se->method, out);
	return (enum pw_owner_method)out->method;
}

bool pw_owner_proc(struct pw_owner *o, uint32_t pid,
		   struct pw_owner_info *out)
{
	struct pw_proc_entry *pe = pw_proc_cache_find(o->procs, pid, 0);
	struct pw_raw_owner ro;

	memset(&ro, 0, sizeof(ro));
	ro.pid = pid;
	if (pe) {
		ro.start_ns = pe->start_ns;
		ro.ppid = pe->ppid;
		ro.uid = pe->uid;
		ro.cgroup_id = pe->cgroup_id;
		memcpy(ro.comm, pe->comm, sizeof(ro.comm));
	}
	fill_info(o, &ro, pw_owner_engine_method(o), out);
	pe = pw_proc_cache_find(o->procs, pid, 0);
	if (!pe || (!pe->start_ns && !pe->exe)) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	return true;
}

const char *pw_owner_engine_name(const struct pw_owner *o)
{
	return o->ops->name;
}

enum pw_owner_method pw_owner_engine_method(const struct pw_owner *o)
{
	return o->ops->method;
}

void pw_owner_get_stats(struct pw_owner *o, struct pw_owner_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (o->ops->stats)
		o->ops->stats(o->engine, st);
	st->events = o->events;
	st->prefilled = o->prefilled;
	pw_sock_table_stats(o->socks, &st->sockets, &st->socket_evictions);
	pw_proc_cache_stats(o->procs, &st->procs, &st->proc_evictions,
			    &st->proc_misses);
}

void pw_owner_stop(struct pw_owner *o)
{
	if (!o)
		return;
	if (o->ops)
		o->ops->stop(o->engine);
	if (o->cgroup_fd >= 0)
		close(o->cgroup_fd);
	pw_sock_table_free(o->socks);
	pw_proc_cache_free(o->procs);
	free(o);
}
