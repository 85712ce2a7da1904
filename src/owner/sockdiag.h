/* sock_diag (NETLINK_SOCK_DIAG) dumps of TCP and UDP sockets: request
 * building and a pure reply parser (unit-tested on recorded replies and
 * fuzzed), plus the send/receive loop.
 *
 * Reply layout (all host byte order except ports and addresses):
 *   struct nlmsghdr (16 bytes) then, for SOCK_DIAG_BY_FAMILY,
 *   struct inet_diag_msg (72 bytes): family, state, timer, retrans,
 *   inet_diag_sockid { sport, dport (be16), src[4], dst[4] (be32), if,
 *   cookie[2] }, expires, rqueue, wqueue, uid, inode; then attributes. */
#ifndef PW_OWNER_SOCKDIAG_H
#define PW_OWNER_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define PW_SOCKDIAG_REQ_LEN 72	/* nlmsghdr + inet_diag_req_v2 */

struct pw_sockdiag_sock {
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;		/* as requested */
	uint8_t state;	/* TCP state (UDP: 7 unconnected, 1 connected) */
	uint16_t sport, dport;	/* host order */
	uint8_t saddr[16], daddr[16];
	uint32_t uid;
	uint32_t inode;		/* 0: no file (TIME_WAIT, orphan) */
	uint64_t cookie;
};

typedef void (*pw_sockdiag_fn)(const struct pw_sockdiag_sock *s, void *ctx);

/* Writes a dump request for (family AF_INET/AF_INET6, proto) into buf;
 * returns its length or 0 when size is too small. */
size_t pw_sockdiag_request(uint8_t *buf, size_t size, int family, int proto,
			   uint32_t seq);

/* Parses one received buffer of netlink messages. Returns 1 when the
 * dump's end (NLMSG_DONE) was reached, 0 when more messages follow, -1 on
 * a kernel error or a malformed message (err says which). */
int pw_sockdiag_parse(const uint8_t *buf, size_t len, uint8_t proto,
		      pw_sockdiag_fn fn, void *ctx, struct pw_error *err);

/* Sends the request on a NETLINK_SOCK_DIAG socket and parses every reply.
 * Returns 0 or -1 (err). */
int pw_sockdiag_dump(int fd, int family, int proto, pw_sockdiag_fn fn,
		     void *ctx, struct pw_error *err);

/* Opens a NETLINK_SOCK_DIAG socket in the current network namespace. */
int pw_sockdiag_open(void);

#endif
