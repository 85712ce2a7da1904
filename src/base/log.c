#include "base/log.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int pw_log_verbosity = PW_LOG_WARN;

static const char *const level_names[] = {
	[PW_LOG_ERROR] = "error",
	[PW_LOG_WARN] = "warning",
	[PW_LOG_INFO] = "info",
	[PW_LOG_DEBUG] = "debug",
};

void pw_log(enum pw_log_level level, const char *fmt, ...)
{
	va_list ap;

	if ((int)level > pw_log_verbosity)
		return;
	fprintf(stderr, "procwire: %s: ", level_names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void pw_log_error(const struct pw_error *err)
{
	/* Readers often name the offset inside the message already. */
	if (err->has_offset && !strstr(err->msg, "byte offset"))
		pw_err("%s (at byte offset %" PRIu64 ")", err->msg, err->offset);
	else
		pw_err("%s", err->msg);
}
