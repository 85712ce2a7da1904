#include "core/l7_stream.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l7/tls/quic.h"
#include "l7/tls/reasm.h"

enum stream_kind { STREAM_TLS, STREAM_QUIC };

struct l7_stream {
	enum stream_kind kind;
	uint32_t start_seq;	/* TCP sequence number of the hello's first byte */
	union {
		struct pw_reasm tls;
		struct pw_quic_state quic;
	} u;
};

void pw_l7_stream_free(void *state)
{
	struct l7_stream *s = state;

	if (!s)
		return;
	if (s->kind == STREAM_TLS)
		pw_reasm_free(&s->u.tls);
	else
		pw_quic_state_free(&s->u.quic);
	free(s);
}

static void stream_end(struct pw_flow *flow)
{
	pw_l7_stream_free(flow->l7_state);
	flow->l7_state = NULL;
}

void pw_l7_stream_start(struct pw_flow *flow, const uint8_t *payload,
			size_t len, uint32_t tcp_seq,
			const struct pw_l7_result *res)
{
	struct l7_stream *s;

	if (flow->l7_state || !res->incomplete)
		return;
	if (res->payload != PW_PL_TLS_CLIENT_HELLO &&
	    res->payload != PW_PL_QUIC_INITIAL)
		return;
	s = calloc(1, sizeof(*s));
	if (!s)
		return;		/* detection degrades; the flow goes on */
	if (res->payload == PW_PL_TLS_CLIENT_HELLO) {
		s->kind = STREAM_TLS;
		pw_reasm_init(&s->u.tls, PW_L7_STREAM_CAP,
			      pw_reasm_need_tls_record);
		s->start_seq = tcp_seq;
		pw_reasm_feed_tcp(&s->u.tls, 0, payload, len);
	} else {
		s->kind = STREAM_QUIC;
		pw_quic_state_init(&s->u.quic, PW_L7_STREAM_CAP);
		pw_quic_feed(&s->u.quic, payload, len);
	}
	flow->l7_state = s;
}

static bool tls_feed(struct pw_flow *flow, struct l7_stream *s,
		     const uint8_t *payload, size_t len, uint32_t tcp_seq,
		     struct pw_l7_result *res)
{
	/* Unsigned difference: right across the 32-bit wrap, and segments
	 * from before the hello come out as huge offsets the buffer drops. */
	switch (pw_reasm_feed_tcp(&s->u.tls, tcp_seq - s->start_seq, payload,
				  len)) {
	case PW_REASM_NEED_MORE:
		return false;
	case PW_REASM_COMPLETE:
		pw_l7_detect(pw_reasm_data(&s->u.tls),
			     pw_reasm_contiguous(&s->u.tls), IPPROTO_TCP, 0, 0,
			     res);
		stream_end(flow);
		return true;
	default:
		stream_end(flow);
		return false;
	}
}

static bool quic_feed(struct pw_flow *flow, struct l7_stream *s,
		      const uint8_t *payload, size_t len,
		      struct pw_l7_result *res)
{
	switch (pw_quic_feed(&s->u.quic, payload, len)) {
	case PW_QUIC_NEED_MORE:
		/* Clients send other datagrams too; give up after a few. */
		if (flow->dir[PW_C2S].data_packets > 8)
			stream_end(flow);
		return false;
	case PW_QUIC_HELLO:
		memset(res, 0, sizeof(*res));
		res->payload = PW_PL_QUIC_INITIAL;
		res->proto = PW_L7_QUIC;
		snprintf(res->host, sizeof(res->host), "%s",
			 s->u.quic.hello.sni);
		stream_end(flow);
		return true;
	default:
		stream_end(flow);
		return false;
	}
}

bool pw_l7_stream_feed(struct pw_flow *flow, const uint8_t *payload,
		       size_t len, uint32_t tcp_seq, struct pw_l7_result *res)
{
	struct l7_stream *s = flow->l7_state;

	if (!s)
		return false;
	if (s->kind == STREAM_TLS)
		return tls_feed(flow, s, payload, len, tcp_seq, res);
	return quic_feed(flow, s, payload, len, res);
}
