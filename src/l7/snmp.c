/* SNMP (RFC 1157, 3416, 3412) on UDP 161/162, monitor only. BER:
 *   v1/v2c: SEQUENCE { INTEGER version (0, 1), OCTET STRING community,
 *           PDU }
 *   v3:     SEQUENCE { INTEGER 3, SEQUENCE msgGlobalData,
 *           OCTET STRING msgSecurityParameters,
 *           msgData: SEQUENCE { OCTET STRING contextEngineID,
 *           OCTET STRING contextName, PDU } or OCTET STRING (encrypted) }
 * PDUs are context-specific constructed tags 0xa0..0xa8. The community
 * is a password in practice and is not shown. */
#include "l7/detectors.h"
#include "l7/l7_text.h"

struct ber {
	const uint8_t *p;
	size_t n, off;
};

/* Reads one TLV header; *len is the value length, checked to fit. */
static bool ber_tlv(struct ber *b, uint8_t *tag, size_t *len)
{
	size_t l, k, nb;

	if (b->n - b->off < 2)
		return false;
	*tag = b->p[b->off];
	l = b->p[b->off + 1];
	b->off += 2;
	if (l & 0x80) {
		nb = l & 0x7f;
		if (!nb || nb > 3 || b->n - b->off < nb)
			return false;
		for (l = 0, k = 0; k < nb; k++)
			l = l << 8 | b->p[b->off + k];
		b->off += nb;
	}
	if (l > b->n - b->off)
		return false;
	*len = l;
	return true;
}

static bool ber_expect(struct ber *b, uint8_t want, size_t *len)
{
	uint8_t tag;

	return ber_tlv(b, &tag, len) && tag == want;
}

static bool ber_skip(struct ber *b, uint8_t want)
{
	size_t len;

	if (!ber_expect(b, want, &len))
		return false;
	b->off += len;
	return true;
}

static const char *pdu_name(uint8_t tag)
{
	static const char *const names[] = {
		"get-request", "get-next-request", "response", "set-request",
		"trap", "get-bulk-request", "inform-request", "trap-v2",
		"report",
	};

	if (tag < 0xa0 || tag > 0xa8)
		return NULL;
	return names[tag - 0xa0];
}

bool pw_snmp_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	struct ber b = { p, n, 0 };
	const char *pdu = NULL, *ver;
	size_t len;
	uint8_t tag;
	bool encrypted = false;

	if (n < 8 || p[0] != 0x30)
		return false;
	if (!ber_expect(&b, 0x30, &len))
		return false;
	b.n = b.off + len;
	if (!ber_expect(&b, 0x02, &len) || len != 1)
		return false;
	switch (p[b.off]) {
	case 0: ver = "v1"; break;
	case 1: ver = "v2c"; break;
	case 3: ver = "v3"; break;
	default: return false;
	}
	b.off++;
	if (p[b.off - 1] != 3) {
		if (!ber_skip(&b, 0x04) || !ber_tlv(&b, &tag, &len))
			return false;
		pdu = pdu_name(tag);
		if (!pdu)
			return false;
	} else {
		if (!ber_skip(&b, 0x30) || !ber_skip(&b, 0x04) ||
		    !ber_tlv(&b, &tag, &len))
			return false;
		if (tag == 0x04) {
			encrypted = true;
		} else if (tag == 0x30) {
			/* contextEngineID, contextName, then the PDU */
			bool ok = ber_skip(&b, 0x04);

			ok = ok && ber_skip(&b, 0x04);
			if (!ok || !ber_tlv(&b, &tag, &len))
				return false;
			pdu = pdu_name(tag);
			if (!pdu)
				return false;
		} else {
			return false;
		}
	}
	res->proto = PW_L7_SNMP;
	pw_l7_appendf(res->detail, sizeof(res->detail), "%s %s", ver,
		      encrypted ? "encrypted" : pdu);
	return true;
}
