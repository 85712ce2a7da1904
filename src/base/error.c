#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 3, 0)))
static void error_vset(struct pw_error *err, int code, const char *fmt,
		       va_list ap)
{
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int pw_error_set(struct pw_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->has_offset = 0;
	err->offset = 0;
	va_start(ap, fmt);
	error_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int pw_error_at(struct pw_error *err, int code, uint64_t offset,
		const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->has_offset = 1;
	err->offset = offset;
	va_start(ap, fmt);
	error_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

void pw_error_clear(struct pw_error *err)
{
	memset(err, 0, sizeof(*err));
}
