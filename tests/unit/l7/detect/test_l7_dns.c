/* DNS names (compression, loops), answer pairs through CNAME chains, and
 * the address -> name cache. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "l7/dns.h"
#include "l7/dns_cache.h"
#include "tap.h"
#include "build_util.h"

static void b_rr(struct buf *b, uint16_t type, uint32_t ttl)
{
	b_be16(b, type);
	b_be16(b, 1);
	b_be32(b, ttl);
}

static void b_a(struct buf *b, const char *ip)
{
	uint8_t a[4];

	inet_pton(AF_INET, ip, a);
	b_be16(b, 4);
	b_mem(b, a, 4);
}

static void b_aaaa(struct buf *b, const char *ip)
{
	uint8_t a[16];

	inet_pton(AF_INET6, ip, a);
	b_be16(b, 16);
	b_mem(b, a, 16);
}

static const char *addr_str(const struct pw_dns_addr *a, char *buf,
			    size_t size)
{
	return inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, buf,
			 (socklen_t)size);
}

/* Query www.example.com A; answers:
 *   www.example.com   CNAME cdn.example.net
 *   cdn.example.net   CNAME edge.cdn.example.net   (target compressed)
 *   EDGE.cdn.example.net A 192.0.2.1              (owner compressed)
 *   edge.cdn.example.net A 192.0.2.2
 *   edge.cdn.example.net AAAA 2001:db8::7
 *   other.example.org A 198.51.100.7              (unrelated owner)
 *   www.example.com TXT (ignored) */
static void mk_cname_chain(struct buf *b)
{
	size_t cdn_off, edge_off;

	b_dns_header(b, 7, 0x8180, 1, 7, 0, 0);
	b_name(b, "www.example.com");		/* at 12 */
	b_be16(b, 1);
	b_be16(b, 1);

	b_be16(b, 0xc00c);
	b_rr(b, 5, 60);
	b_be16(b, 17);
	cdn_off = b->n;
	b_name(b, "cdn.example.net");		/* 17 bytes */

	b_be16(b, (uint16_t)(0xc000 | cdn_off));
	b_rr(b, 5, 60);
	b_be16(b, 7);
	edge_off = b->n;
	b_name_ptr(b, "edge", (int)cdn_off);	/* 1+4+2 = 7 bytes */

	b_name_ptr(b, "EDGE", (int)cdn_off);
	b_rr(b, 1, 30);
	b_a(b, "192.0.2.1");

	b_be16(b, (uint16_t)(0xc000 | edge_off));
	b_rr(b, 1, 30);
	b_a(b, "192.0.2.2");

	b_be16(b, (uint16_t)(0xc000 | edge_off));
	b_rr(b, 28, 30);
	b_aaaa(b, "2001:db8::7");

	b_name(b, "other.example.org");
	b_rr(b, 1, 5);
	b_a(b, "198.51.100.7");

	b_be16(b, 0xc00c);
	b_rr(b, 16, 5);
	b_be16(b, 3);
	b_str(b, "\002hi");
}

