/* libFuzzer harness for DNS: name decoding at every offset, the answer
 * parser, the dns_query/dns_response detector and the address -> name
 * cache fed with whatever the parser returns.
 *
 * Invariants: names are NUL-terminated and at most 254 characters, a
 * decoded name's end lies inside the message, answer counts respect max,
 * the cache never holds more than its capacity, and a fed address is
 * found again with the name it was fed with. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "l7/dns.h"
#include "l7/dns_cache.h"
#include "l7/l7.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

#define CACHE_CAPACITY 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pw_dns_cache *cache;
	struct pw_dns_addr a[8];
	struct pw_l7_result r;
	char name[PW_DNS_NAME_MAX];
	uint8_t *copy;
	size_t off, next;
	int n, i;

	if (!cache)
		cache = pw_dns_cache_new(CACHE_CAPACITY);
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);

	for (off = 0; off < size && off < 64; off++) {
		if (pw_dns_name_decode(copy, size, off, name, sizeof(name),
				       &next)) {
			CHECK(strlen(name) < 255);
			CHECK(next > off && next <= size);
		} else {
			CHECK(name[0] == '\0');
		}
	}

	n = pw_dns_parse_answers(copy, size, a, 8);
	CHECK(n >= -1 && n <= 8);
	for (i = 0; i < n; i++) {
		const char *got;

		CHECK(a[i].family == 4 || a[i].family == 6);
		CHECK(memchr(a[i].name, '\0', sizeof(a[i].name)));
		if (pw_dns_cache_put(cache, a[i].family, a[i].addr,
				     a[i].name) == 0) {
			got = pw_dns_cache_get(cache, a[i].family, a[i].addr);
			CHECK(got && !strcmp(got, a[i].name));
		}
	}
	CHECK(pw_dns_cache_feed(cache, copy, size) <= 32);
	CHECK(pw_dns_cache_count(cache) <= CACHE_CAPACITY);

	pw_l7_detect(copy, size, IPPROTO_UDP, 40000, 53, &r);
	if (r.payload == PW_PL_DNS_QUERY || r.payload == PW_PL_DNS_RESPONSE)
		CHECK(strlen(r.host) < 255);
	pw_l7_detect(copy, size, IPPROTO_UDP, 5353, 5353, &r);
	pw_l7_detect(copy, size, IPPROTO_UDP, 137, 137, &r);
	free(copy);
	return 0;
}
