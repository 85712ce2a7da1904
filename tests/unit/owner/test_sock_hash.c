/* The kernel keeps each live socket's details by cookie when no packet tap
 * runs (owner.bpf.c, info_by_cookie: a direct-mapped array, a hash for
 * sockets whose slot is taken); nothing removes its entries but our own
 * hooks, so every way a socket ends must remove its entry: closed by its
 * process (TCP both ends, UDP), accepted and closed unused, and accepted
 * by the kernel but never accept()ed when the listener goes. A socket
 * whose slot a live one holds is kept in the hash, found there, and
 * removed from there. Runs in a network namespace of its own; needs root
 * and the eBPF engine, skips otherwise. */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "owner/owner.h"
#include "owner/owner_abi.h"
#include "sock_cookie.h"
#include "tap.h"

#define N 100

/* Other processes of the machine open and close sockets meanwhile. */
#define SLACK 10

/* The connect event of one socket, when seen. */
struct watch {
	uint64_t cookie;
	int connects;
	uint32_t pid;
};

static void on_event(const struct pw_owner_event *ev, void *ctx)
{
	struct watch *w = ctx;

	if (w->cookie && ev->cookie == w->cookie &&
	    ev->kind == PW_OEV_CONNECT) {
		w->connects++;
		w->pid = ev->owner.pid;
	}
}

static bool lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	bool ok;

	if (fd < 0)
		return false;
	strcpy(ifr.ifr_name, "lo");
	ok = !ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	ok = ok && !ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	return ok;
}

static int64_t held(struct pw_owner *o, uint64_t base)
{
	struct pw_owner_stats st;

	/* State changes after a close run in softirq: let them land. */
	usleep(100000);
	pw_owner_poll(o, 0);
	pw_owner_get_stats(o, &st);
	return (int64_t)st.kernel_sockets - (int64_t)base;
}

static int listener(struct sockaddr_in *a, int backlog)
{
	socklen_t len = sizeof(*a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	a->sin_family = AF_INET;
	a->sin_port = 0;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)a, sizeof(*a)) ||
	    listen(l, backlog) || getsockname(l, (struct sockaddr *)a, &len))
		return -1;
	return l;
}

static void close_all(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Opens N connections to the listener l at a, client and accepted socket
 * side by side in fds (2 * N, -1 where none), each written to once when
 * use; returns how many were made. */
static int open_pairs(int l, const struct sockaddr_in *a, int *fds, bool use)
{
	int i;

	for (i = 0; i < 2 * N; i++)
		fds[i] = -1;
	for (i = 0; l >= 0 && i < N; i++) {
		fds[2 * i] = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(fds[2 * i], (const struct sockaddr *)a, sizeof(*a)))
			break;
		fds[2 * i + 1] = accept(l, NULL, NULL);
		if (use && (write(fds[2 * i], "x", 1) != 1 ||
			    write(fds[2 * i + 1], "y", 1) != 1))
			break;
	}
	return i;
}

/* N connections held open, used both ways, then closed. */
static void case_used(struct pw_owner *o, uint64_t base)
{
	static int fds[2 * N];
	struct sockaddr_in a;
	int l = listener(&a, N), i;

	i = open_pairs(l, &a, fds, true);
	tap_ok(i == N, "used: %d connections made", i);
	tap_ok(held(o, base) >= 2 * N + 1 - SLACK,
	       "used: client, accepted and listener sockets held (%lld)",
	       (long long)held(o, base));
	close_all(fds, 2 * N);
	close(l);
	tap_ok(held(o, base) <= SLACK, "used: all gone after close (%lld)",
	       (long long)held(o, base));
}

/* Accepted, then closed without a read or write: the close waits for the
 * state change that reports the accept. */
static void case_unused(struct pw_owner *o, uint64_t base)
{
	static int fds[2 * N];
	struct sockaddr_in a;
	int l = listener(&a, N), i;

	i = open_pairs(l, &a, fds, false);
	tap_ok(i == N, "unused: %d connections made", i);
	for (i = 0; i < N; i++)
		close(fds[2 * i + 1]);
	for (i = 0; i < N; i++)
		close(fds[2 * i]);
	close(l);
	tap_ok(held(o, base) <= SLACK, "unused: all gone after close (%lld)",
	       (long long)held(o, base));
}

/* Connections the kernel accepted, never accept()ed: they end when the
 * listener closes, held by no process. */
static void case_never_accepted(struct pw_owner *o, uint64_t base)
{
	static int fds[N];
	struct sockaddr_in a;
	int l = listener(&a, 2 * N), i;

	memset(fds, -1, sizeof(fds));
	for (i = 0; l >= 0 && i < N; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(fds[i], (struct sockaddr *)&a, sizeof(a)))
			break;
	}
	tap_ok(i == N, "never accepted: %d connections queued", i);
	tap_ok(held(o, base) >= 2 * N + 1 - SLACK,
	       "never accepted: queued sockets held (%lld)",
	       (long long)held(o, base));
	close(l);
	close_all(fds, N);
	tap_ok(held(o, base) <= SLACK,
	       "never accepted: all gone after the listener (%lld)",
	       (long long)held(o, base));
}

