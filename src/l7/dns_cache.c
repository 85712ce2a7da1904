/* Fixed-capacity hash table with chaining through entry indices, and a
 * doubly linked LRU list through the same entries. All entries are
 * allocated once; names are heap strings owned by their entry. */
#include "l7/dns_cache.h"

#include <stdlib.h>
#include <string.h>

#include "l7/dns.h"

#define NIL UINT32_MAX
#define DEFAULT_CAPACITY 65536
#define MAX_CAPACITY (1u << 24)

struct entry {
	uint8_t key[17];	/* family, then 16 address bytes */
	char *name;
	uint32_t hash_next;
	uint32_t lru_prev, lru_next;
	uint32_t bucket;
};

struct pw_dns_cache {
	struct entry *e;
	uint32_t *buckets;
	uint32_t nbuckets;	/* power of two */
	uint32_t capacity, used;
	uint32_t lru_head, lru_tail; /* head = most recent */
};

static void make_key(uint8_t key[17], int family, const uint8_t *addr)
{
	memset(key, 0, 17);
	key[0] = (uint8_t)family;
	memcpy(key + 1, addr, family == 4 ? 4 : 16);
}

static uint32_t key_hash(const uint8_t key[17])
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (int i = 0; i < 17; i++)
		h = (h ^ key[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ h >> 32);
}

struct pw_dns_cache *pw_dns_cache_new(size_t capacity)
{
	struct pw_dns_cache *c;
	uint32_t nb = 1;

	if (!capacity)
		capacity = DEFAULT_CAPACITY;
	if (capacity > MAX_CAPACITY)
		capacity = MAX_CAPACITY;
	while (nb < capacity)
		nb <<= 1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->e = calloc(capacity, sizeof(*c->e));
	c->buckets = malloc(nb * sizeof(*c->buckets));
	if (!c->e || !c->buckets) {
		pw_dns_cache_free(c);
		return NULL;
	}
	memset(c->buckets, 0xff, nb * sizeof(*c->buckets));
	c->nbuckets = nb;
	c->capacity = (uint32_t)capacity;
	c->lru_head = c->lru_tail = NIL;
	return c;
}

void pw_dns_cache_free(struct pw_dns_cache *c)
{
	if (!c)
		return;
	if (c->e)
		for (uint32_t i = 0; i < c->used; i++)
			free(c->e[i].name);
	free(c->e);
	free(c->buckets);
	free(c);
}

static void lru_unlink(struct pw_dns_cache *c, uint32_t i)
{
	struct entry *e = &c->e[i];

	if (e->lru_prev != NIL)
		c->e[e->lru_prev].lru_next = e->lru_next;
	else
		c->lru_head = e->lru_next;
	if (e->lru_next != NIL)
		c->e[e->lru_next].lru_prev = e->lru_prev;
	else
		c->lru_tail = e->lru_prev;
}

static void lru_push_front(struct pw_dns_cache *c, uint32_t i)
{
	struct entry *e = &c->e[i];

	e->lru_prev = NIL;
	e->lru_next = c->lru_head;
	if (c->lru_head != NIL)
		c->e[c->lru_head].lru_prev = i;
	c->lru_head = i;
	if (c->lru_tail == NIL)
		c->lru_tail = i;
}

static void bucket_unlink(struct pw_dns_cache *c, uint32_t i)
{
	uint32_t *link = &c->buckets[c->e[i].bucket];

	while (*link != NIL && *link != i)
		link = &c->e[*link].hash_next;
	if (*link == i)
		*link = c->e[i].hash_next;
}

static uint32_t lookup(const struct pw_dns_cache *c, const uint8_t key[17],
		       uint32_t bucket)
{
	uint32_t i;

	for (i = c->buckets[bucket]; i != NIL; i = c->e[i].hash_next)
		if (!memcmp(c->e[i].key, key, 17))
			return i;
	return NIL;
}

int pw_dns_cache_put(struct pw_dns_cache *c, int family, const uint8_t *addr,
		     const char *name)
{
	uint8_t key[17];
	uint32_t bucket, i;
	char *copy;

	if (family != 4 && family != 6)
		return -1;
	copy = strdup(name);
	if (!copy)
		return -1;
	make_key(key, family, addr);
	bucket = key_hash(key) & (c->nbuckets - 1);
	i = lookup(c, key, bucket);
	if (i != NIL) {
		lru_unlink(c, i);
	} else {
		if (c->used < c->capacity) {
			i = c->used++;
		} else {
			i = c->lru_tail;
			lru_unlink(c, i);
			bucket_unlink(c, i);
		}
		memcpy(c->e[i].key, key, 17);
		c->e[i].bucket = bucket;
		c->e[i].hash_next = c->buckets[bucket];
		c->buckets[bucket] = i;
	}
	free(c->e[i].name);
	c->e[i].name = copy;
	lru_push_front(c, i);
	return 0;
}

const char *pw_dns_cache_get(struct pw_dns_cache *c, int family,
			     const uint8_t *addr)
{
	uint8_t key[17];
	uint32_t i;

	if (family != 4 && family != 6)
		return NULL;
	make_key(key, family, addr);
	i = lookup(c, key, key_hash(key) & (c->nbuckets - 1));
	if (i == NIL)
		return NULL;
	if (c->lru_head != i) {
		lru_unlink(c, i);
		lru_push_front(c, i);
	}
	return c->e[i].name;
}

size_t pw_dns_cache_count(const struct pw_dns_cache *c)
{
	return c->used;
}

int pw_dns_cache_feed(struct pw_dns_cache *c, const uint8_t *dns, size_t n)
{
	struct pw_dns_addr pairs[32];
	int count, i, stored = 0;

	count = pw_dns_parse_answers(dns, n, pairs, 32);
	if (count < 0)
		return -1;
	for (i = 0; i < count; i++)
		if (pairs[i].name[0] &&
		    !pw_dns_cache_put(c, pairs[i].family, pairs[i].addr,
				      pairs[i].name))
			stored++;
	return stored;
}
