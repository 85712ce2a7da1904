/* Rebuild: identity over every test packet, edits with recomputed lengths
 * and checksums, checksum modes, fragmentation and TCP segmentation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "fixtures.h"
#include "pkt/dissect.h"
#include "pkt/rebuild.h"
#include "pkt_util.h"
#include "tap.h"

static struct pw_pkt_edit e;	/* large: keep it off the stack */
static uint8_t out[70000];

/* dissect -> edit -> rebuild gives the original bytes, with checksums
 * recomputed (valid originals) and with checksums kept. */
static void identity(const char *name, const uint8_t *pkt, size_t len,
		     bool csums_valid)
{
	struct pw_dissect d;
	uint8_t *c = pu_dup(pkt, len);
	int n;

	pw_dissect_ip(c, (uint32_t)len, (uint32_t)len, &d);
	if (!tap_ok(pw_edit_from_dissect(&e, &d) == 0, "%s: edit", name))
		goto out;
	if (csums_valid) {
		n = pw_rebuild(&e, out, sizeof(out));
		tap_ok(n == (int)d.ip_len && memcmp(out, pkt, d.ip_len) == 0,
		       "%s: identical, checksums recomputed", name);
	}
	e.ip_csum = PW_CSUM_KEEP;
	e.l4_csum = PW_CSUM_KEEP;
	n = pw_rebuild(&e, out, sizeof(out));
	tap_ok(n == (int)d.ip_len && memcmp(out, pkt, d.ip_len) == 0,
	       "%s: identical, checksums kept", name);
out:
	free(c);
}

static void test_identity(void)
{
	static const uint8_t all_opts[] = {
		2, 4, 0x05, 0xb4, 3, 3, 8, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2,
		34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 253, 4, 0xab, 0xcd,
		1, 0, 0xee, 0xee, 0xee, 0xee, 0xee,
	};
	static const uint8_t md5_sack[] = {
		1, 1, 19, 18, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
		16, 5, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0, 1, 1,
	};
	static const uint8_t bad_len[] = {
		2, 4, 0x05, 0xb4, 8, 20, 0, 0, 0, 1, 0, 0,
	};
	uint8_t b[200];
	size_t n;

	identity("v4 tcp syn", v4_tcp_syn, sizeof(v4_tcp_syn), true);
	identity("v4 udp options", v4_udp_opts, sizeof(v4_udp_opts), true);
	identity("v6 tcp", v6_tcp_http, sizeof(v6_tcp_http), true);
	identity("v6 ext chain", v6_ext_chain, sizeof(v6_ext_chain), true);
	identity("v6 routing", v6_rh_segleft, sizeof(v6_rh_segleft), true);
	identity("icmp unreach", v4_icmp_unreach, sizeof(v4_icmp_unreach),
		 true);
	identity("icmpv6 ptb", v6_icmp_ptb, sizeof(v6_icmp_ptb), true);
	identity("icmp echo", v4_icmp_echo, sizeof(v4_icmp_echo), true);
	identity("v6 esp", v6_esp, sizeof(v6_esp), true);
	n = pu_ip4_tcp(b, all_opts, sizeof(all_opts), "data", 4);
	identity("tcp options + junk after EOL", b, n, true);
	n = pu_ip4_tcp(b, md5_sack, sizeof(md5_sack), "", 0);
	identity("tcp md5 + sack", b, n, true);
	n = pu_ip4_tcp(b, bad_len, sizeof(bad_len), "z", 1);
	identity("tcp bad option length", b, n, true);

	/* UDP over IPv4 without a checksum stays without one. */
	n = pu_ip4_udp(b, "nochecksum", 10);
	pw_put_be16(b + 26, 0);
	identity("v4 udp checksum 0", b, n, true);

	/* A later fragment and a first fragment (L4 checksum kept). */
	n = pu_ip4_udp(b, "0123456789abcdef", 16);
	pw_put_be16(b + 6, 0x2000);
	pw_put_be16(b + 10, 0);
	pw_put_be16(b + 10, pw_csum_ip4_header(b, 20));
	identity("v4 first fragment", b, n, true);
	/* The UDP length of a first fragment counts the whole datagram. */
	pw_put_be16(b + 24, 1000);
	pw_put_be16(b + 26, 0x5555);
	identity("v4 first fragment of a long datagram", b, n, true);
	pw_put_be16(b + 6, 0x0002);
	pw_put_be16(b + 10, 0);
	pw_put_be16(b + 10, pw_csum_ip4_header(b, 20));
	identity("v4 later fragment", b, n, true);

	/* A right checksum stored as 0xffff (computed: 0) stays 0xffff. */
	memset(b, 0xff, 36);
	memcpy(b, v4_icmp_echo, 20);
	identity("icmp checksum 0xffff", b, 36, true);

	/* Broken checksums survive in keep mode. */
	memcpy(b, v4_tcp_syn, sizeof(v4_tcp_syn));
	b[10] ^= 0x55;
	b[36] ^= 0x55;
	identity("v4 wrong checksums", b, sizeof(v4_tcp_syn), false);
}

