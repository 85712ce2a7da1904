/* ICMP errors of the targets' flows: queue, match, hand over. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "capture/icmp_errors.h"
#include "capture/icmp_watch.h"
#include "pkt/dissect.h"

#define QUEUE_MAX 64		/* errors read per loop round */
#define RESCAN_NS (2ull * 1000000000ull)
/* An error stamped before the flow's first packet answers an earlier
 * flow of the same endpoints; the slack covers the two clocks' offsets
 * read at slightly different moments. */
#define BEFORE_SLACK_NS 1000000ull

struct queued {
	uint64_t ts_ns;		/* tap clock */
	uint32_t netns, ifindex, wirelen, caplen;
	uint8_t *data;
};

/* What a flow does not keep of its owner, from its first owned packet. */
struct flow_owner {
	uint64_t flow_id;
	uint64_t cookie;
	uint64_t cgroup_id;
	uint32_t tid;
	uint32_t netns;
	struct flow_owner *next;
};

struct pw_cap_icmp {
	struct pw_icmp_watch *watch;
	pw_cap_icmp_deliver_fn deliver;
	void *ctx;
	uint64_t timeout[4];	/* syn, est, fin, udp */
	int64_t wall_minus_boot; /* the tap's clock: boot time + this */
	int64_t now_real_minus_boot; /* during a collect */
	uint64_t next_rescan;
	struct queued queue[QUEUE_MAX];	/* oldest first */
	unsigned nqueued;
	struct flow_owner **buckets;
	uint32_t nbuckets;	/* a power of two */
	uint32_t nowners;
	uint64_t matched, unmatched;
};

static int64_t real_minus_boot(void)
{
	struct timespec r, b;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_BOOTTIME, &b);
	return ((int64_t)r.tv_sec - b.tv_sec) * 1000000000ll +
	       (r.tv_nsec - b.tv_nsec);
}

/* --- owners of flows ------------------------------------------------- */

static uint32_t bucket_of(const struct pw_cap_icmp *m, uint64_t id)
{
	return (uint32_t)((id * 0x9e3779b97f4a7c15ull) >> 32) &
	       (m->nbuckets - 1);
}

static struct flow_owner *owner_find(struct pw_cap_icmp *m, uint64_t id)
{
	struct flow_owner *o;

	for (o = m->buckets[bucket_of(m, id)]; o; o = o->next)
		if (o->flow_id == id)
			return o;
	return NULL;
}

static void grow(struct pw_cap_icmp *m)
{
	uint32_t old = m->nbuckets, i;
	struct flow_owner **b = calloc((size_t)old * 2, sizeof(*b));
	struct flow_owner **prev = m->buckets, *o, *next;

	if (!b)
		return;		/* longer chains, still correct */
	m->buckets = b;
	m->nbuckets = old * 2;
	for (i = 0; i < old; i++) {
		for (o = prev[i]; o; o = next) {
			next = o->next;
			o->next = b[bucket_of(m, o->flow_id)];
			b[bucket_of(m, o->flow_id)] = o;
		}
	}
	free(prev);
}

void pw_cap_icmp_netns(struct pw_cap_icmp *m, const struct pw_owner_packet *p)
{
	pw_icmp_watch_netns(m->watch, p->netns, p->owner.pid);
}

void pw_cap_icmp_flow_owner(struct pw_cap_icmp *m, const struct pw_flow *f,
			    const struct pw_owner_packet *p)
{
	struct flow_owner *o;
	uint32_t b;

	if (owner_find(m, f->id))
		return;
	o = malloc(sizeof(*o));
	if (!o)
		return;		/* the error then gets pid and comm only */
	o->flow_id = f->id;
	o->cookie = p->owner.cookie;
	o->cgroup_id = p->owner.cgroup_id;
	o->tid = p->owner.tid;
	o->netns = p->netns;
	b = bucket_of(m, o->flow_id);
	o->next = m->buckets[b];
	m->buckets[b] = o;
	if (++m->nowners > m->nbuckets)
		grow(m);
}

