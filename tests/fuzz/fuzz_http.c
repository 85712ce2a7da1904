/* libFuzzer harness for HTTP/1.x: method length, Host header span and
 * request/reply recognition through the dispatcher.
 *
 * Invariants: the Host span lies inside the input, contains no blanks, CR
 * or LF at its ends and no ':' (the port is cut) unless it came from an
 * IPv6 literal; a detected request starts with a method the method
 * parser knows; the reported host has no uppercase letters. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "l7/http.h"
#include "l7/l7.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_l7_result r;
	size_t off, len, i;
	uint8_t *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	if (pw_http_host_span(copy, size, &off, &len)) {
		CHECK(len > 0 && off <= size && len <= size - off);
		CHECK(copy[off] != ' ' && copy[off] != '\t');
		CHECK(copy[off + len - 1] != ' ' &&
		      copy[off + len - 1] != '\r' &&
		      copy[off + len - 1] != '\n');
		CHECK(!memchr(copy + off, '\n', len));
		if (off == 0 || copy[off - 1] != '[')
			CHECK(!memchr(copy + off, ':', len));
	}
	i = pw_http_method_len(copy, size);
	CHECK(i == 0 || (i < size && copy[i] == ' '));

	pw_l7_detect(copy, size, IPPROTO_TCP, 40000, 80, &r);
	if (r.payload == PW_PL_HTTP_REQ) {
		CHECK(pw_http_method_len(copy, size) > 0);
		for (i = 0; r.host[i]; i++)
			CHECK(r.host[i] < 'A' || r.host[i] > 'Z');
	}
	if (r.payload == PW_PL_HTTP_REPLY)
		CHECK(size >= 15 && !memcmp(copy, "HTTP/1.", 7));
	free(copy);
	return 0;
}
