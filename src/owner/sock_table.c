/* Socket table. Laid out for a connection storm, where the table sits
 * full and every new socket evicts the oldest entry: what costs there is
 * cache misses, not instructions, so each structure is built to touch as
 * few lines per event as it can.
 *
 * - Entries: one array mapped at the start for the cap (pages never
 *   used cost nothing), numbered from 1, used from the start up. Removed
 *   entries go on a free list and the next new socket takes the last one
 *   removed, still in cache from its removal.
 * - Links: the LRU list and the tuple chains link entries by number, in
 *   an array of their own, 16 bytes per entry. Moving an entry in the list
 *   or a chain writes its neighbours' links; kept inside the entries
 *   those writes land in lines spread over the whole table (8 MiB at the
 *   default cap), here in an array an eighth of that, far more likely to
 *   be in cache (bench/sock_table_bench.c: a quarter less time per
 *   connection with the table in cache; the same when other work evicts
 *   it between events). Entry 0 is the head of the LRU list and entry
 *   max + 1 (in the links alone) that of the closed list, which makes
 *   both lists circular and their links branch-free.
 * - Cookie index: open addressing, each 16-byte slot holding the cookie
 *   and its entry number, at most half full, linear probing. A cookie
 *   that is not there (every new socket) costs one line in the common
 *   case; a hit costs that line and the entry. Removal shifts the
 *   following slots back instead of leaving tombstones, so searches never
 *   lengthen as sockets come and go.
 * - Tuple index: chains of entries hashed on protocol and ports, linked
 *   both ways, so removal needs no walk: a client reusing ports quickly
 *   leaves dozens of lingering entries with the same endpoints in one
 *   bucket.
 * - Two lists, head the most recent: open sockets in update order (LRU),
 *   closed ones in the order they closed. A full table takes room from
 *   the closed list first: what attribution is for is the sockets in use,
 *   and a connection storm leaves thousands of closed ones behind, newer
 *   than a long-lived idle connection at the end of the LRU list. Expiry
 *   walks the closed list alone, from its oldest. */
#include "owner/sock_table.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* tuple_prev of the first entry in a chain: its bucket, with this bit. */
#define TUPLE_HEAD 0x80000000u

/* Entry numbers must leave TUPLE_HEAD free; a billion sockets is far
 * beyond what any kernel holds. */
#define MAX_ENTRIES (1u << 30)

/* An entry's places in the LRU list and its tuple chain, by entry number
 * (0: none). tuple_prev is 0 when the entry is in no chain, else the entry
 * before it or, first in its chain, its bucket with TUPLE_HEAD. Entries on
 * the free list are linked by lru_next. */
struct sock_links {
	uint32_t lru_prev, lru_next;
	uint32_t tuple_prev, tuple_next;
};

struct cookie_slot {
	uint64_t cookie;
	uint32_t entry;		/* 0: empty */
	uint32_t unused;	/* 16 bytes: four slots per line, none split */
};

struct pw_sock_table {
	struct pw_sock_entry *e;	/* e[0] unused */
	struct sock_links *l;		/* l[0], l[max + 1]: the lists' heads */
	struct cookie_slot *slots;
	uint32_t *buckets;		/* tuple chains: first entry, 0 none */
	uint32_t slot_mask, slot_shift;
	uint32_t bucket_mask;
	uint32_t max, count;
	uint32_t fresh;			/* first entry never used yet */
	uint32_t free;			/* removed entries, by lru_next */
	uint64_t linger_ns;
	uint64_t evictions;
};

static const uint8_t zero16[16];

/* Fibonacci hashing: the top bits of the cookie times 2^64 / phi. Kernel
 * cookies come from a counter; consecutive ones land far apart and
 * evenly, which keeps linear probing runs short. */
static uint32_t cookie_home(const struct pw_sock_table *t, uint64_t cookie)
{
	return (uint32_t)((cookie * 0x9e3779b97f4a7c15ull) >> t->slot_shift);
}

/* Endpoint hash: protocol and both ports (addresses are compared in the
 * chain), so a local-only lookup is one bucket too (rport 0). */
static uint32_t hash_ports(const struct pw_sock_table *t, uint8_t proto,
			   uint16_t lport, uint16_t rport)
{
	uint32_t h = ((uint32_t)lport << 16 | rport) * 2654435761u;

	h ^= proto * 40503u;
	h ^= h >> 15;
	return h & t->bucket_mask;
}

