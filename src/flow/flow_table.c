/* The flow table: a chained hash over canonical keys, one LRU list per
 * timeout class, and a slab of flows recycled through a free list.
 *
 * Layout and costs:
 * - buckets: power-of-two array of chain heads, grown by doubling while
 *   flows outnumber buckets, up to the power of two at or above the cap,
 *   so the load factor stays at most 1 and a chain is ~1 flow long.
 * - LRU lists: a packet moves its flow to the tail of the list of its
 *   current timeout class. Within one list all flows share a timeout, so
 *   the head is the next to expire and expiry stops at the first live
 *   flow: O(expired). The least recently active flow overall is the
 *   oldest of the four heads.
 * - flows come from slabs; a packet allocates nothing unless it creates
 *   a flow, and even then only when the free list is empty. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <netinet/in.h>

#include "flow/flow_priv.h"

#define NS_PER_SEC 1000000000ull
#define DEFAULT_MAX_FLOWS (1u << 20)
#define MAX_BUCKETS (1u << 30)
#define INITIAL_BUCKETS 1024u
#define SLAB_FLOWS 1024u
/* pw_flow_table_expire scans at most this often (packet time). */
#define EXPIRE_INTERVAL_NS NS_PER_SEC

struct lru_list {
	struct pw_flow *head, *tail;
};

struct flow_slab {
	struct flow_slab *next;
	struct pw_flow flows[];
};

struct pw_flow_table {
	struct pw_flow_config cfg;
	uint64_t timeout[PW_TMO__COUNT];
	struct pw_flow **buckets;
	uint32_t nbuckets;	/* power of two */
	uint32_t max_buckets;
	struct lru_list lru[PW_TMO__COUNT];
	struct pw_flow *free_list;	/* linked through hash_next */
	struct flow_slab *slabs;
	uint32_t slab_flows;
	uint64_t seed[6];
	uint64_t next_id;
	uint64_t last_expire_ns;
	bool expire_ran;
	struct pw_flow_stats stats;
};

void pw_flow_config_default(struct pw_flow_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_flows = DEFAULT_MAX_FLOWS;
	cfg->timeout_syn_ns = 60 * NS_PER_SEC;
	cfg->timeout_est_ns = 300 * NS_PER_SEC;
	cfg->timeout_fin_ns = 60 * NS_PER_SEC;
	cfg->timeout_udp_ns = 60 * NS_PER_SEC;
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Per-table secret seed, so crafted traffic cannot predict buckets. When
 * the kernel has no entropy to give yet, a clock-and-address mix still
 * differs per run. */
static void seed_table(struct pw_flow_table *t)
{
	struct timespec ts;
	uint64_t state;
	unsigned i;

	if (getrandom(t->seed, sizeof(t->seed), GRND_NONBLOCK) ==
	    (ssize_t)sizeof(t->seed))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	state = (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
	state ^= (uint64_t)(uintptr_t)t;
	for (i = 0; i < 6; i++)
		t->seed[i] = splitmix64(&state);
}

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n && p < MAX_BUCKETS)
		p <<= 1;
	return p;
}

static void update_mem(struct pw_flow_table *t)
{
	t->stats.mem_bytes = sizeof(*t) +
			     (uint64_t)t->nbuckets * sizeof(*t->buckets);
}

struct pw_flow_table *pw_flow_table_new(const struct pw_flow_config *cfg)
{
	struct pw_flow_config def;
	struct pw_flow_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	pw_flow_config_default(&def);
	if (!cfg)
		cfg = &def;
	t->cfg = *cfg;
	if (!t->cfg.max_flows)
		t->cfg.max_flows = def.max_flows;
	t->timeout[PW_TMO_SYN] = cfg->timeout_syn_ns ? cfg->timeout_syn_ns :
						       def.timeout_syn_ns;
	t->timeout[PW_TMO_EST] = cfg->timeout_est_ns ? cfg->timeout_est_ns :
						       def.timeout_est_ns;
	t->timeout[PW_TMO_FIN] = cfg->timeout_fin_ns ? cfg->timeout_fin_ns :
						       def.timeout_fin_ns;
	t->timeout[PW_TMO_UDP] = cfg->timeout_udp_ns ? cfg->timeout_udp_ns :
						       def.timeout_udp_ns;
	t->max_buckets = pow2_at_least(t->cfg.max_flows);
	t->nbuckets = t->max_buckets < INITIAL_BUCKETS ? t->max_buckets :
							 INITIAL_BUCKETS;
	t->slab_flows = t->cfg.max_flows < SLAB_FLOWS ? t->cfg.max_flows :
							SLAB_FLOWS;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	t->next_id = 1;
	seed_table(t);
	update_mem(t);
	return t;
}

