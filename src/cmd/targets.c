/* Target options shared by capture and audit. */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cmd/cmd.h"
#include "cmd/options.h"
#include "cmd/targets.h"

#define MAX_PIDS 1024

void pw_targets_usage(FILE *out)
{
	fprintf(out,
"Targets (several may be combined):\n"
"  -- CMD [ARGS...]        run CMD in a new cgroup and capture it and every\n"
"                          process it starts, from its first packet; the\n"
"                          capture ends when all of them have exited (after\n"
"                          the grace period). Under sudo CMD runs as the\n"
"                          calling user (SUDO_UID/SUDO_GID).\n"
"  -p, --pid PID[,PID...]  running processes (and the processes they start,\n"
"                          unless --no-follow); sockets they already hold\n"
"                          are captured too\n"
"  -n, --name NAME         every process with this command name (comm, at\n"
"                          most 15 bytes), running now or started later\n"
"      --cgroup CG         processes of this cgroup v2 (path under the\n"
"                          cgroup v2 root, or numeric id; not its children)\n"
"\n"
"Target options:\n"
"      --loopback          also packets on lo (left out by default)\n"
"      --no-follow         with --pid: not the processes they start\n"
"  -d, --duration SECS     stop after SECS seconds\n"
"      --grace SECS        with CMD: keep capturing SECS after its last\n"
"                          process exited, for closing handshakes (1)\n");
}

int pw_targets_init(struct pw_targets *t, int argc)
{
	memset(t, 0, sizeof(*t));
	t->follow = true;
	t->grace_ns = 1000000000ull;
	t->names = calloc((size_t)argc + 1, sizeof(*t->names));
	t->cgroups = calloc((size_t)argc + 1, sizeof(*t->cgroups));
	t->pids = calloc(MAX_PIDS, sizeof(*t->pids));
	if (!t->names || !t->cgroups || !t->pids) {
		pw_err("out of memory");
		return -1;
	}
	return 0;
}

void pw_targets_free(struct pw_targets *t)
{
	free(t->names);
	free(t->cgroups);
	free(t->pids);
	memset(t, 0, sizeof(*t));
}

/* Appends the comma-separated pids of list. */
static int add_pids(struct pw_targets *t, const char *cmd, const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	uint64_t v;
	int ret = -1;

	if (!copy) {
		pw_err("out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (pw_opt_u64(cmd, "--pid", tok, 1, UINT32_MAX, &v) < 0)
			goto out;
		if (t->npids == MAX_PIDS) {
			cmd_usage_error(cmd, "too many pids");
			goto out;
		}
		t->pids[t->npids++] = (uint32_t)v;
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

int pw_targets_option(struct pw_targets *t, const char *cmd, int opt,
		      const char *arg)
{
	switch (opt) {
	case 'p':
		return add_pids(t, cmd, arg) < 0 ? -1 : 1;
	case 'n':
		if (!*arg || strlen(arg) > 15) {
			cmd_usage_error(cmd, "--name '%s': a command name has "
					"1 to 15 bytes", arg);
			return -1;
		}
		t->names[t->nnames++] = arg;
		return 1;
	case PW_TOPT_CGROUP:
		t->cgroups[t->ncgroups++] = arg;
		return 1;
	case PW_TOPT_LOOPBACK:
		t->loopback = true;
		return 1;
	case PW_TOPT_NO_FOLLOW:
		t->follow = false;
		return 1;
	case 'd':
		return pw_opt_seconds_ns(cmd, "--duration", arg,
					 &t->duration_ns) < 0 ? -1 : 1;
	case PW_TOPT_GRACE:
		return pw_opt_seconds_ns(cmd, "--grace", arg,
					 &t->grace_ns) < 0 ? -1 : 1;
	}
	return 0;
}

int pw_targets_finish(struct pw_targets *t, const char *cmd, int argc,
		      char **argv, int optind_)
{
	if (optind_ < argc)
		t->cmd = argv + optind_;
	if (!t->cmd && !t->npids && !t->nnames && !t->ncgroups) {
		cmd_usage_error(cmd, "no target: give -- CMD, --pid, --name "
				"or --cgroup");
		return -1;
	}
	return 0;
}

void pw_targets_apply(const struct pw_targets *t, struct pw_capture_opts *o)
{
	o->cmd = t->cmd;
	o->pids = t->pids;
	o->npids = t->npids;
	o->names = t->names;
	o->nnames = t->nnames;
	o->cgroups = t->cgroups;
	o->ncgroups = t->ncgroups;
	o->follow = t->follow;
	o->loopback = t->loopback;
	o->grace_ns = t->grace_ns;
	o->duration_ns = t->duration_ns;
}
