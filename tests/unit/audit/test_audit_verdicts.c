/* Audit verdicts from hand-built packets through the pipeline: each
 * verdict, each reset stage, the thresholds at and just below their
 * values, precedence, evidence packet numbers, and bounded state. */
#include <stdlib.h>

#include "audit/audit_priv.h"
#include "audit_util.h"

#define CLI 0x0a000001u		/* 10.0.0.1 */
#define SRV 0x0a000002u		/* 10.0.0.2 */

static const char http_get[] =
	"GET / HTTP/1.1\r\nHost: www.example.com\r\nAccept: */*\r\n\r\n";

static void test_ok_tls(void)
{
	struct harness h;
	struct tconn c;
	uint8_t ch[512], sh[512];
	size_t chl = tls_hello(ch, "good.example"), shl = tls_hello(sh, NULL);
	const struct pw_audit_result *r;
	char pk[128];

	h_init(&h);
	conn4(&c, CLI, 40000, SRV, 443);
	handshake(&h, &c);
	tcp_send(&h, &c, 0, PW_TCP_ACK | PW_TCP_PSH, ch, (uint32_t)chl);
	tcp_send(&h, &c, 1, PW_TCP_ACK | PW_TCP_PSH, sh, (uint32_t)shl);
	tcp_send(&h, &c, 0, PW_TCP_ACK | PW_TCP_FIN, NULL, 0);
	tcp_send(&h, &c, 1, PW_TCP_ACK | PW_TCP_FIN, NULL, 0);
	tcp_send(&h, &c, 0, PW_TCP_ACK, NULL, 0);
	h_finish(&h);
	r = only(&h, "tls ok");
	check_verdict(r, PW_AUDIT_OK, PW_STAGE_NONE, "tls ok");
	if (r) {
		tap_eq_str(r->host, "good.example", "tls ok: host from SNI");
		tap_eq_u64(r->sport, 40000, "tls ok: client port");
		tap_eq_u64(r->dport, 443, "tls ok: server port");
		tap_eq_u64(r->proto, IPPROTO_TCP, "tls ok: proto");
		tap_eq_str(packets_str(r, pk, sizeof(pk)), "1,8",
			   "tls ok: evidence is first and last packet");
		tap_eq_u64(r->first_ts, T0 + 10 * MS, "tls ok: first_ts");
		tap_eq_u64(r->last_ts, T0 + 80 * MS, "tls ok: last_ts");
	}
	tap_eq_u64(pw_audit_active(h.audit), 0, "tls ok: state freed");
	h_free(&h);
}

static void check_syn_timeout(unsigned syns, const char *want_pk,
			      const char *want_detail)
{
	struct harness h;
	struct tconn c;
	const struct pw_audit_result *r;
	char pk[128], what[64];
	unsigned i;

	snprintf(what, sizeof(what), "%u SYNs", syns);
	h_init(&h);
	conn4(&c, CLI, 40001, SRV, 443);
	for (i = 0; i < syns; i++)
		tcp_at(&h, &c, 0, PW_TCP_SYN, c.cseq, NULL, 0);
	h_finish(&h);
	r = only(&h, what);
	check_verdict(r, PW_AUDIT_SYN_TIMEOUT, PW_STAGE_HANDSHAKE, what);
	if (r) {
		tap_eq_str(packets_str(r, pk, sizeof(pk)), want_pk, what);
		tap_eq_str(r->detail, want_detail, what);
	}
	h_free(&h);
}

static void test_syn_timeout(void)
{
	check_syn_timeout(1, "1", "1 SYN, no SYN+ACK");
	check_syn_timeout(3, "1,2,3", "3 SYNs, no SYN+ACK");
	/* Long lists keep the first three and the latest. */
	check_syn_timeout(6, "1,2,3,6", "6 SYNs, no SYN+ACK");
}

/* Opens a connection, lets `script` run, then the server resets. */
enum reset_case { RC_SYN, RC_HANDSHAKE, RC_HELLO, RC_HTTP, RC_DATA, RC_MID };

