/* STUN (RFC 5389/8489) message header, 20 bytes:
 *   0  type (2): top two bits zero; 12-bit method and 2-bit class
 *      interleaved as M11..M7 C1 M6..M4 C0 M3..M0
 *   2  length (2): of the attributes that follow, a multiple of 4
 *   4  magic cookie 0x2112A442
 *   8  transaction id (12)
 * Accepted as zapret2 does: the attributes may continue past the packet
 * (length <= bytes present after the header is required). */
#include "base/bytes.h"
#include "l7/detectors.h"
#include "l7/l7_text.h"

#define STUN_MAGIC 0x2112A442u

static const char *method_name(unsigned m)
{
	switch (m) {
	case 0x001: return "Binding";
	case 0x003: return "Allocate";
	case 0x004: return "Refresh";
	case 0x006: return "Send";
	case 0x007: return "Data";
	case 0x008: return "CreatePermission";
	case 0x009: return "ChannelBind";
	case 0x00a: return "Connect";
	case 0x00b: return "ConnectionBind";
	case 0x00c: return "ConnectionAttempt";
	}
	return NULL;
}

bool pw_stun_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	static const char *const classes[4] = {
		"request", "indication", "success", "error",
	};
	unsigned type, method, cls;
	const char *name;

	if (n < 20 || (p[0] & 0xc0) || (p[3] & 3) ||
	    pw_get_be32(p + 4) != STUN_MAGIC || pw_get_be16(p + 2) > n - 20)
		return false;
	type = pw_get_be16(p);
	cls = (type >> 7 & 2) | (type >> 4 & 1);
	method = (type & 0x000f) | (type >> 1 & 0x0070) | (type >> 2 & 0x0f80);
	res->payload = PW_PL_STUN;
	name = method_name(method);
	if (name)
		pw_l7_appendf(res->detail, sizeof(res->detail), "%s %s", name,
			      classes[cls]);
	else
		pw_l7_appendf(res->detail, sizeof(res->detail),
			      "method 0x%03x %s", method, classes[cls]);
	return true;
}
