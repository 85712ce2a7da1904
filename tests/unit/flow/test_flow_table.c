/* The table: timeouts per state, expiry with one list per timeout class,
 * port reuse, eviction at the cap, flush order, memory per flow, and a
 * million flows through a table capped at 10k. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include "flow_util.h"

#define A4 0x0a000001u
#define B4 0x0a000002u

/* A timeout boundary: the flow survives a packet exactly `tmo` after its
 * last one and ends on a packet 1 ns later. */
static void check_timeout(const char *name, const struct conn *c,
			  uint8_t setup_flags, uint8_t want_state,
			  uint64_t tmo)
{
	struct end_log log;
	struct pw_flow_table *t = table_with_log(&log, 0);
	struct pw_flow_update u;
	struct pw_flow_stats st;
	uint8_t keep_flags = setup_flags ? setup_flags : PW_TCP_SYN;
	uint32_t keep_seq = setup_flags ? 101 : 100;
	uint64_t last;

	/* The packet at the boundary repeats the one that set the state, so
	 * the state (and its timeout) stays. */
	if (c->proto == IPPROTO_TCP) {
		tcp_send(t, c, 0, PW_TCP_SYN, 100, 0, 0, T0);
		if (setup_flags)
			tcp_send(t, c, 1, PW_TCP_SYN | PW_TCP_ACK, 900, 101, 0,
				 T0);
		u = tcp_send(t, c, 0, keep_flags, keep_seq, 901, 0, T0);
	} else {
		u = udp_send(t, c, 0, 10, T0);
	}
	tap_ok(u.flow->tcp_state == want_state, "%s: state %s", name,
	       pw_tcp_state_name(u.flow->tcp_state));
	last = T0 + tmo;
	if (c->proto == IPPROTO_TCP)
		u = tcp_send(t, c, 0, keep_flags, keep_seq, 901, 0, last);
	else
		u = udp_send(t, c, 1, 10, last);
	tap_ok(!u.created && log.n == 0, "%s: alive at the timeout", name);
	tap_ok(u.flow->tcp_state == want_state, "%s: state kept", name);
	if (c->proto == IPPROTO_TCP)
		u = tcp_send(t, c, 1, PW_TCP_ACK, 901, 101, 0, last + tmo + 1);
	else
		u = udp_send(t, c, 1, 10, last + tmo + 1);
	tap_ok(u.created && u.flow->id == 2, "%s: new flow after", name);
	tap_ok(log.n == 1 && log.rec[0].id == 1 &&
	       log.rec[0].why == PW_FLOW_END_TIMEOUT,
	       "%s: old flow ended by timeout", name);
	pw_flow_table_stats(t, &st);
	tap_eq_u64(st.timed_out, 1, "timed_out counted");
	tap_eq_u64(st.active, 1, "one active");
	pw_flow_table_free(t);
}

static void test_timeouts(void)
{
	struct conn c;

	conn_v4(&c, IPPROTO_TCP, A4, 40000, B4, 80);
	check_timeout("syn", &c, 0, PW_TCP_SYN_SENT, 60 * NS);
	check_timeout("established", &c, PW_TCP_ACK, PW_TCP_ESTABLISHED,
		      300 * NS);
	check_timeout("fin", &c, PW_TCP_FIN | PW_TCP_ACK, PW_TCP_FIN_C2S,
		      60 * NS);
	check_timeout("reset", &c, PW_TCP_RST, PW_TCP_RESET, 60 * NS);
	conn_v4(&c, IPPROTO_UDP, A4, 40000, B4, 53);
	check_timeout("udp", &c, 0, PW_TCP_NONE, 60 * NS);
}

