/* Unit tests of src/owner: /proc parsers, sock_diag replies recorded from
 * a real kernel, the socket table, the process cache (pid reuse), the
 * tracking filter, and the kernel/user record layout. */
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "owner/engine.h"
#include "owner/filter.h"
#include "owner/owner_abi.h"
#include "owner/proc_cache.h"
#include "owner/procfs.h"
#include "owner/sock_table.h"
#include "owner/sockdiag.h"
#include "sockdiag_replies.h"
#include "tap.h"

static void test_abi_layout(void)
{
	/* The BPF object is compiled from the same header; these offsets
	 * are what user space reads, so a change must be deliberate. */
	tap_eq_u64(sizeof(struct pw_abi_owner), 48, "owner record is 48 bytes");
	tap_eq_u64(sizeof(struct pw_abi_sk_info), 56, "sk info is 56 bytes");
	tap_eq_u64(sizeof(struct pw_abi_sock_event), 120,
		   "socket event is 120 bytes");
	tap_eq_u64(sizeof(struct pw_abi_proc_event), 584,
		   "process event is 584 bytes");
	tap_eq_u64(offsetof(struct pw_abi_sock_event, cookie), 16,
		   "cookie at offset 16");
	tap_eq_u64(offsetof(struct pw_abi_sock_event, saddr), 40,
		   "saddr at offset 40");
	tap_eq_u64(offsetof(struct pw_abi_sock_event, owner), 72,
		   "owner at offset 72");
	tap_eq_u64(offsetof(struct pw_abi_owner, start_ns), 24,
		   "start time at offset 24");
	tap_eq_u64(offsetof(struct pw_abi_proc_event, path), 72,
		   "exec path at offset 72");
	tap_ok(PW_ABI_EXEC > PW_ABI_PREFILL,
	       "process kinds sort after socket kinds");
}

static void test_procfs_stat(void)
{
	static const char stat[] =
		"4242 (a) b) c) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 "
		"20 0 1 0 987654 1000 200 18446744073709551615";
	struct pw_proc_stat st;

	tap_ok(pw_procfs_parse_stat(stat, strlen(stat), &st),
	       "stat with ') ' inside comm parses");
	tap_eq_u64(st.pid, 4242, "stat pid");
	tap_eq_str(st.comm, "a) b) c", "stat comm runs to the last ')'");
	tap_eq_u64((uint64_t)st.state, 'S', "stat state");
	tap_eq_u64(st.ppid, 17, "stat ppid");
	tap_eq_u64(st.start_ticks, 987654, "stat start time (field 22)");
	tap_ok(!pw_procfs_parse_stat(stat, 40, &st),
	       "stat cut before field 22 is refused");
	tap_ok(!pw_procfs_parse_stat("12 noparen S 1", 14, &st),
	       "stat without '(' is refused");
	tap_ok(!pw_procfs_parse_stat("x", 1, &st), "stat without pid refused");
}

