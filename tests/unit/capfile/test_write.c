/* pcapng and pcap writers: files written here are read back with our
 * reader and every field compared; the blocks' bytes are walked to check
 * the options (shb_userappl, shb_os, if_tsresol, epb_processid_threadid,
 * ISB counters); the file reads cleanly after every packet (what a killed
 * writer leaves); write errors carry clear messages. With a buffer the
 * files are the same bytes, what waits reaches the disk at the flush, a
 * large packet or close, and a full disk is reported at the flush. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bytes.h"
#include "capcheck.h"
#include "sink/pcap_writer.h"
#include "sink/pcapng_writer.h"
#include "source/capfile.h"
#include "tap.h"

static char path[] = "/tmp/pw-capfile-write-XXXXXX";

static uint8_t *slurp(size_t *len)
{
	struct stat st;
	uint8_t *b = NULL;
	int fd = open(path, O_RDONLY);

	*len = 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		goto out;
	b = malloc((size_t)st.st_size + 1);
	if (b && read(fd, b, (size_t)st.st_size) == st.st_size)
		*len = (size_t)st.st_size;
out:
	if (fd >= 0)
		close(fd);
	return b;
}

/* Counts the packets of the file now on disk; -1 when it does not read
 * to a clean end. */
static long packets_on_disk(void)
{
	struct pw_error err;
	struct pw_packet pkt;
	struct pw_capfile *cf = pw_capfile_open(path, &err);
	long n = 0;
	int r;

	if (!cf)
		return -1;
	while ((r = pw_capfile_next(cf, &pkt, &err)) == 1)
		n++;
	pw_capfile_close(cf);
	return r == 0 ? n : -1;
}

/* Finds option `code` in the options of the block at p (little-endian,
 * as our writer writes), starting at body offset opts. */
static const uint8_t *find_opt(const uint8_t *p, size_t opts, uint16_t code,
			       uint16_t *len)
{
	uint32_t blen = pw_get_le32(p + 4);
	size_t o = opts;

	while (o + 4 <= blen - 4) {
		uint16_t c = pw_get_le16(p + o), l = pw_get_le16(p + o + 2);

		if (c == 0)
			break;
		if (c == code) {
			*len = l;
			return p + o + 4;
		}
		o += 4 + ((l + 3u) & ~3u);
	}
	return NULL;
}

static void check_blocks(const uint8_t *b, size_t len)
{
	unsigned shb = 0, idb = 0, epb = 0, isb = 0, pidtid = 0;
	bool app = false, os = false, tsresol = true, stats = false;
	size_t off = 0;
	uint16_t l;
	const uint8_t *v;

	while (off + 12 <= len) {
		const uint8_t *p = b + off;
		uint32_t type = pw_get_le32(p), blen = pw_get_le32(p + 4);

		if (blen < 12 || off + blen > len)
			break;
		switch (type) {
		case 0x0a0d0d0a:
			shb++;
			v = find_opt(p, 24, 4, &l);
			app = v && l == 11 && !memcmp(v, "pw-unit 1.0", 11);
			v = find_opt(p, 24, 3, &l);
			os = v && l >= 5 && !memcmp(v, "Linux", 5);
			break;
		case 1:
			idb++;
			v = find_opt(p, 16, 9, &l);
			tsresol &= v && l == 1 && v[0] == 9;
			break;
		case 6:
			epb++;
			v = find_opt(p, 28 + ((pw_get_le32(p + 20) + 3u) & ~3u),
				     8, &l);
			if (v && l == 8 && pw_get_le32(v) == 777 &&
			    pw_get_le32(v + 4) == 778)
				pidtid++;
			break;
		case 5:
			isb++;
			v = find_opt(p, 20, 4, &l);
			stats = v && l == 8 &&
				pw_get_le64(v) == 123456789012ull;
			v = find_opt(p, 20, 5, &l);
			stats &= v && l == 8 && pw_get_le64(v) == 42;
			stats &= pw_get_le32(p + 8) == 1;
			break;
		}
		off += blen;
	}
	tap_eq_u64(off, len, "pcapng blocks cover the file exactly");
	tap_eq_u64(shb, 1, "one section header");
	tap_ok(app, "shb_userappl written");
	tap_ok(os, "shb_os names the system");
	tap_eq_u64(idb, 3, "three interface blocks");
	tap_ok(tsresol, "every interface has if_tsresol 9");
	tap_eq_u64(epb, 5, "five enhanced packet blocks");
	tap_eq_u64(pidtid, 3, "epb_processid_threadid (code 8) = 777/778 "
		   "on the three owned packets");
	tap_eq_u64(isb, 1, "one statistics block (the interface with stats)");
	tap_ok(stats, "isb_ifrecv and isb_ifdrop of interface 1");
}

