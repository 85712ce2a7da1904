/* The capture API (include/procwire.h): bad options, missing privileges
 * and failures at start, each a negative errno with a message; as root a
 * real capture of a child's UDP on the loopback of a namespace of its own
 * (exact counts, a pcapng file after stop), that leaves the process's
 * signal handlers alone and is not stopped by SIGTERM, and one that ends
 * by its duration. Traffic between namespaces: tests/net/
 * test_capture_api.sh. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procwire.h"
#include "tap.h"

#define NOBODY 65534

static char dir[] = "/tmp/pw-capapi-XXXXXX";
static char path[64], path2[64];

static void base_options(struct procwire_capture_options *o,
			 const uint32_t *pid)
{
	procwire_capture_options_init(o);
	o->path = path;
	o->pids = pid;
	o->npids = 1;
}

/* Expects start to fail with code and a message holding want. */
static void expect_fail(const struct procwire_capture_options *o, int code,
			const char *want, const char *what)
{
	procwire_capture_t *cap = (procwire_capture_t *)&cap;
	char err[256];
	int r;

	r = procwire_capture_start(o, &cap, err, sizeof(err));
	if (!tap_ok(r == code && strstr(err, want) && !cap,
		    "%s: %s (%s)", what, strerror(-code), err))
		tap_diag("got %d '%s', want %d with '%s'", r, err, code, want);
	if (cap && cap != (procwire_capture_t *)&cap)
		procwire_capture_stop(cap, NULL, NULL, 0);
}

static void test_bad_options(void)
{
	struct {
		struct procwire_capture_options o;
		uint64_t newer;		/* a field of a later version */
	} big;
	struct procwire_capture_options o;
	const char *longname[] = { "sixteen-bytes-xx" };
	const char *empty[] = { "" };
	uint32_t pid = (uint32_t)getpid(), zero = 0;
	procwire_capture_t *cap;
	char err[8];

	expect_fail(NULL, -EINVAL, "no options", "NULL options");
	base_options(&o, &pid);
	tap_ok(procwire_capture_start(&o, NULL, NULL, 0) == -EINVAL,
	       "no place for the handle: EINVAL");
	o.size = sizeof(o) - 8;
	expect_fail(&o, -EINVAL, "options size", "a smaller size field");
	memset(&big, 0, sizeof(big));
	base_options(&big.o, &pid);
	big.o.size = sizeof(big);
	big.newer = 1;
	expect_fail(&big.o, -E2BIG, "newer procwire",
		    "a newer structure with a field set");
	big.newer = 0;
	big.o.npids = 0;
	expect_fail(&big.o, -EINVAL, "no target",
		    "a newer structure with its new fields zero is read");
	base_options(&o, &pid);
	o.npids = 0;
	expect_fail(&o, -EINVAL, "no target", "no pids and no names");
	base_options(&o, &pid);
	o.pids = NULL;
	expect_fail(&o, -EINVAL, "pids is NULL", "npids without pids");
	base_options(&o, &zero);
	expect_fail(&o, -EINVAL, "pid 0", "pid 0");
	base_options(&o, &pid);
	o.names = longname;
	o.nnames = 1;
	expect_fail(&o, -EINVAL, "'sixteen-bytes-xx'", "a 16-byte name");
	o.names = empty;
	expect_fail(&o, -EINVAL, "1 to 15 bytes", "an empty name");
	base_options(&o, &pid);
	o.path = NULL;
	expect_fail(&o, -EINVAL, "no output path", "no path");
	o.path = "-";
	expect_fail(&o, -EINVAL, "must be a file", "'-' as path");
	base_options(&o, &pid);
	o.flags |= 0x100;
	expect_fail(&o, -EINVAL, "unknown flags 0x100", "an unknown flag");
	base_options(&o, &pid);
	o.snaplen = 10;
	expect_fail(&o, -EINVAL, "snaplen 10", "snaplen below 64");
	base_options(&o, &pid);
	o.ringbuf_bytes = 4096;
	expect_fail(&o, -EINVAL, "ringbuf_bytes 4096", "a 4 KiB ring");

	/* A short errbuf is cut, not overrun; none at all is fine. */
	o.ringbuf_bytes = 0;
	o.npids = 0;
	cap = NULL;
	tap_ok(procwire_capture_start(&o, &cap, err, sizeof(err)) == -EINVAL &&
	       !strcmp(err, "no targ"), "errbuf of 8 bytes: '%s'", err);
	tap_ok(procwire_capture_start(&o, &cap, NULL, 0) == -EINVAL,
	       "no errbuf: the code alone");
	tap_ok(procwire_capture_stop(NULL, NULL, err, sizeof(err)) == -EINVAL,
	       "stop(NULL): EINVAL");
	tap_ok(procwire_capture_wait(NULL, 0) == -EINVAL,
	       "wait(NULL): EINVAL");
	tap_ok(access(path, F_OK) != 0, "no file made by failed starts");
}

