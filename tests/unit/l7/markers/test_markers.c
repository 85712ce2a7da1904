/* Position markers on known payloads, with offsets computed by hand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l7/http.h"
#include "l7/markers/markers.h"
#include "tap.h"
#include "tls_build.h"

static long res1(const void *p, size_t n, enum pw_l7_payload type,
		 const char *marker)
{
	struct pw_marker m;

	if (!pw_marker_parse(marker, &m))
		return -2;	/* distinct from PW_POS_NONE */
	return pw_marker_resolve(p, n, type, &m);
}

#define HTTP_REQ "GET / HTTP/1.1\r\nHost: www.example.com\r\n" \
		 "User-Agent: t\r\n\r\n"

static void test_parse(void)
{
	struct pw_marker m[8];
	char buf[32];
	static const char *const bad[] = {
		"foo", "host+", "host+1x", "1x", "midsld+-1", "40000",
		"host-40000", "HOST", " 1", "",
	};
	unsigned i;
	bool all_bad = true;

	tap_ok(pw_marker_parse("midsld-2", &m[0]) &&
	       m[0].kind == PW_MARKER_MIDSLD && m[0].offset == -2,
	       "parse midsld-2");
	tap_ok(pw_marker_parse("-1", &m[0]) && m[0].kind == PW_MARKER_ABS &&
	       m[0].offset == -1, "parse -1");
	tap_ok(pw_marker_parse("+7", &m[0]) && m[0].kind == PW_MARKER_ABS &&
	       m[0].offset == 7, "parse +7");
	tap_ok(pw_marker_parse("abs-3", &m[0]) && m[0].kind == PW_MARKER_ABS &&
	       m[0].offset == -3, "parse abs-3");
	tap_ok(pw_marker_parse("sniext+1", &m[0]) &&
	       m[0].kind == PW_MARKER_SNIEXT && m[0].offset == 1,
	       "parse sniext+1");
	tap_ok(pw_marker_parse("-32768", &m[0]) && m[0].offset == -32768 &&
	       pw_marker_parse("32767", &m[0]) && m[0].offset == 32767,
	       "int16 range");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (pw_marker_parse(bad[i], &m[0])) {
			tap_diag("accepted '%s'", bad[i]);
			all_bad = false;
		}
	tap_ok(all_bad, "bad markers refused");
	tap_eq_u64((uint64_t)pw_marker_list_parse("1,midsld,endhost-1", m, 8),
		   3, "list of 3");
	tap_ok(m[0].kind == PW_MARKER_ABS && m[0].offset == 1 &&
	       m[1].kind == PW_MARKER_MIDSLD &&
	       m[2].kind == PW_MARKER_ENDHOST &&
	       m[2].offset == -1, "list contents");
	tap_ok(pw_marker_list_parse("1,,2", m, 8) == -1 &&
	       pw_marker_list_parse("1,", m, 8) == -1 &&
	       pw_marker_list_parse("1,2,3", m, 2) == -1 &&
	       pw_marker_list_parse("", m, 8) == 0, "list errors");
	pw_marker_parse("host+1", &m[0]);
	tap_eq_str(pw_marker_format(&m[0], buf, sizeof(buf)), "host+1",
		   "format host+1");
	pw_marker_parse("midsld-2", &m[0]);
	tap_eq_str(pw_marker_format(&m[0], buf, sizeof(buf)), "midsld-2",
		   "format midsld-2");
	pw_marker_parse("-10", &m[0]);
	tap_eq_str(pw_marker_format(&m[0], buf, sizeof(buf)), "-10",
		   "format -10");
}