static void test_snapped_and_refused(void)
{
	struct pw_dissect d;
	int n;

	pw_dissect_ip(v6_tcp_http, 80, 90, &d);
	tap_ok(pw_edit_from_dissect(&e, &d) == 0 && e.payload_len == 8,
	       "snapped: edit with captured payload");
	e.keep_lengths = true;
	e.l4_csum = PW_CSUM_KEEP;
	n = pw_rebuild(&e, out, sizeof(out));
	tap_ok(n == 80 && memcmp(out, v6_tcp_http, 80) == 0,
	       "snapped: kept lengths reproduce the captured bytes");

	pw_dissect_ip(v6_tcp_http, 50, 90, &d);
	tap_eq_u64((uint64_t)-pw_edit_from_dissect(&e, &d), EINVAL,
		   "truncated header: edit refused");

	pw_dissect_ip(v4_tcp_syn, sizeof(v4_tcp_syn), sizeof(v4_tcp_syn), &d);
	pw_edit_from_dissect(&e, &d);
	tap_eq_u64((uint64_t)-pw_rebuild(&e, out, 59), ENOSPC,
		   "small buffer: ENOSPC");
	tap_eq_u64(pw_rebuild_size(&e), 60, "rebuild size");
}

static bool dissect_clean(const uint8_t *p, int n, struct pw_dissect *d)
{
	if (n <= 0)
		return false;
	pw_dissect_ip(p, (uint32_t)n, (uint32_t)n, d);
	pw_dissect_verify_checksums(d);
	return d->malformed == 0;
}

static void test_modify(void)
{
	static const uint8_t big[100] = { 'B' };
	struct pw_dissect d;
	int n;

	pw_dissect_ip(v4_tcp_syn, sizeof(v4_tcp_syn), sizeof(v4_tcp_syn), &d);
	pw_edit_from_dissect(&e, &d);
	e.ip4.ttl = 10;
	e.tcp.sport = 1111;
	e.tcp.seq += 5;
	n = pw_rebuild(&e, out, sizeof(out));
	tap_ok(dissect_clean(out, n, &d), "ttl/port/seq edit: checksums good");
	tap_ok(out[8] == 10 && d.sport == 1111 && d.tcp_seq == 0x01020309,
	       "ttl/port/seq edit: fields written");
	tap_ok(pw_get_be16(out + 10) != V4_TCP_SYN_IPCSUM &&
	       pw_get_be16(out + 36) != V4_TCP_SYN_TCPCSUM,
	       "ttl/port/seq edit: both checksums changed");

	pw_dissect_ip(v6_tcp_http, sizeof(v6_tcp_http), sizeof(v6_tcp_http),
		      &d);
	pw_edit_from_dissect(&e, &d);
	e.payload = big;
	e.payload_len = sizeof(big);
	n = pw_rebuild(&e, out, sizeof(out));
	tap_ok(dissect_clean(out, n, &d) && n == 172 && d.ip_len == 172 &&
	       pw_get_be16(out + 4) == 132 && d.payload_len == 100,
	       "v6 payload grown: payload length and checksum");

	pw_dissect_ip(v4_udp_opts, sizeof(v4_udp_opts), sizeof(v4_udp_opts),
		      &d);
	pw_edit_from_dissect(&e, &d);
	e.payload = big;
	e.payload_len = 3;
	e.udp.dport = 53;
	n = pw_rebuild(&e, out, sizeof(out));
	tap_ok(dissect_clean(out, n, &d) && n == 35 &&
	       pw_get_be16(out + 2) == 35 && pw_get_be16(out + 28) == 11 &&
	       d.dport == 53, "v4 udp shrunk: total, udp length, checksums");

	pw_dissect_ip(v4_icmp_echo, sizeof(v4_icmp_echo),
		      sizeof(v4_icmp_echo), &d);
	pw_edit_from_dissect(&e, &d);
	e.icmp.rest[3] = 4;	/* sequence 3 -> 4 */
	n = pw_rebuild(&e, out, sizeof(out));
	tap_ok(dissect_clean(out, n, &d) && out[27] == 4,
	       "icmp echo sequence edit: checksum good");

	/* Routing header with segments left: the checksum must follow the
	 * final destination when the source address changes. */
	pw_dissect_ip(v6_rh_segleft, sizeof(v6_rh_segleft),
		      sizeof(v6_rh_segleft), &d);
	pw_edit_from_dissect(&e, &d);
	e.ip6.src[15] = 0x77;
	n = pw_rebuild(&e, out, sizeof(out));
	tap_ok(dissect_clean(out, n, &d), "v6 rh edit: checksum good");
}

