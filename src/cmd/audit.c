/* procwire audit: which connections of an application failed, and how. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "audit/report.h"
#include "base/emit.h"
#include "base/log.h"
#include "cmd/cmd.h"
#include "cmd/options.h"
#include "cmd/targets.h"
#include "capture/capture.h"
#include "core/filter.h"
#include "core/pipeline.h"
#include "source/capfile.h"

/* Exit status when at least one connection failed (documented in
 * docs/audit.md): distinct from 1 (damaged input) and 2 (usage). */
#define AUDIT_EXIT_FAILED 3

static void audit_usage(FILE *out)
{
	fprintf(out,
"Usage: procwire audit --read FILE [options] [FILTER EXPRESSION]\n"
"       procwire audit [-w FILE] [options] [TARGETS] [-- CMD [ARGS...]]\n"
"\n"
"Judges every TCP and UDP connection in a capture (pcap or pcapng, \"-\" for\n"
"standard input; best a capture of one application), or live, of one\n"
"application captured as procwire capture does, and names the ones\n"
"that failed and how: syn-timeout, reset (with its stage), icmp-unreachable,\n"
"tls-cut, http-redirect, retransmissions, no-reply, dns-failure,\n"
"udp-silent; the others are ok. Each verdict cites its packets (numbers in\n"
"the file) and times. Rows are grouped by hostname (SNI, Host, DNS).\n"
"\n"
"Options:\n"
"  -r, --read FILE           the capture to audit\n"
"  -w, --write FILE          live: keep the application's packets in this\n"
"                            pcapng file (verdicts cite its frame numbers)\n"
"  -f, --filter EXPR         live: tcpdump expression selecting packets\n"
"  -j, --json                one JSON object per connection (JSON Lines);\n"
"                            the summary goes to standard error\n"
"      --failed              show failed connections only\n"
"      --retrans-threshold N client retransmissions that fail a TCP\n"
"                            connection (default 3)\n"
"      --retrans-maxseq N    count them only in the first N bytes the\n"
"                            client sends (default 32768)\n"
"      --incoming-maxseq N   stop counting once the server sent N bytes\n"
"                            (default 4096)\n"
"      --udp-out N           udp-silent: at least N datagrams out (4)\n"
"      --udp-in N            ... and at most N in (default 1)\n"
"      --redirect-codes LIST HTTP codes that count as redirects\n"
"                            (default 301,302,303,307,308)\n"
"      --fail-threshold N    failures of one host after which zapret2's\n"
"                            autohostlist would add it (default 3)\n"
"      --fail-time S         ... each within S seconds of the previous\n"
"                            (default 60)\n"
"      --max-flows N         connections tracked at once (default 1048576)\n"
"      --timeout-syn S, --timeout-est S, --timeout-fin S, --timeout-udp S\n"
"                            idle times after which a connection is judged\n"
"                            (defaults 60, 300, 60, 60)\n"
"  -h, --help                this text\n"
"\n"
"The filter expression (tcpdump syntax) selects the application's\n"
"packets, e.g. procwire audit -r app.pcapng not port 22\n"
"\n"
"Live (no --read): the kernel hands over the packets of the target's\n"
"sockets only (eBPF cgroup_skb, see procwire capture --help and\n"
"docs/capture.md); the report comes when the capture ends (CMD and its\n"
"children exited, --duration, or SIGINT). ICMP errors reach no socket;\n"
"they are read apart (packet sockets in every network namespace) and\n"
"those quoting the application's connections are kept. Other packets\n"
"that reach no socket are not seen live (a RST for a closed socket).\n"
"Needs root, like procwire capture.\n"
"\n"
"Exit status: 0 every connection ok; 3 at least one failed; 1 the file is\n"
"damaged or unreadable (what was read before is judged and printed first)\n"
"or the live capture failed; 2 wrong options; 126/127 CMD cannot be\n"
"executed / not found.\n"
"\n");
	pw_targets_usage(out);
}