static void check_reset(enum reset_case rc, enum pw_audit_stage want,
			const char *want_pk, const char *what)
{
	struct harness h;
	struct tconn c;
	uint8_t ch[512];
	size_t chl = tls_hello(ch, "blocked.example");
	const struct pw_audit_result *r;
	char pk[128];

	h_init(&h);
	conn4(&c, CLI, 40002, SRV, rc == RC_HTTP ? 80 : 443);
	if (rc == RC_SYN) {
		tcp_send(&h, &c, 0, PW_TCP_SYN, NULL, 0);
	} else {
		handshake(&h, &c);
		if (rc == RC_HELLO)
			tcp_send(&h, &c, 0, PW_TCP_ACK | PW_TCP_PSH, ch,
				 (uint32_t)chl);
		else if (rc == RC_HTTP)
			tcp_send(&h, &c, 0, PW_TCP_ACK | PW_TCP_PSH, http_get,
				 sizeof(http_get) - 1);
		else if (rc == RC_DATA || rc == RC_MID)
			tcp_send(&h, &c, 0, PW_TCP_ACK | PW_TCP_PSH,
				 "\x01\x02\x03\x04", 4);
		if (rc == RC_MID)
			tcp_send(&h, &c, 1, PW_TCP_ACK | PW_TCP_PSH,
				 "\x05\x06", 2);
	}
	tcp_send(&h, &c, 1, PW_TCP_RST | PW_TCP_ACK, NULL, 0);
	h_finish(&h);
	r = only(&h, what);
	check_verdict(r, PW_AUDIT_RESET, want, what);
	if (r)
		tap_eq_str(packets_str(r, pk, sizeof(pk)), want_pk, what);
	h_free(&h);
}

static void test_reset_stages(void)
{
	check_reset(RC_SYN, PW_STAGE_HANDSHAKE, "1,2", "reset answers SYN");
	check_reset(RC_HANDSHAKE, PW_STAGE_HANDSHAKE, "1,4",
		    "reset after handshake");
	check_reset(RC_HELLO, PW_STAGE_AFTER_CLIENT_HELLO, "4,5",
		    "reset after ClientHello");
	check_reset(RC_HTTP, PW_STAGE_AFTER_HTTP_REQUEST, "4,5",
		    "reset after HTTP request");
	check_reset(RC_DATA, PW_STAGE_AFTER_CLIENT_DATA, "4,5",
		    "reset after other client data");
	check_reset(RC_MID, PW_STAGE_MID_TRANSFER, "5,6",
		    "reset mid-transfer");
}

/* RSTs that are no failure: the client's own, and the server's after a
 * FIN (teardown). */
static void test_reset_not_counted(void)
{
	struct harness h;
	struct tconn c;
	const struct pw_audit_result *r;

	h_init(&h);
	conn4(&c, CLI, 40003, SRV, 443);
	handshake(&h, &c);
	tcp_send(&h, &c, 0, PW_TCP_ACK | PW_TCP_PSH, "abc", 3);
	tcp_send(&h, &c, 1, PW_TCP_ACK | PW_TCP_PSH, "defg", 4);
	tcp_send(&h, &c, 0, PW_TCP_RST | PW_TCP_ACK, NULL, 0);
	h_finish(&h);
	r = only(&h, "client reset");
	check_verdict(r, PW_AUDIT_OK, PW_STAGE_NONE, "client reset");
	h_free(&h);

	h_init(&h);
	conn4(&c, CLI, 40004, SRV, 443);
	handshake(&h, &c);
	tcp_send(&h, &c, 0, PW_TCP_ACK | PW_TCP_PSH, "abc", 3);
	tcp_send(&h, &c, 1, PW_TCP_ACK | PW_TCP_PSH, "defg", 4);
	tcp_send(&h, &c, 0, PW_TCP_ACK | PW_TCP_FIN, NULL, 0);
	tcp_send(&h, &c, 1, PW_TCP_RST | PW_TCP_ACK, NULL, 0);
	h_finish(&h);
	r = only(&h, "teardown reset");
	check_verdict(r, PW_AUDIT_OK, PW_STAGE_NONE, "reset after FIN");
	h_free(&h);
}