static void test_procfs_misc(void)
{
	static const char status[] = "Name:\tcat\nUmask:\t0022\nState:\tR\n"
				     "Uid:\t1000\t1001\t1002\t1003\n";
	static const char cg_v2[] = "12:pids:/user.slice\n0::/system.slice/"
		"docker-0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef.scope\n";
	static const char cg_v1[] = "3:cpu:/\n2:memory:/mygroup\n";
	char path[256], id[80], line[64];
	uint64_t inode;
	uint32_t uid, ns;

	tap_ok(pw_procfs_parse_socket_link("socket:[12345]", &inode) &&
	       inode == 12345, "socket link inode");
	tap_ok(!pw_procfs_parse_socket_link("socket:[12a]", &inode),
	       "socket link with junk refused");
	tap_ok(!pw_procfs_parse_socket_link("pipe:[5]", &inode),
	       "pipe link is not a socket");
	tap_ok(!pw_procfs_parse_socket_link(
		       "socket:[99999999999999999999999]", &inode),
	       "overflowing inode refused");
	tap_ok(pw_procfs_parse_ns_link("net:[4026531840]", &ns) &&
	       ns == 4026531840u, "netns link inode");
	tap_ok(pw_procfs_parse_status_uid(status, strlen(status), &uid) &&
	       uid == 1000, "status real uid");
	tap_ok(pw_procfs_parse_cgroup(cg_v2, strlen(cg_v2), path, sizeof(path)),
	       "cgroup v2 line found");
	tap_ok(!strncmp(path, "/system.slice/docker-0123", 25),
	       "cgroup v2 path preferred over v1");
	tap_ok(pw_procfs_container_id(path, id, sizeof(id)) &&
	       !strcmp(id, "0123456789abcdef0123456789abcdef"
			   "0123456789abcdef0123456789abcdef"),
	       "container id from docker scope");
	tap_ok(pw_procfs_parse_cgroup(cg_v1, strlen(cg_v1), path, sizeof(path))
	       && !strcmp(path, "/mygroup"), "first non-root v1 path");
	tap_ok(!pw_procfs_container_id("/user.slice/session-2.scope", id,
				       sizeof(id)) && !id[0],
	       "no container id in a session cgroup");
	pw_procfs_join_args("ls\0-l\0a\nb\0\0", 11, line, sizeof(line));
	tap_eq_str(line, "ls -l a?b", "argv joined, control chars replaced");
	pw_procfs_join_args("abcdef", 6, line, 4);
	tap_eq_str(line, "abc", "joined argv truncated to the buffer");
}

struct diag_seen {
	struct pw_sockdiag_sock s[8];
	int n;
};

static void collect(const struct pw_sockdiag_sock *s, void *ctx)
{
	struct diag_seen *d = ctx;

	if (d->n < 8)
		d->s[d->n] = *s;
	d->n++;
}

