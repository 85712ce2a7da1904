/* Detectors through the dispatcher: one crafted positive sample per
 * protocol with its exact result, near misses that must stay unknown, and
 * every truncated prefix of every positive sample (exact-size heap copies,
 * so ASan catches any read past the payload). */
#include <netinet/in.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "l7/http.h"
#include "l7/l7.h"
#include "tap.h"
#include "build_util.h"

#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP

/* ---- sample builders ---------------------------------------------- */

static void mk_http_req(struct buf *b)
{
	b_str(b, "GET /index.html HTTP/1.1\r\nHost: Example.COM:8080\r\n"
		 "User-Agent: t\r\nAccept: */*\r\n\r\n");
}

static void mk_http_req_v6(struct buf *b)
{
	b_str(b, "POST /api HTTP/1.0\r\nContent-Length: 0\r\n"
		 "host:[2001:db8::1]:443 \r\n\r\n");
}

static void mk_http_reply(struct buf *b)
{
	b_str(b, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
}

static void mk_dns_query(struct buf *b)
{
	b_dns_header(b, 0x1234, 0x0120, 1, 0, 0, 1);
	b_name(b, "WWW.Example.com");
	b_be16(b, 1);
	b_be16(b, 1);
	/* EDNS OPT */
	b_u8(b, 0);
	b_be16(b, 41);
	b_be16(b, 4096);
	b_be32(b, 0);
	b_be16(b, 0);
}

static void mk_dns_response(struct buf *b)
{
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	b_dns_header(b, 0xbeef, 0x8180, 1, 1, 0, 0);
	b_name(b, "example.org");
	b_be16(b, 28);
	b_be16(b, 1);
	b_be16(b, 0xc00c);
	b_be16(b, 28);
	b_be16(b, 1);
	b_be32(b, 300);
	b_be16(b, 16);
	b_mem(b, a6, 16);
}

static void mk_wg(struct buf *b, uint8_t type, size_t len)
{
	b_u8(b, type);
	b_fill(b, 0, 3);
	/* sender / receiver indexes, little-endian */
	b_u8(b, 0x44); b_u8(b, 0x33); b_u8(b, 0x22); b_u8(b, 0x11);
	if (type == 4) {
		b_u8(b, 5);	/* counter 5, little-endian */
		b_fill(b, 0, 7);
	} else {
		b_u8(b, 0x88); b_u8(b, 0x77); b_u8(b, 0x66); b_u8(b, 0x55);
	}
	while (b->n < len)
		b_u8(b, (uint8_t)(b->n * 37 + 11));
}

static void mk_wg_init(struct buf *b) { mk_wg(b, 1, 148); }
static void mk_wg_resp(struct buf *b) { mk_wg(b, 2, 92); }
static void mk_wg_cookie(struct buf *b) { mk_wg(b, 3, 64); }
static void mk_wg_keepalive(struct buf *b) { mk_wg(b, 4, 32); }
static void mk_wg_data(struct buf *b) { mk_wg(b, 4, 128); }

static void mk_stun_req(struct buf *b)
{
	b_be16(b, 0x0001);
	b_be16(b, 8);
	b_be32(b, 0x2112a442);
	b_str(b, "abcdefghijkl");
	b_be16(b, 0x8022);	/* SOFTWARE */
	b_be16(b, 4);
	b_str(b, "test");
}

static void mk_stun_success(struct buf *b)
{
	b_be16(b, 0x0101);
	b_be16(b, 12);
	b_be32(b, 0x2112a442);
	b_str(b, "abcdefghijkl");
	b_be16(b, 0x0020);	/* XOR-MAPPED-ADDRESS */
	b_be16(b, 8);
	b_be32(b, 0x0001a147);
	b_be32(b, 0xe112a643);
}

static void mk_discord(struct buf *b)
{
	b_be16(b, 1);
	b_be16(b, 70);
	b_be32(b, 0x01020304);
	b_fill(b, 0, 66);
}

static void mk_dht_query(struct buf *b)
{
	b_str(b, "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe");
}

static void mk_dht_response(struct buf *b)
{
	b_str(b, "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re");
}

static void bt_handshake(struct buf *b)
{
	uint8_t i;

	b_u8(b, 19);
	b_str(b, "BitTorrent protocol");
	b_fill(b, 0, 5);
	b_u8(b, 0x10);
	b_fill(b, 0, 2);
	for (i = 0; i < 20; i++)
		b_u8(b, i);
	b_str(b, "-TR4060-abcdefghijkl");
}

static void mk_utp_bt(struct buf *b)
{
	b_u8(b, 0x01);		/* ST_DATA, version 1 */
	b_u8(b, 0);
	b_be16(b, 0x3039);	/* connection id */
	b_be32(b, 0x11111111);	/* timestamp */
	b_be32(b, 0);		/* timestamp difference */
	b_be32(b, 0x00100000);	/* window */
	b_be16(b, 2);		/* seq */
	b_be16(b, 1);		/* ack */
	bt_handshake(b);
}

static void mk_bt(struct buf *b)
{
	bt_handshake(b);
}

static void mk_xmpp_stream_decl(struct buf *b)
{
	b_str(b, "<?xml version='1.0'?><stream:stream to='Jabber.Example' "
		 "xmlns='jabber:client' "
		 "xmlns:stream='http://etherx.jabber.org/streams' "
		 "version='1.0'>");
}

static void mk_xmpp_stream(struct buf *b)
{
	b_str(b, "<stream:stream xmlns='jabber:client'\n to=\"example.net\">");
}

static void mk_xmpp_starttls(struct buf *b)
{
	b_str(b, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
}

static void mk_xmpp_proceed(struct buf *b)
{
	b_str(b, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
}

static void mk_xmpp_features(struct buf *b)
{
	b_str(b, "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:"
		 "xmpp-tls'><required/></starttls></stream:features>");
}

/* The obfuscated2 header: 64 random bytes whose tail is encrypted under
 * AES-256-CTR with key bytes 8..39 and IV 40..55 of the random ones. */
static void mtproto_header(struct buf *b, uint32_t tag, uint16_t dc)
{
	uint8_t init[64], enc[64];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0, i;

	for (i = 0; i < 64; i++)
		init[i] = (uint8_t)(i * 73 + 29);
	init[0] = 0x5a;
	memcpy(init + 56, &tag, 4);
	init[60] = (uint8_t)dc;
	init[61] = (uint8_t)(dc >> 8);
	EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), NULL, init + 8, init + 40);
	EVP_EncryptUpdate(ctx, enc, &len, init, 64);
	EVP_CIPHER_CTX_free(ctx);
	b_mem(b, init, 56);
	b_mem(b, enc + 56, 8);
}

static void mk_mtproto(struct buf *b)
{
	mtproto_header(b, 0xefefefef, 2);
	b_fill(b, 0x42, 16);	/* first message follows in the segment */
}

static void mk_mtproto_padded(struct buf *b)
{
	mtproto_header(b, 0xdddddddd, (uint16_t)-4);
}

static void mk_ssh(struct buf *b)
{
	b_str(b, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
}

static void mk_ntp_client(struct buf *b)
{
	b_u8(b, 0x23);		/* LI 0, version 4, mode 3 */
	b_fill(b, 0, 39);
	b_be32(b, 0xe8f1a2b3);	/* transmit timestamp */
	b_be32(b, 0x12345678);
}

static void mk_ntp_server(struct buf *b)
{
	b_u8(b, 0x24);		/* version 4, mode 4 */
	b_u8(b, 2);		/* stratum */
	b_u8(b, 6);
	b_u8(b, 0xe9);
	b_fill(b, 0x11, 44);
}

static void mk_mdns_query(struct buf *b)
{
	b_dns_header(b, 0, 0, 2, 0, 0, 0);
	b_name(b, "_googlecast._tcp.local");
	b_be16(b, 12);
	b_be16(b, 0x8001);	/* QU bit */
	b_name_ptr(b, "Printer", 12 + 1 + 11 + 1 + 4);	/* -> "local" */
	b_be16(b, 1);
	b_be16(b, 1);
}

static void mk_mdns_response(struct buf *b)
{
	b_dns_header(b, 0, 0x8400, 0, 1, 0, 0);
	b_name(b, "printer.local");
	b_be16(b, 1);
	b_be16(b, 0x8001);	/* cache flush */
	b_be32(b, 120);
	b_be16(b, 4);
	b_be32(b, 0xc0a80105);
}

static void mk_llmnr(struct buf *b)
{
	b_dns_header(b, 0x4242, 0, 1, 0, 0, 0);
	b_name(b, "fileserver");
	b_be16(b, 28);
	b_be16(b, 1);
}

static void mk_dhcp(struct buf *b)
{
	static const uint8_t mac[6] = { 0x02, 0x42, 0xac, 0x11, 0x00, 0x02 };

	b_u8(b, 1);
	b_u8(b, 1);
	b_u8(b, 6);
	b_u8(b, 0);
	b_be32(b, 0x3903f326);
	b_fill(b, 0, 2 + 2 + 16);
	b_mem(b, mac, 6);
	b_fill(b, 0, 10 + 64 + 128);
	b_be32(b, 0x63825363);
	b_u8(b, 53); b_u8(b, 1); b_u8(b, 1);
	b_u8(b, 0);	/* pad */
	b_u8(b, 12); b_u8(b, 5); b_str(b, "mybox");
	b_u8(b, 55); b_u8(b, 3); b_u8(b, 1); b_u8(b, 3); b_u8(b, 6);
	b_u8(b, 255);
}

static void mk_snmp_get(struct buf *b)
{
	static const uint8_t pdu[] = {
		0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l',
		'i', 'c', 0xa0, 0x1c, 0x02, 0x04, 0x12, 0x34, 0x56, 0x78, 0x02,
		0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c, 0x06,
		0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05,
		0x00,
	};

	b_mem(b, pdu, sizeof(pdu));
}

static void mk_snmp_trap(struct buf *b)
{
	static const uint8_t pdu[] = {
		0x30, 0x81, 0x1f, 0x02, 0x01, 0x00, 0x04, 0x04, 't', 'r', 'a',
		'p', 0xa4, 0x14, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x04, 0x01,
		0x01, 0x40, 0x04, 0x0a, 0x00, 0x00, 0x01, 0x02, 0x01, 0x00,
		0x02, 0x01, 0x00,
	};

	b_mem(b, pdu, sizeof(pdu));
}

static void mk_snmp_v3(struct buf *b)
{
	static const uint8_t pdu[] = {
		0x30, 0x28, 0x02, 0x01, 0x03,
		0x30, 0x0f, 0x02, 0x02, 0x4a, 0x69, 0x02, 0x03, 0x00, 0xff,
		0xe3, 0x04, 0x01, 0x07, 0x02, 0x01, 0x03,
		0x04, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,
		0x04, 0x08, 9, 9, 9, 9, 9, 9, 9, 9,
	};

	b_mem(b, pdu, sizeof(pdu));
}

static void mk_ssdp_search(struct buf *b)
{
	b_str(b, "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
		 "MAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n");
}

static void mk_ssdp_notify(struct buf *b)
{
	b_str(b, "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
		 "NTS: ssdp:alive\r\nNT: upnp:rootdevice\r\n\r\n");
}

static void b_nb_name(struct buf *b, const char *name, uint8_t suffix)
{
	uint8_t raw[16];
	size_t i, l = strlen(name);

	memset(raw, ' ', 15);
	memcpy(raw, name, l);
	raw[15] = suffix;
	b_u8(b, 32);
	for (i = 0; i < 16; i++) {
		b_u8(b, (uint8_t)('A' + (raw[i] >> 4)));
		b_u8(b, (uint8_t)('A' + (raw[i] & 15)));
	}
	b_u8(b, 0);
}

static void mk_nbns(struct buf *b)
{
	b_dns_header(b, 0x8001, 0x0110, 1, 0, 0, 0);
	b_nb_name(b, "WORKGROUP", 0x1d);
	b_be16(b, 0x20);
	b_be16(b, 1);
}

static void mk_nbdgm(struct buf *b)
{
	b_u8(b, 0x11);
	b_u8(b, 0x02);
	b_be16(b, 0x1234);
	b_be32(b, 0xc0a80102);
	b_be16(b, 138);
	b_be16(b, 100);
	b_be16(b, 0);
	b_nb_name(b, "HOST1", 0x00);
	b_nb_name(b, "WORKGROUP", 0x1e);
	b_str(b, "\xffSMB%\x00\x00\x00\x00\x00");
}

/* ---- the table ------------------------------------------------------ */

struct sample {
	const char *name;
	void (*build)(struct buf *b);
	uint8_t l4;
	uint16_t sport, dport;
	enum pw_l7_payload payload;
	enum pw_l7_proto proto;
	const char *host;
	const char *detail;
	/* Prefixes at least this long are still this payload/protocol;
	 * shorter ones must be unknown. 0: only the whole sample. */
	size_t prefix_from;
	/* Prefixes may legitimately match something (checked only for not
	 * crashing and not reading past the end). */
	bool prefix_any;
};

#define PLU PW_PL_UNKNOWN

static const struct sample samples[] = {
	{ "http request", mk_http_req, TCP, 40000, 80, PW_PL_HTTP_REQ,
	  PW_L7_HTTP, "example.com", "GET /index.html", 26, false },
	{ "http request, IPv6 Host", mk_http_req_v6, TCP, 40000, 8080,
	  PW_PL_HTTP_REQ, PW_L7_HTTP, "2001:db8::1", "POST /api", 20,
	  false },
	{ "http reply", mk_http_reply, TCP, 80, 40000, PW_PL_HTTP_REPLY,
	  PW_L7_HTTP, "", "404 Not Found", 15, false },
	{ "dns query", mk_dns_query, UDP, 5000, 53, PW_PL_DNS_QUERY,
	  PW_L7_DNS, "www.example.com", "A", 33, false },
	{ "dns response", mk_dns_response, UDP, 53, 5000,
	  PW_PL_DNS_RESPONSE, PW_L7_DNS, "example.org",
	  "AAAA NOERROR an=1", 29, false },
	{ "wireguard initiation", mk_wg_init, UDP, 40000, 51820,
	  PW_PL_WIREGUARD_INITIATION, PW_L7_WIREGUARD, "",
	  "sender 0x11223344", 0, false },
	{ "wireguard response", mk_wg_resp, UDP, 51820, 40000,
	  PW_PL_WIREGUARD_RESPONSE, PW_L7_WIREGUARD, "",
	  "sender 0x11223344 receiver 0x55667788", 0, false },
	{ "wireguard cookie", mk_wg_cookie, UDP, 51820, 40000,
	  PW_PL_WIREGUARD_COOKIE, PW_L7_WIREGUARD, "",
	  "receiver 0x11223344", 0, false },
	{ "wireguard keepalive", mk_wg_keepalive, UDP, 40000, 51820,
	  PW_PL_WIREGUARD_KEEPALIVE, PW_L7_WIREGUARD, "",
	  "receiver 0x11223344 counter 5", 0, false },
	{ "wireguard data", mk_wg_data, UDP, 40000, 51820,
	  PW_PL_WIREGUARD_DATA, PW_L7_WIREGUARD, "",
	  "receiver 0x11223344 counter 5", 0, true },
	{ "stun binding request", mk_stun_req, UDP, 40000, 3478, PW_PL_STUN,
	  PW_L7_STUN, "", "Binding request", 0, false },
	{ "stun binding success", mk_stun_success, UDP, 3478, 40000,
	  PW_PL_STUN, PW_L7_STUN, "", "Binding success", 0, false },
	{ "discord ip discovery", mk_discord, UDP, 40000, 50001,
	  PW_PL_DISCORD_IP_DISCOVERY, PW_L7_DISCORD, "", "ssrc 16909060", 0,
	  false },
	{ "dht query", mk_dht_query, UDP, 6881, 6881, PW_PL_DHT, PW_L7_DHT,
	  "", "query", 0, true },
	{ "dht response", mk_dht_response, UDP, 6881, 6881, PW_PL_DHT,
	  PW_L7_DHT, "", "response", 0, true },
	{ "utp bittorrent handshake", mk_utp_bt, UDP, 6881, 6881,
	  PW_PL_UTP_BT_HANDSHAKE, PW_L7_UTP_BT, "",
	  "info_hash 000102030405060708090a0b0c0d0e0f10111213", 0, false },
	{ "bittorrent handshake", mk_bt, TCP, 40000, 6881,
	  PW_PL_BT_HANDSHAKE, PW_L7_BT, "",
	  "info_hash 000102030405060708090a0b0c0d0e0f10111213", 0, false },
	{ "xmpp stream after xml declaration", mk_xmpp_stream_decl, TCP,
	  40000, 5222, PW_PL_XMPP_STREAM, PW_L7_XMPP, "jabber.example", "",
	  36, false },
	{ "xmpp stream", mk_xmpp_stream, TCP, 40000, 5222, PW_PL_XMPP_STREAM,
	  PW_L7_XMPP, "example.net", "", 16, false },
	{ "xmpp starttls", mk_xmpp_starttls, TCP, 40000, 5222,
	  PW_PL_XMPP_STARTTLS, PW_L7_XMPP, "", "", 10, false },
	{ "xmpp proceed", mk_xmpp_proceed, TCP, 5222, 40000,
	  PW_PL_XMPP_PROCEED, PW_L7_XMPP, "", "", 9, false },
	{ "xmpp features", mk_xmpp_features, TCP, 5222, 40000,
	  PW_PL_XMPP_FEATURES, PW_L7_XMPP, "", "", 17, false },
	{ "mtproto abridged", mk_mtproto, TCP, 40000, 443,
	  PW_PL_MTPROTO_INITIAL, PW_L7_MTPROTO, "", "abridged dc 2", 64,
	  false },
	{ "mtproto padded intermediate", mk_mtproto_padded, TCP, 40000, 443,
	  PW_PL_MTPROTO_INITIAL, PW_L7_MTPROTO, "",
	  "padded intermediate dc -4", 0, false },
	{ "ssh banner", mk_ssh, TCP, 22, 40000, PLU, PW_L7_SSH, "",
	  "SSH-2.0-OpenSSH_9.2p1 Debian-2", 9, false },
	{ "ntp client", mk_ntp_client, UDP, 40000, 123, PLU, PW_L7_NTP, "",
	  "v4 client stratum 0", 0, false },
	{ "ntp server", mk_ntp_server, UDP, 123, 40000, PLU, PW_L7_NTP, "",
	  "v4 server stratum 2", 0, false },
	{ "mdns query", mk_mdns_query, UDP, 5353, 5353, PLU, PW_L7_MDNS, "",
	  "query _googlecast._tcp.local,printer.local", 0, false },
	{ "mdns response", mk_mdns_response, UDP, 5353, 5353, PLU,
	  PW_L7_MDNS, "", "response printer.local", 0, false },
	{ "llmnr query", mk_llmnr, UDP, 50000, 5355, PLU, PW_L7_LLMNR, "",
	  "query fileserver", 0, false },
	{ "dhcp discover", mk_dhcp, UDP, 68, 67, PLU, PW_L7_DHCP, "",
	  "DISCOVER hostname mybox", 240, false },
	{ "snmp v2c get", mk_snmp_get, UDP, 40000, 161, PLU, PW_L7_SNMP, "",
	  "v2c get-request", 0, false },
	{ "snmp v1 trap", mk_snmp_trap, UDP, 40000, 162, PLU, PW_L7_SNMP,
	  "", "v1 trap", 0, false },
	{ "snmp v3 encrypted", mk_snmp_v3, UDP, 40000, 161, PLU, PW_L7_SNMP,
	  "", "v3 encrypted", 0, false },
	{ "ssdp m-search", mk_ssdp_search, UDP, 40000, 1900, PLU,
	  PW_L7_SSDP, "", "M-SEARCH ST=ssdp:all", 21, false },
	{ "ssdp notify", mk_ssdp_notify, UDP, 1900, 1900, PLU, PW_L7_SSDP,
	  "", "NOTIFY NT=upnp:rootdevice NTS=ssdp:alive", 19, false },
	{ "netbios name query", mk_nbns, UDP, 137, 137, PLU, PW_L7_NETBIOS,
	  "", "query WORKGROUP<1d>", 0, false },
	{ "netbios datagram", mk_nbdgm, UDP, 138, 138, PLU, PW_L7_NETBIOS,
	  "", "direct_group HOST1<00> -> WORKGROUP<1e>", 82, false },
};

static void test_samples(void)
{
	struct pw_l7_result r;
	struct buf b;
	size_t i;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		const struct sample *s = &samples[i];
		char what[128];

		b_reset(&b);
		s->build(&b);
		detect_copy(b.b, b.n, s->l4, s->sport, s->dport, &r);
		snprintf(what, sizeof(what), "%s: payload", s->name);
		tap_eq_str(pw_l7_payload_name(r.payload),
			   pw_l7_payload_name(s->payload), what);
		snprintf(what, sizeof(what), "%s: protocol", s->name);
		tap_eq_str(pw_l7_proto_name(r.proto),
			   pw_l7_proto_name(s->proto), what);
		snprintf(what, sizeof(what), "%s: host", s->name);
		tap_eq_str(r.host, s->host, what);
		snprintf(what, sizeof(what), "%s: detail", s->name);
		tap_eq_str(r.detail, s->detail, what);
	}
}

static void test_prefixes(void)
{
	struct pw_l7_result r;
	struct buf b;
	size_t i, k;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		const struct sample *s = &samples[i];
		size_t bad = 0, first_bad = 0;

		b_reset(&b);
		s->build(&b);
		for (k = 0; k < b.n; k++) {
			bool want_same = s->prefix_from && k >= s->prefix_from;
			bool ok;

			detect_copy(b.b, k, s->l4, s->sport, s->dport, &r);
			if (s->prefix_any)
				continue;
			if (want_same)
				ok = r.payload == s->payload &&
				     r.proto == s->proto;
			else
				ok = r.payload == (k ? PW_PL_UNKNOWN :
						   PW_PL_EMPTY) &&
				     r.proto == PW_L7_UNKNOWN;
			if (!ok && !bad++)
				first_bad = k;
		}
		if (bad)
			tap_diag("%s: first wrong prefix %zu gave %s/%s",
				 s->name, first_bad,
				 (detect_copy(b.b, first_bad, s->l4, s->sport,
					      s->dport, &r),
				  pw_l7_payload_name(r.payload)),
				 pw_l7_proto_name(r.proto));
		tap_ok(!bad, "%s: all %zu truncated prefixes as expected",
		       s->name, b.n);
	}
}