static void test_pcapng_roundtrip(void)
{
	struct pw_pcapng_writer_opts opts = {
		.app = "pw-unit 1.0", .comment = "unit", .name = path,
	};
	struct pw_pcapng_proc proc = {
		.exe = "/usr/bin/wget", .cmdline = "wget -q http://h/",
	};
	static uint8_t big[70000];
	struct pw_pcapng_writer *w;
	struct pw_capfile *cf;
	struct pw_packet pkt;
	struct pw_error err;
	uint8_t *bytes;
	size_t len;
	long steps_ok = 0;
	char want[128];
	int fd, a, b, c;

	fill_pattern(big, sizeof(big), 9);
	pw_error_clear(&err);
	fd = open(path, O_WRONLY | O_TRUNC);
	w = pw_pcapng_writer_open(fd, &opts, &err);
	if (!tap_ok(w != NULL, "pcapng writer opens")) {
		tap_diag("%s", err.msg);
		return;
	}
	steps_ok += packets_on_disk() == 0;
	a = pw_pcapng_writer_add_iface(w, 1, 0, "eth0", &err);
	b = pw_pcapng_writer_add_iface(w, 101, 64, "tun-\xc3\xa9", &err);
	c = pw_pcapng_writer_add_iface(w, 276, 0, NULL, &err);
	tap_ok(a == 0 && b == 1 && c == 2, "interfaces numbered 0, 1, 2");
	steps_ok += packets_on_disk() == 0;

	memset(&pkt, 0, sizeof(pkt));
	pkt.data = big;
	/* 1: outbound, owner with process details. */
	pkt.ts_ns = 1700000000999999999ull;
	pkt.caplen = pkt.wirelen = 99;
	pkt.dir = PW_DIR_OUT;
	pkt.has_owner = 1;
	pkt.owner.pid = 777;
	pkt.owner.tid = 778;
	memcpy(pkt.owner.comm, "wget", 5);
	pw_pcapng_writer_packet(w, a, &pkt, &proc, &err);
	steps_ok += packets_on_disk() == 1;
	/* 2: inbound on the snaplen-64 interface: cut to 64 bytes; same
	 * process, found by its endpoints (an ICMP error): the comment is
	 * made again and says how. */
	pkt.owner.method = PW_OWNER_EBPF_TUPLE;
	pkt.ts_ns = 1;
	pkt.caplen = pkt.wirelen = 100;
	pkt.dir = PW_DIR_IN;
	pw_pcapng_writer_packet(w, b, &pkt, NULL, &err);
	steps_ok += packets_on_disk() == 2;
	/* 3: no owner, a comment of its own with a control character. */
	pkt.has_owner = 0;
	pkt.dir = PW_DIR_UNKNOWN;
	pkt.ts_ns = 0;
	pkt.caplen = 0;
	pkt.wirelen = 0;
	pkt.comment = "note\tone";
	pw_pcapng_writer_packet(w, c, &pkt, NULL, &err);
	steps_ok += packets_on_disk() == 3;
	/* 4: larger than 64 KiB, no options at all. */
	pkt.comment = NULL;
	pkt.ts_ns = UINT64_MAX;
	pkt.caplen = pkt.wirelen = sizeof(big);
	pw_pcapng_writer_packet(w, a, &pkt, NULL, &err);
	steps_ok += packets_on_disk() == 4;
	/* 5: owner, no process details, and a comment of its own: the
	 * packet's comment is kept instead of a generated one (a file read
	 * back and written again keeps its text). */
	pkt.caplen = pkt.wirelen = 3;
	pkt.ts_ns = 5;
	pkt.has_owner = 1;
	pkt.comment = "kept as is";
	pw_pcapng_writer_packet(w, a, &pkt, NULL, &err);
	steps_ok += packets_on_disk() == 5;
	tap_eq_u64((uint64_t)steps_ok, 7, "after every block the file reads "
		   "to a clean end with the packets so far");

	tap_ok(pw_pcapng_writer_packet(w, 3, &pkt, NULL, &err) < 0,
	       "packet on an undeclared interface refused");
	snprintf(want, sizeof(want), "%s: packet for interface 3, which was "
		 "not declared", path);
	tap_eq_str(err.msg, want, "undeclared interface message");
	pw_pcapng_writer_set_stats(w, b, 123456789012ull, 42);
	tap_ok(pw_pcapng_writer_close(w, true, &err) == 0, "writer closes");

	pw_error_clear(&err);
	cf = pw_capfile_open(path, &err);
	if (!tap_ok(cf != NULL, "written pcapng opens"))
		return;
	check_next(cf, &(struct want_pkt){
		.number = 1, .ts_ns = 1700000000999999999ull, .caplen = 99,
		.wirelen = 99, .ifindex = 0, .linktype = 1,
		.dir = PW_DIR_OUT, .data = big,
		.comment = "pid=777 tid=778 comm=wget exe=/usr/bin/wget "
			   "cmd=wget -q http://h/",
		.has_owner = true, .pid = 777, .tid = 778, .comm = "wget",
		.offset = -1 }, "pcapng round trip");
	check_next(cf, &(struct want_pkt){
		.number = 2, .ts_ns = 1, .caplen = 64, .wirelen = 100,
		.ifindex = 1, .linktype = 101, .dir = PW_DIR_IN, .data = big,
		.comment = "pid=777 tid=778 comm=wget method=ebpf-tuple",
		.has_owner = true,
		.pid = 777, .tid = 778, .comm = "wget", .offset = -1 },
		"pcapng round trip");
	check_next(cf, &(struct want_pkt){
		.number = 3, .ts_ns = 0, .caplen = 0, .wirelen = 0,
		.ifindex = 2, .linktype = 276, .comment = "note?one",
		.offset = -1 }, "pcapng round trip");
	check_next(cf, &(struct want_pkt){
		.number = 4, .ts_ns = UINT64_MAX, .caplen = sizeof(big),
		.wirelen = sizeof(big), .ifindex = 0, .linktype = 1,
		.data = big, .offset = -1 }, "pcapng round trip");
	check_next(cf, &(struct want_pkt){
		.number = 5, .ts_ns = 5, .caplen = 3, .wirelen = 3,
		.ifindex = 0, .linktype = 1, .data = big,
		.comment = "kept as is", .has_owner = true, .pid = 777,
		.tid = 778, .comm = "", .offset = -1 }, "pcapng round trip");
	check_eof(cf, "pcapng round trip");
	tap_eq_str(pw_capfile_iface(cf, 1)->name, "tun-\xc3\xa9",
		   "UTF-8 interface name kept");
	tap_eq_u64(pw_capfile_iface(cf, 1)->snaplen, 64, "snaplen kept");
	tap_eq_u64(pw_capfile_iface(cf, 2)->ts_units_per_sec, 1000000000,
		   "nanosecond resolution");
	tap_eq_str(pw_capfile_iface(cf, 2)->name, "", "no name");
	pw_capfile_close(cf);

	bytes = slurp(&len);
	if (bytes)
		check_blocks(bytes, len);
	free(bytes);
}

