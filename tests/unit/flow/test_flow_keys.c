/* Flow keys, roles and counters: both directions map to one flow, the
 * client is chosen by the documented rules, IPv6 and ICMP echo keys. */
#include <stdlib.h>

#include "flow_util.h"

#define A4 0x0a000001u	/* 10.0.0.1 */
#define B4 0x0a000002u	/* 10.0.0.2 */

/* NULL config: defaults. */
static struct pw_flow_table *plain_table(void)
{
	return pw_flow_table_new(NULL);
}

static void test_both_directions(void)
{
	struct pw_flow_table *t = plain_table();
	struct pw_flow_stats st;
	struct pw_flow_update u1, u2, u3;
	struct conn c;

	/* The client has the higher address, so the key is reversed. */
	conn_v4(&c, IPPROTO_TCP, B4, 40000, A4, 443);
	u1 = tcp_send(t, &c, 0, PW_TCP_SYN, 100, 0, 0, T0);
	u2 = tcp_send(t, &c, 1, PW_TCP_SYN | PW_TCP_ACK, 500, 101, 0, T0 + 1);
	u3 = tcp_send(t, &c, 0, PW_TCP_ACK, 101, 501, 0, T0 + 2);
	tap_ok(u1.flow && u1.flow == u2.flow && u2.flow == u3.flow,
	       "tcp: both directions share one flow");
	tap_ok(u1.created && !u2.created && !u3.created,
	       "tcp: only the first packet creates");
	tap_eq_u64(u1.dir, PW_C2S, "syn is c2s");
	tap_eq_u64(u2.dir, PW_S2C, "syn+ack is s2c");
	tap_eq_u64(u3.dir, PW_C2S, "ack is c2s");
	tap_eq_u64(u1.flow->key.port[0], 443, "key endpoint 0 is the smaller");
	tap_eq_u64(u1.flow->client, 1, "client is key endpoint 1");
	tap_eq_u64(pw_flow_port(u1.flow, PW_C2S), 40000, "client port");
	tap_eq_u64(pw_flow_port(u1.flow, PW_S2C), 443, "server port");
	tap_eq_mem(pw_flow_addr(u1.flow, PW_C2S), c.a, 4, "client address");
	tap_eq_u64(u1.flow->id, 1, "first flow id is 1");
	tap_eq_u64(u1.flow->first_ts, T0, "first_ts");
	tap_eq_u64(u1.flow->last_ts, T0 + 2, "last_ts");
	pw_flow_table_stats(t, &st);
	tap_eq_u64(st.created, 1, "one flow created");
	tap_eq_u64(st.active, 1, "one flow active");

	/* Same addresses, other port: another flow. */
	conn_v4(&c, IPPROTO_TCP, B4, 40001, A4, 443);
	u1 = tcp_send(t, &c, 0, PW_TCP_SYN, 100, 0, 0, T0 + 3);
	tap_ok(u1.created && u1.flow->id == 2, "other port, new flow id 2");
	/* Same ports over UDP: another flow. */
	conn_v4(&c, IPPROTO_UDP, B4, 40000, A4, 443);
	u1 = udp_send(t, &c, 0, 10, T0 + 4);
	tap_ok(u1.created && u1.flow->id == 3, "udp is keyed apart from tcp");
	/* Same address both ends (loopback): the ports order the key. */
	conn_v4(&c, IPPROTO_UDP, 0x7f000001u, 6000, 0x7f000001u, 5000);
	u1 = udp_send(t, &c, 0, 10, T0 + 5);
	u2 = udp_send(t, &c, 1, 10, T0 + 6);
	tap_ok(u1.created && u1.flow == u2.flow, "loopback: one flow");
	tap_eq_u64(u2.dir, PW_S2C, "loopback reply is s2c");
	tap_eq_u64(u1.flow->key.port[0], 5000, "loopback: smaller port first");
	pw_flow_table_stats(t, &st);
	tap_eq_u64(st.active, 4, "four flows active");
	pw_flow_table_free(t);
}

/* Client port of the flow a first packet creates. */
static uint16_t client_port_after(uint8_t flags, uint16_t sport,
				  uint16_t dport)
{
	struct pw_flow_table *t = plain_table();
	struct pw_flow_update u;
	struct conn c;
	uint16_t port;

	conn_v4(&c, IPPROTO_TCP, A4, sport, B4, dport);
	u = tcp_send(t, &c, 0, flags, 1, 1, 0, T0);
	port = u.flow ? pw_flow_port(u.flow, PW_C2S) : 0;
	pw_flow_table_free(t);
	return port;
}