static void test_icmp(void)
{
	struct harness h;
	struct tconn c;
	uint8_t syn[128], dg[128];
	int synl, dgl;
	const struct pw_audit_result *r;
	char pk[64];

	/* TCP SYN refused by ICMP port unreachable. */
	h_init(&h);
	conn4(&c, CLI, 40005, SRV, 8443);
	synl = build_tcp(syn, sizeof(syn), &c, 0, PW_TCP_SYN, c.cseq, 0,
			 NULL, 0);
	h_feed(&h, syn, synl);
	icmp_error(&h, &c, 3, 3, syn, synl);
	h_finish(&h);
	r = only(&h, "icmp tcp");
	check_verdict(r, PW_AUDIT_ICMP_UNREACHABLE, PW_STAGE_HANDSHAKE,
		      "icmp port unreachable on SYN");
	if (r) {
		tap_eq_str(r->detail, "icmp type 3 code 3 (port unreachable)",
			   "icmp detail");
		tap_eq_str(packets_str(r, pk, sizeof(pk)), "1,2",
			   "icmp evidence");
	}
	h_free(&h);

	/* IPv6 UDP, administratively prohibited. */
	h_init(&h);
	conn6(&c, 1, 5000, 2, 7000);
	dgl = build_udp(dg, sizeof(dg), &c, 0, "ping", 4);
	h_feed(&h, dg, dgl);
	icmp_error(&h, &c, 1, 1, dg, dgl);
	h_finish(&h);
	r = only(&h, "icmp6 udp");
	check_verdict(r, PW_AUDIT_ICMP_UNREACHABLE, PW_STAGE_NONE,
		      "icmp6 admin prohibited on udp");
	if (r)
		tap_eq_str(r->detail,
			   "icmp6 type 1 code 1 (administratively prohibited)",
			   "icmp6 detail");
	h_free(&h);

	/* Fragmentation needed is path MTU discovery, not a refusal. */
	h_init(&h);
	conn4(&c, CLI, 5001, SRV, 7001);
	dgl = build_udp(dg, sizeof(dg), &c, 0, "ping", 4);
	h_feed(&h, dg, dgl);
	icmp_error(&h, &c, 3, 4, dg, dgl);
	h_finish(&h);
	check_verdict(only(&h, "frag needed"), PW_AUDIT_OK, PW_STAGE_NONE,
		      "icmp fragmentation needed ignored");
	h_free(&h);

	/* An error about the server's packet says nothing of blocking. */
	h_init(&h);
	conn4(&c, CLI, 5002, SRV, 7002);
	h_feed(&h, dg, build_udp(dg, sizeof(dg), &c, 0, "ping", 4));
	dgl = build_udp(dg, sizeof(dg), &c, 1, "pong", 4);
	h_feed(&h, dg, dgl);
	{
		/* The client answers the server's datagram with an error. */
		uint8_t buf[256];
		struct pw_pkt_edit e;

		pw_edit_init(&e, 4, IPPROTO_ICMP);
		edit_addrs(&e, &c, 0);
		e.icmp.type = 3;
		e.icmp.code = 3;
		e.payload = dg;
		e.payload_len = 28;
		h_feed(&h, buf, pw_rebuild(&e, buf, sizeof(buf)));
	}
	h_finish(&h);
	check_verdict(only(&h, "icmp about s2c"), PW_AUDIT_OK, PW_STAGE_NONE,
		      "icmp quoting the server's packet ignored");
	h_free(&h);
}