/* Releases what the flow owns besides its slot. */
static void release_payload(struct pw_flow_table *t, struct pw_flow *f)
{
	if (f->l7_state && t->cfg.free_l7)
		t->cfg.free_l7(f->l7_state);
	f->l7_state = NULL;
	free(f->host);
	f->host = NULL;
}

void pw_flow_table_free(struct pw_flow_table *t)
{
	struct flow_slab *s, *next;
	unsigned c;

	if (!t)
		return;
	for (c = 0; c < PW_TMO__COUNT; c++) {
		struct pw_flow *f;

		for (f = t->lru[c].head; f; f = f->lru_next)
			release_payload(t, f);
	}
	for (s = t->slabs; s; s = next) {
		next = s->next;
		free(s);
	}
	free(t->buckets);
	free(t);
}

/* ---- slab ---- */

static struct pw_flow *flow_alloc(struct pw_flow_table *t)
{
	struct pw_flow *f = t->free_list;

	if (!f) {
		struct flow_slab *s;
		size_t bytes = sizeof(*s) +
			       (size_t)t->slab_flows * sizeof(struct pw_flow);
		uint32_t i;

		s = malloc(bytes);
		if (!s)
			return NULL;
		s->next = t->slabs;
		t->slabs = s;
		t->stats.mem_bytes += bytes;
		for (i = t->slab_flows; i-- > 0;) {
			s->flows[i].hash_next = t->free_list;
			t->free_list = &s->flows[i];
		}
		f = t->free_list;
	}
	t->free_list = f->hash_next;
	memset(f, 0, sizeof(*f));
	return f;
}

static void flow_release(struct pw_flow_table *t, struct pw_flow *f)
{
	f->hash_next = t->free_list;
	t->free_list = f;
}

/* ---- hash ---- */

static struct pw_flow *hash_find(const struct pw_flow_table *t,
				 const struct pw_flow_pkt *pk)
{
	struct pw_flow *f = t->buckets[pk->hash & (t->nbuckets - 1)];

	for (; f; f = f->hash_next)
		if (f->hash == pk->hash && pw_flow_key_equal(&f->key, &pk->key))
			return f;
	return NULL;
}

static void hash_insert(struct pw_flow_table *t, struct pw_flow *f)
{
	struct pw_flow **b = &t->buckets[f->hash & (t->nbuckets - 1)];

	f->hash_next = *b;
	*b = f;
}

static void hash_remove(struct pw_flow_table *t, struct pw_flow *f)
{
	struct pw_flow **pp = &t->buckets[f->hash & (t->nbuckets - 1)];

	while (*pp && *pp != f)
		pp = &(*pp)->hash_next;
	if (*pp)
		*pp = f->hash_next;
	f->hash_next = NULL;
}

/* Doubles the bucket array. On allocation failure the table keeps
 * working with longer chains. */
static void hash_grow(struct pw_flow_table *t)
{
	uint32_t n = t->nbuckets * 2, i;
	struct pw_flow **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return;
	for (i = 0; i < t->nbuckets; i++) {
		struct pw_flow *f = t->buckets[i], *next;

		for (; f; f = next) {
			next = f->hash_next;
			f->hash_next = nb[f->hash & (n - 1)];
			nb[f->hash & (n - 1)] = f;
		}
	}
	free(t->buckets);
	t->stats.mem_bytes += (uint64_t)(n - t->nbuckets) * sizeof(*nb);
	t->buckets = nb;
	t->nbuckets = n;
}

