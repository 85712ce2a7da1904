/* TLS hello parser and detector on hellos built byte by byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l7/detect.h"
#include "l7/tls/tls.h"
#include "tap.h"
#include "tls_build.h"

static const uint16_t v13[] = { 0x0304, 0x0303 };
static const uint16_t pq_groups[] = { 0x11ec, 0x001d };
static const uint16_t x25519[] = { 0x001d };

/* sid 32, 2 suites, SNI first: offsets computed by hand below. */
static const struct hello_spec basic = {
	.sid_len = 32,
	.sni = "www.example.com",
	.alpn = "h2,http/1.1",
	.versions = v13, .n_versions = 2,
	.groups = x25519, .n_groups = 1,
};

static void test_basic_offsets(void)
{
	uint8_t buf[4096];
	struct hello_layout lay;
	struct pw_tls_hello h;
	size_t n = build_hello(&basic, buf, sizeof(buf), &lay);

	tap_ok(pw_tls_parse_record(buf, n, &h) == PW_TLS_OK,
	       "basic ClientHello parses whole");
	tap_eq_u64(h.hs_type, PW_TLS_HS_CLIENT_HELLO, "hs_type");
	tap_eq_u64(h.record_version, 0x0301, "record version");
	tap_eq_u64(h.legacy_version, 0x0303, "legacy version");
	/* record hdr 5 | hs hdr 4 | version 2 | random 32 | sid 1+32 |
	 * suites 2+4 | compression 1+1 | extlen 2 | sni type+len 4 | ... */
	tap_eq_u64(h.hs_off, 5, "handshake at 5");
	tap_eq_u64(h.random_off, 11, "random at 11");
	tap_eq_u64(h.session_id_off, 44, "session id at 44");
	tap_eq_u64(h.session_id_len, 32, "session id length");
	tap_eq_u64(h.cipher_suites_off, 78, "cipher suites at 78");
	tap_eq_u64(h.cipher_suites_len, 4, "cipher suites length");
	tap_eq_u64(h.compression_off, 83, "compression at 83");
	tap_eq_u64(h.extlen_off, 84, "extlen at 84");
	tap_eq_u64(h.sniext_off, 90, "sniext at 90");
	tap_eq_u64(h.host_off, 95, "host at 95");
	tap_eq_u64(h.host_end, 110, "endhost at 110");
	tap_eq_str(h.sni, "www.example.com", "sni");
	tap_eq_str(h.alpn, "h2,http/1.1", "alpn");
	tap_eq_u64(h.need, n, "need is the whole record");
	tap_eq_u64(h.extlen, n - 86, "extensions length");
	tap_eq_u64(h.n_ext, lay.n_ext, "extension count");
	tap_ok(h.n_ext == 4 && h.ext[0].type == 0x0000 &&
	       h.ext[1].type == 0x0010 && h.ext[2].type == 0x002b &&
	       h.ext[3].type == 0x0033, "extension types in order");
	tap_ok(h.ext[0].off == 86 && h.ext[1].off == lay.ext_offs[1] &&
	       h.ext[3].off == lay.ext_offs[3] &&
	       h.ext[3].data_off == lay.ext_offs[3] + 4,
	       "extension offsets");
	tap_ok(h.n_versions == 2 && h.versions[0] == 0x0304 &&
	       h.versions[1] == 0x0303, "supported_versions");
	tap_ok(h.n_groups == 1 && h.groups[0] == 0x001d, "key_share groups");
	tap_ok(!h.ech && !pw_tls_hello_pq(&h) && !h.malformed,
	       "no ech, no pq, not malformed");
}

static void test_pq_ech(void)
{
	struct hello_spec s = basic;
	uint8_t buf[8192];
	struct hello_layout lay;
	struct pw_tls_hello h;
	struct pw_l7_result res;
	size_t n;

	s.groups = pq_groups;
	s.n_groups = 2;
	s.n_ciphers = 16;
	s.ech = true;
	n = build_hello(&s, buf, sizeof(buf), &lay);
	tap_ok(n > 1460, "X25519MLKEM768 hello is larger than one MSS (%zu)",
	       n);
	tap_ok(pw_tls_parse_record(buf, n, &h) == PW_TLS_OK, "pq hello parses");
	tap_ok(h.n_groups == 2 && h.groups[0] == 0x11ec &&
	       h.groups[1] == 0x001d, "key_share has X25519MLKEM768, X25519");
	tap_ok(h.ech && pw_tls_hello_pq(&h), "ech and pq flags");
	memset(&res, 0, sizeof(res));
	tap_ok(pw_tls_detect(buf, n, &res), "detect whole pq hello");
	tap_eq_u64(res.payload, PW_PL_TLS_CLIENT_HELLO, "payload type");
	tap_eq_str(res.host, "www.example.com", "detect host");
	tap_eq_str(res.detail, "alpn=h2,http/1.1 ech pq", "detect detail");
	tap_ok(!res.incomplete, "not incomplete");

	/* First segment only: SNI comes before the big key share. */
	memset(&res, 0, sizeof(res));
	tap_ok(pw_tls_detect(buf, 1400, &res), "detect first segment");
	tap_ok(res.incomplete, "first segment is incomplete");
	tap_eq_str(res.host, "www.example.com", "host from first segment");
	tap_ok(pw_tls_parse_record(buf, 1400, &h) == PW_TLS_PARTIAL,
	       "first segment is PARTIAL");
	tap_eq_u64(h.need, n, "need from first segment = whole hello");
}

