/* NetBIOS over TCP/IP (RFC 1001/1002), monitor only.
 *
 * Names travel "first-level encoded": the 16-byte NetBIOS name (15
 * characters, space padded, plus a suffix byte telling the service) is
 * split into nibbles, each sent as 'A' + nibble, giving a 32-byte DNS
 * label, optionally followed by scope labels and a zero byte. Shown as
 * tshark does: "WORKGROUP<1d>".
 *
 * Name service (UDP 137): a DNS-like header (id, flags with the opcode in
 * bits 11..14 and the response bit 15, four counts) and then the first
 * question or record, whose name starts at offset 12.
 * Datagram service (UDP 138): type, flags, id, source IP and port; for
 * the data types (0x10..0x12) a length, an offset, the source and the
 * destination name; for queries (0x14..0x16) the destination name. */
#include "base/bytes.h"
#include "l7/detectors.h"
#include "l7/l7_text.h"

#define NB_ENC_LEN 32

/* Decodes the encoded name at off into "NAME<xx>"; *next gets the offset
 * after the whole name (scope labels included). */
static bool nb_name(const uint8_t *p, size_t n, size_t off, char *out,
		    size_t outsz, size_t *next)
{
	uint8_t raw[16];
	size_t i, len;

	if (off >= n || p[off] != NB_ENC_LEN || n - off - 1 < NB_ENC_LEN)
		return false;
	for (i = 0; i < 16; i++) {
		uint8_t hi = p[off + 1 + 2 * i], lo = p[off + 2 + 2 * i];

		if (hi < 'A' || hi > 'P' || lo < 'A' || lo > 'P')
			return false;
		raw[i] = (uint8_t)((hi - 'A') << 4 | (lo - 'A'));
	}
	/* scope labels, bounded by the packet and by the DNS name limit */
	i = off + 1 + NB_ENC_LEN;
	for (len = 0; i < n && p[i]; i += 1 + (size_t)p[i]) {
		len += 1 + (size_t)p[i];
		if (p[i] & 0xc0 || len > 255 - 34)
			return false;
	}
	if (i >= n)
		return false;
	*next = i + 1;
	for (len = 15; len > 0 && raw[len - 1] == ' '; len--)
		;
	out[0] = '\0';
	pw_l7_append_printable(out, outsz, raw, len);
	pw_l7_appendf(out, outsz, "<%02x>", raw[15]);
	return true;
}

bool pw_nbns_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	static const char *const ops[16] = {
		[0] = "query", [5] = "registration", [6] = "release",
		[7] = "wack", [8] = "refresh", [9] = "refresh",
		[15] = "multihomed registration",
	};
	unsigned op, qd, an, ns, ar;
	char name[40];
	size_t next;

	if (n < 12 + 34)
		return false;
	op = p[2] >> 3 & 0x0f;
	qd = pw_get_be16(p + 4);
	an = pw_get_be16(p + 6);
	ns = pw_get_be16(p + 8);
	ar = pw_get_be16(p + 10);
	if (!ops[op] || qd > 1 || an > 1 || ns > 1 || ar > 1 || qd + an == 0)
		return false;
	/* the name is followed by type and class (question) or more */
	if (!nb_name(p, n, 12, name, sizeof(name), &next) || n - next < 4)
		return false;
	res->proto = PW_L7_NETBIOS;
	pw_l7_appendf(res->detail, sizeof(res->detail), "%s%s %s", ops[op],
		      p[2] & 0x80 ? " response" : "", name);
	return true;
}

bool pw_nbdgm_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	static const char *const types[] = {
		"direct_unique", "direct_group", "broadcast", "error",
		"query_request", "positive_query_response",
		"negative_query_response",
	};
	char src[40], dst[40];
	size_t next;
	uint8_t type;

	if (n < 11 || p[0] < 0x10 || p[0] > 0x16 || (p[1] & 0xf0))
		return false;
	type = p[0];
	if (type <= 0x12) {
		if (n < 14 + 34 + 34 || !nb_name(p, n, 14, src, sizeof(src),
						 &next) ||
		    !nb_name(p, n, next, dst, sizeof(dst), &next))
			return false;
		res->proto = PW_L7_NETBIOS;
		pw_l7_appendf(res->detail, sizeof(res->detail), "%s %s -> %s",
			      types[type - 0x10], src, dst);
		return true;
	}
	if (type == 0x13) {
		/* error: code 0x82 (no such name), 0x83, 0x84 */
		if (p[10] < 0x82 || p[10] > 0x84)
			return false;
		res->proto = PW_L7_NETBIOS;
		pw_l7_appendf(res->detail, sizeof(res->detail),
			      "error 0x%02x", p[10]);
		return true;
	}
	if (!nb_name(p, n, 10, dst, sizeof(dst), &next))
		return false;
	res->proto = PW_L7_NETBIOS;
	pw_l7_appendf(res->detail, sizeof(res->detail), "%s %s",
		      types[type - 0x10], dst);
	return true;
}
