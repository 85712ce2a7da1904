/* procwire capture: record one application's traffic to pcapng with the
 * owning process on every packet. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "capture/capture.h"
#include "cmd/cmd.h"
#include "cmd/options.h"
#include "cmd/targets.h"

static void capture_usage(FILE *out)
{
	fprintf(out,
"Usage: procwire capture -w FILE [options] [TARGETS] [-- CMD [ARGS...]]\n"
"\n"
"Records the packets of one application to a pcapng file, the owning\n"
"process on every packet (pid and tid as epb_processid_threadid, and a\n"
"comment \"pid=P tid=T comm=C exe=E cmd=A\"). The kernel selects the\n"
"packets (eBPF cgroup_skb hooks reading each socket's owner): other\n"
"applications' traffic is never copied. Link type RAW (IP packets), one\n"
"interface per (network namespace, device) seen.\n"
"\n");
	pw_targets_usage(out);
	fprintf(out,
"\n"
"Options:\n"
"  -w, --write FILE        pcapng output (required); '-' writes to standard\n"
"                          output (e.g. | tshark -r -, | wireshark -k -i -)\n"
"  -f, --filter EXPR       tcpdump filter expression on the IP packets\n"
"  -s, --snaplen N         bytes kept per packet (default 262144)\n"
"      --headers-only      keep IP and TCP/UDP/ICMP headers, no payload\n"
"      --ringbuf-size N    kernel ring buffer bytes (default 33554432)\n"
"      --wakeup-bytes N    wake procwire when N bytes of packets wait in\n"
"                          the ring (or a socket's first packet comes),\n"
"                          else every 50 ms (default 1048576; 0: at every\n"
"                          packet, more CPU at high rates)\n"
"      --format FMT        pcapng (default) or pcap: classic pcap, link\n"
"                          type RAW, and FILE.flows.jsonl beside it with\n"
"                          one JSON object per flow and its owner (pid,\n"
"                          comm, exe, cmdline)\n"
"  -C SIZE                 new file when the current one would exceed SIZE\n"
"                          megabytes (1000000 bytes): FILE, FILE1, FILE2...\n"
"  -G SECS                 new file every SECS seconds; FILE may contain\n"
"                          strftime(3) conversions (e.g. cap-%%H%%M%%S.pcapng)\n"
"  -W N                    with -C: a ring of N files FILE0..FILE<N-1>\n"
"                          (numbers padded to the same width); with -G\n"
"                          alone: stop after N files\n"
"  -j, --json              summary as JSON Lines\n"
"  -q, --quiet             no summary, only the totals line\n"
"  -v, --verbose           more diagnostics\n"
"  -h, --help              this text\n"
"\n"
"At the end: the flows (one row each, with the pid and command that own\n"
"its packets) and a row per process, on standard output (standard error\n"
"with -w -), then a totals line on standard error: packets written,\n"
"dropped in the kernel (ring buffer full), dropped in procwire. The drops\n"
"are also in the file (isb_ifdrop of the first interface).\n"
"\n"
"SIGINT/SIGTERM stop the capture cleanly: the file is finished and the\n"
"cgroup removed. With CMD the signal is passed on to the command's\n"
"processes, which get the grace period to exit; a command still running\n"
"at the end (--duration, or a signal it ignores) keeps running outside\n"
"the capture. A killed procwire leaves a file valid up to its last\n"
"packet.\n"
"\n"
"Needs root or CAP_BPF+CAP_NET_ADMIN+CAP_PERFMON (CAP_SYS_ADMIN for CMD's\n"
"cgroup) and a kernel with BTF.\n"
"\n"
"Exit status: 0 done; 1 cannot start or write (the file is named); 2 wrong\n"
"options; 126 CMD cannot be executed; 127 CMD not found.\n");
}

enum {
	OPT_HEADERS_ONLY = 256,
	OPT_RINGBUF,
	OPT_FORMAT,
	OPT_WAKEUP,
};

static const struct option capture_options[] = {
	{ "write", required_argument, NULL, 'w' },
	{ "filter", required_argument, NULL, 'f' },
	{ "snaplen", required_argument, NULL, 's' },
	{ "headers-only", no_argument, NULL, OPT_HEADERS_ONLY },
	{ "ringbuf-size", required_argument, NULL, OPT_RINGBUF },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "wakeup-bytes", required_argument, NULL, OPT_WAKEUP },
	{ "json", no_argument, NULL, 'j' },
	PW_TARGET_OPTIONS,
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_capture_main(int argc, char **argv)
{
	struct pw_capture_opts o;
	struct pw_targets t;
	uint64_t v;
	int ret = PW_EXIT_USAGE, opt, verbose = 0, r;

	pw_capture_opts_init(&o);
	if (pw_targets_init(&t, argc) < 0) {
		ret = PW_EXIT_FAILURE;
		goto out;
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv,
				  "+w:f:s:C:G:W:jqvh" PW_TARGET_SHORTOPTS,
				  capture_options, NULL)) != -1) {
		switch (opt) {
		case 'w':
			o.out_path = optarg;
			break;
		case 'f':
			o.filter = optarg;
			break;
		case 's':
			if (pw_opt_u64("capture", "--snaplen", optarg, 64,
				       262144, &v) < 0)
				goto out;
			o.snaplen = (uint32_t)v;
			break;
		case OPT_HEADERS_ONLY:
			o.headers_only = true;
			break;
		case OPT_RINGBUF:
			if (pw_opt_u64("capture", "--ringbuf-size", optarg,
				       1u << 20, 1u << 30, &v) < 0)
				goto out;
			o.ringbuf_bytes = (uint32_t)v;
			break;
		case OPT_WAKEUP:
			if (pw_opt_u64("capture", "--wakeup-bytes", optarg, 0,
				       1u << 30, &v) < 0)
				goto out;
			o.wakeup_bytes = (uint32_t)v;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "pcap") && strcmp(optarg, "pcapng")) {
				cmd_usage_error("capture", "--format '%s': "
						"pcapng or pcap", optarg);
				goto out;
			}
			o.pcap = !strcmp(optarg, "pcap");
			break;
		case 'C':
			if (pw_opt_u64("capture", "-C", optarg, 1, 1000000,
				       &v) < 0)
				goto out;
			o.rotate_bytes = v * 1000000u;
			break;
		case 'G':
			if (pw_opt_u64("capture", "-G", optarg, 1,
				       UINT32_MAX, &v) < 0)
				goto out;
			o.rotate_secs = v;
			break;
		case 'W':
			if (pw_opt_u64("capture", "-W", optarg, 1, 1000000,
				       &v) < 0)
				goto out;
			o.max_files = (uint32_t)v;
			break;
		case 'j':
			o.json = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			capture_usage(stdout);
			ret = PW_EXIT_OK;
			goto out;
		default:
			r = opt == '?' ? 0 :
			    pw_targets_option(&t, "capture", opt, optarg);
			if (r < 0)
				goto out;
			if (r == 0) {
				cmd_usage_error("capture", "unknown option");
				goto out;
			}
			break;
		}
	}
	if (!o.out_path) {
		cmd_usage_error("capture", "-w FILE is required ('-w -' for "
				"standard output)");
		goto out;
	}
	if ((o.rotate_bytes || o.rotate_secs) && !strcmp(o.out_path, "-")) {
		cmd_usage_error("capture", "-C and -G need a file, not '-w -'");
		goto out;
	}
	if (o.max_files && !o.rotate_bytes && !o.rotate_secs) {
		cmd_usage_error("capture", "-W needs -C or -G");
		goto out;
	}
	if (pw_targets_finish(&t, "capture", argc, argv, optind) < 0)
		goto out;
	if (verbose)
		pw_log_verbosity = verbose > 1 ? PW_LOG_DEBUG : PW_LOG_INFO;
	pw_targets_apply(&t, &o);
	ret = pw_capture_run(&o);
out:
	pw_targets_free(&t);
	return ret;
}