static void test_pcap_roundtrip(void)
{
	struct pw_pcap_writer *w;
	struct pw_capfile *cf;
	struct pw_packet pkt;
	struct pw_error err;
	uint8_t data[300], *bytes;
	size_t len;
	int fd;

	fill_pattern(data, sizeof(data), 3);
	pw_error_clear(&err);
	fd = open(path, O_WRONLY | O_TRUNC);
	w = pw_pcap_writer_open(fd, 1, 200, path, &err);
	if (!tap_ok(w != NULL, "pcap writer opens"))
		return;
	memset(&pkt, 0, sizeof(pkt));
	pkt.data = data;
	pkt.linktype = 1;
	pkt.ts_ns = 1700000000000000007ull;
	pkt.caplen = pkt.wirelen = 300;
	tap_ok(pw_pcap_writer_packet(w, &pkt, &err) == 0, "pcap packet 1");
	pkt.ts_ns = 999999999;
	pkt.caplen = 10;
	pkt.wirelen = 1500;
	tap_ok(pw_pcap_writer_packet(w, &pkt, &err) == 0, "pcap packet 2");
	tap_eq_u64(packets_on_disk(), 2, "pcap readable while open");
	pkt.linktype = 101;
	pkt.number = 3;
	tap_ok(pw_pcap_writer_packet(w, &pkt, &err) < 0,
	       "pcap refuses a second link type");
	tap_ok(strstr(err.msg, "a pcap file holds one link type (1); packet "
		      "3 has link type 101") != NULL, "link type message: %s",
	       err.msg);
	tap_eq_u64(pw_pcap_writer_bytes(w), 24 + 16 + 200 + 16 + 10,
		   "pcap bytes written");
	tap_ok(pw_pcap_writer_close(w, true, &err) == 0, "pcap writer closes");

	bytes = slurp(&len);
	tap_ok(bytes && len >= 24 && !memcmp(bytes, "\x4d\x3c\xb2\xa1", 4),
	       "pcap nanosecond magic, little-endian");
	free(bytes);
	cf = pw_capfile_open(path, &err);
	if (!tap_ok(cf != NULL, "written pcap opens"))
		return;
	tap_eq_u64(pw_capfile_iface(cf, 0)->snaplen, 200, "pcap snaplen");
	check_next(cf, &(struct want_pkt){
		.number = 1, .ts_ns = 1700000000000000007ull, .caplen = 200,
		.wirelen = 300, .linktype = 1, .data = data, .offset = 24 },
		"pcap round trip");
	check_next(cf, &(struct want_pkt){
		.number = 2, .ts_ns = 999999999, .caplen = 10, .wirelen = 1500,
		.linktype = 1, .data = data, .offset = 240 },
		"pcap round trip");
	check_eof(cf, "pcap round trip");
	pw_capfile_close(cf);
}