static void test_sockdiag(void)
{
	static const uint8_t lo4[4] = { 127, 0, 0, 1 };
	static const uint8_t lo6[16] = { [15] = 1 };
	struct diag_seen d;
	struct pw_error err;
	uint8_t req[PW_SOCKDIAG_REQ_LEN + 8], bad[256];
	int r;

	tap_eq_u64(pw_sockdiag_request(req, sizeof(req), 2, IPPROTO_TCP, 7),
		   PW_SOCKDIAG_REQ_LEN, "request length");
	tap_eq_u64(req[16], 2, "request family");
	tap_eq_u64(req[17], IPPROTO_TCP, "request protocol");
	tap_eq_u64(pw_sockdiag_request(req, 10, 2, IPPROTO_TCP, 7), 0,
		   "request into a short buffer refused");

	/* Recorded: TCP over IPv4, a listener on 127.0.0.1:7777 and both
	 * ends of one connection, then NLMSG_DONE. */
	memset(&d, 0, sizeof(d));
	pw_error_clear(&err);
	r = pw_sockdiag_parse(reply_tcp4, sizeof(reply_tcp4), IPPROTO_TCP,
			      collect, &d, &err);
	tap_eq_u64((uint64_t)r, 1, "tcp4 reply parsed to NLMSG_DONE");
	tap_eq_u64((uint64_t)d.n, 3, "tcp4 reply has 3 sockets");
	tap_ok(d.s[0].family == 4 && d.s[0].state == 10 &&
	       d.s[0].sport == 7777 && d.s[0].dport == 0 &&
	       !memcmp(d.s[0].saddr, lo4, 4), "listener 127.0.0.1:7777");
	tap_eq_u64(d.s[0].inode, REPLY_TCP4_LISTEN_INODE, "listener inode");
	tap_eq_u64(d.s[0].cookie, REPLY_TCP4_LISTEN_COOKIE, "listener cookie");
	tap_ok(d.s[1].state == 1 && (d.s[1].sport == 7777 ||
				     d.s[1].dport == 7777),
	       "established socket on port 7777");

	/* Recorded: UDP over IPv6, a socket bound to [::1]:7778. */
	memset(&d, 0, sizeof(d));
	r = pw_sockdiag_parse(reply_udp6, sizeof(reply_udp6), IPPROTO_UDP,
			      collect, &d, &err);
	tap_eq_u64((uint64_t)r, 1, "udp6 reply parsed to NLMSG_DONE");
	tap_eq_u64((uint64_t)d.n, 1, "udp6 reply has 1 socket");
	tap_ok(d.s[0].family == 6 && d.s[0].sport == 7778 &&
	       !memcmp(d.s[0].saddr, lo6, 16) && d.s[0].proto == IPPROTO_UDP,
	       "udp6 socket [::1]:7778");

	/* A reply cut inside a message: no callback past the cut, error. */
	memset(&d, 0, sizeof(d));
	r = pw_sockdiag_parse(reply_tcp4, 16 + 40, IPPROTO_TCP, collect, &d,
			      &err);
	tap_ok(r < 0 && d.n == 0, "truncated message refused");

	/* A header claiming less than its own size. */
	memset(bad, 0, sizeof(bad));
	bad[0] = 8;
	r = pw_sockdiag_parse(bad, 64, IPPROTO_TCP, collect, &d, &err);
	tap_ok(r < 0, "message length below header refused");

	/* NLMSG_ERROR with -ENOENT (no udp_diag module). */
	memset(bad, 0, sizeof(bad));
	bad[0] = 36;
	bad[4] = 2;	/* NLMSG_ERROR */
	{
		int32_t code = -2;

		memcpy(bad + 16, &code, 4);
	}
	r = pw_sockdiag_parse(bad, 36, IPPROTO_UDP, collect, &d, &err);
	tap_ok(r < 0 && err.code == -2, "netlink error reported with errno");

	/* A diag message too short for struct inet_diag_msg. */
	memset(bad, 0, sizeof(bad));
	bad[0] = 16 + 20;
	bad[4] = 20;	/* SOCK_DIAG_BY_FAMILY */
	r = pw_sockdiag_parse(bad, 36, IPPROTO_TCP, collect, &d, &err);
	tap_ok(r < 0, "short diag message refused");
}

static struct pw_owner_tuple tuple4(uint8_t proto, const char *l,
				    uint16_t lport, const char *r,
				    uint16_t rport)
{
	struct pw_owner_tuple t;
	unsigned a, b, c, e;

	memset(&t, 0, sizeof(t));
	t.family = 4;
	t.proto = proto;
	t.lport = lport;
	t.rport = rport;
	if (sscanf(l, "%u.%u.%u.%u", &a, &b, &c, &e) == 4) {
		t.laddr[0] = (uint8_t)a; t.laddr[1] = (uint8_t)b;
		t.laddr[2] = (uint8_t)c; t.laddr[3] = (uint8_t)e;
	}
	if (sscanf(r, "%u.%u.%u.%u", &a, &b, &c, &e) == 4) {
		t.raddr[0] = (uint8_t)a; t.raddr[1] = (uint8_t)b;
		t.raddr[2] = (uint8_t)c; t.raddr[3] = (uint8_t)e;
	}
	return t;
}

