/* libFuzzer harness: the capture file reader on arbitrary bytes, as a
 * classic pcap file (the first input byte picks one of the four magics,
 * the rest follows it, so every input gets past format detection).
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
	static const uint8_t magics[4][4] = {
		{ 0xd4, 0xc3, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0xc3, 0xd4 },
		{ 0x4d, 0x3c, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0x3c, 0x4d },
	};
	struct outcome a = { .last = -2 }, b = { .last = -2 };
	struct pw_capfile *cf;
	uint8_t *buf;
	FILE *fp;

	/* An exact-size copy: reads past its end are caught by ASan. */
	if (size < 1)
		return 0;
	buf = malloc(size + 3);
	if (!buf)
		return 0;
	memcpy(buf, magics[data[0] & 3], 4);
	memcpy(buf + 4, data + 1, size - 1);
	size--;

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
