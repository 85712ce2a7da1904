/* WireGuard messages (whitepaper section 5.4): a one-byte type followed
 * by three reserved zero bytes, then fixed-size bodies:
 *   1 handshake initiation  148 bytes  (sender index at 4)
 *   2 handshake response     92 bytes  (sender 4, receiver 8)
 *   3 cookie reply           64 bytes  (receiver 4)
 *   4 transport data     16-byte header (receiver 4, 64-bit LE counter 8)
 *                        + encrypted, 16-padded plaintext + 16-byte tag.
 * A data message with an empty plaintext (32 bytes) is a keepalive. Any
 * real data message carries an IP packet, padded to at least 16 bytes,
 * so shorter type-4 messages than 48 bytes other than 32 are rejected. */
#include "base/bytes.h"
#include "l7/detectors.h"
#include "l7/l7_text.h"

#define WG_DATA_MIN 48

bool pw_wireguard_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	if (n < 32 || p[1] || p[2] || p[3])
		return false;
	switch (p[0]) {
	case 1:
		if (n != 148)
			return false;
		res->payload = PW_PL_WIREGUARD_INITIATION;
		pw_l7_appendf(res->detail, sizeof(res->detail),
			      "sender 0x%08x", pw_get_le32(p + 4));
		return true;
	case 2:
		if (n != 92)
			return false;
		res->payload = PW_PL_WIREGUARD_RESPONSE;
		pw_l7_appendf(res->detail, sizeof(res->detail),
			      "sender 0x%08x receiver 0x%08x",
			      pw_get_le32(p + 4), pw_get_le32(p + 8));
		return true;
	case 3:
		if (n != 64)
			return false;
		res->payload = PW_PL_WIREGUARD_COOKIE;
		pw_l7_appendf(res->detail, sizeof(res->detail),
			      "receiver 0x%08x", pw_get_le32(p + 4));
		return true;
	case 4:
		if (n == 32)
			res->payload = PW_PL_WIREGUARD_KEEPALIVE;
		else if (n >= WG_DATA_MIN)
			res->payload = PW_PL_WIREGUARD_DATA;
		else
			return false;
		pw_l7_appendf(res->detail, sizeof(res->detail),
			      "receiver 0x%08x counter %llu",
			      pw_get_le32(p + 4),
			      (unsigned long long)pw_get_le64(p + 8));
		return true;
	}
	return false;
}
