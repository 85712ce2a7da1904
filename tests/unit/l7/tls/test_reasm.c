/* ClientHello / HTTP request reassembly from TCP segments in any order,
 * duplicated, overlapping, retransmitted with other bytes, past the cap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l7/tls/reasm.h"
#include "l7/tls/tls.h"
#include "tap.h"
#include "tls_build.h"

static uint8_t hello[8192];
static size_t hello_len;

static void make_hello(void)
{
	static const uint16_t v13[] = { 0x0304, 0x0303 };
	static const uint16_t g[] = { 0x11ec, 0x001d };
	struct hello_spec s = { .sid_len = 32, .n_ciphers = 16,
				.sni = "pq.example.net", .alpn = "h2",
				.versions = v13, .n_versions = 2,
				.groups = g, .n_groups = 2, .padding = 300 };
	struct hello_layout lay;

	hello_len = build_hello(&s, hello, sizeof(hello), &lay);
}

/* Segments of `mss` bytes, fed in the order given by perm. */
static enum pw_reasm_status feed_perm(struct pw_reasm *r, size_t mss,
				      const unsigned *perm, unsigned count,
				      enum pw_reasm_status *before_last)
{
	enum pw_reasm_status st = PW_REASM_NEED_MORE;
	unsigned i;

	for (i = 0; i < count; i++) {
		size_t off = perm[i] * mss;
		size_t len = hello_len - off < mss ? hello_len - off : mss;

		if (i + 1 == count)
			*before_last = st;
		st = pw_reasm_feed_tcp(r, (uint32_t)off, hello + off, len);
	}
	return st;
}

static bool next_perm(unsigned *a, unsigned n)
{
	unsigned i, j, t;

	for (i = n - 1; i > 0 && a[i - 1] >= a[i]; i--)
		;
	if (!i)
		return false;
	for (j = n - 1; a[j] <= a[i - 1]; j--)
		;
	t = a[i - 1]; a[i - 1] = a[j]; a[j] = t;
	for (j = n - 1; i < j; i++, j--) {
		t = a[i]; a[i] = a[j]; a[j] = t;
	}
	return true;
}

static void test_permutations(void)
{
	unsigned perm[4] = { 0, 1, 2, 3 };
	size_t mss = (hello_len + 3) / 4;
	unsigned orders = 0, good = 0;

	do {
		struct pw_reasm r;
		enum pw_reasm_status before, st;
		struct pw_tls_hello h;

		pw_reasm_init(&r, 0, pw_reasm_need_tls_record);
		st = feed_perm(&r, mss, perm, 4, &before);
		orders++;
		if (st == PW_REASM_COMPLETE && before == PW_REASM_NEED_MORE &&
		    r.need == hello_len &&
		    pw_reasm_contiguous(&r) == hello_len &&
		    !memcmp(pw_reasm_data(&r), hello, hello_len) &&
		    pw_tls_parse_record(pw_reasm_data(&r), r.need, &h) ==
		    PW_TLS_OK && !strcmp(h.sni, "pq.example.net"))
			good++;
		pw_reasm_free(&r);
	} while (next_perm(perm, 4));
	tap_ok(orders == 24 && good == 24,
	       "all 24 orders of 4 segments complete on the last one (%u/%u)",
	       good, orders);
}

static void test_dups_overlaps(void)
{
	struct pw_reasm r;
	enum pw_reasm_status st;
	uint8_t junk[600];

	tap_ok(hello_len > 1460 && hello_len < 4000, "hello is %zu bytes",
	       hello_len);
	pw_reasm_init(&r, 0, pw_reasm_need_tls_record);
	st = pw_reasm_feed_tcp(&r, 0, hello, 1000);
	tap_ok(st == PW_REASM_NEED_MORE && r.need == hello_len,
	       "first segment: need-more, need from the record header");
	st = pw_reasm_feed_tcp(&r, 0, hello, 1000);
	tap_eq_u64(st, PW_REASM_NEED_MORE, "duplicate: still need-more");
	/* overlapping retransmission with different bytes: first copy wins */
	memset(junk, 'J', sizeof(junk));
	st = pw_reasm_feed_tcp(&r, 700, junk, 500);
	tap_ok(st == PW_REASM_NEED_MORE && pw_reasm_contiguous(&r) == 1200,
	       "overlap extends the prefix to 1200");
	tap_eq_mem(pw_reasm_data(&r) + 700, hello + 700, 300,
		   "overlapped bytes keep the first copy");
	tap_ok(pw_reasm_data(&r)[1000] == 'J', "new bytes are taken");
	pw_reasm_free(&r);

	/* overlaps that together cover everything */
	pw_reasm_init(&r, 0, pw_reasm_need_tls_record);
	pw_reasm_feed_tcp(&r, 500, hello + 500, 800);
	pw_reasm_feed_tcp(&r, 1200, hello + 1200, hello_len - 1200);
	tap_ok(r.n_ranges == 1 && r.ranges[0].start == 500,
	       "overlapping pieces merge into one range");
	st = pw_reasm_feed_tcp(&r, 0, hello, 600);
	tap_ok(st == PW_REASM_COMPLETE &&
	       !memcmp(pw_reasm_data(&r), hello, hello_len),
	       "completes with overlapping pieces");
	st = pw_reasm_feed_tcp(&r, 0, hello, 100);
	tap_eq_u64(st, PW_REASM_COMPLETE,
		   "late retransmission: still complete");
	pw_reasm_free(&r);

	/* a segment starting before the stream (rseq wraps below 0) */
	pw_reasm_init(&r, 0, pw_reasm_need_tls_record);
	st = pw_reasm_feed_tcp(&r, (uint32_t)-1, junk, 1);
	tap_ok(st == PW_REASM_NEED_MORE && r.n_ranges == 0,
	       "byte before the start is cut off");
	junk[0] = 'X';
	memcpy(junk + 1, hello, 100);
	pw_reasm_feed_tcp(&r, (uint32_t)-1, junk, 101);
	tap_ok(pw_reasm_contiguous(&r) == 100 &&
	       !memcmp(pw_reasm_data(&r), hello, 100),
	       "segment straddling the start keeps its tail");
	pw_reasm_free(&r);
}

