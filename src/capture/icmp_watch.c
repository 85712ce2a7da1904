/* ICMP errors, two sockets per network namespace: a raw ICMP socket for
 * IPv4 and a packet socket for IPv6.
 *
 * The raw socket receives only ICMP (the kernel hands raw sockets the
 * packets of their protocol, after the IP header checks, from the IP
 * header on): every other IPv4 packet of the namespace costs nothing. A
 * packet socket bound to ETH_P_IP would run its filter on every IPv4
 * packet received there, a capture's largest cost to other processes'
 * connections. For IPv6 a raw socket gets the ICMPv6 message without its
 * IPv6 header, which the capture must write as it came: IPv6 stays on a
 * packet socket.
 *
 * A packet socket belongs for its whole life to the namespace it was made
 * in. Sockets for another namespace are made by a short-lived helper
 * thread that setns()es there (setns of a network namespace changes only
 * the calling thread): the capture's own thread, which may be an
 * embedding program's, never leaves its namespace, so nothing that fails
 * halfway can strand it elsewhere, and there is no way back to get wrong.
 * One thread serves a whole batch of namespaces.
 *
 * A packet socket is made with protocol 0 (it receives nothing), gets its
 * filter, and only then is bound to its protocol: no packet is queued
 * unfiltered. A raw socket receives from its creation: what it queued
 * before its filter is read and dropped.
 * Each one also holds a reference on its namespace, hence the rescan that
 * lets go of namespaces nothing else holds. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "base/log.h"
#include "capture/icmp_watch.h"

#define MAX_NAMESPACES 1024
#define RCVBUF_BYTES (256 * 1024)
#define READ_MAX 65536u		/* largest IP packet */

struct watched {
	uint32_t inode;
	int fd[2];		/* raw ICMP (IPv4), packet socket ETH_P_IPV6 */
	uint32_t raw_drops;	/* the raw socket's drops (SO_RXQ_OVFL) */
	bool seen;		/* found by the rescan under way */
};

struct pw_icmp_watch {
	int epfd;
	bool loopback;
	uint32_t snaplen;
	uint32_t own;		/* procwire's namespace */
	uint32_t last_asked;	/* pw_icmp_watch_netns's fast path */
	struct watched *ns;
	unsigned n;
	/* Namespaces that could not be entered (no privilege over them, or
	 * nothing left inside to enter through): not tried again while they
	 * exist; forgotten when a rescan no longer finds them, since inode
	 * numbers are reused. */
	struct {
		uint32_t inode;
		bool seen;
	} *unreachable;
	unsigned nunreachable;
	uint64_t read, lost;
	uint8_t *buf;
};

/* --- the filter ---------------------------------------------------- */

/* Jump targets while building: forward to the final accept or drop. */
enum { J_NEXT = 0, J_ACCEPT = 0xfe, J_DROP = 0xff };

struct builder {
	struct sock_filter *p;
	unsigned n;
};

static void op(struct builder *b, uint16_t code, uint32_t k, uint8_t jt,
	       uint8_t jf)
{
	b->p[b->n++] = (struct sock_filter){ code, jt, jf, k };
}

static uint8_t resolve(uint8_t label, unsigned at, unsigned accept)
{
	if (label == J_ACCEPT)
		return (uint8_t)(accept - at - 1);
	if (label == J_DROP)
		return (uint8_t)(accept + 1 - at - 1);
	return label;
}

/* ICMP types that quote the packet they answer, as pkt/dissect_l4.c has
 * them: ICMPv4 destination unreachable (3, packet too big is its code 4),
 * source quench (4), redirect (5), time exceeded (11), parameter problem
 * (12) (RFC 1122 3.2.2 lists them as the error messages); ICMPv6 1-4
 * (RFC 4443). An IPv6 error is recognised when ICMPv6 follows the fixed
 * header directly, as routers and hosts send them. */
unsigned pw_icmp_filter(int family, bool loopback, uint32_t snaplen,
			struct sock_filter *prog)
{
	static const uint8_t v4_types[] = { 3, 4, 5, 11, 12 };
	struct builder b = { prog, 0 };
	unsigned i, accept;

