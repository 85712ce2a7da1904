/* The owner's socket table under a connection storm, as `procwire events
 * --summary` sees one: per connection a client socket (new cookie, its
 * endpoints) and the accepted socket (new cookie, the reverse endpoints),
 * both closed a few hundred connections later; the table at its cap
 * with a linger time far longer than the table holds, so every new
 * socket evicts the oldest (closed) entry.
 *
 *   sock-table-bench [-n CONNECTIONS] [-r RUNS] [-c CAP] [-l LINGER_S]
 *                    [-k IN_FLIGHT] [-x KIB]
 *
 * Prints ns of CPU per connection for each run and the median (the
 * thread's CPU time: time other processes take from it does not count),
 * for the current table and, when the build found it in the git history,
 * the table before it was laid out in one array (src/owner/sock_table.c
 * at 45151cf, built into this binary with its names prefixed pw_old_).
 * Runs alternate between the two so machine noise hits both alike; both
 * are called through the same function pointers.
 *
 * -x KIB reads that much of a 256 MiB buffer, a line at a time at random,
 * before each connection, standing in for what the rest of procwire and
 * the kernel do to the caches between two events; then only the table's
 * calls are timed, by the wall clock less what reading it costs, spans
 * a preemption made longer than 100 us left out (0, the default: the
 * table has the caches to itself, its best case, and the whole storm is
 * timed at once). */
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "owner/sock_table.h"
#if PW_BENCH_OLD
#include "sock_table_old.h"
#endif

struct table_ops {
	const char *name;
	void *(*create)(uint32_t max, uint64_t linger_ns);
	void (*destroy)(void *t);
	void *(*get)(void *t, uint64_t cookie, uint64_t now_ns);
	void (*set_tuple)(void *t, void *e, const struct pw_owner_tuple *tu);
	void (*close)(void *t, void *e, uint64_t now_ns);
	void (*stats)(void *t, uint64_t *count, uint64_t *evictions);
};

static void *cur_create(uint32_t max, uint64_t linger_ns)
{
	return pw_sock_table_new(max, linger_ns);
}

static void cur_destroy(void *t)
{
	pw_sock_table_free(t);
}

static void *cur_get(void *t, uint64_t cookie, uint64_t now_ns)
{
	return pw_sock_table_get(t, cookie, now_ns);
}

static void cur_set_tuple(void *t, void *e, const struct pw_owner_tuple *tu)
{
	pw_sock_table_set_tuple(t, e, tu);
}

static void cur_close(void *t, void *e, uint64_t now_ns)
{
	pw_sock_table_close(t, e, now_ns);
}

static void cur_stats(void *t, uint64_t *count, uint64_t *evictions)
{
	pw_sock_table_stats(t, count, evictions);
}

static const struct table_ops cur_ops = {
	"array", cur_create, cur_destroy, cur_get, cur_set_tuple, cur_close,
	cur_stats,
};

#if PW_BENCH_OLD
static void *old_create(uint32_t max, uint64_t linger_ns)
{
	return pw_old_sock_table_new(max, linger_ns);
}

static void old_destroy(void *t)
{
	pw_old_sock_table_free(t);
}

static void *old_get(void *t, uint64_t cookie, uint64_t now_ns)
{
	return pw_old_sock_table_get(t, cookie, now_ns);
}

static void old_set_tuple(void *t, void *e, const struct pw_owner_tuple *tu)
{
	pw_old_sock_table_set_tuple(t, e, tu);
}

static void old_close(void *t, void *e, uint64_t now_ns)
{
	pw_old_sock_table_close(t, e, now_ns);
}

static void old_stats(void *t, uint64_t *count, uint64_t *evictions)
{
	pw_old_sock_table_stats(t, count, evictions);
}

static const struct table_ops old_ops = {
	"pointers (45151cf)", old_create, old_destroy, old_get, old_set_tuple,
	old_close, old_stats,
};
#endif

struct storm {
	uint32_t cap;
	uint64_t linger_ns;
	uint32_t in_flight;
	uint64_t warmup, connections;
	uint64_t gap_ns;		/* between connections: 25k/s */
	uint8_t *junk;			/* -x: what stirs the caches */
	size_t junk_lines;
	size_t stir_lines;		/* read before each connection */
	uint64_t clock_pair_ns;		/* cost of one pair of clock reads */
};

