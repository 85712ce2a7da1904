/* BitTorrent: the peer wire handshake over TCP and over uTP, and the
 * Mainline DHT (BEP 5) over UDP.
 *
 * Handshake (BEP 3), 68 bytes: pstrlen 19, "BitTorrent protocol",
 * 8 reserved bytes, 20-byte info_hash, 20-byte peer_id.
 * uTP (BEP 29) carries it after a 20-byte header whose first byte is
 * type << 4 | version: ST_DATA (0) version 1, so 0x01.
 * DHT messages are bencoded dictionaries whose keys sort so that the
 * first one is "a" (query arguments), "r" (response), "e" (error) or
 * "ip" (response carrying the requester's address). */
#include <string.h>

#include "l7/detectors.h"
#include "l7/l7_text.h"

#define BT_PSTR "\x13" "BitTorrent protocol"
#define BT_PSTR_LEN 20
#define BT_HANDSHAKE_LEN 68
#define UTP_HDR_LEN 20

static void info_hash_detail(const uint8_t *hs, struct pw_l7_result *res)
{
	static const char hex[] = "0123456789abcdef";
	char buf[41];
	int i;

	for (i = 0; i < 20; i++) {
		buf[2 * (size_t)i] = hex[hs[28 + i] >> 4];
		buf[2 * (size_t)i + 1] = hex[hs[28 + i] & 15];
	}
	buf[40] = '\0';
	pw_l7_appendf(res->detail, sizeof(res->detail), "info_hash %s", buf);
}

bool pw_bt_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	if (n < BT_HANDSHAKE_LEN || memcmp(p, BT_PSTR, BT_PSTR_LEN))
		return false;
	res->payload = PW_PL_BT_HANDSHAKE;
	info_hash_detail(p, res);
	return true;
}

bool pw_utp_bt_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	if (n < UTP_HDR_LEN + BT_HANDSHAKE_LEN || p[0] != 0x01 ||
	    memcmp(p + UTP_HDR_LEN, BT_PSTR, BT_PSTR_LEN))
		return false;
	res->payload = PW_PL_UTP_BT_HANDSHAKE;
	info_hash_detail(p + UTP_HDR_LEN, res);
	return true;
}

bool pw_dht_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	const char *kind;

	if (n < 5 || p[0] != 'd' || p[2] != ':' || p[n - 1] != 'e')
		return false;
	if (p[1] == '1' && p[3] == 'a' && p[4] == 'd')
		kind = "query";
	else if ((p[1] == '1' && p[3] == 'r' && p[4] == 'd') ||
		 (p[1] == '2' && p[3] == 'i' && p[4] == 'p'))
		kind = "response";
	else if (p[1] == '1' && p[3] == 'e' && p[4] == 'l')
		kind = "error";
	else
		return false;
	res->payload = PW_PL_DHT;
	pw_l7_appendf(res->detail, sizeof(res->detail), "%s", kind);
	return true;
}
