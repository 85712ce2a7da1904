/* procwire events: socket (and process) events with their owners. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/emit.h"
#include "base/log.h"
#include "cmd/cmd.h"
#include "cmd/options.h"
#include "owner/filter.h"
#include "owner/owner.h"

static void events_usage(FILE *out)
{
	fprintf(out,
"Usage: procwire events [options]\n"
"\n"
"Streams socket events with the process that owns each socket: open,\n"
"bind, connect, accept, send (first per socket, or per new UDP peer),\n"
"recv (new UDP peer), owner (another process took the socket over), close,\n"
"and existing (open before start). Each line names the protocol, local and\n"
"remote endpoints and the owner: pid, command name, executable, and how\n"
"the owner was learned (ebpf-socket, ebpf-tuple, prefill, polling).\n"
"\n"
"Options:\n"
"  -j, --json              one JSON object per event (JSON Lines)\n"
"  -p, --pid PID[,PID...]  only these processes (repeatable)\n"
"      --children          with --pid: also processes they start later\n"
"  -n, --name NAME         only processes with this command or executable\n"
"                          name (repeatable)\n"
"      --cgroup CG         only processes in this cgroup (path prefix or\n"
"                          numeric cgroup v2 id; repeatable)\n"
"  -d, --duration SECS     stop after SECS seconds\n"
"      --proc              also print exec, fork and exit events\n"
"      --summary           print no events, only the counters at exit\n"
"      --no-ebpf           poll sock_diag and /proc instead of eBPF hooks\n"
"      --interval SECS     polling interval (default 1; --no-ebpf)\n"
"      --ringbuf-size N    eBPF ring buffer bytes (default 8388608)\n"
"      --max-sockets N     sockets remembered (default 65536)\n"
"      --max-procs N       processes remembered (default 8192)\n"
"  -v, --verbose           more diagnostics (twice: libbpf's too)\n"
"  -h, --help              this text\n"
"\n"
"JSON fields: ts, event, proto (tcp/udp), ipver, src, sport, dst, dport\n"
"(src is the local end), cookie, netns, tcp_state, pid, tid, ppid, uid,\n"
"comm, method, exe, cmdline, cgroup_id, cgroup, container, start_ns;\n"
"process events (--proc) carry the owner fields and exit_code.\n"
"\n"
"The eBPF engine needs root or CAP_BPF+CAP_NET_ADMIN+CAP_PERFMON and a\n"
"kernel with BTF; it attaches to the cgroup v2 root through a detached\n"
"mount and removes everything it loaded when it exits. The polling engine\n"
"misses flows shorter than the interval; its events say \"polling\".\n"
"Counters (events, lost events, evictions) go to standard error at exit.\n"
"\n"
"Exit status: 0 done; 1 cannot start (privileges, kernel); 2 wrong\n"
"options.\n");
}

struct events_ctx {
	struct pw_emit emit;
	struct pw_owner_filter *filter;
	bool proc_events;
	bool summary;
	uint64_t printed;
	uint64_t matched;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static const char *addr_str(const uint8_t *a, uint8_t family, char *buf,
			    size_t size)
{
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, buf,
		       (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" :
	       "?";
}

/* Text: "ADDR:PORT" ([ADDR]:PORT for IPv6) in one column. */
static void text_endpoint(FILE *out, const uint8_t *a, uint16_t port,
			  uint8_t family)
{
	char ab[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 10];

	addr_str(a, family, ab, sizeof(ab));
	if (family == 6)
		snprintf(buf, sizeof(buf), "[%s]:%u", ab, port);
	else
		snprintf(buf, sizeof(buf), "%s:%u", ab, port);
	fprintf(out, "%-28s ", buf);
}

