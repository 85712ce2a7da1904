/* Damaged input: files cut at every byte offset (through memory, a stdio
 * stream and a file descriptor), corrupt lengths and fields with their
 * exact messages and offsets, and files that are not captures at all. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builder.h"
#include "capcheck.h"
#include "source/capfile.h"
#include "tap.h"

static const uint8_t bytes9[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

enum via { VIA_MEM, VIA_STREAM, VIA_FD };

static const char *const via_names[] = { "memory", "stream", "file" };

static char tmp_path[] = "/tmp/pw-capfile-damage-XXXXXX";

static struct pw_capfile *open_via(enum via via, const uint8_t *buf,
				   size_t len, FILE **fpp,
				   struct pw_error *err)
{
	FILE *fp;
	int fd;

	*fpp = NULL;
	switch (via) {
	case VIA_MEM:
		return pw_capfile_open_mem(buf, len, err);
	case VIA_STREAM:
		/* fmemopen rejects size 0: an empty stream is /dev/null. */
		fp = len ? fmemopen((void *)buf, len, "r") :
			   fopen("/dev/null", "r");
		if (!fp)
			return NULL;
		*fpp = fp;
		return pw_capfile_open_stream(fp, "stream", err);
	case VIA_FD:
		fd = open(tmp_path, O_WRONLY | O_TRUNC);
		if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
			if (fd >= 0)
				close(fd);
			return NULL;
		}
		close(fd);
		return pw_capfile_open(tmp_path, err);
	}
	return NULL;
}

/* Record boundaries of a file: bounds[0] is where the first record
 * starts (after the file header or first SHB); a cut at a boundary is a
 * clean end, a cut inside record i delivers the packets before it and
 * then reports damage at bounds[i]. packet_at[i] tells whether record i
 * is a packet. */
struct layout {
	size_t bounds[16];
	bool packet_at[16];
	unsigned n;		/* records */
};

static void truncate_everywhere(const struct builder *bd,
				const struct layout *lay, const char *tag)
{
	unsigned bad[3] = { 0, 0, 0 };

	for (int v = VIA_MEM; v <= VIA_FD; v++) {
		for (size_t cut = 0; cut < bd->len; cut++) {
			struct pw_error err;
			struct pw_packet pkt;
			struct pw_capfile *cf;
			unsigned i, got = 0, want = 0;
			bool at_bound = false, ok;
			size_t dmg = 0;
			FILE *fp;
			int r = 0;

			pw_error_clear(&err);
			cf = open_via(v, bd->b, cut, &fp, &err);
			if (cut < lay->bounds[0]) {
				/* The header is cut: open fails. */
				ok = cf == NULL && err.msg[0];
				goto next;
			}
			if (!cf) {
				ok = false;
				goto next;
			}
			for (i = 0; i < lay->n; i++) {
				if (lay->bounds[i] == cut)
					at_bound = true;
				if (lay->bounds[i + 1] <= cut)
					want += lay->packet_at[i];
				else if (lay->bounds[i] < cut)
					dmg = lay->bounds[i];
			}
			while ((r = pw_capfile_next(cf, &pkt, &err)) == 1)
				got++;
			ok = got == want;
			if (at_bound)
				ok &= r == 0;
			else
				ok &= r == -1 && err.has_offset &&
				      err.offset == dmg &&
				      strstr(err.msg, "truncated") != NULL;
		next:
			if (!ok && bad[v]++ < 3)
				tap_diag("%s via %s cut at %zu: got %u of %u "
					 "packets, then %d (%s)", tag,
					 via_names[v], cut, got, want, r,
					 err.msg);
			pw_capfile_close(cf);
			if (fp)
				fclose(fp);
		}
		tap_ok(bad[v] == 0, "%s: cut at each of %zu offsets via %s: "
		       "packets before the cut, then a clean end or damage "
		       "at the cut record", tag, bd->len, via_names[v]);
	}
}

static void test_truncate_pcap(void)
{
	struct layout lay = { .n = 3 };
	struct builder bd;

	bld_init(&bd, false);
	bld_pcap_header(&bd, 0xa1b2c3d4, 65535, 1);
	lay.bounds[0] = bd.len;
	bld_pcap_record(&bd, 1, 2, bytes9, 9, 9);
	lay.bounds[1] = bd.len;
	bld_pcap_record(&bd, 3, 4, bytes9, 0, 0);
	lay.bounds[2] = bd.len;
	bld_pcap_record(&bd, 5, 6, bytes9, 3, 100);
	lay.bounds[3] = bd.len;
	lay.packet_at[0] = lay.packet_at[1] = lay.packet_at[2] = true;
	truncate_everywhere(&bd, &lay, "pcap");
	bld_free(&bd);
}

