#include "sink/flow_report.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "l7/l7.h"

/* Addresses and endpoints are formatted here rather than with inet_ntop
 * and snprintf: glibc's inet_ntop runs sprintf per IPv4 byte, and with tens
 * of thousands of flows that was a tenth of `procwire read`. The IPv6 text
 * form follows RFC 5952: lower-case hex, no leading zeros, the longest run
 * of two or more zero groups (the first one on a tie) written as "::". */
static char *put_dec(char *p, unsigned v)
{
	char tmp[10];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_ip4(char *p, const uint8_t *a)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = put_dec(p, a[i]);
	}
	return p;
}

static char *put_hex16(char *p, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	int shift = 12;

	while (shift > 0 && !((v >> shift) & 0xf))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = hex[(v >> shift) & 0xf];
	return p;
}

static char *put_ip6(char *p, const uint8_t *a)
{
	int best = -1, best_len = 1, run = -1, i;
	unsigned g[8];

	for (i = 0; i < 8; i++)
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	for (i = 0; i <= 8; i++) {
		if (i < 8 && !g[i]) {
			if (run < 0)
				run = i;
			continue;
		}
		if (run >= 0 && i - run > best_len) {
			best = run;
			best_len = i - run;
		}
		run = -1;
	}
	/* IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d)
	 * addresses keep the dotted quad, as inet_ntop writes them. */
	if (best == 0 && best_len == 5 && g[5] == 0xffff) {
		memcpy(p, "::ffff:", 7);
		return put_ip4(p + 7, a + 12);
	}
	if (best == 0 && best_len == 6) {
		memcpy(p, "::", 2);
		return put_ip4(p + 2, a + 12);
	}
	for (i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			if (i == 0)
				*p++ = ':';
			i += best_len - 1;
			continue;
		}
		p = put_hex16(p, g[i]);
		if (i < 7)
			*p++ = ':';
	}
	return p;
}

const char *pw_format_addr(char *buf, size_t len, uint8_t family,
			   const uint8_t *addr)
{
	char tmp[PW_ENDPOINT_MAX], *end;

	end = family == 6 ? put_ip6(tmp, addr) : put_ip4(tmp, addr);
	*end = '\0';
	if (len > (size_t)(end - tmp))
		memcpy(buf, tmp, (size_t)(end - tmp) + 1);
	else if (len)
		*buf = '\0';
	return buf;
}

const char *pw_format_endpoint(char *buf, size_t len, uint8_t family,
			       const uint8_t *addr, uint16_t port)
{
	char tmp[PW_ENDPOINT_MAX], *p = tmp;

	if (family == 6) {
		*p++ = '[';
		p = put_ip6(p, addr);
		*p++ = ']';
	} else {
		p = put_ip4(p, addr);
	}
	*p++ = ':';
	p = put_dec(p, port);
	*p = '\0';
	if (len > (size_t)(p - tmp))
		memcpy(buf, tmp, (size_t)(p - tmp) + 1);
	else if (len)
		*buf = '\0';
	return buf;
}

static const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmp6";
	}
	return "ip";
}

static const char *end_name(enum pw_flow_end why)
{
	switch (why) {
	case PW_FLOW_END_TIMEOUT:
		return "timeout";
	case PW_FLOW_END_EVICTED:
		return "evicted";
	case PW_FLOW_END_FLUSH:
		break;
	}
	return "end";
}

void pw_flow_report_header(struct pw_emit *e)
{
	if (pw_emit_json(e))
		return;
	fprintf(e->out, "%-5s %-21s %-21s %8s %10s %8s %10s %-11s %9s %-9s "
		"%-24s %s\n", "PROTO", "CLIENT", "SERVER", "C>S PKTS",
		"C>S BYTES", "S>C PKTS", "S>C BYTES", "STATE", "DURATION", "L7",
		"HOST", "PAYLOAD TYPES");
}

/* Payload type names in enum order, for the flow's bitmask. */
static unsigned payload_type_names(uint32_t mask, const char **names,
				   unsigned max)
{
	unsigned n = 0, i;

	for (i = 0; i < PW_PL__COUNT && n < max; i++)
		if (mask & (1u << i))
			names[n++] = pw_l7_payload_name((enum pw_l7_payload)i);
	return n;
}

void pw_flow_report_flow(struct pw_emit *e, const struct pw_flow *f,
			 enum pw_flow_end why)
{
	const struct pw_flow_dir *c2s = &f->dir[PW_C2S], *s2c = &f->dir[PW_S2C];
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	char cep[PW_ENDPOINT_MAX], sep[PW_ENDPOINT_MAX];
	const char *types[PW_PL__COUNT];
	uint64_t dur = f->last_ts - f->first_ts;
	char durbuf[32];
	unsigned ntypes;
	bool json = pw_emit_json(e);

	pw_format_addr(src, sizeof(src), f->key.family, pw_flow_addr(f, PW_C2S));
	pw_format_addr(dst, sizeof(dst), f->key.family, pw_flow_addr(f, PW_S2C));
	ntypes = payload_type_names(f->payload_types, types, PW_PL__COUNT);

