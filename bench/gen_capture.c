/* Writes a large synthetic capture for benchmarks: Ethernet pcap with a mix
 * of flow sizes close to what an access link sees (many DNS exchanges and
 * short HTTP/TLS connections, QUIC connections, a few bulk transfers, some
 * UDP streams), on IPv4 and IPv6, with correct checksums and realistic
 * first payloads so that protocol detection has real work to do:
 *   - TLS over TCP 443: ClientHello with SNI; a share of them carry a
 *     post-quantum key share (X25519MLKEM768) and so span two segments,
 *   - QUIC on UDP 443: real client Initials (v1, some v2) sealed with the
 *     Initial keys, carrying a ClientHello with SNI in CRYPTO frames (two
 *     Initial datagrams for the post-quantum ones), then short-header
 *     1-RTT-looking datagrams both ways,
 *   - HTTP/1.1 requests with Host, DNS queries and answers.
 *
 *   gen-capture [--stalled-hellos] OUT.pcap [PACKETS] [SEED]
 *
 * --stalled-hellos writes only TCP flows that start a 16000-byte
 * ClientHello and stop 72 bytes before its end: each one makes a reader
 * that reassembles hellos buffer almost a whole hello until the flow
 * times out or is evicted (a memory-bound test).
 *
 * Flows interleave: a fixed number are active at once and each step sends
 * the next packet of a randomly chosen one. Addresses are from the
 * documentation ranges; the output is a file, nothing is sent. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "l7/tls/quic.h"
#include "pkt/checksum.h"

#define ACTIVE_FLOWS 4096
#define MSS 1448
#define HELLO_MAX 16384
/* Stalled hellos: 16000 bytes announced, STALLED_SEGMENTS full segments
 * (15928 bytes) sent. */
#define STALLED_HELLO 16000
#define STALLED_SEGMENTS 11
/* CRYPTO bytes of a split QUIC hello that go in the first Initial. */
#define QUIC_FIRST_CRYPTO 1100
#define QUIC_CID_LEN 8

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64*: fast, reproducible from the seed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t rng_range(uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(rng() % (hi - lo + 1));
}

enum flow_kind { K_DNS, K_HTTP, K_TLS, K_QUIC, K_BULK, K_UDP_STREAM,
		 K_STALLED };

struct gen_flow {
	enum flow_kind kind;
	int v6;
	uint64_t hello_seed;	/* rebuilds the same hello for each part */
	uint8_t caddr[16], saddr[16];
	uint16_t cport, sport;
	uint32_t cseq, sseq;
	uint32_t step, steps;	/* packets sent, packets in total */
	uint32_t id;
	bool pq;		/* post-quantum key share: hello spans two */
	bool quic_v2;
	uint8_t scid_len;
	uint8_t dcid[QUIC_CID_LEN];	/* client's first dcid */
	uint8_t scid[QUIC_CID_LEN];
	uint8_t server_cid[QUIC_CID_LEN];	/* dcid of 1-RTT to server */
};

struct out {
	FILE *f;
	uint64_t ts_ns;
	uint64_t packets;
	uint8_t buf[2048];
};

static void write_record(struct out *o, const uint8_t *frame, uint32_t len)
{
	uint8_t rec[16];

	pw_put_le32(rec, (uint32_t)(o->ts_ns / 1000000000u));
	pw_put_le32(rec + 4, (uint32_t)(o->ts_ns % 1000000000u));
	pw_put_le32(rec + 8, len);
	pw_put_le32(rec + 12, len);
	fwrite(rec, 1, 16, o->f);
	fwrite(frame, 1, len, o->f);
	o->packets++;
	o->ts_ns += rng_range(200, 20000);
}

/* Builds Ethernet + IP + TCP/UDP around payload and writes it. dir 0 is
 * client to server. */
