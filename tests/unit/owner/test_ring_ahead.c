/* Unit tests of the ring buffer look-ahead (src/owner/ring_ahead.c) on
 * memory laid out as a mapped BPF ring: each cursor's lead, the stops at
 * the producer position and at records still being written, discarded
 * records, a reader that jumps ahead, records that wrap around the end of
 * the data, and a header that cannot be one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>

#include "owner/ring_ahead.h"
#include "tap.h"

#define PAGE 4096u
#define SIZE 4096u		/* data bytes: a power of two */
#define PAYLOAD 16u		/* each record: an id and padding */
#define SPAN 24u		/* header and payload, rounded to 8 */

static uint8_t *ring;		/* consumer page, producer page, data x2 */

/* Where the reader (libbpf) has the data mapped: another address for the
 * same bytes. Only addresses in it are used, never its contents. */
static uint8_t theirs[2 * SIZE];

/* The record at pos as the reader's callback gets it: its payload, in
 * the reader's mapping. */
static const void *sample_at(uint64_t pos)
{
	return theirs + (pos & (SIZE - 1)) + BPF_RINGBUF_HDR_SZ;
}

static uint8_t *data(void)
{
	return ring + 2 * PAGE;
}

/* Writes n bytes at ring position pos into both copies of the data, as
 * the kernel's double mapping shows them. */
static void put_bytes(uint64_t pos, const void *src, size_t n)
{
	const uint8_t *s = src;

	for (size_t i = 0; i < n; i++) {
		uint32_t at = (uint32_t)((pos + i) & (SIZE - 1));

		data()[at] = s[i];
		data()[at + SIZE] = s[i];
	}
}

/* A record with this id at pos, with header flags; returns the position
 * after it. */
static uint64_t put_record(uint64_t pos, uint64_t id, uint32_t flags)
{
	uint32_t hdr[2] = { PAYLOAD | flags, 0 };
	uint8_t payload[PAYLOAD] = { 0 };

	memcpy(payload, &id, sizeof(id));
	put_bytes(pos, hdr, sizeof(hdr));
	put_bytes(pos + BPF_RINGBUF_HDR_SZ, payload, sizeof(payload));
	return pos + SPAN;
}

static void set_flags(uint64_t pos, uint32_t flags)
{
	uint32_t hdr = PAYLOAD | flags;

	put_bytes(pos, &hdr, sizeof(hdr));
}

static void set_positions(uint64_t cons, uint64_t prod)
{
	memcpy(ring, &cons, sizeof(cons));
	memcpy(ring + PAGE, &prod, sizeof(prod));
}

/* Reads the ids of the records cursor c returns now (up to max) into
 * ids; returns how many, or -1 for a record of the wrong length. */
static int take(struct pw_ring_ahead *ra, unsigned c, uint32_t depth,
		uint64_t *ids, int max)
{
	const void *r;
	uint32_t len;
	int n = 0;

	while (n < max && (r = pw_ring_ahead_next(ra, c, depth, &len))) {
		if (len != PAYLOAD)
			return -1;
		memcpy(&ids[n++], r, sizeof(uint64_t));
	}
	return n;
}

static bool ids_are(const uint64_t *ids, int n, uint64_t first, int want)
{
	if (n != want)
		return false;
	for (int i = 0; i < n; i++)
		if (ids[i] != first + (uint64_t)i)
			return false;
	return true;
}

/* An empty ring, then n records from position 0 with ids first..., the
 * one numbered flagged (-1: none) with flags; their positions in at.
 * Returns the position after them. */
static uint64_t fill(uint64_t *at, int n, uint64_t first, int flagged,
		     uint32_t flags)
{
	uint64_t pos = 0;

	memset(ring, 0, 2 * PAGE + 2 * SIZE);
	for (int i = 0; i < n; i++) {
		at[i] = pos;
		pos = put_record(pos, first + (uint64_t)i,
				 i == flagged ? flags : 0);
	}
	return pos;
}

static void test_leads(void)
{
	struct pw_ring_ahead ra;
	uint64_t ids[16], pos, at[12];
	int n;

	pos = fill(at, 10, 100, -1, 0);
	set_positions(at[0], pos);
	pw_ring_ahead_view(&ra, ring, PAGE, SIZE);

	pw_ring_ahead_step(&ra, sample_at(at[0]));
	n = take(&ra, 0, 3, ids, 16);
	tap_ok(ids_are(ids, n, 101, 3), "cursor 0 starts after the record "
	       "being read and stops 3 ahead");
	n = take(&ra, 1, 2, ids, 16);
	tap_ok(ids_are(ids, n, 101, 2), "cursor 1 keeps its own lead of 2");

	/* Past the first step the consumer position is not read again: the
	 * record's place says where the reader is. */
	set_positions(UINT64_MAX, pos);
	pw_ring_ahead_step(&ra, sample_at(at[1]));
	n = take(&ra, 0, 3, ids, 16);
	tap_ok(ids_are(ids, n, 104, 1), "one record read: one more ahead, "
	       "told by where the record lies");
	n = take(&ra, 1, 2, ids, 16);
	tap_ok(ids_are(ids, n, 103, 1), "and one more for cursor 1");

	/* The reader jumps past both cursors (records read without a step):
	 * they restart just after its record. */
	pw_ring_ahead_step(&ra, sample_at(at[7]));
	n = take(&ra, 0, 3, ids, 16);
	tap_ok(ids_are(ids, n, 108, 2), "a reader ahead of the cursors: they "
	       "restart after it and stop at the producer");
	n = take(&ra, 1, 8, ids, 16);
	tap_ok(ids_are(ids, n, 108, 2), "cursor 1 too");

	/* More records come: the cursor goes on from where it stopped. */
	at[10] = pos;
	pos = put_record(pos, 110, 0);
	set_positions(UINT64_MAX, pos);
	n = take(&ra, 0, 3, ids, 16);
	tap_ok(ids_are(ids, n, 110, 1), "new records past the old producer "
	       "position are seen");
	pw_ring_ahead_unmap(&ra);
}