static void test_names(void)
{
	char out[PW_DNS_NAME_MAX];
	struct buf b;
	size_t next = 0;

	b_reset(&b);
	b_dns_header(&b, 0, 0, 0, 0, 0, 0);
	b_name(&b, "A.Example.COM");		/* 12..26 */
	b_name_ptr(&b, "www", 14);		/* -> "example.com" */
	tap_ok(pw_dns_name_decode(b.b, b.n, 12, out, sizeof(out), &next),
	       "plain name decodes");
	tap_eq_str(out, "a.example.com", "plain name lowercased");
	tap_eq_u64(next, 27, "next after plain name");
	tap_ok(pw_dns_name_decode(b.b, b.n, 27, out, sizeof(out), &next),
	       "labels + pointer decode");
	tap_eq_str(out, "www.example.com", "labels + pointer");
	tap_eq_u64(next, 33, "next is after the pointer");

	/* pointer to itself */
	b_reset(&b);
	b_dns_header(&b, 0, 0, 0, 0, 0, 0);
	b_be16(&b, 0xc00c);
	tap_ok(!pw_dns_name_decode(b.b, b.n, 12, out, sizeof(out), &next),
	       "pointer to itself is rejected");
	tap_eq_str(out, "", "rejected name leaves empty output");
	/* two names pointing at each other: 12 -> 16 -> 12 */
	b_reset(&b);
	b_dns_header(&b, 0, 0, 0, 0, 0, 0);
	b_u8(&b, 1); b_u8(&b, 'a'); b_be16(&b, 0xc010);	/* 12: a -> 16 */
	b_u8(&b, 1); b_u8(&b, 'b'); b_be16(&b, 0xc00c);	/* 16: b -> 12 */
	tap_ok(!pw_dns_name_decode(b.b, b.n, 12, out, sizeof(out), NULL),
	       "forward pointer is rejected");
	tap_ok(!pw_dns_name_decode(b.b, b.n, 16, out, sizeof(out), NULL),
	       "pointer loop terminates and is rejected");
	/* label followed by a pointer back to the same label */
	b_reset(&b);
	b_dns_header(&b, 0, 0, 0, 0, 0, 0);
	b_u8(&b, 1); b_u8(&b, 'a'); b_be16(&b, 0xc00c);
	tap_ok(!pw_dns_name_decode(b.b, b.n, 12, out, sizeof(out), NULL),
	       "label + pointer to its own start is rejected");

	/* truncations and limits */
	b_reset(&b);
	b_dns_header(&b, 0, 0, 0, 0, 0, 0);
	b_u8(&b, 5); b_str(&b, "abc");
	tap_ok(!pw_dns_name_decode(b.b, b.n, 12, out, sizeof(out), NULL),
	       "label past the end is rejected");
	b_reset(&b);
	b_dns_header(&b, 0, 0, 0, 0, 0, 0);
	for (int i = 0; i < 5; i++) {
		b_u8(&b, 63);
		b_fill(&b, 'x', 63);
	}
	b_u8(&b, 0);
	tap_ok(!pw_dns_name_decode(b.b, b.n, 12, out, sizeof(out), NULL),
	       "name over 255 bytes is rejected");
	b_reset(&b);
	b_dns_header(&b, 0, 0, 0, 0, 0, 0);
	b_u8(&b, 0);
	tap_ok(pw_dns_name_decode(b.b, b.n, 12, out, sizeof(out), &next) &&
	       !out[0] && next == 13, "root name is empty");
	b_reset(&b);
	b_dns_header(&b, 0, 0, 0, 0, 0, 0);
	b_u8(&b, 3); b_mem(&b, "a\001b", 3); b_u8(&b, 0);
	tap_ok(pw_dns_name_decode(b.b, b.n, 12, out, sizeof(out), NULL),
	       "control byte in a label decodes");
	tap_eq_str(out, "a?b", "control byte shown as ?");
	tap_ok(!pw_dns_name_decode(b.b, b.n, 12, out, 3, NULL),
	       "output too small is an error");
}