static void test_sock_table(void)
{
	struct pw_sock_table *t = pw_sock_table_new(4, 1000);
	struct pw_owner_tuple conn, udp, q;
	struct pw_sock_entry *e, *m;
	uint64_t count, ev;

	conn = tuple4(IPPROTO_TCP, "10.0.0.1", 40000, "10.0.0.2", 80);
	e = pw_sock_table_get(t, 100, 10);
	pw_sock_table_set_tuple(t, e, &conn);
	e->owner.pid = 11;

	udp = tuple4(IPPROTO_UDP, "0.0.0.0", 5353, "0.0.0.0", 0);
	e = pw_sock_table_get(t, 101, 11);
	pw_sock_table_set_tuple(t, e, &udp);
	e->owner.pid = 12;

	m = pw_sock_table_match(t, &conn);
	tap_ok(m && m->cookie == 100, "exact tuple match");
	q = tuple4(IPPROTO_UDP, "10.0.0.1", 5353, "10.0.0.9", 53);
	m = pw_sock_table_match(t, &q);
	tap_ok(m && m->cookie == 101, "unconnected UDP matches on local port "
	       "with any local address");
	q = tuple4(IPPROTO_TCP, "10.0.0.1", 40000, "10.0.0.3", 80);
	tap_ok(!pw_sock_table_match(t, &q), "other peer does not match");
	q = conn;
	q.netns = 77;
	e = pw_sock_table_find(t, 100);
	e->tuple.netns = 78;
	tap_ok(!pw_sock_table_match(t, &q), "other namespace does not match");
	e->tuple.netns = 0;

	/* The same tuple reused by a newer socket: the open one wins over
	 * the closed one. */
	pw_sock_table_close(t, pw_sock_table_find(t, 100), 20);
	e = pw_sock_table_get(t, 102, 21);
	pw_sock_table_set_tuple(t, e, &conn);
	e->owner.pid = 13;
	m = pw_sock_table_match(t, &conn);
	tap_ok(m && m->cookie == 102, "reused tuple: open socket wins");

	/* Linger: the closed socket is gone after 1000 ns. */
	pw_sock_table_expire(t, 2000);
	tap_ok(!pw_sock_table_find(t, 100), "closed socket expires");
	tap_ok(pw_sock_table_find(t, 102) != NULL, "open socket stays");

	/* Cap of 4: the least recently updated goes. */
	pw_sock_table_get(t, 103, 2001);
	pw_sock_table_get(t, 104, 2002);
	pw_sock_table_get(t, 105, 2003);
	pw_sock_table_stats(t, &count, &ev);
	tap_eq_u64(count, 4, "table holds its cap");
	tap_eq_u64(ev, 1, "one eviction of an open socket counted");
	tap_ok(!pw_sock_table_find(t, 101), "oldest entry evicted");
	pw_sock_table_close(t, pw_sock_table_find(t, 102), 2004);
	pw_sock_table_get(t, 106, 2005);
	pw_sock_table_get(t, 107, 2006);
	pw_sock_table_stats(t, &count, &ev);
	tap_ok(count == 4 && ev == 2, "closed socket evicted early is not "
	       "counted as a loss");
	pw_sock_table_free(t);
}

static void test_proc_cache_reuse(void)
{
	struct pw_proc_cache *c = pw_proc_cache_new(2);
	struct pw_raw_owner o;
	struct pw_proc_entry *a, *b, *f;
	uint64_t tick = pw_procfs_tick_ns(), n, ev, miss;

	memset(&o, 0, sizeof(o));
	/* A pid far above pid_max, so /proc has nothing for it. */
	o.pid = 0x7ffffff0;
	o.start_ns = 100 * tick;
	strcpy(o.comm, "first");
	a = pw_proc_cache_put(c, &o, true);
	a->exe = strdup("/bin/first");
	o.start_ns = 500 * tick;
	strcpy(o.comm, "second");
	b = pw_proc_cache_put(c, &o, true);
	tap_ok(a != b, "reused pid with another start time: new entry");
	tap_ok(b->exe == NULL, "new process does not inherit the old exe");
	f = pw_proc_cache_find(c, o.pid, 100 * tick + tick / 2);
	tap_ok(f == a && !strcmp(f->comm, "first"),
	       "old process found by its start time (same tick)");
	f = pw_proc_cache_find(c, o.pid, 0);
	tap_ok(f == b, "no start time: the newest process");
	pw_proc_cache_stats(c, &n, &ev, &miss);
	tap_eq_u64(miss, 2, "both /proc reads missed (pid not alive)");
	o.pid = 0x7ffffff1;
	pw_proc_cache_put(c, &o, false);
	pw_proc_cache_stats(c, &n, &ev, &miss);
	tap_eq_u64(n, 2, "cache stays at its cap");
	tap_eq_u64(ev, 1, "eviction counted");
	pw_proc_cache_exec(c, pw_proc_cache_find(c, 0x7ffffff1, 0), "/x/prog",
			   "prog\0--flag\0", 12);
	f = pw_proc_cache_find(c, 0x7ffffff1, 0);
	tap_ok(f && f->exe && !strcmp(f->exe, "/x/prog") && f->cmdline &&
	       !strcmp(f->cmdline, "prog --flag"),
	       "exec event sets exe and cmdline when /proc is gone");

	/* This process: /proc read with a matching start time. */
	memset(&o, 0, sizeof(o));
	o.pid = (uint32_t)getpid();
	{
		struct pw_proc_stat st;
		uint32_t uid;

		pw_procfs_read_stat(o.pid, &st, &uid);
		o.start_ns = st.start_ticks * tick;
		f = pw_proc_cache_put(c, &o, true);
		tap_ok(f && f->exe && strstr(f->exe, "test-owner"),
		       "live process: exe read from /proc");
		tap_ok(f && f->cmdline && strstr(f->cmdline, "test-owner"),
		       "live process: cmdline read from /proc");
		o.start_ns = (st.start_ticks + 1000) * tick;
		f = pw_proc_cache_put(c, &o, true);
		tap_ok(f && !f->exe, "wrong start time: /proc not trusted");
	}
	pw_proc_cache_free(c);
}

