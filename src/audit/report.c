/* Audit report: grouping, rows, zapret2's per-host judgement, summary.
 *
 * Rows are kept until the end because a host's connections end at
 * different times; each kept row is a fixed-size copy of the result. */
#include "audit/report.h"

#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "sink/flow_report.h"

struct row {
	struct pw_audit_result r;
	char group[PW_L7_HOST_MAX];	/* host, or the server address */
	uint64_t group_ts;		/* earliest start in the group */
};

struct pw_audit_report {
	struct pw_audit_config cfg;
	bool failed_only;
	struct row *rows;
	size_t n, cap;
	uint64_t total, failed, lost;
	uint64_t by_verdict[PW_AUDIT__COUNT];
	uint64_t base_ts;		/* earliest connection start */
};

struct pw_audit_report *pw_audit_report_new(const struct pw_audit_config *cfg,
					    bool failed_only)
{
	struct pw_audit_report *rep = calloc(1, sizeof(*rep));

	if (!rep)
		return NULL;
	if (cfg)
		rep->cfg = *cfg;
	else
		pw_audit_config_default(&rep->cfg);
	rep->failed_only = failed_only;
	return rep;
}

void pw_audit_report_free(struct pw_audit_report *rep)
{
	if (!rep)
		return;
	free(rep->rows);
	free(rep);
}

void pw_audit_report_add(const struct pw_audit_result *r, void *ctx)
{
	struct pw_audit_report *rep = ctx;
	struct row *row;

	rep->total++;
	if (r->verdict < PW_AUDIT__COUNT)
		rep->by_verdict[r->verdict]++;
	if (r->verdict != PW_AUDIT_OK)
		rep->failed++;
	if (!rep->base_ts || r->flow_first_ts < rep->base_ts)
		rep->base_ts = r->flow_first_ts;
	if (rep->n == rep->cap) {
		size_t cap = rep->cap ? rep->cap * 2 : 64;
		struct row *nr = realloc(rep->rows, cap * sizeof(*nr));

		if (!nr) {
			rep->lost++;
			return;
		}
		rep->rows = nr;
		rep->cap = cap;
	}
	row = &rep->rows[rep->n++];
	row->r = *r;
	if (r->host[0])
		snprintf(row->group, sizeof(row->group), "%s", r->host);
	else
		pw_format_addr(row->group, sizeof(row->group), r->family,
			       r->dst);
	row->group_ts = 0;
}

uint64_t pw_audit_report_total(const struct pw_audit_report *rep)
{
	return rep->total;
}

uint64_t pw_audit_report_failed(const struct pw_audit_report *rep)
{
	return rep->failed;
}

uint64_t pw_audit_report_count(const struct pw_audit_report *rep,
			       enum pw_audit_verdict v)
{
	return (unsigned)v < PW_AUDIT__COUNT ? rep->by_verdict[v] : 0;
}

static int cmp_in_group(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;
	int c = strcmp(a->group, b->group);

	if (c)
		return c;
	if (a->r.flow_first_ts != b->r.flow_first_ts)
		return a->r.flow_first_ts < b->r.flow_first_ts ? -1 : 1;
	return a->r.flow_id < b->r.flow_id ? -1 : a->r.flow_id > b->r.flow_id;
}

/* Groups in order of their first connection, rows in time order. */
static int cmp_groups(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;

	if (a->group_ts != b->group_ts)
		return a->group_ts < b->group_ts ? -1 : 1;
	return cmp_in_group(pa, pb);
}

static void sort_rows(struct pw_audit_report *rep)
{
	size_t i, start;

	if (!rep->n)
		return;
	qsort(rep->rows, rep->n, sizeof(*rep->rows), cmp_in_group);
	for (start = 0; start < rep->n; start = i) {
		uint64_t ts = rep->rows[start].r.flow_first_ts;

		for (i = start; i < rep->n &&
		     !strcmp(rep->rows[i].group, rep->rows[start].group); i++)
			rep->rows[i].group_ts = ts;
	}
	qsort(rep->rows, rep->n, sizeof(*rep->rows), cmp_groups);
}