static void test_disk_full(void)
{
	struct pw_pcapng_writer_opts opts = { .app = "x", .name = "/dev/full" };
	struct pw_error err;
	void *w;
	int fd = open("/dev/full", O_WRONLY);

	if (fd < 0) {
		tap_skip("disk full: no /dev/full");
		return;
	}
	pw_error_clear(&err);
	w = pw_pcapng_writer_open(fd, &opts, &err);
	tap_ok(w == NULL, "pcapng on a full disk fails");
	tap_eq_str(err.msg, "disk full while writing the section header to "
		   "/dev/full", "pcapng disk full message");
	tap_eq_u64((uint64_t)-err.code, ENOSPC, "pcapng disk full errno");
	pw_error_clear(&err);
	w = pw_pcap_writer_open(fd, 1, 0, "-", &err);
	tap_ok(w == NULL, "pcap on a full disk fails");
	tap_eq_str(err.msg, "disk full while writing the file header to "
		   "standard output", "pcap disk full message");
	close(fd);
}

static void test_comment_text(void)
{
	struct pw_packet_owner o = { .pid = 1, .tid = 2 };
	struct pw_pcapng_proc proc = { 0 };
	char buf[1024], long_cmd[2000];
	bool cut;
	size_t n;

	n = pw_sanitize_utf8(buf, sizeof(buf), "a\x01\x7f\xc3\xa9\xe2\x82",
			     100, &cut);
	tap_eq_str(buf, "a??\xc3\xa9??", "sanitise: controls and a cut "
		   "sequence become ?");
	tap_eq_u64(n, 7, "sanitise: length");
	pw_sanitize_utf8(buf, sizeof(buf), "\xc0\xaf\xed\xa0\x80\xf4\x90\x80"
			 "\x80\xc2\x85ok", 100, NULL);
	tap_eq_str(buf, "???????????ok", "sanitise: overlong, surrogate, "
		   "above U+10FFFF and C1 control rejected");
	n = pw_sanitize_utf8(buf, sizeof(buf), "ab\xe2\x82\xac", 4, &cut);
	tap_eq_str(buf, "ab", "sanitise: a character is not cut by the cap");
	tap_ok(cut, "sanitise: reports the cut");

	pw_pcapng_owner_comment(buf, sizeof(buf), &o, NULL);
	tap_eq_str(buf, "pid=1 tid=2", "owner comment without names");
	memcpy(o.comm, "0123456789abcdef", 16);	/* not NUL-terminated */
	pw_pcapng_owner_comment(buf, sizeof(buf), &o, &proc);
	tap_eq_str(buf, "pid=1 tid=2 comm=0123456789abcde...",
		   "owner comment: comm capped at 15 bytes");
	memset(long_cmd, 'x', sizeof(long_cmd) - 1);
	long_cmd[sizeof(long_cmd) - 1] = '\0';
	memcpy(o.comm, "sh\n", 4);
	proc.exe = "/bin/sh";
	proc.cmdline = long_cmd;
	n = pw_pcapng_owner_comment(buf, sizeof(buf), &o, &proc);
	tap_eq_u64(n, strlen("pid=1 tid=2 comm=sh? exe=/bin/sh cmd=") + 512 +
		   3, "owner comment: cmdline capped at 512 bytes");
	tap_ok(!strncmp(buf, "pid=1 tid=2 comm=sh? exe=/bin/sh cmd=xxx", 40) &&
	       !strcmp(buf + n - 4, "x..."), "owner comment text: %.50s",
	       buf);
	o.method = PW_OWNER_EBPF_TUPLE;
	proc.cmdline = "sh -c x";
	pw_pcapng_owner_comment(buf, sizeof(buf), &o, &proc);
	tap_eq_str(buf, "pid=1 tid=2 comm=sh? method=ebpf-tuple exe=/bin/sh "
		   "cmd=sh -c x", "owner comment names a method other than "
		   "the kernel's socket");
}

