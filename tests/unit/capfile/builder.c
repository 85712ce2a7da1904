#include "builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bld_init(struct builder *bd, bool big_endian)
{
	memset(bd, 0, sizeof(*bd));
	bd->be = big_endian;
}

void bld_free(struct builder *bd)
{
	free(bd->b);
	memset(bd, 0, sizeof(*bd));
}

void bld_bytes(struct builder *bd, const void *p, size_t n)
{
	if (bd->len + n > bd->cap) {
		size_t ncap = bd->cap ? bd->cap : 256;

		while (ncap < bd->len + n)
			ncap *= 2;
		bd->b = realloc(bd->b, ncap);
		if (!bd->b) {
			perror("builder");
			exit(2);
		}
		bd->cap = ncap;
	}
	if (n)
		memcpy(bd->b + bd->len, p, n);
	bd->len += n;
}

static void put_int(struct builder *bd, uint64_t v, unsigned size)
{
	uint8_t b[8];
	unsigned i;

	for (i = 0; i < size; i++) {
		unsigned shift = bd->be ? (size - 1 - i) * 8 : i * 8;

		b[i] = (uint8_t)(v >> shift);
	}
	bld_bytes(bd, b, size);
}

void bld_u8(struct builder *bd, uint8_t v)
{
	bld_bytes(bd, &v, 1);
}

void bld_u16(struct builder *bd, uint16_t v)
{
	put_int(bd, v, 2);
}

void bld_u32(struct builder *bd, uint32_t v)
{
	put_int(bd, v, 4);
}

void bld_u64(struct builder *bd, uint64_t v)
{
	put_int(bd, v, 8);
}

void bld_pad4(struct builder *bd)
{
	static const uint8_t zero[4];

	bld_bytes(bd, zero, (4 - bd->len % 4) % 4);
}

void bld_patch32(struct builder *bd, size_t off, uint32_t v)
{
	size_t len = bd->len;

	bd->len = off;
	bld_u32(bd, v);
	bd->len = len;
}

void bld_pcap_header(struct builder *bd, uint32_t magic, uint32_t snaplen,
		     uint32_t linktype)
{
	bld_u32(bd, magic);
	bld_u16(bd, 2);
	bld_u16(bd, 4);
	bld_u32(bd, 0);
	bld_u32(bd, 0);
	bld_u32(bd, snaplen);
	bld_u32(bd, linktype);
}

void bld_pcap_record(struct builder *bd, uint32_t sec, uint32_t frac,
		     const void *data, uint32_t caplen, uint32_t wirelen)
{
	bld_u32(bd, sec);
	bld_u32(bd, frac);
	bld_u32(bd, caplen);
	bld_u32(bd, wirelen);
	bld_bytes(bd, data, caplen);
}

size_t bld_block_begin(struct builder *bd, uint32_t type)
{
	size_t start = bd->len;

	bld_u32(bd, type);
	bld_u32(bd, 0);
	return start;
}

void bld_block_end(struct builder *bd, size_t start)
{
	uint32_t len = (uint32_t)(bd->len - start + 4);

	bld_patch32(bd, start + 4, len);
	bld_u32(bd, len);
}

void bld_opt(struct builder *bd, uint16_t code, const void *val,
	     uint16_t len)
{
	bld_u16(bd, code);
	bld_u16(bd, len);
	bld_bytes(bd, val, len);
	bld_pad4(bd);
}

void bld_opt_u32(struct builder *bd, uint16_t code, uint32_t v)
{
	bld_u16(bd, code);
	bld_u16(bd, 4);
	bld_u32(bd, v);
}

void bld_opt_end(struct builder *bd)
{
	bld_u32(bd, 0);
}

void bld_shb(struct builder *bd)
{
	size_t s = bld_block_begin(bd, 0x0a0d0d0a);

	bld_u32(bd, 0x1a2b3c4d);
	bld_u16(bd, 1);
	bld_u16(bd, 0);
	bld_u64(bd, UINT64_MAX);
	bld_block_end(bd, s);
}

void bld_idb(struct builder *bd, uint16_t linktype, uint32_t snaplen,
	     const char *name, int tsresol, const int64_t *tsoffset)
{
	size_t s = bld_block_begin(bd, 1);
	bool opts = name || tsresol != 0xff || tsoffset;

	bld_u16(bd, linktype);
	bld_u16(bd, 0);
	bld_u32(bd, snaplen);
	if (name)
		bld_opt(bd, 2, name, (uint16_t)strlen(name));
	if (tsresol != 0xff) {
		uint8_t v = (uint8_t)tsresol;

		bld_opt(bd, 9, &v, 1);
	}
	if (tsoffset) {
		bld_u16(bd, 14);
		bld_u16(bd, 8);
		bld_u64(bd, (uint64_t)*tsoffset);
	}
	if (opts)
		bld_opt_end(bd);
	bld_block_end(bd, s);
}

void bld_epb(struct builder *bd, uint32_t iface, uint64_t ts,
	     const void *data, uint32_t caplen, uint32_t wirelen,
	     uint32_t flags, const char *comment)
{
	size_t s = bld_block_begin(bd, 6);

	bld_u32(bd, iface);
	bld_u32(bd, (uint32_t)(ts >> 32));
	bld_u32(bd, (uint32_t)ts);
	bld_u32(bd, caplen);
	bld_u32(bd, wirelen);
	bld_bytes(bd, data, caplen);
	bld_pad4(bd);
	if (flags)
		bld_opt_u32(bd, 2, flags);
	if (comment)
		bld_opt(bd, 1, comment, (uint16_t)strlen(comment));
	if (flags || comment)
		bld_opt_end(bd);
	bld_block_end(bd, s);
}
