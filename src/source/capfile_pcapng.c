/* pcapng files (draft-ietf-opsawg-pcapng).
 *
 * A file is a list of blocks, each:
 *   block type u32, block total length u32 (multiple of 4, >= 12),
 *   body, block total length u32 again.
 * Integers are in the byte order of the section, set by the Section Header
 * Block's byte-order magic 0x1a2b3c4d; a file may hold several sections,
 * each with its own byte order and its own interfaces (numbered from 0 in
 * the section; we number them across the file for pw_packet.ifindex).
 *
 * Bodies read here:
 *   SHB 0x0a0d0d0a: magic u32, major u16 (1), minor u16, section length
 *     i64 (-1: unknown), options
 *   IDB 1: link type u16, reserved u16, snaplen u32, options
 *   EPB 6: interface id u32, timestamp high u32, low u32, caplen u32,
 *     original length u32, data padded to 4, options
 *   SPB 3: original length u32, data (interface 0, no timestamp)
 *   PB 2 (obsolete): interface id u16, drops u16, timestamp high, low,
 *     caplen, original length, data padded to 4, options
 * Other blocks are skipped by their length.
 *
 * Options: code u16, length u16, value padded to 4; code 0 ends them. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "source/capfile_priv.h"

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 1u
#define BT_PB 2u
#define BT_SPB 3u
#define BT_EPB 6u

#define BOM 0x1a2b3c4du

#define OPT_END 0
#define OPT_COMMENT 1
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14
#define OPT_EPB_FLAGS 2		/* also pack_flags of the obsolete PB */
#define OPT_EPB_PID_TID 8	/* epb_processid_threadid */

#define BLOCK_MIN 12
#define SHB_MIN (BLOCK_MIN + 16)
#define IDB_MIN (BLOCK_MIN + 8)
#define EPB_MIN (BLOCK_MIN + 20)
#define SPB_MIN (BLOCK_MIN + 4)
#define PB_MIN (BLOCK_MIN + 20)

/* One block being parsed: where it is and what it holds. */
struct block {
	const uint8_t *p;	/* block start (type field) */
	uint32_t type;
	uint32_t len;
	uint64_t off;		/* file offset of p */
};

__attribute__((format(printf, 3, 4)))
static int block_error(const struct block *b, struct pw_error *err,
		       const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	pw_error_at(err, -EINVAL, b->off, "pcapng block at byte offset %"
		    PRIu64 ": %s", b->off, what);
	return -1;
}

static inline uint32_t pad4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

/* Options between start and the block trailer. */
struct opt_iter {
	const uint8_t *p;
	const uint8_t *end;
};

struct opt {
	uint16_t code;
	uint16_t len;
	const uint8_t *val;
};

/* Returns 1 with *o filled, 0 after the last option, -1 on damage. */
static int opt_next(const struct pw_capfile *cf, const struct block *b,
		    struct opt_iter *it, struct opt *o, struct pw_error *err)
{
	size_t left = (size_t)(it->end - it->p);

	if (left == 0)
		return 0;	/* opt_endofopt may be left out */
	if (left < 4)
		return block_error(b, err, "options end inside an option "
				   "header");
	o->code = capfile_get16(cf, it->p);
	o->len = capfile_get16(cf, it->p + 2);
	o->val = it->p + 4;
	if (o->code == OPT_END)
		return 0;
	if (pad4(o->len) > left - 4)
		return block_error(b, err, "option %u of length %u runs past "
				   "the end of the block (%zu bytes left)",
				   o->code, o->len, left - 4);
	it->p += 4 + pad4(o->len);
	return 1;
}

static void opt_iter_init(struct opt_iter *it, const struct block *b,
			  size_t start)
{
	it->p = b->p + start;
	it->end = b->p + b->len - 4;
}

/* Reads the 8-byte block header and makes the whole block available.
 * Returns 1, 0 at a clean end of file (between blocks), -1 on damage. */
static int block_read(struct pw_capfile *cf, struct block *b,
		      struct pw_error *err)
{
	size_t avail = capfile_avail(cf);