	/* Loopback (ifindex 1 in every namespace) unless asked for; what
	 * this host sends (never delivered to a socket bound to a protocol,
	 * but checked all the same). k 0 matches no interface. */
	op(&b, BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_AD_OFF + SKF_AD_IFINDEX,
	   0, 0);
	op(&b, BPF_JMP | BPF_JEQ | BPF_K, loopback ? 0 : 1, J_DROP, J_NEXT);
	op(&b, BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_AD_OFF + SKF_AD_PKTTYPE,
	   0, 0);
	op(&b, BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, J_DROP, J_NEXT);
	/* The packet from its IP header (a SOCK_DGRAM socket's view). */
	op(&b, BPF_LD | BPF_B | BPF_ABS, 0, 0, 0);
	op(&b, BPF_ALU | BPF_AND | BPF_K, 0xf0, 0, 0);
	if (family == 4) {
		op(&b, BPF_JMP | BPF_JEQ | BPF_K, 0x40, J_NEXT, J_DROP);
		op(&b, BPF_LD | BPF_B | BPF_ABS, 9, 0, 0);	/* protocol */
		op(&b, BPF_JMP | BPF_JEQ | BPF_K, 1, J_NEXT, J_DROP);
		op(&b, BPF_LD | BPF_H | BPF_ABS, 6, 0, 0);	/* fragment */
		op(&b, BPF_JMP | BPF_JSET | BPF_K, 0x1fff, J_DROP, J_NEXT);
		op(&b, BPF_LDX | BPF_B | BPF_MSH, 0, 0, 0);	/* 4 * IHL */
		op(&b, BPF_LD | BPF_B | BPF_IND, 0, 0, 0);	/* type */
		for (i = 0; i < sizeof(v4_types); i++)
			op(&b, BPF_JMP | BPF_JEQ | BPF_K, v4_types[i],
			   J_ACCEPT, i + 1 < sizeof(v4_types) ?
			   J_NEXT : J_DROP);
	} else {
		op(&b, BPF_JMP | BPF_JEQ | BPF_K, 0x60, J_NEXT, J_DROP);
		op(&b, BPF_LD | BPF_B | BPF_ABS, 6, 0, 0);	/* next hdr */
		op(&b, BPF_JMP | BPF_JEQ | BPF_K, 58, J_NEXT, J_DROP);
		op(&b, BPF_LD | BPF_B | BPF_ABS, 40, 0, 0);	/* type */
		op(&b, BPF_JMP | BPF_JGT | BPF_K, 4, J_DROP, J_NEXT);
		op(&b, BPF_JMP | BPF_JGE | BPF_K, 1, J_ACCEPT, J_DROP);
	}
	accept = b.n;
	op(&b, BPF_RET | BPF_K, snaplen, 0, 0);
	op(&b, BPF_RET | BPF_K, 0, 0, 0);
	for (i = 0; i < accept; i++) {
		if (BPF_CLASS(prog[i].code) != BPF_JMP)
			continue;
		prog[i].jt = resolve(prog[i].jt, i, accept);
		prog[i].jf = resolve(prog[i].jf, i, accept);
	}
	return b.n;
}

/* --- sockets ---------------------------------------------------------- */

/* What both sockets set: the filter, the receive buffer, timestamps. */
static int set_common(int fd, int family, bool loopback, uint32_t snaplen)
{
	struct sock_filter code[PW_ICMP_FILTER_MAX];
	struct sock_fprog prog = { 0, code };
	int one = 1, rcvbuf = RCVBUF_BYTES;

	prog.len = (unsigned short)pw_icmp_filter(family, loopback, snaplen,
						   code);
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
		       sizeof(prog)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		       sizeof(rcvbuf)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
		return -errno;
	return 0;
}

/* The IPv4 socket: raw ICMP, filtered like the packet socket (a raw
 * socket's filter sees the packet from its IP header too). */
static int open_raw4(bool loopback, uint32_t snaplen)
{
	int fd, one = 1, e;
	char drop[1];

	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    IPPROTO_ICMP);
	if (fd < 0)
		return -errno;
	e = set_common(fd, 4, loopback, snaplen);
	if (!e && (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one,
			      sizeof(one)) < 0 ||
		   setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one,
			      sizeof(one)) < 0))
		e = -errno;
	if (e) {
		close(fd);
		return e;
	}
	while (recv(fd, drop, sizeof(drop), MSG_DONTWAIT | MSG_TRUNC) >= 0)
		;
	return fd;
}

