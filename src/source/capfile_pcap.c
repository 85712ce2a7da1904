/* Classic pcap files.
 *
 * File header (24 bytes, in the writer's byte order, which the magic
 * reveals):
 *   magic u32 (a1b2c3d4: microseconds, a1b23c4d: nanoseconds)
 *   version_major u16 (2), version_minor u16 (4)
 *   thiszone i32, sigfigs u32 (both unused, 0 in practice)
 *   snaplen u32
 *   network u32: link type in the low 16 bits; bits 28-31 may carry an
 *     FCS length, which we do not need
 * Record header (16 bytes), then caplen bytes of packet:
 *   ts_sec u32, ts_frac u32 (us or ns), caplen u32, wirelen u32 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "source/capfile_priv.h"

#define PCAP_FILE_HDR 24
#define PCAP_REC_HDR 16

int capfile_pcap_open(struct pw_capfile *cf, struct pw_error *err)
{
	struct capfile_iface *ifc;
	const uint8_t *p;
	uint32_t magic;
	uint16_t major;

	if (capfile_fill(cf, PCAP_FILE_HDR) < PCAP_FILE_HDR)
		return capfile_short_read(cf, "pcap file header", 0,
					  PCAP_FILE_HDR, err);
	p = cf->data + cf->pos;
	magic = pw_get_be32(p);
	cf->big_endian = magic == 0xa1b2c3d4u || magic == 0xa1b23c4du;
	cf->pcap_frac_mult = (magic == 0xa1b2c3d4u || magic == 0xd4c3b2a1u)
			     ? 1000 : 1;
	major = capfile_get16(cf, p + 4);
	if (major != 2)
		return pw_error_at(err, -EINVAL, 4,
				   "%s: pcap version %u.%u is not supported "
				   "(only 2.x)", cf->name, major,
				   capfile_get16(cf, p + 6));
	ifc = capfile_add_iface(cf, err);
	if (!ifc)
		return -1;
	ifc->pub.snaplen = capfile_get32(cf, p + 16);
	ifc->pub.linktype = (uint16_t)capfile_get32(cf, p + 20);
	capfile_iface_set_tsresol(ifc, cf->pcap_frac_mult == 1 ? 9 : 6);
	cf->pos += PCAP_FILE_HDR;
	return 0;
}

int capfile_pcap_next(struct pw_capfile *cf, struct pw_packet *pkt,
		      struct pw_error *err)
{
	size_t avail = capfile_avail(cf);
	uint64_t off = capfile_off(cf);
	const uint8_t *p;
	uint32_t caplen;
	size_t rec_len;

	if (avail < PCAP_REC_HDR) {
		avail = capfile_fill(cf, PCAP_REC_HDR);
		if (avail == 0 && !cf->read_errno)
			return 0;
		if (avail < PCAP_REC_HDR)
			return capfile_short_read(cf, "pcap record header",
						  off, PCAP_REC_HDR, err);
	}
	p = cf->data + cf->pos;
	caplen = capfile_get32(cf, p + 8);
	if (caplen > CAPFILE_MAX_RECORD)
		return pw_error_at(err, -EINVAL, off,
				   "pcap record at byte offset %" PRIu64
				   ": captured length %" PRIu32 " is larger "
				   "than the %u MiB limit", off, caplen,
				   CAPFILE_MAX_RECORD >> 20);
	rec_len = PCAP_REC_HDR + (size_t)caplen;
	if (avail < rec_len) {
		if (capfile_fill(cf, rec_len) < rec_len)
			return capfile_short_read(cf, "pcap record", off,
						  rec_len, err);
		p = cf->data + cf->pos;
	}
	memset(pkt, 0, sizeof(*pkt));
	pkt->ts_ns = (uint64_t)capfile_get32(cf, p) * 1000000000u +
		     (uint64_t)capfile_get32(cf, p + 4) * cf->pcap_frac_mult;
	pkt->caplen = caplen;
	pkt->wirelen = capfile_get32(cf, p + 12);
	pkt->data = p + PCAP_REC_HDR;
	pkt->linktype = cf->ifaces[0].pub.linktype;
	pkt->number = ++cf->number;
	pkt->offset = off;
	cf->pos += rec_len;
	return 1;
}