	b->off = capfile_off(cf);
	if (avail < BLOCK_MIN) {
		avail = capfile_fill(cf, BLOCK_MIN);
		if (avail == 0 && !cf->read_errno)
			return 0;
		if (avail < 8)
			return capfile_short_read(cf, "pcapng block header",
						  b->off, 8, err);
	}
	b->p = cf->data + cf->pos;
	b->type = capfile_get32(cf, b->p);
	if (b->type == BT_SHB) {
		uint32_t bom;

		/* The new section's byte order governs its length field. */
		if (avail < BLOCK_MIN)
			return capfile_short_read(cf, "pcapng section header",
						  b->off, SHB_MIN, err);
		bom = pw_get_be32(b->p + 8);
		if (bom == BOM)
			cf->big_endian = true;
		else if (bom == 0x4d3c2b1au)
			cf->big_endian = false;
		else
			return block_error(b, err, "section header byte-order "
					   "magic is %08" PRIx32 ", not "
					   "1a2b3c4d", bom);
	}
	b->len = capfile_get32(cf, b->p + 4);
	if (b->len < BLOCK_MIN)
		return block_error(b, err, "block length %" PRIu32 " is less "
				   "than the minimum of 12", b->len);
	if (b->len % 4)
		return block_error(b, err, "block length %" PRIu32 " is not "
				   "a multiple of 4", b->len);
	if (b->len > CAPFILE_MAX_RECORD)
		return block_error(b, err, "block length %" PRIu32 " is "
				   "larger than the %u MiB limit", b->len,
				   CAPFILE_MAX_RECORD >> 20);
	if (avail < b->len) {
		if (capfile_fill(cf, b->len) < b->len)
			return capfile_short_read(cf, "pcapng block", b->off,
						  b->len, err);
		b->p = cf->data + cf->pos;
	}
	if (capfile_get32(cf, b->p + b->len - 4) != b->len)
		return block_error(b, err, "trailing block length %" PRIu32
				   " differs from the leading %" PRIu32,
				   capfile_get32(cf, b->p + b->len - 4),
				   b->len);
	return 1;
}

static int shb_parse(struct pw_capfile *cf, const struct block *b,
		     struct pw_error *err)
{
	uint16_t major, minor;

	if (b->len < SHB_MIN)
		return block_error(b, err, "section header length %" PRIu32
				   " is less than the minimum of %u", b->len,
				   SHB_MIN);
	major = capfile_get16(cf, b->p + 12);
	minor = capfile_get16(cf, b->p + 14);
	if (major != 1)
		return block_error(b, err, "pcapng version %u.%u is not "
				   "supported (only 1.x)", major, minor);
	/* The section length may be -1 (unknown); blocks are read in
	 * order, so it is not needed. Options are informational. */
	cf->section_first = cf->n_ifaces;
	return 0;
}

static int idb_parse(struct pw_capfile *cf, const struct block *b,
		     struct pw_error *err)
{
	struct capfile_iface *ifc;
	struct opt_iter it;
	struct opt o;
	int r;

	if (b->len < IDB_MIN)
		return block_error(b, err, "interface description length %"
				   PRIu32 " is less than the minimum of %u",
				   b->len, IDB_MIN);
	ifc = capfile_add_iface(cf, err);
	if (!ifc)
		return -1;
	ifc->pub.linktype = capfile_get16(cf, b->p + 8);
	ifc->pub.snaplen = capfile_get32(cf, b->p + 12);
	opt_iter_init(&it, b, IDB_MIN - 4);
	while ((r = opt_next(cf, b, &it, &o, err)) > 0) {
		switch (o.code) {
		case OPT_IF_NAME: {
			size_t n = PW_MIN((size_t)o.len,
					  sizeof(ifc->pub.name) - 1);
			const uint8_t *nul = memchr(o.val, 0, n);

			if (nul)
				n = (size_t)(nul - o.val);
			memcpy(ifc->pub.name, o.val, n);
			ifc->pub.name[n] = '\0';
			break;
		}
		case OPT_IF_TSRESOL:
			if (o.len != 1)
				return block_error(b, err, "if_tsresol option "
						   "has length %u, not 1",
						   o.len);
			if (!capfile_iface_set_tsresol(ifc, o.val[0]))
				return block_error(b, err, "time resolution "
						   "%s^-%u (if_tsresol %u) "
						   "does not fit in 64 bits",
						   o.val[0] & 0x80 ? "2" : "10",
						   o.val[0] & 0x7f, o.val[0]);
			break;
		case OPT_IF_TSOFFSET:
			if (o.len != 8)
				return block_error(b, err, "if_tsoffset option "
						   "has length %u, not 8",
						   o.len);
			ifc->pub.ts_offset_sec =
				(int64_t)capfile_get64(cf, o.val);
			break;
		}
	}
	return r;
}

