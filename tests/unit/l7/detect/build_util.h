/* Packet-building helpers for the l7 detector tests: a growable byte
 * buffer with big-endian and DNS-name appenders, and a runner that feeds
 * an exactly-sized heap copy to pw_l7_detect (so ASan sees any over-read
 * past the payload). Header-only; every test file is one program. */
#ifndef PW_TESTS_L7_BUILD_UTIL_H
#define PW_TESTS_L7_BUILD_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "l7/l7.h"

struct buf {
	uint8_t b[4096];
	size_t n;
};

static inline void b_reset(struct buf *b)
{
	b->n = 0;
}

static inline void b_u8(struct buf *b, uint8_t v)
{
	if (b->n < sizeof(b->b))
		b->b[b->n++] = v;
}

static inline void b_be16(struct buf *b, uint16_t v)
{
	b_u8(b, (uint8_t)(v >> 8));
	b_u8(b, (uint8_t)v);
}

static inline void b_be32(struct buf *b, uint32_t v)
{
	b_be16(b, (uint16_t)(v >> 16));
	b_be16(b, (uint16_t)v);
}

static inline void b_mem(struct buf *b, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b_u8(b, ((const uint8_t *)p)[i]);
}

static inline void b_str(struct buf *b, const char *s)
{
	b_mem(b, s, strlen(s));
}

static inline void b_fill(struct buf *b, uint8_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b_u8(b, v);
}

/* Appends a name as labels; a trailing NUL label unless ptr >= 0, then a
 * compression pointer to ptr instead. */
static inline void b_name_ptr(struct buf *b, const char *name, int ptr)
{
	const char *s = name;

	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);

		b_u8(b, (uint8_t)l);
		b_mem(b, s, l);
		s += l;
		if (*s == '.')
			s++;
	}
	if (ptr >= 0)
		b_be16(b, (uint16_t)(0xc000 | ptr));
	else
		b_u8(b, 0);
}

static inline void b_name(struct buf *b, const char *name)
{
	b_name_ptr(b, name, -1);
}

static inline void b_dns_header(struct buf *b, uint16_t id, uint16_t flags,
				uint16_t qd, uint16_t an, uint16_t ns,
				uint16_t ar)
{
	b_be16(b, id);
	b_be16(b, flags);
	b_be16(b, qd);
	b_be16(b, an);
	b_be16(b, ns);
	b_be16(b, ar);
}

/* Runs the dispatcher on an exact-size heap copy of p[0..n). */
static inline void detect_copy(const uint8_t *p, size_t n, uint8_t l4,
			       uint16_t sport, uint16_t dport,
			       struct pw_l7_result *res)
{
	uint8_t *copy = malloc(n ? n : 1);

	if (n)
		memcpy(copy, p, n);
	pw_l7_detect(copy, n, l4, sport, dport, res);
	free(copy);
}

#endif
