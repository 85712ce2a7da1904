/* hook-ab: what attribution's kernel hooks cost a connection storm,
 * measured in windows short enough that the host's own swings cancel.
 *
 * On a shared VM the connection rate drifts by several per cent from one
 * five-second round to the next (bench/owner_cost.sh's off2 column shows
 * how far), but two windows half a second apart run at nearly the same
 * speed: sampled every 100 ms, the rate's autocorrelation here was 0.76
 * at one step and ~0 at fifty. An attribution context cannot start and
 * stop that often; its hooks can. This runs one (the C API's context, as
 * `procwire events --summary` does: the owner table, every socket event,
 * nothing printed) and detaches and attaches its hooks in turn while its
 * own client processes connect, exchange a byte and close as fast as they
 * can. Windows come in pairs, with hooks then without or the other way
 * round (ABBA, so a steady drift cancels too), and each pair gives one
 * ratio; their median and mean are the cost.
 *
 * The windows without hooks still have the context open, idle, its maps
 * allocated: what they leave out is what attribution does per connection
 * (the programs, the kernel's dispatch to them, the work on their events
 * in user space), not the context existing, which owner_cost.sh's rounds
 * measure. With --dry the hooks stay attached throughout and the same
 * pairs show how far two equal windows differ here: the resolution of the
 * figure.
 *
 * --windows FILE writes this process's pid ("# pid N"), then each
 * window's place on CLOCK_MONOTONIC ("index on start_ns end_ns
 * connections" per line), so that a profile of the whole machine taken
 * meanwhile (perf record -k CLOCK_MONOTONIC) can be split into the
 * windows with hooks and those without: where the cost is, function by
 * function (bench/hook_profile.sh).
 *
 * Runs as root inside the clients' network namespace:
 *   hook-ab ADDR PORT SECONDS WINDOW_MS CLIENTS [--dry] [--windows FILE]
 * The server is anything that answers each connection's byte (owner_peer
 * tcp-server). */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "owner/owner.h"

#define MAX_CLIENTS 64
#define MAX_WINDOWS 100000

/* Each client's count on a line of its own (no false sharing). */
struct counter {
	volatile uint64_t n;
	char pad[56];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Handles the context's events until t. */
static void run_until(struct pw_owner *o, uint64_t t)
{
	uint64_t now;

	while ((now = now_ns()) < t)
		pw_owner_poll(o, (int)((t - now + 999999) / 1000000));
}

/* Busy time of the whole machine (all CPUs, kernel included), in ticks. */
static uint64_t busy_ticks(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		v[0] = v[1] = v[2] = v[5] = v[6] = 0;
	fclose(f);
	/* user nice system irq softirq: not idle, iowait or steal */
	return v[0] + v[1] + v[2] + v[5] + v[6];
}

/* This process's CPU time: the attribution context's work in user space
 * and in the syscalls it makes (the clients are children). */
static uint64_t self_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
		       1000000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
}

/* --- clients --- */

static void client(const struct sockaddr_in *to, struct counter *c,
		   volatile int *stop)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char b = 'x';

	/* killed with hook-ab, not left looping */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(0);
	while (!*stop) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0 || connect(fd, (const struct sockaddr *)to,
				      sizeof(*to)) ||
		    write(fd, &b, 1) != 1 || read(fd, &b, 1) != 1) {
			/* a port still held, a server not yet up: again */
			if (fd >= 0)
				close(fd);
			usleep(1000);
			continue;
		}
		/* RST: no TIME_WAIT ports piling up (the port search would
		 * be measured, not the hooks) */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
		c->n = c->n + 1;
	}
	_exit(0);
}

static uint64_t total(const struct counter *c, int n)
{
	uint64_t s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += c[i].n;
	return s;
}

/* --- figures --- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct spread {
	double median, mean, se;
};

/* In place: sorts v. */
static struct spread spread_of(double *v, int n)
{
	struct spread s = { 0, 0, 0 };
	double ss = 0;
	int i;

	if (n <= 0)
		return s;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	for (i = 0; i < n; i++)
		s.mean += v[i];
	s.mean /= n;
	for (i = 0; i < n; i++)
		ss += (v[i] - s.mean) * (v[i] - s.mean);
	if (n > 1)
		s.se = sqrt(ss / (n - 1) / n);
	return s;
}

struct window {
	bool on;
	double rate;		/* connections per second */
	double cpu;		/* machine busy ns per connection */
	double self;		/* of it, ns in this process */
	uint64_t events;	/* socket events the context saw */
	uint64_t conns;
};