/* The IPv6 socket: a packet socket, bound to ETH_P_IPV6 once filtered. */
static int open_packet6(bool loopback, uint32_t snaplen)
{
	struct sockaddr_ll sll;
	int fd, one = 1, e;

	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IPV6);
	e = set_common(fd, 6, loopback, snaplen);
	if (!e && (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one,
			      sizeof(one)) < 0 ||
		   bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0))
		e = -errno;
	if (e) {
		close(fd);
		return e;
	}
	return fd;
}

/* Both sockets in the calling thread's namespace; 0 or -errno. */
static int open_pair(int fd[2], bool loopback, uint32_t snaplen)
{
	fd[0] = open_raw4(loopback, snaplen);
	if (fd[0] < 0)
		return fd[0];
	fd[1] = open_packet6(loopback, snaplen);
	if (fd[1] < 0) {
		int e = fd[1];

		close(fd[0]);
		fd[0] = -1;
		return e;
	}
	return 0;
}

struct ns_job {
	uint32_t inode;
	int nsfd;
	int fd[2];
	int err;
};

struct ns_batch {
	struct ns_job *jobs;
	unsigned n;
	bool loopback;
	uint32_t snaplen;
};

static void *open_in_namespaces(void *arg)
{
	struct ns_batch *b = arg;

	for (unsigned i = 0; i < b->n; i++) {
		struct ns_job *j = &b->jobs[i];

		if (setns(j->nsfd, CLONE_NEWNET) < 0)
			j->err = -errno;
		else
			j->err = open_pair(j->fd, b->loopback, b->snaplen);
	}
	return NULL;
}

static struct watched *find(struct pw_icmp_watch *w, uint32_t inode)
{
	for (unsigned i = 0; i < w->n; i++)
		if (w->ns[i].inode == inode)
			return &w->ns[i];
	return NULL;
}

static int unreachable_index(const struct pw_icmp_watch *w, uint32_t inode)
{
	for (unsigned i = 0; i < w->nunreachable; i++)
		if (w->unreachable[i].inode == inode)
			return (int)i;
	return -1;
}

static bool is_unreachable(const struct pw_icmp_watch *w, uint32_t inode)
{
	return unreachable_index(w, inode) >= 0;
}

static void note_unreachable(struct pw_icmp_watch *w, uint32_t inode)
{
	if (is_unreachable(w, inode) || w->nunreachable == MAX_NAMESPACES)
		return;
	w->unreachable[w->nunreachable].inode = inode;
	w->unreachable[w->nunreachable].seen = true;
	w->nunreachable++;
}

/* The epoll key of a socket: its namespace and descriptor, and whether
 * it is the raw IPv4 one (descriptors are below 2^31). */
#define KEY_RAW4 0x80000000u

static uint64_t ep_key(uint32_t inode, int fd, bool raw4)
{
	return (uint64_t)inode << 32 | (uint32_t)fd | (raw4 ? KEY_RAW4 : 0);
}

static int add_watched(struct pw_icmp_watch *w, uint32_t inode, int fd[2])
{
	struct epoll_event ev;
	struct watched *ns;

	if (w->n == MAX_NAMESPACES)
		return -E2BIG;
	for (int k = 0; k < 2; k++) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u64 = ep_key(inode, fd[k], k == 0);
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd[k], &ev) < 0)
			return -errno;
	}
	ns = &w->ns[w->n++];
	ns->inode = inode;
	ns->fd[0] = fd[0];
	ns->fd[1] = fd[1];
	ns->raw_drops = 0;
	ns->seen = true;
	return 0;
}

/* The packet socket's drops since the last call (its counters restart
 * at every read); the raw socket's come with its packets. */
static void count_lost(struct pw_icmp_watch *w, int fd)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	if (!getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len))
		w->lost += st.tp_drops;
}

static void close_watched(struct pw_icmp_watch *w, unsigned i)
{
	count_lost(w, w->ns[i].fd[1]);
	w->lost += w->ns[i].raw_drops;
	for (int k = 0; k < 2; k++) {
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->ns[i].fd[k], NULL);
		close(w->ns[i].fd[k]);
	}
	w->ns[i] = w->ns[--w->n];
	w->last_asked = 0;
}

