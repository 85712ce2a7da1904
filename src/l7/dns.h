/* DNS messages (RFC 1035): name decoding with compression, and the
 * answers of a response as (name, address) pairs so that a later
 * connection to an answered address can be labelled with the name.
 *
 * Message layout: a 12-byte header (id, flags, qdcount, ancount, nscount,
 * arcount, all big-endian 16-bit), then qdcount questions (name, type,
 * class) and the answer, authority and additional records (name, type,
 * class, 32-bit TTL, 16-bit rdlength, rdata). A name is a sequence of
 * labels (length byte 1..63 and bytes) ended by a zero byte or by a
 * compression pointer (two bytes, top bits 11, 14-bit message offset). */
#ifndef PW_L7_DNS_H
#define PW_L7_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l7/l7.h"

#define PW_DNS_HDR_LEN 12
#define PW_DNS_NAME_MAX PW_L7_HOST_MAX	/* 253 characters + NUL fit */

/* At most this many answer records are examined per message. */
#define PW_DNS_MAX_RR 64

enum pw_dns_type {
	PW_DNS_T_A = 1,
	PW_DNS_T_NS = 2,
	PW_DNS_T_CNAME = 5,
	PW_DNS_T_SOA = 6,
	PW_DNS_T_PTR = 12,
	PW_DNS_T_MX = 15,
	PW_DNS_T_TXT = 16,
	PW_DNS_T_AAAA = 28,
	PW_DNS_T_SRV = 33,
	PW_DNS_T_OPT = 41,
	PW_DNS_T_SVCB = 64,
	PW_DNS_T_HTTPS = 65,
	PW_DNS_T_ANY = 255,
};

/* Decodes the name at msg[off] into out (lowercase, labels joined by
 * '.', "" for the root; bytes outside printable ASCII become '?').
 * Compression pointers are followed only backwards, each to before where
 * the previous jump landed, so a pointer loop cannot run forever; at most
 * 255 wire bytes of labels are accepted. *next (may be NULL) receives the
 * offset just after the name where it started (after the first pointer).
 * Returns false on a malformed or truncated name (out is then ""). */
bool pw_dns_name_decode(const uint8_t *msg, size_t n, size_t off,
			char *out, size_t outsz, size_t *next);

/* Type name for display ("A", "AAAA", "HTTPS", else "TYPE<n>"). */
const char *pw_dns_type_name(uint16_t type, char *buf, size_t size);

/* One address from a response. */
struct pw_dns_addr {
	char name[PW_DNS_NAME_MAX]; /* the question name the CNAME chain
				       leads back to; the owner name (or the
				       top of its chain) when no question */
	uint8_t family;		/* 4 or 6 */
	uint8_t addr[16];	/* 4 or 16 bytes used, network order */
	uint32_t ttl;
};

/* Collects the A and AAAA records of the answer section of a response
 * (class IN, mDNS cache-flush bit allowed), each with the name that was
 * asked: a CNAME chain www.example.com -> cdn.example.net -> 192.0.2.1
 * yields ("www.example.com", 192.0.2.1). Chains are followed at most
 * PW_DNS_MAX_RR steps, so CNAME loops end. Records after a truncated one
 * are ignored. Returns the number of pairs stored in out (at most max),
 * or -1 when p is not a DNS response. */
int pw_dns_parse_answers(const uint8_t *p, size_t n, struct pw_dns_addr *out,
			 size_t max);

#endif
