#include "owner/filter.h"

#include <stdlib.h>
#include <string.h>

#include "owner/procfs.h"

struct tracked {
	uint32_t pid;
	uint64_t start_ns;	/* 0: match the number only */
};

struct pw_owner_filter {
	bool follow;
	struct tracked *pids;
	size_t npids, cappids;
	char **names;
	size_t nnames;
	char **cgroups;
	uint64_t *cgroup_ids;
	size_t ncgroups;
};

struct pw_owner_filter *pw_owner_filter_new(bool follow_children)
{
	struct pw_owner_filter *f = calloc(1, sizeof(*f));

	if (f)
		f->follow = follow_children;
	return f;
}

void pw_owner_filter_free(struct pw_owner_filter *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->nnames; i++)
		free(f->names[i]);
	for (i = 0; i < f->ncgroups; i++)
		free(f->cgroups[i]);
	free(f->names);
	free(f->cgroups);
	free(f->cgroup_ids);
	free(f->pids);
	free(f);
}

static int track(struct pw_owner_filter *f, uint32_t pid, uint64_t start)
{
	if (f->npids == f->cappids) {
		size_t c = f->cappids ? f->cappids * 2 : 16;
		struct tracked *p = realloc(f->pids, c * sizeof(*p));

		if (!p)
			return -1;
		f->pids = p;
		f->cappids = c;
	}
	f->pids[f->npids].pid = pid;
	f->pids[f->npids].start_ns = start;
	f->npids++;
	return 0;
}

int pw_owner_filter_add_pid(struct pw_owner_filter *f, uint32_t pid)
{
	struct pw_proc_stat st;
	uint32_t uid;
	uint64_t start = 0;

	if (pw_procfs_read_stat(pid, &st, &uid))
		start = st.start_ticks * pw_procfs_tick_ns();
	return track(f, pid, start);
}

static int push_str(char ***arr, size_t *n, const char *s)
{
	char **p = realloc(*arr, (*n + 1) * sizeof(*p));

	if (!p)
		return -1;
	*arr = p;
	p[*n] = strdup(s);
	if (!p[*n])
		return -1;
	(*n)++;
	return 0;
}

int pw_owner_filter_add_name(struct pw_owner_filter *f, const char *name)
{
	return push_str(&f->names, &f->nnames, name);
}

int pw_owner_filter_add_cgroup(struct pw_owner_filter *f, const char *cg)
{
	uint64_t *ids;
	char *end;
	unsigned long long id = strtoull(cg, &end, 10);

	ids = realloc(f->cgroup_ids, (f->ncgroups + 1) * sizeof(*ids));
	if (!ids)
		return -1;
	f->cgroup_ids = ids;
	ids[f->ncgroups] = (*cg && !*end) ? id : 0;
	return push_str(&f->cgroups, &f->ncgroups, cg);
}

bool pw_owner_filter_empty(const struct pw_owner_filter *f)
{
	return !f->npids && !f->nnames && !f->ncgroups;
}

static long find_pid(const struct pw_owner_filter *f, uint32_t pid,
		     uint64_t start)
{
	uint64_t tick = pw_procfs_tick_ns();
	size_t i;

	for (i = 0; i < f->npids; i++) {
		if (f->pids[i].pid != pid)
			continue;
		if (!f->pids[i].start_ns || !start ||
		    pw_procfs_same_start(f->pids[i].start_ns, start, tick))
			return (long)i;
	}
	return -1;
}

static bool name_matches(const struct pw_owner_filter *f,
			 const struct pw_owner_info *o)
{
	const char *base = NULL;
	size_t i;

	if (o->exe) {
		base = strrchr(o->exe, '/');
		base = base ? base + 1 : o->exe;
	}
	for (i = 0; i < f->nnames; i++) {
		/* comm holds at most 15 bytes of the name. */
		if (!strncmp(o->comm, f->names[i], PW_COMM_LEN - 1) &&
		    (strlen(f->names[i]) >= PW_COMM_LEN - 1 ||
		     !strcmp(o->comm, f->names[i])))
			return true;
		if (base && !strcmp(base, f->names[i]))
			return true;
	}
	return false;
}

static bool cgroup_matches(const struct pw_owner_filter *f,
			   const struct pw_owner_info *o)
{
	size_t i, n;

	for (i = 0; i < f->ncgroups; i++) {
		if (f->cgroup_ids[i]) {
			if (o->cgroup_id == f->cgroup_ids[i])
				return true;
			continue;
		}
		if (!o->cgroup)
			continue;
		n = strlen(f->cgroups[i]);
		while (n > 1 && f->cgroups[i][n - 1] == '/')
			n--;
		if (!strncmp(o->cgroup, f->cgroups[i], n) &&
		    (o->cgroup[n] == 0 || o->cgroup[n] == '/' || n == 1))
			return true;
	}
	return false;
}

bool pw_owner_filter_match(struct pw_owner_filter *f,
			   const struct pw_owner_event *ev)
{
	const struct pw_owner_info *o = &ev->owner;
	long idx;

	if (pw_owner_filter_empty(f))
		return true;
	if (ev->kind == PW_OEV_FORK && f->follow &&
	    find_pid(f, o->ppid, 0) >= 0 &&
	    find_pid(f, o->pid, o->start_ns) < 0)
		track(f, o->pid, o->start_ns);
	idx = o->pid ? find_pid(f, o->pid, o->start_ns) : -1;
	if (ev->kind == PW_OEV_EXIT && idx >= 0 && f->follow) {
		/* Keep the slot count bounded over a long run. */
		f->pids[idx] = f->pids[--f->npids];
		return true;
	}
	if (idx >= 0)
		return true;
	if (f->nnames && name_matches(f, o))
		return true;
	return f->ncgroups && cgroup_matches(f, o);
}
