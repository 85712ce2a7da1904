#include "owner/proc_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "owner/engine.h"
#include "owner/procfs.h"

struct pw_proc_cache {
	struct pw_proc_entry **buckets;
	uint32_t nbuckets;	/* power of two */
	uint32_t max, count;
	struct pw_proc_entry *lru_head, *lru_tail; /* head: most recent */
	uint64_t evictions, misses;
	uint64_t tick_ns;
};

static uint32_t bucket_of(const struct pw_proc_cache *c, uint32_t pid)
{
	return (pid * 2654435761u) & (c->nbuckets - 1);
}

struct pw_proc_cache *pw_proc_cache_new(uint32_t max_entries)
{
	struct pw_proc_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (!max_entries)
		max_entries = 8192;
	c->max = max_entries;
	c->nbuckets = 64;
	while (c->nbuckets < max_entries && c->nbuckets < (1u << 30))
		c->nbuckets <<= 1;
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	if (!c->buckets) {
		free(c);
		return NULL;
	}
	c->tick_ns = pw_procfs_tick_ns();
	return c;
}

static void entry_free(struct pw_proc_entry *e)
{
	free(e->exe);
	free(e->cmdline);
	free(e->cgroup);
	free(e->container);
	free(e);
}

void pw_proc_cache_free(struct pw_proc_cache *c)
{
	struct pw_proc_entry *e, *next;

	if (!c)
		return;
	for (e = c->lru_head; e; e = next) {
		next = e->lru_next;
		entry_free(e);
	}
	free(c->buckets);
	free(c);
}

static void lru_unlink(struct pw_proc_cache *c, struct pw_proc_entry *e)
{
	if (e->lru_prev)
		e->lru_prev->lru_next = e->lru_next;
	else
		c->lru_head = e->lru_next;
	if (e->lru_next)
		e->lru_next->lru_prev = e->lru_prev;
	else
		c->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void lru_push(struct pw_proc_cache *c, struct pw_proc_entry *e)
{
	e->lru_prev = NULL;
	e->lru_next = c->lru_head;
	if (c->lru_head)
		c->lru_head->lru_prev = e;
	c->lru_head = e;
	if (!c->lru_tail)
		c->lru_tail = e;
}

static void remove_entry(struct pw_proc_cache *c, struct pw_proc_entry *e)
{
	struct pw_proc_entry **pp = &c->buckets[bucket_of(c, e->pid)];

	while (*pp && *pp != e)
		pp = &(*pp)->hash_next;
	if (*pp)
		*pp = e->hash_next;
	lru_unlink(c, e);
	c->count--;
	entry_free(e);
}

struct pw_proc_entry *pw_proc_cache_find(struct pw_proc_cache *c,
					 uint32_t pid, uint64_t start_ns)
{
	struct pw_proc_entry *e, *best = NULL;

	for (e = c->buckets[bucket_of(c, pid)]; e; e = e->hash_next) {
		if (e->pid != pid)
			continue;
		if (start_ns && e->start_ns) {
			if (pw_procfs_same_start(e->start_ns, start_ns,
						 c->tick_ns)) {
				best = e;
				break;
			}
			continue;
		}
		if (!best || e->start_ns > best->start_ns)
			best = e;
	}
	if (best) {
		lru_unlink(c, best);
		lru_push(c, best);
	}
	return best;
}

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = dup_or_null(s);
}

void pw_proc_cache_read_proc(struct pw_proc_cache *c,
			     struct pw_proc_entry *e)
{
	struct pw_proc_stat st;
	char buf[4096], id[80];
	uint32_t uid;
	long n;

	e->proc_read = true;
	if (!e->pid || !pw_procfs_read_stat(e->pid, &st, &uid))
		goto miss;
	if (e->start_ns) {
		if (st.start_ticks != e->start_ns / c->tick_ns)
			goto miss;	/* pid reused by another process */
	} else {
		e->start_ns = st.start_ticks * c->tick_ns;
	}
	if (!e->comm[0])
		memcpy(e->comm, st.comm, sizeof(e->comm));
	if (!e->ppid)
		e->ppid = st.ppid;
	e->uid = uid;
	if (!e->exe && pw_procfs_readlink(e->pid, "exe", buf, sizeof(buf)) > 0)
		set_str(&e->exe, buf);
	if (!e->cmdline) {
		char line[1024];

		n = pw_procfs_read(e->pid, "cmdline", buf, sizeof(buf));
		if (n > 0) {
			pw_procfs_join_args(buf, (size_t)n, line, sizeof(line));
			set_str(&e->cmdline, line);
		}
	}
	n = pw_procfs_read(e->pid, "cgroup", buf, sizeof(buf));
	if (n > 0) {
		char path[1024];

		if (pw_procfs_parse_cgroup(buf, (size_t)n, path,
					   sizeof(path))) {
			set_str(&e->cgroup, path);
			if (pw_procfs_container_id(path, id, sizeof(id)))
				set_str(&e->container, id);
		}
	}
	return;
miss:
	c->misses++;
}

struct pw_proc_entry *pw_proc_cache_put(struct pw_proc_cache *c,
					const struct pw_raw_owner *o,
					bool read_proc)
{
	struct pw_proc_entry *e;
	uint32_t b;

	e = pw_proc_cache_find(c, o->pid, o->start_ns);
	if (e && !e->start_ns && o->start_ns)
		e->start_ns = o->start_ns;
	if (e)
		goto refresh;
	if (c->count >= c->max && c->lru_tail) {
		remove_entry(c, c->lru_tail);
		c->evictions++;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->pid = o->pid;
	e->start_ns = o->start_ns;
	b = bucket_of(c, e->pid);
	e->hash_next = c->buckets[b];
	c->buckets[b] = e;
	lru_push(c, e);
	c->count++;
refresh:
	if (o->comm[0])
		memcpy(e->comm, o->comm, sizeof(e->comm));
	if (o->ppid)
		e->ppid = o->ppid;
	e->uid = o->uid;
	if (o->cgroup_id)
		e->cgroup_id = o->cgroup_id;
	if (read_proc && !e->proc_read)
		pw_proc_cache_read_proc(c, e);
	return e;
}

void pw_proc_cache_exec(struct pw_proc_cache *c, struct pw_proc_entry *e,
			const char *path, const char *args, uint32_t args_len)
{
	char buf[4096], line[1024];

	(void)c;
	/* /proc/PID/exe is absolute and resolved; the execve name may be
	 * relative. Use it only when the process is already gone. */
	if (pw_procfs_readlink(e->pid, "exe", buf, sizeof(buf)) > 0) {
		struct pw_proc_stat st;
		uint32_t uid;

		if (pw_procfs_read_stat(e->pid, &st, &uid) &&
		    (!e->start_ns ||
		     st.start_ticks == e->start_ns / c->tick_ns))
			path = buf;
	}
	set_str(&e->exe, path);
	if (args && args_len) {
		pw_procfs_join_args(args, args_len, line, sizeof(line));
		set_str(&e->cmdline, line);
	}
	if (!e->proc_read)
		pw_proc_cache_read_proc(c, e);
}

void pw_proc_cache_stats(const struct pw_proc_cache *c, uint64_t *count,
			 uint64_t *evictions, uint64_t *misses)
{
	*count = c->count;
	*evictions = c->evictions;
	*misses = c->misses;
}
