/* Parsing of option values shared by subcommands: the error text names the
 * subcommand, the option and the bad value. */
#ifndef PW_CMD_OPTIONS_H
#define PW_CMD_OPTIONS_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

/* Integer in [min, max]. Prints a usage error and returns -1 otherwise. */
int pw_opt_u64(const char *cmd, const char *opt, const char *val,
	       uint64_t min, uint64_t max, uint64_t *out);

/* Seconds, possibly fractional ("0.5"), into nanoseconds. */
int pw_opt_seconds_ns(const char *cmd, const char *opt, const char *val,
		      uint64_t *out);

/* "--name" of the long option whose value is val, for messages. */
const char *pw_opt_long_name(const struct option *opts, int val, char *buf,
			     size_t len);

#endif
