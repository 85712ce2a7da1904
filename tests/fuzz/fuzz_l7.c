/* libFuzzer harness for the l7 dispatcher and every detector behind it,
 * and for the payload/protocol filter-list parsers.
 *
 * Input: byte 0 picks the transport (TCP, UDP, ICMP, ICMPv6) and, with
 * its top bit, the filter-list parsers instead; bytes 1..4 are the source
 * and destination ports (a small set of well-known ports is mixed in so
 * the port-selected monitor detectors run often); the rest is the payload,
 * passed as an exact-size heap copy so any over-read is caught.
 * Invariants checked: results are NUL-terminated within their fields, the
 * payload type and protocol are in range, and a payload type implies its
 * protocol. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "l7/l7.h"
#include "l7/l7_filter.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static const uint16_t ports[16] = {
	53, 80, 123, 137, 138, 161, 162, 443, 1900, 5353, 5355, 67, 68,
	5222, 22, 51820,
};

static void fuzz_filters(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct pw_error err;
	uint32_t m;
	char out[600];

	memcpy(s, data, size);
	s[size] = '\0';
	if (pw_l7_payload_filter_parse(s, &m, &err)) {
		CHECK(!(m & ~PW_L7_PAYLOAD_MASK_ALL));
		CHECK(pw_l7_payload_filter_str(m, out, sizeof(out)));
	} else {
		CHECK(memchr(err.msg, '\0', sizeof(err.msg)));
	}
	if (pw_l7_proto_filter_parse(s, &m, &err))
		CHECK(!(m & ~PW_L7_PROTO_MASK_ALL));
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t l4s[4] = {
		IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6,
	};
	struct pw_l7_result r;
	uint16_t sport, dport;
	uint8_t *copy;
	size_t n;

	if (size < 5)
		return 0;
	if (data[0] & 0x80) {
		fuzz_filters(data + 1, size - 1);
		return 0;
	}
	sport = (uint16_t)(data[1] << 8 | data[2]);
	dport = (uint16_t)(data[3] << 8 | data[4]);
	if (data[0] & 0x10)
		sport = ports[sport & 15];
	if (data[0] & 0x20)
		dport = ports[dport & 15];
	n = size - 5;
	copy = malloc(n ? n : 1);
	memcpy(copy, data + 5, n);
	pw_l7_detect(copy, n, l4s[data[0] & 3], sport, dport, &r);
	free(copy);

	CHECK((unsigned)r.payload < PW_PL__COUNT);
	CHECK((unsigned)r.proto < PW_L7__COUNT);
	CHECK(memchr(r.host, '\0', sizeof(r.host)));
	CHECK(memchr(r.detail, '\0', sizeof(r.detail)));
	if (pw_l7_payload_proto(r.payload) != PW_L7_UNKNOWN)
		CHECK(r.proto == pw_l7_payload_proto(r.payload));
	CHECK(n || r.payload == PW_PL_EMPTY || r.payload == PW_PL_ICMP ||
	      r.payload == PW_PL_IPV4 || r.payload == PW_PL_IPV6);
	return 0;
}