static void test_tls_cut(void)
{
	struct harness h;
	struct tconn c;
	uint8_t ch[512];
	size_t chl = tls_hello(ch, "cut.example");
	const struct pw_audit_result *r;
	uint32_t at;
	char pk[64];

	/* ClientHello, two retransmissions, then the client gives up. */
	h_init(&h);
	conn4(&c, CLI, 40006, SRV, 443);
	handshake(&h, &c);
	at = c.cseq;
	tcp_send(&h, &c, 0, PW_TCP_ACK | PW_TCP_PSH, ch, (uint32_t)chl);
	tcp_at(&h, &c, 0, PW_TCP_ACK | PW_TCP_PSH, at, ch, (uint32_t)chl);
	tcp_at(&h, &c, 0, PW_TCP_ACK | PW_TCP_PSH, at, ch, (uint32_t)chl);
	tcp_send(&h, &c, 0, PW_TCP_ACK | PW_TCP_RST, NULL, 0);
	h_finish(&h);
	r = only(&h, "tls cut silence");
	check_verdict(r, PW_AUDIT_TLS_CUT, PW_STAGE_AFTER_CLIENT_HELLO,
		      "tls cut: silence");
	if (r) {
		tap_eq_str(r->detail, "no reply to the ClientHello, 2 "
			   "retransmissions, client reset", "tls cut detail");
		tap_eq_str(packets_str(r, pk, sizeof(pk)), "4,5,6,7",
			   "tls cut evidence");
		tap_eq_str(r->host, "cut.example", "tls cut host");
	}
	h_free(&h);

	/* The server answers, but not with a ServerHello. */
	h_init(&h);
	conn4(&c, CLI, 40007, SRV, 443);
	handshake(&h, &c);
	tcp_send(&h, &c, 0, PW_TCP_ACK | PW_TCP_PSH, ch, (uint32_t)chl);
	tcp_send(&h, &c, 1, PW_TCP_ACK | PW_TCP_PSH,
		 "HTTP/1.1 403 Forbidden\r\n\r\n", 26);
	tcp_send(&h, &c, 1, PW_TCP_ACK | PW_TCP_FIN, NULL, 0);
	h_finish(&h);
	r = only(&h, "tls cut other reply");
	check_verdict(r, PW_AUDIT_TLS_CUT, PW_STAGE_AFTER_CLIENT_HELLO,
		      "tls cut: reply without ServerHello");
	if (r)
		tap_eq_str(r->detail, "26 bytes back, no ServerHello",
			   "tls cut other reply detail");
	h_free(&h);
}

static void http_exchange(struct harness *h, uint16_t port, const char *reply)
{
	struct tconn c;

	conn4(&c, CLI, port, SRV, 80);
	handshake(h, &c);
	tcp_send(h, &c, 0, PW_TCP_ACK | PW_TCP_PSH, http_get,
		 sizeof(http_get) - 1);
	tcp_send(h, &c, 1, PW_TCP_ACK | PW_TCP_PSH, reply,
		 (uint32_t)strlen(reply));
	tcp_send(h, &c, 1, PW_TCP_ACK | PW_TCP_RST, NULL, 0);
}

static void check_redirect(const char *reply, const struct pw_audit_config *cfg,
			   enum pw_audit_verdict want, const char *detail,
			   const char *what)
{
	struct harness h;
	const struct pw_audit_result *r;

	h_init_cfg(&h, cfg, 0);
	http_exchange(&h, 41000, reply);
	h_finish(&h);
	r = only(&h, what);
	check_verdict(r, want, want == PW_AUDIT_HTTP_REDIRECT ?
		      PW_STAGE_AFTER_HTTP_REQUEST : PW_STAGE_MID_TRANSFER,
		      what);
	if (r && detail)
		tap_eq_str(r->detail, detail, what);
	h_free(&h);
}

