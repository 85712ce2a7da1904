/* libFuzzer harness: the capture file reader on arbitrary bytes, as a
 * pcapng file (the input starts after the section header block type, so
 * every input gets past format detection). Every delivered packet's bytes
 * and comment are touched so that the sanitizers see any read outside the
 * input; interface records are read for every packet. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "source/capfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;
	struct pw_error err;
	struct pw_packet pkt;
	struct pw_capfile *cf;
	volatile uint8_t sink = 0;

	/* An exact-size copy: reads past its end are caught by ASan. */
	buf = malloc(size + 4);
	if (!buf)
		return 0;
	memcpy(buf, "\x0a\x0d\x0d\x0a", 4);
	memcpy(buf + 4, data, size);
	cf = pw_capfile_open_mem(buf, size + 4, &err);
	if (!cf)
		goto out;
	while (pw_capfile_next(cf, &pkt, &err) == 1) {
		const struct pw_capfile_iface *ifc =
			pw_capfile_iface(cf, pkt.ifindex);

		if (!ifc || ifc->linktype != pkt.linktype)
			__builtin_trap();
		if (pkt.caplen)
			sink ^= pkt.data[0] ^ pkt.data[pkt.caplen - 1];
		if (pkt.comment)
			sink ^= (uint8_t)strlen(pkt.comment);
		sink ^= (uint8_t)strlen(ifc->name);
	}
	pw_capfile_close(cf);
out:
	free(buf);
	(void)sink;
	return 0;
}
