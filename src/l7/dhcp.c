/* DHCP (RFC 2131/2132) on UDP 67/68, monitor only. BOOTP layout: op (1
 * request, 2 reply), htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr,
 * siaddr, giaddr, chaddr (16), sname (64), file (128): 236 bytes, then
 * the magic cookie 63 82 53 63 and options (code, length, data; 0 pad,
 * 255 end). Option 53 is the message type, option 12 the host name. */
#include "base/bytes.h"
#include "l7/detectors.h"
#include "l7/l7_text.h"

#define BOOTP_LEN 236
#define DHCP_COOKIE 0x63825363u

static const char *msg_type_name(unsigned t)
{
	static const char *const names[] = {
		NULL, "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK",
		"RELEASE", "INFORM", "FORCERENEW", "LEASEQUERY",
		"LEASEUNASSIGNED", "LEASEUNKNOWN", "LEASEACTIVE",
	};

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : NULL;
}

bool pw_dhcp_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	const uint8_t *hostname = NULL;
	size_t i = BOOTP_LEN + 4, hlen = 0;
	int type = -1;
	const char *tn;

	if (n < BOOTP_LEN + 4 || (p[0] != 1 && p[0] != 2) || p[2] > 16 ||
	    pw_get_be32(p + BOOTP_LEN) != DHCP_COOKIE)
		return false;
	while (i < n && p[i] != 255) {
		uint8_t code = p[i], len;

		if (code == 0) {
			i++;
			continue;
		}
		if (i + 1 >= n)
			break;
		len = p[i + 1];
		if (n - i - 2 < len)
			break;
		if (code == 53 && len == 1)
			type = p[i + 2];
		else if (code == 12 && len)
			hostname = p + i + 2, hlen = len;
		i += 2 + (size_t)len;
	}
	res->proto = PW_L7_DHCP;
	tn = type >= 0 ? msg_type_name((unsigned)type) : NULL;
	if (tn)
		pw_l7_appendf(res->detail, sizeof(res->detail), "%s", tn);
	else if (type >= 0)
		pw_l7_appendf(res->detail, sizeof(res->detail), "TYPE%d",
			      type);
	else
		pw_l7_appendf(res->detail, sizeof(res->detail), "%s",
			      p[0] == 1 ? "BOOTREQUEST" : "BOOTREPLY");
	if (hostname) {
		pw_l7_appendf(res->detail, sizeof(res->detail), " hostname ");
		pw_l7_append_printable(res->detail, sizeof(res->detail),
				       hostname, hlen);
	}
	return true;
}