/* ICMP echo flows use the UDP timeout. */
static void test_icmp_timeout(void)
{
	struct end_log log;
	struct pw_flow_table *t = table_with_log(&log, 0);
	struct pw_flow_update u;
	struct conn c;
	struct tpkt p;

	conn_v4(&c, IPPROTO_ICMP, A4, 0, B4, 0);
	pkt_icmp(&p, &c, 0, 8, 1, 8);
	pw_flow_track(t, &p.d, T0, &u);
	pkt_icmp(&p, &c, 1, 0, 1, 8);
	pw_flow_track(t, &p.d, T0 + 60 * NS, &u);
	tap_ok(!u.created, "icmp: alive at 60 s");
	pw_flow_table_expire(t, T0 + 120 * NS);
	tap_eq_u64(log.n, 0, "icmp: alive at 60 s after the reply");
	pw_flow_table_expire(t, T0 + 121 * NS);
	tap_ok(log.n == 1 && log.rec[0].why == PW_FLOW_END_TIMEOUT &&
	       log.rec[0].c2s_packets == 1 && log.rec[0].s2c_packets == 1,
	       "icmp: ended after the udp timeout");
	pw_flow_table_free(t);
}

static void test_configured_timeouts(void)
{
	struct pw_flow_config cfg;
	struct end_log log = { 0 };
	struct pw_flow_table *t;
	struct pw_flow_update u;
	struct conn c;

	pw_flow_config_default(&cfg);
	tap_eq_u64(cfg.timeout_syn_ns, 60 * NS, "default syn timeout");
	tap_eq_u64(cfg.timeout_est_ns, 300 * NS, "default est timeout");
	tap_eq_u64(cfg.timeout_fin_ns, 60 * NS, "default fin timeout");
	tap_eq_u64(cfg.timeout_udp_ns, 60 * NS, "default udp timeout");
	tap_eq_u64(cfg.max_flows, 1u << 20, "default cap");
	cfg.timeout_udp_ns = 5 * NS;
	cfg.timeout_est_ns = 0;	/* 0 picks the default */
	cfg.on_end = end_log_cb;
	cfg.ctx = &log;
	t = pw_flow_table_new(&cfg);
	conn_v4(&c, IPPROTO_UDP, A4, 1, B4, 2);
	udp_send(t, &c, 0, 1, T0);
	u = udp_send(t, &c, 0, 1, T0 + 5 * NS + 1);
	tap_ok(u.created && log.n == 1, "udp timeout of 5 s configured");
	conn_v4(&c, IPPROTO_TCP, A4, 1, B4, 2);
	tcp_send(t, &c, 0, PW_TCP_ACK, 1, 1, 0, T0);
	u = tcp_send(t, &c, 0, PW_TCP_ACK, 1, 1, 0, T0 + 300 * NS);
	tap_ok(!u.created, "est timeout 0 means default 300 s");
	pw_flow_table_free(t);
}

/* Lists per timeout class: a short-timeout flow behind a long-timeout one
 * in activity order still expires on time. */
