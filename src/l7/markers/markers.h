/* Position markers: named places in a known payload, as nfqws2 (zapret2)
 * users write them in split positions ("pos=1,midsld", "host+1",
 * "sniext+1", "-10").
 *
 * A marker is a name with an optional signed offset, or a bare number:
 *
 *   N, +N      absolute position N (0-based byte offset)
 *   -N         N bytes before the end: -1 is the last byte
 *   abs+N/-N   the same written with a name
 *   method     start of the HTTP method
 *   host       first byte of the hostname (HTTP Host value, TLS SNI)
 *   endhost    the byte just after the hostname
 *   sld        first byte of the second-level label ("example" in
 *              "www.example.com"), endsld just after it
 *   midsld     sld + len/2 (sld + 1 for a 1-byte label)
 *   sniext     first byte of the server_name extension data (its list
 *              length), in a TLS ClientHello
 *   extlen     the 2-byte extensions length field of a TLS ClientHello
 *
 * Semantics follow nfqws2's ResolvePos exactly (checked against its
 * documented behaviour and source):
 *   - a resolved position must lie inside the payload, 0 <= pos < len;
 *     anything else (including endhost at the very end) is "none";
 *   - names resolve only in their payload type: method and the host
 *     family in http_req; the host family, sniext and extlen in
 *     tls_client_hello; in any other payload only absolute markers
 *     resolve;
 *   - HTTP host is found at the first "\nHost:" (case-insensitive), one
 *     space or tab after the colon is skipped, and endhost is the end of
 *     the line (so a ":port" is part of the host span, as in nfqws2);
 *   - HTTP method: up to two leading CR/LF are skipped, then 3..9
 *     upper-case letters and a space; payloads shorter than 12 bytes have
 *     no method;
 *   - TLS positions are looked for in the first record only, and a
 *     partial ClientHello (first segment) works as long as the wanted
 *     extension is whole in it;
 *   - sld is the label before the last dot; a name without a dot has no
 *     sld (so no midsld either);
 *   - offsets are 16-bit signed, like nfqws2's;
 *   - a list resolves to the sorted, de-duplicated positions of the
 *     markers that resolve; the rest are left out.
 * Parsing is stricter than nfqws2's atoi(): "host+1x" is rejected rather
 * than read as host+1. */
#ifndef PW_L7_MARKERS_MARKERS_H
#define PW_L7_MARKERS_MARKERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l7/l7.h"

#define PW_POS_NONE (-1L)	/* a marker that does not resolve */
#define PW_MARKERS_MAX 32	/* markers in one list */

enum pw_marker_kind {
	PW_MARKER_ABS = 0,
	PW_MARKER_HOST,
	PW_MARKER_ENDHOST,
	PW_MARKER_SLD,
	PW_MARKER_MIDSLD,
	PW_MARKER_ENDSLD,
	PW_MARKER_METHOD,
	PW_MARKER_EXTLEN,
	PW_MARKER_SNIEXT,
	PW_MARKER__COUNT
};

struct pw_marker {
	enum pw_marker_kind kind;
	int16_t offset;		/* for ABS: the position (negative: from end) */
};

const char *pw_marker_name(enum pw_marker_kind kind);

/* Parses one marker ("midsld-2", "-1", "sniext"). */
bool pw_marker_parse(const char *s, struct pw_marker *m);
/* Parses a comma-separated list; returns the count, or -1 on a bad
 * marker, an empty element or more than max markers. "" gives 0. */
int pw_marker_list_parse(const char *s, struct pw_marker *m, int max);
/* Writes the marker back as text ("host+1", "-10"). */
char *pw_marker_format(const struct pw_marker *m, char *buf, size_t size);

/* The named places of one payload, found once and reused for a list.
 * Each is a byte offset or PW_POS_NONE. */
struct pw_marker_anchors {
	size_t len;		/* payload length */
	long method;
	long host, endhost;
	long sld, endsld, midsld;
	long sniext, extlen;
};

void pw_marker_anchors_find(const uint8_t *p, size_t n,
			    enum pw_l7_payload type,
			    struct pw_marker_anchors *a);

/* Resolves against found anchors: a position in [0, len) or
 * PW_POS_NONE. */
long pw_marker_resolve_at(const struct pw_marker_anchors *a,
			  const struct pw_marker *m);

/* One-shot helpers. */
long pw_marker_resolve(const uint8_t *p, size_t n, enum pw_l7_payload type,
		       const struct pw_marker *m);
/* Sorted, unique positions of the markers that resolve; returns how many
 * were written to pos (at most count). */
int pw_marker_resolve_list(const uint8_t *p, size_t n,
			   enum pw_l7_payload type, const struct pw_marker *m,
			   int count, long *pos);

#endif