static void test_answers(void)
{
	struct pw_dns_addr a[16];
	char ip[64];
	struct buf b;
	int n, k;

	b_reset(&b);
	mk_cname_chain(&b);
	n = pw_dns_parse_answers(b.b, b.n, a, 16);
	tap_eq_u64((uint64_t)n, 4, "four address records");
	if (n == 4) {
		tap_eq_str(a[0].name, "www.example.com",
			   "first A: name through two CNAMEs");
		tap_eq_str(addr_str(&a[0], ip, sizeof(ip)), "192.0.2.1",
			   "first A address");
		tap_eq_u64(a[0].ttl, 30, "first A ttl");
		tap_eq_str(a[1].name, "www.example.com", "second A name");
		tap_eq_str(addr_str(&a[1], ip, sizeof(ip)), "192.0.2.2",
			   "second A address");
		tap_eq_str(a[2].name, "www.example.com", "AAAA name");
		tap_eq_u64(a[2].family, 6, "AAAA family");
		tap_eq_str(addr_str(&a[2], ip, sizeof(ip)), "2001:db8::7",
			   "AAAA address");
		tap_eq_str(a[3].name, "other.example.org",
			   "unrelated owner keeps its own name");
	}
	n = pw_dns_parse_answers(b.b, b.n, a, 2);
	tap_eq_u64((uint64_t)n, 2, "output bounded by max");

	/* every truncation parses without crashing and yields no more */
	for (k = 0, n = 0; k < (int)b.n; k++) {
		uint8_t *copy = malloc((size_t)k + 1);
		int got;

		memcpy(copy, b.b, (size_t)k);
		got = pw_dns_parse_answers(copy, (size_t)k, a, 16);
		if (got > 4)
			n++;
		free(copy);
	}
	tap_eq_u64((uint64_t)n, 0, "truncated responses yield at most 4");
	{
		uint8_t *copy = malloc(b.n - 4);

		memcpy(copy, b.b, b.n - 4);
		tap_eq_u64((uint64_t)pw_dns_parse_answers(copy, b.n - 4, a, 16),
			   4, "records before a cut one are kept");
		free(copy);
	}

	/* CNAME loop: a -> b -> a, and an A for b; question c */
	b_reset(&b);
	b_dns_header(&b, 1, 0x8180, 1, 3, 0, 0);
	b_name(&b, "c.test");		/* 12..19 */
	b_be16(&b, 1);
	b_be16(&b, 1);
	b_name(&b, "a.test");
	b_rr(&b, 5, 1);
	b_be16(&b, 8);
	b_name(&b, "b.test");
	b_name(&b, "b.test");
	b_rr(&b, 5, 1);
	b_be16(&b, 8);
	b_name(&b, "a.test");
	b_name(&b, "b.test");
	b_rr(&b, 1, 1);
	b_a(&b, "203.0.113.9");
	n = pw_dns_parse_answers(b.b, b.n, a, 16);
	tap_eq_u64((uint64_t)n, 1, "CNAME loop: parse terminates with the A");
	tap_ok(n == 1 && (!strcmp(a[0].name, "a.test") ||
			  !strcmp(a[0].name, "b.test")),
	       "CNAME loop: name is one of the loop's names");

	/* not a response / malformed question */
	b_reset(&b);
	b_dns_header(&b, 1, 0x0100, 1, 0, 0, 0);
	b_name(&b, "q.test");
	b_be16(&b, 1);
	b_be16(&b, 1);
	tap_eq_u64((uint64_t)pw_dns_parse_answers(b.b, b.n, a, 16) + 1, 0,
		   "a query is not a response (-1)");
	b.b[2] = 0x81;
	b.b[12] = 0xc0;
	b.b[13] = 0x0c;
	tap_eq_u64((uint64_t)pw_dns_parse_answers(b.b, b.n, a, 16) + 1, 0,
		   "looping question name gives -1");

	/* mDNS style: no question, cache-flush class */
	b_reset(&b);
	b_dns_header(&b, 0, 0x8400, 0, 1, 0, 0);
	b_name(&b, "printer.local");
	b_be16(&b, 1);
	b_be16(&b, 0x8001);
	b_be32(&b, 120);
	b_a(&b, "192.168.1.5");
	n = pw_dns_parse_answers(b.b, b.n, a, 16);
	tap_ok(n == 1 && !strcmp(a[0].name, "printer.local"),
	       "answer without a question uses the owner name");

	/* A record with a wrong length and a class CH record are ignored */
	b_reset(&b);
	b_dns_header(&b, 0, 0x8180, 1, 2, 0, 0);
	b_name(&b, "x.test");
	b_be16(&b, 1);
	b_be16(&b, 1);
	b_be16(&b, 0xc00c);
	b_rr(&b, 1, 1);
	b_be16(&b, 3);
	b_str(&b, "abc");
	b_be16(&b, 0xc00c);
	b_be16(&b, 1);
	b_be16(&b, 3);
	b_be32(&b, 1);
	b_a(&b, "10.0.0.1");
	tap_eq_u64((uint64_t)pw_dns_parse_answers(b.b, b.n, a, 16), 0,
		   "bad A length and class CH are skipped");
}

