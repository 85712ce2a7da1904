#include "owner/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "owner/procfs.h"
#include "owner/sockdiag.h"

static uint32_t ns_inode(const char *path)
{
	char link[64];
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	uint32_t ino;

	if (n <= 0)
		return 0;
	link[n] = 0;
	return pw_procfs_parse_ns_link(link, &ino) ? ino : 0;
}

uint32_t pw_netns_self(void)
{
	return ns_inode("/proc/thread-self/ns/net");
}

uint32_t pw_netns_of(uint32_t pid)
{
	char path[48];

	snprintf(path, sizeof(path), "/proc/%u/ns/net", pid);
	return ns_inode(path);
}

int pw_netns_sockdiag_open(uint32_t pid)
{
	char path[48];
	int self = -1, target = -1, fd = -1, ret;

	snprintf(path, sizeof(path), "/proc/%u/ns/net", pid);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || target < 0) {
		ret = -errno;
		goto out;
	}
	if (setns(target, CLONE_NEWNET) < 0) {
		ret = -errno;
		goto out;
	}
	fd = pw_sockdiag_open();
	ret = fd < 0 ? -errno : fd;
	/* Back home; a failure here would leave this thread elsewhere. */
	if (setns(self, CLONE_NEWNET) < 0) {
		if (fd >= 0)
			close(fd);
		ret = -errno;
	}
out:
	if (self >= 0)
		close(self);
	if (target >= 0)
		close(target);
	return ret;
}