static void test_truncate_pcapng(bool be)
{
	struct layout lay = { .n = 6 };
	struct builder bd;
	size_t s;

	bld_init(&bd, be);
	bld_shb(&bd);
	lay.bounds[0] = bd.len;
	bld_idb(&bd, 1, 0, "eth0", 9, NULL);
	lay.bounds[1] = bd.len;
	bld_epb(&bd, 0, 1, bytes9, 9, 9, 1, "c");
	lay.bounds[2] = bd.len;
	s = bld_block_begin(&bd, 0x77);
	bld_u32(&bd, 0);
	bld_block_end(&bd, s);
	lay.bounds[3] = bd.len;
	bld_epb(&bd, 0, 2, bytes9, 2, 2, 0, NULL);
	lay.bounds[4] = bd.len;
	s = bld_block_begin(&bd, 3);
	bld_u32(&bd, 3);
	bld_bytes(&bd, bytes9, 3);
	bld_pad4(&bd);
	bld_block_end(&bd, s);
	lay.bounds[5] = bd.len;
	bld_shb(&bd);	/* a second section, no interfaces */
	lay.bounds[6] = bd.len;
	lay.packet_at[1] = lay.packet_at[3] = lay.packet_at[4] = true;
	truncate_everywhere(&bd, &lay, be ? "pcapng big-endian" :
			    "pcapng little-endian");
	bld_free(&bd);
}

/* Opens bd from memory, reads `good` packets, then expects the error. */
static void expect_damage(const struct builder *bd, unsigned good,
			  const char *msg, uint64_t offset, const char *tag)
{
	struct pw_packet pkt;
	struct pw_error err;
	struct pw_capfile *cf;
	unsigned got = 0;

	pw_error_clear(&err);
	cf = pw_capfile_open_mem(bd->b, bd->len, &err);
	if (!tap_ok(cf != NULL, "%s: opens", tag)) {
		tap_diag("%s", err.msg);
		return;
	}
	while (got < good && pw_capfile_next(cf, &pkt, &err) == 1)
		got++;
	tap_eq_u64(got, good, tag);
	check_error(cf, msg, offset, tag);
	pw_capfile_close(cf);
}

/* SHB + IDB (LE), then a block the caller appends. */
static size_t ng_start(struct builder *bd)
{
	bld_init(bd, false);
	bld_shb(bd);
	bld_idb(bd, 1, 0, NULL, 0xff, NULL);
	bld_epb(bd, 0, 1, bytes9, 4, 4, 0, NULL);	/* one good packet */
	return bd->len;
}