static void emit(struct out *o, struct gen_flow *fl, int dir, uint8_t proto,
		 uint8_t tcp_flags, const uint8_t *payload, uint32_t plen)
{
	uint8_t *p = o->buf;
	const uint8_t *src = dir ? fl->saddr : fl->caddr;
	const uint8_t *dst = dir ? fl->caddr : fl->saddr;
	uint16_t sp = dir ? fl->sport : fl->cport;
	uint16_t dp = dir ? fl->cport : fl->sport;
	uint32_t l3 = 14, l4, l4len, hlen = proto == 6 ? 20 : 8;
	uint32_t sum;
	uint16_t csum;

	memset(p, 0, 14);
	p[0] = 0x02; p[5] = dir ? 1 : 2;
	p[6] = 0x02; p[11] = dir ? 2 : 1;
	pw_put_be16(p + 12, fl->v6 ? 0x86dd : 0x0800);
	l4len = hlen + plen;
	if (fl->v6) {
		memset(p + l3, 0, 40);
		p[l3] = 0x60;
		pw_put_be16(p + l3 + 4, (uint16_t)l4len);
		p[l3 + 6] = proto;
		p[l3 + 7] = 64;
		memcpy(p + l3 + 8, src, 16);
		memcpy(p + l3 + 24, dst, 16);
		l4 = l3 + 40;
		sum = pw_csum_pseudo6(src, dst, proto, l4len);
	} else {
		memset(p + l3, 0, 20);
		p[l3] = 0x45;
		pw_put_be16(p + l3 + 2, (uint16_t)(20 + l4len));
		pw_put_be16(p + l3 + 4, (uint16_t)(fl->step + fl->id));
		p[l3 + 6] = 0x40;	/* DF */
		p[l3 + 8] = 64;
		p[l3 + 9] = proto;
		memcpy(p + l3 + 12, src, 4);
		memcpy(p + l3 + 16, dst, 4);
		pw_put_be16(p + l3 + 10, pw_csum_ip4_header(p + l3, 20));
		l4 = l3 + 20;
		sum = pw_csum_pseudo4(src, dst, proto, l4len);
	}
	memset(p + l4, 0, hlen);
	pw_put_be16(p + l4, sp);
	pw_put_be16(p + l4 + 2, dp);
	if (proto == 6) {
		uint32_t *seq = dir ? &fl->sseq : &fl->cseq;
		uint32_t *ack = dir ? &fl->cseq : &fl->sseq;

		pw_put_be32(p + l4 + 4, *seq);
		pw_put_be32(p + l4 + 8, tcp_flags & 0x10 ? *ack : 0);
		p[l4 + 12] = 0x50;
		p[l4 + 13] = tcp_flags;
		pw_put_be16(p + l4 + 14, 64240);
		*seq += plen + !!(tcp_flags & 0x03);	/* SYN, FIN */
	} else {
		pw_put_be16(p + l4 + 4, (uint16_t)l4len);
	}
	if (plen)
		memcpy(p + l4 + hlen, payload, plen);
	sum = pw_csum_partial(p + l4, l4len, sum);
	csum = pw_csum_finish(sum);
	/* A UDP checksum of 0 means "none"; a computed 0 is sent as all
	 * ones (RFC 768), and IPv6 requires one. */
	if (proto == 17 && csum == 0)
		csum = 0xffff;
	pw_put_be16(p + l4 + (proto == 6 ? 16 : 6), csum);
	write_record(o, p, l4 + l4len);
}

static uint32_t put_name(uint8_t *p, const char *name)
{
	uint32_t n = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		p[n++] = (uint8_t)l;
		memcpy(p + n, name, l);
		n += (uint32_t)l;
		name += l + (dot != NULL);
	}
	p[n++] = 0;
	return n;
}

static uint32_t build_dns(uint8_t *p, uint32_t id, int response,
			  const char *name)
{
	uint32_t n = 12;

	memset(p, 0, 12);
	pw_put_be16(p, (uint16_t)id);
	pw_put_be16(p + 2, response ? 0x8180 : 0x0100);
	pw_put_be16(p + 4, 1);
	pw_put_be16(p + 6, response ? 1 : 0);
	n += put_name(p + n, name);
	pw_put_be16(p + n, 1);
	pw_put_be16(p + n + 2, 1);
	n += 4;
	if (response) {
		static const uint8_t ans[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0,
					       0, 60, 0, 4, 192, 0, 2, 7 };
		memcpy(p + n, ans, sizeof(ans));
		n += sizeof(ans);
	}
	return n;
}

struct hello_opts {
	const char *sni;
	bool pq;		/* X25519MLKEM768 key share before X25519 */
	bool quic;		/* ALPN h3, transport parameters, no record */
	const uint8_t *scid;	/* initial_source_connection_id (QUIC) */
	size_t scid_len;
	size_t pad_to;		/* padding extension up to this length */
};

static uint32_t put_ext(uint8_t *p, uint16_t type, const uint8_t *d,
			uint16_t len)
{
	pw_put_be16(p, type);
	pw_put_be16(p + 2, len);
	if (len)
		memcpy(p + 4, d, len);
	return 4u + len;
}