/* Every prefix parses without reading past it; the SNI is there exactly
 * when the whole server_name extension is. */
static void test_prefixes(void)
{
	struct hello_spec s = basic;
	uint8_t buf[8192], *copy;
	struct hello_layout lay;
	struct pw_tls_hello h;
	size_t n, k, sni_ext_end;
	bool ok = true;

	s.groups = pq_groups;
	s.n_groups = 2;
	s.padding = 100;
	s.padding_first = true;
	n = build_hello(&s, buf, sizeof(buf), &lay);
	sni_ext_end = lay.host_end;	/* SNI data ends with the name */
	for (k = 0; k <= n; k++) {
		enum pw_tls_status st;

		copy = malloc(k ? k : 1);	/* ASan sees any overread */
		memcpy(copy, buf, k);
		st = pw_tls_parse_record(copy, k, &h);
		if (k < n && st != PW_TLS_PARTIAL) {
			tap_diag("prefix %zu: status %d", k, st);
			ok = false;
		}
		if (k >= 5 && h.need != n) {
			tap_diag("prefix %zu: need %zu", k, h.need);
			ok = false;
		}
		if (k < 5 && h.need <= k) {
			tap_diag("prefix %zu: need %zu too small", k, h.need);
			ok = false;
		}
		if ((h.host_off != PW_TLS_NONE) != (k >= sni_ext_end)) {
			tap_diag("prefix %zu: host_off %zu", k, h.host_off);
			ok = false;
		}
		free(copy);
	}
	tap_ok(ok, "all %zu prefixes: PARTIAL, exact need, SNI when whole", n);
	tap_ok(pw_tls_parse_record(buf, n, &h) == PW_TLS_OK, "whole is OK");
}

static void test_multi_record(void)
{
	uint8_t buf[8192], rec[9000];
	struct hello_layout lay;
	struct pw_tls_hello h, one;
	size_t n, m;

	n = build_hello(&basic, buf, sizeof(buf), &lay);
	pw_tls_parse_record(buf, n, &one);
	/* 95 handshake bytes per record: the name (handshake bytes 90..104)
	 * straddles the boundary after handshake byte 94. */
	m = split_records(buf, n, 95, rec, sizeof(rec));
	tap_ok(m == n + 5 * ((n - 5 + 94) / 95 - 1), "split into records");
	tap_ok(pw_tls_parse_record(rec, m, &h) == PW_TLS_OK,
	       "multi-record hello parses");
	tap_eq_str(h.sni, "www.example.com", "multi-record sni");
	tap_eq_str(h.alpn, "h2,http/1.1", "multi-record alpn");
	tap_eq_u64(h.host_off, one.host_off, "host_off before the boundary");
	tap_eq_u64(h.host_end, one.host_end + 5, "host_end after a header");
	tap_eq_u64(h.first_record_end, 5 + 95, "first record end");
	tap_eq_u64(h.need, m, "need covers all records");
	tap_ok(pw_tls_parse_record(rec, 100, &h) == PW_TLS_PARTIAL &&
	       h.need == m, "prefix of multi-record: need (one more record)");

	/* Tiny records: one handshake byte each, too many to follow. */
	m = split_records(buf, n, 1, rec, sizeof(rec));
	tap_ok(pw_tls_parse_record(rec, m, &h) == PW_TLS_MALFORMED,
	       "one byte per record is refused as malformed");
	/* A non-handshake record in the middle of the message. */
	m = split_records(buf, n, 88, rec, sizeof(rec));
	rec[5 + 88] = 23;
	tap_ok(pw_tls_parse_record(rec, m, &h) == PW_TLS_MALFORMED,
	       "application data inside a hello is malformed");
}

