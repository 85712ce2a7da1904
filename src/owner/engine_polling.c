/* The polling engine: a snapshot (sock_diag + /proc fd scan) every
 * interval, compared with the previous one by socket cookie. A flow that
 * opens and closes between two snapshots is never seen; every event is
 * labelled "polling" so users know that. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "owner/engine.h"
#include "owner/procfs.h"
#include "owner/snapshot.h"

#define TCP_LISTEN 10

struct polling_engine {
	struct pw_owner *o;
	uint64_t interval_ns;
	uint64_t next_ns;	/* CLOCK_MONOTONIC of the next snapshot */
	struct pw_snapshot prev, cur;
	bool first;
	bool warned_netns;
	uint64_t polls;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Owner from the fields read when the descriptor was found; /proc again
 * only when that read failed. */
static bool owner_of(const struct pw_snap_sock *s, struct pw_raw_owner *o)
{
	struct pw_proc_stat st;
	uint32_t uid;

	memset(o, 0, sizeof(*o));
	o->pid = s->pid;
	o->tid = s->pid;
	if (s->proc.start_ticks) {
		o->ppid = s->proc.ppid;
		o->uid = s->proc.uid;
		o->start_ns = s->proc.start_ticks * pw_procfs_tick_ns();
		memcpy(o->comm, s->proc.comm, sizeof(o->comm));
		return true;
	}
	if (!pw_procfs_read_stat(s->pid, &st, &uid))
		return false;
	o->ppid = st.ppid;
	o->uid = uid;
	o->start_ns = st.start_ticks * pw_procfs_tick_ns();
	memcpy(o->comm, st.comm, sizeof(o->comm));
	return true;
}

/* A TCP socket on a port some listener of the same namespace holds was
 * accepted; anything else connected was connected. */
static bool is_accepted(const struct pw_snapshot *snap,
			const struct pw_snap_sock *s)
{
	size_t i;

	if (s->s.proto != IPPROTO_TCP)
		return false;
	for (i = 0; i < snap->n; i++) {
		const struct pw_snap_sock *l = &snap->socks[i];

		if (l->s.state == TCP_LISTEN && l->s.proto == IPPROTO_TCP &&
		    l->s.sport == s->s.sport && l->netns == s->netns)
			return true;
	}
	return false;
}

static void report(struct polling_engine *pe, enum pw_owner_event_kind kind,
		   const struct pw_snap_sock *s, uint64_t now)
{
	struct pw_raw_sock_event raw;

	memset(&raw, 0, sizeof(raw));
	raw.kind = kind;
	raw.ts_ns = now;
	raw.cookie = s->s.cookie;
	raw.has_tuple = true;
	raw.method = PW_OWNER_POLLING;
	raw.tuple.family = s->s.family;
	raw.tuple.proto = s->s.proto;
	raw.tuple.lport = s->s.sport;
	raw.tuple.rport = s->s.dport;
	memcpy(raw.tuple.laddr, s->s.saddr, 16);
	memcpy(raw.tuple.raddr, s->s.daddr, 16);
	raw.tuple.netns = s->netns;
	raw.tcp_state = s->s.proto == IPPROTO_TCP ? s->s.state : 0;
	if (kind != PW_OEV_CLOSE)
		raw.owner_known = owner_of(s, &raw.owner);
	pw_owner_ingest_sock(pe->o, &raw);
}

static enum pw_owner_event_kind kind_of_new(const struct pw_snapshot *snap,
					    const struct pw_snap_sock *s)
{
	if (!s->s.dport)
		return PW_OEV_BIND;
	return is_accepted(snap, s) ? PW_OEV_ACCEPT : PW_OEV_CONNECT;
}

