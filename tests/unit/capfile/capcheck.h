/* Shared checks of the capture file tests: compare a delivered packet
 * with what the test built, field by field. */
#ifndef PW_TESTS_CAPFILE_CAPCHECK_H
#define PW_TESTS_CAPFILE_CAPCHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "base/packet.h"
#include "source/capfile.h"

struct want_pkt {
	uint64_t number;
	uint64_t ts_ns;
	uint32_t caplen;
	uint32_t wirelen;
	uint32_t ifindex;
	uint16_t linktype;
	uint8_t dir;
	const void *data;	/* caplen bytes, or NULL to skip */
	const char *comment;	/* NULL: expect none */
	bool has_owner;
	uint32_t pid;
	uint32_t tid;
	const char *comm;	/* NULL: do not check */
	int64_t offset;		/* -1: do not check */
};

/* Reads the next packet and checks every field; tag names the case. */
bool check_next(struct pw_capfile *cf, const struct want_pkt *w,
		const char *tag);

/* Expects a clean end of file (twice: the end is sticky). */
bool check_eof(struct pw_capfile *cf, const char *tag);

/* Expects -1 with this exact message and offset. */
bool check_error(struct pw_capfile *cf, const char *msg, uint64_t offset,
		 const char *tag);

/* Fills buf with bytes derived from seed (for content checks). */
void fill_pattern(uint8_t *buf, uint32_t len, uint32_t seed);

#endif