static void test_http(void)
{
	static const char req[] = HTTP_REQ;
	const size_t n = sizeof(req) - 1;
	const enum pw_l7_payload t = PW_PL_HTTP_REQ;
	struct pw_marker m[8];
	long pos[8];
	int k;

	/* "GET / HTTP/1.1\r\n" is 16 bytes, "Host: " 6: the name is at 22,
	 * "www." 4 more: sld "example" 26..32, midsld 26 + 7/2 = 29. */
	tap_eq_u64((uint64_t)res1(req, n, t, "method"), 0, "method");
	tap_eq_u64((uint64_t)res1(req, n, t, "host"), 22, "host");
	tap_eq_u64((uint64_t)res1(req, n, t, "endhost"), 37, "endhost");
	tap_eq_u64((uint64_t)res1(req, n, t, "sld"), 26, "sld");
	tap_eq_u64((uint64_t)res1(req, n, t, "endsld"), 33, "endsld");
	tap_eq_u64((uint64_t)res1(req, n, t, "midsld"), 29, "midsld");
	tap_eq_u64((uint64_t)res1(req, n, t, "host+1"), 23, "host+1");
	tap_eq_u64((uint64_t)res1(req, n, t, "midsld-2"), 27, "midsld-2");
	tap_eq_u64((uint64_t)res1(req, n, t, "2"), 2, "absolute 2");
	tap_eq_u64((uint64_t)res1(req, n, t, "-1"), n - 1, "-1 = last byte");
	tap_ok(res1(req, n, t, "sniext") == PW_POS_NONE &&
	       res1(req, n, t, "extlen") == PW_POS_NONE,
	       "TLS markers do not resolve in HTTP");
	tap_ok(res1(req, n, t, "endhost+1000") == PW_POS_NONE &&
	       res1(req, n, t, "-1000") == PW_POS_NONE &&
	       res1(req, n, t, "1000") == PW_POS_NONE &&
	       res1(req, n, t, "host-100") == PW_POS_NONE,
	       "positions outside the payload do not resolve");
	tap_eq_u64((uint64_t)res1(req, n, t, "abs-2"), n - 2, "abs-2");
	tap_eq_u64((uint64_t)res1(req, n, PW_PL_UNKNOWN, "-2"), n - 2,
		   "absolute works in any payload");
	tap_ok(res1(req, n, PW_PL_UNKNOWN, "host") == PW_POS_NONE,
	       "host does not resolve in an unknown payload");

	k = pw_marker_list_parse("endhost-1,1,midsld,1,-1000", m, 8);
	k = pw_marker_resolve_list((const uint8_t *)req, n, t, m, k, pos);
	tap_ok(k == 3 && pos[0] == 1 && pos[1] == 29 && pos[2] == 36,
	       "list resolves sorted and unique, unresolvable left out");

	/* The same host span as the HTTP detector's for a plain request. */
	{
		size_t off = 0, len = 0;

		tap_ok(pw_http_host_span((const uint8_t *)req, n, &off, &len) &&
		       off == 22 && off + len == 37,
		       "pw_http_host_span agrees on host/endhost");
		tap_eq_u64(pw_http_method_len((const uint8_t *)req, n), 3,
			   "pw_http_method_len agrees the method is there");
	}
}