/* ---- near misses ---------------------------------------------------- */

static void expect_unknown(const struct buf *b, uint8_t l4, uint16_t sport,
			   uint16_t dport, const char *what)
{
	struct pw_l7_result r;

	detect_copy(b->b, b->n, l4, sport, dport, &r);
	if (r.payload != PW_PL_UNKNOWN || r.proto != PW_L7_UNKNOWN)
		tap_diag("%s: got %s/%s", what, pw_l7_payload_name(r.payload),
			 pw_l7_proto_name(r.proto));
	tap_ok(r.payload == PW_PL_UNKNOWN && r.proto == PW_L7_UNKNOWN,
	       "near miss: %s -> unknown", what);
}

static void test_near_misses(void)
{
	struct buf b;

	b_reset(&b); mk_wg(&b, 1, 147);
	expect_unknown(&b, UDP, 1, 2, "wireguard type 1, 147 bytes");
	b_reset(&b); mk_wg(&b, 1, 149);
	expect_unknown(&b, UDP, 1, 2, "wireguard type 1, 149 bytes");
	b_reset(&b); mk_wg(&b, 1, 148); b.b[2] = 1;
	expect_unknown(&b, UDP, 1, 2,
		       "wireguard initiation, reserved byte set");
	b_reset(&b); mk_wg(&b, 2, 93);
	expect_unknown(&b, UDP, 1, 2, "wireguard type 2, 93 bytes");
	b_reset(&b); mk_wg(&b, 3, 65);
	expect_unknown(&b, UDP, 1, 2, "wireguard type 3, 65 bytes");
	b_reset(&b); mk_wg(&b, 4, 40);
	expect_unknown(&b, UDP, 1, 2, "wireguard type 4, 40 bytes");
	b_reset(&b); mk_wg(&b, 5, 148);
	expect_unknown(&b, UDP, 1, 2, "wireguard type 5");
	b_reset(&b); mk_wg(&b, 1, 148);
	expect_unknown(&b, TCP, 1, 2, "wireguard initiation over TCP");

	b_reset(&b); mk_stun_req(&b); b.b[4] = 0x22;
	expect_unknown(&b, UDP, 1, 2, "stun with a wrong magic cookie");
	b_reset(&b); mk_stun_req(&b); b.b[3] = 6;
	expect_unknown(&b, UDP, 1, 2, "stun length not a multiple of 4");
	b_reset(&b); mk_stun_req(&b); b.b[3] = 12;
	expect_unknown(&b, UDP, 1, 2, "stun length past the packet");
	b_reset(&b); mk_stun_req(&b); b.b[0] = 0x40;
	expect_unknown(&b, UDP, 1, 2, "stun type with top bits set");

	b_reset(&b); mk_discord(&b); b_u8(&b, 0);
	expect_unknown(&b, UDP, 1, 2, "discord discovery, 75 bytes");
	b_reset(&b); mk_discord(&b); b.b[20] = 'x';
	expect_unknown(&b, UDP, 1, 2, "discord discovery with an address");
	b_reset(&b); mk_discord(&b); b.b[1] = 2;
	expect_unknown(&b, UDP, 1, 2, "discord discovery reply type");

	b_reset(&b); b_str(&b, "d1:xd2:id20:abcdefghij0123456789ee");
	expect_unknown(&b, UDP, 1, 2, "bencoded dict with an unknown key");
	b_reset(&b); mk_dht_query(&b); b.n--;
	expect_unknown(&b, UDP, 1, 2, "dht query without the final e");

	b_reset(&b); mk_bt(&b); b.n = 67;
	expect_unknown(&b, TCP, 1, 2, "bittorrent handshake, 67 bytes");
	b_reset(&b); mk_bt(&b); b.b[19] = 'X';
	expect_unknown(&b, TCP, 1, 2, "bittorrent protocol string misspelt");
	b_reset(&b); mk_utp_bt(&b); b.b[0] = 0x21;
	expect_unknown(&b, UDP, 1, 2, "utp handshake in an ST_STATE packet");

	b_reset(&b); b_str(&b, "<stream:streamer xmlns='a'>");
	expect_unknown(&b, TCP, 1, 2, "xmpp-like <stream:streamer");
	b_reset(&b); b_str(&b, "<proceeding xmlns='a'/>");
	expect_unknown(&b, TCP, 1, 2, "xmpp-like <proceeding");

	b_reset(&b); b_str(&b, "GET / HTTP/2\r\nHost: a\r\n\r\n");
	expect_unknown(&b, TCP, 1, 2, "request line with HTTP/2");
	b_reset(&b); b_str(&b, "get / HTTP/1.1\r\nHost: a\r\n\r\n");
	expect_unknown(&b, TCP, 1, 2, "lowercase method");
	b_reset(&b); b_str(&b, "GET HTTP/1.1\r\nHost: a\r\n\r\n");
	expect_unknown(&b, TCP, 1, 2, "request line without a URI");
	b_reset(&b); b_str(&b, "GETS / HTTP/1.1\r\nHost: a\r\n\r\n");
	expect_unknown(&b, TCP, 1, 2, "unknown method GETS");
	b_reset(&b); b_str(&b, "HTTP/1.1 2x0 OK\r\n\r\n");
	expect_unknown(&b, TCP, 1, 2, "reply status with a letter");
	b_reset(&b); b_str(&b, "HTTP/1.2 200 OK\r\n\r\n");
	expect_unknown(&b, TCP, 1, 2, "reply HTTP/1.2");
	b_reset(&b); mk_http_req(&b);
	expect_unknown(&b, UDP, 1, 2, "http request over UDP");

	b_reset(&b); mk_dns_query(&b); b.b[2] = 0x08;
	expect_unknown(&b, UDP, 1, 53, "dns query with opcode 1");
	b_reset(&b); mk_dns_query(&b); b.b[5] = 2;
	expect_unknown(&b, UDP, 1, 53, "dns query with two questions");
	b_reset(&b); mk_dns_query(&b); b.b[7] = 1;
	expect_unknown(&b, UDP, 1, 53, "dns query with an answer");
	b_reset(&b); mk_dns_query(&b); b.b[12 + 17 + 2] = 0x12;
	expect_unknown(&b, UDP, 1, 53, "dns query with class 0x1201");
	b_reset(&b); mk_dns_query(&b); b.b[12] = 0x80;
	expect_unknown(&b, UDP, 1, 53, "dns query with a bad label type");
	b_reset(&b); mk_dns_response(&b); b.b[2] = 0x90;
	expect_unknown(&b, UDP, 53, 1, "dns response with opcode 2");

	b_reset(&b); mk_mtproto(&b); b.b[20] ^= 1;
	expect_unknown(&b, TCP, 1, 443, "mtproto with a changed key byte");
	b_reset(&b); mk_mtproto(&b); b.b[0] = 0xef;
	expect_unknown(&b, TCP, 1, 443, "mtproto starting 0xef");
	b_reset(&b); mk_mtproto(&b);
	expect_unknown(&b, UDP, 1, 443, "mtproto header over UDP");

	b_reset(&b); b_str(&b, "SSH-2.0\r\n");
	expect_unknown(&b, TCP, 1, 2, "ssh banner without software");
	b_reset(&b); b_str(&b, "SSH-x.0-OpenSSH\r\n");
	expect_unknown(&b, TCP, 1, 2, "ssh banner with a bad version");

	b_reset(&b); mk_ntp_client(&b); b.n = 47;
	expect_unknown(&b, UDP, 1, 123, "ntp client, 47 bytes");
	b_reset(&b); mk_ntp_client(&b); b.b[0] = 0x03;
	expect_unknown(&b, UDP, 1, 123, "ntp version 0");
	b_reset(&b); mk_ntp_server(&b); b.b[1] = 17;
	expect_unknown(&b, UDP, 123, 1, "ntp stratum 17");
	b_reset(&b); mk_ntp_client(&b);
	expect_unknown(&b, UDP, 1, 124, "ntp client on another port");

	b_reset(&b); mk_dhcp(&b); b.b[236] = 0x64;
	expect_unknown(&b, UDP, 68, 67, "dhcp with a bad magic cookie");
	b_reset(&b); mk_snmp_get(&b); b.b[4] = 2;
	expect_unknown(&b, UDP, 1, 161, "snmp version 2");
	b_reset(&b); mk_snmp_get(&b); b.b[13] = 0xa9;
	expect_unknown(&b, UDP, 1, 161, "snmp unknown pdu tag");
	b_reset(&b); b_str(&b, "M-SEARCH * HTTP/1.0\r\n\r\n");
	expect_unknown(&b, UDP, 1, 1900, "ssdp with HTTP/1.0");

	b_reset(&b); b_str(&b, "hello world\n");
	expect_unknown(&b, TCP, 1, 2, "plain text over TCP");
	b_reset(&b); b_fill(&b, 0, 100);
	expect_unknown(&b, UDP, 1, 2, "100 zero bytes over UDP");
	b_reset(&b); b_fill(&b, 0xff, 100);
	expect_unknown(&b, TCP, 1, 2, "100 0xff bytes over TCP");
}

