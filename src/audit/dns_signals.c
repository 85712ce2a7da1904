/* DNS signals: the questions a connection asked and how each was answered.
 *
 * Only standard queries with one question are followed (opcode 0,
 * qdcount 1: what resolvers send). A reply is matched to its question by
 * id and name; the first reply wins, later copies are ignored. At most
 * AUDIT_DNS_QUERIES distinct questions are kept per flow; repeats of a
 * question (same id, name and type) are counted on it. */
#include <stdlib.h>
#include <string.h>

#include "audit/audit_priv.h"
#include "base/bytes.h"
#include "l7/dns.h"

#define DNS_FLAG_QR 0x80
#define DNS_OPCODE(b2) (((b2) >> 3) & 0x0f)

static struct audit_dns_query *find(struct audit_conn *c, uint16_t id,
				    const char *name)
{
	unsigned i;

	for (i = 0; i < c->n_dns; i++)
		if (c->dns[i].id == id && !strcmp(c->dns[i].name, name))
			return &c->dns[i];
	return NULL;
}

static void on_query(struct audit_conn *c, const struct pw_packet *pkt,
		     uint16_t id, uint16_t qtype, const char *name)
{
	struct audit_dns_query *q = find(c, id, name);

	if (q) {
		q->sent++;
		return;
	}
	if (c->n_dns >= AUDIT_DNS_QUERIES)
		return;
	if (!c->dns) {
		c->dns = calloc(AUDIT_DNS_QUERIES, sizeof(*c->dns));
		if (!c->dns)
			return;
	}
	q = &c->dns[c->n_dns];
	q->name = strdup(name);
	if (!q->name)
		return;
	q->id = id;
	q->qtype = qtype;
	q->sent = 1;
	audit_mark_set(&q->query, pkt);
	c->n_dns++;
}

static void on_reply(struct audit_conn *c, const struct pw_packet *pkt,
		     uint16_t id, uint8_t rcode, const char *name)
{
	struct audit_dns_query *q = find(c, id, name);

	if (!q || q->answered)
		return;
	q->answered = 1;
	q->rcode = rcode;
	audit_mark_set(&q->reply, pkt);
}

void audit_dns_packet(struct audit_conn *c, const struct pw_packet *pkt,
		      const uint8_t *p, uint32_t n, uint8_t dir)
{
	char name[PW_DNS_NAME_MAX];
	size_t next;
	uint16_t id, qtype;
	bool reply;

	if (n < PW_DNS_HDR_LEN || DNS_OPCODE(p[2]) != 0 ||
	    pw_get_be16(p + 4) != 1)
		return;
	if (!pw_dns_name_decode(p, n, PW_DNS_HDR_LEN, name, sizeof(name),
				&next) || n - next < 4)
		return;
	id = pw_get_be16(p);
	qtype = pw_get_be16(p + next);
	reply = p[2] & DNS_FLAG_QR;
	if (dir == PW_C2S && !reply)
		on_query(c, pkt, id, qtype, name);
	else if (dir == PW_S2C && reply)
		on_reply(c, pkt, id, p[3] & 0x0f, name);
}
