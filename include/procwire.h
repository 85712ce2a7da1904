/* procwire embedding API: which process owns a connection, and which
 * ports a process holds.
 *
 * Three parts:
 *
 *  1. An attribution context (procwire_open): watches sockets as they are
 *     created, bound, connected, accepted, used and closed, and answers
 *     "who owns this 5-tuple?" (procwire_lookup). On Linux it uses eBPF
 *     socket hooks (root or CAP_BPF+CAP_NET_ADMIN+CAP_PERFMON), or polls
 *     sock_diag and /proc (any user; short-lived flows can be missed).
 *
 *  2. A one-shot port table (procwire_list_ports), like Windows'
 *     GetExtendedTcpTable/GetExtendedUdpTable: the TCP and UDP sockets of
 *     a set of processes, for IPv4 and IPv6, with their state.
 *
 *  3. A capture (procwire_capture_start): the packets of a set of
 *     processes, with their owners, into a pcapng file, as `procwire
 *     capture` does, on a thread of its own.
 *
 * Handles are opaque. Functions return 0 (or a positive count/method) on
 * success and a negative errno value on failure. A context is not
 * thread-safe: use it from one thread at a time. Structures that may grow
 * start with a size field the caller sets to sizeof(the structure). */
#ifndef PROCWIRE_H
#define PROCWIRE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PROCWIRE_API_VERSION 1

typedef struct procwire procwire_t;

enum procwire_engine {
	PROCWIRE_ENGINE_AUTO = 0,	/* eBPF when built in, else polling */
	PROCWIRE_ENGINE_EBPF = 1,
	PROCWIRE_ENGINE_POLLING = 2,
};

/* How an owner was learned: the confidence label. */
enum procwire_method {
	PROCWIRE_METHOD_NONE = 0,	/* not found */
	PROCWIRE_METHOD_EBPF_SOCKET = 1, /* the kernel named the socket */
	PROCWIRE_METHOD_EBPF_TUPLE = 2,	/* matched by endpoints to a socket
					 * the kernel reported */
	PROCWIRE_METHOD_PREFILL = 3,	/* socket open before the context */
	PROCWIRE_METHOD_POLLING = 4,	/* sock_diag + /proc snapshot */
};

/* "ebpf-socket", "ebpf-tuple", "prefill", "polling" or "none". */
const char *procwire_method_name(int method);

struct procwire_options {
	size_t size;			/* sizeof(struct procwire_options) */
	enum procwire_engine engine;
	unsigned poll_interval_ms;	/* polling engine; 0: 1000 */
	unsigned max_sockets;		/* remembered sockets; 0: 65536 */
	unsigned max_processes;		/* remembered processes; 0: 8192 */
	unsigned closed_linger_ms;	/* closed sockets stay findable;
					 * 0: 30000 */
};

/* Sets defaults (engine AUTO, everything else 0 = default). */
void procwire_options_init(struct procwire_options *opts);

/* Starts a context. Sockets that exist already are found at once. On
 * failure returns -EPERM (privileges), -EOPNOTSUPP (kernel lacks a
 * feature), or another -errno, with a message in errbuf when given. */
int procwire_open(const struct procwire_options *opts, procwire_t **out,
		  char *errbuf, size_t errlen);

/* A descriptor that becomes readable when events are pending (for an
 * event loop), or -1 when the engine polls on a timer: then call
 * procwire_poll at least every poll_interval_ms. */
int procwire_fd(const procwire_t *pw);

/* Handles pending events, waiting up to timeout_ms (-1: until one
 * comes). Returns the number handled or a negative errno (-EINTR). */
int procwire_poll(procwire_t *pw, int timeout_ms);

/* "ebpf" or "polling". */
const char *procwire_engine_name(const procwire_t *pw);

void procwire_close(procwire_t *pw);

#define PROCWIRE_IPV4 4
#define PROCWIRE_IPV6 6
#define PROCWIRE_TCP 6		/* IPPROTO_TCP */
#define PROCWIRE_UDP 17		/* IPPROTO_UDP */

/* A connection seen from either end: lookups try both orientations, so
 * a packet's source/destination can be passed as is. Addresses are in
 * network byte order, IPv4 in the first 4 bytes; ports in host order. */
