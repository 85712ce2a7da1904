/* Shared driver of the capture-file fuzz harnesses (fuzz_pcap,
 * fuzz_pcapng): the reader on one file image.
 *
 * The bytes are read twice: from memory, and as a stdio stream (the
 * buffered input path, fed in small reads). Both must deliver the same
 * packets and end the same way, with the same message and offset. Every
 * delivered packet's bytes and comment are touched so that the sanitizers
 * see any read outside the input. */
#ifndef PW_TESTS_FUZZ_CAPFILE_DRIVER_H
#define PW_TESTS_FUZZ_CAPFILE_DRIVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/capfile.h"

struct capfile_outcome {
	uint64_t packets;
	uint64_t sum;		/* of offsets, lengths, timestamps */
	int last;		/* last return of next, or -2: open failed */
	struct pw_error err;
};

static void capfile_read_all(struct pw_capfile *cf, struct capfile_outcome *o)
{
	volatile uint8_t sink = 0;
	struct pw_packet pkt;

	while ((o->last = pw_capfile_next(cf, &pkt, &o->err)) == 1) {
		const struct pw_capfile_iface *ifc =
			pw_capfile_iface(cf, pkt.ifindex);

		if (!ifc || ifc->linktype != pkt.linktype)
			__builtin_trap();
		o->packets++;
		o->sum += pkt.offset + pkt.caplen + pkt.wirelen + pkt.ts_ns +
			  pkt.dir + pkt.owner.pid;
		if (pkt.caplen)
			sink ^= pkt.data[0] ^ pkt.data[pkt.caplen - 1];
		if (pkt.comment)
			sink ^= (uint8_t)strlen(pkt.comment);
		sink ^= (uint8_t)strlen(ifc->name);
	}
	(void)sink;
}

/* buf must be an exact-size heap copy so that ASan catches overreads. */
static void capfile_fuzz_image(const uint8_t *buf, size_t len)
{
	struct capfile_outcome a = { .last = -2 }, b = { .last = -2 };
	struct pw_capfile *cf;
	FILE *fp;

	cf = pw_capfile_open_mem(buf, len, &a.err);
	if (cf)
		capfile_read_all(cf, &a);
	pw_capfile_close(cf);

	fp = fmemopen((void *)buf, len, "r");
	if (!fp)
		return;
	cf = pw_capfile_open_stream(fp, "memory", &b.err);
	if (cf)
		capfile_read_all(cf, &b);
	pw_capfile_close(cf);
	fclose(fp);
	if (a.packets != b.packets || a.sum != b.sum || a.last != b.last ||
	    strcmp(a.err.msg, b.err.msg) || a.err.offset != b.err.offset)
		__builtin_trap();
}

#endif
