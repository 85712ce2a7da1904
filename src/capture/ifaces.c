/* Interfaces of a capture, named in their own network namespace. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/ifaces.h"

#define LINKTYPE_RAW 101

static uint32_t netns_inode(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (uint32_t)st.st_ino;
}

void pw_cap_ifaces_init(struct pw_cap_ifaces *t, uint32_t snaplen)
{
	memset(t, 0, sizeof(*t));
	t->own_netns = netns_inode("/proc/self/ns/net");
	t->snaplen = snaplen;
}

struct name_job {
	int nsfd;
	uint32_t ifindex;
	char name[IF_NAMESIZE];
	int ok;
};

/* setns() of a network namespace changes only the calling thread: a
 * short-lived thread looks the name up there and leaves the rest of
 * procwire where it was. */
static void *name_in_netns(void *arg)
{
	struct name_job *j = arg;

	if (setns(j->nsfd, CLONE_NEWNET) == 0 &&
	    if_indextoname(j->ifindex, j->name))
		j->ok = 1;
	return NULL;
}

void pw_cap_iface_name(uint32_t own_netns, uint32_t netns, uint32_t ifindex,
		       uint32_t pid, char *buf, size_t size)
{
	struct name_job job;
	char path[64];
	pthread_t th;
	struct stat st;

	memset(&job, 0, sizeof(job));
	job.nsfd = -1;
	job.ifindex = ifindex;
	if (!netns || netns == own_netns) {
		if (if_indextoname(ifindex, job.name)) {
			snprintf(buf, size, "%s", job.name);
			return;
		}
		snprintf(buf, size, "if%u", ifindex);
		return;
	}
	if (pid) {
		snprintf(path, sizeof(path), "/proc/%u/ns/net", pid);
		job.nsfd = open(path, O_RDONLY | O_CLOEXEC);
	}
	/* The pid may be reused by now: use its namespace only when it is
	 * the packet's. */
	if (job.nsfd >= 0 && !fstat(job.nsfd, &st) &&
	    (uint32_t)st.st_ino == netns &&
	    !pthread_create(&th, NULL, name_in_netns, &job))
		pthread_join(th, NULL);
	if (job.nsfd >= 0)
		close(job.nsfd);
	if (job.ok)
		snprintf(buf, size, "%s@netns:%u", job.name, netns);
	else
		snprintf(buf, size, "if%u@netns:%u", ifindex, netns);
}

struct pw_cap_iface *pw_cap_iface_get(struct pw_cap_ifaces *t,
				      struct pw_cap_output *w,
				      uint32_t netns, uint32_t ifindex,
				      uint32_t pid, struct pw_error *err)
{
	struct pw_cap_iface *f;
	char name[IF_NAMESIZE + 32];
	unsigned i;

	for (i = 0; i < t->n; i++) {
		f = &t->list[i];
		if (f->netns == netns && f->ifindex == ifindex)
			return f;
	}
	if (t->n == PW_CAP_MAX_IFACES) {
		pw_error_set(err, -E2BIG, "more than %d interfaces",
			     PW_CAP_MAX_IFACES);
		return NULL;
	}
	pw_cap_iface_name(t->own_netns, netns, ifindex, pid, name,
			  sizeof(name));
	f = &t->list[t->n];
	memset(f, 0, sizeof(*f));
	f->netns = netns;
	f->ifindex = ifindex;
	f->id = pw_cap_output_add_iface(w, LINKTYPE_RAW, t->snaplen, name,
					   err);
	if (f->id < 0)
		return NULL;
	t->n++;
	return f;
}
