#include "cmd/options.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"

int pw_opt_u64(const char *cmd, const char *opt, const char *val,
	       uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*val))
		goto bad;
	v = strtoull(val, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	cmd_usage_error(cmd, "%s wants a whole number from %" PRIu64
			" to %" PRIu64 ", not \"%s\"", opt, min, max, val);
	return -1;
}

int pw_opt_seconds_ns(const char *cmd, const char *opt, const char *val,
		      uint64_t *out)
{
	double v;
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*val))
		goto bad;
	v = strtod(val, &end);
	/* A year is far beyond any useful timeout and far inside uint64_t. */
	if (errno || *end || v <= 0 || v > 31536000.0)
		goto bad;
	*out = (uint64_t)(v * 1e9);
	return 0;
bad:
	cmd_usage_error(cmd, "%s wants a number of seconds greater than 0, "
			"not \"%s\"", opt, val);
	return -1;
}

const char *pw_opt_long_name(const struct option *opts, int val, char *buf,
			     size_t len)
{
	size_t i;

	for (i = 0; opts[i].name; i++) {
		if (opts[i].val == val) {
			snprintf(buf, len, "--%s", opts[i].name);
			return buf;
		}
	}
	snprintf(buf, len, "option");
	return buf;
}