static void test_http_quirks(void)
{
	static const char port[] =
		"POST /x HTTP/1.1\r\nhost: api.example.co.uk:8443\r\n\r\n";
	static const char eol[] = "\r\nGET / HTTP/1.1\r\nHost:a.b\r\n\r\n";
	static const char nodot[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
	static const char one[] = "GET / HTTP/1.1\r\nHost: x.y.com\r\n\r\n";
	static const char tab[] = "GET / HTTP/1.1\r\nHost:\twww.ab.ru\r\n\r\n";
	static const char nohost[] = "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n";
	static const char lower[] = "get / HTTP/1.1\r\nHost: a.com\r\n\r\n";
	const enum pw_l7_payload t = PW_PL_HTTP_REQ;

	/* "POST /x HTTP/1.1\r\n" 18 + "host: " 6 = 24; name with port runs
	 * to the CR at 24 + 22 = 46; sld is the label before the last dot:
	 * "co" (36..37) in "api.example.co.uk:8443". */
	tap_eq_u64((uint64_t)res1(port, sizeof(port) - 1, t, "host"), 24,
		   "lower-case host header found");
	tap_eq_u64((uint64_t)res1(port, sizeof(port) - 1, t, "endhost"), 46,
		   "endhost includes :port like nfqws2");
	tap_eq_u64((uint64_t)res1(port, sizeof(port) - 1, t, "sld"), 36,
		   "sld of a.b.co.uk:port is 'co'");
	tap_eq_u64((uint64_t)res1(port, sizeof(port) - 1, t, "midsld"), 37,
		   "midsld of 'co' = sld + 1");
	tap_eq_u64((uint64_t)res1(eol, sizeof(eol) - 1, t, "method"), 2,
		   "method after CR LF (methodeol)");
	tap_eq_u64((uint64_t)res1(eol, sizeof(eol) - 1, t, "host"), 23,
		   "Host: without a space");
	tap_eq_u64((uint64_t)res1(eol, sizeof(eol) - 1, t, "midsld"), 24,
		   "one-letter sld: midsld = sld + 1");
	tap_ok(res1(nodot, sizeof(nodot) - 1, t, "sld") == PW_POS_NONE &&
	       res1(nodot, sizeof(nodot) - 1, t, "midsld") == PW_POS_NONE &&
	       res1(nodot, sizeof(nodot) - 1, t, "host") == 22,
	       "no dot: host resolves, sld does not");
	tap_eq_u64((uint64_t)res1(one, sizeof(one) - 1, t, "endsld"), 25,
		   "endsld of x.y.com");
	tap_eq_u64((uint64_t)res1(tab, sizeof(tab) - 1, t, "host"), 22,
		   "tab after the colon is skipped");
	tap_ok(res1(nohost, sizeof(nohost) - 1, t, "host") == PW_POS_NONE &&
	       res1(nohost, sizeof(nohost) - 1, t, "method") == 0,
	       "no Host header");
	tap_ok(res1(lower, sizeof(lower) - 1, t, "method") == PW_POS_NONE,
	       "lower-case method is not a method");
	tap_ok(res1("GET / HTTP", 10, t, "method") == PW_POS_NONE,
	       "shorter than 12 bytes: no method");
}

static void test_tls(void)
{
	static const uint16_t v13[] = { 0x0304 };
	static const uint16_t g[] = { 0x001d };
	struct hello_spec s = { .sid_len = 32, .sni = "www.example.com",
				.versions = v13, .n_versions = 1,
				.groups = g, .n_groups = 1 };
	uint8_t buf[4096], *copy;
	struct hello_layout lay;
	const enum pw_l7_payload t = PW_PL_TLS_CLIENT_HELLO;
	struct pw_marker m[8];
	long pos[8];
	size_t n = build_hello(&s, buf, sizeof(buf), &lay), k;
	int cnt;
	bool ok = true;

	/* extlen 84, SNI ext header 86..89, sniext 90, name at 95..109 */
	tap_eq_u64((uint64_t)res1(buf, n, t, "extlen"), 84, "extlen");
	tap_eq_u64((uint64_t)res1(buf, n, t, "sniext"), 90, "sniext");
	tap_eq_u64((uint64_t)res1(buf, n, t, "sniext+1"), 91, "sniext+1");
	tap_eq_u64((uint64_t)res1(buf, n, t, "host"), 95, "tls host");
	tap_eq_u64((uint64_t)res1(buf, n, t, "endhost"), 110, "tls endhost");
	tap_eq_u64((uint64_t)res1(buf, n, t, "sld"), 99, "tls sld");
	tap_eq_u64((uint64_t)res1(buf, n, t, "endsld"), 106, "tls endsld");
	tap_eq_u64((uint64_t)res1(buf, n, t, "midsld"), 102, "tls midsld");
	tap_ok(res1(buf, n, t, "method") == PW_POS_NONE,
	       "method does not resolve in TLS");
	cnt = pw_marker_list_parse("1,midsld,endhost-1", m, 8);
	cnt = pw_marker_resolve_list(buf, n, t, m, cnt, pos);
	tap_ok(cnt == 3 && pos[0] == 1 && pos[1] == 102 && pos[2] == 109,
	       "1,midsld,endhost-1 = 1,102,109");

	/* Prefixes: each marker resolves exactly when nfqws2 would. */
	for (k = 0; k <= n; k++) {
		long e, h, sn;

		copy = malloc(k ? k : 1);
		memcpy(copy, buf, k);
		e = res1(copy, k, t, "extlen");
		sn = res1(copy, k, t, "sniext");
		h = res1(copy, k, t, "endhost");
		if (e != (k >= 86 ? 84 : PW_POS_NONE) ||
		    sn != (k >= 110 ? 90 : PW_POS_NONE) ||
		    h != (k >= 111 ? 110 : PW_POS_NONE)) {
			tap_diag("prefix %zu: extlen %ld sniext %ld "
				 "endhost %ld", k, e, sn, h);
			ok = false;
		}
		free(copy);
	}
	tap_ok(ok, "markers on every prefix of the hello");

	/* Split into records: positions in later records do not count. */
	{
		uint8_t rec[8192];
		size_t mlen = split_records(buf, n, 90, rec, sizeof(rec));

		tap_ok(res1(rec, mlen, t, "extlen") == 84 &&
		       res1(rec, mlen, t, "sniext") == PW_POS_NONE &&
		       res1(rec, mlen, t, "host") == PW_POS_NONE,
		       "only the first record is searched");
	}
}

int main(void)
{
	test_parse();
	test_http();
	test_http_quirks();
	test_tls();
	return tap_done();
}