/* Size of the file now on disk, or -1. */
static long long size_on_disk(void)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (long long)st.st_size;
}

/* The packets of the buffered cases: mostly small ones (an ACK, a DNS
 * query), some with an owner, and now and then one larger than a
 * quarter of the 4 KiB buffer (written at once with what waits). */
#define SEQ_PACKETS 120
#define SEQ_BUFFER 4096
static uint8_t seq_data[3000];

static void seq_packet(struct pw_packet *pkt, int i)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->data = seq_data + i;
	pkt->linktype = 101;
	pkt->ts_ns = 1700000000000000000ull + (uint64_t)i * 1000;
	pkt->caplen = pkt->wirelen = i % 17 == 5 ? 2000 : 40 + (uint32_t)i;
	pkt->dir = i % 2 ? PW_DIR_IN : PW_DIR_OUT;
	if (i % 3) {
		pkt->has_owner = 1;
		pkt->owner.pid = 777;
		pkt->owner.tid = 700 + (uint32_t)(i % 5);
		memcpy(pkt->owner.comm, "curl", 5);
	}
}

/* Writes the sequence through a pcapng writer with `buffer` bytes of
 * buffer; returns the file's bytes (NULL on failure). whole counts the
 * packets after which the file on disk read to a clean end. */
static uint8_t *pcapng_sequence(size_t buffer, size_t *len, long *whole)
{
	struct pw_pcapng_writer_opts opts = { .app = "pw-unit 1.0",
					      .name = path };
	struct pw_pcapng_proc proc = { .exe = "/usr/bin/curl",
				       .cmdline = "curl -s http://h/" };
	struct pw_pcapng_writer *w;
	struct pw_packet pkt;
	struct pw_error err;
	int fd = open(path, O_WRONLY | O_TRUNC), i, bad = 0;

	*len = 0;
	*whole = 0;
	pw_error_clear(&err);
	w = pw_pcapng_writer_open(fd, &opts, &err);
	if (!w || pw_pcapng_writer_set_buffer(w, buffer, &err) < 0 ||
	    pw_pcapng_writer_add_iface(w, 101, 0, "eth0", &err) != 0 ||
	    pw_pcapng_writer_add_iface(w, 101, 1500, "wlan0", &err) != 1) {
		tap_diag("%s", err.msg);
		pw_pcapng_writer_close(w, true, &err);
		return NULL;
	}
	for (i = 0; i < SEQ_PACKETS; i++) {
		seq_packet(&pkt, i);
		bad += pw_pcapng_writer_packet(w, i % 2, &pkt,
					       i % 4 ? &proc : NULL, &err) < 0;
		*whole += packets_on_disk() >= 0;
	}
	bad += pw_pcapng_writer_close(w, true, &err) < 0;
	if (bad) {
		tap_diag("%d writes failed: %s", bad, err.msg);
		return NULL;
	}
	return slurp(len);
}

