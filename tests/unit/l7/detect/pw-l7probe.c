/* pw-l7probe: runs the l7 dispatcher over every packet of a capture and
 * prints one line per packet, for tests that compare with tshark:
 *
 *   number TAB payload TAB proto TAB host TAB detail TAB answers
 *
 * where answers lists the (name, address) pairs of a DNS response as
 * "name=addr" joined by ',' ("" otherwise), and "-" fills the columns of a
 * packet that is not TCP/UDP/ICMP over IP.
 *
 * Usage: pw-l7probe FILE          (pcap or pcapng)
 *        pw-l7probe --hex         (stdin lines "l4proto sport dport HEX") */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "l7/dns.h"
#include "l7/l7.h"
#include "pkt/dissect.h"
#include "pkt/link.h"
#include "source/capfile.h"

static void print_answers(const uint8_t *p, size_t n)
{
	struct pw_dns_addr a[32];
	char ip[INET6_ADDRSTRLEN];
	int k, i;

	k = pw_dns_parse_answers(p, n, a, 32);
	for (i = 0; i < k; i++) {
		inet_ntop(a[i].family == 4 ? AF_INET : AF_INET6, a[i].addr, ip,
			  sizeof(ip));
		printf("%s%s=%s", i ? "," : "", a[i].name, ip);
	}
}

static void probe(uint64_t num, const uint8_t *p, size_t n, uint8_t l4,
		  uint16_t sport, uint16_t dport)
{
	struct pw_l7_result r;

	pw_l7_detect(p, n, l4, sport, dport, &r);
	printf("%llu\t%s\t%s\t%s\t%s\t", (unsigned long long)num,
	       pw_l7_payload_name(r.payload), pw_l7_proto_name(r.proto),
	       r.host, r.detail);
	if (r.payload == PW_PL_DNS_RESPONSE)
		print_answers(p, n);
	putchar('\n');
}

static int hex_val(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int run_hex(void)
{
	static char line[1 << 17];
	static uint8_t bytes[1 << 16];
	uint64_t num = 0;

	while (fgets(line, sizeof(line), stdin)) {
		unsigned l4, sport, dport;
		int off = 0, hi, lo;
		size_t n = 0;
		char *h;

		if (sscanf(line, "%u %u %u %n", &l4, &sport, &dport, &off) < 3)
			continue;
		for (h = line + off; n < sizeof(bytes); h += 2) {
			hi = hex_val((unsigned char)h[0]);
			lo = hi < 0 ? -1 : hex_val((unsigned char)h[1]);
			if (lo < 0)
				break;
			bytes[n++] = (uint8_t)(hi << 4 | lo);
		}
		probe(++num, bytes, n, (uint8_t)l4, (uint16_t)sport,
		      (uint16_t)dport);
	}
	return 0;
}

static int run_file(const char *path)
{
	struct pw_capfile *cf;
	struct pw_packet pkt;
	struct pw_dissect d;
	struct pw_link link;
	struct pw_error err;
	uint64_t num = 0;
	int rc;

	pw_error_clear(&err);
	cf = pw_capfile_open(path, &err);
	if (!cf) {
		fprintf(stderr, "pw-l7probe: %s\n", err.msg);
		return 1;
	}
	while ((rc = pw_capfile_next(cf, &pkt, &err)) == 1) {
		num++;
		if (!pw_link_parse(pkt.linktype, pkt.data, pkt.caplen, &link) ||
		    (link.ethertype != 0x0800 && link.ethertype != 0x86dd) ||
		    !pw_dissect_ip(pkt.data + link.l3_off,
				   pkt.caplen - link.l3_off,
				   pkt.wirelen > link.l3_off ?
					   pkt.wirelen - link.l3_off : 0,
				   &d) ||
		    !d.has_l4) {
			printf("%llu\t-\t-\t-\t-\t-\n",
			       (unsigned long long)num);
			continue;
		}
		probe(num, pw_dissect_payload(&d), d.payload_len, d.l4proto,
		      d.sport, d.dport);
	}
	pw_capfile_close(cf);
	if (rc < 0) {
		fprintf(stderr, "pw-l7probe: %s\n", err.msg);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pw-l7probe FILE | --hex\n");
		return 2;
	}
	return !strcmp(argv[1], "--hex") ? run_hex() : run_file(argv[1]);
}
