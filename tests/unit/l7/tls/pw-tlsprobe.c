/* pw-tlsprobe: reassembles the first client message of every TCP flow
 * (TLS ClientHello) and the client Initials of every UDP flow (QUIC) in a
 * capture, and prints one line per hello, for tests that compare with
 * tshark:
 *
 *   tcp  TAB sni TAB alpn TAB segments TAB length TAB markers
 *   quic TAB sni TAB alpn TAB datagrams TAB version
 *
 * `markers` are the positions of "extlen,sniext,host,endhost,midsld"
 * (-1 when one does not resolve). A TCP flow counts only when its SYN is
 * in the capture (the sequence numbers are relative to it).
 *
 * Usage: pw-tlsprobe FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "l7/markers/markers.h"
#include "l7/tls/quic.h"
#include "l7/tls/reasm.h"
#include "l7/tls/tls.h"
#include "pkt/dissect.h"
#include "pkt/link.h"
#include "source/capfile.h"

#define MAX_FLOWS 256

struct flow {
	bool used, done, tcp;
	uint8_t ipver;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t isn;
	unsigned pieces;
	struct pw_reasm tcp_buf;
	struct pw_quic_state *quic;
};

static struct flow flows[MAX_FLOWS];

static struct flow *find(const struct pw_dissect *d, bool create)
{
	size_t alen = d->ipver == 4 ? 4 : 16;
	unsigned i;

	for (i = 0; i < MAX_FLOWS; i++) {
		struct flow *f = &flows[i];

		if (f->used && f->ipver == d->ipver &&
		    f->tcp == (d->l4proto == 6) && f->sport == d->sport &&
		    f->dport == d->dport &&
		    !memcmp(f->src, pw_dissect_src(d), alen) &&
		    !memcmp(f->dst, pw_dissect_dst(d), alen))
			return f;
	}
	if (!create)
		return NULL;
	for (i = 0; i < MAX_FLOWS; i++) {
		struct flow *f = &flows[i];

		if (f->used)
			continue;
		memset(f, 0, sizeof(*f));
		f->used = true;
		f->tcp = d->l4proto == 6;
		f->ipver = d->ipver;
		f->sport = d->sport;
		f->dport = d->dport;
		memcpy(f->src, pw_dissect_src(d), alen);
		memcpy(f->dst, pw_dissect_dst(d), alen);
		return f;
	}
	return NULL;
}

static void print_tcp(struct flow *f)
{
	static const char *const names[] = { "extlen", "sniext", "host",
					     "endhost", "midsld" };
	const uint8_t *p = pw_reasm_data(&f->tcp_buf);
	size_t n = pw_reasm_contiguous(&f->tcp_buf);
	struct pw_tls_hello h;
	struct pw_marker m;
	unsigned i;

	if (f->tcp_buf.status == PW_REASM_COMPLETE)
		n = f->tcp_buf.need;
	pw_tls_parse_record(p, n, &h);
	printf("tcp\t%s\t%s\t%u\t%zu\t", h.sni, h.alpn, f->pieces, n);
	for (i = 0; i < 5; i++) {
		pw_marker_parse(names[i], &m);
		printf("%s%ld", i ? "," : "",
		       pw_marker_resolve(p, n, PW_PL_TLS_CLIENT_HELLO, &m));
	}
	putchar('\n');
}

static void on_tcp(const struct pw_dissect *d)
{
	struct flow *f;
	enum pw_reasm_status st;

	if ((d->tcp_flags & (PW_TCP_SYN | PW_TCP_ACK)) == PW_TCP_SYN) {
		f = find(d, true);
		if (!f)
			return;
		f->isn = d->tcp_seq;
		pw_reasm_init(&f->tcp_buf, 0, pw_reasm_need_tls_record);
		return;
	}
	f = find(d, false);
	if (!f || f->done || !d->payload_len)
		return;
	f->pieces++;
	st = pw_reasm_feed_tcp(&f->tcp_buf, d->tcp_seq - f->isn - 1,
			       pw_dissect_payload(d), d->payload_len);
	if (st == PW_REASM_NEED_MORE)
		return;
	f->done = true;
	if (st == PW_REASM_COMPLETE || st == PW_REASM_OVERFLOW)
		print_tcp(f);
}

static void on_udp(const struct pw_dissect *d)
{
	struct pw_quic_long_hdr h;
	struct flow *f = find(d, false);
	enum pw_quic_status st;

	if (!f) {
		if (!pw_quic_parse_long_header(pw_dissect_payload(d),
					       d->payload_len, &h) ||
		    h.type != PW_QUIC_INITIAL)
			return;
		f = find(d, true);
		if (!f)
			return;
		f->quic = malloc(sizeof(*f->quic));
		if (!f->quic)
			return;
		pw_quic_state_init(f->quic, 0);
	}
	if (f->done || !f->quic)
		return;
	st = pw_quic_feed(f->quic, pw_dissect_payload(d), d->payload_len);
	if (st == PW_QUIC_NOT_INITIAL || st == PW_QUIC_NEED_MORE)
		return;
	f->pieces++;
	f->done = true;
	printf("quic\t%s\t%s\t%u\t%08x\n", f->quic->hello.sni,
	       f->quic->hello.alpn, f->quic->packets, f->quic->version);
}

int main(int argc, char **argv)
{
	struct pw_capfile *cf;
	struct pw_packet pkt;
	struct pw_dissect d;
	struct pw_link link;
	struct pw_error err;
	unsigned i;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pw-tlsprobe FILE\n");
		return 2;
	}
	pw_error_clear(&err);
	cf = pw_capfile_open(argv[1], &err);
	if (!cf) {
		fprintf(stderr, "pw-tlsprobe: %s\n", err.msg);
		return 1;
	}
	while ((rc = pw_capfile_next(cf, &pkt, &err)) == 1) {
		if (!pw_link_parse(pkt.linktype, pkt.data, pkt.caplen, &link) ||
		    (link.ethertype != 0x0800 && link.ethertype != 0x86dd) ||
		    !pw_dissect_ip(pkt.data + link.l3_off,
				   pkt.caplen - link.l3_off,
				   pkt.wirelen > link.l3_off ?
					   pkt.wirelen - link.l3_off : 0,
				   &d) || !d.has_l4)
			continue;
		if (d.l4proto == 6)
			on_tcp(&d);
		else if (d.l4proto == 17)
			on_udp(&d);
	}
	pw_capfile_close(cf);
	for (i = 0; i < MAX_FLOWS; i++) {
		if (flows[i].tcp)
			pw_reasm_free(&flows[i].tcp_buf);
		if (flows[i].quic) {
			pw_quic_state_free(flows[i].quic);
			free(flows[i].quic);
		}
	}
	if (rc < 0) {
		fprintf(stderr, "pw-tlsprobe: %s\n", err.msg);
		return 1;
	}
	return 0;
}
