/* Packet-time owners (cgroup_skb): packets of this process's connection
 * come with this process as owner, taken from the socket's storage; a
 * child's connection is left out when only this process is a target.
 * Needs root and the eBPF engine; skips otherwise. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "owner/owner.h"
#include "tap.h"

struct seen {
	uint64_t cookie;	/* the client socket of this process */
	uint32_t child;
	int syn_out, synack_in, data_out, total_mine, child_pkts, no_owner;
	int wrong_owner;
};

static void on_packet(const struct pw_owner_packet *p, void *ctx)
{
	struct seen *s = ctx;
	const uint8_t *ip = p->data, *tcp;

	if (s->child && p->owner.pid == s->child)
		s->child_pkts++;
	if (p->owner.cookie != s->cookie)
		return;
	s->total_mine++;
	if (p->owner.pid != (uint32_t)getpid() ||
	    strcmp(p->owner.comm, "pw-pkt-test") ||
	    p->owner.method != PW_OWNER_EBPF_SOCKET)
		s->wrong_owner++;
	if (p->caplen < 40 || p->family != 4 || (ip[0] >> 4) != 4 ||
	    ip[9] != IPPROTO_TCP)
		return;
	tcp = ip + (ip[0] & 15) * 4;
	if (tcp + 14 > ip + p->caplen)
		return;
	if (p->dir == PW_DIR_OUT && (tcp[13] & 0x12) == 0x02)
		s->syn_out++;
	if (p->dir == PW_DIR_IN && (tcp[13] & 0x12) == 0x12)
		s->synack_in++;
	if (p->dir == PW_DIR_OUT && p->wirelen > (uint32_t)((ip[0] & 15) * 4 +
							    (tcp[12] >> 4) * 4))
		s->data_out++;
}

static int listener(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(l, 8) || getsockname(l, (struct sockaddr *)&a, &len))
		return -1;
	*port = ntohs(a.sin_port);
	return l;
}

static int connect_send(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int c = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) ||
	    write(c, "hello", 5) != 5)
		return -1;
	return c;
}

int main(void)
{
	struct pw_owner_config cfg;
	struct pw_owner_stats st;
	struct pw_owner *o;
	struct pw_error err;
	struct seen s;
	uint64_t cookie = 0;
	socklen_t clen = sizeof(cookie);
	uint16_t port = 0;
	pid_t child;
	int l, c, srv, i, status;

	if (geteuid() != 0) {
		tap_skip("packet owners: needs root");
		return tap_done();
	}
	prctl(PR_SET_NAME, "pw-pkt-test");
	if (getenv("PW_DEBUG"))
		pw_log_verbosity = PW_LOG_DEBUG;
	memset(&s, 0, sizeof(s));
	pw_owner_config_default(&cfg);
	cfg.engine = PW_ENGINE_EBPF;
	cfg.on_packet = on_packet;
	cfg.ctx = &s;
	cfg.packet_targets_only = true;
	pw_error_clear(&err);
	o = pw_owner_start(&cfg, &err);
	if (!o) {
		tap_skip("packet owners: eBPF engine unavailable: %s", err.msg);
		return tap_done();
	}
	tap_eq_u64((uint64_t)pw_owner_packet_target(o, false,
						    (uint64_t)getpid(), true),
		   0, "this process is a packet target");
	l = listener(&port);
	if (!tap_ok(l >= 0, "loopback listener"))
		goto out;

	/* A child's connection: not a target, its packets stay out. */
	child = fork();
	if (child == 0) {
		int cc = connect_send(port);

		usleep(100000);
		_exit(cc < 0);
	}
	s.child = (uint32_t)child;

	c = connect_send(port);
	getsockopt(c, SOL_SOCKET, 57 /* SO_COOKIE */, &cookie, &clen);
	s.cookie = cookie;
	for (i = 0; i < 2; i++) {
		srv = accept(l, NULL, NULL);
		if (srv >= 0) {
			char buf[8];

			(void)!read(srv, buf, sizeof(buf));
			close(srv);
		}
	}
	close(c);
	waitpid(child, &status, 0);
	for (i = 0; i < 20; i++)
		pw_owner_poll(o, 10);

	tap_ok(s.syn_out == 1, "SYN out with this process as owner (%d)",
	       s.syn_out);
	tap_ok(s.synack_in == 1, "SYN-ACK in, owned by the receiving socket's "
	       "process (%d)", s.synack_in);
	tap_ok(s.data_out >= 1, "data segment out (%d)", s.data_out);
	tap_eq_u64((uint64_t)s.wrong_owner, 0,
		   "every packet of the socket names this process by pid, "
		   "name and method");
	tap_eq_u64((uint64_t)s.child_pkts, 0,
		   "the child's packets are not reported");
	pw_owner_get_stats(o, &st);
	tap_eq_u64(st.packets_lost, 0, "no packet record lost");
	tap_ok(st.packets >= (uint64_t)s.total_mine, "packets counted");
	close(l);
out:
	pw_owner_stop(o);
	return tap_done();
}
