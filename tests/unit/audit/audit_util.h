/* Test harness for the audit engine: packets built with pw_edit_init /
 * pw_rebuild, fed as raw IP records through the real pipeline and the
 * audit engine, verdicts collected as flows end. Packet numbers count
 * from 1 in feeding order; each packet is 10 ms after the previous one
 * unless the test moves the clock. */
#ifndef PW_TESTS_AUDIT_UTIL_H
#define PW_TESTS_AUDIT_UTIL_H

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "base/bytes.h"
#include "core/pipeline.h"
#include "pkt/link.h"
#include "pkt/rebuild.h"
#include "tap.h"

#define NS 1000000000ull
#define MS 1000000ull
#define T0 (1700000000ull * NS)
#define MAX_RESULTS 64

struct harness {
	struct pw_pipeline *pl;
	struct pw_audit *audit;
	struct pw_audit_result res[MAX_RESULTS];
	unsigned n;
	uint64_t number;
	uint64_t ts;
};

/* One connection: client a, server b. */
struct tconn {
	uint8_t family;
	uint8_t a[16], b[16];
	uint16_t aport, bport;
	uint32_t cseq, sseq;	/* next sequence number each way */
};

static void collect(const struct pw_audit_result *r, void *ctx)
{
	struct harness *h = ctx;

	if (h->n < MAX_RESULTS)
		h->res[h->n++] = *r;
}

static inline void h_init_cfg(struct harness *h,
			      const struct pw_audit_config *acfg,
			      uint32_t max_flows)
{
	struct pw_pipeline_config pcfg;

	memset(h, 0, sizeof(*h));
	h->ts = T0;
	h->audit = pw_audit_new(acfg, collect, h);
	pw_pipeline_config_default(&pcfg);
	pcfg.flow.on_end = pw_audit_on_flow_end;
	pcfg.flow.ctx = h->audit;
	pcfg.flow.max_flows = max_flows;
	h->pl = pw_pipeline_new(&pcfg);
}

static inline void h_init(struct harness *h)
{
	h_init_cfg(h, NULL, 0);
}

static inline void h_free(struct harness *h)
{
	pw_pipeline_free(h->pl);
	pw_audit_free(h->audit);
}

static inline void h_finish(struct harness *h)
{
	pw_pipeline_finish(h->pl);
}

/* Feeds L3 bytes as packet number ++h->number at h->ts. */
static inline void h_feed(struct harness *h, const uint8_t *buf, int len)
{
	struct pw_pipeline_result res;
	struct pw_packet pkt;

	if (len <= 0) {
		tap_diag("packet not built (%d)", len);
		return;
	}
	memset(&pkt, 0, sizeof(pkt));
	h->ts += 10 * MS;
	pkt.ts_ns = h->ts;
	pkt.data = buf;
	pkt.caplen = pkt.wirelen = (uint32_t)len;
	pkt.linktype = PW_LINKTYPE_RAW;
	pkt.number = ++h->number;
	pw_pipeline_feed(h->pl, &pkt, &res);
	pw_audit_packet(h->audit, pw_pipeline_flows(h->pl), &pkt, &res);
}

static inline void conn4(struct tconn *c, uint32_t a, uint16_t aport,
			 uint32_t b, uint16_t bport)
{
	memset(c, 0, sizeof(*c));
	c->family = 4;
	pw_put_be32(c->a, a);
	pw_put_be32(c->b, b);
	c->aport = aport;
	c->bport = bport;
	c->cseq = 1000;
	c->sseq = 50000;
}

static inline void conn6(struct tconn *c, uint8_t alast, uint16_t aport,
			 uint8_t blast, uint16_t bport)
{
	static const uint8_t base[16] = { 0xfd, 0x77 };

	memset(c, 0, sizeof(*c));
	c->family = 6;
	memcpy(c->a, base, 16);
	memcpy(c->b, base, 16);
	c->a[15] = alast;
	c->b[15] = blast;
	c->aport = aport;
	c->bport = bport;
	c->cseq = 1000;
	c->sseq = 50000;
}

