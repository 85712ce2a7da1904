/* libFuzzer harness: the capture file reader on arbitrary bytes, as a
 * classic pcap file (the first input byte picks one of the four magics,
 * the rest follows it, so every input gets past format detection). */
#include "capfile_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t magics[4][4] = {
		{ 0xd4, 0xc3, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0xc3, 0xd4 },
		{ 0x4d, 0x3c, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0x3c, 0x4d },
	};
	uint8_t *buf;

	if (size < 1)
		return 0;
	buf = malloc(size + 3);
	if (!buf)
		return 0;
	memcpy(buf, magics[data[0] & 3], 4);
	memcpy(buf + 4, data + 1, size - 1);
	capfile_fuzz_image(buf, size + 3);
	free(buf);
	return 0;
}
