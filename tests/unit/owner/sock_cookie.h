/* A socket's cookie as the kernel reports it (SO_COOKIE): the key the
 * owner tests join their own sockets to events and table entries by. */
#ifndef PW_TEST_SOCK_COOKIE_H
#define PW_TEST_SOCK_COOKIE_H

#include <stdint.h>
#include <sys/socket.h>

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

static inline uint64_t sock_cookie(int fd)
{
	uint64_t c = 0;
	socklen_t len = sizeof(c);

	getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len);
	return c;
}

#endif
