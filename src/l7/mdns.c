/* mDNS (RFC 6762, UDP 5353) and LLMNR (RFC 4795, UDP 5355), monitor only.
 * Both use the DNS message format (dns.h). The detail lists the names
 * asked for (questions) or, in a response without questions (usual in
 * mDNS), the owners of the answers: "query printer.local" or
 * "response _ipp._tcp.local,printer.local". */
#include <string.h>

#include "base/bytes.h"
#include "l7/detectors.h"
#include "l7/dns.h"
#include "l7/l7_text.h"

#define MDNS_MAX_SECTION 64
#define MDNS_MAX_NAMES 8

/* Appends the name at *off (and skips its fixed fields: 4 bytes for a
 * question, 10 + rdlength for a record). */
static bool walk_entry(const uint8_t *p, size_t n, size_t *off, bool record,
		       char *last, struct pw_l7_result *res, unsigned *listed)
{
	char name[PW_DNS_NAME_MAX];
	size_t next;

	if (!pw_dns_name_decode(p, n, *off, name, sizeof(name), &next))
		return false;
	if (record) {
		if (n - next < 10 || n - next - 10 < pw_get_be16(p + next + 8))
			return false;
		next += 10 + pw_get_be16(p + next + 8);
	} else {
		if (n - next < 4)
			return false;
		next += 4;
	}
	*off = next;
	if (*listed < MDNS_MAX_NAMES && name[0] && strcmp(name, last)) {
		pw_l7_appendf(res->detail, sizeof(res->detail), "%s%s",
			      *listed ? "," : " ", name);
		memcpy(last, name, strlen(name) + 1);
		(*listed)++;
	}
	return true;
}

bool pw_mdns_detect(const uint8_t *p, size_t n, enum pw_l7_proto which,
		    struct pw_l7_result *res)
{
	char last[PW_DNS_NAME_MAX] = "";
	unsigned qd, an, i, listed = 0;
	size_t off = PW_DNS_HDR_LEN;
	bool response;

	if (n < PW_DNS_HDR_LEN + 5)
		return false;
	qd = pw_get_be16(p + 4);
	an = pw_get_be16(p + 6);
	response = p[2] & 0x80;
	/* opcode 0; at least one entry; sane section sizes */
	if ((p[2] & 0x78) || qd > MDNS_MAX_SECTION || an > MDNS_MAX_SECTION ||
	    pw_get_be16(p + 8) > MDNS_MAX_SECTION ||
	    pw_get_be16(p + 10) > MDNS_MAX_SECTION || (!qd && !an))
		return false;
	if (which == PW_L7_LLMNR && !response && qd != 1)
		return false;

	res->detail[0] = '\0';
	pw_l7_appendf(res->detail, sizeof(res->detail), "%s",
		      response ? "response" : "query");
	for (i = 0; i < qd; i++)
		if (!walk_entry(p, n, &off, false, last, res, &listed))
			goto bad;
	for (i = 0; !qd && i < an; i++)
		if (!walk_entry(p, n, &off, true, last, res, &listed))
			goto bad;
	res->proto = which;
	return true;
bad:
	res->detail[0] = '\0';
	return false;
}
