/* Small text helpers shared by the detectors: bounded, NUL-terminating
 * copies of untrusted bytes into the fixed-size fields of pw_l7_result. */
#ifndef PW_L7_L7_TEXT_H
#define PW_L7_L7_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Appends src[0..n) to the NUL-terminated string in dst (size dstsz),
 * turning bytes outside printable ASCII into '?' so that a detail can go
 * to a terminal or a log as is; stops at the size limit. */
void pw_l7_append_printable(char *dst, size_t dstsz, const uint8_t *src,
			    size_t n);

/* Appends a formatted string, truncating at the size limit. */
__attribute__((format(printf, 3, 4)))
void pw_l7_appendf(char *dst, size_t dstsz, const char *fmt, ...);

/* Copies a hostname lowercased; false (dst = "") when it does not fit or
 * holds bytes that cannot be in a hostname (controls, spaces, '/'). */
bool pw_l7_copy_host(char *dst, size_t dstsz, const uint8_t *src, size_t n);

/* Case-insensitive compare of n bytes of p against lowercase ASCII lit. */
bool pw_l7_prefix_icase(const uint8_t *p, size_t n, const char *lit,
			size_t litlen);

#endif