static void test_filter(void)
{
	struct pw_owner_filter *f = pw_owner_filter_new(true);
	struct pw_owner_event ev;

	memset(&ev, 0, sizeof(ev));
	pw_owner_filter_add_pid(f, 0x7ffffff0);
	pw_owner_filter_add_name(f, "curl");
	ev.kind = PW_OEV_CONNECT;
	ev.owner.pid = 0x7ffffff0;
	tap_ok(pw_owner_filter_match(f, &ev), "tracked pid matches");
	ev.owner.pid = 99;
	strcpy(ev.owner.comm, "wget");
	tap_ok(!pw_owner_filter_match(f, &ev), "other process filtered out");
	strcpy(ev.owner.comm, "curl");
	tap_ok(pw_owner_filter_match(f, &ev), "name matches comm");
	strcpy(ev.owner.comm, "sh");
	ev.owner.exe = "/usr/bin/curl";
	tap_ok(pw_owner_filter_match(f, &ev), "name matches exe base name");
	ev.owner.exe = NULL;
	ev.kind = PW_OEV_FORK;
	ev.owner.pid = 0x7ffffff5;
	ev.owner.ppid = 0x7ffffff0;
	ev.owner.start_ns = 1;
	pw_owner_filter_match(f, &ev);
	ev.kind = PW_OEV_SEND;
	tap_ok(pw_owner_filter_match(f, &ev), "forked child followed");
	ev.kind = PW_OEV_EXIT;
	pw_owner_filter_match(f, &ev);
	ev.kind = PW_OEV_SEND;
	ev.owner.start_ns = 5000000000ull;
	tap_ok(!pw_owner_filter_match(f, &ev),
	       "exited child's reused pid is not tracked");
	pw_owner_filter_free(f);

	f = pw_owner_filter_new(false);
	pw_owner_filter_add_cgroup(f, "/system.slice/");
	ev.owner.cgroup = "/system.slice/ssh.service";
	tap_ok(pw_owner_filter_match(f, &ev), "cgroup prefix matches");
	ev.owner.cgroup = "/system.slicex";
	tap_ok(!pw_owner_filter_match(f, &ev), "cgroup prefix stops at '/'");
	pw_owner_filter_free(f);
}

int main(void)
{
	test_abi_layout();
	test_procfs_stat();
	test_procfs_misc();
	test_sockdiag();
	test_sock_table();
	test_proc_cache_reuse();
	test_filter();
	return tap_done();
}