enum {
	OPT_FAILED = 256,
	OPT_RETRANS_THRESHOLD,
	OPT_RETRANS_MAXSEQ,
	OPT_INCOMING_MAXSEQ,
	OPT_UDP_OUT,
	OPT_UDP_IN,
	OPT_REDIRECT_CODES,
	OPT_FAIL_THRESHOLD,
	OPT_FAIL_TIME,
	OPT_MAX_FLOWS,
	OPT_TIMEOUT_SYN,
	OPT_TIMEOUT_EST,
	OPT_TIMEOUT_FIN,
	OPT_TIMEOUT_UDP,
};

static const struct option audit_options[] = {
	{ "read", required_argument, NULL, 'r' },
	{ "write", required_argument, NULL, 'w' },
	{ "filter", required_argument, NULL, 'f' },
	PW_TARGET_OPTIONS,
	{ "json", no_argument, NULL, 'j' },
	{ "failed", no_argument, NULL, OPT_FAILED },
	{ "retrans-threshold", required_argument, NULL, OPT_RETRANS_THRESHOLD },
	{ "retrans-maxseq", required_argument, NULL, OPT_RETRANS_MAXSEQ },
	{ "incoming-maxseq", required_argument, NULL, OPT_INCOMING_MAXSEQ },
	{ "udp-out", required_argument, NULL, OPT_UDP_OUT },
	{ "udp-in", required_argument, NULL, OPT_UDP_IN },
	{ "redirect-codes", required_argument, NULL, OPT_REDIRECT_CODES },
	{ "fail-threshold", required_argument, NULL, OPT_FAIL_THRESHOLD },
	{ "fail-time", required_argument, NULL, OPT_FAIL_TIME },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "timeout-syn", required_argument, NULL, OPT_TIMEOUT_SYN },
	{ "timeout-est", required_argument, NULL, OPT_TIMEOUT_EST },
	{ "timeout-fin", required_argument, NULL, OPT_TIMEOUT_FIN },
	{ "timeout-udp", required_argument, NULL, OPT_TIMEOUT_UDP },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* "302,307": each a 3xx code from 300 to 308. */
static int parse_redirect_codes(const char *val, uint32_t *out)
{
	const char *p = val;
	uint32_t mask = 0;
	char *end;
	long code;

	for (;;) {
		if (*p < '0' || *p > '9')
			goto bad;
		code = strtol(p, &end, 10);
		if (code < 300 || code > 308)
			goto bad;
		mask |= 1u << (code - 300);
		if (!*end)
			break;
		if (*end != ',')
			goto bad;
		p = end + 1;
	}
	*out = mask;
	return 0;
bad:
	cmd_usage_error("audit", "--redirect-codes wants HTTP codes from 300 "
			"to 308 separated by commas, not \"%s\"", val);
	return -1;
}

/* One numeric option into its field. Returns -1 after a usage error. */
static int set_number(int opt, const char *val,
		      struct pw_audit_config *acfg,
		      struct pw_pipeline_config *pcfg)
{
	char name[40];
	uint64_t v;

