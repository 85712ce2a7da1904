/* TCP tracking: relative sequence numbers across the 32-bit wrap, the 2 GiB
 * flag, retransmissions, window scaling and MSS, the state machine. */
#include "flow_util.h"

#define A4 0x0a000001u
#define B4 0x0a000002u

static struct pw_flow_table *plain_table(void)
{
	struct pw_flow_config cfg;

	pw_flow_config_default(&cfg);
	return pw_flow_table_new(&cfg);
}

static void test_seq_wrap(void)
{
	struct pw_flow_table *t = plain_table();
	struct pw_flow_update u;
	const struct pw_flow_dir *d;
	struct conn c;
	uint32_t isn = 0xfffffff0u;

	conn_v4(&c, IPPROTO_TCP, A4, 40000, B4, 80);
	u = tcp_send(t, &c, 0, PW_TCP_SYN, isn, 0, 0, T0);
	d = &u.flow->dir[PW_C2S];
	tap_eq_u64(d->seq0, isn, "seq0 is the isn");
	tap_eq_u64(d->rseq, 0, "syn at relative 0");
	tap_eq_u64(d->pos, 1, "syn takes one unit");
	tcp_send(t, &c, 1, PW_TCP_SYN | PW_TCP_ACK, 5, isn + 1, 0, T0 + 1);
	tcp_send(t, &c, 0, PW_TCP_ACK, isn + 1, 6, 0, T0 + 2);
	u = tcp_send(t, &c, 0, PW_TCP_ACK, isn + 1, 6, 100, T0 + 3);
	tap_eq_u64(d->rseq, 1, "first data at relative 1");
	tap_eq_u64(d->pos, 101, "pos spans the wrap");
	tap_ok(!u.retransmit, "first data is new");
	u = tcp_send(t, &c, 0, PW_TCP_ACK, isn + 101, 6, 100, T0 + 4);
	tap_eq_u64(d->rseq, 101, "seq after the wrap is relative 101");
	tap_eq_u64(d->uppos, 201, "uppos after the wrap");
	tap_eq_u64(d->uppos_prev, 101, "uppos_prev after the wrap");
	tap_ok(!u.retransmit, "data after the wrap is new");
	u = tcp_send(t, &c, 0, PW_TCP_ACK, isn + 1, 6, 100, T0 + 5);
	tap_ok(u.retransmit, "resend from before the wrap is a retransmit");
	tap_eq_u64(d->uppos, 201, "retransmit leaves uppos");
	tap_eq_u64(d->retransmits, 1, "one retransmit");
	tap_ok(!d->seq_over_2g, "not over 2 GiB");
	pw_flow_table_free(t);
}

static void test_over_2g(void)
{
	struct pw_flow_table *t = plain_table();
	struct pw_flow_update u;
	const struct pw_flow_dir *d;
	struct conn c;
	uint32_t isn = 0x90000000u, rel;
	unsigned i;
	bool flag_early = false;

	conn_v4(&c, IPPROTO_TCP, A4, 40000, B4, 80);
	u = tcp_send(t, &c, 0, PW_TCP_SYN, isn, 0, 0, T0);
	d = &u.flow->dir[PW_C2S];
	/* 1 KiB segments 16 MiB apart (a capture with gaps): 127 of them
	 * stay below 2 GiB. */
	for (i = 0; i < 128; i++) {
		rel = 1 + i * (16u << 20);
		u = tcp_send(t, &c, 0, PW_TCP_ACK, isn + rel, 1, 1024,
			     T0 + 1 + i);
		if (d->seq_over_2g)
			flag_early = true;
	}
	tap_ok(!flag_early, "flag clear below 2 GiB");
	tap_eq_u64(d->uppos, 1 + 127 * (16u << 20) + 1024, "uppos below 2 GiB");
	u = tcp_send(t, &c, 0, PW_TCP_ACK, isn + 0x80000000u, 1, 1024,
		     T0 + 200);
	tap_ok(d->seq_over_2g, "flag set at 2 GiB");
	tap_ok(!u.retransmit, "advance at 2 GiB is new data");
	tap_eq_u64(d->rseq, 0x80000000u, "relative seq 2 GiB");
	/* On to 4 GiB and past: relative values wrap, tracking goes on. */
	for (rel = 0x90000000u; rel < 0xf0000000u; rel += 0x10000000u)
		tcp_send(t, &c, 0, PW_TCP_ACK, isn + rel, 1, 1024, T0 + 300);
	u = tcp_send(t, &c, 0, PW_TCP_ACK, isn + 0x00000100u, 1, 1024,
		     T0 + 400);
	tap_ok(!u.retransmit, "relative wrap past 4 GiB is new data");
	tap_eq_u64(d->uppos, 0x100 + 1024, "uppos wrapped");
	tap_ok(d->seq_over_2g, "flag stays set");
	u = tcp_send(t, &c, 0, PW_TCP_ACK, isn + 0xfffff000u, 1, 1024,
		     T0 + 401);
	tap_ok(u.retransmit, "data just before the wrap is old");
	tap_eq_u64(d->retransmits, 1, "one retransmit in the 4 GiB run");
	pw_flow_table_free(t);
}