/* Without privileges: EPERM naming what is needed. Root checks it in a
 * child that drops to nobody. */
static int unprivileged_start(void)
{
	struct procwire_capture_options o;
	uint32_t pid = (uint32_t)getpid();
	procwire_capture_t *cap = NULL;
	char err[256];
	int r;

	base_options(&o, &pid);
	r = procwire_capture_start(&o, &cap, err, sizeof(err));
	if (r != -EPERM || !strstr(err, "needs root or CAP_BPF")) {
		printf("# start as uid %u: %d '%s'\n", getuid(), r, err);
		return 1;
	}
	return access(path, F_OK) == 0;
}

static void test_privileges(void)
{
	pid_t child;
	int status;

	if (geteuid() != 0) {
		tap_ok(unprivileged_start() == 0, "not root: EPERM, a message "
		       "naming the capabilities, no file");
		return;
	}
	fflush(stdout);
	child = fork();
	if (child == 0) {
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(2);
		_exit(unprivileged_start());
	}
	waitpid(child, &status, 0);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "as nobody: EPERM, a message naming the capabilities, no file");
}

static void test_start_failures(void)
{
	struct procwire_capture_options o;
	uint32_t pid = (uint32_t)getpid(), nopid = 0x7ffffff0u;

	base_options(&o, &pid);
	o.path = "/nonexistent-pw-capapi/x.pcapng";
	expect_fail(&o, -ENOENT, "cannot create /nonexistent-pw-capapi/"
		    "x.pcapng", "a file in a missing folder");
	base_options(&o, &nopid);
	expect_fail(&o, -ESRCH, "no process 2147483632", "a pid that does "
		    "not exist");
	base_options(&o, &pid);
	o.filter = "tcp port";
	expect_fail(&o, -EINVAL, "tcp port", "a bad filter expression");
	tap_ok(access(path, F_OK) != 0, "no file made by failed starts");
}

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	got_term = sig;
}

static bool same_action(int sig, const struct sigaction *before)
{
	struct sigaction now;

	sigaction(sig, NULL, &now);
	return now.sa_handler == before->sa_handler &&
	       now.sa_flags == before->sa_flags;
}

/* The child: a network namespace of its own with lo up, then, once told
 * to go, three 100-byte datagrams to itself over 127.0.0.1. */
static void udp_child(int go)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	struct ifreq ifr;
	char buf[100] = { 0 }, c;
	int rx, tx, fd;

	if (unshare(CLONE_NEWNET) < 0)
		_exit(2);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		_exit(2);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		_exit(2);
	close(fd);
	if (read(go, &c, 1) != 1)
		_exit(3);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rx = socket(AF_INET, SOCK_DGRAM, 0);
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (bind(rx, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(rx, (struct sockaddr *)&a, &len) < 0)
		_exit(4);
	for (int i = 0; i < 3; i++) {
		if (sendto(tx, buf, sizeof(buf), 0, (struct sockaddr *)&a,
			   sizeof(a)) != sizeof(buf) ||
		    recv(rx, buf, sizeof(buf), 0) != sizeof(buf))
			_exit(5);
	}
	_exit(0);
}