	pw_opt_long_name(audit_options, opt, name, sizeof(name));
	switch (opt) {
	case OPT_FAIL_TIME:
		if (pw_opt_seconds_ns("audit", name, val, &v) < 0)
			return -1;
		acfg->fail_time_ns = v;
		return 0;
	case OPT_TIMEOUT_SYN:
	case OPT_TIMEOUT_EST:
	case OPT_TIMEOUT_FIN:
	case OPT_TIMEOUT_UDP:
		if (pw_opt_seconds_ns("audit", name, val, &v) < 0)
			return -1;
		if (opt == OPT_TIMEOUT_SYN)
			pcfg->flow.timeout_syn_ns = v;
		else if (opt == OPT_TIMEOUT_EST)
			pcfg->flow.timeout_est_ns = v;
		else if (opt == OPT_TIMEOUT_FIN)
			pcfg->flow.timeout_fin_ns = v;
		else
			pcfg->flow.timeout_udp_ns = v;
		return 0;
	}
	/* Thresholds may be 0 where 0 means something (udp-in 0: not a
	 * single reply); counts that must be met start at 1. */
	if (pw_opt_u64("audit", name, val,
		       opt == OPT_UDP_IN || opt == OPT_INCOMING_MAXSEQ ? 0 : 1,
		       UINT32_MAX, &v) < 0)
		return -1;
	switch (opt) {
	case OPT_RETRANS_THRESHOLD:
		acfg->retrans_threshold = (uint32_t)v;
		break;
	case OPT_RETRANS_MAXSEQ:
		acfg->retrans_maxseq = (uint32_t)v;
		break;
	case OPT_INCOMING_MAXSEQ:
		acfg->incoming_maxseq = (uint32_t)v;
		break;
	case OPT_UDP_OUT:
		acfg->udp_out = (uint32_t)v;
		break;
	case OPT_UDP_IN:
		acfg->udp_in = (uint32_t)v;
		break;
	case OPT_FAIL_THRESHOLD:
		acfg->fail_threshold = (uint32_t)v;
		break;
	case OPT_MAX_FLOWS:
		pcfg->flow.max_flows = (uint32_t)v;
		break;
	}
	return 0;
}

struct audit_run {
	struct pw_pipeline *pl;	/* --read only; live uses the capture's */
	struct pw_audit *audit;
	struct pw_filter *filter;
};

/* Reads every packet; returns pw_capfile_next's last result. */
static int audit_packets(struct audit_run *run, struct pw_capfile *cf,
			 struct pw_error *err)
{
	struct pw_pipeline_result res;
	struct pw_packet pkt;
	int r;

	while ((r = pw_capfile_next(cf, &pkt, err)) > 0) {
		if (run->filter) {
			struct pw_error ferr;
			int m = pw_filter_match(run->filter, &pkt, &ferr);

			if (m < 0)
				pw_warn("%s; packets of that link type are "
					"skipped", ferr.msg);
			if (m <= 0)
				continue;
		}
		pw_pipeline_feed(run->pl, &pkt, &res);
		pw_audit_packet(run->audit, pw_pipeline_flows(run->pl), &pkt,
				&res);
	}
	return r;
}

/* Live: the capture's own pipeline result for each captured packet,
 * numbered as in the -w file, and its flows as they end. */
static void audit_live_packet(const struct pw_packet *pkt,
			      const struct pw_pipeline_result *res,
			      struct pw_flow_table *flows, void *ctx)
{
	struct audit_run *run = ctx;

	pw_audit_packet(run->audit, flows, pkt, res);
}

static void audit_live_flow_end(struct pw_flow *flow, enum pw_flow_end why,
				void *ctx)
{
	struct audit_run *run = ctx;

	pw_audit_on_flow_end(flow, why, run->audit);
}

/* Runs the capture (it flushes its flows into the audit before it
 * returns); returns its exit status. */
static int audit_live(struct audit_run *run, struct pw_targets *t,
		      const struct pw_pipeline_config *pcfg,
		      const char *wpath, const char *filter)
{
	struct pw_capture_opts o;

	pw_capture_opts_init(&o);
	pw_targets_apply(t, &o);
	o.out_path = wpath;
	o.filter = filter;
	o.quiet = true;		/* the audit report replaces the summary */
	o.pipeline = pcfg;
	o.on_packet = audit_live_packet;
	o.on_flow_end = audit_live_flow_end;
	o.ctx = run;
	return pw_capture_run(&o);
}