/* zapret2's autohostlist rule over one host's connections in time order:
 * a failure within fail_time of the previous one adds to the count, a
 * later one starts it again at 1, a success clears it; the host would
 * be listed once the count reaches fail_threshold. Returns the count it
 * was listed at, or 0. */
static uint32_t autohostlist(const struct pw_audit_report *rep,
			     const struct row *rows, size_t n)
{
	uint64_t last_fail = 0;
	uint32_t count = 0;
	size_t i;

	if (!rows[0].r.host[0] || !rep->cfg.fail_threshold)
		return 0;
	for (i = 0; i < n; i++) {
		const struct pw_audit_result *r = &rows[i].r;

		if (r->verdict == PW_AUDIT_OK) {
			count = 0;
			continue;
		}
		if (count && r->last_ts >= last_fail &&
		    r->last_ts - last_fail <= rep->cfg.fail_time_ns)
			count++;
		else
			count = 1;
		last_fail = r->last_ts;
		if (count >= rep->cfg.fail_threshold)
			return count;
	}
	return 0;
}

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp"
								 : "ip";
}

/* "+1.234567s" from the start of the report's first connection. */
static void rel_time(char *buf, size_t len, uint64_t base, uint64_t ts)
{
	uint64_t d = ts > base ? ts - base : 0;

	snprintf(buf, len, "+%" PRIu64 ".%06" PRIu64 "s", d / 1000000000u,
		 d % 1000000000u / 1000u);
}

/* The evidence is a nested object in JSON ({"packets":[..],"first_ts":..,
 * "last_ts":..}), which the flat emit calls do not cover: written here,
 * in the same number formats pw_emit uses. */