static void test_checksum_modes(void)
{
	struct pw_dissect d;
	int n;

	pw_dissect_ip(v4_tcp_syn, sizeof(v4_tcp_syn), sizeof(v4_tcp_syn), &d);
	pw_edit_from_dissect(&e, &d);
	e.ip_csum = PW_CSUM_BAD;
	e.l4_csum = PW_CSUM_BAD;
	n = pw_rebuild(&e, out, sizeof(out));
	dissect_clean(out, n, &d);
	tap_eq_u64(d.malformed, PW_MAL_BAD_IP_CSUM | PW_MAL_BAD_L4_CSUM,
		   "bad mode: both checksums wrong");
	e.ip_csum = PW_CSUM_RECOMPUTE;
	e.l4_csum = PW_CSUM_KEEP;
	e.tcp.csum = 0x1234;
	n = pw_rebuild(&e, out, sizeof(out));
	tap_ok(n == 60 && pw_get_be16(out + 36) == 0x1234 &&
	       pw_get_be16(out + 10) == V4_TCP_SYN_IPCSUM,
	       "keep mode writes the stored value");

	pw_dissect_ip(v4_udp_opts, sizeof(v4_udp_opts), sizeof(v4_udp_opts),
		      &d);
	pw_edit_from_dissect(&e, &d);
	e.l4_csum = PW_CSUM_BAD;
	n = pw_rebuild(&e, out, sizeof(out));
	dissect_clean(out, n, &d);
	tap_ok(d.malformed == PW_MAL_BAD_L4_CSUM && pw_get_be16(out + 30) != 0,
	       "bad mode udp: wrong and not 'no checksum'");

	pw_dissect_ip(v6_ext_chain, sizeof(v6_ext_chain), sizeof(v6_ext_chain),
		      &d);
	pw_edit_from_dissect(&e, &d);
	e.l4_csum = PW_CSUM_BAD;
	n = pw_rebuild(&e, out, sizeof(out));
	dissect_clean(out, n, &d);
	tap_eq_u64(d.malformed, PW_MAL_BAD_L4_CSUM, "bad mode v6 udp");

	pw_dissect_ip(v4_tcp_syn, sizeof(v4_tcp_syn), sizeof(v4_tcp_syn), &d);
	pw_edit_from_dissect(&e, &d);
	e.keep_lengths = true;
	e.ip4.total_len = 999;
	n = pw_rebuild(&e, out, sizeof(out));
	tap_ok(n == 60 && pw_get_be16(out + 2) == 999,
	       "keep_lengths writes the stored total length");
}

static void test_tcp_option_edits(void)
{
	static const uint8_t mss1200[2] = { 0x04, 0xb0 };
	static const uint8_t md5[16] = { 1 };
	struct pw_dissect d;
	uint8_t len;
	const uint8_t *v;
	int n;

	pw_dissect_ip(v4_tcp_syn, sizeof(v4_tcp_syn), sizeof(v4_tcp_syn), &d);
	pw_edit_from_dissect(&e, &d);
	tap_eq_u64(e.tcp.n_opts, 5, "edit: 5 options listed");
	tap_eq_u64(pw_edit_tcp_opt_remove(&e, PW_TCPOPT_TIMESTAMP), 1,
		   "remove timestamp");
	tap_eq_u64(pw_edit_tcp_opt_set(&e, PW_TCPOPT_MSS, mss1200, 2), 0,
		   "set MSS 1200");
	n = pw_rebuild(&e, out, sizeof(out));
	tap_ok(dissect_clean(out, n, &d) && d.l4_hlen == 32 && n == 52,
	       "options shrunk to 12 bytes (10 + padding)");
	v = pw_tcp_opt_find(&d, PW_TCPOPT_MSS, &len);
	tap_ok(v && pw_get_be16(v) == 1200 &&
	       !pw_tcp_opt_find(&d, PW_TCPOPT_TIMESTAMP, NULL),
	       "MSS replaced, timestamp gone");
	tap_eq_u64(pw_edit_tcp_opt_set(&e, PW_TCPOPT_MD5, md5, 16), 0,
		   "add MD5");
	n = pw_rebuild(&e, out, sizeof(out));
	tap_ok(dissect_clean(out, n, &d) && d.l4_hlen == 48 &&
	       pw_tcp_opt_find(&d, PW_TCPOPT_MD5, &len) && len == 16,
	       "MD5 appended, header 48");
	tap_eq_u64(pw_edit_tcp_opt_set(&e, 250, md5, 16), 0,
		   "add an 18-byte option");
	tap_eq_u64((uint64_t)-pw_rebuild(&e, out, sizeof(out)), EMSGSIZE,
		   "options over 40 bytes refused");
}