static void test_http_redirect(void)
{
	struct pw_audit_config only_302;
	char pk[64];
	struct harness h;

	/* Each reply is followed by a server RST: a redirect explains the
	 * reset, otherwise the reset (mid-transfer) is the verdict. */
	check_redirect("HTTP/1.1 302 Found\r\nLocation: http://block.isp.test/"
		       "page?u=1\r\n\r\n", NULL, PW_AUDIT_HTTP_REDIRECT,
		       "302 to block.isp.test", "302 to another site");
	check_redirect("HTTP/1.1 307 Temporary Redirect\r\nContent-Length: 0"
		       "\r\nlocation:   https://user@WARN.Other.NET:8443/x\r\n"
		       "\r\n", NULL, PW_AUDIT_HTTP_REDIRECT,
		       "307 to warn.other.net", "307, userinfo, port, case");
	check_redirect("HTTP/1.1 301 Moved\r\nLocation: //cdn.elsewhere.org/"
		       "\r\n\r\n", NULL, PW_AUDIT_HTTP_REDIRECT,
		       "301 to cdn.elsewhere.org", "301 scheme-relative");
	check_redirect("HTTP/1.1 302 Found\r\nLocation: http://[2001:db8::1]"
		       ":80/\r\n\r\n", NULL, PW_AUDIT_HTTP_REDIRECT,
		       "302 to 2001:db8::1", "302 to an IPv6 literal");
	check_redirect("HTTP/1.1 302 Found\r\nLocation: https://login.example"
		       ".com/\r\n\r\n", NULL, PW_AUDIT_RESET, NULL,
		       "302 within the same second-level domain");
	check_redirect("HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\n\r\n",
		       NULL, PW_AUDIT_RESET, NULL, "302 relative Location");
	check_redirect("HTTP/1.1 200 OK\r\nLocation: http://other.test/\r\n"
		       "\r\n", NULL, PW_AUDIT_RESET, NULL,
		       "200 is no redirect");
	check_redirect("HTTP/1.1 302 Found\r\n\r\nLocation: http://x.test/\r\n",
		       NULL, PW_AUDIT_RESET, NULL, "Location in the body");
	pw_audit_config_default(&only_302);
	only_302.redirect_codes = 1u << 2 | 1u << 7;
	check_redirect("HTTP/1.1 301 Moved\r\nLocation: http://a.other.test/"
		       "\r\n\r\n", &only_302, PW_AUDIT_RESET, NULL,
		       "301 not counted with codes 302,307");
	check_redirect("HTTP/1.1 307 Moved\r\nLocation: http://a.other.test/"
		       "\r\n\r\n", &only_302, PW_AUDIT_HTTP_REDIRECT,
		       "307 to a.other.test", "307 counted with codes 302,307");

	h_init(&h);
	http_exchange(&h, 41001, "HTTP/1.1 302 Found\r\nLocation: "
		      "http://b.test/\r\n\r\n");
	h_finish(&h);
	if (h.n == 1)
		tap_eq_str(packets_str(&h.res[0], pk, sizeof(pk)), "4,5",
			   "redirect evidence: request and reply");
	else
		tap_ok(false, "redirect evidence");
	h_free(&h);
}

/* Handshake, 1000 bytes, a small reply, a second segment sent once plus
 * `resends` retransmissions of it at client offset `at_rel`. */
static const struct pw_audit_result *
retrans_case(struct harness *h, const struct pw_audit_config *cfg,
	     unsigned resends, uint32_t reply_len, uint32_t skip)
{
	static uint8_t data[1000], reply[5000];
	struct tconn c;
	uint32_t at;
	unsigned i;

	h_init_cfg(h, cfg, 0);
	conn4(&c, CLI, 42000, SRV, 8000);
	handshake(h, &c);
	tcp_send(h, &c, 0, PW_TCP_ACK, data, sizeof(data));
	tcp_send(h, &c, 1, PW_TCP_ACK, reply, reply_len);
	c.cseq += skip;		/* bytes not in the capture */
	at = c.cseq;
	tcp_send(h, &c, 0, PW_TCP_ACK, data, sizeof(data));
	for (i = 0; i < resends; i++)
		tcp_at(h, &c, 0, PW_TCP_ACK, at, data, sizeof(data));
	h_finish(h);
	return h->n == 1 ? &h->res[0] : NULL;
}