static uint32_t entry_number(const struct pw_sock_table *t,
			     const struct pw_sock_entry *e)
{
	return (uint32_t)(e - t->e);
}

/* The table's arrays come straight from mmap: pages it never touches
 * cost no memory however often tables are made and freed (calloc serves a
 * large block from malloc's heap once one was freed, and then writes every
 * byte of it), and they start on a page, so no entry, link group or slot
 * straddles two lines. Not reserved: the cap is a bound, not memory set
 * aside (--max-sockets goes to 64 Mi: 11 GiB when full). */
static void *zeroed_pages(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void free_pages(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

static size_t entries_size(const struct pw_sock_table *t)
{
	return ((size_t)t->max + 1) * sizeof(*t->e);
}

static size_t links_size(const struct pw_sock_table *t)
{
	return ((size_t)t->max + 2) * sizeof(*t->l);
}

/* The closed list's head: the entry after the last, in the links alone. */
static uint32_t closed_head(const struct pw_sock_table *t)
{
	return t->max + 1;
}

static size_t slots_size(const struct pw_sock_table *t)
{
	return ((size_t)t->slot_mask + 1) * sizeof(*t->slots);
}

static size_t buckets_size(const struct pw_sock_table *t)
{
	return ((size_t)t->bucket_mask + 1) * sizeof(*t->buckets);
}

struct pw_sock_table *pw_sock_table_new(uint32_t max_entries,
					uint64_t linger_ns)
{
	struct pw_sock_table *t = calloc(1, sizeof(*t));
	uint32_t nslots = 16, nbuckets = 64;

	if (!t)
		return NULL;
	t->max = max_entries ? max_entries : 65536;
	if (t->max > MAX_ENTRIES)
		t->max = MAX_ENTRIES;
	t->linger_ns = linger_ns;
	t->fresh = 1;
	while (nslots < 2 * t->max)
		nslots <<= 1;
	while (nbuckets < t->max)
		nbuckets <<= 1;
	t->slot_mask = nslots - 1;
	t->slot_shift = 64 - (uint32_t)__builtin_ctz(nslots);
	t->bucket_mask = nbuckets - 1;

	t->e = zeroed_pages(entries_size(t));
	t->l = zeroed_pages(links_size(t));
	t->slots = zeroed_pages(slots_size(t));
	t->buckets = zeroed_pages(buckets_size(t));
	if (!t->e || !t->l || !t->slots || !t->buckets) {
		pw_sock_table_free(t);
		return NULL;
	}
	t->l[closed_head(t)].lru_prev = closed_head(t);
	t->l[closed_head(t)].lru_next = closed_head(t);
	return t;
}

void pw_sock_table_free(struct pw_sock_table *t)
{
	if (!t)
		return;
	free_pages(t->e, entries_size(t));
	free_pages(t->l, links_size(t));
	free_pages(t->slots, slots_size(t));
	free_pages(t->buckets, buckets_size(t));
	free(t);
}

/* The slot holding cookie, or the empty slot that ends its run when it
 * is absent (where an insertion puts it). */
static uint32_t cookie_slot_of(const struct pw_sock_table *t, uint64_t cookie)
{
	uint32_t i = cookie_home(t, cookie);

	while (t->slots[i].entry && t->slots[i].cookie != cookie)
		i = (i + 1) & t->slot_mask;
	return i;
}

/* cookie is absent. */
static void cookie_insert(struct pw_sock_table *t, uint64_t cookie,
			  uint32_t entry)
{
	uint32_t i = cookie_slot_of(t, cookie);

	t->slots[i].cookie = cookie;
	t->slots[i].entry = entry;
}

/* Removes cookie (present) and closes the gap: each following slot of the
 * run moves into it unless its home lies after the gap, where a search
 * would no longer pass the gap on its way. */
static void cookie_delete(struct pw_sock_table *t, uint64_t cookie)
{
	uint32_t gap = cookie_slot_of(t, cookie), i, home;

	for (i = (gap + 1) & t->slot_mask; t->slots[i].entry;
	     i = (i + 1) & t->slot_mask) {
		home = cookie_home(t, t->slots[i].cookie);
		if (((i - home) & t->slot_mask) < ((i - gap) & t->slot_mask))
			continue;	/* home in (gap, i]: stays */
		t->slots[gap] = t->slots[i];
		gap = i;
	}
	t->slots[gap].entry = 0;
	t->slots[gap].cookie = 0;
}

/* With a head entry in each list both neighbours always exist. */
static void list_unlink(struct sock_links *l, uint32_t i)
{
	l[l[i].lru_prev].lru_next = l[i].lru_next;
	l[l[i].lru_next].lru_prev = l[i].lru_prev;
}

/* Makes i the most recent of the list headed by head. */
static void list_push(struct sock_links *l, uint32_t head, uint32_t i)
{
	uint32_t first = l[head].lru_next;

	l[i].lru_prev = head;
	l[i].lru_next = first;
	l[first].lru_prev = i;
	l[head].lru_next = i;
}

/* Makes i the most recent of the list headed by head, from wherever it
 * is. A socket's events come in bursts: when it is already the most
 * recent, its neighbours need not be touched. */
static void list_move_front(struct sock_links *l, uint32_t head, uint32_t i)
{
	if (l[head].lru_next == i)
		return;
	list_unlink(l, i);
	list_push(l, head, i);
}

static uint32_t list_head(const struct pw_sock_table *t,
			  const struct pw_sock_entry *e)
{
	return e->closed ? closed_head(t) : 0;
}

static void tuple_unhash(struct pw_sock_table *t, uint32_t i)
{
	uint32_t prev = t->l[i].tuple_prev, next = t->l[i].tuple_next;

	if (!prev)
		return;
	if (prev & TUPLE_HEAD)
		t->buckets[prev & ~TUPLE_HEAD] = next;
	else
		t->l[prev].tuple_next = next;
	if (next)
		t->l[next].tuple_prev = prev;
	t->l[i].tuple_next = 0;
	t->l[i].tuple_prev = 0;
}

static void remove_entry(struct pw_sock_table *t, struct pw_sock_entry *e)
{
	uint32_t i = entry_number(t, e);

	cookie_delete(t, e->cookie);
	tuple_unhash(t, i);
	list_unlink(t->l, i);
	t->l[i].lru_prev = 0;
	t->l[i].lru_next = t->free;
	t->free = i;
	t->count--;
}

struct pw_sock_entry *pw_sock_table_find(struct pw_sock_table *t,
					 uint64_t cookie)
{
	const struct cookie_slot *s = &t->slots[cookie_slot_of(t, cookie)];

	return s->entry ? &t->e[s->entry] : NULL;
}

void pw_sock_table_prefetch(const struct pw_sock_table *t, uint64_t cookie,
			    bool entry)
{
	const struct cookie_slot *s = &t->slots[cookie_home(t, cookie)];

	if (!entry) {
		__builtin_prefetch(s);
		return;
	}
	/* The home slot only: a hint, and nearly every cookie sits there. */
	if (s->entry && s->cookie == cookie) {
		__builtin_prefetch(&t->e[s->entry], 1);
		__builtin_prefetch(&t->l[s->entry], 1);
	}
}

void pw_sock_table_prefetch_ports(const struct pw_sock_table *t,
				  uint8_t proto, uint16_t lport,
				  uint16_t rport, bool chain)
{
	const uint32_t *b = &t->buckets[hash_ports(t, proto, lport, rport)];

	if (!chain)
		__builtin_prefetch(b);
	else if (*b)
		__builtin_prefetch(&t->l[*b], 1);
}

/* Victims taken at once when a full table needs room (a connection storm
 * keeps it full: every new socket needs one). Each victim costs cache
 * misses, its entry and its cookie's slot, and one at a time each stalled
 * an insert; taken together their loads overlap. The others would go
 * within the next few inserts anyway. A 1/2048 share of the table at
 * most, so a small table gives up one entry at a time. */
#define EVICT_BATCH 16

/* The oldest closed sockets go first, however recently they closed; only
 * a table of open sockets gives up its least recently used one. */
static void make_room(struct pw_sock_table *t)
{
	uint32_t v[EVICT_BATCH], want = t->max >> 11, n = 0, k, head, i;

	if (want < 1)
		want = 1;
	if (want > EVICT_BATCH)
		want = EVICT_BATCH;
	head = closed_head(t);
	if (t->l[head].lru_prev == head)
		head = 0;	/* none closed */
	/* The tail of the list (links: 16 bytes an entry, mostly cached);
	 * start loading each entry. */
	for (i = t->l[head].lru_prev; i != head && n < want;
	     i = t->l[i].lru_prev) {
		v[n++] = i;
		__builtin_prefetch(&t->e[i], 1);
	}
	/* With the entries on their way: what removing them writes. */
	for (k = 0; k < n; k++) {
		const struct sock_links *vl = &t->l[v[k]];

		__builtin_prefetch(&t->slots[cookie_home(t, t->e[v[k]].cookie)],
				   1);
		if (vl->tuple_prev & TUPLE_HEAD)
			__builtin_prefetch(
				&t->buckets[vl->tuple_prev & ~TUPLE_HEAD], 1);
		else if (vl->tuple_prev)
			__builtin_prefetch(&t->l[vl->tuple_prev], 1);
		if (vl->tuple_next)
			__builtin_prefetch(&t->l[vl->tuple_next], 1);
	}
	for (k = 0; k < n; k++) {
		struct pw_sock_entry *e = &t->e[v[k]];

		/* Losing a closed socket early is the normal price of a
		 * busy table; losing an open one is counted. */
		if (!e->closed)
			t->evictions++;
		remove_entry(t, e);
	}
}

struct pw_sock_entry *pw_sock_table_get(struct pw_sock_table *t,
					uint64_t cookie, uint64_t now_ns)
{
	struct pw_sock_entry *e = pw_sock_table_find(t, cookie);
	uint32_t i;

	if (e) {
		list_move_front(t->l, list_head(t, e), entry_number(t, e));
		e->last_ns = now_ns;
		return e;
	}
	if (t->count >= t->max)
		make_room(t);
	if (t->free) {
		i = t->free;
		t->free = t->l[i].lru_next;
	} else {
		i = t->fresh++;
	}
	e = &t->e[i];
	memset(e, 0, sizeof(*e));
	e->cookie = cookie;
	e->last_ns = now_ns;
	cookie_insert(t, cookie, i);
	list_push(t->l, 0, i);
	t->count++;
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
	uint32_t b = hash_ports(t, tuple->proto, tuple->lport, tuple->rport);
	uint32_t i = entry_number(t, e), head;

	/* Most events repeat the endpoints the socket already has: the
	 * chain is left alone (relinking writes two other entries' links,
	 * cache misses in a table of thousands). */
	if (e->has_tuple && t->l[i].tuple_prev && tuple_same(&e->tuple, tuple))
		return;
	e->tuple = *tuple;
	e->has_tuple = true;
	/* Already first in the bucket it belongs to: relinking would put
	 * it back where it is. */
	if (t->l[i].tuple_prev == (TUPLE_HEAD | b))
		return;
	tuple_unhash(t, i);
	head = t->buckets[b];
	t->l[i].tuple_next = head;
	t->l[i].tuple_prev = TUPLE_HEAD | b;
	if (head)
		t->l[head].tuple_prev = i;
	t->buckets[b] = i;
}

void pw_sock_table_close(struct pw_sock_table *t, struct pw_sock_entry *e,
			 uint64_t now_ns)
{
	e->last_ns = now_ns;
	e->closed = true;
	list_move_front(t->l, closed_head(t), entry_number(t, e));
}

void pw_sock_table_expire(struct pw_sock_table *t, uint64_t now_ns)
{
	uint32_t head = closed_head(t), i = t->l[head].lru_prev, prev;
	struct pw_sock_entry *e;
	int n;

	/* In the order they closed (a later event moves an entry to the
	 * front): the walk stops at the first closed within the linger
	 * time, everything before it closed later. A bound per call spreads
	 * a large expiry over the next few. */
	for (n = 0; i != head && n < 4096; n++) {
		e = &t->e[i];
		prev = t->l[i].lru_prev;
		if (now_ns < e->last_ns || now_ns - e->last_ns <= t->linger_ns)
			break;
		remove_entry(t, e);
		i = prev;
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
	uint32_t i = t->buckets[hash_ports(t, q->proto, q->lport, rport)];

	for (; i; i = t->l[i].tuple_next) {
		e = &t->e[i];
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

uint32_t pw_sock_table_cookie_home(const struct pw_sock_table *t,
				   uint64_t cookie, uint32_t *nslots)
{
	if (nslots)
		*nslots = t->slot_mask + 1;
	return cookie_home(t, cookie);
}

/* Marks of pw_sock_table_check, one byte per entry. */
enum { SEEN_LRU = 1, SEEN_SLOT = 2, SEEN_CHAIN = 4, SEEN_FREE = 8 };

static const char *check_slots(const struct pw_sock_table *t, uint8_t *seen)
{
	uint32_t i, j, home, used = 0;
	const struct cookie_slot *s;

	for (i = 0; i <= t->slot_mask; i++) {
		s = &t->slots[i];
		if (!s->entry)
			continue;
		used++;
		if (s->entry >= t->fresh || !(seen[s->entry] & SEEN_LRU))
			return "cookie slot names an entry not in the list";
		if (seen[s->entry] & SEEN_SLOT)
			return "entry in two cookie slots";
		seen[s->entry] |= SEEN_SLOT;
		if (t->e[s->entry].cookie != s->cookie)
			return "cookie slot and its entry disagree";
		/* A search starts at home and stops at the first empty
		 * slot: none may lie between. */
		home = cookie_home(t, s->cookie);
		for (j = home; j != i; j = (j + 1) & t->slot_mask)
			if (!t->slots[j].entry)
				return "empty slot between a cookie and its home";
	}
	if (used != t->count)
		return "cookie slots and count disagree";
	if ((uint64_t)used * 2 > (uint64_t)t->slot_mask + 1)
		return "cookie index over half full";
	return NULL;
}

static const char *check_chains(const struct pw_sock_table *t, uint8_t *seen)
{
	const struct pw_sock_entry *e;
	uint32_t b, i, prev, steps;

	for (b = 0; b <= t->bucket_mask; b++) {
		prev = TUPLE_HEAD | b;
		for (i = t->buckets[b], steps = 0; i;
		     prev = i, i = t->l[i].tuple_next) {
			if (i >= t->fresh || !(seen[i] & SEEN_LRU))
				return "tuple chain holds an entry not in the list";
			if ((seen[i] & SEEN_CHAIN) || ++steps > t->count)
				return "entry twice in tuple chains";
			seen[i] |= SEEN_CHAIN;
			e = &t->e[i];
			if (t->l[i].tuple_prev != prev)
				return "tuple chain back link wrong";
			if (!e->has_tuple ||
			    hash_ports(t, e->tuple.proto, e->tuple.lport,
				       e->tuple.rport) != b)
				return "entry in the wrong tuple chain";
		}
	}
	for (i = 1; i < t->fresh; i++)
		if ((seen[i] & SEEN_LRU) && t->e[i].has_tuple &&
		    !(seen[i] & SEEN_CHAIN))
			return "entry with endpoints in no tuple chain";
	return NULL;
}

/* Walks the list headed by head: every entry once, back links right, its
 * closed flag what the list says. Returns how many, or -1. */
static int64_t check_list(const struct pw_sock_table *t, uint32_t head,
			  bool closed, uint8_t *seen)
{
	uint32_t i, prev = head;
	int64_t n = 0;

	for (i = t->l[head].lru_next; i != head;
	     prev = i, i = t->l[i].lru_next) {
		if (!i || i >= t->fresh || (seen[i] & SEEN_LRU) ||
		    ++n > t->count)
			return -1;
		if (t->l[i].lru_prev != prev || t->e[i].closed != closed)
			return -1;
		seen[i] |= SEEN_LRU;
	}
	return t->l[head].lru_prev == prev ? n : -1;
}

const char *pw_sock_table_check(const struct pw_sock_table *t)
{
	const char *why = NULL;
	uint8_t *seen = calloc(t->fresh, 1);
	int64_t open, closed;
	uint32_t i, n;

	if (!seen)
		return "out of memory";
	open = check_list(t, 0, false, seen);
	closed = check_list(t, closed_head(t), true, seen);
	if (open < 0 || closed < 0) {
		why = "a list broken, or holding an entry of the other";
		goto out;
	}
	if (open + closed != t->count || t->count > t->max) {
		why = "list lengths and counts disagree";
		goto out;
	}
	for (i = t->free, n = 0; i; i = t->l[i].lru_next, n++) {
		if (i >= t->fresh || seen[i]) {
			why = "free list broken";
			goto out;
		}
		seen[i] |= SEEN_FREE;
	}
	if (n + t->count != t->fresh - 1) {
		why = "entries lost between the list and the free list";
		goto out;
	}
	why = check_slots(t, seen);
	if (!why)
		why = check_chains(t, seen);
out:
	free(seen);
	return why;
}
