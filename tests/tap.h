/* Minimal TAP producer for unit tests.
 *
 * Each test binary prints "ok N - name" / "not ok N - name" lines and a
 * plan at the end; tests/run.sh and meson (protocol: 'tap') count them. */
#ifndef PW_TESTS_TAP_H
#define PW_TESTS_TAP_H

#include <stdbool.h>
#include <stdint.h>

/* Records one check. Returns cond so callers can stop early. */
__attribute__((format(printf, 2, 3)))
bool tap_ok(bool cond, const char *fmt, ...);
__attribute__((format(printf, 1, 2)))
void tap_skip(const char *fmt, ...);
__attribute__((format(printf, 1, 2)))
void tap_diag(const char *fmt, ...);

/* Equality checks that print both values when they differ. */
bool tap_eq_u64(uint64_t got, uint64_t want, const char *what);
bool tap_eq_str(const char *got, const char *want, const char *what);
bool tap_eq_mem(const void *got, const void *want, unsigned long len,
		const char *what);

/* Prints the plan; returns the process exit code (1 if anything failed). */
int tap_done(void);

#endif
