#include "core/pipeline.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/l7_stream.h"
#include "l7/dns_cache.h"
#include "l7/l7.h"
#include "pkt/link.h"

/* Detection runs on the first data packets of each direction only: the
 * payload types that matter (handshakes, requests, banners) come first,
 * and bulk transfer should not pay for signature checks (some, such as
 * MTProto's, decrypt). Once the flow's protocol is known, fewer packets
 * are looked at: enough to see the reply's type too. */
#define L7_DETECT_PACKETS_UNKNOWN 8
#define L7_DETECT_PACKETS_KNOWN 2

struct pw_pipeline {
	struct pw_pipeline_config cfg;
	struct pw_flow_table *flows;
	struct pw_dns_cache *dns;	/* address -> name from DNS answers */
	struct pw_pipeline_stats stats;
};

void pw_pipeline_config_default(struct pw_pipeline_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	pw_flow_config_default(&cfg->flow);
	cfg->detect_l7 = true;
}

struct pw_pipeline *pw_pipeline_new(const struct pw_pipeline_config *cfg)
{
	struct pw_pipeline *pl = calloc(1, sizeof(*pl));

	if (!pl)
		return NULL;
	pl->cfg = *cfg;
	pl->cfg.flow.free_l7 = pw_l7_stream_free;
	pl->flows = pw_flow_table_new(&pl->cfg.flow);
	if (cfg->detect_l7)
		pl->dns = pw_dns_cache_new(cfg->dns_cache_size);
	if (!pl->flows || (cfg->detect_l7 && !pl->dns)) {
		pw_pipeline_free(pl);
		return NULL;
	}
	return pl;
}

void pw_pipeline_free(struct pw_pipeline *pl)
{
	if (!pl)
		return;
	pw_flow_table_free(pl->flows);
	pw_dns_cache_free(pl->dns);
	free(pl);
}

static void count_malformed(struct pw_pipeline_stats *st, uint32_t bits)
{
	unsigned i;

	/* A snapped payload is the capture's choice, not the packet's fault. */
	if (!(bits & ~(uint32_t)PW_MAL_SNAPPED))
		return;
	st->malformed++;
	for (i = 0; i < PW_MAL_COUNT; i++)
		if (bits & (1u << i))
			st->malformed_by[i]++;
}

static void set_host(struct pw_flow *flow, const char *host,
		     enum pw_host_source src)
{
	char *copy = strdup(host);

	if (!copy)
		return;
	free(flow->host);
	flow->host = copy;
	flow->host_source = (uint8_t)src;
}

static void apply_l7(struct pw_pipeline *pl, struct pw_pipeline_result *res,
		     const struct pw_l7_result *l7)
{
	const struct pw_dissect *d = &res->dissect;
	struct pw_flow *flow = res->flow.flow;

	res->payload_type = (uint8_t)l7->payload;
	flow->payload_types |= 1u << l7->payload;
	if (flow->l7_proto == PW_L7_UNKNOWN && l7->proto != PW_L7_UNKNOWN)
		flow->l7_proto = (uint8_t)l7->proto;
	if (l7->host[0] && flow->host_source != PW_HOST_PAYLOAD)
		set_host(flow, l7->host, PW_HOST_PAYLOAD);
	if (l7->payload == PW_PL_DNS_RESPONSE && pl->dns)
		pw_dns_cache_feed(pl->dns, pw_dissect_payload(d),
				  d->payload_len);
}

/* A new flow to an address some DNS answer gave: name it after the
 * question, until its own payload names it. */
static void name_from_dns(struct pw_pipeline *pl, struct pw_flow *flow)
{
	const char *name = pw_dns_cache_get(pl->dns, flow->key.family,
					    pw_flow_addr(flow, PW_S2C));

	if (name) {
		set_host(flow, name, PW_HOST_DNS_ANSWER);
		pl->stats.dns_named++;
	}
}