/* Window i of the run: pairs (2k, 2k+1) go on-off for even k, off-on
 * for odd k. */
static bool window_on(int i)
{
	return (i % 2 == 0) == ((i / 2) % 2 == 0);
}

static void on_event(const struct pw_owner_event *ev, void *ctx)
{
	if (!pw_owner_event_is_proc(ev->kind))
		(*(uint64_t *)ctx)++;
}

static void usage(void)
{
	fprintf(stderr, "usage: hook-ab ADDR PORT SECONDS WINDOW_MS CLIENTS "
		"[--dry] [--windows FILE]\n");
	exit(2);
}

static void stop_clients(volatile int *stop, const pid_t *pid, int n)
{
	int i;

	*stop = 1;
	for (i = 0; i < n; i++)
		waitpid(pid[i], NULL, 0);
}

int main(int argc, char **argv)
{
	static struct window w[MAX_WINDOWS];
	static double ratio[MAX_WINDOWS / 2], cpu_ratio[MAX_WINDOWS / 2];
	struct sockaddr_in to = { .sin_family = AF_INET };
	double on_rate = 0, off_rate = 0, switch_ns = 0, tick_ns;
	uint64_t ev_on = 0, ev_off = 0, conn_on = 0, conn_off = 0;
	double cpu_on = 0, cpu_off = 0, self_on = 0, self_off = 0;
	int secs, window_ms, nclients, nwin, npairs, i, k;
	struct pw_owner_config cfg;
	struct pw_owner_stats st;
	pid_t pid[MAX_CLIENTS];
	uint64_t events = 0, t0;
	struct counter *count;
	struct pw_error err;
	struct spread r, c;
	volatile int *stop;
	struct pw_owner *o;
	const char *a, *b;
	FILE *winlog = NULL;
	bool dry = false;

	if (argc < 6)
		usage();
	for (i = 6; i < argc; i++) {
		if (!strcmp(argv[i], "--dry")) {
			dry = true;
		} else if (!strcmp(argv[i], "--windows") && i + 1 < argc) {
			winlog = fopen(argv[++i], "we");
			if (!winlog) {
				fprintf(stderr, "hook-ab: %s: %s\n", argv[i],
					strerror(errno));
				return 1;
			}
			/* whose samples are the context's own (the clients
			 * are children); flushed before they fork */
			fprintf(winlog, "# pid %d\n", (int)getpid());
			fflush(winlog);
		} else {
			usage();
		}
	}
	if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1)
		usage();
	to.sin_port = htons((uint16_t)atoi(argv[2]));
	secs = atoi(argv[3]);
	window_ms = atoi(argv[4]);
	nclients = atoi(argv[5]);
	if (secs <= 0 || window_ms < 50 || nclients <= 0 ||
	    nclients > MAX_CLIENTS)
		usage();
	/* whole pairs only */
	nwin = (int)((int64_t)secs * 1000 / window_ms) & ~1;
	if (nwin < 2 || nwin > MAX_WINDOWS)
		usage();
	tick_ns = 1e9 / (double)sysconf(_SC_CLK_TCK);

	count = mmap(NULL, sizeof(*count) * (MAX_CLIENTS + 1),
		     PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (count == MAP_FAILED) {
		perror("hook-ab: mmap");
		return 1;
	}
	stop = (volatile int *)&count[MAX_CLIENTS];
	/* Clients first: children forked after the context would hold its
	 * links' descriptors, and closing ours would detach nothing. */
	for (i = 0; i < nclients; i++) {
		pid[i] = fork();
		if (pid[i] < 0) {
			perror("hook-ab: fork");
			stop_clients(stop, pid, i);
			return 1;
		}
		if (!pid[i])
			client(&to, &count[i], stop);
	}

	/* What `procwire events --summary` asks for. */
	pw_owner_config_default(&cfg);
	cfg.engine = PW_ENGINE_EBPF;
	cfg.proc_events = true;
	cfg.ignore_self = true;
	cfg.on_event = on_event;
	cfg.ctx = &events;
	pw_error_clear(&err);
	o = pw_owner_start(&cfg, &err);
	if (!o) {
		fprintf(stderr, "hook-ab: %s\n", err.msg);
		stop_clients(stop, pid, nclients);
		return 1;
	}

	/* A warm-up pair's time with hooks on, not counted. */
	t0 = now_ns() + 2 * (uint64_t)window_ms * 1000000u;
	run_until(o, t0);
	for (i = 0; i < nwin; i++) {
		uint64_t s0, s1, c0, c1, b0, b1, e0, u0, sw = now_ns();

		w[i].on = window_on(i);
		if (!dry && pw_owner_set_hooks(o, w[i].on, &err) < 0) {
			fprintf(stderr, "hook-ab: %s\n", err.msg);
			stop_clients(stop, pid, nclients);
			pw_owner_stop(o);
			return 1;
		}
		/* the window starts once the switch is done: connections
		 * during it are in neither */
		s0 = now_ns();
		switch_ns += (double)(s0 - sw);
		c0 = total(count, nclients);
		b0 = busy_ticks();
		e0 = events;
		u0 = self_cpu_ns();
		run_until(o, t0 + (uint64_t)(i + 1) * window_ms * 1000000u);
		c1 = total(count, nclients);
		b1 = busy_ticks();
		s1 = now_ns();
		w[i].conns = c1 - c0;
		w[i].events = events - e0;
		w[i].rate = (double)(c1 - c0) * 1e9 / (double)(s1 - s0);
		w[i].cpu = c1 > c0 ? (double)(b1 - b0) * tick_ns /
				     (double)(c1 - c0) : 0;
		w[i].self = c1 > c0 ? (double)(self_cpu_ns() - u0) /
				      (double)(c1 - c0) : 0;
		if (winlog)
			fprintf(winlog, "%d %d %llu %llu %llu\n", i, w[i].on,
				(unsigned long long)s0, (unsigned long long)s1,
				(unsigned long long)w[i].conns);
	}
	if (winlog && fclose(winlog))
		perror("hook-ab: --windows");
	stop_clients(stop, pid, nclients);
	pw_owner_get_stats(o, &st);
	pw_owner_stop(o);

	npairs = nwin / 2;
	for (k = 0; k < npairs; k++) {
		const struct window *x = &w[2 * k], *y = &w[2 * k + 1];
		const struct window *on = x->on ? x : y, *off = x->on ? y : x;

		ratio[k] = off->rate > 0 ? 100 * (on->rate / off->rate - 1) : 0;
		cpu_ratio[k] = off->cpu > 0 ? 100 * (on->cpu / off->cpu - 1) : 0;
		on_rate += on->rate;
		off_rate += off->rate;
		cpu_on += on->cpu;
		cpu_off += off->cpu;
		self_on += on->self;
		self_off += off->self;
		ev_on += on->events;
		ev_off += off->events;
		conn_on += on->conns;
		conn_off += off->conns;
	}
	r = spread_of(ratio, npairs);
	c = spread_of(cpu_ratio, npairs);
	/* with --dry both halves of a pair run with hooks: A and B */
	a = dry ? "in A" : "with hooks";
	b = dry ? "in B" : "without";
	printf("hook-ab: %d pairs of %d ms windows, %d clients%s\n", npairs,
	       window_ms, nclients, dry ? ", hooks on throughout (A against "
	       "B: the resolution)" : "");
	if (!dry)
		printf("  switching the hooks took %.2f ms on average\n",
		       switch_ns / nwin / 1e6);
	printf("  socket events per connection: %.2f %s, %.2f %s; %llu lost\n",
	       conn_on ? (double)ev_on / (double)conn_on : 0, a,
	       conn_off ? (double)ev_off / (double)conn_off : 0, b,
	       (unsigned long long)st.lost_events);
	printf("  connections/s: %.0f %s, %.0f %s\n", on_rate / npairs, a,
	       off_rate / npairs, b);
	printf("  machine CPU per connection: %.2f us %s, %.2f us %s; of it in "
	       "this process (the context's own work) %.2f us and %.2f us\n",
	       cpu_on / npairs / 1e3, a, cpu_off / npairs / 1e3, b,
	       self_on / npairs / 1e3, self_off / npairs / 1e3);
	printf("  rate, %s, pair by pair: median %+.2f %%, mean %+.2f %%, "
	       "standard error %.2f %%\n", dry ? "A against B" :
	       "with hooks against without", r.median, r.mean, r.se);
	printf("  CPU per connection, likewise: median %+.2f %%, mean %+.2f %%,"
	       " standard error %.2f %%\n", c.median, c.mean, c.se);
	printf("result pairs=%d rate_median=%.2f rate_mean=%.2f rate_se=%.2f "
	       "cpu_median=%.2f cpu_mean=%.2f cpu_se=%.2f\n", npairs, r.median,
	       r.mean, r.se, c.median, c.mean, c.se);
	return 0;
}