/* Opens the namespaces of jobs (nsfd set, inode checked) on one helper
 * thread and watches those that worked; closes every nsfd. */
static void open_batch(struct pw_icmp_watch *w, struct ns_job *jobs,
		       unsigned n)
{
	struct ns_batch b = { jobs, n, w->loopback, w->snaplen };
	pthread_t th;
	unsigned i;

	if (!n)
		return;
	for (i = 0; i < n; i++) {
		jobs[i].fd[0] = jobs[i].fd[1] = -1;
		jobs[i].err = -ECANCELED;
	}
	if (!pthread_create(&th, NULL, open_in_namespaces, &b))
		pthread_join(th, NULL);
	for (i = 0; i < n; i++) {
		close(jobs[i].nsfd);
		if (jobs[i].err == 0 &&
		    add_watched(w, jobs[i].inode, jobs[i].fd) == 0) {
			pw_debug("ICMP errors: watching network namespace %u",
				 jobs[i].inode);
			continue;
		}
		pw_debug("ICMP errors: cannot watch network namespace %u: %s",
			 jobs[i].inode, strerror(-jobs[i].err));
		if (jobs[i].fd[0] >= 0)
			close(jobs[i].fd[0]);
		if (jobs[i].fd[1] >= 0)
			close(jobs[i].fd[1]);
		if (jobs[i].err != -ECANCELED)	/* else: no thread, retried */
			note_unreachable(w, jobs[i].inode);
	}
}

/* An open namespace file whose inode is the one wanted, or -1. */
static int open_ns_file(const char *path, uint32_t inode)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || (uint32_t)st.st_ino != inode) {
		close(fd);
		return -1;
	}
	return fd;
}

/* --- finding namespaces ---------------------------------------------- */

/* Calls fn with the path and inode of every network namespace file:
 * /run/netns/NAME, then /proc/PID/ns/net. */
static void each_ns_file(void (*fn)(const char *path, uint32_t inode,
				    void *ctx), void *ctx)
{
	static const char *const dirs[] = { "/run/netns", "/proc" };
	char path[300];
	struct dirent *de;
	struct stat st;
	char *end;
	DIR *d;

	for (unsigned k = 0; k < 2; k++) {
		d = opendir(dirs[k]);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			if (k == 1) {
				if (strtol(de->d_name, &end, 10) <= 0 || *end)
					continue;
				snprintf(path, sizeof(path),
					 "/proc/%s/ns/net", de->d_name);
			} else {
				snprintf(path, sizeof(path), "/run/netns/%s",
					 de->d_name);
			}
			if (!stat(path, &st))
				fn(path, (uint32_t)st.st_ino, ctx);
		}
		closedir(d);
	}
}

struct scan {
	struct pw_icmp_watch *w;
	struct ns_job *jobs;	/* namespaces to open */
	unsigned n;
	uint32_t want;		/* a single namespace looked for, or 0 */
};

static bool job_for(const struct scan *sc, uint32_t inode)
{
	for (unsigned i = 0; i < sc->n; i++)
		if (sc->jobs[i].inode == inode)
			return true;
	return false;
}

static void on_ns_file(const char *path, uint32_t inode, void *ctx)
{
	struct scan *sc = ctx;
	struct watched *ns;
	int fd;

	int u;

	if (sc->want && inode != sc->want)
		return;
	if (inode == sc->w->own)
		return;
	u = unreachable_index(sc->w, inode);
	if (u >= 0) {
		sc->w->unreachable[u].seen = true;
		return;
	}
	ns = find(sc->w, inode);
	if (ns) {
		ns->seen = true;
		return;
	}
	if (job_for(sc, inode) || sc->w->n + sc->n >= MAX_NAMESPACES)
		return;
	fd = open_ns_file(path, inode);
	if (fd < 0)
		return;
	sc->jobs[sc->n].inode = inode;
	sc->jobs[sc->n].nsfd = fd;
	sc->n++;
}