#define JUNK_MIB 256

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct pw_owner_tuple endpoints(uint16_t lport, uint16_t rport,
				       uint8_t local, uint8_t remote)
{
	struct pw_owner_tuple t;

	memset(&t, 0, sizeof(t));
	t.family = 4;
	t.proto = IPPROTO_TCP;
	t.lport = lport;
	t.rport = rport;
	t.laddr[0] = 10;
	t.laddr[3] = local;
	t.raddr[0] = 10;
	t.raddr[3] = remote;
	t.netns = 4026531840u;
	return t;
}

/* Reads lines of the junk buffer at random; returns something so the
 * reads are not optimised away. */
static uint64_t stir(const struct storm *s)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < s->stir_lines; i++)
		sum += s->junk[(rng() % s->junk_lines) * 64];
	return sum;
}

/* What a pair of clock reads adds to a span timed with them. */
static uint64_t clock_pair_ns(void)
{
	uint64_t a, sum = 0;
	int i;

	for (i = 0; i < 100000; i++) {
		a = clock_ns(CLOCK_MONOTONIC);
		sum += clock_ns(CLOCK_MONOTONIC) - a;
	}
	return sum / 100000;
}

/* One run: a fresh table, warm-up until it is full and evicting, then
 * the timed connections. Returns ns per connection. */
