/* Diagnostics on stderr, prefixed with the program name. */
#ifndef PW_BASE_LOG_H
#define PW_BASE_LOG_H

#include "base/error.h"

enum pw_log_level { PW_LOG_ERROR, PW_LOG_WARN, PW_LOG_INFO, PW_LOG_DEBUG };

extern int pw_log_verbosity;	/* messages above this level are dropped */

__attribute__((format(printf, 2, 3)))
void pw_log(enum pw_log_level level, const char *fmt, ...);

/* Prints "procwire: error: <msg> (at byte offset N)". */
void pw_log_error(const struct pw_error *err);

#define pw_err(...) pw_log(PW_LOG_ERROR, __VA_ARGS__)
#define pw_warn(...) pw_log(PW_LOG_WARN, __VA_ARGS__)
#define pw_info(...) pw_log(PW_LOG_INFO, __VA_ARGS__)
#define pw_debug(...) pw_log(PW_LOG_DEBUG, __VA_ARGS__)

#endif
