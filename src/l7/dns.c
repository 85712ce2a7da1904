/* DNS: name decoding, the dns_query/dns_response detector and the answer
 * parser (layout in dns.h).
 *
 * Recognition follows zapret2's header rules and adds a parse of the
 * question, which costs little and rejects most random UDP payloads:
 *   query:    QR=0, opcode 0, AA=0, TC=0; 1 question, no answers, no
 *             authority, at most 3 additional records (EDNS OPT, cookie);
 *   response: QR=1, opcode 0; 1 question, at most 100 records per
 *             section. */
#include "l7/dns.h"

#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "l7/detectors.h"
#include "l7/l7_text.h"

/* FNV-1a over the lowercase name: lets the CNAME chain walk compare
 * names without decoding them again. */
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

/* Walks the name at off. out may be NULL (only *hash and *next wanted). */
static bool name_walk(const uint8_t *msg, size_t n, size_t off, char *out,
		      size_t outsz, size_t *next, uint64_t *hash)
{
	size_t pos = off, seg_start = off, len = 0, wire = 0;
	uint64_t h = FNV_OFFSET;
	bool jumped = false;
	uint8_t l;

	if (out && outsz)
		out[0] = '\0';
	for (;;) {
		if (pos >= n)
			return false;
		l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= n)
				return false;
			target = (size_t)(l & 0x3f) << 8 | msg[pos + 1];
			if (!jumped && next)
				*next = pos + 2;
			/* Strictly before the start of the stretch just read:
			 * the stretches move backwards, so this ends. */
			if (target >= seg_start)
				return false;
			jumped = true;
			pos = seg_start = target;
			continue;
		}
		if (l & 0xc0)	/* extended label types: not in use */
			return false;
		if (!l) {
			if (!jumped && next)
				*next = pos + 1;
			break;
		}
		wire += (size_t)l + 1;
		if (wire > 255 || pos + 1 + l > n)
			return false;
		if (len) {
			h = (h ^ '.') * FNV_PRIME;
			if (out) {
				if (len + 1 >= outsz)
					return false;
				out[len] = '.';
			}
			len++;
		}
		for (size_t i = 0; i < l; i++) {
			uint8_t c = msg[pos + 1 + i];

			if (c >= 'A' && c <= 'Z')
				c += 32;
			else if (c < 0x20 || c >= 0x7f)
				c = '?';
			h = (h ^ c) * FNV_PRIME;
			if (out) {
				if (len + 1 >= outsz)
					return false;
				out[len] = (char)c;
			}
			len++;
		}
		pos += 1 + (size_t)l;
	}
	if (out && outsz)
		out[len < outsz ? len : outsz - 1] = '\0';
	if (hash)
		*hash = h;
	return true;
}

bool pw_dns_name_decode(const uint8_t *msg, size_t n, size_t off,
			char *out, size_t outsz, size_t *next)
{
	if (!name_walk(msg, n, off, out, outsz, next, NULL)) {
		if (outsz)
			out[0] = '\0';
		return false;
	}
	return true;
}

const char *pw_dns_type_name(uint16_t type, char *buf, size_t size)
{
	switch (type) {
	case PW_DNS_T_A: return "A";
	case PW_DNS_T_NS: return "NS";
	case PW_DNS_T_CNAME: return "CNAME";
	case PW_DNS_T_SOA: return "SOA";
	case PW_DNS_T_PTR: return "PTR";
	case PW_DNS_T_MX: return "MX";
	case PW_DNS_T_TXT: return "TXT";
	case PW_DNS_T_AAAA: return "AAAA";
	case PW_DNS_T_SRV: return "SRV";
	case PW_DNS_T_OPT: return "OPT";
	case PW_DNS_T_SVCB: return "SVCB";
	case PW_DNS_T_HTTPS: return "HTTPS";
	case PW_DNS_T_ANY: return "ANY";
	}
	snprintf(buf, size, "TYPE%u", type);
	return buf;
}

static const char *rcode_name(unsigned rcode)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED",
	};

	return rcode < sizeof(names) / sizeof(names[0]) ? names[rcode] : NULL;
}

bool pw_dns_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	char name[PW_DNS_NAME_MAX], tbuf[16];
	uint16_t qtype, qclass;
	size_t qend;
	bool query;

	/* header + root name + type + class */
	if (n < PW_DNS_HDR_LEN + 5 || pw_get_be16(p + 4) != 1)
		return false;
	if (!(p[2] & 0xfe)) {
		if (pw_get_be32(p + 6) != 0 || pw_get_be16(p + 10) > 3)
			return false;
		query = true;
	} else if ((p[2] & 0xf8) == 0x80) {
		if (pw_get_be16(p + 6) > 100 || pw_get_be16(p + 8) > 100 ||
		    pw_get_be16(p + 10) > 100)
			return false;
		query = false;
	} else {
		return false;
	}
	if (!name_walk(p, n, PW_DNS_HDR_LEN, name, sizeof(name), &qend, NULL) ||
	    n - qend < 4)
		return false;
	qtype = pw_get_be16(p + qend);
	qclass = pw_get_be16(p + qend + 2);
	/* IN, CH, HS, NONE, ANY: anything else is not a DNS question. */
	if (qclass != 1 && qclass != 3 && qclass != 4 && qclass != 254 &&
	    qclass != 255)
		return false;

	res->payload = query ? PW_PL_DNS_QUERY : PW_PL_DNS_RESPONSE;
	memcpy(res->host, name, strlen(name) + 1);
	pw_l7_appendf(res->detail, sizeof(res->detail), "%s",
		      pw_dns_type_name(qtype, tbuf, sizeof(tbuf)));
	if (!query) {
		const char *rc = rcode_name(p[3] & 0x0f);

		if (rc)
			pw_l7_appendf(res->detail, sizeof(res->detail),
				      " %s", rc);
		else
			pw_l7_appendf(res->detail, sizeof(res->detail),
				      " RCODE%u", p[3] & 0x0f);
		pw_l7_appendf(res->detail, sizeof(res->detail), " an=%u",
			      pw_get_be16(p + 6));
	}
	return true;
}

