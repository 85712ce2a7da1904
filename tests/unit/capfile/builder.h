/* Builds capture files byte by byte for the reader's tests, in either
 * byte order, from fields (no copied fixtures): pcap headers and records,
 * pcapng blocks with options. */
#ifndef PW_TESTS_CAPFILE_BUILDER_H
#define PW_TESTS_CAPFILE_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct builder {
	uint8_t *b;
	size_t len;
	size_t cap;
	bool be;		/* big-endian integers */
};

void bld_init(struct builder *bd, bool big_endian);
void bld_free(struct builder *bd);

void bld_u8(struct builder *bd, uint8_t v);
void bld_u16(struct builder *bd, uint16_t v);
void bld_u32(struct builder *bd, uint32_t v);
void bld_u64(struct builder *bd, uint64_t v);
void bld_bytes(struct builder *bd, const void *p, size_t n);
void bld_pad4(struct builder *bd);
/* Overwrites a 32-bit value at off in the builder's byte order. */
void bld_patch32(struct builder *bd, size_t off, uint32_t v);

/* pcap: magic chooses us (0xa1b2c3d4) or ns (0xa1b23c4d). */
void bld_pcap_header(struct builder *bd, uint32_t magic, uint32_t snaplen,
		     uint32_t linktype);
void bld_pcap_record(struct builder *bd, uint32_t sec, uint32_t frac,
		     const void *data, uint32_t caplen, uint32_t wirelen);

/* pcapng: a block starts with its type and a length patched by
 * bld_block_end, which also appends the trailing length. */
size_t bld_block_begin(struct builder *bd, uint32_t type);
void bld_block_end(struct builder *bd, size_t start);
void bld_opt(struct builder *bd, uint16_t code, const void *val,
	     uint16_t len);
void bld_opt_u32(struct builder *bd, uint16_t code, uint32_t v);
void bld_opt_end(struct builder *bd);

/* Whole blocks: SHB with no options, IDB with optional name/tsresol/
 * tsoffset (tsresol 0xff: leave out), EPB with optional flags (dir 0:
 * leave out). */
void bld_shb(struct builder *bd);
void bld_idb(struct builder *bd, uint16_t linktype, uint32_t snaplen,
	     const char *name, int tsresol, const int64_t *tsoffset);
void bld_epb(struct builder *bd, uint32_t iface, uint64_t ts,
	     const void *data, uint32_t caplen, uint32_t wirelen,
	     uint32_t flags, const char *comment);

#endif
