/* pw-captool: drives the capture file reader and writers from shell tests.
 *
 *   pw-captool dump FILE     one line per packet as our reader sees it:
 *                            "N SEC.NSEC caplen wirelen if=I lt=L dir=D
 *                            pid=P tid=T comm=C", then "comment=..." when
 *                            the packet has one; on damage the error
 *                            message on stderr and exit status 1
 *   pw-captool count FILE    "packets N" (fast: nothing per packet)
 *   pw-captool write FILE    a pcapng with two interfaces, owners,
 *                            directions and comments (see write_demo)
 *   pw-captool write-pcap FILE  a classic nanosecond pcap of 3 packets */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/error.h"
#include "pkt/link.h"
#include "sink/pcap_writer.h"
#include "sink/pcapng_writer.h"
#include "source/capfile.h"

static int dump(const char *path, int print)
{
	struct pw_error err;
	struct pw_packet pkt;
	struct pw_capfile *cf;
	uint64_t n = 0;
	int r;

	pw_error_clear(&err);
	cf = pw_capfile_open(path, &err);
	if (!cf) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	while ((r = pw_capfile_next(cf, &pkt, &err)) > 0) {
		n++;
		if (!print)
			continue;
		printf("%" PRIu64 " %" PRIu64 ".%09" PRIu64 " %" PRIu32 " %"
		       PRIu32 " if=%" PRIu32 " lt=%u dir=%u", pkt.number,
		       pkt.ts_ns / 1000000000u, pkt.ts_ns % 1000000000u,
		       pkt.caplen, pkt.wirelen, pkt.ifindex, pkt.linktype,
		       pkt.dir);
		if (pkt.has_owner)
			printf(" pid=%" PRIu32 " tid=%" PRIu32 " comm=%s",
			       pkt.owner.pid, pkt.owner.tid, pkt.owner.comm);
		putchar('\n');
		if (pkt.comment)
			printf("comment=%s\n", pkt.comment);
	}
	if (!print)
		printf("packets %" PRIu64 "\n", n);
	if (print) {
		for (unsigned i = 0; i < pw_capfile_iface_count(cf); i++) {
			const struct pw_capfile_iface *ifc =
				pw_capfile_iface(cf, i);

			printf("iface %u name=%s lt=%u snaplen=%" PRIu32
			       " units=%" PRIu64 "\n", i, ifc->name,
			       ifc->linktype, ifc->snaplen,
			       ifc->ts_units_per_sec);
		}
	}
	pw_capfile_close(cf);
	if (r < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	return 0;
}

/* An IPv4/UDP packet 10.0.0.1:5000 -> 10.0.0.2:53 with n payload bytes,
 * behind an Ethernet header when eth; checksums left 0 (unchecked). */
static uint32_t make_udp(uint8_t *buf, int eth, unsigned n, uint8_t fill)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	uint8_t *ip = buf + (eth ? 14 : 0);
	uint16_t ip_len = (uint16_t)(20 + 8 + n);

	if (eth) {
		memcpy(buf, mac, sizeof(mac));
		pw_put_be16(buf + 12, 0x0800);
	}
	memset(ip, 0, 28);
	ip[0] = 0x45;
	pw_put_be16(ip + 2, ip_len);
	ip[8] = 64;
	ip[9] = 17;
	pw_put_be32(ip + 12, 0x0a000001);
	pw_put_be32(ip + 16, 0x0a000002);
	pw_put_be16(ip + 20, 5000);
	pw_put_be16(ip + 22, 53);
	pw_put_be16(ip + 24, (uint16_t)(8 + n));
	memset(ip + 28, fill, n);
	return (uint32_t)(ip + ip_len - buf);
}

static void set_owner(struct pw_packet *pkt, uint32_t pid, uint32_t tid,
		      const char *comm)
{
	pkt->has_owner = 1;
	pkt->owner.pid = pid;
	pkt->owner.tid = tid;
	snprintf(pkt->owner.comm, sizeof(pkt->owner.comm), "%s", comm);
}

/* The demo file the tshark test checks:
 *   iface 0 "eth0" Ethernet, iface 1 "tun0" raw IP
 *   1 eth0 out pid 1234 tid 1235 curl, exe and cmdline
 *   2 eth0 in  pid 1234 tid 1234 curl
 *   3 tun0 no direction, no owner, comment "plain comment"
 *   4 tun0 out pid 42 tid 43, comm/exe/cmd with bytes to sanitise
 * Statistics: eth0 received 10 dropped 1. */
