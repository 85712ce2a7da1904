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
"\n"
"Targets (several may be combined):\n"
"  -- CMD [ARGS...]        run CMD in a new cgroup and capture it and every\n"
"                          process it starts, from its first packet; the\n"
"                          capture ends when all of them have exited (after\n"
"                          the grace period). Under sudo CMD runs as the\n"
"                          calling user (SUDO_UID/SUDO_GID).\n"
"  -p, --pid PID[,PID...]  running processes (and the processes they start,\n"
"                          unless --no-follow); sockets they already hold\n"
"                          are captured too\n"
"  -n, --name NAME         every process with this command name (comm, at\n"
"                          most 15 bytes), running now or started later\n"
"      --cgroup CG         processes of this cgroup v2 (path under the\n"
"                          cgroup v2 root, or numeric id; not its children)\n"
"\n"
"Options:\n"
"  -w, --write FILE        pcapng output (required); '-' writes to standard\n"
"                          output (e.g. | tshark -r -, | wireshark -k -i -)\n"
"  -f, --filter EXPR       tcpdump filter expression on the IP packets\n"
"  -s, --snaplen N         bytes kept per packet (default 262144)\n"
"      --headers-only      keep IP and TCP/UDP/ICMP headers, no payload\n"
"      --loopback          also packets on lo (left out by default)\n"
"      --no-follow         with --pid: not the processes they start\n"
"  -d, --duration SECS     stop after SECS seconds\n"
"      --grace SECS        with CMD: keep capturing SECS after its last\n"
"                          process exited, for closing handshakes (1)\n"
"      --ringbuf-size N    kernel ring buffer bytes (default 33554432)\n"
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
	OPT_CGROUP = 256,
	OPT_HEADERS_ONLY,
	OPT_LOOPBACK,
	OPT_NO_FOLLOW,
	OPT_GRACE,
	OPT_RINGBUF,
};

static const struct option capture_options[] = {
	{ "write", required_argument, NULL, 'w' },
	{ "filter", required_argument, NULL, 'f' },
	{ "pid", required_argument, NULL, 'p' },
	{ "name", required_argument, NULL, 'n' },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "snaplen", required_argument, NULL, 's' },
	{ "headers-only", no_argument, NULL, OPT_HEADERS_ONLY },
	{ "loopback", no_argument, NULL, OPT_LOOPBACK },
	{ "no-follow", no_argument, NULL, OPT_NO_FOLLOW },
	{ "duration", required_argument, NULL, 'd' },
	{ "grace", required_argument, NULL, OPT_GRACE },
	{ "ringbuf-size", required_argument, NULL, OPT_RINGBUF },
	{ "json", no_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Appends the comma-separated pids of list. */
static int add_pids(const char *list, uint32_t *pids, size_t *n, size_t cap)
{
	char *copy = strdup(list), *tok, *save = NULL;
	uint64_t v;
	int ret = -1;

	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (pw_opt_u64("capture", "--pid", tok, 1, UINT32_MAX, &v) < 0)
			goto out;
		if (*n == cap) {
			cmd_usage_error("capture", "too many pids");
			goto out;
		}
		pids[(*n)++] = (uint32_t)v;
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

#define MAX_PIDS 1024

int cmd_capture_main(int argc, char **argv)
{
	struct pw_capture_opts o;
	const char **names = NULL, **cgroups = NULL;
	uint32_t *pids = NULL;
	size_t npids = 0;
	uint64_t v;
	int ret = PW_EXIT_USAGE, opt, verbose = 0;

	memset(&o, 0, sizeof(o));
	o.follow = true;
	o.grace_ns = 1000000000ull;
	names = calloc((size_t)argc, sizeof(*names));
	cgroups = calloc((size_t)argc, sizeof(*cgroups));
	pids = calloc(MAX_PIDS, sizeof(*pids));
	if (!names || !cgroups || !pids) {
		pw_err("out of memory");
		ret = PW_EXIT_FAILURE;
		goto out;
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+w:f:p:n:s:d:jqvh",
				  capture_options, NULL)) != -1) {
		switch (opt) {
		case 'w':
			o.out_path = optarg;
			break;
		case 'f':
			o.filter = optarg;
			break;
		case 'p':
			if (add_pids(optarg, pids, &npids, MAX_PIDS) < 0)
				goto out;
			break;
		case 'n':
			if (!*optarg || strlen(optarg) > 15) {
				cmd_usage_error("capture", "--name '%s': a "
						"command name has 1 to 15 "
						"bytes", optarg);
				goto out;
			}
			names[o.nnames++] = optarg;
			break;
		case OPT_CGROUP:
			cgroups[o.ncgroups++] = optarg;
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
		case OPT_LOOPBACK:
			o.loopback = true;
			break;
		case OPT_NO_FOLLOW:
			o.follow = false;
			break;
		case 'd':
			if (pw_opt_seconds_ns("capture", "--duration", optarg,
					      &o.duration_ns) < 0)
				goto out;
			break;
		case OPT_GRACE:
			if (pw_opt_seconds_ns("capture", "--grace", optarg,
					      &o.grace_ns) < 0)
				goto out;
			break;
		case OPT_RINGBUF:
			if (pw_opt_u64("capture", "--ringbuf-size", optarg,
				       1u << 20, 1u << 30, &v) < 0)
				goto out;
			o.ringbuf_bytes = (uint32_t)v;
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
			cmd_usage_error("capture", "unknown option");
			goto out;
		}
	}
	if (optind < argc)
		o.cmd = argv + optind;
	if (!o.out_path) {
		cmd_usage_error("capture", "-w FILE is required ('-w -' for "
				"standard output)");
		goto out;
	}
	if (!o.cmd && !npids && !o.nnames && !o.ncgroups) {
		cmd_usage_error("capture", "no target: give -- CMD, --pid, "
				"--name or --cgroup");
		goto out;
	}
	if (verbose)
		pw_log_verbosity = verbose > 1 ? PW_LOG_DEBUG : PW_LOG_INFO;
	o.pids = pids;
	o.npids = npids;
	o.names = names;
	o.cgroups = cgroups;
	ret = pw_capture_run(&o);
out:
	free(names);
	free(cgroups);
	free(pids);
	return ret;
}