static void test_capture(void)
{
	struct procwire_capture_options o;
	struct procwire_capture_stats st;
	struct sigaction sa, orig_term, old_int, old_term, old_pipe;
	procwire_capture_t *cap = NULL;
	unsigned char magic[4] = { 0 };
	char err[256];
	int go[2], status, r, fd;
	uint32_t pid;
	pid_t child;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, &orig_term);
	sigaction(SIGINT, NULL, &old_int);
	sigaction(SIGPIPE, NULL, &old_pipe);
	sigaction(SIGTERM, NULL, &old_term);

	if (pipe(go) < 0)
		return;
	fflush(stdout);
	child = fork();
	if (child == 0) {
		close(go[1]);
		udp_child(go[0]);
	}
	close(go[0]);
	pid = (uint32_t)child;
	base_options(&o, &pid);
	o.flags |= PROCWIRE_CAPTURE_LOOPBACK;
	r = procwire_capture_start(&o, &cap, err, sizeof(err));
	if (!tap_ok(r == 0 && cap, "start a capture of a child (%s)", err)) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return;
	}
	tap_ok(same_action(SIGINT, &old_int) &&
	       same_action(SIGTERM, &old_term) &&
	       same_action(SIGPIPE, &old_pipe),
	       "SIGINT, SIGTERM and SIGPIPE handling left alone");
	raise(SIGTERM);
	tap_ok(got_term == SIGTERM && procwire_capture_wait(cap, 100) == 0,
	       "SIGTERM reaches our handler; the capture keeps running");
	tap_ok(write(go[1], "g", 1) == 1, "child told to send");
	close(go[1]);
	waitpid(child, &status, 0);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "child sent and received 3 datagrams (status %d)", status);
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	r = procwire_capture_stop(cap, &st, err, sizeof(err));
	tap_ok(r == 0 && !err[0], "stop: 0, no message (%s)", err);
	tap_eq_u64(st.packets, 6, "6 packets: 3 out of one socket, 3 into "
		   "the other");
	tap_eq_u64(st.bytes, 6 * 128, "bytes: IP + UDP + 100 each");
	tap_eq_u64(st.kernel_drops + st.user_drops + st.filtered, 0,
		   "nothing dropped or filtered");
	fd = open(path, O_RDONLY);
	tap_ok(fd >= 0 && read(fd, magic, 4) == 4 && magic[0] == 0x0a &&
	       magic[1] == 0x0d && magic[2] == 0x0d && magic[3] == 0x0a,
	       "the file is pcapng");
	if (fd >= 0)
		close(fd);
	sigaction(SIGTERM, &orig_term, NULL);
}

/* Two at once: one ends by its duration, the other runs until stopped. */
static void test_duration(void)
{
	struct procwire_capture_options o;
	struct procwire_capture_stats st;
	uint32_t pid = (uint32_t)getpid();
	procwire_capture_t *cap = NULL, *other = NULL;
	char err[256];
	int r;

	base_options(&o, &pid);
	o.path = path2;
	r = procwire_capture_start(&o, &other, err, sizeof(err));
	if (!tap_ok(r == 0, "start a capture without a limit (%s)", err))
		return;
	base_options(&o, &pid);
	o.duration_ms = 200;
	o.flags = PROCWIRE_CAPTURE_PCAP;
	r = procwire_capture_start(&o, &cap, err, sizeof(err));
	if (!tap_ok(r == 0, "and at the same time a 200 ms one (%s)", err)) {
		procwire_capture_stop(other, NULL, NULL, 0);
		return;
	}
	tap_ok(procwire_capture_wait(cap, -1) == 1, "wait: it ends by itself");
	tap_ok(procwire_capture_wait(cap, 0) == 1, "wait(0) says so again");
	tap_ok(procwire_capture_wait(other, 0) == 0,
	       "the other one still runs");
	tap_ok(procwire_capture_stop(other, NULL, err, sizeof(err)) == 0,
	       "stop the other one: 0 (%s)", err);
	/* A caller built when the structure had only size and packets. */
	st.size = offsetof(struct procwire_capture_stats, bytes);
	st.bytes = 77;
	r = procwire_capture_stop(cap, &st, err, sizeof(err));
	tap_ok(r == 0 && st.packets == 0 && st.bytes == 77,
	       "stop: 0, only the fields the size covers written (%s)", err);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/cap.pcapng", dir);
	snprintf(path2, sizeof(path2), "%s/cap2.pcapng", dir);
	test_bad_options();
	test_privileges();
	if (geteuid() == 0) {
		test_start_failures();
		test_capture();
		test_duration();
	} else {
		tap_skip("start failures, captures: not root");
	}
	unlink(path);
	unlink(path2);
	snprintf(path, sizeof(path), "%s/cap.pcapng.flows.jsonl", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
