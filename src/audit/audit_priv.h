/* Internals of the audit engine: the state kept per connection and the
 * contract between the signal collectors (tcp/udp/icmp/dns/http) and the
 * verdict. Collectors only record what they saw; verdict.c decides. */
#ifndef PW_AUDIT_AUDIT_PRIV_H
#define PW_AUDIT_AUDIT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "audit/audit.h"

/* A packet worth citing: its number in the source and its time. */
struct audit_mark {
	uint64_t pkt;		/* 0: none */
	uint64_t ts;
};

static inline void audit_mark_set(struct audit_mark *m,
				  const struct pw_packet *pkt)
{
	m->pkt = pkt->number;
	m->ts = pkt->ts_ns;
}

/* Keeps the first mark only. */
static inline void audit_mark_once(struct audit_mark *m,
				   const struct pw_packet *pkt)
{
	if (!m->pkt)
		audit_mark_set(m, pkt);
}

/* A short list: the first LIST_KEEP - 1 marks and the latest one. */
#define AUDIT_LIST_KEEP 4
struct audit_list {
	uint32_t count;
	struct audit_mark m[AUDIT_LIST_KEEP];
};

void audit_list_add(struct audit_list *l, const struct pw_packet *pkt);

/* DNS queries seen on one flow (dns_signals.c). A flow rarely carries
 * more than the A and AAAA questions of one lookup. */
#define AUDIT_DNS_QUERIES 4
struct audit_dns_query {
	char *name;		/* heap */
	uint16_t id;
	uint16_t qtype;
	uint8_t answered;
	uint8_t rcode;
	uint32_t sent;		/* the query and its repeats */
	struct audit_mark query, reply;
};

#define AUDIT_REDIRECT_HOST_MAX 64

/* About 500 bytes: the TCP and UDP signals share their space, and the
 * rarer parts (DNS questions, a redirect's target) are allocated when
 * first needed. */
struct audit_conn {
	uint64_t flow_id;
	struct audit_conn *next;	/* hash chain */
	uint8_t proto;			/* which member of the union */

	struct audit_mark first, last;

	/* ICMP errors quoting the client's packets (icmp_signals.c) */
	struct audit_mark icmp;
	uint8_t icmp_v6, icmp_type, icmp_code;
	uint8_t icmp_stage;		/* TCP: enum pw_audit_stage then */

	union {
		/* TCP (tcp_signals.c, http_signals.c) */
		struct {
			struct audit_list syn;	/* client SYNs */
			struct audit_mark synack;
			/* The first RST from the server, not in teardown,
			 * and the stage (enum pw_audit_stage) it came at. */
			struct audit_mark rst;
			uint8_t rst_stage;
			struct audit_mark fin;	/* first FIN either way */
			struct audit_mark client_rst;
			struct audit_mark client_hello, server_hello;
			struct audit_mark http_req, http_reply;
			/* First data each way. */
			struct audit_mark c2s_data, s2c_data;
			/* Client data retransmissions that count (see
			 * pw_audit_config), and those while the
			 * ClientHello is unanswered. */
			struct audit_list retrans;
			uint32_t hello_resent;
			uint64_t c2s_bytes, s2c_bytes;
			/* A failing redirect's code and target (heap, cut
			 * to AUDIT_REDIRECT_HOST_MAX - 1). */
			uint16_t redirect_status;
			char *redirect_host;
		};
		/* UDP (udp_signals.c, dns_signals.c) */
		struct {
			uint64_t udp_out, udp_in;
			struct audit_mark udp_first_out, udp_last_out;
			struct audit_mark udp_first_in;
			uint8_t n_dns;
			bool is_dns;
			/* AUDIT_DNS_QUERIES entries (heap), n_dns used. */
			struct audit_dns_query *dns;
		};
	};
};

struct pw_audit {
	struct pw_audit_config cfg;
	pw_audit_result_fn on_result;
	void *ctx;

	/* Side table: flow id -> audit_conn, chained, power-of-two size. */
	struct audit_conn **buckets;
	uint64_t n_buckets;
	uint64_t n_conns;
};

/* conn_table.c */
int audit_table_init(struct pw_audit *a);
void audit_table_free(struct pw_audit *a);
/* proto (IPPROTO_TCP/UDP) is set on a connection created here. */
struct audit_conn *audit_conn_get(struct pw_audit *a, uint64_t flow_id,
				  uint8_t proto, bool create);

/* audit.c: the connection state of a TCP or UDP flow that pkt belongs to (created
 * on first use), with pkt recorded as its first/last packet. NULL for
 * other protocols, or without memory: a connection then goes unjudged
 * rather than judged on half its packets. */
struct audit_conn *audit_conn_touch(struct pw_audit *a,
				    const struct pw_flow *f,
				    const struct pw_packet *pkt);
/* Unlinks the connection; the caller frees it with audit_conn_free. */
struct audit_conn *audit_conn_take(struct pw_audit *a, uint64_t flow_id);
void audit_conn_free(struct audit_conn *c);

/* Signal collectors: one packet of flow f in direction dir. */
void audit_tcp_packet(struct pw_audit *a, struct audit_conn *c,
		      const struct pw_flow *f, const struct pw_packet *pkt,
		      const struct pw_pipeline_result *res);
void audit_udp_packet(struct pw_audit *a, struct audit_conn *c,
		      const struct pw_flow *f, const struct pw_packet *pkt,
		      const struct pw_pipeline_result *res);
void audit_dns_packet(struct audit_conn *c, const struct pw_packet *pkt,
		      const uint8_t *p, uint32_t n, uint8_t dir);
void audit_http_reply(struct pw_audit *a, struct audit_conn *c,
		      const struct pw_flow *f, const struct pw_packet *pkt,
		      const uint8_t *p, uint32_t n);
/* An ICMP error not attributed to a flow by the pipeline. */
void audit_icmp_error(struct pw_audit *a, struct pw_flow_table *flows,
		      const struct pw_packet *pkt,
		      const struct pw_pipeline_result *res);

/* Stage a TCP connection has reached now. */
enum pw_audit_stage audit_tcp_stage(const struct audit_conn *c);

/* verdict.c: fills r from the connection's signals. */
void audit_decide(const struct pw_audit *a, const struct audit_conn *c,
		  const struct pw_flow *f, struct pw_audit_result *r);

/* http_signals.c, exposed for tests: whether two hostnames share their
 * second-level domain (the last two labels, "a.b.example.com" ->
 * "example.com"; case and a trailing dot ignored; an IP address compares
 * whole). */
bool audit_same_sld(const char *a, const char *b);

#endif