static inline void edit_addrs(struct pw_pkt_edit *e, const struct tconn *c,
			      int from_server)
{
	const uint8_t *src = from_server ? c->b : c->a;
	const uint8_t *dst = from_server ? c->a : c->b;

	if (c->family == 4) {
		memcpy(e->ip4.src, src, 4);
		memcpy(e->ip4.dst, dst, 4);
	} else {
		memcpy(e->ip6.src, src, 16);
		memcpy(e->ip6.dst, dst, 16);
	}
}

/* Builds one TCP segment into buf; returns its length. */
static inline int build_tcp(uint8_t *buf, size_t cap, const struct tconn *c,
			    int from_server, uint8_t flags, uint32_t seq,
			    uint32_t ack, const void *data, uint32_t len)
{
	struct pw_pkt_edit e;

	pw_edit_init(&e, c->family, IPPROTO_TCP);
	edit_addrs(&e, c, from_server);
	e.tcp.sport = from_server ? c->bport : c->aport;
	e.tcp.dport = from_server ? c->aport : c->bport;
	e.tcp.seq = seq;
	e.tcp.ack = ack;
	e.tcp.flags = flags;
	e.tcp.win = 65535;
	e.payload = data;
	e.payload_len = len;
	return pw_rebuild(&e, buf, cap);
}

/* Sends a TCP segment, advancing the sender's sequence unless it is a
 * retransmission (resend: the segment starts at seq_at). */
static inline void tcp_at(struct harness *h, struct tconn *c, int from_server,
			  uint8_t flags, uint32_t seq, const void *data,
			  uint32_t len)
{
	uint8_t buf[8192];
	uint32_t ack = from_server ? c->cseq : c->sseq;

	h_feed(h, buf, build_tcp(buf, sizeof(buf), c, from_server, flags, seq,
				 (flags & PW_TCP_ACK) ? ack : 0, data, len));
}

static inline void tcp_send(struct harness *h, struct tconn *c,
			    int from_server, uint8_t flags, const void *data,
			    uint32_t len)
{
	uint32_t *seq = from_server ? &c->sseq : &c->cseq;

	tcp_at(h, c, from_server, flags, *seq, data, len);
	*seq += len + !!(flags & PW_TCP_SYN) + !!(flags & PW_TCP_FIN);
}

static inline void handshake(struct harness *h, struct tconn *c)
{
	tcp_send(h, c, 0, PW_TCP_SYN, NULL, 0);
	tcp_send(h, c, 1, PW_TCP_SYN | PW_TCP_ACK, NULL, 0);
	tcp_send(h, c, 0, PW_TCP_ACK, NULL, 0);
}

static inline int build_udp(uint8_t *buf, size_t cap, const struct tconn *c,
			    int from_server, const void *data, uint32_t len)
{
	struct pw_pkt_edit e;

	pw_edit_init(&e, c->family, IPPROTO_UDP);
	edit_addrs(&e, c, from_server);
	e.udp.sport = from_server ? c->bport : c->aport;
	e.udp.dport = from_server ? c->aport : c->bport;
	e.payload = data;
	e.payload_len = len;
	return pw_rebuild(&e, buf, cap);
}

static inline void udp_send(struct harness *h, const struct tconn *c,
			    int from_server, const void *data, uint32_t len)
{
	uint8_t buf[2048];

	h_feed(h, buf, build_udp(buf, sizeof(buf), c, from_server, data, len));
}

/* An ICMP(v6) error from the server side quoting `quoted` (an L3 packet
 * of the client), cut after 28 bytes (IPv4) or 48 (IPv6) as routers do. */
