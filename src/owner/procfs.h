/* /proc parsing: pure parsers over buffers (unit-tested and fuzzed), and
 * small readers that fill those buffers from /proc/PID/...
 *
 * Process start times: the kernel's start_boottime in ns is what eBPF
 * reports; /proc/PID/stat field 22 is the same value in clock ticks
 * (USER_HZ, normally 100), so two start times name the same process when
 * they fall in the same tick (pw_procfs_same_start). */
#ifndef PW_OWNER_PROCFS_H
#define PW_OWNER_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/packet.h"

struct pw_proc_stat {
	uint32_t pid;
	uint32_t ppid;
	char state;
	char comm[PW_COMM_LEN];
	uint64_t start_ticks;	/* field 22 */
};

/* "PID (COMM) S PPID ... field22 ...": comm may hold spaces and ')' so it
 * runs to the last ')'. */
bool pw_procfs_parse_stat(const char *buf, size_t len,
			  struct pw_proc_stat *out);

/* "socket:[12345]" -> 12345. */
bool pw_procfs_parse_socket_link(const char *link, uint64_t *inode);

/* "net:[4026531840]" -> 4026531840 (any "name:[N]" namespace link). */
bool pw_procfs_parse_ns_link(const char *link, uint32_t *inode);

/* "Uid:\treal\teffective..." line of /proc/PID/status: real uid. */
bool pw_procfs_parse_status_uid(const char *buf, size_t len, uint32_t *uid);

/* /proc/PID/cgroup: the cgroup v2 path ("0::PATH") when present, else the
 * first v1 path that is not "/". Writes "" when none. */
bool pw_procfs_parse_cgroup(const char *buf, size_t len, char *path,
			    size_t path_size);

/* Container id in a cgroup path: a run of 64 hex digits (docker, podman,
 * containerd, cri-o all name the cgroup after the id). */
bool pw_procfs_container_id(const char *cgroup_path, char *id,
			    size_t id_size);

/* NUL-separated argv (len bytes) into one line: NULs become spaces,
 * trailing NULs dropped, control characters replaced by '?'. Writes at
 * most out_size - 1 bytes and a NUL. */
void pw_procfs_join_args(const char *args, size_t len, char *out,
			 size_t out_size);

uint64_t pw_procfs_tick_ns(void);
static inline bool pw_procfs_same_start(uint64_t a_ns, uint64_t b_ns,
					uint64_t tick_ns)
{
	return a_ns / tick_ns == b_ns / tick_ns;
}

/* Readers. Return bytes read (>= 0) or a negative errno; the buffer is
 * NUL-terminated. */
long pw_procfs_read(uint32_t pid, const char *name, char *buf, size_t size);
long pw_procfs_readlink(uint32_t pid, const char *name, char *buf,
			size_t size);

/* stat + status of a live process; false when it is gone. */
bool pw_procfs_read_stat(uint32_t pid, struct pw_proc_stat *st,
			 uint32_t *uid);

#endif