static int write_demo(const char *path)
{
	struct pw_pcapng_writer_opts opts = {
		.app = "pw-captool", .comment = "procwire test file",
		.name = path,
	};
	struct pw_pcapng_proc curl = {
		.exe = "/usr/bin/curl", .cmdline = "curl -s https://x",
	};
	struct pw_pcapng_proc odd = {
		.exe = "/opt/pr\xc3\xb6g", .cmdline = "a\tb \xff end",
	};
	struct pw_pcapng_writer *w = NULL;
	struct pw_packet pkt;
	struct pw_error err;
	uint8_t buf[256];
	int fd, ret = 1, eth, tun;

	pw_error_clear(&err);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	w = pw_pcapng_writer_open(fd, &opts, &err);
	if (!w)
		goto out;
	eth = pw_pcapng_writer_add_iface(w, PW_LINKTYPE_ETHERNET, 0, "eth0",
					 &err);
	tun = pw_pcapng_writer_add_iface(w, PW_LINKTYPE_RAW, 0, "tun0", &err);
	if (eth < 0 || tun < 0)
		goto out;

	memset(&pkt, 0, sizeof(pkt));
	pkt.data = buf;
	pkt.ts_ns = 1700000000123456789ull;
	pkt.caplen = pkt.wirelen = make_udp(buf, 1, 10, 'a');
	pkt.dir = PW_DIR_OUT;
	set_owner(&pkt, 1234, 1235, "curl");
	if (pw_pcapng_writer_packet(w, eth, &pkt, &curl, &err) < 0)
		goto out;

	pkt.ts_ns += 1000000001;
	pkt.caplen = pkt.wirelen = make_udp(buf, 1, 20, 'b');
	pkt.dir = PW_DIR_IN;
	set_owner(&pkt, 1234, 1234, "curl");
	if (pw_pcapng_writer_packet(w, eth, &pkt, NULL, &err) < 0)
		goto out;

	memset(&pkt.owner, 0, sizeof(pkt.owner));
	pkt.has_owner = 0;
	pkt.ts_ns += 1;
	pkt.caplen = pkt.wirelen = make_udp(buf, 0, 5, 'c');
	pkt.dir = PW_DIR_UNKNOWN;
	pkt.comment = "plain comment";
	if (pw_pcapng_writer_packet(w, tun, &pkt, NULL, &err) < 0)
		goto out;

	pkt.comment = NULL;
	pkt.ts_ns += 999999999;
	pkt.caplen = pkt.wirelen = make_udp(buf, 0, 7, 'd');
	pkt.wirelen += 100;	/* as if cut by a snapshot length */
	pkt.dir = PW_DIR_OUT;
	set_owner(&pkt, 42, 43, "bad\x01na\xc3me");
	if (pw_pcapng_writer_packet(w, tun, &pkt, &odd, &err) < 0)
		goto out;

	pw_pcapng_writer_set_stats(w, eth, 10, 1);
	ret = 0;
out:
	if (w && pw_pcapng_writer_close(w, true, ret ? NULL : &err) < 0)
		ret = 1;
	else if (!w)
		close(fd);
	if (ret)
		fprintf(stderr, "%s\n", err.msg);
	return ret;
}

/* A nanosecond pcap of three Ethernet packets, 1 s + 1 ns apart. */
static int write_pcap(const char *path)
{
	struct pw_pcap_writer *w = NULL;
	struct pw_packet pkt;
	struct pw_error err;
	uint8_t buf[256];
	int fd, ret = 1;

	pw_error_clear(&err);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	w = pw_pcap_writer_open(fd, PW_LINKTYPE_ETHERNET, 0, path, &err);
	if (!w) {
		close(fd);
		goto out;
	}
	memset(&pkt, 0, sizeof(pkt));
	pkt.data = buf;
	pkt.linktype = PW_LINKTYPE_ETHERNET;
	pkt.ts_ns = 1700000000000000001ull;
	for (unsigned i = 0; i < 3; i++) {
		pkt.caplen = pkt.wirelen = make_udp(buf, 1, 3 + i, 'p');
		pkt.number = i + 1;
		if (pw_pcap_writer_packet(w, &pkt, &err) < 0)
			goto out;
		pkt.ts_ns += 1000000001;
	}
	ret = 0;
out:
	if (w && pw_pcap_writer_close(w, true, ret ? NULL : &err) < 0)
		ret = 1;
	if (ret)
		fprintf(stderr, "%s\n", err.msg);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "write"))
		return write_demo(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "write-pcap"))
		return write_pcap(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "dump"))
		return dump(argv[2], 1);
	if (argc == 3 && !strcmp(argv[1], "count"))
		return dump(argv[2], 0);
	fprintf(stderr, "usage: pw-captool dump|count|write|write-pcap FILE\n");
	return 2;
}
