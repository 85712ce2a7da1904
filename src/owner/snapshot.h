/* One look at the machine's TCP and UDP sockets with their processes:
 * /proc/PID/fd gives socket inodes per process, sock_diag (asked in each
 * network namespace that has processes) gives endpoints per inode. Used by
 * the polling engine and by the port listing of the public API.
 *
 * A socket shared by several processes is reported once, owned by the
 * first process found (lowest pid). Sockets without a file (TIME_WAIT)
 * or whose process could not be read are left out. */
#ifndef PW_OWNER_SNAPSHOT_H
#define PW_OWNER_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "owner/sockdiag.h"

/* Process fields read when its descriptors were scanned, so a process
 * that exits right after still has a name. */
struct pw_snap_proc {
	uint32_t pid, ppid, uid;
	uint64_t start_ticks;	/* 0: stat could not be read */
	char comm[16];
};

struct pw_snap_sock {
	struct pw_sockdiag_sock s;
	uint32_t pid;
	uint32_t netns;
	struct pw_snap_proc proc;
};

struct pw_snapshot {
	struct pw_snap_sock *socks;	/* sorted by cookie */
	size_t n, cap;
	unsigned netns_failed;	/* namespaces that could not be entered */
};

/* pids NULL: every process. Returns 0, or -1 with err set when nothing
 * could be dumped at all. */
int pw_snapshot_take(struct pw_snapshot *snap, const uint32_t *pids,
		     size_t npids, struct pw_error *err);
void pw_snapshot_free(struct pw_snapshot *snap);

#endif