static void emit_evidence(struct pw_emit *e, const struct pw_audit_result *r,
			  uint64_t base)
{
	char a[32], b[32], list[PW_AUDIT_EVIDENCE_MAX * 22];
	size_t used = 0;
	uint32_t i;

	if (pw_emit_json(e)) {
		fputs(e->fields++ ? ",\"evidence\":{\"packets\":["
				  : "\"evidence\":{\"packets\":[", e->out);
		for (i = 0; i < r->n_packets; i++)
			fprintf(e->out, "%s%" PRIu64, i ? "," : "",
				r->packets[i]);
		fprintf(e->out, "],\"first_ts\":%" PRIu64 ".%09" PRIu64
			",\"last_ts\":%" PRIu64 ".%09" PRIu64 "}",
			r->first_ts / 1000000000u, r->first_ts % 1000000000u,
			r->last_ts / 1000000000u, r->last_ts % 1000000000u);
		return;
	}
	list[0] = '\0';
	for (i = 0; i < r->n_packets && used < sizeof(list); i++) {
		int w = snprintf(list + used, sizeof(list) - used,
				 "%s#%" PRIu64, i ? "," : "", r->packets[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	rel_time(a, sizeof(a), base, r->first_ts);
	rel_time(b, sizeof(b), base, r->last_ts);
	if (r->first_ts == r->last_ts)
		fprintf(e->out, "%s %s", list, a);
	else
		fprintf(e->out, "%s %s..%s", list, a, b);
}

static void emit_row(struct pw_emit *e, const struct pw_audit_result *r,
		     uint64_t base)
{
	char src[PW_ENDPOINT_MAX], dst[PW_ENDPOINT_MAX];
	bool json = pw_emit_json(e);

	pw_emit_begin(e);
	pw_emit_str(e, "verdict", "  %-17s ",
		    pw_audit_verdict_name((enum pw_audit_verdict)r->verdict));
	pw_emit_str(e, "stage", NULL,
		    pw_audit_stage_name((enum pw_audit_stage)r->stage));
	pw_emit_str(e, "proto", "%-5s ", proto_name(r->proto));
	if (json) {
		pw_emit_str(e, "src", NULL, pw_format_addr(src, sizeof(src),
				r->family, r->src));
		pw_emit_u64(e, "sport", NULL, r->sport);
		pw_emit_str(e, "dst", NULL, pw_format_addr(dst, sizeof(dst),
				r->family, r->dst));
		pw_emit_u64(e, "dport", NULL, r->dport);
		pw_emit_str(e, "host", NULL, r->host[0] ? r->host : NULL);
	} else {
		pw_format_endpoint(src, sizeof(src), r->family, r->src,
				   r->sport);
		pw_format_endpoint(dst, sizeof(dst), r->family, r->dst,
				   r->dport);
		fprintf(e->out, "%-21s -> %-21s ", src, dst);
		fprintf(e->out, "%-18s ",
			pw_audit_stage_name((enum pw_audit_stage)r->stage) ?
			pw_audit_stage_name((enum pw_audit_stage)r->stage) :
			"-");
	}
	/* JSON in the documented field order; text keeps the evidence, of
	 * varying width, in the last column. */
	if (json) {
		emit_evidence(e, r, base);
		pw_emit_str(e, "detail", NULL, r->detail);
	} else {
		pw_emit_str(e, "detail", "%-44s ", r->detail);
		emit_evidence(e, r, base);
	}
	pw_emit_end(e);
}

static void print_group_header(struct pw_audit_report *rep, FILE *out,
			       const struct row *rows, size_t n)
{
	size_t i, failed = 0;
	uint32_t listed = autohostlist(rep, rows, n);

	for (i = 0; i < n; i++)
		failed += rows[i].r.verdict != PW_AUDIT_OK;
	fprintf(out, "%s%s: %zu connection%s, %zu failed", rows[0].group,
		rows[0].r.host[0] ? "" : " (no hostname)", n,
		n == 1 ? "" : "s", failed);
	if (listed)
		fprintf(out, "; zapret2 autohostlist would add it (%" PRIu32
			" failures within %" PRIu64 " s)", listed,
			rep->cfg.fail_time_ns / 1000000000u);
	fputc('\n', out);
}

static void print_summary(struct pw_audit_report *rep, FILE *out)
{
	size_t i, start, n_listed = 0;
	unsigned v, shown = 0;

	fprintf(out, "%" PRIu64 " connection%s, %" PRIu64 " ok, %" PRIu64
		" failed", rep->total, rep->total == 1 ? "" : "s",
		rep->by_verdict[PW_AUDIT_OK], rep->failed);
	for (v = PW_AUDIT_OK + 1; v < PW_AUDIT__COUNT; v++) {
		if (!rep->by_verdict[v])
			continue;
		fprintf(out, "%s%" PRIu64 " %s", shown++ ? ", " : " (",
			rep->by_verdict[v],
			pw_audit_verdict_name((enum pw_audit_verdict)v));
	}
	fputs(shown ? ")\n" : "\n", out);
	for (start = 0; start < rep->n; start = i) {
		for (i = start; i < rep->n && !strcmp(rep->rows[i].group,
						      rep->rows[start].group);
		     i++)
			;
		if (!autohostlist(rep, rep->rows + start, i - start))
			continue;
		fprintf(out, "%s%s", n_listed++ ? ", " :
			"zapret2 autohostlist would add: ",
			rep->rows[start].group);
	}
	if (n_listed)
		fputc('\n', out);
	if (rep->lost)
		fprintf(out, "%" PRIu64 " connections not shown (no memory)\n",
			rep->lost);
}

void pw_audit_report_print(struct pw_audit_report *rep, struct pw_emit *e,
			   FILE *summary_out)
{
	size_t i, start, shown;

	sort_rows(rep);
	if (!pw_emit_json(e))
		fprintf(e->out, "  %-17s %-5s %-21s    %-21s %-18s %-44s %s\n",
			"VERDICT", "PROTO", "CLIENT", "SERVER", "STAGE",
			"DETAIL", "EVIDENCE");
	for (start = 0; start < rep->n; start = i) {
		shown = 0;
		for (i = start; i < rep->n && !strcmp(rep->rows[i].group,
						      rep->rows[start].group);
		     i++)
			shown += !rep->failed_only ||
				 rep->rows[i].r.verdict != PW_AUDIT_OK;
		if (!shown)
			continue;
		if (!pw_emit_json(e))
			print_group_header(rep, e->out, rep->rows + start,
					   i - start);
		for (size_t j = start; j < i; j++) {
			if (rep->failed_only &&
			    rep->rows[j].r.verdict == PW_AUDIT_OK)
				continue;
			emit_row(e, &rep->rows[j].r, rep->base_ts);
		}
	}
	fflush(e->out);
	print_summary(rep, summary_out);
	fflush(summary_out);
}
