/* Shared between the dissect source files; not part of the public API. */
#ifndef PW_PKT_DISSECT_PRIV_H
#define PW_PKT_DISSECT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "pkt/dissect.h"

#define PW_IPPROTO_HOPOPTS 0
#define PW_IPPROTO_ICMP 1
#define PW_IPPROTO_TCP 6
#define PW_IPPROTO_UDP 17
#define PW_IPPROTO_ROUTING 43
#define PW_IPPROTO_FRAGMENT 44
#define PW_IPPROTO_ESP 50
#define PW_IPPROTO_AH 51
#define PW_IPPROTO_ICMPV6 58
#define PW_IPPROTO_NONE 59
#define PW_IPPROTO_DSTOPTS 60

/* True when n bytes at off are inside both the capture and the packet
 * (avail = min(caplen, ip_len)). Otherwise records why: the header runs
 * past the length the IP header claims (BAD_TOTAL_LEN) or past the bytes
 * captured (TRUNCATED). */
static inline bool pw_dissect_need(struct pw_dissect *d, uint32_t off,
				   uint32_t n, uint32_t avail)
{
	if ((uint64_t)off + n <= avail)
		return true;
	if ((uint64_t)off + n > d->ip_len)
		d->malformed |= PW_MAL_BAD_TOTAL_LEN;
	else
		d->malformed |= PW_MAL_TRUNCATED;
	return false;
}

/* Payload span for bytes from off to the end of the packet. */
static inline void pw_dissect_set_payload(struct pw_dissect *d, uint32_t off,
					  uint32_t avail)
{
	d->payload_off = off;
	d->payload_len = avail > off ? avail - off : 0;
	d->payload_wirelen = d->ip_len > off ? d->ip_len - off : 0;
}

/* Dissects the upper layer (d->l4proto) starting at off. */
void pw_dissect_l4(struct pw_dissect *d, uint32_t off, uint32_t avail);

/* Final destination named by an IPv6 routing header (rh, len bytes) that
 * still has segments left, or NULL when the header does not change it. */
const uint8_t *pw_ip6_rh_final_dst(const uint8_t *rh, uint32_t len);

/* Length of the L4 segment (header + data) the checksum covers. */
static inline uint32_t pw_dissect_l4_len(const struct pw_dissect *d)
{
	return d->payload_off - d->l4_off + d->payload_wirelen;
}

#endif
