/* ICMP signals: destination unreachable (ICMPv4 type 3, ICMPv6 type 1,
 * any code: port/host/net unreachable, administratively prohibited...)
 * quoting a packet the client sent. The error is no flow of its own; it
 * belongs to the connection whose packet it quotes. */
#include <netinet/in.h>

#include "audit/audit_priv.h"

#define ICMP4_UNREACH 3
#define ICMP4_FRAG_NEEDED 4	/* path MTU discovery, not a refusal */
#define ICMP6_UNREACH 1

void audit_icmp_error(struct pw_audit *a, struct pw_flow_table *flows,
		      const struct pw_packet *pkt,
		      const struct pw_pipeline_result *res)
{
	const struct pw_dissect *d = &res->dissect;
	struct pw_dissect inner;
	struct audit_conn *c;
	struct pw_flow *f;
	uint8_t dir, type;
	bool v6 = d->ipver == 6;

	if (!d->has_l4 || !flows)
		return;
	type = (uint8_t)d->sport;	/* ICMP: sport is the type */
	if (type != (v6 ? ICMP6_UNREACH : ICMP4_UNREACH))
		return;
	if (!v6 && d->dport == ICMP4_FRAG_NEEDED)
		return;
	if (!pw_dissect_icmp_quote(d, &inner))
		return;
	f = pw_flow_lookup_quoted(flows, &inner, &dir);
	/* An error about the server's packets (say, a late reply reaching a
	 * client port already closed) says nothing about blocking. */
	if (!f || dir != PW_C2S)
		return;
	c = audit_conn_touch(a, f, pkt);
	if (!c)
		return;
	if (c->icmp.pkt)
		return;
	audit_mark_set(&c->icmp, pkt);
	c->icmp_v6 = v6;
	c->icmp_type = type;
	c->icmp_code = (uint8_t)d->dport;
	if (f->key.proto == IPPROTO_TCP)
		c->icmp_stage = (uint8_t)audit_tcp_stage(c);
}
