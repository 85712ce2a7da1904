/* TCP tracking of one flow: roles, sequence space per direction,
 * retransmissions, window scaling and the connection state. */
#include "base/bytes.h"
#include "flow/flow_priv.h"

/* RFC 7323 2.3: shifts above 14 are used as 14. */
#define TCP_MAX_WSCALE 14
#define SEQ_2G 0x80000000u

static const char *const state_names[] = {
	[PW_TCP_NONE] = "none",
	[PW_TCP_SYN_SENT] = "syn-sent",
	[PW_TCP_SYN_RECV] = "syn-recv",
	[PW_TCP_ESTABLISHED] = "established",
	[PW_TCP_FIN_C2S] = "fin-c2s",
	[PW_TCP_FIN_S2C] = "fin-s2c",
	[PW_TCP_CLOSED] = "closed",
	[PW_TCP_RESET] = "reset",
};

const char *pw_tcp_state_name(enum pw_tcp_state s)
{
	if ((unsigned)s >= sizeof(state_names) / sizeof(state_names[0]))
		return "unknown";
	return state_names[s];
}

/* Serial-number order (RFC 1982) of 32-bit sequence values. */
static inline bool seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

uint8_t pw_flow_tcp_client(const struct pw_dissect *d, uint8_t from)
{
	uint8_t flags = d->tcp_flags;

	if (flags & PW_TCP_SYN)
		return (flags & PW_TCP_ACK) ? !from : from;
	/* Mid-stream: a well-known port facing an ephemeral one marks the
	 * server; anything else keeps the sender as the client. */
	if (d->sport < 1024 && d->dport >= 1024)
		return !from;
	return from;
}

bool pw_flow_tcp_is_new_connection(const struct pw_flow *f,
				   const struct pw_dissect *d, uint8_t dir)
{
	const struct pw_flow_dir *c2s = &f->dir[PW_C2S];

	if ((d->tcp_flags & (PW_TCP_SYN | PW_TCP_ACK)) != PW_TCP_SYN)
		return false;
	if (f->tcp_state != PW_TCP_CLOSED && f->tcp_state != PW_TCP_RESET)
		return false;
	/* A retransmission of the original SYN stays with its flow. */
	return !(dir == PW_C2S && c2s->syn_seen && d->tcp_seq == c2s->seq0);
}

/* MSS and window scale options of a SYN. Option offsets come from the
 * dissector, relative to l3; the bytes are checked against caplen. */
static void read_syn_options(const struct pw_dissect *d, uint16_t *mss,
			     uint8_t *wscale)
{
	unsigned i;

	*mss = 0;
	*wscale = 0xff;
	for (i = 0; i < d->n_tcp_opts && i < PW_TCP_MAX_OPTS; i++) {
		const struct pw_tcp_opt *o = &d->tcp_opts[i];
		const uint8_t *v = d->l3 + o->off + 2;

		if ((uint32_t)o->off + o->len > d->caplen)
			break;
		if (o->kind == PW_TCPOPT_MSS && o->len == 4)
			*mss = pw_get_be16(v);
		else if (o->kind == PW_TCPOPT_WSCALE && o->len == 3)
			*wscale = v[0] > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : v[0];
	}
}

static void track_syn(struct pw_flow *f, const struct pw_dissect *d,
		      uint8_t dir)
{
	struct pw_flow_dir *me = &f->dir[dir], *peer = &f->dir[!dir];
	uint16_t mss;
	uint8_t ws;

	read_syn_options(d, &mss, &ws);
	if (mss)
		me->mss = mss;
	me->wscale = ws;
	me->syn_seen = 1;
	if (!me->seq_known) {
		me->seq0 = d->tcp_seq;
		me->seq_known = 1;
	}
	/* RFC 7323 2.2: a SYN+ACK may carry the option only when the SYN
	 * did, so one with it proves both sides agreed. */
	if (ws != 0xff && ((d->tcp_flags & PW_TCP_ACK) ||
			   (peer->syn_seen && peer->wscale != 0xff)))
		f->wscale_ok = 1;
	/* A SYN+ACK acknowledges the peer's ISN + 1: when nothing of the peer
	 * was seen yet, its sequence space starts there, SYN consumed. */
	if ((d->tcp_flags & PW_TCP_ACK) && !peer->seq_known) {
		peer->seq0 = d->tcp_ack - 1;
		peer->seq_known = 1;
		peer->pos = 1;
		peer->uppos = 1;
	}
}