static void test_cap(void)
{
	struct pw_reasm r;
	enum pw_reasm_status st;
	struct pw_tls_hello h;

	pw_reasm_init(&r, 1024, pw_reasm_need_tls_record);
	st = pw_reasm_feed_tcp(&r, 0, hello, 600);
	tap_eq_u64(st, PW_REASM_OVERFLOW, "record longer than cap: overflow");
	st = pw_reasm_feed_tcp(&r, 600, hello + 600, 1000);
	tap_ok(st == PW_REASM_OVERFLOW && pw_reasm_contiguous(&r) == 1024 &&
	       r.size <= 1024 && r.dropped == 576,
	       "bytes past the cap are dropped, buffer stays at cap");
	tap_ok(pw_tls_parse_record(pw_reasm_data(&r), 1024, &h) ==
	       PW_TLS_PARTIAL && !strcmp(h.sni, "pq.example.net"),
	       "the capped prefix still gives the SNI");
	st = pw_reasm_feed_tcp(&r, 5000, hello, 10);
	tap_eq_u64(st, PW_REASM_OVERFLOW, "far segment ignored");
	pw_reasm_free(&r);

	/* too many holes: pieces beyond the range table are dropped like
	 * lost segments, and retransmissions fill them later */
	{
		unsigned i;

		pw_reasm_init(&r, 0, pw_reasm_need_tls_record);
		for (i = 1; i <= 40; i++)
			pw_reasm_feed_tcp(&r, i * 20, hello + i * 20, 10);
		tap_ok(r.n_ranges == PW_REASM_MAX_RANGES && r.dropped == 80,
		       "range table full: 8 pieces dropped");
		st = pw_reasm_feed_tcp(&r, 0, hello, hello_len);
		tap_ok(st == PW_REASM_COMPLETE &&
		       !memcmp(pw_reasm_data(&r), hello, hello_len),
		       "full retransmission completes it");
		pw_reasm_free(&r);
	}
}

static void test_not_msg_and_http(void)
{
	static const char req[] =
		"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n"
		"User-Agent: test\r\nAccept: */*\r\n\r\n";
	size_t n = sizeof(req) - 1;
	struct pw_reasm r;
	enum pw_reasm_status st;
	uint8_t ext[256];

	pw_reasm_init(&r, 0, pw_reasm_need_tls_record);
	st = pw_reasm_feed_tcp(&r, 0, (const uint8_t *)req, 20);
	tap_eq_u64(st, PW_REASM_NOT_MSG, "HTTP into a TLS reassembler");
	st = pw_reasm_feed_tcp(&r, 20, (const uint8_t *)req + 20, 20);
	tap_eq_u64(st, PW_REASM_NOT_MSG, "stays not-message");
	pw_reasm_free(&r);

	pw_reasm_init_buf(&r, ext, sizeof(ext), pw_reasm_need_http_request);
	st = pw_reasm_feed_tcp(&r, 30, (const uint8_t *)req + 30, n - 30);
	tap_eq_u64(st, PW_REASM_NEED_MORE, "HTTP tail first: need-more");
	st = pw_reasm_feed_tcp(&r, 0, (const uint8_t *)req, 10);
	tap_eq_u64(st, PW_REASM_NEED_MORE, "HTTP head partly: need-more");
	st = pw_reasm_feed_tcp(&r, 10, (const uint8_t *)req + 10, 20);
	tap_ok(st == PW_REASM_COMPLETE && r.need == n && r.buf == ext &&
	       !memcmp(ext, req, n), "HTTP request complete in caller buffer");
	pw_reasm_free(&r);

	pw_reasm_init(&r, 64, pw_reasm_need_http_request);
	st = pw_reasm_feed_tcp(&r, 0, (const uint8_t *)req, n);
	tap_eq_u64(st, PW_REASM_OVERFLOW, "headers longer than cap: overflow");
	pw_reasm_free(&r);

	pw_reasm_init(&r, 0, pw_reasm_need_http_request);
	st = pw_reasm_feed_tcp(&r, 0, hello, 100);
	tap_eq_u64(st, PW_REASM_NOT_MSG, "TLS into an HTTP reassembler");
	pw_reasm_free(&r);
}

/* A hello split into two records, each in its own segments. */
static void test_multi_record(void)
{
	uint8_t rec[9000];
	size_t m = split_records(hello, hello_len, 1000, rec, sizeof(rec));
	struct pw_reasm r;
	enum pw_reasm_status st;

	pw_reasm_init(&r, 0, pw_reasm_need_tls_record);
	st = pw_reasm_feed_tcp(&r, 0, rec, 1005);
	tap_ok(st == PW_REASM_NEED_MORE && r.need == m,
	       "first record whole: need counts the next header (%zu)",
	       r.need);
	st = pw_reasm_feed_tcp(&r, 1005, rec + 1005, m - 1005);
	tap_eq_u64(st, PW_REASM_COMPLETE, "two records: complete");
	pw_reasm_free(&r);
}

int main(void)
{
	make_hello();
	test_permutations();
	test_dups_overlaps();
	test_cap();
	test_not_msg_and_http();
	test_multi_record();
	return tap_done();
}