static void test_roles(void)
{
	struct pw_flow_table *t;
	struct pw_flow_update u;
	struct conn c;

	tap_eq_u64(client_port_after(PW_TCP_SYN, 80, 40000), 80,
		   "syn sender is client even from a low port");
	tap_eq_u64(client_port_after(PW_TCP_SYN | PW_TCP_ACK, 40000, 80), 80,
		   "syn+ack seen first: sender is the server");
	tap_eq_u64(client_port_after(PW_TCP_ACK, 40000, 80), 40000,
		   "mid-stream to a well-known port: sender is client");
	tap_eq_u64(client_port_after(PW_TCP_ACK, 80, 40000), 40000,
		   "mid-stream from a well-known port: sender is server");
	tap_eq_u64(client_port_after(PW_TCP_ACK | PW_TCP_PSH, 5000, 6000),
		   5000, "mid-stream, both ports high: sender is client");
	tap_eq_u64(client_port_after(PW_TCP_ACK, 22, 80), 22,
		   "mid-stream, both ports low: sender is client");
	tap_eq_u64(client_port_after(PW_TCP_FIN | PW_TCP_ACK, 443, 1024),
		   1024, "port 1024 counts as not well-known");
	tap_eq_u64(client_port_after(PW_TCP_RST, 1023, 50000), 50000,
		   "rst from port 1023 first: sender is server");

	/* UDP: the first sender is the client, whatever its port. */
	t = plain_table();
	conn_v4(&c, IPPROTO_UDP, A4, 53, B4, 33333);
	u = udp_send(t, &c, 0, 40, T0);
	tap_eq_u64(pw_flow_port(u.flow, PW_C2S), 53,
		   "udp: first sender is client");
	u = udp_send(t, &c, 1, 40, T0 + 1);
	tap_eq_u64(u.dir, PW_S2C, "udp: reply is s2c");
	pw_flow_table_free(t);
}

static void test_counters(void)
{
	struct pw_flow_table *t = plain_table();
	struct pw_flow_update u;
	const struct pw_flow_dir *c2s, *s2c;
	struct conn c;

	conn_v4(&c, IPPROTO_TCP, A4, 40000, B4, 80);
	tcp_send(t, &c, 0, PW_TCP_SYN, 1000, 0, 0, T0);
	tcp_send(t, &c, 1, PW_TCP_SYN | PW_TCP_ACK, 9000, 1001, 0, T0 + 1);
	tcp_send(t, &c, 0, PW_TCP_ACK, 1001, 9001, 0, T0 + 2);
	tcp_send(t, &c, 0, PW_TCP_ACK | PW_TCP_PSH, 1001, 9001, 120, T0 + 3);
	tcp_send(t, &c, 1, PW_TCP_ACK, 9001, 1121, 0, T0 + 4);
	tcp_send(t, &c, 1, PW_TCP_ACK, 9001, 1121, 1400, T0 + 5);
	u = tcp_send(t, &c, 1, PW_TCP_ACK | PW_TCP_PSH, 10401, 1121, 600,
		     T0 + 6);
	c2s = &u.flow->dir[PW_C2S];
	s2c = &u.flow->dir[PW_S2C];
	tap_eq_u64(c2s->packets, 3, "c2s packets");
	tap_eq_u64(c2s->data_packets, 1, "c2s data packets");
	tap_eq_u64(c2s->payload_bytes, 120, "c2s payload bytes");
	tap_eq_u64(s2c->packets, 4, "s2c packets");
	tap_eq_u64(s2c->data_packets, 2, "s2c data packets");
	tap_eq_u64(s2c->payload_bytes, 2000, "s2c payload bytes");
	tap_eq_u64(s2c->rseq, 1401, "s2c relative seq of last packet");
	tap_eq_u64(s2c->pos, 2001, "s2c pos");
	tap_eq_u64(s2c->uppos, 2001, "s2c uppos");
	tap_eq_u64(s2c->uppos_prev, 1401, "s2c uppos_prev");
	tap_eq_u64(c2s->pos, 121, "c2s pos after 120 bytes");
	tap_eq_u64(c2s->retransmits + s2c->retransmits, 0, "no retransmits");
	pw_flow_table_free(t);
}