static void test_ip6_ext_edits(void)
{
	uint8_t hop[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };
	struct pw_dissect d;
	int n;

	pw_dissect_ip(v6_tcp_http, sizeof(v6_tcp_http), sizeof(v6_tcp_http),
		      &d);
	pw_edit_from_dissect(&e, &d);
	tap_eq_u64(pw_edit_ip6_ext_insert(&e, 0, 0, hop, 8), 0,
		   "insert hop-by-hop");
	n = pw_rebuild(&e, out, sizeof(out));
	tap_ok(dissect_clean(out, n, &d) && d.n_ext == 1 && d.ext[0].type == 0 &&
	       out[6] == 0 && out[40] == 6 && n == 98,
	       "hop-by-hop chained in, checksum good");
	tap_eq_u64((uint64_t)-pw_edit_ip6_ext_insert(&e, 0, 0, hop, 12),
		   EINVAL, "ext of 12 bytes refused");
	tap_eq_u64(pw_edit_ip6_ext_remove(&e, 0), 0, "remove it");
	n = pw_rebuild(&e, out, sizeof(out));
	tap_ok(n == (int)sizeof(v6_tcp_http) &&
	       memcmp(out, v6_tcp_http, sizeof(v6_tcp_http)) == 0,
	       "back to the original bytes");
}

static void test_init(void)
{
	static const uint8_t src[4] = { 10, 9, 8, 7 }, dst[4] = { 1, 2, 3, 4 };
	struct pw_dissect d;
	int n;

	pw_edit_init(&e, 4, 17);
	memcpy(e.ip4.src, src, 4);
	memcpy(e.ip4.dst, dst, 4);
	e.udp.sport = 9;
	e.udp.dport = 10;
	e.payload = (const uint8_t *)"fresh";
	e.payload_len = 5;
	n = pw_rebuild(&e, out, sizeof(out));
	tap_ok(dissect_clean(out, n, &d) && n == 33 && d.sport == 9 &&
	       d.payload_len == 5 && out[8] == 64,
	       "packet from scratch is valid");
}

static int fragment_count;

/* Puts each fragment's data where its offset says; returns the number of
 * bytes covered and checks that only the last lacks the MF flag. */
static uint32_t reassemble(const struct pw_span *spans, int n, uint8_t *buf,
			   bool *flags_ok, uint32_t *id)
{
	uint32_t covered = 0;
	int i;

	*flags_ok = true;
	for (i = 0; i < n; i++) {
		struct pw_dissect d;
		uint32_t start = 0;
		unsigned k;

		pw_dissect_ip(out + spans[i].off, spans[i].len, spans[i].len,
			      &d);
		pw_dissect_verify_checksums(&d);
		if (d.malformed || !d.is_fragment ||
		    d.more_frags != (i < n - 1))
			*flags_ok = false;
		if (d.ipver == 4) {
			start = d.l3_hlen;
		} else {
			for (k = 0; k < d.n_ext; k++)
				if (d.ext[k].type == 44)
					start = d.ext[k].off + 8u;
		}
		memcpy(buf + d.frag_off, d.l3 + start, d.ip_len - start);
		covered += d.ip_len - start;
		*id = d.frag_id;
	}
	fragment_count = n;
	return covered;
}

