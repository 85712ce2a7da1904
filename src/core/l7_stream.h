/* Per-flow reassembly of the first client message, for detection:
 * a TLS ClientHello spread over TCP segments (post-quantum key shares
 * push it past one MSS) or a QUIC ClientHello spread over several Initial
 * packets. The state hangs off pw_flow.l7_state while the message is
 * incomplete and is freed as soon as it is whole or hopeless. */
#ifndef PW_CORE_L7_STREAM_H
#define PW_CORE_L7_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"
#include "l7/l7.h"

/* Bound on what one flow may buffer while waiting for its hello. */
#define PW_L7_STREAM_CAP (16 * 1024)

/* Called with the detection result of a client->server packet. When the
 * packet starts an incomplete ClientHello (TCP) or an Initial whose hello
 * continues (QUIC), starts buffering; later packets of the flow go to
 * pw_l7_stream_feed. tcp_seq is the segment's sequence number (0 for
 * UDP). */
void pw_l7_stream_start(struct pw_flow *flow, const uint8_t *payload,
			size_t len, uint32_t tcp_seq,
			const struct pw_l7_result *res);

/* Feeds a later client->server payload. Returns true when the message
 * became whole with this packet; *res then holds the detection of the
 * whole message (payload type, host, detail). */
bool pw_l7_stream_feed(struct pw_flow *flow, const uint8_t *payload,
		       size_t len, uint32_t tcp_seq, struct pw_l7_result *res);

/* pw_flow_config.free_l7. */
void pw_l7_stream_free(void *state);

#endif