static void test_expire_classes(void)
{
	struct end_log log;
	struct pw_flow_table *t = table_with_log(&log, 0);
	struct pw_flow_stats st;
	struct conn est, syn, udp, fin;

	conn_v4(&est, IPPROTO_TCP, A4, 1001, B4, 80);
	conn_v4(&syn, IPPROTO_TCP, A4, 1002, B4, 80);
	conn_v4(&udp, IPPROTO_UDP, A4, 1003, B4, 53);
	conn_v4(&fin, IPPROTO_TCP, A4, 1004, B4, 80);
	tcp_send(t, &est, 0, PW_TCP_ACK, 1, 1, 10, T0);		 /* id 1 */
	tcp_send(t, &syn, 0, PW_TCP_SYN, 1, 0, 0, T0 + 10 * NS);	 /* id 2 */
	udp_send(t, &udp, 0, 10, T0 + 20 * NS);			 /* id 3 */
	tcp_send(t, &fin, 0, PW_TCP_FIN | PW_TCP_ACK, 1, 1, 0,
		 T0 + 30 * NS);				 /* id 4 */

	pw_flow_table_expire(t, T0 + 70 * NS);
	tap_eq_u64(log.n, 0, "at 70 s the syn flow (10 s + 60) is alive");
	pw_flow_table_expire(t, T0 + 71 * NS);
	tap_eq_u64(log.n, 1, "at 71 s only the syn flow is over, though the "
		   "established flow was less recently active");
	tap_eq_u64(log.rec[0].id, 2, "syn flow expired first");
	pw_flow_table_expire(t, T0 + 81 * NS);
	tap_eq_u64(log.n, 2, "udp flow expired at 81 s");
	tap_eq_u64(log.rec[1].id, 3, "udp flow id");
	pw_flow_table_expire(t, T0 + 91 * NS);
	tap_eq_u64(log.n, 3, "fin flow expired at 91 s");
	tap_eq_u64(log.rec[2].id, 4, "fin flow id");
	pw_flow_table_expire(t, T0 + 300 * NS);
	tap_eq_u64(log.n, 3, "established flow alive at 300 s");
	pw_flow_table_expire(t, T0 + 301 * NS);
	tap_eq_u64(log.n, 4, "established flow expired at 301 s");
	tap_ok(log.rec[3].why == PW_FLOW_END_TIMEOUT, "reason timeout");
	pw_flow_table_stats(t, &st);
	tap_eq_u64(st.timed_out, 4, "four timed out");
	tap_eq_u64(st.active, 0, "none active");
	pw_flow_table_free(t);
}

/* Expiry is amortised: calls less than a second apart do not scan. */
static void test_expire_amortised(void)
{
	struct end_log log;
	struct pw_flow_table *t = table_with_log(&log, 0);
	struct conn c;

	conn_v4(&c, IPPROTO_UDP, A4, 5, B4, 6);
	udp_send(t, &c, 0, 1, T0);
	pw_flow_table_expire(t, T0 + 60 * NS);
	tap_eq_u64(log.n, 0, "alive at exactly the timeout");
	pw_flow_table_expire(t, T0 + 60 * NS + NS / 2);
	tap_eq_u64(log.n, 0, "no scan half a second later");
	pw_flow_table_expire(t, T0 + 61 * NS);
	tap_eq_u64(log.n, 1, "scan a second later ends it");
	/* Packet time stepping back restarts the interval from there. */
	udp_send(t, &c, 0, 1, T0);
	pw_flow_table_expire(t, T0 + 30 * NS);
	tap_eq_u64(log.n, 1, "alive after a step back");
	pw_flow_table_expire(t, T0 + 61 * NS + NS / 2);
	tap_eq_u64(log.n, 2, "scanned again a second after the step back");
	pw_flow_table_free(t);
}