void pw_cap_icmp_flow_end(struct pw_cap_icmp *m, const struct pw_flow *f)
{
	struct flow_owner **pp, *o;

	for (pp = &m->buckets[bucket_of(m, f->id)]; (o = *pp);
	     pp = &o->next) {
		if (o->flow_id == f->id) {
			*pp = o->next;
			free(o);
			m->nowners--;
			return;
		}
	}
}

/* --- queue ------------------------------------------------------------ */

static void on_error(const struct pw_icmp_err *e, void *ctx)
{
	struct pw_cap_icmp *m = ctx;
	struct queued q;
	unsigned i;

	if (m->nqueued == QUEUE_MAX)
		return;		/* not reached: reads are bounded by room */
	q.ts_ns = (uint64_t)((int64_t)e->real_ns - m->now_real_minus_boot +
			     m->wall_minus_boot);
	q.netns = e->netns;
	q.ifindex = e->ifindex;
	q.wirelen = e->wirelen;
	q.caplen = e->caplen;
	q.data = malloc(e->caplen ? e->caplen : 1);
	if (!q.data)
		return;
	memcpy(q.data, e->data, e->caplen);
	/* Sockets are read one after the other: keep the queue in time
	 * order. */
	for (i = m->nqueued; i > 0 && m->queue[i - 1].ts_ns > q.ts_ns; i--)
		m->queue[i] = m->queue[i - 1];
	m->queue[i] = q;
	m->nqueued++;
}

void pw_cap_icmp_collect(struct pw_cap_icmp *m)
{
	/* Receive stamps are CLOCK_REALTIME; the offset now, not at start,
	 * turns them back into boot time should the wall clock have been
	 * set meanwhile. */
	m->now_real_minus_boot = real_minus_boot();
	pw_icmp_watch_read(m->watch, QUEUE_MAX - m->nqueued, on_error, m);
}

/* --- matching --------------------------------------------------------- */

static uint64_t timeout_of(const struct pw_cap_icmp *m, const struct pw_flow *f)
{
	switch (f->tcp_state) {
	case PW_TCP_NONE:
		return m->timeout[3];
	case PW_TCP_SYN_SENT:
	case PW_TCP_SYN_RECV:
		return m->timeout[0];
	case PW_TCP_ESTABLISHED:
		return m->timeout[1];
	default:
		return m->timeout[2];
	}
}

/* The target flow an error quotes, with its owner in *out; false when it
 * quotes none. */
static bool match(struct pw_cap_icmp *m, const struct queued *q,
		  struct pw_flow_table *flows, struct pw_owner_packet *out)
{
	struct pw_dissect outer, inner;
	struct flow_owner *o;
	struct pw_flow *f;
	uint8_t dir;

	if (!pw_dissect_ip(q->data, q->caplen, q->wirelen, &outer) ||
	    !outer.icmp_quote_off || !pw_dissect_icmp_quote(&outer, &inner))
		return false;
	f = pw_flow_lookup_quoted(flows, &inner, &dir);
	if (!f)
		return false;
	if (q->ts_ns > f->last_ts && q->ts_ns - f->last_ts > timeout_of(m, f))
		return false;	/* the flow is over, only not yet removed */
	if (q->ts_ns + BEFORE_SLACK_NS < f->first_ts)
		return false;
	o = owner_find(m, f->id);
	/* Addresses repeat across namespaces (containers): the error must
	 * come from where the flow's packets did. */
	if (o && o->netns && q->netns && o->netns != q->netns)
		return false;
	memset(out, 0, sizeof(*out));
	out->ts_ns = q->ts_ns;
	out->dir = PW_DIR_IN;
	out->family = outer.ipver;
	out->ifindex = q->ifindex;
	out->netns = q->netns;
	out->wirelen = q->wirelen;
	out->caplen = q->caplen;
	out->data = q->data;
	if (f->pid) {
		out->owner.pid = f->pid;
		memcpy(out->owner.comm, f->comm, sizeof(out->owner.comm));
		out->owner.method = (uint8_t)PW_OWNER_EBPF_TUPLE;
		if (o) {
			out->owner.tid = o->tid;
			out->owner.cookie = o->cookie;
			out->owner.cgroup_id = o->cgroup_id;
		}
	}
	return true;
}

