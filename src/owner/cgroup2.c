#include "owner/cgroup2.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The new mount API; glibc's wrappers clash with <linux/mount.h>, so the
 * syscalls are called directly with their stable numbers and flags. */
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_fsconfig
#define SYS_fsconfig 431
#endif
#ifndef SYS_fsmount
#define SYS_fsmount 432
#endif
#define PW_FSOPEN_CLOEXEC 0x00000001
#define PW_FSCONFIG_CMD_CREATE 6
#define PW_FSMOUNT_CLOEXEC 0x00000001

static int detached_mount(void)
{
	int fs = -1, mnt = -1, fd = -1;

	fs = (int)syscall(SYS_fsopen, "cgroup2", PW_FSOPEN_CLOEXEC);
	if (fs < 0)
		goto out;
	if (syscall(SYS_fsconfig, fs, PW_FSCONFIG_CMD_CREATE, NULL, NULL,
		    0) < 0)
		goto out;
	mnt = (int)syscall(SYS_fsmount, fs, PW_FSMOUNT_CLOEXEC, 0);
	if (mnt < 0)
		goto out;
	/* fsmount gives an O_PATH descriptor, which BPF_LINK_CREATE does
	 * not accept; a real open of the same directory works. */
	fd = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
out:
	if (mnt >= 0)
		close(mnt);
	if (fs >= 0)
		close(fs);
	return fd;
}

/* Mount point of a cgroup2 file system from mountinfo, or "" */
static int existing_mount(void)
{
	char line[4096], *fields[10];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int fd = -1;

	if (!f)
		return -1;
	while (fd < 0 && fgets(line, sizeof(line), f)) {
		char *p = line, *dash = strstr(line, " - ");
		int n = 0;

		if (!dash || strncmp(dash + 3, "cgroup2 ", 8))
			continue;
		while (n < 10 && (fields[n] = strsep(&p, " ")))
			n++;
		/* Field 4 is the root within the fs, 5 the mount point. */
		if (n >= 5 && !strcmp(fields[3], "/"))
			fd = open(fields[4],
				  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	fclose(f);
	return fd;
}

static int temporary_mount(void)
{
	char dir[] = "/tmp/procwire-cgroup2-XXXXXX";
	int fd = -1;

	if (!mkdtemp(dir))
		return -1;
	if (mount("cgroup2", dir, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) == 0) {
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		umount2(dir, MNT_DETACH);
	}
	rmdir(dir);
	return fd;
}

int pw_cgroup2_root_fd(const char **how, struct pw_error *err)
{
	int fd;

	fd = detached_mount();
	if (fd >= 0) {
		*how = "detached cgroup2 mount";
		return fd;
	}
	fd = existing_mount();
	if (fd >= 0) {
		*how = "existing cgroup2 mount";
		return fd;
	}
	fd = temporary_mount();
	if (fd >= 0) {
		*how = "temporary cgroup2 mount";
		return fd;
	}
	pw_error_set(err, -errno, "cannot reach the cgroup v2 hierarchy: "
		     "no cgroup2 mount and mounting one failed (%s)",
		     strerror(errno));
	return -1;
}

/* Depth-first search below the open directory dir (path so far in path,
 * used bytes len). Bounded in depth; the hierarchy is small. */
static bool walk(int dir, uint64_t id, char *path, size_t len, size_t size,
		 int depth)
{
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (depth > 32)
		return false;
	d = fdopendir(dir);
	if (!d) {
		close(dir);
		return false;
	}
	while (!found && (de = readdir(d))) {
		struct stat st;
		int sub;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (len + 1 + strlen(de->d_name) + 1 > size)
			continue;
		path[len] = '/';
		strcpy(path + len + 1, de->d_name);
		if ((uint64_t)st.st_ino == id) {
			found = true;
			break;
		}
		sub = openat(dirfd(d), de->d_name,
			     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub >= 0)
			found = walk(sub, id, path,
				     len + 1 + strlen(de->d_name), size,
				     depth + 1);
		if (!found)
			path[len] = 0;
	}
	closedir(d);
	return found;
}

bool pw_cgroup2_path_of(int rootfd, uint64_t id, char *path, size_t size)
{
	struct stat st;
	int dir;

	if (size < 2 || fstat(rootfd, &st) < 0)
		return false;
	if ((uint64_t)st.st_ino == id) {
		strcpy(path, "/");
		return true;
	}
	path[0] = 0;
	dir = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return false;
	return walk(dir, id, path, 0, size, 0);
}