static void test_retransmit(void)
{
	struct pw_flow_table *t = plain_table();
	struct pw_flow_update u;
	const struct pw_flow_dir *c2s, *s2c;
	struct conn c;

	conn_v4(&c, IPPROTO_TCP, A4, 40000, B4, 80);
	u = tcp_send(t, &c, 0, PW_TCP_SYN, 1000, 0, 0, T0);
	c2s = &u.flow->dir[PW_C2S];
	s2c = &u.flow->dir[PW_S2C];
	u = tcp_send(t, &c, 0, PW_TCP_SYN, 1000, 0, 0, T0 + 1);
	tap_ok(u.retransmit, "syn retransmit flagged");
	tap_eq_u64(c2s->retransmits, 1, "syn retransmit counted");
	tap_eq_u64(c2s->packets, 2, "both syns counted as packets");
	u = tcp_send(t, &c, 1, PW_TCP_SYN | PW_TCP_ACK, 7000, 1001, 0, T0 + 2);
	tap_ok(!u.retransmit, "first syn+ack is new");
	u = tcp_send(t, &c, 1, PW_TCP_SYN | PW_TCP_ACK, 7000, 1001, 0, T0 + 3);
	tap_ok(u.retransmit, "syn+ack retransmit flagged");
	tap_eq_u64(s2c->retransmits, 1, "syn+ack retransmit counted");

	u = tcp_send(t, &c, 0, PW_TCP_ACK, 1001, 7001, 0, T0 + 4);
	tap_ok(!u.retransmit, "pure ack is no retransmit");
	u = tcp_send(t, &c, 0, PW_TCP_ACK, 1001, 7001, 500, T0 + 5);
	tap_ok(!u.retransmit, "new data");
	u = tcp_send(t, &c, 0, PW_TCP_ACK, 1001, 7001, 500, T0 + 6);
	tap_ok(u.retransmit, "exact resend flagged");
	u = tcp_send(t, &c, 0, PW_TCP_ACK, 1101, 7001, 100, T0 + 7);
	tap_ok(u.retransmit, "resend inside old data flagged");
	u = tcp_send(t, &c, 0, PW_TCP_ACK, 1401, 7001, 200, T0 + 8);
	tap_ok(u.retransmit, "partial overlap flagged");
	tap_eq_u64(c2s->uppos, 601, "partial overlap advances uppos");
	tap_eq_u64(c2s->uppos_prev, 501, "uppos_prev before the overlap");
	u = tcp_send(t, &c, 0, PW_TCP_ACK, 1601, 7001, 0, T0 + 9);
	tap_ok(!u.retransmit, "ack at uppos is no retransmit");
	u = tcp_send(t, &c, 0, PW_TCP_ACK, 1600, 7001, 0, T0 + 10);
	tap_ok(!u.retransmit, "keep-alive probe without data is not counted");
	u = tcp_send(t, &c, 0, PW_TCP_ACK, 1601, 7001, 300, T0 + 11);
	tap_ok(!u.retransmit, "data at uppos is new");
	tap_eq_u64(c2s->retransmits, 4, "c2s retransmits: syn + 3 data");
	tap_eq_u64(c2s->data_packets, 5, "retransmits are data packets too");
	tap_eq_u64(c2s->payload_bytes, 1600, "retransmitted bytes counted");
	/* A FIN takes one unit; its resend is a retransmit. */
	u = tcp_send(t, &c, 0, PW_TCP_FIN | PW_TCP_ACK, 1901, 7001, 0,
		     T0 + 12);
	tap_ok(!u.retransmit, "fin is new");
	tap_eq_u64(c2s->uppos, 902, "fin takes one unit");
	u = tcp_send(t, &c, 0, PW_TCP_FIN | PW_TCP_ACK, 1901, 7001, 0,
		     T0 + 13);
	tap_ok(u.retransmit, "fin resend flagged");
	/* RST: no sequence tracking. */
	u = tcp_send(t, &c, 1, PW_TCP_RST, 0, 0, 0, T0 + 14);
	tap_ok(!u.retransmit, "rst is no retransmit");
	tap_eq_u64(s2c->uppos, 1, "rst leaves uppos");
	tap_eq_u64(s2c->retransmits, 1, "s2c retransmits");
	pw_flow_table_free(t);
}