static void test_corrupt_pcapng(void)
{
	struct builder bd;
	size_t at, s;
	char msg[200];

	at = ng_start(&bd);
	bld_u32(&bd, 6);
	bld_u32(&bd, 30);
	bld_bytes(&bd, bytes9, 9);
	snprintf(msg, sizeof(msg), "pcapng block at byte offset %zu: block "
		 "length 30 is not a multiple of 4", at);
	expect_damage(&bd, 1, msg, at, "length not a multiple of 4");
	bld_free(&bd);

	at = ng_start(&bd);
	bld_u32(&bd, 6);
	bld_u32(&bd, 8);
	bld_u32(&bd, 8);
	snprintf(msg, sizeof(msg), "pcapng block at byte offset %zu: block "
		 "length 8 is less than the minimum of 12", at);
	expect_damage(&bd, 1, msg, at, "length below 12");
	bld_free(&bd);

	at = ng_start(&bd);
	bld_epb(&bd, 0, 1, bytes9, 4, 4, 0, NULL);
	bld_patch32(&bd, bd.len - 4, 32);
	snprintf(msg, sizeof(msg), "pcapng block at byte offset %zu: trailing "
		 "block length 32 differs from the leading 36", at);
	expect_damage(&bd, 1, msg, at, "trailing length differs");
	bld_free(&bd);

	at = ng_start(&bd);
	bld_epb(&bd, 0, 1, bytes9, 4, 4, 0, NULL);
	bld_patch32(&bd, at + 20, 9);	/* caplen 9 in a 4-byte slot */
	snprintf(msg, sizeof(msg), "pcapng block at byte offset %zu: captured "
		 "length 9 runs past the end of the block (room for 4)", at);
	expect_damage(&bd, 1, msg, at, "caplen past the block");
	bld_free(&bd);

	at = ng_start(&bd);
	bld_epb(&bd, 3, 1, bytes9, 4, 4, 0, NULL);
	snprintf(msg, sizeof(msg), "pcapng block at byte offset %zu: interface "
		 "id 3 is not declared (the section has 1 interface)", at);
	expect_damage(&bd, 1, msg, at, "undeclared interface");
	bld_free(&bd);

	/* A new section forgets the old one's interfaces. */
	at = ng_start(&bd);
	bld_shb(&bd);
	bld_epb(&bd, 0, 1, bytes9, 4, 4, 0, NULL);
	snprintf(msg, sizeof(msg), "pcapng block at byte offset %zu: interface "
		 "id 0 is not declared (the section has 0 interfaces)",
		 at + 28);
	expect_damage(&bd, 1, msg, at + 28, "interface of an earlier section");
	bld_free(&bd);

	at = ng_start(&bd);
	s = bld_block_begin(&bd, 3);	/* SPB too short for its header */
	bld_block_end(&bd, s);
	snprintf(msg, sizeof(msg), "pcapng block at byte offset %zu: simple "
		 "packet block length 12 is less than the minimum of 16", at);
	expect_damage(&bd, 1, msg, at, "short SPB");
	bld_free(&bd);

	at = ng_start(&bd);
	s = bld_block_begin(&bd, 6);
	bld_u32(&bd, 0);
	bld_block_end(&bd, s);
	snprintf(msg, sizeof(msg), "pcapng block at byte offset %zu: enhanced "
		 "packet block length 16 is less than the minimum of 32", at);
	expect_damage(&bd, 1, msg, at, "short EPB");
	bld_free(&bd);

	at = ng_start(&bd);
	s = bld_block_begin(&bd, 6);
	bld_u32(&bd, 0);
	bld_u32(&bd, 0);
	bld_u32(&bd, 0);
	bld_u32(&bd, 0);
	bld_u32(&bd, 0);
	bld_u16(&bd, 1);	/* comment of 40 bytes in 4 */
	bld_u16(&bd, 40);
	bld_u32(&bd, 0);
	bld_block_end(&bd, s);
	snprintf(msg, sizeof(msg), "pcapng block at byte offset %zu: option "
		 "1 of length 40 runs past the end of the block (4 bytes "
		 "left)", at);
	expect_damage(&bd, 1, msg, at, "option past the block");
	bld_free(&bd);

	at = ng_start(&bd);
	s = bld_block_begin(&bd, 6);
	bld_u32(&bd, 0);
	bld_u32(&bd, 0);
	bld_u32(&bd, 0);
	bld_u32(&bd, 0);
	bld_u32(&bd, 0);
	bld_opt(&bd, 2, bytes9, 2);
	bld_block_end(&bd, s);
	snprintf(msg, sizeof(msg), "pcapng block at byte offset %zu: flags "
		 "option has length 2, not 4", at);
	expect_damage(&bd, 1, msg, at, "flags of the wrong size");
	bld_free(&bd);

	at = ng_start(&bd);
	bld_idb(&bd, 1, 0, NULL, 20, NULL);
	snprintf(msg, sizeof(msg), "pcapng block at byte offset %zu: time "
		 "resolution 10^-20 (if_tsresol 20) does not fit in 64 bits",
		 at);
	expect_damage(&bd, 1, msg, at, "tsresol out of range");
	bld_free(&bd);

	at = ng_start(&bd);
	bld_u32(&bd, 6);
	bld_u32(&bd, 0x7ffffffc);
	bld_u32(&bd, 0);
	snprintf(msg, sizeof(msg), "pcapng block at byte offset %zu: block "
		 "length 2147483644 is larger than the 256 MiB limit", at);
	expect_damage(&bd, 1, msg, at, "huge block length");
	bld_free(&bd);

	at = ng_start(&bd);
	bld_u32(&bd, 0x0a0d0d0a);
	bld_u32(&bd, 28);
	bld_u32(&bd, 0x11223344);
	snprintf(msg, sizeof(msg), "pcapng block at byte offset %zu: section "
		 "header byte-order magic is 44332211, not 1a2b3c4d", at);
	expect_damage(&bd, 1, msg, at, "bad byte-order magic");
	bld_free(&bd);

	at = ng_start(&bd);
	s = bld_block_begin(&bd, 0x0a0d0d0a);
	bld_u32(&bd, 0x1a2b3c4d);
	bld_u16(&bd, 2);
	bld_u16(&bd, 0);
	bld_u64(&bd, 0);
	bld_block_end(&bd, s);
	snprintf(msg, sizeof(msg), "pcapng block at byte offset %zu: pcapng "
		 "version 2.0 is not supported (only 1.x)", at);
	expect_damage(&bd, 1, msg, at, "pcapng version 2");
	bld_free(&bd);

	at = ng_start(&bd);
	bld_epb(&bd, 0, 1, bytes9, 8, 8, 0, NULL);
	bd.len -= 6;
	snprintf(msg, sizeof(msg), "pcapng block at byte offset %zu: "
		 "truncated: needs 40 bytes but the file ends after 34 bytes",
		 at);
	expect_damage(&bd, 1, msg, at, "block cut short");
	bld_free(&bd);
}