	pw_emit_begin(e);
	pw_emit_str(e, "proto", "%-5s ", proto_name(f->key.proto));
	if (!json) {
		pw_format_endpoint(cep, sizeof(cep), f->key.family,
				   pw_flow_addr(f, PW_C2S),
				   pw_flow_port(f, PW_C2S));
		pw_format_endpoint(sep, sizeof(sep), f->key.family,
				   pw_flow_addr(f, PW_S2C),
				   pw_flow_port(f, PW_S2C));
		pw_emit_text(e, "%-21s ", cep);
		pw_emit_text(e, "%-21s ", sep);
	}
	pw_emit_str(e, "src", NULL, src);
	pw_emit_u64(e, "sport", NULL, pw_flow_port(f, PW_C2S));
	pw_emit_str(e, "dst", NULL, dst);
	pw_emit_u64(e, "dport", NULL, pw_flow_port(f, PW_S2C));
	pw_emit_u64(e, "c2s_packets", "%8" PRIu64 " ", c2s->packets);
	pw_emit_u64(e, "c2s_bytes", "%10" PRIu64 " ", c2s->payload_bytes);
	pw_emit_u64(e, "s2c_packets", "%8" PRIu64 " ", s2c->packets);
	pw_emit_u64(e, "s2c_bytes", "%10" PRIu64 " ", s2c->payload_bytes);
	pw_emit_str(e, "state", "%-11s ",
		    f->key.proto == IPPROTO_TCP ?
			    pw_tcp_state_name((enum pw_tcp_state)f->tcp_state) :
			    "-");
	if (!json) {
		char *p = put_dec(durbuf, (unsigned)(dur / 1000000000u));
		unsigned ms = (unsigned)(dur % 1000000000u / 1000000u);

		*p++ = '.';
		*p++ = (char)('0' + ms / 100);
		*p++ = (char)('0' + ms / 10 % 10);
		*p++ = (char)('0' + ms % 10);
		*p = '\0';
	}
	pw_emit_text(e, "%9s ", durbuf);
	pw_emit_ts(e, "first_ts", NULL, f->first_ts);
	pw_emit_ts(e, "last_ts", NULL, f->last_ts);
	pw_emit_str(e, "l7", "%-9s ",
		    f->l7_proto ? pw_l7_proto_name((enum pw_l7_proto)f->l7_proto)
				: NULL);
	pw_emit_str(e, "host", "%-24s ", f->host);
	if (f->host)
		pw_emit_str(e, "host_source", NULL,
			    f->host_source == PW_HOST_DNS_ANSWER ? "dns-answer"
								  : "payload");
	pw_emit_str_list(e, "payload_types", types, ntypes, "%s");
	pw_emit_u64(e, "c2s_data_packets", NULL, c2s->data_packets);
	pw_emit_u64(e, "s2c_data_packets", NULL, s2c->data_packets);
	if (f->key.proto == IPPROTO_TCP) {
		pw_emit_u64(e, "c2s_retransmits", NULL, c2s->retransmits);
		pw_emit_u64(e, "s2c_retransmits", NULL, s2c->retransmits);
	}
	pw_emit_str(e, "end", NULL, end_name(why));
	if (f->pid) {
		pw_emit_u64(e, "pid", NULL, f->pid);
		pw_emit_str(e, "comm", NULL, f->comm);
	}
	pw_emit_end(e);
}

void pw_flow_report_totals(FILE *out, const struct pw_pipeline_stats *ps,
			   const struct pw_flow_stats *fs)
{
	const char *sep = ":";
	unsigned i;

	fprintf(out, "\n%" PRIu64 " packets (%" PRIu64 " bytes on the wire), "
		     "%" PRIu64 " IP, %" PRIu64 " not IP, %" PRIu64
		     " unreadable link headers\n",
		ps->packets, ps->wire_bytes, ps->ip, ps->non_ip, ps->bad_link);
	fprintf(out, "%" PRIu64 " flows (peak %" PRIu64 " at once), %" PRIu64
		     " timed out, %" PRIu64 " ended by port reuse, %" PRIu64
		     " evicted at the flow cap\n",
		fs->created, fs->peak, fs->timed_out, fs->reused,
		fs->evicted);
	fprintf(out, "%" PRIu64 " ICMP errors for known flows, %" PRIu64
		     " IP packets in no flow, %" PRIu64
		     " flows named from DNS answers\n",
		ps->icmp_errors, ps->no_flow, ps->dns_named);
	fprintf(out, "%" PRIu64 " malformed packets", ps->malformed);
	for (i = 0; i < PW_MAL_COUNT; i++)
		if (ps->malformed_by[i]) {
			fprintf(out, "%s %s %" PRIu64, sep,
				pw_malformed_name(i), ps->malformed_by[i]);
			sep = ",";
		}
	fputc('\n', out);
}
