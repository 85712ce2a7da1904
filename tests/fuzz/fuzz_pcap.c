/* libFuzzer harness: the capture file reader on arbitrary bytes, as a
 * classic pcap file. The input is read to its end or its first damage;
 * every delivered packet's bytes are touched so that the sanitizers see
 * any read outside the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "source/capfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Most inputs would fail at the magic: give them a pcap one (of
	 * four) chosen by the first byte, and fuzz the rest. */
	static const uint8_t magics[4][4] = {
		{ 0xd4, 0xc3, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0xc3, 0xd4 },
		{ 0x4d, 0x3c, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0x3c, 0x4d },
	};
	uint8_t *buf;
	struct pw_error err;
	struct pw_packet pkt;
	struct pw_capfile *cf;
	volatile uint8_t sink = 0;

	if (size < 1)
		return 0;
	/* An exact-size copy: reads past its end are caught by ASan. */
	buf = malloc(size - 1 + 4);
	if (!buf)
		return 0;
	memcpy(buf, magics[data[0] & 3], 4);
	memcpy(buf + 4, data + 1, size - 1);
	cf = pw_capfile_open_mem(buf, size - 1 + 4, &err);
	if (!cf)
		goto out;
	while (pw_capfile_next(cf, &pkt, &err) == 1) {
		if (pkt.caplen)
			sink ^= pkt.data[0] ^ pkt.data[pkt.caplen - 1];
	}
	pw_capfile_close(cf);
out:
	free(buf);
	(void)sink;
	return 0;
}
