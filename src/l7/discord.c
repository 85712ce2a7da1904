/* Discord voice IP discovery request: exactly 74 bytes,
 *   0  type 0x0001 (request)
 *   2  length 70
 *   4  SSRC (4)
 *   8  address (64, NUL-padded) and 72 port (2): all zero in a request,
 *      the server fills them in its reply (type 0x0002). */
#include <string.h>

#include "base/bytes.h"
#include "l7/detectors.h"
#include "l7/l7_text.h"

bool pw_discord_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	static const uint8_t zero[64];

	if (n != 74 || pw_get_be16(p) != 1 || pw_get_be16(p + 2) != 70 ||
	    memcmp(p + 8, zero, sizeof(zero)))
		return false;
	res->payload = PW_PL_DISCORD_IP_DISCOVERY;
	pw_l7_appendf(res->detail, sizeof(res->detail), "ssrc %u",
		      pw_get_be32(p + 4));
	return true;
}