static void detect_l7(struct pw_pipeline *pl, struct pw_pipeline_result *res)
{
	const struct pw_dissect *d = &res->dissect;
	struct pw_flow *flow = res->flow.flow;
	const uint8_t *payload = pw_dissect_payload(d);
	uint8_t dir = res->flow.dir;
	struct pw_l7_result l7;

	if (!d->payload_len) {
		res->payload_type = PW_PL_EMPTY;
		flow->payload_types |= 1u << PW_PL_EMPTY;
		return;
	}
	/* A hello being reassembled: this packet continues it. */
	if (dir == PW_C2S && flow->l7_state) {
		if (pw_l7_stream_feed(flow, payload, d->payload_len,
				      d->tcp_seq, &l7))
			apply_l7(pl, res, &l7);
		else
			res->payload_type = PW_PL_UNKNOWN;
		return;
	}
	if (flow->dir[dir].data_packets >
	    (flow->l7_proto ? L7_DETECT_PACKETS_KNOWN : L7_DETECT_PACKETS_UNKNOWN))
		return;
	pw_l7_detect(payload, d->payload_len, d->l4proto, d->sport, d->dport,
		     &l7);
	apply_l7(pl, res, &l7);
	if (dir == PW_C2S && l7.incomplete)
		pw_l7_stream_start(flow, payload, d->payload_len, d->tcp_seq,
				   &l7);
}

/* An ICMP error belongs to the flow whose packet it quotes; the error
 * itself is not a flow. */
static void note_icmp_error(struct pw_pipeline *pl,
			    struct pw_pipeline_result *res)
{
	struct pw_dissect inner;
	uint8_t dir;

	res->payload_type = res->dissect.ipver == 4 ? PW_PL_IPV4 : PW_PL_IPV6;
	if (pw_dissect_icmp_quote(&res->dissect, &inner) &&
	    pw_flow_lookup_quoted(pl->flows, &inner, &dir))
		pl->stats.icmp_errors++;
	else
		pl->stats.no_flow++;
}

void pw_pipeline_feed(struct pw_pipeline *pl, const struct pw_packet *pkt,
		      struct pw_pipeline_result *out)
{
	struct pw_pipeline_stats *st = &pl->stats;
	struct pw_pipeline_result local;
	struct pw_pipeline_result *res = out ? out : &local;
	struct pw_link link;

	st->packets++;
	st->wire_bytes += pkt->wirelen;
	res->is_ip = false;
	res->flow.flow = NULL;
	res->payload_type = PW_PL_UNKNOWN;

	pw_flow_table_expire(pl->flows, pkt->ts_ns);

	if (!pw_link_parse(pkt->linktype, pkt->data, pkt->caplen, &link)) {
		st->bad_link++;
		return;
	}
	if (link.ethertype != 0x0800 && link.ethertype != 0x86dd) {
		st->non_ip++;
		return;
	}
	if (!pw_dissect_ip(pkt->data + link.l3_off, pkt->caplen - link.l3_off,
			   pkt->wirelen > link.l3_off ?
				   pkt->wirelen - link.l3_off : 0,
			   &res->dissect)) {
		count_malformed(st, res->dissect.malformed | PW_MAL_TRUNCATED);
		return;
	}
	res->is_ip = true;
	st->ip++;
	if (pl->cfg.verify_checksums)
		pw_dissect_verify_checksums(&res->dissect);
	count_malformed(st, res->dissect.malformed);

	if (!pw_flow_track(pl->flows, &res->dissect, pkt->ts_ns, &res->flow)) {
		res->flow.flow = NULL;
		if (res->dissect.icmp_quote_off)
			note_icmp_error(pl, res);
		else
			st->no_flow++;
		return;
	}
	if (res->dissect.l4proto == IPPROTO_ICMP ||
	    res->dissect.l4proto == IPPROTO_ICMPV6) {
		res->payload_type = PW_PL_ICMP;
		res->flow.flow->payload_types |= 1u << PW_PL_ICMP;
		return;
	}
	if (!pl->cfg.detect_l7)
		return;
	if (res->flow.created)
		name_from_dns(pl, res->flow.flow);
	detect_l7(pl, res);
}

void pw_pipeline_finish(struct pw_pipeline *pl)
{
	pw_flow_table_flush(pl->flows);
}

const struct pw_pipeline_stats *pw_pipeline_stats(const struct pw_pipeline *pl)
{
	return &pl->stats;
}

struct pw_flow_table *pw_pipeline_flows(struct pw_pipeline *pl)
{
	return pl->flows;
}