/* A TLS 1.3-style ClientHello with SNI, ALPN, supported_versions and key
 * shares: the shape browsers send, minus GREASE. For TCP it is one TLS
 * record; QUIC carries the bare handshake message. p holds HELLO_MAX. */
static uint32_t build_client_hello(uint8_t *p, const struct hello_opts *o)
{
	static const uint16_t suites[] = { 0x1301, 0x1302, 0x1303, 0xc02b,
					   0xc02f, 0xc02c, 0xc030, 0xcca9,
					   0xcca8, 0xc013, 0xc014, 0x009c };
	static const uint8_t alpn_tcp[] = { 0, 12, 2, 'h', '2', 8, 'h', 't',
					    't', 'p', '/', '1', '.', '1' };
	static const uint8_t alpn_h3[] = { 0, 3, 2, 'h', '3' };
	static const uint8_t sv[] = { 4, 3, 4, 3, 3 };	/* 1.3, 1.2 */
	static const uint8_t groups[] = { 0, 6, 0x11, 0xec, 0, 29, 0, 23 };
	/* max_idle_timeout 30 s, initial_max_data 15 MB, max_udp_payload
	 * 1472, initial_max_streams_bidi 100 */
	static const uint8_t tp_fixed[] = { 0x01, 0x04, 0x80, 0x00, 0x75,
					    0x30, 0x04, 0x04, 0x80, 0xf0,
					    0x00, 0x00, 0x03, 0x02, 0x45,
					    0xc0, 0x08, 0x02, 0x40, 0x64 };
	uint32_t n = 0, ext_start, hs_start, i, ks;
	size_t sl = strlen(o->sni);
	uint8_t ext[64];

	if (!o->quic) {
		p[n++] = 0x16; p[n++] = 3; p[n++] = 1; n += 2;	/* record */
	}
	hs_start = n;
	p[n++] = 1; n += 3;				/* ClientHello */
	p[n++] = 3; p[n++] = 3;
	for (i = 0; i < 32; i++)
		p[n++] = (uint8_t)rng();
	if (o->quic) {
		p[n++] = 0;	/* no legacy session id in QUIC */
	} else {
		p[n++] = 32;
		for (i = 0; i < 32; i++)
			p[n++] = (uint8_t)rng();
	}
	pw_put_be16(p + n, sizeof(suites));
	n += 2;
	for (i = 0; i < PW_ARRAY_SIZE(suites); i++, n += 2)
		pw_put_be16(p + n, suites[i]);
	p[n++] = 1; p[n++] = 0;
	ext_start = n;
	n += 2;
	/* server_name first, so a reader finds it in the first part */
	pw_put_be16(p + n, 0); pw_put_be16(p + n + 2, (uint16_t)(sl + 5));
	pw_put_be16(p + n + 4, (uint16_t)(sl + 3)); p[n + 6] = 0;
	pw_put_be16(p + n + 7, (uint16_t)sl);
	memcpy(p + n + 9, o->sni, sl);
	n += 9 + (uint32_t)sl;
	if (o->quic)
		n += put_ext(p + n, 16, alpn_h3, sizeof(alpn_h3));
	else
		n += put_ext(p + n, 16, alpn_tcp, sizeof(alpn_tcp));
	n += put_ext(p + n, 43, sv, sizeof(sv));
	n += put_ext(p + n, 10, groups, sizeof(groups));
	/* key_share: list length, then (group, length, share) entries */
	ks = n;
	pw_put_be16(p + n, 51);
	n += 6;
	if (o->pq) {
		pw_put_be16(p + n, 0x11ec);
		pw_put_be16(p + n + 2, 1216);
		n += 4;
		for (i = 0; i < 1216; i++)
			p[n++] = (uint8_t)rng();
	}
	pw_put_be16(p + n, 29);
	pw_put_be16(p + n + 2, 32);
	n += 4;
	for (i = 0; i < 32; i++)
		p[n++] = (uint8_t)rng();
	pw_put_be16(p + ks + 2, (uint16_t)(n - ks - 4));
	pw_put_be16(p + ks + 4, (uint16_t)(n - ks - 6));
	if (o->quic) {
		/* quic_transport_parameters; initial_source_connection_id */
		memcpy(ext, tp_fixed, sizeof(tp_fixed));
		ext[sizeof(tp_fixed)] = 0x0f;
		ext[sizeof(tp_fixed) + 1] = (uint8_t)o->scid_len;
		if (o->scid_len)
			memcpy(ext + sizeof(tp_fixed) + 2, o->scid,
			       o->scid_len);
		n += put_ext(p + n, 57, ext,
			     (uint16_t)(sizeof(tp_fixed) + 2 + o->scid_len));
	}
	if (o->pad_to > n + 4 && o->pad_to <= HELLO_MAX) {
		uint16_t len = (uint16_t)(o->pad_to - n - 4);

		pw_put_be16(p + n, 21);
		pw_put_be16(p + n + 2, len);
		memset(p + n + 4, 0, len);
		n += 4u + len;
	}
	pw_put_be16(p + ext_start, (uint16_t)(n - ext_start - 2));
	p[hs_start + 1] = 0;
	pw_put_be16(p + hs_start + 2, (uint16_t)(n - hs_start - 4));
	if (!o->quic)
		pw_put_be16(p + 3, (uint16_t)(n - 5));
	return n;
}

