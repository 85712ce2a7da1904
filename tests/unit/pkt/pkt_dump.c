/* pkt-dump: reads IP packets as hex, one per line, and prints what the
 * dissector found, one line each, for tests/sh/test_pkt_scapy.sh to
 * compare with scapy's own parse. Checksums are verified; the packet is
 * also rebuilt with checksums recomputed and "same" says whether the bytes
 * came back unchanged.
 *
 * Output fields: ver proto l3 iplen l4 sport dport seq ack flags win opts
 * (kinds, comma separated) ext (types) frag (off/mf/id) payload quote
 * (offset and quoted l4proto/sport/dport) mal (hex bits) same. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt/dissect.h"
#include "pkt/rebuild.h"

static uint8_t pkt[70000], out[70000];
static struct pw_pkt_edit edit;

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t parse_hex(const char *s)
{
	size_t n = 0;

	while (s[0] && s[1] && n < sizeof(pkt)) {
		int hi = hexval(s[0]), lo = hexval(s[1]);

		if (hi < 0 || lo < 0)
			break;
		pkt[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return n;
}

static bool rebuilds_same(const struct pw_dissect *d)
{
	int n;

	if (pw_edit_from_dissect(&edit, d) < 0)
		return false;
	n = pw_rebuild(&edit, out, sizeof(out));
	return n == (int)d->ip_len && memcmp(out, d->l3, d->ip_len) == 0;
}

static void dump(size_t len)
{
	struct pw_dissect d, q;
	unsigned i;
	bool ok;

	ok = pw_dissect_ip(pkt, (uint32_t)len, (uint32_t)len, &d);
	if (!ok) {
		printf("bad mal=0x%x\n", d.malformed);
		return;
	}
	pw_dissect_verify_checksums(&d);
	printf("ver=%u proto=%u l3=%u iplen=%u l4=%d", d.ipver, d.l4proto,
	       d.l3_hlen, d.ip_len, d.has_l4);
	if (d.has_l4)
		printf(" sport=%u dport=%u", d.sport, d.dport);
	if (d.has_l4 && d.l4proto == 6) {
		printf(" seq=%" PRIu32 " ack=%" PRIu32 " flags=%u win=%u opts=",
		       d.tcp_seq, d.tcp_ack, d.tcp_flags, d.tcp_win);
		for (i = 0; i < d.n_tcp_opts; i++)
			printf("%s%u", i ? "," : "", d.tcp_opts[i].kind);
	}
	printf(" ext=");
	for (i = 0; i < d.n_ext; i++)
		printf("%s%u", i ? "," : "", d.ext[i].type);
	printf(" frag=%u/%d/%" PRIu32 " payload=%u", d.frag_off, d.more_frags,
	       d.is_fragment ? d.frag_id : 0, d.payload_len);
	printf(" quote=%u", d.icmp_quote_off);
	if (pw_dissect_icmp_quote(&d, &q))
		printf("/%u/%u/%u", q.l4proto, q.sport, q.dport);
	printf(" mal=0x%x same=%d\n", d.malformed, rebuilds_same(&d));
}

int main(void)
{
	static char line[2 * sizeof(pkt) + 2];

	while (fgets(line, sizeof(line), stdin))
		dump(parse_hex(line));
	return 0;
}
