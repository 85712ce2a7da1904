/* Hand-built dissects for the flow table tests: the table only reads the
 * fields a dissector fills, so tests set those directly (addresses in the
 * L3 bytes, ports, TCP fields and options, payload lengths). */
#ifndef PW_TESTS_FLOW_UTIL_H
#define PW_TESTS_FLOW_UTIL_H

#include <netinet/in.h>
#include <string.h>

#include "base/bytes.h"
#include "flow/flow.h"
#include "pkt/dissect.h"
#include "tap.h"

#define NS 1000000000ull
#define T0 (1700000000ull * NS)

struct tpkt {
	uint8_t buf[128];
	struct pw_dissect d;
};

/* An endpoint pair: a = client side as the test means it. */
struct conn {
	uint8_t family;
	uint8_t proto;
	uint8_t a[16], b[16];
	uint16_t aport, bport;
};

static inline void conn_v4(struct conn *c, uint8_t proto, uint32_t a,
			   uint16_t aport, uint32_t b, uint16_t bport)
{
	memset(c, 0, sizeof(*c));
	c->family = 4;
	c->proto = proto;
	pw_put_be32(c->a, a);
	pw_put_be32(c->b, b);
	c->aport = aport;
	c->bport = bport;
}

static inline void conn_v6(struct conn *c, uint8_t proto, const uint8_t *a,
			   uint16_t aport, const uint8_t *b, uint16_t bport)
{
	memset(c, 0, sizeof(*c));
	c->family = 6;
	c->proto = proto;
	memcpy(c->a, a, 16);
	memcpy(c->b, b, 16);
	c->aport = aport;
	c->bport = bport;
}

/* Fills the L3 header bytes and the common dissect fields of a packet of
 * conn c sent by side a (from_b = 0) or b (from_b = 1). */
static inline void pkt_init(struct tpkt *p, const struct conn *c, int from_b,
			    uint32_t payload_len)
{
	const uint8_t *src = from_b ? c->b : c->a, *dst = from_b ? c->a : c->b;
	struct pw_dissect *d = &p->d;
	uint16_t hl = c->family == 4 ? 20 : 40;

	memset(p, 0, sizeof(*p));
	if (c->family == 4) {
		p->buf[0] = 0x45;
		p->buf[9] = c->proto;
		memcpy(p->buf + 12, src, 4);
		memcpy(p->buf + 16, dst, 4);
	} else {
		p->buf[0] = 0x60;
		p->buf[6] = c->proto;
		memcpy(p->buf + 8, src, 16);
		memcpy(p->buf + 24, dst, 16);
	}
	d->l3 = p->buf;
	d->caplen = sizeof(p->buf);
	d->wirelen = sizeof(p->buf);
	d->ipver = c->family;
	d->l4proto = c->proto;
	d->l3_hlen = hl;
	d->has_l4 = true;
	d->l4_off = hl;
	d->l4_hlen = c->proto == IPPROTO_TCP ? 20 : 8;
	d->sport = from_b ? c->bport : c->aport;
	d->dport = from_b ? c->aport : c->bport;
	pw_put_be16(p->buf + hl, d->sport);
	pw_put_be16(p->buf + hl + 2, d->dport);
	d->payload_off = hl + d->l4_hlen;
	d->payload_len = payload_len < 32 ? payload_len : 32;
	d->payload_wirelen = payload_len;
}

static inline void pkt_tcp(struct tpkt *p, const struct conn *c, int from_b,
			   uint8_t flags, uint32_t seq, uint32_t ack,
			   uint16_t win, uint32_t len)
{
	pkt_init(p, c, from_b, len);
	p->d.tcp_flags = flags;
	p->d.tcp_seq = seq;
	p->d.tcp_ack = ack;
	p->d.tcp_win = win;
}