/* Our writer's comment starts "pid=N tid=N comm=NAME [method=M] exe=...";
 * recover the command name from it so that comm survives a write/read
 * round trip. */
static void owner_comm_from_comment(struct pw_packet_owner *owner,
				    const char *comment)
{
	const char *s, *e;
	size_t n;

	if (strncmp(comment, "pid=", 4) != 0)
		return;
	s = strstr(comment, " comm=");
	if (!s)
		return;
	s += 6;
	e = s + strcspn(s, "\n");
	n = (size_t)(e - s);
	for (const char *k = s; k < e; k++) {
		if (!strncmp(k, " method=", 8) || !strncmp(k, " exe=", 5) ||
		    !strncmp(k, " cmd=", 5)) {
			n = (size_t)(k - s);
			break;
		}
	}
	n = PW_MIN(n, sizeof(owner->comm) - 1);
	memcpy(owner->comm, s, n);
	owner->comm[n] = '\0';
}

/* Options of EPB and PB: comments, direction, owner. */
static int packet_opts(struct pw_capfile *cf, const struct block *b,
		       size_t start, struct pw_packet *pkt,
		       struct pw_error *err)
{
	struct opt_iter it;
	struct opt o;
	int r;

	if (cf->comment)
		cf->comment[0] = '\0';
	opt_iter_init(&it, b, start);
	while ((r = opt_next(cf, b, &it, &o, err)) > 0) {
		switch (o.code) {
		case OPT_COMMENT:
			if (!capfile_add_comment(cf, o.val, o.len))
				return pw_error_set(err, -ENOMEM,
						    "out of memory");
			break;
		case OPT_EPB_FLAGS:
			if (o.len != 4)
				return block_error(b, err, "flags option has "
						   "length %u, not 4", o.len);
			/* Bits 0-1: 01 inbound, 10 outbound. */
			pkt->dir = capfile_get32(cf, o.val) & 3;
			if (pkt->dir == 3)
				pkt->dir = PW_DIR_UNKNOWN;
			break;
		case OPT_EPB_PID_TID:
			if (b->type != BT_EPB)
				break;
			if (o.len != 8)
				return block_error(b, err,
						   "epb_processid_threadid "
						   "option has length %u, "
						   "not 8", o.len);
			pkt->has_owner = 1;
			pkt->owner.pid = capfile_get32(cf, o.val);
			pkt->owner.tid = capfile_get32(cf, o.val + 4);
			pkt->owner.method = PW_OWNER_FILE;
			break;
		}
	}
	if (r < 0)
		return -1;
	if (cf->comment && cf->comment[0]) {
		pkt->comment = cf->comment;
		if (pkt->has_owner)
			owner_comm_from_comment(&pkt->owner, cf->comment);
	}
	return 0;
}

static int check_iface(struct pw_capfile *cf, const struct block *b,
		       uint32_t id, struct pw_error *err)
{
	unsigned declared = cf->n_ifaces - cf->section_first;

	if (id >= declared)
		return block_error(b, err, "interface id %" PRIu32 " is not "
				   "declared (the section has %u interface%s)",
				   id, declared, declared == 1 ? "" : "s");
	return 0;
}

static void packet_start(struct pw_capfile *cf, const struct block *b,
			 uint32_t id, struct pw_packet *pkt)
{
	const struct capfile_iface *ifc = &cf->ifaces[cf->section_first + id];

	memset(pkt, 0, sizeof(*pkt));
	pkt->ifindex = cf->section_first + id;
	pkt->linktype = ifc->pub.linktype;
	pkt->offset = b->off;
}