unsigned pw_icmp_watch_rescan(struct pw_icmp_watch *w)
{
	struct scan sc = { w, NULL, 0, 0 };
	unsigned i;

	sc.jobs = calloc(MAX_NAMESPACES, sizeof(*sc.jobs));
	if (!sc.jobs)
		return w->n;
	w->last_asked = 0;
	for (i = 0; i < w->n; i++)
		w->ns[i].seen = w->ns[i].inode == w->own;
	for (i = 0; i < w->nunreachable; i++)
		w->unreachable[i].seen = false;
	each_ns_file(on_ns_file, &sc);
	for (i = w->n; i-- > 0;) {
		if (!w->ns[i].seen) {
			pw_debug("ICMP errors: network namespace %u is gone",
				 w->ns[i].inode);
			close_watched(w, i);
		}
	}
	for (i = w->nunreachable; i-- > 0;)
		if (!w->unreachable[i].seen)
			w->unreachable[i] = w->unreachable[--w->nunreachable];
	open_batch(w, sc.jobs, sc.n);
	free(sc.jobs);
	return w->n;
}

void pw_icmp_watch_netns(struct pw_icmp_watch *w, uint32_t netns,
			 uint32_t pid)
{
	struct scan sc = { w, NULL, 0, netns };
	struct ns_job job;
	char path[64];
	int fd = -1;

	if (!netns || netns == w->last_asked)
		return;
	if (netns == w->own || find(w, netns) || is_unreachable(w, netns)) {
		w->last_asked = netns;
		return;
	}
	if (pid) {
		snprintf(path, sizeof(path), "/proc/%u/ns/net", pid);
		fd = open_ns_file(path, netns);
	}
	pw_debug("ICMP errors: network namespace %u first seen in a target's "
		 "packet", netns);
	if (fd >= 0) {
		job.inode = netns;
		job.nsfd = fd;
		open_batch(w, &job, 1);
	} else {
		/* The owner left or is gone: anyone else in there. */
		sc.jobs = &job;
		each_ns_file(on_ns_file, &sc);
		if (sc.n)
			open_batch(w, sc.jobs, sc.n);
		else
			note_unreachable(w, netns);
	}
	w->last_asked = netns;
}

/* --- reading ---------------------------------------------------------- */

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Reads one packet from fd into w->buf; false when none waits. raw4: the
 * raw IPv4 socket (interface from IP_PKTINFO, length from the IP header,
 * drops from SO_RXQ_OVFL) rather than the packet socket. */
static bool read_one(struct pw_icmp_watch *w, int fd, bool raw4,
		     uint32_t netns, pw_icmp_err_fn fn, void *ctx)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec)) +
			 CMSG_SPACE(sizeof(struct tpacket_auxdata)) +
			 CMSG_SPACE(sizeof(struct in_pktinfo)) +
			 CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} control;
	union {
		struct sockaddr_ll ll;
		struct sockaddr_in in;
	} from;
	struct iovec iov = { w->buf, READ_MAX };
	struct msghdr msg;
	struct cmsghdr *c;
	struct pw_icmp_err e;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return errno == EINTR;
	memset(&e, 0, sizeof(e));
	e.netns = netns;
	e.ifindex = raw4 ? 0 : (uint32_t)from.ll.sll_ifindex;
	e.data = w->buf;
	e.caplen = (uint32_t)n;
	e.wirelen = (uint32_t)n;
	/* The filter cut the packet to the snap length; its IP header
	 * still says how long it was. */
	if (raw4 && n >= 20 && ((uint32_t)w->buf[2] << 8 | w->buf[3]) > n)
		e.wirelen = (uint32_t)w->buf[2] << 8 | w->buf[3];
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			e.real_ns = (uint64_t)ts.tv_sec * 1000000000ull +
				    (uint64_t)ts.tv_nsec;
		} else if (c->cmsg_level == SOL_PACKET &&
			   c->cmsg_type == PACKET_AUXDATA &&
			   c->cmsg_len >=
			   CMSG_LEN(sizeof(struct tpacket_auxdata))) {
			struct tpacket_auxdata aux;

			/* The length before the filter's snap length. */
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			if (aux.tp_len >= e.caplen)
				e.wirelen = aux.tp_len;
		} else if (c->cmsg_level == IPPROTO_IP &&
			   c->cmsg_type == IP_PKTINFO &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			e.ifindex = (uint32_t)pi.ipi_ifindex;
		} else if (c->cmsg_level == SOL_SOCKET &&
			   c->cmsg_type == SO_RXQ_OVFL &&
			   c->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
			struct watched *ns = find(w, netns);
			uint32_t drops;

			memcpy(&drops, CMSG_DATA(c), sizeof(drops));
			if (ns)
				ns->raw_drops = drops;	/* a running total */
		}
	}
	if (!e.real_ns)
		e.real_ns = realtime_ns();
	w->read++;
	fn(&e, ctx);
	return true;
}

