/* pw-roundtrip FILE: checks, for every IP packet of a capture, that
 * dissect -> edit -> rebuild gives back the original bytes. Checksums and
 * lengths are kept as stored, so the check holds for any packet whose
 * headers were captured whole, right or wrong; packets with correct
 * checksums are rebuilt a second time with checksums recomputed and must
 * again match.
 *
 * Prints "checked N identical N recomputed N skipped N mismatched N" and
 * the first mismatches; exit status 0 only when nothing mismatched. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "pkt/dissect.h"
#include "pkt/link.h"
#include "pkt/rebuild.h"
#include "source/capfile.h"

static uint8_t out[70000];

static int compare(const struct pw_dissect *d, int len, uint64_t number,
		   const char *how, uint64_t *shown)
{
	uint32_t want = d->ip_len < d->caplen ? d->ip_len : d->caplen;

	if (len == (int)want && !memcmp(out, d->l3, want))
		return 1;
	if ((*shown)++ < 10)
		fprintf(stderr, "packet %" PRIu64 ": %s rebuild differs "
			"(length %d, want %u)\n", number, how, len, want);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t checked = 0, same = 0, recomputed = 0, skipped = 0, bad = 0;
	uint64_t shown = 0;
	static struct pw_pkt_edit edit;
	struct pw_capfile *cf;
	struct pw_packet pkt;
	struct pw_dissect d;
	struct pw_error err;
	struct pw_link link;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: pw-roundtrip FILE\n");
		return 2;
	}
	cf = pw_capfile_open(argv[1], &err);
	if (!cf) {
		fprintf(stderr, "pw-roundtrip: %s\n", err.msg);
		return 1;
	}
	while ((r = pw_capfile_next(cf, &pkt, &err)) > 0) {
		if (!pw_link_parse(pkt.linktype, pkt.data, pkt.caplen, &link) ||
		    (link.ethertype != 0x0800 && link.ethertype != 0x86dd) ||
		    !pw_dissect_ip(pkt.data + link.l3_off,
				   pkt.caplen - link.l3_off,
				   pkt.wirelen - link.l3_off, &d) ||
		    (d.malformed & PW_MAL_SNAPPED) ||
		    pw_edit_from_dissect(&edit, &d) < 0) {
			skipped++;
			continue;
		}
		checked++;
		edit.ip_csum = PW_CSUM_KEEP;
		edit.l4_csum = PW_CSUM_KEEP;
		edit.keep_lengths = true;
		r = pw_rebuild(&edit, out, sizeof(out));
		if (!compare(&d, r, pkt.number, "kept", &shown)) {
			bad++;
			continue;
		}
		same++;
		pw_dissect_verify_checksums(&d);
		if (d.malformed & (PW_MAL_BAD_IP_CSUM | PW_MAL_BAD_L4_CSUM))
			continue;
		edit.ip_csum = PW_CSUM_RECOMPUTE;
		edit.l4_csum = PW_CSUM_RECOMPUTE;
		edit.keep_lengths = false;
		r = pw_rebuild(&edit, out, sizeof(out));
		if (compare(&d, r, pkt.number, "recomputed", &shown))
			recomputed++;
		else
			bad++;
	}
	if (r < 0)
		fprintf(stderr, "pw-roundtrip: %s\n", err.msg);
	pw_capfile_close(cf);
	printf("checked %" PRIu64 " identical %" PRIu64 " recomputed %" PRIu64
	       " skipped %" PRIu64 " mismatched %" PRIu64 "\n",
	       checked, same, recomputed, skipped, bad);
	return bad || r < 0 ? 1 : 0;
}