static void test_port_reuse(void)
{
	struct end_log log;
	struct pw_flow_table *t = table_with_log(&log, 0);
	struct pw_flow_update u;
	struct pw_flow_stats st;
	struct conn c;

	conn_v4(&c, IPPROTO_TCP, A4, 40000, B4, 80);
	tcp_send(t, &c, 0, PW_TCP_SYN, 1000, 0, 0, T0);
	tcp_send(t, &c, 1, PW_TCP_SYN | PW_TCP_ACK, 5000, 1001, 0, T0 + 1);
	tcp_send(t, &c, 0, PW_TCP_ACK, 1001, 5001, 0, T0 + 2);
	tcp_send(t, &c, 0, PW_TCP_FIN | PW_TCP_ACK, 1001, 5001, 0, T0 + 3);
	u = tcp_send(t, &c, 1, PW_TCP_FIN | PW_TCP_ACK, 5001, 1002, 0, T0 + 4);
	tap_eq_u64(u.flow->tcp_state, PW_TCP_CLOSED, "closed both ways");
	u = tcp_send(t, &c, 0, PW_TCP_SYN, 1000, 0, 0, T0 + 5);
	tap_ok(!u.created && u.retransmit, "old syn again: same flow");
	u = tcp_send(t, &c, 0, PW_TCP_SYN | PW_TCP_ACK, 1000, 0, 0, T0 + 5);
	tap_ok(!u.created, "syn+ack on a closed flow: same flow");
	u = tcp_send(t, &c, 0, PW_TCP_SYN, 777777, 0, 0, T0 + 6);
	tap_ok(u.created && u.flow->id == 2, "new isn: new flow");
	tap_eq_u64(u.flow->tcp_state, PW_TCP_SYN_SENT, "new flow syn-sent");
	tap_eq_u64(u.flow->dir[PW_C2S].seq0, 777777, "new flow seq0");
	tap_eq_u64(u.flow->dir[PW_C2S].packets, 1, "new flow counts afresh");
	tap_ok(log.n == 1 && log.rec[0].id == 1 &&
	       log.rec[0].why == PW_FLOW_END_TIMEOUT &&
	       log.rec[0].state == PW_TCP_CLOSED,
	       "old flow ended, seen closed");
	tap_eq_u64(log.rec[0].c2s_packets, 5, "old flow c2s packets");

	/* Reset, then the former server opens towards the former client. */
	tcp_send(t, &c, 1, PW_TCP_RST | PW_TCP_ACK, 0, 777778, 0, T0 + 7);
	u = tcp_send(t, &c, 1, PW_TCP_SYN, 42, 0, 0, T0 + 8);
	tap_ok(u.created && u.flow->id == 3, "syn after reset: new flow");
	tap_eq_u64(pw_flow_port(u.flow, PW_C2S), 80,
		   "roles follow the new syn");
	/* Not closed: a new isn does not split the flow. */
	u = tcp_send(t, &c, 1, PW_TCP_SYN, 43, 0, 0, T0 + 9);
	tap_ok(!u.created, "syn-sent flow is not split");
	pw_flow_table_stats(t, &st);
	tap_eq_u64(st.reused, 2, "two reuses counted");
	tap_eq_u64(st.timed_out, 0, "reuse is not counted as timeout");
	tap_eq_u64(st.created, 3, "three flows created");
	pw_flow_table_free(t);
}

static void test_eviction(void)
{
	struct end_log log;
	struct pw_flow_table *t = table_with_log(&log, 4);
	struct pw_flow_stats st;
	struct pw_flow_update u;
	struct conn c[10];
	unsigned i;
	bool order = true;

	for (i = 0; i < 10; i++)
		conn_v4(&c[i], IPPROTO_UDP, A4, (uint16_t)(2000 + i), B4, 53);
	for (i = 0; i < 4; i++)
		udp_send(t, &c[i], 0, 1, T0 + i);
	/* Touch flow 1: flow 2 becomes the least recently active. */
	udp_send(t, &c[0], 1, 1, T0 + 4);
	for (i = 4; i < 10; i++) {
		u = udp_send(t, &c[i], 0, 1, T0 + 10 + i);
		tap_ok(u.created && u.flow->id == i + 1, "flow %u created",
		       i + 1);
	}
	pw_flow_table_stats(t, &st);
	tap_eq_u64(st.evicted, 6, "six evicted");
	tap_eq_u64(st.active, 4, "cap holds");
	tap_eq_u64(st.peak, 4, "peak at cap");
	tap_eq_u64(log.n, 6, "six on_end calls");
	{
		static const uint64_t want[6] = { 2, 3, 4, 1, 5, 6 };

		for (i = 0; i < 6; i++)
			if (log.rec[i].id != want[i] ||
			    log.rec[i].why != PW_FLOW_END_EVICTED)
				order = false;
	}
	tap_ok(order, "evicted least recently active first: 2 3 4 1 5 6");
	tap_eq_u64(log.rec[3].s2c_packets, 1, "evicted flow 1 had its reply");

	/* At the cap a timed-out flow is ended before anything is evicted. */
	u = udp_send(t, &c[0], 0, 1, T0 + 10 + 6 + 61 * NS);
	tap_ok(u.created, "flow created at the cap");
	pw_flow_table_stats(t, &st);
	tap_eq_u64(st.evicted, 6, "no eviction when flows timed out");
	tap_eq_u64(st.timed_out, 4, "the four idle flows timed out");
	tap_eq_u64(st.active, 1, "one active");
	pw_flow_table_free(t);
}

