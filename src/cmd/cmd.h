/* Subcommands: one file each, dispatched from main.c's table. */
#ifndef PW_CMD_CMD_H
#define PW_CMD_CMD_H

struct pw_subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* Exit codes shared by all subcommands. */
enum {
	PW_EXIT_OK = 0,
	PW_EXIT_FAILURE = 1,	/* runtime error: bad file, I/O, kernel */
	PW_EXIT_USAGE = 2,	/* wrong options */
};

int cmd_read_main(int argc, char **argv);
int cmd_events_main(int argc, char **argv);
int cmd_audit_main(int argc, char **argv);
int cmd_capture_main(int argc, char **argv);

/* Prints "procwire: error: ..." plus a hint to run --help; returns
 * PW_EXIT_USAGE. */
__attribute__((format(printf, 2, 3)))
int cmd_usage_error(const char *cmd, const char *fmt, ...);

#endif