/* Sequence space of one segment; returns true for a retransmission. */
static bool track_seq(struct pw_flow_dir *me, const struct pw_dissect *d,
		      uint32_t len)
{
	uint8_t flags = d->tcp_flags;
	uint32_t seg, rseq, pos;
	bool retransmit = false;

	if (!me->seq_known) {
		me->seq0 = d->tcp_seq;
		me->seq_known = 1;
	}
	rseq = d->tcp_seq - me->seq0;
	seg = len + !!(flags & PW_TCP_SYN) + !!(flags & PW_TCP_FIN);
	pos = rseq + seg;
	me->rseq = rseq;
	me->pos = pos;
	if (flags & PW_TCP_RST)
		return false;
	if (seg && seq_before(rseq, me->uppos))
		retransmit = true;
	if (seq_before(me->uppos, pos)) {
		me->uppos_prev = me->uppos;
		me->uppos = pos;
		if (pos >= SEQ_2G)
			me->seq_over_2g = 1;
	}
	return retransmit;
}

static void track_window(const struct pw_flow *f, struct pw_flow_dir *me,
			 const struct pw_dissect *d)
{
	uint32_t shift = 0;

	if (d->tcp_flags & PW_TCP_RST)
		return;
	if (!(d->tcp_flags & PW_TCP_SYN) && f->wscale_ok && me->wscale != 0xff)
		shift = me->wscale;
	me->win = (uint32_t)d->tcp_win << shift;
}

/* State machine over the flags of one segment. A flow's first segment
 * picks the starting state: SYN -> SYN_SENT, SYN+ACK -> SYN_RECV,
 * anything else -> ESTABLISHED (joined mid-stream). A handshake with a
 * missed segment still reaches ESTABLISHED on the first segment without
 * SYN that proves it (an ACK in SYN_SENT, any in SYN_RECV). */
static void track_state(struct pw_flow *f, uint8_t flags, uint8_t dir)
{
	uint8_t st = f->tcp_state;

	if (st == PW_TCP_NONE) {
		if ((flags & (PW_TCP_SYN | PW_TCP_ACK)) == PW_TCP_SYN)
			st = PW_TCP_SYN_SENT;
		else if (flags & PW_TCP_SYN)
			st = PW_TCP_SYN_RECV;
		else
			st = PW_TCP_ESTABLISHED;
	}
	if (flags & PW_TCP_RST) {
		f->tcp_state = PW_TCP_RESET;
		return;
	}
	switch (st) {
	case PW_TCP_SYN_SENT:
		if ((flags & PW_TCP_SYN) && dir == PW_S2C)
			st = PW_TCP_SYN_RECV;	/* SYN+ACK, or simultaneous open */
		else if (!(flags & PW_TCP_SYN) && (flags & PW_TCP_ACK))
			st = PW_TCP_ESTABLISHED;
		break;
	case PW_TCP_SYN_RECV:
		if (!(flags & PW_TCP_SYN))
			st = PW_TCP_ESTABLISHED;
		break;
	default:
		break;
	}
	if (flags & PW_TCP_FIN) {
		uint8_t mine = dir == PW_C2S ? PW_TCP_FIN_C2S : PW_TCP_FIN_S2C;
		uint8_t theirs = dir == PW_C2S ? PW_TCP_FIN_S2C : PW_TCP_FIN_C2S;

		if (st == PW_TCP_ESTABLISHED)
			st = mine;
		else if (st == theirs)
			st = PW_TCP_CLOSED;
	}
	f->tcp_state = st;
}

void pw_flow_tcp_update(struct pw_flow *f, const struct pw_dissect *d,
			uint8_t dir, struct pw_flow_update *upd)
{
	struct pw_flow_dir *me = &f->dir[dir];
	uint32_t len = pw_flow_payload_len(d);

	if (d->tcp_flags & PW_TCP_SYN)
		track_syn(f, d, dir);
	if (track_seq(me, d, len)) {
		me->retransmits++;
		upd->retransmit = true;
	}
	track_window(f, me, d);
	track_state(f, d->tcp_flags, dir);
}
