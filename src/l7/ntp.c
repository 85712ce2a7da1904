/* NTP (RFC 5905), monitor only. First byte: leap indicator (2 bits),
 * version (3 bits), mode (3 bits); second byte: stratum. Modes 1..5 use
 * the 48-byte packet (stratum 0..16), mode 6 (control) a 12-byte header,
 * mode 7 (ntpd private) at least 8 bytes. */
#include "l7/detectors.h"
#include "l7/l7_text.h"

static const char *const modes[8] = {
	"reserved", "symmetric_active", "symmetric_passive", "client",
	"server", "broadcast", "control", "private",
};

bool pw_ntp_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	unsigned version, mode;

	if (n < 8)
		return false;
	version = p[0] >> 3 & 7;
	mode = p[0] & 7;
	if (version < 1 || version > 4 || mode == 0)
		return false;
	if (mode <= 5 && (n < 48 || p[1] > 16))
		return false;
	if (mode == 6 && n < 12)
		return false;
	res->proto = PW_L7_NTP;
	pw_l7_appendf(res->detail, sizeof(res->detail), "v%u %s", version,
		      modes[mode]);
	if (mode <= 5)
		pw_l7_appendf(res->detail, sizeof(res->detail),
			      " stratum %u", p[1]);
	return true;
}
