/* Looking ahead of libbpf's reader in a BPF ring buffer.
 *
 * libbpf hands the reader one record at a time, but a record's socket is
 * a cache miss or two in the owner's tables, and the records after it are
 * already in the ring: this walks a second, read-only mapping of the same
 * ring a few records ahead of the record being handled, so their table
 * lines can be loaded while the current one is handled.
 *
 * It only reads: libbpf alone moves the consumer position. What it
 * returns are hints; a record it misreads (none should be: it stops at
 * the producer position and at records still being written) costs a
 * useless prefetch, nothing else. */
#ifndef PW_OWNER_RING_AHEAD_H
#define PW_OWNER_RING_AHEAD_H

#include <stddef.h>
#include <stdint.h>

#define PW_RING_AHEAD_CURSORS 2

struct pw_ring_ahead {
	const uint8_t *map;		/* NULL: not mapped, nothing to do */
	size_t map_len;			/* 0: a view, not ours to unmap */
	const uint64_t *cons, *prod;	/* positions, as libbpf sees them */
	const uint8_t *data;
	uint64_t mask;
	uint64_t prod_seen;		/* last producer position read */
	uint64_t cur;			/* the record last stepped to */
	uintptr_t theirs;		/* where the reader's data starts; 0
					 * until the first step */
	/* Each cursor: the next record it returns, and how many records
	 * it is ahead of the one the reader handles. */
	uint64_t pos[PW_RING_AHEAD_CURSORS];
	uint32_t lead[PW_RING_AHEAD_CURSORS];
};

/* Maps the ring of map_fd (size bytes, a power of two) read-only.
 * Returns 0 or -errno; on failure ra stays unmapped and the calls below
 * do nothing. */
int pw_ring_ahead_map(struct pw_ring_ahead *ra, int map_fd, uint32_t size);
void pw_ring_ahead_unmap(struct pw_ring_ahead *ra);

/* Views memory laid out as a mapped ring (see ring_ahead.c) without
 * mapping anything (tests); unmap then only forgets it. */
void pw_ring_ahead_view(struct pw_ring_ahead *ra, const void *base,
			size_t page, uint32_t size);

/* From the reader's callback, once per record, with the record libbpf
 * passed: the reader is at that record now, so every cursor is one
 * record less ahead. */
void pw_ring_ahead_step(struct pw_ring_ahead *ra, const void *sample);

/* The next record for cursor c while it is fewer than depth records
 * ahead, with its length; NULL when it is far enough ahead or at the
 * end of what was written. */
const void *pw_ring_ahead_next(struct pw_ring_ahead *ra, unsigned c,
			       uint32_t depth, uint32_t *len);

#endif
