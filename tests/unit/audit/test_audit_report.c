/* Audit report: grouping by host, zapret2's per-host autohostlist rule
 * (threshold, time window, reset by a success), the summary line and the
 * exact JSON of one connection. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/report.h"
#include "base/bytes.h"
#include "tap.h"

#define NS 1000000000ull
#define T0 (1700000000ull * NS)

static struct pw_audit_result mk(uint64_t id, const char *host,
				 enum pw_audit_verdict v, uint64_t ts)
{
	struct pw_audit_result r;

	memset(&r, 0, sizeof(r));
	r.flow_id = id;
	r.verdict = (uint8_t)v;
	r.stage = v == PW_AUDIT_RESET ? PW_STAGE_AFTER_CLIENT_HELLO
				      : PW_STAGE_NONE;
	r.family = 4;
	r.proto = IPPROTO_TCP;
	pw_put_be32(r.src, 0x0a000001u);
	pw_put_be32(r.dst, 0x0a000002u);
	r.sport = (uint16_t)(40000 + id);
	r.dport = 443;
	r.flow_first_ts = r.first_ts = ts;
	r.flow_last_ts = r.last_ts = ts + NS / 2;
	r.n_packets = 2;
	r.packets[0] = id * 10;
	r.packets[1] = id * 10 + 3;
	snprintf(r.host, sizeof(r.host), "%s", host);
	snprintf(r.detail, sizeof(r.detail), "d%llu", (unsigned long long)id);
	return r;
}

/* Prints the report; returns the heap text (rows) and the summary. */
static char *render(struct pw_audit_report *rep, enum pw_emit_mode mode,
		    char **summary)
{
	char *rows = NULL, *sum = NULL;
	size_t rl = 0, sl = 0;
	FILE *ro = open_memstream(&rows, &rl), *so = open_memstream(&sum, &sl);
	struct pw_emit e;

	pw_emit_init(&e, ro, mode);
	pw_audit_report_print(rep, &e, so);
	fclose(ro);
	fclose(so);
	*summary = sum;
	return rows;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

static void dump(const char *what, const char *text)
{
	const char *p = text, *nl;

	tap_diag("%s:", what);
	while (p && *p) {
		nl = strchr(p, '\n');
		tap_diag("%.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
		p = nl ? nl + 1 : NULL;
	}
}

static void add(struct pw_audit_report *rep, uint64_t id, const char *host,
		enum pw_audit_verdict v, uint64_t ts)
{
	struct pw_audit_result r = mk(id, host, v, ts);

	pw_audit_report_add(&r, rep);
}

static void test_autohostlist(void)
{
	struct pw_audit_report *rep = pw_audit_report_new(NULL, false);
	struct pw_audit_result r;
	char *rows, *sum;
	bool ok = true;

	/* blocked.test: three failures, each within 60 s of the previous. */
	add(rep, 1, "blocked.test", PW_AUDIT_RESET, T0);
	add(rep, 2, "blocked.test", PW_AUDIT_SYN_TIMEOUT, T0 + 50 * NS);
	add(rep, 3, "blocked.test", PW_AUDIT_TLS_CUT, T0 + 110 * NS);
	/* slow.test: three failures, the third 61 s after the second. */
	add(rep, 4, "slow.test", PW_AUDIT_RESET, T0 + 1 * NS);
	add(rep, 5, "slow.test", PW_AUDIT_RESET, T0 + 2 * NS);
	add(rep, 6, "slow.test", PW_AUDIT_RESET, T0 + 63 * NS);
	/* flaky.test: fail, fail, ok, fail: the success clears the count. */
	add(rep, 7, "flaky.test", PW_AUDIT_RESET, T0 + 3 * NS);
	add(rep, 8, "flaky.test", PW_AUDIT_RESET, T0 + 4 * NS);
	add(rep, 9, "flaky.test", PW_AUDIT_OK, T0 + 5 * NS);
	add(rep, 10, "flaky.test", PW_AUDIT_RESET, T0 + 6 * NS);
	/* No host: grouped by the server address, never listed. */
	r = mk(11, "", PW_AUDIT_UDP_SILENT, T0 + 7 * NS);
	r.proto = IPPROTO_UDP;
	pw_audit_report_add(&r, rep);

	tap_eq_u64(pw_audit_report_total(rep), 11, "total");
	tap_eq_u64(pw_audit_report_failed(rep), 10, "failed");
	tap_eq_u64(pw_audit_report_count(rep, PW_AUDIT_RESET), 7, "resets");

	rows = render(rep, PW_EMIT_TEXT, &sum);
	ok &= tap_ok(has_line(rows, "blocked.test: 3 connections, 3 failed; "
			      "zapret2 autohostlist would add it (3 failures "
			      "within 60 s)"), "blocked.test listed");
	ok &= tap_ok(has_line(rows, "slow.test: 3 connections, 3 failed"),
		     "slow.test not listed (61 s gap)");
	ok &= tap_ok(has_line(rows, "flaky.test: 4 connections, 3 failed"),
		     "flaky.test not listed (success between)");
	ok &= tap_ok(has_line(rows, "10.0.0.2 (no hostname): 1 connection, "
			      "1 failed"),
		     "no hostname: grouped by server address");
	ok &= tap_ok(strstr(rows, "blocked.test:") <
		     strstr(rows, "slow.test:") &&
		     strstr(rows, "slow.test:") < strstr(rows, "flaky.test:") &&
		     strstr(rows, "flaky.test:") < strstr(rows, "10.0.0.2 ("),
		     "groups ordered by first connection");
	ok &= tap_ok(has_line(rows, "  reset             tcp   10.0.0.1:40001"
			      "        -> 10.0.0.2:443          after-client-"
			      "hello d1                                       "
			      "    #10,#13 +0.000000s..+0.500000s"),
		     "text row layout");
	ok &= tap_ok(has_line(sum, "11 connections, 1 ok, 10 failed (7 reset, "
			      "1 syn-timeout, 1 tls-cut, 1 udp-silent)"),
		     "summary line");
	ok &= tap_ok(has_line(sum, "zapret2 autohostlist would add: "
			      "blocked.test"), "summary names the listed host");
	if (!ok) {
		dump("rows", rows);
		dump("summary", sum);
	}
	free(rows);
	free(sum);
	pw_audit_report_free(rep);
}

/* Two failures in one second: listed with --fail-threshold 2, and not
 * with a window shorter than their gap. */
static void test_autohostlist_options(void)
{
	struct pw_audit_config cfg;
	struct pw_audit_report *rep;
	char *rows, *sum;

	pw_audit_config_default(&cfg);
	cfg.fail_threshold = 2;
	rep = pw_audit_report_new(&cfg, false);
	add(rep, 1, "two.test", PW_AUDIT_RESET, T0);
	add(rep, 2, "two.test", PW_AUDIT_RESET, T0 + NS);
	rows = render(rep, PW_EMIT_TEXT, &sum);
	tap_ok(has_line(rows, "two.test: 2 connections, 2 failed; zapret2 "
			"autohostlist would add it (2 failures within 60 s)"),
	       "fail-threshold 2");
	free(rows);
	free(sum);
	pw_audit_report_free(rep);

	cfg.fail_time_ns = NS / 2;
	rep = pw_audit_report_new(&cfg, false);
	add(rep, 1, "two.test", PW_AUDIT_RESET, T0);
	add(rep, 2, "two.test", PW_AUDIT_RESET, T0 + NS);
	rows = render(rep, PW_EMIT_TEXT, &sum);
	tap_ok(has_line(rows, "two.test: 2 connections, 2 failed"),
	       "fail-time 0.5 s: a 1 s gap restarts the count");
	free(rows);
	free(sum);
	pw_audit_report_free(rep);
}

static void test_json_and_failed_only(void)
{
	struct pw_audit_report *rep = pw_audit_report_new(NULL, true);
	struct pw_audit_result r;
	char *rows, *sum;

	add(rep, 1, "good.test", PW_AUDIT_OK, T0);
	r = mk(2, "", PW_AUDIT_DNS_FAILURE, T0 + NS);
	r.proto = IPPROTO_UDP;
	r.dport = 53;
	snprintf(r.detail, sizeof(r.detail), "NXDOMAIN \"x\".test A");
	pw_audit_report_add(&r, rep);
	rows = render(rep, PW_EMIT_JSON, &sum);
	tap_eq_str(rows, "{\"verdict\":\"dns-failure\",\"stage\":null,"
		   "\"proto\":\"udp\",\"src\":\"10.0.0.1\",\"sport\":40002,"
		   "\"dst\":\"10.0.0.2\",\"dport\":53,\"host\":null,"
		   "\"evidence\":{\"packets\":[20,23],"
		   "\"first_ts\":1700000001.000000000,"
		   "\"last_ts\":1700000001.500000000},"
		   "\"detail\":\"NXDOMAIN \\\"x\\\".test A\"}\n",
		   "json object, ok rows hidden by --failed");
	tap_eq_str(sum, "2 connections, 1 ok, 1 failed (1 dns-failure)\n",
		   "summary counts hidden rows");
	free(rows);
	free(sum);
	pw_audit_report_free(rep);
}

int main(void)
{
	test_autohostlist();
	test_autohostlist_options();
	test_json_and_failed_only();
	return tap_done();
}
