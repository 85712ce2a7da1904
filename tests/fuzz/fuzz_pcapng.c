/* libFuzzer harness: the capture file reader on arbitrary bytes, as a
 * pcapng file (the input starts after the section header block type, so
 * every input gets past format detection).
 *
 * The bytes are read twice: from memory, and as a stdio stream (the
 * buffered input path, fed in small reads). Both must deliver the same
 * packets and end the same way, with the same message and offset. Every
 * delivered packet's bytes and comment are touched so that the sanitizers
 * see any read outside the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/capfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct outcome {
	uint64_t packets;
	uint64_t sum;		/* of offsets, lengths, timestamps */
	int last;		/* last return of next, or -2: open failed */
	struct pw_error err;
};

static void read_all(struct pw_capfile *cf, struct outcome *o)
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome a = { .last = -2 }, b = { .last = -2 };
	struct pw_capfile *cf;
	uint8_t *buf;
	FILE *fp;

	/* An exact-size copy: reads past its end are caught by ASan. */
	buf = malloc(size + 4);
	if (!buf)
		return 0;
	memcpy(buf, "\x0a\x0d\x0d\x0a", 4);
	memcpy(buf + 4, data, size);

	cf = pw_capfile_open_mem(buf, size + 4, &a.err);
	if (cf)
		read_all(cf, &a);
	pw_capfile_close(cf);

	fp = fmemopen(buf, size + 4, "r");
	if (fp) {
		cf = pw_capfile_open_stream(fp, "memory", &b.err);
		if (cf)
			read_all(cf, &b);
		pw_capfile_close(cf);
		fclose(fp);
		if (a.packets != b.packets || a.sum != b.sum ||
		    a.last != b.last || strcmp(a.err.msg, b.err.msg) ||
		    a.err.offset != b.err.offset)
			__builtin_trap();
	}
	free(buf);
	return 0;
}