/* Answer records kept for the CNAME walk: offsets into the message and
 * the hashes of their names. */
struct rr_ref {
	size_t owner;
	size_t rdata;
	uint64_t owner_hash;
	uint64_t target_hash;	/* CNAME only */
	uint32_t ttl;
	uint16_t type;
};

static bool same_name(const uint8_t *p, size_t n, size_t a, uint64_t ha,
		      size_t b, uint64_t hb)
{
	char na[PW_DNS_NAME_MAX], nb[PW_DNS_NAME_MAX];

	if (ha != hb)
		return false;
	return name_walk(p, n, a, na, sizeof(na), NULL, NULL) &&
	       name_walk(p, n, b, nb, sizeof(nb), NULL, NULL) &&
	       !strcmp(na, nb);
}

/* Follows CNAMEs upwards from (off, hash) towards the question; returns
 * the offset of the name to report. */
static size_t chain_top(const uint8_t *p, size_t n, const struct rr_ref *rr,
			size_t nrr, size_t off, uint64_t hash, bool has_q,
			size_t qoff, uint64_t qhash)
{
	size_t steps, i;

	for (steps = 0; steps <= nrr; steps++) {
		if (has_q && same_name(p, n, off, hash, qoff, qhash))
			return qoff;
		for (i = 0; i < nrr; i++)
			if (rr[i].type == PW_DNS_T_CNAME &&
			    same_name(p, n, rr[i].rdata, rr[i].target_hash,
				      off, hash))
				break;
		if (i == nrr)
			break;
		off = rr[i].owner;
		hash = rr[i].owner_hash;
	}
	return off;
}

int pw_dns_parse_answers(const uint8_t *p, size_t n, struct pw_dns_addr *out,
			 size_t max)
{
	struct rr_ref rr[PW_DNS_MAX_RR];
	size_t off = PW_DNS_HDR_LEN, qoff = 0, nrr = 0, i, name_at;
	uint64_t qhash = 0;
	unsigned qd, an, k;
	bool has_q = false;
	int count = 0;

	if (n < PW_DNS_HDR_LEN || !(p[2] & 0x80))
		return -1;
	qd = pw_get_be16(p + 4);
	an = pw_get_be16(p + 6);
	for (k = 0; k < qd; k++) {
		size_t next;
		uint64_t h;

		if (k >= 8 || !name_walk(p, n, off, NULL, 0, &next, &h) ||
		    n - next < 4)
			return -1;
		if (!has_q) {
			has_q = true;
			qoff = off;
			qhash = h;
		}
		off = next + 4;
	}
	for (k = 0; k < an && nrr < PW_DNS_MAX_RR; k++) {
		struct rr_ref *r = &rr[nrr];
		uint16_t type, rdlen;
		size_t next;

		if (!name_walk(p, n, off, NULL, 0, &next, &r->owner_hash) ||
		    n - next < 10)
			break;
		type = pw_get_be16(p + next);
		rdlen = pw_get_be16(p + next + 8);
		if (n - next - 10 < rdlen)
			break;
		r->owner = off;
		r->rdata = next + 10;
		r->ttl = pw_get_be32(p + next + 4);
		r->type = type;
		off = next + 10 + rdlen;
		if ((pw_get_be16(p + next + 2) & 0x7fff) != 1)
			continue;	/* not class IN */
		if (type == PW_DNS_T_CNAME) {
			if (!name_walk(p, n, r->rdata, NULL, 0, NULL,
				       &r->target_hash))
				continue;
		} else if (!(type == PW_DNS_T_A && rdlen == 4) &&
			   !(type == PW_DNS_T_AAAA && rdlen == 16)) {
			continue;
		}
		nrr++;
	}
	for (i = 0; i < nrr && (size_t)count < max; i++) {
		struct pw_dns_addr *a = &out[count];

		if (rr[i].type == PW_DNS_T_CNAME)
			continue;
		name_at = chain_top(p, n, rr, nrr, rr[i].owner,
				    rr[i].owner_hash, has_q, qoff, qhash);
		if (!name_walk(p, n, name_at, a->name, sizeof(a->name), NULL,
			       NULL))
			continue;
		a->family = rr[i].type == PW_DNS_T_A ? 4 : 6;
		memset(a->addr, 0, sizeof(a->addr));
		memcpy(a->addr, p + rr[i].rdata, a->family == 4 ? 4 : 16);
		a->ttl = rr[i].ttl;
		count++;
	}
	return count;
}
