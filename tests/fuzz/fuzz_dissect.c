/* libFuzzer harness for pkt: link parse, dissect, ICMP quote, checksum
 * verification, edit and rebuild, fragmentation and segmentation.
 *
 * Input: byte 0 picks a link type and how the wire length relates to the
 * capture, byte 1 steers fragment/segment cuts, the rest is the packet.
 * It is dissected both as a bare IP packet and behind the chosen link
 * header. Broken invariants abort() so the fuzzer reports them:
 *   - every offset the dissect reports stays inside the capture;
 *   - rebuild with kept checksums and lengths reproduces the bytes for any
 *     packet whose headers were whole and self-consistent;
 *   - with valid checksums and matching lengths, rebuild with recomputed
 *     checksums reproduces them too, and "bad" mode never verifies;
 *   - fragments and segments reassemble to the original. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "pkt/dissect.h"
#include "pkt/link.h"
#include "pkt/rebuild.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static const uint16_t linktypes[8] = {
	PW_LINKTYPE_NULL, PW_LINKTYPE_ETHERNET, PW_LINKTYPE_RAW,
	PW_LINKTYPE_LOOP, PW_LINKTYPE_LINUX_SLL, PW_LINKTYPE_IPV4,
	PW_LINKTYPE_IPV6, PW_LINKTYPE_LINUX_SLL2,
};

static struct pw_pkt_edit edit;
static uint8_t out[4 * 70000];
static uint8_t whole[70000];
static uint8_t reasm[70000];

static void check_offsets(const struct pw_dissect *d)
{
	volatile uint8_t sink = 0;
	unsigned i;

	if (d->payload_len) {
		CHECK((uint64_t)d->payload_off + d->payload_len <= d->caplen);
		sink ^= d->l3[d->payload_off + d->payload_len - 1];
	}
	CHECK(d->payload_len <= d->payload_wirelen);
	if (d->has_l4)
		CHECK((uint32_t)d->l4_off + 8 <= d->caplen);
	CHECK(d->n_ext <= PW_IP6_MAX_EXT && d->n_tcp_opts <= PW_TCP_MAX_OPTS);
	for (i = 0; i < d->n_ext; i++)
		CHECK((uint32_t)d->ext[i].off + d->ext[i].len <= d->caplen);
	for (i = 0; i < d->n_tcp_opts; i++)
		CHECK((uint32_t)d->tcp_opts[i].off + d->tcp_opts[i].len <=
		      d->caplen);
	if (d->icmp_quote_off)
		CHECK(d->icmp_quote_off < d->caplen);
	(void)sink;
}

static bool lengths_match(const struct pw_dissect *d)
{
	const struct pw_pkt_edit *e = &edit;

	if (d->malformed & PW_MAL_SNAPPED)
		return false;
	if (d->ipver == 4 && e->ip4.total_len != d->ip_len)
		return false;
	if (d->ipver == 6 && e->ip6.plen + 40u != d->ip_len)
		return false;
	if (e->l4 == PW_EDIT_L4_UDP && !d->is_fragment &&
	    e->udp.len != 8 + e->payload_len)
		return false;
	return true;
}

/* The part of an IPv6 packet that stays in front of the fragment header
 * (RFC 8200 4.5): hop-by-hop, then destination options and routing
 * headers up to the last routing header. */
static uint32_t ip6_unfragmentable_len(void)
{
	const struct pw_edit_ip6 *ip = &edit.ip6;
	uint32_t len = 40;
	unsigned i = 0, n = 0, k;

	if (ip->n_ext && ip->ext[0].type == 0)
		n = i = 1;
	for (; i < ip->n_ext; i++) {
		if (ip->ext[i].type == 43)
			n = i + 1;
		else if (ip->ext[i].type != 60)
			break;
	}
	for (k = 0; k < n; k++)
		len += ip->ext[k].len;
	return len;
}

/* Splits the rebuilt packet into two fragments and puts them together. */
static void check_fragments(const struct pw_dissect *d, uint8_t steer)
{
	struct pw_span spans[2];
	struct pw_dissect f;
	uint32_t unfrag, flen, cut, covered = 0;
	int n, wn, i;
	unsigned k;

	wn = pw_rebuild(&edit, whole, sizeof(whole));
	if (wn <= 0)
		return;
	unfrag = d->ipver == 4 ? d->l3_hlen : ip6_unfragmentable_len();
	if ((uint32_t)wn <= unfrag + 8)
		return;
	flen = (uint32_t)wn - unfrag;
	cut = 8 * (1 + steer % ((flen - 1) / 8));
	n = pw_rebuild_fragments(&edit, &cut, 1, 0x1234, out, sizeof(out),
				 spans);
	if (n < 0)
		return;		/* e.g. an extension chain already full */
	CHECK(n == 2);
	memset(reasm, 0, sizeof(reasm));
	for (i = 0; i < n; i++) {
		uint32_t start = 0;

		CHECK(pw_dissect_ip(out + spans[i].off, spans[i].len,
				    spans[i].len, &f));
		CHECK(f.is_fragment && f.more_frags == (i == 0));
		if (f.ipver == 4) {
			start = f.l3_hlen;
		} else {
			for (k = 0; k < f.n_ext; k++)
				if (f.ext[k].type == 44)
					start = f.ext[k].off + 8u;
			CHECK(start != 0);
		}
		CHECK(f.ip_len >= start && f.frag_off + f.ip_len - start <=
		      sizeof(reasm));
		memcpy(reasm + f.frag_off, f.l3 + start, f.ip_len - start);
		covered += f.ip_len - start;
	}
	CHECK(covered == flen);
	CHECK(memcmp(reasm, whole + unfrag, flen) == 0);
}

