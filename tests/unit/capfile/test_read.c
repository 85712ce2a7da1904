/* Capture file reader on files built here from fields: classic pcap in
 * both byte orders and resolutions, pcapng in both byte orders with EPB,
 * SPB, obsolete PB, unknown blocks, several sections and interfaces with
 * different link types, time resolutions and offsets; reading from a
 * pipe and records larger than the input buffer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builder.h"
#include "capcheck.h"
#include "source/capfile.h"
#include "tap.h"

static const uint8_t pkt_a[] = { 0xde, 0xad, 0xbe, 0xef, 0x01 };
static const uint8_t pkt_b[] = { 0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40,
				 0x00, 0x40, 0x11 };
static const uint8_t pkt_c[] = { 0xff };

static struct pw_capfile *open_mem(const struct builder *bd, const char *tag)
{
	struct pw_error err;
	struct pw_capfile *cf;

	pw_error_clear(&err);
	cf = pw_capfile_open_mem(bd->b, bd->len, &err);
	if (!tap_ok(cf != NULL, "%s: opens", tag))
		tap_diag("%s", err.msg);
	return cf;
}

static void test_pcap(bool be, bool ns)
{
	uint32_t magic = ns ? 0xa1b23c4d : 0xa1b2c3d4;
	uint32_t mult = ns ? 1 : 1000;
	const struct pw_capfile_iface *ifc;
	struct pw_capfile *cf;
	struct builder bd;
	char tag[64];

	snprintf(tag, sizeof(tag), "pcap %s %s", be ? "big-endian" :
		 "little-endian", ns ? "ns" : "us");
	bld_init(&bd, be);
	bld_pcap_header(&bd, magic, 65535, 1);
	bld_pcap_record(&bd, 1700000000, 123456, pkt_a, 5, 60);
	bld_pcap_record(&bd, 1700000001, 999999, pkt_b, 10, 10);
	bld_pcap_record(&bd, 0, 0, pkt_c, 0, 0);
	cf = open_mem(&bd, tag);
	if (!cf)
		goto out;
	tap_eq_u64(pw_capfile_format(cf), PW_CAPFILE_PCAP, "pcap: format");
	tap_eq_u64(pw_capfile_iface_count(cf), 1, "pcap: one interface");
	ifc = pw_capfile_iface(cf, 0);
	tap_eq_u64(ifc->snaplen, 65535, "pcap: snaplen");
	tap_eq_u64(ifc->linktype, 1, "pcap: link type");
	tap_eq_u64(ifc->ts_units_per_sec, ns ? 1000000000 : 1000000,
		   "pcap: resolution");
	check_next(cf, &(struct want_pkt){
		.number = 1, .ts_ns = 1700000000000000000ull + 123456 * mult,
		.caplen = 5, .wirelen = 60, .linktype = 1, .data = pkt_a,
		.offset = 24 }, tag);
	check_next(cf, &(struct want_pkt){
		.number = 2, .ts_ns = 1700000001000000000ull + 999999 * mult,
		.caplen = 10, .wirelen = 10, .linktype = 1, .data = pkt_b,
		.offset = 24 + 21 }, tag);
	check_next(cf, &(struct want_pkt){
		.number = 3, .ts_ns = 0, .caplen = 0, .wirelen = 0,
		.linktype = 1, .offset = 24 + 21 + 26 }, tag);
	check_eof(cf, tag);
	tap_eq_u64(pw_capfile_offset(cf), bd.len, "pcap: offset at the end");
	pw_capfile_close(cf);
out:
	bld_free(&bd);
}

/* One section holding every packet block kind and blocks to skip. */
static void test_pcapng_blocks(bool be)
{
	static const uint8_t junk[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	const struct pw_capfile_iface *ifc;
	struct pw_capfile *cf;
	struct builder bd;
	size_t s, off_epb, off_spb, off_pb, off_spb2;
	char tag[64];

	snprintf(tag, sizeof(tag), "pcapng %s",
		 be ? "big-endian" : "little-endian");
	bld_init(&bd, be);
	/* SHB with options (shb_userappl) and a section length of 0x200. */
	s = bld_block_begin(&bd, 0x0a0d0d0a);
	bld_u32(&bd, 0x1a2b3c4d);
	bld_u16(&bd, 1);
	bld_u16(&bd, 0);
	bld_u64(&bd, 0x200);
	bld_opt(&bd, 4, "builder", 7);
	bld_opt_end(&bd);
	bld_block_end(&bd, s);
	bld_idb(&bd, 1, 8, "en0", 6, NULL);
	/* Unknown block type and a custom block, skipped by length. */
	s = bld_block_begin(&bd, 0x12345678);
	bld_bytes(&bd, junk, sizeof(junk));
	bld_block_end(&bd, s);
	s = bld_block_begin(&bd, 0x00000bad);
	bld_u32(&bd, 32473);
	bld_bytes(&bd, junk, 4);
	bld_block_end(&bd, s);

	off_epb = bd.len;
	s = bld_block_begin(&bd, 6);
	bld_u32(&bd, 0);
	bld_u32(&bd, (uint32_t)(1700000000123456ull >> 32));
	bld_u32(&bd, (uint32_t)1700000000123456ull);
	bld_u32(&bd, 5);
	bld_u32(&bd, 5);
	bld_bytes(&bd, pkt_a, 5);
	bld_pad4(&bd);
	bld_opt_u32(&bd, 2, 1);		/* inbound */
	bld_opt(&bd, 1, "first", 5);
	bld_opt(&bd, 1, "second", 6);
	bld_u16(&bd, 8);
	bld_u16(&bd, 8);
	bld_u32(&bd, 4242);
	bld_u32(&bd, 4243);
	bld_opt_end(&bd);
	bld_block_end(&bd, s);

	/* Interface statistics and name resolution blocks: skipped. */
	s = bld_block_begin(&bd, 5);
	bld_u32(&bd, 0);
	bld_u32(&bd, 0);
	bld_u32(&bd, 0);
	bld_block_end(&bd, s);
	s = bld_block_begin(&bd, 4);
	bld_u32(&bd, 0);	/* nrb_record_end */
	bld_block_end(&bd, s);

	/* SPB: 10 bytes on the wire, snaplen 8 cuts it. */
	off_spb = bd.len;
	s = bld_block_begin(&bd, 3);
	bld_u32(&bd, 10);
	bld_bytes(&bd, pkt_b, 10);
	bld_pad4(&bd);
	bld_block_end(&bd, s);
	/* SPB whose data is shorter than the original length. */
	off_spb2 = bd.len;
	s = bld_block_begin(&bd, 3);
	bld_u32(&bd, 1000);
	bld_bytes(&bd, pkt_a, 4);
	bld_block_end(&bd, s);

	/* Obsolete Packet Block with pack_flags outbound and a comment. */
	off_pb = bd.len;
	s = bld_block_begin(&bd, 2);
	bld_u16(&bd, 0);
	bld_u16(&bd, 0);	/* drops */
	bld_u32(&bd, 0);
	bld_u32(&bd, 2000001);	/* 2.000001 s */
	bld_u32(&bd, 1);
	bld_u32(&bd, 1);
	bld_bytes(&bd, pkt_c, 1);
	bld_pad4(&bd);
	bld_opt_u32(&bd, 2, 2);
	bld_opt(&bd, 1, "legacy", 6);
	bld_opt_end(&bd);
	bld_block_end(&bd, s);

	cf = open_mem(&bd, tag);
	if (!cf)
		goto out;
	tap_eq_u64(pw_capfile_format(cf), PW_CAPFILE_PCAPNG, "pcapng: format");
	check_next(cf, &(struct want_pkt){
		.number = 1, .ts_ns = 1700000000123456000ull,
		.caplen = 5, .wirelen = 5, .linktype = 1, .dir = PW_DIR_IN,
		.data = pkt_a, .comment = "first\nsecond", .has_owner = true,
		.pid = 4242, .tid = 4243, .comm = "",
		.offset = (int64_t)off_epb }, tag);
	ifc = pw_capfile_iface(cf, 0);
	tap_ok(ifc && !strcmp(ifc->name, "en0"), "%s: if_name", tag);
	tap_eq_u64(pw_capfile_iface_count(cf), 1, "pcapng: one interface");
	check_next(cf, &(struct want_pkt){
		.number = 2, .ts_ns = 0, .caplen = 8, .wirelen = 10,
		.linktype = 1, .data = pkt_b, .offset = (int64_t)off_spb },
		tag);
	check_next(cf, &(struct want_pkt){
		.number = 3, .ts_ns = 0, .caplen = 4, .wirelen = 1000,
		.linktype = 1, .data = pkt_a, .offset = (int64_t)off_spb2 },
		tag);
	check_next(cf, &(struct want_pkt){
		.number = 4, .ts_ns = 2000001000, .caplen = 1, .wirelen = 1,
		.linktype = 1, .dir = PW_DIR_OUT, .data = pkt_c,
		.comment = "legacy", .offset = (int64_t)off_pb }, tag);
	check_eof(cf, tag);
	pw_capfile_close(cf);
out:
	bld_free(&bd);
}

/* Two sections of opposite byte order; interfaces with microsecond,
 * 2^-10 and picosecond resolutions, an if_tsoffset, three link types. */
static void test_sections(void)
{
	const char *tag = "two sections";
	const struct pw_capfile_iface *ifc;
	int64_t offset = 100, neg = -1;
	struct pw_capfile *cf;
	struct builder bd;
	size_t mid;

	bld_init(&bd, false);
	bld_shb(&bd);
	bld_idb(&bd, 1, 0, "eth0", 6, NULL);
	bld_idb(&bd, 101, 0, "tun0", 0x8a, &offset);
	bld_epb(&bd, 1, 5 * 1024 + 1023, pkt_a, 5, 5, 2, NULL);
	bld_epb(&bd, 0, 1700000000123456ull, pkt_b, 10, 10, 0, NULL);
	mid = bd.len;
	bd.be = true;
	bld_shb(&bd);
	bld_idb(&bd, 113, 0, "any", 12, NULL);
	bld_idb(&bd, 276, 0, NULL, 0xff, &neg);
	bld_epb(&bd, 0, 1000000123456789123ull, pkt_c, 1, 1, 1, "be");
	bld_epb(&bd, 1, 3000002, pkt_c, 1, 1, 0, NULL);
	cf = open_mem(&bd, tag);
	if (!cf)
		goto out;
	/* 5 + 1023/1024 s = 5.9990234375 s, +100 s offset, floor to ns. */
	check_next(cf, &(struct want_pkt){
		.number = 1, .ts_ns = 105999023437ull, .caplen = 5,
		.wirelen = 5, .ifindex = 1, .linktype = 101,
		.dir = PW_DIR_OUT, .data = pkt_a, .offset = 28 + 40 + 52 },
		tag);
	check_next(cf, &(struct want_pkt){
		.number = 2, .ts_ns = 1700000000123456000ull, .caplen = 10,
		.wirelen = 10, .ifindex = 0, .linktype = 1, .data = pkt_b,
		.offset = -1 }, tag);
	check_next(cf, &(struct want_pkt){
		.number = 3, .ts_ns = 1000000123456789ull, .caplen = 1,
		.wirelen = 1, .ifindex = 2, .linktype = 113, .dir = PW_DIR_IN,
		.data = pkt_c, .comment = "be", .offset = -1 }, tag);
	/* 3.000002 s at the default microsecond resolution, -1 s offset. */
	check_next(cf, &(struct want_pkt){
		.number = 4, .ts_ns = 2000002000ull, .caplen = 1,
		.wirelen = 1, .ifindex = 3, .linktype = 276, .data = pkt_c,
		.offset = -1 }, tag);
	check_eof(cf, tag);
	tap_eq_u64(pw_capfile_iface_count(cf), 4, "sections: four interfaces");
	ifc = pw_capfile_iface(cf, 1);
	tap_eq_u64(ifc->ts_units_per_sec, 1024, "sections: 2^-10 resolution");
	tap_eq_u64((uint64_t)ifc->ts_offset_sec, 100, "sections: ts offset");
	ifc = pw_capfile_iface(cf, 2);
	tap_eq_u64(ifc->ts_units_per_sec, 1000000000000ull,
		   "sections: 10^-12 resolution");
	tap_eq_str(ifc->name, "any", "sections: name in big-endian section");
	tap_ok(pw_capfile_iface(cf, 4) == NULL, "sections: no fifth interface");
	pw_capfile_close(cf);
	tap_ok(mid > 0, "sections: built");
out:
	bld_free(&bd);
}

/* A file with many packets of varied sizes, including one larger than
 * the reader's 2 MiB buffer, so records straddle buffer refills. */
static void build_big(struct builder *bd, bool ng, unsigned n,
		      uint32_t huge_at)
{
	static uint8_t data[3u << 20];

	if (ng) {
		bld_shb(bd);
		bld_idb(bd, 1, 0, NULL, 9, NULL);
	} else {
		bld_pcap_header(bd, 0xa1b23c4d, 262144, 1);
	}
	for (unsigned i = 1; i <= n; i++) {
		uint32_t len = i == huge_at ? (uint32_t)sizeof(data) :
			       (i * 7919u) % 1600;

		fill_pattern(data, len, i);
		if (ng)
			bld_epb(bd, 0, (uint64_t)i * 1000000007u, data, len,
				len, 0, NULL);
		else
			bld_pcap_record(bd, i, i, data, len, len);
	}
}

static bool read_big(struct pw_capfile *cf, bool ng, unsigned n,
		     uint32_t huge_at, const char *tag)
{
	static uint8_t data[3u << 20];
	struct pw_packet pkt;
	struct pw_error err;
	unsigned i, bad = 0;
	int r = 0;

	pw_error_clear(&err);
	for (i = 1; i <= n; i++) {
		uint32_t len = i == huge_at ? (uint32_t)sizeof(data) :
			       (i * 7919u) % 1600;
		uint64_t ts = ng ? (uint64_t)i * 1000000007u :
			      (uint64_t)i * 1000000000u + i;

		r = pw_capfile_next(cf, &pkt, &err);
		if (r != 1)
			break;
		fill_pattern(data, len, i);
		if (pkt.number != i || pkt.caplen != len || pkt.ts_ns != ts ||
		    memcmp(pkt.data, data, len)) {
			if (bad++ < 3)
				tap_diag("%s: packet %u differs", tag, i);
		}
	}
	if (r != 1 && i <= n)
		tap_diag("%s: stopped at packet %u: %d %s", tag, i, r, err.msg);
	tap_ok(i == n + 1 && bad == 0, "%s: %u packets with exact bytes", tag,
	       n);
	return check_eof(cf, tag);
}

static int write_file(const char *path, const struct builder *bd)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	if (fwrite(bd->b, 1, bd->len, f) != bd->len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

/* The file arrives through a pipe in small writes, as from a capture
 * program's stdout. via: 0 path "-", 1 pw_capfile_open_stream. */
static void read_from_pipe(const struct builder *bd, bool ng, unsigned n,
			   uint32_t huge_at, int via, const char *tag)
{
	struct pw_capfile *cf = NULL;
	struct pw_error err;
	int fds[2], saved_stdin = -1, status;
	FILE *fp = NULL;
	pid_t child;

	pw_error_clear(&err);
	if (pipe(fds) < 0) {
		tap_ok(0, "%s: pipe: %s", tag, strerror(errno));
		return;
	}
	child = fork();
	if (child == 0) {
		size_t off = 0;

		close(fds[0]);
		while (off < bd->len) {
			size_t chunk = bd->len - off < 7001 ?
				       bd->len - off : 7001;
			ssize_t w = write(fds[1], bd->b + off, chunk);

			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	if (via == 0) {
		saved_stdin = dup(0);
		dup2(fds[0], 0);
		close(fds[0]);
		cf = pw_capfile_open("-", &err);
	} else {
		fp = fdopen(fds[0], "rb");
		cf = pw_capfile_open_stream(fp, "pipe", &err);
	}
	if (tap_ok(cf != NULL, "%s: opens", tag))
		read_big(cf, ng, n, huge_at, tag);
	else
		tap_diag("%s", err.msg);
	pw_capfile_close(cf);
	if (fp)
		fclose(fp);
	if (saved_stdin >= 0) {
		dup2(saved_stdin, 0);
		close(saved_stdin);
	}
	waitpid(child, &status, 0);
}

static void test_big(bool ng)
{
	char path[] = "/tmp/pw-capfile-test-XXXXXX";
	const unsigned n = 9000;
	const uint32_t huge_at = 4000;
	struct pw_capfile *cf;
	struct pw_error err;
	struct builder bd;
	char tag[64];
	int fd;

	bld_init(&bd, false);
	build_big(&bd, ng, n, huge_at);
	fd = mkstemp(path);
	if (fd < 0 || write_file(path, &bd) < 0) {
		tap_ok(0, "temporary file: %s", strerror(errno));
		goto out;
	}
	close(fd);
	snprintf(tag, sizeof(tag), "%s file of %zu bytes", ng ? "pcapng" :
		 "pcap", bd.len);
	pw_error_clear(&err);
	cf = pw_capfile_open(path, &err);
	if (tap_ok(cf != NULL, "%s: opens", tag))
		read_big(cf, ng, n, huge_at, tag);
	pw_capfile_close(cf);
	unlink(path);

	snprintf(tag, sizeof(tag), "%s from a pipe on stdin",
		 ng ? "pcapng" : "pcap");
	read_from_pipe(&bd, ng, n, huge_at, 0, tag);
	snprintf(tag, sizeof(tag), "%s from a pipe as a stream",
		 ng ? "pcapng" : "pcap");
	read_from_pipe(&bd, ng, n, huge_at, 1, tag);

	cf = pw_capfile_open_mem(bd.b, bd.len, &err);
	snprintf(tag, sizeof(tag), "%s from memory", ng ? "pcapng" : "pcap");
	if (tap_ok(cf != NULL, "%s: opens", tag))
		read_big(cf, ng, n, huge_at, tag);
	pw_capfile_close(cf);
out:
	bld_free(&bd);
}

int main(void)
{
	test_pcap(false, false);
	test_pcap(true, false);
	test_pcap(false, true);
	test_pcap(true, true);
	test_pcapng_blocks(false);
	test_pcapng_blocks(true);
	test_sections();
	test_big(false);
	test_big(true);
	return tap_done();
}