static void test_retransmissions(void)
{
	struct pw_audit_config cfg;
	struct harness h;
	const struct pw_audit_result *r;
	char pk[64];

	r = retrans_case(&h, NULL, 2, 100, 0);
	check_verdict(r, PW_AUDIT_OK, PW_STAGE_NONE, "2 retransmissions: ok");
	h_free(&h);

	r = retrans_case(&h, NULL, 3, 100, 0);
	check_verdict(r, PW_AUDIT_RETRANSMISSIONS, PW_STAGE_MID_TRANSFER,
		      "3 retransmissions: fail");
	if (r) {
		tap_eq_str(r->detail, "3 retransmissions in the first 32768 "
			   "bytes", "retransmissions detail");
		tap_eq_str(packets_str(r, pk, sizeof(pk)), "7,8,9",
			   "retransmissions evidence");
	}
	h_free(&h);

	/* Past the first 32 KiB the client sends, they do not count. */
	r = retrans_case(&h, NULL, 3, 100, 32768 - 1001 - 1);
	check_verdict(r, PW_AUDIT_RETRANSMISSIONS, PW_STAGE_MID_TRANSFER,
		      "retransmissions at relative seq 32767 count");
	h_free(&h);
	r = retrans_case(&h, NULL, 3, 100, 32768 - 1001);
	check_verdict(r, PW_AUDIT_OK, PW_STAGE_NONE,
		      "retransmissions at relative seq 32768 do not");
	h_free(&h);

	/* Once the server sent past incoming-maxseq, the connection worked. */
	r = retrans_case(&h, NULL, 3, 4095, 0);
	check_verdict(r, PW_AUDIT_RETRANSMISSIONS, PW_STAGE_MID_TRANSFER,
		      "server at 4096: still counted");
	h_free(&h);
	r = retrans_case(&h, NULL, 3, 4096, 0);
	check_verdict(r, PW_AUDIT_OK, PW_STAGE_NONE,
		      "server at 4097: not counted");
	h_free(&h);

	pw_audit_config_default(&cfg);
	cfg.retrans_threshold = 2;
	r = retrans_case(&h, &cfg, 2, 100, 0);
	check_verdict(r, PW_AUDIT_RETRANSMISSIONS, PW_STAGE_MID_TRANSFER,
		      "threshold 2: 2 retransmissions fail");
	h_free(&h);
	cfg.retrans_threshold = 3;
	cfg.retrans_maxseq = 1000;
	r = retrans_case(&h, &cfg, 3, 100, 0);
	check_verdict(r, PW_AUDIT_OK, PW_STAGE_NONE,
		      "maxseq 1000: retransmissions at 1001 not counted");
	h_free(&h);
}

static void test_no_reply(void)
{
	struct harness h;
	struct tconn c;
	const struct pw_audit_result *r;

	h_init(&h);
	conn4(&c, CLI, 42001, SRV, 80);
	handshake(&h, &c);
	tcp_send(&h, &c, 0, PW_TCP_ACK | PW_TCP_PSH, http_get,
		 sizeof(http_get) - 1);
	tcp_send(&h, &c, 1, PW_TCP_ACK, NULL, 0);
	tcp_send(&h, &c, 0, PW_TCP_ACK | PW_TCP_FIN, NULL, 0);
	h_finish(&h);
	r = only(&h, "no reply");
	check_verdict(r, PW_AUDIT_NO_REPLY, PW_STAGE_AFTER_HTTP_REQUEST,
		      "http request, nothing back");
	h_free(&h);
}

static void udp_case(struct harness *h, const struct pw_audit_config *cfg,
		     uint32_t dst, unsigned out, unsigned in)
{
	struct tconn c;
	unsigned i;

	h_init_cfg(h, cfg, 0);
	conn4(&c, CLI, 43000, dst, 9000);
	for (i = 0; i < out; i++)
		udp_send(h, &c, 0, "q", 1);
	for (i = 0; i < in; i++)
		udp_send(h, &c, 1, "a", 1);
	h_finish(h);
}

