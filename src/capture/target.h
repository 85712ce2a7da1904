/* What a capture watches: a command launched in its own cgroup v2 child,
 * running processes by pid or name, existing cgroups.
 *
 * The command's cgroup ("pwcap-<procwire pid>") is made under the cgroup
 * v2 root the owner engine attaches to (a detached mount on machines
 * without a v2 mount point). The child joins it before exec, so its
 * first packet and every descendant's carry that cgroup id in the
 * kernel's per-socket owner. */
#ifndef PW_CAPTURE_TARGET_H
#define PW_CAPTURE_TARGET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

struct pw_cap_cgroup {
	int rootfd;		/* cgroup v2 root, -1 when closed */
	int dirfd;		/* our child cgroup, -1 when none */
	int eventsfd;		/* its cgroup.events, kept open (read with
				   pread every 50 ms), -1 when none */
	uint64_t id;		/* its cgroup v2 id (directory inode) */
	char name[32];
};

/* Opens the cgroup v2 root and makes the child cgroup. */
int pw_cap_cgroup_create(struct pw_cap_cgroup *cg, struct pw_error *err);

/* True while any process is in the cgroup (cgroup.events "populated 1");
 * also true when the file cannot be read (never ends a capture early). */
bool pw_cap_cgroup_populated(const struct pw_cap_cgroup *cg);

/* Sends sig to every process in the cgroup; returns how many. */
int pw_cap_cgroup_signal(const struct pw_cap_cgroup *cg, int sig);

/* Moves any process still inside to the root cgroup, removes the cgroup
 * and closes the descriptors. Safe on a zeroed or half-made cgroup.
 * Returns 0, or -errno of the failed rmdir. */
int pw_cap_cgroup_remove(struct pw_cap_cgroup *cg);

/* Forks argv[0] (looked up in PATH) into the cgroup. Under sudo the child
 * runs as SUDO_UID/SUDO_GID (with that user's groups). Returns the
 * child's pid once exec succeeded; -1 with err when it did not (err->code
 * -ENOENT: not found, -EACCES: not executable...), the child reaped. */
pid_t pw_cap_launch(struct pw_cap_cgroup *cg, char *const argv[],
		    struct pw_error *err);

/* Id of an existing cgroup v2: a decimal id, or a path under the root
 * ("/system.slice/x.service" or "system.slice/x.service"). */
int pw_cap_cgroup_resolve(const char *spec, uint64_t *id,
			  struct pw_error *err);

/* An O_RDONLY directory descriptor on an existing cgroup v2 (spec as
 * for pw_cap_cgroup_resolve), for attaching programs there; -1 with err
 * when there is no such cgroup. */
int pw_cap_cgroup_open(const char *spec, struct pw_error *err);

/* Calls fn for every process now running whose comm is name (name NULL:
 * every process) with its pid and parent pid. */
void pw_cap_each_proc(const char *name,
		      void (*fn)(uint32_t pid, uint32_t ppid, void *ctx),
		      void *ctx);

#endif
