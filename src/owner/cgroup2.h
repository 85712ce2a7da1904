/* A file descriptor on the root of the cgroup v2 hierarchy, for attaching
 * cgroup eBPF programs that then see every socket of the machine.
 *
 * These machines mount only cgroup v1, so the v2 hierarchy (which always
 * exists in the kernel) usually has no mount point. In order:
 *  1. a detached mount (fsopen/fsmount): never appears in any mount
 *     table and disappears with the last descriptor, so nothing is left
 *     behind even when procwire is killed with SIGKILL;
 *  2. an existing cgroup2 mount from /proc/self/mountinfo;
 *  3. a temporary mount under a mkdtemp directory, opened and unmounted
 *     (lazily) at once, directory removed: visible for microseconds. */
#ifndef PW_OWNER_CGROUP2_H
#define PW_OWNER_CGROUP2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Returns an O_RDONLY directory fd (close it when done) or -1 with err
 * set. how names the method used, for diagnostics. */
int pw_cgroup2_root_fd(const char **how, struct pw_error *err);

/* Path (e.g. "/system.slice/x.scope") of the cgroup with v2 id `id`,
 * found by walking the hierarchy under rootfd: a cgroup v2 directory's
 * inode number is its id. For processes gone before /proc/PID/cgroup was
 * read, whose id the kernel reported. Returns false when not found. */
bool pw_cgroup2_path_of(int rootfd, uint64_t id, char *path, size_t size);

#endif
