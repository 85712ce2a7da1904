/* procwire read: the flow table of a capture file. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/emit.h"
#include "base/log.h"
#include "cmd/cmd.h"
#include "cmd/options.h"
#include "core/filter.h"
#include "core/pipeline.h"
#include "sink/flow_report.h"
#include "source/capfile.h"

static void read_usage(FILE *out)
{
	fprintf(out,
"Usage: procwire read [options] FILE [FILTER EXPRESSION]\n"
"\n"
"Reads a pcap or pcapng file (\"-\" for standard input) and prints its flows:\n"
"protocol, client and server, packets and payload bytes each way, TCP\n"
"state, duration, application protocol and hostname, then totals.\n"
"\n"
"Options:\n"
"  -j, --json              one JSON object per flow (JSON Lines); totals go\n"
"                          to standard error\n"
"  -c, --count N           stop after N packets\n"
"      --max-flows N       flows tracked at once before the oldest idle one\n"
"                          is evicted (default 1048576)\n"
"      --timeout-syn S     seconds a half-open TCP flow lives (default 60)\n"
"      --timeout-est S     seconds an idle established flow lives (300)\n"
"      --timeout-fin S     seconds a closing TCP flow lives (60)\n"
"      --timeout-udp S     seconds an idle UDP/ICMP flow lives (60)\n"
"      --no-l7             skip protocol and hostname detection\n"
"      --verify-checksums  count packets with bad IP/TCP/UDP checksums\n"
"  -h, --help              this text\n"
"\n"
"The filter expression uses tcpdump's syntax (pcap-filter(7)), e.g.\n"
"  procwire read trace.pcapng tcp port 443\n"
"\n"
"Exit status: 0 read to the end; 1 the file is damaged or unreadable (flows\n"
"before the damage are printed first); 2 wrong options.\n");
}

struct read_ctx {
	struct pw_emit emit;
};

static void on_flow_end(struct pw_flow *flow, enum pw_flow_end why, void *ctx)
{
	struct read_ctx *rc = ctx;

	pw_flow_report_flow(&rc->emit, flow, why);
}

enum {
	OPT_MAX_FLOWS = 256,
	OPT_TIMEOUT_SYN,
	OPT_TIMEOUT_EST,
	OPT_TIMEOUT_FIN,
	OPT_TIMEOUT_UDP,
	OPT_NO_L7,
	OPT_VERIFY_CSUM,
};

static const struct option read_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "count", required_argument, NULL, 'c' },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "timeout-syn", required_argument, NULL, OPT_TIMEOUT_SYN },
	{ "timeout-est", required_argument, NULL, OPT_TIMEOUT_EST },
	{ "timeout-fin", required_argument, NULL, OPT_TIMEOUT_FIN },
	{ "timeout-udp", required_argument, NULL, OPT_TIMEOUT_UDP },
	{ "no-l7", no_argument, NULL, OPT_NO_L7 },
	{ "verify-checksums", no_argument, NULL, OPT_VERIFY_CSUM },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_read_main(int argc, char **argv)
{
	struct pw_pipeline_config cfg;
	struct pw_pipeline *pl = NULL;
	struct pw_capfile *cf = NULL;
	struct pw_filter *filter = NULL;
	struct pw_flow_stats fstats;
	struct read_ctx rc;
	struct pw_packet pkt;
	struct pw_error err;
	enum pw_emit_mode mode = PW_EMIT_TEXT;
	uint64_t max_packets = UINT64_MAX, n = 0;
	char *expr = NULL, name[32];
	int ret = PW_EXIT_FAILURE, opt, r = 0;
	uint64_t v;

	pw_pipeline_config_default(&cfg);
	pw_error_clear(&err);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+jc:h", read_options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			mode = PW_EMIT_JSON;
			break;
		case 'c':
			if (pw_opt_u64("read", "--count", optarg, 1, UINT64_MAX,
				       &max_packets) < 0)
				return PW_EXIT_USAGE;
			break;
		case OPT_MAX_FLOWS:
			if (pw_opt_u64("read", "--max-flows", optarg, 1,
				       UINT32_MAX, &v) < 0)
				return PW_EXIT_USAGE;
			cfg.flow.max_flows = (uint32_t)v;
			break;
		case OPT_TIMEOUT_SYN:
		case OPT_TIMEOUT_EST:
		case OPT_TIMEOUT_FIN:
		case OPT_TIMEOUT_UDP:
			if (pw_opt_seconds_ns("read",
					      pw_opt_long_name(read_options, opt,
							       name, sizeof(name)),
					      optarg, &v) < 0)
				return PW_EXIT_USAGE;
			if (opt == OPT_TIMEOUT_SYN)
				cfg.flow.timeout_syn_ns = v;
			else if (opt == OPT_TIMEOUT_EST)
				cfg.flow.timeout_est_ns = v;
			else if (opt == OPT_TIMEOUT_FIN)
				cfg.flow.timeout_fin_ns = v;
			else
				cfg.flow.timeout_udp_ns = v;
			break;
		case OPT_NO_L7:
			cfg.detect_l7 = false;
			break;
		case OPT_VERIFY_CSUM:
			cfg.verify_checksums = true;
			break;
		case 'h':
			read_usage(stdout);
			return PW_EXIT_OK;
		default:
			return cmd_usage_error("read", "unknown option");
		}
	}
	if (optind >= argc)
		return cmd_usage_error("read", "missing FILE to read");

	if (optind + 1 < argc) {
		expr = pw_filter_join_args(argc - optind - 1, argv + optind + 1);
		if (!expr) {
			pw_err("out of memory");
			goto out;
		}
		filter = pw_filter_new(expr, &err);
		if (!filter) {
			pw_log_error(&err);
			ret = PW_EXIT_USAGE;
			goto out;
		}
	}

	cf = pw_capfile_open(argv[optind], &err);
	if (!cf) {
		pw_log_error(&err);
		goto out;
	}

	pw_emit_init(&rc.emit, stdout, mode);
	cfg.flow.on_end = on_flow_end;
	cfg.flow.ctx = &rc;
	pl = pw_pipeline_new(&cfg);
	if (!pl) {
		pw_err("out of memory");
		goto out;
	}
	pw_flow_report_header(&rc.emit);

	while (n < max_packets && (r = pw_capfile_next(cf, &pkt, &err)) > 0) {
		n++;
		if (filter) {
			struct pw_error ferr;
			int m = pw_filter_match(filter, &pkt, &ferr);

			if (m < 0)
				pw_warn("%s; packets of that link type are "
					"skipped", ferr.msg);
			if (m <= 0)
				continue;
		}
		pw_pipeline_feed(pl, &pkt, NULL);
	}
	pw_pipeline_finish(pl);
	pw_flow_table_stats(pw_pipeline_flows(pl), &fstats);
	pw_flow_report_totals(mode == PW_EMIT_JSON ? stderr : stdout,
			      pw_pipeline_stats(pl), &fstats);
	fflush(stdout);
	if (n < max_packets && r < 0) {
		pw_log_error(&err);
		goto out;
	}
	ret = PW_EXIT_OK;
out:
	pw_pipeline_free(pl);
	pw_capfile_close(cf);
	pw_filter_free(filter);
	free(expr);
	return ret;
}
