/* UDP signals: datagrams each way, and DNS on port 53. */
#include "audit/audit_priv.h"

#define DNS_PORT 53

void audit_udp_packet(struct pw_audit *a, struct audit_conn *c,
		      const struct pw_flow *f, const struct pw_packet *pkt,
		      const struct pw_pipeline_result *res)
{
	const struct pw_dissect *d = &res->dissect;
	uint8_t dir = res->flow.dir;

	if (dir == PW_C2S) {
		c->udp_out++;
		audit_mark_once(&c->udp_first_out, pkt);
		audit_mark_set(&c->udp_last_out, pkt);
	} else {
		c->udp_in++;
		audit_mark_once(&c->udp_first_in, pkt);
	}
	/* The server port decides, not payload detection: mDNS and LLMNR
	 * look like DNS but are asked of groups that never all answer. */
	if (!d->has_l4 || pw_flow_port(f, PW_S2C) != DNS_PORT)
		return;
	c->is_dns = true;
	audit_dns_packet(c, pkt, pw_dissect_payload(d), d->payload_len, dir);
}