/* Compares the snapshot just taken (cur) with the previous one. */
static int diff(struct polling_engine *pe)
{
	struct pw_snapshot tmp;
	uint64_t now;
	size_t i = 0, j = 0;
	int n = 0;

	pe->polls++;
	if (pe->cur.netns_failed && !pe->warned_netns) {
		pw_warn("polling: %u network namespace(s) could not be "
			"entered; their sockets are not seen",
			pe->cur.netns_failed);
		pe->warned_netns = true;
	}
	now = wall_ns();
	/* Both lists are sorted by cookie: one merge finds what is new,
	 * gone, or changed hands. */
	while (i < pe->prev.n || j < pe->cur.n) {
		const struct pw_snap_sock *a = i < pe->prev.n ?
					       &pe->prev.socks[i] : NULL;
		const struct pw_snap_sock *b = j < pe->cur.n ?
					       &pe->cur.socks[j] : NULL;

		if (b && (!a || b->s.cookie < a->s.cookie)) {
			report(pe, pe->first ? PW_OEV_EXISTING :
				   kind_of_new(&pe->cur, b), b, now);
			j++;
		} else if (a && (!b || a->s.cookie < b->s.cookie)) {
			report(pe, PW_OEV_CLOSE, a, now);
			i++;
		} else {
			if (a->pid != b->pid)
				report(pe, PW_OEV_OWNER, b, now);
			else if (a->s.dport != b->s.dport &&
				 b->s.proto == IPPROTO_UDP)
				report(pe, PW_OEV_CONNECT, b, now);
			else if (a->s.state != b->s.state && !a->s.dport)
				report(pe, kind_of_new(&pe->cur, b), b, now);
			i++;
			j++;
			continue;
		}
		n++;
	}
	pe->first = false;
	tmp = pe->prev;
	pe->prev = pe->cur;
	pe->cur = tmp;
	return n;
}

static int take(struct polling_engine *pe)
{
	struct pw_error err;

	pw_error_clear(&err);
	if (pw_snapshot_take(&pe->cur, NULL, 0, &err) < 0) {
		pw_warn("polling: %s", err.msg);
		return 0;
	}
	return diff(pe);
}

static void polling_stop(void *state)
{
	struct polling_engine *pe = state;

	if (!pe)
		return;
	pw_snapshot_free(&pe->prev);
	pw_snapshot_free(&pe->cur);
	free(pe);
}

static int polling_start(struct pw_owner *o, const struct pw_owner_config *cfg,
			 void **state, struct pw_error *err)
{
	struct polling_engine *pe = calloc(1, sizeof(*pe));

	if (!pe)
		return pw_error_set(err, -ENOMEM, "out of memory");
	pe->o = o;
	pe->interval_ns = cfg->poll_interval_ns ? cfg->poll_interval_ns :
						   1000000000ull;
	pe->first = true;
	if (pw_snapshot_take(&pe->cur, NULL, 0, err) < 0) {
		polling_stop(pe);
		return -1;
	}
	diff(pe);
	pe->next_ns = mono_ns() + pe->interval_ns;
	*state = pe;
	return 0;
}

static int polling_poll(void *state, int timeout_ms)
{
	struct polling_engine *pe = state;
	uint64_t now = mono_ns();

	if (now < pe->next_ns) {
		uint64_t wait_ms = (pe->next_ns - now + 999999) / 1000000;

		if (timeout_ms >= 0 && (uint64_t)timeout_ms < wait_ms)
			wait_ms = (uint64_t)timeout_ms;
		if (wait_ms && poll(NULL, 0, (int)wait_ms) < 0 &&
		    errno == EINTR)
			return -EINTR;
		if (mono_ns() < pe->next_ns)
			return 0;
	}
	pe->next_ns = mono_ns() + pe->interval_ns;
	return take(pe);
}

static void polling_stats(void *state, struct pw_owner_stats *st)
{
	struct polling_engine *pe = state;

	st->polls = pe->polls;
}

const struct pw_owner_engine_ops pw_engine_polling_ops = {
	.name = "polling",
	.method = PW_OWNER_POLLING,
	.start = polling_start,
	.poll = polling_poll,
	.fd = NULL,
	.stats = polling_stats,
	.stop = polling_stop,
};