struct procwire_tuple {
	uint8_t family;		/* PROCWIRE_IPV4 or PROCWIRE_IPV6 */
	uint8_t proto;		/* PROCWIRE_TCP or PROCWIRE_UDP */
	uint16_t src_port;
	uint16_t dst_port;
	uint8_t src_addr[16];
	uint8_t dst_addr[16];
};

#define PROCWIRE_COMM_LEN 16
#define PROCWIRE_PATH_LEN 512
#define PROCWIRE_CMDLINE_LEN 1024
#define PROCWIRE_CONTAINER_LEN 65

struct procwire_owner {
	uint32_t pid;
	uint32_t tid;		/* thread that used the socket, when known */
	uint32_t ppid;
	uint32_t uid;
	uint64_t start_time_ns;	/* process start, CLOCK_BOOTTIME ns */
	uint64_t cgroup_id;	/* cgroup v2 id */
	uint64_t cookie;	/* socket cookie (SO_COOKIE) */
	int method;		/* enum procwire_method */
	char comm[PROCWIRE_COMM_LEN];
	char exe[PROCWIRE_PATH_LEN];		/* "" when unknown */
	char cmdline[PROCWIRE_CMDLINE_LEN];	/* arguments, space separated */
	char cgroup[PROCWIRE_PATH_LEN];
	char container[PROCWIRE_CONTAINER_LEN];	/* id, "" when none */
};

/* Owner of a connection. When it is not known yet, waits up to wait_ms
 * for the engine to report it (a packet is often seen before its
 * socket's event arrives). Returns the method (> 0) when found, 0 when
 * not, or a negative errno. Strings are truncated to their buffers. */
int procwire_lookup(procwire_t *pw, const struct procwire_tuple *t,
		    unsigned wait_ms, struct procwire_owner *owner);

/* Owner of a socket by its cookie; same return values. */
int procwire_lookup_cookie(procwire_t *pw, uint64_t cookie,
			   struct procwire_owner *owner);

/* Port table. */
#define PROCWIRE_PORTS_TCP 0x1u		/* TCP over IPv4 */
#define PROCWIRE_PORTS_UDP 0x2u
#define PROCWIRE_PORTS_TCP6 0x4u
#define PROCWIRE_PORTS_UDP6 0x8u
#define PROCWIRE_PORTS_ALL 0xfu

/* TCP states use Linux numbering: 1 ESTABLISHED, 2 SYN_SENT,
 * 3 SYN_RECV, 4 FIN_WAIT1, 5 FIN_WAIT2, 7 CLOSE, 8 CLOSE_WAIT,
 * 9 LAST_ACK, 10 LISTEN, 11 CLOSING. UDP: 7 unconnected, 1 connected. */
struct procwire_port {
	uint32_t pid;		/* first process holding the socket */
	uint32_t uid;		/* socket owner uid */
	uint8_t family;		/* PROCWIRE_IPV4 or PROCWIRE_IPV6 */
	uint8_t proto;		/* PROCWIRE_TCP or PROCWIRE_UDP */
	uint8_t state;
	uint8_t reserved;
	uint16_t local_port;
	uint16_t remote_port;	/* 0 when not connected */
	uint8_t local_addr[16];	/* all zero: any address */
	uint8_t remote_addr[16];
	uint64_t cookie;
	uint32_t netns;		/* network namespace inode */
	uint32_t inode;		/* socket inode (as in /proc/PID/fd) */
};

/* Sockets of the processes in pids (npids of them; pids NULL: every
 * process the caller may inspect), of the kinds in which
 * (PROCWIRE_PORTS_*). Writes up to max entries to out and the number
 * that exist to *count, so a caller with a short buffer can retry with
 * a bigger one (out may be NULL when max is 0). Sockets in another
 * network namespace need CAP_SYS_ADMIN; without it they are left out.
 * Returns 0 or a negative errno. */
int procwire_list_ports(const uint32_t *pids, size_t npids, unsigned which,
			struct procwire_port *out, size_t max, size_t *count);

