/* Closes reach the owner table whichever way they travel: in order in the
 * ring buffer (a consumer printing every event) or through the per-CPU
 * close queues (the owner table alone), including when more closes than
 * a queue holds pile up between two reads. Every socket's close comes
 * after its connect or accept and names its owner. Needs root and the
 * eBPF engine; skips otherwise. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "owner/owner.h"
#include "owner/owner_abi.h"
#include "sock_cookie.h"
#include "tap.h"

/* More than a close queue holds: two sockets per connection. */
#define CONNS 1500

struct sock_seen {
	uint64_t cookie;
	int opened;		/* connect or accept seen */
	int closed;
	int close_before_open;
	int close_wrong_owner;
};

struct run {
	struct sock_seen socks[2 * CONNS];
	int n;
};

static struct sock_seen *find(struct run *r, uint64_t cookie)
{
	for (int i = 0; i < r->n; i++)
		if (r->socks[i].cookie == cookie)
			return &r->socks[i];
	return NULL;
}

static void on_event(const struct pw_owner_event *ev, void *ctx)
{
	struct run *r = ctx;
	struct sock_seen *s = find(r, ev->cookie);

	if (!s)
		return;
	if (ev->kind == PW_OEV_CONNECT || ev->kind == PW_OEV_ACCEPT)
		s->opened++;
	if (ev->kind != PW_OEV_CLOSE)
		return;
	s->closed++;
	if (!s->opened)
		s->close_before_open++;
	if (ev->owner.pid != (uint32_t)getpid())
		s->close_wrong_owner++;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Opens CONNS loopback connections (client and accepted socket each
 * written to once), records their cookies, closes them all without
 * reading the owner context in between, then reads until every close
 * arrived or 5 s passed. Returns false when the setup failed. */
static bool run_case(bool in_order, struct run *r)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	static int fds[2 * CONNS];
	struct pw_owner_config cfg;
	socklen_t len = sizeof(a);
	struct pw_owner *o;
	struct pw_error err;
	int l, done, i;
	double until;

	memset(r, 0, sizeof(*r));
	pw_owner_config_default(&cfg);
	cfg.engine = PW_ENGINE_EBPF;
	cfg.closes_in_order = in_order;
	cfg.on_event = on_event;
	cfg.ctx = r;
	cfg.max_sockets = 4 * CONNS;
	pw_error_clear(&err);
	o = pw_owner_start(&cfg, &err);
	if (!o) {
		tap_diag("eBPF engine: %s", err.msg);
		return false;
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(l, 64) || getsockname(l, (struct sockaddr *)&a, &len)) {
		pw_owner_stop(o);
		return false;
	}
	for (i = 0; i < CONNS; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		int s;

		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
			break;
		s = accept(l, NULL, NULL);
		if (s < 0 || write(c, "x", 1) != 1 || write(s, "y", 1) != 1)
			break;
		fds[2 * i] = c;
		fds[2 * i + 1] = s;
		r->socks[r->n++].cookie = sock_cookie(c);
		r->socks[r->n++].cookie = sock_cookie(s);
		/* Read now and then, as a consumer would: the opens are
		 * known before the closes pile up. */
		if (i % 100 == 99)
			pw_owner_poll(o, 0);
	}
	pw_owner_poll(o, 0);
	for (int k = 0; k < r->n; k++)
		close(fds[k]);
	close(l);
	until = now_s() + 5;
	do {
		pw_owner_poll(o, 50);
		done = 0;
		for (int k = 0; k < r->n; k++)
			done += r->socks[k].closed > 0;
	} while (done < r->n && now_s() < until);
	pw_owner_stop(o);
	return r->n == 2 * CONNS;
}

static void check(const struct run *r, const char *how)
{
	int opened = 0, closed = 0, twice = 0, early = 0, wrong = 0;
	char what[96];

	for (int i = 0; i < r->n; i++) {
		const struct sock_seen *s = &r->socks[i];

		opened += s->opened == 1;
		closed += s->closed > 0;
		twice += s->closed > 1;
		early += s->close_before_open > 0;
		wrong += s->close_wrong_owner > 0;
	}
#define EQ(got, want, fmt) \
	(snprintf(what, sizeof(what), "%s: " fmt, how), \
	 tap_eq_u64((uint64_t)(got), (uint64_t)(want), what))
	EQ(opened, r->n, "every socket's connect or accept seen once");
	EQ(closed, r->n, "every socket's close seen");
	EQ(twice, 0, "no close seen twice");
	EQ(early, 0, "no close before its socket's connect or accept");
	EQ(wrong, 0, "every close names its owner");
#undef EQ
}

int main(void)
{
	static struct run r;

	if (geteuid() != 0) {
		tap_skip("closes: needs root");
		return tap_done();
	}
	if (!pw_owner_ebpf_built()) {
		tap_skip("closes: built without eBPF");
		return tap_done();
	}
	prctl(PR_SET_NAME, "pw-close-test");
	_Static_assert(2 * CONNS > PW_ABI_CLOSEQ_SLOTS,
		       "the queue case must overflow a queue");
	if (!tap_ok(run_case(false, &r), "close queues: %d connections made",
		    CONNS))
		return tap_done();
	check(&r, "close queues");
	if (!tap_ok(run_case(true, &r), "in order: %d connections made",
		    CONNS))
		return tap_done();
	check(&r, "in order");
	return tap_done();
}