int cmd_audit_main(int argc, char **argv)
{
	struct pw_pipeline_config pcfg;
	struct pw_audit_config acfg;
	struct audit_run run = { 0 };
	struct pw_audit_report *rep = NULL;
	struct pw_capfile *cf = NULL;
	struct pw_error err;
	struct pw_emit emit;
	enum pw_emit_mode mode = PW_EMIT_TEXT;
	const char *path = NULL, *wpath = NULL, *live_filter = NULL;
	struct pw_targets t;
	bool failed_only = false, live = false;
	char *expr = NULL;
	int ret = PW_EXIT_FAILURE, opt, r;

	pw_pipeline_config_default(&pcfg);
	pw_audit_config_default(&acfg);
	pw_error_clear(&err);
	if (pw_targets_init(&t, argc) < 0) {
		pw_targets_free(&t);
		return PW_EXIT_FAILURE;
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv,
				  "+r:w:f:jh" PW_TARGET_SHORTOPTS,
				  audit_options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			path = optarg;
			break;
		case 'w':
			wpath = optarg;
			break;
		case 'f':
			live_filter = optarg;
			break;
		case 'j':
			mode = PW_EMIT_JSON;
			break;
		case OPT_FAILED:
			failed_only = true;
			break;
		case OPT_REDIRECT_CODES:
			if (parse_redirect_codes(optarg,
						 &acfg.redirect_codes) < 0)
				goto usage;
			break;
		case 'h':
			audit_usage(stdout);
			ret = PW_EXIT_OK;
			goto out;
		case '?':
			cmd_usage_error("audit", "unknown option");
			goto usage;
		default:
			r = pw_targets_option(&t, "audit", opt, optarg);
			if (r < 0)
				goto usage;
			if (r == 0 && set_number(opt, optarg, &acfg, &pcfg) < 0)
				goto usage;
			if (r > 0)
				live = true;
			break;
		}
	}
	if (path && (live || wpath || live_filter)) {
		cmd_usage_error("audit", "--read audits a file; -w, -f and "
				"the target options are for a live audit");
		goto usage;
	}
	if (!path && !live && optind >= argc) {
		cmd_usage_error("audit", "missing --read FILE, or a target to "
				"audit live (-- CMD, --pid, --name, --cgroup)");
		goto usage;
	}
	if (!path && pw_targets_finish(&t, "audit", argc, argv, optind) < 0)
		goto usage;

	if (path && optind < argc) {
		expr = pw_filter_join_args(argc - optind, argv + optind);
		if (!expr) {
			pw_err("out of memory");
			goto out;
		}
		run.filter = pw_filter_new(expr, &err);
		if (!run.filter) {
			pw_log_error(&err);
			ret = PW_EXIT_USAGE;
			goto out;
		}
	}

	if (path) {
		cf = pw_capfile_open(path, &err);
		if (!cf) {
			pw_log_error(&err);
			goto out;
		}
	}
	rep = pw_audit_report_new(&acfg, failed_only);
	run.audit = pw_audit_new(&acfg, pw_audit_report_add, rep);
	if (!rep || !run.audit) {
		pw_err("out of memory");
		goto out;
	}

	if (cf) {
		pcfg.flow.on_end = pw_audit_on_flow_end;
		pcfg.flow.ctx = run.audit;
		run.pl = pw_pipeline_new(&pcfg);
		if (!run.pl) {
			pw_err("out of memory");
			goto out;
		}
		r = audit_packets(&run, cf, &err);
		pw_pipeline_finish(run.pl);
	} else {
		/* The capture's pipeline feeds the audit: one pass. */
		r = audit_live(&run, &t, &pcfg, wpath, live_filter);
		if (r != PW_EXIT_OK && !pw_audit_active(run.audit) &&
		    !pw_audit_report_total(rep)) {
			ret = r;	/* nothing captured: no report */
			goto out;
		}
	}
	pw_emit_init(&emit, stdout, mode);
	pw_audit_report_print(rep, &emit, mode == PW_EMIT_JSON ? stderr
							       : stdout);
	if (cf && r < 0) {
		pw_log_error(&err);
		goto out;
	}
	if (!cf && r != PW_EXIT_OK) {
		ret = r;
		goto out;
	}
	ret = pw_audit_report_failed(rep) ? AUDIT_EXIT_FAILED : PW_EXIT_OK;
	goto out;
usage:
	ret = PW_EXIT_USAGE;
out:
	pw_targets_free(&t);
	pw_pipeline_free(run.pl);
	pw_audit_free(run.audit);
	pw_audit_report_free(rep);
	pw_capfile_close(cf);
	pw_filter_free(run.filter);
	free(expr);
	return ret;
}
