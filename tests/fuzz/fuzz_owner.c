/* libFuzzer harness over the owner module's parsers of untrusted bytes:
 * sock_diag netlink replies (from the kernel, but parsed defensively) and
 * /proc files (stat, status, cgroup, cmdline, fd and namespace links),
 * whose contents other users' processes partly control (comm, argv).
 * The first byte picks the parser; the rest is its input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "owner/procfs.h"
#include "owner/sockdiag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(const struct pw_sockdiag_sock *s, void *ctx)
{
	size_t *n = ctx;

	if (s->family == 4 || s->family == 6)
		(*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_proc_stat st;
	struct pw_error err;
	char out[128], id[80], *s;
	uint64_t inode;
	uint32_t u;
	size_t n = 0;

	if (size < 1)
		return 0;
	/* The parsers take exactly-sized buffers; a heap copy of exactly
	 * that size lets ASan catch any read past the end (links get one
	 * more byte for their NUL). */
	s = malloc(size);
	if (!s)
		return 0;
	if (data[0] % 6 != 5) {
		free(s);
		s = malloc(size - 1 ? size - 1 : 1);
		if (!s)
			return 0;
	}
	memcpy(s, data + 1, size - 1);
	switch (data[0] % 6) {
	case 0:
		pw_sockdiag_parse((const uint8_t *)s, size - 1, 6, ignore, &n,
				  &err);
		break;
	case 1:
		pw_procfs_parse_stat(s, size - 1, &st);
		break;
	case 2:
		pw_procfs_parse_status_uid(s, size - 1, &u);
		break;
	case 3:
		if (pw_procfs_parse_cgroup(s, size - 1, out, sizeof(out)))
			pw_procfs_container_id(out, id, sizeof(id));
		break;
	case 4:
		pw_procfs_join_args(s, size - 1, out, sizeof(out));
		break;
	case 5:
		/* Links are NUL-terminated strings. */
		s[size - 1] = 0;
		pw_procfs_parse_socket_link(s, &inode);
		pw_procfs_parse_ns_link(s, &u);
		pw_procfs_container_id(s, id, sizeof(id));
		break;
	}
	free(s);
	return 0;
}