static void test_ports_and_special(void)
{
	struct pw_l7_result r;
	struct buf b;

	/* A DNS query whose client port happens to be mDNS's stays DNS. */
	b_reset(&b); mk_dns_query(&b);
	detect_copy(b.b, b.n, UDP, 5353, 53, &r);
	tap_eq_str(pw_l7_payload_name(r.payload), "dns_query",
		   "dns query from port 5353 to 53 is dns_query");
	/* mDNS traffic is DNS-shaped but monitor-only. */
	b_reset(&b); mk_dns_query(&b);
	detect_copy(b.b, b.n, UDP, 5353, 5353, &r);
	tap_ok(r.payload == PW_PL_UNKNOWN && r.proto == PW_L7_MDNS,
	       "dns-shaped query on 5353 is mdns, payload unknown");
	tap_eq_str(r.detail, "query www.example.com", "mdns detail");

	/* On port 137 a name that is not first-level encoded is not
	 * NetBIOS; it is still a well-formed DNS question. */
	b_reset(&b); mk_nbns(&b); b.b[14] = 'Z';
	detect_copy(b.b, b.n, UDP, 137, 137, &r);
	tap_ok(r.proto == PW_L7_DNS && r.payload == PW_PL_DNS_QUERY,
	       "netbios name with a bad nibble falls back to dns_query");

	/* A server's stream header addresses the client's JID. */
	b_reset(&b);
	b_str(&b, "<stream:stream from='im.example.com' "
		  "to='juliet@im.example.com/balcony' version='1.0'>");
	detect_copy(b.b, b.n, TCP, 5222, 40000, &r);
	tap_ok(r.payload == PW_PL_XMPP_STREAM && !r.host[0],
	       "xmpp reply stream: the client's JID is not a host");

	/* Incomplete request: header block continues in the next segment. */
	b_reset(&b);
	b_str(&b, "HEAD / HTTP/1.1\r\nHost: a.b\r\nAccept: x");
	detect_copy(b.b, b.n, TCP, 1, 80, &r);
	tap_ok(r.payload == PW_PL_HTTP_REQ && r.incomplete,
	       "request without the empty line is incomplete");
	tap_eq_str(r.host, "a.b", "host of an incomplete request");
	b_reset(&b);
	b_str(&b, "GET / HTTP/1.1\r\nAccept: */*\r\nHost: exa");
	detect_copy(b.b, b.n, TCP, 1, 80, &r);
	tap_eq_str(r.host, "", "host cut by the segment end is not reported");
	b_reset(&b); mk_http_req(&b);
	detect_copy(b.b, b.n, TCP, 1, 80, &r);
	tap_ok(!r.incomplete, "complete request is not incomplete");

	/* Empty payloads and ICMP. */
	detect_copy(NULL, 0, TCP, 1, 2, &r);
	tap_ok(r.payload == PW_PL_EMPTY && r.proto == PW_L7_UNKNOWN,
	       "no payload is empty");
	b_reset(&b);
	b_u8(&b, 0x45); b_fill(&b, 0, 19); b_fill(&b, 1, 8);
	detect_copy(b.b, b.n, IPPROTO_ICMP, 3, 1, &r);
	tap_eq_str(pw_l7_payload_name(r.payload), "ipv4",
		   "icmp unreachable quoting IPv4 is ipv4");
	detect_copy(b.b, b.n, IPPROTO_ICMP, 8, 0, &r);
	tap_eq_str(pw_l7_payload_name(r.payload), "icmp",
		   "icmp echo is icmp even if it looks like IPv4");
	detect_copy(b.b, 0, IPPROTO_ICMP, 0, 0, &r);
	tap_eq_str(pw_l7_payload_name(r.payload), "icmp",
		   "icmp without payload is icmp");
	b_reset(&b);
	b_u8(&b, 0x60); b_fill(&b, 0, 47);
	detect_copy(b.b, b.n, IPPROTO_ICMPV6, 1, 4, &r);
	tap_eq_str(pw_l7_payload_name(r.payload), "ipv6",
		   "icmpv6 unreachable quoting IPv6 is ipv6");
	detect_copy(b.b, 20, IPPROTO_ICMPV6, 1, 4, &r);
	tap_eq_str(pw_l7_payload_name(r.payload), "icmp",
		   "icmpv6 error with a short quote is icmp");
	detect_copy(b.b, b.n, IPPROTO_ICMPV6, 128, 0, &r);
	tap_eq_str(pw_l7_payload_name(r.payload), "icmp",
		   "icmpv6 echo request is icmp");
	detect_copy(b.b, b.n, 132 /* SCTP */, 1, 2, &r);
	tap_eq_str(pw_l7_payload_name(r.payload), "unknown",
		   "other transports are unknown");
}

