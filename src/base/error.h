/* Error reports that carry their context.
 *
 * A parser that meets bad input fills a struct pw_error with what was wrong
 * and where (byte offset in a file, when there is one) and returns failure;
 * the subcommand prints it once. Nothing below cmd/ prints on its own. */
#ifndef PW_BASE_ERROR_H
#define PW_BASE_ERROR_H

#include <stdint.h>

#define PW_ERROR_MSG_MAX 256

struct pw_error {
	int code;		/* negative errno, or -EINVAL for bad input */
	int has_offset;
	uint64_t offset;	/* byte offset of the problem in its file */
	char msg[PW_ERROR_MSG_MAX];
};

__attribute__((format(printf, 3, 4)))
int pw_error_set(struct pw_error *err, int code, const char *fmt, ...);

__attribute__((format(printf, 4, 5)))
int pw_error_at(struct pw_error *err, int code, uint64_t offset,
		const char *fmt, ...);

void pw_error_clear(struct pw_error *err);

#endif
