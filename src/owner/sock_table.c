#include "owner/sock_table.h"

#include <stdlib.h>
#include <string.h>

struct pw_sock_table {
	struct pw_sock_entry **by_cookie;
	struct pw_sock_entry **by_tuple;
	uint32_t nbuckets;	/* power of two, both hashes */
	uint32_t max, count;
	uint64_t linger_ns;
	uint64_t evictions;
	struct pw_sock_entry *lru_head, *lru_tail; /* head: most recent */
};

static const uint8_t zero16[16];

static uint32_t hash_cookie(const struct pw_sock_table *t, uint64_t cookie)
{
	cookie ^= cookie >> 33;
	cookie *= 0xff51afd7ed558ccdull;
	cookie ^= cookie >> 33;
	return (uint32_t)cookie & (t->nbuckets - 1);
}

/* Endpoint hash: protocol and both ports (addresses are compared in the
 * chain), so a local-only lookup is one bucket too (rport 0). */
static uint32_t hash_ports(const struct pw_sock_table *t, uint8_t proto,
			   uint16_t lport, uint16_t rport)
{
	uint32_t h = ((uint32_t)lport << 16 | rport) * 2654435761u;

	h ^= proto * 40503u;
	h ^= h >> 15;
	return h & (t->nbuckets - 1);
}

struct pw_sock_table *pw_sock_table_new(uint32_t max_entries,
					uint64_t linger_ns)
{
	struct pw_sock_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->max = max_entries ? max_entries : 65536;
	t->linger_ns = linger_ns;
	t->nbuckets = 64;
	while (t->nbuckets < t->max && t->nbuckets < (1u << 30))
		t->nbuckets <<= 1;
	t->by_cookie = calloc(t->nbuckets, sizeof(*t->by_cookie));
	t->by_tuple = calloc(t->nbuckets, sizeof(*t->by_tuple));
	if (!t->by_cookie || !t->by_tuple) {
		pw_sock_table_free(t);
		return NULL;
	}
	return t;
}

void pw_sock_table_free(struct pw_sock_table *t)
{
	struct pw_sock_entry *e, *next;

	if (!t)
		return;
	for (e = t->lru_head; e; e = next) {
		next = e->lru_next;
		free(e);
	}
	free(t->by_cookie);
	free(t->by_tuple);
	free(t);
}

