#include "tap.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static unsigned tap_count;
static unsigned tap_failed;

__attribute__((format(printf, 3, 0)))
static void tap_vline(bool cond, const char *prefix, const char *fmt,
		      va_list ap)
{
	printf("%s%s %u - ", cond ? "" : "not ", prefix, ++tap_count);
	vprintf(fmt, ap);
	putchar('\n');
}

bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline(cond, "ok", fmt, ap);
	va_end(ap);
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

void tap_skip(const char *fmt, ...)
{
	va_list ap;

	printf("ok %u - ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP\n");
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

bool tap_eq_u64(uint64_t got, uint64_t want, const char *what)
{
	if (got != want)
		tap_diag("%s: got %" PRIu64 ", want %" PRIu64, what, got, want);
	return tap_ok(got == want, "%s", what);
}

bool tap_eq_str(const char *got, const char *want, const char *what)
{
	bool same = got && want ? strcmp(got, want) == 0 : got == want;

	if (!same)
		tap_diag("%s: got \"%s\", want \"%s\"", what,
			 got ? got : "(null)", want ? want : "(null)");
	return tap_ok(same, "%s", what);
}

bool tap_eq_mem(const void *got, const void *want, unsigned long len,
		const char *what)
{
	const unsigned char *g = got, *w = want;
	unsigned long i;

	for (i = 0; i < len; i++) {
		if (g[i] != w[i]) {
			tap_diag("%s: first difference at byte %lu: "
				 "got 0x%02x, want 0x%02x", what, i, g[i], w[i]);
			break;
		}
	}
	return tap_ok(i == len, "%s", what);
}

int tap_done(void)
{
	printf("1..%u\n", tap_count);
	return tap_failed ? 1 : 0;
}