void pw_cap_icmp_release(struct pw_cap_icmp *m, uint64_t upto_ns,
			 struct pw_flow_table *flows)
{
	struct pw_owner_packet p;
	unsigned i = 0;

	while (i < m->nqueued && m->queue[i].ts_ns <= upto_ns) {
		if (match(m, &m->queue[i], flows, &p)) {
			m->matched++;
			m->deliver(&p, m->ctx);
		} else {
			m->unmatched++;
			pw_debug("ICMP error in network namespace %u, "
				 "interface %u: quotes no target flow",
				 m->queue[i].netns, m->queue[i].ifindex);
		}
		free(m->queue[i].data);
		i++;
	}
	if (!i)
		return;
	memmove(m->queue, m->queue + i, (m->nqueued - i) * sizeof(*m->queue));
	m->nqueued -= i;
}

/* --- life ------------------------------------------------------------- */

int pw_cap_icmp_fd(const struct pw_cap_icmp *m)
{
	return pw_icmp_watch_fd(m->watch);
}

void pw_cap_icmp_tick(struct pw_cap_icmp *m, uint64_t mono_ns)
{
	if (mono_ns < m->next_rescan)
		return;
	pw_icmp_watch_rescan(m->watch);
	m->next_rescan = mono_ns + RESCAN_NS;
}

void pw_cap_icmp_stats(struct pw_cap_icmp *m, struct pw_cap_icmp_stats *st)
{
	struct pw_icmp_watch_stats ws;

	pw_icmp_watch_stats(m->watch, &ws);
	st->matched = m->matched;
	st->unmatched = m->unmatched;
	st->lost = ws.lost;
	st->namespaces = ws.namespaces;
}

struct pw_cap_icmp *pw_cap_icmp_new(bool loopback, uint32_t snaplen,
				    const struct pw_flow_config *flow,
				    pw_cap_icmp_deliver_fn deliver, void *ctx,
				    struct pw_error *err)
{
	struct pw_cap_icmp *m = calloc(1, sizeof(*m));
	struct pw_flow_config d;
	struct timespec now;

	if (!m) {
		pw_error_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	pw_flow_config_default(&d);
	m->timeout[0] = flow->timeout_syn_ns ? flow->timeout_syn_ns :
			d.timeout_syn_ns;
	m->timeout[1] = flow->timeout_est_ns ? flow->timeout_est_ns :
			d.timeout_est_ns;
	m->timeout[2] = flow->timeout_fin_ns ? flow->timeout_fin_ns :
			d.timeout_fin_ns;
	m->timeout[3] = flow->timeout_udp_ns ? flow->timeout_udp_ns :
			d.timeout_udp_ns;
	m->deliver = deliver;
	m->ctx = ctx;
	m->wall_minus_boot = real_minus_boot();
	m->nbuckets = 1024;
	m->buckets = calloc(m->nbuckets, sizeof(*m->buckets));
	if (!m->buckets) {
		pw_error_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	m->watch = pw_icmp_watch_new(loopback, snaplen, err);
	if (!m->watch)
		goto fail;
	clock_gettime(CLOCK_MONOTONIC, &now);
	m->next_rescan = (uint64_t)now.tv_sec * 1000000000ull +
			 (uint64_t)now.tv_nsec + RESCAN_NS;
	return m;
fail:
	pw_cap_icmp_free(m);
	return NULL;
}

void pw_cap_icmp_free(struct pw_cap_icmp *m)
{
	struct flow_owner *o, *next;

	if (!m)
		return;
	for (unsigned i = 0; i < m->nqueued; i++)
		free(m->queue[i].data);
	for (uint32_t b = 0; m->buckets && b < m->nbuckets; b++) {
		for (o = m->buckets[b]; o; o = next) {
			next = o->next;
			free(o);
		}
	}
	free(m->buckets);
	pw_icmp_watch_free(m->watch);
	free(m);
}
