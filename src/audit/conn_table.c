/* Side table of the audit engine: flow id -> per-connection state.
 *
 * Flow ids are unique for the life of a flow table (1-based, rising), so
 * a stale entry can never be mistaken for a new flow that reuses a freed
 * struct pw_flow. Chained hashing; the bucket array doubles when the
 * table holds more entries than buckets, and is never shrunk (its peak
 * follows the flow table's, which is capped). */
#include <netinet/in.h>
#include <stdlib.h>

#include "audit/audit_priv.h"

#define AUDIT_BUCKETS_MIN 1024

static uint64_t id_hash(uint64_t id)
{
	/* SplitMix64 finaliser: sequential ids spread over all bits. */
	id ^= id >> 30;
	id *= 0xbf58476d1ce4e5b9ull;
	id ^= id >> 27;
	id *= 0x94d049bb133111ebull;
	id ^= id >> 31;
	return id;
}

int audit_table_init(struct pw_audit *a)
{
	a->buckets = calloc(AUDIT_BUCKETS_MIN, sizeof(*a->buckets));
	if (!a->buckets)
		return -1;
	a->n_buckets = AUDIT_BUCKETS_MIN;
	a->n_conns = 0;
	return 0;
}

void audit_conn_free(struct audit_conn *c)
{
	unsigned i;

	if (!c)
		return;
	if (c->proto == IPPROTO_UDP && c->dns) {
		for (i = 0; i < c->n_dns && i < AUDIT_DNS_QUERIES; i++)
			free(c->dns[i].name);
		free(c->dns);
	} else if (c->proto == IPPROTO_TCP) {
		free(c->redirect_host);
	}
	free(c);
}

void audit_table_free(struct pw_audit *a)
{
	uint64_t i;
	struct audit_conn *c, *next;

	if (!a->buckets)
		return;
	for (i = 0; i < a->n_buckets; i++) {
		for (c = a->buckets[i]; c; c = next) {
			next = c->next;
			audit_conn_free(c);
		}
	}
	free(a->buckets);
	a->buckets = NULL;
	a->n_conns = 0;
}

/* Doubling keeps chains short; on no memory the table just stays
 * smaller (slower, still correct). */
static void grow(struct pw_audit *a)
{
	uint64_t n = a->n_buckets * 2, i;
	struct audit_conn **nb, *c, *next;

	nb = calloc(n, sizeof(*nb));
	if (!nb)
		return;
	for (i = 0; i < a->n_buckets; i++) {
		for (c = a->buckets[i]; c; c = next) {
			uint64_t h = id_hash(c->flow_id) & (n - 1);

			next = c->next;
			c->next = nb[h];
			nb[h] = c;
		}
	}
	free(a->buckets);
	a->buckets = nb;
	a->n_buckets = n;
}

struct audit_conn *audit_conn_get(struct pw_audit *a, uint64_t flow_id,
				  uint8_t proto, bool create)
{
	uint64_t h = id_hash(flow_id) & (a->n_buckets - 1);
	struct audit_conn *c;

	for (c = a->buckets[h]; c; c = c->next)
		if (c->flow_id == flow_id)
			return c;
	if (!create)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->flow_id = flow_id;
	c->proto = proto;
	c->next = a->buckets[h];
	a->buckets[h] = c;
	a->n_conns++;
	if (a->n_conns > a->n_buckets)
		grow(a);
	return c;
}

struct audit_conn *audit_conn_take(struct pw_audit *a, uint64_t flow_id)
{
	uint64_t h = id_hash(flow_id) & (a->n_buckets - 1);
	struct audit_conn **pp, *c;

	for (pp = &a->buckets[h]; (c = *pp); pp = &c->next) {
		if (c->flow_id == flow_id) {
			*pp = c->next;
			c->next = NULL;
			a->n_conns--;
			return c;
		}
	}
	return NULL;
}
