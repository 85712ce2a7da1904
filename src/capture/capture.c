/* A capture session: owner engine with packet hooks, targets, the pcapng
 * writer, the core pipeline for the summary, and the run loop. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/emit.h"
#include "base/log.h"
#include "capture/capture.h"
#include "capture/icmp_errors.h"
#include "capture/ifaces.h"
#include "capture/output.h"
#include "capture/summary.h"
#include "capture/target.h"
#include "core/filter.h"
#include "core/pipeline.h"
#include "owner/owner.h"
#include "sink/flow_report.h"

#define LINKTYPE_RAW 101
#define DEFAULT_RING (32u << 20)
#define DEFAULT_SNAPLEN 262144u
#define HEADERS_SNAPLEN 256u	/* IPv6 + extension headers + TCP options */
/* With batched wakeups the ring is read at least this often: what
 * trickles in below the batch waits at most this long. Each timer
 * wakeup is a sleep, a timer armed and a context switch (on a VM the
 * timer's MSR write is an exit to the host): at 10 ms those were a fifth
 * of a 1 Gbit/s capture's CPU. */
#define DRAIN_MS 50

struct session {
	const struct pw_capture_opts *opts;
	struct pw_owner *o;
	struct pw_cap_output *w;
	struct pw_filter *filter;
	struct pw_pipeline *pl;
	struct pw_cap_icmp *icmp; /* ICMP errors of the targets' flows, or
				     NULL when they cannot be read */
	struct pw_cap_ifaces ifaces;
	struct pw_cap_procs procs;
	struct pw_cap_cgroup cg;
	struct pw_emit emit;
	struct pw_error werr;	/* first write error */
	bool failed;		/* writing failed: stop */
	bool out_gone;		/* stdout reader went away */
	uint64_t seen;		/* records from the kernel */
	uint64_t filtered;	/* left out by the expression */
	uint64_t written;
	uint64_t bytes;		/* captured bytes of the written packets */
	uint64_t user_drops;	/* records not written (iface table full) */
	bool filter_warned;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* The signal that asks the capture to end, or 0. An embedder's request
 * counts as SIGTERM (what a command is sent). */
static int stop_requested(const struct pw_capture_opts *o)
{
	if (o->stop)
		return atomic_load(o->stop) ? SIGTERM : 0;
	return stop_signal;
}

/* An error for whoever runs the capture: printed, or left in opts->err
 * for an embedder. */
static void report(const struct pw_capture_opts *o, const struct pw_error *e)
{
	if (o->err)
		*o->err = *e;
	else
		pw_log_error(e);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void on_flow_end(struct pw_flow *flow, enum pw_flow_end why, void *ctx)
{
	struct session *s = ctx;

	if (s->opts->on_flow_end)
		s->opts->on_flow_end(flow, why, s->opts->ctx);
	if (s->icmp)
		pw_cap_icmp_flow_end(s->icmp, flow);
	pw_cap_procs_flow(&s->procs, flow->pid);
	if (s->w && s->opts->pcap) {
		struct pw_owner_info info;
		struct pw_pcapng_proc proc = { NULL, NULL };

		if (flow->pid && pw_owner_proc(s->o, flow->pid, &info)) {
			proc.exe = info.exe;
			proc.cmdline = info.cmdline;
		}
		pw_cap_output_flow(s->w, flow, why, &proc);
	}
	if (s->opts->quiet)
		return;
	/* The report's text row has no owner columns: they go first. */
	if (!pw_emit_json(&s->emit))
		fprintf(s->emit.out, "%7" PRIu32 " %-15s ", flow->pid,
			flow->pid ? flow->comm : "-");
	pw_flow_report_flow(&s->emit, flow, why);
}

/* One packet, from the tap or a matched ICMP error (tap false): filter,
 * pipeline, observers, file. */
static void handle_packet(struct session *s, const struct pw_owner_packet *p,
			  bool tap)
{
	struct pw_pipeline_result res;
	struct pw_owner_info info;
	struct pw_pcapng_proc proc = { NULL, NULL };
	struct pw_cap_iface *iface;
	struct pw_packet pkt;
	struct pw_error ferr;
	int m;

	if (s->failed)
		return;
	memset(&pkt, 0, sizeof(pkt));
	pkt.ts_ns = p->ts_ns;
	pkt.data = p->data;
	pkt.caplen = p->caplen;
	pkt.wirelen = p->wirelen;
	pkt.ifindex = p->ifindex;
	pkt.linktype = LINKTYPE_RAW;
	pkt.dir = p->dir;
	pkt.number = s->written + 1;	/* its frame number in the file */
	pkt.owner = p->owner;
	pkt.has_owner = p->owner.pid != 0;
	if (s->filter) {
		pw_error_clear(&ferr);
		m = pw_filter_match(s->filter, &pkt, &ferr);
		if (m < 0 && !s->filter_warned) {
			report(s->opts, &ferr);
			s->filter_warned = true;
		}
		if (m <= 0) {
			s->filtered++;
			return;
		}
	}
	pw_pipeline_feed(s->pl, &pkt, &res);
	if (res.flow.flow && !res.flow.flow->pid && pkt.has_owner) {
		res.flow.flow->pid = pkt.owner.pid;
		memcpy(res.flow.flow->comm, pkt.owner.comm, PW_COMM_LEN);
		res.flow.flow->owner_method = pkt.owner.method;
		if (tap && s->icmp)
			pw_cap_icmp_flow_owner(s->icmp, res.flow.flow, p);
	}
	/* Headers only: the kernel copied at most 256 bytes; cut where the
	 * dissector says the payload starts. An ICMP error's payload is the
	 * headers it quotes: kept. */
	if (s->opts->headers_only && res.is_ip && res.dissect.payload_off &&
	    !res.dissect.icmp_quote_off && res.dissect.payload_off < pkt.caplen)
		pkt.caplen = res.dissect.payload_off;
	if (s->opts->on_packet)
		s->opts->on_packet(&pkt, &res, pw_pipeline_flows(s->pl),
				   s->opts->ctx);
	if (!s->w) {
		s->written++;
		s->bytes += pkt.caplen;
		pw_cap_procs_add(&s->procs, &pkt);
		return;
	}
	iface = pw_cap_iface_get(&s->ifaces, s->w, p->netns, p->ifindex,
				 p->owner.pid, &s->werr);
	if (!iface) {
		if (s->werr.code == -E2BIG) {
			s->user_drops++;
			return;
		}
		s->failed = true;
		return;
	}
	if (pkt.has_owner && pw_owner_proc(s->o, pkt.owner.pid, &info)) {
		proc.exe = info.exe;
		proc.cmdline = info.cmdline;
	}
	m = pw_cap_output_packet(s->w, iface->id, &pkt, &proc, &s->werr);
	if (m != 0) {
		/* 1: the last file of -G with -W is done; stop as when the
		 * reader of standard output went away. */
		if (m > 0 || s->werr.code == -EPIPE)
			s->out_gone = true;
		s->failed = true;
		return;
	}
	iface->packets++;
	s->written++;
	s->bytes += pkt.caplen;
	pw_cap_procs_add(&s->procs, &pkt);
}

/* A tap record: ICMP errors queued from before it go first. */
static void on_packet(const struct pw_owner_packet *p, void *ctx)
{
	struct session *s = ctx;

	s->seen++;
	if (s->icmp) {
		pw_cap_icmp_release(s->icmp, p->ts_ns,
				    pw_pipeline_flows(s->pl));
		pw_cap_icmp_netns(s->icmp, p);
	}
	handle_packet(s, p, true);
}

static void on_icmp_error(const struct pw_owner_packet *p, void *ctx)
{
	handle_packet(ctx, p, false);
}

/* Waits up to timeout_ms for tap records or ICMP errors and handles what
 * waits. Errors are read before the ring is drained: a tap record
 * stamped after an error then lets it through first (on_packet), and the
 * packet an error quotes was in the ring before the error was sent.
 * Returns as pw_owner_poll. */
static int wait_and_handle(struct session *s, int timeout_ms)
{
	struct pollfd pfd[2];
	int r;

	if (!s->icmp)
		return pw_owner_poll(s->o, timeout_ms);
	/* Batched records wake nobody: the engine's own drain timer. */
	if (s->opts->wakeup_bytes && (timeout_ms < 0 || timeout_ms > DRAIN_MS))
		timeout_ms = DRAIN_MS;
	pfd[0].fd = pw_owner_fd(s->o);
	pfd[0].events = POLLIN;
	pfd[1].fd = pw_cap_icmp_fd(s->icmp);
	pfd[1].events = POLLIN;
	if (timeout_ms && poll(pfd, 2, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	pw_cap_icmp_collect(s->icmp);
	r = pw_owner_poll(s->o, 0);
	pw_cap_icmp_release(s->icmp, UINT64_MAX, pw_pipeline_flows(s->pl));
	pw_cap_icmp_tick(s->icmp, mono_ns());
	return r;
}

struct proc_scan {
	struct session *s;
	uint32_t root;		/* --pid: descendants of root */
	int added;
};

static void add_pid_target(uint32_t pid, uint32_t ppid, void *ctx)
{
	struct proc_scan *ps = ctx;
	struct pw_owner_info info;

	(void)ppid;
	if (pw_owner_packet_target(ps->s->o, false, pid, true) == 0)
		ps->added++;
	/* Its executable and command line now, while it surely exists: a
	 * process that sends a few packets and exits can be gone before
	 * procwire reads its first packet. (Processes started later bring
	 * them in their exec records.) */
	pw_owner_proc(ps->s->o, pid, &info);
}

/* Descendants that exist now: repeated passes over /proc adding every
 * process whose parent is a target, until a pass adds nothing. */
struct desc_scan {
	uint32_t *set;
	size_t n, cap;
	bool grew;
};

static bool in_set(const struct desc_scan *d, uint32_t pid)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->set[i] == pid)
			return true;
	return false;
}

static void add_desc(uint32_t pid, uint32_t ppid, void *ctx)
{
	struct desc_scan *d = ctx;
	uint32_t *grown;

	if (!in_set(d, ppid) || in_set(d, pid))
		return;
	if (d->n == d->cap) {
		grown = realloc(d->set, (d->cap ? d->cap * 2 : 64) *
				sizeof(*grown));
		if (!grown)
			return;
		d->set = grown;
		d->cap = d->cap ? d->cap * 2 : 64;
	}
	d->set[d->n++] = pid;
	d->grew = true;
}

static int add_targets(struct session *s, struct pw_error *err)
{
	const struct pw_capture_opts *o = s->opts;
	struct desc_scan d = { NULL, 0, 0, false };
	struct proc_scan ps = { s, 0, 0 };
	uint64_t id;
	size_t i;
	int r, ret = -1;

	d.set = calloc(o->npids + 1, sizeof(*d.set));
	d.cap = o->npids + 1;
	if (!d.set) {
		pw_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < o->npids; i++) {
		if (kill((pid_t)o->pids[i], 0) < 0 && errno == ESRCH) {
			pw_error_set(err, -ESRCH, "no process %u",
				     o->pids[i]);
			goto out;
		}
		d.set[d.n++] = o->pids[i];
	}
	if (o->follow && o->npids) {
		do {
			d.grew = false;
			pw_cap_each_proc(NULL, add_desc, &d);
		} while (d.grew);
	}
	for (i = 0; i < d.n; i++) {
		r = pw_owner_packet_target(s->o, false, d.set[i], true);
		if (r < 0) {
			pw_error_set(err, r, "cannot add target pid %u: %s",
				     d.set[i], strerror(-r));
			goto out;
		}
	}
	for (i = 0; i < o->nnames; i++) {
		r = pw_owner_packet_target_name(s->o, o->names[i], true);
		if (r < 0) {
			pw_error_set(err, r, "cannot watch name '%s': %s",
				     o->names[i], r == -EINVAL ?
				     "longer than 15 bytes" : strerror(-r));
			goto out;
		}
		pw_cap_each_proc(o->names[i], add_pid_target, &ps);
	}
	for (i = 0; i < o->ncgroups; i++) {
		if (pw_cap_cgroup_resolve(o->cgroups[i], &id, err) < 0)
			goto out;
		r = pw_owner_packet_target(s->o, true, id, true);
		if (r < 0) {
			pw_error_set(err, r, "cannot add cgroup %s: %s",
				     o->cgroups[i], strerror(-r));
			goto out;
		}
	}
	ret = 0;
out:
	free(d.set);
	return ret;
}

/* Where the kernel's packet programs attach. They run for every packet
 * of every socket made in that cgroup or below it, target or not (the
 * targets are checked inside), so as low as the targets allow: the
 * command's own cgroup (made here, before the programs load) for -- CMD,
 * the cgroup itself for one --cgroup. Pids and names stay at the root:
 * their processes may be anywhere, a pid's cgroup is usually shared with
 * many others, and its sockets may come from before it moved. */
static int packet_cgroup(struct session *s, struct pw_owner_config *cfg,
			 struct pw_error *err)
{
	const struct pw_capture_opts *o = s->opts;
	size_t places = (o->cmd ? 1 : 0) + o->ncgroups + o->npids + o->nnames;
	int fd;

	if (o->cmd && pw_cap_cgroup_create(&s->cg, err) < 0)
		return -1;
	if (places != 1)
		return 0;
	if (o->cmd) {
		cfg->packet_cgroup_fd = s->cg.dirfd;
	} else if (o->ncgroups) {
		fd = pw_cap_cgroup_open(o->cgroups[0], err);
		if (fd < 0)
			return -1;
		cfg->packet_cgroup_fd = fd;
	}
	return 0;
}

/* Lost packets so far, for the statistics of each output file. */
static uint64_t lost_packets(void *ctx)
{
	struct session *s = ctx;
	struct pw_owner_stats st;

	if (!s->o)
		return s->user_drops;
	pw_owner_get_stats(s->o, &st);
	return st.packets_lost + s->user_drops;
}

static void print_totals(struct session *s, const char *cmd_status)
{
	struct pw_cap_icmp_stats ist = { 0, 0, 0, 0 };
	struct pw_owner_stats st;
	char icmp[160] = "";
	FILE *out = stderr;

	pw_owner_get_stats(s->o, &st);
	if (s->icmp) {
		pw_cap_icmp_stats(s->icmp, &ist);
		snprintf(icmp, sizeof(icmp), "; ICMP errors: %" PRIu64 " of "
			 "the targets' flows, %" PRIu64 " of others left out, %"
			 PRIu64 " lost, %u network namespaces watched",
			 ist.matched, ist.unmatched, ist.lost, ist.namespaces);
	}
	fprintf(out, "procwire: capture: %" PRIu64 " packets %s %s, %"
		PRIu64 " dropped in the kernel (ring buffer full), %" PRIu64
		" dropped in procwire, %" PRIu64 " left out by the filter, %u "
		"interfaces%s%s%s\n", s->written,
		s->opts->out_path ? "written to" : "seen,",
		s->opts->out_path ? s->opts->out_path : "no file",
		st.packets_lost, s->user_drops, s->filtered, s->ifaces.n,
		icmp, cmd_status ? "; " : "", cmd_status ? cmd_status : "");
}

static void fill_stats(struct session *s, struct pw_capture_stats *st)
{
	struct pw_cap_icmp_stats ist;
	struct pw_owner_stats ost;

	memset(st, 0, sizeof(*st));
	st->seen = s->seen;
	st->written = s->written;
	st->bytes = s->bytes;
	st->user_drops = s->user_drops;
	st->filtered = s->filtered;
	if (s->o) {
		pw_owner_get_stats(s->o, &ost);
		st->kernel_drops = ost.packets_lost;
	}
	if (s->icmp) {
		pw_cap_icmp_stats(s->icmp, &ist);
		st->icmp_matched = ist.matched;
		st->icmp_unmatched = ist.unmatched;
	}
}

/* Packets wait in the output's buffer until the end of a drain round, so
 * a reader of the file or pipe lags by one round at most. A failed write
 * stops the capture as a packet's does. */
static void flush_output(struct session *s)
{
	if (!s->w || s->failed || pw_cap_output_flush(s->w, &s->werr) == 0)
		return;
	if (s->werr.code == -EPIPE)
		s->out_gone = true;
	s->failed = true;
}

/* How often the loop looks at the command (waitpid, cgroup.events): once
 * per wakeup was an open/read/close per few packets at high rates, an
 * eighth of the capture's CPU. */
#define HOUSEKEEPING_NS 50000000ull

/* The loop; returns 0, or -1 on a write error. */
static int run_loop(struct session *s, pid_t child, int *child_status)
{
	const struct pw_capture_opts *o = s->opts;
	uint64_t deadline = o->duration_ns ? mono_ns() + o->duration_ns : 0;
	uint64_t empty_since = 0, stop_by = 0, next_look = 0, now;
	bool forwarded = false;
	struct pw_error err;
	int r, sig;

	for (;;) {
		r = wait_and_handle(s, 50);
		flush_output(s);
		if (r < 0 && r != -EINTR) {
			pw_error_set(&err, r, "capture: %s", strerror(-r));
			report(o, &err);
			return -1;
		}
		if (s->failed)
			return s->out_gone ? 0 : -1;
		now = mono_ns();
		if (deadline && now >= deadline)
			break;
		sig = stop_requested(o);
		if (sig && !o->cmd)
			break;
		if (sig && !forwarded) {
			/* The command is the foreground job: it gets the
			 * signal too (the terminal sends SIGINT to the whole
			 * group; kill(1) does not), then has the grace
			 * period to finish. */
			pw_cap_cgroup_signal(&s->cg, sig);
			forwarded = true;
			stop_by = now + o->grace_ns;
		}
		if (stop_by && now >= stop_by)
			break;
		if (now < next_look)
			continue;
		next_look = now + HOUSEKEEPING_NS;
		if (child > 0 && waitpid(child, child_status, WNOHANG) ==
		    child)
			child = 0;
		if (o->cmd && !pw_cap_cgroup_populated(&s->cg)) {
			if (!empty_since)
				empty_since = now;
			else if (now - empty_since >= o->grace_ns)
				break;
		} else {
			empty_since = 0;
		}
	}
	if (child > 0 && waitpid(child, child_status, WNOHANG) != child)
		*child_status = -1;
	return 0;
}

void pw_capture_opts_init(struct pw_capture_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->wakeup_bytes = PW_CAP_DEFAULT_WAKEUP;
}

int pw_capture_run(const struct pw_capture_opts *opts)
{
	struct pw_owner_config cfg;
	struct pw_pipeline_config pcfg;
	struct pw_cap_output_opts oo;
	struct session *s;
	struct pw_error err;
	struct sigaction sa;
	char status_text[64] = "", comment[256];
	int ret = 1, child_status = 0, r = -EINVAL;
	pid_t child = -1;
	uint32_t snaplen;

	pw_error_clear(&err);
	if (opts->err)
		pw_error_clear(opts->err);
	s = calloc(1, sizeof(*s));
	if (!s) {
		pw_error_set(&err, -ENOMEM, "out of memory");
		report(opts, &err);
		return 1;
	}
	s->opts = opts;
	s->cg.rootfd = s->cg.dirfd = s->cg.eventsfd = -1;
	pw_error_clear(&s->werr);
	snaplen = opts->snaplen ? opts->snaplen : DEFAULT_SNAPLEN;
	if (opts->headers_only && snaplen > HEADERS_SNAPLEN)
		snaplen = HEADERS_SNAPLEN;
	pw_cap_ifaces_init(&s->ifaces, snaplen);
	if (opts->filter) {
		s->filter = pw_filter_new(opts->filter, &err);
		if (!s->filter) {
			report(opts, &err);
			ret = 2;
			goto out;
		}
	}
	pw_emit_init(&s->emit, !opts->out_path || strcmp(opts->out_path, "-") ?
		     stdout : stderr,
		     opts->json ? PW_EMIT_JSON : PW_EMIT_TEXT);
	if (opts->pipeline)
		pcfg = *opts->pipeline;
	else
		pw_pipeline_config_default(&pcfg);
	pcfg.flow.on_end = on_flow_end;
	pcfg.flow.ctx = s;
	s->pl = pw_pipeline_new(&pcfg);
	if (!s->pl) {
		pw_error_set(&err, -ENOMEM, "out of memory");
		report(opts, &err);
		goto out;
	}

	pw_owner_config_default(&cfg);
	cfg.engine = PW_ENGINE_EBPF;
	cfg.proc_events = true;	/* exec names and paths for the owners */
	cfg.socket_events = false;	/* owners come with the packets */
	/* Only process records (exec, fork, exit) use the event ring then:
	 * 1 MiB holds a few thousand, drained every 50 ms. Its pages are
	 * allocated, zeroed and mapped at start, which for the 8 MiB that
	 * socket events want was a tenth of a capture's start-up. */
	cfg.ringbuf_bytes = 1u << 20;
	cfg.ignore_self = true;
	cfg.on_packet = on_packet;
	cfg.ctx = s;
	cfg.packet_snaplen = snaplen;
	cfg.packet_ringbuf_bytes = opts->ringbuf_bytes ? opts->ringbuf_bytes :
				   DEFAULT_RING;
	cfg.packet_targets_only = true;
	cfg.packet_follow = opts->follow || opts->cmd;
	cfg.packet_skip_loopback = !opts->loopback;
	/* Batched wakeups; a socket's first packet still wakes the reader at
	 * once, so its process is read in /proc before it can be gone. */
	cfg.wakeup_bytes = opts->wakeup_bytes;
	cfg.drain_ms = DRAIN_MS;
	if (packet_cgroup(s, &cfg, &err) == 0) {
		s->o = pw_owner_start(&cfg, &err);
		if (cfg.packet_cgroup_fd > 0 &&
		    cfg.packet_cgroup_fd != s->cg.dirfd)
			close(cfg.packet_cgroup_fd);
	}
	if (!s->o) {
		if (err.code == -EPERM || (opts->cmd && err.code == -EACCES))
			pw_error_set(&err, -EPERM, "procwire capture needs "
				     "root or CAP_BPF+CAP_NET_ADMIN+CAP_PERFMON "
				     "(and CAP_SYS_ADMIN for a command's "
				     "cgroup); run it with sudo");
		report(opts, &err);
		goto out;
	}
	if (add_targets(s, &err) < 0) {
		report(opts, &err);
		goto out;
	}
	if (opts->cmd) {
		r = pw_owner_packet_target(s->o, true, s->cg.id, true);
		if (r < 0) {
			pw_error_set(&err, r, "cannot watch the command's "
				     "cgroup: %s", strerror(-r));
			report(opts, &err);
			goto out;
		}
	}
	/* Before the command starts: its namespace is watched from its
	 * first packet on. */
	s->icmp = pw_cap_icmp_new(opts->loopback, snaplen, &pcfg.flow,
				  on_icmp_error, s, &err);
	if (!s->icmp && !opts->err)
		pw_warn("ICMP errors of the targets' flows are not captured: "
			"%s", err.msg);
	pw_error_clear(&err);
	memset(&oo, 0, sizeof(oo));
	oo.path = opts->out_path;
	oo.format = opts->pcap ? PW_CAP_PCAP : PW_CAP_PCAPNG;
	oo.rotate_bytes = opts->rotate_bytes;
	oo.rotate_secs = opts->rotate_secs;
	oo.max_files = opts->max_files;
	oo.snaplen = snaplen;
	oo.app = "procwire capture";
	snprintf(comment, sizeof(comment), "procwire capture%s%s",
		 opts->cmd ? " -- " : "", opts->cmd ? opts->cmd[0] : "");
	oo.comment = comment;
	oo.drops = lost_packets;
	oo.ctx = s;
	if (opts->out_path && !(s->w = pw_cap_output_open(&oo, &err))) {
		report(opts, &err);
		goto out;
	}

	/* An embedder's signals are its own: it stops us through opts->stop
	 * and runs us on a thread that has them blocked (a broken pipe is
	 * then EPIPE, not death). */
	if (!opts->stop) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal; /* no SA_RESTART: poll gets EINTR */
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		signal(SIGPIPE, SIG_IGN);
	}
	if (opts->cmd) {
		child = pw_cap_launch(&s->cg, opts->cmd, &err);
		if (child < 0) {
			report(opts, &err);
			ret = err.code == -ENOENT ? PW_CAP_EXIT_NOT_FOUND :
			      PW_CAP_EXIT_NOT_EXEC;
			goto out;
		}
	}
	if (opts->out_path && !opts->err)
		fprintf(stderr, "procwire: capture: writing to %s\n",
			opts->out_path);
	if (!opts->quiet && !pw_emit_json(&s->emit)) {
		fprintf(s->emit.out, "%7s %-15s ", "PID", "COMM");
		pw_flow_report_header(&s->emit);
		fflush(s->emit.out);
	}
	if (opts->on_running)
		opts->on_running(opts->ctx);
	if (run_loop(s, child, &child_status) < 0) {
		if (s->failed)
			report(opts, &s->werr);
		goto out;
	}
	wait_and_handle(s, 0);	/* what is already in the ring */
	flush_output(s);
	if (s->failed && !s->out_gone) {
		report(opts, &s->werr);
		goto out;
	}
	if (opts->cmd) {
		if (child_status < 0)
			snprintf(status_text, sizeof(status_text),
				 "the command is still running");
		else if (WIFEXITED(child_status))
			snprintf(status_text, sizeof(status_text),
				 "the command exited with status %d",
				 WEXITSTATUS(child_status));
		else if (WIFSIGNALED(child_status))
			snprintf(status_text, sizeof(status_text),
				 "the command was killed by signal %d",
				 WTERMSIG(child_status));
	}
	ret = 0;
out:
	if (s->o && s->pl && (ret == 0 || s->written)) {
		pw_pipeline_finish(s->pl);
		if (!opts->quiet) {
			pw_cap_procs_print(&s->emit, &s->procs);
			fflush(s->emit.out);
		}
		if (!opts->err)
			print_totals(s, status_text[0] ? status_text : NULL);
	}
	/* After the pipeline's end: the last flows go to the sidecar. */
	if (s->w && pw_cap_output_close(s->w, &err) < 0 && ret == 0 &&
	    !s->out_gone) {
		report(opts, &err);
		ret = 1;
	}
	if (opts->stats)
		fill_stats(s, opts->stats);
	if (s->cg.rootfd >= 0) {
		r = pw_cap_cgroup_remove(&s->cg);
		if (r < 0)
			pw_warn("cannot remove cgroup %s: %s", s->cg.name,
				strerror(-r));
	}
	pw_cap_icmp_free(s->icmp);
	pw_owner_stop(s->o);
	pw_pipeline_free(s->pl);
	pw_filter_free(s->filter);
	free(s);
	return ret;
}
