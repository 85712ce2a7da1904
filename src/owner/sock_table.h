/* Socket table: what the owner context remembers about each socket, by
 * cookie and by endpoints, bounded in size.
 *
 * Closed sockets stay findable for a linger time (packets of a flow are
 * often looked up after its socket closed); when the table is full the
 * least recently updated socket goes (counted when it was still open). */
#ifndef PW_OWNER_SOCK_TABLE_H
#define PW_OWNER_SOCK_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "owner/engine.h"

/* Entries live in one array for the table's life, so a pointer to one
 * stays valid until the entry is removed (expiry or eviction). The links
 * between entries are kept apart from them (see sock_table.c). Aligned,
 * an entry is two cache lines: the first holds all the table reads of it
 * (cookie, time, flags, endpoints), the second the owner. */
struct pw_sock_entry {
	uint64_t cookie;
	uint64_t last_ns;	/* wall clock of the last event */
	bool has_tuple;
	bool closed;
	uint8_t method;		/* enum pw_owner_method */
	uint8_t tcp_state;
	struct pw_owner_tuple tuple;
	struct pw_raw_owner owner;
} __attribute__((aligned(64)));

struct pw_sock_table;

struct pw_sock_table *pw_sock_table_new(uint32_t max_entries,
					uint64_t linger_ns);
void pw_sock_table_free(struct pw_sock_table *t);

struct pw_sock_entry *pw_sock_table_find(struct pw_sock_table *t,
					 uint64_t cookie);

/* Cache hints for a coming lookup of cookie, for a caller that knows the
 * next cookies in advance (a batch of closes): the index slot first, then,
 * a few lookups later and with the slot in cache, the entry and its links.
 * Changes nothing. */
void pw_sock_table_prefetch(const struct pw_sock_table *t, uint64_t cookie,
			    bool entry);

/* The same for a coming set_tuple with these ports: the bucket first,
 * then (chain true) the links of the entry heading it, which an insertion
 * rewrites. */
void pw_sock_table_prefetch_ports(const struct pw_sock_table *t,
				  uint8_t proto, uint16_t lport,
				  uint16_t rport, bool chain);

/* Finds or creates the entry of cookie (marks it most recent). A full
 * table makes room by dropping its oldest closed entries, linger time or
 * not; only with none closed does an open one go (counted as an
 * eviction). */
struct pw_sock_entry *pw_sock_table_get(struct pw_sock_table *t,
					uint64_t cookie, uint64_t now_ns);

/* Sets the endpoints (re-indexes). */
void pw_sock_table_set_tuple(struct pw_sock_table *t, struct pw_sock_entry *e,
			     const struct pw_owner_tuple *tuple);

/* Marks the entry closed at now_ns: it stays findable for the linger
 * time, unless the table needs its room first. */
void pw_sock_table_close(struct pw_sock_table *t, struct pw_sock_entry *e,
			 uint64_t now_ns);

/* Drops closed entries older than the linger time. */
void pw_sock_table_expire(struct pw_sock_table *t, uint64_t now_ns);

/* Best match for a tuple as seen from the local end (l = local): exact
 * endpoints first, then the local endpoint alone (unconnected UDP,
 * listener), then the local port with any local address. Open sockets win
 * over closed ones, newer over older. netns 0 in q matches any. */
struct pw_sock_entry *pw_sock_table_match(struct pw_sock_table *t,
					  const struct pw_owner_tuple *q);

/* A TCP listener (or bound socket without peer) on the local endpoint of
 * q, for back-filling accepted sockets. */
struct pw_sock_entry *pw_sock_table_listener(struct pw_sock_table *t,
					     const struct pw_owner_tuple *q);

void pw_sock_table_stats(const struct pw_sock_table *t, uint64_t *count,
			 uint64_t *evictions);

/* For tests: the slot of the cookie index where a search for cookie
 * starts, and (in *nslots) how many slots there are, to build collisions
 * and wrap-around. */
uint32_t pw_sock_table_cookie_home(const struct pw_sock_table *t,
				   uint64_t cookie, uint32_t *nslots);

/* For tests: walks every structure of the table and returns what is
 * inconsistent (a static string), or NULL when all is well. */
const char *pw_sock_table_check(const struct pw_sock_table *t);

#endif
