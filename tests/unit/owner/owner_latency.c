/* Event latency for bench/owner_cost.sh: how long from calling connect()
 * until the library names the owner of that socket. One process does
 * both: it connects to a loopback listener, then looks the new 5-tuple
 * up, reading the engine's events, until the answer is this very socket
 * (its cookie): the listener and the accepted end, also ours, must not
 * count.
 *
 *   owner_latency ebpf|polling COUNT
 * prints "latency engine=E n=N found=F median_us=M p99_us=P max_us=X". */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "procwire.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct procwire_options opts;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	procwire_t *pw;
	uint64_t *lat;
	char err[256];
	int n, i, found = 0, l, r;

	if (argc != 3 || (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: owner_latency ebpf|polling COUNT\n");
		return 2;
	}
	procwire_options_init(&opts);
	opts.engine = !strcmp(argv[1], "ebpf") ? PROCWIRE_ENGINE_EBPF :
						 PROCWIRE_ENGINE_POLLING;
	opts.poll_interval_ms = 100;
	r = procwire_open(&opts, &pw, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "owner_latency: %s\n", err);
		return 1;
	}
	lat = calloc((size_t)n, sizeof(*lat));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (!lat || l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(l, 4096) || getsockname(l, (struct sockaddr *)&a, &alen))
		return 1;
	for (i = 0; i < n; i++) {
		struct procwire_tuple t;
		struct procwire_owner o;
		struct sockaddr_in me;
		socklen_t mlen = sizeof(me);
		uint64_t t0, cookie = 0, deadline;
		socklen_t clen = sizeof(cookie);
		int c = socket(AF_INET, SOCK_STREAM, 0), s;

		getsockopt(c, SOL_SOCKET, 57 /* SO_COOKIE */, &cookie, &clen);
		t0 = now_ns();
		if (connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
			return 1;
		getsockname(c, (struct sockaddr *)&me, &mlen);
		memset(&t, 0, sizeof(t));
		t.family = PROCWIRE_IPV4;
		t.proto = PROCWIRE_TCP;
		t.src_port = ntohs(me.sin_port);
		t.dst_port = ntohs(a.sin_port);
		memcpy(t.src_addr, &me.sin_addr, 4);
		memcpy(t.dst_addr, &a.sin_addr, 4);
		deadline = t0 + 1000000000ull;
		for (;;) {
			struct timespec nap = { 0, 20000 };

			procwire_poll(pw, 0);
			if ((procwire_lookup(pw, &t, 0, &o) > 0 &&
			     o.cookie == cookie) || now_ns() >= deadline)
				break;
			nanosleep(&nap, NULL);
		}
		lat[i] = now_ns() - t0;
		if (o.cookie == cookie && o.pid == (uint32_t)getpid())
			found++;
		s = accept(l, NULL, NULL);
		close(c);
		if (s >= 0)
			close(s);
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_u64);
	printf("latency engine=%s n=%d found=%d median_us=%.1f p99_us=%.1f "
	       "max_us=%.1f\n", procwire_engine_name(pw), n, found,
	       lat[n / 2] / 1e3, lat[(size_t)(n * 0.99)] / 1e3,
	       lat[n - 1] / 1e3);
	procwire_close(pw);
	free(lat);
	return 0;
}