/* Builds the flow's hello again from its own seed, so every packet that
 * carries a part of it carries the same bytes; the main stream of
 * random numbers is left where it was. */
static uint32_t flow_hello(const struct gen_flow *fl, uint8_t *p,
			   bool quic, size_t pad_to)
{
	uint64_t saved = rng_state;
	char host[64];
	struct hello_opts o = { .sni = host, .pq = fl->pq, .quic = quic,
				.scid = fl->scid, .scid_len = fl->scid_len,
				.pad_to = pad_to };
	uint32_t n;

	if (quic)
		snprintf(host, sizeof(host), "q%u.bench.example",
			 fl->id % 50000);
	else
		snprintf(host, sizeof(host), "h%u.bench.example",
			 fl->id % 50000);
	rng_state = fl->hello_seed;
	n = build_client_hello(p, &o);
	rng_state = saved;
	return n;
}

static bool stalled_only;

static void new_flow(struct gen_flow *fl, uint32_t id)
{
	uint32_t r = rng_range(0, 99), i;

	memset(fl, 0, sizeof(*fl));
	fl->id = id;
	fl->v6 = rng_range(0, 4) == 0;
	if (fl->v6) {
		static const uint8_t pfx[4] = { 0x20, 0x01, 0x0d, 0xb8 };
		memcpy(fl->caddr, pfx, 4);
		memcpy(fl->saddr, pfx, 4);
		fl->caddr[5] = 1;
		pw_put_be32(fl->caddr + 12, rng_range(1, 4000));
		fl->saddr[5] = 2;
		pw_put_be32(fl->saddr + 12, rng_range(1, 2000));
	} else {
		fl->caddr[0] = 10; fl->caddr[1] = (uint8_t)rng_range(0, 15);
		fl->caddr[2] = (uint8_t)rng();
		fl->caddr[3] = (uint8_t)rng_range(1, 254);
		fl->saddr[0] = 198; fl->saddr[1] = 51;
		fl->saddr[2] = (uint8_t)rng_range(0, 100);
		fl->saddr[3] = (uint8_t)rng_range(1, 254);
	}
	fl->cport = (uint16_t)rng_range(32768, 60999);
	fl->cseq = (uint32_t)rng();
	fl->sseq = (uint32_t)rng();
	fl->hello_seed = rng() | 1;
	if (stalled_only) {
		fl->kind = K_STALLED; fl->sport = 443;
		fl->steps = 3 + STALLED_SEGMENTS;
	} else if (r < 35) {
		fl->kind = K_DNS; fl->sport = 53; fl->steps = 2;
	} else if (r < 47) {
		fl->kind = K_HTTP; fl->sport = 80; fl->steps = 9;
	} else if (r < 77) {
		fl->kind = K_TLS; fl->sport = 443;
		fl->steps = rng_range(12, 60);
		fl->pq = rng_range(0, 2) == 0;
	} else if (r < 90) {
		fl->kind = K_QUIC; fl->sport = 443;
		fl->steps = rng_range(6, 60);
		fl->pq = rng_range(0, 2) == 0;
		fl->quic_v2 = rng_range(0, 19) == 0;
		for (i = 0; i < QUIC_CID_LEN; i++) {
			fl->dcid[i] = (uint8_t)rng();
			fl->scid[i] = (uint8_t)rng();
			fl->server_cid[i] = (uint8_t)rng();
		}
		/* some clients use an empty source connection id */
		fl->scid_len = rng_range(0, 1) ? QUIC_CID_LEN : 0;
	} else if (r < 93) {
		fl->kind = K_BULK; fl->sport = 443;
		fl->steps = rng_range(500, 3000);
	} else {
		fl->kind = K_UDP_STREAM;
		fl->sport = (uint16_t)rng_range(3478, 3480);
		fl->steps = rng_range(10, 200);
	}
}

