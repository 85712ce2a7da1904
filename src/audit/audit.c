/* Audit engine: per-packet dispatch to the signal collectors, and the
 * verdict when a flow ends. */
#include "audit/audit.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_priv.h"

/* zapret2 nfqws2 defaults (--hostlist-auto-*), see docs/audit.md. */
#define DEF_RETRANS_THRESHOLD 3
#define DEF_RETRANS_MAXSEQ 32768
#define DEF_INCOMING_MAXSEQ 4096
#define DEF_UDP_OUT 4
#define DEF_UDP_IN 1
#define DEF_FAIL_THRESHOLD 3
#define DEF_FAIL_TIME_NS (60ull * 1000000000ull)
#define REDIRECT_BIT(code) (1u << ((code) - 300))

void pw_audit_config_default(struct pw_audit_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->retrans_threshold = DEF_RETRANS_THRESHOLD;
	cfg->retrans_maxseq = DEF_RETRANS_MAXSEQ;
	cfg->incoming_maxseq = DEF_INCOMING_MAXSEQ;
	cfg->udp_out = DEF_UDP_OUT;
	cfg->udp_in = DEF_UDP_IN;
	cfg->redirect_codes = REDIRECT_BIT(301) | REDIRECT_BIT(302) |
			      REDIRECT_BIT(303) | REDIRECT_BIT(307) |
			      REDIRECT_BIT(308);
	cfg->fail_threshold = DEF_FAIL_THRESHOLD;
	cfg->fail_time_ns = DEF_FAIL_TIME_NS;
}

struct pw_audit *pw_audit_new(const struct pw_audit_config *cfg,
			      pw_audit_result_fn on_result, void *ctx)
{
	struct pw_audit *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	if (cfg)
		a->cfg = *cfg;
	else
		pw_audit_config_default(&a->cfg);
	a->on_result = on_result;
	a->ctx = ctx;
	if (audit_table_init(a) < 0) {
		pw_audit_free(a);
		return NULL;
	}
	return a;
}

void pw_audit_free(struct pw_audit *a)
{
	if (!a)
		return;
	audit_table_free(a);
	free(a);
}

uint64_t pw_audit_active(const struct pw_audit *a)
{
	return a->n_conns;
}

void audit_list_add(struct audit_list *l, const struct pw_packet *pkt)
{
	unsigned slot = l->count < AUDIT_LIST_KEEP ? l->count
						  : AUDIT_LIST_KEEP - 1;

	audit_mark_set(&l->m[slot], pkt);
	l->count++;
}

struct audit_conn *audit_conn_touch(struct pw_audit *a,
				    const struct pw_flow *f,
				    const struct pw_packet *pkt)
{
	struct audit_conn *c;

	if (f->key.proto != IPPROTO_TCP && f->key.proto != IPPROTO_UDP)
		return NULL;
	c = audit_conn_get(a, f->id, f->key.proto, true);
	if (!c)
		return NULL;
	if (!c->first.pkt)
		audit_mark_set(&c->first, pkt);
	audit_mark_set(&c->last, pkt);
	return c;
}

void pw_audit_packet(struct pw_audit *a, struct pw_flow_table *flows,
		     const struct pw_packet *pkt,
		     const struct pw_pipeline_result *res)
{
	const struct pw_flow *f = res->flow.flow;
	struct audit_conn *c;

	if (!res->is_ip)
		return;
	if (!f) {
		if (res->dissect.icmp_quote_off)
			audit_icmp_error(a, flows, pkt, res);
		return;
	}
	c = audit_conn_touch(a, f, pkt);
	if (!c)
		return;
	if (f->key.proto == IPPROTO_TCP)
		audit_tcp_packet(a, c, f, pkt, res);
	else
		audit_udp_packet(a, c, f, pkt, res);
}

void pw_audit_on_flow_end(struct pw_flow *flow, enum pw_flow_end why,
			  void *ctx)
{
	struct pw_audit *a = ctx;
	struct pw_audit_result r;
	struct audit_conn *c;

	(void)why;
	c = audit_conn_take(a, flow->id);
	if (!c)
		return;
	audit_decide(a, c, flow, &r);
	if (a->on_result)
		a->on_result(&r, a->ctx);
	audit_conn_free(c);
}