unsigned pw_icmp_watch_read(struct pw_icmp_watch *w, unsigned max,
			    pw_icmp_err_fn fn, void *ctx)
{
	struct epoll_event evs[32];
	unsigned done = 0, before;
	int n, i;

	while (done < max) {
		n = epoll_wait(w->epfd, evs, 32, 0);
		if (n <= 0)
			break;
		before = done;
		for (i = 0; i < n && done < max; i++) {
			uint32_t low = (uint32_t)evs[i].data.u64;
			int fd = (int)(low & ~KEY_RAW4);
			bool raw4 = low & KEY_RAW4;
			uint32_t netns = (uint32_t)(evs[i].data.u64 >> 32);

			/* A few per socket per round: one busy namespace
			 * does not keep the others waiting. */
			for (int k = 0; k < 8 && done < max; k++) {
				if (!read_one(w, fd, raw4, netns, fn, ctx))
					break;
				done++;
			}
		}
		if (done == before)
			break;	/* ready, yet nothing read (an error) */
	}
	return done;
}

/* --- life ------------------------------------------------------------- */

int pw_icmp_watch_fd(const struct pw_icmp_watch *w)
{
	return w->epfd;
}

void pw_icmp_watch_stats(struct pw_icmp_watch *w,
			 struct pw_icmp_watch_stats *st)
{
	uint64_t raw = 0;

	for (unsigned i = 0; i < w->n; i++) {
		count_lost(w, w->ns[i].fd[1]);
		raw += w->ns[i].raw_drops;
	}
	st->read = w->read;
	st->lost = w->lost + raw;
	st->namespaces = w->n;
	st->unreachable = w->nunreachable;
}

struct pw_icmp_watch *pw_icmp_watch_new(bool loopback, uint32_t snaplen,
					struct pw_error *err)
{
	struct pw_icmp_watch *w = calloc(1, sizeof(*w));
	struct stat st;
	int fd[2], r;

	if (!w) {
		pw_error_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	w->epfd = -1;
	w->loopback = loopback;
	w->snaplen = snaplen;
	w->ns = calloc(MAX_NAMESPACES, sizeof(*w->ns));
	w->unreachable = calloc(MAX_NAMESPACES, sizeof(*w->unreachable));
	w->buf = malloc(READ_MAX);
	if (!w->ns || !w->unreachable || !w->buf) {
		pw_error_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0) {
		pw_error_set(err, -errno, "epoll: %s", strerror(errno));
		goto fail;
	}
	/* The thread's own namespace (an embedder's thread may have its
	 * own): opened here, no helper needed. */
	if (stat("/proc/thread-self/ns/net", &st) < 0) {
		pw_error_set(err, -errno, "cannot read "
			     "/proc/thread-self/ns/net: %s", strerror(errno));
		goto fail;
	}
	w->own = (uint32_t)st.st_ino;
	r = open_pair(fd, loopback, snaplen);
	if (r < 0) {
		pw_error_set(err, r, "cannot open the sockets for ICMP "
			     "errors: %s%s", strerror(-r), r == -EPERM ?
			     " (needs CAP_NET_RAW)" : "");
		goto fail;
	}
	r = add_watched(w, w->own, fd);
	if (r < 0) {
		close(fd[0]);
		close(fd[1]);
		pw_error_set(err, r, "epoll: %s", strerror(-r));
		goto fail;
	}
	pw_icmp_watch_rescan(w);
	return w;
fail:
	pw_icmp_watch_free(w);
	return NULL;
}

void pw_icmp_watch_free(struct pw_icmp_watch *w)
{
	if (!w)
		return;
	while (w->n)
		close_watched(w, w->n - 1);
	if (w->epfd >= 0)
		close(w->epfd);
	free(w->ns);
	free(w->unreachable);
	free(w->buf);
	free(w);
}
