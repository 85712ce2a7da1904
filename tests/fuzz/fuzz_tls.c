/* libFuzzer harness: TLS and DTLS hello parsers, the detectors, the
 * ClientHello reassembly buffer and position markers on arbitrary bytes.
 *
 * Input: the payload itself. The reassembly pass cuts the same bytes into
 * segments whose sizes and order come from the payload's own bytes, so
 * overlaps, holes and duplicates are all reached. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "l7/detect.h"
#include "l7/markers/markers.h"
#include "l7/tls/reasm.h"
#include "l7/tls/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const marker_lists[] = {
	"1,midsld,endhost-1",
	"method+2,host,sld,endsld,midsld-1",
	"sniext+1,extlen,-1,abs-5,0",
	"host-1000,endhost+1000,-32768,32767",
};

static void markers(const uint8_t *p, size_t n)
{
	struct pw_marker m[PW_MARKERS_MAX];
	long pos[PW_MARKERS_MAX];
	char text[48];
	size_t i, len;
	int cnt;

	for (i = 0; i < sizeof(marker_lists) / sizeof(marker_lists[0]); i++) {
		cnt = pw_marker_list_parse(marker_lists[i], m, PW_MARKERS_MAX);
		if (cnt < 0)
			abort();
		pw_marker_resolve_list(p, n, PW_PL_HTTP_REQ, m, cnt, pos);
		pw_marker_resolve_list(p, n, PW_PL_TLS_CLIENT_HELLO, m, cnt,
				       pos);
		pw_marker_resolve_list(p, n, PW_PL_UNKNOWN, m, cnt, pos);
	}
	/* the bytes as marker text too */
	len = n < sizeof(text) - 1 ? n : sizeof(text) - 1;
	memcpy(text, p, len);
	text[len] = '\0';
	cnt = pw_marker_list_parse(text, m, PW_MARKERS_MAX);
	if (cnt > 0)
		pw_marker_resolve_list(p, n, PW_PL_TLS_CLIENT_HELLO, m, cnt,
				       pos);
}

static void reassemble(const uint8_t *p, size_t n, pw_reasm_need_fn need)
{
	struct pw_reasm r;
	struct pw_tls_hello h;
	size_t i, off;

	pw_reasm_init(&r, 4096, need);
	/* at most 48 pieces: enough for every case, keeps runs fast */
	for (i = 0; i < n && i < 48; i++) {
		/* offset and length from two payload bytes */
		off = (size_t)p[i] * 13 % (n + 1);
		pw_reasm_feed_tcp(&r, (uint32_t)off - (p[i] & 1), p + off,
				  (n - off) % ((size_t)p[(i + 1) % n] + 1));
		if (r.status != PW_REASM_NEED_MORE)
			break;
	}
	if (r.status == PW_REASM_COMPLETE && need == pw_reasm_need_tls_record)
		pw_tls_parse_record(pw_reasm_data(&r), r.need, &h);
	pw_reasm_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_tls_hello h;
	struct pw_l7_result res;
	char detail[64];

	pw_tls_parse_record(data, size, &h);
	pw_tls_hello_detail(&h, detail, sizeof(detail));
	pw_tls_parse_handshake(data, size, &h);
	pw_dtls_parse(data, size, &h);
	pw_tls_record_need(data, size);
	pw_tls_handshake_need(data, size);
	memset(&res, 0, sizeof(res));
	pw_tls_detect(data, size, &res);
	memset(&res, 0, sizeof(res));
	pw_dtls_detect(data, size, &res);
	markers(data, size);
	if (size) {
		reassemble(data, size, pw_reasm_need_tls_record);
		reassemble(data, size, pw_reasm_need_http_request);
	}
	return 0;
}
