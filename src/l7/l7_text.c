#include "l7/l7_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void pw_l7_append_printable(char *dst, size_t dstsz, const uint8_t *src,
			    size_t n)
{
	size_t len, i;

	if (!dstsz)
		return;
	len = strnlen(dst, dstsz - 1);
	for (i = 0; i < n && len + 1 < dstsz; i++) {
		uint8_t c = src[i];

		dst[len++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[len] = '\0';
}

void pw_l7_appendf(char *dst, size_t dstsz, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	if (!dstsz)
		return;
	len = strnlen(dst, dstsz - 1);
	va_start(ap, fmt);
	vsnprintf(dst + len, dstsz - len, fmt, ap);
	va_end(ap);
}

bool pw_l7_copy_host(char *dst, size_t dstsz, const uint8_t *src, size_t n)
{
	size_t i;

	if (!dstsz)
		return false;
	dst[0] = '\0';
	if (n >= dstsz)
		return false;
	for (i = 0; i < n; i++) {
		uint8_t c = src[i];

		if (c <= 0x20 || c >= 0x7f || c == '/') {
			dst[0] = '\0';
			return false;
		}
		dst[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	dst[n] = '\0';
	return true;
}

bool pw_l7_prefix_icase(const uint8_t *p, size_t n, const char *lit,
			size_t litlen)
{
	size_t i;

	if (n < litlen)
		return false;
	for (i = 0; i < litlen; i++) {
		uint8_t c = p[i];

		if (c >= 'A' && c <= 'Z')
			c += 32;
		if (c != (uint8_t)lit[i])
			return false;
	}
	return true;
}
