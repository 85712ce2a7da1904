/* Address -> name cache fed from DNS answers, so that a connection to an
 * answered address can be labelled with the name that was asked for.
 *
 * Bounded: at most `capacity` addresses (IPv4 and IPv6 together); when
 * full, the least recently used entry (put or hit) is replaced.
 *
 * TTLs are ignored on purpose: applications keep using an address long
 * after its record expired (connection reuse, their own caches), and in a
 * replayed capture the clock is the capture's. The most recent answer for
 * an address wins; only the LRU bound removes entries. */
#ifndef PW_L7_DNS_CACHE_H
#define PW_L7_DNS_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct pw_dns_cache;

/* capacity 0 selects the default (65536). Returns NULL on no memory. */
struct pw_dns_cache *pw_dns_cache_new(size_t capacity);
void pw_dns_cache_free(struct pw_dns_cache *c);

/* family 4 (4-byte addr) or 6 (16 bytes). name is copied. Returns 0, or
 * -1 on a bad family or no memory (the cache is unchanged then). */
int pw_dns_cache_put(struct pw_dns_cache *c, int family, const uint8_t *addr,
		     const char *name);

/* Name for an address, or NULL. Valid until the next put or free. A hit
 * makes the entry the most recently used. */
const char *pw_dns_cache_get(struct pw_dns_cache *c, int family,
			     const uint8_t *addr);

size_t pw_dns_cache_count(const struct pw_dns_cache *c);

/* Puts every (name, address) pair of a DNS response (see
 * pw_dns_parse_answers). Returns the number of pairs stored, or -1 when
 * the payload is not a DNS response. */
int pw_dns_cache_feed(struct pw_dns_cache *c, const uint8_t *dns, size_t n);

#endif