static void test_corrupt_pcap(void)
{
	struct builder bd;

	bld_init(&bd, true);
	bld_pcap_header(&bd, 0xa1b2c3d4, 100, 1);
	bld_pcap_record(&bd, 1, 1, bytes9, 9, 9);
	bld_u32(&bd, 2);
	bld_u32(&bd, 0);
	bld_u32(&bd, 0x20000000);
	bld_u32(&bd, 0x20000000);
	expect_damage(&bd, 1, "pcap record at byte offset 49: captured "
		      "length 536870912 is larger than the 256 MiB limit", 49,
		      "pcap caplen over the limit");
	bld_free(&bd);

	bld_init(&bd, false);
	bld_pcap_header(&bd, 0xa1b23c4d, 100, 1);
	bld_pcap_record(&bd, 1, 1, bytes9, 9, 9);
	bld_pcap_record(&bd, 1, 1, bytes9, 9, 9);
	bd.len -= 1;
	expect_damage(&bd, 1, "pcap record at byte offset 49: truncated: "
		      "needs 25 bytes but the file ends after 24 bytes", 49,
		      "pcap record cut short");
	bd.len -= 20;
	expect_damage(&bd, 1, "pcap record header at byte offset 49: "
		      "truncated: needs 16 bytes but the file ends after 4 "
		      "bytes", 49, "pcap record header cut short");
	bld_free(&bd);
}

static void expect_open_error(const void *buf, size_t len, const char *msg,
			      const char *tag)
{
	struct pw_error err;
	struct pw_capfile *cf;

	pw_error_clear(&err);
	cf = pw_capfile_open_mem(buf, len, &err);
	tap_ok(cf == NULL, "%s: refused", tag);
	tap_eq_str(err.msg, msg, tag);
	pw_capfile_close(cf);
}

static void test_not_capture(void)
{
	static const uint8_t text[] = "hello world";
	static const uint8_t gz[] = { 0x1f, 0x8b, 0x08, 0x00, 0, 0 };
	static const uint8_t pcap_v1[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 1, 0 };
	struct pw_error err;
	struct pw_capfile *cf;

	expect_open_error(text, 0, "memory: empty file (0 bytes), not a "
			  "capture file", "empty file");
	expect_open_error(text, 3, "memory: only 3 bytes, too short to be a "
			  "capture file", "three bytes");
	expect_open_error(text, sizeof(text), "memory: not a pcap or pcapng "
			  "file (first bytes 68 65 6c 6c)", "text file");
	expect_open_error(gz, sizeof(gz), "memory: not a pcap or pcapng file "
			  "but gzip-compressed data (first bytes 1f 8b 08 00); "
			  "uncompress it first", "gzip file");
	expect_open_error(pcap_v1, 10, "pcap file header at byte offset 0: "
			  "truncated: needs 24 bytes but the file ends after "
			  "10 bytes", "pcap header cut");
	expect_open_error(pcap_v1, sizeof(pcap_v1), "memory: pcap version 1.0 "
			  "is not supported (only 2.x)", "pcap version 1");

	pw_error_clear(&err);
	cf = pw_capfile_open("/nonexistent/x.pcap", &err);
	tap_ok(cf == NULL, "missing file refused");
	tap_eq_str(err.msg, "cannot open /nonexistent/x.pcap: No such file "
		   "or directory", "missing file message");
	tap_eq_u64((uint64_t)-err.code, ENOENT, "missing file errno");
}

int main(void)
{
	int fd = mkstemp(tmp_path);

	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	test_truncate_pcap();
	test_truncate_pcapng(false);
	test_truncate_pcapng(true);
	test_corrupt_pcapng();
	test_corrupt_pcap();
	test_not_capture();
	unlink(tmp_path);
	return tap_done();
}
