/* Network namespaces seen through /proc, for engines that must ask each
 * namespace separately (sock_diag answers only for its own). */
#ifndef PW_OWNER_NETNS_H
#define PW_OWNER_NETNS_H

#include <stdint.h>

/* Inode of the calling thread's network namespace, 0 on error. */
uint32_t pw_netns_self(void);

/* Inode of pid's network namespace, 0 when unreadable. */
uint32_t pw_netns_of(uint32_t pid);

/* Opens a NETLINK_SOCK_DIAG socket inside pid's network namespace (the
 * socket stays bound to it). Needs CAP_SYS_ADMIN; returns -errno. */
int pw_netns_sockdiag_open(uint32_t pid);

#endif