static void test_flush(void)
{
	struct end_log log;
	struct pw_flow_table *t = table_with_log(&log, 0);
	struct pw_flow_stats st;
	struct conn c[5];
	unsigned i;
	static const uint64_t want[5] = { 3, 1, 4, 5, 2 };
	bool order = true;

	for (i = 0; i < 5; i++)
		conn_v4(&c[i], i % 2 ? IPPROTO_UDP : IPPROTO_TCP, A4,
			(uint16_t)(3000 + i), B4, 80);
	/* ids 1..5; last activity: 3 @1, 1 @2, 4 @3, 5 @3, 2 @4. */
	tcp_send(t, &c[0], 0, PW_TCP_SYN, 1, 0, 0, T0);
	udp_send(t, &c[1], 0, 1, T0);
	tcp_send(t, &c[2], 0, PW_TCP_ACK, 1, 1, 0, T0 + 1);
	udp_send(t, &c[3], 0, 1, T0 + 3);
	tcp_send(t, &c[4], 0, PW_TCP_FIN | PW_TCP_ACK, 1, 1, 0, T0 + 3);
	tcp_send(t, &c[0], 1, PW_TCP_SYN | PW_TCP_ACK, 1, 2, 0, T0 + 2);
	udp_send(t, &c[1], 1, 1, T0 + 4);
	pw_flow_table_flush(t);
	tap_eq_u64(log.n, 5, "flush ends all");
	for (i = 0; i < 5; i++)
		if (log.rec[i].id != want[i] ||
		    log.rec[i].why != PW_FLOW_END_FLUSH)
			order = false;
	tap_ok(order, "flush order: 3 1 4 5 2");
	pw_flow_table_stats(t, &st);
	tap_eq_u64(st.flushed, 5, "flushed counted");
	tap_eq_u64(st.active, 0, "table empty");
	pw_flow_table_flush(t);
	tap_eq_u64(log.n, 5, "second flush ends nothing");
	pw_flow_table_free(t);
}

static unsigned l7_freed;

static void free_l7(void *p)
{
	l7_freed++;
	free(p);
}

/* host and l7_state are released after on_end and by table_free. */
static void test_release(void)
{
	struct end_log log = { 0 };
	struct pw_flow_config cfg;
	struct pw_flow_table *t;
	struct pw_flow_update u;
	struct conn c;
	unsigned i;

	pw_flow_config_default(&cfg);
	cfg.max_flows = 2;
	cfg.on_end = end_log_cb;
	cfg.ctx = &log;
	cfg.free_l7 = free_l7;
	t = pw_flow_table_new(&cfg);
	for (i = 0; i < 5; i++) {
		conn_v4(&c, IPPROTO_UDP, A4, (uint16_t)(100 + i), B4, 53);
		u = udp_send(t, &c, 0, 1, T0 + i);
		u.flow->host = strdup("example.test");
		u.flow->l7_state = malloc(64);
	}
	tap_eq_u64(l7_freed, 3, "three evicted flows freed their l7 state");
	pw_flow_table_free(t);
	tap_eq_u64(l7_freed, 5, "table_free freed the rest");
	tap_eq_u64(log.n, 3, "table_free calls no on_end");
}