static void test_http_helpers(void)
{
	static const char req[] = "OPTIONS * HTTP/1.1\r\nX-Host: no\r\n"
				  "HOST: \t www.Example.net:80\r\n\r\n";
	size_t off = 0, len = 0;

	tap_eq_u64(pw_http_method_len((const uint8_t *)"DELETE /x", 9), 6,
		   "method length of DELETE");
	tap_eq_u64(pw_http_method_len((const uint8_t *)"PATCH", 5), 0,
		   "method without a space is not a method");
	tap_eq_u64(pw_http_method_len((const uint8_t *)"PUT", 3), 0,
		   "short input");
	tap_ok(pw_http_host_span((const uint8_t *)req, sizeof(req) - 1, &off,
				 &len), "host span found past X-Host");
	tap_eq_mem(req + off, "www.Example.net", len,
		   "host span without blanks and port");
	tap_eq_u64(len, 15, "host span length");
	tap_ok(!pw_http_host_span((const uint8_t *)"GET / HTTP/1.1\r\n\r\n"
				  "Host: body\r\n", 30, &off, &len),
	       "Host after the header block is ignored");
}

int main(void)
{
	test_samples();
	test_prefixes();
	test_near_misses();
	test_ports_and_special();
	test_http_helpers();
	return tap_done();
}
