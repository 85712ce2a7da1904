#include "owner/sockdiag.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/bytes.h"

#define NLHDR_LEN 16
#define DIAG_MSG_LEN 72

_Static_assert(sizeof(struct nlmsghdr) == NLHDR_LEN, "nlmsghdr");
_Static_assert(sizeof(struct inet_diag_msg) == DIAG_MSG_LEN, "diag msg");
_Static_assert(NLHDR_LEN + sizeof(struct inet_diag_req_v2) ==
	       PW_SOCKDIAG_REQ_LEN, "request length");

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

size_t pw_sockdiag_request(uint8_t *buf, size_t size, int family, int proto,
			   uint32_t seq)
{
	struct nlmsghdr nh;
	struct inet_diag_req_v2 req;

	if (size < PW_SOCKDIAG_REQ_LEN)
		return 0;
	memset(&nh, 0, sizeof(nh));
	memset(&req, 0, sizeof(req));
	nh.nlmsg_len = PW_SOCKDIAG_REQ_LEN;
	nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nh.nlmsg_seq = seq;
	req.sdiag_family = (uint8_t)family;
	req.sdiag_protocol = (uint8_t)proto;
	req.idiag_states = ~0u;	/* every state */
	memcpy(buf, &nh, sizeof(nh));
	memcpy(buf + sizeof(nh), &req, sizeof(req));
	return PW_SOCKDIAG_REQ_LEN;
}

static int parse_msg(const uint8_t *p, size_t len, uint8_t proto,
		     pw_sockdiag_fn fn, void *ctx, struct pw_error *err)
{
	struct pw_sockdiag_sock s;
	uint8_t family;

	if (len < DIAG_MSG_LEN)
		return pw_error_set(err, -EINVAL, "sock_diag message of %zu "
				    "bytes, want at least %d", len,
				    DIAG_MSG_LEN);
	family = p[0];
	if (family != AF_INET && family != AF_INET6)
		return 0;	/* not ours: skip */
	memset(&s, 0, sizeof(s));
	s.family = family == AF_INET ? 4 : 6;
	s.proto = proto;
	s.state = p[1];
	s.sport = pw_get_be16(p + 4);
	s.dport = pw_get_be16(p + 6);
	memcpy(s.saddr, p + 8, family == AF_INET ? 4 : 16);
	memcpy(s.daddr, p + 24, family == AF_INET ? 4 : 16);
	s.cookie = (uint64_t)get_u32(p + 48) << 32 | get_u32(p + 44);
	s.uid = get_u32(p + 64);
	s.inode = get_u32(p + 68);
	fn(&s, ctx);
	return 0;
}

int pw_sockdiag_parse(const uint8_t *buf, size_t len, uint8_t proto,
		      pw_sockdiag_fn fn, void *ctx, struct pw_error *err)
{
	size_t off = 0;

	while (len - off >= NLHDR_LEN) {
		const uint8_t *m = buf + off;
		uint32_t mlen = get_u32(m);
		uint16_t type;
		size_t step;

		memcpy(&type, m + 4, 2);
		if (mlen < NLHDR_LEN || mlen > len - off)
			return pw_error_at(err, -EINVAL, off, "netlink message "
					   "length %u out of bounds", mlen);
		if (type == NLMSG_DONE)
			return 1;
		if (type == NLMSG_ERROR) {
			int32_t code;

			if (mlen < NLHDR_LEN + 4)
				return pw_error_at(err, -EINVAL, off,
						   "short netlink error");
			memcpy(&code, m + NLHDR_LEN, 4);
			if (code == 0)
				return 1;
			/* The kernel sends -errno; anything else (INT_MIN,
			 * positive, huge) is not an errno to negate. */
			if (code >= 0 || code < -4095)
				return pw_error_at(err, -EPROTO, off,
						   "netlink error code %d is "
						   "not an errno", code);
			return pw_error_set(err, code, "sock_diag: %s",
					    strerror(-code));
		}
		if (type == SOCK_DIAG_BY_FAMILY &&
		    parse_msg(m + NLHDR_LEN, mlen - NLHDR_LEN, proto, fn, ctx,
			      err) < 0)
			return -1;
		step = NLMSG_ALIGN(mlen);
		if (step > len - off)
			break;
		off += step;
	}
	return 0;
}

int pw_sockdiag_open(void)
{
	return socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
}

int pw_sockdiag_dump(int fd, int family, int proto, pw_sockdiag_fn fn,
		     void *ctx, struct pw_error *err)
{
	static uint32_t seq;
	uint8_t req[PW_SOCKDIAG_REQ_LEN];
	uint8_t buf[32768] __attribute__((aligned(4)));
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	size_t n = pw_sockdiag_request(req, sizeof(req), family, proto, ++seq);
	int r;

	if (sendto(fd, req, n, 0, (struct sockaddr *)&nl, sizeof(nl)) < 0)
		return pw_error_set(err, -errno, "sock_diag request: %s",
				    strerror(errno));
	for (;;) {
		ssize_t got = recv(fd, buf, sizeof(buf), 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return pw_error_set(err, -errno, "sock_diag reply: %s",
					    strerror(errno));
		if (got == 0)
			return pw_error_set(err, -EIO, "sock_diag: no reply");
		r = pw_sockdiag_parse(buf, (size_t)got, (uint8_t)proto, fn, ctx,
				      err);
		if (r != 0)
			return r < 0 ? -1 : 0;
	}
}
