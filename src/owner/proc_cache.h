/* Process details cache: bounded (LRU), keyed by pid and start time so a
 * reused pid never inherits a dead process's details.
 *
 * Details come from where they are freshest: exec events carry the file
 * name and argv from the kernel; everything else is read from /proc the
 * first time a process is seen, checked against the start time. A process
 * gone before that read keeps only its kernel fields (counted as a miss).
 *
 * The executable path is /proc/PID/exe (absolute, symlinks resolved) when
 * the process is still there as its exec event is read. Otherwise it is
 * the name given to execve as the exec tracepoint saw it: possibly
 * relative, and a symlink's own name. bpf_d_path, which would give the
 * resolved path in the kernel, is not allowed on tracepoints (and fentry
 * is refused on these machines), so that miss is accepted. The cgroup
 * path of a gone process is found from its cgroup v2 id. */
#ifndef PW_OWNER_PROC_CACHE_H
#define PW_OWNER_PROC_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/packet.h"

struct pw_raw_owner;

struct pw_proc_entry {
	uint32_t pid, ppid, uid;
	uint64_t start_ns;	/* CLOCK_BOOTTIME ns, 0 unknown */
	uint64_t cgroup_id;
	char comm[PW_COMM_LEN];
	char *exe;		/* heap strings, NULL when unknown */
	char *cmdline;
	char *cgroup;
	char *container;
	bool proc_read;		/* /proc was tried */
	bool exited;
	uint32_t user_flags;	/* for callers (e.g. a tracking filter) */

	struct pw_proc_entry *hash_next;
	struct pw_proc_entry *lru_prev, *lru_next;
};

struct pw_proc_cache;

struct pw_proc_cache *pw_proc_cache_new(uint32_t max_entries);
void pw_proc_cache_free(struct pw_proc_cache *c);

/* The entry of (pid, start); start_ns 0 matches the newest for pid. */
struct pw_proc_entry *pw_proc_cache_find(struct pw_proc_cache *c,
					 uint32_t pid, uint64_t start_ns);

/* Finds or creates the entry for o and refreshes its kernel fields; a
 * new entry reads /proc when read_proc is set. NULL only when out of
 * memory. */
struct pw_proc_entry *pw_proc_cache_put(struct pw_proc_cache *c,
					const struct pw_raw_owner *o,
					bool read_proc);

/* exec: new program file name and argv (NUL-separated); replaces exe and
 * cmdline (exe from /proc/PID/exe when still readable, else path). */
void pw_proc_cache_exec(struct pw_proc_cache *c, struct pw_proc_entry *e,
			const char *path, const char *args, uint32_t args_len);

/* Reads /proc/PID/{exe,cmdline,cgroup} into e if the live process there
 * has e's start time. */
void pw_proc_cache_read_proc(struct pw_proc_cache *c,
			     struct pw_proc_entry *e);

void pw_proc_cache_stats(const struct pw_proc_cache *c, uint64_t *count,
			 uint64_t *evictions, uint64_t *misses);

#endif