static void test_server_hello(void)
{
	static const uint16_t sv[] = { 0x0304 };
	static const uint16_t sg[] = { 0x11ec };
	struct hello_spec s = { .server = true, .sid_len = 32,
				.versions = sv, .n_versions = 1,
				.groups = sg, .n_groups = 1 };
	uint8_t buf[4096];
	struct hello_layout lay;
	struct pw_tls_hello h;
	struct pw_l7_result res;
	size_t n = build_hello(&s, buf, sizeof(buf), &lay);

	tap_ok(pw_tls_parse_record(buf, n, &h) == PW_TLS_OK,
	       "ServerHello parses");
	tap_eq_u64(h.hs_type, PW_TLS_HS_SERVER_HELLO, "server hs_type");
	tap_eq_u64(h.cipher_suite, 0x1301, "chosen suite");
	tap_ok(h.n_versions == 1 && h.versions[0] == 0x0304,
	       "selected version 1.3");
	tap_ok(h.n_groups == 1 && h.groups[0] == 0x11ec, "chosen group");
	tap_ok(!h.hello_retry, "not an HRR");
	memset(&res, 0, sizeof(res));
	tap_ok(pw_tls_detect(buf, n, &res) &&
	       res.payload == PW_PL_TLS_SERVER_HELLO, "detect server hello");
	tap_eq_str(res.detail, "tls1.3 pq", "server detail");
	tap_eq_str(res.host, "", "no host in a ServerHello");

	s.hrr_random = true;
	n = build_hello(&s, buf, sizeof(buf), &lay);
	tap_ok(pw_tls_parse_record(buf, n, &h) == PW_TLS_OK && h.hello_retry,
	       "HelloRetryRequest recognised");
}

static void test_not_tls(void)
{
	static const uint8_t http[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	/* A Certificate handshake message: TLS, but not a hello. */
	static const uint8_t cert[] = { 0x16, 0x03, 0x03, 0x00, 0x08, 0x0b,
					0x00, 0x00, 0x04, 0, 0, 0, 0 };
	/* Application data. */
	static const uint8_t appdata[] = { 0x17, 0x03, 0x03, 0x00, 0x02,
					   1, 2 };
	struct pw_tls_hello h;
	struct pw_l7_result res;

	tap_ok(pw_tls_parse_record(http, sizeof(http) - 1, &h) ==
	       PW_TLS_NOT_TLS, "HTTP is not TLS");
	tap_ok(pw_tls_parse_record(cert, sizeof(cert), &h) == PW_TLS_NOT_TLS,
	       "Certificate message is not a hello");
	tap_ok(pw_tls_parse_record(appdata, sizeof(appdata), &h) ==
	       PW_TLS_NOT_TLS, "application data is not a hello");
	memset(&res, 0, sizeof(res));
	tap_ok(!pw_tls_detect(http, sizeof(http) - 1, &res) &&
	       !pw_tls_detect(cert, sizeof(cert), &res) &&
	       !pw_tls_detect(appdata, 5, &res), "detect says no");
	tap_eq_u64(pw_tls_record_need(http, 10), PW_TLS_NONE,
		   "need: not TLS");
}

static void test_malformed(void)
{
	uint8_t buf[4096];
	struct hello_layout lay;
	struct pw_tls_hello h;
	struct pw_l7_result res;
	size_t n = build_hello(&basic, buf, sizeof(buf), &lay);

	/* extensions length larger than what the message holds */
	buf[lay.extlen_off] = 0x7f;
	tap_ok(pw_tls_parse_record(buf, n, &h) == PW_TLS_MALFORMED,
	       "oversized extensions length is malformed");
	tap_eq_str(h.sni, "www.example.com", "still finds the SNI inside");
	memset(&res, 0, sizeof(res));
	tap_ok(pw_tls_detect(buf, n, &res) &&
	       res.payload == PW_PL_TLS_CLIENT_HELLO,
	       "malformed hello is still a client hello");
	tap_eq_str(res.detail, "alpn=h2,http/1.1 malformed", "detail says so");

	/* name length past the extension: no host, sniext still found */
	n = build_hello(&basic, buf, sizeof(buf), &lay);
	buf[lay.host_off - 1] = 200;
	tap_ok(pw_tls_parse_record(buf, n, &h) == PW_TLS_OK &&
	       h.host_off == PW_TLS_NONE && h.sniext_off == 90,
	       "bad name length: no host, sniext kept");

	/* no extensions at all (TLS 1.0 style) */
	{
		struct hello_spec s = { .no_extensions = true };

		n = build_hello(&s, buf, sizeof(buf), &lay);
		tap_ok(pw_tls_parse_record(buf, n, &h) == PW_TLS_OK &&
		       h.extlen_off == PW_TLS_NONE && h.n_ext == 0,
		       "hello without extensions");
	}
}

static void test_bare_handshake(void)
{
	uint8_t buf[4096];
	struct hello_layout lay;
	struct pw_tls_hello h;
	size_t n = build_hello(&basic, buf, sizeof(buf), &lay);

	tap_ok(pw_tls_parse_handshake(buf + 5, n - 5, &h) == PW_TLS_OK,
	       "bare handshake parses");
	tap_eq_u64(h.host_off, 90, "offsets relative to the message");
	tap_eq_u64(pw_tls_handshake_need(buf + 5, 4), n - 5,
		   "handshake need from 4 bytes");
	tap_eq_u64(pw_tls_handshake_need(buf + 5, 3), 0,
		   "handshake need unknown below 4 bytes");
}

int main(void)
{
	test_basic_offsets();
	test_pq_ech();
	test_prefixes();
	test_multi_record();
	test_server_hello();
	test_not_tls();
	test_malformed();
	test_bare_handshake();
	return tap_done();
}
