/* The public API (include/procwire.h) over the owner context. */
#include "procwire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/packet.h"
#include "owner/owner.h"

struct procwire {
	struct pw_owner *owner;
};

_Static_assert((int)PROCWIRE_METHOD_EBPF_SOCKET == (int)PW_OWNER_EBPF_SOCKET &&
	       (int)PROCWIRE_METHOD_EBPF_TUPLE == (int)PW_OWNER_EBPF_TUPLE &&
	       (int)PROCWIRE_METHOD_PREFILL == (int)PW_OWNER_PREFILL &&
	       (int)PROCWIRE_METHOD_POLLING == (int)PW_OWNER_POLLING,
	       "public method numbers follow enum pw_owner_method");
_Static_assert(PROCWIRE_COMM_LEN == PW_COMM_LEN, "comm length");

const char *procwire_method_name(int method)
{
	if (method < PROCWIRE_METHOD_NONE || method > PROCWIRE_METHOD_POLLING)
		return "none";
	return pw_owner_method_name((enum pw_owner_method)method);
}

void procwire_options_init(struct procwire_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->size = sizeof(*opts);
	opts->engine = PROCWIRE_ENGINE_AUTO;
}

int procwire_open(const struct procwire_options *opts, procwire_t **out,
		  char *errbuf, size_t errlen)
{
	struct pw_owner_config cfg;
	struct pw_error err;
	struct procwire *pw;

	*out = NULL;
	if (errbuf && errlen)
		errbuf[0] = 0;
	pw_owner_config_default(&cfg);
	/* Fields are read only when the caller's structure holds them. */
	if (opts && opts->size >= sizeof(*opts)) {
		switch (opts->engine) {
		case PROCWIRE_ENGINE_EBPF:
			cfg.engine = PW_ENGINE_EBPF;
			break;
		case PROCWIRE_ENGINE_POLLING:
			cfg.engine = PW_ENGINE_POLLING;
			break;
		case PROCWIRE_ENGINE_AUTO:
			break;
		default:
			return -EINVAL;
		}
		if (opts->poll_interval_ms)
			cfg.poll_interval_ns =
				opts->poll_interval_ms * 1000000ull;
		if (opts->max_sockets)
			cfg.max_sockets = opts->max_sockets;
		if (opts->max_processes)
			cfg.max_procs = opts->max_processes;
		if (opts->closed_linger_ms)
			cfg.closed_linger_ns =
				opts->closed_linger_ms * 1000000ull;
	} else if (opts) {
		return -EINVAL;
	}
	pw = calloc(1, sizeof(*pw));
	if (!pw)
		return -ENOMEM;
	pw_error_clear(&err);
	pw->owner = pw_owner_start(&cfg, &err);
	if (!pw->owner) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s", err.msg);
		free(pw);
		return err.code < 0 ? err.code : -EIO;
	}
	*out = pw;
	return 0;
}

int procwire_fd(const procwire_t *pw)
{
	return pw_owner_fd(pw->owner);
}

int procwire_poll(procwire_t *pw, int timeout_ms)
{
	return pw_owner_poll(pw->owner, timeout_ms);
}

const char *procwire_engine_name(const procwire_t *pw)
{
	return pw_owner_engine_name(pw->owner);
}

void procwire_close(procwire_t *pw)
{
	if (!pw)
		return;
	pw_owner_stop(pw->owner);
	free(pw);
}

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static int fill_owner(const struct pw_owner_info *in, uint64_t cookie,
		      struct procwire_owner *out)
{
	memset(out, 0, sizeof(*out));
	if (!in->pid)
		return 0;
	out->pid = in->pid;
	out->tid = in->tid;
	out->ppid = in->ppid;
	out->uid = in->uid;
	out->start_time_ns = in->start_ns;
	out->cgroup_id = in->cgroup_id;
	out->cookie = cookie;
	out->method = in->method;
	memcpy(out->comm, in->comm, sizeof(out->comm));
	out->comm[sizeof(out->comm) - 1] = 0;
	copy_str(out->exe, sizeof(out->exe), in->exe);
	copy_str(out->cmdline, sizeof(out->cmdline), in->cmdline);
	copy_str(out->cgroup, sizeof(out->cgroup), in->cgroup);
	copy_str(out->container, sizeof(out->container), in->container);
	return out->method;
}

int procwire_lookup(procwire_t *pw, const struct procwire_tuple *t,
		    unsigned wait_ms, struct procwire_owner *owner)
{
	struct pw_owner_tuple q;
	struct pw_owner_info info;
	uint64_t cookie = 0;

	if ((t->family != PROCWIRE_IPV4 && t->family != PROCWIRE_IPV6) ||
	    (t->proto != PROCWIRE_TCP && t->proto != PROCWIRE_UDP))
		return -EINVAL;
	memset(&q, 0, sizeof(q));
	q.family = t->family;
	q.proto = t->proto;
	q.lport = t->src_port;
	q.rport = t->dst_port;
	memcpy(q.laddr, t->src_addr, t->family == PROCWIRE_IPV4 ? 4 : 16);
	memcpy(q.raddr, t->dst_addr, t->family == PROCWIRE_IPV4 ? 4 : 16);
	pw_owner_lookup(pw->owner, &q, wait_ms * 1000000ull, &info, &cookie);
	return fill_owner(&info, cookie, owner);
}

int procwire_lookup_cookie(procwire_t *pw, uint64_t cookie,
			   struct procwire_owner *owner)
{
	struct pw_owner_info info;

	pw_owner_lookup_cookie(pw->owner, cookie, &info);
	return fill_owner(&info, cookie, owner);
}