static void test_cache(void)
{
	struct pw_dns_cache *c = pw_dns_cache_new(2);
	uint8_t a1[4] = { 10, 0, 0, 1 }, a2[4] = { 10, 0, 0, 2 };
	uint8_t a3[4] = { 10, 0, 0, 3 };
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	uint8_t v6b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	struct buf b;
	const char *s;

	tap_ok(c != NULL, "cache created");
	pw_dns_cache_put(c, 4, a1, "one.test");
	pw_dns_cache_put(c, 4, a2, "two.test");
	s = pw_dns_cache_get(c, 4, a1);
	tap_eq_str(s ? s : "(null)", "one.test", "get a1");
	pw_dns_cache_put(c, 4, a3, "three.test");	/* evicts a2 (LRU) */
	tap_ok(pw_dns_cache_get(c, 4, a2) == NULL,
	       "least recently used entry evicted");
	s = pw_dns_cache_get(c, 4, a1);
	tap_eq_str(s ? s : "(null)", "one.test", "recently used entry kept");
	tap_eq_u64(pw_dns_cache_count(c), 2, "count bounded by capacity");
	pw_dns_cache_put(c, 4, a1, "uno.test");
	s = pw_dns_cache_get(c, 4, a1);
	tap_eq_str(s ? s : "(null)", "uno.test", "newer answer replaces");
	tap_eq_u64(pw_dns_cache_count(c), 2, "replacement does not grow");
	tap_ok(pw_dns_cache_put(c, 5, a1, "x") < 0, "bad family refused");
	{
		uint8_t a1_as_v6[16] = { 10, 0, 0, 1 };

		tap_ok(pw_dns_cache_get(c, 6, a1_as_v6) == NULL,
		       "v4 bytes are not found as v6");
	}
	pw_dns_cache_free(c);

	c = pw_dns_cache_new(0);
	b_reset(&b);
	mk_cname_chain(&b);
	tap_eq_u64((uint64_t)pw_dns_cache_feed(c, b.b, b.n), 4,
		   "feed stores four pairs");
	{
		uint8_t q[4] = { 192, 0, 2, 2 }, o[4] = { 198, 51, 100, 7 };
		uint8_t q6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };

		s = pw_dns_cache_get(c, 4, q);
		tap_eq_str(s ? s : "(null)", "www.example.com",
			   "fed A labelled with the question");
		s = pw_dns_cache_get(c, 6, q6);
		tap_eq_str(s ? s : "(null)", "www.example.com",
			   "fed AAAA labelled with the question");
		s = pw_dns_cache_get(c, 4, o);
		tap_eq_str(s ? s : "(null)", "other.example.org",
			   "fed unrelated A keeps its owner");
	}
	pw_dns_cache_put(c, 6, v6, "six.test");
	s = pw_dns_cache_get(c, 6, v6);
	tap_eq_str(s ? s : "(null)", "six.test", "IPv6 entry");
	tap_ok(pw_dns_cache_get(c, 6, v6b) == NULL, "other IPv6 not found");
	tap_eq_u64((uint64_t)pw_dns_cache_feed(c, (const uint8_t *)"x", 1) + 1,
		   0, "feeding a non-response gives -1");
	pw_dns_cache_free(c);

	/* churn: many more addresses than capacity */
	c = pw_dns_cache_new(64);
	for (uint32_t i = 0; i < 10000; i++) {
		uint8_t a[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8),
				 (uint8_t)i };
		char name[32];

		snprintf(name, sizeof(name), "h%u.test", i);
		pw_dns_cache_put(c, 4, a, name);
	}
	{
		uint8_t last[4] = { 10, 0, 0x27, 0x0f };	/* 9999 */
		uint8_t old[4] = { 10, 0, 0x26, 0xcf };	/* 9935 */
		uint8_t kept[4] = { 10, 0, 0x26, 0xd0 }; /* 9936 */

		s = pw_dns_cache_get(c, 4, last);
		tap_eq_str(s ? s : "(null)", "h9999.test",
			   "newest after churn");
		tap_ok(pw_dns_cache_get(c, 4, old) == NULL,
		       "65th newest evicted after churn");
		s = pw_dns_cache_get(c, 4, kept);
		tap_eq_str(s ? s : "(null)", "h9936.test",
			   "64th newest kept after churn");
	}
	tap_eq_u64(pw_dns_cache_count(c), 64, "count after churn");
	pw_dns_cache_free(c);
}

int main(void)
{
	test_names();
	test_answers();
	test_cache();
	return tap_done();
}
