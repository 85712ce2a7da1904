/* libFuzzer harness for the audit engine: a sequence of IP packets through
 * the pipeline (flow cap 8, short timeouts) and the audit engine, every
 * verdict into the report, printed as text and as JSON.
 *
 * Input: records of [len: 2 bytes, big-endian][time step: 1 byte][len
 * bytes of IP packet]; the step advances packet time by step * 50 ms.
 * Broken invariants abort():
 *   - audit state never exceeds the flow table's cap, and is all freed at
 *     the end;
 *   - every verdict and stage is a known one, evidence is at most
 *     PW_AUDIT_EVIDENCE_MAX packets, rising, each a packet that was fed,
 *     and first_ts <= last_ts;
 *   - details and hosts are NUL-terminated within their arrays. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "audit/report.h"
#include "core/pipeline.h"
#include "pkt/link.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

#define CAP 8
#define MS 1000000ull

static uint64_t fed;

static void on_result(const struct pw_audit_result *r, void *ctx)
{
	uint32_t i;

	CHECK(r->verdict < PW_AUDIT__COUNT);
	CHECK(r->stage < PW_STAGE__COUNT);
	CHECK(r->n_packets <= PW_AUDIT_EVIDENCE_MAX);
	for (i = 0; i < r->n_packets; i++) {
		CHECK(r->packets[i] >= 1 && r->packets[i] <= fed);
		CHECK(!i || r->packets[i - 1] < r->packets[i]);
	}
	CHECK(r->first_ts <= r->last_ts);
	CHECK(memchr(r->detail, '\0', sizeof(r->detail)));
	CHECK(memchr(r->host, '\0', sizeof(r->host)));
	pw_audit_report_add(r, ctx);
}

static void print(struct pw_audit_report *rep, enum pw_emit_mode mode)
{
	FILE *out = fopen("/dev/null", "w");
	struct pw_emit e;

	if (!out)
		return;
	pw_emit_init(&e, out, mode);
	pw_audit_report_print(rep, &e, out);
	fclose(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_pipeline_config pcfg;
	struct pw_pipeline_result res;
	struct pw_audit_report *rep;
	struct pw_pipeline *pl;
	struct pw_audit *audit;
	struct pw_packet pkt;
	uint64_t ts = 1700000000ull * 1000000000ull;
	size_t off = 0;

	fed = 0;
	rep = pw_audit_report_new(NULL, false);
	audit = pw_audit_new(NULL, on_result, rep);
	pw_pipeline_config_default(&pcfg);
	pcfg.flow.max_flows = CAP;
	pcfg.flow.timeout_syn_ns = 2000 * MS;
	pcfg.flow.timeout_est_ns = 5000 * MS;
	pcfg.flow.timeout_fin_ns = 1000 * MS;
	pcfg.flow.timeout_udp_ns = 3000 * MS;
	pcfg.flow.on_end = pw_audit_on_flow_end;
	pcfg.flow.ctx = audit;
	pl = rep && audit ? pw_pipeline_new(&pcfg) : NULL;
	if (!pl)
		goto out;

	while (size - off >= 3) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		uint8_t step = data[off + 2];

		off += 3;
		if (len > size - off)
			len = size - off;
		ts += step * 50 * MS;
		memset(&pkt, 0, sizeof(pkt));
		pkt.ts_ns = ts;
		pkt.data = data + off;
		pkt.caplen = pkt.wirelen = (uint32_t)len;
		pkt.linktype = PW_LINKTYPE_RAW;
		pkt.number = ++fed;
		pw_pipeline_feed(pl, &pkt, &res);
		pw_audit_packet(audit, pw_pipeline_flows(pl), &pkt, &res);
		CHECK(pw_audit_active(audit) <= CAP);
		off += len;
	}
	pw_pipeline_finish(pl);
	CHECK(pw_audit_active(audit) == 0);
	print(rep, PW_EMIT_TEXT);
	print(rep, PW_EMIT_JSON);
out:
	pw_pipeline_free(pl);
	pw_audit_free(audit);
	pw_audit_report_free(rep);
	return 0;
}