static void print_event(struct events_ctx *ec, const struct pw_owner_event *ev)
{
	struct pw_emit *e = &ec->emit;
	const struct pw_owner_info *o = &ev->owner;
	const struct pw_owner_tuple *t = &ev->tuple;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	bool sock = !pw_owner_event_is_proc(ev->kind);

	pw_emit_begin(e);
	pw_emit_ts(e, "ts", "%s ", ev->ts_ns);
	pw_emit_str(e, "event", "%-8s ", pw_owner_event_name(ev->kind));
	if (sock) {
		pw_emit_str(e, "proto", "%-4s", proto_name(t->proto));
		if (pw_emit_json(e)) {
			pw_emit_u64(e, "ipver", NULL, t->family);
			pw_emit_str(e, "src", NULL, ev->has_tuple ?
				    addr_str(t->laddr, t->family, src,
					     sizeof(src)) : NULL);
			pw_emit_u64(e, "sport", NULL,
				    ev->has_tuple ? t->lport : 0);
			pw_emit_str(e, "dst", NULL, ev->has_tuple ?
				    addr_str(t->raddr, t->family, dst,
					     sizeof(dst)) : NULL);
			pw_emit_u64(e, "dport", NULL,
				    ev->has_tuple ? t->rport : 0);
			pw_emit_u64(e, "cookie", NULL, ev->cookie);
			pw_emit_u64(e, "netns", NULL, t->netns);
			if (ev->tcp_state)
				pw_emit_u64(e, "tcp_state", NULL,
					    ev->tcp_state);
		} else {
			fputc(t->family == 6 ? '6' : ' ', e->out);
			fputc(' ', e->out);
			if (ev->has_tuple) {
				text_endpoint(e->out, t->laddr, t->lport,
					      t->family);
				text_endpoint(e->out, t->raddr, t->rport,
					      t->family);
			} else {
				fprintf(e->out, "%-28s %-28s ", "-", "-");
			}
		}
	} else if (ev->kind == PW_OEV_EXIT) {
		pw_emit_u64(e, "exit_code", NULL, (uint64_t)ev->exit_code);
	}
	pw_emit_u64(e, "pid", "%7" PRIu64 " ", o->pid);
	pw_emit_u64(e, "tid", NULL, o->tid);
	pw_emit_u64(e, "ppid", NULL, o->ppid);
	pw_emit_u64(e, "uid", NULL, o->uid);
	pw_emit_str(e, "comm", "%-15s ", o->pid ? o->comm : NULL);
	pw_emit_str(e, "method", "%-11s ",
		    pw_owner_method_name((enum pw_owner_method)o->method));
	pw_emit_str(e, "exe", "%s", o->exe);
	pw_emit_str(e, "cmdline", NULL, o->cmdline);
	pw_emit_u64(e, "cgroup_id", NULL, o->cgroup_id);
	pw_emit_str(e, "cgroup", NULL, o->cgroup);
	pw_emit_str(e, "container", NULL, o->container);
	pw_emit_u64(e, "start_ns", NULL, o->start_ns);
	pw_emit_end(e);
	ec->printed++;
}

static void on_event(const struct pw_owner_event *ev, void *ctx)
{
	struct events_ctx *ec = ctx;

	if (!pw_owner_filter_match(ec->filter, ev))
		return;
	if (pw_owner_event_is_proc(ev->kind) && !ec->proc_events)
		return;
	ec->matched++;
	if (!ec->summary)
		print_event(ec, ev);
}

static void print_stats(struct pw_owner *o, const struct events_ctx *ec)
{
	struct pw_owner_stats st;

	pw_owner_get_stats(o, &st);
	fprintf(stderr, "procwire: events: engine %s: %" PRIu64 " matched, %"
		PRIu64 " printed, %"
		PRIu64 " seen, %" PRIu64 " existing at start, %" PRIu64
		" lost (ring buffer full; %" PRIu64 " process events), %"
		PRIu64 " socket evictions, %" PRIu64 " process evictions, %"
		PRIu64 " processes gone before /proc was read, %" PRIu64
		" owner changes, %" PRIu64 " storage failures, %" PRIu64
		" sockets held in the kernel\n",
		pw_owner_engine_name(o), ec->matched, ec->printed, st.events,
		st.prefilled,
		st.lost_events, st.lost_proc_events, st.socket_evictions,
		st.proc_evictions, st.proc_misses, st.owner_changes,
		st.storage_failures, st.kernel_sockets);
}