/* EPB and the obsolete PB share a layout after the interface id. */
static int epb_parse(struct pw_capfile *cf, const struct block *b,
		     struct pw_packet *pkt, struct pw_error *err)
{
	const uint8_t *body = b->p + 8;
	uint32_t id, caplen, room = b->len - EPB_MIN;
	uint64_t ts;

	if (b->len < EPB_MIN)
		return block_error(b, err, "%s length %" PRIu32 " is less "
				   "than the minimum of %u",
				   b->type == BT_EPB ? "enhanced packet block"
						     : "packet block",
				   b->len, EPB_MIN);
	if (b->type == BT_EPB)
		id = capfile_get32(cf, body);
	else
		id = capfile_get16(cf, body);
	if (check_iface(cf, b, id, err) < 0)
		return -1;
	caplen = capfile_get32(cf, body + 12);
	if (caplen > room)
		return block_error(b, err, "captured length %" PRIu32 " runs "
				   "past the end of the block (room for %"
				   PRIu32 ")", caplen, room);
	packet_start(cf, b, id, pkt);
	ts = (uint64_t)capfile_get32(cf, body + 4) << 32 |
	     capfile_get32(cf, body + 8);
	pkt->ts_ns = capfile_ts_ns(&cf->ifaces[pkt->ifindex], ts);
	pkt->caplen = caplen;
	pkt->wirelen = capfile_get32(cf, body + 16);
	pkt->data = body + 20;
	return packet_opts(cf, b, EPB_MIN - 4 + pad4(caplen), pkt, err);
}

static int spb_parse(struct pw_capfile *cf, const struct block *b,
		     struct pw_packet *pkt, struct pw_error *err)
{
	const struct capfile_iface *ifc;
	uint32_t caplen;

	if (b->len < SPB_MIN)
		return block_error(b, err, "simple packet block length %"
				   PRIu32 " is less than the minimum of %u",
				   b->len, SPB_MIN);
	if (check_iface(cf, b, 0, err) < 0)
		return -1;
	ifc = &cf->ifaces[cf->section_first];
	packet_start(cf, b, 0, pkt);
	/* The block has no captured length: the packet is cut at the
	 * snapshot length, and the data fills the block up to padding. */
	pkt->wirelen = capfile_get32(cf, b->p + 8);
	caplen = PW_MIN(pkt->wirelen, b->len - SPB_MIN);
	if (ifc->pub.snaplen)
		caplen = PW_MIN(caplen, ifc->pub.snaplen);
	pkt->caplen = caplen;
	pkt->data = b->p + 12;
	return 0;
}

int capfile_pcapng_open(struct pw_capfile *cf, struct pw_error *err)
{
	struct block b;
	int r = block_read(cf, &b, err);

	if (r <= 0)
		return r < 0 ? -1 : capfile_short_read(cf, "pcapng section "
						       "header", 0, SHB_MIN,
						       err);
	if (shb_parse(cf, &b, err) < 0)
		return -1;
	cf->pos += b.len;
	return 0;
}

int capfile_pcapng_next(struct pw_capfile *cf, struct pw_packet *pkt,
			struct pw_error *err)
{
	struct block b;
	int r;

	for (;;) {
		r = block_read(cf, &b, err);
		if (r <= 0)
			return r;
		switch (b.type) {
		case BT_EPB:
		case BT_PB:
			r = epb_parse(cf, &b, pkt, err) < 0 ? -1 : 1;
			break;
		case BT_SPB:
			r = spb_parse(cf, &b, pkt, err) < 0 ? -1 : 1;
			break;
		case BT_IDB:
			r = idb_parse(cf, &b, err);
			break;
		case BT_SHB:
			r = shb_parse(cf, &b, err);
			break;
		default:
			r = 0;	/* statistics, names, custom: not needed */
			break;
		}
		if (r < 0)
			return -1;
		cf->pos += b.len;
		if (r == 1) {
			pkt->number = ++cf->number;
			return 1;
		}
	}
}
