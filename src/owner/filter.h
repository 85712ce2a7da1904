/* Which processes a user asked about: pids (optionally with every process
 * they fork later), program names, a cgroup. Events of other processes
 * are filtered out. Tracked pids are remembered with their start time so
 * a reused pid is not mistaken for the tracked process. */
#ifndef PW_OWNER_FILTER_H
#define PW_OWNER_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "owner/owner.h"

struct pw_owner_filter;

struct pw_owner_filter *pw_owner_filter_new(bool follow_children);
void pw_owner_filter_free(struct pw_owner_filter *f);

/* Returns -1 when out of memory. A pid that does not exist (yet) still
 * matches by number. */
int pw_owner_filter_add_pid(struct pw_owner_filter *f, uint32_t pid);
/* Matches comm, or the base name of the executable. */
int pw_owner_filter_add_name(struct pw_owner_filter *f, const char *name);
/* A cgroup id (decimal) or a cgroup path; a path matches itself and
 * everything below it. */
int pw_owner_filter_add_cgroup(struct pw_owner_filter *f, const char *cg);

/* True when no criterion was given (everything matches). */
bool pw_owner_filter_empty(const struct pw_owner_filter *f);

/* Feeds process events (fork extends a followed pid set, exit ends a
 * tracked pid) and reports whether ev matches. */
bool pw_owner_filter_match(struct pw_owner_filter *f,
			   const struct pw_owner_event *ev);

#endif
