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

#include <stddef.h>

#include "base/error.h"

/* Returns an O_RDONLY directory fd (close it when done) or -1 with err
 * set. how names the method used, for diagnostics. */
int pw_cgroup2_root_fd(const char **how, struct pw_error *err);

#endif