/* Mid-stream: the first seq seen is seq0. */
static void test_midstream_seq(void)
{
	struct pw_flow_table *t = plain_table();
	struct pw_flow_update u;
	const struct pw_flow_dir *d;
	struct conn c;

	conn_v4(&c, IPPROTO_TCP, A4, 40000, B4, 80);
	u = tcp_send(t, &c, 1, PW_TCP_ACK, 123456, 99, 1000, T0);
	d = &u.flow->dir[PW_S2C];
	tap_eq_u64(u.dir, PW_S2C, "midstream from port 80 is s2c");
	tap_eq_u64(d->seq0, 123456, "seq0 is the first seq seen");
	tap_eq_u64(d->rseq, 0, "first seq is relative 0");
	tap_eq_u64(d->pos, 1000, "pos without a syn");
	tap_ok(!d->syn_seen, "no syn seen");
	u = tcp_send(t, &c, 1, PW_TCP_ACK, 123456 - 1000, 99, 1000, T0 + 1);
	tap_ok(u.retransmit, "data before the first seen is old");
	tap_eq_u64(d->rseq, 0xfffffc18u, "negative relative seq wraps");
	tap_eq_u64(d->uppos, 1000, "uppos unchanged");
	/* The SYN+ACK gives the peer's isn: ack - 1. */
	conn_v4(&c, IPPROTO_TCP, A4, 40001, B4, 80);
	u = tcp_send(t, &c, 1, PW_TCP_SYN | PW_TCP_ACK, 50, 7777, 0, T0 + 2);
	d = &u.flow->dir[PW_C2S];
	tap_eq_u64(d->seq0, 7776, "client seq0 from the syn+ack ack");
	tap_eq_u64(d->uppos, 1, "client syn counted as consumed");
	tap_eq_u64(d->packets, 0, "nothing seen from the client yet");
	conn_v4(&c, IPPROTO_TCP, A4, 40002, B4, 80);
	tcp_send(t, &c, 1, PW_TCP_SYN | PW_TCP_ACK, 50, 9001, 0, T0 + 2);
	u = tcp_send(t, &c, 0, PW_TCP_SYN, 9000, 0, 0, T0 + 2);
	tap_ok(u.retransmit, "client syn after the syn+ack is a resend");
	conn_v4(&c, IPPROTO_TCP, A4, 40001, B4, 80);
	u = tcp_send(t, &c, 0, PW_TCP_ACK, 7777, 51, 10, T0 + 3);
	tap_eq_u64(d->rseq, 1, "client data at relative 1");
	tap_ok(!u.retransmit, "client data is new");
	u = tcp_send(t, &c, 0, PW_TCP_SYN, 7776, 0, 0, T0 + 4);
	tap_ok(u.retransmit, "late client syn is old");
	tap_eq_u64(u.flow->tcp_state, PW_TCP_ESTABLISHED,
		   "late syn keeps established");
	pw_flow_table_free(t);
}

static void syn_with(struct tpkt *p, const struct conn *c, int from_b,
		     uint8_t flags, uint16_t win, uint16_t mss, int shift)
{
	pkt_tcp(p, c, from_b, flags, from_b ? 5000 : 1000,
		flags & PW_TCP_ACK ? 1001 : 0, win, 0);
	pkt_opt_mss(p, mss);
	if (shift >= 0)
		pkt_opt_wscale(p, (uint8_t)shift);
}