static uint8_t data[MSS];

/* Sends part `part` of the flow's TLS ClientHello: one MSS per part. */
static void send_hello_part(struct out *o, struct gen_flow *fl,
			    uint32_t part, size_t pad_to)
{
	static uint8_t hello[HELLO_MAX];
	uint32_t n = flow_hello(fl, hello, false, pad_to), off = part * MSS;

	if (off < n)
		emit(o, fl, 0, 6, 0x18, hello + off,
		     n - off < MSS ? n - off : MSS);
}

/* Sends packet number fl->step of a TCP flow: handshake, the kind's first
 * payload, data (bulk: server segments acked every second one), FINs. */
static void step_tcp(struct out *o, struct gen_flow *fl)
{
	uint32_t s = fl->step, last = fl->steps;
	uint8_t msg[1024];
	char host[64];
	uint32_t n;

	if (s == 0)
		emit(o, fl, 0, 6, 0x02, NULL, 0);
	else if (s == 1)
		emit(o, fl, 1, 6, 0x12, NULL, 0);
	else if (s == 2)
		emit(o, fl, 0, 6, 0x10, NULL, 0);
	else if (fl->kind == K_STALLED)
		/* never the last part, never a FIN */
		send_hello_part(o, fl, s - 3, STALLED_HELLO);
	else if (s == 3 && fl->kind == K_HTTP) {
		snprintf(host, sizeof(host), "h%u.bench.example",
			 fl->id % 50000);
		n = (uint32_t)snprintf((char *)msg, sizeof(msg),
			"GET /i/%u HTTP/1.1\r\nHost: %s\r\n"
			"User-Agent: bench\r\nAccept: */*\r\n\r\n", fl->id,
			host);
		emit(o, fl, 0, 6, 0x18, msg, n);
	} else if (s == 3 || (s == 4 && fl->pq && fl->kind == K_TLS)) {
		send_hello_part(o, fl, s - 3, 0);
	} else if (s >= last - 3) {
		/* FIN from the client, FIN from the server, last ACK. */
		emit(o, fl, s == last - 2, 6, s == last - 1 ? 0x10 : 0x11,
		     NULL, 0);
	} else if (fl->kind == K_BULK) {
		if (s % 3 == 0)
			emit(o, fl, 0, 6, 0x10, NULL, 0);
		else
			emit(o, fl, 1, 6, 0x10, data, MSS);
	} else {
		int dir = (int)(rng() & 1);

		emit(o, fl, dir, 6, 0x18, data, rng_range(40, MSS));
	}
}

static size_t put_crypto_frame(uint8_t *p, uint32_t off, const uint8_t *d,
			       uint32_t len)
{
	size_t n = 0;

	/* type CRYPTO, offset and length as 2-byte varints */
	p[n++] = 0x06;
	pw_put_be16(p + n, (uint16_t)(0x4000 | off));
	pw_put_be16(p + n + 2, (uint16_t)(0x4000 | len));
	memcpy(p + n + 4, d, len);
	return n + 4 + len;
}

/* A client Initial datagram: CRYPTO data of the hello (all of it, or for
 * a post-quantum hello the first QUIC_FIRST_CRYPTO bytes in part 0 and
 * the rest in part 1), sealed and padded to 1200 bytes. */
static void send_quic_initial(struct out *o, struct gen_flow *fl,
			      uint32_t part)
{
	static uint8_t hello[HELLO_MAX], frames[HELLO_MAX + 16];
	uint8_t dgram[1500];
	uint32_t n = flow_hello(fl, hello, true, 0), off = 0, len = n;
	struct pw_quic_seal_params prm = {
		.version = fl->quic_v2 ? PW_QUIC_V2 : PW_QUIC_V1,
		.dcid = fl->dcid, .dcid_len = QUIC_CID_LEN,
		.scid = fl->scid, .scid_len = fl->scid_len,
		.pn = part, .pn_len = 1, .min_len = PW_QUIC_MIN_INITIAL,
	};
	size_t flen;
	long dlen;

	if (n > QUIC_FIRST_CRYPTO) {
		off = part ? QUIC_FIRST_CRYPTO : 0;
		len = part ? n - QUIC_FIRST_CRYPTO : QUIC_FIRST_CRYPTO;
	}
	flen = put_crypto_frame(frames, off, hello + off, len);
	dlen = pw_quic_seal_initial(&prm, frames, flen, dgram, sizeof(dgram));
	if (dlen <= 0) {
		fprintf(stderr, "gen-capture: sealing an Initial: %s\n",
			strerror((int)-dlen));
		exit(1);
	}
	emit(o, fl, 0, 17, 0, dgram, (uint32_t)dlen);
}

