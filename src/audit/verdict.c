/* The verdict of one connection from its signals.
 *
 * Precedence, first match wins (the order of enum pw_audit_verdict):
 * an ICMP unreachable is the most explicit refusal; a redirect to
 * another site explains a reset that follows it; a reset explains the
 * silence after it; then the signals of silence, from the earliest stage
 * on (no SYN+ACK, no ServerHello, data retransmitted, no reply at all).
 * UDP: a failed DNS question, then a silent peer. */
#include "audit/audit_priv.h"

#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l7/dns.h"

static void evidence(struct pw_audit_result *r, const struct audit_mark *m)
{
	uint32_t i;

	if (!m->pkt)
		return;
	for (i = 0; i < r->n_packets; i++)
		if (r->packets[i] == m->pkt)
			return;
	if (r->n_packets >= PW_AUDIT_EVIDENCE_MAX)
		return;
	r->packets[r->n_packets++] = m->pkt;
	if (!r->first_ts || m->ts < r->first_ts)
		r->first_ts = m->ts;
	if (m->ts > r->last_ts)
		r->last_ts = m->ts;
}

static void evidence_list(struct pw_audit_result *r,
			  const struct audit_list *l)
{
	uint32_t i;

	for (i = 0; i < l->count && i < AUDIT_LIST_KEEP; i++)
		evidence(r, &l->m[i]);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static const char *icmp_code_name(bool v6, uint8_t code)
{
	static const char *const v4[] = {
		"net unreachable", "host unreachable",
		"protocol unreachable", "port unreachable",
		"fragmentation needed", "source route failed",
		"net unknown", "host unknown", "source host isolated",
		"net prohibited", "host prohibited", "net unreachable for tos",
		"host unreachable for tos", "administratively prohibited",
		"host precedence violation", "precedence cutoff",
	};
	static const char *const v6n[] = {
		"no route", "administratively prohibited",
		"beyond scope of source", "address unreachable",
		"port unreachable", "source address failed policy",
		"reject route",
	};

	if (v6)
		return code < sizeof(v6n) / sizeof(v6n[0]) ? v6n[code] : "?";
	return code < sizeof(v4) / sizeof(v4[0]) ? v4[code] : "?";
}

static void decide_icmp(const struct audit_conn *c, struct pw_audit_result *r)
{
	r->verdict = PW_AUDIT_ICMP_UNREACHABLE;
	r->stage = c->icmp_stage;
	snprintf(r->detail, sizeof(r->detail), "%s type %u code %u (%s)",
		 c->icmp_v6 ? "icmp6" : "icmp", c->icmp_type, c->icmp_code,
		 icmp_code_name(c->icmp_v6, c->icmp_code));
	evidence(r, &c->first);
	evidence(r, &c->icmp);
}

/* The client packet a reset answered: the opening of its stage. */
static const struct audit_mark *stage_mark(const struct audit_conn *c,
					   enum pw_audit_stage s)
{
	switch (s) {
	case PW_STAGE_AFTER_CLIENT_HELLO:
		return &c->client_hello;
	case PW_STAGE_AFTER_HTTP_REQUEST:
		return &c->http_req;
	case PW_STAGE_AFTER_CLIENT_DATA:
		return &c->c2s_data;
	case PW_STAGE_MID_TRANSFER:
		return &c->s2c_data;
	default:
		break;
	}
	return c->syn.count ? &c->syn.m[0] : &c->first;
}

static bool decide_tcp_reset(const struct audit_conn *c,
			     struct pw_audit_result *r)
{
	if (!c->rst.pkt)
		return false;
	r->verdict = PW_AUDIT_RESET;
	r->stage = c->rst_stage;
	if (c->rst_stage == PW_STAGE_HANDSHAKE)
		snprintf(r->detail, sizeof(r->detail), "%s",
			 c->synack.pkt ? "RST after the handshake"
				       : "RST answers the SYN");
	else
		snprintf(r->detail, sizeof(r->detail),
			 "RST after %" PRIu64 " bytes sent, %" PRIu64
			 " received", c->c2s_bytes, c->s2c_bytes);
	evidence(r, stage_mark(c, (enum pw_audit_stage)c->rst_stage));
	evidence(r, &c->rst);
	return true;
}

static bool decide_tcp_silence(const struct pw_audit *a,
			       const struct audit_conn *c,
			       const struct pw_flow *f,
			       struct pw_audit_result *r)
{
	if (c->syn.count && !c->synack.pkt && !f->dir[PW_S2C].packets) {
		r->verdict = PW_AUDIT_SYN_TIMEOUT;
		r->stage = PW_STAGE_HANDSHAKE;
		snprintf(r->detail, sizeof(r->detail),
			 "%" PRIu32 " SYN%s, no SYN+ACK", c->syn.count,
			 c->syn.count == 1 ? "" : "s");
		evidence_list(r, &c->syn);
		return true;
	}
	if (c->client_hello.pkt && !c->server_hello.pkt) {
		r->verdict = PW_AUDIT_TLS_CUT;
		r->stage = PW_STAGE_AFTER_CLIENT_HELLO;
		if (c->s2c_data.pkt)
			snprintf(r->detail, sizeof(r->detail),
				 "%" PRIu64 " bytes back, no ServerHello",
				 c->s2c_bytes);
		else
			snprintf(r->detail, sizeof(r->detail),
				 "no reply to the ClientHello, %" PRIu32
				 " retransmission%s%s", c->hello_resent,
				 c->hello_resent == 1 ? "" : "s",
				 c->client_rst.pkt ? ", client reset" : "");
		evidence(r, &c->client_hello);
		evidence_list(r, &c->retrans);
		evidence(r, c->s2c_data.pkt ? &c->s2c_data : &c->client_rst);
		return true;
	}
	if (c->retrans.count >= a->cfg.retrans_threshold) {
		r->verdict = PW_AUDIT_RETRANSMISSIONS;
		r->stage = (uint8_t)audit_tcp_stage(c);
		snprintf(r->detail, sizeof(r->detail),
			 "%" PRIu32 " retransmissions in the first %" PRIu32
			 " bytes", c->retrans.count, a->cfg.retrans_maxseq);
		evidence_list(r, &c->retrans);
		return true;
	}
	if (c->synack.pkt && c->c2s_data.pkt && !c->s2c_data.pkt) {
		r->verdict = PW_AUDIT_NO_REPLY;
		r->stage = (uint8_t)audit_tcp_stage(c);
		snprintf(r->detail, sizeof(r->detail),
			 "%" PRIu64 " bytes sent, nothing back", c->c2s_bytes);
		evidence(r, stage_mark(c, (enum pw_audit_stage)r->stage));
		evidence(r, &c->last);
		return true;
	}
	return false;
}

static void decide_tcp(const struct pw_audit *a, const struct audit_conn *c,
		       const struct pw_flow *f, struct pw_audit_result *r)
{
	if (c->redirect_status) {
		r->verdict = PW_AUDIT_HTTP_REDIRECT;
		r->stage = PW_STAGE_AFTER_HTTP_REQUEST;
		snprintf(r->detail, sizeof(r->detail), "%u to %s",
			 c->redirect_status, c->redirect_host);
		evidence(r, &c->http_req);
		evidence(r, &c->http_reply);
		return;
	}
	if (decide_tcp_reset(c, r) || decide_tcp_silence(a, c, f, r))
		return;
	snprintf(r->detail, sizeof(r->detail),
		 "%" PRIu64 " bytes sent, %" PRIu64 " received",
		 c->c2s_bytes, c->s2c_bytes);
	evidence(r, &c->first);
	evidence(r, &c->last);
}

static const struct audit_dns_query *failed_query(const struct audit_conn *c)
{
	unsigned i;

	for (i = 0; i < c->n_dns; i++) {
		const struct audit_dns_query *q = &c->dns[i];

		if (!q->answered || q->rcode == 2 || q->rcode == 3 ||
		    q->rcode == 5)
			return q;
	}
	return NULL;
}

static const char *rcode_name(uint8_t rcode)
{
	switch (rcode) {
	case 2:
		return "SERVFAIL";
	case 3:
		return "NXDOMAIN";
	case 5:
		return "REFUSED";
	}
	return "?";
}

/* Groups and broadcast addresses are asked by many and answered by some,
 * so few replies say nothing. */
static bool is_group_addr(uint8_t family, const uint8_t *addr)
{
	if (family == 6)
		return addr[0] == 0xff;
	return (addr[0] & 0xf0) == 0xe0 ||
	       (addr[0] == 255 && addr[1] == 255 && addr[2] == 255 &&
		addr[3] == 255);
}

static void decide_udp(const struct pw_audit *a, const struct audit_conn *c,
		       const struct pw_flow *f, struct pw_audit_result *r)
{
	const struct audit_dns_query *q = c->is_dns ? failed_query(c) : NULL;
	char tbuf[16];
	const char *type;

	if (q) {
		r->verdict = PW_AUDIT_DNS_FAILURE;
		type = pw_dns_type_name(q->qtype, tbuf, sizeof(tbuf));
		if (q->answered)
			snprintf(r->detail, sizeof(r->detail), "%s %s %s",
				 rcode_name(q->rcode), q->name, type);
		else
			snprintf(r->detail, sizeof(r->detail),
				 "no answer %s %s, asked %" PRIu32 "x",
				 q->name, type, q->sent);
		evidence(r, &q->query);
		evidence(r, &q->reply);
		if (!r->host[0])
			snprintf(r->host, sizeof(r->host), "%s", q->name);
		return;
	}
	if (!c->is_dns && c->udp_out >= a->cfg.udp_out &&
	    c->udp_in <= a->cfg.udp_in &&
	    !is_group_addr(f->key.family, pw_flow_addr(f, PW_S2C))) {
		r->verdict = PW_AUDIT_UDP_SILENT;
		evidence(r, &c->udp_first_out);
		evidence(r, &c->udp_last_out);
		evidence(r, &c->udp_first_in);
	} else {
		evidence(r, &c->first);
		evidence(r, &c->last);
	}
	snprintf(r->detail, sizeof(r->detail),
		 "%" PRIu64 " datagrams out, %" PRIu64 " in",
		 c->udp_out, c->udp_in);
}

void audit_decide(const struct pw_audit *a, const struct audit_conn *c,
		  const struct pw_flow *f, struct pw_audit_result *r)
{

	memset(r, 0, sizeof(*r));
	r->flow_id = f->id;
	r->family = f->key.family;
	r->proto = f->key.proto;
	memcpy(r->src, pw_flow_addr(f, PW_C2S), 16);
	memcpy(r->dst, pw_flow_addr(f, PW_S2C), 16);
	r->sport = pw_flow_port(f, PW_C2S);
	r->dport = pw_flow_port(f, PW_S2C);
	r->flow_first_ts = f->first_ts;
	r->flow_last_ts = f->last_ts;
	if (f->host)
		snprintf(r->host, sizeof(r->host), "%s", f->host);

	if (c->icmp.pkt)
		decide_icmp(c, r);
	else if (f->key.proto == IPPROTO_TCP)
		decide_tcp(a, c, f, r);
	else
		decide_udp(a, c, f, r);
	qsort(r->packets, r->n_packets, sizeof(r->packets[0]), cmp_u64);
}