static void test_window_scaling(void)
{
	struct pw_flow_table *t = plain_table();
	struct pw_flow_update u;
	struct pw_flow *f;
	struct conn c;
	struct tpkt p;

	conn_v4(&c, IPPROTO_TCP, A4, 40000, B4, 443);
	syn_with(&p, &c, 0, PW_TCP_SYN, 64240, 1460, 7);
	pw_flow_track(t, &p.d, T0, &u);
	f = u.flow;
	tap_eq_u64(f->dir[PW_C2S].win, 64240, "syn window unscaled");
	tap_eq_u64(f->dir[PW_C2S].wscale, 7, "client shift");
	tap_eq_u64(f->dir[PW_C2S].mss, 1460, "client mss");
	tap_ok(!f->wscale_ok, "scaling not in force after syn");
	syn_with(&p, &c, 1, PW_TCP_SYN | PW_TCP_ACK, 65535, 1400, 8);
	pw_flow_track(t, &p.d, T0 + 1, &u);
	tap_eq_u64(f->dir[PW_S2C].win, 65535, "syn+ack window unscaled");
	tap_eq_u64(f->dir[PW_S2C].mss, 1400, "server mss");
	tap_ok(f->wscale_ok, "scaling in force after syn+ack");
	pkt_tcp(&p, &c, 0, PW_TCP_ACK, 1001, 5001, 502, 0);
	pw_flow_track(t, &p.d, T0 + 2, &u);
	tap_eq_u64(f->dir[PW_C2S].win, 502u << 7, "client window scaled");
	pkt_tcp(&p, &c, 1, PW_TCP_ACK, 5001, 1001, 100, 0);
	pw_flow_track(t, &p.d, T0 + 3, &u);
	tap_eq_u64(f->dir[PW_S2C].win, 100u << 8, "server window scaled");

	/* The server does not answer with the option: no scaling. */
	conn_v4(&c, IPPROTO_TCP, A4, 40001, B4, 443);
	syn_with(&p, &c, 0, PW_TCP_SYN, 64240, 1460, 7);
	pw_flow_track(t, &p.d, T0, &u);
	f = u.flow;
	syn_with(&p, &c, 1, PW_TCP_SYN | PW_TCP_ACK, 65535, 1460, -1);
	pw_flow_track(t, &p.d, T0 + 1, &u);
	tap_ok(!f->wscale_ok, "one-sided offer: no scaling");
	tap_eq_u64(f->dir[PW_S2C].wscale, 0xff, "server offered none");
	pkt_tcp(&p, &c, 0, PW_TCP_ACK, 1001, 5001, 502, 0);
	pw_flow_track(t, &p.d, T0 + 2, &u);
	tap_eq_u64(f->dir[PW_C2S].win, 502, "client window raw");

	/* Shift above 14 is used as 14; SYN+ACK seen first. */
	conn_v4(&c, IPPROTO_TCP, A4, 40002, B4, 443);
	syn_with(&p, &c, 1, PW_TCP_SYN | PW_TCP_ACK, 65535, 1460, 15);
	pw_flow_track(t, &p.d, T0, &u);
	f = u.flow;
	tap_ok(f->wscale_ok, "syn+ack with the option proves agreement");
	tap_eq_u64(f->dir[PW_S2C].wscale, 14, "shift capped at 14");
	pkt_tcp(&p, &c, 1, PW_TCP_ACK, 5001, 1001, 2, 0);
	pw_flow_track(t, &p.d, T0 + 1, &u);
	tap_eq_u64(f->dir[PW_S2C].win, 2u << 14, "server window scaled by 14");
	pkt_tcp(&p, &c, 0, PW_TCP_ACK, 1001, 5001, 300, 0);
	pw_flow_track(t, &p.d, T0 + 2, &u);
	tap_eq_u64(f->dir[PW_C2S].win, 300, "unknown client shift: raw");

	/* Options cut by the capture are not read. */
	conn_v4(&c, IPPROTO_TCP, A4, 40003, B4, 443);
	syn_with(&p, &c, 0, PW_TCP_SYN, 100, 1460, 7);
	p.d.caplen = p.d.tcp_opts[1].off + 2;
	pw_flow_track(t, &p.d, T0, &u);
	tap_eq_u64(u.flow->dir[PW_C2S].mss, 1460, "mss inside the capture");
	tap_eq_u64(u.flow->dir[PW_C2S].wscale, 0xff, "cut wscale ignored");
	pw_flow_table_free(t);
}

struct step {
	int from_b;
	uint8_t flags;
	uint8_t want;
};

static void run_steps(const char *name, const struct step *s, unsigned n)
{
	struct pw_flow_table *t = plain_table();
	struct pw_flow_update u;
	struct conn c;
	unsigned i;
	bool ok = true;

	conn_v4(&c, IPPROTO_TCP, A4, 40000, B4, 80);
	for (i = 0; i < n; i++) {
		u = tcp_send(t, &c, s[i].from_b, s[i].flags,
			     s[i].from_b ? 5000 + i : 1000 + i, 1, 0, T0 + i);
		if (!u.flow || !u.created != (i > 0) ||
		    u.flow->tcp_state != s[i].want) {
			tap_diag("%s step %u: state %s, want %s", name, i,
				 u.flow ? pw_tcp_state_name(u.flow->tcp_state) :
					  "none",
				 pw_tcp_state_name(s[i].want));
			ok = false;
		}
	}
	tap_ok(ok, "states: %s", name);
	pw_flow_table_free(t);
}