static void test_ipv6(void)
{
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t b6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	/* Same first four bytes as a6: must not collide with the IPv4 key. */
	uint8_t a4_like[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct pw_flow_table *t = plain_table();
	struct pw_flow_update u1, u2, u3, u4;
	struct conn c6, c4, c6b;

	conn_v6(&c6, IPPROTO_TCP, b6, 50000, a6, 443);
	u1 = tcp_send(t, &c6, 0, PW_TCP_SYN, 7, 0, 0, T0);
	u2 = tcp_send(t, &c6, 1, PW_TCP_SYN | PW_TCP_ACK, 70, 8, 0, T0 + 1);
	tap_ok(u1.flow && u1.flow == u2.flow, "ipv6: one flow both ways");
	tap_eq_u64(u1.flow->key.family, 6, "ipv6 family in key");
	tap_eq_mem(u1.flow->key.addr[0], a6, 16, "ipv6 smaller address first");
	tap_eq_mem(pw_flow_addr(u1.flow, PW_C2S), b6, 16, "ipv6 client addr");
	tap_eq_u64(pw_flow_port(u1.flow, PW_S2C), 443, "ipv6 server port");

	conn_v4(&c4, IPPROTO_TCP, pw_get_be32(a4_like), 443,
		pw_get_be32(b6), 50000);
	u3 = tcp_send(t, &c4, 0, PW_TCP_SYN, 7, 0, 0, T0 + 2);
	tap_ok(u3.created && u3.flow != u1.flow, "ipv4 key differs from v6");
	tap_eq_u64(u3.flow->key.addr[0][4], 0, "ipv4 key zero-padded");

	/* Addresses differing only in the last byte of 16. */
	memcpy(a4_like, a6, 16);
	a4_like[15] = 3;
	conn_v6(&c6b, IPPROTO_TCP, b6, 50000, a4_like, 443);
	u4 = tcp_send(t, &c6b, 0, PW_TCP_SYN, 7, 0, 0, T0 + 3);
	tap_ok(u4.created && u4.flow != u1.flow, "ipv6 last byte matters");
	pw_flow_table_free(t);
}

static void test_icmp_echo(void)
{
	static const uint8_t a6[16] = { 0xfd, 0x77, [15] = 1 };
	static const uint8_t b6[16] = { 0xfd, 0x77, [15] = 2 };
	struct pw_flow_table *t = plain_table();
	struct pw_flow_update u1, u2, u3, u4;
	struct pw_flow_stats st;
	struct conn c;
	struct tpkt p;

	conn_v4(&c, IPPROTO_ICMP, B4, 0, A4, 0);
	pkt_icmp(&p, &c, 0, 8, 0x1234, 56);
	tap_ok(pw_flow_track(t, &p.d, T0, &u1), "echo request tracked");
	pkt_icmp(&p, &c, 1, 0, 0x1234, 56);
	tap_ok(pw_flow_track(t, &p.d, T0 + 1, &u2), "echo reply tracked");
	tap_ok(u1.flow == u2.flow, "request and reply share a flow");
	tap_eq_u64(u1.dir, PW_C2S, "request is c2s");
	tap_eq_u64(u2.dir, PW_S2C, "reply is s2c");
	tap_eq_u64(u1.flow->key.port[0], 0x1234, "echo id is port 0");
	tap_eq_u64(u1.flow->key.port[1], 0x1234, "echo id is port 1");
	tap_eq_mem(pw_flow_addr(u1.flow, PW_C2S), c.a, 4, "pinger is client");
	tap_eq_u64(u1.flow->dir[PW_S2C].payload_bytes, 56, "reply payload");
	tap_eq_u64(u1.flow->tcp_state, PW_TCP_NONE, "no tcp state for icmp");

	pkt_icmp(&p, &c, 0, 8, 0x1235, 56);
	pw_flow_track(t, &p.d, T0 + 2, &u3);
	tap_ok(u3.created && u3.flow != u1.flow, "other echo id, other flow");

	/* Reply seen first: its sender is the server. */
	conn_v4(&c, IPPROTO_ICMP, A4, 0, B4, 0);
	pkt_icmp(&p, &c, 0, 0, 7, 8);
	pw_flow_track(t, &p.d, T0 + 3, &u4);
	tap_eq_mem(pw_flow_addr(u4.flow, PW_S2C), c.a, 4,
		   "reply first: sender is the server");
	tap_eq_u64(u4.dir, PW_S2C, "reply first is s2c");

	/* Errors and other ICMP are no flows. */
	pkt_icmp(&p, &c, 0, 3, 0, 28);
	tap_ok(!pw_flow_track(t, &p.d, T0 + 4, &u4), "icmp error: no flow");
	pkt_icmp(&p, &c, 0, 13, 5, 12);
	tap_ok(!pw_flow_track(t, &p.d, T0 + 4, &u4), "icmp timestamp: no flow");

	/* ICMPv6 echo. */
	conn_v6(&c, IPPROTO_ICMPV6, a6, 0, b6, 0);
	pkt_icmp(&p, &c, 0, 128, 99, 16);
	pw_flow_track(t, &p.d, T0 + 5, &u1);
	pkt_icmp(&p, &c, 1, 129, 99, 16);
	pw_flow_track(t, &p.d, T0 + 6, &u2);
	tap_ok(u1.created && u1.flow == u2.flow, "icmpv6 echo: one flow");
	tap_eq_u64(u2.dir, PW_S2C, "icmpv6 reply s2c");
	pkt_icmp(&p, &c, 0, 135, 0, 24);
	tap_ok(!pw_flow_track(t, &p.d, T0 + 7, &u2),
	       "neighbour solicitation: no flow");
	/* An ICMPv4 type number carried in ICMPv6 is not an echo. */
	pkt_icmp(&p, &c, 0, 8, 99, 16);
	tap_ok(!pw_flow_track(t, &p.d, T0 + 7, &u2), "type 8 in icmpv6: no flow");

	pw_flow_table_stats(t, &st);
	tap_eq_u64(st.created, 4, "four icmp flows");
	pw_flow_table_free(t);
}

/* ICMP error quoting a TCP segment cut after 8 bytes of TCP header. */
static void test_quoted_lookup(void)
{
	struct pw_flow_table *t = plain_table();
	struct pw_flow_update u;
	struct pw_dissect inner;
	struct pw_flow *f;
	struct conn c;
	struct tpkt p;
	uint8_t dir = 9;

	conn_v4(&c, IPPROTO_TCP, B4, 40000, A4, 443);
	u = tcp_send(t, &c, 0, PW_TCP_SYN, 100, 0, 0, T0);
	tcp_send(t, &c, 1, PW_TCP_SYN | PW_TCP_ACK, 500, 101, 0, T0 + 1);

	/* The quoted packet is the server's SYN+ACK: 20 + 8 bytes. */
	pkt_tcp(&p, &c, 1, PW_TCP_SYN | PW_TCP_ACK, 500, 101, 0, 0);
	inner = p.d;
	inner.caplen = 28;
	inner.has_l4 = false;
	inner.l4_off = 0;
	inner.sport = inner.dport = 0;
	f = pw_flow_lookup_quoted(t, &inner, &dir);
	tap_ok(f == u.flow, "quoted 8-byte tcp header finds the flow");
	tap_eq_u64(dir, PW_S2C, "quoted packet direction");
	tap_ok(pw_flow_lookup(t, &inner, NULL) == NULL,
	       "plain lookup needs a whole l4 header");
	inner.caplen = 23;
	tap_ok(pw_flow_lookup_quoted(t, &inner, &dir) == NULL,
	       "quote shorter than the ports: no flow");
	inner.caplen = 28;
	inner.frag_off = 8;
	tap_ok(pw_flow_lookup_quoted(t, &inner, &dir) == NULL,
	       "quoted later fragment: no flow");

	pkt_tcp(&p, &c, 0, PW_TCP_ACK, 101, 501, 0, 0);
	f = pw_flow_lookup(t, &p.d, &dir);
	tap_ok(f == u.flow && dir == PW_C2S, "lookup of a c2s packet");
	pkt_tcp(&p, &c, 0, PW_TCP_ACK, 101, 501, 0, 0);
	p.d.sport = 40002;
	tap_ok(pw_flow_lookup(t, &p.d, &dir) == NULL, "lookup miss");
	pw_flow_table_free(t);
}

static void test_not_tracked(void)
{
	struct pw_flow_table *t = plain_table();
	struct pw_flow_update u;
	struct pw_flow_stats st;
	struct conn c;
	struct tpkt p;

	conn_v4(&c, IPPROTO_UDP, A4, 1000, B4, 2000);
	pkt_init(&p, &c, 0, 100);
	p.d.has_l4 = false;
	p.d.is_fragment = true;
	p.d.frag_off = 1480;
	tap_ok(!pw_flow_track(t, &p.d, T0, &u), "later fragment: no flow");
	conn_v4(&c, 47, A4, 0, B4, 0);
	pkt_init(&p, &c, 0, 100);
	tap_ok(!pw_flow_track(t, &p.d, T0, &u), "gre: no flow");
	conn_v4(&c, IPPROTO_TCP, A4, 1000, B4, 2000);
	pkt_init(&p, &c, 0, 0);
	p.d.ipver = 0;
	tap_ok(!pw_flow_track(t, &p.d, T0, &u), "not ip: no flow");
	pw_flow_table_stats(t, &st);
	tap_eq_u64(st.created, 0, "nothing created");
	pw_flow_table_free(t);
}

int main(void)
{
	test_both_directions();
	test_roles();
	test_counters();
	test_ipv6();
	test_icmp_echo();
	test_quoted_lookup();
	test_not_tracked();
	return tap_done();
}