static void test_fragments_v4(void)
{
	static const uint8_t opts[12] = {
		0x94, 4, 0, 0,		/* router alert: copied */
		0x07, 7, 4, 0, 0, 0, 0,	/* record route: first only */
		1,
	};
	uint8_t payload[100], whole[200], reasm[200];
	uint32_t cuts[2] = { 24, 64 }, bad[2] = { 24, 60 }, id = 0;
	struct pw_span spans[3];
	struct pw_dissect d;
	bool flags_ok;
	int n, wn;
	unsigned i;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)i;
	pw_edit_init(&e, 4, 17);
	e.ip4.id = 0x5151;
	e.ip4.src[0] = 10, e.ip4.dst[0] = 11;
	memcpy(e.ip4.opts, opts, sizeof(opts));
	e.ip4.opts_len = sizeof(opts);
	e.udp.sport = 1, e.udp.dport = 2;
	e.payload = payload;
	e.payload_len = sizeof(payload);
	wn = pw_rebuild(&e, whole, sizeof(whole));
	tap_eq_u64(wn, 140, "v4 whole datagram: 32 + 8 + 100");

	n = pw_rebuild_fragments(&e, cuts, 2, 0, out, sizeof(out), spans);
	tap_eq_u64(n, 3, "v4: three fragments");
	tap_ok(spans[0].len == 32 + 24 && spans[1].len == 24 + 40 &&
	       spans[2].len == 24 + 44, "v4: options copied per copy flag");
	pw_dissect_ip(out + spans[1].off, spans[1].len, spans[1].len, &d);
	tap_ok(d.l3_hlen == 24 && d.l3[20] == 0x94 && d.frag_off == 24,
	       "v4: later fragment carries router alert only");
	memset(reasm, 0, sizeof(reasm));
	tap_eq_u64(reassemble(spans, n, reasm, &flags_ok, &id), 108,
		   "v4: fragments cover the datagram");
	tap_ok(flags_ok && id == 0x5151, "v4: MF flags, ids, ip checksums");
	tap_eq_mem(reasm, whole + 32, 108, "v4: reassembly = original");

	tap_eq_u64((uint64_t)-pw_rebuild_fragments(&e, bad, 2, 0, out,
						   sizeof(out), spans),
		   EINVAL, "v4: cut not a multiple of 8 refused");
	bad[1] = 16;
	tap_eq_u64((uint64_t)-pw_rebuild_fragments(&e, bad, 2, 0, out,
						   sizeof(out), spans),
		   EINVAL, "v4: decreasing cuts refused");
	bad[0] = 112;
	tap_eq_u64((uint64_t)-pw_rebuild_fragments(&e, bad, 1, 0, out,
						   sizeof(out), spans),
		   EINVAL, "v4: cut past the end refused");
	tap_eq_u64((uint64_t)-pw_rebuild_fragments(&e, cuts, 2, 0, out, 100,
						   spans),
		   ENOSPC, "v4: small buffer");
}

static void test_fragments_v6(void)
{
	static const uint8_t dopt[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };
	uint8_t whole[300], reasm[300];
	uint32_t cuts[1] = { 8 }, cuts2[2] = { 40, 48 }, id = 0;
	struct pw_span spans[3];
	struct pw_dissect d;
	bool flags_ok;
	int n, wn;

	/* Routing header stays in front of the fragment header. */
	pw_dissect_ip(v6_rh_segleft, sizeof(v6_rh_segleft),
		      sizeof(v6_rh_segleft), &d);
	pw_edit_from_dissect(&e, &d);
	wn = pw_rebuild(&e, whole, sizeof(whole));
	n = pw_rebuild_fragments(&e, cuts, 1, 0xfeed, out, sizeof(out), spans);
	tap_eq_u64(n, 2, "v6 rh: two fragments");
	pw_dissect_ip(out, spans[0].len, spans[0].len, &d);
	tap_ok(d.n_ext == 2 && d.ext[0].type == 43 && d.ext[1].type == 44 &&
	       d.has_l4 && d.sport == 1, "v6 rh: rh, frag, udp in the first");
	memset(reasm, 0, sizeof(reasm));
	tap_eq_u64(reassemble(spans, n, reasm, &flags_ok, &id), 10,
		   "v6 rh: 10 bytes of udp covered");
	tap_ok(flags_ok && id == 0xfeed, "v6 rh: M flags and id");
	tap_eq_mem(reasm, whole + 80, 10, "v6 rh: reassembly = original");
	tap_eq_u64(wn, sizeof(v6_rh_segleft), "v6 rh: whole size");

	/* Destination options without a routing header are fragmentable. */
	pw_dissect_ip(v6_tcp_http, sizeof(v6_tcp_http), sizeof(v6_tcp_http),
		      &d);
	pw_edit_from_dissect(&e, &d);
	pw_edit_ip6_ext_insert(&e, 0, 60, dopt, 8);
	wn = pw_rebuild(&e, whole, sizeof(whole));
	n = pw_rebuild_fragments(&e, cuts2, 2, 7, out, sizeof(out), spans);
	tap_eq_u64(n, 3, "v6 dstopts: three fragments");
	pw_dissect_ip(out, spans[0].len, spans[0].len, &d);
	tap_ok(d.n_ext == 2 && d.ext[0].type == 44 && d.ext[1].type == 60 &&
	       d.l4proto == 6 && d.has_l4, "v6 dstopts: after the frag header");
	memset(reasm, 0, sizeof(reasm));
	tap_eq_u64(reassemble(spans, n, reasm, &flags_ok, &id),
		   (uint64_t)wn - 40, "v6 dstopts: all covered");
	tap_ok(flags_ok && id == 7 && fragment_count == 3,
	       "v6 dstopts: flags and id");
	tap_eq_mem(reasm, whole + 40, (unsigned long)wn - 40,
		   "v6 dstopts: reassembly = original");
	n = pw_rebuild_fragments(&e, cuts, 1, 7, out, sizeof(out), spans);
	tap_eq_u64(n, 2, "v6 dstopts: one cut, two fragments");

	/* Already a fragment: refused. */
	memcpy(whole, out, spans[0].len);
	pw_dissect_ip(whole, spans[0].len, spans[0].len, &d);
	pw_edit_from_dissect(&e, &d);
	tap_eq_u64((uint64_t)-pw_rebuild_fragments(&e, cuts, 1, 7, out,
						   sizeof(out), spans),
		   EINVAL, "v6: fragmenting a fragment refused");
}

