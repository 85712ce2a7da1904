/* The public API (include/procwire.h) against real sockets of this
 * process: the port table, and owner lookups through the polling engine
 * (any user) and, as root, the eBPF engine. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "procwire.h"
#include "sock_cookie.h"
#include "tap.h"

struct pair {
	int listener, client, server;
	uint16_t lport, cport;
};

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	getsockname(fd, (struct sockaddr *)&ss, &len);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* A TCP connection over 127.0.0.1 with both ends in this process. */
static int tcp_pair(struct pair *p)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p->listener = socket(AF_INET, SOCK_STREAM, 0);
	if (p->listener < 0 || bind(p->listener, (struct sockaddr *)&a,
				    sizeof(a)) || listen(p->listener, 4))
		return -1;
	getsockname(p->listener, (struct sockaddr *)&a, &len);
	p->client = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(p->client, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	p->server = accept(p->listener, NULL, NULL);
	p->lport = ntohs(a.sin_port);
	p->cport = local_port(p->client);
	return p->server < 0 ? -1 : 0;
}

static void close_pair(struct pair *p)
{
	close(p->client);
	close(p->server);
	close(p->listener);
}

static void tuple_of(const struct pair *p, struct procwire_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->family = PROCWIRE_IPV4;
	t->proto = PROCWIRE_TCP;
	t->src_port = p->cport;
	t->dst_port = p->lport;
	t->src_addr[0] = 127;
	t->src_addr[3] = 1;
	t->dst_addr[0] = 127;
	t->dst_addr[3] = 1;
}

static void test_ports(void)
{
	struct procwire_port ports[16];
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	uint32_t me = (uint32_t)getpid();
	struct pair p;
	size_t n, i;
	int u6, found_listen = 0, found_client = 0, found_u6 = 0, r;

	if (tcp_pair(&p) < 0) {
		tap_skip("port table: no loopback");
		return;
	}
	a6.sin6_addr = in6addr_loopback;
	u6 = socket(AF_INET6, SOCK_DGRAM, 0);
	bind(u6, (struct sockaddr *)&a6, sizeof(a6));
	r = procwire_list_ports(&me, 1, PROCWIRE_PORTS_ALL, ports, 16, &n);
	tap_eq_u64((uint64_t)r, 0, "list_ports succeeds");
	tap_eq_u64(n, 4, "this process holds 4 sockets");
	for (i = 0; i < n && i < 16; i++) {
		const struct procwire_port *q = &ports[i];

		if (q->pid != me)
			continue;
		if (q->proto == PROCWIRE_TCP && q->state == 10 &&
		    q->local_port == p.lport && q->local_addr[0] == 127)
			found_listen++;
		if (q->proto == PROCWIRE_TCP && q->state == 1 &&
		    q->local_port == p.cport && q->remote_port == p.lport &&
		    q->cookie == sock_cookie(p.client))
			found_client++;
		if (q->proto == PROCWIRE_UDP && q->family == PROCWIRE_IPV6 &&
		    q->local_port == local_port(u6) && q->local_addr[15] == 1)
			found_u6++;
	}
	tap_eq_u64((uint64_t)found_listen, 1, "listener in the table");
	tap_eq_u64((uint64_t)found_client, 1,
		   "client end with its endpoints and cookie");
	tap_eq_u64((uint64_t)found_u6, 1, "IPv6 UDP socket in the table");
	r = procwire_list_ports(&me, 1, PROCWIRE_PORTS_UDP6, ports, 16, &n);
	tap_ok(r == 0 && n == 1 && ports[0].proto == PROCWIRE_UDP,
	       "kind filter: only UDP over IPv6");
	r = procwire_list_ports(&me, 1, PROCWIRE_PORTS_TCP, ports, 1, &n);
	tap_ok(r == 0 && n == 3, "short buffer: count says how many exist");
	r = procwire_list_ports(&me, 1, 0, ports, 16, &n);
	tap_eq_u64((uint64_t)r, (uint64_t)-EINVAL, "no kind asked: -EINVAL");
	close(u6);
	close_pair(&p);
}

static void test_lookup(enum procwire_engine engine, const char *name,
			int want_method_before, int want_method_after)
{
	struct procwire_options opts;
	struct procwire_owner o;
	struct procwire_tuple t;
	struct pair before, after;
	procwire_t *pw = NULL;
	char err[256];
	int r;

	if (tcp_pair(&before) < 0) {
		tap_skip("%s: no loopback", name);
		return;
	}
	procwire_options_init(&opts);
	opts.engine = engine;
	opts.poll_interval_ms = 20;
	r = procwire_open(&opts, &pw, err, sizeof(err));
	if (r == -EPERM || r == -EOPNOTSUPP) {
		tap_skip("%s engine unavailable: %s", name, err);
		close_pair(&before);
		return;
	}
	if (!tap_ok(r == 0, "%s: open", name)) {
		tap_diag("%s", err);
		close_pair(&before);
		return;
	}
	tap_eq_str(procwire_engine_name(pw), name, "engine name");

	/* Open before the context: found at start. */
	tuple_of(&before, &t);
	r = procwire_lookup(pw, &t, 0, &o);
	tap_eq_u64((uint64_t)r, (uint64_t)want_method_before,
		   "connection open before start found, right method");
	tap_eq_u64(o.pid, (uint64_t)getpid(), "its owner is this process");
	tap_ok(strstr(o.exe, "test-api") != NULL, "exe filled in");
	tap_eq_u64(o.cookie == sock_cookie(before.client) ||
		   o.cookie == sock_cookie(before.server), 1,
		   "cookie of one end of the connection");

	/* Made after start: found within the wait. */
	if (tcp_pair(&after) == 0) {
		tuple_of(&after, &t);
		r = procwire_lookup(pw, &t, 2000, &o);
		tap_eq_u64((uint64_t)r, (uint64_t)want_method_after,
			   "new connection found within the wait");
		tap_eq_u64(o.pid, (uint64_t)getpid(), "new connection's owner");
		r = procwire_lookup_cookie(pw, sock_cookie(after.client), &o);
		tap_ok(r > 0 && o.pid == (uint32_t)getpid(),
		       "lookup by cookie");
		close_pair(&after);
	}
	t.src_port = 1;
	t.dst_port = 2;
	r = procwire_lookup(pw, &t, 0, &o);
	tap_ok(r == 0 && o.pid == 0, "unknown tuple: 0, empty owner");
	t.proto = 1;
	tap_eq_u64((uint64_t)procwire_lookup(pw, &t, 0, &o), (uint64_t)-EINVAL,
		   "bad protocol: -EINVAL");
	procwire_close(pw);
	close_pair(&before);
}

int main(void)
{
	tap_eq_str(procwire_method_name(PROCWIRE_METHOD_PREFILL), "prefill",
		   "method names");
	tap_eq_str(procwire_method_name(99), "none", "unknown method name");
	test_ports();
	test_lookup(PROCWIRE_ENGINE_POLLING, "polling", PROCWIRE_METHOD_POLLING,
		    PROCWIRE_METHOD_POLLING);
	if (geteuid() == 0)
		test_lookup(PROCWIRE_ENGINE_EBPF, "ebpf",
			    PROCWIRE_METHOD_PREFILL,
			    PROCWIRE_METHOD_EBPF_TUPLE);
	else
		tap_skip("ebpf engine: not root");
	return tap_done();
}