/* A million distinct flows through a table capped at 10k. */
static void test_million(void)
{
	struct end_log log;
	struct pw_flow_table *t = table_with_log(&log, 10000);
	struct pw_flow_stats st;
	struct pw_flow_update u;
	struct conn c;
	unsigned i, misses = 0;
	bool ok = true;

	for (i = 0; i < 1000000; i++) {
		conn_v4(&c, i % 3 ? IPPROTO_UDP : IPPROTO_TCP,
			0x0a000000u + (i >> 8), (uint16_t)(1024 + (i & 255)),
			0xc0a80001u, 443);
		if (c.proto == IPPROTO_TCP)
			u = tcp_send(t, &c, 0, PW_TCP_SYN, i, 0, 0, T0 + i);
		else
			u = udp_send(t, &c, 0, 10, T0 + i);
		if (!u.created || u.flow->id != i + 1)
			ok = false;
		/* Every 1000th flow sees its reply right away. */
		if (i % 1000 == 0) {
			if (c.proto == IPPROTO_TCP)
				u = tcp_send(t, &c, 1,
					     PW_TCP_SYN | PW_TCP_ACK, 7, i + 1,
					     0, T0 + i);
			else
				u = udp_send(t, &c, 1, 10, T0 + i);
			if (u.created || u.dir != PW_S2C)
				misses++;
		}
		pw_flow_table_expire(t, T0 + i);
	}
	tap_ok(ok, "a million flows created in order");
	tap_eq_u64(misses, 0, "replies found their flows");
	pw_flow_table_stats(t, &st);
	tap_eq_u64(st.created, 1000000, "created");
	tap_eq_u64(st.peak, 10000, "peak active is the cap");
	tap_eq_u64(st.active, 10000, "active at the cap");
	tap_eq_u64(st.evicted, 990000, "evicted the rest");
	tap_eq_u64(st.timed_out, 0, "nothing timed out within 1 ms");
	tap_eq_u64(log.total, st.evicted, "on_end for each evicted");
	tap_diag("cap 10000: %llu bytes of table memory, %llu per flow",
		 (unsigned long long)st.mem_bytes,
		 (unsigned long long)(st.mem_bytes / st.active));
	tap_ok(st.mem_bytes / st.active <= 512,
	       "table memory per flow at the cap <= 512 bytes");
	pw_flow_table_flush(t);
	pw_flow_table_stats(t, &st);
	tap_eq_u64(log.total, 1000000, "every flow ended once");
	tap_eq_u64(st.active, 0, "flushed");
	pw_flow_table_free(t);
}

/* 100k flows in an uncapped table: memory per flow as the table reports
 * it (asserted) and as malloc sees it (reported only: sanitizers replace
 * malloc). */
static void test_memory(void)
{
	struct pw_flow_config cfg;
	struct pw_flow_table *t;
	struct pw_flow_stats st;
	struct mallinfo2 before, after;
	struct conn c;
	unsigned i;

	pw_flow_config_default(&cfg);
	before = mallinfo2();
	t = pw_flow_table_new(&cfg);
	for (i = 0; i < 100000; i++) {
		conn_v4(&c, IPPROTO_TCP, 0x0a000000u + i, 40000, 0x0a7f0001u,
			443);
		tcp_send(t, &c, 0, PW_TCP_SYN, i, 0, 0, T0 + i);
	}
	after = mallinfo2();
	pw_flow_table_stats(t, &st);
	tap_eq_u64(st.active, 100000, "100k flows active");
	tap_diag("sizeof(struct pw_flow) = %zu", sizeof(struct pw_flow));
	tap_diag("100k flows: table reports %llu bytes/flow, malloc %llu "
		 "bytes/flow",
		 (unsigned long long)(st.mem_bytes / st.active),
		 (unsigned long long)((after.uordblks + after.hblkhd -
				       before.uordblks - before.hblkhd) /
				      st.active));
	tap_ok(st.mem_bytes / st.active <= 512, "<= 512 bytes per flow");
	pw_flow_table_free(t);
}

int main(void)
{
	test_timeouts();
	test_icmp_timeout();
	test_configured_timeouts();
	test_expire_classes();
	test_expire_amortised();
	test_port_reuse();
	test_eviction();
	test_flush();
	test_release();
	test_million();
	test_memory();
	return tap_done();
}