static void lru_unlink(struct pw_sock_table *t, struct pw_sock_entry *e)
{
	if (e->lru_prev)
		e->lru_prev->lru_next = e->lru_next;
	else
		t->lru_head = e->lru_next;
	if (e->lru_next)
		e->lru_next->lru_prev = e->lru_prev;
	else
		t->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void lru_push(struct pw_sock_table *t, struct pw_sock_entry *e)
{
	e->lru_prev = NULL;
	e->lru_next = t->lru_head;
	if (t->lru_head)
		t->lru_head->lru_prev = e;
	t->lru_head = e;
	if (!t->lru_tail)
		t->lru_tail = e;
}

static void tuple_unhash(struct pw_sock_entry *e)
{
	if (!e->tuple_pprev)
		return;
	*e->tuple_pprev = e->tuple_next;
	if (e->tuple_next)
		e->tuple_next->tuple_pprev = e->tuple_pprev;
	e->tuple_next = NULL;
	e->tuple_pprev = NULL;
}

static void remove_entry(struct pw_sock_table *t, struct pw_sock_entry *e)
{
	*e->cookie_pprev = e->cookie_next;
	if (e->cookie_next)
		e->cookie_next->cookie_pprev = e->cookie_pprev;
	tuple_unhash(e);
	lru_unlink(t, e);
	t->count--;
	free(e);
}

struct pw_sock_entry *pw_sock_table_find(struct pw_sock_table *t,
					 uint64_t cookie)
{
	struct pw_sock_entry *e;

	for (e = t->by_cookie[hash_cookie(t, cookie)]; e; e = e->cookie_next)
		if (e->cookie == cookie)
			return e;
	return NULL;
}

struct pw_sock_entry *pw_sock_table_get(struct pw_sock_table *t,
					uint64_t cookie, uint64_t now_ns)
{
	struct pw_sock_entry *e = pw_sock_table_find(t, cookie);
	uint32_t b;

	if (e) {
		lru_unlink(t, e);
		goto out;
	}
	if (t->count >= t->max)
		pw_sock_table_expire(t, now_ns);
	if (t->count >= t->max && t->lru_tail) {
		/* Losing a closed socket early is the normal price of a busy
		 * table; losing an open one is counted. */
		if (!t->lru_tail->closed)
			t->evictions++;
		remove_entry(t, t->lru_tail);
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->cookie = cookie;
	b = hash_cookie(t, cookie);
	e->cookie_next = t->by_cookie[b];
	if (e->cookie_next)
		e->cookie_next->cookie_pprev = &e->cookie_next;
	e->cookie_pprev = &t->by_cookie[b];
	t->by_cookie[b] = e;
	t->count++;
out:
	e->last_ns = now_ns;
	lru_push(t, e);
	return e;
}

/* Field by field: the struct has padding. */
static bool tuple_same(const struct pw_owner_tuple *a,
		       const struct pw_owner_tuple *b)
{
	return a->family == b->family && a->proto == b->proto &&
	       a->lport == b->lport && a->rport == b->rport &&
	       a->netns == b->netns && !memcmp(a->laddr, b->laddr, 16) &&
	       !memcmp(a->raddr, b->raddr, 16);
}

void pw_sock_table_set_tuple(struct pw_sock_table *t, struct pw_sock_entry *e,
			     const struct pw_owner_tuple *tuple)
{
	struct pw_sock_entry **head;

	/* Most events repeat the endpoints the socket already has: the
	 * chain is left alone (relinking touches two other entries, cache
	 * misses in a table of thousands). */
	if (e->has_tuple && e->tuple_pprev && tuple_same(&e->tuple, tuple))
		return;
	tuple_unhash(e);
	e->tuple = *tuple;
	e->has_tuple = true;
	head = &t->by_tuple[hash_ports(t, tuple->proto, tuple->lport,
				       tuple->rport)];
	e->tuple_next = *head;
	if (e->tuple_next)
		e->tuple_next->tuple_pprev = &e->tuple_next;
	e->tuple_pprev = head;
	*head = e;
}

void pw_sock_table_close(struct pw_sock_table *t, struct pw_sock_entry *e,
			 uint64_t now_ns)
{
	(void)t;
	e->closed = true;
	e->last_ns = now_ns;
}

void pw_sock_table_expire(struct pw_sock_table *t, uint64_t now_ns)
{
	struct pw_sock_entry *e = t->lru_tail, *prev;
	int n;

	/* The list is in update order, so the walk stops at the first entry
	 * updated within the linger time: everything before it is newer.
	 * Open entries that old stay (idle sockets); a bound on the walk
	 * keeps a table full of them cheap. */
	for (n = 0; e && n < 1024; n++, e = prev) {
		prev = e->lru_prev;
		if (now_ns < e->last_ns || now_ns - e->last_ns <= t->linger_ns)
			break;
		if (e->closed)
			remove_entry(t, e);
	}
}

static bool netns_ok(uint32_t a, uint32_t b)
{
	return !a || !b || a == b;
}

/* Score of entry e for query q; 0 = no match. Higher is better. */
static int match_score(const struct pw_sock_entry *e,
		       const struct pw_owner_tuple *q, bool local_only)
{
	const struct pw_owner_tuple *s = &e->tuple;
	int score = 1;

	if (s->proto != q->proto || s->lport != q->lport)
		return 0;
	if (!netns_ok(s->netns, q->netns))
		return 0;
	if (local_only) {
		if (s->rport)
			return 0;
	} else {
		if (s->rport != q->rport || s->family != q->family ||
		    memcmp(s->raddr, q->raddr, 16))
			return 0;
	}
	if (!memcmp(s->laddr, q->laddr, 16) && s->family == q->family)
		score += 2;
	else if (memcmp(s->laddr, zero16, 16))
		return 0;
	else if (s->family != q->family && s->family != 6)
		return 0;	/* a v6 wildcard socket also takes IPv4 */
	if (!e->closed)
		score += 4;
	return score;
}

static struct pw_sock_entry *best_in_bucket(struct pw_sock_table *t,
					    const struct pw_owner_tuple *q,
					    uint16_t rport, bool local_only)
{
	struct pw_sock_entry *e, *best = NULL;
	int best_score = 0, s;

	e = t->by_tuple[hash_ports(t, q->proto, q->lport, rport)];
	for (; e; e = e->tuple_next) {
		s = match_score(e, q, local_only);
		if (s > best_score ||
		    (s && s == best_score && e->last_ns > best->last_ns)) {
			best = e;
			best_score = s;
		}
	}
	return best;
}

struct pw_sock_entry *pw_sock_table_match(struct pw_sock_table *t,
					  const struct pw_owner_tuple *q)
{
	struct pw_sock_entry *e = NULL;

	if (q->rport)
		e = best_in_bucket(t, q, q->rport, false);
	if (!e)
		e = best_in_bucket(t, q, 0, true);
	return e;
}

struct pw_sock_entry *pw_sock_table_listener(struct pw_sock_table *t,
					     const struct pw_owner_tuple *q)
{
	return best_in_bucket(t, q, 0, true);
}

void pw_sock_table_stats(const struct pw_sock_table *t, uint64_t *count,
			 uint64_t *evictions)
{
	*count = t->count;
	*evictions = t->evictions;
}