static void test_pcapng_buffered_same_bytes(void)
{
	uint8_t *plain, *buffered;
	size_t plain_len, buffered_len;
	long whole;

	fill_pattern(seq_data, sizeof(seq_data), 5);
	plain = pcapng_sequence(0, &plain_len, &whole);
	buffered = pcapng_sequence(SEQ_BUFFER, &buffered_len, &whole);
	tap_eq_u64((uint64_t)whole, SEQ_PACKETS, "pcapng buffered: the file "
		   "on disk holds whole blocks after every packet");
	tap_ok(plain && buffered && plain_len > 40 * SEQ_PACKETS,
	       "pcapng: both files written (%zu bytes)", plain_len);
	tap_eq_u64(buffered_len, plain_len, "pcapng buffered: same size as "
		   "unbuffered");
	tap_ok(plain && buffered && buffered_len == plain_len &&
	       !memcmp(plain, buffered, plain_len), "pcapng buffered: same "
	       "bytes as unbuffered, byte for byte");
	tap_eq_u64((uint64_t)packets_on_disk(), SEQ_PACKETS,
		   "pcapng buffered file reads back every packet");
	free(plain);
	free(buffered);
}

/* Small packets wait for the flush; a large one goes out at once with
 * them, in order; close writes what waits. */
static void test_pcapng_buffered_flush(void)
{
	static const int written_order[] = { 0, 1, 2, 3, 5, 6 };
	char comment[64];
	struct pw_pcapng_writer_opts opts = { .app = "pw-unit 1.0",
					      .name = path };
	struct pw_pcapng_writer *w;
	struct pw_capfile *cf;
	struct pw_packet pkt;
	struct pw_error err;
	long long header;
	int fd = open(path, O_WRONLY | O_TRUNC), i, bad = 0;

	pw_error_clear(&err);
	w = pw_pcapng_writer_open(fd, &opts, &err);
	if (!tap_ok(w && pw_pcapng_writer_set_buffer(w, SEQ_BUFFER, &err) == 0,
		    "pcapng writer opens with a buffer")) {
		tap_diag("%s", err.msg);
		pw_pcapng_writer_close(w, true, &err);
		return;
	}
	header = size_on_disk();
	bad += pw_pcapng_writer_add_iface(w, 101, 0, "eth0", &err) < 0;
	for (i = 0; i < 3; i++) {
		seq_packet(&pkt, i);
		bad += pw_pcapng_writer_packet(w, 0, &pkt, NULL, &err) < 0;
	}
	tap_eq_u64((uint64_t)bad, 0, "pcapng: three small packets accepted");
	tap_eq_u64((uint64_t)size_on_disk(), (uint64_t)header,
		   "pcapng: small packets are not on disk before the flush");
	tap_ok(pw_pcapng_writer_bytes(w) > (uint64_t)header + 3 * 40,
	       "pcapng: the byte count includes what waits");
	tap_ok(pw_pcapng_writer_flush(w, &err) == 0, "pcapng flush");
	tap_eq_u64((uint64_t)size_on_disk(), pw_pcapng_writer_bytes(w),
		   "pcapng: after the flush the file holds every byte");
	tap_eq_u64((uint64_t)packets_on_disk(), 3,
		   "pcapng: after the flush the file reads 3 packets");
	tap_ok(pw_pcapng_writer_flush(w, &err) == 0 &&
	       size_on_disk() == (long long)pw_pcapng_writer_bytes(w),
	       "pcapng: a flush with nothing waiting writes nothing");

	seq_packet(&pkt, 3);
	bad += pw_pcapng_writer_packet(w, 0, &pkt, NULL, &err) < 0;
	tap_eq_u64((uint64_t)packets_on_disk(), 3,
		   "pcapng: packet 4 waits");
	seq_packet(&pkt, 5);	/* 2000 bytes: more than a quarter */
	bad += pw_pcapng_writer_packet(w, 0, &pkt, NULL, &err) < 0;
	tap_eq_u64((uint64_t)size_on_disk(), pw_pcapng_writer_bytes(w),
		   "pcapng: a large packet is written at once, with what "
		   "waited");
	seq_packet(&pkt, 6);
	bad += pw_pcapng_writer_packet(w, 0, &pkt, NULL, &err) < 0;
	tap_eq_u64((uint64_t)packets_on_disk(), 5, "pcapng: packet 6 waits");
	pw_pcapng_writer_set_stats(w, 0, 6, 0);
	tap_ok(pw_pcapng_writer_close(w, true, &err) == 0 && !bad,
	       "pcapng buffered writer closes");

	cf = pw_capfile_open(path, &err);
	if (!tap_ok(cf != NULL, "buffered pcapng opens"))
		return;
	for (i = 0; i < 6; i++) {
		seq_packet(&pkt, written_order[i]);
		snprintf(comment, sizeof(comment), "pid=777 tid=%u comm=curl",
			 pkt.owner.tid);
		check_next(cf, &(struct want_pkt){
			.number = (uint64_t)i + 1, .ts_ns = pkt.ts_ns,
			.caplen = pkt.caplen, .wirelen = pkt.wirelen,
			.linktype = 101, .dir = pkt.dir, .data = pkt.data,
			.comment = pkt.has_owner ? comment : NULL,
			.has_owner = pkt.has_owner, .pid = pkt.owner.pid,
			.tid = pkt.owner.tid, .offset = -1 },
			"pcapng buffered: packets in order");
	}
	check_eof(cf, "pcapng buffered: close wrote the last packet");
	pw_capfile_close(cf);
}

