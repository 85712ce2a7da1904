/* ICMP and ICMPv6 errors received in every network namespace, read from
 * a raw ICMP socket (IPv4) and a packet socket (IPv6) in each.
 *
 * An ICMP error (destination unreachable, packet too big, time exceeded,
 * parameter problem, ...) is handled by the kernel's ICMP code and reaches
 * no socket, so the capture's cgroup_skb tap never sees it. These sockets
 * do (received packets only, nowhere on the transmit path), each with a
 * classic BPF filter that keeps ICMP errors and drops every other packet
 * in the kernel after a few instructions; the raw socket is offered ICMP
 * packets only.
 *
 * Which errors belong to a capture is decided by the caller (the quoted
 * packet must be of a target's flow, see icmp_errors.h); this file only
 * finds namespaces and reads. */
#ifndef PW_CAPTURE_ICMP_WATCH_H
#define PW_CAPTURE_ICMP_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/filter.h>

#include "base/error.h"

/* One error as read: data is the IP header on (valid during the
 * callback). */
struct pw_icmp_err {
	uint64_t real_ns;	/* kernel receive stamp, CLOCK_REALTIME */
	uint32_t netns;		/* namespace inode */
	uint32_t ifindex;	/* in that namespace */
	uint32_t wirelen;	/* from the IP header on */
	uint32_t caplen;
	const uint8_t *data;
};

typedef void (*pw_icmp_err_fn)(const struct pw_icmp_err *e, void *ctx);

struct pw_icmp_watch_stats {
	uint64_t read;		/* errors read (they passed the filter) */
	uint64_t lost;		/* dropped by the kernel: socket buffer full */
	uint32_t namespaces;	/* watched now */
	uint32_t unreachable;	/* namespaces that could not be entered */
};

struct pw_icmp_watch;

/* Starts watching: procwire's own namespace, then every namespace visible
 * now (distinct /proc/PID/ns/net and /run/netns/NAME). Errors on the
 * loopback device are left out unless loopback; at most snaplen bytes of
 * each are kept. NULL with err when not even procwire's own namespace can
 * be watched (-EPERM without CAP_NET_RAW). */
struct pw_icmp_watch *pw_icmp_watch_new(bool loopback, uint32_t snaplen,
					struct pw_error *err);

/* Readable when errors wait (an epoll descriptor over all sockets). */
int pw_icmp_watch_fd(const struct pw_icmp_watch *w);

/* Hands at most max waiting errors to fn without blocking; returns how
 * many. */
unsigned pw_icmp_watch_read(struct pw_icmp_watch *w, unsigned max,
			    pw_icmp_err_fn fn, void *ctx);

/* A namespace met in a target's packet: watched from now on when it is
 * not yet. pid is a process that was in it (the packet's owner), the way
 * in; when it has left or is gone the namespace is looked for under
 * /run/netns and /proc. Cheap when the namespace is known (the last one
 * asked is remembered). */
void pw_icmp_watch_netns(struct pw_icmp_watch *w, uint32_t netns,
			 uint32_t pid);

/* A socket holds its namespace alive: a rescan closes the sockets of
 * namespaces no process and no /run/netns name holds any more (nothing of
 * a target can be there), and opens new ones. Returns the namespaces
 * watched after it. */
unsigned pw_icmp_watch_rescan(struct pw_icmp_watch *w);

void pw_icmp_watch_stats(struct pw_icmp_watch *w,
			 struct pw_icmp_watch_stats *st);

/* Closes every socket (namespaces are released) and frees w (NULL ok). */
void pw_icmp_watch_free(struct pw_icmp_watch *w);

/* The classic BPF program of one socket (family 4 or 6), for tests: the
 * first PW_ICMP_FILTER_ANCILLARY instructions read the interface and
 * packet type (kernel-only loads); the rest reads the packet from its IP
 * header and jumps only forward, so it runs alone in any classic BPF
 * interpreter. Returns the instruction count (at most
 * PW_ICMP_FILTER_MAX). */
#define PW_ICMP_FILTER_MAX 24
#define PW_ICMP_FILTER_ANCILLARY 4
unsigned pw_icmp_filter(int family, bool loopback, uint32_t snaplen,
			struct sock_filter *prog);

#endif