/* Capture: what `procwire capture --pid/--name` does, from a program.
 *
 * The packets of a set of processes (pids, with their children if
 * wanted, and/or command names, including processes that start later)
 * go to a pcapng file with the owning process on every packet (pid, tid,
 * comm, exe, command line), or to a classic pcap file with the owners in
 * FILE.flows.jsonl beside it. The kernel selects the packets: other
 * processes' traffic never reaches user space. Packets are copied from
 * the IP header on (link type RAW); see docs/capture.md.
 *
 * Who may call it: root, or a process with CAP_BPF, CAP_NET_ADMIN and
 * CAP_PERFMON (otherwise procwire_capture_start fails with -EPERM). The
 * calling process's own sockets are never captured.
 *
 * Each capture runs on a thread of its own, started by
 * procwire_capture_start, with every signal blocked: the process's
 * signal handlers and dispositions are left alone, and nothing is
 * printed. Several captures may run at once. A handle may be used from
 * any thread, but from one at a time. */
typedef struct procwire_capture procwire_capture_t;

#define PROCWIRE_CAPTURE_FOLLOW 0x1u	/* children of the pids too, also
					 * those forked later (default) */
#define PROCWIRE_CAPTURE_HEADERS_ONLY 0x2u /* cut after the TCP/UDP/ICMP
					    * header */
#define PROCWIRE_CAPTURE_LOOPBACK 0x4u	/* keep packets on lo */
#define PROCWIRE_CAPTURE_PCAP 0x8u	/* classic pcap + FILE.flows.jsonl */

struct procwire_capture_options {
	size_t size;		/* sizeof(struct procwire_capture_options) */
	const char *path;	/* output file, created or truncated */
	const uint32_t *pids;	/* processes to capture */
	size_t npids;
	const char *const *names; /* command names (comm, 1 to 15 bytes):
				   * running processes and later execs */
	size_t nnames;
	unsigned flags;		/* PROCWIRE_CAPTURE_* */
	uint32_t snaplen;	/* bytes kept per packet, 64 to 262144;
				 * 0: 262144 */
	uint32_t ringbuf_bytes;	/* kernel ring, 1 MiB to 1 GiB; 0: 32 MiB */
	const char *filter;	/* tcpdump expression on the IP packets, or
				 * NULL */
	uint64_t duration_ms;	/* ends by itself after this; 0: no limit */
};

/* Sets defaults: no targets, PROCWIRE_CAPTURE_FOLLOW, the rest 0. */
void procwire_capture_options_init(struct procwire_capture_options *opts);

/* Starts a capture and returns once it is running: the kernel programs
 * are attached, the targets set and the file open, so every packet the
 * targets send or receive from now on is captured. The options and what
 * they point to are copied. On failure returns a negative errno with a
 * message in errbuf when given: -EINVAL (bad options: no target, a name
 * too long, a bad filter expression, ...), -EPERM (privileges), -ESRCH
 * (no such pid), -EOPNOTSUPP (kernel lacks a feature), or the error of
 * creating the file (-EACCES, -ENOENT, ...). */
int procwire_capture_start(const struct procwire_capture_options *opts,
			   procwire_capture_t **out, char *errbuf,
			   size_t errlen);

/* Waits up to timeout_ms (-1: without limit; 0: just asks) for the
 * capture to end by itself: duration_ms passed, or writing failed
 * (e.g. disk full). Returns 1 when it has ended, 0 when it still runs.
 * Either way call procwire_capture_stop for its result. */
int procwire_capture_wait(procwire_capture_t *cap, int timeout_ms);

struct procwire_capture_stats {
	size_t size;		/* sizeof(struct procwire_capture_stats) */
	uint64_t packets;	/* written to the file */
	uint64_t bytes;		/* their bytes as captured */
	uint64_t kernel_drops;	/* lost in the kernel: ring buffer full */
	uint64_t user_drops;	/* not written by procwire (more than 256
				 * interfaces) */
	uint64_t filtered;	/* left out by the filter expression */
	/* ICMP errors quoting the targets' packets (they reach no socket:
	 * read per network namespace and matched by endpoints), and errors
	 * of other flows left out. */
	uint64_t icmp_errors;
	uint64_t icmp_others;
};

/* Ends the capture (at once when it still runs), waits for its thread,
 * finishes the file (complete and valid, with interface statistics),
 * removes every kernel object it made, and frees cap. Fills stats when
 * not NULL (the fields its size covers). Returns 0, or the negative errno
 * of the error that ended it early, with a message in errbuf when given
 * (otherwise errbuf holds "" or a warning, e.g. about the filter). */
int procwire_capture_stop(procwire_capture_t *cap,
			  struct procwire_capture_stats *stats,
			  char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
