/* Target options shared by the commands that capture one application
 * (capture, audit): -- CMD, --pid, --name, --cgroup, --no-follow,
 * --duration, --grace, --loopback. Each command lists PW_TARGET_OPTIONS
 * in its getopt_long table and PW_TARGET_SHORTOPTS in its short option
 * string, and gives every option it does not know to pw_targets_option. */
#ifndef PW_CMD_TARGETS_H
#define PW_CMD_TARGETS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/capture.h"

/* getopt values of the long-only target options: above every command's
 * own (which start at 256). */
enum {
	PW_TOPT_CGROUP = 1024,
	PW_TOPT_LOOPBACK,
	PW_TOPT_NO_FOLLOW,
	PW_TOPT_GRACE,
};

#define PW_TARGET_SHORTOPTS "p:n:d:"

#define PW_TARGET_OPTIONS \
	{ "pid", required_argument, NULL, 'p' }, \
	{ "name", required_argument, NULL, 'n' }, \
	{ "cgroup", required_argument, NULL, PW_TOPT_CGROUP }, \
	{ "loopback", no_argument, NULL, PW_TOPT_LOOPBACK }, \
	{ "no-follow", no_argument, NULL, PW_TOPT_NO_FOLLOW }, \
	{ "duration", required_argument, NULL, 'd' }, \
	{ "grace", required_argument, NULL, PW_TOPT_GRACE }

/* The same options' help lines, for a command's usage text. */
void pw_targets_usage(FILE *out);

struct pw_targets {
	uint32_t *pids;
	size_t npids;
	const char **names;
	size_t nnames;
	const char **cgroups;
	size_t ncgroups;
	char **cmd;		/* after "--", or NULL */
	bool follow;		/* default true */
	bool loopback;
	uint64_t grace_ns;	/* default 1 s */
	uint64_t duration_ns;
};

/* Room for argc names and cgroups. -1 (error printed) without memory. */
int pw_targets_init(struct pw_targets *t, int argc);
void pw_targets_free(struct pw_targets *t);

/* One option of getopt_long (opt, optarg) for command cmd: 1 taken, 0 not
 * a target option, -1 a usage error was printed. */
int pw_targets_option(struct pw_targets *t, const char *cmd, int opt,
		      const char *arg);

/* After getopt: argv[optind..] is the command. -1 (usage error printed)
 * when there is no target at all. */
int pw_targets_finish(struct pw_targets *t, const char *cmd, int argc,
		      char **argv, int optind_);

/* Copies the targets into capture options. */
void pw_targets_apply(const struct pw_targets *t, struct pw_capture_opts *o);

#endif