static inline void icmp_error(struct harness *h, const struct tconn *c,
			      uint8_t type, uint8_t code,
			      const uint8_t *quoted, int qlen)
{
	uint8_t buf[2048];
	struct pw_pkt_edit e;
	int cut = c->family == 4 ? 28 : 48;

	pw_edit_init(&e, c->family,
		     c->family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	edit_addrs(&e, c, 1);
	e.icmp.type = type;
	e.icmp.code = code;
	e.payload = quoted;
	e.payload_len = (uint32_t)(qlen < cut ? qlen : cut);
	h_feed(h, buf, pw_rebuild(&e, buf, sizeof(buf)));
}

static inline size_t put(uint8_t *out, size_t n, const void *b, size_t len)
{
	memcpy(out + n, b, len);
	return n + len;
}

static inline size_t put16(uint8_t *out, size_t n, size_t v)
{
	pw_put_be16(out + n, (uint16_t)v);
	return n + 2;
}

/* A TLS 1.2 record with a ClientHello naming sni (or a ServerHello when
 * sni is NULL): record header, handshake header, version, a zero random,
 * no session id, TLS_AES_128_GCM_SHA256, no compression, and for the
 * ClientHello one server_name extension. Returns its length. */
static inline size_t tls_hello(uint8_t *out, const char *sni)
{
	static const uint8_t random[32];
	size_t n = 0, hs, ext, sni_len = sni ? strlen(sni) : 0;

	n = put(out, n, "\x16\x03\x01\x00\x00", 5);
	hs = n;
	n = put(out, n, sni ? "\x01\0\0\0" : "\x02\0\0\0", 4);
	n = put(out, n, "\x03\x03", 2);
	n = put(out, n, random, sizeof(random));
	n = put(out, n, "\x00", 1);
	if (sni) {
		n = put(out, n, "\x00\x02\x13\x01\x01\x00", 6);
		ext = n;
		n = put16(out, n, 0);
		n = put16(out, n, 0);			/* server_name */
		n = put16(out, n, sni_len + 5);
		n = put16(out, n, sni_len + 3);
		n = put(out, n, "\x00", 1);		/* host_name */
		n = put16(out, n, sni_len);
		n = put(out, n, sni, sni_len);
		put16(out, ext, n - ext - 2);
	} else {
		n = put(out, n, "\x13\x01\x00\x00\x00", 5);
	}
	put16(out, 3, n - 5);
	put16(out, hs + 2, n - hs - 4);
	return n;
}

/* A DNS message: a query for name/qtype, or (rcode >= 0) a response with
 * that rcode and, when addr4 is non-zero, one A record. */
static inline size_t dns_msg(uint8_t *out, uint16_t id, const char *name,
			     uint16_t qtype, int rcode, uint32_t addr4)
{
	size_t n = 12;
	const char *p = name;

	memset(out, 0, 12);
	pw_put_be16(out, id);
	out[2] = rcode >= 0 ? 0x81 : 0x01;
	out[3] = rcode >= 0 ? (uint8_t)(0x80 | rcode) : 0;
	out[5] = 1;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		out[n++] = (uint8_t)l;
		memcpy(out + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	out[n++] = 0;
	pw_put_be16(out + n, qtype); n += 2;
	pw_put_be16(out + n, 1); n += 2;
	if (rcode >= 0 && addr4) {
		out[7] = 1;
		out[n++] = 0xc0; out[n++] = 12;
		pw_put_be16(out + n, 1); n += 2;
		pw_put_be16(out + n, 1); n += 2;
		pw_put_be32(out + n, 300); n += 4;
		pw_put_be16(out + n, 4); n += 2;
		pw_put_be32(out + n, addr4); n += 4;
	}
	return n;
}

/* The one result of a test, or NULL (with a failed check) otherwise. */
static inline const struct pw_audit_result *only(struct harness *h,
						 const char *what)
{
	if (!tap_ok(h->n == 1, "%s: one connection judged (got %u)", what,
		    h->n))
		return NULL;
	return &h->res[0];
}

static inline void check_verdict(const struct pw_audit_result *r,
				 enum pw_audit_verdict v,
				 enum pw_audit_stage s, const char *what)
{
	if (!r) {
		tap_ok(false, "%s: no result", what);
		return;
	}
	tap_ok(r->verdict == v && r->stage == s, "%s: %s/%s (got %s/%s)", what,
	       pw_audit_verdict_name(v),
	       pw_audit_stage_name(s) ? pw_audit_stage_name(s) : "-",
	       pw_audit_verdict_name((enum pw_audit_verdict)r->verdict),
	       pw_audit_stage_name((enum pw_audit_stage)r->stage) ?
	       pw_audit_stage_name((enum pw_audit_stage)r->stage) : "-");
}

/* "1,2,3" of the evidence packet numbers. */
static inline const char *packets_str(const struct pw_audit_result *r,
				      char *buf, size_t len)
{
	size_t used = 0;
	uint32_t i;

	buf[0] = '\0';
	for (i = 0; r && i < r->n_packets && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%llu",
					 i ? "," : "",
					 (unsigned long long)r->packets[i]);
	return buf;
}

#endif