/* Appends a TCP option (kind, value bytes) after the fixed header. */
static inline void pkt_tcp_opt(struct tpkt *p, uint8_t kind,
			       const uint8_t *val, uint8_t vlen)
{
	struct pw_dissect *d = &p->d;
	uint16_t off = d->l4_off + 20;
	unsigned i;

	for (i = 0; i < d->n_tcp_opts; i++)
		off += d->tcp_opts[i].len;
	p->buf[off] = kind;
	p->buf[off + 1] = (uint8_t)(vlen + 2);
	memcpy(p->buf + off + 2, val, vlen);
	d->tcp_opts[d->n_tcp_opts].kind = kind;
	d->tcp_opts[d->n_tcp_opts].len = (uint8_t)(vlen + 2);
	d->tcp_opts[d->n_tcp_opts].off = off;
	d->n_tcp_opts++;
}

static inline void pkt_opt_mss(struct tpkt *p, uint16_t mss)
{
	uint8_t v[2];

	pw_put_be16(v, mss);
	pkt_tcp_opt(p, PW_TCPOPT_MSS, v, 2);
}

static inline void pkt_opt_wscale(struct tpkt *p, uint8_t shift)
{
	pkt_tcp_opt(p, PW_TCPOPT_WSCALE, &shift, 1);
}

/* ICMP echo: c's ports are ignored, id goes to the echo header. */
static inline void pkt_icmp(struct tpkt *p, const struct conn *c, int from_b,
			    uint8_t type, uint16_t id, uint32_t len)
{
	struct pw_dissect *d;

	pkt_init(p, c, from_b, len);
	d = &p->d;
	d->sport = type;
	d->dport = 0;
	p->buf[d->l4_off] = type;
	p->buf[d->l4_off + 1] = 0;
	pw_put_be16(p->buf + d->l4_off + 2, 0);
	pw_put_be16(p->buf + d->l4_off + 4, id);
	pw_put_be16(p->buf + d->l4_off + 6, 1);
}

/* Feeds a TCP segment; returns the update (flow NULL when not tracked). */
static inline struct pw_flow_update tcp_send(struct pw_flow_table *t,
					     const struct conn *c, int from_b,
					     uint8_t flags, uint32_t seq,
					     uint32_t ack, uint32_t len,
					     uint64_t ts)
{
	struct pw_flow_update u = { 0 };
	struct tpkt p;

	pkt_tcp(&p, c, from_b, flags, seq, ack, 1000, len);
	if (!pw_flow_track(t, &p.d, ts, &u))
		u.flow = NULL;
	return u;
}

static inline struct pw_flow_update udp_send(struct pw_flow_table *t,
					     const struct conn *c, int from_b,
					     uint32_t len, uint64_t ts)
{
	struct pw_flow_update u = { 0 };
	struct tpkt p;

	pkt_init(&p, c, from_b, len);
	if (!pw_flow_track(t, &p.d, ts, &u))
		u.flow = NULL;
	return u;
}

/* Records of on_end calls: flows cannot be kept, so copy what tests need. */
#define MAX_ENDS 64
struct end_rec {
	uint64_t id;
	enum pw_flow_end why;
	uint64_t c2s_packets, s2c_packets;
	uint8_t state;
};

struct end_log {
	unsigned n;
	uint64_t total;
	struct end_rec rec[MAX_ENDS];
};

static inline void end_log_cb(struct pw_flow *f, enum pw_flow_end why,
			      void *ctx)
{
	struct end_log *log = ctx;

	if (log->n < MAX_ENDS) {
		struct end_rec *r = &log->rec[log->n++];

		r->id = f->id;
		r->why = why;
		r->c2s_packets = f->dir[PW_C2S].packets;
		r->s2c_packets = f->dir[PW_S2C].packets;
		r->state = f->tcp_state;
	}
	log->total++;
}

static inline struct pw_flow_table *table_with_log(struct end_log *log,
						   uint32_t max_flows)
{
	struct pw_flow_config cfg;

	pw_flow_config_default(&cfg);
	if (max_flows)
		cfg.max_flows = max_flows;
	cfg.on_end = end_log_cb;
	cfg.ctx = log;
	memset(log, 0, sizeof(*log));
	return pw_flow_table_new(&cfg);
}

#endif