/* A 1-RTT packet as it looks on the wire: short header (form 0, fixed
 * bit, protected low bits), the peer's connection id, then ciphertext. */
static void send_quic_short(struct out *o, struct gen_flow *fl)
{
	uint8_t dgram[1300];
	int dir = (int)(rng() & 1);
	uint32_t len = dir ? rng_range(60, 1250) : rng_range(40, 400), pos;

	dgram[0] = (uint8_t)(0x40 | (rng() & 0x3f));
	pos = 1;
	if (dir == 0) {
		memcpy(dgram + pos, fl->server_cid, QUIC_CID_LEN);
		pos += QUIC_CID_LEN;
	} else {
		memcpy(dgram + pos, fl->scid, fl->scid_len);
		pos += fl->scid_len;
	}
	memcpy(dgram + pos, data, len);
	emit(o, fl, dir, 17, 0, dgram, pos + len);
}

static void step_udp(struct out *o, struct gen_flow *fl)
{
	uint8_t msg[512];
	char host[64];
	uint32_t n;

	if (fl->kind == K_DNS) {
		snprintf(host, sizeof(host), "n%u.bench.example",
			 fl->id % 70000);
		n = build_dns(msg, fl->id, (int)fl->step, host);
		emit(o, fl, (int)fl->step, 17, 0, msg, n);
		return;
	}
	if (fl->kind == K_QUIC) {
		if (fl->step == 0 || (fl->step == 1 && fl->pq))
			send_quic_initial(o, fl, fl->step);
		else
			send_quic_short(o, fl);
		return;
	}
	emit(o, fl, (int)(rng() & 1), 17, 0, data, rng_range(60, 1200));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stalled-hellos", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	static struct gen_flow flows[ACTIVE_FLOWS];
	uint64_t want = 1200000;
	struct out o = { 0 };
	uint8_t hdr[24];
	uint32_t i, next_id = 1;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 's')
			goto usage;
		stalled_only = true;
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 2 || argc > 4)
		goto usage;
	if (argc > 2)
		want = strtoull(argv[2], NULL, 10);
	rng_state = argc > 3 ? strtoull(argv[3], NULL, 10)
			     : 0x9e3779b97f4a7c15ull;
	if (!rng_state)
		rng_state = 1;
	o.f = fopen(argv[1], "wb");
	if (!o.f) {
		fprintf(stderr, "gen-capture: %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	setvbuf(o.f, NULL, _IOFBF, 1 << 20);
	o.ts_ns = 1790000000ull * 1000000000ull;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)rng();

	/* pcap header: nanosecond magic, version 2.4, Ethernet. */
	pw_put_le32(hdr, 0xa1b23c4d);
	pw_put_le16(hdr + 4, 2);
	pw_put_le16(hdr + 6, 4);
	memset(hdr + 8, 0, 8);
	pw_put_le32(hdr + 16, 262144);
	pw_put_le32(hdr + 20, 1);
	fwrite(hdr, 1, sizeof(hdr), o.f);

	for (i = 0; i < ACTIVE_FLOWS; i++)
		new_flow(&flows[i], next_id++);
	while (o.packets < want) {
		struct gen_flow *fl = &flows[rng() % ACTIVE_FLOWS];

		if (fl->kind == K_DNS || fl->kind == K_UDP_STREAM ||
		    fl->kind == K_QUIC)
			step_udp(&o, fl);
		else
			step_tcp(&o, fl);
		if (++fl->step == fl->steps)
			new_flow(fl, next_id++);
	}
	if (fclose(o.f) != 0) {
		fprintf(stderr, "gen-capture: writing %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	fprintf(stderr, "gen-capture: %" PRIu64 " packets, %u flows started\n",
		o.packets, next_id - 1);
	return 0;
usage:
	fprintf(stderr, "usage: gen-capture [--stalled-hellos] OUT.pcap "
		"[PACKETS] [SEED]\n");
	return 2;
}
