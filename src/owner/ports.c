/* procwire_list_ports: the port table of a set of processes, from one
 * snapshot (snapshot.h). */
#include "procwire.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "owner/snapshot.h"

static unsigned kind_bit(const struct pw_sockdiag_sock *s)
{
	if (s->proto == IPPROTO_TCP)
		return s->family == 4 ? PROCWIRE_PORTS_TCP :
					PROCWIRE_PORTS_TCP6;
	return s->family == 4 ? PROCWIRE_PORTS_UDP : PROCWIRE_PORTS_UDP6;
}

int procwire_list_ports(const uint32_t *pids, size_t npids, unsigned which,
			struct procwire_port *out, size_t max, size_t *count)
{
	struct pw_snapshot snap;
	struct pw_error err;
	size_t i, n = 0;
	int ret;

	*count = 0;
	if ((max && !out) || (npids && !pids) || !(which & PROCWIRE_PORTS_ALL))
		return -EINVAL;
	memset(&snap, 0, sizeof(snap));
	pw_error_clear(&err);
	if (pw_snapshot_take(&snap, pids, pids ? npids : 0, &err) < 0) {
		ret = err.code < 0 ? err.code : -EIO;
		goto out;
	}
	for (i = 0; i < snap.n; i++) {
		const struct pw_snap_sock *s = &snap.socks[i];
		struct procwire_port *p;

		if (!(kind_bit(&s->s) & which))
			continue;
		if (n < max) {
			p = &out[n];
			memset(p, 0, sizeof(*p));
			p->pid = s->pid;
			p->uid = s->s.uid;
			p->family = s->s.family;
			p->proto = s->s.proto;
			p->state = s->s.state;
			p->local_port = s->s.sport;
			p->remote_port = s->s.dport;
			memcpy(p->local_addr, s->s.saddr, 16);
			memcpy(p->remote_addr, s->s.daddr, 16);
			p->cookie = s->s.cookie;
			p->netns = s->netns;
			p->inode = s->s.inode;
		}
		n++;
	}
	*count = n;
	ret = 0;
out:
	pw_snapshot_free(&snap);
	return ret;
}