static bool output_gone(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int add_pids(struct pw_owner_filter *f, const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int ret = -1;
	uint64_t v;

	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (pw_opt_u64("events", "--pid", tok, 1, UINT32_MAX, &v) < 0)
			goto out;
		if (pw_owner_filter_add_pid(f, (uint32_t)v) < 0)
			goto out;
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

enum {
	OPT_CHILDREN = 256,
	OPT_CGROUP,
	OPT_PROC,
	OPT_SUMMARY,
	OPT_NO_EBPF,
	OPT_INTERVAL,
	OPT_RINGBUF,
	OPT_MAX_SOCKETS,
	OPT_MAX_PROCS,
};

static const struct option events_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "pid", required_argument, NULL, 'p' },
	{ "children", no_argument, NULL, OPT_CHILDREN },
	{ "name", required_argument, NULL, 'n' },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "duration", required_argument, NULL, 'd' },
	{ "proc", no_argument, NULL, OPT_PROC },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "no-ebpf", no_argument, NULL, OPT_NO_EBPF },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "ringbuf-size", required_argument, NULL, OPT_RINGBUF },
	{ "max-sockets", required_argument, NULL, OPT_MAX_SOCKETS },
	{ "max-procs", required_argument, NULL, OPT_MAX_PROCS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_events_main(int argc, char **argv)
{
	struct pw_owner_config cfg;
	struct pw_owner *o = NULL;
	struct events_ctx ec;
	struct pw_error err;
	struct sigaction sa;
	enum pw_emit_mode mode = PW_EMIT_TEXT;
	uint64_t duration_ns = 0, deadline = 0, v;
	const char **pids = NULL, **names = NULL, **cgroups = NULL;
	size_t npids = 0, nnames = 0, ncgroups = 0, i;
	bool children = false;
	int ret = PW_EXIT_FAILURE, opt, verbose = 0;

	memset(&ec, 0, sizeof(ec));
	pw_owner_config_default(&cfg);
	pw_error_clear(&err);
	pids = calloc((size_t)argc, sizeof(*pids));
	names = calloc((size_t)argc, sizeof(*names));
	cgroups = calloc((size_t)argc, sizeof(*cgroups));
	if (!pids || !names || !cgroups) {
		pw_err("out of memory");
		goto out;
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+jp:n:d:vh", events_options,
				  NULL)) != -1) {
		switch (opt) {
		case 'j':
			mode = PW_EMIT_JSON;
			break;
		case 'p':
			pids[npids++] = optarg;
			break;
		case OPT_CHILDREN:
			children = true;
			break;
		case 'n':
			names[nnames++] = optarg;
			break;
		case OPT_CGROUP:
			cgroups[ncgroups++] = optarg;
			break;
		case 'd':
			if (pw_opt_seconds_ns("events", "--duration", optarg,
					      &duration_ns) < 0)
				goto usage;
			break;
		case OPT_PROC:
			ec.proc_events = true;
			break;
		case OPT_SUMMARY:
			ec.summary = true;
			break;
		case OPT_NO_EBPF:
			cfg.engine = PW_ENGINE_POLLING;
			break;
		case OPT_INTERVAL:
			if (pw_opt_seconds_ns("events", "--interval", optarg,
					      &cfg.poll_interval_ns) < 0)
				goto usage;
			if (cfg.poll_interval_ns < 1000000) {
				cmd_usage_error("events", "--interval must be "
						"at least 0.001 seconds");
				goto usage;
			}
			break;
		case OPT_RINGBUF:
			if (pw_opt_u64("events", "--ringbuf-size", optarg,
				       65536, 1u << 30, &v) < 0)
				goto usage;
			cfg.ringbuf_bytes = (uint32_t)v;
			break;
		case OPT_MAX_SOCKETS:
			if (pw_opt_u64("events", "--max-sockets", optarg, 16,
				       1u << 26, &v) < 0)
				goto usage;
			cfg.max_sockets = (uint32_t)v;
			break;
		case OPT_MAX_PROCS:
			if (pw_opt_u64("events", "--max-procs", optarg, 16,
				       1u << 24, &v) < 0)
				goto usage;
			cfg.max_procs = (uint32_t)v;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			events_usage(stdout);
			ret = PW_EXIT_OK;
			goto out;
		default:
			cmd_usage_error("events", "unknown option");
			goto usage;
		}
	}
	if (optind < argc) {
		cmd_usage_error("events", "unexpected argument '%s'",
				argv[optind]);
		goto usage;
	}
	if (children && !npids) {
		cmd_usage_error("events", "--children needs --pid");
		goto usage;
	}
	if (verbose)
		pw_log_verbosity = verbose > 1 ? PW_LOG_DEBUG : PW_LOG_INFO;

	ec.filter = pw_owner_filter_new(children);
	if (!ec.filter)
		goto oom;
	for (i = 0; i < npids; i++)
		if (add_pids(ec.filter, pids[i]) < 0)
			goto usage;
	for (i = 0; i < nnames; i++)
		if (pw_owner_filter_add_name(ec.filter, names[i]) < 0)
			goto oom;
	for (i = 0; i < ncgroups; i++)
		if (pw_owner_filter_add_cgroup(ec.filter, cgroups[i]) < 0)
			goto oom;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	pw_emit_init(&ec.emit, stdout, mode);
	/* Process events keep the process cache right (exec names) and
	 * let --children follow forks; they are printed only with --proc. */
	cfg.proc_events = true;
	cfg.open_events = !ec.summary;
	cfg.closes_in_order = !ec.summary;
	cfg.on_event = on_event;
	cfg.ctx = &ec;
	o = pw_owner_start(&cfg, &err);
	if (!o) {
		if (err.code == -EPERM)
			pw_err("procwire events needs root or CAP_BPF+"
			       "CAP_NET_ADMIN+CAP_PERFMON; run with sudo, or "
			       "use --no-ebpf for polling");
		else if (err.code == -EOPNOTSUPP)
			pw_err("%s; use --no-ebpf for polling", err.msg);
		else
			pw_log_error(&err);
		goto out;
	}
	if (pw_owner_engine_method(o) == PW_OWNER_POLLING)
		pw_warn("polling every %.3g s%s: flows shorter than the "
			"interval can be missed; owners say \"polling\"",
			(double)cfg.poll_interval_ns / 1e9,
			cfg.engine == PW_ENGINE_POLLING ? " (--no-ebpf)" :
			" (built without eBPF)");
	fflush(stdout);
	fprintf(stderr, "procwire: events: engine %s ready\n",
		pw_owner_engine_name(o));
	if (duration_ns)
		deadline = mono_ns() + duration_ns;
	while (!stop_requested) {
		int timeout = 200, r;

		if (deadline) {
			uint64_t now = mono_ns();

			if (now >= deadline)
				break;
			if ((deadline - now) / 1000000 < 200)
				timeout = (int)((deadline - now) / 1000000) + 1;
		}
		r = pw_owner_poll(o, timeout);
		if (r < 0 && r != -EINTR) {
			pw_err("events: %s", strerror(-r));
			goto out;
		}
		/* A reader that went away (| head) ends the run quietly,
		 * noticed at the next write or, when nothing is written, by
		 * the pipe reporting an error on its write end. */
		if (fflush(stdout) == EOF || ferror(stdout)) {
			if (errno != EPIPE) {
				pw_err("events: writing: %s", strerror(errno));
				goto out;
			}
			break;
		}
		if (output_gone())
			break;
	}
	/* Events already in the buffer still belong to the run. */
	pw_owner_poll(o, 0);
	fflush(stdout);
	print_stats(o, &ec);
	ret = PW_EXIT_OK;
	goto out;
oom:
	pw_err("out of memory");
	goto out;
usage:
	ret = PW_EXIT_USAGE;
out:
	pw_owner_stop(o);
	pw_owner_filter_free(ec.filter);
	free(pids);
	free(names);
	free(cgroups);
	return ret;
}