static void test_busy_discard(void)
{
	struct pw_ring_ahead ra;
	uint64_t ids[16], pos, at[8];
	int n;

	pos = fill(at, 6, 200, 2, BPF_RINGBUF_DISCARD_BIT);
	set_flags(at[4], BPF_RINGBUF_BUSY_BIT);
	set_positions(at[0], pos);
	pw_ring_ahead_view(&ra, ring, PAGE, SIZE);
	pw_ring_ahead_step(&ra, sample_at(at[0]));
	n = take(&ra, 0, 8, ids, 16);
	tap_ok(n == 2 && ids[0] == 201 && ids[1] == 203,
	       "a discarded record is passed over, a busy one stops the walk");
	n = take(&ra, 0, 8, ids, 16);
	tap_ok(n == 0, "still busy: nothing more");
	set_flags(at[4], 0);
	n = take(&ra, 0, 8, ids, 16);
	tap_ok(ids_are(ids, n, 204, 2), "once written, the walk goes on");

	/* A header whose length cannot fit the ring is not followed. */
	pos = put_record(pos, 206, 0);
	put_bytes(pos, &(uint32_t){ 2 * SIZE }, sizeof(uint32_t));
	set_positions(at[0], pos + SPAN);
	n = take(&ra, 0, 8, ids, 16);
	tap_ok(ids_are(ids, n, 206, 1), "records up to a bad header");
	n = take(&ra, 0, 8, ids, 16);
	tap_ok(n == 0, "a header longer than the ring stops the cursor");
	pw_ring_ahead_unmap(&ra);
}

static void test_wrap(void)
{
	struct pw_ring_ahead ra;
	uint64_t ids[16], pos, start;
	int n;

	memset(ring, 0, 2 * PAGE + 2 * SIZE);
	/* Positions grow past the size: records straddle the end. */
	start = pos = 3 * (uint64_t)SIZE - 2 * SPAN - 8;
	for (int i = 0; i < 6; i++)
		pos = put_record(pos, 300 + (uint64_t)i, 0);
	set_positions(start, pos);
	pw_ring_ahead_view(&ra, ring, PAGE, SIZE);
	pw_ring_ahead_step(&ra, sample_at(start));
	n = take(&ra, 0, 8, ids, 16);
	tap_ok(ids_are(ids, n, 301, 5), "records across the end of the data "
	       "read whole");
	/* The reader goes on past the end: its record lies near the start
	 * of the data again, its position is still the one after. */
	set_positions(UINT64_MAX, pos);
	pw_ring_ahead_step(&ra, sample_at(start + 3 * SPAN));
	n = take(&ra, 0, 8, ids, 16);
	tap_ok(ids_are(ids, n, 0, 0), "a reader past the end: the cursor, "
	       "ahead of it, has nothing new");
	pos = put_record(pos, 306, 0);
	set_positions(UINT64_MAX, pos);
	n = take(&ra, 0, 8, ids, 16);
	tap_ok(ids_are(ids, n, 306, 1), "and reads on where the ring goes on");
	pw_ring_ahead_unmap(&ra);
}

static void test_unmapped(void)
{
	struct pw_ring_ahead ra;
	uint32_t len;

	memset(&ra, 0, sizeof(ra));
	pw_ring_ahead_step(&ra, NULL);
	tap_ok(!pw_ring_ahead_next(&ra, 0, 8, &len), "unmapped: nothing");
	tap_ok(pw_ring_ahead_map(&ra, -1, 3000) < 0 && !ra.map,
	       "a size that is not a power of two is refused");
	tap_ok(pw_ring_ahead_map(&ra, -1, SIZE) < 0 && !ra.map,
	       "a bad descriptor is refused, and nothing is mapped");
}

int main(void)
{
	ring = aligned_alloc(PAGE, 2 * PAGE + 2 * SIZE);
	if (!ring)
		return 1;
	test_leads();
	test_busy_discard();
	test_wrap();
	test_unmapped();
	free(ring);
	return tap_done();
}