/* A writer on fd whose file then becomes /dev/full: the header went to
 * a real file, what follows hits a full disk. */
static bool make_full(int fd)
{
	int full = open("/dev/full", O_WRONLY);
	bool ok = full >= 0 && dup2(full, fd) == fd;

	if (full >= 0)
		close(full);
	return ok;
}

static struct pw_pcapng_writer *pcapng_on_full(struct pw_error *err)
{
	struct pw_pcapng_writer_opts opts = { .app = "x", .name = "/dev/full" };
	struct pw_pcapng_writer *w;
	int fd = open(path, O_WRONLY | O_TRUNC);

	w = pw_pcapng_writer_open(fd, &opts, err);
	if (!w || pw_pcapng_writer_set_buffer(w, SEQ_BUFFER, err) < 0 ||
	    pw_pcapng_writer_add_iface(w, 101, 0, "eth0", err) < 0 ||
	    !make_full(fd)) {
		tap_diag("cannot set up a writer on /dev/full: %s", err->msg);
		pw_pcapng_writer_close(w, true, err);
		return NULL;
	}
	return w;
}

static void test_pcapng_buffered_disk_full(void)
{
	struct pw_pcapng_writer *w;
	struct pw_packet pkt;
	struct pw_error err;
	int r;

	if (access("/dev/full", W_OK) < 0) {
		tap_skip("buffered disk full: no /dev/full");
		return;
	}
	/* Small packets wait; the flush finds the disk full. */
	pw_error_clear(&err);
	w = pcapng_on_full(&err);
	if (!w)
		return;
	seq_packet(&pkt, 0);
	r = pw_pcapng_writer_packet(w, 0, &pkt, NULL, &err);
	r |= pw_pcapng_writer_packet(w, 0, &pkt, NULL, &err);
	tap_eq_u64((uint64_t)r, 0, "full disk: small packets wait");
	r = pw_pcapng_writer_flush(w, &err);
	tap_eq_u64((uint64_t)-r, ENOSPC, "full disk: flush returns -ENOSPC");
	tap_eq_str(err.msg, "disk full while writing buffered packets to "
		   "/dev/full", "full disk: flush message");
	pw_error_clear(&err);
	tap_ok(pw_pcapng_writer_packet(w, 0, &pkt, NULL, &err) < 0,
	       "full disk: the writer refuses packets after a failed flush");
	tap_eq_str(err.msg, "/dev/full: not writing packet 3 after an earlier "
		   "write error", "full disk: refusal message");
	tap_ok(pw_pcapng_writer_flush(w, &err) < 0,
	       "full disk: and refuses to flush again");
	pw_pcapng_writer_close(w, true, &err);

	/* A large packet goes out with what waits: its write fails. */
	w = pcapng_on_full(&err);
	if (!w)
		return;
	seq_packet(&pkt, 0);
	tap_ok(pw_pcapng_writer_packet(w, 0, &pkt, NULL, &err) == 0,
	       "full disk: a small packet waits");
	seq_packet(&pkt, 5);
	pw_error_clear(&err);
	r = pw_pcapng_writer_packet(w, 0, &pkt, NULL, &err);
	tap_eq_u64((uint64_t)-r, 1, "full disk: a large packet's write "
		   "fails (-1)");
	tap_eq_str(err.msg, "disk full while writing packet 2 to /dev/full",
		   "full disk: large packet message");
	tap_ok(pw_pcapng_writer_close(w, true, &err) == 0,
	       "full disk: close after the reported failure writes nothing");

	/* Close writes what waits: the disk is full. */
	w = pcapng_on_full(&err);
	if (!w)
		return;
	seq_packet(&pkt, 0);
	tap_ok(pw_pcapng_writer_packet(w, 0, &pkt, NULL, &err) == 0,
	       "full disk: a small packet waits before close");
	pw_error_clear(&err);
	r = pw_pcapng_writer_close(w, true, &err);
	tap_eq_u64((uint64_t)-r, ENOSPC, "full disk: close flushes and "
		   "returns -ENOSPC");
	tap_eq_str(err.msg, "disk full while writing buffered packets to "
		   "/dev/full", "full disk: close message");
}