#define S PW_TCP_SYN
#define A PW_TCP_ACK
#define F PW_TCP_FIN
#define R PW_TCP_RST

static void test_states(void)
{
	static const struct step full[] = {
		{ 0, S, PW_TCP_SYN_SENT },
		{ 1, S | A, PW_TCP_SYN_RECV },
		{ 0, A, PW_TCP_ESTABLISHED },
		{ 1, A, PW_TCP_ESTABLISHED },
		{ 0, F | A, PW_TCP_FIN_C2S },
		{ 1, A, PW_TCP_FIN_C2S },
		{ 0, F | A, PW_TCP_FIN_C2S },
		{ 1, F | A, PW_TCP_CLOSED },
		{ 0, A, PW_TCP_CLOSED },
	};
	static const struct step server_first[] = {
		{ 0, S, PW_TCP_SYN_SENT },
		{ 0, S, PW_TCP_SYN_SENT },
		{ 1, S | A, PW_TCP_SYN_RECV },
		{ 1, S | A, PW_TCP_SYN_RECV },
		{ 0, A, PW_TCP_ESTABLISHED },
		{ 1, F | A, PW_TCP_FIN_S2C },
		{ 0, F | A, PW_TCP_CLOSED },
	};
	static const struct step rst_est[] = {
		{ 0, S, PW_TCP_SYN_SENT },
		{ 1, S | A, PW_TCP_SYN_RECV },
		{ 0, A, PW_TCP_ESTABLISHED },
		{ 1, R | A, PW_TCP_RESET },
		{ 0, A, PW_TCP_RESET },
		{ 0, F | A, PW_TCP_RESET },
	};
	static const struct step rst_syn[] = {
		{ 0, S, PW_TCP_SYN_SENT },
		{ 1, R | A, PW_TCP_RESET },
	};
	static const struct step rst_fin[] = {
		{ 0, A, PW_TCP_ESTABLISHED },
		{ 0, F | A, PW_TCP_FIN_C2S },
		{ 1, R, PW_TCP_RESET },
	};
	static const struct step missed_synack[] = {
		{ 0, S, PW_TCP_SYN_SENT },
		{ 0, A, PW_TCP_ESTABLISHED },
	};
	static const struct step missed_ack[] = {
		{ 1, S | A, PW_TCP_SYN_RECV },
		{ 1, A, PW_TCP_ESTABLISHED },
	};
	static const struct step midstream_fin[] = {
		{ 1, F | A, PW_TCP_FIN_S2C },
		{ 1, F | A, PW_TCP_FIN_S2C },
		{ 0, F | A, PW_TCP_CLOSED },
	};
	static const struct step simultaneous[] = {
		{ 0, S, PW_TCP_SYN_SENT },
		{ 1, S, PW_TCP_SYN_RECV },
		{ 0, S | A, PW_TCP_SYN_RECV },
		{ 1, A, PW_TCP_ESTABLISHED },
	};
	static const struct step syn_fin_scan[] = {
		{ 0, S | F, PW_TCP_SYN_SENT },
	};

	run_steps("full close", full, 9);
	run_steps("server closes first", server_first, 7);
	run_steps("reset when established", rst_est, 6);
	run_steps("reset answering syn", rst_syn, 2);
	run_steps("reset after fin", rst_fin, 3);
	run_steps("missed syn+ack", missed_synack, 2);
	run_steps("missed final ack", missed_ack, 2);
	run_steps("mid-stream fin", midstream_fin, 3);
	run_steps("simultaneous open", simultaneous, 4);
	run_steps("syn+fin", syn_fin_scan, 1);
	tap_eq_str(pw_tcp_state_name(PW_TCP_FIN_S2C), "fin-s2c", "state name");
	tap_eq_str(pw_tcp_state_name((enum pw_tcp_state)99), "unknown",
		   "state name out of range");
}

int main(void)
{
	test_seq_wrap();
	test_over_2g();
	test_retransmit();
	test_midstream_seq();
	test_window_scaling();
	test_states();
	return tap_done();
}
