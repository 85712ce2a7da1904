/* Capture targets: the command's cgroup, its launch, process scans. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/target.h"
#include "owner/cgroup2.h"

/* Reads a small file under dirfd into buf (NUL-terminated); -1 on error. */
static ssize_t read_small(int dirfd, const char *name, char *buf,
			  size_t size)
{
	ssize_t n;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

/* Cgroups left by captures that were killed (SIGKILL leaves no chance to
 * remove them): pwcap-PID whose procwire is gone. Only empty ones go
 * (rmdir refuses the others: their commands still run there). */
static void remove_stale_cgroups(int rootfd)
{
	struct dirent *d;
	DIR *dir;
	int fd;
	long pid;
	char *end;

	fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, "pwcap-", 6))
			continue;
		pid = strtol(d->d_name + 6, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		unlinkat(rootfd, d->d_name, AT_REMOVEDIR);
	}
	closedir(dir);
}

int pw_cap_cgroup_create(struct pw_cap_cgroup *cg, struct pw_error *err)
{
	const char *how = "";
	struct stat st;

	memset(cg, 0, sizeof(*cg));
	cg->dirfd = -1;
	cg->eventsfd = -1;
	cg->rootfd = pw_cgroup2_root_fd(&how, err);
	if (cg->rootfd < 0)
		return -1;
	remove_stale_cgroups(cg->rootfd);
	snprintf(cg->name, sizeof(cg->name), "pwcap-%d", (int)getpid());
	if (mkdirat(cg->rootfd, cg->name, 0755) < 0 && errno != EEXIST)
		return pw_error_set(err, -errno, "cannot create cgroup %s: %s",
				    cg->name, strerror(errno));
	cg->dirfd = openat(cg->rootfd, cg->name,
			   O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->dirfd < 0 || fstat(cg->dirfd, &st) < 0) {
		pw_error_set(err, -errno, "cannot open cgroup %s: %s",
			     cg->name, strerror(errno));
		pw_cap_cgroup_remove(cg);
		return -1;
	}
	cg->id = (uint64_t)st.st_ino;
	cg->eventsfd = openat(cg->dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	return 0;
}

bool pw_cap_cgroup_populated(const struct pw_cap_cgroup *cg)
{
	char buf[256];
	const char *p;
	ssize_t n;

	if (cg->dirfd < 0)
		return false;
	/* Read again from the start: the kernel makes the text anew.
	 * Unreadable counts as populated. */
	if (cg->eventsfd < 0)
		return true;
	n = pread(cg->eventsfd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return true;
	buf[n] = 0;
	p = strstr(buf, "populated ");
	return !p || p[10] != '0';
}

/* Calls fn for each pid listed in the cgroup's cgroup.procs. */
static int each_member(const struct pw_cap_cgroup *cg,
		       void (*fn)(pid_t pid, void *ctx), void *ctx)
{
	char line[32];
	FILE *f;
	int fd, n = 0;

	if (cg->dirfd < 0)
		return 0;
	fd = openat(cg->dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		pid_t pid = (pid_t)strtol(line, NULL, 10);

		if (pid > 0) {
			fn(pid, ctx);
			n++;
		}
	}
	fclose(f);
	return n;
}

static void signal_one(pid_t pid, void *ctx)
{
	kill(pid, *(int *)ctx);
}

int pw_cap_cgroup_signal(const struct pw_cap_cgroup *cg, int sig)
{
	return each_member(cg, signal_one, &sig);
}

static void move_to_root(pid_t pid, void *ctx)
{
	int fd = *(int *)ctx;
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

	if (fd >= 0 && write(fd, buf, (size_t)n) < 0) {
		/* Gone meanwhile, or not movable: rmdir reports it. */
	}
}

int pw_cap_cgroup_remove(struct pw_cap_cgroup *cg)
{
	int ret = 0, fd;

	if (cg->dirfd >= 0) {
		if (pw_cap_cgroup_populated(cg)) {
			fd = openat(cg->rootfd, "cgroup.procs",
				    O_WRONLY | O_CLOEXEC);
			each_member(cg, move_to_root, &fd);
			if (fd >= 0)
				close(fd);
		}
		if (cg->eventsfd >= 0)
			close(cg->eventsfd);
		cg->eventsfd = -1;
		close(cg->dirfd);
		cg->dirfd = -1;
		/* A process that just exited can keep the cgroup busy for a
		 * moment: a few retries. */
		for (int i = 0; i < 50; i++) {
			ret = unlinkat(cg->rootfd, cg->name, AT_REMOVEDIR) ?
			      -errno : 0;
			if (ret != -EBUSY)
				break;
			usleep(20000);
		}
	}
	if (cg->rootfd >= 0)
		close(cg->rootfd);
	cg->rootfd = -1;
	return ret;
}

/* In the child: run as the user sudo was called by (root stays root). */
static int drop_to_sudo_user(void)
{
	const char *su = getenv("SUDO_UID"), *sg = getenv("SUDO_GID");
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (!su || !sg || getuid() != 0)
		return 0;
	uid = (uid_t)strtoul(su, NULL, 10);
	gid = (gid_t)strtoul(sg, NULL, 10);
	if (uid == 0)
		return 0;
	pw = getpwuid(uid);
	if (pw ? initgroups(pw->pw_name, gid) : setgroups(0, NULL))
		return -1;
	if (setgid(gid) || setuid(uid))
		return -1;
	if (pw) {
		setenv("HOME", pw->pw_dir, 1);
		setenv("USER", pw->pw_name, 1);
		setenv("LOGNAME", pw->pw_name, 1);
	}
	return 0;
}

pid_t pw_cap_launch(struct pw_cap_cgroup *cg, char *const argv[],
		    struct pw_error *err)
{
	int status_pipe[2] = { -1, -1 }, procs = -1, child_err = 0;
	pid_t pid = -1;
	ssize_t n;

	procs = openat(cg->dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (procs < 0)
		return pw_error_set(err, -errno, "cannot open %s/cgroup.procs: "
				    "%s", cg->name, strerror(errno));
	if (pipe2(status_pipe, O_CLOEXEC) < 0) {
		pw_error_set(err, -errno, "pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		pw_error_set(err, -errno, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* "0" moves the writing process: the child joins before
		 * exec, so nothing it sends escapes the cgroup's id. The
		 * status pipe closes on a successful exec; otherwise it
		 * carries the errno. */
		int e = 0;

		signal(SIGPIPE, SIG_DFL);
		if (write(procs, "0", 1) != 1)
			e = errno;
		else if (drop_to_sudo_user() < 0)
			e = errno ? errno : EPERM;
		else
			execvp(argv[0], argv);
		if (!e)
			e = errno;
		if (write(status_pipe[1], &e, sizeof(e)) < 0) {
			/* parent gone: nothing to tell */
		}
		_exit(e == ENOENT ? 127 : 126);
	}
	close(status_pipe[1]);
	status_pipe[1] = -1;
	do
		n = read(status_pipe[0], &child_err, sizeof(child_err));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(child_err)) {
		waitpid(pid, NULL, 0);
		pw_error_set(err, -child_err, "cannot run %s: %s", argv[0],
			     strerror(child_err));
		pid = -1;
	}
out:
	if (status_pipe[0] >= 0)
		close(status_pipe[0]);
	if (status_pipe[1] >= 0)
		close(status_pipe[1]);
	close(procs);
	return pid;
}

int pw_cap_cgroup_resolve(const char *spec, uint64_t *id,
			  struct pw_error *err)
{
	const char *how = "", *rel = spec;
	struct stat st;
	char *end;
	int root, fd, ret = -1;

	errno = 0;
	*id = strtoull(spec, &end, 10);
	if (*spec && !*end && !errno && *id)
		return 0;
	root = pw_cgroup2_root_fd(&how, err);
	if (root < 0)
		return -1;
	while (*rel == '/')
		rel++;
	fd = *rel ? openat(root, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC) :
		    dup(root);
	if (fd < 0 || fstat(fd, &st) < 0) {
		pw_error_set(err, -errno, "no cgroup v2 '%s': %s", spec,
			     strerror(errno));
		goto out;
	}
	*id = (uint64_t)st.st_ino;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	close(root);
	return ret;
}

int pw_cap_cgroup_open(const char *spec, struct pw_error *err)
{
	const char *how = "", *rel = spec;
	char path[4096];
	uint64_t id;
	char *end;
	int root, fd = -1;

	root = pw_cgroup2_root_fd(&how, err);
	if (root < 0)
		return -1;
	errno = 0;
	id = strtoull(spec, &end, 10);
	if (*spec && !*end && !errno && id) {
		if (!pw_cgroup2_path_of(root, id, path, sizeof(path))) {
			pw_error_set(err, -ENOENT, "no cgroup v2 with id %s",
				     spec);
			goto out;
		}
		rel = path;
	}
	while (*rel == '/')
		rel++;
	fd = openat(root, *rel ? rel : ".",
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		pw_error_set(err, -errno, "no cgroup v2 '%s': %s", spec,
			     strerror(errno));
out:
	close(root);
	return fd;
}

void pw_cap_each_proc(const char *name,
		      void (*fn)(uint32_t pid, uint32_t ppid, void *ctx),
		      void *ctx)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[64], buf[512], *close_paren, *comm;
		unsigned long ppid;
		long pid;
		int dfd;

		pid = strtol(de->d_name, &comm, 10);
		if (pid <= 0 || *comm)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld", pid);
		dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			continue;
		/* stat: "pid (comm) state ppid ..."; comm may hold ')'. */
		if (read_small(dfd, "stat", buf, sizeof(buf)) > 0 &&
		    (close_paren = strrchr(buf, ')')) &&
		    sscanf(close_paren + 1, " %*c %lu", &ppid) == 1) {
			comm = strchr(buf, '(');
			*close_paren = 0;
			if (comm && (!name || !strcmp(comm + 1, name)))
				fn((uint32_t)pid, (uint32_t)ppid, ctx);
		}
		close(dfd);
	}
	closedir(d);
}
