/* Network byte order loads and stores for unaligned buffers.
 *
 * Packet bytes are never cast to structs: every field is read through these
 * helpers after the caller has checked the length, so alignment and
 * endianness are handled in one place. */
#ifndef PW_BASE_BYTES_H
#define PW_BASE_BYTES_H

#include <stdint.h>
#include <string.h>

static inline uint16_t pw_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t pw_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t pw_get_be64(const uint8_t *p)
{
	return (uint64_t)pw_get_be32(p) << 32 | pw_get_be32(p + 4);
}

static inline uint16_t pw_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[1] << 8 | p[0]);
}

static inline uint32_t pw_get_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

static inline uint64_t pw_get_le64(const uint8_t *p)
{
	return (uint64_t)pw_get_le32(p + 4) << 32 | pw_get_le32(p);
}

static inline void pw_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void pw_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void pw_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void pw_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void pw_put_le64(uint8_t *p, uint64_t v)
{
	pw_put_le32(p, (uint32_t)v);
	pw_put_le32(p + 4, (uint32_t)(v >> 32));
}

#define PW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PW_MIN(a, b) ((a) < (b) ? (a) : (b))
#define PW_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