static double run(const struct table_ops *ops, const struct storm *s,
		  uint64_t *evicted, uint64_t *sink)
{
	void *t = ops->create(s->cap, s->linger_ns);
	uint64_t *cookies = calloc(2 * (size_t)s->in_flight, sizeof(uint64_t));
	uint64_t cookie = 1000, clock = 1700000000000000000ull, k, count;
	uint64_t start = 0, spent = 0, mark = 0, span, timed = 0;
	struct pw_owner_tuple client, server;
	uint64_t *slot;
	uint16_t port;
	void *e;

	if (!t || !cookies) {
		fprintf(stderr, "sock-table-bench: out of memory\n");
		exit(1);
	}
	for (k = 0; k < s->warmup + s->connections; k++) {
		if (k == s->warmup)
			start = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		if (s->junk && k >= s->warmup) {
			*sink += stir(s);
			mark = clock_ns(CLOCK_MONOTONIC);
		}
		clock += s->gap_ns;
		port = (uint16_t)(32768 + k % 28232);
		client = endpoints(port, 80, 1, 2);
		server = endpoints(80, port, 2, 1);
		slot = &cookies[2 * (k % s->in_flight)];
		if (k >= s->in_flight) {
			/* The connection started in_flight ago ends. */
			e = ops->get(t, slot[0], clock);
			ops->close(t, e, clock);
			e = ops->get(t, slot[1], clock);
			ops->close(t, e, clock);
		}
		/* Cookies come from one counter the whole machine shares,
		 * handed out in per-CPU runs: under a storm mostly
		 * consecutive, now and then one taken by another socket.
		 * (Consecutive is the case a hash on the low bits turns into
		 * one long probing run.) */
		cookie += 1 + (rng() % 8 == 0);
		slot[0] = cookie;
		e = ops->get(t, cookie, clock);
		ops->set_tuple(t, e, &client);
		cookie += 1 + (rng() % 8 == 0);
		slot[1] = cookie;
		e = ops->get(t, cookie, clock);
		ops->set_tuple(t, e, &server);
		if (s->junk && k >= s->warmup) {
			span = clock_ns(CLOCK_MONOTONIC) - mark;
			/* Longer: the thread was preempted meanwhile. */
			if (span < 100000) {
				spent += span - s->clock_pair_ns;
				timed++;
			}
		}
	}
	if (!s->junk) {
		spent = clock_ns(CLOCK_THREAD_CPUTIME_ID) - start;
		timed = s->connections;
	}
	ops->stats(t, &count, evicted);
	/* A full table makes room for a few sockets at once (up to 16 at
	 * this size), so it sits just below its cap. */
	if (count + 16 < s->cap || count > s->cap) {
		fprintf(stderr, "sock-table-bench: %s holds %llu, not its cap "
			"%u: the storm did not fill it\n", ops->name,
			(unsigned long long)count, s->cap);
		exit(1);
	}
	ops->destroy(t);
	free(cookies);
	return (double)spent / (double)timed;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	const struct table_ops *ops[2] = { &cur_ops, NULL };
	struct storm s = {
		.cap = 65536, .linger_ns = 30000000000ull, .in_flight = 300,
		.connections = 1000000, .gap_ns = 40000,
	};
	double ns[2][64], med[2];
	uint64_t evicted = 0, sink = 0, stir_kib = 0;
	int runs = 5, nops = 1, i, j, c;

#if PW_BENCH_OLD
	ops[1] = &old_ops;
	nops = 2;
#endif
	while ((c = getopt(argc, argv, "n:r:c:l:k:x:")) != -1) {
		switch (c) {
		case 'n': s.connections = strtoull(optarg, NULL, 10); break;
		case 'r': runs = atoi(optarg); break;
		case 'c': s.cap = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'l': s.linger_ns = strtoull(optarg, NULL, 10) *
					1000000000ull; break;
		case 'k': s.in_flight = (uint32_t)strtoul(optarg, NULL, 10);
			  break;
		case 'x': stir_kib = strtoull(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: sock-table-bench [-n CONNECTIONS] "
				"[-r RUNS] [-c CAP] [-l LINGER_S] "
				"[-k IN_FLIGHT] [-x KIB]\n");
			return 2;
		}
	}
	if (runs < 1 || runs > 64 || !s.connections || s.cap < 16 ||
	    !s.in_flight || s.in_flight >= s.cap / 2) {
		fprintf(stderr, "sock-table-bench: runs 1..64, connections > 0, "
			"cap >= 16, 0 < in flight < cap / 2\n");
		return 2;
	}
	/* Enough to fill the table and turn its contents over once. */
	s.warmup = (uint64_t)s.cap + s.in_flight;
	if (stir_kib) {
		s.junk_lines = (size_t)JUNK_MIB * 1024 * 1024 / 64;
		s.stir_lines = stir_kib * 1024 / 64;
		s.junk = malloc(s.junk_lines * 64);
		if (!s.junk) {
			fprintf(stderr, "sock-table-bench: out of memory\n");
			return 1;
		}
		memset(s.junk, 1, s.junk_lines * 64);
		s.clock_pair_ns = clock_pair_ns();
	}

	printf("socket table, connection storm: cap %u, linger %llu s, "
	       "%llu connections/s of event time, %u in flight, %llu "
	       "connections timed per run", s.cap,
	       (unsigned long long)(s.linger_ns / 1000000000ull),
	       (unsigned long long)(1000000000ull / s.gap_ns), s.in_flight,
	       (unsigned long long)s.connections);
	if (stir_kib)
		printf(", %llu KiB of other memory read before each "
		       "(clock pair %llu ns, taken off)",
		       (unsigned long long)stir_kib,
		       (unsigned long long)s.clock_pair_ns);
	printf("\n");
	for (i = 0; i < runs; i++) {
		for (j = 0; j < nops; j++) {
			/* Same cookies and ports for every table. */
			rng_state = 0x9e3779b97f4a7c15ull + (uint64_t)i;
			ns[j][i] = run(ops[j], &s, &evicted, &sink);
			printf("  run %d  %-20s %7.1f ns/connection  "
			       "(open sockets evicted: %llu)\n", i + 1,
			       ops[j]->name, ns[j][i],
			       (unsigned long long)evicted);
		}
	}
	for (j = 0; j < nops; j++) {
		med[j] = median(ns[j], runs);
		printf("median %-20s %7.1f ns/connection\n", ops[j]->name,
		       med[j]);
	}
	if (nops == 2)
		printf("old / new: %.2fx\n", med[1] / med[0]);
	else
		printf("(the previous table was not built: no git history "
		       "at hand)\n");
	free(s.junk);
	return sink == 1;	/* never: keeps the stirring reads */
}
