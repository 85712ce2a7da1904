/* A tiny client and server for the attribution tests: each run makes one
 * connection (or datagram exchange) and prints the ground truth the test
 * compares procwire's events with: its pid, command name, socket cookie
 * and local port.
 *
 * The command name is the name it was run as (tests make symlinks with
 * distinct names), so thousands of processes are told apart by comm.
 *
 *   owner_peer tcp|udp ADDR PORT          one exchange, then exit
 *   owner_peer tcp-bind LPORT ADDR PORT   from a fixed local port, closed
 *                                         with RST (port free at once)
 *   owner_peer hold ADDR PORT FILE        connect, print, wait for FILE,
 *                                         then exchange
 *   owner_peer inherit ADDR PORT PROG     connect, fork; the child execs
 *                                         PROG use-fd 3 on the socket
 *   owner_peer use-fd FD                  exchange on an inherited socket
 *   owner_peer rate ADDR PORT SECONDS     exchanges in a loop; prints
 *                                         "rate N NS" (connections made,
 *                                         nanoseconds taken)
 *   owner_peer tcp-server PORT WORKERS STOPFILE
 *   owner_peer udp-server PORT STOPFILE   echo servers (IPv4 and IPv6)
 *
 * Output lines: "KIND pid=P comm=C cookie=K lport=L proto=tcp|udp fam=4|6"
 * where
 * KIND is client, parent, or accept. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

static void die(const char *what)
{
	fprintf(stderr, "owner_peer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int parse_addr(const char *s, unsigned port,
		      struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, s, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return AF_INET6;
	}
	fprintf(stderr, "owner_peer: bad address %s\n", s);
	exit(2);
}

static void report(const char *kind, int fd, const char *proto)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	unsigned long long cookie = 0;
	socklen_t clen = sizeof(cookie);
	char comm[32] = "";
	unsigned port = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &clen) < 0)
		die("SO_COOKIE");
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		die("getsockname");
	if (ss.ss_family == AF_INET)
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	prctl(PR_GET_NAME, comm);
	printf("%s pid=%d comm=%s cookie=%llu lport=%u proto=%s fam=%d\n",
	       kind, (int)getpid(), comm, cookie, port, proto,
	       ss.ss_family == AF_INET6 ? 6 : 4);
	fflush(stdout);
}

static void exchange_stream(int fd)
{
	char c = 'x';

	if (write(fd, &c, 1) != 1)
		die("write");
	if (read(fd, &c, 1) != 1)
		die("read");
}

static void set_timeout(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = ms % 1000 * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int tcp_connect(const char *addr, unsigned port, unsigned lport)
{
	struct sockaddr_storage ss, ls;
	socklen_t len, llen;
	int fam = parse_addr(addr, port, &ss, &len), fd, one = 1;

	fd = socket(fam, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	set_timeout(fd, 5000);
	if (lport) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		parse_addr(fam == AF_INET ? "0.0.0.0" : "::", lport, &ls,
			   &llen);
		if (bind(fd, (struct sockaddr *)&ls, llen) < 0)
			die("bind");
	}
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		die("connect");
	return fd;
}

static int run_tcp(const char *addr, unsigned port, unsigned lport)
{
	int fd = tcp_connect(addr, port, lport);

	exchange_stream(fd);
	report("client", fd, "tcp");
	if (lport) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(fd);
	return 0;
}

static int run_udp(const char *addr, unsigned port)
{
	struct sockaddr_storage ss, from;
	socklen_t len, flen = sizeof(from);
	int fam = parse_addr(addr, port, &ss, &len), fd;
	char c = 'u';

	fd = socket(fam, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	set_timeout(fd, 5000);
	if (sendto(fd, &c, 1, 0, (struct sockaddr *)&ss, len) != 1)
		die("sendto");
	if (recvfrom(fd, &c, 1, 0, (struct sockaddr *)&from, &flen) != 1)
		die("recvfrom");
	report("client", fd, "udp");
	close(fd);
	return 0;
}

static int run_hold(const char *addr, unsigned port, const char *file)
{
	int fd = tcp_connect(addr, port, 0), i;

	report("client", fd, "tcp");
	for (i = 0; i < 6000 && access(file, F_OK); i++)
		usleep(10000);
	exchange_stream(fd);
	close(fd);
	return 0;
}

static int run_inherit(const char *addr, unsigned port, const char *prog)
{
	int fd = tcp_connect(addr, port, 0), status;
	pid_t child;

	report("parent", fd, "tcp");
	if (fd != 3 && dup2(fd, 3) < 0)
		die("dup2");
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		execl(prog, prog, "use-fd", "3", (char *)NULL);
		die("exec");
	}
	close(3);
	if (fd != 3)
		close(fd);
	waitpid(child, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int run_use_fd(int fd)
{
	exchange_stream(fd);
	report("client", fd, "tcp");
	close(fd);
	return 0;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Runs for the given time from its own start, not until the wall clock's
 * second comes round: stopping at time() + seconds cut a run short by
 * however far into a second it began, and the rate was worked out over
 * the full time (a bench starting one side later in the second read as
 * up to 1/seconds slower). Prints the time it really ran. */