static void test_udp_silent(void)
{
	struct pw_audit_config cfg;
	struct harness h;
	const struct pw_audit_result *r;
	char pk[64];

	udp_case(&h, NULL, SRV, 4, 0);
	r = only(&h, "udp 4/0");
	check_verdict(r, PW_AUDIT_UDP_SILENT, PW_STAGE_NONE, "udp 4 out 0 in");
	if (r) {
		tap_eq_str(r->detail, "4 datagrams out, 0 in", "udp detail");
		tap_eq_str(packets_str(r, pk, sizeof(pk)), "1,4",
			   "udp evidence");
	}
	h_free(&h);
	udp_case(&h, NULL, SRV, 3, 0);
	check_verdict(only(&h, "udp 3/0"), PW_AUDIT_OK, PW_STAGE_NONE,
		      "udp 3 out 0 in: ok");
	h_free(&h);
	udp_case(&h, NULL, SRV, 4, 1);
	r = only(&h, "udp 4/1");
	check_verdict(r, PW_AUDIT_UDP_SILENT, PW_STAGE_NONE, "udp 4 out 1 in");
	if (r)
		tap_eq_str(packets_str(r, pk, sizeof(pk)), "1,4,5",
			   "udp evidence with the reply");
	h_free(&h);
	udp_case(&h, NULL, SRV, 4, 2);
	check_verdict(only(&h, "udp 4/2"), PW_AUDIT_OK, PW_STAGE_NONE,
		      "udp 4 out 2 in: ok");
	h_free(&h);
	udp_case(&h, NULL, 0xe00000fbu, 6, 0);	/* 224.0.0.251 */
	check_verdict(only(&h, "udp group"), PW_AUDIT_OK, PW_STAGE_NONE,
		      "udp to a multicast group: ok");
	h_free(&h);

	pw_audit_config_default(&cfg);
	cfg.udp_out = 2;
	cfg.udp_in = 0;
	udp_case(&h, &cfg, SRV, 2, 0);
	check_verdict(only(&h, "udp out 2"), PW_AUDIT_UDP_SILENT,
		      PW_STAGE_NONE, "udp-out 2 udp-in 0: 2/0 fails");
	h_free(&h);
	udp_case(&h, &cfg, SRV, 2, 1);
	check_verdict(only(&h, "udp in 0"), PW_AUDIT_OK, PW_STAGE_NONE,
		      "udp-in 0: 2/1 ok");
	h_free(&h);
}

/* One query, then an answer with rcode (or none when rcode < 0 and
 * answered is false). */
static void dns_case(int rcode, bool answered, unsigned repeats,
		     enum pw_audit_verdict want, const char *detail,
		     const char *want_pk)
{
	struct harness h;
	struct tconn c;
	uint8_t msg[512];
	size_t n;
	unsigned i;
	const struct pw_audit_result *r;
	char pk[64];

	h_init(&h);
	conn4(&c, CLI, 44000, SRV, 53);
	n = dns_msg(msg, 0x1234, "blocked.test", 1, -1, 0);
	for (i = 0; i <= repeats; i++)
		udp_send(&h, &c, 0, msg, (uint32_t)n);
	if (answered) {
		n = dns_msg(msg, 0x1234, "blocked.test", 1, rcode,
			    rcode == 0 ? SRV : 0);
		udp_send(&h, &c, 1, msg, (uint32_t)n);
	}
	h_finish(&h);
	r = only(&h, detail);
	check_verdict(r, want, PW_STAGE_NONE, detail);
	if (r && want == PW_AUDIT_DNS_FAILURE) {
		tap_eq_str(r->detail, detail, "dns detail");
		tap_eq_str(r->host, "blocked.test", "dns host");
		tap_eq_str(packets_str(r, pk, sizeof(pk)), want_pk,
			   "dns evidence");
	}
	h_free(&h);
}

static void test_dns(void)
{
	dns_case(3, true, 0, PW_AUDIT_DNS_FAILURE, "NXDOMAIN blocked.test A",
		 "1,2");
	dns_case(2, true, 0, PW_AUDIT_DNS_FAILURE, "SERVFAIL blocked.test A",
		 "1,2");
	dns_case(5, true, 1, PW_AUDIT_DNS_FAILURE, "REFUSED blocked.test A",
		 "1,3");
	dns_case(-1, false, 1, PW_AUDIT_DNS_FAILURE,
		 "no answer blocked.test A, asked 2x", "1");
	dns_case(0, true, 0, PW_AUDIT_OK, "NOERROR", "");
	/* FORMERR is the resolver's complaint about the query, not a
	 * refusal of the name. */
	dns_case(1, true, 0, PW_AUDIT_OK, "FORMERR", "");
}