static void check_segments(uint8_t steer)
{
	struct pw_span spans[2];
	struct pw_dissect s;
	uint32_t cut, at = 0;
	int n, i;

	if (edit.l4 != PW_EDIT_L4_TCP || edit.payload_len < 2)
		return;
	cut = 1 + steer % (edit.payload_len - 1);
	n = pw_rebuild_segments(&edit, &cut, 1, out, sizeof(out), spans);
	if (n < 0)
		return;
	CHECK(n == 2);
	for (i = 0; i < n; i++) {
		CHECK(pw_dissect_ip(out + spans[i].off, spans[i].len,
				    spans[i].len, &s));
		CHECK(s.has_l4);
		CHECK(at + s.payload_len <= edit.payload_len);
		CHECK(memcmp(edit.payload + at, pw_dissect_payload(&s),
			     s.payload_len) == 0);
		at += s.payload_len;
	}
	CHECK(at == edit.payload_len);
}

static void check_rebuild(const struct pw_dissect *d, uint8_t steer)
{
	struct pw_dissect v = *d, r;
	uint32_t want = d->payload_off + d->payload_len;
	int n;

	if (pw_edit_from_dissect(&edit, d) < 0)
		return;
	edit.ip_csum = PW_CSUM_KEEP;
	edit.l4_csum = PW_CSUM_KEEP;
	edit.keep_lengths = true;
	n = pw_rebuild(&edit, out, sizeof(out));
	if (d->malformed & PW_MAL_BAD_TOTAL_LEN)
		return;		/* lengths disagree: no exact image */
	CHECK(n == (int)want && memcmp(out, d->l3, want) == 0);

	pw_dissect_verify_checksums(&v);
	if ((v.malformed & (PW_MAL_BAD_IP_CSUM | PW_MAL_BAD_L4_CSUM)) ||
	    !lengths_match(d))
		return;
	edit.ip_csum = PW_CSUM_RECOMPUTE;
	edit.l4_csum = PW_CSUM_RECOMPUTE;
	edit.keep_lengths = false;
	n = pw_rebuild(&edit, out, sizeof(out));
	if (n < 0)
		return;		/* e.g. over 64 KiB */
	CHECK(n == (int)want && memcmp(out, d->l3, want) == 0);

	edit.ip_csum = PW_CSUM_BAD;
	edit.l4_csum = PW_CSUM_BAD;
	n = pw_rebuild(&edit, out, sizeof(out));
	CHECK(n == (int)want);
	pw_dissect_ip(out, (uint32_t)n, (uint32_t)n, &r);
	pw_dissect_verify_checksums(&r);
	if (r.ipver == 4)
		CHECK(r.malformed & PW_MAL_BAD_IP_CSUM);
	if (r.has_l4 && !r.is_fragment && edit.l4 != PW_EDIT_L4_NONE)
		CHECK(r.malformed & PW_MAL_BAD_L4_CSUM);

	edit.ip_csum = PW_CSUM_RECOMPUTE;
	edit.l4_csum = PW_CSUM_RECOMPUTE;
	if (!d->is_fragment)
		check_fragments(d, steer);
	check_segments(steer);
}

static void check_ip(const uint8_t *p, uint32_t caplen, uint32_t wirelen,
		     uint8_t steer)
{
	struct pw_dissect d, q;
	uint8_t len;

	if (!pw_dissect_ip(p, caplen, wirelen, &d))
		return;
	check_offsets(&d);
	if (d.ipver == 6)
		CHECK(pw_dissect_final_dst(&d) != NULL);
	pw_tcp_opt_find(&d, PW_TCPOPT_MSS, &len);
	pw_tcp_opt_find(&d, PW_TCPOPT_SACK, &len);
	if (pw_dissect_icmp_quote(&d, &q)) {
		check_offsets(&q);
		CHECK(q.l3 + q.caplen <= d.l3 + d.caplen);
		pw_dissect_verify_checksums(&q);
	}
	check_rebuild(&d, steer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_link link;
	uint32_t caplen, wirelen;
	uint8_t mode, steer;

	if (size < 2 || size > 66000)
		return 0;
	mode = data[0];
	steer = data[1];
	data += 2;
	caplen = (uint32_t)(size - 2);
	/* Bit 3: pretend the capture was cut by a snap length. */
	wirelen = caplen + ((mode & 8) ? steer : 0);

	check_ip(data, caplen, wirelen, steer);
	if (pw_link_parse(linktypes[mode & 7], data, caplen, &link)) {
		CHECK(link.l3_off <= caplen && link.n_vlan <= 2);
		if (link.ethertype == 0x0800 || link.ethertype == 0x86dd)
			check_ip(data + link.l3_off, caplen - link.l3_off,
				 wirelen - link.l3_off, steer);
	}
	return 0;
}