/* Same packets through the pcap writer, buffered or not. */
static uint8_t *pcap_sequence(size_t buffer, size_t *len, long *whole)
{
	struct pw_pcap_writer *w;
	struct pw_packet pkt;
	struct pw_error err;
	int fd = open(path, O_WRONLY | O_TRUNC), i, bad = 0;

	*len = 0;
	*whole = 0;
	pw_error_clear(&err);
	w = pw_pcap_writer_open(fd, 101, 1500, path, &err);
	if (!w || pw_pcap_writer_set_buffer(w, buffer, &err) < 0) {
		tap_diag("%s", err.msg);
		pw_pcap_writer_close(w, true, &err);
		return NULL;
	}
	for (i = 0; i < SEQ_PACKETS; i++) {
		seq_packet(&pkt, i);
		bad += pw_pcap_writer_packet(w, &pkt, &err) < 0;
		*whole += packets_on_disk() >= 0;
	}
	bad += pw_pcap_writer_close(w, true, &err) < 0;
	if (bad) {
		tap_diag("%d writes failed: %s", bad, err.msg);
		return NULL;
	}
	return slurp(len);
}

static void test_pcap_buffered(void)
{
	uint8_t *plain, *buffered;
	size_t plain_len, buffered_len;
	struct pw_pcap_writer *w;
	struct pw_packet pkt;
	struct pw_error err;
	long whole;
	int fd, r;

	fill_pattern(seq_data, sizeof(seq_data), 6);
	plain = pcap_sequence(0, &plain_len, &whole);
	buffered = pcap_sequence(SEQ_BUFFER, &buffered_len, &whole);
	tap_eq_u64((uint64_t)whole, SEQ_PACKETS, "pcap buffered: the file "
		   "on disk holds whole records after every packet");
	tap_ok(plain && buffered && plain_len > 40 * SEQ_PACKETS,
	       "pcap: both files written (%zu bytes)", plain_len);
	tap_ok(plain && buffered && buffered_len == plain_len &&
	       !memcmp(plain, buffered, plain_len), "pcap buffered: same "
	       "bytes as unbuffered, byte for byte");
	free(plain);
	free(buffered);

	pw_error_clear(&err);
	fd = open(path, O_WRONLY | O_TRUNC);
	w = pw_pcap_writer_open(fd, 101, 0, "/dev/full", &err);
	if (!w || pw_pcap_writer_set_buffer(w, SEQ_BUFFER, &err) < 0 ||
	    !make_full(fd)) {
		tap_ok(false, "pcap writer on /dev/full: %s", err.msg);
		pw_pcap_writer_close(w, true, &err);
		return;
	}
	seq_packet(&pkt, 0);
	tap_ok(pw_pcap_writer_packet(w, &pkt, &err) == 0,
	       "pcap full disk: a small packet waits");
	tap_eq_u64(pw_pcap_writer_bytes(w), 24 + 16 + 40,
		   "pcap: the byte count includes what waits");
	r = pw_pcap_writer_flush(w, &err);
	tap_eq_u64((uint64_t)-r, ENOSPC, "pcap full disk: flush returns "
		   "-ENOSPC");
	tap_eq_str(err.msg, "disk full while writing buffered packets to "
		   "/dev/full", "pcap full disk: flush message");
	tap_ok(pw_pcap_writer_packet(w, &pkt, &err) < 0,
	       "pcap full disk: the writer refuses packets after a failed "
	       "flush");
	tap_ok(pw_pcap_writer_close(w, true, &err) == 0,
	       "pcap full disk: close after the reported failure");
}

int main(void)
{
	int fd = mkstemp(path);

	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	test_pcapng_roundtrip();
	test_pcap_roundtrip();
	test_disk_full();
	test_pcapng_buffered_same_bytes();
	test_pcapng_buffered_flush();
	test_pcapng_buffered_disk_full();
	test_pcap_buffered();
	test_comment_text();
	unlink(path);
	return tap_done();
}