/* A name from a DNS answer labels a later connection to that address. */
static void test_dns_names_connections(void)
{
	struct harness h;
	struct tconn d, c;
	uint8_t msg[512];
	size_t n;
	unsigned i;

	h_init(&h);
	conn4(&d, CLI, 44001, SRV, 53);
	n = dns_msg(msg, 7, "www.named.test", 1, -1, 0);
	udp_send(&h, &d, 0, msg, (uint32_t)n);
	n = dns_msg(msg, 7, "www.named.test", 1, 0, 0x0a000009u);
	udp_send(&h, &d, 1, msg, (uint32_t)n);
	conn4(&c, CLI, 44002, 0x0a000009u, 443);
	for (i = 0; i < 2; i++)
		tcp_at(&h, &c, 0, PW_TCP_SYN, c.cseq, NULL, 0);
	h_finish(&h);
	tap_ok(h.n == 2, "dns + tcp: two results");
	for (i = 0; i < h.n; i++) {
		if (h.res[i].proto != IPPROTO_TCP)
			continue;
		check_verdict(&h.res[i], PW_AUDIT_SYN_TIMEOUT,
			      PW_STAGE_HANDSHAKE, "named syn-timeout");
		tap_eq_str(h.res[i].host, "www.named.test",
			   "connection named by the DNS answer");
	}
	h_free(&h);
}

static void test_ipv6_reset(void)
{
	struct harness h;
	struct tconn c;
	uint8_t ch[512];
	size_t chl = tls_hello(ch, "v6.example");
	const struct pw_audit_result *r;

	h_init(&h);
	conn6(&c, 1, 45000, 2, 443);
	handshake(&h, &c);
	tcp_send(&h, &c, 0, PW_TCP_ACK | PW_TCP_PSH, ch, (uint32_t)chl);
	tcp_send(&h, &c, 1, PW_TCP_RST, NULL, 0);
	h_finish(&h);
	r = only(&h, "v6 reset");
	check_verdict(r, PW_AUDIT_RESET, PW_STAGE_AFTER_CLIENT_HELLO,
		      "ipv6 reset after ClientHello");
	if (r) {
		tap_eq_u64(r->family, 6, "ipv6 family");
		tap_eq_u64(r->dst[15], 2, "ipv6 server address");
		tap_eq_str(r->host, "v6.example", "ipv6 host");
	}
	h_free(&h);
}

/* State follows the flow table: with a cap of 16 flows, 1000 connections
 * never hold more than 16 states, and all are judged. */
static void test_bounded(void)
{
	struct harness h;
	struct tconn c;
	unsigned i;
	uint64_t peak = 0;

	h_init_cfg(&h, NULL, 16);
	for (i = 0; i < 1000; i++) {
		conn4(&c, CLI, (uint16_t)(10000 + i), SRV, 443);
		tcp_send(&h, &c, 0, PW_TCP_SYN, NULL, 0);
		if (pw_audit_active(h.audit) > peak)
			peak = pw_audit_active(h.audit);
	}
	h_finish(&h);
	tap_ok(peak <= 16, "state bounded by the flow cap (peak %llu)",
	       (unsigned long long)peak);
	tap_eq_u64(pw_audit_active(h.audit), 0, "all state freed at the end");
	tap_eq_u64(h.n, MAX_RESULTS, "results delivered (first 64 kept)");
	h_free(&h);
}

static void test_same_sld(void)
{
	tap_ok(audit_same_sld("www.example.com", "login.EXAMPLE.com."),
	       "sld: subdomains, case, trailing dot");
	tap_ok(audit_same_sld("example.com", "example.com"), "sld: equal");
	tap_ok(!audit_same_sld("example.com", "example.net"), "sld: tld");
	tap_ok(!audit_same_sld("badexample.com", "example.com"),
	       "sld: label boundary");
	tap_ok(audit_same_sld("localhost", "localhost"), "sld: one label");
	tap_ok(audit_same_sld("10.0.0.1", "10.0.0.1"), "sld: ipv4 whole");
	tap_ok(!audit_same_sld("10.0.0.1", "11.0.0.1"), "sld: ipv4 differs");
	tap_ok(!audit_same_sld("2001:db8::1", "2001:db8::2"),
	       "sld: ipv6 whole");
}

int main(void)
{
	test_ok_tls();
	test_syn_timeout();
	test_reset_stages();
	test_reset_not_counted();
	test_icmp();
	test_tls_cut();
	test_http_redirect();
	test_retransmissions();
	test_no_reply();
	test_udp_silent();
	test_dns();
	test_dns_names_connections();
	test_ipv6_reset();
	test_bounded();
	test_same_sld();
	return tap_done();
}
