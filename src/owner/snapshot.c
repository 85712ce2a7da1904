#include "owner/snapshot.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "owner/netns.h"
#include "owner/procfs.h"

struct inode_pid {
	uint64_t inode;
	uint32_t pid;
	uint32_t proc;		/* index into scan.procs */
};

struct ns_rep {
	uint32_t netns;
	uint32_t pid;		/* a process living there */
};

struct scan {
	struct inode_pid *map;
	size_t n, cap;
	struct ns_rep *ns;
	size_t nns, capns;
	struct pw_snap_proc *procs;
	size_t nprocs, capprocs;
	struct pw_snapshot *snap;
	uint32_t cur_netns;
	int oom;
};

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 64;
	void *np;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	np = realloc(*p, c * elem);
	if (!np)
		return -1;
	*p = np;
	*cap = c;
	return 0;
}

/* Reads the process's fields as its first socket is found. */
static int add_proc(struct scan *sc, uint32_t pid)
{
	struct pw_snap_proc *p;
	struct pw_proc_stat st;
	uint32_t uid = 0;

	if (grow((void **)&sc->procs, &sc->capprocs, sc->nprocs + 1,
		 sizeof(*sc->procs))) {
		sc->oom = 1;
		return -1;
	}
	p = &sc->procs[sc->nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	if (pw_procfs_read_stat(pid, &st, &uid)) {
		p->ppid = st.ppid;
		p->uid = uid;
		p->start_ticks = st.start_ticks;
		memcpy(p->comm, st.comm, sizeof(p->comm));
	}
	return 0;
}

static void scan_pid(struct scan *sc, uint32_t pid)
{
	char path[64], link[64];
	struct dirent *de;
	uint32_t netns;
	size_t i, found = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%u/fd", pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		uint64_t inode;
		char lp[64 + sizeof(de->d_name)];
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(lp, sizeof(lp), "%s/%s", path, de->d_name);
		n = readlink(lp, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (!pw_procfs_parse_socket_link(link, &inode))
			continue;
		if (!found && add_proc(sc, pid) < 0)
			break;
		if (grow((void **)&sc->map, &sc->cap, sc->n + 1,
			 sizeof(*sc->map))) {
			sc->oom = 1;
			break;
		}
		sc->map[sc->n].inode = inode;
		sc->map[sc->n].pid = pid;
		sc->map[sc->n].proc = (uint32_t)(sc->nprocs - 1);
		sc->n++;
		found++;
	}
	closedir(d);
	/* Only namespaces where some process holds sockets are dumped. */
	if (!found)
		return;
	netns = pw_netns_of(pid);
	if (!netns)
		return;
	for (i = 0; i < sc->nns; i++)
		if (sc->ns[i].netns == netns)
			return;
	if (grow((void **)&sc->ns, &sc->capns, sc->nns + 1, sizeof(*sc->ns))) {
		sc->oom = 1;
		return;
	}
	sc->ns[sc->nns].netns = netns;
	sc->ns[sc->nns].pid = pid;
	sc->nns++;
}

static int cmp_inode(const void *a, const void *b)
{
	const struct inode_pid *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int cmp_cookie(const void *a, const void *b)
{
	const struct pw_snap_sock *x = a, *y = b;

	return x->s.cookie < y->s.cookie ? -1 : x->s.cookie > y->s.cookie;
}

/* Index in map of the first (lowest pid) entry of the inode, or -1. */
static long entry_of_inode(const struct scan *sc, uint64_t inode)
{
	size_t lo = 0, hi = sc->n;

	/* First (lowest pid) entry of the inode. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sc->map[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sc->n && sc->map[lo].inode == inode ? (long)lo : -1;
}

static void on_sock(const struct pw_sockdiag_sock *s, void *ctx)
{
	struct scan *sc = ctx;
	struct pw_snapshot *snap = sc->snap;
	long idx;

	if (!s->inode)
		return;
	idx = entry_of_inode(sc, s->inode);
	if (idx < 0)
		return;
	if (grow((void **)&snap->socks, &snap->cap, snap->n + 1,
		 sizeof(*snap->socks))) {
		sc->oom = 1;
		return;
	}
	snap->socks[snap->n].s = *s;
	snap->socks[snap->n].pid = sc->map[idx].pid;
	snap->socks[snap->n].netns = sc->cur_netns;
	snap->socks[snap->n].proc = sc->procs[sc->map[idx].proc];
	snap->n++;
}

static int dump_ns(struct scan *sc, const struct ns_rep *ns, uint32_t self,
		   struct pw_error *err)
{
	static const int combos[4][2] = {
		{ AF_INET, IPPROTO_TCP }, { AF_INET6, IPPROTO_TCP },
		{ AF_INET, IPPROTO_UDP }, { AF_INET6, IPPROTO_UDP },
	};
	int fd, i, ok = 0;

	fd = ns->netns == self ? pw_sockdiag_open() :
				 pw_netns_sockdiag_open(ns->pid);
	if (fd < 0) {
		pw_error_set(err, fd == -1 ? -errno : fd,
			     "cannot open sock_diag in netns %u: %s", ns->netns,
			     strerror(fd == -1 ? errno : -fd));
		return -1;
	}
	sc->cur_netns = ns->netns;
	for (i = 0; i < 4; i++)
		if (pw_sockdiag_dump(fd, combos[i][0], combos[i][1], on_sock,
				     sc, err) == 0)
			ok++;
	close(fd);
	return ok ? 0 : -1;
}

int pw_snapshot_take(struct pw_snapshot *snap, const uint32_t *pids,
		     size_t npids, struct pw_error *err)
{
	struct scan sc;
	uint32_t self = pw_netns_self();
	size_t i, dumped = 0;
	int ret = -1;

	memset(&sc, 0, sizeof(sc));
	sc.snap = snap;
	snap->n = 0;
	snap->netns_failed = 0;
	if (pids) {
		for (i = 0; i < npids; i++)
			scan_pid(&sc, pids[i]);
	} else {
		DIR *d = opendir("/proc");
		struct dirent *de;

		if (!d) {
			pw_error_set(err, -errno, "cannot read /proc: %s",
				     strerror(errno));
			goto out;
		}
		while ((de = readdir(d))) {
			char *end;
			unsigned long pid;

			if (!isdigit((unsigned char)de->d_name[0]))
				continue;
			pid = strtoul(de->d_name, &end, 10);
			if (*end || !pid || pid > UINT32_MAX)
				continue;
			scan_pid(&sc, (uint32_t)pid);
		}
		closedir(d);
	}
	if (sc.n)
		qsort(sc.map, sc.n, sizeof(*sc.map), cmp_inode);
	for (i = 0; i < sc.nns; i++) {
		if (dump_ns(&sc, &sc.ns[i], self, err) == 0)
			dumped++;
		else
			snap->netns_failed++;
	}
	if (sc.oom) {
		pw_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	if (snap->n)
		qsort(snap->socks, snap->n, sizeof(*snap->socks), cmp_cookie);
	if (!dumped && sc.nns)
		goto out;
	ret = 0;
out:
	free(sc.map);
	free(sc.ns);
	free(sc.procs);
	return ret;
}

void pw_snapshot_free(struct pw_snapshot *snap)
{
	free(snap->socks);
	memset(snap, 0, sizeof(*snap));
}
