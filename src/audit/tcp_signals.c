/* TCP signals: handshake, resets, TLS and HTTP openings, retransmissions.
 *
 * Directions are the flow's roles: C2S is the client (the application
 * opening the connection), S2C the server and anything on the path that
 * answers in its name (a censor's injected RST looks like the server's). */
#include <netinet/in.h>

#include "audit/audit_priv.h"

enum pw_audit_stage audit_tcp_stage(const struct audit_conn *c)
{
	if (c->s2c_data.pkt)
		return PW_STAGE_MID_TRANSFER;
	if (c->http_req.pkt)
		return PW_STAGE_AFTER_HTTP_REQUEST;
	if (c->client_hello.pkt)
		return PW_STAGE_AFTER_CLIENT_HELLO;
	if (c->c2s_data.pkt)
		return PW_STAGE_AFTER_CLIENT_DATA;
	return PW_STAGE_HANDSHAKE;
}

/* A reset from the server side counts unless the connection was already
 * closing: after a FIN either way, an RST is how many stacks end a
 * connection (data arriving after close), not a sign of interference. */
static void on_rst(struct audit_conn *c, const struct pw_packet *pkt,
		   uint8_t dir)
{
	if (dir == PW_C2S) {
		audit_mark_once(&c->client_rst, pkt);
		return;
	}
	if (c->rst.pkt || c->fin.pkt)
		return;
	audit_mark_set(&c->rst, pkt);
	c->rst_stage = (uint8_t)audit_tcp_stage(c);
}

/* zapret2 counts a retransmission while the client's relative sequence
 * is below retrans_maxseq, and stops watching once the server has sent
 * past incoming_maxseq (the connection worked). */
static void on_client_data(struct pw_audit *a, struct audit_conn *c,
			   const struct pw_flow *f,
			   const struct pw_packet *pkt,
			   const struct pw_pipeline_result *res,
			   uint32_t len)
{
	const struct pw_flow_dir *cli = &f->dir[PW_C2S];
	const struct pw_flow_dir *srv = &f->dir[PW_S2C];

	c->c2s_bytes += len;
	audit_mark_once(&c->c2s_data, pkt);
	if (res->payload_type == PW_PL_TLS_CLIENT_HELLO)
		audit_mark_once(&c->client_hello, pkt);
	else if (res->payload_type == PW_PL_HTTP_REQ)
		audit_mark_once(&c->http_req, pkt);
	if (!res->flow.retransmit)
		return;
	if (c->client_hello.pkt && !c->server_hello.pkt && !c->s2c_data.pkt)
		c->hello_resent++;
	if (cli->rseq < a->cfg.retrans_maxseq &&
	    srv->uppos <= a->cfg.incoming_maxseq)
		audit_list_add(&c->retrans, pkt);
}

static void on_server_data(struct pw_audit *a, struct audit_conn *c,
			   const struct pw_flow *f,
			   const struct pw_packet *pkt,
			   const struct pw_pipeline_result *res,
			   uint32_t len)
{
	const struct pw_dissect *d = &res->dissect;

	c->s2c_bytes += len;
	audit_mark_once(&c->s2c_data, pkt);
	if (res->payload_type == PW_PL_TLS_SERVER_HELLO) {
		audit_mark_once(&c->server_hello, pkt);
	} else if (res->payload_type == PW_PL_HTTP_REPLY &&
		   !c->http_reply.pkt) {
		audit_mark_set(&c->http_reply, pkt);
		audit_http_reply(a, c, f, pkt, pw_dissect_payload(d),
				 d->payload_len);
	}
}

void audit_tcp_packet(struct pw_audit *a, struct audit_conn *c,
		      const struct pw_flow *f, const struct pw_packet *pkt,
		      const struct pw_pipeline_result *res)
{
	const struct pw_dissect *d = &res->dissect;
	uint8_t dir = res->flow.dir, flags = d->tcp_flags;
	uint32_t len = d->payload_wirelen;

	if (!d->has_l4)
		return;
	if (flags & PW_TCP_RST) {
		on_rst(c, pkt, dir);
		return;
	}
	if (flags & PW_TCP_SYN) {
		if (dir == PW_C2S && !(flags & PW_TCP_ACK))
			audit_list_add(&c->syn, pkt);
		else if (dir == PW_S2C)
			audit_mark_once(&c->synack, pkt);
	}
	if (flags & PW_TCP_FIN)
		audit_mark_once(&c->fin, pkt);
	if (!len)
		return;
	if (dir == PW_C2S)
		on_client_data(a, c, f, pkt, res, len);
	else
		on_server_data(a, c, f, pkt, res, len);
}
