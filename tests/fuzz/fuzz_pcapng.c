/* libFuzzer harness: the capture file reader on arbitrary bytes, as a
 * pcapng file (the input starts after the section header block type, so
 * every input gets past format detection). */
#include "capfile_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size + 4);

	if (!buf)
		return 0;
	memcpy(buf, "\x0a\x0d\x0d\x0a", 4);
	memcpy(buf + 4, data, size);
	capfile_fuzz_image(buf, size + 4);
	free(buf);
	return 0;
}