/* ---- LRU lists ---- */

static void lru_unlink(struct pw_flow_table *t, struct pw_flow *f)
{
	struct lru_list *l = &t->lru[f->tmo_class];

	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		l->head = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		l->tail = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

static void lru_append(struct pw_flow_table *t, struct pw_flow *f,
		       uint8_t cls)
{
	struct lru_list *l = &t->lru[cls];

	f->tmo_class = cls;
	f->lru_next = NULL;
	f->lru_prev = l->tail;
	if (l->tail)
		l->tail->lru_next = f;
	else
		l->head = f;
	l->tail = f;
}

/* Least recently active flow: the oldest list head, ties to the older
 * flow, so runs are deterministic. */
static struct pw_flow *lru_oldest(const struct pw_flow_table *t)
{
	struct pw_flow *best = NULL;
	unsigned c;

	for (c = 0; c < PW_TMO__COUNT; c++) {
		struct pw_flow *f = t->lru[c].head;

		if (!f)
			continue;
		if (!best || f->last_ts < best->last_ts ||
		    (f->last_ts == best->last_ts && f->id < best->id))
			best = f;
	}
	return best;
}

/* ---- ending flows ---- */

static void end_flow(struct pw_flow_table *t, struct pw_flow *f,
		     enum pw_flow_end why, uint64_t *counter)
{
	hash_remove(t, f);
	lru_unlink(t, f);
	t->stats.active--;
	(*counter)++;
	if (t->cfg.on_end)
		t->cfg.on_end(f, why, t->cfg.ctx);
	release_payload(t, f);
	flow_release(t, f);
}

static bool flow_expired(const struct pw_flow_table *t,
			 const struct pw_flow *f, uint64_t now)
{
	return now > f->last_ts &&
	       now - f->last_ts > t->timeout[f->tmo_class];
}

static void expire_scan(struct pw_flow_table *t, uint64_t now)
{
	unsigned c;

	for (c = 0; c < PW_TMO__COUNT; c++) {
		struct pw_flow *f;

		while ((f = t->lru[c].head) && flow_expired(t, f, now))
			end_flow(t, f, PW_FLOW_END_TIMEOUT,
				 &t->stats.timed_out);
	}
}

void pw_flow_table_expire(struct pw_flow_table *t, uint64_t now_ns)
{
	/* Packet time may step back (merged captures): scan then too, so a
	 * jump backwards cannot stall expiry. */
	if (t->expire_ran && now_ns >= t->last_expire_ns &&
	    now_ns - t->last_expire_ns < EXPIRE_INTERVAL_NS)
		return;
	t->expire_ran = true;
	t->last_expire_ns = now_ns;
	expire_scan(t, now_ns);
}

void pw_flow_table_flush(struct pw_flow_table *t)
{
	struct pw_flow *f;

	while ((f = lru_oldest(t)))
		end_flow(t, f, PW_FLOW_END_FLUSH, &t->stats.flushed);
}

void pw_flow_table_stats(const struct pw_flow_table *t,
			 struct pw_flow_stats *st)
{
	*st = t->stats;
}

/* ---- tracking ---- */

static uint8_t initial_client(const struct pw_flow_pkt *pk,
			      const struct pw_dissect *d)
{
	if (pk->key.proto == IPPROTO_TCP)
		return pw_flow_tcp_client(d, pk->from);
	if (pk->icmp == PW_ICMP_ECHO_REPLY)
		return !pk->from;
	return pk->from;
}

static struct pw_flow *flow_create(struct pw_flow_table *t,
				   const struct pw_flow_pkt *pk,
				   const struct pw_dissect *d, uint64_t ts)
{
	struct pw_flow *f;

	if (t->stats.active >= t->cfg.max_flows) {
		expire_scan(t, ts);
		if (t->stats.active >= t->cfg.max_flows)
			end_flow(t, lru_oldest(t), PW_FLOW_END_EVICTED,
				 &t->stats.evicted);
	}
	f = flow_alloc(t);
	if (!f)
		return NULL;
	f->key = pk->key;
	f->hash = pk->hash;
	f->id = t->next_id++;
	f->first_ts = f->last_ts = ts;
	f->client = initial_client(pk, d);
	f->dir[PW_C2S].wscale = 0xff;
	f->dir[PW_S2C].wscale = 0xff;
	if (t->stats.active >= t->nbuckets && t->nbuckets < t->max_buckets)
		hash_grow(t);
	hash_insert(t, f);
	/* Joins a list now so an on_end from this packet's own processing
	 * can never see a half-linked flow; the class is fixed below. */
	lru_append(t, f, PW_TMO_UDP);
	t->stats.active++;
	t->stats.created++;
	if (t->stats.active > t->stats.peak)
		t->stats.peak = t->stats.active;
	return f;
}

static void touch(struct pw_flow_table *t, struct pw_flow *f, uint64_t ts)
{
	uint8_t cls = f->key.proto == IPPROTO_TCP ?
			      (uint8_t)pw_flow_tcp_tmo_class(f->tcp_state) :
			      PW_TMO_UDP;

	if (ts > f->last_ts)
		f->last_ts = ts;
	if (ts < f->first_ts)
		f->first_ts = ts;
	if (t->lru[cls].tail == f)
		return;
	lru_unlink(t, f);
	lru_append(t, f, cls);
}

bool pw_flow_track(struct pw_flow_table *t, const struct pw_dissect *d,
		   uint64_t ts_ns, struct pw_flow_update *upd)
{
	struct pw_flow_pkt pk;
	struct pw_flow *f;
	uint32_t len;
	uint8_t dir;

	if (!pw_flow_pkt_from_dissect(d, false, &pk))
		return false;
	pk.hash = pw_flow_key_hash(&pk.key, t->seed);
	upd->created = false;
	upd->retransmit = false;

	f = hash_find(t, &pk);
	if (f) {
		dir = pk.from == f->client ? PW_C2S : PW_S2C;
		if (flow_expired(t, f, ts_ns)) {
			end_flow(t, f, PW_FLOW_END_TIMEOUT,
				 &t->stats.timed_out);
			f = NULL;
		} else if (pk.key.proto == IPPROTO_TCP &&
			   pw_flow_tcp_is_new_connection(f, d, dir)) {
			end_flow(t, f, PW_FLOW_END_TIMEOUT, &t->stats.reused);
			f = NULL;
		}
	}
	if (!f) {
		f = flow_create(t, &pk, d, ts_ns);
		if (!f)
			return false;
		upd->created = true;
	}
	dir = pk.from == f->client ? PW_C2S : PW_S2C;

	len = pw_flow_payload_len(d);
	f->dir[dir].packets++;
	if (len) {
		f->dir[dir].data_packets++;
		f->dir[dir].payload_bytes += len;
	}
	if (pk.key.proto == IPPROTO_TCP)
		pw_flow_tcp_update(f, d, dir, upd);
	touch(t, f, ts_ns);

	upd->flow = f;
	upd->dir = dir;
	return true;
}

static struct pw_flow *lookup(struct pw_flow_table *t,
			      const struct pw_dissect *d, bool quoted,
			      uint8_t *dir_out)
{
	struct pw_flow_pkt pk;
	struct pw_flow *f;

	if (!pw_flow_pkt_from_dissect(d, quoted, &pk))
		return NULL;
	pk.hash = pw_flow_key_hash(&pk.key, t->seed);
	f = hash_find(t, &pk);
	if (f && dir_out)
		*dir_out = pk.from == f->client ? PW_C2S : PW_S2C;
	return f;
}

struct pw_flow *pw_flow_lookup(struct pw_flow_table *t,
			       const struct pw_dissect *d, uint8_t *dir_out)
{
	return lookup(t, d, false, dir_out);
}

struct pw_flow *pw_flow_lookup_quoted(struct pw_flow_table *t,
				      const struct pw_dissect *inner,
				      uint8_t *dir_out)
{
	return lookup(t, inner, true, dir_out);
}