static void case_udp(struct pw_owner *o, uint64_t base)
{
	struct sockaddr_in a;
	int r = socket(AF_INET, SOCK_DGRAM, 0), i, sent = 0;
	socklen_t len = sizeof(a);

	a.sin_family = AF_INET;
	a.sin_port = 0;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (r < 0 || bind(r, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(r, (struct sockaddr *)&a, &len))
		r = -1;
	for (i = 0; r >= 0 && i < N; i++) {
		int s = socket(AF_INET, SOCK_DGRAM, 0);

		sent += sendto(s, "u", 1, 0, (struct sockaddr *)&a,
			       sizeof(a)) == 1;
		close(s);
	}
	tap_ok(sent == N, "udp: %d datagrams sent from as many sockets",
	       sent);
	if (r >= 0)
		close(r);
	tap_ok(held(o, base) <= SLACK, "udp: all gone after close (%lld)",
	       (long long)held(o, base));
}

/* Sockets are made and closed until one's cookie falls on the slot of a
 * socket still open: that one lives in the hash. */
static void case_collision(struct pw_owner *o, uint64_t base,
			   struct watch *w)
{
	struct pw_owner_stats st0, st1;
	struct sockaddr_in a;
	int l = listener(&a, 4), x, s = -1, acc = -1, tries;
	uint64_t cx, late;

	x = socket(AF_INET, SOCK_STREAM, 0);
	cx = sock_cookie(x);
	for (tries = 0; tries < 8 * PW_ABI_SK_SLOTS; tries++) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0)
			break;
		if (((sock_cookie(s) ^ cx) & (PW_ABI_SK_SLOTS - 1)) == 0)
			break;
		close(s);
		s = -1;
		/* Read now and then: on a busy machine the ring fills with
		 * every other process's events while this loop runs. */
		if (tries % 256 == 255)
			pw_owner_poll(o, 0);
	}
	if (!tap_ok(s >= 0 && l >= 0, "collision: a socket on a held slot "
		    "after %d sockets", tries)) {
		close(x);
		return;
	}
	pw_owner_get_stats(o, &st0);
	w->cookie = sock_cookie(s);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0)
		acc = accept(l, NULL, NULL);
	/* A send looks the socket up again, and counts it late if the
	 * lookup missed. */
	tap_ok(acc >= 0 && write(s, "x", 1) == 1, "collision: connected "
	       "and sent");
	for (int i = 0; i < 20 && !w->connects; i++)
		pw_owner_poll(o, 50);
	pw_owner_get_stats(o, &st1);
	late = st1.late_sockets - st0.late_sockets;
	tap_ok(w->connects == 1 && w->pid == (uint32_t)getpid(),
	       "collision: its connect reported once, with our pid (%d, %u)",
	       w->connects, w->pid);
	tap_eq_u64(late, 0, "collision: its details found in the hash, not "
		   "made anew at use");
	tap_ok(held(o, base) >= 4 - SLACK && held(o, base) <= 4 + SLACK,
	       "collision: both sockets, the accepted one and the listener "
	       "held (%lld)", (long long)held(o, base));
	close(x);
	close(acc);
	close(s);
	close(l);
	tap_ok(held(o, base) <= SLACK, "collision: all gone after close "
	       "(%lld)", (long long)held(o, base));
}

int main(void)
{
	struct pw_owner_config cfg;
	struct pw_owner_stats st;
	static struct watch w;
	struct pw_owner *o;
	struct pw_error err;

	if (geteuid() != 0) {
		tap_skip("socket hash: needs root");
		return tap_done();
	}
	if (!pw_owner_ebpf_built()) {
		tap_skip("socket hash: built without eBPF");
		return tap_done();
	}
	if (unshare(CLONE_NEWNET) || !lo_up()) {
		tap_skip("socket hash: no network namespace of our own");
		return tap_done();
	}
	pw_owner_config_default(&cfg);
	cfg.engine = PW_ENGINE_EBPF;
	cfg.on_event = on_event;
	cfg.ctx = &w;
	pw_error_clear(&err);
	o = pw_owner_start(&cfg, &err);
	if (!o) {
		tap_skip("socket hash: eBPF engine: %s", err.msg);
		return tap_done();
	}
	pw_owner_get_stats(o, &st);
	case_used(o, st.kernel_sockets);
	case_unused(o, st.kernel_sockets);
	case_never_accepted(o, st.kernel_sockets);
	case_udp(o, st.kernel_sockets);
	case_collision(o, st.kernel_sockets, &w);
	pw_owner_get_stats(o, &st);
	tap_eq_u64(st.storage_failures, 0, "no socket left without details");
	pw_owner_stop(o);
	return tap_done();
}