static int run_rate(const char *addr, unsigned port, int seconds)
{
	uint64_t start = monotonic_ns(), now = start;
	uint64_t end = start + (uint64_t)seconds * 1000000000u;
	long n = 0;

	/* Closed with RST: thousands of TIME_WAIT ports would otherwise
	 * slow connect() down and measure the port search, not us. */
	while (now < end) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		int fd = tcp_connect(addr, port, 0);

		exchange_stream(fd);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
		n++;
		now = monotonic_ns();
	}
	printf("rate %ld %llu\n", n, (unsigned long long)(now - start));
	return 0;
}

static int listen_on(int fam, int type, unsigned port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	parse_addr(fam == AF_INET ? "0.0.0.0" : "::", port, &ss, &len);
	fd = socket(fam, type, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fam == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind");
	if (type == SOCK_STREAM && listen(fd, 1024) < 0)
		die("listen");
	return fd;
}

/* Serves one accepted connection: one byte each way, then waits for the
 * client's close so this side does not hold the port in TIME_WAIT. */
static void serve_one(int c)
{
	struct pollfd p = { c, POLLIN, 0 };
	char ch;

	if (poll(&p, 1, 5000) <= 0 || read(c, &ch, 1) != 1)
		goto out;
	report("accept", c, "tcp");
	if (write(c, &ch, 1) != 1)
		goto out;
	if (poll(&p, 1, 2000) > 0)
		(void)!read(c, &ch, 1);
out:
	close(c);
}

/* Workers share both listeners (pre-fork server): the accepted socket is
 * owned by the worker that accepted it, not by the parent that listens. */
static void tcp_worker(int l4, int l6, const char *stop)
{
	struct pollfd pfd[2] = { { l4, POLLIN, 0 }, { l6, POLLIN, 0 } };
	int i, c;

	prctl(PR_SET_NAME, "pws-worker");
	while (access(stop, F_OK)) {
		if (poll(pfd, 2, 100) <= 0)
			continue;
		for (i = 0; i < 2; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			c = accept4(pfd[i].fd, NULL, NULL, SOCK_NONBLOCK);
			if (c >= 0)
				serve_one(c);
		}
	}
	exit(0);
}

static int run_tcp_server(unsigned port, int workers, const char *stop)
{
	int l4 = listen_on(AF_INET, SOCK_STREAM, port);
	int l6 = listen_on(AF_INET6, SOCK_STREAM, port);
	int i;

	prctl(PR_SET_NAME, "pws-main");
	for (i = 0; i < workers; i++) {
		pid_t p = fork();

		if (p < 0)
			die("fork");
		if (p == 0)
			tcp_worker(l4, l6, stop);
	}
	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	while (wait(NULL) > 0)
		;
	return 0;
}

static int run_udp_server(unsigned port, const char *stop)
{
	int fds[2] = { listen_on(AF_INET, SOCK_DGRAM, port),
		       listen_on(AF_INET6, SOCK_DGRAM, port) };
	struct pollfd pfd[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };
	int i;

	prctl(PR_SET_NAME, "pws-udp");
	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	while (access(stop, F_OK)) {
		if (poll(pfd, 2, 100) <= 0)
			continue;
		for (i = 0; i < 2; i++) {
			struct sockaddr_storage from;
			socklen_t flen = sizeof(from);
			char c;

			if (!(pfd[i].revents & POLLIN))
				continue;
			if (recvfrom(fds[i], &c, 1, MSG_DONTWAIT,
				     (struct sockaddr *)&from, &flen) == 1)
				sendto(fds[i], &c, 1, 0,
				       (struct sockaddr *)&from, flen);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(mode, "tcp") && argc == 4)
		return run_tcp(argv[2], (unsigned)atoi(argv[3]), 0);
	if (!strcmp(mode, "udp") && argc == 4)
		return run_udp(argv[2], (unsigned)atoi(argv[3]));
	if (!strcmp(mode, "tcp-bind") && argc == 5)
		return run_tcp(argv[3], (unsigned)atoi(argv[4]),
			       (unsigned)atoi(argv[2]));
	if (!strcmp(mode, "hold") && argc == 5)
		return run_hold(argv[2], (unsigned)atoi(argv[3]), argv[4]);
	if (!strcmp(mode, "inherit") && argc == 5)
		return run_inherit(argv[2], (unsigned)atoi(argv[3]), argv[4]);
	if (!strcmp(mode, "use-fd") && argc == 3)
		return run_use_fd(atoi(argv[2]));
	if (!strcmp(mode, "rate") && argc == 5)
		return run_rate(argv[2], (unsigned)atoi(argv[3]),
				atoi(argv[4]));
	if (!strcmp(mode, "tcp-server") && argc == 5)
		return run_tcp_server((unsigned)atoi(argv[2]), atoi(argv[3]),
				      argv[4]);
	if (!strcmp(mode, "udp-server") && argc == 4)
		return run_udp_server((unsigned)atoi(argv[2]), argv[3]);
	fprintf(stderr, "usage: see the comment at the top of owner_peer.c\n");
	return 2;
}
