/* Payload-type and protocol filter lists, as users write them after
 * zapret2's --payload and --filter-l7: comma-separated names, plus
 *   all    every type, including empty and unknown;
 *   known  every type except empty and unknown (for protocols: every
 *          protocol except unknown).
 * A list compiles to a bitmask indexed by enum pw_l7_payload (or enum
 * pw_l7_proto), so matching a packet is one AND. */
#ifndef PW_L7_L7_FILTER_H
#define PW_L7_L7_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "l7/l7.h"

#define PW_L7_PAYLOAD_MASK_ALL ((uint32_t)((1ull << PW_PL__COUNT) - 1))
#define PW_L7_PAYLOAD_MASK_KNOWN \
	(PW_L7_PAYLOAD_MASK_ALL & \
	 ~((1u << PW_PL_EMPTY) | (1u << PW_PL_UNKNOWN)))
#define PW_L7_PROTO_MASK_ALL ((uint32_t)((1ull << PW_L7__COUNT) - 1))
#define PW_L7_PROTO_MASK_KNOWN \
	(PW_L7_PROTO_MASK_ALL & ~(1u << PW_L7_UNKNOWN))

/* Parses "tls_client_hello,http_req", "known", "all" (names may repeat;
 * spaces around names are allowed). Returns false with err naming the
 * first unknown or empty element; *mask is set only on success. */
bool pw_l7_payload_filter_parse(const char *list, uint32_t *mask,
				struct pw_error *err);
bool pw_l7_proto_filter_parse(const char *list, uint32_t *mask,
			      struct pw_error *err);

static inline bool pw_l7_payload_filter_match(uint32_t mask,
					      enum pw_l7_payload p)
{
	return (unsigned)p < PW_PL__COUNT && (mask >> p & 1);
}

static inline bool pw_l7_proto_filter_match(uint32_t mask,
					    enum pw_l7_proto p)
{
	return (unsigned)p < PW_L7__COUNT && (mask >> p & 1);
}

/* Writes the names of the bits in mask, comma-separated ("all" and
 * "known" when the mask is exactly that), into buf. Returns false when it
 * does not fit (buf then holds a truncated list). */
bool pw_l7_payload_filter_str(uint32_t mask, char *buf, size_t size);

#endif