static void test_segments(void)
{
	static const uint32_t cuts[2] = { 1, 5 };
	static const uint32_t seqs[3] = { 1000, 1001, 1005 };
	static const uint8_t flags[3] = { PW_TCP_ACK, PW_TCP_ACK,
					  PW_TCP_ACK | PW_TCP_PSH };
	struct pw_span spans[3];
	struct pw_dissect d;
	uint8_t joined[32];
	uint32_t at = 0, syn_cut = 2;
	bool ok = true;
	int n, i;

	pw_dissect_ip(v6_tcp_http, sizeof(v6_tcp_http), sizeof(v6_tcp_http),
		      &d);
	pw_edit_from_dissect(&e, &d);
	n = pw_rebuild_segments(&e, cuts, 2, out, sizeof(out), spans);
	tap_eq_u64(n, 3, "segments: three");
	for (i = 0; i < n && i < 3; i++) {
		if (!dissect_clean(out + spans[i].off, (int)spans[i].len, &d) ||
		    d.tcp_seq != seqs[i] || d.tcp_flags != flags[i] ||
		    d.n_tcp_opts != 3)
			ok = false;
		memcpy(joined + at, pw_dissect_payload(&d), d.payload_len);
		at += d.payload_len;
	}
	tap_ok(ok, "segments: seq follows data, PSH on the last, valid");
	tap_ok(at == 18 && memcmp(joined, v6_tcp_http + 72, 18) == 0,
	       "segments: payloads join to the original");
	tap_eq_u64(spans[0].len, 73, "segments: first carries one byte");

	pw_dissect_ip(v4_tcp_syn, sizeof(v4_tcp_syn), sizeof(v4_tcp_syn), &d);
	pw_edit_from_dissect(&e, &d);
	e.payload = (const uint8_t *)"abcdef";
	e.payload_len = 6;
	n = pw_rebuild_segments(&e, &syn_cut, 1, out, sizeof(out), spans);
	dissect_clean(out + spans[1].off, (int)spans[1].len, &d);
	tap_ok(n == 2 && d.tcp_seq == 0x01020304 + 1 + 2 && d.tcp_flags == 0 &&
	       d.frag_id == 0x1235 && d.payload_len == 4,
	       "syn with data: SYN counts one, only on the first");
	syn_cut = 6;
	tap_eq_u64((uint64_t)-pw_rebuild_segments(&e, &syn_cut, 1, out,
						  sizeof(out), spans),
		   EINVAL, "segments: cut at the end refused");
}

int main(void)
{
	test_identity();
	test_snapped_and_refused();
	test_modify();
	test_checksum_modes();
	test_tcp_option_edits();
	test_ip6_ext_edits();
	test_init();
	test_fragments_v4();
	test_fragments_v6();
	test_segments();
	return tap_done();
}
